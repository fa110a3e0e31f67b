//! The FHIR export is valid FHIR R4, as judged by an implementation refract did not write: the
//! `fhir.resources` models run by `scripts/validate_fhir.py` (pinned in
//! `scripts/fhir-validator-requirements.txt`, installed by `.ci/run`). Without the validator the
//! tests say so and skip, except under CI (`CI` set), where a missing validator fails them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

use chrono::NaiveDate;
use refract::demo::{self, DemoOptions};
use refract::rules::Rules;
use refract::store::{OpenMode, Store};
use serde_json::{Value, json};

use super::{Env, LEVETIRACETAM, bundle, observation, patient, refract, sql_on, statement};

/// The Python that has the validator: `$REFRACT_FHIR_VALIDATOR`, else the environment `.ci/run`
/// makes under `target/`, else `python3`.
fn python() -> PathBuf {
    if let Some(path) = std::env::var_os("REFRACT_FHIR_VALIDATOR") {
        return PathBuf::from(path);
    }
    let made = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fhir-validator/bin/python");
    if made.is_file() {
        made
    } else {
        PathBuf::from("python3")
    }
}

/// What the validator said of a file: `None` when it is not installed (the test skips),
/// else whether it found the file valid and its report.
fn validate(file: &Path) -> Option<(bool, String)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/validate_fhir.py");
    let python = python();
    let output = Process::new(&python).arg(&script).arg(file).output();
    let under_ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
    let missing = |why: String| {
        assert!(
            !under_ci,
            "CI must run the FHIR validator, but {why} (.ci/run installs it from \
             scripts/fhir-validator-requirements.txt)"
        );
        eprintln!(
            "skipped: {why}; install it with `python3 -m venv target/fhir-validator && \
             target/fhir-validator/bin/pip install -r scripts/fhir-validator-requirements.txt`"
        );
        None
    };
    let output = match output {
        Ok(output) => output,
        Err(err) => return missing(format!("{} cannot be run ({err})", python.display())),
    };
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    match output.status.code() {
        Some(3) => missing(format!(
            "the validator is not installed for {}: {}",
            python.display(),
            report.trim()
        )),
        Some(0) => Some((true, report)),
        Some(1) => Some((false, report)),
        other => panic!("the validator failed to run ({other:?}): {report}"),
    }
}

/// Asserts that the validator finds no problem in `file` (the first problems when it does).
fn assert_valid(file: &Path) {
    let Some((valid, report)) = validate(file) else {
        return;
    };
    let head: Vec<&str> = report.lines().take(30).collect();
    assert!(valid, "not valid FHIR R4:\n{}", head.join("\n"));
}

/// `refract --db DB export --format fhir --out FILE`, in time zone `tz`.
fn export(db: &Path, out: &Path, tz: &str) -> Value {
    refract()
        .env("TZ", tz)
        .arg("--db")
        .arg(db)
        .args(["export", "--format", "fhir", "--out"])
        .arg(out)
        .assert()
        .success();
    serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap()
}

/// Every empty string, array or object in a document, by JSON path; a string of whitespace
/// alone counts as empty (R4: a string holds non-whitespace content).
fn empty_elements(value: &Value, path: &str, found: &mut Vec<String>) {
    match value {
        Value::String(text) if text.trim().is_empty() => found.push(path.to_owned()),
        Value::Array(items) if items.is_empty() => found.push(path.to_owned()),
        Value::Object(members) if members.is_empty() => found.push(path.to_owned()),
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                empty_elements(item, &format!("{path}[{index}]"), found);
            }
        }
        Value::Object(members) => {
            for (key, member) in members {
                empty_elements(member, &format!("{path}.{key}"), found);
            }
        }
        _ => {}
    }
}

