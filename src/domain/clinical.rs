//! The clinical record of one patient: identity, diagnoses, what was given, what was measured and
//! what was done, and the treatment lines built from it.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

use super::{
    BpSetting, Comparator, ConditionCodeSystem, DatesKnown, DoseFrom, DrugRole, Intent, Response,
    Sex, ShownZone, StopReason,
};

/// Row id of a patient in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PatientId(pub i64);

/// A person, identified by MRN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Patient {
    pub id: PatientId,
    pub mrn: String,
    /// Whose number `mrn` is: the identifier system it was imported with (two hospitals may
    /// give two people the same number); empty for refract's own numbers.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub mrn_system: String,
    pub family_name: String,
    pub given_name: String,
    /// The birth date; of a year or a month only, its first day (see `birth_precision`).
    pub birth_date: Option<NaiveDate>,
    /// How much of the birth date the record gave (FHIR `date` may be "1980" or "1980-05"):
    /// shown and exported as given, never with an invented day.
    #[serde(default, skip_serializing_if = "DatePrecision::is_day")]
    pub birth_precision: DatePrecision,
    pub sex: Sex,
    /// Whether the patient died (FHIR `deceasedBoolean`, or any `deceasedDateTime`); see
    /// [`Patient::death`], which also reads a date alone as death.
    #[serde(default)]
    pub deceased: bool,
    /// The day of death, when recorded.
    pub deceased_date: Option<NaiveDate>,
    /// The month or year of death when the record gives no day (R4 `deceasedDateTime` of
    /// "2023-06" or "2023"): shown and exported as received. The day stays unknown: the record
    /// is never closed on a day made up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deceased_in: Option<PartialDate>,
    pub care_team: Option<String>,
}

/// How much of a date a record gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DatePrecision {
    #[default]
    Day,
    Month,
    Year,
}
super::machine_names!(DatePrecision {
    Day => "day",
    Month => "month",
    Year => "year",
});

impl DatePrecision {
    /// The precision of a FHIR `date`/`dateTime` as written: `YYYY`, `YYYY-MM`, or more.
    pub fn of_text(text: &str) -> Self {
        match text.trim().len() {
            4 => DatePrecision::Year,
            7 => DatePrecision::Month,
            _ => DatePrecision::Day,
        }
    }

    pub fn is_day(&self) -> bool {
        *self == DatePrecision::Day
    }

    /// The last day a date of this precision may be, `first` being its first day: the month's
    /// or the year's last day (a date of a day is that day).
    pub fn last_day(self, first: NaiveDate) -> NaiveDate {
        let next = match self {
            DatePrecision::Day => return first,
            DatePrecision::Month if first.month() == 12 => {
                NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
            }
            DatePrecision::Month => NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1),
            DatePrecision::Year => NaiveDate::from_ymd_opt(first.year() + 1, 1, 1),
        };
        next.and_then(|next| next.pred_opt()).unwrap_or(first)
    }

    /// `date` as far as it is known: "1980", "1980-05", "1980-05-01".
    pub fn format(self, date: NaiveDate) -> String {
        match self {
            DatePrecision::Day => date.format("%Y-%m-%d").to_string(),
            DatePrecision::Month => date.format("%Y-%m").to_string(),
            DatePrecision::Year => date.format("%Y").to_string(),
        }
    }
}

/// A date known to its month or its year only (R4 `date`/`dateTime` "2023-06", "2023"): its
/// first day and how much of it is known, written and read as that text, never as a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartialDate {
    first: NaiveDate,
    precision: DatePrecision,
}

impl PartialDate {
    /// The month or year of `first` (which must be its first day); `None` for a whole day,
    /// which is no partial date.
    pub fn new(first: NaiveDate, precision: DatePrecision) -> Option<Self> {
        let first = match precision {
            DatePrecision::Day => return None,
            DatePrecision::Month => first.with_day(1)?,
            DatePrecision::Year => first.with_day(1)?.with_month(1)?,
        };
        Some(PartialDate { first, precision })
    }

    /// "2023-06" or "2023"; `None` for anything else (a whole day included).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let precision = match text.len() {
            4 => DatePrecision::Year,
            7 => DatePrecision::Month,
            _ => return None,
        };
        if !text.chars().enumerate().all(|(at, c)| {
            if at == 4 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        }) {
            return None;
        }
        let year = text.get(..4)?.parse().ok()?;
        let month = match precision {
            DatePrecision::Month => text.get(5..7)?.parse().ok()?,
            _ => 1,
        };
        PartialDate::new(NaiveDate::from_ymd_opt(year, month, 1)?, precision)
    }

    /// As received: "2023-06", "2023".
    pub fn text(self) -> String {
        self.precision.format(self.first)
    }

    pub fn first_day(self) -> NaiveDate {
        self.first
    }

    pub fn last_day(self) -> NaiveDate {
        self.precision.last_day(self.first)
    }
}

impl Serialize for PartialDate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text())
    }
}

impl<'de> Deserialize<'de> for PartialDate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        PartialDate::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("'{text}' is no month (YYYY-MM) or year (YYYY)"))
        })
    }
}

impl Patient {
    /// The birth date as the record gave it ("1980" for a year alone).
    pub fn birth_date_text(&self) -> Option<String> {
        self.birth_date
            .map(|date| self.birth_precision.format(date))
    }

    /// "Family, Given" as the patient list shows it.
    pub fn display_name(&self) -> String {
        match (self.family_name.is_empty(), self.given_name.is_empty()) {
            (false, false) => format!("{}, {}", self.family_name, self.given_name),
            (false, true) => self.family_name.clone(),
            (true, false) => self.given_name.clone(),
            (true, true) => String::from("(no name)"),
        }
    }

    /// Initials for a masked identity ("M. L."), never the name itself.
    pub fn initials(&self) -> String {
        initials(&self.given_name, &self.family_name)
    }

    /// Age in whole years on `today`, if the birth date is known. Ages stop at death: the age
    /// at death for a patient who died, unknown when the day of death is.
    pub fn age_on(&self, today: NaiveDate) -> Option<u32> {
        age_until(self.birth_date, self.death(), today)
    }

    /// Whether and when the patient died; `None` while not known to be dead.
    pub fn death(&self) -> Option<Death> {
        Death::of(self.deceased, self.deceased_date, self.deceased_in)
    }

    pub fn is_deceased(&self) -> bool {
        self.death().is_some()
    }
}

/// A patient's death: FHIR `deceasedBoolean: true` (no date) or `deceasedDateTime`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Death {
    /// The day, when recorded.
    pub date: Option<NaiveDate>,
    /// The month or year, when that is all the record gave (never beside a day).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<PartialDate>,
}

impl Death {
    /// The death that a deceased flag and a date say: a date alone is a death too, a month or a
    /// year alone as well.
    pub fn of(
        deceased: bool,
        date: Option<NaiveDate>,
        within: Option<PartialDate>,
    ) -> Option<Self> {
        (deceased || date.is_some() || within.is_some()).then_some(Death {
            date,
            within: within.filter(|_| date.is_none()),
        })
    }

    /// The last day anything can have happened to the patient alive, for a run on `today`: the
    /// day of death when it is known and not after `today`.
    pub fn last_day(self, today: NaiveDate) -> NaiveDate {
        self.date.map_or(today, |date| date.min(today))
    }

    /// "† died 1978-01-11, aged 53" ("† died 1978-01-11" without a birth date, "† died 1978-01"
    /// when the month is all the record gave, with the age only when the whole month gives one,
    /// "† deceased" without any date of death). `masked`: the year alone, as a shared screen
    /// shows a date that could identify the patient ("† died 1978, aged 53").
    pub fn words(self, birth: Option<NaiveDate>, masked: bool) -> String {
        let (day, age) = match (self.date, self.within) {
            (Some(date), _) => (
                if masked {
                    date.format("%Y").to_string()
                } else {
                    date.format("%Y-%m-%d").to_string()
                },
                birth.and_then(|birth| age_in_years(birth, date)),
            ),
            (None, Some(within)) => (
                if masked {
                    within.first_day().format("%Y").to_string()
                } else {
                    within.text()
                },
                birth.and_then(|birth| {
                    let first = age_in_years(birth, within.first_day())?;
                    (age_in_years(birth, within.last_day()) == Some(first)).then_some(first)
                }),
            ),
            (None, None) => return String::from("† deceased"),
        };
        match age {
            Some(age) => format!("† died {day}, aged {age}"),
            None => format!("† died {day}"),
        }
    }
}

/// Age in whole years on `today`, stopped at death: the age at death when the patient died on
/// a known day, `None` when the birth date or the day of death is unknown.
pub fn age_until(birth: Option<NaiveDate>, death: Option<Death>, today: NaiveDate) -> Option<u32> {
    let on = match death {
        Some(Death {
            date: Some(date), ..
        }) => date.min(today),
        Some(Death { date: None, .. }) => return None,
        None => today,
    };
    birth.and_then(|birth| age_in_years(birth, on))
}

/// Whole years between `birth` and `today`, `None` when `today` is before `birth`.
pub fn age_in_years(birth: NaiveDate, today: NaiveDate) -> Option<u32> {
    let mut years = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).ok()
}

/// A coded diagnosis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    pub id: i64,
    pub system: ConditionCodeSystem,
    pub code: String,
    pub display: String,
    /// The onset; of a month or a year only, its first day (see `onset_precision`).
    pub onset: Option<NaiveDate>,
    /// How much of the onset the record gave (R4 `dateTime` may be "2019" or "2019-05"): shown
    /// and exported as given, never with an invented day.
    #[serde(default, skip_serializing_if = "DatePrecision::is_day")]
    pub onset_precision: DatePrecision,
    pub abatement: Option<NaiveDate>,
    /// How much of the abatement the record gave, as `onset_precision`.
    #[serde(default, skip_serializing_if = "DatePrecision::is_day")]
    pub abatement_precision: DatePrecision,
    /// The record says the condition abated but no day can be read from it (R4
    /// `abatement[x]` as an age, a range of ages or words): over as surely as with a day.
    /// Stored as an empty abatement (NULL is none at all).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub abated_on_unknown_day: bool,
    /// The day the diagnosis was first recorded (R4 `recordedDate`), never its onset: a
    /// diagnosis written down on a day began on or before it, which bounds the episode it names
    /// when no onset is given (see `rules::episode`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded: Option<NaiveDate>,
    /// How much of `recorded` the record gave (R4 `recordedDate` is a dateTime: "2026-03" is
    /// some day of March, never 1 March made up), as `onset_precision`.
    #[serde(default, skip_serializing_if = "DatePrecision::is_day")]
    pub recorded_precision: DatePrecision,
    /// FHIR clinicalStatus (`active`, `relapse`, `remission`, `resolved`…).
    pub clinical_status: Option<String>,
    /// FHIR verificationStatus (`confirmed`, `provisional`, `differential`, `refuted`…).
    pub verification_status: Option<String>,
    /// Every coding of the record's concept, the one it is shown by (`system`, `code`) first,
    /// when it gave more than one: R4 reads a CodeableConcept's codings as the same diagnosis
    /// said in several code systems, so a rule set (or an exclusion) that lists any of them
    /// knows it, whatever rules chose the one shown when it was imported. Empty when the record
    /// gave one coding, and for rows stored before codings were kept (they keep their one code
    /// until their file is imported again).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codings: Vec<Coding>,
}

