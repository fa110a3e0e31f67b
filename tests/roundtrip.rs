//! What leaves refract comes back: refract's own JSON is lossless (export, import into an empty
//! file, export again: the same bytes), a FHIR export re-imports to the same flags, lines and
//! record (the demo's, the Synthea bundles', and records made to show each thing FHIR says
//! only in refract's own extensions), and an import killed half-way leaves the file as it was.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use assert_cmd::Command;
use tempfile::TempDir;

fn refract(db: &Path) -> Command {
    let mut command = Command::cargo_bin("refract").unwrap();
    command.arg("--db").arg(db).args(["--user", "dr.roundtrip"]);
    command
}

fn demo(dir: &TempDir, patients: u32) -> PathBuf {
    let db = dir.path().join("demo.db");
    refract(&db)
        .args(["demo", "--no-open", "--today", "2026-11-27", "--patients"])
        .arg(patients.to_string())
        .assert()
        .success();
    db
}

fn patient_count(db: &Path) -> usize {
    let output = refract(db).args(["patients", "--json"]).output().unwrap();
    assert!(output.status.success());
    let patients: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    patients.as_array().unwrap().len()
}

/// Each patient's (MRN, care team) as `patients --json` lists them, in order.
fn care_teams(db: &Path) -> Vec<(String, String)> {
    let output = refract(db).args(["patients", "--json"]).output().unwrap();
    assert!(output.status.success());
    let patients: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut teams: Vec<(String, String)> = patients
        .as_array()
        .unwrap()
        .iter()
        .map(|patient| {
            (
                patient["mrn"].as_str().unwrap_or_default().to_owned(),
                patient["care_team"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    teams.sort();
    teams
}

#[test]
fn refract_json_comes_back_byte_for_byte() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir, 120);
    // The team's work, which a FHIR export cannot carry.
    let first = refract(&db)
        .args(["patients", "--json"])
        .output()
        .unwrap()
        .stdout;
    let first: serde_json::Value = serde_json::from_slice(&first).unwrap();
    let mrn = first[0]["mrn"].as_str().unwrap().to_owned();
    let show: serde_json::Value = serde_json::from_slice(
        &refract(&db)
            .args(["show", &mrn, "--json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    if let Some(condition) = show["assessments"][0]["ruleset"].as_str() {
        refract(&db)
            .args(["review", &mrn, "--condition", condition, "--dismiss"])
            .args(["--rationale", "pseudo-resistance: not taking it"])
            .assert()
            .success();
    }

    let exported = dir.path().join("first.json");
    refract(&db)
        .args(["export", "--format", "json", "--out"])
        .arg(&exported)
        .assert()
        .success();
    let copy = dir.path().join("copy.db");
    refract(&copy)
        .arg("import")
        .arg(&exported)
        .assert()
        .success();
    let again = dir.path().join("again.json");
    refract(&copy)
        .args(["export", "--format", "json", "--out"])
        .arg(&again)
        .assert()
        .success();

    let first = std::fs::read(&exported).unwrap();
    let second = std::fs::read(&again).unwrap();
    assert!(
        first.len() > 10_000,
        "a real document: {} bytes",
        first.len()
    );
    assert!(
        first == second,
        "the second export differs from the first ({} vs {} bytes)",
        first.len(),
        second.len()
    );
    assert!(String::from_utf8_lossy(&first).contains("pseudo-resistance: not taking it"));

    // The audit log travels with the records, as README says, and lands in the copy's own
    // chain: who dismissed, as which account, and the rationale.
    let document: serde_json::Value = serde_json::from_slice(&first).unwrap();
    let audit = document["audit"].as_array().unwrap();
    assert!(audit.len() > 10, "{} audit rows", audit.len());
    let dismissal = audit
        .iter()
        .find(|row| row["who"] == "dr.roundtrip")
        .expect("the dismissal's audit row");
    // The row names its patient by position in the document's patients.
    let named = dismissal["patient"].as_u64().unwrap() as usize;
    assert_eq!(
        document["patients"][named]["patient"]["mrn"].as_str(),
        Some(mrn.as_str())
    );
    assert_eq!(
        dismissal["os_user"].as_str(),
        Some(refract::account::os_account())
    );
    assert!(
        dismissal["after"]
            .as_str()
            .unwrap()
            .contains("pseudo-resistance")
    );
    refract(&copy).arg("check").assert().success();
}

#[test]
fn an_import_killed_half_way_leaves_the_file_whole() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir, 3_000);
    let bundle = dir.path().join("bundle.json");
    refract(&db)
        .args(["export", "--format", "fhir", "--out"])
        .arg(&bundle)
        .assert()
        .success();

    let target = dir.path().join("target.db");
    let mut import = std::process::Command::new(env!("CARGO_BIN_EXE_refract"))
        .arg("--db")
        .arg(&target)
        .arg("import")
        .arg(&bundle)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Killed once the import is writing (its write-ahead log grows), not while it still reads.
    let wal = dir.path().join("target.db-wal");
    for _ in 0..600 {
        let writing = std::fs::metadata(&wal).is_ok_and(|m| m.len() > 1_000_000);
        if writing || import.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = import.kill(); // SIGKILL: no chance to clean up (an error if it already finished)
    import.wait().unwrap();

    // Whatever the moment of the kill: all of the file or none of it, and a sound database.
    if target.exists() {
        refract(&target).arg("check").assert().success();
        let count = patient_count(&target);
        assert!(count == 0 || count == 3_000, "half an import: {count}");
    }
    refract(&target)
        .arg("import")
        .arg(&bundle)
        .assert()
        .success();
    assert_eq!(patient_count(&target), 3_000);
    refract(&target).arg("check").assert().success();
}

/// `table`'s row count through SQLite itself.
fn rows_in(db: &Path, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
        row.get(0)
    })
    .unwrap()
}

fn export_json(db: &Path) -> serde_json::Value {
    let output = refract(db)
        .args(["export", "--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn a_refract_document_goes_through_the_same_checks_as_every_other_write() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir, 12);
    let document = export_json(&db);
    let empty = dir.path().join("empty.db");
    let import = |db: &Path, doc: &serde_json::Value, name: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, serde_json::to_vec(doc).unwrap()).unwrap();
        refract(db)
            .args(["import", "--json"])
            .arg(&path)
            .output()
            .unwrap()
    };

    // Values refract could not read back are refused, and nothing of the file is committed.
    let mut alien = document.clone();
    alien["patients"][3]["patient"]["sex"] = serde_json::json!("alien");
    alien["patients"][3]["patient"]["birth_date"] = serde_json::json!("not-a-date");
    let output = import(&empty, &alien, "alien.json");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("patients[3]"), "{stderr}");
    assert_eq!(rows_in(&empty, "patients"), 0, "nothing committed");
    // …and every command still works on the file.
    assert_eq!(patient_count(&empty), 0);
    assert!(
        refract(&empty)
            .args(["flags", "--json"])
            .output()
            .unwrap()
            .status
            .success()
    );
    assert!(
        refract(&empty)
            .arg("check")
            .output()
            .unwrap()
            .status
            .success()
    );

    // A name that is not text would be stored without the keys it is found by: refused.
    let mut numbered = document.clone();
    numbered["patients"][1]["patient"]["family_name"] = serde_json::json!(4711);
    let output = import(&empty, &numbered, "numbered.json");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("patients[1]") && stderr.contains("family_name is not text"),
        "{stderr}"
    );
    assert_eq!(rows_in(&empty, "patients"), 0);

    // A drug no one can name (blank words, no code) is refused, not stored as a blank.
    let mut nameless = document.clone();
    let drug = &mut nameless["patients"][2]["exposures"][0];
    drug["text"] = serde_json::json!("   ");
    drug["atc"] = serde_json::Value::Null;
    drug["rxnorm"] = serde_json::Value::Null;
    let output = import(&empty, &nameless, "nameless.json");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("patients[2]") && stderr.contains("exposures[0]"),
        "{stderr}"
    );
    assert_eq!(rows_in(&empty, "patients"), 0);

    // The bookkeeping refract derives is never read from a file (here, a stamp that would
    // make the patient look evaluated, hiding their flag).
    let mut stamped = document.clone();
    stamped["patients"][0]["patient"]["eval_rules"] = serde_json::json!("forged");
    let output = import(&empty, &stamped, "stamped.json");
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("eval_rules"));
    assert_eq!(rows_in(&empty, "patients"), 0);

    // Into an empty file: everything, and each thing the team wrote says where it came from.
    let output = import(&empty, &document, "whole.json");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(patient_count(&empty), 12);
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        summary["new_patients"], 12,
        "every patient is new: {summary}"
    );
    let meetings = rows_in(&empty, "meetings");
    assert!(meetings > 0);
    let conn = rusqlite::Connection::open(&empty).unwrap();
    let provenance: i64 = conn
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'import.native.row'
             AND after LIKE '%originally_by%' AND after LIKE '%whole.json%'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert!(provenance > 0);

    // The export imported back into the file it came from (its patients and meetings are
    // there): nothing added, nothing claimed, no meeting twice.
    let meetings_before = rows_in(&db, "meetings");
    let cases_before = rows_in(&db, "meeting_cases");
    let output = import(&db, &document, "back.json");
    assert!(output.status.success(), "{output:?}");
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["new_patients"], 0, "{summary}");
    assert_eq!(summary["conditions"], 0, "{summary}");
    assert_eq!(summary["observations"], 0, "{summary}");
    assert_eq!(
        rows_in(&db, "meetings"),
        meetings_before,
        "no meeting twice"
    );
    assert_eq!(rows_in(&db, "meeting_cases"), cases_before);
    assert_eq!(patient_count(&db), 12);
}

/// A demo of `patients` made with `seed`, in a file of its own.
fn demo_seeded(dir: &TempDir, name: &str, patients: u32, seed: u32) -> PathBuf {
    let db = dir.path().join(name);
    refract(&db)
        .args(["demo", "--no-open", "--today", "2026-11-27", "--seed"])
        .arg(seed.to_string())
        .arg("--patients")
        .arg(patients.to_string())
        .assert()
        .success();
    db
}

fn fhir_export(db: &Path, out: &Path) {
    refract(db)
        .args(["export", "--format", "fhir", "--force", "--out"])
        .arg(out)
        .assert()
        .success();
}

/// (MRN, name) of every patient, sorted.
fn people(db: &Path) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT mrn, family_name || ', ' || given_name FROM patients ORDER BY 1, 2")
        .unwrap();
    stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn two_files_own_numbers_stay_two_people_in_a_third() {
    // Two clinics number their patients from RF-0000001 each: the same numbers, other people.
    let dir = TempDir::new().unwrap();
    let first = demo_seeded(&dir, "first.db", 12, 1);
    let second = demo_seeded(&dir, "second.db", 12, 2);
    let mut expected = people(&first);
    expected.extend(people(&second));
    expected.sort();
    assert_ne!(people(&first), people(&second));

    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    fhir_export(&first, &a);
    fhir_export(&second, &b);
    let third = dir.path().join("third.db");
    refract(&third)
        .arg("import")
        .arg(&a)
        .arg(&b)
        .assert()
        .success();
    assert_eq!(
        people(&third),
        expected,
        "24 people, none merged into another"
    );

    // Each file's numbers are under a system of its own, the same in every export of it: a
    // later export of the first clinic updates its patients and adds no one.
    fhir_export(&first, &a);
    refract(&third).arg("import").arg(&a).assert().success();
    assert_eq!(people(&third), expected);
}

#[test]
fn a_files_own_fhir_export_is_refused_back_into_it() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir, 12);
    let before = people(&db);
    let bundle = dir.path().join("bundle.json");
    fhir_export(&db, &bundle);
    let output = refract(&db).arg("import").arg(&bundle).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("this file's own FHIR export")
            && stderr.contains("use export --format json"),
        "{stderr}"
    );
    assert_eq!(people(&db), before, "no one added twice");

    // Split into NDJSON (no bundle to say where it came from), its patients still say whose
    // numbers they are.
    let bundle: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&bundle).unwrap()).unwrap();
    let lines: Vec<String> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["resource"].to_string())
        .collect();
    let ndjson = dir.path().join("Patient.ndjson");
    std::fs::write(&ndjson, lines.join("\n") + "\n").unwrap();
    let output = refract(&db).arg("import").arg(&ndjson).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("this file's own patient RF-"), "{stderr}");
    assert_eq!(people(&db), before);
}

