//! The evaluation pass and reviews on a real store: incremental re-evaluation, reviews that
//! hold until the evidence changes, and the `flags`, `review` and `check` commands.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use crate::sql;
use sql::sql_on;

use assert_cmd::Command;
use chrono::NaiveDate;
use refract::assess;
use refract::demo::{self, DemoOptions};
use refract::domain::{AssessmentStatus, ReviewDecision, ReviewState};
use refract::rules::Rules;
use refract::store::{OpenMode, Store};
use tempfile::TempDir;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
}

fn demo_store(dir: &TempDir, patients: u64) -> (Store, Rules) {
    let rules = Rules::embedded().unwrap();
    let path = dir.path().join("demo.db");
    demo::create(
        &path,
        &DemoOptions {
            patients,
            seed: 5,
            today: today(),
        },
        &rules,
    )
    .unwrap();
    (
        Store::open(&path, OpenMode::MustExist, "tester").unwrap(),
        rules,
    )
}

fn refractory_patient(store: &Store, ruleset: &str) -> refract::domain::PatientId {
    let id: i64 = sql_on(store)
        .query_row(
            "SELECT patient_id FROM assessments WHERE status = 'refractory' AND ruleset = ?1 ORDER BY patient_id LIMIT 1",
            [ruleset],
            |row| row.get(0),
        )
        .unwrap();
    refract::domain::PatientId(id)
}

#[test]
fn evaluation_is_incremental() {
    let dir = TempDir::new().unwrap();
    let (mut store, rules) = demo_store(&dir, 150);
    // The demo stored fresh assessments: nothing to do today.
    let pass = assess::refresh(&mut store, &rules, today(), |_, _| {}).unwrap();
    assert_eq!(pass.evaluated, 0);
    // Tomorrow every patient is evaluated again (windows move with the day)…
    let tomorrow = today().succ_opt().unwrap();
    let pass = assess::refresh(&mut store, &rules, tomorrow, |_, _| {}).unwrap();
    assert_eq!(pass.evaluated, 150);
    // …and only once.
    let pass = assess::refresh(&mut store, &rules, tomorrow, |_, _| {}).unwrap();
    assert_eq!(pass.evaluated, 0);
    // A change to one record makes only that patient stale.
    sql_on(&store)
        .execute(
            "UPDATE patients SET record_version = record_version + 1 WHERE id = 7",
            [],
        )
        .unwrap();
    let pass = assess::refresh(&mut store, &rules, tomorrow, |_, _| {}).unwrap();
    assert_eq!(pass.evaluated, 1);
}

