//! Blood-count recovery at an AML course's response marrow: the best ANC and platelet count of
//! the course's recovery tell a complete remission (CR), one with incomplete recovery (CRi) or
//! with partial recovery (CRh, ELN 2022) from a morphologic leukaemia-free state (MLFS), which
//! marrow blasts below 5 % alone cannot (ELN 2017; reference section 7a). Read by
//! `induction_failure` (`oncology.rs`) and, through it, by the marrow reading of AML relapse;
//! and by the lines (`lines.rs`), where a remission read so continues the line as a recorded
//! one does (`[lines] remission_continues`).
//!
//! Also how a marrow blast count is read and said (a percent, never a guessed fraction), shared
//! by the lines and by `oncology.rs`.
//!
//! Counts are read as recorded, in any unit the rule file lists with its size against 10⁹/L;
//! a count in a unit it does not list is never guessed at, it is named as what is missing.

use std::fmt::Write as _;

use chrono::NaiveDate;

use super::latest::{Latest, agreed_latest};
use super::model::CountRecovery;
use super::model::ObservationSelector;
use super::numbers::trim_number;
use crate::domain::observation_codes::display;
use crate::domain::units;
use crate::domain::{Observation, PatientRecord, Response};

/// The record the counts are read from and the run day: what a course's reading needs, both
/// where a criterion reads it (`oncology.rs`) and where the lines are derived (`lines.rs`, before
/// any criterion's context exists).
#[derive(Clone, Copy)]
pub struct Records<'a> {
    pub record: &'a PatientRecord,
    pub today: NaiveDate,
}

impl<'a> Records<'a> {
    fn observations<'s>(
        self,
        selector: &'s ObservationSelector,
    ) -> impl Iterator<Item = &'a Observation> + 's
    where
        'a: 's,
    {
        self.record
            .observations
            .iter()
            .filter(move |observation| super::selectors::selects(selector, observation))
    }
}

/// One blood count as recorded, with the size of its unit.
pub struct Count<'a> {
    pub observation: &'a Observation,
    /// How many of the recorded unit make 1 × 10⁹/L (1000 for /uL).
    per_unit: f64,
    /// "ANC" or "platelets", for the words.
    name: &'static str,
}

impl Count<'_> {
    /// Whether the count is at least `cut` × 10⁹/L; `None` for a bound that does not say
    /// ("< 150" against 100).
    fn at_least(&self, cut: f64) -> Option<bool> {
        self.observation.beyond("at_least", cut * self.per_unit)
    }

    /// "ANC 0.4 ×10⁹/L", "platelets 35000/uL (35 ×10⁹/L)", "ANC < 0.1 ×10⁹/L": the value as
    /// recorded, and in 10⁹/L when recorded in another unit.
    fn text(&self) -> String {
        let o = self.observation;
        let value = o.value.map(trim_number).unwrap_or_default();
        let bound = o
            .comparator
            .map_or(String::new(), |comparator| format!("{comparator} "));
        let unit = o
            .unit
            .as_deref()
            .and_then(display::unit)
            .unwrap_or_default();
        let space = if unit.starts_with('/') || unit.is_empty() {
            ""
        } else {
            " "
        };
        let mut out = format!("{} {bound}{value}{space}{unit}", self.name);
        // In 10⁹/L too, unless the unit is that size already (10*9/L, 10*3/uL).
        if (self.per_unit - 1.0).abs() > f64::EPSILON
            && let Some(value) = o.value
        {
            let _ = write!(
                out,
                " ({bound}{} ×10⁹/L)",
                trim_number(value / self.per_unit)
            );
        }
        out
    }

    /// The question to ask when a bound does not say which side of `cut` the count is on.
    fn question(&self, cut: f64) -> String {
        format!(
            "whether the {} of {} ({}) is at least {} ×10⁹/L",
            self.name,
            self.observation.local_day(),
            self.text(),
            trim_number(cut)
        )
    }
}

/// The counts at a response marrow, or what is missing to tell a remission from MLFS.
pub enum Reading<'a> {
    Counts {
        anc: Count<'a>,
        platelets: Count<'a>,
    },
    /// For `missing`, in words.
    Missing(String),
}