impl Condition {
    /// The onset as the record gave it ("2019-05", "2019", "2019-05-10").
    pub fn onset_text(&self) -> Option<String> {
        self.onset.map(|onset| self.onset_precision.format(onset))
    }

    /// The abatement as the record gave it, as [`Condition::onset_text`].
    pub fn abatement_text(&self) -> Option<String> {
        self.abatement
            .map(|abatement| self.abatement_precision.format(abatement))
    }

    /// The day it was recorded as the record gave it ("2026-03", "2026", "2026-03-02").
    pub fn recorded_text(&self) -> Option<String> {
        self.recorded
            .map(|recorded| self.recorded_precision.format(recorded))
    }

    /// The last day it may have been recorded on: of a month or a year alone, its last day.
    pub fn recorded_last_day(&self) -> Option<NaiveDate> {
        self.recorded
            .map(|recorded| self.recorded_precision.last_day(recorded))
    }

    /// Its codes, each in its code system: the one it is shown by, then every coding's.
    pub fn codes(&self) -> impl Iterator<Item = (ConditionCodeSystem, &str)> {
        std::iter::once((self.system, self.code.as_str())).chain(
            self.codings
                .iter()
                .map(|c| (ConditionCodeSystem::from_uri(&c.system), c.code.as_str())),
        )
    }

    /// Whether refract knows it only by its words: none of its codings is an ICD-10 or a
    /// SNOMED CT code (no code at all, or a local one).
    pub fn known_by_words_alone(&self) -> bool {
        self.codes()
            .all(|(system, code)| system == ConditionCodeSystem::Other || code.trim().is_empty())
    }

    /// Its words: the concept's (its text, else the display of the coding it is shown by),
    /// then every coding's display.
    pub fn displays(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.display.as_str())
            .chain(self.codings.iter().map(|c| c.display.as_str()))
    }

    /// Whether the record says the patient has (or had) this diagnosis at all. A refuted one
    /// (ruled out) or one entered in error is no diagnosis anywhere: it selects no rule set,
    /// excludes nothing and is not listed among the patient's diagnoses.
    pub fn is_diagnosis(&self) -> bool {
        !matches!(
            self.verification_status.as_deref(),
            Some("refuted" | "entered-in-error")
        ) && self.clinical_status.as_deref() != Some("entered-in-error")
    }

    /// Whether it is a current diagnosis: a diagnosis neither resolved nor inactive (FHIR
    /// clinicalStatus; relapse and recurrence are current), nor abated with no status to say
    /// otherwise. A remission with an abatement is over (R4's condition-clinical places
    /// remission under `inactive`, and con-4 asks an abated condition to be inactive, resolved
    /// or in remission); one without is still followed: a cancer's problem-list entry often
    /// stays "remission" through a relapse, which its disease status and lines then show.
    pub fn is_active(&self) -> bool {
        self.is_diagnosis()
            && match self.clinical_status.as_deref() {
                Some("remission") | None => !self.has_abated(),
                Some(status) => !matches!(status, "resolved" | "inactive"),
            }
    }

    /// Whether the record says it abated, on a known day or not.
    pub fn has_abated(&self) -> bool {
        self.abatement.is_some() || self.abated_on_unknown_day
    }

    /// Whether it is a current diagnosis among `records` of the same diagnosis (itself may be
    /// among them): active, and not outweighed by another record of it that says it is over.
    ///
    /// A record that says nothing of the diagnosis's status (an encounter diagnosis: R4 asks for
    /// a clinicalStatus only on the problem list) is evidence the patient had it at that
    /// encounter, not that they have it now; when another record says it resolved, that record
    /// decides, unless this one began after it ended (a new episode). With no onset, it cannot
    /// be shown to be the later one; an onset or an end of a month or a year alone is every
    /// day of it, so this one is the later only when its onset's first day is after the other's
    /// end's last day (in the same month, the day the record never gave would decide).
    pub fn is_current_among<'c>(&self, records: impl IntoIterator<Item = &'c Condition>) -> bool {
        if !self.is_active() {
            return false;
        }
        if self.clinical_status.is_some() {
            return true;
        }
        !records.into_iter().any(|other| {
            other.is_diagnosis()
                && !other.is_active()
                && !self.onset.is_some_and(|onset| {
                    let end = match other.abatement {
                        Some(end) => Some(other.abatement_precision.last_day(end)),
                        None => other
                            .onset
                            .map(|began| other.onset_precision.last_day(began)),
                    };
                    end.is_some_and(|end| onset > end)
                })
        })
    }

    /// Whether it is a current diagnosis among a patient's `conditions`, read against the
    /// records of the same diagnosis (see [`Condition::is_current_among`]).
    pub fn is_current_in(&self, conditions: &[Condition]) -> bool {
        self.is_current_among(conditions.iter().filter(|other| other.same_diagnosis(self)))
    }

    /// Whether `other` is a record of the same diagnosis: a code in the same system that both
    /// hold, among all their codings (one coded SNOMED CT alone and one coded ICD-10-CM and
    /// SNOMED CT with the same concept are one diagnosis), or, with no code, the same words.
    pub fn same_diagnosis(&self, other: &Condition) -> bool {
        let (code, other_code) = (self.code.trim(), other.code.trim());
        if code.is_empty() || other_code.is_empty() {
            return code.is_empty()
                && other_code.is_empty()
                && self.name().eq_ignore_ascii_case(other.name());
        }
        self.codes().any(|(system, code)| {
            let code = code.trim();
            !code.is_empty()
                && other.codes().any(|(other_system, other_code)| {
                    system == other_system && code.eq_ignore_ascii_case(other_code.trim())
                })
        })
    }

    /// The diagnosis in words for a person: its display without SNOMED CT's semantic tag
    /// ("Acute bronchitis (disorder)" reads "Acute bronchitis"), else its code.
    pub fn name(&self) -> &str {
        let display = self.display.trim();
        let display = SEMANTIC_TAGS
            .iter()
            .find_map(|tag| display.strip_suffix(tag))
            .map_or(display, str::trim_end);
        if display.is_empty() {
            self.code.trim()
        } else {
            display
        }
    }

    /// Where the diagnosis stands, in words, when it is not simply active ("resolved",
    /// "refuted", "in remission"); `None` for an active, confirmed one.
    pub fn status_words(&self) -> Option<String> {
        let clinical = match self.clinical_status.as_deref() {
            None | Some("active") => None,
            Some("remission") => Some("in remission"),
            Some(other) => Some(other),
        };
        let verification = match self.verification_status.as_deref() {
            None | Some("confirmed") => None,
            Some(other) => Some(other),
        };
        let words: Vec<&str> = [verification, clinical].into_iter().flatten().collect();
        (!words.is_empty()).then(|| words.join(", "))
    }
}

/// The SNOMED CT semantic tags a display may end with: what kind of concept it is, not what the
/// patient has.
const SEMANTIC_TAGS: [&str; 6] = [
    "(disorder)",
    "(finding)",
    "(situation)",
    "(morphologic abnormality)",
    "(event)",
    "(procedure)",
];

/// A dose as recorded: a value and its unit ("1500", "mg/d").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dose {
    pub value: f64,
    pub unit: String,
}

impl Dose {
    /// The dose in milligrams per day when the unit says so; `None` for per-cycle, per-m²,
    /// infusion-rate or unknown units, which no daily-dose threshold can be compared with.
    pub fn mg_per_day(&self) -> Option<f64> {
        let unit = self.unit.trim().to_ascii_lowercase().replace(' ', "");
        let factor = match unit.as_str() {
            "mg/d" | "mg/day" | "mg/24h" | "mg{daily}" => 1.0,
            "g/d" | "g/day" => 1000.0,
            "mcg/d" | "ug/d" | "µg/d" | "mcg/day" | "ug/day" => 0.001,
            _ => return None,
        };
        Some(self.value * factor)
    }
}

/// How a drug record with no words and no code the drug book knows is named (followed by its
/// codes or the reference that would identify it, in brackets).
pub const UNIDENTIFIED_DRUG: &str = "unidentified medication";

