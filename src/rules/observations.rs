//! Criteria on measurements and current doses: `observation_threshold` (the latest recent value
//! above or below a cut-off, e.g. CDAI > 10), `ongoing_dose` (e.g. glucocorticoids at or above 7.5
//! mg/day prednisone equivalent, given now for some time) and `recent_evidence` (the disease
//! documented within a window of the run day). Every window ends on the run day: a criterion that
//! needs the disease active now is not met by measurements from long ago (docs/architecture.md,
//! evidence policy: recency).

use super::context::Context;
use super::dates::shift;
use super::describe::{
    describe_exposure, describe_observation, exposure_evidence, observation_evidence, span,
};
use super::latest::listed_values;
use super::model::{ObservationThreshold, OngoingDose, RecentEvidence};
use super::numbers::trim_number;
use super::outcome::{Outcome, Verdict};
use super::procedure_terms::is_one_of;
use crate::domain::{Observation, at_latest};

pub fn threshold(ctx: &Context<'_>, id: &str, spec: &ObservationThreshold) -> Outcome {
    let mut outcome = Outcome::new();
    let since = shift(ctx.today, -spec.max_age_days.max(0));
    let mut measured = false;
    let mut met = false;
    let mut disagreeing = false;
    for cut in &spec.scores {
        // Of a month or a year alone, only when all of it is in the window (its first day on
        // or after `since`); one whose month holds `since` is read below.
        let latest =
            at_latest(ctx.observations(&cut.observation).filter(|o| {
                o.value.is_some() && o.local_day() >= since && o.local_day() <= ctx.today
            }));
        if let Some(doubt) = straddling_since(ctx, cut, &latest, since) {
            disagreeing = true;
            outcome.reasons.push(doubt.clone());
            outcome.missing.push(doubt);
            continue;
        }
        let Some(first) = latest.first() else {
            continue;
        };
        measured = true;
        let words = cut.comparison.replace('_', " ");
        let listed = listed_values(&latest).join(" and ");
        outcome
            .evidence
            .extend(latest.iter().map(|o| observation_evidence(id, o)));
        let Some(sides) = latest
            .iter()
            .map(|o| o.beyond(&cut.comparison, cut.value))
            .collect::<Option<Vec<bool>>>()
        else {
            // A bound that does not say ("≥ 10" against "above 10"): refract does not guess.
            disagreeing = true;
            outcome.reasons.push(format!(
                "latest {} {listed} on {}: whether it is {words} {} is not known",
                first.display,
                first.local_day(),
                trim_number(cut.value)
            ));
            outcome.missing.push(format!(
                "the {} of {} as a value ({listed} does not say whether it is {words} {})",
                first.display,
                first.local_day(),
                trim_number(cut.value)
            ));
            continue;
        };
        if sides.iter().all(|side| *side == sides[0]) {
            outcome.reasons.push(format!(
                "latest {} {listed} on {} ({} {words} {})",
                first.display,
                first.local_day(),
                if sides[0] { "is" } else { "is not" },
                trim_number(cut.value)
            ));
            met |= sides[0];
        } else {
            // Two values recorded at one moment, on either side of the cut-off: refract does
            // not choose between them.
            disagreeing = true;
            outcome.reasons.push(format!(
                "latest {} on {}: {listed}, recorded at the same time, disagree about {words} {}",
                first.display,
                first.local_day(),
                trim_number(cut.value)
            ));
            outcome.missing.push(format!(
                "which {} of {} holds ({listed} were recorded at the same time)",
                first.display,
                first.local_day()
            ));
        }
    }
    if met {
        // Met by another score: which of two disagreeing values holds no longer matters.
        outcome.missing.clear();
    }
    outcome.verdict = if met {
        Verdict::Met
    } else if disagreeing {
        Verdict::Undecided
    } else if measured {
        Verdict::NotMet
    } else {
        let names: Vec<&str> = spec
            .scores
            .iter()
            .filter_map(|cut| cut.observation.label())
            .collect();
        let older = spec
            .scores
            .iter()
            .flat_map(|cut| ctx.observations(&cut.observation))
            .filter(|o| o.value.is_some() && o.local_day() < since)
            .max_by_key(|o| o.effective);
        let latest = older.map_or(String::new(), |o| {
            format!(" (the latest: {})", describe_observation(o))
        });
        outcome.missing.push(format!(
            "no {} in the last {}{latest}",
            names.join(" or "),
            span(spec.max_age_days)
        ));
        Verdict::Undecided
    };
    outcome
}

