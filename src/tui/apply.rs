//! Applies what the screens return ([`Effect`]) to the model: the prompt, a menu, the status
//! line, and the screens they open. The one place a screen's wish becomes another part of the
//! model, used by the router and its parts (popups, typing, replies).

use super::effect::{Effect, Opening};
use super::model::Model;
use super::screen::Ctx;
use super::screen::meeting::leave_presentation;
use super::state::Screen;
use super::state::meeting::MeetingScreen;
use super::state::patient::{PatientScreen, Tab};
use super::state::way_forward::WayForwardScreen;
use super::worker::Request;

/// What every screen may read, as the model has it now.
pub(super) fn ctx(model: &Model) -> Ctx {
    Ctx {
        today: model.today,
        masked: model.masked,
        care_team: model.overview.team.clone(),
    }
}

/// Why stored text is not opened for editing on a masked screen.
pub(super) const EDIT_REFUSED_MASKED: &str = "unmask (M) to edit this text: it names the patient";

/// Applies `effects` in order; returns what to ask the worker.
pub(super) fn apply(model: &mut Model, effects: Vec<Effect>) -> Vec<Request> {
    let mut requests = Vec::new();
    for effect in effects {
        match effect {
            Effect::Request(request) => requests.push(request),
            Effect::Ask(input) => {
                // Stored text opened in an editor on a masked screen would show what the panel
                // behind it cuts: text that names the patient is edited with identity shown.
                // Text the masking leaves as it is opens as ever.
                if input
                    .fields
                    .iter()
                    .any(|f| model.names_a_patient(&f.field.text()))
                {
                    model.message = Some(String::from(EDIT_REFUSED_MASKED));
                } else {
                    model.input = Some(input);
                }
            }
            Effect::Choose(popup) => model.popup = Some(popup),
            Effect::Say(words) => model.message = Some(words),
            Effect::Open(opening) => requests.extend(open(model, opening)),
        }
    }
    requests
}

fn open(model: &mut Model, opening: Opening) -> Vec<Request> {
    model.load_failed = false;
    match opening {
        Opening::Patient { id, back_to, tab } => {
            model.screen = Screen::Patient;
            model.patient = Some(PatientScreen::new(id, back_to, tab));
            vec![Request::Patient { id }]
        }
        Opening::List(query) => {
            model.list.query = query;
            model.screen = Screen::Patients;
            model.reload_list()
        }
        Opening::WayForward { patient, ruleset } => {
            model.screen = Screen::WayForward;
            model.way_forward = Some(WayForwardScreen::new(patient));
            vec![Request::WayForward { patient, ruleset }]
        }
        Opening::Meetings => {
            let effects = leave_presentation(model.meeting.as_mut());
            let mut requests = apply(model, effects);
            // The meetings screens are the shared display's: masking is one state for all of
            // them, set on the way in (a person who shows identity there keeps it shown while
            // they stay).
            let entering = !matches!(
                model.screen,
                Screen::Meetings | Screen::Meeting | Screen::Presenting
            );
            if entering {
                requests.extend(mask_for_the_shared_screen(model));
            }
            model.screen = Screen::Meetings;
            model.meeting = None;
            requests.push(Request::Meetings {
                selected_task: model.meetings.task_id,
            });
            requests
        }
        Opening::Meeting(id) => {
            model.screen = Screen::Meeting;
            model.agenda_target = Some(id);
            let mut requests = mask_for_the_shared_screen(model);
            model.meeting = Some(MeetingScreen::new(id));
            requests.push(Request::Meeting { id });
            requests
        }
        Opening::Presentation => {
            model.screen = Screen::Presenting;
            let Some(id) = model
                .meeting
                .as_ref()
                .and_then(MeetingScreen::selected_case)
                .map(|case| case.case.patient_id)
            else {
                return Vec::new();
            };
            if model
                .patient
                .as_ref()
                .is_some_and(|p| p.id == id && p.detail.is_some())
            {
                return Vec::new();
            }
            // The case's patient, for its timeline and assessment; Esc leaves to the agenda.
            model.patient = Some(PatientScreen::new(id, Screen::Meeting, Tab::Timeline));
            vec![Request::Patient { id }]
        }
    }
}

/// Masks identity on the way into a screen meant for a shared display, and says so.
fn mask_for_the_shared_screen(model: &mut Model) -> Vec<Request> {
    if model.masked {
        return Vec::new();
    }
    let requests = model.set_masked(true);
    model.message = Some(String::from(
        "identity masked for the shared screen: M shows it",
    ));
    requests
}
