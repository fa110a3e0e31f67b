//! The monoclonal protein of myeloma read as a series (IMWG 2016; `[m_protein]` of the rule
//! set): serum M-protein, 24-hour urine M-protein and, when neither is measurable, the
//! difference between the involved and the uninvolved serum free light chain. From the series
//! come progressions (a rise from the nadir, confirmed by consecutive values) and a line's
//! response (the fall of the serum M-protein from the line's baseline). The line criteria
//! (`oncology.rs`) read both as they read a recorded response or disease status; this module
//! says which decides when they disagree, and says every finding with its values and dates.
//! A complete response needs immunofixation and marrow, which these values cannot show: the
//! series never says more than a very good partial response.

use std::fmt::Write as _;

use chrono::NaiveDate;

use super::context::{Context, confounder, describe_observation, names_test, selects};
use super::dates::shift;
use super::model::{MProtein, ObservationSelector, ProgressionParameters, Rise, SeriesResponse};
use super::oncology::Progression;
use super::outcome::Outcome;
use crate::domain::observation_codes::display::number;
use crate::domain::{Comparator, Evidence, EvidenceKind, Observation, Response, TreatmentLine};

/// Values computed from converted units (24 g/L is 2.4000000000000004 g/dL) are compared
/// with this much slack, so that a rise of exactly 25 % is one.
const SLACK: f64 = 1e-9;

/// The measures the series are read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Series {
    Serum,
    Urine,
    LightChains,
}

/// The units each series reads, as written once spaces, brackets and dots are gone and in
/// lower case ("mg/(24.h)" is "mg/24h"), and the factor to the series' unit.
const UNITS: [(Series, &[&str], f64); 7] = [
    (Series::Serum, &["g/dl"], 1.0),
    (Series::Serum, &["g/l"], 0.1),
    (Series::Serum, &["mg/dl"], 0.001),
    (Series::Urine, &["mg/24h", "mg/d", "mg/day"], 1.0),
    (Series::Urine, &["g/24h", "g/d", "g/day"], 1000.0),
    (Series::LightChains, &["mg/dl"], 1.0),
    (Series::LightChains, &["mg/l"], 0.1),
];

impl Series {
    /// The unit the series is read and said in.
    fn unit(self) -> &'static str {
        match self {
            Series::Serum => "g/dL",
            Series::Urine => "mg/24 h",
            Series::LightChains => "mg/dL",
        }
    }

    /// The units converted to it, for the reason when a unit is not one of them.
    fn accepted(self) -> &'static str {
        match self {
            Series::Serum => "g/dL, g/L or mg/dL",
            Series::Urine => "mg/24 h or g/24 h",
            Series::LightChains => "mg/L or mg/dL",
        }
    }

    /// The factor from a recorded unit (UCUM, or as labs write it: "g/dl", "mg/24 h") to the
    /// series' unit; `None` for a unit refract does not convert (it never guesses one).
    fn factor(self, unit: &str) -> Option<f64> {
        let unit: String = unit
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '(' | ')' | '.'))
            .collect::<String>()
            .to_lowercase();
        UNITS
            .iter()
            .find(|(series, units, _)| *series == self && units.contains(&unit.as_str()))
            .map(|(_, _, factor)| *factor)
    }
}

/// One value of a series, in the series' unit.
#[derive(Debug, Clone)]
struct Point {
    day: NaiveDate,
    /// The value; for a bound ("< 0.1"), the bound.
    value: f64,
    /// The value is at most `value` (reported as "<" or "<=").
    bound: Option<Comparator>,
    /// How it was recorded, when that differs from the series' unit ("24 g/L"; "kappa 200,
    /// lambda 10 mg/L").
    recorded: Option<String>,
    /// The observations it was read from: id and words, for the evidence.
    sources: Vec<(i64, String)>,
}

