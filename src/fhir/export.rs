//! Export as a FHIR R4 collection bundle, one patient at a time (the bundle is streamed, so
//! exporting a million patients needs no more memory than one).
//!
//! Drug exposures are MedicationStatements with the mCODE terminationReason extension and,
//! when they belong to a treatment line, the line's number and regimen; the lines the team
//! entered are CarePlans of their own, and what FHIR has no element for is in refract's own
//! extensions, so that the export reads back as the same record (see `carried` for each
//! choice). Assessments are CarePlans of category SNOMED CT 312384001 "Multidisciplinary
//! assessment", with the team's review as a note. MDT outcomes are CarePlans of the same
//! category (as the ICHOM treatment plan profile records an MDT recommendation), and
//! follow-up tasks are Task resources. A drug the patient reacted to is an AllergyIntolerance
//! of category medication, as it was read.

use std::io::Write;

use chrono::{NaiveDateTime, NaiveTime};
use sha2::{Digest, Sha256};

use crate::domain::identifier_systems::{self, IdentifierType, PatientIdentifier};
use crate::domain::{
    BpSetting, Comparator, ConditionCodeSystem, DatesKnown, Death, DrugExposure, EvidenceKind,
    LineOrigin, OutcomeCategory, PlanFollowed, ReviewState, StopReason, TaskStatus, TreatmentLine,
    observation_codes,
};
use crate::store::imports::{RecordOrigin, RecordOrigins, ShownMrn};
use crate::store::{PatientCase, PatientSummary, Store, StoreError, format_date, format_datetime};

use super::carried::{
    CYCLES_URL, DATES_URL, DOSE_FROM_URL, GIVEN_AS_COURSE, GIVEN_AS_DOSES, GIVEN_AS_URL,
    GIVEN_UNTIL_URL, LINE_CATEGORY, LINE_CODES, LINE_OUTCOME_TAG, LINE_URL, ORIGIN_URL, ROLE_URL,
    STOP_REASON_CODES,
};
use super::wire_out::{
    Activity, ActivityDetail, AllergyIntolerance, AllergyReaction, Annotation, CarePlan, CareTeam,
    CodeableConcept, Coding, Condition, Display, Dosage, DoseAndRate, Entry, Extension, Goal,
    GoalTarget, HumanName, Identifier, MedicationStatement, Meta, NonBlank, Observation,
    ObservationRange, Patient, Period, Procedure, Quantity, Ratio, Reference, Resource,
    Restriction, Task, Text, Timing, TimingRepeat,
};

/// Extension URLs: mCODE's termination reason, and refract's own for what FHIR lacks.
pub const TERMINATION_REASON_URL: &str =
    "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-treatment-termination-reason";
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
/// The category text of a result kept out of blood pressure by its category: the import reads
/// "imaging" and "procedure" in it as it reads those categories.
const NOT_VITAL_SIGNS_CATEGORY: &str = "Imaging, procedure or another category than vital signs";
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

/// Where a record came from, as refract's `origin` extension (see `carried::ORIGIN_URL`): the
/// source (left out for the unnamed local source), the id there and, for a record, the
/// Patient id it was filed under there.
fn origin_parts(source: &str, id: &str, subject: Option<&str>) -> Extension {
    let part = |url: &str, value: &str| {
        NonBlank::new(value).map(|value| Extension {
            url: url.to_owned(),
            value_string: Some(value),
            ..Extension::default()
        })
    };
    Extension {
        url: ORIGIN_URL.to_owned(),
        parts: [
            part("source", source),
            part("id", id),
            subject.and_then(|subject| part("subject", subject)),
        ]
        .into_iter()
        .flatten()
        .collect(),
        ..Extension::default()
    }
}

/// A record's `origin`, when it stands for one resource of a source or a part of one (see
/// [`RecordOrigins`]), written on a resource of type `written_as`: the type there when it is
/// another (a report's reading written as an Observation), and the part (review OC-11).
fn origin_extension(origin: Option<&RecordOrigin>, written_as: &str) -> Vec<Extension> {
    origin
        .map(|origin| {
            let mut extension = origin_parts(&origin.source, &origin.id, Some(&origin.subject));
            if origin.resource_type != written_as
                && let Some(kind) = NonBlank::new(&origin.resource_type)
            {
                extension.parts.push(Extension {
                    url: "type".to_owned(),
                    value_code: Some(kind),
                    ..Extension::default()
                });
            }
            if let Some(part) = origin.part.and_then(|part| u32::try_from(part).ok()) {
                extension.parts.push(Extension {
                    url: "part".to_owned(),
                    value_integer: Some(part),
                    ..Extension::default()
                });
            }
            extension
        })
        .into_iter()
        .collect()
}

/// The CareTeam that names the team shown, when exactly one current one does (review OC-13):
/// a file made from the export then holds it under that source's id, which the source's
/// withdrawal of it finds.
fn naming_team<'a>(origins: &'a RecordOrigins, shown: &str) -> Option<&'a RecordOrigin> {
    let mut naming = origins
        .teams
        .iter()
        .filter(|(_, body)| {
            matches!(
                serde_json::from_str::<super::Item>(body),
                Ok(super::Item::Team(team)) if !team.withdrawn && team.name == shown
            )
        })
        .map(|(origin, _)| origin);
    match (naming.next(), naming.next()) {
        (Some(origin), None) => Some(origin),
        _ => None,
    }
}

/// When a carried record was written at its source (its `meta.lastUpdated` there), so that a
/// file made from the export never takes this copy for newer than what the source sends later,
/// nor a later copy of the export for newer than the source's own update.
fn written_at(origin: Option<&RecordOrigin>) -> Option<Meta> {
    origin
        .and_then(|origin| origin.last_updated.clone())
        .map(|at| Meta {
            last_updated: Some(at),
            tag: Vec::new(),
        })
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
    let io = StoreError::Write;
    // `meta.source` says which file made the bundle: its import back into that file is refused.
    let own_system = store.own_mrn_system()?;
    write!(
        out,
        "{{\"resourceType\":\"Bundle\",\"meta\":{{\"source\":{}}},\"type\":\"collection\",\"timestamp\":\"{}\",\"entry\":[",
        serde_json::to_string(&own_system)?,
        utc_instant(crate::store::now_utc())
    )
    .map_err(io)?;
    let mut first = true;
    // Only to name the system of a reaction's drug codes: a code the built-in book does not
    // know is written without one, which R4 allows. The book is built in, so this never fails.
    let book = crate::rules::DrugBook::embedded().ok();
    for id in ids {
        let mut summary = store.summary(id)?;
        let identifiers = match summary.record.patient.as_ref() {
            Some(patient) => written_identifiers(
                patient,
                &own_system,
                store.patient_identifiers(id)?,
                store.shown_mrn(id)?,
            ),
            None => Vec::new(),
        };
        // refract's own numbers (no system) are this file's: written under its system, so
        // that two files' RF-0000001 stay two people (see `Store::own_mrn_system`).
        if let Some(patient) = summary
            .record
            .patient
            .as_mut()
            .filter(|patient| patient.mrn_system.is_empty())
        {
            patient.mrn_system.clone_from(&own_system);
        }
        let cases = store.cases_of_patient(id)?;
        let key = match summary.record.patient.as_ref() {
            Some(patient) => resource_key(patient, store.same_mrn_apart(id)?),
            None => String::new(),
        };
        let origins = store.record_origins(id)?;
        let mut entries = patient_entries(&summary, &key, identifiers, &origins);
        if summary.record.patient.is_some() {
            entries.extend(reaction_entries(
                &summary.record,
                &key,
                book.as_ref(),
                &origins,
            ));
        }
        entries.extend(meeting_entries(&summary, &key, &cases));
        entries.extend(way_forward_entries(&summary, &key));
        for entry in entries {
            // In the structs' order: `resourceType` first and `id` next, as FHIR's JSON
            // writes them, so that a reader learns what each resource is before its body
            // (refract's import stops reading a resource's head there).
            if !first {
                out.write_all(b",").map_err(io)?;
            }
            first = false;
            // A failed write is the destination's (a closed pipe, a full disk), not the JSON's.
            serde_json::to_writer(&mut *out, &entry).map_err(|err| {
                if err.is_io() {
                    StoreError::Write(err.into())
                } else {
                    err.into()
                }
            })?;
        }
    }
    out.write_all(b"]}\n").map_err(io)?;
    Ok(())
}

