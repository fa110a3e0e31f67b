//! Stored assessments and the team's reviews of them.
//!
//! An assessment is stored per (patient, rule set) with the rule-set version and the patient's
//! record version it was computed from, so re-evaluation is incremental: only patients whose
//! data, rule set or day changed are evaluated again. A review is kept with the fingerprint of
//! the assessment it judged; it applies while the fingerprint is unchanged (a dismissed flag
//! stays dismissed until the evidence changes).

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};

use super::audit::{AuditWriter, Change};
use super::read::load_records;
use super::sql_types::parse_code;
use super::sql_types::{SqlText, format_date, format_datetime, now_utc};
use super::versions::{Conflict, last_change};
use super::write::{refresh_list_row, refresh_list_row_if_changed};
use super::{Result, Store, StoreError};
use crate::domain::{
    Assessment, AssessmentStatus, LineOrigin, PatientId, PatientRecord, ReviewDecision,
    ReviewState, TreatmentLine,
};

/// A stored assessment as `save_assessments` compares it: ruleset, rank, flagged since, label,
/// fingerprint, detail, ruleset version, record version, criteria met since.
type Stored = (
    String,
    i64,
    Option<String>,
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
);

/// Writes one assessment row, replacing the patient's earlier one for the rule set.
const UPSERT: &str =
    "INSERT INTO assessments (patient_id, ruleset, ruleset_version, record_version,
                                  status, status_rank, label, detail, fingerprint, evaluated_on,
                                  flagged_since, criteria_met_since)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (patient_id, ruleset) DO UPDATE SET
             ruleset_version = excluded.ruleset_version, record_version = excluded.record_version,
             status = excluded.status, status_rank = excluded.status_rank, label = excluded.label,
             detail = excluded.detail, fingerprint = excluded.fingerprint,
             evaluated_on = excluded.evaluated_on, flagged_since = excluded.flagged_since,
             criteria_met_since = excluded.criteria_met_since";

