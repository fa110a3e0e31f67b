//! The evaluation pass: brings every stored assessment up to date with the patients' data, the
//! rules and the day, evaluating only the patients that need it; and the dating pass after it,
//! which searches the day each new flag's criteria were first met (`criteria_met_since`) for
//! the flags stored without one.
//!
//! Records are read in id-ordered chunks (one range query per table), evaluated on both cores,
//! and written back one transaction per chunk, so a million patients stream in bounded memory
//! and a crash loses at most the chunk in hand (the rest is already committed).

use std::thread;

use chrono::NaiveDate;

use crate::domain::{Assessment, PatientId, PatientRecord};
use crate::rules::Rules;
use crate::store::{self, FoundDay, KnownSince, Store, StoreError, UndatedFlags};

/// Patients per chunk: large enough for the range scans to pay, small enough to keep memory low.
const CHUNK: usize = 2_000;

/// What a pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassSummary {
    pub evaluated: usize,
    pub assessments: usize,
}

/// Evaluates every stale patient (see [`Store::stale_patients`]) and stores the results.
/// `progress` is called after each chunk with (done, total).
pub fn refresh(
    store: &mut Store,
    rules: &Rules,
    today: NaiveDate,
    mut progress: impl FnMut(usize, usize),
) -> Result<PassSummary, StoreError> {
    let stale = store.stale_patients(&rules.stamp, today)?;
    let total = stale.len();
    if total == 0 {
        return Ok(PassSummary::default());
    }
    // A bulk pass touches pages all over the file: a larger page cache for its duration.
    store.with_bulk_cache(|store| refresh_stale(store, rules, today, &stale, &mut progress))
}

fn refresh_stale(
    store: &mut Store,
    rules: &Rules,
    today: NaiveDate,
    stale: &[PatientId],
    progress: &mut impl FnMut(usize, usize),
) -> Result<PassSummary, StoreError> {
    let total = stale.len();
    let mut summary = PassSummary::default();
    store.write(|tx| store::refresh_overdue(tx, today).map(|_| ()))?;
    for chunk in stale.chunks(CHUNK) {
        let (evaluated, assessments) = evaluate_chunk(store, rules, today, chunk)?;
        summary.evaluated += evaluated;
        summary.assessments += assessments;
        progress(summary.evaluated, total);
    }
    Ok(summary)
}

/// Evaluates and stores one chunk of stale patients (ids in increasing order): read, evaluate
/// and write in one transaction, so a change another process makes to these patients waits
/// for us and the evaluation stamp never covers data it did not see. Returns (patients,
/// assessments). The dashboard calls it a small chunk at a time, between key presses.
pub fn evaluate_chunk(
    store: &mut Store,
    rules: &Rules,
    today: NaiveDate,
    chunk: &[PatientId],
) -> Result<(usize, usize), StoreError> {
    let (Some(first), Some(last)) = (chunk.first(), chunk.last()) else {
        return Ok((0, 0));
    };
    store.evaluate_stale(
        first.0..=last.0,
        chunk,
        &rules.stamp,
        today,
        |record| rules.derive_lines(record, today),
        |records, known| evaluate_in_parallel_keeping(rules, records, today, known),
    )
}

/// Evaluates records on two threads (evaluation is pure; the machine budget is two cores). Flags
/// come without their day (see [`date_flags`]).
pub fn evaluate_in_parallel(
    rules: &Rules,
    records: &[PatientRecord],
    today: NaiveDate,
) -> Vec<Vec<Assessment>> {
    evaluate_in_parallel_keeping(rules, records, today, &KnownSince::default())
}

/// [`evaluate_in_parallel`], each flag's `criteria_met_since` taken from `known` where it still
/// holds (see [`Rules::evaluate_keeping`]).
pub fn evaluate_in_parallel_keeping(
    rules: &Rules,
    records: &[PatientRecord],
    today: NaiveDate,
    known: &KnownSince,
) -> Vec<Vec<Assessment>> {
    let evaluate = |record: &PatientRecord| {
        let patient = record.patient.as_ref().map(|p| p.id);
        rules.evaluate_keeping(record, today, |ruleset| {
            patient.and_then(|id| known.get(id, ruleset))
        })
    };
    let middle = records.len() / 2;
    let (left, right) = records.split_at(middle);
    thread::scope(|scope| {
        let other = scope.spawn(|| right.iter().map(evaluate).collect::<Vec<_>>());
        let mut out: Vec<Vec<Assessment>> = left.iter().map(evaluate).collect();
        match other.join() {
            Ok(rest) => out.extend(rest),
            // The other half panicked: evaluating it here re-raises the same bug on this thread.
            Err(_) => out.extend(right.iter().map(evaluate)),
        }
        out
    })
}

/// Searches the day of every flag stored without one (see [`Rules::criteria_met_since`]) and
/// stores it: the pass after [`refresh`], so that storing the flags never waits for the search
/// (2–8 evaluations of one rule set per flag). `progress` is called after each chunk with
/// (flags dated, flags to date). Returns the flags dated.
pub fn date_flags(
    store: &mut Store,
    rules: &Rules,
    mut progress: impl FnMut(usize, usize),
) -> Result<usize, StoreError> {
    let total = usize::try_from(store.undated_flag_count()?).unwrap_or(usize::MAX);
    if total == 0 {
        return Ok(0);
    }
    store.with_bulk_cache(|store| {
        let mut after = PatientId(0);
        let mut dated = 0;
        while let Some((last, count)) = date_next_chunk(store, rules, after)? {
            after = last;
            dated += count;
            progress(dated, total);
        }
        Ok(dated)
    })
}

/// Dates the flags of the next chunk of patients after `after` that have flags without a day:
/// the last patient id looked at and the flags dated, or `None` when none is left. The
/// dashboard calls it a chunk at a time while idle.
pub fn date_next_chunk(
    store: &mut Store,
    rules: &Rules,
    after: PatientId,
) -> Result<Option<(PatientId, usize)>, StoreError> {
    let ids = store.undated_flags_after(&rules.stamp, after, CHUNK)?;
    let Some(&last) = ids.last() else {
        return Ok(None);
    };
    let dated = store.date_flags(&ids, &rules.stamp, |work| search_in_parallel(rules, work))?;
    Ok(Some((last, dated)))
}

/// The days of `work`'s flags, searched on two threads (the search is pure).
pub fn search_in_parallel(rules: &Rules, work: &[(PatientRecord, UndatedFlags)]) -> Vec<FoundDay> {
    let search = |part: &[(PatientRecord, UndatedFlags)]| -> Vec<FoundDay> {
        let mut found = Vec::new();
        for (record, flags) in part {
            let Some(patient) = record.patient.as_ref().map(|p| p.id) else {
                continue;
            };
            for (ruleset, day) in flags {
                if let Some(since) = rules.criteria_met_since(record, ruleset, *day) {
                    found.push((patient, ruleset.clone(), since));
                }
            }
        }
        found
    };
    // Split by flags rather than patients, so that both threads get about the same work.
    let flags: usize = work.iter().map(|(_, flags)| flags.len()).sum();
    let mut middle = 0;
    let mut seen = 0;
    while middle < work.len() && seen * 2 < flags {
        seen += work[middle].1.len();
        middle += 1;
    }
    let (left, right) = work.split_at(middle);
    thread::scope(|scope| {
        let other = scope.spawn(|| search(right));
        let mut out = search(left);
        match other.join() {
            Ok(rest) => out.extend(rest),
            // The other half panicked: searching it here re-raises the same bug on this thread.
            Err(_) => out.extend(search(right)),
        }
        out
    })
}
