//! What imports keep: who a patient is (every identifier they are known by), the ledger of
//! imported FHIR resources keyed by (source, type, id), the patients whose clinical rows must be
//! rebuilt from it, and the record of each import run.
//!
//! An import never replaces a patient's data wholesale. Each resource is upserted on its own
//! key: a file updates and adds the resources it holds and removes only what the source says
//! is gone. A patient's imported clinical rows (source `fhir`) are a projection of their
//! resources, rebuilt from the ledger by [`replace_projection`] whenever one changes, so that
//! files arriving in any order, in any grouping, give the same rows. Every change to a patient
//! the database already held is written to the audit log with what it replaced.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::NaiveDateTime;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::audit::{AuditWriter, Change};
use super::kept_aside::{self, Claimant, KeptAside, KeptAsideOutcome, SubjectEvidence};
use super::keys::{given_key, name_key};
use super::sql_types::{format_date, format_datetime};
use super::write::{IdMap, ListProjection, RecordWriter, Source, SourceIds};
use super::{Result, Store};
use crate::domain::identifier_systems::{self, IdentifierType, PatientIdentifier};
use crate::domain::{PartialDate, Patient, PatientId, PatientRecord};

/// The identifier system of refract's own MRNs (the demo, patients entered by hand).
pub const LOCAL_SYSTEM: &str = "";

/// The system a FHIR Patient's resource id is kept under: ids are only unique within their
/// server, so the source is part of it.
pub fn patient_id_system(source: &str) -> String {
    format!("urn:refract:patient-id:{source}")
}

/// The system under which a patient keeps the Patient ids of a source's records that were
/// merged into theirs (R4 `Patient.link` `replaces`): such a record, read again, is the same
/// person and never replaces their demographics.
pub fn replaced_patient_system(source: &str) -> String {
    format!("urn:refract:patient-replaced:{source}")
}

/// The system of an identifier that names none: scoped to its source, so that a bare value
/// never matches a patient of another hospital.
pub fn unscoped_system(source: &str) -> String {
    format!("urn:refract:unscoped:{source}")
}

/// The look-ups that decide whom a Patient resource is, inside a write or outside one.
pub trait IdentityLookup {
    fn match_patient(
        &self,
        keys: &[(String, String)],
        equivalent: &[Vec<String>],
    ) -> Result<PatientMatch>;
    /// The values a patient is known by under `system`.
    fn identifiers_of(&self, id: PatientId, system: &str) -> Result<Vec<String>>;
    fn describe_patient(&self, id: PatientId) -> Result<String>;

    /// Whether the Patient resource `own` of `source` is one the patient's current record says
    /// was merged into it (`Patient.link` `replaces`): read again, it is still them, but its
    /// demographics are the old record's.
    fn merged_away(&self, source: &str, patient: PatientId, own: Option<&str>) -> Result<bool> {
        let Some(own) = own else {
            return Ok(false);
        };
        Ok(self
            .identifiers_of(patient, &replaced_patient_system(source))?
            .iter()
            .any(|id| id == own))
    }
}

impl Store {
    /// Every stored patient the identifiers name (see [`PatientMatch::Ambiguous`], which says
    /// only two).
    pub fn patients_named(
        &self,
        keys: &[(String, String)],
        equivalent: &[Vec<String>],
    ) -> Result<Vec<PatientId>> {
        patients_named(&self.conn, keys, equivalent)
    }
}

impl IdentityLookup for Store {
    fn match_patient(
        &self,
        keys: &[(String, String)],
        equivalent: &[Vec<String>],
    ) -> Result<PatientMatch> {
        match_patient(&self.conn, keys, equivalent)
    }
    fn identifiers_of(&self, id: PatientId, system: &str) -> Result<Vec<String>> {
        identifiers_of(&self.conn, id, system)
    }
    fn describe_patient(&self, id: PatientId) -> Result<String> {
        describe_patient(&self.conn, id)
    }
}

impl IdentityLookup for ImportTx<'_> {
    fn match_patient(
        &self,
        keys: &[(String, String)],
        equivalent: &[Vec<String>],
    ) -> Result<PatientMatch> {
        match_patient(self.conn, keys, equivalent)
    }
    fn identifiers_of(&self, id: PatientId, system: &str) -> Result<Vec<String>> {
        identifiers_of(self.conn, id, system)
    }
    fn describe_patient(&self, id: PatientId) -> Result<String> {
        describe_patient(self.conn, id)
    }
}

/// Whom a set of identifiers names in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatientMatch {
    New,
    Existing(PatientId),
    /// Two different patients: merging them would mix two people's records.
    Ambiguous(PatientId, PatientId),
}

/// The patient the identifiers (system, value) name. `equivalent` lists groups of systems the
/// team declared to be one (each key is also looked up under the others of its group).
///
/// A stored patient found through an identifier they share with the incoming one is not them
/// when the two differ in another system both are known by (two MRNs of one hospital: a
/// placeholder SSN, a family's number, shared by two people); an identifier two people were
/// found to share (`shared_identifiers`) names no one. Found through the source's own Patient
/// id, a patient is that resource, whatever else changed.
fn match_patient(
    conn: &Connection,
    keys: &[(String, String)],
    equivalent: &[Vec<String>],
) -> Result<PatientMatch> {
    Ok(match patients_named(conn, keys, equivalent)?[..] {
        [] => PatientMatch::New,
        [id] => PatientMatch::Existing(id),
        [first, second, ..] => PatientMatch::Ambiguous(first, second),
    })
}

/// Every stored patient the identifiers name, as [`match_patient`] finds them, in the order
/// found: a join of records one person was stored as takes them all (see `store::joins`).
fn patients_named(
    conn: &Connection,
    keys: &[(String, String)],
    equivalent: &[Vec<String>],
) -> Result<Vec<PatientId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT patient_id FROM patient_identifiers WHERE system = ?1 AND value = ?2",
    )?;
    // Each patient found, and whether through their resource id.
    let mut found: Vec<(PatientId, bool)> = Vec::new();
    for (system, value) in keys {
        for system in systems_of(system, equivalent) {
            let Some(id) = stmt
                .query_row(params![system, value], |row| row.get(0))
                .optional()?
                .map(PatientId)
            else {
                continue;
            };
            let by_resource_id = system.starts_with(PATIENT_ID_PREFIX);
            match found.iter_mut().find(|(known, _)| *known == id) {
                Some((_, by_id)) => *by_id |= by_resource_id,
                None => found.push((id, by_resource_id)),
            }
        }
    }
    let mut same = Vec::with_capacity(found.len());
    for (id, by_resource_id) in found {
        if by_resource_id || differing_system(conn, id, keys, equivalent)?.is_none() {
            same.push(id);
        }
    }
    Ok(same)
}

/// The systems an identifier's system is looked up under: its own, every spelling FHIR's
/// identifier registry gives its namespace (an OID and a URI: a file of an older version may
/// hold either), and those the team declared equivalent to it (`--same-system`), each in every
/// spelling too.
fn systems_of(system: &str, equivalent: &[Vec<String>]) -> Vec<String> {
    let mut all = identifier_systems::spellings(system);
    if let Some(group) = equivalent.iter().find(|group| {
        group.iter().any(|declared| {
            identifier_systems::spellings(declared)
                .iter()
                .any(|s| all.contains(s))
        })
    }) {
        for declared in group {
            all.extend(identifier_systems::spellings(declared));
        }
    }
    all.sort();
    all.dedup();
    all
}

/// The prefix of refract's own identifier systems (a source's Patient ids, its bare values, its
/// servers): not a source's word on who the person is, so never evidence of two people.
const REFRACT_SYSTEMS: &str = "urn:refract:";

/// The prefix of the systems a source's Patient resource ids are kept under.
const PATIENT_ID_PREFIX: &str = "urn:refract:patient-id:";

/// The system of the stored patient's medical record number, when the incoming identifiers
/// have a different number in it: then they are two people, whatever else they share. Only the
/// record number counts: a person has one in a hospital's system, while a passport or a
/// driving licence is renewed under a new number.
fn differing_system(
    conn: &Connection,
    id: PatientId,
    keys: &[(String, String)],
    equivalent: &[Vec<String>],
) -> Result<Option<String>> {
    // A patient created in this transaction has no row yet: nothing tells them apart until it
    // is written (the end of a run then takes them in a later batch).
    let Some(record_system) = conn
        .prepare_cached("SELECT mrn_system FROM patients WHERE id = ?1")?
        .query_row([id.0], |row| row.get::<_, String>(0))
        .optional()?
    else {
        return Ok(None);
    };
    let theirs: Vec<(String, String)> = conn
        .prepare_cached(
            "SELECT system, value FROM patient_identifiers INDEXED BY patient_identifiers_patient
             WHERE patient_id = ?1",
        )?
        .query_map([id.0], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(differing_in(keys, &theirs, &record_system, equivalent))
}

/// `record_system` (their medical record number's system, or one declared equivalent to it),
/// when both sets of identifiers have values in it and none in common: the two are two people.
/// refract's own systems are no evidence.
pub fn differing_in(
    mine: &[(String, String)],
    theirs: &[(String, String)],
    record_system: &str,
    equivalent: &[Vec<String>],
) -> Option<String> {
    if record_system.is_empty() || record_system.starts_with(REFRACT_SYSTEMS) {
        return None;
    }
    let systems = systems_of(record_system, equivalent);
    let values = |keys: &[(String, String)]| -> Vec<String> {
        keys.iter()
            .filter(|(s, _)| systems.iter().any(|system| system == s))
            .map(|(_, value)| value.clone())
            .collect()
    };
    let (mine, theirs) = (values(mine), values(theirs));
    (!mine.is_empty() && !theirs.is_empty() && !theirs.iter().any(|value| mine.contains(value)))
        .then(|| record_system.to_owned())
}

/// Whether two people were found to share this identifier (see [`match_patient`]), in any
/// spelling of its system (marks are kept in the canonical one since migration 37).
fn is_shared(conn: &Connection, system: &str, value: &str) -> Result<bool> {
    let mut stmt =
        conn.prepare_cached("SELECT 1 FROM shared_identifiers WHERE system = ?1 AND value = ?2")?;
    for system in identifier_systems::spellings(system) {
        if stmt.exists(params![system, value])? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The value a patient is known by under `system`, if any.
fn identifiers_of(conn: &Connection, id: PatientId, system: &str) -> Result<Vec<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT value FROM patient_identifiers INDEXED BY patient_identifiers_patient
             WHERE patient_id = ?1 AND system = ?2 ORDER BY value",
        )?
        .query_map(params![id.0, system], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// How a person names a stored patient in a message: MRN (with its system), name, birth date.
pub(super) fn describe_patient(conn: &Connection, id: PatientId) -> Result<String> {
    let row: Option<(String, String, String, String, String)> = conn
        .prepare_cached(
            "SELECT mrn, mrn_system, family_name, given_name, birth_date FROM patients
             WHERE id = ?1",
        )?
        .query_row([id.0], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
            ))
        })
        .optional()?;
    Ok(match row {
        Some((mrn, system, family, given, birth)) => {
            let system = if system.is_empty() {
                String::new()
            } else {
                format!(" ({system})")
            };
            let born = if birth.is_empty() {
                String::new()
            } else {
                format!(", born {birth}")
            };
            format!("MRN {mrn}{system}, {family} {given}{born}")
        }
        // Created in this transaction, their row not written yet: named by their resource.
        None => conn
            .prepare_cached(
                "SELECT value FROM patient_identifiers INDEXED BY patient_identifiers_patient
                 WHERE patient_id = ?1 AND system LIKE 'urn:refract:patient-id:%' LIMIT 1",
            )?
            .query_row([id.0], |row| row.get::<_, String>(0))
            .optional()?
            .map_or_else(
                || format!("patient {}", id.0),
                |fhir| format!("Patient/{fhir}"),
            ),
    })
}

/// Stores a new patient's row, with their list columns already computed, under the id
/// [`ImportTx::next_patient_id`] reserved for them (their identifiers were stored under it
/// before, in the same transaction); their clinical rows come from their resources (see
/// [`replace_projection`]).
fn insert_patient(
    conn: &Connection,
    expected: PatientId,
    patient: &Patient,
    fhir_id: Option<&str>,
    facts: NewPatientFacts<'_>,
    projection: &ListProjection,
    now: NaiveDateTime,
) -> Result<()> {
    let NewPatientFacts {
        updated,
        death_source,
        says_alive,
        mrn_described,
    } = facts;
    let record = PatientRecord {
        patient: Some(patient.clone()),
        ..PatientRecord::default()
    };
    let id =
        RecordWriter::new(conn)?.insert_patient_for_import(&record, fhir_id, projection, now)?;
    if updated.is_some() {
        conn.prepare_cached("UPDATE patients SET demographics_updated = ?2 WHERE id = ?1")?
            .execute(params![id.0, updated])?;
    }
    if let (Some(death), Some(source)) = (patient.death(), death_source) {
        let report = DeathReport {
            source: source.to_owned(),
            said: updated.map(str::to_owned),
            day: death.date,
        };
        save_death_reports(conn, id, &[], std::slice::from_ref(&report))?;
    }
    if let (true, Some(source), Some(said)) = (says_alive, death_source, updated) {
        let word = AliveReport {
            source: source.to_owned(),
            said: said.to_owned(),
        };
        save_alive_reports(conn, id, &[], std::slice::from_ref(&word))?;
    }
    if mrn_described.is_some() {
        describe_mrn(conn, id, mrn_described)?;
    }
    if id != expected {
        return Err(super::StoreError::Corrupt {
            column: "patients",
            detail: format!(
                "imported patient stored as {} instead of {}",
                id.0, expected.0
            ),
        });
    }
    Ok(())
}

/// Records identifiers for a patient (those already known stay as they are). When one of them
/// is a Patient id new to this patient, the resources filed under it become theirs: they are
/// marked for rebuilding.
fn add_identifiers(
    conn: &Connection,
    auditor: &AuditWriter,
    id: PatientId,
    keys: &[(String, String)],
    claimant: &Claimant<'_>,
) -> Result<AddedIdentifiers> {
    // A record joined into theirs brings its new identifiers (the Patient id of its next
    // export) to that record, not to the patient's own.
    let record = record_of(conn, id, keys)?.and_then(Record::column);
    let mut stmt = conn.prepare_cached(
        "INSERT INTO patient_identifiers (system, value, patient_id, record)
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
    )?;
    let mut owner = conn.prepare_cached(
        "SELECT patient_id FROM patient_identifiers WHERE system = ?1 AND value = ?2",
    )?;
    let mut new_subject = false;
    let mut shared = Vec::new();
    let mut kept_aside = Vec::new();
    for (system, value) in keys {
        // One spelling per namespace, whatever the caller was given.
        let system = &identifier_systems::canonical(system);
        if is_shared(conn, system, value)? {
            continue;
        }
        let added = stmt.execute(params![system, value, id.0, record])?;
        if added > 0
            && let Some(source) = system.strip_prefix(PATIENT_ID_PREFIX)
        {
            new_subject = true;
            // What an earlier run kept aside for this id is theirs only if it names no one
            // else (see `kept_aside`).
            if let Some(outcome) =
                super::kept_aside::claim(conn, auditor, id, (source, value), claimant)?
            {
                kept_aside.push(outcome);
            }
        }
        if added > 0 || system.starts_with(REFRACT_SYSTEMS) {
            continue;
        }
        // Another patient holds it: `match_patient` found them to be someone else (they differ
        // in another system), so the value names neither of the two from now on.
        let other = PatientId(owner.query_row(params![system, value], |row| row.get(0))?);
        if other == id {
            continue;
        }
        conn.prepare_cached("DELETE FROM patient_identifiers WHERE system = ?1 AND value = ?2")?
            .execute(params![system, value])?;
        conn.prepare_cached(
            "INSERT INTO shared_identifiers (system, value) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        )?
        .execute(params![system, value])?;
        auditor.record(
            conn,
            Change {
                action: "import.identifier.shared",
                entity: "patient_identifiers",
                entity_id: None,
                patient_id: Some(other),
            },
            Some(&serde_json::json!({"system": system, "value": value, "shared_with": id.0})),
            None::<&serde_json::Value>,
        )?;
        shared.push(SharedIdentifier {
            system: system.clone(),
            value: value.clone(),
            other,
        });
    }
    if new_subject {
        mark_dirty(conn, id)?;
    }
    Ok(AddedIdentifiers { shared, kept_aside })
}

/// One of a patient's records (see migration 52): their own, or one joined into theirs, by
/// the stored id it had before the join.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Record {
    Own,
    Joined(i64),
}

