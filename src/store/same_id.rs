//! What the importer reads to tell whether a Patient resource that carries a stored Patient id
//! of its source is that patient at all (see `import::same_id`): the identifiers the stored
//! patient is known by, and a Patient of the same source staged earlier in the run, waiting
//! to be created.

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
}
