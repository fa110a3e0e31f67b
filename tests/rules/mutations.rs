//! Property tests of the rules loader: a shipped rule file (or the drug book) with a few lines
//! deleted, duplicated, swapped, inserted or given another value, or cut short, never makes the
//! loader panic. It refuses the file with a one-line error, or accepts it, and then the rules it
//! accepted evaluate demo patients without panicking either (a zero, a negative window or a huge
//! count that the types allow must not crash the engine). `PROPTEST_CASES` changes how many
//! files are tried; a failure is shrunk to the fewest changes that still fail.

use std::cell::Cell;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
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
    let config = Config {
        cases: config.cases.max(64),
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
        .unwrap();
    // Both ways were taken, or the changes tested only one of them.
    let (accepted, refused) = (accepted.get(), refused.get());
    assert!(
        accepted > 0 && refused > 0,
        "{accepted} accepted, {refused} refused"
    );
}
