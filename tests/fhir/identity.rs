//! Who a Patient is: identifiers that do not name one person (an old number, a family's
//! member number, a placeholder SSN two people carry) never join two people's records.

use std::path::PathBuf;

use serde_json::{Value, json};

use refract::domain::{PatientId, ReviewDecision};
use refract::import::ImportOptions;

use super::{
    Env, LACOSAMIDE, LAMOTRIGINE, LEVETIRACETAM, bundle, condition, epilepsy_bundle, reason,
    statement, today, with,
};

const MRN_SYSTEM: &str = "urn:oid:1.2.3.4";
const SSN_SYSTEM: &str = "http://hl7.org/fhir/sid/us-ssn";
const V2_0203: &str = "http://terminology.hl7.org/CodeSystem/v2-0203";

fn identifier(kind: &str, system: &str, value: &str) -> Value {
    json!({"type": {"coding": [{"system": V2_0203, "code": kind}]}, "system": system, "value": value})
}

fn person(id: &str, identifiers: &[Value], family: &str, gender: &str, born: &str) -> Value {
    json!({
        "resourceType": "Patient",
        "id": id,
        "identifier": identifiers,
        "name": [{"use": "official", "family": family, "given": ["A"]}],
        "gender": gender,
        "birthDate": born
    })
}

/// `who` with epilepsy (ICD-10 G40.909), on levetiracetam.
fn epileptic(who: &Value) -> Value {
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
            statement(
                &format!("{id}-lev"),
                &subject,
                LEVETIRACETAM,
                "active",
                "2023-01-05",
                None,
            ),
        ],
    )
}

fn names(env: &Env) -> Vec<Vec<String>> {
    env.rows("SELECT mrn, family_name, sex, birth_date FROM patients ORDER BY mrn")
}

fn warnings(report: &refract::import::ImportReport) -> String {
    report
        .files
        .iter()
        .flat_map(|file| file.warnings.iter())
        .map(|warning| format!("{}: {}", warning.resource, warning.message))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn two_people_who_share_a_placeholder_ssn_but_not_their_mrn_stay_two_people() {
    let mut env = Env::new();
    let jane = person(
        "p1",
        &[
            identifier("MR", MRN_SYSTEM, "MRN1"),
            identifier("SS", SSN_SYSTEM, "999-99-9999"),
        ],
        "Doe",
        "female",
        "1980-05-01",
    );
    let samuel = person(
        "p2",
        &[
            identifier("MR", MRN_SYSTEM, "MRN2"),
            identifier("SS", SSN_SYSTEM, "999-99-9999"),
        ],
        "Okafor",
        "male",
        "1961-02-03",
    );
    let north = env.write_json("north.json", &epileptic(&jane));
    let south = env.write_json("south.json", &epileptic(&samuel));
    let north_options = refract::import::ImportOptions {
        source: Some(String::from("north")),
        ..Default::default()
    };
    let south_options = refract::import::ImportOptions {
        source: Some(String::from("south")),
        ..Default::default()
    };
    let report = env.import_with(std::slice::from_ref(&north), &north_options);
    assert_eq!(report.imported, 1, "{report:#?}");
    let report = env.import_with(std::slice::from_ref(&south), &south_options);
    assert_eq!(report.imported, 1, "{report:#?}");
    assert_eq!(
        names(&env),
        [
            ["MRN1", "Doe", "female", "1980-05-01"],
            ["MRN2", "Okafor", "male", "1961-02-03"]
        ]
    );
    // Each keeps their own record, and the import said what it found.
    for mrn in ["MRN1", "MRN2"] {
        let id = env.patient_id(mrn);
        assert_eq!(
            env.int(&format!(
                "SELECT count(*) FROM conditions WHERE patient_id = {id}"
            )),
            1
        );
    }
    let said = warnings(&report);
    assert!(
        said.contains(
            "shares the identifier http://hl7.org/fhir/sid/us-ssn|999-99-9999 with MRN MRN1"
        ),
        "{said}"
    );
    // The shared number names no one from now on: a third record that carries only it is
    // nobody's yet (a new patient), never silently Jane's.
    let third = person(
        "p3",
        &[identifier("SS", SSN_SYSTEM, "999-99-9999")],
        "Third",
        "female",
        "1990-01-01",
    );
    let third = env.write_json("third.json", &epileptic(&third));
    let report = env.import_with(
        std::slice::from_ref(&third),
        &refract::import::ImportOptions {
            source: Some(String::from("west")),
            ..Default::default()
        },
    );
    assert_eq!(report.imported, 1, "{report:#?}");
    assert_eq!(env.int("SELECT count(*) FROM patients"), 3);
    assert_eq!(
        env.rows("SELECT family_name FROM patients WHERE mrn = 'MRN1'"),
        [["Doe"]]
    );
    // Jane's record lost the identifier with an audit row saying so.
    assert_eq!(
        env.int(
            "SELECT count(*) FROM audit_log WHERE action = 'import.identifier.shared'
             AND patient_id = (SELECT id FROM patients WHERE mrn = 'MRN1')"
        ),
        1
    );
    // Jane's file again changes nothing of Samuel.
    let report = env.import_with(std::slice::from_ref(&north), &north_options);
    assert!(report.failed == 0, "{report:#?}");
    assert_eq!(
        env.rows("SELECT family_name FROM patients WHERE mrn = 'MRN2'"),
        [["Okafor"]]
    );
}

#[test]
fn an_old_number_a_secondary_one_or_a_familys_member_number_joins_no_one() {
    let mut env = Env::new();
    // Jane's current MRN is MRN9; Samuel's record lists MRN9 as an old number of his (a number
    // no longer valid), and both carry their family's insurance member number.
    let member = json!({
        "use": "secondary",
        "type": {"coding": [{"system": V2_0203, "code": "MB"}], "text": "Member Number"},
        "system": "http://payer.example/member",
        "value": "SUB-777"
    });
    let subscriber = json!({
        "type": {"coding": [{"system": V2_0203, "code": "SN"}]},
        "system": "http://payer.example/subscriber",
        "value": "S-1"
    });
    let jane = person(
        "p1",
        &[
            identifier("MR", MRN_SYSTEM, "MRN9"),
            member.clone(),
            subscriber.clone(),
        ],
        "Doe",
        "female",
        "1980-05-01",
    );
    let samuel = person(
        "p2",
        &[
            identifier("MR", "urn:oid:9.9.9", "OTHER-2"),
            json!({"use": "old", "system": MRN_SYSTEM, "value": "MRN9"}),
            member,
            subscriber,
        ],
        "Okafor",
        "male",
        "1961-02-03",
    );
    let first = env.write_json("a.json", &epileptic(&jane));
    env.import_ok(&first);
    let second = env.write_json("b.json", &epileptic(&samuel));
    let report = env.import_with(
        std::slice::from_ref(&second),
        &refract::import::ImportOptions {
            source: Some(String::from("other-ehr")),
            ..Default::default()
        },
    );
    assert_eq!(report.imported, 1, "{report:#?}");
    assert_eq!(
        names(&env),
        [
            ["MRN9", "Doe", "female", "1980-05-01"],
            ["OTHER-2", "Okafor", "male", "1961-02-03"]
        ]
    );
}

#[test]
fn patients_of_one_file_who_share_a_number_but_not_their_mrn_are_all_imported() {
    let mut env = Env::new();
    let ssn = identifier("SS", SSN_SYSTEM, "999-99-9999");
    let p1 = person(
        "p1",
        &[identifier("MR", MRN_SYSTEM, "MRN1"), ssn.clone()],
        "Doe",
        "female",
        "1980-05-01",
    );
    let p2 = person(
        "p2",
        &[identifier("MR", MRN_SYSTEM, "MRN2"), ssn],
        "Okafor",
        "male",
        "1961-02-03",
    );
    let p3 = person(
        "p3",
        &[identifier("MR", MRN_SYSTEM, "MRN3")],
        "Third",
        "female",
        "1990-01-01",
    );
    let lines: Vec<String> = [&p1, &p2, &p3]
        .iter()
        .map(|p| serde_json::to_string(p).unwrap())
        .collect();
    let folder = env.path("bulk");
    env.write_bytes("bulk/Patient.ndjson", lines.join("\n").as_bytes());
    let conditions: Vec<String> = ["p1", "p2", "p3"]
        .iter()
        .map(|id| {
            serde_json::to_string(&condition(
                &format!("{id}-dx"),
                &format!("Patient/{id}"),
                "http://hl7.org/fhir/sid/icd-10",
                "G40.909",
                "Epilepsy",
            ))
            .unwrap()
        })
        .collect();
    env.write_bytes("bulk/Condition.ndjson", conditions.join("\n").as_bytes());
    let report = env.import(&[folder]);
    assert_eq!(report.failed, 0, "{report:#?}");
    assert_eq!(env.int("SELECT count(*) FROM patients"), 3);
    assert_eq!(env.int("SELECT count(*) FROM conditions"), 3);
    assert_eq!(
        env.int("SELECT count(*) FROM shared_identifiers WHERE value = '999-99-9999'"),
        1
    );
    // Two records that share a number with nothing telling them apart are still refused.
    let mut env = Env::new();
    let ssn = identifier("SS", SSN_SYSTEM, "123-45-6789");
    let a = person(
        "a",
        &[identifier("MR", MRN_SYSTEM, "A1"), ssn.clone()],
        "Doe",
        "female",
        "1980-05-01",
    );
    let b = person("b", &[ssn], "Doe", "female", "1980-05-01");
    let file = env.write_json("two.json", &bundle("collection", &[a, b]));
    let report = env.import(&[file]);
    assert_eq!(report.failed, 1, "{report:#?}");
    assert!(
        report.files[0]
            .error
            .as_deref()
            .unwrap_or("")
            .contains("share the identifier"),
        "{report:#?}"
    );
}

#[test]
fn a_patient_whose_mrn_changed_at_the_source_is_still_that_patient() {
    let mut env = Env::new();
    let file = env.write_json(
        "a.json",
        &epilepsy_bundle("p-one", "MRN-77", ("266721009", "No response to treatment")),
    );
    env.import_ok(&file);
    let id = env.patient_id("MRN-77");
    // The same Patient resource, given a new MRN by its hospital.
    let mut changed = epilepsy_bundle("p-one", "MRN-78", ("266721009", "No response to treatment"));
    changed["entry"][0]["resource"]["identifier"][0]["value"] = json!("OTHER-MRN-78");
    let _ = LACOSAMIDE;
    let file = env.write_json("b.json", &changed);
    env.import_ok(&file);
    assert_eq!(env.int("SELECT count(*) FROM patients"), 1);
    assert_eq!(env.patient_id("MRN-78"), id);
}

#[test]
fn a_patient_deleted_at_the_source_is_kept_with_a_warning_and_what_was_deleted_of_them_goes() {
    let mut env = Env::new();
    let jane = person(
        "p1",
        &[identifier("MR", MRN_SYSTEM, "MRN1")],
        "Doe",
        "female",
        "1980-05-01",
    );
    let first = env.write_json("a.json", &epileptic(&jane));
    env.import_ok(&first);
    // A Bulk Data export's deleted resources: a transaction of DELETEs.
    let deleted = json!({
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"request": {"method": "DELETE", "url": "Patient/p1"}},
            {"request": {"method": "DELETE", "url": "Condition/p1-dx"}}
        ]
    });
    let file = env.write_json("deleted.json", &deleted);
    let report = env.import(&[file]);
    assert_eq!(report.imported, 1, "{report:#?}");
    assert_eq!(env.int("SELECT count(*) FROM patients"), 1);
    assert_eq!(env.int("SELECT count(*) FROM conditions"), 0);
    assert_eq!(env.int("SELECT count(*) FROM drug_exposures"), 1);
    let said = warnings(&report);
    assert!(
        said.contains("Patient/p1: deleted at the source: MRN MRN1"),
        "{said}"
    );
}