impl Record {
    /// As `patient_identifiers.record` holds it.
    fn column(self) -> Option<i64> {
        match self {
            Record::Own => None,
            Record::Joined(id) => Some(id),
        }
    }
}

/// Which of the patient's records a Patient with these identifiers is, by the identifiers
/// that are the source's word on who they are (not refract's own systems), as stored for the
/// patient. `None` when none of them is stored for the patient, or they name two records (a
/// Patient carrying both records' numbers).
fn record_of(
    conn: &Connection,
    id: PatientId,
    keys: &[(String, String)],
) -> Result<Option<Record>> {
    let mut stmt = conn.prepare_cached(
        "SELECT record FROM patient_identifiers WHERE system = ?1 AND value = ?2
         AND patient_id = ?3",
    )?;
    let mut found = None;
    for (system, value) in keys {
        if system.starts_with(REFRACT_SYSTEMS) {
            continue;
        }
        let system = identifier_systems::canonical(system);
        let Some(column) = stmt
            .query_row(params![system, value, id.0], |row| {
                row.get::<_, Option<i64>>(0)
            })
            .optional()?
        else {
            continue;
        };
        let record = column.map_or(Record::Own, Record::Joined);
        match found {
            None => found = Some(record),
            Some(known) if known == record => {}
            Some(_) => return Ok(None),
        }
    }
    Ok(found)
}

/// The Patient ids of `source` that the record of `patient` a Patient with these identifiers
/// is (see [`record_of`]) was filed under: the ids earlier exports of that record gave it. A
/// source that writes no Patient.id and a new bundle `urn:uuid` in every export files each
/// export's resources under another id; its complete export speaks for all of its record's,
/// never for another record's joined with it.
fn record_subjects(
    conn: &Connection,
    patient: PatientId,
    source: &str,
    keys: &[(String, String)],
) -> Result<Vec<String>> {
    let Some(record) = record_of(conn, patient, keys)? else {
        return Ok(Vec::new());
    };
    Ok(conn
        .prepare_cached(
            "SELECT value FROM patient_identifiers WHERE system = ?1 AND patient_id = ?2
             AND record IS ?3 ORDER BY value",
        )?
        .query_map(
            params![patient_id_system(source), patient.0, record.column()],
            |row| row.get(0),
        )?
        .collect::<rusqlite::Result<_>>()?)
}

/// What storing a patient's identifiers found (see [`add_identifiers`]).
#[derive(Debug, Clone, Default)]
pub struct AddedIdentifiers {
    /// Identifiers found to be another person's too.
    pub shared: Vec<SharedIdentifier>,
    /// What became of the resources earlier runs kept aside for a Patient id new to them.
    pub kept_aside: Vec<KeptAsideOutcome>,
}

/// An identifier found to be carried by two people (see [`add_identifiers`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedIdentifier {
    pub system: String,
    pub value: String,
    /// The patient who held it before.
    pub other: PatientId,
}

/// A patient's demographics as an import may change them, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Demographics {
    mrn: String,
    mrn_system: String,
    family_name: String,
    given_name: String,
    birth_date: Option<String>,
    sex: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    deceased: bool,
    deceased_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deceased_in: Option<String>,
}

impl Demographics {
    fn of(patient: &Patient) -> Self {
        Demographics {
            mrn: patient.mrn.clone(),
            mrn_system: patient.mrn_system.clone(),
            family_name: patient.family_name.clone(),
            given_name: patient.given_name.clone(),
            birth_date: patient.birth_date_text(),
            sex: patient.sex.as_str().to_owned(),
            deceased: patient.is_deceased(),
            deceased_date: patient.deceased_date.map(|d| String::from(format_date(d))),
            deceased_in: patient
                .death()
                .and_then(|d| d.within)
                .map(PartialDate::text),
        }
    }
}

/// What a Patient resource says beyond its demographics, for the import to keep.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientFacts {
    /// `meta.lastUpdated`: an older Patient never replaces newer demographics.
    #[serde(default)]
    pub last_updated: Option<String>,
    /// Whether the MRN it shows is a medical record number (v2-0203 `MR`).
    #[serde(default)]
    pub mrn_is_record_number: bool,
    /// The identifiers it is matched on, with their `use` and `type` (systems as the keys
    /// store them: a value written without one under the source's unscoped system).
    #[serde(default)]
    pub identifiers: Vec<PatientIdentifier>,
    /// Every name the record holds, (family, given) (see `fhir::ImportedPatient::names`).
    #[serde(default)]
    pub names: Vec<(String, String)>,
    /// The source it came from: each source that reports a death may take its word back.
    #[serde(default)]
    pub source: String,
    /// Whether it says the patient is alive (`deceasedBoolean: false`), which silence does not.
    #[serde(default)]
    pub says_alive: bool,
    /// The identifier it shows as the MRN, with its `use` and `type`.
    #[serde(default)]
    pub mrn_described: Option<PatientIdentifier>,
    /// The identifiers it says the patient no longer goes by (`use` `old`: the number before
    /// its source re-numbered them), (system as the keys store them, value): never shown as
    /// the MRN again, whatever another source's copy says (see [`retire_identifiers`]).
    #[serde(default)]
    pub retired: Vec<(String, String)>,
}

/// What an import knows of a new patient's Patient beyond their demographics.
#[derive(Debug, Clone, Copy, Default)]
pub struct NewPatientFacts<'a> {
    /// Its `meta.lastUpdated`.
    pub updated: Option<&'a str>,
    /// Its source, the first to report a death it says (see [`DeathReport`]).
    pub death_source: Option<&'a str>,
    /// Whether its Patient says the patient is alive (`deceasedBoolean: false`): kept as its
    /// source's word (see [`AliveReport`]) when the Patient says when it was written.
    pub says_alive: bool,
    /// The identifier it shows as the MRN, with its `use` and `type`.
    pub mrn_described: Option<&'a PatientIdentifier>,
}

/// Keeps the `use` and `type` of the identifier a patient's MRN is (see
/// [`PatientFacts::mrn_described`]).
fn describe_mrn(conn: &Connection, id: PatientId, shown: Option<&PatientIdentifier>) -> Result<()> {
    let kind = shown
        .and_then(|shown| shown.kind.as_ref())
        .map(serde_json::to_string)
        .transpose()?;
    conn.prepare_cached("UPDATE patients SET mrn_use = ?2, mrn_type = ?3 WHERE id = ?1")?
        .execute(params![
            id.0,
            shown.and_then(|shown| shown.usage.as_deref()),
            kind
        ])?;
    Ok(())
}

/// A patient's MRN as a FHIR export writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShownMrn {
    /// Whether the patient came from an import (FHIR), not from refract itself (the demo, a
    /// person's entry): whose MRN is then a source's, not this file's.
    pub imported: bool,
    /// The `use` its source wrote (none stored before migration 37).
    pub usage: Option<String>,
    /// The `type` its source wrote (none stored before migration 37).
    pub kind: Option<IdentifierType>,
}

/// What an import did to a stored patient's demographics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemographicsChange {
    Unchanged,
    Updated,
    /// The Patient was written before the demographics stored (by `meta.lastUpdated`, from any
    /// source): they were kept (its medical record number may still have been taken, see
    /// [`update_demographics`]).
    KeptNewer,
}

