//! Property tests of the import: arbitrary JSON trees shaped like FHIR (a resourceType among
//! those refract reads, elements it reads and others, references that resolve and that do not,
//! dates good and impossible, numbers of every size, any unicode), and well-formed resources
//! with a few random changes, never make the parser or the import panic. Each document is accepted or refused with a one-line error; a refused file
//! writes nothing. `PROPTEST_CASES` changes how many documents are tried; a failure is shrunk to
//! a small document that still fails.

use std::cell::RefCell;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use refract::{fhir::parse_file, import::FileOutcome};
use serde_json::{Map, Number, Value, json};

use super::Env;

/// Resource types refract reads (and the bundle that holds them).
const TYPES: &[&str] = &[
    "Patient",
    "Condition",
    "MedicationRequest",
    "MedicationStatement",
    "Observation",
    "Procedure",
    "Medication",
];

/// Element names refract reads, and a few it does not, so that random trees reach the mapping.
const KEYS: &[&str] = &[
    "id",
    "identifier",
    "type",
    "coding",
    "code",
    "system",
    "value",
    "subject",
    "patient",
    "reference",
    "name",
    "family",
    "given",
    "birthDate",
    "gender",
    "deceasedDateTime",
    "deceasedBoolean",
    "clinicalStatus",
    "verificationStatus",
    "onsetDateTime",
    "onsetPeriod",
    "abatementDateTime",
    "recordedDate",
    "medicationCodeableConcept",
    "medicationReference",
    "contained",
    "authoredOn",
    "effectiveDateTime",
    "effectivePeriod",
    "start",
    "end",
    "status",
    "statusReason",
    "extension",
    "url",
    "valueCodeableConcept",
    "valueQuantity",
    "valueInteger",
    "valueString",
    "component",
    "dosageInstruction",
    "timing",
    "repeat",
    "boundsPeriod",
    "doseAndRate",
    "doseQuantity",
    "unit",
    "performedDateTime",
    "performedPeriod",
    "category",
    "text",
    "display",
    "meta",
];

/// Strings that mean something to refract: references, dates (good, impossible, odd), code
/// systems and codes it knows.
const STRINGS: &[&str] = &[
    "",
    "p1",
    "Patient/p1",
    "Patient/p2",
    "urn:uuid:p1",
    "#med1",
    "Medication/m1",
    "2020-01-01",
    "2020-02-30",
    "2020",
    "2020-13",
    "2020-06-15T10:30:00Z",
    "2020-06-15T10:30:00+14:00",
    "9999-12-31",
    "0000-01-01",
    "-0001-01-01",
    "262143-12-31",
    "http://loinc.org",
    "http://snomed.info/sct",
    "http://www.nlm.nih.gov/research/umls/rxnorm",
    "http://hl7.org/fhir/sid/icd-10-cm",
    "http://terminology.hl7.org/CodeSystem/v2-0203",
    "MR",
    "G40.909",
    "I10",
    "C83.3",
    "8480-6",
    "8462-4",
    "55284-4",
    "44261-6",
    "89247-1",
    "97509-4",
    "266721009",
    "407563006",
    "182992009",
    "2002",
    "114477",
    "final",
    "active",
    "completed",
    "stopped",
    "entered-in-error",
    "mm[Hg]",
    "mg",
    "male",
    "female",
    "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-treatment-termination-reason",
];

fn number(f: f64) -> Value {
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

fn leaf() -> impl Strategy<Value = Value> {
    let float = prop_oneof![
        Just(0.0),
        Just(-0.5),
        Just(1e308),
        Just(-1e308),
        Just(f64::MIN_POSITIVE),
        any::<f64>(),
    ];
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        1 => float.prop_map(number),
        4 => prop::sample::select(STRINGS).prop_map(|s| Value::String(s.to_owned())),
        1 => any::<String>().prop_map(Value::String),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(KEYS).prop_map(str::to_owned),
        1 => Just(String::from("resourceType")),
        1 => any::<String>(),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(6, 96, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..7)
                .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

/// A resource of a type refract reads, with random elements, often about patient p1 or p2.
fn resource() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(TYPES),
        prop::collection::vec((key(), value()), 0..10),
        prop::option::weighted(0.75, prop::sample::select(&STRINGS[1..6])),
    )
        .prop_map(|(kind, fields, about)| {
            let mut object: Map<String, Value> = fields.into_iter().collect();
            object.insert("resourceType".into(), json!(kind));
            if let Some(about) = about {
                if kind == "Patient" {
                    object.insert("id".into(), json!(about.trim_start_matches("Patient/")));
                } else {
                    object.insert("subject".into(), json!({ "reference": about }));
                }
            }
            Value::Object(object)
        })
}

