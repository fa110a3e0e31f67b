//! `refract flags --json` explains the criteria's reasoning in `reasons` and `missing`, end to
//! end: FHIR R4 records imported into a fresh file, then evaluated by the binary on the real
//! today (so the records are dated back from it). One hypertension patient with a single office
//! reading (AHA: >= 2 readings on >= 2 occasions), one whose blood pressure is 20 months old,
//! and one schizophrenia patient whose second trial is a long-acting injectable recorded as
//! "150 mg every 4 weeks".

use assert_cmd::Command;
use chrono::{Duration, Local, NaiveDate};
use serde_json::{Value, json};

fn refract() -> Command {
    let mut cmd = Command::cargo_bin("refract").unwrap();
    cmd.env_remove("REFRACT_DB").env("USER", "rules-test");
    cmd
}

fn ago(days: i64) -> String {
    let today: NaiveDate = Local::now().date_naive();
    (today - Duration::days(days)).to_string()
}

fn entry(resource: Value) -> Value {
    let mut entry = serde_json::Map::new();
    entry.insert(String::from("resource"), resource);
    Value::Object(entry)
}

fn patient(id: &str) -> Value {
    entry(json!({
        "resourceType": "Patient",
        "id": id,
        "identifier": [{
            "type": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR" }] },
            "system": "https://example.org/mrn",
            "value": id
        }],
        "name": [{ "family": "Test", "given": [id] }],
        "gender": "female",
        "birthDate": "1970-01-01"
    }))
}

fn condition(id: &str, subject: &str, icd10: &str, display: &str) -> Value {
    entry(json!({
        "resourceType": "Condition",
        "id": id,
        "subject": { "reference": format!("Patient/{subject}") },
        "clinicalStatus": { "coding": [{ "code": "active" }] },
        "code": {
            "coding": [{ "system": "http://hl7.org/fhir/sid/icd-10-cm", "code": icd10, "display": display }],
            "text": display
        },
        "onsetDateTime": ago(2000)
    }))
}

/// A medication statement for `text`, from `from` days ago (until `until`, when given), with a
/// structured dose of `mg` every `period` `unit`s and a stop reason.
#[allow(clippy::too_many_arguments)] // one statement, in the order FHIR writes it
fn medication(
    id: &str,
    subject: &str,
    text: &str,
    from: i64,
    until: Option<i64>,
    mg: f64,
    (period, unit): (f64, &str),
    stop: Option<(&str, &str)>,
) -> Value {
    let mut period_json = json!({ "start": ago(from) });
    if let Some(until) = until {
        period_json["end"] = json!(ago(until));
    }
    let mut resource = json!({
        "resourceType": "MedicationStatement",
        "id": id,
        "status": if until.is_some() { "completed" } else { "active" },
        "subject": { "reference": format!("Patient/{subject}") },
        "medicationCodeableConcept": { "text": text },
        "effectivePeriod": period_json,
        "dosage": [{
            "timing": { "repeat": { "frequency": 1, "period": period, "periodUnit": unit } },
            "doseAndRate": [{ "doseQuantity": { "value": mg, "unit": "mg" } }]
        }]
    });
    if let Some((code, display)) = stop {
        resource["statusReason"] = json!([{
            "coding": [{ "system": "http://snomed.info/sct", "code": code, "display": display }]
        }]);
    }
    entry(resource)
}

fn blood_pressure(id: &str, subject: &str, days: i64, systolic: f64, diastolic: f64) -> Value {
    let component = |code: &str, value: f64| {
        json!({
            "code": { "coding": [{ "system": "http://loinc.org", "code": code }] },
            "valueQuantity": { "value": value, "unit": "mm[Hg]" }
        })
    };
    entry(json!({
        "resourceType": "Observation",
        "id": id,
        "status": "final",
        "subject": { "reference": format!("Patient/{subject}") },
        "code": { "coding": [{ "system": "http://loinc.org", "code": "85354-9", "display": "Blood pressure panel" }] },
        "effectiveDateTime": format!("{}T10:00:00Z", ago(days)),
        "component": [component("8480-6", systolic), component("8462-4", diastolic)]
    }))
}