/// Whether a patient's shown MRN is one of their identifiers typed as a medical record number.
fn shows_record_number(conn: &Connection, id: PatientId, stored: &Patient) -> Result<bool> {
    let mut stmt = conn.prepare_cached(
        "SELECT id_type FROM patient_identifiers INDEXED BY patient_identifiers_patient
         WHERE patient_id = ?1 AND value = ?2
           AND (system = ?3 OR (?3 = '' AND system LIKE 'urn:refract:unscoped:%'))",
    )?;
    for system in identifier_systems::spellings(&stored.mrn_system) {
        let types: Vec<Option<String>> = stmt
            .query_map(params![id.0, stored.mrn, system], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if types
            .iter()
            .flatten()
            .filter_map(|json| serde_json::from_str::<IdentifierType>(json).ok())
            .any(|kind| kind.is_record_number())
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Marks identifiers of the patient as retired (`use` `old`), as a source that re-numbered them
/// said; the mark stays whatever another source's copy of the number says (see
/// [`describe_identifiers`]), and the patient is still matched by it. One the patient is not
/// yet stored with is stored so, retired (R4: an `old` identifier is "no longer considered
/// valid, but may be relevant for search purposes"): a GP's copy still carrying the hospital's
/// old number is the same person, never another whose record number differs (review R8-2),
/// and it is never shown. One another patient holds, or two people were found to share, stays
/// theirs or no one's.
fn retire_identifiers(
    conn: &Connection,
    id: PatientId,
    retired: &[(String, String)],
) -> Result<()> {
    let mut kept = conn.prepare_cached(
        "INSERT INTO patient_identifiers (system, value, patient_id, id_use)
         VALUES (?1, ?2, ?3, 'old') ON CONFLICT DO NOTHING",
    )?;
    let mut stmt = conn.prepare_cached(
        "UPDATE patient_identifiers SET id_use = 'old'
         WHERE system = ?1 AND value = ?2 AND patient_id = ?3 AND id_use IS NOT 'old'",
    )?;
    for (system, value) in retired {
        let system = identifier_systems::canonical(system);
        if !system.starts_with(REFRACT_SYSTEMS) && !is_shared(conn, &system, value)? {
            kept.execute(params![system, value, id.0])?;
        }
        stmt.execute(params![system, value, id.0])?;
    }
    Ok(())
}

/// Whether the patient's identifier (`system`, `value`) is retired (see [`retire_identifiers`]).
fn is_retired(conn: &Connection, id: PatientId, system: &str, value: &str) -> Result<bool> {
    let mut stmt = conn.prepare_cached(
        "SELECT 1 FROM patient_identifiers INDEXED BY patient_identifiers_patient
         WHERE patient_id = ?1 AND value = ?2 AND id_use = 'old'
           AND (system = ?3 OR (?3 = '' AND system LIKE 'urn:refract:unscoped:%'))",
    )?;
    for system in identifier_systems::spellings(system) {
        if stmt.exists(params![id.0, value, system])? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Brings a stored patient's demographics to what the source says, auditing the change with
/// the values it replaced, and marks the patient to be evaluated again.
///
/// Whichever source sent them: a Patient written before the stored demographics (both with a
/// `meta.lastUpdated`) never replaces them; one that does not say when it was written cannot
/// be ordered, and replaces them as the later import (as any resource without one does). The
/// MRN shown is a medical record number (typed `MR`) when the patient has one: a Patient whose
/// shown number is not one never replaces it, and one whose number is replaces a number that
/// is not, however old; between two of a kind, the newer Patient's holds.
fn update_demographics(
    conn: &Connection,
    auditor: &AuditWriter,
    id: PatientId,
    patient: &Patient,
    facts: &PatientFacts,
    import_id: i64,
) -> Result<DemographicsChange> {
    let stored = super::read::read_patient(conn, id)?;
    let stored_updated: Option<String> = conn
        .prepare_cached("SELECT demographics_updated FROM patients WHERE id = ?1")?
        .query_row([id.0], |row| row.get(0))
        .optional()?
        .flatten();
    let reports = death_reports(conn, id)?;
    let older = matches!(
        (stored_updated.as_deref(), facts.last_updated.as_deref()),
        (Some(stored), Some(incoming)) if written_after(stored, incoming)
    );
    let stored_is_record = shows_record_number(conn, id, &stored)?;
    retire_identifiers(conn, id, &facts.retired)?;
    let take_mrn = match (stored_is_record, facts.mrn_is_record_number) {
        _ if is_retired(conn, id, &patient.mrn_system, &patient.mrn)?
            && !is_retired(conn, id, &stored.mrn_system, &stored.mrn)? =>
        {
            false
        }
        (true, false) => false,
        (false, true) => true,
        _ => !older,
    };
    // A newer Patient showing another record number of the stored one's system, without it,
    // re-numbered the patient: the stored number is retired as if marked `old` (review r5
    // R5-10), and no other source's copy of it is shown again.
    if take_mrn
        && stored_is_record
        && facts.mrn_is_record_number
        && !older
        && !stored.mrn_system.is_empty()
        && identifier_systems::canonical(&patient.mrn_system)
            == identifier_systems::canonical(&stored.mrn_system)
        && patient.mrn != stored.mrn
        && !facts.identifiers.iter().any(|identifier| {
            identifier.value == stored.mrn
                && identifier_systems::canonical(&identifier.system)
                    == identifier_systems::canonical(&stored.mrn_system)
        })
    {
        let system = identifier_systems::canonical(&stored.mrn_system);
        retire_identifiers(conn, id, &[(system, stored.mrn.clone())])?;
    }
    let mut incoming = if older {
        stored.clone()
    } else {
        patient.clone()
    };
    if take_mrn {
        incoming.mrn.clone_from(&patient.mrn);
        incoming.mrn_system.clone_from(&patient.mrn_system);
        describe_mrn(conn, id, facts.mrn_described.as_ref())?;
    } else {
        incoming.mrn.clone_from(&stored.mrn);
        incoming.mrn_system.clone_from(&stored.mrn_system);
    }
    if !older {
        conn.prepare_cached("UPDATE patients SET demographics_updated = ?2 WHERE id = ?1")?
            .execute(params![id.0, facts.last_updated])?;
    }
    let alive = alive_reports(conn, id)?;
    let death = kept_death(&stored, (&reports, &alive), patient, facts, older);
    incoming.deceased = death.deceased;
    incoming.deceased_date = death.date;
    incoming.deceased_in = death.within;
    if death.reports != reports {
        save_death_reports(conn, id, &reports, &death.reports)?;
    }
    if death.alive != alive {
        save_alive_reports(conn, id, &alive, &death.alive)?;
    }
    if let Some(not_taken) = &death.not_taken {
        auditor.record(
            conn,
            Change {
                action: "import.patient.death_not_taken",
                entity: "patients",
                entity_id: Some(import_id),
                patient_id: Some(id),
            },
            None::<&()>,
            Some(not_taken),
        )?;
    }
    let (reported_before, reported_after) = (
        DeathReporters::of(&reports),
        DeathReporters::of(&death.reports),
    );
    // Who says it, not when each last said it: a source repeating its word is no change.
    if reported_before != reported_after {
        auditor.record(
            conn,
            Change {
                action: "import.patient.death_reports",
                entity: "patients",
                entity_id: Some(import_id),
                patient_id: Some(id),
            },
            Some(&reported_before),
            Some(&reported_after),
        )?;
    }
    let before = Demographics::of(&stored);
    let after = Demographics::of(&incoming);
    let kept = older && {
        let mut theirs = patient.clone();
        theirs.mrn.clone_from(&incoming.mrn);
        theirs.mrn_system.clone_from(&incoming.mrn_system);
        Demographics::of(&theirs) != after
    };
    let outcome = if kept {
        DemographicsChange::KeptNewer
    } else {
        DemographicsChange::Updated
    };
    if before == after {
        return Ok(if kept {
            outcome
        } else {
            DemographicsChange::Unchanged
        });
    }
    let patient = &incoming;
    conn.prepare_cached(
        "UPDATE patients SET mrn = ?2, mrn_system = ?3, family_name = ?4, given_name = ?5,
                birth_date = ?6, sex = ?7, deceased_date = ?8, name_key = ?9, deceased = ?10,
                given_key = ?11, birth_precision = ?12, deceased_in = ?13
         WHERE id = ?1",
    )?
    .execute(params![
        id.0,
        after.mrn,
        after.mrn_system,
        after.family_name,
        after.given_name,
        patient
            .birth_date
            .map(|d| String::from(format_date(d)))
            .unwrap_or_default(),
        after.sex,
        after.deceased_date,
        name_key(&after.family_name, &after.given_name),
        after.deceased,
        given_key(&after.given_name),
        (!patient.birth_precision.is_day()).then(|| patient.birth_precision.as_str()),
        after.deceased_in,
    ])?;
    // What the criteria read depends on who the patient is: a death learnt now withdraws a
    // flag, a corrected birth date moves an age. Evaluated again with the run's other changes.
    mark_dirty(conn, id)?;
    // A file imported before may say otherwise: it is read again, not skipped.
    bump_epoch(conn)?;
    auditor.record(
        conn,
        Change {
            action: "import.patient.update",
            entity: "patients",
            entity_id: Some(import_id),
            patient_id: Some(id),
        },
        Some(&before),
        Some(&after),
    )?;
    Ok(outcome)
}

/// A patient's death as an import leaves it, every source that says it, and every source
/// whose latest word is that the patient lives.
struct KeptDeath {
    deceased: bool,
    date: Option<chrono::NaiveDate>,
    /// The month or year, when no day is kept (see [`crate::domain::Death::within`]).
    within: Option<PartialDate>,
    reports: Vec<DeathReport>,
    alive: Vec<AliveReport>,
    /// A death the Patient reports that was not taken, and why (for the audit log).
    not_taken: Option<DeathNotTaken>,
}

/// One source's latest word that the patient is alive (a row of `alive_reports`): its
/// Patient saying `deceasedBoolean: false`, written at `said` (`meta.lastUpdated`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct AliveReport {
    source: String,
    said: String,
}

/// A source's Patient reporting a death written before that source's own word that the patient
/// is alive, as the audit log keeps it: an older version of the record, never a new report.
#[derive(Debug, Serialize)]
struct DeathNotTaken {
    source: String,
    /// The `meta.lastUpdated` of the Patient that reported the death.
    reported_in_record_of: String,
    /// The `meta.lastUpdated` of the source's newer Patient saying the patient is alive.
    alive_in_record_of: String,
    reason: &'static str,
}

/// One source's word that a patient died (a row of `death_reports`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct DeathReport {
    pub source: String,
    /// The `meta.lastUpdated` of its last Patient that said so, when written.
    pub said: Option<String>,
    /// The day it gave, when it gave one.
    pub day: Option<chrono::NaiveDate>,
}

/// Who says a patient died, as the audit log keeps it.
#[derive(Serialize, PartialEq, Eq)]
struct DeathReporters<'a> {
    death_reported_by: Vec<&'a str>,
}

impl<'a> DeathReporters<'a> {
    fn of(reports: &'a [DeathReport]) -> Self {
        DeathReporters {
            death_reported_by: reports.iter().map(|r| r.source.as_str()).collect(),
        }
    }
}

/// The sources that say the patient died, by source.
fn death_reports(conn: &Connection, id: PatientId) -> Result<Vec<DeathReport>> {
    let mut stmt = conn.prepare_cached(
        "SELECT source, said, deceased_date FROM death_reports WHERE patient_id = ?1
         ORDER BY source",
    )?;
    let rows: Vec<(String, Option<String>, Option<String>)> = stmt
        .query_map([id.0], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    rows.into_iter()
        .map(|(source, said, day)| {
            Ok(DeathReport {
                source,
                said,
                day: day
                    .filter(|day| !day.is_empty())
                    .map(|day| super::sql_types::parse_date("death_reports.deceased_date", &day))
                    .transpose()?,
            })
        })
        .collect()
}

/// Replaces the patient's `before` reports with `after`.
fn save_death_reports(
    conn: &Connection,
    id: PatientId,
    before: &[DeathReport],
    after: &[DeathReport],
) -> Result<()> {
    let mut remove =
        conn.prepare_cached("DELETE FROM death_reports WHERE patient_id = ?1 AND source = ?2")?;
    for gone in before.iter().filter(|old| !after.contains(old)) {
        remove.execute(params![id.0, gone.source])?;
    }
    let mut insert = conn.prepare_cached(
        "INSERT INTO death_reports (patient_id, source, said, deceased_date)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (patient_id, source) DO UPDATE
         SET said = excluded.said, deceased_date = excluded.deceased_date",
    )?;
    for new in after.iter().filter(|new| !before.contains(new)) {
        insert.execute(params![
            id.0,
            new.source,
            new.said,
            new.day.map(format_date)
        ])?;
    }
    Ok(())
}

/// The sources whose latest word is that the patient lives, by source.
fn alive_reports(conn: &Connection, id: PatientId) -> Result<Vec<AliveReport>> {
    let mut stmt = conn.prepare_cached(
        "SELECT source, said FROM alive_reports WHERE patient_id = ?1 ORDER BY source",
    )?;
    let rows = stmt
        .query_map([id.0], |row| {
            Ok(AliveReport {
                source: row.get(0)?,
                said: row.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Replaces the patient's `before` words that they live with `after`.
fn save_alive_reports(
    conn: &Connection,
    id: PatientId,
    before: &[AliveReport],
    after: &[AliveReport],
) -> Result<()> {
    let mut remove =
        conn.prepare_cached("DELETE FROM alive_reports WHERE patient_id = ?1 AND source = ?2")?;
    for gone in before.iter().filter(|old| !after.contains(old)) {
        remove.execute(params![id.0, gone.source])?;
    }
    let mut insert = conn.prepare_cached(
        "INSERT INTO alive_reports (patient_id, source, said) VALUES (?1, ?2, ?3)
         ON CONFLICT (patient_id, source) DO UPDATE SET said = excluded.said",
    )?;
    for new in after.iter().filter(|new| !before.contains(new)) {
        insert.execute(params![id.0, new.source, new.said])?;
    }
    Ok(())
}

/// A death is a fact once true: no recency takes it away. The stored death stays whatever a
/// newer record leaves unsaid, and an older record's death (any source's) is taken with its
/// day. Every source that says it is kept ([`DeathReport`]): the death stands while any of
/// them has not taken its word back, by saying the patient is alive (`deceasedBoolean: false`)
/// in a record not written before its own last word of the death, and goes with the last
/// one's. A source that never reported it takes nothing back, unless no reporter is known (a
/// death stored before refract kept them, or entered by hand): then any source's explicit word
/// in a record not older than the stored demographics takes it back. Of two days of death,
/// the newer record's holds (by `meta.lastUpdated` against the stored demographics); a day
/// fills in a death known without one. When a reporter takes its word back, the day stays if
/// another reporter gave it, else it is the day the latest remaining report gave (none if
/// they gave none: the only day came from a record its source says was wrong).
///
/// An older version of a source's record never undoes its newer word: a source's latest
/// Patient saying the patient is alive is kept ([`AliveReport`]), and a Patient of that source
/// written before it (an old file read again) reports no death, the audit log saying why. A
/// Patient that does not say when it was written cannot be ordered: the later import's word
/// holds, as for demographics.
fn kept_death(
    stored: &Patient,
    (reports, alive): (&[DeathReport], &[AliveReport]),
    incoming: &Patient,
    facts: &PatientFacts,
    older: bool,
) -> KeptDeath {
    // A Patient staged by a version that did not say its source reports none.
    let reporter = Some(facts.source.as_str()).filter(|source| !source.is_empty());
    let own = reporter.and_then(|source| reports.iter().position(|r| r.source == source));
    // Whether the record was written before its source's own last word of the death.
    let before_own_word = own.is_some_and(|index| {
        matches!(
            (reports[index].said.as_deref(), facts.last_updated.as_deref()),
            (Some(said), Some(incoming)) if written_after(said, incoming)
        )
    });
    let own_alive = reporter.and_then(|source| alive.iter().position(|a| a.source == source));
    // Whether it was written before its source's own latest word that the patient lives: an
    // older version of the source's record (an old file read again), which never undoes it.
    let before_own_alive = own_alive.is_some_and(|index| {
        facts
            .last_updated
            .as_deref()
            .is_some_and(|incoming| written_after(&alive[index].said, incoming))
    });
    let mut alive = alive.to_vec();
    if facts.says_alive
        && incoming.death().is_none()
        && !before_own_word
        && !before_own_alive
        && let (Some(source), Some(said)) = (reporter, facts.last_updated.as_ref())
    {
        let word = AliveReport {
            source: source.to_owned(),
            said: said.clone(),
        };
        if let Some(index) = own_alive {
            alive[index] = word;
        } else {
            alive.push(word);
            alive.sort_by(|a, b| a.source.cmp(&b.source));
        }
    }
    let mut reports = reports.to_vec();
    match (stored.death(), incoming.death()) {
        (Some(death), None) if facts.says_alive && own.is_some() && !before_own_word => {
            if let Some(index) = own {
                reports.remove(index);
            }
            if reports.is_empty() {
                return KeptDeath::living(alive);
            }
            let date = if reports.iter().any(|report| report.day == death.date) {
                death.date
            } else {
                latest_day(&reports)
            };
            // The reports keep no month: one that stays, said by whichever source, is kept
            // while no remaining report gives a day.
            KeptDeath {
                deceased: true,
                date,
                within: death.within.filter(|_| date.is_none()),
                reports,
                alive,
                not_taken: None,
            }
        }
        (Some(_), None) if facts.says_alive && reports.is_empty() && !older => {
            KeptDeath::living(alive)
        }
        (Some(death), None) => KeptDeath {
            deceased: true,
            date: death.date,
            within: death.within,
            reports,
            alive,
            not_taken: None,
        },
        (stored_death, Some(_)) if before_own_alive => {
            let not_taken = own_alive
                .zip(reporter)
                .map(|(index, source)| DeathNotTaken {
                    source: source.to_owned(),
                    reported_in_record_of: facts.last_updated.clone().unwrap_or_default(),
                    alive_in_record_of: alive[index].said.clone(),
                    reason: "written before the source's own newer record saying the patient is \
                         alive: an older version of its record, no new report",
                });
            KeptDeath {
                deceased: stored_death.is_some(),
                date: stored_death.and_then(|death| death.date),
                within: stored_death.and_then(|death| death.within),
                reports,
                alive,
                not_taken,
            }
        }
        (stored_death, Some(told)) => {
            if let Some(source) = reporter {
                let said = DeathReport {
                    source: source.to_owned(),
                    said: facts.last_updated.clone(),
                    day: told.date,
                };
                match own {
                    // Its older record fills in a day, changing nothing else it said.
                    Some(index) if before_own_word => {
                        let report = &mut reports[index];
                        report.day = report.day.or(told.date);
                    }
                    Some(index) => reports[index] = said,
                    None => {
                        reports.push(said);
                        reports.sort_by(|a, b| a.source.cmp(&b.source));
                    }
                }
                // Its word now is the death (none it said the patient lives is newer).
                alive.retain(|word| word.source != source);
            }
            let date = match stored_death {
                Some(kept) if older => kept.date.or(told.date),
                Some(kept) => told.date.or(kept.date),
                None => told.date,
            };
            // A month fills in a death known without one, as a day does; a day, wherever it
            // came from, says more than any month.
            let within = match stored_death {
                _ if date.is_some() => None,
                Some(kept) if older => kept.within.or(told.within),
                Some(kept) => told.within.or(kept.within),
                None => told.within,
            };
            KeptDeath {
                deceased: true,
                date,
                within,
                reports,
                alive,
                not_taken: None,
            }
        }
        (None, None) => KeptDeath::living(alive),
    }
}

impl KeptDeath {
    /// Alive: no source says the patient died.
    fn living(alive: Vec<AliveReport>) -> Self {
        KeptDeath {
            deceased: false,
            date: None,
            within: None,
            reports: Vec::new(),
            alive,
            not_taken: None,
        }
    }
}

/// The day of the report said last that gives one (a report that does not say when it was
/// written counts as the oldest).
fn latest_day(reports: &[DeathReport]) -> Option<chrono::NaiveDate> {
    let mut dated: Vec<&DeathReport> = reports.iter().filter(|r| r.day.is_some()).collect();
    dated.sort_by(|a, b| match (a.said.as_deref(), b.said.as_deref()) {
        (Some(a), Some(b)) if written_after(a, b) => std::cmp::Ordering::Greater,
        (Some(a), Some(b)) if written_after(b, a) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (None, Some(_)) => std::cmp::Ordering::Less,
        _ => std::cmp::Ordering::Equal,
    });
    dated.last().and_then(|report| report.day)
}

/// Keeps what each identifier a Patient carried says of itself (`use`, `type`), for the
/// export to write back; what a source leaves unsaid keeps what another said.
fn describe_identifiers(
    conn: &Connection,
    id: PatientId,
    identifiers: &[PatientIdentifier],
) -> Result<()> {
    // A number retired by the source that re-numbered the patient stays retired: another
    // source's copy still carrying it says nothing of its issuer's records (review r5 R5-10).
    let mut stmt = conn.prepare_cached(
        "UPDATE patient_identifiers
         SET id_use = CASE WHEN id_use = 'old' THEN id_use ELSE coalesce(?4, id_use) END,
             id_type = coalesce(?5, id_type)
         WHERE system = ?1 AND value = ?2 AND patient_id = ?3",
    )?;
    for identifier in identifiers {
        if identifier.usage.is_none() && identifier.kind.is_none() {
            continue;
        }
        let kind = identifier
            .kind
            .as_ref()
            .map(serde_json::to_string)
            .transpose()?;
        stmt.execute(params![
            identifier_systems::canonical(&identifier.system),
            identifier.value,
            id.0,
            identifier.usage,
            kind
        ])?;
    }
    Ok(())
}

/// The identifiers a patient is known by, as their sources wrote them: every one imports
/// match on but refract's own keys (a source's Patient ids, its servers, merged records), in
/// system and value order.
fn patient_identifiers(conn: &Connection, id: PatientId) -> Result<Vec<PatientIdentifier>> {
    let rows: Vec<(String, String, Option<String>, Option<String>)> = conn
        .prepare_cached(
            "SELECT system, value, id_use, id_type
             FROM patient_identifiers INDEXED BY patient_identifiers_patient
             WHERE patient_id = ?1 AND system NOT LIKE 'urn:refract:patient-%'
             ORDER BY system, value",
        )?
        .query_map([id.0], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows
        .into_iter()
        .map(|(system, value, usage, kind)| PatientIdentifier {
            system,
            value,
            usage,
            kind: kind.and_then(|json| serde_json::from_str(&json).ok()),
        })
        .collect())
}

/// One imported resource, as the ledger keeps it.
#[derive(Debug, Clone, Copy)]
pub struct LedgerEntry<'a> {
    pub source: &'a str,
    pub resource_type: &'a str,
    pub id: &'a str,
    /// The Patient it is about (its id, or bundle URL, in `source`); none for a Medication.
    pub subject: Option<&'a str>,
    pub refers: Option<&'a str>,
    pub last_updated: Option<&'a str>,
    /// The day this version says the drug is current (an `active` medication record: its
    /// `meta.lastUpdated`, else the day it was imported), `YYYY-MM-DD`: kept as the resource's
    /// `current_until` when later than what an earlier version said (see [`StoredResource`]).
    pub current_on: Option<&'a str>,
    pub digest: &'a str,
    pub body: &'a str,
    pub import_id: i64,
    /// A record another team's refract export carried under this source's key (its origin,
    /// review OC-6), not the source's own word: kept as `carried`, so that a claim dropped
    /// leaves it with the claimant (review MV-5, MV-6).
    pub carried: bool,
}

/// A staged Patient (`fhir_resources AS r`) that no run stopped in the middle may have left
/// partial: a new patient appears with their whole record or not at all. A run still applying
/// its file (killed, crashed, or another process's at work) holds back the Patients staged by
/// it and by the runs before it: one import of a folder stages a file's Patients and creates
/// them at its end, after the files that hold their records, so a Patient staged by a finished
/// file may have the rest of their record in the one that stopped. A later import of the file
/// stamps them again with its own run. `?1` is the run asking (its own staging is no stop), or 0.
///
/// A run of several files that has not read them all (killed between two files: see
/// [`UnfinishedBatch`]) holds back the Patients its files staged too, unless it is the run
/// asking's own: their other resources may be in a file it never reached.
const NOT_HELD_BACK: &str = "NOT EXISTS (SELECT 1 FROM imports AS i
                                        WHERE i.state = 'applying' AND i.id >= r.import_id
                                          AND i.id <> ?1)
                             AND NOT EXISTS (
                                 SELECT 1 FROM imports AS s
                                 JOIN import_batches AS b ON b.id = s.batch_id
                                 WHERE s.id = r.import_id
                                   AND b.id IS NOT (SELECT a.batch_id FROM imports AS a
                                                    WHERE a.id = ?1))";

/// What upserting one resource did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upserted {
    Added,
    /// The same content was already stored.
    Unchanged,
    Updated,
    /// The stored copy is newer (`meta.lastUpdated`): kept.
    Older,
    /// The resource is stored as another Patient's (named here): not changed. This is how two
    /// systems with the same resource ids, imported without `--source`, show themselves.
    OtherSubject(String),
    /// A newer version filed it under another patient of the same source than the one it was
    /// stored under (named here): moved to them.
    Moved(String),
}

/// Moves the resource stored at `row` (under the Patient id `stored`, `before` its body) to the
/// patient `entry` names, with its new content: both patients rebuilt, each audited with what
/// it was and what it is.
fn move_resource(
    conn: &Connection,
    auditor: &AuditWriter,
    entry: &LedgerEntry<'_>,
    (row, stored, before): (i64, &str, &str),
    (from, to): (PatientId, PatientId),
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE fhir_resources SET subject = ?2, refers = ?3, last_updated = ?4, digest = ?5,
                body = ?6, import_id = ?7, carried = ?8
         WHERE row = ?1",
    )?
    .execute(params![
        row,
        entry.subject,
        entry.refers,
        entry.last_updated,
        entry.digest,
        entry.body,
        entry.import_id,
        entry.carried,
    ])?;
    index_ingredients(conn, entry)?;
    let was = serde_json::json!({
        "source": entry.source, "type": entry.resource_type, "id": entry.id,
        "subject": stored, "patient": from.0, "body": audit_body(before),
    });
    let is = serde_json::json!({
        "source": entry.source, "type": entry.resource_type, "id": entry.id,
        "subject": entry.subject, "patient": to.0, "body": audit_body(entry.body),
    });
    for patient in [from, to] {
        mark_dirty(conn, patient)?;
        auditor.record(
            conn,
            Change {
                action: "import.resource.move",
                entity: "fhir_resources",
                entity_id: Some(entry.import_id),
                patient_id: Some(patient),
            },
            Some(&was),
            Some(&is),
        )?;
    }
    bump_epoch(conn)?;
    Ok(())
}

/// A resource's audit record: its key and what refract kept of it.
#[derive(Debug, Serialize)]
struct ResourceAudit<'a> {
    source: &'a str,
    #[serde(rename = "type")]
    resource_type: &'a str,
    id: &'a str,
    /// The Medication a medication record points at (kept beside what was read of it).
    #[serde(skip_serializing_if = "Option::is_none")]
    refers: Option<String>,
    body: serde_json::Value,
}

pub(super) fn audit_body(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|_| serde_json::Value::String(body.to_owned()))
}

/// The patient a subject of `source` names, if they are stored.
fn patient_of_subject(conn: &Connection, source: &str, subject: &str) -> Result<Option<PatientId>> {
    Ok(conn
        .prepare_cached(
            "SELECT patient_id FROM patient_identifiers WHERE system = ?1 AND value = ?2",
        )?
        .query_row(params![patient_id_system(source), subject], |row| {
            row.get(0)
        })
        .optional()?
        .map(PatientId))
}

/// Upserts one resource. `patient` is whom its subject names, when stored: their rows are
/// marked for rebuilding, and an update of their resource is audited with what it replaced.
/// `keep_seen` re-stamps an unchanged resource with this import (a whole-record replace
/// removes what was not seen).
fn upsert_resource(
    conn: &Connection,
    auditor: &AuditWriter,
    entry: &LedgerEntry<'_>,
    patient: Option<PatientId>,
    keep_seen: bool,
) -> Result<Upserted> {
    // Most resources of an import are new: try the insert first. Without `RETURNING` (SQLite
    // runs it as a trigger, and a statement with a trigger keeps a statement journal: a copy of
    // every page it touches, a fifth of the cost of the insert); the count of rows changed
    // says the same.
    let inserted = conn
        .prepare_cached(
            "INSERT INTO fhir_resources (source, type, id, subject, refers, last_updated, digest,
                                         body, import_id, current_until, carried)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT DO NOTHING",
        )?
        .execute(params![
            entry.source,
            entry.resource_type,
            entry.id,
            entry.subject,
            entry.refers,
            entry.last_updated,
            entry.digest,
            entry.body,
            entry.import_id,
            entry.current_on,
            entry.carried,
        ])?;
    if inserted > 0 {
        if let Some(patient) = patient {
            mark_dirty(conn, patient)?;
        }
        index_ingredients(conn, entry)?;
        return Ok(Upserted::Added);
    }
    let (row, stored_subject, digest, before, stored_updated, stored_refers): (
        i64,
        Option<String>,
        String,
        String,
        Option<String>,
        Option<String>,
    ) = conn
        .prepare_cached(
            "SELECT row, subject, digest, body, last_updated, refers FROM fhir_resources
             WHERE source = ?1 AND type = ?2 AND id = ?3",
        )?
        .query_row(
            params![entry.source, entry.resource_type, entry.id],
            |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                    row.get(5)?,
                ))
            },
        )?;
    // Held from the Patient that came under its id (see `kept_aside`): a new version of it is
    // still no one's, and changes no patient.
    let held = stored_subject
        .as_deref()
        .and_then(|stored| stored.strip_prefix(kept_aside::HELD_PREFIX));
    let patient = if held.is_some() { None } else { patient };
    if let (Some(stored), Some(incoming)) = (stored_subject.as_deref(), entry.subject)
        && stored != incoming
        && held != Some(incoming)
    {
        // The source's newer version files it under another of its own patients: it corrected
        // a record charted to the wrong patient (R4: the resource is the same, its subject
        // changed). Moved, both patients rebuilt, the move audited on each. Only when what
        // refract read of it is the stored version's, its subject alone changed: another
        // record under a colliding id (a second system's files under the unnamed source, its
        // own drug for its own patient) is no correction, and would take the first patient's
        // record away. Without both times, or between anyone else, which version is the
        // source's word cannot be told.
        let newer = matches!(
            (stored_updated.as_deref(), entry.last_updated),
            (Some(stored), Some(incoming)) if written_after(incoming, stored)
        );
        let same_record = digest == entry.digest && stored_refers.as_deref() == entry.refers;
        let from = patient_of_subject(conn, entry.source, stored)?;
        // Another Patient id of the same patient (a record the source merged into this one,
        // joined, see `joins`): no move. Unless older, the version is filed under the id it
        // names, and stored as any version is.
        let older = matches!(
            (stored_updated.as_deref(), entry.last_updated),
            (Some(stored), Some(incoming)) if written_after(stored, incoming)
        );
        if from.is_some() && from == patient {
            if !older {
                conn.prepare_cached("UPDATE fhir_resources SET subject = ?2 WHERE row = ?1")?
                    .execute(params![row, incoming])?;
            }
        } else if let (true, true, Some(from), Some(to)) = (newer, same_record, from, patient)
            && from != to
        {
            move_resource(conn, auditor, entry, (row, stored, &before), (from, to))?;
            return Ok(Upserted::Moved(stored.to_owned()));
        } else {
            return Ok(Upserted::OtherSubject(stored.to_owned()));
        }
    }
    // Whatever becomes of this version (the same, older or newer than the stored one), it said
    // the drug was current on its day: the record keeps the latest such day for good. It bears
    // on the course only where the stored version is another (the same one is current itself).
    if let Some(day) = entry.current_on
        && keep_current_until(conn, row, day)?
        && digest != entry.digest
        && let Some(patient) = patient
    {
        mark_dirty(conn, patient)?;
    }
    // The digest is of what refract read from the resource; the Medication a medication record
    // points at is kept beside it (`refers`), so a record re-pointed at another Medication and
    // otherwise the same is a change too.
    if digest == entry.digest && stored_refers.as_deref() == entry.refers {
        if keep_seen {
            conn.prepare_cached("UPDATE fhir_resources SET import_id = ?2 WHERE row = ?1")?
                .execute(params![row, entry.import_id])?;
        }
        return Ok(Upserted::Unchanged);
    }
    // Keep the newer copy.
    if let (Some(stored), Some(incoming)) = (stored_updated.as_deref(), entry.last_updated)
        && written_after(stored, incoming)
    {
        // The file holds the resource, in an older version: a whole-record replace keeps it.
        if keep_seen {
            conn.prepare_cached("UPDATE fhir_resources SET import_id = ?2 WHERE row = ?1")?
                .execute(params![row, entry.import_id])?;
        }
        return Ok(Upserted::Older);
    }
    conn.prepare_cached(
        "UPDATE fhir_resources SET refers = ?2, last_updated = ?3, digest = ?4, body = ?5,
                import_id = ?6, carried = ?7
         WHERE row = ?1",
    )?
    .execute(params![
        row,
        entry.refers,
        entry.last_updated,
        entry.digest,
        entry.body,
        entry.import_id,
        entry.carried,
    ])?;
    index_ingredients(conn, entry)?;
    if let Some(patient) = patient {
        mark_dirty(conn, patient)?;
        let audit = |body: &str, refers: Option<&'_ str>| ResourceAudit {
            source: entry.source,
            resource_type: entry.resource_type,
            id: entry.id,
            refers: refers.map(str::to_owned),
            body: audit_body(body),
        };
        auditor.record(
            conn,
            Change {
                action: "import.resource.update",
                entity: "fhir_resources",
                entity_id: Some(entry.import_id),
                patient_id: Some(patient),
            },
            Some(&audit(&before, stored_refers.as_deref())),
            Some(&audit(entry.body, entry.refers)),
        )?;
    } else if matches!(
        entry.resource_type,
        "Medication" | "Substance" | "Encounter" | "Device" | "ResearchStudy"
    ) {
        mark_referrers_changed(
            conn,
            auditor,
            &SharedChange {
                action: "import.resource.update",
                source: entry.source,
                resource_type: entry.resource_type,
                id: entry.id,
                before: Some(&before),
                after: Some(entry.body),
                import_id: entry.import_id,
                new_in_file: None,
            },
        )?;
    }
    // A file imported before may hold what this replaced: it is read again next time rather
    // than skipped as already imported (a record that swings back must come back).
    bump_epoch(conn)?;
    Ok(Upserted::Updated)
}

