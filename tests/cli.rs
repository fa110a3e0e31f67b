//! The command line as a user meets it: exit codes, stdout carrying only the result, one-line
//! errors on stderr.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use assert_cmd::Command;
use tempfile::TempDir;

fn refract() -> Command {
    let mut cmd = Command::cargo_bin("refract").unwrap();
    cmd.env_remove("REFRACT_DB").env("USER", "cli-test");
    cmd
}

/// A small demo database, built once per test that needs it.
fn demo(dir: &TempDir, patients: u32) -> std::path::PathBuf {
    let path = dir.path().join("demo.db");
    refract()
        .args(["--db"])
        .arg(&path)
        .args([
            "demo",
            "--patients",
            &patients.to_string(),
            "--seed",
            "3",
            "--no-open",
            "--today",
            "2026-11-27",
        ])
        .assert()
        .success();
    path
}

fn stdout_of(cmd: &mut Command) -> String {
    let output = cmd.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn demo_then_patients_json_lists_every_patient() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir, 120);
    let out = stdout_of(refract().arg("--db").arg(&db).args(["patients", "--json"]));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(rows.len(), 120);
    let names: Vec<&str> = rows.iter().map(|r| r["name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    // Name order is by the folded name (accents and case aside: Émond among the Es).
    sorted.sort_by_key(|n| refract::store::fold_for_search(n));
    assert_eq!(names, sorted, "patients come in name order");
    assert!(
        rows.iter()
            .all(|r| r["mrn"].as_str().unwrap().starts_with("RF-"))
    );
}

#[test]
fn patients_search_matches_name_and_mrn_prefixes() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir, 60);
    let out = stdout_of(refract().arg("--db").arg(&db).args([
        "patients",
        "--json",
        "--search",
        "rf-000001",
    ]));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    // RF-0000010…RF-0000019 (RF-0000001 has one more zero).
    assert_eq!(rows.len(), 10);
    let family = rows[0]["family_name"].as_str().unwrap().to_owned();
    let out = stdout_of(refract().arg("--db").arg(&db).args([
        "patients",
        "--json",
        "--search",
        &family.to_uppercase(),
    ]));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert!(rows.iter().all(|r| {
        r["family_name"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .starts_with(&family.to_lowercase())
    }));
}

/// Names written with accents and letters of their own are found by how a person types them
/// (with or without the accents, in either case) and sorted with their base letters.
#[test]
fn patients_search_finds_accented_names_as_typed_and_sorts_them_with_their_letter() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("accents.db");
    let file = dir.path().join("patients.ndjson");
    let patients = [
        ("p1", "Müller", "Émile"),
        ("p2", "Øberg", "Søren"),
        ("p3", "Zhang", "Wei"),
        ("p4", "Émond", "Zoë"),
        ("p5", "Abbott", "Łucja"),
    ];
    let lines: Vec<String> = patients
        .iter()
        .map(|(id, family, given)| {
            serde_json::json!({
                "resourceType": "Patient", "id": id,
                "name": [{"family": family, "given": [given]}],
                "gender": "female", "birthDate": "1970-01-01"
            })
            .to_string()
        })
        .collect();
    std::fs::write(&file, lines.join("\n")).unwrap();
    refract()
        .arg("--db")
        .arg(&db)
        .arg("import")
        .arg(&file)
        .assert()
        .success();
    let found = |search: &str| families_found(&db, search);
    for (search, family) in [
        ("Émile", "Müller"),
        ("émile", "Müller"),
        ("emile", "Müller"),
        ("EMILE", "Müller"),
        ("muller", "Müller"),
        ("MÜLLER", "Müller"),
        ("soren", "Øberg"),
        ("oberg", "Øberg"),
        ("zoe", "Émond"),
        ("emond", "Émond"),
        ("lucja", "Abbott"),
    ] {
        assert_eq!(found(search), [family], "searching {search:?}");
    }
    // "e" starts Émile (a given name) and Émond (a family name).
    assert_eq!(found("e"), ["Émond", "Müller"]);
    // An accent typed alone is no prefix of every name.
    assert!(found("\u{301}").is_empty());
    let out = stdout_of(refract().arg("--db").arg(&db).args(["patients", "--json"]));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let order: Vec<&str> = rows
        .iter()
        .map(|r| r["family_name"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["Abbott", "Émond", "Müller", "Øberg", "Zhang"]);
}

