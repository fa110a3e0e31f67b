//! Imported patients are evaluated once their rows are rebuilt from their resources. What is
//! stored must be exactly what evaluating the stored record gives: the assessments (status,
//! words, evidence pointing at the stored rows, fingerprint) and the list columns.

use refract::demo::{self, DemoOptions};
use refract::domain::PatientId;
use refract::fhir;
use refract::store::{self, OpenMode, Store};

use super::{Env, today};

/// Every list column of every patient, in id order.
fn list_rows(env: &Env) -> Vec<Vec<String>> {
    env.rows(
        "SELECT id, list_status, list_ruleset, list_line, list_regimen, list_wf,
                list_wf_overdue, list_review, eval_record, record_version
         FROM patients ORDER BY id",
    )
}

#[test]
fn a_new_patient_is_stored_as_its_stored_record_evaluates() {
    let mut env = Env::new();
    // The demo's stories cover every rule set and status.
    let source = env.path("source.db");
    let options = DemoOptions {
        patients: 240,
        seed: 11,
        today: today(),
    };
    demo::create(&source, &options, &env.rules).unwrap();
    let demo_store = Store::open(&source, OpenMode::MustExist, "test").unwrap();
    let ids: Vec<PatientId> = (1..=240).map(PatientId).collect();
    let mut files = Vec::new();
    for (index, chunk) in ids.chunks(80).enumerate() {
        let path = env.path(&format!("part-{index}.json"));
        let mut out = std::fs::File::create(&path).unwrap();
        fhir::write_bundle(&demo_store, chunk, &mut out).unwrap();
        files.push(path);
    }
    let report = env.import(&files);
    assert_eq!(report.patients, 240, "{report:#?}");
    assert_eq!(report.evaluated, 240);

    let mut statuses = std::collections::BTreeSet::new();
    let mut with_evidence = 0;
    for id in 1..=240 {
        let record = env.store.load_records(id, id).unwrap().pop().unwrap();
        let mut expected = env.rules.evaluate(&record, today());
        expected.sort_by(|a, b| {
            b.status
                .rank()
                .cmp(&a.status.rank())
                .then_with(|| a.ruleset.cmp(&b.ruleset))
        });
        let stored: Vec<_> = env
            .store
            .assessments(PatientId(id))
            .unwrap()
            .into_iter()
            .map(|a| a.assessment)
            .collect();
        assert_eq!(stored.len(), expected.len(), "patient {id}");
        for (stored, expected) in stored.iter().zip(&expected) {
            assert_eq!(stored.ruleset, expected.ruleset, "patient {id}");
            assert_eq!(stored.status, expected.status, "patient {id}");
            assert_eq!(stored.label, expected.label, "patient {id}");
            assert_eq!(stored.reasons, expected.reasons, "patient {id}");
            assert_eq!(
                stored.evidence, expected.evidence,
                "patient {id}: evidence ids"
            );
            assert_eq!(stored.missing, expected.missing, "patient {id}");
            assert_eq!(stored.confounders, expected.confounders, "patient {id}");
            assert_eq!(stored.fingerprint, expected.fingerprint, "patient {id}");
            statuses.insert(stored.status.as_str());
            with_evidence += usize::from(!stored.evidence.is_empty());
        }
    }
    assert!(
        statuses.len() >= 4,
        "the stories cover the statuses: {statuses:?}"
    );
    assert!(with_evidence > 100, "evidence is checked ({with_evidence})");

    // The list columns are what computing them from the stored rows gives.
    let before = list_rows(&env);
    let now = store::now_utc();
    env.store
        .write(|tx| {
            for id in 1..=240 {
                store::refresh_list_row(tx, PatientId(id), today(), now)?;
            }
            Ok::<_, store::StoreError>(())
        })
        .unwrap();
    assert_eq!(list_rows(&env), before);
    // And nothing is due for evaluation again.
    assert!(
        env.store
            .stale_patients(&env.rules.stamp, today())
            .unwrap()
            .is_empty()
    );
}
