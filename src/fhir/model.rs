//! FHIR R4 wire types: only the elements refract reads, as typed structs.
//!
//! Unknown elements are skipped by serde without building a tree; a resource is parsed from its
//! raw JSON text only when its type is one refract imports.

use serde::{Deserialize, Serialize};

/// The first look at any resource: its type and id.
#[derive(Debug, Deserialize)]
pub struct Head {
    #[serde(rename = "resourceType")]
    pub resource_type: Option<String>,
    pub id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Coding {
    pub system: Option<String>,
    pub code: Option<String>,
    pub display: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CodeableConcept {
    #[serde(default)]
    pub coding: Vec<Coding>,
    pub text: Option<String>,
}

impl CodeableConcept {
    /// The words a person would read: the text, else the first display; blank words are none
    /// (FHIR strings must hold more than spaces, but real exports carry `"text": ""`).
    pub fn words(&self) -> Option<&str> {
        let said = |text: &&str| !text.trim().is_empty();
        self.text.as_deref().filter(said).or_else(|| {
            self.coding
                .iter()
                .find_map(|c| c.display.as_deref().filter(said))
        })
    }

    /// Whether the concept says anything: words, or a code.
    pub fn names_something(&self) -> bool {
        self.words().is_some()
            || self.coding.iter().any(|c| {
                c.code
                    .as_deref()
                    .is_some_and(|code| !code.trim().is_empty())
            })
    }

    /// The code of the first coding whose system contains `system` (e.g. "snomed", "loinc").
    pub fn code_in(&self, system: &str) -> Option<&str> {
        self.coding
            .iter()
            .find(|c| {
                c.system.as_deref().is_some_and(|s| {
                    crate::domain::canonical_system(s)
                        .to_ascii_lowercase()
                        .contains(system)
                })
            })
            .and_then(|c| c.code.as_deref())
    }

    pub fn first_code(&self) -> Option<&str> {
        self.coding.iter().find_map(|c| c.code.as_deref())
    }

    /// The code of a status held as a CodeableConcept (a Condition's or an AllergyIntolerance's
    /// `clinicalStatus` and `verificationStatus`), trimmed: the coding of the R4 code system
    /// (whose URL ends in `code_system`, the R4 and STU3 URLs alike) holding one of its `codes`,
    /// else any coding holding one of them, else the first code as written. A concept may carry
    /// a source's own coding beside R4's (a translation), in any order: read first, its code
    /// would hide a `refuted` or a `resolved` after it (ST-1, ST-2).
    pub fn status_code<'s>(&'s self, code_system: &str, codes: &[&'s str]) -> Option<&'s str> {
        self.status_read(code_system, codes).map(|read| read.code)
    }

    /// [`Self::status_code`], with what was written when it was not FHIR's code as FHIR writes
    /// it (ST-10): a code in another case or with spaces ("RESOLVED", " remission "), or no
    /// code at all but words that are one (`{"text": "refuted"}`), read as that code. A
    /// refuted diagnosis sent as text alone had counted as confirmed (a false refractory flag).
    pub fn status_read<'s>(
        &'s self,
        code_system: &str,
        codes: &[&'s str],
    ) -> Option<StatusRead<'s>> {
        // Read whatever its case or spaces, as a resource's status is (ST-7).
        let known = |coding: &&Coding| {
            coding
                .code
                .as_deref()
                .is_some_and(|code| codes.contains(&super::status_words::code_of(code).as_ref()))
        };
        let of_system = |coding: &&Coding| {
            coding
                .system
                .as_deref()
                .is_some_and(|system| system.trim().trim_end_matches('/').ends_with(code_system))
        };
        let read = self
            .coding
            .iter()
            .filter(known)
            .find(of_system)
            .or_else(|| self.coding.iter().find(known))
            .and_then(|coding| coding.code.as_deref());
        let as_code = |written: &'s str| {
            let code = super::status_words::code_of(written);
            codes.iter().copied().find(|known| *known == code.as_ref())
        };
        match read {
            Some(written) => as_code(written).map(|code| StatusRead {
                code,
                written: (code != written).then_some(written),
            }),
            None => match self.first_code().map(str::trim) {
                Some(code) => Some(StatusRead {
                    code,
                    written: None,
                }),
                // No code: words that are one of the codes are read as it (and said); any
                // other words are no status.
                None => self.text.as_deref().and_then(|text| {
                    as_code(text).map(|code| StatusRead {
                        code,
                        written: Some(text),
                    })
                }),
            },
        }
    }
}

/// A status read from a CodeableConcept (see [`CodeableConcept::status_read`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusRead<'s> {
    /// The code read: one of the value set's, or the first code as written when none is.
    pub code: &'s str,
    /// What the record wrote, when it was not the code as FHIR writes it.
    pub written: Option<&'s str>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Reference {
    pub reference: Option<String>,
    /// The target's resource type (R4 `Reference.type`), when the reference says it.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub display: Option<String>,
    /// A logical reference: the target named by its identifier instead of its address.
    pub identifier: Option<Identifier>,
}