#[test]
fn show_prints_one_patient_and_json_round_trips() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir, 30);
    let text = stdout_of(refract().arg("--db").arg(&db).args(["show", "RF-0000001"]));
    assert!(text.contains("RF-0000001"));
    assert!(text.contains("Treatment lines"));
    let json = stdout_of(
        refract()
            .arg("--db")
            .arg(&db)
            .args(["show", "RF-0000001", "--json"]),
    );
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["patient"]["mrn"], "RF-0000001");
    assert!(!value["exposures"].as_array().unwrap().is_empty());
}

#[test]
fn unknown_mrn_is_exit_1_with_one_line() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir, 5);
    let output = refract()
        .arg("--db")
        .arg(&db)
        .args(["show", "XX-404"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr, "refract: no patient with MRN XX-404\n");
}

#[test]
fn usage_errors_are_exit_2() {
    let output = refract()
        .args(["patients", "--no-such-flag"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = refract().args(["frobnicate"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn bad_database_paths_are_one_line_errors_and_change_nothing() {
    let dir = TempDir::new().unwrap();
    let text_file = dir.path().join("notes.txt");
    std::fs::write(&text_file, "not a database").unwrap();
    let cases: Vec<(std::path::PathBuf, &str)> = vec![
        (text_file.clone(), "is not an SQLite database"),
        (dir.path().to_path_buf(), "is a directory"),
        (dir.path().join("absent.db"), "does not exist"),
    ];
    for (path, expected) in cases {
        let output = refract()
            .arg("--db")
            .arg(&path)
            .arg("check")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{}", path.display());
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains(expected), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(!stderr.contains("panicked"));
    }
    assert_eq!(
        std::fs::read_to_string(&text_file).unwrap(),
        "not a database"
    );
    assert!(!dir.path().join("absent.db").exists());
}

#[cfg(unix)]
#[test]
fn a_read_only_location_is_a_one_line_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new().unwrap();
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o500)).unwrap();
    // Root ignores permissions; the check only means something for other users.
    if std::fs::write(locked.join("probe"), "x").is_ok() {
        return;
    }
    let output = refract()
        .arg("--db")
        .arg(locked.join("refract.db"))
        .args(["demo", "--patients", "3", "--no-open"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.lines().last().unwrap().contains("Permission denied"),
        "{stderr}"
    );
}

#[test]
fn check_reports_a_sound_file() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir, 10);
    let out = stdout_of(refract().arg("--db").arg(&db).arg("check"));
    assert!(out.contains("integrity: ok"), "{out}");
    assert!(out.contains("foreign keys: ok"), "{out}");
    assert!(out.contains("patients: 10"), "{out}");
}

#[test]
fn demo_is_deterministic_for_a_seed() {
    let dir = TempDir::new().unwrap();
    let dump = |name: &str| {
        let path = dir.path().join(name);
        refract()
            .arg("--db")
            .arg(&path)
            .args([
                "demo",
                "--patients",
                "80",
                "--seed",
                "11",
                "--no-open",
                "--today",
                "2026-11-27",
            ])
            .assert()
            .success();
        let conn = rusqlite::Connection::open(&path).unwrap();
        let mut out = String::new();
        for table in [
            "patients",
            "conditions",
            "drug_exposures",
            "treatment_lines",
            "line_drugs",
            "observations",
            "procedures",
            "assessments",
            "reviews",
            "audit_log",
            "list_counts",
        ] {
            let mut stmt = conn
                .prepare(&format!("SELECT * FROM {table} ORDER BY 1, 2"))
                .unwrap();
            let columns = stmt.column_count();
            let rows = stmt
                .query_map([], |row| {
                    Ok((0..columns)
                        .map(|i| format!("{:?}", row.get::<_, rusqlite::types::Value>(i).unwrap()))
                        .collect::<Vec<_>>()
                        .join("|"))
                })
                .unwrap();
            for row in rows {
                out.push_str(&row.unwrap());
                out.push('\n');
            }
        }
        out
    };
    let first = dump("a.db");
    let second = dump("b.db");
    assert!(first.len() > 10_000);
    assert_eq!(first, second);
}

#[test]
fn demo_refuses_to_overwrite_a_real_database() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir, 5);
    // Make it look like real data: drop the demo marker.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("DELETE FROM meta", [])
        .unwrap();
    let output = refract()
        .arg("--db")
        .arg(&db)
        .args(["demo", "--patients", "7", "--no-open"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("refusing to overwrite")
    );
}

