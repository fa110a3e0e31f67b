//! The worker's answers applied to the model: pages, records, saves made or refused.

use super::apply::apply;
use super::model::{Input, Model, Named, Opened, Refusal};
use super::screen::list::placed;
use super::screen::{meeting, way_forward};
use super::state::Screen;
use super::state::way_forward as way_forward_state;
use super::undo::Whose;
use super::worker::{NotSaved, Reply, Request, Save, TaskLeft};
use crate::domain::PatientId;
use crate::domain::TaskStatus;
use crate::meeting::MeetingChange;
use crate::store::ListFilter;

pub(super) fn replied(model: &mut Model, reply: Reply) -> Vec<Request> {
    match reply {
        Reply::Page {
            generation,
            placement,
            limit,
            rows,
        } => {
            if generation != model.list.generation {
                return Vec::new();
            }
            placed(&mut model.list, model.viewport, placement, limit, rows);
            Vec::new()
        }
        Reply::Counts { generation, counts } => {
            if generation == model.list.generation {
                // The list hides the deceased: a file of only them is no empty file.
                model.empty_database = counts.total == 0
                    && counts.deceased_hidden == 0
                    && model.list.query.filter == ListFilter::default();
                model.list.counts = Some(counts);
                if model.list.first_position.is_none()
                    && let Some(total) = model.list.total()
                {
                    model.list.first_position =
                        Some(total.saturating_sub(model.list.rows.len() as u64));
                }
            }
            Vec::new()
        }
        Reply::CareTeams(teams) => {
            model.care_teams = teams;
            Vec::new()
        }
        Reply::LastPull(words) => {
            model.last_pull = words;
            Vec::new()
        }
        Reply::Patient(detail) => {
            if let Some(patient) = model.patient.as_mut()
                && patient.id
                    == detail
                        .summary
                        .record
                        .patient
                        .as_ref()
                        .map_or(PatientId(0), |p| p.id)
            {
                patient.loaded(detail);
            }
            Vec::new()
        }
        Reply::Saved {
            ticket,
            message,
            patient,
            undo,
        } => {
            if model.input.as_ref().and_then(|i| i.saving) == Some(ticket) {
                model.input = None;
            }
            let named = take_named(model, ticket);
            // A removal is taken back with `u`: said where the person looks, since nothing
            // asked them first.
            let puts_back = matches!(&undo, Ok(save) if matches!(
                save.as_ref(),
                Save::Meeting(MeetingChange::RestoreCase { .. })
            ));
            if let Some(index) = model.background_tickets.iter().position(|t| *t == ticket) {
                model.background_tickets.swap_remove(index);
            } else if let Some(words) = {
                let whose = whose(model, patient);
                model.undo.saved(ticket, &message, whose, undo)
            } {
                model.message = Some(words);
            } else if let Some(words) = way_forward_state::saved(model.way_forward.as_mut(), ticket)
            {
                model.message = Some(words);
            } else {
                let words = naming(&message, named.as_ref(), model.masked);
                model.message = Some(if puts_back {
                    format!("saved: {words} · u puts it back")
                } else {
                    format!("saved: {words}")
                });
            }
            let Some(patient) = patient else {
                return model.refresh_in_place();
            };
            let mut requests = vec![Request::Patient { id: patient }];
            requests.extend(
                model
                    .refresh_in_place()
                    .into_iter()
                    .filter(|r| !matches!(r, Request::Patient { .. })),
            );
            requests
        }
        Reply::Waiting { ticket } => {
            if model.input.as_ref().and_then(|i| i.saving) == Some(ticket) {
                model.message = Some(String::from(
                    "saving… the file is busy (another program is writing to it): waiting",
                ));
            }
            Vec::new()
        }
        Reply::NotSaved { ticket, why, save } => {
            take_named(model, ticket);
            not_saved(model, ticket, why, save)
        }
        Reply::Overview(data) => {
            model.overview.row = model.overview.row.min(data.rows.len().saturating_sub(1));
            model.overview.data = Some(*data);
            Vec::new()
        }
        Reply::WayForward {
            patient,
            conditions,
            view,
        } => {
            let effects = model.way_forward.as_mut().map_or_else(Vec::new, |screen| {
                way_forward::loaded(screen, patient, conditions, view)
            });
            apply(model, effects)
        }
        Reply::Meetings { list, tasks, left } => {
            let selected = model.meetings.task_id;
            // Said before the rows go: the task's patient is still in view for the masking.
            let words = left
                .filter(|left| Some(left.id) == selected)
                .map(|left| task_left_words(model, &left));
            if model.meetings.reloaded(list, tasks)
                && let Some(words) = words
            {
                model.message = Some(words);
            }
            model.meetings.loaded = true;
            Vec::new()
        }
        Reply::Meeting(view) => {
            let presenting = model.screen == Screen::Presenting;
            let effects = model
                .meeting
                .as_mut()
                .map_or_else(Vec::new, |screen| meeting::loaded(screen, view, presenting));
            apply(model, effects)
        }
        Reply::DataChanged => model.refresh_in_place(),
        Reply::Evaluating { done, total } => {
            model.evaluating = (done < total).then_some((done, total));
            Vec::new()
        }
        Reply::Notice(message) => {
            model.message = Some(message);
            Vec::new()
        }
        Reply::Error(message) => {
            // Keys typed for a screen that did not load would act on whatever is shown
            // instead: they are dropped, and said so.
            let dropped = model.held.len();
            model.held.clear();
            model.message = Some(if dropped > 0 {
                format!("error: {message} · {dropped} keys typed meanwhile not applied")
            } else {
                format!("error: {message}")
            });
            model.list.loading = false;
            model.load_failed = true;
            Vec::new()
        }
    }
}