#[test]
fn the_validator_refuses_what_r4_refuses() {
    // Without this, a validator that accepts everything would pass every export.
    let env = Env::new();
    let subject = "urn:uuid:v-pt";
    let invalid = bundle(
        "collection",
        &[
            patient("v-pt", "V-1", "Valid", "Vera"),
            observation(
                "v-no-offset",
                subject,
                "8867-4",
                "Heart rate",
                &json!({"effectiveDateTime": "2020-02-09T10:00:00", "valueQuantity": {"value": 72}}),
            ),
            observation(
                "v-empty-unit",
                subject,
                "8867-4",
                "Heart rate",
                &json!({"valueQuantity": {"value": 72, "unit": ""}}),
            ),
        ],
    );
    let file = env.write_json("invalid.json", &invalid);
    let Some((valid, report)) = validate(&file) else {
        return;
    };
    assert!(!valid, "{report}");
    assert!(
        report.contains("Observation/v-no-offset") && report.contains("effectiveDateTime"),
        "{report}"
    );
    assert!(
        report.contains("Observation/v-empty-unit") && report.contains("unit"),
        "{report}"
    );
    assert!(!report.contains("Patient/v-pt"), "{report}");

    let valid_bundle = bundle(
        "collection",
        &[
            patient("v-pt", "V-1", "Valid", "Vera"),
            observation(
                "v-ok",
                subject,
                "8867-4",
                "Heart rate",
                &json!({"valueQuantity": {"value": 72, "unit": "/min"}}),
            ),
        ],
    );
    let file = env.write_json("valid.json", &valid_bundle);
    assert_valid(&file);
}

#[test]
fn exported_times_carry_an_offset_and_dates_stay_dates() {
    let mut env = Env::new();
    let subject = "urn:uuid:t-pt";
    let source = bundle(
        "collection",
        &[
            patient("t-pt", "T-1", "Tempo", "Tess"),
            statement(
                "t-lev",
                subject,
                LEVETIRACETAM,
                "completed",
                "2022-01-10",
                Some("2022-06-01"),
            ),
            observation(
                "t-hr",
                subject,
                "8867-4",
                "Heart rate",
                &json!({
                    "effectiveDateTime": "2024-03-05T09:30:00+01:00",
                    // No unit: an export must leave it out, not write "".
                    "valueQuantity": {"value": 72}
                }),
            ),
        ],
    );
    let file = env.write_json("source.json", &source);
    env.import_ok(&file);

    for tz in ["UTC", "America/New_York", "Asia/Kolkata"] {
        let out = env.path(&format!("export-{}.json", tz.replace('/', "-")));
        let exported = export(&env.db(), &out, tz);
        let resources: Vec<&Value> = exported["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["resource"])
            .collect();
        let heart = resources
            .iter()
            .find(|r| {
                r["resourceType"] == "Observation" && r["code"]["coding"][0]["code"] == "8867-4"
            })
            .unwrap();
        // The instant the source wrote, in the offset it wrote it in (its local day), whatever
        // the exporting machine's zone.
        assert_eq!(
            heart["effectiveDateTime"], "2024-03-05T09:30:00+01:00",
            "{tz}"
        );
        assert!(heart["valueQuantity"].get("unit").is_none(), "{heart}");
        let drug = resources
            .iter()
            .find(|r| r["resourceType"] == "MedicationStatement")
            .unwrap();
        assert_eq!(drug["effectivePeriod"]["start"], "2022-01-10", "{tz}");
        assert_eq!(drug["effectivePeriod"]["end"], "2022-06-01", "{tz}");
        let mut empty = Vec::new();
        empty_elements(&exported, "", &mut empty);
        assert!(empty.is_empty(), "empty elements: {empty:?}");
        assert_valid(&out);

        // Read back, the same instant.
        let mut copy = Env::new();
        copy.import_ok(&out);
        assert_eq!(
            copy.rows("SELECT effective FROM observations WHERE code = '8867-4'"),
            vec![vec![String::from("2024-03-05 08:30:00")]],
            "{tz}"
        );
    }
}

#[test]
fn a_demo_export_is_valid_fhir_r4() {
    let env = Env::new();
    let db = env.path("demo.db");
    refract()
        .arg("--db")
        .arg(&db)
        .args(["demo", "--patients", "300", "--no-open"])
        .assert()
        .success();
    let out = env.path("demo.json");
    let exported = export(&db, &out, "Europe/Paris");
    let mut empty = Vec::new();
    empty_elements(&exported, "", &mut empty);
    assert!(
        empty.is_empty(),
        "empty elements: {:?}",
        &empty[..empty.len().min(10)]
    );
    assert_valid(&out);
}

#[test]
fn the_synthea_export_is_valid_fhir_r4() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/synthea-r4");
    if !dir.is_dir() {
        eprintln!("skipped: the Synthea sample bundles are not beside the project");
        return;
    }
    let mut env = Env::new();
    let report = env.import(&[dir]);
    assert_eq!(report.failed, 0);
    let out = env.path("synthea.json");
    let exported = export(&env.db(), &out, "America/Chicago");
    let mut empty = Vec::new();
    empty_elements(&exported, "", &mut empty);
    assert!(
        empty.is_empty(),
        "empty elements: {:?}",
        &empty[..empty.len().min(10)]
    );
    assert_valid(&out);
}