#[test]
fn check_names_the_row_and_column_of_a_value_refract_cannot_read() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir, 20);
    // Damage SQLite's integrity check cannot see: a flipped byte inside a name (no longer
    // UTF-8), a date that is no date, a coded value no refract wrote.
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute(
            "UPDATE patients SET family_name = CAST(x'4fff6b61666f72' AS TEXT) WHERE id = 3",
            [],
        )
        .unwrap();
        conn.execute(
            "UPDATE conditions SET onset = '2021-13-45' WHERE id = 2",
            [],
        )
        .unwrap();
        conn.execute("UPDATE patients SET sex = 'alien' WHERE id = 5", [])
            .unwrap();
    }
    let output = refract()
        .arg("--db")
        .arg(&db)
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stdout.contains("integrity: ok"), "{stdout}");
    for want in [
        "patients (rowid 3) column family_name: not UTF-8",
        "conditions (rowid 2) column onset: '2021-13-45' is not a date",
        "patients (rowid 5) column sex: 'alien' is not a value refract knows",
    ] {
        assert!(stdout.contains(want), "{want} not in:\n{stdout}");
    }
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("conditions (rowid 2) column onset"),
        "{stderr}"
    );
    // The command that fails on the damage points at check.
    let output = refract()
        .arg("--db")
        .arg(&db)
        .args(["patients", "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("refract check"), "{stderr}");
}

#[test]
fn show_accepts_a_unique_mrn_prefix_as_the_screens_cut_it() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir, 30);
    // An imported MRN is often a UUID, longer than the list's column.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "UPDATE patients SET mrn = '641f6ec3-9c2d-4e8a-b7f1-0c55d2a9e6b1' WHERE mrn = 'RF-0000007'",
        [],
    )
    .unwrap();
    drop(conn);
    let full = stdout_of(
        refract()
            .arg("--db")
            .arg(&db)
            .args(["show", "641f6ec3-9c2d-4e8a-b7f1-0c55d2a9e6b1"]),
    );
    for prefix in ["641f6ec3-9c…", "641F6EC3-9…", "641f6ec3-9c2d..."] {
        let out = stdout_of(refract().arg("--db").arg(&db).args(["show", prefix]));
        assert_eq!(out, full, "{prefix}");
    }
    // Without the ellipsis a number names only the patient it is (review R10-1: `show 12345`
    // printed the record of 123456): refused, naming the MRN it starts.
    let output = refract()
        .arg("--db")
        .arg(&db)
        .args(["show", "641f6ec3-9c"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "no record is shown");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no patient with MRN 641f6ec3-9c;")
            && stderr.contains("641f6ec3-9c2d-4e8a-b7f1-0c55d2a9e6b1 starts with it"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    // A prefix several MRNs share names two of them and shows nobody.
    let output = refract()
        .arg("--db")
        .arg(&db)
        .args(["show", "RF-00000"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("several patients"), "{stderr}");
}

#[test]
fn show_rounds_values_drops_ucum_annotations_and_names_coded_values() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir, 30);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let patient: i64 = conn
        .query_row(
            "SELECT id FROM patients WHERE mrn = 'RF-0000007'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    for (id, code, display, value, value_code, unit) in [
        (
            9001,
            "1920-8",
            "AST",
            Some(37.641_822_630_744_44),
            None,
            Some("U/L"),
        ),
        (
            9002,
            "44261-6",
            "PHQ-9 total score",
            Some(22.0),
            None,
            Some("{score}"),
        ),
        (
            9003,
            "72166-2",
            "Tobacco smoking status",
            None,
            Some("266919005"),
            None,
        ),
    ] {
        conn.execute(
            "INSERT INTO observations (patient_id, id, code, display, value, value_code, unit, effective)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, '2026-11-01 09:00:00')",
            rusqlite::params![patient, id, code, display, value, value_code, unit],
        )
        .unwrap();
    }
    drop(conn);
    let out = stdout_of(refract().arg("--db").arg(&db).args(["show", "RF-0000007"]));
    assert!(out.contains("AST: latest 37.6 U/L on 2026-11-01"), "{out}");
    assert!(
        out.contains("PHQ-9 total score: latest 22 on 2026-11-01"),
        "{out}"
    );
    assert!(
        out.contains("Tobacco smoking status: latest never smoked tobacco"),
        "{out}"
    );
    assert!(!out.contains("{score}") && !out.contains("37.64"), "{out}");
}

