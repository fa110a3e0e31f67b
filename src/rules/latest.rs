//! The latest value of a measure, read as one value only when the values recorded at its
//! moment agree. Needs no rule context: the lines read it while they are being built (a
//! remission from the marrow and counts, `recovery.rs`), before any context exists.

use super::numbers::trim_number;
use crate::domain::{Observation, at_latest};

/// The latest of a measure, when it can be read as one value.
pub enum Latest<'a> {
    None,
    One(&'a Observation),
    /// Values recorded at that one moment differ (a score taken twice at one time, 12 and 30):
    /// neither decides. The words ask which holds.
    Disagree(String),
}

/// The latest of `observations`, when the values recorded at that moment agree, or the
/// question of which holds when they differ.
pub fn agreed_latest<'a>(observations: impl Iterator<Item = &'a Observation>) -> Latest<'a> {
    let latest = at_latest(observations);
    let Some(first) = latest.first().copied() else {
        return Latest::None;
    };
    if latest.iter().all(|other| {
        other.value == first.value
            && other.value_code == first.value_code
            && other.comparator == first.comparator
    }) {
        return Latest::One(first);
    }
    let listed = listed_values(&latest);
    Latest::Disagree(format!(
        "which {} of {} holds ({} were recorded at the same time)",
        first.display,
        first.local_day(),
        listed.join(" and ")
    ))
}

/// The values of observations as they are said, each once, in their order: a number to its
/// precision, a bound with its comparator ("< 5"), a coded value by its code.
pub(super) fn listed_values(observations: &[&Observation]) -> Vec<String> {
    let mut listed: Vec<String> = Vec::new();
    for value in observations.iter().map(|o| {
        let value = o
            .value
            .map(trim_number)
            .or_else(|| o.value_code.clone())
            .unwrap_or_else(|| String::from("no value"));
        match o.comparator {
            Some(comparator) => format!("{comparator} {value}"),
            None => value,
        }
    }) {
        if !listed.contains(&value) {
            listed.push(value);
        }
    }
    listed
}