/// The resources of an export, counted by type.
fn resource_counts(bundle: &Value) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for entry in bundle["entry"].as_array().unwrap() {
        let kind = entry["resource"]["resourceType"]
            .as_str()
            .unwrap()
            .to_owned();
        *counts.entry(kind).or_insert(0) += 1;
    }
    counts
}

fn export_of(store: &Store) -> Value {
    let mut out = Vec::new();
    refract::fhir::write_bundle(store, &[], &mut out).unwrap();
    serde_json::from_slice(&out).unwrap()
}

/// Every text a person types or an import brings, left blank: an empty string on some rows,
/// spaces on the others (a NULL stays NULL). The export leaves each one out, never writing `""` or `"  "`, and the
/// elements they leave empty go with them (a performer without a name, a note without text),
/// while every resource is still exported.
#[test]
fn blank_text_is_left_out_of_the_export() {
    let env = Env::new();
    let db = env.path("blank.db");
    let options = DemoOptions {
        patients: 150,
        seed: 11,
        today: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
    };
    demo::create(&db, &options, &Rules::embedded().unwrap()).unwrap();
    let store = Store::open(&db, OpenMode::MustExist, "dr.blank").unwrap();
    let before = resource_counts(&export_of(&store));
    for kind in [
        "Goal",
        "Task",
        "CarePlan",
        "MedicationStatement",
        "Observation",
    ] {
        assert!(
            before.contains_key(kind),
            "the demo has no {kind}: {before:?}"
        );
    }

    // Empty where the text had an even length, spaces where it had an odd one.
    let blank = |column: &str| format!("{column} = substr('  ', 1, length({column}) % 2 * 2)");
    let typed: [(&str, &[&str]); 13] = [
        ("patients", &["family_name", "given_name"]),
        ("conditions", &["display"]),
        ("drug_exposures", &["text", "dose_unit"]),
        ("observations", &["display", "unit"]),
        ("procedures", &["display"]),
        ("reviews", &["rationale", "by"]),
        ("way_forward", &["owner", "notes", "na_reason"]),
        ("checklist_items", &["text", "detail"]),
        ("referrals", &["to_whom"]),
        (
            "options",
            &["name", "source", "stance_reason", "notes", "registry_id"],
        ),
        ("wellbeing_goals", &["description"]),
        ("tasks", &["what", "owner"]),
        (
            "meeting_cases",
            &["question", "outcome_text", "plan_followed_reason"],
        ),
    ];
    let conn = sql_on(&store);
    for (table, columns) in typed {
        let set: Vec<String> = columns.iter().map(|c| blank(c)).collect();
        conn.execute(&format!("UPDATE {table} SET {}", set.join(", ")), [])
            .unwrap();
    }
    conn.execute(
        &format!("UPDATE meetings SET {}, {}", blank("title"), blank("team")),
        [],
    )
    .unwrap();
    drop(conn);

    let exported = export_of(&store);
    assert_eq!(resource_counts(&exported), before, "a resource was lost");
    let mut empty = Vec::new();
    empty_elements(&exported, "", &mut empty);
    assert!(
        empty.is_empty(),
        "{} empty elements, the first: {:?}",
        empty.len(),
        &empty[..empty.len().min(20)]
    );
    let out = env.path("blank.json");
    std::fs::write(&out, serde_json::to_vec(&exported).unwrap()).unwrap();
    assert_valid(&out);
}
