//! Death (FHIR R4 `Patient.deceased[x]`, a choice of `deceasedBoolean` or `deceasedDateTime`):
//! stored, shown with the age at death, the record closed at death (no drug ongoing, lines
//! ended), no new suspected-refractory flag with the reason in the assessment, written back by
//! both exports, and left out of the patient list unless asked for.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::{Env, cli_import, epilepsy_bundle, patient, refract, with};

/// A patient resource of `epilepsy_bundle` (born 1984-05-17) with `deceased` merged in.
fn with_death(document: &Value, deceased: &Value) -> Value {
    let mut document = document.clone();
    let entry = &mut document["entry"][0]["resource"];
    assert_eq!(entry["resourceType"], "Patient");
    *entry = with(entry.clone(), deceased);
    document
}

/// Imports `documents` through the binary into a fresh database; returns it and its folder.
fn imported(documents: &[(&str, Value)]) -> (PathBuf, tempfile::TempDir) {
    let dir = tempfile::TempDir::new().unwrap();
    let db = dir.path().join("refract.db");
    let paths: Vec<PathBuf> = documents
        .iter()
        .map(|(name, document)| super::write_json(&dir.path().join(name), document))
        .collect();
    let (code, summary, stderr) = cli_import(&db, &paths);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(summary["failed"], 0, "{summary:#}");
    (db, dir)
}

