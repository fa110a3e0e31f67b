//! The monoclonal protein of myeloma read as a series (IMWG 2016; `[m_protein]` of the rule
//! set): serum M-protein, 24-hour urine M-protein and, when neither is measurable, the
//! difference between the involved and the uninvolved serum free light chain. From the series
//! come progressions (a rise from the nadir, confirmed by consecutive values; a value not read
//! that could be a rise the values after it do not settle, a progression still to be decided) and a line's response (the fall of
//! the serum M-protein from the line's baseline, or of the urine M-protein when the urine is
//! the line's measurable disease). The line criteria
//! (`oncology.rs`) read both as they read a recorded response or disease status; this module
//! says which decides when they disagree, and says every finding with its values and dates.
//! Reading the values into series and scanning them is `m_protein_series.rs`; this module
//! reads them for one rule set on one record (its lines, its day).
//! A complete response needs immunofixation and marrow, which these values cannot show: the
//! series never says more than a very good partial response.

use chrono::NaiveDate;

use super::context::Context;
use super::dates::shift;
use super::describe::confounder;
use super::m_protein_series::{
    Acted, LineReading, Log, Point, Reading, SLACK, Scan, Series, category, percent,
    progressions_of, serum_series, set_aside,
};
use super::model::{FlcResponse, MProtein, UrineResponse};
use super::outcome::Outcome;
use super::progression::Progression;
use crate::domain::observation_codes::display::number;
use crate::domain::{Evidence, EvidenceKind, Response, TreatmentLine};

/// The series as the rule set of `ctx` reads its record.
fn read_record(ctx: &Context<'_>) -> Reading {
    let mut reading = Reading::default();
    let Some(spec) = &ctx.set.m_protein else {
        return reading;
    };
    let observations = &ctx.record.observations;
    let mut log = Log::default();
    let serum = serum_series(observations, spec, ctx.today, &mut log);
    // IMWG measures a response from where each line began, and progression on a line from
    // the lowest value since: every line's start begins a new nadir.
    let resets: Vec<NaiveDate> = ctx.lines.iter().map(|line| line.start).collect();
    let window = ctx.set.progression.new_line_confirms_days;
    // A rise dated by a month or a year alone (`first` to `last`) is acted on by a line begun
    // after every day of it and within the window of every day of it; a line begun in its
    // month, or after the window of its first day but within that of its last, may or may not
    // have been: said, never read on its first day.
    let acted_on = |first: NaiveDate, last: NaiveDate, next: Option<NaiveDate>| {
        let begun = |line: &TreatmentLine, from: NaiveDate, to: NaiveDate| {
            window > 0
                && line.start > from
                && line.start <= shift(to, window)
                && next.is_none_or(|next| line.start <= next)
        };
        let words =
            |line: &TreatmentLine| format!("{} {} on {}", line.label(), line.regimen, line.start);
        let lines = || ctx.lines.iter().map(AsRef::as_ref);
        if let Some(line) = lines().find(|line| begun(line, last, first)) {
            return Some(Acted::Surely(words(line)));
        }
        lines()
            .find(|line| begun(line, first, last))
            .map(|line| Acted::Untold(words(line)))
    };
    let found = progressions_of(
        observations,
        spec,
        &ctx.set.progression,
        ctx.today,
        &Scan {
            resets: &resets,
            acted_on: &acted_on,
        },
        &serum,
        &mut log,
    );
    set_aside(observations, spec, ctx.today, &mut log);
    reading.events = found.events;
    reading.refuted = found.refuted;
    reading.sources = found.sources;
    // A value refract could not read may be anything. One that could be a rise making a
    // progression (alone, or with the values beside it: see `unread_progressions`) is a
    // progression that may have happened, still to be decided, with the values that would
    // decide it as what is missing. The criteria read it as a progression pending
    // confirmation: a line whose window (on therapy or within the days after its last dose)
    // it falls in is undecided, never "not refractory", unless a confirmed progression there
    // already decides; a relapse after it is undecided too. One the values after it settle
    // (the next value no rise from the nadir, so that whatever it is it could only be a rise
    // refuted), or one before every value read (it could only be a first value, the baseline
    // at diagnosis that a line's own baseline replaces), decides nothing and stays a note;
    // a line's response is read from the values that were read, in a row (a value not read
    // is no confirmed value: IMWG 2016 measures from confirmed values). Our choice, for IMWG
    // 2016's "two consecutive assessments" read from values refract may not guess.
    for (series, date, days) in &found.possible {
        let needs: Vec<&str> = log
            .unread
            .iter()
            .filter(|unread| unread.series == *series && days.contains(&unread.day))
            .map(|unread| unread.need.as_str())
            .collect();
        let listed = days
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        reading.events.push(Progression {
            date: *date,
            last: *date,
            words: format!(
                "a {} value on {listed} not read, which may be a rise from the nadir",
                series.name(),
            ),
            confirmed: false,
            assessed: true,
            shown_confirmed: false,
            at: None,
            missing: Some(format!(
                "{}: to tell whether the {} progressed (IMWG 2016, a rise from the nadir)",
                needs.join("; "),
                series.name()
            )),
        });
    }
    for line in ctx.lines.iter().map(AsRef::as_ref) {
        let series = Measured {
            serum: &serum,
            urine: &found.urine,
            light_chains: &found.light_chains,
        };
        if let Some(line_reading) = line_reading(ctx, spec, &series, line) {
            reading.lines.push((line.id, line.start, line_reading));
        }
    }
    reading.notes = log.notes;
    reading
}

