//! Line-based criteria of the haematological cancers: a line refractory by best response or by
//! progression on therapy or within a window of its last dose (`line_refractory`), response
//! then relapse (`relapse`), relapse within a window after a procedure such as autologous
//! transplant (`relapse_after_procedure`), refractoriness per drug class (`class_refractory`,
//! triple-class refractory myeloma) and induction courses without remission
//! (`induction_failure`, primary refractory AML).
//!
//! A line's best response is the recorded one, else the best mCODE disease status observed
//! during it; progression is the recorded date, a stop for progression, or a "worsened" disease
//! status.

use chrono::NaiveDate;

use super::context::{
    Context, describe_line, line_evidence, observation_evidence, procedure_evidence, span,
};
use super::dates::shift;
use super::engine::{Outcome, Verdict};
use super::model::{
    ClassRefractory, InductionFailure, LineRefractory, Relapse, RelapseAfterProcedure,
};
use crate::domain::{Response, StopReason, TreatmentLine, observation_codes};

/// The best response of a line and where it comes from.
pub fn best_response(ctx: &Context<'_>, line: &TreatmentLine) -> Option<Response> {
    if line.best_response.is_some() {
        return line.best_response;
    }
    let until = shift(line.end.unwrap_or(ctx.today), 30);
    ctx.record
        .observations
        .iter()
        .filter(|o| o.code == observation_codes::DISEASE_STATUS)
        .filter(|o| o.effective.date() >= line.start && o.effective.date() <= until)
        .filter_map(|o| {
            o.value_code
                .as_deref()
                .and_then(Response::from_disease_status)
        })
        .max_by_key(|response| response.depth())
}

/// The first progression on or after a line's start: recorded, implied by a stop for
/// progression, or a worsened disease status.
pub fn progression(ctx: &Context<'_>, line: &TreatmentLine) -> Option<NaiveDate> {
    if let Some(date) = line.progression_date {
        return Some(date);
    }
    if line.stop_reason == Some(StopReason::Progression) {
        return line.end;
    }
    let until = line.end.unwrap_or(ctx.today);
    ctx.record
        .observations
        .iter()
        .filter(|o| o.code == observation_codes::DISEASE_STATUS)
        .filter(|o| o.value_code.as_deref() == Some(observation_codes::disease_status::WORSENED))
        .map(|o| o.effective.date())
        .filter(|day| *day >= line.start && *day <= until)
        .min()
}

/// Progression events after a date: worsened disease status, recorded line progressions.
fn progressions_after(ctx: &Context<'_>, from: NaiveDate) -> Vec<(NaiveDate, String)> {
    let mut events: Vec<(NaiveDate, String)> = ctx
        .record
        .observations
        .iter()
        .filter(|o| o.code == observation_codes::DISEASE_STATUS)
        .filter(|o| o.value_code.as_deref() == Some(observation_codes::disease_status::WORSENED))
        .filter(|o| o.effective.date() > from)
        .map(|o| {
            (
                o.effective.date(),
                format!("{} on {}", o.display, o.effective.date()),
            )
        })
        .collect();
    for line in &ctx.lines {
        if let Some(date) = line.progression_date
            && date > from
        {
            events.push((
                date,
                format!(
                    "progression recorded on {date} ({} {})",
                    line.label(),
                    line.regimen
                ),
            ));
        }
    }
    events.sort_by_key(|(date, _)| *date);
    events
}

fn parse_responses(names: &[String]) -> Vec<Response> {
    names
        .iter()
        .filter_map(|name| Response::parse_any(name))
        .collect()
}

