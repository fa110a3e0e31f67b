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

const SSN: &str = "http://hl7.org/fhir/sid/us-ssn";
const SSN_OID: &str = "2.16.840.1.113883.4.1";

/// The file as a version before 35 left it: what 35 to 38 add taken away, so that they run
/// again when the store opens it; `older` first rewrites what that version stored.
fn as_schema_34(env: &mut Env, older: &str) {
    {
        let conn = super::sql_on(&env.store);
        conn.execute_batch(&format!(
            "{older}
             DROP INDEX patient_identifiers_value;
             ALTER TABLE patient_identifiers DROP COLUMN id_use;
             ALTER TABLE patient_identifiers DROP COLUMN id_type;
             ALTER TABLE patients DROP COLUMN demographics_updated;
             DROP TABLE death_reports;
             ALTER TABLE drug_exposures DROP COLUMN said_stopped;
             DROP TABLE alive_reports;
             ALTER TABLE patients DROP COLUMN mrn_use;
             ALTER TABLE patients DROP COLUMN mrn_type;
             DROP TABLE patient_names;
             DROP TABLE refused_patient_ids;
             ALTER TABLE drug_exposures DROP COLUMN indications;
             ALTER TABLE observations DROP COLUMN effective_precision;
             ALTER TABLE observations DROP COLUMN since_precision;
             ALTER TABLE conditions DROP COLUMN recorded_precision;
             ALTER TABLE conditions DROP COLUMN onset_precision;
             ALTER TABLE conditions DROP COLUMN abatement_precision;
             DROP TABLE import_batches;
             ALTER TABLE imports DROP COLUMN batch_id;
             ALTER TABLE procedures DROP COLUMN indications;
             ALTER TABLE observations DROP COLUMN focus;
             ALTER TABLE fhir_resources DROP COLUMN current_until;
             DROP TABLE removed_resources;
             DROP TABLE kept_aside;
             ALTER TABLE observations DROP COLUMN value_words;
             ALTER TABLE meeting_cases DROP COLUMN discussed_mrn;
             ALTER TABLE meeting_cases DROP COLUMN discussed_family_name;
             ALTER TABLE meeting_cases DROP COLUMN discussed_given_name;
             ALTER TABLE meeting_cases DROP COLUMN discussed_sex;
             ALTER TABLE meeting_cases DROP COLUMN discussed_birth_date;
             ALTER TABLE patient_identifiers DROP COLUMN record;
             DROP TABLE drug_reactions;
             ALTER TABLE drug_exposures DROP COLUMN dose_from;
             ALTER TABLE observations DROP COLUMN reference_ranges;
             DROP TABLE claimed_patient_ids;
             ALTER TABLE fhir_resources DROP COLUMN carried;
             ALTER TABLE patients DROP COLUMN deceased_in;
             ALTER TABLE observations DROP COLUMN interpretation;
             PRAGMA user_version = 34;"
        ))
        .unwrap();
    }
    env.store =
        refract::store::Store::open(&env.db(), refract::store::OpenMode::MustExist, "fhir-test")
            .unwrap();
}

/// review37 F1: a placeholder SSN two people carried, marked shared by a version that kept the
/// OID's spelling, still names no one when the next files write the URI.
#[test]
fn a_value_marked_shared_under_the_oid_names_no_one_when_files_write_the_uri() {
    let mut env = Env::new();
    let first = person(
        "p1",
        &[typed("MR", HOSPITAL, "H1"), typed("SS", SSN, "999-99-9999")],
        "Adams",
        "Ann",
    );
    let second = person(
        "p2",
        &[typed("MR", HOSPITAL, "H2"), typed("SS", SSN, "999-99-9999")],
        "Baker",
        "Bea",
    );
    from(&mut env, "hosp", "h1.json", &epileptic(&first, LAMOTRIGINE));
    from(
        &mut env,
        "hosp",
        "h2.json",
        &epileptic(&second, LAMOTRIGINE),
    );
    assert_eq!(
        env.int("SELECT count(*) FROM shared_identifiers WHERE value = '999-99-9999'"),
        1
    );
    as_schema_34(
        &mut env,
        &format!("UPDATE shared_identifiers SET system = 'urn:oid:{SSN_OID}';"),
    );
    // The hospital's next feed of the first, then a clinic's patient with the placeholder only.
    let renamed = person(
        "p1",
        &[typed("MR", HOSPITAL, "H1"), typed("SS", SSN, "999-99-9999")],
        "Adams",
        "Anne",
    );
    from(
        &mut env,
        "hosp",
        "h1b.json",
        &epileptic(&renamed, LAMOTRIGINE),
    );
    let clinic = person("c1", &[typed("SS", SSN, "999-99-9999")], "Carter", "Cy");
    from(
        &mut env,
        "clinic",
        "c.json",
        &epileptic(&clinic, LEVETIRACETAM),
    );
    assert_eq!(
        env.int("SELECT count(*) FROM patients"),
        3,
        "{:?}",
        patients(&env)
    );
    assert_eq!(
        env.rows("SELECT system FROM shared_identifiers WHERE value = '999-99-9999'"),
        [[SSN]]
    );
    assert_eq!(
        env.int("SELECT count(*) FROM patient_identifiers WHERE value = '999-99-9999'"),
        0
    );
}

/// review37 F3, F7: a version before 35 kept systems as each file spelled them (a bare OID, an
/// upper-case URN); the upgrade moves every one to the canonical spelling, merging one
/// patient's two spellings into one row and marking a value two patients hold in two spellings
/// as naming neither, so that the sources' next feeds find their patients.
#[test]
fn the_upgrade_keeps_every_stored_identifier_system_in_one_spelling() {
    let nhs_oid = "2.16.840.1.113883.2.1.4.1";
    let mut env = Env::new();
    let converted = person(
        "b1",
        &[
            typed("MR", "urn:oid:2.16.840.1.113883.19.5", "C7"),
            json!({"system": NHS, "value": "9434765919"}),
        ],
        "Okafor",
        "Grace",
    );
    let doubled = person(
        "d1",
        &[
            typed("MR", "urn:oid:2.16.840.1.113883.19.5", "C8"),
            json!({"system": NHS, "value": "4857773456"}),
        ],
        "Doe",
        "Dan",
    );
    let first = person(
        "e1",
        &[
            typed("MR", "urn:oid:2.16.840.1.113883.19.5", "C9"),
            typed("SS", SSN, "123-45-6789"),
        ],
        "Eve",
        "Ed",
    );
    let second = person(
        "f1",
        &[typed("MR", "https://other.example/mrn", "O1")],
        "Fay",
        "Flo",
    );
    for (name, who) in [("b", &converted), ("d", &doubled), ("e", &first)] {
        from(
            &mut env,
            "hie",
            &format!("{name}.json"),
            &epileptic(who, LAMOTRIGINE),
        );
    }
    from(
        &mut env,
        "other",
        "f.json",
        &epileptic(&second, LAMOTRIGINE),
    );
    // The older version's file also held the first's SSN as the second's, in the URI (below).
    let fay = env.patient_id("O1");
    let eve = env.patient_id("C9");
    assert_ne!(fay, eve, "{:?}", patients(&env));
    as_schema_34(
        &mut env,
        &format!(
            "UPDATE patient_identifiers SET system = '{nhs_oid}' WHERE value = '9434765919';
             UPDATE patients SET mrn_system = 'URN:OID:2.16.840.1.113883.19.5'
               WHERE mrn = 'C7';
             INSERT INTO patient_identifiers (system, value, patient_id)
               SELECT 'URN:OID:{nhs_oid}', value, patient_id FROM patient_identifiers
               WHERE value = '4857773456';
             UPDATE patient_identifiers SET system = 'urn:oid:{SSN_OID}'
               WHERE value = '123-45-6789';
             INSERT INTO patient_identifiers (system, value, patient_id)
               VALUES ('{SSN}', '123-45-6789', {fay});"
        ),
    );
    let systems = env.rows(
        "SELECT DISTINCT system FROM patient_identifiers WHERE system NOT LIKE 'urn:refract:%'
         UNION SELECT DISTINCT mrn_system FROM patients
         UNION SELECT DISTINCT system FROM shared_identifiers ORDER BY 1",
    );
    assert_eq!(
        systems,
        [
            [SSN],
            [NHS],
            ["https://other.example/mrn"],
            ["urn:oid:2.16.840.1.113883.19.5"]
        ]
    );
    // Two patients held one SSN in two spellings: it names neither now.
    assert_eq!(env.rows("SELECT system FROM shared_identifiers"), [[SSN]]);
    // The GP's feed (the NHS number's URI) finds the patient stored under the bare OID.
    let gp = person(
        "g1",
        &[json!({"system": NHS, "value": "9434765919"})],
        "Okafor",
        "Grace",
    );
    from(&mut env, "gp", "gp.json", &epileptic(&gp, LEVETIRACETAM));
    let gp = person(
        "g2",
        &[json!({"system": format!("urn:oid:{nhs_oid}"), "value": "4857773456"})],
        "Doe",
        "Dan",
    );
    from(&mut env, "gp", "gp2.json", &epileptic(&gp, LEVETIRACETAM));
    assert_eq!(
        env.int("SELECT count(*) FROM patients"),
        4,
        "{:?}",
        patients(&env)
    );
}

fn died(who: &Value, deceased: &Value, updated: &str) -> Value {
    with(
        with(who.clone(), deceased),
        &json!({"meta": {"lastUpdated": updated}}),
    )
}

