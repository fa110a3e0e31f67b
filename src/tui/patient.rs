//! The patient screen's keys: opening a patient, tabs, the timeline's zoom and pan, reviews,
//! notes and tasks.

use super::action::Action;
use super::meeting_state;
use super::model::{
    ChoiceFor, Input, InputPurpose, Model, Opened, PatientScreen, Popup, Screen, Tab,
};
use super::way_forward::{self};
use super::worker::{Request, Save};
use crate::domain::{PatientId, ReviewDecision};
use crate::store::ReviewSeen;

pub(super) fn open_patient(model: &mut Model, id: PatientId, back_to: Screen) -> Vec<Request> {
    model.screen = Screen::Patient;
    model.patient = Some(PatientScreen {
        id,
        detail: None,
        tab: Tab::Timeline,
        assessment: 0,
        scroll: 0,
        zoom: 0,
        pan: 0,
        back_to,
        raw_history: false,
        task: 0,
    });
    vec![Request::Patient { id }]
}

pub(super) fn patient_action(model: &mut Model, action: Action) -> Vec<Request> {
    let Some(patient) = model.patient.as_mut() else {
        return Vec::new();
    };
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
            patient.task = if action == Action::MoveDown {
                (patient.task + 1).min(tasks.saturating_sub(1))
            } else {
                patient.task.saturating_sub(1)
            };
        }
        Action::ToggleItem => {
            let Some(task) = patient
                .detail
                .as_ref()
                .filter(|_| patient.tab == Tab::Tasks)
                .and_then(|d| d.summary.tasks.get(patient.task))
            else {
                model.message = Some(String::from("Space marks a task done on the Tasks tab"));
                return Vec::new();
            };
            if task.status != crate::domain::TaskStatus::Open {
                model.message = Some(String::from("that task is not open"));
                return Vec::new();
            }
            let done = crate::domain::Task {
                status: crate::domain::TaskStatus::Done,
                ..task.clone()
            };
            return vec![Request::Save {
                ticket: 0,
                save: Box::new(Save::Meeting(meeting_state::MeetingChange::Task(
                    crate::domain::Edit::of(task.clone(), done),
                ))),
            }];
        }
        Action::MoveDown => patient.scroll += 1,
        Action::MoveUp => patient.scroll = patient.scroll.saturating_sub(1),
        Action::PageDown => patient.scroll += 10,
        Action::PageUp => patient.scroll = patient.scroll.saturating_sub(10),
        Action::First => patient.scroll = 0,
        Action::NextAssessment if assessments > 0 => {
            patient.assessment = (patient.assessment + 1) % assessments;
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
                model.message = Some(String::from(
                    "the assessment is on the Timeline tab: review it there (Tab)",
                ));
                return Vec::new();
            }
            let Some(item) = patient
                .detail
                .as_ref()
                .and_then(|d| d.summary.assessments.get(patient.assessment))
            else {
                model.message = Some(String::from("no assessment to review"));
                return Vec::new();
            };
            let decision = if action == Action::Confirm {
                ReviewDecision::Confirmed
            } else {
                ReviewDecision::Dismissed
            };
            // What is on screen now: the review is refused if the evidence, or the review,
            // changes before it is saved.
            let opened = Opened::Review {
                ruleset: item.assessment.ruleset.clone(),
                seen: ReviewSeen {
                    fingerprint: Some(item.assessment.fingerprint.clone()),
                    review: Some(item.latest_review.as_ref().map(|r| r.id)),
                    overwrite: false,
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
                model.popup = Some(Popup::Choose {
                    title: format!("{checks} still open: confirm anyway?"),
                    options: vec![
                        String::from("not yet"),
                        String::from("confirm anyway (asks the rationale)"),
                    ],
                    selected: 0,
                    choice: ChoiceFor::ConfirmDespiteConfounders(Box::new(opened)),
                });
                return Vec::new();
            }
            model.input =
                Some(Input::new(InputPurpose::Rationale(decision), String::new()).about(opened));
        }
        Action::AddNote => {
            model.input = Some(Input::new(InputPurpose::Note, String::new()));
        }
        Action::RawDetail => {
            patient.raw_history = !patient.raw_history;
            if patient.tab != Tab::History {
                patient.tab = Tab::History;
                patient.scroll = 0;
            }
        }
        Action::WayForward => return way_forward::open(model),
        _ => {}
    }
    Vec::new()
}
