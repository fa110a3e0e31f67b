//! Export as a FHIR R4 collection bundle, one patient at a time (the bundle is streamed, so
//! exporting a million patients needs no more memory than one).
//!
//! Drug exposures are MedicationStatements with the mCODE terminationReason extension and,
//! when they belong to a treatment line, the line's number and regimen; assessments are
//! CarePlans of category SNOMED CT 312384001 "Multidisciplinary assessment", with the team's
//! review as a note. MDT outcomes are CarePlans of the same category (as the ICHOM treatment
//! plan profile records an MDT recommendation), and follow-up tasks are Task resources.

use std::io::Write;

use chrono::{Local, LocalResult, NaiveDateTime, NaiveTime, TimeZone};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::domain::{
    ConditionCodeSystem, Death, EvidenceKind, OutcomeCategory, PlanFollowed, Response, ReviewState,
    StopReason, TaskStatus, observation_codes,
};
use crate::store::{PatientCase, PatientSummary, Store, StoreError, format_date, format_datetime};

/// Extension URLs: mCODE's termination reason, and refract's own for what FHIR lacks.
pub const TERMINATION_REASON_URL: &str =
    "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-treatment-termination-reason";
pub const LINE_URL: &str = "https://refract.dev/fhir/StructureDefinition/line-of-therapy";
pub const STATUS_URL: &str = "https://refract.dev/fhir/StructureDefinition/assessment-status";
pub const LOCAL_CODES: &str = "https://refract.dev/fhir/CodeSystem/observation";
/// refract's MDT outcome categories (machine names of `OutcomeCategory`).
pub const OUTCOME_CODES: &str = "https://refract.dev/fhir/CodeSystem/mdt-outcome";
/// Whether the plan of an MDT outcome was followed (ICHOM TreatmentPlanFollowed: yes, some, no).
pub const PLAN_FOLLOWED_URL: &str = "https://refract.dev/fhir/StructureDefinition/plan-followed";

const SNOMED: &str = "http://snomed.info/sct";
/// The way-forward steps, options and checks: refract's own codes (no standard code set names
/// the four steps).
pub const WAY_FORWARD_CODES: &str = "https://refract.dev/fhir/CodeSystem/way-forward";
pub const STANCE_URL: &str = "https://refract.dev/fhir/StructureDefinition/option-stance";
const LOINC: &str = "http://loinc.org";
const ICD10: &str = "http://hl7.org/fhir/sid/icd-10";
const RXNORM: &str = "http://www.nlm.nih.gov/research/umls/rxnorm";
const ATC: &str = "http://www.whocc.no/atc";

/// A stable `urn:uuid:` for a resource, from what it is (the same database exports the same
/// identifiers every time): the first 16 bytes of a SHA-256 of its parts, as an RFC 9562
/// version 8 UUID (custom: v5 names SHA-1, which this is not). Exports before this labelled
/// the same bytes version 5; an import replaces a patient's imported rows whatever their
/// identifiers, so files exported either way import alike.
fn uuid(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Uuid::new_v8(bytes).hyphenated().to_string()
}

/// Writes the bundle for `patients` (every patient when empty).
pub fn write_bundle(
    store: &Store,
    patients: &[crate::domain::PatientId],
    out: &mut impl Write,
) -> Result<(), StoreError> {
    let ids = if patients.is_empty() {
        store.patient_ids_by_mrn()?
    } else {
        patients.to_vec()
    };
    let io = |err: std::io::Error| StoreError::Invalid(format!("cannot write the export: {err}"));
    write!(
        out,
        "{{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"timestamp\":\"{}\",\"entry\":[",
        utc_instant(crate::store::now_utc())
    )
    .map_err(io)?;
    let mut first = true;
    for id in ids {
        let summary = store.summary(id)?;
        let cases = store.cases_of_patient(id)?;
        let mut entries = patient_entries(&summary);
        entries.extend(meeting_entries(&summary, &cases));
        entries.extend(way_forward_entries(&summary));
        for mut entry in entries {
            prune_empty(&mut entry);
            if !first {
                out.write_all(b",").map_err(io)?;
            }
            first = false;
            serde_json::to_writer(&mut *out, &entry)?;
        }
    }
    out.write_all(b"]}\n").map_err(io)?;
    Ok(())
}