#[test]
fn a_files_fhir_export_of_patients_another_file_brought_is_refused_back_into_it() {
    // The first clinic's patients in a second file, whose FHIR export goes back into a copy
    // of that second file: refused (each round used to add the line outcomes again as new
    // observations).
    let dir = TempDir::new().unwrap();
    let first = demo_seeded(&dir, "first.db", 10, 1);
    let fhir = dir.path().join("first.fhir.json");
    fhir_export(&first, &fhir);
    let second = dir.path().join("second.db");
    refract(&second).arg("import").arg(&fhir).assert().success();
    let again = dir.path().join("second.fhir.json");
    fhir_export(&second, &again);
    let copy = dir.path().join("copy.db");
    std::fs::copy(&second, &copy).unwrap();
    let observations = rows_in(&copy, "observations");
    let output = refract(&copy).arg("import").arg(&again).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("this file's own FHIR export")
    );
    assert_eq!(rows_in(&copy, "observations"), observations);
}

fn json_export(db: &Path, out: &Path, mrns: &[&str]) {
    refract(db)
        .args(["export", "--format", "json", "--force", "--out"])
        .arg(out)
        .args(mrns)
        .assert()
        .success();
}

#[test]
fn another_files_json_keeps_its_own_numbers_apart_and_a_restore_takes_the_file_over() {
    let dir = TempDir::new().unwrap();
    let first = demo_seeded(&dir, "first.db", 12, 1);
    let second = demo_seeded(&dir, "second.db", 12, 2);
    let mut both = people(&first);
    both.extend(people(&second));
    both.sort();
    let whole = dir.path().join("first.json");
    json_export(&first, &whole, &[]);

    // Into a file that numbers its own patients: the first file's RF-0000001 is not the
    // second's (before, all 12 were skipped as "already present").
    refract(&second)
        .arg("import")
        .arg(&whole)
        .assert()
        .success();
    assert_eq!(people(&second), both);
    // A later document of the first file finds its patients there by their numbers.
    let one = dir.path().join("one.json");
    json_export(&first, &one, &["RF-0000001"]);
    refract(&second).arg("import").arg(&one).assert().success();
    assert_eq!(people(&second), both, "no one added twice");

    // Into an empty file (a restore, a move): the file takes the first one over, numbers and
    // all, and a later document of the first file is the same patients again.
    let restored = dir.path().join("restored.db");
    refract(&restored)
        .arg("import")
        .arg(&whole)
        .assert()
        .success();
    assert_eq!(people(&restored), people(&first));
    refract(&restored)
        .arg("import")
        .arg(&one)
        .assert()
        .success();
    assert_eq!(people(&restored), people(&first), "no one added twice");
    let id = |db: &Path| -> String {
        rusqlite::Connection::open(db)
            .unwrap()
            .query_row("SELECT value FROM meta WHERE key = 'file_id'", [], |row| {
                row.get(0)
            })
            .unwrap()
    };
    assert_eq!(id(&restored), id(&first));
}

#[test]
fn a_files_own_patients_relayed_through_another_file_come_back_as_themselves() {
    let dir = TempDir::new().unwrap();
    let first = demo_seeded(&dir, "first.db", 10, 1);
    let before = people(&first);
    // The first clinic's FHIR export into a third file, whose JSON comes back to the first.
    let fhir = dir.path().join("first.fhir.json");
    fhir_export(&first, &fhir);
    let relay = dir.path().join("relay.db");
    refract(&relay).arg("import").arg(&fhir).assert().success();
    let relayed = dir.path().join("relay.json");
    json_export(&relay, &relayed, &[]);
    refract(&first)
        .arg("import")
        .arg(&relayed)
        .assert()
        .success();
    assert_eq!(people(&first), before, "its own patients, not ten more");
}

#[test]
fn one_clinics_json_then_its_fhir_give_one_patient_each() {
    let dir = TempDir::new().unwrap();
    let first = demo_seeded(&dir, "first.db", 10, 1);
    let second = demo_seeded(&dir, "second.db", 10, 2);
    let (json, fhir) = (
        dir.path().join("first.json"),
        dir.path().join("first.fhir.json"),
    );
    json_export(&first, &json, &[]);
    fhir_export(&first, &fhir);
    // A file of its own patients, then the first clinic's JSON, then its FHIR.
    refract(&second).arg("import").arg(&json).assert().success();
    let after_json = people(&second);
    assert_eq!(after_json.len(), 20);
    refract(&second).arg("import").arg(&fhir).assert().success();
    assert_eq!(
        people(&second),
        after_json,
        "the FHIR finds the patients the JSON brought"
    );
}

#[test]
fn a_clinics_json_into_a_file_that_holds_its_patients_adds_no_empty_meeting() {
    let dir = TempDir::new().unwrap();
    let first = demo_seeded(&dir, "first.db", 12, 1);
    assert!(rows_in(&first, "meetings") > 0);
    let (json, fhir) = (
        dir.path().join("first.json"),
        dir.path().join("first.fhir.json"),
    );
    json_export(&first, &json, &[]);
    fhir_export(&first, &fhir);
    let other = dir.path().join("other.db");
    refract(&other).arg("import").arg(&fhir).assert().success();
    let output = refract(&other).arg("import").arg(&json).output().unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        rows_in(&other, "meetings"),
        0,
        "no meeting without its cases (the patients were there already)"
    );
    let summary = String::from_utf8(output.stdout).unwrap();
    assert!(
        summary.contains("meetings of patients already present"),
        "the summary says what was left out: {summary}"
    );
    // The demo's team work on those patients (reviews, notes, plans) is left out with them,
    // and said so: never taken for imported (review r5 R5-13).
    assert!(rows_in(&first, "reviews") > 0);
    assert!(
        summary.contains("reviews, notes, tasks and plans of patients already present"),
        "{summary}"
    );
    assert!(
        summary.contains("the document's reviews, notes and plans of them are not imported"),
        "{summary}"
    );
}

// ---- Moving a team's work: patients and meetings named without ambiguity ----

/// Two clinics' demo files (the same numbers, other people) and their whole-file documents.
fn two_clinics(dir: &TempDir) -> (PathBuf, PathBuf, PathBuf, PathBuf) {
    let ours = demo_seeded(dir, "ours.db", 12, 1);
    let theirs = demo_seeded(dir, "theirs.db", 12, 2);
    let (ours_json, theirs_json) = (dir.path().join("ours.json"), dir.path().join("theirs.json"));
    json_export(&ours, &ours_json, &[]);
    json_export(&theirs, &theirs_json, &[]);
    (ours, theirs, ours_json, theirs_json)
}

/// Every meeting case with its patient (MRN, system, name), its meeting and what was decided.
const CASES_SQL: &str = "SELECT p.mrn, p.mrn_system, p.family_name, m.starts_at, m.title, m.team,
        c.position, c.question, c.outcome_text, coalesce(o.name, '-'), coalesce(op.mrn, '-')
     FROM meeting_cases c JOIN patients p ON p.id = c.patient_id JOIN meetings m ON m.id = c.meeting_id
     LEFT JOIN options o ON o.id = c.chosen_option_id LEFT JOIN patients op ON op.id = o.patient_id
     ORDER BY 1, 2, 4, 7";
/// Every task with its patient and the patient of the case it hangs on.
const TASKS_SQL: &str = "SELECT p.mrn, p.mrn_system, t.what, t.due, coalesce(cp.mrn, '-'),
        coalesce(cp.mrn_system, '-'), coalesce(c.position, '-')
     FROM tasks t JOIN patients p ON p.id = t.patient_id
     LEFT JOIN meeting_cases c ON c.id = t.meeting_case_id LEFT JOIN patients cp ON cp.id = c.patient_id
     ORDER BY 1, 2, 3, 4";
/// Every carried audit row about a patient, with that patient.
/// (What the row says, not its text: a carried row's text loses the ids of its first file.)
const PATIENT_AUDIT_SQL: &str = "SELECT p.mrn, p.mrn_system, p.family_name, a.at, a.who, a.action,
        CASE WHEN json_valid(a.after) THEN coalesce(json_extract(a.after, '$.rationale'),
          json_extract(a.after, '$.question'), json_extract(a.after, '$.what'),
          json_extract(a.after, '$.text'), json_extract(a.after, '$.name'), '-') ELSE '-' END
     FROM audit_log a JOIN patients p ON p.id = a.patient_id
     WHERE a.entity <> 'imports' ORDER BY 1, 2, 4, 6, 7";

#[test]
fn two_patients_with_one_number_keep_their_cases_tasks_and_history_through_a_move() {
    let dir = TempDir::new().unwrap();
    let (ours, _, _, theirs_json) = two_clinics(&dir);
    // Our file holds the other clinic's RF-0000001 … beside ours (documented), then moves.
    refract(&ours)
        .arg("import")
        .arg(&theirs_json)
        .assert()
        .success();
    let moved_json = dir.path().join("moved.json");
    json_export(&ours, &moved_json, &[]);
    let moved = dir.path().join("moved.db");
    refract(&moved)
        .arg("import")
        .arg(&moved_json)
        .assert()
        .success();
    for (what, sql) in [
        ("cases", CASES_SQL),
        ("tasks", TASKS_SQL),
        ("audit rows", PATIENT_AUDIT_SQL),
    ] {
        let (before, after) = (text_rows(&ours, sql), text_rows(&moved, sql));
        assert!(!before.is_empty(), "{what}: the demo has some");
        assert_eq!(before, after, "{what} stay on their own patients");
    }
    let again = dir.path().join("again.json");
    json_export(&moved, &again, &[]);
    assert_eq!(
        std::fs::read(&moved_json).unwrap(),
        std::fs::read(&again).unwrap(),
        "the same bytes back"
    );
    let document: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&moved_json).unwrap()).unwrap();
    let cases = document["meetings"].as_array().unwrap().iter();
    for case in cases.flat_map(|m| m["cases"].as_array().unwrap()) {
        assert!(
            case.get("mrn").is_none(),
            "a case names its patient by position"
        );
        assert!(case["patient"].is_u64());
    }
}

#[test]
fn a_hub_files_document_puts_no_other_patient_into_our_meetings() {
    let dir = TempDir::new().unwrap();
    let (ours, _, ours_json, theirs_json) = two_clinics(&dir);
    let hub = dir.path().join("hub.db");
    refract(&hub)
        .arg("import")
        .arg(&theirs_json)
        .assert()
        .success();
    refract(&hub)
        .arg("import")
        .arg(&ours_json)
        .assert()
        .success();
    let hub_json = dir.path().join("hub.json");
    json_export(&hub, &hub_json, &[]);
    let before = text_rows(&ours, CASES_SQL);
    refract(&ours)
        .arg("import")
        .arg(&hub_json)
        .assert()
        .success();
    let ours_only = |rows: Vec<Vec<String>>| -> Vec<Vec<String>> {
        rows.into_iter().filter(|row| row[1].is_empty()).collect()
    };
    assert_eq!(ours_only(text_rows(&ours, CASES_SQL)), ours_only(before));
    let mixed = text_rows(
        &ours,
        "SELECT count(*) FROM meeting_cases c JOIN patients p ON p.id = c.patient_id
         JOIN meeting_cases c2 ON c2.meeting_id = c.meeting_id JOIN patients p2 ON p2.id = c2.patient_id
         WHERE p.mrn_system = '' AND p2.mrn_system <> ''",
    );
    assert_eq!(mixed, [["0"]], "no meeting holds both clinics' patients");
}