/// The patient's drug reactions, each an R4 AllergyIntolerance of category medication that
/// imports back as the same reaction (see `parse::map_reaction`): the substance as the code's
/// text, each stored reaction ("; "-joined, a trailing "(severe)" its severity) as one
/// `reaction` whose manifestation is its words.
fn reaction_entries(
    record: &crate::domain::PatientRecord,
    key: &str,
    book: Option<&crate::rules::DrugBook>,
    origins: &RecordOrigins,
) -> Vec<Entry> {
    let subject = reference(&uuid(&[key, "Patient"]));
    let mut entries = Vec::new();
    for (index, reaction) in record.reactions.iter().enumerate() {
        let id = uuid(&[key, "AllergyIntolerance", &index.to_string()]);
        // Resolved ones are never kept; one kept with no status stated is read as current,
        // and R4 (ait-1) requires one.
        let clinical = match reaction.clinical_status.as_deref() {
            Some("inactive") => "inactive",
            _ => "active",
        };
        // R4's codes; R5's "presumed" is a kind of R4's "unconfirmed".
        let verification = match reaction.verification_status.as_deref() {
            Some("confirmed") => Some("confirmed"),
            Some("unconfirmed" | "presumed") => Some("unconfirmed"),
            _ => None,
        };
        let resource = AllergyIntolerance {
            id: id.clone(),
            meta: written_at(origins.reactions.get(&reaction.id)),
            extension: origin_extension(origins.reactions.get(&reaction.id), "AllergyIntolerance"),
            clinical_status: bare_code(
                "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                clinical,
            ),
            verification_status: verification.map(|code| {
                bare_code(
                    "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
                    code,
                )
            }),
            kind: match reaction.kind.as_deref() {
                Some("allergy") => Some("allergy"),
                Some("intolerance") => Some("intolerance"),
                _ => None,
            },
            category: vec!["medication"],
            criticality: match reaction.criticality.as_deref() {
                Some("low") => Some("low"),
                Some("high") => Some("high"),
                Some("unable-to-assess") => Some("unable-to-assess"),
                _ => None,
            },
            code: CodeableConcept {
                coding: reaction
                    .codes
                    .iter()
                    .map(|code| Coding {
                        system: drug_code_system(code, book).into(),
                        code: NonBlank::new(code.as_str()),
                        display: None,
                    })
                    .collect(),
                text: NonBlank::new(reaction.substance.as_str()),
            },
            patient: subject.clone(),
            onset_date_time: reaction
                .onset
                .map(|day| format_date(day).as_str().to_owned()),
            reaction: reaction
                .reaction
                .split("; ")
                .filter_map(reaction_of)
                .collect(),
        };
        entries.push(entry(&id, Resource::AllergyIntolerance(resource)));
    }
    entries
}

/// One stored reaction ("Agranulocytosis (severe)") as R4's: its words the manifestation, a
/// trailing R4 severity its severity.
fn reaction_of(said: &str) -> Option<AllergyReaction> {
    let said = said.trim();
    let (words, severity) = ["mild", "moderate", "severe"]
        .into_iter()
        .find_map(|severity| {
            let words = said.strip_suffix(&format!(" ({severity})"))?;
            Some((words, Some(severity)))
        })
        .unwrap_or((said, None));
    Some(AllergyReaction {
        manifestation: vec![CodeableConcept {
            coding: Vec::new(),
            text: Some(NonBlank::new(words)?),
        }],
        severity,
    })
}

/// The system of a drug code a reaction kept (stored without one): WHO ATC by its shape
/// (a letter, two digits, then up to two letters and two digits), RxNorm when the drug book
/// gives it as an ingredient's RxNorm code, else none.
fn drug_code_system(code: &str, book: Option<&crate::rules::DrugBook>) -> &'static str {
    let bytes = code.as_bytes();
    let atc = matches!(bytes.len(), 3 | 4 | 5 | 7)
        && bytes.iter().enumerate().all(|(at, byte)| match at {
            1 | 2 | 5 | 6 => byte.is_ascii_digit(),
            _ => byte.is_ascii_uppercase(),
        });
    if atc {
        return ATC;
    }
    let rxnorm = book.is_some_and(|book| {
        book.drugs()
            .iter()
            .any(|drug| drug.rxnorm.as_deref() == Some(code))
    });
    if rxnorm { RXNORM } else { "" }
}

/// The start of a procedure done over a period, as precise as it is known: a window of a
/// calendar month or year as that partial date ("2025-05", read back as the same window), none
/// when not known; another window (an age) by its first day, the one form a period's start
/// can take.
fn period_start(procedure: &crate::domain::Procedure) -> Option<String> {
    use chrono::Datelike;
    let (first, last) = procedure.window()?;
    if first == last {
        return Some(clinical_datetime_in(
            procedure.performed,
            procedure.utc_offset_minutes,
        ));
    }
    let month_end = first
        .checked_add_months(chrono::Months::new(1))
        .and_then(|next| next.pred_opt());
    if first.day() == 1 && month_end == Some(last) {
        return Some(first.format("%Y-%m").to_string());
    }
    if first.ordinal() == 1 && last.year() == first.year() && last.month() == 12 && last.day() == 31
    {
        return Some(first.format("%Y").to_string());
    }
    Some(format_date(first).as_str().to_owned())
}

/// A FHIR `dateTime` of a clinical time, which refract keeps in UTC when the source gave an
/// offset (see [`super::parse_datetime`]): written with `Z`, as R4 requires a zone with a time
/// ("2020-02-09T10:00:00" is not a dateTime), so it reads back as the same instant. Never with
/// this machine's zone: the stored time is no local time. A time read from a date alone
/// (midnight) is written as that date, which is all that is known; a time at exactly midnight
/// UTC is written the same way (the store does not tell the two apart) and reads back as the
/// same stored time.
pub fn clinical_datetime(at: NaiveDateTime) -> String {
    if at.time() == NaiveTime::MIN {
        return format_date(at.date()).as_str().to_owned();
    }
    utc_instant(at)
}

/// A clinical time as [`clinical_datetime`] writes it, but in the offset from UTC the record
/// wrote it in (`utc_offset_minutes`, RFC 3339: "2026-03-01T23:30:00-05:00"), so that a
/// reader, refract's import too, finds the same instant and the same local day (the day a
/// visit or a session is counted on). With no offset kept, as [`clinical_datetime`]; with one,
/// never a date alone, even at midnight: it was a time.
pub fn clinical_datetime_in(at: NaiveDateTime, utc_offset_minutes: Option<i32>) -> String {
    let Some(minutes) = utc_offset_minutes.filter(|minutes| *minutes != 0) else {
        return clinical_datetime(at);
    };
    let local = crate::domain::local_time(at, Some(minutes));
    let sign = if minutes < 0 { '-' } else { '+' };
    let (hours, rest) = (minutes.unsigned_abs() / 60, minutes.unsigned_abs() % 60);
    format!(
        "{}{sign}{hours:02}:{rest:02}",
        format_datetime(local).as_str().replace(' ', "T")
    )
}

/// An observation's `effective` as the record gave it: a month or a year alone ("2024-05") as
/// such, never its first day.
fn effective_text(observation: &crate::domain::Observation) -> String {
    if observation.effective_precision.is_day() {
        clinical_datetime_in(observation.effective, observation.utc_offset_minutes)
    } else {
        observation.day_text()
    }
}

/// A time refract keeps in UTC (the bundle's timestamp, a review) as a FHIR `instant`.
fn utc_instant(at: NaiveDateTime) -> String {
    format!("{}Z", format_datetime(at).as_str().replace(' ', "T"))
}

fn entry(full_url: &str, resource: Resource) -> Entry {
    Entry {
        full_url: format!("urn:uuid:{full_url}"),
        resource,
    }
}

/// A reference to the resource of `uuid` inside the bundle.
fn reference(uuid: &str) -> Reference {
    Reference {
        reference: format!("urn:uuid:{uuid}"),
    }
}

fn concept(
    system: impl Into<std::borrow::Cow<'static, str>>,
    code: &str,
    display: &str,
) -> CodeableConcept {
    CodeableConcept {
        coding: vec![Coding {
            system: system.into(),
            code: NonBlank::new(code),
            display: NonBlank::new(display),
        }],
        text: NonBlank::new(display),
    }
}

/// A procedure's concept: every coding its record gave, each with its own display, and the
/// words it is shown by as the text (so that a re-import reads the same words and the same
/// codes, and every code a rule set knows is still there); one coding, `system`, when it had one.
fn procedure_concept(
    procedure: &crate::domain::Procedure,
    system: std::borrow::Cow<'static, str>,
) -> CodeableConcept {
    if procedure.codings.is_empty() {
        return concept(system, &procedure.code, &procedure.display);
    }
    every_coding(&procedure.codings, &procedure.display)
}

/// A diagnosis's concept: every coding its record gave (each with its own system and display:
/// an ICD-10-CM code stays ICD-10-CM), the words it is shown by as the text, so that a
/// re-import reads the same words, the same codes and the same one to show it by; one coding,
/// `system`, when it had one.
fn condition_concept(
    condition: &crate::domain::Condition,
    system: &'static str,
) -> CodeableConcept {
    if condition.codings.is_empty() {
        return concept(system, &condition.code, &condition.display);
    }
    every_coding(&condition.codings, &condition.display)
}

