//! Measured drug levels read as adherence evidence: the one reading both the adherence
//! rule-out of a rule set (`[[confounder]] drug_levels`) and the re-evaluation checklist's
//! adherence item (`[[checklist]] drug_levels`) use. A level of a drug the drug book monitors
//! by level (`[[level_range]]`), taken during a course of the drug (to a few half-lives after
//! its last day), within or above its range (the lab's own where the result gives one, else
//! the book's) is evidence that course's drug was taken; one below it is a concern
//! (non-adherence or underdosing); one below the assay's limit is evidence it was not.

use chrono::{Duration, NaiveDate};

use super::drugs::{DrugBook, LevelRange};
use super::given::Given;
use super::numbers::trim_number;
use super::words::contains_words;
use crate::domain::{Comparator, Observation, PatientRecord, ReferenceRange};

/// SNOMED CT 260415000 |Not detected|: a coded result saying the drug was not found.
const NOT_DETECTED: &str = "260415000";

/// What one level says of the drug's intake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelSays {
    InRange,
    /// Taken (a toxicity for the team to judge, not a missed dose).
    AboveRange,
    /// Possible non-adherence or underdosing.
    BelowRange,
    /// Not taken: below the assay's limit, zero, or not detected.
    Undetectable,
}

/// One level read.
#[derive(Debug, Clone, PartialEq)]
pub struct Level {
    pub ingredient: String,
    pub day: NaiveDate,
    /// The first day of the course of the drug it was taken during.
    pub course_start: NaiveDate,
    pub says: LevelSays,
    /// "levetiracetam 25 mg/L on 2026-03-02 (range 12-46 mg/L)".
    pub words: String,
}

/// What the record's drug levels say of adherence.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reading {
    /// The latest level of each course of each drug, and every earlier one below range or
    /// undetectable.
    pub levels: Vec<Level>,
    /// Drugs monitored by level with a course without a level recorded during it: one given
    /// now with none since its current course began, or one given before with none while it
    /// was ("valproate (course from 2021-03-02)" where it had more than one course).
    pub missing: Vec<String>,
    /// The patient reported not taking a drug of these courses (a statement `not-taken`):
    /// levels of the others do not show the drugs taken.
    pub not_taken: bool,
}

impl Reading {
    /// Whether the levels show the drugs taken: at least one level, the latest of each course
    /// within or above its range, no course of a monitored drug without a level, and no
    /// report of a drug not taken.
    pub fn shows_adherence(&self) -> bool {
        !self.levels.is_empty()
            && self.missing.is_empty()
            && !self.not_taken
            && self
                .latest()
                .all(|level| matches!(level.says, LevelSays::InRange | LevelSays::AboveRange))
    }

    /// The latest level of each course of each drug.
    fn latest(&self) -> impl Iterator<Item = &Level> {
        self.levels.iter().filter(|level| {
            !self.levels.iter().any(|other| {
                other.ingredient == level.ingredient
                    && other.course_start == level.course_start
                    && other.day > level.day
            })
        })
    }

    /// Whether it says anything: a level, or a drug given without one.
    pub fn is_empty(&self) -> bool {
        self.levels.is_empty() && self.missing.is_empty()
    }

    /// The evidence in words, concerns first, then what is missing: "drug levels: lamotrigine
    /// 1.2 mg/L on 2026-03-02, below range (2.5-15 mg/L): possible non-adherence or
    /// underdosing; levetiracetam 25 mg/L on 2026-03-02, in range (12-46 mg/L); no level
    /// recorded while given: valproate".
    pub fn words(&self) -> String {
        let mut parts: Vec<&str> = self
            .levels
            .iter()
            .filter(|l| matches!(l.says, LevelSays::BelowRange | LevelSays::Undetectable))
            .map(|l| l.words.as_str())
            .collect();
        parts.extend(
            self.levels
                .iter()
                .filter(|l| matches!(l.says, LevelSays::InRange | LevelSays::AboveRange))
                .map(|l| l.words.as_str()),
        );
        let mut said: Vec<String> = Vec::new();
        if !parts.is_empty() {
            said.push(format!("drug levels: {}", parts.join("; ")));
        }
        if !self.missing.is_empty() {
            said.push(format!(
                "no level recorded while given: {}",
                self.missing.join(", ")
            ));
        }
        said.join("; ")
    }
}