/// Keeps `day` as the resource's `current_until` when no version said a later one; whether it
/// did (the record then reads a longer course: its patient is to be rebuilt).
fn keep_current_until(conn: &Connection, row: i64, day: &str) -> Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE fhir_resources SET current_until = ?2
             WHERE row = ?1 AND (current_until IS NULL OR current_until < ?2)",
        )?
        .execute(params![row, day])?;
    Ok(changed > 0)
}

/// The `refers` of a Medication whose ingredients are resources of their own (a Substance, a
/// Medication): its ingredients' keys are in its body. A `#` is in no FHIR id, so no record
/// refers to a Medication of that id.
pub const INGREDIENTS_ELSEWHERE: &str = "#ingredients";

/// How an Observation's `refers` names the Encounter it was taken in (`Encounter/<id>`): a
/// medication record's names its Medication by the bare id, and no id holds a `/`.
pub const ENCOUNTER_PREFIX: &str = "Encounter/";

/// How a DeviceUseStatement's or a Procedure's `refers` names its Device (`Device/<id>`), as an
/// Observation's names its Encounter.
pub const DEVICE_PREFIX: &str = "Device/";

/// Just past every `refers` starting with [`DEVICE_PREFIX`] (`/` + 1 is `0`): the end of the
/// range an index walk over the devices named takes.
const DEVICE_PREFIX_END: &str = "Device0";

/// How a ResearchSubject's `refers` names its ResearchStudy (`ResearchStudy/<id>`).
pub const STUDY_PREFIX: &str = "ResearchStudy/";

/// Keeps `medication_ingredients` to what a Medication just written names as ingredients of
/// their own (its body's `ingredients[].refers`).
fn index_ingredients(conn: &Connection, entry: &LedgerEntry<'_>) -> Result<()> {
    if entry.resource_type != "Medication" {
        return Ok(());
    }
    conn.prepare_cached(
        "DELETE FROM medication_ingredients WHERE source = ?1 AND medication = ?2",
    )?
    .execute(params![entry.source, entry.id])?;
    if entry.refers == Some(INGREDIENTS_ELSEWHERE) {
        conn.prepare_cached(
            "INSERT OR IGNORE INTO medication_ingredients (source, ingredient, medication)
             SELECT ?1, json_extract(i.value, '$.refers'), ?2
             FROM json_each(?3, '$.ingredients') i
             WHERE json_extract(i.value, '$.refers') IS NOT NULL",
        )?
        .execute(params![entry.source, entry.id, entry.body])?;
    }
    Ok(())
}

