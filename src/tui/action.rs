//! What a user means: the actions keys are bound to in `assets/keymap.toml`. The names are the
//! keymap's vocabulary.

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Back,
    Help,
    MoveDown,
    MoveUp,
    PageDown,
    PageUp,
    First,
    Last,
    Open,
    Search,
    Filter,
    Sort,
    Overview,
    ToggleMask,
    Refresh,
    NextTab,
    PrevTab,
    Confirm,
    Dismiss,
    AddNote,
    NextAssessment,
    ZoomIn,
    ZoomOut,
    PanLeft,
    PanRight,
    CareTeam,
}
