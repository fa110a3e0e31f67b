//! Measured drug levels read as adherence evidence: the one reading both the adherence
//! rule-out of a rule set (`[[confounder]] drug_levels`) and the re-evaluation checklist's
//! adherence item (`[[checklist]] drug_levels`) use. A level of a drug the drug book monitors
//! by level (`[[level_range]]`), taken during a course of the drug (to a few half-lives after
//! its last day), within or above its range (the lab's own where the result gives one, else
//! the book's) is evidence that course's drug was taken; one below it is a concern
//! (non-adherence or underdosing); one below the assay's limit is evidence it was not.

use chrono::{Duration, NaiveDate};

use super::drugs::{Drug, DrugBook, LevelRange};
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

/// The drug levels of `record` for the drugs `given` of `classes` (the rule set's line
/// classes; every drug when it names none), as of `today`. A level is evidence about its own
/// drug only, and only where the rule set reads that drug (review LV-1): lithium given for mood
/// is no antiseizure drug, so neither its level nor its missing level enters the epilepsy
/// reading. Each course of a monitored drug is read on its own (review G4-1): a level is
/// evidence of the course it was taken during, from its first day to the range's
/// `days_after_stop` after its last (a level reflects about the last five half-lives of
/// intake), so an in-range level of an earlier course of the drug says nothing of a later one.
/// A drug of `classes` the book does not monitor is read where the lab judges its level (its
/// range or its flag, review LV-4), said as the lab's; it is never named as missing a level.
pub fn read(
    record: &PatientRecord,
    book: &DrugBook,
    classes: &[String],
    given: &[Given<'_>],
    today: NaiveDate,
) -> Reading {
    let of_classes =
        |drug: &Drug| classes.is_empty() || classes.iter().any(|class| drug.has_class(class));
    let given: Vec<&Given<'_>> = given
        .iter()
        .filter(|g| g.drugs.iter().any(|d| of_classes(d)))
        .collect();
    let mut reading = Reading {
        not_taken: given
            .iter()
            .any(|g| g.exposure.reported_not_taken().is_some()),
        ..Reading::default()
    };
    let mut subjects: Vec<Subject<'_>> = book
        .level_ranges()
        .iter()
        .map(|range| Subject {
            ingredient: &range.ingredient,
            molar_mass: Some(range.molar_mass_g_per_mol),
            charge: range.charge,
            days_after_stop: range.days_after_stop,
            range: Some(range),
        })
        .collect();
    for drug in given.iter().flat_map(|g| g.drugs.iter().copied()) {
        let known = subjects
            .iter()
            .any(|s| s.ingredient.eq_ignore_ascii_case(&drug.ingredient));
        if !known && of_classes(drug) {
            subjects.push(Subject {
                ingredient: &drug.ingredient,
                molar_mass: None,
                charge: None,
                days_after_stop: book.lab_judged_levels().days_after_stop,
                range: None,
            });
        }
    }
    for subject in &subjects {
        let exposures: Vec<&Given<'_>> = given
            .iter()
            .copied()
            .filter(|g| {
                g.drugs
                    .iter()
                    .any(|d| d.ingredient.eq_ignore_ascii_case(subject.ingredient) && of_classes(d))
            })
            .collect();
        let margin = Duration::days(i64::from(subject.days_after_stop));
        let courses = courses(&exposures, margin, today);
        if courses.is_empty() {
            continue;
        }
        // A level counts only for the course it was taken during: one long after the drug was
        // stopped says nothing of how it was taken.
        let mut levels: Vec<Level> = record
            .observations
            .iter()
            .filter(|o| subject.is_level(o, book))
            .filter(|o| o.local_day() <= today)
            .filter_map(|o| {
                let day = o.local_day();
                let course = courses.iter().find(|c| c.holds(day, margin))?;
                read_level(o, subject).map(|level| Level {
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
                // Only a drug the book monitors is asked for a level.
                if subject.range.is_none() {
                    continue;
                }
                // Named by its first day where the drug was given in more than one course.
                reading.missing.push(if courses.len() > 1 {
                    format!(
                        "{} (course from {})",
                        subject.ingredient,
                        course.start.format("%Y-%m-%d")
                    )
                } else {
                    subject.ingredient.to_owned()
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

/// A drug whose levels are read: one the book monitors (with its range), or one of the rule
/// set's classes the book does not, read only where the lab judges its level.
struct Subject<'a> {
    ingredient: &'a str,
    /// For reading a level in moles per volume; `None` when the book gives none (a level is
    /// then read in its own unit or another mass per volume only).
    molar_mass: Option<f64>,
    charge: Option<u8>,
    days_after_stop: u32,
    range: Option<&'a LevelRange>,
}

impl Subject<'_> {
    /// Whether `observation` is a level of the drug: its code, or its name naming the drug
    /// with a level word, and no word of another test.
    fn is_level(&self, observation: &Observation, book: &DrugBook) -> bool {
        if let Some(range) = self.range {
            is_level_of(observation, range, book)
        } else {
            let name = observation.display.as_str();
            let names = book.get(self.ingredient).map_or_else(
                || vec![self.ingredient],
                |drug| {
                    std::iter::once(drug.ingredient.as_str())
                        .chain(drug.synonyms.iter().map(String::as_str))
                        .collect()
                },
            );
            !book
                .lab_judged_levels()
                .not_names
                .iter()
                .any(|word| contains_words(name, word))
                && names.iter().any(|word| contains_words(name, word))
                && book
                    .level_words()
                    .iter()
                    .any(|word| contains_words(name, word))
        }
    }

    /// The factor from `from` to `to` (a value in `from` times it is in `to`): 1 for the same
    /// unit, else by their amounts in ng/mL (a mole only where the molar mass is known).
    fn factor(&self, from: &str, to: &str) -> Option<f64> {
        if from.trim().eq_ignore_ascii_case(to.trim()) {
            return Some(1.0);
        }
        let ng_per_ml = |unit: &str| {
            super::trials::ng_per_ml(unit, self.molar_mass.unwrap_or(f64::NAN), self.charge)
                .filter(|factor| *factor > 0.0)
        };
        Some(ng_per_ml(from)? / ng_per_ml(to)?)
    }
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

/// One level read, `None` when it cannot be judged (its unit unreadable in the range's, no
/// judgement at all). The lab's own range, given on the result, is read before the book's
/// (review G4-3): it is tied to the lab's method (see [`lab_range`]); a range with one bound
/// judges only its side (review LV-3), the other side left to the lab's flag, else the
/// book's range. Where the lab gives no range it can read, its flag (interpretation) is its
/// judgement against its range; with neither, the book's range. A drug the book does not
/// monitor is judged by the lab alone (review LV-4).
fn read_level(observation: &Observation, subject: &Subject<'_>) -> Option<Level> {
    let said = format!(
        "{} {} on {}",
        subject.ingredient,
        observation.value_text().trim_end(),
        observation.day_text()
    );
    let named_not_detected = observation.value_code.as_deref() == Some(NOT_DETECTED)
        || ["not detected", "undetectable", "none detected"]
            .iter()
            .any(|words| contains_words(&observation.value_words, words));
    let level = |says: LevelSays, words: String| {
        Some(Level {
            ingredient: subject.ingredient.to_owned(),
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
    let unit = observation.unit.as_deref().unwrap_or("");
    // The book's reading: the value in the book's unit, and its verdict.
    let book = match subject.range {
        Some(range) => {
            let in_book_unit = value * subject.factor(unit, &range.unit)?;
            let bounds = format!(
                "{}-{} {}",
                trim_number(range.low),
                trim_number(range.high),
                range.unit
            );
            let says = judge(in_book_unit, range.low, range.high, observation.comparator);
            Some((in_book_unit, range, bounds, says))
        }
        None => None,
    };
    let shown = match &book {
        Some((in_book_unit, range, ..)) if !unit.trim().eq_ignore_ascii_case(range.unit.trim()) => {
            format!(
                "{said} ({} {})",
                trim_number(round(*in_book_unit)),
                range.unit
            )
        }
        _ => said.clone(),
    };
    let flag = observation
        .comparator
        .is_none()
        .then(|| observation.interpretation.as_deref().and_then(flagged))
        .flatten();
    let flag_words = |says: LevelSays, flag: &str| match says {
        LevelSays::InRange => format!("in the lab's range (flagged {flag} by the lab)"),
        LevelSays::AboveRange => format!("flagged {flag} by the lab: taken; toxicity to judge"),
        _ => format!("flagged {flag} by the lab: possible non-adherence or underdosing"),
    };
    let (lab, unread) = lab_range(observation, subject);
    // A lab's range that could not be read is said, so that the team reads it themselves.
    let unread = unread
        .map(|text| format!(" (the lab's range \"{text}\" is not read: ambiguous)"))
        .unwrap_or_default();
    if let Some(lab) = lab {
        let in_lab_unit = value * subject.factor(unit, &lab.unit)?;
        let lab_bounds = lab.words();
        match (lab.low, lab.high) {
            (Some(low), Some(high)) => {
                let says = judge(in_lab_unit, low, high, observation.comparator)?;
                return level(says, format!("{shown}, {}", verdict(says, &lab_bounds)));
            }
            (Some(low), None) => {
                let says = judge(in_lab_unit, low, f64::INFINITY, observation.comparator);
                if let Some(says @ (LevelSays::BelowRange | LevelSays::Undetectable)) = says {
                    return level(says, format!("{shown}, {}", verdict(says, &lab_bounds)));
                }
                // At or above the lab's low end: not below, whatever the book's low end.
                if let Some((says, flag)) = flag {
                    let says = if says == LevelSays::AboveRange {
                        says
                    } else {
                        LevelSays::InRange
                    };
                    let words = flag_words(says, flag);
                    return level(says, format!("{shown}, {words} ({lab_bounds})"));
                }
                let says = match book.as_ref().and_then(|(.., says)| *says) {
                    Some(LevelSays::AboveRange) => LevelSays::AboveRange,
                    _ => LevelSays::InRange,
                };
                let bounds = match &book {
                    Some((.., bounds, _)) => format!("{lab_bounds}; book's {bounds}"),
                    None => lab_bounds,
                };
                return level(says, format!("{shown}, {}", verdict(says, &bounds)));
            }
            (None, Some(high)) => {
                let says = judge(in_lab_unit, 0.0, high, observation.comparator);
                if let Some(LevelSays::AboveRange) = says {
                    let says = LevelSays::AboveRange;
                    return level(says, format!("{shown}, {}", verdict(says, &lab_bounds)));
                }
                // At or below the lab's high end: its low side is the flag's or the book's.
                let clamp = |says: LevelSays| {
                    if says == LevelSays::AboveRange {
                        LevelSays::InRange
                    } else {
                        says
                    }
                };
                if let Some((says, flag)) = flag {
                    let says = clamp(says);
                    let words = flag_words(says, flag);
                    return level(says, format!("{shown}, {words} ({lab_bounds})"));
                }
                let (_, _, bounds, says) = book?;
                let says = clamp(says?);
                let bounds = format!("{bounds}; {lab_bounds}");
                return level(says, format!("{shown}, {}", verdict(says, &bounds)));
            }
            (None, None) => {}
        }
    }
    if let Some((says, flag)) = flag {
        return level(says, format!("{shown}, {}{unread}", flag_words(says, flag)));
    }
    let (_, _, bounds, says) = book?;
    let says = says?;
    level(says, format!("{shown}, {}{unread}", verdict(says, &bounds)))
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

/// A lab's range on a level: at least one bound, in `unit`.
#[derive(Debug, Clone, PartialEq)]
struct LabRange {
    low: Option<f64>,
    high: Option<f64>,
    unit: String,
}

impl LabRange {
    /// "lab's range 8-26 mg/L", "lab's range from 8 mg/L", "lab's range up to 5 mg/L".
    fn words(&self) -> String {
        let unit = if self.unit.trim().is_empty() {
            String::new()
        } else {
            format!(" {}", self.unit.trim())
        };
        match (self.low, self.high) {
            (Some(low), Some(high)) => format!(
                "lab's range {}-{}{unit}",
                trim_number(low),
                trim_number(high)
            ),
            (Some(low), None) => format!("lab's range from {}{unit}", trim_number(low)),
            (None, Some(high)) => format!("lab's range up to {}{unit}", trim_number(high)),
            (None, None) => String::from("lab's range"),
        }
    }
}

/// The lab's range a level is read against, where the result gives one refract can read: a
/// bound or two (one judges only its side, review LV-3) as Quantities, else its text where
/// the text is one range and nothing else ("10-20 mg/L", "< 0.5", see [`range_in_text`]), in
/// a unit the level's value can be read in (the range's own, else the result's), for every
/// patient (no `appliesTo` or age). One the lab says is therapeutic (R4 referenceRange-meaning
/// `therapeutic` or `treatment`, or a text naming a therapeutic or target range) first; else
/// one typed `normal` or untyped: a drug has no normal level in someone not given it, so a
/// lab's reference interval on a drug level is its target range (a choice, see the book's DRUG
/// LEVELS). A range of another meaning is not read. With the range, the text of a range of
/// those meanings that could not be read (to be said), when none could.
fn lab_range<'a>(
    observation: &'a Observation,
    subject: &Subject<'_>,
) -> (Option<LabRange>, Option<&'a str>) {
    let value_unit = observation.unit.as_deref().unwrap_or("");
    let readable = |r: &&'a ReferenceRange| -> Option<LabRange> {
        if !r.applies_to.is_empty() {
            return None;
        }
        let range = if r.low.is_some() || r.high.is_some() {
            LabRange {
                low: r.low,
                high: r.high,
                unit: r.unit.clone().unwrap_or_else(|| value_unit.to_owned()),
            }
        } else {
            let (low, high, unit) = range_in_text(&r.text)?;
            // A bound from below alone, in words ("> 20"), is as often a toxic or alert
            // threshold as the low end of a target (review K3-3): read only where the lab
            // says the range is its target or its normal one.
            if high.is_none() && !said_target_or_normal(r) {
                return None;
            }
            LabRange {
                low,
                high,
                unit: unit.unwrap_or(value_unit).to_owned(),
            }
        };
        let sound = match (range.low, range.high) {
            (Some(low), Some(high)) => low >= 0.0 && low < high,
            (Some(low), None) => low >= 0.0,
            (None, Some(high)) => high > 0.0,
            (None, None) => false,
        };
        (sound && subject.factor(value_unit, &range.unit).is_some()).then_some(range)
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
    let read = ranges
        .iter()
        .filter(therapeutic)
        .find_map(|r| readable(&r))
        .or_else(|| {
            ranges
                .iter()
                .filter(|r| !therapeutic(r) && normal(r))
                .find_map(|r| readable(&r))
        });
    let unread = if read.is_none() {
        ranges
            .iter()
            .filter(|r| therapeutic(r) || normal(r))
            .filter(|r| r.applies_to.is_empty() && r.low.is_none() && r.high.is_none())
            .map(|r| r.text.trim())
            .find(|text| !text.is_empty())
    } else {
        None
    };
    (read, unread)
}

/// Words of a range's label that say it is no target but a threshold to act on (review K3-3):
/// "Toxic: > 20 mg/L", "Critical: > 40", "Panic value: < 2". A range so labelled is not read.
const THRESHOLD_LABELS: [&str; 8] = [
    "toxic", "toxicity", "critical", "panic", "alert", "alarm", "danger", "lethal",
];

/// Words of a range's label, or its type, that say it is the lab's target or normal range.
const TARGET_OR_NORMAL: [&str; 6] = [
    "therapeutic",
    "treatment",
    "target",
    "normal",
    "reference",
    "recommended",
];

/// Whether the lab types the range (R4 `referenceRange.type`) or labels its text as its target
/// or its normal range: then a bound from below alone in its text is that range's low end.
fn said_target_or_normal(range: &ReferenceRange) -> bool {
    let label = range
        .text
        .split_once(':')
        .map_or(range.text.as_str(), |(label, _)| label);
    TARGET_OR_NORMAL
        .iter()
        .any(|word| contains_words(&range.kind, word) || contains_words(label, word))
}

/// The one range a lab's text gives (R4 `referenceRange.text`), as (low, high, unit): "10-20
/// mg/L", "10 – 20", "10 to 20 mg/L", "< 0.5", "<= 10 mg/L", "> 2", after an optional label
/// ending in a colon ("Therapeutic range: 10-20 mg/L"). Any other text is ambiguous and not
/// read (review LV-3): two ranges ("therapeutic 10-20, toxic > 25"), a decimal comma ("0,5":
/// a decimal or a thousands separator), words after the numbers that are no unit. Nor is one
/// whose label names a toxic, critical or panic threshold (review K3-3, see
/// [`THRESHOLD_LABELS`]). A bound given with "<" or ">" is read as the range's end (a level at
/// the bound itself is no verdict of its own).
fn range_in_text(text: &str) -> Option<(Option<f64>, Option<f64>, Option<&str>)> {
    let text = text.trim();
    let rest = match text.split_once(':') {
        Some((label, _))
            if THRESHOLD_LABELS
                .iter()
                .any(|word| contains_words(label, word)) =>
        {
            return None;
        }
        Some((label, rest)) if !label.chars().any(|c| c.is_ascii_digit()) => rest.trim(),
        Some(_) => return None,
        None => text,
    };
    if rest.contains([':', ',', ';']) {
        return None;
    }
    for (prefix, below) in [
        ("<=", true),
        ("\u{2264}", true),
        ("<", true),
        (">=", false),
        ("\u{2265}", false),
        (">", false),
    ] {
        if let Some(after) = rest.strip_prefix(prefix) {
            let (bound, after) = number(after)?;
            let unit = text_unit(after)?;
            let unit = (!unit.is_empty()).then_some(unit);
            return Some(if below {
                (None, Some(bound), unit)
            } else {
                (Some(bound), None, unit)
            });
        }
    }
    let (low, after) = number(rest)?;
    let after = after.trim_start();
    let after = ["-", "\u{2013}", "\u{2014}", "to "]
        .iter()
        .find_map(|separator| after.strip_prefix(separator))?;
    let (high, after) = number(after)?;
    let unit = text_unit(after)?;
    Some((Some(low), Some(high), (!unit.is_empty()).then_some(unit)))
}

/// A number at the start of `s`: its value and what follows.
fn number(s: &str) -> Option<(f64, &str)> {
    let s = s.trim_start();
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let value: f64 = s[..end].parse().ok()?;
    value.is_finite().then_some((value, &s[end..]))
}

/// What follows a range's numbers in a text, where it may: nothing (empty), or a unit (one
/// word of an amount per volume); `None` for anything else.
fn text_unit(s: &str) -> Option<&str> {
    let s = s.trim();
    (s.is_empty()
        || (!s.chars().any(|c| c.is_ascii_digit() || c.is_whitespace()) && s.contains('/')))
    .then_some(s)
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
    use super::range_in_text;

    /// Review LV-3: a lab's range given as text is read only where it is one range.
    #[test]
    fn a_range_in_text_is_read_only_where_it_is_one_range() {
        assert_eq!(
            range_in_text("10-20 mg/L"),
            Some((Some(10.0), Some(20.0), Some("mg/L")))
        );
        assert_eq!(
            range_in_text("Therapeutic range: 10 \u{2013} 20"),
            Some((Some(10.0), Some(20.0), None))
        );
        assert_eq!(
            range_in_text("10 to 20 umol/L"),
            Some((Some(10.0), Some(20.0), Some("umol/L")))
        );
        assert_eq!(range_in_text("< 0.5"), Some((None, Some(0.5), None)));
        assert_eq!(
            range_in_text("\u{2265}4 mg/L"),
            Some((Some(4.0), None, Some("mg/L")))
        );
        // Review K3-3: a threshold to act on is no range of the level's target.
        for threshold in [
            "Toxic: > 20 mg/L",
            "Critical: >40",
            "Panic value: < 2",
            "Toxicity: 20-40 mg/L",
            "Alert: \u{2265}30",
        ] {
            assert_eq!(range_in_text(threshold), None, "{threshold}");
        }
        assert_eq!(
            range_in_text("Therapeutic: > 10 mg/L"),
            Some((Some(10.0), None, Some("mg/L")))
        );
        for ambiguous in [
            "therapeutic 10-20, toxic > 25",
            "0,5-1,2",
            "10-20 mg/L (trough)",
            "see report",
            "",
            "10-20 mg/L; 40-80 umol/L",
            "age 2: 10-20",
        ] {
            assert_eq!(range_in_text(ambiguous), None, "{ambiguous}");
        }
    }

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
