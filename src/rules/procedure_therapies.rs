//! Treatments recorded only as a procedure: a CAR T-cell infusion is often billed and recorded
//! as a Procedure (CPT 38228 or 0540T, an ICD-10-PCS or HCPCS product code) with no medication
//! record, and often with no display (CPT descriptors are licensed, codes go out alone). The rule sets
//! that count such a therapy as a line when it comes as a drug record (lbcl.toml and
//! myeloma.toml list `car_t` among their line classes) read the procedure as that drug given on
//! its day, so that the same treatment makes the same line however the record wrote it.

use super::drugs::DrugBook;
use super::model::RuleSet;
use crate::domain::{DatesKnown, DrugExposure, PatientRecord, Procedure};

/// The widest window of days a procedure may give for its day and still be read as a therapy
/// on the window's first day: a month ("2025-11"). An age, a year, words naming no day, or no
/// date at all make no line: placed on a guessed day, an infusion would reorder the lines around
/// it (a CAR-T dated 1970 by a missing date became line 1, and the first line's stricter
/// response rule then fell on R-CHOP: a false refractory LBCL, the review's case).
const WIDEST_WINDOW_DAYS: i64 = 30;

/// A drug record of the therapy within this many days of the procedure is the same infusion
/// recorded twice (the product's administration, the procedure that billed it): the drug record
/// stands alone.
const SAME_INFUSION_DAYS: i64 = 14;

/// `record` with every procedure `set` reads as a therapy (`lines.therapy_procedures`) added as
/// a drug exposure on its day: the drug its displays name when the drug book knows it, else the
/// product its code names (`lines.therapy_procedure_products`), else
/// `lines.therapy_procedure_drug`. `None` when there is none to add.
pub fn with_therapies(
    record: &PatientRecord,
    set: &RuleSet,
    book: &DrugBook,
) -> Option<PatientRecord> {
    let terms = &set.lines.therapy_procedures;
    if terms.is_empty() {
        return None;
    }
    let fallback = book.get(&set.lines.therapy_procedure_drug)?;
    let is_the_therapy = |text: &str, codes: &[&str]| {
        let drugs = book.recognise(codes, text);
        !drugs.is_empty()
            && drugs
                .iter()
                .all(|drug| fallback.classes.iter().all(|class| drug.has_class(class)))
    };
    // The product a code names (an ICD-10-PCS or HCPCS product code sent with no display),
    // when the drug book knows it as the therapy.
    let product_coded = |procedure: &Procedure| {
        procedure.codes().find_map(|code| {
            set.lines
                .therapy_procedure_products
                .iter()
                .find(|(listed, _)| listed.eq_ignore_ascii_case(code.trim()))
                .and_then(|(_, ingredient)| book.get(ingredient))
                .filter(|drug| is_the_therapy(&drug.ingredient, &[]))
        })
    };
    let already_given = |procedure: &Procedure| {
        record.exposures.iter().any(|exposure| {
            let codes = exposure.codes();
            (exposure.start - procedure.performed).num_days().abs() <= SAME_INFUSION_DAYS
                && is_the_therapy(&exposure.text, &codes)
        })
    };
    let added: Vec<DrugExposure> = record
        .procedures
        .iter()
        .filter(|procedure| {
            procedure
                .window()
                .is_some_and(|(first, last)| (last - first).num_days() <= WIDEST_WINDOW_DAYS)
        })
        .filter(|procedure| super::procedure_terms::is_one_of(procedure, terms))
        .filter(|procedure| !already_given(procedure))
        .map(|procedure| {
            let text = procedure
                .displays()
                .find(|display| is_the_therapy(display, &[]))
                .map(str::to_owned)
                .or_else(|| product_coded(procedure).map(|drug| drug.ingredient.clone()))
                .unwrap_or_else(|| fallback.ingredient.clone());
            // Each end in the offset it was written in; an end no later than the start is the
            // start.
            let (end, end_utc_offset_minutes) = match procedure.end {
                Some(end) if end > procedure.performed => (end, procedure.end_utc_offset_minutes),
                _ => (procedure.performed, procedure.utc_offset_minutes),
            };
            DrugExposure {
                // Apart from every stored exposure's id (those are positive).
                id: -procedure.id.abs() - 1,
                text,
                rxnorm: None,
                atc: None,
                start: procedure.performed,
                end: Some(end),
                dose: None,
                route: None,
                role: None,
                stop_reason: None,
                // One infusion.
                cycles: Some(1),
                dates: DatesKnown::Stated,
                stop_text: None,
                utc_offset_minutes: procedure.utc_offset_minutes,
                end_utc_offset_minutes,
                indications: Vec::new(),
                // One infusion given, no word that the therapy stopped.
                said_stopped: false,
                dose_from: None,
            }
        })
        .collect();
    if added.is_empty() {
        return None;
    }
    let mut with = record.clone();
    with.exposures.extend(added);
    with.exposures
        .sort_by_key(|exposure| (exposure.start, exposure.id));
    Some(with)
}
