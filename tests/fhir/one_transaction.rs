//! A file small enough to be written in one transaction creates, in that transaction, the new
//! patients whose resources follow their Patient in it, their records computed as the file is
//! read. The database must come out exactly as when the same files are written in short
//! transactions and their new patients created at the end of the run from the ledger, whatever
//! the file's order: a Medication after the record that names it, a patient's resource after
//! other patients', a resource that waited for its patient in an earlier file, a Patient
//! alone.

use refract::demo::{self, DemoOptions};
use refract::domain::PatientId;
use refract::import::{ImportOptions, ImportReport};
use refract::store::{OpenMode, Store};
use serde_json::json;

use super::{
    Env, ICD10, LAMOTRIGINE, LEVETIRACETAM, LOINC, RXNORM, bundle, coding, condition, observation,
    patient, statement, today, with,
};

/// Columns that say when something was written, where in the ledger, how many times a record
/// was, or which row ids its rows got: they differ between two imports of the same files (a
/// patient whose resource comes after other patients' in a file written in one transaction is
/// written twice). That evidence points at the rows as stored is checked by
/// [`assert_evaluated_as_stored`].
const WHEN: [&str; 9] = [
    "updated_at",
    "row",
    "import_id",
    "record_version",
    "eval_record",
    "id",
    "line_id",
    "exposure_id",
    "detail",
];

/// Every row of the tables an import writes, without [`WHEN`], in a fixed order.
fn database(env: &Env) -> Vec<(String, Vec<Vec<String>>)> {
    [
        "patients",
        "patient_identifiers",
        "conditions",
        "drug_exposures",
        "observations",
        "procedures",
        "treatment_lines",
        "line_drugs",
        "assessments",
        "fhir_resources",
        "import_dirty",
    ]
    .iter()
    .map(|table| {
        let columns: Vec<String> = env
            .rows(&format!("SELECT name FROM pragma_table_info('{table}')"))
            .into_iter()
            .map(|row| row[0].clone())
            .filter(|name| !WHEN.contains(&name.as_str()))
            .collect();
        let list = columns.join(", ");
        let rows = env.rows(&format!("SELECT {list} FROM {table} ORDER BY {list}"));
        ((*table).to_owned(), rows)
    })
    .collect()
}

/// The same files imported into two databases: as one transaction each (the default for
/// files of this size), and in short transactions.
fn both_ways(write: impl Fn(&Env) -> Vec<std::path::PathBuf>) -> (Env, Env) {
    let (whole, staged) = both_ways_with(&ImportOptions::default(), write);
    (whole.0, staged.0)
}

/// [`both_ways`] with `options`, the reports too, checked to say the same.
fn both_ways_with(
    options: &ImportOptions,
    write: impl Fn(&Env) -> Vec<std::path::PathBuf>,
) -> ((Env, ImportReport), (Env, ImportReport)) {
    let mut whole = Env::new();
    let files = write(&whole);
    let whole_report = whole.import_with(&files, options);
    assert_eq!(whole_report.failed, 0, "{whole_report:#?}");

    // The same files (a demo's export carries the id of the file it came from).
    let mut staged = Env::new();
    let staged_report = staged.import_with(
        &files,
        &ImportOptions {
            one_transaction_bytes: Some(0),
            ..options.clone()
        },
    );
    assert_eq!(staged_report.failed, 0, "{staged_report:#?}");
    let counts = |report: &ImportReport| {
        (
            report.patients,
            report.new_patients,
            report.rebuilt,
            report.evaluated,
            report.waiting,
            report.warnings,
            report.added,
            report.removed,
        )
    };
    assert_eq!(
        counts(&whole_report),
        counts(&staged_report),
        "(patients, new, rebuilt, evaluated, waiting, warnings, added, removed)"
    );
    ((whole, whole_report), (staged, staged_report))
}

fn assert_same(whole: &Env, staged: &Env) {
    for ((table, whole), (_, staged)) in database(whole).iter().zip(&database(staged)) {
        assert_eq!(whole, staged, "{table}");
    }
    assert_evaluated_as_stored(whole);
    assert_evaluated_as_stored(staged);
}