/// The stored patients whose medication records refer to a Medication or Substance (which just
/// arrived, changed or went): to it, or to a Medication that names it as an ingredient; or
/// whose Observations were taken in an Encounter, whose device uses name a Device, or whose
/// study places name a ResearchStudy.
fn referrer_patients(
    conn: &Connection,
    source: &str,
    resource_type: &str,
    id: &str,
) -> Result<Vec<PatientId>> {
    let mut patients: Vec<PatientId> = Vec::new();
    let encounter = format!("{ENCOUNTER_PREFIX}{id}");
    let device = format!("{DEVICE_PREFIX}{id}");
    let study = format!("{STUDY_PREFIX}{id}");
    let (refers, ingredient) = match resource_type {
        "Medication" => (Some(id), true),
        "Encounter" => (Some(encounter.as_str()), false),
        "Device" => (Some(device.as_str()), false),
        "ResearchStudy" => (Some(study.as_str()), false),
        _ => (None, true),
    };
    if let Some(refers) = refers {
        patients.extend(
            conn.prepare_cached(
                "SELECT DISTINCT i.patient_id
                 FROM fhir_resources r INDEXED BY fhir_resources_refers
                 JOIN patient_identifiers i
                   ON i.system = 'urn:refract:patient-id:' || r.source AND i.value = r.subject
                 WHERE r.source = ?1 AND r.refers = ?2 AND r.refers IS NOT NULL",
            )?
            .query_map(params![source, refers], |row| row.get(0).map(PatientId))?
            .collect::<rusqlite::Result<Vec<_>>>()?,
        );
    }
    // A procedure naming several devices is found by its first (`refers`); the others are in
    // its body (`named_devices`, see `fhir::parse`): looked for among the few procedures that
    // name a device at all.
    if resource_type == "Device" {
        let quoted = serde_json::to_string(&device).map_err(|err| super::StoreError::Corrupt {
            column: "fhir_resources.refers",
            detail: err.to_string(),
        })?;
        patients.extend(
            conn.prepare_cached(
                "SELECT DISTINCT i.patient_id
                 FROM fhir_resources r INDEXED BY fhir_resources_refers
                 JOIN patient_identifiers i
                   ON i.system = 'urn:refract:patient-id:' || r.source AND i.value = r.subject
                 WHERE r.source = ?1 AND r.refers >= ?2 AND r.refers < ?3
                   AND r.refers IS NOT NULL AND r.type = 'Procedure'
                   AND instr(r.body, ?4) > 0",
            )?
            .query_map(
                params![source, DEVICE_PREFIX, DEVICE_PREFIX_END, quoted],
                |row| row.get(0).map(PatientId),
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?,
        );
    }
    if !ingredient {
        patients.sort_unstable_by_key(|patient| patient.0);
        patients.dedup();
        return Ok(patients);
    }
    // CROSS JOIN: the Medications that name the ingredient first (a few), then their records;
    // the other way round the planner walks every medication record per ingredient.
    patients.extend(
        conn.prepare_cached(
            "SELECT DISTINCT i.patient_id
             FROM medication_ingredients m
             CROSS JOIN fhir_resources r INDEXED BY fhir_resources_refers
               ON r.source = m.source AND r.refers = m.medication AND r.refers IS NOT NULL
             JOIN patient_identifiers i
               ON i.system = 'urn:refract:patient-id:' || r.source AND i.value = r.subject
             WHERE m.source = ?1 AND m.ingredient = ?2",
        )?
        .query_map(params![source, format!("{resource_type}/{id}")], |row| {
            row.get(0).map(PatientId)
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?,
    );
    patients.sort_unstable_by_key(|patient| patient.0);
    patients.dedup();
    Ok(patients)
}

/// How a Medication or Substance changed, for the log of each patient whose drugs it changes.
struct SharedChange<'a> {
    action: &'static str,
    source: &'a str,
    resource_type: &'a str,
    id: &'a str,
    before: Option<&'a str>,
    after: Option<&'a str>,
    import_id: i64,
    /// Patients created by the file at hand: what it brings them is their record, no change.
    new_in_file: Option<&'a BTreeSet<PatientId>>,
}

/// Marks for rebuilding the patients whose records a Medication or Substance's arrival, change
/// or removal changes, and logs on each what it was and what it is: the resource belongs to no
/// patient, but the drug it names is in theirs.
fn mark_referrers_changed(
    conn: &Connection,
    auditor: &AuditWriter,
    change: &SharedChange<'_>,
) -> Result<usize> {
    let patients = referrer_patients(conn, change.source, change.resource_type, change.id)?;
    let audit = |body: &str| ResourceAudit {
        source: change.source,
        resource_type: change.resource_type,
        id: change.id,
        refers: None,
        body: audit_body(body),
    };
    for patient in &patients {
        mark_dirty(conn, *patient)?;
        if change.new_in_file.is_some_and(|new| new.contains(patient)) {
            continue;
        }
        auditor.record(
            conn,
            Change {
                action: change.action,
                entity: "fhir_resources",
                entity_id: Some(change.import_id),
                patient_id: Some(*patient),
            },
            change.before.map(audit).as_ref(),
            change.after.map(audit).as_ref(),
        )?;
    }
    Ok(patients.len())
}

/// What a removal did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    Removed,
    /// Nothing stored under that key.
    Absent,
    /// The stored copy was written after the removal (`meta.lastUpdated`): kept, as a newer
    /// copy is kept over an older one.
    Newer,
}

/// Whether the copy of a resource last updated at `stored` was written after `incoming` (their
/// `meta.lastUpdated`). Instants compare as instants: a server writing its local offset on
/// either side of a daylight-saving change, or writing `Z` in one file and an offset in the
/// next, is still ordered by when it wrote; text that is no instant compares as text, as one
/// server's format does.
pub(crate) fn written_after(stored: &str, incoming: &str) -> bool {
    let instant = |text: &str| chrono::DateTime::parse_from_rfc3339(text.trim()).ok();
    match (instant(stored), instant(incoming)) {
        (Some(stored), Some(incoming)) => stored > incoming,
        _ => stored > incoming,
    }
}

/// Keeps a removal (see migration 0048, `removed_resources`): of two removals of one resource
/// the later time of each kind holds.
fn remember_removal(
    conn: &Connection,
    (source, resource_type, id): (&str, &str, &str),
    deleted_at: Option<&str>,
    removed_version: Option<&str>,
    import_id: i64,
) -> Result<()> {
    if deleted_at.is_none() && removed_version.is_none() {
        // Neither time is known: no later copy can be told older than the removal, and the
        // order of the imports decides (README, *What a re-import changes*).
        return Ok(());
    }
    let known = stored_removal(conn, (source, resource_type, id))?;
    let later = |known: Option<String>, new: Option<&str>| match (known, new) {
        (Some(known), Some(new)) if written_after(new, &known) => Some(new.to_owned()),
        (Some(known), _) => Some(known),
        (None, new) => new.map(str::to_owned),
    };
    let (known_deleted, known_version) = known.unwrap_or_default();
    conn.prepare_cached(
        "INSERT INTO removed_resources (source, type, id, deleted_at, removed_version, import_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (source, type, id) DO UPDATE SET deleted_at = excluded.deleted_at,
             removed_version = excluded.removed_version, import_id = excluded.import_id",
    )?
    .execute(params![
        source,
        resource_type,
        id,
        later(known_deleted, deleted_at),
        later(known_version, removed_version),
        import_id,
    ])?;
    Ok(())
}

/// The removal of a resource kept (see [`remember_removal`]): when it was made and the
/// version it removed, each where known; `None` when none is kept.
fn stored_removal(
    conn: &Connection,
    (source, resource_type, id): (&str, &str, &str),
) -> Result<Option<(Option<String>, Option<String>)>> {
    Ok(conn
        .prepare_cached(
            "SELECT deleted_at, removed_version FROM removed_resources
             WHERE source = ?1 AND type = ?2 AND id = ?3",
        )?
        .query_row(params![source, resource_type, id], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?)
}

/// Whether a copy of a resource written at `last_updated` is older than a removal of it an
/// import applied before (see [`remember_removal`]): written before the removal was made, or no
/// later than the copy it removed. A later copy is the resource written again: the removal is
/// forgotten. A copy that does not say when it was written cannot be ordered and is not kept
/// out (the later import wins, as for any resource without a time).
fn removed_after(
    conn: &Connection,
    (source, resource_type, id): (&str, &str, &str),
    last_updated: Option<&str>,
) -> Result<bool> {
    let Some(written) = last_updated else {
        return Ok(false);
    };
    let known = stored_removal(conn, (source, resource_type, id))?;
    let Some((deleted_at, removed_version)) = known else {
        return Ok(false);
    };
    let older = deleted_at
        .as_deref()
        .is_some_and(|deleted| written_after(deleted, written))
        || removed_version
            .as_deref()
            .is_some_and(|removed| !written_after(written, removed));
    if !older {
        conn.prepare_cached(
            "DELETE FROM removed_resources WHERE source = ?1 AND type = ?2 AND id = ?3",
        )?
        .execute(params![source, resource_type, id])?;
    }
    Ok(older)
}

/// Removes a resource the source says is gone, auditing what it held, unless the stored copy
/// was written after the removal. The removal is kept (see [`remember_removal`]).
fn remove_resource(
    conn: &Connection,
    auditor: &AuditWriter,
    (source, resource_type, id): (&str, &str, &str),
    (last_updated, after_stored): (Option<&str>, bool),
    import_id: i64,
) -> Result<Removal> {
    let stored: Option<Option<String>> = conn
        .prepare_cached(
            "SELECT last_updated FROM fhir_resources WHERE source = ?1 AND type = ?2 AND id = ?3",
        )?
        .query_row(params![source, resource_type, id], |row| row.get(0))
        .optional()?;
    let Some(stored_updated) = stored else {
        // Nothing to remove, but a removal that says when it was made still keeps out a copy
        // written before it that a later import reads (an older export of the resource).
        if last_updated.is_some() {
            remember_removal(
                conn,
                (source, resource_type, id),
                last_updated,
                None,
                import_id,
            )?;
        }
        return Ok(Removal::Absent);
    };
    if let (Some(stored), Some(removal)) = (stored_updated.as_deref(), last_updated)
        && written_after(stored, removal)
    {
        return Ok(Removal::Newer);
    }
    remember_removal(
        conn,
        (source, resource_type, id),
        last_updated,
        stored_updated.as_deref().filter(|_| after_stored),
        import_id,
    )?;
    let removed: Option<(Option<String>, String, Option<String>)> = conn
        .prepare_cached(
            "DELETE FROM fhir_resources WHERE source = ?1 AND type = ?2 AND id = ?3
             RETURNING subject, body, refers",
        )?
        .query_row(params![source, resource_type, id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()?;
    let Some((subject, body, refers)) = removed else {
        return Ok(Removal::Absent);
    };
    super::kept_aside::forget_resource(conn, source, resource_type, id)?;
    bump_epoch(conn)?;
    if resource_type == "Medication" {
        conn.prepare_cached(
            "DELETE FROM medication_ingredients WHERE source = ?1 AND medication = ?2",
        )?
        .execute(params![source, id])?;
    }
    let patient = match &subject {
        Some(subject) => patient_of_subject(conn, source, subject)?,
        None => None,
    };
    if let Some(patient) = patient {
        mark_dirty(conn, patient)?;
        auditor.record(
            conn,
            Change {
                action: "import.resource.remove",
                entity: "fhir_resources",
                entity_id: Some(import_id),
                patient_id: Some(patient),
            },
            Some(&ResourceAudit {
                source,
                resource_type,
                id,
                refers,
                body: audit_body(&body),
            }),
            None::<&()>,
        )?;
    } else if matches!(
        resource_type,
        "Medication" | "Substance" | "Encounter" | "Device" | "ResearchStudy"
    ) {
        mark_referrers_changed(
            conn,
            auditor,
            &SharedChange {
                action: "import.resource.remove",
                source,
                resource_type,
                id,
                before: Some(&body),
                after: None,
                import_id,
                new_in_file: None,
            },
        )?;
    }
    Ok(Removal::Removed)
}

/// The (source, subject) pairs a patient's resources are filed under: their Patient ids in
/// each source.
fn subjects_of(conn: &Connection, patient: PatientId) -> Result<Vec<(String, String)>> {
    const PREFIX: &str = "urn:refract:patient-id:";
    let rows: Vec<(String, String)> = conn
        .prepare_cached(
            "SELECT system, value FROM patient_identifiers INDEXED BY patient_identifiers_patient
             WHERE patient_id = ?1",
        )?
        .query_map([patient.0], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(system, value)| {
            system
                .strip_prefix(PREFIX)
                .map(|source| (source.to_owned(), value))
        })
        .collect())
}

/// What the ledger files under `subject` of `source` that import `import_id` did not write
/// (a replace of a patient known by that Patient id, stored or still waiting to be created),
/// removed.
fn remove_unseen_of_subject(
    conn: &Connection,
    auditor: &AuditWriter,
    source: &str,
    subject: &str,
    (import_id, file_made): (i64, Option<&str>),
) -> Result<usize> {
    let gone: Vec<(String, String)> = conn
        .prepare_cached(
            "SELECT type, id FROM fhir_resources INDEXED BY fhir_resources_subject
             WHERE source = ?1 AND subject = ?2 AND subject IS NOT NULL AND import_id <> ?3
             AND type <> 'Patient'",
        )?
        .query_map(params![source, subject, import_id], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut removed = 0;
    for (resource_type, id) in &gone {
        // A copy written after the file was made is news the file could not hold: kept, as a
        // newer copy is kept over an older one.
        let removal = remove_resource(
            conn,
            auditor,
            (source, resource_type, id),
            (file_made, true),
            import_id,
        )?;
        removed += usize::from(removal == Removal::Removed);
    }
    Ok(removed)
}

/// A resource waiting for a patient no import has brought yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waiting {
    pub source: String,
    pub resource_type: String,
    pub id: String,
    /// The Patient id it names.
    pub subject: String,
}

/// Of the (source, subject) pairs given, the resources filed under those that name no stored
/// patient: how many, and the first `limit`.
fn waiting_among(
    conn: &Connection,
    subjects: &[(String, String)],
    limit: usize,
) -> Result<(usize, Vec<Waiting>)> {
    let mut total = 0;
    let mut first = Vec::new();
    for (source, subject) in subjects {
        if patient_of_subject(conn, source, subject)?.is_some() {
            continue;
        }
        // Their Patient was imported and is held back for a file an import stopped in the
        // middle of (said apart, see `held_back_patients`): no resource of theirs waits for it.
        let staged = conn
            .prepare_cached(
                "SELECT 1 FROM fhir_resources WHERE source = ?1 AND type = 'Patient' AND id = ?2",
            )?
            .exists(params![source, subject])?;
        if staged {
            continue;
        }
        let rows: Vec<(String, String)> = conn
            .prepare_cached(
                // Without the index named, SQLite walks the whole source's key index.
                "SELECT type, id FROM fhir_resources INDEXED BY fhir_resources_subject
                 WHERE source = ?1 AND subject = ?2 AND subject IS NOT NULL
                 AND type <> 'Patient' ORDER BY type, id",
            )?
            .query_map(params![source, subject], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        total += rows.len();
        for (resource_type, id) in rows {
            if first.len() < limit {
                first.push(Waiting {
                    source: source.clone(),
                    resource_type,
                    id,
                    subject: subject.clone(),
                });
            }
        }
    }
    Ok((total, first))
}

/// Every resource filed under a Patient no import has brought (a pass over the ledger).
fn waiting_count(conn: &Connection) -> Result<WaitingCount> {
    let per_source: Vec<(String, i64, i64)> = conn
        .prepare(
            "SELECT r.source, count(*), coalesce(sum(EXISTS (
                    SELECT 1 FROM fhir_resources p
                    WHERE p.source = r.source AND p.type = 'Patient' AND p.id = r.subject)), 0)
             FROM fhir_resources r INDEXED BY fhir_resources_subject
             WHERE r.subject IS NOT NULL AND r.type <> 'Patient' AND NOT EXISTS (
                 SELECT 1 FROM patient_identifiers i
                 WHERE i.system = 'urn:refract:patient-id:' || r.source AND i.value = r.subject)
             GROUP BY r.source ORDER BY r.source",
        )?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut count = WaitingCount::default();
    for (source, all, staged) in per_source {
        count.staged += staged as usize;
        let unknown = (all - staged) as usize;
        if unknown > 0 {
            count.unknown += unknown;
            count.unknown_by_source.push((source, unknown));
        }
    }
    Ok(count)
}

/// Resources whose patient no stored patient is (see [`Store::waiting_resources`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WaitingCount {
    /// Whose Patient no import has brought.
    pub unknown: usize,
    /// `unknown`, per source (in source order; `""` is the source of files imported without
    /// `--source`).
    pub unknown_by_source: Vec<(String, usize)>,
    /// Whose Patient an import brought and did not create yet: staged by an import that
    /// stopped before the end of its file (created when the file is imported again), or left
    /// for the next import, `refract flags` or the dashboard to create.
    pub staged: usize,
}

pub(super) fn mark_dirty(conn: &Connection, patient: PatientId) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO import_dirty (patient_id) VALUES (?1) ON CONFLICT DO NOTHING",
    )?
    .execute([patient.0])?;
    Ok(())
}

/// Up to `limit` patients whose rows must be rebuilt, in id order.
fn dirty_patients(conn: &Connection, limit: usize) -> Result<Vec<PatientId>> {
    Ok(conn
        .prepare_cached("SELECT patient_id FROM import_dirty ORDER BY patient_id LIMIT ?1")?
        .query_map([limit as i64], |row| row.get(0).map(PatientId))?
        .collect::<rusqlite::Result<_>>()?)
}

/// A Patient resource waiting to be created (see [`ImportTx::pending_patients`]).
#[derive(Debug, Clone)]
pub struct PendingRow {
    pub source: String,
    pub id: String,
    pub body: String,
    pub import_id: i64,
}

/// One of a patient's stored resources.
#[derive(Debug, Clone)]
pub struct StoredResource {
    pub source: String,
    pub resource_type: String,
    pub id: String,
    pub refers: Option<String>,
    pub body: String,
    /// The last day any version of it (this one, or one an earlier import stored) said the drug
    /// was current (`YYYY-MM-DD`): a version stopped with no end was given at least until then.
    pub current_until: Option<String>,
}

