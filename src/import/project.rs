//! Rebuilding a patient's imported rows from all of their stored resources: medication records
//! joined to their Medication (wherever it came from), readings placed by the Encounter they
//! were taken in (see `fhir::encounter`), renewals merged into exposures, the
//! clinical rows replaced, the treatment lines derived again and the patient evaluated. Run for
//! every patient an import changed, after the import's files are written, so that a patient
//! touched by four files of a Bulk export is rebuilt once; and, within a file's own
//! transaction, for a patient the file creates (see `apply`).
//!
//! Each batch of patients is read, then computed on both cores (mapping, line derivation and
//! evaluation are pure), then written; a transaction takes batch after batch for up to a tenth
//! of a second.

use std::collections::{HashMap, HashSet};

use std::time::Instant;

use chrono::{Datelike, Months, NaiveDate, NaiveDateTime, NaiveTime};

use crate::domain::{
    Assessment, Condition, DatePrecision, Patient, PatientId, PatientRecord, Procedure,
};
use crate::fhir::devices::{finish_shared, product_of_row};
use crate::fhir::encounter::{KeptEncounter, Visit, place_readings};
use crate::fhir::{
    ImportedItems, Item, Orders, Product, RowSources, TeamSaid, care_team_of, finish_medication,
    given_at_least_until, named_by, record_of, resolve_indications, resolve_indications_among,
    resolve_named_conditions, take_dosage_of_orders, take_reasons_of_orders,
};
use crate::rules::Rules;
use crate::store::imports::{
    DEVICE_PREFIX, DemographicsChange, ENCOUNTER_PREFIX, IdentityLookup, ImportTx, NewPatientFacts,
    PatientMatch, PendingRow, STUDY_PREFIX, StoredResource,
};
use crate::store::kept_aside::Claimant;
use crate::store::{
    BULK_TRANSACTION, Evaluated, ListProjection, SourceIds, Store, StoreError, now_utc,
};

use super::{ImportWarning, MAX_WARNINGS, PendingPatient, identity_problem};

/// Patients read, computed and written at a time: a few hundredths of a second of work. A
/// transaction takes batch after batch up to [`BULK_TRANSACTION`], so that a colleague's save
/// never waits long while commits (each writes every page the transaction touched) stay few.
const PATIENTS_PER_BATCH: usize = 50;

/// A batch also ends once its patients have this many resources: 50 patients of a large Bulk
/// export (a hundred blood pressures each) were 0.2 s of work, twice a transaction's time.
const RESOURCES_PER_BATCH: usize = 1_000;

/// What [`rebuild_dirty`] did.
#[derive(Debug, Clone, Default)]
pub struct Rebuilt {
    /// Patients whose rows were written from their resources (created ones included), each
    /// once however many times: a patient created from their file and given a resource by a
    /// later one is one patient rebuilt.
    pub patients: std::collections::BTreeSet<PatientId>,
    /// Patients created from Patient resources that named no stored patient.
    pub created: usize,
    /// Patients whose newer demographics a Patient written before them left as they were.
    pub demographics_kept_newer: usize,
    /// Medication records whose Medication (or one of its ingredients) no import brought (kept
    /// as an unidentified drug, or an unnamed ingredient), and Patient resources left out
    /// because their identifiers became ambiguous.
    pub unresolved: Vec<ImportWarning>,
}

impl Rebuilt {
    fn warn(&mut self, resource: String, message: String) {
        if self.unresolved.len() < MAX_WARNINGS {
            self.unresolved.push(ImportWarning {
                at: String::new(),
                resource,
                message,
            });
        }
    }
}

/// Rebuilds every patient marked as changed (by this run, or by one that was interrupted).
pub fn rebuild_dirty(
    store: &mut Store,
    rules: &Rules,
    today: NaiveDate,
) -> Result<Rebuilt, StoreError> {
    let mut rebuilt = Rebuilt::default();
    while rebuild_step(store, rules, today, &mut rebuilt)? {
        crate::store::bulk_pause();
    }
    Ok(rebuilt)
}

/// One transaction of [`rebuild_dirty`]'s work (up to [`BULK_TRANSACTION`]), for a caller that
/// has other work to interleave (the dashboard's writer, between a user's saves): whether any
/// is left.
pub fn rebuild_step(
    store: &mut Store,
    rules: &Rules,
    today: NaiveDate,
    rebuilt: &mut Rebuilt,
) -> Result<bool, StoreError> {
    // New patients first: each is created, given their resources and evaluated in one
    // transaction, so that no one ever sees a patient without their record.
    let (_, waiting) = store.pending_rebuilds()?;
    if waiting > 0 {
        create_pending_once(store, rules, today, rebuilt)?;
        return Ok(true);
    }
    rebuild_marked_once(store, rules, today, rebuilt)
}