/// `meta`: when the server last changed the resource, and its tags.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Meta {
    #[serde(rename = "lastUpdated")]
    pub last_updated: Option<String>,
    /// Read only for refract's own tag on what its export restates (see `carried`).
    #[serde(default)]
    pub tag: Vec<Coding>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Period {
    pub start: Option<String>,
    pub end: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Quantity {
    pub value: Option<f64>,
    /// `<`, `<=`, `>=`, `>`: the value is a bound (R4 `Quantity.comparator`).
    pub comparator: Option<String>,
    pub unit: Option<String>,
    pub system: Option<String>,
    pub code: Option<String>,
}

/// `unit` unless blank.
fn written(unit: Option<&str>) -> Option<&str> {
    unit.filter(|unit| !unit.trim().is_empty())
}

/// The names UCUM goes by as a `Quantity.system`: its URI (R4), and its OID, which records
/// converted from CDA carry.
const UCUM_SYSTEMS: [&str; 2] = [super::ucum::SYSTEM, "urn:oid:2.16.840.1.113883.6.8"];

impl Quantity {
    /// The unit the value is in. R4: `unit` is the "unit representation" shown to people,
    /// `code` "a computer processable form of the unit in some unit representation system".
    /// Where that system is UCUM the code is the unit, whatever the words beside it ("gm/dL"
    /// printed beside UCUM's "g/dL"), except a code that is only an annotation ("{score}",
    /// "{tbl}") or unity, which says less than the words. A code of another system, or of none
    /// stated, is read only where there are no words.
    pub fn unit_text(&self) -> Option<&str> {
        self.ucum_code()
            .or_else(|| self.snomed_unit())
            .or_else(|| written(self.unit.as_deref()))
            .or_else(|| written(self.code.as_deref()))
    }

    /// The unit a SNOMED CT unit-of-measure `code` names, where `system` is SNOMED CT (UK Core
    /// and dm+d write doses so: 258684004 |milligram|): the code, not the words beside it,
    /// is the computable unit (see [`crate::domain::units::snomed_unit`]).
    pub fn snomed_unit(&self) -> Option<&'static str> {
        let system = self.system.as_deref()?.trim().trim_end_matches('/');
        (system == crate::domain::units::SNOMED_CT)
            .then(|| crate::domain::units::snomed_unit(self.code.as_deref()?))
            .flatten()
    }

    /// `code` where `system` is UCUM and the code names a unit (see [`Quantity::unit_text`]).
    pub fn ucum_code(&self) -> Option<&str> {
        let system = self.system.as_deref()?.trim().trim_end_matches('/');
        let code = self.code.as_deref()?.trim();
        let annotation = code.starts_with('{') && code.ends_with('}');
        (UCUM_SYSTEMS.contains(&system) && !code.is_empty() && !annotation && code != "1")
            .then_some(code)
    }
}

/// R4 Range: a low and a high quantity, either of which may be absent (an open end).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Range {
    pub low: Option<Quantity>,
    pub high: Option<Quantity>,
}

/// R4 Timing, as far as a date is read from it: the times it happened (`event`), else the
/// period its repeat is bounded by (`repeat.boundsPeriod`; R4 allows a Timing with either).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EventTiming {
    #[serde(default, deserialize_with = "primitives")]
    pub event: Vec<String>,
    pub repeat: Option<BoundsOnly>,
}

