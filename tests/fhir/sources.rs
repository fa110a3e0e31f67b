//! One patient from several sources (a GP, a hospital, a converted CDA document): the
//! identifiers they are matched on survive an export, registered identifier systems are one
//! namespace in either spelling, the medical record number shown is the hospital's, and the
//! newest demographics hold whichever source sent them last.

use std::path::PathBuf;

use serde_json::{Value, json};

use super::{Env, LAMOTRIGINE, LEVETIRACETAM, bundle, condition, reason, statement, with};

const V2_0203: &str = "http://terminology.hl7.org/CodeSystem/v2-0203";
const NHS: &str = "https://fhir.nhs.uk/Id/nhs-number";
const HOSPITAL: &str = "https://hosp.example.org/mrn";

fn typed(kind: &str, system: &str, value: &str) -> Value {
    json!({"use": "usual", "type": {"coding": [{"system": V2_0203, "code": kind}]},
           "system": system, "value": value})
}

fn person(id: &str, identifiers: &[Value], family: &str, given: &str) -> Value {
    json!({
        "resourceType": "Patient",
        "id": id,
        "identifier": identifiers,
        "name": [{"use": "official", "family": family, "given": [given]}],
        "gender": "female",
        "birthDate": "1980-04-02"
    })
}

/// `who` with epilepsy, and `drug` stopped for no response.
fn epileptic(who: &Value, drug: (&str, &str)) -> Value {
    let id = who["id"].as_str().unwrap();
    let subject = format!("urn:uuid:{id}");
    bundle(
        "collection",
        &[
            who.clone(),
            condition(
                &format!("{id}-dx"),
                &subject,
                "http://hl7.org/fhir/sid/icd-10",
                "G40.909",
                "Epilepsy",
            ),
            with(
                statement(
                    &format!("{id}-drug"),
                    &subject,
                    drug,
                    "stopped",
                    "2022-01-05",
                    Some("2022-09-01"),
                ),
                &json!({"statusReason": [reason("no response", "No response")]}),
            ),
        ],
    )
}

fn from(env: &mut Env, source: &str, name: &str, file: &Value) {
    let path = env.write_json(name, file);
    let report = env.import_with(
        &[path],
        &refract::import::ImportOptions {
            source: Some(source.to_owned()),
            ..Default::default()
        },
    );
    assert_eq!(report.failed, 0, "{report:#?}");
}

fn patients(env: &Env) -> Vec<Vec<String>> {
    env.rows("SELECT mrn, family_name, given_name FROM patients ORDER BY id")
}

fn export(env: &Env, name: &str) -> PathBuf {
    let mut out = Vec::new();
    refract::fhir::write_bundle(&env.store, &[], &mut out).unwrap();
    env.write_bytes(name, &out)
}

#[test]
fn an_export_carries_every_identifier_so_the_sources_next_feed_finds_the_same_patient() {
    let gp = person(
        "p1",
        &[json!({"system": NHS, "value": "9434765919"})],
        "Smith",
        "Jo",
    );
    let hospital = person(
        "p1",
        &[
            typed("MR", HOSPITAL, "H100234"),
            json!({"use": "official", "system": NHS, "value": "9434765919"}),
        ],
        "Smith",
        "Jo",
    );
    let mut first = Env::new();
    from(&mut first, "gp", "gp.json", &epileptic(&gp, LEVETIRACETAM));
    from(
        &mut first,
        "hosp",
        "hosp.json",
        &epileptic(&hospital, LAMOTRIGINE),
    );
    assert_eq!(first.int("SELECT count(*) FROM patients"), 1);
    let exported = export(&first, "export.json");
    let bundle: Value = serde_json::from_slice(&std::fs::read(&exported).unwrap()).unwrap();
    let patient = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["resource"]["resourceType"] == "Patient")
        .unwrap();
    let identifiers = patient["resource"]["identifier"].as_array().unwrap();
    // Each with its system, its use and its type as the source wrote them; refract's own keys
    // (a source's Patient ids) are no identifier of the person.
    assert!(
        identifiers.contains(&json!({"use": "usual",
            "type": {"coding": [{"system": V2_0203, "code": "MR"}]},
            "system": HOSPITAL, "value": "H100234"})),
        "{identifiers:#?}"
    );
    assert!(
        identifiers.contains(&json!({"use": "official", "system": NHS, "value": "9434765919"})),
        "{identifiers:#?}"
    );
    assert_eq!(identifiers.len(), 2, "{identifiers:#?}");

    // The team's new file, then the GP's next feed: one patient.
    let mut second = Env::new();
    second.import_ok(&exported);
    from(&mut second, "gp", "gp.json", &epileptic(&gp, LEVETIRACETAM));
    assert_eq!(patients(&second), [["H100234", "Smith", "Jo"]]);
}