/// One drug given over a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrugExposure {
    pub id: i64,
    /// The drug as recorded ("Levetiracetam 500 MG Oral Tablet").
    pub text: String,
    pub rxnorm: Option<String>,
    pub atc: Option<String>,
    pub start: NaiveDateTime,
    /// `None` while ongoing.
    pub end: Option<NaiveDateTime>,
    pub dose: Option<Dose>,
    pub route: Option<String>,
    pub role: Option<DrugRole>,
    pub stop_reason: Option<StopReason>,
    /// Cycles given (oncology), when recorded.
    pub cycles: Option<u32>,
    /// How much of the period the record states (its duration may be unknown).
    #[serde(default, skip_serializing_if = "is_stated")]
    pub dates: DatesKnown,
    /// The record's own words for why it stopped: beside `stop_reason` when the vocabulary
    /// read them ("Failed to pick up from pharmacy"), alone when nobody could ("switched to
    /// generic"; a code sent alone that nothing knows, as its code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_text: Option<String>,
    /// The offset from UTC (minutes) its start was written in: `start` and `end` are UTC
    /// instants (durations, and the hours of status epilepticus, are counted on them), and the
    /// days it was given are the record's own local days, those instants plus their offsets
    /// (see [`local_day`]). An offset belongs to the value written with it: a start given as a
    /// date alone has none, whatever offset another element of the record carries.
    /// `None` for UTC, dates alone, times with no offset, and rows stored before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utc_offset_minutes: Option<i32>,
    /// The offset its end was written in, as [`Self::utc_offset_minutes`] is the start's: each
    /// end of a period keeps its own (a period across a daylight-saving change, EDT to EST, ends
    /// on the local day written; a date-only end is that day). An end refract works out from
    /// the start (a days supply, a duration) is in the start's offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_utc_offset_minutes: Option<i32>,
    /// Why it was given, as its records state (R4 `reasonCode`/`reasonReference`): empty when
    /// they state nothing. A course joined from several records holds each one's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indications: Vec<Indication>,
    /// Whether its own record said the drug STOPPED, not only that this course of it ended: a
    /// request or statement `stopped`, a statement `completed` ("no longer being taken"), a stop
    /// reason that is not a dose change. A request `completed` (a five-day ward order), a
    /// statement with an end date, a dose period ended by the next dose, doses given and fills
    /// say the course ended, no more. An export writes the difference (see `fhir::carried`),
    /// so that read back the end of a course never stops another record of the drug. `true`
    /// for rows and documents stored before it was kept (exported as they were until their
    /// files are read again).
    #[serde(default = "said_before_it_was_kept")]
    pub said_stopped: bool,
    /// Where its dose came from when refract worked it out (see [`DoseFrom`]); `None` when its
    /// record states it, or it has no dose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dose_from: Option<DoseFrom>,
}

/// What a drug record stored before `said_stopped` was kept is read as: said stopped, as
/// exports until then wrote every ended record.
fn said_before_it_was_kept() -> bool {
    true
}

#[allow(clippy::trivially_copy_pass_by_ref)] // the signature serde's skip_serializing_if calls
fn is_stated(dates: &DatesKnown) -> bool {
    *dates == DatesKnown::Stated
}

impl DrugExposure {
    /// Its RxNorm and ATC codes, as the drug book recognises a drug by.
    pub fn codes(&self) -> Vec<&str> {
        self.rxnorm
            .iter()
            .chain(self.atc.iter())
            .map(String::as_str)
            .collect()
    }

    /// The day it started, in the record's own local time.
    pub fn start_day(&self) -> NaiveDate {
        local_day(self.start, self.utc_offset_minutes)
    }

    /// The day it ended, in the record's own local time (its end's offset); `None` while
    /// ongoing.
    pub fn end_day(&self) -> Option<NaiveDate> {
        self.end
            .map(|end| local_day(end, self.end_utc_offset_minutes))
    }

    /// The amount given, where the record gives a dose a day ("1000 mg/d") and was given on
    /// one day alone (an infusion, one administration, an order of a day: its end stated, on
    /// its start's day): that day's amount and its unit ("mg"). "1000 mg/d" would say a daily
    /// dose that went on, which the record never says (review r3 C-7: rituximab's infusions).
    /// `None` otherwise.
    pub fn one_day_amount(&self) -> Option<(f64, &str)> {
        let dose = self.dose.as_ref()?;
        let unit = dose.unit.trim().strip_suffix("/d")?.trim_end();
        let one_day = self.dates == DatesKnown::Stated
            && self.end_day().is_some_and(|end| end == self.start_day());
        (one_day && !unit.is_empty()).then_some((dose.value, unit))
    }

    /// Days from start to end (or to `today` while ongoing), never negative.
    pub fn days_on(&self, today: NaiveDate) -> i64 {
        let end = self.end_day().unwrap_or(today);
        (end - self.start_day()).num_days().max(0)
    }

    /// Its indications in words ("atrial fibrillation; hypertension"); `None` when its records
    /// state none.
    pub fn indication_words(&self) -> Option<String> {
        let words: Vec<&str> = self
            .indications
            .iter()
            .map(Indication::words)
            .filter(|words| !words.trim().is_empty())
            .collect();
        (!words.is_empty()).then(|| words.join("; "))
    }

    /// Whether the drug was taken only when needed: kept and shown, but no schedule the rules
    /// read (not a line, a failed schedule or a trial).
    pub fn is_as_needed(&self) -> bool {
        self.role == Some(DrugRole::AsNeeded)
    }

    /// Whether the drug was given into the spinal fluid or the brain's ventricles (its route, or
    /// else its text, says so; see [`super::routes::given_cns_directed`]): CNS-directed therapy,
    /// such as intrathecal methotrexate for CNS prophylaxis beside R-CHOP. Kept and shown, but
    /// no systemic treatment of the condition: it starts no line, is no drug of a line's
    /// regimen and is no trial of any criterion.
    pub fn is_cns_directed(&self) -> bool {
        super::routes::given_cns_directed(self.route.as_deref(), &self.text)
    }

    /// Whether the drug was put where it acts (a cream on the skin, eye drops; see
    /// [`super::routes::given_locally`]): kept and shown, but no systemic course of the drug.
    pub fn is_given_locally(&self) -> bool {
        super::routes::given_locally(self.route.as_deref(), &self.text)
    }

    /// Whether the criteria read the record as a treatment given (a line's drug, a trial, an
    /// option tried, a class given): neither taken only when needed, nor CNS-directed, nor put
    /// where it acts (diltiazem cream for a fissure is no calcium channel blocker given).
    pub fn is_read_as_treatment(&self) -> bool {
        !self.is_as_needed() && !self.is_cns_directed() && !self.is_given_locally()
    }

    /// Whether the record names its drug by nothing refract can identify: no words and no
    /// code the drug book knows (see [`UNIDENTIFIED_DRUG`]); the team must say what it was.
    pub fn is_unidentified(&self) -> bool {
        self.text.starts_with(UNIDENTIFIED_DRUG)
    }

    /// Whether the exposure covers `day`.
    pub fn active_on(&self, day: NaiveDate) -> bool {
        self.start_day() <= day && self.end_day().is_none_or(|end| day <= end)
    }

    /// Why it stopped, in words: the reason the vocabulary read with the record's own words
    /// beside it when they say more ("not taken as prescribed (Failed to pick up from
    /// pharmacy)"), else the record's own words (a hold says [`ON_HOLD_WORDS`]); none when
    /// the record gives no reason.
    /// The record's words are shown on one line (a reason typed over two lines must not break
    /// the row it is shown in).
    pub fn stop_words(&self) -> Option<String> {
        let flat = |words: &str| crate::text::flat_words(words).into_owned();
        match (self.stop_reason, self.stop_text.as_deref()) {
            (Some(reason), Some(words)) if !words.eq_ignore_ascii_case(reason.words()) => {
                Some(format!("{} ({})", reason.words(), flat(words)))
            }
            (Some(reason), _) => Some(reason.words().to_owned()),
            (None, words) => words.map(flat),
        }
    }

    /// Whether its record was put on hold (FHIR `on-hold`): not given now, for how long after
    /// its start not known.
    pub fn is_on_hold(&self) -> bool {
        self.stop_reason.is_none()
            && self
                .stop_text
                .as_deref()
                .is_some_and(|text| text.starts_with(ON_HOLD_WORDS))
    }

    /// Why a drug put on hold was held, where the reason was understood (RV-2): the hold is no
    /// stop (no `stop_reason`), but what it was held for still happened to the patient (a
    /// clozapine held for agranulocytosis is a reaction on record). The import writes an
    /// understood reason's words first after "on hold: ", alone or before the record's own
    /// words in brackets ("on hold: not tolerated (Clozapine-induced agranulocytosis)"), so
    /// that words nobody read ("on hold: not tolerated and no response") never pass for one.
    pub fn held_for(&self) -> Option<StopReason> {
        if !self.is_on_hold() {
            return None;
        }
        let why = self
            .stop_text
            .as_deref()?
            .strip_prefix(ON_HOLD_WORDS)?
            .strip_prefix(": ")?;
        StopReason::ALL
            .iter()
            .copied()
            .find(|reason| reason_leads(why, reason.words()))
    }

    /// Where the course ended because the patient reported not taking the drug (a statement
    /// `not-taken`, review R9-5; see [`NOT_TAKEN_WORDS`]): the day they did not take it from (its
    /// end) and why, when the statement said. `None` for any other course.
    pub fn reported_not_taken(&self) -> Option<(NaiveDate, Option<&str>)> {
        if !self.is_reported_not_taken() {
            return None;
        }
        let rest = self.stop_text.as_deref()?.strip_prefix(NOT_TAKEN_WORDS)?;
        let why = rest
            .strip_prefix(": ")
            .map(str::trim)
            .filter(|w| !w.is_empty());
        Some((self.end_day()?, why))
    }

    /// Whether the course ended because the patient reported not taking the drug (its stop
    /// text is [`NOT_TAKEN_WORDS`], alone or before the report's reason).
    pub fn is_reported_not_taken(&self) -> bool {
        self.stop_text.as_deref().is_some_and(|text| {
            text.strip_prefix(NOT_TAKEN_WORDS)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(": "))
        })
    }

    /// Whether its start is only the latest day it can have been: the record gives a month, a
    /// year or the day it was written, and the drug may have been given since earlier.
    pub fn start_is_approximate(&self) -> bool {
        matches!(self.dates, DatesKnown::StartUnknown | DatesKnown::Unknown)
    }

    /// Whether its end is only the last day the drug is known to have been given (no end
    /// recorded): it may have gone on longer.
    pub fn end_is_approximate(&self) -> bool {
        self.end.is_some() && matches!(self.dates, DatesKnown::EndUnknown | DatesKnown::Unknown)
    }

    /// Whether [`Self::start_shown`] or [`Self::end_shown`] marks a date as approximate.
    pub fn has_approximate_dates(&self) -> bool {
        self.start_is_approximate() || self.end_is_approximate()
    }

    /// Its start as a screen shows it, in `format`; an approximate one (see
    /// [`Self::start_is_approximate`]) marked [`START_BY_MARK`] and as its day alone (a time of
    /// it means nothing), so that it never reads as exact.
    /// The time is the wall-clock of `zone` (see [`ShownZone`]).
    pub fn start_shown(&self, format: &str, zone: ShownZone) -> String {
        let start = zone.wall_clock_of(self.start, self.utc_offset_minutes);
        if self.start_is_approximate() {
            format!("{START_BY_MARK}{}", start.format(DAY_FORMAT))
        } else {
            start.format(format).to_string()
        }
    }

    /// Its end as a screen shows it, in `format`; an approximate one (see
    /// [`Self::end_is_approximate`]) marked [`END_AT_LEAST_MARK`], as its day alone. None while
    /// there is no end.
    pub fn end_shown(&self, format: &str, zone: ShownZone) -> Option<String> {
        let end = zone.wall_clock_of(self.end?, self.end_utc_offset_minutes);
        Some(if self.end_is_approximate() {
            format!("{END_AT_LEAST_MARK}{}", end.format(DAY_FORMAT))
        } else {
            end.format(format).to_string()
        })
    }
}

