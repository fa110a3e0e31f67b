//! The way-forward screen's state and how keys change it: the four steps on the left, the
//! selected step's items on the right (referrals, checklist, options board, well-being), and
//! the small dialogues that edit them. Every change goes to the worker as one
//! [`Change`](crate::way_forward::Change), checked by the step machine before it is saved.

use chrono::NaiveDate;

use super::action::Action;
use super::app::{ChoiceFor, Input, InputPurpose, Model, Popup, Screen};
use super::worker::Request;
use crate::domain::way_forward::next_referral_status;
use crate::domain::{
    CareOption, ChecklistItem, OptionKind, PatientId, PatientPreference, Referral, ReferralStatus,
    Stance, StepStatus, TrialStatus, WellbeingGoal,
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
    screen.loaded = true;
    let count = screen
        .view
        .as_ref()
        .map_or(0, |v| items(v, screen.step).len());
    screen.item = screen.item.min(count.saturating_sub(1));
}

fn selected_item(screen: &WayForwardScreen) -> Option<Item> {
    let view = screen.view.as_ref()?;
    items(view, screen.step).get(screen.item).copied()
}

fn save(change: Change) -> Vec<Request> {
    vec![Request::SaveWayForward(change)]
}

fn ask(model: &mut Model, purpose: InputPurpose, text: String) -> Vec<Request> {
    model.input = Some(Input { purpose, text });
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
            return ask(
                model,
                InputPurpose::StepOwner,
                step.owner.unwrap_or_default(),
            );
        }
        Action::SetDue => {
            let text = step.due.map(|d| d.to_string()).unwrap_or_default();
            return ask(model, InputPurpose::StepDue, text);
        }
        Action::EditNotes => return ask(model, InputPurpose::StepNotes, step.notes),
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
                    let text = view.plan.checklist[i].detail.clone().unwrap_or_default();
                    return ask(model, InputPurpose::ChecklistDetail, text);
                }
                Some(Item::Board(i)) => {
                    let text = view.board[i]
                        .recorded
                        .as_ref()
                        .map(|o| o.notes.clone())
                        .unwrap_or_default();
                    return ask(model, InputPurpose::OptionNotes, text);
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
            let mut option = recorded_or_new(view, &view.board[i]);
            if action == Action::CyclePreference {
                option.preference = match option.preference {
                    PatientPreference::Unknown | PatientPreference::Declines => {
                        PatientPreference::Wants
                    }
                    PatientPreference::Wants => PatientPreference::Undecided,
                    PatientPreference::Undecided => PatientPreference::Declines,
                };
                return save(Change::Option(option));
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
                return ask(model, InputPurpose::RejectReason, String::new());
            }
            option.stance = stance;
            option.stance_reason = None;
            return save(Change::Option(option));
        }
        _ => {}
    }
    Vec::new()
}