/// Well-formed resources of every kind refract maps, about patient p1: mutated, they reach the
/// mapping code with one thing wrong at a time rather than failing at the first element.
fn templates() -> Vec<Value> {
    let rxnorm = "http://www.nlm.nih.gov/research/umls/rxnorm";
    let loinc = "http://loinc.org";
    let snomed = "http://snomed.info/sct";
    let subject = json!({ "reference": "Patient/p1" });
    vec![
        json!({"resourceType": "Patient", "id": "p1",
               "identifier": [{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]},
                               "value": "MRN-P1"}],
               "name": [{"family": "Doe", "given": ["Jo"]}], "birthDate": "1970-01-01",
               "gender": "female"}),
        json!({"resourceType": "Condition", "id": "c1", "subject": subject,
               "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "G40.909"}],
                        "text": "Epilepsy"},
               "clinicalStatus": {"coding": [{"code": "active"}]}, "onsetDateTime": "2015-01-01"}),
        json!({"resourceType": "MedicationStatement", "id": "m1", "status": "stopped",
               "subject": subject,
               "medicationCodeableConcept": {"coding": [{"system": rxnorm, "code": "114477",
                                                         "display": "levetiracetam"}]},
               "effectivePeriod": {"start": "2016-01-01", "end": "2017-01-01"},
               "statusReason": [{"coding": [{"system": snomed, "code": "266721009"}]}]}),
        json!({"resourceType": "MedicationRequest", "id": "r1", "status": "active",
               "intent": "order", "subject": subject,
               "medicationCodeableConcept": {"coding": [{"system": rxnorm, "code": "2002",
                                                         "display": "carbamazepine"}]},
               "authoredOn": "2018-01-01",
               "dosageInstruction": [{"timing": {"repeat": {"boundsPeriod":
                                          {"start": "2018-01-01", "end": "2019-01-01"}}},
                                      "doseAndRate": [{"doseQuantity": {"value": 400, "unit": "mg"}}]}]}),
        json!({"resourceType": "Observation", "id": "o1", "status": "final", "subject": subject,
               "code": {"coding": [{"system": loinc, "code": "55284-4"}]},
               "effectiveDateTime": "2020-01-01",
               "component": [
                   {"code": {"coding": [{"system": loinc, "code": "8480-6"}]},
                    "valueQuantity": {"value": 150, "unit": "mm[Hg]"}},
                   {"code": {"coding": [{"system": loinc, "code": "8462-4"}]},
                    "valueQuantity": {"value": 95, "unit": "mm[Hg]"}}]}),
        json!({"resourceType": "Observation", "id": "o2", "status": "final", "subject": subject,
               "code": {"coding": [{"system": loinc, "code": "89247-1"}]},
               "effectiveDateTime": "2021-03-01", "valueInteger": 2}),
        json!({"resourceType": "Procedure", "id": "x1", "status": "completed", "subject": subject,
               "code": {"coding": [{"system": snomed, "code": "77465005"}]},
               "performedPeriod": {"start": "2019-05-05", "end": "2019-05-06"}}),
    ]
}

/// Every node of a tree, depth first, as a count.
fn nodes(value: &Value) -> usize {
    1 + match value {
        Value::Array(items) => items.iter().map(nodes).sum(),
        Value::Object(fields) => fields.values().map(nodes).sum(),
        _ => 0,
    }
}

