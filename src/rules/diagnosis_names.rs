//! Whether a diagnosis record is one a list names: by an ICD-10 code under a listed prefix, a
//! listed SNOMED CT concept, or a listed name its words mention without denying it. The rule
//! sets' `applies_to`, exclusions, recorded causes and episodes all ask it, so it stands below
//! the engine and every criterion that reads diagnoses.

use std::borrow::Cow;

use super::model::{Abbreviation, AppliesTo};
use super::words::contains_words;
use crate::domain::{
    Condition, ConditionCodeSystem, Indication, LOOKED_FOR_BY, PENDING_ANSWERS, names_response,
    result_of,
};

/// Whether `list` (a rule set's `applies_to`, or a list of the same shape) selects `condition`:
/// by a listed code, by a listed name its words say outside the other diseases named with it
/// (`not_names`), or by one of its abbreviations written beside the words that say it is this
/// diagnosis.
/// A diagnosis coded as another disease (`not_icd10`) and by none of the list's codes is that
/// disease whatever its words: an acute promyelocytic leukaemia (C92.4) written "AML M3" is no
/// AML the ELN criteria judge (OC-2).
pub fn selected_by(condition: &Condition, list: &AppliesTo) -> bool {
    if listed_code(condition, &list.icd10, &list.snomed).is_some() {
        return true;
    }
    if coded_as_another(condition.codes(), &list.not_icd10) {
        return false;
    }
    condition_matches_but(condition, &[], &[], &list.names, &list.not_names)
        || condition
            .displays()
            .any(|display| abbreviated(display, &list.abbreviations))
}

/// Whether one of `codes` is an ICD-10 code under one of `other_diseases` (a list's
/// `not_icd10`): the code says which disease the words name.
fn coded_as_another<'c>(
    mut codes: impl Iterator<Item = (ConditionCodeSystem, &'c str)>,
    other_diseases: &[String],
) -> bool {
    !other_diseases.is_empty()
        && codes.any(|(system, code)| {
            system == ConditionCodeSystem::Icd10
                && other_diseases
                    .iter()
                    .any(|prefix| icd10_starts_with(code.trim(), prefix))
        })
}

/// Whether a drug's stated indication is one `list` selects, as [`selected_by`] reads a
/// diagnosis record.
pub fn indication_selected_by(indication: &Indication, list: &AppliesTo) -> bool {
    let words = std::iter::once(indication.text.as_str())
        .chain(indication.codings.iter().map(|c| c.display.as_str()));
    let codes = indication.codings.iter().map(|coding| {
        (
            ConditionCodeSystem::from_uri(&coding.system),
            coding.code.as_str(),
        )
    });
    indication_matches(indication, &list.icd10, &list.snomed, &[])
        || !coded_as_another(codes, &list.not_icd10)
            && words.into_iter().any(|words| {
                let outside = without_phrases(words, &list.not_names);
                list.names.iter().any(|name| mentions(&outside, name))
                    || abbreviated(words, &list.abbreviations)
            })
}

/// Whether `text` names the diagnosis by one of `abbreviations` (see [`Abbreviation`]).
fn abbreviated(text: &str, abbreviations: &[Abbreviation]) -> bool {
    abbreviations.iter().any(|abbreviation| {
        mentions_as_written(text, &abbreviation.written)
            && (abbreviation.with_any.is_empty()
                || abbreviation
                    .with_any
                    .iter()
                    .any(|word| contains_words(text, word)))
            && !abbreviation
                .without_any
                .iter()
                .any(|word| contains_words(text, word))
    })
}

/// Whether `condition` is one of a list's diagnoses: one of its codes is listed (an ICD-10 code
/// under a listed prefix, a listed SNOMED CT concept), or one of its words names a listed name.
/// Every coding counts: R4 reads a concept's codings as one diagnosis in several code systems,
/// so a listed code second to an unlisted one (a local code, an ICD-10-CM code the list does
/// not hold) is still the diagnosis.
pub fn condition_matches(
    condition: &Condition,
    icd10: &[String],
    snomed: &[String],
    names: &[String],
) -> bool {
    condition_matches_but(condition, icd10, snomed, names, &[])
}

