//! Line-based criteria of the haematological cancers: a line refractory by best response or by
//! progression on therapy or within a window of its last dose (`line_refractory`), response
//! then relapse (`relapse`), relapse within a window after a procedure such as autologous
//! transplant (`relapse_after_procedure`), refractoriness per drug class (`class_refractory`,
//! triple-class refractory myeloma) and induction courses without remission
//! (`induction_failure`, primary refractory AML).
//!
//! A line's best response is the recorded one, else the best mCODE disease status observed
//! during it; progression is the recorded date, a stop for progression, or a "worsened" disease
//! status. Where the rule set reads the monoclonal protein series (myeloma), its rises are
//! progressions too and its fall is a line's response (`m_protein.rs` says which decides).

use std::fmt::Write as _;

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::context::Context;
use super::dates::shift;
use super::describe::{
    confounder, describe_line, line_evidence, observation_evidence, procedure_evidence, span,
};
use super::dose::mg_per_day;
use super::given::Given;
use super::model::{
    ClassRefractory, InductionFailure, LineRefractory, Relapse, RelapseAfterProcedure,
};
use super::numbers::trim_number;
use super::outcome::{Outcome, Verdict};
use super::progression::Progression;
use super::recovery::{self, blasts_text, blasts_unreadable};
use crate::domain::{
    Dose, LineDrug, Observation, Response, StopReason, TreatmentLine, observation_codes,
};

/// The best response of a line and where it comes from.
pub fn best_response(ctx: &Context<'_>, line: &TreatmentLine) -> Option<Response> {
    best_response_dated(ctx, line).map(|(response, _)| response)
}

/// The best response of a line and the day it was assessed: the recorded one, weighed against
/// the monoclonal protein series where the rule set reads one (`m_protein.rs` says which
/// decides).
fn best_response_dated(
    ctx: &Context<'_>,
    line: &TreatmentLine,
) -> Option<(Response, Option<NaiveDate>)> {
    super::m_protein::decide(ctx, line, recorded_response_dated(ctx, line))
}

/// The best response of a line as the record says it, and the day it was assessed: the line's
/// own, else the best disease status observed during it or after its last dose, up to the rule
/// set's response window (see [`response_window_end`]) and no later than the next line's first
/// dose: a status after that is the next line's, one on or before a line's first dose is not
/// its own (see [`before_line`]).
fn recorded_response_dated(
    ctx: &Context<'_>,
    line: &TreatmentLine,
) -> Option<(Response, Option<NaiveDate>)> {
    if let Some(response) = line.best_response {
        return Some((response, line.best_response_date));
    }
    // Where the rule set says so (`results_decide`, review ON-6), the line's assessments decide
    // over a diagnosis in remission.
    if results_decide(ctx) {
        let assessed = assessments_of(ctx, line)
            .filter_map(|o| {
                response_of_assessment(o).map(|response| (response, Some(o.local_day())))
            })
            .max_by_key(|(response, _)| response.depth());
        if assessed.is_some() {
            return assessed;
        }
    }
    // A diagnosis in remission is a recorded response too (review H3, ON-2); an assessment as
    // deep (the later in the chain on a tie) is said instead.
    diagnosed_remission(ctx, line)
        .map(|(response, day, _)| (response, Some(day)))
        .into_iter()
        .chain(assessments_of(ctx, line).filter_map(|o| {
            response_of_assessment(o).map(|response| (response, Some(o.local_day())))
        }))
        .max_by_key(|(response, _)| response.depth())
}

/// Whether a line's assessments decide its response over a diagnosis in remission
/// (`[lines.relapse_diagnoses] results_decide`).
fn results_decide(ctx: &Context<'_>) -> bool {
    ctx.set
        .lines
        .relapse_diagnoses
        .as_ref()
        .is_some_and(|spec| spec.results_decide)
}

/// A diagnosis in remission (`[lines.relapse_diagnoses] remission_response`) dated after the
/// line began, within its response window and before the next line began, as its assessments
/// are (see [`assessments_of`]): the response it is read as, its day and its words.
fn diagnosed_remission(
    ctx: &Context<'_>,
    line: &TreatmentLine,
) -> Option<(Response, NaiveDate, String)> {
    let window_end = response_window_end(ctx, line);
    let next = next_line(ctx, line);
    let until = next.map_or(window_end, |next| window_end.min(next.start));
    super::lines::remission_diagnosis_days(ctx.record, ctx.set, ctx.today)
        .into_iter()
        .filter(|remission| remission.first > line.start && remission.last <= until)
        .filter(|remission| next.is_none_or(|next| remission.last < next.start))
        .min_by_key(|remission| remission.first)
        .map(|remission| (remission.response, remission.first, remission.words))
}

/// A line's response in words: where a diagnosis in remission gave it (no deeper or equal
/// response recorded), the diagnosis, its day and that its code says no depth.
fn response_said(ctx: &Context<'_>, line: &TreatmentLine, response: Response) -> String {
    match diagnosed_remission(ctx, line) {
        Some((from, _, words))
            if from == response
                && line.best_response.is_none()
                && !assessments_of(ctx, line)
                    .filter_map(response_of_assessment)
                    .any(|assessed| results_decide(ctx) || assessed.depth() >= from.depth()) =>
        {
            words
        }
        _ => response.to_string(),
    }
}

/// The last day the assessment of `line` dated `day` may have been on: of a month or a year
/// alone, its last day up to today; else `day`.
fn assessed_last_day(ctx: &Context<'_>, line: &TreatmentLine, day: NaiveDate) -> NaiveDate {
    if line.best_response.is_some() {
        return day;
    }
    assessments_of(ctx, line)
        .filter(|o| o.local_day() == day && response_of_assessment(o).is_some())
        .map(|o| o.last_local_day().min(ctx.today).max(day))
        .max()
        .unwrap_or(day)
}

/// The observations that assess a line: during it or after its last dose, up to the rule set's
/// response window and no later than the next line's first dose.
fn assessments_of<'c>(
    ctx: &'c Context<'_>,
    line: &'c TreatmentLine,
) -> impl Iterator<Item = &'c Observation> {
    let window_end = response_window_end(ctx, line);
    let next = next_line(ctx, line);
    let until = next.map_or(window_end, |next| window_end.min(next.start));
    ctx.record
        .observations
        .iter()
        // Of a month or a year alone, only when all of it (up to today) is in the window: a
        // status "in 2026-03" may be the next line's when that began in March.
        .filter(move |o| o.local_day() >= line.start && o.last_local_day().min(ctx.today) <= until)
        .filter(move |o| !before_judged(ctx, line, Recorded::of(o)))
        .filter(move |o| next.is_none_or(|next| before_line(ctx, next, Recorded::of(o))))
}

/// The deepest response said by an assessment dated by a month or a year alone whose days run
/// across a bound of `line`'s window (its first day, or the last day of its response window or
/// the next line's start): it may have assessed the line or not, which cannot be told, so
/// [`assessments_of`] leaves it out. In words: "a disease status dated 2026-03 alone (complete
/// response)". Never one the rule set's lines are recorded with (`best_response`).
fn straddling_response(ctx: &Context<'_>, line: &TreatmentLine) -> Option<(Response, String)> {
    if line.best_response.is_some() {
        return None;
    }
    let window_end = response_window_end(ctx, line);
    let next = next_line(ctx, line);
    let until = next.map_or(window_end, |next| window_end.min(next.start));
    ctx.record
        .observations
        .iter()
        .filter(|o| !o.effective_precision.is_day())
        .filter(|o| {
            let (first, last) = (o.local_day(), o.last_local_day().min(ctx.today));
            (first < line.start && last >= line.start) || (first <= until && last > until)
        })
        .filter_map(|o| response_of_assessment(o).map(|response| (response, o)))
        .max_by_key(|(response, _)| response.depth())
        .map(|(response, o)| {
            let what = if deauville_score(o).is_some() {
                "a Deauville score"
            } else {
                "a disease status"
            };
            (
                response,
                format!("{what} dated {} alone ({response})", o.day_text()),
            )
        })
}

/// The day a line's response and progression are judged from: its first day, or for a line of a
/// cell therapy (`[lines] cell_therapy_classes`: CAR T cells) the infusion. Choice (Lugano 2014
/// and the CAR T trials, ZUMA-1/ZUMA-7/TRANSCEND, judge response from the infusion): the line
/// holds its bridging and lymphodepletion, but a status recorded on them (the pre-infusion
/// PET-CT, a progression on bridging) is the bridging's, never the CAR T's.
fn judged_from(ctx: &Context<'_>, line: &TreatmentLine) -> NaiveDate {
    let classes = &ctx.set.lines.cell_therapy_classes;
    if classes.is_empty() {
        return line.start;
    }
    records_of(ctx, line)
        .filter(|g| g.has_any_class(classes))
        .map(Given::start)
        .filter(|day| *day > line.start)
        .min()
        .unwrap_or(line.start)
}

/// Whether a status or progression recorded `at` comes before the line is judged (see
/// [`judged_from`] and [`before_line`]): for a cell therapy given after the line's first day,
/// on or before the infusion's day (the day's own assessment is the pre-infusion baseline).
fn before_judged(ctx: &Context<'_>, line: &TreatmentLine, recorded: Recorded) -> bool {
    let from = judged_from(ctx, line);
    if from > line.start {
        recorded.day <= from
    } else {
        before_line(ctx, line, recorded)
    }
}

/// Whether an observation is a Deauville five-point score (Lugano 2014), and its score.
fn deauville_score(o: &Observation) -> Option<f64> {
    if !o.display.to_lowercase().contains("deauville") {
        return None;
    }
    o.exact_value()
        .or_else(|| o.value_code.as_deref()?.trim().parse::<f64>().ok())
}

/// What a line's Deauville score of 4 or 5 leaves open, said beside its missing response: alone
/// it is no response category (Lugano 2014 reads 4-5 against the baseline's uptake: a partial
/// metabolic response when it fell, no metabolic response or progression when it did not), so
/// the clinician is told it was seen and what would decide it.
fn deauville_undecided(ctx: &Context<'_>, line: &TreatmentLine) -> String {
    assessments_of(ctx, line)
        .filter_map(|o| deauville_score(o).map(|score| (score, o)))
        .filter(|(score, _)| (4.0..=5.0).contains(score) && score.fract() == 0.0)
        .max_by_key(|(_, o)| o.effective)
        .map(|(score, o)| (score, o.day_text()))
        .map_or(String::new(), |(score, on)| {
            format!(
                "; Deauville {score} on {on} alone gives no response category: partial, no metabolic response or progression by the change from the baseline PET-CT (Lugano 2014), or a CT response"
            )
        })
}

/// The response an assessment says: a disease status by its coded value; a Deauville
/// five-point score recorded as a test of its own (a number, or an answer coded by the number)
/// by [`Response::from_deauville`]: 1-3 a complete metabolic response, 4-5 alone nothing.
fn response_of_assessment(o: &crate::domain::Observation) -> Option<Response> {
    if o.code == observation_codes::DISEASE_STATUS {
        return o
            .value_code
            .as_deref()
            .and_then(Response::from_disease_status);
    }
    deauville_score(o).and_then(Response::from_deauville)
}