/// Every resource of a patient (filed under any of their Patient ids), in key order.
fn patient_resources(conn: &Connection, patient: PatientId) -> Result<Vec<StoredResource>> {
    let mut all = Vec::new();
    for (source, subject) in subjects_of(conn, patient)? {
        let rows: Vec<StoredResource> = conn
            .prepare_cached(
                "SELECT type, id, refers, body, current_until
                 FROM fhir_resources INDEXED BY fhir_resources_subject
                 WHERE source = ?1 AND subject = ?2 AND subject IS NOT NULL AND type <> 'Patient'",
            )?
            .query_map(params![source, subject], |row| {
                Ok(StoredResource {
                    source: source.clone(),
                    resource_type: row.get(0)?,
                    id: row.get(1)?,
                    refers: row.get(2)?,
                    body: row.get(3)?,
                    current_until: row.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        all.extend(rows);
    }
    all.sort_by(|a, b| {
        (&a.source, &a.resource_type, &a.id).cmp(&(&b.source, &b.resource_type, &b.id))
    });
    Ok(all)
}

/// The body of a Medication, Substance or Encounter resource of `source` (resources kept about
/// no patient).
fn medication_body(
    conn: &Connection,
    source: &str,
    resource_type: &str,
    id: &str,
) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT body FROM fhir_resources WHERE source = ?1 AND type = ?2 AND id = ?3",
        )?
        .query_row(params![source, resource_type, id], |row| row.get(0))
        .optional()?)
}

/// Replaces a patient's imported clinical rows with `record`'s (each row with the id of the
/// resource it came from), and the treatment lines derived from them with none: the caller
/// derives them again from the whole record. Rows people wrote, and lines they entered or
/// corrected, stay. Rows an older refract imported (source `import`) go when a resource of
/// theirs (`resources`: the ids of the patient's resources) is now in the ledger. Bumps the
/// record version (the patient is evaluated again) and clears the patient's rebuild mark.
fn replace_projection(
    conn: &Connection,
    patient: PatientId,
    record: &PatientRecord,
    sources: &SourceIds,
    resources: &[&str],
    created: bool,
) -> Result<Projected> {
    // A patient created in this transaction has no rows to replace.
    if !created {
        remove_projection(conn, patient, resources)?;
    }
    let mut writer = RecordWriter::new(conn)?;
    writer.insert_rows_with_sources(patient, record, Source::Fhir, sources)?;
    let ids = writer.last_ids().clone();
    let version: i64 = conn
        .prepare_cached(
            "UPDATE patients SET record_version = record_version + 1 WHERE id = ?1
             RETURNING record_version",
        )?
        .query_row([patient.0], |row| row.get(0))?;
    conn.prepare_cached("DELETE FROM import_dirty WHERE patient_id = ?1")?
        .execute([patient.0])?;
    Ok(Projected { ids, version })
}

/// Removes a patient's imported rows, derived lines and the lines read from imported
/// resources (see [`replace_projection`]).
fn remove_projection(conn: &Connection, patient: PatientId, resources: &[&str]) -> Result<()> {
    super::write::delete_derived_lines(conn, patient)?;
    super::write::delete_lines_of(conn, patient, crate::domain::LineOrigin::Imported)?;
    // Drug reactions are only ever imported from FHIR: no legacy 'import' rows.
    conn.prepare_cached("DELETE FROM drug_reactions WHERE patient_id = ?1 AND source = 'fhir'")?
        .execute([patient.0])?;
    for table in ["conditions", "drug_exposures", "observations", "procedures"] {
        conn.prepare_cached(&format!(
            "DELETE FROM {table} WHERE patient_id = ?1 AND source = 'fhir'"
        ))?
        .execute([patient.0])?;
        let legacy: Vec<String> = conn
            .prepare_cached(&format!(
                "SELECT DISTINCT source_id FROM {table}
                 WHERE patient_id = ?1 AND source = 'import' AND source_id IS NOT NULL"
            ))?
            .query_map([patient.0], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for id in legacy.iter().filter(|id| resources.contains(&id.as_str())) {
            conn.prepare_cached(&format!(
                "DELETE FROM {table} WHERE patient_id = ?1 AND source = 'import' AND source_id = ?2"
            ))?
            .execute(params![patient.0, id])?;
        }
    }
    Ok(())
}

/// What [`replace_projection`] wrote: the row id of each of the record's rows, and the
/// patient's new record version.
#[derive(Debug, Clone)]
pub struct Projected {
    pub ids: IdMap,
    pub version: i64,
}

/// Adds 1 to the count of resources ever removed or replaced by an import, so that a file
/// imported before is read again rather than skipped (it may restore what was removed or
/// replaced).
pub(super) fn bump_epoch(conn: &Connection) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO meta (key, value) VALUES ('import_epoch', '1')
         ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)",
    )?
    .execute([])?;
    Ok(())
}

/// The epoch of a finished run that is read again every time: epochs count up from 0.
const NEVER_SKIPPED: i64 = -1;

fn epoch(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'import_epoch'")?
        .query_row([], |row| row.get::<_, i64>(0))
        .optional()?
        .unwrap_or(0))
}

/// What identifies a file's run for the already-imported check.
#[derive(Debug, Clone, Copy)]
pub struct RunKey<'a> {
    pub path: &'a str,
    pub sha256: &'a str,
    pub source: &'a str,
    pub mapping: i64,
    pub replace: bool,
    /// The run of several files it belongs to (see [`UnfinishedBatch`]); not part of the key.
    pub batch: Option<i64>,
}

/// What a run of several files covers, which says which later run reads what it did not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum BatchScope {
    /// `refract import` of files or folders, into `source`.
    Files { source: String },
    /// A pull's output: the server (its source name), the group and the types asked, and the
    /// export's `_since` (none: everything).
    Pull {
        server: String,
        group: Option<String>,
        types: Vec<String>,
        since: Option<String>,
    },
}

/// A run of several files that started and has not read them all: killed, or still running
/// in `process`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnfinishedBatch {
    pub id: i64,
    pub scope: BatchScope,
    /// Its files' names (a pull's: their URLs), in the order it reads them.
    pub files: Vec<String>,
    /// How many of them it finished (refused ones included).
    pub files_read: usize,
    pub process: Option<String>,
    pub started: String,
    /// New patients its files staged and no one created: held back (see `NOT_HELD_BACK`).
    pub held_patients: usize,
    /// The file it stopped in the middle of, if it stopped in one.
    pub stopped_in: Option<String>,
}

impl UnfinishedBatch {
    /// The files it did not finish: the one it stopped in, and those it never reached.
    pub fn unread(&self) -> &[String] {
        self.files.get(self.files_read..).unwrap_or_default()
    }
}

