//! Importing FHIR files into the store: one transaction per file, re-imports recognised by
//! content hash, patients matched by FHIR id or MRN, renewals of a prescription merged into one
//! exposure, lines derived, and assessments brought up to date at the end.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{Duration, NaiveDate};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::parse::{Items, MedicationMeta, ParsedFile, ParsedPatient, parse_file};
use crate::assess;
use crate::domain::{Assessment, DrugExposure, PatientId, PatientRecord};
use crate::rules::Rules;
use crate::store::{
    self, AuditWriter, Change, ListProjection, RecordWriter, SourceIds, Store, StoreError,
    format_date, format_datetime, now_utc,
};

/// How far a run has got, for a progress bar.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    pub files_done: usize,
    pub files_total: usize,
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub resources: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileOutcome {
    Imported,
    AlreadyImported,
    Failed,
}

/// What happened to one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub path: String,
    pub outcome: FileOutcome,
    pub resources: usize,
    pub patients: usize,
    pub conditions: usize,
    pub exposures: usize,
    pub observations: usize,
    pub procedures: usize,
    pub skipped: BTreeMap<String, usize>,
    pub error: Option<String>,
    /// The patients evaluated as the file was written (the run's summary counts them once).
    #[serde(skip)]
    evaluated: Vec<PatientId>,
}

impl FileReport {
    fn new(path: &Path, outcome: FileOutcome) -> Self {
        FileReport {
            path: path.display().to_string(),
            outcome,
            resources: 0,
            patients: 0,
            conditions: 0,
            exposures: 0,
            observations: 0,
            procedures: 0,
            skipped: BTreeMap::new(),
            error: None,
            evaluated: Vec::new(),
        }
    }

    fn failed(path: &Path, error: &str) -> Self {
        FileReport {
            error: Some(crate::text::one_line(error)),
            ..FileReport::new(path, FileOutcome::Failed)
        }
    }
}

/// What a whole run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub files: Vec<FileReport>,
    pub imported: usize,
    pub already_imported: usize,
    pub failed: usize,
    pub patients: usize,
    pub conditions: usize,
    pub exposures: usize,
    pub observations: usize,
    pub procedures: usize,
    pub skipped: BTreeMap<String, usize>,
    /// Patients whose assessments were evaluated again after the import.
    pub evaluated: usize,
}

/// A prescription renewed within this many days continues the same exposure.
const RENEWAL_DAYS: i64 = 400;

/// Imports files and folders (recursively: `.json`, `.ndjson`, `.jsonl`). Patient files go
/// first, so that NDJSON exports (one resource type per file) resolve their references.
pub fn import_paths(
    store: &mut Store,
    rules: &Rules,
    paths: &[PathBuf],
    today: NaiveDate,
    mut progress: impl FnMut(&Progress),
) -> Result<ImportReport, StoreError> {
    let mut report = ImportReport::default();
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            collect_files(path, &mut files);
        } else if path.exists() {
            files.push(path.clone());
        } else {
            report
                .files
                .push(FileReport::failed(path, "no such file or folder"));
        }
    }
    files.sort_by_key(|path| {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        (!name.starts_with("patient"), path.clone())
    });
    let mut state = Progress {
        files_total: files.len(),
        bytes_total: files
            .iter()
            .filter_map(|f| std::fs::metadata(f).ok())
            .map(|m| m.len())
            .sum(),
        ..Progress::default()
    };
    progress(&state);
    // One thread reads and parses the next file while this one writes the last: parsing is a
    // fifth of an import and needs no database. The channel holds one file, so memory stays
    // bounded by the largest few files.
    std::thread::scope(|scope| {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<(usize, Prepared)>(1);
        let files = &files;
        let parser = scope.spawn(move || {
            for (index, path) in files.iter().enumerate() {
                if sender.send((index, prepare(path, rules, today))).is_err() {
                    break;
                }
            }
        });
        let mut next = 0;
        for (index, prepared) in receiver {
            let file = store_file(store, rules, &files[index], prepared, today);
            state.files_done += 1;
            state.bytes_done += std::fs::metadata(&files[index]).map_or(0, |m| m.len());
            state.resources += file.resources;
            progress(&state);
            report.files.push(file);
            next = index + 1;
        }
        // The parsing thread stops early only if it panics (a bug): joined here, so that the
        // files it did not reach are reported as failed rather than the import aborting.
        if parser.join().is_ok() {
            return;
        }
        for path in &files[next..] {
            report.files.push(FileReport::failed(
                path,
                "internal error while reading the file",
            ));
        }
    });
    let mut evaluated = std::collections::BTreeSet::new();
    for file in &report.files {
        evaluated.extend(file.evaluated.iter().copied());
        match file.outcome {
            FileOutcome::Imported => report.imported += 1,
            FileOutcome::AlreadyImported => report.already_imported += 1,
            FileOutcome::Failed => report.failed += 1,
        }
        report.patients += file.patients;
        report.conditions += file.conditions;
        report.exposures += file.exposures;
        report.observations += file.observations;
        report.procedures += file.procedures;
        for (kind, count) in &file.skipped {
            *report.skipped.entry(kind.clone()).or_default() += count;
        }
    }
    report.evaluated = evaluated.len();
    if report.imported > 0 {
        // Patients the files did not touch may be due too (a new day, new rules).
        report.evaluated += assess::refresh(store, rules, today, |_, _| {})?.evaluated;
    }
    Ok(report)
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_files(&path, out);
        } else if path.extension().is_some_and(|ext| {
            matches!(
                ext.to_string_lossy().to_lowercase().as_str(),
                "json" | "ndjson" | "jsonl"
            )
        }) {
            out.push(path);
        }
    }
}