/// The line that began after `line` (the first by start).
fn next_line<'c>(ctx: &'c Context<'_>, line: &TreatmentLine) -> Option<&'c TreatmentLine> {
    ctx.lines
        .iter()
        .map(AsRef::as_ref)
        .filter(|other: &&TreatmentLine| other.start > line.start)
        .min_by_key(|other| other.start)
}

/// A time of exactly midnight is a date only: the store keeps a date as its midnight (README,
/// *Times: instants in UTC, days local*), and a record's own midnight cannot be told from it.
fn date_only(at: NaiveDateTime) -> bool {
    at.time() == NaiveTime::MIN
}

/// The first dose of a line: the earliest start, on the line's first day (the record's own
/// local day, as the line's start is), of its drug records; with whether it was written as a
/// time (an offset kept says so even at 00:00 UTC, see [`Recorded`]).
fn first_dose(ctx: &Context<'_>, line: &TreatmentLine) -> Option<(NaiveDateTime, bool)> {
    records_of(ctx, line)
        .map(|given| given.exposure)
        .filter(|exposure| exposure.start_day() == line.start)
        .min_by_key(|exposure| exposure.start)
        .map(|exposure| {
            let is_time = exposure.utc_offset_minutes.is_some() || !date_only(exposure.start);
            (exposure.start, is_time)
        })
}

/// When a disease status or a progression was recorded, as [`before_line`] orders it against a
/// line's first dose: its day, the record's own local day (never its UTC day: the line's start
/// is a local day), and its instant when it was written as a time.
#[derive(Debug, Clone, Copy)]
struct Recorded {
    day: NaiveDate,
    at: Option<NaiveDateTime>,
}

impl Recorded {
    fn of(observation: &Observation) -> Self {
        let is_time = observation.utc_offset_minutes.is_some() || !date_only(observation.effective);
        Recorded {
            day: observation.local_day(),
            at: is_time.then_some(observation.effective),
        }
    }

    /// A progression's day is the local day it was read on; a recorded date or a stop has no
    /// time.
    fn of_progression(progression: &Progression) -> Self {
        Recorded {
            day: progression.date,
            at: progression.at.filter(|at| !date_only(*at)),
        }
    }
}

/// Whether a disease status or progression recorded `at` comes before `line` began, so is not
/// the line's (it is the earlier line's: what made the team change treatment): before the
/// line's first day, or on it at or before its first dose. By time when both have one (a PET-CT
/// at 08:00, the salvage regimen's first dose at 11:00); on the first day when either is a date
/// only, or the line's first dose is not recorded: the two cannot be ordered, and a line's
/// response is not assessed on the day it begins (the pre-treatment assessment dated that day
/// is the common case: restaging and the first dose in one day-hospital visit).
fn before_line(ctx: &Context<'_>, line: &TreatmentLine, recorded: Recorded) -> bool {
    if recorded.day != line.start {
        return recorded.day < line.start;
    }
    match (recorded.at, first_dose(ctx, line)) {
        (Some(at), Some((dose, true))) => at <= dose,
        _ => true,
    }
}

/// The lines a drug record was part of, by start: the one linked to it, and those listing one
/// of its ingredients of `classes` while it was given. Never merely a line that overlaps it: a
/// drug begun the day after a line ended would otherwise be judged by that line's response.
fn lines_of<'c>(
    ctx: &'c Context<'_>,
    given: &Given<'_>,
    classes: &[String],
) -> Vec<&'c TreatmentLine> {
    let (start, last_dose) = (given.start(), given.end().unwrap_or(ctx.today));
    ctx.lines
        .iter()
        .map(AsRef::as_ref)
        .filter(|line: &&TreatmentLine| {
            line.drugs
                .iter()
                .any(|d| d.exposure_id == Some(given.exposure.id))
                || (line.start <= last_dose
                    && line.end.is_none_or(|end| end > start)
                    && line.drugs.iter().any(|d| {
                        given
                            .drugs_of(classes)
                            .any(|drug| d.ingredient.eq_ignore_ascii_case(&drug.ingredient))
                    }))
        })
        .collect()
}

/// Every progression the record shows, by date, and the worsenings a later assessment refuted
/// or a status of relapse with no day (`refuted`: said in the reasons, never a progression).
pub struct Progressions {
    pub events: Vec<Progression>,
    pub refuted: Vec<String>,
}

impl Progressions {
    /// The progression that decides from `from` to `to`, inclusive (see [`deciding`]).
    /// One dated by a month or a year alone counts only when every day of it is in the window
    /// (see [`Progressions::across`] for one whose month holds `to`).
    pub fn first_between(&self, from: NaiveDate, to: NaiveDate) -> Option<&Progression> {
        deciding(
            self.events
                .iter()
                .filter(|p| p.date >= from && p.last <= to),
        )
    }

    /// A progression dated by a month or a year alone begun in the window from `from` to `to`
    /// whose days run past `to`: in the window or after it, which cannot be told.
    pub fn across(&self, from: NaiveDate, to: NaiveDate) -> Option<&Progression> {
        self.events.iter().find(|p| p.date >= from && p.holds(to))
    }

    /// The progression that decides after `from` (see [`deciding`]).
    fn first_after(&self, from: NaiveDate) -> Option<&Progression> {
        deciding(self.events.iter().filter(|p| p.date > from))
    }
}

/// Of the progressions in a window, by date: the first confirmed one, else the first still to
/// be decided. A confirmed progression in the window decides whatever an earlier one still to
/// be confirmed (or an M-protein value not read) turns out to be: either way the disease
/// progressed in the window.
fn deciding<'p>(
    mut events: impl Iterator<Item = &'p Progression> + Clone,
) -> Option<&'p Progression> {
    events
        .clone()
        .find(|p| p.confirmed)
        .or_else(|| events.next())
}

/// The progressions of the record: a date recorded on a line, a line or a drug of the rule
/// set's classes stopped for progression (the clinician's call: confirmed), and worsened
/// disease statuses, confirmed once `consecutive_assessments` assessments in a row say so (the
/// date of progression is the first of them; IMWG 2016 asks for two).
pub fn progressions(ctx: &Context<'_>) -> Progressions {
    let mut events = Vec::new();
    let mut refuted = Vec::new();
    for line in &ctx.lines {
        if let Some(date) = line.progression_date {
            events.push(Progression {
                date,
                last: date,
                words: format!(
                    "progression recorded on {date} ({} {})",
                    line.label(),
                    line.regimen
                ),
                confirmed: true,
                assessed: false,
                shown_confirmed: false,
                at: None,
                missing: None,
            });
        } else if line.stop_reason == Some(StopReason::Progression)
            && let Some(end) = line.end
        {
            events.push(Progression {
                date: end,
                last: end,
                words: format!("{} {} stopped for progression", line.label(), line.regimen),
                confirmed: true,
                assessed: false,
                shown_confirmed: false,
                at: None,
                missing: None,
            });
        }
    }
    for given in ctx.given_of(&ctx.set.lines.classes) {
        if given.exposure.stop_reason == Some(StopReason::Progression)
            && let Some(end) = given.end()
        {
            events.push(Progression {
                date: end,
                last: end,
                words: format!("{} stopped for progression", given.exposure.text),
                confirmed: true,
                assessed: false,
                shown_confirmed: false,
                at: None,
                missing: None,
            });
        }
    }

    // Disease-status assessments in order, one per day (the last of a day).
    let mut statuses: Vec<&crate::domain::Observation> = ctx
        .record
        .observations
        .iter()
        .filter(|o| o.code == observation_codes::DISEASE_STATUS && o.value_code.is_some())
        .collect();
    statuses.sort_by_key(|o| o.effective);
    statuses.dedup_by(|later, earlier| {
        if later.local_day() == earlier.local_day() {
            *earlier = *later;
            true
        } else {
            false
        }
    });
    let worse = |o: &crate::domain::Observation| {
        o.value_code.as_deref() == Some(observation_codes::disease_status::WORSENED)
    };
    let needed = (ctx.set.progression.consecutive_assessments as usize).max(1);
    let mut index = 0;
    while index < statuses.len() {
        if !worse(statuses[index]) {
            index += 1;
            continue;
        }
        // A run of consecutive worsened assessments: confirmed once it is `needed` long; every
        // assessment of a confirmed run is a date the disease was progressing.
        let run_end = statuses[index..]
            .iter()
            .position(|o| !worse(o))
            .map_or(statuses.len(), |n| index + n);
        let first = statuses[index].local_day();
        // A new line started soon after the worsening, before any further assessment: the
        // clinician acted on it as a progression.
        let next_assessment = statuses.get(run_end).map(|o| o.local_day());
        let window = ctx.set.progression.new_line_confirms_days;
        // A status on the day the line began, before its first dose, is one it acted on too
        // (see [`before_line`]).
        let acted_on = ctx.lines.iter().find(|line| {
            window > 0
                && before_line(ctx, line, Recorded::of(statuses[index]))
                && line.start <= shift(first, window)
                && next_assessment.is_none_or(|next| line.start <= next)
        });
        if let Some(line) = acted_on.filter(|_| run_end - index < needed) {
            events.push(Progression {
                date: first,
                last: statuses[index].last_local_day().max(first),
                words: format!(
                    "worsened disease status on {first}, acted on by starting {} {} on {}",
                    line.label(),
                    line.regimen,
                    line.start
                ),
                confirmed: true,
                assessed: true,
                shown_confirmed: false,
                at: Some(statuses[index].effective),
                missing: None,
            });
        } else if run_end - index >= needed {
            for (offset, status) in statuses[index..run_end].iter().enumerate() {
                let date = status.local_day();
                let words = if offset == 0 && needed > 1 {
                    format!(
                        "worsened disease status on {first}, confirmed on {}",
                        statuses[index + needed - 1].local_day()
                    )
                } else {
                    format!("{} on {date}", status.display)
                };
                events.push(Progression {
                    date,
                    last: status.last_local_day().max(date),
                    words,
                    confirmed: true,
                    assessed: true,
                    shown_confirmed: true,
                    at: Some(status.effective),
                    missing: None,
                });
            }
        } else if run_end == statuses.len() {
            events.push(Progression {
                date: first,
                last: statuses[index].last_local_day().max(first),
                words: format!("worsened disease status on {first}, not yet confirmed"),
                confirmed: false,
                assessed: true,
                shown_confirmed: false,
                at: Some(statuses[index].effective),
                missing: None,
            });
        } else {
            let next = statuses[run_end];
            let said = next
                .value_code
                .as_deref()
                .and_then(Response::from_disease_status)
                .map_or("not worse", Response::words);
            refuted.push(format!(
                "worsened disease status on {first} not confirmed: the next assessment, on {}, was {said}",
                next.local_day()
            ));
        }
        index = run_end;
    }
    // A relapse sent only as a diagnosis (AML "in relapse": review G3-1) is one, on its day; the
    // relapse criterion reads it only after a line's remission. Read as the lines read it (one
    // reading, `lines::relapse_diagnosis_days`): a status of relapse alone has no day of its own
    // (review ON-5: its onset and recording are the first diagnosis's), so no timing is read
    // from it, and the reasons say it was seen.
    let dated = super::lines::relapse_diagnosis_days(ctx.record, ctx.set, ctx.today);
    refuted.extend(
        super::lines::undated_relapses(ctx.record, ctx.set)
            .filter(|c| !dated.iter().any(|relapse| relapse.condition == c.id))
            .map(|c| {
                format!(
                    "{} says a relapse by its status alone, which has no day of its own (its \
                     onset and recording are the diagnosis's): no progression is timed from it; \
                     the relapse's day would decide",
                    super::lines::status_words(c)
                )
            }),
    );
    for relapse in dated {
        events.push(Progression {
            date: relapse.first,
            last: relapse.last,
            words: relapse.words,
            confirmed: true,
            assessed: false,
            shown_confirmed: false,
            at: None,
            missing: None,
        });
    }
    super::m_protein::add_progressions(ctx, &mut events, &mut refuted);
    events.sort_by_key(|p| (p.date, !p.confirmed));
    Progressions { events, refuted }
}