/// `document` as an older refract wrote it: patients named by MRN text, audit rows with
/// `entity_id`, meetings without their identity.
fn as_older_document(document: &serde_json::Value) -> serde_json::Value {
    let mut older = document.clone();
    let mrns: Vec<serde_json::Value> = older["patients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["patient"]["mrn"].clone())
        .collect();
    let by_position = |row: &mut serde_json::Value| {
        let map = row.as_object_mut().unwrap();
        if !map.contains_key("patient") {
            return;
        }
        let mrn = match map.remove("patient") {
            Some(serde_json::Value::Number(n)) => mrns[n.as_u64().unwrap() as usize].clone(),
            _ => serde_json::Value::Null,
        };
        map.insert(String::from("mrn"), mrn);
    };
    for meeting in older["meetings"].as_array_mut().unwrap() {
        meeting["meeting"].as_object_mut().unwrap().remove("uid");
        for case in meeting["cases"].as_array_mut().unwrap() {
            by_position(case);
        }
    }
    for row in older["audit"].as_array_mut().unwrap() {
        by_position(row);
        let map = row.as_object_mut().unwrap();
        map.remove("meeting");
        map.insert(String::from("entity_id"), serde_json::Value::from(1));
    }
    older
}

#[test]
fn an_older_document_naming_two_patients_by_one_mrn_restores_all_but_what_it_cannot_attribute() {
    let dir = TempDir::new().unwrap();
    let (ours, theirs, ours_json, _) = two_clinics(&dir);
    // One patient per number: read as before, each case on its own patient.
    let older = dir.path().join("older.json");
    let document: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&ours_json).unwrap()).unwrap();
    std::fs::write(&older, as_older_document(&document).to_string()).unwrap();
    let restored = dir.path().join("restored.db");
    refract(&restored)
        .arg("import")
        .arg(&older)
        .assert()
        .success();
    assert_eq!(text_rows(&restored, CASES_SQL), text_rows(&ours, CASES_SQL));
    assert_eq!(text_rows(&restored, TASKS_SQL), text_rows(&ours, TASKS_SQL));

    // Our file holds the other clinic's patient of one of our numbers (one on an agenda).
    let shared = text_rows(
        &ours,
        "SELECT p.mrn FROM meeting_cases c JOIN patients p ON p.id = c.patient_id ORDER BY 1 LIMIT 1",
    )[0][0]
        .clone();
    let theirs_one = dir.path().join("theirs-one.json");
    json_export(&theirs, &theirs_one, &[&shared]);
    refract(&ours)
        .arg("import")
        .arg(&theirs_one)
        .assert()
        .success();
    let both_json = dir.path().join("both.json");
    json_export(&ours, &both_json, &[]);
    let document: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&both_json).unwrap()).unwrap();
    std::fs::write(&older, as_older_document(&document).to_string()).unwrap();
    let empty = dir.path().join("empty.db");
    let output = refract(&empty).arg("import").arg(&older).output().unwrap();
    assert!(output.status.success(), "{output:?}");
    // Everything else restored: every patient with what the team wrote about them.
    for table in ["patients", "reviews", "notes", "way_forward", "tasks"] {
        assert_eq!(rows_in(&empty, table), rows_in(&ours, table), "{table}");
    }
    // Only the cases and audit rows of the shared number left out, never put on one of them.
    let without_shared = |rows: Vec<Vec<String>>| -> Vec<Vec<String>> {
        rows.into_iter().filter(|row| row[0] != shared).collect()
    };
    let cases = text_rows(&ours, CASES_SQL);
    assert!(cases.iter().any(|row| row[0] == shared));
    assert_eq!(text_rows(&empty, CASES_SQL), without_shared(cases));
    assert_eq!(
        text_rows(&empty, PATIENT_AUDIT_SQL),
        without_shared(text_rows(&ours, PATIENT_AUDIT_SQL))
    );
    // Said, with the number and both patients.
    let summary = String::from_utf8(output.stdout).unwrap();
    let line = summary
        .lines()
        .find(|l| l.contains(&format!("MRN {shared}")))
        .unwrap_or_default();
    assert!(line.contains("left out"), "{summary}");
    assert!(line.contains("meeting case"), "{summary}");
    assert!(line.contains("audit row"), "{summary}");
    assert_eq!(
        line.matches("patients[").count(),
        2,
        "both patients named: {summary}"
    );
}

/// A file from before meetings carried a `uid` (schema 29, as migration 0030 found it).
fn as_schema_29(db: &Path) {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute_batch(
        "DROP TRIGGER meetings_uid_made;
         DROP INDEX meetings_uid;
         ALTER TABLE meetings DROP COLUMN uid;
         ALTER TABLE conditions DROP COLUMN recorded;
         ALTER TABLE drug_exposures DROP COLUMN end_utc_offset;
         ALTER TABLE procedures DROP COLUMN end_utc_offset;
         ALTER TABLE observations DROP COLUMN since_utc_offset;
         ALTER TABLE observations DROP COLUMN utc_offset;
         ALTER TABLE procedures DROP COLUMN utc_offset;
         ALTER TABLE drug_exposures DROP COLUMN utc_offset;
         DROP INDEX patient_identifiers_value;
         ALTER TABLE patient_identifiers DROP COLUMN id_use;
         ALTER TABLE patient_identifiers DROP COLUMN id_type;
         ALTER TABLE patients DROP COLUMN demographics_updated;
         DROP TABLE patient_names;
         DROP TABLE refused_patient_ids;
         DROP TABLE death_reports;
         ALTER TABLE drug_exposures DROP COLUMN said_stopped;
         DROP TABLE alive_reports;
         ALTER TABLE patients DROP COLUMN mrn_use;
         ALTER TABLE patients DROP COLUMN mrn_type;
         ALTER TABLE drug_exposures DROP COLUMN indications;
         ALTER TABLE observations DROP COLUMN effective_precision;
         ALTER TABLE observations DROP COLUMN since_precision;
         ALTER TABLE conditions DROP COLUMN recorded_precision;
         ALTER TABLE conditions DROP COLUMN onset_precision;
         ALTER TABLE conditions DROP COLUMN abatement_precision;
         DROP TABLE import_batches;
         ALTER TABLE imports DROP COLUMN batch_id;
         ALTER TABLE procedures DROP COLUMN indications;
         ALTER TABLE observations DROP COLUMN focus;
         ALTER TABLE fhir_resources DROP COLUMN current_until;
         DROP TABLE removed_resources;
         DROP TABLE kept_aside;
         ALTER TABLE observations DROP COLUMN value_words;
         ALTER TABLE meeting_cases DROP COLUMN discussed_mrn;
         ALTER TABLE meeting_cases DROP COLUMN discussed_family_name;
         ALTER TABLE meeting_cases DROP COLUMN discussed_given_name;
         ALTER TABLE meeting_cases DROP COLUMN discussed_sex;
         ALTER TABLE meeting_cases DROP COLUMN discussed_birth_date;
         ALTER TABLE patient_identifiers DROP COLUMN record;
         DROP TABLE drug_reactions;
         ALTER TABLE drug_exposures DROP COLUMN dose_from;
         ALTER TABLE observations DROP COLUMN reference_ranges;
         DROP TABLE claimed_patient_ids;
         ALTER TABLE fhir_resources DROP COLUMN carried;
         ALTER TABLE patients DROP COLUMN deceased_in;
         ALTER TABLE observations DROP COLUMN interpretation;
         PRAGMA user_version = 29;",
    )
    .unwrap();
}

#[test]
fn copies_of_one_older_file_give_its_meetings_one_uid() {
    let dir = TempDir::new().unwrap();
    let a = demo_seeded(&dir, "a.db", 12, 1);
    let a_json = dir.path().join("a.json");
    json_export(&a, &a_json, &[]);
    let document: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&a_json).unwrap()).unwrap();
    let older = dir.path().join("older.json");
    std::fs::write(&older, as_older_document(&document).to_string()).unwrap();
    // The file itself upgraded, and two restores of its older backup.
    as_schema_29(&a);
    refract(&a).arg("check").assert().success();
    let (b, c) = (dir.path().join("b.db"), dir.path().join("c.db"));
    for restore in [&b, &c] {
        refract(restore)
            .arg("import")
            .arg(&older)
            .assert()
            .success();
    }
    let uids =
        "SELECT starts_at, title, coalesce(team, '-'), uid FROM meetings ORDER BY 1, 2, 3, 4";
    assert!(!text_rows(&a, uids).is_empty());
    assert_eq!(text_rows(&b, uids), text_rows(&a, uids), "restore and file");
    assert_eq!(text_rows(&c, uids), text_rows(&a, uids), "two restores");

    // A new patient on one of A's meetings, sent to B: in that meeting, not in a second one.
    let roe = dir.path().join("roe.json");
    crate::fhir::write_json(
        &roe,
        &crate::fhir::bundle(
            "collection",
            &[crate::fhir::patient("roe", "2001", "Roe", "Rick")],
        ),
    );
    refract(&a).arg("import").arg(&roe).assert().success();
    {
        let conn = rusqlite::Connection::open(&a).unwrap();
        conn.execute(
            "INSERT INTO meeting_cases (meeting_id, patient_id, position)
             SELECT 1, id, 99 FROM patients WHERE mrn = '2001'",
            [],
        )
        .unwrap();
    }
    let a1 = dir.path().join("a1.json");
    json_export(&a, &a1, &[]);
    let meetings = rows_in(&b, "meetings");
    refract(&b).arg("import").arg(&a1).assert().success();
    assert_eq!(rows_in(&b, "meetings"), meetings, "no second meeting");
    let agenda = "SELECT m.starts_at, m.title, count(*) FROM meeting_cases c
         JOIN meetings m ON m.id = c.meeting_id GROUP BY m.id ORDER BY 1, 2";
    assert_eq!(text_rows(&b, agenda), text_rows(&a, agenda));
}

/// An older document (no meeting uids) of a file holding two meetings at one start, title and
/// team: restored, they stay two, each with its own cases, with the uids the file upgraded
/// gives them.
#[test]
fn an_older_documents_two_meetings_of_one_slot_are_restored_as_two() {
    let dir = TempDir::new().unwrap();
    let a = demo_seeded(&dir, "a.db", 12, 1);
    {
        let conn = rusqlite::Connection::open(&a).unwrap();
        conn.execute(
            "UPDATE meetings SET starts_at = (SELECT starts_at FROM meetings WHERE id = 1),
                                 title = (SELECT title FROM meetings WHERE id = 1),
                                 team = (SELECT team FROM meetings WHERE id = 1)
             WHERE id = 2",
            [],
        )
        .unwrap();
    }
    let agenda = "SELECT m.starts_at, m.title, count(c.id) FROM meetings m
         LEFT JOIN meeting_cases c ON c.meeting_id = m.id GROUP BY m.id ORDER BY m.id";
    let cases = text_rows(&a, agenda);
    assert_eq!(cases.len(), 2, "{cases:?}");
    let a_json = dir.path().join("a.json");
    json_export(&a, &a_json, &[]);
    let document: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&a_json).unwrap()).unwrap();
    let older = dir.path().join("older.json");
    std::fs::write(&older, as_older_document(&document).to_string()).unwrap();
    let b = dir.path().join("b.db");
    refract(&b).arg("import").arg(&older).assert().success();
    assert_eq!(
        text_rows(&b, agenda),
        cases,
        "two meetings, each with its cases"
    );
    as_schema_29(&a);
    refract(&a).arg("check").assert().success();
    let uids = "SELECT uid FROM meetings ORDER BY uid";
    assert_eq!(
        text_rows(&b, uids),
        text_rows(&a, uids),
        "the upgraded file's uids"
    );
}

