//! The current episode of an episodic condition (depression): where a treatment begun on a day
//! stands against it, for criteria counted "within the current episode" (`current_episode_only`).
//!
//! The episode is bounded by what the diagnoses say, never guessed (docs/architecture.md,
//! evidence policy):
//! - it begins on the latest onset of the current diagnoses (a treatment begun up to
//!   [`ONSET_GRACE_DAYS`] before it is the episode's: an onset is often dated by the visit that
//!   recorded it);
//! - it begins no earlier than the end (R4 `abatement[x]`) of an earlier episode of the same
//!   condition: a treatment begun before that day belongs to the episode that ended, however
//!   the current one is dated;
//! - a current diagnosis with no onset began at the latest on the day it was recorded (R4
//!   `recordedDate`): a treatment begun on or after that day is the current episode's.
//!
//! Chosen: with no onset, a treatment begun after an earlier episode's recorded end is the
//! current episode's (an antidepressant started once an episode was over is started for the
//! next one), and with no earlier episode recorded at all every treatment is (nothing says there
//! was another episode). But where an earlier episode is recorded over with no day for its end,
//! a treatment begun after that episode began and before the current diagnosis was recorded
//! may belong to either: its place is unknown, and what would decide it (the current episode's
//! onset) is said, never counted as the current episode's.

use chrono::NaiveDate;

use super::context::Context;
use super::dates::shift;
use super::describe::month;
use super::engine::condition_matches;
use crate::domain::Condition;

/// A treatment begun this many days before the recorded onset of the current episode is still
/// the episode's: an onset is often the day of the visit that diagnosed it, after the first
/// prescription.
pub const ONSET_GRACE_DAYS: i64 = 30;

/// Where a treatment begun on a day stands against the current episode.
pub enum Placement {
    /// In the current episode.
    Current,
    /// Before it, with why ("before the current episode, 2025-02").
    Before(String),
    /// Not known: what would decide it.
    Unknown(String),
}

/// An earlier episode recorded over with no day for its end, if any.
#[derive(Clone, Copy)]
enum OpenEarlier {
    None,
    /// It began on that day (its onset, else the day it was recorded).
    Began(NaiveDate),
    /// Neither its start nor its end is dated.
    Undated,
}

/// The current episode's bounds, as the diagnoses give them.
pub struct Episode {
    /// The latest onset of the current diagnoses.
    onset: Option<NaiveDate>,
    /// The latest recorded end of an earlier episode.
    earlier_end: Option<NaiveDate>,
    /// An earlier episode recorded over with no day for its end.
    open_earlier: OpenEarlier,
    /// The day the current diagnoses were first recorded: the episode had begun by then.
    began_by: Option<NaiveDate>,
    /// The current diagnosis's name, for the words of what is missing.
    name: String,
}

impl Episode {
    /// The current episode of `ctx`'s condition: its current diagnoses are the context's, its
    /// earlier episodes every other record of the rule set's condition that is over.
    pub fn of(ctx: &Context<'_>) -> Self {
        let current = &ctx.conditions;
        let applies = &ctx.set.applies_to;
        let earlier: Vec<&Condition> = ctx
            .record
            .conditions
            .iter()
            .filter(|c| {
                c.is_diagnosis()
                    && !current.iter().any(|now| now.id == c.id)
                    && !c.is_active()
                    && condition_matches(c, &applies.icd10, &applies.snomed, &applies.names)
            })
            .collect();
        let open: Vec<Option<NaiveDate>> = earlier
            .iter()
            .filter(|c| c.abatement.is_none())
            .map(|c| c.onset.or(c.recorded))
            .collect();
        let open_earlier = match open.iter().flatten().max() {
            Some(began) => OpenEarlier::Began(*began),
            None if open.is_empty() => OpenEarlier::None,
            None => OpenEarlier::Undated,
        };
        Episode {
            onset: current.iter().filter_map(|c| c.onset).max(),
            earlier_end: earlier.iter().filter_map(|c| c.abatement).max(),
            open_earlier,
            began_by: current.iter().filter_map(|c| c.recorded).min(),
            name: current
                .first()
                .map_or_else(|| String::from("the diagnosis"), |c| c.name().to_owned()),
        }
    }

    /// Where a treatment begun on `start` stands.
    pub fn place(&self, start: NaiveDate) -> Placement {
        if let Some(onset) = self.onset
            && shift(start, ONSET_GRACE_DAYS) < onset
        {
            return Placement::Before(format!("before the current episode, {}", month(onset)));
        }
        if let Some(end) = self.earlier_end
            && start < end
        {
            return Placement::Before(format!("in an earlier episode, over on {end}"));
        }
        if self.onset.is_some() {
            return Placement::Current;
        }
        match self.open_earlier {
            OpenEarlier::None => Placement::Current,
            _ if self.began_by.is_some_and(|by| start >= by) => Placement::Current,
            OpenEarlier::Began(began) if start < began => {
                Placement::Before(format!("before an earlier episode, begun {}", month(began)))
            }
            open => {
                let earlier = match open {
                    OpenEarlier::Began(began) => format!(
                        "an earlier episode (begun {}) is recorded over, on no day",
                        month(began)
                    ),
                    _ => String::from("an earlier episode is recorded over, on no day"),
                };
                let recorded = self.began_by.map_or_else(String::new, |by| {
                    format!(", and the current one recorded on {by}")
                });
                Placement::Unknown(format!(
                    "begun {start}, in the current episode or an earlier one: {earlier}{recorded}; the onset of the current episode ({}) would decide",
                    self.name
                ))
            }
        }
    }
}