/// What would confirm a pending progression, for `missing`.
fn to_confirm(progression: &Progression, needed: u32) -> String {
    if let Some(missing) = &progression.missing {
        return missing.clone();
    }
    format!(
        "a second consecutive assessment confirming the progression of {} ({}; IMWG: progression is confirmed by {needed} consecutive assessments)",
        progression.date, progression.words
    )
}

/// The drug records of a line: linked to it, or of one of its ingredients and given during it.
fn records_of<'c>(
    ctx: &'c Context<'c>,
    line: &'c TreatmentLine,
) -> impl Iterator<Item = &'c Given<'c>> + 'c {
    let end = line.end.unwrap_or(ctx.today);
    ctx.given.iter().filter(move |g| {
        line.drugs
            .iter()
            .any(|d| d.exposure_id == Some(g.exposure.id))
            || (g.start() <= end
                && g.end().is_none_or(|e| e >= line.start)
                && g.drugs.iter().any(|drug| {
                    line.drugs
                        .iter()
                        .any(|d| d.ingredient.eq_ignore_ascii_case(&drug.ingredient))
                }))
    })
}

/// "on lenalidomide maintenance at 10 mg/d (25 mg/d earlier in the line)": a drug of the line
/// given on `day` at a lower daily dose than an earlier record of it in the same line. IMWG
/// counts dose changes within a line; whether progression at a maintenance dose is
/// refractoriness it does not say, so the reasons say when it happened.
fn reduced_maintenance(ctx: &Context<'_>, line: &TreatmentLine, day: NaiveDate) -> Option<String> {
    let daily = |g: &Given<'_>| g.exposure.dose.as_ref().and_then(mg_per_day);
    for given in records_of(ctx, line).filter(|g| g.exposure.active_on(day)) {
        let Some(now) = daily(given) else { continue };
        for drug in &given.drugs {
            let before = records_of(ctx, line)
                .filter(|g| g.start() < given.start())
                .filter(|g| g.drugs.iter().any(|d| d.ingredient == drug.ingredient))
                .filter_map(daily)
                .fold(None, |best: Option<f64>, dose| {
                    Some(best.map_or(dose, |b| b.max(dose)))
                });
            if let Some(before) = before
                && now + 1e-9 < before
            {
                return Some(format!(
                    "on {} maintenance at {} mg/d ({} mg/d earlier in the line)",
                    drug.ingredient,
                    trim_number(now),
                    trim_number(before)
                ));
            }
        }
    }
    None
}

fn parse_responses(names: &[String]) -> Vec<Response> {
    names
        .iter()
        .filter_map(|name| Response::parse_any(name))
        .collect()
}

enum LineState {
    /// Why, and whether it rests on a progression the record shows confirmed (see
    /// [`Progression::shown_confirmed`]).
    Refractory(String, bool),
    Responded(Response),
    NotRefractory(String),
    /// No outcome yet, or not recorded; with what would decide it.
    Unknown {
        what: String,
        ongoing: bool,
    },
}

fn classify(
    ctx: &Context<'_>,
    spec: &LineRefractory,
    line: &TreatmentLine,
    first: bool,
    progressions: &Progressions,
) -> LineState {
    let refractory = parse_responses(&spec.refractory_responses);
    let end = line.end.unwrap_or(ctx.today);
    let ongoing = line.end.is_none_or(|e| e >= ctx.today);
    // IMWG 2011: refractory is "progressing within 60 days of the last dose": the window runs
    // from the line's last dose, whatever the line (not only between its start and end).
    let window = spec.progression_window_days.unwrap_or(0);
    // A progression on the line's first day, at or before its first dose, is the earlier
    // line's (see [`before_line`]).
    // One shown by a value or a status dated by a month or a year alone counts only when every
    // day of it is in the window; one whose month holds the window's last day leaves the line
    // undecided, said (never read on its first day).
    let window_end = shift(end, window);
    let on_line = deciding(
        progressions
            .events
            .iter()
            .filter(|p| p.date >= line.start && p.last.min(ctx.today) <= window_end)
            .filter(|p| !before_judged(ctx, line, Recorded::of_progression(p))),
    );
    if on_line.is_none_or(|p| !p.confirmed)
        && window_end < ctx.today
        && let Some(across) = progressions.across(line.start, window_end)
    {
        return LineState::Unknown {
            what: format!(
                "the day of a progression dated {} alone ({}): whether it was within {} days of \
                 the last dose ({window_end}) cannot be told",
                across.dated(),
                across.words,
                window
            ),
            ongoing: false,
        };
    }
    if let Some(progression) = on_line {
        if !progression.confirmed {
            return LineState::Unknown {
                what: to_confirm(progression, ctx.set.progression.consecutive_assessments),
                ongoing: false,
            };
        }
        let date = progression.date;
        if date <= end {
            let maintenance = reduced_maintenance(ctx, line, date)
                .map_or(String::new(), |words| format!(", {words}"));
            return LineState::Refractory(
                format!(
                    "progression on therapy ({}){maintenance}",
                    progression.when()
                ),
                progression.shown_confirmed,
            );
        }
        return LineState::Refractory(
            format!(
                "progression {} days after the last dose ({}; within {window} days)",
                (date - end).num_days(),
                progression.when()
            ),
            progression.shown_confirmed,
        );
    }
    let response = best_response(ctx, line);
    if response.is_none()
        && let Some(what) = super::m_protein::undecided(ctx, line)
    {
        return LineState::Unknown { what, ongoing };
    }
    // A deeper response dated by a month that runs across the line's window: its day would
    // decide whether the line responded (never read on its first day, nor left out unsaid).
    if let Some((deeper, words)) = straddling_response(ctx, line)
        && response.is_none_or(|response| {
            response.depth() < deeper.depth()
                && refractory.contains(&response)
                && !refractory.contains(&deeper)
        })
    {
        return LineState::Unknown {
            what: format!(
                "the day of {words}: whether it assessed {} {} (from {} to the end of its \
                 response window or the next line) cannot be told; its day would decide the \
                 line's best response",
                line.label(),
                line.regimen,
                line.start
            ),
            ongoing,
        };
    }
    match response {
        Some(Response::Progression) if refractory.contains(&Response::Progression) => {
            LineState::Refractory(String::from("best response: progressive disease"), false)
        }
        Some(response) if refractory.contains(&response) => {
            let needed = if first {
                spec.min_cycles_first_line
            } else {
                spec.min_cycles_later_lines
            };
            let days = (end - line.start).num_days();
            if days < spec.min_days {
                return LineState::Unknown {
                    what: format!("{}: {response} after {} only", line.label(), span(days)),
                    ongoing,
                };
            }
            match (needed, line.cycles) {
                // DESIGN, pending outcomes: stable disease after 3 cycles when 5 are needed is
                // undecided while further cycles can still come; only a line that is over is
                // not refractory on it.
                (Some(needed), Some(cycles)) if cycles < needed && under_way(ctx, line) => {
                    LineState::Unknown {
                        what: format!(
                            "{} {}: the response after {needed} cycles ({response} after {} so far, {}; {response} counts as refractory after {needed} or more)",
                            line.label(),
                            line.regimen,
                            crate::domain::cycles_words(cycles),
                            match line.end {
                                Some(last) if last < ctx.today =>
                                    format!("last dose on {last}, no stop reason recorded"),
                                _ => String::from("the line under way"),
                            }
                        ),
                        ongoing: true,
                    }
                }
                (Some(needed), Some(cycles)) if cycles < needed => {
                    LineState::NotRefractory(format!(
                        "{response} after {} (counts as refractory after {needed} or more){}",
                        crate::domain::cycles_words(cycles),
                        line.stop_reason.map_or(String::new(), |reason| format!(
                            ", stopped: {}",
                            reason.words()
                        ))
                    ))
                }
                (Some(needed), None) => LineState::Unknown {
                    what: format!(
                        "{}: number of cycles given ({response} counts after {needed} or more)",
                        line.label()
                    ),
                    ongoing,
                },
                _ => LineState::Refractory(format!("best response: {}", response.words()), false),
            }
        }
        Some(response) => LineState::Responded(response),
        // A line derived from its doses ends at its last dose: under way while no stop, no
        // later line and no gap longer than a course's says it is over, and its response not
        // yet due (the first review's case: R-ICE given 13 days ago read as a line over with no
        // response recorded; the second's: R-CHOP ended 82 days ago is over, its restaging
        // overdue, not under way).
        None if ongoing
            || under_way(ctx, line)
                && line
                    .end
                    .is_none_or(|_| ctx.today <= response_window_end(ctx, line)) =>
        {
            LineState::Unknown {
                what: match line.end {
                    Some(last) if last < ctx.today => format!(
                        "response to {} {} (under way since {}, last dose on {last}{})",
                        line.label(),
                        line.regimen,
                        line.start,
                        deauville_undecided(ctx, line)
                    ),
                    _ => format!(
                        "response to {} {} (under way since {}{})",
                        line.label(),
                        line.regimen,
                        line.start,
                        deauville_undecided(ctx, line)
                    ),
                },
                ongoing: true,
            }
        }
        None => LineState::Unknown {
            what: format!(
                "best response to {} {} (not recorded{})",
                line.label(),
                line.regimen,
                deauville_undecided(ctx, line)
            ),
            ongoing: false,
        },
    }
}

/// Days after a line's last dose by which its response is assessed (`[lines] response_days`,
/// longer for a line with a drug of a class in `response_days_by_class`: CAR T-cell therapy).
/// A disease status within them is the line's response; a line with no response recorded this
/// long after its last dose is over with none recorded, not under way.
fn response_days(ctx: &Context<'_>, line: &TreatmentLine) -> i64 {
    let params = &ctx.set.lines;
    line.drugs
        .iter()
        .filter_map(|drug| ctx.book.get(&drug.ingredient))
        .flat_map(|drug| drug.classes.iter())
        .filter_map(|class| params.response_days_by_class.get(class).copied())
        .max()
        .unwrap_or(params.response_days)
}