#[test]
fn one_person_whose_passport_was_renewed_is_still_one_person() {
    let mut env = Env::new();
    let passport = |number: &str| identifier("PPN", "http://hl7.org/fhir/sid/passport-USA", number);
    let clinic_a = person(
        "a1",
        &[
            identifier("MR", MRN_SYSTEM, "M100"),
            identifier("SS", SSN_SYSTEM, "123-45-6789"),
            passport("X1111"),
        ],
        "Doe",
        "female",
        "1980-05-01",
    );
    let clinic_b = person(
        "b7",
        &[
            identifier("MR", MRN_SYSTEM, "M100"),
            identifier("SS", SSN_SYSTEM, "123-45-6789"),
            passport("X2222"),
        ],
        "Doe",
        "female",
        "1980-05-01",
    );
    let first = env.write_json("a.json", &epileptic(&clinic_a));
    let second = env.write_json("b.json", &epileptic(&clinic_b));
    for (file, source) in [(first, "clinicA"), (second, "clinicB")] {
        let report = env.import_with(
            std::slice::from_ref(&file),
            &refract::import::ImportOptions {
                source: Some(String::from(source)),
                ..Default::default()
            },
        );
        assert_eq!(report.imported, 1, "{report:#?}");
        assert!(!warnings(&report).contains("shares"), "{report:#?}");
    }
    assert_eq!(env.int("SELECT count(*) FROM patients"), 1);
    assert_eq!(env.int("SELECT count(*) FROM shared_identifiers"), 0);
}

/// The two halves of one person's epilepsy history, under two Patient resources of one source
/// that the source merged (`Patient.link`): the old record (MRN-OLD) holds the diagnosis and the
/// first failed drug, the current one (MRN-NEW, a new family name) the second failed drug and
/// the one given now. `old_link`/`new_link`: the link each carries, if any.
fn merged_records(old_link: Option<&str>, new_link: Option<&str>) -> (Value, Value, Vec<Value>) {
    let link = |kind: Option<&str>, other: &str| match kind {
        Some(kind) => json!({"link": [{"other": {"reference": format!("Patient/{other}")},
                                       "type": kind}]}),
        None => json!({}),
    };
    let old = with(
        person(
            "p-old",
            &[identifier("MR", MRN_SYSTEM, "MRN-OLD")],
            "Doe",
            "female",
            "1980-05-01",
        ),
        &with(link(old_link, "p-new"), &json!({"active": false})),
    );
    let new = with(
        person(
            "p-new",
            &[identifier("MR", MRN_SYSTEM, "MRN-NEW")],
            "Doe-Smith",
            "female",
            "1980-05-01",
        ),
        &link(new_link, "p-old"),
    );
    let no_response = json!({"statusReason": [reason("266721009", "No response to treatment")]});
    let resources = vec![
        condition(
            "dx",
            "urn:uuid:p-old",
            "http://hl7.org/fhir/sid/icd-10",
            "G40.909",
            "Epilepsy",
        ),
        with(
            statement(
                "lev",
                "urn:uuid:p-old",
                LEVETIRACETAM,
                "stopped",
                "2022-01-10",
                Some("2022-06-01"),
            ),
            &no_response,
        ),
        with(
            statement(
                "ltg",
                "urn:uuid:p-new",
                LAMOTRIGINE,
                "stopped",
                "2022-06-20",
                Some("2022-12-15"),
            ),
            &no_response,
        ),
        statement(
            "lcm",
            "urn:uuid:p-new",
            LACOSAMIDE,
            "active",
            "2023-01-05",
            None,
        ),
    ];
    (old, new, resources)
}

fn epilepsy_statuses(env: &Env) -> Vec<Vec<String>> {
    env.rows(
        "SELECT p.mrn, p.family_name, a.status FROM assessments a JOIN patients p
         ON p.id = a.patient_id WHERE a.ruleset = 'epilepsy' ORDER BY p.mrn",
    )
}

/// R4 `Patient.link`: "Link to a Patient … that concerns the same actual individual"; a
/// record `replaced-by` another "must no longer be used". One patient, whose history is both
/// records', known by the current record's number and name, in whichever order they come.
#[test]
fn a_patient_record_merged_into_another_is_one_patient_with_both_histories() {
    let expected = [vec![
        String::from("MRN-NEW"),
        String::from("Doe-Smith"),
        String::from("refractory"),
    ]];
    for (old_link, new_link) in [
        (Some("replaced-by"), None),
        (None, Some("replaces")),
        (Some("replaced-by"), Some("replaces")),
        (Some("seealso"), Some("refer")),
    ] {
        let (old, new, resources) = merged_records(old_link, new_link);
        // In one bundle, the old record first or last.
        for patients in [[old.clone(), new.clone()], [new.clone(), old.clone()]] {
            let mut env = Env::new();
            let mut all = patients.to_vec();
            all.extend(resources.iter().cloned());
            let file = env.write_json("merged.json", &bundle("collection", &all));
            let report = env.import(&[file]);
            assert_eq!(report.failed, 0, "{report:#?}");
            let found = epilepsy_statuses(&env);
            if old_link == Some("replaced-by") || new_link == Some("replaces") {
                assert_eq!(found, expected, "{old_link:?} {new_link:?}\n{report:#?}");
            } else {
                // Linked without a merge: one patient, the record read last naming them.
                assert_eq!(found.len(), 1, "{old_link:?} {new_link:?}: {found:?}");
                assert_eq!(found[0][2], "refractory");
            }
        }
        // In two imports, the current record first, the old one (and its history) later.
        let mut env = Env::new();
        let mut current = vec![new.clone()];
        current.extend(resources.iter().skip(2).cloned());
        let mut merged = vec![old.clone()];
        merged.extend(resources.iter().take(2).cloned());
        let first = env.write_json("current.json", &bundle("collection", &current));
        env.import_ok(&first);
        let second = env.write_json("old.json", &bundle("collection", &merged));
        let report = env.import(&[second]);
        assert_eq!(report.failed, 0, "{report:#?}");
        if old_link == Some("replaced-by") {
            assert_eq!(epilepsy_statuses(&env), expected, "{report:#?}");
        }
    }
}

/// R4 `Patient.link.other` is a Reference, which may name its Patient by identifier alone (a
/// logical reference: an MPI's merge pointing at the surviving record's number). It is
/// resolved as a subject named so is, to the file's Patient carrying it (in either order) or
/// the patient stored from the same source, and joined as a link by address is; one that names
/// no one joins no one, and says so.
#[test]
fn a_link_by_identifier_alone_joins_the_record_carrying_it() {
    let expected = [vec![
        String::from("MRN-NEW"),
        String::from("Doe-Smith"),
        String::from("refractory"),
    ]];
    let by_number = |kind: &str, value: &str| {
        json!({"link": [{"other": {"identifier": {"system": MRN_SYSTEM, "value": value}},
                         "type": kind}]})
    };
    let (old, new, resources) = merged_records(None, None);
    let old_linked = with(old.clone(), &by_number("replaced-by", "MRN-NEW"));
    let new_linked = with(new.clone(), &by_number("replaces", "MRN-OLD"));
    for patients in [
        [old_linked.clone(), new.clone()],
        [new.clone(), old_linked.clone()],
        [old.clone(), new_linked.clone()],
    ] {
        let mut env = Env::new();
        let mut all = patients.to_vec();
        all.extend(resources.iter().cloned());
        let file = env.write_json("merged.json", &bundle("collection", &all));
        let report = env.import(&[file]);
        assert_eq!(report.failed, 0, "{report:#?}");
        assert_eq!(epilepsy_statuses(&env), expected, "{report:#?}");
    }

    // The current record stored first, the old one (and its history) linking to it later.
    let mut env = Env::new();
    let mut current = vec![new.clone()];
    current.extend(resources.iter().skip(2).cloned());
    let first = env.write_json("current.json", &bundle("collection", &current));
    env.import_ok(&first);
    let mut merged = vec![old_linked];
    merged.extend(resources.iter().take(2).cloned());
    let second = env.write_json("old.json", &bundle("collection", &merged));
    let report = env.import(&[second]);
    assert_eq!(report.failed, 0, "{report:#?}");
    assert_eq!(epilepsy_statuses(&env), expected, "{report:#?}");

    // A number no record carries: two patients, and the link named.
    let mut env = Env::new();
    let mut all = vec![with(old, &by_number("replaced-by", "MRN-NOBODY")), new];
    all.extend(resources);
    let file = env.write_json("stray.json", &bundle("collection", &all));
    let report = env.import(&[file]);
    assert_eq!(env.int("SELECT count(*) FROM patients"), 2);
    assert!(
        warnings(&report).contains("MRN-NOBODY") && warnings(&report).contains("not followed"),
        "{}",
        warnings(&report)
    );
}