/// A file read and parsed, ready to be written.
enum Prepared {
    Failed(String),
    Native {
        bytes: Vec<u8>,
        hash: String,
    },
    Fhir {
        parsed: ParsedFile,
        hash: String,
        /// Per patient of `parsed`, in order: their record as a new patient.
        fresh: Vec<Fresh>,
    },
}

/// A file's patient made ready as if the database did not hold them yet: the record to store
/// (renewals merged, lines derived), its assessments on the record's own ids, and the list
/// columns. Computed beside the writer; used when the patient is indeed new. A patient already
/// there is read back and evaluated with what the team added.
struct Fresh {
    record: PatientRecord,
    sources: SourceIds,
    assessments: Vec<Assessment>,
    projection: ListProjection,
}

impl Fresh {
    fn new(parsed: &ParsedPatient, rules: &Rules, today: NaiveDate) -> Self {
        let (mut record, sources) = build_record(&parsed.items);
        record.patient = Some(parsed.patient.clone());
        let mut lines = rules.derive_lines(&record, today);
        // Numbered in the order the database lists them, so that evaluating this record and
        // evaluating it read back give the same words in the same order.
        lines.sort_by(|a, b| {
            (a.ruleset.as_str(), a.number, a.start).cmp(&(b.ruleset.as_str(), b.number, b.start))
        });
        for (index, line) in lines.iter_mut().enumerate() {
            line.id = index as i64 + 1;
        }
        record.lines = lines;
        let assessments = rules.evaluate(&record, today);
        let projection = ListProjection::of_new_patient(&assessments, &record.lines);
        Fresh {
            record,
            sources,
            assessments,
            projection,
        }
    }
}

/// Reads, fingerprints and parses one file, and evaluates its patients as new ones (no
/// database: this runs beside the writer).
fn prepare(path: &Path, rules: &Rules, today: NaiveDate) -> Prepared {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) => return Prepared::Failed(format!("cannot read: {err}")),
    };
    let hash: String =
        Sha256::digest(&bytes)
            .iter()
            .fold(String::with_capacity(64), |mut out, byte| {
                use std::fmt::Write as _;
                let _ = write!(out, "{byte:02x}");
                out
            });
    if is_native(&bytes) {
        return Prepared::Native { bytes, hash };
    }
    match parse_file(&bytes, rules) {
        Ok(parsed) => {
            drop(bytes);
            let fresh = parsed
                .patients
                .iter()
                .map(|patient| Fresh::new(patient, rules, today))
                .collect();
            Prepared::Fhir {
                parsed,
                hash,
                fresh,
            }
        }
        Err(err) => Prepared::Failed(err.to_string()),
    }
}

