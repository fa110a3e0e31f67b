//! `failed_trials`: the count of adequate treatment trials that failed, distinct by drug, mechanism
//! or schedule.
//!
//! Only informative trials count (docs/architecture.md, evidence policy): a drug stopped for
//! intolerance or noncompliance is not an efficacy failure; a trial too short or below an adequate
//! dose is not a trial. A trial stopped with an efficacy-failure reason is a failure even with no
//! scores recorded; scores (PHQ-9, PANSS) and seizure counts, when present, can show failure or
//! response on their own, and a contradiction between them and the stop reason is said in the
//! reasons. A trial with no stop reason and no evidence either way is undecided:
//! `insufficient_data` if it could decide.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use chrono::NaiveDate;

use super::context::Context;
use super::dates::shift;
use super::describe::{
    confounder, course_words, days_between, describe_exposure, describe_line, exposure_content,
    exposure_evidence, length_words, line_evidence, month, span,
};
use super::episode::Placement;
use super::given::Given;
use super::latest::{Latest, agreed_latest};
use super::model::{
    BegunTogether, DoseRule, EventRule, FailedTrials, ObservationSelector, ResponseRule, ScoreRule,
    WindowAcrossAdequacy,
};
use super::numbers::trim_number;
use super::outcome::{Outcome, Verdict};
use super::seizure_days;
use super::selectors::{Finding, finding, names_test};
use super::words::contains_words;
use crate::domain::{DoseFrom, Observation, PatientRecord, StopReason, TreatmentLine};

/// One trial: a drug exposure, or a schedule (a line).
struct Trial<'c> {
    /// What two failures must differ in.
    key: String,
    name: String,
    start: NaiveDate,
    end: Option<NaiveDate>,
    stop: Option<StopReason>,
    given: Vec<&'c Given<'c>>,
    line: Option<&'c TreatmentLine>,
    /// For a schedule: the drugs the next schedule added while keeping all of this one's.
    added_next: Vec<String>,
    /// Stop reasons that disagree, recorded for the same drug and period (a prescriber's "not
    /// tolerated", a patient's "no response"); empty when they agree.
    conflict: Vec<StopReason>,
    /// A course of the drug's long-acting injectable form (see [`is_depot`]). The oral form and
    /// the depot of one molecule are two courses, never joined into one trial (the depot's
    /// months are not the oral one's, TRRIP's optimum counts the depot's alone), but the same
    /// drug for what two failures must differ in: TRRIP asks for two different
    /// antipsychotics, and haloperidol decanoate after oral haloperidol is the same molecule.
    depot: bool,
    /// For a drug read in courses (see [`Given::course_drug`]): the first day of its latest
    /// course, from which the course's infusions and its retreatment are told apart.
    course_from: Option<NaiveDate>,
}

impl Trial<'_> {
    /// Whether it was stopped for no response: its stop reason one of the criterion's failures,
    /// and no other record of it says otherwise.
    fn stopped_unanswered(&self, spec: &FailedTrials) -> bool {
        self.conflict.is_empty()
            && self
                .stop
                .is_some_and(|reason| spec.failure_reasons.iter().any(|r| r == reason.as_str()))
    }

    /// A trial continued through a recovery ending on `recovered` and given again at a new
    /// step after it (escitalopram 5 mg kept through the recovery, raised to 20 mg at the
    /// recurrence) is, for the current episode, what was given after the recovery: its records
    /// begun after that day, from the first of them (review 29: dated by its first record, the
    /// new episode's failed trial had been set aside as before the recovery). A trial with no
    /// record begun after the recovery (a maintenance dose kept into a relapse: a relapse on a
    /// drug that brought a remission is no failure of it) stays as it is.
    fn after_a_recovery(mut self, recovered: NaiveDate) -> Self {
        if self.line.is_some()
            || self.start > recovered
            || self.end.is_some_and(|end| end <= recovered)
        {
            return self;
        }
        let after: Vec<_> = self
            .given
            .iter()
            .copied()
            .filter(|given| given.start() > recovered)
            .collect();
        if let Some(start) = after.iter().map(|given| given.start()).min() {
            self.given = after;
            self.start = start;
        }
        self
    }

    /// The day the patient reported not taking the drug from, where that ended the trial (see
    /// [`crate::domain::DrugExposure::reported_not_taken`]).
    fn not_taken_from(&self) -> Option<NaiveDate> {
        self.given
            .iter()
            .filter(|given| given.end() == self.end)
            .find_map(|given| given.exposure.reported_not_taken())
            .map(|(from, _)| from)
    }

    /// Whether the trial's start is only the latest day it can have been: a record it begins
    /// with gives its start as a bound (a period with an end alone, a year), or its line's does.
    fn start_unknown(&self) -> bool {
        self.given
            .iter()
            .any(|given| given.start() == self.start && given.exposure.start_is_approximate())
    }

    /// The one day its records show of a trial they give no length of, said as what it is:
    /// "given until 2022-09-15 from a day not recorded" (a period with an end alone), "given
    /// from 2026-01-31" (an order with no duration), "known given on 2023-02-01 only" (only when
    /// a statement was made).
    fn one_day_words(&self) -> String {
        let end = self.end.unwrap_or(self.start);
        let end_unknown = self
            .given
            .iter()
            .any(|given| given.end() == Some(end) && given.exposure.end_is_approximate());
        match (self.start_unknown(), end_unknown) {
            (true, false) => format!("given until {end} from a day not recorded"),
            (true, true) => format!("known given on {end} only"),
            (false, _) => format!("given from {}", self.start),
        }
    }

    /// Whether the trial may have lasted longer than its records show: a drug record with no
    /// period, or stopped with no end date, gives a lower bound of its duration, never a
    /// duration (docs/architecture.md, evidence policy: never a guess).
    fn duration_uncertain(&self) -> bool {
        self.given
            .iter()
            .any(|given| given.exposure.dates.is_uncertain())
    }

    /// Words for the reasons ("levetiracetam 1500 mg/d, 2019-03 → 2020-05 (14 months)"), made
    /// only for the trials the reasons cite.
    ///
    /// A trial of several records is described by the course the criteria judged (its first
    /// start, its last end, the stop reason that ended it), never by one of its records: an
    /// order of one day beside a 12-week statement from the same day would otherwise be
    /// cited as "0 weeks" with no reason, and which record came first would decide it.
    fn describe(
        &self,
        record: &PatientRecord,
        today: NaiveDate,
        at_dose: Option<&AtDose>,
    ) -> String {
        match (self.line, self.given.as_slice()) {
            (Some(line), _) => describe_line(record, line),
            (None, [only]) => describe_exposure(only, today),
            // Copies of one course (the GP's statement and the hospital's order of it, an
            // order's planned end beside a course still given) are said as the course, as one
            // record of it would be: the copy leaves the words, and the team's review, as they
            // were (review39 F7).
            (None, [first, rest @ ..])
                if rest.iter().all(|g| {
                    dose_words(g) == dose_words(first)
                        && same_period(first.start(), first.end(), g.start(), g.end(), today)
                }) =>
            {
                course_words(&self.given, today)
            }
            (None, [first, rest @ ..])
                if rest.iter().all(|g| dose_words(g) == dose_words(first)) =>
            {
                // One dose throughout: the time at it is the course's own length unless the
                // records leave a gap, which is then worth saying. A course still given is at
                // its dose to the run day, where `time_at_dose` stops counting: that is the
                // whole course too, not a run "from" its first day (review39 F7).
                let whole_course = |at_dose: &&AtDose| {
                    at_dose.from == self.start
                        && self
                            .end
                            .map_or(at_dose.until >= today, |end| end == at_dose.until)
                };
                self.describe_steps(at_dose.filter(|a| !whole_course(a)))
            }
            (None, [_, ..]) => self.describe_steps(at_dose),
            (None, []) => self.name.clone(),
        }
    }

    /// A trial of several doses in words: the first record's words would give its first step's
    /// dose and length as the trial's ("sertraline 25 mg/d … (3 weeks)" for a trial stopped at
    /// 50 mg/d), so every dose is said in order, and the time at an adequate dose beside the
    /// whole length: "sertraline 25 mg/d → 50 mg/d, 2025-11 → 2025-12 (7 weeks; 28 days at an
    /// adequate dose, 50 mg/d), stopped: no response".
    fn describe_steps(&self, at_dose: Option<&AtDose>) -> String {
        let mut steps: Vec<&Given<'_>> = self.given.clone();
        steps.sort_by_key(|g| g.start());
        // Each dose once, in order; a dose given on days of its own, each record one day at
        // one amount (a course's infusions), is said as that, with their number ("1000 mg on
        // each of 4 days"), never as a daily dose over the months between them.
        let mut runs: Vec<(String, Vec<&Given<'_>>)> = Vec::new();
        for step in &steps {
            let Some(words) = dose_words(step) else {
                continue;
            };
            match runs.last_mut() {
                Some((last, members)) if *last == words => members.push(step),
                _ => runs.push((words, vec![step])),
            }
        }
        let doses: Vec<String> = runs
            .into_iter()
            .filter_map(|(words, members)| {
                let first = members.first()?;
                if !members
                    .iter()
                    .all(|g| g.exposure.one_day_amount().is_some())
                {
                    // A dose every record of the step derived is said as derived (R9-7).
                    let mut words = words;
                    if members.iter().all(|g| g.exposure.dose_from.is_some()) {
                        super::describe::push_dose_from(&mut words, first.exposure);
                    }
                    return Some(words);
                }
                let mut days: Vec<NaiveDate> = members.iter().map(|g| g.start()).collect();
                days.dedup();
                super::describe::doses_on_days(first.exposure, days.len())
            })
            .collect();
        let mut out = self.name.clone();
        if !doses.is_empty() {
            out.push(' ');
            out.push_str(&doses.join(" → "));
        }
        let start_unknown = self.start_unknown();
        let by = if start_unknown {
            crate::domain::START_BY_MARK
        } else {
            ""
        };
        let _ = write!(out, ", {by}{} → ", month(self.start));
        // As for one record, lengths are said for finished trials only: words that changed
        // every day would change every stored assessment every day.
        if let Some(end) = self.end {
            // "At least" where the records that begin or end it leave that end a bound; a
            // one-day order of unknown length inside a stated course leaves its length stated.
            let end_unknown = self
                .given
                .iter()
                .any(|given| given.end() == Some(end) && given.exposure.end_is_approximate());
            let length = length_words(
                days_between(self.start, end).max(0),
                start_unknown || end_unknown,
            );
            let _ = write!(out, "{} ({length}", month(end));
            if let Some(at_dose) = at_dose {
                let _ = write!(
                    out,
                    "; {} days at an adequate dose, {}",
                    at_dose.days(),
                    at_dose.doses
                );
            }
            out.push(')');
        } else {
            out.push_str("ongoing");
            if let Some(at_dose) = at_dose {
                let _ = write!(
                    out,
                    " (at an adequate dose, {}, from {})",
                    at_dose.doses, at_dose.from
                );
            }
        }
        if let Some(reason) = self.ending_stop_reason() {
            let _ = write!(out, ", stopped: {}", reason.words());
        }
        // As for one record: what the patient had in hand, not what anyone saw taken.
        if self
            .given
            .iter()
            .all(|g| g.exposure.dates == crate::domain::DatesKnown::Dispensed)
        {
            out.push_str(", from pharmacy fills");
        }
        out
    }

    /// The stop reason said of the trial: that of the record that ends it (the latest end,
    /// an open record last of all) among those that give one, so that the words never depend
    /// on which of two records of one day was stored first. The trial's own reason when no
    /// record has one (a line's).
    fn ending_stop_reason(&self) -> Option<StopReason> {
        self.stop?;
        self.given
            .iter()
            .filter_map(|g| g.exposure.stop_reason.map(|reason| (g.end(), reason)))
            .max_by(|(end_a, reason_a), (end_b, reason_b)| {
                let open_last = |end: &Option<NaiveDate>| end.map_or((1, None), |d| (0, Some(d)));
                open_last(end_a)
                    .cmp(&open_last(end_b))
                    .then_with(|| reason_a.words().cmp(reason_b.words()))
            })
            .map(|(_, reason)| reason)
            .or(self.stop)
    }
}

/// A record's dose as recorded ("50 mg/d", "150 mg/4wk"), what tells two records' doses apart
/// and the words every description uses, but for infusions of one day each (see
/// [`Trial::describe_steps`]).
fn dose_words(given: &Given<'_>) -> Option<String> {
    given
        .exposure
        .dose
        .as_ref()
        .map(|dose| format!("{} {}", trim_number(dose.value), dose.unit))
}

/// The time a drug trial was given at or above its adequate dose, where the rule counts its
/// duration so (`days_at_dose`).
struct AtDose {
    /// The first and the last day of the longest run of consecutive steps at or above it.
    from: NaiveDate,
    until: NaiveDate,
    /// The doses of the run as recorded, in order ("50 mg/d → 100 mg/d").
    doses: String,
    /// Whether the run may have lasted longer than its records show: a step of it with no
    /// recorded end, or a step of unknown dose next to it (either could be more time at
    /// dose); never a guess (docs/architecture.md, evidence policy).
    uncertain: bool,
    /// The first and last day of the run's records that give no dose (see [`time_at_dose`]):
    /// the run's dose is in doubt there, as a trial of no dose at all is.
    dose_unknown: Option<(NaiveDate, NaiveDate)>,
}

impl AtDose {
    fn days(&self) -> i64 {
        days_between(self.from, self.until).max(0)
    }
}

/// Whether one step of a trial (a drug record) is at an adequate dose.
#[derive(Clone, Copy, PartialEq, Eq)]
enum StepDose {
    Adequate,
    Below,
    Unknown,
}

