//! Text being typed into a form or a prompt: keys and paste into the focused field, and
//! what a submitted form saves.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::apply::{apply, ctx};
use super::effect::Effect;
use super::field::MAX_TYPED;
use super::model::{Input, Model};
use super::purpose::InputPurpose;
use super::screen::{meeting, patient, way_forward};
use super::worker::Request;

/// A key while typing: editing keys edit the text where the cursor stands, Enter saves, Esc
/// cancels.
pub(super) fn typed(model: &mut Model, key: KeyEvent) -> Vec<Request> {
    if model.input.as_ref().is_some_and(|i| i.saving.is_some()) {
        // Being saved: the text stays as sent until the answer (kept if it is not saved).
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            model.quit = true;
        }
        return Vec::new();
    }
    let Some(mut input) = model.input.take() else {
        return Vec::new();
    };
    let multiline = input.purpose.is_multiline();
    let control = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Esc => {
            // Cancelled: what was typed, and a refusal it got, are let go on purpose.
            model.refusal = None;
            model.message = None;
            if input.purpose == InputPurpose::Search && !input.text().is_empty() {
                model.list.query.filter.search = None;
                return model.reload_list();
            }
            return Vec::new();
        }
        KeyCode::Enter if multiline && !key.modifiers.contains(KeyModifiers::ALT) => {
            if let Some(focused) = input.focused_mut()
                && !focused.field.newline()
            {
                model.message = Some(full_field());
            }
        }
        KeyCode::Char('s') if (multiline || input.is_form()) && control => {
            return submit_input(model, input, None);
        }
        // A form: Enter goes on to the next field, and saves from the last; Tab and Shift-Tab
        // move between fields.
        KeyCode::Enter | KeyCode::Tab
            if input.is_form() && input.focus + 1 < input.fields.len() =>
        {
            input.focus += 1;
        }
        KeyCode::BackTab if input.is_form() => {
            input.focus = input.focus.checked_sub(1).unwrap_or(input.fields.len() - 1);
        }
        KeyCode::Tab if input.is_form() => input.focus = 0,
        KeyCode::Enter => return submit_input(model, input, None),
        KeyCode::Char('c') if control => {
            // Left in place: leaving keeps what was typed (as a note, see `keep_typed_text`).
            model.input = Some(input);
            model.quit = true;
            return Vec::new();
        }
        KeyCode::Up | KeyCode::Down if input.focused().is_some_and(|f| !f.choices.is_empty()) => {
            if let Some(focused) = input.focused_mut() {
                focused.pick(key.code == KeyCode::Down);
            }
            input.edited = true;
        }
        KeyCode::Char(_)
            if !control
                && !key.modifiers.contains(KeyModifiers::ALT)
                && input.focused().is_some_and(|f| f.field.is_full()) =>
        {
            // Said, never ignored silently: the key is not taken.
            model.message = Some(full_field());
        }
        _ => {
            let edited = input.edited;
            let mut changed = false;
            if let Some(focused) = input.focused_mut() {
                // Compared only while nothing is edited yet: a cursor key changes no text.
                let before = (!edited).then(|| focused.field.text());
                if focused.field.key(key) {
                    // Typing again is the answer to a refusal: it is no longer shown as standing.
                    focused.error = None;
                    changed = before.is_some_and(|before| before != focused.field.text());
                }
            }
            input.edited |= changed;
        }
    }
    after_edit(model, input)
}

/// Text pasted while typing (the terminal's bracketed paste): it lands at the cursor whole,
/// never read as keys.
pub(super) fn pasted(model: &mut Model, text: &str) -> Vec<Request> {
    let Some(mut input) = model.input.take() else {
        return Vec::new();
    };
    let mut pasted_any = false;
    if input.saving.is_none()
        && let Some(focused) = input.focused_mut()
    {
        let before = focused.field.len();
        let left_out = focused.field.paste(text);
        focused.error = None;
        pasted_any = focused.field.len() != before;
        if left_out > 0 {
            let kept = focused.field.len().saturating_sub(before);
            model.message = Some(format!(
                "pasted text cut at {} characters: the last {} left out (a field holds {})",
                crate::text::thousands(to_count(kept)),
                crate::text::thousands(to_count(left_out)),
                crate::text::thousands(to_count(MAX_TYPED)),
            ));
        }
    }
    input.edited |= pasted_any;
    after_edit(model, input)
}

/// What the status line says when a key finds its field full.
fn full_field() -> String {
    format!(
        "the field is full ({} characters): nothing more is taken",
        crate::text::thousands(to_count(MAX_TYPED))
    )
}

fn to_count(characters: usize) -> u64 {
    u64::try_from(characters).unwrap_or(u64::MAX)
}

/// The input back in place after an edit; a search is run again as typed.
pub(super) fn after_edit(model: &mut Model, input: Input) -> Vec<Request> {
    let search = (input.purpose == InputPurpose::Search).then(|| input.text());
    model.input = Some(input);
    match search {
        Some(text) => {
            model.list.query.filter.search = Some(text).filter(|t| !t.trim().is_empty());
            model.reload_list()
        }
        None => Vec::new(),
    }
}

/// Submits typed text, over the colleague's version `overwrite` when it says so. While it is
/// saved the input stays, with the text as sent; typed text refused before it was sent (a date
/// that is not one) stays too, to be corrected.
pub(super) fn submit_input(
    model: &mut Model,
    mut input: Input,
    overwrite: Option<i64>,
) -> Vec<Request> {
    model.refusal = None;
    for field in &mut input.fields {
        field.error = None;
    }
    let mut requests = submit(model, &mut input);
    if let Some(theirs) = overwrite {
        for request in &mut requests {
            if let Request::Save { save, .. } = request {
                **save = save.as_ref().clone().overwriting(theirs);
            }
        }
    }
    let ticket = model.stamp(&mut requests);
    if model.input.is_none() {
        if let Some(ticket) = ticket {
            model.input = Some(Input {
                saving: Some(ticket),
                ..input
            });
            model.message = Some(String::from("saving…"));
        } else if requests.is_empty() && (model.message.is_some() || input.refused()) {
            model.input = Some(input);
        }
    }
    requests
}

/// Typed text submitted: the screen it was typed on says what it saves.
pub(super) fn submit(model: &mut Model, input: &mut Input) -> Vec<Request> {
    let ctx = ctx(model);
    let effects: Vec<Effect> = match input.purpose {
        InputPurpose::Search => Vec::new(),
        InputPurpose::Patient(purpose) => model
            .patient
            .as_ref()
            .map_or_else(Vec::new, |screen| patient::submit(screen, purpose, input)),
        InputPurpose::WayForward(purpose) => {
            model.way_forward.as_mut().map_or_else(Vec::new, |screen| {
                way_forward::submit(screen, &ctx, purpose, input)
            })
        }
        InputPurpose::Meeting(purpose) => {
            meeting::submit(model.meeting.as_mut(), &ctx, purpose, input)
        }
    };
    apply(model, effects)
}
