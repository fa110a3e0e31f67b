//! The way-forward screen's state and how keys change it: the four steps on the left, the
//! selected step's items on the right (referrals, checklist, options board, well-being), and
//! the small dialogues that edit them. Every change goes to the worker as one
//! [`Change`](crate::way_forward::Change), checked by the step machine before it is saved.

use chrono::NaiveDate;

use super::Ctx;
use crate::domain::way_forward::{
    check_step, next_referral_status, normalise_trial_id, trial_registry,
};
use crate::domain::{
    CareOption, ChecklistItem, Edit, OptionKind, PatientId, PatientPreference, Referral,
    ReferralStatus, Stance, StepStatus, TEAM_ITEM_PREFIX, TrialStatus, WellbeingGoal,
};
use crate::tui::action::Action;
use crate::tui::effect::{Effect, Opening};
use crate::tui::model::{ChoiceFor, Input, Opened, Popup};
use crate::tui::purpose::{DUE, GOAL, InputPurpose, REGISTRY_ID, TITLE, WayForwardPurpose};
use crate::tui::state::patient::PatientScreen;
use crate::tui::state::way_forward::{
    Choice, Completing, GOAL_CHOICE, Item, OTHER_CHOICE, PREFERENCE_CHOICES, Pane, STANCE_CHOICES,
    STATUS_CHOICES, WayForwardScreen, item_key, items, referral_choices, status_text,
};
use crate::tui::worker::{Request, Save};
use crate::way_forward::{BoardEntry, Change, WayForwardView};

/// Opens the way forward of the patient on screen, on the condition of the assessment shown
/// when it is a flag.
pub fn open(patient: &PatientScreen) -> Vec<Effect> {
    let ruleset = patient.detail.as_ref().and_then(|d| {
        d.summary
            .assessments
            .get(patient.assessment)
            .filter(|a| a.assessment.status.asks_for_review())
            .map(|a| a.assessment.ruleset.clone())
    });
    vec![Effect::Open(Opening::WayForward {
        patient: patient.id,
        ruleset,
    })]
}

/// A reply with the way forward.
pub fn loaded(
    screen: &mut WayForwardScreen,
    patient: PatientId,
    conditions: Vec<String>,
    view: Option<Box<WayForwardView>>,
) -> Vec<Effect> {
    if screen.patient != patient {
        return Vec::new();
    }
    screen.conditions = conditions;
    screen.view = view;
    if let Some(view) = screen.view.as_deref_mut() {
        keep_checklist_order(&mut screen.checklist_order, view);
    }
    if !screen.loaded {
        // Opened on the first step still to do: where the team's work is.
        if let Some(view) = screen.view.as_deref() {
            screen.step = (1..=4u8)
                .position(|n| {
                    view.plan.step(n).is_some_and(|s| {
                        matches!(s.status, StepStatus::Todo | StepStatus::InProgress)
                    })
                })
                .unwrap_or(0);
        }
    }
    screen.loaded = true;
    let (count, found) = screen.view.as_deref().map_or((0, None), |view| {
        let rows = items(view, screen.step);
        let found = screen.item_key.as_ref().and_then(|key| {
            rows.iter()
                .position(|item| item_key(view, *item).as_ref() == Some(key))
        });
        (rows.len(), found)
    });
    screen.select_item(found.unwrap_or(screen.item).min(count.saturating_sub(1)));
    complete_by_itself(screen)
}

