//! The way-forward options catalogue (`assets/options/<id>.toml`): for each rule set, the
//! step-3 options (next-line therapies, combinations, procedures, devices, lifestyle treatments)
//! and the step-4 well-being suggestions, each with its source; loading and checking the files
//! against the drug book; and telling from a patient's record whether an option was already
//! tried for the rule set's condition (a drug given for another condition was not).
//!
//! Trials are not catalogued: which trials are open changes weekly and by site, so the team
//! enters them by registry id. The catalogue does not take part in the rules stamp: it never
//! changes what an assessment says.

use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::RulesError;
use super::drugs::{AdverseEffect, Drug, DrugBook};
use super::indication::given_for_another;
use super::model::RuleSet;
use super::toml_file::parse_toml;
use crate::domain::{Condition, ConditionCodeSystem, DrugExposure, OptionKind, PatientRecord};

/// The catalogues shipped with refract, by rule-set id.
pub const EMBEDDED: &[(&str, &str)] = super::shipped!("options");

/// The options of one rule set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionCatalogue {
    pub ruleset: String,
    #[serde(rename = "option")]
    pub options: Vec<CatalogueOption>,
}

/// One option of the catalogue, with how the record shows it was already tried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueOption {
    /// Unique within its catalogue, snake_case; stored with the team's stance on it.
    pub key: String,
    /// 3 (options) or 4 (well-being).
    pub step: u8,
    pub kind: OptionKind,
    pub name: String,
    pub detail: String,
    /// The guideline, label or trial that supports it.
    pub source: String,
    /// Ingredients of the drug book whose exposure means the option was tried.
    #[serde(default)]
    pub drugs: Vec<String>,
    /// Classes of the drug book whose exposure means the option was tried.
    #[serde(default)]
    pub classes: Vec<String>,
    /// Procedure codes, or lower-case words found in a procedure's display text in their usual
    /// forms, `+` joining phrases that must all appear (see `procedure_terms`).
    #[serde(default)]
    pub procedures: Vec<String>,
    /// For a device: the procedures that implant it (codes, or words as in `procedures`). An
    /// imported Device affixed to the patient that no statement or `focalDevice` dates, and
    /// one procedure of the patient that implants a device of its kind, are the same act: the
    /// device is dated by it (see `import::project`, DV-1). Never a removal or a revision,
    /// which would date the device by the day it went.
    #[serde(default)]
    pub implanted_by: Vec<String>,
    /// Ingredients the option gives that do not by themselves make it tried (the clozapine of
    /// "clozapine with aripiprazole", of "ECT added to clozapine"): a serious reaction the
    /// record shows to one of them marks the option, as one to its `drugs` or `classes` does.
    #[serde(default)]
    pub contains: Vec<String>,
    /// Classes of the drug book a product of which, once given, marks the option "class already
    /// given" without counting as the option tried: after one CD19 CAR T product another is not
    /// standard re-treatment, whichever product (or an unnamed one) it was.
    #[serde(default)]
    pub same_class: Vec<String>,
}

/// The embedded catalogues, with `dir/options/<id>.toml` replacing (or adding to) them, each
/// checked against the drug book and the loaded rule sets.
pub(super) fn load(
    dir: Option<&Path>,
    book: &DrugBook,
    sets: &[RuleSet],
) -> Result<Vec<OptionCatalogue>, RulesError> {
    let mut sources: Vec<(String, String, String)> = EMBEDDED
        .iter()
        .map(|(id, text)| {
            (
                (*id).to_owned(),
                format!("assets/options/{id}.toml"),
                (*text).to_owned(),
            )
        })
        .collect();
    if let Some(options_dir) = dir.map(|dir| dir.join("options"))
        && options_dir.is_dir()
    {
        let mut paths: Vec<std::path::PathBuf> = std::fs::read_dir(&options_dir)
            .map_err(|source| RulesError::Io {
                path: options_dir.display().to_string(),
                source,
            })?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
            .collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path).map_err(|source| RulesError::Io {
                path: path.display().to_string(),
                source,
            })?;
            let id = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let source = (id.clone(), path.display().to_string(), text);
            match sources.iter_mut().find(|(existing, _, _)| *existing == id) {
                Some(slot) => *slot = source,
                None => sources.push(source),
            }
        }
    }
    sources
        .iter()
        .map(|(id, origin, text)| {
            let catalogue = parse(origin, text, id, book)?;
            if !sets.iter().any(|set| set.id == catalogue.ruleset) {
                // A catalogue nobody can reach is a misnamed file, not a harmless extra.
                return Err(RulesError::Invalid {
                    origin: origin.clone(),
                    message: format!("there is no rule set '{id}' for these options"),
                });
            }
            Ok(catalogue)
        })
        .collect()
}