/// Writes one prepared file in one transaction, unless the same bytes were imported before.
fn store_file(
    store: &mut Store,
    rules: &Rules,
    path: &Path,
    prepared: Prepared,
    today: NaiveDate,
) -> FileReport {
    let (parsed, hash, fresh) = match prepared {
        Prepared::Failed(error) => return FileReport::failed(path, &error),
        Prepared::Native { bytes, hash } => {
            return match already_imported(store.conn(), &hash) {
                Ok(true) => FileReport::new(path, FileOutcome::AlreadyImported),
                Ok(false) => import_native(store, path, &bytes, &hash),
                Err(err) => FileReport::failed(path, &err.to_string()),
            };
        }
        Prepared::Fhir {
            parsed,
            hash,
            fresh,
        } => (parsed, hash, fresh),
    };
    let auditor = store.auditor();
    let result = store.write(|tx| {
        // Checked inside the transaction: another process may be importing the same file.
        if already_imported(tx, &hash)? {
            return Ok(None);
        }
        let file = PreparedFile {
            parsed: &parsed,
            fresh: &fresh,
            path,
            hash: &hash,
        };
        write_file(tx, &auditor, rules, &file, today).map(Some)
    });
    match result {
        Ok(Some(report)) => report,
        Ok(None) => FileReport::new(path, FileOutcome::AlreadyImported),
        Err(err) => FileReport::failed(path, &err.to_string()),
    }
}

/// Whether the file is refract's own document (`{"format": "refract", …}`), not FHIR.
fn is_native(bytes: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Format {
        format: Option<String>,
    }
    bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
        && serde_json::from_slice::<Format>(bytes)
            .is_ok_and(|f| f.format.as_deref() == Some(store::NATIVE_FORMAT))
}

/// Imports a native document in one transaction; patients already in the database stay as they
/// are (counted under "skipped").
fn import_native(store: &mut Store, path: &Path, bytes: &[u8], hash: &str) -> FileReport {
    let document: store::NativeDocument = match serde_json::from_slice(bytes) {
        Ok(document) => document,
        Err(err) => return FileReport::failed(path, &format!("refract document: {err}")),
    };
    let auditor = store.auditor();
    let result = store.write(|tx| {
        if already_imported(tx, hash)? {
            return Ok(None);
        }
        let (inserted, present) = Store::insert_native(tx, &document)?;
        let now = now_utc();
        tx.prepare_cached(
            "INSERT INTO imports (path, sha256, imported_at, summary) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            path.display().to_string(),
            hash,
            format_datetime(now),
            serde_json::json!({ "patients": inserted, "already_present": present }).to_string()
        ])?;
        let import_id = tx.last_insert_rowid();
        auditor.record(
            tx,
            Change {
                action: "import.native",
                entity: "imports",
                entity_id: Some(import_id),
                patient_id: None,
            },
            None::<&()>,
            Some(&serde_json::json!({ "path": path.display().to_string(), "patients": inserted })),
        )?;
        Ok::<_, StoreError>(Some((inserted, present)))
    });
    match result {
        Ok(None) => FileReport::new(path, FileOutcome::AlreadyImported),
        Ok(Some((inserted, present))) => {
            let mut report = FileReport::new(path, FileOutcome::Imported);
            report.patients = inserted;
            report.resources = document.patients.len();
            if present > 0 {
                report.skipped.insert(
                    String::from("patients already present (refract document)"),
                    present,
                );
            }
            for patient in &document.patients {
                report.conditions += patient.conditions.len();
                report.exposures += patient.exposures.len();
                report.observations += patient.observations.len();
                report.procedures += patient.procedures.len();
            }
            report
        }
        Err(err) => FileReport::failed(path, &err.to_string()),
    }
}

fn already_imported(conn: &Connection, hash: &str) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM imports WHERE sha256 = ?1")?
        .query_row([hash], |_| Ok(()))
        .optional()?
        .is_some())
}

/// A file's writes, inside its transaction; an error rolls the whole file back.
/// What [`write_file`] writes.
struct PreparedFile<'a> {
    parsed: &'a ParsedFile,
    fresh: &'a [Fresh],
    path: &'a Path,
    hash: &'a str,
}