/// Replaces a patient's assessments with `assessments` (dropping those of rule sets that no
/// longer apply), keeping the day each flag was first raised, and writing nothing for an
/// assessment that did not change. Returns whether anything changed. The caller owns the
/// transaction, stamps the evaluation ([`stamp_evaluated`]) and refreshes the list row.
pub fn save_assessments(
    conn: &Connection,
    patient: PatientId,
    assessments: &[Assessment],
    evaluated: &Evaluated<'_>,
) -> Result<bool> {
    let record_version = evaluated.record_version;
    let stored: Vec<Stored> = conn
        .prepare_cached(
            "SELECT ruleset, status_rank, flagged_since, label, fingerprint, detail, ruleset_version,
                    record_version, criteria_met_since
             FROM assessments WHERE patient_id = ?1",
        )?
        .query_map([patient.0], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
                row.get(5)?,
                row.get(6)?,
                row.get(7)?,
                row.get(8)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    let mut upsert = conn.prepare_cached(UPSERT)?;
    let mut changed = false;
    for assessment in assessments {
        let before = stored.iter().find(|s| s.0 == assessment.ruleset);
        let held = held_fingerprint(
            conn,
            patient,
            assessment,
            before.map(|(_, _, _, _, fingerprint, detail, ..)| {
                (fingerprint.as_str(), detail.as_str())
            }),
        )?;
        let detail = detail_json(assessment, &held)?;
        // Unchanged (the usual case when a day passes): nothing to write.
        let met_since = assessment.criteria_met_since.map(format_date);
        if let Some((_, rank, _, label, fingerprint, stored_detail, version, record, since)) =
            before
            && *rank == assessment.status.rank()
            && *label == assessment.label
            && *fingerprint == held
            && *stored_detail == detail
            && *version == assessment.ruleset_version
            && *record == record_version
            && since.as_deref() == met_since.as_ref().map(SqlText::as_str)
        {
            continue;
        }
        changed = true;
        let evaluated_on = format_date(assessment.evaluated_on);
        let was_flagged = before
            .is_some_and(|(_, rank, ..)| AssessmentStatus::from_rank(*rank).is_some_and(is_flag));
        let flagged_since = if !is_flag(assessment.status) {
            None
        } else if was_flagged {
            before
                .and_then(|(_, _, since, ..)| since.as_deref())
                .or(Some(evaluated_on.as_str()))
        } else {
            Some(evaluated_on.as_str())
        };
        upsert_one(
            &mut upsert,
            patient,
            assessment,
            &held,
            record_version,
            &detail,
            &evaluated_on,
            flagged_since,
        )?;
    }
    // Rule sets that no longer apply (a diagnosis removed or refuted) lose their assessment.
    for (ruleset, ..) in stored
        .iter()
        .filter(|s| !assessments.iter().any(|a| a.ruleset == s.0))
    {
        changed = true;
        conn.prepare_cached("DELETE FROM assessments WHERE patient_id = ?1 AND ruleset = ?2")?
            .execute(params![patient.0, ruleset])?;
    }
    Ok(changed)
}

/// Stores the first assessments of a patient who has none (a patient just inserted): what
/// [`save_assessments`] writes for them, without looking for earlier ones.
pub fn insert_assessments(
    conn: &Connection,
    patient: PatientId,
    assessments: &[Assessment],
    record_version: i64,
) -> Result<()> {
    // The same statement as `save_assessments`: with no earlier row, it only inserts.
    let mut insert = conn.prepare_cached(UPSERT)?;
    for assessment in assessments {
        let evaluated_on = format_date(assessment.evaluated_on);
        // A patient just inserted has no review yet whose fingerprint to keep.
        let own = &assessment.fingerprint;
        upsert_one(
            &mut insert,
            patient,
            assessment,
            own,
            record_version,
            &detail_json(assessment, own)?,
            &evaluated_on,
            is_flag(assessment.status).then_some(evaluated_on.as_str()),
        )?;
    }
    Ok(())
}

/// Whether a status is a flag whose first day `flagged_since` keeps ("newly flagged").
fn is_flag(status: AssessmentStatus) -> bool {
    matches!(
        status,
        AssessmentStatus::Refractory | AssessmentStatus::Resistant
    )
}

/// Writes one assessment through the prepared [`UPSERT`].
#[allow(clippy::too_many_arguments)] // one row's columns, each named at the call
fn upsert_one(
    upsert: &mut rusqlite::CachedStatement<'_>,
    patient: PatientId,
    assessment: &Assessment,
    fingerprint: &str,
    record_version: i64,
    detail: &str,
    evaluated_on: &SqlText,
    flagged_since: Option<&str>,
) -> Result<()> {
    upsert.execute(params![
        patient.0,
        assessment.ruleset,
        assessment.ruleset_version,
        record_version,
        assessment.status.as_str(),
        assessment.status.rank(),
        assessment.label,
        detail,
        fingerprint,
        evaluated_on,
        flagged_since,
        assessment.criteria_met_since.map(format_date),
    ])?;
    Ok(())
}

/// The `detail` column: what an assessment says beyond its status and label, and, when it is
/// stored with a review's earlier digest (`held`, see [`held_fingerprint`]), its own.
fn detail_json(assessment: &Assessment, held: &str) -> Result<String> {
    Ok(serde_json::to_string(&DetailRef {
        reasons: &assessment.reasons,
        evidence: &assessment.evidence,
        missing: &assessment.missing,
        confounders: &assessment.confounders,
        citation: &assessment.citation,
        own_fingerprint: (held != assessment.fingerprint).then_some(&assessment.fingerprint),
    })?)
}

/// The fingerprint an assessment is stored with, which reviews are matched against: its own
/// ([`Assessment::content_fingerprint`]: what the cited items are, the diagnoses and the
/// rule-outs), unless the latest review of it was made on a digest an earlier refract wrote
/// (the items' words before review39 F7, what they are before review r5 R5-9, the diagnosis
/// records by their codes before review R8-6, each group of them by its records' codes before
/// ENGINE 32) and still holds. It holds where the stored row (`before`: its fingerprint and detail) carries that
/// review's digest and nothing changed since: on a row an earlier refract wrote, the earlier
/// digest of the assessment as it is now is the review's (or the row's record of what the items
/// were is); on a row this refract wrote, the assessment's own fingerprint is the one the row
/// records beside the review's. That digest is then kept, with the assessment's own beside it
/// in the detail, so that no review stored before a change of digest is asked again for it;
/// once anything the own fingerprint covers changes, it is stored and the review asked again,
/// as for any review. With no stored row (the diagnosis was retracted, then another recorded)
/// nothing tells what the review was made on: it is asked again.
fn held_fingerprint(
    conn: &Connection,
    patient: PatientId,
    assessment: &Assessment,
    before: Option<(&str, &str)>,
) -> Result<String> {
    let own = &assessment.fingerprint;
    let Some((stored, detail)) = before else {
        return Ok(own.clone());
    };
    if stored == own {
        return Ok(own.clone());
    }
    let reviewed: Option<String> = conn
        .prepare_cached(
            "SELECT fingerprint FROM reviews WHERE patient_id = ?1 AND ruleset = ?2
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row(params![patient.0, assessment.ruleset], |row| row.get(0))
        .optional()?;
    let Some(reviewed) = reviewed.filter(|reviewed| reviewed != own && reviewed == stored) else {
        return Ok(own.clone());
    };
    let Ok(detail) = serde_json::from_str::<super::read::AssessmentDetail>(detail) else {
        return Ok(own.clone());
    };
    // Written by this refract: the assessment is as it was when the row kept the review; by
    // one that keyed diagnoses by their codes (before review R8-6) or each group of them by its
    // records' codes (before ENGINE 32), its own digest was that one. Else by an earlier
    // refract, which knew only the earlier digests.
    // The earlier digests are made of the records now, and of them without another source's
    // copy of a diagnosis that adds nothing to the rules' reading: the run after an upgrade may
    // be the import that brings the copy (review R8-6's leftover, H6).
    let earlier = assessment.earlier_fingerprints();
    let holds = if let Some(recorded) = &detail.own_fingerprint {
        recorded == own || earlier.contains(recorded)
    } else {
        let items = assessment.items_fingerprint();
        reviewed == items
            || earlier.contains(&reviewed)
            || reviewed == assessment.words_fingerprint()
            || detail.content_fingerprint.as_ref() == Some(&items)
    };
    Ok(if holds { reviewed } else { own.clone() })
}

/// `read::AssessmentDetail` borrowed, to serialise without copying.
#[derive(serde::Serialize)]
struct DetailRef<'a> {
    reasons: &'a [String],
    evidence: &'a [crate::domain::Evidence],
    missing: &'a [String],
    confounders: &'a [crate::domain::Confounder],
    citation: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    own_fingerprint: Option<&'a String>,
}

/// `(patient id, record version)` for the ids in `from..=to`, in id order.
pub fn record_versions(conn: &Connection, from: i64, to: i64) -> Result<Vec<(i64, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, record_version FROM patients WHERE id BETWEEN ?1 AND ?2 ORDER BY id",
    )?;
    let rows = stmt.query_map(params![from, to], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Stores one patient's fresh assessments, stamps them as evaluated for what `evaluated` names,
/// and refreshes their list row: every evaluation of one patient ends this way.
pub fn save_evaluation(
    conn: &Connection,
    patient: PatientId,
    assessments: &[Assessment],
    evaluated: &Evaluated<'_>,
) -> Result<()> {
    save_assessments(conn, patient, assessments, evaluated)?;
    stamp_evaluated(
        conn,
        patient.0,
        patient.0,
        evaluated.rules_stamp,
        evaluated.today,
    )?;
    refresh_list_row(conn, patient, evaluated.today, now_utc())?;
    Ok(())
}

/// Marks the stale patients with ids in `from..=to` as evaluated (under `rules_stamp`, at
/// their current record version, on `today`). Call it in the transaction that read and saved
/// their assessments, so no change can slip in between.
pub fn stamp_evaluated(
    conn: &Connection,
    from: i64,
    to: i64,
    rules_stamp: &str,
    today: NaiveDate,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE patients SET eval_rules = ?3, eval_on = ?4, eval_record = record_version
         WHERE id BETWEEN ?1 AND ?2 AND (eval_rules <> ?3 OR eval_on <> ?4 OR eval_record <> record_version)",
    )?
    .execute(params![from, to, rules_stamp, format_date(today)])?;
    Ok(())
}

/// Recomputes the overdue mark of every patient with way-forward steps or tasks: a day passing
/// makes due dates overdue without any other change.
pub fn refresh_overdue(conn: &Connection, today: NaiveDate) -> Result<usize> {
    Ok(conn
        .prepare_cached(
            "UPDATE patients SET list_wf_overdue = (
                 EXISTS (SELECT 1 FROM way_forward w WHERE w.patient_id = patients.id
                         AND w.status IN ('todo', 'in_progress') AND w.due < ?1)
                 OR EXISTS (SELECT 1 FROM tasks t WHERE t.patient_id = patients.id
                            AND t.status = 'open' AND t.due < ?1))
             WHERE id IN (SELECT patient_id FROM way_forward UNION SELECT patient_id FROM tasks)
               AND list_wf_overdue <> (
                 EXISTS (SELECT 1 FROM way_forward w WHERE w.patient_id = patients.id
                         AND w.status IN ('todo', 'in_progress') AND w.due < ?1)
                 OR EXISTS (SELECT 1 FROM tasks t WHERE t.patient_id = patients.id
                            AND t.status = 'open' AND t.due < ?1))",
        )?
        .execute(params![format_date(today)])?)
}