#[test]
fn another_files_meeting_at_the_same_time_is_another_meeting() {
    let dir = TempDir::new().unwrap();
    let (ours, theirs, _, theirs_json) = two_clinics(&dir);
    let meetings_before = rows_in(&ours, "meetings");
    let attendees = rows_in(&ours, "attendees") + rows_in(&theirs, "attendees");
    let first_meeting =
        "SELECT c.position, p.mrn FROM meeting_cases c JOIN patients p ON p.id = c.patient_id
        WHERE c.meeting_id = 1 ORDER BY 1";
    let ours_first = text_rows(&ours, first_meeting);
    refract(&ours)
        .arg("import")
        .arg(&theirs_json)
        .assert()
        .success();
    assert_eq!(
        rows_in(&ours, "meetings"),
        meetings_before + rows_in(&theirs, "meetings")
    );
    assert_eq!(
        text_rows(&ours, first_meeting),
        ours_first,
        "our agenda as it was"
    );
    assert_eq!(
        rows_in(&ours, "attendees"),
        attendees,
        "their attendees kept"
    );
    // Written by an older refract (no meeting identity), from another file: a new meeting too.
    let older = dir.path().join("older.json");
    let document: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&theirs_json).unwrap()).unwrap();
    std::fs::write(&older, as_older_document(&document).to_string()).unwrap();
    let other = demo_seeded(&dir, "other.db", 12, 1);
    refract(&other).arg("import").arg(&older).assert().success();
    assert_eq!(
        rows_in(&other, "meetings"),
        meetings_before + rows_in(&theirs, "meetings")
    );
}

#[test]
fn one_files_subset_documents_find_their_meeting_again() {
    let dir = TempDir::new().unwrap();
    let ours = demo_seeded(&dir, "ours.db", 12, 1);
    let mrns = text_rows(
        &ours,
        "SELECT DISTINCT p.mrn FROM meeting_cases c JOIN patients p ON p.id = c.patient_id
         WHERE c.meeting_id = 1 ORDER BY 1",
    );
    assert!(mrns.len() >= 2);
    for older in [false, true] {
        let target = dir.path().join(format!("target-{older}.db"));
        for mrn in &mrns[..2] {
            let one = dir.path().join(format!("{}.json", mrn[0]));
            json_export(&ours, &one, &[&mrn[0]]);
            if older {
                let document: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(&one).unwrap()).unwrap();
                std::fs::write(&one, as_older_document(&document).to_string()).unwrap();
            }
            refract(&target).arg("import").arg(&one).assert().success();
        }
        let concerned = format!(
            "SELECT count(DISTINCT m.id), (SELECT count(*) FROM attendees a WHERE a.meeting_id IN
               (SELECT meeting_id FROM meeting_cases c JOIN patients p ON p.id = c.patient_id WHERE p.mrn IN ('{}', '{}')))
             FROM meetings m JOIN meeting_cases c ON c.meeting_id = m.id JOIN patients p ON p.id = c.patient_id
             WHERE p.mrn IN ('{}', '{}')",
            mrns[0][0], mrns[1][0], mrns[0][0], mrns[1][0]
        );
        assert_eq!(
            text_rows(&target, &concerned),
            text_rows(&ours, &concerned),
            "each meeting once, its attendees not repeated (older document: {older})"
        );
    }
}

#[test]
fn carried_audit_rows_name_no_row_of_the_file_they_came_from() {
    let dir = TempDir::new().unwrap();
    let (ours, _, _, theirs_json) = two_clinics(&dir);
    let document: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&theirs_json).unwrap()).unwrap();
    let rows = document["audit"].as_array().unwrap();
    assert!(!rows.is_empty());
    for row in rows {
        assert!(row.get("entity_id").is_none(), "no row id: {row}");
        for text in [&row["before"], &row["after"]] {
            if let Some(text) = text.as_str()
                && let Ok(serde_json::Value::Object(map)) = serde_json::from_str(text)
            {
                for key in ["id", "patient_id", "meeting_id", "meeting_case_id"] {
                    assert!(!map.contains_key(key), "no {key} in {text}");
                }
            }
        }
    }
    // An older document's ids are dropped too: none names a record of this file.
    let older = dir.path().join("older.json");
    std::fs::write(&older, as_older_document(&document).to_string()).unwrap();
    let before = text_rows(&ours, "SELECT max(id) FROM audit_log")[0][0].clone();
    refract(&ours).arg("import").arg(&older).assert().success();
    assert_eq!(
        text_rows(
            &ours,
            &format!(
                "SELECT count(*) FROM audit_log WHERE id > {before} AND entity_id IS NOT NULL AND entity <> 'imports'"
            )
        ),
        [["0"]]
    );
}

#[test]
fn a_document_that_adds_one_meeting_appends_that_meetings_history_only() {
    let dir = TempDir::new().unwrap();
    let ours = demo_seeded(&dir, "ours.db", 12, 1);
    let ours_json = dir.path().join("ours.json");
    json_export(&ours, &ours_json, &[]);
    // A colleague's restore of our file, with one more meeting (no case yet) and its history.
    let colleague = dir.path().join("colleague.db");
    refract(&colleague)
        .arg("import")
        .arg(&ours_json)
        .assert()
        .success();
    {
        let conn = rusqlite::Connection::open(&colleague).unwrap();
        conn.execute(
            "INSERT INTO meetings (starts_at, title, team) VALUES ('2026-12-18 13:00:00', 'Extra MDT', NULL)",
            [],
        )
        .unwrap();
    }
    let mut document = export_json(&colleague);
    let meeting_index = document["meetings"].as_array().unwrap().len() - 1;
    let mut row = serde_json::json!({
        "action": "meeting.create", "after": "{\"starts_at\":\"2026-12-18T13:00:00\",\"title\":\"Extra MDT\",\"team\":null}",
        "at": "2026-12-05 19:48:48", "before": null, "entity": "meetings",
        "os_user": "root", "who": "dr.colleague", "meeting": meeting_index,
    });
    if document["audit"][0].get("meeting").is_none() {
        // Before the fix the document has no "meeting" key: the row as an older refract wrote it.
        let map = row.as_object_mut().unwrap();
        map.remove("meeting");
        map.insert(String::from("entity_id"), serde_json::Value::from(3));
        map.insert(String::from("mrn"), serde_json::Value::Null);
    }
    document["audit"].as_array_mut().unwrap().push(row);
    let extra = dir.path().join("extra.json");
    std::fs::write(&extra, document.to_string()).unwrap();
    let created = |db: &Path, action: &str| {
        text_rows(
            db,
            &format!("SELECT count(*) FROM audit_log WHERE action = '{action}'"),
        )[0][0]
            .parse::<i64>()
            .unwrap()
    };
    let (meetings, attendees) = (
        created(&ours, "meeting.create"),
        created(&ours, "attendee.add"),
    );
    refract(&ours).arg("import").arg(&extra).assert().success();
    assert_eq!(rows_in(&ours, "meetings"), meetings + 1);
    assert_eq!(
        created(&ours, "meeting.create"),
        meetings + 1,
        "the new meeting's row only"
    );
    assert_eq!(created(&ours, "attendee.add"), attendees);
}

// ---- What a FHIR export keeps: flags, lines and the record ----

