//! The second read of a file: each resource mapped (on a thread beside the writer) and written
//! in batches of short transactions, each resource upserted on its own key.
//!
//! A file of up to [`ONE_TRANSACTION_BYTES`] (a bundle of a hundred patients) is written in one
//! transaction instead, so that it changes the database wholly or not at all; a patient new to
//! the database whose resources follow their Patient in it is then created in that
//! transaction, their record computed on the reading thread, rather than at the end of the run.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::io::Read;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use chrono::NaiveDate;

use super::project::{self, Computed, Created, Rebuilt};
use super::{
    Checked, FileReport, ImportOptions, PendingPatient, identity_keys, identity_problem,
    same_server, server_identity, server_key, source_of, url_key, url_lookup,
};
use crate::digest::content_digest;
use crate::domain::{Patient, PatientId};
use crate::fhir::devices::finish_shared;
use crate::fhir::encounter::{KeptEncounter, Visit, place_readings};
use crate::fhir::stream::{RawResource, StreamError, each_resource};
use crate::fhir::{
    ImportedItems, ImportedPatient, Item, Mapped, MedicationMeta, Orders, Product,
    finish_medication, heading_of, is_summary_copy, map_resource, named_by, reference_key,
    server_base, take_dosage_of_orders, take_reasons_of_orders,
};
use crate::rules::Rules;
use crate::store::imports::{
    self as ledger, CARRIED_PART, DEVICE_PREFIX, DemographicsChange, ENCOUNTER_PREFIX,
    INGREDIENTS_ELSEWHERE, IdentityLookup, ImportTx, LedgerEntry, PatientFacts, PatientMatch,
    Removal, RunKey, STUDY_PREFIX, Upserted, patient_id_system, replaced_patient_system,
    written_after,
};
use crate::store::kept_aside::{Claimant, SubjectEvidence};
use crate::store::{Store, StoreError, now_utc};

/// Files up to this size are written in one transaction (see the module's documentation): a
/// bundle of a hundred patients is about 1.4 MB, and its transaction a few hundredths of a
/// second, well inside what a colleague's save may wait.
pub const ONE_TRANSACTION_BYTES: u64 = 4 << 20;

/// The most ops one patient's group holds on the reading thread: a patient with more is
/// written as any other resources are, and rebuilt from the ledger (memory stays bounded).
const MAX_GROUP_OPS: usize = 20_000;

/// The most distinct unknown subjects remembered for the end-of-run check (the count of
/// resources waiting is exact; beyond this, they are not listed one by one).
const MAX_UNRESOLVED: usize = 100_000;

/// Resources per batch the reader hands the writer: small, so that the writer starts soon
/// after the reader (a bundle of 100 patients is about 2,000 resources). The writer puts as
/// many batches as are ready in one transaction, up to [`crate::store::BULK_TRANSACTION`].
const BATCH_RESOURCES: usize = 250;

/// The first batch of a file: the writer waits for it with nothing else to do (it was a
/// tenth of the writer's time on the demo's bundles, 9 ms a file), so it goes as soon as
/// it holds a patient's ops; each next batch is twice as large, up to [`BATCH_RESOURCES`].
const FIRST_BATCH_RESOURCES: usize = 8;

/// What the second read needs.
pub(super) struct Input<'a> {
    pub file: File,
    pub size: u64,
    pub limit: u64,
    pub run: &'a RunKey<'a>,
    pub checked: &'a Checked,
    pub options: &'a ImportOptions,
    pub replace: bool,
    /// Written in one transaction (see [`ONE_TRANSACTION_BYTES`]).
    pub whole: bool,
    pub today: NaiveDate,
    /// The run's deletions so far that said when they were made.
    pub deletions: &'a mut RunDeletions,
    /// (source, Patient id) refused as another person (see `same_id`), with why: left out
    /// with what is filed under them.
    pub refused: &'a HashMap<(String, String), String>,
}

/// The removals a run has applied that said when they were made (a `DELETE` with its time, a
/// version `entered-in-error` with its `meta.lastUpdated`), by (source, type, id): a copy of
/// the resource that a later file of the run holds, written before the removal, is older than
/// it and not written back. So the later of a deletion and a resource wins whichever file the
/// run reads first (README, *Importing*), as a stored copy written after a removal does (see
/// `Removal::Newer`). Kept for the run in memory (no look-up per resource); what a removal
/// says across runs is kept in the database (`ImportTx::removed_after`).
#[derive(Debug, Default)]
pub(super) struct RunDeletions(HashMap<(String, String, String), String>);

impl RunDeletions {
    fn remember(&mut self, source: &str, resource_type: &str, id: &str, at: &str) {
        let key = (source.to_owned(), resource_type.to_owned(), id.to_owned());
        match self.0.get_mut(&key) {
            Some(known) if !written_after(at, known) => {}
            Some(known) => at.clone_into(known),
            None => {
                self.0.insert(key, at.to_owned());
            }
        }
    }

    /// Whether a copy written at `last_updated` was deleted after it was written.
    fn deleted_after(
        &self,
        source: &str,
        resource_type: &str,
        id: &str,
        last_updated: Option<&str>,
    ) -> bool {
        let Some(written) = last_updated else {
            return false;
        };
        self.0
            .get(&(source.to_owned(), resource_type.to_owned(), id.to_owned()))
            .is_some_and(|deleted| written_after(deleted, written))
    }
}

/// One resource, mapped and ready to write.
enum Op {
    Patient {
        at: String,
        /// The resource id (else its bundle URL).
        key: Option<String>,
        patient: Patient,
        /// Every identifier it is matched on, its Patient ids in the source included.
        keys: Vec<(String, String)>,
        /// Its own Patient ids in the source (its resource id, its bundle URL's), not those of
        /// the records it links to: what a whole-record replace of it speaks for.
        own_ids: Vec<String>,
        /// A record merged into another (`Patient.link` `replaced-by`): it never replaces the
        /// demographics of the patient it names.
        superseded: bool,
        /// When it was written, whether its MRN is a record number, its identifiers' details
        /// (boxed: the other operations are far smaller).
        facts: Box<PatientFacts>,
    },
    /// A Medication, or a Substance one refers to as an ingredient.
    Medication {
        source: String,
        resource_type: &'static str,
        id: String,
        product: Product,
        body: String,
        digest: String,
    },
    /// An Encounter, for the readings taken in it (see `fhir::encounter`).
    Encounter {
        source: String,
        id: String,
        visit: Visit,
        body: String,
        digest: String,
    },
    Resource(Box<ResourceOp>),
    /// A Patient and what followed it about them, in a file written in one transaction.
    Group(Box<Group>),
    Removed {
        source: String,
        resource_type: String,
        id: String,
        last_updated: Option<String>,
        /// Whose it is, as its subject says (review K1-1): which parts carried of it it takes.
        subject: LeftOutSubject,
    },
    Warning {
        at: String,
        resource: String,
        message: String,
    },
    Skipped(String),
    /// A resource of a type refract stores, in a version refract skips or leaves out.
    LeftOut(Box<LeftOutOp>),
    /// A stop reason the vocabulary does not know, as written.
    UnknownStopReason(String),
}

struct ResourceOp {
    at: String,
    source: String,
    resource_type: &'static str,
    id: String,
    /// (source, Patient id or URL) of the patient it is about.
    subject: (String, String),
    /// What its subject says of the patient beside the reference.
    named: crate::fhir::SubjectNamed,
    refers: Option<String>,
    last_updated: Option<String>,
    /// A medication record that says the drug is given now (`active`, see
    /// `MedicationRecord::active`): its day is kept beyond this version (see
    /// `LedgerEntry::current_on`).
    says_current: bool,
    kind: Kind,
    body: String,
    digest: String,
    /// Kept under the origin a refract export carried (see [`carried_origin`]).
    carried: bool,
    /// What `body` says, for the record of a patient created from their file (see [`Group`]).
    item: Option<Item>,
}

/// A version of a resource that refract skips or leaves out. What an earlier import stored of
/// the same resource stops counting: that version is what the source no longer says (a value
/// withdrawn as an error, a date or a drug removed), and keeping it would show, and assess on,
/// what the source took back. As a removal is, it is kept when the stored copy was written
/// after this one (`meta.lastUpdated`), and refused unless this one names the stored copy's
/// patient (see [`LeftOutSubject`]).
struct LeftOutOp {
    at: String,
    /// `Type/id`, for the warning.
    resource: String,
    source: String,
    resource_type: &'static str,
    id: String,
    subject: LeftOutSubject,
    last_updated: Option<String>,
    why: LeftOutWhy,
}

/// Who a left-out version is about, which decides whether it may take out the stored copy.
enum LeftOutSubject {
    /// A Medication, Substance or Encounter, kept about nobody: its key alone says it is the
    /// stored one.
    NotAPatients,
    /// (source, Patient id) it names: it takes out the stored copy only when that is filed
    /// under the same patient.
    Patient((String, String)),
    /// A subject written that names no Patient this import can take for the stored copy's
    /// (another server's Patient, a Group, a search or identifier naming no Patient of the
    /// file, a display alone): someone else's resource with the same id, as two systems'
    /// files give. It changes nothing.
    Unresolved,
    /// No subject at all: whose it is cannot be told, so it changes nothing either. A source
    /// that withdraws a resource deletes it (a `DELETE`, a Bulk Data `deleted` list) or sends
    /// it with its patient; a copy with none is more likely another system's or a broken one.
    Missing,
}

enum LeftOutWhy {
    /// Counted in the summary under this kind.
    Skipped(String),
    /// Warned about with this message (`left out: …`).
    Warned(String),
}

/// How an Encounter refract reads and does not keep is counted: its class leaves the readings
/// taken in it as their own records say (an outpatient visit, home health, a field visit).
pub(crate) const ENCOUNTER_NOT_KEPT: &str = "Encounter (not in hospital)";
/// How an Encounter whose class refract does not read (or that has none) is counted: its
/// readings are left as read too, but the summary does not claim it was no hospital stay.
pub(crate) const ENCOUNTER_CLASS_UNREAD: &str = "Encounter (class refract does not read)";

/// How the summary counts a resource tagged `SUBSETTED` (see [`is_summary_copy`]).
pub(crate) const SUMMARY_COPY: &str = "summary copy (SUBSETTED)";

/// The types whose resources the ledger keeps: a skipped or left-out version of another type
/// has no stored version to take out, and is not looked up.
pub const STORED_TYPES: [&str; 20] = [
    "Condition",
    "MedicationRequest",
    "MedicationStatement",
    "MedicationAdministration",
    "MedicationDispense",
    "Observation",
    "DiagnosticReport",
    "QuestionnaireResponse",
    "Procedure",
    "DeviceUseStatement",
    "ResearchSubject",
    "ImagingStudy",
    "AllergyIntolerance",
    "CarePlan",
    "CareTeam",
    "Medication",
    "Substance",
    "Encounter",
    "Device",
    "ResearchStudy",
];

/// The op of a resource refract skips or leaves out for `why`: one that takes out a stored
/// version, when the resource is of a type refract stores and has a key.
fn left_out(
    raw: &RawResource<'_>,
    options: &ImportOptions,
    checked: &Checked,
    why: LeftOutWhy,
) -> Op {
    let deletion = raw
        .request
        .and_then(|request| request.method.as_deref())
        .is_some_and(|method| method.eq_ignore_ascii_case("DELETE"));
    let key = raw.id.or(raw.full_url);
    let (Some(id), false, Some(resource_type)) = (
        key,
        deletion,
        STORED_TYPES
            .iter()
            .copied()
            .find(|kind| *kind == raw.resource_type),
    ) else {
        return match why {
            LeftOutWhy::Skipped(kind) => Op::Skipped(kind),
            LeftOutWhy::Warned(message) => Op::Warning {
                at: raw.path.clone(),
                resource: name_of(raw),
                message,
            },
        };
    };
    let source = source_of(options);
    let subject = subject_of(raw, resource_type, &source, checked);
    Op::LeftOut(Box::new(LeftOutOp {
        at: raw.path.clone(),
        resource: name_of(raw),
        source,
        resource_type,
        id: id.to_owned(),
        subject,
        last_updated: heading_of(raw).last_updated,
        why,
    }))
}