/// The last day a disease status is a line's response: [`response_days`] after the end of its
/// last cycle (see [`last_cycle_end`]), else after its last dose (today for a line under way).
fn response_window_end(ctx: &Context<'_>, line: &TreatmentLine) -> NaiveDate {
    let last_dose = line.end.unwrap_or(ctx.today);
    let from = last_cycle_end(ctx, line).map_or(last_dose, |end| end.max(last_dose));
    shift(from, response_days(ctx, line))
}

/// Cycles of a drug begin more than this many days apart (doses within a cycle are at most a
/// week apart: see the FHIR import's cycles).
const CYCLE_PAUSE_DAYS: i64 = 7;

/// The end of a finished line's last cycle: its first day and the cycle's length, where the
/// length is known (the end-of-treatment PET-CT is timed from the cycle's end, day 21 of a
/// 21-day cycle, not from its first dose). Per drug of the line given in separate records: the
/// drug book's `cycle_days`, else the shortest pause between its records' starts longer than a
/// week (the cycle length the line kept; a delayed cycle does not lengthen it); the latest of
/// its drugs. `None` where no drug tells its cycle length (one order over the whole line).
fn last_cycle_end(ctx: &Context<'_>, line: &TreatmentLine) -> Option<NaiveDate> {
    let end = line.end?;
    let mut starts: BTreeMap<String, Vec<NaiveDate>> = BTreeMap::new();
    for given in records_of(ctx, line) {
        let start = given.start();
        if start < line.start || start > end {
            continue;
        }
        for drug in &given.drugs {
            starts
                .entry(drug.ingredient.clone())
                .or_default()
                .push(start);
        }
    }
    starts
        .into_iter()
        .filter_map(|(ingredient, mut days)| {
            days.sort_unstable();
            days.dedup();
            let length = ctx
                .book
                .get(&ingredient)
                .and_then(|drug| drug.cycle_days)
                .or_else(|| {
                    days.windows(2)
                        .map(|pair| (pair[1] - pair[0]).num_days())
                        .filter(|gap| *gap > CYCLE_PAUSE_DAYS)
                        .min()
                })?;
            days.last().map(|last| shift(*last, length))
        })
        .max()
}

/// Whether a line can still get further cycles: no stop reason recorded, no later line
/// begun, and no end or a last dose within the rule set's line gap (`gap_days`) of today (a
/// cycle given now would still belong to it; line derivation starts a new line only after a
/// longer pause).
fn under_way(ctx: &Context<'_>, line: &TreatmentLine) -> bool {
    line.stop_reason.is_none()
        && !ctx.lines.iter().any(|other| other.start > line.start)
        && line
            .end
            .is_none_or(|last| (ctx.today - last).num_days() <= ctx.set.lines.gap_days)
}

pub fn line_refractory(ctx: &Context<'_>, id: &str, spec: &LineRefractory) -> Outcome {
    let mut outcome = Outcome::new();
    let lines: Vec<&TreatmentLine> = ctx.lines.iter().map(AsRef::as_ref).collect();
    if lines.is_empty() {
        outcome.verdict = Verdict::NotMet;
        outcome
            .reasons
            .push(String::from("no treatment line recorded"));
        return outcome;
    }
    let progressions = progressions(ctx);
    outcome.reasons.extend(progressions.refuted.iter().cloned());
    let states: Vec<(&TreatmentLine, LineState)> = lines
        .iter()
        .enumerate()
        .map(|(index, line)| (*line, classify(ctx, spec, line, index == 0, &progressions)))
        .collect();

    // The outcome rests on a progression shown confirmed only when every refractory line it
    // cites does.
    let refractory_line = |outcome: &mut Outcome, line: &TreatmentLine, why: &str, shown: bool| {
        outcome.progression_shown_confirmed =
            shown && (outcome.evidence.is_empty() || outcome.progression_shown_confirmed);
        outcome
            .reasons
            .push(format!("{}: {why}", describe_line(ctx.record, line)));
        outcome.evidence.push(line_evidence(id, ctx.record, line));
    };

    match spec.which.as_str() {
        "first" | "any" => {
            let considered = if spec.which == "first" {
                &states[..1]
            } else {
                &states[..]
            };
            let mut unknown = Vec::new();
            let mut all_ongoing = true;
            for (line, state) in considered {
                match state {
                    LineState::Refractory(why, shown) => {
                        refractory_line(&mut outcome, line, why, *shown);
                    }
                    LineState::Unknown { what, ongoing } => {
                        unknown.push(what.clone());
                        all_ongoing &= *ongoing;
                    }
                    LineState::Responded(response) => {
                        outcome.reasons.push(format!(
                            "{}: responded ({})",
                            describe_line(ctx.record, line),
                            response_said(ctx, line, *response)
                        ));
                    }
                    LineState::NotRefractory(why) => outcome
                        .reasons
                        .push(format!("{}: {why}", describe_line(ctx.record, line))),
                }
            }
            outcome.verdict = if !outcome.evidence.is_empty() {
                Verdict::Met
            } else if !unknown.is_empty() {
                outcome.missing.extend(unknown);
                outcome.pending = all_ongoing;
                Verdict::Undecided
            } else {
                Verdict::NotMet
            };
        }
        "latest" => {
            // The most recent line with an outcome decides; a line just begun does not undo a
            // refractory state that led to it.
            let decisive = states
                .iter()
                .rev()
                .find(|(_, state)| !matches!(state, LineState::Unknown { ongoing: true, .. }));
            match decisive {
                Some((line, LineState::Refractory(why, shown))) => {
                    refractory_line(&mut outcome, line, why, *shown);
                    outcome.verdict = Verdict::Met;
                }
                Some((line, LineState::Responded(response))) => {
                    outcome.reasons.push(format!(
                        "latest line with an outcome: {}: responded ({})",
                        describe_line(ctx.record, line),
                        response_said(ctx, line, *response)
                    ));
                    outcome.verdict = Verdict::NotMet;
                }
                Some((line, LineState::NotRefractory(why))) => {
                    outcome
                        .reasons
                        .push(format!("{}: {why}", describe_line(ctx.record, line)));
                    outcome.verdict = Verdict::NotMet;
                }
                Some((_, LineState::Unknown { what, .. })) => {
                    outcome.missing.push(what.clone());
                    outcome.verdict = Verdict::Undecided;
                }
                None => {
                    // Every line is under way with no outcome yet: only what comes will decide.
                    for (_, state) in &states {
                        if let LineState::Unknown { what, .. } = state {
                            outcome.missing.push(what.clone());
                        }
                    }
                    outcome.verdict = Verdict::Undecided;
                    outcome.pending = true;
                }
            }
        }
        _ => {
            // "all": never responded to any line. A response followed by progression on
            // therapy or within the window is refractory, but not never-responded (IMWG: primary
            // refractory = never achieved at least a minimal response).
            let refractory = parse_responses(&spec.refractory_responses);
            let mut any_outcome = false;
            // A progression says nothing of whether the line first responded (review RV-A
            // OA-5: Rd with no response data, progression at month 7): with its best response
            // unknown, never responded cannot be told.
            let mut response_unknown: Vec<String> = Vec::new();
            for (line, state) in &states {
                // Worsened disease statuses are the line's progression, not a best response
                // below a minimal one: a status of progressive disease stands for the line's
                // best response only where the line records it so.
                let best = best_response(ctx, line).filter(|response| {
                    *response != Response::Progression || line.best_response.is_some()
                });
                let responded = best
                    .filter(|response| !refractory.contains(response))
                    .map(LineState::Responded);
                match responded.as_ref().unwrap_or(state) {
                    LineState::Refractory(_, _) if best.is_none() => {
                        response_unknown.push(format!(
                            "best response to {} {} before its progression (not recorded): \
                             whether it ever reached a minimal response (primary refractory, \
                             or relapsed and refractory) cannot be told",
                            line.label(),
                            line.regimen
                        ));
                    }
                    LineState::Refractory(why, shown) => {
                        any_outcome = true;
                        refractory_line(&mut outcome, line, why, *shown);
                    }
                    LineState::Responded(response) => {
                        outcome.reasons.push(format!(
                            "{}: responded ({})",
                            describe_line(ctx.record, line),
                            response_said(ctx, line, *response)
                        ));
                        outcome.verdict = Verdict::NotMet;
                        return outcome;
                    }
                    _ => {}
                }
            }
            outcome.verdict = if !response_unknown.is_empty() {
                outcome.missing.extend(response_unknown);
                Verdict::Undecided
            } else if any_outcome {
                Verdict::Met
            } else {
                Verdict::Undecided
            };
        }
    }
    outcome
}

/// What the monoclonal protein series found, said in the outcome of a line criterion (see
/// `m_protein::explain`; nothing where the rule set reads no series).
pub fn explain_series(ctx: &Context<'_>, id: &str, outcome: &mut Outcome) {
    super::m_protein::explain(ctx, id, outcome, &|line| {
        // The day only of a status observed after the line began: a line's own recorded best
        // response is one whatever its day.
        recorded_response_dated(ctx, line)
            .map(|(response, day)| (response, day.filter(|_| line.best_response.is_none())))
    });
}