/// The rows of a query on a file, every column as text (NULL as "-").
fn text_rows(db: &Path, sql: &str) -> Vec<Vec<String>> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    let columns = stmt.column_count();
    stmt.query_map([], |row| {
        (0..columns)
            .map(|i| {
                Ok(match row.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => String::from("-"),
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

/// Each flag by (MRN, condition): what `flags --json` says of it that a round trip must keep.
/// Confounders the team resolved in `resolved_by` (its re-evaluation checklist, which is the
/// team's work and not part of a FHIR record) are left out.
fn flags_kept(db: &Path, resolved_by: &Path) -> BTreeMap<(String, String), serde_json::Value> {
    let resolved: Vec<Vec<String>> = text_rows(
        resolved_by,
        "SELECT p.mrn, c.ruleset, c.key FROM checklist_items c
         JOIN patients p ON p.id = c.patient_id WHERE c.done = 1",
    );
    let output = refract(db).args(["flags", "--json"]).output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let flags: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    flags
        .as_array()
        .unwrap()
        .iter()
        .map(|flag| {
            let mrn = flag["mrn"].as_str().unwrap().to_owned();
            let condition = flag["condition"].as_str().unwrap().to_owned();
            let confounders: Vec<&serde_json::Value> = flag["confounders"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| {
                    !resolved
                        .iter()
                        .any(|r| r[0] == mrn && r[1] == condition && r[2] == c["key"])
                })
                .collect();
            let kept = serde_json::json!({
                "status": flag["status"],
                "label": flag["label"],
                "criteria_met_since": flag["criteria_met_since"],
                "missing": flag["missing"],
                "confounders": confounders,
            });
            ((mrn, condition), kept)
        })
        .collect()
}

/// A patient's record as refract reads it (what every screen and the criteria see: nothing
/// given after death), table by table, each row as text without its row id; each line with
/// its rule set, its drugs naming the drug record they point at. A line the team entered or
/// corrected comes back `imported` (no one in the other file entered it), so its origin is
/// read as that.
#[derive(Debug, Default)]
struct Kept {
    tables: BTreeMap<&'static str, Vec<String>>,
    lines: Vec<(String, String)>,
}

/// Each patient's [`Kept`] record, by MRN.
fn records_kept(db: &Path) -> BTreeMap<String, Kept> {
    let store =
        refract::store::Store::open(db, refract::store::OpenMode::MustExist, "dr.roundtrip")
            .unwrap();
    let mut out = BTreeMap::new();
    for id in store.patient_ids_by_mrn().unwrap() {
        let record = store.record(id).unwrap();
        let mrn = record.patient.as_ref().unwrap().mrn.clone();
        let mut kept = Kept::default();
        kept.tables.insert("conditions", rows(&record.conditions));
        kept.tables
            .insert("drug exposures", rows(&record.exposures));
        kept.tables
            .insert("observations", rows(&record.observations));
        kept.tables.insert("procedures", rows(&record.procedures));
        for line in &record.lines {
            let mut line = line.clone();
            let drugs: Vec<String> = std::mem::take(&mut line.drugs)
                .iter()
                .map(|drug| {
                    let given = record
                        .exposures
                        .iter()
                        .find(|e| Some(e.id) == drug.exposure_id)
                        .map_or_else(
                            || String::from("no record"),
                            |e| format!("{} from {}", e.text, e.start),
                        );
                    format!("{} {:?} <- {given}", drug.ingredient, drug.dose)
                })
                .collect();
            let mut row = without_id(&line);
            if matches!(row["origin"].as_str(), Some("entered" | "corrected")) {
                row["origin"] = serde_json::json!("imported");
            }
            kept.lines.push((
                line.ruleset.clone(),
                format!("{row} drugs: {}", drugs.join("; ")),
            ));
        }
        kept.lines.sort();
        out.insert(mrn, kept);
    }
    out
}

/// Rows as text, sorted, without their row ids.
fn rows<T: serde::Serialize>(list: &[T]) -> Vec<String> {
    let mut rows: Vec<String> = list.iter().map(|row| without_id(row).to_string()).collect();
    rows.sort();
    rows
}

/// A row as JSON, without its row id (which no two files share).
fn without_id(row: &impl serde::Serialize) -> serde_json::Value {
    let mut value = serde_json::to_value(row).unwrap();
    if let Some(fields) = value.as_object_mut() {
        fields.remove("id");
    }
    value
}

/// The first rows where two lists differ, for a message that says what changed.
fn first_differences(before: &[String], after: &[String]) -> String {
    let gone: Vec<&String> = before.iter().filter(|row| !after.contains(row)).collect();
    let new: Vec<&String> = after.iter().filter(|row| !before.contains(row)).collect();
    format!(
        "{} rows before, {} after\nonly before: {:#?}\nonly after: {:#?}",
        before.len(),
        after.len(),
        &gone[..gone.len().min(5)],
        &new[..new.len().min(5)]
    )
}

/// Exports `source` as FHIR, imports it into a fresh file, and asserts that the copy says what
/// the source says: every flag (status, label, since when, what is missing, what to rule
/// out), every line, and every condition, drug record, observation and procedure, as refract
/// reads them. Returns the source's flags.
pub(crate) fn assert_fhir_round_trip(
    dir: &TempDir,
    source: &Path,
    name: &str,
) -> BTreeMap<(String, String), serde_json::Value> {
    let bundle = dir.path().join(format!("{name}.fhir.json"));
    fhir_export(source, &bundle);
    let copy = dir.path().join(format!("{name}.copy.db"));
    refract(&copy).arg("import").arg(&bundle).assert().success();
    assert_eq!(patient_count(&copy), patient_count(source), "{name}");
    // Each patient keeps their care team: the filter finds them in the copy (review OC-7).
    assert_eq!(care_teams(&copy), care_teams(source), "{name}");

    let before = flags_kept(source, source);
    let after = flags_kept(&copy, source);
    let changed: Vec<String> = before
        .keys()
        .chain(after.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter(|key| before.get(*key) != after.get(*key))
        .take(5)
        .map(|key| {
            format!(
                "{key:?}:\n  before {}\n  after  {}",
                before
                    .get(key)
                    .map_or_else(String::new, ToString::to_string),
                after.get(key).map_or_else(String::new, ToString::to_string)
            )
        })
        .collect();
    assert!(
        changed.is_empty(),
        "{name}: flags changed by a FHIR round trip:\n{}",
        changed.join("\n")
    );

    let (source_records, copy_records) = (records_kept(source), records_kept(&copy));
    for (mrn, before) in &source_records {
        let after = &copy_records[mrn];
        for (table, rows) in &before.tables {
            assert!(
                *rows == after.tables[table],
                "{name}: {mrn}'s {table} changed by a FHIR round trip: {}",
                first_differences(rows, &after.tables[table])
            );
        }
        // A rule set the source holds no line of (a demo record the demo gave none) gets the
        // lines refract derives on import; every other line comes back as it was.
        let (copy_lines, derived_anew): (Vec<_>, Vec<_>) = after
            .lines
            .iter()
            .partition(|(ruleset, _)| before.lines.iter().any(|(r, _)| r == ruleset));
        assert!(
            derived_anew
                .iter()
                .all(|(_, line)| line.contains(r#""origin":"derived""#)),
            "{name}: {mrn}: lines for a rule set the source had none of: {derived_anew:#?}"
        );
        let before_lines: Vec<String> = before.lines.iter().map(|l| l.1.clone()).collect();
        let after_lines: Vec<String> = copy_lines.iter().map(|l| l.1.clone()).collect();
        assert!(
            before_lines == after_lines,
            "{name}: {mrn}'s lines changed by a FHIR round trip: {}",
            first_differences(&before_lines, &after_lines)
        );
    }
    before
}

#[test]
fn a_fhir_export_of_the_demo_reads_back_as_the_same_flags_lines_and_record() {
    let dir = TempDir::new().unwrap();
    let mut conditions = std::collections::BTreeSet::new();
    for seed in 1..=3 {
        let db = demo_seeded(&dir, &format!("seed{seed}.db"), 150, seed);
        let flags = assert_fhir_round_trip(&dir, &db, &format!("seed{seed}"));
        conditions.extend(flags.into_keys().map(|(_, condition)| condition));
    }
    // Every rule set is exercised (a rule set the demos never flag would pass unseen).
    let rule_sets: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/rules"))
            .unwrap()
            .filter_map(|entry| {
                let path = entry.unwrap().path();
                (path.extension()? == "toml")
                    .then(|| path.file_stem()?.to_str().map(str::to_owned))?
            })
            .collect();
    for rule_set in rule_sets {
        assert!(
            conditions.contains(&rule_set),
            "no demo patient is flagged for {rule_set}"
        );
    }
}

#[test]
fn a_fhir_export_of_the_synthea_bundles_reads_back_the_same() {
    let Some(synthea) = crate::fhir::synthea::synthea_dir() else {
        return;
    };
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("synthea.db");
    refract(&db).arg("import").arg(&synthea).assert().success();
    assert_fhir_round_trip(&dir, &db, "synthea");
}

/// A file holding what `resources` say, made by `refract import`.
fn imported(dir: &TempDir, name: &str, resources: &[serde_json::Value]) -> PathBuf {
    let file = dir.path().join(format!("{name}.json"));
    crate::fhir::write_json(&file, &crate::fhir::bundle("collection", resources));
    let db = dir.path().join(format!("{name}.db"));
    refract(&db).arg("import").arg(&file).assert().success();
    db
}

/// The resources of `kind` in a FHIR export of `db`.
fn exported(dir: &TempDir, db: &Path, kind: &str) -> Vec<serde_json::Value> {
    let file = dir.path().join("look.fhir.json");
    fhir_export(db, &file);
    let bundle: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["resource"].clone())
        .filter(|resource| resource["resourceType"] == kind)
        .collect()
}

/// The one flag of a one-patient file: (status, label).
fn only_flag(db: &Path) -> (String, String) {
    let flags = flags_kept(db, db);
    assert_eq!(flags.len(), 1, "{flags:#?}");
    let flag = flags.into_values().next().unwrap();
    (
        flag["status"].as_str().unwrap().to_owned(),
        flag["label"].as_str().unwrap().to_owned(),
    )
}

fn mr_patient() -> serde_json::Value {
    crate::fhir::patient("p1", "MRN1", "Doe", "Jane")
}

/// A disease-status assessment (mCODE, LOINC 97509-4) on `day`.
fn disease_status(id: &str, day: &str, code: &str, display: &str) -> serde_json::Value {
    serde_json::json!({
        "resourceType": "Observation", "id": id, "status": "final",
        "subject": {"reference": "urn:uuid:p1"},
        "code": crate::fhir::coding(crate::fhir::LOINC, "97509-4", "Cancer disease status"),
        "effectiveDateTime": day,
        "valueCodeableConcept": crate::fhir::coding(crate::fhir::SNOMED, code, display)
    })
}

#[test]
fn a_drug_given_at_least_until_a_day_comes_back_so_and_is_no_definite_stop() {
    // Synthea's way: an order a month, each stopped, no end date. The renewals make one
    // exposure given at least until the last order, its end not recorded.
    let order = |id: &str, (code, text): (&str, &str), day: &str, mg: u32| {
        serde_json::json!({
            "resourceType": "MedicationRequest", "id": id, "status": "stopped",
            "intent": "order", "subject": {"reference": "urn:uuid:p1"},
            "medicationCodeableConcept": crate::fhir::coding(crate::fhir::RXNORM, code, text),
            "authoredOn": day,
            "dosageInstruction": [{
                "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                "doseAndRate": [{"doseQuantity": {"value": mg, "unit": "mg"}}]
            }]
        })
    };
    let phq = |id: &str, day: &str, score: i64| {
        serde_json::json!({
            "resourceType": "Observation", "id": id, "status": "final",
            "subject": {"reference": "urn:uuid:p1"},
            "code": crate::fhir::coding(crate::fhir::LOINC, "44261-6", "PHQ-9 total score"),
            "effectiveDateTime": day, "valueInteger": score
        })
    };
    let sertraline = ("312940", "sertraline 100 MG Oral Tablet");
    let escitalopram = ("351249", "escitalopram 10 MG Oral Tablet");
    let mut resources = vec![
        mr_patient(),
        crate::fhir::condition(
            "dx",
            "urn:uuid:p1",
            crate::fhir::SNOMED,
            "370143000",
            "Major depressive disorder",
        ),
    ];
    for (n, day) in ["2025-02-01", "2025-03-01", "2025-04-01", "2025-05-01"]
        .iter()
        .enumerate()
    {
        resources.push(order(&format!("s{n}"), sertraline, day, 150));
    }
    for (n, day) in ["2025-07-01", "2025-08-01", "2025-09-01", "2025-10-01"]
        .iter()
        .enumerate()
    {
        resources.push(order(&format!("e{n}"), escitalopram, day, 20));
    }
    for (n, (day, score)) in [
        ("2025-01-20", 22),
        ("2025-04-20", 21),
        ("2025-06-25", 21),
        ("2025-09-20", 21),
        ("2026-09-01", 20),
    ]
    .into_iter()
    .enumerate()
    {
        resources.push(phq(&format!("q{n}"), day, score));
    }
    let dir = TempDir::new().unwrap();
    let db = imported(&dir, "renewals", &resources);
    assert_eq!(only_flag(&db).0, "refractory", "the source's own flag");
    assert_fhir_round_trip(&dir, &db, "renewals");

    // Another reader sees no day the drug stopped: the period is left open, the drug no
    // longer taken; the day it was given until is refract's own.
    for statement in exported(&dir, &db, "MedicationStatement") {
        assert!(statement["effectivePeriod"]["end"].is_null(), "{statement}");
        assert_eq!(statement["status"], "completed", "{statement}");
        assert!(
            statement["extension"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["url"]
                    == "https://refract.dev/fhir/StructureDefinition/given-at-least-until"),
            "{statement}"
        );
    }
}

#[test]
fn stop_reasons_come_back_as_the_same_reasons_and_words() {
    let stopped = |id: &str, text: &str, start: &str, end: &str, why: serde_json::Value| {
        serde_json::json!({
            "resourceType": "MedicationStatement", "id": id, "status": "stopped",
            "subject": {"reference": "urn:uuid:p1"},
            "medicationCodeableConcept": {"text": text},
            "effectivePeriod": {"start": start, "end": end},
            "statusReason": [why]
        })
    };
    let resources = [
        mr_patient(),
        crate::fhir::condition(
            "dx",
            "urn:uuid:p1",
            crate::fhir::SNOMED,
            "404154009",
            "Diffuse large B-cell lymphoma",
        ),
        stopped(
            "m1",
            "R-CHOP",
            "2023-02-01",
            "2023-06-15",
            crate::fhir::reason("271299001", "Disease progression"),
        ),
        stopped(
            "m2",
            "R-ICE",
            "2023-07-01",
            "2023-08-15",
            crate::fhir::reason("407563006", "Treatment not tolerated"),
        ),
        stopped(
            "m3",
            "polatuzumab vedotin",
            "2023-10-15",
            "2023-11-15",
            serde_json::json!({"text": "switched by the GP"}),
        ),
        stopped(
            "m4",
            "glofitamab",
            "2023-12-01",
            "2024-01-15",
            serde_json::json!({"text": "insurance denied"}),
        ),
    ];
    let dir = TempDir::new().unwrap();
    let db = imported(&dir, "stops", &resources);
    assert_eq!(
        only_flag(&db),
        (
            String::from("refractory"),
            String::from("primary refractory LBCL")
        )
    );
    assert_fhir_round_trip(&dir, &db, "stops");
    // The words nobody understood are written as they are.
    let statements = exported(&dir, &db, "MedicationStatement");
    assert!(
        statements
            .iter()
            .any(|s| s["statusReason"][0] == serde_json::json!({"text": "switched by the GP"})),
        "{statements:#?}"
    );
    // Words understood come back as the same reason, with the record's words.
    let denied = statements
        .iter()
        .find(|s| s["medicationCodeableConcept"]["text"] == "glofitamab")
        .unwrap_or_else(|| panic!("{statements:#?}"));
    let reason = &denied["statusReason"][0];
    assert_eq!(reason["text"], "insurance denied", "{denied:#}");
    assert!(
        reason["coding"]
            .as_array()
            .is_some_and(|codings| codings.iter().any(|c| c["code"] == "access")),
        "{denied:#}"
    );
}

#[test]
fn administrations_come_back_with_their_cycles_and_route() {
    // Six cycles of R-CHOP given a dose at a time, three weeks apart, with stable disease at
    // the end: primary refractory (SCHOLAR-1 asks for more than four cycles). Exported as one
    // statement a cycle, each must still say it was a cycle, and how it was given.
    let drugs = [
        ("121191", "rituximab", 375.0),
        ("3002", "cyclophosphamide", 750.0),
        ("3639", "doxorubicin", 50.0),
        ("11202", "vincristine", 1.4),
    ];
    let mut resources = vec![
        mr_patient(),
        crate::fhir::condition(
            "dx",
            "urn:uuid:p1",
            crate::fhir::ICD10,
            "C83.3",
            "Diffuse large B-cell lymphoma",
        ),
        disease_status("ds", "2024-05-20", "359746009", "Stable"),
    ];
    let first = chrono::NaiveDate::from_ymd_opt(2024, 1, 15).unwrap();
    for cycle in 0..6 {
        let day = first + chrono::Duration::days(21 * cycle);
        for (code, name, dose) in drugs {
            resources.push(serde_json::json!({
                "resourceType": "MedicationAdministration",
                "id": format!("{name}-{cycle}"), "status": "completed",
                "subject": {"reference": "urn:uuid:p1"},
                "medicationCodeableConcept": crate::fhir::coding(crate::fhir::RXNORM, code, name),
                "effectiveDateTime": format!("{day}T10:00:00+01:00"),
                "dosage": {"route": {"text": "intravenous"}, "dose": {"value": dose, "unit": "mg/m2"}}
            }));
        }
    }
    let dir = TempDir::new().unwrap();
    let db = imported(&dir, "cycles", &resources);
    assert_eq!(
        only_flag(&db),
        (
            String::from("refractory"),
            String::from("primary refractory LBCL")
        )
    );
    assert_fhir_round_trip(&dir, &db, "cycles");
}

/// Doses given three times a week, twice a week and every other day go out as FHIR says a
/// schedule (the amount of one dose in mg, `timing.repeat` frequency, period and periodUnit),
/// never as a unit UCUM does not know ("mg/2.33d"), and come back as the same daily doses and
/// the same flag: each trial is adequate only at the daily dose its schedule makes.
#[test]
fn doses_a_fraction_of_days_apart_come_back_as_the_same_schedule() {
    let statement = |id: &str, text: &str, (start, end): (&str, &str), mg: u32, repeat| {
        serde_json::json!({
            "resourceType": "MedicationStatement", "id": id, "status": "stopped",
            "subject": {"reference": "urn:uuid:p1"},
            "medicationCodeableConcept": {"text": text},
            "effectivePeriod": {"start": start, "end": end},
            "statusReason": [crate::fhir::reason("266721009", "No response")],
            "dosage": [{
                "timing": {"repeat": repeat},
                "doseAndRate": [{"doseQuantity": {"value": mg, "unit": "mg"}}]
            }]
        })
    };
    let resources = [
        mr_patient(),
        crate::fhir::condition(
            "dx",
            "urn:uuid:p1",
            crate::fhir::SNOMED,
            "370143000",
            "Major depressive disorder",
        ),
        // 150 mg three times a week: 64.3 mg/d, adequate (sertraline 50 mg/d).
        statement(
            "m1",
            "Sertraline 150 MG Oral Tablet",
            ("2026-01-05", "2026-03-30"),
            150,
            serde_json::json!({"frequency": 3, "period": 1, "periodUnit": "wk"}),
        ),
        // 300 mg twice a week: 85.7 mg/d, adequate (venlafaxine 75 mg/d).
        statement(
            "m2",
            "Venlafaxine 150 MG Oral Capsule",
            ("2026-04-06", "2026-06-29"),
            300,
            serde_json::json!({"frequency": 2, "period": 1, "periodUnit": "wk"}),
        ),
        // 40 mg every other day: 20 mg/d, adequate (fluoxetine 20 mg/d).
        statement(
            "m3",
            "Fluoxetine 20 MG Oral Capsule",
            ("2026-07-06", "2026-09-28"),
            40,
            serde_json::json!({"frequency": 1, "period": 2, "periodUnit": "d"}),
        ),
    ];
    let dir = TempDir::new().unwrap();
    let db = imported(&dir, "schedules", &resources);
    assert_eq!(only_flag(&db).0, "refractory", "the source's own flag");
    assert_fhir_round_trip(&dir, &db, "schedules");

    let mut written: Vec<(String, serde_json::Value, serde_json::Value)> =
        exported(&dir, &db, "MedicationStatement")
            .iter()
            .map(|statement| {
                let dosage = &statement["dosage"][0];
                (
                    statement["medicationCodeableConcept"]["text"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                    dosage["doseAndRate"][0]["doseQuantity"].clone(),
                    dosage["timing"]["repeat"].clone(),
                )
            })
            .collect();
    written.sort_by(|a, b| a.0.cmp(&b.0));
    let want = [
        (
            "Fluoxetine 20 MG Oral Capsule",
            serde_json::json!({"value": 40.0, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}),
            serde_json::json!({"frequency": 1, "period": 2, "periodUnit": "d"}),
        ),
        (
            "Sertraline 150 MG Oral Tablet",
            serde_json::json!({"value": 150.0, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}),
            serde_json::json!({"frequency": 3, "period": 1, "periodUnit": "wk"}),
        ),
        (
            "Venlafaxine 150 MG Oral Capsule",
            serde_json::json!({"value": 300.0, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}),
            serde_json::json!({"frequency": 2, "period": 1, "periodUnit": "wk"}),
        ),
    ];
    let want: Vec<(String, serde_json::Value, serde_json::Value)> = want
        .into_iter()
        .map(|(text, quantity, repeat)| (text.to_owned(), quantity, repeat))
        .collect();
    assert_eq!(written, want);
}

/// A weekly dose goes out as R4 says a dose: the amount of one administration in UCUM
/// milligrams and its schedule (`timing.repeat`). A day's total (50 mg twice a day, kept as 100
/// mg/d) is no amount of one administration: it goes out as an amount per day (`rateRatio` 100
/// mg per 1 d) with words saying so, never as one 100 mg dose once a day, a regimen nobody
/// gave; both come back as the same dose and the same flag.
#[test]
fn a_days_total_goes_out_as_an_amount_a_day_never_one_dose_once_a_day() {
    let statement = |id: &str, text: &str, (start, end): (&str, &str), mg: u32, repeat| {
        serde_json::json!({
            "resourceType": "MedicationStatement", "id": id, "status": "stopped",
            "subject": {"reference": "urn:uuid:p1"},
            "medicationCodeableConcept": {"text": text},
            "effectivePeriod": {"start": start, "end": end},
            "statusReason": [crate::fhir::reason("266721009", "No response")],
            "dosage": [{
                "timing": {"repeat": repeat},
                "doseAndRate": [{"doseQuantity": {"value": mg, "unit": "mg"}}]
            }]
        })
    };
    let resources = [
        mr_patient(),
        crate::fhir::condition(
            "dx",
            "urn:uuid:p1",
            crate::fhir::SNOMED,
            "370143000",
            "Major depressive disorder",
        ),
        statement(
            "m1",
            "Sertraline 50 MG Oral Tablet",
            ("2026-01-05", "2026-03-30"),
            50,
            serde_json::json!({"frequency": 2, "period": 1, "periodUnit": "d"}),
        ),
        statement(
            "m2",
            "Fluoxetine 90 MG Delayed Release Oral Capsule",
            ("2026-04-06", "2026-06-29"),
            90,
            serde_json::json!({"frequency": 1, "period": 1, "periodUnit": "wk"}),
        ),
    ];
    let dir = TempDir::new().unwrap();
    let db = imported(&dir, "daily", &resources);
    assert_eq!(only_flag(&db).0, "refractory", "the source's own flag");
    assert_fhir_round_trip(&dir, &db, "daily");
    let statements = exported(&dir, &db, "MedicationStatement");
    let dosage_of = |name: &str| {
        statements
            .iter()
            .find(|statement| {
                statement["medicationCodeableConcept"]["text"]
                    .as_str()
                    .is_some_and(|text| text.starts_with(name))
            })
            .map(|statement| statement["dosage"][0].clone())
            .unwrap()
    };
    let mg = |value: f64| {
        serde_json::json!({
            "value": value, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"
        })
    };
    let weekly = dosage_of("Fluoxetine");
    assert_eq!(weekly["doseAndRate"][0]["doseQuantity"], mg(90.0));
    assert_eq!(
        weekly["timing"]["repeat"],
        serde_json::json!({"frequency": 1, "period": 1, "periodUnit": "wk"})
    );
    let daily = dosage_of("Sertraline");
    assert_eq!(daily["doseAndRate"][0].get("doseQuantity"), None, "{daily}");
    assert_eq!(daily.get("timing"), None, "{daily}");
    assert_eq!(
        daily["doseAndRate"][0]["rateRatio"],
        serde_json::json!({
            "numerator": mg(100.0),
            "denominator": {
                "value": 1.0, "unit": "d", "system": "http://unitsofmeasure.org", "code": "d"
            }
        })
    );
    assert!(
        daily["text"]
            .as_str()
            .is_some_and(|text| text.contains("100 mg a day")),
        "{daily}"
    );
}

#[test]
fn a_procedure_is_known_by_any_of_its_codings_and_exported_with_all_of_them() {
    let statement = |id: &str, text: &str, start: &str, end: &str| {
        serde_json::json!({
            "resourceType": "MedicationStatement", "id": id, "status": "completed",
            "subject": {"reference": "urn:uuid:p1"},
            "medicationCodeableConcept": {"text": text},
            "effectivePeriod": {"start": start, "end": end}
        })
    };
    let transplant = |coding: serde_json::Value| {
        serde_json::json!({
            "resourceType": "Procedure", "id": "tx", "status": "completed",
            "subject": {"reference": "urn:uuid:p1"},
            "code": {"coding": coding},
            "performedDateTime": "2023-09-01"
        })
    };
    let codings = [
        // No display at all: the CPT code (its system as an OID) alone says what it was.
        serde_json::json!([
            {"system": crate::fhir::SNOMED, "code": "1269349006"},
            {"system": "urn:oid:2.16.840.1.113883.6.12", "code": "38241"}
        ]),
        // A vague first display: the other coding's words say it.
        serde_json::json!([
            {"system": crate::fhir::SNOMED, "code": "1269349006", "display": "Transplant procedure"},
            {"system": "https://hospital.example/procedures", "code": "TX-7",
             "display": "Transfusion of Autologous Hematopoietic Stem Cells into Central Vein"}
        ]),
    ];
    for (index, coding) in codings.into_iter().enumerate() {
        let resources = [
            mr_patient(),
            crate::fhir::condition(
                "dx",
                "urn:uuid:p1",
                crate::fhir::ICD10,
                "C83.30",
                "Diffuse large B-cell lymphoma",
            ),
            statement("m1", "R-CHOP", "2022-02-01", "2022-06-15"),
            disease_status("o1", "2022-07-01", "550991000124107", "Full remission"),
            disease_status("o2", "2023-05-01", "271299001", "Worsened"),
            statement("m2", "R-ICE", "2023-05-10", "2023-07-15"),
            disease_status("o3", "2023-08-01", "551001000124108", "Partial remission"),
            transplant(coding.clone()),
            disease_status("o4", "2024-03-01", "271299001", "Worsened"),
        ];
        let dir = TempDir::new().unwrap();
        let name = format!("codings-{index}");
        let db = imported(&dir, &name, &resources);
        assert_eq!(
            only_flag(&db),
            (
                String::from("refractory"),
                String::from("refractory LBCL: relapse within 12 months of autologous transplant")
            ),
            "{coding}"
        );
        assert_fhir_round_trip(&dir, &db, &name);
        let procedures = exported(&dir, &db, "Procedure");
        assert_eq!(procedures.len(), 1, "{procedures:#?}");
        let written: Vec<(String, String)> = procedures[0]["code"]["coding"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["system"].as_str().unwrap().to_owned(),
                    c["code"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let given: Vec<(String, String)> = coding
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    refract::domain::canonical_system(c["system"].as_str().unwrap()).to_owned(),
                    c["code"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(written, given, "{:#}", procedures[0]);
    }
}

/// A diagnosis coded in SNOMED CT, ICD-10-CM and a hospital's own codes is one concept said
/// three ways: a FHIR export writes every coding back (each with its system and display, the
/// words as text), and the copy reads the same diagnosis, codings and flag; its own export
/// again writes the same codings.
#[test]
fn a_condition_keeps_every_coding_through_an_export_and_back() {
    let statement = |id: &str, text: &str, start: &str, end: &str| {
        serde_json::json!({
            "resourceType": "MedicationStatement", "id": id, "status": "stopped",
            "subject": {"reference": "urn:uuid:p1"},
            "medicationCodeableConcept": {"text": text},
            "effectivePeriod": {"start": start, "end": end},
            "statusReason": [crate::fhir::reason("266721009", "No response to treatment")]
        })
    };
    let codings = serde_json::json!([
        {"system": crate::fhir::SNOMED, "code": "370143000", "display": "Major depressive disorder"},
        {"system": "urn:oid:2.16.840.1.113883.6.90", "code": "F32.9",
         "display": "Major depressive disorder, single episode, unspecified"},
        {"system": "https://hospital.example/diagnoses", "code": "PSY-12"}
    ]);
    let diagnosis = serde_json::json!({
        "resourceType": "Condition", "id": "dx",
        "subject": {"reference": "urn:uuid:p1"},
        "clinicalStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"
        }]},
        "code": {"coding": codings, "text": "Major depression"},
        "onsetDateTime": "2023-01-10"
    });
    let resources = [
        mr_patient(),
        diagnosis,
        statement("m1", "Sertraline 100 mg daily", "2023-02-01", "2023-04-15"),
        statement("m2", "Venlafaxine 150 mg daily", "2023-05-01", "2023-08-01"),
    ];
    let dir = TempDir::new().unwrap();
    let db = imported(&dir, "condition-codings", &resources);
    let flags = assert_fhir_round_trip(&dir, &db, "condition-codings");
    assert_eq!(
        flags.into_keys().map(|(_, set)| set).collect::<Vec<_>>(),
        ["depression"]
    );

    let written = |db: &Path| -> Vec<(String, String, String)> {
        let conditions = exported(&dir, db, "Condition");
        assert_eq!(conditions.len(), 1, "{conditions:#?}");
        assert_eq!(conditions[0]["code"]["text"], "Major depression");
        conditions[0]["code"]["coding"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let text = |key: &str| c[key].as_str().unwrap_or_default().to_owned();
                (text("system"), text("code"), text("display"))
            })
            .collect()
    };
    let given: Vec<(String, String, String)> = codings
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let text = |key: &str| c[key].as_str().unwrap_or_default().to_owned();
            (
                refract::domain::canonical_system(&text("system")).to_owned(),
                text("code"),
                text("display"),
            )
        })
        .collect();
    let sorted = |mut list: Vec<(String, String, String)>| {
        list.sort();
        list
    };
    assert_eq!(sorted(written(&db)), sorted(given.clone()));
    let copy = dir.path().join("condition-codings.copy.db");
    assert_eq!(sorted(written(&copy)), sorted(given));
}

#[test]
fn a_fhir_export_imported_says_the_teams_work_is_not_read_back_and_what_carries_it() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir, 50);
    let bundle = dir.path().join("bundle.json");
    fhir_export(&db, &bundle);
    let copy = dir.path().join("copy.db");
    let output = refract(&copy).arg("import").arg(&bundle).output().unwrap();
    assert!(output.status.success());
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        said.contains("CarePlan (refract's team work)"),
        "the way forward counted apart: {said}"
    );
    assert!(
        said.contains(
            "is not read back: move it between files with `refract export --format json`"
        ),
        "{said}"
    );

    // Another system's CarePlans and Tasks are only skipped, with no word about refract's.
    let other = dir.path().join("other.json");
    std::fs::write(
        &other,
        serde_json::json!({
            "resourceType": "Bundle", "type": "collection",
            "entry": [
                {"resource": {"resourceType": "Patient", "id": "p1",
                              "identifier": [{"system": "urn:x", "value": "X1"}]}},
                {"resource": {"resourceType": "CarePlan", "id": "c1", "status": "active",
                              "intent": "plan", "subject": {"reference": "Patient/p1"}}},
                {"resource": {"resourceType": "Task", "id": "t1", "status": "requested",
                              "intent": "order", "for": {"reference": "Patient/p1"}}}
            ]
        })
        .to_string(),
    )
    .unwrap();
    let fresh = dir.path().join("fresh.db");
    let output = refract(&fresh).arg("import").arg(&other).output().unwrap();
    assert!(output.status.success());
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        said.contains("skipped (not used by refract): CarePlan 1, Task 1"),
        "{said}"
    );
    assert!(
        !said.contains("team work") && !said.contains("is not read back"),
        "{said}"
    );
}

/// Ward doses of a drug taken at home (review R1-3): the home statement `active` since June,
/// ten doses given on the ward in February. The doses are one course of doses given, no word
/// that the home drug stopped: exported as a statement `completed` and read back as one, they
/// cut the home drug to its first day and made a second line. Read back, the copy keeps the
/// home drug ongoing and the same lines.
#[test]
fn ward_doses_of_a_home_drug_come_back_without_stopping_it() {
    let levetiracetam = crate::fhir::coding(crate::fhir::RXNORM, "114477", "levetiracetam");
    let mut resources = vec![
        mr_patient(),
        crate::fhir::condition(
            "dx",
            "urn:uuid:p1",
            crate::fhir::SNOMED,
            "84757009",
            "Epilepsy",
        ),
        serde_json::json!({
            "resourceType": "MedicationStatement", "id": "home", "status": "active",
            "subject": {"reference": "urn:uuid:p1"},
            "medicationCodeableConcept": levetiracetam,
            "effectivePeriod": {"start": "2025-06-01"}, "dateAsserted": "2026-02-01",
            "dosage": [{
                "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
                "doseAndRate": [{"doseQuantity": {"value": 750, "unit": "mg"}}]
            }]
        }),
    ];
    for dose in 0..10 {
        let hour = if dose % 2 == 0 { "08" } else { "20" };
        resources.push(serde_json::json!({
            "resourceType": "MedicationAdministration", "id": format!("a{dose}"),
            "status": "completed", "subject": {"reference": "urn:uuid:p1"},
            "medicationCodeableConcept": levetiracetam,
            "effectiveDateTime": format!("2026-02-{:02}T{hour}:00:00Z", 1 + dose / 2),
            "dosage": {"route": {"text": "Oral route"}, "dose": {"value": 500, "unit": "mg"}}
        }));
    }
    let dir = TempDir::new().unwrap();
    let db = imported(&dir, "ward", &resources);
    assert_fhir_round_trip(&dir, &db, "ward");
}

/// A five-day ward order of a drug taken at home (review R1-3, the order's part): the home
/// statement `active` since June, a MedicationRequest `completed` over five days of February (no
/// count of doses) and the ten doses given on it. A request `completed` is the natural end of
/// that order, no word that the drug stopped: exported as a statement `completed`, which says
/// the drug is no longer taken, it cut the home drug and made a second line in the copy. Read
/// back, the copy keeps the home drug ongoing and the same courses and lines.
#[test]
fn a_completed_ward_order_of_a_home_drug_comes_back_without_stopping_it() {
    let levetiracetam = crate::fhir::coding(crate::fhir::RXNORM, "114477", "levetiracetam");
    let mut resources = vec![
        mr_patient(),
        crate::fhir::condition(
            "dx",
            "urn:uuid:p1",
            crate::fhir::SNOMED,
            "84757009",
            "Epilepsy",
        ),
        home_levetiracetam(),
        serde_json::json!({
            "resourceType": "MedicationRequest", "id": "ward", "status": "completed",
            "intent": "order", "subject": {"reference": "urn:uuid:p1"},
            "medicationCodeableConcept": levetiracetam,
            "authoredOn": "2026-02-01T08:00:00Z",
            "dosageInstruction": [{
                "timing": {"repeat": {
                    "frequency": 2, "period": 1, "periodUnit": "d",
                    "boundsPeriod": {"start": "2026-02-01T08:00:00Z", "end": "2026-02-05T20:00:00Z"}
                }},
                "doseAndRate": [{"doseQuantity": {"value": 500, "unit": "mg"}}]
            }]
        }),
    ];
    for dose in 0..10 {
        let hour = if dose % 2 == 0 { "08" } else { "20" };
        resources.push(serde_json::json!({
            "resourceType": "MedicationAdministration", "id": format!("a{dose}"),
            "status": "completed", "subject": {"reference": "urn:uuid:p1"},
            "medicationCodeableConcept": levetiracetam,
            "request": {"reference": "MedicationRequest/ward"},
            "effectiveDateTime": format!("2026-02-{:02}T{hour}:00:00Z", 1 + dose / 2),
            "dosage": {"route": {"text": "Oral route"}, "dose": {"value": 500, "unit": "mg"}}
        }));
    }
    let dir = TempDir::new().unwrap();
    let db = imported(&dir, "order", &resources);
    let ongoing = "SELECT start FROM drug_exposures WHERE end IS NULL";
    assert_eq!(text_rows(&db, ongoing), [["2025-06-01 00:00:00"]]);
    assert_fhir_round_trip(&dir, &db, "order");
    assert_eq!(
        text_rows(&dir.path().join("order.copy.db"), ongoing),
        [["2025-06-01 00:00:00"]],
        "the home drug is still taken in the copy"
    );
}

/// A statement `completed` of a drug taken at home (review R1-3, what must stay): "no longer
/// being taken" is a stop, and cuts the home drug in the file the export is read into as in the
/// file it came from.
#[test]
fn a_statement_that_the_drug_stopped_still_stops_it_after_a_round_trip() {
    let resources = vec![
        mr_patient(),
        crate::fhir::condition(
            "dx",
            "urn:uuid:p1",
            crate::fhir::SNOMED,
            "84757009",
            "Epilepsy",
        ),
        home_levetiracetam(),
        serde_json::json!({
            "resourceType": "MedicationStatement", "id": "stop", "status": "completed",
            "subject": {"reference": "urn:uuid:p1"},
            "medicationCodeableConcept":
                crate::fhir::coding(crate::fhir::RXNORM, "114477", "levetiracetam"),
            "effectivePeriod": {"start": "2026-02-01", "end": "2026-02-05"},
            "dateAsserted": "2026-02-06",
            "dosage": [{
                "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
                "doseAndRate": [{"doseQuantity": {"value": 500, "unit": "mg"}}]
            }]
        }),
    ];
    let dir = TempDir::new().unwrap();
    let db = imported(&dir, "stop", &resources);
    let ongoing = "SELECT count(*) FROM drug_exposures WHERE end IS NULL";
    assert_eq!(
        text_rows(&db, ongoing),
        [["0"]],
        "the statement stops the home drug"
    );
    assert_fhir_round_trip(&dir, &db, "stop");
    assert_eq!(
        text_rows(&dir.path().join("stop.copy.db"), ongoing),
        [["0"]],
        "it still does in the copy"
    );
}

/// Drug records stored before refract kept whether their source said the drug stopped (a file
/// of schema 38, a document with no `said_stopped`) are read as said stopped: exported as every
/// ended record was until then, until their files are imported again.
#[test]
fn drug_records_stored_before_it_was_kept_are_exported_as_they_were() {
    let resources = vec![
        mr_patient(),
        home_levetiracetam(),
        serde_json::json!({
            "resourceType": "MedicationRequest", "id": "ward", "status": "completed",
            "intent": "order", "subject": {"reference": "urn:uuid:p1"},
            "medicationCodeableConcept":
                crate::fhir::coding(crate::fhir::RXNORM, "114477", "levetiracetam"),
            "authoredOn": "2026-02-01",
            "dosageInstruction": [{
                "timing": {"repeat": {
                    "frequency": 2, "period": 1, "periodUnit": "d",
                    "boundsPeriod": {"start": "2026-02-01", "end": "2026-02-05"}
                }},
                "doseAndRate": [{"doseQuantity": {"value": 500, "unit": "mg"}}]
            }]
        }),
    ];
    let given_as = |dir: &TempDir, db: &Path| -> Vec<String> {
        exported(dir, db, "MedicationStatement")
            .iter()
            .filter(|statement| statement["status"] == "completed")
            .map(|statement| {
                statement["extension"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|e| e["url"].as_str().is_some_and(|u| u.ends_with("/given-as")))
                    .map_or_else(|| String::from("-"), |e| e["valueCode"].to_string())
            })
            .collect()
    };
    let dir = TempDir::new().unwrap();
    let db = imported(&dir, "kept", &resources);
    assert_eq!(given_as(&dir, &db), [r#""course""#]);

    // A document written before: its drug rows carry no `said_stopped`.
    let document = dir.path().join("kept.json");
    json_export(&db, &document, &[]);
    let mut older: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&document).unwrap()).unwrap();
    for exposure in older["patients"][0]["exposures"].as_array_mut().unwrap() {
        assert!(
            exposure
                .as_object_mut()
                .unwrap()
                .remove("said_stopped")
                .is_some()
        );
    }
    let older_document = dir.path().join("older.json");
    std::fs::write(&older_document, older.to_string()).unwrap();
    let restored = dir.path().join("restored.db");
    refract(&restored)
        .arg("import")
        .arg(&older_document)
        .assert()
        .success();
    assert_eq!(given_as(&dir, &restored), ["-"]);

    // A file of schema 40 (before migration 0041).
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "ALTER TABLE drug_exposures DROP COLUMN said_stopped;
             ALTER TABLE observations DROP COLUMN since_precision;
             ALTER TABLE conditions DROP COLUMN recorded_precision;
             DROP TABLE alive_reports;
             DROP TABLE import_batches;
             ALTER TABLE imports DROP COLUMN batch_id;
             ALTER TABLE procedures DROP COLUMN indications;
             ALTER TABLE observations DROP COLUMN focus;
             ALTER TABLE fhir_resources DROP COLUMN current_until;
             DROP TABLE removed_resources;
             DROP TABLE kept_aside;
             ALTER TABLE observations DROP COLUMN value_words;
             ALTER TABLE meeting_cases DROP COLUMN discussed_mrn;
             ALTER TABLE meeting_cases DROP COLUMN discussed_family_name;
             ALTER TABLE meeting_cases DROP COLUMN discussed_given_name;
             ALTER TABLE meeting_cases DROP COLUMN discussed_sex;
             ALTER TABLE meeting_cases DROP COLUMN discussed_birth_date;
             ALTER TABLE patient_identifiers DROP COLUMN record;
             DROP TABLE drug_reactions;
             ALTER TABLE drug_exposures DROP COLUMN dose_from;
             ALTER TABLE observations DROP COLUMN reference_ranges;
             DROP TABLE claimed_patient_ids;
             ALTER TABLE fhir_resources DROP COLUMN carried;
             ALTER TABLE patients DROP COLUMN deceased_in;
             ALTER TABLE observations DROP COLUMN interpretation;
             PRAGMA user_version = 40;",
        )
        .unwrap();
    }
    refract(&db).arg("check").assert().success();
    assert_eq!(given_as(&dir, &db), ["-"]);
}