enum LineState {
    Refractory(String),
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
) -> LineState {
    let refractory = parse_responses(&spec.refractory_responses);
    let end = line.end.unwrap_or(ctx.today);
    let ongoing = line.end.is_none_or(|e| e >= ctx.today);
    if let Some(date) = progression(ctx, line) {
        if date <= end {
            return LineState::Refractory(format!("progression on therapy ({date})"));
        }
        if let Some(window) = spec.progression_window_days
            && date <= shift(end, window)
        {
            return LineState::Refractory(format!(
                "progression {} after the last dose ({date}; within {} days)",
                span((date - end).num_days()),
                window
            ));
        }
    }
    match best_response(ctx, line) {
        Some(Response::Progression) if refractory.contains(&Response::Progression) => {
            LineState::Refractory(String::from("best response: progressive disease"))
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
                (Some(needed), Some(cycles)) if cycles < needed => {
                    LineState::NotRefractory(format!(
                        "{response} after {cycles} cycles (counts as refractory after {needed} or more)"
                    ))
                }
                (Some(needed), None) => LineState::Unknown {
                    what: format!(
                        "{}: number of cycles given ({response} counts after {needed} or more)",
                        line.label()
                    ),
                    ongoing,
                },
                _ => LineState::Refractory(format!("best response: {}", response.words())),
            }
        }
        Some(response) => LineState::Responded(response),
        None if ongoing => LineState::Unknown {
            what: format!(
                "response to {} {} (under way since {})",
                line.label(),
                line.regimen,
                line.start
            ),
            ongoing: true,
        },
        None => LineState::Unknown {
            what: format!(
                "best response to {} {} (not recorded)",
                line.label(),
                line.regimen
            ),
            ongoing: false,
        },
    }
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
    let states: Vec<(&TreatmentLine, LineState)> = lines
        .iter()
        .enumerate()
        .map(|(index, line)| (*line, classify(ctx, spec, line, index == 0)))
        .collect();

    let refractory_line = |outcome: &mut Outcome, line: &TreatmentLine, why: &str| {
        outcome
            .reasons
            .push(format!("{}: {why}", describe_line(line)));
        outcome.evidence.push(line_evidence(id, line));
    };

    match spec.which.as_str() {
        "first" | "any" => {
            let considered = if spec.which == "first" {
                &states[..1]
            } else {
                &states[..]
            };
            let mut unknown = Vec::new();
            for (line, state) in considered {
                match state {
                    LineState::Refractory(why) => refractory_line(&mut outcome, line, why),
                    LineState::Unknown { what, .. } => unknown.push(what.clone()),
                    LineState::Responded(response) => {
                        outcome
                            .reasons
                            .push(format!("{}: responded ({response})", describe_line(line)));
                    }
                    LineState::NotRefractory(why) => outcome
                        .reasons
                        .push(format!("{}: {why}", describe_line(line))),
                }
            }
            outcome.verdict = if !outcome.evidence.is_empty() {
                Verdict::Met
            } else if !unknown.is_empty() {
                outcome.missing.extend(unknown);
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
                Some((line, LineState::Refractory(why))) => {
                    refractory_line(&mut outcome, line, why);
                    outcome.verdict = Verdict::Met;
                }
                Some((line, LineState::Responded(response))) => {
                    outcome.reasons.push(format!(
                        "latest line with an outcome: {}: responded ({response})",
                        describe_line(line)
                    ));
                    outcome.verdict = Verdict::NotMet;
                }
                Some((line, LineState::NotRefractory(why))) => {
                    outcome
                        .reasons
                        .push(format!("{}: {why}", describe_line(line)));
                    outcome.verdict = Verdict::NotMet;
                }
                Some((_, LineState::Unknown { what, .. })) => {
                    outcome.missing.push(what.clone());
                    outcome.verdict = Verdict::Undecided;
                }
                None => {
                    for (_, state) in &states {
                        if let LineState::Unknown { what, .. } = state {
                            outcome.missing.push(what.clone());
                        }
                    }
                    outcome.verdict = Verdict::Undecided;
                }
            }
        }
        _ => {
            // "all": never responded to any line. A response followed by progression on
            // therapy or within the window is refractory, but not never-responded (IMWG: primary
            // refractory = never achieved at least a minimal response).
            let refractory = parse_responses(&spec.refractory_responses);
            let mut any_outcome = false;
            for (line, state) in &states {
                let responded = best_response(ctx, line)
                    .filter(|response| !refractory.contains(response))
                    .map(LineState::Responded);
                match responded.as_ref().unwrap_or(state) {
                    LineState::Refractory(why) => {
                        any_outcome = true;
                        refractory_line(&mut outcome, line, why);
                    }
                    LineState::Responded(response) => {
                        outcome
                            .reasons
                            .push(format!("{}: responded ({response})", describe_line(line)));
                        outcome.verdict = Verdict::NotMet;
                        return outcome;
                    }
                    _ => {}
                }
            }
            outcome.verdict = if any_outcome {
                Verdict::Met
            } else {
                Verdict::Undecided
            };
        }
    }
    outcome
}

