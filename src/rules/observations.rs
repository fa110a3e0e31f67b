//! Criteria on measurements and current doses: `observation_threshold` (the latest recent value
//! above or below a cut-off, e.g. CDAI > 10), `ongoing_dose` (e.g. glucocorticoids at or above 7.5
//! mg/day prednisone equivalent, given now for some time) and `recent_evidence` (the disease
//! documented within a window of the run day). Every window ends on the run day: a criterion that
//! needs the disease active now is not met by measurements from long ago (docs/architecture.md,
//! evidence policy: recency).

use super::context::{
    Context, describe_exposure, describe_observation, exposure_evidence, observation_evidence, span,
};
use super::dates::shift;
use super::model::{ObservationThreshold, OngoingDose, RecentEvidence};
use super::numbers::trim_number;
use super::outcome::{Outcome, Verdict};

pub fn threshold(ctx: &Context<'_>, id: &str, spec: &ObservationThreshold) -> Outcome {
    let mut outcome = Outcome::new();
    let since = shift(ctx.today, -spec.max_age_days.max(0));
    let mut measured = false;
    let mut met = false;
    for cut in &spec.scores {
        let latest = ctx
            .observations(&cut.observation)
            .filter(|o| {
                o.value.is_some() && o.effective.date() >= since && o.effective.date() <= ctx.today
            })
            .max_by_key(|o| o.effective);
        let Some(latest) = latest else { continue };
        measured = true;
        let value = latest.value.unwrap_or(0.0);
        let beyond = match cut.comparison.as_str() {
            "above" => value > cut.value,
            "at_least" => value >= cut.value,
            "below" => value < cut.value,
            _ => value <= cut.value,
        };
        let words = cut.comparison.replace('_', " ");
        outcome.reasons.push(format!(
            "latest {} {} on {} ({} {words} {})",
            latest.display,
            trim_number(value),
            latest.effective.date(),
            if beyond { "is" } else { "is not" },
            trim_number(cut.value)
        ));
        outcome.evidence.push(observation_evidence(id, latest));
        met |= beyond;
    }
    outcome.verdict = if met {
        Verdict::Met
    } else if measured {
        Verdict::NotMet
    } else {
        let names: Vec<&str> = spec
            .scores
            .iter()
            .filter_map(|cut| cut.observation.names.first().map(String::as_str))
            .collect();
        let older = spec
            .scores
            .iter()
            .flat_map(|cut| ctx.observations(&cut.observation))
            .filter(|o| o.value.is_some() && o.effective.date() < since)
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

pub fn ongoing_dose(ctx: &Context<'_>, id: &str, spec: &OngoingDose) -> Outcome {
    let mut outcome = Outcome::new();
    outcome.verdict = Verdict::NotMet;
    for given in ctx.given_of(&spec.classes) {
        if !given.exposure.active_on(ctx.today) {
            continue;
        }
        let days = given.exposure.days_on(ctx.today);
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
        .filter(|o| o.effective.date() >= since && o.effective.date() <= ctx.today)
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
    outcome.verdict = Verdict::Undecided;
    outcome.missing.push(format!(
        "no {} in the last {}: is the disease still current?",
        spec.what,
        span(spec.window_days)
    ));
    outcome
}
