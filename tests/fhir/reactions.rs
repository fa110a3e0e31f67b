//! A drug allergy or intolerance (R4 AllergyIntolerance of a medication) is kept with the
//! patient's record, and marks every way-forward option giving the drug: clozapine-induced
//! agranulocytosis recorded at another hospital must not leave clozapine offered plainly
//! (review R11-1). One refuted, entered in error or resolved is not kept; a food allergy is no
//! drug's.

use refract::domain::PatientId;
use serde_json::{Value, json};

use super::{Env, bundle, patient};

fn allergy(id: &str, code: &Value, extra: &Value) -> Value {
    let mut resource = json!({
        "resourceType": "AllergyIntolerance",
        "id": id,
        "patient": {"reference": "urn:uuid:pa"},
        "clinicalStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
            "code": "active"
        }]},
        "verificationStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
            "code": "confirmed"
        }]},
        "code": code,
    });
    if let (Some(resource), Some(extra)) = (resource.as_object_mut(), extra.as_object()) {
        for (key, value) in extra {
            resource.insert(key.clone(), value.clone());
        }
    }
    resource
}

fn clozapine_intolerance() -> Value {
    allergy(
        "clz",
        &json!({"coding": [{
            "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
            "code": "2626",
            "display": "clozapine"
        }], "text": "Clozapine"}),
        &json!({
            "type": "intolerance",
            "category": ["medication"],
            "criticality": "high",
            "onsetDateTime": "2024-04-18",
            "reaction": [{
                "manifestation": [{"coding": [{
                    "system": "http://snomed.info/sct",
                    "code": "17182001",
                    "display": "Agranulocytosis"
                }]}],
                "severity": "severe"
            }]
        }),
    )
}

/// The keys of the schizophrenia options marked with a reaction for patient 1.
fn marked(env: &Env) -> Vec<String> {
    let view =
        refract::way_forward::load(&env.store, &env.rules, PatientId(1), "schizophrenia").unwrap();
    view.board
        .iter()
        .filter(|entry| entry.reactions.is_some())
        .filter_map(|entry| entry.catalogue.as_ref().map(|c| c.key.clone()))
        .collect()
}

#[test]
fn a_drug_intolerance_is_kept_and_marks_the_options_giving_the_drug() {
    let mut env = Env::new();
    let file = env.write_json(
        "a.json",
        &bundle(
            "collection",
            &[patient("pa", "PA1", "Ode", "Ada"), clozapine_intolerance()],
        ),
    );
    let report = env.import_ok(&file);
    assert_eq!(report.reactions, 1, "{report:#?}");
    assert!(
        !report
            .skipped
            .keys()
            .any(|k| k.starts_with("AllergyIntolerance")),
        "{:?}",
        report.skipped
    );
    let record = env.store.record(PatientId(1)).unwrap();
    assert_eq!(record.reactions.len(), 1);
    assert_eq!(
        record.reactions[0].describe("clozapine"),
        "clozapine: Agranulocytosis (severe) 2024-04-18 (intolerance, criticality high)"
    );
    assert_eq!(
        marked(&env),
        [
            "clozapine",
            "clozapine_aripiprazole",
            "clozapine_amisulpride",
            "ect_augmentation"
        ]
    );
}

#[test]
fn a_refuted_resolved_or_food_allergy_marks_nothing_and_a_later_refutation_removes_one() {
    let mut env = Env::new();
    let peanut = allergy(
        "nut",
        &json!({"text": "Peanut"}),
        &json!({"type": "allergy", "category": ["food"]}),
    );
    let mut refuted = clozapine_intolerance();
    refuted["id"] = json!("clz-refuted");
    refuted["verificationStatus"]["coding"][0]["code"] = json!("refuted");
    let mut resolved = clozapine_intolerance();
    resolved["id"] = json!("clz-resolved");
    resolved["clinicalStatus"]["coding"][0]["code"] = json!("resolved");
    let file = env.write_json(
        "b.json",
        &bundle(
            "collection",
            &[
                patient("pa", "PA1", "Ode", "Ada"),
                peanut,
                refuted,
                resolved,
            ],
        ),
    );
    env.import_ok(&file);
    assert!(env.store.record(PatientId(1)).unwrap().reactions.is_empty());
    assert!(marked(&env).is_empty());

    // Control: the same intolerance confirmed is kept; then entered in error, it goes.
    let file = env.write_json(
        "c.json",
        &bundle(
            "collection",
            &[patient("pa", "PA1", "Ode", "Ada"), clozapine_intolerance()],
        ),
    );
    env.import_ok(&file);
    assert_eq!(marked(&env).len(), 4);
    let mut withdrawn = clozapine_intolerance();
    withdrawn["verificationStatus"]["coding"][0]["code"] = json!("entered-in-error");
    let file = env.write_json(
        "d.json",
        &bundle(
            "collection",
            &[patient("pa", "PA1", "Ode", "Ada"), withdrawn],
        ),
    );
    env.import_ok(&file);
    assert!(env.store.record(PatientId(1)).unwrap().reactions.is_empty());
    assert!(marked(&env).is_empty());
}