/// Creates waiting patients for one transaction: whether more wait.
fn create_pending_once(
    store: &mut Store,
    rules: &Rules,
    today: NaiveDate,
    rebuilt: &mut Rebuilt,
) -> Result<bool, StoreError> {
    let now = now_utc();
    let started = Instant::now();
    store.import_write(|tx| {
        let mut pace = Pace::default();
        // A created patient's row is written after their record is computed, with their
        // list columns: their identifiers, stored first, refer to it until then.
        tx.defer_foreign_keys()?;
        loop {
            let pending = tx.pending_patients(PATIENTS_PER_BATCH)?;
            let mut read = Vec::with_capacity(pending.len());
            let mut resources = 0;
            let mut stopped = false;
            // The ids the batch's created patients get, in order, as their rows are written.
            let first = tx.next_patient_id()?;
            let mut next = first;
            for row in &pending {
                if resources >= RESOURCES_PER_BATCH {
                    stopped = true;
                    break;
                }
                let Ok(new) = serde_json::from_str::<PendingPatient>(&row.body) else {
                    tx.remove_pending_patient(&row.source, &row.id)?;
                    continue;
                };
                // The same person as a patient created in this batch, whose row is not
                // written yet: in the next batch, as if the batch had ended here.
                let reserved = |id: PatientId| id.0 >= first.0;
                match tx.match_patient(&new.keys, &new.equivalent)? {
                    PatientMatch::Existing(id) if reserved(id) => stopped = true,
                    PatientMatch::Ambiguous(a, b) if reserved(a) || reserved(b) => {
                        stopped = true;
                    }
                    _ => {}
                }
                if stopped {
                    break;
                }
                tx.remove_pending_patient(&row.source, &row.id)?;
                // Their resources are filed under their Patient id, now theirs.
                let Some((id, created)) = create_or_merge(tx, row, &new, &mut next, rebuilt)?
                else {
                    continue;
                };
                let created = created.then(|| {
                    let mut patient = new.patient;
                    patient.id = id;
                    Created {
                        patient,
                        fhir_id: new.fhir_id,
                        last_updated: new.facts.last_updated,
                        death_source: Some(new.facts.source).filter(|source| !source.is_empty()),
                        says_alive: new.facts.says_alive,
                        mrn_described: new.facts.mrn_described,
                    }
                });
                let patient = read_patient(tx, id, created)?;
                resources += patient.resources.len();
                read.push(patient);
            }
            write_batch(tx, rules, today, now, &read, rebuilt)?;
            if !stopped && pending.len() < PATIENTS_PER_BATCH {
                return Ok(false);
            }
            if pace.done(started) {
                return Ok(true);
            }
        }
    })
}

/// Rebuilds patients marked as changed for one transaction: whether more are marked.
fn rebuild_marked_once(
    store: &mut Store,
    rules: &Rules,
    today: NaiveDate,
    rebuilt: &mut Rebuilt,
) -> Result<bool, StoreError> {
    let started = Instant::now();
    store.import_write(|tx| {
        let mut pace = Pace::default();
        loop {
            let ids = tx.dirty_patients(PATIENTS_PER_BATCH)?;
            let mut read = Vec::with_capacity(ids.len());
            let mut resources = 0;
            for id in &ids {
                if resources >= RESOURCES_PER_BATCH {
                    break;
                }
                let patient = read_patient(tx, *id, None)?;
                resources += patient.resources.len();
                read.push(patient);
            }
            write_batch(tx, rules, today, now_utc(), &read, rebuilt)?;
            if ids.len() < PATIENTS_PER_BATCH && read.len() == ids.len() {
                return Ok(false);
            }
            if pace.done(started) {
                return Ok(true);
            }
        }
    })
}

/// When a transaction of batches should commit: before the next batch would take it past
/// [`BULK_TRANSACTION`], judged by the longest batch so far.
#[derive(Default)]
struct Pace {
    last: Option<Instant>,
    longest: std::time::Duration,
}

impl Pace {
    fn done(&mut self, started: Instant) -> bool {
        let now = Instant::now();
        let batch = now - self.last.unwrap_or(started);
        self.last = Some(now);
        self.longest = self.longest.max(batch);
        started.elapsed() + self.longest >= BULK_TRANSACTION
    }
}