/// Levetiracetam 750 mg twice a day taken at home since June 2025, as stated on 1 February 2026.
fn home_levetiracetam() -> serde_json::Value {
    serde_json::json!({
        "resourceType": "MedicationStatement", "id": "home", "status": "active",
        "subject": {"reference": "urn:uuid:p1"},
        "medicationCodeableConcept":
            crate::fhir::coding(crate::fhir::RXNORM, "114477", "levetiracetam"),
        "effectivePeriod": {"start": "2025-06-01"}, "dateAsserted": "2026-02-01",
        "dosage": [{
            "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [{"doseQuantity": {"value": 750, "unit": "mg"}}]
        }]
    })
}

/// Pharmacy fills of a drug beside an open statement of it (review R1-3, the same fault for
/// fills): fills are what the patient had in hand, no word that the drug stopped; read back
/// from the export they must not cut the open statement either.
#[test]
fn fills_of_a_drug_taken_come_back_without_stopping_it() {
    let lamotrigine = crate::fhir::coding(crate::fhir::RXNORM, "28439", "lamotrigine");
    let resources = vec![
        mr_patient(),
        crate::fhir::condition(
            "dx",
            "urn:uuid:p1",
            crate::fhir::SNOMED,
            "84757009",
            "Epilepsy",
        ),
        serde_json::json!({
            "resourceType": "MedicationStatement", "id": "home", "status": "active",
            "subject": {"reference": "urn:uuid:p1"},
            "medicationCodeableConcept": lamotrigine,
            "effectivePeriod": {"start": "2025-01-01"}, "dateAsserted": "2025-01-01",
            "dosage": [{
                "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
                "doseAndRate": [{"doseQuantity": {"value": 100, "unit": "mg"}}]
            }]
        }),
        serde_json::json!({
            "resourceType": "MedicationDispense", "id": "fill", "status": "completed",
            "subject": {"reference": "urn:uuid:p1"},
            "medicationCodeableConcept": lamotrigine,
            "whenHandedOver": "2025-09-01", "daysSupply": {"value": 30, "unit": "d"},
            "quantity": {"value": 60, "unit": "tablet"}
        }),
    ];
    let dir = TempDir::new().unwrap();
    let db = imported(&dir, "fills", &resources);
    assert_fhir_round_trip(&dir, &db, "fills");
}