/// How an approximate date is shown: its day, a time of it meaning nothing.
const DAY_FORMAT: &str = "%Y-%m-%d";

/// Whether `text` is a reason's `words` alone, or followed by other words in brackets (in any
/// case): how an understood reason leads a hold's words (see [`DrugExposure::held_for`]).
pub fn reason_leads(text: &str, words: &str) -> bool {
    text.get(..words.len())
        .is_some_and(|lead| lead.eq_ignore_ascii_case(words))
        && text
            .get(words.len()..)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(" ("))
}

/// The words a drug put on hold carries as its stop text (see [`DrugExposure::is_on_hold`]).
pub const ON_HOLD_WORDS: &str = "on hold";

/// The words a course ended by the patient's report that they do not take the drug carries as
/// its stop text, before the report's reason ("reported not taken: frequent urination"; see
/// [`DrugExposure::reported_not_taken`]).
pub const NOT_TAKEN_WORDS: &str = "reported not taken";

/// Marks a start the record gives only as a month, a year or the day it was written: the drug
/// was started on or before it.
pub const START_BY_MARK: &str = "≤";

/// Marks an end that is only the last day a drug is known to have been given (no end recorded,
/// or an end of a month or a year only): it was given at least until then.
pub const END_AT_LEAST_MARK: &str = "≥";

/// The legend of [`START_BY_MARK`] and [`END_AT_LEAST_MARK`], for a screen that shows them.
/// One record keeps how much of one of its ends is known: a period of two months ("2022-03" to
/// "2022-09") marks its end, its start shown as the last day it can have been.
pub const APPROXIMATE_DATES_LEGEND: &str =
    "≤ started by · ≥ given at least until (dates not exact)";

/// How a treatment line came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineOrigin {
    /// Built from drug exposures by the line-derivation rules.
    Derived,
    /// Entered by a clinician (or by the demo, or brought by refract's own JSON document).
    Entered,
    /// A derived line a clinician corrected; kept across re-imports.
    Corrected,
    /// A line another refract file's team entered or corrected, read from its FHIR export:
    /// owned like an entered one (its rule set's lines are not derived again), but rebuilt from
    /// the imported resources whenever they change, as imported rows are, so that importing a
    /// newer export replaces it instead of adding it twice.
    Imported,
}
super::machine_names!(LineOrigin {
    Derived => "derived",
    Entered => "entered",
    Corrected => "corrected",
    Imported => "imported",
});

/// One drug of a line's regimen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineDrug {
    /// Normalised ingredient name ("levetiracetam").
    pub ingredient: String,
    pub dose: Option<Dose>,
    /// The drug exposure it came from, if any.
    pub exposure_id: Option<i64>,
}

/// A numbered line of therapy for one condition family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreatmentLine {
    pub id: i64,
    /// The rule set (condition family) the line treats.
    pub ruleset: String,
    pub number: u32,
    pub regimen: String,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub intent: Option<Intent>,
    pub best_response: Option<Response>,
    pub best_response_date: Option<NaiveDate>,
    pub progression_date: Option<NaiveDate>,
    pub stop_reason: Option<StopReason>,
    pub cycles: Option<u32>,
    pub origin: LineOrigin,
    /// Why the line was cut from the previous one ("new drug after the regimen window", "gap").
    pub cut_reason: Option<String>,
    pub drugs: Vec<LineDrug>,
}

impl TreatmentLine {
    /// "3L" as the patient list shows it.
    pub fn label(&self) -> String {
        format!("{}L", self.number)
    }

    /// "1 cycle", "6 cycles": the cycles given, where the record counts them.
    pub fn cycles_words(&self) -> Option<String> {
        self.cycles.map(cycles_words)
    }

    /// Whether the line is ongoing on `today`.
    pub fn ongoing(&self, today: NaiveDate) -> bool {
        self.end.is_none_or(|end| end >= today)
    }
}

/// The day the UTC instant `at` falls on in the local time `utc_offset_minutes` from UTC that
/// the record wrote it in: a record's days (a clinic visit, an ECT session, a day a drug was
/// given) are its own local days, never UTC's. With no offset kept (UTC, a date alone, a time
/// with no offset), the day stored.
pub fn local_day(at: NaiveDateTime, utc_offset_minutes: Option<i32>) -> NaiveDate {
    local_time(at, utc_offset_minutes).date()
}

/// The UTC instant `at` on the wall-clock of the record's own offset (see [`local_day`]).
pub fn local_time(at: NaiveDateTime, utc_offset_minutes: Option<i32>) -> NaiveDateTime {
    utc_offset_minutes
        .and_then(|minutes| at.checked_add_signed(chrono::Duration::minutes(i64::from(minutes))))
        .unwrap_or(at)
}

/// A range the lab gave with a result (R4 `Observation.referenceRange`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReferenceRange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<f64>,
    /// The unit of `low` and `high` (their Quantity's); `None` when the record gives none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// What the range means (R4 `type`, HL7's referencerange-meaning code: "normal",
    /// "therapeutic", "treatment"…, else its text); empty when untyped.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Whom it applies to (R4 `appliesTo` and `age`, in words): a range of a population is
    /// not every patient's. Empty when it applies to all.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub applies_to: String,
    /// The range in the lab's words (R4 `text`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
}

/// A measurement or a coded finding at a point in time.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Observation {
    pub id: i64,
    /// LOINC code (or a local code for what LOINC lacks).
    pub code: String,
    /// The code's system, as the record gave it (empty for a test named in words alone, and
    /// for rows stored before it was kept).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub system: String,
    pub display: String,
    pub value: Option<f64>,
    /// A coded value (SNOMED CT, e.g. a disease-status trend).
    pub value_code: Option<String>,
    pub unit: Option<String>,
    /// When it was true: for a value over a period (FHIR `effectivePeriod`), the period's end;
    /// of a month or a year only, its first day (see `effective_precision`).
    pub effective: NaiveDateTime,
    /// How much of `effective` the record gave (R4 `dateTime` may be "2026" or "2026-03"): a
    /// month or a year is every day of it, never its first day made up. Shown and exported as
    /// given. Left out of JSON when a day.
    #[serde(default, skip_serializing_if = "DatePrecision::is_day")]
    pub effective_precision: DatePrecision,
    /// For a value over a period, the period's start: a seizure count from before a drug
    /// started is no failure of that drug. Left out of JSON when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<NaiveDateTime>,
    /// How much of `since` the record gave (R4 `Period.start` is a `dateTime`: "2026-03" is
    /// every day of March, never 1 March), as `effective_precision`. Left out of JSON when a day.
    #[serde(default, skip_serializing_if = "DatePrecision::is_day")]
    pub since_precision: DatePrecision,
    /// For blood pressure: where it was measured.
    pub setting: Option<BpSetting>,
    /// The value is a bound, not the value ("< 5"). Left out of JSON when absent, so that
    /// what was stored before it existed reads the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparator: Option<Comparator>,
    /// The offset from UTC (minutes) its time was written in: `effective` is the UTC instant,
    /// and the record's local day (a clinic visit's, one day wherever UTC midnight falls) is
    /// `effective` plus this. `None` for UTC, a date alone, a time with no offset, and rows
    /// stored before it was kept. Left out of JSON when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utc_offset_minutes: Option<i32>,
    /// The offset `since` was written in: each end of a period keeps its own (a start given as
    /// a date alone is that day, whatever the end's offset). Left out of JSON when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since_utc_offset_minutes: Option<i32>,
    /// The conditions the record says it is about (R4 `focus` naming a Condition: a disease
    /// status "of the myeloma"), each read as that diagnosis's codes and words: a finding about
    /// another condition is none of this one's criteria (see `rules::indication`). Empty when
    /// the record names none. Left out of JSON when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub focus: Vec<Indication>,
    /// A disease status's value in the record's own words (R4 `valueString`, else the
    /// `valueCodeableConcept`'s text or its codings' displays; a report's `conclusion`), kept
    /// beside the response read from them (`value_code`): "Multiple myeloma - very good partial
    /// response" says which disease it is about where its name says none (see
    /// `rules::indication::attribute_untied`). Empty for other results and for rows stored
    /// before it was kept. Left out of JSON when empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub value_words: String,
    /// The ranges the lab gave with the result (R4 `referenceRange`), as given: a drug level's
    /// therapeutic range is the lab's own, tied to its method (see `rules::drug_levels`).
    /// Empty when the record gives none, and for rows stored before they were kept. Left out
    /// of JSON when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reference_ranges: Vec<ReferenceRange>,
    /// The lab's flag on the value (R4 `interpretation`, the code of HL7's
    /// ObservationInterpretation: "L", "LL", "H", "HH", "N", "A"…). `None` when the record
    /// gives none, and for rows stored before it was kept. Left out of JSON when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpretation: Option<String>,
    /// While imported: the Conditions `focus` names, read into `focus` once the patient's
    /// record is built (see `fhir::resolve_named_conditions`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub named_conditions: Vec<NamedCondition>,
}

impl Observation {
    /// The value as people read it: rounded to its precision, the unit without UCUM's
    /// annotations, a coded value by its words; a bound with its comparator ("< 5 %").
    pub fn value_text(&self) -> String {
        let text = super::observation_codes::display::value(
            self.value,
            self.value_code.as_deref(),
            self.unit.as_deref(),
        );
        match self.comparator {
            Some(comparator) if self.value.is_some() => format!("{comparator} {text}"),
            _ => text,
        }
    }

    /// The day it was true, in the record's own local time (see [`local_day`]).
    pub fn local_day(&self) -> NaiveDate {
        local_day(self.effective, self.utc_offset_minutes)
    }