fn every_coding(codings: &[crate::domain::Coding], text: &str) -> CodeableConcept {
    CodeableConcept {
        coding: codings
            .iter()
            .map(|c| Coding {
                system: c.system.clone().into(),
                code: NonBlank::new(c.code.as_str()),
                display: NonBlank::new(c.display.as_str()),
            })
            .collect(),
        text: NonBlank::new(text),
    }
}

/// A concept of a code alone (a status), with no display.
/// HL7's code systems of a result's flag and of what a reference range means.
const OBSERVATION_INTERPRETATION: &str =
    "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
const RANGE_MEANING: &str = "http://terminology.hl7.org/CodeSystem/referencerange-meaning";

/// A lab's range as it gave it: what it means as HL7's code where it is one (a code is
/// lowercase letters and hyphens), else in words, and whom it applies to in words; read back
/// the same (see `parse::reference_ranges`).
fn range_out(range: &crate::domain::ReferenceRange) -> ObservationRange {
    let coded = !range.kind.is_empty()
        && range
            .kind
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '-');
    ObservationRange {
        low: range
            .low
            .map(|low| Quantity::of(low, None, range.unit.as_deref())),
        high: range
            .high
            .map(|high| Quantity::of(high, None, range.unit.as_deref())),
        kind: if coded {
            Some(bare_code(RANGE_MEANING, &range.kind))
        } else {
            NonBlank::new(range.kind.as_str()).map(|words| CodeableConcept {
                coding: Vec::new(),
                text: Some(words),
            })
        },
        applies_to: NonBlank::new(range.applies_to.as_str())
            .map(|words| CodeableConcept {
                coding: Vec::new(),
                text: Some(words),
            })
            .into_iter()
            .collect(),
        text: NonBlank::new(range.text.as_str()),
    }
}

fn bare_code(system: &'static str, code: &str) -> CodeableConcept {
    CodeableConcept {
        coding: vec![Coding {
            system: system.into(),
            code: NonBlank::new(code),
            display: None,
        }],
        text: None,
    }
}

/// An extension whose value is a code.
fn code_extension(url: impl Into<String>, code: &str) -> Extension {
    Extension {
        url: url.into(),
        value_code: NonBlank::new(code),
        ..Extension::default()
    }
}

/// A concept of free text; none for blank text.
fn text(text: impl Into<String>) -> Option<Text> {
    NonBlank::new(text).map(|text| Text { text })
}

/// A reference by name; none for a blank name.
fn display(display: impl Into<String>) -> Option<Display> {
    NonBlank::new(display).map(|display| Display { display })
}

/// A note; none for blank text.
fn note(text: impl Into<String>) -> Option<Annotation> {
    NonBlank::new(text).map(|text| Annotation {
        author_string: None,
        time: None,
        text,
    })
}

/// A stop reason as a concept: refract's own code first (the import reads the first code it
/// knows, so a team's vocabulary cannot make it another reason), then the SNOMED CT code that
/// `assets/stop_reasons.toml` reads back as the same reason, for other readers.
fn stop_reason_concept(reason: StopReason) -> CodeableConcept {
    let (code, display) = reason.snomed();
    CodeableConcept {
        coding: vec![
            Coding {
                system: STOP_REASON_CODES.into(),
                code: NonBlank::new(reason.as_str()),
                display: NonBlank::new(reason.words()),
            },
            Coding {
                system: SNOMED.into(),
                code: NonBlank::new(code),
                display: NonBlank::new(display),
            },
        ],
        text: NonBlank::new(display),
    }
}

/// Why a drug was stopped: its reason (with the record's own words as the text, when it kept
/// them), or the words nothing understood, as written (text alone: read back, they are the
/// same words, not understood again).
fn stop_of(exposure: &DrugExposure) -> Option<CodeableConcept> {
    if exposure.is_on_hold() {
        // The hold's reason alone: the status says it is on hold, and reads back so.
        let words = exposure
            .stop_text
            .as_deref()
            .and_then(|text| text.strip_prefix(crate::domain::ON_HOLD_WORDS))
            .and_then(|rest| rest.strip_prefix(": "))?;
        return NonBlank::new(words).map(|text| CodeableConcept {
            coding: Vec::new(),
            text: Some(text),
        });
    }
    match (exposure.stop_reason, &exposure.stop_text) {
        (Some(reason), Some(words)) => {
            let mut concept = stop_reason_concept(reason);
            if let Some(words) = NonBlank::new(words.as_str()) {
                concept.text = Some(words);
            }
            Some(concept)
        }
        (Some(reason), None) => Some(stop_reason_concept(reason)),
        (None, Some(words)) => NonBlank::new(words.as_str()).map(|text| CodeableConcept {
            coding: Vec::new(),
            text: Some(text),
        }),
        (None, None) => None,
    }
}

fn termination(reason: CodeableConcept) -> Extension {
    Extension {
        url: TERMINATION_REASON_URL.to_owned(),
        value_codeable_concept: Some(reason),
        ..Extension::default()
    }
}

/// Whether a line is exported as a CarePlan of its own: one the team entered or corrected (or
/// that another file's team did). A derived line is derived again by whoever imports the
/// drugs.
fn carried_line(line: &TreatmentLine) -> bool {
    line.origin != LineOrigin::Derived
}

/// The id of a carried line's CarePlan: by what the line is, not by its row, so that one
/// record exports the same ids every time.
fn line_uuid(mrn: &str, line: &TreatmentLine) -> String {
    uuid(&[
        mrn,
        "CarePlan",
        "line",
        &line.ruleset,
        &line.number.to_string(),
        format_date(line.start).as_str(),
    ])
}

/// What names a line, on each of its drugs' statements: its condition, number, regimen and
/// origin.
fn line_naming(line: &TreatmentLine) -> Vec<Extension> {
    let mut parts = vec![
        code_extension("condition", &line.ruleset),
        Extension {
            url: String::from("number"),
            value_integer: Some(line.number),
            ..Extension::default()
        },
    ];
    // An extension must have a value: an unnamed regimen is left out, not written empty.
    if let Some(regimen) = NonBlank::new(line.regimen.as_str()) {
        parts.push(Extension {
            url: String::from("regimen"),
            value_string: Some(regimen),
            ..Extension::default()
        });
    }
    parts.push(code_extension("origin", line.origin.as_str()));
    parts
}

/// A date part of a complex extension.
fn date_part(url: &str, day: chrono::NaiveDate) -> Extension {
    Extension {
        url: url.to_owned(),
        value_date: Some(format_date(day).as_str().to_owned()),
        ..Extension::default()
    }
}

