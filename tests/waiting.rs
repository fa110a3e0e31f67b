//! Who has been waiting (issue 19): the overview's numbers per condition over the day each
//! flag's criteria were first met (`criteria_met_since`), and the patient list behind each of
//! them. On a demo file whose epilepsy flags are reduced to four known cases: met 400 days ago
//! with no referral (waiting), 300 days ago and referred 60 days later (the median to
//! referral), 500 days ago and dismissed by the team (not counted), 30 days ago (too recent to
//! wait).

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use crate::sql;
use sql::sql_on;

use chrono::{Duration, NaiveDate};
use refract::demo::{self, DemoOptions};
use refract::domain::{PatientId, ReviewDecision};
use refract::rules::Rules;
use refract::store::{Cohort, ListFilter, OpenMode, Store};
use tempfile::TempDir;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
}

fn ago(days: i64) -> NaiveDate {
    today() - Duration::days(days)
}

/// A demo file whose epilepsy flags are the four cases of the module's doc, in that order.
fn four_epilepsy_flags() -> (TempDir, Store, [PatientId; 4]) {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("demo.db");
    let rules = Rules::embedded().unwrap();
    let options = DemoOptions {
        patients: 300,
        seed: 7,
        today: today(),
    };
    demo::create(&path, &options, &rules).unwrap();
    let mut store = Store::open(&path, OpenMode::MustExist, "dr.test").unwrap();
    let conn = sql_on(&store);
    let ids: Vec<i64> = conn
        .prepare(
            "SELECT a.patient_id FROM assessments a
             WHERE a.ruleset = 'epilepsy' AND a.criteria_met_since IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.patient_id = a.patient_id)
             ORDER BY a.patient_id LIMIT 4",
        )
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(ids.len(), 4, "the demo has four unreviewed epilepsy flags");
    conn.execute_batch(
        "UPDATE assessments SET criteria_met_since = NULL WHERE ruleset = 'epilepsy';
         DELETE FROM referrals WHERE ruleset = 'epilepsy';",
    )
    .unwrap();
    for (id, days) in ids.iter().zip([400, 300, 500, 30]) {
        conn.execute(
            "UPDATE assessments SET criteria_met_since = ?2
             WHERE patient_id = ?1 AND ruleset = 'epilepsy'",
            rusqlite::params![id, ago(days).to_string()],
        )
        .unwrap();
    }
    conn.execute(
        "INSERT INTO referrals (patient_id, ruleset, step, specialty, date, status)
         VALUES (?1, 'epilepsy', 1, 'epilepsy surgery centre', ?2, 'booked')",
        rusqlite::params![ids[1], ago(240).to_string()],
    )
    .unwrap();
    // A referral for well-being (step 4) is no specialist referral.
    conn.execute(
        "INSERT INTO referrals (patient_id, ruleset, step, specialty, date, status)
         VALUES (?1, 'epilepsy', 4, 'support group', ?2, 'requested')",
        rusqlite::params![ids[0], ago(100).to_string()],
    )
    .unwrap();
    store
        .review(
            PatientId(ids[2]),
            "epilepsy",
            ReviewDecision::Dismissed,
            "psychogenic seizures on video-EEG",
            today(),
        )
        .unwrap();
    let ids = [ids[0], ids[1], ids[2], ids[3]].map(PatientId);
    (dir, store, ids)
}

#[test]
fn the_overview_counts_who_has_waited_and_how_long_to_referral() {
    let (_dir, store, _) = four_epilepsy_flags();
    let data = store.overview(None, today(), 6).unwrap();
    assert_eq!(data.waiting_months, 6);
    let row = data.rows.iter().find(|r| r.ruleset == "epilepsy").unwrap();
    // The dismissed flag is not counted anywhere.
    assert_eq!(row.met, 3);
    assert_eq!(
        row.met_for_days,
        Some(300),
        "median of 400, 300 and 30 days"
    );
    assert_eq!(row.waiting, 1, "met 400 days ago, no specialist referral");
    assert_eq!(row.referred, 1);
    assert_eq!(row.to_referral_days, Some(60));

    // N is a parameter: 400 days is more than 12 months, less than 14.
    let row = |months| {
        store
            .overview(None, today(), months)
            .unwrap()
            .rows
            .into_iter()
            .find(|r| r.ruleset == "epilepsy")
            .unwrap()
    };
    assert_eq!(row(12).waiting, 1);
    assert_eq!(row(14).waiting, 0);
    assert_eq!(row(1).waiting, 1, "the 30-day flag has not waited a month");
}

