//! Bulk Data exports as hospitals send them: one NDJSON file per resource type, Medications in
//! a file of their own and referred to from the medication records, references as `Type/id`.
//! Re-importing a folder in which one file changed changes exactly what changed; two people
//! who share an MRN value under two identifier systems stay two people.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use refract::demo::{self, DemoOptions};
use refract::domain::{PatientId, ReviewDecision};
use refract::import::{FileOutcome, ImportOptions};
use refract::store::{OpenMode, Store};
use serde_json::{Value, json};

use super::{
    Env, ICD10, LEVETIRACETAM, RXNORM, bundle, cli_import, condition, patient, reason, refract,
    statement, today, with,
};

/// A demo database of `patients` exported as a FHIR bundle and split the way `$export` writes
/// it into `folder`: `<Type>.ndjson` per resource type, references rewritten from bundle URLs
/// to `Type/id`, and each drug a Medication resource of its own (in `Medication.ndjson`)
/// referred to by the medication records.
fn bulk_export(env: &Env, folder: &Path, patients: u64) -> PathBuf {
    let source = env.path(&format!("bulk-source-{patients}.db"));
    if !source.exists() {
        demo::create(
            &source,
            &DemoOptions {
                patients,
                seed: 7,
                today: today(),
            },
            &env.rules,
        )
        .unwrap();
    }
    let demo_store = Store::open(&source, OpenMode::MustExist, "test").unwrap();
    let ids: Vec<PatientId> = (1..=patients as i64).map(PatientId).collect();
    let mut out = Vec::new();
    refract::fhir::write_bundle(&demo_store, &ids, &mut out).unwrap();
    let exported: Value = serde_json::from_slice(&out).unwrap();
    split_bundle(&exported, folder);
    folder.to_owned()
}

/// Writes a bundle's resources as NDJSON files, one per type, as a Bulk export would.
fn split_bundle(exported: &Value, folder: &Path) {
    std::fs::create_dir_all(folder).unwrap();
    let entries = exported["entry"].as_array().unwrap();
    let mut by_url: BTreeMap<String, String> = BTreeMap::new();
    for entry in entries {
        let resource = &entry["resource"];
        if let (Some(url), Some(kind), Some(id)) = (
            entry["fullUrl"].as_str(),
            resource["resourceType"].as_str(),
            resource["id"].as_str(),
        ) {
            by_url.insert(url.to_owned(), format!("{kind}/{id}"));
        }
    }
    let mut files: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut medications: BTreeMap<String, Value> = BTreeMap::new();
    for entry in entries {
        let mut text = serde_json::to_string(&entry["resource"]).unwrap();
        for (url, reference) in &by_url {
            text = text.replace(&format!("\"{url}\""), &format!("\"{reference}\""));
        }
        let mut resource: Value = serde_json::from_str(&text).unwrap();
        let kind = resource["resourceType"].as_str().unwrap().to_owned();
        if let Some(concept) = resource
            .as_object_mut()
            .and_then(|r| r.remove("medicationCodeableConcept"))
        {
            let id = format!("med-{}", medications.len() + 1);
            let id = medications
                .iter()
                .find(|(_, m)| m["code"] == concept)
                .map_or(id, |(existing, _)| existing.clone());
            medications.entry(id.clone()).or_insert_with(
                || json!({"resourceType": "Medication", "id": id, "code": concept}),
            );
            resource["medicationReference"] = json!({"reference": format!("Medication/{id}")});
        }
        files
            .entry(kind)
            .or_default()
            .push(serde_json::to_string(&resource).unwrap());
    }
    files.insert(
        String::from("Medication"),
        medications
            .values()
            .map(|m| serde_json::to_string(m).unwrap())
            .collect(),
    );
    for (kind, lines) in files {
        std::fs::write(
            folder.join(format!("{kind}.ndjson")),
            lines.join("\n") + "\n",
        )
        .unwrap();
    }
}

/// Rewrites the lines of one NDJSON file of `folder` with `change`.
fn edit(folder: &Path, file: &str, mut change: impl FnMut(&mut Vec<Value>)) {
    let path = folder.join(file);
    let mut lines: Vec<Value> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    change(&mut lines);
    let text: Vec<String> = lines
        .iter()
        .map(|l| serde_json::to_string(l).unwrap())
        .collect();
    std::fs::write(path, text.join("\n") + "\n").unwrap();
}

