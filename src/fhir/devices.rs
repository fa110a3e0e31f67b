//! Devices and study places as the patient's record holds them: what a Device or a
//! ResearchStudy is (kept, as a Medication is, about no patient), and how a DeviceUseStatement,
//! a Procedure's `focalDevice` or a ResearchSubject becomes a procedure row once the resource
//! it names is found (in the same import or stored by an earlier one).
//!
//! A Device sent with `Device.patient` (and no statement) is the patient's too: its own
//! procedure row, kept under the Device's key, which statements and procedures still find
//! ([`affixed_row`], [`product_of_row`]).
//!
//! A device use is a procedure row: the timeline, `show`, the exports and the options step
//! already read procedures, and an implanted stimulator is what its implantation was. A study
//! place is one too, its code `refract:trial:<R4 status>` (see [`TRIAL_CODE_PREFIX`]).

use super::model::{self, CodeableConcept};
use super::product::Product;
use crate::domain::{Coding, Procedure, canonical_system};

/// What an affixed Device's row adds when R4 says it is `inactive` (no longer in use: switched
/// off, or explanted): still a device the patient had, so still an option tried.
pub const INACTIVE_WORDS: &str = " (inactive)";

/// The row of a Device sent with `Device.patient` and no DeviceUseStatement (an implant as
/// Synthea and some EHRs send it): "Device: <its type or name>", said inactive when it is. R4
/// gives a Device no implant date (`manufactureDate` is the factory's): the row is not dated,
/// unless a Procedure naming it dates it once the record is built (`import::project`).
pub fn affixed_row(concept: &CodeableConcept, status: Option<&str>) -> Procedure {
    let mut procedure = Procedure {
        id: 0,
        code: String::new(),
        system: String::new(),
        display: String::new(),
        performed: chrono::NaiveDateTime::default(),
        end: None,
        codings: Vec::new(),
        performed_by: None,
        date_unknown: true,
        at_ages: None,
        utc_offset_minutes: None,
        end_utc_offset_minutes: None,
        indications: Vec::new(),
        named_conditions: Vec::new(),
        named_devices: Vec::new(),
    };
    let product = Product::of_concept(concept.clone());
    finish_shared("DeviceUseStatement", &mut procedure, Some(&product), "");
    if status == Some("inactive") {
        procedure.display.push_str(INACTIVE_WORDS);
    }
    procedure
}

/// What an affixed Device's stored row (see [`affixed_row`]) says the Device is, for a
/// statement or a procedure naming it: its codes, and its words without what the row adds.
pub fn product_of_row(row: &Procedure) -> Product {
    let words = row
        .display
        .strip_prefix(DEVICE_WORDS)
        .unwrap_or(&row.display);
    let words = words.strip_suffix(INACTIVE_WORDS).unwrap_or(words);
    let coding = if row.codings.is_empty() {
        (!row.code.is_empty())
            .then(|| model::Coding {
                system: (!row.system.is_empty()).then(|| row.system.clone()),
                code: Some(row.code.clone()),
                display: None,
            })
            .into_iter()
            .collect()
    } else {
        row.codings
            .iter()
            .map(|c| model::Coding {
                system: (!c.system.is_empty()).then(|| c.system.clone()),
                code: Some(c.code.clone()),
                display: (!c.display.is_empty()).then(|| c.display.clone()),
            })
            .collect()
    };
    Product::of_concept(CodeableConcept {
        coding,
        text: (words != UNNAMED_DEVICE).then(|| words.to_owned()),
    })
}

/// The code of a study place: the prefix, then its R4 `ResearchSubject.status`.
pub use crate::domain::STUDY_PLACE_CODE as TRIAL_CODE_PREFIX;

/// What a device use's words start with, so that a reader tells it from a procedure.
pub const DEVICE_WORDS: &str = "Device: ";

/// The words a device use stands under while its Device is not found, and none is named.
const UNNAMED_DEVICE: &str = "unidentified device";