/// What one count gave: the count, or why there is none.
enum One<'a> {
    Found(Count<'a>),
    /// None in the window; with those recorded there in a unit the rule file does not list.
    Absent(Vec<&'a Observation>),
    /// Two values at the best count's moment that differ: which holds, in words.
    Disagree(String),
}

/// The best (highest) ANC and platelet count of a course's recovery: from `window_days` before
/// the day of `marrow` (and after the course began, `after`) to `until` (the day the next course
/// starts, or `days_after_marrow` after the marrow; the caller says which), as the last day
/// surely of the read and the last day that may be (later only for a marrow of a month alone,
/// read from its first day and its last). ELN judges CR and
/// CRi once the counts have recovered, often a week or two after a day-28 marrow: a count taken
/// before that shows the aplasia, not the response, so the best of the course decides, not the
/// one nearest the marrow. A count drawn once the next course is given shows that course's
/// aplasia, not this one's recovery. `course` names the course for the words.
pub fn at_marrow<'a>(
    ctx: Records<'a>,
    spec: &CountRecovery,
    marrow: &Observation,
    after: NaiveDate,
    (until, may_until): (NaiveDate, NaiveDate),
    course: &str,
) -> Reading<'a> {
    let day = marrow.local_day();
    let back = |day: NaiveDate| {
        (day - chrono::Days::new(spec.window_days.max(0).unsigned_abs()))
            .max(after + chrono::Days::new(1))
    };
    // A marrow of a month alone: the counts surely of its recovery are those from the window
    // before its last day; those from the window before its first day may be.
    let window = Window {
        from: back(marrow.last_local_day().min(ctx.today).max(day)),
        may_from: back(day),
        until,
        may_until: may_until.max(until),
        marrow: marrow.day_text(),
        course,
    };
    let from = window.may_from;
    let anc = best(
        ctx,
        spec,
        &spec.neutrophils,
        "ANC",
        &window,
        &[spec.neutrophils_at_least, spec.crh_neutrophils_at_least],
    );
    let platelets = best(
        ctx,
        spec,
        &spec.platelets,
        "platelets",
        &window,
        &[spec.platelets_at_least, spec.crh_platelets_at_least],
    );
    let (anc, platelets) = match (anc, platelets) {
        (One::Found(anc), One::Found(platelets)) => return Reading::Counts { anc, platelets },
        (One::Disagree(question), _) | (_, One::Disagree(question)) => {
            return Reading::Missing(question);
        }
        (anc, platelets) => (anc, platelets),
    };
    let lacking = |one: &One<'_>| !matches!(one, One::Found(_));
    let what = match (lacking(&anc), lacking(&platelets)) {
        (true, true) => "ANC and platelet count",
        (true, false) => "ANC",
        _ => "platelet count",
    };
    let mut out = format!(
        "{what} at the response marrow ({day}) of {course}, from {from} to {until}: with marrow blasts below the cut-off, a CR or CRi cannot be told from MLFS without them"
    );
    // Counts that are there but in a unit the rule file does not size: say so, so that the
    // unit can be added rather than the count looked for.
    for one in [&anc, &platelets] {
        if let One::Absent(unread) = one {
            for o in unread {
                let _ = write!(
                    out,
                    " ({} {} {} on {} is in a unit the rule file does not list)",
                    o.display,
                    o.value.map(trim_number).unwrap_or_default(),
                    o.unit.as_deref().unwrap_or("with no unit"),
                    o.local_day()
                );
            }
        }
    }
    if lacking(&anc) {
        out.push_str(
            " (an ANC as recorded: refract does not compute one from a WBC and neutrophil %)",
        );
    }
    Reading::Missing(out)
}

/// The days a course's recovery counts are read in (see [`at_marrow`]).
struct Window<'w> {
    /// The first day of the counts surely of the recovery.
    from: NaiveDate,
    /// The first day of those that may be (before `from` only for a marrow of a month alone).
    may_from: NaiveDate,
    until: NaiveDate,
    /// The last day of those that may be (after `until` only for a marrow of a month alone
    /// with no next course: the read ends `days_after_marrow` after the marrow's day).
    may_until: NaiveDate,
    /// The marrow's day as the record gave it ("2026-03" for a month alone).
    marrow: String,
    course: &'w str,
}