/// How long `trial` was given at or above its adequate dose: the longest run of its records at
/// such a dose that follow one another (a step starting at most a day after the last ended),
/// summed over those steps. `None` when the rule counts the whole trial, or when no record is
/// known to be at an adequate dose (the trial's dose adequacy then decides, as for any trial).
fn time_at_dose(ctx: &Context<'_>, spec: &FailedTrials, trial: &Trial<'_>) -> Option<AtDose> {
    let rule = spec.dose.as_ref().filter(|rule| rule.days_at_dose)?;
    if trial.line.is_some() {
        return None;
    }
    let mut steps: Vec<(NaiveDate, NaiveDate, StepDose, &Given<'_>)> = trial
        .given
        .iter()
        .map(|given| {
            let doses = doses_of(spec, std::iter::once(*given), Some(trial.name.as_str()));
            let step = match adequacy_of(rule, doses) {
                DoseAdequacy::Adequate => StepDose::Adequate,
                DoseAdequacy::Below(_) => StepDose::Below,
                DoseAdequacy::Unknown(_) => StepDose::Unknown,
            };
            // No time at dose is counted beyond the run day: a planned end is not time given.
            // A depot injection read as a course is given until its label interval has passed.
            let end = given.end().map_or(ctx.today, |end| {
                given
                    .depot_course_days(ctx.set)
                    .map_or(end, |days| end.max(shift(given.start(), days)))
                    .min(ctx.today)
            });
            let start = given.start().min(end);
            (start, end, step, *given)
        })
        .collect();
    steps.sort_by_key(|(start, end, _, _)| (*start, *end));
    // No record of the trial is below the adequate dose: those that give no dose (the fills
    // of an order that say none, review R9-3) are time of the same course, as they would be
    // judged alone (a trial of no recorded dose counts, its dose in doubt), never time cut from
    // it. One record's known dose (an order of one day, its end not recorded) never makes the
    // course it belongs to shorter than its records without that dose would be. Where a
    // record is below, the run is only what is known at dose (a titration is judged at dose).
    let unknown_joins = steps.iter().all(|(_, _, step, _)| *step != StepDose::Below);

    // Runs of adequate steps: (from, until, the steps in it).
    let mut runs: Vec<(NaiveDate, NaiveDate, Vec<usize>)> = Vec::new();
    for (index, (start, end, step, given)) in steps.iter().enumerate() {
        let joins = *step == StepDose::Adequate || (unknown_joins && *step == StepDose::Unknown);
        if !joins {
            continue;
        }
        // The next injection of a depot course within its tolerance continues the run: the
        // course is given from its first injection to the last one's interval.
        let grace = given
            .depot_course_days(ctx.set)
            .map_or(0, |_| given.course_grace_days(ctx.set));
        match runs.last_mut() {
            Some((_, until, members)) if *start <= shift(*until, 1 + grace) => {
                *until = (*until).max(*end);
                members.push(index);
            }
            _ => runs.push((*start, *end, vec![index])),
        }
    }
    // The longest run with a record at an adequate dose in it (of unknown ones alone, the
    // trial's dose adequacy decides, as for any trial); of two as long, the later, whose end
    // the follow-up scores are read to.
    let (from, until, members) = runs
        .into_iter()
        .filter(|(_, _, members)| members.iter().any(|&i| steps[i].2 == StepDose::Adequate))
        .max_by_key(|(from, until, _)| (days_between(*from, *until), *from))?;
    let unknown_members: Vec<usize> = members
        .iter()
        .copied()
        .filter(|&i| steps[i].2 == StepDose::Unknown)
        .collect();
    let dose_unknown = unknown_members
        .iter()
        .map(|&i| steps[i].0)
        .min()
        .zip(unknown_members.iter().map(|&i| steps[i].1).max());

    let mut doses: Vec<String> = Vec::new();
    for words in members.iter().filter_map(|&i| dose_words(steps[i].3)) {
        if doses.last() != Some(&words) {
            doses.push(words);
        }
    }
    let end_unknown = members
        .iter()
        .any(|&i| steps[i].3.exposure.dates.is_uncertain());
    let unknown_next_to_it = steps.iter().any(|(start, end, step, given)| {
        *step == StepDose::Unknown
            && *start <= shift(until, 1)
            && *end >= shift(from, -1)
            && (*start < from || *end > until || given.exposure.dates.is_uncertain())
    });
    Some(AtDose {
        from,
        until,
        doses: doses.join(" → "),
        uncertain: end_unknown || unknown_next_to_it,
        dose_unknown,
    })
}

/// What a trial showed.
enum Result {
    Failed(String),
    Responded(String),
    /// Seizure-free long enough on the current schedule: sustained success.
    Sustained(String),
    /// Not an informative trial (with why).
    NotCounted(String),
    /// Could be a failure; what would decide it.
    Undecided(String),
    /// The current schedule's outcome is undetermined (ILAE): it could still turn out a
    /// success, which would withdraw the criterion, or a failure.
    Undetermined(String),
}

pub fn evaluate(ctx: &Context<'_>, id: &str, spec: &FailedTrials) -> Outcome {
    let mut outcome = Outcome::new();
    let trials = collect_trials(ctx, spec);
    let episode = spec.current_episode_only.then(|| {
        let sessions = spec
            .procedure_course
            .iter()
            .flat_map(|rule| acute_sessions(ctx, spec, rule));
        let treatments: Vec<super::episode::Treatment> = trials
            .iter()
            .map(|trial| super::episode::Treatment {
                start: trial.start,
                unwell_until: trial.end.filter(|_| trial.stopped_unanswered(spec)),
            })
            .chain(sessions)
            .collect();
        super::episode::Episode::of(ctx, &treatments)
    });

    let mut failed_keys: BTreeSet<String> = BTreeSet::new();
    let mut failed_text: Vec<String> = Vec::new();
    let mut undecided: Vec<(String, String)> = Vec::new();
    // Undecided trials, each with the first trial of the combination it was begun in.
    let mut undecided_trials: Vec<(usize, String)> = Vec::new();
    let mut not_counted: Vec<String> = Vec::new();
    let mut sustained: Option<String> = None;
    let mut undetermined: Vec<String> = Vec::new();
    let mut depot_failures: Vec<(String, i64)> = Vec::new();

    let latest_start = trials.iter().map(|t| t.start).max();
    let trials: Vec<Trial<'_>> = trials
        .into_iter()
        .map(|trial| {
            match episode
                .as_ref()
                .and_then(super::episode::Episode::recovered_until)
            {
                Some(recovered) => trial.after_a_recovery(recovered),
                None => trial,
            }
        })
        .collect();
    let combination_of = combinations(ctx, spec, &trials);
    // The failed trials, each with the first trial of the combination it was begun in.
    let mut failures_of_trials: Vec<(usize, String, String)> = Vec::new();
    for (index, trial) in trials.iter().enumerate() {
        let combination = combination_of[index];
        match episode.as_ref().map(|e| e.place(trial.start)) {
            Some(Placement::Before(why)) => {
                not_counted.push(format!("{} ({why})", trial.name));
                continue;
            }
            Some(Placement::Unknown(what)) => {
                undecided_trials.push((combination, format!("{}: {what}", trial.name)));
                continue;
            }
            Some(Placement::Current) | None => {}
        }
        let at_dose = time_at_dose(ctx, spec, trial);
        let result = judge(
            ctx,
            spec,
            trial,
            at_dose.as_ref(),
            &mut outcome,
            latest_start == Some(trial.start),
        );
        // A failure at a level the record shows too low is no adequate trial.
        let result = match (result, &spec.level) {
            (Result::Failed(why), Some(rule)) => match level_check(ctx, rule, trial) {
                Err(LevelShort::Untold(what)) => {
                    // Said where a label it withholds is (as a level too low is).
                    let what = format!("{}: {what}", trial.name);
                    outcome
                        .confounders
                        .push(confounder("drug_level", what.clone()));
                    Result::Undecided(what)
                }
                Err(LevelShort::Below(below)) => {
                    outcome.confounders.push(confounder(
                        "drug_level",
                        format!("{} failed at a level too low: {below}", trial.name),
                    ));
                    Result::NotCounted(below)
                }
                Ok(note) if why.is_empty() => Result::Failed(note),
                Ok(note) => Result::Failed(format!("{why}; {note}")),
            },
            (result, _) => result,
        };
        match result {
            Result::Failed(why) => {
                let mut notes: Vec<String> = Vec::new();
                if !why.is_empty() {
                    notes.push(why);
                }
                if let Some(words) = depot_words(ctx, spec, trial) {
                    let days = days_between(trial.start, trial.end.unwrap_or(ctx.today)).max(0);
                    depot_failures.push((trial.name.clone(), days));
                    notes.push(words);
                }
                let described = trial.describe(ctx.record, ctx.today, at_dose.as_ref());
                push_evidence(ctx, id, trial, &described, &mut outcome);
                let text = if notes.is_empty() {
                    described
                } else {
                    format!("{described} ({})", notes.join("; "))
                };
                failures_of_trials.push((combination, trial.key.clone(), text));
            }
            Result::Sustained(why) => {
                sustained = Some(format!("{}: {why}", trial.name));
                let described = trial.describe(ctx.record, ctx.today, at_dose.as_ref());
                push_evidence(ctx, id, trial, &described, &mut outcome);
            }
            Result::NotCounted(why) | Result::Responded(why) => {
                let what = format!("{}: {why}", trial.name);
                // Tried in the episode and judged short of the criterion: said where a label
                // this criterion gives is not reached (a trial of an earlier episode is not).
                outcome.short_of.push(what.clone());
                not_counted.push(what);
            }
            Result::Undecided(what) => {
                undecided_trials.push((combination, format!("{}: {what}", trial.name)));
            }
            Result::Undetermined(what) => {
                let what = format!("{}: {what}", trial.name);
                undetermined.push(what.clone());
                undecided_trials.push((combination, what));
            }
        }
    }

    // A combination is one treatment: its failed drugs are one failure, what two failures
    // must differ in is the set of its drugs' keys, and an undecided drug of a combination
    // that failed adds nothing to the count.
    let mut failed_combinations: Vec<(usize, BTreeSet<String>, Vec<String>)> = Vec::new();
    for (combination, key, text) in failures_of_trials {
        match failed_combinations
            .iter_mut()
            .find(|(first, _, _)| *first == combination)
        {
            Some((_, keys, texts)) => {
                keys.insert(key);
                texts.push(text);
            }
            None => failed_combinations.push((combination, BTreeSet::from([key]), vec![text])),
        }
    }
    for (combination, keys, texts) in &failed_combinations {
        let mut text = if texts.len() > 1 {
            let drugs: BTreeSet<&str> = trials
                .iter()
                .enumerate()
                .filter(|(index, _)| combination_of[*index] == *combination)
                .map(|(_, trial)| trial.name.as_str())
                .collect();
            format!(
                "{} begun together, one treatment: {}",
                drugs.into_iter().collect::<Vec<_>>().join(" + "),
                texts.join("; ")
            )
        } else {
            texts.join("; ")
        };
        if !failed_keys.insert(keys.iter().cloned().collect::<Vec<_>>().join("+")) {
            let what = if spec.distinct_by == "line" {
                "schedule"
            } else {
                spec.distinct_by.as_str()
            };
            text = format!("{text} (same {what} as an earlier failure)");
        }
        failed_text.push(text);
    }
    for (combination, what) in undecided_trials {
        if failed_combinations
            .iter()
            .any(|(first, _, _)| *first == combination)
        {
            continue;
        }
        let keys: BTreeSet<&str> = trials
            .iter()
            .enumerate()
            .filter(|(index, _)| combination_of[*index] == combination)
            .map(|(_, trial)| trial.key.as_str())
            .collect();
        undecided.push((keys.into_iter().collect::<Vec<_>>().join("+"), what));
    }

    if let Some(rule) = &spec.procedure_course {
        for course in procedure_courses(ctx, spec, rule, episode.as_ref()) {
            match course.result {
                Result::Failed(why) if rule.counted => {
                    let mut words = format!("{} ({why})", course.name);
                    if !failed_keys.insert(rule.name.clone()) {
                        words = format!("{words} (same treatment as an earlier failure)");
                    }
                    failed_text.push(words);
                    outcome
                        .evidence
                        .extend(course.evidence.into_iter().map(|mut evidence| {
                            id.clone_into(&mut evidence.criterion);
                            evidence
                        }));
                }
                Result::Failed(why) => not_counted.push(format!(
                    "{} ({why}): the rule set does not count it as a trial",
                    course.name
                )),
                Result::Undecided(what) if rule.counted => {
                    undecided.push((rule.name.clone(), format!("{}: {what}", course.name)));
                }
                Result::NotCounted(why)
                | Result::Responded(why)
                | Result::Undecided(why)
                | Result::Sustained(why)
                | Result::Undetermined(why) => {
                    not_counted.push(format!("{}: {why}", course.name));
                }
            }
        }
    }

    // A drug record that names no drug the book knows could be one of the criterion's trials
    // (a drug the book lacks, a brand it does not know): said, never dropped in silence. In the
    // current episode only, where the criterion reads that alone.
    // Only a possible trial of the class: a record with an ATC code outside the classes' ATC
    // groups, or a product the book knows is none (a vitamin, a supplement), is no candidate.
    // The note stays short: the count and the first few names.
    if spec.unit == "drug" {
        let groups: Vec<String> = spec
            .classes
            .iter()
            .flat_map(|class| ctx.book.atc_groups_of(class))
            .collect();
        let unread: Vec<String> = ctx
            .given
            .iter()
            .filter(|given| given.drugs.is_empty())
            .filter(|given| {
                given.exposure.atc.as_deref().is_none_or(|atc| {
                    let atc = atc.trim().to_ascii_uppercase();
                    groups.iter().any(|group| atc.starts_with(group.as_str()))
                })
            })
            .filter(|given| !ctx.book.names_other_product(&given.exposure.text))
            .filter(|given| {
                episode
                    .as_ref()
                    .is_none_or(|e| matches!(e.place(given.start()), Placement::Current))
            })
            .map(|given| describe_exposure(given, ctx.today))
            .collect();
        if !unread.is_empty() {
            const SHOWN: usize = 3;
            let more = if unread.len() > SHOWN {
                format!(" and {} more", unread.len() - SHOWN)
            } else {
                String::new()
            };
            outcome.confounders.push(confounder(
                "unread_drugs",
                format!(
                    "{} drug record{} naming no drug refract knows, not judged as trials: {}{more}; check whether any is a trial of the class {} (and add it to the drug book)",
                    unread.len(),
                    if unread.len() == 1 { "" } else { "s" },
                    unread.iter().take(SHOWN).cloned().collect::<Vec<_>>().join("; "),
                    spec.classes.join(" or ")
                ),
            ));
        }
    }

    let failures = failed_keys.len() as u32;
    let open: Vec<&(String, String)> = undecided
        .iter()
        .filter(|(key, _)| !failed_keys.contains(key))
        .collect();
    let open_keys: BTreeSet<&String> = open.iter().map(|(key, _)| key).collect();
    let unit = if spec.unit == "line" {
        "schedules"
    } else {
        "trials"
    };
    let distinct = match spec.distinct_by.as_str() {
        "mechanism" => " of different mechanisms",
        "drug" => " of different drugs",
        _ => "",
    };

    if failures > 0 {
        outcome.reasons.push(format!(
            "{failures} adequate failed {unit}{distinct} (needs {}): {}",
            spec.min_count,
            failed_text.join("; ")
        ));
    } else {
        outcome.reasons.push(format!(
            "no adequate failed {unit} (needs {})",
            spec.min_count
        ));
    }
    if !not_counted.is_empty() {
        outcome
            .reasons
            .push(format!("not counted: {}", not_counted.join("; ")));
    }
    if let Some(optimum) = spec.dose.as_ref().and_then(|d| d.depot_optimum_days) {
        // TRRIP: "optimum: one of them a long-acting injectable for >= 4 months". A report,
        // not a requirement: adherence to oral trials is what it guards against.
        match depot_failures.iter().find(|(_, days)| *days >= optimum) {
            Some((name, days)) => outcome.reasons.push(format!(
                "TRRIP optimum met: a failed trial was a long-acting injectable for at least {} ({name}, {days} days)",
                span(optimum)
            )),
            None if failures > 0 => outcome.reasons.push(format!(
                "TRRIP optimum not met: no failed trial was a long-acting injectable given for {} or more{}; adherence to the oral trials matters the more",
                span(optimum),
                depot_failures
                    .first()
                    .map_or(String::new(), |(name, days)| format!(" ({name} was, for {days} days)"))
            )),
            None => {}
        }
    }

    if let Some(why) = sustained {
        outcome.verdict = Verdict::NotMet;
        outcome
            .reasons
            .push(format!("sustained success on the current schedule: {why}"));
        return outcome;
    }
    if failures >= spec.min_count {
        outcome.verdict = Verdict::Met;
        // Pending outcomes (docs/architecture.md, evidence policy): an outcome that could only
        // withdraw a criterion already met does not block it; the earlier failures still count.
        for what in undetermined {
            outcome.reasons.push(format!(
                "current schedule {what}; the earlier failures still count"
            ));
        }
    } else if let Some(why) = contraindicated(ctx, spec, &trials) {
        // EULAR 2021: "after failing csDMARD therapy (unless contraindicated)" (CR-3, CR-6).
        outcome.verdict = Verdict::Met;
        outcome.reasons.push(format!(
            "contraindicated, as the criterion allows: {why} (a reaction or intolerance recorded)"
        ));
        outcome.confounders.push(confounder(
            "contraindication",
            format!("{why}: the contraindication the criterion allows, to confirm"),
        ));
    } else if failures + open_keys.len() as u32 >= spec.min_count {
        outcome.verdict = Verdict::Undecided;
        for (_, what) in open {
            outcome.missing.push(what.clone());
        }
    } else {
        outcome.verdict = Verdict::NotMet;
    }
    outcome
}

/// The recorded reactions that contraindicate the drugs of a criterion that allows it
/// (`unless_contraindicated`): each allergy or intolerance the record holds (refuted, entered
/// in error and resolved ones are not kept on import) to a drug of the criterion's classes,
/// unless marked inactive, as the options step names it ("methotrexate: transaminitis
/// 2023-01-10 (intolerance)"). A choice: one such drug is enough (methotrexate, the anchor
/// csDMARD, is what a contraindication usually names), and it is listed for the team to confirm.
///
/// With `intolerance_contraindicates`, a trial of the criterion's drugs stopped for intolerance
/// (whatever its length, its stop reasons agreeing) is one too (CR-6): the same fact as a
/// reaction recorded, written on the prescription instead ("methotrexate stopped for
/// intolerance on 2023-11-20, after 4 weeks"), and so is a record of them put on hold as not
/// tolerated (RV-2: a hold is no stop, but the intolerance happened).
fn contraindicated(ctx: &Context<'_>, spec: &FailedTrials, trials: &[Trial<'_>]) -> Option<String> {
    if !spec.unless_contraindicated {
        return None;
    }
    let stopped = trials
        .iter()
        .filter(|trial| {
            spec.intolerance_contraindicates
                && trial.conflict.is_empty()
                && trial.stop == Some(StopReason::Intolerance)
        })
        .map(|trial| match trial.end {
            Some(end) => format!(
                "{} stopped for intolerance on {end}, after {}",
                trial.name,
                span(days_between(trial.start, end).max(0))
            ),
            None => format!("{} stopped for intolerance", trial.name),
        });
    // A record put on hold as not tolerated is no stop and no failed trial (ST-6), but the
    // intolerance is the same fact (RV-2). The day it was held is not recorded.
    let held = trials
        .iter()
        .filter(|_| spec.intolerance_contraindicates)
        .flat_map(|trial| {
            trial
                .given
                .iter()
                .filter(|given| given.exposure.held_for() == Some(StopReason::Intolerance))
                .map(|given| {
                    format!(
                        "{} on hold as not tolerated (order of {})",
                        trial.name,
                        given.start()
                    )
                })
        });
    let mut found: Vec<String> = ctx
        .record
        .reactions
        .iter()
        .filter(|reaction| reaction.clinical_status.as_deref() != Some("inactive"))
        .filter_map(|reaction| {
            let drug = ctx
                .book
                .recognise(&reaction.code_list(), &reaction.substance)
                .into_iter()
                .find(|drug| {
                    drug.classes
                        .iter()
                        .any(|class| spec.classes.contains(class))
                })?;
            Some(reaction.describe(&drug.ingredient))
        })
        .chain(stopped)
        .chain(held)
        .collect();
    found.dedup();
    (!found.is_empty()).then(|| found.join("; "))
}

/// Why a failed trial's drug levels keep it from counting (see [`level_check`]).
enum LevelShort {
    /// Every level recorded during it falls short: not an adequate trial.
    Below(String),
    /// A level dated by a month or a year alone runs across the trial's first or last day,
    /// and whether it was of the trial decides whether the trial was adequate: in words.
    Untold(String),
}

/// For each trial (sorted by start), the index of the first trial of the combination it was
/// begun in: itself when alone, or with `begun_together = "each_drug"`, or for schedules. A
/// drug joins a combination when it began within the rule set's `regimen_window_days` of the
/// combination's first drug while one of its drugs was still given (as `[lines]` groups a
/// regimen, so the flag and the lines shown agree): begun after the others were stopped it is
/// a switch, no combination, and the same drug again is no second drug of one.
fn combinations(ctx: &Context<'_>, spec: &FailedTrials, trials: &[Trial<'_>]) -> Vec<usize> {
    let mut first_of: Vec<usize> = (0..trials.len()).collect();
    if spec.unit != "drug" || spec.begun_together != Some(BegunTogether::OneTreatment) {
        return first_of;
    }
    let window = ctx.set.lines.regimen_window_days;
    for index in 0..trials.len() {
        let trial = &trials[index];
        let joined = (0..index).find(|&first| {
            first_of[first] == first
                && trial.start <= shift(trials[first].start, window)
                && (first..index)
                    .filter(|&member| first_of[member] == first)
                    .all(|member| trials[member].name != trial.name)
                && (first..index)
                    .filter(|&member| first_of[member] == first)
                    .any(|member| trials[member].end.is_none_or(|end| end > trial.start))
        });
        if let Some(first) = joined {
            first_of[index] = first;
        }
    }
    first_of
}

