//! Rule files: every embedded file parses and every contract rule-set id is shipped; a rule
//! directory overrides the embedded files; an invalid file (misspelled key, wrong type, unknown
//! drug class, unknown stop reason, a tier or label naming an unknown criterion) is refused with
//! `<path>:<line>: <message>` pointing at the line that is wrong.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::path::PathBuf;

use refract::rules::{EMBEDDED, Rules};
use tempfile::TempDir;

/// The rule-set ids, a contract (docs/architecture.md, statuses).
const DESIGN_IDS: [&str; 9] = [
    "epilepsy",
    "status_epilepticus",
    "hypertension",
    "depression",
    "lbcl",
    "myeloma",
    "rheumatoid_arthritis",
    "aml",
    "schizophrenia",
];

#[test]
fn every_embedded_rule_file_parses_and_every_design_id_is_shipped() {
    let rules = Rules::embedded().unwrap();
    for id in DESIGN_IDS {
        assert!(
            EMBEDDED.iter().any(|(embedded, _)| *embedded == id),
            "{id} is not embedded"
        );
        let set = rules
            .get(id)
            .unwrap_or_else(|| panic!("{id} is not loaded"));
        assert_eq!(set.id, id);
        assert!(!set.version.is_empty(), "{id} has no version");
        assert!(
            !set.tiers.refractory.is_empty(),
            "{id} has no refractory tier"
        );
        assert!(!set.citation.short().is_empty());
    }
    assert_eq!(rules.sets.len(), EMBEDDED.len());
    for ((embedded, _), set) in EMBEDDED.iter().zip(&rules.sets) {
        assert_eq!(*embedded, set.id, "sets are loaded in the embedded order");
    }
    // Only hypertension has a resistant tier (docs/architecture.md, statuses).
    for set in &rules.sets {
        assert_eq!(
            !set.tiers.resistant.is_empty(),
            set.id == "hypertension",
            "{} resistant tier",
            set.id
        );
    }
}

/// The embedded text of rule set `id`.
fn embedded(id: &str) -> &'static str {
    EMBEDDED
        .iter()
        .find(|(embedded, _)| *embedded == id)
        .map(|(_, text)| *text)
        .unwrap()
}

