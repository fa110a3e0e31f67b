//! Helpers for the tests that run several `refract` processes on one file (`crash.rs`,
//! `concurrency.rs`): a demo database, its FHIR export split into one bundle per group of
//! patients, the checks a database must pass after anything happened to it, and a seeded
//! generator for the moments things happen at.

#![allow(dead_code)] // each test file uses its own part

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

/// The binary, with nothing from the environment that changes what it does.
pub fn refract() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_refract"));
    command
        .env_remove("REFRACT_DB")
        .env_remove("REFRACT_KEYMAP")
        .env_remove("RUST_BACKTRACE")
        .env("USER", "dr.processes");
    command
}

/// A demo database of `patients` at `dir/name`, the same every time.
pub fn demo(dir: &Path, name: &str, patients: u32) -> PathBuf {
    let db = dir.join(name);
    let output = refract()
        .arg("--db")
        .arg(&db)
        .args(["demo", "--no-open", "--today", "2026-11-27", "--patients"])
        .arg(patients.to_string())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    db
}

/// One bundle file of the split export: its path, bytes and the MRNs of its patients.
pub struct Part {
    pub path: PathBuf,
    pub mrns: Vec<String>,
    pub sha256: String,
}

/// Exports `db` as FHIR and writes it into `out` as `files` collection bundles, each with every
/// resource of its patients (so that each file imports on its own). With `prefix`, every MRN
/// (`RF-0000001`) is rewritten to start with it instead (`IM-0000001`), and the resource ids
/// with it, so that the patients are new to a database that has the originals.
pub fn export_split(db: &Path, out: &Path, files: usize, prefix: Option<&str>) -> Vec<Part> {
    std::fs::create_dir_all(out).unwrap();
    let output = refract()
        .arg("--db")
        .arg(db)
        .args(["export", "--format", "fhir"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    let text = match prefix {
        // MRNs are `RF-` and seven digits; resource ids and references are UUIDs, which the
        // prefix keeps apart from the originals' by changing their first characters.
        Some(prefix) => text
            .replace("\"RF-", &format!("\"{prefix}-"))
            .replace("urn:uuid:", &format!("urn:uuid:{}", prefix.to_lowercase()))
            .replace(
                "\"id\": \"",
                &format!("\"id\": \"{}", prefix.to_lowercase()),
            )
            .replace("\"id\":\"", &format!("\"id\":\"{}", prefix.to_lowercase())),
        None => text,
    };
    let bundle: Value = serde_json::from_str(&text).unwrap();
    let entries = bundle["entry"].as_array().unwrap();

    // Group the entries by the patient they are about, in the export's order: a Patient is its
    // own group; a resource joins the group of the first resource it refers to that has one
    // (its subject, or the care plan a task is based on), however deep the reference sits.
    let mut order: Vec<String> = Vec::new();
    let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut mrn_of: BTreeMap<String, String> = BTreeMap::new();
    let mut group_of: BTreeMap<String, String> = BTreeMap::new();
    for entry in entries {
        let resource = &entry["resource"];
        if resource["resourceType"] == "Patient" {
            let mrn = resource["identifier"][0]["value"]
                .as_str()
                .unwrap()
                .to_owned();
            let url = entry["fullUrl"].as_str().unwrap().to_owned();
            mrn_of.insert(url.clone(), mrn);
            group_of.insert(url.clone(), url.clone());
            order.push(url.clone());
            groups.insert(url, Vec::new());
        }
    }
    let mut pending: Vec<&Value> = entries.iter().collect();
    while !pending.is_empty() {
        let before = pending.len();
        pending.retain(|entry| {
            let mut references = Vec::new();
            if entry["resource"]["resourceType"] == "Patient" {
                references.extend(entry["fullUrl"].as_str());
            }
            references_in(&entry["resource"], &mut references);
            let Some(group) = references.iter().find_map(|r| group_of.get(*r)).cloned() else {
                return true;
            };
            if let Some(url) = entry["fullUrl"].as_str() {
                group_of.insert(url.to_owned(), group.clone());
            }
            groups.get_mut(&group).unwrap().push((*entry).clone());
            false
        });
        assert!(
            pending.len() < before,
            "resources about no patient: {}",
            Value::from(pending.into_iter().cloned().collect::<Vec<_>>())
        );
    }
    (0..files)
        .map(|index| {
            let keys: Vec<&String> = order.iter().skip(index).step_by(files).collect();
            let entry: Vec<Value> = keys
                .iter()
                .flat_map(|key| groups[*key].iter().cloned())
                .collect();
            let mrns = keys.iter().map(|key| mrn_of[*key].clone()).collect();
            let path = out.join(format!("part{index:02}.json"));
            let bytes = serde_json::to_vec(
                &json!({"resourceType": "Bundle", "type": "collection", "entry": entry}),
            )
            .unwrap();
            std::fs::write(&path, &bytes).unwrap();
            Part {
                path,
                mrns,
                sha256: sha256(&bytes),
            }
        })
        .collect()
}

/// Every `"reference"` string in a resource, outermost first.
fn references_in<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(fields) => {
            if let Some(Value::String(reference)) = fields.get("reference") {
                out.push(reference);
            }
            for (key, field) in fields {
                if key != "reference" {
                    references_in(field, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| references_in(item, out)),
        _ => {}
    }
}

pub fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut out, byte| {
            use std::fmt::Write as _;
            let _ = write!(out, "{byte:02x}");
            out
        })
}

pub fn open(db: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .unwrap();
    conn
}

/// `PRAGMA integrity_check` is ok and no reference is broken.
#[track_caller]
pub fn assert_sound(db: &Path, when: &str) {
    let conn = open(db);
    let integrity: Vec<String> = conn
        .prepare("PRAGMA integrity_check")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(integrity, ["ok"], "{when}: integrity check");
    let broken: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(broken, 0, "{when}: foreign key violations");
}

/// What a patient's imported record holds: conditions, drug exposures, observations,
/// procedures.
pub type Holdings = (i64, i64, i64, i64);

/// Every patient's holdings, by MRN.
pub fn holdings(db: &Path) -> BTreeMap<String, Holdings> {
    let conn = open(db);
    let mut stmt = conn
        .prepare(
            "SELECT p.mrn,
                    (SELECT count(*) FROM conditions c WHERE c.patient_id = p.id),
                    (SELECT count(*) FROM drug_exposures d WHERE d.patient_id = p.id),
                    (SELECT count(*) FROM observations o WHERE o.patient_id = p.id),
                    (SELECT count(*) FROM procedures r WHERE r.patient_id = p.id)
             FROM patients p",
        )
        .unwrap();
    stmt.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            (row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?),
        ))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// The SHA-256 of every file the database records as imported.