/// What a failed trial's drug levels say (`spec.level`): `Err` with why when every level
/// recorded during it falls short (not an adequate trial), or when a level dated by a month
/// alone whose month runs across the trial's first or last day would decide that (never read
/// on its first day); else `Ok` with a note on the levels (none recorded, fewer at the level
/// than the source asks, some short of it).
fn level_check(
    ctx: &Context<'_>,
    rule: &super::model::LevelRule,
    trial: &Trial<'_>,
) -> std::result::Result<String, LevelShort> {
    let until = shift(trial.end.unwrap_or(ctx.today), 7);
    let span = |o: &Observation| {
        (
            o.local_day(),
            o.last_local_day().min(ctx.today).max(o.local_day()),
        )
    };
    let surely = |o: &Observation| {
        let (first, last) = span(o);
        first >= trial.start && last <= until
    };
    let maybe = |o: &Observation| {
        let (first, last) = span(o);
        !surely(o) && last >= trial.start && first <= until
    };
    let levels: Vec<&Observation> = ctx.observations(&rule.observation).collect();
    let within: Vec<&Observation> = levels.iter().copied().filter(|o| surely(o)).collect();
    let verdict = levels_say(rule, &within);
    let across: Vec<&Observation> = levels.iter().copied().filter(|o| maybe(o)).collect();
    if across.is_empty() {
        return verdict.map_err(LevelShort::Below);
    }
    let all: Vec<&Observation> = within.iter().chain(&across).copied().collect();
    if verdict.is_err() == levels_say(rule, &all).is_err() {
        return verdict.map_err(LevelShort::Below);
    }
    let listed = across
        .iter()
        .map(|o| format!("{} in {}", o.value_text().trim_end(), o.day_text()))
        .collect::<Vec<_>>()
        .join(", ");
    Err(LevelShort::Untold(format!(
        "the day of the {} dated by a month alone ({listed}): whether it was during the trial \
         ({} to {until}) cannot be told; its day would decide whether the trial reached an \
         adequate level",
        rule.name, trial.start
    )))
}

/// What the levels `found` during a trial say (see [`level_check`]).
fn levels_say(
    rule: &super::model::LevelRule,
    found: &[&Observation],
) -> std::result::Result<String, String> {
    // Each level read: its day, its words, and whether it reached the minimum. A level reported
    // as a bound (R4 `valueQuantity.comparator`, "< 25 ng/mL" below the detection limit) is a
    // level when every value it allows is on one side of the minimum: "< 25" is below 350.
    let mut read: Vec<(NaiveDate, String, bool)> = Vec::new();
    let mut unread: Vec<String> = Vec::new();
    for level in found.iter().copied() {
        // Of a month alone, said as given ("2026-03").
        let (day, said) = (level.local_day(), level.day_text());
        let factor = ng_per_ml(
            level.unit.as_deref().unwrap_or(""),
            rule.molar_mass_g_per_mol,
            None,
        );
        let Some(factor) = factor.filter(|f| *f > 0.0) else {
            unread.push(format!(
                "{} on {said} (unit)",
                level.value_text().trim_end()
            ));
            continue;
        };
        if let Some(value) = level.exact_value() {
            let value = value * factor;
            read.push((
                day,
                format!("{} ng/mL on {said}", trim_number(value.round())),
                at_least(value, rule.min_ng_ml),
            ));
            continue;
        }
        let cut = rule.min_ng_ml / factor;
        let bound = format!("{} on {said}", level.value_text().trim_end());
        match (level.beyond("below", cut), level.beyond("at_least", cut)) {
            (Some(true), _) => read.push((day, bound, false)),
            (_, Some(true)) => read.push((day, bound, true)),
            _ => unread.push(format!("{bound} (a bound either side of the minimum)")),
        }
    }
    let minimum = trim_number(rule.min_ng_ml);
    let words = |levels: &[(NaiveDate, String, bool)]| {
        levels
            .iter()
            .map(|(_, words, _)| words.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let unread_words = if unread.is_empty() {
        String::new()
    } else {
        format!("; not read: {}", unread.join(", "))
    };
    if read.is_empty() {
        return Ok(format!(
            "no {} recorded during the trial (an adequate trial reaches {minimum} ng/mL, measured {} times){unread_words}",
            rule.name, rule.min_count
        ));
    }
    let reached = read.iter().filter(|(_, _, reached)| *reached).count();
    if reached == 0 {
        return Err(format!(
            "{} {}, below {minimum} ng/mL: not an adequate trial{unread_words}",
            rule.name,
            words(&read)
        ));
    }
    if reached < rule.min_count as usize || reached < read.len() {
        return Ok(format!(
            "{} {}: {reached} of them at least {minimum} ng/mL (an adequate trial reaches it, measured {} times){unread_words}",
            rule.name,
            words(&read),
            rule.min_count
        ));
    }
    Ok(format!("{} {}{unread_words}", rule.name, words(&read)))
}

/// ng/mL in one of a concentration `unit` (a mass or an amount of substance per volume: ng/mL,
/// µg/L, mg/L, nmol/L, µmol/L; equivalents per volume, mEq/L, of an ion of `charge`), `None`
/// for any other. A mole of the drug weighs `molar_mass` grams; an equivalent of an ion is a
/// mole over its charge (UCUM "eq"), so an amount in equivalents of a drug that is no ion
/// (`charge` `None`) is not read.
pub(super) fn ng_per_ml(unit: &str, molar_mass: f64, charge: Option<u8>) -> Option<f64> {
    let (amount, volume) = unit.trim().split_once('/')?;
    let amount = amount
        .trim()
        .replace(['\u{3bc}', '\u{b5}'], "u")
        .to_ascii_lowercase();
    // Milligrams in one millimole.
    let per_mmol = molar_mass;
    let per_meq = charge.filter(|c| *c > 0).map(|c| molar_mass / f64::from(c));
    // Milligrams of the amount.
    let mg = match amount.as_str() {
        "ng" | "nanogram" | "nanograms" => 1e-6,
        "pmol" => 1e-9 * per_mmol,
        "nmol" => 1e-6 * per_mmol,
        "umol" | "mcmol" => 1e-3 * per_mmol,
        "mmol" => per_mmol,
        "ueq" | "mceq" => 1e-3 * per_meq?,
        "meq" => per_meq?,
        other => crate::domain::units::mass_mg(other)?,
    };
    let volume = volume
        .trim()
        .replace(['\u{3bc}', '\u{b5}'], "u")
        .to_ascii_lowercase();
    let ml = match volume.as_str() {
        "dl" => 100.0,
        "ul" | "mcl" => 1e-3,
        other => crate::domain::units::volume_ml(other)?,
    };
    Some(mg / ml * 1e6)
}

/// A course of procedure sessions judged as a trial.
struct Course {
    /// "ECT, 12 sessions, 2025-05-05 → 2025-05-30".
    name: String,
    result: Result,
    evidence: Vec<crate::domain::Evidence>,
}

/// The courses of `rule`'s procedure in the record, each judged: sessions at most `gap_days`
/// apart are one course; one in an earlier episode is not counted (with `episode`); one with
/// fewer than `min_sessions` is no adequate course (still under way: undecided); an adequate one
/// failed or responded by the criterion's scores from before its first session to
/// `follow_up_days` after its last, and with no such scores is undecided. A procedure dated
/// only by a period of days (a course recorded as one procedure) gives no count of its
/// sessions: undecided, never guessed.
fn procedure_courses(
    ctx: &Context<'_>,
    spec: &FailedTrials,
    rule: &super::model::ProcedureCourse,
    episode: Option<&super::episode::Episode>,
) -> Vec<Course> {
    let (groups, undated) = procedure_sessions(ctx, rule);
    let undated_course = (undated > 0).then(|| Course {
        name: format!(
            "{}, {undated} session{} with no date",
            rule.name,
            if undated == 1 { "" } else { "s" }
        ),
        result: Result::Undecided(String::from(
            "the day of each session is not recorded: which course they were and how it went is not known",
        )),
        evidence: Vec::new(),
    });
    groups
        .into_iter()
        .filter_map(|group| {
            let (start, _, _) = *group.first()?;
            let end = group.iter().map(|(_, last, _)| *last).max()?;
            let count = group.len();
            // A record spanning days is a procedure of unknown sessions, never one session.
            let unit = if group.iter().any(|(first, last, _)| first != last) {
                "procedure"
            } else {
                "session"
            };
            let name = if start == end {
                format!("{}, {count} {unit}, {start}", rule.name)
            } else {
                format!(
                    "{}, {count} {unit}{}, {start} → {end}",
                    rule.name,
                    if count == 1 { "" } else { "s" }
                )
            };
            let evidence = group
                .iter()
                .map(|(_, _, p)| crate::domain::Evidence {
                    criterion: String::new(),
                    kind: crate::domain::EvidenceKind::Procedure,
                    id: p.id,
                    text: format!("{} {}", p.name(), p.when_words()),
                    also: Vec::new(),
                    // A session of the course, not its day (see `procedure_evidence`).
                    content: p.display.clone(),
                })
                .collect();
            let ongoing = days_between(end, ctx.today) <= rule.gap_days;
            let result = match episode.map(|e| e.place(start)) {
                Some(Placement::Before(why)) => Result::NotCounted(why),
                Some(Placement::Unknown(what)) => Result::Undecided(what),
                Some(Placement::Current) | None => {
                    judge_course(ctx, spec, rule, &group, start, end, ongoing)
                }
            };
            Some(Course {
                name,
                result,
                evidence,
            })
        })
        .chain(undated_course)
        .collect()
}

/// One session of a procedure course: its first and last day, and its record.
type Session<'a> = (NaiveDate, NaiveDate, &'a crate::domain::Procedure);

/// The sessions of `rule`'s procedure in the record, as courses (sessions at most `gap_days`
/// apart, oldest first), and how many have no day.
fn procedure_sessions<'a>(
    ctx: &Context<'a>,
    rule: &super::model::ProcedureCourse,
) -> (Vec<Vec<Session<'a>>>, usize) {
    // A session's days: its window, reaching to the end of its period (R4 `performedPeriod`: a
    // course recorded as one procedure spans its weeks, never one session); dated by an end
    // alone, on that day (a session lasts minutes). A period shorter than a day is one session
    // on its start's day: times are UTC instants, so a 20-minute session written at 10:50+11:00
    // ends on the next UTC day, and must never read as a procedure over several days. One with
    // no day at all is said, never dropped.
    let mut undated = 0_usize;
    let mut sessions: Vec<Session<'a>> = Vec::new();
    for p in ctx.procedures(&rule.terms) {
        let end = p
            .end
            .filter(|end| p.date_unknown || *end - p.performed >= chrono::TimeDelta::days(1))
            .map(|end| crate::domain::local_day(end, p.end_utc_offset_minutes));
        match (p.window(), end) {
            (Some((first, last)), end) => {
                sessions.push((first, end.map_or(last, |end| last.max(end)), p));
            }
            (None, Some(end)) => sessions.push((end, end, p)),
            (None, None) => undated += 1,
        }
    }
    sessions.sort_by_key(|(first, last, p)| (*first, *last, p.id));
    let mut groups: Vec<Vec<Session<'a>>> = Vec::new();
    for session in sessions {
        match groups.last_mut() {
            Some(group)
                if group.last().is_some_and(|(_, last, _)| {
                    days_between(*last, session.0) <= rule.gap_days
                }) =>
            {
                // The same session recorded twice (a procedure and its billing) is one.
                if !group
                    .iter()
                    .any(|(first, last, _)| (*first, *last) == (session.0, session.1))
                {
                    group.push(session);
                }
            }
            _ => groups.push(vec![session]),
        }
    }
    (groups, undated)
}

/// The sessions of `rule`'s acute courses, each a sign the patient was unwell on its days (see
/// `episode::Treatment`): an acute course is given for an ongoing episode. Chosen, as for
/// judging a course: a course begun in remission (a continuation or maintenance series, see
/// [`begun_in_remission`]) shows nothing, nor does a session of a course given after a score in
/// remission within `remission_baseline_days` before it (a course that went on as continuation
/// treatment once the patient remitted keeps a remission, as a drug kept on may): only the
/// scores could say the patient was unwell then. A session dated only within a window of days
/// (a month, a year, an age) shows no day: its window is not known to be days of treatment.
fn acute_sessions(
    ctx: &Context<'_>,
    spec: &FailedTrials,
    rule: &super::model::ProcedureCourse,
) -> Vec<super::episode::Treatment> {
    let in_remission =
        |day: NaiveDate| begun_in_remission(ctx, spec, day, rule.remission_baseline_days).is_some();
    procedure_sessions(ctx, rule)
        .0
        .into_iter()
        .filter(|course| {
            course
                .first()
                .is_some_and(|(first, _, _)| !in_remission(*first))
        })
        .flatten()
        .filter(|(first, _, p)| {
            p.window()
                .is_none_or(|(earliest, latest)| earliest == latest)
                && *first <= ctx.today
                && !in_remission(*first)
        })
        .map(|(first, last, _)| super::episode::Treatment {
            start: first,
            unwell_until: (last > first).then_some(last.min(ctx.today)),
        })
        .collect()
}

/// [`procedure_courses`]' judgement of one course in the current episode.
fn judge_course(
    ctx: &Context<'_>,
    spec: &FailedTrials,
    rule: &super::model::ProcedureCourse,
    group: &[(NaiveDate, NaiveDate, &crate::domain::Procedure)],
    start: NaiveDate,
    end: NaiveDate,
    ongoing: bool,
) -> Result {
    if group.iter().any(|(first, last, _)| first != last) {
        return Result::Undecided(format!(
            "a procedure spans several days: how many sessions the course had is not recorded (an adequate course has at least {})",
            rule.min_sessions
        ));
    }
    let sessions = group.len();
    if sessions < rule.min_sessions as usize {
        return if ongoing {
            Result::Undecided(format!(
                "{sessions} sessions so far: response can be judged after at least {}",
                rule.min_sessions
            ))
        } else {
            Result::NotCounted(format!(
                "{sessions} sessions, fewer than an adequate course ({})",
                rule.min_sessions
            ))
        };
    }
    let window = Window {
        start,
        follow_up_from: end,
        until: shift(end, rule.follow_up_days - 7),
    };
    if let Some(why) = begun_in_remission(ctx, spec, start, rule.remission_baseline_days) {
        return Result::NotCounted(why);
    }
    match trial_scores(ctx, spec, window) {
        Some(ScoreEvidence::Failed(words)) => Result::Failed(words),
        Some(ScoreEvidence::Responded(words)) => Result::Responded(format!("responded ({words})")),
        Some(ScoreEvidence::Disagree(which)) => Result::Undecided(which),
        None if ongoing => Result::Undecided(String::from(
            "course under way: no score after its last session yet",
        )),
        None => Result::Undecided(format!(
            "no score before the course and within {} after its last session: its response is not recorded",
            span(rule.follow_up_days)
        )),
    }
}

/// The evidence of a counted trial: its line; its records, each its own item where their doses
/// differ (a titration's steps: the step at an adequate dose is cited as such); or, for records of
/// one dose (a course given dose by dose, renewals), one item naming the record that ended it
/// (its stop reason's; else its first) and saying the course as the reasons do: each record alone would be cited as a trial of its own
/// ("rituximab 1000 mg, 2019-07 → 2019-07 (0 weeks)", twice, for one course of two infusions).
fn push_evidence(
    ctx: &Context<'_>,
    id: &str,
    trial: &Trial<'_>,
    described: &str,
    outcome: &mut Outcome,
) {
    if let Some(line) = trial.line {
        outcome.evidence.push(line_evidence(id, ctx.record, line));
        return;
    }
    match trial.given.as_slice() {
        [] => {}
        [only] => outcome
            .evidence
            .push(exposure_evidence(id, only, ctx.today)),
        several
            if several
                .iter()
                .any(|g| dose_words(g) != dose_words(several[0])) =>
        {
            for given in several {
                outcome
                    .evidence
                    .push(exposure_evidence(id, given, ctx.today));
            }
        }
        several => {
            // The record that ended the course (the one with its stop reason, the latest such)
            // is the one cited: it documents the failure (review 29: monthly renewals had been
            // cited by the first, `completed` and with no reason).
            let ending = several
                .iter()
                .filter(|g| trial.stop.is_some() && g.exposure.stop_reason == trial.stop)
                .max_by_key(|g| (g.start(), g.exposure.id));
            let first = several.iter().min_by_key(|g| (g.start(), g.exposure.id));
            if let Some(first) = ending.or(first) {
                let mut evidence = exposure_evidence(id, first, ctx.today);
                described.clone_into(&mut evidence.text);
                // The course's outcome, as its words say it, whichever record is cited.
                evidence.content = exposure_content(first, trial.ending_stop_reason());
                outcome.evidence.push(evidence);
            }
        }
    }
}

