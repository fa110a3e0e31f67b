//! How the dashboard changes: `update(model, message) → requests`, the router.
//!
//! Everything here is plain data and pure functions, testable without a terminal: a key
//! becomes an action (through the keymap), an action changes the model ([`super::model`]) and
//! may ask the worker for data, and the worker's replies change the model again
//! ([`super::replies`]). Each screen's keys live in its own module (list, overview, patient,
//! way forward, meeting; popups and typing). Rendering only reads the model.

use super::action::Action;
use super::apply::{apply, ctx};
use super::effect::{Effect, Opening};
use super::model::{Model, Msg, Named, Popup};
use super::popups::popup_action;
use super::replies::replied;
use super::screen::list::keep_visible;
use super::screen::{list, meeting, overview, patient, way_forward};
use super::state::Screen;
use super::typing::{pasted, submit_input, typed};
use super::worker::Request;
use crate::domain::PatientId;
use crate::store::ListFilter;

/// Applies a message; returns what to ask the worker.
pub fn update(model: &mut Model, msg: Msg) -> Vec<Request> {
    let before = model.message.clone();
    let mut requests = update_inner(model, msg);
    model.stamp(&mut requests);
    model.remember_message(before.as_deref());
    requests
}

fn update_inner(model: &mut Model, msg: Msg) -> Vec<Request> {
    match msg {
        Msg::Action(action) => act(model, action),
        Msg::Typed(key) => typed(model, key),
        Msg::Pasted(text) => pasted(model, &text),
        Msg::Reply(reply) => replied(model, reply),
        Msg::Hold(event) => {
            model.held.push_back(event);
            Vec::new()
        }
        Msg::Terminate => {
            model.quit = true;
            let mut effects = meeting::leave_presentation(model.meeting.as_mut());
            effects.extend(keep_typed_text(model));
            apply(model, effects)
        }
        Msg::Day(day) => {
            if day == model.today {
                return Vec::new();
            }
            model.today = day;
            // The worker first, so that what the screen reads again is as of the new day.
            let mut requests = vec![Request::Day(day)];
            requests.extend(model.refresh_in_place());
            requests
        }
        Msg::Tick => match model.meeting.as_mut() {
            Some(screen) if model.screen == Screen::Presenting => {
                let effects = meeting::tick(screen);
                apply(model, effects)
            }
            _ => Vec::new(),
        },
        Msg::ClickRow(row) => {
            if model.screen != Screen::Patients || model.popup.is_some() || model.input.is_some() {
                return Vec::new();
            }
            let index = model.list.top + row;
            if index >= model.list.rows.len() {
                return Vec::new();
            }
            if index == model.list.selected {
                return act(model, Action::Open);
            }
            model.list.selected = index;
            Vec::new()
        }
        Msg::Scroll(steps) => {
            let action = if steps > 0 {
                Action::MoveDown
            } else {
                Action::MoveUp
            };
            let mut requests = Vec::new();
            for _ in 0..steps.unsigned_abs() {
                requests.extend(act(model, action));
            }
            requests
        }
        Msg::Viewport(rows) => {
            model.viewport = rows.max(1);
            keep_visible(&mut model.list, model.viewport);
            Vec::new()
        }
    }
}

fn act(model: &mut Model, action: Action) -> Vec<Request> {
    if matches!(action, Action::Overwrite | Action::SeeTheirs) {
        return refusal_action(model, action);
    }
    model.message = None;
    // Moving on from a refused save (nothing typed for it) leaves it as the colleague saved it.
    model.refusal = None;
    if let Some(popup) = model.popup.clone() {
        return popup_action(model, &popup, action);
    }
    match action {
        Action::Quit => {
            // Left as Esc leaves it: the presented case's time is saved.
            model.quit = true;
            let effects = meeting::leave_presentation(model.meeting.as_mut());
            apply(model, effects)
        }
        Action::Help => {
            model.popup = Some(Popup::Help { scroll: 0 });
            Vec::new()
        }
        Action::ToggleMask => {
            let requests = model.set_masked(!model.masked);
            model.message = Some(String::from(if model.masked {
                "identity masked: search finds MRNs only"
            } else {
                "identity shown"
            }));
            requests
        }
        Action::Overview => {
            if model.screen == Screen::Overview {
                return Vec::new();
            }
            model.screen = Screen::Overview;
            vec![Request::Overview {
                care_team: model.overview.team.clone(),
                waiting_months: model.overview.waiting_months,
            }]
        }
        Action::Refresh => model.refresh_in_place(),
        Action::Undo => undo(model),
        Action::Back => back(model),
        Action::Meetings => apply(model, vec![Effect::Open(Opening::Meetings)]),
        Action::AddToAgenda => {
            let named = named_on_screen(model);
            let effects = meeting::add_to_agenda(patient_on_screen(model), model.agenda_target);
            let mut requests = apply(model, effects);
            // The answer names the patient it was about (the status line is how a person sees
            // that the right one was added).
            if let (Some(named), Some(ticket)) = (named, model.stamp(&mut requests)) {
                model.named_saves.push((ticket, named));
            }
            requests
        }
        _ => {
            let effects = screen_action(model, action);
            apply(model, effects)
        }
    }
}

