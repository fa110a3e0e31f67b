//! The append-only audit log: who changed what, when, with the row before and after.
//!
//! Every change a person makes goes through [`AuditWriter::record`] inside the same
//! transaction as the change, so the log and the data can never disagree. Triggers in the
//! schema refuse any UPDATE or DELETE of the log.

use rusqlite::{Connection, params};
use serde::Serialize;

use super::Result;
use super::sql_types::{format_datetime, now_utc};
use crate::domain::PatientId;

/// Writes audit rows as one user.
#[derive(Debug, Clone)]
pub struct AuditWriter {
    who: String,
}

/// What one audit row describes.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    /// Dotted verb, e.g. `review.confirm`, `checklist.tick`.
    pub action: &'a str,
    /// The table changed.
    pub entity: &'a str,
    pub entity_id: Option<i64>,
    pub patient_id: Option<PatientId>,
}

impl AuditWriter {
    pub fn new(who: String) -> Self {
        AuditWriter { who }
    }

    pub fn who(&self) -> &str {
        &self.who
    }

    /// Appends one row; `before`/`after` are serialised as JSON (`None` for a creation or a
    /// deletion).
    pub fn record<B: Serialize, A: Serialize>(
        &self,
        conn: &Connection,
        change: Change<'_>,
        before: Option<&B>,
        after: Option<&A>,
    ) -> Result<i64> {
        self.record_at(conn, now_utc(), change, before, after)
    }

    /// Appends one row stamped `at` (for history written after the fact, such as the demo's).
    pub fn record_at<B: Serialize, A: Serialize>(
        &self,
        conn: &Connection,
        at: chrono::NaiveDateTime,
        change: Change<'_>,
        before: Option<&B>,
        after: Option<&A>,
    ) -> Result<i64> {
        let before = before.map(serde_json::to_string).transpose()?;
        let after = after.map(serde_json::to_string).transpose()?;
        conn.prepare_cached(
            "INSERT INTO audit_log (at, who, action, entity, entity_id, patient_id, before, after)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            format_datetime(at),
            self.who,
            change.action,
            change.entity,
            change.entity_id,
            change.patient_id.map(|p| p.0),
            before,
            after,
        ])?;
        Ok(conn.last_insert_rowid())
    }
}