/// A line the team entered as a CarePlan (see `carried`): `statements` are the ids of the
/// statements of its drugs, in the order of its drugs (`None` for a drug with no record).
fn line_plan(
    line: &TreatmentLine,
    id: &str,
    statements: &[Option<String>],
    subject: &Reference,
) -> CarePlan {
    let mut parts = line_naming(line);
    if let Some(intent) = line.intent {
        parts.push(code_extension("intent", intent.as_str()));
    }
    if let Some(cycles) = line.cycles {
        parts.push(Extension {
            url: String::from("cycles"),
            value_integer: Some(cycles),
            ..Extension::default()
        });
    }
    if let Some(response) = line.best_response {
        parts.push(code_extension("bestResponse", response.as_str()));
    }
    if let Some(day) = line.best_response_date {
        parts.push(date_part("bestResponseDate", day));
    }
    if let Some(day) = line.progression_date {
        parts.push(date_part("progressionDate", day));
    }
    if let Some(reason) = line.stop_reason {
        parts.push(code_extension("stopReason", reason.as_str()));
    }
    if let Some(cut) = line.cut_reason.as_deref().and_then(NonBlank::new) {
        parts.push(Extension {
            url: String::from("cutReason"),
            value_string: Some(cut),
            ..Extension::default()
        });
    }
    for (drug, statement) in line.drugs.iter().zip(statements) {
        let Some(ingredient) = NonBlank::new(drug.ingredient.as_str()) else {
            continue;
        };
        let mut drug_parts = vec![Extension {
            url: String::from("ingredient"),
            value_string: Some(ingredient),
            ..Extension::default()
        }];
        if let Some(dose) = &drug.dose {
            drug_parts.push(Extension {
                url: String::from("dose"),
                value_quantity: Some(Quantity {
                    value: dose.value,
                    comparator: None,
                    unit: NonBlank::new(dose.unit.as_str()),
                    system: None,
                    code: None,
                }),
                ..Extension::default()
            });
        }
        if let Some(statement) = statement {
            drug_parts.push(Extension {
                url: String::from("exposure"),
                value_reference: Some(reference(statement)),
                ..Extension::default()
            });
        }
        parts.push(Extension {
            url: String::from("drug"),
            parts: drug_parts,
            ..Extension::default()
        });
    }
    let mut extension = vec![Extension {
        url: LINE_URL.to_owned(),
        parts,
        ..Extension::default()
    }];
    if let Some(reason) = line.stop_reason {
        extension.push(termination(stop_reason_concept(reason)));
    }
    // What the line says, for a person reading the plan elsewhere.
    let mut said = Vec::new();
    if let Some(cycles) = line.cycles_words() {
        said.push(cycles);
    }
    if let Some(response) = line.best_response {
        said.push(match line.best_response_date {
            Some(day) => format!("best response: {} (assessed by {day})", response.words()),
            None => format!("best response: {}", response.words()),
        });
    }
    if let Some(day) = line.progression_date {
        said.push(format!("progression on {day}"));
    }
    if let Some(reason) = line.stop_reason {
        said.push(format!("stopped: {}", reason.words()));
    }
    CarePlan {
        id: id.to_owned(),
        extension,
        // Stopped before its end for a reason other than completion: revoked, in R4's words
        // ("terminated prior to reaching completion").
        status: match (line.end, line.stop_reason) {
            (None, _) => "active",
            (Some(_), Some(reason)) if reason != StopReason::Completed => "revoked",
            (Some(_), _) => "completed",
        },
        intent: "plan",
        category: vec![concept(LINE_CODES, LINE_CATEGORY, "Line of therapy")],
        title: format!("{}: {} {}", line.ruleset, line.label(), line.regimen)
            .trim_end()
            .to_owned(),
        description: NonBlank::new(said.join("; ")),
        subject: subject.clone(),
        period: Some(Period {
            start: Some(format_date(line.start).as_str().to_owned()),
            end: line.end.map(|end| format_date(end).as_str().to_owned()),
        }),
        created: None,
        author: None,
        goal: Vec::new(),
        supporting_info: Vec::new(),
        activity: Vec::new(),
        note: Vec::new(),
    }
}

/// What names a patient in the ids of their exported resources: the MRN with its system, so
/// that two people given the same number by two hospitals get different resources (an import
/// keys resources by their ids). refract's own MRNs come here with the file's own system (see
/// `write_bundle`); a bare MRN is the MRN alone.
fn identity_key(patient: &crate::domain::Patient) -> String {
    if patient.mrn_system.is_empty() {
        patient.mrn.clone()
    } else {
        format!("{}|{}", patient.mrn_system, patient.mrn)
    }
}

/// The base of a patient's resource ids: [`identity_key`], unless another patient shows the
/// same number (a member number a parent and a child share, a value two people carry): then
/// `apart`, what tells this patient from them (see `Store::same_mrn_apart`), is added, so that
/// two people's resources never get one id (read back, one id is one resource, and one
/// Patient id one person). The ids of a patient whose number is theirs alone do not change.
fn resource_key(patient: &crate::domain::Patient, apart: Option<String>) -> String {
    let key = identity_key(patient);
    match apart {
        Some(apart) => format!("{key}#{apart}"),
        None => key,
    }
}

/// The identifiers a patient's exported Patient carries: the MRN first, then every other
/// identifier the patient is matched on, each with the `use` and `type` its source wrote (none
/// where it wrote none: a type is never made up), so that a file made from the export is
/// matched by the sources' next feeds (one patient, not two) and on nothing else.
///
/// The MRN: refract's own (the demo, a person's entry) is this file's medical record number,
/// under the file's own system. An imported patient's, when they are matched on it, is written
/// as its identifier is held: a value its source wrote with no system stays under that
/// source's unscoped system, which the source's next feed (again with no system) is matched on.
/// One they are not matched on (a member number a parent and a child share, a value two people
/// were found to carry, an old number) is written as its source wrote it, with refract's mark
/// that it names no one person (`identifier_systems::MATCH_URL`): read back, it is no key, and
/// two such patients stay two.
fn written_identifiers(
    patient: &crate::domain::Patient,
    own_system: &str,
    held: Vec<PatientIdentifier>,
    shown_mrn: ShownMrn,
) -> Vec<Identifier> {
    // A value written with no system is kept under its source's unscoped system.
    let is_mrn = |identifier: &PatientIdentifier| {
        identifier.value == patient.mrn
            && (identifier.system == patient.mrn_system
                || (patient.mrn_system.is_empty()
                    && identifier.system.starts_with("urn:refract:unscoped:")))
    };
    let (mrn, others): (Vec<PatientIdentifier>, Vec<PatientIdentifier>) =
        held.into_iter().partition(|identifier| is_mrn(identifier));
    let written = |identifier: &PatientIdentifier| identifier_type(identifier.kind.as_ref());
    let shown = match mrn.into_iter().next() {
        Some(held) => Identifier {
            extension: Vec::new(),
            usage: held.usage.clone().and_then(NonBlank::new),
            kind: written(&held),
            // Whose number it is: two hospitals can give two people the same value, and an
            // import tells them apart by (system, value) only.
            system: NonBlank::new(held.system.as_str()),
            value: NonBlank::new(patient.mrn.as_str()),
        },
        None if !shown_mrn.imported => Identifier {
            extension: Vec::new(),
            usage: None,
            kind: Some(bare_code(
                "http://terminology.hl7.org/CodeSystem/v2-0203",
                "MR",
            )),
            system: NonBlank::new(if patient.mrn_system.is_empty() {
                own_system
            } else {
                patient.mrn_system.as_str()
            }),
            value: NonBlank::new(patient.mrn.as_str()),
        },
        None => Identifier {
            extension: vec![code_extension(
                identifier_systems::MATCH_URL,
                identifier_systems::NEVER_MATCHED,
            )],
            usage: shown_mrn.usage.and_then(NonBlank::new),
            kind: identifier_type(shown_mrn.kind.as_ref()),
            system: NonBlank::new(patient.mrn_system.as_str()),
            value: NonBlank::new(patient.mrn.as_str()),
        },
    };
    let mut identifiers = vec![shown];
    identifiers.extend(others.iter().map(|identifier| Identifier {
        extension: Vec::new(),
        usage: identifier.usage.clone().and_then(NonBlank::new),
        kind: written(identifier),
        system: NonBlank::new(identifier.system.as_str()),
        value: NonBlank::new(identifier.value.as_str()),
    }));
    identifiers
}

/// An identifier's type as its source wrote it, when it said one.
fn identifier_type(kind: Option<&IdentifierType>) -> Option<CodeableConcept> {
    let kind = kind?;
    let concept = CodeableConcept {
        coding: kind
            .coding
            .iter()
            .map(|coding| Coding {
                system: coding.system.clone().unwrap_or_default().into(),
                code: coding.code.clone().and_then(NonBlank::new),
                display: coding.display.clone().and_then(NonBlank::new),
            })
            .collect(),
        text: kind.text.clone().and_then(NonBlank::new),
    };
    (!concept.is_empty()).then_some(concept)
}