pub fn relapse(ctx: &Context<'_>, id: &str, spec: &Relapse) -> Outcome {
    let mut outcome = Outcome::new();
    let induction = spec.marrow_from.as_ref().and_then(|from| {
        ctx.set
            .criteria
            .iter()
            .find(|c| c.id == *from)
            .and_then(|c| c.induction_failure.as_ref())
    });
    let mut unclear = None;
    if let Some(induction) = induction {
        unclear = marrow_relapse(ctx, id, induction, &mut outcome);
        if outcome.verdict == Verdict::Met {
            return outcome;
        }
    }
    let responded = parse_responses(&spec.responses);
    let progressions = progressions(ctx);
    // Progressions no line can be given (a month holding a bound of a line's window).
    let mut untold: Vec<String> = Vec::new();
    outcome.reasons.extend(progressions.refuted.iter().cloned());
    // Every relapse, by line: the current one (after the latest line that responded) is what
    // the team acts on and what the label speaks of; the earlier ones are the history.
    let mut relapses: Vec<(usize, &TreatmentLine, Response, &Progression)> = Vec::new();
    for (index, line) in ctx.lines.iter().enumerate() {
        let response = best_response(ctx, line);
        // A response dated by a month that runs across the line's window: whether the line
        // responded, so whether a later progression is a relapse from it, cannot be told.
        if response.is_none_or(|response| !responded.contains(&response))
            && let Some((deeper, words)) = straddling_response(ctx, line)
            && responded.contains(&deeper)
        {
            untold.push(format!(
                "the day of {words}: whether it assessed {} {} cannot be told; its day would \
                 decide whether the line responded (and a progression after it is a relapse)",
                line.label(),
                line.regimen
            ));
            continue;
        }
        let Some(response) = response else {
            continue;
        };
        if !responded.contains(&response) {
            continue;
        }
        // A recorded remission that the marrow criterion's own measure overrules (blasts at or
        // above the cut-off; blood counts never do) is no remission to relapse from.
        if let Some(induction) = induction {
            let remission = parse_responses(&induction.remission_responses);
            if remission.contains(&response)
                && matches!(
                    course_result(ctx, induction, line, &remission),
                    CourseResult::NoRemission(..)
                )
            {
                continue;
            }
        }
        let Some(end) = line.end else { continue };
        let after = shift(end, spec.refractory_window_days);
        let progression = if spec.line_windows {
            // IMWG 2011: progression on the line or within the window of its last dose is
            // refractory to it, never a relapse from it; and one while the next line runs is
            // that line's (progression on therapy), so the relapse is read before it began.
            // A progression shown by a value or a status dated by a month or a year alone is
            // every day of it: one whose month holds the last day of the line's window may be
            // refractory to the line or a relapse from it, and one whose month holds the next
            // line's first day may be this line's relapse or progression on the next: either
            // way it is attributed to none, and said (never read on its first day).
            let next = next_line(ctx, line);
            let across = progressions.events.iter().find(|p| {
                p.date >= line.start
                    && (p.holds(after)
                        || next.is_some_and(|next| {
                            p.holds(next.start.pred_opt().unwrap_or(next.start))
                        }))
            });
            if let Some(p) = across {
                let bound = match next {
                    Some(next) if p.holds(next.start.pred_opt().unwrap_or(next.start)) => format!(
                        "the day {} {} began ({})",
                        next.label(),
                        next.regimen,
                        next.start
                    ),
                    _ => format!("the last day of its window ({after})"),
                };
                untold.push(format!(
                    "a progression after {} {} is dated {} alone ({}), which holds {bound}: \
                     whether it is refractory to the line, a relapse from it or the next \
                     line's cannot be told; its day would decide",
                    line.label(),
                    line.regimen,
                    p.dated(),
                    p.words
                ));
                continue;
            }
            let refractory_to_line = progressions
                .events
                .iter()
                .filter(|p| p.confirmed && p.date >= line.start && p.date <= after)
                .find(|p| !before_judged(ctx, line, Recorded::of_progression(p)));
            if let Some(progression) = refractory_to_line {
                let when = if progression.date <= end {
                    String::from("on it")
                } else {
                    format!(
                        "{} after its last dose",
                        super::dates::span_against(
                            (progression.date - end).num_days(),
                            spec.refractory_window_days,
                            super::dates::NEAR_THRESHOLD_DAYS
                        )
                    )
                };
                outcome.reasons.push(format!(
                    "responded ({response}) to {} {}, then progressed {when} ({}): refractory to it, no relapse from it",
                    line.label(),
                    line.regimen,
                    progression.when()
                ));
                continue;
            }
            deciding(progressions.events.iter().filter(|p| {
                p.date > after
                    && next.is_none_or(|next| before_line(ctx, next, Recorded::of_progression(p)))
            }))
        } else {
            progressions.first_after(after)
        };
        let Some(progression) = progression else {
            continue;
        };
        if !progression.confirmed {
            if relapses.is_empty() {
                outcome.verdict = Verdict::Undecided;
                outcome.missing.extend(unclear);
                outcome.missing.push(to_confirm(
                    progression,
                    ctx.set.progression.consecutive_assessments,
                ));
                return outcome;
            }
            // An earlier relapse stands whatever a later progression still to be confirmed
            // turns out to be.
            outcome.reasons.push(format!(
                "responded ({response}) to {} {}, then a progression still to be confirmed: {}",
                line.label(),
                line.regimen,
                to_confirm(progression, ctx.set.progression.consecutive_assessments)
            ));
            continue;
        }
        // One progression after two lines that both responded (no relapse recorded between
        // them) follows the later one.
        if relapses
            .last()
            .is_some_and(|(_, _, _, earlier)| earlier.date == progression.date)
        {
            relapses.pop();
        }
        relapses.push((index, line, response, progression));
    }
    let Some(&(index, ..)) = relapses.last() else {
        if !untold.is_empty() {
            outcome.verdict = Verdict::Undecided;
            outcome.missing.append(&mut untold);
            outcome.missing.extend(unclear);
        } else if let Some(what) = unclear {
            outcome.verdict = Verdict::Undecided;
            outcome.missing.push(what);
        } else {
            outcome.verdict = Verdict::NotMet;
        }
        return outcome;
    };
    outcome.verdict = Verdict::Met;
    outcome.reasons.append(&mut untold);
    let mut latest_after_end = None;
    for &(_, line, response, progression) in &relapses {
        let Some(end) = line.end else { continue };
        let (date, words) = (progression.date, &progression.words);
        latest_after_end = Some((end, date));
        // The status rests on the latest relapse: its confirmation settles the rule-out.
        outcome.progression_shown_confirmed = progression.shown_confirmed;
        outcome.evidence.push(line_evidence(id, ctx.record, line));
        outcome.reasons.push(format!(
            "responded ({}) to {} {}, then relapse or progression {} after its end: {words}",
            response_said(ctx, line, response),
            line.label(),
            line.regimen,
            super::dates::span_against(
                (date - end).num_days(),
                spec.refractory_window_days,
                super::dates::NEAR_THRESHOLD_DAYS
            )
        ));
    }
    outcome.label = relapse_label(spec, index, ctx.lines.len(), latest_after_end);
    outcome
}

/// The label of a relapse after the line at `index` (0: the first) of `lines_given`, on the
/// day `relapse` gives after that line's end (none known: as on its end), where the rule set
/// gives one (reference section 4's CAR T-cell
/// label contexts). The early label speaks of the choice of a second line, so it holds only
/// while the first line is the only one given; from `later_lines` lines on, the relapse after
/// the latest of them has the later label. A relapse after line 1 with a later line under way or
/// in remission has neither: the tier's own label.
fn relapse_label(
    spec: &Relapse,
    index: usize,
    lines_given: usize,
    relapse: Option<(NaiveDate, NaiveDate)>,
) -> Option<String> {
    if let (Some(lines), Some(label)) = (spec.later_lines, &spec.later_label)
        && index + 1 >= lines as usize
    {
        return Some(label.clone());
    }
    if spec.early_days.is_none() && spec.early_months.is_none() {
        return None;
    }
    let early = super::dates::Length::of(spec.early_days, spec.early_months);
    let within = relapse.is_none_or(|(end, date)| date <= early.after(end));
    match &spec.early_label {
        Some(label) if index == 0 && lines_given == 1 && within => Some(label.clone()),
        _ => None,
    }
}

/// AML relapse read from the marrow: a course in remission as `induction_failure` reads it (a
/// recorded CR/CRi its response marrow does not contradict (blood counts never do), or blasts below the
/// cut-off on its response marrow with the blood counts of a CR or CRi), then a later marrow at
/// or above the cut-off. An MLFS is no remission to relapse from. ELN 2017's haematological
/// relapse is >= 5 % marrow blasts after CR (reference section 7a, wording [U]: unverified
/// there); the blood blasts and extramedullary disease it also names are not read. A relapse
/// makes `outcome` met; a later marrow that cannot say (a bound such as "< 10 %") is returned,
/// as what is missing.
fn marrow_relapse(
    ctx: &Context<'_>,
    id: &str,
    spec: &InductionFailure,
    outcome: &mut Outcome,
) -> Option<String> {
    let remission = parse_responses(&spec.remission_responses);
    for line in ctx.lines.iter().map(AsRef::as_ref) {
        let CourseResult::Remission(words, shown) = course_result(ctx, spec, line, &remission)
        else {
            continue;
        };
        // From the marrow that showed it (the first observation shown); a recorded response
        // without one, from its date or the course's end.
        let since = shown.first().map_or_else(
            || {
                line.best_response_date
                    .or(line.end)
                    .unwrap_or(line.start)
                    .and_time(chrono::NaiveTime::MIN)
            },
            |o| o.effective,
        );
        // A marrow dated by a month or a year alone is every day of it (up to today): after the
        // remission only when all of it is after every day of the remission's marrow.
        let last_instant = |o: &Observation| {
            if o.effective_precision.is_day() {
                o.effective
            } else {
                o.last_local_day()
                    .min(ctx.today)
                    .max(o.local_day())
                    .and_time(
                        chrono::NaiveTime::from_hms_opt(23, 59, 59)
                            .unwrap_or(chrono::NaiveTime::MIN),
                    )
            }
        };
        let since_last = shown.first().map_or(since, |o| last_instant(o));
        let candidates: Vec<&Observation> = ctx
            .observations(&spec.blasts)
            .filter(|o| blasts_unreadable(o).is_none())
            .filter(|o| !shown.first().is_some_and(|shown| std::ptr::eq(*shown, *o)))
            .filter(|o| last_instant(o) > since)
            .filter(|o| o.beyond("below", spec.blasts_remission_below) != Some(true))
            .collect();
        let surely_after = |o: &&Observation| o.effective > since_last;
        let Some(later) = candidates
            .iter()
            .copied()
            .filter(surely_after)
            .min_by_key(|o| o.effective)
        else {
            // Blasts at or above the cut-off in a month that may be before the remission or
            // after it: a relapse from it only by a day the record never gave.
            if let Some(doubt) = candidates
                .iter()
                .filter(|o| o.beyond("at_least", spec.blasts_remission_below) == Some(true))
                .min_by_key(|o| o.effective)
            {
                let remission_day = shown.first().map_or_else(
                    || since.date().to_string(),
                    |o| o.effective_precision.format(o.local_day()),
                );
                return Some(format!(
                    "the day of the marrow blasts {} dated {} alone: whether after the remission \
                     of {} {} ({remission_day}) cannot be told, and its day would decide a \
                     relapse ({}% or more)",
                    blasts_text(doubt),
                    doubt.day_text(),
                    line.label(),
                    line.regimen,
                    trim_number(spec.blasts_remission_below)
                ));
            }
            continue;
        };
        let cut = trim_number(spec.blasts_remission_below);
        if later.beyond("at_least", spec.blasts_remission_below) != Some(true) {
            return Some(format!(
                "whether the marrow blasts of {} ({}) are at least {cut}% (relapse after the remission of {} {})",
                later.local_day(),
                blasts_text(later),
                line.label(),
                line.regimen
            ));
        }
        outcome.verdict = Verdict::Met;
        outcome.evidence.push(line_evidence(id, ctx.record, line));
        outcome.evidence.extend(
            shown
                .iter()
                .map(|observation| observation_evidence(id, observation)),
        );
        outcome.evidence.push(observation_evidence(id, later));
        outcome.reasons.push(format!(
            "{}: {words}, then marrow blasts {} on {} (relapse: {cut}% or more)",
            describe_line(ctx.record, line),
            blasts_text(later),
            later.local_day()
        ));
        return None;
    }
    None
}

