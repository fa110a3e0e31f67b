//! The way-forward screen's state and how keys change it: the four steps on the left, the
//! selected step's items on the right (referrals, checklist, options board, well-being), and
//! the small dialogues that edit them. Every change goes to the worker as one
//! [`Change`](crate::way_forward::Change), checked by the step machine before it is saved.

use chrono::NaiveDate;

use super::action::Action;
use super::app::{ChoiceFor, Input, InputPurpose, Model, Opened, Popup, Screen};
use super::worker::{Request, Save};
use crate::domain::way_forward::next_referral_status;
use crate::domain::{
    CareOption, ChecklistItem, Edit, OptionKind, PatientId, PatientPreference, Referral,
    ReferralStatus, Stance, StepStatus, TrialStatus, WellbeingGoal,
};
use crate::way_forward::{BoardEntry, Change, WayForwardView};

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
    pub item: usize,
    /// The specialty or service picked before typing who it goes to.
    pub pending_specialty: Option<String>,
    /// The step as it was when its status menu opened (what the choice is checked against).
    pub opened_step: Option<crate::domain::WayForwardStep>,
    /// The checklist's keys in the order first shown, per condition: a ticked confounder
    /// leaves the assessment and would otherwise move to the end of the list, so the row under
    /// the cursor would then hold another item (rows keep their place while the screen is open).
    pub checklist_order: Option<(String, Vec<String>)>,
    pub loaded: bool,
}

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