/// Each patient's stored assessments are what evaluating their stored record gives, evidence
/// (row ids) included.
fn assert_evaluated_as_stored(env: &Env) {
    let count = env.int("SELECT coalesce(max(id), 0) FROM patients");
    for id in 1..=count {
        let record = env.store.load_records(id, id).unwrap().pop().unwrap();
        let mut expected = env.rules.evaluate(&record, today());
        expected.sort_by(|a, b| a.ruleset.cmp(&b.ruleset));
        let mut stored: Vec<_> = env
            .store
            .assessments(PatientId(id))
            .unwrap()
            .into_iter()
            .map(|a| a.assessment)
            .collect();
        stored.sort_by(|a, b| a.ruleset.cmp(&b.ruleset));
        assert_eq!(stored.len(), expected.len(), "patient {id}");
        for (stored, expected) in stored.iter().zip(&expected) {
            assert_eq!(stored.status, expected.status, "patient {id}");
            assert_eq!(stored.reasons, expected.reasons, "patient {id}");
            assert_eq!(stored.evidence, expected.evidence, "patient {id}");
            assert_eq!(stored.fingerprint, expected.fingerprint, "patient {id}");
        }
    }
}

/// A visit's bundle: p1 with a medication record whose Medication comes later in the file and
/// an observation after other patients' resources; p2 with their drugs; p3, a Patient alone.
fn visit() -> serde_json::Value {
    bundle(
        "collection",
        &[
            // p1: a medication record whose Medication comes later in the file, and an
            // observation after other patients' resources.
            patient("p1", "MRN-1", "Okafor", "Ada"),
            condition("c1", "Patient/p1", ICD10, "G40.919", "Epilepsy"),
            json!({
                "resourceType": "MedicationRequest",
                "id": "mr1",
                "status": "stopped",
                "intent": "order",
                "subject": {"reference": "Patient/p1"},
                "medicationReference": {"reference": "Medication/med-late"},
                "authoredOn": "2020-01-10"
            }),
            statement(
                "s1",
                "Patient/p1",
                LEVETIRACETAM,
                "completed",
                "2019-05-01",
                Some("2020-01-01"),
            ),
            // p2: computed as the file is read, with what waited for them.
            patient("p2", "MRN-2", "Berg", "Ola"),
            condition("c2", "Patient/p2", ICD10, "G40.909", "Epilepsy"),
            statement(
                "s2",
                "Patient/p2",
                LEVETIRACETAM,
                "completed",
                "2018-01-01",
                Some("2019-01-01"),
            ),
            statement(
                "s3",
                "Patient/p2",
                LAMOTRIGINE,
                "active",
                "2019-02-01",
                None,
            ),
            with(
                observation(
                    "o2",
                    "Patient/p2",
                    "8867-4",
                    "Heart rate",
                    &json!({"valueQuantity": {"value": 71, "unit": "/min"}}),
                ),
                &json!({"code": coding(LOINC, "8867-4", "Heart rate")}),
            ),
            json!({
                "resourceType": "Medication",
                "id": "med-late",
                "code": coding(RXNORM, LAMOTRIGINE.0, LAMOTRIGINE.1)
            }),
            observation(
                "o1-late",
                "Patient/p1",
                "8480-6",
                "Systolic blood pressure",
                &json!({"valueQuantity": {"value": 139, "unit": "mm[Hg]"}}),
            ),
            // p3: a Patient alone (the rest of their record may be in another file).
            patient("p3", "MRN-3", "Nowak", "Ewa"),
        ],
    )
}

#[test]
fn a_file_in_one_transaction_gives_the_rows_of_a_file_in_many_whatever_its_order() {
    let (whole, staged) = both_ways(|env| {
        // An earlier file: an observation of p2's, waiting for its patient.
        let early = env.write_json(
            "a-early.json",
            &bundle(
                "collection",
                &[observation(
                    "o-early",
                    "Patient/p2",
                    "8480-6",
                    "Systolic blood pressure",
                    &json!({"valueQuantity": {"value": 151, "unit": "mm[Hg]"},
                            "effectiveDateTime": "2023-02-01"}),
                )],
            ),
        );
        let visit = env.write_json("b-visit.json", &visit());
        vec![early, visit]
    });
    assert_eq!(whole.int("SELECT count(*) FROM patients"), 3);
    assert_eq!(
        whole.int("SELECT count(*) FROM observations WHERE source_id = 'o-early'"),
        1,
        "what waited for p2 is theirs"
    );
    assert_eq!(
        whole.int("SELECT count(*) FROM drug_exposures WHERE text LIKE 'Lamotrigine%'"),
        2,
        "the Medication that came later names p1's drug"
    );
    assert_same(&whole, &staged);
}