    /// The last day it may have been true on: its local day, or the last day of the month or
    /// the year the record gave alone.
    pub fn last_local_day(&self) -> NaiveDate {
        self.effective_precision.last_day(self.local_day())
    }

    /// Its day as the record gave it: "2026-03-02", "2026-03", "2026" (the local day; see
    /// [`Observation::local_day`]).
    pub fn day_text(&self) -> String {
        self.effective_precision.format(self.local_day())
    }

    /// The day its period began (`since`), in the record's own local time (the offset `since`
    /// was written in).
    pub fn since_day(&self) -> Option<NaiveDate> {
        self.since
            .map(|since| local_day(since, self.since_utc_offset_minutes))
    }

    /// The day its period began as the record gave it: "2026-03-02", "2026-03", "2026".
    pub fn since_text(&self) -> Option<String> {
        self.since_day().map(|day| self.since_precision.format(day))
    }

    /// The value when it is one ("< 5" is not): what a mean, a change or a pairing is made of.
    pub fn exact_value(&self) -> Option<f64> {
        self.value.filter(|_| self.comparator.is_none())
    }

    /// Whether the value is beyond a cut-off (`comparison`: "above", "at_least", "below",
    /// "at_most"); `None` with no value, or a bound that does not say ("≥ 10" against "above
    /// 10").
    pub fn beyond(&self, comparison: &str, cut: f64) -> Option<bool> {
        let value = self.value?;
        match self.comparator {
            Some(comparator) => comparator.decides(value, comparison, cut),
            None => Some(match comparison {
                "above" => value > cut,
                "at_least" => value >= cut,
                "below" => value < cut,
                _ => value <= cut,
            }),
        }
    }
}

/// The observations at the latest moment among `observations`: one, as a rule; more when a
/// source recorded the same measure twice at one time (two devices, a copy and its
/// correction). Which of those holds, nothing in the record says, so nothing that reads them
/// (the criteria, `show`, the timeline) picks one by the order they were stored in.
pub fn at_latest<'a>(observations: impl Iterator<Item = &'a Observation>) -> Vec<&'a Observation> {
    let mut latest: Vec<&Observation> = Vec::new();
    for observation in observations {
        match latest.first().map(|first| first.effective) {
            Some(at) if observation.effective < at => {}
            Some(at) if observation.effective == at => latest.push(observation),
            _ => latest = vec![observation],
        }
    }
    latest
}

/// A procedure (transplant, implant, surgery, EEG…).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Procedure {
    pub id: i64,
    /// The code (a SNOMED CT code when the record gives one, else its first).
    pub code: String,
    /// The code's system, as the record gave it (empty when not known: rows stored before it
    /// was kept).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub system: String,
    pub display: String,
    /// When it was done; of a window (see `performed_by`), its first day; meaningless when
    /// `date_unknown`.
    pub performed: NaiveDateTime,
    pub end: Option<NaiveDateTime>,
    /// Every coding of the record's concept, in its order, when it gave more than one: R4 reads
    /// a CodeableConcept's codings as the same procedure said in several code systems, so each
    /// one a rule set knows names it (an unlisted SNOMED CT concept beside CPT 38241 is still
    /// the autologous transplant). Empty when the record gave one coding, which `code`,
    /// `system` and `display` are.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codings: Vec<Coding>,
    /// The record gives a window rather than a day (the patient's age, a month, a date in
    /// words naming a month): the last day it may have been done, `performed` being the first.
    /// What a criterion counts from it holds only when it holds for every day of the window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performed_by: Option<NaiveDate>,
    /// The record says it was done but gives no day refract can read (words, an age with no
    /// birth date): kept, so that a criterion counting from it says its date is missing rather
    /// than that it never happened.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub date_unknown: bool,
    /// As imported, until the birth date turns them into days: the ages in years it was done
    /// between (R4 `performedAge`, `performedRange`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_ages: Option<(f64, f64)>,
    /// The offset from UTC (minutes) `performed` was written in, as for a drug's start (see
    /// [`DrugExposure::utc_offset_minutes`]): a session is dated by its local day, so that two
    /// sessions on consecutive local evenings are two days, wherever UTC midnight falls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utc_offset_minutes: Option<i32>,
    /// The offset its period's `end` was written in: each end keeps its own (a date-only end is
    /// that day, never read in the start's offset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_utc_offset_minutes: Option<i32>,
    /// Why it was done, as its record states it (R4 `reasonCode`, or the Condition a
    /// `reasonReference` names): a transplant done for another condition is none of this one's
    /// criteria (see `rules::indication`). Empty when the record states none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indications: Vec<Indication>,
    /// While imported: the Conditions `reasonReference` names, read into `indications` once the
    /// patient's record is built (see `fhir::resolve_named_conditions`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub named_conditions: Vec<NamedCondition>,
    /// While imported: the Devices (`Device/<id>`) its `focalDevice` names after the first
    /// (which the resource's `refers` names), read into its words and codings once the
    /// patient's record is built (see `fhir::devices::finish_shared`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub named_devices: Vec<String>,
}

/// A drug the patient reacted to, as an R4 AllergyIntolerance of a medication states it: an
/// allergy, or an intolerance such as clozapine-induced agranulocytosis. One refuted, entered in
/// error or resolved (reassessed and no longer present) is not kept. The options step marks
/// every option giving the drug with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrugReaction {
    pub id: i64,
    /// The substance as recorded: the code's text, else its first display, else its code.
    pub substance: String,
    /// Every code of the substance (RxNorm, SNOMED CT, ATC…), as the drug book recognises
    /// drugs by their codes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<String>,
    /// "allergy" or "intolerance" (R4 `type`), when stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// "high", "low" or "unable-to-assess" (R4 `criticality`), when stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criticality: Option<String>,
    /// What happened: each reaction's manifestations (and its severity, when stated),
    /// "; "-joined; empty when the record says nothing of it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reaction: String,
    /// When it happened: the onset, else its last occurrence, else the day it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onset: Option<NaiveDate>,
    /// "active" or "inactive" (R4 `clinicalStatus`), when stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clinical_status: Option<String>,
    /// "unconfirmed", "presumed" or "confirmed" (R4 `verificationStatus`), when stated: written
    /// back as the record gave it by the FHIR export.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_status: Option<String>,
}

impl DrugReaction {
    /// The codes the drug book is asked to recognise.
    pub fn code_list(&self) -> Vec<&str> {
        self.codes.iter().map(String::as_str).collect()
    }

    /// How the options step says it of `ingredient`: "clozapine: Agranulocytosis 2024-04-18
    /// (intolerance, criticality high)".
    pub fn describe(&self, ingredient: &str) -> String {
        let what = if self.reaction.is_empty() {
            self.kind.as_deref().unwrap_or("reaction")
        } else {
            self.reaction.as_str()
        };
        let mut parts = vec![format!("{ingredient}: {what}")];
        if let Some(onset) = self.onset {
            parts.push(onset.to_string());
        }
        let mut about: Vec<String> = Vec::new();
        if let Some(kind) = &self.kind {
            about.push(kind.clone());
        }
        if let Some(criticality) = &self.criticality {
            about.push(format!("criticality {criticality}"));
        }
        if self.clinical_status.as_deref() == Some("inactive") {
            about.push(String::from("inactive"));
        }
        if !about.is_empty() {
            parts.push(format!("({})", about.join(", ")));
        }
        parts.join(" ")
    }
}

/// A Condition a procedure's or an observation's record names (`reasonReference`, `focus`),
/// as written until the file's references are resolved, then by its id in the record's source
/// (`None` when it names no Condition refract can find), with the reference's display for when
/// the Condition is in no imported file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedCondition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub display: String,
}

/// One coding of a concept (a diagnosis, a procedure), as the record gave it (its system read
/// as its URI).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coding {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub system: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub code: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub display: String,
}

/// Why a drug was given, as its record states it (R4 `reasonCode`, or the Condition a
/// `reasonReference` names, read as that diagnosis's codings and words). The rules read it to
/// tell a drug given for this condition from one given for another (see
/// `rules::indication`); it is shown beside the drug and written back on export.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indication {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codings: Vec<Coding>,
    /// The words the record gave (a concept's text, a Condition's display, a reference's
    /// display): empty when it gave codes alone.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
}

impl Indication {
    /// What a person reads: its words, else its first coding's display, else its first code.
    pub fn words(&self) -> &str {
        let said = |text: &&str| !text.trim().is_empty();
        Some(self.text.as_str())
            .filter(said)
            .or_else(|| self.codings.iter().map(|c| c.display.as_str()).find(said))
            .or_else(|| self.codings.iter().map(|c| c.code.as_str()).find(said))
            .unwrap_or("")
    }

    /// Whether it says anything: a coding with a code, or words.
    pub fn says_something(&self) -> bool {
        !self.words().trim().is_empty()
    }

    /// The indication a diagnosis record is: its codes (each in its system) and its words.
    pub fn of_condition(condition: &Condition) -> Self {
        let codings = if condition.codings.is_empty() {
            vec![Coding {
                system: condition_system_uri(condition.system).to_owned(),
                code: condition.code.clone(),
                display: String::new(),
            }]
        } else {
            condition.codings.clone()
        };
        Indication {
            codings: codings
                .into_iter()
                .filter(|c| !c.code.trim().is_empty())
                .collect(),
            text: condition.display.clone(),
        }
    }

    /// Whether `other` states the same reason: a code in common (a reasonCode and the
    /// Condition a reasonReference names, both "postherpetic neuralgia"), or, with no codes,
    /// the same words.
    pub fn is_same_as(&self, other: &Indication) -> bool {
        let coded = |c: &&Coding| !c.code.trim().is_empty();
        let shared = self.codings.iter().filter(coded).any(|mine| {
            other.codings.iter().filter(coded).any(|theirs| {
                let system = ConditionCodeSystem::from_uri(&mine.system);
                mine.code.trim() == theirs.code.trim()
                    && system == ConditionCodeSystem::from_uri(&theirs.system)
                    && (system != ConditionCodeSystem::Other
                        || mine.system.trim() == theirs.system.trim())
            })
        });
        shared
            || (self.codings.is_empty()
                && other.codings.is_empty()
                && self
                    .words()
                    .trim()
                    .eq_ignore_ascii_case(other.words().trim()))
    }