/// Creates a pending patient (`true`), or, when an earlier one of the same run was the same
/// person (one identifier in common, from another source), merges them (`false`). `None` when
/// their identifiers have become ambiguous: left out, with a warning.
fn create_or_merge(
    tx: &ImportTx<'_>,
    row: &PendingRow,
    new: &PendingPatient,
    next: &mut PatientId,
    rebuilt: &mut Rebuilt,
) -> Result<Option<(PatientId, bool)>, StoreError> {
    let problem = identity_problem(
        tx,
        &row.source,
        new.fhir_id.as_deref(),
        &new.keys,
        &new.equivalent,
    )?;
    if let Some(problem) = problem {
        rebuilt.warn(
            format!("Patient/{}", row.id),
            format!("left out: {problem}"),
        );
        return Ok(None);
    }
    let found = match tx.match_patient(&new.keys, &new.equivalent)? {
        PatientMatch::Existing(id) => {
            if !new.superseded
                && !tx.merged_away(&row.source, id, new.fhir_id.as_deref())?
                && tx.update_demographics(id, &new.patient, &new.facts, row.import_id)?
                    == DemographicsChange::KeptNewer
            {
                rebuilt.demographics_kept_newer += 1;
            }
            (id, false)
        }
        PatientMatch::New | PatientMatch::Ambiguous(..) => {
            rebuilt.created += 1;
            // Their row is written once their record is computed (see `write_patient`).
            let id = *next;
            *next = PatientId(id.0 + 1);
            (id, true)
        }
    };
    let claimant = Claimant {
        names: &new.facts.names,
        import_id: row.import_id,
    };
    let added = tx.add_identifiers(found.0, &new.keys, &claimant)?;
    for shared in added.shared {
        rebuilt.warn(
            format!("Patient/{}", row.id),
            super::shared_message(tx, &shared)?,
        );
    }
    for outcome in &added.kept_aside {
        rebuilt.warn(
            format!("Patient/{}", outcome.subject),
            super::kept_aside_message(&super::patient_words(&new.patient), outcome),
        );
    }
    tx.describe_identifiers(found.0, &new.facts.identifiers)?;
    if found.1 {
        tx.retire_identifiers(found.0, &new.facts.retired)?;
    }
    tx.keep_names(found.0, &new.facts.names)?;
    Ok(Some(found))
}

/// What is read of one patient before computing: their resources, the Medications those refer
/// to and the Substances and Medications those name as ingredients (by source and `Type/id`),
/// and (for a patient created in this batch) who they are: such a patient has nothing but
/// their resources, so their whole record is computed without reading anything back.
struct Read {
    id: PatientId,
    /// The first and the last day the patient's birth date may be (a birth known by its year
    /// alone is any day of it): what turns an age into days.
    birth: Option<(NaiveDate, NaiveDate)>,
    created: Option<Created>,
    resources: Vec<StoredResource>,
    medications: HashMap<(String, String), Option<Product>>,
    /// The Encounters their readings were taken in, by (source, `Encounter/id`): only those
    /// refract keeps (see `apply`); one found nowhere leaves its readings as read.
    encounters: HashMap<(String, String), Visit>,
}

/// A patient being created: who they are, and their Patient resource id.
pub(super) struct Created {
    pub patient: Patient,
    pub fhir_id: Option<String>,
    /// Its Patient's `meta.lastUpdated` (see `store::imports::update_demographics`).
    pub last_updated: Option<String>,
    /// The source of its Patient: the one whose word may take back a death it reports.
    pub death_source: Option<String>,
    /// Whether its Patient says the patient is alive (see `store::imports::AliveReport`).
    pub says_alive: bool,
    /// Its MRN's identifier as its Patient wrote it (see `ImportedPatient::mrn_described`).
    pub mrn_described: Option<crate::domain::identifier_systems::PatientIdentifier>,
}

/// What a resource kept about no patient is, from its stored body: a Medication's, a
/// Substance's, a Device's or a ResearchStudy's product; a Device affixed to a patient is kept
/// as that patient's row, which says what the Device is (see `fhir::devices::product_of_row`).
fn shared_of_body(body: &str) -> Option<Product> {
    // The row first: a product's fields are all optional, so a row's body reads as an empty one.
    match serde_json::from_str::<Item>(body) {
        Ok(Item::Procedure(row)) => Some(product_of_row(&row)),
        _ => serde_json::from_str::<Product>(body).ok(),
    }
}

