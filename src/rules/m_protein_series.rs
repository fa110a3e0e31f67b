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
use crate::domain::{Comparator, Observation, Response, TreatmentLine, units};

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

/// The units each series reads, in the form [`unit_form`] gives every spelling of them
/// ("mg/(24.h)", "mg/24 hr", "mg/day" are "mg/24h"; "gm/dL", "G/DL" are "g/dl"), and the factor
/// to the series' unit.
const UNITS: [(Series, &str, f64); 8] = [
    (Series::Serum, "g/dl", 1.0),
    (Series::Serum, "g/l", 0.1),
    (Series::Serum, "mg/dl", 0.001),
    (Series::Serum, "mg/l", 0.0001),
    (Series::Urine, "mg/24h", 1.0),
    (Series::Urine, "g/24h", 1000.0),
    (Series::LightChains, "mg/dl", 1.0),
    (Series::LightChains, "mg/l", 0.1),
];

/// What a unit measures, as far as the series care: a concentration (a mass per volume: the
/// serum's), an amount per time (the 24-hour urine's), a ratio to another measure (per gram of
/// creatinine), a share in percent, or a unit refract does not know (never guessed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum UnitKind {
    Concentration,
    PerTime,
    Ratio,
    Percent,
    Unknown,
}

/// The spellings laboratories print for the parts of a unit, each as one form: masses (by
/// [`crate::domain::units::mass_mg`], the one reading of a mass's spellings; "gr" too, as labs
/// print a gram), amounts of substance, volumes and times ("hr", "hrs", "hours" are "h"; "day",
/// "days" are "d").
/// Amounts of substance, which no mass spelling covers.
const MOLES: [(&str, &[&str]); 2] = [
    ("mmol", &["mmol", "millimole", "millimoles"]),
    ("umol", &["umol", "µmol", "micromole", "micromoles"]),
];
const VOLUMES: [(&str, &[&str]); 3] = [
    (
        "dl",
        &["dl", "deciliter", "decilitre", "deciliters", "decilitres"],
    ),
    ("l", &["l", "liter", "litre", "liters", "litres"]),
    (
        "ml",
        &[
            "ml",
            "milliliter",
            "millilitre",
            "milliliters",
            "millilitres",
        ],
    ),
];
const HOURS: &[&str] = &["h", "hr", "hrs", "hour", "hours"];
const DAYS: &[&str] = &["d", "day", "days"];

