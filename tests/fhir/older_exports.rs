//! An older export, or exports applied out of order, never undo what a newer one said: a
//! whole-record replace by an older full export removes neither what it holds in an older
//! version nor what was written after it was made; a removal is remembered, so that an older
//! copy read later does not bring back what the source entered in error or deleted; a Bulk
//! folder's manifest says which export is later (review r5: R5-2, R5-6, R5-7).

use refract::import::{ImportOptions, ImportReport};
use serde_json::{Value, json};

use super::{AMLODIPINE, Env, ICD10, LOINC, bundle, coding, condition, patient, statement, with};

const SEPTEMBER: &str = "2026-09-01T00:00:00Z";
const OCTOBER: &str = "2026-10-01T00:00:00Z";
const NOVEMBER: &str = "2026-11-01T00:00:00Z";
const SUBJECT: &str = "Patient/p-old";

fn written(resource: Value, when: &str) -> Value {
    with(resource, &json!({"meta": {"lastUpdated": when}}))
}

fn reading(id: &str, at: &str, systolic: f64, when: &str) -> Value {
    written(
        json!({
            "resourceType": "Observation",
            "id": id,
            "status": "final",
            "subject": {"reference": SUBJECT},
            "code": coding(LOINC, "8480-6", "Systolic blood pressure"),
            "effectiveDateTime": at,
            "valueQuantity": {"value": systolic, "unit": "mm[Hg]"}
        }),
        when,
    )
}

fn amlodipine(when: &str) -> Value {
    written(
        statement("old-aml", SUBJECT, AMLODIPINE, "active", "2023-06-10", None),
        when,
    )
}

fn diagnosis(verification: &str, when: &str) -> Value {
    let mut resource = condition("old-dx", SUBJECT, ICD10, "I10", "Essential hypertension");
    resource["verificationStatus"]["coding"][0]["code"] = json!(verification);
    written(resource, when)
}

/// The September export: the patient, the diagnosis, amlodipine and one reading.
fn september() -> Vec<Value> {
    vec![
        written(patient("p-old", "OLD-1", "Nowak", "Ewa"), SEPTEMBER),
        diagnosis("confirmed", SEPTEMBER),
        amlodipine(SEPTEMBER),
        reading("old-bp1", "2026-08-20", 152.0, SEPTEMBER),
    ]
}

/// The October export: amlodipine written again (a stated reason added) and a new reading.
fn october() -> Vec<Value> {
    let mut resources = september();
    resources[2] = with(
        amlodipine(OCTOBER),
        &json!({"reasonCode": [coding(ICD10, "I10", "Essential hypertension")]}),
    );
    resources.push(reading("old-bp2", "2026-09-20", 154.0, OCTOBER));
    resources
}

fn stored(env: &Env) -> Vec<Vec<String>> {
    env.rows(
        "SELECT type, id, coalesce(last_updated, '-') FROM fhir_resources
         WHERE type <> 'Patient' ORDER BY type, id",
    )
}

fn removals_audited(env: &Env) -> i64 {
    env.int("SELECT count(*) FROM audit_log WHERE action = 'import.resource.remove'")
}

fn replacing() -> ImportOptions {
    ImportOptions {
        replace: true,
        ..ImportOptions::default()
    }
}

fn removed(report: &ImportReport) -> usize {
    report.files.iter().map(|file| file.removed).sum()
}