/// The distinct contents imported to the end (two processes importing one file at once may
/// both record a run of it; what they hold is the same).
pub fn imported_hashes(db: &Path) -> Vec<String> {
    let conn = open(db);
    conn.prepare("SELECT DISTINCT sha256 FROM imports WHERE state = 'done'")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// (MRN, rule set) of assessments that can be reviewed, from `flags --json`.
pub fn reviewable(db: &Path) -> Vec<(String, String)> {
    let output = refract()
        .arg("--db")
        .arg(db)
        .args(["flags", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let flags: Value = serde_json::from_slice(&output.stdout).unwrap();
    flags
        .as_array()
        .unwrap()
        .iter()
        .map(|flag| {
            (
                flag["mrn"].as_str().unwrap().to_owned(),
                flag["condition"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Every review's rationale, checking on the way that each review has its audit row and each
/// review audit row its review (one transaction writes both).
pub fn review_rationales(db: &Path) -> Vec<String> {
    let conn = open(db);
    let orphans: i64 = conn
        .query_row(
            "SELECT (SELECT count(*) FROM reviews r WHERE NOT EXISTS
                        (SELECT 1 FROM audit_log a WHERE a.entity = 'reviews' AND a.entity_id = r.id))
                  + (SELECT count(*) FROM audit_log a WHERE a.entity = 'reviews' AND NOT EXISTS
                        (SELECT 1 FROM reviews r WHERE r.id = a.entity_id))",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0, "a review without its audit row, or the reverse");
    conn.prepare("SELECT rationale FROM reviews ORDER BY id")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// A seeded generator (splitmix64): the moments of the kills are the same on every run.
pub struct Seeded(pub u64);

impl Seeded {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A Bulk export of one new patient with `readings` systolic readings, in `folder`: their
/// Patient in `Patient.ndjson`, the readings in `Observation.ndjson`, larger than a file written
/// in one transaction (so it is written in short ones and a kill can land in it).
pub fn one_patient_with_many_readings(folder: &Path, readings: usize) {
    std::fs::create_dir_all(folder).unwrap();
    let patient = serde_json::json!({
        "resourceType": "Patient", "id": "k1",
        "identifier": [{"system": "https://north.example/mrn", "value": "K1"}],
        "name": [{"family": "Kill", "given": ["Karl"]}], "gender": "male",
        "birthDate": "1960-01-01"});
    std::fs::write(folder.join("Patient.ndjson"), format!("{patient}\n")).unwrap();
    let mut lines = String::new();
    for n in 0..readings {
        let day = chrono::NaiveDate::from_ymd_opt(2015, 1, 1).unwrap()
            + chrono::Days::new(u64::try_from(n / 4).unwrap());
        let reading = serde_json::json!({
            "resourceType": "Observation", "id": format!("o{n}"), "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6",
                                 "display": "Systolic blood pressure"}]},
            "subject": {"reference": "Patient/k1"},
            "effectiveDateTime": format!("{day}T{:02}:00:00Z", 6 + n % 4 * 3),
            "valueQuantity": {"value": 140 + n % 20, "unit": "mmHg",
                              "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}});
        lines.push_str(&reading.to_string());
        lines.push('\n');
    }
    std::fs::write(folder.join("Observation.ndjson"), lines).unwrap();
}

/// Imports `folder` into `db` in a child process and kills it (SIGKILL) once `sql`, asked on a
/// read-only connection beside it, counts at least `at_least`; returns that count. Fails if the
/// import ends before: the kill must land in it.
pub fn import_killed_when(folder: &Path, db: &Path, sql: &str, at_least: i64) -> i64 {
    let mut child = refract()
        .arg("--db")
        .arg(db)
        .arg("import")
        .arg(folder)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let watcher =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let counted = loop {
        let counted: i64 = watcher.query_row(sql, [], |row| row.get(0)).unwrap_or(0);
        if counted >= at_least {
            let _ = child.kill();
            break counted;
        }
        assert!(
            child.try_wait().unwrap().is_none() && std::time::Instant::now() < deadline,
            "the import ended before a kill could land in it ({sql}: {counted})"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    };
    child.wait().unwrap();
    counted
}