/// What a Device is: its `type`, with its name beside the type's words when it says more (a
/// generic "Neurostimulator" of the model "VNS Therapy SenTiva": the model is what tells which
/// option it is), else its name alone (a user-friendly name first, then a model name).
pub(super) fn device_concept(device: &model::Device) -> Option<CodeableConcept> {
    if let Some(kind) = device.kind.as_ref().filter(|kind| kind.names_something()) {
        let mut kind = kind.clone();
        let name = device_name(device);
        kind.text = match (kind.words().map(str::to_owned), name) {
            (Some(words), Some(name)) if !words.to_lowercase().contains(&name.to_lowercase()) => {
                Some(format!("{words} ({name})"))
            }
            (Some(words), _) => Some(words),
            (None, name) => name,
        };
        return Some(kind);
    }
    device_name(device).map(|text| CodeableConcept {
        coding: Vec::new(),
        text: Some(text),
    })
}

fn device_name(device: &model::Device) -> Option<String> {
    let named = |kind: &str| {
        device.device_name.iter().find_map(|name| {
            (name.kind.as_deref() == Some(kind))
                .then_some(name.name.as_deref())
                .flatten()
                .map(str::trim)
                .filter(|name| !name.is_empty())
        })
    };
    named("user-friendly-name")
        .or_else(|| named("patient-reported-name"))
        .or_else(|| named("model-name"))
        .or_else(|| named("other"))
        .or_else(|| {
            device
                .device_name
                .iter()
                .filter_map(|name| name.name.as_deref().map(str::trim))
                .find(|name| !name.is_empty())
        })
        .map(str::to_owned)
}

/// What a ResearchStudy is: its title, and its registry identifiers (an NCT number) as codes.
pub(super) fn study_concept(study: &model::ResearchStudy) -> Option<CodeableConcept> {
    let concept = CodeableConcept {
        coding: study
            .identifier
            .iter()
            .filter_map(|identifier| {
                let value = identifier.value.as_deref()?.trim();
                (!value.is_empty()).then(|| model::Coding {
                    system: identifier.system.clone(),
                    code: Some(value.to_owned()),
                    display: None,
                })
            })
            .collect(),
        text: study
            .title
            .as_deref()
            .map(str::trim)
            .filter(|title| !title.is_empty())
            .map(str::to_owned),
    };
    concept.names_something().then_some(concept)
}

/// A study place's R4 status in words ("on study", "candidate").
pub fn study_status_words(status: &str) -> String {
    status.replace('-', " ")
}

/// How a study is named: its registry id and title, either alone when the other is missing.
fn study_name(concept: &CodeableConcept) -> Option<String> {
    let id = concept
        .coding
        .iter()
        .find_map(|c| c.code.as_deref())
        .map(str::trim);
    let title = concept.words().map(str::trim);
    match (id, title) {
        (Some(id), Some(title)) if !title.contains(id) => Some(format!("{id} {title}")),
        (_, Some(title)) => Some(title.to_owned()),
        (Some(id), None) => Some(id.to_owned()),
        (None, None) => None,
    }
}

/// The words of a study place: "Trial <name>: <status>".
pub(super) fn study_words(name: Option<&str>, status: &str) -> String {
    format!(
        "Trial {}: {}",
        name.unwrap_or("(study not named)"),
        study_status_words(status)
    )
}

/// The words of a device use whose Device is not found: the reference's display, if any.
pub(super) fn device_words(display: Option<&str>) -> String {
    format!(
        "{DEVICE_WORDS}{}",
        display
            .map(str::trim)
            .filter(|display| !display.is_empty())
            .unwrap_or(UNNAMED_DEVICE)
    )
}