pub fn relapse(ctx: &Context<'_>, id: &str, spec: &Relapse) -> Outcome {
    let mut outcome = Outcome::new();
    let responded = parse_responses(&spec.responses);
    for (index, line) in ctx.lines.iter().enumerate() {
        let Some(response) = best_response(ctx, line) else {
            continue;
        };
        if !responded.contains(&response) {
            continue;
        }
        let Some(end) = line.end else { continue };
        let after = shift(end, spec.refractory_window_days);
        let Some((date, words)) = progressions_after(ctx, after).into_iter().next() else {
            continue;
        };
        outcome.verdict = Verdict::Met;
        outcome.evidence.push(line_evidence(id, line));
        outcome.reasons.push(format!(
            "responded ({response}) to {} {}, then relapse or progression {} after its end: {words}",
            line.label(),
            line.regimen,
            span((date - end).num_days())
        ));
        if index == 0
            && let (Some(early), Some(label)) = (spec.early_days, &spec.early_label)
            && (date - end).num_days() <= early
        {
            outcome.label = Some(label.clone());
        }
        return outcome;
    }
    outcome.verdict = Verdict::NotMet;
    outcome
}

pub fn relapse_after_procedure(
    ctx: &Context<'_>,
    id: &str,
    spec: &RelapseAfterProcedure,
) -> Outcome {
    let mut outcome = Outcome::new();
    outcome.verdict = Verdict::NotMet;
    for procedure in ctx.procedures(&spec.procedure) {
        let day = procedure.performed.date();
        let window_end = shift(day, spec.window_days);
        if let Some((date, words)) = progressions_after(ctx, day)
            .into_iter()
            .find(|(date, _)| *date <= window_end)
        {
            outcome.verdict = Verdict::Met;
            outcome.evidence.push(procedure_evidence(id, procedure));
            outcome.reasons.push(format!(
                "relapse {} after {} ({words}; within {})",
                span((date - day).num_days()),
                procedure.display,
                span(spec.window_days)
            ));
            return outcome;
        }
        outcome.reasons.push(format!(
            "{} on {}: no relapse within {}",
            procedure.display,
            day,
            span(spec.window_days)
        ));
    }
    outcome
}

