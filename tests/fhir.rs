//! FHIR R4 import, as the library and the `import` command meet it: real-world Synthea bundles,
//! re-imports that keep the team's work, every file shape (Bundle types, single resources,
//! NDJSON), medication and observation mapping, bad input that imports nothing from its file,
//! and never-panics checks of the parser and the import on pseudo-random and proptest input.
//!
//! The fixtures are written by these tests (small JSON documents built with `json!`, and a few
//! files under `tests/fixtures/fhir/`); the Synthea sample bundles are read from beside the
//! project and the tests that need them skip when they are absent.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use crate::sql;
pub(crate) use sql::sql_on;

#[path = "fhir/as_needed.rs"]
mod as_needed;
#[path = "fhir/bad_input.rs"]
mod bad_input;
#[path = "fhir/birth.rs"]
mod birth;
#[path = "fhir/bulk.rs"]
mod bulk;
#[path = "fhir/checklist.rs"]
mod checklist;
#[path = "fhir/concurrent_orders.rs"]
mod concurrent_orders;
#[path = "fhir/conditions.rs"]
mod conditions;
#[path = "fhir/course_stops.rs"]
mod course_stops;
#[path = "fhir/courses.rs"]
mod courses;
#[path = "fhir/dates.rs"]
mod dates;
#[path = "fhir/death.rs"]
mod death;
#[path = "fhir/devices.rs"]
mod devices;
#[path = "fhir/dispenses.rs"]
mod dispenses;
#[path = "fhir/dosages.rs"]
mod dosages;
#[path = "fhir/encounters.rs"]
mod encounters;
#[path = "fhir/export_valid.rs"]
mod export_valid;
#[path = "fhir/fresh.rs"]
mod fresh;
#[path = "fhir/identity.rs"]
mod identity;
#[path = "fhir/imaging.rs"]
mod imaging;
#[path = "fhir/indications.rs"]
mod indications;
#[path = "fhir/ingredients.rs"]
mod ingredients;
#[path = "fhir/intents.rs"]
mod intents;
#[path = "fhir/intervals.rs"]
mod intervals;
#[path = "fhir/kept_aside.rs"]
mod kept_aside;
#[path = "fhir/local_days.rs"]
mod local_days;
#[path = "fhir/med_statements.rs"]
mod med_statements;
#[path = "fhir/medications.rs"]
mod medications;
#[path = "fhir/mrn_tables.rs"]
mod mrn_tables;
#[path = "fhir/observations.rs"]
mod observations;
#[path = "fhir/older_exports.rs"]
mod older_exports;
#[path = "fhir/one_transaction.rs"]
mod one_transaction;
#[path = "fhir/onsets.rs"]
mod onsets;
#[path = "fhir/own_offsets.rs"]
mod own_offsets;
#[path = "fhir/partial_dates.rs"]
mod partial_dates;
#[path = "fhir/paths.rs"]
mod paths;
#[path = "fhir/procedures.rs"]
mod procedures;
#[path = "fhir/proptests.rs"]
mod proptests;
#[path = "fhir/rates.rs"]
mod rates;
#[path = "fhir/reactions.rs"]
mod reactions;
#[path = "fhir/records.rs"]
mod records;
#[path = "fhir/reimport.rs"]
mod reimport;
#[path = "fhir/reports.rs"]
mod reports;
#[path = "fhir/robustness.rs"]
mod robustness;
#[path = "fhir/rules_change.rs"]
mod rules_change;
#[path = "fhir/said_current.rs"]
mod said_current;
#[path = "fhir/shapes.rs"]
mod shapes;
#[path = "fhir/sources.rs"]
mod sources;
#[path = "fhir/status_words.rs"]
mod status_words;
#[path = "fhir/strengths.rs"]
mod strengths;
#[path = "fhir/synthea.rs"]
pub(crate) mod synthea;
#[path = "fhir/timings.rs"]
mod timings;
#[path = "fhir/validity.rs"]
mod validity;
#[path = "fhir/withdrawn.rs"]
mod withdrawn;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use chrono::NaiveDate;
use refract::import::{FileOutcome, FileReport, ImportOptions, ImportReport, import_paths};
use refract::rules::Rules;
use refract::store::{OpenMode, Store};
use serde_json::{Value, json};
use tempfile::TempDir;

