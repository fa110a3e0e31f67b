//! A new version of a stored resource that refract skips or leaves out (a lab's value withdrawn
//! as an error, a reading whose date is gone, a drug record that no longer names a drug, a
//! condition whose code is gone, a subject nobody can resolve) takes the stored version out of
//! the record: the patient's record is what a fresh import of the new version gives, and the
//! removal is counted, warned about and audited. An older copy, or one about another patient,
//! changes nothing.

use refract::import::FileReport;
use serde_json::{Value, json};

use super::{Env, ICD10, LOINC, RXNORM, coding, condition, observation, patient, with};

const SUBJECT: &str = "Patient/p-wd";

fn person() -> Value {
    patient("p-wd", "WD-1", "Lindgren", "Claudia")
}

/// The body height of the finding: 109.8 cm on 2010-12-28, last updated in 2024.
fn height() -> Value {
    json!({
        "resourceType": "Observation",
        "id": "obs-height",
        "meta": {"lastUpdated": "2024-01-01T00:00:00Z"},
        "status": "final",
        "category": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "vital-signs"
        }]}],
        "code": coding(LOINC, "8302-2", "Body Height"),
        "subject": {"reference": SUBJECT},
        "effectiveDateTime": "2010-12-28T08:41:16-05:00",
        "issued": "2010-12-28T08:41:16.214-05:00",
        "valueQuantity": {"value": 109.8, "unit": "cm", "system": "http://unitsofmeasure.org", "code": "cm"}
    })
}

/// `resource` with `fields` removed and `extra` added.
fn edited(resource: &Value, fields: &[&str], extra: &Value) -> Value {
    let mut out = with(resource.clone(), extra);
    for field in fields {
        out.as_object_mut().unwrap().remove(*field);
    }
    out
}

fn amoxicillin() -> Value {
    json!({
        "resourceType": "MedicationRequest",
        "id": "mr-amox",
        "meta": {"lastUpdated": "2024-01-01T00:00:00Z"},
        "status": "stopped",
        "intent": "order",
        "medicationCodeableConcept": coding(RXNORM, "308192", "Amoxicillin 500 MG Oral Tablet"),
        "subject": {"reference": SUBJECT},
        "authoredOn": "2018-08-29T04:41:16-04:00"
    })
}

fn ndjson(env: &Env, name: &str, resources: &[Value]) -> std::path::PathBuf {
    let text: String = resources.iter().map(|r| r.to_string() + "\n").collect();
    env.write_bytes(name, text.as_bytes())
}

/// What refract shows and decides of the database's patients, without row ids.
fn shown(env: &Env) -> Vec<Vec<String>> {
    let mut rows = env.rows(
        "SELECT 'observation', code, coalesce(value, '-'), coalesce(value_code, '-'), effective
         FROM observations ORDER BY 2, 3, 4, 5",
    );
    rows.extend(env.rows(
        "SELECT 'drug', text, coalesce(rxnorm, '-'), start, coalesce(end, '-')
         FROM drug_exposures ORDER BY 2, 3, 4",
    ));
    rows.extend(env.rows(
        "SELECT 'condition', system, code, coalesce(onset, '-') FROM conditions ORDER BY 2, 3, 4",
    ));
    rows.extend(env.rows("SELECT 'procedure', code, performed FROM procedures ORDER BY 2, 3"));
    rows.extend(env.rows("SELECT 'assessment', ruleset, status FROM assessments ORDER BY 2"));
    rows.extend(
        env.rows("SELECT 'patient', mrn, list_status, list_ruleset FROM patients ORDER BY 2"),
    );
    rows
}