/// As [`condition_matches`], where a name said only inside one of `other_diseases` ("pulmonary
/// hypertension" for "hypertension") names that other disease, not one of the list's.
pub fn condition_matches_but(
    condition: &Condition,
    icd10: &[String],
    snomed: &[String],
    names: &[String],
    other_diseases: &[String],
) -> bool {
    listed_code(condition, icd10, snomed).is_some()
        || condition.displays().any(|display| {
            let words = without_phrases(display, other_diseases);
            names.iter().any(|name| mentions(&words, name))
        })
}

/// Whether `text[start..end]` stands as whole words: no letter or digit right before or after.
fn whole_words_at(text: &str, start: usize, end: usize) -> bool {
    !text[..start]
        .chars()
        .next_back()
        .is_some_and(char::is_alphanumeric)
        && !text[end..]
            .chars()
            .next()
            .is_some_and(char::is_alphanumeric)
}

/// `text` with each of `phrases` (whole words, any case) blanked out: in lower case where one
/// was, else as it is (every reader of the result ignores case). Every rule set asks this of
/// every diagnosis, and hardly any names one of the phrases: the text is copied only then.
fn without_phrases<'t>(text: &'t str, phrases: &[String]) -> Cow<'t, str> {
    if !phrases.iter().any(|phrase| contains_words(text, phrase)) {
        return Cow::Borrowed(text);
    }
    let mut words = text.to_lowercase();
    for phrase in phrases {
        let phrase = phrase.to_lowercase();
        if phrase.is_empty() {
            continue;
        }
        let mut from = 0;
        while let Some(offset) = words[from..].find(&phrase) {
            let start = from + offset;
            let end = start + phrase.len();
            if whole_words_at(&words, start, end) {
                words.replace_range(start..end, &" ".repeat(phrase.len()));
            }
            from = end;
        }
    }
    Cow::Owned(words)
}

/// Whether a drug's stated indication is one of a list's diagnoses, as [`condition_matches`]
/// reads a diagnosis record: one of its codings is listed, or its words name a listed name.
pub fn indication_matches(
    indication: &Indication,
    icd10: &[String],
    snomed: &[String],
    names: &[String],
) -> bool {
    indication.codings.iter().any(|coding| {
        let code = coding.code.trim();
        match ConditionCodeSystem::from_uri(&coding.system) {
            ConditionCodeSystem::Icd10 => {
                icd10.iter().any(|prefix| icd10_starts_with(code, prefix))
            }
            ConditionCodeSystem::Snomed => snomed.iter().any(|listed| listed == code),
            ConditionCodeSystem::Other => false,
        }
    }) || std::iter::once(indication.text.as_str())
        .chain(indication.codings.iter().map(|c| c.display.as_str()))
        .any(|words| names.iter().any(|name| mentions(words, name)))
}

/// The entries of one of a rule file's lists that recognise a diagnosis record, as the file
/// writes them: the ICD-10 prefixes its ICD-10 codes fall under, the SNOMED CT concepts it is
/// coded by, the names and abbreviations its words say. Two records recognised by the same
/// entries are read alike by the list, however detailed their codes (G40.9 and G40.909 under
/// `G40`).
#[derive(Debug, Default)]
pub(super) struct Entries<'l> {
    pub icd10: Vec<&'l str>,
    pub snomed: Vec<&'l str>,
    pub names: Vec<&'l str>,
}

