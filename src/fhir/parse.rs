//! Reading one FHIR file (a Bundle, a single resource, or NDJSON) into domain records, without
//! touching the database: every resource refract uses is parsed into its typed struct from its
//! raw JSON text, references are resolved inside the file, and everything else is counted.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::FhirError;
use super::model::{self, CodeableConcept, Head};
use crate::domain::{
    BpSetting, Condition, ConditionCodeSystem, Dose, DrugExposure, DrugRole, Observation, Patient,
    PatientId, Procedure, Sex, StopReason, observation_codes,
};
use crate::rules::{Rules, condition_matches};

/// What a file holds, mapped to domain types and grouped by the patient each item is about.
#[derive(Debug, Default)]
pub struct ParsedFile {
    pub patients: Vec<ParsedPatient>,
    /// Items whose patient is not in the file, by the reference text (`Patient/123`): resolved
    /// against patients already in the database.
    pub orphans: BTreeMap<String, Items>,
    /// Where in the file each orphan reference is first made (`entry[3].resource.subject`), for
    /// the error when it resolves to no patient.
    pub orphan_paths: BTreeMap<String, String>,
    pub resources: usize,
    pub skipped: BTreeMap<String, usize>,
}

#[derive(Debug)]
pub struct ParsedPatient {
    pub fhir_id: Option<String>,
    pub patient: Patient,
    pub items: Items,
}

/// The clinical items of one patient; `source_id`s are the FHIR resource ids.
#[derive(Debug, Default)]
pub struct Items {
    pub conditions: Vec<(Option<String>, Condition)>,
    pub exposures: Vec<(Option<String>, DrugExposure, MedicationMeta)>,
    pub observations: Vec<(Option<String>, Observation)>,
    pub procedures: Vec<(Option<String>, Procedure)>,
}

impl Items {
    pub fn is_empty(&self) -> bool {
        self.conditions.is_empty()
            && self.exposures.is_empty()
            && self.observations.is_empty()
            && self.procedures.is_empty()
    }
}

/// What the merging of renewals needs to know about a medication record.
#[derive(Debug, Clone, Default)]
pub struct MedicationMeta {
    /// The drug's identity across renewals: its code, else its text.
    pub key: String,
    /// Whether the record says the drug was still being given (active, on-hold, in-progress).
    pub active: bool,
    /// Whether the end date was recorded (rather than unknown).
    pub end_recorded: bool,
}

#[derive(Deserialize)]
struct BundleIn<'a> {
    #[serde(default, borrow)]
    entry: Vec<EntryIn<'a>>,
}

#[derive(Deserialize)]
struct EntryIn<'a> {
    #[serde(rename = "fullUrl")]
    full_url: Option<String>,
    #[serde(borrow)]
    resource: Option<&'a RawValue>,
}

/// One resource to map, with where it was found (for errors) and its bundle full URL.
struct Raw<'a> {
    path: String,
    full_url: Option<String>,
    json: &'a str,
    resource_type: String,
    id: Option<String>,
}

/// Parses a whole file. `rules` picks, among a condition's codings, the one a rule set uses.
pub fn parse_file(bytes: &[u8], rules: &Rules) -> Result<ParsedFile, FhirError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(FhirError::at("", "the file is empty"));
    }
    let text = std::str::from_utf8(bytes).map_err(|err| {
        FhirError::at(
            "",
            format!(
                "not a JSON text file (invalid UTF-8 at byte {})",
                err.valid_up_to()
            ),
        )
    })?;
    let body = text.trim_start_matches('\u{feff}');
    let trimmed = body.trim_start();
    if !trimmed.starts_with('{') {
        return Err(FhirError::at(
            "",
            "not a FHIR JSON file (it does not start with '{')",
        ));
    }
    let raws = match serde_json::from_str::<Head>(trimmed) {
        Ok(head) => whole_document(trimmed, head)?,
        // Not one JSON document: NDJSON, one resource per line (numbered as in the file).
        Err(whole) if looks_like_ndjson(trimmed) => ndjson(body, &whole)?,
        Err(err) => return Err(json_error("", &err)),
    };
    map_resources(&raws, rules)
}

/// Whether a text that is not one JSON document is meant as NDJSON: more than one line, and its
/// first line a JSON value on its own or its second line the start of another object. A
/// pretty-printed document (`{` alone on the first line, then `"key": …`) is not, so that its
/// error points at the line of the problem.
fn looks_like_ndjson(text: &str) -> bool {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let (Some(first), Some(second)) = (lines.next(), lines.next()) else {
        return false;
    };
    second.starts_with('{') || serde_json::from_str::<serde::de::IgnoredAny>(first).is_ok()
}

fn json_error(path: &str, err: &serde_json::Error) -> FhirError {
    let message = match err.classify() {
        serde_json::error::Category::Eof => format!(
            "the JSON ends too early (truncated?) at line {}",
            err.line()
        ),
        _ => format!("{err}"),
    };
    FhirError::at(path, message)
}