/// A lymphoma patient treated in a clinic five hours west of UTC: R-CHOP's first doses at 22:30
/// on 1 March, the last at 22:00 on 20 June, an intrathecal methotrexate at 21:00 on 5 March,
/// and a date given alone (the diagnosis, 1 February).
fn evening_doses_bundle(dir: &TempDir) -> std::path::PathBuf {
    let rx = "http://www.nlm.nih.gov/research/umls/rxnorm";
    let statement = |id: &str, code: &str, text: &str, start: &str, end: &str| {
        serde_json::json!({"resource": {
            "resourceType": "MedicationStatement", "id": id, "status": "completed",
            "subject": {"reference": "Patient/late"},
            "medicationCodeableConcept": {"coding": [{"system": rx, "code": code}], "text": text},
            "effectivePeriod": {"start": start, "end": end}
        }})
    };
    let bundle = serde_json::json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "late",
            "identifier": [{"system": "urn:mrn", "value": "LATE-1"}],
            "name": [{"family": "Evening", "given": ["Eve"]}],
            "gender": "female", "birthDate": "1980-01-01"}},
        {"resource": {"resourceType": "Condition", "id": "dlbcl",
            "subject": {"reference": "Patient/late"},
            "clinicalStatus": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                "code": "active"}]},
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm",
                "code": "C83.30", "display": "Diffuse large B-cell lymphoma"}]},
            "onsetDateTime": "2024-02-01"}},
        statement("r", "121191", "Rituximab",
            "2024-03-01T22:30:00-05:00", "2024-06-20T22:00:00-05:00"),
        statement("c", "3002", "Cyclophosphamide",
            "2024-03-01T22:30:00-05:00", "2024-06-20T22:00:00-05:00"),
        statement("it", "6851", "Methotrexate 12 mg intrathecal",
            "2024-03-05T21:00:00-05:00", "2024-03-05T21:30:00-05:00"),
    ]});
    let file = dir.path().join("evening.json");
    std::fs::write(&file, bundle.to_string()).unwrap();
    file
}

#[test]
fn show_gives_the_local_calendar_day_of_a_late_evening_dose_and_json_keeps_utc() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("evening.db");
    let file = evening_doses_bundle(&dir);
    refract()
        .arg("--db")
        .arg(&db)
        .arg("import")
        .arg(&file)
        .assert()
        .success();
    // The clinic's zone (POSIX: five hours west of UTC, no daylight saving).
    let show = |json: bool| {
        let mut cmd = refract();
        cmd.env("TZ", "EST5")
            .arg("--db")
            .arg(&db)
            .args(["show", "LATE-1"]);
        if json {
            cmd.arg("--json");
        }
        stdout_of(&mut cmd)
    };
    let text = show(false);
    assert!(
        text.contains("2024-03-01 → 2024-06-20  Rituximab"),
        "drugs on the evening's day: {text}"
    );
    assert!(
        text.contains("2024-03-05 → 2024-03-05  Methotrexate"),
        "{text}"
    );
    assert!(
        text.contains("1L cyclophosphamide + rituximab       2024-03-01 → 2024-06-20"),
        "the line on its first dose's local day: {text}"
    );
    assert!(
        text.contains("since 2024-02-01"),
        "a date alone stays: {text}"
    );
    // The JSON carries the stored instants, in UTC, as README says.
    let json: serde_json::Value = serde_json::from_str(&show(true)).unwrap();
    let starts: Vec<&str> = json["exposures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["start"].as_str().unwrap())
        .collect();
    assert!(starts.contains(&"2024-03-02T03:30:00"), "{starts:?}");
}