#[test]
fn a_demos_bundles_in_one_transaction_each_give_the_rows_of_short_transactions() {
    let (whole, staged) = both_ways(|env| {
        let source = env.path("source.db");
        demo::create(
            &source,
            &DemoOptions {
                patients: 150,
                seed: 5,
                today: today(),
            },
            &env.rules,
        )
        .unwrap();
        let demo_store = Store::open(&source, OpenMode::MustExist, "test").unwrap();
        let ids: Vec<PatientId> = (1..=150).map(PatientId).collect();
        ids.chunks(60)
            .enumerate()
            .map(|(index, chunk)| {
                let path = env.path(&format!("part-{index}.json"));
                let mut out = std::fs::File::create(&path).unwrap();
                refract::fhir::write_bundle(&demo_store, chunk, &mut out).unwrap();
                path
            })
            .collect()
    });
    assert_eq!(whole.int("SELECT count(*) FROM patients"), 150);
    assert!(whole.int("SELECT count(*) FROM assessments") >= 150);
    assert_same(&whole, &staged);
}

#[test]
fn a_new_patient_is_whole_as_soon_as_their_file_is_written() {
    let mut env = Env::new();
    // p1, p2 with their records, a resource of p1's after p2's, and p3 alone at the end.
    let late = observation(
        "o1-late",
        "Patient/p1",
        "8480-6",
        "Systolic blood pressure",
        &json!({"valueQuantity": {"value": 139, "unit": "mm[Hg]"}}),
    );
    let file = env.write_json(
        "visit.json",
        &bundle(
            "collection",
            &[
                patient("p1", "MRN-1", "Okafor", "Ada"),
                condition("c1", "Patient/p1", ICD10, "G40.919", "Epilepsy"),
                statement(
                    "s1",
                    "Patient/p1",
                    LEVETIRACETAM,
                    "active",
                    "2019-05-01",
                    None,
                ),
                patient("p2", "MRN-2", "Berg", "Ola"),
                condition("c2", "Patient/p2", ICD10, "G40.909", "Epilepsy"),
                late,
                patient("p3", "MRN-3", "Nowak", "Ewa"),
            ],
        ),
    );
    let db = env.db();
    // Looked at from another connection once the file is written, before the end of the run.
    let mut seen = None;
    let report = refract::import::import_paths(
        &mut env.store,
        &env.rules,
        &[file],
        today(),
        &ImportOptions::default(),
        |progress| {
            if progress.files_done == 1 && seen.is_none() {
                let other = rusqlite::Connection::open(&db).unwrap();
                let count =
                    |sql: &str| -> i64 { other.query_row(sql, [], |row| row.get(0)).unwrap() };
                seen = Some((
                    count("SELECT count(*) FROM patients"),
                    count(
                        "SELECT count(*) FROM observations o JOIN patients p ON p.id = o.patient_id
                         WHERE p.mrn = 'MRN-1' AND o.source_id = 'o1-late'",
                    ),
                    count("SELECT count(*) FROM assessments"),
                ));
            }
        },
    )
    .unwrap();
    assert_eq!(report.failed, 0, "{report:#?}");
    let (patients, late, assessed) = seen.unwrap();
    // p1 and p2, with everything the file holds of them and their assessments; p3, a Patient
    // alone, waits for the end of the run (another file of it may bring their record).
    assert_eq!(patients, 2);
    assert_eq!(late, 1, "p1's observation after p2's resources is theirs");
    assert!(assessed >= 2);
    assert_eq!(env.int("SELECT count(*) FROM patients"), 3);
}

#[test]
fn the_synthea_bundles_give_the_same_rows_both_ways() {
    // Real-shaped bundles: Medications referred to, Encounters, many resources refract skips.
    let Some(dir) = super::synthea::synthea_dir() else {
        return;
    };
    let (whole, staged) = both_ways(|_| vec![dir.clone()]);
    assert!(whole.int("SELECT count(*) FROM patients") >= 20);
    assert_same(&whole, &staged);
}

/// A Patient known by one number under `system`.
fn person(id: &str, system: &str, number: &str, family: &str, birth: &str) -> serde_json::Value {
    json!({
        "resourceType": "Patient",
        "id": id,
        "identifier": [{"system": system, "value": number}],
        "name": [{"family": family, "given": ["A"]}],
        "gender": "female",
        "birthDate": birth
    })
}