fn patient_entries(
    summary: &PatientSummary,
    key: &str,
    identifiers: Vec<Identifier>,
    origins: &RecordOrigins,
) -> Vec<Entry> {
    let record = &summary.record;
    let Some(patient) = &record.patient else {
        return Vec::new();
    };
    // The base of every id this patient's resources get (see `resource_key`).
    let mrn = key;
    let patient_uuid = uuid(&[mrn, "Patient"]);
    let subject = reference(&patient_uuid);
    let mut entries = Vec::new();

    let (deceased_date_time, deceased_boolean) = match patient.death() {
        Some(Death {
            date: Some(day), ..
        }) => (Some(format_date(day).as_str().to_owned()), None),
        // A month or a year is written as received: R4's dateTime allows both.
        Some(Death {
            date: None,
            within: Some(within),
        }) => (Some(within.text()), None),
        Some(Death {
            date: None,
            within: None,
        }) => (None, Some(true)),
        None => (None, None),
    };
    let resource = Patient {
        id: patient_uuid.clone(),
        extension: origins
            .patient
            .iter()
            .map(|(source, id)| origin_parts(source, id, None))
            .collect(),
        identifier: identifiers,
        name: vec![HumanName {
            use_: "official",
            family: NonBlank::new(patient.family_name.as_str()),
            given: patient
                .given_name
                .split_whitespace()
                .filter_map(NonBlank::new)
                .collect(),
        }],
        gender: patient.sex.as_str(),
        birth_date: patient.birth_date_text(),
        deceased_date_time,
        deceased_boolean,
    };
    entries.push(entry(&patient_uuid, Resource::Patient(resource)));
    // The team that looks after them, so that a file made from the export filters them by it
    // (review OC-7). refract keeps the team's name only: no members, roles or period are
    // written that it does not hold.
    if let Some(shown) = patient.care_team.as_deref()
        && let Some(name) = NonBlank::new(shown)
    {
        let id = uuid(&[mrn, "CareTeam"]);
        let naming = naming_team(origins, shown);
        entries.push(entry(
            &id,
            Resource::CareTeam(CareTeam {
                id: id.clone(),
                meta: written_at(naming),
                extension: origin_extension(naming, "CareTeam"),
                status: "active",
                name,
                subject: subject.clone(),
            }),
        ));
    }

    for (index, condition) in record.conditions.iter().enumerate() {
        let id = uuid(&[mrn, "Condition", &index.to_string()]);
        let system = match condition.system {
            ConditionCodeSystem::Icd10 => ICD10,
            ConditionCodeSystem::Snomed => SNOMED,
            ConditionCodeSystem::Other => LOCAL_CODES,
        };
        let resource = Condition {
            id: id.clone(),
            meta: written_at(origins.conditions.get(&condition.id)),
            extension: origin_extension(origins.conditions.get(&condition.id), "Condition"),
            subject: subject.clone(),
            code: condition_concept(condition, system),
            clinical_status: condition.clinical_status.as_ref().map(|status| {
                bare_code(
                    "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    status,
                )
            }),
            verification_status: condition.verification_status.as_ref().map(|status| {
                bare_code(
                    "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                    status,
                )
            }),
            // "2019-05" as read: R4's dateTime keeps a month or a year, never a day made up.
            onset_date_time: condition.onset_text(),
            abatement_date_time: condition.abatement_text(),
            abatement_string: (condition.abatement.is_none() && condition.abated_on_unknown_day)
                .then(|| String::from("abated, date not recorded")),
            recorded_date: condition.recorded_text(),
        };
        entries.push(entry(&id, Resource::Condition(resource)));
    }

    // The lines the team entered, each a CarePlan its drugs' statements are based on.
    let statement_uuid = |index: usize| uuid(&[mrn, "MedicationStatement", &index.to_string()]);
    for line in record.lines.iter().filter(|line| carried_line(line)) {
        let id = line_uuid(mrn, line);
        let statements: Vec<Option<String>> = line
            .drugs
            .iter()
            .map(|drug| {
                let position = record
                    .exposures
                    .iter()
                    .position(|e| Some(e.id) == drug.exposure_id)?;
                Some(statement_uuid(position))
            })
            .collect();
        entries.push(entry(
            &id,
            Resource::CarePlan(line_plan(line, &id, &statements, &subject)),
        ));
    }

    // Drug exposures, each with the line it belongs to.
    for (index, exposure) in record.exposures.iter().enumerate() {
        let id = statement_uuid(index);
        let mut coding = Vec::new();
        if let Some(code) = &exposure.rxnorm {
            coding.push(Coding {
                system: RXNORM.into(),
                code: NonBlank::new(code.as_str()),
                display: NonBlank::new(exposure.text.as_str()),
            });
        }
        if let Some(code) = &exposure.atc {
            coding.push(Coding {
                system: ATC.into(),
                code: NonBlank::new(code.as_str()),
                display: None,
            });
        }
        let stop = stop_of(exposure);
        // Where the course came from (review OC-11), unless a line the team entered names its
        // statement: that line finds its drug by the statement's id here.
        let origin = origins.exposures.get(&exposure.id).filter(|_| {
            !record.lines.iter().any(|line| {
                carried_line(line)
                    && line
                        .drugs
                        .iter()
                        .any(|d| d.exposure_id == Some(exposure.id))
            })
        });
        let mut extension = origin_extension(origin, "MedicationStatement");
        if let Some(reason) = stop.clone() {
            extension.push(termination(reason));
        }
        let mut based_on = Vec::new();
        for line in record
            .lines
            .iter()
            .filter(|l| l.drugs.iter().any(|d| d.exposure_id == Some(exposure.id)))
        {
            if carried_line(line) {
                based_on.push(reference(&line_uuid(mrn, line)));
            }
            extension.push(Extension {
                url: LINE_URL.to_owned(),
                parts: line_naming(line),
                ..Extension::default()
            });
        }
        // An end not recorded is left open (see `carried`): the last day the drug is known to
        // have been given is said apart, never as the period's end.
        if exposure.dates == DatesKnown::EndUnknown
            && let Some(until) = exposure.end
        {
            extension.push(Extension {
                url: GIVEN_UNTIL_URL.to_owned(),
                value_date_time: Some(clinical_datetime_in(until, exposure.end_utc_offset_minutes)),
                ..Extension::default()
            });
        }
        if exposure.dates == DatesKnown::Dispensed {
            extension.push(code_extension(DATES_URL, DatesKnown::Dispensed.as_str()));
        }
        if let Some(role) = exposure.role {
            extension.push(code_extension(ROLE_URL, role.as_str()));
        }
        if let Some(from) = exposure.dose_from {
            extension.push(code_extension(DOSE_FROM_URL, from.as_str()));
        }
        if let Some(cycles) = exposure.cycles {
            extension.push(Extension {
                url: CYCLES_URL.to_owned(),
                value_integer: Some(cycles),
                ..Extension::default()
            });
        }
        if let Some(given_as) = given_as(exposure) {
            extension.push(code_extension(GIVEN_AS_URL, given_as));
        }
        // An open end is a drug given now (`DrugExposure::ongoing`), whatever its record said:
        // a record that said the drug stopped with no day it did is kept as given at least
        // until the last day known (`EndUnknown`, an end), never open, so it goes out as
        // `completed` or `stopped` below and reads back so; an `active` record with a reason
        // beside it stays active, as it came.
        // A hold goes out as one, its reason after "on hold" as the status reason: written
        // `stopped` with "on hold: no response", it would read back as a stop for no response
        // (ST-6), a pause become a failed trial.
        let status = if exposure.is_on_hold() {
            "on-hold"
        } else if exposure.end.is_none() {
            "active"
        } else if exposure
            .stop_reason
            .map_or(exposure.stop_text.is_some(), |r| r != StopReason::Completed)
        {
            // A reason given for stopping, even one nobody understood, is no completed course.
            "stopped"
        } else {
            "completed"
        };
        // What the record knows of when, said as FHIR says it, so that a file made from the
        // export reads the same: an end not recorded is left open (never the last day known,
        // which would read as a course of that length), and a record of one date is that
        // date, asserted, with no period.
        // Each end in the offset it was written in (a date alone as that date).
        let at = |time: NaiveDateTime| clinical_datetime_in(time, exposure.utc_offset_minutes);
        let at_end =
            |time: NaiveDateTime| clinical_datetime_in(time, exposure.end_utc_offset_minutes);
        let (effective_period, date_asserted, effective_date_time) = match exposure.dates {
            DatesKnown::Stated | DatesKnown::Dispensed => (
                Some(Period {
                    start: Some(at(exposure.start)),
                    end: exposure.end.map(at_end),
                }),
                None,
                None,
            ),
            DatesKnown::EndUnknown => (
                Some(Period {
                    start: Some(at(exposure.start)),
                    end: None,
                }),
                None,
                None,
            ),
            // Still taken, started by a day on a day not recorded (a statement of a day taken,
            // or of a month, a year, or asserted on a day): that day as an active statement's
            // `effectiveDateTime`, as it came, which reads back as the same bound (MS-1). A
            // period starting in its month would read back as started by the month's last day.
            DatesKnown::StartUnknown if exposure.end.is_none() => {
                (None, None, Some(at(exposure.start)))
            }
            // The month of the latest day it can have started: read back, the same day. One that
            // can have started as late as its end (an end alone, a year cut short by its end)
            // is written as an end alone, which reads back the same and names no month the
            // source did not.
            DatesKnown::StartUnknown => (
                Some(Period {
                    start: (exposure.end != Some(exposure.start)).then(|| {
                        crate::domain::local_time(exposure.start, exposure.utc_offset_minutes)
                            .format("%Y-%m")
                            .to_string()
                    }),
                    end: exposure.end.map(at_end),
                }),
                None,
                None,
            ),
            DatesKnown::Unknown => (None, Some(at(exposure.start)), None),
        };
        let route = exposure.route.as_deref().and_then(text);
        let resource = MedicationStatement {
            id: id.clone(),
            meta: written_at(origin),
            extension,
            based_on,
            status,
            status_reason: stop.into_iter().collect(),
            subject: subject.clone(),
            medication_codeable_concept: CodeableConcept {
                coding,
                text: NonBlank::new(exposure.text.as_str()),
            },
            effective_date_time,
            effective_period,
            date_asserted,
            reason_code: reason_concepts(&exposure.indications),
            dosage: (exposure.dose.is_some() || exposure.is_as_needed() || route.is_some())
                .then(|| dosage_of(exposure, route))
                .into_iter()
                .collect(),
        };
        entries.push(entry(&id, Resource::MedicationStatement(resource)));
    }

    for (index, observation) in record.observations.iter().enumerate() {
        let id = uuid(&[mrn, "Observation", &index.to_string()]);
        // Rows stored before the system was kept as LOINC (as before).
        let system: std::borrow::Cow<'static, str> = if observation.code.starts_with("refract:") {
            LOCAL_CODES.into()
        } else if observation.system.is_empty() {
            LOINC.into()
        } else {
            observation.system.clone().into()
        };
        let (value_quantity, value_codeable_concept) =
            match (observation.value, &observation.value_code) {
                (Some(value), _) => (
                    Some(Quantity::of(
                        value,
                        observation.comparator.map(Comparator::as_str),
                        observation.unit.as_deref(),
                    )),
                    None,
                ),
                // A status read from words is refract's own code, not SNOMED CT's.
                (None, Some(code)) if code.starts_with("refract:") => {
                    (None, Some(bare_code(LOCAL_CODES, code)))
                }
                (None, Some(code)) => (None, Some(bare_code(SNOMED, code))),
                (None, None) => (None, None),
            };
        // A disease status's own words travel as the concept's text: they may name the disease
        // it is about, and are read back as they were.
        let value_codeable_concept = value_codeable_concept.map(|mut concept| {
            if concept.text.is_none() {
                concept.text = NonBlank::new(&observation.value_words);
            }
            concept
        });
        let resource = Observation {
            id: id.clone(),
            extension: origin_extension(origins.observations.get(&observation.id), "Observation"),
            meta: written_at(origins.observations.get(&observation.id)),
            status: "final",
            subject: subject.clone(),
            // Which category kept it out is not stored; its words say it was one of them.
            category: if observation.setting == Some(BpSetting::NotVitalSigns) {
                vec![CodeableConcept {
                    coding: Vec::new(),
                    text: NonBlank::new(NOT_VITAL_SIGNS_CATEGORY),
                }]
            } else {
                Vec::new()
            },
            // A test named in words alone is written in words: `text:` is no code of any system.
            code: if observation.code.starts_with("text:") {
                CodeableConcept {
                    coding: Vec::new(),
                    text: NonBlank::new(&observation.display),
                }
            } else {
                concept(system, &observation.code, &observation.display)
            },
            effective_date_time: observation
                .since
                .is_none()
                .then(|| effective_text(observation)),
            effective_period: observation.since.map(|since| Period {
                start: Some(if observation.since_precision.is_day() {
                    clinical_datetime_in(since, observation.since_utc_offset_minutes)
                } else {
                    observation.since_text().unwrap_or_default()
                }),
                end: Some(effective_text(observation)),
            }),
            value_quantity,
            value_codeable_concept,
            method: observation
                .setting
                .filter(|setting| *setting != BpSetting::NotVitalSigns)
                .and_then(|setting| text(setting.as_str())),
            note: Vec::new(),
            interpretation: observation
                .interpretation
                .as_deref()
                .map(|code| bare_code(OBSERVATION_INTERPRETATION, code))
                .into_iter()
                .collect(),
            reference_range: observation.reference_ranges.iter().map(range_out).collect(),
        };
        entries.push(entry(&id, Resource::Observation(resource)));
    }

    // A line's progression, for readers of mCODE, as the disease status it is: worsened, on
    // that day. Tagged, so that refract reads it with its line and not as an assessment of its
    // own (a second, unconfirmed one). A best response is no assessment of a day: it travels
    // with its line only (see `carried`).
    for (index, line) in record.lines.iter().enumerate() {
        let Some(day) = line.progression_date else {
            continue;
        };
        let already = record.observations.iter().any(|o| {
            o.code == observation_codes::DISEASE_STATUS
                && o.local_day() == day
                && o.value_code.as_deref() == Some(observation_codes::disease_status::WORSENED)
        });
        if already {
            continue;
        }
        let id = uuid(&[
            mrn,
            "Observation",
            "line",
            &index.to_string(),
            "progression",
        ]);
        entries.push(entry(
            &id,
            Resource::Observation(Observation {
                id: id.clone(),
                extension: Vec::new(),
                category: Vec::new(),
                meta: Some(Meta {
                    last_updated: None,
                    tag: vec![Coding {
                        system: LINE_CODES.into(),
                        code: NonBlank::new(LINE_OUTCOME_TAG),
                        display: NonBlank::new("Restates a line's outcome"),
                    }],
                }),
                status: "final",
                subject: subject.clone(),
                code: concept(
                    LOINC,
                    observation_codes::DISEASE_STATUS,
                    "Cancer disease status",
                ),
                effective_date_time: Some(format_date(day).as_str().to_owned()),
                effective_period: None,
                value_quantity: None,
                value_codeable_concept: Some(concept(
                    SNOMED,
                    observation_codes::disease_status::WORSENED,
                    "Patient's condition worsened",
                )),
                method: None,
                note: note(format!("{} {}: progression", line.label(), line.regimen))
                    .into_iter()
                    .collect(),
                interpretation: Vec::new(),
                reference_range: Vec::new(),
            }),
        ));
    }

    for (index, procedure) in record.procedures.iter().enumerate() {
        let id = uuid(&[mrn, "Procedure", &index.to_string()]);
        // Rows stored before the system was kept were read as SNOMED CT (the code preferred).
        let system: std::borrow::Cow<'static, str> = if procedure.code.starts_with("refract:") {
            LOCAL_CODES.into()
        } else if procedure.system.is_empty() {
            SNOMED.into()
        } else {
            procedure.system.clone().into()
        };
        entries.push(entry(
            &id,
            Resource::Procedure(Procedure {
                id: id.clone(),
                meta: written_at(origins.procedures.get(&procedure.id)),
                extension: origin_extension(origins.procedures.get(&procedure.id), "Procedure"),
                status: "completed",
                subject: subject.clone(),
                code: procedure_concept(procedure, system),
                // A window of days or a date not known is said in words, which are read
                // back as the same.
                performed_date_time: (procedure.end.is_none()
                    && !procedure.date_unknown
                    && procedure.performed_by.is_none())
                .then(|| clinical_datetime_in(procedure.performed, procedure.utc_offset_minutes)),
                performed_string: (procedure.end.is_none()
                    && (procedure.date_unknown || procedure.performed_by.is_some()))
                .then(|| procedure.when_words()),
                performed_period: procedure.end.map(|end| Period {
                    start: period_start(procedure),
                    end: Some(clinical_datetime_in(end, procedure.end_utc_offset_minutes)),
                }),
                reason_code: reason_concepts(&procedure.indications),
            }),
        ));
    }

    for item in &summary.assessments {
        let assessment = &item.assessment;
        let id = uuid(&[mrn, "CarePlan", "assessment", &assessment.ruleset]);
        let mut notes: Vec<Annotation> = note(
            "Suspected status from published criteria, for clinician review; not a diagnosis.",
        )
        .into_iter()
        .collect();
        if let Some(review) = &item.latest_review
            && item.review != ReviewState::Unreviewed
        {
            notes.extend(
                note(format!("{}: {}", review.decision, review.rationale)).map(|note| Annotation {
                    author_string: NonBlank::new(review.by.as_str()),
                    time: Some(utc_instant(review.at)),
                    ..note
                }),
            );
        }
        let supporting: Vec<Reference> = assessment
            .evidence
            .iter()
            .filter(|e| e.kind == EvidenceKind::Exposure)
            // Every record an item cites: the same course from two sources is one item.
            .flat_map(|e| std::iter::once(e.id).chain(e.also.iter().copied()))
            .filter_map(|id| record.exposures.iter().position(|x| x.id == id))
            .map(|position| reference(&uuid(&[mrn, "MedicationStatement", &position.to_string()])))
            .collect();
        let resource = CarePlan {
            id: id.clone(),
            extension: vec![code_extension(STATUS_URL, assessment.status.as_str())],
            status: "active",
            intent: "plan",
            category: vec![concept(SNOMED, "312384001", "Multidisciplinary assessment")],
            title: format!("{}: {} (suspected)", assessment.ruleset, assessment.label),
            description: NonBlank::new(
                assessment
                    .reasons
                    .iter()
                    .map(|r| r.trim())
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            subject: subject.clone(),
            period: None,
            created: Some(format_date(assessment.evaluated_on).as_str().to_owned()),
            author: None,
            goal: Vec::new(),
            supporting_info: supporting,
            activity: Vec::new(),
            note: notes,
        };
        entries.push(entry(&id, Resource::CarePlan(resource)));
    }
    entries
}

