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
//!
//! The episode is found from the escalation, not from the latest benzodiazepine (see
//! [`episode_start`]): a benzodiazepine on a schedule, by mouth or as needed is no first-line
//! bolus and never starts or moves an episode, one given while the episode's anaesthetic runs
//! belongs to it, and of several episodes the latest that escalated is assessed. Findings of no
//! seizures that document the status stopped end the episode for every check (see
//! [`documented_end`]): a drug given after that is no escalation of it, and a bolus after it
//! starts a new episode.

use chrono::NaiveDateTime;

/// How a reason gives the moment of a dose or a seizure: stored times are instants in UTC (see
/// `domain::shown_zone`), and a reason is written once, for every screen, so it says its zone
/// rather than show a clinic's evening as the next morning unmarked.
const INSTANT_SHOWN: &str = "%Y-%m-%d %H:%M UTC";

use super::context::Context;
use super::dates::shift_hours;
use super::describe::{exposure_evidence, observation_evidence};
use super::given::Given;
use super::model::Escalation;
use super::outcome::{Outcome, Verdict};
use super::selectors::{Finding, finding};
use crate::domain::Observation;

/// Hours before a bolus in which a dose of the same second-line drug makes a later one a
/// continuation (levetiracetam every 12 hours after an episode), not an escalation that starts a
/// new episode: two days covers every maintenance interval of the intravenous antiseizure drugs.
const CONTINUED_WITHIN_HOURS: i64 = 48;

/// The active drug a record gives (see [`crate::rules::drugs::Drug::moiety`]): phenytoin for
/// fosphenytoin, so that one after the other is no "different" second-line drug.
fn moiety<'g>(given: &'g Given<'_>) -> Option<&'g str> {
    given.drugs.first().map(|drug| drug.moiety())
}

/// Whether a record of an anaesthetic agent is anaesthesia: an infusion, or any record of an
/// agent that is not also a first-line drug (a propofol bolus), never a midazolam bolus.
fn is_anaesthesia(given: &Given<'_>, spec: &Escalation) -> bool {
    given.has_any_class(&spec.anaesthetic_classes)
        && (given.is_infusion() || !given.has_any_class(&spec.first_line_classes))
}

/// The start of the episode the assessment describes. Benzodiazepine boluses are grouped into
/// episodes: a bolus within `episode_hours` of an episode's first, or while an anaesthetic
/// infusion started in it still runs (a breakthrough dose while it is weaned), belongs to it;
/// any other starts one. The episode described is the latest that escalated (a new second-line
/// drug or anaesthesia within `episode_hours` of its first bolus) or in which seizures were
/// seen; else the latest with a finding of seizures; else the latest. A later benzodiazepine
/// given for something else (a premedication) so never hides the episode before it.
fn episode_start(
    ctx: &Context<'_>,
    spec: &Escalation,
    first_line: &[&Given<'_>],
) -> Option<NaiveDateTime> {
    let mut starts: Vec<NaiveDateTime> = first_line.iter().map(|g| g.exposure.start).collect();
    starts.sort_unstable();
    let mut episodes: Vec<NaiveDateTime> = Vec::new();
    let mut reaches = NaiveDateTime::MIN;
    for start in starts {
        if episodes.is_empty() || start > reaches {
            episodes.push(start);
            // A bolus after the episode was documented to have stopped treats a recurrence: a
            // new episode, however soon.
            reaches =
                documented_end(ctx, spec, start).unwrap_or_else(|| episode_reach(ctx, spec, start));
        }
    }
    let findings = |start: NaiveDateTime| {
        let end = shift_hours(start, spec.episode_hours);
        ctx.observations(&spec.seizure_activity)
            .filter(move |o| o.effective >= start && o.effective <= end)
            .map(finding)
    };
    let escalated = |start: &&NaiveDateTime| {
        escalation_after(ctx, spec, **start) || findings(**start).any(|f| f == Finding::Present)
    };
    let observed = |start: &&NaiveDateTime| findings(**start).any(|f| f != Finding::Unknown);
    episodes
        .iter()
        .rev()
        .find(escalated)
        .or_else(|| episodes.iter().rev().find(observed))
        .or_else(|| episodes.last())
        .copied()
}

/// How far an episode begun at `start` reaches: `episode_hours`, or to the end of an anaesthetic
/// infusion started within them.
fn episode_reach(ctx: &Context<'_>, spec: &Escalation, start: NaiveDateTime) -> NaiveDateTime {
    let end = shift_hours(start, spec.episode_hours);
    ctx.given
        .iter()
        .filter(|g| is_anaesthesia(g, spec))
        .filter(|g| g.exposure.start >= start && g.exposure.start <= end)
        .filter_map(|g| g.exposure.end)
        .fold(end, NaiveDateTime::max)
}

/// Whether a bolus at `start` was followed within `episode_hours` by an escalation: anaesthesia,
/// or a second-line drug not being given already (none of the same drug in the
/// `CONTINUED_WITHIN_HOURS` before) and not on a schedule.
fn escalation_after(ctx: &Context<'_>, spec: &Escalation, start: NaiveDateTime) -> bool {
    let end = shift_hours(start, spec.episode_hours);
    let end = documented_end(ctx, spec, start).map_or(end, |stop| stop.min(end));
    let within = |g: &&Given<'_>| g.exposure.start >= start && g.exposure.start <= end;
    let continued = |g: &Given<'_>| {
        let since = shift_hours(start, -CONTINUED_WITHIN_HOURS);
        ctx.given.iter().any(|earlier| {
            earlier.exposure.start >= since
                && earlier.exposure.start < start
                && moiety(earlier) == moiety(g)
        })
    };
    ctx.given
        .iter()
        .filter(within)
        .any(|g| is_anaesthesia(g, spec))
        || ctx
            .given_of(&spec.second_line_classes)
            .filter(within)
            .filter(|g| !g.has_any_class(&spec.first_line_classes))
            .filter(|g| !g.is_maintenance())
            .any(|g| !continued(g))
}