/// The entries of a list (`icd10`, `snomed`, `names` said outside `other_diseases`,
/// `abbreviations`) that recognise `condition`, as [`condition_matches_but`] and
/// [`selected_by`] find them.
pub(super) fn listed_entries<'l>(
    condition: &Condition,
    icd10: &'l [String],
    snomed: &'l [String],
    names: &'l [String],
    other_diseases: &[String],
    abbreviations: &'l [Abbreviation],
) -> Entries<'l> {
    let mut entries = Entries::default();
    for (system, code) in condition.codes() {
        let code = code.trim();
        match system {
            ConditionCodeSystem::Icd10 => entries.icd10.extend(
                icd10
                    .iter()
                    .filter(|prefix| icd10_starts_with(code, prefix))
                    .map(String::as_str),
            ),
            ConditionCodeSystem::Snomed => entries.snomed.extend(
                snomed
                    .iter()
                    .filter(|listed| listed.as_str() == code)
                    .map(String::as_str),
            ),
            ConditionCodeSystem::Other => {}
        }
    }
    for display in condition.displays() {
        let words = without_phrases(display, other_diseases);
        entries.names.extend(
            names
                .iter()
                .filter(|name| mentions(&words, name))
                .map(String::as_str),
        );
        entries.names.extend(
            abbreviations
                .iter()
                .filter(|abbreviation| abbreviated(display, std::slice::from_ref(abbreviation)))
                .map(|abbreviation| abbreviation.written.as_str()),
        );
    }
    entries
}

/// The first of `condition`'s codes a list holds.
fn listed_code<'c>(
    condition: &'c Condition,
    icd10: &[String],
    snomed: &[String],
) -> Option<&'c str> {
    condition
        .codes()
        .map(|(system, code)| (system, code.trim()))
        .find(|(system, code)| match system {
            ConditionCodeSystem::Icd10 => {
                icd10.iter().any(|prefix| icd10_starts_with(code, prefix))
            }
            ConditionCodeSystem::Snomed => snomed.iter().any(|listed| listed == code),
            ConditionCodeSystem::Other => false,
        })
        .map(|(_, code)| code)
}

/// Whether the ICD-10 `code` falls under `prefix`, with or without the dot after the category
/// on either side: claims feeds send "C8330" for "C83.30", rule sets write "C83.3".
pub(super) fn icd10_starts_with(code: &str, prefix: &str) -> bool {
    // Every rule set asks this of every condition: compared in place, not copied or upper-cased.
    let mut code = code.bytes().filter(|byte| *byte != b'.');
    prefix.bytes().filter(|byte| *byte != b'.').all(|wanted| {
        code.next()
            .is_some_and(|byte| byte.eq_ignore_ascii_case(&wanted))
    })
}

/// Words that, just before a condition's name, say the patient does not have it: the ICD-10-CM
/// wording "epilepsy … without status epilepticus" must not select the status epilepticus rules.
/// Any of them among the two words before a name denies it ("non" only there: "non-epileptic
/// seizure disorder", not "Non-secretory myeloma in relapse"); further back, up to
/// [`NEGATION_REACH`] words, across words that only say how it was looked for ([`LOOKED_FOR`]:
/// "no evidence of relapse", "no signs or symptoms of recurrence", CR-5).
const NEGATIONS: [&str; 7] = [
    "without",
    "no",
    "not",
    "excluding",
    "absent",
    "never",
    "denies",
];

/// How many words before a name a negation reaches across [`LOOKED_FOR`] words: "no signs or
/// symptoms of recurrence" holds four between them. A choice; a clause ends it sooner.
const NEGATION_REACH: usize = 5;

/// Words between a negation and the name it denies that say only how it was looked for: "no
/// evidence of disease recurrence", "no clinical or radiological sign of relapse". Any other
/// word ends the negation's reach: "Myeloma with no high-risk cytogenetics in relapse" is a
/// relapse.
const LOOKED_FOR: [&str; 24] = [
    "evidence",
    "sign",
    "signs",
    "symptom",
    "symptoms",
    "of",
    "or",
    "and",
    "any",
    "further",
    "disease",
    "clinical",
    "radiological",
    "radiologic",
    "biochemical",
    "serological",
    "definite",
    "current",
    "active",
    "suspicion",
    "finding",
    "findings",
    "for",
    "new",
];