fn whole_document<'a>(text: &'a str, head: Head) -> Result<Vec<Raw<'a>>, FhirError> {
    let Some(resource_type) = head.resource_type else {
        return Err(FhirError::at("", "no resourceType: not a FHIR resource"));
    };
    let resource_type = known_type("$", resource_type)?;
    if resource_type != "Bundle" {
        return Ok(vec![Raw {
            path: String::from("$"),
            full_url: None,
            json: text,
            resource_type,
            id: head.id,
        }]);
    }
    let bundle: BundleIn<'a> = serde_json::from_str(text).map_err(|err| json_error("$", &err))?;
    let mut raws = Vec::with_capacity(bundle.entry.len());
    for (index, entry) in bundle.entry.into_iter().enumerate() {
        let path = format!("entry[{index}].resource");
        let Some(resource) = entry.resource else {
            continue;
        };
        let head: Head =
            serde_json::from_str(resource.get()).map_err(|err| json_error(&path, &err))?;
        let Some(resource_type) = head.resource_type else {
            return Err(FhirError::at(&path, "no resourceType"));
        };
        let resource_type = known_type(&path, resource_type)?;
        raws.push(Raw {
            path,
            full_url: entry.full_url,
            json: resource.get(),
            resource_type,
            id: head.id,
        });
    }
    Ok(raws)
}

fn ndjson<'a>(text: &'a str, whole: &serde_json::Error) -> Result<Vec<Raw<'a>>, FhirError> {
    let mut raws = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line_text = line.trim();
        if line_text.is_empty() {
            continue;
        }
        let path = format!("line {}", number + 1);
        let head: Head = serde_json::from_str(line_text).map_err(|err| {
            FhirError::at(
                &path,
                format!(
                    "not a JSON resource ({err}); the file is neither JSON ({whole}) nor NDJSON"
                ),
            )
        })?;
        let Some(resource_type) = head.resource_type else {
            return Err(FhirError::at(&path, "no resourceType"));
        };
        let resource_type = known_type(&path, resource_type)?;
        raws.push(Raw {
            path,
            full_url: None,
            json: line_text,
            resource_type,
            id: head.id,
        });
    }
    Ok(raws)
}

/// The resource types of FHIR R4 (4.0.1), sorted: anything else is not a FHIR R4 resource (a
/// typo, another format, another FHIR version) and fails the file rather than being skipped.
const R4_RESOURCE_TYPES: [&str; 146] = [
    "Account",
    "ActivityDefinition",
    "AdverseEvent",
    "AllergyIntolerance",
    "Appointment",
    "AppointmentResponse",
    "AuditEvent",
    "Basic",
    "Binary",
    "BiologicallyDerivedProduct",
    "BodyStructure",
    "Bundle",
    "CapabilityStatement",
    "CarePlan",
    "CareTeam",
    "CatalogEntry",
    "ChargeItem",
    "ChargeItemDefinition",
    "Claim",
    "ClaimResponse",
    "ClinicalImpression",
    "CodeSystem",
    "Communication",
    "CommunicationRequest",
    "CompartmentDefinition",
    "Composition",
    "ConceptMap",
    "Condition",
    "Consent",
    "Contract",
    "Coverage",
    "CoverageEligibilityRequest",
    "CoverageEligibilityResponse",
    "DetectedIssue",
    "Device",
    "DeviceDefinition",
    "DeviceMetric",
    "DeviceRequest",
    "DeviceUseStatement",
    "DiagnosticReport",
    "DocumentManifest",
    "DocumentReference",
    "EffectEvidenceSynthesis",
    "Encounter",
    "Endpoint",
    "EnrollmentRequest",
    "EnrollmentResponse",
    "EpisodeOfCare",
    "EventDefinition",
    "Evidence",
    "EvidenceVariable",
    "ExampleScenario",
    "ExplanationOfBenefit",
    "FamilyMemberHistory",
    "Flag",
    "Goal",
    "GraphDefinition",
    "Group",
    "GuidanceResponse",
    "HealthcareService",
    "ImagingStudy",
    "Immunization",
    "ImmunizationEvaluation",
    "ImmunizationRecommendation",
    "ImplementationGuide",
    "InsurancePlan",
    "Invoice",
    "Library",
    "Linkage",
    "List",
    "Location",
    "Measure",
    "MeasureReport",
    "Media",
    "Medication",
    "MedicationAdministration",
    "MedicationDispense",
    "MedicationKnowledge",
    "MedicationRequest",
    "MedicationStatement",
    "MedicinalProduct",
    "MedicinalProductAuthorization",
    "MedicinalProductContraindication",
    "MedicinalProductIndication",
    "MedicinalProductIngredient",
    "MedicinalProductInteraction",
    "MedicinalProductManufactured",
    "MedicinalProductPackaged",
    "MedicinalProductPharmaceutical",
    "MedicinalProductUndesirableEffect",
    "MessageDefinition",
    "MessageHeader",
    "MolecularSequence",
    "NamingSystem",
    "NutritionOrder",
    "Observation",
    "ObservationDefinition",
    "OperationDefinition",
    "OperationOutcome",
    "Organization",
    "OrganizationAffiliation",
    "Parameters",
    "Patient",
    "PaymentNotice",
    "PaymentReconciliation",
    "Person",
    "PlanDefinition",
    "Practitioner",
    "PractitionerRole",
    "Procedure",
    "Provenance",
    "Questionnaire",
    "QuestionnaireResponse",
    "RelatedPerson",
    "RequestGroup",
    "ResearchDefinition",
    "ResearchElementDefinition",
    "ResearchStudy",
    "ResearchSubject",
    "RiskAssessment",
    "RiskEvidenceSynthesis",
    "Schedule",
    "SearchParameter",
    "ServiceRequest",
    "Slot",
    "Specimen",
    "SpecimenDefinition",
    "StructureDefinition",
    "StructureMap",
    "Subscription",
    "Substance",
    "SubstanceNucleicAcid",
    "SubstancePolymer",
    "SubstanceProtein",
    "SubstanceReferenceInformation",
    "SubstanceSourceMaterial",
    "SubstanceSpecification",
    "SupplyDelivery",
    "SupplyRequest",
    "Task",
    "TerminologyCapabilities",
    "TestReport",
    "TestScript",
    "ValueSet",
    "VerificationResult",
    "VisionPrescription",
];