fn collect_trials<'c>(ctx: &'c Context<'c>, spec: &FailedTrials) -> Vec<Trial<'c>> {
    let excluded = |ingredient: &str| {
        spec.exclude_ingredients
            .iter()
            .any(|e| e.eq_ignore_ascii_case(ingredient))
            || (!spec.only_ingredients.is_empty()
                && !spec
                    .only_ingredients
                    .iter()
                    .any(|only| only.eq_ignore_ascii_case(ingredient)))
    };
    let mechanism_allowed = |drug: &super::drugs::Drug| {
        spec.mechanisms.is_empty()
            || drug
                .mechanism
                .as_ref()
                .is_some_and(|m| spec.mechanisms.iter().any(|allowed| allowed == m))
    };
    let mut trials = Vec::new();
    if spec.unit == "line" {
        for line in ctx.lines.iter().map(AsRef::as_ref) {
            // The line's own drug records, and every record of its ingredients given during
            // it (a titration step, a renewal), so that the dose reached is seen.
            let line_end = line.end.unwrap_or(ctx.today);
            let given: Vec<&Given<'_>> = ctx
                .given
                .iter()
                .filter(|g| {
                    line.drugs
                        .iter()
                        .any(|d| d.exposure_id == Some(g.exposure.id))
                        || (g.start() <= line_end
                            && g.end().is_none_or(|end| end > line.start)
                            && g.drugs.iter().any(|drug| {
                                line.drugs.iter().any(|d| {
                                    moiety_named(ctx, &d.ingredient)
                                        .eq_ignore_ascii_case(drug.moiety())
                                })
                            }))
                })
                .filter(|g| g.has_any_class(&spec.classes))
                .collect();
            let counted = line.drugs.iter().any(|drug| {
                ctx.book.get(&drug.ingredient).is_some_and(|known| {
                    spec.classes.iter().any(|class| known.has_class(class))
                        && !excluded(&known.ingredient)
                })
            });
            if !counted {
                continue;
            }
            let stop = line.stop_reason.or_else(|| common_stop_reason(&given));
            let added_next = next_add_on(ctx, line);
            let conflict = conflicting_reasons(&given, ctx.today);
            // A schedule is the set of its active drugs: the same schedule tried again
            // (levetiracetam, then another drug, then levetiracetam again) is one schedule.
            let schedule: BTreeSet<String> = line
                .drugs
                .iter()
                .map(|d| moiety_named(ctx, &d.ingredient).to_ascii_lowercase())
                .collect();
            trials.push(Trial {
                key: format!(
                    "schedule:{}",
                    schedule.into_iter().collect::<Vec<_>>().join("+")
                ),
                name: format!("{} {}", line.label(), line.regimen),
                start: line.start,
                end: line.end,
                stop,
                given,
                line: Some(line),
                added_next,
                conflict,
                depot: false,
                course_from: None,
            });
        }
    } else {
        for given in &ctx.given {
            for drug in given.drugs_of(&spec.classes) {
                if excluded(&drug.ingredient) || !mechanism_allowed(drug) {
                    continue;
                }
                let key = match spec.distinct_by.as_str() {
                    "mechanism" => drug
                        .mechanism
                        .clone()
                        .unwrap_or_else(|| drug.ingredient.clone()),
                    // A prodrug and its active drug are one drug to the body: fosphenytoin
                    // then phenytoin is no second drug tried.
                    _ => drug.moiety().to_owned(),
                };
                let depot = is_depot(given, drug, depot_words_of(spec));
                trials.push(Trial {
                    key,
                    name: drug.ingredient.clone(),
                    start: given.start(),
                    end: course_end(ctx, spec, given, drug),
                    stop: given.exposure.stop_reason,
                    given: vec![given],
                    line: None,
                    added_next: Vec::new(),
                    conflict: Vec::new(),
                    depot,
                    course_from: given.course_drug(ctx.set).map(|_| given.start()),
                });
            }
        }
    }
    trials.sort_by_key(|trial| trial.start);
    if spec.unit != "line" {
        trials = merge_same_period(trials, ctx.today);
        trials = merge_courses(trials, ctx);
        trials = merge_steps(trials);
        trials = merge_cycles(trials, ctx.set.lines.gap_days);
    }
    trials
}

/// The courses of a drug read in courses (see [`Given::course_drug`]: rituximab in RA) are one
/// trial while the drug is continued as scheduled. A record begun within the drug's
/// `retreatment_min_days` of its course's first infusion is that course (its second infusion),
/// whatever stop reason the first carries: a reason written on each infusion of the course it
/// ended is the course's, judged once (review r3 C-7: the second infusion had been a trial of
/// "0 weeks" of its own, "not counted" beside the course's failure). The next course, begun
/// within the lines' gap after the last one's action ended (`course_days` after it began, see
/// [`Given::treats_until`]), continues the trial unless the last was stopped for a reason, as
/// the line continues (a retreatment at the usual interval is no new drug tried). The trial
/// ends as its last course does.
fn merge_courses<'c>(trials: Vec<Trial<'c>>, ctx: &Context<'_>) -> Vec<Trial<'c>> {
    let mut kept: Vec<Trial<'c>> = Vec::with_capacity(trials.len());
    for trial in trials {
        let drug = trial
            .given
            .first()
            .and_then(|given| given.course_drug(ctx.set));
        let (Some(drug), Some(_)) = (drug, trial.course_from) else {
            kept.push(trial);
            continue;
        };
        let joined = kept
            .iter_mut()
            .rev()
            .find(|k| k.name == trial.name && k.depot == trial.depot && k.line.is_none())
            .and_then(|earlier| {
                let first = earlier.course_from?;
                let same_course = drug
                    .retreatment_min_days
                    .is_some_and(|days| trial.start < shift(first, days));
                let acting_until = earlier
                    .given
                    .iter()
                    .map(|g| g.treats_until(ctx.set, ctx.today))
                    .max()?;
                let grace = trial.given.first().map_or(ctx.set.lines.gap_days, |given| {
                    given.course_grace_days(ctx.set)
                });
                let retreated = earlier.stop.is_none()
                    && earlier.conflict.is_empty()
                    && trial.start <= shift(acting_until, grace);
                (same_course || retreated).then_some((earlier, same_course))
            });
        match joined {
            Some((earlier, same_course)) => {
                earlier.given.extend(trial.given);
                earlier.end = match (earlier.end, trial.end) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
                if same_course {
                    earlier.stop = trial.stop.or(earlier.stop);
                    for reason in trial.conflict {
                        if !earlier.conflict.contains(&reason) {
                            earlier.conflict.push(reason);
                        }
                    }
                } else {
                    earlier.stop = trial.stop;
                    earlier.conflict = trial.conflict;
                    earlier.course_from = trial.course_from;
                }
            }
            None => kept.push(trial),
        }
    }
    kept
}

/// Records of a drug that follow one another (the next begins at most a day after the last
/// ended, and the last was not stopped for a reason) are the steps of one trial: a dose raised
/// by a new order, the next part of a course of injections or fills at another dose (see the
/// FHIR import). The trial is the drug's, from its first step to its last; the time at an
/// adequate dose is counted over its steps. Doses given one at a time (a ward's drug chart,
/// kept as cycles) followed by an order or a statement of the drug, or following one, are
/// steps too (review r9 R9-2: three weeks on the ward, then the discharge order, are one
/// seven-week trial); only cycles after cycles are joined by [`merge_cycles`], by the lines'
/// gap.
fn merge_steps(trials: Vec<Trial<'_>>) -> Vec<Trial<'_>> {
    let is_cycle = |trial: &Trial<'_>| trial.given.iter().any(|g| g.exposure.cycles.is_some());
    let mut kept: Vec<Trial<'_>> = Vec::with_capacity(trials.len());
    for trial in trials {
        let continues = kept
            .iter_mut()
            .rev()
            .find(|k| k.name == trial.name && k.depot == trial.depot)
            .filter(|earlier| {
                earlier.line.is_none()
                    && !(is_cycle(earlier) && is_cycle(&trial))
                    && earlier.stop.is_none()
                    && earlier.conflict.is_empty()
                    && earlier.end.is_some_and(|end| {
                        trial.start <= shift(end, 1) && trial.start >= earlier.start
                    })
            });
        match continues {
            Some(earlier) => {
                earlier.given.extend(trial.given);
                earlier.end = match (earlier.end, trial.end) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
                earlier.stop = trial.stop;
                earlier.conflict = trial.conflict;
            }
            None => kept.push(trial),
        }
    }
    kept
}

/// Cycles of a drug given dose by dose (an infusion every 8 weeks, recorded as
/// administrations) are one trial while each follows the last within the rule set's line gap
/// and none was stopped for a reason: the trial is the course, not each infusion.
fn merge_cycles(trials: Vec<Trial<'_>>, gap_days: i64) -> Vec<Trial<'_>> {
    let is_cycle = |trial: &Trial<'_>| {
        trial.line.is_none()
            && !trial.given.is_empty()
            && trial.given.iter().all(|g| g.exposure.cycles.is_some())
    };
    let mut kept: Vec<Trial<'_>> = Vec::with_capacity(trials.len());
    for trial in trials {
        let continues = kept
            .iter_mut()
            .rev()
            .find(|k| k.name == trial.name && k.depot == trial.depot)
            .filter(|earlier| {
                is_cycle(earlier)
                    && is_cycle(&trial)
                    && earlier.stop.is_none()
                    && earlier
                        .end
                        .is_some_and(|end| trial.start <= shift(end, gap_days))
            });
        match continues {
            Some(earlier) => {
                earlier.given.extend(trial.given);
                earlier.end = trial.end;
                earlier.stop = trial.stop;
            }
            None => kept.push(trial),
        }
    }
    kept
}

/// Two records of the same drug for the same period (a prescription and a statement of it)
/// are one trial: merged, with their stop reasons, which may disagree. A copy of a course
/// still given with a planned end after `today` (a hospital's order with its `boundsPeriod`, a
/// fill's supply) is that course, still given: the trial stays ongoing, never a second trial
/// ending in the future beside it (review39 F7: the copy was cited as another failure, and
/// the team's confirmed review was asked again).
fn merge_same_period(trials: Vec<Trial<'_>>, today: NaiveDate) -> Vec<Trial<'_>> {
    let mut kept: Vec<Trial<'_>> = Vec::with_capacity(trials.len());
    for trial in trials {
        let same = kept.iter_mut().find(|k| {
            k.name == trial.name
                && k.depot == trial.depot
                && same_period(k.start, k.end, trial.start, trial.end, today)
        });
        let Some(earlier) = same else {
            kept.push(trial);
            continue;
        };
        earlier.given.extend(trial.given);
        match (earlier.stop, trial.stop) {
            (None, stop) => earlier.stop = stop,
            (Some(a), Some(b)) if kind(a) != kind(b) => {
                for reason in [a, b] {
                    if !earlier.conflict.contains(&reason) {
                        earlier.conflict.push(reason);
                    }
                }
            }
            _ => {}
        }
        earlier.end = match (earlier.end, trial.end) {
            (Some(a), Some(b)) => Some(a.max(b)),
            // Ongoing while any record is: a planned end is no end of a course another
            // record says is still given.
            _ => None,
        };
    }
    kept
}

/// Whether two periods are the same course of a drug: they overlap and end within a month of
/// each other (ongoing ends together; an end after `today` is a planned one, still ongoing).
fn same_period(
    start_a: NaiveDate,
    end_a: Option<NaiveDate>,
    start_b: NaiveDate,
    end_b: Option<NaiveDate>,
    today: NaiveDate,
) -> bool {
    let overlap = end_a.is_none_or(|end| start_b <= end) && end_b.is_none_or(|end| start_a <= end);
    let ended = |end: Option<NaiveDate>| end.filter(|end| *end <= today);
    let ends_together = match (ended(end_a), ended(end_b)) {
        (Some(a), Some(b)) => days_between(a.min(b), a.max(b)) <= 31,
        (None, None) => true,
        _ => false,
    };
    overlap && ends_together
}

/// What a stop reason says about efficacy: "no response" and "progression" say the same.
fn kind(reason: StopReason) -> StopReason {
    if reason.is_efficacy_failure() {
        StopReason::LackOfEfficacy
    } else {
        reason
    }
}

/// Stop reasons of a schedule's records that disagree for the same drug and period.
fn conflicting_reasons(given: &[&Given<'_>], today: NaiveDate) -> Vec<StopReason> {
    let mut conflict = Vec::new();
    for (index, a) in given.iter().enumerate() {
        let Some(reason_a) = a.exposure.stop_reason else {
            continue;
        };
        for b in &given[index + 1..] {
            let Some(reason_b) = b.exposure.stop_reason else {
                continue;
            };
            let same_drug = a
                .drugs
                .iter()
                .any(|d| b.drugs.iter().any(|e| e.moiety() == d.moiety()));
            if same_drug
                && kind(reason_a) != kind(reason_b)
                && same_period(a.start(), a.end(), b.start(), b.end(), today)
            {
                for reason in [reason_a, reason_b] {
                    if !conflict.contains(&reason) {
                        conflict.push(reason);
                    }
                }
            }
        }
    }
    conflict
}

/// When a trial ends: the record's end, or for a drug read in courses (rituximab in RA, see
/// [`Given::course_drug`]) the end of the course's action, `course_days` after it began, unless the next drug of the criterion's
/// classes started before that (a switch) or a stop reason other than a failure ended it
/// (intolerance: the course cut short where its record ends). A course still acting today is
/// ongoing, unless stopped for a failure: then it was judged by today at the latest.
///
/// A stop for no response (a reason among the criterion's `failure_reasons`) written on a
/// course's infusions is the team's verdict on the course, not a stop of it on its last
/// infusion day: a course acts after its last infusion and is judged over that action (CR-1,
/// fix round M: one rituximab course so recorded had been "stopped for no response after 2
/// weeks, before an adequate trial", and a difficult-to-treat RA "not difficult-to-treat").
fn course_end(
    ctx: &Context<'_>,
    spec: &FailedTrials,
    given: &Given<'_>,
    drug: &super::drugs::Drug,
) -> Option<NaiveDate> {
    let end = given.end();
    let course_days = given
        .course_drug(ctx.set)
        .filter(|course| course.ingredient == drug.ingredient)
        .and_then(|_| given.course_days(ctx.set));
    let (Some(days), Some(recorded)) = (course_days, end) else {
        return end;
    };
    let failed = given
        .exposure
        .stop_reason
        .map(|reason| spec.failure_reasons.iter().any(|r| r == reason.as_str()));
    if failed == Some(false) {
        return end;
    }
    let acting_until = shift(given.start(), days);
    if acting_until <= recorded {
        return end;
    }
    let switch = ctx
        .given_of(&spec.classes)
        .filter(|g| g.exposure.id != given.exposure.id && g.start() > recorded)
        .filter(|g| !g.drugs.iter().any(|d| d.moiety() == drug.moiety()))
        .map(Given::start)
        .min();
    let until = switch.map_or(acting_until, |day| day.min(acting_until));
    if failed == Some(true) {
        return Some(until.min(ctx.today));
    }
    (until < ctx.today).then_some(until)
}

/// Why a trial is not appropriately chosen for a syndrome the patient has (the criterion's
/// `not_appropriate`): every one of its active drugs is listed for a syndrome among the
/// diagnoses the rule set reads. A choice: a schedule that holds an appropriate drug beside a
/// listed one (valproate with carbamazepine in juvenile myoclonic epilepsy) still tried that
/// drug and counts; the rule-out of the drugs' choice stays listed for the team.
fn not_appropriately_chosen(
    ctx: &Context<'_>,
    spec: &FailedTrials,
    trial: &Trial<'_>,
) -> Option<String> {
    if spec.not_appropriate.is_empty() {
        return None;
    }
    let drugs: Vec<&str> = match trial.line {
        Some(line) => line
            .drugs
            .iter()
            .map(|drug| moiety_named(ctx, &drug.ingredient))
            .collect(),
        None => vec![moiety_named(ctx, &trial.name)],
    };
    if drugs.is_empty() {
        return None;
    }
    spec.not_appropriate.iter().find_map(|rule| {
        let has_syndrome = ctx.conditions.iter().any(|condition| {
            super::diagnosis_names::condition_matches(
                condition,
                &rule.icd10,
                &rule.snomed,
                &rule.names,
            )
        });
        let listed = |drug: &str| {
            rule.ingredients
                .iter()
                .any(|listed| moiety_named(ctx, listed).eq_ignore_ascii_case(drug))
        };
        (has_syndrome && drugs.iter().all(|drug| listed(drug))).then(|| {
            format!(
                "not appropriately chosen for {}: {} {}",
                rule.syndrome,
                drugs.join(" + "),
                rule.why
            )
        })
    })
}

/// The drugs the schedule after `line` added while keeping every drug of `line` (an add-on),
/// or nothing when the next schedule replaced a drug or there is none.
fn next_add_on(ctx: &Context<'_>, line: &TreatmentLine) -> Vec<String> {
    let Some(position) = ctx.lines.iter().position(|l| l.id == line.id) else {
        return Vec::new();
    };
    let Some(next) = ctx.lines.get(position + 1) else {
        return Vec::new();
    };
    let same = |a: &crate::domain::LineDrug, b: &crate::domain::LineDrug| {
        moiety_named(ctx, &a.ingredient).eq_ignore_ascii_case(moiety_named(ctx, &b.ingredient))
    };
    let kept = line
        .drugs
        .iter()
        .all(|drug| next.drugs.iter().any(|d| same(d, drug)));
    if !kept {
        return Vec::new();
    }
    next.drugs
        .iter()
        .filter(|drug| !line.drugs.iter().any(|d| same(d, drug)))
        .map(|drug| drug.ingredient.clone())
        .collect()
}

/// The active drug an ingredient named in a line is (see [`super::drugs::Drug::moiety`]): a
/// prodrug and its active drug are one drug tried, whatever each record calls it. A name the
/// drug book does not know is its own.
fn moiety_named<'a>(ctx: &'a Context<'_>, ingredient: &'a str) -> &'a str {
    ctx.book
        .get(ingredient)
        .map_or(ingredient, super::drugs::Drug::moiety)
}

/// The stop reason all of a schedule's drugs share, if they do.
fn common_stop_reason(given: &[&Given<'_>]) -> Option<StopReason> {
    let mut reasons = given.iter().filter_map(|g| g.exposure.stop_reason);
    let first = reasons.next()?;
    reasons.all(|reason| reason == first).then_some(first)
}

/// How long a trial ran, as its rule counts it: the whole trial, or its time at an adequate
/// dose; with the words the reasons say it in.
struct Lasted<'a> {
    days: i64,
    /// Whether it may have run longer than its records show.
    uncertain: bool,
    at_dose: Option<&'a AtDose>,
}

impl Lasted<'_> {
    /// "4 weeks"; "10 days at an adequate dose (50 mg/d)". The days themselves where the time
    /// at dose is what decides: 27 days would be "4 weeks", the length it falls short of.
    fn words(&self) -> String {
        match self.at_dose {
            Some(at_dose) => format!("{} days at an adequate dose ({})", self.days, at_dose.doses),
            // Records that name one day: given on it, "0 days" of nothing.
            None if self.days == 0 => String::from("one day"),
            None => span(self.days),
        }
    }

    /// As [`Self::words`] beside the length it falls short of: the days themselves where the
    /// span would round to that length (89 days are "13 weeks", as 90 are).
    fn words_short_of(&self, min_days: i64) -> String {
        if self.at_dose.is_none() && span(self.days) == span(min_days) {
            format!("{} days", self.days)
        } else {
            self.words()
        }
    }

    /// What an adequate trial needs: "28 days"; "28 days at an adequate dose".
    fn needed(&self, min_days: i64) -> String {
        match self.at_dose {
            Some(_) => format!("{min_days} days at an adequate dose"),
            None => format!("{min_days} days"),
        }
    }
}