/// A unit in one form whatever its spelling ("mg/24h", "g/dl"), and what it measures. Case,
/// spaces, UCUM's brackets, dots and annotations, and "per" for "/" aside; an amount per day
/// is one per 24 hours. A unit of a ratio to creatinine ("mg/g", "mg/g{creat}", "mg/mmol") is
/// a ratio whatever else it says.
pub(super) fn unit_form(unit: &str) -> (String, UnitKind) {
    let lower = unit.trim().to_lowercase();
    if lower == "%" || lower == "percent" {
        return (lower, UnitKind::Percent);
    }
    // UCUM annotations ("{creat}") say what the unit is of: kept for that, then left out.
    let creatinine = lower.contains("creat");
    let mut bare = String::new();
    let mut depth = 0_u32;
    for c in lower.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            _ if depth == 0 => bare.push(c),
            _ => {}
        }
    }
    let bare = bare.replace(" per ", "/");
    let compact: String = bare
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '(' | ')' | '.' | '-' | '_' | '[' | ']'))
        .collect();
    let Some((top, bottom)) = compact.split_once('/') else {
        return (compact, UnitKind::Unknown);
    };
    let form_of = |table: &[(&'static str, &[&str])], word: &str| {
        table
            .iter()
            .find(|(_, spellings)| spellings.contains(&word))
            .map(|(form, _)| *form)
    };
    let mass_form = |word: &str| {
        let factor = if word == "gr" {
            Some(1000.0)
        } else {
            units::mass_mg(word)
        };
        factor
            .and_then(|mg| {
                [("g", 1000.0), ("mg", 1.0), ("ug", 0.001)]
                    .into_iter()
                    .find(|(_, of)| (mg - of).abs() < f64::EPSILON)
                    .map(|(form, _)| form)
            })
            .or_else(|| form_of(&MOLES, word))
    };
    let mass = mass_form(top);
    let count_end = bottom
        .char_indices()
        .find(|(_, c)| !c.is_ascii_digit())
        .map_or(bottom.len(), |(at, _)| at);
    let (count, word) = bottom.split_at(count_end);
    let count: u32 = if count.is_empty() {
        1
    } else {
        count.parse().unwrap_or(0)
    };
    let per = if let Some(volume) = form_of(&VOLUMES, bottom) {
        Some((volume.to_owned(), UnitKind::Concentration))
    } else if (HOURS.contains(&word) && count == 24) || (DAYS.contains(&word) && count == 1) {
        Some((String::from("24h"), UnitKind::PerTime))
    } else if HOURS.contains(&word) || DAYS.contains(&word) {
        Some((format!("{count}{word}"), UnitKind::PerTime))
    } else if mass_form(bottom).is_some() {
        Some((bottom.to_owned(), UnitKind::Ratio))
    } else {
        None
    };
    match (mass, per) {
        _ if creatinine => (compact, UnitKind::Ratio),
        (Some(mass), Some((per, kind))) => (format!("{mass}/{per}"), kind),
        (None, Some((per, kind))) => (format!("{top}/{per}"), kind),
        (_, None) => (compact, UnitKind::Unknown),
    }
}

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
            Series::Serum => "g/dL, g/L, mg/dL or mg/L",
            Series::Urine => "mg/24 h or g/24 h",
            Series::LightChains => "mg/L or mg/dL",
        }
    }

    /// The factor from a recorded unit (UCUM, or as labs print it: "g/dl", "gm/dL", "mg/24
    /// hr", "mg/day"; see [`unit_form`]) to the series' unit; `None` for a unit refract does
    /// not convert (it never guesses one).
    pub(super) fn factor(self, unit: &str) -> Option<f64> {
        let (form, _) = unit_form(unit);
        UNITS
            .iter()
            .find(|(series, known, _)| *series == self && *known == form)
            .map(|(_, _, factor)| *factor)
    }
}

/// One value of a series, in the series' unit.
#[derive(Debug, Clone)]
pub(super) struct Point {
    pub(super) day: NaiveDate,
    /// The last day it may have been on: `day`, or the last day of the month or the year its
    /// value was dated by alone.
    pub(super) last: NaiveDate,
    /// The value; for a bound ("< 0.1"), the bound.
    pub(super) value: f64,
    /// The value is at most `value` (reported as "<" or "<=").
    pub(super) bound: Option<Comparator>,
    /// How it was recorded, when that differs from the series' unit ("24 g/L"; "kappa 200,
    /// lambda 10 mg/L").
    pub(super) recorded: Option<String>,
    /// The observations it was read from: id and words, for the evidence.
    pub(super) sources: Vec<(i64, String)>,
    /// A value not read, assumed a rise from any nadir to see what it could change (see
    /// [`unread_progressions`]); never a nadir.
    pub(super) assumed: bool,
}