/// `resource_type` when it is a FHIR R4 resource type.
fn known_type(path: &str, resource_type: String) -> Result<String, FhirError> {
    if R4_RESOURCE_TYPES
        .binary_search(&resource_type.as_str())
        .is_ok()
    {
        Ok(resource_type)
    } else {
        Err(FhirError::at(
            path,
            format!("unknown resourceType '{resource_type}': not a FHIR R4 resource"),
        ))
    }
}

/// A reference's key as patients are indexed: `urn:uuid:…` as is, `Patient/123` (from a
/// relative or absolute URL, with or without a `/_history/<version>`) otherwise.
fn reference_key(reference: &str) -> String {
    if reference.starts_with("urn:") || reference.starts_with('#') {
        return reference.to_owned();
    }
    let unversioned = reference
        .split_once("/_history/")
        .map_or(reference, |(resource, _)| resource);
    let mut parts = unversioned.trim_end_matches('/').rsplit('/');
    match (parts.next(), parts.next()) {
        (Some(id), Some(kind)) => format!("{kind}/{id}"),
        _ => reference.to_owned(),
    }
}

fn parse_as<'de, T: Deserialize<'de>>(raw: &Raw<'de>) -> Result<T, FhirError> {
    serde_json::from_str(raw.json).map_err(|err| {
        FhirError::at(
            &raw.path,
            format!(
                "{} {}: {err}",
                raw.resource_type,
                raw.id.as_deref().unwrap_or("")
            ),
        )
    })
}