/// Parses and checks one catalogue file; `id` is its file stem, which `ruleset` must repeat.
fn parse(
    origin: &str,
    text: &str,
    id: &str,
    book: &DrugBook,
) -> Result<OptionCatalogue, RulesError> {
    let catalogue: OptionCatalogue = parse_toml(origin, text)?;
    let starts = option_starts(text);
    let fail = |index: Option<usize>, needle: Needle<'_>, message: String| {
        let (from, to) = match index {
            // The header of every option is found unless the file spells `[[option]]` oddly;
            // then the whole file is searched.
            Some(i) if starts.len() == catalogue.options.len() => {
                (starts[i], starts.get(i + 1).copied().unwrap_or(text.len()))
            }
            Some(_) => (0, text.len()),
            None => (0, starts.first().copied().unwrap_or(text.len())),
        };
        match locate(text, from, to, needle).or_else(|| index.and_then(|i| starts.get(i).copied()))
        {
            Some(offset) => RulesError::Parse {
                origin: origin.to_owned(),
                line: line_at(text, offset),
                message,
            },
            None => RulesError::Invalid {
                origin: origin.to_owned(),
                message,
            },
        }
    };

    if catalogue.ruleset != id {
        return Err(fail(
            None,
            Needle::Key("ruleset"),
            format!(
                "ruleset '{}' does not match the file name (expected '{id}')",
                catalogue.ruleset
            ),
        ));
    }
    let known_class = |class: &str| book.drugs().iter().any(|drug| drug.has_class(class));
    for (index, option) in catalogue.options.iter().enumerate() {
        let at = Some(index);
        let key = option.key.as_str();
        let snake = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !snake {
            return Err(fail(
                at,
                Needle::Key("key"),
                format!("option key '{key}' must be snake_case (a-z, 0-9, _)"),
            ));
        }
        if catalogue.options[..index].iter().any(|o| o.key == key) {
            return Err(fail(
                at,
                Needle::Key("key"),
                format!("option key '{key}' appears twice"),
            ));
        }
        if !matches!(option.step, 3 | 4) {
            return Err(fail(
                at,
                Needle::Key("step"),
                format!(
                    "option '{key}': step must be 3 (options) or 4 (well-being), not {}",
                    option.step
                ),
            ));
        }
        if option.kind == OptionKind::Trial {
            return Err(fail(
                at,
                Needle::Key("kind"),
                format!(
                    "option '{key}': trials are not catalogued (the team enters them by registry id)"
                ),
            ));
        }
        for (field, value) in [
            ("name", &option.name),
            ("detail", &option.detail),
            ("source", &option.source),
        ] {
            if value.trim().is_empty() {
                return Err(fail(
                    at,
                    Needle::Key(field),
                    format!("option '{key}' has an empty {field}"),
                ));
            }
        }
        for drug in option.drugs.iter().chain(&option.contains) {
            if book.get(drug).is_none() {
                return Err(fail(
                    at,
                    Needle::Value(drug),
                    format!(
                        "option '{key}': unknown drug '{drug}' (not an ingredient of the drug book)"
                    ),
                ));
            }
        }
        for class in option.classes.iter().chain(&option.same_class) {
            if !known_class(class) {
                return Err(fail(
                    at,
                    Needle::Value(class),
                    format!("option '{key}': unknown drug class '{class}' (not in the drug book)"),
                ));
            }
        }
        for term in option.procedures.iter().chain(&option.implanted_by) {
            if term.trim().is_empty() || *term != term.to_lowercase() {
                return Err(fail(
                    at,
                    Needle::Value(term),
                    format!("option '{key}': procedure word '{term}' must be non-empty lower case"),
                ));
            }
        }
    }
    Ok(catalogue)
}

