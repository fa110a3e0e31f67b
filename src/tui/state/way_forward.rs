//! The way-forward screen's state: the step and item selected, which pane keys move in, the
//! choices offered, and a step watched for completing by itself once its work is saved. Plain
//! data: [`crate::tui::screen::way_forward`] changes it.

use crate::domain::{CareOption, PatientId, PatientPreference, Stance, StepStatus};
use crate::way_forward::{Change, WayForwardView};

/// Which side of the screen keys move in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Steps,
    Items,
}

/// A row of the items pane, pointing into the view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    Referral(usize),
    Checklist(usize),
    Board(usize),
    Goal(usize),
}

/// What a choice menu chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Status,
    /// The team's stance on the selected option.
    Stance,
    /// The patient's preference about the selected option.
    Preference,
    /// A specialty to refer to (step 1), or a well-being service or goal (step 4).
    Referral,
}

#[derive(Debug, Clone)]
pub struct WayForwardScreen {
    pub patient: PatientId,
    pub conditions: Vec<String>,
    pub view: Option<Box<WayForwardView>>,
    /// Index of the selected step (0 = step 1).
    pub step: usize,
    pub pane: Pane,
    /// The selected row of the items pane, as loaded (what is drawn).
    pub item: usize,
    /// What that row is ([`item_key`]): a colleague's referral, option or goal added above it
    /// moves the rows, and the selection stays on the same item.
    pub item_key: Option<String>,
    /// The specialty or service picked before typing who it goes to.
    pub pending_specialty: Option<String>,
    /// The step as it was when its status menu opened (what the choice is checked against).
    pub opened_step: Option<crate::domain::WayForwardStep>,
    /// The option as it was when its stance or preference menu opened.
    pub opened_option: Option<CareOption>,
    /// The step whose work a person's save (in flight, or saved) records: when the screen
    /// reloads after it, the step becomes done by itself if its done-condition is now met.
    pub completing: Option<Completing>,
    /// The save that marked a step done by itself (0 until it is numbered, when it is sent),
    /// and what the status line says of it.
    pub completed_by_itself: Option<(u64, String)>,
    /// The checklist's keys in the order first shown, per condition: a ticked confounder
    /// leaves the assessment and would otherwise move to the end of the list, so the row under
    /// the cursor would then hold another item (rows keep their place while the screen is open).
    pub checklist_order: Option<(String, Vec<String>)>,
    pub loaded: bool,
}

impl WayForwardScreen {
    /// Selects the row at `index` of the items pane as loaded.
    pub fn select_item(&mut self, index: usize) {
        self.item = index;
        self.item_key = self.view.as_deref().and_then(|view| {
            let item = *items(view, self.step).get(index)?;
            item_key(view, item)
        });
    }

    /// The screen of `patient`'s way forward, before it has loaded.
    pub fn new(patient: PatientId) -> Self {
        WayForwardScreen {
            patient,
            conditions: Vec::new(),
            view: None,
            step: 0,
            pane: Pane::Steps,
            item: 0,
            item_key: None,
            pending_specialty: None,
            opened_step: None,
            opened_option: None,
            completing: None,
            completed_by_itself: None,
            checklist_order: None,
            loaded: false,
        }
    }
}

/// Where a person's save stands for the step its work belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completing {
    Sent { ticket: u64, step: u8 },
    Saved { step: u8 },
}

/// The team's stances in the order the menu offers them.
pub const STANCE_CHOICES: [(Stance, &str); 3] = [
    (Stance::Proposed, "proposed"),
    (Stance::Recommended, "recommended"),
    (Stance::Rejected, "rejected (asks the reason)"),
];

/// The patient's preferences in the order the menu offers them.
pub const PREFERENCE_CHOICES: [(PatientPreference, &str); 4] = [
    (PatientPreference::Unknown, "not known yet"),
    (PatientPreference::Wants, "wants"),
    (PatientPreference::Undecided, "undecided"),
    (PatientPreference::Declines, "declines"),
];