fn map_resources(raws: &[Raw<'_>], rules: &Rules) -> Result<ParsedFile, FhirError> {
    let mut file = ParsedFile {
        resources: raws.len(),
        ..ParsedFile::default()
    };
    // Patients and Medications first: the others refer to them.
    let mut patient_index: HashMap<String, usize> = HashMap::new();
    let mut medications: HashMap<String, CodeableConcept> = HashMap::new();
    for raw in raws {
        match raw.resource_type.as_str() {
            "Patient" => {
                let resource: model::Patient = parse_as(raw)?;
                let patient = map_patient(raw, &resource)?;
                refuse_oversized(
                    raw,
                    [
                        ("identifier (MRN)", Some(patient.mrn.as_str())),
                        ("family name", Some(patient.family_name.as_str())),
                        ("given name", Some(patient.given_name.as_str())),
                        ("care team", patient.care_team.as_deref()),
                    ],
                )?;
                let index = file.patients.len();
                if let Some(url) = &raw.full_url {
                    patient_index.insert(url.clone(), index);
                }
                if let Some(id) = &raw.id {
                    patient_index.insert(format!("Patient/{id}"), index);
                }
                file.patients.push(ParsedPatient {
                    fhir_id: raw.id.clone(),
                    patient,
                    items: Items::default(),
                });
            }
            "Medication" => {
                let resource: model::Medication = parse_as(raw)?;
                if let Some(code) = resource.code {
                    if let Some(url) = &raw.full_url {
                        medications.insert(url.clone(), code.clone());
                    }
                    if let Some(id) = &raw.id {
                        medications.insert(format!("Medication/{id}"), code);
                    }
                }
            }
            _ => {}
        }
    }

    for raw in raws {
        let kind = raw.resource_type.as_str();
        let subject = |subject: Option<&model::Reference>| -> Result<String, FhirError> {
            subject
                .and_then(|s| s.reference.as_deref())
                .map(reference_key)
                .ok_or_else(|| {
                    FhirError::at(
                        &raw.path,
                        format!(
                            "{kind} {} has no subject (patient)",
                            raw.id.as_deref().unwrap_or("")
                        ),
                    )
                })
        };
        let target = match kind {
            "Condition" => {
                let resource: model::Condition = parse_as(raw)?;
                let key = subject(resource.subject.as_ref())?;
                map_condition(raw, &resource, rules)?
                    .map(|condition| (key, Item::Condition(condition)))
            }
            "MedicationRequest" | "MedicationStatement" | "MedicationAdministration" => {
                let resource: model::MedicationUse = parse_as(raw)?;
                let key = subject(resource.subject.as_ref())?;
                let (exposure, meta) = map_medication(raw, &resource, &medications)?;
                exposure.map(|exposure| (key, Item::Exposure(exposure, meta)))
            }
            "Observation" => {
                let resource: model::Observation = parse_as(raw)?;
                let key = subject(resource.subject.as_ref())?;
                let observations = map_observation(raw, &resource)?;
                if observations.is_empty() {
                    *file
                        .skipped
                        .entry(String::from("Observation (no value or date)"))
                        .or_default() += 1;
                }
                for observation in observations {
                    refuse_oversized(raw, observation_texts(&observation))?;
                    place(
                        &mut file,
                        &patient_index,
                        (key.clone(), &raw.path),
                        raw.id.clone(),
                        Item::Observation(observation),
                    );
                }
                None
            }
            "Procedure" => {
                let resource: model::Procedure = parse_as(raw)?;
                let key = subject(resource.subject.as_ref())?;
                map_procedure(raw, &resource)?.map(|procedure| (key, Item::Procedure(procedure)))
            }
            "Patient" | "Medication" => None,
            other => {
                *file.skipped.entry(other.to_owned()).or_default() += 1;
                None
            }
        };
        if let Some((_, item)) = &target {
            refuse_oversized(raw, item.texts())?;
        }
        if let Some((key, item)) = target {
            place(
                &mut file,
                &patient_index,
                (key, &raw.path),
                raw.id.clone(),
                item,
            );
        }
    }
    Ok(file)
}

enum Item {
    Condition(Condition),
    Exposure(DrugExposure, MedicationMeta),
    Observation(Observation),
    Procedure(Procedure),
}

impl Item {
    /// The texts refract would store from the item, by what the error calls them.
    fn texts(&self) -> Vec<(&'static str, Option<&str>)> {
        match self {
            Item::Condition(c) => vec![
                ("code", Some(c.code.as_str())),
                ("display", Some(c.display.as_str())),
                ("clinical status", c.clinical_status.as_deref()),
                ("verification status", c.verification_status.as_deref()),
            ],
            Item::Exposure(e, _) => vec![
                ("medication text", Some(e.text.as_str())),
                ("RxNorm code", e.rxnorm.as_deref()),
                ("ATC code", e.atc.as_deref()),
                ("route", e.route.as_deref()),
                ("dose unit", e.dose.as_ref().map(|d| d.unit.as_str())),
            ],
            Item::Observation(o) => observation_texts(o),
            Item::Procedure(p) => vec![
                ("code", Some(p.code.as_str())),
                ("display", Some(p.display.as_str())),
            ],
        }
    }
}

fn observation_texts(o: &Observation) -> Vec<(&'static str, Option<&str>)> {
    vec![
        ("code", Some(o.code.as_str())),
        ("display", Some(o.display.as_str())),
        ("coded value", o.value_code.as_deref()),
        ("unit", o.unit.as_deref()),
    ]
}

/// The longest text kept from a file (a name, an identifier, a code, a display): FHIR ids stop
/// at 64 characters and clinical displays at a few hundred, so anything longer is a broken
/// file, refused rather than stored and drawn on every screen that shows the patient.
const MAX_TEXT_BYTES: usize = 10_000;

fn refuse_oversized<'t>(
    raw: &'t Raw<'_>,
    texts: impl IntoIterator<Item = (&'static str, Option<&'t str>)>,
) -> Result<(), FhirError> {
    let ids = std::iter::once(("id", raw.id.as_deref()));
    for (field, text) in ids.chain(texts) {
        if let Some(text) = text
            && text.len() > MAX_TEXT_BYTES
        {
            return Err(FhirError::at(
                &raw.path,
                format!(
                    "{} {}: the {field} is {} bytes long (at most {MAX_TEXT_BYTES} are kept)",
                    raw.resource_type,
                    // An id too long to keep is too long to quote.
                    raw.id.as_deref().filter(|id| id.len() <= 64).unwrap_or(""),
                    text.len()
                ),
            ));
        }
    }
    Ok(())
}

fn place(
    file: &mut ParsedFile,
    index: &HashMap<String, usize>,
    (key, path): (String, &str),
    id: Option<String>,
    item: Item,
) {
    if !index.contains_key(&key) {
        file.orphan_paths
            .entry(key.clone())
            .or_insert_with(|| format!("{path}.subject"));
    }
    let items = match index.get(&key) {
        Some(&position) => &mut file.patients[position].items,
        None => file.orphans.entry(key).or_default(),
    };
    match item {
        Item::Condition(condition) => items.conditions.push((id, condition)),
        Item::Exposure(exposure, meta) => items.exposures.push((id, exposure, meta)),
        Item::Observation(observation) => items.observations.push((id, observation)),
        Item::Procedure(procedure) => items.procedures.push((id, procedure)),
    }
}

/// Parses a FHIR date or dateTime ("2019", "2019-03", "2019-03-01", "2019-03-01T10:00:00+01:00")
/// to the local date and time written; a partial date means its first day.
pub fn parse_datetime(text: &str) -> Result<NaiveDateTime, String> {
    let text = text.trim();
    let impossible = || format!("impossible date '{text}'");
    let parsed = if text.len() > 10 {
        chrono::DateTime::parse_from_rfc3339(text)
            .map(|dt| dt.naive_local())
            .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f"))
            .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
            .map_err(|_| impossible())?
    } else {
        let mut parts = text.split('-');
        let year: i32 = parts
            .next()
            .and_then(|y| y.parse().ok())
            .ok_or_else(impossible)?;
        let month: u32 = parts
            .next()
            .map_or(Ok(1), str::parse)
            .map_err(|_| impossible())?;
        let day: u32 = parts
            .next()
            .map_or(Ok(1), str::parse)
            .map_err(|_| impossible())?;
        if parts.next().is_some() {
            return Err(impossible());
        }
        NaiveDate::from_ymd_opt(year, month, day)
            .ok_or_else(impossible)?
            .and_time(NaiveTime::MIN)
    };
    if !(1800..=2200).contains(&chrono::Datelike::year(&parsed)) {
        return Err(impossible());
    }
    Ok(parsed)
}