/// The drug levels of `record` for the drugs `given` (the rule set's treatments), as of
/// `today`. Each course of a monitored drug is read on its own (review G4-1): a level is
/// evidence of the course it was taken during, from its first day to the range's
/// `days_after_stop` after its last (a level reflects about the last five half-lives of
/// intake), so an in-range level of an earlier course of the drug says nothing of a later one.
pub fn read(
    record: &PatientRecord,
    book: &DrugBook,
    given: &[Given<'_>],
    today: NaiveDate,
) -> Reading {
    let mut reading = Reading {
        not_taken: given
            .iter()
            .any(|g| g.exposure.reported_not_taken().is_some()),
        ..Reading::default()
    };
    for range in book.level_ranges() {
        let exposures: Vec<&Given<'_>> = given
            .iter()
            .filter(|g| {
                g.drugs
                    .iter()
                    .any(|d| d.ingredient.eq_ignore_ascii_case(&range.ingredient))
            })
            .collect();
        let margin = Duration::days(i64::from(range.days_after_stop));
        let courses = courses(&exposures, margin, today);
        if courses.is_empty() {
            continue;
        }
        // A level counts only for the course it was taken during: one long after the drug was
        // stopped says nothing of how it was taken.
        let mut levels: Vec<Level> = record
            .observations
            .iter()
            .filter(|o| is_level_of(o, range, book))
            .filter(|o| o.local_day() <= today)
            .filter_map(|o| {
                let day = o.local_day();
                let course = courses.iter().find(|c| c.holds(day, margin))?;
                read_level(o, range).map(|level| Level {
                    course_start: course.start,
                    ..level
                })
            })
            .collect();
        levels.sort_by_key(|level| level.day);
        for course in &courses {
            let of_course: Vec<&Level> = levels
                .iter()
                .filter(|level| level.course_start == course.start)
                .collect();
            let Some(latest) = of_course.last().map(|level| level.day) else {
                // Named by its first day where the drug was given in more than one course.
                reading.missing.push(if courses.len() > 1 {
                    format!(
                        "{} (course from {})",
                        range.ingredient,
                        course.start.format("%Y-%m-%d")
                    )
                } else {
                    range.ingredient.clone()
                });
                continue;
            };
            for level in of_course {
                let concern = matches!(level.says, LevelSays::BelowRange | LevelSays::Undetectable);
                if concern || level.day == latest {
                    reading.levels.push(level.clone());
                }
            }
        }
    }
    reading
}

/// One course of a drug: its records of it given, joined where they are at most the margin
/// apart (a new order at another dose, a refill, continues the course).
#[derive(Debug, Clone, Copy)]
struct Course {
    start: NaiveDate,
    /// `None` while given.
    end: Option<NaiveDate>,
}

impl Course {
    /// Whether a level of `day` tells of this course: from its first day to `margin` after its
    /// last.
    fn holds(self, day: NaiveDate, margin: Duration) -> bool {
        self.start <= day && self.end.is_none_or(|end| day <= end + margin)
    }
}

/// The courses of the records `exposures` of one drug begun by `today`, in order.
fn courses(exposures: &[&Given<'_>], margin: Duration, today: NaiveDate) -> Vec<Course> {
    let mut spans: Vec<Course> = exposures
        .iter()
        .map(|g| Course {
            start: g.exposure.start_day(),
            // A record still given today is the course going on.
            end: g.exposure.end_day().filter(|end| *end < today),
        })
        .filter(|span| span.start <= today)
        .collect();
    spans.sort_by_key(|span| span.start);
    let mut courses: Vec<Course> = Vec::new();
    for span in spans {
        match courses.last_mut() {
            Some(course) if course.holds(span.start, margin) => {
                course.end = match (course.end, span.end) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
            }
            _ => courses.push(span),
        }
    }
    courses
}

/// Whether `observation` is a level of `range`'s drug: its code, or its name naming the drug
/// with a level word, and no word of another test.
fn is_level_of(observation: &Observation, range: &LevelRange, book: &DrugBook) -> bool {
    let name = observation.display.as_str();
    if range
        .not_names
        .iter()
        .any(|word| contains_words(name, word))
    {
        return false;
    }
    range
        .codes
        .iter()
        .any(|code| observation.code.eq_ignore_ascii_case(code))
        || (range.names.iter().any(|word| contains_words(name, word))
            && book
                .level_words()
                .iter()
                .any(|word| contains_words(name, word)))
}

/// One level read against its range, `None` when its unit cannot be read in the range's.
/// The lab's own range, given on the result, is read before the book's (review G4-3): it is
/// tied to the lab's method (see [`lab_range`]); where the lab gives no range it can read, its
/// flag (interpretation) is its judgement against its range; with neither, the book's range.
fn read_level(observation: &Observation, range: &LevelRange) -> Option<Level> {
    let said = format!(
        "{} {} on {}",
        range.ingredient,
        observation.value_text().trim_end(),
        observation.day_text()
    );
    let named_not_detected = observation.value_code.as_deref() == Some(NOT_DETECTED)
        || ["not detected", "undetectable", "none detected"]
            .iter()
            .any(|words| contains_words(&observation.value_words, words));
    let level = |says: LevelSays, words: String| {
        Some(Level {
            ingredient: range.ingredient.clone(),
            day: observation.local_day(),
            course_start: observation.local_day(),
            says,
            words,
        })
    };
    if named_not_detected || (observation.value == Some(0.0) && observation.comparator.is_none()) {
        return level(
            LevelSays::Undetectable,
            format!("{said}, undetectable: evidence of non-adherence"),
        );
    }
    let value = observation.value?;
    // Every amount read in ng/mL: the level's, the lab's range's and the book's.
    let ng_per_ml = |unit: &str| {
        super::trials::ng_per_ml(unit, range.molar_mass_g_per_mol, range.charge)
            .filter(|factor| *factor > 0.0)
    };
    let unit = observation.unit.as_deref().unwrap_or("");
    let from = ng_per_ml(unit)?;
    let to = ng_per_ml(&range.unit)?;
    let in_book_unit = value * from / to;
    let shown = if unit.trim().eq_ignore_ascii_case(range.unit.trim()) {
        said.clone()
    } else {
        format!(
            "{said} ({} {})",
            trim_number(round(in_book_unit)),
            range.unit
        )
    };
    let book_bounds = format!(
        "{}-{} {}",
        trim_number(range.low),
        trim_number(range.high),
        range.unit
    );
    if let Some((low, high, lab_unit)) = lab_range(observation, &ng_per_ml) {
        let factor = ng_per_ml(lab_unit)?;
        let says = judge(value * from / factor, low, high, observation.comparator)?;
        let bounds = format!(
            "lab's range {}-{} {lab_unit}",
            trim_number(low),
            trim_number(high)
        );
        return level(says, format!("{shown}, {}", verdict(says, &bounds)));
    }
    if observation.comparator.is_none()
        && let Some((says, flag)) = observation.interpretation.as_deref().and_then(flagged)
    {
        let words = match says {
            LevelSays::InRange => format!("in the lab's range (flagged {flag} by the lab)"),
            LevelSays::AboveRange => {
                format!("flagged {flag} by the lab: taken; toxicity to judge")
            }
            _ => format!("flagged {flag} by the lab: possible non-adherence or underdosing"),
        };
        return level(says, format!("{shown}, {words}"));
    }
    let says = judge(in_book_unit, range.low, range.high, observation.comparator)?;
    level(says, format!("{shown}, {}", verdict(says, &book_bounds)))
}

/// What a value says against `low`-`high` (in its unit): a bound ("< 2") only when every value
/// it allows is on one side.
fn judge(value: f64, low: f64, high: f64, comparator: Option<Comparator>) -> Option<LevelSays> {
    Some(match comparator {
        // A result below the assay's limit at or under the range's low end: the drug was not
        // found in the blood.
        Some(Comparator::Below | Comparator::AtMost) if value <= low => LevelSays::Undetectable,
        Some(Comparator::AtLeast | Comparator::Above) if value > high => LevelSays::AboveRange,
        Some(Comparator::AtLeast | Comparator::Above) if value >= low => LevelSays::InRange,
        Some(_) => return None,
        None if value < low => LevelSays::BelowRange,
        None if value > high => LevelSays::AboveRange,
        None => LevelSays::InRange,
    })
}

/// The verdict in words against `bounds` ("12-46 mg/L", "lab's range 10-40 mg/L").
fn verdict(says: LevelSays, bounds: &str) -> String {
    match says {
        LevelSays::InRange => format!("in range ({bounds})"),
        LevelSays::AboveRange => format!("above range ({bounds}): taken; toxicity to judge"),
        LevelSays::BelowRange => {
            format!("level below range ({bounds}): possible non-adherence or underdosing")
        }
        LevelSays::Undetectable => String::from("undetectable: evidence of non-adherence"),
    }
}

/// The lab's range a level is read against, as (low, high, its unit), where the result gives
/// one refract can read: both bounds, in a unit of the drug's amount (the range's own, else
/// the result's), for every patient (no `appliesTo` or age). One the lab says is therapeutic
/// (R4 referenceRange-meaning `therapeutic` or `treatment`, or a text naming a therapeutic or
/// target range) first; else one typed `normal` or untyped: a drug has no normal level in
/// someone not given it, so a lab's reference interval on a drug level is its target range
/// (a choice, see the book's DRUG LEVELS). A range of another meaning is not read.
fn lab_range<'a>(
    observation: &'a Observation,
    ng_per_ml: &dyn Fn(&str) -> Option<f64>,
) -> Option<(f64, f64, &'a str)> {
    let readable = |r: &&'a ReferenceRange| -> Option<(f64, f64, &'a str)> {
        let unit = r
            .unit
            .as_deref()
            .or(observation.unit.as_deref())
            .unwrap_or("");
        let (low, high) = (r.low?, r.high?);
        (r.applies_to.is_empty() && low >= 0.0 && low < high && ng_per_ml(unit).is_some())
            .then_some((low, high, unit))
    };
    let therapeutic = |r: &&ReferenceRange| {
        ["therapeutic", "treatment"]
            .iter()
            .any(|kind| r.kind.eq_ignore_ascii_case(kind))
            || ["therapeutic", "target"]
                .iter()
                .any(|word| contains_words(&r.text, word) || contains_words(&r.kind, word))
    };
    let normal = |r: &&ReferenceRange| r.kind.is_empty() || r.kind.eq_ignore_ascii_case("normal");
    let ranges = &observation.reference_ranges;
    ranges
        .iter()
        .filter(therapeutic)
        .find_map(|r| readable(&r))
        .or_else(|| {
            ranges
                .iter()
                .filter(|r| !therapeutic(r) && normal(r))
                .find_map(|r| readable(&r))
        })
}