/// A FHIR `dateTime` of a clinical time, which refract keeps as the wall-clock time the source
/// wrote (its offset is not kept). A time read from a date alone (midnight) is written as that
/// date, which is all that is known; any other time with the offset of this machine's time zone
/// on that day, as R4 requires a zone with a time ("2020-02-09T10:00:00" is not a dateTime).
/// Reading the export back gives the same wall-clock time. A time that does not exist in the
/// zone (skipped by a daylight-saving change) is written as its date.
pub fn clinical_datetime(at: NaiveDateTime) -> String {
    if at.time() == NaiveTime::MIN {
        return format_date(at.date()).as_str().to_owned();
    }
    match Local.from_local_datetime(&at) {
        LocalResult::Single(zoned) | LocalResult::Ambiguous(zoned, _) => {
            zoned.format("%Y-%m-%dT%H:%M:%S%:z").to_string()
        }
        LocalResult::None => format_date(at.date()).as_str().to_owned(),
    }
}

/// A time refract keeps in UTC (the bundle's timestamp, a review) as a FHIR `instant`.
fn utc_instant(at: NaiveDateTime) -> String {
    format!("{}Z", format_datetime(at).as_str().replace(' ', "T"))
}

/// Removes empty strings, arrays and objects, and then the objects and arrays they leave empty:
/// no FHIR element may be empty (`"unit": ""` is not a string, `[]` not a list).
fn prune_empty(value: &mut Value) -> bool {
    match value {
        Value::String(text) => text.is_empty(),
        Value::Array(items) => {
            items.retain_mut(|item| !prune_empty(item));
            items.is_empty()
        }
        Value::Object(members) => {
            members.retain(|_, member| !prune_empty(member));
            members.is_empty()
        }
        Value::Null => true,
        Value::Bool(_) | Value::Number(_) => false,
    }
}

/// Moves the resource into the entry (`json!` would copy it).
fn entry(full_url: &str, resource: Value) -> Value {
    let mut entry = serde_json::Map::with_capacity(2);
    entry.insert(
        String::from("fullUrl"),
        Value::String(format!("urn:uuid:{full_url}")),
    );
    entry.insert(String::from("resource"), resource);
    Value::Object(entry)
}

fn concept(system: &str, code: &str, display: &str) -> Value {
    json!({ "coding": [{ "system": system, "code": code, "display": display }], "text": display })
}

fn termination(reason: StopReason) -> Value {
    let (code, display) = reason.snomed();
    json!({ "url": TERMINATION_REASON_URL, "valueCodeableConcept": concept(SNOMED, code, display) })
}

/// The mCODE ConditionStatusTrend value closest to a best response.
fn disease_status_of(response: Response) -> (&'static str, &'static str) {
    use observation_codes::disease_status as ds;
    match response {
        Response::StringentComplete
        | Response::Complete
        | Response::CompleteIncompleteRecovery
        | Response::CompletePartialRecovery => (ds::FULL_REMISSION, "Full remission"),
        Response::VeryGoodPartial | Response::Partial | Response::MorphologicLeukemiaFree => {
            (ds::PARTIAL_REMISSION, "Partial remission")
        }
        Response::Minimal => (ds::IMPROVED, "Improved"),
        Response::Stable => (ds::STABLE, "Stable"),
        Response::Progression => (ds::WORSENED, "Worsened"),
    }
}