/// Imports `first` then `second` (each with the Patient) into one database, `second` alone
/// into another; asserts the two show the same, and returns the second file's report and what
/// the database shows.
fn again_and_fresh(first: &[Value], second: &[Value]) -> (FileReport, Env) {
    let mut again = Env::new();
    let mut with_patient = vec![person()];
    with_patient.extend_from_slice(first);
    let path = ndjson(&again, "v1.ndjson", &with_patient);
    again.import_ok(&path);
    let mut with_patient = vec![person()];
    with_patient.extend_from_slice(second);
    let path = ndjson(&again, "v2.ndjson", &with_patient);
    let report = again.import_ok(&path);

    let mut fresh = Env::new();
    let path = ndjson(&fresh, "v2.ndjson", &with_patient);
    fresh.import_ok(&path);
    assert_eq!(
        shown(&again),
        shown(&fresh),
        "imported over the first version: {report:#?}"
    );
    (report, again)
}

/// The audit rows of removals, `before` as text.
fn removals(env: &Env) -> Vec<String> {
    env.rows("SELECT before FROM audit_log WHERE action = 'import.resource.remove'")
        .into_iter()
        .map(|row| row[0].clone())
        .collect()
}

fn warned_about(report: &FileReport, resource: &str) -> Vec<String> {
    report
        .warnings
        .iter()
        .filter(|w| w.resource == resource)
        .map(|w| w.message.clone())
        .collect()
}

#[test]
fn an_observation_whose_value_the_lab_withdrew_no_longer_shows_the_old_value() {
    let withdrawn = edited(
        &height(),
        &["valueQuantity"],
        &json!({
            "status": "amended",
            "meta": {"lastUpdated": "2025-01-01T00:00:00Z"},
            "dataAbsentReason": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
                "code": "error",
                "display": "Error"
            }]}
        }),
    );
    let (report, env) = again_and_fresh(&[height()], &[withdrawn]);
    assert_eq!(env.int("SELECT count(*) FROM observations"), 0);
    assert_eq!((report.removed, report.updated), (1, 0), "{report:#?}");
    let removed = removals(&env);
    assert_eq!(removed.len(), 1, "{removed:?}");
    assert!(removed[0].contains("obs-height") && removed[0].contains("109.8"));
    let warnings = warned_about(&report, "Observation/obs-height");
    assert!(
        warnings.iter().any(|w| w.contains("removed")),
        "{warnings:?}"
    );
}

#[test]
fn an_observation_whose_date_was_removed_no_longer_shows_the_old_reading() {
    let undated = edited(
        &height(),
        &["effectiveDateTime", "issued"],
        &json!({"meta": {"lastUpdated": "2025-01-01T00:00:00Z"}}),
    );
    let (report, env) = again_and_fresh(&[height()], &[undated]);
    assert_eq!(env.int("SELECT count(*) FROM observations"), 0);
    assert_eq!(report.removed, 1, "{report:#?}");
    assert_eq!(removals(&env).len(), 1);
    // One warning for the resource: why it is left out, and that the stored version went.
    let warnings = warned_about(&report, "Observation/obs-height");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("no date") && warnings[0].contains("removed"),
        "{warnings:?}"
    );
}

#[test]
fn a_medication_request_that_no_longer_names_a_drug_is_no_longer_an_exposure() {
    let nameless = with(
        amoxicillin(),
        &json!({
            "meta": {"lastUpdated": "2025-01-01T00:00:00Z"},
            "medicationCodeableConcept": {"text": " "}
        }),
    );
    let (report, env) = again_and_fresh(&[amoxicillin()], &[nameless]);
    assert_eq!(env.int("SELECT count(*) FROM drug_exposures"), 0);
    assert_eq!(report.removed, 1, "{report:#?}");
    let removed = removals(&env);
    assert_eq!(removed.len(), 1, "{removed:?}");
    assert!(removed[0].contains("mr-amox"), "{removed:?}");
}

