//! Re-importing: the same file is a no-op; a newer export of the same patient updates and adds
//! what it holds and removes nothing else, unless it is declared the patient's whole record
//! (`--replace`), which then replaces what was imported; either way what the team wrote
//! (reviews, notes, way forward, clinicians' lines) stays.

use refract::domain::{PatientId, ReviewDecision};
use refract::import::FileOutcome;
use serde_json::{Value, json};

use super::sql_on;
use super::{
    AMLODIPINE, BRIVARACETAM, Env, ICD10, LACOSAMIDE, LAMOTRIGINE, LEVETIRACETAM, LOINC, bundle,
    cli_import, coding, condition, epilepsy_bundle, observation, patient, reason, statement, today,
    with,
};

fn bp(id: &str, subject: &str, at: &str, systolic: f64, diastolic: f64) -> Value {
    json!({
        "resourceType": "Observation",
        "id": id,
        "status": "final",
        "subject": {"reference": subject},
        "code": coding(LOINC, "85354-9", "Blood pressure panel with all children optional"),
        "effectiveDateTime": at,
        "component": [
            {
                "code": coding(LOINC, "8480-6", "Systolic blood pressure"),
                "valueQuantity": {"value": systolic, "unit": "mm[Hg]"}
            },
            {
                "code": coding(LOINC, "8462-4", "Diastolic blood pressure"),
                "valueQuantity": {"value": diastolic, "unit": "mm[Hg]"}
            }
        ]
    })
}

fn no_response() -> Value {
    json!({"statusReason": [reason("266721009", "No response to treatment")]})
}

/// The first export: epilepsy (two failed schedules, lacosamide ongoing) and hypertension.
fn export_v1() -> Value {
    let s = "urn:uuid:p-re";
    bundle(
        "collection",
        &[
            patient("p-re", "RE-1", "Okafor", "Ada"),
            condition("re-dx1", s, ICD10, "G40.909", "Epilepsy"),
            condition("re-dx2", s, ICD10, "I10", "Essential hypertension"),
            with(
                statement(
                    "re-lev",
                    s,
                    LEVETIRACETAM,
                    "stopped",
                    "2022-01-10",
                    Some("2022-06-01"),
                ),
                &no_response(),
            ),
            with(
                statement(
                    "re-ltg",
                    s,
                    LAMOTRIGINE,
                    "stopped",
                    "2022-06-20",
                    Some("2022-12-15"),
                ),
                &no_response(),
            ),
            statement("re-lcm", s, LACOSAMIDE, "active", "2023-01-05", None),
            statement("re-aml", s, AMLODIPINE, "active", "2021-03-01", None),
            bp("re-bp1", s, "2024-03-05T09:30:00Z", 150.0, 95.0),
            observation(
                "re-wt",
                s,
                "29463-7",
                "Body weight",
                &json!({"valueQuantity": {"value": 70.5, "unit": "kg"}}),
            ),
        ],
    )
}

/// A newer export of the same patient: lacosamide stopped, brivaracetam started, a new blood
/// pressure reading, no weight, a changed family name.
fn export_v2() -> Value {
    let s = "urn:uuid:p-re";
    bundle(
        "collection",
        &[
            patient("p-re", "RE-1", "Okafor-Bell", "Ada"),
            condition("re-dx1", s, ICD10, "G40.909", "Epilepsy"),
            condition("re-dx2", s, ICD10, "I10", "Essential hypertension"),
            with(
                statement(
                    "re-lev",
                    s,
                    LEVETIRACETAM,
                    "stopped",
                    "2022-01-10",
                    Some("2022-06-01"),
                ),
                &no_response(),
            ),
            with(
                statement(
                    "re-ltg",
                    s,
                    LAMOTRIGINE,
                    "stopped",
                    "2022-06-20",
                    Some("2022-12-15"),
                ),
                &no_response(),
            ),
            with(
                statement(
                    "re-lcm",
                    s,
                    LACOSAMIDE,
                    "stopped",
                    "2023-01-05",
                    Some("2023-09-01"),
                ),
                &no_response(),
            ),
            statement("re-brv", s, BRIVARACETAM, "active", "2023-09-20", None),
            statement("re-aml", s, AMLODIPINE, "active", "2021-03-01", None),
            bp("re-bp2", s, "2025-01-10T10:00:00Z", 138.0, 85.0),
        ],
    )
}

