//! A drug allergy or intolerance (R4 AllergyIntolerance of a medication) is kept with the
//! patient's record, and marks every way-forward option giving the drug: clozapine-induced
//! agranulocytosis recorded at another hospital must not leave clozapine offered plainly
//! (review R11-1). One refuted, entered in error or resolved is not kept; a food allergy is no
//! drug's.

use refract::domain::PatientId;
use serde_json::{Value, json};

use super::{Env, ICD10, bundle, condition, patient, statement, with};

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

#[test]
fn a_fhir_export_writes_each_reaction_back_and_imports_into_another_file_as_the_same() {
    let mut env = Env::new();
    let mut unsure = allergy(
        "pen",
        &json!({"coding": [{
            "system": "http://www.whocc.no/atc",
            "code": "J01CE02"
        }], "text": "Penicillin V"}),
        &json!({
            "type": "allergy",
            "criticality": "low",
            "recordedDate": "2011-06",
            "reaction": [
                {"manifestation": [{"text": "Urticaria"}, {"text": "Itch"}], "severity": "mild"},
                {"manifestation": [{"text": "Wheeze"}]}
            ]
        }),
    );
    unsure["verificationStatus"]["coding"][0]["code"] = json!("unconfirmed");
    unsure["clinicalStatus"]["coding"][0]["code"] = json!("inactive");
    let file = env.write_json(
        "a.json",
        &bundle(
            "collection",
            &[
                patient("pa", "PA1", "Ode", "Ada"),
                clozapine_intolerance(),
                unsure,
            ],
        ),
    );
    env.import_ok(&file);
    let before = env.store.record(PatientId(1)).unwrap().reactions;
    assert_eq!(before.len(), 2);

    let mut out = Vec::new();
    refract::fhir::write_bundle(&env.store, &[], &mut out).unwrap();
    let exported: Value = serde_json::from_slice(&out).unwrap();
    let allergies: Vec<&Value> = exported["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| &entry["resource"])
        .filter(|resource| resource["resourceType"] == "AllergyIntolerance")
        .collect();
    assert_eq!(allergies.len(), 2, "{exported:#}");
    let clozapine = allergies
        .iter()
        .find(|a| a["code"]["text"] == "Clozapine")
        .unwrap();
    let patient_url = exported["entry"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["resource"]["resourceType"] == "Patient")
        .unwrap()["fullUrl"]
        .clone();
    assert_eq!(clozapine["patient"]["reference"], patient_url);
    assert_eq!(clozapine["clinicalStatus"]["coding"][0]["code"], "active");
    assert_eq!(
        clozapine["verificationStatus"]["coding"][0]["code"],
        "confirmed"
    );
    assert_eq!(clozapine["type"], "intolerance");
    assert_eq!(clozapine["category"], json!(["medication"]));
    assert_eq!(clozapine["criticality"], "high");
    assert_eq!(clozapine["onsetDateTime"], "2024-04-18");
    assert_eq!(
        clozapine["code"]["coding"][0],
        json!({"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "2626"})
    );
    assert_eq!(
        clozapine["reaction"],
        json!([{"manifestation": [{"text": "Agranulocytosis"}], "severity": "severe"}])
    );
    let penicillin = allergies
        .iter()
        .find(|a| a["code"]["text"] == "Penicillin V")
        .unwrap();
    assert_eq!(
        penicillin["verificationStatus"]["coding"][0]["code"],
        "unconfirmed"
    );
    assert_eq!(
        penicillin["clinicalStatus"]["coding"][0]["code"],
        "inactive"
    );
    assert_eq!(
        penicillin["code"]["coding"][0]["system"],
        "http://www.whocc.no/atc"
    );
    assert_eq!(penicillin["reaction"].as_array().unwrap().len(), 2);

    // Into a new file: the same reactions, the same options marked.
    let mut elsewhere = Env::new();
    let file = elsewhere.write_json("export.json", &exported);
    let report = elsewhere.import_ok(&file);
    assert_eq!(report.reactions, 2, "{report:#?}");
    let after = elsewhere.store.record(PatientId(1)).unwrap().reactions;
    let without_ids = |reactions: &[refract::domain::DrugReaction]| {
        reactions
            .iter()
            .map(|r| refract::domain::DrugReaction { id: 0, ..r.clone() })
            .collect::<Vec<_>>()
    };
    assert_eq!(without_ids(&after), without_ids(&before));
    assert_eq!(marked(&elsewhere), marked(&env));
    assert_eq!(marked(&elsewhere).len(), 4);
}

/// What the schizophrenia option `key` is marked with for patient 1.
fn reason_of(env: &Env, key: &str) -> Option<String> {
    let view =
        refract::way_forward::load(&env.store, &env.rules, PatientId(1), "schizophrenia").unwrap();
    view.board
        .iter()
        .find(|entry| entry.catalogue.as_ref().is_some_and(|c| c.key == key))
        .and_then(|entry| entry.reactions.clone())
}

/// A schizophrenia treated with clozapine from 2018-01-10 to 2019-03-20 (no stop reason), and
/// `agranulocytosis` as a Condition that names no drug.
fn clozapine_then(agranulocytosis: Value) -> Value {
    bundle(
        "collection",
        &[
            patient("pa", "PA1", "Ode", "Ada"),
            condition(
                "scz",
                "urn:uuid:pa",
                ICD10,
                "F20.0",
                "Paranoid schizophrenia",
            ),
            statement(
                "clz",
                "urn:uuid:pa",
                ("2626", "clozapine 300 MG Oral Tablet"),
                "completed",
                "2018-01-10",
                Some("2019-03-20"),
            ),
            agranulocytosis,
        ],
    )
}

#[test]
fn a_drug_induced_agranulocytosis_naming_no_drug_marks_clozapine_when_it_began_on_or_after_it() {
    // D70.2 (other drug-induced agranulocytosis) while on clozapine.
    let mut env = Env::new();
    let d70 = with(
        condition(
            "agr",
            "urn:uuid:pa",
            ICD10,
            "D70.2",
            "Other drug-induced agranulocytosis",
        ),
        &json!({"onsetDateTime": "2019-03-14"}),
    );
    let file = env.write_json("a.json", &clozapine_then(d70.clone()));
    env.import_ok(&file);
    assert_eq!(
        marked(&env),
        [
            "clozapine",
            "clozapine_aripiprazole",
            "clozapine_amisulpride",
            "ect_augmentation"
        ]
    );
    assert_eq!(
        reason_of(&env, "clozapine").as_deref(),
        Some("agranulocytosis (D70.2, 2019-03-14) while on clozapine")
    );

    // Within the window after the last day: said so.
    let mut env = Env::new();
    let mut later = d70.clone();
    later["onsetDateTime"] = json!("2019-04-02");
    later["code"]["coding"][0]["code"] = json!("D70.1");
    let file = env.write_json("b.json", &clozapine_then(later));
    env.import_ok(&file);
    assert_eq!(
        reason_of(&env, "clozapine").as_deref(),
        Some("agranulocytosis (D70.1, 2019-04-02) 13 days after clozapine was stopped")
    );

    // SNOMED CT in words alone ("drug-induced"), no code the book lists.
    let mut env = Env::new();
    let snomed = with(
        condition(
            "agr",
            "urn:uuid:pa",
            "http://snomed.info/sct",
            "999999999",
            "Drug-induced agranulocytosis (disorder)",
        ),
        &json!({"onsetDateTime": "2018-06"}),
    );
    let file = env.write_json("c.json", &clozapine_then(snomed));
    env.import_ok(&file);
    assert_eq!(marked(&env).len(), 4);
    assert_eq!(
        reason_of(&env, "clozapine").as_deref(),
        Some("Drug-induced agranulocytosis (2018-06) while on clozapine")
    );

    // Controls: long after the drug, before it, a plain agranulocytosis that says no drug
    // caused it, or one refuted mark nothing.
    for (name, onset, code, display, verification) in [
        (
            "long after",
            "2020-01-15",
            "D70.2",
            "Other drug-induced agranulocytosis",
            "confirmed",
        ),
        (
            "before",
            "2017-05-01",
            "D70.2",
            "Other drug-induced agranulocytosis",
            "confirmed",
        ),
        (
            "not said drug-induced",
            "2019-03-14",
            "D70.9",
            "Neutropenia, unspecified",
            "confirmed",
        ),
        (
            "refuted",
            "2019-03-14",
            "D70.2",
            "Other drug-induced agranulocytosis",
            "refuted",
        ),
    ] {
        let mut env = Env::new();
        let mut other = d70.clone();
        other["onsetDateTime"] = json!(onset);
        other["code"]["coding"][0]["code"] = json!(code);
        other["code"]["coding"][0]["display"] = json!(display);
        other["code"]["text"] = json!(display);
        other["verificationStatus"]["coding"][0]["code"] = json!(verification);
        let file = env.write_json("d.json", &clozapine_then(other));
        env.import_ok(&file);
        assert!(marked(&env).is_empty(), "{name}: {:?}", marked(&env));
    }
}

#[test]
fn a_reactions_statuses_are_read_from_their_r4_codings_whatever_comes_before_them() {
    // ST-2: an EHR's own status coding before R4's was read instead of it, so an inactive
    // reaction (R4 allergyintolerance-clinical) was kept as a current one, and contraindicated
    // the drug for the "unless contraindicated" of a criterion.
    let mut env = Env::new();
    let mut inactive = clozapine_intolerance();
    for (field, code) in [
        ("clinicalStatus", "inactive"),
        ("verificationStatus", "unconfirmed"),
    ] {
        let mut standard = inactive[field]["coding"][0].clone();
        standard["code"] = json!(code);
        inactive[field]["coding"] = json!([
            {"system": "urn:oid:1.2.840.114350.1.13.0.1.7.4.698084.20", "code": "1"},
            standard
        ]);
    }
    let file = env.write_json(
        "a.json",
        &bundle(
            "collection",
            &[patient("pa", "PA1", "Ode", "Ada"), inactive],
        ),
    );
    env.import_ok(&file);
    let reactions = env.store.record(PatientId(1)).unwrap().reactions;
    assert_eq!(reactions.len(), 1);
    assert_eq!(reactions[0].clinical_status.as_deref(), Some("inactive"));
    assert_eq!(
        reactions[0].verification_status.as_deref(),
        Some("unconfirmed")
    );
}
