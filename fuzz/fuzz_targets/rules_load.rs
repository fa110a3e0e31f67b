//! The rules loader on arbitrary bytes as a rule file: loading never panics, and rules that load
//! evaluate demo patients without panicking. An input whose first byte is 0 is a drug book
//! (`drugs.toml`); any other is a rule file, named after the `id = "…"` it declares (so that it
//! replaces the shipped rule set of that id) or `fuzzed.toml`.

#![no_main]

use std::sync::LazyLock;

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use refract::demo::{DemoOptions, generate_patient};
use refract::domain::PatientRecord;
use refract::rules::Rules;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).expect("a date")
}

static PATIENTS: LazyLock<Vec<PatientRecord>> = LazyLock::new(|| {
    let rules = Rules::embedded().expect("the embedded rules load");
    let options = DemoOptions {
        patients: 20,
        seed: 5,
        today: today(),
    };
    (0..options.patients)
        .map(|index| generate_patient(&rules.book, &options, index).record)
        .collect()
});

static FOLDER: LazyLock<tempfile::TempDir> =
    LazyLock::new(|| tempfile::tempdir().expect("a temporary folder"));

/// The rule-set id a file declares on a line of its own, when it is a plain name.
fn declared_id(text: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(text).ok()?;
    let id = text.lines().find_map(|line| line.strip_prefix("id = \""))?;
    let id = id.split('"').next()?;
    (!id.is_empty() && id.len() < 64 && id.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .then(|| id.to_owned())
}

fuzz_target!(|data: &[u8]| {
    let Some((&kind, text)) = data.split_first() else {
        return;
    };
    let name = if kind == 0 {
        String::from("drugs.toml")
    } else {
        declared_id(text).map_or_else(|| String::from("fuzzed.toml"), |id| format!("{id}.toml"))
    };
    let folder = FOLDER.path();
    if let Ok(entries) = std::fs::read_dir(folder) {
        for entry in entries.flatten() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    if std::fs::write(folder.join(name), text).is_err() {
        return;
    }
    if let Ok(rules) = Rules::load(Some(folder)) {
        for patient in PATIENTS.iter() {
            let _ = rules.evaluate(patient, today());
        }
    }
});