#[test]
fn an_older_full_export_removes_neither_what_it_holds_older_nor_what_came_after_it() {
    // The September export as it came (times only on its resources), with its Bundle's
    // timestamp, and as the one page of an unfiltered $everything (a whole record without
    // --replace).
    let mut with_timestamp = bundle("collection", &september());
    with_timestamp["timestamp"] = json!(SEPTEMBER);
    let mut everything = bundle("searchset", &september());
    everything["link"] = json!([{
        "relation": "self",
        "url": "https://ehr.example.org/fhir/Patient/p-old/$everything"
    }]);
    let cases = [
        ("plain", bundle("collection", &september()), true),
        ("timestamp", with_timestamp, true),
        ("$everything", everything, false),
    ];
    for (case, old, replace) in cases {
        let mut env = Env::new();
        let first = env.write_json("september.json", &bundle("collection", &september()));
        env.import_ok(&first);
        let newer = env.write_json("october.json", &bundle("collection", &october()));
        env.import_ok(&newer);
        let after_october = stored(&env);
        assert_eq!(
            after_october,
            [
                ["Condition", "old-dx", SEPTEMBER],
                ["MedicationStatement", "old-aml", OCTOBER],
                ["Observation", "old-bp1", SEPTEMBER],
                ["Observation", "old-bp2", OCTOBER]
            ],
            "{case}"
        );

        let old = env.write_json("september-again.json", &old);
        let options = if replace {
            replacing()
        } else {
            ImportOptions::default()
        };
        let report = env.import_with(&[old], &options);
        assert_eq!(report.failed, 0, "{case}: {report:#?}");
        assert_eq!(
            stored(&env),
            after_october,
            "{case}: amlodipine is in the file (older) and the October reading came after it"
        );
        assert_eq!(removed(&report), 0, "{case}: {report:#?}");
        assert_eq!(removals_audited(&env), 0, "{case}");
        assert_eq!(
            env.int("SELECT count(*) FROM drug_exposures WHERE rxnorm = '17767'"),
            1,
            "{case}"
        );
    }
}

#[test]
fn a_full_export_still_removes_what_it_no_longer_holds_and_counts_only_that() {
    // October's export no longer holds the first reading (written in September, before the
    // file was made): removed, counted and audited once; the amlodipine stored from the same
    // file stays.
    let mut env = Env::new();
    let first = env.write_json("september.json", &bundle("collection", &september()));
    env.import_ok(&first);
    let mut later: Vec<Value> = october()
        .into_iter()
        .filter(|resource| resource["id"] != "old-bp1")
        .collect();
    later[0] = written(patient("p-old", "OLD-1", "Nowak", "Ewa"), OCTOBER);
    let later = env.write_json("october.json", &bundle("collection", &later));
    let report = env.import_with(&[later], &replacing());
    assert_eq!(removed(&report), 1, "{report:#?}");
    assert_eq!(removals_audited(&env), 1);
    assert_eq!(
        stored(&env),
        [
            ["Condition", "old-dx", SEPTEMBER],
            ["MedicationStatement", "old-aml", OCTOBER],
            ["Observation", "old-bp2", OCTOBER]
        ]
    );
    // Nor does the September export bring the removed reading back: it is older than the
    // October file that no longer held it.
    let again = env.write_json("september-again.json", &bundle("collection", &september()));
    env.import_ok(&again);
    assert!(
        !stored(&env).iter().any(|row| row[1] == "old-bp1"),
        "{:?}",
        stored(&env)
    );
}

#[test]
fn an_older_export_does_not_bring_back_a_diagnosis_entered_in_error_later() {
    let mut env = Env::new();
    let september_file = env.write_json("september.json", &bundle("collection", &september()));
    env.import_ok(&september_file);
    let diagnoses = |env: &Env| env.int("SELECT count(*) FROM conditions");
    assert_eq!(diagnoses(&env), 1);

    // October: the diagnosis entered in error.
    let mut retracted = september();
    retracted[1] = diagnosis("entered-in-error", OCTOBER);
    let retracted = env.write_json("october.json", &bundle("collection", &retracted));
    env.import_ok(&retracted);
    assert_eq!(diagnoses(&env), 0);

    // The September export again (another run): its copy is older than the retraction.
    let report = env.import(std::slice::from_ref(&september_file));
    assert_eq!(report.failed, 0, "{report:#?}");
    assert_eq!(diagnoses(&env), 0, "the September copy stays out");

    // November: the source records the diagnosis again, written after the retraction.
    let mut restored = september();
    restored[1] = diagnosis("confirmed", NOVEMBER);
    let restored = env.write_json("november.json", &bundle("collection", &restored));
    env.import_ok(&restored);
    assert_eq!(
        diagnoses(&env),
        1,
        "a copy written after the removal comes back"
    );
    // And the removal is forgotten: it no longer keeps anything out.
    assert_eq!(
        env.int("SELECT count(*) FROM removed_resources WHERE type = 'Condition'"),
        0
    );
}

