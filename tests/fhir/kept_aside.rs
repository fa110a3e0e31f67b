//! Records kept aside for a Patient id no import has brought (an incremental export imported
//! without its `--source`): the next Patient of that id in that source takes them only when
//! nothing they say of their patient names someone else, every such attachment is audited and
//! said, and the same records imported again under their own source leave the copies kept
//! aside.

use std::path::PathBuf;

use refract::import::{ImportOptions, ImportReport};
use serde_json::{Value, json};

use super::{Env, LEVETIRACETAM, condition, statement, with};

const NORTH: &str = "https://north.example/mrn";
const SOUTH: &str = "https://south.example/mrn";

fn person(id: &str, system: &str, mrn: &str, family: &str, given: &str) -> Value {
    json!({
        "resourceType": "Patient",
        "id": id,
        "identifier": [{
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                                 "code": "MR"}]},
            "system": system, "value": mrn
        }],
        "name": [{"use": "official", "family": family, "given": [given]}],
        "gender": "female",
        "birthDate": "1960-04-02"
    })
}

fn ndjson(env: &Env, path: &str, resources: &[Value]) {
    let mut text = String::new();
    for resource in resources {
        text.push_str(&serde_json::to_string(resource).unwrap());
        text.push('\n');
    }
    env.write_bytes(path, text.as_bytes());
}

fn import(env: &mut Env, folder: &str, source: Option<&str>) -> ImportReport {
    let path = env.path(folder);
    let report = env.import_with(
        &[path],
        &ImportOptions {
            source: source.map(str::to_owned),
            ..Default::default()
        },
    );
    assert_eq!(report.failed, 0, "{report:#?}");
    report
}

/// North's first export: Anna with epilepsy, under Patient/p1.
fn north_first(env: &Env) {
    ndjson(
        env,
        "north/e1/Patient.ndjson",
        &[person("p1", NORTH, "N1001", "Kowalski", "Anna")],
    );
    ndjson(
        env,
        "north/e1/Condition.ndjson",
        &[condition(
            "c1",
            "Patient/p1",
            "http://hl7.org/fhir/sid/icd-10",
            "G40.909",
            "Epilepsy",
        )],
    );
}

/// North's incremental export: a drug record of Patient/p1, no Patient; `subject` is the
/// reference it is written with.
fn north_second(env: &Env, subject: &Value) {
    let drug = with(
        statement(
            "m-lev",
            "Patient/p1",
            LEVETIRACETAM,
            "active",
            "2026-01-10",
            None,
        ),
        &json!({"subject": subject}),
    );
    let other = with(
        condition(
            "c2",
            "Patient/p1",
            "http://hl7.org/fhir/sid/icd-10",
            "I10",
            "Hypertension",
        ),
        &json!({"subject": {"reference": "Patient/p1"}}),
    );
    ndjson(env, "north/e2/MedicationStatement.ndjson", &[drug]);
    ndjson(env, "north/e2/Condition.ndjson", &[other]);
}

/// South's export, another hospital's Patient/p1: Jan Berg.
fn south(env: &Env) {
    ndjson(
        env,
        "south/Patient.ndjson",
        &[person("p1", SOUTH, "S-555", "Berg", "Jan")],
    );
    ndjson(
        env,
        "south/Condition.ndjson",
        &[condition(
            "sc1",
            "Patient/p1",
            "http://hl7.org/fhir/sid/icd-10",
            "I10",
            "Hypertension",
        )],
    );
}

fn drugs_of(env: &Env, mrn: &str) -> Vec<Vec<String>> {
    env.rows(&format!(
        "SELECT d.text FROM drug_exposures d JOIN patients p ON p.id = d.patient_id
         WHERE p.mrn = '{mrn}' ORDER BY d.text"
    ))
}

fn warnings(report: &ImportReport) -> Vec<String> {
    report
        .files
        .iter()
        .flat_map(|f| f.warnings.iter())
        .chain(report.notices.iter())
        .map(|w| format!("{}: {}", w.resource, w.message))
        .collect()
}

