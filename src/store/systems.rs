//! Identifier systems already stored in a spelling this version no longer writes: migration 37
//! moves every one to its canonical spelling (see `sql/0037_canonical_identifier_systems.sql`),
//! and a refract document restored from an older version is brought to it the same way.

use rusqlite::{Connection, OptionalExtension, params};

use super::Result;
use crate::domain::PatientId;
use crate::domain::identifier_systems::canonical;

/// (system, value, patient, use, type) of a stored identifier.
type HeldIdentifier = (String, String, i64, Option<String>, Option<String>);

/// Migration 37: every stored identifier system, in its canonical spelling.
pub(super) fn canonical_identifier_systems(conn: &Connection) -> Result<()> {
    canonicalise(conn, None)
}

/// The identifiers of `patient` (all patients' when `None`), the marks of values two people
/// carry, and the systems of shown MRNs, moved to their canonical spellings.
pub(super) fn canonicalise(conn: &Connection, patient: Option<PatientId>) -> Result<()> {
    // refract's own systems are never OIDs: left alone.
    let shared: Vec<(String, String)> = conn
        .prepare(
            "SELECT system, value FROM shared_identifiers WHERE system NOT LIKE 'urn:refract:%'",
        )?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (system, value) in shared {
        let spelled = canonical(&system);
        if spelled != system {
            conn.execute(
                "INSERT OR IGNORE INTO shared_identifiers (system, value) VALUES (?1, ?2)",
                params![spelled, value],
            )?;
            conn.execute(
                "DELETE FROM shared_identifiers WHERE system = ?1 AND value = ?2",
                params![system, value],
            )?;
        }
    }
    let rows: Vec<HeldIdentifier> = conn
        .prepare(
            "SELECT system, value, patient_id, id_use, id_type FROM patient_identifiers
             WHERE system NOT LIKE 'urn:refract:%' AND (?1 IS NULL OR patient_id = ?1)",
        )?
        .query_map([patient.map(|id| id.0)], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (system, value, owner, usage, kind) in rows {
        let spelled = canonical(&system);
        if spelled == system {
            continue;
        }
        let holder: Option<i64> = conn
            .prepare_cached(
                "SELECT patient_id FROM patient_identifiers WHERE system = ?1 AND value = ?2",
            )?
            .query_row(params![spelled, value], |row| row.get(0))
            .optional()?;
        match holder {
            None => {
                conn.execute(
                    "UPDATE patient_identifiers SET system = ?3 WHERE system = ?1 AND value = ?2",
                    params![system, value, spelled],
                )?;
            }
            Some(holder) if holder == owner => {
                conn.execute(
                    "UPDATE patient_identifiers SET id_use = coalesce(id_use, ?3),
                                                    id_type = coalesce(id_type, ?4)
                     WHERE system = ?1 AND value = ?2",
                    params![spelled, value, usage, kind],
                )?;
                conn.execute(
                    "DELETE FROM patient_identifiers WHERE system = ?1 AND value = ?2",
                    params![system, value],
                )?;
            }
            Some(holder) => {
                // Two patients hold one number: it names neither (see the migration's notes).
                conn.execute(
                    "DELETE FROM patient_identifiers
                     WHERE value = ?2 AND (system = ?1 OR system = ?3)",
                    params![system, value, spelled],
                )?;
                conn.execute(
                    "INSERT OR IGNORE INTO shared_identifiers (system, value) VALUES (?1, ?2)",
                    params![spelled, value],
                )?;
                for id in [owner, holder] {
                    conn.execute(
                        "INSERT INTO import_dirty (patient_id) VALUES (?1) ON CONFLICT DO NOTHING",
                        [id],
                    )?;
                }
            }
        }
    }
    // A number marked shared under one spelling and held under the other names no one.
    conn.execute(
        "DELETE FROM patient_identifiers
         WHERE EXISTS (SELECT 1 FROM shared_identifiers s
                       WHERE s.system = patient_identifiers.system
                         AND s.value = patient_identifiers.value)
           AND (?1 IS NULL OR patient_id = ?1)",
        [patient.map(|id| id.0)],
    )?;
    let systems: Vec<String> = conn
        .prepare(
            "SELECT DISTINCT mrn_system FROM patients
             WHERE mrn_system <> '' AND mrn_system NOT LIKE 'urn:refract:%'
               AND (?1 IS NULL OR id = ?1)",
        )?
        .query_map([patient.map(|id| id.0)], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for system in systems {
        let spelled = canonical(&system);
        if spelled != system {
            conn.execute(
                "UPDATE patients SET mrn_system = ?2 WHERE mrn_system = ?1 AND (?3 IS NULL OR id = ?3)",
                params![system, spelled, patient.map(|id| id.0)],
            )?;
        }
    }
    Ok(())
}
