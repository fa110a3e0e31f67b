//! Two processes writing one file at the same time (DESIGN §5: writes wait on the busy timeout
//! instead of failing): an import while reviews are being recorded, two imports of different
//! files, two people reviewing at once. Every command succeeds, nothing is lost, and no
//! "database is locked" (or busy) ever reaches the user.
//!
//! The processes are started together and run as fast as they can; whether and how much they
//! overlap depends on the machine, and nothing here depends on it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

#[path = "shared/processes.rs"]
mod processes;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::thread;

use processes::{
    Part, assert_sound, demo, export_split, holdings, imported_hashes, refract, review_rationales,
    reviewable,
};
use tempfile::TempDir;

/// Nothing on stderr that speaks of locks.
#[track_caller]
fn assert_no_lock_message(output: &Output, what: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr).to_lowercase();
    for word in ["lock", "busy"] {
        assert!(!stderr.contains(word), "{what}: {stderr}");
    }
}

fn import(db: &Path, paths: &[PathBuf]) -> Output {
    refract()
        .arg("--db")
        .arg(db)
        .arg("import")
        .args(paths)
        .output()
        .unwrap()
}

/// Records `count` reviews one after the other, each its own process; returns each output.
fn reviews(db: &Path, targets: &[(String, String)], who: &str, count: usize) -> Vec<Output> {
    (0..count)
        .map(|i| {
            let (mrn, condition) = &targets[i % targets.len()];
            refract()
                .arg("--db")
                .arg(db)
                .args(["--user", who, "review", mrn, "--condition", condition])
                .arg(if i % 2 == 0 { "--confirm" } else { "--dismiss" })
                .args(["--rationale", &format!("{who} review {i}")])
                .output()
                .unwrap()
        })
        .collect()
}

fn paths(parts: &[Part]) -> Vec<PathBuf> {
    parts.iter().map(|part| part.path.clone()).collect()
}

#[test]
fn an_import_and_reviews_at_once_both_succeed_and_keep_everything() {
    let dir = TempDir::new().unwrap();
    let db = demo(dir.path(), "team.db", 200);
    let targets = reviewable(&db);
    // The same patients under other MRNs and ids: new to this file.
    let parts = export_split(&db, &dir.path().join("bundles"), 8, Some("IM"));
    let before = holdings(&db).len();

    let importing = {
        let db = db.clone();
        let files = paths(&parts);
        thread::spawn(move || import(&db, &files))
    };
    let reviewed = reviews(&db, &targets, "dr.scribe", 20);
    let imported = importing.join().unwrap();

    assert!(imported.status.success(), "the import: {imported:?}");
    assert_no_lock_message(&imported, "the import");
    for (i, output) in reviewed.iter().enumerate() {
        assert!(output.status.success(), "review {i}: {output:?}");
        assert_no_lock_message(output, &format!("review {i}"));
    }
    assert_sound(&db, "after the import and the reviews");
    let now = holdings(&db);
    assert_eq!(now.len(), before + 200, "every imported patient is there");
    for part in &parts {
        for mrn in &part.mrns {
            assert!(now.contains_key(mrn), "{mrn} was not imported");
        }
    }
    let saved = review_rationales(&db);
    for i in 0..20 {
        assert!(
            saved.contains(&format!("dr.scribe review {i}")),
            "review {i} lost"
        );
    }
}

#[test]
fn two_imports_of_different_files_at_once_both_succeed() {
    let dir = TempDir::new().unwrap();
    let source = demo(dir.path(), "source.db", 200);
    let parts = export_split(&source, &dir.path().join("bundles"), 8, None);
    let (first, second) = parts.split_at(4);
    let db = dir.path().join("target.db");
    // Both may be the one that creates the file.
    let one = {
        let db = db.clone();
        let files = paths(first);
        thread::spawn(move || import(&db, &files))
    };
    let other = import(&db, &paths(second));
    let one = one.join().unwrap();

    for (what, output) in [("the first import", &one), ("the second import", &other)] {
        assert!(output.status.success(), "{what}: {output:?}");
        assert_no_lock_message(output, what);
    }
    assert_sound(&db, "after two imports at once");
    let now = holdings(&db);
    assert_eq!(now, holdings_of_complete_import(dir.path(), &parts));
    assert_eq!(imported_hashes(&db).len(), parts.len());
}

/// What one import of every part gives.
fn holdings_of_complete_import(
    dir: &Path,
    parts: &[Part],
) -> std::collections::BTreeMap<String, processes::Holdings> {
    let reference = dir.join("reference.db");
    let output = import(&reference, &paths(parts));
    assert!(output.status.success(), "{output:?}");
    holdings(&reference)
}

#[test]
fn two_people_reviewing_at_once_lose_nothing() {
    let dir = TempDir::new().unwrap();
    let db = demo(dir.path(), "team.db", 60);
    let targets = reviewable(&db);
    let other = {
        let db = db.clone();
        let targets = targets.clone();
        thread::spawn(move || reviews(&db, &targets, "dr.presenter", 15))
    };
    let mine = reviews(&db, &targets, "dr.scribe", 15);
    let theirs = other.join().unwrap();
    for (who, outputs) in [("dr.scribe", &mine), ("dr.presenter", &theirs)] {
        for (i, output) in outputs.iter().enumerate() {
            assert!(output.status.success(), "{who} review {i}: {output:?}");
            assert_no_lock_message(output, &format!("{who} review {i}"));
        }
    }
    assert_sound(&db, "after two reviewers");
    let saved = review_rationales(&db);
    for who in ["dr.scribe", "dr.presenter"] {
        for i in 0..15 {
            assert!(
                saved.contains(&format!("{who} review {i}")),
                "{who} review {i} lost"
            );
        }
    }
}

#[test]
fn two_imports_into_a_new_file_at_once_never_trip_over_each_other() {
    // Both processes find no file, create it, switch it to WAL and write its schema at the
    // same moment, then import the same bundle. Seen before the fixes, a few times in a hundred:
    // "File exists", "database is locked" (the WAL switch), "an SQLite database of another
    // program" (a schema seen half-way) and "UNIQUE constraint failed: imports.sha256".
    let dir = TempDir::new().unwrap();
    let bundle =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fhir/small-bundle.json");
    let reference = dir.path().join("reference.db");
    let output = import(&reference, std::slice::from_ref(&bundle));
    assert!(output.status.success(), "{output:?}");
    let expected = holdings(&reference);
    for round in 0..20 {
        let db = dir.path().join(format!("new-{round}.db"));
        let one = {
            let db = db.clone();
            let bundle = bundle.clone();
            thread::spawn(move || import(&db, &[bundle]))
        };
        let other = import(&db, std::slice::from_ref(&bundle));
        let one = one.join().unwrap();
        for output in [&one, &other] {
            let what = format!("round {round}");
            assert!(output.status.success(), "{what}: {output:?}");
            assert_no_lock_message(output, &what);
        }
        assert_sound(&db, &format!("round {round}"));
        assert_eq!(holdings(&db), expected, "round {round}");
        assert_eq!(imported_hashes(&db).len(), 1, "round {round}");
    }
}