#[test]
fn check_names_each_row_that_lost_its_patient_in_tables_without_rowid() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir, 5);
    let (observations, exposures): (i64, i64) = {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch("PRAGMA foreign_keys = OFF; DELETE FROM patients WHERE id = 2;")
            .unwrap();
        conn.query_row(
            "SELECT (SELECT count(*) FROM observations WHERE patient_id = 2),
                    (SELECT count(*) FROM drug_exposures WHERE patient_id = 2)",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap()
    };
    assert!(observations > 0 && exposures > 0);
    let output = refract()
        .arg("--db")
        .arg(&db)
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    // Observations are keyed by (patient, id), with no row number: each is named by its key.
    let named: Vec<&str> = stdout
        .lines()
        .filter(|line| line.contains("observations (patient_id 2, id "))
        .collect();
    let distinct: std::collections::BTreeSet<&&str> = named.iter().collect();
    assert!(
        !named.is_empty() && distinct.len() == named.len(),
        "{stdout}"
    );
    assert!(
        !stdout.contains("observations row 0"),
        "no row is named 0:\n{stdout}"
    );
    assert!(stdout.contains("drug_exposures row "), "{stdout}");
}

/// A patient is found by the whole value of any identifier they hold (a national number, a
/// second hospital's MRN), as `refract show` finds them; never by a prefix of one, and never by
/// the source's own Patient id.
#[test]
fn patients_search_finds_a_patient_by_any_identifier_value() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("ids.db");
    let file = dir.path().join("patients.ndjson");
    let lines = [
        serde_json::json!({
            "resourceType": "Patient", "id": "pt-1",
            "identifier": [
                {"system": "http://hospital-a.example/mrn", "value": "A-100",
                 "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                                      "code": "MR"}]}},
                {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"},
                {"system": "http://hospital-b.example/mrn", "value": "B-777"}
            ],
            "name": [{"family": "Rahman", "given": ["Amina"]}],
            "gender": "female", "birthDate": "1971-04-02"
        }),
        serde_json::json!({
            "resourceType": "Patient", "id": "pt-2",
            "identifier": [{"system": "http://hospital-a.example/mrn", "value": "A-200"}],
            "name": [{"family": "Okafor", "given": ["Chidi"]}],
            "gender": "male", "birthDate": "1960-09-30"
        }),
    ];
    let lines: Vec<String> = lines.iter().map(ToString::to_string).collect();
    std::fs::write(&file, lines.join("\n")).unwrap();
    refract()
        .arg("--db")
        .arg(&db)
        .arg("import")
        .arg(&file)
        .assert()
        .success();
    let found = |search: &str| families_found(&db, search);
    assert_eq!(found("9434765919"), ["Rahman"]);
    assert_eq!(found(" B-777 "), ["Rahman"]);
    assert_eq!(found("A-1"), ["Rahman"], "the MRN shown, by its prefix");
    assert!(
        found("943476").is_empty(),
        "an identifier only by its whole value"
    );
    assert!(found("pt-2").is_empty(), "never by the source's Patient id");
}

/// The family names `refract patients --search SEARCH` lists, in its order.
fn families_found(db: &std::path::Path, search: &str) -> Vec<String> {
    let out = stdout_of(
        refract()
            .arg("--db")
            .arg(db)
            .args(["patients", "--json", "--search", search]),
    );
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    rows.iter()
        .map(|r| r["family_name"].as_str().unwrap().to_owned())
        .collect()
}

/// A diagnosis recorded in words alone shows its words, with no empty code after them.
#[test]
fn show_prints_a_diagnosis_in_words_alone_without_an_empty_code() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("words.db");
    let bundle = serde_json::json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "w",
            "identifier": [{"system": "urn:mrn", "value": "WORDS-1"}],
            "name": [{"family": "Words", "given": ["Wim"]}],
            "gender": "male", "birthDate": "1960-01-01"}},
        {"resource": {"resourceType": "Condition", "id": "e",
            "subject": {"reference": "Patient/w"},
            "clinicalStatus": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                "code": "active"}]},
            "code": {"text": "Epilepsy"},
            "onsetDateTime": "2020-01-01"}},
    ]});
    let file = dir.path().join("words.json");
    std::fs::write(&file, bundle.to_string()).unwrap();
    refract()
        .arg("--db")
        .arg(&db)
        .arg("import")
        .arg(&file)
        .assert()
        .success();
    let out = stdout_of(refract().arg("--db").arg(&db).args(["show", "WORDS-1"]));
    assert!(out.contains("  Epilepsy, since 2020-01-01"), "{out}");
    assert!(!out.contains("(other"), "{out}");
}