fn unfinished_batches(conn: &Connection) -> Result<Vec<UnfinishedBatch>> {
    let rows: Vec<(i64, String, String, i64, Option<String>, String)> = conn
        .prepare_cached(
            "SELECT id, scope, files, files_read, process, started FROM import_batches
             ORDER BY id",
        )?
        .query_map([], |row| {
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
    let mut batches = Vec::with_capacity(rows.len());
    for (id, scope, files, files_read, process, started) in rows {
        // A scope this build cannot read is no one's: its patients stay held back until
        // its files are imported again by name.
        let scope = serde_json::from_str(&scope).unwrap_or(BatchScope::Files {
            source: String::new(),
        });
        let held: i64 = conn
            .prepare_cached(
                "SELECT count(*) FROM imports AS s
                 JOIN fhir_resources AS r INDEXED BY fhir_resources_new_patients
                   ON r.type = 'Patient' AND r.import_id = s.id
                 WHERE s.batch_id = ?1",
            )?
            .query_row([id], |row| row.get(0))?;
        let stopped_in: Option<String> = conn
            .prepare_cached(
                "SELECT path FROM imports WHERE batch_id = ?1 AND state = 'applying'
                 ORDER BY id DESC LIMIT 1",
            )?
            .query_row([id], |row| row.get(0))
            .optional()?;
        batches.push(UnfinishedBatch {
            id,
            scope,
            files: serde_json::from_str(&files).unwrap_or_default(),
            files_read: usize::try_from(files_read).unwrap_or(0),
            process,
            started,
            held_patients: usize::try_from(held).unwrap_or(0),
            stopped_in,
        });
    }
    Ok(batches)
}

/// Whether the same bytes from the same source were imported to the end, with this mapping,
/// and nothing imported was removed or replaced since: importing them again would change
/// nothing.
fn already_imported(conn: &Connection, run: &RunKey<'_>) -> Result<bool> {
    let epoch = epoch(conn)?;
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM imports WHERE sha256 = ?1 AND source = ?2 AND mapping = ?3
                 AND state = 'done' AND epoch = ?4 AND replace >= ?5",
        )?
        .query_row(
            params![
                run.sha256,
                run.source,
                run.mapping,
                epoch,
                i64::from(run.replace)
            ],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Records the start of a run; committed with its first batch, so that an interrupted run is
/// known afterwards.
fn begin_run(
    conn: &Connection,
    run: &RunKey<'_>,
    process: &str,
    now: NaiveDateTime,
) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO imports (path, sha256, imported_at, summary, state, source, mapping, epoch,
                              replace, process, batch_id)
         VALUES (?1, ?2, ?3, '{}', 'applying', ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        run.path,
        run.sha256,
        format_datetime(now),
        run.source,
        run.mapping,
        epoch(conn)?,
        i64::from(run.replace),
        process,
        run.batch,
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Saves what a run has committed so far (the summary of an interrupted run says it).
fn run_progress(conn: &Connection, run: i64, summary: &str) -> Result<()> {
    conn.prepare_cached("UPDATE imports SET summary = ?2 WHERE id = ?1")?
        .execute(params![run, summary])?;
    Ok(())
}

/// Marks a run finished: the epoch is read again, so that removals and updates the run itself
/// made (an entered-in-error record, a replace, a changed resource) do not make the same file
/// be read again next time.
fn finish_run(
    conn: &Connection,
    run: i64,
    summary: &str,
    auditor: &AuditWriter,
    removes: bool,
) -> Result<()> {
    let epoch = if removes { NEVER_SKIPPED } else { epoch(conn)? };
    conn.prepare_cached(
        "UPDATE imports SET summary = ?2, state = 'done', epoch = ?3, process = NULL WHERE id = ?1",
    )?
    .execute(params![run, summary, epoch])?;
    let path: String = conn
        .prepare_cached("SELECT path FROM imports WHERE id = ?1")?
        .query_row([run], |row| row.get(0))?;
    auditor.record(
        conn,
        Change {
            action: "import.file",
            entity: "imports",
            entity_id: Some(run),
            patient_id: None,
        },
        None::<&()>,
        Some(&serde_json::json!({ "path": path, "summary": audit_body(summary) })),
    )?;
    Ok(())
}

/// A run that started and did not finish (killed, or still running in another process).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnfinishedRun {
    pub id: i64,
    pub path: String,
    pub started: String,
    /// What it had committed: its last saved summary.
    pub summary: serde_json::Value,
    /// `host:pid` of the process that ran it.
    pub process: Option<String>,
    pub source: String,
    /// The run of several files it was part of (see [`UnfinishedBatch`]), while that is
    /// unfinished too.
    pub batch: Option<i64>,
    /// Whether it was a file of a pull (then pulled again, not imported again).
    pub pulled: bool,
}

fn unfinished_runs(conn: &Connection) -> Result<Vec<UnfinishedRun>> {
    Ok(conn
        .prepare_cached(
            "SELECT i.id, i.path, i.imported_at, i.summary, i.process, i.source, b.id,
                    coalesce(b.kind = 'pull', 0)
             FROM imports AS i LEFT JOIN import_batches AS b ON b.id = i.batch_id
             WHERE i.state = 'applying' ORDER BY i.id",
        )?
        .query_map([], |row| {
            let summary: String = row.get(3)?;
            Ok(UnfinishedRun {
                id: row.get(0)?,
                path: row.get(1)?,
                started: row.get(2)?,
                summary: audit_body(&summary),
                process: row.get(4)?,
                source: row.get(5)?,
                batch: row.get(6)?,
                pulled: row.get(7)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// Closes runs that an earlier, interrupted process left open and the run about to finish
/// supersedes: of this file (by content: it applies the same resources again), and `newer`
/// (the caller's judgement: the same file in a later export).
fn close_superseded_runs(
    conn: &Connection,
    sha256: &str,
    current: i64,
    newer: &[i64],
) -> Result<usize> {
    let mut closed = conn
        .prepare_cached(
            "UPDATE imports SET state = 'done', process = NULL,
                    summary = json_set(summary, '$.superseded_by', ?2)
             WHERE sha256 = ?1 AND state = 'applying' AND id <> ?2",
        )?
        .execute(params![sha256, current])?;
    for run in newer.iter().filter(|run| **run != current) {
        closed += conn
            .prepare_cached(
                "UPDATE imports SET state = 'done', process = NULL,
                        summary = json_set(summary, '$.superseded_by', ?2)
                 WHERE id = ?1 AND state = 'applying'",
            )?
            .execute(params![run, current])?;
    }
    Ok(closed)
}

/// One write transaction of an import: every change an import makes goes through here, so the
/// importer never speaks SQL.
pub struct ImportTx<'t> {
    conn: &'t Connection,
    auditor: &'t AuditWriter,
}

impl<'t> ImportTx<'t> {
    /// The transaction's connection, for the store's other modules (see `joins`).
    pub(super) fn conn(&self) -> &'t Connection {
        self.conn
    }

    pub(super) fn auditor(&self) -> &'t AuditWriter {
        self.auditor
    }
}

/// What joins a resource's id and the part of it a record stands for, in the id a part carried
/// by a refract export is kept under (see [`ImportTx::remove_carried_parts`]).
pub const CARRIED_PART: char = '#';

/// Where one of a patient's records came from: the source it was imported from, its resource
/// id there and the Patient id it was filed under there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordOrigin {
    pub source: String,
    /// The resource's type there (a reading may come from a DiagnosticReport or a
    /// QuestionnaireResponse, a procedure from a DeviceUseStatement or a ResearchSubject).
    pub resource_type: String,
    pub id: String,
    pub subject: String,
    /// When the source says it wrote the version kept (`meta.lastUpdated`), if it says.
    pub last_updated: Option<String>,
    /// Which of the rows the resource gave this one is, from 1, when it gave several (a
    /// blood-pressure panel's two readings, a report's procedure and reading) or is itself
    /// kept as a part (see [`CARRIED_PART`]); `None` for the one row of its resource.
    pub part: Option<usize>,
}

/// Where a patient's records came from, for a FHIR export to carry (reviews OC-6, OC-11): each
/// (source, Patient id) the patient is known by, per row id each condition, procedure,
/// reading and drug reaction that stands for one resource, or a part of one (a row made from
/// several resources has none), and the CareTeams filed under them, as stored (the FHIR export
/// tells which names their team: the store does not read FHIR).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordOrigins {
    pub patient: Vec<(String, String)>,
    pub conditions: HashMap<i64, RecordOrigin>,
    pub procedures: HashMap<i64, RecordOrigin>,
    pub observations: HashMap<i64, RecordOrigin>,
    pub reactions: HashMap<i64, RecordOrigin>,
    /// A drug record's: the first record of its course (see [`Store::record_origins`]).
    pub exposures: HashMap<i64, RecordOrigin>,
    /// Each CareTeam filed under the patient's Patient ids, with its stored body.
    pub teams: Vec<(RecordOrigin, String)>,
}

impl Store {
    /// The identifiers a patient is known by, as their sources wrote them (see
    /// [`patient_identifiers`]): what a FHIR export writes.
    pub fn patient_identifiers(&self, id: PatientId) -> Result<Vec<PatientIdentifier>> {
        patient_identifiers(&self.conn, id)
    }

    /// Where the patient's records came from (see [`RecordOrigins`]).
    pub fn record_origins(&self, id: PatientId) -> Result<RecordOrigins> {
        let prefix = patient_id_system("");
        let patient = self
            .conn
            .prepare_cached(
                "SELECT system, value FROM patient_identifiers
                 INDEXED BY patient_identifiers_patient
                 WHERE patient_id = ?1 AND system LIKE 'urn:refract:patient-id:%'
                 ORDER BY system, value",
            )?
            .query_map([id.0], |row| Ok((row.get::<_, String>(0)?, row.get(1)?)))?
            .collect::<Result<Vec<(String, String)>, _>>()?
            .into_iter()
            .filter_map(|(system, value)| {
                system
                    .strip_prefix(prefix.as_str())
                    .map(|source| (source.to_owned(), value))
            })
            .collect();
        // Every resource filed under one of their Patient ids, by (type, id): an id held in
        // two sources names no one origin.
        let mut ledger: HashMap<(String, String), Vec<RecordOrigin>> = HashMap::new();
        let mut teams: Vec<(RecordOrigin, String)> = Vec::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT r.source, r.type, r.id, r.subject, r.last_updated,
                    CASE WHEN r.type = 'CareTeam' THEN r.body END
             FROM patient_identifiers i
             JOIN fhir_resources r ON r.source = substr(i.system, length(?2) + 1)
                                  AND r.subject = i.value
             WHERE i.patient_id = ?1 AND i.system LIKE 'urn:refract:patient-id:%'",
        )?;
        let mut rows = stmt.query(params![id.0, prefix])?;
        while let Some(row) = rows.next()? {
            let origin = RecordOrigin {
                source: row.get(0)?,
                resource_type: row.get(1)?,
                id: row.get(2)?,
                subject: row.get(3)?,
                last_updated: row.get(4)?,
                part: None,
            };
            if let Some(body) = row.get::<_, Option<String>>(5)? {
                teams.push((origin.clone(), body));
            }
            ledger
                .entry((origin.resource_type.clone(), origin.id.clone()))
                .or_default()
                .push(origin);
        }
        let mut origins = RecordOrigins {
            patient,
            ..RecordOrigins::default()
        };
        // Each row's resource, of the types that give rows of its table: by resource id, so
        // an id that two of those types hold names no one origin.
        let mut found: Vec<(usize, i64, RecordOrigin)> = Vec::new();
        for (table_index, (table, types)) in [
            ("conditions", &["Condition"][..]),
            // A Device affixed to the patient with no statement is a procedure row of its own
            // (review MV-2), carried as the statement's is.
            (
                "procedures",
                &[
                    "Procedure",
                    "DeviceUseStatement",
                    "Device",
                    "ResearchSubject",
                    "ImagingStudy",
                    "DiagnosticReport",
                ][..],
            ),
            (
                "observations",
                &[
                    "Observation",
                    "DiagnosticReport",
                    "QuestionnaireResponse",
                    "ImagingStudy",
                ][..],
            ),
            ("drug_reactions", &["AllergyIntolerance"][..]),
            // A course carries its record's origin (review OC-11), the source's own version of
            // it taking the course's place; not one joined from several records (renewals),
            // see below.
            (
                "drug_exposures",
                &[
                    "MedicationRequest",
                    "MedicationStatement",
                    "MedicationAdministration",
                    "MedicationDispense",
                ][..],
            ),
        ]
        .into_iter()
        .enumerate()
        {
            let rows = self
                .conn
                .prepare(&format!(
                    "SELECT id, source_id FROM {table}
                     WHERE patient_id = ?1 AND source_id IS NOT NULL ORDER BY id"
                ))?
                .query_map([id.0], |row| Ok((row.get::<_, i64>(0)?, row.get(1)?)))?
                .collect::<Result<Vec<(i64, String)>, _>>()?;
            // A course joined from several records (renewals) is kept under its first record's
            // id, and carries no origin (review K1-2): were it carried as that record, the
            // source's next version of that record alone (a delta file: the first order, now
            // stopped for its renewal) would take the whole course's place and shorten it to
            // that order's dates; a course held twice after a move is seen and told apart by
            // the team, a course shortened is not. Which course joined which record the store
            // cannot tell (it does not read FHIR), so while any medication record of theirs
            // has no course of its own, no course of theirs carries one.
            if table == "drug_exposures" {
                let own: HashSet<&str> = rows.iter().map(|(_, id)| id.as_str()).collect();
                let joined = ledger.iter().any(|((kind, id), _)| {
                    types.contains(&kind.as_str()) && !own.contains(id.as_str())
                });
                if joined {
                    continue;
                }
            }
            for (row, resource) in rows {
                // A bundle URL or a content digest names the resource in one file only.
                if resource.contains(':') {
                    continue;
                }
                let mut candidates = types.iter().filter_map(|kind| {
                    ledger
                        .get(&((*kind).to_owned(), resource.clone()))
                        .map(Vec::as_slice)
                });
                if let (Some([origin]), None) = (candidates.next(), candidates.next()) {
                    found.push((table_index, row, origin.clone()));
                }
            }
        }
        // The rows of one resource (and the parts it was carried in before) are its parts, by
        // table then row: the import takes them as parts of it, which the source's own version
        // of it replaces (review OC-11).
        let base = |origin: &RecordOrigin| {
            let id = origin.id.split(CARRIED_PART).next().unwrap_or_default();
            (
                origin.source.clone(),
                origin.resource_type.clone(),
                id.to_owned(),
            )
        };
        let mut per_resource: HashMap<(String, String, String), (usize, bool)> = HashMap::new();
        for (_, _, origin) in &found {
            let entry = per_resource.entry(base(origin)).or_default();
            entry.0 += 1;
            entry.1 |= origin.id.contains(CARRIED_PART);
        }
        let mut next_part: HashMap<(String, String, String), usize> = HashMap::new();
        for (table_index, row, mut origin) in found {
            let key = base(&origin);
            if per_resource
                .get(&key)
                .is_some_and(|(rows, parted)| *rows > 1 || *parted)
            {
                let part = next_part.entry(key.clone()).or_default();
                *part += 1;
                origin.part = Some(*part);
            }
            origin.id = key.2;
            let table = match table_index {
                0 => &mut origins.conditions,
                1 => &mut origins.procedures,
                2 => &mut origins.observations,
                3 => &mut origins.reactions,
                _ => &mut origins.exposures,
            };
            table.insert(row, origin);
        }
        origins.teams = teams;
        Ok(origins)
    }

    /// When another patient shows the same MRN (value and system) as this one: what tells
    /// this one apart for good, their first Patient id in a source (else their row id).
    pub fn same_mrn_apart(&self, id: PatientId) -> Result<Option<String>> {
        let others: i64 = self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM patients o JOIN patients p ON p.id = ?1
                 WHERE o.mrn = p.mrn AND o.mrn_system = p.mrn_system AND o.id <> p.id",
            )?
            .query_row([id.0], |row| row.get(0))?;
        if others == 0 {
            return Ok(None);
        }
        let resource: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT system || '|' || value FROM patient_identifiers
                 INDEXED BY patient_identifiers_patient
                 WHERE patient_id = ?1 AND system LIKE 'urn:refract:patient-id:%'
                 ORDER BY system, value LIMIT 1",
            )?
            .query_row([id.0], |row| row.get(0))
            .optional()?;
        Ok(Some(
            resource.unwrap_or_else(|| format!("patient-{}", id.0)),
        ))
    }

    /// Whose the patient's MRN is and what its source said of it (see [`ShownMrn`]).
    pub fn shown_mrn(&self, id: PatientId) -> Result<ShownMrn> {
        let row: Option<(bool, Option<String>, Option<String>)> = self
            .conn
            .prepare_cached(
                "SELECT source = 'import', mrn_use, mrn_type FROM patients WHERE id = ?1",
            )?
            .query_row([id.0], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .optional()?;
        Ok(
            row.map_or_else(ShownMrn::default, |(imported, usage, kind)| ShownMrn {
                imported,
                usage,
                kind: kind.and_then(|json| serde_json::from_str(&json).ok()),
            }),
        )
    }

    /// Runs `work` in one immediate transaction (committed if it returns `Ok`), after the bulk
    /// writer's pause when one is due (see [`super::bulk_resume`]).
    pub fn import_write<T>(&mut self, work: impl FnOnce(&ImportTx<'_>) -> Result<T>) -> Result<T> {
        super::bulk_resume();
        let auditor = self.auditor();
        self.write(|tx| {
            work(&ImportTx {
                conn: tx,
                auditor: &auditor,
            })
        })
    }

    /// Whether importing this run's file again would change nothing.
    pub fn already_imported(&self, run: &RunKey<'_>) -> Result<bool> {
        already_imported(&self.conn, run)
    }

    /// Of the (source, subject) pairs given, the resources that still wait for their patient:
    /// how many, and the first `limit`.
    pub fn waiting_among(
        &self,
        subjects: &[(String, String)],
        limit: usize,
    ) -> Result<(usize, Vec<Waiting>)> {
        waiting_among(&self.conn, subjects, limit)
    }

    /// How many resources wait for their patient, by why (a pass over the ledger).
    /// Registers as kept aside the resources filed under those of `subjects` that name no
    /// patient (nor one staged), with what the run wrote of each subject.
    pub fn keep_aside(
        &mut self,
        subjects: &[(String, String)],
        evidence: &std::collections::BTreeMap<(String, String), SubjectEvidence>,
    ) -> Result<usize> {
        self.write(|tx| {
            let mut kept = 0;
            for (source, subject) in subjects {
                if patient_of_subject(tx, source, subject)?.is_some() {
                    continue;
                }
                let staged = tx
                    .prepare_cached(
                        "SELECT 1 FROM fhir_resources WHERE source = ?1 AND type = 'Patient'
                         AND id = ?2",
                    )?
                    .exists(params![source, subject])?;
                if !staged {
                    let named = evidence.get(&(source.clone(), subject.clone()));
                    kept += kept_aside::keep_aside(tx, source, subject, named)?;
                }
            }
            Ok(kept)
        })
    }

    /// The resources kept aside for a Patient that has not come or was found to be someone
    /// else: how many, and the first `limit`.
    pub fn kept_aside(&self, limit: usize) -> Result<(usize, Vec<KeptAside>)> {
        kept_aside::kept_aside(&self.conn, limit)
    }

    pub fn waiting_resources(&self) -> Result<WaitingCount> {
        waiting_count(&self.conn)
    }

    /// Import runs that started and did not finish.
    pub fn unfinished_runs(&self) -> Result<Vec<UnfinishedRun>> {
        unfinished_runs(&self.conn)
    }

    /// The FHIR files whose last finished import read them with another mapping than `mapping`
    /// (an older refract, or other rules lending it words): their rows say what that version
    /// read until they are imported again. refract's own JSON (source `refract`) has no mapping.
    pub fn files_read_by_another_mapping(&self, mapping: i64) -> Result<Vec<String>> {
        let mut statement = self.conn.prepare(
            "SELECT path FROM imports AS i
             WHERE state = 'done' AND mapping <> ?1 AND source <> 'refract'
               AND NOT EXISTS (SELECT 1 FROM imports AS later
                               WHERE later.path = i.path AND later.state = 'done'
                                 AND later.mapping = ?1 AND later.id > i.id)
             GROUP BY path ORDER BY path",
        )?;
        let paths = statement
            .query_map([mapping], |row| row.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(paths)
    }

    /// Says that an import is under way in `process` (`host:pid`), until
    /// [`Store::import_ended`].
    pub fn import_started(&mut self, process: &str, now: NaiveDateTime) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO running_imports (process, started) VALUES (?1, ?2)
                 ON CONFLICT DO UPDATE SET started = excluded.started",
                params![process, format_datetime(now)],
            )?;
            Ok(())
        })
    }

    /// The import in `process` has ended (its patients rebuilt, or it failed).
    pub fn import_ended(&mut self, process: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM running_imports WHERE process = ?1", [process])?;
            Ok(())
        })
    }

    /// Records the start of a run of several files: its patients are held back from everyone
    /// else until [`Store::end_batch`] (see [`UnfinishedBatch`]).
    pub fn begin_batch(
        &mut self,
        scope: &BatchScope,
        files: &[String],
        process: &str,
        now: NaiveDateTime,
    ) -> Result<i64> {
        let kind = match scope {
            BatchScope::Files { .. } => "files",
            BatchScope::Pull { .. } => "pull",
        };
        let since = match scope {
            BatchScope::Pull { since, .. } => since.clone(),
            BatchScope::Files { .. } => None,
        };
        let scope = serde_json::to_string(scope).map_err(|err| {
            super::StoreError::Invalid(format!("cannot record an import's files: {err}"))
        })?;
        let files = serde_json::to_string(files).map_err(|err| {
            super::StoreError::Invalid(format!("cannot record an import's files: {err}"))
        })?;
        self.write(|tx| {
            tx.execute(
                "INSERT INTO import_batches (kind, scope, since, files, process, started)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![kind, scope, since, files, process, format_datetime(now)],
            )?;
            Ok(tx.last_insert_rowid())
        })
    }

    /// The run of several files `batch` has finished `files_read` of them.
    pub fn batch_progress(&mut self, batch: i64, files_read: usize) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE import_batches SET files_read = ?2 WHERE id = ?1",
                params![batch, i64::try_from(files_read).unwrap_or(i64::MAX)],
            )?;
            Ok(())
        })
    }

    /// The run of several files `batch` has read them all, and with them what the unfinished
    /// runs `released` did not read: their held-back patients are whole again, and the file
    /// they stopped in the middle of is read (its run is closed as superseded).
    pub fn end_batch(&mut self, batch: i64, released: &[i64]) -> Result<()> {
        self.write(|tx| {
            for earlier in released {
                tx.execute(
                    "UPDATE imports SET state = 'done', process = NULL,
                            summary = json_set(summary, '$.superseded_by_run_of_files', ?2)
                     WHERE batch_id = ?1 AND state = 'applying'",
                    params![earlier, batch],
                )?;
                tx.execute("DELETE FROM import_batches WHERE id = ?1", [earlier])?;
            }
            tx.execute("DELETE FROM import_batches WHERE id = ?1", [batch])?;
            Ok(())
        })
    }

    /// Runs of several files that started and have not read them all (see
    /// [`UnfinishedBatch`]).
    pub fn unfinished_batches(&self) -> Result<Vec<UnfinishedBatch>> {
        unfinished_batches(&self.conn)
    }

    /// The processes (`host:pid`) that said an import was under way.
    pub fn running_imports(&self) -> Result<Vec<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT process FROM running_imports ORDER BY started")?
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// The files whose import stopped in the middle (killed, crashed) with new patients staged
    /// and not created, and how many: they are created when the file is imported again, whole,
    /// never from the part that was written.
    pub fn held_back_patients(&self) -> Result<Vec<(String, usize)>> {
        let mut statement = self.conn.prepare(
            "SELECT i.path, count(*) FROM imports AS i
             JOIN fhir_resources AS r INDEXED BY fhir_resources_new_patients
               ON r.type = 'Patient'
              AND r.import_id <= i.id
              AND r.import_id > coalesce((SELECT max(e.id) FROM imports AS e
                                           WHERE e.state = 'applying' AND e.id < i.id), 0)
             WHERE i.state = 'applying'
             GROUP BY i.id ORDER BY i.id",
        )?;
        let held = statement
            .query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(held
            .into_iter()
            .map(|(path, count)| (path, usize::try_from(count).unwrap_or(0)))
            .collect())
    }

    /// What an interrupted import left to do: (patients whose rows are to be rebuilt from
    /// their resources, Patient resources waiting to be created).
    pub fn pending_rebuilds(&self) -> Result<(usize, usize)> {
        let dirty: i64 = self
            .conn
            .query_row("SELECT count(*) FROM import_dirty", [], |row| row.get(0))?;
        let new: i64 = self.conn.query_row(
            &format!(
                "SELECT count(*) FROM fhir_resources AS r INDEXED BY fhir_resources_new_patients
                 WHERE r.type = 'Patient' AND {NOT_HELD_BACK}"
            ),
            [0],
            |row| row.get(0),
        )?;
        Ok((dirty as usize, new as usize))
    }
}

