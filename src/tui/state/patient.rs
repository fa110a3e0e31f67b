//! A patient's record on screen: which tab, which assessment, the timeline's zoom and pan,
//! the scroll, and where Esc goes back to.

use super::Screen;
use crate::domain::PatientId;
use crate::tui::worker::PatientDetail;

/// The patient screen's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Timeline,
    Lines,
    Observations,
    Notes,
    Tasks,
    History,
}

impl Tab {
    pub const ALL: [Tab; 6] = [
        Tab::Timeline,
        Tab::Lines,
        Tab::Observations,
        Tab::Notes,
        Tab::Tasks,
        Tab::History,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Timeline => "Timeline",
            Tab::Lines => "Lines",
            Tab::Observations => "Observations",
            Tab::Notes => "Notes",
            Tab::Tasks => "Tasks",
            Tab::History => "History",
        }
    }
}

#[derive(Debug, Clone)]
pub struct PatientScreen {
    pub id: PatientId,
    pub detail: Option<Box<PatientDetail>>,
    pub tab: Tab,
    /// Which assessment the panel shows (a patient can have several conditions).
    pub assessment: usize,
    /// Scroll of the tab's table.
    pub scroll: usize,
    /// Timeline zoom: 0 shows the whole history; each step halves the span.
    pub zoom: u8,
    /// Timeline pan, in tenths of the visible span from the right end (0 = ends today).
    pub pan: i32,
    /// Where Esc goes back to.
    pub back_to: Screen,
    /// The History tab shows the audit rows as they are stored (action, JSON) instead of
    /// sentences.
    pub raw_history: bool,
    /// The selected task on the Tasks tab (Space marks it done).
    pub task: usize,
}

impl PatientScreen {
    /// The record of patient `id` on `tab`, before it has loaded; Esc goes back to `back_to`.
    pub fn new(id: PatientId, back_to: Screen, tab: Tab) -> Self {
        PatientScreen {
            id,
            detail: None,
            tab,
            assessment: 0,
            scroll: 0,
            zoom: 0,
            pan: 0,
            back_to,
            raw_history: false,
            task: 0,
        }
    }
}