#[test]
fn a_dismissal_holds_until_the_evidence_changes() {
    let dir = TempDir::new().unwrap();
    let (mut store, rules) = demo_store(&dir, 300);
    let patient = refractory_patient(&store, "epilepsy");
    store
        .review(
            patient,
            "epilepsy",
            ReviewDecision::Dismissed,
            "Psychogenic events on video-EEG",
            today(),
        )
        .unwrap();
    let state = |store: &Store| {
        store
            .assessments(patient)
            .unwrap()
            .into_iter()
            .find(|a| a.assessment.ruleset == "epilepsy")
            .unwrap()
    };
    assert_eq!(state(&store).review, ReviewState::Dismissed);

    // Re-evaluation on another day, same evidence: still dismissed.
    let later = today() + chrono::Duration::days(3);
    assess::refresh(&mut store, &rules, later, |_, _| {}).unwrap();
    let after = state(&store);
    assert_eq!(after.assessment.status, AssessmentStatus::Refractory);
    assert_eq!(after.review, ReviewState::Dismissed);

    // A new failed drug is new evidence: the dismissal no longer applies.
    sql_on(&store)
        .execute_batch(&format!(
            "INSERT INTO drug_exposures (patient_id, text, start, end, dose_value, dose_unit, stop_reason, source)
             VALUES ({pid}, 'Topiramate 200 mg/d', '2026-01-01 09:00:00', '2026-09-01 09:00:00', 200, 'mg/d',
                     'lack_of_efficacy', 'entered');
             DELETE FROM line_drugs WHERE line_id IN (SELECT id FROM treatment_lines WHERE patient_id = {pid});
             DELETE FROM treatment_lines WHERE patient_id = {pid};
             UPDATE patients SET record_version = record_version + 1 WHERE id = {pid};",
            pid = patient.0
        ))
        .unwrap();
    assess::refresh(&mut store, &rules, later, |_, _| {}).unwrap();
    let changed = state(&store);
    assert_ne!(changed.assessment.fingerprint, after.assessment.fingerprint);
    assert_eq!(changed.review, ReviewState::Unreviewed);
    // The patient list follows.
    let list_review: i64 = sql_on(&store)
        .query_row(
            "SELECT list_review FROM patients WHERE id = ?1",
            [patient.0],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(list_review, 0);
}

#[test]
fn a_review_needs_a_rationale_and_is_audited() {
    let dir = TempDir::new().unwrap();
    let (mut store, _) = demo_store(&dir, 200);
    let patient = refractory_patient(&store, "hypertension");
    assert!(
        store
            .review(
                patient,
                "hypertension",
                ReviewDecision::Confirmed,
                "   ",
                today()
            )
            .is_err()
    );
    store
        .review(
            patient,
            "hypertension",
            ReviewDecision::Confirmed,
            "Seen in clinic; ABPM confirms",
            today(),
        )
        .unwrap();
    let history = store.audit_history(patient, 5).unwrap();
    let entry = history
        .iter()
        .find(|e| e.action == "review.confirm")
        .unwrap();
    assert_eq!(entry.who, "tester");
    assert_eq!(
        entry.after.as_ref().unwrap()["rationale"],
        "Seen in clinic; ABPM confirms"
    );
    assert!(entry.before.is_some());
}

fn refract_cmd() -> Command {
    let mut cmd = Command::cargo_bin("refract").unwrap();
    cmd.env_remove("REFRACT_DB").env("USER", "cli-test");
    cmd
}

fn cli_demo(dir: &TempDir) -> std::path::PathBuf {
    let path = dir.path().join("demo.db");
    refract_cmd()
        .arg("--db")
        .arg(&path)
        .args(["demo", "--patients", "200", "--no-open"])
        .assert()
        .success();
    path
}

#[test]
fn flags_json_follows_the_contract() {
    let dir = TempDir::new().unwrap();
    let db = cli_demo(&dir);
    let output = refract_cmd()
        .arg("--db")
        .arg(&db)
        .args(["flags", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert!(rows.len() >= 200);
    let statuses = [
        "refractory",
        "resistant",
        "relapsed",
        "not_met",
        "insufficient_data",
    ];
    for row in &rows {
        for key in [
            "mrn",
            "name",
            "condition",
            "status",
            "label",
            "reasons",
            "evidence",
            "missing",
            "confounders",
            "review",
            "ruleset_version",
            "citation",
        ] {
            assert!(row.get(key).is_some(), "missing {key} in {row}");
        }
        assert!(statuses.contains(&row["status"].as_str().unwrap()));
        assert!(
            ["unreviewed", "confirmed", "dismissed"].contains(&row["review"].as_str().unwrap())
        );
    }
    let only = refract_cmd()
        .arg("--db")
        .arg(&db)
        .args([
            "flags",
            "--json",
            "--status",
            "refractory",
            "--condition",
            "epilepsy",
        ])
        .output()
        .unwrap();
    let only: Vec<serde_json::Value> = serde_json::from_slice(&only.stdout).unwrap();
    assert!(!only.is_empty());
    assert!(
        only.iter()
            .all(|r| r["status"] == "refractory" && r["condition"] == "epilepsy")
    );
    assert!(
        only.iter()
            .all(|r| !r["evidence"].as_array().unwrap().is_empty())
    );
}

#[test]
fn flags_rejects_unknown_filters() {
    let dir = TempDir::new().unwrap();
    let db = cli_demo(&dir);
    let output = refract_cmd()
        .arg("--db")
        .arg(&db)
        .args(["flags", "--condition", "gout"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .starts_with("refract: unknown condition 'gout'")
    );
    let output = refract_cmd()
        .arg("--db")
        .arg(&db)
        .args(["flags", "--status", "awful"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn review_command_confirms_and_shows_in_flags() {
    let dir = TempDir::new().unwrap();
    let db = cli_demo(&dir);
    let output = refract_cmd()
        .arg("--db")
        .arg(&db)
        .args(["flags", "--json", "--status", "refractory"])
        .output()
        .unwrap();
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    let target = rows.iter().find(|r| r["review"] == "unreviewed").unwrap();
    let mrn = target["mrn"].as_str().unwrap();
    let condition = target["condition"].as_str().unwrap();
    refract_cmd()
        .arg("--db")
        .arg(&db)
        .args([
            "review",
            mrn,
            "--condition",
            condition,
            "--dismiss",
            "--rationale",
            "Doses below target",
        ])
        .assert()
        .success()
        .stdout(format!("{mrn} {condition}: dismissed\n"));
    let output = refract_cmd()
        .arg("--db")
        .arg(&db)
        .args(["flags", "--json", "--condition", condition])
        .output()
        .unwrap();
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    let row = rows.iter().find(|r| r["mrn"] == mrn).unwrap();
    assert_eq!(row["review"], "dismissed");
}

#[test]
fn check_names_the_file_and_line_of_a_bad_rule() {
    let dir = TempDir::new().unwrap();
    let db = cli_demo(&dir);
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    let text = refract::rules::EMBEDDED
        .iter()
        .find(|(id, _)| *id == "epilepsy")
        .unwrap()
        .1;
    let line = text
        .lines()
        .position(|l| l.starts_with("min_count"))
        .unwrap()
        + 1;
    std::fs::write(
        rules.join("epilepsy.toml"),
        text.replacen("min_count = 2", "min_cuont = 2", 1),
    )
    .unwrap();
    let output = refract_cmd()
        .arg("--db")
        .arg(&db)
        .arg("--rules")
        .arg(&rules)
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("epilepsy.toml:{line}:")),
        "{stderr}"
    );
    assert!(stderr.contains("min_cuont"), "{stderr}");
    // The same file breaks flags with the same one line, and changes nothing.
    let output = refract_cmd()
        .arg("--db")
        .arg(&db)
        .arg("--rules")
        .arg(&rules)
        .arg("flags")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains(&format!("epilepsy.toml:{line}:"))
    );
}

/// The maintained list counts against a count of the patients themselves.
fn assert_counts_exact(store: &Store) {
    use refract::store::ListFilter;
    let filters = [
        ListFilter::default(),
        ListFilter {
            ruleset: Some(String::from("epilepsy")),
            ..ListFilter::default()
        },
        ListFilter {
            unreviewed_only: true,
            ..ListFilter::default()
        },
        ListFilter {
            care_team: Some(String::from("Hypertension clinic")),
            ..ListFilter::default()
        },
    ];
    for filter in filters {
        let maintained = store.status_counts(&filter).unwrap();
        let mut clause = vec![String::from("1")];
        if let Some(ruleset) = &filter.ruleset {
            clause.push(format!("list_ruleset = '{ruleset}'"));
        }
        if let Some(team) = &filter.care_team {
            clause.push(format!("care_team = '{team}'"));
        }
        if filter.unreviewed_only {
            clause.push(String::from("list_review = 0"));
        }
        let sql = format!(
            "SELECT list_status, count(*) FROM patients WHERE {} GROUP BY 1",
            clause.join(" AND ")
        );
        let mut by_rank = [0u64; 6];
        let conn = sql_on(store);
        let mut stmt = conn.prepare(&sql).unwrap();
        for row in stmt
            .query_map([], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?)))
            .unwrap()
        {
            let (rank, count) = row.unwrap();
            by_rank[rank as usize] = count as u64;
        }
        assert_eq!(maintained.by_rank, by_rank, "{filter:?}");
        assert_eq!(maintained.total, by_rank.iter().sum::<u64>(), "{filter:?}");
        assert!(!maintained.capped);
    }
}

#[test]
fn list_counts_stay_exact_through_loads_reviews_reevaluations_and_deletions() {
    let dir = TempDir::new().unwrap();
    let (mut store, rules) = demo_store(&dir, 400);
    assert_counts_exact(&store); // rebuilt once after the bulk load
    let id = refractory_patient(&store, "epilepsy");
    store
        .review(
            id,
            "epilepsy",
            ReviewDecision::Dismissed,
            "pseudo-resistance",
            today(),
        )
        .unwrap();
    assert_counts_exact(&store);
    let later = today() + chrono::Duration::days(400);
    assess::refresh(&mut store, &rules, later, |_, _| {}).unwrap();
    assert_counts_exact(&store);
    sql_on(&store)
        .execute("DELETE FROM patients WHERE id % 7 = 0", [])
        .unwrap();
    assert_counts_exact(&store);
}

#[test]
fn a_broad_search_stops_counting_at_the_cap() {
    use refract::store::{ListFilter, SEARCH_COUNT_CAP};
    let dir = TempDir::new().unwrap();
    let (store, _) = demo_store(&dir, 200);
    // Every MRN starts with "RF-": the whole list matches, far below the cap here…
    let all = store
        .status_counts(&ListFilter {
            search: Some(String::from("rf-")),
            ..ListFilter::default()
        })
        .unwrap();
    assert_eq!(all.total, 200);
    assert!(!all.capped);
    const {
        assert!(
            SEARCH_COUNT_CAP >= 1_000,
            "the cap only cuts broad searches"
        );
    }
    // …and with a lower cap the count stops and says so.
    let filter = ListFilter {
        search: Some(String::from("rf-")),
        ..ListFilter::default()
    };
    let capped = store.status_counts_up_to(&filter, 50).unwrap();
    assert!(capped.capped);
    assert!(capped.total > 50 && capped.total < 200, "{}", capped.total);
    // Without a search the maintained counts answer, never capped.
    let exact = store
        .status_counts_up_to(&ListFilter::default(), 50)
        .unwrap();
    assert_eq!(exact.total, 200);
    assert!(!exact.capped);
}

/// review39 F7, item 3: reviews hold on what the cited items are, no longer on their words;
/// a review stored before, with the digest of the words, is not asked again for the change.
/// It holds through the re-evaluation of the new revision, and through another source's copy
/// of a counted drug begun in an earlier month (which rewords its schedule's item, not what
/// it is); a new failed drug asks for a new review, as before.
#[test]
fn a_review_stored_with_the_digest_of_the_words_still_holds() {
    let dir = TempDir::new().unwrap();
    let (mut store, rules) = demo_store(&dir, 300);
    let patient = refractory_patient(&store, "epilepsy");
    let pid = patient.0;
    let state = |store: &Store| {
        store
            .assessments(patient)
            .unwrap()
            .into_iter()
            .find(|a| a.assessment.ruleset == "epilepsy")
            .unwrap()
    };
    // Schedules derived from the drugs, as an import gives them.
    sql_on(&store)
        .execute_batch(&format!(
            "DELETE FROM line_drugs WHERE line_id IN (SELECT id FROM treatment_lines WHERE patient_id = {pid});
             DELETE FROM treatment_lines WHERE patient_id = {pid};
             UPDATE patients SET record_version = record_version + 1 WHERE id = {pid};"
        ))
        .unwrap();
    assess::refresh(&mut store, &rules, today(), |_, _| {}).unwrap();
    let before = state(&store).assessment;
    assert_eq!(before.status, AssessmentStatus::Refractory);
    let words = before.words_fingerprint();
    assert_ne!(words, before.fingerprint);

    // The file as an earlier refract left it: the assessment stored with the words' digest,
    // the team's confirmation made on it.
    sql_on(&store)
        .execute(
            &format!(
                "UPDATE assessments SET fingerprint = '{words}'
                 WHERE patient_id = {pid} AND ruleset = 'epilepsy'"
            ),
            [],
        )
        .unwrap();
    store
        .review(
            patient,
            "epilepsy",
            ReviewDecision::Confirmed,
            "Video-EEG confirmed",
            today(),
        )
        .unwrap();
    assert_eq!(state(&store).review, ReviewState::Confirmed);

    // The new revision evaluates every patient again: the review stands.
    let bump = format!("UPDATE patients SET record_version = record_version + 1 WHERE id = {pid}");
    sql_on(&store).execute(&bump, []).unwrap();
    assess::refresh(&mut store, &rules, today(), |_, _| {}).unwrap();
    assert_eq!(state(&store).review, ReviewState::Confirmed);

    // Another source's copy of the first antiseizure drug, begun 40 days before: the
    // schedule's item says the earlier month, and it is the same schedule.
    sql_on(&store)
        .execute_batch(&format!(
            "INSERT INTO drug_exposures (patient_id, text, start, end, dose_value, dose_unit, stop_reason, source)
             SELECT patient_id, text, datetime(start, '-40 days'), end, dose_value, dose_unit, stop_reason, 'entered'
             FROM drug_exposures WHERE patient_id = {pid} AND start = (
                 SELECT min(start) FROM drug_exposures WHERE patient_id = {pid});
             {bump};"
        ))
        .unwrap();
    assess::refresh(&mut store, &rules, today(), |_, _| {}).unwrap();
    let copied = state(&store);
    assert_ne!(
        copied.assessment.words_fingerprint(),
        words,
        "the copy rewords an item: {:#?}",
        copied.assessment.evidence
    );
    assert_eq!(copied.assessment.status, AssessmentStatus::Refractory);
    assert_eq!(copied.review, ReviewState::Confirmed);

    // A new failed drug is new evidence.
    sql_on(&store)
        .execute_batch(&format!(
            "INSERT INTO drug_exposures (patient_id, text, start, end, dose_value, dose_unit, stop_reason, source)
             VALUES ({pid}, 'Topiramate 200 mg/d', '2026-01-01 09:00:00', '2026-09-01 09:00:00', 200, 'mg/d',
                     'lack_of_efficacy', 'entered');
             {bump};"
        ))
        .unwrap();
    assess::refresh(&mut store, &rules, today(), |_, _| {}).unwrap();
    assert_eq!(state(&store).review, ReviewState::Unreviewed);
}

/// review r5 R5-9: the fingerprint now covers the diagnosis the assessment reads and what it
/// says must be ruled out. A review stored before, on the digest of the items alone, still holds
/// on the same record through the new revision's evaluation and after it; another diagnosis
/// record (another epilepsy syndrome the rule file lists apart) asks for a new review.
#[test]
fn a_review_made_before_the_diagnosis_was_in_the_fingerprint_holds_until_the_diagnosis_changes() {
    let dir = TempDir::new().unwrap();
    let (mut store, rules) = demo_store(&dir, 300);
    let patient = refractory_patient(&store, "epilepsy");
    let pid = patient.0;
    let state = |store: &Store| {
        store
            .assessments(patient)
            .unwrap()
            .into_iter()
            .find(|a| a.assessment.ruleset == "epilepsy")
            .unwrap()
    };
    let bump = format!("UPDATE patients SET record_version = record_version + 1 WHERE id = {pid}");
    sql_on(&store).execute(&bump, []).unwrap();
    assess::refresh(&mut store, &rules, today(), |_, _| {}).unwrap();
    let set = rules.get("epilepsy").unwrap();
    let fresh = rules
        .evaluate_one(&store.record(patient).unwrap(), set, today())
        .unwrap();
    assert_eq!(fresh.fingerprint, state(&store).assessment.fingerprint);
    let items = fresh.items_fingerprint();
    assert_ne!(items, fresh.fingerprint);

    // The file as the refract before it left it: the assessment stored with the items' digest,
    // the team's confirmation made on it.
    sql_on(&store)
        .execute(
            &format!(
                "UPDATE assessments SET fingerprint = '{items}'
                 WHERE patient_id = {pid} AND ruleset = 'epilepsy'"
            ),
            [],
        )
        .unwrap();
    store
        .review(
            patient,
            "epilepsy",
            ReviewDecision::Confirmed,
            "Video-EEG confirmed",
            today(),
        )
        .unwrap();
    assert_eq!(state(&store).review, ReviewState::Confirmed);

    // The new revision evaluates every patient again, and later evaluations follow: nothing
    // changed, the review stands.
    for _ in 0..2 {
        sql_on(&store).execute(&bump, []).unwrap();
        assess::refresh(&mut store, &rules, today(), |_, _| {}).unwrap();
        assert_eq!(state(&store).review, ReviewState::Confirmed);
    }

    // Another diagnosis record (another epilepsy syndrome, which epilepsy.toml lists apart):
    // the same status on other grounds, not what the team reviewed.
    let changed = sql_on(&store)
        .execute(
            &format!(
                "UPDATE conditions SET system = 'snomed', code = '230418006',
                        display = 'Lennox-Gastaut syndrome'
                 WHERE patient_id = {pid} AND code LIKE 'G40%'"
            ),
            [],
        )
        .unwrap();
    assert!(changed > 0);
    sql_on(&store).execute(&bump, []).unwrap();
    assess::refresh(&mut store, &rules, today(), |_, _| {}).unwrap();
    let after = state(&store);
    assert_eq!(after.assessment.status, AssessmentStatus::Refractory);
    assert_eq!(after.review, ReviewState::Unreviewed);
    assert_eq!(
        after.latest_review.map(|review| review.decision),
        Some(ReviewDecision::Confirmed)
    );
}

/// Review R8-6: the fingerprint keys a diagnosis by what the rule set reads it as, no longer by
/// its code. A review made on the digest before (ENGINE 30's, the diagnosis by its code) still
/// holds on the same record through the new revision's evaluation and after it, and so does an
/// older review an ENGINE 30 row kept beside its own digest; another diagnosis asks again.
#[test]
fn a_review_made_when_diagnoses_were_keyed_by_their_codes_holds_until_the_diagnosis_changes() {
    let dir = TempDir::new().unwrap();
    let (mut store, rules) = demo_store(&dir, 300);
    let patient = refractory_patient(&store, "epilepsy");
    let pid = patient.0;
    let state = |store: &Store| {
        store
            .assessments(patient)
            .unwrap()
            .into_iter()
            .find(|a| a.assessment.ruleset == "epilepsy")
            .unwrap()
    };
    let bump = format!("UPDATE patients SET record_version = record_version + 1 WHERE id = {pid}");
    sql_on(&store).execute(&bump, []).unwrap();
    assess::refresh(&mut store, &rules, today(), |_, _| {}).unwrap();
    let set = rules.get("epilepsy").unwrap();
    let fresh = rules
        .evaluate_one(&store.record(patient).unwrap(), set, today())
        .unwrap();
    let coded = fresh.coded_fingerprint();
    let items = fresh.items_fingerprint();
    assert_ne!(coded, fresh.fingerprint);

    // As ENGINE 30 left the file: stored with its digest, a review made on it; then a row that
    // kept an older review (on the items' digest) with ENGINE 30's own digest in its detail.
    let written_by_engine_30 = [
        format!(
            "UPDATE assessments SET fingerprint = '{coded}'
             WHERE patient_id = {pid} AND ruleset = 'epilepsy'"
        ),
        format!(
            "UPDATE assessments SET fingerprint = '{items}',
                    detail = json_set(detail, '$.own_fingerprint', '{coded}')
             WHERE patient_id = {pid} AND ruleset = 'epilepsy'"
        ),
    ];
    for row in &written_by_engine_30 {
        sql_on(&store).execute(row, []).unwrap();
        store
            .review(
                patient,
                "epilepsy",
                ReviewDecision::Confirmed,
                "Video-EEG confirmed",
                today(),
            )
            .unwrap();
        assert_eq!(state(&store).review, ReviewState::Confirmed);
        for _ in 0..2 {
            sql_on(&store).execute(&bump, []).unwrap();
            assess::refresh(&mut store, &rules, today(), |_, _| {}).unwrap();
            assert_eq!(state(&store).review, ReviewState::Confirmed, "{row}");
        }
    }

    // Another diagnosis record (another syndrome the list holds apart): not what the team
    // reviewed.
    let changed = sql_on(&store)
        .execute(
            &format!(
                "UPDATE conditions SET system = 'snomed', code = '230418006',
                        display = 'Lennox-Gastaut syndrome'
                 WHERE patient_id = {pid} AND code LIKE 'G40%'"
            ),
            [],
        )
        .unwrap();
    assert!(changed > 0);
    sql_on(&store).execute(&bump, []).unwrap();
    assess::refresh(&mut store, &rules, today(), |_, _| {}).unwrap();
    assert_eq!(state(&store).review, ReviewState::Unreviewed);
}

/// Review F5: the fingerprint keys each group of diagnoses by the entries of the rule file's
/// lists that recognise them (epilepsy.toml's `G40`), no longer by their codes. A review made on
/// the digest before (ENGINE 31's, each group by its records' codes) still holds on the same
/// record through the new revision's evaluation and after it, and so do an older review an
/// ENGINE 31 row kept beside its own digest and one an ENGINE 30 row kept; another diagnosis
/// asks again.
#[test]
fn a_review_made_when_diagnosis_groups_were_keyed_by_their_codes_holds_until_the_diagnosis_changes()
{
    let dir = TempDir::new().unwrap();
    let (mut store, rules) = demo_store(&dir, 300);
    let patient = refractory_patient(&store, "epilepsy");
    let pid = patient.0;
    let state = |store: &Store| {
        store
            .assessments(patient)
            .unwrap()
            .into_iter()
            .find(|a| a.assessment.ruleset == "epilepsy")
            .unwrap()
    };
    let bump = format!("UPDATE patients SET record_version = record_version + 1 WHERE id = {pid}");
    sql_on(&store).execute(&bump, []).unwrap();
    assess::refresh(&mut store, &rules, today(), |_, _| {}).unwrap();
    let set = rules.get("epilepsy").unwrap();
    let fresh = rules
        .evaluate_one(&store.record(patient).unwrap(), set, today())
        .unwrap();
    let read = fresh.reading_fingerprint();
    let coded = fresh.coded_fingerprint();
    let items = fresh.items_fingerprint();
    assert_ne!(read, fresh.fingerprint);
    assert_ne!(read, coded);

    // As ENGINE 31 left the file: stored with its digest, a review made on it; a row that kept
    // an older review (on the items' digest) with ENGINE 31's own digest in its detail; and a
    // row ENGINE 30 wrote that way, kept by ENGINE 31 as it found it.
    let written_by_engine_31 = [
        format!(
            "UPDATE assessments SET fingerprint = '{read}'
             WHERE patient_id = {pid} AND ruleset = 'epilepsy'"
        ),
        format!(
            "UPDATE assessments SET fingerprint = '{items}',
                    detail = json_set(detail, '$.own_fingerprint', '{read}')
             WHERE patient_id = {pid} AND ruleset = 'epilepsy'"
        ),
        format!(
            "UPDATE assessments SET fingerprint = '{items}',
                    detail = json_set(detail, '$.own_fingerprint', '{coded}')
             WHERE patient_id = {pid} AND ruleset = 'epilepsy'"
        ),
    ];
    for row in &written_by_engine_31 {
        sql_on(&store).execute(row, []).unwrap();
        store
            .review(
                patient,
                "epilepsy",
                ReviewDecision::Confirmed,
                "Video-EEG confirmed",
                today(),
            )
            .unwrap();
        assert_eq!(state(&store).review, ReviewState::Confirmed);
        for _ in 0..2 {
            sql_on(&store).execute(&bump, []).unwrap();
            assess::refresh(&mut store, &rules, today(), |_, _| {}).unwrap();
            assert_eq!(state(&store).review, ReviewState::Confirmed, "{row}");
        }
    }

    // Another diagnosis record (another syndrome the list holds apart): not what the team
    // reviewed.
    let changed = sql_on(&store)
        .execute(
            &format!(
                "UPDATE conditions SET system = 'snomed', code = '230418006',
                        display = 'Lennox-Gastaut syndrome'
                 WHERE patient_id = {pid} AND code LIKE 'G40%'"
            ),
            [],
        )
        .unwrap();
    assert!(changed > 0);
    sql_on(&store).execute(&bump, []).unwrap();
    assess::refresh(&mut store, &rules, today(), |_, _| {}).unwrap();
    assert_eq!(state(&store).review, ReviewState::Unreviewed);
}

/// Review R8-6's leftover (H6): a review made on an earlier refract's digest (ENGINE 31's, each
/// group of diagnoses by its records' codes; ENGINE 30's, each record by its code) holds through
/// the upgrade even when the first run after it is the import that brings another record of the
/// diagnosis the rule file reads alike: the GP's G40.9 beside the hospital's G40.x code, a SNOMED
/// CT copy of it. The earlier digest is made of the records the current reading needs, never of
/// a copy that adds nothing to it. Another diagnosis the list holds apart, arriving the same way,
/// still asks again.
#[test]
fn a_review_on_an_earlier_digest_holds_when_the_first_run_brings_a_copy_of_the_diagnosis() {
    let dir = TempDir::new().unwrap();
    let (mut store, rules) = demo_store(&dir, 300);
    let patient = refractory_patient(&store, "epilepsy");
    let pid = patient.0;
    let state = |store: &Store| {
        store
            .assessments(patient)
            .unwrap()
            .into_iter()
            .find(|a| a.assessment.ruleset == "epilepsy")
            .unwrap()
    };
    let bump = format!("UPDATE patients SET record_version = record_version + 1 WHERE id = {pid}");
    sql_on(&store).execute(&bump, []).unwrap();
    assess::refresh(&mut store, &rules, today(), |_, _| {}).unwrap();
    let set = rules.get("epilepsy").unwrap();
    let fresh = rules
        .evaluate_one(&store.record(patient).unwrap(), set, today())
        .unwrap();
    let earlier = [
        ("ENGINE 31", fresh.reading_fingerprint()),
        ("ENGINE 30", fresh.coded_fingerprint()),
    ];
    for (engine, digest) in &earlier {
        assert_ne!(*digest, fresh.fingerprint, "{engine}");
    }
    let hospital: i64 = sql_on(&store)
        .query_row(
            &format!(
                "SELECT id FROM conditions WHERE patient_id = {pid} AND code LIKE 'G40%'
                 ORDER BY id LIMIT 1"
            ),
            [],
            |row| row.get(0),
        )
        .unwrap();
    let columns: Vec<String> = sql_on(&store)
        .prepare("SELECT name FROM pragma_table_info('conditions') WHERE name != 'id'")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    // Another source's record of a diagnosis, as the hospital's but for its coding.
    let another_record = |system: &str, code: &str, display: &str| {
        let values: Vec<String> = columns
            .iter()
            .map(|column| match column.as_str() {
                "system" => format!("'{system}'"),
                "code" => format!("'{code}'"),
                "display" => format!("'{display}'"),
                "codings" => String::from("NULL"),
                "source" => String::from("'gp'"),
                "source_id" => format!("'gp-{code}'"),
                other => other.to_owned(),
            })
            .collect();
        format!(
            "INSERT INTO conditions ({}) SELECT {} FROM conditions WHERE id = {hospital}",
            columns.join(", "),
            values.join(", ")
        )
    };
    // A review an earlier refract made when the diagnosis was another syndrome the list holds
    // apart (SNOMED CT 230418006 |Lennox-Gastaut syndrome|): never made on what is there now.
    let mut syndrome = store.record(patient).unwrap();
    for condition in syndrome.conditions.iter_mut().filter(|c| c.id == hospital) {
        condition.system = refract::domain::ConditionCodeSystem::Snomed;
        condition.code = String::from("230418006");
        condition.display = String::from("Lennox-Gastaut syndrome");
        condition.codings.clear();
    }
    let syndrome = rules.evaluate_one(&syndrome, set, today()).unwrap();
    let mut cases = Vec::new();
    for (engine, digest) in &earlier {
        for (system, code, display) in [
            ("icd10", "G40.9", "Epilepsy, unspecified"),
            ("snomed", "84757009", "Epilepsy"),
        ] {
            cases.push((*engine, digest.clone(), system, code, display, true));
        }
    }
    for (engine, digest) in [
        ("ENGINE 31", syndrome.reading_fingerprint()),
        ("ENGINE 30", syndrome.coded_fingerprint()),
    ] {
        cases.push((
            engine,
            digest,
            "icd10",
            "G40.9",
            "Epilepsy, unspecified",
            false,
        ));
    }
    for (engine, digest, system, code, display, holds) in cases {
        // As the earlier refract left the file: the row stored with its digest, a review
        // made on it.
        sql_on(&store)
            .execute(
                &format!(
                    "UPDATE assessments SET fingerprint = '{digest}',
                            detail = json_remove(detail, '$.own_fingerprint')
                     WHERE patient_id = {pid} AND ruleset = 'epilepsy'"
                ),
                [],
            )
            .unwrap();
        store
            .review(
                patient,
                "epilepsy",
                ReviewDecision::Confirmed,
                "Video-EEG confirmed",
                today(),
            )
            .unwrap();
        assert_eq!(state(&store).review, ReviewState::Confirmed);

        // The first run of this refract is the import that brings the other record.
        sql_on(&store)
            .execute(&another_record(system, code, display), [])
            .unwrap();
        sql_on(&store).execute(&bump, []).unwrap();
        assess::refresh(&mut store, &rules, today(), |_, _| {}).unwrap();
        let expected = if holds {
            ReviewState::Confirmed
        } else {
            ReviewState::Unreviewed
        };
        assert_eq!(
            state(&store).review,
            expected,
            "{engine}, {code} beside, a review made on {digest}"
        );

        // The hospital's record alone again.
        sql_on(&store)
            .execute(
                &format!(
                    "DELETE FROM conditions WHERE patient_id = {pid} AND source_id LIKE 'gp-%'"
                ),
                [],
            )
            .unwrap();
        sql_on(&store).execute(&bump, []).unwrap();
        assess::refresh(&mut store, &rules, today(), |_, _| {}).unwrap();
    }
}