/// Who a version refract does not keep (left out, or saying the resource is gone) is about.
fn subject_of(
    raw: &RawResource<'_>,
    resource_type: &str,
    source: &str,
    checked: &Checked,
) -> LeftOutSubject {
    let heading = heading_of(raw);
    if matches!(
        resource_type,
        "Medication" | "Substance" | "Encounter" | "Device" | "ResearchStudy"
    ) {
        LeftOutSubject::NotAPatients
    } else if let Some(subject) = heading.subject {
        match resolve(&subject, source, raw.full_url, checked, "Patient") {
            Ok(patient) if !of_another_server(&subject, source) => LeftOutSubject::Patient(patient),
            _ => LeftOutSubject::Unresolved,
        }
    } else if heading.subject_written {
        LeftOutSubject::Unresolved
    } else {
        LeftOutSubject::Missing
    }
}

/// Whether `reference` is an absolute URL of a server other than `source` (when the source is
/// a server's URL): a Patient of another server, even with an id the source also has. Only a
/// left-out version asks: it changes nothing then, which is safe whatever the URL's spelling.
fn of_another_server(reference: &str, source: &str) -> bool {
    match (server_base(reference), server_identity(source)) {
        (Some(base), Some(_)) => same_server(base) != same_server(source),
        _ => false,
    }
}

/// A Patient of a file written in one transaction, and the ops that follow it while the file
/// speaks of them: if the database does not hold them, they are created with their resources
/// in that transaction (see [`Writer::write_group`]).
struct Group {
    /// The `Op::Patient`.
    patient: Op,
    /// What followed it, in file order.
    ops: Vec<Op>,
    /// Their record, computed on the reading thread: none when one of their medication
    /// records names a Medication not met earlier in the file, or the group removes something
    /// (the record is then read back from the ledger).
    computed: Option<Computed>,
}

#[derive(Clone, Copy)]
enum Kind {
    Condition,
    Exposure,
    Observation(usize),
    Procedure,
    /// An imaging report stating a response: its study (a procedure row) and its statuses.
    Imaging(usize),
    Reaction,
    /// A treatment line refract exported: it restates drug records, which are counted. Also a
    /// statement that a drug is not taken, and a care team: no row of their own.
    Line,
}

/// Writes a checked file. `Err` is a failure of the database or of the file changing since it
/// was checked; what was committed stays, and the run stays open to say so.
pub(super) fn apply_file(
    store: &mut Store,
    rules: &Rules,
    input: Input<'_>,
    report: &mut FileReport,
    progress: &mut dyn FnMut(u64),
) -> Result<(), String> {
    let Input {
        file,
        size,
        limit,
        run,
        checked,
        options,
        replace,
        whole,
        today,
        deletions,
        refused,
    } = input;
    let source = source_of(options);
    let mut writer = Writer {
        run_key: run,
        run: None,
        replace,
        whole,
        rules,
        today,
        equivalent: &options.equivalent_systems,
        source: &source,
        file_subjects: Vec::new(),
        unresolved: std::collections::BTreeSet::new(),
        subject_named: BTreeMap::new(),
        created: BTreeSet::new(),
        rebuilt: Rebuilt::default(),
        removes: false,
        file_made: checked.assembled.clone(),
        dated_by_removed_copy: !options.deletions_may_predate_stored,
        deletions,
        refused,
    };
    let outcome = std::thread::scope(|scope| {
        let (sender, receiver) = sync_channel::<Batch>(16);
        let grouper = whole.then(|| Grouper::new(rules, today));
        let reader =
            scope.spawn(move || read(file, size, limit, rules, options, checked, grouper, &sender));
        let written = writer.write_all(store, &receiver, report, progress);
        // Dropped first: a reader blocked on a full channel sees it closed and stops.
        drop(receiver);
        let read = reader
            .join()
            .unwrap_or_else(|_| Err(String::from("internal error while reading the file")));
        // The reader's error first: a file that stopped being readable is what the writer
        // saw end early.
        match (written, read) {
            (_, Err(why)) => Err(why),
            (Err(err), Ok(())) => Err(err.to_string()),
            (Ok(()), Ok(())) => Ok(()),
        }
    });
    match outcome {
        Ok(()) => writer.finish(store, report).map_err(|err| err.to_string()),
        Err(err) => {
            if let Some(run) = writer.run {
                // Best effort: the run stays open ("applying") with what it committed.
                let summary = summary_json(report);
                let _ = store.import_write(|tx| tx.run_progress(run, &summary));
            }
            Err(err)
        }
    }
}

/// The run's counts as saved in `imports.summary`.
fn summary_json(report: &FileReport) -> String {
    serde_json::json!({
        "resources": report.resources,
        "patients": report.patients,
        "new_patients": report.new_patients,
        "added": report.added,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "removed": report.removed,
        "older": report.older,
        "warnings": report.warnings_total,
    })
    .to_string()
}

/// Ops of one transaction, and how far into the file they reach.
struct Batch {
    ops: Vec<Op>,
    /// Resources the ops came from.
    resources: usize,
    read: u64,
    /// The file's last batch: the reader got to its end. A file written in one transaction is
    /// committed only after it (a channel closed without it is a read that failed).
    last: bool,
}

