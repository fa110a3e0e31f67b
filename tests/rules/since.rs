//! `criteria_met_since` (issue 19): the day from which a flag's criteria, read on the record as
//! it stood each day, have been met up to the run day. Epilepsy: the day the second adequate
//! schedule failed, whatever came after it (more schedules, a year of seizure diaries), with
//! entered lines and with lines derived from the drugs; none for a status that is not a flag;
//! never part of the fingerprint a review holds on.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use refract::domain::{AssessmentStatus, StopReason};
use refract::rules::{fingerprint, since};

use super::support::{Vignette, ago, assess, line, rules, rx, today};

const ID: &str = "epilepsy";

fn patient() -> Vignette {
    Vignette::new().condition("G40.209", "Focal epilepsy with impaired awareness seizures")
}

/// Levetiracetam failed 900 → 600 days ago, lamotrigine 600 → 300 days ago (both stopped for
/// no response), carbamazepine since, with a monthly seizure count on carbamazepine.
fn second_failure_300_days_ago(entered_lines: bool) -> Vignette {
    second_failure_with_counts(entered_lines, 290)
}

/// [`second_failure_300_days_ago`] with monthly seizure counts from `counts_from` days ago on.
fn second_failure_with_counts(entered_lines: bool, counts_from: i64) -> Vignette {
    let mut v = patient()
        .give(
            rx("Levetiracetam 1500 mg/d")
                .from(900)
                .until(600)
                .stopped(StopReason::LackOfEfficacy),
        )
        .give(
            rx("Lamotrigine 400 mg/d")
                .from(600)
                .until(300)
                .stopped(StopReason::LackOfEfficacy),
        )
        .give(rx("Carbamazepine 800 mg/d").from(300));
    if entered_lines {
        v = v
            .line(
                ID,
                line("levetiracetam", &["levetiracetam"])
                    .from(900)
                    .until(600)
                    .stopped(StopReason::LackOfEfficacy),
            )
            .line(
                ID,
                line("lamotrigine", &["lamotrigine"])
                    .from(600)
                    .until(300)
                    .stopped(StopReason::LackOfEfficacy),
            )
            .line(ID, line("carbamazepine", &["carbamazepine"]).from(300));
    }
    // Seizures: the current schedule is not seizure-free, and the record changes on many days
    // after the criteria were met.
    let mut days = counts_from;
    while days >= 10 {
        v = v.seizures_on(3.0, days);
        days -= 30;
    }
    v
}

#[test]
fn the_criteria_are_met_since_the_second_failed_schedule() {
    for entered_lines in [true, false] {
        let record = second_failure_300_days_ago(entered_lines).record();
        let assessment = assess(ID, &record);
        assert_eq!(
            assessment.status,
            AssessmentStatus::Refractory,
            "entered lines: {entered_lines}"
        );
        assert_eq!(
            assessment.criteria_met_since,
            Some(ago(300)),
            "entered lines: {entered_lines}"
        );
    }
}

#[test]
fn seizures_counted_on_an_adequate_schedule_meet_the_criteria_before_it_stops() {
    // Counts every 30 days from 700 days ago: on lamotrigine (from 600 days ago) the first one
    // after its 60 adequate days is the one of 520 days ago, and that failure is the second.
    let record = second_failure_with_counts(true, 700).record();
    let assessment = assess(ID, &record);
    assert_eq!(assessment.status, AssessmentStatus::Refractory);
    assert_eq!(assessment.criteria_met_since, Some(ago(520)));
}

#[test]
fn the_record_as_of_a_day_before_the_failure_is_not_a_flag() {
    let record = second_failure_300_days_ago(true).record();
    let set = rules().get(ID).unwrap();
    let evaluate = |day| {
        rules()
            .evaluate_one(&since::as_of(&record, day), set, day)
            .unwrap()
            .status
    };
    // The day before, lamotrigine was still being given: one failure only.
    assert_ne!(evaluate(ago(301)), AssessmentStatus::Refractory);
    assert_eq!(evaluate(ago(300)), AssessmentStatus::Refractory);
}

