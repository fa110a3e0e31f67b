//! Since when a flag's criteria have been met (`criteria_met_since`): the earliest day from
//! which the rule set, evaluated as of that day on what the record held then, gives a flagged
//! status (refractory, resistant or relapsed) and keeps giving one up to the run day.
//!
//! The overview asks how long flagged patients have waited for specialist care, so the date
//! is computed once per flag and stored, never when the overview is drawn: by the dating pass
//! after the flags are stored (`assess::date_flags`), since the search costs more than the
//! evaluation itself and storing a flag should not wait for it.
//!
//! How: a status can only change on a day the record changes (a drug started or stopped, a
//! measurement, a procedure, a line's response or progression, a diagnosis) or by time alone
//! passing in between (a trial growing long enough, a measurement leaving a window). The
//! record's change days are sorted; the search starts at the latest day the flag's own evidence
//! speaks of, measurements aside (where the criteria were most likely completed). When the flag
//! holds there and not on the day before, that is the day: two evaluations of one rule set, the
//! usual case. Else it gallops back over the change days (1, 2, 4, 8… changes) while the flag
//! holds, or, when the flag does not hold yet on the guessed day, bisects forward to today; it
//! then bisects between the last day found without the flag and the first found with it; last,
//! the day before that change is tried: if the flag already held then, time alone completed it,
//! and the days in between are bisected. `2·log₂(changes)` evaluations at worst, where
//! evaluating every change day would cost one evaluation per measurement of years of records.
//! Over the demo's flags: two evaluations for most epilepsy, lymphoma, myeloma, AML and
//! rheumatoid arthritis flags, five or six for hypertension and schizophrenia, six to eight for
//! depression.
//!
//! The search treats the flag as holding between the days it probes: a flag that lapsed and
//! came back on a day not probed (blood pressure controlled for a few months, then uncontrolled
//! again) is dated from before the lapse. The criteria mostly count failures, which do not
//! un-fail, so this is rare (on a sample of the demo's flags, the day found is the one that
//! evaluating every change day back from today finds: `tests/rules/since.rs`).

use chrono::NaiveDate;

use super::drugs::DrugBook;
use super::engine;
use super::model::RuleSet;
use crate::domain::{Assessment, EvidenceKind, PatientRecord};

/// The day from which `assessment` (the evaluation of `set` on `record` on `today`) has been
/// flagged; `None` when it is not a flag.
pub fn criteria_met_since(
    record: &PatientRecord,
    set: &RuleSet,
    book: &DrugBook,
    today: NaiveDate,
    assessment: &Assessment,
) -> Option<NaiveDate> {
    if !assessment.status.asks_for_review() {
        return None;
    }
    let flagged_on = |day: NaiveDate| -> bool {
        if day >= today {
            return true;
        }
        let then = as_of(record, day);
        engine::evaluate(&then, set, book, day).is_some_and(|a| a.status.asks_for_review())
    };
    let days = change_days(record, today);
    let Some(&first) = days.first() else {
        // Nothing dated: the flag rests on undated facts, which the record always held.
        return Some(today);
    };
    // Indices into `days`; `days.len()` stands for today (flagged: the caller's assessment).
    let end = days.len();
    let start = evidence_day(record, assessment, today, false)
        .or_else(|| evidence_day(record, assessment, today, true))
        .map_or(end - 1, |day| {
            days.partition_point(|d| *d <= day).max(1) - 1
        });
    // `good`: the earliest index probed with the flag; `bad`: the latest probed without it
    // (`None`: none yet).
    let (mut good, mut bad) = if flagged_on(days[start]) {
        (start, None)
    } else {
        (end, Some(start))
    };
    if bad.is_none() {
        // The common case: the criteria were completed on the guessed day, and the day before
        // it (the record as it was before that change, as late as it stood) says so at once.
        // Probing that day rather than the previous change also honours "keeps giving one":
        // a flag that lapsed in between (a measurement left its window) starts again here.
        let day = days[good];
        match day.pred_opt() {
            Some(before) if good > 0 && flagged_on(before) => {}
            _ => return Some(day),
        }
        let mut step = 1;
        loop {
            if good == 0 {
                break;
            }
            let probe = good.saturating_sub(step);
            if flagged_on(days[probe]) {
                good = probe;
                step *= 2;
            } else {
                bad = Some(probe);
                break;
            }
        }
    }
    let Some(mut bad) = bad else {
        // Flagged from the record's first day: nothing before it could be.
        return Some(first);
    };
    while good - bad > 1 {
        let middle = bad + (good - bad) / 2;
        if flagged_on(days[middle]) {
            good = middle;
        } else {
            bad = middle;
        }
    }
    let day_of = |index: usize| days.get(index).copied().unwrap_or(today);
    // Between the two change days the record is the same: did time alone complete the flag?
    let (mut low, mut high) = (day_of(bad), day_of(good));
    let Some(before) = high.pred_opt().filter(|day| *day > low) else {
        return Some(high);
    };
    if !flagged_on(before) {
        return Some(high);
    }
    high = before;
    while (high - low).num_days() > 1 {
        let middle = low + chrono::Duration::days((high - low).num_days() / 2);
        if flagged_on(middle) {
            high = middle;
        } else {
            low = middle;
        }
    }
    Some(high)
}

