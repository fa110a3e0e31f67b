//! Rebuilding a patient's imported rows from all of their stored resources: medication records
//! joined to their Medication (wherever it came from), renewals merged into exposures, the
//! clinical rows replaced and the treatment lines derived again. Run for every patient an
//! import changed, after the import's files are written, so that a patient touched by four
//! files of a Bulk export is rebuilt once.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::domain::PatientId;
use crate::fhir::model::CodeableConcept;
use crate::fhir::{ImportedItems, Item, finish_medication, record_of};
use crate::rules::Rules;
use crate::store::imports::{IdentityLookup, ImportTx, PatientMatch, PendingRow};
use crate::store::{SourceIds, Store, StoreError, now_utc};

use super::{ImportWarning, PendingPatient, identity_problem};

/// Patients rebuilt per write transaction.
const PATIENTS_PER_BATCH: usize = 50;

/// What [`rebuild_dirty`] did.
#[derive(Debug, Clone, Default)]
pub struct Rebuilt {
    pub patients: usize,
    /// Patients created from Patient resources that named no stored patient.
    pub created: usize,
    /// Medication records whose Medication no import brought (kept as an unidentified drug).
    pub unresolved: Vec<ImportWarning>,
}

/// Rebuilds every patient marked as changed (by this run, or by one that was interrupted).
pub fn rebuild_dirty(
    store: &mut Store,
    rules: &Rules,
    today: NaiveDate,
) -> Result<Rebuilt, StoreError> {
    let mut rebuilt = Rebuilt::default();
    // New patients first: each is created, given what waits for them and rebuilt in one
    // transaction, so that no one ever sees a patient without their record.
    loop {
        let now = now_utc();
        let done = store.import_write(|tx| {
            let pending = tx.pending_patients(PATIENTS_PER_BATCH)?;
            for row in &pending {
                tx.remove_pending_patient(&row.source, &row.id)?;
                let Ok(new) = serde_json::from_str::<PendingPatient>(&row.body) else {
                    continue;
                };
                let Some(id) = create_or_merge(tx, row, &new, now, &mut rebuilt)? else {
                    continue;
                };
                for subject in std::iter::once(&row.id).chain(new.url_key.iter()) {
                    tx.attach_waiting(&row.source, subject, id)?;
                }
                rebuild(tx, rules, id, today, &mut rebuilt.unresolved)?;
                rebuilt.patients += 1;
            }
            Ok(pending.len())
        })?;
        if done == 0 {
            break;
        }
    }
    loop {
        let done = store.import_write(|tx| {
            let ids = tx.dirty_patients(PATIENTS_PER_BATCH)?;
            for id in &ids {
                rebuild(tx, rules, *id, today, &mut rebuilt.unresolved)?;
            }
            Ok(ids.len())
        })?;
        if done == 0 {
            return Ok(rebuilt);
        }
        rebuilt.patients += done;
    }
}

/// Creates a pending patient, or, when an earlier one of the same run was the same person
/// (one identifier in common, from another source), merges them. `None` when their
/// identifiers have become ambiguous: left out, with a warning.
fn create_or_merge(
    tx: &ImportTx<'_>,
    row: &PendingRow,
    new: &PendingPatient,
    now: chrono::NaiveDateTime,
    rebuilt: &mut Rebuilt,
) -> Result<Option<PatientId>, StoreError> {
    let problem = identity_problem(
        tx,
        &row.source,
        new.fhir_id.as_deref(),
        &new.keys,
        &new.equivalent,
    )?;
    if let Some(problem) = problem {
        if rebuilt.unresolved.len() < super::MAX_WARNINGS {
            rebuilt.unresolved.push(ImportWarning {
                at: String::new(),
                resource: format!("Patient/{}", row.id),
                message: format!("left out: {problem}"),
            });
        }
        return Ok(None);
    }
    Ok(Some(
        match tx.match_patient(&new.keys, &new.equivalent)? {
            PatientMatch::Existing(id) => {
                tx.update_demographics(id, &new.patient, row.import_id)?;
                tx.add_identifiers(id, &new.keys)?;
                id
            }
            PatientMatch::New | PatientMatch::Ambiguous(..) => {
                rebuilt.created += 1;
                tx.insert_patient(&new.patient, new.fhir_id.as_deref(), &new.keys, now)?
            }
        },
    ))
}

fn rebuild(
    tx: &ImportTx<'_>,
    rules: &Rules,
    patient: PatientId,
    today: NaiveDate,
    unresolved: &mut Vec<ImportWarning>,
) -> Result<(), StoreError> {
    let mut items = ImportedItems::default();
    let mut medications: HashMap<(String, String), Option<CodeableConcept>> = HashMap::new();
    for resource in tx.patient_resources(patient)? {
        let item: Item =
            serde_json::from_str(&resource.body).map_err(|err| StoreError::Corrupt {
                column: "fhir_resources.body",
                detail: format!(
                    "{}/{} of source '{}': {err}",
                    resource.resource_type, resource.id, resource.source
                ),
            })?;
        let Item::Medication(record) = item else {
            items.add(&resource.id, item);
            continue;
        };
        let concept = match (&record.concept, &resource.refers) {
            (None, Some(refers)) => {
                let key = (resource.source.clone(), refers.clone());
                if !medications.contains_key(&key) {
                    let concept = tx
                        .medication_body(&resource.source, refers)?
                        .and_then(|body| serde_json::from_str::<CodeableConcept>(&body).ok());
                    medications.insert(key.clone(), concept);
                }
                medications.get(&key).cloned().flatten()
            }
            _ => None,
        };
        let missing = resource
            .refers
            .as_deref()
            .filter(|_| record.concept.is_none() && concept.is_none())
            .map(|id| format!("Medication/{id}"));
        let (exposure, meta) = finish_medication(&record, concept.as_ref(), missing.as_deref());
        if let Some(medication) = &missing
            && unresolved.len() < super::MAX_WARNINGS
        {
            unresolved.push(ImportWarning {
                at: String::new(),
                resource: format!("{}/{}", resource.resource_type, resource.id),
                message: format!(
                    "its medicationReference {medication} is in no imported file: kept as an \
                     unidentified medication until it is imported"
                ),
            });
        }
        items.exposures.push((resource.id, exposure, meta));
    }
    let (record, sources) = record_of(items);
    let sources = SourceIds {
        conditions: sources.conditions.into_iter().map(Some).collect(),
        exposures: sources.exposures.into_iter().map(Some).collect(),
        observations: sources.observations.into_iter().map(Some).collect(),
        procedures: sources.procedures.into_iter().map(Some).collect(),
    };
    tx.replace_projection(patient, &record, &sources)?;
    // Lines come from the whole record as stored: what the team entered counts too.
    let stored = tx.record(patient)?;
    let lines = rules.derive_lines(&stored, today);
    tx.insert_lines(patient, &lines)?;
    Ok(())
}