/// "on 2026-03-05", or "dated 2026-03 alone" for a relapse shown by a status or a value of a
/// month or a year alone.
fn relapse_when(progression: &Progression) -> String {
    if progression.last > progression.date {
        format!("dated {} alone", progression.dated())
    } else {
        format!("on {}", progression.date)
    }
}

pub fn relapse_after_procedure(
    ctx: &Context<'_>,
    id: &str,
    spec: &RelapseAfterProcedure,
) -> Outcome {
    let mut outcome = Outcome::new();
    outcome.verdict = Verdict::NotMet;
    let progressions = progressions(ctx);
    // A procedure dated by a window (an age, a month) counts only when the relapse is within
    // the window after every day it may have been done; when only some, whether it counts is
    // not known, as for one with no date at all while a relapse is recorded
    // (`asct_date_missing_when_transplanted`, reference section 4).
    let mut undecided: Option<String> = None;
    let window = spec.window();
    for procedure in ctx.procedures(&spec.procedure) {
        let Some((day, last_day)) = procedure.window() else {
            if let Some(progression) = progressions.events.first() {
                undecided.get_or_insert_with(|| {
                    format!(
                        "the date of {} (not recorded), to tell whether the relapse {} came \
                         within {} of it",
                        procedure.name(),
                        relapse_when(progression),
                        window.words()
                    )
                });
            }
            continue;
        };
        let window_end = window.after(day);
        // Within the window for every day the procedure and the relapse may have been on
        // (a relapse dated by a month or a year alone is every day of it, never its first).
        let surely_within = |p: &&Progression| p.date > last_day && p.last <= window_end;
        // Within it for some of those days, not for others: which, only their days would say.
        let in_doubt = progressions
            .events
            .iter()
            .find(|p| p.last > day && p.date <= window.after(last_day) && !surely_within(p));
        if let Some(progression) = in_doubt {
            undecided.get_or_insert_with(|| {
                if last_day > day {
                    format!(
                        "the day of {} (recorded only as {}), to tell whether the relapse {} came \
                         within {} of it",
                        procedure.name(),
                        procedure.when_words(),
                        relapse_when(progression),
                        window.words()
                    )
                } else {
                    format!(
                        "the day of the relapse dated {} alone ({}): whether after {} on {day} and \
                         within {} of it (up to {window_end}) cannot be told",
                        progression.dated(),
                        progression.words,
                        procedure.name(),
                        window.words()
                    )
                }
            });
        }
        if let Some(progression) = deciding(progressions.events.iter().filter(surely_within)) {
            if !progression.confirmed {
                outcome.verdict = Verdict::Undecided;
                outcome.missing.push(to_confirm(
                    progression,
                    ctx.set.progression.consecutive_assessments,
                ));
                return outcome;
            }
            let words = &progression.words;
            // Of a month alone: at least the days from the procedure's first day to the
            // relapse's first, said as such.
            let after = if progression.last > progression.date {
                format!("in {}", progression.dated())
            } else {
                span((progression.date - day).num_days())
            };
            outcome.verdict = Verdict::Met;
            outcome.progression_shown_confirmed = progression.shown_confirmed;
            outcome.evidence.push(procedure_evidence(id, procedure));
            outcome.reasons.push(format!(
                "relapse {after} after {} ({words}; within {})",
                procedure.name(),
                window.words()
            ));
            return outcome;
        }
        // Said as what is known: a relapse that may or may not be within the window is no
        // "no relapse".
        outcome.reasons.push(match in_doubt {
            Some(relapse) if last_day > day => format!(
                "{} {}: the relapse {} is within {} of some of those days, not of \
                 others",
                procedure.name(),
                procedure.when_words(),
                relapse_when(relapse),
                window.words()
            ),
            Some(relapse) => format!(
                "{} on {}: the relapse dated {} alone is within {} of it on some of its days, \
                 not on others",
                procedure.name(),
                procedure.when_words(),
                relapse.dated(),
                window.words()
            ),
            // A relapse after the window is said with its day: "no relapse" would hide the
            // current relapse, and a day past the window reads as a boundary.
            None => match deciding(progressions.events.iter().filter(|p| p.date > last_day)) {
                Some(later) if last_day == day && later.last == later.date => format!(
                    "{} on {}: relapse {} days after it ({}): not within {}, up to {window_end}",
                    procedure.name(),
                    procedure.when_words(),
                    (later.date - day).num_days(),
                    later.words,
                    window.words_exact(),
                ),
                Some(later) if last_day == day => format!(
                    "{} on {}: relapse in {}, after it ({}): not within {}, up to {window_end}",
                    procedure.name(),
                    procedure.when_words(),
                    later.dated(),
                    later.words,
                    window.words_exact(),
                ),
                Some(later) => format!(
                    "{} {}: relapse more than {} after every day it may have been ({})",
                    procedure.name(),
                    procedure.when_words(),
                    window.words(),
                    later.words
                ),
                None => format!(
                    "{} on {}: no relapse within {}",
                    procedure.name(),
                    procedure.when_words(),
                    window.words()
                ),
            },
        });
    }
    if let Some(missing) = undecided {
        outcome.verdict = Verdict::Undecided;
        outcome.missing.push(missing);
    }
    outcome
}

/// One drug's course as MAMMOTH measures time on it: the records of one ingredient, by start,
/// each begun within `gap_days` of the last dose before it. Per-dose (eMAR) and per-cycle
/// records of one course are one exposure of the drug, from its first dose to its last.
struct DrugCourse<'g, 'a> {
    ingredient: String,
    start: NaiveDate,
    last_dose: NaiveDate,
    records: Vec<&'g Given<'a>>,
}

impl DrugCourse<'_, '_> {
    /// Its first and last doses, with how many records it joins when more than one.
    fn dates(&self) -> String {
        let mut words = format!("{} to {}", self.start, self.last_dose);
        if self.records.len() > 1 {
            let _ = write!(
                words,
                ", first to last dose of {} records",
                self.records.len()
            );
        }
        words
    }

    /// The lines any of its records was part of (see [`lines_of`]), by start.
    fn lines<'c>(&self, ctx: &'c Context<'_>, classes: &[String]) -> Vec<&'c TreatmentLine> {
        let mut lines: Vec<&TreatmentLine> = Vec::new();
        for given in &self.records {
            for line in lines_of(ctx, given, classes) {
                if !lines.iter().any(|known| std::ptr::eq(*known, line)) {
                    lines.push(line);
                }
            }
        }
        lines.sort_by_key(|line| line.start);
        lines
    }
}

/// The courses of every drug of `classes`, by start (see [`DrugCourse`]).
fn drug_courses<'g, 'a>(
    ctx: &'g Context<'a>,
    classes: &[String],
    gap_days: i64,
) -> Vec<DrugCourse<'g, 'a>> {
    let mut by_drug: BTreeMap<String, Vec<&'g Given<'a>>> = BTreeMap::new();
    for given in ctx.given_of(classes) {
        let mut names: Vec<String> = given
            .drugs_of(classes)
            .map(|d| d.ingredient.clone())
            .collect();
        if names.is_empty() {
            names.push(given.exposure.text.clone());
        }
        names.dedup();
        for name in names {
            by_drug.entry(name).or_default().push(given);
        }
    }
    let mut courses: Vec<DrugCourse<'g, 'a>> = Vec::new();
    for (ingredient, mut records) in by_drug {
        records.sort_by_key(|given| given.start());
        let mut current: Option<DrugCourse<'g, 'a>> = None;
        for given in records {
            let last = given.end().unwrap_or(ctx.today).max(given.start());
            match current.as_mut() {
                Some(course) if given.start() <= shift(course.last_dose, gap_days) => {
                    course.last_dose = course.last_dose.max(last);
                    course.records.push(given);
                }
                _ => {
                    courses.extend(current.take());
                    current = Some(DrugCourse {
                        ingredient: ingredient.clone(),
                        start: given.start(),
                        last_dose: last,
                        records: vec![given],
                    });
                }
            }
        }
        courses.extend(current);
    }
    courses.sort_by_key(|course| course.start);
    courses
}