/// The best count of `selector` in `window`. A count dated by a month or a year alone is every
/// day of it: it counts only when all of it (up to today) is in the window; one whose days run
/// across a bound of the window that would put the best count on the other side of a cut of
/// `cuts` (× 10⁹/L) than the counts surely in it leaves the response undecided, said (never
/// read on its first day).
fn best<'a>(
    ctx: Records<'a>,
    spec: &CountRecovery,
    selector: &ObservationSelector,
    name: &'static str,
    window: &Window<'_>,
    cuts: &[f64],
) -> One<'a> {
    let span = |o: &Observation| {
        (
            o.local_day(),
            o.last_local_day().min(ctx.today).max(o.local_day()),
        )
    };
    let surely = |o: &Observation| {
        let (first, last) = span(o);
        first >= window.from && last <= window.until
    };
    let maybe = |o: &Observation| {
        let (first, last) = span(o);
        !surely(o) && last >= window.may_from && first <= window.may_until
    };
    // In 10⁹/L, so that counts in different units compare.
    let size = |o: &Observation| {
        o.value.unwrap_or_default() / per_unit(spec, o.unit.as_deref()).unwrap_or(1.0)
    };
    let (readable, unread): (Vec<&'a Observation>, Vec<&'a Observation>) = ctx
        .observations(selector)
        .filter(|o| o.value.is_some())
        .filter(|o| surely(o))
        .partition(|o| per_unit(spec, o.unit.as_deref()).is_some());
    let surely_best = readable
        .iter()
        .map(|o| size(o))
        .fold(None, |best: Option<f64>, size| {
            Some(best.map_or(size, |b| b.max(size)))
        });
    let deciding = ctx
        .observations(selector)
        .filter(|o| o.exact_value().is_some() && per_unit(spec, o.unit.as_deref()).is_some())
        .filter(|o| maybe(o))
        .find(|o| {
            cuts.iter()
                .any(|cut| size(o) >= *cut && surely_best.is_none_or(|best| best < *cut))
        });
    if let Some(o) = deciding {
        let count = Count {
            observation: o,
            per_unit: per_unit(spec, o.unit.as_deref()).unwrap_or(1.0),
            name,
        };
        if o.effective_precision.is_day() {
            // A count of a day that is of the read only by the day of a marrow of a month.
            return One::Disagree(format!(
                "the day of the response marrow dated {} alone: whether the {} of {} ({}) was \
                 of the recovery of {} (surely read from {} to {}; by the marrow's day, from as \
                 early as {} to as late as {}) cannot be told; its day would decide a CR or CRi \
                 from MLFS",
                window.marrow,
                name,
                o.local_day(),
                count.text(),
                window.course,
                window.from,
                window.until,
                window.may_from,
                window.may_until
            ));
        }
        return One::Disagree(format!(
            "the day of the {} dated {} alone ({}): whether it was of the recovery of {} (from \
             {} to {}) cannot be told; its day would decide a CR or CRi from MLFS",
            name,
            o.day_text(),
            count.text(),
            window.course,
            window.from,
            window.until
        ));
    }
    // Of two as high, the later: the same recovery, the more recent word on it.
    let Some(highest) = readable.iter().copied().max_by(|a, b| {
        size(a)
            .total_cmp(&size(b))
            .then(a.effective.cmp(&b.effective))
    }) else {
        return One::Absent(unread);
    };
    // Two values at that moment: which holds, nothing in the record says (the same rule as
    // every other measure's latest value). The same count sent twice in two units (1.5
    // 10*9/L and 1500/uL from two systems) is one count: compared in 10^9/L, after conversion
    // (review R7-3's fault, for counts).
    let at_moment: Vec<&Observation> = readable
        .iter()
        .copied()
        .filter(|o| o.effective == highest.effective)
        .collect();
    let same_count = |o: &&Observation| {
        (size(o) - size(highest)).abs() <= 1e-9 * size(highest).abs().max(1.0)
            && o.comparator == highest.comparator
            && o.value_code == highest.value_code
    };
    if at_moment.iter().all(same_count) {
        return One::Found(Count {
            observation: highest,
            per_unit: per_unit(spec, highest.unit.as_deref()).unwrap_or(1.0),
            name,
        });
    }
    match agreed_latest(at_moment.into_iter()) {
        Latest::One(observation) => One::Found(Count {
            observation,
            per_unit: per_unit(spec, observation.unit.as_deref()).unwrap_or(1.0),
            name,
        }),
        Latest::Disagree(question) => One::Disagree(question),
        Latest::None => One::Absent(unread),
    }
}