/// A rule directory with `id.toml` holding the embedded file with the `occurrence`-th (from 0)
/// `from` replaced by `to`; returns the directory, the file's path and the changed line.
fn altered(id: &str, from: &str, occurrence: usize, to: &str) -> (TempDir, PathBuf, usize) {
    let text = embedded(id);
    let (offset, _) = text.match_indices(from).nth(occurrence).unwrap_or_else(|| {
        panic!(
            "{from:?} occurs fewer than {} times in {id}",
            occurrence + 1
        )
    });
    let line = text[..offset].matches('\n').count() + 1;
    let changed = format!("{}{to}{}", &text[..offset], &text[offset + from.len()..]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{id}.toml"));
    std::fs::write(&path, changed).unwrap();
    (dir, path, line)
}

/// Loading the altered file fails with `<path>:<line>: ` and a message containing `words`.
fn assert_refused(id: &str, from: &str, occurrence: usize, to: &str, words: &str) {
    let (dir, path, line) = altered(id, from, occurrence, to);
    let error = Rules::load(Some(dir.path()))
        .err()
        .unwrap_or_else(|| panic!("{id} with {to:?} for {from:?} was accepted"))
        .to_string();
    let prefix = format!("{}:{line}: ", path.display());
    assert!(
        error.starts_with(&prefix),
        "{to:?} in {id}: expected an error starting {prefix:?}, got {error:?}"
    );
    assert!(
        error.contains(words),
        "{to:?} in {id}: expected {words:?} in {error:?}"
    );
    assert_eq!(error.lines().count(), 1, "one line: {error:?}");
}

#[test]
fn a_misspelled_key_is_refused_at_its_line() {
    assert_refused("epilepsy", "min_count = 2", 0, "min_cuont = 2", "min_cuont");
    assert_refused(
        "hypertension",
        "min_span_months = 6",
        0,
        "min_span_month = 6",
        "min_span_month",
    );
    assert_refused("aml", "[labels]", 0, "[lables]", "lables");
}

#[test]
fn a_wrong_type_is_refused_at_its_line() {
    assert_refused("epilepsy", "min_count = 2", 0, "min_count = \"two\"", "");
    assert_refused(
        "hypertension",
        "stable_days = 28",
        0,
        "stable_days = 28.5",
        "",
    );
}

#[test]
fn an_unknown_drug_class_is_refused_at_its_line() {
    // The criterion's classes (the second `classes = ["asm"]`; the first is under [lines]).
    assert_refused(
        "epilepsy",
        "classes = [\"asm\"]",
        1,
        "classes = [\"antiseizure\"]",
        "unknown drug class 'antiseizure'",
    );
    // A typo that is a prefix of a class named on an earlier line.
    assert_refused(
        "rheumatoid_arthritis",
        "classes = [\"csdmard\"]",
        0,
        "classes = [\"csdmar\"]",
        "unknown drug class 'csdmar'",
    );
}

#[test]
fn an_unknown_stop_reason_is_refused_at_its_line() {
    assert_refused(
        "depression",
        "failure_reasons = [\"lack_of_efficacy\", \"progression\"]",
        0,
        "failure_reasons = [\"lack_of_efficacy\", \"no_response\"]",
        "unknown stop reason 'no_response'",
    );
}

#[test]
fn a_tier_or_label_naming_an_unknown_criterion_is_refused_at_its_line() {
    assert_refused(
        "epilepsy",
        "refractory = [\"two_failed_schedules\"]",
        0,
        "refractory = [\"three_failed_schedules\"]",
        "unknown criterion 'three_failed_schedules'",
    );
    // A typo that is a prefix of the criterion id defined earlier in the file.
    assert_refused(
        "epilepsy",
        "refractory = [\"two_failed_schedules\"]",
        0,
        "refractory = [\"two_failed_schedule\"]",
        "unknown criterion 'two_failed_schedule'",
    );
    assert_refused(
        "myeloma",
        "criterion = \"triple_class\"",
        0,
        "criterion = \"triple_clas\"",
        "unknown criterion 'triple_clas'",
    );
}

/// Penta-refractory's "two drugs of a class" must name one of the criterion's groups.
#[test]
fn a_min_drugs_naming_no_group_is_refused_at_its_line() {
    assert_refused(
        "myeloma",
        "proteasome_inhibitor = 2",
        0,
        "proteasome_inhibitors = 2",
        "min_drugs names no group 'proteasome_inhibitors'",
    );
}

/// Only a lower tier with criteria can stand as a lower bound of the tiers above it.
#[test]
fn a_lower_bound_that_is_no_lower_tier_is_refused_at_its_line() {
    assert_refused(
        "hypertension",
        "lower_bounds = [\"resistant\"]",
        0,
        "lower_bounds = [\"refractory\"]",
        "only resistant or relapsed can be one",
    );
    assert_refused(
        "hypertension",
        "lower_bounds = [\"resistant\"]",
        0,
        "lower_bounds = [\"relapsed\"]",
        "a tier with no criteria",
    );
}

#[test]
fn a_rule_directory_overrides_the_embedded_file() {
    let (dir, _, _) = altered("epilepsy", "min_count = 2", 0, "min_count = 3");
    let rules = Rules::load(Some(dir.path())).unwrap();
    let set = rules.get("epilepsy").unwrap();
    let spec = set.criteria[0].failed_trials.as_ref().unwrap();
    assert_eq!(spec.min_count, 3);
    assert_eq!(rules.sets.len(), EMBEDDED.len(), "the other sets are kept");
    assert_eq!(
        Rules::embedded().unwrap().get("epilepsy").unwrap().criteria[0]
            .failed_trials
            .as_ref()
            .unwrap()
            .min_count,
        2
    );
}

#[test]
fn a_numeric_parameter_out_of_range_is_refused_at_its_line_with_the_range() {
    // The second `min_days = 84` is the b/tsDMARD criterion's: the error names that line.
    assert_refused(
        "rheumatoid_arthritis",
        "min_days = 84",
        1,
        "min_days = 99999",
        "min_days = 99999 in criterion 'two_mechanisms_failed' is out of range: allowed 0 to 3650 days",
    );
    assert_refused(
        "hypertension",
        "office_goal_systolic = 130",
        0,
        "office_goal_systolic = 13",
        "allowed 40 to 300 mmHg",
    );
    assert_refused(
        "depression",
        "min_improvement = 0.25",
        0,
        "min_improvement = nan",
        "min_improvement = NaN",
    );
    assert_refused(
        "aml",
        "gap_days = ",
        0,
        "gap_days = -1 #",
        "gap_days = -1 in [lines]",
    );
    // A recovery of a day would make every remission one.
    assert_refused(
        "depression",
        "recovery_days = 182",
        0,
        "recovery_days = 1",
        "recovery_days = 1 in [episode] is out of range: allowed 7 to 3650 days",
    );
}

/// A schedule's drugs each have their own dose: a time "at an adequate dose" is a drug
/// trial's, and asking it of a schedule is refused rather than read some way.
#[test]
fn time_at_dose_is_refused_for_a_schedule() {
    assert_refused(
        "epilepsy",
        "method = \"min_effective\"",
        0,
        "days_at_dose = true\nmethod = \"min_effective\"",
        "'two_failed_schedules': days_at_dose needs unit = 'drug'",
    );
}

#[test]
fn a_drug_book_dose_out_of_range_is_refused_at_its_line() {
    let text = refract::rules::drugs::DEFAULT_DRUGS;
    let from = "ddd_mg = 1500.0";
    let offset = text.find(from).unwrap();
    let line = text[..offset].matches('\n').count() + 1;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("drugs.toml");
    std::fs::write(&path, text.replacen(from, "ddd_mg = 0.0", 1)).unwrap();
    let error = Rules::load(Some(dir.path())).err().unwrap().to_string();
    assert!(
        error.starts_with(&format!("{}:{line}: ", path.display())),
        "{error}"
    );
    assert!(
        error.contains("ddd_mg = 0 for drug 'levetiracetam' is out of range: allowed more than 0"),
        "{error}"
    );
}

#[test]
fn every_shipped_rule_set_says_what_its_timeline_tracks() {
    let rules = Rules::embedded().unwrap();
    for set in &rules.sets {
        assert!(!set.measures.is_empty(), "{} has no [[measure]]", set.id);
        for measure in &set.measures {
            assert!(
                measure.min < measure.max && !measure.codes.is_empty(),
                "{}: {measure:?}",
                set.id
            );
        }
    }
    let codes = |id: &str| -> Vec<String> { rules.get(id).unwrap().measures[0].codes.clone() };
    assert_eq!(codes("hypertension"), ["8480-6"]);
    assert_eq!(codes("status_epilepticus"), ["refract:seizure-activity"]);
}

/// A rule set added with `--rules` is shown by what it says, never by another condition's
/// measure (it used to get ECOG).
#[test]
fn a_custom_rule_set_tracks_its_own_measures_or_none() {
    let text = embedded("epilepsy").replacen("id = \"epilepsy\"", "id = \"custom_epilepsy\"", 1);
    let without = text[..text.find("[[measure]]").unwrap()].to_owned();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("custom_epilepsy.toml"), &without).unwrap();
    let rules = Rules::load(Some(dir.path())).unwrap();
    assert!(rules.get("custom_epilepsy").unwrap().measures.is_empty());

    let own =
        format!("{without}[[measure]]\ncodes = [\"refract:x\"]\nname = \"X\"\nmin = 0\nmax = 10\n");
    std::fs::write(dir.path().join("custom_epilepsy.toml"), own).unwrap();
    let rules = Rules::load(Some(dir.path())).unwrap();
    let measures = &rules.get("custom_epilepsy").unwrap().measures;
    assert_eq!(measures.len(), 1);
    assert_eq!(measures[0].codes, ["refract:x"]);
}
