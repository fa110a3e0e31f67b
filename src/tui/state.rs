//! The dashboard's screens and, one module each, their states: plain data that a screen's keys
//! ([`super::screen`]) change and its drawing ([`super::view`]) reads. The model
//! ([`super::model`]) composes them.

pub mod list;
pub mod meeting;
pub mod overview;
pub mod patient;
pub mod way_forward;

use super::keymap::Context;

/// The screens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Patients,
    Overview,
    Patient,
    WayForward,
    Meetings,
    Meeting,
    Presenting,
}

impl Screen {
    pub fn context(self) -> Context {
        match self {
            Screen::Patients => Context::Patients,
            Screen::Overview => Context::Overview,
            Screen::Patient => Context::Patient,
            Screen::WayForward => Context::WayForward,
            Screen::Meetings => Context::Meetings,
            Screen::Meeting => Context::Meeting,
            Screen::Presenting => Context::Presentation,
        }
    }
}