/// A Timing's `repeat` as far as a date is read from it: its `boundsPeriod`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BoundsOnly {
    #[serde(rename = "boundsPeriod")]
    pub bounds_period: Option<Period>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Identifier {
    /// Read for refract's own (see `identifier_systems::MATCH_URL`).
    #[serde(default)]
    pub extension: Vec<Extension>,
    #[serde(rename = "use")]
    pub usage: Option<String>,
    pub system: Option<String>,
    pub value: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<CodeableConcept>,
    /// When it is or was valid for use: one with an end is a number retired.
    pub period: Option<Period>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct HumanName {
    #[serde(rename = "use")]
    pub usage: Option<String>,
    pub family: Option<String>,
    #[serde(default, deserialize_with = "primitives")]
    pub given: Vec<String>,
    pub text: Option<String>,
    /// When the name was or is in use; one with an end is no longer the patient's name.
    pub period: Option<Period>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Extension {
    pub url: Option<String>,
    #[serde(rename = "valueCodeableConcept")]
    pub value_codeable_concept: Option<CodeableConcept>,
    #[serde(rename = "valueInteger")]
    pub value_integer: Option<i64>,
    /// The other values refract's own extensions carry (see `carried`).
    #[serde(rename = "valueCode")]
    pub value_code: Option<String>,
    #[serde(rename = "valueString")]
    pub value_string: Option<String>,
    #[serde(rename = "valueDate")]
    pub value_date: Option<String>,
    #[serde(rename = "valueDateTime")]
    pub value_date_time: Option<String>,
    #[serde(rename = "valueQuantity")]
    pub value_quantity: Option<Quantity>,
    #[serde(rename = "valueReference")]
    pub value_reference: Option<Reference>,
    /// An answer's weight (`ordinalValue`, see `parse::PHQ9_ITEMS`).
    #[serde(rename = "valueDecimal")]
    pub value_decimal: Option<f64>,
    /// The parts of a complex extension.
    #[serde(default)]
    pub extension: Vec<Extension>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Patient {
    pub meta: Option<Meta>,
    #[serde(default)]
    pub identifier: Vec<Identifier>,
    #[serde(default)]
    pub name: Vec<HumanName>,
    pub gender: Option<String>,
    #[serde(rename = "birthDate")]
    pub birth_date: Option<String>,
    #[serde(rename = "deceasedBoolean")]
    pub deceased_boolean: Option<bool>,
    #[serde(rename = "deceasedDateTime")]
    pub deceased_date_time: Option<String>,
    /// Other Patient resources of the same person (R4: "concerns the same actual individual"):
    /// a record merged into another (`replaced-by`), the one it replaced (`replaces`), one to
    /// consult (`refer`, `seealso`).
    #[serde(default)]
    pub link: Vec<PatientLink>,
}

/// R4 `Patient.link`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PatientLink {
    pub other: Option<Reference>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Condition {
    pub meta: Option<Meta>,
    pub subject: Option<Reference>,
    pub code: Option<CodeableConcept>,
    /// A CodeableConcept (R4), or a bare code (STU3, DSTU2: ST-4).
    #[serde(
        rename = "clinicalStatus",
        default,
        deserialize_with = "status_concept"
    )]
    pub clinical_status: Option<CodeableConcept>,
    #[serde(
        rename = "verificationStatus",
        default,
        deserialize_with = "status_concept"
    )]
    pub verification_status: Option<CodeableConcept>,
    #[serde(rename = "onsetDateTime")]
    pub onset_date_time: Option<String>,
    #[serde(rename = "onsetPeriod")]
    pub onset_period: Option<Period>,
    #[serde(rename = "abatementDateTime")]
    pub abatement_date_time: Option<String>,
    #[serde(rename = "abatementPeriod")]
    pub abatement_period: Option<Period>,
    /// The other types of R4 `abatement[x]`: each says the condition abated, whether or not a
    /// day can be read from it.
    #[serde(rename = "abatementAge")]
    pub abatement_age: Option<Quantity>,
    #[serde(rename = "abatementRange")]
    pub abatement_range: Option<Range>,
    #[serde(rename = "abatementString")]
    pub abatement_string: Option<String>,
    /// Not an R4 type (STU3 had it), but real exports carry it: true says it abated.
    #[serde(rename = "abatementBoolean")]
    pub abatement_boolean: Option<bool>,
    #[serde(rename = "recordedDate")]
    pub recorded_date: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TimingRepeat {
    #[serde(rename = "boundsPeriod")]
    pub bounds_period: Option<Period>,
    #[serde(rename = "boundsDuration")]
    pub bounds_duration: Option<Quantity>,
    /// A range of durations (8 to 9 months): how long at least and at most.
    #[serde(rename = "boundsRange")]
    pub bounds_range: Option<Range>,
    /// How many times in all (a course's number of doses or cycles).
    pub count: Option<u32>,
    /// The most times in all, when the count is a range (R4: `count` is then the least).
    /// `duration` and `durationMax` are not read: they are how long each administration lasts
    /// (an infusion over 30 minutes), never how long the course does.
    #[serde(rename = "countMax")]
    pub count_max: Option<u32>,
    pub frequency: Option<f64>,
    /// The most times a period ("2 to 3 times a day": `frequency` 2, `frequencyMax` 3).
    #[serde(rename = "frequencyMax")]
    pub frequency_max: Option<f64>,
    pub period: Option<f64>,
    /// The longest period ("every 8 to 12 hours": `period` 8, `periodMax` 12).
    #[serde(rename = "periodMax")]
    pub period_max: Option<f64>,
    #[serde(rename = "periodUnit")]
    pub period_unit: Option<String>,
    /// Times of the day by daily event (`MORN`, `EVE`, `HS`…): each distinct one a dose a day
    /// when no frequency is given.
    #[serde(default, deserialize_with = "primitives")]
    pub when: Vec<String>,
    /// Times of the day by the clock ("08:00:00"): as `when`.
    #[serde(default, rename = "timeOfDay", deserialize_with = "primitives")]
    pub time_of_day: Vec<String>,
    /// The days of the week it is given on (`mon`…`sun`): on the others, not at all.
    #[serde(default, rename = "dayOfWeek", deserialize_with = "primitives")]
    pub day_of_week: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Timing {
    pub repeat: Option<TimingRepeat>,
    /// A named schedule (R4 `timing.code`, the v3 GTSAbbreviation codes `BID`, `QD`, `Q8H`…),
    /// a complete statement of the timing when `repeat` says less.
    pub code: Option<CodeableConcept>,
    /// The times it happens (R4 `Timing.event`): what dates a record that gives no other date.
    #[serde(default, deserialize_with = "primitives")]
    pub event: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct DoseAndRate {
    #[serde(rename = "doseQuantity")]
    pub dose_quantity: Option<Quantity>,
    /// R4 `dose[x]` as a range ("0.5 to 1 tablet", 12.5 to 25 mg): see [`DoseAndRate::dose`].
    #[serde(rename = "doseRange")]
    pub dose_range: Option<Range>,
    #[serde(rename = "rateQuantity")]
    pub rate_quantity: Option<Quantity>,
    /// R4 `rate[x]` as an amount per time (10 mg / 1 h).
    #[serde(rename = "rateRatio")]
    pub rate_ratio: Option<Ratio>,
    /// R4 `rate[x]` as a range (titrated between 0.1 and 0.4 mg/kg/h).
    #[serde(rename = "rateRange")]
    pub rate_range: Option<Range>,
}

impl DoseAndRate {
    /// The amount of one dose this entry states: its `doseQuantity`, else its `doseRange` read
    /// at its low, the amount surely given each time (as a range of frequencies or of periods
    /// is read at its fewest doses, and a range of counts at its least days): reading the high
    /// would make an adequate dose the record does not show, and reading none would give a
    /// range wholly below a minimum the benefit of the doubt an unknown dose gets. A range with
    /// no low ("up to 500 mg") is a most, with no amount surely given: no dose, as "up to" in a
    /// dosage's text is (its high read as the dose would make an adequate dose nothing records).
    pub fn dose(&self) -> Option<&Quantity> {
        let valued = |q: &&Quantity| q.value.is_some_and(f64::is_finite);
        self.dose_quantity
            .as_ref()
            .filter(valued)
            .or_else(|| self.dose_range.as_ref()?.low.as_ref().filter(valued))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Dosage {
    /// Entries with one number are given together, with different numbers one after another.
    pub sequence: Option<i64>,
    pub text: Option<String>,
    /// Instructions in the patient's own terms ("take 1 tablet twice a day"): read as `text`
    /// is where no `text` is written (see `dose_lines` in `parse`).
    #[serde(rename = "patientInstruction")]
    pub patient_instruction: Option<String>,
    pub timing: Option<Timing>,
    pub route: Option<CodeableConcept>,
    #[serde(default, rename = "doseAndRate")]
    pub dose_and_rate: Vec<DoseAndRate>,
    /// Taken only when needed (R4 `asNeeded[x]`): true, or the reason as a concept.
    #[serde(rename = "asNeededBoolean")]
    pub as_needed_boolean: Option<bool>,
    #[serde(rename = "asNeededCodeableConcept")]
    pub as_needed_codeable_concept: Option<CodeableConcept>,
}

impl Dosage {
    pub fn as_needed(&self) -> bool {
        as_needed(
            self.as_needed_boolean,
            self.as_needed_codeable_concept.as_ref(),
        )
    }
}

/// R4 `asNeeded[x]`: `asNeededBoolean` true, or a concept saying when ("seizure cluster"), which
/// "indicates that the medication is only taken when needed".
fn as_needed(boolean: Option<bool>, concept: Option<&CodeableConcept>) -> bool {
    boolean == Some(true) || concept.is_some_and(CodeableConcept::names_something)
}

/// A contained resource: only a contained Medication's code, form and ingredients, and a
/// contained Substance's code (an ingredient a Medication refers to), are read.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Contained {
    #[serde(rename = "resourceType")]
    pub resource_type: Option<String>,
    pub id: Option<String>,
    pub code: Option<CodeableConcept>,
    pub form: Option<CodeableConcept>,
    /// A contained Medication's package amount (see [`Medication::amount`]).
    pub amount: Option<Ratio>,
    #[serde(default)]
    pub ingredient: Vec<Ingredient>,
}

/// MedicationRequest, MedicationStatement, MedicationAdministration and MedicationDispense
/// share what refract reads; each field is read from whichever of them has it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MedicationUse {
    pub meta: Option<Meta>,
    pub subject: Option<Reference>,
    #[serde(default, deserialize_with = "super::status_words::status_word")]
    pub status: Option<String>,
    /// MedicationRequest: whether it authorizes giving the drug (an order) or only suggests or
    /// plans it.
    pub intent: Option<String>,
    /// MedicationRequest: a request NOT to give the drug (a prohibition).
    #[serde(rename = "doNotPerform")]
    pub do_not_perform: Option<bool>,
    /// STU3 MedicationStatement: whether the patient took it (`y`, `n`, `unk`, `na`); `n` says
    /// not (ST-5). Read leniently: a shape it does not know says nothing.
    #[serde(default, deserialize_with = "lenient")]
    pub taken: Option<String>,
    /// STU3 MedicationAdministration: true says the drug was not given.
    #[serde(rename = "notGiven", default, deserialize_with = "lenient")]
    pub not_given: Option<bool>,
    /// DSTU2 MedicationStatement: true says the drug was not taken.
    #[serde(rename = "wasNotTaken", default, deserialize_with = "lenient")]
    pub was_not_taken: Option<bool>,
    /// DSTU2 MedicationAdministration: true says the drug was not given.
    #[serde(rename = "wasNotGiven", default, deserialize_with = "lenient")]
    pub was_not_given: Option<bool>,
    /// A list in MedicationStatement/Administration, one concept in MedicationRequest.
    #[serde(rename = "statusReason", default, deserialize_with = "one_or_many")]
    pub status_reason: Vec<CodeableConcept>,
    #[serde(rename = "medicationCodeableConcept")]
    pub medication_codeable_concept: Option<CodeableConcept>,
    #[serde(rename = "medicationReference")]
    pub medication_reference: Option<Reference>,
    #[serde(rename = "authoredOn")]
    pub authored_on: Option<String>,
    #[serde(rename = "effectiveDateTime")]
    pub effective_date_time: Option<String>,
    #[serde(rename = "effectivePeriod")]
    pub effective_period: Option<Period>,
    #[serde(rename = "dateAsserted")]
    pub date_asserted: Option<String>,
    /// MedicationRequest: recorded from the patient's report, not ordered (`authoredOn` is then
    /// when it was reported).
    #[serde(rename = "reportedBoolean")]
    pub reported_boolean: Option<bool>,
    #[serde(rename = "reportedReference")]
    pub reported_reference: Option<Reference>,
    #[serde(rename = "dosageInstruction", default)]
    pub dosage_instruction: Vec<Dosage>,
    /// MedicationStatement.dosage is a list; MedicationAdministration.dosage is one object.
    #[serde(default, deserialize_with = "one_or_many")]
    pub dosage: Vec<AdministeredDosage>,
    #[serde(default)]
    pub extension: Vec<Extension>,
    #[serde(default)]
    pub contained: Vec<Contained>,
    /// MedicationRequest: the period the prescription may be dispensed in.
    #[serde(rename = "dispenseRequest")]
    pub dispense_request: Option<DispenseRequest>,
    /// MedicationDispense: when the patient (or their representative) was given the drug.
    #[serde(rename = "whenHandedOver")]
    pub when_handed_over: Option<String>,
    /// MedicationDispense: when the fill was packaged and reviewed.
    #[serde(rename = "whenPrepared")]
    pub when_prepared: Option<String>,
    /// MedicationDispense: how many days the fill lasts (a SimpleQuantity of time).
    #[serde(rename = "daysSupply")]
    pub days_supply: Option<Quantity>,
    /// MedicationDispense: how much was handed over (60 tablets).
    pub quantity: Option<Quantity>,
    /// MedicationRequest, Statement and Administration: why the drug was given, as concepts.
    #[serde(rename = "reasonCode", default)]
    pub reason_code: Vec<CodeableConcept>,
    /// MedicationRequest, Statement and Administration: why the drug was given, as the
    /// Condition (or Observation, DiagnosticReport) that says it.
    #[serde(rename = "reasonReference", default)]
    pub reason_reference: Vec<Reference>,
    /// MedicationDispense: the orders (MedicationRequest) it fills.
    #[serde(rename = "authorizingPrescription", default)]
    pub authorizing_prescription: Vec<Reference>,
    /// MedicationAdministration: the order it carries out (a MedicationRequest).
    pub request: Option<Reference>,
    /// MedicationStatement and MedicationRequest: what it is based on (a MedicationRequest, a
    /// CarePlan, a ServiceRequest…).
    #[serde(rename = "basedOn", default)]
    pub based_on: Vec<Reference>,
    /// MedicationRequest: the order this one renews or replaces (R4 `priorPrescription`).
    #[serde(rename = "priorPrescription")]
    pub prior_prescription: Option<Reference>,
}

/// MedicationRequest.dispenseRequest: what the order supplies, and when it may be dispensed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DispenseRequest {
    /// "The validity period of a prescription (stale dating the Prescription)": no dispense
    /// before its start or after its end; not a period the drug was taken.
    #[serde(rename = "validityPeriod")]
    pub validity_period: Option<Period>,
    /// R4: "the number of times, in addition to the original dispense, ... that the patient can
    /// receive the prescribed medication". A number, as R4's unsignedInt is.
    #[serde(rename = "numberOfRepeatsAllowed")]
    pub number_of_repeats_allowed: Option<f64>,
    /// R4: "the amount that is to be dispensed for one fill".
    pub quantity: Option<Quantity>,
    /// R4: "the period time over which the supplied product is expected to be used, or the
    /// length of time the dispense is expected to last" (one fill's).
    #[serde(rename = "expectedSupplyDuration")]
    pub expected_supply_duration: Option<Quantity>,
}

/// The dosage of a statement (timing, doseAndRate) or of an administration (dose, rate).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AdministeredDosage {
    /// A statement's dosage: as [`Dosage::sequence`] (an administration has none).
    pub sequence: Option<i64>,
    pub text: Option<String>,
    /// A statement's dosage: as [`Dosage::patient_instruction`].
    #[serde(rename = "patientInstruction")]
    pub patient_instruction: Option<String>,
    pub timing: Option<Timing>,
    pub route: Option<CodeableConcept>,
    #[serde(default, rename = "doseAndRate")]
    pub dose_and_rate: Vec<DoseAndRate>,
    pub dose: Option<Quantity>,
    #[serde(rename = "rateQuantity")]
    pub rate_quantity: Option<Quantity>,
    /// An administration's R4 `rate[x]` as an amount per time (10 mg / 1 h).
    #[serde(rename = "rateRatio")]
    pub rate_ratio: Option<Ratio>,
    /// A statement's dosage: as [`Dosage::as_needed_boolean`] (an administration has none).
    #[serde(rename = "asNeededBoolean")]
    pub as_needed_boolean: Option<bool>,
    #[serde(rename = "asNeededCodeableConcept")]
    pub as_needed_codeable_concept: Option<CodeableConcept>,
}