/// A key for the screen shown: only that screen's state changes.
fn screen_action(model: &mut Model, action: Action) -> Vec<Effect> {
    let ctx = ctx(model);
    match model.screen {
        Screen::Patients => list::action(&mut model.list, model.viewport, action),
        Screen::Overview => overview::action(
            &mut model.overview,
            &model.care_teams,
            &model.list.query,
            action,
        ),
        Screen::Patient => model
            .patient
            .as_mut()
            .map_or_else(Vec::new, |screen| patient::action(screen, action)),
        Screen::WayForward => model
            .way_forward
            .as_mut()
            .map_or_else(Vec::new, |screen| way_forward::action(screen, &ctx, action)),
        Screen::Meetings => meeting::list_action(&mut model.meetings, action),
        Screen::Meeting => model
            .meeting
            .as_mut()
            .map_or_else(Vec::new, |screen| meeting::agenda_action(screen, action)),
        Screen::Presenting => {
            let assessment = assessment_presented(model);
            model.meeting.as_mut().map_or_else(Vec::new, |screen| {
                meeting::presentation_action(screen, action, assessment)
            })
        }
    }
}

/// The fingerprint of the assessment the presentation shows for the selected case's condition,
/// when the case's patient has loaded and has one.
fn assessment_presented(model: &Model) -> Option<String> {
    let case = model.meeting.as_ref()?.selected_case()?;
    let detail = model
        .patient
        .as_ref()
        .filter(|p| p.id == case.case.patient_id)?
        .detail
        .as_deref()?;
    let shown = detail
        .summary
        .assessments
        .iter()
        .find(|a| a.assessment.ruleset == case.ruleset)?;
    Some(shown.assessment.fingerprint.clone())
}

/// The patient `A` adds to an agenda, with the condition on screen: the list's selection or
/// the record open.
fn patient_on_screen(model: &Model) -> Option<(PatientId, Option<String>)> {
    match model.screen {
        Screen::Patients => model
            .list
            .selected_row()
            .map(|row| (PatientId(row.id), Some(row.ruleset.clone()))),
        Screen::Patient => model.patient.as_ref().map(|p| {
            (
                p.id,
                p.detail
                    .as_ref()
                    .and_then(|d| d.summary.assessments.get(p.assessment))
                    .map(|a| a.assessment.ruleset.clone()),
            )
        }),
        _ => None,
    }
}

/// Text typed about a patient and not saved when refract ends (Ctrl-C, a signal, the terminal
/// gone): kept as a note on the patient, marked as such, rather than lost. A note, not the
/// record it was meant for: a decision or a review must be entered on purpose, and a note
/// changes no status; the team reads it on the Notes tab and enters it properly.
fn keep_typed_text(model: &mut Model) -> Vec<Effect> {
    let Some(input) = model.input.take() else {
        return Vec::new();
    };
    if input.saving.is_some() || !input.edited {
        // Already on its way to the file, or nothing typed: what it shows is what was saved.
        return Vec::new();
    }
    let patient = match &input.opened {
        Some(super::model::Opened::Case(case)) => Some(case.patient_id),
        Some(super::model::Opened::Step(step)) => Some(step.patient_id),
        Some(
            super::model::Opened::Plan { patient, .. }
            | super::model::Opened::Review { patient, .. },
        ) => Some(*patient),
        Some(super::model::Opened::Checklist(item)) => Some(item.patient_id),
        Some(super::model::Opened::Option(option)) => Some(option.patient_id),
        // Typed on a patient's own screens, or on the case presented: about that patient; a
        // search or a meeting's own fields are about no one.
        None if input.purpose == super::purpose::InputPurpose::Search => None,
        None => match model.screen {
            Screen::Patient => model.patient.as_ref().map(|p| p.id),
            Screen::WayForward => model.way_forward.as_ref().map(|w| w.patient),
            Screen::Presenting => model
                .meeting
                .as_ref()
                .and_then(super::state::meeting::MeetingScreen::selected_case)
                .map(|c| c.case.patient_id),
            _ => None,
        },
    };
    let Some(patient) = patient else {
        return Vec::new();
    };
    let typed: Vec<String> = input
        .fields
        .iter()
        .filter(|f| !f.value().is_empty())
        .map(|f| {
            if f.label.is_empty() {
                f.field.text()
            } else {
                format!("{}: {}", f.label, f.field.text())
            }
        })
        .collect();
    if typed.is_empty() {
        return Vec::new();
    }
    vec![Effect::save(super::worker::Save::Note {
        patient,
        text: format!(
            "Typed and not saved when refract closed ({}):\n{}",
            if input.is_form() {
                input.purpose.form_title().trim()
            } else {
                input.purpose.prompt().trim_end_matches([':', ' '])
            },
            typed.join("\n")
        ),
    })]
}