/// The day imports through the library are made on (the command line uses the real day; the
/// fixtures' dates are all in the past of both).
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
}

/// The crate's own fixtures folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fhir")
}

/// A temporary folder with a database in it, opened through the library.
pub struct Env {
    pub dir: TempDir,
    pub store: Store,
    pub rules: Rules,
}

impl Default for Env {
    fn default() -> Self {
        Self::new()
    }
}

impl Env {
    pub fn new() -> Self {
        let dir = TempDir::new().unwrap();
        let store = Store::open(
            &dir.path().join("refract.db"),
            OpenMode::CreateIfMissing,
            "fhir-test",
        )
        .unwrap();
        Env {
            dir,
            store,
            rules: Rules::embedded().unwrap(),
        }
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("refract.db")
    }

    /// A path inside the temporary folder (files to import are written here).
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write_json(&self, name: &str, value: &Value) -> PathBuf {
        write_json(&self.path(name), value)
    }

    pub fn write_bytes(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, bytes).unwrap();
        path
    }

    pub fn import(&mut self, paths: &[PathBuf]) -> ImportReport {
        self.import_with(paths, &ImportOptions::default())
    }

    pub fn import_with(&mut self, paths: &[PathBuf], options: &ImportOptions) -> ImportReport {
        import_paths(
            &mut self.store,
            &self.rules,
            paths,
            today(),
            options,
            |_| {},
        )
        .unwrap()
    }

    /// Imports one file and asserts that it was imported; returns its report.
    pub fn import_ok(&mut self, path: &Path) -> FileReport {
        let report = self.import(&[path.to_owned()]);
        assert_eq!(report.files.len(), 1, "{report:#?}");
        let file = report.files.into_iter().next().unwrap();
        assert_eq!(
            file.outcome,
            FileOutcome::Imported,
            "{}: {:?}",
            file.path,
            file.error
        );
        file
    }

    /// Imports `document` as the records of `source` and asserts that every file was imported.
    pub fn import_as(&mut self, source: &str, document: &Value) {
        let path = self.write_json(&format!("{source}.json"), document);
        let report = self.import_with(
            &[path],
            &ImportOptions {
                source: Some(source.to_owned()),
                ..Default::default()
            },
        );
        assert!(
            report
                .files
                .iter()
                .all(|file| file.outcome == FileOutcome::Imported),
            "{report:#?}"
        );
    }

    /// (start day, end day or "-", dates) of the drug exposures whose text is `text`.
    pub fn course_of(&self, text: &str) -> Vec<Vec<String>> {
        self.rows(&format!(
            "SELECT substr(start, 1, 10), coalesce(substr(end, 1, 10), '-'), dates
             FROM drug_exposures WHERE text = '{text}' ORDER BY start"
        ))
    }

    pub fn counts(&self) -> BTreeMap<&'static str, i64> {
        counts(&sql_on(&self.store))
    }

    /// One integer from a query.
    pub fn int(&self, sql: &str) -> i64 {
        sql_on(&self.store)
            .query_row(sql, [], |row| row.get(0))
            .unwrap()
    }

    /// The rows of a query, every column read as text (NULL as "NULL").
    pub fn rows(&self, sql: &str) -> Vec<Vec<String>> {
        let conn = sql_on(&self.store);
        let mut stmt = conn.prepare(sql).unwrap();
        let columns = stmt.column_count();
        stmt.query_map([], |row| {
            (0..columns)
                .map(|i| {
                    Ok(match row.get_ref(i)? {
                        rusqlite::types::ValueRef::Null => String::from("NULL"),
                        rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                        rusqlite::types::ValueRef::Real(v) => v.to_string(),
                        rusqlite::types::ValueRef::Text(v) | rusqlite::types::ValueRef::Blob(v) => {
                            String::from_utf8_lossy(v).into_owned()
                        }
                    })
                })
                .collect::<Result<Vec<String>, rusqlite::Error>>()
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    }

    /// The `patients.id` of an MRN.
    pub fn patient_id(&self, mrn: &str) -> i64 {
        sql_on(&self.store)
            .query_row("SELECT id FROM patients WHERE mrn = ?1", [mrn], |row| {
                row.get(0)
            })
            .unwrap()
    }
}

pub fn write_json(path: &Path, value: &Value) -> PathBuf {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
    path.to_owned()
}

/// The tables an import writes or must leave alone, with their row counts.
pub const TABLES: [&str; 14] = [
    "patients",
    "conditions",
    "drug_exposures",
    "observations",
    "procedures",
    "treatment_lines",
    "line_drugs",
    "assessments",
    "reviews",
    "notes",
    "way_forward",
    "imports",
    "audit_log",
    "tasks",
];

pub fn counts(conn: &rusqlite::Connection) -> BTreeMap<&'static str, i64> {
    TABLES
        .iter()
        .map(|table| {
            let n: i64 = conn
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
                    row.get(0)
                })
                .unwrap();
            (*table, n)
        })
        .collect()
}