impl AdministeredDosage {
    pub fn as_needed(&self) -> bool {
        as_needed(
            self.as_needed_boolean,
            self.as_needed_codeable_concept.as_ref(),
        )
    }
}

/// A Medication, or a Substance (only its `code` is read: an ingredient a Medication refers to).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Medication {
    pub meta: Option<Meta>,
    /// `entered-in-error`: the source withdraws it (active and inactive are read alike: an
    /// inactive Medication still says what a record of it gave).
    #[serde(default, deserialize_with = "super::status_words::status_word")]
    pub status: Option<String>,
    pub code: Option<CodeableConcept>,
    /// The dose form (tablet, capsule, solution).
    pub form: Option<CodeableConcept>,
    /// How much of the product one package holds (100 mL in one bag).
    pub amount: Option<Ratio>,
    #[serde(default)]
    pub ingredient: Vec<Ingredient>,
    /// Resources its ingredients may refer to as `#id`.
    #[serde(default)]
    pub contained: Vec<Contained>,
}

/// A Medication's ingredient: R4 `item[x]` (a concept, or a reference to a Substance or a
/// Medication), whether it is active, and its strength.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Ingredient {
    #[serde(rename = "itemCodeableConcept")]
    pub item_codeable_concept: Option<CodeableConcept>,
    #[serde(rename = "itemReference")]
    pub item_reference: Option<Reference>,
    /// False for an excipient ("does not affect the therapeutic action"); absent is unknown.
    #[serde(rename = "isActive")]
    pub is_active: Option<bool>,
    /// The amount of the ingredient in an amount of the product (50 mg per 1 tablet).
    pub strength: Option<Ratio>,
}

