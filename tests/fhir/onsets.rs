//! When a diagnosis began and whether it is current, as FHIR R4 says it: `recordedDate` is when
//! the diagnosis was written down, not when the illness began (an encounter diagnosis recorded
//! today of a depression treated for two years); an onset refract cannot date (`onsetString`,
//! `onsetAge`) is unknown, and an unknown onset never excludes a trial from the current episode.
//! A record that says nothing of a diagnosis's status does not make current one that another
//! record of it says is resolved, unless it began after that one ended.

use serde_json::{Value, json};

use super::{Env, SNOMED, bundle, coding, patient, reason, refract, with};

const SUBJECT: &str = "urn:uuid:ons-pt";
const MDD: (&str, &str) = ("370143000", "Major depressive disorder");
const EPILEPSY: (&str, &str) = ("84757009", "Epilepsy");

/// A Condition of `diagnosis` with `extra` (statuses, dates) and no other element.
fn diagnosis(id: &str, (code, display): (&str, &str), extra: &Value) -> Value {
    with(
        json!({
            "resourceType": "Condition",
            "id": id,
            "subject": {"reference": SUBJECT},
            "code": {"coding": [{"system": SNOMED, "code": code, "display": display}]}
        }),
        extra,
    )
}

fn clinical(code: &str) -> Value {
    json!({"coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": code
    }]})
}

/// A diagnosis written at an encounter: no clinical status, only when it was recorded.
fn encounter_diagnosis(id: &str, diagnosis_of: (&str, &str), recorded: &str) -> Value {
    diagnosis(
        id,
        diagnosis_of,
        &json!({
            "recordedDate": recorded,
            "category": [{"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                "code": "encounter-diagnosis"
            }]}]
        }),
    )
}

/// A drug taken `mg` once a day from `start` to `end`, stopped for no response.
fn failed(id: &str, (code, text): (&str, &str), mg: f64, (start, end): (&str, &str)) -> Value {
    json!({
        "resourceType": "MedicationStatement",
        "id": id,
        "status": "stopped",
        "subject": {"reference": SUBJECT},
        "medicationCodeableConcept": coding(super::RXNORM, code, text),
        "effectivePeriod": {"start": start, "end": end},
        "statusReason": [reason("266721009", "No response to treatment")],
        "dosage": [{
            "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [{"doseQuantity": {"value": mg, "unit": "mg"}}]
        }]
    })
}

fn phq9(id: &str, day: &str, score: i64) -> Value {
    json!({
        "resourceType": "Observation",
        "id": id,
        "status": "final",
        "subject": {"reference": SUBJECT},
        "code": coding(super::LOINC, "44261-6", "PHQ-9 total score"),
        "effectiveDateTime": day,
        "valueInteger": score
    })
}

/// Sertraline then escitalopram in 2025, each four months at a full dose and stopped for no
/// response, PHQ-9 over 20 throughout: two adequate failed trials of the episode that began in
/// January 2025 (the test day is 2026-11-27, the last score within a year of it).
fn depressed_with(diagnoses: &[Value]) -> Value {
    let mut resources = vec![patient("ons-pt", "ONS-1", "Ek", "Mira")];
    resources.extend_from_slice(diagnoses);
    resources.extend([
        failed(
            "ser",
            ("312940", "sertraline 100 MG Oral Tablet"),
            150.0,
            ("2025-02-01", "2025-06-01"),
        ),
        failed(
            "esc",
            ("351249", "escitalopram 10 MG Oral Tablet"),
            20.0,
            ("2025-07-01", "2025-11-01"),
        ),
        phq9("q1", "2025-01-20", 22),
        phq9("q2", "2025-05-25", 21),
        phq9("q3", "2025-06-25", 21),
        phq9("q4", "2025-10-25", 20),
        phq9("q5", "2026-09-01", 20),
    ]);
    bundle("collection", &resources)
}

/// Each assessment of the patient: (rule set, status, detail).
fn assessments(env: &Env) -> Vec<(String, String, String)> {
    env.rows("SELECT ruleset, status, detail FROM assessments ORDER BY ruleset")
        .into_iter()
        .map(|row| (row[0].clone(), row[1].clone(), row[2].clone()))
        .collect()
}

fn imported(document: &Value) -> Env {
    let mut env = Env::new();
    let path = env.write_json("onsets.json", document);
    env.import_ok(&path);
    env
}

