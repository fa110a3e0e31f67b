//! Recognising a procedure from the terms a rule set or an options catalogue lists for it: a
//! code (SNOMED CT, CPT/HCPCS, ICD-10-PCS or refract's own, compared whole), or words of its
//! display.
//!
//! Procedure displays vary more than drug names: "Autologous peripheral blood stem cell
//! transplant", "Hematopoietic progenitor cell (HPC); autologous transplantation", "Transfusion
//! of Autologous Hematopoietic Stem/Progenitor Cells into Central Vein" are one autologous
//! transplant. So a term's words match the usual word forms (a term word followed by one of
//! [`WORD_ENDINGS`]: "transplant" finds "transplantation", "cell" finds "cells"), any
//! punctuation between words is a space ("stem cell" finds "stem-cell" and "Stem/Cell"), and a
//! term may join phrases with `+` that must all appear, in any order ("autologous + stem cell
//! + transplant" finds "Stem cell transplant (autologous)").

use crate::domain::Procedure;

/// Endings that make another form of a term's word: plurals, and the noun and past participle
/// of a verb ("transplant" → "transplants", "transplantation", "transplanted").
const WORD_ENDINGS: [&str; 5] = ["s", "es", "ation", "ations", "ed"];

/// Whether `procedure` is one of `terms`: one of its codes is a term, or one of its displays
/// names one and none names a term marked `!` (a list's exclusions: "!harvest" keeps "Bone
/// marrow harvesting for transplantation; autologous", the collection, from being the
/// transplant it is for). Every coding counts: R4's codings of one concept are the same
/// procedure in several code systems, so an unlisted SNOMED CT concept beside a listed CPT code,
/// or a vague first display beside a telling one, is still the procedure. An exclusion any
/// display names wins over a term another names, and over a listed code: the record
/// contradicts itself, a code may be billed for the excluded kind too (CPT 90870 is every ECT
/// session, maintenance ECT included), and a procedure wrongly counted would make a flag.
pub fn is_one_of(procedure: &Procedure, terms: &[String]) -> bool {
    // A study place (an imported ResearchSubject) is no procedure done: its words are the
    // study's title, which may name the very therapy it compares ("CAR T-cell therapy versus
    // standard care"), given or not. An imaging study is no treatment either: its words may
    // name the one it looks at ("MRI brain after left temporal lobectomy", "PET-CT after CAR
    // T-cell therapy"); only [`is_study_one_of`] reads it.
    if procedure.is_study_place() || procedure.is_imaging() {
        return false;
    }
    names_one_of(procedure, terms)
}

/// Whether `procedure` is an examination `terms` name, done: as [`is_done_one_of`], an imaging
/// row (an ImagingStudy, a radiology report) included. What the re-evaluation checklist's
/// imaging items read.
pub fn is_study_one_of(procedure: &Procedure, terms: &[String]) -> bool {
    if procedure.is_study_place() {
        return false;
    }
    names_one_of(procedure, &with_steps_towards(terms))
}

fn names_one_of(procedure: &Procedure, terms: &[String]) -> bool {
    let (excluded, wanted): (Vec<&String>, Vec<&String>) = terms
        .iter()
        .partition(|term| term.trim_start().starts_with('!'));
    let named = |term: &str| procedure.displays().any(|display| names(display, term));
    if excluded
        .iter()
        .any(|term| named(term.trim_start().trim_start_matches('!')))
    {
        return false;
    }
    let coded = procedure.codes().map(str::trim).any(|code| {
        !code.is_empty()
            && wanted
                .iter()
                .any(|term| code.eq_ignore_ascii_case(term.trim()))
    });
    coded || wanted.iter().any(|term| named(term))
}

/// Words that make a procedure record a step towards a treatment, not the treatment: a
/// referral, a request or a plan, an evaluation or assessment of whether it suits, a
/// consultation about it, a consent to it ("Presurgical evaluation for epilepsy surgery",
/// "Referral for vagus nerve stimulation", "ECT consent discussion"). The rule sets list the
/// same words as exclusions of their own therapy terms (depression's ECT, epilepsy's video-EEG,
/// the CAR T infusion of lbcl and myeloma); a list that names no such procedure (the options
/// catalogues) is read with them by [`is_done_one_of`].
pub const STEPS_TOWARDS: [&str; 16] = [
    "!referral",
    "!referred",
    "!request",
    "!requested",
    "!planned",
    "!planning",
    "!assessment",
    "!evaluation",
    "!consultation",
    "!consult",
    "!consent",
    "!workup",
    "!work up",
    "!candidacy",
    "!eligibility",
    "!discussion",
];

/// Whether `procedure` is one of `terms` and was done: as [`is_one_of`], with a record that is
/// only a step towards it ([`STEPS_TOWARDS`]) not counted. What tells the team a treatment was
/// already given must not count its referral or its work-up.
pub fn is_done_one_of(procedure: &Procedure, terms: &[String]) -> bool {
    is_one_of(procedure, &with_steps_towards(terms))
}

fn with_steps_towards(terms: &[String]) -> Vec<String> {
    terms
        .iter()
        .cloned()
        .chain(STEPS_TOWARDS.iter().map(|word| (*word).to_owned()))
        .collect()
}

/// Whether `text` names `term`: every `+`-separated phrase of the term appears in it, each on
/// word boundaries, with its words in order and in any of their usual forms.
pub fn names(text: &str, term: &str) -> bool {
    let words = words_of(text);
    let mut phrases = term
        .split('+')
        .map(words_of)
        .filter(|p| !p.is_empty())
        .peekable();
    phrases.peek().is_some() && phrases.all(|phrase| has_phrase(&words, &phrase))
}

fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn has_phrase(words: &[String], phrase: &[String]) -> bool {
    words.windows(phrase.len()).any(|window| {
        window
            .iter()
            .zip(phrase)
            .all(|(word, wanted)| is_form_of(word, wanted))
    })
}

fn is_form_of(word: &str, wanted: &str) -> bool {
    word == wanted
        || word
            .strip_prefix(wanted)
            .is_some_and(|ending| WORD_ENDINGS.contains(&ending))
}

#[cfg(test)]
mod tests {
    use super::names;

    #[test]
    fn a_term_finds_the_usual_forms_of_its_words_in_any_order_of_its_phrases() {
        let hpc = "Hematopoietic progenitor cell (HPC); autologous transplantation";
        assert!(names(hpc, "autologous transplant"));
        assert!(names(hpc, "autologous + progenitor cell + transplant"));
        assert!(!names(hpc, "allogeneic + transplant"));
        assert!(names("Autologous stem-cell transplant", "stem cell"));
        assert!(names(
            "Transfusion of Autologous Hematopoietic Stem/Progenitor Cells into Central Vein",
            "autologous + progenitor cell + transfusion"
        ));
        assert!(names("Video-EEG monitoring", "EEG"));
        assert!(!names("Electroencephalogram", "eeg"));
        assert!(!names("Transplantable tissue", "transplant"));
        assert!(!names("anything", " + "));
    }
}
