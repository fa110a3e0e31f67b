//! Joining two stored patients who are one person: a source's merge (R4 `Patient.link`
//! `replaces` / `replaced-by`) or the team's `--same-system` found them stored apart. The
//! replaced record's resources, identifiers and team work go to the kept one, each move written
//! to the audit log with before and after; the replaced record is then removed, and the audit
//! row of the join is what later says where it went (`show OLDMRN`).

use rusqlite::{Connection, OptionalExtension, params};

use super::audit::{AuditWriter, Change};
use super::imports::{
    ImportTx, audit_body, describe_patient, mark_dirty, patient_id_system, replaced_patient_system,
};
use super::{Result, Store, StoreError};
use crate::domain::{DatePrecision, Patient, PatientId, Sex};

/// The audit action of a join; its `before` holds the replaced record's MRN.
pub const JOIN_ACTION: &str = "import.patient.join";

/// The team's work kept per patient with a row id of its own and nothing unique beside it:
/// moved as it is.
const TEAM_TABLES: [&str; 7] = [
    "reviews",
    "notes",
    "tasks",
    "meeting_cases",
    "options",
    "wellbeing_goals",
    "referrals",
];

/// Clinical rows entered by hand (the import's own are rebuilt from the ledger), by the column
/// that tells them apart.
const ENTERED_TABLES: [(&str, &str); 4] = [
    ("conditions", "source <> 'fhir'"),
    ("drug_exposures", "source <> 'fhir'"),
    ("procedures", "source <> 'fhir'"),
    ("treatment_lines", "origin <> 'derived'"),
];

impl Store {
    /// Why two stored records cannot be one person, if they cannot: their birth dates (to the
    /// precision both give) or their sexes, where both are known, differ.
    pub fn join_conflict(&self, a: PatientId, b: PatientId) -> Result<Option<String>> {
        let (a, b) = (self.patient(a)?, self.patient(b)?);
        Ok(conflict(&a, &b))
    }

    /// The patient a record joined into another was kept as: (its MRN then, the kept one's MRN
    /// now, the day), from the audit row of the join.
    pub fn joined_into(&self, mrn: &str) -> Result<Option<(String, String, String)>> {
        // A joined record's identifiers are the kept patient's: a number no one carries was
        // never joined, and is answered without reading the audit log (which has no index by
        // action, and grows with every change the team makes).
        let carried: bool = self
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM patient_identifiers WHERE value = ?1)")?
            .query_row([mrn], |row| row.get(0))?;
        if !carried {
            return Ok(None);
        }
        let kept: Option<(i64, String)> = self
            .conn
            .prepare_cached(
                "SELECT patient_id, substr(at, 1, 10) FROM audit_log
                 WHERE action = ?1 AND json_extract(before, '$.mrn') = ?2
                 ORDER BY id DESC LIMIT 1",
            )?
            .query_row(params![JOIN_ACTION, mrn], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()?;
        let Some((kept, day)) = kept else {
            return Ok(None);
        };
        let now: Option<String> = self
            .conn
            .prepare_cached("SELECT mrn FROM patients WHERE id = ?1")?
            .query_row([kept], |row| row.get(0))
            .optional()?;
        Ok(now.map(|now| (mrn.to_owned(), now, day)))
    }

    /// The day a stored patient was joined into another record of the same person and removed
    /// (`None` while the record is there, or when it went otherwise): what a screen still open
    /// on it says when its save or its reload finds it gone.
    pub fn joined_away(&self, patient: PatientId) -> Result<Option<String>> {
        let exists: bool = self
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM patients WHERE id = ?1)")?
            .query_row([patient.0], |row| row.get(0))?;
        if exists {
            return Ok(None);
        }
        // Read only once the record is gone (a refused save, a failed reload): the audit log
        // has no index by entity, and this is no path a screen takes while all is well.
        Ok(self
            .conn
            .prepare_cached(
                "SELECT substr(at, 1, 10) FROM audit_log
                 WHERE action = ?1 AND entity = 'patients' AND entity_id = ?2
                 ORDER BY id DESC LIMIT 1",
            )?
            .query_row(params![JOIN_ACTION, patient.0], |row| row.get(0))
            .optional()?)
    }
}