/// The Devices affixed to the patient (see `fhir::devices::affixed_row`) that neither a
/// statement nor a procedure naming them (`focalDevice`) dates, each with the one procedure of
/// the patient that implants a device of its kind (DV-1: a device option's `implanted_by`,
/// `rules::options::implants`): the same act, sent without the reference between them (as
/// Synthea sends an implant and its Device). The device is dated by it, and the procedure says
/// its device, as `focalDevice` would have made them. Implantations on different days (a
/// first implant and a replacement) do not say which placed this device: it stays undated, as
/// R4 gives it. A procedure naming a device of its own implants no other.
///
/// Returns the procedure dating each such Device (by source and `Device/<id>`), and the
/// devices (their key and what they are) each procedure implanted (by source and id).
#[allow(clippy::type_complexity)] // two maps of the one pass, each read once by the caller
fn implantations<'a>(
    read: &'a Read,
    parsed: &'a [Item],
    rules: &Rules,
    stated: &HashSet<(&str, &str)>,
    dated_by: &HashMap<(&str, &str), &Procedure>,
) -> (
    HashMap<(String, String), &'a Procedure>,
    HashMap<(String, String), Vec<(String, Product)>>,
) {
    let mut linked = HashMap::new();
    let mut implanting: HashMap<(String, String), Vec<(String, Product)>> = HashMap::new();
    let acts: Vec<(&StoredResource, &Procedure)> = read
        .resources
        .iter()
        .zip(parsed)
        .filter_map(|(resource, item)| match item {
            Item::Procedure(procedure)
                if resource.resource_type == "Procedure"
                    && procedure.window().is_some()
                    && !resource
                        .refers
                        .as_deref()
                        .is_some_and(|refers| refers.starts_with(DEVICE_PREFIX)) =>
            {
                Some((resource, procedure))
            }
            _ => None,
        })
        .collect();
    if acts.is_empty() {
        return (linked, implanting);
    }
    for (resource, item) in read.resources.iter().zip(parsed) {
        let Item::Procedure(row) = item else {
            continue;
        };
        if resource.resource_type != "Device" {
            continue;
        }
        let device = format!("{DEVICE_PREFIX}{}", resource.id);
        let key = (resource.source.as_str(), device.as_str());
        if stated.contains(&key) || dated_by.contains_key(&key) {
            continue;
        }
        let implants: Vec<&(&StoredResource, &Procedure)> = acts
            .iter()
            .filter(|(_, procedure)| {
                crate::rules::options::implants(&rules.options, procedure, row)
            })
            .collect();
        let Some((first, procedure)) = implants.first() else {
            continue;
        };
        if implants
            .iter()
            .any(|(_, other)| other.window() != procedure.window())
        {
            continue;
        }
        linked.insert((resource.source.clone(), device.clone()), *procedure);
        implanting
            .entry((first.source.clone(), first.id.clone()))
            .or_default()
            .push((device, product_of_row(row)));
    }
    (linked, implanting)
}

/// The Devices a stored procedure names after the one its `refers` names (see
/// `Procedure::named_devices`).
fn other_devices(resource: &StoredResource) -> Vec<String> {
    if resource.resource_type != "Procedure" || !resource.body.contains("named_devices") {
        return Vec::new();
    }
    match serde_json::from_str::<Item>(&resource.body) {
        Ok(Item::Procedure(procedure)) => procedure.named_devices,
        _ => Vec::new(),
    }
}

fn read_patient(
    tx: &ImportTx<'_>,
    id: PatientId,
    created: Option<Created>,
) -> Result<Read, StoreError> {
    let resources = tx.patient_resources(id)?;
    let mut medications: HashMap<(String, String), Option<Product>> = HashMap::new();
    // Reads a Medication or Substance once; returns the keys of the ingredients it refers to
    // (none when it was read before: they were read with it).
    let mut read = |source: &str, key: String| -> Result<Vec<String>, StoreError> {
        let entry = (source.to_owned(), key);
        if medications.contains_key(&entry) {
            return Ok(Vec::new());
        }
        let product = match entry.1.split_once('/') {
            Some((kind, id)) => tx
                .medication_body(source, kind, id)?
                .and_then(|body| shared_of_body(&body)),
            None => None,
        };
        let ingredients = product
            .iter()
            .flat_map(|product| &product.ingredients)
            .filter_map(|ingredient| ingredient.refers.clone())
            .collect();
        medications.insert(entry, product);
        Ok(ingredients)
    };
    let mut encounters: HashMap<(String, String), Visit> = HashMap::new();
    for resource in &resources {
        let Some(refers) = &resource.refers else {
            continue;
        };
        if let Some(id) = refers.strip_prefix(ENCOUNTER_PREFIX) {
            let key = (resource.source.clone(), refers.clone());
            if !encounters.contains_key(&key)
                && let Some(kept) = tx
                    .medication_body(&resource.source, "Encounter", id)?
                    .and_then(|body| serde_json::from_str::<KeptEncounter>(&body).ok())
            {
                encounters.insert(key, kept.visit);
            }
            continue;
        }
        // A Device or a ResearchStudy, kept as a Medication is (see `fhir::devices`); a
        // procedure's other devices too.
        if refers.starts_with(DEVICE_PREFIX) || refers.starts_with(STUDY_PREFIX) {
            read(&resource.source, refers.clone())?;
            for device in other_devices(resource) {
                read(&resource.source, device)?;
            }
            continue;
        }
        // Its ingredients that are resources of their own, one level down (see `Product`).
        for key in read(&resource.source, format!("Medication/{refers}"))? {
            read(&resource.source, key)?;
        }
    }
    let birth = match &created {
        Some(created) => birth_window(&created.patient),
        None => tx.patient(id)?.as_ref().and_then(birth_window),
    };
    Ok(Read {
        id,
        birth,
        created,
        resources,
        medications,
        encounters,
    })
}

/// A patient's imported items made into rows (pure).
pub(super) struct Computed {
    record: PatientRecord,
    sources: RowSources,
    /// For a created patient: the lines derived and the assessments, on the record's own ids.
    evaluated: Option<Vec<Assessment>>,
    /// (resource, why) of what a medication record refers to and no import brought.
    unresolved: Vec<(String, String)>,
    /// What the patient's CareTeams say of their team, if they have any (see
    /// `fhir::care_team_of`).
    care_team: Option<TeamSaid>,
}