/// A link by an identifier's value with no system cannot show whose number it is (numeric
/// MRNs collide across facilities): it joins no one, even the file's one Patient carrying that
/// value in some system, and says so, as a system-qualified link that names no one does.
#[test]
fn a_link_by_an_identifier_value_without_a_system_joins_no_one() {
    let mut env = Env::new();
    let (old, new, resources) = merged_records(None, None);
    let old = with(
        old,
        &json!({"link": [{"other": {"identifier": {"value": "MRN-NEW"}}, "type": "replaced-by"}]}),
    );
    let mut all = vec![old, new];
    all.extend(resources);
    let file = env.write_json("two.json", &bundle("collection", &all));
    let report = env.import(&[file]);
    assert_eq!(env.int("SELECT count(*) FROM patients"), 2, "{report:#?}");
    assert!(
        warnings(&report).contains("MRN-NEW") && warnings(&report).contains("not followed"),
        "{}",
        warnings(&report)
    );
}

/// A link to a RelatedPerson (someone's record of the patient) names no Patient: two people
/// stay two.
#[test]
fn a_link_to_a_related_person_joins_no_one() {
    let mut env = Env::new();
    let (old, new, resources) = merged_records(None, None);
    let old = with(
        old,
        &json!({"link": [{"other": {"reference": "RelatedPerson/p-new"}, "type": "seealso"}]}),
    );
    let mut all = vec![old, new];
    all.extend(resources);
    let file = env.write_json("two.json", &bundle("collection", &all));
    env.import_ok(&file);
    assert_eq!(env.int("SELECT count(*) FROM patients"), 2);
}

/// A link to a Patient on another server names that server's record, whose id may be another
/// person's here (the review's case: two people merged): not joined, and said.
#[test]
fn a_link_to_a_patient_of_another_server_joins_no_one() {
    let mut env = Env::new();
    let (old, new, resources) = merged_records(None, None);
    let old = with(
        old,
        &json!({"link": [{"other": {"reference": "https://mpi.other.example/fhir/Patient/p-new"},
                          "type": "replaced-by"}]}),
    );
    let mut all = vec![old, new];
    all.extend(resources);
    let file = env.write_json("two.json", &bundle("collection", &all));
    let report = env.import(&[file]);
    assert_eq!(env.int("SELECT count(*) FROM patients"), 2);
    assert!(
        warnings(&report).contains("a Patient of another server, not joined"),
        "{}",
        warnings(&report)
    );
}

/// Both records stored as two patients, then the source merges them (R4 `Patient.link`: the
/// record `replaced-by` another "must no longer be used"; the survivor `replaces` it): they are
/// joined into the survivor, with their resources, the team's work and the audit of each move;
/// the replaced record is listed and assessed no more, and its MRN says where it went. The
/// review found them kept apart for good, every later resource of the old record split off.
#[test]
fn two_stored_records_the_source_merges_are_joined_with_the_teams_work() {
    for (old_link, new_link) in [
        (Some("replaced-by"), None),
        (None, Some("replaces")),
        (Some("replaced-by"), Some("replaces")),
    ] {
        let mut env = Env::new();
        let (old, new, mut resources) = merged_records(None, None);
        resources.insert(0, new.clone());
        resources.insert(0, old.clone());
        let first = env.write_json("apart.json", &bundle("collection", &resources));
        env.import_ok(&first);
        assert_eq!(env.int("SELECT count(*) FROM patients"), 2);
        let old_id = PatientId(env.patient_id("MRN-OLD"));
        let new_id = PatientId(env.patient_id("MRN-NEW"));
        // The team's work on both: the old record's dismissal, note and task; a way-forward
        // step each (the same step: the survivor's stays, the old one's becomes a note).
        env.store
            .review(
                old_id,
                "epilepsy",
                ReviewDecision::Dismissed,
                "one drug only",
                today(),
            )
            .unwrap();
        env.store
            .add_note(old_id, "seen in clinic", today())
            .unwrap();
        env.store
            .add_task(old_id, None, "ask for the EEG", None, None, today())
            .unwrap();
        {
            let conn = super::sql_on(&env.store);
            for (patient, status) in [(old_id, "done"), (new_id, "todo")] {
                conn.execute(
                    "INSERT INTO way_forward (patient_id, ruleset, step, status, notes, updated_at)
                     VALUES (?1, 'epilepsy', 1, ?2, 'old notes', '2026-11-01T00:00:00')",
                    rusqlite::params![patient.0, status],
                )
                .unwrap();
            }
        }
        let (merged_old, merged_new, _) = merged_records(old_link, new_link);
        let later = env.write_json(
            "merged.json",
            &bundle("collection", &[merged_old, merged_new]),
        );
        let report = env.import(std::slice::from_ref(&later));
        assert_eq!(report.failed, 0, "{report:#?}");
        assert!(
            warnings(&report).contains("joined MRN MRN-OLD"),
            "{}",
            warnings(&report)
        );
        assert!(
            !warnings(&report).contains("not merged"),
            "{}",
            warnings(&report)
        );
        // One patient, the survivor, with both histories, assessed once.
        assert_eq!(
            env.rows("SELECT mrn, family_name FROM patients"),
            [["MRN-NEW", "Doe-Smith"]]
        );
        assert_eq!(
            epilepsy_statuses(&env),
            [["MRN-NEW", "Doe-Smith", "refractory"]]
        );
        assert_eq!(env.int("SELECT count(*) FROM assessments"), 1);
        // Nothing the team wrote is lost.
        let on_new = |table: &str| {
            env.int(&format!(
                "SELECT count(*) FROM {table} WHERE patient_id = {}",
                new_id.0
            ))
        };
        assert_eq!(on_new("tasks"), 1);
        assert_eq!(on_new("way_forward"), 1);
        let notes: Vec<String> = env
            .rows(&format!(
                "SELECT text FROM notes WHERE patient_id = {} ORDER BY id",
                new_id.0
            ))
            .concat();
        assert_eq!(notes.len(), 3, "{notes:#?}");
        assert_eq!(notes[0], "seen in clinic");
        assert!(
            notes[1].starts_with(
                "From the merged record MRN MRN-OLD: review of epilepsy: dismissed by"
            ) && notes[1].ends_with("one drug only"),
            "{notes:#?}"
        );
        assert_eq!(
            notes[2],
            "From the merged record MRN MRN-OLD: way forward epilepsy step 1: done, notes: old notes"
        );
        // The old record's dismissal is kept as history, and judged other evidence: it does not
        // dismiss the survivor's flag.
        assert_eq!(on_new("reviews"), 1);
        assert_eq!(
            env.int(
                "SELECT count(*) FROM reviews r JOIN assessments a
                 ON a.patient_id = r.patient_id AND a.ruleset = r.ruleset
                 WHERE r.fingerprint = a.fingerprint"
            ),
            0
        );
        // Audited: the join (with the old record's details) and each move.
        assert_eq!(
            env.rows(
                "SELECT json_extract(before, '$.mrn'), patient_id FROM audit_log
                 WHERE action = 'import.patient.join'"
            ),
            [["MRN-OLD".to_owned(), new_id.0.to_string()]]
        );
        assert_eq!(
            env.int(
                "SELECT count(*) FROM audit_log WHERE action = 'import.resource.move'
                 AND json_extract(before, '$.patient') = 1 AND json_extract(after, '$.patient') = 2"
                    .replace("= 1", &format!("= {}", old_id.0))
                    .replace("= 2", &format!("= {}", new_id.0))
                    .as_str()
            ),
            2,
            "the diagnosis and levetiracetam"
        );
        assert_eq!(
            env.rows(
                "SELECT action, entity FROM audit_log WHERE action LIKE 'import.join.%'
                 ORDER BY action, entity"
            ),
            [
                ["import.join.move", "notes"],
                ["import.join.move", "reviews"],
                ["import.join.move", "tasks"],
                ["import.join.note", "reviews"],
                ["import.join.note", "way_forward"],
                ["import.join.remove", "way_forward"]
            ]
        );
        // Its MRN says where it went.
        let err = env
            .store
            .patient_id_by_mrn_or_prefix("MRN-OLD")
            .unwrap_err();
        assert!(err.to_string().contains("merged into MRN MRN-NEW"), "{err}");
        // Both files again: nothing changes, no one is split off again.
        let audited = env.int("SELECT count(*) FROM audit_log WHERE action LIKE 'import.%' AND action <> 'import.file'");
        let report = env.import(&[first.clone(), later.clone()]);
        assert_eq!(report.failed, 0, "{report:#?}");
        assert_eq!(
            env.rows("SELECT mrn, family_name FROM patients"),
            [["MRN-NEW", "Doe-Smith"]],
            "{old_link:?} {new_link:?}"
        );
        assert_eq!(
            env.int("SELECT count(*) FROM audit_log WHERE action LIKE 'import.%' AND action <> 'import.file'"),
            audited,
            "{report:#?}"
        );
    }
}

/// A `seealso` or `refer` link between two stored records says they are the same person but
/// merges neither: both stay, and the import says so.
#[test]
fn a_see_also_link_between_two_patients_already_stored_joins_nothing() {
    let mut env = Env::new();
    let (old, new, mut resources) = merged_records(None, None);
    resources.insert(0, new.clone());
    resources.insert(0, old.clone());
    let first = env.write_json("apart.json", &bundle("collection", &resources));
    env.import_ok(&first);
    let (linked, _, _) = merged_records(Some("seealso"), None);
    let later = env.write_json("linked.json", &bundle("collection", &[linked]));
    let report = env.import(&[later]);
    assert_eq!(report.failed, 0, "{report:#?}");
    assert_eq!(env.int("SELECT count(*) FROM patients"), 2);
    assert!(
        warnings(&report).contains("names a patient already stored as another record"),
        "{}",
        warnings(&report)
    );
}

/// Two records the source merges whose birth dates differ: the source's master patient index
/// has the word on its own records (a wrong birth date on one is often why the duplicate was
/// made), so they are joined, and the disagreement is said with the join.
#[test]
fn two_stored_records_the_source_merges_though_they_disagree_are_joined_and_said() {
    let mut env = Env::new();
    let (old, new, mut resources) = merged_records(None, None);
    let old = with(old, &json!({"birthDate": "1971-02-03"}));
    resources.insert(0, new.clone());
    resources.insert(0, old.clone());
    let first = env.write_json("apart.json", &bundle("collection", &resources));
    env.import_ok(&first);
    assert_eq!(env.int("SELECT count(*) FROM patients"), 2);
    let (merged_old, _, _) = merged_records(Some("replaced-by"), None);
    let merged_old = with(merged_old, &json!({"birthDate": "1971-02-03"}));
    let later = env.write_json("merged.json", &bundle("collection", &[merged_old]));
    let report = env.import(&[later]);
    assert_eq!(report.failed, 0, "{report:#?}");
    assert_eq!(env.int("SELECT count(*) FROM patients"), 1);
    let said = warnings(&report);
    assert!(
        said.contains("MRN-OLD") && said.contains("birth dates differ"),
        "{said}"
    );
}