fn date_field(
    raw: &Raw<'_>,
    field: &str,
    value: Option<&String>,
) -> Result<Option<NaiveDateTime>, FhirError> {
    value
        .map(|text| {
            parse_datetime(text)
                .map_err(|message| FhirError::at(&format!("{}.{field}", raw.path), message))
        })
        .transpose()
}

fn map_patient(raw: &Raw<'_>, resource: &model::Patient) -> Result<Patient, FhirError> {
    let is_mrn = |identifier: &&model::Identifier| {
        identifier
            .kind
            .as_ref()
            .is_some_and(|kind| kind.coding.iter().any(|c| c.code.as_deref() == Some("MR")))
    };
    let mrn = resource
        .identifier
        .iter()
        .find(is_mrn)
        .or_else(|| resource.identifier.first())
        .and_then(|identifier| identifier.value.clone())
        .or_else(|| raw.id.clone())
        .ok_or_else(|| FhirError::at(&raw.path, "Patient has no identifier and no id"))?;
    let name = resource
        .name
        .iter()
        .find(|n| n.usage.as_deref() == Some("official"))
        .or_else(|| resource.name.first());
    let (family_name, given_name) = match name {
        Some(name) => {
            let family = name.family.clone().unwrap_or_default();
            let given = name.given.join(" ");
            if family.is_empty() && given.is_empty() {
                (name.text.clone().unwrap_or_default(), String::new())
            } else {
                (family, given)
            }
        }
        None => (String::new(), String::new()),
    };
    let sex = match resource.gender.as_deref() {
        Some("female") => Sex::Female,
        Some("male") => Sex::Male,
        Some("other") => Sex::Other,
        _ => Sex::Unknown,
    };
    Ok(Patient {
        id: PatientId(0),
        mrn,
        family_name,
        given_name,
        birth_date: date_field(raw, "birthDate", resource.birth_date.as_ref())?.map(|d| d.date()),
        sex,
        deceased_date: date_field(
            raw,
            "deceasedDateTime",
            resource.deceased_date_time.as_ref(),
        )?
        .map(|d| d.date()),
        care_team: None,
    })
}

fn map_condition(
    raw: &Raw<'_>,
    resource: &model::Condition,
    rules: &Rules,
) -> Result<Option<Condition>, FhirError> {
    let Some(code) = &resource.code else {
        return Ok(None);
    };
    let candidates: Vec<Condition> = code
        .coding
        .iter()
        .filter_map(|coding| {
            let value = coding.code.clone()?;
            Some(Condition {
                id: 0,
                system: ConditionCodeSystem::from_uri(coding.system.as_deref().unwrap_or("")),
                code: value,
                display: code
                    .text
                    .clone()
                    .or_else(|| coding.display.clone())
                    .unwrap_or_default(),
                onset: None,
                abatement: None,
                clinical_status: None,
                verification_status: None,
            })
        })
        .collect();
    // The coding a rule set recognises, else ICD-10, else SNOMED CT, else the first.
    let applies = |c: &Condition| {
        rules.sets.iter().any(|set| {
            condition_matches(
                c,
                &set.applies_to.icd10,
                &set.applies_to.snomed,
                &set.applies_to.names,
            )
        })
    };
    let chosen = candidates
        .iter()
        .find(|c| applies(c))
        .or_else(|| {
            candidates
                .iter()
                .find(|c| c.system == ConditionCodeSystem::Icd10)
        })
        .or_else(|| {
            candidates
                .iter()
                .find(|c| c.system == ConditionCodeSystem::Snomed)
        })
        .or_else(|| candidates.first())
        .cloned();
    let Some(mut condition) = chosen.or_else(|| {
        code.text.clone().map(|text| Condition {
            id: 0,
            system: ConditionCodeSystem::Other,
            code: String::new(),
            display: text,
            onset: None,
            abatement: None,
            clinical_status: None,
            verification_status: None,
        })
    }) else {
        return Ok(None);
    };
    let onset = resource
        .onset_date_time
        .as_ref()
        .or_else(|| {
            resource
                .onset_period
                .as_ref()
                .and_then(|p| p.start.as_ref())
        })
        .or(resource.recorded_date.as_ref());
    condition.onset = date_field(raw, "onset", onset)?.map(|d| d.date());
    let abatement = resource.abatement_date_time.as_ref().or_else(|| {
        resource
            .abatement_period
            .as_ref()
            .and_then(|p| p.end.as_ref())
    });
    condition.abatement = date_field(raw, "abatement", abatement)?.map(|d| d.date());
    condition.clinical_status = resource
        .clinical_status
        .as_ref()
        .and_then(|c| c.first_code())
        .map(str::to_owned);
    condition.verification_status = resource
        .verification_status
        .as_ref()
        .and_then(|c| c.first_code())
        .map(str::to_owned);
    Ok(Some(condition))
}