/// Whether the case has an outcome to export.
fn discussed(case: &PatientCase) -> bool {
    case.case.outcome_category.is_some() || !case.case.outcome_text.trim().is_empty()
}

/// MDT outcomes as CarePlans (category 312384001, `intent` plan) and the patient's follow-up
/// tasks as Tasks, each pointing at the CarePlan of the discussion it came from.
fn meeting_entries(summary: &PatientSummary, key: &str, cases: &[PatientCase]) -> Vec<Entry> {
    if summary.record.patient.is_none() {
        return Vec::new();
    }
    // The base of every id this patient's resources get (see `resource_key`).
    let mrn = key;
    let subject = reference(&uuid(&[mrn, "Patient"]));
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
        let dated = |note: Annotation| Annotation {
            time: Some(when.as_str().to_owned()),
            ..note
        };
        let mut notes = Vec::new();
        if !case.question.trim().is_empty() {
            notes.extend(note(format!("Question: {}", case.question.trim())).map(dated));
        }
        notes.extend(
            note(format!(
                "Comes back to the MDT: {}",
                if case.comes_back { "yes" } else { "no" }
            ))
            .map(dated),
        );
        if let Some(reason) = &case.plan_followed_reason {
            notes.extend(note(format!("Plan followed: {reason}")));
        }
        let title = match &case.outcome_category {
            Some(machine) => format!("MDT outcome: {}", OutcomeCategory::label_of(machine)),
            None => String::from("MDT outcome"),
        };
        let mut activity: Vec<Activity> = summary
            .tasks
            .iter()
            .filter(|task| task.meeting_case_id == Some(case.id))
            .map(|task| Activity {
                reference: Some(reference(&uuid(&[mrn, "Task", &task.id.to_string()]))),
                detail: None,
            })
            .collect();
        if let Some(option) = &item.chosen_option {
            activity.push(Activity {
                reference: None,
                detail: Some(ActivityDetail {
                    status: "not-started",
                    description: NonBlank::new(option.as_str()),
                    ..ActivityDetail::default()
                }),
            });
        }
        let extension = case
            .plan_followed
            .map(|followed| {
                let code = match followed {
                    PlanFollowed::Yes => "yes",
                    PlanFollowed::Partly => "some",
                    PlanFollowed::No => "no",
                };
                code_extension(PLAN_FOLLOWED_URL, code)
            })
            .into_iter()
            .collect();
        let resource = CarePlan {
            id: id.clone(),
            extension,
            status: "active",
            intent: "plan",
            category,
            title,
            description: NonBlank::new(case.outcome_text.trim()),
            subject: subject.clone(),
            period: None,
            created: Some(when.as_str().to_owned()),
            author: display(item.meeting.team.as_deref().unwrap_or(&item.meeting.title)),
            goal: Vec::new(),
            supporting_info: Vec::new(),
            activity,
            note: notes,
        };
        entries.push(entry(&id, Resource::CarePlan(resource)));
    }
    for task in &summary.tasks {
        let id = uuid(&[mrn, "Task", &task.id.to_string()]);
        let based_on = task
            .meeting_case_id
            .and_then(|case_id| cases.iter().find(|c| c.case.id == case_id && discussed(c)))
            .map(|plan| reference(&plan_uuid(plan)))
            .into_iter()
            .collect();
        let resource = Task {
            id: id.clone(),
            based_on,
            status: match task.status {
                TaskStatus::Open => "requested",
                TaskStatus::Done => "completed",
                TaskStatus::Cancelled => "cancelled",
            },
            intent: "plan",
            code: None,
            description: NonBlank::new(task.what.as_str()),
            for_: subject.clone(),
            owner: task.owner.as_deref().and_then(display),
            restriction: task.due.map(|due| Restriction {
                period: Period {
                    start: None,
                    end: Some(format_date(due).as_str().to_owned()),
                },
            }),
            note: Vec::new(),
        };
        entries.push(entry(&id, Resource::Task(resource)));
    }
    entries
}