/// The team declares a second system's spelling of the hospital's MRN system one with it
/// (`--same-system`) after a file under that spelling made a second patient: the next file
/// joins the two (audited) rather than failing whole, and later files of that system go to the
/// one patient.
#[test]
fn a_same_system_declared_later_joins_the_two_patients_it_makes_one() {
    let mut env = Env::new();
    let hospital = with(
        person(
            "p1",
            &[identifier("MR", MRN_SYSTEM, "N1001")],
            "Doe",
            "female",
            "1980-05-01",
        ),
        &json!({}),
    );
    env.import_ok(&env.write_json("hospital.json", &epileptic(&hospital)));
    let hospital_id = env.patient_id("N1001");
    env.store
        .review(
            PatientId(hospital_id),
            "epilepsy",
            ReviewDecision::Dismissed,
            "seen",
            today(),
        )
        .unwrap();
    let lab_patient = |day: &str| {
        with(
            person(
                "L9",
                &[identifier("MR", "urn:oid:9.9.9", "N1001")],
                "Doe",
                "female",
                "1980-05-01",
            ),
            &json!({"meta": {"lastUpdated": format!("{day}T00:00:00Z")}}),
        )
    };
    let lab = |env: &Env, name: &str, day: &str, reading: &str| {
        env.write_json(
            name,
            &bundle(
                "collection",
                &[
                    lab_patient(day),
                    condition(
                        reading,
                        "urn:uuid:L9",
                        "http://hl7.org/fhir/sid/icd-10",
                        "R56.9",
                        "Seizure",
                    ),
                ],
            ),
        )
    };
    let as_lab = ImportOptions {
        source: Some(String::from("lab")),
        ..ImportOptions::default()
    };
    let first = lab(&env, "lab1.json", "2026-09-10", "r1");
    let report = env.import_with(&[first], &as_lab);
    assert_eq!(report.failed, 0, "{report:#?}");
    assert_eq!(env.int("SELECT count(*) FROM patients"), 2);
    let same = ImportOptions {
        equivalent_systems: vec![vec![MRN_SYSTEM.to_owned(), String::from("urn:oid:9.9.9")]],
        ..as_lab.clone()
    };
    let second = lab(&env, "lab2.json", "2026-09-11", "r2");
    let report = env.import_with(std::slice::from_ref(&second), &same);
    assert_eq!(report.failed, 0, "{report:#?}");
    assert!(
        warnings(&report).contains("--same-system"),
        "{}",
        warnings(&report)
    );
    assert_eq!(
        env.rows("SELECT id FROM patients"),
        [[hospital_id.to_string()]]
    );
    assert_eq!(
        env.int(&format!(
            "SELECT count(*) FROM conditions WHERE patient_id = {hospital_id}"
        )),
        3,
        "the hospital's diagnosis and both lab files'"
    );
    assert_eq!(
        env.int("SELECT count(*) FROM audit_log WHERE action = 'import.patient.join'"),
        1
    );
    // The hospital's own review stays hers and current.
    assert_eq!(
        env.int(&format!(
            "SELECT count(*) FROM reviews WHERE patient_id = {hospital_id}"
        )),
        1
    );
    // A later lab file, without the declaration, goes to her too.
    let third = lab(&env, "lab3.json", "2026-09-12", "r3");
    let report = env.import_with(&[third], &as_lab);
    assert_eq!(report.failed, 0, "{report:#?}");
    assert_eq!(env.int("SELECT count(*) FROM patients"), 1);
    assert_eq!(
        env.int(&format!(
            "SELECT count(*) FROM conditions WHERE patient_id = {hospital_id}"
        )),
        4
    );

    // Declared one, two stored patients of different sex are still two people: refused.
    let mut env = Env::new();
    env.import_ok(&env.write_json("hospital.json", &epileptic(&hospital)));
    let male = with(lab_patient("2026-09-10"), &json!({"gender": "male"}));
    let file = env.write_json(
        "lab1.json",
        &bundle("collection", std::slice::from_ref(&male)),
    );
    assert_eq!(env.import_with(&[file], &as_lab).failed, 0);
    let male = with(
        male,
        &json!({"meta": {"lastUpdated": "2026-09-11T00:00:00Z"}}),
    );
    let file = env.write_json("lab2.json", &bundle("collection", &[male]));
    let report = env.import_with(&[file], &same);
    assert_eq!(report.failed, 1, "{report:#?}");
    let error = report.files[0].error.clone().unwrap_or_default();
    assert!(error.contains("sexes differ"), "{error}");
    assert_eq!(env.int("SELECT count(*) FROM patients"), 2);
}

/// One hospital's Bulk export, as NDJSON files (one resource type per file), of one Patient
/// with epilepsy and one drug stopped for no response.
fn ndjson_export(
    env: &Env,
    folder: &str,
    who: &Value,
    drug: (&str, &str),
    drug_id: &str,
) -> PathBuf {
    let id = who["id"].as_str().unwrap();
    let subject = format!("Patient/{id}");
    let line = |value: &Value| format!("{}\n", serde_json::to_string(value).unwrap());
    env.write_bytes(&format!("{folder}/Patient.ndjson"), line(who).as_bytes());
    env.write_bytes(
        &format!("{folder}/Condition.ndjson"),
        line(&condition(
            &format!("{folder}-dx"),
            &subject,
            "http://hl7.org/fhir/sid/icd-10",
            "G40.909",
            "Epilepsy",
        ))
        .as_bytes(),
    );
    let stopped = with(
        statement(
            drug_id,
            &subject,
            drug,
            "stopped",
            "2022-01-10",
            Some("2022-09-01"),
        ),
        &json!({"statusReason": [reason("266721009", "No response to treatment")]}),
    );
    env.write_bytes(
        &format!("{folder}/MedicationStatement.ndjson"),
        line(&stopped).as_bytes(),
    );
    env.path(folder)
}

fn drugs_of(env: &Env, mrn: &str) -> Vec<Vec<String>> {
    env.rows(&format!(
        "SELECT r.id FROM fhir_resources r
           JOIN patient_identifiers i
             ON i.system = 'urn:refract:patient-id:' || r.source AND i.value = r.subject
           JOIN patients p ON p.id = i.patient_id
          WHERE p.mrn = '{mrn}' AND r.type = 'MedicationStatement' ORDER BY r.id"
    ))
}

#[test]
fn another_systems_patient_with_a_stored_id_but_no_identifier_name_sex_or_birth_date_in_common_is_refused()
 {
    let ana = person(
        "12724066",
        &[identifier("MR", "urn:oid:1.2.840.114350.1.13", "A-1001")],
        "Quinn",
        "female",
        "1985-04-12",
    );
    // Another person each time: another sex and birth date, another sex alone, another birth
    // date alone (a year of birth that cannot be hers), each under another hospital's system.
    let others = [
        ("male", "1950-01-01"),
        ("male", "1985-04-12"),
        ("female", "1950"),
    ];
    for (gender, born) in others {
        for one_run in [false, true] {
            let mut env = Env::new();
            let a = ndjson_export(&env, "hospA", &ana, LEVETIRACETAM, "ms-1");
            let pavel = person(
                "12724066",
                &[identifier("MR", "urn:oid:2.16.840.1.113883.3.13.6", "B-77")],
                "Novak",
                gender,
                born,
            );
            let b = ndjson_export(&env, "hospB", &pavel, LAMOTRIGINE, "ms-2");
            let report = if one_run {
                env.import(&[a, b])
            } else {
                env.import(&[a]);
                env.import(&[b])
            };
            // The Patient is left out with what the file files under it, the files imported.
            assert_eq!(report.failed, 0, "{gender} {born} {one_run}: {report:#?}");
            let said = warnings(&report);
            assert!(
                said.contains("A-1001") && said.contains("B-77") && said.contains("--source"),
                "{said}"
            );
            assert_eq!(names(&env)[0][..2], ["A-1001", "Quinn"], "{gender} {born}");
            assert_eq!(env.int("SELECT count(*) FROM patients"), 1);
            // The other hospital's drug is not hers either.
            assert_eq!(drugs_of(&env, "A-1001"), [["ms-1"]], "{report:#?}");
            assert!(warnings(&report).contains("ms-2"), "{report:#?}");
        }
    }
}

#[test]
fn a_patient_read_again_with_a_new_number_or_corrected_details_is_still_updated() {
    let ana = person(
        "12724066",
        &[identifier("MR", MRN_SYSTEM, "A-1001")],
        "Quinn",
        "female",
        "1985-04-12",
    );
    let new_versions = [
        // A corrected name and an address.
        with(
            person(
                "12724066",
                &[identifier("MR", MRN_SYSTEM, "A-1001")],
                "Quin",
                "female",
                "1985-04-12",
            ),
            &json!({"address": [{"city": "Leeds"}]}),
        ),
        // An MRN added beside the first.
        person(
            "12724066",
            &[
                identifier("MR", MRN_SYSTEM, "A-1001"),
                identifier("MR", "urn:oid:9.9.9", "Z-5"),
            ],
            "Quinn",
            "female",
            "1985-04-12",
        ),
        // Re-identified: another number, the same birth date and sex.
        person(
            "12724066",
            &[identifier("MR", "urn:oid:9.9.9", "Z-5")],
            "Quinn",
            "female",
            "1985-04-12",
        ),
        // The same number, a corrected birth date and sex.
        person(
            "12724066",
            &[identifier("MR", MRN_SYSTEM, "A-1001")],
            "Quinn",
            "male",
            "1958-04-12",
        ),
    ];
    for (n, new) in new_versions.iter().enumerate() {
        let mut env = Env::new();
        let a = ndjson_export(&env, "first", &ana, LEVETIRACETAM, "ms-1");
        env.import(&[a]);
        let file = env.write_bytes(
            "again/Patient.ndjson",
            format!("{}\n", serde_json::to_string(new).unwrap()).as_bytes(),
        );
        env.import_ok(&file);
        assert_eq!(env.int("SELECT count(*) FROM patients"), 1, "version {n}");
        let mrn = env.rows("SELECT mrn FROM patients")[0][0].clone();
        assert_eq!(drugs_of(&env, &mrn), [["ms-1"]], "version {n}");
    }
    assert_eq!(
        {
            let mut env = Env::new();
            let a = ndjson_export(&env, "first", &ana, LEVETIRACETAM, "ms-1");
            env.import(&[a]);
            let file = env.write_bytes(
                "again/Patient.ndjson",
                format!("{}\n", serde_json::to_string(&new_versions[3]).unwrap()).as_bytes(),
            );
            env.import_ok(&file);
            names(&env)
        },
        [["A-1001", "Quinn", "male", "1958-04-12"]]
    );
}