/// Matched in an extension's URL without case or hyphens: mCODE's `mcode-treatment-termination-reason`
/// (STU2 and later), `mcode-termination-reason` (STU1), and local `terminationReason` variants.
const TERMINATION_REASON: &str = "terminationreason";

fn map_medication(
    raw: &Raw<'_>,
    resource: &model::MedicationUse,
    medications: &HashMap<String, CodeableConcept>,
) -> Result<(Option<DrugExposure>, MedicationMeta), FhirError> {
    let concept = match (
        &resource.medication_codeable_concept,
        &resource.medication_reference,
    ) {
        (Some(concept), _) => concept.clone(),
        (None, Some(reference)) => {
            let target = reference.reference.as_deref().unwrap_or("");
            let found = if let Some(local) = target.strip_prefix('#') {
                resource
                    .contained
                    .iter()
                    .find(|c| {
                        c.id.as_deref() == Some(local)
                            && c.resource_type.as_deref() == Some("Medication")
                    })
                    .and_then(|c| c.code.clone())
            } else {
                medications
                    .get(target)
                    .or_else(|| medications.get(&reference_key(target)))
                    .cloned()
            };
            found.ok_or_else(|| {
                FhirError::at(
                    &format!("{}.medicationReference", raw.path),
                    format!("dangling reference '{target}'"),
                )
            })?
        }
        (None, None) => {
            return Err(FhirError::at(
                &raw.path,
                format!("{} has no medication", raw.resource_type),
            ));
        }
    };
    // Recorded in error, or a record that the drug was not given: not an exposure.
    if matches!(
        resource.status.as_deref(),
        Some("entered-in-error" | "not-taken" | "not-done" | "cancelled" | "draft")
    ) {
        return Ok((None, MedicationMeta::default()));
    }
    let text = concept.words().map(str::to_owned).unwrap_or_default();
    let rxnorm = concept.code_in("rxnorm").map(str::to_owned);
    let atc = concept.code_in("atc").map(str::to_owned);

    let dosage_bounds = resource
        .dosage_instruction
        .iter()
        .filter_map(|d| d.timing.as_ref())
        .chain(resource.dosage.iter().filter_map(|d| d.timing.as_ref()))
        .find_map(|t| t.repeat.as_ref().and_then(|r| r.bounds_period.clone()));
    let start_text = resource
        .effective_period
        .as_ref()
        .and_then(|p| p.start.as_ref())
        .or(resource.effective_date_time.as_ref())
        .or(resource.authored_on.as_ref())
        .or_else(|| dosage_bounds.as_ref().and_then(|p| p.start.as_ref()))
        .or(resource.date_asserted.as_ref());
    let Some(start) = date_field(raw, "effective", start_text)? else {
        return Err(FhirError::at(
            &raw.path,
            format!("{} has no date (effective, authoredOn)", raw.resource_type),
        ));
    };
    let end_text = resource
        .effective_period
        .as_ref()
        .and_then(|p| p.end.as_ref())
        .or_else(|| dosage_bounds.as_ref().and_then(|p| p.end.as_ref()));
    let mut end = date_field(raw, "end", end_text)?;
    let end_recorded = end.is_some();
    let status = resource.status.as_deref().unwrap_or("");
    let active = matches!(status, "active" | "on-hold" | "in-progress" | "intended");
    // A single administration given at a time (no period) is given at that time.
    if end.is_none()
        && raw.resource_type == "MedicationAdministration"
        && resource.effective_date_time.is_some()
    {
        end = Some(start);
    }
    if let Some(until) = end
        && until < start
    {
        return Err(FhirError::at(
            &raw.path,
            format!("ends ({until}) before it starts ({start})"),
        ));
    }

    let stop_reason = resource
        .extension
        .iter()
        .filter(|e| {
            e.url.as_deref().is_some_and(|u| {
                u.to_ascii_lowercase()
                    .replace(['-', '_'], "")
                    .contains(TERMINATION_REASON)
            })
        })
        .filter_map(|e| e.value_codeable_concept.as_ref())
        .chain(resource.status_reason.iter())
        .find_map(stop_reason_of);

    let (dose, route, role) = dose_of(resource, &text);
    let key = rxnorm
        .clone()
        .or_else(|| atc.clone())
        .unwrap_or_else(|| text.to_lowercase());
    Ok((
        Some(DrugExposure {
            id: 0,
            text,
            rxnorm,
            atc,
            start,
            end,
            dose,
            route,
            role,
            stop_reason,
            cycles: None,
        }),
        MedicationMeta {
            key,
            active,
            end_recorded,
        },
    ))
}

fn stop_reason_of(concept: &CodeableConcept) -> Option<StopReason> {
    concept
        .coding
        .iter()
        .find_map(|c| {
            c.code
                .as_deref()
                .and_then(StopReason::from_snomed)
                .or_else(|| {
                    c.code
                        .as_deref()
                        .and_then(|code| StopReason::parse(code).ok())
                })
        })
        .or_else(|| {
            let words = concept.words()?.to_ascii_lowercase();
            Some(
                if words.contains("not tolerated")
                    || words.contains("adverse")
                    || words.contains("side effect")
                {
                    StopReason::Intolerance
                } else if words.contains("noncompliance")
                    || words.contains("non-compliance")
                    || words.contains("adherence")
                {
                    StopReason::Noncompliance
                } else if words.contains("no response")
                    || words.contains("ineffective")
                    || words.contains("lack of efficacy")
                {
                    StopReason::LackOfEfficacy
                } else if words.contains("progress") {
                    StopReason::Progression
                } else if words.contains("completed") {
                    StopReason::Completed
                } else {
                    return None;
                },
            )
        })
}