pub fn class_refractory(ctx: &Context<'_>, id: &str, spec: &ClassRefractory) -> Outcome {
    let mut outcome = Outcome::new();
    let min_response = Response::parse_any(&spec.min_response).unwrap_or(Response::Minimal);
    let mut groups_met = Vec::new();
    let mut groups_missing = Vec::new();
    let progressions = progressions(ctx);
    for (group, classes) in &spec.groups {
        // MAMMOTH's penta-refractory asks for two drugs of a class (two PIs, two IMiDs): the
        // group is met once that many different drugs of it are refractory.
        let needed = spec.min_drugs.get(group).copied().unwrap_or(1).max(1);
        let mut refractory_to: Vec<(String, String)> = Vec::new();
        let mut pending: Option<String> = None;
        // Drugs of the group given too briefly to be refractory to (MAMMOTH: at least 4 weeks
        // on the drug), each said where the group is not met: a short exposure, then
        // progression, is a reason the label is not given, not a silence.
        let mut too_short: Vec<String> = Vec::new();
        for course in drug_courses(ctx, classes, spec.course_gap_days) {
            if refractory_to.len() >= needed {
                break;
            }
            let (start, last_dose) = (course.start, course.last_dose);
            let name = course.ingredient.clone();
            let days_on = (last_dose - start).num_days();
            if days_on < spec.min_days_on_drug {
                too_short.push(format!(
                    "{name} given {days_on} days ({}), under the {} ({} days) on a drug that refractoriness to it needs",
                    course.dates(),
                    span(spec.min_days_on_drug),
                    spec.min_days_on_drug
                ));
                continue;
            }
            let lines = course.lines(ctx, classes);
            let Some(first_line) = lines.first().copied() else {
                continue;
            };
            if refractory_to
                .iter()
                .any(|(known, _)| known.eq_ignore_ascii_case(&name))
            {
                continue;
            }
            // MAMMOTH: "PD on it or within 60 days of the last dose", from the drug's own
            // first and last doses (not the line's).
            let progressed =
                progressions.first_between(start, shift(last_dose, spec.progression_window_days));
            if let Some(progression) = progressed
                && !progression.confirmed
            {
                pending.get_or_insert_with(|| format!("{name}: {}", progression.words));
                continue;
            }
            let window_end = shift(last_dose, spec.progression_window_days);
            if progressed.is_none()
                && let Some(across) = progressions.across(start, window_end)
            {
                pending.get_or_insert_with(|| {
                    format!(
                        "{name}: the day of a progression dated {} alone ({}), whether within \
                         {} days of its last dose ({window_end}) or after",
                        across.dated(),
                        across.words,
                        spec.progression_window_days
                    )
                });
                continue;
            }
            if let Some(progression) = progressed {
                // The line the drug was in when the disease progressed (a maintenance dose is
                // judged against the earlier doses of that line).
                let line = lines
                    .iter()
                    .copied()
                    .rfind(|l| l.start <= progression.date)
                    .unwrap_or(first_line);
                let maintenance = Some(progression.date)
                    .filter(|day| *day <= last_dose)
                    .and_then(|day| reduced_maintenance(ctx, line, day));
                if maintenance.is_some() && !spec.reduced_maintenance_counts {
                    continue;
                }
                // The date, with the assessments that showed it when they did (the values of a
                // rise of the M-protein, a confirmed disease status).
                let mut why = format!(
                    "progression on {}, on it or within {} days of its last dose",
                    progression.when(),
                    spec.progression_window_days
                );
                if let Some(words) = maintenance {
                    let _ = write!(why, ", {words}: counted as refractory (IMWG sets no dose)");
                }
                let _ = write!(why, "; on it {}", course.dates());
                refractory_to.push((name.clone(), format!("{name} ({why})")));
                outcome.evidence.push(line_evidence(id, ctx.record, line));
                continue;
            }
            // MAMMOTH judges a drug on its own time: a line's response counts against it only
            // when the line was over and the response assessed while the drug was given or
            // within the window after its last dose; a line not yet assessed says nothing.
            let window_end = shift(last_dose, spec.progression_window_days);
            // A response assessed in a month alone counts only when all of its month (up to
            // today) is in the drug's window; one whose month holds the window's end leaves the
            // drug undecided, said (never read on its first day).
            let short_of = |line: &TreatmentLine| {
                best_response_dated(ctx, line)
                    .filter(|(response, _)| response.depth() < min_response.depth())
                    .map(|(response, day)| {
                        (
                            response,
                            day.map(|day| (day, assessed_last_day(ctx, line, day))),
                        )
                    })
            };
            let across = lines.iter().find_map(|line| {
                let (response, (day, last)) = short_of(line).and_then(|(r, d)| Some((r, d?)))?;
                (line.end.is_some() && day >= start && day <= window_end && last > window_end)
                    .then(|| (response, super::dates::dated(day, last)))
            });
            if let Some((response, dated)) = across {
                pending.get_or_insert_with(|| {
                    format!(
                        "{name}: the day of a response ({response}) dated {dated} alone, whether \
                         within {} days of its last dose ({window_end}) or after, cannot be told",
                        spec.progression_window_days
                    )
                });
                continue;
            }
            let never_responded = lines.iter().find(|line| {
                line.end.is_some()
                    && short_of(line).is_some_and(|(_, dated)| {
                        dated.is_none_or(|(day, last)| day >= start && last <= window_end)
                    })
            });
            if let Some(line) = never_responded {
                refractory_to.push((
                    name.clone(),
                    format!(
                        "{name} (never reached {min_response}; on it {})",
                        course.dates()
                    ),
                ));
                outcome.evidence.push(line_evidence(id, ctx.record, line));
            }
        }
        let group_words = group.replace('_', " ");
        let found: Vec<String> = refractory_to.into_iter().map(|(_, words)| words).collect();
        if found.len() >= needed {
            groups_met.push(format!("{group_words}: {}", found.join(", ")));
            continue;
        }
        outcome.short_of.extend(too_short.iter().cloned());
        let mut short = group_words;
        if needed > 1 {
            let _ = write!(
                short,
                " ({needed} different drugs of the class needed, {} found",
                found.len()
            );
            if !found.is_empty() {
                let _ = write!(short, ": {}", found.join(", "));
            }
            short.push(')');
        }
        match pending {
            Some(words) => groups_missing.push(format!(
                "{short} (progression pending confirmation: {words})"
            )),
            None => groups_missing.push(short),
        }
    }
    if groups_missing.is_empty() {
        outcome.verdict = Verdict::Met;
        outcome.reasons.push(format!(
            "refractory to every class: {}",
            groups_met.join("; ")
        ));
    } else {
        outcome.verdict = Verdict::NotMet;
        if !groups_met.is_empty() {
            outcome
                .reasons
                .push(format!("refractory to {}", groups_met.join("; ")));
        }
        outcome.reasons.push(format!(
            "not (known to be) refractory to: {}",
            groups_missing.join(", ")
        ));
    }
    outcome
}

pub fn induction_failure(ctx: &Context<'_>, id: &str, spec: &InductionFailure) -> Outcome {
    let mut outcome = Outcome::new();
    let remission = parse_responses(&spec.remission_responses);
    let mut courses_without = 0u32;
    // What would decide each undecided course.
    let mut pending: Vec<String> = Vec::new();
    // Intensive courses seen, the undecided ones too.
    let mut courses = 0u32;
    // What would tell whether each course of unknown intensity without remission was intensive.
    let mut intensity_unknown: Vec<String> = Vec::new();
    for line in ctx.lines.iter().map(AsRef::as_ref) {
        if !pending.is_empty() && courses >= spec.min_courses {
            break;
        }
        match intensity(ctx, spec, line) {
            Intensity::Intensive => {}
            Intensity::NotIntensive => {
                // Remission on a less intensive regimen still means the disease responded.
                if best_response(ctx, line).is_some_and(|r| remission.contains(&r)) {
                    outcome
                        .reasons
                        .push(format!("{}: remission", describe_line(ctx.record, line)));
                    outcome.verdict = Verdict::NotMet;
                    return outcome;
                }
                continue;
            }
            // A course that may have been intensive: a remission after it still means the
            // disease responded; without one, it may be a course that counts.
            Intensity::Unknown(what) => {
                match course_result(ctx, spec, line, &remission) {
                    CourseResult::Remission(words, _) => {
                        outcome
                            .reasons
                            .push(format!("{}: {words}", describe_line(ctx.record, line)));
                        outcome.verdict = Verdict::NotMet;
                        return outcome;
                    }
                    CourseResult::NoRemission(words, _) => {
                        outcome.reasons.push(format!(
                            "{}: no remission ({words}), intensity unknown",
                            describe_line(ctx.record, line)
                        ));
                        intensity_unknown.push(what);
                    }
                    CourseResult::Pending(response) => {
                        pending.push(response);
                        intensity_unknown.push(what);
                    }
                }
                continue;
            }
        }
        courses += 1;
        match course_result(ctx, spec, line, &remission) {
            CourseResult::Remission(words, _) => {
                // Still a remission under a lesser name (a recorded CR whose counts are a
                // CRi's): the conflict is named as a confounder too.
                if words.contains("conflicting evidence") {
                    outcome.confounders.push(confounder(
                        "conflicting_evidence",
                        format!("{}: {words}", describe_line(ctx.record, line)),
                    ));
                }
                outcome
                    .reasons
                    .push(format!("{}: {words}", describe_line(ctx.record, line)));
                outcome.verdict = Verdict::NotMet;
                return outcome;
            }
            // After an undecided course only a remission can still decide (a remission
            // within the first courses is not refractory, whatever the undecided one was);
            // a course without one cannot: the undecided one may have been the remission.
            CourseResult::NoRemission(words, _) if !pending.is_empty() => {
                outcome.reasons.push(format!(
                    "intensive course {courses}, {}: no remission ({words}), after a course not yet decided",
                    describe_line(ctx.record, line)
                ));
            }
            CourseResult::NoRemission(words, observations) => {
                courses_without += 1;
                if words.contains("conflicting evidence") {
                    outcome.confounders.push(confounder(
                        "conflicting_evidence",
                        format!("{}: {words}", describe_line(ctx.record, line)),
                    ));
                }
                outcome.reasons.push(format!(
                    "intensive course {courses_without}, {}: no remission ({words})",
                    describe_line(ctx.record, line)
                ));
                outcome.evidence.push(line_evidence(id, ctx.record, line));
                outcome.evidence.extend(
                    observations
                        .iter()
                        .map(|observation| observation_evidence(id, observation)),
                );
                if courses_without >= spec.min_courses {
                    outcome.verdict = Verdict::Met;
                    return outcome;
                }
            }
            CourseResult::Pending(what) => pending.push(what),
        }
    }
    // Courses of unknown intensity without remission decide only when they could make up the
    // courses needed; otherwise not met whatever they were.
    let could_be_met = courses_without + u32::try_from(intensity_unknown.len()).unwrap_or(u32::MAX)
        >= spec.min_courses;
    if pending.is_empty() && !could_be_met {
        outcome.verdict = Verdict::NotMet;
        outcome.reasons.push(format!(
            "{courses_without} intensive induction course(s) without remission (needs {})",
            spec.min_courses
        ));
    } else {
        outcome.verdict = Verdict::Undecided;
        outcome.missing.extend(pending);
        if could_be_met {
            outcome.missing.extend(intensity_unknown);
        }
    }
    outcome
}

/// Whether a course is intensive induction, or what would tell.
enum Intensity {
    Intensive,
    NotIntensive,
    /// Cytarabine alone (or with drugs that do not make the course intensive) at a dose refract
    /// cannot put against the high-dose minimum: what would, in words.
    Unknown(String),
}

fn intensity(ctx: &Context<'_>, spec: &InductionFailure, line: &TreatmentLine) -> Intensity {
    let drugs: Vec<_> = line
        .drugs
        .iter()
        .filter_map(|d| ctx.book.get(&d.ingredient))
        .collect();
    let has = |class: &String| drugs.iter().any(|d| d.has_class(class));
    if spec.intensive_all.iter().all(has) && spec.intensive_any.iter().any(has) {
        return Intensity::Intensive;
    }
    let (Some(ingredient), Some(minimum)) = (&spec.high_dose_ingredient, spec.high_dose_min) else {
        return Intensity::NotIntensive;
    };
    let high_dose_drugs: Vec<&LineDrug> = line
        .drugs
        .iter()
        .filter(|d| d.ingredient.eq_ignore_ascii_case(ingredient))
        .collect();
    if high_dose_drugs.is_empty() {
        return Intensity::NotIntensive;
    }
    let recorded_names = std::iter::once(line.regimen.as_str()).chain(
        high_dose_drugs
            .iter()
            .filter_map(|d| d.exposure_id)
            .filter_map(|id| ctx.record.exposures.iter().find(|e| e.id == id))
            .map(|e| e.text.as_str()),
    );
    let named_high_dose = recorded_names.into_iter().any(|text| {
        spec.high_dose_names
            .iter()
            .any(|name| names_phrase(text, name))
    });
    if named_high_dose {
        return Intensity::Intensive;
    }
    let mut unknown: Vec<String> = Vec::new();
    for drug in high_dose_drugs {
        match drug.dose.as_ref().map(|dose| high_dose(dose, minimum)) {
            Some(DoseAgainstMinimum::AtLeast) => return Intensity::Intensive,
            Some(DoseAgainstMinimum::Below) => {}
            Some(DoseAgainstMinimum::Unknown(why)) => unknown.push(why),
            None => unknown.push(String::from("no dose recorded")),
        }
    }
    if unknown.is_empty() {
        return Intensity::NotIntensive;
    }
    Intensity::Unknown(format!(
        "the dose of {ingredient} in {} ({}), to tell whether the course is intensive: at least {} mg/m² is high dose",
        describe_line(ctx.record, line),
        unknown.join("; "),
        trim_number(minimum)
    ))
}

/// Whether `text` names `name`, on word boundaries and without case, hyphens or spaces
/// mattering ("High dose cytarabine" names "high-dose cytarabine").
fn names_phrase(text: &str, name: &str) -> bool {
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let (text, name) = (words(text), words(name));
    !name.is_empty() && text.windows(name.len()).any(|window| window == name)
}