/// R4 Ratio: a numerator per a denominator.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Ratio {
    pub numerator: Option<Quantity>,
    pub denominator: Option<Quantity>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ObservationComponent {
    pub code: Option<CodeableConcept>,
    #[serde(rename = "valueQuantity")]
    pub value_quantity: Option<Quantity>,
    #[serde(rename = "valueInteger")]
    pub value_integer: Option<i64>,
    #[serde(rename = "valueCodeableConcept")]
    pub value_codeable_concept: Option<CodeableConcept>,
    #[serde(rename = "valueBoolean")]
    pub value_boolean: Option<bool>,
    #[serde(rename = "valueString")]
    pub value_string: Option<String>,
    /// The component's own ranges and flag (R4), read as the Observation's.
    #[serde(rename = "referenceRange")]
    pub reference_range: Option<serde_json::Value>,
    pub interpretation: Option<serde_json::Value>,
    /// Why the value is missing (R4), read only for being there: see the Observation's.
    #[serde(rename = "dataAbsentReason")]
    pub data_absent_reason: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Observation {
    pub meta: Option<Meta>,
    pub subject: Option<Reference>,
    #[serde(default, deserialize_with = "super::status_words::status_word")]
    pub status: Option<String>,
    pub code: Option<CodeableConcept>,
    #[serde(rename = "valueQuantity")]
    pub value_quantity: Option<Quantity>,
    #[serde(rename = "valueInteger")]
    pub value_integer: Option<i64>,
    #[serde(rename = "valueCodeableConcept")]
    pub value_codeable_concept: Option<CodeableConcept>,
    #[serde(rename = "valueBoolean")]
    pub value_boolean: Option<bool>,
    #[serde(rename = "valueString")]
    pub value_string: Option<String>,
    #[serde(rename = "effectiveDateTime")]
    pub effective_date_time: Option<String>,
    #[serde(rename = "effectivePeriod")]
    pub effective_period: Option<Period>,
    #[serde(rename = "effectiveInstant")]
    pub effective_instant: Option<String>,
    #[serde(rename = "effectiveTiming")]
    pub effective_timing: Option<EventTiming>,
    pub issued: Option<String>,
    pub method: Option<CodeableConcept>,
    /// Read for blood pressure named in words: only a vital sign (or a result with no
    /// category) is read as one by its name.
    #[serde(default)]
    pub category: Vec<CodeableConcept>,
    /// Who took the reading: read for blood pressure, where the patient is a self-measured
    /// (home) reading.
    #[serde(default)]
    pub performer: Vec<Reference>,
    /// Read for the measurement setting of a blood pressure (Vital Signs IG, CardX).
    #[serde(default)]
    pub extension: Vec<Extension>,
    #[serde(default)]
    pub component: Vec<ObservationComponent>,
    /// The visit it was taken in (R4): where a blood pressure was taken.
    pub encounter: Option<Reference>,
    /// STU3's name for it (an Encounter or an EpisodeOfCare).
    pub context: Option<Reference>,
    /// Read for a seizure report's words on when the last seizure was ("Last seizure 4 years
    /// ago").
    #[serde(default)]
    pub note: Vec<Annotation>,
    /// What it is about when that is not the patient alone (R4): a Condition named here is the
    /// disease a disease status or a response is of.
    #[serde(default)]
    pub focus: Vec<Reference>,
    /// The lab's ranges for the value (R4 `referenceRange`), read leniently (see
    /// `parse::reference_ranges`): a malformed range loses the range, never the result.
    #[serde(rename = "referenceRange")]
    pub reference_range: Option<serde_json::Value>,
    /// The lab's flag on the value (R4 `interpretation`), read leniently as the ranges are.
    pub interpretation: Option<serde_json::Value>,
    /// Why the value is missing (R4), read only for being there, in any shape: R4 obs-6 allows
    /// it only where there is no `value[x]`, so a value beside it is a placeholder, not a
    /// result (ST-3).
    #[serde(rename = "dataAbsentReason")]
    pub data_absent_reason: Option<serde_json::Value>,
}

/// A note (R4 `Annotation`): read for its words.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Annotation {
    pub text: Option<String>,
}

