//! The monoclonal protein's values read as series (IMWG 2016; `[m_protein]` of the rule set),
//! with no rule set's lines or day in view: each value converted to its series' unit, the
//! progressions a scan of a series finds (a rise from the nadir, confirmed by consecutive
//! values), the values that could not be read, and the words and categories a line's
//! response is said in. `m_protein.rs` reads
//! them for one rule set on one record.

use std::fmt::Write as _;

use chrono::NaiveDate;

use super::describe::describe_observation;
use super::model::{MProtein, ProgressionParameters, Rise, SeriesResponse};
use super::procedure_terms::names as says;
use super::progression::Progression;
use super::selectors::{names_test, selects};
use crate::domain::observation_codes::display::number;
use crate::domain::{Comparator, Observation, Response, TreatmentLine};

/// Values computed from converted units (24 g/L is 2.4000000000000004 g/dL) are compared
/// with this much slack, so that a rise of exactly 25 % is one.
pub(super) const SLACK: f64 = 1e-9;

/// The measures the series are read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Series {
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
    /// The series in words.
    pub(super) fn name(self) -> &'static str {
        match self {
            Series::Serum => "serum M-protein",
            Series::Urine => "urine M-protein",
            Series::LightChains => "free light chain",
        }
    }

    /// The unit the series is read and said in.
    pub(super) fn unit(self) -> &'static str {
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
pub(super) struct Point {
    pub(super) day: NaiveDate,
    /// The value; for a bound ("< 0.1"), the bound.
    pub(super) value: f64,
    /// The value is at most `value` (reported as "<" or "<=").
    pub(super) bound: Option<Comparator>,
    /// How it was recorded, when that differs from the series' unit ("24 g/L"; "kappa 200,
    /// lambda 10 mg/L").
    pub(super) recorded: Option<String>,
    /// The observations it was read from: id and words, for the evidence.
    pub(super) sources: Vec<(i64, String)>,
}