/// The way forward of each condition as a CarePlan (one activity per step, referral and
/// option), the re-evaluation checklist as Tasks and the well-being goals as Goals, all pointing
/// at that CarePlan.
fn way_forward_entries(summary: &PatientSummary, key: &str) -> Vec<Entry> {
    use crate::domain::way_forward::STEP_TITLES;
    use crate::domain::{ReferralStatus, Stance, StepStatus};

    if summary.record.patient.is_none() {
        return Vec::new();
    }
    // The base of every id this patient's resources get (see `resource_key`).
    let mrn = key;
    let subject = reference(&uuid(&[mrn, "Patient"]));
    let mut rulesets: Vec<&str> = summary
        .way_forward
        .iter()
        .map(|s| s.ruleset.as_str())
        .collect();
    rulesets.dedup();
    let mut entries = Vec::new();
    for ruleset in rulesets {
        let plan_id = uuid(&[mrn, "CarePlan", "way-forward", ruleset]);
        let steps: Vec<_> = summary
            .way_forward
            .iter()
            .filter(|s| s.ruleset == ruleset)
            .collect();
        let mut activity: Vec<Activity> = Vec::new();
        for step in &steps {
            let status = match step.status {
                StepStatus::Todo => "not-started",
                StepStatus::InProgress => "in-progress",
                StepStatus::Done => "completed",
                StepStatus::NotApplicable => "cancelled",
            };
            let title = STEP_TITLES[usize::from(step.step.clamp(1, 4) - 1)];
            let detail = ActivityDetail {
                code: Some(concept(
                    WAY_FORWARD_CODES,
                    &format!("step-{}", step.step),
                    title,
                )),
                status,
                description: NonBlank::new(step.notes.as_str()),
                status_reason: step.na_reason.as_deref().and_then(text),
                performer: step
                    .owner
                    .as_deref()
                    .and_then(display)
                    .into_iter()
                    .collect(),
                scheduled_period: step.due.map(|due| Period {
                    start: None,
                    end: Some(format_date(due).as_str().to_owned()),
                }),
                ..ActivityDetail::default()
            };
            activity.push(Activity {
                reference: None,
                detail: Some(detail),
            });
        }
        for referral in summary.referrals.iter().filter(|r| r.ruleset == ruleset) {
            let status = match referral.status {
                ReferralStatus::Requested => "not-started",
                ReferralStatus::Booked => "scheduled",
                ReferralStatus::Seen => "completed",
                ReferralStatus::Declined => "cancelled",
            };
            let detail = ActivityDetail {
                kind: Some("ServiceRequest"),
                code: Some(concept(
                    WAY_FORWARD_CODES,
                    &format!("referral-step-{}", referral.step),
                    &format!("Referral: {}", referral.specialty),
                )),
                status,
                performer: referral
                    .to_whom
                    .as_deref()
                    .and_then(display)
                    .into_iter()
                    .collect(),
                scheduled_string: referral
                    .date
                    .map(|date| format_date(date).as_str().to_owned()),
                ..ActivityDetail::default()
            };
            activity.push(Activity {
                reference: None,
                detail: Some(detail),
            });
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
                code_extension(STANCE_URL, option.stance.as_str()),
                code_extension(
                    format!("{STANCE_URL}-preference"),
                    option.preference.as_str(),
                ),
            ];
            if let Some(trial) = option.trial_status {
                extension.push(code_extension(
                    format!("{STANCE_URL}-trial-status"),
                    trial.as_str(),
                ));
            }
            let mut notes = Vec::new();
            if let Some(source) = &option.source {
                notes.push(format!("Source: {source}"));
            }
            if !option.notes.is_empty() {
                notes.push(option.notes.clone());
            }
            let detail = ActivityDetail {
                extension,
                code: Some(concept(
                    WAY_FORWARD_CODES,
                    &format!("option-{}", option.kind),
                    &name,
                )),
                status,
                status_reason: option.stance_reason.as_deref().and_then(text),
                description: NonBlank::new(notes.join("\n")),
                ..ActivityDetail::default()
            };
            activity.push(Activity {
                reference: None,
                detail: Some(detail),
            });
        }
        let goals: Vec<_> = summary
            .goals
            .iter()
            .filter(|g| g.ruleset == ruleset)
            .collect();
        let goal_refs: Vec<Reference> = goals
            .iter()
            .map(|g| reference(&uuid(&[mrn, "Goal", &g.id.to_string()])))
            .collect();
        let all_closed = steps.len() == 4 && steps.iter().all(|s| s.status.is_closed());
        let plan = CarePlan {
            id: plan_id.clone(),
            extension: Vec::new(),
            status: if all_closed { "completed" } else { "active" },
            intent: "plan",
            category: vec![concept(
                WAY_FORWARD_CODES,
                "way-forward",
                "Way forward for a refractory condition",
            )],
            title: format!("{ruleset}: way forward"),
            description: None,
            subject: subject.clone(),
            period: None,
            created: None,
            author: None,
            goal: goal_refs,
            supporting_info: Vec::new(),
            activity,
            note: Vec::new(),
        };
        entries.push(entry(&plan_id, Resource::CarePlan(plan)));
        for item in summary.checklist.iter().filter(|c| c.ruleset == ruleset) {
            let id = uuid(&[mrn, "Task", "checklist", &item.id.to_string()]);
            let task = Task {
                id: id.clone(),
                based_on: vec![reference(&plan_id)],
                status: if item.done { "completed" } else { "requested" },
                intent: "plan",
                code: Some(concept(
                    WAY_FORWARD_CODES,
                    &format!("check-{}", item.key),
                    &item.text,
                )),
                description: NonBlank::new(item.text.as_str()),
                for_: subject.clone(),
                owner: None,
                restriction: None,
                note: item.detail.as_deref().and_then(note).into_iter().collect(),
            };
            entries.push(entry(&id, Resource::Task(task)));
        }
        for goal in goals {
            let id = uuid(&[mrn, "Goal", &goal.id.to_string()]);
            let resource = Goal {
                id: id.clone(),
                lifecycle_status: if goal.achieved { "completed" } else { "active" },
                achievement_status: concept(
                    "http://terminology.hl7.org/CodeSystem/goal-achievement",
                    if goal.achieved {
                        "achieved"
                    } else {
                        "in-progress"
                    },
                    if goal.achieved {
                        "Achieved"
                    } else {
                        "In Progress"
                    },
                ),
                description: Text {
                    text: NonBlank::or(
                        goal.description.as_str(),
                        "Well-being goal (no description)",
                    ),
                },
                subject: subject.clone(),
                target: goal
                    .due
                    .map(|due| GoalTarget {
                        due_date: format_date(due).as_str().to_owned(),
                    })
                    .into_iter()
                    .collect(),
            };
            entries.push(entry(&id, Resource::Goal(resource)));
        }
    }
    entries
}