/// A value of `cut`'s measure dated by a month or a year alone whose days run across `since`
/// (the window's first day), that may be the latest in the window or before it, and whose side
/// of the cut-off differs from what the values surely in it say (`latest`; none: undecided
/// either way): its day decides whether the cut is met, so it is said, never read on its
/// month's first day. A value surely in the window and surely after every day of it decides
/// alone.
fn straddling_since(
    ctx: &Context<'_>,
    cut: &super::model::ScoreCut,
    latest: &[&Observation],
    since: chrono::NaiveDate,
) -> Option<String> {
    let surely_side = latest
        .iter()
        .map(|o| o.beyond(&cut.comparison, cut.value))
        .collect::<Option<Vec<bool>>>();
    ctx.observations(&cut.observation)
        .filter(|o| o.value.is_some() && !o.effective_precision.is_day())
        .filter(|o| o.local_day() < since && o.last_local_day() >= since)
        .filter(|o| latest.iter().all(|l| l.local_day() <= o.last_local_day()))
        .find(|o| {
            let side = o.beyond(&cut.comparison, cut.value);
            match (&surely_side, latest.is_empty()) {
                (_, true) => true,
                (Some(sides), false) => side.is_none() || sides.iter().any(|s| Some(*s) != side),
                (None, false) => false,
            }
        })
        .map(|o| {
            format!(
                "the day of the {} {} dated {} alone: whether within the last {} (from {since}) \
                 cannot be told, and its day would decide {} {}",
                o.display,
                o.value_text().trim_end(),
                o.day_text(),
                span(ctx.today.signed_duration_since(since).num_days()),
                cut.comparison.replace('_', " "),
                trim_number(cut.value)
            )
        })
}

pub fn ongoing_dose(ctx: &Context<'_>, id: &str, spec: &OngoingDose) -> Outcome {
    let mut outcome = Outcome::new();
    outcome.verdict = Verdict::NotMet;
    for given in ctx.given_of(&spec.classes) {
        if !given.exposure.active_on(ctx.today) {
            continue;
        }
        // Days given so far: a planned end after the run day (an order's `boundsPeriod`, a
        // copy of the course from another source) is no time taken yet (review39 F7: such a
        // copy of a prednisone course begun 89 days ago read as 15 months of dependence).
        let given_until = given
            .exposure
            .end_day()
            .map_or(ctx.today, |end| end.min(ctx.today));
        let days = (given_until - given.exposure.start_day()).num_days().max(0);
        let Some(daily) = given
            .exposure
            .dose
            .as_ref()
            .and_then(super::dose::mg_per_day)
        else {
            outcome
                .reasons
                .push(format!("{}: dose not recorded", given.exposure.text));
            if outcome.verdict == Verdict::NotMet {
                outcome.verdict = Verdict::Undecided;
                outcome
                    .missing
                    .push(format!("the daily dose of {}", given.exposure.text));
            }
            continue;
        };
        for drug in given.drugs_of(&spec.classes) {
            let equivalent = if spec.prednisone_equivalent {
                daily * drug.prednisone_equivalent.unwrap_or(1.0)
            } else {
                daily
            };
            if equivalent >= spec.min_mg_day && days >= spec.min_days {
                outcome.verdict = Verdict::Met;
                outcome
                    .evidence
                    .push(exposure_evidence(id, given, ctx.today));
                outcome.reasons.push(format!(
                    "{} {} mg/d ({} mg/d prednisone equivalent) for {}",
                    drug.ingredient,
                    trim_number(daily),
                    trim_number(equivalent),
                    span(days)
                ));
                return outcome;
            }
        }
    }
    if outcome.reasons.is_empty() {
        outcome.reasons.push(format!(
            "no ongoing drug at or above {} mg/d",
            trim_number(spec.min_mg_day)
        ));
    }
    outcome
}

pub fn recent_evidence(ctx: &Context<'_>, id: &str, spec: &RecentEvidence) -> Outcome {
    let mut outcome = Outcome::new();
    let since = shift(ctx.today, -spec.window_days.max(0));
    let measured = ctx
        .observations(&spec.observation)
        .filter(|o| o.local_day() >= since && o.local_day() <= ctx.today)
        .max_by_key(|o| o.effective);
    if let Some(observation) = measured {
        outcome.verdict = Verdict::Met;
        outcome.reasons.push(format!(
            "current: {} (within {} of the run day)",
            describe_observation(observation),
            span(spec.window_days)
        ));
        outcome.evidence.push(observation_evidence(id, observation));
        return outcome;
    }
    let given = ctx
        .given_of(&spec.classes)
        .filter(|g| g.start() <= ctx.today && g.end().is_none_or(|end| end >= since))
        .max_by_key(|g| g.start());
    if let Some(given) = given {
        outcome.verdict = Verdict::Met;
        outcome.reasons.push(format!(
            "current: {} given within {} of the run day",
            describe_exposure(given, ctx.today),
            span(spec.window_days)
        ));
        return outcome;
    }
    // A session of a treatment given for the disease (an ECT course, acute or maintenance)
    // shows it treated now, as an antidepressant given does: one surely in the window (a
    // session dated to a month only counts by its month's first day; one of no date, never).
    let session = ctx
        .record
        .procedures
        .iter()
        .filter(|p| {
            p.window()
                .is_some_and(|(first, _)| first >= since && first <= ctx.today)
        })
        .filter(|p| !spec.procedures.is_empty() && is_one_of(p, &spec.procedures))
        .max_by_key(|p| p.performed);
    if let Some(session) = session {
        outcome.verdict = Verdict::Met;
        outcome.reasons.push(format!(
            "current: {} on {} (within {} of the run day)",
            session.display,
            session.performed_day(),
            span(spec.window_days)
        ));
        return outcome;
    }
    outcome.verdict = Verdict::Undecided;
    outcome.missing.push(format!(
        "no {} in the last {}: is the disease still current?",
        spec.what,
        span(spec.window_days)
    ));
    outcome
}