/// Whether `procedure` implants a device of `device`'s kind (DV-1): a device option of one of
/// `catalogues` names the device (its `procedures`: the device's words or codes) and names the
/// procedure as its implantation (its `implanted_by`, a referral or a work-up never one).
pub fn implants(
    catalogues: &[OptionCatalogue],
    procedure: &crate::domain::Procedure,
    device: &crate::domain::Procedure,
) -> bool {
    catalogues
        .iter()
        .flat_map(|catalogue| &catalogue.options)
        .filter(|option| option.kind == OptionKind::Device && !option.implanted_by.is_empty())
        .any(|option| {
            super::procedure_terms::is_one_of(device, &option.procedures)
                && super::procedure_terms::is_done_one_of(procedure, &option.implanted_by)
        })
}

/// What an error points at: the line of a key, or of a quoted value.
#[derive(Clone, Copy)]
enum Needle<'a> {
    Key(&'a str),
    Value(&'a str),
}

/// Byte offsets of the `[[option]]` headers in order, so that an error in the n-th option
/// points into that option's own table rather than at an earlier option that says the same.
fn option_starts(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with("[[option]]") {
            starts.push(offset);
        }
        offset += line.len();
    }
    starts
}

/// The byte offset of `needle` within `text[from..to]`.
fn locate(text: &str, from: usize, to: usize, needle: Needle<'_>) -> Option<usize> {
    let section = text.get(from..to)?;
    match needle {
        Needle::Value(value) => section.find(&format!("\"{value}\"")).map(|at| from + at),
        Needle::Key(key) => {
            let mut offset = from;
            for line in section.split_inclusive('\n') {
                let is_key = line
                    .trim_start()
                    .strip_prefix(key)
                    .is_some_and(|rest| rest.trim_start().starts_with('='));
                if is_key {
                    return Some(offset);
                }
                offset += line.len();
            }
            None
        }
    }
}

fn line_at(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map_or(1, |before| before.matches('\n').count() + 1)
}