/// The columns of a task's words in a status line about it.
const TASK_WORDS: usize = 24;

/// "task 'Call the GP' was completed by dr.alice; j/k selects a task".
fn task_left_words(model: &Model, left: &TaskLeft) -> String {
    let done = match left.status {
        Some(TaskStatus::Done) => "was completed",
        Some(TaskStatus::Cancelled) => "was cancelled",
        Some(TaskStatus::Open) => "left the open tasks",
        None => "was removed",
    };
    let by = left
        .by
        .as_ref()
        .map(|who| format!(" by {who}"))
        .unwrap_or_default();
    // Cut short, so an 80-column status line still shows who did it and what to do.
    let what = model.shown(&left.what);
    let short = crate::text::take_width(&what, TASK_WORDS);
    let what = if short.len() < what.len() {
        format!("{short}…")
    } else {
        what.clone()
    };
    format!("task '{what}' {done}{by}; j/k selects a task")
}

fn take_named(model: &mut Model, ticket: u64) -> Option<Named> {
    let at = model.named_saves.iter().position(|(t, _)| *t == ticket)?;
    Some(model.named_saves.swap_remove(at).1)
}

/// A save's answer with the patient it was about: "added RF-0000119 (K. Georgiou) to the
/// agenda of …". Only the words shown name them: the undo keeps the answer as it came, so a
/// screen masked later never shows a name from it.
fn naming(message: &str, named: Option<&Named>, masked: bool) -> String {
    let Some(named) = named else {
        return message.to_owned();
    };
    let label = named.label(masked);
    // The rest may name them too (a meeting's title "Case conference: Thomas Reid"), whether
    // or not their record is in view when the answer is shown.
    let message = crate::domain::history::Masking::when(masked, [named.identity()])
        .text(message)
        .into_string();
    match message.strip_prefix("added ") {
        Some(rest) => format!("added {label} {rest}"),
        None => format!("{label}: {message}"),
    }
}