fn compute(read: &Read, rules: &Rules, today: NaiveDate) -> Result<Computed, StoreError> {
    let mut items = ImportedItems::default();
    let mut unresolved = Vec::new();
    let mut parsed = Vec::with_capacity(read.resources.len());
    for resource in &read.resources {
        let item: Item =
            serde_json::from_str(&resource.body).map_err(|err| StoreError::Corrupt {
                column: "fhir_resources.body",
                detail: format!(
                    "{}/{} of source '{}': {err}",
                    resource.resource_type, resource.id, resource.source
                ),
            })?;
        parsed.push(item);
    }
    // The diagnoses a drug's record may name as its reason, and the orders it may carry out,
    // by (source, id): a reference names a resource of its own source.
    let mut diagnoses: HashMap<&str, HashMap<&str, Condition>> = HashMap::new();
    let mut orders = Orders::default();
    // The orders renewed (R4 `priorPrescription`), by (source, id): the latest start of an
    // order renewing each, until which it ran (see `fhir::given_at_least_until`).
    let mut renewed_on: HashMap<(&str, String), NaiveDateTime> = HashMap::new();
    for (resource, item) in read.resources.iter().zip(&parsed) {
        if let Item::Medication(record) = item {
            for old in &record.renews {
                let on = renewed_on
                    .entry((resource.source.as_str(), old.clone()))
                    .or_insert(record.start);
                *on = (*on).max(record.start);
            }
        }
        match item {
            Item::Condition(condition) => {
                diagnoses
                    .entry(&resource.source)
                    .or_default()
                    .insert(&resource.id, condition.clone());
            }
            Item::Medication(record) if resource.resource_type == "MedicationRequest" => {
                orders.add(&resource.source, &resource.id, record);
            }
            _ => {}
        }
    }
    // A Device affixed to the patient is their row (see `fhir::devices::affixed_row`): a
    // statement naming it says its use, dated, so the Device adds no row of its own; a
    // procedure naming it (its implantation: the earliest dated) gives it that day.
    let mut stated: HashSet<(&str, &str)> = HashSet::new();
    let mut dated_by: HashMap<(&str, &str), &Procedure> = HashMap::new();
    for (resource, item) in read.resources.iter().zip(&parsed) {
        let Some(device) = resource
            .refers
            .as_deref()
            .filter(|refers| refers.starts_with(DEVICE_PREFIX))
        else {
            continue;
        };
        let key = (resource.source.as_str(), device);
        match (resource.resource_type.as_str(), item) {
            ("DeviceUseStatement", _) => {
                stated.insert(key);
            }
            ("Procedure", Item::Procedure(procedure)) if procedure.window().is_some() => {
                let named = procedure.named_devices.iter().map(String::as_str);
                for device in std::iter::once(device).chain(named) {
                    let earliest = dated_by
                        .entry((resource.source.as_str(), device))
                        .or_insert(procedure);
                    if procedure.window() < earliest.window() {
                        *earliest = procedure;
                    }
                }
            }
            _ => {}
        }
    }
    let (linked, implanting) = implantations(read, &parsed, rules, &stated, &dated_by);
    for (resource, item) in read.resources.iter().zip(parsed.iter().cloned()) {
        let affixed =
            (resource.resource_type == "Device").then(|| format!("{DEVICE_PREFIX}{}", resource.id));
        let key = affixed
            .as_deref()
            .map(|device| (resource.source.as_str(), device));
        if key.is_some_and(|key| stated.contains(&key)) {
            continue;
        }
        let dated = key.and_then(|key| {
            dated_by
                .get(&key)
                .or_else(|| linked.get(&(key.0.to_owned(), key.1.to_owned())))
        });
        let item = match (item, dated) {
            (Item::Procedure(mut row), Some(procedure)) => {
                row.performed = procedure.performed;
                row.performed_by = procedure.performed_by;
                row.date_unknown = procedure.date_unknown;
                row.at_ages = procedure.at_ages;
                row.utc_offset_minutes = procedure.utc_offset_minutes;
                Item::Procedure(row)
            }
            (item, _) => item,
        };
        let item =
            match item {
                Item::Observations(mut observations) => {
                    if let Some(visit) = resource.refers.as_ref().and_then(|key| {
                        read.encounters.get(&(resource.source.clone(), key.clone()))
                    }) {
                        place_readings(&mut observations, *visit);
                    }
                    Item::Observations(observations)
                }
                item => item,
            };
        let of_source = diagnoses.get(resource.source.as_str());
        let item = match item {
            Item::Procedure(mut procedure) => {
                if let Some(refers) = &resource.refers {
                    let shared = read
                        .medications
                        .get(&(resource.source.clone(), refers.clone()))
                        .and_then(Option::as_ref);
                    if let Some(why) =
                        finish_shared(&resource.resource_type, &mut procedure, shared, refers)
                    {
                        unresolved
                            .push((format!("{}/{}", resource.resource_type, resource.id), why));
                    }
                }
                for device in std::mem::take(&mut procedure.named_devices) {
                    let shared = read
                        .medications
                        .get(&(resource.source.clone(), device.clone()))
                        .and_then(Option::as_ref);
                    finish_shared(&resource.resource_type, &mut procedure, shared, &device);
                }
                if resource.resource_type == "Procedure"
                    && let Some(devices) =
                        implanting.get(&(resource.source.clone(), resource.id.clone()))
                {
                    for (device, product) in devices {
                        finish_shared("Procedure", &mut procedure, Some(product), device);
                    }
                }
                resolve_named_conditions(
                    &mut procedure.named_conditions,
                    &mut procedure.indications,
                    |id| of_source?.get(id),
                );
                Item::Procedure(procedure)
            }
            Item::Observations(mut observations) => {
                for observation in &mut observations {
                    resolve_named_conditions(
                        &mut observation.named_conditions,
                        &mut observation.focus,
                        |id| of_source?.get(id),
                    );
                }
                Item::Observations(observations)
            }
            Item::Imaging {
                mut study,
                mut statuses,
            } => {
                resolve_named_conditions(
                    &mut study.named_conditions,
                    &mut study.indications,
                    |id| of_source?.get(id),
                );
                for observation in &mut statuses {
                    resolve_named_conditions(
                        &mut observation.named_conditions,
                        &mut observation.focus,
                        |id| of_source?.get(id),
                    );
                }
                Item::Imaging { study, statuses }
            }
            item => item,
        };
        let Item::Medication(mut record) = item else {
            items.add(&resource.id, item);
            continue;
        };
        take_reasons_of_orders(&mut record, &resource.source, &orders);
        take_dosage_of_orders(&mut record, &resource.source, &orders);
        // Given at least until a version of it last said the drug was current, and until the
        // order renewing it began.
        let said_current = resource
            .current_until
            .as_deref()
            .and_then(|day| NaiveDate::parse_from_str(day, "%Y-%m-%d").ok())
            .map(|day| day.and_time(NaiveTime::MIN));
        let renewed = renewed_on
            .get(&(resource.source.as_str(), resource.id.clone()))
            .copied()
            .filter(|_| resource.resource_type == "MedicationRequest");
        for until in [said_current, renewed].into_iter().flatten() {
            given_at_least_until(&mut record, until);
        }
        let find = |key: &str| {
            read.medications
                .get(&(resource.source.clone(), key.to_owned()))
                .and_then(Option::as_ref)
        };
        let referred = match (&record.concept, &resource.refers) {
            (None, Some(refers)) => find(&format!("Medication/{refers}")),
            _ => None,
        };
        let missing = resource
            .refers
            .as_deref()
            .filter(|_| record.concept.is_none() && referred.is_none())
            .map(|id| format!("Medication/{id}"));
        // Found nowhere, the reference's own words name the drug until it comes.
        let meanwhile = missing.as_ref().and_then(|_| record.named_meanwhile());
        let (periods, ingredients) = finish_medication(
            &record,
            referred.or(meanwhile.as_ref()),
            missing.as_deref(),
            &find,
            &rules.book,
        );
        let name = || format!("{}/{}", resource.resource_type, resource.id);
        if let Some(medication) = missing {
            let kept_as = match &record.reference_display {
                Some(display) => format!("read as its display '{display}'"),
                None => String::from("kept as an unidentified medication"),
            };
            unresolved.push((
                name(),
                format!(
                    "its medicationReference {medication} is in no imported file: {kept_as} \
                     until it is imported"
                ),
            ));
        }
        for key in ingredients {
            // The display the ingredient's reference gave, if any, names it meanwhile.
            let display = referred.and_then(|product| {
                product
                    .ingredients
                    .iter()
                    .find(|i| i.refers.as_deref() == Some(key.as_str()))
                    .and_then(|i| i.display.as_deref())
            });
            unresolved.push((
                name(),
                format!(
                    "its Medication/{}'s ingredient {key} is in no imported file: {} until it \
                     is imported",
                    resource.refers.as_deref().unwrap_or(""),
                    named_by(display)
                ),
            ));
        }
        for (mut exposure, mut meta) in periods {
            let of_source = diagnoses.get(resource.source.as_str());
            resolve_indications(&mut exposure, &mut meta, |id| of_source?.get(id));
            items.exposures.push((resource.id.clone(), exposure, meta));
        }
    }
    resolve_ages(&mut items, read.birth, today, &mut unresolved);
    Ok(computed_of(
        items,
        unresolved,
        read.created.as_ref(),
        rules,
        today,
    ))
}