/// The stored record that `patient`, removed by a join, lives on as: the kept record of its
/// join, or of that record's own later join (`None` while `patient` is stored, or when it went
/// otherwise). What a change begun on the removed record and carried by a row the join moved
/// (a meeting case) is written on.
pub(super) fn kept_record(conn: &Connection, patient: PatientId) -> Result<Option<PatientId>> {
    let stored = |id: i64| -> Result<bool> {
        Ok(conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM patients WHERE id = ?1)")?
            .query_row([id], |row| row.get(0))?)
    };
    let mut at = patient.0;
    // Each join removes a record, and a removed record's number is never given again, so the
    // chain ends; the bound only keeps a damaged audit log from looping.
    for _ in 0..64 {
        if stored(at)? {
            return Ok((at != patient.0).then_some(PatientId(at)));
        }
        let next: Option<Option<i64>> = conn
            .prepare_cached(
                "SELECT patient_id FROM audit_log
                 WHERE action = ?1 AND entity = 'patients' AND entity_id = ?2
                 ORDER BY id DESC LIMIT 1",
            )?
            .query_row(params![JOIN_ACTION, at], |row| row.get(0))
            .optional()?;
        match next.flatten() {
            Some(kept) if kept != at => at = kept,
            _ => return Ok(None),
        }
    }
    Ok(None)
}

fn conflict(a: &Patient, b: &Patient) -> Option<String> {
    if let (Some(x), Some(y)) = (a.birth_date, b.birth_date) {
        let coarser = match (a.birth_precision, b.birth_precision) {
            (DatePrecision::Year, _) | (_, DatePrecision::Year) => "%Y",
            (DatePrecision::Month, _) | (_, DatePrecision::Month) => "%Y-%m",
            _ => "%Y-%m-%d",
        };
        if x.format(coarser).to_string() != y.format(coarser).to_string() {
            return Some(format!("their birth dates differ ({x} and {y})"));
        }
    }
    let known = |sex: Sex| !matches!(sex, Sex::Unknown);
    if known(a.sex) && known(b.sex) && a.sex != b.sex {
        return Some(format!(
            "their sexes differ ({} and {})",
            a.sex.as_str(),
            b.sex.as_str()
        ));
    }
    None
}

impl ImportTx<'_> {
    /// Joins `replaced` into `kept` (see the module's documentation); `why` is the reason, in
    /// words. Returns what an import says of it.
    /// `merged`: the source merged the records (`Patient.link`), so that the replaced record's
    /// Patient ids are kept as merged into `kept`: read again, they never replace its
    /// demographics (see `IdentityLookup::merged_away`).
    pub fn join_patients(
        &self,
        replaced: PatientId,
        kept: PatientId,
        why: &str,
        merged: bool,
    ) -> Result<String> {
        join(self.conn(), self.auditor(), (replaced, kept), why, merged)
    }
}

