//! The patient screen's keys: tabs, the timeline's zoom and pan, reviews, notes and tasks, and
//! what a typed rationale or note saves.

use super::way_forward;
use crate::domain::{Edit, ReviewDecision, Task, TaskStatus};
use crate::meeting::MeetingChange;
use crate::store::ReviewSeen;
use crate::tui::action::Action;
use crate::tui::effect::Effect;
use crate::tui::model::{ChoiceFor, Input, Opened, Popup};
use crate::tui::purpose::{InputPurpose, PatientPurpose};
use crate::tui::state::patient::{PatientScreen, Tab};
use crate::tui::worker::Save;

/// A key on a patient's record.
pub fn action(patient: &mut PatientScreen, action: Action) -> Vec<Effect> {
    let assessments = patient
        .detail
        .as_ref()
        .map_or(0, |d| d.summary.assessments.len());
    match action {
        Action::NextTab | Action::PrevTab => {
            let index = Tab::ALL.iter().position(|t| *t == patient.tab).unwrap_or(0);
            let next = if action == Action::NextTab {
                (index + 1) % Tab::ALL.len()
            } else {
                (index + Tab::ALL.len() - 1) % Tab::ALL.len()
            };
            patient.tab = Tab::ALL[next];
            patient.scroll = 0;
        }
        Action::MoveDown | Action::MoveUp if patient.tab == Tab::Tasks => {
            let tasks = patient.detail.as_ref().map_or(0, |d| d.summary.tasks.len());
            patient.select_task(if action == Action::MoveDown {
                (patient.task + 1).min(tasks.saturating_sub(1))
            } else {
                patient.task.saturating_sub(1)
            });
        }
        Action::ToggleItem => {
            let Some(task) = patient
                .detail
                .as_ref()
                .filter(|_| patient.tab == Tab::Tasks)
                .and_then(|d| d.summary.tasks.get(patient.task))
            else {
                return vec![Effect::say("Space marks a task done on the Tasks tab")];
            };
            if task.status != TaskStatus::Open {
                return vec![Effect::say("that task is not open")];
            }
            let done = Task {
                status: TaskStatus::Done,
                ..task.clone()
            };
            return vec![Effect::save(Save::Meeting(MeetingChange::Task(Edit::of(
                task.clone(),
                done,
            ))))];
        }
        Action::MoveDown => patient.scroll += 1,
        Action::MoveUp => patient.scroll = patient.scroll.saturating_sub(1),
        Action::PageDown => patient.scroll += 10,
        Action::PageUp => patient.scroll = patient.scroll.saturating_sub(10),
        Action::First => patient.scroll = 0,
        Action::NextAssessment if assessments > 0 => {
            patient.select_assessment((patient.assessment + 1) % assessments);
        }
        Action::ZoomIn => patient.zoom = (patient.zoom + 1).min(6),
        Action::ZoomOut => {
            patient.zoom = patient.zoom.saturating_sub(1);
            if patient.zoom == 0 {
                patient.pan = 0;
            }
        }
        Action::PanLeft if patient.zoom > 0 => patient.pan += 2,
        Action::PanRight => patient.pan = (patient.pan - 2).max(0),
        Action::Confirm | Action::Dismiss => {
            // A review is of what the person reads: the assessment is on the Timeline tab.
            if patient.tab != Tab::Timeline {
                return vec![Effect::say(
                    "the assessment is on the Timeline tab: review it there (Tab)",
                )];
            }
            let Some(item) = patient
                .detail
                .as_ref()
                .and_then(|d| d.summary.assessments.get(patient.assessment))
            else {
                return vec![Effect::say("no assessment to review")];
            };
            let decision = if action == Action::Confirm {
                ReviewDecision::Confirmed
            } else {
                ReviewDecision::Dismissed
            };
            // What is on screen now: the review is refused if the evidence, or the review,
            // changes before it is saved.
            let opened = Opened::Review {
                patient: patient.id,
                ruleset: item.assessment.ruleset.clone(),
                seen: ReviewSeen {
                    fingerprint: Some(item.assessment.fingerprint.clone()),
                    review: Some(item.latest_review.as_ref().map(|r| r.id)),
                    overwrite: None,
                },
            };
            let open = item.assessment.confounders.len();
            if decision == ReviewDecision::Confirmed && open > 0 {
                // Pseudo-resistance not ruled out: confirming is allowed, but asked first.
                let checks = if open == 1 {
                    String::from("1 confounder is")
                } else {
                    format!("{open} confounders are")
                };
                return vec![Effect::Choose(Popup::Choose {
                    title: format!("{checks} still open: confirm anyway?"),
                    options: vec![
                        String::from("not yet"),
                        String::from("confirm anyway (asks the rationale)"),
                    ],
                    selected: 0,
                    choice: ChoiceFor::ConfirmDespiteConfounders(Box::new(opened)),
                })];
            }
            return vec![Effect::Ask(
                Input::new(
                    InputPurpose::Patient(PatientPurpose::Rationale(decision)),
                    String::new(),
                )
                .about(opened),
            )];
        }
        Action::AddNote => {
            return vec![Effect::Ask(Input::new(
                InputPurpose::Patient(PatientPurpose::Note),
                String::new(),
            ))];
        }
        Action::RawDetail => {
            patient.raw_history = !patient.raw_history;
            if patient.tab != Tab::History {
                patient.tab = Tab::History;
                patient.scroll = 0;
            }
        }
        Action::WayForward => return way_forward::open(patient),
        _ => {}
    }
    Vec::new()
}

/// Typed text submitted on a patient's record.
pub fn submit(screen: &PatientScreen, purpose: PatientPurpose, input: &Input) -> Vec<Effect> {
    let text = input.text().trim().to_owned();
    match purpose {
        PatientPurpose::Rationale(decision) => {
            // The patient and assessment the review was begun on, as read then.
            let Some(Opened::Review {
                patient,
                ruleset,
                seen,
            }) = &input.opened
            else {
                return Vec::new();
            };
            if text.is_empty() {
                return vec![Effect::say("a rationale is required: nothing saved")];
            }
            vec![Effect::save(Save::Review {
                patient: *patient,
                ruleset: ruleset.clone(),
                decision,
                rationale: text,
                seen: seen.clone(),
            })]
        }
        PatientPurpose::Note => {
            if text.is_empty() {
                return Vec::new();
            }
            vec![Effect::save(Save::Note {
                patient: screen.id,
                text,
            })]
        }
    }
}