/// The first and the last day a patient's birth date may be (a birth known by its year alone
/// is any day of it).
pub(super) fn birth_window(patient: &Patient) -> Option<(NaiveDate, NaiveDate)> {
    let first = patient.birth_date?;
    let last = match patient.birth_precision {
        DatePrecision::Day => Some(first),
        DatePrecision::Month => first
            .checked_add_months(Months::new(1))
            .and_then(|next| next.pred_opt()),
        DatePrecision::Year => NaiveDate::from_ymd_opt(first.year(), 12, 31),
    };
    Some((first, last.unwrap_or(first)))
}

/// Turns the ages procedures were dated by into days, by the birth date (`birth`, see
/// [`birth_window`]), never after `today` (a patient 64 now was 64 until today, not for the
/// rest of the year); one with no birth date keeps its date unknown, and is named in
/// `unresolved`.
pub(super) fn resolve_ages(
    items: &mut ImportedItems,
    birth: Option<(NaiveDate, NaiveDate)>,
    today: NaiveDate,
    unresolved: &mut Vec<(String, String)>,
) {
    for (id, procedure) in &mut items.procedures {
        if procedure.at_ages.is_none() {
            continue;
        }
        procedure.resolve_ages(birth);
        if let Some(last) = procedure.performed_by
            && last > today
        {
            procedure.performed_by = Some(today.max(procedure.performed_day()));
        }
        if procedure.date_unknown {
            unresolved.push((
                format!("Procedure/{id}"),
                String::from(
                    "it is dated by the patient's age, and their birth date is not recorded \
                     (or the age is no whole years): kept with its date unknown",
                ),
            ));
        }
    }
}