/// The daily dose when the record allows it: a dose quantity times the timing's frequency per
/// day; a dose counted in tablets is converted with the strength in the drug's text ("25 MG").
fn dose_of(
    resource: &model::MedicationUse,
    text: &str,
) -> (Option<Dose>, Option<String>, Option<DrugRole>) {
    let mut route = None;
    let mut role = None;
    let mut dose = None;
    let timings = resource
        .dosage_instruction
        .iter()
        .map(|d| {
            (
                d.timing.as_ref(),
                d.route.as_ref(),
                d.dose_and_rate
                    .first()
                    .and_then(|r| r.dose_quantity.as_ref()),
                d.dose_and_rate
                    .first()
                    .and_then(|r| r.rate_quantity.as_ref()),
            )
        })
        .chain(resource.dosage.iter().map(|d| {
            (
                d.timing.as_ref(),
                d.route.as_ref(),
                d.dose.as_ref().or_else(|| {
                    d.dose_and_rate
                        .first()
                        .and_then(|r| r.dose_quantity.as_ref())
                }),
                d.rate_quantity.as_ref().or_else(|| {
                    d.dose_and_rate
                        .first()
                        .and_then(|r| r.rate_quantity.as_ref())
                }),
            )
        }));
    for (timing, route_concept, quantity, rate) in timings {
        if route.is_none() {
            route = route_concept.and_then(|r| r.words()).map(str::to_owned);
        }
        if let Some(rate) = rate
            && let Some(value) = rate.value
        {
            // A rate (mg/h, mg/kg/h) is an infusion.
            role = Some(DrugRole::AnaestheticInfusion);
            dose = Some(Dose {
                value,
                unit: rate.unit_text().unwrap_or("/h").to_owned(),
            });
            continue;
        }
        let Some(quantity) = quantity else { continue };
        let Some(value) = quantity.value else {
            continue;
        };
        let unit = quantity.unit_text().unwrap_or("").to_ascii_lowercase();
        let per_day = timing.and_then(|t| t.repeat.as_ref()).and_then(|repeat| {
            let frequency = repeat.frequency.unwrap_or(1.0);
            let period = repeat.period.unwrap_or(1.0);
            let days = match repeat.period_unit.as_deref()? {
                "h" => period / 24.0,
                "d" => period,
                "wk" => period * 7.0,
                "mo" => period * 30.0,
                _ => return None,
            };
            (days > 0.0).then(|| frequency / days)
        });
        let milligrams = match unit.as_str() {
            "mg" => Some(value),
            "g" => Some(value * 1000.0),
            "" | "1" | "{tbl}" | "tablet" | "tab" | "capsule" | "{capsule}" | "{tablet}" => {
                strength_mg(text).map(|mg| mg * value)
            }
            _ => None,
        };
        dose = match (milligrams, per_day) {
            (Some(mg), Some(per_day)) => Some(Dose {
                value: (mg * per_day * 1000.0).round() / 1000.0,
                unit: String::from("mg/d"),
            }),
            (Some(mg), None) => Some(Dose {
                value: mg,
                unit: String::from("mg"),
            }),
            (None, _) => Some(Dose {
                value,
                unit: quantity.unit_text().unwrap_or("").to_owned(),
            }),
        };
        break;
    }
    (dose, route, role)
}