fn judge(
    ctx: &Context<'_>,
    spec: &FailedTrials,
    trial: &Trial<'_>,
    at_dose: Option<&AtDose>,
    outcome: &mut Outcome,
    is_latest: bool,
) -> Result {
    let whole_days = days_between(trial.start, trial.end.unwrap_or(ctx.today)).max(0);
    let ongoing = trial.end.is_none_or(|end| end >= ctx.today);
    // Adequacy is judged on the time at an adequate dose where the rule asks for it, and the
    // follow-up scores that judge the trial are those taken once it was adequate.
    let lasted = Lasted {
        days: at_dose.map_or(whole_days, AtDose::days),
        uncertain: at_dose.map_or_else(|| trial.duration_uncertain(), |a| a.uncertain),
        at_dose,
    };
    let days = lasted.days;
    let adequate_from = shift(at_dose.map_or(trial.start, |a| a.from), spec.min_days);
    let window = Window {
        start: trial.start,
        follow_up_from: adequate_from,
        until: at_dose.map_or(trial.end.unwrap_or(ctx.today), |a| a.until),
    };

    // A trial not appropriately chosen for the patient's syndrome is no informative trial,
    // whatever its outcome (ILAE 2010; CR-2).
    if let Some(why) = not_appropriately_chosen(ctx, spec, trial) {
        return Result::NotCounted(why);
    }

    // Contradicting evidence (docs/architecture.md, evidence policy): two coded reasons that
    // conflict are decided by the criterion's own measure (seizure counts, scores), else the trial
    // is undecided; the conflict is named either way.
    if !trial.conflict.is_empty() {
        let words = trial
            .conflict
            .iter()
            .map(|reason| format!("'{}'", reason.words()))
            .collect::<Vec<_>>()
            .join(" and ");
        let conflict = format!(
            "{}: conflicting stop reasons {words} recorded for the same period",
            trial.name
        );
        outcome
            .confounders
            .push(confounder("conflicting_evidence", conflict.clone()));
        let events = spec.events.as_ref().and_then(|rule| {
            seizure_evidence(ctx, rule, trial, spec.min_days, ongoing && is_latest)
        });
        let score = trial_scores(ctx, spec, window);
        let decided = "the criterion's own measure decides";
        return match (events, score) {
            (Some(EventEvidence::Failed(why)), _) | (_, Some(ScoreEvidence::Failed(why))) => {
                outcome
                    .reasons
                    .push(format!("{conflict}; {why}: {decided}"));
                Result::Failed(format!("conflicting stop reasons {words}; {why}"))
            }
            (Some(EventEvidence::Sustained(why)), _) => {
                outcome
                    .reasons
                    .push(format!("{conflict}; {why}: {decided}"));
                Result::Sustained(why)
            }
            (Some(EventEvidence::FreeOnSchedule(why)), _)
            | (_, Some(ScoreEvidence::Responded(why))) => {
                outcome
                    .reasons
                    .push(format!("{conflict}; {why}: {decided}"));
                Result::Responded(format!(
                    "conflicting stop reasons {words}; {why}: {decided}"
                ))
            }
            (Some(EventEvidence::MaybeFreeOnSchedule(which)), _)
            | (_, Some(ScoreEvidence::Disagree(which))) => {
                outcome.reasons.push(format!(
                    "{conflict}, and the measure that would decide is in doubt: undecided"
                ));
                Result::Undecided(format!(
                    "conflicting stop reasons {words} recorded for the same period; {which}"
                ))
            }
            _ => {
                outcome
                    .reasons
                    .push(format!("{conflict}, and no measure to decide: undecided"));
                Result::Undecided(format!(
                    "conflicting stop reasons {words} recorded for the same period, and no measure to decide between them: which is right?"
                ))
            }
        };
    }

    // A drug the patient reported not taking (a statement `not-taken`, review R9-5) was not
    // used, so it is no failed trial whatever its length: ILAE's "appropriately chosen and
    // used", TRRIP's adherence, AHA 2018's non-adherence first among pseudo-resistance. The
    // rule-out of adherence names the report (see `engine::rule_confounders`). A reason read as
    // intolerance stays one: the drug was not taken because it was not tolerated; one read as
    // no response is judged as a trial stopped for it, over the time taken until the report
    // (the course ends on its day), as a patient's account of a trial is read (MGH-ATRQ), the
    // report named among what to rule out.
    if !matches!(
        trial.stop,
        Some(StopReason::Intolerance | StopReason::LackOfEfficacy)
    ) && let Some(from) = trial.not_taken_from()
    {
        return Result::NotCounted(format!(
            "the patient reported not taking it from {from} (not an informative trial)"
        ));
    }
    // Evidence from seizure counts (schedules). Kwan 2010 calls seizure recurrence after the
    // schedule was adequately applied its failure; only a stop for adverse effects *before* an
    // adequate trial leaves it uncounted (reference 1a). Seizures after `min_days` are therefore
    // a failure whatever the later stop reason (intolerance, the patient's choice, access),
    // except noncompliance: a schedule not taken was not "appropriately used" (CR-4).
    let events = spec
        .events
        .as_ref()
        .and_then(|rule| seizure_evidence(ctx, rule, trial, spec.min_days, ongoing && is_latest));
    let seized_when_adequate = matches!(events, Some(EventEvidence::Failed(_)));
    match trial.stop {
        Some(StopReason::Intolerance) if !spec.count_intolerance && !seized_when_adequate => {
            return Result::NotCounted(format!(
                "not tolerated after {} (not an efficacy failure)",
                span(whole_days)
            ));
        }
        Some(StopReason::Noncompliance) => {
            outcome.confounders.push(confounder(
                "adherence",
                format!("{} was stopped for noncompliance: adherence to the other trials to be confirmed", trial.name),
            ));
            return Result::NotCounted(String::from(
                "stopped for noncompliance (not an informative trial)",
            ));
        }
        Some(
            reason @ (StopReason::PatientChoice
            | StopReason::Access
            | StopReason::Death
            | StopReason::Other),
        ) if !seized_when_adequate => {
            return Result::NotCounted(format!(
                "stopped: {} (not an efficacy signal)",
                reason.words()
            ));
        }
        _ => {}
    }

    if let Some(dose) = &spec.dose {
        match dose_adequacy(ctx, spec, dose, trial) {
            DoseAdequacy::Adequate => {
                if let Some((from, until)) = at_dose.and_then(|a| a.dose_unknown) {
                    outcome.confounders.push(confounder(
                        "dose_adequacy",
                        format!(
                            "dose adequacy of {} unknown: no dose recorded from {from} to \
                             {until}, counted at the adequate dose its other records give",
                            trial.name
                        ),
                    ));
                }
            }
            DoseAdequacy::Below(why) => {
                return Result::NotCounted(format!("{why} (not an adequate trial)"));
            }
            DoseAdequacy::Unknown(why) => outcome.confounders.push(confounder(
                "dose_adequacy",
                format!("dose adequacy of {} unknown: {why}", trial.name),
            )),
        }
    }

    // Evidence from symptom scores (drug trials); seizure counts were read above.
    let score = trial_scores(ctx, spec, window);
    let stop_says_failure = trial
        .stop
        .is_some_and(|reason| spec.failure_reasons.iter().any(|r| r == reason.as_str()));

    if let Some(EventEvidence::Sustained(why)) = &events {
        return Result::Sustained(why.clone());
    }
    if stop_says_failure {
        let reason = trial.stop.map_or("", StopReason::words);
        if days < spec.min_days && lasted.uncertain && whole_days <= 0 {
            // Its records show one day of it (a statement with only an end date, an order with
            // no duration): how long it was given is not known at all, never "at least 0 weeks".
            return Result::Undecided(format!(
                "stopped for {reason}, {}: how long it was given is not recorded (adequate from \
                 {})",
                trial.one_day_words(),
                lasted.needed(spec.min_days)
            ));
        }
        if days < spec.min_days && lasted.uncertain {
            // Known on its first day only: no length at all, never "at least 0 days", which
            // reads as a trial that lasted none (review r5 R5-1).
            return Result::Undecided(match (at_dose, days) {
                (Some(at_dose), 0) => format!(
                    "stopped for {reason}, at an adequate dose ({}): how long it was given at \
                     that dose is not recorded, only the day it began (adequate from {})",
                    at_dose.doses,
                    lasted.needed(spec.min_days)
                ),
                (Some(at_dose), _) => format!(
                    "stopped for {reason}, at an adequate dose ({}) for at least {days} days: \
                     how long it was given at that dose is not recorded (adequate from {})",
                    at_dose.doses,
                    lasted.needed(spec.min_days)
                ),
                (None, 0) => format!(
                    "stopped for {reason}: how long it was given is not recorded, only the day \
                     it began (adequate from {} days)",
                    spec.min_days
                ),
                (None, _) => format!(
                    "stopped for {reason}, given for at least {}: how long it was given is not \
                     recorded (adequate from {} days)",
                    lasted.words(),
                    spec.min_days
                ),
            });
        }
        if days < spec.min_days {
            return Result::NotCounted(format!(
                "stopped for {reason} after {}, before an adequate trial ({})",
                lasted.words_short_of(spec.min_days),
                lasted.needed(spec.min_days)
            ));
        }
        if let Some(EventEvidence::FreeOnSchedule(contrary)) = &events {
            let reason = trial.stop.map_or("", StopReason::words);
            outcome.confounders.push(confounder(
                "conflicting_evidence",
                format!(
                    "{}: stopped for {reason}, but the seizure diary shows none on it",
                    trial.name
                ),
            ));
            return Result::Responded(format!(
                "stopped for {reason}, but {contrary}: conflicting evidence, the criterion's own measure decides"
            ));
        }
        // A diary that may show no seizure on it, by the day of an entry of a month alone:
        // against the recorded stop only by a day the record never gave.
        if let Some(EventEvidence::MaybeFreeOnSchedule(which)) = &events {
            let reason = trial.stop.map_or("", StopReason::words);
            return Result::Undecided(format!("stopped for {reason}, but {which}"));
        }
        if let Some(ScoreEvidence::Responded(contrary)) = &score {
            // Contradicting evidence (docs/architecture.md, evidence policy): the criterion's own
            // measure decides over a coded stop reason; the conflict is named.
            let reason = trial.stop.map_or("", StopReason::words);
            outcome.confounders.push(confounder(
                "conflicting_evidence",
                format!(
                    "{}: stopped for {reason}, but the scores show a response",
                    trial.name
                ),
            ));
            return Result::Responded(format!(
                "stopped for {reason}, but {contrary}: conflicting evidence, the criterion's own measure decides"
            ));
        }
        return Result::Failed(String::new());
    }
    if let Some(EventEvidence::Failed(why)) = events {
        return Result::Failed(match trial.stop {
            Some(reason) if !matches!(reason, StopReason::Completed) => format!(
                "{why}; then stopped: {} (seizures after an adequate trial are its failure \
                 whatever the stop reason, ILAE)",
                reason.words()
            ),
            _ => why,
        });
    }
    let scores_in_doubt = match score {
        Some(ScoreEvidence::Failed(why)) => return Result::Failed(why),
        Some(ScoreEvidence::Responded(why)) => return Result::Responded(why),
        Some(ScoreEvidence::Disagree(which)) => Some(which),
        None => None,
    };
    match events {
        Some(EventEvidence::SeizureFreeSoFar(why)) => return Result::Undecided(why),
        Some(EventEvidence::Undetermined(why)) => return Result::Undetermined(why),
        _ => {}
    }

    // An add-on after an adequate trial (the schedule kept, a drug added) is given because
    // seizures went on: the schedule failed.
    if spec.add_on_implies_failure && !trial.added_next.is_empty() && days >= spec.min_days {
        return Result::Failed(format!(
            "{} added after {} (an add-on is given because seizures continued)",
            trial.added_next.join(" + "),
            span(days)
        ));
    }

    // Treat-to-target escalation: a drug of a higher step started after an adequate trial
    // means the trial did not reach the target.
    if !spec.escalation_to.is_empty()
        && let Some(next) = ctx
            .given_of(&spec.escalation_to)
            .filter(|g| {
                g.start() >= adequate_from
                    && trial.end.is_none_or(|end| g.start() <= shift(end, 90))
            })
            .min_by_key(|g| g.start())
    {
        let step = next
            .drugs_of(&spec.escalation_to)
            .map(|d| d.ingredient.clone())
            .next()
            .unwrap_or_default();
        return Result::Failed(format!(
            "{} before {step} was added in {} (escalation implies an inadequate response)",
            span(days_between(trial.start, next.start())),
            month(next.start())
        ));
    }

    // Seizures dated by a month that holds the day the schedule became adequate: undecided, and
    // why, rather than "no outcome recorded" (`window_across_adequacy`).
    if let Some(EventEvidence::Untold(why)) = events {
        return Result::Undecided(why);
    }

    if ongoing {
        if days < spec.min_days {
            Result::Undecided(match at_dose {
                Some(at_dose) => format!(
                    "started {}, at an adequate dose ({}) for {days} days; response can be \
                     judged after {}",
                    trial.start,
                    at_dose.doses,
                    lasted.needed(spec.min_days)
                ),
                None => format!(
                    "started {}, {} ago; response can be judged after {} days",
                    trial.start,
                    span(days),
                    spec.min_days
                ),
            })
        } else if let Some(which) = scores_in_doubt {
            Result::Undecided(which)
        } else {
            Result::Undecided(String::from(
                "ongoing with no outcome recorded (response or failure)",
            ))
        }
    } else if days < spec.min_days && lasted.uncertain && whole_days <= 0 {
        // Its records show one day of it (a statement with only an end date, an order with no
        // duration): how long it was given is not known at all, never "at least 0 weeks".
        Result::Undecided(format!(
            "{}, for how long is not recorded (adequate from {}), {}",
            trial.one_day_words(),
            lasted.needed(spec.min_days),
            ended_how(trial, "with no reason recorded")
        ))
    } else if days < spec.min_days && lasted.uncertain {
        Result::Undecided(format!(
            "given for at least {}, for how long is not recorded (adequate from {}), {}",
            lasted.words(),
            lasted.needed(spec.min_days),
            ended_how(trial, "with no reason recorded")
        ))
    } else if days < spec.min_days {
        Result::NotCounted(format!(
            "given for {} only, {}",
            lasted.words(),
            ended_how(trial, "with no reason recorded")
        ))
    } else if let Some(which) = scores_in_doubt {
        Result::Undecided(match held(trial) {
            Some(words) => format!("{words}; {which}"),
            None => format!("stopped with no reason recorded; {which}"),
        })
    } else if let Some(words) = held(trial) {
        // A hold is a pause, never a stop (ST-6): what it says is shown, never "stopped with
        // no reason" (ST-10), whatever reason it gives.
        Result::Undecided(format!(
            "{words} (a pause, not a stop), and no evidence of response or failure"
        ))
    } else if let Some(words) = unread_reason(trial) {
        // The record gave a reason the vocabulary does not know: the team reads it, never
        // "no reason".
        Result::Undecided(format!(
            "stopped: '{}' (not understood), and no evidence of response or failure",
            crate::text::flat_words(words)
        ))
    } else {
        Result::Undecided(String::from(
            "stopped with no reason and no evidence of response or failure",
        ))
    }
}

/// The words of a trial whose latest record was put on hold ("on hold: no response
/// (Ineffective)", "on hold"): the drug is paused, not stopped (R4 `on-hold`). `None` when its
/// latest record is no hold.
fn held(trial: &Trial<'_>) -> Option<String> {
    if trial.stop.is_some() {
        return None;
    }
    let latest = trial
        .given
        .iter()
        .max_by_key(|g| (g.exposure.end_day().unwrap_or(NaiveDate::MAX), g.start()))?;
    latest
        .exposure
        .is_on_hold()
        .then(|| latest.exposure.stop_words())
        .flatten()
}

/// How a trial that ended with no stop reason ended: its hold in words ("then on hold:
/// surgery"), else `otherwise` ("with no reason recorded").
fn ended_how(trial: &Trial<'_>, otherwise: &str) -> String {
    held(trial).map_or_else(|| otherwise.to_owned(), |words| format!("then {words}"))
}

/// The words of a stop reason the trial's records gave and nothing understood (not a hold's).
fn unread_reason<'t>(trial: &'t Trial<'_>) -> Option<&'t str> {
    trial
        .given
        .iter()
        .filter(|g| g.exposure.stop_reason.is_none() && !g.exposure.is_on_hold())
        .find_map(|g| g.exposure.stop_text.as_deref())
}

enum DoseAdequacy {
    Adequate,
    Below(String),
    Unknown(String),
}

/// The dose of one counted ingredient over a trial.
struct TrialDose<'c> {
    drug: &'c super::drugs::Drug,
    /// The highest daily dose recorded (mg/day; for a depot, its daily equivalent).
    daily: Option<f64>,
    /// The highest amount given at one time (mg), for a drug whose minimum is per session.
    per_dose: Option<f64>,
    /// Given as a long-acting injectable.
    depot: bool,
    /// A depot recorded with an amount but no interval.
    no_interval: bool,
    /// For a depot, its product's highest labelled maintenance dose (drug book).
    label_max: Option<super::drugs::LabelMax>,
    /// A dose given a week or more apart of a drug whose minimum is daily and whose label
    /// gives no weekly equivalent: its amount per week, which the daily minimum cannot judge.
    weekly_unjudged: Option<f64>,
    /// Where the highest daily dose came from when refract worked it out (review G1-3: a dose
    /// below the minimum says so, as every cited dose does since R9-7); a stated dose of the
    /// same amount is the one kept.
    from: Option<DoseFrom>,
}

impl TrialDose<'_> {
    /// " (dose from quantity/supply)" after a derived dose's words; nothing for a stated one.
    fn derived_words(&self) -> String {
        self.from
            .map(|from| format!(" ({})", from.words()))
            .unwrap_or_default()
    }
}