fn referral_rows(plan: &crate::domain::way_forward::WayForward, step: u8) -> Vec<Item> {
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

const GOAL_CHOICE: &str = "A well-being or lifestyle goal…";
const OTHER_CHOICE: &str = "Another specialty or service (type it)…";

/// Opens the way forward of the patient on screen.
pub fn open(model: &mut Model) -> Vec<Request> {
    let Some(patient) = &model.patient else {
        return Vec::new();
    };
    let id = patient.id;
    let ruleset = patient.detail.as_ref().and_then(|d| {
        d.summary
            .assessments
            .get(patient.assessment)
            .filter(|a| a.assessment.status.asks_for_review())
            .map(|a| a.assessment.ruleset.clone())
    });
    model.screen = Screen::WayForward;
    model.way_forward = Some(WayForwardScreen {
        patient: id,
        conditions: Vec::new(),
        view: None,
        step: 0,
        pane: Pane::Steps,
        item: 0,
        pending_specialty: None,
        opened_step: None,
        checklist_order: None,
        loaded: false,
    });
    vec![Request::WayForward {
        patient: id,
        ruleset,
    }]
}

/// Reloads what the screen shows (after a save or another process's change).
pub fn reload(model: &Model) -> Option<Request> {
    let screen = model.way_forward.as_ref()?;
    Some(Request::WayForward {
        patient: screen.patient,
        ruleset: screen.view.as_ref().map(|v| v.plan.ruleset.clone()),
    })
}

/// A reply with the way forward.
pub fn loaded(
    model: &mut Model,
    patient: PatientId,
    conditions: Vec<String>,
    view: Option<Box<WayForwardView>>,
) {
    let Some(screen) = model.way_forward.as_mut() else {
        return;
    };
    if screen.patient != patient {
        return;
    }
    screen.conditions = conditions;
    screen.view = view;
    if let Some(view) = screen.view.as_deref_mut() {
        keep_checklist_order(&mut screen.checklist_order, view);
    }
    screen.loaded = true;
    let count = screen
        .view
        .as_ref()
        .map_or(0, |v| items(v, screen.step).len());
    screen.item = screen.item.min(count.saturating_sub(1));
}

/// Puts the checklist in the order it was first shown on this screen (new items after), and
/// remembers the order for the next reload.
fn keep_checklist_order(order: &mut Option<(String, Vec<String>)>, view: &mut WayForwardView) {
    let ruleset = &view.plan.ruleset;
    let checklist = &mut view.plan.checklist;
    if let Some((of, keys)) = order.as_ref()
        && of == ruleset
    {
        // A stable sort: items not seen before keep their relative order, after the others.
        checklist.sort_by_key(|item| {
            keys.iter()
                .position(|k| *k == item.key)
                .unwrap_or(usize::MAX)
        });
    }
    *order = Some((
        ruleset.clone(),
        checklist.iter().map(|item| item.key.clone()).collect(),
    ));
}

fn selected_item(screen: &WayForwardScreen) -> Option<Item> {
    let view = screen.view.as_ref()?;
    items(view, screen.step).get(screen.item).copied()
}

fn save(change: Change) -> Vec<Request> {
    vec![Request::Save {
        ticket: 0,
        save: Box::new(Save::WayForward(change)),
    }]
}

fn ask(model: &mut Model, purpose: InputPurpose, text: String) -> Vec<Request> {
    model.input = Some(Input::new(purpose, text));
    Vec::new()
}

/// Asks for text that changes `record`, as it is now (what the save is checked against).
fn ask_about(
    model: &mut Model,
    purpose: InputPurpose,
    text: String,
    record: Opened,
) -> Vec<Request> {
    model.input = Some(Input::new(purpose, text).about(record));
    Vec::new()
}

/// A key on the way-forward screen.
pub fn action(model: &mut Model, action: Action) -> Vec<Request> {
    let today = model.today;
    let Some(screen) = model.way_forward.as_mut() else {
        return Vec::new();
    };
    if action == Action::NextCondition && screen.conditions.len() > 1 {
        let current = screen
            .view
            .as_ref()
            .and_then(|v| screen.conditions.iter().position(|c| *c == v.plan.ruleset))
            .unwrap_or(0);
        let next = screen.conditions[(current + 1) % screen.conditions.len()].clone();
        screen.item = 0;
        return vec![Request::WayForward {
            patient: screen.patient,
            ruleset: Some(next),
        }];
    }
    let Some(view) = screen.view.as_deref() else {
        return Vec::new();
    };
    let step_number = u8::try_from(screen.step + 1).unwrap_or(1);
    let Some(step) = view.plan.step(step_number).cloned() else {
        return Vec::new();
    };
    let rows = items(view, screen.step).len();
    match action {
        Action::NextTab | Action::PrevTab => {
            screen.pane = match screen.pane {
                Pane::Steps => Pane::Items,
                Pane::Items => Pane::Steps,
            };
        }
        Action::MoveDown | Action::MoveUp | Action::First | Action::Last => {
            let down = action == Action::MoveDown;
            match screen.pane {
                Pane::Steps => {
                    screen.step = match action {
                        Action::First => 0,
                        Action::Last => 3,
                        _ if down => (screen.step + 1).min(3),
                        _ => screen.step.saturating_sub(1),
                    };
                    screen.item = 0;
                }
                Pane::Items => {
                    screen.item = match action {
                        Action::First => 0,
                        Action::Last => rows.saturating_sub(1),
                        _ if down => (screen.item + 1).min(rows.saturating_sub(1)),
                        _ => screen.item.saturating_sub(1),
                    };
                }
            }
        }
        Action::SetStatus => {
            screen.opened_step = Some(step.clone());
            let selected = STATUS_CHOICES
                .iter()
                .position(|s| *s == step.status)
                .unwrap_or(0);
            model.popup = Some(Popup::Choose {
                title: format!("Step {step_number}: status"),
                options: STATUS_CHOICES
                    .iter()
                    .map(|s| status_text(*s).to_owned())
                    .collect(),
                selected,
                choice: ChoiceFor::WayForward(Choice::Status),
            });
        }
        Action::SetOwner => {
            let text = step.owner.clone().unwrap_or_default();
            return ask_about(model, InputPurpose::StepOwner, text, Opened::Step(step));
        }
        Action::SetDue => {
            let text = step.due.map(|d| d.to_string()).unwrap_or_default();
            return ask_about(model, InputPurpose::StepDue, text, Opened::Step(step));
        }
        Action::EditNotes => {
            let text = step.notes.clone();
            return ask_about(model, InputPurpose::StepNotes, text, Opened::Step(step));
        }
        Action::AddItem => match screen.step {
            1 => return ask(model, InputPurpose::ChecklistItem, String::new()),
            2 => return ask(model, InputPurpose::Trial, String::new()),
            _ => {
                let options = referral_choices(view, screen.step);
                model.popup = Some(Popup::Choose {
                    title: String::from(if screen.step == 0 {
                        "Refer to"
                    } else {
                        "Well-being: refer or set a goal"
                    }),
                    options,
                    selected: 0,
                    choice: ChoiceFor::WayForward(Choice::Referral),
                });
            }
        },
        Action::Open => {
            // Enter on an item: type its detail (how a check was resolved; notes on an option).
            screen.pane = Pane::Items;
            match selected_item(screen) {
                Some(Item::Checklist(i)) => {
                    let item = view.plan.checklist[i].clone();
                    let text = item.detail.clone().unwrap_or_default();
                    return ask_about(
                        model,
                        InputPurpose::ChecklistDetail,
                        text,
                        Opened::Checklist(item),
                    );
                }
                Some(Item::Board(i)) => {
                    let option = recorded_or_new(view, &view.board[i]);
                    let text = option.notes.clone();
                    return ask_about(
                        model,
                        InputPurpose::OptionNotes,
                        text,
                        Opened::Option(option),
                    );
                }
                _ => {}
            }
        }
        Action::ToggleItem => {
            let Some(item) = selected_item(screen) else {
                model.message = Some(String::from("nothing selected: Tab to the items"));
                return Vec::new();
            };
            return toggle(view, item, today);
        }
        Action::CycleStance | Action::CyclePreference => {
            let Some(Item::Board(i)) = selected_item(screen) else {
                model.message = Some(String::from(
                    "stance and preference apply to an option of step 3",
                ));
                return Vec::new();
            };
            let opened = recorded_or_new(view, &view.board[i]);
            let mut option = opened.clone();
            if action == Action::CyclePreference {
                option.preference = match option.preference {
                    PatientPreference::Unknown | PatientPreference::Declines => {
                        PatientPreference::Wants
                    }
                    PatientPreference::Wants => PatientPreference::Undecided,
                    PatientPreference::Undecided => PatientPreference::Declines,
                };
                return save(Change::Option(Edit::of(opened, option)));
            }
            let stance = if view.board[i].recorded.is_none() {
                Stance::Proposed
            } else {
                match option.stance {
                    Stance::Proposed => Stance::Recommended,
                    Stance::Recommended => Stance::Rejected,
                    Stance::Rejected => Stance::Proposed,
                }
            };
            if stance == Stance::Rejected {
                return ask_about(
                    model,
                    InputPurpose::RejectReason,
                    String::new(),
                    Opened::Option(opened),
                );
            }
            option.stance = stance;
            option.stance_reason = None;
            return save(Change::Option(Edit::of(opened, option)));
        }
        _ => {}
    }
    Vec::new()
}

/// Space on an item: the next state of it.
fn toggle(view: &WayForwardView, item: Item, today: NaiveDate) -> Vec<Request> {
    match item {
        Item::Referral(i) => {
            let opened = view.plan.referrals[i].clone();
            let mut referral = opened.clone();
            referral.status = next_referral_status(referral.status);
            if referral.status == ReferralStatus::Seen && referral.date.is_none() {
                referral.date = Some(today);
            }
            save(Change::Referral(Edit::of(opened, referral)))
        }
        Item::Checklist(i) => {
            let opened = view.plan.checklist[i].clone();
            let mut item = opened.clone();
            item.done = !item.done;
            save(Change::Checklist(Edit::of(opened, item)))
        }
        Item::Goal(i) => {
            let opened = view.plan.goals[i].clone();
            let mut goal = opened.clone();
            goal.achieved = !goal.achieved;
            save(Change::Goal(Edit::of(opened, goal)))
        }
        Item::Board(i) => {
            let entry = &view.board[i];
            let opened = recorded_or_new(view, entry);
            let mut option = opened.clone();
            if option.kind == OptionKind::Trial {
                option.trial_status = Some(match option.trial_status {
                    None | Some(TrialStatus::Withdrawn) => TrialStatus::Candidate,
                    Some(TrialStatus::Candidate) => TrialStatus::Screening,
                    Some(TrialStatus::Screening) => TrialStatus::Eligible,
                    Some(TrialStatus::Eligible) => TrialStatus::OnStudy,
                    Some(TrialStatus::OnStudy) => TrialStatus::NotEligible,
                    Some(TrialStatus::NotEligible) => TrialStatus::Withdrawn,
                });
                return save(Change::Option(Edit::of(opened, option)));
            }
            if entry.recorded.is_none() {
                // Space on a catalogue entry puts it on the table.
                return save(Change::Option(Edit::of(opened, option)));
            }
            Vec::new()
        }
    }
}

/// The option the team recorded, or a new one made from the catalogue entry (proposed).
fn recorded_or_new(view: &WayForwardView, entry: &BoardEntry) -> CareOption {
    if let Some(option) = &entry.recorded {
        return option.clone();
    }
    let catalogue = entry.catalogue.as_ref();
    CareOption {
        id: 0,
        patient_id: view.plan.patient_id,
        ruleset: view.plan.ruleset.clone(),
        kind: catalogue.map_or(OptionKind::Therapy, |c| c.kind),
        name: entry.name().to_owned(),
        catalogue_key: catalogue.map(|c| c.key.clone()),
        source: catalogue.map(|c| c.source.clone()),
        registry_id: None,
        trial_status: None,
        stance: Stance::Proposed,
        stance_reason: None,
        preference: PatientPreference::Unknown,
        notes: String::new(),
        version: 0,
    }
}

/// A choice made in a menu.
pub fn chosen(model: &mut Model, choice: Choice, index: usize, label: &str) -> Vec<Request> {
    let Some(screen) = model.way_forward.as_mut() else {
        return Vec::new();
    };
    let Some(view) = screen.view.as_deref() else {
        return Vec::new();
    };
    let step_number = u8::try_from(screen.step + 1).unwrap_or(1);
    match choice {
        Choice::Status => {
            let Some(status) = STATUS_CHOICES.get(index).copied() else {
                return Vec::new();
            };
            let Some(opened) = screen
                .opened_step
                .take()
                .or_else(|| view.plan.step(step_number).cloned())
            else {
                return Vec::new();
            };
            if status == StepStatus::NotApplicable {
                let text = opened.na_reason.clone().unwrap_or_default();
                return ask_about(model, InputPurpose::NaReason, text, Opened::Step(opened));
            }
            let mut step = opened.clone();
            step.status = status;
            step.na_reason = None;
            save(Change::Step(Edit::of(opened, step)))
        }
        Choice::Referral => {
            if label == GOAL_CHOICE {
                return ask(model, InputPurpose::Goal, String::new());
            }
            if label == OTHER_CHOICE {
                screen.pending_specialty = None;
                return ask(model, InputPurpose::ReferralSpecialty, String::new());
            }
            screen.pending_specialty = Some(label.to_owned());
            ask(model, InputPurpose::ReferralTo, String::new())
        }
    }
}

/// Typed text submitted for one of the way-forward inputs; `opened` is the record the text
/// changes, as it was when the person began typing (what the save is checked against).
pub fn submit(
    model: &mut Model,
    purpose: InputPurpose,
    text: &str,
    opened: Option<&Opened>,
) -> Vec<Request> {
    let today = model.today;
    let Some(screen) = model.way_forward.as_mut() else {
        return Vec::new();
    };
    let Some(view) = screen.view.as_deref() else {
        return Vec::new();
    };
    let step_number = u8::try_from(screen.step + 1).unwrap_or(1);
    let opened_step = match opened {
        Some(Opened::Step(step)) => Some(step.clone()),
        _ => view.plan.step(step_number).cloned(),
    };
    let text = text.trim();
    let optional = |t: &str| Some(t.to_owned()).filter(|t| !t.is_empty());
    let step_edit = |change: &dyn Fn(&mut crate::domain::WayForwardStep)| {
        opened_step.clone().map_or_else(Vec::new, |opened| {
            let mut step = opened.clone();
            change(&mut step);
            save(Change::Step(Edit::of(opened, step)))
        })
    };
    match purpose {
        InputPurpose::StepOwner => step_edit(&|step| step.owner = optional(text)),
        InputPurpose::StepDue => {
            let due = if text.is_empty() {
                None
            } else if let Ok(due) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                Some(due)
            } else {
                model.message = Some(format!(
                    "'{text}' is not a date: type it as YYYY-MM-DD (nothing saved)"
                ));
                return Vec::new();
            };
            step_edit(&|step| step.due = due)
        }
        InputPurpose::StepNotes => step_edit(&|step| text.clone_into(&mut step.notes)),
        InputPurpose::NaReason => {
            if text.is_empty() {
                model.message = Some(String::from(
                    "'not applicable' needs a reason: nothing saved",
                ));
                return Vec::new();
            }
            step_edit(&|step| {
                step.status = StepStatus::NotApplicable;
                step.na_reason = Some(text.to_owned());
            })
        }
        InputPurpose::ChecklistItem => {
            if text.is_empty() {
                return Vec::new();
            }
            let key = format!(
                "team_{}",
                view.plan
                    .checklist
                    .iter()
                    .filter(|c| c.key.starts_with("team_"))
                    .count()
                    + 1
            );
            save(Change::Checklist(Edit::new(ChecklistItem {
                id: 0,
                patient_id: view.plan.patient_id,
                ruleset: view.plan.ruleset.clone(),
                key,
                text: text.to_owned(),
                done: false,
                detail: None,
                version: 0,
            })))
        }
        InputPurpose::ChecklistDetail => {
            let opened = if let Some(Opened::Checklist(item)) = opened {
                item.clone()
            } else {
                let Some(Item::Checklist(i)) = selected_item(screen) else {
                    return Vec::new();
                };
                view.plan.checklist[i].clone()
            };
            let mut item = opened.clone();
            item.detail = optional(text);
            // Recording how a check was resolved resolves it: the item is ticked too.
            if item.detail.is_some() {
                item.done = true;
            }
            save(Change::Checklist(Edit::of(opened, item)))
        }
        InputPurpose::OptionNotes | InputPurpose::RejectReason => {
            let opened = if let Some(Opened::Option(option)) = opened {
                option.clone()
            } else {
                let Some(Item::Board(i)) = selected_item(screen) else {
                    return Vec::new();
                };
                recorded_or_new(view, &view.board[i])
            };
            let mut option = opened.clone();
            if purpose == InputPurpose::OptionNotes {
                text.clone_into(&mut option.notes);
            } else {
                if text.is_empty() {
                    model.message = Some(String::from("a rejection needs a reason: nothing saved"));
                    return Vec::new();
                }
                option.stance = Stance::Rejected;
                option.stance_reason = Some(text.to_owned());
            }
            save(Change::Option(Edit::of(opened, option)))
        }
        InputPurpose::Trial => {
            let (registry, title) = text.split_once(' ').unwrap_or((text, ""));
            if registry.is_empty() {
                return Vec::new();
            }
            save(Change::Option(Edit::new(CareOption {
                id: 0,
                patient_id: view.plan.patient_id,
                ruleset: view.plan.ruleset.clone(),
                kind: OptionKind::Trial,
                name: if title.trim().is_empty() {
                    registry.to_owned()
                } else {
                    title.trim().to_owned()
                },
                catalogue_key: None,
                source: None,
                registry_id: Some(registry.to_uppercase()),
                trial_status: Some(TrialStatus::Candidate),
                stance: Stance::Proposed,
                stance_reason: None,
                preference: PatientPreference::Unknown,
                notes: String::new(),
                version: 0,
            })))
        }
        InputPurpose::ReferralSpecialty => {
            if text.is_empty() {
                return Vec::new();
            }
            screen.pending_specialty = Some(text.to_owned());
            ask(model, InputPurpose::ReferralTo, String::new())
        }
        InputPurpose::ReferralTo => {
            // Kept until the next referral begins: a save that fails is tried again with it.
            let Some(specialty) = screen.pending_specialty.clone() else {
                return Vec::new();
            };
            save(Change::Referral(Edit::new(Referral {
                id: 0,
                patient_id: view.plan.patient_id,
                ruleset: view.plan.ruleset.clone(),
                step: if screen.step == 0 { 1 } else { 4 },
                specialty,
                to_whom: optional(text),
                date: Some(today),
                status: ReferralStatus::Requested,
                version: 0,
            })))
        }
        InputPurpose::Goal => {
            if text.is_empty() {
                return Vec::new();
            }
            // "Walk 30 minutes a day by 2027-03-01": a trailing date is the due date.
            let (description, due) = match text.rsplit_once(" by ") {
                Some((description, date)) => {
                    match NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d") {
                        Ok(due) => (description.trim(), Some(due)),
                        Err(_) => (text, None),
                    }
                }
                None => (text, None),
            };
            save(Change::Goal(Edit::new(WellbeingGoal {
                id: 0,
                patient_id: view.plan.patient_id,
                ruleset: view.plan.ruleset.clone(),
                description: description.to_owned(),
                due,
                achieved: false,
                version: 0,
            })))
        }
        _ => Vec::new(),
    }
}