/// How many of `unit` make 1 × 10⁹/L, when the rule file lists it: compared without case,
/// spaces or UCUM annotations ("{cells}/uL" is "/uL"), µ as u, ^ as *, and a leading "x"
/// dropped ("x10^9/L" is "10*9/L", as FHIR's unit text writes what UCUM codes 10*9/L). The
/// spellings laboratories print for the same units are read as them too: superscript
/// exponents ("×10⁹/L", as refract itself prints) or in brackets ("x10(3)/mcL", Cerner's) or
/// after a space ("X10 3/uL"), "mcL" and "microliter" as uL (the US spelling of µL), "cumm"
/// ("cu mm") and "cmm" as mm3, "giga" as G, and a thousand of a volume however written ("K",
/// "thou", "Thous", "thousand", "x1000") as 10^3 of it.
fn per_unit(spec: &CountRecovery, unit: Option<&str>) -> Option<f64> {
    let unit = units::count_unit(unit?);
    spec.units
        .iter()
        .find(|(listed, _)| units::count_unit(listed) == unit)
        .map(|(_, size)| *size)
}

/// A response read from the counts, and the words after its name (", platelets below 100
/// ×10⁹/L" for a CRi).
pub struct Classified {
    pub response: Response,
    pub why: String,
}

/// ELN 2017: both counts recovered (ANC >= `neutrophils_at_least`, platelets >=
/// `platelets_at_least`) is CR; one of them, CRi; neither, MLFS. CRi's "all CR criteria except
/// for residual neutropenia or thrombocytopenia" is read as one count short, not both (our
/// choice, written in aml.toml): ELN 2017 sets no level of "some recovery" that would tell a
/// CRi with both counts short from an MLFS ("no hematologic recovery required"), so an
/// inclusive "or" would leave MLFS unreachable; partial recovery of both is what ELN 2022 named
/// CRh, read when `remission` lists it (ranked above CRi). This reads counts of a course with
/// no recorded response only: a recorded CR/CRi is never overruled by them (`course_result`).
/// `Err` asks the question a bound leaves open, when the answer would change the response.
pub fn classify(
    spec: &CountRecovery,
    anc: &Count<'_>,
    platelets: &Count<'_>,
    remission: &[Response],
) -> Result<Classified, String> {
    let side = |count: &Count<'_>, cut: f64| count.at_least(cut).ok_or_else(|| count.question(cut));
    let anc_recovered = side(anc, spec.neutrophils_at_least)?;
    let platelets_recovered = side(platelets, spec.platelets_at_least)?;
    if anc_recovered && platelets_recovered {
        return Ok(Classified {
            response: Response::Complete,
            why: String::new(),
        });
    }
    let crh_counted = remission.contains(&Response::CompletePartialRecovery);
    let partial =
        |strict: bool| -> Result<bool, String> {
            let one = |count: &Count<'_>, cut: f64| {
                if strict {
                    side(count, cut)
                } else {
                    Ok(count.at_least(cut) == Some(true))
                }
            };
            Ok(one(anc, spec.crh_neutrophils_at_least)?
                && one(platelets, spec.crh_platelets_at_least)?)
        };
    let crh_words = format!(
        "ELN 2022: ANC at least {} and platelets at least {} ×10⁹/L",
        trim_number(spec.crh_neutrophils_at_least),
        trim_number(spec.crh_platelets_at_least)
    );
    if anc_recovered || platelets_recovered {
        // A remission either way: CRh only names it better, so a bound that leaves CRh open
        // does not make it undecided.
        if crh_counted && partial(false)? {
            return Ok(Classified {
                response: Response::CompletePartialRecovery,
                why: format!(" ({crh_words})"),
            });
        }
        let short = if anc_recovered {
            format!("platelets below {}", trim_number(spec.platelets_at_least))
        } else {
            format!("ANC below {}", trim_number(spec.neutrophils_at_least))
        };
        return Ok(Classified {
            response: Response::CompleteIncompleteRecovery,
            why: format!(", {short} ×10⁹/L"),
        });
    }
    if crh_counted {
        if partial(true)? {
            return Ok(Classified {
                response: Response::CompletePartialRecovery,
                why: format!(" ({crh_words})"),
            });
        }
        return Ok(Classified {
            response: Response::MorphologicLeukemiaFree,
            why: String::new(),
        });
    }
    let why = if partial(false)? {
        format!(" (CRh by {crh_words}, which this rule file does not count as remission)")
    } else {
        String::new()
    };
    Ok(Classified {
        response: Response::MorphologicLeukemiaFree,
        why,
    })
}

