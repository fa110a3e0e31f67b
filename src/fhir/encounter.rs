//! An Encounter, read for the one thing a reading taken in it needs: where the patient was.
//! Its `class` (R4 a Coding, R5 a list of CodeableConcepts; HL7 v3 ActCode, or v2 table 0004
//! patient classes; the words of its display or text where no code is known) says whether its
//! blood pressures were taken in acute hospital care, in a virtual visit, or anywhere else;
//! [`place_readings`] applies it to an Observation's readings when the record is built.
//!
//! Only an Encounter that moves a reading is kept (in the ledger, as a Medication is, about no
//! patient): real exports hold as many Encounters as visits, most of them outpatient visits
//! whose readings stay as read.

use serde::{Deserialize, Serialize};

use crate::domain::{BpSetting, Observation, observation_codes};
use crate::rules::names_test;

/// Where an Encounter's readings were taken, as far as blood pressure goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visit {
    /// Acute hospital care: inpatient (IMP, ACUTE, NONAC), emergency (EMER), an observation
    /// stay (OBSENC), a short stay (SS) or a pre-admission visit (PRENC).
    Hospital,
    /// A virtual visit (VR): the patient took the reading with their own device, at home.
    Virtual,
    /// A class that names no hospital stay (ambulatory, home health, field): the readings are
    /// read as their own record says.
    Elsewhere,
    /// A class refract does not read (a local code with no words it knows, a code no table
    /// has), or none: the readings are read as their own record says (a choice: most are
    /// clinic visits, and a class nobody can read says nothing of a place), and the import
    /// counts it apart from `Elsewhere`, so that an admission whose class went unread shows.
    Unread,
}

/// What the ledger keeps of an Encounter (its body).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptEncounter {
    pub visit: Visit,
}

impl Visit {
    /// Whether a reading taken in it is read otherwise than its own record says: only such an
    /// Encounter is kept.
    pub fn moves_readings(self) -> bool {
        matches!(self, Visit::Hospital | Visit::Virtual)
    }
}

/// HL7 v3 ActCode (R4's `class` binding, `v3-ActEncounterCode`): R4's URI, the OID, and the
/// URI of STU3 and DSTU2 (`http://hl7.org/fhir/v3/ActCode`), which an STU3 sender writes.
const ACT_CODE: [&str; 3] = [
    "http://terminology.hl7.org/CodeSystem/v3-ActCode",
    "urn:oid:2.16.840.1.113883.5.4",
    "http://hl7.org/fhir/v3/ActCode",
];
/// HL7 v2 table 0004 (patient class), which servers converted from v2 feeds write: R4's URI,
/// the OID, and the STU3/DSTU2 URI.
const PATIENT_CLASS: [&str; 3] = [
    "http://terminology.hl7.org/CodeSystem/v2-0004",
    "urn:oid:2.16.840.1.113883.18.5",
    "http://hl7.org/fhir/v2/0004",
];

/// Whether `system` is one of `known`, written as any version writes it (case, a trailing
/// slash, `https`).
fn is_system(system: &str, known: &[&str]) -> bool {
    let plain = |uri: &str| {
        let uri = uri.trim().trim_end_matches('/').to_ascii_lowercase();
        uri.strip_prefix("https://")
            .map_or(uri.clone(), |rest| format!("http://{rest}"))
    };
    let system = plain(system);
    known.iter().any(|uri| plain(uri) == system)
}

/// The visit an ActCode class code names; `None` for a code that is not a class.
fn act_code_visit(code: &str) -> Option<Visit> {
    Some(match code {
        "IMP" | "ACUTE" | "NONAC" | "EMER" | "OBSENC" | "SS" | "PRENC" => Visit::Hospital,
        "VR" => Visit::Virtual,
        "AMB" | "HH" | "FLD" => Visit::Elsewhere,
        _ => return None,
    })
}