/// `who` under the id of Ana's stored record: one line of NDJSON.
fn patient_file(env: &Env, name: &str, who: &Value) -> PathBuf {
    env.write_bytes(
        name,
        format!("{}\n", serde_json::to_string(who).unwrap()).as_bytes(),
    )
}

fn ana() -> Value {
    person(
        "12724066",
        &[identifier("MR", "urn:oid:1.2.840.114350.1.13", "A-1001")],
        "Quinn",
        "female",
        "1985-04-12",
    )
}

/// Pavel of another hospital, under Ana's id.
fn pavel(identifiers: &[Value]) -> Value {
    with(
        person("12724066", identifiers, "Novak", "male", "1950-01-01"),
        &json!({"name": [{"use": "official", "family": "Novak", "given": ["Pavel"]}]}),
    )
}

#[test]
fn another_patient_with_no_identifier_under_a_stored_id_is_refused_by_name_and_birth_date() {
    let mut env = Env::new();
    let a = ndjson_export(&env, "hospA", &ana(), LEVETIRACETAM, "ms-1");
    env.import(&[a]);
    let b = ndjson_export(&env, "hospB", &pavel(&[]), LAMOTRIGINE, "ms-2");
    let report = env.import(&[b]);
    assert_eq!(report.failed, 0, "{report:#?}");
    assert!(
        warnings(&report).contains("name, sex and birth date"),
        "{report:#?}"
    );
    assert_eq!(names(&env), [["A-1001", "Quinn", "female", "1985-04-12"]]);
    assert_eq!(drugs_of(&env, "A-1001"), [["ms-1"]]);
}

#[test]
fn a_record_with_no_identifier_correcting_her_name_or_her_birth_date_alone_is_an_update() {
    let corrections = [
        // A corrected birth date under her name.
        (
            person("12724066", &[], "Quinn", "female", "1985-04-21"),
            "Quinn",
            "1985-04-21",
        ),
        // A corrected name with her birth date.
        (
            person("12724066", &[], "Quin", "female", "1985-04-12"),
            "Quin",
            "1985-04-12",
        ),
        // Married, her maiden name kept beside the new one, and a corrected birth date.
        (
            with(
                person("12724066", &[], "Kovac", "female", "1985-04-21"),
                &json!({"name": [
                    {"use": "official", "family": "Kovac", "given": ["A"]},
                    {"use": "maiden", "family": "Quinn", "given": ["A"]}
                ]}),
            ),
            "Kovac",
            "1985-04-21",
        ),
    ];
    for (new, family, born) in corrections {
        let mut env = Env::new();
        let a = ndjson_export(&env, "hospA", &ana(), LEVETIRACETAM, "ms-1");
        env.import(&[a]);
        let file = patient_file(&env, "again/Patient.ndjson", &new);
        let report = env.import(&[file]);
        assert_eq!(report.failed, 0, "{report:#?}");
        assert!(!warnings(&report).contains("left out"), "{report:#?}");
        assert_eq!(
            names(&env),
            [["A-1001", family, "female", born]],
            "{report:#?}"
        );
    }
}

#[test]
fn a_link_to_some_other_record_does_not_make_another_person_the_stored_patient() {
    let mut env = Env::new();
    let a = ndjson_export(&env, "hospA", &ana(), LEVETIRACETAM, "ms-1");
    env.import(&[a]);
    let linked = with(
        pavel(&[identifier("MR", "urn:oid:2.16.840.1.113883.3.13.6", "B-77")]),
        &json!({"link": [{"other": {"reference": "Patient/555"}, "type": "seealso"}]}),
    );
    let b = ndjson_export(&env, "hospB", &linked, LAMOTRIGINE, "ms-2");
    let report = env.import(&[b]);
    assert!(warnings(&report).contains("B-77"), "{report:#?}");
    assert_eq!(names(&env)[0][..2], ["A-1001", "Quinn"]);
    assert_eq!(drugs_of(&env, "A-1001"), [["ms-1"]]);

    // A link naming her (by her number) is the source's word that it is her.
    let mut env = Env::new();
    let a = ndjson_export(&env, "hospA", &ana(), LEVETIRACETAM, "ms-1");
    env.import(&[a]);
    let hers = with(
        pavel(&[identifier("MR", "urn:oid:2.16.840.1.113883.3.13.6", "B-77")]),
        &json!({"link": [{"other": {"identifier": {
            "system": "urn:oid:1.2.840.114350.1.13", "value": "A-1001"}}, "type": "replaces"}]}),
    );
    let file = patient_file(&env, "again/Patient.ndjson", &hers);
    let report = env.import(&[file]);
    assert!(!warnings(&report).contains("another person"), "{report:#?}");
}

#[test]
fn a_refused_patient_id_holds_in_later_runs_until_lifted() {
    let mut env = Env::new();
    let a = ndjson_export(&env, "hospA", &ana(), LEVETIRACETAM, "ms-1");
    env.import(&[a]);
    let b = ndjson_export(
        &env,
        "hospB",
        &pavel(&[identifier("MR", "urn:oid:2.16.840.1.113883.3.13.6", "B-77")]),
        LAMOTRIGINE,
        "ms-2",
    );
    env.import(&[b]);
    // The other hospital's next incremental export: a drug under the id alone.
    let line = serde_json::to_string(&statement(
        "ms-3",
        "Patient/12724066",
        LACOSAMIDE,
        "active",
        "2023-03-01",
        None,
    ))
    .unwrap();
    let later = env.write_bytes(
        "hospB-2/MedicationStatement.ndjson",
        format!("{line}\n").as_bytes(),
    );
    let report = env.import(&[later]);
    assert_eq!(report.failed, 0, "{report:#?}");
    let said = warnings(&report);
    assert!(
        said.contains("ms-3") && said.contains("B-77") && said.contains("--lift-refusal"),
        "{said}"
    );
    assert_eq!(drugs_of(&env, "A-1001"), [["ms-1"]]);
    // The user says they are one: lifted, the source's files under the id are hers again.
    let options = refract::import::ImportOptions {
        lift_refusals: vec![String::from("12724066")],
        ..Default::default()
    };
    let again = env.write_bytes(
        "hospB-3/MedicationStatement.ndjson",
        format!("{line}\n").as_bytes(),
    );
    let report = env.import_with(&[again], &options);
    assert!(!warnings(&report).contains("left out"), "{report:#?}");
    assert_eq!(
        drugs_of(&env, "A-1001"),
        [["ms-1"], ["ms-3"]],
        "{report:#?}"
    );
    assert_eq!(env.int("SELECT count(*) FROM refused_patient_ids"), 0);
}

#[test]
fn a_renumbered_patient_keeping_the_old_number_or_a_corrected_birth_date_under_her_name_is_an_update()
 {
    let renumbered = with(
        person("12724066", &[], "Smith", "female", "1985-04-21"),
        &json!({"identifier": [
            {"use": "official", "system": "urn:oid:1.2.840.114350.1.13", "value": "A-2002",
             "type": {"coding": [{"system": V2_0203, "code": "MR"}]}},
            {"use": "old", "system": "urn:oid:1.2.840.114350.1.13", "value": "A-1001"}
        ]}),
    );
    let corrected = person(
        "12724066",
        &[identifier("MR", "urn:oid:9.9.9", "Z-5")],
        "Quinn",
        "female",
        "1958-04-12",
    );
    for (new, mrn) in [(renumbered, "A-2002"), (corrected, "Z-5")] {
        let mut env = Env::new();
        let a = ndjson_export(&env, "hospA", &ana(), LEVETIRACETAM, "ms-1");
        env.import(&[a]);
        let file = patient_file(&env, "again/Patient.ndjson", &new);
        let report = env.import(&[file]);
        assert!(!warnings(&report).contains("left out"), "{report:#?}");
        assert_eq!(env.int("SELECT count(*) FROM patients"), 1);
        assert_eq!(drugs_of(&env, mrn), [["ms-1"]], "{report:#?}");
    }
}

/// Review RV-B OB4: two clinics' bundles, without `fullUrl` and imported without `--source`,
/// both call their patient `Patient/1`, with the same sex and birth date (people share a
/// birthday) but another number of one MRN system and another name: two people. The second is
/// refused in one line naming both, and neither the first's record nor their drugs are lost or
/// shown under the other's number. The same number under another name (a marriage), or
/// another number under the same name (the hospital re-numbered them), stays an update.
#[test]
fn another_number_of_the_same_mrn_system_under_a_colliding_id_and_another_name_is_refused() {
    let clinic = |mrn: &str, family: &str, drug: (&str, &str), drug_id: &str| {
        let who = json!({
            "resourceType": "Patient",
            "id": "1",
            "identifier": [{"system": "urn:hosp:mrn", "value": mrn}],
            "name": [{"family": family, "given": ["X"]}],
            "birthDate": "1960-01-01",
            "gender": "male"
        });
        let drug = statement(drug_id, "Patient/1", drug, "active", "2025-01-01", None);
        json!({"resourceType": "Bundle", "type": "collection",
               "entry": [{"resource": who}, {"resource": drug}]})
    };
    let mut env = Env::new();
    env.import_ok(&env.write_json("a.json", &clinic("OBX1", "Ash", LEVETIRACETAM, "m1")));
    let report =
        env.import(&[env.write_json("b.json", &clinic("OBX2", "Birch", LAMOTRIGINE, "m2"))]);
    let said = warnings(&report);
    assert!(
        said.contains("OBX1") && said.contains("OBX2") && said.contains("--source"),
        "{report:#?}"
    );
    assert_eq!(names(&env), [["OBX1", "Ash", "male", "1960-01-01"]]);
    assert_eq!(drugs_of(&env, "OBX1"), [["m1"]], "{report:#?}");

    // A new name under the same number; then a new number under the name (re-numbered).
    for (mrn, family, shown) in [("OBX1", "Birch", "OBX1"), ("OBX2", "Ash", "OBX2")] {
        let mut env = Env::new();
        env.import_ok(&env.write_json("a.json", &clinic("OBX1", "Ash", LEVETIRACETAM, "m1")));
        let report =
            env.import(&[env.write_json("b.json", &clinic(mrn, family, LAMOTRIGINE, "m2"))]);
        assert!(!warnings(&report).contains("left out"), "{report:#?}");
        assert_eq!(env.int("SELECT count(*) FROM patients"), 1);
        assert_eq!(drugs_of(&env, shown), [["m1"], ["m2"]], "{report:#?}");
    }
}

