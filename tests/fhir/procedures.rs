//! A procedure's or a measurement's code keeps its system: a CPT or ICD-10-PCS code is another
//! concept under SNOMED CT's digits (a SNOMED CT score another under LOINC's), so an export that
//! called every code one system's wrote a wrong record.

use serde_json::{Value, json};

use super::{Env, bundle, patient};

const CPT: &str = "http://www.ama-assn.org/go/cpt";
const PCS: &str = "http://www.cms.gov/Medicare/Coding/ICD10";
const SNOMED: &str = "http://snomed.info/sct";

fn procedure(id: &str, codings: &[(&str, &str, &str)]) -> Value {
    let coding: Vec<Value> = codings
        .iter()
        .map(|(system, code, display)| json!({"system": system, "code": code, "display": display}))
        .collect();
    json!({
        "resourceType": "Procedure",
        "id": id,
        "status": "completed",
        "subject": {"reference": "urn:uuid:pp"},
        "code": {"coding": coding},
        "performedDateTime": "2024-02-01"
    })
}

/// (system, code) of each exported Procedure, in code order.
fn exported(env: &Env) -> Vec<(String, String)> {
    let mut out = Vec::new();
    refract::fhir::write_bundle(&env.store, &[refract::domain::PatientId(1)], &mut out).unwrap();
    let bundle: Value = serde_json::from_slice(&out).unwrap();
    let mut codes: Vec<(String, String)> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| &entry["resource"])
        .filter(|resource| resource["resourceType"] == "Procedure")
        .map(|resource| {
            let coding = &resource["code"]["coding"][0];
            (
                coding["system"].as_str().unwrap().to_owned(),
                coding["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    codes.sort_by(|a, b| a.1.cmp(&b.1));
    codes
}

#[test]
fn a_procedure_is_exported_under_the_system_of_its_code() {
    let mut env = Env::new();
    let file = env.write_json(
        "p.json",
        &bundle(
            "collection",
            &[
                patient("pp", "PP1", "Ode", "Ada"),
                procedure("cpt", &[(CPT, "38241", "HPC; autologous transplantation")]),
                procedure(
                    "pcs",
                    &[(
                        "urn:oid:2.16.840.1.113883.6.4",
                        "30243G0",
                        "Transfusion of autologous bone marrow into central vein",
                    )],
                ),
                // SNOMED CT preferred when the record gives it beside another code.
                procedure(
                    "both",
                    &[
                        (CPT, "90870", "Electroconvulsive therapy"),
                        (SNOMED, "23835007", "Electroconvulsive therapy"),
                    ],
                ),
            ],
        ),
    );
    env.import_ok(&file);
    assert_eq!(
        exported(&env),
        [
            (SNOMED.to_owned(), String::from("23835007")),
            (PCS.to_owned(), String::from("30243G0")),
            (CPT.to_owned(), String::from("38241")),
        ]
    );
}

/// The same for a measurement: a PHQ-9 coded in SNOMED CT (720433000) was exported as a LOINC
/// code of those digits; a blood pressure coded in SNOMED CT is read, and exported, as LOINC's.
#[test]
fn a_measurement_is_exported_under_the_system_of_its_code() {
    let mut env = Env::new();
    let observation = |id: &str, system: &str, code: &str, display: &str, value: f64| {
        json!({
            "resourceType": "Observation",
            "id": id,
            "status": "final",
            "subject": {"reference": "urn:uuid:pp"},
            "code": {"coding": [{"system": system, "code": code, "display": display}]},
            "effectiveDateTime": "2024-02-01",
            "valueQuantity": {"value": value, "unit": "{score}"}
        })
    };
    let file = env.write_json(
        "o.json",
        &bundle(
            "collection",
            &[
                patient("pp", "PP1", "Ode", "Ada"),
                observation(
                    "phq",
                    SNOMED,
                    "720433000",
                    "Patient Health Questionnaire Nine Item score",
                    17.0,
                ),
                observation(
                    "loinc",
                    "http://loinc.org",
                    "44261-6",
                    "PHQ-9 total score",
                    15.0,
                ),
                observation("sbp", SNOMED, "271649006", "Systolic blood pressure", 150.0),
            ],
        ),
    );
    env.import_ok(&file);
    let mut out = Vec::new();
    refract::fhir::write_bundle(&env.store, &[refract::domain::PatientId(1)], &mut out).unwrap();
    let bundle: Value = serde_json::from_slice(&out).unwrap();
    let mut codes: Vec<(String, String)> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| &entry["resource"])
        .filter(|resource| resource["resourceType"] == "Observation")
        .map(|resource| {
            let coding = &resource["code"]["coding"][0];
            (
                coding["system"].as_str().unwrap().to_owned(),
                coding["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    codes.sort();
    assert_eq!(
        codes,
        [
            (String::from("http://loinc.org"), String::from("44261-6")),
            (String::from("http://loinc.org"), String::from("8480-6")),
            (SNOMED.to_owned(), String::from("720433000")),
        ]
    );
}

/// R4 `performed[x]` is also an Age, a Range of ages or a string: such a procedure was left out
/// as one with "no code or date" (an autologous transplant lost). An age is the window of days
/// the patient was of it (born 1984-05-17, aged 40: 2024-05-17 to 2025-05-16); words naming a
/// day or a month are read; words naming none, or no `performed[x]` at all, keep it with its
/// date unknown and a warning naming it. Stored so, and read back so.
#[test]
fn a_procedure_dated_by_an_age_or_words_is_kept_with_the_days_it_may_have_been() {
    let mut env = Env::new();
    let dated = |id: &str, field: &str, value: Value| {
        let mut resource = procedure(
            id,
            &[(
                SNOMED,
                "425983008",
                "Autologous peripheral blood stem cell transplant",
            )],
        );
        let object = resource.as_object_mut().unwrap();
        object.remove("performedDateTime");
        if !field.is_empty() {
            object.insert(field.to_owned(), value);
        }
        resource
    };
    let age = |years: i64| json!({"value": years, "unit": "years", "system": "http://unitsofmeasure.org", "code": "a"});
    let file = env.write_json(
        "ages.json",
        &bundle(
            "collection",
            &[
                patient("pp", "PP1", "Ode", "Ada"),
                dated("age", "performedAge", age(40)),
                // 42 now: a window that would run past today stops at today.
                dated("now", "performedAge", age(42)),
                dated(
                    "range",
                    "performedRange",
                    json!({"low": age(40), "high": age(41)}),
                ),
                dated("day", "performedString", json!("15 November 2023")),
                dated("month", "performedString", json!("Nov 2022")),
                dated(
                    "words",
                    "performedString",
                    json!("after the second relapse"),
                ),
                dated("none", "", Value::Null),
            ],
        ),
    );
    let report = env.import_ok(&file);
    let mut rows = env.rows("SELECT source_id, performed FROM procedures ORDER BY source_id");
    rows.sort();
    assert_eq!(
        rows,
        [
            ["age", "2024-05-17 00:00:00/2025-05-16"],
            ["day", "2023-11-15 00:00:00"],
            ["month", "2022-11-01 00:00:00/2022-11-30"],
            ["none", ""],
            ["now", "2026-05-17 00:00:00/2026-11-27"],
            ["range", "2024-05-17 00:00:00/2026-05-16"],
            ["words", ""],
        ]
    );
    let warnings: Vec<String> = report
        .warnings
        .iter()
        .map(|w| format!("{} {}", w.resource, w.message))
        .collect();
    for id in ["words", "none"] {
        assert!(
            warnings
                .iter()
                .any(|w| w.contains(&format!("Procedure/{id}")) && w.contains("date unknown")),
            "{id}: {warnings:#?}"
        );
    }
    let record = env.store.record(refract::domain::PatientId(1)).unwrap();
    let words: Vec<String> = record
        .procedures
        .iter()
        .map(refract::domain::Procedure::when_words)
        .collect();
    assert!(
        words.contains(&String::from("between 2024-05-17 and 2025-05-16")),
        "{words:?}"
    );
    assert!(
        words.contains(&String::from("date not recorded")),
        "{words:?}"
    );
}

/// A procedure over a period that began in a month ("2025-05") is exported with that month as
/// its start, not the month's first day as a day (the review's case), and reads back the same.
#[test]
fn a_period_begun_in_a_month_is_exported_as_that_month() {
    let mut env = Env::new();
    let mut resource = procedure(
        "stay",
        &[(
            SNOMED,
            "425983008",
            "Autologous peripheral blood stem cell transplant",
        )],
    );
    let object = resource.as_object_mut().unwrap();
    object.remove("performedDateTime");
    object.insert(
        String::from("performedPeriod"),
        json!({"start": "2025-05", "end": "2025-06-02"}),
    );
    let file = env.write_json(
        "period.json",
        &bundle(
            "collection",
            &[patient("pp", "PP1", "Ode", "Ada"), resource],
        ),
    );
    env.import_ok(&file);
    let exported = super::refract()
        .arg("--db")
        .arg(env.db())
        .args(["export", "--format", "fhir"])
        .output()
        .unwrap();
    let bundle_out: Value = serde_json::from_slice(&exported.stdout).unwrap();
    let periods: Vec<Value> = bundle_out["entry"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["resource"]["resourceType"] == "Procedure")
        .map(|e| e["resource"]["performedPeriod"].clone())
        .collect();
    assert_eq!(periods, [json!({"start": "2025-05", "end": "2025-06-02"})]);
    let mut copy = Env::new();
    let path = copy.write_json("copy.json", &bundle_out);
    copy.import_ok(&path);
    assert_eq!(
        copy.rows("SELECT performed FROM procedures"),
        [["2025-05-01 00:00:00/2025-05-31"]]
    );
}
