//! Flags whose `criteria_met_since` is not yet known, and storing the day once searched.
//!
//! Searching the day costs 2–8 evaluations of one rule set per flag (`rules::since`), more than
//! evaluating every rule set once; so an evaluation stores its flags without it (the column
//! NULL: for a flag, "not yet known") and a separate pass, after the flags are stored, searches
//! the days of the flags that lack one (`assess::date_flags`). The partial index
//! `assessments_undated` holds those flags alone, so finding them, and counting them for the
//! overview, reads nothing once the pass has run.

use chrono::NaiveDate;
use rusqlite::params;

use super::read::load_records;
use super::sql_types::{format_date, parse_date};
use super::{Result, Store};
use crate::domain::{PatientId, PatientRecord};

/// The rule sets of one patient's flags that have no day yet, each with the day the patient was
/// evaluated on (the day the flag was found: the search runs as of it).
pub type UndatedFlags = Vec<(String, NaiveDate)>;

/// A flag's day, as found by the search: (patient, rule set, day).
pub type FoundDay = (PatientId, String, NaiveDate);

/// The widest id range one chunk of the pass loads: records are read by id range, so a few
/// undated patients far apart (an import's changes across a large file) are taken a range at a
/// time rather than loading every record in between.
const SPAN: i64 = 8_000;

impl Store {
    /// Up to `limit` patients with ids above `after` that have a flag without its day, all
    /// within [`SPAN`] ids of the first, in id order. Patients whose evaluation is stale are
    /// left to the evaluation pass, which stores their flags first.
    pub fn undated_flags_after(
        &self,
        rules_stamp: &str,
        after: PatientId,
        limit: usize,
    ) -> Result<Vec<PatientId>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT a.patient_id FROM assessments a INDEXED BY assessments_undated
             JOIN patients p ON p.id = a.patient_id
             WHERE a.criteria_met_since IS NULL AND a.status_rank >= 3 AND a.patient_id > ?1
               AND p.eval_rules = ?2 AND p.eval_record = p.record_version
             ORDER BY a.patient_id LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![after.0, rules_stamp, limit as i64], |row| {
            Ok(PatientId(row.get(0)?))
        })?;
        let mut ids: Vec<PatientId> = rows.collect::<rusqlite::Result<_>>()?;
        if let Some(first) = ids.first().copied() {
            ids.retain(|id| id.0 - first.0 < SPAN);
        }
        Ok(ids)
    }

    /// How many flags have no day yet.
    pub fn undated_flag_count(&self) -> Result<u64> {
        let count: i64 = self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM assessments INDEXED BY assessments_undated
                 WHERE criteria_met_since IS NULL AND status_rank >= 3",
            )?
            .query_row([], |row| row.get(0))?;
        Ok(count.max(0) as u64)
    }

    /// Dates the flags without a day of the patients in `chunk` (ids in increasing order, from
    /// [`Store::undated_flags_after`]) in one transaction: load their records, `search` the
    /// days, store them. A flag that changed meanwhile is not in the transaction's view, and a
    /// day is written only where none is: the stored day is always that of the stored flag.
    /// Returns the flags dated.
    pub fn date_flags(
        &mut self,
        chunk: &[PatientId],
        rules_stamp: &str,
        search: impl FnOnce(&[(PatientRecord, UndatedFlags)]) -> Vec<FoundDay>,
    ) -> Result<usize> {
        let (Some(first), Some(last)) = (chunk.first(), chunk.last()) else {
            return Ok(0);
        };
        let (first, last) = (first.0, last.0);
        self.write(|tx| {
            let mut undated: Vec<(i64, String, NaiveDate)> = Vec::new();
            {
                let mut stmt = tx.prepare_cached(
                    "SELECT a.patient_id, a.ruleset, p.eval_on
                     FROM assessments a INDEXED BY assessments_undated
                     JOIN patients p ON p.id = a.patient_id
                     WHERE a.criteria_met_since IS NULL AND a.status_rank >= 3
                       AND a.patient_id BETWEEN ?1 AND ?2
                       AND p.eval_rules = ?3 AND p.eval_record = p.record_version
                     ORDER BY a.patient_id",
                )?;
                let mut rows = stmt.query(params![first, last, rules_stamp])?;
                while let Some(row) = rows.next()? {
                    let id: i64 = row.get(0)?;
                    if chunk.binary_search(&PatientId(id)).is_err() {
                        continue;
                    }
                    let day: String = row.get(2)?;
                    undated.push((id, row.get(1)?, parse_date("patients.eval_on", &day)?));
                }
            }
            let records = load_records(tx, first, last)?;
            let mut work: Vec<(PatientRecord, UndatedFlags)> = Vec::new();
            for record in records {
                let Some(id) = record.patient.as_ref().map(|p| p.id.0) else {
                    continue;
                };
                let from = undated.partition_point(|(patient, ..)| *patient < id);
                let flags: UndatedFlags = undated[from..]
                    .iter()
                    .take_while(|(patient, ..)| *patient == id)
                    .map(|(_, ruleset, day)| (ruleset.clone(), *day))
                    .collect();
                if !flags.is_empty() {
                    work.push((record, flags));
                }
            }
            let found = search(&work);
            write_days(tx, &found)
        })
    }

    /// Stores days found elsewhere on the flags that have none (the demo searches them on the
    /// records it generated, beside the writers, and stores them once every flag is written).
    /// Returns the flags dated.
    pub fn store_flag_days(&mut self, found: &[FoundDay]) -> Result<usize> {
        self.write(|tx| write_days(tx, found))
    }
}

/// Writes each found day on its flag if the flag has none.
fn write_days(conn: &rusqlite::Connection, found: &[FoundDay]) -> Result<usize> {
    let mut update = conn.prepare_cached(
        "UPDATE assessments SET criteria_met_since = ?3
         WHERE patient_id = ?1 AND ruleset = ?2 AND criteria_met_since IS NULL",
    )?;
    let mut dated = 0;
    for (patient, ruleset, day) in found {
        dated += update.execute(params![patient.0, ruleset, format_date(*day)])?;
    }
    Ok(dated)
}