#[test]
fn each_waiting_number_opens_the_patients_behind_it() {
    let (_dir, store, [waiting, referred, _dismissed, recent]) = four_epilepsy_flags();
    let data = store.overview(None, today(), 6).unwrap();
    let ids = |cohort: Cohort| -> Vec<i64> {
        let filter = ListFilter {
            cohort: Some(cohort),
            show_deceased: true,
            ..ListFilter::default()
        };
        assert_eq!(
            store.list_count(&filter).unwrap(),
            store.status_counts(&filter).unwrap().total
        );
        let query = refract::store::ListQuery {
            filter,
            ..refract::store::ListQuery::default()
        };
        let mut ids: Vec<i64> = store
            .list_page(&query, &refract::store::Anchor::First, 50)
            .unwrap()
            .into_iter()
            .map(|row| row.id)
            .collect();
        ids.sort_unstable();
        ids
    };
    let ruleset = String::from("epilepsy");
    assert_eq!(
        ids(Cohort::Waiting {
            ruleset: ruleset.clone(),
            met_before: data.waiting_cutoff.unwrap(),
        }),
        [waiting.0]
    );
    assert_eq!(
        ids(Cohort::Referred {
            ruleset: ruleset.clone()
        }),
        [referred.0]
    );
    let mut met = vec![waiting.0, referred.0, recent.0];
    met.sort_unstable();
    assert_eq!(ids(Cohort::Met { ruleset }), met);
}

/// Assessments stored before the column (NULL) under other rules: the evaluation pass that the
/// new rules stamp asks for stores the flags, the dating pass after it fills the day in; a pass
/// a day later keeps it.
#[test]
fn the_dating_pass_fills_in_the_day_of_older_rows_and_it_is_kept() {
    let (_dir, mut store, _) = four_epilepsy_flags();
    let rules = Rules::embedded().unwrap();
    let conn = sql_on(&store);
    let stored = |conn: &rusqlite::Connection| -> Vec<(i64, String, Option<String>)> {
        conn.prepare(
            "SELECT patient_id, ruleset, criteria_met_since FROM assessments
             WHERE status_rank >= 3 ORDER BY 1, 2",
        )
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    };
    conn.execute_batch(
        "UPDATE assessments SET criteria_met_since = NULL;
         UPDATE patients SET eval_rules = 'rules of an older refract';",
    )
    .unwrap();
    refract::assess::refresh(&mut store, &rules, today(), |_, _| {}).unwrap();
    let dated = refract::assess::date_flags(&mut store, &rules, |_, _| {}).unwrap();
    let filled = stored(&conn);
    assert_eq!(dated, filled.len());
    assert!(!filled.is_empty());
    assert!(
        filled.iter().all(|(.., day)| day.is_some()),
        "every flag has its day: {filled:?}"
    );
    let tomorrow = today() + Duration::days(1);
    refract::assess::refresh(&mut store, &rules, tomorrow, |_, _| {}).unwrap();
    assert_eq!(stored(&conn), filled);
    assert_eq!(
        refract::assess::date_flags(&mut store, &rules, |_, _| {}).unwrap(),
        0,
        "the stored days were kept: nothing left to date"
    );
}