/// The team of a patient being created once their CareTeams are read (`None`: no team).
fn team_after(said: &TeamSaid, team: Option<&str>) -> Option<String> {
    let team = team.unwrap_or_default();
    Some(said.applied_to(team).unwrap_or(team).to_owned()).filter(|team| !team.is_empty())
}

/// The rows of a patient's items; for a patient being created (`created`), also their lines
/// and first assessments. Pure: run on the rebuild's two threads, or on a file's reading thread
/// for a patient the file brings whole (see [`create_in_file`]).
pub(super) fn computed_of(
    items: ImportedItems,
    unresolved: Vec<(String, String)>,
    created: Option<&Created>,
    rules: &Rules,
    today: NaiveDate,
) -> Computed {
    // Reasons not read yet (a file's own patient, see `apply`): all of one source.
    let mut items = items;
    resolve_indications_among(&mut items);
    let care_team = care_team_of(&items.teams, today);
    let (mut record, sources) = record_of(items, &rules.book, today);
    let evaluated = match created {
        Some(created) => {
            let mut patient = created.patient.clone();
            if let Some(said) = &care_team {
                patient.care_team = team_after(said, patient.care_team.as_deref());
            }
            record.patient = Some(patient);
            // The lines refract's export carried own their rule sets, as entered lines do:
            // the others are derived.
            let mut lines = rules.derive_lines(&record, today);
            lines.append(&mut record.lines);
            // Numbered in the order the database lists them, so that evaluating this record
            // and evaluating it read back give the same words in the same order.
            lines.sort_by(|a, b| {
                (a.ruleset.as_str(), a.number, a.start).cmp(&(
                    b.ruleset.as_str(),
                    b.number,
                    b.start,
                ))
            });
            for (index, line) in lines.iter_mut().enumerate() {
                line.id = index as i64 + 1;
            }
            record.lines = lines;
            Some(rules.evaluate(&record, today))
        }
        None => None,
    };
    Computed {
        record,
        sources,
        evaluated,
        unresolved,
        care_team,
    }
}

/// Creates, in the file's own transaction, a patient the file brings with their record (see
/// `apply`): their identifiers are already stored under `id`, their resources in the ledger.
/// `computed` is their record as the file's reader computed it, when it is known to be all
/// that the ledger holds for them; else their record is read back from the ledger, as at the
/// end of a run.
pub(super) fn create_in_file(
    tx: &ImportTx<'_>,
    rules: &Rules,
    today: NaiveDate,
    id: PatientId,
    created: Created,
    computed: Option<Computed>,
    rebuilt: &mut Rebuilt,
) -> Result<(), StoreError> {
    let now = now_utc();
    if let Some(computed) = computed {
        let read = Read {
            id,
            birth: birth_window(&created.patient),
            created: Some(created),
            resources: Vec::new(),
            medications: HashMap::new(),
            encounters: HashMap::new(),
        };
        write_patient(tx, rules, today, now, &read, computed)?;
        rebuilt.patients.insert(read.id);
        return Ok(());
    }
    let read = read_patient(tx, id, Some(created))?;
    write_batch(tx, rules, today, now, &[read], rebuilt)
}

