//! What the team writes about a patient (notes now; reviews, way forward and meeting outcomes
//! join as they are built). Every write here is one transaction with its audit row.

use chrono::NaiveDate;
use rusqlite::params;

use super::audit::{AuditWriter, Change};
use super::sql_types::{format_datetime, now_utc, parse_datetime};
use super::write::refresh_list_row;
use super::{Result, Store};
use crate::domain::PatientId;

/// A free-text note on a patient.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Note {
    pub id: i64,
    pub author: String,
    pub at: chrono::NaiveDateTime,
    pub text: String,
}

impl Store {
    /// Adds a note, audited, and stamps the patient's last change.
    pub fn add_note(&mut self, patient: PatientId, text: &str, today: NaiveDate) -> Result<i64> {
        let auditor = AuditWriter::new(self.user.clone());
        self.write(|tx| {
            let now = now_utc();
            tx.execute(
                "INSERT INTO notes (patient_id, author, at, text) VALUES (?1, ?2, ?3, ?4)",
                params![patient.0, auditor.who(), format_datetime(now), text],
            )?;
            let id = tx.last_insert_rowid();
            let note = Note {
                id,
                author: auditor.who().to_owned(),
                at: now,
                text: text.to_owned(),
            };
            auditor.record(
                tx,
                Change {
                    action: "note.add",
                    entity: "notes",
                    entity_id: Some(id),
                    patient_id: Some(patient),
                },
                None::<&()>,
                Some(&note),
            )?;
            refresh_list_row(tx, patient, today, now)?;
            Ok(id)
        })
    }

    /// A patient's notes, newest first.
    pub fn notes(&self, patient: PatientId) -> Result<Vec<Note>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, author, at, text FROM notes WHERE patient_id = ?1 ORDER BY id DESC",
        )?;
        let rows = stmt
            .query_map([patient.0], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, author, at, text)| {
                Ok(Note {
                    id,
                    author,
                    at: parse_datetime("notes.at", &at)?,
                    text,
                })
            })
            .collect()
    }
}