/// The episode the criteria assess (see [`episode_start`]), from its first bolus to its end:
/// its documented stop, else the last moment its seizures are read (`episode_hours`, or
/// `withdrawal_hours` after the anaesthesia begun in it: see [`seizures_until`]). `None` with no
/// first-line bolus recorded. What an EEG must be around to confirm this status (a confounder's
/// `resolved_days_before_episode`).
pub fn assessed_episode(
    ctx: &Context<'_>,
    spec: &Escalation,
) -> Option<(NaiveDateTime, NaiveDateTime)> {
    let first_line: Vec<&Given<'_>> = ctx
        .given_of(&spec.first_line_classes)
        .filter(|g| g.is_first_line_bolus())
        .collect();
    let start = episode_start(ctx, spec, &first_line)?;
    let stopped = documented_end(ctx, spec, start);
    let episode_end = shift_hours(start, spec.episode_hours);
    let anaesthesia = ctx.given.iter().any(|g| {
        is_anaesthesia(g, spec)
            && g.exposure.start >= start
            && g.exposure.start <= episode_end
            && stopped.is_none_or(|stop| g.exposure.start <= stop)
    });
    let until = seizures_until(ctx, spec, start, anaesthesia);
    Some((start, stopped.map_or(until, |stop| stop.min(until))))
}