#[test]
fn a_deletion_without_a_time_keeps_out_the_copy_it_deleted_but_not_a_later_one() {
    let mut env = Env::new();
    let september_file = env.write_json("september.json", &bundle("collection", &september()));
    env.import_ok(&september_file);
    let delete = json!({
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [{"request": {"method": "DELETE", "url": "Observation/old-bp1"}}]
    });
    let delete = env.write_json("delete.json", &delete);
    env.import_ok(&delete);
    let readings = |env: &Env| env.int("SELECT count(*) FROM observations");
    assert_eq!(readings(&env), 0);

    // The same September copy, in a file read later: the deleted version, or an older one.
    let again = env.write_json("september-again.json", &bundle("collection", &september()));
    env.import_ok(&again);
    assert_eq!(readings(&env), 0, "the deleted version stays deleted");

    // Written again after it was deleted: comes back.
    let rewritten = bundle(
        "collection",
        &[
            written(patient("p-old", "OLD-1", "Nowak", "Ewa"), OCTOBER),
            reading("old-bp1", "2026-08-20", 150.0, OCTOBER),
        ],
    );
    let rewritten = env.write_json("rewritten.json", &rewritten);
    env.import_ok(&rewritten);
    assert_eq!(readings(&env), 1);
}

/// Two exports of one server, saved in folders named by job id with each manifest: the
/// October export (`job-0b17`, which sorts first) deletes a reading the September export
/// (`job-f3a9`) holds. The manifests' `transactionTime` orders them: the reading stays deleted.
#[test]
fn bulk_exports_are_applied_in_the_order_their_manifests_give() {
    let line = |resource: &Value| serde_json::to_string(resource).unwrap() + "\n";
    let manifest = |when: &str| {
        json!({
            "transactionTime": when,
            "request": "https://ehr.example.org/fhir/$export?_since=2026-09-01T00:00:00Z",
            "requiresAccessToken": true,
            "output": [],
            "error": []
        })
    };
    let untimed = |resource: Value| {
        let mut resource = resource;
        resource.as_object_mut().unwrap().remove("meta");
        resource
    };
    for with_manifests in [true, false] {
        let mut env = Env::new();
        env.write_bytes(
            "exports/job-f3a9/Patient.ndjson",
            line(&untimed(patient("p-old", "OLD-1", "Nowak", "Ewa"))).as_bytes(),
        );
        env.write_bytes(
            "exports/job-f3a9/Observation.ndjson",
            line(&untimed(reading("old-bp1", "2026-08-20", 152.0, SEPTEMBER))).as_bytes(),
        );
        let deletion = json!({
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [{"request": {"method": "DELETE", "url": "Observation/old-bp1"}}]
        });
        env.write_bytes(
            "exports/job-0b17/deleted/del.ndjson",
            line(&deletion).as_bytes(),
        );
        env.write_bytes(
            "exports/job-0b17/Observation.ndjson",
            line(&untimed(reading("old-bp2", "2026-09-20", 154.0, OCTOBER))).as_bytes(),
        );
        if with_manifests {
            env.write_json("exports/job-f3a9/manifest.json", &manifest(SEPTEMBER));
            env.write_json("exports/job-0b17/manifest.json", &manifest(OCTOBER));
        }
        let options = ImportOptions {
            source: Some("https://ehr.example.org/fhir".to_owned()),
            ..ImportOptions::default()
        };
        let report = env.import_with(&[env.path("exports")], &options);
        assert_eq!(report.failed, 0, "{report:#?}");
        let kept = env
            .rows("SELECT id FROM fhir_resources WHERE type = 'Observation' ORDER BY id")
            .concat();
        if with_manifests {
            assert_eq!(
                kept,
                ["old-bp2"],
                "September first, then October's deletion"
            );
        } else {
            // Without a manifest, name order: job-0b17 first (README, *The order of a run's
            // files*: name exports so that they sort by date).
            assert_eq!(kept, ["old-bp1", "old-bp2"]);
        }
    }
}