/// An Encounter, read for its class (see `fhir::encounter`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Encounter {
    #[serde(default, deserialize_with = "super::status_words::status_word")]
    pub status: Option<String>,
    pub meta: Option<Meta>,
    /// R4 a Coding, R5 a list of CodeableConcepts: read in any shape.
    pub class: Option<serde_json::Value>,
}

/// A DiagnosticReport: read for the response its conclusion states (see
/// `parse::map_report`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DiagnosticReport {
    pub meta: Option<Meta>,
    pub subject: Option<Reference>,
    #[serde(default, deserialize_with = "super::status_words::status_word")]
    pub status: Option<String>,
    pub code: Option<CodeableConcept>,
    #[serde(rename = "effectiveDateTime")]
    pub effective_date_time: Option<String>,
    #[serde(rename = "effectivePeriod")]
    pub effective_period: Option<Period>,
    pub issued: Option<String>,
    pub conclusion: Option<String>,
    #[serde(rename = "conclusionCode", default)]
    pub conclusion_code: Vec<CodeableConcept>,
    /// What kind of report (R4 a list, STU3 one): with `code`, says whether it is about the
    /// cancer (a PET-CT, a bone marrow), the only reports whose trend code is its status.
    #[serde(default, deserialize_with = "one_or_many")]
    pub category: Vec<CodeableConcept>,
}

/// An ImagingStudy (R4): a study a PACS or an EHR holds, read for what was imaged and when
/// (see `fhir::imaging`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ImagingStudy {
    pub meta: Option<Meta>,
    pub subject: Option<Reference>,
    #[serde(default, deserialize_with = "super::status_words::status_word")]
    pub status: Option<String>,
    pub encounter: Option<Reference>,
    pub started: Option<String>,
    /// Every modality of the study's series (DICOM CID 29 codes: MR, CT, PT...).
    #[serde(default)]
    pub modality: Vec<Coding>,
    /// The procedure performed (a CPT, SNOMED CT or LOINC code of the examination).
    #[serde(rename = "procedureCode", default)]
    pub procedure_code: Vec<CodeableConcept>,
    pub description: Option<String>,
    #[serde(rename = "reasonCode", default)]
    pub reason_code: Vec<CodeableConcept>,
    #[serde(rename = "reasonReference", default)]
    pub reason_reference: Vec<Reference>,
    #[serde(default)]
    pub series: Vec<ImagingSeries>,
}