/// A daily amount `daily` as the drug's daily minimum judges it. A dose given a week or more
/// apart that is no depot (fluoxetine 90 mg once weekly) is a weekly form whose label states
/// its dose per week: averaged over the week (12.9 mg/d) it reads below a daily minimum the
/// label makes it the equivalent of (Prozac Weekly: 90 mg weekly for 20 mg daily). Where the
/// drug book gives the weekly equivalent (`min_effective_mg_per_week`), the weekly amount is
/// put on the daily scale by it. Chosen (refractory-criteria §3 asks for an adequate dose; a
/// weekly dose is never an unknown one):
/// - a week whose whole amount is below one day's minimum is surely below it, whatever
///   equivalence a label could give: judged by its daily average, below;
/// - a drug with no weekly form (neither `weekly_form` nor a weekly equivalent: levetiracetam,
///   citalopram) given weekly is an entry error or at best the exposure its daily average is:
///   judged by that average (levetiracetam 500 mg a week, 71 mg/d: below);
/// - only a drug with a weekly form but no weekly equivalent in the drug book (`weekly_form`),
///   at a week that could reach the minimum, is not judged (`Err`: mg per week), and the trial
///   says so.
fn for_daily_minimum(
    drug: &super::drugs::Drug,
    daily: super::dose::Daily,
    depot: bool,
) -> std::result::Result<f64, f64> {
    let weekly_form = !depot && daily.interval_days >= 7.0 - 1e-9;
    let Some(per_day) = drug.min_effective_mg_day.filter(|_| weekly_form) else {
        return Ok(daily.mg_per_day);
    };
    let per_week = daily.mg_per_day * 7.0;
    match drug.min_effective_mg_per_week {
        Some(weekly) => Ok(per_week / weekly * per_day),
        None if drug.weekly_form && at_least(per_week, per_day) => Err(per_week),
        None => Ok(daily.mg_per_day),
    }
}

/// The rule's words for a long-acting injectable (none when it reads no dose).
fn depot_words_of(spec: &FailedTrials) -> &[String] {
    spec.dose.as_ref().map_or(&[], |d| d.depot_words.as_slice())
}

/// Whether `given` is the long-acting injectable form of `drug`: named so (an ester, a depot
/// brand, one of the rule's depot words), or dosed every week or less often.
fn is_depot(given: &Given<'_>, drug: &super::drugs::Drug, words: &[String]) -> bool {
    if drug.depot_ddd_mg.is_none() {
        return false;
    }
    let text = &given.exposure.text;
    drug.depot_names
        .iter()
        .chain(words)
        .any(|name| contains_words(text, name))
        || given
            .exposure
            .dose
            .as_ref()
            .and_then(super::dose::daily)
            .is_some_and(|d| d.interval_days >= 7.0)
}

/// The highest daily dose of each counted ingredient during a trial: a titration ("250 mg/d,
/// then 1000 mg/d") is judged by the dose it reached. A depot's dose per interval is its daily
/// equivalent, of the drug itself when the product states an ester. For a schedule, an
/// ingredient with no dose on any of its drug records takes the dose entered on the line.
fn trial_doses<'c>(
    ctx: &'c Context<'c>,
    spec: &FailedTrials,
    trial: &Trial<'c>,
) -> Vec<TrialDose<'c>> {
    let mut doses = doses_of(spec, trial.given.iter().copied(), None);
    if let Some(line) = trial.line {
        for line_drug in &line.drugs {
            let Some(drug) = ctx.book.get(&line_drug.ingredient) else {
                continue;
            };
            if !spec.classes.iter().any(|class| drug.has_class(class)) {
                continue;
            }
            let judged = line_drug
                .dose
                .as_ref()
                .and_then(super::dose::daily)
                .map(|d| for_daily_minimum(drug, d, false));
            let daily = judged.and_then(std::result::Result::ok);
            let weekly_unjudged = judged.and_then(std::result::Result::err);
            let per_dose = line_drug.dose.as_ref().and_then(super::dose::per_dose_mg);
            match doses
                .iter_mut()
                .find(|d| d.drug.ingredient == drug.ingredient)
            {
                Some(known) => {
                    if known.daily.is_none() {
                        known.daily = daily;
                    }
                    if known.per_dose.is_none() {
                        known.per_dose = per_dose;
                    }
                    if known.weekly_unjudged.is_none() {
                        known.weekly_unjudged = weekly_unjudged;
                    }
                }
                None => doses.push(TrialDose {
                    drug,
                    daily,
                    per_dose,
                    depot: false,
                    no_interval: false,
                    label_max: None,
                    weekly_unjudged,
                    from: None,
                }),
            }
        }
    }
    doses
}

/// The highest daily dose of each counted ingredient in drug records (of `only`, when given:
/// one step of a drug's trial is judged by that drug's dose alone).
fn doses_of<'c>(
    spec: &FailedTrials,
    records: impl Iterator<Item = &'c Given<'c>>,
    only: Option<&str>,
) -> Vec<TrialDose<'c>> {
    let words = depot_words_of(spec);
    let mut doses: Vec<TrialDose<'c>> = Vec::new();
    for given in records {
        for drug in given.drugs.iter().copied() {
            if !spec.classes.iter().any(|class| drug.has_class(class))
                || only.is_some_and(|name| name != drug.ingredient)
            {
                continue;
            }
            let depot = is_depot(given, drug, words);
            let label_max = depot
                .then(|| drug.depot_label_max(&given.exposure.text))
                .flatten();
            let per_dose = given.per_dose_of(drug);
            let ester = drug.depot_label_factor(&given.exposure.text, per_dose);
            let judged = given
                .daily_of(drug)
                .map(|d| for_daily_minimum(drug, d, depot));
            let weekly_unjudged = judged.and_then(std::result::Result::err);
            let daily = judged
                .and_then(std::result::Result::ok)
                .map(|mg| if depot { mg * ester } else { mg });
            let no_interval = depot
                && daily.is_none()
                && given
                    .exposure
                    .dose
                    .as_ref()
                    .is_some_and(|d| d.unit.trim().eq_ignore_ascii_case("mg"));
            let from = daily.and(given.exposure.dose_from);
            match doses
                .iter_mut()
                .find(|d| d.drug.ingredient == drug.ingredient)
            {
                Some(known) => {
                    let higher = daily.is_some_and(|daily| {
                        known.daily.is_none_or(|was| {
                            daily > was + 1e-9
                                || (daily + 1e-9 >= was && from.is_none() && known.from.is_some())
                        })
                    });
                    if higher {
                        known.from = from;
                    }
                    known.daily = match (known.daily, daily) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        (a, b) => a.or(b),
                    };
                    known.per_dose = match (known.per_dose, per_dose) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        (a, b) => a.or(b),
                    };
                    known.depot |= depot;
                    known.no_interval |= no_interval;
                    // A product named decides before a drug's lowest maximum; of two products
                    // named, the higher maximum (the stricter bar).
                    known.label_max = match (known.label_max.take(), label_max) {
                        (Some(a), Some(b)) => Some(
                            if (a.product.is_some(), a.mg_per_day())
                                >= (b.product.is_some(), b.mg_per_day())
                            {
                                a
                            } else {
                                b
                            },
                        ),
                        (a, b) => a.or(b),
                    };
                    known.weekly_unjudged = match (known.weekly_unjudged, weekly_unjudged) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        (a, b) => a.or(b),
                    };
                }
                None => doses.push(TrialDose {
                    drug,
                    daily,
                    per_dose,
                    depot,
                    no_interval,
                    label_max,
                    weekly_unjudged,
                    from,
                }),
            }
        }
    }
    doses
}

fn dose_adequacy<'c>(
    ctx: &'c Context<'c>,
    spec: &FailedTrials,
    rule: &DoseRule,
    trial: &Trial<'c>,
) -> DoseAdequacy {
    adequacy_of(rule, trial_doses(ctx, spec, trial))
}

/// Whether doses are adequate by `rule`: below as soon as one is.
fn adequacy_of(rule: &DoseRule, doses: Vec<TrialDose<'_>>) -> DoseAdequacy {
    let mut unknown = Vec::new();
    for dose in doses {
        let drug = dose.drug;
        if rule.method.as_str() != "chlorpromazine_equivalent"
            && let Some(minimum) = drug.min_effective_mg_per_dose
        {
            // Its effective dose is an amount per session: a daily average of a twice-weekly
            // or fortnightly schedule says nothing of it.
            match dose.per_dose {
                None => unknown.push(format!(
                    "no dose per administration recorded for {}",
                    drug.ingredient
                )),
                Some(given) if !at_least(given, minimum) => {
                    return DoseAdequacy::Below(format!(
                        "{} {} mg per administration is below the minimum effective {} mg \
                         per administration",
                        drug.ingredient,
                        trim_number(given),
                        trim_number(minimum)
                    ));
                }
                Some(_) => {}
            }
            continue;
        }
        let Some(daily) = dose.daily else {
            unknown.push(if let Some(per_week) = dose.weekly_unjudged {
                format!(
                    "{} {} mg a week is a weekly dose, and no weekly equivalent of its daily \
                     minimum is known",
                    drug.ingredient,
                    trim_number(per_week)
                )
            } else if dose.no_interval {
                format!(
                    "no dosing interval recorded for the long-acting injectable {}",
                    drug.ingredient
                )
            } else {
                format!("no daily dose recorded for {}", drug.ingredient)
            });
            continue;
        };
        if rule.method.as_str() == "chlorpromazine_equivalent" {
            let ddd = if dose.depot {
                drug.depot_ddd_mg
            } else {
                drug.ddd_mg
            };
            let (Some(ddd), Some(minimum)) = (ddd, rule.min_mg_day) else {
                unknown.push(format!("no defined daily dose for {}", drug.ingredient));
                continue;
            };
            let equivalent = daily / ddd * 300.0;
            if !at_least(equivalent, minimum) {
                let label = label_bar(rule, &dose);
                if let Some(max) = &label
                    && at_least(daily, max.mg_per_day())
                {
                    continue;
                }
                let form = if dose.depot {
                    " (long-acting injectable, daily equivalent; depot DDD)"
                } else {
                    ""
                };
                let label = label.map_or_else(String::new, |max| {
                    format!(
                        ", and below {}'s highest labelled maintenance dose ({})",
                        drug.ingredient,
                        label_max_words(&max, drug)
                    )
                });
                return DoseAdequacy::Below(format!(
                    "{} {} mg/d{}{form} is {} mg/d chlorpromazine equivalent, below {}{label}",
                    drug.ingredient,
                    trim_number(daily),
                    dose.derived_words(),
                    trim_number(equivalent.round()),
                    trim_number(minimum)
                ));
            }
        } else {
            let Some(minimum) = drug.min_effective_mg_day else {
                unknown.push(format!(
                    "no minimum effective dose known for {}",
                    drug.ingredient
                ));
                continue;
            };
            if !at_least(daily, minimum) {
                return DoseAdequacy::Below(format!(
                    "{} {} mg/d{} is below the minimum effective {} mg/d",
                    drug.ingredient,
                    trim_number(daily),
                    dose.derived_words(),
                    trim_number(minimum)
                ));
            }
        }
    }
    if unknown.is_empty() {
        DoseAdequacy::Adequate
    } else {
        DoseAdequacy::Unknown(unknown.join(", "))
    }
}

/// Whether a dose reaches a minimum. The tolerance is relative and tiny (one part in a million):
/// it forgives only the floating-point residue of unit conversions (ester to drug, per
/// interval to per day, DDD to chlorpromazine equivalents), so that a label dose that is
/// exactly adequate (paliperidone palmitate 234 mg a month: 600 mg/d) stays adequate; a real
/// shortfall, however small, is never forgiven.
fn at_least(dose: f64, minimum: f64) -> bool {
    dose >= minimum * (1.0 - 1e-6)
}

/// The highest labelled maintenance dose a depot is judged by when its depot DDD's bar is out
/// of the label's reach (`depot_label_maximum`), or `None`: the bar is then the DDD's alone.
fn label_bar(rule: &DoseRule, dose: &TrialDose<'_>) -> Option<super::drugs::LabelMax> {
    if !(rule.depot_label_maximum && dose.depot) {
        return None;
    }
    let (max, ddd, minimum) = (
        dose.label_max.clone()?,
        dose.drug.depot_ddd_mg?,
        rule.min_mg_day?,
    );
    // Only where no dose the label allows reaches the chlorpromazine bar.
    (max.mg_per_day() / ddd * 300.0 < minimum).then_some(max)
}

/// A labelled maximum as the reasons say it: "Risperdal Consta: 50 mg every 14 days, 3.57 mg/d"
/// (an ester's product in the drug's mass: "Aristada: 599.76 mg of aripiprazole every 30 days").
fn label_max_words(max: &super::drugs::LabelMax, drug: &super::drugs::Drug) -> String {
    let product = max
        .product
        .clone()
        .unwrap_or_else(|| String::from("the lowest of its products', no product named"));
    let of_drug = if drug.depot_label_factor(max.product.as_deref().unwrap_or(""), None) < 1.0 {
        format!(" of {}", drug.ingredient)
    } else {
        String::new()
    };
    format!(
        "{product}: {} mg{of_drug} every {} days, {} mg/d",
        trim_number(max.mg),
        trim_number(max.days),
        trim_number((max.mg_per_day() * 100.0).round() / 100.0)
    )
}

/// For the reasons: a depot's dose as chlorpromazine equivalents, and the measure that judged
/// it adequate, or `None`.
fn depot_words<'c>(ctx: &'c Context<'c>, spec: &FailedTrials, trial: &Trial<'c>) -> Option<String> {
    let rule = spec.dose.as_ref()?;
    trial_doses(ctx, spec, trial)
        .into_iter()
        .find(|d| d.depot)
        .map(|d| {
            let equivalent = match (d.daily, d.drug.depot_ddd_mg) {
                (Some(daily), Some(ddd)) if rule.method == "chlorpromazine_equivalent" => {
                    let cpz = daily / ddd * 300.0;
                    let by_label = rule
                        .min_mg_day
                        .filter(|minimum| !at_least(cpz, *minimum))
                        .and_then(|_| label_bar(rule, &d))
                        .filter(|max| at_least(daily, max.mg_per_day()));
                    match by_label {
                        Some(max) => format!(
                            ", {} mg/d chlorpromazine equivalent by the depot DDD, below {} but \
                             adequate at its highest labelled maintenance dose ({})",
                            trim_number(cpz.round()),
                            trim_number(rule.min_mg_day.unwrap_or_default()),
                            label_max_words(&max, d.drug)
                        ),
                        None => format!(
                            ", {} mg/d chlorpromazine equivalent by the depot DDD",
                            trim_number(cpz.round())
                        ),
                    }
                }
                _ => String::new(),
            };
            format!("long-acting injectable{equivalent}")
        })
}

/// Where a count dated by a month or a year alone lies across a schedule's bound.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Across {
    /// Its month or year holds the day the schedule became adequate.
    Adequacy,
    /// It began on the schedule after it became adequate but runs past its end.
    End,
}

enum EventEvidence {
    Failed(String),
    Sustained(String),
    /// ILAE: seizure-free for at least the shorter of the two periods of the rule of three
    /// but not yet for the longer: the outcome of the schedule is undetermined.
    Undetermined(String),
    SeizureFreeSoFar(String),
    /// A finished schedule with no seizure recorded after it could work.
    FreeOnSchedule(String),
    /// A finished schedule whose diary shows no seizure after it could work only if an entry
    /// dated by a month or a year alone was of a day on it near its end: what would decide.
    MaybeFreeOnSchedule(String),
    /// Seizures counted over a month or a year that holds the day the schedule became adequate
    /// (or ended): whether they fell on it when it could work cannot be told. The schedule's
    /// outcome is undecided, never "no outcome recorded".
    Untold(String),
}