/// After a person's save that recorded a step's work, the reloaded plan: a step whose
/// done-condition is now met (and that is still to do or in progress) becomes done, through
/// the same checked and audited save as `s`, and `s` sets it back.
fn complete_by_itself(screen: &mut WayForwardScreen) -> Vec<Effect> {
    let Some(Completing::Saved { step }) = screen.completing else {
        return Vec::new();
    };
    screen.completing = None;
    let Some(view) = screen.view.as_deref() else {
        return Vec::new();
    };
    let Some(current) = view.plan.step(step).cloned() else {
        return Vec::new();
    };
    if !matches!(current.status, StepStatus::Todo | StepStatus::InProgress) {
        return Vec::new();
    }
    let mut done = current.clone();
    done.status = StepStatus::Done;
    if check_step(&view.plan, &done).is_err() {
        return Vec::new();
    }
    let because = match step {
        1 => "a specialist has seen the patient",
        2 => "every check is ticked",
        3 => "an option is recommended",
        _ => "a referral or goal is recorded",
    };
    // Numbered when it is sent (`state::way_forward::sent`): its answer then says this.
    screen.completed_by_itself = Some((
        0,
        format!("step {step} is done by itself: {because} (u undoes it)"),
    ));
    save(Change::Step(Edit::of(current, done)))
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

fn save(change: Change) -> Vec<Effect> {
    vec![Effect::save(Save::WayForward(change))]
}

/// Asks for a record to add to the way forward on screen: it is added to that patient and
/// condition, or not at all (the screen may have moved to another condition meanwhile).
fn ask(purpose: WayForwardPurpose, view: &WayForwardView) -> Vec<Effect> {
    let plan = Opened::Plan {
        patient: view.plan.patient_id,
        ruleset: view.plan.ruleset.clone(),
    };
    ask_about(purpose, String::new(), plan)
}

/// Asks for text that changes `record`, as it is now (what the save is checked against).
fn ask_about(purpose: WayForwardPurpose, text: String, record: Opened) -> Vec<Effect> {
    vec![Effect::Ask(
        Input::new(InputPurpose::WayForward(purpose), text).about(record),
    )]
}

fn say(words: impl Into<String>) -> Vec<Effect> {
    vec![Effect::say(words)]
}

/// A key on the way-forward screen.
pub fn action(screen: &mut WayForwardScreen, ctx: &Ctx, action: Action) -> Vec<Effect> {
    if action == Action::NextCondition && screen.conditions.len() > 1 {
        let current = screen
            .view
            .as_ref()
            .and_then(|v| screen.conditions.iter().position(|c| *c == v.plan.ruleset))
            .unwrap_or(0);
        let next = screen.conditions[(current + 1) % screen.conditions.len()].clone();
        screen.item = 0;
        screen.item_key = None;
        return vec![Effect::Request(Request::WayForward {
            patient: screen.patient,
            ruleset: Some(next),
        })];
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
                    screen.select_item(0);
                }
                Pane::Items => {
                    let index = match action {
                        Action::First => 0,
                        Action::Last => rows.saturating_sub(1),
                        _ if down => (screen.item + 1).min(rows.saturating_sub(1)),
                        _ => screen.item.saturating_sub(1),
                    };
                    screen.select_item(index);
                }
            }
        }
        Action::SetStatus => {
            screen.opened_step = Some(step.clone());
            let selected = STATUS_CHOICES
                .iter()
                .position(|s| *s == step.status)
                .unwrap_or(0);
            return vec![Effect::Choose(Popup::Choose {
                title: format!("Step {step_number}: status"),
                options: STATUS_CHOICES
                    .iter()
                    .map(|s| status_text(*s).to_owned())
                    .collect(),
                selected,
                choice: ChoiceFor::WayForward(Choice::Status),
            })];
        }
        Action::SetOwner => {
            let text = step.owner.clone().unwrap_or_default();
            return ask_about(WayForwardPurpose::StepOwner, text, Opened::Step(step));
        }
        Action::SetDue => {
            let text = step.due.map(|d| d.to_string()).unwrap_or_default();
            return ask_about(WayForwardPurpose::StepDue, text, Opened::Step(step));
        }
        Action::EditNotes => {
            let text = step.notes.clone();
            return ask_about(WayForwardPurpose::StepNotes, text, Opened::Step(step));
        }
        Action::AddItem => match screen.step {
            1 => return ask(WayForwardPurpose::ChecklistItem, view),
            2 => return ask(WayForwardPurpose::Trial, view),
            _ => {
                return vec![Effect::Choose(Popup::Choose {
                    title: String::from(if screen.step == 0 {
                        "Refer to"
                    } else {
                        "Well-being: refer or set a goal"
                    }),
                    options: referral_choices(view, screen.step),
                    selected: 0,
                    choice: ChoiceFor::WayForward(Choice::Referral),
                })];
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
                        WayForwardPurpose::ChecklistDetail,
                        text,
                        Opened::Checklist(item),
                    );
                }
                Some(Item::Board(i)) => {
                    let option = recorded_or_new(view, &view.board[i]);
                    let text = option.notes.clone();
                    return ask_about(WayForwardPurpose::OptionNotes, text, Opened::Option(option));
                }
                _ => {}
            }
        }
        Action::ToggleItem => {
            let Some(item) = selected_item(screen) else {
                return say("nothing selected: Tab to the items");
            };
            return toggle(view, item, ctx.today);
        }
        Action::PickStance | Action::PickPreference => {
            let Some(Item::Board(i)) = selected_item(screen) else {
                return say("stance and preference apply to an option of step 3");
            };
            // Picked from a list, never cycled: a rejection does not pass through
            // "recommended" in the audit log on its way.
            let opened = recorded_or_new(view, &view.board[i]);
            let name = view.board[i].name().to_owned();
            let (title, options, selected, choice) = if action == Action::PickStance {
                (
                    format!("The team's stance on {name}"),
                    STANCE_CHOICES
                        .iter()
                        .map(|(_, label)| (*label).to_owned())
                        .collect(),
                    STANCE_CHOICES
                        .iter()
                        .position(|(s, _)| *s == opened.stance)
                        .unwrap_or(0),
                    Choice::Stance,
                )
            } else {
                (
                    format!("The patient's preference on {name}"),
                    PREFERENCE_CHOICES
                        .iter()
                        .map(|(_, label)| (*label).to_owned())
                        .collect(),
                    PREFERENCE_CHOICES
                        .iter()
                        .position(|(p, _)| *p == opened.preference)
                        .unwrap_or(0),
                    Choice::Preference,
                )
            };
            screen.opened_option = Some(opened);
            return vec![Effect::Choose(Popup::Choose {
                title,
                options,
                selected,
                choice: ChoiceFor::WayForward(choice),
            })];
        }
        _ => {}
    }
    Vec::new()
}