/// A dose by body weight on a schedule (review R1-6): 20 mg/kg twice a day was kept as "20
/// mg/kg" and exported with no timing, the frequency lost. It is 40 mg/kg a day, shown so, and
/// the export says it as a day's total by weight, which reads back as the same dose.
#[test]
fn a_dose_by_weight_keeps_its_frequency_through_an_export() {
    let resources = vec![
        mr_patient(),
        crate::fhir::condition(
            "dx",
            "urn:uuid:p1",
            crate::fhir::SNOMED,
            "84757009",
            "Epilepsy",
        ),
        serde_json::json!({
            "resourceType": "MedicationRequest", "id": "lev", "status": "active",
            "intent": "order", "subject": {"reference": "urn:uuid:p1"},
            "medicationCodeableConcept":
                crate::fhir::coding(crate::fhir::RXNORM, "114477", "levetiracetam"),
            "authoredOn": "2025-06-01",
            "dosageInstruction": [{
                "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
                "doseAndRate": [{"doseQuantity": {
                    "value": 20, "unit": "mg/kg",
                    "system": "http://unitsofmeasure.org", "code": "mg/kg"
                }}]
            }]
        }),
    ];
    let dir = TempDir::new().unwrap();
    let db = imported(&dir, "by_weight", &resources);
    let dose = text_rows(
        &db,
        "SELECT dose_value || ' ' || dose_unit FROM drug_exposures",
    );
    assert_eq!(dose, [["40.0 mg/kg/d"]]);
    let written = exported(&dir, &db, "MedicationStatement");
    let rate = &written[0]["dosage"][0]["doseAndRate"][0]["rateRatio"];
    assert_eq!(rate["numerator"]["value"], 40.0, "{written:#?}");
    assert_eq!(rate["numerator"]["unit"], "mg/kg", "{written:#?}");
    assert_eq!(rate["denominator"]["unit"], "d", "{written:#?}");
    assert_fhir_round_trip(&dir, &db, "by_weight");
}