#[test]
fn a_condition_whose_code_is_gone_in_a_bundle_no_longer_counts() {
    // The skip path of another type, in a file written in one transaction with its patient.
    let coded = with(
        condition("dx-ep", SUBJECT, ICD10, "G40.909", "Epilepsy"),
        &json!({"meta": {"lastUpdated": "2024-01-01T00:00:00Z"}}),
    );
    let uncoded = edited(
        &coded,
        &["code"],
        &json!({"meta": {"lastUpdated": "2025-01-01T00:00:00Z"}}),
    );
    let mut env = Env::new();
    let first = env.write_json("v1.json", &super::bundle("collection", &[person(), coded]));
    env.import_ok(&first);
    assert_eq!(env.int("SELECT count(*) FROM conditions"), 1);
    let second = env.write_json(
        "v2.json",
        &super::bundle("collection", &[person(), uncoded.clone()]),
    );
    let report = env.import_ok(&second);
    assert_eq!(env.int("SELECT count(*) FROM conditions"), 0, "{report:#?}");
    assert_eq!(report.removed, 1);
    assert_eq!(report.skipped.get("Condition (no code)"), Some(&1));
    let mut fresh = Env::new();
    let path = fresh.write_json(
        "v2.json",
        &super::bundle("collection", &[person(), uncoded]),
    );
    fresh.import_ok(&path);
    assert_eq!(shown(&env), shown(&fresh));
}

#[test]
fn an_older_copy_left_out_changes_nothing() {
    // The stored reading was written in 2025; a copy of 2024 without its value is older.
    let stored = with(
        height(),
        &json!({"meta": {"lastUpdated": "2025-01-01T00:00:00Z"}}),
    );
    let older_without_value = edited(
        &height(),
        &["valueQuantity"],
        &json!({"meta": {"lastUpdated": "2024-01-01T00:00:00Z"}}),
    );
    let older_without_date = edited(
        &height(),
        &["effectiveDateTime", "issued"],
        &json!({"meta": {"lastUpdated": "2024-06-01T00:00:00Z"}}),
    );
    let mut env = Env::new();
    let path = ndjson(&env, "v1.ndjson", &[person(), stored]);
    env.import_ok(&path);
    let before = shown(&env);
    let changes = "SELECT count(*) FROM audit_log WHERE action <> 'import.file'";
    let audited = env.int(changes);
    for (name, older) in [
        ("older-1.ndjson", older_without_value),
        ("older-2.ndjson", older_without_date),
    ] {
        let path = ndjson(&env, name, &[person(), older]);
        let report = env.import_ok(&path);
        assert_eq!((report.removed, report.older), (0, 1), "{report:#?}");
        assert_eq!(shown(&env), before);
    }
    assert_eq!(env.int(changes), audited, "nothing audited but the files");
    assert!(
        env.rows("SELECT value FROM observations")
            .iter()
            .any(|row| row[0] == "109.8")
    );
}

#[test]
fn a_left_out_version_naming_another_patient_is_refused_as_a_changed_subject_is() {
    let mut env = Env::new();
    let path = ndjson(&env, "v1.ndjson", &[person(), height()]);
    env.import_ok(&path);
    let other = patient("p-other", "WD-2", "Berg", "Anna");
    let moved = edited(
        &height(),
        &["valueQuantity"],
        &json!({
            "subject": {"reference": "Patient/p-other"},
            "meta": {"lastUpdated": "2025-01-01T00:00:00Z"}
        }),
    );
    let path = ndjson(&env, "v2.ndjson", &[person(), other, moved]);
    let report = env.import_ok(&path);
    assert_eq!(report.removed, 0, "{report:#?}");
    assert_eq!(env.int("SELECT count(*) FROM observations"), 1);
    let warnings = warned_about(&report, "Observation/obs-height");
    assert!(
        warnings.iter().any(|w| w.contains("another patient")),
        "{warnings:?}"
    );
}