/// Why the option counts as already tried for this patient (e.g. "cenobamate 2021-03-02 to
/// 2022-01-10"), or None.
///
/// A drug exposure or a treatment line counts when the book recognises in it one of the
/// option's ingredients or a drug of one of its classes; a procedure counts when its display
/// contains one of the option's words. The earliest match is described, because the first
/// exposure is the one that tells the team how long ago the option was tried. A drug whose
/// records say it was given for another condition than `set`'s (see `rules::indication`) was
/// not tried for this one, as the criteria do not count it: a beta blocker given for atrial
/// fibrillation leaves "beta blocker" open for a resistant hypertension (see
/// [`given_for_other_conditions`]).
pub fn tried(
    option: &CatalogueOption,
    record: &PatientRecord,
    book: &DrugBook,
    set: &RuleSet,
) -> Option<String> {
    let mut earliest: Option<(NaiveDate, String)> = None;
    let mut consider = |start: NaiveDate, why: String| {
        if earliest.as_ref().is_none_or(|(first, _)| start < *first) {
            earliest = Some((start, why));
        }
    };
    if !option.drugs.is_empty() || !option.classes.is_empty() {
        // An untied course read as another of the patient's diseases' (R-CHOP years before a
        // myeloma, while a lymphoma was there) was not tried for this one either.
        let elsewhere: Vec<i64> = super::indication::attribute_untied(record, set, book)
            .iter()
            .filter(|untied| untied.kind == super::indication::UntiedKind::Exposure)
            .filter(|untied| untied.is_elsewhere())
            .map(|untied| untied.id)
            .collect();
        for (exposure, drug) in option_exposures(option, record, book) {
            if given_for_another(exposure, set).is_some() || elsewhere.contains(&exposure.id) {
                continue;
            }
            let (start, end) = (exposure.start_day(), exposure.end_day());
            consider(start, format!("{} {}", drug.ingredient, period(start, end)));
        }
        let set_aside = |exposure_id: Option<i64>| {
            exposure_id.is_some_and(|id| {
                elsewhere.contains(&id)
                    || record
                        .exposures
                        .iter()
                        .any(|e| e.id == id && given_for_another(e, set).is_some())
            })
        };
        // Lines entered by a clinician need not have drug exposures behind them (a CAR T
        // infusion given elsewhere, a regimen typed in at the meeting).
        for line in &record.lines {
            let drugs: Vec<&Drug> = if line.drugs.is_empty() {
                book.recognise(&[], &line.regimen)
            } else {
                line.drugs
                    .iter()
                    .filter(|d| !set_aside(d.exposure_id))
                    .flat_map(|d| match book.get(&d.ingredient) {
                        Some(drug) => vec![drug],
                        None => book.recognise(&[], &d.ingredient),
                    })
                    .collect()
            };
            if let Some(drug) = drugs.into_iter().find(|drug| wanted(option, drug)) {
                consider(
                    line.start,
                    format!(
                        "{} ({} {}, {})",
                        drug.ingredient,
                        line.label(),
                        line.regimen,
                        period(line.start, line.end)
                    ),
                );
            }
        }
    }
    for procedure in &record.procedures {
        if !super::procedure_terms::is_done_one_of(procedure, &option.procedures) {
            continue;
        }
        // Done on a day no record gives (a Device affixed to the patient, which R4 does not
        // date): still tried, said after any dated record of it.
        if procedure.date_unknown {
            consider(
                NaiveDate::MAX,
                format!("{} ({})", procedure.name(), procedure.when_words()),
            );
            continue;
        }
        // A procedure without an end is a point in time, not an ongoing treatment.
        let start = procedure.performed_day();
        // Its end's own local day, as its start's (never a UTC day beside a local one).
        let end = procedure.end_day().map_or(start, |end| end.max(start));
        consider(
            start,
            format!("{} {}", procedure.name(), period(start, Some(end))),
        );
    }
    earliest.map(|(_, why)| why)
}

/// The option's drugs the record holds but [`tried`] does not count, because their records say
/// they were given for another condition than `set`'s: "metoprolol given for atrial
/// fibrillation since 2025-06-01", each drug and reason once, the earliest first; None when
/// there are none.
pub fn given_for_other_conditions(
    option: &CatalogueOption,
    record: &PatientRecord,
    book: &DrugBook,
    set: &RuleSet,
) -> Option<String> {
    let mut found: Vec<(NaiveDate, String, String)> = Vec::new();
    for (exposure, drug) in option_exposures(option, record, book) {
        let Some(indication) = given_for_another(exposure, set) else {
            continue;
        };
        let said = format!(
            "{} given for {}",
            drug.ingredient,
            super::engine::in_sentence(indication.words())
        );
        let (start, end) = (exposure.start_day(), exposure.end_day());
        match found.iter_mut().find(|(_, known, _)| *known == said) {
            Some(known) if start < known.0 => *known = (start, said, period(start, end)),
            Some(_) => {}
            None => found.push((start, said, period(start, end))),
        }
    }
    found.sort();
    let said: Vec<String> = found
        .into_iter()
        .map(|(_, said, when)| format!("{said} {when}"))
        .collect();
    (!said.is_empty()).then(|| said.join("; "))
}

