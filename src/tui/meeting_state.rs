//! The meeting screens' state: the list of meetings with the team's open tasks, one meeting's
//! agenda and attendees, the case being presented, an outcome being recorded, and the changes
//! the screens send to the worker. Plain data: [`super::meeting`] changes it.

use chrono::{NaiveDate, NaiveDateTime};

use crate::domain::{Attendee, CareOption, Edit, MeetingCase, Outcome, PatientId, Task};
use crate::store::{MeetingDetail, MeetingSummary, PatientCase, TaskRow};

/// What the worker adds to a stored meeting for the screens.
#[derive(Debug, Clone, PartialEq)]
pub struct MeetingView {
    pub detail: MeetingDetail,
    /// Per case (agenda order): the specialties its rule set needs that no attendee present
    /// brings.
    pub missing: Vec<Vec<String>>,
    /// Per case: the patient's way-forward progress for the case's condition (steps closed, of
    /// four), when a way forward was started.
    pub progress: Vec<Option<usize>>,
    /// Per case: the options recorded on the patient's way forward, to choose from.
    pub options: Vec<Vec<CareOption>>,
    /// Per case: the last earlier discussion of the same patient, to say whether its plan was
    /// followed.
    pub previous: Vec<Option<PatientCase>>,
}

/// One change to a meeting.
#[derive(Debug, Clone, PartialEq)]
pub enum MeetingChange {
    Create {
        starts_at: NaiveDateTime,
        title: String,
        team: Option<String>,
    },
    /// Adds a patient to a meeting's agenda (`None`: the next meeting).
    AddCase {
        meeting: Option<i64>,
        patient: PatientId,
        ruleset: Option<String>,
    },
    MoveCase {
        case: i64,
        up: bool,
    },
    RemoveCase {
        case: i64,
    },
    Presented {
        case: i64,
        seconds: u32,
    },
    AddAttendee {
        meeting: i64,
        name: String,
        specialty: String,
    },
    /// A case's question, time box, outcome (decision, option, recommendation, comes back) or
    /// whether its plan was followed, as the person opened the case and as they save it.
    Case(Edit<MeetingCase>),
    /// An attendee marked present or absent.
    Attendee(Edit<Attendee>),
    AddTask {
        patient: PatientId,
        case: Option<i64>,
        what: String,
        owner: Option<String>,
        due: Option<NaiveDate>,
    },
    /// A task's status.
    Task(Edit<Task>),
}

impl MeetingChange {
    /// The same change, saved over what a colleague changed since it was opened.
    #[must_use]
    pub fn overwriting(self) -> Self {
        match self {
            MeetingChange::Case(edit) => MeetingChange::Case(edit.overwriting()),
            MeetingChange::Attendee(edit) => MeetingChange::Attendee(edit.overwriting()),
            MeetingChange::Task(edit) => MeetingChange::Task(edit.overwriting()),
            other => other,
        }
    }
    /// The change that takes this one back ([`crate::domain::Edit::reversed`]); `None` for a
    /// record added, a case moved or removed, or the time on a case.
    pub fn reversed(&self) -> Option<Self> {
        Some(match self {
            MeetingChange::Case(edit) => MeetingChange::Case(edit.reversed()?),
            MeetingChange::Attendee(edit) => MeetingChange::Attendee(edit.reversed()?),
            MeetingChange::Task(edit) => MeetingChange::Task(edit.reversed()?),
            _ => return None,
        })
    }

    /// Whether it is saved over a colleague's change.
    pub fn overwrites(&self) -> bool {
        match self {
            MeetingChange::Case(edit) => edit.overwrite,
            MeetingChange::Attendee(edit) => edit.overwrite,
            MeetingChange::Task(edit) => edit.overwrite,
            _ => false,
        }
    }
}

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
pub(super) const FLUSH_SECONDS: u32 = 15;

impl MeetingScreen {
    pub fn selected_case(&self) -> Option<&crate::store::CaseDetail> {
        self.view.as_ref()?.detail.cases.get(self.case)
    }
}
