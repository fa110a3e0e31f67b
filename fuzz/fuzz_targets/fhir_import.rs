//! The FHIR import on arbitrary bytes: parsing never panics, and a file that parses is written
//! to a database (one for the whole run, so that later inputs meet earlier patients) without
//! panicking either.

#![no_main]

use std::path::PathBuf;
use std::sync::{LazyLock, Mutex};

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use refract::fhir::parse_file;
use refract::import::{ImportOptions, import_paths};
use refract::rules::Rules;
use refract::store::{OpenMode, Store};

static RULES: LazyLock<Rules> =
    LazyLock::new(|| Rules::embedded().expect("the embedded rules load"));

struct Database {
    _dir: tempfile::TempDir,
    store: Store,
    input: PathBuf,
}

static DATABASE: LazyLock<Mutex<Database>> = LazyLock::new(|| {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let store = Store::open(
        &dir.path().join("fuzz.db"),
        OpenMode::CreateIfMissing,
        "fuzz",
    )
    .expect("a new database");
    let input = dir.path().join("input.json");
    Mutex::new(Database {
        _dir: dir,
        store,
        input,
    })
});

fuzz_target!(|data: &[u8]| {
    if parse_file(data, &RULES).is_err() {
        return;
    }
    let mut database = DATABASE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let database = &mut *database;
    if std::fs::write(&database.input, data).is_err() {
        return;
    }
    let today = NaiveDate::from_ymd_opt(2026, 11, 27).expect("a date");
    let _ = import_paths(
        &mut database.store,
        &RULES,
        std::slice::from_ref(&database.input),
        today,
        &ImportOptions::default(),
        |_| {},
    );
});