/// Pairs of words that deny a name as a negation does, only together: "negative for
/// recurrence", "free of relapse", "absence of relapse", "rule out relapse" ("r/o"). "Negative"
/// alone is a test result of another thing ("HBsAg negative relapsed myeloma").
const NEGATION_PAIRS: [[&str; 2]; 6] = [
    ["negative", "for"],
    ["free", "of"],
    ["absence", "of"],
    ["rule", "out"],
    ["ruled", "out"],
    ["r", "o"],
];

/// Whether the words of `before` (the text before a name, any case) deny the name in its
/// clause (a clause ends at a stop, a semicolon, a colon, a comma or a bracket): see
/// [`NEGATIONS`] and [`NEGATION_PAIRS`].
fn negated_before(before: &str) -> bool {
    let clause = before
        .rsplit(['.', ';', ':', ',', '(', ')', '[', ']'])
        .next()
        .unwrap_or_default()
        .to_lowercase();
    let back: Vec<&str> = clause
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .rev()
        .take(NEGATION_REACH)
        .collect();
    if back
        .iter()
        .take(2)
        .any(|word| NEGATIONS.contains(word) || *word == "non")
    {
        return true;
    }
    for (at, word) in back.iter().enumerate() {
        let next = at.checked_sub(1).and_then(|closer| back.get(closer));
        if NEGATIONS.contains(word)
            || NEGATION_PAIRS
                .iter()
                .any(|[first, second]| word == first && next == Some(second))
        {
            return true;
        }
        let joins_a_pair = NEGATION_PAIRS.iter().any(|[_, second]| word == second);
        if !LOOKED_FOR.contains(word) && !joins_a_pair {
            return false;
        }
    }
    false
}

/// Whether `text` names `name` (on word boundaries, any case) at least once without a negation
/// before it in its clause (see [`negated_before`]) or a denial after it.
pub(super) fn mentions(text: &str, name: &str) -> bool {
    contains_words(text, name) && mentions_as_written(&text.to_lowercase(), &name.to_lowercase())
}

