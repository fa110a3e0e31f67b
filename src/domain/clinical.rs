//! The clinical record of one patient: identity, diagnoses, what was given, what was measured and
//! what was done, and the treatment lines built from it.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::{
    BpSetting, ConditionCodeSystem, DatesKnown, DrugRole, Intent, Response, Sex, StopReason,
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
    pub birth_date: Option<NaiveDate>,
    pub sex: Sex,
    pub deceased_date: Option<NaiveDate>,
    pub care_team: Option<String>,
}

impl Patient {
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

    /// Age in whole years on `today`, if the birth date is known.
    pub fn age_on(&self, today: NaiveDate) -> Option<u32> {
        self.birth_date.and_then(|birth| age_in_years(birth, today))
    }
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
    pub onset: Option<NaiveDate>,
    pub abatement: Option<NaiveDate>,
    /// FHIR clinicalStatus (`active`, `relapse`, `remission`, `resolved`…).
    pub clinical_status: Option<String>,
    /// FHIR verificationStatus (`confirmed`, `provisional`, `differential`, `refuted`…).
    pub verification_status: Option<String>,
}

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
    /// A stop reason nobody could read into `stop_reason`, as written ("switched to generic").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_text: Option<String>,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // the signature serde's skip_serializing_if calls
fn is_stated(dates: &DatesKnown) -> bool {
    *dates == DatesKnown::Stated
}

impl DrugExposure {
    /// Days from start to end (or to `today` while ongoing), never negative.
    pub fn days_on(&self, today: NaiveDate) -> i64 {
        let end = self.end.map_or(today, |end| end.date());
        (end - self.start.date()).num_days().max(0)
    }

    /// Whether the exposure covers `day`.
    pub fn active_on(&self, day: NaiveDate) -> bool {
        self.start.date() <= day && self.end.is_none_or(|end| day <= end.date())
    }
}

/// How a treatment line came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineOrigin {
    /// Built from drug exposures by the line-derivation rules.
    Derived,
    /// Entered by a clinician or imported with explicit line numbers.
    Entered,
    /// A derived line a clinician corrected; kept across re-imports.
    Corrected,
}
super::machine_names!(LineOrigin {
    Derived => "derived",
    Entered => "entered",
    Corrected => "corrected",
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

    /// Whether the line is ongoing on `today`.
    pub fn ongoing(&self, today: NaiveDate) -> bool {
        self.end.is_none_or(|end| end >= today)
    }
}

/// A measurement or a coded finding at a point in time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    pub id: i64,
    /// LOINC code (or a local code for what LOINC lacks).
    pub code: String,
    pub display: String,
    pub value: Option<f64>,
    /// A coded value (SNOMED CT, e.g. a disease-status trend).
    pub value_code: Option<String>,
    pub unit: Option<String>,
    pub effective: NaiveDateTime,
    /// For blood pressure: where it was measured.
    pub setting: Option<BpSetting>,
}

impl Observation {
    /// The value as people read it: rounded to its precision, the unit without UCUM's
    /// annotations, a coded value by its words.
    pub fn value_text(&self) -> String {
        super::observation_codes::display::value(
            self.value,
            self.value_code.as_deref(),
            self.unit.as_deref(),
        )
    }
}

/// A procedure (transplant, implant, surgery, EEG…).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Procedure {
    pub id: i64,
    /// SNOMED CT code.
    pub code: String,
    pub display: String,
    pub performed: NaiveDateTime,
    pub end: Option<NaiveDateTime>,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn age_counts_whole_years() {
        assert_eq!(age_in_years(date(1990, 6, 15), date(2026, 6, 14)), Some(35));
        assert_eq!(age_in_years(date(1990, 6, 15), date(2026, 6, 15)), Some(36));
        assert_eq!(age_in_years(date(2027, 1, 1), date(2026, 6, 15)), None);
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
            sex: Sex::Female,
            deceased_date: None,
            care_team: None,
        };
        assert_eq!(patient.initials(), "M. L.");
        assert_eq!(initials("Anna Maria", "de Vries"), "A. M. D. V.");
        assert_eq!(initials("", ""), "?");
        assert_eq!(patient.display_name(), "lind, Mara");
    }
}
