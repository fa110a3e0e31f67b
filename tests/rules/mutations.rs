//! Property tests of the rules loader: a shipped rule file (or the drug book) with a few lines
//! deleted, duplicated, swapped, inserted or given another value, or cut short, never makes the
//! loader panic. It refuses the file with a one-line error, or accepts it, and then the rules it
//! accepted evaluate demo patients without panicking either (a zero, a negative window or a huge
//! count that the types allow must not crash the engine). `PROPTEST_CASES` changes how many
//! files are tried; a failure is shrunk to the fewest changes that still fail.
//!
//! Reproducible: under CI (`CI` set) the changes are drawn from a fixed seed, so a run that
//! passed once passes again; elsewhere each run draws a new seed and a failure names it
//! (`PROPTEST_RNG_SEED=<seed>` replays it). Cases a run found are kept below as regular tests.

use std::cell::Cell;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestRunner};
use refract::demo::{DemoOptions, generate_patient};
use refract::domain::PatientRecord;
use refract::rules::Rules;
use refract::rules::drugs::DEFAULT_DRUGS;

use super::mutations_text::{apply, change};
use super::support::{rules, today};

/// Lines worth inserting: headers of every table of a rule file, keys it knows, nonsense.
const LINES: &[&str] = &[
    "[[criterion]]",
    "id = \"extra\"",
    "id = \"epilepsy\"",
    "text = \"inserted\"",
    "[criterion.failed_trials]",
    "[criterion.relapse]",
    "[criterion.any_of]",
    "of = [\"extra\"]",
    "[tiers]",
    "refractory = [\"extra\"]",
    "[labels]",
    "[[label_when]]",
    "[[confounder]]",
    "[[drug]]",
    "ingredient = \"inserted\"",
    "classes = [\"asm\"]",
    "min_count = 0",
    "window_days = -5",
    "unknown_key = 1",
    "[applies_to]",
    "",
    "# a comment",
    "=",
    "[[",
];

/// A few demo patients of every condition, to evaluate accepted rules on.
fn patients() -> Vec<PatientRecord> {
    let rules = rules();
    let options = DemoOptions {
        patients: 40,
        seed: 3,
        today: today(),
    };
    (0..options.patients)
        .map(|index| generate_patient(&rules.book, &options, index).record)
        .collect()
}

/// The seed of every CI run.
const CI_SEED: u64 = 16;

/// `PROPTEST_RNG_SEED` when set, else the CI seed under CI, else one drawn from the clock.
fn seed(config: &Config) -> u64 {
    if let RngSeed::Fixed(seed) = config.rng_seed {
        return seed;
    }
    if std::env::var_os("CI").is_some() {
        return CI_SEED;
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(CI_SEED, |elapsed| elapsed.as_nanos() as u64)
}

#[test]
fn a_damaged_rule_file_is_refused_in_one_line_or_evaluates_without_panicking() {
    let files: Vec<(String, &'static str)> = refract::rules::EMBEDDED
        .iter()
        .map(|(id, text)| (format!("{id}.toml"), *text))
        .chain([(String::from("drugs.toml"), DEFAULT_DRUGS)])
        .collect();
    let records = patients();
    let dir = tempfile::tempdir().unwrap();
    let (accepted, refused) = (Cell::new(0), Cell::new(0));

    let config = Config {
        failure_persistence: None,
        ..Config::default()
    };
    let seed = seed(&config);
    let config = Config {
        cases: config.cases.max(64),
        rng_seed: RngSeed::Fixed(seed),
        ..config
    };
    let strategy = (
        prop::sample::select(files),
        prop::collection::vec(change(LINES), 1..5),
    );
    TestRunner::new(config)
        .run(&strategy, |((name, text), changes)| {
            let changed = apply(text, &changes);
            // One file in the folder at a time: it replaces the embedded one of its name.
            for entry in std::fs::read_dir(dir.path()).unwrap() {
                std::fs::remove_file(entry.unwrap().path()).unwrap();
            }
            std::fs::write(dir.path().join(&name), &changed).unwrap();
            match Rules::load(Some(dir.path())) {
                Err(err) => {
                    let message = err.to_string();
                    prop_assert!(!message.trim().is_empty());
                    prop_assert!(!message.contains('\n'), "one line: {:?}", message);
                    prop_assert!(
                        !message.chars().any(char::is_control),
                        "no control character: {:?}",
                        message
                    );
                    refused.set(refused.get() + 1);
                }
                Ok(loaded) => {
                    for record in &records {
                        let _ = loaded.evaluate(record, today());
                    }
                    accepted.set(accepted.get() + 1);
                }
            }
            Ok(())
        })
        .unwrap_or_else(|err| panic!("{err}\nreplay with PROPTEST_RNG_SEED={seed}"));
    // Both ways were taken, or the changes tested only one of them.
    let (accepted, refused) = (accepted.get(), refused.get());
    assert!(
        accepted > 0 && refused > 0,
        "{accepted} accepted, {refused} refused"
    );
}

/// The rule directory holding `name` with the first `from` replaced by `to`.
fn changed_file(name: &str, text: &str, from: &str, to: &str) -> tempfile::TempDir {
    assert!(text.contains(from), "{from:?} is not in {name}");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), text.replacen(from, to, 1)).unwrap();
    dir
}