/// Seizures on a schedule after it had time to work are a failure. On the current schedule,
/// freedom is judged by the ILAE rule of three (Kwan 2010): "no seizures of any type for at
/// least max(3 x the longest pre-intervention inter-seizure interval, 12 months)"; free for
/// at least the shorter of the two but less than the longer is "undetermined". It is counted
/// from the last seizure, so seizures on the current schedule are its failure only until it
/// has given freedom since (the ILAE status is a time-point classification).
fn seizure_evidence(
    ctx: &Context<'_>,
    rule: &EventRule,
    trial: &Trial<'_>,
    min_days: i64,
    current: bool,
) -> Option<EventEvidence> {
    let adequate_from = shift(trial.start, min_days);
    let until = trial.end.unwrap_or(ctx.today);
    let reports: Vec<&Observation> = ctx.observations(&rule.observation).collect();
    let counts: Vec<_> = reports
        .iter()
        .copied()
        .filter(|o| o.local_day() >= trial.start && o.local_day() <= until)
        .collect();
    // Seizures counted over a period are the schedule's failure only when the whole period
    // falls after it could work and before it ended: a count over months that began before may
    // be of seizures before it (a count of 0 over such a period still speaks for freedom,
    // below). A rate is the same seizures written as an average: the same rule holds for the
    // period its seizures surely fell in (`seizure_days::surely_within`), so a rate over a
    // period that began before the schedule could work, or reported on the next schedule, is
    // no failure of this one.
    let surely = |o: &Observation| {
        seizure_days::surely_within(o, &reports, rule.rate_reach_days, rule.rate_current_units)
    };
    // A count dated by a month or a year alone is every day of it (never its first day), up to
    // today at the latest: on the schedule only when all of them are.
    let window = |o: &Observation| {
        let first = o.since_day().unwrap_or_else(|| o.local_day());
        (first, o.last_local_day().min(ctx.today).max(first))
    };
    let is_count =
        |o: &Observation| seizure_days::rate_of(o).is_none() && finding(o) == Finding::Present;
    // A count whose month or year holds the day the schedule became adequate (or the day it
    // ended): its seizures may fall either side (`window_across_adequacy`).
    let across = |o: &Observation| -> Option<Across> {
        if !is_count(o) || o.effective_precision.is_day() {
            return None;
        }
        let (first, last) = window(o);
        if first < adequate_from && last >= adequate_from && first <= until {
            Some(Across::Adequacy)
        } else if first >= adequate_from && first <= until && last > until {
            Some(Across::End)
        } else {
            None
        }
    };
    let on_schedule = |o: &Observation| {
        if let Some((from, to)) = surely(o) {
            from >= adequate_from && to <= until
        } else if across(o) == Some(Across::Adequacy) {
            rule.window_across_adequacy == WindowAcrossAdequacy::After
        } else {
            let (first, last) = window(o);
            // Local days on both sides (`adequate_from` is one): a count at 21:00-05:00
            // on the day before is before it, though its UTC day is not.
            is_count(o) && first >= adequate_from && last <= until
        }
    };
    let failure = reports
        .iter()
        .filter(|o| o.local_day() >= trial.start)
        .find(|o| on_schedule(o))
        .map(|seizure| {
            let what = match seizure.value {
                Some(value) => format!(
                    "{}{} {}",
                    seizure
                        .comparator
                        .map_or(String::new(), |comparator| format!("{comparator} ")),
                    trim_number(value),
                    seizure.unit.as_deref().unwrap_or("")
                ),
                None => seizure.value_text(),
            };
            // Over a period, where it began: the seizures fell in it, not all on its last day.
            let over = surely(seizure)
                .map(|(from, _)| from)
                .or(seizure.since_day())
                .filter(|from| *from < seizure.local_day())
                .map_or(String::new(), |from| {
                    // A period begun in a month alone is said as written, not as its first day.
                    let from = match seizure.since_text() {
                        Some(text) if seizure.since_day() == Some(from) => text,
                        _ => from.to_string(),
                    };
                    format!(", over the period from {from}")
                });
            let on = if seizure.effective_precision.is_day() {
                format!("on {}", seizure.local_day())
            } else {
                format!("in {}", seizure.day_text())
            };
            format!(
                "seizures recorded {on} after {} on the schedule ({}{over})",
                span(days_between(trial.start, seizure.local_day())),
                what.trim_end()
            )
        });
    // The first count that cannot be placed either side of a bound, in words, unless the rule
    // file reads it as before the schedule could work.
    let untold = reports
        .iter()
        .filter(|o| o.local_day() <= until)
        .find_map(|o| match across(o)? {
            Across::Adequacy if rule.window_across_adequacy == WindowAcrossAdequacy::Before => None,
            Across::Adequacy => Some(format!(
                "seizures recorded in {}, the {} the schedule became adequate ({adequate_from}): \
                 whether after it cannot be told ({})",
                o.day_text(),
                o.effective_precision.as_str(),
                o.value_text().trim_end()
            )),
            Across::End => Some(format!(
                "seizures recorded in {}, the {} the schedule ended ({until}): whether before \
                 it cannot be told ({})",
                o.day_text(),
                o.effective_precision.as_str(),
                o.value_text().trim_end()
            )),
        });
    if !current {
        // A finished schedule with seizures on it failed. The current one failed only until it
        // has given sustained freedom since its last seizure (read below): the ILAE outcome is
        // a time-point classification.
        if let Some(why) = failure {
            return Some(EventEvidence::Failed(why));
        }
        if let Some(why) = untold {
            return Some(EventEvidence::Untold(why));
        }
        // A finished schedule whose diary shows no seizure from the time it could work to its
        // end: evidence against a recorded "no response". A diary entry dated by a month or a
        // year alone shows freedom up to a day of it (up to today): on the schedule and near
        // its end only where every such day is; where some are, its day would decide.
        let reported = |o: &Observation| {
            (
                o.local_day(),
                o.last_local_day().min(ctx.today).max(o.local_day()),
            )
        };
        let surely_on = |o: &&Observation| {
            let (first, last) = reported(o);
            first >= adequate_from && last <= until
        };
        let maybe_on = |o: &&Observation| {
            let (first, last) = reported(o);
            !surely_on(o) && last >= adequate_from && first <= until
        };
        let near_end = |day: NaiveDate| days_between(day, until) <= 31;
        let free: Vec<&Observation> = reports.iter().copied().filter(surely_on).collect();
        let last_free = free.iter().map(|o| reported(o).0).max();
        // The diary reaches from the time the schedule could work to its end without a gap
        // (review R7-7): one entry of none near its end is no freedom on the whole of it.
        let covered = last_free.is_some_and(|day| {
            near_end(day)
                && seizure_days::documented_since(&reports, rule.rate_reach_days, day)
                    <= adequate_from
        });
        let all_free = counts
            .iter()
            .filter(|o| o.local_day() >= adequate_from)
            .all(|o| finding(o) == Finding::Absent);
        if covered && all_free {
            return Some(EventEvidence::FreeOnSchedule(format!(
                "no seizure recorded from {} to {} ({} diary entries)",
                adequate_from,
                free.iter()
                    .max_by_key(|o| reported(o).0)
                    .map_or_else(|| until.to_string(), |o| o.day_text()),
                free.len()
            )));
        }
        if all_free
            && let Some(doubt) = reports
                .iter()
                .copied()
                .filter(maybe_on)
                .filter(|o| finding(o) == Finding::Absent)
                .find(|o| near_end(reported(o).1.min(until)))
        {
            return Some(EventEvidence::MaybeFreeOnSchedule(format!(
                "the day of the diary entry of no seizure dated {} alone: whether on the \
                 schedule (adequate from {adequate_from}, ended {until}) cannot be told, and its \
                 day would decide whether the diary shows no seizure on it to its end{}",
                doubt.day_text(),
                last_free.map_or(String::new(), |day| format!(
                    " (the last entry surely on it: {day})"
                ))
            )));
        }
        return None;
    }
    let seizure_days = seizure_days::all_days(&reports, rule.rate_reach_days);
    // Freedom runs from the last seizure, on the schedule or before it (never from before the
    // schedule began).
    let free_since = seizure_days
        .last()
        .map_or(trial.start, |date| (*date).max(trial.start));
    // Freedom is known up to the last count of zero, not up to today: months without a diary
    // are not months without seizures.
    let last_zero = counts
        .iter()
        .filter(|o| finding(o) == Finding::Absent)
        .map(|o| o.local_day())
        .max()
        // After seizures on the schedule, only a diary entry after the last one shows freedom.
        .filter(|day| failure.is_none() || *day > free_since);
    let Some(last_zero) = last_zero else {
        return failure
            .map(EventEvidence::Failed)
            .or(untold.map(EventEvidence::Untold));
    };
    // Only the days the reports document count as free (review R7-7): one "0 per month" after
    // years with no report is a month of freedom, never years of it.
    let last_seizure = free_since;
    let documented_since =
        seizure_days::documented_since(&reports, rule.rate_reach_days, last_zero);
    let free_since = free_since.max(documented_since);
    let free_days = days_between(free_since, last_zero).max(0);
    // A count of none dated by a month or a year alone shows freedom up to a day of it: the
    // latest such day it may be, up to today (its first day is `last_zero`).
    let last_zero_late = counts
        .iter()
        .filter(|o| finding(o) == Finding::Absent && o.local_day() == last_zero)
        .map(|o| o.last_local_day().min(ctx.today).max(last_zero))
        .max()
        .unwrap_or(last_zero);

    // The longest inter-seizure interval in the months before the schedule began.
    let lookback_from = shift(trial.start, -rule.interval_lookback_days.max(0));
    let before: Vec<NaiveDate> = seizure_days
        .iter()
        .copied()
        .filter(|day| *day >= lookback_from && *day < trial.start)
        .collect();
    let longest = before.windows(2).map(|w| days_between(w[0], w[1])).max();
    let (target, shorter, basis) = match longest {
        Some(interval) => {
            let rule_of_three = (interval as f64 * rule.interval_multiplier).ceil() as i64;
            (
                rule_of_three.max(rule.freedom_days),
                rule_of_three.min(rule.freedom_days),
                format!(
                    "the longer of {} and {} x the longest pre-intervention inter-seizure interval ({} days: {} days)",
                    span(rule.freedom_days),
                    trim_number(rule.interval_multiplier),
                    interval,
                    rule_of_three
                ),
            )
        }
        None => (
            rule.freedom_days,
            rule.freedom_days,
            format!(
                "{}; no two seizures recorded in the {} before the schedule to measure the pre-intervention interval",
                span(rule.freedom_days),
                span(rule.interval_lookback_days)
            ),
        ),
    };
    // The last seizure counted in a month or a year alone is placed on its last day (freedom
    // is never counted from before it); from its first day the freedom may be longer. Where
    // that would change what the freedom shows (sustained, undetermined, or short), its day
    // decides: undetermined, said, never read on its month's first day nor silently on its
    // last.
    // Only the days the reports document count from either end (review R7-7).
    let seizure_first_day = seizure_days::earliest_last_day(&reports, rule.rate_reach_days)
        .map_or(trial.start, |day| day.max(trial.start));
    let free_since_early = seizure_first_day.max(documented_since).min(free_since);
    let free_days_early = days_between(free_since_early, last_zero).max(0);
    let reach = |days: i64| u8::from(days >= shorter) + u8::from(days >= target);
    if free_since_early < free_since && reach(free_days_early) != reach(free_days) {
        return Some(EventEvidence::Undetermined(format!(
            "the last seizure recorded in {}: whether the freedom since it reached {} days ({}) \
             by the diary entry of {last_zero} cannot be told ({free_days} days from its last \
             day, {free_days_early} from its first), and its day would decide it",
            super::dates::dated(free_since_early, free_since),
            if free_days_early >= target {
                target
            } else {
                shorter
            },
            span(if free_days_early >= target {
                target
            } else {
                shorter
            })
        )));
    }
    // Freedom that the day of a count of none dated by a month alone would make sustained or
    // not: undetermined (a success would withdraw the criterion), said; never read on its
    // first day, nor on its last.
    if free_days < target && days_between(free_since, last_zero_late) >= target {
        return Some(EventEvidence::Undetermined(format!(
            "no seizures recorded in {}: whether the freedom since {free_since} reached {target} \
             days ({}) by the day of that count cannot be told",
            super::dates::dated(last_zero, last_zero_late),
            span(target)
        )));
    }
    // After seizures on the schedule, its freedom since the last of them is judged by the same
    // rule: sustained, it is a success now; undetermined, it is no failure; shorter, the
    // seizures stand as its failure, and the freedom so far is said.
    let Some(failed) = failure else {
        return Some(if free_days >= target {
            EventEvidence::Sustained(format!(
                "no seizure recorded for {free_days} days (needs {target} days: {basis})"
            ))
        } else if free_days >= shorter {
            EventEvidence::Undetermined(format!(
                "seizure-free for {free_days} days: undetermined (ILAE) until {target} days ({basis})"
            ))
        } else if let Some(why) = untold {
            // Not yet free long enough, and seizures counted over a month or a year that may
            // have fallen after the schedule could work: its outcome cannot be told.
            EventEvidence::Untold(why)
        } else {
            EventEvidence::SeizureFreeSoFar(format!(
                "seizure-free for {free_days} days so far; sustained freedom needs {target} days ({basis})"
            ))
        });
    };
    let since = if free_since > last_seizure {
        format!(
            "{free_days} days ({}) documented from {free_since} (the last seizure on \
             {last_seizure}, no report of the days between), to the diary entry of {last_zero}",
            span(free_days)
        )
    } else {
        format!(
            "{free_days} days ({}) since the last seizure on {free_since}, to the diary entry of {last_zero}",
            span(free_days)
        )
    };
    Some(if free_days >= target {
        EventEvidence::Sustained(format!(
            "{failed}, but no seizure recorded for {since} (needs {target} days: {basis}): no failed schedule now"
        ))
    } else if free_days >= shorter {
        EventEvidence::Undetermined(format!(
            "{failed}, then seizure-free for {since}: undetermined (ILAE) until {target} days ({basis}), no failure"
        ))
    } else {
        EventEvidence::Failed(format!(
            "{failed}; seizure-free for {since} so far, sustained freedom needs {target} days ({basis})"
        ))
    })
}

enum ScoreEvidence {
    Failed(String),
    Responded(String),
    /// The baseline or the follow-up is two differing values recorded at one moment: the
    /// question of which holds, in words.
    Disagree(String),
}

/// Why a course is no acute course that could fail, when its baseline score is already in
/// remission (below its scale's `remission_below`: PHQ-9 < 5): a continuation or maintenance
/// series given to keep a remission, whatever its code. The "< 25 % improvement" rule assumes
/// a symptomatic baseline; a patient who stays well has failed nothing. A baseline reported as
/// a bound counts only when every value it allows is in remission. The baseline is the latest
/// score on or before the first session's day (a same-day rating precedes the session), taken
/// at most `within_days` before it: the state at the course's start, never a remission weeks
/// before the relapse that led to it (the trial's improvement baseline may look further back).
/// Two values at that moment that differ prove no remission.
fn begun_in_remission(
    ctx: &Context<'_>,
    spec: &FailedTrials,
    first_session: NaiveDate,
    within_days: i64,
) -> Option<String> {
    let rule = spec.score.as_ref()?;
    let from = shift(first_session, -within_days.max(0));
    let Latest::One(baseline) = agreed_latest(ctx.observations(&rule.observation).filter(|o| {
        // Of a month or a year alone, only when all of it is on or before the session.
        o.value.is_some() && o.local_day() >= from && o.last_local_day() <= first_session
    })) else {
        return None;
    };
    let scale = rule
        .observation
        .scale
        .get(super::selectors::scale_of(&rule.observation, baseline)?)?;
    let cut = scale.remission_below?;
    (baseline.beyond("below", cut) == Some(true)).then(|| {
        format!(
            "begun in remission ({} {} on {}, below {}): no acute course to fail",
            scale.name,
            baseline.value_text().trim_end(),
            baseline.local_day(),
            trim_number(cut)
        )
    })
}

/// Where a trial's scores are read: its baseline up to the rule's `baseline_days` before
/// `start` (or a week into it); its follow-ups from `follow_up_from`, the day it could be
/// judged, to a week after `until`.
#[derive(Clone, Copy)]
struct Window {
    start: NaiveDate,
    follow_up_from: NaiveDate,
    until: NaiveDate,
}

/// A trial's two ends measured, of one instrument: the baseline as one value, the latest
/// follow-up, the follow-ups before it (oldest first), and the questions that left other
/// instruments aside; or the question of which value holds.
enum Ends<'a> {
    Measured {
        baseline: &'a Observation,
        latest: FollowUp<'a>,
        earlier: Vec<&'a Observation>,
        left_aside: Vec<String>,
    },
    InDoubt(String),
}

/// The latest follow-up score: one value; or values recorded at one moment that differ, kept
/// only where an earlier follow-up responded and the rule reads every follow-up (which of them
/// holds then decides nothing).
enum FollowUp<'a> {
    One(&'a Observation),
    InDoubt { which: String, on: NaiveDate },
}

/// A response rule applied to a trial.
enum Judged {
    /// Whether it responded, in words.
    Decided(bool, String),
    /// Which of two values recorded at one moment holds.
    InDoubt(String),
}

/// A trial's baseline and follow-up scores, none when either is missing. A rule may name
/// several instruments (PHQ-9, MADRS, HAM-D; PANSS, BPRS): their scales differ, so a baseline
/// is compared only with a follow-up of the same instrument, never a PHQ-9 of 20 with a MADRS
/// of 30. Where the rule lists its scales (`scale`), the instrument is the scale whose codes or
/// names the test has, in the rule's order. Otherwise it is the rule's first name the test's
/// words carry, else, for a test
/// selected by one of the rule's codes, its first name (a rule's codes are its first
/// instrument's: 44261-6 is the PHQ-9), whatever system coded it or whether any did. The first
/// instrument in the rule's order measured at both ends decides.
///
/// `any_follow_up_responds`: the rule's `min_improvement` where a response at any follow-up is
/// the trial's response (a latest follow-up in doubt does not then leave the instrument aside
/// when an earlier one responded).
fn baseline_and_follow_up<'a>(
    selector: &ObservationSelector,
    scores: &[&'a Observation],
    rule_baseline_days: i64,
    window: Window,
    any_follow_up_responds: Option<f64>,
) -> Option<Ends<'a>> {
    let mut instruments: Vec<(usize, String, Vec<&'a Observation>)> = Vec::new();
    for score in scores {
        // A test the rule names neither way (selected otherwise) is its own instrument.
        let rank = instrument_rank(selector, score);
        let key = if rank == usize::MAX {
            score.code.clone()
        } else {
            String::new()
        };
        match instruments
            .iter_mut()
            .find(|(r, k, _)| *r == rank && *k == key)
        {
            Some((_, _, of_it)) => of_it.push(score),
            None => instruments.push((rank, key, vec![score])),
        }
    }
    instruments.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let mut in_doubt: Vec<String> = Vec::new();
    for (_, _, of_it) in &instruments {
        match ends_of_one_instrument(of_it, rule_baseline_days, window, any_follow_up_responds) {
            None => {}
            Some(Ends::InDoubt(which)) => in_doubt.push(which),
            Some(Ends::Measured {
                baseline,
                latest,
                earlier,
                ..
            }) => {
                return Some(Ends::Measured {
                    baseline,
                    latest,
                    earlier,
                    left_aside: in_doubt,
                });
            }
        }
    }
    in_doubt.into_iter().next().map(Ends::InDoubt)
}

/// Which of a rule's instruments an observation is, by its place in the rule's names (see
/// [`baseline_and_follow_up`]); `usize::MAX` for none.
fn instrument_rank(selector: &ObservationSelector, observation: &Observation) -> usize {
    if !selector.scale.is_empty() {
        return super::selectors::scale_of(selector, observation).unwrap_or(usize::MAX);
    }
    selector
        .names
        .iter()
        .position(|name| names_test(&observation.display, name))
        .or_else(|| selector.codes.contains(&observation.code).then_some(0))
        .unwrap_or(usize::MAX)
}