/// The statuses in the order the menu offers them.
pub const STATUS_CHOICES: [StepStatus; 4] = [
    StepStatus::Todo,
    StepStatus::InProgress,
    StepStatus::Done,
    StepStatus::NotApplicable,
];

/// A status in words, with its symbol (never colour alone).
pub fn status_text(status: StepStatus) -> &'static str {
    match status {
        StepStatus::Todo => "○ to do",
        StepStatus::InProgress => "◐ in progress",
        StepStatus::Done => "● done",
        StepStatus::NotApplicable => "– not applicable",
    }
}

/// The rows of the items pane for a step.
pub fn items(view: &WayForwardView, step: usize) -> Vec<Item> {
    let plan = &view.plan;
    match step {
        0 => referral_rows(plan, 1),
        1 => (0..plan.checklist.len()).map(Item::Checklist).collect(),
        2 => (0..view.board.len()).map(Item::Board).collect(),
        _ => {
            let mut rows = referral_rows(plan, 4);
            rows.extend((0..plan.goals.len()).map(Item::Goal));
            rows
        }
    }
}

/// What an item is, whatever its row: a referral or goal by its id, a checklist item by its
/// key, an option by its catalogue key or, added by the team, its id.
pub fn item_key(view: &WayForwardView, item: Item) -> Option<String> {
    let plan = &view.plan;
    Some(match item {
        Item::Referral(i) => format!("referral {}", plan.referrals.get(i)?.id),
        Item::Checklist(i) => format!("check {}", plan.checklist.get(i)?.key),
        Item::Goal(i) => format!("goal {}", plan.goals.get(i)?.id),
        Item::Board(i) => {
            let entry = view.board.get(i)?;
            match (&entry.catalogue, &entry.recorded) {
                (Some(catalogue), _) => format!("catalogue {}", catalogue.key),
                (None, Some(option)) => format!("option {}", option.id),
                (None, None) => return None,
            }
        }
    })
}

pub(super) fn referral_rows(plan: &crate::domain::way_forward::WayForward, step: u8) -> Vec<Item> {
    plan.referrals
        .iter()
        .enumerate()
        .filter(|(_, r)| r.step == step)
        .map(|(i, _)| Item::Referral(i))
        .collect()
}

/// The choices of the "add" menu of a step (1: specialties; 4: services and a goal).
pub fn referral_choices(view: &WayForwardView, step: usize) -> Vec<String> {
    let mut choices: Vec<String> = if step == 0 {
        view.specialties.clone()
    } else {
        view.support.iter().map(|s| s.name.clone()).collect()
    };
    if step == 3 {
        choices.push(String::from(GOAL_CHOICE));
    }
    choices.push(String::from(OTHER_CHOICE));
    choices
}

pub const GOAL_CHOICE: &str = "A well-being or lifestyle goal…";
pub const OTHER_CHOICE: &str = "Another specialty or service (type it)…";

/// A save was sent: if it records a step's work, that step is watched for completion.
/// A step marked done by itself gets its number, for its answer to say so.
pub fn sent(screen: Option<&mut WayForwardScreen>, ticket: u64, change: &Change) {
    let Some(screen) = screen else { return };
    if let Some(step) = change.work_of_step() {
        screen.completing = Some(Completing::Sent { ticket, step });
    }
    if let (Some((unnumbered @ 0, _)), Change::Step(_)) =
        (screen.completed_by_itself.as_mut(), change)
    {
        *unnumbered = ticket;
    }
}

/// A save was answered: the watched one is now saved; the answer to a step completed by
/// itself is what the status line says instead of "saved: step 2 (done)".
pub fn saved(screen: Option<&mut WayForwardScreen>, ticket: u64) -> Option<String> {
    let screen = screen?;
    if let Some(Completing::Sent { ticket: sent, step }) = screen.completing
        && sent == ticket
    {
        screen.completing = Some(Completing::Saved { step });
    }
    match screen.completed_by_itself.take() {
        Some((auto, words)) if auto == ticket => Some(words),
        other => {
            screen.completed_by_itself = other;
            None
        }
    }
}