impl Point {
    /// "2.4 g/dL (24 g/L, 2025-08-04, nadir)".
    pub(super) fn describe(&self, series: Series, role: Option<&str>) -> String {
        let bound = self.bound.map_or(String::new(), |b| format!("{b} "));
        let mut parts: Vec<String> = self.recorded.iter().cloned().collect();
        // Of a month or a year alone, as given ("2026-03"), never its first day.
        parts.push(super::dates::dated(self.day, self.last));
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
/// line's start and no line confirming a single rise. Each is its first and last possible
/// day: a rise shown by a value dated by a month or a year alone is every day of it.
pub fn rise_days(
    observations: &[Observation],
    spec: &MProtein,
    progression: &ProgressionParameters,
) -> Vec<(NaiveDate, NaiveDate)> {
    let mut log = Log::default();
    let serum = serum_series(observations, spec, NaiveDate::MAX, &mut log);
    let found = progressions_of(
        observations,
        spec,
        progression,
        NaiveDate::MAX,
        &Scan {
            resets: &[],
            acted_on: &|_, _, _| None,
        },
        &serum,
        &mut log,
    );
    found
        .events
        .iter()
        .map(|event| (event.date, event.last.max(event.date)))
        .collect()
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

/// A serum M-protein is a concentration: a test named as one whose unit is another kind (an
/// amount per 24 hours, a ratio to creatinine, a percentage) is not the serum's, whatever its
/// name says. The words decide first (mg/dL is a serum unit too: a urine M-spike in mg/dL is
/// told from the serum's by its name saying urine, see [`is_urine`]); then the unit's kind. A
/// value with no unit, or one refract does not know, stays the serum's by its name: it is a
/// value not read, never a value of another test.
pub(super) fn in_serum_series(spec: &MProtein, o: &Observation) -> bool {
    (selects(&spec.serum, o) || names_m_protein(spec, o))
        && !is_urine(spec, o)
        && matches!(kind_of(o), UnitKind::Concentration | UnitKind::Unknown)
}

/// What the unit of a value measures (no unit: unknown).
fn kind_of(o: &Observation) -> UnitKind {
    o.unit
        .as_deref()
        .map_or(UnitKind::Unknown, |unit| unit_form(unit).1)
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

/// Whether a test is the urine M-protein, whatever its unit: one the urine selector reads (by
/// code, or by one of its names), or one named as an M-protein whose name also says urine
/// (`urine_words`: "urine", "UPEP", "24 hour", "Bence Jones") or whose unit is an amount per
/// time (mg/24 h; unless a serum code says otherwise). Never one whose name has a word of the
/// urine selector's `not_names` (a urine protein total, a ratio to creatinine, "Creat", an
/// immunofixation): those are other tests, whatever they share with the M-protein's names.
fn names_urine_m_protein(spec: &MProtein, o: &Observation) -> bool {
    let Some(urine) = &spec.urine else {
        return false;
    };
    if urine.codes.contains(&o.code) {
        return true;
    }
    if urine.not_names.iter().any(|word| says(&o.display, word)) {
        return false;
    }
    selects(urine, o)
        || (names_m_protein(spec, o)
            && (says_urine(spec, o)
                || (kind_of(o) == UnitKind::PerTime && !spec.serum.codes.contains(&o.code))))
}

/// Whether a value is one of the 24-hour urine M-protein series: the urine M-protein (see
/// [`names_urine_m_protein`]) in an amount per time, or with no unit or one refract does not
/// know (a value not read). IMWG measures the urine M-protein as the amount in 24 hours: a
/// urine M-protein as a concentration (a random urine's mg/dL), a ratio to creatinine (mg/g)
/// or a percentage is another measure, never a value of the series (set aside with a note).
fn is_urine_m_protein(spec: &MProtein, o: &Observation) -> bool {
    names_urine_m_protein(spec, o) && matches!(kind_of(o), UnitKind::PerTime | UnitKind::Unknown)
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
    says_urine(spec, o) || names_urine_m_protein(spec, o)
}

/// A protein of the urine measured as an amount per 24 hours that is not named as the
/// M-protein ("Protein, 24 hr urine"): said, since in light-chain disease it may be the one
/// the clinician follows.
fn urine_protein_per_day(spec: &MProtein, o: &Observation) -> bool {
    spec.urine.is_some()
        && kind_of(o) == UnitKind::PerTime
        && names_test(&o.display, "protein")
        && !names_m_protein(spec, o)
}

/// Says once, in `log`, the tests named as an M-protein (or as a protein of the urine in an
/// amount per 24 hours) that no series reads (a urine concentration, a ratio to creatinine, a
/// percentage, a urine test that is not the M-protein by its name): never dropped without a
/// word.
pub(super) fn set_aside(
    observations: &[Observation],
    spec: &MProtein,
    today: NaiveDate,
    log: &mut Log,
) {
    let aside: Vec<String> = observations
        .iter()
        .filter(|o| o.value.is_some() && o.local_day() <= today)
        .filter(|o| {
            selects(&spec.serum, o)
                || names_m_protein(spec, o)
                || names_urine_m_protein(spec, o)
                || urine_protein_per_day(spec, o)
        })
        .filter(|o| !in_serum_series(spec, o) && !is_urine_m_protein(spec, o))
        .map(|o| {
            let unit = o.unit.as_deref().unwrap_or_default();
            let why = match kind_of(o) {
                UnitKind::Percent => {
                    String::from("a share of the total protein, not the M-protein's amount")
                }
                UnitKind::Ratio => {
                    format!("a ratio to another measure ({unit}), not the M-protein's amount")
                }
                _ if is_urine(spec, o) && spec.urine.is_none() => {
                    String::from("a urine test, and the rule set reads no urine M-protein")
                }
                UnitKind::Concentration if is_urine(spec, o) => {
                    format!("a urine concentration ({unit}), not the 24-hour amount IMWG measures")
                }
                _ if names_m_protein(spec, o) && is_urine(spec, o) => {
                    String::from("a urine test that is not the 24-hour urine M-protein by its name")
                }
                _ if is_urine(spec, o) || urine_protein_per_day(spec, o) => {
                    String::from("a protein of the urine not named as the monoclonal one")
                }
                _ => format!("unit {unit} is no serum M-protein's"),
            };
            format!(
                "{} {} on {}: not read as an M-protein ({why})",
                o.display,
                o.value_text(),
                o.local_day()
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
    /// For a single rise on a day from `first` to `last` (a value of a month alone: every day
    /// of it) whose next value (if any) is on `next`: the new line begun soon after, before
    /// that value, in words (the clinician acted on the rise).
    pub(super) acted_on: &'s dyn Fn(NaiveDate, NaiveDate, Option<NaiveDate>) -> Option<Acted>,
}

/// A new line begun after a single rise (see [`Scan::acted_on`]).
pub(super) enum Acted {
    /// Begun after the rise and within the days that confirm it, whatever its day: in words.
    Surely(String),
    /// The rise is dated by a month or a year alone whose days run past the line's start or
    /// past the days that confirm it: whether the line was begun after it and soon enough
    /// cannot be told. The line in words.
    Untold(String),
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
    /// The progressions values not read could make (see [`unread_progressions`]): the series,
    /// the day the progression would be dated, and the days of the values not read it rests on.
    pub(super) possible: Vec<(Series, NaiveDate, Vec<NaiveDate>)>,
}

/// The progressions the values of a series that were not read could make: each such value
/// taken as a rise from any nadir (the most it could be; never a nadir itself, as IMWG
/// measures from the lowest confirmed value), the series is scanned again, and every
/// progression, confirmed or still pending, whose rises include one of them is one. A value
/// not read whose neighbours settle it (the value after it no rise from the nadir, the one
/// before it no single rise it could confirm) makes none: whatever it is, it could only be an
/// unconfirmed rise, refuted by the next value (IMWG 2016: two consecutive assessments).
fn unread_progressions(
    points: &[Point],
    unread: &[Unread],
    series: Series,
    rise: &Rise,
    needed: usize,
    scan: &Scan<'_>,
    found: &mut Found,
) {
    let mut days: Vec<NaiveDate> = unread
        .iter()
        .filter(|u| u.series == series)
        .map(|u| u.day)
        .collect();
    days.dedup();
    if days.is_empty() {
        return;
    }
    let mut assumed: Vec<Point> = points.to_vec();
    assumed.extend(days.into_iter().map(|day| Point {
        day,
        last: day,
        value: f64::MAX,
        bound: None,
        recorded: None,
        sources: Vec::new(),
        assumed: true,
    }));
    assumed.sort_by_key(|point| (point.day, point.assumed));
    let mut what_if = Found::default();
    scan_series(
        &assumed,
        series,
        series.name(),
        rise,
        needed,
        scan,
        false,
        &mut what_if,
    );
    found.possible.extend(what_if.possible);
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
    scan_placed(
        serum,
        Series::Serum,
        "serum M-protein",
        &spec.serum_rise,
        needed,
        scan,
        &mut found,
    );
    unread_progressions(
        serum,
        &log.unread,
        Series::Serum,
        &spec.serum_rise,
        needed,
        scan,
        &mut found,
    );
    let urine = urine_series(observations, spec, today, log);
    if let Some(rise) = &spec.urine_rise {
        scan_placed(
            &urine,
            Series::Urine,
            "urine M-protein",
            rise,
            needed,
            scan,
            &mut found,
        );
        unread_progressions(
            &urine,
            &log.unread,
            Series::Urine,
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
        scan_placed(
            &differences,
            Series::LightChains,
            &name,
            rise,
            needed,
            scan,
            &mut found,
        );
        unread_progressions(
            &differences,
            &log.unread,
            Series::LightChains,
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
/// found by its name last) at the latest time is read; of two tests (by name) at that moment,
/// the one the series follows, the other said in a note; two different values of one test
/// there (compared in the series' unit) are not chosen between. What cannot be read (no unit or one refract does not convert, a
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
        .filter(|o| o.value.is_some() && o.local_day() <= today)
        .filter(|o| picks(o))
        .collect();
    found.sort_by_key(|o| (o.local_day(), rank(o), std::cmp::Reverse(o.effective)));
    // Two tests at one time (two bands of a biclonal disease, a new small band after
    // treatment, another feed's name for the same test) are two measures, not two readings of
    // one: the series follows one test, the one it began with (the first reported; of tests
    // first reported together, the larger then: the band that is the measurable disease).
    // IMWG 2016 follows the M-protein that was measurable; a new band after treatment is
    // often oligoclonal reconstitution, not progression, and a sum would count it as a rise.
    // Our choice; the others are said in a note.
    let key = |o: &Observation| o.display.to_lowercase();
    let mut firsts: Vec<(String, NaiveDate, f64)> = Vec::new();
    for o in &found {
        let k = key(o);
        let value = in_unit(series, o);
        match firsts.iter_mut().find(|(known, _, _)| *known == k) {
            Some((_, day, largest)) if *day == o.local_day() => {
                *largest = largest.max(value);
            }
            Some(_) => {}
            None => firsts.push((k, o.local_day(), value)),
        }
    }
    let followed = |o: &Observation| {
        let k = key(o);
        firsts
            .iter()
            .find(|(known, _, _)| *known == k)
            .map(|(_, day, value)| (*day, -*value))
    };
    // The moments of the record, each with its tests (of the best rank that moment).
    let mut moments: Vec<Vec<&Observation>> = Vec::new();
    let mut index = 0;
    while index < found.len() {
        let day = found[index].local_day();
        let same_day = found[index..]
            .iter()
            .take_while(|o| o.local_day() == day)
            .count();
        let best = found[index];
        moments.push(
            found[index..index + same_day]
                .iter()
                .copied()
                .filter(|o| rank(o) == rank(best) && o.effective == best.effective)
                .collect(),
        );
        index += same_day;
    }
    let by_following = |a: &&Observation, b: &&Observation| {
        followed(a)
            .partial_cmp(&followed(b))
            .unwrap_or(std::cmp::Ordering::Equal)
    };
    // A test once reported beside the one followed is another measure (a second band): never
    // read into the series, even on a day it is reported alone. A test never reported beside
    // it (a lab's new name for the same test) goes on with the series.
    let mut companions: Vec<(String, String)> = Vec::new();
    for moment in &moments {
        if let Some(lead) = moment.iter().copied().min_by(by_following) {
            for o in moment {
                if key(o) != key(lead) && !companions.iter().any(|(k, _)| *k == key(o)) {
                    companions.push((key(o), lead.display.clone()));
                }
            }
        }
    }
    let mut unread: Vec<String> = Vec::new();
    let mut others: Vec<String> = Vec::new();
    let mut points: Vec<Point> = Vec::new();
    for at_once in moments {
        let Some(day) = at_once.first().map(|o| o.local_day()) else {
            continue;
        };
        let (candidates, companions_now): (Vec<&Observation>, Vec<&Observation>) = at_once
            .iter()
            .partition(|o| !companions.iter().any(|(k, _)| *k == key(o)));
        for other in companions_now {
            let beside = companions
                .iter()
                .find(|(k, _)| *k == key(other))
                .map_or("", |(_, lead)| lead.as_str());
            others.push(format!(
                "{} {} on {day}: reported beside {beside}, which the {} follows: not read into it (a second band, or a new small band after treatment, is not the M-protein measured)",
                other.display,
                other.value_text(),
                series.name(),
            ));
        }
        let Some(first) = candidates.iter().copied().min_by(by_following) else {
            continue;
        };
        let same_test: Vec<&Observation> = candidates
            .iter()
            .copied()
            .filter(|o| key(o) == key(first))
            .collect();
        let mut set_aside = |said: String, need: String| {
            unread.push(said);
            log.unread.push(Unread { series, day, need });
        };
        // The same value twice (two feeds, "g/dL" and "G/DL", or 6 g/L beside 0.6 g/dL) is one
        // value: compared in the series' unit, never by the unit's spelling.
        if same_test.iter().any(|o| !same_reading(series, o, first)) {
            let values = same_test
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
            last: first.last_local_day().max(day),
            value: value * factor,
            bound: first.comparator,
            recorded: converted.then(|| first.value_text()),
            sources: vec![(first.id, describe_observation(first))],
            assumed: false,
        });
    }
    for said in [unread, others] {
        if let Some(example) = said.first() {
            let more = match said.len() {
                1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            };
            log.notes.push(format!("{example}{more}"));
        }
    }
    points
}

/// A value in the series' unit when its unit converts; else as recorded (to compare only).
fn in_unit(series: Series, o: &Observation) -> f64 {
    let value = o.value.unwrap_or_default();
    o.unit
        .as_deref()
        .and_then(|unit| series.factor(unit))
        .map_or(value, |factor| value * factor)
}

/// Whether two values of one test at one time say the same: the same value once converted to
/// the series' unit, with the same comparator; values whose units do not convert, the same
/// number in the same unit (as [`unit_form`] writes it).
fn same_reading(series: Series, a: &Observation, b: &Observation) -> bool {
    let factor = |o: &Observation| o.unit.as_deref().and_then(|unit| series.factor(unit));
    let form = |o: &Observation| o.unit.as_deref().map(|unit| unit_form(unit).0);
    let same_value = match (factor(a), factor(b)) {
        (Some(_), Some(_)) => {
            let (x, y) = (in_unit(series, a), in_unit(series, b));
            (x - y).abs() <= SLACK * x.abs().max(y.abs()).max(1.0)
        }
        _ => a.value == b.value && form(a) == form(b),
    };
    same_value && a.comparator == b.comparator
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
                last: k.last.max(l.last),
                value: involved.value - uninvolved.value,
                bound: None,
                recorded: Some(format!("kappa {}, lambda {}", raw(k), raw(l))),
                sources: k.sources.iter().chain(&l.sources).cloned().collect(),
                assumed: false,
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

/// Scans one series for progressions (see [`scan_series`]) with each value dated by a month or a
/// year alone placed on its first day, and again on its last: every day of it, never its first
/// day made up. A progression both find stands; one only either finds (the value's day against
/// a line's start, which begins a new nadir, or against the values beside it, decides it) is a
/// progression still to be decided, its missing the day the record never gave.
fn scan_placed(
    points: &[Point],
    series: Series,
    name: &str,
    rise: &Rise,
    needed: usize,
    scan: &Scan<'_>,
    found: &mut Found,
) {
    let mut early = Found::default();
    scan_series(points, series, name, rise, needed, scan, false, &mut early);
    let undated: Vec<&Point> = points.iter().filter(|p| p.last > p.day).collect();
    if undated.is_empty() {
        found.events.append(&mut early.events);
        found.refuted.append(&mut early.refuted);
        found.sources.append(&mut early.sources);
        found.possible.append(&mut early.possible);
        return;
    }
    let mut late_points = points.to_vec();
    late_points.sort_by_key(|p| (p.last, p.assumed));
    let mut late = Found::default();
    scan_series(
        &late_points,
        series,
        name,
        rise,
        needed,
        scan,
        true,
        &mut late,
    );
    let key = |p: &Progression| (p.date, p.last, p.confirmed);
    let holding: Vec<&&Point> = undated
        .iter()
        .filter(|p| {
            scan.resets
                .iter()
                .any(|start| p.day <= *start && *start < p.last)
        })
        .collect();
    let listed = if holding.is_empty() {
        undated.iter().collect::<Vec<_>>()
    } else {
        holding
    }
    .iter()
    .map(|p| p.describe(series, None))
    .collect::<Vec<_>>()
    .join(", ");
    let starts = scan
        .resets
        .iter()
        .filter(|start| undated.iter().any(|p| p.day <= **start && **start < p.last))
        .map(ToString::to_string)
        .collect::<Vec<_>>();
    let against = if starts.is_empty() {
        String::from("the values beside it")
    } else {
        format!("the start of the line begun on {}", starts.join(", "))
    };
    let untold = |p: &Progression| Progression {
        words: format!(
            "{} (if the {} value{} dated by a month or a year alone lay so: {listed})",
            p.words,
            series.name(),
            if undated.len() == 1 { "" } else { "s" }
        ),
        confirmed: false,
        shown_confirmed: false,
        missing: Some(format!(
            "the day of {listed}, dated by a month or a year alone: whether before or after \
             {against} cannot be told, and its day would decide whether the {} progressed on \
             {} (IMWG 2016, a rise from the nadir)",
            series.name(),
            p.dated()
        )),
        ..p.clone()
    };
    for event in &early.events {
        if late.events.iter().any(|other| key(other) == key(event)) {
            found.events.push(event.clone());
        } else {
            found.events.push(untold(event));
        }
    }
    for event in &late.events {
        if !early.events.iter().any(|other| key(other) == key(event)) {
            found.events.push(untold(event));
        }
    }
    found.refuted.append(&mut early.refuted);
    found.sources.append(&mut early.sources);
    found.possible.append(&mut early.possible);
}

/// Scans one series for progressions. The nadir is the lowest value since the series began, the
/// last line began (its baseline) or the last progression was confirmed (the value that
/// confirmed it). A value that rises from the nadir starts a run; `needed` rises in a row
/// confirm a progression dated on the first (IMWG 2016: "confirmed by two consecutive
/// assessments"). A run cut short by a value that does not rise is refuted; one at the end of
/// the series is pending, unless a new line begun soon after it, before any further value,
/// shows that the clinician acted on it. `late` places a value dated by a month or a year alone
/// on its last day against the lines' starts (the points sorted so), else on its first.
#[allow(clippy::too_many_arguments)]
fn scan_series(
    points: &[Point],
    series: Series,
    name: &str,
    rise: &Rise,
    needed: usize,
    scan: &Scan<'_>,
    late: bool,
    found: &mut Found,
) {
    let placed = |point: &Point| if late { point.last } else { point.day };
    let mut nadir: Option<usize> = None;
    let mut index = 0;
    while index < points.len() {
        if index > 0
            && scan.resets.iter().any(|start| {
                placed(&points[index - 1]) <= *start && *start < placed(&points[index])
            })
        {
            // A value not read is never a nadir (IMWG's "lowest confirmed value").
            nadir = (0..index).rev().find(|&at| !points[at].assumed);
        }
        let Some(low) = nadir else {
            if !points[index].assumed {
                nadir = Some(index);
            }
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
        // A progression (confirmed, acted on or pending) resting on a value not read is one
        // that value could make; a run the next value refutes is none, whatever it holds.
        let mut rests_on_unread = |run: &[Point]| {
            let assumed: Vec<NaiveDate> = run
                .iter()
                .filter(|point| point.assumed)
                .map(|point| point.day)
                .collect();
            if !assumed.is_empty() {
                found.possible.push((series, first, assumed));
            }
        };
        let next = points.get(run_end);
        let acted = (run_end - index < needed)
            .then(|| (scan.acted_on)(first, points[index].last, next.map(|p| p.day)))
            .flatten();
        if run_end - index >= needed {
            rests_on_unread(&points[index..index + needed]);
        } else if acted.is_some() || next.is_none() {
            rests_on_unread(&points[index..run_end]);
        }
        if run_end - index >= needed {
            let confirming = index + needed - 1;
            found.events.push(Progression {
                date: first,
                last: points[index].last,
                words: format!(
                    "{}: progression confirmed ({}, on {needed} values in a row)",
                    chain(name, series, points, low, &points[index..=confirming]),
                    rise_words(rise, series)
                ),
                confirmed: true,
                assessed: true,
                shown_confirmed: true,
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
        if let Some(Acted::Untold(line)) = acted {
            let words = chain(name, series, points, low, &points[index..run_end]);
            let dated = super::dates::dated(first, points[index].last);
            found.events.push(Progression {
                date: first,
                last: points[index].last,
                words: format!(
                    "{words}: one rise dated {dated} alone, then {line} ({})",
                    rise_words(rise, series)
                ),
                confirmed: false,
                assessed: true,
                shown_confirmed: false,
                at: None,
                missing: Some(format!(
                    "the day of the {} value dated {dated} alone ({words}): whether {line} was \
                     begun after it and soon enough to confirm it cannot be told; its day would \
                     decide whether the {} progressed (IMWG 2016, a rise from the nadir)",
                    series.name(),
                    series.name()
                )),
            });
        } else if let Some(Acted::Surely(line)) = acted {
            found.events.push(Progression {
                date: first,
                last: points[index].last,
                words: format!(
                    "{}: one rise, acted on by starting {line} ({})",
                    chain(name, series, points, low, &points[index..run_end]),
                    rise_words(rise, series)
                ),
                confirmed: true,
                assessed: true,
                shown_confirmed: false,
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
                last: points[index].last,
                words: format!(
                    "{}, not yet confirmed ({})",
                    chain(name, series, points, low, &points[index..run_end]),
                    rise_words(rise, series)
                ),
                confirmed: false,
                assessed: true,
                shown_confirmed: false,
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
            last: NaiveDate::MIN,
            value,
            bound: None,
            recorded: None,
            sources: Vec::new(),
            assumed: false,
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

    fn on(value: f64, first: &str, last: &str) -> Point {
        Point {
            day: first.parse().unwrap(),
            last: last.parse().unwrap(),
            ..point(value)
        }
    }

    #[test]
    fn a_value_of_a_month_holding_a_lines_start_leaves_a_progression_its_day_decides_undecided() {
        // 1.0 in February, 1.4 "in 2026-03", a line begun on 2026-03-15, then 1.55 and 1.6. On
        // 1 March the 1.4 is the new line's baseline (no rise from it); on 31 March the
        // baseline is the 1.0, and 1.55, 1.6 are a progression from it.
        let points = [
            on(1.0, "2026-02-10", "2026-02-10"),
            on(1.4, "2026-03-01", "2026-03-31"),
            on(1.55, "2026-04-20", "2026-04-20"),
            on(1.6, "2026-05-20", "2026-05-20"),
        ];
        let resets = ["2026-03-15".parse().unwrap()];
        let scan = Scan {
            resets: &resets,
            acted_on: &|_, _, _| None,
        };
        let mut found = Found::default();
        scan_placed(
            &points,
            Series::Serum,
            "serum M-protein",
            &serum_rise(),
            2,
            &scan,
            &mut found,
        );
        assert_eq!(found.events.len(), 1, "{:?}", found.events);
        let event = &found.events[0];
        assert!(!event.confirmed);
        let missing = event.missing.as_deref().unwrap_or_default();
        assert!(
            missing.contains("2026-03") && missing.contains("cannot be told"),
            "{missing}"
        );
        assert!(missing.contains("2026-03-15"), "{missing}");
        // Every value dated by a day: the 1.4 on 1 March is the baseline, no progression.
        let mut dated = points.clone();
        dated[1].last = dated[1].day;
        let mut found = Found::default();
        scan_placed(
            &dated,
            Series::Serum,
            "serum M-protein",
            &serum_rise(),
            2,
            &scan,
            &mut found,
        );
        assert!(found.events.is_empty(), "{:?}", found.events);
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
    fn the_unit_spellings_labs_print_are_read_as_their_unit() {
        for unit in [
            "mg/24 hr",
            "mg/24hrs",
            "mg/24 hours",
            "mg/24hr",
            "mg/day",
            "mg/d",
            "MG/24HR",
            "mg/(24.h)",
            "milligrams per 24 hours",
            "mg/24-hr",
        ] {
            assert_eq!(Series::Urine.factor(unit), Some(1.0), "{unit}");
        }
        for unit in ["g/24 hr", "g/day", "gm/24 hrs", "grams/24 hours"] {
            assert_eq!(Series::Urine.factor(unit), Some(1000.0), "{unit}");
        }
        for unit in ["gm/dL", "G/DL", "gm/dl", "g/dL", "grams per deciliter"] {
            assert_eq!(Series::Serum.factor(unit), Some(1.0), "{unit}");
        }
        // Never guessed: an hour is not a day; a ratio is no amount.
        assert_eq!(Series::Urine.factor("mg/h"), None);
        assert_eq!(Series::Urine.factor("mg/12 hr"), None);
        assert_eq!(unit_form("mg/g").1, UnitKind::Ratio);
        assert_eq!(unit_form("mg/g{creat}").1, UnitKind::Ratio);
        assert_eq!(unit_form("mg/mmol").1, UnitKind::Ratio);
        assert_eq!(unit_form("mg/dL").1, UnitKind::Concentration);
        assert_eq!(unit_form("mg/24 hr").1, UnitKind::PerTime);
        assert_eq!(unit_form("%").1, UnitKind::Percent);
        assert_eq!(unit_form("units").1, UnitKind::Unknown);
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