#[test]
fn a_refused_patient_leaves_out_only_itself_and_what_names_it_not_the_rest_of_its_file() {
    let mut env = Env::new();
    let a = ndjson_export(&env, "hospA", &ana(), LEVETIRACETAM, "ms-1");
    env.import(&[a]);
    let bob = person(
        "900",
        &[identifier("MR", "urn:oid:1.2.840.114350.1.13", "A-9")],
        "Burke",
        "male",
        "1940-02-02",
    );
    env.import(&[patient_file(&env, "bob/Patient.ndjson", &bob)]);
    // One file: Pavel under Ana's id, and Bob's death.
    let died = with(bob, &json!({"deceasedDateTime": "2024-05-01"}));
    let pavel = pavel(&[identifier("MR", "urn:oid:2.16.840.1.113883.3.13.6", "B-77")]);
    let lines = format!(
        "{}\n{}\n",
        serde_json::to_string(&pavel).unwrap(),
        serde_json::to_string(&died).unwrap()
    );
    let file = env.write_bytes("mixed/Patient.ndjson", lines.as_bytes());
    let report = env.import(&[file]);
    assert_eq!(report.failed, 0, "{report:#?}");
    assert!(warnings(&report).contains("B-77"), "{report:#?}");
    assert_eq!(
        env.rows("SELECT mrn, deceased_date FROM patients ORDER BY mrn"),
        [["A-1001", "NULL"], ["A-9", "2024-05-01"]]
    );
}

#[test]
fn a_refusal_in_one_export_leaves_out_nothing_of_another_export_holding_the_stored_patient() {
    let mut env = Env::new();
    let a = ndjson_export(&env, "e0", &ana(), LEVETIRACETAM, "ms-1");
    env.import(&[a]);
    // One run, two exports: the other hospital's (refused), then hers with a new drug.
    let b = ndjson_export(
        &env,
        "e1",
        &pavel(&[identifier("MR", "urn:oid:2.16.840.1.113883.3.13.6", "B-77")]),
        LAMOTRIGINE,
        "ms-2",
    );
    let hers = ndjson_export(&env, "e2", &ana(), LACOSAMIDE, "ms-3");
    let report = env.import(&[b, hers]);
    assert!(warnings(&report).contains("B-77"), "{report:#?}");
    assert_eq!(
        drugs_of(&env, "A-1001"),
        [["ms-1"], ["ms-3"]],
        "{report:#?}"
    );
}

