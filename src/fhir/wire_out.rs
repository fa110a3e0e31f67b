//! The FHIR R4 resources refract exports, as types: each resource's shape is checked by the
//! compiler rather than spelled out in `json!` literals, where a misspelt element name or a
//! value of the wrong kind would pass unnoticed. Only the elements refract writes are here.
//!
//! Absent elements are `None` or empty lists and are left out; an element made of text the
//! user left blank is removed afterwards by the export's pruning (FHIR allows no empty value).

use serde::Serialize;

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
    MedicationStatement(MedicationStatement),
    Observation(Observation),
    Procedure(Procedure),
    CarePlan(CarePlan),
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
    pub display: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Coding {
    pub system: &'static str,
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CodeableConcept {
    pub coding: Vec<Coding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// A CodeableConcept of free text alone (a reason, a method).
#[derive(Debug, Serialize)]
pub struct Text {
    pub text: String,
}

/// An extension; exactly one of the values, or nested extensions, is set.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Extension {
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_integer: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_string: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_codeable_concept: Option<CodeableConcept>,
    /// The parts of a complex extension (FHIR's `extension` inside an extension).
    #[serde(rename = "extension", skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Extension>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Annotation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author_string: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    pub text: String,
}

#[derive(Debug, Default, Serialize)]
pub struct Period {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Quantity {
    pub value: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Identifier {
    #[serde(rename = "type")]
    pub kind: CodeableConcept,
    pub value: String,
}

#[derive(Debug, Serialize)]
pub struct HumanName {
    #[serde(rename = "use")]
    pub use_: &'static str,
    pub family: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub given: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Patient {
    pub id: String,
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

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    pub id: String,
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
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DoseAndRate {
    pub dose_quantity: Quantity,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dosage {
    pub dose_and_rate: Vec<DoseAndRate>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MedicationStatement {
    pub id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub status_reason: Vec<CodeableConcept>,
    pub subject: Reference,
    pub medication_codeable_concept: CodeableConcept,
    pub effective_period: Period,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dosage: Vec<Dosage>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Observation {
    pub id: String,
    pub status: &'static str,
    pub subject: Reference,
    pub code: CodeableConcept,
    pub effective_date_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_quantity: Option<Quantity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_codeable_concept: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<Text>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub note: Vec<Annotation>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Procedure {
    pub id: String,
    pub status: &'static str,
    pub subject: Reference,
    pub code: CodeableConcept,
    pub performed_date_time: String,
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
    pub description: Option<String>,
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
    pub description: Option<String>,
    pub subject: Reference,
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
    pub description: String,
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
    pub description: Text,
    pub subject: Reference,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub target: Vec<GoalTarget>,
}