/// Space on an item: the next state of it.
fn toggle(view: &WayForwardView, item: Item, today: NaiveDate) -> Vec<Effect> {
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
    // An imported study place becomes the trial option it is, with its registry id and status.
    let enrolled = entry.enrolled.as_ref().filter(|_| catalogue.is_none());
    CareOption {
        id: 0,
        patient_id: view.plan.patient_id,
        ruleset: view.plan.ruleset.clone(),
        kind: match (catalogue, enrolled) {
            (Some(c), _) => c.kind,
            (None, Some(_)) => OptionKind::Trial,
            (None, None) => OptionKind::Therapy,
        },
        name: entry.name().to_owned(),
        catalogue_key: catalogue.map(|c| c.key.clone()),
        source: catalogue.map(|c| c.source.clone()),
        registry_id: enrolled.and_then(|e| e.registry_id.clone()),
        trial_status: enrolled.and_then(|e| e.status),
        stance: Stance::Proposed,
        stance_reason: None,
        preference: PatientPreference::Unknown,
        notes: String::new(),
        version: 0,
    }
}

/// A choice made in a menu.
pub fn chosen(
    screen: &mut WayForwardScreen,
    choice: Choice,
    index: usize,
    label: &str,
) -> Vec<Effect> {
    let Some(view) = screen.view.as_deref() else {
        return Vec::new();
    };
    let step_number = u8::try_from(screen.step + 1).unwrap_or(1);
    match choice {
        Choice::Stance | Choice::Preference => {
            let Some(opened) = screen.opened_option.take() else {
                return Vec::new();
            };
            let mut option = opened.clone();
            if choice == Choice::Preference {
                let Some((preference, _)) = PREFERENCE_CHOICES.get(index) else {
                    return Vec::new();
                };
                option.preference = *preference;
                return save(Change::Option(Edit::of(opened, option)));
            }
            let Some((stance, _)) = STANCE_CHOICES.get(index) else {
                return Vec::new();
            };
            if *stance == Stance::Rejected {
                let reason = opened.stance_reason.clone().unwrap_or_default();
                return ask_about(
                    WayForwardPurpose::RejectReason,
                    reason,
                    Opened::Option(opened),
                );
            }
            option.stance = *stance;
            option.stance_reason = None;
            save(Change::Option(Edit::of(opened, option)))
        }
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
                return ask_about(WayForwardPurpose::NaReason, text, Opened::Step(opened));
            }
            let mut step = opened.clone();
            step.status = status;
            step.na_reason = None;
            save(Change::Step(Edit::of(opened, step)))
        }
        Choice::Referral => {
            if label == GOAL_CHOICE {
                return ask(WayForwardPurpose::Goal, view);
            }
            if label == OTHER_CHOICE {
                screen.pending_specialty = None;
                return ask(WayForwardPurpose::ReferralSpecialty, view);
            }
            screen.pending_specialty = Some(label.to_owned());
            ask(WayForwardPurpose::ReferralTo, view)
        }
    }
}