#[test]
fn a_status_that_is_not_a_flag_has_no_day() {
    // One failed schedule only.
    let record = patient()
        .give(
            rx("Levetiracetam 1500 mg/d")
                .from(900)
                .until(600)
                .stopped(StopReason::LackOfEfficacy),
        )
        .give(rx("Lamotrigine 400 mg/d").from(600))
        .seizures(0.0, 10)
        .record();
    let assessment = assess(ID, &record);
    assert!(
        !assessment.status.asks_for_review(),
        "{:?}",
        assessment.status
    );
    assert_eq!(assessment.criteria_met_since, None);
}

#[test]
fn the_day_is_not_part_of_the_fingerprint() {
    let record = second_failure_300_days_ago(true).record();
    let mut assessment = assess(ID, &record);
    let with_day = fingerprint(&assessment);
    assert_eq!(with_day, assessment.fingerprint);
    assessment.criteria_met_since = Some(today());
    assert_eq!(fingerprint(&assessment), with_day);
}

/// On a sample of the demo's flags (every rule set), the search finds the day that evaluating
/// the record as of every day it changes, back from today, finds: the earliest change day of
/// the last run of flagged ones.
#[test]
fn the_search_finds_the_day_every_change_day_finds() {
    use refract::demo::{self, DemoOptions};
    let rules = rules();
    let options = DemoOptions {
        patients: 100_000,
        seed: 1,
        today: today(),
    };
    let mut checked = 0;
    for index in (0..100_000).step_by(1_999) {
        let record = demo::generate_patient(&rules.book, &options, index).record;
        for set in &rules.sets {
            let Some(assessment) = rules.evaluate_one(&record, set, today()) else {
                continue;
            };
            if !assessment.status.asks_for_review() {
                continue;
            }
            // The engine alone, as of `day` (the day taken as known: no nested search).
            let flagged = |day| {
                rules
                    .evaluate_keeping(&since::as_of(&record, day), day, |_| Some(day))
                    .into_iter()
                    .find(|a| a.ruleset == set.id)
                    .is_some_and(|a| a.status.asks_for_review())
            };
            let mut days: Vec<chrono::NaiveDate> = Vec::new();
            for e in &record.exposures {
                days.push(e.start.date());
                days.extend(e.end.map(|end| end.date()));
            }
            for l in &record.lines {
                days.push(l.start);
                days.extend(
                    [l.end, l.best_response_date, l.progression_date]
                        .into_iter()
                        .flatten(),
                );
            }
            days.extend(record.observations.iter().map(|o| o.effective.date()));
            for p in &record.procedures {
                days.push(p.performed.date());
                days.extend(p.end.map(|end| end.date()));
            }
            for c in &record.conditions {
                days.extend([c.onset, c.abatement].into_iter().flatten());
            }
            days.retain(|day| *day <= today());
            days.sort_unstable();
            days.dedup();
            let mut reference = today();
            for day in days.iter().rev() {
                if !flagged(*day) {
                    break;
                }
                reference = *day;
            }
            assert_eq!(
                assessment.criteria_met_since,
                Some(reference),
                "{} of demo patient {index}",
                set.id
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} flags checked");
}

#[test]
fn a_diagnosis_of_a_month_alone_dates_the_flag_from_that_months_last_day() {
    use chrono::NaiveDate;
    use refract::domain::DatePrecision;
    // The epilepsy is recorded with its onset in "2026-03" alone, after both failures: the
    // flag held surely from 31 March, never from 1 March, a day the record never gave.
    let mut record = second_failure_300_days_ago(true).record();
    record.conditions[0].onset = NaiveDate::from_ymd_opt(2026, 3, 1);
    record.conditions[0].onset_precision = DatePrecision::Month;
    let assessment = assess(ID, &record);
    assert_eq!(assessment.status, AssessmentStatus::Refractory);
    assert_eq!(
        assessment.criteria_met_since,
        NaiveDate::from_ymd_opt(2026, 3, 31)
    );
    // As of a day of March the diagnosis is not surely there yet.
    let day = NaiveDate::from_ymd_opt(2026, 3, 15).unwrap();
    assert!(since::as_of(&record, day).conditions.is_empty());
}
