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
    /// The row of the selected meeting, as loaded (what is drawn).
    pub selected: usize,
    /// The row of the selected task, as loaded (what is drawn).
    pub task: usize,
    /// The selected meeting and task themselves: a reload (a colleague's new meeting, a task
    /// they completed) moves the rows, and the selection stays on what the person chose, so
    /// that Space never marks a task they did not highlight.
    pub selected_id: Option<i64>,
    pub task_id: Option<i64>,
    /// The task selected left the open tasks (done or cancelled on another terminal): nothing
    /// is selected, and Space does nothing, until a key selects a task again. The cursor never
    /// moves on to the next task by itself.
    pub task_gone: bool,
    /// Tasks shown open earlier in the session that left the list (done, cancelled): a
    /// message about one (its undo) still names it, and a masked screen cuts its patient out.
    pub left: Vec<TaskRow>,
    pub pane: MeetingsPane,
    pub loaded: bool,
}

/// How many tasks that left the list are remembered for masking their messages.
const REMEMBERED_LEFT: usize = 100;

impl MeetingsScreen {
    /// Selects the meeting at `index` as loaded (a key moved the cursor): its id follows.
    pub fn select_meeting(&mut self, index: usize) {
        self.selected = index;
        self.selected_id = self.list.get(index).map(|m| m.id);
    }

    /// Selects the task at `index` as loaded (a key moved the cursor): its id follows.
    pub fn select_task(&mut self, index: usize) {
        self.task = index;
        self.task_id = self.tasks.get(index).map(|t| t.task.id);
        self.task_gone = false;
    }

    /// The task selected, if one is (see [`MeetingsScreen::task_gone`]).
    pub fn selected_task(&self) -> Option<&TaskRow> {
        if self.task_gone {
            return None;
        }
        self.tasks.get(self.task)
    }

    /// New rows from the worker: the selection stays on the same meeting and task where they
    /// still are. A selected task no longer open leaves nothing selected (returns `true`).
    pub fn reloaded(&mut self, list: Vec<MeetingSummary>, tasks: Vec<TaskRow>) -> bool {
        let meeting = self
            .selected_id
            .and_then(|id| list.iter().position(|m| m.id == id))
            .unwrap_or(self.selected)
            .min(list.len().saturating_sub(1));
        let found = self
            .task_id
            .and_then(|id| tasks.iter().position(|t| t.task.id == id));
        let gone = self.task_id.is_some() && found.is_none();
        let task = found
            .unwrap_or(self.task)
            .min(tasks.len().saturating_sub(1));
        let still_gone = self.task_gone;
        let left: Vec<TaskRow> = self
            .tasks
            .iter()
            .filter(|old| !tasks.iter().any(|t| t.task.id == old.task.id))
            .cloned()
            .collect();
        self.left
            .retain(|old| !tasks.iter().any(|t| t.task.id == old.task.id));
        self.left.extend(left);
        let excess = self.left.len().saturating_sub(REMEMBERED_LEFT);
        self.left.drain(..excess);
        self.list = list;
        self.tasks = tasks;
        self.select_meeting(meeting);
        if gone || still_gone {
            self.task = task;
            self.task_id = None;
            self.task_gone = true;
        } else {
            self.select_task(task);
        }
        gone
    }
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

/// A choice being made in a menu, with what it is about as it was when the menu opened: the
/// agenda may reload in another order before the choice is made.
#[derive(Debug, Clone, PartialEq)]
pub enum MeetingChoice {
    Category,
    /// The options offered, by id, in the menu's order after "no option".
    ChosenOption(Vec<i64>),
    /// The earlier discussion whose plan is asked about.
    PlanFollowed(Box<MeetingCase>),
}

#[derive(Debug, Clone)]
pub struct MeetingScreen {
    pub id: i64,
    pub view: Option<Box<MeetingView>>,
    /// The selected case's position on the agenda as loaded (what is drawn).
    pub case: usize,
    /// The selected case itself: when the agenda reloads in another order (a colleague's `J`,
    /// `K` or `X`), the selection, and the case presented, stay on it.
    pub case_id: Option<i64>,
    /// The selected attendee's row as loaded, and the attendee (kept through a reload).
    pub attendee: usize,
    pub attendee_id: Option<i64>,
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
    /// The assessment on screen when the decision began (its rule set, and its fingerprint,
    /// `None` when none was shown): the decision is refused if it changed before it is saved,
    /// as a review is, and if one appeared where none was shown.
    pub seen: (String, Option<String>),
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
    /// Meeting `id`'s screen, before it has loaded.
    pub fn new(id: i64) -> Self {
        MeetingScreen {
            id,
            view: None,
            case: 0,
            case_id: None,
            attendee: 0,
            attendee_id: None,
            pane: AgendaPane::Agenda,
            presenting: None,
            pending: None,
        }
    }

    pub fn selected_case(&self) -> Option<&crate::store::CaseDetail> {
        self.view.as_ref()?.detail.cases.get(self.case)
    }

    /// Selects the case at `index` of the agenda as loaded (a key moved the cursor).
    pub fn select_case(&mut self, index: usize) {
        self.case = index;
        self.case_id = self.selected_case().map(|c| c.case.id);
    }

    /// Selects the attendee at `index` as loaded.
    pub fn select_attendee(&mut self, index: usize) {
        self.attendee = index;
        self.attendee_id = self
            .view
            .as_ref()
            .and_then(|v| v.detail.attendees.get(index))
            .map(|a| a.id);
    }

    /// Where case `id` stands on the agenda as loaded, if it is still on it.
    pub fn position_of(&self, id: i64) -> Option<usize> {
        self.view
            .as_ref()?
            .detail
            .cases
            .iter()
            .position(|c| c.case.id == id)
    }
}