/// The binary, with no database from the environment.
pub fn refract() -> Command {
    let mut cmd = Command::cargo_bin("refract").unwrap();
    cmd.env_remove("REFRACT_DB")
        .env_remove("RUST_BACKTRACE")
        .env("USER", "fhir-test");
    cmd
}

/// `refract --db DB import PATHS... --json`: the exit code, the parsed summary and stderr.
pub fn cli_import(db: &Path, paths: &[PathBuf]) -> (i32, Value, String) {
    let output = refract()
        .arg("--db")
        .arg(db)
        .arg("import")
        .args(paths)
        .arg("--json")
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "stdout is not the JSON summary ({err}): {}\nstderr: {stderr}",
            String::from_utf8_lossy(&output.stdout)
        )
    });
    (output.status.code().unwrap(), summary, stderr)
}

// ---- Resource builders ----

pub const RXNORM: &str = "http://www.nlm.nih.gov/research/umls/rxnorm";
pub const SNOMED: &str = "http://snomed.info/sct";
pub const LOINC: &str = "http://loinc.org";
pub const ICD10: &str = "http://hl7.org/fhir/sid/icd-10-cm";
/// The mCODE (STU2 and later) TreatmentTerminationReason extension.
pub const MCODE_TERMINATION: &str =
    "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-treatment-termination-reason";

/// `base` with the fields of `extra` added (or replaced).
pub fn with(mut base: Value, extra: &Value) -> Value {
    let (Some(target), Some(source)) = (base.as_object_mut(), extra.as_object()) else {
        panic!("with() merges objects");
    };
    for (key, value) in source {
        target.insert(key.clone(), value.clone());
    }
    base
}

pub fn patient(id: &str, mrn: &str, family: &str, given: &str) -> Value {
    json!({
        "resourceType": "Patient",
        "id": id,
        "identifier": [
            {"system": "https://example.org/other", "value": format!("OTHER-{mrn}")},
            {
                "type": {"coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                    "code": "MR"
                }]},
                "system": "https://example.org/mrn",
                "value": mrn
            }
        ],
        "name": [{"use": "official", "family": family, "given": [given]}],
        "gender": "female",
        "birthDate": "1984-05-17"
    })
}

pub fn coding(system: &str, code: &str, display: &str) -> Value {
    json!({"coding": [{"system": system, "code": code, "display": display}], "text": display})
}

pub fn condition(id: &str, subject: &str, system: &str, code: &str, display: &str) -> Value {
    json!({
        "resourceType": "Condition",
        "id": id,
        "subject": {"reference": subject},
        "clinicalStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
            "code": "active"
        }]},
        "verificationStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
            "code": "confirmed"
        }]},
        "code": coding(system, code, display),
        "onsetDateTime": "2019-04-02"
    })
}