    /// Adds `other` to `list` unless it states a reason already there.
    pub fn add_unique(list: &mut Vec<Indication>, other: Indication) {
        if other.says_something() && !list.iter().any(|known| known.is_same_as(&other)) {
            list.push(other);
        }
    }

    /// Adds `others` not already in `list` (two records of one course may state the same).
    pub fn extend_unique(list: &mut Vec<Indication>, others: &[Indication]) {
        for other in others {
            Self::add_unique(list, other.clone());
        }
    }
}

/// The URI a condition's code system is written with (a diagnosis kept by its one code keeps
/// only which system it was in): none for a system refract does not know.
fn condition_system_uri(system: ConditionCodeSystem) -> &'static str {
    match system {
        ConditionCodeSystem::Snomed => "http://snomed.info/sct",
        ConditionCodeSystem::Icd10 => "http://hl7.org/fhir/sid/icd-10",
        ConditionCodeSystem::Other => "",
    }
}

/// The code of a procedure row that is a place in a study (an imported R4 ResearchSubject):
/// this prefix, then the subject's R4 status (`refract:trial:on-study`).
pub const STUDY_PLACE_CODE: &str = "refract:trial:";

/// What the words of an imaging row start with (an imported ImagingStudy or imaging report,
/// see `fhir::imaging`), as a device use's start with "Device: ".
pub const IMAGING_WORDS: &str = "Imaging: ";

impl Procedure {
    /// Whether the row is an imaging study (see [`IMAGING_WORDS`]): a look at the body, not
    /// the procedure its words may name ("MRI brain after left temporal lobectomy").
    pub fn is_imaging(&self) -> bool {
        self.display.starts_with(IMAGING_WORDS)
    }

    /// Whether the row is a place in a study rather than a procedure done (see
    /// [`STUDY_PLACE_CODE`]).
    pub fn is_study_place(&self) -> bool {
        self.code.starts_with(STUDY_PLACE_CODE)
    }

    /// A study place's R4 status (`on-study`, `candidate`...).
    pub fn study_status(&self) -> Option<&str> {
        self.code.strip_prefix(STUDY_PLACE_CODE)
    }

    /// Its codes: the one it is shown by, then every coding's.
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.code.as_str()).chain(self.codings.iter().map(|c| c.code.as_str()))
    }

    /// Its words: the concept's (its text, else its first display), then every coding's display.
    pub fn displays(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.display.as_str())
            .chain(self.codings.iter().map(|c| c.display.as_str()))
    }

    /// The day it was done (of a window, its first), in the record's own local time.
    pub fn performed_day(&self) -> NaiveDate {
        local_day(self.performed, self.utc_offset_minutes)
    }

    /// The day its period ended, in the record's own local time (its end's offset).
    pub fn end_day(&self) -> Option<NaiveDate> {
        self.end
            .map(|end| local_day(end, self.end_utc_offset_minutes))
    }

    /// The first and the last day it may have been done; `None` when not known at all.
    pub fn window(&self) -> Option<(NaiveDate, NaiveDate)> {
        if self.date_unknown {
            return None;
        }
        let first = self.performed_day();
        Some((
            first,
            self.performed_by.map_or(first, |last| last.max(first)),
        ))
    }

    /// What it is in words: its display, else (a code sent alone: CPT descriptors are licensed
    /// and often left out) its code with the code system's name, "CPT 38228", "ICD-10-PCS
    /// GZB3ZZZ", never a blank.
    pub fn name(&self) -> std::borrow::Cow<'_, str> {
        if let Some(words) = self.displays().find(|display| !display.trim().is_empty()) {
            return std::borrow::Cow::Borrowed(words);
        }
        let (system, code) = std::iter::once((self.system.as_str(), self.code.as_str()))
            .chain(
                self.codings
                    .iter()
                    .map(|c| (c.system.as_str(), c.code.as_str())),
            )
            .find(|(_, code)| !code.trim().is_empty())
            .unwrap_or_default();
        std::borrow::Cow::Owned(match (procedure_system_name(system), code.trim()) {
            (_, "") => String::from("procedure with no name or code"),
            ("", code) => format!("code {code}"),
            (name, code) => format!("{name} {code}"),
        })
    }

    /// When it was done, as a period when the record gave one: "2025-04-01 → 2025-05-13" (an
    /// acute ECT course recorded as one procedure), else as [`Procedure::when_words`].
    pub fn period_words(&self) -> String {
        match (self.window(), self.end_day()) {
            (Some((first, last)), Some(end)) if first == last && end > first => {
                format!("{first} → {end}")
            }
            _ => self.when_words(),
        }
    }

    /// When it was done, as far as known: "2025-11-15", "between 2025-05-01 and 2026-04-30",
    /// "date not recorded".
    pub fn when_words(&self) -> String {
        match self.window() {
            None => String::from("date not recorded"),
            Some((first, last)) if first == last => first.to_string(),
            Some((first, last)) => format!("between {first} and {last}"),
        }
    }

    /// Its ages turned into days by the birth date (`birth_last`: the last day the birth date
    /// may be, for a birth known only by its month or year); with no birth date, its date is
    /// unknown.
    pub fn resolve_ages(&mut self, birth: Option<(NaiveDate, NaiveDate)>) {
        let Some((low, high)) = self.at_ages.take() else {
            return;
        };
        let window = birth.and_then(|(first_birth, last_birth)| {
            Some((
                ages_window(first_birth, low, high)?.0,
                ages_window(last_birth, low, high)?.1,
            ))
        });
        match window {
            Some((first, last)) => {
                self.performed = first.and_time(NaiveTime::MIN);
                self.utc_offset_minutes = None;
                self.performed_by = Some(last);
                self.date_unknown = false;
            }
            None => self.date_unknown = true,
        }
    }
}

/// The name a procedure's code system is known by ("CPT", "SNOMED CT"); the system as given
/// for one refract does not know; empty for none.
fn procedure_system_name(system: &str) -> &str {
    let uri = super::codes::canonical_system(system);
    let known = [
        ("http://snomed.info/sct", "SNOMED CT"),
        ("http://www.ama-assn.org/go/cpt", "CPT"),
        ("http://www.cms.gov/Medicare/Coding/ICD10", "ICD-10-PCS"),
        ("http://www.cms.gov/Medicare/Coding/ICD10PCS", "ICD-10-PCS"),
        ("http://hl7.org/fhir/sid/icd-10-pcs", "ICD-10-PCS"),
        (
            "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
            "HCPCS",
        ),
        (
            "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
            "HCPCS",
        ),
    ];
    known
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(uri.trim().trim_end_matches('/')))
        .map_or(uri.trim(), |(_, name)| name)
}

/// The days a patient born on `birth` was from `low` to `high` years old (whole years, as an
/// `Age` in `a` is): from the `low`th birthday to the day before the one after `high`.
fn ages_window(birth: NaiveDate, low: f64, high: f64) -> Option<(NaiveDate, NaiveDate)> {
    let whole = |age: f64| {
        (age.is_finite() && age >= 0.0 && age.fract() == 0.0 && age <= 150.0)
            .then(|| u32::try_from(age as i64).ok())
            .flatten()
    };
    let (low, high) = (whole(low)?, whole(high)?);
    if high < low {
        return None;
    }
    let first = birth.checked_add_months(chrono::Months::new(low * 12))?;
    let last = birth
        .checked_add_months(chrono::Months::new((high + 1) * 12))?
        .pred_opt()?;
    Some((first, last))
}

impl PatientRecord {
    /// The line whose drugs `exposure` is one of: the line drug derived from it, or a line of the
    /// same drug over the days it was given (a line names one record per drug, and the others
    /// of its course, a repeat dose or the next cycle's, are its too). A drug the criteria do
    /// not read as a treatment (as needed, CNS-directed) is in no line, whatever its name.
    pub fn line_of_exposure(&self, exposure: &DrugExposure) -> Option<&TreatmentLine> {
        if !exposure.is_read_as_treatment() {
            return None;
        }
        let text = exposure.text.to_lowercase();
        let day = exposure.start_day();
        self.lines
            .iter()
            .find(|line| {
                line.drugs
                    .iter()
                    .any(|drug| drug.exposure_id == Some(exposure.id))
            })
            .or_else(|| {
                self.lines.iter().find(|line| {
                    line.start <= day
                        && line.end.is_none_or(|end| day <= end)
                        && line.drugs.iter().any(|drug| {
                            !drug.ingredient.is_empty()
                                && text.contains(&drug.ingredient.to_lowercase())
                        })
                })
            })
    }

    /// Whether `line` ends where one of its drugs was last known given, with no end recorded
    /// (a drug put on hold, a stopped order with no end date): the day the regimen changed is
    /// then not known, only that it was not before. A derived line ends the day after its last
    /// drug's last day, or the day the next line starts.
    pub fn line_end_is_approximate(&self, line: &TreatmentLine) -> bool {
        let Some(end) = line.end else {
            return false;
        };
        line.drugs
            .iter()
            .filter_map(|drug| drug.exposure_id)
            .filter_map(|id| self.exposures.iter().find(|exposure| exposure.id == id))
            .any(|exposure| {
                exposure.end_is_approximate()
                    && exposure.end_day().is_some_and(|last| {
                        let days_before = (end - last).num_days();
                        (0..=1).contains(&days_before)
                    })
            })
    }

    /// Whether `line` starts where one of its drugs began on a day known only as the latest it
    /// can have been (a start of a month or a year only, a period with an end alone, the day a
    /// statement was made: see [`DrugExposure::start_is_approximate`]): the line may have
    /// begun earlier, and its start is a bound, never a day the record gave.
    pub fn line_start_is_approximate(&self, line: &TreatmentLine) -> bool {
        self.line_exposures(line)
            .any(|exposure| exposure.start_is_approximate() && exposure.start_day() == line.start)
    }

    /// `line`'s start as a screen shows it: marked [`START_BY_MARK`] when it is only the latest
    /// day it can have been (see [`Self::line_start_is_approximate`]).
    pub fn line_start_shown(&self, line: &TreatmentLine, zone: ShownZone) -> String {
        let start = self.line_start_day(line, zone);
        if self.line_start_is_approximate(line) {
            format!("{START_BY_MARK}{start}")
        } else {
            start.to_string()
        }
    }

