//! Measured drug levels read as adherence evidence: the one reading both the adherence
//! rule-out of a rule set (`[[confounder]] drug_levels`) and the re-evaluation checklist's
//! adherence item (`[[checklist]] drug_levels`) use. A level of a drug the drug book monitors
//! by level (`[[level_range]]`), taken while the drug was given, within or above its range is
//! evidence the drug was taken; one below it is a concern (non-adherence or underdosing); one
//! below the assay's limit is evidence it was not.

use chrono::NaiveDate;

use super::drugs::{DrugBook, LevelRange};
use super::given::Given;
use super::numbers::trim_number;
use super::words::contains_words;
use crate::domain::{Comparator, Observation, PatientRecord};

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
    pub says: LevelSays,
    /// "levetiracetam 25 mg/L on 2026-03-02 (range 12-46 mg/L)".
    pub words: String,
}

/// What the record's drug levels say of adherence.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reading {
    /// The latest level of each drug, and every earlier one below range or undetectable.
    pub levels: Vec<Level>,
    /// Drugs monitored by level with no level recorded while given: one given now with none
    /// since its current course began, or one given before with none while it was.
    pub missing: Vec<String>,
    /// The patient reported not taking a drug of these courses (a statement `not-taken`):
    /// levels of the others do not show the drugs taken.
    pub not_taken: bool,
}

impl Reading {
    /// Whether the levels show the drugs taken: at least one level, each drug's latest within
    /// or above its range, no monitored drug without a level while it was given, and no
    /// report of a drug not taken.
    pub fn shows_adherence(&self) -> bool {
        !self.levels.is_empty()
            && self.missing.is_empty()
            && !self.not_taken
            && self
                .latest()
                .all(|level| matches!(level.says, LevelSays::InRange | LevelSays::AboveRange))
    }

    /// The latest level of each drug.
    fn latest(&self) -> impl Iterator<Item = &Level> {
        self.levels.iter().filter(|level| {
            !self
                .levels
                .iter()
                .any(|other| other.ingredient == level.ingredient && other.day > level.day)
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
/// `today`.
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
        let courses: Vec<&Given<'_>> = given
            .iter()
            .filter(|g| {
                g.drugs
                    .iter()
                    .any(|d| d.ingredient.eq_ignore_ascii_case(&range.ingredient))
            })
            .collect();
        if courses.is_empty() {
            continue;
        }
        // A level counts only of a day the drug was given: one after it was stopped says
        // nothing of how it was taken.
        let taken_on = |day: NaiveDate| courses.iter().any(|g| g.exposure.active_on(day));
        let mut levels: Vec<Level> = record
            .observations
            .iter()
            .filter(|o| is_level_of(o, range, book))
            .filter(|o| o.local_day() <= today && taken_on(o.local_day()))
            .filter_map(|o| read_level(o, range))
            .collect();
        levels.sort_by_key(|level| level.day);
        let latest = levels.last().map(|level| level.day);
        // A drug given now needs a level of its current course; one given before, a level
        // while it was: an in-range level of one drug says nothing of another's trial.
        let unmeasured = if courses.iter().any(|g| g.exposure.active_on(today)) {
            let since_current = courses
                .iter()
                .filter(|g| g.exposure.active_on(today))
                .map(|g| g.exposure.start_day())
                .min();
            latest.is_none_or(|day| since_current.is_some_and(|start| day < start))
        } else {
            latest.is_none()
        };
        if unmeasured {
            reading.missing.push(range.ingredient.clone());
        }
        for level in levels {
            let concern = matches!(level.says, LevelSays::BelowRange | LevelSays::Undetectable);
            if concern || Some(level.day) == latest {
                reading.levels.push(level);
            }
        }
    }
    reading
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
fn read_level(observation: &Observation, range: &LevelRange) -> Option<Level> {
    let bounds = format!(
        "{}-{} {}",
        trim_number(range.low),
        trim_number(range.high),
        range.unit
    );
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
    // The factor from the level's unit to the range's, both read in ng/mL.
    let from = super::trials::ng_per_ml(
        observation.unit.as_deref().unwrap_or(""),
        range.molar_mass_g_per_mol,
    )?;
    let to = super::trials::ng_per_ml(&range.unit, range.molar_mass_g_per_mol)?;
    if from <= 0.0 || to <= 0.0 {
        return None;
    }
    let value = value * from / to;
    let shown = if observation
        .unit
        .as_deref()
        .is_some_and(|unit| unit.trim().eq_ignore_ascii_case(range.unit.trim()))
    {
        said.clone()
    } else {
        format!("{said} ({} {})", trim_number(round(value)), range.unit)
    };
    let says = match observation.comparator {
        // A result below the assay's limit at or under the range's low end: the drug was not
        // found in the blood.
        Some(Comparator::Below | Comparator::AtMost) if value <= range.low => {
            LevelSays::Undetectable
        }
        Some(Comparator::AtLeast | Comparator::Above) if value > range.high => {
            LevelSays::AboveRange
        }
        Some(Comparator::AtLeast | Comparator::Above) if value >= range.low => LevelSays::InRange,
        Some(_) => return None,
        None if value < range.low => LevelSays::BelowRange,
        None if value > range.high => LevelSays::AboveRange,
        None => LevelSays::InRange,
    };
    let verdict = match says {
        LevelSays::InRange => format!("in range ({bounds})"),
        LevelSays::AboveRange => format!("above range ({bounds}): taken; toxicity to judge"),
        LevelSays::BelowRange => {
            format!("level below range ({bounds}): possible non-adherence or underdosing")
        }
        LevelSays::Undetectable => String::from("undetectable: evidence of non-adherence"),
    };
    level(says, format!("{shown}, {verdict}"))
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
