//! Imaging as the patient's record holds it: how an `ImagingStudy`, or a `DiagnosticReport`
//! of an imaging section, becomes a procedure row "Imaging: <what was imaged>" dated by the
//! study.
//!
//! An imaging row is a procedure row, as a device use is: the timeline, `show`, both exports
//! and the re-evaluation checklist (a brain MRI, a PET-CT, a skeletal survey) already read
//! procedures by their codes and words, and PACS and radiology systems record the study only
//! there, never as a Procedure.

use super::model::{self, CodeableConcept, Coding};
use crate::domain::{canonical_system, report_code_is_pet};

/// What an imaging row's words start with, so that a reader tells it from a procedure.
pub use crate::domain::IMAGING_WORDS;

/// HL7 v2 table 0074 (diagnostic service section), the R4 `DiagnosticReport.category` value
/// set: the sections that are imaging (radiology, CAT scan, nuclear magnetic resonance, nuclear
/// medicine scan, radiograph, cineradiograph, and the radiology, vascular, cardiac and
/// obstetric ultrasounds).
const IMAGING_SECTIONS: [&str; 10] = [
    "RAD", "CT", "NMR", "NMS", "RX", "XRC", "RUS", "VUS", "CUS", "OUS",
];

/// LOINC's part for the radiology class, which US Core's report category uses.
const RADIOLOGY_PART: &str = "LP29684-5";

/// How LOINC names a radiology code: its first word is the modality ("MR Brain", "CT Chest",
/// "XR Chest 2 Views", "PT+CT Whole body"), per LOINC's radiology naming convention.
const LOINC_MODALITIES: [&str; 14] = [
    "MR", "MRA", "CT", "CTA", "XR", "US", "NM", "PT", "PET", "MG", "RF", "DXA", "XA", "SPECT",
];

/// The words of a DICOM modality (CID 29 "Acquisition Modality"): what a clinician calls it,
/// so that a rule's words ("MRI + brain", "PET + CT") find it. `None`: not a code listed here
/// (its display, else the code, is then used).
fn dicom_words(code: &str) -> Option<&'static str> {
    Some(match code.trim().to_ascii_uppercase().as_str() {
        "MR" => "MRI",
        "CT" => "CT",
        "PT" => "PET",
        "NM" => "nuclear medicine",
        "US" => "ultrasound",
        "CR" | "DX" => "X-ray",
        "MG" => "mammography",
        "XA" => "X-ray angiography",
        "RF" => "fluoroscopy",
        "BDUS" | "DXA" => "bone densitometry",
        _ => return None,
    })
}

fn modality_words(coding: &Coding) -> Option<String> {
    let listed = coding
        .system
        .as_deref()
        .is_none_or(|system| system.contains("dicom.nema.org"))
        .then(|| coding.code.as_deref().and_then(dicom_words))
        .flatten();
    listed
        .map(str::to_owned)
        .or_else(|| coding.display.as_deref().map(str::trim).map(str::to_owned))
        .or_else(|| coding.code.as_deref().map(str::trim).map(str::to_owned))
        .filter(|words| !words.is_empty())
}

/// Words cut at every character that is neither a letter nor a digit, in lower case.
fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// An imaging row's words: what the record calls the study (`main`), then in brackets the
/// modalities and body sites (`parts`) it does not already name; the parts alone when it calls
/// it nothing.
fn row_words(main: Option<&str>, parts: &[String]) -> Option<String> {
    let main = main.map(str::trim).filter(|main| !main.is_empty());
    let Some(main) = main else {
        return (!parts.is_empty()).then(|| format!("{IMAGING_WORDS}{}", parts.join(", ")));
    };
    let said = words_of(main);
    let missing: Vec<&str> = parts
        .iter()
        .filter(|part| !words_of(part).iter().all(|word| said.contains(word)))
        .map(String::as_str)
        .collect();
    Some(if missing.is_empty() {
        format!("{IMAGING_WORDS}{main}")
    } else {
        format!("{IMAGING_WORDS}{main} ({})", missing.join(", "))
    })
}

fn push_unique(parts: &mut Vec<String>, words: String) {
    if !parts.iter().any(|part| part.eq_ignore_ascii_case(&words)) {
        parts.push(words);
    }
}

/// An ImagingStudy as a procedure to date and code (its `procedureCode`, else its modalities),
/// with the words of its row. Dated by `started`, else its earliest series' start (R4 gives the
/// study no other date); neither: not dated. `None`: it says nothing of what was imaged.
pub(super) fn study_procedure(study: &model::ImagingStudy) -> Option<(model::Procedure, String)> {
    let modalities: Vec<&Coding> = study
        .modality
        .iter()
        .chain(
            study
                .series
                .iter()
                .filter_map(|series| series.modality.as_ref()),
        )
        .collect();
    let mut parts = Vec::new();
    for words in modalities
        .iter()
        .filter_map(|coding| modality_words(coding))
    {
        push_unique(&mut parts, words);
    }
    for site in study
        .series
        .iter()
        .filter_map(|series| series.body_site.as_ref()?.display.as_deref())
        .map(str::trim)
        .filter(|site| !site.is_empty())
    {
        push_unique(&mut parts, site.to_owned());
    }
    let coded = study
        .procedure_code
        .iter()
        .find(|concept| concept.names_something());
    let main = study
        .description
        .as_deref()
        .map(str::trim)
        .filter(|description| !description.is_empty())
        .or_else(|| coded.and_then(|concept| concept_words(concept)));
    let words = row_words(main, &parts)?;
    let code = coded.cloned().unwrap_or_else(|| {
        let mut seen: Vec<&str> = Vec::new();
        CodeableConcept {
            coding: modalities
                .iter()
                .filter(|coding| {
                    coding.code.as_deref().is_some_and(|code| {
                        let new = !seen.contains(&code);
                        seen.push(code);
                        new
                    })
                })
                .map(|coding| (*coding).clone())
                .collect(),
            text: None,
        }
    });
    let started = study.started.clone().or_else(|| {
        study
            .series
            .iter()
            .filter_map(|series| series.started.clone())
            .min()
    });
    Some((
        model::Procedure {
            code: Some(code),
            performed_date_time: started,
            reason_code: study.reason_code.clone(),
            reason_reference: study.reason_reference.clone(),
            ..model::Procedure::default()
        },
        words,
    ))
}