#[test]
fn two_people_under_systems_declared_one_are_not_merged_by_their_file() {
    // `--same-system north=south`, and one number for two people: the second is left out, as
    // the end of a run leaves them out, never merged into the first.
    let (north, south) = ("https://north.example/mrn", "https://south.example/mrn");
    let options = ImportOptions {
        equivalent_systems: vec![vec![north.to_owned(), south.to_owned()]],
        ..ImportOptions::default()
    };
    let ((whole, _), (staged, _)) = both_ways_with(&options, |env| {
        vec![env.write_json(
            "v.json",
            &bundle(
                "collection",
                &[
                    person("p1", north, "100234", "Okafor", "1984-05-17"),
                    condition("c1", "Patient/p1", ICD10, "G40.909", "Epilepsy"),
                    person("p2", south, "100234", "Berg", "1950-01-01"),
                    condition("c2", "Patient/p2", ICD10, "I10", "Essential hypertension"),
                ],
            ),
        )]
    });
    assert_eq!(
        whole.rows("SELECT family_name FROM patients"),
        [["Okafor"]],
        "Berg is not Okafor"
    );
    assert_same(&whole, &staged);
}

#[test]
fn two_records_of_one_id_under_two_types_merge_as_the_ledger_reads_them() {
    // FHIR ids are unique per type only: a MedicationStatement and a MedicationRequest `m`
    // of one drug merge in (type, id) order whatever the file's order.
    let request = json!({
        "resourceType": "MedicationRequest",
        "id": "m",
        "status": "stopped",
        "intent": "order",
        "subject": {"reference": "Patient/p1"},
        "medicationCodeableConcept": coding(RXNORM, LEVETIRACETAM.0, LEVETIRACETAM.1),
        "authoredOn": "2020-01-01"
    });
    let ((whole, _), (staged, _)) = both_ways_with(&ImportOptions::default(), |env| {
        vec![env.write_json(
            "v.json",
            &bundle(
                "collection",
                &[
                    patient("p1", "MRN-1", "Okafor", "Ada"),
                    condition("c1", "Patient/p1", ICD10, "G40.909", "Epilepsy"),
                    statement(
                        "m",
                        "Patient/p1",
                        LEVETIRACETAM,
                        "active",
                        "2020-01-01",
                        None,
                    ),
                    request.clone(),
                ],
            ),
        )]
    });
    assert_same(&whole, &staged);
}

#[test]
fn a_patient_waiting_from_an_earlier_file_is_created_as_the_end_of_the_run_creates_them() {
    // A Patient alone in an earlier file (its demographics since corrected in the later one,
    // which brings their record): the later file's name holds, as at the end of a run.
    let ((whole, _), (staged, _)) = both_ways_with(&ImportOptions::default(), |env| {
        let alone = env.write_json(
            "a-patients.json",
            &bundle("collection", &[patient("a", "MRN-1", "Old", "Name")]),
        );
        let visit = env.write_json(
            "b-visit.json",
            &bundle(
                "collection",
                &[
                    patient("a", "MRN-1", "New", "Name"),
                    condition("c1", "Patient/a", ICD10, "G40.909", "Epilepsy"),
                ],
            ),
        );
        vec![alone, visit]
    });
    assert_eq!(whole.rows("SELECT family_name FROM patients"), [["New"]]);
    assert_same(&whole, &staged);
}

#[test]
fn a_patient_deleted_in_their_own_transaction_bundle_is_not_created() {
    let entry = |resource: serde_json::Value, method: &str, url: &str| {
        json!({"fullUrl": format!("urn:uuid:{}", resource["id"].as_str().unwrap_or("x")),
               "resource": resource, "request": {"method": method, "url": url}})
    };
    let document = json!({
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            entry(patient("p1", "MRN-1", "Okafor", "Ada"), "PUT", "Patient/p1"),
            entry(condition("c1", "Patient/p1", ICD10, "G40.909", "Epilepsy"), "PUT", "Condition/c1"),
            {"request": {"method": "DELETE", "url": "Patient/p1"}}
        ]
    });
    let ((whole, _), (staged, _)) = both_ways_with(&ImportOptions::default(), |env| {
        vec![env.write_json("v.json", &document)]
    });
    assert_eq!(whole.int("SELECT count(*) FROM patients"), 0);
    assert_same(&whole, &staged);
}