/// A procedure sent as a code alone (CPT descriptors are licensed and often left out) is shown
/// by its code and code system, never as a blank name; one recorded over a period (an acute ECT
/// course as one Procedure) by its first and last day (review r4 R4-8, R4-10).
#[test]
fn show_names_a_procedure_by_its_code_when_it_has_no_words_and_gives_its_period() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("procedures.db");
    let procedure = |id: &str, system: &str, code: &str, performed: serde_json::Value| {
        let mut resource = serde_json::json!({
            "resourceType": "Procedure", "id": id, "status": "completed",
            "subject": {"reference": "Patient/pp"},
            "code": {"coding": [{"system": system, "code": code}]}
        });
        for (key, value) in performed.as_object().unwrap() {
            resource[key] = value.clone();
        }
        serde_json::json!({ "resource": resource })
    };
    let bundle = serde_json::json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "pp",
            "identifier": [{"system": "urn:mrn", "value": "PROC-1"}],
            "name": [{"family": "Coded", "given": ["Cy"]}],
            "gender": "female", "birthDate": "1970-01-01"}},
        procedure("cart", "http://www.ama-assn.org/go/cpt", "38228",
            serde_json::json!({"performedDateTime": "2025-01-15"})),
        procedure("ect", "http://www.cms.gov/Medicare/Coding/ICD10", "GZB3ZZZ",
            serde_json::json!({"performedPeriod": {"start": "2025-04-01", "end": "2025-05-13"}})),
        procedure("local", "urn:local:procedures", "P-17",
            serde_json::json!({"performedDateTime": "2025-06-01"})),
    ]});
    let file = dir.path().join("procedures.json");
    std::fs::write(&file, bundle.to_string()).unwrap();
    refract()
        .arg("--db")
        .arg(&db)
        .arg("import")
        .arg(&file)
        .assert()
        .success();
    let text = stdout_of(refract().arg("--db").arg(&db).args(["show", "PROC-1"]));
    assert!(text.contains("  2025-01-15 CPT 38228\n"), "{text}");
    assert!(
        text.contains("  2025-04-01 → 2025-05-13 ICD-10-PCS GZB3ZZZ\n"),
        "{text}"
    );
    assert!(
        text.contains("  2025-06-01 urn:local:procedures P-17\n"),
        "{text}"
    );
}