/// A save that was not made: the typed text stays in its input, editable again, with why.
pub(super) fn not_saved(
    model: &mut Model,
    ticket: u64,
    why: NotSaved,
    save: Box<Save>,
) -> Vec<Request> {
    // A background save that failed is said (the time on a case was not written).
    model.background_tickets.retain(|t| *t != ticket);
    let typed = match model.input.as_mut() {
        Some(input) if input.saving == Some(ticket) => {
            input.saving = None;
            true
        }
        _ => false,
    };
    // What matters first, for a narrow status line: not saved, and what was typed kept; for an
    // undo, that the change stays as it was saved.
    let undoing = model.undo.refused(ticket);
    let lead = match (&undoing, typed) {
        (Some((what, _)), _) => format!("not undone: {what}"),
        // The same words as a colleague's change says them, short for an 80-column line.
        (None, true) => String::from("not saved, text kept"),
        (None, false) => String::from("not saved"),
    };
    // An undo refused for a reason of its own (the file busy, a rule) stays the next one `u`
    // takes back; one refused for a colleague's change is kept with the refusal, for Ctrl-O.
    let undoing = match (undoing, &why) {
        (Some((what, _)), NotSaved::Conflict(_)) => Some(what),
        (Some((what, save)), _) => {
            model.undo.put_back(what, save);
            model.message = Some(match &why {
                NotSaved::Refused(reason) | NotSaved::Busy(reason) => {
                    format!("{lead}: {reason} · u tries again")
                }
                _ => format!("{lead} · u tries again"),
            });
            return Vec::new();
        }
        (None, _) => None,
    };
    match why {
        NotSaved::Refused(reason) => {
            model.message = Some(format!("{lead}: {reason}"));
            Vec::new()
        }
        NotSaved::Busy(reason) => {
            // Text of several lines is saved with Ctrl-S (Enter is a new line there).
            let again = if model
                .input
                .as_ref()
                .is_some_and(|i| i.purpose.is_multiline())
            {
                "Ctrl-S"
            } else {
                "⏎"
            };
            model.message = Some(if typed {
                format!("{lead}: {reason} · {again} tries again")
            } else {
                format!("{lead}: {reason}")
            });
            Vec::new()
        }
        NotSaved::Conflict(conflict) => {
            // "Keep mine" refused again: they saved once more after the version shown, which
            // now shows in its place (yours is saved only over what you have seen).
            let again = save.overwrites();
            let what = if again {
                format!("{} again", conflict.what())
            } else {
                conflict.what()
            };
            let who = conflict
                .by
                .as_ref()
                .map_or("someone else", |by| by.who.as_str());
            let when = match &conflict.by {
                Some(by) if by.at.date() == model.today => {
                    format!(" at {} UTC", by.at.format("%H:%M"))
                }
                Some(by) => format!(" on {} UTC", by.at.format("%Y-%m-%d %H:%M")),
                None => String::new(),
            };
            let shown = if again { ", now shown" } else { "" };
            // Said by the status line with the keys first (they come from the keymap), so an
            // 80-column line shows what to do and who changed what; the time comes last.
            let lead = match (&undoing, typed) {
                (Some(_), _) => lead,
                (None, true) => String::from("not saved, text kept"),
                (None, false) => String::from("not saved"),
            };
            model.message = None;
            model.refusal = Some(Refusal {
                notice: conflict.to_string(),
                lead,
                changed: format!("{who} changed {what}{when}{shown}"),
                theirs: conflict.theirs_in_words(),
                theirs_version: conflict.version,
                retry: (!typed).then_some(*save),
                undoing,
                showing_theirs: again,
            });
            // What they saved shows on screen (typed text is checked against what was opened,
            // not against what is shown).
            model.refresh_in_place()
        }
        NotSaved::AssessmentChanged { label, fingerprint } => {
            // The new assessment shows on screen; the rationale or decision now goes with it,
            // once read.
            if let Some(Input {
                opened: Some(Opened::Review { seen, .. }),
                ..
            }) = model.input.as_mut()
            {
                seen.fingerprint = Some(fingerprint);
            } else if let Some(seen) = model
                .meeting
                .as_mut()
                .and_then(|m| m.pending.as_mut())
                .map(|p| &mut p.seen)
            {
                seen.1 = Some(fingerprint);
            }
            // The key first, in words short enough for an 80-column status line.
            let lead = if typed {
                "not saved, text kept"
            } else {
                "not saved"
            };
            model.message = Some(format!(
                "{lead}: assessment changed since opened: ⏎ saves against it (now: {label})"
            ));
            model.refresh_in_place()
        }
    }
}

/// The patient a save was about, as the undo names them: known when their record is on
/// screen (every save a person makes is made from it).
fn whose(model: &Model, patient: Option<PatientId>) -> Option<Whose> {
    let id = patient?;
    let screen = model.patient.as_ref().filter(|p| p.id == id)?;
    let person = screen.detail.as_ref()?.summary.record.patient.as_ref()?;
    Some(Whose {
        mrn: person.mrn.clone(),
        initials: person.initials(),
    })
}