/// A MedicationStatement of an RxNorm-coded drug over `start..end` (no end: ongoing).
pub fn statement(
    id: &str,
    subject: &str,
    (rxnorm, text): (&str, &str),
    status: &str,
    start: &str,
    end: Option<&str>,
) -> Value {
    let mut period = json!({"start": start});
    if let Some(end) = end {
        period["end"] = json!(end);
    }
    json!({
        "resourceType": "MedicationStatement",
        "id": id,
        "status": status,
        "subject": {"reference": subject},
        "medicationCodeableConcept": coding(RXNORM, rxnorm, text),
        "effectivePeriod": period
    })
}

/// A stop reason as a SNOMED CT concept.
pub fn reason(code: &str, display: &str) -> Value {
    coding(SNOMED, code, display)
}

pub fn observation(id: &str, subject: &str, code: &str, display: &str, value: &Value) -> Value {
    with(
        json!({
            "resourceType": "Observation",
            "id": id,
            "status": "final",
            "subject": {"reference": subject},
            "code": coding(LOINC, code, display),
            "effectiveDateTime": "2024-03-05T09:30:00+01:00"
        }),
        value,
    )
}

/// A Bundle of `kind` whose entries have `urn:uuid:<id>` full URLs (and a request or search
/// element as the type asks).
pub fn bundle(kind: &str, resources: &[Value]) -> Value {
    let entries: Vec<Value> = resources
        .iter()
        .map(|resource| {
            let id = resource["id"].as_str().unwrap_or("x");
            let kind_of = resource["resourceType"].as_str().unwrap_or("Basic");
            let mut entry = json!({"fullUrl": format!("urn:uuid:{id}"), "resource": resource});
            match kind {
                "transaction" | "batch" => {
                    entry["request"] = json!({"method": "POST", "url": kind_of});
                }
                "searchset" => entry["search"] = json!({"mode": "match"}),
                _ => {}
            }
            entry
        })
        .collect();
    json!({"resourceType": "Bundle", "id": format!("bundle-{kind}"), "type": kind, "entry": entries})
}

// Drugs (RxNorm ingredient codes and texts).
pub const LEVETIRACETAM: (&str, &str) = ("114477", "Levetiracetam 500 MG Oral Tablet");
pub const LAMOTRIGINE: (&str, &str) = ("28439", "Lamotrigine 100 MG Oral Tablet");
pub const LACOSAMIDE: (&str, &str) = ("623404", "Lacosamide 100 MG Oral Tablet");
pub const BRIVARACETAM: (&str, &str) = ("1739745", "Brivaracetam 50 MG Oral Tablet");
pub const AMLODIPINE: (&str, &str) = ("17767", "Amlodipine 5 MG Oral Tablet");

/// An epilepsy patient (ICD-10 G40.909) on levetiracetam then lamotrigine, each stopped after
/// more than 60 days with `second_reason`/no response, then lacosamide ongoing.
pub fn epilepsy_bundle(id: &str, mrn: &str, second_reason: (&str, &str)) -> Value {
    let subject = format!("urn:uuid:{id}");
    let first = with(
        statement(
            &format!("{id}-lev"),
            &subject,
            LEVETIRACETAM,
            "stopped",
            "2022-01-10",
            Some("2022-06-01"),
        ),
        &json!({"statusReason": [reason("266721009", "No response to treatment")]}),
    );
    let second = with(
        statement(
            &format!("{id}-ltg"),
            &subject,
            LAMOTRIGINE,
            "stopped",
            "2022-06-20",
            Some("2022-12-15"),
        ),
        &json!({"statusReason": [reason(second_reason.0, second_reason.1)]}),
    );
    let third = statement(
        &format!("{id}-lcm"),
        &subject,
        LACOSAMIDE,
        "active",
        "2023-01-05",
        None,
    );
    bundle(
        "collection",
        &[
            patient(id, mrn, "Okafor", "Ada"),
            condition(
                &format!("{id}-dx"),
                &subject,
                ICD10,
                "G40.909",
                "Epilepsy, unspecified, not intractable, without status epilepticus",
            ),
            first,
            second,
            third,
        ],
    )
}
