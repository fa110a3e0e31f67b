//! The FHIR R4 resources refract exports, as types: each resource's shape is checked by the
//! compiler rather than spelled out in `json!` literals, where a misspelt element name or a
//! value of the wrong kind would pass unnoticed. Only the elements refract writes are here.
//!
//! FHIR allows no empty value (`""`, `[]`, `{}`) and no string of whitespace alone, so the types
//! say what may be absent: absent elements are `None` or empty lists and are left out, and text
//! that comes from a person or an import is a [`NonBlank`], which text left blank never becomes.
//! An element that such text alone would fill (a performer's name, a note) is absent with it.

use serde::Serialize;

/// Text with something in it: FHIR's string SHALL hold non-whitespace content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct NonBlank(String);

impl NonBlank {
    /// The text as written, or `None` when it is empty or whitespace alone.
    pub fn new(text: impl Into<String>) -> Option<Self> {
        let text = text.into();
        (!text.trim().is_empty()).then_some(NonBlank(text))
    }

    /// The text, or `otherwise` (refract's own words, never blank) when it is blank: for an
    /// element FHIR requires.
    pub fn or(text: impl Into<String>, otherwise: &'static str) -> Self {
        debug_assert!(!otherwise.trim().is_empty(), "a fallback must not be blank");
        Self::new(text).unwrap_or_else(|| NonBlank(otherwise.to_owned()))
    }

    #[cfg(test)]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A bundle entry: the resource and the `urn:uuid:` it is known by inside the bundle.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub full_url: String,
    pub resource: Resource,
}

/// Every resource the export writes; `resourceType` names the variant.
#[derive(Debug, Serialize)]
#[serde(tag = "resourceType")]
pub enum Resource {
    Patient(Patient),
    Condition(Condition),
    AllergyIntolerance(AllergyIntolerance),
    MedicationStatement(MedicationStatement),
    Observation(Observation),
    Procedure(Procedure),
    CarePlan(CarePlan),
    CareTeam(CareTeam),
    Task(Task),
    Goal(Goal),
}

#[derive(Debug, Clone, Serialize)]
pub struct Reference {
    pub reference: String,
}

/// A reference by name alone (an owner, a team), where refract has no resource to point at.
#[derive(Debug, Clone, Serialize)]
pub struct Display {
    pub display: NonBlank,
}

#[derive(Debug, Clone, Serialize)]
pub struct Coding {
    /// refract's own systems and the common ones are constants; a procedure keeps the system
    /// its record gave, and none when its record gave none (a coding's system is optional).
    #[serde(skip_serializing_if = "no_system")]
    pub system: std::borrow::Cow<'static, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<NonBlank>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<NonBlank>,
}

fn no_system(system: &str) -> bool {
    system.trim().is_empty()
}

#[derive(Debug, Clone, Serialize)]
pub struct CodeableConcept {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<Coding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<NonBlank>,
}

impl CodeableConcept {
    /// Neither a coding nor text: a concept that says nothing, and is left out.
    pub fn is_empty(&self) -> bool {
        self.coding.is_empty() && self.text.is_none()
    }
}

/// A CodeableConcept of free text alone (a reason, a method).
#[derive(Debug, Serialize)]
pub struct Text {
    pub text: NonBlank,
}

/// An extension; exactly one of the values, or nested extensions, is set.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Extension {
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_code: Option<NonBlank>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_integer: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_string: Option<NonBlank>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_codeable_concept: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_date_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_quantity: Option<Quantity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_reference: Option<Reference>,
    /// The parts of a complex extension (FHIR's `extension` inside an extension).
    #[serde(rename = "extension", skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Extension>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Annotation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author_string: Option<NonBlank>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    pub text: NonBlank,
}

#[derive(Debug, Default, Serialize)]
pub struct Period {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
}

/// `meta`, for its tags, and for when a carried record was written at its source (see
/// `carried::ORIGIN_URL`).
#[derive(Debug, Serialize)]
pub struct Meta {
    #[serde(rename = "lastUpdated", skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tag: Vec<Coding>,
}