/// review37 F2: a death is never discarded by recency: another source's newer record that
/// does not mention it keeps it, an older record's death is taken with its day, and only the
/// source that reported it takes it back, by saying the patient is alive.
#[test]
fn a_death_is_kept_whatever_the_newer_demographics_leave_unsaid() {
    let hospital = person(
        "h1",
        &[
            typed("MR", HOSPITAL, "H9"),
            json!({"system": NHS, "value": "9434765919"}),
        ],
        "Ng",
        "Li",
    );
    let gp = person(
        "g1",
        &[json!({"system": NHS, "value": "9434765919"})],
        "Ng",
        "Lily",
    );
    let state = |env: &Env| {
        env.rows("SELECT given_name, deceased, coalesce(deceased_date, '') FROM patients")
    };

    // An older record from the hospital says the death, after the GP's newer one.
    let mut env = Env::new();
    from(
        &mut env,
        "gp",
        "gp.json",
        &epileptic(
            &died(&gp, &json!({}), "2026-10-01T00:00:00Z"),
            LEVETIRACETAM,
        ),
    );
    let dead = died(
        &hospital,
        &json!({"deceasedDateTime": "2024-03-02"}),
        "2024-03-05T00:00:00Z",
    );
    from(&mut env, "hosp", "h.json", &epileptic(&dead, LAMOTRIGINE));
    assert_eq!(state(&env), [["Lily", "1", "2024-03-02"]]);
    // The GP's newer record, silent on it, and another source's "alive" keep it.
    from(
        &mut env,
        "gp",
        "gp2.json",
        &epileptic(
            &died(&gp, &json!({}), "2026-11-01T00:00:00Z"),
            LEVETIRACETAM,
        ),
    );
    assert_eq!(state(&env), [["Lily", "1", "2024-03-02"]]);
    from(
        &mut env,
        "gp",
        "gp3.json",
        &epileptic(
            &died(
                &gp,
                &json!({"deceasedBoolean": false}),
                "2026-11-02T00:00:00Z",
            ),
            LEVETIRACETAM,
        ),
    );
    assert_eq!(state(&env), [["Lily", "1", "2024-03-02"]]);
    // The hospital takes it back (recorded in error).
    from(
        &mut env,
        "hosp",
        "h2.json",
        &epileptic(
            &died(
                &hospital,
                &json!({"deceasedBoolean": false}),
                "2026-11-03T00:00:00Z",
            ),
            LAMOTRIGINE,
        ),
    );
    assert_eq!(state(&env), [["Li", "0", ""]]);

    // A newer record from another source that says nothing of a stored death keeps it.
    let mut env = Env::new();
    from(&mut env, "hosp", "h.json", &epileptic(&dead, LAMOTRIGINE));
    from(
        &mut env,
        "gp",
        "gp.json",
        &epileptic(
            &died(&gp, &json!({}), "2026-10-01T00:00:00Z"),
            LEVETIRACETAM,
        ),
    );
    assert_eq!(state(&env), [["Lily", "1", "2024-03-02"]]);
}

/// Two hospitals' records of one patient (matched on the NHS number), each with its own record
/// number, and what one of them says of the patient's death at `updated`.
fn two_hospitals() -> (Value, Value) {
    let first = person(
        "a1",
        &[
            typed("MR", HOSPITAL, "A7"),
            json!({"system": NHS, "value": "9434765919"}),
        ],
        "Ng",
        "Li",
    );
    let second = person(
        "b1",
        &[
            typed("MR", "https://other.example.org/mrn", "B7"),
            json!({"system": NHS, "value": "9434765919"}),
        ],
        "Ng",
        "Li",
    );
    (first, second)
}

fn vital_state(env: &Env) -> Vec<Vec<String>> {
    env.rows("SELECT deceased, coalesce(deceased_date, '') FROM patients")
}

/// fix-left L1 (a): two hospitals report a death and one takes its word back (recorded in
/// error): the other still says the patient died, and the death stands until it retracts too.
#[test]
fn a_death_two_sources_report_stands_until_both_take_it_back() {
    let (a, b) = two_hospitals();
    let mut env = Env::new();
    let said = |who: &Value, deceased: Value, updated: &str| {
        epileptic(&died(who, &deceased, updated), LAMOTRIGINE)
    };
    from(
        &mut env,
        "hosp-a",
        "a1.json",
        &said(
            &a,
            json!({"deceasedDateTime": "2024-03-02"}),
            "2024-03-05T00:00:00Z",
        ),
    );
    from(
        &mut env,
        "hosp-b",
        "b1.json",
        &said(
            &b,
            json!({"deceasedDateTime": "2024-03-02"}),
            "2024-03-06T00:00:00Z",
        ),
    );
    assert_eq!(env.int("SELECT count(*) FROM patients"), 1);
    assert_eq!(vital_state(&env), [["1", "2024-03-02"]]);
    from(
        &mut env,
        "hosp-a",
        "a2.json",
        &said(
            &a,
            json!({"deceasedBoolean": false}),
            "2024-04-01T00:00:00Z",
        ),
    );
    assert_eq!(vital_state(&env), [["1", "2024-03-02"]], "B still says so");
    from(
        &mut env,
        "hosp-b",
        "b2.json",
        &said(
            &b,
            json!({"deceasedBoolean": false}),
            "2024-04-02T00:00:00Z",
        ),
    );
    assert_eq!(
        vital_state(&env),
        [["0", ""]],
        "the last reporter took it back"
    );
}