pub fn evaluate(ctx: &Context<'_>, id: &str, spec: &Escalation) -> Outcome {
    let mut outcome = Outcome::new();
    let first_line: Vec<&Given<'_>> = ctx
        .given_of(&spec.first_line_classes)
        .filter(|g| g.is_first_line_bolus())
        .collect();
    let Some(episode_start) = episode_start(ctx, spec, &first_line) else {
        outcome.verdict = Verdict::NotMet;
        outcome
            .reasons
            .push(String::from("no first-line benzodiazepine recorded"));
        return outcome;
    };
    let episode_end = shift_hours(episode_start, spec.episode_hours);
    // Documented to have stopped, the episode is over for every check: a drug given after that
    // (a recurrence's own treatment, propofol to sedate for an MRI) is no escalation of it.
    let stopped = documented_end(ctx, spec, episode_start);
    let in_episode = |g: &Given<'_>| {
        g.exposure.start >= episode_start
            && g.exposure.start <= episode_end
            && stopped.is_none_or(|stop| g.exposure.start <= stop)
    };

    for given in first_line.iter().filter(|g| in_episode(g)) {
        outcome
            .evidence
            .push(exposure_evidence(id, given, ctx.today));
    }
    let second_line: Vec<&Given<'_>> = ctx
        .given_of(&spec.second_line_classes)
        .filter(|g| in_episode(g))
        .filter(|g| !g.has_any_class(&spec.first_line_classes))
        .filter(|g| !g.is_maintenance())
        .collect();
    let anaesthetics: Vec<&Given<'_>> = ctx
        .given
        .iter()
        .filter(|g| in_episode(g))
        .filter(|g| is_anaesthesia(g, spec))
        .collect();
    let until = seizures_until(ctx, spec, episode_start, !anaesthetics.is_empty());
    // The findings after `after` that are this episode's, and the first seizure seen after
    // the status was documented to have stopped (a recurrence, not the status going on).
    let activity = |after: NaiveDateTime| {
        let mut read: Vec<&Observation> = ctx
            .observations(&spec.seizure_activity)
            .filter(|o| o.effective > after && o.effective <= until)
            .collect();
        read.sort_by_key(|o| o.effective);
        let Some(stopped) = stopped.or_else(|| documented_stop(&read, spec.seizure_free_hours))
        else {
            return (read, None);
        };
        let recurrence = read
            .iter()
            .copied()
            .find(|o| o.effective > stopped && finding(o) == Finding::Present);
        read.retain(|o| o.effective <= stopped);
        (read, recurrence)
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
            .filter(|o| o.effective >= from && o.effective <= until)
            .collect();
        if let Some(seizure) = later.iter().find(|o| finding(o) == Finding::Present) {
            outcome.verdict = Verdict::Met;
            outcome.evidence.push(observation_evidence(id, seizure));
            outcome.reasons.push(format!(
                "seizure activity {} hours after anaesthesia started ({})",
                (seizure.effective - anaesthesia.exposure.start).num_hours(),
                seizure.effective.format(INSTANT_SHOWN)
            ));
        } else if later.iter().all(|o| finding(o) == Finding::Unknown)
            && anaesthesia.exposure.end.is_none_or(|end| end >= from)
        {
            outcome.verdict = Verdict::Undecided;
            outcome.missing.push(format!(
                "whether seizures continued {} hours or more after anaesthesia started ({})",
                spec.hours,
                anaesthesia.exposure.start.format(INSTANT_SHOWN)
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
        if !distinct.iter().any(|d| moiety(d) == moiety(given)) {
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
            .0
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
    let (observed, recurrence) = activity(after);
    let observed: Vec<_> = observed
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
            seizure.effective.format(INSTANT_SHOWN)
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
            next.exposure.start.format(INSTANT_SHOWN)
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
            after.format(INSTANT_SHOWN)
        ));
    } else {
        outcome.verdict = Verdict::NotMet;
        outcome
            .reasons
            .push(String::from("seizures stopped after the second-line drug"));
        if let Some(seizure) = recurrence {
            outcome.reasons.push(format!(
                "the seizure of {} came after seizures were documented to have stopped for {} hours: a recurrence, not status continuing",
                seizure.effective.format(INSTANT_SHOWN),
                spec.seizure_free_hours
            ));
        }
    }
    outcome
}

/// The last moment a seizure is read as the episode's: its end (`episode_hours` after its first
/// bolus); with anaesthesia given in it, `withdrawal_hours` past the later of that end and the
/// end of an anaesthetic infusion begun in it, since status that recurs on the reduction or
/// withdrawal of anaesthesia is still the episode (Shorvon & Ferlisi 2011). A seizure after
/// that is a new episode (criteria section 1b): never the failure of this one's drugs.
fn seizures_until(
    ctx: &Context<'_>,
    spec: &Escalation,
    start: NaiveDateTime,
    anaesthesia: bool,
) -> NaiveDateTime {
    if anaesthesia {
        shift_hours(episode_reach(ctx, spec, start), spec.withdrawal_hours)
    } else {
        shift_hours(start, spec.episode_hours)
    }
}

/// When the episode begun at `start` was documented to have stopped ([`documented_stop`]), read
/// from the findings of its `episode_hours` up to the first anaesthesia given in them: findings
/// of none under anaesthesia end nothing (status that recurs on its withdrawal is still the
/// episode, Shorvon & Ferlisi 2011), and anaesthesia begun after the stop is not the episode's.
/// Every check ends there: seizures, a further second-line drug, anaesthesia, and which
/// benzodiazepine bolus starts a new episode.
fn documented_end(
    ctx: &Context<'_>,
    spec: &Escalation,
    start: NaiveDateTime,
) -> Option<NaiveDateTime> {
    let end = shift_hours(start, spec.episode_hours);
    let anaesthesia = ctx
        .given
        .iter()
        .filter(|g| is_anaesthesia(g, spec))
        .map(|g| g.exposure.start)
        .filter(|at| *at >= start && *at <= end)
        .min();
    let mut read: Vec<&Observation> = ctx
        .observations(&spec.seizure_activity)
        .filter(|o| o.effective > start && o.effective <= end)
        .filter(|o| anaesthesia.is_none_or(|at| o.effective < at))
        .collect();
    read.sort_by_key(|o| o.effective);
    documented_stop(&read, spec.seizure_free_hours)
}

/// When findings of no seizures document that the status stopped: the moment a run of them
/// with no seizure seen between spans `hours` (from the first of the run, or the start of a
/// finding's own period, to the last). A single finding of none, or two close together, is a
/// moment without seizures, not the end of the status: a seizure after it is the status going
/// on ("recurrent seizure activity", Hocker 2014). `findings` are in time order.
fn documented_stop(findings: &[&Observation], hours: i64) -> Option<NaiveDateTime> {
    let mut free_since: Option<NaiveDateTime> = None;
    for o in findings {
        match finding(o) {
            Finding::Present => free_since = None,
            Finding::Absent => {
                let from = o.since.map_or(o.effective, |since| since.min(o.effective));
                let since = free_since.map_or(from, |earlier| earlier.min(from));
                free_since = Some(since);
                if o.effective >= shift_hours(since, hours) {
                    return Some(o.effective);
                }
            }
            Finding::Unknown => {}
        }
    }
    None
}