fn concept_words(concept: &CodeableConcept) -> Option<&str> {
    concept
        .words()
        .or_else(|| concept.coding.iter().find_map(|c| c.display.as_deref()))
        .map(str::trim)
        .filter(|words| !words.is_empty())
}

/// Whether a DiagnosticReport is an imaging study's report: its category is an imaging section
/// (v2-0074, LOINC's radiology part, or words naming imaging or radiology), or its code is a
/// LOINC radiology code (named by its modality) or a PET report's.
pub(super) fn is_imaging_report(report: &model::DiagnosticReport) -> bool {
    let category = report.category.iter().any(|concept| {
        concept.coding.iter().any(|coding| {
            let Some(code) = coding.code.as_deref().map(str::trim) else {
                return false;
            };
            let v2 = coding
                .system
                .as_deref()
                .is_none_or(|system| system.contains("v2-0074"));
            (v2 && IMAGING_SECTIONS.contains(&code)) || code == RADIOLOGY_PART
        }) || concept
            .text
            .iter()
            .map(String::as_str)
            .chain(concept.coding.iter().filter_map(|c| c.display.as_deref()))
            .any(|words| {
                words_of(words)
                    .iter()
                    .any(|word| matches!(word.as_str(), "imaging" | "radiology"))
            })
    });
    let coded = report
        .code
        .iter()
        .flat_map(|concept| &concept.coding)
        .any(|coding| {
            let loinc = coding
                .system
                .as_deref()
                .is_some_and(|system| canonical_system(system) == "http://loinc.org");
            let named = coding.display.as_deref().is_some_and(|display| {
                display
                    .split(|c: char| c.is_whitespace() || c == '+')
                    .next()
                    .is_some_and(|first| LOINC_MODALITIES.contains(&first))
            });
            (loinc && named)
                || coding
                    .code
                    .as_deref()
                    .is_some_and(|code| report_code_is_pet(coding.system.as_deref(), code))
        });
    category || coded
}

/// An imaging report as a procedure to date and code (its `code`), with the words of its row.
/// Dated by `effective[x]` (when the images were taken), else `issued` (taken by then).
/// `None`: its code names nothing.
pub(super) fn report_procedure(
    report: &model::DiagnosticReport,
) -> Option<(model::Procedure, String)> {
    let code = report
        .code
        .clone()
        .filter(CodeableConcept::names_something)?;
    let words = row_words(concept_words(&code), &[]).or_else(|| {
        let codes: Vec<&str> = code
            .coding
            .iter()
            .filter_map(|c| c.code.as_deref())
            .collect();
        Some(format!("{IMAGING_WORDS}code {}", codes.join(", ")))
    })?;
    let effective = report.effective_date_time.clone();
    Some((
        model::Procedure {
            code: Some(code),
            performed_date_time: effective.clone().or_else(|| {
                report
                    .effective_period
                    .as_ref()
                    .is_none_or(|period| period.start.is_none() && period.end.is_none())
                    .then(|| report.issued.clone())
                    .flatten()
            }),
            performed_period: report
                .effective_period
                .clone()
                .filter(|_| effective.is_none()),
            ..model::Procedure::default()
        },
        words,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn the_row_names_what_its_description_leaves_out() {
        assert_eq!(
            row_words(
                Some("MRI brain epilepsy protocol"),
                &parts(&["MRI", "Brain"])
            )
            .as_deref(),
            Some("Imaging: MRI brain epilepsy protocol")
        );
        assert_eq!(
            row_words(
                Some("Whole body low-dose CT"),
                &parts(&["CT", "Entire body"])
            )
            .as_deref(),
            Some("Imaging: Whole body low-dose CT (Entire body)")
        );
        assert_eq!(
            row_words(None, &parts(&["PET", "CT"])).as_deref(),
            Some("Imaging: PET, CT")
        );
        assert_eq!(row_words(Some("  "), &[]), None);
    }

    #[test]
    fn a_loinc_code_named_by_its_modality_is_an_imaging_report() {
        let report = |display: &str| model::DiagnosticReport {
            code: Some(CodeableConcept {
                coding: vec![Coding {
                    system: Some(String::from("http://loinc.org")),
                    code: Some(String::from("0")),
                    display: Some(display.to_owned()),
                }],
                text: None,
            }),
            ..model::DiagnosticReport::default()
        };
        assert!(is_imaging_report(&report("MR Brain WO contrast")));
        assert!(is_imaging_report(&report("PT+CT Whole body")));
        assert!(!is_imaging_report(&report("CBC panel - Blood")));
        assert!(!is_imaging_report(&report(
            "Magnesium [Mass/volume] in Serum"
        )));
    }
}