#[test]
fn a_patient_created_by_their_file_and_given_more_by_a_later_one_is_counted_once() {
    let ((whole, report), (staged, _)) = both_ways_with(&ImportOptions::default(), |env| {
        let first = env.write_json(
            "a.json",
            &bundle(
                "collection",
                &[
                    patient("a", "MRN-1", "Okafor", "Ada"),
                    condition("c1", "Patient/a", ICD10, "G40.909", "Epilepsy"),
                ],
            ),
        );
        let later = env.write_json(
            "b.json",
            &bundle(
                "collection",
                &[observation(
                    "o2",
                    "Patient/a",
                    "8480-6",
                    "Systolic blood pressure",
                    &json!({"valueQuantity": {"value": 120, "unit": "mm[Hg]"}}),
                )],
            ),
        );
        vec![first, later]
    });
    assert_eq!((report.rebuilt, report.evaluated), (1, 1));
    assert_same(&whole, &staged);
}

/// `--replace` of two files of one run that both hold a new patient: the later file is their
/// whole record, as it is for a patient the database held, whichever way the files are written
/// (a patient created by the first file's transaction, or waiting for the end of the run).
#[test]
fn a_replace_run_leaves_a_new_patient_with_what_its_last_file_holds() {
    let options = ImportOptions {
        replace: true,
        ..ImportOptions::default()
    };
    let ((whole, _), (staged, _)) = both_ways_with(&options, |env| {
        let first = env.write_json(
            "a.json",
            &bundle(
                "collection",
                &[
                    patient("a", "MRN-1", "Okafor", "Ada"),
                    condition("c1", "Patient/a", ICD10, "G40.909", "Epilepsy"),
                    condition("c2", "Patient/a", ICD10, "I10", "Essential hypertension"),
                ],
            ),
        );
        let later = env.write_json(
            "b.json",
            &bundle(
                "collection",
                &[
                    patient("a", "MRN-1", "Okafor", "Ada"),
                    condition("c1", "Patient/a", ICD10, "G40.909", "Epilepsy"),
                ],
            ),
        );
        vec![first, later]
    });
    for env in [&whole, &staged] {
        assert_eq!(
            env.rows("SELECT code FROM conditions ORDER BY code"),
            [["G40.909"]],
            "the later file is the whole record"
        );
        assert_eq!(
            env.int("SELECT count(*) FROM fhir_resources WHERE type = 'Condition'"),
            1
        );
    }
    assert_same(&whole, &staged);
}

#[test]
fn a_file_that_stops_being_readable_half_way_leaves_nothing_of_it() {
    // The second file is broken near its end after its first read (while the first file is
    // written): written in one transaction, none of it stays.
    let mut env = Env::new();
    let ndjson = |prefix: &str, patients: usize, observations: usize| -> String {
        let mut lines = Vec::new();
        for i in 0..patients {
            let id = format!("{prefix}{i}");
            lines.push(patient(&id, &format!("MRN-{id}"), "File", "A").to_string());
            for k in 0..observations {
                lines.push(
                    observation(
                        &format!("{id}-o{k}"),
                        &format!("Patient/{id}"),
                        "8480-6",
                        "Systolic blood pressure",
                        &json!({"valueQuantity": {"value": 120 + k, "unit": "mm[Hg]"}}),
                    )
                    .to_string(),
                );
            }
        }
        lines.join("\n") + "\n"
    };
    let first = env.write_bytes("a-first.ndjson", ndjson("q", 300, 20).as_bytes());
    let text = ndjson("s", 100, 5);
    let second = env.write_bytes("b-second.ndjson", text.as_bytes());
    let mut lines: Vec<&str> = text.lines().collect();
    let at = lines.len() - 3;
    lines[at] = r#"{"resourceType": "Observation", broken"#;
    let broken = lines.join("\n") + "\n";
    let mut done = false;
    let report = refract::import::import_paths(
        &mut env.store,
        &env.rules,
        &[first, second.clone()],
        today(),
        &ImportOptions::default(),
        |progress| {
            if progress.files_done == 1 && !done {
                std::fs::write(&second, &broken).unwrap();
                done = true;
            }
        },
    )
    .unwrap();
    assert_eq!(report.failed, 1, "{report:#?}");
    assert_eq!(
        env.int("SELECT count(*) FROM patients WHERE mrn LIKE 'MRN-s%'"),
        0,
        "none of the broken file's patients"
    );
    assert_eq!(
        env.int("SELECT count(*) FROM fhir_resources WHERE id LIKE 's%'"),
        0,
        "none of its resources"
    );
    assert_eq!(env.int("SELECT count(*) FROM patients"), 300);
}