/// One series of an ImagingStudy: its modality and the part of the body imaged.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ImagingSeries {
    pub modality: Option<Coding>,
    #[serde(rename = "bodySite")]
    pub body_site: Option<Coding>,
    pub description: Option<String>,
    pub started: Option<String>,
}

/// A QuestionnaireResponse (a form filled in: a PHQ-9 on a patient portal, an SDC form): read
/// for the scores its answers give (see `parse::questionnaire_scores`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct QuestionnaireResponse {
    pub meta: Option<Meta>,
    pub subject: Option<Reference>,
    #[serde(default, deserialize_with = "super::status_words::status_word")]
    pub status: Option<String>,
    /// The form's canonical URL (a LOINC panel: `http://loinc.org/q/44249-1`).
    pub questionnaire: Option<String>,
    pub authored: Option<String>,
    pub encounter: Option<Reference>,
    #[serde(default)]
    pub item: Vec<QuestionnaireItem>,
}

/// One item of a filled-in form and its answers; an item may hold items of its own.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct QuestionnaireItem {
    #[serde(rename = "linkId")]
    pub link_id: Option<String>,
    /// The element of the form's definition it answers (`http://loinc.org/q/44249-1#44261-6`).
    pub definition: Option<String>,
    pub text: Option<String>,
    /// Not an R4 element of a response's item (the Questionnaire's item has it), yet written
    /// by some forms: read when present.
    #[serde(default)]
    pub code: Vec<Coding>,
    #[serde(default)]
    pub answer: Vec<QuestionnaireAnswer>,
    #[serde(default)]
    pub item: Vec<QuestionnaireItem>,
}

/// An answer: read for a number (a score).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct QuestionnaireAnswer {
    #[serde(rename = "valueInteger")]
    pub value_integer: Option<i64>,
    #[serde(rename = "valueDecimal")]
    pub value_decimal: Option<f64>,
    #[serde(rename = "valueQuantity")]
    pub value_quantity: Option<Quantity>,
    /// A choice, weighed by its code or its `ordinalValue` extension (a PHQ-9's items).
    #[serde(rename = "valueCoding")]
    pub value_coding: Option<AnswerCoding>,
    /// An answer's own items (R4 `answer.item`).
    #[serde(default)]
    pub item: Vec<QuestionnaireItem>,
}

/// A coded answer, with the extensions that may weigh it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AnswerCoding {
    pub system: Option<String>,
    pub code: Option<String>,
    #[serde(default)]
    pub extension: Vec<Extension>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Procedure {
    pub meta: Option<Meta>,
    pub subject: Option<Reference>,
    #[serde(default, deserialize_with = "super::status_words::status_word")]
    pub status: Option<String>,
    /// STU3: true says the procedure was not done (ST-5).
    #[serde(rename = "notDone", default, deserialize_with = "lenient")]
    pub not_done: Option<bool>,
    /// DSTU2: true says the procedure was not performed.
    #[serde(rename = "notPerformed", default, deserialize_with = "lenient")]
    pub not_performed: Option<bool>,
    pub code: Option<CodeableConcept>,
    #[serde(rename = "performedDateTime")]
    pub performed_date_time: Option<String>,
    #[serde(rename = "performedPeriod")]
    pub performed_period: Option<Period>,
    /// The patient's age when it was done (a window of dates, given the birth date).
    #[serde(rename = "performedAge")]
    pub performed_age: Option<Quantity>,
    /// Ages it was done between.
    #[serde(rename = "performedRange")]
    pub performed_range: Option<Range>,
    /// When it was done, in words ("15 November 2025", "in childhood").
    #[serde(rename = "performedString")]
    pub performed_string: Option<String>,
    /// Why it was done, as concepts.
    #[serde(rename = "reasonCode", default)]
    pub reason_code: Vec<CodeableConcept>,
    /// Why it was done, as the Condition (or Observation, DiagnosticReport...) that says it.
    #[serde(rename = "reasonReference", default)]
    pub reason_reference: Vec<Reference>,
    /// The devices implanted, removed or otherwise manipulated (R4 `focalDevice`): a
    /// neurostimulator's implantation names the stimulator here.
    #[serde(rename = "focalDevice", default)]
    pub focal_device: Vec<FocalDevice>,
}

/// One `Procedure.focalDevice`: the Device, and what was done with it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FocalDevice {
    /// implanted, explanted, manipulated... (R4 device-action, SNOMED CT).
    pub action: Option<CodeableConcept>,
    pub manipulated: Option<Reference>,
}

/// A Device: read for what it is (its `type`, else its names), which the DeviceUseStatement or
/// the Procedure naming it puts on the patient's record.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Device {
    #[serde(default, deserialize_with = "super::status_words::status_word")]
    pub status: Option<String>,
    /// The patient the device is affixed to (R4 `Device.patient`): an implant sent with no
    /// DeviceUseStatement is the patient's by it.
    pub patient: Option<Reference>,
    #[serde(rename = "type")]
    pub kind: Option<CodeableConcept>,
    #[serde(rename = "deviceName", default)]
    pub device_name: Vec<DeviceName>,
}

/// One of a Device's names, with its kind (`user-friendly-name`, `model-name`...).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DeviceName {
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// A DeviceUseStatement: the patient uses (or used) a device, such as an implanted stimulator.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DeviceUseStatement {
    pub meta: Option<Meta>,
    pub subject: Option<Reference>,
    #[serde(default, deserialize_with = "super::status_words::status_word")]
    pub status: Option<String>,
    pub device: Option<Reference>,
    #[serde(rename = "timingPeriod")]
    pub timing_period: Option<Period>,
    #[serde(rename = "timingDateTime")]
    pub timing_date_time: Option<String>,
    #[serde(rename = "recordedOn")]
    pub recorded_on: Option<String>,
    #[serde(rename = "reasonCode", default)]
    pub reason_code: Vec<CodeableConcept>,
    #[serde(rename = "reasonReference", default)]
    pub reason_reference: Vec<Reference>,
    /// A Device carried in the statement (`device` then refers to `#<its id>`).
    #[serde(default)]
    pub contained: Vec<ContainedDevice>,
}

