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