/// Space on an item: the next state of it.
fn toggle(view: &WayForwardView, item: Item, today: NaiveDate) -> Vec<Request> {
    match item {
        Item::Referral(i) => {
            let mut referral = view.plan.referrals[i].clone();
            referral.status = next_referral_status(referral.status);
            if referral.status == ReferralStatus::Seen && referral.date.is_none() {
                referral.date = Some(today);
            }
            save(Change::Referral(referral))
        }
        Item::Checklist(i) => {
            let mut item = view.plan.checklist[i].clone();
            item.done = !item.done;
            save(Change::Checklist(item))
        }
        Item::Goal(i) => {
            let mut goal = view.plan.goals[i].clone();
            goal.achieved = !goal.achieved;
            save(Change::Goal(goal))
        }
        Item::Board(i) => {
            let entry = &view.board[i];
            let mut option = recorded_or_new(view, entry);
            if option.kind == OptionKind::Trial {
                option.trial_status = Some(match option.trial_status {
                    None | Some(TrialStatus::Withdrawn) => TrialStatus::Candidate,
                    Some(TrialStatus::Candidate) => TrialStatus::Screening,
                    Some(TrialStatus::Screening) => TrialStatus::Eligible,
                    Some(TrialStatus::Eligible) => TrialStatus::OnStudy,
                    Some(TrialStatus::OnStudy) => TrialStatus::NotEligible,
                    Some(TrialStatus::NotEligible) => TrialStatus::Withdrawn,
                });
                return save(Change::Option(option));
            }
            if entry.recorded.is_none() {
                // Space on a catalogue entry puts it on the table.
                return save(Change::Option(option));
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
            let Some(mut step) = view.plan.step(step_number).cloned() else {
                return Vec::new();
            };
            if status == StepStatus::NotApplicable {
                let text = step.na_reason.clone().unwrap_or_default();
                return ask(model, InputPurpose::NaReason, text);
            }
            step.status = status;
            step.na_reason = None;
            save(Change::Step(step))
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

/// Typed text submitted for one of the way-forward inputs.
pub fn submit(model: &mut Model, purpose: InputPurpose, text: &str) -> Vec<Request> {
    let today = model.today;
    let Some(screen) = model.way_forward.as_mut() else {
        return Vec::new();
    };
    let Some(view) = screen.view.as_deref() else {
        return Vec::new();
    };
    let step_number = u8::try_from(screen.step + 1).unwrap_or(1);
    let Some(mut step) = view.plan.step(step_number).cloned() else {
        return Vec::new();
    };
    let text = text.trim();
    let optional = |t: &str| Some(t.to_owned()).filter(|t| !t.is_empty());
    match purpose {
        InputPurpose::StepOwner => {
            step.owner = optional(text);
            save(Change::Step(step))
        }
        InputPurpose::StepDue => {
            if text.is_empty() {
                step.due = None;
            } else if let Ok(due) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                step.due = Some(due);
            } else {
                model.message = Some(format!(
                    "'{text}' is not a date: type it as YYYY-MM-DD (nothing saved)"
                ));
                return Vec::new();
            }
            save(Change::Step(step))
        }
        InputPurpose::StepNotes => {
            text.clone_into(&mut step.notes);
            save(Change::Step(step))
        }
        InputPurpose::NaReason => {
            if text.is_empty() {
                model.message = Some(String::from(
                    "'not applicable' needs a reason: nothing saved",
                ));
                return Vec::new();
            }
            step.status = StepStatus::NotApplicable;
            step.na_reason = Some(text.to_owned());
            save(Change::Step(step))
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
            save(Change::Checklist(ChecklistItem {
                id: 0,
                patient_id: view.plan.patient_id,
                ruleset: view.plan.ruleset.clone(),
                key,
                text: text.to_owned(),
                done: false,
                detail: None,
            }))
        }
        InputPurpose::ChecklistDetail => {
            let Some(Item::Checklist(i)) = selected_item(screen) else {
                return Vec::new();
            };
            let mut item = view.plan.checklist[i].clone();
            item.detail = optional(text);
            save(Change::Checklist(item))
        }
        InputPurpose::OptionNotes | InputPurpose::RejectReason => {
            let Some(Item::Board(i)) = selected_item(screen) else {
                return Vec::new();
            };
            let mut option = recorded_or_new(view, &view.board[i]);
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
            save(Change::Option(option))
        }
        InputPurpose::Trial => {
            let (registry, title) = text.split_once(' ').unwrap_or((text, ""));
            if registry.is_empty() {
                return Vec::new();
            }
            save(Change::Option(CareOption {
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
            }))
        }
        InputPurpose::ReferralSpecialty => {
            if text.is_empty() {
                return Vec::new();
            }
            screen.pending_specialty = Some(text.to_owned());
            ask(model, InputPurpose::ReferralTo, String::new())
        }
        InputPurpose::ReferralTo => {
            let Some(specialty) = screen.pending_specialty.take() else {
                return Vec::new();
            };
            save(Change::Referral(Referral {
                id: 0,
                patient_id: view.plan.patient_id,
                ruleset: view.plan.ruleset.clone(),
                step: if screen.step == 0 { 1 } else { 4 },
                specialty,
                to_whom: optional(text),
                date: Some(today),
                status: ReferralStatus::Requested,
            }))
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
            save(Change::Goal(WellbeingGoal {
                id: 0,
                patient_id: view.plan.patient_id,
                ruleset: view.plan.ruleset.clone(),
                description: description.to_owned(),
                due,
                achieved: false,
            }))
        }
        _ => Vec::new(),
    }
}