impl Point {
    /// "2.4 g/dL (24 g/L, 2025-08-04, nadir)".
    pub(super) fn describe(&self, series: Series, role: Option<&str>) -> String {
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

/// A value of a series refract could not read (no unit, a unit it does not convert, a lower
/// bound, two values at one time).
#[derive(Debug, Clone)]
pub(super) struct Unread {
    pub(super) series: Series,
    pub(super) day: NaiveDate,
    /// What would let it be read, for `missing`: "the unit of ... 1.5 on 2026-08-07 (...)".
    pub(super) need: String,
}

/// What reading the series set aside: the reasons' notes, and the values not read.
#[derive(Debug, Default)]
pub(super) struct Log {
    pub(super) notes: Vec<String>,
    pub(super) unread: Vec<Unread>,
}

/// What the serum or urine M-protein says of one line's response.
#[derive(Debug, Clone)]
pub(super) enum LineReading {
    /// A response the series shows (confirmed as `[m_protein.response]` asks), on the day of
    /// the value that showed it, in words, with the observations it rests on.
    Assessed {
        response: Response,
        day: NaiveDate,
        words: String,
        sources: Vec<(i64, String)>,
        /// The series it was read from, in words ("serum M-protein").
        series: &'static str,
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
    pub(super) events: Vec<Progression>,
    pub(super) refuted: Vec<String>,
    /// The observations of every confirmed progression (nadir and confirming values).
    pub(super) sources: Vec<(i64, String)>,
    /// Each line's reading, by line id and start.
    pub(super) lines: Vec<(i64, NaiveDate, LineReading)>,
    pub(super) notes: Vec<String>,
}

impl Reading {
    pub(super) fn line(&self, line: &TreatmentLine) -> Option<&LineReading> {
        self.lines
            .iter()
            .find(|(id, start, _)| *id == line.id && *start == line.start)
            .map(|(_, _, reading)| reading)
    }
}

/// The days the series show a progression (confirmed or still pending), for line derivation:
/// a planned sequence ends there. Read before there are lines, so with no nadir begun at a
/// line's start and no line confirming a single rise.
pub fn rise_days(
    observations: &[Observation],
    spec: &MProtein,
    progression: &ProgressionParameters,
) -> Vec<NaiveDate> {
    let mut log = Log::default();
    let serum = serum_series(observations, spec, NaiveDate::MAX, &mut log);
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
        &mut log,
    );
    found.events.iter().map(|event| event.date).collect()
}

/// The serum M-protein values of the record: the serum selector's tests and those named as an
/// M-protein (`protein_words`), never a urine one (see [`is_urine`]: "Urine M-protein",
/// "Paraprotein, urine" also say what the serum's names say), nor a percentage.
pub(super) fn serum_series(
    observations: &[Observation],
    spec: &MProtein,
    today: NaiveDate,
    log: &mut Log,
) -> Vec<Point> {
    read(
        observations,
        &spec.serum.codes,
        &|o: &Observation| in_serum_series(spec, o),
        Series::Serum,
        today,
        log,
    )
}

fn in_serum_series(spec: &MProtein, o: &Observation) -> bool {
    (selects(&spec.serum, o) || names_m_protein(spec, o)) && !is_urine(spec, o) && !is_percent(o)
}

/// The 24-hour urine M-protein values of the record (see [`is_urine_m_protein`]); none where
/// the rule set reads no urine.
fn urine_series(
    observations: &[Observation],
    spec: &MProtein,
    today: NaiveDate,
    log: &mut Log,
) -> Vec<Point> {
    let Some(urine) = &spec.urine else {
        return Vec::new();
    };
    read(
        observations,
        &urine.codes,
        &|o: &Observation| is_urine_m_protein(spec, o),
        Series::Urine,
        today,
        log,
    )
}

/// Whether a test's name says it is a monoclonal protein, by the words of `protein_words`
/// (case and punctuation aside: "M protein", "M-spike, 24 hr urine", "UPEP M-spike").
fn names_m_protein(spec: &MProtein, o: &Observation) -> bool {
    spec.protein_words.iter().any(|word| says(&o.display, word))
}

/// A value in percent is a share of the total protein, not the M-protein's amount.
fn is_percent(o: &Observation) -> bool {
    o.unit.as_deref().map(str::trim) == Some("%")
}

/// Whether a test is the 24-hour urine M-protein: one the urine selector reads (by code, or by
/// one of its names), or one named as an M-protein whose name also says urine (`urine_words`:
/// "urine", "UPEP", "24 hour") or whose unit is the urine series' (mg/24 h; unless a serum
/// code says otherwise). Never one whose name has a word of the urine selector's `not_names`
/// (a urine protein total, a creatinine ratio, an immunofixation): those are other tests,
/// whatever they share with the M-protein's names; nor a percentage.
fn is_urine_m_protein(spec: &MProtein, o: &Observation) -> bool {
    let Some(urine) = &spec.urine else {
        return false;
    };
    if urine.codes.contains(&o.code) {
        return true;
    }
    if is_percent(o) || urine.not_names.iter().any(|word| says(&o.display, word)) {
        return false;
    }
    let urine_unit = o
        .unit
        .as_deref()
        .is_some_and(|unit| Series::Urine.factor(unit).is_some());
    selects(urine, o)
        || (names_m_protein(spec, o)
            && (says_urine(spec, o) || (urine_unit && !spec.serum.codes.contains(&o.code))))
}

/// Whether a test's name says urine: LOINC's "... in Urine", "Urinary ...", or a word of
/// `urine_words`.
fn says_urine(spec: &MProtein, o: &Observation) -> bool {
    names_test(&o.display, "urine")
        || names_test(&o.display, "urinary")
        || spec.urine_words.iter().any(|word| says(&o.display, word))
}

/// Whether a test is a urine one, never read into a serum series: its name says so (LOINC's
/// "... in Urine", "Urinary ..."), or it is the urine M-protein (by the urine selector, or by
/// its name or unit). The serum names ("M-protein", "Kappa light chains.free") are also in
/// the urine tests' names.
fn is_urine(spec: &MProtein, o: &Observation) -> bool {
    says_urine(spec, o) || is_urine_m_protein(spec, o)
}

/// Says once, in `log`, the tests named as an M-protein that no series reads (a urine test
/// the urine series does not read, a percentage): never dropped without a word.
pub(super) fn set_aside(
    observations: &[Observation],
    spec: &MProtein,
    today: NaiveDate,
    log: &mut Log,
) {
    let aside: Vec<String> = observations
        .iter()
        .filter(|o| o.value.is_some() && o.effective.date() <= today)
        .filter(|o| selects(&spec.serum, o) || names_m_protein(spec, o))
        .filter(|o| !in_serum_series(spec, o) && !is_urine_m_protein(spec, o))
        .map(|o| {
            let why = if is_percent(o) {
                String::from("a share of the total protein, not the M-protein's amount")
            } else if spec.urine.is_none() {
                String::from("a urine test, and the rule set reads no urine M-protein")
            } else {
                String::from("a urine test that is not the 24-hour urine M-protein by its name")
            };
            format!(
                "{} {} on {}: not read as an M-protein ({why})",
                o.display,
                o.value_text(),
                o.effective.date()
            )
        })
        .collect();
    if let Some(example) = aside.first() {
        let more = match aside.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        log.notes.push(format!("{example}{more}"));
    }
}

/// Where a scan begins a new nadir, and which new line confirms a single rise.
pub(super) struct Scan<'s> {
    /// Days a line started: the last value at or before one is the new nadir (unless a rise
    /// is being confirmed across it).
    pub(super) resets: &'s [NaiveDate],
    /// For a single rise on `first` whose next value (if any) is on `next`: the new line begun
    /// soon after, before that value, in words (the clinician acted on the rise).
    pub(super) acted_on: &'s dyn Fn(NaiveDate, Option<NaiveDate>) -> Option<String>,
}

/// What scanning the series finds, with the urine and light chain series it read.
#[derive(Default)]
pub(super) struct Found {
    pub(super) events: Vec<Progression>,
    pub(super) refuted: Vec<String>,
    pub(super) sources: Vec<(i64, String)>,
    pub(super) urine: Vec<Point>,
    /// The free light chain difference, when it was read.
    pub(super) light_chains: Vec<Point>,
}

/// The progressions of every series the rule set reads: serum and urine M-protein, and the
/// free light chains when neither M-protein is measurable (IMWG: the light chains decide only
/// then).
pub(super) fn progressions_of(
    observations: &[Observation],
    spec: &MProtein,
    progression: &ProgressionParameters,
    today: NaiveDate,
    scan: &Scan<'_>,
    serum: &[Point],
    log: &mut Log,
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
    let urine = urine_series(observations, spec, today, log);
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
        && let Some((differences, name)) = light_chains(observations, spec, today, log)
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
        found.light_chains = differences;
    }
    found.urine = urine;
    found
}