/// Stored `criteria_met_since` days that still hold, by (patient, rule set): the patient's
/// record and the rules are those the day was computed from, and only the run day moved (a day
/// passing makes every patient stale). Evaluations as of earlier days read only what the record
/// held then, so the search for the day need not run again (`Rules::evaluate_keeping`).
#[derive(Debug, Clone, Default)]
pub struct KnownSince(Vec<(i64, String, NaiveDate)>);

impl KnownSince {
    /// The stored day of `patient`'s flag for `ruleset`, if it still holds.
    pub fn get(&self, patient: PatientId, ruleset: &str) -> Option<NaiveDate> {
        let from = self.0.partition_point(|(id, ..)| *id < patient.0);
        self.0[from..]
            .iter()
            .take_while(|(id, ..)| *id == patient.0)
            .find(|(_, set, _)| set == ruleset)
            .map(|(.., day)| *day)
    }
}

/// The [`KnownSince`] of the patients with ids in `from..=to`.
fn known_since(conn: &Connection, from: i64, to: i64, rules_stamp: &str) -> Result<KnownSince> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.patient_id, a.ruleset, a.criteria_met_since
         FROM patients p JOIN assessments a ON a.patient_id = p.id
         WHERE p.id BETWEEN ?1 AND ?2 AND p.eval_rules = ?3 AND p.eval_record = p.record_version
           AND a.record_version = p.record_version AND a.criteria_met_since IS NOT NULL
         ORDER BY a.patient_id",
    )?;
    let mut rows = stmt.query(params![from, to, rules_stamp])?;
    let mut known = Vec::new();
    while let Some(row) = rows.next()? {
        let day: String = row.get(2)?;
        known.push((
            row.get(0)?,
            row.get(1)?,
            super::sql_types::parse_date("assessments.criteria_met_since", &day)?,
        ));
    }
    Ok(KnownSince(known))
}