/// Until the dating pass has run, a flag's day is not known: the overview counts such flags
/// apart (the screen then shows no waiting figure for the condition rather than one without
/// them), the list's cohorts leave them out, and the pass dates each as the search on its
/// record does.
#[test]
fn a_flag_stored_without_its_day_is_undated_until_the_pass_dates_it() {
    let (_dir, mut store, [waiting, ..]) = four_epilepsy_flags();
    let rules = Rules::embedded().unwrap();
    let conn = sql_on(&store);
    conn.execute(
        "UPDATE assessments SET criteria_met_since = NULL
         WHERE patient_id = ?1 AND ruleset = 'epilepsy'",
        [waiting.0],
    )
    .unwrap();
    let epilepsy = |store: &Store| {
        store
            .overview(None, today(), 6)
            .unwrap()
            .rows
            .into_iter()
            .find(|r| r.ruleset == "epilepsy")
            .unwrap()
    };
    let before = epilepsy(&store);
    assert_eq!(before.met, 2, "the undated flag is not among those met");
    assert_eq!(before.waiting, 0);
    assert!(before.undated >= 1, "{before:?}");
    // Flags of other patients the fixture left without a day are undated too; the pass dates
    // every one of them.
    let undated = store.undated_flag_count().unwrap();
    assert!(undated >= before.undated);
    let dated = refract::assess::date_flags(&mut store, &rules, |_, _| {}).unwrap();
    assert_eq!(dated as u64, undated);
    assert_eq!(store.undated_flag_count().unwrap(), 0);
    let after = epilepsy(&store);
    assert_eq!(after.undated, 0);
    assert!(after.met > before.met);
    // The day stored is the search's on the stored record.
    let record = store.load_records(waiting.0, waiting.0).unwrap().remove(0);
    let day: String = conn
        .query_row(
            "SELECT criteria_met_since FROM assessments
             WHERE patient_id = ?1 AND ruleset = 'epilepsy'",
            [waiting.0],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(
        Some(day),
        rules
            .criteria_met_since(&record, "epilepsy", today())
            .map(|d| d.to_string())
    );
}

/// The overview's totals row: the counts are the conditions' sums, and the medians are taken
/// over every flag together (400, 300, 30 and 1,000 days: 350), not as a median of each
/// condition's median (300 and 1,000: 650).
#[test]
fn the_totals_pool_every_conditions_flags() {
    let (_dir, store, _) = four_epilepsy_flags();
    let conn = sql_on(&store);
    let other: i64 = conn
        .query_row(
            "SELECT patient_id FROM assessments
             WHERE ruleset = 'depression' AND criteria_met_since IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM reviews r
                               WHERE r.patient_id = assessments.patient_id)
             ORDER BY patient_id LIMIT 1",
            [],
            |row| row.get(0),
        )
        .unwrap();
    conn.execute_batch(
        "UPDATE assessments SET criteria_met_since = NULL WHERE ruleset <> 'epilepsy';
         DELETE FROM referrals WHERE ruleset <> 'epilepsy';",
    )
    .unwrap();
    conn.execute(
        "UPDATE assessments SET criteria_met_since = ?2
         WHERE patient_id = ?1 AND ruleset = 'depression'",
        rusqlite::params![other, ago(1000).to_string()],
    )
    .unwrap();
    let data = store.overview(None, today(), 6).unwrap();
    let totals = &data.totals;
    assert_eq!(totals.met, 4);
    assert_eq!(totals.met_for_days, Some(350));
    assert_eq!(totals.waiting, 2, "400 and 1,000 days, neither referred");
    assert_eq!(totals.to_referral_days, Some(60));
    for rank in 0..6 {
        assert_eq!(
            totals.by_rank[rank],
            data.rows.iter().map(|row| row.by_rank[rank]).sum::<u64>()
        );
    }
    assert_eq!(
        totals.unreviewed,
        data.rows.iter().map(|row| row.unreviewed).sum::<u64>()
    );
}

/// The overview is answered from its last answer only while the file is unchanged: a
/// referral recorded by another connection, or by this one, shows at the next question.
#[test]
fn the_overview_is_never_answered_from_a_stale_file() {
    let (_dir, mut store, [waiting, ..]) = four_epilepsy_flags();
    let epilepsy = |store: &Store| {
        store
            .overview(None, today(), 6)
            .unwrap()
            .rows
            .into_iter()
            .find(|r| r.ruleset == "epilepsy")
            .unwrap()
    };
    assert_eq!(epilepsy(&store).waiting, 1);
    assert_eq!(epilepsy(&store).waiting, 1, "asked again, unchanged");
    // Another connection records the waiting patient's referral.
    sql_on(&store)
        .execute(
            "INSERT INTO referrals (patient_id, ruleset, step, specialty, date, status)
             VALUES (?1, 'epilepsy', 1, 'epilepsy surgery centre', ?2, 'booked')",
            rusqlite::params![waiting.0, ago(10).to_string()],
        )
        .unwrap();
    let row = epilepsy(&store);
    assert_eq!(row.waiting, 0);
    assert_eq!(row.referred, 2);
    // This connection dismisses a flag: the flag leaves the figures.
    store
        .review(
            waiting,
            "epilepsy",
            ReviewDecision::Dismissed,
            "non-epileptic events on video-EEG",
            today(),
        )
        .unwrap();
    assert_eq!(epilepsy(&store).referred, 1);
}