#[test]
fn a_version_whose_subject_is_gone_changes_nothing_and_says_so() {
    // Whose it is cannot be told: it may be another system's resource with the same id.
    let subjectless = edited(
        &height(),
        &["subject"],
        &json!({"meta": {"lastUpdated": "2025-01-01T00:00:00Z"}}),
    );
    let mut env = Env::new();
    let path = ndjson(&env, "v1.ndjson", &[person(), height()]);
    env.import_ok(&path);
    let before = shown(&env);
    let path = ndjson(&env, "v2.ndjson", &[person(), subjectless]);
    let report = env.import_ok(&path);
    assert_eq!((report.removed, report.updated), (0, 0), "{report:#?}");
    assert_eq!(shown(&env), before);
    assert!(removals(&env).is_empty());
    let warnings = warned_about(&report, "Observation/obs-height");
    assert!(
        warnings.iter().any(|w| w.contains("not changed")),
        "{warnings:?}"
    );
}

/// A version whose subject is written but names nobody this import can take for the stored
/// copy's patient is someone else's resource with the same id: it changes nothing.
#[test]
fn a_left_out_version_whose_subject_names_someone_unresolved_removes_nothing() {
    let subjects = [
        json!({"reference": "Group/g1"}),
        json!({"reference": "Patient?identifier=urn:test:nobody|N-1"}),
        json!({"identifier": {"system": "urn:test:nobody", "value": "N-2"}}),
        json!({"display": "Someone"}),
        json!({"reference": "#contained-patient"}),
    ];
    for subject in subjects {
        let mut env = Env::new();
        let path = ndjson(&env, "v1.ndjson", &[person(), height()]);
        env.import_ok(&path);
        let before = shown(&env);
        // Without its value it is left out; with a value it is too, for its subject.
        for (name, version) in [
            (
                "valueless.ndjson",
                edited(
                    &height(),
                    &["valueQuantity"],
                    &json!({"subject": subject, "meta": {"lastUpdated": "2025-01-01T00:00:00Z"}}),
                ),
            ),
            (
                "valued.ndjson",
                with(
                    height(),
                    &json!({"subject": subject, "meta": {"lastUpdated": "2025-02-01T00:00:00Z"}}),
                ),
            ),
        ] {
            let path = ndjson(&env, name, &[person(), version]);
            let report = env.import_ok(&path);
            assert_eq!(
                (report.removed, report.updated, report.added),
                (0, 0, 0),
                "{subject}: {report:#?}"
            );
            assert_eq!(shown(&env), before, "{subject}");
            assert!(removals(&env).is_empty(), "{subject}");
            assert!(
                !warned_about(&report, "Observation/obs-height").is_empty(),
                "{subject}: {report:#?}"
            );
        }
    }
}

/// Two servers' `Observation/o1` under one source: the other server's, about its own patient,
/// is no version of this one's.
#[test]
fn another_servers_resource_with_the_same_id_removes_nothing() {
    const NORTH: &str = "https://north.example/fhir";
    const SOUTH: &str = "https://south.example/fhir";
    let options = refract::import::ImportOptions {
        source: Some(NORTH.to_owned()),
        ..Default::default()
    };
    let entry = |url: String, resource: Value| json!({"fullUrl": url, "resource": resource});
    let file = |entries: Vec<Value>| json!({"resourceType": "Bundle", "type": "collection", "entry": entries});
    let mut env = Env::new();
    let first = env.write_json(
        "north.json",
        &file(vec![
            entry(format!("{NORTH}/Patient/p-wd"), person()),
            entry(format!("{NORTH}/Observation/obs-height"), height()),
        ]),
    );
    env.import_with(&[first], &options);
    assert_eq!(env.int("SELECT count(*) FROM observations"), 1);
    let before = shown(&env);
    let south = |resource: Value| {
        with(
            resource,
            &json!({
                "subject": {"reference": format!("{SOUTH}/Patient/p-wd")},
                "meta": {"lastUpdated": "2025-01-01T00:00:00Z"}
            }),
        )
    };
    // With north's Patient in the file, and without it (nothing then says which p-wd it is
    // but the URL).
    let files = [
        file(vec![
            entry(format!("{NORTH}/Patient/p-wd"), person()),
            entry(format!("{SOUTH}/Observation/obs-height"), south(height())),
        ]),
        file(vec![entry(
            format!("{SOUTH}/Observation/obs-height"),
            south(edited(&height(), &["valueQuantity"], &json!({}))),
        )]),
    ];
    for (at, second) in files.iter().enumerate() {
        let path = env.write_json(&format!("mixed-{at}.json"), second);
        let report = env.import_with(&[path], &options);
        let file = &report.files[0];
        assert_eq!((file.removed, file.updated), (0, 0), "{report:#?}");
        assert_eq!(shown(&env), before, "file {at}");
        assert!(removals(&env).is_empty(), "file {at}");
    }
}