    /// The day `line` starts on `zone`'s calendar: a derived line starts the UTC day of its
    /// first drug's start, shown as the day that start falls on in `zone` (a first dose at
    /// 22:30 local is that evening's day). A line no drug of the record starts on its day (one
    /// the record gave) is shown as given.
    pub fn line_start_day(&self, line: &TreatmentLine, zone: ShownZone) -> NaiveDate {
        // Moved as the drug that began it is shown (its start on `zone`'s wall-clock, a time
        // whose offset was kept never read as a date): the line and its drug agree.
        self.line_exposures(line)
            .filter(|exposure| exposure.start_day() == line.start)
            .min_by_key(|exposure| exposure.start)
            .map_or(line.start, |exposure| {
                zone.day_beside_kept(line.start, exposure.start, exposure.utc_offset_minutes)
            })
    }

    /// The day `line` ends on `zone`'s calendar (see [`Self::line_start_day`]): a derived line
    /// ends the day after its last drug's last day, or the day the next line starts; either is
    /// moved as the time it was read from is. None while the line has no end.
    pub fn line_end_day(&self, line: &TreatmentLine, zone: ShownZone) -> Option<NaiveDate> {
        let end = line.end?;
        // As for its start: moved as the time it was read from is shown.
        let moved = |at: NaiveDateTime, offset: Option<i32>| zone.day_beside_kept(end, at, offset);
        let from_last_given = self
            .line_exposures(line)
            .filter_map(|exposure| Some((exposure.end?, exposure.end_day()?, exposure)))
            .filter(|(_, last, _)| (end - *last).num_days() == 1 || *last == end)
            .max_by_key(|(at, _, _)| *at)
            .map(|(at, _, exposure)| (at, exposure.end_utc_offset_minutes));
        let from_next_start = || {
            self.exposures
                .iter()
                .filter(|exposure| exposure.start_day() == end)
                .min_by_key(|exposure| exposure.start)
                .map(|exposure| (exposure.start, exposure.utc_offset_minutes))
        };
        Some(
            from_last_given
                .or_else(from_next_start)
                .map_or(end, |(at, offset)| moved(at, offset)),
        )
    }

    /// The drugs of the record that `line` was made of.
    fn line_exposures<'a>(
        &'a self,
        line: &'a TreatmentLine,
    ) -> impl Iterator<Item = &'a DrugExposure> + 'a {
        line.drugs
            .iter()
            .filter_map(|drug| drug.exposure_id)
            .filter_map(|id| self.exposures.iter().find(|exposure| exposure.id == id))
    }

    /// `line`'s end as a screen shows it: marked [`END_AT_LEAST_MARK`] when it is only as
    /// known as a drug's last day given (see [`Self::line_end_is_approximate`]); none while
    /// the line has no end.
    pub fn line_end_shown(&self, line: &TreatmentLine, zone: ShownZone) -> Option<String> {
        let end = self.line_end_day(line, zone)?;
        Some(if self.line_end_is_approximate(line) {
            format!("{END_AT_LEAST_MARK}{end}")
        } else {
            end.to_string()
        })
    }

    /// The day the record of a deceased patient ends: the day of death, or, when it is not
    /// recorded, the latest day the record speaks of (the patient was alive then, and is dead
    /// now). `None` for a patient not known to be dead.
    pub fn death_day(&self) -> Option<NaiveDate> {
        let death = self.patient.as_ref()?.death()?;
        death.date.or_else(|| self.latest_day())
    }

    /// The latest day any row of the record speaks of.
    fn latest_day(&self) -> Option<NaiveDate> {
        let exposures = self
            .exposures
            .iter()
            .flat_map(|e| std::iter::once(e.start_day()).chain(e.end_day()));
        let observations = self.observations.iter().map(Observation::local_day);
        let procedures = self
            .procedures
            .iter()
            .filter(|p| !p.date_unknown)
            .flat_map(|p| std::iter::once(p.performed_day()).chain(p.end_day()));
        let conditions = self
            .conditions
            .iter()
            .flat_map(|c| c.onset.into_iter().chain(c.abatement));
        let lines = self
            .lines
            .iter()
            .flat_map(|l| std::iter::once(l.start).chain(l.end));
        exposures
            .chain(observations)
            .chain(procedures)
            .chain(conditions)
            .chain(lines)
            .max()
    }

    /// No drug is given, and no line goes on, after death: for a deceased patient, every
    /// exposure or line with no end, or an end after death, ends on the day of death (see
    /// [`PatientRecord::death_day`]). Nothing changes for a living patient.
    pub fn end_at_death(&mut self) {
        let Some(day) = self.death_day() else {
            return;
        };
        let midnight = day.and_time(NaiveTime::MIN);
        for exposure in &mut self.exposures {
            if exposure.end_day().is_none_or(|end| end > day) {
                // Never before it started (a drug first given on the day of death); the day's
                // midnight in the record's own offset, so that it ends on that local day.
                let local_midnight = exposure
                    .utc_offset_minutes
                    .and_then(|minutes| {
                        midnight.checked_sub_signed(chrono::Duration::minutes(i64::from(minutes)))
                    })
                    .unwrap_or(midnight);
                exposure.end = Some(local_midnight.max(exposure.start));
                exposure.end_utc_offset_minutes = exposure.utc_offset_minutes;
            }
        }
        for line in &mut self.lines {
            if line.end.is_none_or(|end| end > day) {
                line.end = Some(day.max(line.start));
            }
        }
    }
}

/// Everything the rules engine needs to evaluate one patient, loaded in one go.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PatientRecord {
    pub patient: Option<Patient>,
    pub conditions: Vec<Condition>,
    pub exposures: Vec<DrugExposure>,
    pub lines: Vec<TreatmentLine>,
    pub observations: Vec<Observation>,
    pub procedures: Vec<Procedure>,
    /// Drugs the patient reacted to (allergies and intolerances), as imported.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<DrugReaction>,
    /// Confounder keys (per rule set) the team has resolved in way-forward step 2, as
    /// `(ruleset, key)`.
    pub resolved_confounders: Vec<(String, String)>,
}

/// A masked identity's initials, written one way on every screen and in the minutes ("C. D."):
/// the first letter of each part of the given and family names; "?" when there is none.
pub fn initials(given_name: &str, family_name: &str) -> String {
    let letters: Vec<String> = given_name
        .split_whitespace()
        .chain(family_name.split_whitespace())
        .filter_map(|part| part.chars().find(|c| c.is_alphanumeric()))
        .map(|c| format!("{}.", c.to_uppercase()))
        .collect();
    if letters.is_empty() {
        String::from("?")
    } else {
        letters.join(" ")
    }
}

