//! The meeting screens' state: the list of meetings with the team's open tasks, one meeting's
//! agenda and attendees, the case being presented and an outcome being recorded. Plain data:
//! [`crate::tui::screen::meeting`] changes it. The meeting itself (its view, its changes) is
//! [`crate::meeting`]'s.

use crate::domain::{MeetingCase, Outcome};
use crate::meeting::MeetingView;
use crate::store::{MeetingSummary, TaskRow};

/// Which list keys move in on the meetings screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MeetingsPane {
    #[default]
    Meetings,
    Tasks,
}

#[derive(Debug, Clone, Default)]
pub struct MeetingsScreen {
    pub list: Vec<MeetingSummary>,
    pub tasks: Vec<TaskRow>,
    pub selected: usize,
    pub task: usize,
    pub pane: MeetingsPane,
    pub loaded: bool,
}

/// Which list keys move in on a meeting's screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgendaPane {
    Agenda,
    Attendees,
}

/// A case on the shared screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Presentation {
    /// Seconds on this case not yet written to the file (the screen adds them to the stored
    /// time).
    pub unsaved: u32,
}

/// A choice being made in a menu, with what was chosen before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeetingChoice {
    Category,
    ChosenOption,
    PlanFollowed,
}

#[derive(Debug, Clone)]
pub struct MeetingScreen {
    pub id: i64,
    pub view: Option<Box<MeetingView>>,
    /// The selected case (agenda order).
    pub case: usize,
    pub attendee: usize,
    pub pane: AgendaPane,
    pub presenting: Option<Presentation>,
    /// An outcome being recorded across a menu or two and a line of text.
    pub pending: Option<PendingOutcome>,
}

/// A decision being recorded: the case as it was when the person began (what the save is
/// checked against), and the outcome chosen so far.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingOutcome {
    pub base: MeetingCase,
    pub outcome: Outcome,
}

impl PendingOutcome {
    /// The case with the chosen outcome: what is saved.
    pub fn case(&self) -> MeetingCase {
        MeetingCase {
            outcome_category: self.outcome.category.map(|c| c.as_str().to_owned()),
            chosen_option_id: self.outcome.chosen_option_id,
            outcome_text: self.outcome.text.trim().to_owned(),
            comes_back: self.outcome.comes_back,
            ..self.base.clone()
        }
    }
}

/// Seconds of presentation kept in memory before they are written.
pub const FLUSH_SECONDS: u32 = 15;

impl MeetingScreen {
    pub fn selected_case(&self) -> Option<&crate::store::CaseDetail> {
        self.view.as_ref()?.detail.cases.get(self.case)
    }
}