/// The visit a v2-0004 patient class names: I inpatient, E emergency, P preadmit; O outpatient,
/// R recurring, B obstetrics (which may be either) and the rest as read elsewhere.
fn patient_class_visit(code: &str) -> Option<Visit> {
    Some(match code {
        "I" | "E" | "P" => Visit::Hospital,
        "O" | "R" | "B" | "C" | "N" | "U" => Visit::Elsewhere,
        _ => return None,
    })
}

/// The visit the words of a class name ("Inpatient", "Emergency", "Virtual"), as EHRs word
/// their patient classes. "Observation" alone is an observation stay: in a `class` it can only
/// be the patient class (EHRs name it "Observation" beside "Inpatient" and "Emergency"), and
/// "Outpatient in a Bed" and "Extended Recovery" are the same kind of stay (a bed, hours of
/// monitoring). DSTU2's `class` codes (`inpatient`, `emergency`, `virtual`, `outpatient`,
/// `ambulatory`, `home`, `field`, `daily`) are read as these words.
fn worded_visit(words: &str) -> Option<Visit> {
    let has = |phrases: &[&str]| phrases.iter().any(|phrase| names_test(words, phrase));
    if has(&[
        "inpatient",
        "in-patient",
        "emergency",
        "observation",
        "outpatient in a bed",
        "extended recovery",
        "short stay",
        "pre-admission",
        "preadmission",
        "hospitalization",
        "hospitalisation",
    ]) {
        Some(Visit::Hospital)
    } else if has(&["virtual", "telehealth", "telemedicine"]) {
        Some(Visit::Virtual)
    } else if has(&[
        "ambulatory",
        "outpatient",
        "home health",
        "home",
        "field",
        "daily",
    ]) {
        Some(Visit::Elsewhere)
    } else {
        None
    }
}

/// The visit an Encounter's `class` says, in any of its shapes: a code (DSTU2), a Coding
/// (STU3, R4), a CodeableConcept, or a list of either (R5). Codes decide before words; of
/// several, acute hospital care before a virtual visit before anything else (a translation to
/// a coarser class never undoes a stay); [`Visit::Unread`] when none is read.
pub fn visit_of_class(class: Option<&serde_json::Value>) -> Visit {
    let mut codings: Vec<&serde_json::Map<String, serde_json::Value>> = Vec::new();
    let mut texts: Vec<&str> = Vec::new();
    let mut pending: Vec<&serde_json::Value> = class.into_iter().collect();
    while let Some(value) = pending.pop() {
        match value {
            serde_json::Value::Array(items) => pending.extend(items),
            // DSTU2: the class is a code of its own.
            serde_json::Value::String(code) => texts.push(code),
            serde_json::Value::Object(fields) => {
                if let Some(serde_json::Value::Array(inner)) = fields.get("coding") {
                    pending.extend(inner);
                } else {
                    codings.push(fields);
                }
                if let Some(text) = fields.get("text").and_then(serde_json::Value::as_str) {
                    texts.push(text);
                }
            }
            _ => {}
        }
    }
    let text_of = |field: &str, coding: &serde_json::Map<String, serde_json::Value>| {
        coding
            .get(field)
            .and_then(serde_json::Value::as_str)
            .map(str::trim)
            .unwrap_or_default()
            .to_owned()
    };
    let coded: Vec<Visit> = codings
        .iter()
        .filter_map(|coding| {
            let system = text_of("system", coding);
            let code = text_of("code", coding);
            if is_system(&system, &PATIENT_CLASS) {
                patient_class_visit(&code.to_ascii_uppercase())
            } else if system.is_empty() || is_system(&system, &ACT_CODE) {
                act_code_visit(&code.to_ascii_uppercase())
            } else {
                None
            }
        })
        .collect();
    let worded: Vec<Visit> = codings
        .iter()
        .map(|coding| text_of("display", coding))
        .chain(texts.iter().map(|text| (*text).to_owned()))
        .filter_map(|words| worded_visit(&words))
        .collect();
    let decided = if coded.is_empty() { worded } else { coded };
    [Visit::Hospital, Visit::Virtual, Visit::Elsewhere]
        .into_iter()
        .find(|visit| decided.contains(visit))
        .unwrap_or(Visit::Unread)
}