/// The patient `A` acts on, as the status line names them.
fn named_on_screen(model: &Model) -> Option<Named> {
    match model.screen {
        Screen::Patients => model.list.selected_row().map(|row| Named {
            mrn: row.mrn.clone(),
            name: short_name(&row.given_name, &row.family_name),
            initials: crate::domain::initials(&row.given_name, &row.family_name),
            family_name: row.family_name.clone(),
            given_name: row.given_name.clone(),
            birth_date: row.birth_date,
        }),
        Screen::Patient => {
            let person = model
                .patient
                .as_ref()?
                .detail
                .as_ref()?
                .summary
                .record
                .patient
                .as_ref()?;
            Some(Named {
                mrn: person.mrn.clone(),
                name: short_name(&person.given_name, &person.family_name),
                initials: person.initials(),
                family_name: person.family_name.clone(),
                given_name: person.given_name.clone(),
                birth_date: person.birth_date,
            })
        }
        _ => None,
    }
}

/// "K. Georgiou": the given name's initial and the family name.
fn short_name(given: &str, family: &str) -> String {
    match given.chars().find(|c| c.is_alphanumeric()) {
        Some(first) if !family.is_empty() => format!("{}. {family}", first.to_uppercase()),
        Some(_) => given.to_owned(),
        None if family.is_empty() => String::from("(no name)"),
        None => family.to_owned(),
    }
}

fn back(model: &mut Model) -> Vec<Request> {
    match model.screen {
        Screen::Presenting => {
            let effects = meeting::leave_presentation(model.meeting.as_mut());
            let requests = apply(model, effects);
            if let Some(screen) = model.meeting.as_mut() {
                screen.presenting = None;
            }
            model.patient = None;
            model.screen = Screen::Meeting;
            requests
        }
        Screen::Meeting => apply(model, vec![Effect::Open(Opening::Meetings)]),
        Screen::WayForward => {
            model.way_forward = None;
            model.screen = Screen::Patient;
            // What was done there shows on the patient screen (progress, history).
            model
                .patient
                .as_ref()
                .map(|p| vec![Request::Patient { id: p.id }])
                .unwrap_or_default()
        }
        Screen::Patient => {
            let to = model
                .patient
                .as_ref()
                .map_or(Screen::Patients, |p| p.back_to);
            model.screen = to;
            model.patient = None;
            if to == Screen::Meetings {
                return vec![Request::Meetings {
                    selected_task: model.meetings.task_id,
                }];
            }
            Vec::new()
        }
        Screen::Overview | Screen::Meetings => {
            model.screen = Screen::Patients;
            Vec::new()
        }
        Screen::Patients => {
            // One thing at a time: the search first, then the filters.
            let filter = &mut model.list.query.filter;
            if filter.search.is_some() {
                filter.search = None;
                model.message = Some(String::from(if *filter == ListFilter::default() {
                    "search cleared"
                } else {
                    "search cleared · Esc again clears the filters"
                }));
                return model.reload_list();
            }
            if *filter != ListFilter::default() {
                *filter = ListFilter::default();
                model.message = Some(String::from("filters cleared"));
                return model.reload_list();
            }
            Vec::new()
        }
    }
}