enum DoseAgainstMinimum {
    AtLeast,
    Below,
    /// Why it cannot be compared, in words.
    Unknown(String),
}

/// A recorded dose against the high-dose minimum (mg/m²). A dose per m² is compared in mg/m²
/// (g/m² × 1000, µg/m² ÷ 1000), per administration or per day alike (our choice: the rule's
/// minimum is the dose the regimens call high, 1000–3000 mg/m² per dose, and a daily total
/// below it has no dose at it). An absolute dose needs the body surface, which refract does
/// not read: one below the minimum is below it per m² for any body surface of 1 m² or more
/// (every adult's, whom ELN 2017 is written for), one at or above it is undecided. Any other
/// unit is never compared as if it were mg/m²: undecided, the unit named.
fn high_dose(dose: &Dose, minimum: f64) -> DoseAgainstMinimum {
    let unit: String = dose
        .unit
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '²' => '2',
            'µ' | 'μ' => 'u',
            other => other.to_ascii_lowercase(),
        })
        .collect::<String>()
        .replace(['^', '*'], "");
    let unit = unit
        .strip_suffix("/day")
        .or_else(|| unit.strip_suffix("/d"))
        .or_else(|| unit.strip_suffix("/dose"))
        .unwrap_or(&unit);
    let mg = |factor: f64| dose.value * factor;
    let compare = |value: f64| {
        if value >= minimum {
            DoseAgainstMinimum::AtLeast
        } else {
            DoseAgainstMinimum::Below
        }
    };
    match unit {
        "mg/m2" => compare(mg(1.0)),
        "g/m2" => compare(mg(1000.0)),
        "ug/m2" | "mcg/m2" => compare(mg(0.001)),
        "mg" | "g" | "ug" | "mcg" => {
            let factor = match unit {
                "g" => 1000.0,
                "mg" => 1.0,
                _ => 0.001,
            };
            if mg(factor) < minimum {
                DoseAgainstMinimum::Below
            } else {
                DoseAgainstMinimum::Unknown(format!(
                    "{} {} recorded with no body surface to make it mg/m²",
                    trim_number(dose.value),
                    dose.unit
                ))
            }
        }
        _ => DoseAgainstMinimum::Unknown(format!(
            "{} {}: a unit refract does not convert to mg/m²",
            trim_number(dose.value),
            dose.unit
        )),
    }
}
enum CourseResult<'a> {
    /// In remission, in words, with the observations that showed or allowed it: the response
    /// marrow first, when there is one, then the blood counts read with it.
    Remission(String, Vec<&'a Observation>),
    NoRemission(String, Vec<&'a Observation>),
    Pending(String),
}

fn course_result<'a>(
    ctx: &Context<'a>,
    spec: &InductionFailure,
    line: &TreatmentLine,
    remission: &[Response],
) -> CourseResult<'a> {
    let marrow = course_marrow(ctx, spec, line);
    let course = format!("{} {}", line.label(), line.regimen);
    let next = next_course_start(ctx, line);
    // The counts of the course's recovery, up to the day the next course starts or, with none,
    // `days_after_marrow` after the marrow; with the last day of that read when it is still to
    // come (no next course and the run day before it: the counts may yet recover).
    // A marrow dated by a month or a year alone: the read surely runs to `days_after_marrow`
    // after its first day, and may run to as many after its last (up to today): a count between
    // is of the recovery or not by the marrow's day, which the record never gave.
    let counts = |marrow: &Observation| {
        spec.recovery.as_ref().map(|recovery| {
            let after_marrow = |day| shift(day, recovery.days_after_marrow.max(0));
            let until = next.unwrap_or_else(|| after_marrow(marrow.local_day()));
            let may_until = next.unwrap_or_else(|| {
                after_marrow(
                    marrow
                        .last_local_day()
                        .min(ctx.today)
                        .max(marrow.local_day()),
                )
            });
            let reading = recovery::at_marrow(
                recovery::Records {
                    record: ctx.record,
                    today: ctx.today,
                },
                recovery,
                marrow,
                line.start,
                (until, may_until),
                &course,
            );
            let open = Some(may_until).filter(|until| next.is_none() && ctx.today < *until);
            (recovery, reading, open)
        })
    };
    // Blasts in a unit that is not a percent, or with none and a value a fraction could be,
    // are never read as a percent (review R7-2): named, as an M-protein's unknown unit is.
    let unreadable = marrow.and_then(|o| blasts_unreadable(o).map(|why| (o, why)));
    let marrow = marrow.filter(|_| unreadable.is_none());
    if let Some(response) = best_response(ctx, line) {
        if !remission.contains(&response) {
            return CourseResult::NoRemission(format!("best response {response}"), Vec::new());
        }
        // Contradicting evidence (docs/architecture.md, evidence policy): the criterion's own
        // measure decides. Marrow blasts at or above the remission cut-off contradict a recorded
        // remission (the reverse does not hold: blasts below it are necessary for CR, not
        // sufficient).
        if let Some(observation) = marrow
            && observation.beyond("at_least", spec.blasts_remission_below) == Some(true)
        {
            return CourseResult::NoRemission(
                format!(
                    "recorded {response}, but marrow blasts {} on {}: conflicting evidence, the blasts decide",
                    blasts_text(observation),
                    observation.local_day()
                ),
                vec![observation],
            );
        }
        // The blood counts, CR's and CRi's other measure, may name it lower (a recorded CR
        // whose counts are a CRi's), but never overrule it to no remission: counts missing from
        // the record (a recovery checked elsewhere, a count after the next course was planned)
        // would otherwise make a clinician's recorded CR "primary refractory", and a
        // recorded CRi with both counts short is one reading of ELN's "or" (recovery.rs,
        // `classify`). Counts of an MLFS name the conflict; the recorded remission stands.
        // Counts that are missing or do not say leave the recorded response as it is.
        if let Some(observation) = marrow
            && let Some((recovery, recovery::Reading::Counts { anc, platelets }, _)) =
                counts(observation)
            && let Ok(classified) = recovery::classify(recovery, &anc, &platelets, remission)
        {
            let shown = vec![observation, anc.observation, platelets.observation];
            let said = format!(
                "{}: {}",
                recovery::counts_text(&anc, &platelets),
                recovery::response_text(&classified, remission)
            );
            if !remission.contains(&classified.response) {
                return CourseResult::Remission(
                    format!(
                        "recorded {response}, but marrow blasts {} on {}, {said}: conflicting evidence, the recorded {response} stands (blood counts do not overrule a recorded remission)",
                        blasts_text(observation),
                        observation.local_day()
                    ),
                    shown,
                );
            }
            if classified.response.depth() < response.depth() {
                return CourseResult::Remission(
                    format!(
                        "recorded {response}, but {said}: conflicting evidence, the blood counts decide (still a remission)"
                    ),
                    shown,
                );
            }
            return CourseResult::Remission(format!("remission ({response}; {said})"), shown);
        }
        return CourseResult::Remission(
            format!("remission ({})", response_said(ctx, line, response)),
            marrow.into_iter().collect(),
        );
    }
    if let Some((observation, why)) = unreadable {
        return CourseResult::Pending(format!(
            "marrow blasts of {} in percent (recorded {}: {why})",
            observation.local_day(),
            observation.value_text()
        ));
    }
    // A count reported as a bound ("< 5 %") decides when every value it allows does.
    match marrow.map(|o| (o, o.beyond("below", spec.blasts_remission_below))) {
        Some((observation, Some(true))) => {
            let blasts = format!(
                "marrow blasts {} on {}",
                blasts_text(observation),
                observation.local_day()
            );
            // Blasts below the cut-off are CR, CRi or MLFS: the blood counts tell which.
            match counts(observation) {
                None => CourseResult::Remission(
                    format!("{blasts} (morphologic remission)"),
                    vec![observation],
                ),
                Some((_, recovery::Reading::Missing(what), _)) => CourseResult::Pending(what),
                Some((recovery, recovery::Reading::Counts { anc, platelets }, open)) => {
                    match recovery::classify(recovery, &anc, &platelets, remission) {
                        Err(question) => CourseResult::Pending(question),
                        Ok(classified) => {
                            let said = format!(
                                "{}: {}",
                                recovery::counts_text(&anc, &platelets),
                                recovery::response_text(&classified, remission)
                            );
                            let shown = vec![observation, anc.observation, platelets.observation];
                            if remission.contains(&classified.response) {
                                CourseResult::Remission(format!("{blasts}, {said}"), shown)
                            } else if let Some(until) = open {
                                // Not yet an MLFS: the counts may still recover before the
                                // read closes.
                                CourseResult::Pending(format!(
                                    "blood counts of {course} up to {until} (so far {said}; a recovery by then makes it a CR or CRi)"
                                ))
                            } else {
                                CourseResult::NoRemission(format!("{blasts}, {said}"), shown)
                            }
                        }
                    }
                }
            }
        }
        Some((observation, Some(false))) => CourseResult::NoRemission(
            format!(
                "marrow blasts {} on {}",
                blasts_text(observation),
                observation.local_day()
            ),
            vec![observation],
        ),
        Some((observation, None)) if observation.value.is_some() => CourseResult::Pending(format!(
            "whether the marrow blasts of {} ({}) are below {}%",
            observation.local_day(),
            blasts_text(observation),
            trim_number(spec.blasts_remission_below)
        )),
        _ => CourseResult::Pending(format!(
            "response to {} {} (a marrow assessment or recorded response within {} days of {})",
            line.label(),
            line.regimen,
            spec.assessment_days,
            line.start
        )),
    }
}

/// The day the course after `line` starts, if one does.
fn next_course_start(ctx: &Context<'_>, line: &TreatmentLine) -> Option<NaiveDate> {
    ctx.lines
        .iter()
        .map(|l| l.start)
        .filter(|start| *start > line.start)
        .min()
}

/// The marrow that is a course's response: within `assessment_days` of its start and no later
/// than the day the next course starts (a marrow that day is the pre-treatment one, drawn
/// before it; a later one belongs to the next course). ELN 2017's CR needs recovered counts
/// (ANC >= 1.0, platelets >= 100), which a day-14 nadir marrow precedes: by default the last
/// marrow of the window decides, not the first (`response_marrow`).
fn course_marrow<'a>(
    ctx: &Context<'a>,
    spec: &InductionFailure,
    line: &TreatmentLine,
) -> Option<&'a Observation> {
    let window_end = shift(line.start, spec.assessment_days);
    let until = next_course_start(ctx, line).map_or(window_end, |next| next.min(window_end));
    let in_window = ctx
        .observations(&spec.blasts)
        // Of a month or a year alone, only when all of it (up to today) is in the window.
        .filter(move |o| o.local_day() > line.start && o.last_local_day().min(ctx.today) <= until);
    if spec.response_marrow == "first" {
        in_window.min_by_key(|o| o.effective)
    } else {
        in_window.max_by_key(|o| o.effective)
    }
}
