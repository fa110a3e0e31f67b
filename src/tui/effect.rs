//! What a screen's key asks of the dashboard beyond the screen's own state.
//!
//! A screen ([`super::screen`]) changes its own state and returns these as data: a request to
//! the worker, text to ask for, a menu, a line on the status line, another screen to show. The
//! router ([`super::app`]) applies them, in order. So a screen never reaches into another
//! screen's state, the popup or the prompt, and what a key does is visible in what it returns
//! (gitui's internal event queue, kept pure).

use super::model::{Input, Popup};
use super::state::Screen;
use super::state::patient::Tab;
use super::worker::{Request, Save};
use crate::domain::PatientId;
use crate::store::ListQuery;

/// One thing a screen asks for.
#[derive(Debug, Clone)]
pub enum Effect {
    /// Ask the worker (a save is numbered when it is applied).
    Request(Request),
    /// Ask for typed text: on the prompt line, in a box, or in a form.
    Ask(Input),
    /// Open a menu over the screen: the list's filter or sort, or choices to pick from.
    Choose(Popup),
    /// A line on the status line.
    Say(String),
    /// Show another screen.
    Open(Opening),
}

impl Effect {
    /// A save, to be numbered when it is sent.
    pub fn save(save: Save) -> Effect {
        Effect::Request(Request::Save {
            ticket: 0,
            save: Box::new(save),
        })
    }

    pub fn say(words: impl Into<String>) -> Effect {
        Effect::Say(words.into())
    }
}

/// A screen to show, and what it opens on.
#[derive(Debug, Clone, PartialEq)]
pub enum Opening {
    /// A patient's record on `tab`; Esc goes back to `back_to`.
    Patient {
        id: PatientId,
        back_to: Screen,
        tab: Tab,
    },
    /// The patient list under `query`, from its first row.
    List(ListQuery),
    /// The way forward of a patient, for a condition (the first one to work on when `None`).
    WayForward {
        patient: PatientId,
        ruleset: Option<String>,
    },
    /// The meetings and the team's open tasks.
    Meetings,
    /// One meeting's agenda.
    Meeting(i64),
    /// The case selected on the agenda, presented on the shared screen: its patient's record
    /// is loaded unless it is already on screen.
    Presentation,
}