impl Point {
    /// "2.4 g/dL (24 g/L, 2025-08-04, nadir)".
    fn describe(&self, series: Series, role: Option<&str>) -> String {
        let bound = self.bound.map_or(String::new(), |b| format!("{b} "));
        let mut parts: Vec<String> = self.recorded.iter().cloned().collect();
        parts.push(self.day.to_string());
        parts.extend(role.map(str::to_owned));
        format!(
            "{bound}{} {} ({})",
            number(self.value),
            series.unit(),
            parts.join(", ")
        )
    }
}

/// What the serum M-protein says of one line's response.
#[derive(Debug, Clone)]
enum LineReading {
    /// A response the series shows (confirmed as `[m_protein.response]` asks), on the day of
    /// the value that showed it, in words, with the observations it rests on.
    Assessed {
        response: Response,
        day: NaiveDate,
        words: String,
        sources: Vec<(i64, String)>,
    },
    /// A response at or beyond the cut seen once, whose confirmation can still come: what
    /// would decide it.
    Pending(String),
    /// A response at or beyond the cut seen once, never confirmed before the line's window
    /// closed: the series does not say the line responded, nor that it did not.
    Unconfirmed(String),
    /// Values on the line that cannot be judged (no baseline, a baseline below measurable
    /// disease): why.
    Unreadable(String),
}

/// The series as one rule set reads one record: its progressions, the rises refuted, each
/// line's response, and what could not be read.
#[derive(Debug, Default)]
pub struct Reading {
    events: Vec<Progression>,
    refuted: Vec<String>,
    /// The observations of every confirmed progression (nadir and confirming values).
    sources: Vec<(i64, String)>,
    /// Each line's reading, by line id and start.
    lines: Vec<(i64, NaiveDate, LineReading)>,
    notes: Vec<String>,
}

impl Reading {
    fn of(ctx: &Context<'_>) -> Reading {
        let mut reading = Reading::default();
        let Some(spec) = &ctx.set.m_protein else {
            return reading;
        };
        let observations = &ctx.record.observations;
        let serum = serum_series(observations, spec, ctx.today, &mut reading.notes);
        // IMWG measures a response from where each line began, and progression on a line from
        // the lowest value since: every line's start begins a new nadir.
        let resets: Vec<NaiveDate> = ctx.lines.iter().map(|line| line.start).collect();
        let window = ctx.set.progression.new_line_confirms_days;
        let acted_on = |first: NaiveDate, next: Option<NaiveDate>| {
            ctx.lines
                .iter()
                .find(|line| {
                    window > 0
                        && line.start > first
                        && line.start <= shift(first, window)
                        && next.is_none_or(|next| line.start <= next)
                })
                .map(|line| format!("{} {} on {}", line.label(), line.regimen, line.start))
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
            &mut reading.notes,
        );
        reading.events = found.events;
        reading.refuted = found.refuted;
        reading.sources = found.sources;
        for line in ctx.lines.iter().map(AsRef::as_ref) {
            if let Some(line_reading) = line_reading(ctx, spec, &serum, line) {
                reading.lines.push((line.id, line.start, line_reading));
            }
        }
        reading
    }

    fn line(&self, line: &TreatmentLine) -> Option<&LineReading> {
        self.lines
            .iter()
            .find(|(id, start, _)| *id == line.id && *start == line.start)
            .map(|(_, _, reading)| reading)
    }
}