/// The reading of `ctx`, worked out on first use.
fn reading<'c>(ctx: &'c Context<'_>) -> &'c Reading {
    ctx.m_protein.get_or_init(|| read_record(ctx))
}

/// Adds the progressions the series show, and the rises they refuted, to those of the record.
pub fn add_progressions(
    ctx: &Context<'_>,
    events: &mut Vec<Progression>,
    refuted: &mut Vec<String>,
) {
    let reading = reading(ctx);
    events.extend(reading.events.iter().cloned());
    refuted.extend(reading.refuted.iter().cloned());
}

/// The response of `line` the criteria read: the series' and the recorded one (a line's own, or
/// a disease status during it) as this rule set weighs them. The series decides when it falls
/// on the other side of the cut from the recorded response (the criterion's own measure decides:
/// docs/architecture.md, contradicting evidence); on the same side, the recorded one stands (it
/// may rest on urine, immunofixation or marrow, which the series does not show). Without a
/// recorded response, the series' stands alone.
pub fn decide(
    ctx: &Context<'_>,
    line: &TreatmentLine,
    recorded: Option<(Response, Option<NaiveDate>)>,
) -> Option<(Response, Option<NaiveDate>)> {
    // Only a confirmed reading weighs: one pending or never confirmed rests on fewer values
    // than IMWG asks for, and never overrides what was recorded.
    let Some(LineReading::Assessed { response, day, .. }) = reading(ctx).line(line) else {
        return recorded;
    };
    match recorded {
        Some((mine, _)) if !crosses(ctx, mine, *response) => recorded,
        _ => Some((*response, Some(*day))),
    }
}

/// The response the criteria ask for, as the rule set names it (`[m_protein.response] cut`).
fn cut_of(ctx: &Context<'_>) -> Response {
    ctx.set
        .m_protein
        .as_ref()
        .and_then(|spec| Response::parse_any(&spec.response.cut))
        .unwrap_or(Response::Minimal)
}

/// Whether a recorded response and the series' fall on either side of the rule set's cut.
fn crosses(ctx: &Context<'_>, recorded: Response, series: Response) -> bool {
    let cut = cut_of(ctx).depth();
    (recorded.depth() >= cut) != (series.depth() >= cut)
}

/// A line's response as recorded, with the day of the disease status it was read from (none
/// for the line's own recorded best response).
pub type RecordedResponse = Option<(Response, Option<NaiveDate>)>;

/// For a line with no response recorded: what would decide its response when the series has
/// seen one but not yet, or never, confirmed it.
pub fn undecided(ctx: &Context<'_>, line: &TreatmentLine) -> Option<String> {
    match reading(ctx).line(line)? {
        LineReading::Pending(what) | LineReading::Unconfirmed(what) => Some(what.clone()),
        LineReading::Assessed { .. } | LineReading::Unreadable(_) => None,
    }
}