fn run(db: &Path, args: &[&str]) -> (String, String) {
    let output = refract().arg("--db").arg(db).args(args).output().unwrap();
    assert!(output.status.success(), "{args:?}: {output:?}");
    (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn json_of(db: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&run(db, args).0).unwrap()
}

fn died(on: &str) -> Value {
    json!({"deceasedDateTime": on})
}

#[test]
fn every_shape_of_deceased_is_read() {
    let mut env = Env::new();
    let shapes = [
        ("D-TRUE", json!({"deceasedBoolean": true})),
        ("D-FALSE", json!({"deceasedBoolean": false})),
        ("D-NONE", json!({})),
        // A dateTime with a time carries its zone (R4); the day is the one written.
        ("D-ZONED", died("2023-06-01T23:30:00+05:00")),
        ("D-UTC", died("2023-06-01T00:15:00Z")),
        ("D-DAY", died("2023-06-01")),
        // Without a zone (invalid R4, written by some exports): still the day written.
        ("D-LOCAL", died("2023-06-01T08:00:00")),
        // A death whose date cannot be read is still a death.
        ("D-BAD", died("the first of June")),
    ];
    let resources: Vec<Value> = shapes
        .iter()
        .map(|(mrn, deceased)| with(patient(&mrn.to_lowercase(), mrn, "Okafor", "Ada"), deceased))
        .collect();
    let file = env.write_json("shapes.json", &super::bundle("collection", &resources));
    let report = env.import_ok(&file);
    assert_eq!(report.patients, shapes.len());
    assert_eq!(
        env.rows("SELECT mrn, deceased, deceased_date FROM patients ORDER BY mrn"),
        [
            ["D-BAD", "1", "NULL"],
            ["D-DAY", "1", "2023-06-01"],
            ["D-FALSE", "0", "NULL"],
            ["D-LOCAL", "1", "2023-06-01"],
            ["D-NONE", "0", "NULL"],
            ["D-TRUE", "1", "NULL"],
            ["D-UTC", "1", "2023-06-01"],
            ["D-ZONED", "1", "2023-06-01"],
        ]
    );
    // The unreadable date is warned about, the death kept.
    let warned = format!("{:?}", report.warnings);
    assert!(
        warned.contains("deceasedDateTime"),
        "{:#?}",
        report.warnings
    );
}

#[test]
fn a_death_of_a_year_or_a_month_is_on_a_day_not_known() {
    // R4's dateTime allows a year or a month alone: the patient died in it, on a day it does
    // not say. Its first day would close the record on a day made up, cutting the drugs and
    // readings of the months the patient lived through; the death is kept on a day not known
    // (the record ends on the last day it speaks of) and the warning gives what was written.
    let mut env = Env::new();
    let resources = [
        with(patient("d-year", "D-YEAR", "Okafor", "Ada"), &died("2023")),
        with(
            patient("d-month", "D-MONTH", "Okafor", "Ben"),
            &died("2023-06"),
        ),
    ];
    let file = env.write_json("partial.json", &super::bundle("collection", &resources));
    let report = env.import_ok(&file);
    assert_eq!(report.patients, 2);
    assert_eq!(
        env.rows("SELECT mrn, deceased, deceased_date FROM patients ORDER BY mrn"),
        [["D-MONTH", "1", "NULL"], ["D-YEAR", "1", "NULL"]]
    );
    for written in ["'2023'", "'2023-06'"] {
        assert!(
            report
                .warnings
                .iter()
                .any(|w| w.message.contains("deceasedDateTime") && w.message.contains(written)),
            "{written}: {:#?}",
            report.warnings
        );
    }
}

#[test]
fn a_deceased_patient_gets_no_new_flag_and_the_assessment_says_why() {
    let living = epilepsy_bundle("alive", "EP-ALIVE", ("266721009", "No response"));
    // Two schedules failed before death: the criteria were met while the patient lived.
    let dead = with_death(
        &epilepsy_bundle("dead", "EP-DEAD", ("266721009", "No response")),
        &died("2023-06-01T10:00:00+02:00"),
    );
    let dead_no_day = with_death(
        &epilepsy_bundle("gone", "EP-GONE", ("266721009", "No response")),
        &json!({"deceasedBoolean": true}),
    );
    let (db, _dir) = imported(&[
        ("alive.json", living),
        ("dead.json", dead),
        ("gone.json", dead_no_day),
    ]);
    let flags = json_of(&db, &["flags", "--json", "--condition", "epilepsy"]);
    let by_mrn = |mrn: &str| {
        flags
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["mrn"] == mrn)
            .unwrap_or_else(|| panic!("{mrn} in {flags:#}"))
            .clone()
    };
    assert_eq!(by_mrn("EP-ALIVE")["status"], "refractory");
    for (mrn, when) in [
        ("EP-DEAD", "deceased on 2023-06-01"),
        ("EP-GONE", "deceased (the day is not recorded)"),
    ] {
        let row = by_mrn(mrn);
        assert_eq!(row["status"], "insufficient_data", "{row:#}");
        assert_eq!(row["label"], "deceased: no new flag", "{row:#}");
        let reasons: Vec<&str> = row["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        assert_eq!(reasons[0], format!("{when}: no new flag"), "{row:#}");
        // What the criteria read up to death is kept as context.
        assert_eq!(
            reasons[1], "up to death, the criteria read: drug-resistant epilepsy",
            "{row:#}"
        );
    }
}

#[test]
fn the_record_ends_at_death_and_the_age_stops() {
    // Lacosamide is "active" with no end: it cannot go on after 2023-06-01.
    let dead = with_death(
        &epilepsy_bundle("dead", "EP-DEAD", ("266721009", "No response")),
        &died("2023-06-01"),
    );
    let (db, _dir) = imported(&[("dead.json", dead)]);
    let shown = json_of(&db, &["show", "EP-DEAD", "--json"]);
    // `show --json` writes the record's fields at the top level.
    let record = &shown;
    assert_eq!(record["patient"]["deceased"], true);
    assert_eq!(record["patient"]["deceased_date"], "2023-06-01");
    let lacosamide = record["exposures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["text"].as_str().unwrap().starts_with("Lacosamide"))
        .unwrap();
    assert_eq!(lacosamide["start"], "2023-01-05T00:00:00");
    assert_eq!(lacosamide["end"], "2023-06-01T00:00:00", "{lacosamide:#}");
    let lines = record["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(
        lines
            .iter()
            .all(|l| l["end"].as_str() <= Some("2023-06-01")),
        "{lines:#?}"
    );
    assert_eq!(lines[2]["end"], "2023-06-01");
    // The lines are stored closed (they are derived); the drug rows keep what the source said.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let ends: Vec<Option<String>> = conn
        .prepare("SELECT \"end\" FROM treatment_lines ORDER BY number")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(ends[2].as_deref(), Some("2023-06-01"), "{ends:?}");
    let open: i64 = conn
        .query_row(
            "SELECT count(*) FROM drug_exposures WHERE text LIKE 'Lacosamide%' AND \"end\" IS NULL",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(open, 1);

    // The text says so in its first line, with the age at death (born 1984-05-17).
    let (text, _) = run(&db, &["show", "EP-DEAD"]);
    let first = text.lines().next().unwrap();
    assert!(
        first.contains("F 39 (born 1984-05-17) · † died 2023-06-01, aged 39"),
        "{first}"
    );
    assert!(!text.contains("ongoing"), "{text}");
    assert!(text.contains("no flag for a deceased patient"), "{text}");
}

#[test]
fn the_patient_list_marks_the_dead_and_leaves_them_out_when_asked() {
    let living = epilepsy_bundle("alive", "EP-ALIVE", ("266721009", "No response"));
    let dead = with_death(
        &epilepsy_bundle("dead", "EP-DEAD", ("266721009", "No response")),
        &died("2023-06-01"),
    );
    let (db, _dir) = imported(&[("alive.json", living), ("dead.json", dead)]);

    // --living: the living only, as the dashboard lists them; stderr says how many were left out.
    let (out, err) = run(&db, &["patients", "--json", "--living"]);
    let rows: Vec<Value> = serde_json::from_str(&out).unwrap();
    let mrns: Vec<&str> = rows.iter().map(|r| r["mrn"].as_str().unwrap()).collect();
    assert_eq!(mrns, ["EP-ALIVE"]);
    assert!(
        err.contains("1 deceased patient not listed (without --living they are)"),
        "{err}"
    );

    // Default: everyone, the dead with their day and the age at death.
    let (out, err) = run(&db, &["patients", "--json"]);
    assert!(!err.contains("not listed"), "{err}");
    let rows: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(rows.len(), 2);
    let dead = rows.iter().find(|r| r["mrn"] == "EP-DEAD").unwrap();
    assert_eq!(dead["deceased"], true);
    assert_eq!(dead["deceased_date"], "2023-06-01");
    assert_eq!(dead["age"], 39, "{dead:#}");
    let alive = rows.iter().find(|r| r["mrn"] == "EP-ALIVE").unwrap();
    assert_eq!(alive["deceased"], false);
    assert!(alive["age"].as_u64().unwrap() >= 42, "{alive:#}");

    let (text, _) = run(&db, &["patients"]);
    let line = text.lines().find(|l| l.starts_with("EP-DEAD")).unwrap();
    assert!(line.contains("39 F"), "{line}");
    assert!(line.contains("† deceased"), "{line}");
    assert!(line.contains("† died 2023-06-01, aged 39"), "{line}");
    let (text, _) = run(&db, &["patients", "--living"]);
    assert!(!text.contains("EP-DEAD"), "{text}");
}

#[test]
fn both_exports_write_the_death_and_it_comes_back() {
    let dated = with_death(
        &epilepsy_bundle("dead", "EP-DEAD", ("266721009", "No response")),
        &died("2023-06-01T10:00:00+02:00"),
    );
    let undated = with_death(
        &epilepsy_bundle("gone", "EP-GONE", ("266721009", "No response")),
        &json!({"deceasedBoolean": true}),
    );
    let living = epilepsy_bundle("alive", "EP-ALIVE", ("266721009", "No response"));
    let (db, dir) = imported(&[
        ("dead.json", dated),
        ("gone.json", undated),
        ("alive.json", living),
    ]);

    // FHIR: deceasedDateTime when the day is known, deceasedBoolean when it is not, nothing for
    // the living (deceasedBoolean false would say no more).
    let bundle = json_of(&db, &["export", "--format", "fhir"]);
    let patients: Vec<&Value> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == "Patient")
        .collect();
    let by_mrn = |mrn: &str| {
        *patients
            .iter()
            .find(|p| p.to_string().contains(mrn))
            .unwrap()
    };
    assert_eq!(by_mrn("EP-DEAD")["deceasedDateTime"], "2023-06-01");
    assert!(by_mrn("EP-DEAD").get("deceasedBoolean").is_none());
    assert_eq!(by_mrn("EP-GONE")["deceasedBoolean"], true);
    assert!(by_mrn("EP-GONE").get("deceasedDateTime").is_none());
    assert!(by_mrn("EP-ALIVE").get("deceasedBoolean").is_none());
    assert!(by_mrn("EP-ALIVE").get("deceasedDateTime").is_none());

    // The FHIR export read back: the same deaths.
    let fhir = super::write_json(&dir.path().join("export.fhir.json"), &bundle);
    let again = dir.path().join("again.db");
    let (code, _, stderr) = cli_import(&again, &[fhir]);
    assert_eq!(code, 0, "{stderr}");
    let rows = json_of(&again, &["patients", "--json"]);
    let mut deaths: Vec<(String, Value, Value)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["mrn"].as_str().unwrap().to_owned(),
                r["deceased"].clone(),
                r["deceased_date"].clone(),
            )
        })
        .collect();
    deaths.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        deaths,
        [
            (String::from("EP-ALIVE"), json!(false), Value::Null),
            (String::from("EP-DEAD"), json!(true), json!("2023-06-01")),
            (String::from("EP-GONE"), json!(true), Value::Null),
        ]
    );

    // refract's own JSON: the death (with or without its day) survives the round trip, and
    // the second export is the first byte for byte.
    let (first, _) = run(&db, &["export", "--format", "json"]);
    let document: Value = serde_json::from_str(&first).unwrap();
    let deaths: Vec<(Value, Value)> = document["patients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["patient"]["deceased"].clone(),
                p["patient"]["deceased_date"].clone(),
            )
        })
        .collect();
    assert_eq!(
        deaths,
        [
            (json!(0), Value::Null),
            (json!(1), json!("2023-06-01")),
            (json!(1), Value::Null)
        ]
    );
    let file = super::write_json(&dir.path().join("export.refract.json"), &document);
    let copy = dir.path().join("copy.db");
    let (code, _, stderr) = cli_import(&copy, &[file]);
    assert_eq!(code, 0, "{stderr}");
    let (second, _) = run(&copy, &["export", "--format", "json"]);
    assert_eq!(first, second);
    let rows = json_of(&copy, &["patients", "--json"]);
    let gone = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["mrn"] == "EP-GONE")
        .unwrap();
    assert_eq!(gone["deceased"], true, "{gone:#}");
    assert_eq!(gone["deceased_date"], Value::Null);

    // A document written before refract kept `deceased` says death by its date alone.
    let mut older = document.clone();
    for patient in older["patients"].as_array_mut().unwrap() {
        patient["patient"]
            .as_object_mut()
            .unwrap()
            .remove("deceased");
    }
    let file = super::write_json(&dir.path().join("older.refract.json"), &older);
    let old_copy = dir.path().join("older.db");
    let (code, _, stderr) = cli_import(&old_copy, &[file]);
    assert_eq!(code, 0, "{stderr}");
    let rows = json_of(&old_copy, &["patients", "--json"]);
    let mut deceased: Vec<(String, Value)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["mrn"].as_str().unwrap().to_owned(), r["deceased"].clone()))
        .collect();
    deceased.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        deceased,
        [
            (String::from("EP-ALIVE"), json!(false)),
            (String::from("EP-DEAD"), json!(true)),
            (String::from("EP-GONE"), json!(false)),
        ]
    );
}