/// One change at the `target`-th node (depth first): replace it, drop a child, or copy a child.
fn mutate(value: &mut Value, target: &mut usize, how: u8, with: &Value) -> bool {
    if *target == 0 {
        match (how % 3, &mut *value) {
            (1, Value::Object(fields)) if !fields.is_empty() => {
                let key = fields
                    .keys()
                    .nth(with.to_string().len() % fields.len())
                    .cloned();
                if let Some(key) = key {
                    fields.remove(&key);
                }
            }
            (1, Value::Array(items)) if !items.is_empty() => {
                items.remove(with.to_string().len() % items.len());
            }
            (2, Value::Array(items)) if !items.is_empty() => {
                let copy = items[with.to_string().len() % items.len()].clone();
                items.push(copy);
            }
            _ => *value = with.clone(),
        }
        return true;
    }
    *target -= 1;
    let children: Vec<&mut Value> = match value {
        Value::Array(items) => items.iter_mut().collect(),
        Value::Object(fields) => fields.values_mut().collect(),
        _ => return false,
    };
    for child in children {
        if mutate(child, target, how, with) {
            return true;
        }
    }
    false
}

/// A template with a few random changes.
fn mutated() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(templates()),
        prop::collection::vec((any::<usize>(), any::<u8>(), value()), 0..4),
    )
        .prop_map(|(mut resource, changes)| {
            for (at, how, with) in changes {
                let mut target = at % nodes(&resource);
                mutate(&mut resource, &mut target, how, &with);
            }
            resource
        })
}

/// A single resource, or a bundle of them (sometimes with a well-formed patient p1 first): random
/// ones and mutated well-formed ones.
fn document() -> impl Strategy<Value = Value> {
    let any_resource = prop_oneof![resource(), mutated()];
    prop_oneof![
        resource(),
        mutated(),
        (
            prop::collection::vec(any_resource, 0..8),
            any::<bool>(),
            prop::option::of(value()),
        )
            .prop_map(|(resources, with_patient, kind)| {
                let mut entry: Vec<Value> = Vec::new();
                if with_patient {
                    entry.push(json!({
                        "fullUrl": "urn:uuid:p1",
                        "resource": {"resourceType": "Patient", "id": "p1",
                                     "birthDate": "1970-01-01", "gender": "female"}
                    }));
                }
                entry.extend(
                    resources
                        .into_iter()
                        .map(|resource| json!({ "resource": resource })),
                );
                json!({
                    "resourceType": "Bundle",
                    "type": kind.unwrap_or_else(|| json!("collection")),
                    "entry": entry,
                })
            }),
    ]
}

/// Runs `test` on `cases` documents (at least; `PROPTEST_CASES` may ask for more).
fn check(cases: u32, test: impl Fn(&Value) -> Result<(), TestCaseError>) {
    let config = Config {
        failure_persistence: None,
        ..Config::default()
    };
    let config = Config {
        cases: config.cases.max(cases),
        ..config
    };
    TestRunner::new(config)
        .run(&document(), |document| test(&document))
        .unwrap();
}

#[test]
fn the_parser_never_panics_on_fhir_shaped_json() {
    let rules = refract::rules::Rules::embedded().unwrap();
    check(512, |document| {
        let bytes = serde_json::to_vec(document).unwrap();
        // Ok or Err; a panic fails the case (proptest catches it and shrinks the document).
        if let Err(err) = parse_file(&bytes, &rules) {
            prop_assert!(!err.to_string().is_empty());
        }
        Ok(())
    });
}

#[test]
fn the_import_never_panics_and_a_refused_file_writes_nothing() {
    // One database for every case: later documents meet the patients of earlier ones.
    let env = RefCell::new(Env::new());
    let serial = RefCell::new(0u64);
    check(96, |document| {
        let mut env = env.borrow_mut();
        let mut serial = serial.borrow_mut();
        *serial += 1;
        let path = env.write_json(&format!("case-{serial}.json"), document);
        let before = env.counts();
        let report = env.import(std::slice::from_ref(&path));
        let file = &report.files[0];
        match file.outcome {
            FileOutcome::Failed => {
                let error = file.error.clone().unwrap_or_default();
                prop_assert!(!error.trim().is_empty());
                prop_assert!(!error.contains('\n'), "one line: {error:?}");
                prop_assert_eq!(env.counts(), before, "a refused file wrote: {}", error);
            }
            FileOutcome::Imported | FileOutcome::AlreadyImported => {}
        }
        Ok(())
    });
}