/// The patients in `from..=to` evaluated under other rules whose lines refract derives (an
/// imported record: lines derived before, or drugs or conditions from an import). Lines are derived
/// when an import writes a record; without this, a change of the line rules (a release, a
/// team's `--rules`) would never reach the lines of records imported before it, and the
/// assessments that count lines would count the old ones.
fn lines_to_derive_again(
    conn: &Connection,
    from: i64,
    to: i64,
    rules_stamp: &str,
) -> Result<Vec<PatientId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.id FROM patients p
         WHERE p.id BETWEEN ?1 AND ?2 AND p.eval_rules <> ?3
           AND (EXISTS (SELECT 1 FROM treatment_lines l
                        WHERE l.patient_id = p.id AND l.origin = 'derived')
                OR EXISTS (SELECT 1 FROM drug_exposures d
                           WHERE d.patient_id = p.id AND d.source IN ('fhir', 'import'))
                OR EXISTS (SELECT 1 FROM conditions c
                           WHERE c.patient_id = p.id AND c.source IN ('fhir', 'import')))
         ORDER BY p.id",
    )?;
    let rows = stmt.query_map(params![from, to, rules_stamp], |row| {
        Ok(PatientId(row.get(0)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Derives a patient's lines again: `derive` is given their record without its derived lines
/// (what the team entered or corrected stays, and decides as it does on import). When the
/// lines differ from the stored ones, they replace them, the record version moves on, and
/// `record` is read back with the lines' new ids. Returns whether they differed.
fn derive_lines_again(
    conn: &Connection,
    record: &mut PatientRecord,
    derive: &impl Fn(&PatientRecord) -> Vec<TreatmentLine>,
) -> Result<bool> {
    let Some(patient) = record.patient.as_ref().map(|p| p.id) else {
        return Ok(false);
    };
    let mut basis = record.clone();
    basis
        .lines
        .retain(|line| line.origin != LineOrigin::Derived);
    let fresh = derive(&basis);
    let stored: Vec<TreatmentLine> = record
        .lines
        .iter()
        .filter(|line| line.origin == LineOrigin::Derived)
        .cloned()
        .collect();
    if same_lines(stored, fresh.clone()) {
        return Ok(false);
    }
    super::write::delete_derived_lines(conn, patient)?;
    let mut writer = super::write::RecordWriter::new(conn)?;
    for line in &fresh {
        writer.insert_line(patient, line)?;
    }
    conn.prepare_cached("UPDATE patients SET record_version = record_version + 1 WHERE id = ?1")?
        .execute([patient.0])?;
    *record = super::read::read_record(conn, patient)?;
    Ok(true)
}

/// Whether two sets of lines say the same, whatever their row ids and order.
fn same_lines(mut a: Vec<TreatmentLine>, mut b: Vec<TreatmentLine>) -> bool {
    for line in a.iter_mut().chain(b.iter_mut()) {
        line.id = 0;
    }
    let key = |line: &TreatmentLine| (line.ruleset.clone(), line.number, line.start);
    a.sort_by_key(key);
    b.sort_by_key(key);
    a == b
}

/// What an evaluation was computed from.
#[derive(Debug, Clone, Copy)]
pub struct Evaluated<'a> {
    pub rules_stamp: &'a str,
    pub record_version: i64,
    pub today: NaiveDate,
}

impl Store {
    /// Brings the stale patients of `chunk` (ids in increasing order, within `ids`) up to
    /// date in one transaction: load their records, derive again the lines of those evaluated
    /// under other rules (see [`derive_lines_again`]), `evaluate` them, save what changed,
    /// refresh the list rows that changed, and stamp the range as evaluated. `evaluate` is
    /// given the flags' stored `criteria_met_since` days that still hold. A change another
    /// process makes to these patients waits for us, so the stamp never covers data the
    /// evaluation did not see. Returns (patients, assessments).
    pub fn evaluate_stale(
        &mut self,
        ids: std::ops::RangeInclusive<i64>,
        chunk: &[PatientId],
        rules_stamp: &str,
        today: NaiveDate,
        derive_lines: impl Fn(&PatientRecord) -> Vec<TreatmentLine>,
        evaluate: impl FnOnce(&[PatientRecord], &KnownSince) -> Vec<Vec<Assessment>>,
    ) -> Result<(usize, usize)> {
        let (first, last) = (*ids.start(), *ids.end());
        self.write(|tx| {
            let known = known_since(tx, first, last, rules_stamp)?;
            let mut records = load_records(tx, first, last)?;
            records.retain(|record| {
                record
                    .patient
                    .as_ref()
                    .is_some_and(|p| chunk.binary_search(&p.id).is_ok())
            });
            let again = lines_to_derive_again(tx, first, last, rules_stamp)?;
            let mut lines_changed = Vec::new();
            for record in &mut records {
                let Some(id) = record.patient.as_ref().map(|p| p.id) else {
                    continue;
                };
                if again.binary_search(&id).is_ok()
                    && derive_lines_again(tx, record, &derive_lines)?
                {
                    lines_changed.push(id);
                }
            }
            let versions = record_versions(tx, first, last)?;
            let results = evaluate(&records, &known);
            for (record, assessments) in records.iter().zip(&results) {
                let Some(patient) = record.patient.as_ref() else {
                    continue;
                };
                let record_version = versions
                    .binary_search_by_key(&patient.id.0, |(id, _)| *id)
                    .map_or(0, |i| versions[i].1);
                let evaluated = Evaluated {
                    rules_stamp,
                    record_version,
                    today,
                };
                let saved = save_assessments(tx, patient.id, assessments, &evaluated)?;
                if saved || lines_changed.contains(&patient.id) {
                    refresh_list_row_if_changed(tx, patient.id, today, now_utc())?;
                }
            }
            stamp_evaluated(tx, first, last, rules_stamp, today)?;
            Ok((records.len(), results.iter().map(Vec::len).sum::<usize>()))
        })
    }

    /// The first assessments (by patient id, then rule set) at `at_least` or more severe, up
    /// to `limit`: a bounded sample of flagged patients at any size.
    pub fn first_flagged(
        &self,
        at_least: AssessmentStatus,
        limit: usize,
    ) -> Result<Vec<(PatientId, String)>> {
        // `+status_rank` keeps the planner off the status index: walking the primary key in id
        // order and stopping at the limit reads a few pages at any size, where the index would
        // collect every flagged row of a million patients to sort them.
        let mut stmt = self.conn.prepare_cached(
            "SELECT patient_id, ruleset FROM assessments WHERE +status_rank >= ?1
             ORDER BY patient_id, ruleset LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![at_least.rank(), limit as i64], |row| {
            Ok((PatientId(row.get(0)?), row.get(1)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The first assessments (by patient id, then rule set) with one of `statuses`, up to
    /// `limit`.
    pub fn first_with_status(
        &self,
        statuses: &[AssessmentStatus],
        limit: usize,
    ) -> Result<Vec<(PatientId, String)>> {
        // Machine names are fixed identifiers, written into the SQL as literals so that the
        // planner sees the same list a hand-written query would give it.
        let names: Vec<String> = statuses
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT patient_id, ruleset FROM assessments WHERE status IN ({})
             ORDER BY patient_id, ruleset LIMIT ?1",
            names.join(", ")
        ))?;
        let rows = stmt.query_map(params![limit as i64], |row| {
            Ok((PatientId(row.get(0)?), row.get(1)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The record version of a patient (bumped by every change to clinical data).
    pub fn record_version(&self, patient: PatientId) -> Result<i64> {
        Ok(self
            .conn
            .prepare_cached("SELECT record_version FROM patients WHERE id = ?1")?
            .query_row([patient.0], |row| row.get(0))?)
    }

    /// Up to `limit` stale patients with ids above `after`, in id order: a pass over a large
    /// file a chunk at a time, holding one chunk of ids rather than all of them.
    pub fn stale_patients_after(
        &self,
        rules_stamp: &str,
        today: NaiveDate,
        after: PatientId,
        limit: usize,
    ) -> Result<Vec<PatientId>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM patients
             WHERE id > ?3 AND (eval_rules <> ?1 OR eval_on <> ?2 OR eval_record <> record_version)
             ORDER BY id LIMIT ?4",
        )?;
        let rows = stmt.query_map(
            params![rules_stamp, format_date(today), after.0, limit as i64],
            |row| Ok(PatientId(row.get(0)?)),
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The highest patient id (0 when empty): the end of a pass in id order.
    pub fn max_patient_id(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT coalesce(max(id), 0) FROM patients", [], |row| {
                row.get(0)
            })?)
    }

    /// Patients whose stored assessments are stale: never evaluated, or evaluated from
    /// another version of their record, of the rules, or on another day (windows such as
    /// "the last 6 months" move with time). In id order.
    pub fn stale_patients(&self, rules_stamp: &str, today: NaiveDate) -> Result<Vec<PatientId>> {
        let mut stmt = self.conn.prepare(
            "SELECT id FROM patients
             WHERE eval_rules <> ?1 OR eval_on <> ?2 OR eval_record <> record_version
             ORDER BY id",
        )?;
        let rows = stmt.query_map(params![rules_stamp, format_date(today)], |row| {
            Ok(PatientId(row.get(0)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Stores one patient's fresh assessments and refreshes their list row.
    pub fn store_assessments(
        &mut self,
        patient: PatientId,
        assessments: &[Assessment],
        evaluated: &Evaluated<'_>,
    ) -> Result<()> {
        self.write(|tx| save_evaluation(tx, patient, assessments, evaluated))
    }

    /// Confirms or dismisses a patient's assessment for one rule set, with a rationale; audited.
    /// The review holds while the assessment's evidence is unchanged. It is recorded against the
    /// assessment as it is now: a person who read it earlier uses [`Store::review_checked`].
    pub fn review(
        &mut self,
        patient: PatientId,
        ruleset: &str,
        decision: ReviewDecision,
        rationale: &str,
        today: NaiveDate,
    ) -> Result<i64> {
        self.review_checked(
            patient,
            ruleset,
            decision,
            rationale,
            &ReviewSeen::default(),
            today,
        )
    }

    /// [`Store::review`], refused when the assessment or its review changed since the person
    /// read them (`seen`): a dismissal typed against "insufficient data" is never recorded
    /// against the "refractory" an import made meanwhile, and a colleague's review made in
    /// between is not replaced without notice.
    pub fn review_checked(
        &mut self,
        patient: PatientId,
        ruleset: &str,
        decision: ReviewDecision,
        rationale: &str,
        seen: &ReviewSeen,
        today: NaiveDate,
    ) -> Result<i64> {
        let auditor = AuditWriter::new(self.user.clone());
        self.write(|tx| {
            let id = record_review(
                tx,
                &auditor,
                patient,
                ruleset,
                decision,
                rationale,
                now_utc(),
                seen,
            )?;
            refresh_list_row(tx, patient, today, now_utc())?;
            Ok(id)
        })
    }
}

/// What a person saw when they began a review, for [`Store::review_checked`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewSeen {
    /// The fingerprint of the assessment they read; `None` reviews it as it is now (what
    /// `refract review` without `--fingerprint` does).
    pub fingerprint: Option<String>,
    /// The latest review they saw: `Some(None)` when there was none, `Some(Some(id))` the
    /// review with that id; `None` does not check.
    pub review: Option<Option<i64>>,
    /// Record it over the colleague's review the person was shown since (its id; audited as an
    /// overwrite). A review recorded after that one was never seen, and refuses it again; an
    /// assessment that changed is never overwritten: the person reads it again first.
    pub overwrite: Option<i64>,
}

/// Writes a review of the patient's current assessment for `ruleset`, and its audit row, checked
/// against what the person saw (`seen`). The caller owns the transaction and refreshes the list
/// row.
#[allow(clippy::too_many_arguments)]
pub fn record_review(
    conn: &Connection,
    auditor: &AuditWriter,
    patient: PatientId,
    ruleset: &str,
    decision: ReviewDecision,
    rationale: &str,
    at: chrono::NaiveDateTime,
    seen: &ReviewSeen,
) -> Result<i64> {
    let rationale = rationale.trim();
    if rationale.is_empty() {
        return Err(StoreError::Invalid(String::from(
            "a review needs a rationale",
        )));
    }
    let current: Option<(String, String, String)> = conn
        .prepare_cached("SELECT status, label, fingerprint FROM assessments WHERE patient_id = ?1 AND ruleset = ?2")?
        .query_row(params![patient.0, ruleset], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .optional()?;
    let Some((status, label, fingerprint)) = current else {
        return Err(StoreError::Invalid(format!(
            "no assessment of {ruleset} to review for this patient"
        )));
    };
    if let Some(seen) = &seen.fingerprint
        && *seen != fingerprint
    {
        return Err(StoreError::AssessmentChanged {
            status: parse_code("assessments.status", &status, AssessmentStatus::parse)?,
            label,
            fingerprint,
        });
    }
    let before: Option<(i64, String, String, String, String)> = conn
        .prepare_cached(
            "SELECT id, decision, fingerprint, rationale, by FROM reviews
             WHERE patient_id = ?1 AND ruleset = ?2 ORDER BY id DESC LIMIT 1",
        )?
        .query_row(params![patient.0, ruleset], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
            ))
        })
        .optional()?;
    // A colleague's review recorded since the person read the assessment (the fingerprint is
    // the one they read, so it is about the same evidence). Recorded over only when it is the
    // very review the person was shown. Their own review since is no colleague's: they know
    // it, and a second decision of theirs (a mind changed) is recorded as any review is.
    let overwrote = match (&seen.review, &before) {
        (Some(seen_review), Some((latest, decision, _, rationale, by)))
            if *seen_review != Some(*latest) && *by != auditor.who() =>
        {
            if seen.overwrite != Some(*latest) {
                let by = last_change(conn, "reviews", *latest, &[])?;
                let mut theirs = serde_json::Map::new();
                theirs.insert(String::from("decision"), decision.clone().into());
                theirs.insert(String::from("rationale"), rationale.clone().into());
                return Err(StoreError::Conflict(Box::new(Conflict {
                    fields: vec![String::from("decision")],
                    theirs,
                    in_words: std::collections::BTreeMap::new(),
                    by,
                    version: *latest,
                })));
            }
            true
        }
        _ => false,
    };
    let before_state = match &before {
        Some((_, decision, reviewed, _, _)) if *reviewed == fingerprint => decision.clone(),
        _ => String::from(ReviewState::Unreviewed.as_str()),
    };
    let mut before_json = serde_json::json!({ "ruleset": ruleset, "review": before_state, "status": status, "label": label });
    // Saved over a colleague's review: the row keeps what it replaced, in their words.
    if let (true, Some((_, _, _, rationale, by)), Some(row)) =
        (overwrote, &before, before_json.as_object_mut())
    {
        row.insert(String::from("rationale"), rationale.clone().into());
        row.insert(String::from("by"), by.clone().into());
    }
    conn.prepare_cached(
        "INSERT INTO reviews (patient_id, ruleset, decision, status, rationale, by, at, fingerprint)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        patient.0,
        ruleset,
        decision.as_str(),
        status,
        rationale,
        auditor.who(),
        format_datetime(at),
        fingerprint
    ])?;
    let id = conn.last_insert_rowid();
    auditor.record_at(
        conn,
        at,
        Change {
            action: match (decision, overwrote) {
                (ReviewDecision::Confirmed, false) => "review.confirm",
                (ReviewDecision::Dismissed, false) => "review.dismiss",
                (ReviewDecision::Confirmed, true) => "review.confirm.overwrite",
                (ReviewDecision::Dismissed, true) => "review.dismiss.overwrite",
            },
            entity: "reviews",
            entity_id: Some(id),
            patient_id: Some(patient),
        },
        Some(&before_json),
        Some(&serde_json::json!({
            "ruleset": ruleset,
            "review": decision.as_str(),
            "rationale": rationale,
            "status": status,
            "label": label,
        })),
    )?;
    Ok(id)
}