/// Typed text submitted for one of the way-forward inputs; `opened` is the record the text
/// changes, as it was when the person began typing (what the save is checked against).
pub fn submit(
    screen: &mut WayForwardScreen,
    ctx: &Ctx,
    purpose: WayForwardPurpose,
    input: &mut Input,
) -> Vec<Effect> {
    let today = ctx.today;
    let typed = input.text();
    let text = typed.as_str();
    let opened = input.opened.clone();
    let opened = opened.as_ref();
    let Some(view) = screen.view.as_deref() else {
        return Vec::new();
    };
    if let Some(Opened::Plan { patient, ruleset }) = opened
        && (*patient != view.plan.patient_id || *ruleset != view.plan.ruleset)
    {
        return say(format!(
            "not saved, text kept: it was typed for {ruleset}, and the screen now shows \
             {}",
            view.plan.ruleset
        ));
    }
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
        WayForwardPurpose::StepOwner => step_edit(&|step| step.owner = optional(text)),
        WayForwardPurpose::StepDue => {
            let Ok(due) = input.due_date("", today) else {
                return Vec::new();
            };
            step_edit(&|step| step.due = due)
        }
        WayForwardPurpose::StepNotes => step_edit(&|step| text.clone_into(&mut step.notes)),
        WayForwardPurpose::NaReason => {
            if text.is_empty() {
                return say("'not applicable' needs a reason: nothing saved");
            }
            step_edit(&|step| {
                step.status = StepStatus::NotApplicable;
                step.na_reason = Some(text.to_owned());
            })
        }
        WayForwardPurpose::ChecklistItem => {
            if text.is_empty() {
                return Vec::new();
            }
            // The next number as this screen knows it; the store takes the next free one when
            // a colleague's item took it meanwhile.
            let key = format!(
                "{TEAM_ITEM_PREFIX}{}",
                view.plan
                    .checklist
                    .iter()
                    .filter(|c| c.key.starts_with(TEAM_ITEM_PREFIX))
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
        WayForwardPurpose::ChecklistDetail => {
            // The item as it was opened, never the row selected now.
            let Some(Opened::Checklist(opened)) = opened.cloned() else {
                return Vec::new();
            };
            let mut item = opened.clone();
            item.detail = optional(text);
            // Recording how a check was resolved resolves it: the item is ticked too.
            if item.detail.is_some() {
                item.done = true;
            }
            save(Change::Checklist(Edit::of(opened, item)))
        }
        WayForwardPurpose::OptionNotes | WayForwardPurpose::RejectReason => {
            let Some(Opened::Option(opened)) = opened.cloned() else {
                return Vec::new();
            };
            let mut option = opened.clone();
            if purpose == WayForwardPurpose::OptionNotes {
                text.clone_into(&mut option.notes);
            } else {
                if text.is_empty() {
                    return say("a rejection needs a reason: nothing saved");
                }
                option.stance = Stance::Rejected;
                option.stance_reason = Some(text.to_owned());
            }
            save(Change::Option(Edit::of(opened, option)))
        }
        WayForwardPurpose::Trial => {
            let registry = input.value(REGISTRY_ID);
            let title = input.value(TITLE);
            if registry.is_empty() {
                input.refuse(
                    REGISTRY_ID,
                    "the trial's registry id (or a name, if it has none)",
                );
                return Vec::new();
            }
            let (registry, title) = (registry.as_str(), title.as_str());
            let registry_id = normalise_trial_id(registry);
            let mut effects = Vec::new();
            if trial_registry(&registry_id).is_none() {
                // Kept as typed, and said so now and wherever it is shown.
                effects.push(Effect::Say(format!(
                    "'{registry_id}' is not an NCT, EudraCT, EU CT or ISRCTN number: kept as free text"
                )));
            }
            effects.extend(save(Change::Option(Edit::new(CareOption {
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
                registry_id: Some(registry_id),
                trial_status: Some(TrialStatus::Candidate),
                stance: Stance::Proposed,
                stance_reason: None,
                preference: PatientPreference::Unknown,
                notes: String::new(),
                version: 0,
            }))));
            effects
        }
        WayForwardPurpose::ReferralSpecialty => {
            if text.is_empty() {
                return Vec::new();
            }
            screen.pending_specialty = Some(text.to_owned());
            ask(WayForwardPurpose::ReferralTo, view)
        }
        WayForwardPurpose::ReferralTo => {
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
        WayForwardPurpose::Goal => {
            let description = input.value(GOAL);
            if description.is_empty() {
                input.refuse(GOAL, "what the patient wants to achieve");
                return Vec::new();
            }
            let Ok(due) = input.due_date(DUE, today) else {
                return Vec::new();
            };
            save(Change::Goal(Edit::new(WellbeingGoal {
                id: 0,
                patient_id: view.plan.patient_id,
                ruleset: view.plan.ruleset.clone(),
                description,
                due,
                achieved: false,
                version: 0,
            })))
        }
    }
}
