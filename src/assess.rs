//! The evaluation pass: brings every stored assessment up to date with the patients' data, the
//! rules and the day, evaluating only the patients that need it.
//!
//! Records are read in id-ordered chunks (one range query per table), evaluated on both cores,
//! and written back one transaction per chunk, so a million patients stream in bounded memory
//! and a crash loses at most the chunk in hand (the rest is already committed).

use std::thread;

use chrono::NaiveDate;

use crate::domain::{Assessment, PatientId, PatientRecord};
use crate::rules::Rules;
use crate::store::{self, KnownSince, Store, StoreError};

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
        |records, known| evaluate_in_parallel_keeping(rules, records, today, known),
    )
}

/// Evaluates records on two threads (evaluation is pure; the machine budget is two cores).
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