#[test]
fn reimporting_the_same_file_changes_nothing() {
    let mut env = Env::new();
    let file = env.write_json("epilepsy.json", &export_v1());
    env.import_ok(&file);
    let before = env.counts();
    assert_eq!(before["patients"], 1);
    assert_eq!(before["imports"], 1);

    let report = env.import(std::slice::from_ref(&file));
    assert_eq!(report.files[0].outcome, FileOutcome::AlreadyImported);
    assert_eq!((report.imported, report.already_imported), (0, 1));
    assert_eq!(report.patients + report.exposures + report.observations, 0);
    assert_eq!(env.counts(), before);

    // The same bytes under another name are the same export.
    let copy = env.path("copy-of-epilepsy.json");
    std::fs::copy(&file, &copy).unwrap();
    let report = env.import(std::slice::from_ref(&copy));
    assert_eq!(report.files[0].outcome, FileOutcome::AlreadyImported);
    assert_eq!(env.counts(), before);

    // And through the command line: exit 0, nothing changed.
    let db = env.db();
    let (code, summary, stderr) = cli_import(&db, &[file]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(summary["already_imported"], 1);
    assert_eq!(summary["imported"], 0);
    assert_eq!(env.counts(), before);
}

/// A file read by an older refract keeps what that version read until it is imported again:
/// `check` names it (the review found no sign of it), and importing it again reads it anew and
/// clears the line.
#[test]
fn check_names_the_files_an_older_version_read() {
    let mut env = Env::new();
    let file = env.write_json("epilepsy.json", &export_v1());
    env.import_ok(&file);
    let check = |env: &Env| {
        let output = super::refract()
            .arg("--db")
            .arg(env.db())
            .arg("check")
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    assert!(!check(&env).contains("older version"), "{}", check(&env));
    sql_on(&env.store)
        .execute("UPDATE imports SET mapping = mapping + 1", [])
        .unwrap();
    let said = check(&env);
    assert!(
        said.contains("1 file(s) were read by an older version") && said.contains("epilepsy.json"),
        "{said}"
    );
    let report = env.import(std::slice::from_ref(&file));
    assert_ne!(report.files[0].outcome, FileOutcome::AlreadyImported);
    assert!(!check(&env).contains("older version"), "{}", check(&env));
}

#[test]
fn a_file_imported_before_is_read_again_after_a_later_file_changed_what_it_holds() {
    // A record that swings back (active, stopped, active again; a name corrected and then the
    // first export imported again) must come back: the same bytes are skipped only while
    // nothing imported since removed or replaced what they hold.
    let mut env = Env::new();
    let v1 = env.write_json("export-1.json", &export_v1());
    let v2 = env.write_json("export-2.json", &export_v2());
    env.import_ok(&v1);
    let lacosamide = |env: &Env| {
        env.rows(
            "SELECT coalesce(substr(end, 1, 10), '-') FROM drug_exposures
             WHERE text LIKE 'Lacosamide%'",
        )
    };
    let family = |env: &Env| env.rows("SELECT family_name FROM patients");
    let first = (lacosamide(&env), family(&env));
    env.import_ok(&v2);
    assert_eq!(lacosamide(&env), [["2023-09-01"]]);
    assert_eq!(family(&env), [["Okafor-Bell"]]);

    let report = env.import(std::slice::from_ref(&v1));
    assert_eq!(
        report.files[0].outcome,
        FileOutcome::Imported,
        "not skipped: {report:#?}"
    );
    assert_eq!(
        (lacosamide(&env), family(&env)),
        first,
        "the first export again"
    );

    // Nothing changed since: now it is the fast no-op again.
    let report = env.import(std::slice::from_ref(&v1));
    assert_eq!(report.files[0].outcome, FileOutcome::AlreadyImported);
}

#[test]
fn a_file_that_retracts_records_is_read_again_after_a_later_file_added_them_back() {
    // The export, its correction (two records entered in error), the export again (which adds
    // them back: an addition, which moves no epoch), the correction again: the retracted
    // records must go again, not be "already imported".
    let mut env = Env::new();
    let export = export_v1();
    let mut retraction = export.clone();
    let mut retracted = 0;
    for entry in retraction["entry"].as_array_mut().unwrap() {
        if entry["resource"]["resourceType"] == "MedicationStatement" {
            entry["resource"]["status"] = json!("entered-in-error");
            retracted += 1;
        }
    }
    assert!(retracted >= 2, "the export has drug records to retract");
    let export = env.write_json("export.json", &export);
    let retraction = env.write_json("retraction.json", &retraction);
    let drugs = |env: &Env| env.int("SELECT count(*) FROM drug_exposures");
    env.import_ok(&export);
    let all = drugs(&env);
    assert!(all >= retracted);
    env.import_ok(&retraction);
    assert_eq!(drugs(&env), all - retracted);
    env.import_ok(&export);
    assert_eq!(drugs(&env), all, "added back");

    let report = env.import(std::slice::from_ref(&retraction));
    assert_eq!(
        report.files[0].outcome,
        FileOutcome::Imported,
        "not skipped: {report:#?}"
    );
    assert_eq!(drugs(&env), all - retracted, "retracted again");
    // A file that only adds and updates stays the fast no-op while nothing changed.
    env.import_ok(&export);
    let report = env.import(std::slice::from_ref(&export));
    assert_eq!(report.files[0].outcome, FileOutcome::AlreadyImported);
}

#[test]
fn a_newer_export_updates_and_adds_and_removes_nothing() {
    let mut env = Env::new();
    let v1 = env.write_json("export-1.json", &export_v1());
    env.import_ok(&v1);
    let id = env.patient_id("RE-1");
    let v2 = env.write_json("export-2.json", &export_v2());
    let file = env.import_ok(&v2);
    // Lacosamide's statement changed (now stopped), brivaracetam and a reading are new; the
    // rest is the same resources.
    assert_eq!((file.added, file.updated), (2, 1), "{file:#?}");
    assert_eq!(env.int("SELECT count(*) FROM patients"), 1);
    assert_eq!(
        env.rows(
            "SELECT text, coalesce(substr(end, 1, 10), '-') FROM drug_exposures
             WHERE text LIKE 'Lacosamide%'"
        ),
        [["Lacosamide 100 MG Oral Tablet", "2023-09-01"]],
        "the stopped statement replaced the active one"
    );
    // The first export's reading and weight are still there: the newer file did not say they
    // were wrong, it only did not carry them.
    assert_eq!(
        env.rows(&format!(
            "SELECT code, value FROM observations WHERE patient_id = {id} ORDER BY code, value"
        )),
        [
            ["29463-7", "70.5"],
            ["8462-4", "85"],
            ["8462-4", "95"],
            ["8480-6", "138"],
            ["8480-6", "150"]
        ]
    );
    assert_eq!(env.int("SELECT count(*) FROM observations"), 5);
    // The family name changed: audited with what it was.
    let audit =
        env.rows("SELECT before, after FROM audit_log WHERE action = 'import.patient.update'");
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert!(audit[0][0].contains("\"Okafor\"") && audit[0][1].contains("Okafor-Bell"));
    // The changed statement too, with what it replaced.
    let updated =
        env.rows("SELECT before, after FROM audit_log WHERE action = 'import.resource.update'");
    assert_eq!(updated.len(), 1, "{updated:?}");
    assert!(updated[0][0].contains("re-lcm") && updated[0][0].contains("\"active\":true"));
}

#[test]
fn a_replaced_record_keeps_the_teams_work() {
    let mut env = Env::new();
    let v1 = env.write_json("export-1.json", &export_v1());
    env.import_ok(&v1);
    let id = env.patient_id("RE-1");
    assert_eq!(env.int("SELECT count(*) FROM drug_exposures"), 4);
    let old_derived: Vec<i64> = env
        .rows("SELECT id FROM treatment_lines WHERE ruleset = 'epilepsy' AND origin = 'derived'")
        .iter()
        .map(|r| r[0].parse().unwrap())
        .collect();
    assert_eq!(old_derived.len(), 3, "three schedules derived");
    let status: String = sql_on(&env.store)
        .query_row(
            "SELECT status FROM assessments WHERE patient_id = ?1 AND ruleset = 'epilepsy'",
            [id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(status, "refractory");

    // What the team writes.
    let review = env
        .store
        .review(
            PatientId(id),
            "epilepsy",
            ReviewDecision::Confirmed,
            "Two adequate trials failed; refer for presurgical work-up",
            today(),
        )
        .unwrap();
    let note = env
        .store
        .add_note(
            PatientId(id),
            "Seizure diary requested from the family",
            today(),
        )
        .unwrap();
    sql_on(&env.store)
        .execute(
            "INSERT INTO way_forward (patient_id, ruleset, step, status, owner, due, notes, updated_at)
             VALUES (?1, 'epilepsy', 1, 'in_progress', 'Dr Vance', '2026-12-15', 'video-EEG booked', '2026-11-27 10:00:00')",
            [id],
        )
        .unwrap();
    let amlodipine: i64 = env.int("SELECT id FROM drug_exposures WHERE rxnorm = '17767'");
    let conn = sql_on(&env.store);
    conn
        .execute(
            "INSERT INTO treatment_lines (patient_id, ruleset, number, regimen, start, origin, cut_reason)
             VALUES (?1, 'hypertension', 1, 'amlodipine (corrected)', '2021-03-01', 'corrected', 'clinician correction')",
            [id],
        )
        .unwrap();
    let corrected = conn.last_insert_rowid();
    sql_on(&env.store)
        .execute(
            "INSERT INTO line_drugs (line_id, position, ingredient, dose_value, dose_unit, exposure_id)
             VALUES (?1, 0, 'amlodipine', 5.0, 'mg/d', ?2)",
            [corrected, amlodipine],
        )
        .unwrap();
    let conn = sql_on(&env.store);
    conn
        .execute(
            "INSERT INTO treatment_lines (patient_id, ruleset, number, regimen, start, end, origin)
             VALUES (?1, 'hypertension', 0, 'hydrochlorothiazide (entered)', '2019-01-01', '2020-12-31', 'entered')",
            [id],
        )
        .unwrap();
    let entered = conn.last_insert_rowid();
    let team_rows = |env: &Env| {
        (
            env.rows("SELECT id, ruleset, decision, rationale, by FROM reviews ORDER BY id"),
            env.rows("SELECT id, author, text FROM notes ORDER BY id"),
            env.rows("SELECT * FROM way_forward ORDER BY ruleset, step"),
            env.rows(
                "SELECT id, ruleset, number, regimen, start, end, origin, cut_reason
                 FROM treatment_lines WHERE origin <> 'derived' ORDER BY id",
            ),
            env.rows(
                "SELECT line_id, position, ingredient FROM line_drugs WHERE line_id IN
                      (SELECT id FROM treatment_lines WHERE origin <> 'derived')",
            ),
        )
    };
    let kept = team_rows(&env);
    assert_eq!(kept.0.len(), 1);
    assert_eq!(kept.0[0][0], review.to_string());
    assert_eq!(kept.1[0][0], note.to_string());
    assert_eq!(kept.3.len(), 2);
    assert_eq!(kept.4.len(), 1);

    // The newer export, declared the patient's whole record.
    let v2 = env.write_json("export-2.json", &export_v2());
    let report = env.import_with(
        std::slice::from_ref(&v2),
        &refract::import::ImportOptions {
            replace: true,
            ..Default::default()
        },
    );
    assert_eq!(report.imported, 1, "{report:#?}");
    let file = &report.files[0];
    assert_eq!(file.patients, 1);
    assert_eq!(file.exposures, 5);
    assert_eq!(file.removed, 2, "the old reading and the weight");

    // The same patient, updated, not a second one.
    assert_eq!(env.int("SELECT count(*) FROM patients"), 1);
    assert_eq!(env.patient_id("RE-1"), id);
    let family: String = sql_on(&env.store)
        .query_row(
            "SELECT family_name FROM patients WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(family, "Okafor-Bell");

    // Imported rows are exactly the newer export's.
    assert_eq!(
        env.rows(
            "SELECT text, substr(start, 1, 10), coalesce(substr(end, 1, 10), '-'), coalesce(stop_reason, '-')
             FROM drug_exposures ORDER BY start"
        ),
        [
            ["Amlodipine 5 MG Oral Tablet", "2021-03-01", "-", "-"],
            ["Levetiracetam 500 MG Oral Tablet", "2022-01-10", "2022-06-01", "lack_of_efficacy"],
            ["Lamotrigine 100 MG Oral Tablet", "2022-06-20", "2022-12-15", "lack_of_efficacy"],
            ["Lacosamide 100 MG Oral Tablet", "2023-01-05", "2023-09-01", "lack_of_efficacy"],
            ["Brivaracetam 50 MG Oral Tablet", "2023-09-20", "-", "-"],
        ]
    );
    assert_eq!(
        env.rows("SELECT code, value FROM observations ORDER BY code"),
        [["8462-4", "85"], ["8480-6", "138"]],
        "the old readings and the weight are gone"
    );
    assert_eq!(env.int("SELECT count(*) FROM conditions"), 2);

    // Derived lines were derived again from the new exposures…
    let new_derived: Vec<Vec<String>> = env.rows(
        "SELECT id, number, regimen FROM treatment_lines
         WHERE ruleset = 'epilepsy' AND origin = 'derived' ORDER BY number",
    );
    assert_eq!(new_derived.len(), 4, "{new_derived:?}");
    assert!(new_derived[3][2].to_lowercase().contains("brivaracetam"));
    for row in &new_derived {
        assert!(
            !old_derived.contains(&row[0].parse().unwrap()),
            "old derived line {} kept",
            row[0]
        );
    }
    // …while the team's rows are all still there, unchanged (the line's drug keeps its name;
    // the exposure it pointed at was an imported row and is gone).
    assert_eq!(team_rows(&env), kept);
    assert!(
        env.rows(&format!(
            "SELECT id FROM treatment_lines WHERE id = {entered}"
        ))
        .len()
            == 1
    );
    // The clinician owns the hypertension lines: none derived beside theirs.
    assert_eq!(
        env.int(
            "SELECT count(*) FROM treatment_lines WHERE ruleset = 'hypertension' AND origin = 'derived'"
        ),
        0
    );
    // Re-evaluated after the import.
    let version: i64 = env.int(&format!(
        "SELECT count(*) FROM assessments a JOIN patients p ON p.id = a.patient_id
         WHERE p.id = {id} AND a.record_version = p.record_version AND a.ruleset = 'epilepsy'
           AND a.status = 'refractory'"
    ));
    assert_eq!(version, 1);
    assert_eq!(env.store.integrity_check().unwrap(), ["ok"]);
    assert!(env.store.foreign_key_check().unwrap().is_empty());
}

#[test]
fn another_systems_export_with_the_same_mrn_in_the_same_system_is_the_same_patient() {
    let mut env = Env::new();
    let first = env.write_json(
        "a.json",
        &epilepsy_bundle("p-one", "MRN-77", ("266721009", "No response to treatment")),
    );
    env.import_ok(&first);
    let id = env.patient_id("MRN-77");
    // Another system's export: another resource id, the same MRN (same identifier system),
    // one drug only.
    let s = "urn:uuid:p-two";
    let second = env.write_json(
        "b.json",
        &bundle(
            "collection",
            &[
                patient("p-two", "MRN-77", "Okafor", "Ada"),
                statement("two-lcm", s, LACOSAMIDE, "active", "2023-01-05", None),
            ],
        ),
    );
    // From the same source, two Patient resources with one MRN are two records that claim one
    // number: refused, naming both, nothing merged.
    let report = env.import(std::slice::from_ref(&second));
    assert_eq!(report.failed, 1, "{report:#?}");
    let error = report.files[0].error.clone().unwrap();
    assert!(
        error.contains("Patient/p-two")
            && error.contains("Patient/p-one")
            && error.contains("MRN-77"),
        "{error}"
    );
    assert_eq!(env.int("SELECT count(*) FROM patients"), 1);
    // Named as another source, the same (system, MRN) is the same person: one patient, the
    // other system's drug added beside the first's.
    let report = env.import_with(
        std::slice::from_ref(&second),
        &refract::import::ImportOptions {
            source: Some(String::from("other-ehr")),
            ..Default::default()
        },
    );
    assert_eq!(report.imported, 1, "{report:#?}");
    assert_eq!(env.int("SELECT count(*) FROM patients"), 1);
    assert_eq!(env.patient_id("MRN-77"), id);
    assert_eq!(
        env.int("SELECT count(*) FROM drug_exposures WHERE text LIKE 'Lacosamide%'"),
        1,
        "the same drug, renewed, is one exposure"
    );
    assert!(env.int("SELECT count(*) FROM drug_exposures") > 1);
}

/// A bundle entry of `resource` as `server` writes it: its `fullUrl` is `[server]/[type]/[id]`.
fn server_entry(server: &str, resource: &Value) -> Value {
    let kind = resource["resourceType"].as_str().unwrap().to_owned();
    let id = resource["id"].as_str().unwrap().to_owned();
    json!({"fullUrl": format!("{server}/{kind}/{id}"), "resource": resource})
}

/// One bundle gathering two servers' records (a collection from a regional exchange), each
/// with a `Patient/123` of its own: two people (other numbers, other names). Refused in one
/// line naming both servers; nothing merged. The same id from one server twice is one record.
#[test]
fn one_patient_id_from_two_servers_in_one_bundle_is_refused_not_merged() {
    let mut env = Env::new();
    let (north, south) = ("https://north.example/fhir", "https://south.example/fhir");
    let file = env.write_json(
        "exchange.json",
        &json!({"resourceType": "Bundle", "type": "collection", "entry": [
            server_entry(north, &patient("123", "N-100", "Alpha", "Ann")),
            server_entry(north, &condition("1", &format!("{north}/Patient/123"), ICD10, "I10", "Essential hypertension")),
            server_entry(south, &patient("123", "S-900", "Beta", "Bo")),
            server_entry(south, &condition("7", &format!("{south}/Patient/123"), ICD10, "G40.909", "Epilepsy")),
        ]}),
    );
    let report = env.import(std::slice::from_ref(&file));
    assert_eq!(report.failed, 1, "{report:#?}");
    let error = report.files[0].error.clone().unwrap();
    assert!(
        error.contains("Patient/123") && error.contains(north) && error.contains(south),
        "{error}"
    );
    assert_eq!(env.int("SELECT count(*) FROM patients"), 0);
    assert_eq!(env.int("SELECT count(*) FROM fhir_resources"), 0);

    // One server's bundle naming its patient twice (a searchset's match and include) is fine,
    // whichever way it writes its own address (http or https, the host's case, its port).
    let file = env.write_json(
        "north.json",
        &json!({"resourceType": "Bundle", "type": "collection", "entry": [
            server_entry(north, &patient("123", "N-100", "Alpha", "Ann")),
            server_entry(north, &condition("1", &format!("{north}/Patient/123"), ICD10, "I10", "Essential hypertension")),
            server_entry(north, &patient("123", "N-100", "Alpha", "Ann")),
            server_entry("http://North.example:443/fhir", &patient("123", "N-100", "Alpha", "Ann")),
        ]}),
    );
    let report = env.import(std::slice::from_ref(&file));
    assert_eq!(report.failed, 0, "{report:#?}");
    assert_eq!(env.rows("SELECT family_name FROM patients"), [["Alpha"]]);
}

/// The same in two files: one server's bundle, then another server's with a `Patient/123` of
/// its own, both under the one unnamed source. The second is refused in one line naming both
/// servers and the stored patient; the first patient is unchanged. The first server's file
/// again, and a file that says no server (NDJSON), are that patient as before.
#[test]
fn one_patient_id_from_two_servers_in_two_files_is_refused_not_merged() {
    let mut env = Env::new();
    let (north, south) = ("https://north.example/fhir", "https://south.example/fhir");
    let from = |server: &str, mrn: &str, family: &str, code: &str| {
        json!({"resourceType": "Bundle", "type": "collection", "entry": [
            server_entry(server, &patient("123", mrn, family, "Ann")),
            server_entry(server, &condition(&format!("{mrn}-dx"), &format!("{server}/Patient/123"), ICD10, code, "A diagnosis")),
        ]})
    };
    let first = env.write_json("north.json", &from(north, "N-100", "Alpha", "I10"));
    env.import_ok(&first);
    let second = env.write_json("south.json", &from(south, "S-900", "Beta", "G40.909"));
    let report = env.import(std::slice::from_ref(&second));
    assert_eq!(report.failed, 1, "{report:#?}");
    let error = report.files[0].error.clone().unwrap();
    assert!(
        error.contains("Patient/123")
            && error.contains("south.example")
            && error.contains("north.example"),
        "{error}"
    );
    assert_eq!(
        env.rows("SELECT family_name FROM patients"),
        [["Alpha"]],
        "nothing of the second server's patient was merged"
    );
    assert_eq!(env.rows("SELECT code FROM conditions"), [["I10"]]);

    // The first server's file, changed, is its patient; so is a file that names no server.
    let again = env.write_json("north-2.json", &from(north, "N-100", "Alpha", "I15.0"));
    assert_eq!(env.import(std::slice::from_ref(&again)).failed, 0);
    let bare = env.path("Patient.ndjson");
    std::fs::write(&bare, patient("123", "N-100", "Alpha", "Ann").to_string()).unwrap();
    assert_eq!(env.import(std::slice::from_ref(&bare)).failed, 0);
    assert_eq!(env.int("SELECT count(*) FROM patients"), 1);
}

/// A resource of one server's bundle whose subject is another server's `Patient/123` names
/// another person than the bundle's own `Patient/123`: left out with a warning naming both,
/// never joined to the bundle's patient. The bundle's own server, however written, is its
/// patient.
#[test]
fn a_subject_on_another_server_is_not_the_bundles_patient_of_the_same_id() {
    let mut env = Env::new();
    let (north, south) = ("https://north.example/fhir", "https://south.example/fhir");
    let file = env.write_json(
        "north.json",
        &json!({"resourceType": "Bundle", "type": "collection", "entry": [
            server_entry(north, &patient("123", "N-100", "Alpha", "Ann")),
            server_entry(north, &condition("1", &format!("{north}/Patient/123"), ICD10, "I10", "Essential hypertension")),
            server_entry(north, &condition("2", "http://NORTH.example:80/fhir/Patient/123", ICD10, "E11.9", "Type 2 diabetes")),
            server_entry(north, &condition("3", "Patient/123", ICD10, "N18.3", "Chronic kidney disease")),
            server_entry(north, &condition("7", &format!("{south}/Patient/123"), ICD10, "G40.909", "Epilepsy")),
        ]}),
    );
    let report = env.import_ok(&file);
    assert_eq!(
        env.rows("SELECT code FROM conditions ORDER BY code"),
        [["E11.9"], ["I10"], ["N18.3"]],
        "{report:#?}"
    );
    assert!(
        report.warnings.iter().any(|w| w.resource == "Condition/7"
            && w.message.contains("south.example")
            && w.message.contains("north.example")),
        "{:#?}",
        report.warnings
    );
}

/// A source named by a URL with a user and password: the password is never stored (it would be
/// in the ledger, the patient-id systems and the audit), and the server is the one named without
/// them. A query's trailing slash is the query's.
#[test]
fn a_source_url_keeps_no_userinfo_and_its_query_as_written() {
    let mut env = Env::new();
    let first = env.write_json(
        "first.json",
        &bundle(
            "collection",
            &[
                patient("p-ui", "UI-1", "Adler", "Ida"),
                condition("c-1", "urn:uuid:p-ui", ICD10, "G40.909", "Epilepsy"),
            ],
        ),
    );
    let second = env.write_json(
        "second.json",
        &bundle(
            "collection",
            &[
                patient("p-ui", "UI-1", "Adler", "Ida"),
                condition(
                    "c-2",
                    "urn:uuid:p-ui",
                    ICD10,
                    "G40.919",
                    "Epilepsy, intractable",
                ),
            ],
        ),
    );
    for (path, source) in [
        (&first, "https://User:Secret-PW@Host.example/fhir"),
        (&second, "https://host.example/fhir/"),
    ] {
        let options = refract::import::ImportOptions {
            source: Some(source.to_owned()),
            ..Default::default()
        };
        let report = env.import_with(std::slice::from_ref(path), &options);
        assert_eq!(
            report.files[0].outcome,
            FileOutcome::Imported,
            "{report:#?}"
        );
    }
    let sources = env.rows("SELECT DISTINCT source FROM fhir_resources ORDER BY 1");
    assert_eq!(sources, vec![vec!["https://host.example/fhir".to_owned()]]);
    let dump: String = env
        .rows(
            "SELECT coalesce(source, '') FROM imports UNION ALL SELECT coalesce(after, '') || \
             coalesce(before, '') FROM audit_log UNION ALL \
             SELECT system FROM patient_identifiers",
        )
        .concat()
        .concat();
    assert!(!dump.to_lowercase().contains("secret-pw"), "{dump}");
    assert!(!dump.to_lowercase().contains("user@"), "{dump}");

    let mut env = Env::new();
    let options = refract::import::ImportOptions {
        source: Some("https://h.example/fhir?x=A/".to_owned()),
        ..Default::default()
    };
    let path = env.write_json(
        "q.json",
        &bundle("collection", &[patient("p-q", "Q-1", "Berg", "Ole")]),
    );
    env.import_with(&[path], &options);
    let sources = env.rows("SELECT DISTINCT source FROM imports");
    assert_eq!(
        sources,
        vec![vec!["https://h.example/fhir?x=A/".to_owned()]]
    );
}

/// Every spelling of the loopback (`localhost`, `127.0.0.1` and its shorthands, `[::1]`) with
/// one port and path is one server, so one source: kept as `localhost`; a file that already
/// holds another spelling (kept by an earlier version) keeps it.
#[test]
fn every_spelling_of_the_loopback_is_one_source() {
    let spellings = [
        "http://127.0.0.1:8080/fhir",
        "http://localhost:8080/fhir/",
        "http://[::1]:8080/fhir",
        "HTTP://LocalHost:8080/fhir",
        "http://[0:0:0:0:0:0:0:1]:8080/fhir",
        "http://127.1:8080/fhir",
        "https://[::ffff:127.0.0.1]:8080/fhir",
        "http://localhost.:8080/fhir",
    ];
    let mut env = Env::new();
    let file = env.write_json(
        "loop.json",
        &bundle(
            "collection",
            &[
                patient("p-lo", "LO-1", "Lind", "Ebba"),
                condition("c-lo", "urn:uuid:p-lo", ICD10, "G40.909", "Epilepsy"),
            ],
        ),
    );
    for (index, source) in spellings.iter().enumerate() {
        let options = refract::import::ImportOptions {
            source: Some((*source).to_owned()),
            ..Default::default()
        };
        let report = env.import_with(std::slice::from_ref(&file), &options);
        assert_eq!(report.failed, 0, "{source}: {report:#?}");
        if index > 0 {
            assert_eq!(report.added, 0, "{source} is another source: {report:#?}");
        }
    }
    assert_eq!(
        env.rows("SELECT DISTINCT source FROM fhir_resources"),
        vec![vec!["http://localhost:8080/fhir".to_owned()]]
    );
    assert_eq!(env.int("SELECT count(*) FROM conditions"), 1);
    // Another port, another address of the loopback network: other servers.
    for other in ["http://localhost:8081/fhir", "http://127.0.0.2:8080/fhir"] {
        let options = refract::import::ImportOptions {
            source: Some(other.to_owned()),
            ..Default::default()
        };
        let report = env.import_with(std::slice::from_ref(&file), &options);
        assert_eq!(report.added, 1, "{other}: {report:#?}");
    }

    // A file in which an earlier version kept `127.0.0.1`: that spelling stays.
    let mut env = Env::new();
    let options = |source: &str| refract::import::ImportOptions {
        source: Some(source.to_owned()),
        ..Default::default()
    };
    env.import_with(
        std::slice::from_ref(&file),
        &options("https://old.example/fhir"),
    );
    {
        let conn = sql_on(&env.store);
        conn.execute_batch(
            "UPDATE fhir_resources SET source = 'http://127.0.0.1:8080/fhir';
             UPDATE imports SET source = 'http://127.0.0.1:8080/fhir';
             UPDATE patient_identifiers
                SET system = replace(system, 'https://old.example/fhir', 'http://127.0.0.1:8080/fhir');",
        )
        .unwrap();
    }
    for source in ["http://localhost:8080/fhir", "http://[::1]:8080/fhir"] {
        let report = env.import_with(std::slice::from_ref(&file), &options(source));
        assert_eq!(report.added, 0, "{source}: {report:#?}");
    }
    assert_eq!(
        env.rows("SELECT DISTINCT source FROM fhir_resources"),
        vec![vec!["http://127.0.0.1:8080/fhir".to_owned()]]
    );
}

/// A file in which an older version kept a source with a user and password: the migration
/// rewrites it without them wherever a source is stored, merged with the spelling without
/// the password when the file holds that too (the newer copy of a resource held under both
/// kept).
#[test]
fn a_source_kept_with_a_password_by_an_older_version_is_rewritten_without_it() {
    let mut env = Env::new();
    let first = env.write_json(
        "first.json",
        &bundle(
            "collection",
            &[
                patient("p-pw", "PW-1", "Moreau", "Lea"),
                with(
                    condition("c-both", "urn:uuid:p-pw", ICD10, "G40.909", "Epilepsy"),
                    &json!({"meta": {"lastUpdated": "2024-01-01T00:00:00Z"}}),
                ),
                condition("c-only", "urn:uuid:p-pw", ICD10, "I10", "Hypertension"),
            ],
        ),
    );
    let clean = "https://ehr.example/fhir";
    let secret = "https://dr.who:Secret-PW@ehr.example/fhir";
    let alone = "https://nurse:Other-PW@lab.example/fhir";
    let options = refract::import::ImportOptions {
        source: Some(clean.to_owned()),
        ..Default::default()
    };
    env.import_with(std::slice::from_ref(&first), &options);
    {
        // The file as an older version left it: every resource also under the spelling with
        // the password (c-both newer there, c-only there alone), and a second server known
        // only with a password; schema 28 (what 0030 adds taken away, so that it runs again).
        let conn = sql_on(&env.store);
        conn.execute_batch(&format!(
            "INSERT INTO fhir_resources (source, type, id, subject, refers, last_updated, digest,
                                         body, import_id)
               SELECT '{secret}', type, id, subject, refers, last_updated, digest, body, import_id
               FROM fhir_resources;
             UPDATE fhir_resources SET last_updated = '2025-06-01T00:00:00Z', digest = 'newer'
               WHERE source = '{secret}' AND id = 'c-both';
             DELETE FROM fhir_resources WHERE source = '{clean}' AND id = 'c-only';
             INSERT INTO fhir_resources (source, type, id, subject, refers, last_updated, digest,
                                         body, import_id)
               SELECT '{alone}', type, id || '-lab', subject, refers, last_updated, digest, body,
                      import_id
               FROM fhir_resources WHERE source = '{clean}';
             INSERT INTO patient_identifiers (system, value, patient_id)
               SELECT replace(system, '{clean}', '{secret}'), value, patient_id
               FROM patient_identifiers WHERE system LIKE 'urn:refract:%{clean}%';
             INSERT INTO patient_identifiers (system, value, patient_id)
               SELECT replace(system, '{clean}', '{alone}'), value, patient_id
               FROM patient_identifiers WHERE system LIKE 'urn:refract:%{clean}%';
             INSERT INTO imports (path, sha256, imported_at, summary, source)
               VALUES ('old.json', 'abc', '2024-01-01 00:00:00', '{{}}', '{secret}'),
                      ('lab.json', 'def', '2024-01-01 00:00:00', '{{}}', '{alone}');
             INSERT INTO pulls (server, transaction_time, finished_at)
               VALUES ('{secret}', '2024-01-01T00:00:00Z', '2024-01-01 00:00:00');
             INSERT INTO pull_checkpoints (pull_id, server, scope, resource_type,
                                           transaction_time)
               SELECT id, server, '', 'Condition', transaction_time FROM pulls;
             INSERT INTO medication_ingredients (source, ingredient, medication)
               VALUES ('{secret}', 'Substance/s1', 'm1'), ('{clean}', 'Substance/s1', 'm1');
             DROP TRIGGER meetings_uid_made;
             DROP INDEX meetings_uid;
             ALTER TABLE meetings DROP COLUMN uid;
             ALTER TABLE conditions DROP COLUMN recorded;
             ALTER TABLE drug_exposures DROP COLUMN end_utc_offset;
             ALTER TABLE procedures DROP COLUMN end_utc_offset;
             ALTER TABLE observations DROP COLUMN since_utc_offset;
             ALTER TABLE observations DROP COLUMN utc_offset;
             ALTER TABLE procedures DROP COLUMN utc_offset;
             ALTER TABLE drug_exposures DROP COLUMN utc_offset;
             DROP INDEX patient_identifiers_value;
             ALTER TABLE patient_identifiers DROP COLUMN id_use;
             ALTER TABLE patient_identifiers DROP COLUMN id_type;
             ALTER TABLE patients DROP COLUMN demographics_updated;
             DROP TABLE patient_names;
             DROP TABLE refused_patient_ids;
             DROP TABLE death_reports;
             ALTER TABLE drug_exposures DROP COLUMN said_stopped;
             DROP TABLE alive_reports;
             ALTER TABLE patients DROP COLUMN mrn_use;
             ALTER TABLE patients DROP COLUMN mrn_type;
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
             PRAGMA user_version = 28;"
        ))
        .unwrap();
    }
    env.store =
        refract::store::Store::open(&env.db(), refract::store::OpenMode::MustExist, "fhir-test")
            .unwrap();
    let everywhere = env
        .rows(
            "SELECT source FROM fhir_resources UNION ALL SELECT source FROM imports
             UNION ALL SELECT server FROM pulls UNION ALL SELECT server FROM pull_checkpoints
             UNION ALL SELECT system FROM patient_identifiers
             UNION ALL SELECT source FROM medication_ingredients",
        )
        .concat()
        .concat();
    assert!(!everywhere.contains("PW"), "{everywhere}");
    assert!(!everywhere.contains('@'), "{everywhere}");
    assert_eq!(
        env.rows(
            "SELECT source, id, coalesce(last_updated, '') FROM fhir_resources
             WHERE type = 'Condition' ORDER BY 1, 2"
        ),
        vec![
            vec![
                clean.to_owned(),
                "c-both".to_owned(),
                "2025-06-01T00:00:00Z".to_owned()
            ],
            vec![clean.to_owned(), "c-only".to_owned(), String::new()],
            vec![
                "https://lab.example/fhir".to_owned(),
                "c-both-lab".to_owned(),
                "2024-01-01T00:00:00Z".to_owned()
            ],
        ]
    );
    assert_eq!(
        env.int("SELECT count(*) FROM pulls WHERE server = 'https://ehr.example/fhir'"),
        1
    );
    // The patient is still found by their resource id under the source: a re-import adds
    // nothing and makes no second patient.
    let report = env.import_with(std::slice::from_ref(&first), &options);
    assert_eq!(report.failed, 0, "{report:#?}");
    assert_eq!(env.int("SELECT count(*) FROM patients"), 1);
    assert_eq!(
        env.int("SELECT count(*) FROM fhir_resources WHERE source = 'https://ehr.example/fhir'"),
        2
    );
}

/// Anna and Bob of one hospital; a drug record charted to `charted_to`, written at `updated`.
fn two_patients_and_a_drug(charted_to: &str, updated: Option<&str>) -> Value {
    let mut drug = statement(
        "x-lev",
        charted_to,
        LEVETIRACETAM,
        "active",
        "2026-08-01",
        None,
    );
    if let Some(updated) = updated {
        drug = with(drug, &json!({"meta": {"lastUpdated": updated}}));
    }
    bundle(
        "collection",
        &[
            with(
                patient("pa", "MRN-A", "Kowalski", "Anna"),
                &json!({"id": "pa"}),
            ),
            with(patient("pb", "MRN-B", "Nowak", "Bob"), &json!({"id": "pb"})),
            condition("ca", "urn:uuid:pa", ICD10, "G40.909", "Epilepsy"),
            condition("cb", "urn:uuid:pb", ICD10, "G40.909", "Epilepsy"),
            drug,
        ],
    )
}

fn drugs_of(env: &Env, mrn: &str) -> usize {
    env.int(&format!(
        "SELECT count(*) FROM drug_exposures d JOIN patients p ON p.id = d.patient_id
         WHERE p.mrn = '{mrn}'"
    )) as usize
}

/// A source corrects a record charted to the wrong one of its patients: same id, another
/// subject, written later. It moves, both records are rebuilt and the move is audited on each;
/// an undated correction is refused without the advice to use `--source`, which would copy
/// every record.
#[test]
fn a_newer_version_filing_a_record_under_another_patient_of_the_source_moves_it() {
    let mut env = Env::new();
    let first = env.write_json(
        "m1.json",
        &two_patients_and_a_drug("urn:uuid:pa", Some("2026-09-01T00:00:00Z")),
    );
    env.import_ok(&first);
    assert_eq!((drugs_of(&env, "MRN-A"), drugs_of(&env, "MRN-B")), (1, 0));
    let second = env.write_json(
        "m2.json",
        &two_patients_and_a_drug("urn:uuid:pb", Some("2026-10-01T00:00:00Z")),
    );
    let file = env.import_ok(&second);
    assert!(
        file.warnings
            .iter()
            .any(|w| w.message.starts_with("moved from MRN MRN-A")),
        "{:#?}",
        file.warnings
    );
    assert_eq!((drugs_of(&env, "MRN-A"), drugs_of(&env, "MRN-B")), (0, 1));
    assert_eq!(
        env.int(
            "SELECT count(DISTINCT patient_id) FROM audit_log WHERE action = 'import.resource.move'"
        ),
        2
    );
    // Without a newer time, which version is the source's word cannot be told: refused, and
    // the message does not send the user to --source.
    let mut env = Env::new();
    let first = env.write_json("m1.json", &two_patients_and_a_drug("urn:uuid:pa", None));
    env.import_ok(&first);
    let second = env.write_json("m2.json", &two_patients_and_a_drug("urn:uuid:pb", None));
    let file = env.import_ok(&second);
    let refused: Vec<&str> = file
        .warnings
        .iter()
        .map(|w| w.message.as_str())
        .filter(|m| m.starts_with("not moved"))
        .collect();
    assert_eq!(refused.len(), 1, "{:#?}", file.warnings);
    assert!(
        refused[0].contains("never a correction, which it would copy"),
        "{refused:?}"
    );
    assert_eq!((drugs_of(&env, "MRN-A"), drugs_of(&env, "MRN-B")), (1, 0));

    // Another record under a colliding id (a second hospital's files imported without
    // --source: its own drug, newer, for its own patient) is no correction of the first: only
    // a version whose content is the stored one's, its subject alone changed, moves. Anna
    // keeps her drug; nothing of hers is taken or replaced.
    let mut env = Env::new();
    let first = env.write_json(
        "m1.json",
        &two_patients_and_a_drug("urn:uuid:pa", Some("2026-09-01T00:00:00Z")),
    );
    env.import_ok(&first);
    let mut other = two_patients_and_a_drug("urn:uuid:pb", Some("2026-10-01T00:00:00Z"));
    for entry in other["entry"].as_array_mut().unwrap() {
        if entry["resource"]["id"] == "x-lev" {
            entry["resource"]["effectivePeriod"] = json!({"start": "2025-02-01"});
        }
    }
    let second = env.write_json("other.json", &other);
    let file = env.import_ok(&second);
    assert!(
        !file
            .warnings
            .iter()
            .any(|w| w.message.starts_with("moved from")),
        "{:#?}",
        file.warnings
    );
    assert_eq!((drugs_of(&env, "MRN-A"), drugs_of(&env, "MRN-B")), (1, 0));
    assert_eq!(
        env.int("SELECT count(*) FROM audit_log WHERE action = 'import.resource.move'"),
        0
    );
}

/// A refract export imported into a new file, then the hospital's own export, both under the
/// default source: the Patient ids differ, so the file fails, and says how to keep them apart.
#[test]
fn a_patient_under_another_id_of_the_same_source_is_refused_with_the_way_out() {
    let mut env = Env::new();
    let first = env.write_json(
        "export.json",
        &bundle(
            "collection",
            &[with(
                patient("d39a", "MRN-A", "Kowalski", "Anna"),
                &json!({"id": "d39a"}),
            )],
        ),
    );
    env.import_ok(&first);
    let second = env.write_json(
        "hospital.json",
        &bundle(
            "collection",
            &[with(
                patient("p1", "MRN-A", "Kowalski", "Anna"),
                &json!({"id": "p1"}),
            )],
        ),
    );
    let report = env.import(&[second]);
    let error = report.files[0].error.clone().unwrap_or_default();
    assert!(
        error.contains("of the same source") && error.contains("its own --source NAME"),
        "{report:#?}"
    );
}

/// Review R8-6: a confirmed review holds while the evidence is what the team reviewed. A GP's
/// record of the epilepsy in SNOMED CT beside the hospital's ICD-10 record, or the hospital's
/// record sent again with a SNOMED CT coding added, or in a less detailed ICD-10 code the rule
/// file reads alike (ENGINE 32), is the same diagnosis (README: "a second record of the same
/// diagnosis changes nothing"); another epilepsy diagnosis the list holds apart asks again.
#[test]
fn the_same_diagnosis_in_snomed_ct_from_another_source_keeps_the_teams_review() {
    use refract::domain::ReviewState;
    let mut env = Env::new();
    let hospital = epilepsy_bundle("p-sn", "SN-1", ("266721009", "No response to treatment"));
    env.import_as("hospital", &hospital);
    let id = PatientId(env.patient_id("SN-1"));
    let state = |env: &Env| {
        env.store
            .assessments(id)
            .unwrap()
            .into_iter()
            .find(|a| a.assessment.ruleset == "epilepsy")
            .map(|a| (a.assessment.status.as_str().to_owned(), a.review))
            .unwrap()
    };
    assert_eq!(state(&env).0, "refractory");
    env.store
        .review(
            id,
            "epilepsy",
            ReviewDecision::Confirmed,
            "Two adequate trials failed",
            today(),
        )
        .unwrap();
    assert_eq!(state(&env).1, ReviewState::Confirmed);

    // The GP's own record of the diagnosis, in SNOMED CT.
    let subject = "urn:uuid:gp-sn";
    let gp = bundle(
        "collection",
        &[
            patient("gp-sn", "SN-1", "Okafor", "Ada"),
            condition("gp-sn-dx", subject, super::SNOMED, "84757009", "Epilepsy"),
        ],
    );
    env.import_as("gp", &gp);
    assert_eq!(
        env.int(&format!(
            "SELECT count(*) FROM conditions WHERE patient_id = {}",
            id.0
        )),
        2
    );
    assert_eq!(state(&env), ("refractory".into(), ReviewState::Confirmed));

    // The hospital's record again, a SNOMED CT coding before its ICD-10 one.
    let mut recoded = hospital.clone();
    let entries = recoded["entry"].as_array_mut().unwrap();
    let dx = entries
        .iter_mut()
        .find(|e| e["resource"]["resourceType"] == "Condition")
        .unwrap();
    let icd10 = dx["resource"]["code"]["coding"][0].clone();
    dx["resource"]["code"]["coding"] = json!([
        {"system": super::SNOMED, "code": "84757009", "display": "Epilepsy"},
        icd10
    ]);
    env.import_as("hospital", &recoded);
    assert_eq!(state(&env), ("refractory".into(), ReviewState::Confirmed));

    // The hospital's record sent again in the GP's less detailed code, G40.9 for G40.909: both
    // are epilepsy.toml's `G40`, the diagnosis the team reviewed (ENGINE 32).
    let recoded_less = with_diagnosis(
        &hospital,
        json!({"coding": [{"system": ICD10, "code": "G40.9", "display": "Epilepsy, unspecified"}]}),
    );
    env.import_as("hospital", &recoded_less);
    assert_eq!(state(&env), ("refractory".into(), ReviewState::Confirmed));

    // Another epilepsy diagnosis, one the list holds apart (SNOMED CT 230418006
    // |Lennox-Gastaut syndrome|): not what the team reviewed.
    let other = with_diagnosis(
        &hospital,
        json!({"coding": [{
            "system": super::SNOMED,
            "code": "230418006",
            "display": "Lennox-Gastaut syndrome"
        }]}),
    );
    env.import_as("hospital", &other);
    assert_eq!(state(&env), ("refractory".into(), ReviewState::Unreviewed));
}

/// `bundle` with its diagnosis coded as `code` (a FHIR CodeableConcept).
fn with_diagnosis(bundle: &Value, code: Value) -> Value {
    let mut bundle = bundle.clone();
    if let Some(dx) = bundle["entry"].as_array_mut().and_then(|entries| {
        entries
            .iter_mut()
            .find(|e| e["resource"]["resourceType"] == "Condition")
    }) {
        dx["resource"]["code"] = code;
    }
    bundle
}