/// The serious reactions the record shows to a drug the option gives (its `drugs`, `classes` and
/// `contains`), each once, the earliest first: "clozapine stopped 2024-04-20, not tolerated:
/// Clozapine-induced agranulocytosis (ANC 0.3)"; None when there are none. A drug stopped, or
/// put on hold (RV-2), because it was not tolerated counts whatever condition it was given for, for a reaction
/// belongs to the patient, not to the indication. The option is marked, never hidden: whether a
/// rechallenge is possible (clozapine after a neutropenia) is a specialist's decision.
pub fn reactions(
    option: &CatalogueOption,
    record: &PatientRecord,
    book: &DrugBook,
) -> Option<String> {
    let gives = |drug: &Drug| {
        wanted(option, drug)
            || option
                .contains
                .iter()
                .any(|name| name.eq_ignore_ascii_case(&drug.ingredient))
    };
    let mut found: Vec<(NaiveDate, String)> = Vec::new();
    for exposure in &record.exposures {
        // A drug put on hold as not tolerated is no stop (ST-6), but the reaction happened all
        // the same (RV-2).
        let held = exposure.held_for() == Some(crate::domain::StopReason::Intolerance);
        if exposure.stop_reason != Some(crate::domain::StopReason::Intolerance) && !held {
            continue;
        }
        let Some(drug) = book
            .recognise(&exposure.codes(), &exposure.text)
            .into_iter()
            .find(|drug| gives(drug))
        else {
            continue;
        };
        if held {
            // The day it was held is not recorded, only its order's start.
            let from = exposure.start_day();
            let why = exposure
                .stop_text
                .as_deref()
                .and_then(|text| text.strip_prefix(crate::domain::ON_HOLD_WORDS))
                .and_then(|rest| rest.strip_prefix(": "))
                .map(crate::text::flat_words)
                .unwrap_or_default();
            let said = format!("{} on hold (order of {from}), {why}", drug.ingredient);
            if !found.iter().any(|(_, known)| *known == said) {
                found.push((from, said));
            }
            continue;
        }
        let stopped = exposure.end_day().unwrap_or_else(|| exposure.start_day());
        let words = exposure
            .stop_text
            .as_deref()
            .map(str::trim)
            .filter(|text| !text.is_empty())
            .map_or_else(String::new, |text| format!(": {text}"));
        let said = format!(
            "{} stopped {stopped}, not tolerated{words}",
            drug.ingredient
        );
        if !found.iter().any(|(_, known)| *known == said) {
            found.push((stopped, said));
        }
    }
    for reaction in &record.reactions {
        let Some(drug) = book
            .recognise(&reaction.code_list(), &reaction.substance)
            .into_iter()
            .find(|drug| gives(drug))
        else {
            continue;
        };
        let said = reaction.describe(&drug.ingredient);
        if !found.iter().any(|(_, known)| *known == said) {
            found.push((reaction.onset.unwrap_or(NaiveDate::MIN), said));
        }
    }
    for condition in record.conditions.iter().filter(|c| c.is_diagnosis()) {
        let Some(onset) = condition.onset else {
            continue;
        };
        let onset_last = condition.onset_precision.last_day(onset);
        for effect in book.adverse_effects() {
            let Some(named) = drug_induced(condition, effect) else {
                continue;
            };
            for exposure in &record.exposures {
                let Some(drug) = book
                    .recognise(&exposure.codes(), &exposure.text)
                    .into_iter()
                    .find(|drug| gives(drug) && drug.causes.contains(&effect.key))
                else {
                    continue;
                };
                // While given: an onset of a month or a year that reaches into the course.
                if onset_last < exposure.start_day() {
                    continue;
                }
                let when = match exposure.end_day() {
                    Some(end) if onset > end => {
                        let after = (onset - end).num_days();
                        if after > effect.window_days {
                            continue;
                        }
                        format!(
                            "{after} day{} after {} was stopped",
                            if after == 1 { "" } else { "s" },
                            drug.ingredient
                        )
                    }
                    _ => format!("while on {}", drug.ingredient),
                };
                let said = format!("{named} {when}");
                if !found.iter().any(|(_, known)| *known == said) {
                    found.push((onset, said));
                }
            }
        }
    }
    found.sort();
    let said: Vec<String> = found.into_iter().map(|(_, said)| said).collect();
    (!said.is_empty()).then(|| said.join("; "))
}

