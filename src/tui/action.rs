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
    /// The way-forward screen of the patient.
    WayForward,
    /// Way forward: the selected step's status, owner, due date and notes.
    SetStatus,
    SetOwner,
    /// Takes back the last change saved in this session ([`super::undo`]).
    Undo,
    SetDue,
    EditNotes,
    /// Way forward: add a referral, checklist item, trial or goal to the selected step.
    AddItem,
    /// Way forward: tick, or move the selected item to its next state.
    ToggleItem,
    /// Way forward: the team's stance on the selected option, and the patient's preference.
    PickStance,
    PickPreference,
    /// Way forward: the next flagged condition of the patient.
    NextCondition,
    /// The meetings: agendas, the shared-screen presentation, the team's open tasks.
    Meetings,
    /// The selected patient joins a meeting's agenda.
    AddToAgenda,
    MoveCaseUp,
    MoveCaseDown,
    RemoveCase,
    EditQuestion,
    SetTimebox,
    NextCase,
    PrevCase,
    /// Presentation: the decision for the case on screen.
    RecordOutcome,
    ComesBack,
    AddTask,
    /// Presentation: whether the plan of the last discussion was followed.
    PlanFollowed,
    /// Patient: the History tab as stored audit rows, or as sentences again.
    RawDetail,
    /// A meeting: write its minutes to a file (Markdown, or HTML by the name).
    WriteMinutes,
    /// After a save refused because a colleague changed the same thing: save yours over theirs
    /// (recorded as an overwrite).
    Overwrite,
    /// After such a refusal: show or hide what the colleague saved.
    SeeTheirs,
}