/// A contained resource, read when it is a Device.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ContainedDevice {
    #[serde(rename = "resourceType")]
    pub resource_type: Option<String>,
    pub id: Option<String>,
    #[serde(flatten)]
    pub device: Device,
}

/// A ResearchSubject: the patient's place in a study (R4 `individual`, `study`, `status`,
/// `period`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ResearchSubject {
    pub meta: Option<Meta>,
    pub individual: Option<Reference>,
    #[serde(default, deserialize_with = "super::status_words::status_word")]
    pub status: Option<String>,
    pub study: Option<Reference>,
    pub period: Option<Period>,
}

/// A ResearchStudy: read for its title and registry identifier, which name the trial a
/// ResearchSubject is in.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ResearchStudy {
    pub title: Option<String>,
    #[serde(default)]
    pub identifier: Vec<Identifier>,
}

/// An AllergyIntolerance: read when it is of a drug (see `parse::map_reaction`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AllergyIntolerance {
    pub meta: Option<Meta>,
    /// R4 names the patient `patient`, not `subject`.
    pub patient: Option<Reference>,
    /// A CodeableConcept (R4), or a bare code (STU3, DSTU2: ST-4).
    #[serde(
        rename = "clinicalStatus",
        default,
        deserialize_with = "status_concept"
    )]
    pub clinical_status: Option<CodeableConcept>,
    #[serde(
        rename = "verificationStatus",
        default,
        deserialize_with = "status_concept"
    )]
    pub verification_status: Option<CodeableConcept>,
    /// "allergy" or "intolerance".
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// food, medication, environment, biologic.
    #[serde(default, deserialize_with = "primitives")]
    pub category: Vec<String>,
    pub criticality: Option<String>,
    pub code: Option<CodeableConcept>,
    #[serde(rename = "onsetDateTime")]
    pub onset_date_time: Option<String>,
    #[serde(rename = "onsetPeriod")]
    pub onset_period: Option<Period>,
    #[serde(rename = "recordedDate")]
    pub recorded_date: Option<String>,
    #[serde(rename = "lastOccurrence")]
    pub last_occurrence: Option<String>,
    #[serde(default)]
    pub reaction: Vec<AllergyReaction>,
}

/// One reaction of an AllergyIntolerance: what happened, and how severe it was.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AllergyReaction {
    #[serde(default)]
    pub manifestation: Vec<CodeableConcept>,
    pub severity: Option<String>,
}

/// A CareTeam: the team that looks after the patient (its name is refract's care team).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CareTeam {
    pub meta: Option<Meta>,
    #[serde(default, deserialize_with = "super::status_words::status_word")]
    pub status: Option<String>,
    pub name: Option<String>,
    pub subject: Option<Reference>,
    pub period: Option<Period>,
}

/// A CarePlan: read only when it is a treatment line refract exported (see `carried`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CarePlan {
    pub meta: Option<Meta>,
    pub subject: Option<Reference>,
    #[serde(default, deserialize_with = "super::status_words::status_word")]
    pub status: Option<String>,
    #[serde(default)]
    pub category: Vec<CodeableConcept>,
    #[serde(default)]
    pub extension: Vec<Extension>,
    pub period: Option<Period>,
}

/// A status held as a CodeableConcept in R4 (a Condition's or an AllergyIntolerance's
/// `clinicalStatus`, `verificationStatus`), which STU3 and DSTU2 wrote as a bare code: the code
/// read as a concept's only coding, so that such a record is read, never left out whole (ST-4).
fn status_concept<'de, D>(deserializer: D) -> Result<Option<CodeableConcept>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Status {
        Code(String),
        Concept(CodeableConcept),
    }
    Ok(match Option::<Status>::deserialize(deserializer)? {
        Some(Status::Code(code)) => Some(CodeableConcept {
            coding: vec![Coding {
                system: None,
                code: Some(code),
                display: None,
            }],
            text: None,
        }),
        Some(Status::Concept(concept)) => Some(concept),
        None => None,
    })
}

/// An element of an older FHIR version read where it says something (a flag that the drug was
/// not given): a shape it does not take says nothing, and never leaves the record out.
fn lenient<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(serde_json::from_value(value).ok())
}

/// Accepts one value or a list of values (elements whose cardinality differs between the
/// resources that share this struct).
fn one_or_many<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany<T> {
        Many(Vec<T>),
        One(T),
    }
    Ok(match Option::<OneOrMany<T>>::deserialize(deserializer)? {
        Some(OneOrMany::Many(items)) => items,
        Some(OneOrMany::One(item)) => vec![item],
        None => Vec::new(),
    })
}

/// A repeating primitive (`given`, `when`, `event`…): its values, the nulls left out. R4 JSON
/// writes the extensions of a repeating primitive's items in a `_name` array beside it, and
/// "JSON nulls are used to fill out both arrays so that the id and/or extension are aligned": a
/// null is an item with an extension and no value, which says nothing this reader reads, never
/// a resource that is not valid (the patient and every record of theirs would be lost).
fn primitives<'de, D>(deserializer: D) -> Result<Vec<String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Ok(Option::<Vec<Option<String>>>::deserialize(deserializer)?
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect())
}