fn patient_entries(summary: &PatientSummary) -> Vec<Value> {
    let record = &summary.record;
    let Some(patient) = &record.patient else {
        return Vec::new();
    };
    let mrn = patient.mrn.as_str();
    let patient_uuid = uuid(&[mrn, "Patient"]);
    let subject = json!({ "reference": format!("urn:uuid:{patient_uuid}") });
    let mut entries = Vec::new();

    let mut resource = json!({
        "resourceType": "Patient",
        "id": patient_uuid,
        "identifier": [{
            "type": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR" }] },
            "value": mrn,
        }],
        "name": [{ "use": "official", "family": patient.family_name, "given": patient.given_name.split_whitespace().collect::<Vec<_>>() }],
        "gender": patient.sex.as_str(),
    });
    if let Some(birth) = patient.birth_date {
        resource["birthDate"] = json!(format_date(birth).as_str());
    }
    match patient.death() {
        Some(Death { date: Some(day) }) => {
            resource["deceasedDateTime"] = json!(format_date(day).as_str());
        }
        Some(Death { date: None }) => resource["deceasedBoolean"] = json!(true),
        None => {}
    }
    entries.push(entry(&patient_uuid, resource));

    for (index, condition) in record.conditions.iter().enumerate() {
        let id = uuid(&[mrn, "Condition", &index.to_string()]);
        let system = match condition.system {
            ConditionCodeSystem::Icd10 => ICD10,
            ConditionCodeSystem::Snomed => SNOMED,
            ConditionCodeSystem::Other => LOCAL_CODES,
        };
        let mut resource = json!({
            "resourceType": "Condition",
            "id": id,
            "subject": subject,
            "code": concept(system, &condition.code, &condition.display),
        });
        if let Some(status) = &condition.clinical_status {
            resource["clinicalStatus"] = json!({ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": status }] });
        }
        if let Some(status) = &condition.verification_status {
            resource["verificationStatus"] = json!({ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": status }] });
        }
        if let Some(onset) = condition.onset {
            resource["onsetDateTime"] = json!(format_date(onset).as_str());
        }
        if let Some(abatement) = condition.abatement {
            resource["abatementDateTime"] = json!(format_date(abatement).as_str());
        }
        entries.push(entry(&id, resource));
    }

    // Drug exposures, each with the line it belongs to.
    for (index, exposure) in record.exposures.iter().enumerate() {
        let id = uuid(&[mrn, "MedicationStatement", &index.to_string()]);
        let mut coding = Vec::new();
        if let Some(code) = &exposure.rxnorm {
            coding.push(json!({ "system": RXNORM, "code": code, "display": exposure.text }));
        }
        if let Some(code) = &exposure.atc {
            coding.push(json!({ "system": ATC, "code": code }));
        }
        let mut period = json!({ "start": clinical_datetime(exposure.start) });
        if let Some(end) = exposure.end {
            period["end"] = json!(clinical_datetime(end));
        }
        let mut extension = Vec::new();
        if let Some(reason) = exposure.stop_reason {
            extension.push(termination(reason));
        }
        for line in record
            .lines
            .iter()
            .filter(|l| l.drugs.iter().any(|d| d.exposure_id == Some(exposure.id)))
        {
            let mut parts = vec![
                json!({ "url": "condition", "valueCode": line.ruleset }),
                json!({ "url": "number", "valueInteger": line.number }),
                json!({ "url": "origin", "valueCode": line.origin.as_str() }),
            ];
            // An extension must have a value: an unnamed regimen is left out, not written empty.
            if !line.regimen.trim().is_empty() {
                parts.insert(2, json!({ "url": "regimen", "valueString": line.regimen }));
            }
            extension.push(json!({ "url": LINE_URL, "extension": parts }));
        }
        let mut resource = json!({
            "resourceType": "MedicationStatement",
            "id": id,
            "status": if exposure.end.is_none() { "active" } else if exposure.stop_reason.is_some_and(|r| r != StopReason::Completed) { "stopped" } else { "completed" },
            "subject": subject,
            "medicationCodeableConcept": { "coding": coding, "text": exposure.text },
            "effectivePeriod": period,
        });
        if !extension.is_empty() {
            resource["extension"] = Value::Array(extension);
        }
        if let Some(reason) = exposure.stop_reason {
            let (code, display) = reason.snomed();
            resource["statusReason"] = json!([concept(SNOMED, code, display)]);
        }
        if let Some(dose) = &exposure.dose {
            resource["dosage"] = json!([{ "doseAndRate": [{ "doseQuantity": { "value": dose.value, "unit": dose.unit } }] }]);
        }
        entries.push(entry(&id, resource));
    }

    for (index, observation) in record.observations.iter().enumerate() {
        let id = uuid(&[mrn, "Observation", &index.to_string()]);
        let system = if observation.code.starts_with("refract:") {
            LOCAL_CODES
        } else {
            LOINC
        };
        let mut resource = json!({
            "resourceType": "Observation",
            "id": id,
            "status": "final",
            "subject": subject,
            "code": concept(system, &observation.code, &observation.display),
            "effectiveDateTime": clinical_datetime(observation.effective),
        });
        if let Some(value) = observation.value {
            resource["valueQuantity"] = json!({ "value": value, "unit": observation.unit });
        } else if let Some(code) = &observation.value_code {
            resource["valueCodeableConcept"] =
                json!({ "coding": [{ "system": SNOMED, "code": code }] });
        }
        if let Some(setting) = observation.setting {
            resource["method"] = json!({ "text": setting.as_str() });
        }
        entries.push(entry(&id, resource));
    }

    // Line outcomes travel as mCODE disease-status observations (FHIR has no line of therapy):
    // an importer derives the lines again and reads their responses from these.
    for (index, line) in record.lines.iter().enumerate() {
        let mut statuses = Vec::new();
        if let (Some(response), Some(day)) = (line.best_response, line.best_response_date) {
            statuses.push((day, disease_status_of(response), response.words()));
        }
        if let Some(day) = line.progression_date {
            statuses.push((
                day,
                (observation_codes::disease_status::WORSENED, "Worsened"),
                "progression",
            ));
        }
        for (position, (day, (code, display), words)) in statuses.into_iter().enumerate() {
            let already = record.observations.iter().any(|o| {
                o.code == observation_codes::DISEASE_STATUS
                    && o.effective.date() == day
                    && o.value_code.as_deref() == Some(code)
            });
            if already {
                continue;
            }
            let id = uuid(&[
                mrn,
                "Observation",
                "line",
                &index.to_string(),
                &position.to_string(),
            ]);
            entries.push(entry(
                &id,
                json!({
                    "resourceType": "Observation",
                    "id": id,
                    "status": "final",
                    "subject": subject,
                    "code": concept(LOINC, observation_codes::DISEASE_STATUS, "Cancer disease status"),
                    "effectiveDateTime": format_date(day).as_str(),
                    "valueCodeableConcept": concept(SNOMED, code, display),
                    "note": [{ "text": format!("{} {}: {words}", line.label(), line.regimen) }],
                }),
            ));
        }
    }

    for (index, procedure) in record.procedures.iter().enumerate() {
        let id = uuid(&[mrn, "Procedure", &index.to_string()]);
        let system = if procedure.code.starts_with("refract:") {
            LOCAL_CODES
        } else {
            SNOMED
        };
        entries.push(entry(
            &id,
            json!({
                "resourceType": "Procedure",
                "id": id,
                "status": "completed",
                "subject": subject,
                "code": concept(system, &procedure.code, &procedure.display),
                "performedDateTime": clinical_datetime(procedure.performed),
            }),
        ));
    }

    for item in &summary.assessments {
        let assessment = &item.assessment;
        let id = uuid(&[mrn, "CarePlan", "assessment", &assessment.ruleset]);
        let mut notes = vec![
            json!({ "text": "Suspected status from published criteria, for clinician review; not a diagnosis." }),
        ];
        if let Some(review) = &item.latest_review
            && item.review != ReviewState::Unreviewed
        {
            notes.push(json!({
                "authorString": review.by,
                "time": utc_instant(review.at),
                "text": format!("{}: {}", review.decision, review.rationale),
            }));
        }
        let supporting: Vec<Value> = assessment
            .evidence
            .iter()
            .filter(|e| e.kind == EvidenceKind::Exposure)
            .filter_map(|e| record.exposures.iter().position(|x| x.id == e.id))
            .map(|position| json!({ "reference": format!("urn:uuid:{}", uuid(&[mrn, "MedicationStatement", &position.to_string()])) }))
            .collect();
        let mut resource = json!({
            "resourceType": "CarePlan",
            "id": id,
            "status": "active",
            "intent": "plan",
            "category": [concept(SNOMED, "312384001", "Multidisciplinary assessment")],
            "title": format!("{}: {} (suspected)", assessment.ruleset, assessment.label),
            "description": assessment.reasons.iter().map(|r| r.trim()).collect::<Vec<_>>().join("\n"),
            "subject": subject,
            "created": format_date(assessment.evaluated_on).as_str(),
            "extension": [{ "url": STATUS_URL, "valueCode": assessment.status.as_str() }],
            "note": notes,
        });
        if !supporting.is_empty() {
            resource["supportingInfo"] = Value::Array(supporting);
        }
        entries.push(entry(&id, resource));
    }
    entries
}

/// Whether the case has an outcome to export.
fn discussed(case: &PatientCase) -> bool {
    case.case.outcome_category.is_some() || !case.case.outcome_text.trim().is_empty()
}

/// MDT outcomes as CarePlans (category 312384001, `intent` plan) and the patient's follow-up
/// tasks as Tasks, each pointing at the CarePlan of the discussion it came from.
fn meeting_entries(summary: &PatientSummary, cases: &[PatientCase]) -> Vec<Value> {
    let Some(patient) = &summary.record.patient else {
        return Vec::new();
    };
    let mrn = patient.mrn.as_str();
    let subject = json!({ "reference": format!("urn:uuid:{}", uuid(&[mrn, "Patient"])) });
    // Named by the meeting and the condition (a patient is on an agenda once per condition), so
    // that the same record exports the same identifiers.
    let plan_uuid = |case: &PatientCase| {
        uuid(&[
            mrn,
            "CarePlan",
            "mdt",
            format_datetime(case.meeting.starts_at).as_str(),
            &case.meeting.title,
            case.case.ruleset.as_deref().unwrap_or(""),
        ])
    };
    let mut entries = Vec::new();
    for item in cases {
        let case = &item.case;
        if !discussed(item) {
            continue;
        }
        let id = plan_uuid(item);
        let mut category = vec![concept(SNOMED, "312384001", "Multidisciplinary assessment")];
        if let Some(machine) = &case.outcome_category {
            category.push(concept(
                OUTCOME_CODES,
                machine,
                &OutcomeCategory::label_of(machine),
            ));
        }
        // A date: a FHIR dateTime with a time needs a zone, and meetings are kept in local time.
        let when = format_date(item.meeting.starts_at.date());
        let mut notes = Vec::new();
        if !case.question.trim().is_empty() {
            notes.push(
                json!({ "time": when.as_str(), "text": format!("Question: {}", case.question.trim()) }),
            );
        }
        notes.push(json!({
            "time": when.as_str(),
            "text": format!("Comes back to the MDT: {}", if case.comes_back { "yes" } else { "no" }),
        }));
        if let Some(reason) = &case.plan_followed_reason {
            notes.push(json!({ "text": format!("Plan followed: {reason}") }));
        }
        let title = match &case.outcome_category {
            Some(machine) => format!("MDT outcome: {}", OutcomeCategory::label_of(machine)),
            None => String::from("MDT outcome"),
        };
        let mut resource = json!({
            "resourceType": "CarePlan",
            "id": id,
            "status": "active",
            "intent": "plan",
            "category": category,
            "title": title,
            "description": case.outcome_text.trim(),
            "subject": subject,
            "created": format_date(item.meeting.starts_at.date()).as_str(),
            "author": { "display": item.meeting.team.as_deref().unwrap_or(&item.meeting.title) },
            "note": notes,
        });
        let mut activity: Vec<Value> = summary
            .tasks
            .iter()
            .filter(|task| task.meeting_case_id == Some(case.id))
            .map(|task| {
                json!({ "reference": {
                    "reference": format!("urn:uuid:{}", uuid(&[mrn, "Task", &task.id.to_string()])),
                } })
            })
            .collect();
        if let Some(option) = &item.chosen_option {
            activity.push(json!({ "detail": { "status": "not-started", "description": option } }));
        }
        if !activity.is_empty() {
            resource["activity"] = Value::Array(activity);
        }
        if let Some(followed) = case.plan_followed {
            let code = match followed {
                PlanFollowed::Yes => "yes",
                PlanFollowed::Partly => "some",
                PlanFollowed::No => "no",
            };
            resource["extension"] = json!([{ "url": PLAN_FOLLOWED_URL, "valueCode": code }]);
        }
        entries.push(entry(&id, resource));
    }
    for task in &summary.tasks {
        let id = uuid(&[mrn, "Task", &task.id.to_string()]);
        let mut resource = json!({
            "resourceType": "Task",
            "id": id,
            "status": match task.status {
                TaskStatus::Open => "requested",
                TaskStatus::Done => "completed",
                TaskStatus::Cancelled => "cancelled",
            },
            "intent": "plan",
            "description": task.what,
            "for": subject,
        });
        if let Some(owner) = &task.owner {
            resource["owner"] = json!({ "display": owner });
        }
        if let Some(due) = task.due {
            resource["restriction"] = json!({ "period": { "end": format_date(due).as_str() } });
        }
        if let Some(plan) = task
            .meeting_case_id
            .and_then(|case_id| cases.iter().find(|c| c.case.id == case_id && discussed(c)))
        {
            resource["basedOn"] = json!([{ "reference": format!("urn:uuid:{}", plan_uuid(plan)) }]);
        }
        entries.push(entry(&id, resource));
    }
    entries
}

/// The way forward of each condition as a CarePlan (one activity per step, referral and
/// option), the re-evaluation checklist as Tasks and the well-being goals as Goals, all pointing
/// at that CarePlan.
fn way_forward_entries(summary: &PatientSummary) -> Vec<Value> {
    use crate::domain::way_forward::STEP_TITLES;
    use crate::domain::{ReferralStatus, Stance, StepStatus};

    let Some(patient) = &summary.record.patient else {
        return Vec::new();
    };
    let mrn = patient.mrn.as_str();
    let subject = json!({ "reference": format!("urn:uuid:{}", uuid(&[mrn, "Patient"])) });
    let mut rulesets: Vec<&str> = summary
        .way_forward
        .iter()
        .map(|s| s.ruleset.as_str())
        .collect();
    rulesets.dedup();
    let mut entries = Vec::new();
    for ruleset in rulesets {
        let plan_id = uuid(&[mrn, "CarePlan", "way-forward", ruleset]);
        let plan_ref = json!({ "reference": format!("urn:uuid:{plan_id}") });
        let steps: Vec<_> = summary
            .way_forward
            .iter()
            .filter(|s| s.ruleset == ruleset)
            .collect();
        let mut activity: Vec<Value> = Vec::new();
        for step in &steps {
            let status = match step.status {
                StepStatus::Todo => "not-started",
                StepStatus::InProgress => "in-progress",
                StepStatus::Done => "completed",
                StepStatus::NotApplicable => "cancelled",
            };
            let title = STEP_TITLES[usize::from(step.step.clamp(1, 4) - 1)];
            let mut detail = json!({
                "code": concept(WAY_FORWARD_CODES, &format!("step-{}", step.step), title),
                "status": status,
            });
            if !step.notes.is_empty() {
                detail["description"] = Value::String(step.notes.clone());
            }
            if let Some(reason) = &step.na_reason {
                detail["statusReason"] = json!({ "text": reason });
            }
            if let Some(owner) = &step.owner {
                detail["performer"] = json!([{ "display": owner }]);
            }
            if let Some(due) = step.due {
                detail["scheduledPeriod"] = json!({ "end": format_date(due).as_str() });
            }
            activity.push(json!({ "detail": detail }));
        }
        for referral in summary.referrals.iter().filter(|r| r.ruleset == ruleset) {
            let status = match referral.status {
                ReferralStatus::Requested => "not-started",
                ReferralStatus::Booked => "scheduled",
                ReferralStatus::Seen => "completed",
                ReferralStatus::Declined => "cancelled",
            };
            let mut detail = json!({
                "kind": "ServiceRequest",
                "code": concept(
                    WAY_FORWARD_CODES,
                    &format!("referral-step-{}", referral.step),
                    &format!("Referral: {}", referral.specialty),
                ),
                "status": status,
            });
            if let Some(to) = &referral.to_whom {
                detail["performer"] = json!([{ "display": to }]);
            }
            if let Some(date) = referral.date {
                detail["scheduledString"] = Value::String(format_date(date).as_str().to_owned());
            }
            activity.push(json!({ "detail": detail }));
        }
        for option in summary.options.iter().filter(|o| o.ruleset == ruleset) {
            let status = match option.stance {
                Stance::Proposed => "not-started",
                Stance::Recommended => "scheduled",
                Stance::Rejected => "cancelled",
            };
            let name = match &option.registry_id {
                Some(registry) => format!("Clinical trial {registry}: {}", option.name),
                None => option.name.clone(),
            };
            let mut extension = vec![
                json!({ "url": STANCE_URL, "valueCode": option.stance.as_str() }),
                json!({ "url": format!("{STANCE_URL}-preference"), "valueCode": option.preference.as_str() }),
            ];
            if let Some(trial) = option.trial_status {
                extension.push(json!({ "url": format!("{STANCE_URL}-trial-status"), "valueCode": trial.as_str() }));
            }
            let mut detail = json!({
                "code": concept(WAY_FORWARD_CODES, &format!("option-{}", option.kind), &name),
                "status": status,
                "extension": extension,
            });
            if let Some(reason) = &option.stance_reason {
                detail["statusReason"] = json!({ "text": reason });
            }
            let mut notes = Vec::new();
            if let Some(source) = &option.source {
                notes.push(format!("Source: {source}"));
            }
            if !option.notes.is_empty() {
                notes.push(option.notes.clone());
            }
            if !notes.is_empty() {
                detail["description"] = Value::String(notes.join("\n"));
            }
            activity.push(json!({ "detail": detail }));
        }
        let goals: Vec<_> = summary
            .goals
            .iter()
            .filter(|g| g.ruleset == ruleset)
            .collect();
        let goal_refs: Vec<Value> = goals
            .iter()
            .map(|g| json!({ "reference": format!("urn:uuid:{}", uuid(&[mrn, "Goal", &g.id.to_string()])) }))
            .collect();
        let all_closed = steps.len() == 4 && steps.iter().all(|s| s.status.is_closed());
        let mut plan = json!({
            "resourceType": "CarePlan",
            "id": plan_id,
            "status": if all_closed { "completed" } else { "active" },
            "intent": "plan",
            "category": [concept(WAY_FORWARD_CODES, "way-forward", "Way forward for a refractory condition")],
            "title": format!("{ruleset}: way forward"),
            "subject": subject,
            "activity": activity,
        });
        if !goal_refs.is_empty() {
            plan["goal"] = Value::Array(goal_refs);
        }
        entries.push(entry(&plan_id, plan));
        for item in summary.checklist.iter().filter(|c| c.ruleset == ruleset) {
            let id = uuid(&[mrn, "Task", "checklist", &item.id.to_string()]);
            let mut task = json!({
                "resourceType": "Task",
                "id": id,
                "status": if item.done { "completed" } else { "requested" },
                "intent": "plan",
                "code": concept(WAY_FORWARD_CODES, &format!("check-{}", item.key), &item.text),
                "description": item.text,
                "for": subject,
                "basedOn": [plan_ref],
            });
            if let Some(detail) = &item.detail {
                task["note"] = json!([{ "text": detail }]);
            }
            entries.push(entry(&id, task));
        }
        for goal in goals {
            let id = uuid(&[mrn, "Goal", &goal.id.to_string()]);
            let mut resource = json!({
                "resourceType": "Goal",
                "id": id,
                "lifecycleStatus": if goal.achieved { "completed" } else { "active" },
                "achievementStatus": concept(
                    "http://terminology.hl7.org/CodeSystem/goal-achievement",
                    if goal.achieved { "achieved" } else { "in-progress" },
                    if goal.achieved { "Achieved" } else { "In Progress" },
                ),
                "description": { "text": goal.description },
                "subject": subject,
            });
            if let Some(due) = goal.due {
                resource["target"] = json!([{ "dueDate": format_date(due).as_str() }]);
            }
            entries.push(entry(&id, resource));
        }
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::uuid;

    /// RFC 9562 reserves version 5 for SHA-1 names: a SHA-256-derived id is version 8.
    #[test]
    fn resource_ids_are_stable_version_8_uuids() {
        let id = uuid(&["RF-0000001", "Patient"]);
        assert_eq!(
            id,
            uuid(&["RF-0000001", "Patient"]),
            "the same resource, the same id"
        );
        assert_ne!(id, uuid(&["RF-0000001", "Condition", "0"]));
        let parsed = ::uuid::Uuid::parse_str(&id).expect("a UUID");
        assert_eq!(parsed.get_version_num(), 8);
        assert_eq!(parsed.get_variant(), ::uuid::Variant::RFC4122);
        assert_eq!(id.len(), 36);
    }
}