/// What a database holds, patient by patient, without row ids: the clinical rows, the derived
/// lines and the assessments.
fn contents(env: &Env) -> Vec<Vec<String>> {
    let mut all = Vec::new();
    for sql in [
        "SELECT p.mrn, p.family_name, p.given_name, p.birth_date, p.sex FROM patients p ORDER BY 1",
        "SELECT p.mrn, c.system, c.code, c.display, coalesce(c.onset, '-'), c.source
         FROM conditions c JOIN patients p ON p.id = c.patient_id ORDER BY 1, 2, 3, 5",
        "SELECT p.mrn, d.text, d.start, coalesce(d.end, '-'), coalesce(d.stop_reason, '-'),
                coalesce(d.dose_value, '-'), d.source
         FROM drug_exposures d JOIN patients p ON p.id = d.patient_id ORDER BY 1, 3, 2, 4",
        "SELECT p.mrn, o.code, o.effective, coalesce(o.value, '-'), coalesce(o.value_code, '-')
         FROM observations o JOIN patients p ON p.id = o.patient_id ORDER BY 1, 2, 3, 4",
        "SELECT p.mrn, r.code, r.performed FROM procedures r JOIN patients p ON p.id = r.patient_id
         ORDER BY 1, 2, 3",
        "SELECT p.mrn, l.ruleset, l.number, l.regimen, l.start, coalesce(l.end, '-')
         FROM treatment_lines l JOIN patients p ON p.id = l.patient_id ORDER BY 1, 2, 3",
        "SELECT p.mrn, a.ruleset, a.status, a.label, a.fingerprint
         FROM assessments a JOIN patients p ON p.id = a.patient_id ORDER BY 1, 2",
    ] {
        all.extend(env.rows(sql));
    }
    all
}

fn clinical_counts(env: &Env) -> [i64; 5] {
    [
        env.int("SELECT count(*) FROM patients"),
        env.int("SELECT count(*) FROM conditions"),
        env.int("SELECT count(*) FROM drug_exposures"),
        env.int("SELECT count(*) FROM observations"),
        env.int("SELECT count(*) FROM assessments"),
    ]
}

#[test]
fn a_changed_patient_file_changes_demographics_and_keeps_every_clinical_row() {
    let mut env = Env::new();
    let folder = bulk_export(&env, &env.path("export"), 50);
    let report = env.import(std::slice::from_ref(&folder));
    assert_eq!(report.failed, 0, "{report:#?}");
    assert_eq!(report.warnings, 0, "{report:#?}");
    let before = clinical_counts(&env);
    assert_eq!(before[0], 50);
    assert!(
        before[1] >= 50 && before[2] >= 100 && before[3] >= 500,
        "{before:?}"
    );
    // The drugs came through their Medication resources, in another file.
    assert_eq!(
        env.int("SELECT count(*) FROM drug_exposures WHERE text LIKE 'unidentified%'"),
        0
    );

    // One family name changes in Patient.ndjson; the other files are the same bytes.
    let mut changed_mrn = String::new();
    edit(&folder, "Patient.ndjson", |lines| {
        lines[3]["name"][0]["family"] = json!("Okafor-Bell");
        changed_mrn = lines[3]["identifier"][0]["value"]
            .as_str()
            .unwrap()
            .to_owned();
    });
    let report = env.import(std::slice::from_ref(&folder));
    assert_eq!(report.failed, 0, "{report:#?}");
    let patients_file = report
        .files
        .iter()
        .find(|f| f.path.ends_with("Patient.ndjson"))
        .unwrap();
    assert_eq!(patients_file.outcome, FileOutcome::Imported);
    assert_eq!(patients_file.demographics_changed, 1);
    // The other files are read again (a change since their import may be theirs to undo) and
    // change nothing.
    for file in report
        .files
        .iter()
        .filter(|f| !f.path.ends_with("Patient.ndjson"))
    {
        assert_eq!(
            (file.added, file.updated, file.removed),
            (0, 0, 0),
            "{file:#?}"
        );
    }
    assert_eq!(clinical_counts(&env), before, "nothing clinical lost");
    assert_eq!(
        env.rows(&format!(
            "SELECT family_name FROM patients WHERE mrn = '{changed_mrn}'"
        )),
        [["Okafor-Bell"]]
    );
    let audit =
        env.rows("SELECT before, after FROM audit_log WHERE action = 'import.patient.update'");
    assert_eq!(audit.len(), 1);
    assert!(audit[0][1].contains("Okafor-Bell"), "{audit:?}");

    // A file holding only Patient resources never removes clinical data, whatever it holds.
    let lone = env.path("just-patients");
    std::fs::create_dir_all(&lone).unwrap();
    std::fs::copy(folder.join("Patient.ndjson"), lone.join("Patient.ndjson")).unwrap();
    edit(&lone, "Patient.ndjson", |lines| lines.truncate(5));
    env.import(std::slice::from_ref(&lone));
    assert_eq!(clinical_counts(&env), before);
}