/// What a lab's flag says of a level (HL7 ObservationInterpretation), with its words: low
/// ("L", "LL", "<"), high ("H", "HH", ">"), within ("N"); any other flag ("A", abnormal in no
/// direction) says nothing of which side.
fn flagged(code: &str) -> Option<(LevelSays, &'static str)> {
    Some(match code.trim() {
        "L" | "LL" | "LU" | "<" => (LevelSays::BelowRange, "low"),
        "H" | "HH" | "HU" | ">" => (LevelSays::AboveRange, "high"),
        "N" => (LevelSays::InRange, "normal"),
        _ => return None,
    })
}

/// A value rounded to what a level is read to (three significant figures).
fn round(value: f64) -> f64 {
    if value == 0.0 {
        return 0.0;
    }
    let digits = 2 - value.abs().log10().floor() as i32;
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::super::trials::ng_per_ml;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() <= b * 1e-9)
    }

    /// Review G4-2: every unit the book's ranges use, in every spelling labs and UCUM write,
    /// and each conversion by the drug's molar mass or, for an ion, its charge.
    #[test]
    fn every_unit_of_a_level_is_read_with_its_conversion() {
        // 1 mg/L = 1 µg/mL = 1000 ng/mL, whatever the spelling of micro.
        for unit in [
            "mg/L",
            "mg/l",
            "ug/mL",
            "µg/mL",
            "\u{3bc}g/mL",
            "mcg/mL",
            "ug/ml",
            "ng/uL",
        ] {
            assert!(close(ng_per_ml(unit, 236.27, None), 1000.0), "{unit}");
        }
        assert!(close(ng_per_ml("ng/mL", 326.8, None), 1.0));
        assert!(close(ng_per_ml("ug/L", 326.8, None), 1.0));
        assert!(close(ng_per_ml("mg/dL", 144.21, None), 10_000.0));
        // 1 µmol/L of carbamazepine (236.27 g/mol) is 236.27 ng/mL (0.236 mg/L); of
        // phenytoin (252.27 g/mol) 252.27 ng/mL; of valproic acid (144.21) 144.21 ng/mL.
        for unit in ["umol/L", "µmol/L", "\u{3bc}mol/L", "mcmol/L", "nmol/mL"] {
            assert!(close(ng_per_ml(unit, 236.27, None), 236.27), "{unit}");
        }
        assert!(close(ng_per_ml("umol/L", 252.27, None), 252.27));
        assert!(close(ng_per_ml("nmol/L", 326.8, None), 0.3268));
        // Lithium (6.94 g/mol): 1 mmol/L is 6.94 mg/L; 1 mEq/L of Li+ is 1 mmol/L.
        let mmol = ng_per_ml("mmol/L", 6.94, Some(1));
        assert!(close(mmol, 6940.0), "{mmol:?}");
        for unit in ["mEq/L", "meq/L", "MEQ/L", "mEq/l"] {
            assert_eq!(ng_per_ml(unit, 6.94, Some(1)), mmol, "{unit}");
        }
        // A divalent ion: an equivalent is half a mole.
        assert!(close(ng_per_ml("mEq/L", 24.305, Some(2)), 12_152.5));
        // A drug that is no ion has no level in equivalents; a unit of no amount is not read.
        assert_eq!(ng_per_ml("mEq/L", 236.27, None), None);
        for unit in ["[iU]/mL", "mg", "%", "mg/kg", ""] {
            assert_eq!(ng_per_ml(unit, 236.27, None), None, "{unit}");
        }
    }
}