pub fn class_refractory(ctx: &Context<'_>, id: &str, spec: &ClassRefractory) -> Outcome {
    let mut outcome = Outcome::new();
    let min_response = Response::parse_any(&spec.min_response).unwrap_or(Response::Minimal);
    let mut groups_met = Vec::new();
    let mut groups_missing = Vec::new();
    for (group, classes) in &spec.groups {
        let mut refractory_to: Option<String> = None;
        for given in ctx.given_of(classes) {
            let start = given.start();
            let last_dose = given.end().unwrap_or(ctx.today);
            if (last_dose - start).num_days() < spec.min_days_on_drug {
                continue;
            }
            let line = ctx.lines.iter().find(|line| {
                line.drugs
                    .iter()
                    .any(|d| d.exposure_id == Some(given.exposure.id))
                    || (line.start <= shift(start, 7)
                        && line.end.is_none_or(|end| shift(end, 7) >= start))
            });
            let Some(line) = line else { continue };
            let progressed = progression(ctx, line).filter(|date| {
                *date >= start && *date <= shift(last_dose, spec.progression_window_days)
            });
            let never_responded = best_response(ctx, line)
                .is_some_and(|r| r.depth() < min_response.depth())
                && line.end.is_some();
            if progressed.is_some() || never_responded {
                let name = given
                    .drugs_of(classes)
                    .map(|d| d.ingredient.clone())
                    .next()
                    .unwrap_or_default();
                let why = match progressed {
                    Some(date) => format!(
                        "progression on {date}, on it or within {} days of its last dose",
                        spec.progression_window_days
                    ),
                    None => format!("never reached {min_response}"),
                };
                refractory_to = Some(format!("{name} ({why})"));
                outcome.evidence.push(line_evidence(id, line));
                break;
            }
        }
        match refractory_to {
            Some(words) => groups_met.push(format!("{}: {words}", group.replace('_', " "))),
            None => groups_missing.push(group.replace('_', " ")),
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
    let mut pending: Option<String> = None;
    for line in ctx.lines.iter().map(AsRef::as_ref) {
        if !is_intensive(ctx, spec, line) {
            // Remission on a less intensive regimen still means the disease responded.
            if best_response(ctx, line).is_some_and(|r| remission.contains(&r)) {
                outcome
                    .reasons
                    .push(format!("{}: remission", describe_line(line)));
                outcome.verdict = Verdict::NotMet;
                return outcome;
            }
            continue;
        }
        match course_result(ctx, spec, line, &remission) {
            CourseResult::Remission(words) => {
                outcome
                    .reasons
                    .push(format!("{}: {words}", describe_line(line)));
                outcome.verdict = Verdict::NotMet;
                return outcome;
            }
            CourseResult::NoRemission(words, observation) => {
                courses_without += 1;
                outcome.reasons.push(format!(
                    "intensive course {courses_without}, {}: no remission ({words})",
                    describe_line(line)
                ));
                outcome.evidence.push(line_evidence(id, line));
                if let Some(observation) = observation {
                    outcome.evidence.push(observation_evidence(id, observation));
                }
                if courses_without >= spec.min_courses {
                    outcome.verdict = Verdict::Met;
                    return outcome;
                }
            }
            CourseResult::Pending(what) => {
                pending = Some(what);
                break;
            }
        }
    }
    if let Some(what) = pending {
        outcome.verdict = Verdict::Undecided;
        outcome.missing.push(what);
    } else {
        outcome.verdict = Verdict::NotMet;
        outcome.reasons.push(format!(
            "{courses_without} intensive induction course(s) without remission (needs {})",
            spec.min_courses
        ));
    }
    outcome
}

fn is_intensive(ctx: &Context<'_>, spec: &InductionFailure, line: &TreatmentLine) -> bool {
    let drugs: Vec<_> = line
        .drugs
        .iter()
        .filter_map(|d| ctx.book.get(&d.ingredient))
        .collect();
    let has = |class: &String| drugs.iter().any(|d| d.has_class(class));
    let combination = spec.intensive_all.iter().all(has) && spec.intensive_any.iter().any(has);
    let high_dose = match (&spec.high_dose_ingredient, spec.high_dose_min) {
        (Some(ingredient), Some(minimum)) => line.drugs.iter().any(|d| {
            d.ingredient.eq_ignore_ascii_case(ingredient)
                && d.dose.as_ref().is_some_and(|dose| dose.value >= minimum)
        }),
        _ => false,
    };
    combination || high_dose
}

enum CourseResult<'a> {
    Remission(String),
    NoRemission(String, Option<&'a crate::domain::Observation>),
    Pending(String),
}

fn course_result<'a>(
    ctx: &Context<'a>,
    spec: &InductionFailure,
    line: &TreatmentLine,
    remission: &[Response],
) -> CourseResult<'a> {
    if let Some(response) = best_response(ctx, line) {
        return if remission.contains(&response) {
            CourseResult::Remission(format!("remission ({response})"))
        } else {
            CourseResult::NoRemission(format!("best response {response}"), None)
        };
    }
    let window_end = shift(line.start, spec.assessment_days);
    let marrow = ctx
        .observations(&spec.blasts)
        .filter(|o| o.effective.date() > line.start && o.effective.date() <= window_end)
        .min_by_key(|o| o.effective);
    match marrow.and_then(|o| o.value.map(|v| (o, v))) {
        Some((observation, blasts)) if blasts < spec.blasts_remission_below => {
            CourseResult::Remission(format!(
                "marrow blasts {blasts}% on {} (morphologic remission)",
                observation.effective.date()
            ))
        }
        Some((observation, blasts)) => CourseResult::NoRemission(
            format!(
                "marrow blasts {blasts}% on {}",
                observation.effective.date()
            ),
            Some(observation),
        ),
        None => CourseResult::Pending(format!(
            "response to {} {} (a marrow assessment or recorded response within {} days of {})",
            line.label(),
            line.regimen,
            spec.assessment_days,
            line.start
        )),
    }
}