fn check(env: &Env) -> String {
    let output = super::refract()
        .arg("--db")
        .arg(env.db())
        .arg("check")
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn audit(env: &Env, action: &str) -> Vec<Vec<String>> {
    env.rows(&format!(
        "SELECT coalesce(patient_id, '-'), after FROM audit_log WHERE action = '{action}'"
    ))
}

#[test]
fn records_that_say_nothing_of_their_patient_attach_with_an_audit_and_a_warning_and_leave_when_imported_under_their_source()
 {
    let mut env = Env::new();
    north_first(&env);
    import(&mut env, "north/e1", Some("north"));
    north_second(&env, &json!({"reference": "Patient/p1"}));
    // --source forgotten: Patient/p1 of the unnamed source is no one yet.
    import(&mut env, "north/e2", None);
    assert!(
        check(&env).contains("waits for Patient/p1"),
        "{}",
        check(&env)
    );
    south(&env);
    let report = import(&mut env, "south", None);
    // Given to Jan, who came under that id, but said and audited: nothing in them names anyone.
    let said = warnings(&report);
    assert!(
        said.iter().any(|w| w.contains("2 record(s) kept aside")
            && w.contains("attached to Jan Berg (MRN S-555)")
            && w.contains("nothing in them says whose they are")
            && w.contains("--source")),
        "{said:#?}"
    );
    let attached = audit(&env, "import.kept_aside.attached");
    assert_eq!(attached.len(), 1, "{attached:?}");
    assert_eq!(attached[0][0], env.patient_id("S-555").to_string());
    assert!(
        attached[0][1].contains("north/e2/MedicationStatement.ndjson")
            && attached[0][1].contains("MedicationStatement/m-lev"),
        "{attached:?}"
    );
    assert_eq!(drugs_of(&env, "S-555").len(), 1);
    // The same export imported again with its own source: the copies leave Jan.
    let report = import(&mut env, "north/e2", Some("north"));
    assert!(
        warnings(&report)
            .iter()
            .any(|w| w.contains("2 copy(ies) an earlier import kept aside")),
        "{:#?}",
        warnings(&report)
    );
    assert!(drugs_of(&env, "S-555").is_empty());
    assert_eq!(drugs_of(&env, "N1001").len(), 1);
    assert_eq!(
        env.int(
            "SELECT count(*) FROM conditions c JOIN patients p ON p.id = c.patient_id
             WHERE p.mrn = 'S-555'"
        ),
        1,
        "Jan keeps his own diagnosis only"
    );
    assert_eq!(audit(&env, "import.kept_aside.dropped").len(), 2);
    let said = check(&env);
    assert!(!said.contains("wait"), "{said}");
}

#[test]
fn records_whose_file_names_another_patient_stay_aside_and_check_says_why() {
    let mut env = Env::new();
    north_first(&env);
    import(&mut env, "north/e1", Some("north"));
    // One record of the file names its patient; the other, of the same Patient id, does not.
    north_second(
        &env,
        &json!({"reference": "Patient/p1", "display": "Anna Kowalski"}),
    );
    import(&mut env, "north/e2", None);
    south(&env);
    let report = import(&mut env, "south", None);
    let said = warnings(&report);
    assert!(
        said.iter()
            .any(|w| w.contains("not attached to Jan Berg") && w.contains("\"Anna Kowalski\"")),
        "{said:#?}"
    );
    assert!(drugs_of(&env, "S-555").is_empty());
    assert_eq!(
        env.int(
            "SELECT count(*) FROM conditions c JOIN patients p ON p.id = c.patient_id
             WHERE p.mrn = 'S-555'"
        ),
        1,
        "the file's other record of Patient/p1 stays aside too"
    );
    assert!(audit(&env, "import.kept_aside.attached").is_empty());
    assert_eq!(audit(&env, "import.kept_aside.held").len(), 1);
    let said = check(&env);
    assert!(
        said.contains("MedicationStatement/m-lev of the unnamed source")
            && said.contains("is kept aside: Patient/p1 came, but")
            && said.contains("Anna Kowalski"),
        "{said}"
    );
    // Imported under their own source, they leave the unnamed one: nothing waits.
    import(&mut env, "north/e2", Some("north"));
    assert_eq!(drugs_of(&env, "N1001").len(), 1);
    let said = check(&env);
    assert!(!said.contains("kept aside"), "{said}");
    assert!(!said.contains("wait"), "{said}");
}

#[test]
fn an_identifier_in_the_patients_own_system_decides_whose_the_records_are() {
    for (mrn, attached) in [("S-555", true), ("S-999", false)] {
        let mut env = Env::new();
        north_second(
            &env,
            &json!({"reference": "Patient/p1",
                    "identifier": {"system": SOUTH, "value": mrn},
                    "display": "J. Berg"}),
        );
        import(&mut env, "north/e2", None);
        south(&env);
        let report = import(&mut env, "south", None);
        assert_eq!(
            drugs_of(&env, "S-555").len(),
            usize::from(attached),
            "{mrn}: {:#?}",
            warnings(&report)
        );
        let named = warnings(&report).iter().any(|w| {
            w.contains(&format!("they name the patient {SOUTH}|S-555"))
                || w.contains("they name their patient")
        });
        assert!(named, "{mrn}: {:#?}", warnings(&report));
    }
}

#[test]
fn the_files_own_records_of_a_new_patient_are_not_weighed_as_kept_aside() {
    let mut env = Env::new();
    north_first(&env);
    let files: Vec<PathBuf> = vec![env.path("north/e1")];
    let report = env.import(&files);
    assert!(warnings(&report).is_empty(), "{:#?}", warnings(&report));
    assert!(audit(&env, "import.kept_aside.attached").is_empty());
    assert_eq!(env.int("SELECT count(*) FROM kept_aside"), 0);
}
