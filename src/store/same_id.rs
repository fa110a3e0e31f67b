//! What the importer reads to tell whether a Patient resource that carries a stored Patient id
//! of its source is that patient at all (see `import::same_id`): the identifiers the stored
//! patient is known by, and a Patient of the same source staged earlier in the run, waiting
//! to be created; and the Patient ids a source's records were refused under (kept, so that
//! later runs leave out what the source files under them until the user lifts the refusal).

use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};

use super::{Result, Store};
use crate::domain::PatientId;

impl Store {
    /// Every (system, value) the patient is known by, refract's own systems included.
    pub fn identifiers_of_patient(&self, id: PatientId) -> Result<Vec<(String, String)>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT system, value FROM patient_identifiers INDEXED BY patient_identifiers_patient
                 WHERE patient_id = ?1 ORDER BY system, value",
            )?
            .query_map([id.0], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// The body kept for the Patient `id` of `source` that an import staged and has not created
    /// yet (the end of its run creates it), if any.
    pub fn staged_patient(&self, source: &str, id: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT body FROM fhir_resources WHERE source = ?1 AND type = 'Patient' AND id = ?2",
            )?
            .query_row(params![source, id], |row| row.get(0))
            .optional()?)
    }

    /// Every name the patient's records held, (family, given), the current one included.
    pub fn names_of_patient(&self, id: PatientId) -> Result<Vec<(String, String)>> {
        let mut names: Vec<(String, String)> = self
            .conn
            .prepare_cached(
                "SELECT family_name, given_name FROM patient_names WHERE patient_id = ?1
                 UNION SELECT family_name, given_name FROM patients WHERE id = ?1",
            )?
            .query_map([id.0], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        names.retain(|(family, given): &(String, String)| {
            !(family.trim().is_empty() && given.trim().is_empty())
        });
        Ok(names)
    }

    /// The Patient ids of `source` refused as another person, each with why.
    pub fn refused_patient_ids(&self, source: &str) -> Result<HashMap<String, String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT patient_id, reason FROM refused_patient_ids WHERE source = ?1")?
            .query_map([source], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Keeps that the Patient `id` of `source` was refused as another person, and why (the
    /// latest reason replaces an earlier one).
    pub fn refuse_patient_id(&self, source: &str, id: &str, reason: &str) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO refused_patient_ids (source, patient_id, reason, refused_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (source, patient_id) DO UPDATE SET reason = excluded.reason,
                     refused_at = excluded.refused_at",
            )?
            .execute(params![
                source,
                id,
                reason,
                String::from(super::sql_types::format_datetime(super::now_utc()))
            ])?;
        Ok(())
    }

    /// Forgets the refusal of the Patient `id` of `source` (`--lift-refusal`): what the source
    /// files under it is the stored patient's again. Whether there was one.
    /// A file imported before, whose resources under the id were left out, is read again
    /// rather than skipped.
    pub fn lift_patient_id_refusal(&self, source: &str, id: &str) -> Result<bool> {
        let lifted = self
            .conn
            .prepare_cached(
                "DELETE FROM refused_patient_ids WHERE source = ?1 AND patient_id = ?2",
            )?
            .execute(params![source, id])?
            > 0;
        if lifted {
            super::imports::bump_epoch(&self.conn)?;
        }
        Ok(lifted)
    }
}
