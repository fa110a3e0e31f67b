//! The screens' keys: each module takes its own screen's state, what every screen may read
//! ([`Ctx`]) and an action, changes that state and returns [`Effect`](super::effect::Effect)s
//! for the router to apply. The states themselves sit below, in [`super::model`],
//! [`super::state::way_forward`] and [`super::state::meeting`], so that the view reads them
//! without depending on the keys.

pub mod list;
pub mod meeting;
pub mod overview;
pub mod patient;
pub mod way_forward;

use chrono::NaiveDate;

/// What every screen may read and none changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Ctx {
    pub today: NaiveDate,
    /// Identity is masked on screen (what a file written from a shared screen keeps masked).
    pub masked: bool,
    /// The care team the overview is narrowed to (a new meeting is that team's).
    pub care_team: Option<String>,
}