/// As [`mentions`], where the case counts: `name` as it is written ("RA" in "Seropositive RA",
/// not in "ra" or "Ra-223").
fn mentions_as_written(text: &str, name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    let mut from = 0;
    while let Some(offset) = text[from..].find(name) {
        let start = from + offset;
        let end = start + name.len();
        let bounded = whole_words_at(text, start, end);
        let rest = text[end..].to_lowercase();
        let negated = negated_before(&text[..start])
            || negated_after(&rest)
            || unfound(&text[..start], &rest);
        if bounded && !negated {
            return true;
        }
        from = start + text[start..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// Whether a name is looked for and not found (CR-11): a negative result in the clause after
/// it, over a colon or a dash ("Relapse: negative", "assessed for recurrence — none",
/// "relapse screening: nil"), or no result at all when the words say it was looked for
/// ("Screening for relapse", "relapse surveillance") and nothing answers it after (a question
/// or a pending study is no answer): a question is no finding. A finding after it answers it
/// ("Evaluation for relapse — marrow 35 % blasts" is a relapse, RV-1). A positive
/// result states it ("Screening for relapse: positive"); a result of something else is no
/// result ("Relapse, no high-risk features", "Status epilepticus, negative CT head").
/// "Evaluated for epilepsy surgery" looks for the surgery, not the epilepsy: only a name that
/// ends its clause, or is followed by words of looking for it or a result, is looked for.
fn unfound(before: &str, rest: &str) -> bool {
    let clause_before = before
        .rsplit(['.', ';', ':', ',', '(', ')', '[', ']'])
        .next()
        .unwrap_or_default()
        .to_lowercase();
    let mut back = clause_before
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .rev();
    let asked_before =
        back.next() == Some("for") && back.next().is_some_and(|by| LOOKED_FOR_BY.contains(&by));
    let sentence = rest.split(['.', ';', '(', '[']).next().unwrap_or_default();
    let words_of = |text: &str| -> Vec<String> {
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|word| !word.is_empty())
            .map(str::to_owned)
            .collect()
    };
    // The name's own clause (to a comma, a colon or a dash), then the next one.
    let mut clauses = sentence
        .split([',', ':', '—', '–', '|'])
        .chain(std::iter::once(""))
        // A spaced hyphen separates as a dash does; "relapse-free" stays one clause.
        .flat_map(|clause| clause.split(" - ").map(words_of).collect::<Vec<_>>());
    let own = clauses.next().unwrap_or_default();
    let own: Vec<&str> = own
        .iter()
        .map(String::as_str)
        .skip_while(|word| NAME_CONTINUED.contains(word))
        .collect();
    let looked_after = own
        .iter()
        .take_while(|word| LOOKED_FOR_BY.contains(*word))
        .count();
    let (result, answered) = if looked_after < own.len() {
        (result_of(&own[looked_after..]), true)
    } else {
        let next = clauses
            .find(|clause| !clause.is_empty())
            .unwrap_or_default();
        let next: Vec<&str> = next.iter().map(String::as_str).collect();
        // The clause after a name looked for answers it with a finding (RV-1: "Evaluation
        // for relapse — marrow 35 % blasts" is a relapse), unless it holds nothing, a
        // question or a study still pending, or names a response ("…: complete remission",
        // "…: bones stable", OC-7), as disease-status words are read.
        let answered = !next.is_empty()
            && !next.iter().any(|word| PENDING_ANSWERS.contains(word))
            && !names_response(&next);
        (result_of(&next), answered)
    };
    match result {
        Some(found) => !found,
        None => {
            !answered
                && ((asked_before && own.is_empty())
                    || (looked_after > 0 && looked_after == own.len()))
        }
    }
}

/// Words that, after a condition's name, deny the diagnosis whatever follows them, even after a
/// comma or a dash: "Epilepsy ruled out by video-EEG", "Epilepsy, ruled out", "Epilepsy -
/// excluded (PNES)", "Epilepsy unlikely given normal EEG" (the third review's cases gave a
/// false drug-resistant epilepsy).
/// "Relapse-free", "recurrence free" (CR-5) deny it as a state, not "free of" something else.
const DENIALS_AFTER: [&str; 6] = ["ruled", "excluded", "unlikely", "denied", "absent", "free"];

/// Words that, after "not" right after a name, deny that it was found ("recurrence not seen",
/// "relapse not detected", CR-5); "not" before anything else says something else of the
/// name ("epilepsy not intractable"). Not "confirmed": "Epilepsy not confirmed" is a diagnosis
/// still to confirm, read as before, not denied.
const NOT_FOUND_AFTER: [&str; 7] = [
    "seen",
    "detected",
    "present",
    "found",
    "identified",
    "evident",
    "demonstrated",
];

/// Words that deny the name only right after it (or after "screen"/"test" after it), and not
/// when they deny something named after them: "bipolar screen negative", "bipolar screen
/// negative on MDQ" deny it; "lymphoma negative for MYC rearrangement" and "Status
/// epilepticus, negative CT head" deny something else (the second review's cases, which lost
/// their whole assessments; the first's "Recurrent depression - bipolar screen negative"
/// excluded a depression).
const NEGATIVE_AFTER: [&str; 2] = ["negative", "neg"];

/// Words that continue a diagnosis's name before what is said of it ("Bipolar disorder ruled
/// out", "Bipolar I disorder excluded").
const NAME_CONTINUED: [&str; 8] = [
    "disorder", "disease", "syndrome", "type", "i", "ii", "1", "2",
];

/// Whether "free" right after a name says the patient is free of it ("relapse-free",
/// "recurrence free at 2 years", "relapse-free survival"), given the word after "free": not
/// where "free" begins something else of the name ("myeloma free light chain", "epilepsy free
/// from seizures", "free of seizures": the disease is there, what it is free of follows).
fn free_of_the_name(next: Option<&str>) -> bool {
    next.is_none_or(|next| {
        next.starts_with(|c: char| c.is_ascii_digit())
            || matches!(
                next,
                "at" | "for" | "since" | "after" | "until" | "to" | "now" | "survival" | "interval"
            )
    })
}

/// Whether the words after a name deny it (see [`DENIALS_AFTER`] and [`NEGATIVE_AFTER`]).
fn negated_after(rest: &str) -> bool {
    // What is said of the name, up to the end of its sentence; a separator right after the
    // name is noted: only the strong denials reach over it.
    let sentence = rest.split(['.', ';', '(', '[']).next().unwrap_or_default();
    let separated = sentence
        .trim_start()
        .starts_with([',', '-', '–', ':', '/', '|']);
    // "relapse-free": the hyphen joins the name to what is said of it, it separates nothing.
    let hyphenated = sentence.starts_with(['-', '‐']);
    let words: Vec<&str> = sentence
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .skip_while(|word| NAME_CONTINUED.contains(word))
        .collect();
    match words.as_slice() {
        ["not", found, ..] if NOT_FOUND_AFTER.contains(found) => true,
        // "Epilepsy free of seizures" is epilepsy; "relapse-free" no relapse.
        [first, ..] if DENIALS_AFTER.contains(first) => match *first {
            "ruled" => words.get(1) == Some(&"out"),
            "free" => (!separated || hyphenated) && free_of_the_name(words.get(1).copied()),
            _ => true,
        },
        [screen, negative, rest @ ..]
            if !separated
                && matches!(
                    *screen,
                    "screen" | "screening" | "test" | "tested" | "testing"
                )
                && NEGATIVE_AFTER.contains(negative) =>
        {
            rest.first() != Some(&"for")
        }
        [negative, rest @ ..] if !separated && NEGATIVE_AFTER.contains(negative) => rest
            .first()
            .is_none_or(|next| matches!(*next, "on" | "by" | "per" | "at" | "x2" | "twice")),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::mentions;

    /// Review RV-1: "free" begins something else of the name as often as it denies it: a
    /// myeloma followed by its free light chains, an epilepsy free from seizures now, a relapse
    /// followed by a comma and its free light chain escape are each the disease named.
    #[test]
    fn free_denies_a_name_only_when_it_is_free_of_it() {
        for (text, name) in [
            ("Multiple myeloma, free light chain kappa", "myeloma"),
            ("Multiple myeloma free light chain kappa", "myeloma"),
            ("Epilepsy, free from seizures since 2020", "epilepsy"),
            ("Epilepsy free from seizures since 2020", "epilepsy"),
            ("Epilepsy free of seizures", "epilepsy"),
            ("Myeloma relapse, free light chain escape", "relapse"),
            ("AML relapse - free from CNS disease", "relapse"),
        ] {
            assert!(mentions(text, name), "{text} / {name}");
        }
        for (text, name) in [
            ("Relapse-free at 2 years", "relapse"),
            ("Recurrence free", "recurrence"),
            ("Relapse free since 2021", "relapse"),
            ("Relapse-free survival 18 months", "relapse"),
        ] {
            assert!(!mentions(text, name), "{text} / {name}");
        }
    }

    /// CR-5: a relapse or recurrence the words deny is none, however the denial is worded.
    #[test]
    fn a_denied_relapse_is_no_relapse() {
        for text in [
            "Multiple myeloma, no evidence of relapse",
            "Multiple myeloma - no sign of recurrence",
            "No signs or symptoms of recurrence",
            "No evidence of disease recurrence on PET-CT",
            "Relapse excluded",
            "Myeloma negative for recurrence",
            "Myeloma without relapse",
            "Relapse-free at 2 years",
            "Recurrence not seen on restaging",
            "Free of relapse",
            "Rule out relapse",
            "Myeloma, r/o relapse",
        ] {
            for name in ["relapse", "recurrence"] {
                assert!(!mentions(text, name), "{text} / {name}");
            }
        }
    }

    /// CR-11: a name looked for and not found is no finding: a negative result after it (over
    /// a colon or a dash), or no result where the words say it was looked for; a positive
    /// result, or a result of something else, leaves it named.
    #[test]
    fn a_relapse_looked_for_and_not_found_is_no_relapse() {
        for (text, name) in [
            ("Screening for relapse: negative", "relapse"),
            ("Screening for relapse negative", "relapse"),
            ("Relapse screen negative", "relapse"),
            ("Relapse screening: negative", "relapse"),
            ("Assessed for recurrence — none", "recurrence"),
            ("Assessed for recurrence - none found", "recurrence"),
            ("Evaluated for relapse: no evidence", "relapse"),
            ("Relapse: nil", "relapse"),
            ("Recurrence: none seen on PET-CT", "recurrence"),
            ("Relapse: negative on PET", "relapse"),
            ("Surveillance for relapse", "relapse"),
            ("Relapse surveillance", "relapse"),
            ("DLBCL in CR; screening for relapse: negative", "relapse"),
            ("Screening for epilepsy: negative", "epilepsy"),
            ("Screening for depression", "depression"),
            // RV-1: a question or a pending study is no answer.
            ("Screening for relapse: pending", "relapse"),
            ("Evaluation for relapse: marrow biopsy scheduled", "relapse"),
            ("Relapse screening: ?", "relapse"),
            // OC-7: a site's response is no finding of the name looked for.
            ("Evaluation for relapse: bones stable", "relapse"),
            (
                "Screening for relapse: nodes in complete remission",
                "relapse",
            ),
        ] {
            assert!(!mentions(text, name), "{text} / {name}");
        }
        for (text, name) in [
            ("Screening for relapse: positive", "relapse"),
            ("Assessed for recurrence: confirmed", "recurrence"),
            ("Relapse, no high-risk features", "relapse"),
            ("Relapse: no evidence of CNS disease", "relapse"),
            ("Relapse - biopsy negative for CD20", "relapse"),
            ("Evaluated for epilepsy surgery", "epilepsy"),
            ("Status epilepticus, negative CT head", "status epilepticus"),
            ("Relapsed myeloma, negative for del(17p)", "relapsed"),
            ("Admitted for relapse", "relapse"),
            // RV-1: a finding after the name looked for answers it.
            ("Evaluation for relapse — marrow 35 % blasts", "relapse"),
            ("Evaluation for relapse: new FDG-avid nodes", "relapse"),
            ("Relapse screening: marrow 35 % plasma cells", "relapse"),
        ] {
            assert!(mentions(text, name), "{text} / {name}");
        }
    }

    /// The negation's reach stops at a word that says something else and at the clause.
    #[test]
    fn a_relapse_beside_another_denial_is_a_relapse() {
        for (text, name) in [
            ("Non-secretory myeloma in relapse", "in relapse"),
            (
                "Myeloma with no high-risk cytogenetics in relapse",
                "in relapse",
            ),
            ("HBsAg negative relapsed myeloma", "relapsed"),
            ("No response to bortezomib; relapsed myeloma", "relapsed"),
            ("Not in remission, relapsed myeloma", "relapsed"),
            ("Relapsed myeloma, negative for del(17p)", "relapsed"),
            ("Recurrent major depressive disorder", "recurrent"),
            ("Epilepsy not confirmed, awaiting video-EEG", "epilepsy"),
            ("Epilepsy, free of seizures since 2020", "epilepsy"),
        ] {
            assert!(mentions(text, name), "{text} / {name}");
        }
        assert!(!mentions(
            "Non-epileptic seizure disorder",
            "seizure disorder"
        ));
        assert!(!mentions(
            "Epilepsy, unspecified, not intractable, without status epilepticus",
            "status epilepticus"
        ));
    }
}