#[test]
fn one_changed_resource_changes_exactly_that_and_equals_a_fresh_import() {
    let mut env = Env::new();
    let folder = bulk_export(&env, &env.path("export"), 30);
    env.import(std::slice::from_ref(&folder));
    let first = contents(&env);

    // One observation's value changes in Observation.ndjson.
    let mut changed = (String::new(), String::new());
    edit(&folder, "Observation.ndjson", |lines| {
        let line = lines
            .iter_mut()
            .find(|l| l["valueQuantity"]["value"].is_number())
            .unwrap();
        let value = line["valueQuantity"]["value"].as_f64().unwrap();
        line["valueQuantity"]["value"] = json!(value + 7.0);
        changed = (
            line["id"].as_str().unwrap().to_owned(),
            line["code"]["coding"][0]["code"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    });
    let report = env.import(std::slice::from_ref(&folder));
    let observations = report
        .files
        .iter()
        .find(|f| f.path.ends_with("Observation.ndjson"))
        .unwrap();
    assert_eq!(
        (
            observations.updated,
            observations.added,
            observations.removed
        ),
        (1, 0, 0),
        "{observations:#?}"
    );
    let second = contents(&env);
    let differences: Vec<_> = second.iter().filter(|row| !first.contains(row)).collect();
    assert!(
        !differences.is_empty()
            && differences
                .iter()
                .all(|row| row.contains(&changed.1) || row.len() == 5),
        "only the observation (and an assessment reading it) changed: {differences:#?}"
    );
    assert_eq!(
        env.rows(&format!(
            "SELECT count(*) FROM audit_log WHERE action = 'import.resource.update'
             AND before LIKE '%{}%'",
            changed.0
        )),
        [["1"]],
        "the update is audited with what it replaced"
    );

    // A fresh database importing the changed export holds exactly the same.
    let mut fresh = Env::new();
    fresh.import(std::slice::from_ref(&folder));
    assert_eq!(contents(&fresh), second);
}

#[test]
fn files_refer_to_each_other_whatever_their_order_and_across_runs() {
    let mut env = Env::new();
    let folder = bulk_export(&env, &env.path("export"), 20);
    let mut reference = Env::new();
    reference.import(std::slice::from_ref(&folder));

    // The medication records first, alone, in a run of their own: their drugs are not known
    // yet (and the patients neither: the records wait for them).
    let report = env.import(&[folder.join("MedicationStatement.ndjson")]);
    assert_eq!(report.failed, 0, "{report:#?}");
    assert!(report.waiting > 0);
    assert_eq!(env.int("SELECT count(*) FROM patients"), 0);
    // Then the rest, in reverse order of name.
    let mut rest: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.ends_with("MedicationStatement.ndjson"))
        .collect();
    rest.sort();
    rest.reverse();
    for file in rest {
        let report = env.import(&[file]);
        assert_eq!(report.failed, 0, "{report:#?}");
    }
    assert_eq!(
        env.int("SELECT count(*) FROM drug_exposures WHERE text LIKE 'unidentified%'"),
        0
    );
    assert_eq!(contents(&env), contents(&reference));
}

#[test]
fn two_people_with_one_mrn_value_under_two_systems_stay_two() {
    let mut env = Env::new();
    let first = with(
        patient("a-1", "100234", "Okafor", "Ada"),
        &json!({
            "identifier": [{
                "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]},
                "system": "https://north-hospital.example/mrn",
                "value": "100234"
            }],
            "gender": "female",
            "birthDate": "1961-03-02"
        }),
    );
    let levetiracetam = with(
        statement(
            "a-lev",
            "urn:uuid:a-1",
            LEVETIRACETAM,
            "stopped",
            "2022-01-10",
            Some("2022-06-01"),
        ),
        &json!({"statusReason": [reason("266721009", "No response to treatment")]}),
    );
    let epilepsy = condition("a-dx", "urn:uuid:a-1", ICD10, "G40.909", "Epilepsy");
    let a = env.write_json(
        "north.json",
        &bundle("collection", &[first, epilepsy, levetiracetam]),
    );
    env.import_ok(&a);
    let ada = env.patient_id("100234");
    env.store
        .review(
            PatientId(ada),
            "epilepsy",
            ReviewDecision::Confirmed,
            "reviewed in clinic",
            today(),
        )
        .unwrap();
    let drugs_of_ada = env.rows(&format!(
        "SELECT text FROM drug_exposures WHERE patient_id = {ada}"
    ));
    assert_eq!(drugs_of_ada.len(), 1);

    // Another hospital, another system, the same number: another person.
    let second = with(
        patient("b-9", "100234", "Silva", "Bruno"),
        &json!({
            "identifier": [{
                "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]},
                "system": "https://south-clinic.example/patients",
                "value": "100234"
            }],
            "gender": "male",
            "birthDate": "1990-11-20"
        }),
    );
    let b = env.write_json("south.json", &bundle("collection", &[second]));
    let report = env.import_with(
        std::slice::from_ref(&b),
        &ImportOptions {
            source: Some(String::from("south")),
            ..ImportOptions::default()
        },
    );
    assert_eq!(report.imported, 1, "{report:#?}");
    assert_eq!(
        env.int("SELECT count(*) FROM patients WHERE mrn = '100234'"),
        2
    );
    assert_eq!(
        env.rows(&format!(
            "SELECT family_name, sex, birth_date, mrn_system FROM patients WHERE id = {ada}"
        )),
        [[
            "Okafor",
            "female",
            "1961-03-02",
            "https://north-hospital.example/mrn"
        ]]
    );
    assert_eq!(
        env.rows(&format!(
            "SELECT text FROM drug_exposures WHERE patient_id = {ada}"
        )),
        drugs_of_ada
    );
    assert_eq!(
        env.int(&format!(
            "SELECT count(*) FROM reviews WHERE patient_id = {ada}"
        )),
        env.int("SELECT count(*) FROM reviews"),
        "the review stays on her record"
    );
    assert_eq!(
        env.int("SELECT count(*) FROM audit_log WHERE action = 'import.patient.update'"),
        0,
        "nobody was overwritten"
    );

    // On the command line, the number alone is ambiguous; SYSTEM|NUMBER names each.
    let output = super::refract()
        .arg("--db")
        .arg(env.db())
        .args(["show", "100234"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("2 patients have MRN 100234")
            && stderr.contains("'https://north-hospital.example/mrn|100234'")
            && stderr.contains("'https://south-clinic.example/patients|100234'"),
        "{stderr}"
    );
    let output = super::refract()
        .arg("--db")
        .arg(env.db())
        .args([
            "show",
            "https://north-hospital.example/mrn|100234",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let shown: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(shown["patient"]["family_name"], "Okafor", "{shown}");

    // Without a source name, the second file is still another system's number: the same.
    let mut plain = Env::new();
    plain.import_ok(&a);
    plain.import_ok(&b);
    assert_eq!(plain.int("SELECT count(*) FROM patients"), 2);

    // Two systems declared equivalent make one person of the same number.
    let mut merged = Env::new();
    merged.import_ok(&a);
    let report = merged.import_with(
        std::slice::from_ref(&b),
        &ImportOptions {
            equivalent_systems: vec![vec![
                String::from("https://north-hospital.example/mrn"),
                String::from("https://south-clinic.example/patients"),
            ]],
            source: Some(String::from("south")),
            ..ImportOptions::default()
        },
    );
    assert_eq!(report.imported, 1, "{report:#?}");
    assert_eq!(merged.int("SELECT count(*) FROM patients"), 1);
}

#[test]
fn the_fhir_export_keeps_two_people_with_one_mrn_value_apart() {
    // Each MRN with its system, and resources named by both: importing the export gives two
    // people again (not one carrying the other's diagnosis). Into the file it came from, its
    // patients are known under their source's ids: the file is refused, naming both records,
    // rather than adding everyone a second time.
    let env = Env::new();
    let person = |id: &str, system: &str, family: &str, gender: &str| {
        with(
            patient(id, "100234", family, "A."),
            &json!({
                "identifier": [{
                    "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]},
                    "system": system,
                    "value": "100234"
                }],
                "gender": gender,
                "birthDate": "1961-03-02"
            }),
        )
    };
    let north = person("n-1", "https://north.example/mrn", "North", "female");
    let south = person("s-1", "https://south.example/mrn", "South", "male");
    let epilepsy = condition("n-dx", "urn:uuid:n-1", ICD10, "G40.909", "Epilepsy");
    let file = env.write_json("two.json", &bundle("collection", &[north, south, epilepsy]));
    let origin = env.path("origin.db");
    let (code, _, stderr) = cli_import(&origin, &[file]);
    assert_eq!(code, 0, "{stderr}");

    let exported = env.path("two.fhir.json");
    let output = refract()
        .arg("--db")
        .arg(&origin)
        .args(["export", "--format", "fhir", "--out"])
        .arg(&exported)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");

    let diagnoses = |db: &Path| {
        let conn = rusqlite::Connection::open(db).unwrap();
        let mut stmt = conn
            .prepare(
                "SELECT p.family_name, p.mrn_system, count(c.id) FROM patients p
                 LEFT JOIN conditions c ON c.patient_id = p.id
                 GROUP BY p.id ORDER BY p.family_name",
            )
            .unwrap();
        stmt.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, i64>(2)?,
            ))
        })
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
    };
    let expected = vec![
        (
            String::from("North"),
            String::from("https://north.example/mrn"),
            1,
        ),
        (
            String::from("South"),
            String::from("https://south.example/mrn"),
            0,
        ),
    ];
    assert_eq!(diagnoses(&origin), expected);

    let fresh = env.path("fresh.db");
    let (code, _, stderr) = cli_import(&fresh, std::slice::from_ref(&exported));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(diagnoses(&fresh), expected, "a fresh file from the export");

    // Refused back into its own file: the bundle says the file made it.
    let (code, _, stderr) = cli_import(&origin, &[exported]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("this file's own FHIR export"), "{stderr}");
    assert_eq!(
        diagnoses(&origin),
        expected,
        "the export back into its own file"
    );
}