/// The values of one measure (the tests `picks` reads), one a day, oldest first, in the
/// series' unit. Of a day's values, the most specific test's (by the order of `codes`; a test
/// found by its name last) at the latest time is read; two different values at that moment
/// are not chosen between. What cannot be read (no unit or one refract does not convert, a
/// lower bound) is said once in the log's notes, and each such value kept in it with what
/// would let it be read.
fn read(
    observations: &[Observation],
    codes: &[String],
    picks: &dyn Fn(&Observation) -> bool,
    series: Series,
    today: NaiveDate,
    log: &mut Log,
) -> Vec<Point> {
    let rank = |o: &Observation| {
        codes
            .iter()
            .position(|code| *code == o.code)
            .unwrap_or(codes.len())
    };
    let mut found: Vec<&Observation> = observations
        .iter()
        .filter(|o| o.value.is_some() && o.effective.date() <= today)
        .filter(|o| picks(o))
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
        let mut set_aside = |said: String, need: String| {
            unread.push(said);
            log.unread.push(Unread { series, day, need });
        };
        if at_once
            .iter()
            .any(|o| o.value != first.value || o.unit != first.unit)
        {
            let values = at_once
                .iter()
                .map(|o| o.value_text())
                .collect::<Vec<_>>()
                .join(" and ");
            set_aside(
                format!(
                    "{} on {day}: {values} recorded at the same time, not chosen between",
                    first.display
                ),
                format!(
                    "which of {} {values}, recorded at the same time on {day}, holds",
                    first.display
                ),
            );
            continue;
        }
        let Some(value) = first.value else { continue };
        let unit = first.unit.as_deref().map_or("", str::trim);
        if unit.is_empty() {
            set_aside(
                format!(
                    "{} {} on {day}: no unit, not read (refract does not guess between {})",
                    first.display,
                    number(value),
                    series.accepted()
                ),
                format!(
                    "the unit of {} {} on {day} (none recorded; refract does not guess between {})",
                    first.display,
                    number(value),
                    series.accepted()
                ),
            );
            continue;
        }
        let Some(factor) = series.factor(unit) else {
            set_aside(
                format!(
                    "{} {} on {day}: unit {unit} is not one refract reads ({})",
                    first.display,
                    number(value),
                    series.accepted()
                ),
                format!(
                    "{} {} {unit} on {day} in a unit refract reads ({})",
                    first.display,
                    number(value),
                    series.accepted()
                ),
            );
            continue;
        };
        if matches!(
            first.comparator,
            Some(Comparator::AtLeast | Comparator::Above)
        ) {
            set_aside(
                format!(
                    "{} {} on {day}: a lower bound, not read",
                    first.display,
                    first.value_text()
                ),
                format!(
                    "{} on {day} as a value (recorded only as the lower bound {})",
                    first.display,
                    first.value_text()
                ),
            );
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
        log.notes.push(format!("{example}{more}"));
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
    log: &mut Log,
) -> Option<(Vec<Point>, String)> {
    // The kappa/lambda ratio names both chains: it is neither. Urine free light chains share
    // the serum's names (and mg/L): IMWG's criterion is the serum difference.
    let excluded = |o: &Observation| {
        (names_test(&o.display, "kappa") && names_test(&o.display, "lambda")) || is_urine(spec, o)
    };
    let (kappa, lambda) = (spec.kappa.as_ref()?, spec.lambda.as_ref()?);
    let kappa = read(
        observations,
        &kappa.codes,
        &|o: &Observation| selects(kappa, o) && !excluded(o),
        Series::LightChains,
        today,
        log,
    );
    let lambda = read(
        observations,
        &lambda.codes,
        &|o: &Observation| selects(lambda, o) && !excluded(o),
        Series::LightChains,
        today,
        log,
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
        log.notes.push(format!(
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
                missing: None,
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
                missing: None,
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
                missing: None,
            });
        }
        index = run_end;
    }
}

/// The category a fall from the baseline reaches (a rise is stable disease here: progression
/// is read from the nadir, not from the baseline). Never a complete response: that needs
/// immunofixation and marrow.
pub(super) fn category(spec: &SeriesResponse, fall: f64) -> Response {
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
pub(super) fn percent(fall: f64) -> String {
    if fall >= 0.0 {
        format!("−{} %", number(fall * 100.0))
    } else {
        format!("+{} %", number(-fall * 100.0))
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