impl ImportTx<'_> {
    /// A stored patient, `None` when there is none of that id.
    pub fn patient(&self, id: PatientId) -> Result<Option<Patient>> {
        match super::read::read_patient(self.conn, id) {
            Ok(patient) => Ok(Some(patient)),
            Err(super::StoreError::Sqlite(rusqlite::Error::QueryReturnedNoRows)) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Up to `limit` Patient resources an import found new, waiting to be created.
    pub fn pending_patients(&self, limit: usize) -> Result<Vec<PendingRow>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT source, id, body, import_id
                     FROM fhir_resources AS r INDEXED BY fhir_resources_new_patients
                     WHERE r.type = 'Patient' AND {NOT_HELD_BACK}
                     ORDER BY r.import_id, r.row LIMIT ?2"
            ))?
            .query_map([0, limit as i64], |row| {
                Ok(PendingRow {
                    source: row.get(0)?,
                    id: row.get(1)?,
                    body: row.get(2)?,
                    import_id: row.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Whether any Patient resource waits to be created at the end of the run `run` (not one
    /// held back for a file an earlier run stopped in the middle of).
    pub fn any_pending_patient(&self, run: i64) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT 1 FROM fhir_resources AS r INDEXED BY fhir_resources_new_patients
                 WHERE r.type = 'Patient' AND {NOT_HELD_BACK} LIMIT 1"
            ))?
            .exists([run])?)
    }

    /// Forgets a pending Patient resource (created, merged, or refused).
    pub fn remove_pending_patient(&self, source: &str, id: &str) -> Result<()> {
        self.conn
            .prepare_cached(
                "DELETE FROM fhir_resources WHERE source = ?1 AND type = 'Patient' AND id = ?2",
            )?
            .execute(params![source, id])?;
        Ok(())
    }

    /// The patient known by (system, value).
    pub fn patient_by_identifier(&self, system: &str, value: &str) -> Result<Option<PatientId>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT patient_id FROM patient_identifiers WHERE system = ?1 AND value = ?2",
            )?
            .query_row(params![system, value], |row| row.get(0))
            .optional()?
            .map(PatientId))
    }

    /// The id the next patient inserted will get ([`super::write::NEXT_PATIENT_ID`]: past every
    /// patient stored or joined away). Patients created by an import are known by it (their identifiers are
    /// stored under it, their record read and evaluated) before their row is written with its
    /// list columns, in the same transaction (see [`ImportTx::defer_foreign_keys`]).
    pub fn next_patient_id(&self) -> Result<PatientId> {
        Ok(PatientId(
            self.conn
                .prepare_cached(super::write::NEXT_PATIENT_ID)?
                .query_row([], |row| row.get(0))?,
        ))
    }

    /// Checks this transaction's references at its commit rather than row by row: the
    /// identifiers of a patient are stored before the patient's row (SQLite ends the setting
    /// with the transaction).
    pub fn defer_foreign_keys(&self) -> Result<()> {
        self.conn.pragma_update(None, "defer_foreign_keys", true)?;
        Ok(())
    }

    /// Stores a new patient's row (`fhir_id`: their Patient resource id, shown for reference)
    /// with their list columns, under the id [`ImportTx::next_patient_id`] gave them.
    pub fn insert_patient(
        &self,
        id: PatientId,
        patient: &Patient,
        fhir_id: Option<&str>,
        facts: NewPatientFacts<'_>,
        projection: &ListProjection,
        now: NaiveDateTime,
    ) -> Result<()> {
        insert_patient(self.conn, id, patient, fhir_id, facts, projection, now)
    }

    /// Stores the identifiers a patient is known by; those another patient already holds are
    /// found to be shared, name neither from now on, and are returned.
    pub fn add_identifiers(
        &self,
        id: PatientId,
        keys: &[(String, String)],
        claimant: &Claimant<'_>,
    ) -> Result<AddedIdentifiers> {
        add_identifiers(self.conn, self.auditor, id, keys, claimant)
    }

    /// See [`record_subjects`]: the Patient ids of `source` a whole-record replace of an
    /// export known by a bundle `urn:uuid` alone speaks for, beside its own.
    pub fn record_subjects(
        &self,
        patient: PatientId,
        source: &str,
        keys: &[(String, String)],
    ) -> Result<Vec<String>> {
        record_subjects(self.conn, patient, source, keys)
    }

    /// Copies of the resource `entry` just wrote that an earlier run kept aside under another
    /// source, with the same content for the same Patient id (the same file imported again
    /// with its own `--source`): removed, with the patient one was given to rebuilt, each
    /// audited. Returns how many.
    pub fn drop_kept_aside_copies(&self, entry: &LedgerEntry<'_>) -> Result<usize> {
        let Some(subject) = entry.subject else {
            return Ok(0);
        };
        let copies = super::kept_aside::copies_elsewhere(
            self.conn,
            (entry.source, entry.resource_type, entry.id),
            subject,
            entry.digest,
        )?;
        for (source, held, attached) in &copies {
            remove_resource(
                self.conn,
                self.auditor,
                (source, entry.resource_type, entry.id),
                (None, false),
                entry.import_id,
            )?;
            self.auditor.record(
                self.conn,
                Change {
                    action: "import.kept_aside.dropped",
                    entity: "fhir_resources",
                    entity_id: Some(entry.import_id),
                    patient_id: *attached,
                },
                Some(&serde_json::json!({
                    "source": source,
                    "type": entry.resource_type,
                    "id": entry.id,
                    "subject": subject,
                    "held": held,
                })),
                Some(&serde_json::json!({"arrived_under": entry.source})),
            )?;
        }
        Ok(copies.len())
    }

    /// See [`retire_identifiers`]: for a patient created by this run, whose demographics no
    /// update brings.
    pub fn retire_identifiers(&self, id: PatientId, retired: &[(String, String)]) -> Result<()> {
        retire_identifiers(self.conn, id, retired)
    }

    /// See [`describe_identifiers`].
    pub fn describe_identifiers(
        &self,
        id: PatientId,
        identifiers: &[PatientIdentifier],
    ) -> Result<()> {
        describe_identifiers(self.conn, id, identifiers)
    }

    /// Keeps every name a Patient record of the patient held (`patient_names`): what a masked
    /// screen cuts and whom a later record under their id is compared with. Names are added,
    /// never removed: a name once theirs identifies them still.
    pub fn keep_names(&self, id: PatientId, names: &[(String, String)]) -> Result<()> {
        let mut insert = self.conn.prepare_cached(
            "INSERT OR IGNORE INTO patient_names (patient_id, family_name, given_name)
             VALUES (?1, ?2, ?3)",
        )?;
        for (family, given) in names {
            insert.execute(params![id.0, family, given])?;
        }
        Ok(())
    }

    /// See [`update_demographics`]: audited with what it replaced.
    pub fn update_demographics(
        &self,
        id: PatientId,
        patient: &Patient,
        facts: &PatientFacts,
        import_id: i64,
    ) -> Result<DemographicsChange> {
        update_demographics(self.conn, self.auditor, id, patient, facts, import_id)
    }

    /// Upserts one resource; `patient` is whom its subject names, when stored.
    pub fn upsert_resource(
        &self,
        entry: &LedgerEntry<'_>,
        patient: Option<PatientId>,
        keep_seen: bool,
    ) -> Result<Upserted> {
        upsert_resource(self.conn, self.auditor, entry, patient, keep_seen)
    }

    /// Removes, audited, the parts of a resource a refract export carried it in (review OC-11:
    /// a reading of a panel, a report's procedure and reading, each kept under the resource's
    /// id and `#` and its part, see `fhir::ORIGIN_URL`), now that the source's own version of
    /// the resource, or its removal, stands for them all. A FHIR id has no `#`: no resource of
    /// the source's own is taken. `subject`: the Patient id the resource is filed under, whose
    /// parts alone it stands for (review K1-1: under the unnamed source, two systems' files
    /// share ids, and one patient's resource never takes out another's parts); `None` for a
    /// deletion naming no one, which is taken at its key as the removal of a stored copy is.
    /// The number removed.
    pub fn remove_carried_parts(
        &self,
        source: &str,
        resource_type: &str,
        id: &str,
        subject: Option<&str>,
        import_id: i64,
    ) -> Result<usize> {
        if id.contains(CARRIED_PART) {
            return Ok(0);
        }
        // Every id that starts with `id#` sorts from `id#` to before `id$` (`$` follows `#`).
        let parts = self
            .conn
            .prepare_cached(
                "SELECT id FROM fhir_resources
                 WHERE source = ?1 AND type = ?2 AND id >= ?3 || '#' AND id < ?3 || '$'
                   AND (?4 IS NULL OR subject = ?4)",
            )?
            .query_map(params![source, resource_type, id, subject], |row| {
                row.get::<_, String>(0)
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut removed = 0;
        for part in parts {
            if remove_resource(
                self.conn,
                self.auditor,
                (source, resource_type, &part),
                (None, false),
                import_id,
            )? == Removal::Removed
            {
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// The patient a subject of `source` names, if they are stored.
    pub fn patient_of_subject(&self, source: &str, subject: &str) -> Result<Option<PatientId>> {
        patient_of_subject(self.conn, source, subject)
    }

    /// Of the (source, subject) pairs given, the resources that still wait for their patient.
    pub fn waiting_among(
        &self,
        subjects: &[(String, String)],
        limit: usize,
    ) -> Result<(usize, Vec<Waiting>)> {
        waiting_among(self.conn, subjects, limit)
    }

    /// Marks for rebuilding, and logs on each, the patients whose records refer to a Medication
    /// or Substance that just arrived (`body`).
    pub fn mark_referrers_added(
        &self,
        source: &str,
        resource_type: &str,
        id: &str,
        body: &str,
        import_id: i64,
        new_in_file: &BTreeSet<PatientId>,
    ) -> Result<usize> {
        mark_referrers_changed(
            self.conn,
            self.auditor,
            &SharedChange {
                action: "import.resource.add",
                source,
                resource_type,
                id,
                before: None,
                after: Some(body),
                import_id,
                new_in_file: Some(new_in_file),
            },
        )
    }

    /// Removes a resource the source says is gone (see [`remove_resource`]). `removal`: when
    /// the source says it was made, and whether it came after the stored copy was written (so
    /// that the copy dates it, see [`remember_removal`]): not for a deletion that may be older
    /// than what is stored.
    pub fn remove_resource(
        &self,
        source: &str,
        resource_type: &str,
        id: &str,
        removal: (Option<&str>, bool),
        import_id: i64,
    ) -> Result<Removal> {
        remove_resource(
            self.conn,
            self.auditor,
            (source, resource_type, id),
            removal,
            import_id,
        )
    }

    /// The Patient id (or URL) a stored resource is filed under: `None` when nothing is stored
    /// under that key, `Some(None)` for a resource about no patient (a Medication).
    pub fn stored_subject(
        &self,
        source: &str,
        resource_type: &str,
        id: &str,
    ) -> Result<Option<Option<String>>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT subject FROM fhir_resources WHERE source = ?1 AND type = ?2 AND id = ?3",
            )?
            .query_row(params![source, resource_type, id], |row| row.get(0))
            .optional()?)
    }

    /// A whole-record replace of the Patient `subject` of `source` (a patient stored or not
    /// yet) by the import `import_id`: removes what it did not write or see of what the source
    /// files under that Patient id, and only that (a patient joined with another record also
    /// holds what is filed under the other's id, which the file does not speak for).
    /// `file_made`: when the file was made, as far as it says (its `Bundle.timestamp`, else the
    /// latest `meta.lastUpdated` it holds): a stored copy written after it is kept, and the
    /// removal is dated by it (see [`remember_removal`]).
    pub fn remove_unseen_of_subject(
        &self,
        source: &str,
        subject: &str,
        import_id: i64,
        file_made: Option<&str>,
    ) -> Result<usize> {
        remove_unseen_of_subject(
            self.conn,
            self.auditor,
            source,
            subject,
            (import_id, file_made),
        )
    }

    /// Whether a copy written at `last_updated` is older than a removal of the resource an
    /// import applied before (see [`removed_after`]); a later copy clears that removal.
    pub fn removed_after(
        &self,
        source: &str,
        resource_type: &str,
        id: &str,
        last_updated: Option<&str>,
    ) -> Result<bool> {
        removed_after(self.conn, (source, resource_type, id), last_updated)
    }

    /// Marks a stored resource as seen by the import `import_id` (a whole-record replace keeps
    /// what its file holds, in an older version too).
    pub fn mark_seen(
        &self,
        source: &str,
        resource_type: &str,
        id: &str,
        import_id: i64,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE fhir_resources SET import_id = ?4
                 WHERE source = ?1 AND type = ?2 AND id = ?3",
            )?
            .execute(params![source, resource_type, id, import_id])?;
        Ok(())
    }

    /// Audits resources added to a patient the database already held (one row per patient and
    /// batch, naming them).
    pub fn audit_added(&self, patient: PatientId, import_id: i64, added: &[String]) -> Result<()> {
        self.auditor.record(
            self.conn,
            Change {
                action: "import.resource.add",
                entity: "fhir_resources",
                entity_id: Some(import_id),
                patient_id: Some(patient),
            },
            None::<&()>,
            Some(&serde_json::json!({ "resources": added })),
        )?;
        Ok(())
    }

    pub fn begin_run(&self, run: &RunKey<'_>, process: &str, now: NaiveDateTime) -> Result<i64> {
        begin_run(self.conn, run, process, now)
    }

    pub fn run_progress(&self, run: i64, summary: &str) -> Result<()> {
        run_progress(self.conn, run, summary)
    }

    /// Marks a run done. A run whose file `removes` (a resource entered in error or deleted, a
    /// whole record replaced) is never skipped as already imported: a later file may add back
    /// what it removes, and adding moves no epoch (most imports add, and would make every file
    /// be read again).
    /// `superseded`: interrupted runs this one replaces (see [`close_superseded_runs`]).
    pub fn finish_run(
        &self,
        run: i64,
        sha256: &str,
        summary: &str,
        removes: bool,
        superseded: &[i64],
    ) -> Result<()> {
        close_superseded_runs(self.conn, sha256, run, superseded)?;
        finish_run(self.conn, run, summary, self.auditor, removes)
    }

    pub fn dirty_patients(&self, limit: usize) -> Result<Vec<PatientId>> {
        dirty_patients(self.conn, limit)
    }

    /// Which of `ids` are marked for rebuilding.
    pub fn dirty_among(&self, ids: &[PatientId]) -> Result<Vec<PatientId>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT 1 FROM import_dirty WHERE patient_id = ?1")?;
        let mut dirty = Vec::new();
        for id in ids {
            if stmt.exists([id.0])? {
                dirty.push(*id);
            }
        }
        Ok(dirty)
    }

    pub fn patient_resources(&self, patient: PatientId) -> Result<Vec<StoredResource>> {
        patient_resources(self.conn, patient)
    }

    /// The body of a resource kept about no patient: a Medication, Substance or Encounter.
    pub fn medication_body(
        &self,
        source: &str,
        resource_type: &str,
        id: &str,
    ) -> Result<Option<String>> {
        medication_body(self.conn, source, resource_type, id)
    }

    /// Sets the patient's care team as their CareTeams name it (review OC-7): `to` says the
    /// team given the one they have (`None`: left as it is), audited with the team it
    /// replaces; the same team again changes nothing.
    pub fn set_care_team<'t>(
        &self,
        patient: PatientId,
        to: impl FnOnce(&str) -> Option<&'t str>,
    ) -> Result<()> {
        let before: String = self
            .conn
            .prepare_cached("SELECT care_team FROM patients WHERE id = ?1")?
            .query_row([patient.0], |row| row.get(0))?;
        let Some(team) = to(&before).filter(|team| *team != before) else {
            return Ok(());
        };
        self.conn
            .prepare_cached("UPDATE patients SET care_team = ?2 WHERE id = ?1")?
            .execute(params![patient.0, team])?;
        self.auditor.record(
            self.conn,
            Change {
                action: "import.patient.care_team",
                entity: "patients",
                entity_id: Some(patient.0),
                patient_id: Some(patient),
            },
            Some(&serde_json::json!({ "care_team": before })),
            Some(&serde_json::json!({ "care_team": team })),
        )?;
        Ok(())
    }

    /// See [`replace_projection`].
    pub fn replace_projection(
        &self,
        patient: PatientId,
        record: &PatientRecord,
        sources: &SourceIds,
        resources: &[&str],
        created: bool,
    ) -> Result<Projected> {
        replace_projection(self.conn, patient, record, sources, resources, created)
    }

    /// Stores the first assessments of a patient created in this transaction (their row was
    /// inserted with the list columns computed from them: such a patient has no review, way
    /// forward or task yet).
    pub fn save_first_evaluation(
        &self,
        patient: PatientId,
        assessments: &[crate::domain::Assessment],
        evaluated: &super::Evaluated<'_>,
    ) -> Result<()> {
        super::insert_assessments(self.conn, patient, assessments, evaluated.record_version)?;
        super::stamp_evaluated(
            self.conn,
            patient.0,
            patient.0,
            evaluated.rules_stamp,
            evaluated.today,
        )?;
        Ok(())
    }

    /// Stores a patient's fresh assessments, stamped, with their list row.
    pub fn save_evaluation(
        &self,
        patient: PatientId,
        assessments: &[crate::domain::Assessment],
        evaluated: &super::Evaluated<'_>,
    ) -> Result<()> {
        super::save_evaluation(self.conn, patient, assessments, evaluated)
    }

    /// The patient's whole record as stored (what the team entered included).
    pub fn record(&self, patient: PatientId) -> Result<PatientRecord> {
        super::read::read_record(self.conn, patient)
    }

    /// Stores lines derived for a patient; returns their row ids.
    pub fn insert_lines(
        &self,
        patient: PatientId,
        lines: &[crate::domain::TreatmentLine],
    ) -> Result<Vec<i64>> {
        let mut writer = RecordWriter::new(self.conn)?;
        lines
            .iter()
            .map(|line| writer.insert_line(patient, line))
            .collect()
    }
}