fn join(
    conn: &Connection,
    auditor: &AuditWriter,
    (replaced, kept): (PatientId, PatientId),
    why: &str,
    merged: bool,
) -> Result<String> {
    if replaced == kept {
        return Err(StoreError::Invalid(String::from(
            "a patient cannot be joined with themselves",
        )));
    }
    let old_words = describe_patient(conn, replaced)?;
    let kept_words = describe_patient(conn, kept)?;
    let mrn: String = conn.query_row(
        "SELECT mrn FROM patients WHERE id = ?1",
        [replaced.0],
        |row| row.get(0),
    )?;
    move_ledger(conn, auditor, replaced, kept)?;
    let before_reviews = latest_reviews(conn, kept)?;
    note_reviews(conn, auditor, replaced, kept, &mrn)?;
    for table in TEAM_TABLES {
        move_rows(conn, auditor, (table, "1"), replaced, kept)?;
    }
    keep_kept_reviews_current(conn, auditor, kept, &before_reviews)?;
    move_keyed_work(conn, auditor, replaced, kept, &mrn)?;
    for (table, entered) in ENTERED_TABLES {
        move_rows(conn, auditor, (table, entered), replaced, kept)?;
    }
    move_entered_observations(conn, auditor, replaced, kept)?;
    for table in ["patient_names", "death_reports", "alive_reports"] {
        let columns = match table {
            "patient_names" => "family_name, given_name",
            "death_reports" => "source, said, deceased_date",
            _ => "source, said",
        };
        conn.execute(
            &format!(
                "INSERT OR IGNORE INTO {table} (patient_id, {columns})
                 SELECT ?2, {columns} FROM {table} WHERE patient_id = ?1"
            ),
            params![replaced.0, kept.0],
        )?;
    }
    conn.execute(
        "UPDATE kept_aside SET attached_to = ?2 WHERE attached_to = ?1",
        params![replaced.0, kept.0],
    )?;
    let identifiers: Vec<(String, String)> = conn
        .prepare("SELECT system, value FROM patient_identifiers WHERE patient_id = ?1")?
        .query_map([replaced.0], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if merged {
        conn.execute(
            "INSERT OR IGNORE INTO patient_identifiers (system, value, patient_id, record)
             SELECT ?3 || substr(system, length(?4) + 1), value, ?2, coalesce(record, ?1)
             FROM patient_identifiers
             WHERE patient_id = ?1 AND substr(system, 1, length(?4)) = ?4",
            params![
                replaced.0,
                kept.0,
                replaced_patient_system(""),
                patient_id_system("")
            ],
        )?;
    }
    // Each keeps the record it came with (see `imports::record_subjects`): a record joined
    // into the replaced one before is still its own.
    conn.execute(
        "UPDATE patient_identifiers SET patient_id = ?2, record = coalesce(record, ?1)
         WHERE patient_id = ?1",
        params![replaced.0, kept.0],
    )?;
    let record: serde_json::Value = conn
        .query_row(
            "SELECT json_object('mrn', mrn, 'mrn_system', mrn_system, 'family_name', family_name,
                'given_name', given_name, 'birth_date', birth_date, 'sex', sex,
                'deceased_date', deceased_date, 'care_team', care_team, 'source', source)
         FROM patients WHERE id = ?1",
            [replaced.0],
            |row| row.get::<_, String>(0),
        )
        .map(|text| serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))?;
    let mut before = record;
    if let Some(fields) = before.as_object_mut() {
        fields.insert("patient".into(), replaced.0.into());
        fields.insert(
            "identifiers".into(),
            identifiers
                .iter()
                .map(|(system, value)| format!("{system}|{value}"))
                .collect::<Vec<_>>()
                .into(),
        );
    }
    let after = serde_json::json!({
        "patient": kept.0, "into": kept_words, "why": why,
    });
    auditor.record(
        conn,
        Change {
            action: JOIN_ACTION,
            entity: "patients",
            entity_id: Some(replaced.0),
            patient_id: Some(kept),
        },
        Some(&before),
        Some(&after),
    )?;
    // Its imported rows and assessments go with it (the kept record's are rebuilt from the
    // ledger, which now holds both); everything the team wrote was moved above.
    conn.execute("DELETE FROM patients WHERE id = ?1", [replaced.0])?;
    // Its number is never given again (see `write::NEXT_PATIENT_ID`): a screen still on it
    // refuses its saves rather than filing them under a patient imported later.
    super::write::keep_removed_patient_numbers(conn, replaced.0)?;
    mark_dirty(conn, kept)?;
    Ok(format!(
        "joined {old_words} into {kept_words}: {why}; its records and the team's work are \
         theirs now"
    ))
}