/// Records that say the drug stopped, or the condition ended, but give no day it did (review:
/// fix-trust 1): a statement `stopped` or `completed` with a start alone, a day asserted alone or
/// one date; an order `stopped` or `on-hold` with its day written alone. refract keeps such a
/// drug as given at least until the last day known, never as given now (an open end is a drug
/// still given: `DrugExposure::ongoing`), so the export writes `completed`/`stopped` with the
/// period left open and the day known said apart; a condition `resolved`, `inactive` or in
/// `remission` with no abatement keeps its status. Both exports read back as the same records,
/// and no drug the patient stopped comes back as current.
#[test]
fn records_that_stopped_on_a_day_not_recorded_come_back_stopped() {
    let levetiracetam = crate::fhir::coding(crate::fhir::RXNORM, "114477", "levetiracetam");
    let lamotrigine = crate::fhir::coding(crate::fhir::RXNORM, "28439", "lamotrigine");
    let daily = serde_json::json!([{
        "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
        "doseAndRate": [{"doseQuantity": {"value": 500, "unit": "mg"}}]
    }]);
    let statement = |id: &str, status: &str, drug: &serde_json::Value, when: serde_json::Value| {
        let mut resource = serde_json::json!({
            "resourceType": "MedicationStatement", "id": id, "status": status,
            "subject": {"reference": "urn:uuid:p1"}, "medicationCodeableConcept": drug,
        });
        resource
            .as_object_mut()
            .unwrap()
            .extend(when.as_object().unwrap().clone());
        resource
    };
    let order = |id: &str, status: &str, drug: &serde_json::Value, day: &str| {
        serde_json::json!({
            "resourceType": "MedicationRequest", "id": id, "status": status, "intent": "order",
            "subject": {"reference": "urn:uuid:p1"}, "medicationCodeableConcept": drug,
            "authoredOn": day, "dosageInstruction": daily
        })
    };
    let condition = |id: &str, code: &str, words: &str, status: &str| {
        let mut resource =
            crate::fhir::condition(id, "urn:uuid:p1", crate::fhir::SNOMED, code, words);
        resource["clinicalStatus"] = crate::fhir::coding(
            "http://terminology.hl7.org/CodeSystem/condition-clinical",
            status,
            status,
        );
        resource
    };
    let resources = vec![
        mr_patient(),
        crate::fhir::condition(
            "dx",
            "urn:uuid:p1",
            crate::fhir::SNOMED,
            "84757009",
            "Epilepsy",
        ),
        statement(
            "s1",
            "stopped",
            &levetiracetam,
            serde_json::json!({"effectivePeriod": {"start": "2024-01-10"}}),
        ),
        statement(
            "s2",
            "completed",
            &lamotrigine,
            serde_json::json!({"effectivePeriod": {"start": "2024-03-01"},
                               "dateAsserted": "2024-09-01"}),
        ),
        statement(
            "s3",
            "stopped",
            &levetiracetam,
            serde_json::json!({"dateAsserted": "2024-12-01"}),
        ),
        statement(
            "s4",
            "completed",
            &lamotrigine,
            serde_json::json!({"effectiveDateTime": "2023-02-01"}),
        ),
        order("o1", "stopped", &levetiracetam, "2025-04-01"),
        order("o2", "on-hold", &lamotrigine, "2025-06-01"),
        condition("c1", "195967001", "Asthma", "resolved"),
        condition("c2", "35489007", "Depressive disorder", "remission"),
        condition("c3", "38341003", "Hypertension", "inactive"),
    ];
    let dir = TempDir::new().unwrap();
    let db = imported(&dir, "stopped", &resources);
    let given_now = "SELECT count(*) FROM drug_exposures WHERE end IS NULL";
    assert_eq!(text_rows(&db, given_now), [["0"]], "none is given now");
    assert_eq!(
        text_rows(
            &db,
            "SELECT count(*) FROM drug_exposures WHERE said_stopped = 1"
        ),
        [["6"]],
        "each says the drug stopped"
    );
    for statement in exported(&dir, &db, "MedicationStatement") {
        assert_ne!(statement["status"], "active", "{statement}");
    }
    assert_fhir_round_trip(&dir, &db, "stopped");
    let copy = dir.path().join("stopped.copy.db");
    assert_eq!(
        text_rows(&copy, given_now),
        [["0"]],
        "none is given now in the copy"
    );

    // refract's own JSON keeps them as they are.
    let document = dir.path().join("stopped.refract.json");
    json_export(&db, &document, &[]);
    let restored = dir.path().join("stopped.restored.db");
    refract(&restored)
        .arg("import")
        .arg(&document)
        .assert()
        .success();
    let (before, after) = (records_kept(&db), records_kept(&restored));
    for (mrn, kept) in &before {
        assert_eq!(kept.tables, after[mrn].tables, "{mrn}");
    }
    assert_eq!(text_rows(&restored, given_now), [["0"]]);
}