fn write_file(
    tx: &Connection,
    auditor: &AuditWriter,
    rules: &Rules,
    file: &PreparedFile<'_>,
    today: NaiveDate,
) -> Result<FileReport, FhirImportError> {
    let PreparedFile {
        parsed,
        fresh,
        path,
        hash,
    } = *file;
    let mut report = FileReport::new(path, FileOutcome::Imported);
    report.resources = parsed.resources;
    report.skipped.clone_from(&parsed.skipped);
    let now = now_utc();
    let mut writer = RecordWriter::new(tx)?;
    // Patients already in the database: evaluated once the whole file is written.
    let mut touched: Vec<PatientId> = Vec::new();

    for (parsed_patient, fresh) in parsed.patients.iter().zip(fresh) {
        let existing = find_patient(
            tx,
            parsed_patient.fhir_id.as_deref(),
            Some(&parsed_patient.patient.mrn),
        )?;
        let Some(id) = existing else {
            // New: stored as evaluated beside the writer, list columns and all.
            let id = writer.insert_imported(
                &fresh.record,
                parsed_patient.fhir_id.as_deref(),
                &fresh.sources,
                &fresh.projection,
                now,
            )?;
            let assessments = writer.last_ids().stored_assessments(id, &fresh.assessments);
            // A new patient's record version is 1, and they have no assessment yet.
            store::insert_assessments(tx, id, &assessments, 1)?;
            store::stamp_evaluated(tx, id.0, id.0, &rules.stamp, today)?;
            report.patients += 1;
            count(&mut report, &fresh.record);
            report.evaluated.push(id);
            continue;
        };
        let (record, sources) = build_record(&parsed_patient.items);
        let patient = &parsed_patient.patient;
        tx.prepare_cached(
            "UPDATE patients SET mrn = ?2, family_name = ?3, given_name = ?4, birth_date = ?5, sex = ?6,
                    deceased_date = ?7, source_id = coalesce(?8, source_id), name_key = ?9
             WHERE id = ?1",
        )?
        .execute(params![
            id.0,
            patient.mrn,
            patient.family_name,
            patient.given_name,
            patient.birth_date.map(|d| String::from(format_date(d))).unwrap_or_default(),
            patient.sex.as_str(),
            patient.deceased_date.map(format_date),
            parsed_patient.fhir_id,
            store::name_key(&patient.family_name, &patient.given_name),
        ])?;
        remove_imported(tx, id)?;
        writer.insert_imported_rows(id, &record, &sources)?;
        report.patients += 1;
        count(&mut report, &record);
        if !touched.contains(&id) {
            touched.push(id);
        }
    }

    for (reference, items) in &parsed.orphans {
        let fhir_id = reference.strip_prefix("Patient/");
        let Some(id) = find_patient(tx, fhir_id, None)? else {
            let path = parsed
                .orphan_paths
                .get(reference)
                .map_or("$", String::as_str);
            return Err(FhirImportError::Dangling(
                path.to_owned(),
                reference.clone(),
            ));
        };
        let (record, sources) = build_record(items);
        for (table, ids) in [
            ("conditions", &sources.conditions),
            ("drug_exposures", &sources.exposures),
            ("observations", &sources.observations),
            ("procedures", &sources.procedures),
        ] {
            let mut stmt = tx.prepare_cached(&format!(
                "DELETE FROM {table} WHERE patient_id = ?1 AND source = 'import' AND source_id = ?2"
            ))?;
            for source_id in ids.iter().flatten() {
                stmt.execute(params![id.0, source_id])?;
            }
        }
        writer.insert_imported_rows(id, &record, &sources)?;
        count(&mut report, &record);
        if !touched.contains(&id) {
            touched.push(id);
        }
    }
    drop(writer);

    // Each patient is evaluated here, from the record already read to derive its lines: a
    // pass afterwards would read every record again and compute every list row twice.
    for id in &touched {
        let record_version: i64 = tx
            .prepare_cached(
                "UPDATE patients SET record_version = record_version + 1 WHERE id = ?1
                 RETURNING record_version",
            )?
            .query_row([id.0], |row| row.get(0))?;
        let record = derive_lines(tx, rules, *id, today)?;
        let assessments = rules.evaluate(&record, today);
        let evaluated = store::Evaluated {
            rules_stamp: &rules.stamp,
            record_version,
            today,
        };
        store::save_assessments(tx, *id, &assessments, &evaluated)?;
        store::stamp_evaluated(tx, id.0, id.0, &rules.stamp, today)?;
        store::refresh_list_row(tx, *id, today, now)?;
    }
    report.evaluated.extend_from_slice(&touched);
    let summary = serde_json::to_string(&report)?;
    tx.prepare_cached(
        "INSERT INTO imports (path, sha256, imported_at, summary) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        path.display().to_string(),
        hash,
        format_datetime(now),
        summary
    ])?;
    let import_id = tx.last_insert_rowid();
    auditor.record(
        tx,
        Change {
            action: "import.file",
            entity: "imports",
            entity_id: Some(import_id),
            patient_id: None,
        },
        None::<&()>,
        Some(&serde_json::json!({ "path": path.display().to_string(), "patients": report.evaluated.len() })),
    )?;
    Ok(report)
}