/// The `given-as` code of a drug record that ended with no word that the drug stopped (see
/// [`DrugExposure::said_stopped`] and `carried`), `None` for one still given or whose source said
/// it stopped. Its statement says `completed` (or `stopped`, with a reason) for the course that
/// ended, and `given-as` that this is all it says: read back as a statement that the drug
/// stopped, ward doses of a drug taken at home, or the five-day ward order they were given on,
/// cut the home drug to its first day. `doses` for doses given or handed over (cycles given,
/// pharmacy fills), `course` for any other course.
fn given_as(exposure: &DrugExposure) -> Option<&'static str> {
    if exposure.end.is_none() || exposure.said_stopped {
        return None;
    }
    Some(
        if exposure.cycles.is_some() || exposure.dates == DatesKnown::Dispensed {
            GIVEN_AS_DOSES
        } else {
            GIVEN_AS_COURSE
        },
    )
}

/// A drug's dosage as R4 says what refract knows of it. A dose per administration and its
/// schedule (`mg/wk`, `mg 3x/wk`, `mg/mo`: see [`crate::rules::dose::fhir_dose`]) is the
/// amount of one administration (`doseQuantity`) and `timing.repeat`. A day's total ("1000
/// mg/d": 500 mg twice a day, or 1000 mg once, refract does not keep which) is no amount of one
/// administration: written as one with "once a day" it would state a regimen nobody gave
/// (one 1000 mg dose), so it goes out as an amount per day (`rateRatio` 1000 mg per 1 d, R4
/// "amount of medication per unit of time") with a `text` saying it is the day's total and how
/// it is divided is not recorded, and no `timing`; refract reads it back as the same daily
/// dose. Any other unit is written as it is.
fn dosage_of(exposure: &crate::domain::DrugExposure, route: Option<Text>) -> Dosage {
    let quantity = |value: f64, unit: &str| Quantity {
        value,
        comparator: None,
        unit: NonBlank::new(unit),
        system: ucum_code(unit).map(|_| super::ucum::SYSTEM),
        code: ucum_code(unit).and_then(NonBlank::new),
    };
    let as_needed_boolean = exposure.is_as_needed().then_some(true);
    let Some(dose) = exposure.dose.as_ref() else {
        return Dosage {
            text: None,
            timing: None,
            route,
            dose_and_rate: Vec::new(),
            as_needed_boolean,
        };
    };
    if let Some((amount, unit)) = crate::rules::dose::fhir_day_total(dose) {
        let day = Quantity {
            value: 1.0,
            comparator: None,
            unit: NonBlank::new("d"),
            system: Some(super::ucum::SYSTEM),
            code: NonBlank::new("d"),
        };
        return Dosage {
            text: NonBlank::new(format!(
                "{} {unit} a day in total (averaged over the week where not every day is \
                 alike); the doses it is divided into are not recorded",
                trim_amount(amount)
            )),
            timing: None,
            route,
            dose_and_rate: vec![DoseAndRate {
                dose_quantity: None,
                rate_ratio: Some(Ratio {
                    numerator: quantity(amount, &unit),
                    denominator: day,
                }),
            }],
            as_needed_boolean,
        };
    }
    let schedule = crate::rules::dose::fhir_dose(dose);
    Dosage {
        text: None,
        timing: schedule.as_ref().map(|(_, _, every)| timing_of(*every)),
        route,
        dose_and_rate: vec![DoseAndRate {
            dose_quantity: Some(match &schedule {
                Some((amount, unit, _)) => quantity(*amount, unit),
                None => Quantity {
                    value: dose.value,
                    comparator: None,
                    unit: NonBlank::new(dose.unit.as_str()),
                    system: None,
                    code: None,
                },
            }),
            rate_ratio: None,
        }],
        as_needed_boolean,
    }
}

/// An amount as words write it: no ".0" on a whole number.
fn trim_amount(amount: f64) -> String {
    let text = format!("{amount}");
    text.strip_suffix(".0")
        .map_or_else(|| text.clone(), str::to_owned)
}

/// The UCUM code of the amount of one dose refract writes: milligrams, millilitres, and the
/// product's units as UCUM annotations (read back by their words).
fn ucum_code(unit: &str) -> Option<&'static str> {
    Some(match unit {
        "mg" => "mg",
        "mg/kg" => "mg/kg",
        "mL" => "mL",
        "tablet" => "{tbl}",
        "capsule" => "{capsule}",
        "dose" => "{dose}",
        _ => return None,
    })
}

/// A dose's schedule as R4 `Timing.repeat`: the days of the period in weeks when they make
/// whole weeks, in the months of a depot's schedule (30, 90, 180 days: the importer reads a
/// month as 30 days), else in days.
fn timing_of(every: crate::rules::dose::WholeSchedule) -> Timing {
    let days = every.period_days;
    let (period, period_unit) = if days.is_multiple_of(7) {
        (days / 7, "wk")
    } else if matches!(days, 30 | 90 | 180) {
        (days / 30, "mo")
    } else {
        (days, "d")
    };
    Timing {
        repeat: TimingRepeat {
            frequency: every.times,
            period,
            period_unit,
        },
    }
}

/// A drug's or a procedure's stated reasons as `reasonCode` concepts (a Condition its record
/// named is written as its codes and words: the export carries no Condition ids).
fn reason_concepts(indications: &[crate::domain::Indication]) -> Vec<CodeableConcept> {
    indications
        .iter()
        .map(|indication| CodeableConcept {
            coding: indication
                .codings
                .iter()
                .map(|coding| Coding {
                    system: coding.system.clone().into(),
                    code: NonBlank::new(coding.code.as_str()),
                    display: NonBlank::new(coding.display.as_str()),
                })
                .collect(),
            text: NonBlank::new(indication.text.as_str()),
        })
        .filter(|concept| !concept.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{NonBlank, stop_reason_concept, uuid};
    use crate::domain::StopReason;
    use crate::rules::Rules;
    use crate::rules::stop_reasons::StopReading;

    /// Each stop reason is written with codes the built-in vocabulary reads back as that
    /// reason: refract's own, and the SNOMED CT code alone for a reader that drops it
    /// (progression used to be written as "No response to treatment", read back as a lack of
    /// efficacy).
    #[test]
    fn every_stop_reason_reads_back_as_itself() {
        let rules = Rules::embedded().expect("the built-in rules");
        for reason in StopReason::ALL {
            let concept = stop_reason_concept(*reason);
            let codes = concept
                .coding
                .iter()
                .filter_map(|c| c.code.as_ref())
                .map(NonBlank::as_str);
            assert_eq!(
                rules.stop_reasons.read(codes, []),
                Some(StopReading::Known(*reason)),
                "{reason}"
            );
            let (snomed, _) = reason.snomed();
            assert_eq!(
                rules.stop_reasons.of_code(snomed),
                Some(*reason),
                "{reason}: SNOMED CT {snomed}"
            );
        }
    }

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