/// Says in `outcome` what the series found that the criterion read: each line's response from
/// it, a conflict with a recorded response (also a confounder), values it could not read, and
/// the observations the responses and progressions rest on as evidence. `recorded` is a line's
/// response as recorded (without the series), with the day of the disease status it was read
/// from (none for the line's own recorded best response).
pub fn explain(
    ctx: &Context<'_>,
    id: &str,
    outcome: &mut Outcome,
    recorded: &dyn Fn(&TreatmentLine) -> RecordedResponse,
) {
    let reading = reading(ctx);
    let mut sources: Vec<&(i64, String)> = reading.sources.iter().collect();
    for line in ctx.lines.iter().map(AsRef::as_ref) {
        let Some(line_reading) = reading.line(line) else {
            continue;
        };
        let name = format!("{} {}", line.label(), line.regimen);
        let (mine, mine_day) = recorded(line).unzip();
        let mine_day = mine_day.flatten();
        // A status of progressive disease observed after the response the series shows is a
        // progression after that response, not the line's best response: no conflict to name.
        if let (
            LineReading::Assessed {
                words,
                sources: own,
                series,
                day,
                ..
            },
            Some(Response::Progression),
            Some(progressed),
        ) = (line_reading, mine, mine_day)
            && *day < progressed
        {
            outcome.reasons.push(format!(
                "{name}: best response from the {series}: {words}; the progressive disease recorded on {progressed} is a progression after it, not a best response"
            ));
            sources.extend(own);
            continue;
        }
        match (line_reading, mine) {
            (
                LineReading::Assessed {
                    words,
                    sources: own,
                    series,
                    ..
                },
                None,
            ) => {
                outcome
                    .reasons
                    .push(format!("{name}: best response from the {series}: {words}"));
                sources.extend(own);
            }
            (
                LineReading::Assessed {
                    response,
                    words,
                    sources: own,
                    series,
                    ..
                },
                Some(mine),
            ) => {
                if crosses(ctx, mine, *response) {
                    let text = format!(
                        "{name}: recorded best response {mine}, but the {series} shows {words}: conflicting evidence, the M-protein decides"
                    );
                    outcome
                        .confounders
                        .push(confounder("conflicting_evidence", text.clone()));
                    outcome.reasons.push(text);
                    sources.extend(own);
                } else if *response != mine
                    // The series says at most VGPR: a recorded complete response agrees with it.
                    && !(mine.depth() > Response::VeryGoodPartial.depth()
                        && *response == Response::VeryGoodPartial)
                {
                    // Said briefly: it changes nothing the criteria read.
                    outcome.reasons.push(format!(
                        "{name}: recorded best response {mine}, the {series}'s {response}: the recorded one stands (the same side of {}; it may rest on urine, immunofixation or marrow)",
                        cut_of(ctx)
                    ));
                }
            }
            (LineReading::Unreadable(why), None) => {
                outcome.reasons.push(format!("{name}: {why}"));
            }
            _ => {}
        }
    }
    outcome.reasons.extend(reading.notes.iter().cloned());
    for (observation, text) in sources {
        if !outcome
            .evidence
            .iter()
            .any(|e| e.kind == EvidenceKind::Observation && e.id == *observation)
        {
            outcome.evidence.push(Evidence {
                criterion: id.to_owned(),
                kind: EvidenceKind::Observation,
                id: *observation,
                text: text.clone(),
                also: Vec::new(),
                content: String::new(),
            });
        }
    }
}

/// What the M-protein says of `line`'s response, read from the measurable disease (IMWG 2016
/// judges a response on it): the serum M-protein when its baseline is measurable, else the
/// 24-hour urine M-protein when its baseline is (`measurable_urine`) and the rule set grades
/// the urine (`[m_protein.urine_response]`). When both are measurable the serum decides, as it
/// did before the urine was read (a choice: IMWG asks both to fall then, and a recorded
/// response may say so). `None` when there is no value on the line.
fn line_reading(
    ctx: &Context<'_>,
    spec: &MProtein,
    measured: &Measured<'_>,
    line: &TreatmentLine,
) -> Option<LineReading> {
    let rules = &spec.response;
    let from_serum = series_reading(
        ctx,
        spec,
        &Grading {
            series: Series::Serum,
            measurable: spec.measurable_serum,
            minimal: rules.minimal,
            least: "a minimal response",
            grade: &|fall, _| category(rules, fall),
        },
        measured.serum,
        line,
    );
    if !matches!(from_serum, None | Some(LineReading::Unreadable(_))) {
        return from_serum;
    }
    let from_urine = spec.urine_response.as_ref().and_then(|urine_rules| {
        series_reading(
            ctx,
            spec,
            &Grading {
                series: Series::Urine,
                measurable: spec.measurable_urine,
                minimal: urine_rules.minimal,
                least: "a minimal response",
                grade: &|fall, value| urine_category(urine_rules, fall, value),
            },
            measured.urine,
            line,
        )
    });
    let from_m_protein = match from_urine {
        Some(LineReading::Unreadable(_)) | None => from_serum.or(from_urine),
        reading => reading,
    };
    if !matches!(from_m_protein, None | Some(LineReading::Unreadable(_))) {
        return from_m_protein;
    }
    // The light chains are read only when neither M-protein is measurable in the record
    // (`progressions_of`): then they are the disease a response is measured on (IMWG 2016).
    let Some(flc_rules) = &spec.flc_response else {
        return from_m_protein;
    };
    let from_light_chains = series_reading(
        ctx,
        spec,
        &Grading {
            series: Series::LightChains,
            measurable: flc_rules.measurable,
            minimal: flc_rules.partial,
            least: "a partial response (IMWG sets no minimal response by the light chains)",
            grade: &|fall, _| flc_category(flc_rules, fall),
        },
        measured.light_chains,
        line,
    );
    match from_light_chains {
        Some(LineReading::Unreadable(_)) | None => from_m_protein.or(from_light_chains),
        reading => reading,
    }
}