/// Places an Observation's blood pressures by the visit they were taken in: a reading its own
/// record leaves as an office reading is a hospital one in acute care and a home one in a
/// virtual visit. What the record itself says (ambulatory, home) stands: an ABPM report or
/// home readings filed under a stay are still what they are.
pub fn place_readings(observations: &mut [Observation], visit: Visit) {
    let placed = match visit {
        Visit::Hospital => BpSetting::Hospital,
        Visit::Virtual => BpSetting::Home,
        Visit::Elsewhere | Visit::Unread => return,
    };
    for observation in observations {
        let is_bp = matches!(
            observation_codes::canonical(&observation.code),
            observation_codes::SYSTOLIC_BP | observation_codes::DIASTOLIC_BP
        );
        if is_bp && observation.setting == Some(BpSetting::Office) {
            observation.setting = Some(placed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_encounter_class_is_read_in_every_shape() {
        let act = |code: &str| json!({"system": ACT_CODE[0], "code": code});
        for (class, want) in [
            (act("IMP"), Visit::Hospital),
            (act("EMER"), Visit::Hospital),
            (act("VR"), Visit::Virtual),
            (act("AMB"), Visit::Elsewhere),
            (act("HH"), Visit::Elsewhere),
            (json!([{"coding": [act("OBSENC")]}]), Visit::Hospital),
            (json!({"code": "SS"}), Visit::Hospital),
            (json!({"display": "Emergency"}), Visit::Hospital),
            (json!({"text": "Inpatient encounter"}), Visit::Hospital),
            (
                json!({"system": PATIENT_CLASS[0], "code": "E"}),
                Visit::Hospital,
            ),
            (
                json!({"system": PATIENT_CLASS[0], "code": "O"}),
                Visit::Elsewhere,
            ),
            // A local code is read by its words; one with none says nothing.
            (
                json!({"system": "urn:local", "code": "7", "display": "Virtual"}),
                Visit::Virtual,
            ),
            (json!({"system": "urn:local", "code": "IMP"}), Visit::Unread),
            // A code decides over words that say otherwise.
            (
                json!({"system": ACT_CODE[0], "code": "AMB", "display": "Emergency"}),
                Visit::Elsewhere,
            ),
            (json!([act("AMB"), act("IMP")]), Visit::Hospital),
        ] {
            assert_eq!(visit_of_class(Some(&class)), want, "{class}");
        }
        assert_eq!(visit_of_class(None), Visit::Unread);
    }

    #[test]
    fn older_class_system_uris_and_worded_patient_classes_are_read() {
        for (class, want) in [
            // STU3 and DSTU2 write ActCode and table 0004 under their own URIs.
            (
                json!({"system": "http://hl7.org/fhir/v3/ActCode", "code": "IMP"}),
                Visit::Hospital,
            ),
            (
                json!({"system": "http://hl7.org/fhir/v3/ActCode/", "code": "emer"}),
                Visit::Hospital,
            ),
            (
                json!({"system": "http://hl7.org/fhir/v2/0004", "code": "I"}),
                Visit::Hospital,
            ),
            (
                json!({"system": "https://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "VR"}),
                Visit::Virtual,
            ),
            // DSTU2: a code of its own.
            (json!("inpatient"), Visit::Hospital),
            (json!("outpatient"), Visit::Elsewhere),
            // A local patient class read by its words: an observation stay and its kin.
            (
                json!({"system": "urn:oid:1.2.3", "code": "4", "display": "Observation"}),
                Visit::Hospital,
            ),
            (json!({"display": "Outpatient in a Bed"}), Visit::Hospital),
            (json!({"display": "Extended Recovery"}), Visit::Hospital),
            (json!({"display": "Outpatient"}), Visit::Elsewhere),
            // Nothing read is not "not in hospital".
            (
                json!({"system": "urn:oid:1.2.3.999", "code": "X7"}),
                Visit::Unread,
            ),
            (json!({"system": ACT_CODE[0], "code": "XYZ"}), Visit::Unread),
        ] {
            assert_eq!(visit_of_class(Some(&class)), want, "{class}");
        }
    }
}