fn bundle() -> Value {
    let daily = (1.0, "d");
    let no_response = Some(("266721009", "No response to treatment"));
    let mut entries = vec![
        // One office reading on three classes with a diuretic.
        patient("HTN-ONE"),
        condition("c1", "HTN-ONE", "I10", "Essential hypertension"),
        medication(
            "m1",
            "HTN-ONE",
            "Chlorthalidone 25 MG Oral Tablet",
            400,
            None,
            25.0,
            daily,
            None,
        ),
        medication(
            "m2",
            "HTN-ONE",
            "Amlodipine 10 MG Oral Tablet",
            400,
            None,
            10.0,
            daily,
            None,
        ),
        medication(
            "m3",
            "HTN-ONE",
            "Losartan 100 MG Oral Tablet",
            400,
            None,
            100.0,
            daily,
            None,
        ),
        blood_pressure("o1", "HTN-ONE", 30, 156.0, 104.0),
        // Blood pressures 20 and 23 months old, prescriptions still running.
        patient("HTN-OLD"),
        condition("c2", "HTN-OLD", "I10", "Essential hypertension"),
        medication(
            "m4",
            "HTN-OLD",
            "Chlorthalidone 25 MG Oral Tablet",
            900,
            None,
            25.0,
            daily,
            None,
        ),
        medication(
            "m5",
            "HTN-OLD",
            "Amlodipine 10 MG Oral Tablet",
            900,
            None,
            10.0,
            daily,
            None,
        ),
        medication(
            "m6",
            "HTN-OLD",
            "Losartan 100 MG Oral Tablet",
            900,
            None,
            100.0,
            daily,
            None,
        ),
        blood_pressure("o2", "HTN-OLD", 700, 152.0, 94.0),
        blood_pressure("o3", "HTN-OLD", 610, 150.0, 96.0),
        // Risperidone failed, then paliperidone palmitate every 4 weeks for 6 months, failed.
        patient("TRS-LAI"),
        condition("c3", "TRS-LAI", "F20.0", "Paranoid schizophrenia"),
        medication(
            "m7",
            "TRS-LAI",
            "Risperidone 5 MG Oral Tablet",
            400,
            Some(300),
            10.0,
            daily,
            no_response,
        ),
    ];
    entries.push(medication(
        "m8",
        "TRS-LAI",
        "Xeplion (paliperidone) prolonged-release suspension for injection",
        290,
        Some(110),
        150.0,
        (4.0, "wk"),
        no_response,
    ));
    json!({ "resourceType": "Bundle", "type": "collection", "entry": entries })
}

fn assessment<'a>(flags: &'a [Value], mrn: &str) -> &'a Value {
    flags
        .iter()
        .find(|a| a["mrn"] == mrn)
        .unwrap_or_else(|| panic!("no assessment for {mrn} in {flags:#?}"))
}

fn texts(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn flags_json_explains_the_reasoning_in_reasons_and_missing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("refract.db");
    let file = dir.path().join("bundle.json");
    std::fs::write(&file, serde_json::to_string_pretty(&bundle()).unwrap()).unwrap();
    refract()
        .arg("--db")
        .arg(&db)
        .arg("import")
        .arg(&file)
        .assert()
        .success();
    let output = refract()
        .arg("--db")
        .arg(&db)
        .args(["flags", "--json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let flags: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();

    let one = assessment(&flags, "HTN-ONE");
    assert_eq!(one["status"], "insufficient_data", "{one:#}");
    assert!(
        texts(&one["reasons"])
            .iter()
            .any(|r| r.contains("too few office readings")),
        "{one:#}"
    );
    assert!(
        texts(&one["missing"])
            .iter()
            .any(|m| m.contains("at least 2 readings on 2 or more occasions")),
        "{one:#}"
    );

    let old = assessment(&flags, "HTN-OLD");
    assert_eq!(old["status"], "insufficient_data", "{old:#}");
    assert!(
        texts(&old["missing"])
            .iter()
            .any(|m| m.contains("no blood pressure in the last 12 months")),
        "{old:#}"
    );

    let lai = assessment(&flags, "TRS-LAI");
    assert_eq!(lai["status"], "refractory", "{lai:#}");
    let reasons = texts(&lai["reasons"]);
    assert!(
        reasons.iter().any(|r| r.contains("long-acting injectable")
            && r.contains("chlorpromazine equivalent by the depot DDD")),
        "{lai:#}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("TRRIP optimum met")),
        "{lai:#}"
    );

    // Since when the flag's criteria have been met: the day the second trial (the injectable)
    // stopped for no response. Null for a status that is not a flag, the key always there.
    assert_eq!(lai["criteria_met_since"], ago(110), "{lai:#}");
    assert!(one["criteria_met_since"].is_null(), "{one:#}");
    assert!(
        one.as_object().unwrap().contains_key("criteria_met_since"),
        "{one:#}"
    );
    // The fields scripts read keep the order they were printed in before the new one.
    let text = String::from_utf8_lossy(&output.stdout);
    // The first object, up to its last field (no nested object has a "status").
    let first = &text[..text.find("\"status\":").unwrap() + 10];
    let at = |key: &str| {
        first
            .find(&format!("\"{key}\":"))
            .unwrap_or_else(|| panic!("no {key} in {first}"))
    };
    let before = [
        "citation",
        "condition",
        "confounders",
        "evidence",
        "fingerprint",
        "label",
        "missing",
        "mrn",
        "name",
        "reasons",
        "review",
        "ruleset_version",
        "status",
    ];
    for pair in before.windows(2) {
        assert!(at(pair[0]) < at(pair[1]), "{pair:?} in {first}");
    }
    assert!(at("criteria_met_since") > at("citation"));
}