fn show_text(env: &Env) -> String {
    let output = refract()
        .arg("--db")
        .arg(env.db())
        .args(["show", "ONS-1"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn a_recorded_date_is_not_when_the_illness_began() {
    // The problem list dates the episode from January 2025; an encounter in September 2026
    // wrote the diagnosis down again, with no onset: the trials of 2025 are still in the episode.
    let problem = diagnosis(
        "mdd",
        MDD,
        &json!({"clinicalStatus": clinical("active"), "onsetDateTime": "2025-01-01"}),
    );
    let env = imported(&depressed_with(&[
        problem,
        encounter_diagnosis("mdd-enc", MDD, "2026-09-01"),
    ]));
    assert_eq!(
        env.rows("SELECT coalesce(onset, '-') FROM conditions ORDER BY onset"),
        [["-"], ["2025-01-01"]]
    );
    let all = assessments(&env);
    assert_eq!(all.len(), 1, "{all:#?}");
    let (_, status, detail) = &all[0];
    assert_eq!(status, "refractory", "{detail}");
    assert!(!detail.contains("before the current episode"), "{detail}");
}

#[test]
fn an_onset_in_words_is_unknown_and_excludes_no_trial() {
    // "early 2025, after bereavement" is no date; the diagnosis was recorded in September 2026,
    // so it began on or before then: nothing says the trials of 2025 were before it.
    let only = diagnosis(
        "mdd",
        MDD,
        &json!({
            "clinicalStatus": clinical("active"),
            "onsetString": "early 2025, after bereavement",
            "recordedDate": "2026-09-01"
        }),
    );
    // An age at onset is not turned into a date either (see README: the birth date is another
    // resource's, and an age is a year wide).
    let by_age = diagnosis(
        "mdd",
        MDD,
        &json!({
            "clinicalStatus": clinical("active"),
            "onsetAge": {"value": 44, "unit": "a", "system": "http://unitsofmeasure.org", "code": "a"},
            "recordedDate": "2026-09-01"
        }),
    );
    for (name, condition) in [("onsetString", only), ("onsetAge", by_age)] {
        let env = imported(&depressed_with(&[condition]));
        assert_eq!(
            env.rows("SELECT coalesce(onset, '-') FROM conditions"),
            [["-"]],
            "{name}"
        );
        let all = assessments(&env);
        assert_eq!(all.len(), 1, "{name}: {all:#?}");
        let (_, status, detail) = &all[0];
        assert_eq!(status, "refractory", "{name}: {detail}");
    }
}

/// Epilepsy whose levetiracetam (2018) and lamotrigine (2019) each failed: two failed schedules,
/// with the diagnoses `diagnoses`.
fn epilepsy_with(diagnoses: &[Value]) -> Value {
    let mut resources = vec![patient("ons-pt", "ONS-1", "Ek", "Mira")];
    resources.extend_from_slice(diagnoses);
    resources.extend([
        failed(
            "lev",
            ("311289", "levetiracetam 500 MG Oral Tablet"),
            1500.0,
            ("2018-01-01", "2018-09-01"),
        ),
        failed(
            "ltg",
            ("198429", "lamotrigine 100 MG Oral Tablet"),
            300.0,
            ("2019-01-01", "2019-09-01"),
        ),
    ]);
    bundle("collection", &resources)
}

/// The problem list: epilepsy since 2015, resolved in June 2025.
fn resolved_epilepsy() -> Value {
    diagnosis(
        "ep",
        EPILEPSY,
        &json!({
            "clinicalStatus": clinical("resolved"),
            "onsetDateTime": "2015-01-01",
            "abatementDateTime": "2025-06-01"
        }),
    )
}

#[test]
fn a_diagnosis_without_a_status_does_not_undo_a_resolution() {
    // An encounter of 2018 diagnosed epilepsy (no status: R4 asks for one only on the problem
    // list); the problem list says it resolved in 2025. Not a current diagnosis: no assessment.
    let env = imported(&epilepsy_with(&[
        resolved_epilepsy(),
        encounter_diagnosis("ep-enc", EPILEPSY, "2018-03-01"),
    ]));
    let all = assessments(&env);
    assert!(all.is_empty(), "{all:#?}");
    // Both records are listed, as past: the encounter's, with no onset, after the heading.
    let text = show_text(&env);
    let past = text.find("past or ruled out:").expect(&text);
    let encounter = text
        .find("Epilepsy (snomed 84757009), since –")
        .expect(&text);
    assert!(past < encounter, "{text}");

    // One that began after the resolution is a new episode: current, and assessed.
    let recurred = diagnosis("ep-new", EPILEPSY, &json!({"onsetDateTime": "2025-10-01"}));
    let env = imported(&epilepsy_with(&[resolved_epilepsy(), recurred]));
    let all = assessments(&env);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0].0, "epilepsy");
    assert_eq!(all[0].1, "refractory", "{}", all[0].2);
}