/// Why a file's writes failed.
#[derive(Debug, thiserror::Error)]
enum FhirImportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}: dangling reference '{1}': no such patient in the file or the database")]
    Dangling(String, String),
}

impl From<rusqlite::Error> for FhirImportError {
    fn from(err: rusqlite::Error) -> Self {
        FhirImportError::Store(err.into())
    }
}

impl From<serde_json::Error> for FhirImportError {
    fn from(err: serde_json::Error) -> Self {
        FhirImportError::Store(err.into())
    }
}

fn count(report: &mut FileReport, record: &PatientRecord) {
    report.conditions += record.conditions.len();
    report.exposures += record.exposures.len();
    report.observations += record.observations.len();
    report.procedures += record.procedures.len();
}

fn find_patient(
    conn: &Connection,
    fhir_id: Option<&str>,
    mrn: Option<&str>,
) -> Result<Option<PatientId>, StoreError> {
    if let Some(fhir_id) = fhir_id
        && let Some(id) = conn
            .prepare_cached("SELECT id FROM patients WHERE source_id = ?1")?
            .query_row([fhir_id], |row| row.get(0))
            .optional()?
    {
        return Ok(Some(PatientId(id)));
    }
    let Some(mrn) = mrn else { return Ok(None) };
    Ok(conn
        .prepare_cached("SELECT id FROM patients WHERE mrn = ?1")?
        .query_row([mrn], |row| row.get(0))
        .optional()?
        .map(PatientId))
}

/// Removes what an earlier import wrote for a patient (never the team's own rows) and the lines
/// derived from it (lines a clinician entered or corrected stay).
fn remove_imported(conn: &Connection, id: PatientId) -> Result<(), StoreError> {
    conn.prepare_cached(
        "DELETE FROM line_drugs WHERE line_id IN
             (SELECT id FROM treatment_lines WHERE patient_id = ?1 AND origin = 'derived')",
    )?
    .execute([id.0])?;
    conn.prepare_cached(
        "DELETE FROM treatment_lines WHERE patient_id = ?1 AND origin = 'derived'",
    )?
    .execute([id.0])?;
    for table in ["conditions", "drug_exposures", "observations", "procedures"] {
        conn.prepare_cached(&format!(
            "DELETE FROM {table} WHERE patient_id = ?1 AND source = 'import'"
        ))?
        .execute([id.0])?;
    }
    Ok(())
}

/// Replaces a patient's derived lines with lines derived from their current exposures.
/// Replaces the patient's derived treatment lines and returns the whole record as stored,
/// the new lines included.
fn derive_lines(
    conn: &Connection,
    rules: &Rules,
    id: PatientId,
    today: NaiveDate,
) -> Result<PatientRecord, StoreError> {
    conn.prepare_cached(
        "DELETE FROM line_drugs WHERE line_id IN
             (SELECT id FROM treatment_lines WHERE patient_id = ?1 AND origin = 'derived')",
    )?
    .execute([id.0])?;
    conn.prepare_cached(
        "DELETE FROM treatment_lines WHERE patient_id = ?1 AND origin = 'derived'",
    )?
    .execute([id.0])?;
    let mut record = store::load_records(conn, id.0, id.0)?
        .pop()
        .unwrap_or_default();
    let lines = rules.derive_lines(&record, today);
    let mut writer = RecordWriter::new(conn)?;
    for mut line in lines {
        line.id = writer.insert_line(id, &line)?;
        record.lines.push(line);
    }
    Ok(record)
}

