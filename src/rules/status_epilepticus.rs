//! `escalation`: the stages of status epilepticus from timed administrations and observations
//! of seizure activity (clinical or EEG).
//!
//! Refractory (Brophy 2012, Hocker 2014): seizures continue after an adequate benzodiazepine and
//! an acceptable second-line antiseizure drug (the count of second-line drugs is a parameter:
//! older literature asks for two). Super-refractory (Shorvon & Ferlisi 2011): seizures continue
//! or recur 24 hours or more after the start of anaesthesia. Midazolam is both a first-line
//! bolus and an anaesthetic infusion; the recorded role, or a dose per hour, tells them apart.
//!
//! Seizure activity is read as a finding: a count or 0/1 value, or a coded EEG or clinical
//! finding (present, absent, or unknown, never a zero). Escalation is evidence too: a further
//! second-line drug after the last one required, or anaesthesia after it, is given because
//! seizures went on. A drug started in a maintenance role is not an escalation.

use chrono::NaiveDateTime;

use super::context::{Context, Finding, exposure_evidence, finding, observation_evidence};
use super::dates::shift_hours;
use super::given::Given;
use super::model::Escalation;
use super::outcome::{Outcome, Verdict};
use crate::domain::DrugRole;

fn is_infusion(given: &Given<'_>) -> bool {
    given.exposure.role == Some(DrugRole::AnaestheticInfusion)
        || given
            .exposure
            .dose
            .as_ref()
            .is_some_and(|dose| dose.unit.contains("/h"))
}