/// fix-left L1 (b): the second source to report a death takes it back after the first has
/// already done so: no source says the patient died any more.
#[test]
fn the_last_source_to_take_a_death_back_takes_it_back() {
    let (a, b) = two_hospitals();
    let said = |who: &Value, deceased: Value, updated: &str| {
        epileptic(&died(who, &deceased, updated), LAMOTRIGINE)
    };
    let mut env = Env::new();
    from(
        &mut env,
        "hosp-a",
        "a1.json",
        &said(
            &a,
            json!({"deceasedDateTime": "2024-03-02"}),
            "2024-03-05T00:00:00Z",
        ),
    );
    from(
        &mut env,
        "hosp-b",
        "b1.json",
        &said(&b, json!({"deceasedBoolean": true}), "2024-03-06T00:00:00Z"),
    );
    // B's retraction while A still says so changes nothing.
    from(
        &mut env,
        "hosp-b",
        "b2.json",
        &said(
            &b,
            json!({"deceasedBoolean": false}),
            "2024-04-01T00:00:00Z",
        ),
    );
    assert_eq!(vital_state(&env), [["1", "2024-03-02"]], "A still says so");
    // B reports it again, on another day (its newer record's day holds); A takes its word
    // back (B's day stays), then B.
    from(
        &mut env,
        "hosp-b",
        "b3.json",
        &said(
            &b,
            json!({"deceasedDateTime": "2024-03-03"}),
            "2024-04-02T00:00:00Z",
        ),
    );
    assert_eq!(vital_state(&env), [["1", "2024-03-03"]]);
    from(
        &mut env,
        "hosp-a",
        "a2.json",
        &said(
            &a,
            json!({"deceasedBoolean": false}),
            "2024-04-03T00:00:00Z",
        ),
    );
    assert_eq!(vital_state(&env), [["1", "2024-03-03"]], "B still says so");
    from(
        &mut env,
        "hosp-b",
        "b4.json",
        &said(
            &b,
            json!({"deceasedBoolean": false}),
            "2024-04-04T00:00:00Z",
        ),
    );
    assert_eq!(vital_state(&env), [["0", ""]]);
    // Each change of the death is in the audit log with what it replaced.
    let audited = env.rows(
        "SELECT json_extract(before, '$.deceased'), json_extract(after, '$.deceased')
         FROM audit_log WHERE action = 'import.patient.update'
           AND coalesce(json_extract(before, '$.deceased'), 0)
               <> coalesce(json_extract(after, '$.deceased'), 0)",
    );
    assert_eq!(audited, [["1", "NULL"]], "{audited:?}");
    // And each change of who reports it: B added, gone, added again, then A gone, then B.
    assert_eq!(
        env.rows(
            "SELECT after FROM audit_log WHERE action = 'import.patient.death_reports'
             ORDER BY id"
        ),
        [
            [r#"{"death_reported_by":["hosp-a","hosp-b"]}"#],
            [r#"{"death_reported_by":["hosp-a"]}"#],
            [r#"{"death_reported_by":["hosp-a","hosp-b"]}"#],
            [r#"{"death_reported_by":["hosp-b"]}"#],
            [r#"{"death_reported_by":[]}"#],
        ]
    );
}

fn reporters(env: &Env) -> Vec<Vec<String>> {
    env.rows(
        "SELECT source, coalesce(said, '-'), coalesce(deceased_date, '-') FROM death_reports
         ORDER BY source",
    )
}

/// Hospital A, then B, say the patient died on 2024-03-02.
fn both_report(env: &mut Env) -> (Value, Value) {
    let (a, b) = two_hospitals();
    from(
        env,
        "hosp-a",
        "a1.json",
        &epileptic(
            &died(
                &a,
                &json!({"deceasedDateTime": "2024-03-02"}),
                "2024-03-05T00:00:00Z",
            ),
            LAMOTRIGINE,
        ),
    );
    from(
        env,
        "hosp-b",
        "b1.json",
        &epileptic(
            &died(
                &b,
                &json!({"deceasedBoolean": true}),
                "2024-03-06T00:00:00Z",
            ),
            LAMOTRIGINE,
        ),
    );
    (a, b)
}

/// fix-left L1: a source's word back is weighed against its own report of the death, not
/// against another source's newer demographics: a hospital's correction written after its report
/// takes it back even when a GP's newer record is stored; one written before it does not.
#[test]
fn a_death_is_taken_back_by_a_record_newer_than_its_reporters_own_word() {
    let (a, _) = two_hospitals();
    let gp = person(
        "g1",
        &[json!({"system": NHS, "value": "9434765919"})],
        "Ng",
        "Lily",
    );
    let mut env = Env::new();
    from(
        &mut env,
        "hosp-a",
        "a1.json",
        &epileptic(
            &died(
                &a,
                &json!({"deceasedDateTime": "2024-03-02"}),
                "2024-03-05T00:00:00Z",
            ),
            LAMOTRIGINE,
        ),
    );
    from(
        &mut env,
        "gp",
        "gp.json",
        &epileptic(
            &died(&gp, &json!({}), "2026-10-01T00:00:00Z"),
            LEVETIRACETAM,
        ),
    );
    // Written before its report: no correction of it.
    from(
        &mut env,
        "hosp-a",
        "a0.json",
        &epileptic(
            &died(
                &a,
                &json!({"deceasedBoolean": false}),
                "2024-03-01T00:00:00Z",
            ),
            LAMOTRIGINE,
        ),
    );
    assert_eq!(vital_state(&env), [["1", "2024-03-02"]]);
    from(
        &mut env,
        "hosp-a",
        "a2.json",
        &epileptic(
            &died(
                &a,
                &json!({"deceasedBoolean": false}),
                "2024-04-01T00:00:00Z",
            ),
            LAMOTRIGINE,
        ),
    );
    assert_eq!(vital_state(&env), [["0", ""]]);
    // The GP's newer demographics stay.
    assert_eq!(env.rows("SELECT given_name FROM patients"), [["Lily"]]);
}

/// fix-trust 2: a hospital's Patient says the death (v1), its newer one takes it back (v2,
/// recorded in error); the old file read again (a folder run once more) is older than the
/// source's own word that the patient is alive, by `meta.lastUpdated`: no new report of the
/// death. The audit log says why. Another source's older report still counts, and the
/// hospital's own newer report brings the death back.
#[test]
fn an_older_patient_of_a_source_never_undoes_its_newer_word_that_the_patient_lives() {
    let (a, b) = two_hospitals();
    let said = |who: &Value, deceased: Value, updated: &str| {
        epileptic(&died(who, &deceased, updated), LAMOTRIGINE)
    };
    let v1 = said(
        &a,
        json!({"deceasedDateTime": "2024-03-02"}),
        "2024-03-05T00:00:00Z",
    );
    let v2 = said(
        &a,
        json!({"deceasedBoolean": false}),
        "2024-04-01T00:00:00Z",
    );
    let mut env = Env::new();
    from(&mut env, "hosp-a", "a1.json", &v1);
    assert_eq!(vital_state(&env), [["1", "2024-03-02"]]);
    from(&mut env, "hosp-a", "a2.json", &v2);
    assert_eq!(vital_state(&env), [["0", ""]]);
    // The old file again, and a copy of it under another name.
    from(&mut env, "hosp-a", "a1.json", &v1);
    assert_eq!(vital_state(&env), [["0", ""]], "the same file again");
    from(&mut env, "hosp-a", "a1-copy.json", &v1);
    assert_eq!(vital_state(&env), [["0", ""]], "a copy of it");
    assert!(reporters(&env).is_empty());
    let why = env.rows(
        "SELECT after FROM audit_log WHERE action = 'import.patient.death_not_taken'
         ORDER BY id",
    );
    assert!(!why.is_empty(), "the audit log says why");
    assert!(
        why[0][0].contains("hosp-a")
            && why[0][0].contains("2024-03-05T00:00:00Z")
            && why[0][0].contains("2024-04-01T00:00:00Z"),
        "{why:?}"
    );
    // Another source's word, however old, is its own.
    from(
        &mut env,
        "hosp-b",
        "b1.json",
        &said(
            &b,
            json!({"deceasedDateTime": "2024-03-02"}),
            "2024-03-06T00:00:00Z",
        ),
    );
    assert_eq!(vital_state(&env), [["1", "2024-03-02"]], "B says so");
    from(
        &mut env,
        "hosp-b",
        "b2.json",
        &said(
            &b,
            json!({"deceasedBoolean": false}),
            "2024-04-02T00:00:00Z",
        ),
    );
    assert_eq!(vital_state(&env), [["0", ""]]);
    // The hospital's own newer report is its word now.
    from(
        &mut env,
        "hosp-a",
        "a3.json",
        &said(
            &a,
            json!({"deceasedDateTime": "2024-05-02"}),
            "2024-05-05T00:00:00Z",
        ),
    );
    assert_eq!(vital_state(&env), [["1", "2024-05-02"]]);
}

/// fix-trust 2: the source's word that the patient lives comes before its old report in
/// another order too: v2 read first, then v1 (a folder read newest first) reports nothing. A
/// Patient that does not say when it was written cannot be ordered: the later import holds, as
/// for demographics.
#[test]
fn a_sources_older_report_of_a_death_read_after_its_word_that_the_patient_lives_is_no_report() {
    let (a, _) = two_hospitals();
    let said = |who: &Value, deceased: Value, updated: Option<&str>| {
        let who = with(who.clone(), &deceased);
        let who = match updated {
            Some(updated) => with(who, &json!({"meta": {"lastUpdated": updated}})),
            None => who,
        };
        epileptic(&who, LAMOTRIGINE)
    };
    let mut env = Env::new();
    from(
        &mut env,
        "hosp-a",
        "a2.json",
        &said(
            &a,
            json!({"deceasedBoolean": false}),
            Some("2024-04-01T00:00:00Z"),
        ),
    );
    from(
        &mut env,
        "hosp-a",
        "a1.json",
        &said(
            &a,
            json!({"deceasedDateTime": "2024-03-02"}),
            Some("2024-03-05T00:00:00Z"),
        ),
    );
    assert_eq!(vital_state(&env), [["0", ""]]);
    // Undated: the later import's word holds.
    from(
        &mut env,
        "hosp-a",
        "a0.json",
        &said(&a, json!({"deceasedDateTime": "2024-03-02"}), None),
    );
    assert_eq!(vital_state(&env), [["1", "2024-03-02"]]);
}

/// fix-trust 2: refract's own JSON carries a source's word that the patient lives, so that in a
/// file restored from it the source's old record read again reports no death either.
#[test]
fn a_sources_word_that_the_patient_lives_comes_back_through_refracts_json() {
    let (a, _) = two_hospitals();
    let v1 = epileptic(
        &died(
            &a,
            &json!({"deceasedDateTime": "2024-03-02"}),
            "2024-03-05T00:00:00Z",
        ),
        LAMOTRIGINE,
    );
    let v2 = epileptic(
        &died(
            &a,
            &json!({"deceasedBoolean": false}),
            "2024-04-01T00:00:00Z",
        ),
        LAMOTRIGINE,
    );
    let mut env = Env::new();
    from(&mut env, "hosp-a", "a1.json", &v1);
    from(&mut env, "hosp-a", "a2.json", &v2);
    let words = "SELECT source, said FROM alive_reports";
    assert_eq!(env.rows(words), [["hosp-a", "2024-04-01T00:00:00Z"]]);
    let document = env.path("export.json");
    let exported = super::refract()
        .arg("--db")
        .arg(env.db())
        .args(["export", "--format", "json", "--out"])
        .arg(&document)
        .output()
        .unwrap();
    assert!(exported.status.success(), "{exported:?}");
    let restored = env.path("restored.db");
    let imported = super::refract()
        .arg("--db")
        .arg(&restored)
        .arg("import")
        .arg(&document)
        .output()
        .unwrap();
    assert!(imported.status.success(), "{imported:?}");
    env.store =
        refract::store::Store::open(&restored, refract::store::OpenMode::MustExist, "fhir-test")
            .unwrap();
    assert_eq!(env.rows(words), [["hosp-a", "2024-04-01T00:00:00Z"]]);
    from(&mut env, "hosp-a", "a1-again.json", &v1);
    assert_eq!(vital_state(&env), [["0", ""]]);
}

/// fix-left L1: a file of schema 37 kept one reporter in `patients.death_source`; the upgrade
/// keeps it as the death's one known reporter.
#[test]
fn the_one_reporter_a_version_37_file_kept_is_kept_by_the_upgrade() {
    let mut env = Env::new();
    let (a, b) = both_report(&mut env);
    {
        let conn = super::sql_on(&env.store);
        conn.execute_batch(
            "ALTER TABLE patients ADD COLUMN death_source TEXT;
             UPDATE patients SET death_source = 'hosp-a';
             DROP TABLE death_reports;
             ALTER TABLE drug_exposures DROP COLUMN indications;
             ALTER TABLE observations DROP COLUMN effective_precision;
             ALTER TABLE observations DROP COLUMN since_precision;
             ALTER TABLE conditions DROP COLUMN recorded_precision;
             ALTER TABLE conditions DROP COLUMN onset_precision;
             ALTER TABLE conditions DROP COLUMN abatement_precision;
             ALTER TABLE drug_exposures DROP COLUMN said_stopped;
             DROP TABLE alive_reports;
             DROP TABLE import_batches;
             ALTER TABLE imports DROP COLUMN batch_id;
             ALTER TABLE procedures DROP COLUMN indications;
             ALTER TABLE observations DROP COLUMN focus;
             ALTER TABLE fhir_resources DROP COLUMN current_until;
             DROP TABLE removed_resources;
             DROP TABLE kept_aside;
             ALTER TABLE observations DROP COLUMN value_words;
             ALTER TABLE meeting_cases DROP COLUMN discussed_mrn;
             ALTER TABLE meeting_cases DROP COLUMN discussed_family_name;
             ALTER TABLE meeting_cases DROP COLUMN discussed_given_name;
             ALTER TABLE meeting_cases DROP COLUMN discussed_sex;
             ALTER TABLE meeting_cases DROP COLUMN discussed_birth_date;
             ALTER TABLE patient_identifiers DROP COLUMN record;
             DROP TABLE drug_reactions;
             ALTER TABLE drug_exposures DROP COLUMN dose_from;
             ALTER TABLE observations DROP COLUMN reference_ranges;
             DROP TABLE claimed_patient_ids;
             ALTER TABLE fhir_resources DROP COLUMN carried;
             ALTER TABLE patients DROP COLUMN deceased_in;
             ALTER TABLE observations DROP COLUMN interpretation;
             PRAGMA user_version = 37;",
        )
        .unwrap();
    }
    env.store =
        refract::store::Store::open(&env.db(), refract::store::OpenMode::MustExist, "fhir-test")
            .unwrap();
    assert_eq!(reporters(&env), [["hosp-a", "-", "2024-03-02"]]);
    // B, which 37 forgot, is not a reporter: its word back changes nothing; A's takes it back.
    from(
        &mut env,
        "hosp-b",
        "b2.json",
        &epileptic(
            &died(
                &b,
                &json!({"deceasedBoolean": false}),
                "2024-04-01T00:00:00Z",
            ),
            LAMOTRIGINE,
        ),
    );
    assert_eq!(vital_state(&env), [["1", "2024-03-02"]]);
    from(
        &mut env,
        "hosp-a",
        "a2.json",
        &epileptic(
            &died(
                &a,
                &json!({"deceasedBoolean": false}),
                "2024-04-02T00:00:00Z",
            ),
            LAMOTRIGINE,
        ),
    );
    assert_eq!(vital_state(&env), [["0", ""]]);
    assert!(reporters(&env).is_empty());
}

/// fix-left L1: refract's own JSON carries every reporter of a death, so that a file restored
/// from it takes the death back only when the last of them says so.
#[test]
fn the_reporters_of_a_death_come_back_through_refracts_json() {
    let mut env = Env::new();
    let (a, _) = both_report(&mut env);
    let kept = [
        ["hosp-a", "2024-03-05T00:00:00Z", "2024-03-02"],
        ["hosp-b", "2024-03-06T00:00:00Z", "-"],
    ];
    assert_eq!(reporters(&env), kept);
    let document = env.path("export.json");
    let exported = super::refract()
        .arg("--db")
        .arg(env.db())
        .args(["export", "--format", "json", "--out"])
        .arg(&document)
        .output()
        .unwrap();
    assert!(exported.status.success(), "{exported:?}");
    let restored = env.path("restored.db");
    let imported = super::refract()
        .arg("--db")
        .arg(&restored)
        .arg("import")
        .arg(&document)
        .output()
        .unwrap();
    assert!(imported.status.success(), "{imported:?}");
    env.store =
        refract::store::Store::open(&restored, refract::store::OpenMode::MustExist, "fhir-test")
            .unwrap();
    assert_eq!(reporters(&env), kept);
    from(
        &mut env,
        "hosp-a",
        "a2.json",
        &epileptic(
            &died(
                &a,
                &json!({"deceasedBoolean": false}),
                "2024-04-02T00:00:00Z",
            ),
            LAMOTRIGINE,
        ),
    );
    assert_eq!(vital_state(&env), [["1", ""]], "B still says so, on no day");
}

/// review37 F4: a parent and a child on one policy carry one insurance member number (MB); it
/// is shown as their MRN, and the export writes it as no identity key (never relabelled a
/// medical record number), so the export's import keeps them two.
#[test]
fn a_member_number_two_people_share_keeps_them_two_through_an_export() {
    let member = |id: &str, given: &str| {
        person(
            id,
            &[typed("MB", "https://payer.example/member", "M-5521")],
            "Lopez",
            given,
        )
    };
    let mut env = Env::new();
    from(
        &mut env,
        "payer",
        "parent.json",
        &epileptic(&member("m1", "Rosa"), LAMOTRIGINE),
    );
    from(
        &mut env,
        "payer",
        "child.json",
        &epileptic(&member("m2", "Tito"), LEVETIRACETAM),
    );
    assert_eq!(env.int("SELECT count(*) FROM patients"), 2);
    let exported = export(&env, "export.json");
    let bundle: Value = serde_json::from_slice(&std::fs::read(&exported).unwrap()).unwrap();
    for entry in bundle["entry"].as_array().unwrap() {
        if entry["resource"]["resourceType"] == "Patient" {
            let written = &entry["resource"]["identifier"];
            assert_eq!(
                written,
                &json!([{
                    "extension": [{
                        "url": "https://refract.dev/fhir/StructureDefinition/identifier-match",
                        "valueCode": "never"
                    }],
                    "use": "usual",
                    "type": {"coding": [{"system": V2_0203, "code": "MB"}]},
                    "system": "https://payer.example/member",
                    "value": "M-5521"
                }])
            );
        }
    }
    let mut fresh = Env::new();
    fresh.import_ok(&exported);
    // Everything but the runs that wrote it (two files there, one here).
    let records = |env: &Env| {
        let mut counts = env.counts();
        counts.remove("imports");
        counts.remove("audit_log");
        counts
    };
    assert_eq!(records(&fresh), records(&env));
    assert_eq!(fresh.int("SELECT count(*) FROM patients"), 2);
}

/// review37 F5: a value that is one patient's MRN and another's identifier names neither.
#[test]
fn a_value_one_patient_shows_and_another_holds_names_neither() {
    let mut env = Env::new();
    let hospital = person("h1", &[typed("MR", HOSPITAL, "5550001")], "Hill", "Ann");
    let clinic = person(
        "c1",
        &[
            typed("MR", "https://clinic.example/mrn", "K1"),
            json!({"system": "https://lab.example/id", "value": "5550001"}),
        ],
        "Kent",
        "Bo",
    );
    from(
        &mut env,
        "hosp",
        "h.json",
        &epileptic(&hospital, LAMOTRIGINE),
    );
    from(
        &mut env,
        "clinic",
        "c.json",
        &epileptic(&clinic, LAMOTRIGINE),
    );
    let error = env
        .store
        .patient_id_by_mrn("5550001")
        .unwrap_err()
        .to_string();
    assert!(
        error.contains(&format!("{HOSPITAL}|5550001"))
            && error.contains("https://lab.example/id|5550001"),
        "{error}"
    );
    // Each named by its system.
    assert_ne!(
        env.store
            .patient_id_by_mrn(&format!("{HOSPITAL}|5550001"))
            .unwrap(),
        env.store
            .patient_id_by_mrn("https://lab.example/id|5550001")
            .unwrap()
    );
}

/// review37 F6: a number its source writes with no system is exported so that the source's
/// next feed (again with no system) finds the patient in a file made from the export.
#[test]
fn a_number_without_a_system_keeps_matching_the_sources_next_feed_through_an_export() {
    let gp = person("g1", &[json!({"value": "G-77"})], "Moss", "Kit");
    let mut env = Env::new();
    from(&mut env, "gp", "gp.json", &epileptic(&gp, LEVETIRACETAM));
    let exported = export(&env, "export.json");
    let mut fresh = Env::new();
    fresh.import_ok(&exported);
    from(&mut fresh, "gp", "gp.json", &epileptic(&gp, LEVETIRACETAM));
    assert_eq!(patients(&fresh), [["G-77", "Moss", "Kit"]]);
}

/// A file cannot name another source's patient by refract's own key for their Patient id (a
/// key the import makes from where a record came): it is no identifier to match on.
#[test]
fn a_file_writing_refracts_own_key_of_another_sources_patient_is_not_matched_on_it() {
    let mut env = Env::new();
    let hospital = person("h1", &[typed("MR", HOSPITAL, "H1")], "Hale", "Ida");
    from(
        &mut env,
        "hosp",
        "h.json",
        &epileptic(&hospital, LAMOTRIGINE),
    );
    let forged = person(
        "x1",
        &[json!({"system": "urn:refract:patient-id:hosp", "value": "h1"})],
        "Other",
        "Person",
    );
    from(
        &mut env,
        "elsewhere",
        "x.json",
        &epileptic(&forged, LEVETIRACETAM),
    );
    assert_eq!(
        env.int("SELECT count(*) FROM patients"),
        2,
        "{:?}",
        patients(&env)
    );
}

/// The hospital's export as it stands at one time: one patient with a condition, a procedure,
/// a reading (`creatinine`, written at `written`), a drug and a drug reaction.
fn hospital_export(creatinine: f64, written: &str) -> Value {
    let subject = "Patient/p1";
    bundle(
        "collection",
        &[
            super::patient("p1", "H100", "Rivera", "Ana"),
            condition(
                "c1",
                subject,
                "http://hl7.org/fhir/sid/icd-10",
                "G40.909",
                "Epilepsy",
            ),
            json!({
                "resourceType": "Procedure",
                "id": "pr1",
                "status": "completed",
                "subject": {"reference": subject},
                "code": super::coding("http://snomed.info/sct", "54550000", "Electroencephalogram"),
                "performedDateTime": "2023-02-01"
            }),
            super::observation(
                "o1",
                subject,
                "2160-0",
                "Creatinine",
                &json!({"valueQuantity": {"value": creatinine, "unit": "mg/dL",
                        "system": "http://unitsofmeasure.org", "code": "mg/dL"},
                        "meta": {"lastUpdated": written}}),
            ),
            statement("m1", subject, LEVETIRACETAM, "active", "2023-01-01", None),
            json!({
                "resourceType": "AllergyIntolerance",
                "id": "al1",
                "patient": {"reference": subject},
                "category": ["medication"],
                "clinicalStatus": {"coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                    "code": "active"
                }]},
                "code": super::coding("http://www.nlm.nih.gov/research/umls/rxnorm", "28439",
                                      "Lamotrigine"),
                "reaction": [{"manifestation": [{"text": "Rash"}]}]
            }),
        ],
    )
}

/// Review OC-6: a colleague's FHIR export carries where each record came from, so that the
/// file made from it, then fed by the hospital's own next export under the hospital's
/// `--source`, updates those records instead of holding each twice.
#[test]
fn a_file_made_from_a_colleagues_fhir_export_is_updated_by_the_hospitals_next_export() {
    let tables = "SELECT (SELECT count(*) FROM patients), (SELECT count(*) FROM conditions),
                         (SELECT count(*) FROM procedures), (SELECT count(*) FROM observations),
                         (SELECT count(*) FROM drug_exposures),
                         (SELECT count(*) FROM drug_reactions)";
    let mut first = Env::new();
    from(
        &mut first,
        "hosp",
        "a.json",
        &hospital_export(1.1, "2026-01-05T10:00:00Z"),
    );
    let exported = export(&first, "export.json");
    from(
        &mut first,
        "hosp",
        "a2.json",
        &hospital_export(2.4, "2026-02-05T10:00:00Z"),
    );
    let expected = first.rows(tables);
    assert_eq!(expected, [["1", "1", "1", "1", "1", "1"]]);

    // The colleague's export imported as it comes, or under a name of its own.
    for colleague in [None, Some("colleague")] {
        let mut second = Env::new();
        match colleague {
            None => {
                second.import_ok(&exported);
            }
            Some(name) => from(&mut second, name, "export.json", &read_json(&exported)),
        }
        from(
            &mut second,
            "hosp",
            "a2.json",
            &hospital_export(2.4, "2026-02-05T10:00:00Z"),
        );
        assert_eq!(second.rows(tables), expected, "{colleague:?}");
        assert_eq!(
            second.rows("SELECT value FROM observations"),
            [["2.4"]],
            "the reading the hospital corrected is updated ({colleague:?})"
        );
    }
    // The colleague's export read after the hospital's correction: its copy, written before
    // it, changes nothing.
    let mut third = Env::new();
    from(
        &mut third,
        "hosp",
        "a2.json",
        &hospital_export(2.4, "2026-02-05T10:00:00Z"),
    );
    third.import_ok(&exported);
    assert_eq!(third.rows(tables), expected);
    assert_eq!(third.rows("SELECT value FROM observations"), [["2.4"]]);
}

fn read_json(path: &std::path::Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn care_team(id: &str, status: &str, name: &str, period: &Value) -> Value {
    json!({
        "resourceType": "CareTeam",
        "id": id,
        "status": status,
        "name": name,
        "subject": {"reference": "Patient/p1"},
        "period": period,
        "participant": [{
            "role": [super::coding("http://snomed.info/sct", "309343006", "Physician")],
            "member": {"reference": "Practitioner/dr1", "display": "Dr A. Neuro"}
        }]
    })
}

/// Review OC-7: the team that looks after a patient, as another system's CareTeam says it,
/// is the patient's care team; the FHIR export writes it as a CareTeam, so that the file made
/// from the export still finds the patient under their team.
#[test]
fn a_care_team_is_read_from_fhir_and_survives_a_fhir_export() {
    let mut first = Env::new();
    let file = bundle(
        "collection",
        &[
            super::patient("p1", "H100", "Rivera", "Ana"),
            condition(
                "c1",
                "Patient/p1",
                "http://hl7.org/fhir/sid/icd-10",
                "G40.909",
                "Epilepsy",
            ),
            // The team before, no longer theirs; one proposed, not yet; the one now.
            care_team(
                "t0",
                "active",
                "General neurology",
                &json!({"start": "2019-01-01", "end": "2021-06-30"}),
            ),
            care_team("t1", "proposed", "Surgery", &json!({"start": "2026-01-01"})),
            care_team(
                "t2",
                "active",
                "Epilepsy service",
                &json!({"start": "2021-07-01"}),
            ),
        ],
    );
    from(&mut first, "hosp", "a.json", &file);
    assert_eq!(
        first.rows("SELECT care_team FROM patients"),
        [["Epilepsy service"]]
    );
    let exported = export(&first, "export.json");
    let teams: Vec<Value> = read_json(&exported)["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["resource"].clone())
        .filter(|resource| resource["resourceType"] == "CareTeam")
        .collect();
    assert_eq!(teams.len(), 1, "{teams:#?}");
    assert_eq!(teams[0]["name"], "Epilepsy service");
    assert_eq!(teams[0]["status"], "active");

    let mut second = Env::new();
    second.import_ok(&exported);
    assert_eq!(
        second.rows("SELECT care_team FROM patients"),
        [["Epilepsy service"]]
    );

    // The hospital's next word: the team is no longer theirs, another one is.
    let moved = bundle(
        "collection",
        &[
            super::patient("p1", "H100", "Rivera", "Ana"),
            care_team(
                "t2",
                "inactive",
                "Epilepsy service",
                &json!({"start": "2021-07-01"}),
            ),
            care_team("t3", "active", "Neuro ICU", &json!({"start": "2026-11-30"})),
        ],
    );
    from(&mut first, "hosp", "b.json", &moved);
    assert_eq!(
        first.rows("SELECT care_team FROM patients"),
        [["Neuro ICU"]]
    );
}

/// Another team's source may bear the name of one of this file's ("gp"), and its Patient ids
/// name other people here: a carried origin that names a stored patient the file's Patient
/// plainly is not (another name, sex and birth date, no identifier in common) is not used —
/// neither the patient nor the record is filed under it.
#[test]
fn a_carried_origin_naming_another_person_here_is_not_used() {
    let who = |system: &str, mrn: &str, family: &str, sex: &str, born: &str| {
        json!({
            "resourceType": "Patient", "id": "1",
            "identifier": [{"system": system, "value": mrn}],
            "name": [{"family": family, "given": ["Sam"]}],
            "gender": sex, "birthDate": born
        })
    };
    let theirs = bundle(
        "collection",
        &[
            who("urn:oid:1.1", "111", "Alpha", "female", "1970-01-01"),
            condition(
                "c1",
                "Patient/1",
                "http://hl7.org/fhir/sid/icd-10",
                "G40.909",
                "Epilepsy",
            ),
        ],
    );
    let ours = bundle(
        "collection",
        &[
            who("urn:oid:2.2", "222", "Beta", "male", "1980-02-02"),
            condition(
                "c1",
                "Patient/1",
                "http://hl7.org/fhir/sid/icd-10",
                "I10",
                "Essential hypertension",
            ),
        ],
    );
    let mut colleague = Env::new();
    from(&mut colleague, "gp", "theirs.json", &theirs);
    let exported = export(&colleague, "export.json");
    for named in [None, Some("colleague")] {
        let mut here = Env::new();
        from(&mut here, "gp", "ours.json", &ours);
        match named {
            None => {
                here.import_ok(&exported);
            }
            Some(name) => from(&mut here, name, "export.json", &read_json(&exported)),
        }
        assert_eq!(
            here.rows(
                "SELECT p.family_name, c.code FROM conditions c JOIN patients p \
                 ON p.id = c.patient_id ORDER BY p.family_name"
            ),
            [["Alpha", "G40.909"], ["Beta", "I10"]],
            "{named:?}"
        );
    }
}

/// A Patient of source "gp" (`id` 1) with a condition `c1` of `code`.
fn gp_record(mrn: (&str, &str), family: &str, sex: &str, born: &str, code: &str) -> Value {
    bundle(
        "collection",
        &[
            json!({
                "resourceType": "Patient", "id": "1",
                "identifier": [{"system": mrn.0, "value": mrn.1}],
                "name": [{"family": family, "given": ["Sam"]}],
                "gender": sex, "birthDate": born
            }),
            condition(
                "c1",
                "Patient/1",
                "http://hl7.org/fhir/sid/icd-10",
                code,
                "A condition",
            ),
        ],
    )
}

fn conditions_by_patient(env: &Env) -> Vec<Vec<String>> {
    env.rows(
        "SELECT p.family_name, c.code FROM conditions c JOIN patients p \
         ON p.id = c.patient_id ORDER BY p.family_name, c.code",
    )
}

/// Review CL-1: a carried origin naming a source's Patient id no stored patient holds is a
/// claim, weighed when the source's own Patient of that id arrives, by the rules a key shared
/// across teams is weighed by. Plainly another person: the source's Patient is a patient of
/// its own, with its records, the claim dropped with a warning naming both and audited, the
/// claimant keeping what their file carried. The same person: the source's Patient updates
/// the patient who carried it, nothing held twice. Either order, never a refusal.
#[test]
fn a_claim_to_a_sources_patient_id_is_weighed_when_that_patient_arrives() {
    let alpha = gp_record(
        ("urn:oid:1.1", "111"),
        "Alpha",
        "female",
        "1970-01-01",
        "G40.909",
    );
    let beta = gp_record(("urn:oid:2.2", "222"), "Beta", "male", "1980-02-02", "I10");
    let mut colleague = Env::new();
    from(&mut colleague, "gp", "theirs.json", &alpha);
    let exported = export(&colleague, "export.json");
    for named in [None, Some("colleague")] {
        let claim = |env: &mut Env| match named {
            None => {
                env.import_ok(&exported);
            }
            Some(name) => from(env, name, "export.json", &read_json(&exported)),
        };
        // The claim first, then the source's own Patient/1: another person.
        let mut here = Env::new();
        claim(&mut here);
        let path = here.write_json("ours.json", &beta);
        let report = here.import_with(
            &[path],
            &refract::import::ImportOptions {
                source: Some(String::from("gp")),
                ..Default::default()
            },
        );
        assert_eq!(report.failed, 0, "{report:#?}");
        assert_eq!(
            conditions_by_patient(&here),
            [["Alpha", "G40.909"], ["Beta", "I10"]],
            "{named:?} {report:#?}"
        );
        let said = format!("{report:?}");
        assert!(
            said.contains("111") && said.contains("222") && said.contains("claim"),
            "{said}"
        );
        assert_eq!(here.int("SELECT count(*) FROM refused_patient_ids"), 0);
        assert_eq!(
            here.int(
                "SELECT count(*) FROM audit_log WHERE action = 'import.patient.claim_dropped'"
            ),
            1
        );
        // The source's next feed goes to its own patient, never to the claimant.
        let path = here.write_json("ours2.json", &beta);
        from(&mut here, "gp", "ours2.json", &read_json(&path));
        assert_eq!(
            conditions_by_patient(&here),
            [["Alpha", "G40.909"], ["Beta", "I10"]],
            "{named:?}"
        );

        // The claim first, then the source's own Patient/1: the same person.
        let mut here = Env::new();
        claim(&mut here);
        from(&mut here, "gp", "again.json", &alpha);
        assert_eq!(
            conditions_by_patient(&here),
            [["Alpha", "G40.909"]],
            "{named:?}"
        );

        // The source's Patient/1 first, then a claim that agrees: one patient.
        let mut here = Env::new();
        from(&mut here, "gp", "first.json", &alpha);
        claim(&mut here);
        assert_eq!(
            conditions_by_patient(&here),
            [["Alpha", "G40.909"]],
            "{named:?}"
        );
    }
}

/// Review RV-1: the source's own records of its Patient id that came before that Patient (a
/// Condition filed while the claim held the key) are the source's Patient's, not the
/// claimant's: dropping the claim keeps with the claimant only what a colleague's export
/// carried, and the source's later version of the record reaches the same patient.
#[test]
fn a_dropped_claim_leaves_the_sources_own_records_with_the_sources_patient() {
    let alpha = gp_record(
        ("urn:oid:1.1", "111"),
        "Alpha",
        "female",
        "1970-01-01",
        "G40.909",
    );
    let beta = gp_record(("urn:oid:2.2", "222"), "Beta", "male", "1980-02-02", "I10");
    let entries = beta["entry"].as_array().expect("a bundle").clone();
    let only = |kind: &str| {
        let mut file = beta.clone();
        file["entry"] = Value::Array(
            entries
                .iter()
                .filter(|entry| entry["resource"]["resourceType"] == kind)
                .cloned()
                .collect(),
        );
        file
    };
    let mut colleague = Env::new();
    from(&mut colleague, "gp", "theirs.json", &alpha);
    let exported = export(&colleague, "export.json");
    for named in [None, Some("colleague")] {
        let mut here = Env::new();
        match named {
            None => {
                here.import_ok(&exported);
            }
            Some(name) => from(&mut here, name, "export.json", &read_json(&exported)),
        }
        // Another of the source's records than the one the export carried (`c1`).
        let mut condition = only("Condition");
        condition["entry"][0]["resource"]["id"] = json!("c2");
        from(&mut here, "gp", "condition.json", &condition);
        from(&mut here, "gp", "patient.json", &only("Patient"));
        assert_eq!(
            conditions_by_patient(&here),
            [["Alpha", "G40.909"], ["Beta", "I10"]],
            "{named:?}"
        );
        // The source's next version of its record replaces it where it stands.
        let mut corrected = condition.clone();
        corrected["entry"][0]["resource"]["code"]["coding"][0]["code"] = json!("I10.9");
        from(&mut here, "gp", "condition2.json", &corrected);
        assert_eq!(
            conditions_by_patient(&here),
            [["Alpha", "G40.909"], ["Beta", "I10.9"]],
            "{named:?}"
        );
    }
}

/// Review OC-13: a team the source withdraws (its CareTeam `inactive`, `suspended`,
/// `entered-in-error`, or its period ended) with no other team named is no longer the
/// patient's: the team is cleared, audited. A file that holds no CareTeam at all says nothing
/// of the team, and keeps it.
#[test]
fn a_team_withdrawn_with_no_other_named_is_cleared_and_a_file_silent_on_teams_keeps_it() {
    let patient = || super::patient("p1", "H100", "Rivera", "Ana");
    let active = care_team(
        "t1",
        "active",
        "Epilepsy service",
        &json!({"start": "2021-07-01"}),
    );
    let withdrawals = [
        (
            "inactive",
            care_team(
                "t1",
                "inactive",
                "Epilepsy service",
                &json!({"start": "2021-07-01"}),
            ),
        ),
        (
            "suspended",
            care_team(
                "t1",
                "suspended",
                "Epilepsy service",
                &json!({"start": "2021-07-01"}),
            ),
        ),
        (
            "entered-in-error",
            care_team(
                "t1",
                "entered-in-error",
                "Epilepsy service",
                &json!({"start": "2021-07-01"}),
            ),
        ),
        (
            "ended",
            care_team(
                "t1",
                "active",
                "Epilepsy service",
                &json!({"start": "2021-07-01", "end": "2022-01-31"}),
            ),
        ),
    ];
    for (how, withdrawn) in withdrawals {
        let mut env = Env::new();
        from(
            &mut env,
            "hosp",
            "a.json",
            &bundle("collection", &[patient(), active.clone()]),
        );
        assert_eq!(
            env.rows("SELECT care_team FROM patients"),
            [["Epilepsy service"]]
        );
        // A file that names no team: the team stays.
        from(
            &mut env,
            "hosp",
            "b.json",
            &bundle("collection", &[patient()]),
        );
        assert_eq!(
            env.rows("SELECT care_team FROM patients"),
            [["Epilepsy service"]],
            "a file silent on teams ({how})"
        );
        from(
            &mut env,
            "hosp",
            "c.json",
            &bundle("collection", &[patient(), withdrawn]),
        );
        assert_eq!(env.rows("SELECT care_team FROM patients"), [[""]], "{how}");
        assert_eq!(
            env.rows(
                "SELECT before, after FROM audit_log WHERE action = 'import.patient.care_team'
                 ORDER BY id DESC LIMIT 1"
            ),
            [[r#"{"care_team":"Epilepsy service"}"#, r#"{"care_team":""}"#]],
            "{how}"
        );
    }
    // Another source's team still active keeps the patient's team: the one left.
    let mut env = Env::new();
    from(
        &mut env,
        "hosp",
        "a.json",
        &bundle("collection", &[patient(), active.clone()]),
    );
    let mut other = care_team(
        "g1",
        "active",
        "Memory clinic",
        &json!({"start": "2020-01-01"}),
    );
    other["subject"] = json!({"reference": "Patient/q9"});
    let mut gp_patient = super::patient("q9", "H100", "Rivera", "Ana");
    gp_patient["identifier"] = patient()["identifier"].clone();
    from(
        &mut env,
        "gp",
        "g.json",
        &bundle("collection", &[gp_patient, other]),
    );
    assert_eq!(env.rows("SELECT count(*) FROM patients"), [["1"]]);
    from(
        &mut env,
        "hosp",
        "c.json",
        &bundle(
            "collection",
            &[
                patient(),
                care_team(
                    "t1",
                    "inactive",
                    "Epilepsy service",
                    &json!({"start": "2021-07-01"}),
                ),
            ],
        ),
    );
    assert_eq!(
        env.rows("SELECT care_team FROM patients"),
        [["Memory clinic"]]
    );
}

/// Review K3-1: a withdrawn or ended CareTeam clears only the team it named. A team set by
/// hand (or carried by refract's own JSON) stays when the hospital sends an old CareTeam of
/// another name ("Cardiology", ended years ago, or inactive); when the hospital's own CareTeam
/// of that name is withdrawn, the team is cleared, audited.
#[test]
fn an_old_care_team_of_another_name_keeps_the_team_and_withdrawing_that_team_clears_it() {
    let patient = || super::patient("p1", "H100", "Rivera", "Ana");
    let olds = [
        care_team(
            "c9",
            "active",
            "Cardiology",
            &json!({"start": "2017-03-01", "end": "2019-06-30"}),
        ),
        care_team(
            "c9",
            "inactive",
            "Cardiology",
            &json!({"start": "2017-03-01"}),
        ),
        care_team(
            "c9",
            "entered-in-error",
            "Cardiology",
            &json!({"start": "2017-03-01"}),
        ),
    ];
    for old in &olds {
        let mut env = Env::new();
        from(
            &mut env,
            "hosp",
            "a.json",
            &bundle("collection", &[patient()]),
        );
        super::sql_on(&env.store)
            .execute("UPDATE patients SET care_team = 'Epilepsy MDT'", [])
            .unwrap();
        from(
            &mut env,
            "hosp",
            "b.json",
            &bundle("collection", &[patient(), old.clone()]),
        );
        assert_eq!(
            env.rows("SELECT care_team FROM patients"),
            [["Epilepsy MDT"]],
            "{old}"
        );
        assert_eq!(
            env.rows("SELECT count(*) FROM audit_log WHERE action = 'import.patient.care_team'"),
            [["0"]],
            "{old}"
        );
    }
    // The hospital's own team, then that team withdrawn, with the old one still there.
    let mut env = Env::new();
    let old = olds[0].clone();
    from(
        &mut env,
        "hosp",
        "a.json",
        &bundle(
            "collection",
            &[
                patient(),
                old.clone(),
                care_team(
                    "t1",
                    "active",
                    "Epilepsy MDT",
                    &json!({"start": "2021-07-01"}),
                ),
            ],
        ),
    );
    assert_eq!(
        env.rows("SELECT care_team FROM patients"),
        [["Epilepsy MDT"]]
    );
    from(
        &mut env,
        "hosp",
        "b.json",
        &bundle(
            "collection",
            &[
                patient(),
                old,
                care_team(
                    "t1",
                    "inactive",
                    "Epilepsy MDT",
                    &json!({"start": "2021-07-01"}),
                ),
            ],
        ),
    );
    assert_eq!(env.rows("SELECT care_team FROM patients"), [[""]]);
    assert_eq!(
        env.rows(
            "SELECT before, after FROM audit_log WHERE action = 'import.patient.care_team'
             ORDER BY id DESC LIMIT 1"
        ),
        [[r#"{"care_team":"Epilepsy MDT"}"#, r#"{"care_team":""}"#]]
    );
}

/// A hospital file whose records each stand for more than one row, or were read from a
/// resource of another type: a blood-pressure panel (two readings), a report's response, a
/// form's two scores, a device in use and a study place (procedures), and the care team.
/// `changed` names the one resource whose next version differs.
fn several_rows_file(changed: Option<&str>) -> Value {
    let subject = "Patient/p1";
    let bump = |id: &str, first: f64, second: f64| {
        if changed == Some(id) { second } else { first }
    };
    let quantity = |value: f64| {
        json!({"value": value, "unit": "mm[Hg]", "system": "http://unitsofmeasure.org",
               "code": "mm[Hg]"})
    };
    let conclusion = if changed == Some("r1") {
        super::coding(
            "http://snomed.info/sct",
            "268910001",
            "Patient's condition improved",
        )
    } else {
        super::coding(
            "http://snomed.info/sct",
            "271299001",
            "Patient's condition worsened",
        )
    };
    let period_start = if changed == Some("rs1") {
        "2024-03-01"
    } else {
        "2024-02-01"
    };
    let device_start = if changed == Some("d1") {
        "2021-04-01"
    } else {
        "2021-03-04"
    };
    let team = if changed == Some("t1") {
        "inactive"
    } else {
        "active"
    };
    bundle(
        "collection",
        &[
            super::patient("p1", "H100", "Rivera", "Ana"),
            condition(
                "c1",
                subject,
                "http://hl7.org/fhir/sid/icd-10",
                "G40.909",
                "Epilepsy",
            ),
            json!({
                "resourceType": "Observation", "id": "bp1", "status": "final",
                "category": [{"coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                    "code": "vital-signs"}]}],
                "code": super::coding(super::LOINC, "85354-9", "Blood pressure panel"),
                "subject": {"reference": subject},
                "effectiveDateTime": "2024-05-02T09:00:00Z",
                "component": [
                    {"code": super::coding(super::LOINC, "8480-6", "Systolic blood pressure"),
                     "valueQuantity": quantity(bump("bp1", 152.0, 148.0))},
                    {"code": super::coding(super::LOINC, "8462-4", "Diastolic blood pressure"),
                     "valueQuantity": quantity(bump("bp1", 94.0, 90.0))}
                ]
            }),
            json!({
                "resourceType": "DiagnosticReport", "id": "r1", "status": "final",
                "code": super::coding(super::LOINC, "81555-5", "PET+CT Whole body"),
                "subject": {"reference": subject},
                "effectiveDateTime": "2024-06-03T10:00:00Z",
                "conclusionCode": [conclusion]
            }),
            json!({
                "resourceType": "QuestionnaireResponse", "id": "q1", "status": "completed",
                "subject": {"reference": subject},
                "authored": "2025-01-25T10:00:00Z",
                "item": [
                    {"linkId": "/44261-6", "text": "PHQ-9 total score",
                     "answer": [{"valueInteger": bump("q1", 22.0, 18.0) as i64}]},
                    {"linkId": "/70274-6", "text": "GAD-7 total score",
                     "answer": [{"valueInteger": 12}]}
                ]
            }),
            json!({
                "resourceType": "Device", "id": "dev1", "status": "active",
                "type": {"text": "Vagus nerve stimulator"}
            }),
            json!({
                "resourceType": "DeviceUseStatement", "id": "d1", "status": "active",
                "subject": {"reference": subject},
                "device": {"reference": "Device/dev1"},
                "timingPeriod": {"start": device_start}
            }),
            json!({
                "resourceType": "ResearchStudy", "id": "st1", "status": "active",
                "title": "Cenobamate versus standard care in focal epilepsy"
            }),
            json!({
                "resourceType": "ResearchSubject", "id": "rs1", "status": "on-study",
                "individual": {"reference": subject},
                "study": {"reference": "ResearchStudy/st1"},
                "period": {"start": period_start}
            }),
            care_team(
                "t1",
                team,
                "Epilepsy service",
                &json!({"start": "2021-07-01"}),
            ),
        ],
    )
}

/// Review OC-11: records that stand for more than one row of their resource, or were read
/// from a resource of another type, carry where they came from through a FHIR export too, so
/// that a database built from a colleague's export and then fed the hospital's own next file
/// holds each record once, as the hospital's own database does.
#[test]
fn records_of_several_rows_or_of_another_type_are_held_once_after_a_move() {
    let tables = "SELECT (SELECT count(*) FROM patients), (SELECT count(*) FROM conditions),
                         (SELECT count(*) FROM procedures), (SELECT count(*) FROM observations),
                         (SELECT count(*) FROM drug_exposures),
                         (SELECT count(*) FROM treatment_lines),
                         (SELECT care_team FROM patients)";
    for changed in ["bp1", "r1", "q1", "d1", "rs1", "t1"] {
        let mut first = Env::new();
        from(&mut first, "hosp", "a.json", &several_rows_file(None));
        let observations = first.rows("SELECT count(*) FROM observations");
        assert_eq!(
            observations,
            [["5"]],
            "two BP readings, a response, two scores"
        );
        let exported = export(&first, "export.json");
        from(
            &mut first,
            "hosp",
            "a2.json",
            &several_rows_file(Some(changed)),
        );
        let expected = first.rows(tables);

        let mut second = Env::new();
        second.import_ok(&exported);
        from(
            &mut second,
            "hosp",
            "a2.json",
            &several_rows_file(Some(changed)),
        );
        assert_eq!(second.rows(tables), expected, "{changed} changed");
        let readings = "SELECT code, value, coalesce(value_code, '-') FROM observations
                        ORDER BY code, value, value_code";
        assert_eq!(
            second.rows(readings),
            first.rows(readings),
            "{changed} changed"
        );
        let procedures = "SELECT code, performed FROM procedures ORDER BY code, performed";
        assert_eq!(
            second.rows(procedures),
            first.rows(procedures),
            "{changed} changed"
        );

        // The colleague's export read after the hospital's next file: its parts are the
        // hospital's resources, which are there already. (A whole record carried with no
        // `meta.lastUpdated` is the later import's word, as any re-import's is: not asked here.)
        if !["bp1", "r1", "q1"].contains(&changed) {
            continue;
        }
        let mut third = Env::new();
        from(
            &mut third,
            "hosp",
            "a2.json",
            &several_rows_file(Some(changed)),
        );
        third.import_ok(&exported);
        assert_eq!(
            third.rows(tables),
            expected,
            "{changed} changed, export after"
        );
        assert_eq!(
            third.rows(readings),
            first.rows(readings),
            "{changed} changed"
        );
    }
}

/// Review OC-11, K1-2: a drug's course joined from several orders (quarterly renewals, the
/// last one stopped), moved through a colleague's FHIR export, carries no origin: once the
/// hospital's next file arrives, its course says what that file says, and the moved course is
/// kept beside it (a possible duplicate the team sees, never a course shortened).
#[test]
fn a_course_joined_from_several_orders_is_held_once_after_a_move() {
    let order = |id: &str, status: &str, authored: &str, extra: &Value| {
        super::with(
            json!({
                "resourceType": "MedicationRequest", "id": id, "status": status,
                "intent": "order", "subject": {"reference": "Patient/p1"},
                "medicationCodeableConcept": super::coding(
                    super::RXNORM, LEVETIRACETAM.0, LEVETIRACETAM.1),
                "authoredOn": authored,
                "dosageInstruction": [{
                    "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                    "doseAndRate": [{"doseQuantity": {"value": 1500, "unit": "mg"}}]
                }]
            }),
            extra,
        )
    };
    let file = |last_reason: &str| {
        let mut resources = vec![
            super::patient("p1", "H100", "Rivera", "Ana"),
            condition(
                "c1",
                "Patient/p1",
                "http://hl7.org/fhir/sid/icd-10",
                "G40.909",
                "Epilepsy",
            ),
        ];
        for (n, day) in ["2015-01-05", "2015-04-05", "2015-07-05", "2015-10-05"]
            .iter()
            .enumerate()
        {
            resources.push(order(&format!("q{n}"), "completed", day, &json!({})));
        }
        resources.push(order(
            "q4",
            "stopped",
            "2016-01-05",
            &json!({"statusReason": {"text": last_reason}}),
        ));
        bundle("collection", &resources)
    };
    let courses = "SELECT substr(start, 1, 10), coalesce(substr(end, 1, 10), '-'),
                          coalesce(stop_reason, '-'), coalesce(stop_text, '-')
                   FROM drug_exposures ORDER BY start";
    let mut first = Env::new();
    from(&mut first, "hosp", "a.json", &file("Lack of efficacy"));
    assert_eq!(first.rows("SELECT count(*) FROM drug_exposures"), [["1"]]);
    let exported = export(&first, "export.json");
    from(&mut first, "hosp", "a2.json", &file("Rash"));
    let expected = first.rows(courses);

    let mut second = Env::new();
    second.import_ok(&exported);
    from(&mut second, "hosp", "a2.json", &file("Rash"));
    let held = second.rows(courses);
    assert_eq!(held.len(), 2, "{held:?}");
    assert!(held.contains(&expected[0]), "{held:?}");
    assert!(
        held.contains(&vec![
            "2015-01-05".to_owned(),
            "2016-01-05".to_owned(),
            "lack_of_efficacy".to_owned(),
            "Lack of efficacy".to_owned()
        ]),
        "{held:?}"
    );
}

/// Bob's file from the hospital, whose Observation `bp1` (a reading of his, or a version of
/// it left out) shares its id with the BP panel Ana's export carries in parts.
fn bobs_file(status: &str) -> Value {
    bundle(
        "collection",
        &[
            super::patient("p2", "H200", "Baker", "Bob"),
            json!({
                "resourceType": "Observation", "id": "bp1", "status": status,
                "code": super::coding(super::LOINC, "2160-0", "Creatinine"),
                "subject": {"reference": "Patient/p2"},
                "effectiveDateTime": "2024-05-09T09:00:00Z",
                "valueQuantity": {"value": 1.1, "unit": "mg/dL",
                                  "system": "http://unitsofmeasure.org", "code": "mg/dL"}
            }),
        ],
    )
}

fn readings_of(env: &Env, mrn: &str) -> Vec<Vec<String>> {
    env.rows(&format!(
        "SELECT o.code, o.value FROM observations o JOIN patients p ON p.id = o.patient_id
         WHERE p.mrn = '{mrn}' ORDER BY o.code, o.value"
    ))
}

/// Review K1-1: the parts an export carries of a resource are the source's resource of the
/// patient it names: another patient's resource with that key neither stands for them (they
/// are kept, whichever arrives first) nor takes them out (its arrival, or a version of it left
/// out, changes nothing of Ana's).
#[test]
fn another_patients_resource_with_the_same_id_neither_drops_nor_removes_carried_parts() {
    let mut first = Env::new();
    from(&mut first, "hosp", "a.json", &several_rows_file(None));
    let ana = readings_of(&first, "H100");
    let exported = export(&first, "export.json");

    // Bob's reading first, Ana's parts after.
    let mut second = Env::new();
    from(&mut second, "hosp", "bob.json", &bobs_file("final"));
    second.import_ok(&exported);
    assert_eq!(readings_of(&second, "H100"), ana, "Ana's parts kept");
    assert_eq!(readings_of(&second, "H200").len(), 1, "Bob's reading kept");

    // Ana's parts first, then Bob's reading, then a version of it left out.
    for status in ["final", "entered-in-error"] {
        let mut third = Env::new();
        third.import_ok(&exported);
        from(&mut third, "hosp", "bob.json", &bobs_file(status));
        assert_eq!(readings_of(&third, "H100"), ana, "Bob's {status} reading");
    }
}

/// Review K1-2: the hospital's next delta file sends only the first order of a course joined
/// from several (stopped when its renewal was issued): a database the course was moved into
/// by a colleague's export keeps the whole course, as the hospital's own database does.
#[test]
fn a_delta_with_the_first_order_of_a_joined_course_never_shortens_the_moved_course() {
    let order = |id: &str, status: &str, authored: &str| {
        json!({
            "resourceType": "MedicationRequest", "id": id, "status": status,
            "intent": "order", "subject": {"reference": "Patient/p1"},
            "medicationCodeableConcept": super::coding(
                super::RXNORM, LEVETIRACETAM.0, LEVETIRACETAM.1),
            "authoredOn": authored,
            "dosageInstruction": [{
                "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                "doseAndRate": [{"doseQuantity": {"value": 1500, "unit": "mg"}}]
            }]
        })
    };
    let patient = || super::patient("p1", "H100", "Rivera", "Ana");
    // The orders' ids sort before and after the moved course's: which of two records of one
    // start is read first decides nothing (review MV-1).
    for prefix in ["q", "-q", "zq"] {
        let mut resources = vec![patient()];
        for (n, day) in ["2015-01-05", "2015-04-05", "2015-07-05", "2015-10-05"]
            .iter()
            .enumerate()
        {
            resources.push(order(&format!("{prefix}{n}"), "active", day));
        }
        let full = bundle("collection", &resources);
        let delta = bundle(
            "collection",
            &[
                patient(),
                order(&format!("{prefix}0"), "stopped", "2015-01-05"),
            ],
        );
        let mut first = Env::new();
        from(&mut first, "hosp", "a.json", &full);
        assert_eq!(first.rows("SELECT count(*) FROM drug_exposures"), [["1"]]);
        let exported = export(&first, "export.json");

        let mut second = Env::new();
        second.import_ok(&exported);
        from(&mut second, "hosp", "delta.json", &delta);
        // The moved course is kept beside the order, never replaced by it.
        assert_eq!(
            second.rows("SELECT source, type FROM fhir_resources ORDER BY type"),
            [["hosp", "MedicationRequest"], ["", "MedicationStatement"]]
        );
        // Review MV-1: nor shortened by it: the stopped order starts the day the moved course
        // does, and is another record of it, not a renewal that says how it ended.
        let courses = "SELECT substr(start, 1, 10), coalesce(substr(end, 1, 10), '-')
                   FROM drug_exposures ORDER BY start, end";
        let moved = first.rows(courses);
        assert_eq!(moved.len(), 1, "{moved:?}");
        let held = second.rows(courses);
        assert!(held.contains(&moved[0]), "{prefix}: {moved:?} in {held:?}");
    }
}

/// Review MV-2: a Device sent with `Device.patient` and no DeviceUseStatement (an implant as
/// Synthea sends it) is a procedure row read from a resource of another type, as a device
/// in use is: moved through a colleague's FHIR export, it carries its origin, so that the
/// hospital's next file (the same Device, now switched off) updates it instead of adding a
/// second device, whichever of the two is read first.
#[test]
fn a_device_affixed_to_the_patient_is_held_once_after_a_move() {
    let file = |status: &str| {
        bundle(
            "collection",
            &[
                super::patient("p1", "H100", "Rivera", "Ana"),
                json!({
                    "resourceType": "Device", "id": "dev1", "status": status,
                    "type": {"text": "Vagus nerve stimulator"},
                    "patient": {"reference": "Patient/p1"}
                }),
            ],
        )
    };
    let procedures = "SELECT display, coalesce(performed, '-') FROM procedures ORDER BY display";
    let mut first = Env::new();
    from(&mut first, "hosp", "a.json", &file("active"));
    assert_eq!(first.rows("SELECT count(*) FROM procedures"), [["1"]]);
    let exported = export(&first, "export.json");
    let written: Value = serde_json::from_slice(&std::fs::read(&exported).unwrap()).unwrap();
    let procedure = written["entry"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["resource"]["resourceType"] == "Procedure")
        .unwrap();
    assert!(
        procedure["resource"]["extension"]
            .to_string()
            .contains("dev1"),
        "{procedure:#}"
    );
    from(&mut first, "hosp", "a2.json", &file("inactive"));
    let expected = first.rows(procedures);
    assert_eq!(expected.len(), 1, "{expected:?}");

    let mut second = Env::new();
    second.import_ok(&exported);
    from(&mut second, "hosp", "a2.json", &file("inactive"));
    assert_eq!(second.rows(procedures), expected);

    // The export read after the hospital's next file: still one device (which version
    // stands is the later import's word, as for any whole record carried: not asked here).
    let mut third = Env::new();
    from(&mut third, "hosp", "a2.json", &file("inactive"));
    third.import_ok(&exported);
    assert_eq!(
        third.rows("SELECT count(*) FROM procedures"),
        [["1"]],
        "export after"
    );
}

/// Review MV-5: a claim and the source's own Patient of the id in one run (a folder holding the
/// colleague's export and the source's file), neither stored before: weighed all the same, in
/// either order. Another person is a patient of their own with their record, the claimant
/// keeps what their export carried; the same person is one patient.
#[test]
fn a_claim_and_the_sources_patient_in_one_run_are_weighed_in_either_order() {
    let alpha = gp_record(
        ("urn:oid:1.1", "111"),
        "Alpha",
        "female",
        "1970-01-01",
        "G40.909",
    );
    let beta = gp_record(("urn:oid:2.2", "222"), "Beta", "male", "1980-02-02", "I10");
    let mut colleague = Env::new();
    from(&mut colleague, "gp", "theirs.json", &alpha);
    let exported = read_json(&export(&colleague, "export.json"));
    // The same person with the source's file first is no claim: the export, read under the
    // source's own name, holds a second Patient id of that source with the same MRN, which is
    // refused as every such file is (README, *Who a patient is*).
    for (ours, expected, orders) in [
        (
            &beta,
            vec![["Alpha", "G40.909"], ["Beta", "I10"]],
            &[true, false][..],
        ),
        (&alpha, vec![["Alpha", "G40.909"]], &[true][..]),
    ] {
        for &export_first in orders {
            let mut here = Env::new();
            let (first, second) = if export_first {
                (("a.json", &exported), ("b.json", ours))
            } else {
                (("a.json", ours), ("b.json", &exported))
            };
            let paths = [
                here.write_json(first.0, first.1),
                here.write_json(second.0, second.1),
            ];
            let report = here.import_with(
                &paths,
                &refract::import::ImportOptions {
                    source: Some(String::from("gp")),
                    ..Default::default()
                },
            );
            assert_eq!(report.failed, 0, "{report:#?}");
            assert_eq!(
                conditions_by_patient(&here),
                expected,
                "export first: {export_first} {report:#?}"
            );
            assert_eq!(
                here.int("SELECT count(*) FROM patients"),
                i64::try_from(expected.len()).unwrap(),
                "export first: {export_first}"
            );
        }
    }
}

/// Review MV-5's staged claimant: a run written in short transactions (a large folder) creates
/// its new patients at its end, so the colleague's export read first leaves its claimant staged
/// when the source's own Patient of the claimed id comes in the next file: the claim is still
/// weighed (`drop_staged_claim`), the source's Patient is a patient of their own with their
/// record, the claimant keeps what the export carried, and the drop is audited.
#[test]
fn a_claim_held_by_a_patient_the_run_has_not_created_yet_is_weighed_too() {
    let alpha = gp_record(
        ("urn:oid:1.1", "111"),
        "Alpha",
        "female",
        "1970-01-01",
        "G40.909",
    );
    let beta = gp_record(("urn:oid:2.2", "222"), "Beta", "male", "1980-02-02", "I10");
    let mut colleague = Env::new();
    from(&mut colleague, "gp", "theirs.json", &alpha);
    let exported = read_json(&export(&colleague, "export.json"));
    let mut here = Env::new();
    let paths = [
        here.write_json("a.json", &exported),
        here.write_json("b.json", &beta),
    ];
    let report = here.import_with(
        &paths,
        &refract::import::ImportOptions {
            source: Some(String::from("gp")),
            one_transaction_bytes: Some(0),
            ..Default::default()
        },
    );
    assert_eq!(report.failed, 0, "{report:#?}");
    assert_eq!(
        conditions_by_patient(&here),
        [["Alpha", "G40.909"], ["Beta", "I10"]],
        "{report:#?}"
    );
    assert_eq!(here.int("SELECT count(*) FROM patients"), 2);
    assert_eq!(
        here.int(
            "SELECT count(*) FROM audit_log WHERE action = 'import.patient.claim_dropped' \
             AND patient_id IS NULL"
        ),
        1
    );
}

/// The hospital's levetiracetam course as three open 90-day orders, renewed, the last stopped
/// for no response, with seizures during it (MV-9).
fn renewed_course() -> Value {
    let order = |id: &str, start: &str, stopped: bool| {
        let mut order = json!({
            "resourceType": "MedicationRequest", "id": id,
            "status": if stopped { "stopped" } else { "active" },
            "intent": "order", "subject": {"reference": "Patient/p1"}, "authoredOn": start,
            "medicationCodeableConcept": {"coding": [{
                "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                "code": LEVETIRACETAM.0, "display": "levetiracetam"}], "text": "levetiracetam"},
            "dispenseRequest": {"expectedSupplyDuration": {
                "value": 90, "unit": "days", "system": "http://unitsofmeasure.org", "code": "d"}},
            "dosageInstruction": [{
                "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
                "doseAndRate": [{"doseQuantity": {"value": 1000, "unit": "mg"}}]}]
        });
        if stopped {
            order["statusReason"] = json!({"text": "no response"});
        }
        order
    };
    let seizures = |id: &str, day: &str| {
        json!({
            "resourceType": "Observation", "id": id, "status": "final",
            "subject": {"reference": "Patient/p1"},
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "91175000",
                                 "display": "Seizure"}], "text": "Seizure count"},
            "effectiveDateTime": day, "valueQuantity": {"value": 3, "unit": "/month"}
        })
    };
    bundle(
        "collection",
        &[
            json!({
                "resourceType": "Patient", "id": "p1",
                "identifier": [{"system": HOSPITAL, "value": "M1"}],
                "name": [{"family": "Kay", "given": ["Ann"]}],
                "gender": "female", "birthDate": "1980-01-01"
            }),
            condition(
                "c1",
                "Patient/p1",
                "http://hl7.org/fhir/sid/icd-10",
                "G40.909",
                "Epilepsy",
            ),
            order("r1", "2020-01-01", false),
            order("r2", "2020-03-25", false),
            order("r3", "2020-06-15", true),
            seizures("s1", "2020-05-01"),
            seizures("s2", "2020-08-01"),
        ],
    )
}

/// What `refract flags --json` gives `env`'s epilepsy assessment: its status and reasons.
fn epilepsy_flag(env: &Env) -> (String, Vec<String>) {
    let output = super::refract()
        .arg("--db")
        .arg(env.db())
        .args(["flags", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let flags: Value = serde_json::from_slice(&output.stdout).unwrap();
    let flag = flags
        .as_array()
        .unwrap()
        .iter()
        .find(|flag| flag["condition"] == "epilepsy")
        .unwrap();
    let reasons = flag["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|reason| reason.as_str().unwrap().to_owned())
        .collect();
    (flag["status"].as_str().unwrap().to_owned(), reasons)
}

/// MV-9: a course joined from several orders goes out of refract's FHIR export as one
/// statement with no origin (README: a course shortened by the hospital's next delta file is
/// not seen, a second course is). Moved so and fed the hospital's same orders again, the copy
/// may stand beside the hospital's orders on the timeline, but the criteria read one trial, as
/// in the file it came from: never two failed schedules made of one.
#[test]
fn a_joined_course_moved_and_fed_the_hospitals_orders_again_is_one_trial() {
    let course = renewed_course();
    let mut clinic = Env::new();
    from(&mut clinic, "hosp", "h1.json", &course);
    let exported = read_json(&export(&clinic, "export.json"));
    from(&mut clinic, "hosp", "h2.json", &course);
    let mut moved = Env::new();
    from(&mut moved, "hosp", "export.json", &exported);
    from(&mut moved, "hosp", "h2.json", &course);
    let there = epilepsy_flag(&moved);
    assert_eq!(there, epilepsy_flag(&clinic));
    assert!(
        there
            .1
            .iter()
            .any(|reason| reason.contains("1 adequate failed schedules")),
        "{there:#?}"
    );
    assert_eq!(moved.int("SELECT count(*) FROM treatment_lines"), 1);
}

/// MV-9: the same course moved and fed the hospital's orders again shows as in the file it
/// came from: one course, one stop (it had left a 0-day copy of the course beside the
/// hospital's, its stop shown twice on the timeline).
#[test]
fn a_joined_course_moved_and_fed_the_hospitals_orders_again_shows_one_course_one_stop() {
    let course = renewed_course();
    let mut clinic = Env::new();
    from(&mut clinic, "hosp", "h1.json", &course);
    let exported = read_json(&export(&clinic, "export.json"));
    from(&mut clinic, "hosp", "h2.json", &course);
    let mut moved = Env::new();
    from(&mut moved, "hosp", "export.json", &exported);
    from(&mut moved, "hosp", "h2.json", &course);
    let courses = |env: &Env| {
        env.rows(
            "SELECT start, coalesce(end, '-'), coalesce(stop_reason, '-') FROM drug_exposures \
             ORDER BY start, end",
        )
    };
    let here = courses(&clinic);
    assert_eq!(here.len(), 1, "{here:#?}");
    assert_eq!(
        courses(&moved),
        here,
        "{:#?}",
        moved.rows("SELECT * FROM drug_exposures")
    );
}