/// The domain record of a file's items for one patient, with renewals merged, and the FHIR ids
/// of its rows.
fn build_record(items: &Items) -> (PatientRecord, SourceIds) {
    // In the order the database reads them back (by date, then as written), so that a record
    // evaluated as parsed and one read back from the database are the same record.
    let mut conditions = items.conditions.clone();
    conditions.sort_by_key(|(_, condition)| condition.onset);
    let mut exposures = merge_renewals(&items.exposures);
    exposures.sort_by_key(|(_, exposure)| exposure.start);
    let mut observations = items.observations.clone();
    observations.sort_by_key(|(_, observation)| observation.effective);
    let mut procedures = items.procedures.clone();
    procedures.sort_by_key(|(_, procedure)| procedure.performed);

    let mut record = PatientRecord::default();
    let mut sources = SourceIds::default();
    for (index, (source, mut condition)) in conditions.into_iter().enumerate() {
        condition.id = index as i64 + 1;
        record.conditions.push(condition);
        sources.conditions.push(source);
    }
    for (index, (source, mut exposure)) in exposures.into_iter().enumerate() {
        exposure.id = index as i64 + 1;
        record.exposures.push(exposure);
        sources.exposures.push(source);
    }
    for (index, (source, mut observation)) in observations.into_iter().enumerate() {
        observation.id = index as i64 + 1;
        record.observations.push(observation);
        sources.observations.push(source);
    }
    for (index, (source, mut procedure)) in procedures.into_iter().enumerate() {
        procedure.id = index as i64 + 1;
        record.procedures.push(procedure);
        sources.procedures.push(source);
    }
    (record, sources)
}

/// A medication record with its FHIR id and what merging needs to know.
type ImportedExposure = (Option<String>, DrugExposure, MedicationMeta);

/// Prescriptions of the same drug renewed within [`RENEWAL_DAYS`] are one exposure (an OMOP
/// drug era): EHRs and Synthea write a new order at every visit. A record with no end date
/// lasts until its renewal; the last one lasts while it is active, and ends on its own date when
/// it was stopped or completed with no end recorded (it was given at least until then).
fn merge_renewals(exposures: &[ImportedExposure]) -> Vec<(Option<String>, DrugExposure)> {
    let mut by_drug: BTreeMap<&str, Vec<&ImportedExposure>> = BTreeMap::new();
    for item in exposures {
        by_drug.entry(item.2.key.as_str()).or_default().push(item);
    }
    let mut out: Vec<(Option<String>, DrugExposure)> = Vec::new();
    for (_, mut items) in by_drug {
        items.sort_by_key(|(_, exposure, _)| exposure.start);
        // The bool: whether the era's end was recorded (a period, not an open prescription).
        let mut current: Option<(Option<String>, DrugExposure, bool)> = None;
        for (source, exposure, meta) in items {
            match current.as_mut() {
                // Only an open-ended prescription is renewed; records with their own periods
                // (courses of chemotherapy, administrations) stay separate exposures, and so
                // does an order after one stopped for a reason (a new trial, not a renewal).
                Some((_, era, end_recorded))
                    if !*end_recorded
                        && era.stop_reason.is_none()
                        && !meta.end_recorded
                        && exposure.start.date()
                            <= era.end.unwrap_or(era.start).date()
                                + Duration::days(RENEWAL_DAYS) =>
                {
                    // Renewed: the era runs on; the latest record says how it ended.
                    era.end = exposure.end.or(if meta.active {
                        None
                    } else {
                        Some(exposure.start)
                    });
                    if meta.active && !meta.end_recorded {
                        era.end = None;
                    }
                    era.stop_reason = exposure.stop_reason.or(era.stop_reason);
                    if exposure.dose.is_some() {
                        era.dose.clone_from(&exposure.dose);
                    }
                }
                _ => {
                    if let Some((source, era, _)) = current.take() {
                        out.push((source, era));
                    }
                    let mut era = exposure.clone();
                    if era.end.is_none() && !meta.active {
                        era.end = Some(era.start);
                    }
                    current = Some((source.clone(), era, meta.end_recorded));
                }
            }
        }
        if let Some((source, era, _)) = current {
            out.push((source, era));
        }
    }
    out.sort_by_key(|(_, exposure)| exposure.start);
    out
}