#[test]
fn a_death_learnt_on_a_later_import_withdraws_the_flag() {
    let living = epilepsy_bundle("pt", "EP-1", ("266721009", "No response"));
    let (db, dir) = imported(&[("first.json", living.clone())]);
    let flags = json_of(&db, &["flags", "--json", "--condition", "epilepsy"]);
    assert_eq!(flags[0]["status"], "refractory", "{flags:#}");

    // The same record from the source, now with the death: only the Patient changed.
    let dead = with_death(&living, &died("2024-02-10"));
    let file = super::write_json(&dir.path().join("second.json"), &dead);
    let (code, summary, stderr) = cli_import(&db, &[file]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(summary["failed"], 0, "{summary:#}");
    let flags = json_of(&db, &["flags", "--json", "--condition", "epilepsy"]);
    assert_eq!(flags[0]["status"], "insufficient_data", "{flags:#}");
    assert_eq!(flags[0]["label"], "deceased: no new flag", "{flags:#}");
    let (out, _) = run(&db, &["patients", "--json", "--living"]);
    assert_eq!(out.trim(), "[]");
}

#[test]
fn a_death_of_a_month_or_a_year_is_kept_shown_and_exported_as_written() {
    // R4's dateTime "2023-06" says the patient died in June 2023: the day stays unknown (the
    // record is not closed on a made-up 1 June), but the month is what the source knew and is
    // neither dropped nor turned into `deceasedBoolean: true` by refract's exports.
    let month = with_death(
        &epilepsy_bundle("month", "EP-MONTH", ("266721009", "No response")),
        &died("2023-06"),
    );
    let year = with_death(
        &epilepsy_bundle("year", "EP-YEAR", ("266721009", "No response")),
        &died("2023"),
    );
    let (db, dir) = imported(&[("month.json", month), ("year.json", year)]);

    let shown = json_of(&db, &["show", "EP-MONTH", "--json"]);
    assert_eq!(shown["patient"]["deceased"], true, "{:#}", shown["patient"]);
    assert_eq!(shown["patient"]["deceased_date"], Value::Null);
    assert_eq!(shown["patient"]["deceased_in"], "2023-06");
    // Born 1984-05-17: 39 through June 2023, whatever the day.
    let (text, _) = run(&db, &["show", "EP-MONTH"]);
    let first = text.lines().next().unwrap();
    assert!(first.contains("† died 2023-06, aged 39"), "{first}");
    // Born 1984-05-17: 38 or 39 in 2023, so no age is given.
    let (text, _) = run(&db, &["show", "EP-YEAR"]);
    let first = text.lines().next().unwrap();
    assert!(first.contains("† died 2023"), "{first}");
    assert!(!first.contains("aged"), "{first}");
    // The patient list says the month too.
    let (text, _) = run(&db, &["patients"]);
    let line = text.lines().find(|l| l.starts_with("EP-MONTH")).unwrap();
    assert!(line.contains("† died 2023-06"), "{line}");

    // FHIR: the dateTime as received, and read back as the same death.
    let bundle = json_of(&db, &["export", "--format", "fhir"]);
    let written: Vec<(String, Value, Value)> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == "Patient")
        .map(|p| {
            (
                p["identifier"][0]["value"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                p["deceasedDateTime"].clone(),
                p["deceasedBoolean"].clone(),
            )
        })
        .collect();
    assert!(
        written.contains(&(String::from("EP-MONTH"), json!("2023-06"), Value::Null)),
        "{written:?}"
    );
    assert!(
        written.contains(&(String::from("EP-YEAR"), json!("2023"), Value::Null)),
        "{written:?}"
    );
    let fhir = super::write_json(&dir.path().join("export.fhir.json"), &bundle);
    let again = dir.path().join("again.db");
    let (code, _, stderr) = cli_import(&again, &[fhir]);
    assert_eq!(code, 0, "{stderr}");
    let shown = json_of(&again, &["show", "EP-MONTH", "--json"]);
    assert_eq!(
        shown["patient"]["deceased_in"], "2023-06",
        "{:#}",
        shown["patient"]
    );

    // refract's own JSON: carried, read back, the second export the first byte for byte.
    let (first, _) = run(&db, &["export", "--format", "json"]);
    let document: Value = serde_json::from_str(&first).unwrap();
    let carried: Vec<Value> = document["patients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["patient"]["deceased_in"].clone())
        .collect();
    assert!(carried.contains(&json!("2023-06")), "{carried:?}");
    assert!(carried.contains(&json!("2023")), "{carried:?}");
    let file = super::write_json(&dir.path().join("export.refract.json"), &document);
    let copy = dir.path().join("copy.db");
    let (code, _, stderr) = cli_import(&copy, &[file]);
    assert_eq!(code, 0, "{stderr}");
    let (second, _) = run(&copy, &["export", "--format", "json"]);
    assert_eq!(first, second);
    let shown = json_of(&copy, &["show", "EP-YEAR", "--json"]);
    assert_eq!(
        shown["patient"]["deceased_in"], "2023",
        "{:#}",
        shown["patient"]
    );
}