/// Audits each ledger resource filed under `replaced` as moved to `kept` (the identifiers that
/// file them move after).
fn move_ledger(
    conn: &Connection,
    auditor: &AuditWriter,
    replaced: PatientId,
    kept: PatientId,
) -> Result<()> {
    let prefix = patient_id_system("");
    let rows: Vec<(i64, String, String, String, Option<String>, String)> = conn
        .prepare(
            "SELECT f.row, f.source, f.type, f.id, f.subject, f.body FROM fhir_resources f
             JOIN patient_identifiers i ON i.system = ?2 || f.source AND i.value = f.subject
             WHERE i.patient_id = ?1 ORDER BY f.row",
        )?
        .query_map(params![replaced.0, prefix], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
                row.get(5)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (row, source, kind, id, subject, body) in rows {
        let was = serde_json::json!({
            "source": source, "type": kind, "id": id, "subject": subject,
            "patient": replaced.0, "body": audit_body(&body),
        });
        let is = serde_json::json!({
            "source": source, "type": kind, "id": id, "subject": subject,
            "patient": kept.0, "body": audit_body(&body),
        });
        auditor.record(
            conn,
            Change {
                action: "import.resource.move",
                entity: "fhir_resources",
                entity_id: Some(row),
                patient_id: Some(kept),
            },
            Some(&was),
            Some(&is),
        )?;
    }
    Ok(())
}

fn audit_move(
    conn: &Connection,
    auditor: &AuditWriter,
    table: &str,
    row: i64,
    (replaced, kept): (PatientId, PatientId),
) -> Result<()> {
    auditor.record(
        conn,
        Change {
            action: "import.join.move",
            entity: table,
            entity_id: Some(row),
            patient_id: Some(kept),
        },
        Some(&serde_json::json!({ "patient": replaced.0 })),
        Some(&serde_json::json!({ "patient": kept.0 })),
    )?;
    Ok(())
}

/// Moves the rows of `table` that are the replaced patient's and `which` selects (SQL over the
/// table's columns; "1" for all), each move audited.
fn move_rows(
    conn: &Connection,
    auditor: &AuditWriter,
    (table, which): (&str, &str),
    replaced: PatientId,
    kept: PatientId,
) -> Result<()> {
    let rows: Vec<i64> = conn
        .prepare(&format!(
            "SELECT id FROM {table} WHERE patient_id = ?1 AND {which} ORDER BY id"
        ))?
        .query_map([replaced.0], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for row in rows {
        conn.execute(
            &format!("UPDATE {table} SET patient_id = ?2 WHERE id = ?1"),
            params![row, kept.0],
        )?;
        audit_move(conn, auditor, table, row, (replaced, kept))?;
    }
    Ok(())
}

/// Observations are numbered per patient: one entered by hand takes the next free number.
fn move_entered_observations(
    conn: &Connection,
    auditor: &AuditWriter,
    replaced: PatientId,
    kept: PatientId,
) -> Result<()> {
    let rows: Vec<i64> = conn
        .prepare(
            "SELECT id FROM observations WHERE patient_id = ?1 AND source <> 'fhir' ORDER BY id",
        )?
        .query_map([replaced.0], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for row in rows {
        let next: i64 = conn.query_row(
            "SELECT coalesce(max(id), 0) + 1 FROM observations WHERE patient_id = ?1",
            [kept.0],
            |row| row.get(0),
        )?;
        conn.execute(
            "UPDATE observations SET patient_id = ?3, id = ?4 WHERE patient_id = ?1 AND id = ?2",
            params![replaced.0, row, kept.0, next],
        )?;
        audit_move(conn, auditor, "observations", next, (replaced, kept))?;
    }
    Ok(())
}

/// Writes a note on the kept patient for each review of the replaced record: the reviews move
/// as history (see [`keep_kept_reviews_current`]), and a note is where the team sees them.
fn note_reviews(
    conn: &Connection,
    auditor: &AuditWriter,
    replaced: PatientId,
    kept: PatientId,
    old_mrn: &str,
) -> Result<()> {
    let reviews: Vec<(i64, String)> = conn
        .prepare(
            "SELECT id, ruleset || ': ' || decision || ' by ' || by || ' on ' || substr(at, 1, 10)
                    || ' (the record read ' || status || '): ' || rationale
             FROM reviews WHERE patient_id = ?1 ORDER BY id",
        )?
        .query_map([replaced.0], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (review, text) in reviews {
        add_note(
            conn,
            auditor,
            ("reviews", review),
            (replaced, kept),
            &format!("From the merged record MRN {old_mrn}: review of {text}"),
        )?;
    }
    Ok(())
}

/// A note on the kept patient carrying what the replaced record held (`from`: its table and
/// row), audited.
fn add_note(
    conn: &Connection,
    auditor: &AuditWriter,
    (table, row): (&str, i64),
    (replaced, kept): (PatientId, PatientId),
    note: &str,
) -> Result<()> {
    conn.execute(
        "INSERT INTO notes (patient_id, author, at, text) VALUES (?1, ?2, ?3, ?4)",
        params![
            kept.0,
            auditor.who(),
            super::sql_types::format_datetime(super::now_utc()),
            note
        ],
    )?;
    auditor.record(
        conn,
        Change {
            action: "import.join.note",
            entity: table,
            entity_id: Some(row),
            patient_id: Some(kept),
        },
        Some(&serde_json::json!({ "patient": replaced.0 })),
        Some(&serde_json::json!({ "patient": kept.0, "note": note })),
    )?;
    Ok(())
}

/// The latest review of each rule set of a patient, by id.
fn latest_reviews(conn: &Connection, patient: PatientId) -> Result<Vec<i64>> {
    Ok(conn
        .prepare("SELECT max(id) FROM reviews WHERE patient_id = ?1 GROUP BY ruleset")?
        .query_map([patient.0], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// A review is current while it is the latest of its rule set and its fingerprint is the
/// assessment's. The replaced record's reviews judged another record's evidence: kept as
/// history, they must not become the kept patient's latest where that patient has a review of
/// their own, so that review is numbered after them (the same row, audited).
fn keep_kept_reviews_current(
    conn: &Connection,
    auditor: &AuditWriter,
    kept: PatientId,
    own_latest: &[i64],
) -> Result<()> {
    for &review in own_latest {
        let later: i64 = conn.query_row(
            "SELECT count(*) FROM reviews r WHERE r.patient_id = ?1 AND r.id > ?2
               AND r.ruleset = (SELECT ruleset FROM reviews WHERE id = ?2)",
            params![kept.0, review],
            |row| row.get(0),
        )?;
        if later == 0 {
            continue;
        }
        let next: i64 = conn.query_row("SELECT max(id) + 1 FROM reviews", [], |row| row.get(0))?;
        conn.execute(
            "UPDATE reviews SET id = ?2 WHERE id = ?1",
            params![review, next],
        )?;
        auditor.record(
            conn,
            Change {
                action: "import.join.review_order",
                entity: "reviews",
                entity_id: Some(next),
                patient_id: Some(kept),
            },
            Some(&serde_json::json!({ "id": review })),
            Some(&serde_json::json!({ "id": next })),
        )?;
    }
    Ok(())
}

/// The way forward (one row per step) and the checklist (one per item) are unique per patient:
/// a row the kept patient lacks moves; one they have stays theirs, and the replaced record's
/// is kept as a note on them (so nothing the team wrote is lost) and removed, audited.
fn move_keyed_work(
    conn: &Connection,
    auditor: &AuditWriter,
    replaced: PatientId,
    kept: PatientId,
    old_mrn: &str,
) -> Result<()> {
    // `carries`: the row holds something the team wrote (a step is created untouched).
    for (table, key, words, carries) in [
        (
            "way_forward",
            ["ruleset", "step"],
            "'way forward ' || ruleset || ' step ' || step || ': ' || status
             || coalesce(', owner ' || owner, '') || coalesce(', due ' || due, '')
             || CASE WHEN notes <> '' THEN ', notes: ' || notes ELSE '' END
             || coalesce(', not applicable: ' || na_reason, '')",
            "NOT (status = 'todo' AND owner IS NULL AND due IS NULL AND notes = ''
                  AND na_reason IS NULL)",
        ),
        (
            "checklist_items",
            ["ruleset", "key"],
            "'checklist ' || ruleset || ': ' || text || CASE WHEN done THEN ' (done)' ELSE '' END
             || coalesce(', ' || detail, '')",
            "done OR detail IS NOT NULL",
        ),
    ] {
        let [first, second] = key;
        let rows: Vec<(i64, bool, String, String, bool)> = conn
            .prepare(&format!(
                "SELECT r.rowid,
                        EXISTS (SELECT 1 FROM {table} k WHERE k.patient_id = ?2
                                AND k.{first} = r.{first} AND k.{second} = r.{second}),
                        {words}, json_array(r.{first}, r.{second}), {carries}
                 FROM {table} r WHERE r.patient_id = ?1 ORDER BY r.rowid"
            ))?
            .query_map(params![replaced.0, kept.0], |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        for (row, clashes, text, key_json, carries) in rows {
            if !clashes {
                conn.execute(
                    &format!("UPDATE {table} SET patient_id = ?2 WHERE rowid = ?1"),
                    params![row, kept.0],
                )?;
                audit_move(conn, auditor, table, row, (replaced, kept))?;
                continue;
            }
            conn.execute(&format!("DELETE FROM {table} WHERE rowid = ?1"), [row])?;
            auditor.record(
                conn,
                Change {
                    action: "import.join.remove",
                    entity: table,
                    entity_id: Some(row),
                    patient_id: Some(kept),
                },
                Some(&serde_json::json!({ "patient": replaced.0, "key": key_json, "text": text })),
                None::<&serde_json::Value>,
            )?;
            if !carries {
                continue;
            }
            add_note(
                conn,
                auditor,
                (table, row),
                (replaced, kept),
                &format!("From the merged record MRN {old_mrn}: {text}"),
            )?;
        }
    }
    Ok(())
}