pub fn evaluate(ctx: &Context<'_>, id: &str, spec: &Escalation) -> Outcome {
    let mut outcome = Outcome::new();
    // First-line: a benzodiazepine given as a bolus (not an anaesthetic infusion).
    let first_line: Vec<&Given<'_>> = ctx
        .given_of(&spec.first_line_classes)
        .filter(|g| g.exposure.role != Some(DrugRole::AnaestheticInfusion) && !is_infusion(g))
        .collect();
    let Some(episode_start) = first_line
        .iter()
        .map(|g| g.exposure.start)
        .max_by_key(|start| *start)
        .map(|latest| {
            // The episode begins with the first benzodiazepine within a day before the latest.
            first_line
                .iter()
                .map(|g| g.exposure.start)
                .filter(|start| shift_hours(*start, 24) >= latest)
                .min()
                .unwrap_or(latest)
        })
    else {
        outcome.verdict = Verdict::NotMet;
        outcome
            .reasons
            .push(String::from("no first-line benzodiazepine recorded"));
        return outcome;
    };
    let episode_end = shift_hours(episode_start, spec.episode_hours);
    let in_episode =
        |g: &Given<'_>| g.exposure.start >= episode_start && g.exposure.start <= episode_end;

    for given in first_line.iter().filter(|g| in_episode(g)) {
        outcome
            .evidence
            .push(exposure_evidence(id, given, ctx.today));
    }
    let second_line: Vec<&Given<'_>> = ctx
        .given_of(&spec.second_line_classes)
        .filter(|g| in_episode(g))
        .filter(|g| !g.has_any_class(&spec.first_line_classes))
        .filter(|g| g.exposure.role != Some(DrugRole::Maintenance))
        .collect();
    let anaesthetics: Vec<&Given<'_>> = ctx
        .given
        .iter()
        .filter(|g| in_episode(g))
        .filter(|g| g.has_any_class(&spec.anaesthetic_classes))
        .filter(|g| {
            g.exposure.role == Some(DrugRole::AnaestheticInfusion)
                || is_infusion(g)
                || !g.has_any_class(&spec.first_line_classes)
        })
        .collect();
    let activity = |after: NaiveDateTime| {
        ctx.observations(&spec.seizure_activity)
            .filter(move |o| o.effective > after && o.effective <= shift_hours(episode_end, 72))
            .collect::<Vec<_>>()
    };

    if spec.stage == "super_refractory" {
        let Some(anaesthesia) = anaesthetics.iter().min_by_key(|g| g.exposure.start) else {
            outcome.verdict = Verdict::NotMet;
            outcome
                .reasons
                .push(String::from("no anaesthetic infusion recorded"));
            return outcome;
        };
        let from = shift_hours(anaesthesia.exposure.start, spec.hours);
        outcome
            .evidence
            .push(exposure_evidence(id, anaesthesia, ctx.today));
        // "24 hours or more" after anaesthesia started: a seizure at exactly 24 hours counts.
        let later: Vec<_> = ctx
            .observations(&spec.seizure_activity)
            .filter(|o| o.effective >= from && o.effective <= shift_hours(episode_end, 72))
            .collect();
        if let Some(seizure) = later.iter().find(|o| finding(o) == Finding::Present) {
            outcome.verdict = Verdict::Met;
            outcome.evidence.push(observation_evidence(id, seizure));
            outcome.reasons.push(format!(
                "seizure activity {} hours after anaesthesia started ({})",
                (seizure.effective - anaesthesia.exposure.start).num_hours(),
                seizure.effective.format("%Y-%m-%d %H:%M")
            ));
        } else if later.iter().all(|o| finding(o) == Finding::Unknown)
            && anaesthesia.exposure.end.is_none_or(|end| end >= from)
        {
            outcome.verdict = Verdict::Undecided;
            outcome.missing.push(format!(
                "whether seizures continued {} hours or more after anaesthesia started ({})",
                spec.hours,
                anaesthesia.exposure.start.format("%Y-%m-%d %H:%M")
            ));
        } else {
            outcome.verdict = Verdict::NotMet;
            outcome.reasons.push(format!(
                "no seizure activity {} hours or more after anaesthesia started",
                spec.hours
            ));
        }
        return outcome;
    }

    // Refractory: after the benzodiazepine and `second_line_count` second-line drugs.
    let mut second_starts: Vec<&Given<'_>> = second_line.clone();
    second_starts.sort_by_key(|g| g.exposure.start);
    let mut distinct: Vec<&Given<'_>> = Vec::new();
    for given in second_starts {
        let name = given.drugs.first().map(|d| d.ingredient.as_str());
        if !distinct
            .iter()
            .any(|d| d.drugs.first().map(|x| x.ingredient.as_str()) == name)
        {
            distinct.push(given);
        }
    }
    for given in &distinct {
        outcome
            .evidence
            .push(exposure_evidence(id, given, ctx.today));
    }
    let needed = (spec.second_line_count as usize).max(1);
    if distinct.len() < needed {
        let after_bzd: Vec<Finding> = activity(episode_start)
            .into_iter()
            .map(finding)
            .filter(|f| *f != Finding::Unknown)
            .collect();
        if !after_bzd.is_empty() && after_bzd.iter().all(|f| *f == Finding::Absent) {
            outcome.verdict = Verdict::NotMet;
            outcome
                .reasons
                .push(String::from("seizures stopped after the benzodiazepine"));
        } else if anaesthetics.is_empty() {
            outcome.verdict = Verdict::Undecided;
            outcome.missing.push(format!(
                "{} second-line antiseizure drug(s) given and their effect (recorded: {})",
                needed,
                distinct.len()
            ));
        } else {
            // Anaesthesia without a recorded second-line drug: the escalation is not documented.
            outcome.verdict = Verdict::Undecided;
            outcome.missing.push(String::from(
                "the second-line antiseizure drug given before anaesthesia",
            ));
        }
        return outcome;
    }
    let after = distinct[needed - 1].exposure.start;
    let observed: Vec<_> = activity(after)
        .into_iter()
        .filter(|o| finding(o) != Finding::Unknown)
        .collect();
    let further = distinct
        .iter()
        .skip(needed)
        .find(|g| g.exposure.start > after);
    if let Some(seizure) = observed.iter().find(|o| finding(o) == Finding::Present) {
        outcome.verdict = Verdict::Met;
        outcome.evidence.push(observation_evidence(id, seizure));
        outcome.reasons.push(format!(
            "seizure activity continued after a benzodiazepine and {} second-line drug(s) ({})",
            needed,
            seizure.effective.format("%Y-%m-%d %H:%M")
        ));
    } else if let Some(next) = further {
        // A further second-line drug is given because seizures went on.
        outcome.verdict = Verdict::Met;
        let name = |g: &Given<'_>| {
            g.drugs_of(&spec.second_line_classes)
                .next()
                .map_or_else(|| g.exposure.text.clone(), |d| d.ingredient.clone())
        };
        outcome.reasons.push(format!(
            "{} was given after {} ({}): a further second-line drug means seizures continued",
            name(next),
            name(distinct[needed - 1]),
            next.exposure.start.format("%Y-%m-%d %H:%M")
        ));
    } else if anaesthetics.iter().any(|g| g.exposure.start > after) {
        // Anaesthesia after the second-line drug implies seizures went on.
        outcome.verdict = Verdict::Met;
        outcome.reasons.push(String::from(
            "anaesthesia was started after the second-line drug (seizures continued)",
        ));
    } else if observed.is_empty() {
        outcome.verdict = Verdict::Undecided;
        outcome.missing.push(format!(
            "whether seizures stopped after the second-line drug given at {}",
            after.format("%Y-%m-%d %H:%M")
        ));
    } else {
        outcome.verdict = Verdict::NotMet;
        outcome
            .reasons
            .push(String::from("seizures stopped after the second-line drug"));
    }
    outcome
}