/// A search result of `_elements` or `_summary` is tagged SUBSETTED: an incomplete copy, which
/// FHIR says must not be used to update. It neither updates, removes nor adds.
#[test]
fn a_summary_copy_changes_nothing() {
    let subsetted = |resource: Value, code: &str| {
        with(
            resource,
            &json!({"meta": {
                "lastUpdated": "2025-01-01T00:00:00Z",
                "tag": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "code": code}]
            }}),
        )
    };
    let coded = with(
        condition("dx-ep", SUBJECT, ICD10, "G40.909", "Epilepsy"),
        &json!({"meta": {"lastUpdated": "2024-01-01T00:00:00Z"}}),
    );
    // `_summary=text`: id, meta, text and the mandatory elements, no subject or code.
    let text_only = json!({
        "resourceType": "Condition",
        "id": "dx-ep",
        "meta": {"tag": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "code": "SUBSETTED"}]},
        "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">Epilepsy</div>"}
    });
    let copies = vec![
        person(),
        subsetted(
            edited(&height(), &["valueQuantity", "issued"], &json!({})),
            "SUBSETTED",
        ),
        subsetted(
            with(amoxicillin(), &json!({"status": "active"})),
            "subsetted",
        ),
        subsetted(
            observation(
                "obs-new",
                SUBJECT,
                "8480-6",
                "Systolic blood pressure",
                &json!({"valueQuantity": {"value": 150, "unit": "mm[Hg]"}}),
            ),
            "SUBSETTED",
        ),
        text_only,
    ];
    for written in ["searchset", "ndjson"] {
        let mut env = Env::new();
        let path = ndjson(
            &env,
            "v1.ndjson",
            &[person(), height(), amoxicillin(), coded.clone()],
        );
        env.import_ok(&path);
        let before = shown(&env);
        let path = if written == "ndjson" {
            ndjson(&env, "summary.ndjson", &copies)
        } else {
            env.write_json("summary.json", &super::bundle("searchset", &copies))
        };
        let report = env.import_ok(&path);
        assert_eq!(
            (report.removed, report.updated, report.added),
            (0, 0, 0),
            "{written}: {report:#?}"
        );
        assert_eq!(shown(&env), before, "{written}");
        assert!(removals(&env).is_empty(), "{written}");
        assert_eq!(
            report.skipped.get(SUMMARY_COPY),
            Some(&4),
            "{written}: {report:#?}"
        );
    }
    // Nor is a file of summary copies anyone's whole record: --replace removes nothing for it.
    let mut env = Env::new();
    let path = ndjson(
        &env,
        "v1.ndjson",
        &[person(), height(), amoxicillin(), coded],
    );
    env.import_ok(&path);
    let before = shown(&env);
    let path = ndjson(&env, "summary.ndjson", &copies);
    let options = refract::import::ImportOptions {
        replace: true,
        ..Default::default()
    };
    let report = env.import_with(&[path], &options);
    assert_eq!(report.files[0].removed, 0, "{report:#?}");
    assert_eq!(shown(&env), before);
    assert!(removals(&env).is_empty());
}

const SUMMARY_COPY: &str = "summary copy (SUBSETTED)";