/// The reading of `ctx`, worked out on first use.
fn reading<'c>(ctx: &'c Context<'_>) -> &'c Reading {
    ctx.m_protein.get_or_init(|| Reading::of(ctx))
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

/// The days the series show a progression (confirmed or still pending), for line derivation:
/// a planned sequence ends there. Read before there are lines, so with no nadir begun at a
/// line's start and no line confirming a single rise.
pub fn rise_days(
    observations: &[Observation],
    spec: &MProtein,
    progression: &ProgressionParameters,
) -> Vec<NaiveDate> {
    let mut notes = Vec::new();
    let serum = serum_series(observations, spec, NaiveDate::MAX, &mut notes);
    let found = progressions_of(
        observations,
        spec,
        progression,
        NaiveDate::MAX,
        &Scan {
            resets: &[],
            acted_on: &|_, _| None,
        },
        &serum,
        &mut notes,
    );
    found.events.iter().map(|event| event.date).collect()
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
/// response as recorded (without the series).
pub fn explain(
    ctx: &Context<'_>,
    id: &str,
    outcome: &mut Outcome,
    recorded: &dyn Fn(&TreatmentLine) -> Option<Response>,
) {
    let reading = reading(ctx);
    let mut sources: Vec<&(i64, String)> = reading.sources.iter().collect();
    for line in ctx.lines.iter().map(AsRef::as_ref) {
        let Some(line_reading) = reading.line(line) else {
            continue;
        };
        let name = format!("{} {}", line.label(), line.regimen);
        let mine = recorded(line);
        match (line_reading, mine) {
            (
                LineReading::Assessed {
                    words,
                    sources: own,
                    ..
                },
                None,
            ) => {
                outcome.reasons.push(format!(
                    "{name}: best response from the serum M-protein: {words}"
                ));
                sources.extend(own);
            }
            (
                LineReading::Assessed {
                    response,
                    words,
                    sources: own,
                    ..
                },
                Some(mine),
            ) => {
                if crosses(ctx, mine, *response) {
                    let text = format!(
                        "{name}: recorded best response {mine}, but the serum M-protein shows {words}: conflicting evidence, the M-protein decides"
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
                        "{name}: recorded best response {mine}, the serum M-protein's {response}: the recorded one stands (the same side of {}; it may rest on urine, immunofixation or marrow)",
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
            });
        }
    }
}

/// The serum M-protein values of the record: never a test the urine selector reads, nor one
/// whose name says urine ("Urine M-protein", "Paraprotein, urine" also say what the serum's
/// names say).
fn serum_series(
    observations: &[Observation],
    spec: &MProtein,
    today: NaiveDate,
    notes: &mut Vec<String>,
) -> Vec<Point> {
    read(
        observations,
        &spec.serum,
        &|o: &Observation| is_urine(spec, o),
        Series::Serum,
        today,
        notes,
    )
}

/// Whether a test is a urine one, never read into a serum series: its name says so (LOINC's
/// "... in Urine", "Urinary ..."), or the urine selector reads it (by code where it lists
/// codes). The serum names ("M-protein", "Kappa light chains.free") are also in the urine
/// tests' names.
fn is_urine(spec: &MProtein, o: &Observation) -> bool {
    names_test(&o.display, "urine")
        || names_test(&o.display, "urinary")
        || spec.urine.as_ref().is_some_and(|urine| selects(urine, o))
}

/// Where a scan begins a new nadir, and which new line confirms a single rise.
struct Scan<'s> {
    /// Days a line started: the last value at or before one is the new nadir (unless a rise
    /// is being confirmed across it).
    resets: &'s [NaiveDate],
    /// For a single rise on `first` whose next value (if any) is on `next`: the new line begun
    /// soon after, before that value, in words (the clinician acted on the rise).
    acted_on: &'s dyn Fn(NaiveDate, Option<NaiveDate>) -> Option<String>,
}

/// What scanning the series finds.
#[derive(Default)]
struct Found {
    events: Vec<Progression>,
    refuted: Vec<String>,
    sources: Vec<(i64, String)>,
}

/// The progressions of every series the rule set reads: serum and urine M-protein, and the
/// free light chains when neither M-protein is measurable (IMWG: the light chains decide only
/// then).
fn progressions_of(
    observations: &[Observation],
    spec: &MProtein,
    progression: &ProgressionParameters,
    today: NaiveDate,
    scan: &Scan<'_>,
    serum: &[Point],
    notes: &mut Vec<String>,
) -> Found {
    let needed = (progression.consecutive_assessments as usize).max(1);
    let mut found = Found::default();
    scan_series(
        serum,
        Series::Serum,
        "serum M-protein",
        &spec.serum_rise,
        needed,
        scan,
        &mut found,
    );
    let urine = spec.urine.as_ref().map_or_else(Vec::new, |selector| {
        read(
            observations,
            selector,
            &|_| false,
            Series::Urine,
            today,
            notes,
        )
    });
    if let Some(rise) = &spec.urine_rise {
        scan_series(
            &urine,
            Series::Urine,
            "urine M-protein",
            rise,
            needed,
            scan,
            &mut found,
        );
    }
    let measurable = serum
        .iter()
        .any(|p| p.bound.is_none() && p.value + SLACK >= spec.measurable_serum)
        || urine
            .iter()
            .any(|p| p.bound.is_none() && p.value + SLACK >= spec.measurable_urine);
    if !measurable
        && let Some(rise) = &spec.flc_rise
        && let Some((differences, name)) = light_chains(observations, spec, today, notes)
    {
        scan_series(
            &differences,
            Series::LightChains,
            &name,
            rise,
            needed,
            scan,
            &mut found,
        );
    }
    found
}

/// The values of one measure, one a day, oldest first, in the series' unit. Of a day's values,
/// the most specific test's (by the order of the selector's codes; a test found by its name
/// last) at the latest time is read; two different values at that moment are not chosen
/// between. What cannot be read (no unit or one refract does not convert, a lower bound) is
/// said once in `notes`.
fn read(
    observations: &[Observation],
    selector: &ObservationSelector,
    excluded: &dyn Fn(&Observation) -> bool,
    series: Series,
    today: NaiveDate,
    notes: &mut Vec<String>,
) -> Vec<Point> {
    let rank = |o: &Observation| {
        selector
            .codes
            .iter()
            .position(|code| *code == o.code)
            .unwrap_or(selector.codes.len())
    };
    let mut found: Vec<&Observation> = observations
        .iter()
        .filter(|o| o.value.is_some() && o.effective.date() <= today)
        .filter(|o| selects(selector, o) && !excluded(o))
        .collect();
    found.sort_by_key(|o| (o.effective.date(), rank(o), std::cmp::Reverse(o.effective)));
    let mut unread: Vec<String> = Vec::new();
    let mut points: Vec<Point> = Vec::new();
    let mut index = 0;
    while index < found.len() {
        let first = found[index];
        let day = first.effective.date();
        let same_day = found[index..]
            .iter()
            .take_while(|o| o.effective.date() == day)
            .count();
        index += same_day;
        let at_once: Vec<&Observation> = found[index - same_day..index]
            .iter()
            .copied()
            .filter(|o| rank(o) == rank(first) && o.effective == first.effective)
            .collect();
        if at_once
            .iter()
            .any(|o| o.value != first.value || o.unit != first.unit)
        {
            unread.push(format!(
                "{} on {day}: {} recorded at the same time, not chosen between",
                first.display,
                at_once
                    .iter()
                    .map(|o| o.value_text())
                    .collect::<Vec<_>>()
                    .join(" and ")
            ));
            continue;
        }
        let Some(value) = first.value else { continue };
        let unit = first.unit.as_deref().map_or("", str::trim);
        if unit.is_empty() {
            unread.push(format!(
                "{} {} on {day}: no unit, not read (refract does not guess between {})",
                first.display,
                number(value),
                series.accepted()
            ));
            continue;
        }
        let Some(factor) = series.factor(unit) else {
            unread.push(format!(
                "{} {} on {day}: unit {unit} is not one refract reads ({})",
                first.display,
                number(value),
                series.accepted()
            ));
            continue;
        };
        if matches!(
            first.comparator,
            Some(Comparator::AtLeast | Comparator::Above)
        ) {
            unread.push(format!(
                "{} {} on {day}: a lower bound, not read",
                first.display,
                first.value_text()
            ));
            continue;
        }
        let converted = (factor - 1.0).abs() > f64::EPSILON;
        points.push(Point {
            day,
            value: value * factor,
            bound: first.comparator,
            recorded: converted.then(|| first.value_text()),
            sources: vec![(first.id, describe_observation(first))],
        });
    }
    if let Some(example) = unread.first() {
        let more = match unread.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        notes.push(format!("{example}{more}"));
    }
    points
}

/// The involved-minus-uninvolved free light chain difference (mg/dL) on each day both were
/// measured, and the series' name. The involved chain is the one higher on the first such day
/// (the baseline); a tie, or a bound, says nothing about which or how much.
fn light_chains(
    observations: &[Observation],
    spec: &MProtein,
    today: NaiveDate,
    notes: &mut Vec<String>,
) -> Option<(Vec<Point>, String)> {
    // The kappa/lambda ratio names both chains: it is neither. Urine free light chains share
    // the serum's names (and mg/L): IMWG's criterion is the serum difference.
    let excluded = |o: &Observation| {
        (names_test(&o.display, "kappa") && names_test(&o.display, "lambda")) || is_urine(spec, o)
    };
    let kappa = read(
        observations,
        spec.kappa.as_ref()?,
        &excluded,
        Series::LightChains,
        today,
        notes,
    );
    let lambda = read(
        observations,
        spec.lambda.as_ref()?,
        &excluded,
        Series::LightChains,
        today,
        notes,
    );
    let pairs: Vec<(&Point, &Point)> = kappa
        .iter()
        .filter(|k| k.bound.is_none())
        .filter_map(|k| {
            lambda
                .iter()
                .find(|l| l.day == k.day && l.bound.is_none())
                .map(|l| (k, l))
        })
        .collect();
    let (first_kappa, first_lambda) = pairs.first()?;
    let kappa_involved = if first_kappa.value > first_lambda.value {
        true
    } else if first_lambda.value > first_kappa.value {
        false
    } else {
        notes.push(format!(
            "free light chains on {}: kappa and lambda equal, the involved chain is not known",
            first_kappa.day
        ));
        return None;
    };
    let raw = |point: &Point| {
        point
            .recorded
            .clone()
            .unwrap_or_else(|| format!("{} mg/dL", number(point.value)))
    };
    let points = pairs
        .iter()
        .map(|(k, l)| {
            let (involved, uninvolved) = if kappa_involved { (k, l) } else { (l, k) };
            Point {
                day: k.day,
                value: involved.value - uninvolved.value,
                bound: None,
                recorded: Some(format!("kappa {}, lambda {}", raw(k), raw(l))),
                sources: k.sources.iter().chain(&l.sources).cloned().collect(),
            }
        })
        .collect();
    let involved = if kappa_involved { "kappa" } else { "lambda" };
    Some((
        points,
        format!("free light chain difference ({involved} involved)"),
    ))
}

/// Whether `value` is a progression from `nadir` by `rise`. A bound read as a value ("< 0.1"
/// as 0.1) can only make a rise look smaller from it, never larger; a bound after the nadir
/// shows no rise at all.
fn rises(rise: &Rise, nadir: &Point, value: &Point) -> bool {
    if value.bound.is_some() {
        return false;
    }
    let up = value.value - nadir.value;
    let absolute = if rise.strictly {
        up > rise.absolute + SLACK
    } else {
        up + SLACK >= rise.absolute
    };
    let usual = absolute && up + SLACK >= rise.relative * nadir.value;
    let from_high = match (rise.high_nadir, rise.high_nadir_absolute) {
        (Some(high), Some(enough)) => nadir.value + SLACK >= high && up + SLACK >= enough,
        _ => false,
    };
    usual || from_high
}

/// The rise that is a progression, in words: "≥ 25 % and ≥ 0.5 g/dL above the nadir, or ≥ 1
/// g/dL from a nadir of 5 g/dL or more".
fn rise_words(rise: &Rise, series: Series) -> String {
    let unit = series.unit();
    let mut out = format!(
        "≥ {} % and {} {} {unit} above the nadir",
        number(rise.relative * 100.0),
        if rise.strictly { ">" } else { "≥" },
        number(rise.absolute)
    );
    if let (Some(high), Some(enough)) = (rise.high_nadir, rise.high_nadir_absolute) {
        let _ = write!(
            out,
            ", or ≥ {} {unit} from a nadir of {} {unit} or more",
            number(enough),
            number(high)
        );
    }
    out
}

/// "serum M-protein 2.4 g/dL (2025-08-04, nadir) → 3 g/dL (2026-05-11) → 3.1 g/dL
/// (2026-06-30)".
fn chain(name: &str, series: Series, points: &[Point], nadir: usize, rise: &[Point]) -> String {
    let mut out = format!("{name} {}", points[nadir].describe(series, Some("nadir")));
    for point in rise {
        let _ = write!(out, " → {}", point.describe(series, None));
    }
    out
}

/// Scans one series for progressions. The nadir is the lowest value since the series began, the
/// last line began (its baseline) or the last progression was confirmed (the value that
/// confirmed it). A value that rises from the nadir starts a run; `needed` rises in a row
/// confirm a progression dated on the first (IMWG 2016: "confirmed by two consecutive
/// assessments"). A run cut short by a value that does not rise is refuted; one at the end of
/// the series is pending, unless a new line begun soon after it, before any further value,
/// shows that the clinician acted on it.
fn scan_series(
    points: &[Point],
    series: Series,
    name: &str,
    rise: &Rise,
    needed: usize,
    scan: &Scan<'_>,
    found: &mut Found,
) {
    let mut nadir: Option<usize> = None;
    let mut index = 0;
    while index < points.len() {
        if index > 0
            && scan
                .resets
                .iter()
                .any(|start| points[index - 1].day <= *start && *start < points[index].day)
        {
            nadir = Some(index - 1);
        }
        let Some(low) = nadir else {
            nadir = Some(index);
            index += 1;
            continue;
        };
        if !rises(rise, &points[low], &points[index]) {
            if points[index].value < points[low].value {
                nadir = Some(index);
            }
            index += 1;
            continue;
        }
        // The rises in a row from this nadir (a line begun meanwhile does not end the run: the
        // rise is confirmed or refuted by the next value all the same).
        let run_end = (index..points.len())
            .find(|&next| !rises(rise, &points[low], &points[next]))
            .unwrap_or(points.len());
        let first = points[index].day;
        if run_end - index >= needed {
            let confirming = index + needed - 1;
            found.events.push(Progression {
                date: first,
                words: format!(
                    "{}: progression confirmed ({}, on {needed} values in a row)",
                    chain(name, series, points, low, &points[index..=confirming]),
                    rise_words(rise, series)
                ),
                confirmed: true,
                assessed: true,
                at: None,
            });
            for point in std::iter::once(&points[low]).chain(&points[index..=confirming]) {
                found.sources.extend(point.sources.iter().cloned());
            }
            nadir = Some(confirming);
            index = confirming + 1;
            continue;
        }
        let next = points.get(run_end);
        if let Some(line) = (scan.acted_on)(first, next.map(|p| p.day)) {
            found.events.push(Progression {
                date: first,
                words: format!(
                    "{}: one rise, acted on by starting {line} ({})",
                    chain(name, series, points, low, &points[index..run_end]),
                    rise_words(rise, series)
                ),
                confirmed: true,
                assessed: true,
                at: None,
            });
            nadir = Some(run_end - 1);
        } else if let Some(next) = next {
            found.refuted.push(format!(
                "{}: not confirmed, the next value {} is no progression from the nadir ({})",
                chain(name, series, points, low, &points[index..run_end]),
                next.describe(series, None),
                rise_words(rise, series)
            ));
        } else {
            found.events.push(Progression {
                date: first,
                words: format!(
                    "{}, not yet confirmed ({})",
                    chain(name, series, points, low, &points[index..run_end]),
                    rise_words(rise, series)
                ),
                confirmed: false,
                assessed: true,
                at: None,
            });
        }
        index = run_end;
    }
}

/// The category a fall from the baseline reaches (a rise is stable disease here: progression
/// is read from the nadir, not from the baseline). Never a complete response: that needs
/// immunofixation and marrow.
fn category(spec: &SeriesResponse, fall: f64) -> Response {
    if fall + SLACK >= spec.very_good_partial {
        Response::VeryGoodPartial
    } else if fall + SLACK >= spec.partial {
        Response::Partial
    } else if fall + SLACK >= spec.minimal {
        Response::Minimal
    } else {
        Response::Stable
    }
}

/// "−60 %" for a fall, "+7 %" for a rise.
fn percent(fall: f64) -> String {
    if fall >= 0.0 {
        format!("−{} %", number(fall * 100.0))
    } else {
        format!("+{} %", number(-fall * 100.0))
    }
}

/// What the serum M-protein says of `line`'s response: from its baseline (the last value at or
/// before its start, within `baseline_days`) to its values after the start, up to
/// `after_end_days` after its last dose and no later than the next line's start. A category
/// counts once `consecutive` values in a row reach it (IMWG 2016: every response category needs
/// two consecutive assessments), stable disease included: with fewer values the line's response
/// is pending while its window is open and unknown once it closed. `None` when there is no value
/// on the line.
fn line_reading(
    ctx: &Context<'_>,
    spec: &MProtein,
    serum: &[Point],
    line: &TreatmentLine,
) -> Option<LineReading> {
    let rules = &spec.response;
    let name = format!("{} {}", line.label(), line.regimen);
    let next_start = ctx
        .lines
        .iter()
        .map(|l| l.start)
        .filter(|start| *start > line.start)
        .min();
    let after = shift(line.end.unwrap_or(ctx.today), rules.after_end_days);
    let window_end = next_start.map_or(after, |next| next.min(after));
    let on_line: Vec<&Point> = serum
        .iter()
        .filter(|p| p.day > line.start && p.day <= window_end)
        .collect();
    if on_line.is_empty() {
        return None;
    }
    let since = shift(line.start, -rules.baseline_days);
    let Some(baseline) = serum
        .iter()
        .rev()
        .find(|p| p.day <= line.start && p.day >= since)
    else {
        return Some(LineReading::Unreadable(format!(
            "no serum M-protein in the {} days up to its start (the baseline its response is measured from)",
            rules.baseline_days
        )));
    };
    if baseline.bound.is_some() || baseline.value + SLACK < spec.measurable_serum {
        return Some(LineReading::Unreadable(format!(
            "serum M-protein {} at its start, below the {} g/dL of measurable disease (IMWG): its response is not read from it",
            baseline.describe(Series::Serum, Some("baseline")),
            number(spec.measurable_serum)
        )));
    }
    let fall = |p: &Point| (baseline.value - p.value) / baseline.value;
    let cut = Response::parse_any(&rules.cut).unwrap_or(Response::Minimal);
    let needed = (rules.consecutive as usize).clamp(1, on_line.len().max(1));
    // The deepest category `consecutive` values in a row reach (the first run that does), with
    // the run; the deepest any one value reaches.
    let confirmed = (rules.consecutive as usize <= on_line.len()).then(|| {
        on_line
            .windows(needed)
            .map(|run| {
                let least = run.iter().map(|p| fall(p)).fold(f64::INFINITY, f64::min);
                (category(rules, least), least, run)
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
    let single = on_line
        .iter()
        .map(|p| (category(rules, fall(p)), fall(p), *p))
        .fold(
            None,
            |best: Option<(Response, f64, &Point)>, item| match best {
                Some(best) if (best.0.depth(), best.1) >= (item.0.depth(), item.1) => Some(best),
                _ => Some(item),
            },
        )?;
    let listed = on_line
        .iter()
        .map(|p| p.describe(Series::Serum, None))
        .collect::<Vec<_>>()
        .join(", ");
    let history = format!(
        "{} → {listed}",
        baseline.describe(Series::Serum, Some("baseline"))
    );
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
                "{} ({history}: at best {}, less than the {} % fall of a minimal response)",
                response.words(),
                percent(single.1),
                number(rules.minimal * 100.0)
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
            "the serum M-protein reached {} once: {}, {} from {}",
            single.0,
            single.2.describe(Series::Serum, None),
            percent(single.1),
            baseline.describe(Series::Serum, Some("baseline"))
        )
    } else {
        let values = match on_line.len() {
            1 => String::from("one serum M-protein value"),
            n => format!("{n} serum M-protein values"),
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
            rules.after_end_days
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(value: f64) -> Point {
        Point {
            day: NaiveDate::MIN,
            value,
            bound: None,
            recorded: None,
            sources: Vec::new(),
        }
    }

    fn serum_rise() -> Rise {
        Rise {
            relative: 0.25,
            absolute: 0.5,
            strictly: false,
            high_nadir: Some(5.0),
            high_nadir_absolute: Some(1.0),
        }
    }

    #[test]
    fn units_are_converted_to_the_series_unit_and_never_guessed() {
        assert_eq!(Series::Serum.factor("g/dL"), Some(1.0));
        assert_eq!(Series::Serum.factor("g/L"), Some(0.1));
        assert_eq!(Series::Serum.factor("mg/dL"), Some(0.001));
        assert_eq!(Series::Serum.factor("g/dl "), Some(1.0));
        assert_eq!(Series::Serum.factor("mmol/L"), None);
        assert_eq!(Series::Urine.factor("mg/(24.h)"), Some(1.0));
        assert_eq!(Series::Urine.factor("g/24 h"), Some(1000.0));
        assert_eq!(Series::LightChains.factor("mg/L"), Some(0.1));
        assert_eq!(Series::LightChains.factor("mg/dL"), Some(1.0));
        assert_eq!(Series::LightChains.factor("g/dL"), None);
    }

    #[test]
    fn a_rise_is_a_progression_at_the_boundaries_of_imwg() {
        let rise = serum_rise();
        // 25 % and 0.5 g/dL both needed.
        assert!(rises(&rise, &point(2.4), &point(3.0)));
        assert!(!rises(&rise, &point(2.4), &point(2.976)));
        assert!(rises(&rise, &point(1.0), &point(1.5)));
        assert!(!rises(&rise, &point(1.0), &point(1.4)));
        // From a nadir of 5 g/dL or more, 1 g/dL is enough.
        assert!(rises(&rise, &point(5.0), &point(6.0)));
        assert!(!rises(&rise, &point(5.0), &point(5.9)));
        assert!(!rises(&rise, &point(4.9), &point(5.9)));
        // Converted from g/L, a rise of exactly 25 % is one.
        assert!(rises(&rise, &point(24.0 * 0.1), &point(30.0 * 0.1)));
        // The light chains' "> 10 mg/dL" is strict.
        let flc = Rise {
            relative: 0.25,
            absolute: 10.0,
            strictly: true,
            high_nadir: None,
            high_nadir_absolute: None,
        };
        assert!(!rises(&flc, &point(4.0), &point(14.0)));
        assert!(rises(&flc, &point(4.0), &point(14.1)));
        // A bound shows no rise.
        let mut bound = point(9.0);
        bound.bound = Some(Comparator::Below);
        assert!(!rises(&rise, &point(1.0), &bound));
    }
}