/// The series a line's response may be read from.
struct Measured<'m> {
    serum: &'m [Point],
    urine: &'m [Point],
    light_chains: &'m [Point],
}

/// The category the free light chain difference reaches by its fall (IMWG 2016): VGPR at
/// `very_good_partial`, PR at `partial`, else stable disease.
fn flc_category(rules: &FlcResponse, fall: f64) -> Response {
    if fall + SLACK >= rules.very_good_partial {
        Response::VeryGoodPartial
    } else if fall + SLACK >= rules.partial {
        Response::Partial
    } else {
        Response::Stable
    }
}

/// The category the urine M-protein reaches (IMWG 2016): VGPR below
/// `very_good_partial_below` mg/24 h, PR a fall of `partial` or to below `partial_below` mg/24
/// h with a fall of at least `partial_below_min_fall` (so that a small fall across 200 mg/24 h
/// never outranks a larger one that is only MR), MR a fall of `minimal`; else stable disease.
/// A bound ("< 100") is read as its bound, so "< 100" is not below 100: it can only make the
/// response look smaller.
fn urine_category(rules: &UrineResponse, fall: f64, value: f64) -> Response {
    if value + SLACK < rules.very_good_partial_below {
        Response::VeryGoodPartial
    } else if fall + SLACK >= rules.partial
        || (value + SLACK < rules.partial_below && fall + SLACK >= rules.partial_below_min_fall)
    {
        Response::Partial
    } else if fall + SLACK >= rules.minimal {
        Response::Minimal
    } else {
        Response::Stable
    }
}

/// How a series grades a line's response: the series, its measurable baseline, the fall of a
/// minimal response (for the words), and the category a value reaches by its fall from the
/// baseline and its value.
struct Grading<'g> {
    series: Series,
    measurable: f64,
    minimal: f64,
    /// The least response the series grades, in words, for a fall short of `minimal`.
    least: &'static str,
    grade: &'g dyn Fn(f64, f64) -> Response,
}