/// Completes a device use, a procedure naming a device, or a study place (`resource_type`)
/// with the Device or ResearchStudy it names (`shared`, found by `refers`): its code and words.
/// Returns why it could not be, when what it names is in no import (a statement and a study
/// place then keep the words their reference gave; a procedure its own).
pub fn finish_shared(
    resource_type: &str,
    procedure: &mut Procedure,
    shared: Option<&Product>,
    refers: &str,
) -> Option<String> {
    let Some(concept) = shared.map(|product| &product.code) else {
        return match resource_type {
            "DeviceUseStatement" => Some(format!(
                "its device {refers} is in no imported file: kept as '{}' until it is imported",
                procedure.display
            )),
            "ResearchSubject" => Some(format!(
                "its study {refers} is in no imported file: kept as '{}' until it is imported",
                procedure.display
            )),
            _ => None,
        };
    };
    let words = concept
        .words()
        .map(str::to_owned)
        .or_else(|| codes_named(concept));
    match resource_type {
        "DeviceUseStatement" => {
            let chosen = snomed_first(concept);
            let coding = chosen.and_then(|index| concept.coding.get(index));
            procedure.code = coding.and_then(|c| c.code.clone()).unwrap_or_default();
            procedure.system = coding
                .and_then(|c| c.system.as_deref())
                .map(|system| canonical_system(system).to_owned())
                .unwrap_or_default();
            let codings = codings_of(concept, chosen);
            procedure.codings = if codings.len() > 1 {
                codings
            } else {
                Vec::new()
            };
            procedure.display = device_words(words.as_deref());
        }
        "ResearchSubject" => {
            let status = procedure.study_status().unwrap_or("").to_owned();
            procedure.display = study_words(study_name(concept).as_deref(), &status);
        }
        _ => {
            // A procedure's own code stays what it is; the device's codes are added to its
            // codings, so that an option naming the device by a code finds it. One act sent
            // with two Devices of one kind (a stimulator's generator and its lead, DK-5) names
            // the device once: a second "(device: …)" would read as a second device implanted.
            if let Some(words) = &words {
                let said = format!(" (device: {words})");
                if !procedure.display.contains(&said) {
                    procedure.display.push_str(&said);
                }
            }
            let device = codings_of(concept, snomed_first(concept));
            if !device.is_empty() {
                if procedure.codings.is_empty() {
                    procedure.codings.push(Coding {
                        system: procedure.system.clone(),
                        code: procedure.code.clone(),
                        display: procedure.display.clone(),
                    });
                }
                for coding in device {
                    if !procedure.codings.contains(&coding) {
                        procedure.codings.push(coding);
                    }
                }
            }
        }
    }
    None
}

/// The coding shown first: SNOMED CT when the concept has it, else its first code.
fn snomed_first(concept: &CodeableConcept) -> Option<usize> {
    concept
        .coding
        .iter()
        .position(|c| {
            c.code.is_some()
                && c.system.as_deref().is_some_and(|system| {
                    canonical_system(system)
                        .to_ascii_lowercase()
                        .contains("snomed")
                })
        })
        .or_else(|| concept.coding.iter().position(|c| c.code.is_some()))
}

fn codings_of(concept: &CodeableConcept, chosen: Option<usize>) -> Vec<Coding> {
    chosen
        .and_then(|index| concept.coding.get(index))
        .into_iter()
        .chain(
            concept
                .coding
                .iter()
                .enumerate()
                .filter(|(index, _)| Some(*index) != chosen)
                .map(|(_, c)| c),
        )
        .map(|c| Coding {
            system: c
                .system
                .as_deref()
                .map(|system| canonical_system(system).to_owned())
                .unwrap_or_default(),
            code: c.code.clone().unwrap_or_default(),
            display: c.display.clone().unwrap_or_default(),
        })
        .filter(|c| !c.code.trim().is_empty())
        .collect()
}

/// A concept's codes, when it has no words ("SNOMED CT 123, code 456").
fn codes_named(concept: &CodeableConcept) -> Option<String> {
    let codes: Vec<String> = concept
        .coding
        .iter()
        .filter_map(|c| {
            let code = c.code.as_deref()?.trim();
            let snomed = c
                .system
                .as_deref()
                .is_some_and(|s| canonical_system(s).to_ascii_lowercase().contains("snomed"));
            (!code.is_empty()).then(|| {
                if snomed {
                    format!("SNOMED CT {code}")
                } else {
                    format!("code {code}")
                }
            })
        })
        .collect();
    (!codes.is_empty()).then(|| codes.join(", "))
}