/// How a diagnosis says it is `effect` caused by a drug it does not name, when it does:
/// "agranulocytosis (D70.2, 2019-03-14)" for a code the book lists, "Drug-induced
/// agranulocytosis (2018-06)" for its words.
fn drug_induced(condition: &Condition, effect: &AdverseEffect) -> Option<String> {
    let bare = |code: &str| code.trim().replace('.', "").to_ascii_uppercase();
    let onset = condition.onset_text().unwrap_or_default();
    let coded = condition.codes().find_map(|(system, code)| {
        let listed = match system {
            ConditionCodeSystem::Icd10 => &effect.icd10,
            ConditionCodeSystem::Snomed => &effect.snomed,
            ConditionCodeSystem::Other => return None,
        };
        listed
            .iter()
            .find(|listed| bare(listed) == bare(code))
            .cloned()
    });
    if let Some(code) = coded {
        return Some(format!("{} ({code}, {onset})", effect.words));
    }
    let words: Vec<String> = condition.displays().map(str::to_lowercase).collect();
    effect
        .names
        .iter()
        .any(|name| {
            let name = name.to_lowercase();
            words.iter().any(|words| words.contains(&name))
        })
        .then(|| format!("{} ({onset})", condition.name()))
}

/// Why a product of the option's `same_class` counts as given before ("CAR T-cell therapy (3L
/// CAR T-cell therapy + cyclophosphamide + fludarabine, 2023-10-16 to 2023-10-21)"), when the
/// option itself was not tried; None otherwise. Read as [`tried`] reads drugs, with the class in
/// place of the option's own drugs.
pub fn class_given(
    option: &CatalogueOption,
    record: &PatientRecord,
    book: &DrugBook,
    set: &RuleSet,
) -> Option<String> {
    if option.same_class.is_empty() {
        return None;
    }
    let kin = CatalogueOption {
        drugs: Vec::new(),
        classes: option.same_class.clone(),
        procedures: Vec::new(),
        implanted_by: Vec::new(),
        contains: Vec::new(),
        same_class: Vec::new(),
        ..option.clone()
    };
    tried(&kin, record, book, set)
}

/// Whether `drug` is one of the option's ingredients or of its classes.
fn wanted(option: &CatalogueOption, drug: &Drug) -> bool {
    option
        .drugs
        .iter()
        .any(|name| name.eq_ignore_ascii_case(&drug.ingredient))
        || option.classes.iter().any(|class| drug.has_class(class))
}

/// The record's exposures of the option's drugs, each with the first of them it holds. A rescue
/// dose taken when needed is not the option tried as a treatment, nor is a drug given into the
/// spinal fluid (intrathecal methotrexate is not systemic methotrexate).
fn option_exposures<'r>(
    option: &'r CatalogueOption,
    record: &'r PatientRecord,
    book: &'r DrugBook,
) -> impl Iterator<Item = (&'r DrugExposure, &'r Drug)> {
    record
        .exposures
        .iter()
        .filter(|e| e.is_read_as_treatment())
        .filter_map(move |exposure| {
            let drug = book
                .recognise(&exposure.codes(), &exposure.text)
                .into_iter()
                .find(|drug| wanted(option, drug))?;
            Some((exposure, drug))
        })
}

/// "2021-03-02 to 2022-01-10", "since 2021-03-02" while ongoing, or one date.
fn period(start: NaiveDate, end: Option<NaiveDate>) -> String {
    match end {
        None => format!("since {start}"),
        Some(end) if end == start => start.to_string(),
        Some(end) => format!("{start} to {end}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_point_into_the_option_that_is_wrong() {
        let text = "ruleset = \"x\"\n\n[[option]]\nkey = \"a\"\ndrugs = [\"foo\"]\n\n[[option]]\nkey = \"b\"\ndrugs = [\"foo\"]\n";
        let starts = option_starts(text);
        assert_eq!(starts.len(), 2);
        let second = locate(text, starts[1], text.len(), Needle::Value("foo")).unwrap();
        assert_eq!(line_at(text, second), 9);
        let key = locate(text, starts[1], text.len(), Needle::Key("key")).unwrap();
        assert_eq!(line_at(text, key), 8);
        assert_eq!(locate(text, 0, starts[0], Needle::Key("ruleset")), Some(0));
    }

    #[test]
    fn periods_read_naturally() {
        let day = |d| NaiveDate::from_ymd_opt(2024, 5, d).unwrap();
        assert_eq!(period(day(1), None), "since 2024-05-01");
        assert_eq!(period(day(1), Some(day(1))), "2024-05-01");
        assert_eq!(period(day(1), Some(day(9))), "2024-05-01 to 2024-05-09");
    }
}