/// Counts bytes as they are read, for the progress bar.
struct Counting<R> {
    inner: R,
    read: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// The reading thread: maps resources into batches of ops (grouped by patient, for a file
/// written in one transaction).
#[allow(clippy::too_many_arguments)]
fn read(
    file: File,
    size: u64,
    limit: u64,
    rules: &Rules,
    options: &ImportOptions,
    checked: &Checked,
    mut grouper: Option<Grouper<'_>>,
    sender: &SyncSender<Batch>,
) -> Result<(), String> {
    let read = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut counting = Counting {
        inner: file.take(limit + 1),
        read: read.clone(),
    };
    let mut ops = Vec::with_capacity(BATCH_RESOURCES);
    let mut resources = 0;
    let mut batch_resources = FIRST_BATCH_RESOURCES;
    let mut mapped = Vec::new();
    let result = each_resource(&mut counting, size, |raw| {
        match grouper.as_mut() {
            None => op_of(&raw, rules, options, checked, false, &mut ops),
            Some(grouper) => {
                op_of(&raw, rules, options, checked, true, &mut mapped);
                for op in mapped.drain(..) {
                    grouper.push(op, &mut ops);
                }
            }
        }
        resources += 1;
        // A group still open has put nothing in `ops`: an early batch waits for it.
        if resources >= BATCH_RESOURCES || (resources >= batch_resources && !ops.is_empty()) {
            batch_resources = (batch_resources * 2).min(BATCH_RESOURCES);
            let batch = Batch {
                ops: std::mem::replace(&mut ops, Vec::with_capacity(BATCH_RESOURCES)),
                resources: std::mem::take(&mut resources),
                read: read.load(std::sync::atomic::Ordering::Relaxed),
                last: false,
            };
            // The writer stopped (it failed): stop reading.
            sender.send(batch).map_err(|_| ())?;
        }
        Ok(())
    });
    match result {
        Ok(_) => {
            if let Some(grouper) = grouper.as_mut() {
                grouper.close(&mut ops);
            }
            // Sent even when empty: it says the file was read to its end.
            let _ = sender.send(Batch {
                ops,
                resources,
                read: read.load(std::sync::atomic::Ordering::Relaxed),
                last: true,
            });
            Ok(())
        }
        Err(StreamError::Stopped(())) => Ok(()),
        Err(StreamError::Fhir(err)) if grouper.is_some() => Err(format!(
            "{err} (the file changed since it was checked; nothing of it was written)"
        )),
        Err(StreamError::Fhir(err)) => Err(format!(
            "{err} (the file changed since it was checked; what was written before this point \
             stays: import the file again)"
        )),
    }
}

/// `Type/id` of a resource for a message.
fn name_of(raw: &RawResource<'_>) -> String {
    match raw.id {
        Some(id) => format!("{}/{id}", raw.resource_type),
        None => raw.resource_type.to_owned(),
    }
}

/// The ops of one resource: what to write, and a warning for each part of it left out.
/// `keep_items`: a resource's op keeps what it says, for its group (see [`Group`]).
fn op_of(
    raw: &RawResource<'_>,
    rules: &Rules,
    options: &ImportOptions,
    checked: &Checked,
    keep_items: bool,
    ops: &mut Vec<Op>,
) {
    // FHIR: an incomplete copy "SHALL NOT be used for update". What it leaves out is not
    // withdrawn, so it neither updates, removes nor adds a resource: counted, nothing more.
    if is_summary_copy(raw) {
        ops.push(Op::Skipped(SUMMARY_COPY.to_owned()));
        return;
    }
    let mut mapping = match map_resource(raw, rules) {
        Ok(mapping) => mapping,
        Err(message) => {
            ops.push(left_out(
                raw,
                options,
                checked,
                LeftOutWhy::Warned(format!("left out: {message}")),
            ));
            return;
        }
    };
    if let Mapped::Medication { product, .. } = &mut mapping.mapped {
        mapping
            .warnings
            .extend(resolve_ingredients(product, raw.full_url, checked));
    }
    if let Mapped::Patient(patient) = &mut mapping.mapped {
        mapping
            .warnings
            .extend(resolve_linked_identifiers(patient, checked));
    }
    if let Mapped::Patient(patient) = &mut mapping.mapped
        && let Some(id) = &patient.id
        && checked.unlinked.contains(id)
    {
        mapping.warnings.push(format!(
            "its link to {} names a patient already stored as another record: not joined (only \
             a merge, `replaces` or `replaced-by`, joins two stored patients; both stay, each \
             with its own records and reviews)",
            patient
                .same_as
                .iter()
                .map(|other| format!("Patient/{other}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        patient.same_as.clear();
        patient.replaces.clear();
        patient.superseded = false;
    }
    for message in mapping.warnings {
        ops.push(Op::Warning {
            at: raw.path.clone(),
            resource: name_of(raw),
            message,
        });
    }
    if let Some(words) = mapping.unknown_stop_reason {
        ops.push(Op::UnknownStopReason(words));
    }
    ops.push(op_of_mapped(
        raw,
        mapping.mapped,
        options,
        checked,
        keep_items,
    ));
}

/// A Patient's links by identifier alone, resolved as a subject named by its identifier is: to
/// the Patient of the file carrying it, else to the one stored from the same source (see
/// `check`), and joined as a link by address is. One that names neither (or two of the file's
/// Patients) joins no one, and is said.
fn resolve_linked_identifiers(patient: &mut ImportedPatient, checked: &Checked) -> Vec<String> {
    let mut warnings = Vec::new();
    for linked in std::mem::take(&mut patient.linked_identifiers) {
        let named = match checked
            .identified
            .link_target(linked.system.as_deref(), &linked.value)
        {
            Ok(target) => Ok(target.to_owned()),
            Err(why) => checked
                .stored_links
                .get(&(linked.system.clone(), linked.value.clone()))
                .cloned()
                .ok_or(why),
        };
        let identifier = match &linked.system {
            Some(system) => format!("{system}|{}", linked.value),
            None => linked.value.clone(),
        };
        match named {
            Ok(target) if patient.id.as_deref() == Some(target.as_str()) => {}
            Ok(target) => {
                if linked.replaces {
                    patient.replaces.push(target.clone());
                }
                patient.same_as.push(target);
            }
            Err(why) => warnings.push(format!(
                "link to the Patient with identifier {identifier} not followed: it {why}, nor \
                 any patient stored from this source, so the two records are not joined"
            )),
        }
    }
    warnings
}

fn op_of_mapped(
    raw: &RawResource<'_>,
    mapped: Mapped,
    options: &ImportOptions,
    checked: &Checked,
    keep_items: bool,
) -> Op {
    let source = source_of(options);
    match mapped {
        Mapped::Patient(patient) => {
            let url_key = url_key(raw.full_url);
            // The Patient resources it is linked to are the same person: known by their ids.
            let ids: Vec<&str> = patient
                .id
                .iter()
                .chain(url_key.iter())
                .chain(&patient.same_as)
                .map(String::as_str)
                .collect();
            let mut keys = identity_keys(&source, &ids, &patient.identifiers);
            let own_ids = patient.id.iter().chain(url_key.iter()).cloned().collect();
            if let Some(id) = patient.id.as_deref() {
                keys.extend(server_key(&source, raw.full_url, id));
            }
            // The Patient ids other sources know them by, as a refract export carries them
            // (see `fhir::ORIGIN_URL`): those sources' next exports find them, and so do the
            // records this file carries under those sources (review OC-6).
            // One that names a stored patient this one plainly is not is no key of theirs.
            keys.extend(
                crate::fhir::origins_of(raw.json)
                    .into_iter()
                    .filter(|origin| {
                        !checked
                            .distrusted_origins
                            .contains(&(origin.source.clone(), origin.id.clone()))
                    })
                    .map(|origin| (patient_id_system(&origin.source), origin.id)),
            );
            let replaced = replaced_patient_system(&source);
            keys.extend(
                patient
                    .replaces
                    .iter()
                    .map(|id| (replaced.clone(), id.clone())),
            );
            let unscoped = ledger::unscoped_system(&source);
            let facts = PatientFacts {
                last_updated: patient.last_updated,
                mrn_is_record_number: patient.mrn_is_record_number,
                source: source.clone(),
                says_alive: patient.says_alive,
                mrn_described: patient.mrn_described,
                identifiers: patient
                    .described
                    .into_iter()
                    .map(|mut identifier| {
                        if identifier.system.is_empty() {
                            identifier.system.clone_from(&unscoped);
                        }
                        identifier
                    })
                    .collect(),
                names: patient.names,
                retired: patient
                    .former_identifiers
                    .iter()
                    .map(|(system, value)| {
                        (
                            system.clone().unwrap_or_else(|| unscoped.clone()),
                            value.clone(),
                        )
                    })
                    .collect(),
            };
            Op::Patient {
                at: raw.path.clone(),
                key: patient.id.clone(),
                patient: patient.patient,
                keys,
                own_ids,
                superseded: patient.superseded,
                facts: Box::new(facts),
            }
        }
        Mapped::Medication {
            resource_type,
            id,
            product,
        } => match serde_json::to_string(&product) {
            Ok(body) => Op::Medication {
                digest: content_digest(body.as_bytes()),
                source,
                resource_type,
                id,
                product,
                body,
            },
            Err(err) => Op::Warning {
                at: raw.path.clone(),
                resource: name_of(raw),
                message: format!("left out: {err}"),
            },
        },
        Mapped::Removed {
            resource_type,
            id,
            last_updated,
        } => Op::Removed {
            subject: subject_of(raw, &resource_type, &source, checked),
            source,
            resource_type,
            id,
            last_updated,
        },
        Mapped::Skipped(kind) => left_out(raw, options, checked, LeftOutWhy::Skipped(kind)),
        Mapped::Encounter { id, visit } => {
            let kept = KeptEncounter { visit };
            match serde_json::to_string(&kept) {
                Ok(body) => Op::Encounter {
                    digest: content_digest(body.as_bytes()),
                    source,
                    id,
                    visit,
                    body,
                },
                Err(err) => Op::Warning {
                    at: raw.path.clone(),
                    resource: name_of(raw),
                    message: format!("left out: {err}"),
                },
            }
        }
        Mapped::Resource(mut resource) => {
            match &mut resource.item {
                Item::Medication(record) => {
                    resolve_reasons(&mut record.reasons, &source, raw.full_url, checked);
                    resolve_prescriptions(
                        &mut record.prescriptions,
                        &source,
                        raw.full_url,
                        checked,
                    );
                    resolve_prescriptions(&mut record.renews, &source, raw.full_url, checked);
                }
                Item::Procedure(procedure) => {
                    resolve_named(
                        &mut procedure.named_conditions,
                        &source,
                        raw.full_url,
                        checked,
                    );
                    // A device no file names is no part of it: the procedure keeps its words.
                    procedure.named_devices = std::mem::take(&mut procedure.named_devices)
                        .into_iter()
                        .filter_map(|reference| {
                            resolve(&reference, &source, raw.full_url, checked, "Device")
                                .ok()
                                .map(|(_, id)| format!("{DEVICE_PREFIX}{id}"))
                        })
                        .collect();
                }
                Item::Observations(observations) => {
                    for observation in observations {
                        resolve_named(
                            &mut observation.named_conditions,
                            &source,
                            raw.full_url,
                            checked,
                        );
                    }
                }
                Item::Imaging { study, statuses } => {
                    resolve_named(&mut study.named_conditions, &source, raw.full_url, checked);
                    for observation in statuses {
                        resolve_named(
                            &mut observation.named_conditions,
                            &source,
                            raw.full_url,
                            checked,
                        );
                    }
                }
                Item::Condition(_) | Item::Reaction(_) | Item::Line(_) | Item::Team(_) => {}
            }
            let subject =
                match resolve(&resource.subject, &source, raw.full_url, checked, "Patient") {
                    Ok(subject) => subject,
                    Err(why) => {
                        return left_out(
                            raw,
                            options,
                            checked,
                            LeftOutWhy::Warned(format!("left out: its subject {why}")),
                        );
                    }
                };
            let refers = match resource.refers.as_deref() {
                None => None,
                // The visit a reading was taken in: one that names no Encounter refract can
                // find is no error, the reading is read as its own record says.
                Some(reference) if matches!(resource.item, Item::Observations(_)) => {
                    resolve(reference, &source, raw.full_url, checked, "Encounter")
                        .ok()
                        .map(|(_, id)| encounter_key(&id))
                }
                // The trial a ResearchSubject places the patient in: one refract cannot find
                // keeps the reference's display (see `fhir::finish_shared`).
                Some(reference) if resource.resource_type == "ResearchSubject" => {
                    resolve(reference, &source, raw.full_url, checked, "ResearchStudy")
                        .ok()
                        .map(|(_, id)| format!("{STUDY_PREFIX}{id}"))
                }
                // The Device a statement or a procedure names. A statement is nothing without
                // it; a procedure is its own record, and keeps its own words.
                Some(reference) if matches!(resource.item, Item::Procedure(_)) => {
                    match resolve(reference, &source, raw.full_url, checked, "Device") {
                        Ok((_, id)) => Some(format!("{DEVICE_PREFIX}{id}")),
                        Err(why) if resource.resource_type == "DeviceUseStatement" => {
                            return left_out(
                                raw,
                                options,
                                checked,
                                LeftOutWhy::Warned(format!("left out: its device {why}")),
                            );
                        }
                        // Its next device found is the one its arrival is looked up by.
                        Err(_) => match &mut resource.item {
                            Item::Procedure(procedure) if !procedure.named_devices.is_empty() => {
                                Some(procedure.named_devices.remove(0))
                            }
                            _ => None,
                        },
                    }
                }
                Some(reference) => {
                    match resolve(reference, &source, raw.full_url, checked, "Medication") {
                        Ok((_, key)) => Some(key),
                        Err(why) => {
                            return left_out(
                                raw,
                                options,
                                checked,
                                LeftOutWhy::Warned(format!(
                                    "left out: its medicationReference {why}"
                                )),
                            );
                        }
                    }
                }
            };
            let kind = match &resource.item {
                Item::Condition(_) => Kind::Condition,
                Item::Observations(observations) => Kind::Observation(observations.len()),
                Item::Procedure(_) => Kind::Procedure,
                Item::Imaging { statuses, .. } => Kind::Imaging(statuses.len()),
                Item::Reaction(_) => Kind::Reaction,
                // A patient's report that the drug is not taken is no exposure (it ends one).
                Item::Medication(record) if record.not_taken => Kind::Line,
                Item::Medication(_) => Kind::Exposure,
                Item::Line(_) | Item::Team(_) => Kind::Line,
            };
            let body = match serde_json::to_string(&resource.item) {
                Ok(body) => body,
                Err(err) => {
                    return left_out(
                        raw,
                        options,
                        checked,
                        LeftOutWhy::Warned(format!("left out: {err}")),
                    );
                }
            };
            // A resource with no id is known by its bundle URL, else by its content (the
            // same record imported again is then recognised, but cannot be updated).
            let id = resource
                .id
                .clone()
                .or_else(|| raw.full_url.map(str::to_owned))
                .unwrap_or_else(|| format!("sha:{}", content_digest(body.as_bytes())));
            // A record a refract export carried from the source it was first imported from is
            // kept under that source's key, filed under that source's Patient id (which the
            // file's Patient carries too): that source's next export updates it rather than
            // adding a copy (review OC-6).
            let (source, resource_type, id, subject, carried) =
                match carried_origin(raw.json, resource.resource_type, checked) {
                    Some((origin, patient, kind, id)) => {
                        let subject = (origin.source.clone(), patient);
                        (origin.source, kind, id, subject, true)
                    }
                    None => (source, resource.resource_type, id, subject, false),
                };
            Op::Resource(Box::new(ResourceOp {
                at: raw.path.clone(),
                source,
                resource_type,
                id,
                subject,
                named: resource.subject_named,
                refers,
                last_updated: resource.last_updated,
                says_current: matches!(&resource.item, Item::Medication(record)
                    if record.active && !record.dispensed),
                kind,
                digest: content_digest(body.as_bytes()),
                body,
                carried,
                item: keep_items.then_some(resource.item),
            }))
        }
    }
}

/// The origin a refract export wrote on a record (see `fhir::ORIGIN_URL`), with the Patient
/// id it was filed under there: only one whole origin is read (a record naming two places
/// is none of them).
/// An origin whose patient is distrusted (see `same_id::distrusted_origins`) is none: the
/// record stays the file's own, filed under the file's Patient.
/// Returned with the type and the id it is kept under there: its resource's, or a part's of
/// it (review OC-11); an origin naming a type the written resource cannot stand for is none.
fn carried_origin(
    json: &str,
    written_as: &str,
    checked: &Checked,
) -> Option<(crate::fhir::Origin, String, &'static str, String)> {
    let mut origins = crate::fhir::origins_of(json);
    if origins.len() != 1 {
        return None;
    }
    let origin = origins.pop()?;
    let subject = origin.subject.clone()?;
    if checked
        .distrusted_origins
        .contains(&(origin.source.clone(), subject.clone()))
    {
        return None;
    }
    let kind = origin.resource_type.as_deref().unwrap_or(written_as);
    let stands_for: &[&str] = match written_as {
        "Observation" => &[
            "Observation",
            "DiagnosticReport",
            "QuestionnaireResponse",
            "ImagingStudy",
        ],
        // A Device affixed to the patient is a procedure row too (review MV-2).
        "Procedure" => &[
            "Procedure",
            "DeviceUseStatement",
            "Device",
            "ResearchSubject",
            "ImagingStudy",
            "DiagnosticReport",
        ],
        "MedicationStatement" => &[
            "MedicationRequest",
            "MedicationStatement",
            "MedicationAdministration",
            "MedicationDispense",
        ],
        _ => &[],
    };
    let kind = STORED_TYPES
        .iter()
        .copied()
        .find(|stored| *stored == kind && (kind == written_as || stands_for.contains(stored)))?;
    if origin.id.contains(CARRIED_PART) {
        return None;
    }
    let id = match origin.part {
        Some(part) => format!("{}{CARRIED_PART}{part}", origin.id),
        None => origin.id.clone(),
    };
    Some((origin, subject, kind, id))
}

/// Turns each Condition a drug's record names as its reason into that Condition's id in the
/// record's source (a bundle URL of the file, or a relative or absolute `Condition/id`), read
/// once the patient's record is built (see `fhir::resolve_indications`). A reference to
/// anything else (an Observation, a DiagnosticReport, a search) is its display alone.
fn resolve_reasons(
    reasons: &mut [crate::fhir::StatedReason],
    source: &str,
    from: Option<&str>,
    checked: &Checked,
) {
    for reason in reasons {
        if let Some(reference) = reason.condition.take() {
            reason.condition = resolve(&reference, source, from, checked, "Condition")
                .ok()
                .map(|(_, id)| id);
        }
    }
}

/// Turns each Condition a procedure's or an observation's record names (`reasonReference`,
/// `focus`) into that Condition's id in the record's source, as [`resolve_reasons`] does a
/// drug's: one that names no Condition refract can find keeps its display alone.
fn resolve_named(
    named: &mut [crate::domain::NamedCondition],
    source: &str,
    from: Option<&str>,
    checked: &Checked,
) {
    for condition in named {
        if let Some(reference) = condition.id.take() {
            condition.id = resolve(&reference, source, from, checked, "Condition")
                .ok()
                .map(|(_, id)| id);
        }
    }
}

/// Turns each order a drug's record names as the one it carries out into that
/// MedicationRequest's id in the record's source (see `fhir::take_reasons_of_orders`); a
/// reference that names no MedicationRequest (a CarePlan, a search) is dropped. So is a bundle
/// URL (`urn:uuid:…`) that is no MedicationRequest's of the file: such a URL names an entry of
/// its own bundle (refract's export points a statement's `basedOn` at its care plan this way),
/// and taken for an order met nowhere yet it would send the whole file down the slow path that
/// reads its patients back from the ledger, out of the file's one transaction.
fn resolve_prescriptions(
    prescriptions: &mut Vec<String>,
    source: &str,
    from: Option<&str>,
    checked: &Checked,
) {
    *prescriptions = std::mem::take(prescriptions)
        .into_iter()
        .filter(|reference| {
            !reference.starts_with("urn:")
                || checked.urls.contains_key(url_lookup(reference).as_ref())
        })
        .filter_map(|reference| {
            resolve(&reference, source, from, checked, "MedicationRequest")
                .ok()
                .map(|(_, id)| id)
        })
        .collect();
}

/// What an Observation's `refers` holds for the Encounter it was taken in: `Encounter/<id>`,
/// which no Medication's id can be (an id has no `/`), so the ledger tells the two apart.
pub(super) fn encounter_key(id: &str) -> String {
    format!("{ENCOUNTER_PREFIX}{id}")
}

/// Turns each ingredient reference of a Medication into the key of the resource it names
/// (`Substance/a`, `Medication/b`: another entry of the file, or a resource of the same source
/// imported in another file), found when a record of the drug is finished. A reference that
/// can name none is dropped, with a warning: the ingredient is then named by its display.
fn resolve_ingredients(
    product: &mut Product,
    from: Option<&str>,
    checked: &Checked,
) -> Vec<String> {
    let mut warnings = Vec::new();
    for ingredient in &mut product.ingredients {
        let Some(reference) = ingredient.refers.take() else {
            continue;
        };
        match ingredient_key(&reference, from, checked) {
            Ok(key) => ingredient.refers = Some(key),
            Err(why) => warnings.push(format!(
                "its ingredient '{reference}' {why}: {}",
                named_by(ingredient.display.as_deref())
            )),
        }
    }
    warnings
}

/// The key of the Medication or Substance an ingredient reference names.
fn ingredient_key(
    reference: &str,
    from: Option<&str>,
    checked: &Checked,
) -> Result<String, String> {
    if reference.len() > 4_096 {
        return Err(String::from("is no resource's address"));
    }
    let in_base = in_entry_base(reference, from);
    if let Some(key) = checked
        .ingredients
        .get(url_lookup(in_base.as_deref().unwrap_or(reference)).as_ref())
    {
        return Ok(key.clone());
    }
    if reference.starts_with("urn:") {
        return Err(String::from(
            "names no Medication or Substance of this file",
        ));
    }
    if reference.contains('?') {
        return Err(String::from("is a search refract cannot resolve"));
    }
    match reference_key(reference).split_once('/') {
        Some((kind @ ("Medication" | "Substance"), id)) if !id.is_empty() => {
            Ok(format!("{kind}/{id}"))
        }
        _ => Err(String::from("is not a Medication or a Substance")),
    }
}

/// The absolute URL a relative reference (`Patient/abc`) stands for in the bundle entry whose
/// `fullUrl` is `from`, when that is RESTful (`https://h.example/fhir/Condition/1`): R4 Bundle,
/// "Resolving references in Bundles": a relative reference in such an entry is resolved against
/// the entry's base (`https://h.example/fhir/`), and the entry whose `fullUrl` is the result is
/// the one it names. Only the referring entry's own base: two servers' `Patient/1001` in one
/// bundle are two people (see the tests around RV-2 and RR-7).
fn in_entry_base(reference: &str, from: Option<&str>) -> Option<String> {
    let reference = reference.trim();
    // Only `Type/id` (or `Type/id/_history/v`): a URL, a `urn:`, a fragment or a search is
    // not relative in this sense.
    let (kind, _) = reference.split_once('/')?;
    if kind.is_empty()
        || !kind.chars().all(|c| c.is_ascii_alphabetic())
        || reference.contains(['?', '#', ':'])
    {
        return None;
    }
    let base = server_base(from?)?;
    Some(format!("{base}/{reference}"))
}

/// (source, id) of the resource of type `want` that `reference` names, as written in the
/// entry at `from` (its `fullUrl`) of a resource of `source`: a bundle URL of the file, or a
/// relative or absolute `Type/id`.
fn resolve(
    reference: &str,
    source: &str,
    from: Option<&str>,
    checked: &Checked,
    want: &str,
) -> Result<(String, String), String> {
    // FHIR ids are at most 64 characters; a URL around one is not much longer.
    if reference.len() > 4_096 {
        return Err(format!(
            "is a reference of {} bytes, not a resource's address",
            reference.len()
        ));
    }
    if reference.starts_with("urn:") {
        if let Some(key) = checked.urls.get(url_lookup(reference).as_ref()) {
            return Ok((source.to_owned(), key.clone()));
        }
        // Not in this file: exporters write `urn:uuid:<the resource's id>`.
        let id = reference.rsplit(':').next().unwrap_or(reference);
        return Ok((source.to_owned(), id.to_owned()));
    }
    if reference.starts_with('#') {
        return Err(format!(
            "'{reference}' is a contained resource, not a {want}"
        ));
    }
    // A transaction's conditional reference: the Patient of the file with that identifier.
    if let Some((kind, query)) = reference.split_once('?') {
        if kind.rsplit('/').next() != Some(want) || want != "Patient" {
            return Err(format!("'{reference}' is a search refract cannot resolve"));
        }
        let mut params = query.split('&');
        let token = match (params.next(), params.next()) {
            (Some(param), None) => param.strip_prefix("identifier="),
            _ => None,
        }
        .ok_or_else(|| {
            format!("'{reference}' is a search refract cannot resolve (only identifier=)")
        })?;
        // `system|value` or `value`, URL-escaped (`%7C` for the bar is common); a `|` within
        // either is written `\|` (FHIR search escaping).
        let token = percent_decoded(token);
        let (system, value) = match split_unescaped_bar(&token) {
            Some((system, value)) => (Some(search_unescaped(system)), search_unescaped(value)),
            None => (None, search_unescaped(&token)),
        };
        let target = checked
            .identified
            .target(system.as_deref(), &value)
            .map_err(|why| format!("'{reference}' {why}"))?;
        return Ok((source.to_owned(), target.to_owned()));
    }
    let key = reference_key(reference);
    let Some((kind, id)) = key.split_once('/') else {
        return Err(format!("'{reference}' names no {want}"));
    };
    if kind != want || id.is_empty() {
        return Err(format!("'{reference}' is not a {want}"));
    }
    // The entry of the run whose full URL it is, first (R4 Bundle: a reference is resolved
    // against the entries' `fullUrl`s): a Patient written without an id at `…/Patient/1001`
    // is not the `Patient/1001` of another server in the same file (review RV-2).
    // A relative one in an entry at a RESTful URL stands for the absolute URL on that entry's
    // server (RR-7), and is then read as that.
    let in_base = in_entry_base(reference, from);
    let absolute = in_base.as_deref().unwrap_or(reference);
    if let Some(found) = checked.urls.get(absolute) {
        return Ok((source.to_owned(), found.clone()));
    }
    // An absolute reference names its server: another server's Patient/12 is not the
    // Patient/12 this file holds (ids are only unique on one server).
    if want == "Patient"
        && let (Some(base), Some(theirs)) = (server_base(absolute), checked.servers.get(id))
        && same_server(base) != same_server(theirs)
    {
        return Err(format!(
            "'{reference}' is a {want} of {base}, not this file's {want}/{id} of {theirs}"
        ));
    }
    Ok((source.to_owned(), id.to_owned()))
}

/// `system|value` split at its first `|` that is not escaped (`\|`).
fn split_unescaped_bar(token: &str) -> Option<(&str, &str)> {
    let mut escaped = false;
    for (at, c) in token.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '|' if !escaped => return Some((&token[..at], &token[at + 1..])),
            _ => escaped = false,
        }
    }
    None
}

/// A search value with FHIR's escapes (`\|`, `\,`, `\$`, `\\`) undone.
fn search_unescaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(next) = chars.next()
        {
            out.push(next);
        } else {
            out.push(c);
        }
    }
    out
}

/// A URL query value with its `%XX` escapes decoded (`urn%3Aoid%3A1.2%7CMRN1`); an escape
/// that is not one is kept as written.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let escaped = (bytes[at] == b'%')
            .then(|| bytes.get(at + 1..at + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        if let Some(byte) = escaped {
            out.push(byte);
            at += 3;
        } else {
            out.push(bytes[at]);
            at += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The (source, Patient id) pairs a Patient's keys file resources under: its own id in the
/// run's source, and those a refract export carried from other sources (see
/// `fhir::ORIGIN_URL`). Only the import makes keys of these systems (a file's identifier
/// under them is no key, see `identity_keys`).
fn subjects_of(keys: &[(String, String)]) -> Vec<(String, String)> {
    let prefix = patient_id_system("");
    keys.iter()
        .filter_map(|(system, value)| {
            system
                .strip_prefix(prefix.as_str())
                .map(|source| (source.to_owned(), value.clone()))
        })
        .collect()
}

/// Gathers, on the reading thread, each Patient of a file written in one transaction with the
/// resources about them that follow it, and computes their record (see [`Group`]).
struct Grouper<'a> {
    rules: &'a Rules,
    today: NaiveDate,
    /// The file's Medications and Substances so far, by (source, `Type/id`), for the
    /// medication records that refer to one and the Medications whose ingredients do.
    medications: HashMap<(String, String), Product>,
    /// The file's Encounters so far, by (source, `Encounter/id`), for the readings taken in
    /// them: every one, those refract does not keep too (their readings are read as they are).
    encounters: HashMap<(String, String), Visit>,
    open: Option<OpenGroup>,
}

struct OpenGroup {
    patient: Op,
    /// The Patient ids (or URLs) the patient's resources name as their subject, each as
    /// (source, id): the run's source's, and those of the sources a refract export carried
    /// the patient's records from (see `fhir::ORIGIN_URL`).
    subjects: Vec<(String, String)>,
    ops: Vec<Op>,
    /// What each of their resources says, with its (type, id).
    items: Vec<(&'static str, String, Said)>,
    /// Their orders so far, for the records that carry one out (see
    /// `fhir::take_reasons_of_orders`).
    orders: Orders,
    clinical: usize,
    computable: bool,
}

/// What one resource of a group says: a medication record finished with its Medication.
enum Said {
    /// Boxed: an item is far larger than a list of dose periods.
    Item(Box<Item>),
    /// A medication record's dose periods (a titration's dated steps, each its own).
    Exposures(Vec<(crate::domain::DrugExposure, MedicationMeta)>),
}

impl<'a> Grouper<'a> {
    fn new(rules: &'a Rules, today: NaiveDate) -> Self {
        Grouper {
            rules,
            today,
            medications: HashMap::new(),
            encounters: HashMap::new(),
            open: None,
        }
    }

    /// Takes the next op of the file; ops that belong to no group go to `out` as they come.
    fn push(&mut self, op: Op, out: &mut Vec<Op>) {
        match op {
            Op::Patient { ref keys, .. } => {
                self.close(out);
                let subjects = subjects_of(keys);
                self.open = Some(OpenGroup {
                    patient: op,
                    subjects,
                    ops: Vec::new(),
                    items: Vec::new(),
                    orders: Orders::default(),
                    clinical: 0,
                    computable: true,
                });
            }
            Op::Resource(mut resource) => {
                let Some(open) = self
                    .open
                    .as_mut()
                    .filter(|open| open.subjects.contains(&resource.subject))
                else {
                    self.close(out);
                    out.push(Op::Resource(resource));
                    return;
                };
                open.clinical += 1;
                match resource.item.take() {
                    Some(Item::Medication(mut record)) => {
                        let source = &resource.source;
                        if resource.resource_type == "MedicationRequest" {
                            open.orders.add(source, &resource.id, &record);
                        }
                        // An order not met yet in this file: read back from the ledger instead
                        // (only a record that states no reason of its own reads its order's, and
                        // only a fill with no dosage its order's dosage).
                        let reads_order_dosage = record.dispensed && record.dosages.is_empty();
                        open.computable &= (!record.reasons.is_empty() && !reads_order_dosage)
                            || record
                                .prescriptions
                                .iter()
                                .all(|order| open.orders.holds(source, order));
                        // An order renewing another (`priorPrescription`) says how long that
                        // one ran, whichever comes first in the file: read back from the ledger,
                        // where every order of the patient is met (see `project::compute`).
                        open.computable &= record.renews.is_empty();
                        take_reasons_of_orders(&mut record, source, &open.orders);
                        take_dosage_of_orders(&mut record, source, &open.orders);
                        let medications = &self.medications;
                        let referred = match (&record.concept, &resource.refers) {
                            (None, Some(refers)) => {
                                let key = (source.clone(), format!("Medication/{refers}"));
                                let found = medications.get(&key);
                                // Not met yet in this file: read back from the ledger instead.
                                open.computable &= found.is_some();
                                found
                            }
                            _ => None,
                        };
                        let find = |key: &str| medications.get(&(source.clone(), key.to_owned()));
                        let (periods, missing) =
                            finish_medication(&record, referred, None, &find, &self.rules.book);
                        // An ingredient not met yet in this file: the same.
                        open.computable &= missing.is_empty();
                        open.items.push((
                            resource.resource_type,
                            resource.id.clone(),
                            Said::Exposures(periods),
                        ));
                    }
                    Some(Item::Observations(mut observations)) => {
                        if let Some(key) = resource
                            .refers
                            .as_ref()
                            .filter(|key| key.starts_with(ENCOUNTER_PREFIX))
                        {
                            match self.encounters.get(&(resource.source.clone(), key.clone())) {
                                Some(visit) => place_readings(&mut observations, *visit),
                                // Not met yet in this file: read back from the ledger instead.
                                None => open.computable = false,
                            }
                        }
                        open.items.push((
                            resource.resource_type,
                            resource.id.clone(),
                            Said::Item(Box::new(Item::Observations(observations))),
                        ));
                    }
                    // A Device affixed to the patient: whether a statement or a procedure
                    // names it decides its row, read back from the ledger, where the whole
                    // record is (see `project::compute`).
                    Some(item) if resource.resource_type == "Device" => {
                        open.computable = false;
                        open.items.push((
                            resource.resource_type,
                            resource.id.clone(),
                            Said::Item(Box::new(item)),
                        ));
                    }
                    Some(Item::Procedure(mut procedure)) if resource.refers.is_some() => {
                        let refers = resource.refers.clone().unwrap_or_default();
                        // The Device or study it names: not met yet in this file (or in no
                        // file), it is read back from the ledger instead, where the warning
                        // is given.
                        match self
                            .medications
                            .get(&(resource.source.clone(), refers.clone()))
                        {
                            Some(shared) => {
                                finish_shared(
                                    resource.resource_type,
                                    &mut procedure,
                                    Some(shared),
                                    &refers,
                                );
                            }
                            None => open.computable = false,
                        }
                        for device in std::mem::take(&mut procedure.named_devices) {
                            match self
                                .medications
                                .get(&(resource.source.clone(), device.clone()))
                            {
                                Some(shared) => {
                                    finish_shared(
                                        resource.resource_type,
                                        &mut procedure,
                                        Some(shared),
                                        &device,
                                    );
                                }
                                None => open.computable = false,
                            }
                        }
                        open.items.push((
                            resource.resource_type,
                            resource.id.clone(),
                            Said::Item(Box::new(Item::Procedure(procedure))),
                        ));
                    }
                    Some(item) => {
                        open.items.push((
                            resource.resource_type,
                            resource.id.clone(),
                            Said::Item(Box::new(item)),
                        ));
                    }
                    None => open.computable = false,
                }
                open.ops.push(Op::Resource(resource));
                if open.ops.len() >= MAX_GROUP_OPS {
                    open.computable = false;
                    self.close(out);
                }
            }
            Op::Medication {
                ref source,
                resource_type,
                ref id,
                ref product,
                ..
            } => {
                self.medications.insert(
                    (source.clone(), format!("{resource_type}/{id}")),
                    product.clone(),
                );
                self.keep(op, out);
            }
            Op::Encounter {
                ref source,
                ref id,
                visit,
                ..
            } => {
                self.encounters
                    .insert((source.clone(), encounter_key(id)), visit);
                self.keep(op, out);
            }
            Op::Removed { .. } => {
                if let Some(open) = self.open.as_mut() {
                    open.computable = false;
                }
                self.keep(op, out);
            }
            Op::LeftOut(ref left) => {
                // It takes out only a stored copy: of this group's resources, one the file
                // gave earlier (the reader's record would still hold it); a copy stored before
                // the file is no new patient's.
                if let Some(open) = self.open.as_mut()
                    && open
                        .items
                        .iter()
                        .any(|(kind, id, _)| *kind == left.resource_type && *id == left.id)
                {
                    open.computable = false;
                }
                self.keep(op, out);
            }
            other => self.keep(other, out),
        }
    }

    /// An op that is about no one in particular: kept in its place.
    fn keep(&mut self, op: Op, out: &mut Vec<Op>) {
        match self.open.as_mut() {
            Some(open) => open.ops.push(op),
            None => out.push(op),
        }
    }

    /// Ends the open group, if any, computing the patient's record when it can be.
    fn close(&mut self, out: &mut Vec<Op>) {
        let Some(open) = self.open.take() else {
            return;
        };
        let computed = match &open.patient {
            Op::Patient {
                key,
                patient,
                facts,
                ..
            } if open.computable && open.clinical > 0 => {
                let created = Created {
                    patient: patient.clone(),
                    fhir_id: key.clone(),
                    last_updated: facts.last_updated.clone(),
                    death_source: Some(facts.source.clone()).filter(|source| !source.is_empty()),
                    says_alive: facts.says_alive,
                    mrn_described: facts.mrn_described.clone(),
                };
                // In the ledger's order, (type, id), as the end of a run reads them back: ids
                // are unique per type only, and renewals of one drug merge in this order.
                let mut said = open.items;
                said.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
                let mut items = ImportedItems::default();
                for (_, id, said) in said {
                    match said {
                        Said::Item(item) => items.add(&id, *item),
                        Said::Exposures(periods) => {
                            for (exposure, meta) in periods {
                                items.exposures.push((id.clone(), exposure, meta));
                            }
                        }
                    }
                }
                let mut unresolved = Vec::new();
                project::resolve_ages(
                    &mut items,
                    project::birth_window(&created.patient),
                    self.today,
                    &mut unresolved,
                );
                Some(project::computed_of(
                    items,
                    unresolved,
                    Some(&created),
                    self.rules,
                    self.today,
                ))
            }
            _ => None,
        };
        out.push(Op::Group(Box::new(Group {
            patient: open.patient,
            ops: open.ops,
            computed,
        })));
    }
}

/// The writing side of a file's run.
struct Writer<'a> {
    run_key: &'a RunKey<'a>,
    run: Option<i64>,
    replace: bool,
    /// The file is written in one transaction, and its new patients created in it.
    whole: bool,
    rules: &'a Rules,
    today: NaiveDate,
    equivalent: &'a [Vec<String>],
    /// The run's source.
    source: &'a str,
    /// The Patient ids of the file's Patients (stored, or still waiting to be created at the
    /// end of the run), for a whole-record replace: what an earlier file (of this run or
    /// before) filed under them and this one does not hold is removed. Only under them: a
    /// patient joined with another record (a source's merge, `--same-system`) also holds what
    /// the source files under that record's id, which this file does not speak for.
    file_subjects: Vec<String>,
    /// (source, subject) of resources whose patient was not stored when they were written:
    /// checked at the end of the run (their Patient may come later in it).
    pub unresolved: std::collections::BTreeSet<(String, String)>,
    /// What the file's resources wrote of those subjects beside the reference: whom they are
    /// about, should the records be kept aside for a Patient that has not come.
    subject_named: BTreeMap<(String, String), SubjectEvidence>,
    /// Patients this file created: what is added to them is no change to audit.
    created: BTreeSet<PatientId>,
    /// What creating them did (counted into the file's report at the end).
    rebuilt: Rebuilt,
    /// The file says some resource is gone (entered in error, deleted): see
    /// [`ImportTx::finish_run`].
    removes: bool,
    /// When the file was made, as far as it says: its Bundle's `timestamp` or `meta.lastUpdated`,
    /// else the latest `meta.lastUpdated` of what it holds (it was made after writing them). A
    /// whole-record replace removes no copy written after it: the file could not hold it.
    file_made: Option<String>,
    /// Whether a removal is later than the copy it removes (see `ImportTx::remove_resource`):
    /// not for deletions that may be older than what is stored.
    dated_by_removed_copy: bool,
    deletions: &'a mut RunDeletions,
    refused: &'a HashMap<(String, String), String>,
}

/// Where the writer is within one transaction.
#[derive(Default)]
struct TxState {
    /// Additions to patients the database held before: audited per patient and transaction.
    added: BTreeMap<PatientId, Vec<String>>,
    /// The patient of the last subject looked up (files list a patient's resources together,
    /// so most look-ups repeat the last one).
    last: Option<((String, String), Option<PatientId>)>,
    /// The patient whose group is being written to create them: their rows are written
    /// right after, so their resources need no mark for rebuilding.
    creating: Option<PatientId>,
}

impl Writer<'_> {
    /// The file holds a resource written at `last_updated`: it was made after that.
    fn file_holds(&mut self, last_updated: Option<&str>) {
        let Some(written) = last_updated else {
            return;
        };
        let later = self
            .file_made
            .as_deref()
            .is_none_or(|made| written_after(written, made));
        if later {
            self.file_made = Some(written.to_owned());
        }
    }

    /// A Patient the database does not hold: kept in the ledger until the end of the run,
    /// when they are created with their rows in one transaction (see `project`).
    fn stage_new_patient(
        &mut self,
        tx: &ImportTx<'_>,
        run: i64,
        op: &Op,
        counted: &mut FileReport,
    ) -> Result<(), StoreError> {
        let Op::Patient {
            at,
            key,
            patient,
            keys,
            superseded,
            facts,
            ..
        } = op
        else {
            return Ok(());
        };
        let pending = PendingPatient {
            patient: patient.clone(),
            fhir_id: key.clone(),
            keys: keys.clone(),
            equivalent: self.equivalent.to_vec(),
            superseded: *superseded,
            facts: (**facts).clone(),
        };
        let body = serde_json::to_string(&pending)?;
        // Known by its id, else its first identifier (a Patient with neither is never read).
        let Some(id) = key.clone().or_else(|| {
            keys.first()
                .map(|(system, value)| format!("{system}|{value}"))
        }) else {
            counted.warn(
                at,
                String::from("Patient"),
                "left out: no id and no identifier",
            );
            return Ok(());
        };
        let digest = content_digest(body.as_bytes());
        tx.upsert_resource(
            &LedgerEntry {
                source: self.source,
                resource_type: "Patient",
                id: &id,
                subject: None,
                refers: None,
                last_updated: None,
                current_on: None,
                digest: &digest,
                body: &body,
                import_id: run,
                carried: false,
            },
            None,
            // Stamped with this run even when unchanged: one staged by a run that stopped in the
            // middle is held back until a run that reaches its end has read them again.
            true,
        )?;
        counted.new_patients += 1;
        Ok(())
    }

    /// For a whole-record replace: a Patient of the file's own ids (see `Op::Patient`), whose
    /// resources the file speaks for (an id read twice is harmless: the second pass finds
    /// nothing left to remove).
    fn hold_subjects(&mut self, own_ids: &[String]) {
        if self.replace {
            self.file_subjects.extend(own_ids.iter().cloned());
        }
    }

    /// Writes one op of a transaction.
    fn write_op(
        &mut self,
        tx: &ImportTx<'_>,
        run: i64,
        op: &Op,
        counted: &mut FileReport,
        state: &mut TxState,
    ) -> Result<Option<Upserted>, StoreError> {
        match op {
            Op::Patient {
                at,
                key,
                patient,
                keys,
                own_ids,
                superseded,
                facts,
            } => {
                self.file_holds(facts.last_updated.as_deref());
                // Refused as another person than the stored patient with its id (see
                // `same_id`): the file's report says so once.
                if let Some(own) = key
                    && self
                        .refused
                        .contains_key(&(self.source.to_owned(), own.clone()))
                {
                    return Ok(None);
                }
                counted.patients += 1;
                let id = match tx.match_patient(keys, self.equivalent)? {
                    // Created earlier in this file: the first read could not check this
                    // Patient against them (with `--same-system`, another person's number
                    // may be theirs), so the check the end of a run makes is made here.
                    PatientMatch::Existing(id) if self.created.contains(&id) => {
                        let source = self.source;
                        if let Some(problem) =
                            identity_problem(tx, source, key.as_deref(), keys, self.equivalent)?
                        {
                            counted.warn(
                                at,
                                format!("Patient/{}", key.as_deref().unwrap_or("")),
                                &format!("left out: {problem}"),
                            );
                            return Ok(None);
                        }
                        id
                    }
                    PatientMatch::Existing(id) => id,
                    PatientMatch::New => {
                        self.stage_new_patient(tx, run, op, counted)?;
                        self.hold_subjects(own_ids);
                        return Ok(None);
                    }
                    PatientMatch::Ambiguous(..) => {
                        // Checked on the first read; another process got in between.
                        counted.warn(
                            at,
                            format!("Patient/{}", key.as_deref().unwrap_or("")),
                            "left out: its identifiers now name two stored patients",
                        );
                        return Ok(None);
                    }
                };
                if !superseded && !tx.merged_away(self.source, id, key.as_deref())? {
                    match tx.update_demographics(id, patient, facts, run)? {
                        DemographicsChange::Updated => counted.demographics_changed += 1,
                        DemographicsChange::KeptNewer => counted.demographics_kept_newer += 1,
                        DemographicsChange::Unchanged => {}
                    }
                }
                // A Patient id new to them brings what was filed under it.
                let claimant = Claimant {
                    names: &facts.names,
                    import_id: run,
                };
                let added = tx.add_identifiers(id, keys, &claimant)?;
                for shared in added.shared {
                    counted.warn(
                        at,
                        format!("Patient/{}", key.as_deref().unwrap_or("")),
                        &super::shared_message(tx, &shared)?,
                    );
                }
                for outcome in &added.kept_aside {
                    counted.warn(
                        at,
                        format!("Patient/{}", outcome.subject),
                        &super::kept_aside_message(&super::patient_words(patient), outcome),
                    );
                }
                tx.describe_identifiers(id, &facts.identifiers)?;
                tx.keep_names(id, &facts.names)?;
                state.last = None;
                self.hold_subjects(own_ids);
                // No resource id: known by its bundle `urn:uuid` alone (its key then; an id has
                // no colon), which an export may make afresh every time (R4: a `urn:` fullUrl
                // names the entry in that bundle only). Its record's earlier exports were filed
                // under their own: the file is that record's whole record too (not another
                // record's joined with it).
                if self.replace && key.as_deref().is_none_or(|key| key.starts_with("urn:")) {
                    let earlier = tx.record_subjects(id, self.source, keys)?;
                    self.hold_subjects(&earlier);
                }
            }
            Op::Medication {
                source,
                resource_type,
                id,
                product,
                body,
                digest,
            } => {
                // A Medication whose ingredients are resources of their own is marked so, for
                // its records to be rebuilt when one of those comes or changes.
                let refers = product
                    .ingredients
                    .iter()
                    .any(|ingredient| ingredient.refers.is_some())
                    .then_some(INGREDIENTS_ELSEWHERE);
                let entry = LedgerEntry {
                    source,
                    resource_type,
                    id,
                    subject: None,
                    refers,
                    last_updated: None,
                    current_on: None,
                    digest,
                    body,
                    import_id: run,
                    carried: false,
                };
                match tx.upsert_resource(&entry, None, self.replace)? {
                    Upserted::Added => {
                        counted.added += 1;
                        tx.mark_referrers_added(
                            source,
                            resource_type,
                            id,
                            body,
                            run,
                            &self.created,
                        )?;
                    }
                    Upserted::Updated => counted.updated += 1,
                    _ => counted.unchanged += 1,
                }
            }
            Op::Encounter {
                source,
                id,
                visit,
                body,
                digest,
            } => self.write_encounter(tx, run, (source, id, *visit), (body, digest), counted)?,
            Op::Resource(resource) => {
                self.file_holds(resource.last_updated.as_deref());
                let subject = &resource.subject;
                // Its Patient id was refused as another person than the stored patient who has
                // it: filed under that id, it would join that patient's record.
                if let Some(why) = self.refused.get(subject) {
                    counted.warn(
                        &resource.at,
                        format!("{}/{}", resource.resource_type, resource.id),
                        &format!(
                            "left out: its subject was refused: {why} (--lift-refusal {} if \
                             one person)",
                            subject.1
                        ),
                    );
                    return Ok(None);
                }
                let patient = match &state.last {
                    Some((key, patient)) if key == subject => *patient,
                    _ => {
                        let patient = tx.patient_of_subject(&subject.0, &subject.1)?;
                        state.last = Some((subject.clone(), patient));
                        // Remembered once per run of one subject's resources, not once per
                        // resource.
                        if patient.is_none() && self.unresolved.len() < MAX_UNRESOLVED {
                            self.unresolved.insert(subject.clone());
                        }
                        patient
                    }
                };
                if patient.is_none()
                    && !resource.named.is_empty()
                    && (self.subject_named.len() < MAX_UNRESOLVED
                        || self.subject_named.contains_key(subject))
                {
                    let named = &resource.named;
                    self.subject_named.entry(subject.clone()).or_default().add(
                        named
                            .identifier
                            .as_ref()
                            .map(|(system, value)| (system.as_deref(), value.as_str())),
                        named.display.as_deref(),
                    );
                }
                match resource.kind {
                    Kind::Condition => counted.conditions += 1,
                    Kind::Exposure => counted.exposures += 1,
                    Kind::Observation(rows) => counted.observations += rows,
                    Kind::Procedure => counted.procedures += 1,
                    Kind::Imaging(rows) => {
                        counted.procedures += 1;
                        counted.observations += rows;
                    }
                    Kind::Reaction => counted.reactions += 1,
                    Kind::Line => {}
                }
                // A part a refract export carried of a resource whose source's own version is
                // stored: that version stands for it, and for its other parts (review OC-11).
                // Only when filed under the same patient (review K1-1): another's resource with
                // that key (two systems' files under the unnamed source) stands for nothing of
                // theirs, and the part is kept, as another patient's version is never taken.
                if let Some((whole, _)) = resource.id.split_once(CARRIED_PART)
                    && let Some(owner) =
                        tx.stored_subject(&resource.source, resource.resource_type, whole)?
                {
                    if owner.as_deref() == Some(subject.1.as_str()) {
                        counted.unchanged += 1;
                        return Ok(Some(Upserted::Unchanged));
                    }
                    let owner = match &owner {
                        Some(owner) => owner_described(tx, &subject.0, owner)?,
                        None => String::from("no patient"),
                    };
                    counted.warn(
                        &resource.at,
                        format!("{}/{}", resource.resource_type, resource.id),
                        &format!(
                            "kept: the {}/{whole} stored is {owner}'s, not this patient's, so it \
                             does not stand for this part; are these files from two systems with \
                             the same ids? import each with --source NAME",
                            resource.resource_type
                        ),
                    );
                }
                // Removed after this copy was written, in this run or an earlier one: the file
                // holds an older version (a replace keeps what may be stored of it).
                if self.deletions.deleted_after(
                    &resource.source,
                    resource.resource_type,
                    &resource.id,
                    resource.last_updated.as_deref(),
                ) || tx.removed_after(
                    &resource.source,
                    resource.resource_type,
                    &resource.id,
                    resource.last_updated.as_deref(),
                )? {
                    if self.replace {
                        tx.mark_seen(&resource.source, resource.resource_type, &resource.id, run)?;
                    }
                    counted.older += 1;
                    return Ok(Some(Upserted::Older));
                }
                let current_on = resource
                    .says_current
                    .then(|| current_day(resource.last_updated.as_deref()))
                    .flatten();
                let entry = LedgerEntry {
                    source: &resource.source,
                    resource_type: resource.resource_type,
                    id: &resource.id,
                    subject: Some(subject.1.as_str()),
                    refers: resource.refers.as_deref(),
                    last_updated: resource.last_updated.as_deref(),
                    current_on: current_on.as_deref(),
                    digest: &resource.digest,
                    body: &resource.body,
                    import_id: run,
                    carried: resource.carried,
                };
                let marks = patient.filter(|id| state.creating != Some(*id));
                let upserted = tx.upsert_resource(&entry, marks, self.replace)?;
                if !matches!(upserted, Upserted::OtherSubject(_)) {
                    counted.kept_aside_dropped += tx.drop_kept_aside_copies(&entry)?;
                }
                // The parts a refract export carried it in, which it now stands for: only
                // one newly stored can meet any (a part that comes after it is not kept).
                if matches!(upserted, Upserted::Added) {
                    counted.removed += tx.remove_carried_parts(
                        &resource.source,
                        resource.resource_type,
                        &resource.id,
                        Some(subject.1.as_str()),
                        run,
                    )?;
                }
                match &upserted {
                    Upserted::Added => {
                        counted.added += 1;
                        if let Some(patient) = patient.filter(|id| !self.created.contains(id)) {
                            state
                                .added
                                .entry(patient)
                                .or_default()
                                .push(format!("{}/{}", resource.resource_type, resource.id));
                        }
                    }
                    Upserted::Updated => counted.updated += 1,
                    Upserted::Unchanged => counted.unchanged += 1,
                    Upserted::Older => counted.older += 1,
                    Upserted::OtherSubject(owner) => {
                        counted.warn(
                            &resource.at,
                            format!("{}/{}", resource.resource_type, resource.id),
                            &other_subject_message(tx, &subject.0, owner, patient)?,
                        );
                    }
                    Upserted::Moved(owner) => {
                        counted.updated += 1;
                        counted.warn(
                            &resource.at,
                            format!("{}/{}", resource.resource_type, resource.id),
                            &format!(
                                "moved from {} to {}: the source's newer version files it under \
                                 Patient/{} (a record charted to the wrong patient, corrected)",
                                owner_described(tx, &subject.0, owner)?,
                                patient.map_or_else(
                                    || format!("Patient/{}", subject.1),
                                    |id| store_describe(tx, id)
                                ),
                                subject.1
                            ),
                        );
                    }
                }
                return Ok(Some(upserted));
            }
            Op::Removed {
                source,
                resource_type,
                id,
                last_updated,
                subject,
            } => {
                self.removes = true;
                if *resource_type == "Patient"
                    && let Some(patient) = tx.patient_of_subject(source, id)?
                {
                    // Deleting a person is not for an import to do: their team's reviews,
                    // decisions and notes hang on them. What the source deleted about them is
                    // removed, resource by resource; the person is left to the team.
                    counted.warn(
                        "",
                        format!("Patient/{id}"),
                        &format!(
                            "deleted at the source: {} is kept, with the team's work and what \
                             the source has not deleted of their record",
                            store_describe(tx, patient)
                        ),
                    );
                }
                let removal = (last_updated.as_deref(), self.dated_by_removed_copy);
                // The parts go with it, only those of the patient it names (review K1-1); one
                // naming no one (a `DELETE`) takes its stored copy's patient's, and with none
                // stored, is taken at its key, as a stored copy is. One whose patient cannot be
                // told takes none, and a copy kept as newer than it keeps its parts too.
                let owner = match subject {
                    LeftOutSubject::Patient((_, subject)) => Some(Some(subject.clone())),
                    LeftOutSubject::NotAPatients | LeftOutSubject::Missing => {
                        Some(tx.stored_subject(source, resource_type, id)?.flatten())
                    }
                    LeftOutSubject::Unresolved => None,
                };
                let removed = tx.remove_resource(source, resource_type, id, removal, run)?;
                match removed {
                    Removal::Removed => counted.removed += 1,
                    Removal::Newer => counted.older += 1,
                    Removal::Absent => {}
                }
                if let Some(owner) = owner.filter(|_| removed != Removal::Newer) {
                    counted.removed +=
                        tx.remove_carried_parts(source, resource_type, id, owner.as_deref(), run)?;
                }
                if let Some(at) = last_updated {
                    self.deletions.remember(source, resource_type, id, at);
                }
            }
            Op::Warning {
                at,
                resource,
                message,
            } => counted.warn(at, resource.clone(), message),
            Op::Skipped(kind) => {
                *counted.skipped.entry(kind.clone()).or_default() += 1;
            }
            Op::LeftOut(left) => self.write_left_out(tx, run, left, counted)?,
            Op::UnknownStopReason(words) => counted.stop_reason_not_understood(words),
            Op::Group(group) => {
                // Only a file written in one transaction has groups; elsewhere, op by op.
                self.write_op(tx, run, &group.patient, counted, state)?;
                for op in &group.ops {
                    self.write_op(tx, run, op, counted, state)?;
                }
            }
        }
        Ok(None)
    }

    /// An Encounter: kept when it moves the readings taken in it (acute hospital care, a
    /// virtual visit), whose patients are then rebuilt; one that leaves them as read is kept
    /// only to update a copy stored before (a class changed), else counted and dropped, so that
    /// the many outpatient visits of an export cost one look-up each and no row.
    fn write_encounter(
        &mut self,
        tx: &ImportTx<'_>,
        run: i64,
        (source, id, visit): (&str, &str, Visit),
        (body, digest): (&str, &str),
        counted: &mut FileReport,
    ) -> Result<(), StoreError> {
        if !visit.moves_readings() && tx.stored_subject(source, "Encounter", id)?.is_none() {
            let kind = if visit == Visit::Unread {
                ENCOUNTER_CLASS_UNREAD
            } else {
                ENCOUNTER_NOT_KEPT
            };
            *counted.skipped.entry(kind.to_owned()).or_default() += 1;
            return Ok(());
        }
        let entry = LedgerEntry {
            source,
            resource_type: "Encounter",
            id,
            subject: None,
            refers: None,
            last_updated: None,
            current_on: None,
            digest,
            body,
            import_id: run,
            carried: false,
        };
        match tx.upsert_resource(&entry, None, self.replace)? {
            Upserted::Added => {
                counted.added += 1;
                tx.mark_referrers_added(source, "Encounter", id, body, run, &self.created)?;
            }
            Upserted::Updated => counted.updated += 1,
            _ => counted.unchanged += 1,
        }
        Ok(())
    }

    /// A version refract skips or leaves out (see [`LeftOutOp`]): counted or warned about as
    /// always, and the stored copy of the resource, if any, removed and audited, the warning
    /// saying so.
    fn write_left_out(
        &mut self,
        tx: &ImportTx<'_>,
        run: i64,
        left: &LeftOutOp,
        counted: &mut FileReport,
    ) -> Result<(), StoreError> {
        let LeftOutOp {
            at,
            resource,
            source,
            resource_type,
            id,
            subject,
            last_updated,
            why,
        } = left;
        self.file_holds(last_updated.as_deref());
        if let LeftOutWhy::Skipped(kind) = why {
            *counted.skipped.entry(kind.clone()).or_default() += 1;
        }
        let warned = match why {
            LeftOutWhy::Warned(message) => Some(message.as_str()),
            LeftOutWhy::Skipped(_) => None,
        };
        let stored = tx.stored_subject(source, resource_type, id)?;
        // Only a version about the stored copy's patient is one of it: any other changes
        // nothing, as an update about another patient does not.
        if let Some(owner) = &stored {
            let owner_of = |tx: &ImportTx<'_>| match owner {
                Some(owner) => owner_described(tx, source, owner),
                None => Ok(String::from("the patient it is stored under")),
            };
            let refusal = match (subject, owner) {
                (LeftOutSubject::Patient((subject_source, subject)), Some(owner))
                    if subject != owner =>
                {
                    let named = tx.patient_of_subject(subject_source, subject)?;
                    Some(other_subject_message(tx, subject_source, owner, named)?)
                }
                (LeftOutSubject::Patient(_) | LeftOutSubject::NotAPatients, _) => None,
                (LeftOutSubject::Unresolved, _) => Some(format!(
                    "not changed: its subject names no patient refract can take for {}, whose \
                     copy is stored; are these files from two systems with the same ids? import \
                     each with --source NAME",
                    owner_of(tx)?
                )),
                (LeftOutSubject::Missing, _) => Some(format!(
                    "not changed: it names no patient, so it cannot be told to be the copy \
                     stored for {}; the stored version is kept",
                    owner_of(tx)?
                )),
            };
            if let Some(refusal) = refusal {
                if let Some(message) = warned {
                    counted.warn(at, resource.clone(), message);
                }
                counted.warn(at, resource.clone(), &refusal);
                return Ok(());
            }
        }
        let removal = match stored {
            Some(_) => tx.remove_resource(
                source,
                resource_type,
                id,
                (last_updated.as_deref(), true),
                run,
            )?,
            None => Removal::Absent,
        };
        // The parts a refract export carried it in go with it (review OC-11), those of the
        // patient it names only (review K1-1): a version whose patient cannot be told takes
        // out none, and a stored copy kept as newer keeps its parts.
        // Counted as one removal with the stored copy, if any, and as the rest beside it.
        let parts = match (subject, removal) {
            (_, Removal::Newer) | (LeftOutSubject::Unresolved | LeftOutSubject::Missing, _) => 0,
            (LeftOutSubject::Patient((_, subject)), _) => {
                tx.remove_carried_parts(source, resource_type, id, Some(subject), run)?
            }
            (LeftOutSubject::NotAPatients, _) => {
                tx.remove_carried_parts(source, resource_type, id, None, run)?
            }
        };
        let removal = if parts > 0 && removal != Removal::Removed {
            counted.removed += parts - 1;
            Removal::Removed
        } else {
            counted.removed += parts;
            removal
        };
        match removal {
            Removal::Removed => {
                counted.removed += 1;
                // Read again, never skipped: a later file may bring the removed version back.
                // Only a file that removed something is: a left-out resource with nothing
                // stored (an export's many word-valued observations) keeps its file skippable.
                self.removes = true;
                let message = match why {
                    LeftOutWhy::Warned(message) => {
                        format!("{message}; the version refract had stored is removed")
                    }
                    LeftOutWhy::Skipped(kind) => {
                        format!("skipped as '{kind}': the version refract had stored is removed")
                    }
                };
                counted.warn(at, resource.clone(), &message);
            }
            Removal::Newer => {
                counted.older += 1;
                if let Some(message) = warned {
                    counted.warn(at, resource.clone(), message);
                }
            }
            Removal::Absent => {
                if let Some(message) = warned {
                    counted.warn(at, resource.clone(), message);
                }
            }
        }
        Ok(())
    }

    /// A Patient and the resources about them that followed it. A patient the database does
    /// not hold, with resources here and none waiting elsewhere, is created now, in this
    /// transaction: their Patient's identifiers stored, their resources upserted under them,
    /// their record (as the reader computed it, when that is all the ledger holds for them)
    /// written and evaluated. Anyone else's group is written op by op.
    fn write_group(
        &mut self,
        tx: &ImportTx<'_>,
        run: i64,
        group: &mut Group,
        counted: &mut FileReport,
        state: &mut TxState,
    ) -> Result<(), StoreError> {
        let Op::Patient {
            key,
            patient,
            keys,
            own_ids,
            facts,
            ..
        } = &group.patient
        else {
            return Ok(());
        };
        // Created here only when the reader vouches for their whole record (their medication
        // records found their Medication earlier in the file, nothing in the group removes
        // anything), and no Patient waits to be created at the end of the run (the same person,
        // under another Patient id, in an earlier file or earlier in this one: the end of the
        // run creates them in their order, the last one's demographics holding).
        let refused = key.as_ref().is_some_and(|own| {
            self.refused
                .contains_key(&(self.source.to_owned(), own.clone()))
        });
        let new_here = group.computed.is_some()
            && !refused
            && !keys.is_empty()
            && matches!(tx.match_patient(keys, self.equivalent)?, PatientMatch::New)
            && !tx.any_pending_patient(run)?;
        if !new_here {
            for op in std::iter::once(&group.patient).chain(&group.ops) {
                self.write_op(tx, run, op, counted, state)?;
            }
            return Ok(());
        }
        // Resources filed under their ids by an earlier file wait for them: read back with
        // the rest from the ledger (asked before their ids are theirs).
        let subjects = subjects_of(keys);
        let mut whole = tx.waiting_among(&subjects, 0)?.0 == 0;
        counted.patients += 1;
        counted.new_patients += 1;
        counted.created += 1;
        let id = tx.next_patient_id()?;
        let at = match &group.patient {
            Op::Patient { at, .. } => at.clone(),
            _ => String::new(),
        };
        let claimant = Claimant {
            names: &facts.names,
            import_id: run,
        };
        let added = tx.add_identifiers(id, keys, &claimant)?;
        for shared in added.shared {
            counted.warn(
                &at,
                format!("Patient/{}", key.as_deref().unwrap_or("")),
                &super::shared_message(tx, &shared)?,
            );
        }
        for outcome in &added.kept_aside {
            counted.warn(
                &at,
                format!("Patient/{}", outcome.subject),
                &super::kept_aside_message(&super::patient_words(patient), outcome),
            );
        }
        tx.describe_identifiers(id, &facts.identifiers)?;
        tx.retire_identifiers(id, &facts.retired)?;
        tx.keep_names(id, &facts.names)?;
        self.created.insert(id);
        self.hold_subjects(own_ids);
        // Subjects looked up before now may name them.
        state.last = None;
        state.creating = Some(id);
        for op in &group.ops {
            let upserted = self.write_op(tx, run, op, counted, state)?;
            // Each of their resources new to the ledger: it holds what the reader computed.
            whole &= !matches!(upserted, Some(ref done) if *done != Upserted::Added);
        }
        state.creating = None;
        let mut patient = patient.clone();
        patient.id = id;
        let created = Created {
            patient,
            fhir_id: key.clone(),
            last_updated: facts.last_updated.clone(),
            death_source: Some(facts.source.clone()).filter(|source| !source.is_empty()),
            says_alive: facts.says_alive,
            mrn_described: facts.mrn_described.clone(),
        };
        let computed = group.computed.take().filter(|_| whole);
        project::create_in_file(
            tx,
            self.rules,
            self.today,
            id,
            created,
            computed,
            &mut self.rebuilt,
        )
    }

    fn write_all(
        &mut self,
        store: &mut Store,
        receiver: &Receiver<Batch>,
        report: &mut FileReport,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(), StoreError> {
        for batch in receiver {
            let read = self.write_batches(store, batch, receiver, report)?;
            progress(read);
            // A colleague's save waiting for the lock goes first.
            crate::store::bulk_pause();
        }
        Ok(())
    }

    /// Writes `first`, and the batches the reader hands over after it while the transaction is
    /// shorter than [`crate::store::BULK_TRANSACTION`], in one transaction: each commit writes
    /// every page the transaction touched, and the ledger's indexes (random ids) have their
    /// pages touched by every batch. Returns how far into the file the written batches reach.
    fn write_batches(
        &mut self,
        store: &mut Store,
        first: Batch,
        receiver: &Receiver<Batch>,
        report: &mut FileReport,
    ) -> Result<u64, StoreError> {
        let now = now_utc();
        // Counted into a copy, so that a transaction rolled back leaves the report as it was.
        let mut counted = report.clone();
        let started = std::time::Instant::now();
        let (run, read) = store.import_write(|tx| {
            let mut batch = first;
            let run = match self.run {
                Some(run) => run,
                None => tx.begin_run(self.run_key, &super::process_name(), now)?,
            };
            let mut state = TxState::default();
            if self.whole {
                // A patient's identifiers are stored before their row (see `project`).
                tx.defer_foreign_keys()?;
            }
            loop {
                counted.resources += batch.resources;
                for op in &mut batch.ops {
                    match op {
                        Op::Group(group) => {
                            self.write_group(tx, run, group, &mut counted, &mut state)?;
                        }
                        op => {
                            self.write_op(tx, run, op, &mut counted, &mut state)?;
                        }
                    }
                }
                if self.whole {
                    // The whole file, in this transaction; a read that failed part-way leaves
                    // nothing of it (the reader's error is the file's).
                    if batch.last {
                        break;
                    }
                    match receiver.recv() {
                        Ok(next) => {
                            batch = next;
                            continue;
                        }
                        Err(_) => {
                            return Err(StoreError::Invalid(String::from(
                                "the file could not be read to its end",
                            )));
                        }
                    }
                }
                let Some(left) = crate::store::BULK_TRANSACTION.checked_sub(started.elapsed())
                else {
                    break;
                };
                // Waits for the reader within the transaction's time rather than committing
                // whenever it is behind (on a busy machine, every few hundred resources): each
                // commit writes the ledger's index pages again.
                match receiver.recv_timeout(left) {
                    Ok(next) => batch = next,
                    Err(_) => break,
                }
            }
            if self.whole {
                // A whole-record replace, in the file's own transaction too.
                let made = self.file_made.as_deref();
                for subject in std::mem::take(&mut self.file_subjects) {
                    counted.removed +=
                        tx.remove_unseen_of_subject(self.source, &subject, run, made)?;
                }
            }
            // Patients created in this transaction whose resources came on after their group
            // (a file that speaks of them again further on): rebuilt from the ledger, here.
            if !self.created.is_empty() {
                let created: Vec<PatientId> = self.created.iter().copied().collect();
                let dirty = tx.dirty_among(&created)?;
                if !dirty.is_empty() {
                    project::rebuild_now(tx, self.rules, self.today, &dirty, &mut self.rebuilt)?;
                }
            }
            for (patient, resources) in &state.added {
                tx.audit_added(*patient, run, resources)?;
            }
            tx.run_progress(run, &summary_json(&counted))?;
            Ok((run, batch.read))
        })?;
        self.run = Some(run);
        *report = counted;
        Ok(read)
    }

    /// After the last batch: a replace removes what the file's patients no longer have, and
    /// the run is marked done.
    fn finish(&mut self, store: &mut Store, report: &mut FileReport) -> Result<(), StoreError> {
        let run = if let Some(run) = self.run {
            run
        } else {
            // An empty file: still a run, so that it is recognised next time.
            let now = now_utc();
            let key = self.run_key;
            store.import_write(|tx| tx.begin_run(key, &super::process_name(), now))?
        };
        let source = self.source;
        let made = self.file_made.as_deref();
        for chunk in self.file_subjects.chunks(100) {
            report.removed += store.import_write(|tx| {
                let mut removed = 0;
                for subject in chunk {
                    removed += tx.remove_unseen_of_subject(source, subject, run, made)?;
                }
                Ok(removed)
            })?;
        }
        report.unresolved = std::mem::take(&mut self.unresolved);
        report.subject_named = std::mem::take(&mut self.subject_named);
        let rebuilt = std::mem::take(&mut self.rebuilt);
        report.rebuilt = rebuilt.patients;
        for warning in rebuilt.unresolved {
            report.warn(&warning.at, warning.resource, &warning.message);
        }
        let sha256 = self.run_key.sha256;
        let summary = summary_json(report);
        let removes = self.removes || self.replace;
        let superseded = superseded_runs(store, self.run_key)?;
        store.import_write(|tx| tx.finish_run(run, sha256, &summary, removes, &superseded))
    }
}

/// Runs an interrupted import left open on a file of the same name from the same source (a
/// Bulk export's `Observation.ndjson`, exported again, in this folder or another): the file
/// read to its end now is the newer copy of what that run stopped in the middle of, so the new
/// patients held back for it (see `ImportTx::pending_patients`) are whole again. A run whose
/// process may still be running is its own.
fn superseded_runs(store: &Store, run: &RunKey<'_>) -> Result<Vec<i64>, StoreError> {
    let name = |path: &str| {
        std::path::Path::new(path)
            .file_name()
            .map(std::ffi::OsStr::to_os_string)
    };
    let this = name(run.path);
    Ok(store
        .unfinished_runs()?
        .into_iter()
        .filter(|earlier| {
            earlier.source == run.source
                // A pull's run is completed by the next complete pull of its scope, never by a
                // file of the same name (a Bulk export's names are only its numbering: another
                // export's `8.Observation.ndjson` holds other patients' resources).
                && !earlier.pulled
                && this.is_some()
                && name(&earlier.path) == this
                && !earlier.process.as_deref().is_some_and(super::still_running)
        })
        .map(|earlier| earlier.id)
        .collect())
}

/// The day a version of a medication record saying the drug is given now says so: its
/// `meta.lastUpdated` (the server held it current then; its UTC day), `YYYY-MM-DD`. A version
/// that does not say when it was written says no day: the day it was imported would make an
/// old export read years later a course given until then, a trial long enough to count that
/// nobody recorded (chosen: a shorter course is undecided, a longer one could flag).
fn current_day(last_updated: Option<&str>) -> Option<String> {
    last_updated
        .and_then(|text| crate::fhir::parse_datetime(text).ok())
        .map(|at| at.date().format("%Y-%m-%d").to_string())
}

/// The warning for a version of a resource stored as another patient's (`owner`, a Patient id
/// of `source`).
fn other_subject_message(
    tx: &ImportTx<'_>,
    source: &str,
    owner: &str,
    named: Option<PatientId>,
) -> Result<String, StoreError> {
    let stored_owner = tx.patient_of_subject(source, owner)?;
    let owner = owner_described(tx, source, owner)?;
    // Both are patients of this source: the source may have moved it (a correction: `--source`
    // would copy every record), or two systems' files share resource ids under the unnamed
    // source (their Patients under other ids): which, refract cannot tell, so both are said.
    if let (Some(named), Some(_)) = (named, stored_owner) {
        return Ok(format!(
            "not moved (only a later version changing nothing but its patient moves a record; \
             files of two systems sharing ids: import each with its own --source NAME, never a \
             correction, which it would copy): stored as {owner}'s, this version names {}",
            store_describe(tx, named)
        ));
    }
    Ok(format!(
        "not changed: it is stored as another patient's ({owner}); are these files from two \
         systems with the same ids? import each with --source NAME"
    ))
}

/// The patient a resource of `source` is stored under (`owner`, a Patient id), for a message.
fn owner_described(tx: &ImportTx<'_>, source: &str, owner: &str) -> Result<String, StoreError> {
    Ok(match tx.patient_of_subject(source, owner)? {
        Some(id) => store_describe(tx, id),
        None => format!("Patient/{owner}"),
    })
}

fn store_describe(tx: &ImportTx<'_>, id: PatientId) -> String {
    tx.describe_patient(id)
        .unwrap_or_else(|_| format!("patient {}", id.0))
}