/// After a save refused because of a colleague's change: see what they saved, or save over it.
fn refusal_action(model: &mut Model, action: Action) -> Vec<Request> {
    let Some(refusal) = model.refusal.as_mut() else {
        return Vec::new();
    };
    if action == Action::SeeTheirs {
        refusal.showing_theirs = !refusal.showing_theirs;
        return Vec::new();
    }
    let retry = refusal.retry.clone();
    // Over the version of theirs the refusal holds (what `ctrl-t` shows), never a later one.
    let theirs = refusal.theirs_version;
    if let Some(input) = model.input.take() {
        // The text as it is now (it may have been edited after the refusal).
        return submit_input(model, input, Some(theirs));
    }
    let undoing = refusal.undoing.clone();
    model.refusal = None;
    match retry {
        Some(save) => {
            model.message = Some(String::from("saving over their change…"));
            let save = Box::new(save.overwriting(theirs));
            let mut requests = vec![Request::Save {
                ticket: 0,
                save: save.clone(),
            }];
            // An undo saved over a colleague's change is still that undo, not a new change.
            if let (Some(what), Some(ticket)) = (undoing, model.stamp(&mut requests)) {
                model.undo.sent(ticket, what, save);
            }
            requests
        }
        None => Vec::new(),
    }
}

/// `u`: sends the save that takes back the last change of the session, or says why it cannot
/// ([`super::undo`]).
fn undo(model: &mut Model) -> Vec<Request> {
    if model.undo.saving() {
        model.message = Some(String::from(
            "still saving the last change: u once it is saved",
        ));
        return Vec::new();
    }
    let Some(super::undo::Undoable { what, whose, undo }) = model.undo.take_last() else {
        model.message = Some(String::from(
            "nothing to undo: no change saved in this session",
        ));
        return Vec::new();
    };
    let what = match whose {
        Some(whose) => format!("{what}{}", whose.label(model.masked)),
        None => what,
    };
    match undo {
        Err(why) => {
            model.message = Some(format!("not undone: {what} — {why}"));
            Vec::new()
        }
        Ok(save) => {
            let mut requests = vec![Request::Save {
                ticket: 0,
                save: save.clone(),
            }];
            if let Some(ticket) = model.stamp(&mut requests) {
                model.undo.sent(ticket, what.clone(), save);
            }
            model.message = Some(format!("undoing: {what}…"));
            requests
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use crossterm::event::{KeyCode, KeyEvent};

    use super::*;
    use crate::domain::{AssessmentStatus, Sex};
    use crate::store::{Anchor, PatientRow, StatusCounts};
    use crate::tui::model::RulesetName;
    use crate::tui::state::Screen;
    use crate::tui::worker::{PatientDetail, Placement, Reply};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    fn row(id: i64) -> PatientRow {
        PatientRow {
            id,
            mrn: format!("RF-{id:07}"),
            family_name: format!("Family{id}"),
            given_name: String::from("Given"),
            birth_date: None,
            birth_precision: crate::domain::DatePrecision::Day,
            sex: Sex::Female,
            status: Some(AssessmentStatus::Refractory),
            ruleset: String::from("epilepsy"),
            line: 2,
            regimen: String::from("lamotrigine"),
            way_forward: None,
            overdue: false,
            review: None,
            care_team: String::new(),
            updated_at: String::new(),
            deceased: false,
            deceased_date: None,
            deceased_in: None,
            unrecognised: String::new(),
            cursor: Some(crate::store::Cursor::by_id(id)),
        }
    }

    fn model_with_rows(count: i64) -> Model {
        let mut model = Model::new(
            today(),
            vec![RulesetName {
                id: String::from("epilepsy"),
                name: String::from("Epilepsy"),
                short: String::from("Epilepsy"),
            }],
            10,
        );
        let requests = model.start();
        assert!(matches!(requests[0], Request::Page { .. }));
        let generation = model.list.generation;
        update(
            &mut model,
            Msg::Reply(Reply::Page {
                generation,
                placement: Placement::Replace {
                    position: Some(0),
                    select_last: false,
                },
                limit: 50,
                rows: (1..=count).map(row).collect(),
            }),
        );
        model
    }

    #[test]
    fn moving_down_near_the_end_of_the_window_asks_for_more() {
        let mut model = model_with_rows(50);
        // More is asked for once the selection is within one screen (10 rows) of the end.
        for _ in 0..39 {
            assert!(update(&mut model, Msg::Action(Action::MoveDown)).is_empty());
        }
        assert_eq!(model.list.selected, 39);
        let requests = update(&mut model, Msg::Action(Action::MoveDown));
        assert!(
            requests.iter().any(|r| matches!(
                r,
                Request::Page {
                    placement: Placement::Append,
                    anchor: Anchor::After(_),
                    ..
                }
            )),
            "{requests:?}"
        );
        assert!(model.list.selected >= model.list.top && model.list.selected < model.list.top + 10);
        // A second move while loading does not ask again.
        assert!(update(&mut model, Msg::Action(Action::MoveDown)).is_empty());
    }

    #[test]
    fn stale_pages_are_ignored() {
        let mut model = model_with_rows(50);
        let old = model.list.generation;
        update(&mut model, Msg::Action(Action::Search));
        update(&mut model, Msg::Typed(KeyEvent::from(KeyCode::Char('x'))));
        assert_eq!(model.list.query.filter.search.as_deref(), Some("x"));
        update(
            &mut model,
            Msg::Reply(Reply::Page {
                generation: old,
                placement: Placement::Append,
                limit: 50,
                rows: (100..110).map(row).collect(),
            }),
        );
        assert!(model.list.rows.iter().all(|r| r.id < 100));
    }

    #[test]
    fn jump_to_end_counts_positions_from_the_total() {
        let mut model = model_with_rows(50);
        update(&mut model, Msg::Action(Action::Last));
        let generation = model.list.generation;
        update(
            &mut model,
            Msg::Reply(Reply::Page {
                generation,
                placement: Placement::Replace {
                    position: None,
                    select_last: true,
                },
                limit: 50,
                rows: (951..=1000).map(row).collect(),
            }),
        );
        assert_eq!(model.list.first_position, None);
        let mut counts = StatusCounts {
            total: 1000,
            ..StatusCounts::default()
        };
        counts.by_rank[5] = 1000;
        update(&mut model, Msg::Reply(Reply::Counts { generation, counts }));
        assert_eq!(model.list.position(), Some(999));
        assert_eq!(model.list.selected_row().unwrap().id, 1000);
    }

    #[test]
    fn a_review_needs_a_rationale() {
        let mut model = model_with_rows(5);
        update(&mut model, Msg::Action(Action::Open));
        assert_eq!(model.screen, Screen::Patient);
        model.patient.as_mut().unwrap().detail = Some(Box::new(PatientDetail {
            summary: crate::store::PatientSummary {
                record: crate::domain::PatientRecord::default(),
                assessments: vec![],
                reviews_without_assessment: vec![],
                way_forward: vec![],
                checklist: vec![],
                referrals: vec![],
                options: vec![],
                goals: vec![],
                tasks: vec![],
            },
            notes: vec![],
            history: vec![],
            others: crate::domain::history::OtherIdentity::default(),
            tracks: crate::tui::track::Tracks::default(),
            unrecognised: vec![],
        }));
        update(&mut model, Msg::Action(Action::Confirm));
        assert!(
            model.input.is_none(),
            "nothing to confirm without an assessment"
        );
        assert_eq!(model.message.as_deref(), Some("no assessment to review"));
    }

    #[test]
    fn filter_menu_cycles_status_and_reloads() {
        let mut model = model_with_rows(5);
        update(&mut model, Msg::Action(Action::Filter));
        let requests = update(&mut model, Msg::Action(Action::Open));
        assert_eq!(
            model.list.query.filter.status,
            Some(AssessmentStatus::Refractory)
        );
        assert!(requests.iter().any(|r| matches!(r, Request::Counts { .. })));
        update(&mut model, Msg::Action(Action::Back));
        assert!(model.popup.is_none());
        // Esc on the list clears the filter.
        update(&mut model, Msg::Action(Action::Back));
        assert_eq!(model.list.query.filter, ListFilter::default());
    }

    #[test]
    fn q_quits_only_from_the_list() {
        // `q` goes through the keymap of the screen it is pressed on, as the dashboard does:
        // on a patient it is not Quit (Ctrl-C quits from anywhere).
        let keymap = super::super::keymap::Keymap::embedded().unwrap();
        let q = super::super::keymap::Key {
            code: KeyCode::Char('q'),
            ctrl: false,
        };
        let press_q = |model: &mut Model| {
            if let Some(action) = keymap.action(model.screen.context(), q) {
                update(model, Msg::Action(action));
            }
        };
        let mut model = model_with_rows(3);
        update(&mut model, Msg::Action(Action::Open));
        assert_eq!(model.screen, Screen::Patient);
        press_q(&mut model);
        assert!(!model.quit, "q on a patient must not quit");
        update(&mut model, Msg::Action(Action::Back));
        assert_eq!(model.screen, Screen::Patients);
        press_q(&mut model);
        assert!(model.quit, "q on the list quits");
    }
}