/// What one series says of `line`'s response: from its baseline (the last value at or before
/// its start, within `baseline_days`) to its values after the start, up to `after_end_days`
/// after its last dose and no later than the next line's start. A category counts once
/// `consecutive` values in a row reach it (the least of theirs; IMWG 2016: every response
/// category needs two consecutive assessments), stable disease included: with fewer values the
/// line's response is pending while its window is open and unknown once it closed. `None` when
/// there is no value on the line.
/// A value dated by a month or a year alone is every day of it: the line is read with each such
/// value on its first day and again on its last (its month may hold the line's start, so that
/// it is the baseline or a value on the line, or the window's end, or lie either side of
/// another value); when the two readings differ, the series says nothing of the line's
/// response but what its day would decide.
fn series_reading(
    ctx: &Context<'_>,
    spec: &MProtein,
    grading: &Grading<'_>,
    points: &[Point],
    line: &TreatmentLine,
) -> Option<LineReading> {
    let early = placed_reading(ctx, spec, grading, points, line);
    if points.iter().all(|p| p.last <= p.day) {
        return early;
    }
    let mut late_points: Vec<Point> = points
        .iter()
        .map(|p| Point {
            day: p.last.min(ctx.today).max(p.day),
            ..p.clone()
        })
        .collect();
    late_points.sort_by_key(|p| p.day);
    let late = placed_reading(ctx, spec, grading, &late_points, line);
    let says = |reading: &Option<LineReading>| match reading {
        None => String::from("no value on the line"),
        Some(LineReading::Assessed { response, .. }) => response.to_string(),
        Some(LineReading::Pending(_) | LineReading::Unconfirmed(_)) => {
            String::from("no confirmed response")
        }
        Some(LineReading::Unreadable(_)) => String::from("no response read"),
    };
    let (a, b) = (says(&early), says(&late));
    if a == b {
        return early;
    }
    let undated = points
        .iter()
        .filter(|p| p.last > p.day)
        .map(|p| p.describe(grading.series, None))
        .collect::<Vec<_>>()
        .join(", ");
    let what = format!(
        "the response to {} {} from the {}: the day of {undated}, dated by a month or a year \
         alone, cannot be told, and would decide it ({a} on its first day, {b} on its last: \
         before or after the line began on {}, or its window closed)",
        line.label(),
        line.regimen,
        grading.series.name(),
        line.start
    );
    let open = response_window_end(ctx, spec, line) > ctx.today;
    Some(if open {
        LineReading::Pending(what)
    } else {
        LineReading::Unconfirmed(what)
    })
}

/// Days after `line`'s last dose its response is read over: `after_end_days`, or for a line
/// with a drug of a class in `after_end_days_by_class` (a CAR T-cell infusion, given once) the
/// longest of those.
fn after_end_days(ctx: &Context<'_>, spec: &MProtein, line: &TreatmentLine) -> i64 {
    let rules = &spec.response;
    line.drugs
        .iter()
        .filter_map(|drug| ctx.book.get(&drug.ingredient))
        .flat_map(|drug| drug.classes.iter())
        .filter_map(|class| rules.after_end_days_by_class.get(class).copied())
        .max()
        .unwrap_or(rules.after_end_days)
}

/// The last day of `line`'s response window: [`after_end_days`] after its last dose, no later
/// than the next line's start.
fn response_window_end(ctx: &Context<'_>, spec: &MProtein, line: &TreatmentLine) -> NaiveDate {
    let next_start = ctx
        .lines
        .iter()
        .map(|l| l.start)
        .filter(|start| *start > line.start)
        .min();
    let after = shift(
        line.end.unwrap_or(ctx.today),
        after_end_days(ctx, spec, line),
    );
    next_start.map_or(after, |next| next.min(after))
}

