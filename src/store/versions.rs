//! Optimistic concurrency: what keeps two colleagues on one file from overwriting each other
//! silently. Every record a person edits carries a version that each save bumps; a save names
//! the record as the person opened it ([`Edit`]), and the store compares it with the record as
//! it is now, inside the write transaction.
//!
//! The comparison is field by field. Only the fields the person changed are written, so a
//! colleague's change to another field since (the presenter's "comes back" while the scribe types
//! the decision) is kept. A field both changed, to different values, is a conflict: the save is
//! refused with who changed the record and when, from the audit log, unless it overwrites the
//! very version the refusal showed (its audit row's action then ends in `.overwrite`). A
//! colleague's change stored after that one was never seen, and refuses the overwrite again.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDateTime;
use rusqlite::{Connection, params};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::sql_types::parse_datetime;
use super::{Result, StoreError};
use crate::domain::{
    Attendee, CareOption, ChecklistItem, Edit, MeetingCase, Referral, Task, WayForwardStep,
    WellbeingGoal,
};

/// A save refused because a colleague changed the same fields since the record was opened.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// The fields both changed, as the record's JSON names them (`notes`, `comes_back`).
    pub fields: Vec<String>,
    /// Those fields as they are now (what the colleague saved).
    pub theirs: Map<String, Value>,
    /// Fields of `theirs` that hold the number of another record (the option chosen), in the
    /// words the screens show it by (the option's name): a person never reads the number.
    pub in_words: BTreeMap<String, String>,
    /// Who last changed them, and when; `None` when the audit log does not say.
    pub by: Option<ChangedBy>,
    /// The version of the record as it is now, with their change (for a review, the id of
    /// their review): what an overwrite shown this conflict names, so that it never saves over
    /// a later change the person did not see.
    pub version: i64,
}

/// Who made a change and when, as the audit log recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedBy {
    /// The name recorded (`--user`, else the OS account).
    pub who: String,
    /// The OS account that wrote the row, when it is not that name.
    pub account: Option<String>,
    /// UTC.
    pub at: NaiveDateTime,
}

impl ChangedBy {
    /// "dr.bob as unix user bob", or the name alone (as the history tab says it).
    pub fn who_text(&self) -> String {
        match &self.account {
            Some(account) if *account != self.who => {
                format!("{} as unix user {account}", self.who)
            }
            _ => self.who.clone(),
        }
    }
}