/// The strength in milligrams written in a drug's text ("Hydrochlorothiazide 25 MG Oral Tablet"),
/// when there is exactly one (a combination has several, and a solution is per mL).
fn strength_mg(text: &str) -> Option<f64> {
    let upper = text.to_ascii_uppercase();
    if upper.contains("/ML") || upper.contains(" / ") {
        return None;
    }
    let words: Vec<&str> = upper.split_whitespace().collect();
    let strengths: Vec<f64> = words
        .iter()
        .enumerate()
        .filter_map(|(index, word)| {
            let glued = word.strip_suffix("MG").and_then(|n| n.parse::<f64>().ok());
            let spaced = (words.get(index + 1) == Some(&"MG"))
                .then(|| word.parse::<f64>().ok())
                .flatten();
            glued.or(spaced)
        })
        .collect();
    match strengths.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

fn map_observation(
    raw: &Raw<'_>,
    resource: &model::Observation,
) -> Result<Vec<Observation>, FhirError> {
    if matches!(
        resource.status.as_deref(),
        Some("entered-in-error" | "cancelled")
    ) {
        return Ok(Vec::new());
    }
    let effective_text = resource
        .effective_date_time
        .as_ref()
        .or_else(|| {
            resource
                .effective_period
                .as_ref()
                .and_then(|p| p.start.as_ref())
        })
        .or(resource.issued.as_ref());
    let Some(effective) = date_field(raw, "effective", effective_text)? else {
        return Ok(Vec::new());
    };
    let code = resource.code.clone().unwrap_or_default();
    let panel_words = [
        code.words().unwrap_or(""),
        resource
            .method
            .as_ref()
            .and_then(|m| m.words())
            .unwrap_or(""),
    ]
    .join(" ");
    let setting = bp_setting(&panel_words);
    let mut out = Vec::new();
    let make = |concept: &CodeableConcept,
                quantity: Option<&model::Quantity>,
                integer: Option<i64>,
                coded: Option<&CodeableConcept>| {
        let code = concept
            .code_in("loinc")
            .or_else(|| concept.first_code())?
            .to_owned();
        let value = quantity.and_then(|q| q.value).or(integer.map(|i| i as f64));
        let value_code = coded.and_then(|c| c.first_code()).map(str::to_owned);
        if value.is_none() && value_code.is_none() {
            return None;
        }
        let is_bp =
            code == observation_codes::SYSTOLIC_BP || code == observation_codes::DIASTOLIC_BP;
        Some(Observation {
            id: 0,
            display: concept.words().unwrap_or(&code).to_owned(),
            code,
            value,
            value_code,
            unit: quantity.and_then(|q| q.unit_text()).map(str::to_owned),
            effective,
            setting: is_bp.then_some(setting),
        })
    };
    if let Some(observation) = make(
        &code,
        resource.value_quantity.as_ref(),
        resource.value_integer,
        resource.value_codeable_concept.as_ref(),
    ) {
        out.push(observation);
    }
    for component in &resource.component {
        let Some(concept) = &component.code else {
            continue;
        };
        if let Some(observation) = make(
            concept,
            component.value_quantity.as_ref(),
            component.value_integer,
            component.value_codeable_concept.as_ref(),
        ) {
            out.push(observation);
        }
    }
    Ok(out)
}

/// Where a blood pressure was measured, from the words of its code and method.
fn bp_setting(words: &str) -> BpSetting {
    let words = words.to_ascii_lowercase();
    if words.contains("24 hour")
        || words.contains("24-hour")
        || words.contains("24h")
        || words.contains("24 h ")
    {
        BpSetting::Ambulatory24h
    } else if words.contains("awake") || words.contains("daytime") {
        BpSetting::AmbulatoryAwake
    } else if words.contains("night") || words.contains("sleep") {
        BpSetting::AmbulatoryNight
    } else if words.contains("home") || words.contains("self") {
        BpSetting::Home
    } else {
        BpSetting::Office
    }
}

fn map_procedure(
    raw: &Raw<'_>,
    resource: &model::Procedure,
) -> Result<Option<Procedure>, FhirError> {
    if matches!(
        resource.status.as_deref(),
        Some("entered-in-error" | "not-done")
    ) {
        return Ok(None);
    }
    let Some(code) = &resource.code else {
        return Ok(None);
    };
    let performed_text = resource.performed_date_time.as_ref().or_else(|| {
        resource
            .performed_period
            .as_ref()
            .and_then(|p| p.start.as_ref())
    });
    let Some(performed) = date_field(raw, "performed", performed_text)? else {
        return Ok(None);
    };
    let end = date_field(
        raw,
        "performedPeriod.end",
        resource
            .performed_period
            .as_ref()
            .and_then(|p| p.end.as_ref()),
    )?;
    Ok(Some(Procedure {
        id: 0,
        code: code
            .code_in("snomed")
            .or_else(|| code.first_code())
            .unwrap_or("")
            .to_owned(),
        display: code.words().unwrap_or("").to_owned(),
        performed,
        end,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_partial_and_with_offsets() {
        assert_eq!(
            parse_datetime("2019").unwrap().date(),
            NaiveDate::from_ymd_opt(2019, 1, 1).unwrap()
        );
        assert_eq!(
            parse_datetime("2019-03").unwrap().date(),
            NaiveDate::from_ymd_opt(2019, 3, 1).unwrap()
        );
        let at = parse_datetime("2019-03-01T23:07:34+05:00").unwrap();
        assert_eq!(at.date(), NaiveDate::from_ymd_opt(2019, 3, 1).unwrap());
        assert!(parse_datetime("2019-02-30").is_err());
        assert!(parse_datetime("20190-01-01").is_err());
        assert!(parse_datetime("yesterday").is_err());
    }

    #[test]
    fn strength_from_text() {
        assert_eq!(
            strength_mg("Hydrochlorothiazide 25 MG Oral Tablet"),
            Some(25.0)
        );
        assert_eq!(strength_mg("Lasix 40mg"), Some(40.0));
        assert_eq!(strength_mg("10 ML Furosemide 10 MG/ML Injection"), None);
        assert_eq!(
            strength_mg("Amoxicillin 250 MG / Clavulanate 125 MG Oral Tablet"),
            None
        );
    }

    #[test]
    fn resource_types_are_sorted_and_unique() {
        assert!(R4_RESOURCE_TYPES.windows(2).all(|w| w[0] < w[1]));
        assert!(known_type("$", String::from("MedicationStatement")).is_ok());
        assert!(known_type("$", String::from("Patiant")).is_err());
    }

    #[test]
    fn references_are_normalised() {
        assert_eq!(reference_key("urn:uuid:abc"), "urn:uuid:abc");
        assert_eq!(reference_key("Patient/12"), "Patient/12");
        assert_eq!(
            reference_key("https://ehr.example/fhir/Patient/12"),
            "Patient/12"
        );
        assert_eq!(reference_key("Patient/12/_history/3"), "Patient/12");
    }
}