/// [`series_reading`] with every value on its day as `points` place it.
fn placed_reading(
    ctx: &Context<'_>,
    spec: &MProtein,
    grading: &Grading<'_>,
    points: &[Point],
    line: &TreatmentLine,
) -> Option<LineReading> {
    let rules = &spec.response;
    let series = grading.series;
    let series_name = series.name();
    let name = format!("{} {}", line.label(), line.regimen);
    let window_end = response_window_end(ctx, spec, line);
    let on_line: Vec<&Point> = points
        .iter()
        .filter(|p| p.day > line.start && p.day <= window_end)
        .collect();
    if on_line.is_empty() {
        return None;
    }
    let since = shift(line.start, -rules.baseline_days);
    let Some(baseline) = points
        .iter()
        .rev()
        .find(|p| p.day <= line.start && p.day >= since)
    else {
        return Some(LineReading::Unreadable(format!(
            "no {series_name} in the {} days up to its start (the baseline its response is measured from)",
            rules.baseline_days
        )));
    };
    if baseline.bound.is_some() || baseline.value + SLACK < grading.measurable {
        return Some(LineReading::Unreadable(format!(
            "{series_name} {} at its start, below the {} {} of measurable disease (IMWG): its response is not read from it",
            baseline.describe(series, Some("baseline")),
            number(grading.measurable),
            series.unit()
        )));
    }
    let fall = |p: &Point| (baseline.value - p.value) / baseline.value;
    let grade = |p: &Point| (grading.grade)(fall(p), p.value);
    let cut = Response::parse_any(&rules.cut).unwrap_or(Response::Minimal);
    let needed = (rules.consecutive as usize).clamp(1, on_line.len().max(1));
    // The deepest category `consecutive` values in a row reach (the least any of them reaches;
    // the first run that does), with the least fall of the run; the deepest any one value
    // reaches.
    let confirmed = (rules.consecutive as usize <= on_line.len()).then(|| {
        on_line
            .windows(needed)
            .map(|run| {
                let least = run.iter().map(|p| fall(p)).fold(f64::INFINITY, f64::min);
                let reached = run
                    .iter()
                    .map(|p| grade(p))
                    .min_by_key(|response| response.depth())
                    .unwrap_or(Response::Stable);
                (reached, least, run)
            })
            .fold(
                None,
                |best: Option<(Response, f64, &[&Point])>, item| match best {
                    Some(best) if (best.0.depth(), best.1) >= (item.0.depth(), item.1) => {
                        Some(best)
                    }
                    _ => Some(item),
                },
            )
    });
    let confirmed = confirmed.flatten();
    let single = on_line.iter().map(|p| (grade(p), fall(p), *p)).fold(
        None,
        |best: Option<(Response, f64, &Point)>, item| match best {
            Some(best) if (best.0.depth(), best.1) >= (item.0.depth(), item.1) => Some(best),
            _ => Some(item),
        },
    )?;
    let listed = on_line
        .iter()
        .map(|p| p.describe(series, None))
        .collect::<Vec<_>>()
        .join(", ");
    let history = format!("{} → {listed}", baseline.describe(series, Some("baseline")));
    let assessed = |response: Response, least: f64, run: &[&Point]| {
        let words = if response.depth() >= Response::Minimal.depth() {
            let confirmed = match run.len() {
                1 => String::from("on one value"),
                n => format!("on {n} values in a row"),
            };
            format!(
                "{} ({history}: {} {confirmed}; IMWG 2016, a complete response needs immunofixation and marrow, not read here)",
                response.words(),
                percent(least),
            )
        } else if single.0.depth() >= Response::Minimal.depth() {
            // A fall deep enough once, not held on the next value: no response (IMWG counts
            // none that is not confirmed).
            format!(
                "{} ({history}: {} ({}) once, on {}, not confirmed by the next value; IMWG 2016: a response needs {} consecutive assessments)",
                response.words(),
                percent(single.1),
                single.0,
                single.2.day,
                rules.consecutive
            )
        } else {
            format!(
                "{} ({history}: at best {}, less than the {} % fall of {})",
                response.words(),
                percent(single.1),
                number(grading.minimal * 100.0),
                grading.least
            )
        };
        let mut sources = baseline.sources.clone();
        for point in run {
            sources.extend(point.sources.iter().cloned());
        }
        LineReading::Assessed {
            response,
            day: run.last().map_or(line.start, |p| p.day),
            words,
            sources,
            series: series_name,
        }
    };
    let open = window_end > ctx.today;
    let deeper_unconfirmed = single.0.depth() >= cut.depth()
        && confirmed.is_none_or(|(response, _, _)| response.depth() < cut.depth());
    if !deeper_unconfirmed && let Some((response, least, run)) = confirmed {
        return Some(assessed(response, least, run));
    }
    // Fewer than `consecutive` values, or a category at the cut or beyond seen but not held:
    // no response from the series (IMWG 2016: every category, stable disease too, needs
    // consecutive assessments). One early value short of MR is not stable disease: the fall
    // may still come, and once the window closed the series says nothing either way.
    let seen = if deeper_unconfirmed {
        format!(
            "the {series_name} reached {} once: {}, {} from {}",
            single.0,
            single.2.describe(series, None),
            percent(single.1),
            baseline.describe(series, Some("baseline"))
        )
    } else {
        let values = match on_line.len() {
            1 => format!("one {series_name} value"),
            n => format!("{n} {series_name} values"),
        };
        format!(
            "only {values} on the line, at best {} ({history})",
            percent(single.1)
        )
    };
    if open {
        return Some(LineReading::Pending(format!(
            "the response to {name}: {seen}; a second value confirming it (IMWG 2016: a response is confirmed by {} consecutive assessments)",
            rules.consecutive
        )));
    }
    match confirmed {
        // Closed without confirming the deeper category: the confirmed one stands.
        Some((response, least, run)) => Some(assessed(response, least, run)),
        None => Some(LineReading::Unconfirmed(format!(
            "best response to {name} (not recorded; {seen}, not confirmed by a second value before the next line or {} days after the last dose)",
            after_end_days(ctx, spec, line)
        ))),
    }
}