/// "ANC 0.4 ×10⁹/L and platelets 35 ×10⁹/L on 2025-03-02", or each with its own day.
pub fn counts_text(anc: &Count<'_>, platelets: &Count<'_>) -> String {
    let (a, p) = (
        anc.observation.local_day(),
        platelets.observation.local_day(),
    );
    if a == p {
        format!("{} and {} on {a}", anc.text(), platelets.text())
    } else {
        format!("{} on {a} and {} on {p}", anc.text(), platelets.text())
    }
}

/// The response and its words: "CRi, platelets below 100 ×10⁹/L", "MLFS, not a remission".
pub fn response_text(classified: &Classified, remission: &[Response]) -> String {
    if remission.contains(&classified.response) {
        format!("{}{}", classified.response, classified.why)
    } else {
        format!("{}, not a remission{}", classified.response, classified.why)
    }
}

/// Why a marrow blast count cannot be read as a percent, when it cannot (review R7-2): a unit
/// that is not a percent ("%", "percent", UCUM's "/100{cells}"; a fraction sent as UCUM `1` or
/// "fraction" was put in percent at import), or no unit with a value from 0 to 1 (a bound too),
/// which may be a fraction (0.25 = 25 %) or a percent, and refract does not guess. With no unit,
/// a value above 1 can only be a percent, and 0 is 0 either way.
pub(super) fn blasts_unreadable(observation: &Observation) -> Option<String> {
    let value = observation.value?;
    let unit = observation
        .unit
        .as_deref()
        .map(str::trim)
        .filter(|unit| !unit.is_empty());
    match unit {
        None if value > 0.0 && value <= 1.0 => Some(String::from(
            "no unit, and a value of 1 or less may be a fraction or a percent: \
             refract does not guess",
        )),
        None => None,
        Some(unit) if is_percent_unit(unit) => None,
        Some(unit) => Some(format!("unit {unit} is not a percent refract reads")),
    }
}

/// Whether a unit is a percent however written: "%", "percent", "pct", "per cent", "/100",
/// with UCUM annotations ("/100{cells}", "%{blasts}") and spaces aside.
fn is_percent_unit(unit: &str) -> bool {
    let mut compact = String::new();
    let mut depth = 0usize;
    for c in unit.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            _ if depth > 0 || c.is_whitespace() => {}
            _ => compact.extend(c.to_lowercase()),
        }
    }
    let compact = compact.strip_suffix("cells").unwrap_or(&compact);
    matches!(compact, "%" | "percent" | "pct" | "percentage" | "/100")
}

/// A marrow blast count as reported: "30%", or "< 5%" for a bound.
pub(super) fn blasts_text(observation: &Observation) -> String {
    let value = observation.value.map(trim_number).unwrap_or_default();
    match observation.comparator {
        Some(comparator) => format!("{comparator} {value}%"),
        None => format!("{value}%"),
    }
}