/// Rebuilds, in the current transaction, patients whose resources changed after they were
/// created in it (a resource of theirs later in the file than the rest).
pub(super) fn rebuild_now(
    tx: &ImportTx<'_>,
    rules: &Rules,
    today: NaiveDate,
    ids: &[PatientId],
    rebuilt: &mut Rebuilt,
) -> Result<(), StoreError> {
    let mut read = Vec::with_capacity(ids.len());
    for id in ids {
        read.push(read_patient(tx, *id, None)?);
    }
    write_batch(tx, rules, today, now_utc(), &read, rebuilt)
}

/// Computes a batch on two threads (the machine's budget), keeping the batch's order.
fn compute_all(
    reads: &[Read],
    rules: &Rules,
    today: NaiveDate,
) -> Vec<Result<Computed, StoreError>> {
    let middle = reads.len() / 2;
    let (left, right) = reads.split_at(middle);
    std::thread::scope(|scope| {
        let other = scope.spawn(|| {
            right
                .iter()
                .map(|read| compute(read, rules, today))
                .collect::<Vec<_>>()
        });
        let mut all: Vec<_> = left
            .iter()
            .map(|read| compute(read, rules, today))
            .collect();
        match other.join() {
            Ok(rest) => all.extend(rest),
            Err(_) => all.extend(right.iter().map(|_| {
                Err(StoreError::Invalid(String::from(
                    "internal error while rebuilding a patient",
                )))
            })),
        }
        all
    })
}

fn write_batch(
    tx: &ImportTx<'_>,
    rules: &Rules,
    today: NaiveDate,
    now: chrono::NaiveDateTime,
    reads: &[Read],
    rebuilt: &mut Rebuilt,
) -> Result<(), StoreError> {
    let computed = compute_all(reads, rules, today);
    for (read, computed) in reads.iter().zip(computed) {
        let mut computed = computed?;
        for (resource, message) in std::mem::take(&mut computed.unresolved) {
            rebuilt.warn(resource, message);
        }
        write_patient(tx, rules, today, now, read, computed)?;
        rebuilt.patients.insert(read.id);
    }
    Ok(())
}

fn write_patient(
    tx: &ImportTx<'_>,
    rules: &Rules,
    today: NaiveDate,
    now: chrono::NaiveDateTime,
    read: &Read,
    computed: Computed,
) -> Result<(), StoreError> {
    let ids: Vec<&str> = read.resources.iter().map(|r| r.id.as_str()).collect();
    let sources = SourceIds {
        conditions: computed.sources.conditions.into_iter().map(Some).collect(),
        exposures: computed.sources.exposures.into_iter().map(Some).collect(),
        observations: computed
            .sources
            .observations
            .into_iter()
            .map(Some)
            .collect(),
        procedures: computed.sources.procedures.into_iter().map(Some).collect(),
        reactions: computed.sources.reactions.into_iter().map(Some).collect(),
    };
    let created = computed.evaluated.is_some();
    if let (Some(assessments), Some(new)) = (&computed.evaluated, &read.created) {
        // Their row, written once with the list columns their first evaluation gives (writing
        // it bare and then its list columns wrote the patients' fifteen indexes twice).
        let projection = ListProjection::of_new_patient(assessments, &computed.record.lines);
        let mut patient = new.patient.clone();
        if let Some(said) = &computed.care_team {
            patient.care_team = team_after(said, patient.care_team.as_deref());
        }
        tx.insert_patient(
            read.id,
            &patient,
            new.fhir_id.as_deref(),
            NewPatientFacts {
                updated: new.last_updated.as_deref(),
                death_source: new.death_source.as_deref(),
                says_alive: new.says_alive,
                mrn_described: new.mrn_described.as_ref(),
            },
            &projection,
            now,
        )?;
    }
    let projected = tx.replace_projection(read.id, &computed.record, &sources, &ids, created)?;
    // The team a CareTeam names (review OC-7), or none when every CareTeam of theirs is
    // withdrawn or ended and one of them named the team they had (review OC-13, K3-1: the
    // empty name, audited). No CareTeam at all leaves the team as it was: a team set by
    // refract's own JSON, or a file silent on teams.
    if !created && let Some(said) = &computed.care_team {
        tx.set_care_team(read.id, |before| said.applied_to(before))?;
    }
    let evaluated = Evaluated {
        rules_stamp: &rules.stamp,
        record_version: projected.version,
        today,
    };
    if let Some(assessments) = computed.evaluated {
        // A created patient: their lines were stored with the record; the evidence points at
        // the rows as stored.
        let assessments = projected.ids.stored_assessments(read.id, &assessments);
        return tx.save_first_evaluation(read.id, &assessments, &evaluated);
    }
    // Lines come from the whole record as stored: what the team entered counts too.
    let stored = tx.record(read.id)?;
    let lines = rules.derive_lines(&stored, today);
    tx.insert_lines(read.id, &lines)?;
    let assessments = rules.evaluate(&tx.record(read.id)?, today);
    tx.save_evaluation(read.id, &assessments, &evaluated)
}
