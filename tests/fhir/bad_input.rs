//! Bad input: every broken file fails on its own, with a one-line error naming the file and where
//! the problem is, writes nothing, and does not stop the other files of the run; the command
//! exits 1 without a panic.

use std::path::PathBuf;

use refract::demo::Rng;
use refract::import::FileOutcome;
use serde_json::{Value, json};

use super::{
    Env, ICD10, RXNORM, bundle, cli_import, coding, condition, epilepsy_bundle, fixtures,
    observation, patient, statement,
};

/// Checks everything a bad file must do, and returns its error. `wants` are pieces of the error
/// (the where and the what).
fn rejects(name: &str, bytes: &[u8], wants: &[&str]) -> String {
    let mut env = Env::new();
    // A database with something in it already.
    env.import_ok(&fixtures().join("small-bundle.json"));
    let before = env.counts();

    // Alone: failed, nothing written.
    let bad = env.write_bytes(name, bytes);
    let report = env.import(std::slice::from_ref(&bad));
    assert_eq!(report.failed, 1, "{report:#?}");
    assert_eq!(report.imported, 0);
    let file = &report.files[0];
    assert_eq!(file.outcome, FileOutcome::Failed);
    assert_eq!(file.path, bad.display().to_string());
    let error = file.error.clone().unwrap();
    eprintln!("{name}: {error}");
    assert!(!error.trim().is_empty());
    assert!(!error.contains('\n'), "one line: {error:?}");
    for want in wants {
        assert!(error.contains(want), "'{want}' not in the error: {error}");
    }
    assert_eq!(
        (
            file.patients,
            file.conditions,
            file.exposures,
            file.observations
        ),
        (0, 0, 0, 0)
    );
    assert_eq!(env.counts(), before, "nothing written from {name}");

    // With a good file in the same run: the good one is imported all the same.
    let good = env.write_json(
        "good.json",
        &epilepsy_bundle("good-pt", "GOOD-1", ("266721009", "No response")),
    );
    let report = env.import(&[bad.clone(), good.clone()]);
    assert_eq!((report.imported, report.failed), (1, 1), "{report:#?}");
    let outcome = |path: &PathBuf| {
        report
            .files
            .iter()
            .find(|f| f.path == path.display().to_string())
            .unwrap()
            .outcome
    };
    assert_eq!(outcome(&bad), FileOutcome::Failed);
    assert_eq!(outcome(&good), FileOutcome::Imported);
    assert_eq!(env.counts()["patients"], before["patients"] + 1);
    assert_eq!(env.counts()["drug_exposures"], before["drug_exposures"] + 3);

    // The command line: exit 1, the good file imported, one line on stderr naming the file.
    let db = env.path("cli.db");
    let (code, summary, stderr) = cli_import(&db, &[bad.clone(), good]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(summary["imported"], 1);
    assert_eq!(summary["failed"], 1);
    assert_eq!(summary["patients"], 1);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr: {stderr}");
    assert!(
        lines[0].starts_with("refract: ") && lines[0].contains(&bad.display().to_string()),
        "{stderr}"
    );
    for want in wants {
        assert!(lines[0].contains(want), "'{want}' not in: {stderr}");
    }
    let lower = stderr.to_lowercase();
    assert!(
        !lower.contains("panick") && !lower.contains("backtrace"),
        "{stderr}"
    );
    error
}

/// A file whose JSON is sound but one of its resources cannot be used (no subject, a reference
/// that resolves nowhere, an impossible date, a wrong shape): the file is imported, that
/// resource is left out or kept aside with a warning saying where and why (`wants` are pieces of
/// it), and everything else of the file is kept. Exit code 0.
fn warns(name: &str, bytes: &[u8], wants: &[&str]) -> refract::import::ImportReport {
    let mut env = Env::new();
    env.import_ok(&fixtures().join("small-bundle.json"));
    let path = env.write_bytes(name, bytes);
    let report = env.import(std::slice::from_ref(&path));
    assert_eq!((report.imported, report.failed), (1, 0), "{report:#?}");
    let warnings: Vec<String> = report.files[0]
        .warnings
        .iter()
        .chain(&report.notices)
        .map(|w| format!("{} {} {}", w.at, w.resource, w.message))
        .collect();
    assert!(
        warnings
            .iter()
            .any(|w| wants.iter().all(|want| w.contains(want))),
        "no warning with {wants:?} in {warnings:#?}"
    );
    assert!(report.warnings >= 1);
    let db = env.path("cli.db");
    let (code, summary, stderr) = cli_import(&db, &[path]);
    assert_eq!(code, 0, "{stderr}");
    assert!(summary["warnings"].as_u64().unwrap() >= 1, "{summary}");
    report
}

fn pretty(value: &Value) -> Vec<u8> {
    serde_json::to_vec_pretty(value).unwrap()
}

#[test]
fn malformed_json_names_the_line_of_the_problem() {
    // Pretty-printed (as most exports are), with a comma missing on line 4.
    let text =
        "{\n  \"resourceType\": \"Bundle\",\n  \"type\": \"collection\"\n  \"entry\": []\n}\n";
    let error = rejects("malformed.json", text.as_bytes(), &["line 4"]);
    assert!(
        !error.starts_with("line 1"),
        "a JSON document is not NDJSON whose first line is bad: {error}"
    );
}

#[test]
fn malformed_json_on_one_line() {
    let text = br#"{"resourceType": "Patient", "id": "x", "gender": "female",}"#;
    rejects("compact.json", text, &["line 1 column"]);
}

#[test]
fn truncated_file() {
    let bytes = std::fs::read(fixtures().join("small-bundle.json")).unwrap();
    let half = &bytes[..bytes.len() / 2];
    let error = rejects("truncated.json", half, &["truncated"]);
    assert!(error.contains("line "), "{error}");
}

#[test]
fn empty_file() {
    rejects("empty.json", b"", &["empty"]);
    rejects("blank.json", b"  \n\t\n", &["empty"]);
}

#[test]
fn binary_file() {
    let mut rng = Rng::new(0x00b1_a4e5);
    let mut bytes: Vec<u8> = (0..4096).map(|_| rng.next_u64() as u8).collect();
    bytes[0] = b'{';
    bytes[10] = 0xFF;
    rejects("random.json", &bytes, &["UTF-8", "byte"]);
    // A file that is not text at all, first byte included.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    rejects("image.json", png, &["UTF-8"]);
}

#[test]
fn unknown_resource_type() {
    let alone = json!({"resourceType": "Patiant", "id": "typo", "gender": "female"});
    rejects("typo.json", &pretty(&alone), &["Patiant"]);
    // Inside a bundle: the entry is named.
    let inside = bundle(
        "collection",
        &[
            patient("p1", "MRN-1", "Lind", "Mara"),
            json!({"resourceType": "Obsrvation", "id": "o1", "subject": {"reference": "urn:uuid:p1"}}),
        ],
    );
    rejects(
        "typo-in-bundle.json",
        &pretty(&inside),
        &["entry[1]", "Obsrvation"],
    );
}

#[test]
fn json_that_is_not_fhir() {
    rejects(
        "package.json",
        &pretty(&json!({"name": "left-pad", "version": "1.3.0"})),
        &["resourceType"],
    );
    rejects(
        "array.json",
        b"[{\"resourceType\": \"Patient\"}]",
        &["FHIR"],
    );
    // A resourceType that is not a string: where it is.
    rejects(
        "number-type.json",
        br#"{"resourceType": 42, "id": "x"}"#,
        &["line 1 column 19"],
    );
    // A known type with elements of the wrong shape is valid JSON: that resource is left
    // out, with a warning naming it.
    warns(
        "bad-shape.json",
        &pretty(&json!({"resourceType": "Patient", "id": "x", "name": "Ada Lovelace"})),
        &["$", "Patient/x", "not a valid Patient"],
    );
}

#[test]
fn resource_with_no_subject() {
    let mut orphan = observation(
        "o-no-subject",
        "Patient/p1",
        "89247-1",
        "ECOG",
        &json!({"valueInteger": 1}),
    );
    orphan.as_object_mut().unwrap().remove("subject");
    let document = bundle(
        "collection",
        &[patient("p1", "MRN-1", "Lind", "Mara"), orphan],
    );
    let report = warns(
        "no-subject.json",
        &pretty(&document),
        &[
            "entry[1].resource",
            "Observation/o-no-subject",
            "no subject",
        ],
    );
    assert_eq!(report.patients, 1, "the patient of the file is imported");
}

#[test]
fn dangling_subject_reference() {
    // The patient in the file is fine; the observation is about a patient that exists nowhere:
    // it waits for that patient (a later file may bring them), and the run says so.
    let document = bundle(
        "collection",
        &[
            patient("p1", "MRN-DANGLE", "Lind", "Mara"),
            observation(
                "o1",
                "Patient/nobody",
                "89247-1",
                "ECOG",
                &json!({"valueInteger": 1}),
            ),
        ],
    );
    let report = warns(
        "dangling-subject.json",
        &pretty(&document),
        &["Observation/o1", "Patient/nobody", "in no imported file"],
    );
    assert_eq!((report.patients, report.waiting), (1, 1));
    // A file of its own about a patient that is not in the database.
    let alone = condition("c1", "Patient/ghost", ICD10, "G40.909", "Epilepsy");
    let report = warns(
        "dangling-alone.json",
        &pretty(&alone),
        &["Condition/c1", "Patient/ghost"],
    );
    assert_eq!(report.waiting, 1);
}

#[test]
fn dangling_medication_reference() {
    let document = bundle(
        "collection",
        &[
            patient("p1", "MRN-1", "Lind", "Mara"),
            json!({
                "resourceType": "MedicationRequest", "id": "r1", "status": "active",
                "intent": "order", "subject": {"reference": "urn:uuid:p1"},
                "medicationReference": {"reference": "Medication/missing"},
                "authoredOn": "2021-01-01"
            }),
        ],
    );
    warns(
        "dangling-medication.json",
        &pretty(&document),
        &[
            "MedicationRequest/r1",
            "Medication/missing",
            "unidentified medication",
        ],
    );
    // A contained reference to nothing contained.
    let document = bundle(
        "collection",
        &[
            patient("p1", "MRN-1", "Lind", "Mara"),
            json!({
                "resourceType": "MedicationStatement", "id": "s1", "status": "active",
                "subject": {"reference": "urn:uuid:p1"},
                "medicationReference": {"reference": "#nothing"},
                "effectiveDateTime": "2021-01-01"
            }),
        ],
    );
    warns(
        "dangling-contained.json",
        &pretty(&document),
        &["entry[1].resource", "MedicationStatement/s1", "#nothing"],
    );
}

#[test]
fn impossible_date() {
    let document = bundle(
        "collection",
        &[
            patient("p1", "MRN-1", "Lind", "Mara"),
            observation(
                "o1",
                "urn:uuid:p1",
                "89247-1",
                "ECOG",
                &json!({"valueInteger": 1, "effectiveDateTime": "2023-02-30"}),
            ),
        ],
    );
    warns(
        "feb-30.json",
        &pretty(&document),
        &[
            "entry[1].resource",
            "Observation/o1",
            "effective",
            "2023-02-30",
        ],
    );
    // In a drug's period, with a time.
    let document = bundle(
        "collection",
        &[
            patient("p1", "MRN-1", "Lind", "Mara"),
            statement(
                "s1",
                "urn:uuid:p1",
                ("114477", "Levetiracetam"),
                "stopped",
                "2023-01-01",
                Some("2023-02-30T10:00:00Z"),
            ),
        ],
    );
    warns(
        "feb-30-end.json",
        &pretty(&document),
        &[
            "entry[1].resource",
            "MedicationStatement/s1",
            "end",
            "2023-02-30",
        ],
    );
    // A birth date in a patient.
    let mut born = patient("p1", "MRN-1", "Lind", "Mara");
    born["birthDate"] = json!("1984-13-01");
    warns(
        "month-13.json",
        &pretty(&born),
        &["Patient/p1", "birthDate", "1984-13-01"],
    );
}

/// NDJSON lines of a good export (a patient and three observations about them).
fn ndjson_lines() -> Vec<String> {
    let subject = "Patient/nd-bad-1";
    let mut lines =
        vec![serde_json::to_string(&patient("nd-bad-1", "NDB-1", "Sand", "Eli")).unwrap()];
    for (i, value) in [1, 2, 3].iter().enumerate() {
        lines.push(
            serde_json::to_string(&observation(
                &format!("o{i}"),
                subject,
                "89247-1",
                "ECOG",
                &json!({"valueInteger": value}),
            ))
            .unwrap(),
        );
    }
    lines
}

#[test]
fn ndjson_with_one_bad_line() {
    let mut lines = ndjson_lines();
    lines[2] = lines[2][..lines[2].len() / 2].to_owned();
    let text = lines.join("\n") + "\n";
    rejects("export.ndjson", text.as_bytes(), &["line 3"]);
}

#[test]
fn ndjson_bad_line_after_blank_lines_counts_every_line() {
    // Blank lines (at the start too) are lines: the error names the line an editor shows.
    let mut lines = ndjson_lines();
    lines[3] = String::from("{\"resourceType\": \"Observation\", \"id\": }");
    let text = String::from("\n\n") + &lines.join("\n\n") + "\n";
    // Lines: 1-2 blank, 3 patient, 4 blank, 5 obs, 6 blank, 7 obs, 8 blank, 9 bad.
    rejects("blank-lines.ndjson", text.as_bytes(), &["line 9"]);
}

#[test]
fn ndjson_line_that_is_not_a_resource() {
    let mut lines = ndjson_lines();
    lines[1] = String::from("{\"hello\": \"world\"}");
    let text = lines.join("\n");
    rejects(
        "no-type.ndjson",
        text.as_bytes(),
        &["line 2", "resourceType"],
    );
}

#[test]
fn folder_mixing_good_and_bad_files() {
    let mut env = Env::new();
    let folder = env.path("export");
    let good_a = super::write_json(
        &folder.join("a-good.json"),
        &epilepsy_bundle("fa", "FOLDER-A", ("266721009", "No response")),
    );
    let bad_b = folder.join("b-bad.json");
    std::fs::write(&bad_b, b"{\"resourceType\": \"Bundle\", \"entry\": [").unwrap();
    let good_c = super::write_json(
        &folder.join("nested/c-good.json"),
        &bundle(
            "searchset",
            &[
                patient("fc", "FOLDER-C", "Moe", "Ola"),
                json!({
                    "resourceType": "MedicationRequest", "id": "fc-r", "status": "active",
                    "intent": "order", "subject": {"reference": "Patient/fc"},
                    "medicationCodeableConcept": coding(RXNORM, "17767", "Amlodipine 5 MG Oral Tablet"),
                    "authoredOn": "2020-01-01"
                }),
                observation(
                    "fc-o",
                    "Patient/fc",
                    "8480-6",
                    "Systolic blood pressure",
                    &json!({"valueQuantity": {"value": 141, "unit": "mm[Hg]"}}),
                ),
            ],
        ),
    );
    let bad_d = folder.join("d-bad.ndjson");
    std::fs::write(
        &bad_d,
        "{\"resourceType\": \"Patient\", \"id\": \"d\"}\nnot json\n",
    )
    .unwrap();
    // Files that are not FHIR exports by their name are not read.
    std::fs::write(folder.join("README.txt"), "exported 2024-06-01").unwrap();

    let report = env.import(std::slice::from_ref(&folder));
    assert_eq!(report.files.len(), 4, "{report:#?}");
    assert_eq!((report.imported, report.failed), (2, 2));
    for (path, outcome) in [
        (&good_a, FileOutcome::Imported),
        (&bad_b, FileOutcome::Failed),
        (&good_c, FileOutcome::Imported),
        (&bad_d, FileOutcome::Failed),
    ] {
        let file = report
            .files
            .iter()
            .find(|f| f.path == path.display().to_string())
            .unwrap_or_else(|| panic!("{} not in the report", path.display()));
        assert_eq!(file.outcome, outcome, "{}: {:?}", file.path, file.error);
    }
    let bad_d_error = report
        .files
        .iter()
        .find(|f| f.path.ends_with("d-bad.ndjson"))
        .unwrap()
        .error
        .clone()
        .unwrap();
    assert!(bad_d_error.contains("line 2"), "{bad_d_error}");
    assert_eq!(env.int("SELECT count(*) FROM patients"), 2);
    assert_eq!(
        env.int("SELECT count(*) FROM patients WHERE mrn IN ('FOLDER-A', 'FOLDER-C')"),
        2
    );

    // The command line on the same folder, into a fresh database.
    let db = env.path("cli.db");
    let (code, summary, stderr) = cli_import(&db, &[folder]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(summary["imported"], 2);
    assert_eq!(summary["failed"], 2);
    assert_eq!(stderr.lines().count(), 2, "{stderr}");
    assert!(stderr.contains("b-bad.json") && stderr.contains("d-bad.ndjson"));
    assert!(!stderr.to_lowercase().contains("panick"), "{stderr}");
}