impl Conflict {
    /// The fields in conflict, in words ("the notes", "the decision, comes back").
    pub fn what(&self) -> String {
        match self.fields.as_slice() {
            [] => String::from("it"),
            fields => fields
                .iter()
                .map(|field| field_words(field))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    /// What the colleague saved, field by field, in words: the fields in conflict first.
    pub fn theirs_in_words(&self) -> Vec<(String, String)> {
        self.fields
            .iter()
            .chain(self.theirs.keys().filter(|k| !self.fields.contains(k)))
            .filter_map(|field| {
                let value = self.theirs.get(field)?;
                let words = match self.in_words.get(field) {
                    Some(words) if !value.is_null() => words.clone(),
                    _ => value_words(field, value),
                };
                Some((field_words(field).to_owned(), words))
            })
            .collect()
    }
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.by {
            Some(by) => write!(
                f,
                "{} changed {} at {} UTC, after you opened it",
                by.who_text(),
                self.what(),
                by.at.format("%Y-%m-%d %H:%M")
            ),
            None => write!(
                f,
                "someone else changed {} after you opened it",
                self.what()
            ),
        }
    }
}

/// A field's value as a person reads it: a stored category in the words the screens use
/// ("Further investigations", never `further_investigations`).
fn value_words(field: &str, value: &Value) -> String {
    match value {
        Value::String(name) if field == "outcome_category" => {
            crate::domain::OutcomeCategory::label_of(name)
        }
        Value::Null => String::from("(none)"),
        Value::Bool(true) => String::from("yes"),
        Value::Bool(false) => String::from("no"),
        Value::String(text) if text.is_empty() => String::from("(empty)"),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A record's JSON field in words, for the person told about a conflict.
pub fn field_words(field: &str) -> &str {
    match field {
        "na_reason" => "the reason it is not applicable",
        "due" => "the due date",
        "owner" => "the owner",
        "notes" => "the notes",
        "status" => "the status",
        "detail" => "how it was resolved",
        "done" => "the tick",
        "to_whom" => "to whom",
        "specialty" => "the specialty",
        "date" => "the date",
        "stance" => "the team's stance",
        "stance_reason" => "the reason for the stance",
        "preference" => "the patient's preference",
        "trial_status" => "the trial status",
        "description" => "the description",
        "achieved" => "achieved",
        "question" => "the question",
        "timebox_minutes" => "the time box",
        "outcome_category" => "the decision",
        "chosen_option_id" => "the option chosen",
        "outcome_text" => "the recommendation",
        "comes_back" => "comes back",
        "plan_followed" => "whether the plan was followed",
        "plan_followed_reason" => "why the plan was not followed",
        "present" => "present or absent",
        "what" => "the task",
        "decision" => "the review",
        "rationale" => "the rationale",
        other => other,
    }
}

/// A record that carries a version.
pub trait Versioned: Serialize + DeserializeOwned + Clone {
    fn version(&self) -> i64;
    fn set_version(&mut self, version: i64);
}

macro_rules! versioned {
    ($($ty:ty),+) => {$(
        impl Versioned for $ty {
            fn version(&self) -> i64 {
                self.version
            }
            fn set_version(&mut self, version: i64) {
                self.version = version;
            }
        }
    )+};
}
versioned!(
    WayForwardStep,
    ChecklistItem,
    Referral,
    CareOption,
    WellbeingGoal,
    MeetingCase,
    Task,
    Attendee
);

/// What a checked save writes.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked<T> {
    /// The record as it will be: the current one with the person's changed fields; its version
    /// the next one.
    pub record: T,
    /// Whether it saves over a colleague's change (its audit row says so).
    pub overwrote: bool,
    /// Whether it changes anything: a person's save of what is stored already (a colleague
    /// made the same change first) writes nothing and leaves no audit row.
    pub changed: bool,
}

impl<T> Checked<T> {
    /// `action` as the audit row records it: `case.outcome`, or `case.outcome.overwrite`.
    pub fn action(&self, action: &str) -> String {
        if self.overwrote {
            format!("{action}.overwrite")
        } else {
            action.to_owned()
        }
    }
}

/// Checks `edit` against `current` (the record as stored now, `None` when there is none yet)
/// and returns what to write. `last_change` is asked, only for a conflict, who last changed
/// the fields in conflict, and when.
pub fn check<T: Versioned>(
    current: Option<&T>,
    edit: &Edit<T>,
    last_change: impl FnOnce(&[String]) -> Result<Option<ChangedBy>>,
) -> Result<Checked<T>> {
    let Some(current) = current else {
        // Nothing stored: a new record (or one a colleague removed, which the caller refuses).
        let mut record = edit.new.clone();
        record.set_version(1);
        return Ok(Checked {
            record,
            overwrote: false,
            changed: true,
        });
    };
    let next = current.version() + 1;
    let Some(base) = &edit.base else {
        let mut record = edit.new.clone();
        record.set_version(next);
        return Ok(Checked {
            record,
            overwrote: false,
            changed: true,
        });
    };
    let merged = merge(base, &edit.new, current)?;
    let stale = current.version() != base.version();
    let overwrote = stale && !merged.conflicts.is_empty();
    // An overwrite is of what the person was shown: a version stored since is news to them.
    if overwrote && edit.overwrite != Some(current.version()) {
        let by = last_change(&merged.conflicts)?;
        return Err(StoreError::Conflict(Box::new(Conflict {
            theirs: merged
                .conflicts
                .iter()
                .filter_map(|field| Some((field.clone(), merged.current.get(field)?.clone())))
                .collect(),
            fields: merged.conflicts,
            in_words: BTreeMap::new(),
            by,
            version: current.version(),
        })));
    }
    let changed = fields(&merged.record)? != merged.current;
    let mut record = merged.record;
    record.set_version(next);
    Ok(Checked {
        record,
        overwrote,
        changed,
    })
}

/// The three-way merge of one record.
struct Merged<T> {
    record: T,
    /// Fields changed both in `new` and, differently, in `current`, since `base`.
    conflicts: Vec<String>,
    current: Map<String, Value>,
}

fn merge<T: Versioned>(base: &T, new: &T, current: &T) -> Result<Merged<T>> {
    let base = fields(base)?;
    let new = fields(new)?;
    let current = fields(current)?;
    let mut merged = current.clone();
    let mut conflicts = Vec::new();
    for (field, value) in &new {
        let was = base.get(field).unwrap_or(&Value::Null);
        if was == value {
            // Not changed by this person: whatever is stored now stays.
            continue;
        }
        let now = current.get(field).unwrap_or(&Value::Null);
        if now != was && now != value {
            conflicts.push(field.clone());
        }
        merged.insert(field.clone(), value.clone());
    }
    // The version is not part of the JSON: [`check`] sets the next one.
    let record: T = serde_json::from_value(Value::Object(merged))?;
    Ok(Merged {
        record,
        conflicts,
        current,
    })
}

fn fields<T: Serialize>(record: &T) -> Result<Map<String, Value>> {
    match serde_json::to_value(record)? {
        Value::Object(map) => Ok(map),
        other => Err(StoreError::Invalid(format!(
            "a record is not a JSON object: {other}"
        ))),
    }
}

/// Who last changed any of `fields` of one row of `entity`, and when: the newest audit row
/// about the row whose before and after differ in one of them (else the newest about the row;
/// `None` when the log has none).
pub(super) fn last_change(
    conn: &Connection,
    entity: &str,
    id: i64,
    fields: &[String],
) -> Result<Option<ChangedBy>> {
    let mut stmt = conn.prepare_cached(
        "SELECT who, os_user, at, before, after FROM audit_log
         WHERE entity = ?1 AND entity_id = ?2 ORDER BY id DESC LIMIT 100",
    )?;
    let rows = stmt.query_map(params![entity, id], read_row)?;
    who_changed(rows, entity, fields)
}

/// [`last_change`] for a way-forward step, whose audit rows name no id: the step is found in
/// the rows' JSON.
pub(super) fn last_step_change(
    conn: &Connection,
    patient: i64,
    ruleset: &str,
    step: u8,
    fields: &[String],
) -> Result<Option<ChangedBy>> {
    let mut stmt = conn.prepare_cached(
        "SELECT who, os_user, at, before, after FROM audit_log
         WHERE patient_id = ?1 AND entity = 'way_forward'
           AND json_extract(after, '$.ruleset') = ?2 AND json_extract(after, '$.step') = ?3
         ORDER BY id DESC LIMIT 100",
    )?;
    let rows = stmt.query_map(params![patient, ruleset, step], read_row)?;
    who_changed(rows, "way_forward", fields)
}

type AuditRow = (
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
);

fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<AuditRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
    ))
}