#[test]
fn a_registered_identifier_system_written_as_its_oid_is_the_same_namespace_as_its_uri() {
    // FHIR R4's identifier registry: the NPI, the NHS number and the Dutch BSN each have a URI
    // and an OID (an SSN is the tester's example); records converted from CDA write the OID.
    for (uri, oid, value) in [
        (
            "http://hl7.org/fhir/sid/us-npi",
            "2.16.840.1.113883.4.6",
            "1234567893",
        ),
        (NHS, "2.16.840.1.113883.2.1.4.1", "9434765919"),
        (
            "http://fhir.nl/fhir/NamingSystem/bsn",
            "2.16.840.1.113883.2.4.6.3",
            "123456782",
        ),
    ] {
        let mut env = Env::new();
        let epic = person(
            "a1",
            &[
                typed("MR", "urn:oid:1.2.840.114350.1", "E1"),
                json!({"system": uri, "value": value}),
            ],
            "Okafor",
            "Grace",
        );
        let converted = person(
            "b1",
            &[
                typed("MR", "urn:oid:2.16.840.1.113883.19.5", "C7"),
                json!({"system": format!("URN:OID:{oid}"), "value": value}),
            ],
            "Okafor",
            "Grace",
        );
        from(
            &mut env,
            "epic",
            "epic.json",
            &epileptic(&epic, LEVETIRACETAM),
        );
        from(
            &mut env,
            "hie",
            "hie.json",
            &epileptic(&converted, LAMOTRIGINE),
        );
        assert_eq!(env.int("SELECT count(*) FROM patients"), 1, "{uri}");
        // Named by either spelling.
        let id = env
            .store
            .patient_id_by_mrn(&format!("urn:oid:{oid}|{value}"))
            .unwrap();
        assert_eq!(
            env.store
                .patient_id_by_mrn(&format!("{uri}|{value}"))
                .unwrap(),
            id
        );
    }
}

#[test]
fn a_source_without_a_record_number_never_replaces_the_hospitals_mrn() {
    let mut env = Env::new();
    let hospital = person(
        "p1",
        &[
            typed("MR", HOSPITAL, "H100234"),
            json!({"system": NHS, "value": "9434765919"}),
        ],
        "Smith",
        "Jo",
    );
    let gp = person(
        "p1",
        &[json!({"system": NHS, "value": "9434765919"})],
        "Smith",
        "Joanna",
    );
    from(
        &mut env,
        "hosp",
        "hosp.json",
        &epileptic(&hospital, LAMOTRIGINE),
    );
    from(&mut env, "gp", "gp.json", &epileptic(&gp, LEVETIRACETAM));
    // The GP's demographics, the hospital's number.
    assert_eq!(patients(&env), [["H100234", "Smith", "Joanna"]]);
    let id = env.store.patient_id_by_mrn("H100234").unwrap();
    // Any identifier's value names them too, when it names one patient.
    assert_eq!(env.store.patient_id_by_mrn("9434765919").unwrap(), id);
}

#[test]
fn a_value_two_patients_hold_in_two_systems_names_neither_and_says_so() {
    let mut env = Env::new();
    let north = person(
        "n1",
        &[
            typed("MR", "https://north.example/mrn", "N1"),
            json!({"system": "https://north.example/badge", "value": "777"}),
        ],
        "North",
        "A",
    );
    let south = person(
        "s1",
        &[
            typed("MR", "https://south.example/mrn", "S1"),
            json!({"system": "https://south.example/badge", "value": "777"}),
        ],
        "South",
        "B",
    );
    from(
        &mut env,
        "north",
        "north.json",
        &epileptic(&north, LAMOTRIGINE),
    );
    from(
        &mut env,
        "south",
        "south.json",
        &epileptic(&south, LAMOTRIGINE),
    );
    let error = env.store.patient_id_by_mrn("777").unwrap_err().to_string();
    assert!(
        error.contains("https://north.example/badge|777")
            && error.contains("https://south.example/badge|777")
            && !error.contains('\n'),
        "{error}"
    );
}

#[test]
fn an_older_patient_from_another_source_never_replaces_newer_demographics() {
    let mut env = Env::new();
    let gp = with(
        person(
            "p1",
            &[json!({"system": NHS, "value": "9434765919"})],
            "O'Neill",
            "Siobhan",
        ),
        &json!({"meta": {"lastUpdated": "2026-10-01T09:00:00Z"}}),
    );
    let hospital = with(
        person(
            "h1",
            &[
                typed("MR", HOSPITAL, "H555"),
                json!({"system": NHS, "value": "9434765919"}),
            ],
            "Oneil",
            "Shivon",
        ),
        &json!({"meta": {"lastUpdated": "2019-02-01T09:00:00+01:00"}}),
    );
    from(&mut env, "gp", "gp.json", &epileptic(&gp, LEVETIRACETAM));
    let path = env.write_json("hosp.json", &epileptic(&hospital, LAMOTRIGINE));
    let report = env.import_with(
        &[path],
        &refract::import::ImportOptions {
            source: Some(String::from("hosp")),
            ..Default::default()
        },
    );
    // The name stays the newer one; the hospital's record number is still the one shown.
    assert_eq!(patients(&env), [["H555", "O'Neill", "Siobhan"]]);
    let file = &report.files[0];
    assert_eq!(file.demographics_kept_newer, 1, "{file:#?}");
    // A newer copy from the hospital does replace them, audited.
    let newer = with(
        hospital,
        &json!({"meta": {"lastUpdated": "2027-01-01T00:00:00Z"}}),
    );
    from(
        &mut env,
        "hosp",
        "hosp2.json",
        &epileptic(&newer, LAMOTRIGINE),
    );
    assert_eq!(patients(&env), [["H555", "Oneil", "Shivon"]]);
    assert!(env.int("SELECT count(*) FROM audit_log WHERE action = 'import.patient.update'") >= 2);
}