/// The record as it stood at the end of `day`: rows dated later are not there yet, a drug or
/// line that ended later was still going (its stop reason and response unknown), a diagnosis
/// resolved later was still current.
///
/// A measurement, an onset or an abatement dated by a month or a year alone ("2026-03") is
/// every day of it: it is there only from its last day on, since on an earlier day of its
/// month it may not have happened yet. The day found is then the one from which the flag
/// surely held, never a first day the record never gave.
pub fn as_of(record: &PatientRecord, day: NaiveDate) -> PatientRecord {
    let mut then = PatientRecord {
        patient: record.patient.clone(),
        conditions: Vec::with_capacity(record.conditions.len()),
        exposures: Vec::with_capacity(record.exposures.len()),
        lines: Vec::with_capacity(record.lines.len()),
        observations: record
            .observations
            .iter()
            .filter(|o| o.last_local_day() <= day)
            .cloned()
            .collect(),
        procedures: Vec::with_capacity(record.procedures.len()),
        // No criterion reads them: a reaction never makes or unmakes a flag.
        reactions: record.reactions.clone(),
        resolved_confounders: record.resolved_confounders.clone(),
    };
    for condition in &record.conditions {
        if condition
            .onset
            .is_some_and(|onset| condition.onset_precision.last_day(onset) > day)
        {
            continue;
        }
        let mut condition = condition.clone();
        if condition
            .abatement
            .is_some_and(|end| condition.abatement_precision.last_day(end) > day)
        {
            condition.abatement = None;
            if matches!(
                condition.clinical_status.as_deref(),
                Some("resolved" | "inactive" | "remission")
            ) {
                condition.clinical_status = Some(String::from("active"));
            }
        }
        then.conditions.push(condition);
    }
    for exposure in &record.exposures {
        if exposure.start_day() > day {
            continue;
        }
        let mut exposure = exposure.clone();
        if exposure.end_day().is_some_and(|end| end > day) {
            exposure.end = None;
            exposure.stop_reason = None;
            exposure.stop_text = None;
        }
        then.exposures.push(exposure);
    }
    for line in &record.lines {
        if line.start > day {
            continue;
        }
        let mut line = line.clone();
        if line.end.is_some_and(|end| end > day) {
            line.end = None;
            line.stop_reason = None;
        }
        if line.best_response_date.is_some_and(|at| at > day) {
            line.best_response = None;
            line.best_response_date = None;
        }
        if line.progression_date.is_some_and(|at| at > day) {
            line.progression_date = None;
        }
        then.lines.push(line);
    }
    for procedure in &record.procedures {
        // One of a day not recorded is kept: as of any day, it is as unknown as today.
        if !procedure.date_unknown && procedure.performed_day() > day {
            continue;
        }
        let mut procedure = procedure.clone();
        // Of a window straddling the day, only its days up to then were possible then.
        procedure.performed_by = procedure.performed_by.map(|last| last.min(day));
        if procedure.end_day().is_some_and(|end| end > day) {
            procedure.end = None;
        }
        then.procedures.push(procedure);
    }
    then
}

/// The days, up to `today`, on which the record changes, in order.
fn change_days(record: &PatientRecord, today: NaiveDate) -> Vec<NaiveDate> {
    let mut days: Vec<NaiveDate> = Vec::new();
    for exposure in &record.exposures {
        days.push(exposure.start_day());
        days.extend(exposure.end_day());
    }
    for line in &record.lines {
        days.push(line.start);
        days.extend(line.end);
        days.extend(line.best_response_date);
        days.extend(line.progression_date);
    }
    // A measurement or a diagnosis dated by a month is there from its last day (see [`as_of`]).
    days.extend(
        record
            .observations
            .iter()
            .map(crate::domain::Observation::last_local_day),
    );
    for procedure in record.procedures.iter().filter(|p| !p.date_unknown) {
        days.push(procedure.performed_day());
        days.extend(procedure.performed_by);
        days.extend(procedure.end_day());
    }
    for condition in &record.conditions {
        days.extend(
            condition
                .onset
                .map(|onset| condition.onset_precision.last_day(onset)),
        );
        days.extend(
            condition
                .abatement
                .map(|end| condition.abatement_precision.last_day(end)),
        );
    }
    days.retain(|day| *day <= today);
    days.sort_unstable();
    days.dedup();
    days
}

/// The latest day the flag's evidence speaks of (a drug's stop, a line's progression…; with
/// `observations`, a measurement too): where the criteria were most likely completed, and so
/// where the search starts. Measurements are left out of the first guess: criteria that read
/// the disease as active now cite the latest readings, long after the treatment history
/// completed them (over the demo's flags, this halves the evaluations for hypertension and
/// depression and takes rheumatoid arthritis from ten to two).
fn evidence_day(
    record: &PatientRecord,
    assessment: &Assessment,
    today: NaiveDate,
    observations: bool,
) -> Option<NaiveDate> {
    assessment
        .evidence
        .iter()
        .filter(|item| observations || item.kind != EvidenceKind::Observation)
        .filter_map(|item| match item.kind {
            EvidenceKind::Exposure => record
                .exposures
                .iter()
                .find(|e| e.id == item.id)
                .map(|e| e.end_day().unwrap_or_else(|| e.start_day())),
            EvidenceKind::Line => record.lines.iter().find(|l| l.id == item.id).map(|l| {
                [l.end, l.best_response_date, l.progression_date]
                    .into_iter()
                    .flatten()
                    .max()
                    .unwrap_or(l.start)
            }),
            EvidenceKind::Observation => record
                .observations
                .iter()
                .find(|o| o.id == item.id)
                .map(crate::domain::Observation::last_local_day),
            EvidenceKind::Procedure => record
                .procedures
                .iter()
                .find(|p| p.id == item.id)
                .and_then(|p| p.window().map(|(_, last)| last)),
            EvidenceKind::Condition => record
                .conditions
                .iter()
                .find(|c| c.id == item.id)
                .and_then(|c| c.onset.map(|onset| c.onset_precision.last_day(onset))),
        })
        .filter(|day| *day <= today)
        .max()
}