fn who_changed(
    rows: impl Iterator<Item = rusqlite::Result<AuditRow>>,
    entity: &str,
    fields: &[String],
) -> Result<Option<ChangedBy>> {
    let mut newest = None;
    for row in rows {
        let (who, os_user, at, before, after) = row?;
        let parse = |json: Option<&str>| -> Map<String, Value> {
            match json.and_then(|text| serde_json::from_str(text).ok()) {
                Some(Value::Object(map)) => map,
                _ => Map::new(),
            }
        };
        let (before, after) = (parse(before.as_deref()), parse(after.as_deref()));
        let touched = fields.iter().any(|field| {
            let key = audit_key(entity, field);
            before.get(key) != after.get(key)
        });
        let found = ChangedBy {
            account: os_user,
            who,
            at: parse_datetime("audit_log.at", &at)?,
        };
        if touched {
            return Ok(Some(found));
        }
        newest.get_or_insert(found);
    }
    Ok(newest)
}

/// The name a record's field has in its audit rows (a case's outcome is audited in words of
/// its own).
fn audit_key<'f>(entity: &str, field: &'f str) -> &'f str {
    match (entity, field) {
        ("meeting_cases", "outcome_category") => "category",
        ("meeting_cases", "outcome_text") => "text",
        ("meeting_cases", "plan_followed_reason") => "reason",
        _ => field,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::domain::{PatientId, StepStatus};

    fn step(notes: &str, owner: Option<&str>, version: i64) -> WayForwardStep {
        WayForwardStep {
            patient_id: PatientId(1),
            ruleset: String::from("epilepsy"),
            step: 1,
            status: StepStatus::Todo,
            owner: owner.map(str::to_owned),
            due: None,
            notes: notes.to_owned(),
            na_reason: None,
            version,
        }
    }

    #[allow(clippy::unnecessary_wraps)] // the shape `check` asks for
    fn nobody(_: &[String]) -> Result<Option<ChangedBy>> {
        Ok(None)
    }

    #[test]
    fn an_unchanged_record_saves_and_bumps_its_version() {
        let stored = step("a", None, 3);
        let edit = Edit::of(stored.clone(), step("b", None, 3));
        let checked = check(Some(&stored), &edit, nobody).unwrap();
        assert_eq!(checked.record, step("b", None, 4));
        assert!(!checked.overwrote);
    }

    #[test]
    fn a_colleagues_change_to_another_field_is_kept() {
        let opened = step("a", None, 3);
        let stored = step("a", Some("Dr Okafor"), 4);
        let edit = Edit::of(opened, step("mine", None, 3));
        let checked = check(Some(&stored), &edit, nobody).unwrap();
        assert_eq!(checked.record, step("mine", Some("Dr Okafor"), 5));
        assert_eq!(checked.action("way_forward.step"), "way_forward.step");
    }

    #[test]
    fn the_same_field_changed_by_both_is_refused_or_overwritten() {
        let opened = step("a", None, 3);
        let stored = step("theirs", None, 4);
        let edit = Edit::of(opened, step("mine", None, 3));
        let when =
            NaiveDateTime::parse_from_str("2026-11-27 14:02:00", "%Y-%m-%d %H:%M:%S").unwrap();
        let bob = ChangedBy {
            who: String::from("dr.bob"),
            account: Some(String::from("bob")),
            at: when,
        };
        let err = check(Some(&stored), &edit, |_| Ok(Some(bob))).unwrap_err();
        let StoreError::Conflict(conflict) = err else {
            panic!("{err}")
        };
        assert_eq!(conflict.fields, ["notes"]);
        assert_eq!(conflict.theirs["notes"], "theirs");
        assert_eq!(
            conflict.theirs_in_words(),
            [(String::from("the notes"), String::from("theirs"))]
        );
        assert_eq!(
            conflict.to_string(),
            "dr.bob as unix user bob changed the notes at 2026-11-27 14:02 UTC, after you opened it"
        );
        assert_eq!(conflict.version, 4);
        let checked = check(Some(&stored), &edit.clone().overwriting(4), nobody).unwrap();
        assert_eq!(checked.record, step("mine", None, 5));
        assert_eq!(
            checked.action("way_forward.step"),
            "way_forward.step.overwrite"
        );
        // A colleague's change stored after the one shown: refused again, showing it.
        let later = step("theirs, later", None, 5);
        let err = check(Some(&later), &edit.overwriting(4), nobody).unwrap_err();
        let StoreError::Conflict(conflict) = err else {
            panic!("{err}")
        };
        assert_eq!(conflict.version, 5);
        assert_eq!(conflict.theirs["notes"], "theirs, later");
    }

    #[test]
    fn both_making_the_same_change_is_no_conflict() {
        let opened = step("a", None, 3);
        let stored = step("same", None, 4);
        let edit = Edit::of(opened, step("same", None, 3));
        let checked = check(Some(&stored), &edit, nobody).unwrap();
        assert!(!checked.overwrote);
        assert!(!checked.changed, "nothing left to write");
    }
}