#[derive(Debug, Serialize)]
pub struct Quantity {
    pub value: f64,
    /// A bound ("< 5"), as R4 `Quantity.comparator`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparator: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<NonBlank>,
    /// UCUM's system, with `code`, where the unit is a UCUM unit: a receiving system tells
    /// "/wk" from "/mo" by machine.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<NonBlank>,
}

impl Quantity {
    /// A quantity of `value` in `unit`, with UCUM's system and code when the unit is one
    /// UCUM writes (see [`super::ucum::is_unit`]).
    pub fn of(value: f64, comparator: Option<&'static str>, unit: Option<&str>) -> Self {
        let ucum = unit.filter(|unit| super::ucum::is_unit(unit));
        Quantity {
            value,
            comparator,
            unit: unit.and_then(NonBlank::new),
            system: ucum.map(|_| super::ucum::SYSTEM),
            code: ucum.and_then(NonBlank::new),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Identifier {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    #[serde(rename = "use", skip_serializing_if = "Option::is_none")]
    pub usage: Option<NonBlank>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<NonBlank>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<NonBlank>,
}

#[derive(Debug, Serialize)]
pub struct HumanName {
    #[serde(rename = "use")]
    pub use_: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<NonBlank>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub given: Vec<NonBlank>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Patient {
    pub id: String,
    /// Where the record came from (see `carried::ORIGIN_URL`), when known.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    pub identifier: Vec<Identifier>,
    pub name: Vec<HumanName>,
    pub gender: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deceased_date_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deceased_boolean: Option<bool>,
}

/// A drug the patient reacted to (R4 AllergyIntolerance). The coded elements take only R4's
/// codes, so they are `&'static str`: a value the record gave outside R4's value set is left
/// out rather than written invalid.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AllergyIntolerance {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Where the record came from (see `carried::ORIGIN_URL`), when known.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// Required here: R4's ait-1 asks for it on every one not entered in error.
    pub clinical_status: CodeableConcept,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_status: Option<CodeableConcept>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    pub category: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub criticality: Option<&'static str>,
    pub code: CodeableConcept,
    pub patient: Reference,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub onset_date_time: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reaction: Vec<AllergyReaction>,
}

/// One reaction of an [`AllergyIntolerance`]: R4 requires at least one manifestation.
#[derive(Debug, Serialize)]
pub struct AllergyReaction {
    pub manifestation: Vec<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<&'static str>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Where the record came from (see `carried::ORIGIN_URL`), when known.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    pub subject: Reference,
    pub code: CodeableConcept,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clinical_status: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_status: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub onset_date_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abatement_date_time: Option<String>,
    /// An abatement on a day not recorded, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abatement_string: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded_date: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DoseAndRate {
    /// The amount of one administration (R4), where refract knows it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dose_quantity: Option<Quantity>,
    /// An amount per unit of time (R4 `rate[x]`): a day's total whose split into doses is not
    /// known (1000 mg per 1 d), which no `doseQuantity` can say without making one up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_ratio: Option<Ratio>,
}

/// R4 `Ratio`.
#[derive(Debug, Serialize)]
pub struct Ratio {
    pub numerator: Quantity,
    pub denominator: Quantity,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dosage {
    /// The dose in words, where the structured elements cannot say all of it (a day's total).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<NonBlank>,
    /// How often the dose is given, when its unit alone would not say it in UCUM.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timing: Option<Timing>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<Text>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dose_and_rate: Vec<DoseAndRate>,
    /// Written only as true: a drug taken as needed is read back as one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_needed_boolean: Option<bool>,
}

/// R4 `Timing`, as far as a dose schedule needs it: `frequency` doses every `period`
/// `periodUnit`.
#[derive(Debug, Serialize)]
pub struct Timing {
    pub repeat: TimingRepeat,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimingRepeat {
    pub frequency: u32,
    pub period: u32,
    pub period_unit: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MedicationStatement {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// The CarePlans of the lines the drug was given in.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub based_on: Vec<Reference>,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub status_reason: Vec<CodeableConcept>,
    pub subject: Reference,
    /// Left out when the record has neither a code nor a name for the drug.
    #[serde(skip_serializing_if = "CodeableConcept::is_empty")]
    pub medication_codeable_concept: CodeableConcept,
    /// A day the drug was taken, no start (R4: "the date/time … when the medication is/was/will
    /// be taken"): a course still taken, started by that day on a day not recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_date_time: Option<String>,
    /// Left out when the record carries one date and no period (`date_asserted` or
    /// `effective_date_time` then).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_period: Option<Period>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_asserted: Option<String>,
    /// Why the drug was given, as its records stated (a Condition they named is written as its
    /// codes and words: the export carries no Condition ids).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reason_code: Vec<CodeableConcept>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dosage: Vec<Dosage>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Observation {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Where the record came from (see `carried::ORIGIN_URL`), when known.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    pub status: &'static str,
    pub subject: Reference,
    /// Written only for a result kept out of blood pressure by its category (see
    /// `BpSetting::NotVitalSigns`), so that importing the export keeps it out.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub category: Vec<CodeableConcept>,
    pub code: CodeableConcept,
    /// When it was true, or the period it covers (a count over months).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_date_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_period: Option<Period>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_quantity: Option<Quantity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_codeable_concept: Option<CodeableConcept>,
    /// The lab's flag on the value, as it gave it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub interpretation: Vec<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<Text>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub note: Vec<Annotation>,
    /// The lab's ranges for the value, as it gave them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reference_range: Vec<ObservationRange>,
}

/// One of an Observation's `referenceRange`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObservationRange {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub low: Option<Quantity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub high: Option<Quantity>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub applies_to: Vec<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<NonBlank>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Procedure {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Where the record came from (see `carried::ORIGIN_URL`), when known.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    pub status: &'static str,
    pub subject: Reference,
    pub code: CodeableConcept,
    /// The time it was performed, or its period when its end is recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub performed_date_time: Option<String>,
    /// A window of days ("between 2025-05-01 and 2026-04-30") or a date not recorded, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub performed_string: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub performed_period: Option<Period>,
    /// Why it was done, as its record stated (written as a drug's is).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reason_code: Vec<CodeableConcept>,
}

/// The patient's care team (R4 CareTeam): refract keeps its name alone, no members.
#[derive(Debug, Serialize)]
pub struct CareTeam {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    pub status: &'static str,
    pub name: NonBlank,
    pub subject: Reference,
}

/// The detail of a CarePlan activity: a way-forward step, a referral, an option, or the
/// option an MDT chose.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityDetail {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeableConcept>,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_period: Option<Period>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_string: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub performer: Vec<Display>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<NonBlank>,
}

/// A CarePlan activity: a reference to a Task, or a detail.
#[derive(Debug, Serialize)]
pub struct Activity {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<Reference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<ActivityDetail>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CarePlan {
    pub id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    pub status: &'static str,
    pub intent: &'static str,
    pub category: Vec<CodeableConcept>,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<NonBlank>,
    pub subject: Reference,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<Display>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub goal: Vec<Reference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub supporting_info: Vec<Reference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub activity: Vec<Activity>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub note: Vec<Annotation>,
}

#[derive(Debug, Serialize)]
pub struct Restriction {
    pub period: Period,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    pub id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub based_on: Vec<Reference>,
    pub status: &'static str,
    pub intent: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<NonBlank>,
    #[serde(rename = "for")]
    pub for_: Reference,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<Display>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restriction: Option<Restriction>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub note: Vec<Annotation>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GoalTarget {
    pub due_date: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Goal {
    pub id: String,
    pub lifecycle_status: &'static str,
    pub achievement_status: CodeableConcept,
    /// Required (1..1): a goal left without words is named as such.
    pub description: Text,
    pub subject: Reference,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub target: Vec<GoalTarget>,
}