/// `refract demo` creates the demo if absent: the team's work in an existing demo is never
/// rebuilt away (review R10-2: a bare `refract demo` after a 50-patient demo rebuilt it as 500
/// and its reviews were gone).
#[test]
fn demo_keeps_an_existing_demo_the_team_worked_in() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir, 6);
    let demo_again = |args: &[&str]| {
        refract()
            .arg("--db")
            .arg(&db)
            .arg("demo")
            .args(args)
            .args(["--no-open", "--today", "2026-11-27"])
            .output()
            .unwrap()
    };
    let patients = || {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.query_row("SELECT count(*) FROM patients", [], |row| {
            row.get::<_, i64>(0)
        })
        .unwrap()
    };
    // Nobody has worked in it yet: other options rebuild it, as asked.
    let output = demo_again(&["--patients", "7", "--seed", "3"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("rebuilding"),
        "{output:?}"
    );
    assert_eq!(patients(), 7);
    // A bare `refract demo` the same day opens it as it is, whatever its size.
    let output = demo_again(&[]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("using the demo database"),
        "{output:?}"
    );
    assert_eq!(patients(), 7);
    // A colleague's review: now the team's work is in it.
    let flagged: String = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT p.mrn || ' ' || a.ruleset FROM assessments a JOIN patients p
             ON p.id = a.patient_id ORDER BY p.id LIMIT 1",
            [],
            |row| row.get(0),
        )
        .unwrap();
    let (mrn, ruleset) = flagged.split_once(' ').unwrap();
    refract()
        .arg("--db")
        .arg(&db)
        .args(["--user", "dr.kept", "review", mrn, "--condition", ruleset])
        .args(["--confirm", "--rationale", "kept across demo runs"])
        .assert()
        .success();
    let reviews = || {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.query_row(
            "SELECT count(*) FROM reviews WHERE rationale = 'kept across demo runs'",
            [],
            |row| row.get::<_, i64>(0),
        )
        .unwrap()
    };
    assert_eq!(reviews(), 1);
    // A bare `refract demo` opens it as it was made.
    let output = demo_again(&[]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("using the demo database") && stderr.contains("7 patients"),
        "{stderr}"
    );
    assert_eq!((patients(), reviews()), (7, 1));
    // Other options are refused in one line, and the file is left as it was.
    let output = demo_again(&["--patients", "9"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("made with other options") && stderr.contains("audited change"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!((patients(), reviews()), (7, 1));
    // The same options as it was made with open it, as before.
    let output = demo_again(&["--patients", "7", "--seed", "3"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!((patients(), reviews()), (7, 1));
}

/// A file name is quoted in the import's summary and its errors through the terminal
/// sanitiser (review R10-3: an escape sequence in a name could clear the screen over "1
/// failed").
#[test]
fn import_messages_quote_file_names_through_the_sanitiser() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("names.db");
    let bad = dir.path().join("bad\u{1b}]0;owned\u{7}\u{1b}[2J.json");
    std::fs::write(&bad, "{\"resourceType\": \"Bundle\", \"entry\": [").unwrap();
    let output = refract()
        .arg("--db")
        .arg(&db)
        .arg("import")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    for stream in [&output.stdout, &output.stderr] {
        let text = String::from_utf8_lossy(stream);
        assert!(text.contains("bad"), "{text}");
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "no escape reaches the terminal: {text:?}"
        );
    }
}

/// `refract export | head` ends quietly whatever the format (review R10-4: the FHIR bundle
/// ended with "JSON error: Broken pipe" and exit 1).
#[test]
fn export_to_a_closed_pipe_ends_quietly_in_every_format() {
    use std::io::Read;
    use std::process::{Command as Process, Stdio};
    let dir = TempDir::new().unwrap();
    let db = demo(&dir, 40);
    let binary = env!("CARGO_BIN_EXE_refract");
    for format in ["fhir", "json"] {
        let mut child = Process::new(binary)
            .arg("--db")
            .arg(&db)
            .args(["export", "--format", format])
            .env_remove("REFRACT_DB")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut start = [0_u8; 10];
        child.stdout.take().unwrap().read_exact(&mut start).unwrap();
        // The pipe closes here, as `head -c 10` closes it.
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{format}: {output:?}");
        assert!(output.stderr.is_empty(), "{format}: {output:?}");
    }
}

/// A patient named twice is exported once (review R10-5: every resource twice, FHIR's
/// bdl-7 broken).
#[test]
fn export_names_a_patient_once_however_often_named() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir, 5);
    let bundle =
        stdout_of(
            refract()
                .arg("--db")
                .arg(&db)
                .args(["export", "RF-0000002", "RF-0000002"]),
        );
    let bundle: serde_json::Value = serde_json::from_str(&bundle).unwrap();
    let urls: Vec<&str> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["fullUrl"].as_str().unwrap())
        .collect();
    let mut unique = urls.clone();
    unique.sort_unstable();
    unique.dedup();
    assert!(!urls.is_empty());
    assert_eq!(urls.len(), unique.len(), "every fullUrl once");
}

/// The dashboard with no terminal refuses before it opens anything (review R10-6: a mistyped
/// --db in a script was left behind as a new empty database).
#[test]
fn the_dashboard_without_a_terminal_creates_no_database() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("typo.db");
    let output = refract().arg("--db").arg(&db).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("needs a terminal"),
        "{output:?}"
    );
    assert!(!db.exists(), "no file is created");
}