/// "1 cycle", "6 cycles".
pub fn cycles_words(cycles: u32) -> String {
    if cycles == 1 {
        String::from("1 cycle")
    } else {
        format!("{cycles} cycles")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_or_a_year_ends_on_its_last_day() {
        let last = |precision: DatePrecision, y, m| precision.last_day(date(y, m, 1));
        assert_eq!(last(DatePrecision::Month, 2024, 2), date(2024, 2, 29));
        assert_eq!(last(DatePrecision::Month, 2026, 12), date(2026, 12, 31));
        assert_eq!(last(DatePrecision::Year, 2026, 1), date(2026, 12, 31));
        assert_eq!(last(DatePrecision::Day, 2026, 3), date(2026, 3, 1));
        assert_eq!(DatePrecision::Month.format(date(2026, 3, 1)), "2026-03");
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn age_counts_whole_years() {
        assert_eq!(age_in_years(date(1990, 6, 15), date(2026, 6, 14)), Some(35));
        assert_eq!(age_in_years(date(1990, 6, 15), date(2026, 6, 15)), Some(36));
        assert_eq!(age_in_years(date(2027, 1, 1), date(2026, 6, 15)), None);
    }

    fn condition(clinical: Option<&str>, verification: Option<&str>) -> Condition {
        Condition {
            id: 1,
            system: ConditionCodeSystem::Snomed,
            code: String::from("10509002"),
            display: String::from("Acute bronchitis (disorder)"),
            onset: None,
            abatement: None,
            onset_precision: crate::domain::DatePrecision::Day,
            abatement_precision: crate::domain::DatePrecision::Day,
            recorded_precision: crate::domain::DatePrecision::Day,
            abated_on_unknown_day: false,
            recorded: None,
            clinical_status: clinical.map(str::to_owned),
            verification_status: verification.map(str::to_owned),
            codings: Vec::new(),
        }
    }

    #[test]
    fn refuted_and_entered_in_error_are_no_diagnosis() {
        assert!(condition(Some("active"), Some("confirmed")).is_active());
        assert!(condition(None, None).is_active());
        assert!(condition(Some("remission"), None).is_active());
        let mut over = condition(Some("remission"), None);
        over.abatement = NaiveDate::from_ymd_opt(2021, 1, 1);
        assert!(!over.is_active());
        assert!(!condition(Some("active"), Some("refuted")).is_diagnosis());
        assert!(!condition(None, Some("entered-in-error")).is_diagnosis());
        assert!(!condition(Some("active"), Some("refuted")).is_active());
        let resolved = condition(Some("resolved"), Some("confirmed"));
        assert!(resolved.is_diagnosis() && !resolved.is_active());
        assert!(!condition(Some("inactive"), None).is_active());
        let mut abated = condition(None, None);
        abated.abatement = Some(date(2020, 1, 1));
        assert!(!abated.is_active());
    }

    #[test]
    fn a_record_without_a_status_does_not_undo_a_resolution() {
        let mut resolved = condition(Some("resolved"), Some("confirmed"));
        resolved.onset = Some(date(2015, 1, 1));
        resolved.abatement = Some(date(2025, 6, 1));
        let mut encounter = condition(None, Some("confirmed"));
        assert!(!encounter.is_current_among([&resolved, &encounter]));
        encounter.onset = Some(date(2018, 3, 1));
        assert!(!encounter.is_current_among([&resolved]));
        // Begun after the resolution: a new episode.
        encounter.onset = Some(date(2025, 10, 1));
        assert!(encounter.is_current_among([&resolved]));
        // A record that says it is active says so, whatever another says.
        let active = condition(Some("active"), None);
        assert!(active.is_current_among([&resolved]));
        // A refuted record, or one of another diagnosis, outweighs nothing.
        let refuted = condition(Some("resolved"), Some("refuted"));
        let no_status = condition(None, None);
        assert!(no_status.is_current_among([&refuted]));
        let mut other = resolved.clone();
        other.code = String::from("84757009");
        let all = [other, no_status.clone()];
        assert!(no_status.is_current_in(&all));
    }

    #[test]
    fn a_record_begun_in_the_month_another_resolved_is_no_surely_new_episode() {
        // Resolved in "2025-06" (some day of June): a record begun on 20 June may have begun
        // before that end, so it does not undo it; one begun in July does.
        let mut resolved = condition(Some("resolved"), Some("confirmed"));
        resolved.abatement = Some(date(2025, 6, 1));
        resolved.abatement_precision = DatePrecision::Month;
        let mut encounter = condition(None, Some("confirmed"));
        encounter.onset = Some(date(2025, 6, 20));
        assert!(!encounter.is_current_among([&resolved]));
        encounter.onset = Some(date(2025, 7, 1));
        assert!(encounter.is_current_among([&resolved]));
        // Begun in "2025-06" itself, after an end on 10 June: not surely after it either.
        resolved.abatement = Some(date(2025, 6, 10));
        resolved.abatement_precision = DatePrecision::Day;
        encounter.onset = Some(date(2025, 6, 1));
        encounter.onset_precision = DatePrecision::Month;
        assert!(!encounter.is_current_among([&resolved]));
    }

    #[test]
    fn a_diagnosis_reads_by_its_words() {
        let mut bronchitis = condition(Some("resolved"), None);
        assert_eq!(bronchitis.name(), "Acute bronchitis");
        assert_eq!(bronchitis.status_words().as_deref(), Some("resolved"));
        bronchitis.display = String::new();
        assert_eq!(bronchitis.name(), "10509002");
        assert_eq!(
            condition(Some("active"), Some("confirmed")).status_words(),
            None
        );
        assert_eq!(
            condition(Some("inactive"), Some("refuted"))
                .status_words()
                .as_deref(),
            Some("refuted, inactive")
        );
    }

    #[test]
    fn ages_stop_at_death() {
        let birth = Some(date(1924, 6, 16));
        let today = date(2026, 11, 27);
        assert_eq!(age_until(birth, None, today), Some(102));
        let died = Death::of(false, Some(date(1978, 1, 11)), None);
        assert_eq!(age_until(birth, died, today), Some(53));
        // A death recorded with no day: the age is not known.
        assert_eq!(age_until(birth, Death::of(true, None, None), today), None);
        assert_eq!(Death::of(false, None, None), None);
        let died = died.unwrap();
        assert_eq!(died.words(birth, false), "† died 1978-01-11, aged 53");
        assert_eq!(died.words(birth, true), "† died 1978, aged 53");
        assert_eq!(died.words(None, false), "† died 1978-01-11");
        assert_eq!(
            Death {
                date: None,
                within: None
            }
            .words(birth, false),
            "† deceased"
        );
        assert_eq!(died.last_day(today), date(1978, 1, 11));
    }

    #[test]
    fn a_lines_drug_given_dose_by_dose_is_in_the_line_on_each_dose() {
        let at = |y, m, d| date(y, m, d).and_time(NaiveTime::MIN);
        let exposure = |id, text: &str, day, route: Option<&str>| DrugExposure {
            id,
            text: text.to_owned(),
            rxnorm: None,
            atc: None,
            start: at(2026, 11, day),
            end: Some(at(2026, 11, day)),
            dose: None,
            route: route.map(str::to_owned),
            role: None,
            stop_reason: None,
            cycles: None,
            dates: DatesKnown::Stated,
            stop_text: None,
            utc_offset_minutes: None,
            end_utc_offset_minutes: None,
            indications: Vec::new(),
            said_stopped: false,
            dose_from: None,
        };
        let record = PatientRecord {
            exposures: vec![
                exposure(1, "Levetiracetam 500 MG/5ML Injectable Solution", 1, None),
                exposure(2, "Levetiracetam 500 MG/5ML Injectable Solution", 3, None),
                exposure(3, "Levetiracetam 500 MG/5ML Injectable Solution", 9, None),
                exposure(4, "Methotrexate 12 mg", 2, Some("intrathecal")),
            ],
            lines: vec![TreatmentLine {
                id: 1,
                ruleset: String::from("status_epilepticus"),
                number: 2,
                regimen: String::from("levetiracetam"),
                start: date(2026, 11, 1),
                end: Some(date(2026, 11, 4)),
                intent: None,
                best_response: None,
                best_response_date: None,
                progression_date: None,
                stop_reason: None,
                cycles: None,
                origin: LineOrigin::Derived,
                cut_reason: None,
                drugs: vec![LineDrug {
                    ingredient: String::from("levetiracetam"),
                    dose: None,
                    exposure_id: Some(1),
                }],
            }],
            ..PatientRecord::default()
        };
        let in_line: Vec<bool> = record
            .exposures
            .iter()
            .map(|exposure| record.line_of_exposure(exposure).is_some())
            .collect();
        // The line's own record, a repeat dose within it; not a dose after it, not a
        // CNS-directed dose.
        assert_eq!(in_line, [true, true, false, false]);
    }

    /// Review r3 C-7: a dose a day recorded for one day alone (a rituximab infusion, a
    /// one-day order of any drug) is that day's amount; a daily dose over days, a dose per
    /// week, a rate, or a day whose end is not stated are as recorded.
    #[test]
    fn a_daily_dose_given_on_one_day_is_that_days_amount() {
        let at = |d, h| date(2022, 6, d).and_hms_opt(h, 0, 0).unwrap();
        let exposure = |unit: &str, start, end, dates| DrugExposure {
            id: 1,
            text: String::from("drug"),
            rxnorm: None,
            atc: None,
            start,
            end,
            dose: Some(Dose {
                value: 1000.0,
                unit: unit.to_owned(),
            }),
            route: None,
            role: None,
            stop_reason: None,
            cycles: None,
            dates,
            stop_text: None,
            utc_offset_minutes: None,
            end_utc_offset_minutes: None,
            indications: Vec::new(),
            said_stopped: false,
            dose_from: None,
        };
        let stated = DatesKnown::Stated;
        let one_day = |unit| exposure(unit, at(1, 9), Some(at(1, 13)), stated);
        assert_eq!(one_day("mg/d").one_day_amount(), Some((1000.0, "mg")));
        assert_eq!(one_day("mg/kg/d").one_day_amount(), Some((1000.0, "mg/kg")));
        assert_eq!(one_day("mg/wk").one_day_amount(), None);
        assert_eq!(one_day("mg/h").one_day_amount(), None);
        assert_eq!(one_day("mg").one_day_amount(), None);
        let two_days = exposure("mg/d", at(1, 9), Some(at(2, 9)), stated);
        assert_eq!(two_days.one_day_amount(), None);
        let ongoing = exposure("mg/d", at(1, 9), None, stated);
        assert_eq!(ongoing.one_day_amount(), None);
        let end_unknown = exposure("mg/d", at(1, 9), Some(at(1, 9)), DatesKnown::EndUnknown);
        assert_eq!(end_unknown.one_day_amount(), None);
    }

    #[test]
    fn nothing_goes_on_after_death() {
        let at = |y, m, d| date(y, m, d).and_time(NaiveTime::MIN);
        let exposure = |start, end| DrugExposure {
            id: 1,
            text: String::from("Carbamazepine 200 MG Oral Tablet"),
            rxnorm: None,
            atc: None,
            start,
            end,
            dose: None,
            route: None,
            role: None,
            stop_reason: None,
            cycles: None,
            dates: DatesKnown::Stated,
            stop_text: None,
            utc_offset_minutes: None,
            end_utc_offset_minutes: None,
            indications: Vec::new(),
            said_stopped: false,
            dose_from: None,
        };
        let mut record = PatientRecord {
            patient: Some(Patient {
                id: PatientId(1),
                mrn: String::from("RF-1"),
                mrn_system: String::new(),
                family_name: String::from("Erdman"),
                given_name: String::from("Brain"),
                birth_date: Some(date(1943, 7, 16)),
                birth_precision: DatePrecision::Day,
                sex: Sex::Male,
                deceased: true,
                deceased_date: Some(date(1948, 8, 6)),
                deceased_in: None,
                care_team: None,
            }),
            exposures: vec![
                exposure(at(1948, 1, 2), None),
                exposure(at(1946, 7, 15), Some(at(1947, 6, 20))),
                exposure(at(1948, 3, 1), Some(at(1950, 1, 1))),
            ],
            ..PatientRecord::default()
        };
        record.end_at_death();
        let ends: Vec<_> = record.exposures.iter().map(|e| e.end).collect();
        assert_eq!(
            ends,
            vec![
                Some(at(1948, 8, 6)),
                Some(at(1947, 6, 20)),
                Some(at(1948, 8, 6))
            ]
        );
        assert!(!record.exposures[0].active_on(date(2026, 11, 27)));

        // Died on a day not recorded: open treatment ends with the record.
        let patient = record.patient.as_mut().unwrap();
        patient.deceased_date = None;
        record.exposures[0].end = None;
        record.end_at_death();
        assert_eq!(record.exposures[0].end, Some(at(1948, 8, 6)));
        // The living are left as they are.
        let patient = record.patient.as_mut().unwrap();
        patient.deceased = false;
        record.exposures[0].end = None;
        record.end_at_death();
        assert_eq!(record.exposures[0].end, None);
    }

    #[test]
    fn daily_dose_only_for_daily_units() {
        let dose = |value, unit: &str| Dose {
            value,
            unit: unit.into(),
        };
        assert_eq!(dose(1.5, "g/day").mg_per_day(), Some(1500.0));
        assert_eq!(dose(375.0, "mg/m2").mg_per_day(), None);
    }

    #[test]
    fn initials_never_reveal_the_name() {
        let patient = Patient {
            id: PatientId(1),
            mrn: "RF-1".into(),
            mrn_system: String::new(),
            family_name: "lind".into(),
            given_name: "Mara".into(),
            birth_date: None,
            birth_precision: DatePrecision::Day,
            sex: Sex::Female,
            deceased: false,
            deceased_date: None,
            deceased_in: None,
            care_team: None,
        };
        assert_eq!(patient.initials(), "M. L.");
        assert_eq!(initials("Anna Maria", "de Vries"), "A. M. D. V.");
        assert_eq!(initials("", ""), "?");
        assert_eq!(patient.display_name(), "lind, Mara");
    }
}