/// [`baseline_and_follow_up`] of one instrument's scores.
fn ends_of_one_instrument<'a>(
    scores: &[&'a Observation],
    rule_baseline_days: i64,
    window: Window,
    any_follow_up_responds: Option<f64>,
) -> Option<Ends<'a>> {
    // A score of a month or a year alone is every day of it: a baseline or a follow-up only
    // when all of them are (a score "in 2026-03" of a trial begun on 2026-03-10 is neither).
    let baseline = agreed_latest(scores.iter().copied().filter(|o| {
        o.local_day() >= shift(window.start, -rule_baseline_days.max(0))
            && o.last_local_day() <= shift(window.start, 7)
    }));
    let mut follow_ups: Vec<&'a Observation> = scores
        .iter()
        .copied()
        .filter(|o| {
            o.local_day() >= window.follow_up_from && o.last_local_day() <= shift(window.until, 7)
        })
        .collect();
    follow_ups.sort_by_key(|o| o.effective);
    let latest_at = follow_ups.last().map(|o| o.effective);
    // The day the texts name: the record's own, as the criteria count it.
    let latest_day = follow_ups.last().map(|o| o.local_day());
    let follow_up = agreed_latest(follow_ups.iter().copied());
    let earlier: Vec<&'a Observation> = follow_ups
        .into_iter()
        .filter(|o| Some(o.effective) < latest_at)
        .collect();
    // Two scores recorded at one moment that differ decide nothing; with both ends of the
    // trial measured, which one holds is what is missing.
    match (baseline, follow_up) {
        (Latest::None, _) | (_, Latest::None) => None,
        (Latest::Disagree(which), _) => Some(Ends::InDoubt(which)),
        (Latest::One(baseline), Latest::Disagree(which)) => {
            // Unless an earlier follow-up responded where any follow-up's response holds:
            // whichever latest value holds, a relapse after a response is not a failure.
            let responded_before = any_follow_up_responds
                .zip(baseline.exact_value())
                .is_some_and(|(min_improvement, base)| {
                    base > 0.0
                        && moments(&earlier).iter().any(|moment| {
                            matches!(
                                moment_response(base, moment, min_improvement),
                                MomentSays::Responded
                            )
                        })
                });
            match latest_day {
                Some(on) if responded_before => Some(Ends::Measured {
                    baseline,
                    latest: FollowUp::InDoubt { which, on },
                    earlier,
                    left_aside: Vec::new(),
                }),
                _ => Some(Ends::InDoubt(which)),
            }
        }
        (Latest::One(baseline), Latest::One(follow_up)) => Some(Ends::Measured {
            baseline,
            latest: FollowUp::One(follow_up),
            earlier,
            left_aside: Vec::new(),
        }),
    }
}

/// Follow-up scores (oldest first) grouped by the moment they were recorded at: two scores
/// taken at one time are one reading whose values may differ, never two follow-ups.
fn moments<'a>(scores: &[&'a Observation]) -> Vec<Vec<&'a Observation>> {
    let mut moments: Vec<Vec<&'a Observation>> = Vec::new();
    for score in scores {
        match moments.last_mut() {
            Some(moment)
                if moment
                    .first()
                    .is_some_and(|o| o.effective == score.effective) =>
            {
                moment.push(score);
            }
            _ => moments.push(vec![score]),
        }
    }
    moments
}

/// Whether a follow-up score shows a response from `base` (an improvement of at least
/// `min_improvement`); `None` for a bound that allows both ("< 18" after 20, at 25 %).
fn responded(base: f64, score: &Observation, min_improvement: f64) -> Option<bool> {
    match score.exact_value() {
        Some(value) => Some((base - value) / base >= min_improvement),
        // A bound responds when every value it allows does: at or below base × (1 − improvement).
        None => score
            .beyond("above", base * (1.0 - min_improvement))
            .map(|above| !above),
    }
}

/// What the scores recorded at one moment say of a response.
enum MomentSays {
    Responded,
    NotResponded,
    /// Which value holds, or what a bound is, in words.
    InDoubt(String),
}

/// A moment decides only when every value recorded at it says the same, as at the latest
/// follow-up: refract does not choose between two values of one moment.
fn moment_response(base: f64, moment: &[&Observation], min_improvement: f64) -> MomentSays {
    let sides: Option<Vec<bool>> = moment
        .iter()
        .map(|score| responded(base, score, min_improvement))
        .collect();
    match sides {
        Some(sides) if sides.iter().all(|side| *side) => MomentSays::Responded,
        Some(sides) if sides.iter().all(|side| !*side) => MomentSays::NotResponded,
        // Values on both sides of the cut, or a bound across it: the moment is in doubt,
        // asked as the latest one would be.
        _ => MomentSays::InDoubt(match agreed_latest(moment.iter().copied()) {
            Latest::Disagree(which) => which,
            _ => moment
                .first()
                .map_or_else(String::new, |score| bound_asked(score)),
        }),
    }
}

/// Where a response at any follow-up is the trial's response (`response_at_any_follow_up`):
/// an earlier follow-up that responded, when the latest did not, is a response with a relapse
/// after it (reference §3: "a relapse after a response is not a treatment failure of that
/// trial"); an earlier one in doubt, when the latest did not respond, asks which holds, since
/// it could be that response. `None` when the latest follow-up decides as it always did.
fn response_before_latest(
    rule: &ScoreRule,
    baseline: &Observation,
    base: f64,
    latest: &FollowUp<'_>,
    earlier: &[&Observation],
) -> Option<ScoreEvidence> {
    let latest_side = match latest {
        FollowUp::One(score) => responded(base, score, rule.min_improvement),
        FollowUp::InDoubt { .. } => None,
    };
    if latest_side == Some(true) {
        return None;
    }
    let mut asked: Option<String> = None;
    for moment in moments(earlier) {
        match moment_response(base, &moment, rule.response_cut()) {
            MomentSays::Responded => {
                let relapse = match latest {
                    FollowUp::One(score) if latest_side == Some(false) => format!(
                        "the latest, {} on {}, is a relapse after a response, not a failure of the trial",
                        score.value_text().trim_end(),
                        score.local_day()
                    ),
                    FollowUp::One(score) => format!(
                        "the latest, {} on {}, may be a relapse: a relapse after a response is not a failure of the trial",
                        score.value_text().trim_end(),
                        score.local_day()
                    ),
                    FollowUp::InDoubt { on, .. } => format!(
                        "the latest scores, recorded at one moment on {on}, differ: whichever holds, a relapse after a response is not a failure of the trial"
                    ),
                };
                return Some(ScoreEvidence::Responded(format!(
                    "{}: a response; {relapse}",
                    response_words(baseline, base, &moment, rule.response_cut())
                )));
            }
            MomentSays::InDoubt(which) => {
                asked.get_or_insert(which);
            }
            MomentSays::NotResponded => {}
        }
    }
    match (asked, latest_side) {
        (Some(which), Some(false)) => Some(ScoreEvidence::Disagree(which)),
        _ => None,
    }
}

/// A follow-up moment that responded, in words: "PHQ-9 total score 20 → 8 on 2026-01-11 (60%
/// improvement)"; "… 20 → < 4 on 2026-01-11, an improvement of at least 25%".
fn response_words(
    baseline: &Observation,
    base: f64,
    moment: &[&Observation],
    min_improvement: f64,
) -> String {
    let on = moment
        .first()
        .map_or_else(String::new, |score| score.local_day().to_string());
    if let [score] = moment
        && let Some(value) = score.exact_value()
    {
        return format!(
            "{} {} → {} on {on} ({}% improvement)",
            baseline.display,
            trim_number(base),
            trim_number(value),
            ((base - value) / base * 100.0).round()
        );
    }
    // A bound, or values of one moment that all responded: what they all allow is said.
    let values: Vec<String> = moment
        .iter()
        .map(|score| score.value_text().trim_end().to_owned())
        .collect();
    format!(
        "{} {} → {} on {on}, an improvement of at least {}%",
        baseline.display,
        trim_number(base),
        values.join(" and "),
        (min_improvement * 100.0).round()
    )
}

/// What the trial's scores say: its symptom score, else its response rules; a symptom score
/// in doubt (two values at one moment) gives way to a response rule that decides.
fn trial_scores(ctx: &Context<'_>, spec: &FailedTrials, window: Window) -> Option<ScoreEvidence> {
    let responses = || response_evidence(ctx, &spec.response, window);
    match spec
        .score
        .as_ref()
        .and_then(|rule| score_evidence(ctx, rule, window))
    {
        None => responses(),
        Some(ScoreEvidence::Disagree(which)) => {
            Some(responses().unwrap_or(ScoreEvidence::Disagree(which)))
        }
        decided => decided,
    }
}

/// Relative improvement of a symptom score from the trial's baseline to its last score taken
/// once the trial could be judged; where the rule says so, a response at any of those scores.
fn score_evidence(ctx: &Context<'_>, rule: &ScoreRule, window: Window) -> Option<ScoreEvidence> {
    let scores: Vec<_> = ctx
        .observations(&rule.observation)
        .filter(|o| o.value.is_some())
        .collect();
    let (baseline, latest, earlier, left_aside) = match baseline_and_follow_up(
        &rule.observation,
        &scores,
        rule.baseline_days,
        window,
        rule.response_at_any_follow_up
            .then_some(rule.min_improvement),
    )? {
        Ends::Measured {
            baseline,
            latest,
            earlier,
            left_aside,
        } => (baseline, latest, earlier, left_aside),
        Ends::InDoubt(which) => return Some(ScoreEvidence::Disagree(which)),
    };
    // A baseline reported as a bound ("> 20") is no value to measure a change from.
    let Some(base) = baseline.exact_value() else {
        return Some(ScoreEvidence::Disagree(bound_asked(baseline)));
    };
    if base <= 0.0 {
        return None;
    }
    if rule.response_at_any_follow_up
        && let Some(evidence) = response_before_latest(rule, baseline, base, &latest, &earlier)
    {
        return Some(match evidence {
            ScoreEvidence::Responded(words) if !left_aside.is_empty() => {
                ScoreEvidence::Responded(format!("{words}; left aside, {}", left_aside.join("; ")))
            }
            evidence => evidence,
        });
    }
    let follow_up = match latest {
        FollowUp::One(score) => score,
        FollowUp::InDoubt { which, .. } => return Some(ScoreEvidence::Disagree(which)),
    };
    let Some(last) = follow_up.exact_value() else {
        // A follow-up reported as a bound ("< 4") decides when every value it allows does:
        // an improvement below the rule's is a follow-up above base × (1 − improvement).
        let cut = base * (1.0 - rule.min_improvement);
        let words = format!(
            "{} {} → {}",
            baseline.display,
            trim_number(base),
            follow_up.value_text().trim_end()
        );
        let below = (rule.min_improvement * 100.0).round();
        return Some(match follow_up.beyond("above", cut) {
            Some(true) => ScoreEvidence::Failed(format!("{words}, an improvement below {below}%")),
            Some(false) => {
                ScoreEvidence::Responded(format!("{words}, an improvement of at least {below}%"))
            }
            None => ScoreEvidence::Disagree(bound_asked(follow_up)),
        });
    };
    let improvement = (base - last) / base;
    let mut words = format!(
        "{} {} → {} ({}% improvement)",
        baseline.display,
        trim_number(base),
        trim_number(last),
        (improvement * 100.0).round()
    );
    if !left_aside.is_empty() {
        words = format!("{words}; left aside, {}", left_aside.join("; "));
    }
    if improvement < rule.min_improvement {
        Some(ScoreEvidence::Failed(format!(
            "{words}, below {}%",
            (rule.min_improvement * 100.0).round()
        )))
    } else {
        Some(ScoreEvidence::Responded(words))
    }
}

/// The question a score reported as a bound leaves: its value.
fn bound_asked(score: &Observation) -> String {
    format!(
        "the {} of {} as a value ({} was reported)",
        score.display,
        score.local_day(),
        score.value_text().trim_end()
    )
}

/// Disease-activity response over a trial, by the first response rule with a baseline and a
/// follow-up score (the rules are in order of precedence); a later rule that disagrees is named
/// in the words.
fn response_evidence(
    ctx: &Context<'_>,
    rules: &[ResponseRule],
    window: Window,
) -> Option<ScoreEvidence> {
    let mut decided: Option<(bool, String)> = None;
    let mut disagreeing: Vec<String> = Vec::new();
    // A measure left in doubt by two values at one moment gives way to the next rule's.
    let mut in_doubt: Vec<String> = Vec::new();
    for rule in rules {
        let (responded, words) = match response_by(ctx, rule, window) {
            None => continue,
            Some(Judged::InDoubt(which)) => {
                in_doubt.push(which);
                continue;
            }
            Some(Judged::Decided(responded, words)) => (responded, words),
        };
        match &decided {
            None => decided = Some((responded, words)),
            Some((first, _)) if *first != responded => disagreeing.push(words),
            Some(_) => {}
        }
    }
    let Some((responded, mut words)) = decided else {
        return in_doubt.into_iter().next().map(ScoreEvidence::Disagree);
    };
    if !disagreeing.is_empty() {
        words = format!(
            "{words} (decides, the first measure of the rule; disagreeing: {})",
            disagreeing.join("; ")
        );
    }
    if !in_doubt.is_empty() {
        words = format!("{words}; left aside, {}", in_doubt.join("; "));
    }
    Some(if responded {
        ScoreEvidence::Responded(words)
    } else {
        ScoreEvidence::Failed(words)
    })
}

/// One response rule over a trial: whether it responded, in words, or which of two values
/// recorded at one moment holds.
fn response_by(ctx: &Context<'_>, rule: &ResponseRule, window: Window) -> Option<Judged> {
    let scores: Vec<_> = ctx
        .observations(&rule.observation)
        .filter(|o| o.value.is_some_and(f64::is_finite))
        .collect();
    // Disease-activity response rules (EULAR) judge the latest follow-up: a response lost
    // later is a failure there.
    let (baseline, follow_up, left_aside) =
        match baseline_and_follow_up(&rule.observation, &scores, rule.baseline_days, window, None)?
        {
            Ends::Measured {
                baseline,
                latest: FollowUp::One(follow_up),
                left_aside,
                ..
            } => (baseline, follow_up, left_aside),
            Ends::Measured {
                latest: FollowUp::InDoubt { which, .. },
                ..
            }
            | Ends::InDoubt(which) => return Some(Judged::InDoubt(which)),
        };
    // A bound at either end ("< 2.6") is asked for, not read as a value nor dropped.
    let (Some(base), Some(last)) = (baseline.exact_value(), follow_up.exact_value()) else {
        let bound = if baseline.comparator.is_some() {
            baseline
        } else {
            follow_up
        };
        return Some(Judged::InDoubt(bound_asked(bound)));
    };
    let relative = rule.change == "relative";
    if relative && base <= 0.0 {
        return None;
    }
    // Scores are reported to two decimals: 5.8 - 5.2 is an improvement of 0.6, not 0.6000001.
    let improvement = if relative {
        ((base - last) / base * 10_000.0).round() / 10_000.0
    } else {
        ((base - last) * 100.0).round() / 100.0
    };
    let shown = if relative {
        format!(
            "{}% improvement",
            trim_number((improvement * 100.0).round())
        )
    } else {
        format!("improvement {}", trim_number(improvement))
    };
    let percent = |fraction: f64| format!("{}%", trim_number((fraction * 100.0).round()));
    let mut why = None;
    if let Some(limit) = rule.no_response_at_most
        && improvement <= limit
    {
        why = Some(if relative {
            format!("at most {}", percent(limit))
        } else {
            format!("at most {}", trim_number(limit))
        });
    }
    if let Some(limit) = rule.no_response_below
        && improvement < limit
    {
        why = Some(if relative {
            format!("below the {} of a minor response", percent(limit))
        } else {
            format!("below {}", trim_number(limit))
        });
    }
    if why.is_none()
        && let (Some(high), Some(limit)) = (rule.high_above, rule.high_no_response_at_most)
        && last > high
        && improvement <= limit
    {
        why = Some(format!(
            "at most {} while still above {}",
            if relative {
                percent(limit)
            } else {
                trim_number(limit)
            },
            trim_number(high)
        ));
    }
    let mut words = format!(
        "{} {} → {}",
        baseline.display,
        trim_number(base),
        trim_number(last)
    );
    if !left_aside.is_empty() {
        words = format!("{words} (left aside, {})", left_aside.join("; "));
    }
    Some(match why {
        Some(why) => Judged::Decided(
            false,
            format!("{words} ({shown}, {why}): no response ({})", rule.source),
        ),
        None => Judged::Decided(
            true,
            format!("{words} ({shown}): response ({})", rule.source),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::for_daily_minimum;
    use crate::rules::dose::Daily;
    use crate::rules::drugs::DrugBook;

    fn weekly(mg_per_week: f64) -> Daily {
        Daily {
            mg_per_day: mg_per_week / 7.0,
            interval_days: 7.0,
        }
    }

    /// A weekly dose is judged unless the drug has a weekly form with no known equivalent and
    /// the week could reach the minimum: only then is it left unknown.
    #[test]
    fn a_weekly_dose_is_left_unjudged_only_for_a_weekly_form_with_no_equivalent() {
        let book = DrugBook::embedded().expect("embedded drugs.toml parses");
        let citalopram = book.get("citalopram").expect("citalopram").clone();
        assert!(!citalopram.weekly_form);
        // No weekly form: its daily average.
        assert_eq!(
            for_daily_minimum(&citalopram, weekly(70.0), false),
            Ok(10.0)
        );
        assert_eq!(
            for_daily_minimum(&citalopram, weekly(140.0), false),
            Ok(20.0)
        );
        let mut marked = citalopram;
        marked.weekly_form = true;
        // A weekly form, no equivalent: a week below one day's minimum is below it…
        let below = for_daily_minimum(&marked, weekly(14.0), false);
        assert!(below.is_ok_and(|mg| mg < 20.0), "{below:?}");
        // …a week that could reach it is not judged.
        assert_eq!(for_daily_minimum(&marked, weekly(70.0), false), Err(70.0));
        // A depot is judged by its daily equivalent.
        assert_eq!(for_daily_minimum(&marked, weekly(70.0), true), Ok(10.0));
        let fluoxetine = book.get("fluoxetine").expect("fluoxetine");
        assert_eq!(for_daily_minimum(fluoxetine, weekly(90.0), false), Ok(20.0));
    }
}