/// Found by the property test (one run in two): a schedule length past the calendar loaded and
/// then panicked in the engine (`trial.start + Duration::days(min_days)`). Such values are
/// refused when the file is loaded, in one line naming the file, the key and the range.
#[test]
fn kept_case_a_day_count_past_the_calendar_is_refused_when_loaded() {
    let epilepsy = refract::rules::EMBEDDED
        .iter()
        .find(|(id, _)| *id == "epilepsy")
        .map(|(_, text)| *text)
        .unwrap();
    for value in ["2147483648", "-9223372036854775808", "-5"] {
        let dir = changed_file(
            "epilepsy.toml",
            epilepsy,
            "min_days = 60",
            &format!("min_days = {value}"),
        );
        let message = Rules::load(Some(dir.path())).err().map(|e| e.to_string());
        let message = message.unwrap_or_else(|| panic!("min_days = {value} was accepted"));
        assert!(message.contains("epilepsy.toml:"), "{message}");
        assert!(message.contains("min_days"), "{message}");
        assert!(message.contains("0 to 3650"), "{message}");
        assert_eq!(message.lines().count(), 1, "{message}");
    }
}

/// The engine itself never panics on a parameter past the calendar, even one that a loader
/// check missed: its date arithmetic saturates.
#[test]
fn kept_case_the_engine_does_not_panic_on_parameters_past_the_calendar() {
    let mut rules = rules().clone();
    for set in &mut rules.sets {
        for criterion in &mut set.criteria {
            if let Some(spec) = criterion.failed_trials.as_mut() {
                spec.min_days = i64::MAX;
            }
            if let Some(spec) = criterion.blood_pressure.as_mut() {
                spec.window_days = i64::MIN;
                spec.stable_days = i64::MAX;
            }
            if let Some(spec) = criterion.line_refractory.as_mut() {
                spec.progression_window_days = Some(i64::MAX);
            }
            if let Some(spec) = criterion.class_refractory.as_mut() {
                spec.progression_window_days = i64::MAX;
            }
            if let Some(spec) = criterion.escalation.as_mut() {
                spec.episode_hours = i64::MAX;
                spec.hours = i64::MIN;
                spec.second_line_count = 0;
            }
            if let Some(spec) = criterion.observation_threshold.as_mut() {
                spec.max_age_days = i64::MAX;
            }
        }
        set.lines.gap_days = i64::MAX;
        set.lines.regimen_window_days = i64::MIN;
    }
    for record in patients() {
        let _ = rules.evaluate(&record, today());
        let _ = rules.derive_lines(&record, today());
    }
}