#[test]
fn the_command_line_lifts_a_refusal_and_says_when_there_is_none() {
    let dir = tempfile::TempDir::new().unwrap();
    let db = dir.path().join("refract.db");
    let env = Env::new();
    let a = ndjson_export(&env, "hospA", &ana(), LEVETIRACETAM, "ms-1");
    let b = ndjson_export(
        &env,
        "hospB",
        &pavel(&[identifier("MR", "urn:oid:2.16.840.1.113883.3.13.6", "B-77")]),
        LAMOTRIGINE,
        "ms-2",
    );
    let (code, _, stderr) = super::cli_import(&db, &[a.clone(), b]);
    assert_eq!(code, 0, "{stderr}");
    let lift = |id: &str| {
        let output = super::refract()
            .arg("--db")
            .arg(&db)
            .args(["import", "--json", "--lift-refusal", id])
            .arg(&a)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    assert!(!lift("12724066").contains("no refusal"));
    assert!(lift("12724066").contains("no refusal of this Patient id to lift"));
}

/// Review CL-2: `refract check` names the Patient ids refused as another person, per source,
/// with the command that lifts them; a refusal is no damage: the exit code stays 0.
#[test]
fn check_names_the_refused_patient_ids_and_how_to_lift_them() {
    let dir = tempfile::TempDir::new().unwrap();
    let db = dir.path().join("refract.db");
    let env = Env::new();
    let a = ndjson_export(&env, "hospA", &ana(), LEVETIRACETAM, "ms-1");
    let b = ndjson_export(
        &env,
        "hospB",
        &pavel(&[identifier("MR", "urn:oid:2.16.840.1.113883.3.13.6", "B-77")]),
        LAMOTRIGINE,
        "ms-2",
    );
    let (code, _, stderr) = super::cli_import(&db, &[a.clone(), b]);
    assert_eq!(code, 0, "{stderr}");
    let check = || {
        let output = super::refract()
            .arg("--db")
            .arg(&db)
            .arg("check")
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let said = check();
    let refusals: Vec<&str> = said
        .lines()
        .filter(|line| line.contains("refused"))
        .collect();
    assert_eq!(refusals.len(), 1, "{said}");
    assert!(
        refusals[0].contains("the unnamed source")
            && refusals[0].contains("1 Patient id")
            && refusals[0].contains("refract import --lift-refusal 12724066"),
        "{said}"
    );
    let output = super::refract()
        .arg("--db")
        .arg(&db)
        .args(["import", "--json", "--lift-refusal", "12724066"])
        .arg(&a)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let said = check();
    assert!(!said.contains("refused"), "{said}");
}

/// review r5 R5-10: a hospital re-numbers its patient (N7001), keeping the number before as
/// `use: old`, or dropping it for the new one; the GP's Patient, written later, still carries the
/// old number typed MR. The patient is still matched by the old number (the GP's record joins
/// them, `show N1001` finds them), but the shown MRN stays the hospital's current one.
#[test]
fn a_number_its_hospital_retired_is_never_shown_again_for_another_sources_copy() {
    let hospital = |identifiers: &[Value], updated: &str| {
        let mut who = person("p1", identifiers, "Kowalski", "female", "1960-04-02");
        who["meta"] = json!({"lastUpdated": updated});
        epileptic(&who)
    };
    for renumbered in [
        vec![
            identifier("MR", MRN_SYSTEM, "N7001"),
            json!({"use": "old", "system": MRN_SYSTEM, "value": "N1001"}),
        ],
        vec![identifier("MR", MRN_SYSTEM, "N7001")],
    ] {
        let mut env = Env::new();
        let first = env.write_json(
            "m1.json",
            &hospital(
                &[identifier("MR", MRN_SYSTEM, "N1001")],
                "2026-09-01T00:00:00Z",
            ),
        );
        env.import_ok(&first);
        let id = env.patient_id("N1001");
        let second = env.write_json("m2.json", &hospital(&renumbered, "2026-10-01T00:00:00Z"));
        env.import_ok(&second);
        assert_eq!(env.patient_id("N7001"), id);

        let mut gp = person(
            "g1",
            &[
                identifier("MR", MRN_SYSTEM, "N1001"),
                json!({"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"}),
            ],
            "Kowalski",
            "female",
            "1960-04-02",
        );
        gp["meta"] = json!({"lastUpdated": "2026-10-15T00:00:00Z"});
        env.import_as("gp", &epileptic(&gp));
        assert_eq!(
            env.int("SELECT count(*) FROM patients"),
            1,
            "{renumbered:?}"
        );
        assert_eq!(
            names(&env),
            vec![vec![
                String::from("N7001"),
                String::from("Kowalski"),
                String::from("female"),
                String::from("1960-04-02"),
            ]],
            "{renumbered:?}"
        );
        assert_eq!(
            env.int(&format!(
                "SELECT count(*) FROM patient_identifiers WHERE value = 'N1001' AND patient_id = {id}"
            )),
            1,
            "still matched by it"
        );
    }
}

/// Review R8-2: the hospital's first Patient already keeps its old number N1001 as `use: old`
/// beside N7001 and the NHS number; a GP's copy, written later, carries N1001 typed MR and the
/// same NHS number. It is the same person (the number is theirs, retired), never "another
/// person, their medical record numbers differ", which split the patient in two and made the
/// NHS number name no one; N7001 stays the shown MRN.
#[test]
fn a_number_first_seen_retired_is_theirs_for_another_sources_copy() {
    let nhs = || json!({"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"});
    let mut env = Env::new();
    let mut hospital = person(
        "h1",
        &[
            identifier("MR", MRN_SYSTEM, "N7001"),
            json!({"use": "old", "system": MRN_SYSTEM, "value": "N1001"}),
            nhs(),
        ],
        "Lee",
        "female",
        "1970-01-01",
    );
    hospital["meta"] = json!({"lastUpdated": "2026-10-01T00:00:00Z"});
    env.import_ok(&env.write_json("h.json", &epileptic(&hospital)));
    let id = env.patient_id("N7001");
    assert_eq!(
        env.int("SELECT count(*) FROM patient_identifiers WHERE id_use = 'old'"),
        1,
        "the old number is kept, retired"
    );
    let mut gp = person(
        "g1",
        &[identifier("MR", MRN_SYSTEM, "N1001"), nhs()],
        "Lee",
        "female",
        "1970-01-01",
    );
    gp["meta"] = json!({"lastUpdated": "2026-10-15T00:00:00Z"});
    env.import_as("gp", &epileptic(&gp));
    assert_eq!(
        env.int("SELECT count(*) FROM patients"),
        1,
        "{:?}",
        names(&env)
    );
    assert_eq!(env.int("SELECT count(*) FROM shared_identifiers"), 0);
    assert_eq!(names(&env)[0][0], "N7001");
    assert_eq!(
        env.int(&format!(
            "SELECT count(*) FROM patient_identifiers WHERE value = 'N1001' AND patient_id = {id}"
        )),
        1,
        "still matched by it"
    );
}

/// `--replace` says a file is the whole record of the Patient it holds. After the source
/// merges two stored records (`Patient.link`), one patient holds what the source files under
/// both Patient ids: a complete export of one of them speaks for what is filed under its own
/// id, never for what is filed under the other's (each run of both nightly exports removed
/// the half the other file added).
#[test]
fn a_whole_record_replace_of_one_joined_record_removes_nothing_filed_under_the_other() {
    let replace = ImportOptions {
        replace: true,
        ..Default::default()
    };
    let stored = |env: &Env| -> Vec<String> {
        env.rows("SELECT id FROM fhir_resources WHERE type <> 'Patient' ORDER BY id")
            .concat()
    };
    for (old_link, new_link) in [(Some("replaced-by"), None), (None, Some("replaces"))] {
        let mut env = Env::new();
        let (old, new, resources) = merged_records(None, None);
        let mut apart = vec![old.clone(), new.clone()];
        apart.extend(resources.iter().cloned());
        let first = env.write_json("apart.json", &bundle("collection", &apart));
        env.import_ok(&first);
        let (merged_old, merged_new, _) = merged_records(old_link, new_link);
        let merge = env.write_json(
            "merged.json",
            &bundle("collection", &[merged_old.clone(), merged_new.clone()]),
        );
        let report = env.import(&[merge]);
        assert!(
            warnings(&report).contains("joined MRN MRN-OLD"),
            "{}",
            warnings(&report)
        );
        assert_eq!(env.int("SELECT count(*) FROM patients"), 1);

        // Each record's complete export (dx and lev are filed under p-old, ltg and lcm under
        // p-new), alone and both in one run: nothing of the other record goes.
        let mut old_export = vec![merged_old.clone()];
        old_export.extend(resources.iter().take(2).cloned());
        let old_file = env.write_json("old.json", &bundle("collection", &old_export));
        let mut new_export = vec![merged_new.clone()];
        new_export.extend(resources.iter().skip(2).cloned());
        let new_file = env.write_json("new.json", &bundle("collection", &new_export));
        for files in [
            vec![new_file.clone()],
            vec![old_file.clone()],
            vec![old_file.clone(), new_file.clone()],
        ] {
            let report = env.import_with(&files, &replace);
            assert_eq!(report.failed, 0, "{report:#?}");
            let removed: usize = report.files.iter().map(|file| file.removed).sum();
            assert_eq!(
                removed, 0,
                "{old_link:?} {new_link:?} {files:?}\n{report:#?}"
            );
            assert_eq!(stored(&env), ["dx", "lcm", "lev", "ltg"], "{files:?}");
            assert_eq!(
                epilepsy_statuses(&env),
                [["MRN-NEW", "Doe-Smith", "refractory"]]
            );
        }

        // What p-new's next complete export no longer holds is still removed, and only that.
        let mut next = vec![merged_new.clone()];
        next.extend(resources.iter().skip(2).take(1).cloned());
        let next_file = env.write_json("new-next.json", &bundle("collection", &next));
        let report = env.import_with(&[next_file], &replace);
        assert_eq!(report.failed, 0, "{report:#?}");
        assert_eq!(report.files[0].removed, 1, "{report:#?}");
        assert_eq!(stored(&env), ["dx", "lev", "ltg"]);
    }
}

/// One person stored three times, by the hospital, a lab and a pharmacy (each its own
/// `--source`, each its own spelling of the hospital's MRN system): one file whose
/// `--same-system` makes the three systems one names all three, and joins all three into the
/// record stored first (each join and move audited), not one pair per file. Records that
/// disagree (a sex) are refused as with two, the one line naming them.
#[test]
fn a_same_system_naming_three_stored_patients_joins_all_three() {
    const LAB: &str = "urn:oid:9.9.9";
    const PHARMACY: &str = "urn:oid:8.8.8";
    let from = |source: &str| ImportOptions {
        source: Some(source.to_owned()),
        ..ImportOptions::default()
    };
    let record = |id: &str, system: &str, gender: &str, day: &str| {
        with(
            person(
                id,
                &[identifier("MR", system, "N1001")],
                "Doe",
                gender,
                "1980-05-01",
            ),
            &json!({"meta": {"lastUpdated": format!("{day}T00:00:00Z")}}),
        )
    };
    let stored_apart = |env: &mut Env, pharmacy_gender: &str| {
        for (source, id, system, gender) in [
            ("hospital", "h1", MRN_SYSTEM, "female"),
            ("lab", "l1", LAB, "female"),
            ("pharmacy", "f1", PHARMACY, pharmacy_gender),
        ] {
            let file = env.write_json(
                &format!("{source}.json"),
                &epileptic(&record(id, system, gender, "2026-09-10")),
            );
            let report = env.import_with(&[file], &from(source));
            assert_eq!(report.failed, 0, "{report:#?}");
        }
        assert_eq!(env.int("SELECT count(*) FROM patients"), 3);
    };
    let all_one = ImportOptions {
        equivalent_systems: vec![vec![
            MRN_SYSTEM.to_owned(),
            LAB.to_owned(),
            PHARMACY.to_owned(),
        ]],
        ..from("lab")
    };

    let mut env = Env::new();
    stored_apart(&mut env, "female");
    let hospital_id = env.int("SELECT min(id) FROM patients");
    let next = env.write_json(
        "lab2.json",
        &epileptic(&record("l1", LAB, "female", "2026-09-11")),
    );
    let report = env.import_with(&[next], &all_one);
    assert_eq!(report.failed, 0, "{report:#?}");
    assert_eq!(
        env.rows("SELECT id FROM patients"),
        [[hospital_id.to_string()]],
        "{report:#?}"
    );
    assert_eq!(
        env.int("SELECT count(*) FROM audit_log WHERE action = 'import.patient.join'"),
        2
    );
    assert_eq!(
        env.int(&format!(
            "SELECT count(*) FROM audit_log WHERE action = 'import.resource.move'
             AND patient_id = {hospital_id}"
        )),
        4,
        "the lab's and the pharmacy's diagnosis and drug"
    );
    assert_eq!(
        env.int(&format!(
            "SELECT count(DISTINCT source) FROM fhir_resources f JOIN patient_identifiers i
             ON i.system = 'urn:refract:patient-id:' || f.source AND i.value = f.subject
             WHERE i.patient_id = {hospital_id}"
        )),
        3
    );
    let said = warnings(&report);
    assert_eq!(said.matches("joined").count(), 2, "{said}");

    // The pharmacy's record is a man's: the three are not one person, and nothing is joined.
    let mut env = Env::new();
    stored_apart(&mut env, "male");
    let next = env.write_json(
        "lab2.json",
        &epileptic(&record("l1", LAB, "female", "2026-09-11")),
    );
    let report = env.import_with(&[next], &all_one);
    assert_eq!(report.failed, 1, "{report:#?}");
    let error = report.files[0].error.clone().unwrap_or_default();
    assert!(
        error.contains("sexes differ") && !error.contains('\n'),
        "{error}"
    );
    assert_eq!(env.int("SELECT count(*) FROM patients"), 3);
    assert_eq!(
        env.int("SELECT count(*) FROM audit_log WHERE action = 'import.patient.join'"),
        0
    );
}

/// Three records of one person in one source, stored apart; then the source merges the two
/// older ones into the third (R4 `Patient.link` `replaces` naming both, on the survivor alone,
/// or `replaced-by` on each old record): all three are one patient after that one file.
#[test]
fn a_merge_naming_two_stored_records_joins_both_into_the_survivor() {
    let record = |id: &str, mrn: &str, links: &[(&str, &str)]| {
        let link: Vec<Value> = links
            .iter()
            .map(|(kind, other)| {
                json!({"other": {"reference": format!("Patient/{other}")}, "type": kind})
            })
            .collect();
        let base = person(
            id,
            &[identifier("MR", MRN_SYSTEM, mrn)],
            "Doe",
            "female",
            "1980-05-01",
        );
        if link.is_empty() {
            base
        } else {
            with(base, &json!({"link": link}))
        }
    };
    let survivor_replaces = vec![record(
        "p3",
        "MRN-3",
        &[("replaces", "p1"), ("replaces", "p2")],
    )];
    let each_replaced_by = vec![
        record("p1", "MRN-1", &[("replaced-by", "p3")]),
        record("p2", "MRN-2", &[("replaced-by", "p3")]),
    ];
    for merge in [survivor_replaces, each_replaced_by] {
        let mut env = Env::new();
        for (id, mrn) in [("p1", "MRN-1"), ("p2", "MRN-2"), ("p3", "MRN-3")] {
            let file = env.write_json(&format!("{id}.json"), &epileptic(&record(id, mrn, &[])));
            env.import_ok(&file);
        }
        assert_eq!(env.int("SELECT count(*) FROM patients"), 3);
        let file = env.write_json("merged.json", &bundle("collection", &merge));
        let report = env.import(&[file]);
        assert_eq!(report.failed, 0, "{report:#?}");
        assert_eq!(
            env.rows("SELECT mrn FROM patients"),
            [["MRN-3"]],
            "{merge:#?}\n{report:#?}"
        );
        assert_eq!(
            env.rows(
                "SELECT json_extract(before, '$.mrn') FROM audit_log
                 WHERE action = 'import.patient.join' ORDER BY 1"
            ),
            [["MRN-1"], ["MRN-2"]]
        );
        assert_eq!(
            env.int("SELECT count(*) FROM conditions"),
            3,
            "each record's diagnosis, on the one patient"
        );
    }
}

/// An export whose Patient has no resource id, only a bundle `urn:uuid` made afresh each time
/// (R4 §2.36.0.3: a `urn:uuid` fullUrl is the entry's identity in that bundle alone): `key`
/// is this export's uuid, and each resource names the Patient by it.
fn uuid_export(key: &str, patient: &Value, resources: &[Value]) -> Value {
    let subject = format!("urn:uuid:{key}");
    let mut patient = patient.clone();
    if let Some(fields) = patient.as_object_mut() {
        fields.remove("id");
    }
    let mut all = vec![patient];
    all.extend(resources.iter().map(|resource| {
        let mut resource = resource.clone();
        resource["subject"] = json!({"reference": subject});
        resource
    }));
    let mut file = bundle("collection", &all);
    file["entry"][0]["fullUrl"] = json!(subject);
    file
}

/// A source that sends no Patient.id and a new `urn:uuid` in every export: its complete export
/// (`--replace`) is still the whole record of the record it holds, after that record was
/// joined with another (the source's merge): what an earlier export of the same record filed
/// under its earlier uuid and this one no longer holds is removed, and nothing filed under the
/// other joined record's uuids (review R8-1: each record's export speaks for its own record).
#[test]
fn a_replace_from_a_source_whose_urn_uuids_change_removes_what_its_record_dropped() {
    let replace = ImportOptions {
        replace: true,
        ..Default::default()
    };
    let stored = |env: &Env| -> Vec<String> {
        env.rows("SELECT id FROM fhir_resources WHERE type <> 'Patient' ORDER BY id")
            .concat()
    };
    let (old, new, resources) = merged_records(None, None);
    let (old_half, new_half) = (&resources[..2], &resources[2..]);
    let mut env = Env::new();
    let first_old = env.write_json("old-1.json", &uuid_export("o-1", &old, old_half));
    let first_new = env.write_json("new-1.json", &uuid_export("n-1", &new, new_half));
    env.import_ok(&first_old);
    env.import_ok(&first_new);
    assert_eq!(env.int("SELECT count(*) FROM patients"), 2);
    // The source merges the old record into the new one, naming it by its number.
    let merged_old = with(
        old.clone(),
        &json!({"link": [{"type": "replaced-by",
                          "other": {"identifier": {"system": MRN_SYSTEM, "value": "MRN-NEW"}}}]}),
    );
    let merge = env.write_json("merge.json", &uuid_export("o-2", &merged_old, &[]));
    let report = env.import(&[merge]);
    assert_eq!(report.failed, 0, "{report:#?}");
    assert!(
        warnings(&report).contains("joined MRN MRN-OLD"),
        "{}",
        warnings(&report)
    );
    assert_eq!(stored(&env), ["dx", "lcm", "lev", "ltg"]);

    // The new record's next complete export, under a new uuid, no longer holds lacosamide.
    let next_new = env.write_json("new-2.json", &uuid_export("n-2", &new, &new_half[..1]));
    let report = env.import_with(&[next_new], &replace);
    assert_eq!(report.failed, 0, "{report:#?}");
    assert_eq!(report.files[0].removed, 1, "{report:#?}");
    assert_eq!(stored(&env), ["dx", "lev", "ltg"]);

    // The old record's next complete export no longer holds levetiracetam: only that goes.
    let next_old = env.write_json(
        "old-3.json",
        &uuid_export("o-3", &merged_old, &old_half[..1]),
    );
    let report = env.import_with(&[next_old], &replace);
    assert_eq!(report.failed, 0, "{report:#?}");
    assert_eq!(report.files[0].removed, 1, "{report:#?}");
    assert_eq!(stored(&env), ["dx", "ltg"]);
    assert_eq!(env.int("SELECT count(*) FROM patients"), 1);
}

/// The same source, no join: each export under a new `urn:uuid` is the stored patient's next
/// one (matched on its identifiers, not refused as another record of the source), and its
/// complete export removes what the record no longer holds.
#[test]
fn each_export_under_a_new_urn_uuid_is_the_same_record() {
    let (_, new, resources) = merged_records(None, None);
    let mut env = Env::new();
    env.import_ok(&env.write_json("new-1.json", &uuid_export("n-1", &new, &resources[2..])));
    let next = env.write_json("new-2.json", &uuid_export("n-2", &new, &resources[2..3]));
    let replace = ImportOptions {
        replace: true,
        ..Default::default()
    };
    let report = env.import_with(&[next], &replace);
    assert_eq!(report.failed, 0, "{report:#?}");
    assert_eq!(report.files[0].removed, 1, "{report:#?}");
    assert_eq!(env.int("SELECT count(*) FROM patients"), 1);
    assert_eq!(
        env.rows("SELECT id FROM fhir_resources WHERE type <> 'Patient'"),
        [["ltg"]]
    );
}

/// A file whose joins were made before identifiers kept their record (schema 51): migration 52
/// gives each joined record's identifiers back to it, from the audit row of its join.
#[test]
fn joins_made_before_identifiers_kept_their_record_are_read_from_the_audit_log() {
    let mut env = Env::new();
    let (old, new, resources) = merged_records(None, None);
    let mut apart = vec![old, new];
    apart.extend(resources);
    env.import_ok(&env.write_json("apart.json", &bundle("collection", &apart)));
    let old_id = env.patient_id("MRN-OLD");
    let (merged_old, _, _) = merged_records(Some("replaced-by"), None);
    let report = env.import(&[env.write_json("merged.json", &bundle("collection", &[merged_old]))]);
    assert_eq!(report.failed, 0, "{report:#?}");
    let records = |env: &Env| {
        env.rows(
            "SELECT system, value, coalesce(record, '-') FROM patient_identifiers
             WHERE system NOT LIKE 'urn:refract:patient-server:%' ORDER BY 1, 2",
        )
    };
    let now = records(&env);
    assert!(
        now.contains(&vec![
            MRN_SYSTEM.to_owned(),
            "MRN-OLD".to_owned(),
            old_id.to_string()
        ]),
        "{now:?}"
    );
    super::sql_on(&env.store)
        .execute_batch(
            "ALTER TABLE patient_identifiers DROP COLUMN record;
             DROP TABLE drug_reactions;
             ALTER TABLE drug_exposures DROP COLUMN dose_from;
             ALTER TABLE observations DROP COLUMN reference_ranges;
             DROP TABLE claimed_patient_ids;
             ALTER TABLE fhir_resources DROP COLUMN carried;
             ALTER TABLE patients DROP COLUMN deceased_in;
             ALTER TABLE observations DROP COLUMN interpretation;
             PRAGMA user_version = 51;",
        )
        .unwrap();
    env.store =
        refract::store::Store::open(&env.db(), refract::store::OpenMode::MustExist, "fhir-test")
            .unwrap();
    assert_eq!(records(&env), now);
}

#[test]
fn the_mrn_shown_is_the_number_in_use_not_one_whose_period_ended() {
    // R4 `Identifier.period`: "time period during which identifier is/was valid for use". A
    // record number retired at a merge or a move of hospital system, sent first with its
    // period ended, is not the number the team looks the patient up by: the one still in use
    // is shown, whatever their order (of numbers that all ended, the one that ended last).
    let mut env = Env::new();
    let retired = |value: &str, end: &str| {
        with(
            identifier("MR", MRN_SYSTEM, value),
            &json!({"period": {"start": "2001-01-01", "end": end}}),
        )
    };
    let current = with(
        identifier("MR", MRN_SYSTEM, "NEW-5"),
        &json!({"period": {"start": "2019-01-01"}}),
    );
    let people = [
        person(
            "per-1",
            &[retired("OLD-1", "2019-01-01"), current],
            "Aas",
            "female",
            "1970-01-01",
        ),
        person(
            "per-2",
            &[
                retired("OLD-2", "2015-06-01"),
                retired("OLD-3", "2019-06-01"),
            ],
            "Berg",
            "male",
            "1971-01-01",
        ),
    ];
    let path = env.write_json("periods.json", &bundle("collection", &people));
    env.import_ok(&path);
    assert_eq!(
        env.rows("SELECT family_name, mrn FROM patients ORDER BY family_name"),
        [["Aas", "NEW-5"], ["Berg", "OLD-3"]]
    );
}

/// RR-10: an identifier a record says it no longer goes by (`use` `old`: R4 "the identifier is
/// no longer considered valid") is no match for another person's current identifier: a number
/// given again to someone else, carried as old by the first, never joins the two records.
#[test]
fn an_old_identifier_is_no_match_for_another_patients_current_one() {
    let mut env = Env::new();
    let holder = person(
        "now",
        &[identifier("MR", MRN_SYSTEM, "MRN-77")],
        "Berg",
        "female",
        "1970-01-01",
    );
    let first = env.write_json("first.json", &epileptic(&holder));
    env.import_ok(&first);
    let mut old = identifier("MR", MRN_SYSTEM, "MRN-77");
    old["use"] = json!("old");
    let former = person(
        "then",
        &[identifier("MR", MRN_SYSTEM, "MRN-12"), old],
        "Dahl",
        "male",
        "1944-02-02",
    );
    let second = env.write_json("second.json", &epileptic(&former));
    let report = env.import(&[second]);
    assert_eq!(
        names(&env),
        [
            ["MRN-12", "Dahl", "male", "1944-02-02"],
            ["MRN-77", "Berg", "female", "1970-01-01"]
        ],
        "{}",
        warnings(&report)
    );
}

/// RR-13: a name written as `text` alone (R4 HumanName: "text representation of the full
/// name", no family or given) is the name shown, never an empty one.
#[test]
fn a_name_given_as_text_alone_is_the_name_shown() {
    let mut env = Env::new();
    let mut who = person(
        "text-only",
        &[identifier("MR", MRN_SYSTEM, "MRN-T")],
        "x",
        "female",
        "1980-03-03",
    );
    who["name"] = json!([{"text": "Astrid Nilsen"}]);
    let path = env.write_json("text-name.json", &epileptic(&who));
    env.import_ok(&path);
    assert_eq!(
        env.rows("SELECT family_name || '|' || given_name FROM patients"),
        [["Astrid Nilsen|"]]
    );
}

/// RR-16: an identifier whose `period.end` is given (R4 Identifier.period, "time period when
/// id is/was valid for use") is a number retired, as one marked `old` is, though its `use`
/// says nothing: given again to someone else, it never joins the two records.
#[test]
fn an_identifier_whose_period_ended_is_no_match_for_another_patients_current_one() {
    let mut env = Env::new();
    let holder = person(
        "now",
        &[identifier("MR", MRN_SYSTEM, "MRN-77")],
        "Berg",
        "female",
        "1970-01-01",
    );
    let first = env.write_json("first.json", &epileptic(&holder));
    env.import_ok(&first);
    let mut ended = identifier("MR", MRN_SYSTEM, "MRN-77");
    ended["period"] = json!({"start": "1990-01-01", "end": "2015-06-30"});
    let former = person(
        "then",
        &[identifier("MR", MRN_SYSTEM, "MRN-12"), ended],
        "Dahl",
        "male",
        "1944-02-02",
    );
    let second = env.write_json("second.json", &epileptic(&former));
    let report = env.import(&[second]);
    assert_eq!(
        names(&env),
        [
            ["MRN-12", "Dahl", "male", "1944-02-02"],
            ["MRN-77", "Berg", "female", "1970-01-01"]
        ],
        "{}",
        warnings(&report)
    );
}

/// RR-16: the same person sent again by her hospital under the number it now gives her, her
/// former number beside it with its `period.end`, is still the patient stored (by her Patient
/// id), shown by her current number.
#[test]
fn the_same_patient_with_her_ended_number_beside_her_new_one_is_still_found() {
    let mut env = Env::new();
    let before = person(
        "now",
        &[identifier("MR", MRN_SYSTEM, "MRN-77")],
        "Berg",
        "female",
        "1970-01-01",
    );
    let first = env.write_json("first.json", &epileptic(&before));
    env.import_ok(&first);
    let mut ended = identifier("MR", MRN_SYSTEM, "MRN-77");
    ended["period"] = json!({"end": "2024-01-31"});
    let after = person(
        "now",
        &[ended, identifier("MR", MRN_SYSTEM, "MRN-88")],
        "Berg",
        "female",
        "1970-01-01",
    );
    let second = env.write_json("second.json", &epileptic(&after));
    let report = env.import(&[second]);
    assert_eq!(
        names(&env),
        [["MRN-88", "Berg", "female", "1970-01-01"]],
        "{}",
        warnings(&report)
    );
}