/// The Medication a record points at, and the drug text that Medication gives.
fn medication_of(line: &Value) -> String {
    line["medicationReference"]["reference"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn a_record_pointed_at_another_medication_is_updated_like_any_other_change() {
    let mut env = Env::new();
    let folder = bulk_export(&env, &env.path("export"), 12);
    env.import(std::slice::from_ref(&folder));
    let first = contents(&env);

    // The source corrects one record: the same statement now points at another Medication,
    // and nothing else of it changes.
    let mut corrected = String::new();
    edit(&folder, "MedicationStatement.ndjson", |lines| {
        let pointed: Vec<String> = lines.iter().map(medication_of).collect();
        let (index, other) = pointed
            .iter()
            .enumerate()
            .find_map(|(index, own)| {
                pointed
                    .iter()
                    .find(|other| *other != own)
                    .map(|other| (index, other.clone()))
            })
            .unwrap();
        corrected = lines[index]["id"].as_str().unwrap().to_owned();
        lines[index]["medicationReference"]["reference"] = json!(other);
    });
    let report = env.import(std::slice::from_ref(&folder));
    let statements = report
        .files
        .iter()
        .find(|f| f.path.ends_with("MedicationStatement.ndjson"))
        .unwrap();
    assert_eq!(
        (statements.updated, statements.added, statements.removed),
        (1, 0, 0),
        "{statements:#?}"
    );
    let second = contents(&env);
    assert_ne!(second, first, "the drug changed");
    assert_eq!(
        env.int(&format!(
            "SELECT count(*) FROM audit_log WHERE action = 'import.resource.update'
             AND patient_id IS NOT NULL AND after LIKE '%{corrected}%'"
        )),
        1,
        "the correction is audited on the patient"
    );
    let mut fresh = Env::new();
    fresh.import(std::slice::from_ref(&folder));
    assert_eq!(contents(&fresh), second);
}

#[test]
fn a_changed_medication_is_audited_on_every_patient_whose_drug_it_changes() {
    let mut env = Env::new();
    let folder = bulk_export(&env, &env.path("export"), 12);
    env.import(std::slice::from_ref(&folder));

    // The source re-codes one Medication (levetiracetam's record now says lacosamide, say):
    // every patient whose records point at it has another drug now.
    let mut recoded = String::new();
    edit(&folder, "Medication.ndjson", |lines| {
        recoded = lines[0]["id"].as_str().unwrap().to_owned();
        lines[0]["code"] = lines[1]["code"].clone();
    });
    let pointing: Vec<String> = std::fs::read_to_string(folder.join("MedicationStatement.ndjson"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| medication_of(l) == format!("Medication/{recoded}"))
        .map(|l| l["subject"]["reference"].as_str().unwrap().to_owned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(!pointing.is_empty());
    let report = env.import(std::slice::from_ref(&folder));
    assert_eq!(report.failed, 0, "{report:#?}");
    let audited = env.int(&format!(
        "SELECT count(DISTINCT patient_id) FROM audit_log
         WHERE action = 'import.resource.update' AND patient_id IS NOT NULL
         AND before LIKE '%{recoded}%'"
    ));
    assert_eq!(
        usize::try_from(audited).unwrap(),
        pointing.len(),
        "each patient's drug change is in the log with what it replaced"
    );
}

/// One line of a Bulk Data deleted-resources file (Bulk Data IG: a transaction Bundle of one
/// `DELETE` per resource, no time).
fn deletion_line(reference: &str) -> String {
    json!({
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [{"request": {"method": "DELETE", "url": reference}}]
    })
    .to_string()
}

fn ndjson(lines: &[String]) -> Vec<u8> {
    let mut text = lines.join("\n");
    text.push('\n');
    text.into_bytes()
}

/// A resource deleted then re-created at the server between two exports: the second export
/// lists the deletion (`deleted`) and the resource again (`output`). The re-created resource
/// stays, whichever file the folder lists first; a deleted resource the export does not hold
/// is removed; a Medication too.
#[test]
fn a_resource_deleted_and_created_again_in_one_export_is_kept_whatever_the_files_order() {
    let resources = |env: &Env| {
        env.rows("SELECT type || '/' || id FROM fhir_resources ORDER BY 1")
            .concat()
    };
    // Each layout names the deleted file so that it sorts before, then after, the output.
    for deleted_name in [
        "a-deleted.ndjson",
        "deleted/Condition.ndjson",
        "Condition.deleted.ndjson",
        "zz-deleted.ndjson",
    ] {
        let mut env = Env::new();
        let options = ImportOptions {
            source: Some("https://ehr.example.org/fhir".to_owned()),
            ..ImportOptions::default()
        };
        let person = serde_json::to_string(&patient("p-del", "DEL-1", "Varga", "Ilona")).unwrap();
        let kept = serde_json::to_string(&condition(
            "c-kept",
            "Patient/p-del",
            ICD10,
            "G40.909",
            "Epilepsy",
        ))
        .unwrap();
        let gone = serde_json::to_string(&condition(
            "c-gone",
            "Patient/p-del",
            ICD10,
            "I10",
            "Essential hypertension",
        ))
        .unwrap();
        let medication = json!({
            "resourceType": "Medication", "id": "m-again",
            "code": {"coding": [{"system": RXNORM, "code": "114477", "display": "levetiracetam"}]}
        })
        .to_string();
        env.write_bytes(
            "first/Patient.ndjson",
            &ndjson(std::slice::from_ref(&person)),
        );
        env.write_bytes("first/Condition.ndjson", &ndjson(&[kept.clone(), gone]));
        env.write_bytes(
            "first/Medication.ndjson",
            &ndjson(std::slice::from_ref(&medication)),
        );
        let report = env.import_with(&[env.path("first")], &options);
        assert_eq!(report.failed, 0, "{report:#?}");
        assert_eq!(
            resources(&env),
            ["Condition/c-gone", "Condition/c-kept", "Medication/m-again"]
        );
        let conditions_before = env.int("SELECT count(*) FROM conditions");
        assert_eq!(conditions_before, 2);

        // The second export: c-kept and m-again deleted and created again (the same content,
        // so the output files are the bytes the first import read), c-gone deleted for good.
        env.write_bytes(
            "second/Condition.ndjson",
            &ndjson(std::slice::from_ref(&kept)),
        );
        env.write_bytes(
            "second/Medication.ndjson",
            &ndjson(std::slice::from_ref(&medication)),
        );
        env.write_bytes(
            &format!("second/{deleted_name}"),
            &ndjson(&[
                deletion_line("Condition/c-kept"),
                deletion_line("Condition/c-gone"),
                deletion_line("Medication/m-again"),
            ]),
        );
        let report = env.import_with(&[env.path("second")], &options);
        assert_eq!(report.failed, 0, "{deleted_name}: {report:#?}");
        assert_eq!(
            env.int(
                "SELECT count(*) FROM fhir_resources WHERE type = 'Condition' AND id = 'c-kept'"
            ),
            1,
            "{deleted_name}: the re-created condition is gone: {:?}",
            resources(&env)
        );
        assert_eq!(
            env.int("SELECT count(*) FROM fhir_resources WHERE type = 'Medication'"),
            1,
            "{deleted_name}: the re-created medication is gone"
        );
        assert_eq!(
            env.int("SELECT count(*) FROM fhir_resources WHERE id = 'c-gone'"),
            0,
            "{deleted_name}: a deletion of a resource not in the output removes it"
        );
        assert_eq!(
            env.int("SELECT count(*) FROM conditions"),
            1,
            "{deleted_name}"
        );
    }
}

/// Two successive exports in one folder, imported in one run: the later export's deletions
/// come after the earlier export's output, so a resource deleted since the first export goes.
/// Each export's deleted files still come before its own output (a resource deleted and
/// created again in the later export stays), however they are laid out: a file of `DELETE`s
/// named as an output file, a `deleted` subfolder, the reference server's `N.Type.deleted.ndjson`.
#[test]
fn a_later_exports_deletions_apply_after_an_earlier_exports_output_in_one_run() {
    for deleted_name in [
        "Condition.ndjson",
        "deleted/Condition.ndjson",
        "1.Condition.deleted.ndjson",
        "a_deleted.ndjson",
    ] {
        let mut env = Env::new();
        let options = ImportOptions {
            source: Some("https://ehr.example.org/fhir".to_owned()),
            ..ImportOptions::default()
        };
        let person = serde_json::to_string(&patient("p-two", "TWO-1", "Horvat", "Ana")).unwrap();
        let line = |id: &str, code: &str| {
            serde_json::to_string(&condition(id, "Patient/p-two", ICD10, code, "a condition"))
                .unwrap()
        };
        env.write_bytes(
            "exports/e1_2026-11-01/Patient.ndjson",
            &ndjson(std::slice::from_ref(&person)),
        );
        env.write_bytes(
            "exports/e1_2026-11-01/Condition.ndjson",
            &ndjson(&[line("c-gone", "I10"), line("c-again", "G40.909")]),
        );
        // The later export: c-gone deleted for good, c-again deleted and created again (in its
        // output, which sorts after or before its deleted file by name).
        env.write_bytes(
            &format!("exports/e2_2026-11-08/{deleted_name}"),
            &ndjson(&[
                deletion_line("Condition/c-gone"),
                deletion_line("Condition/c-again"),
            ]),
        );
        env.write_bytes(
            "exports/e2_2026-11-08/Condition-output.ndjson",
            &ndjson(&[line("c-again", "G40.909")]),
        );
        let report = env.import_with(&[env.path("exports")], &options);
        assert_eq!(report.failed, 0, "{deleted_name}: {report:#?}");
        assert_eq!(
            env.rows("SELECT id FROM fhir_resources WHERE type = 'Condition' ORDER BY id")
                .concat(),
            ["c-again"],
            "{deleted_name}: the later export's deletion removes c-gone, its output keeps c-again"
        );
        // Both removed after the first export wrote them; c-again then written back.
        assert_eq!(report.removed, 2, "{deleted_name}: {report:#?}");
    }
}

/// A `DELETE` that says when it was made (the entry's `response.lastModified`) and a resource
/// that says when it was written (`meta.lastUpdated`): the later wins, whichever export or file
/// is applied first. A Bundle's `meta.lastUpdated` or `timestamp` says when the Bundle was
/// assembled, not when anything was deleted: such a deletion has no time, and the order decides.
#[test]
fn a_deletion_and_a_resource_with_times_the_later_wins_whatever_the_order() {
    let timed = |id: &str, updated: &str| {
        let mut resource = condition(id, "Patient/p-time", ICD10, "G40.909", "Epilepsy");
        resource["meta"] = json!({"lastUpdated": updated});
        serde_json::to_string(&resource).unwrap()
    };
    let deletion_at = |reference: &str, how: &str, when: &str| {
        let mut entry = json!({"request": {"method": "DELETE", "url": reference}});
        let mut bundle = json!({"resourceType": "Bundle", "type": "transaction"});
        match how {
            "lastModified" => entry["response"] = json!({"status": "204", "lastModified": when}),
            "meta" => bundle["meta"] = json!({"lastUpdated": when}),
            _ => bundle["timestamp"] = json!(when),
        }
        bundle["entry"] = json!([entry]);
        bundle.to_string()
    };
    for how in ["lastModified", "meta", "timestamp"] {
        let mut env = Env::new();
        let options = ImportOptions {
            source: Some("https://ehr.example.org/fhir".to_owned()),
            ..ImportOptions::default()
        };
        let person = serde_json::to_string(&patient("p-time", "TIME-1", "Kos", "Mira")).unwrap();
        env.write_bytes(
            "exports/a/Patient.ndjson",
            &ndjson(std::slice::from_ref(&person)),
        );
        // Export `a` (applied first) deletes c-late-delete at 12:00 after its output copy was
        // written at 08:00 (in `b`), and holds c-rewritten written at 12:00, which `b` deletes
        // at 08:00.
        env.write_bytes(
            "exports/a/deleted.ndjson",
            &ndjson(&[deletion_at(
                "Condition/c-late-delete",
                how,
                "2026-11-05T12:00:00Z",
            )]),
        );
        env.write_bytes(
            "exports/a/Condition.ndjson",
            &ndjson(&[timed("c-rewritten", "2026-11-05T12:00:00+00:00")]),
        );
        env.write_bytes(
            "exports/b/deleted.ndjson",
            &ndjson(&[deletion_at(
                "Condition/c-rewritten",
                how,
                "2026-11-05T08:00:00Z",
            )]),
        );
        env.write_bytes(
            "exports/b/Condition.ndjson",
            &ndjson(&[timed("c-late-delete", "2026-11-05T09:00:00+01:00")]),
        );
        let report = env.import_with(&[env.path("exports")], &options);
        assert_eq!(report.failed, 0, "{how}: {report:#?}");
        let kept = env
            .rows("SELECT id FROM fhir_resources WHERE type = 'Condition' ORDER BY id")
            .concat();
        if how == "lastModified" {
            assert_eq!(
                kept,
                ["c-rewritten"],
                "the deletion made after c-late-delete was written removes it; the one made \
                 before c-rewritten was written leaves it"
            );
        } else {
            assert_eq!(
                kept,
                ["c-late-delete"],
                "{how}: untimed deletions, applied in order: b's removes c-rewritten, and \
                 c-late-delete comes after a's"
            );
        }
    }
}
