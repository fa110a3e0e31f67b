//! `kill -9` at random moments (from a fixed seed, so every run kills at the same moments):
//! during an import of a folder of bundles, and during a run of audited reviews. After every
//! kill the file passes `PRAGMA integrity_check`, each bundle is either wholly imported or not
//! at all, every review whose command had reported success is there with its audit row, and
//! the interrupted work can be done again to the end.
//!
//! Nothing here asserts on how long anything takes: the delays, fractions of how long the same
//! work takes uninterrupted on this machine, only spread the kills over it (early ones land
//! during start-up, late ones after the end, which must be fine too).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

#[path = "shared/processes.rs"]
mod processes;

use std::fmt::Write as _;
use std::os::unix::process::CommandExt;
use std::process::Stdio;
use std::thread;
use std::time::Instant;

use processes::{
    Seeded, assert_sound, demo, export_split, holdings, imported_hashes, open, refract,
    review_rationales, reviewable,
};
use tempfile::TempDir;

const IMPORT_KILLS: usize = 12;
const EDIT_KILLS: usize = 12;

#[test]
fn an_import_killed_at_any_moment_leaves_whole_patients_and_says_what_it_committed() {
    let dir = TempDir::new().unwrap();
    let source = demo(dir.path(), "source.db", 200);
    let parts = export_split(&source, &dir.path().join("bundles"), 8, None);
    let folder = dir.path().join("bundles");

    // What a complete import gives, patient by patient, and how long it takes on this machine
    // (the kills are spread over that time, and a little past it).
    let reference = dir.path().join("reference.db");
    let started = Instant::now();
    let output = refract()
        .arg("--db")
        .arg(&reference)
        .arg("import")
        .arg(&folder)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let full_import = started.elapsed();
    let complete = holdings(&reference);
    assert_eq!(complete.len(), 200);

    let mut seeded = Seeded(0x5EED_0001);
    let mut outcomes = Vec::new();
    for round in 0..IMPORT_KILLS {
        let delay = full_import * seeded.below(130) as u32 / 100;
        let db = dir.path().join(format!("killed-{round}.db"));
        let mut child = refract()
            .arg("--db")
            .arg(&db)
            .arg("import")
            .arg(&folder)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        thread::sleep(delay);
        let _ = child.kill();
        let status = child.wait().unwrap();
        let when = format!("round {round}, killed after {delay:?} ({status:?})");
        if !db.exists() {
            outcomes.push((0, 0));
            continue;
        }

        assert_sound(&db, &when);
        let schema: i64 = open(&db)
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .unwrap();
        if schema > 0 {
            // Patients appear with their whole record or not at all: a patient is created
            // with their rows in one transaction (their file's, for a bundle this small).
            let present = holdings(&db);
            for (mrn, held) in &present {
                assert_eq!(held, &complete[mrn], "{when}: {mrn} is not whole");
            }
            // And a bundle this small is written in one transaction: all of its patients, or
            // none of them.
            for part in &parts {
                let here = part
                    .mrns
                    .iter()
                    .filter(|mrn| present.contains_key(*mrn))
                    .count();
                assert!(
                    here == 0 || here == part.mrns.len(),
                    "{when}: {} holds {here} of its {} patients",
                    part.path.display(),
                    part.mrns.len()
                );
            }
            // What the run committed is written down exactly: each unfinished run's summary
            // counts the resources it added, which are in the ledger under its id.
            let conn = open(&db);
            let runs: Vec<(i64, String, String)> = conn
                .prepare("SELECT id, state, summary FROM imports")
                .unwrap()
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let mut unfinished = 0;
            for (id, state, summary) in &runs {
                let summary: serde_json::Value = serde_json::from_str(summary).unwrap();
                let stored: i64 = conn
                    .query_row(
                        "SELECT count(*) FROM fhir_resources WHERE import_id = ?1
                         AND type <> 'Patient'",
                        [id],
                        |row| row.get(0),
                    )
                    .unwrap();
                if state == "applying" {
                    unfinished += 1;
                    assert_eq!(
                        summary["added"].as_i64().unwrap_or(0),
                        stored,
                        "{when}: run {id} says it added {} resources; {stored} are stored",
                        summary["added"]
                    );
                }
            }
            assert!(unfinished <= 1, "{when}: one run at a time: {runs:?}");
            outcomes.push((present.len(), unfinished));
        } else {
            outcomes.push((0, 0));
        }

        // Importing again finishes the job, to the same result as in one go, and says that an
        // earlier run had been interrupted.
        let output = refract()
            .arg("--db")
            .arg(&db)
            .arg("import")
            .arg(&folder)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{when}: the later import: {output:?}"
        );
        assert_sound(&db, &format!("{when}, then imported again"));
        assert_eq!(holdings(&db), complete, "{when}: after the later import");
        assert_eq!(imported_hashes(&db).len(), parts.len());
        let left: i64 = open(&db)
            .query_row(
                "SELECT count(*) FROM imports WHERE state = 'applying'",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(
            left, 0,
            "{when}: the finished import closes the interrupted run"
        );
        std::fs::remove_file(&db).unwrap();
    }
    eprintln!("(patients present, unfinished runs) at each kill: {outcomes:?}");
}

#[test]
fn reviews_killed_at_any_moment_lose_no_reported_save() {
    let dir = TempDir::new().unwrap();
    let db = demo(dir.path(), "reviews.db", 60);
    let targets = reviewable(&db);
    assert!(targets.len() >= 4, "assessments to review: {targets:?}");
    // How long one review takes here: the kills are spread over the first dozen or so.
    let started = Instant::now();
    let (mrn, condition) = &targets[0];
    let output = refract()
        .arg("--db")
        .arg(&db)
        .args(["review", mrn, "--condition", condition, "--dismiss"])
        .args(["--rationale", "before the kills"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let one_review = started.elapsed();
    let done_file = dir.path().join("done");
    let mut seeded = Seeded(0x5EED_0002);
    let mut total_done = 0;

    for round in 0..EDIT_KILLS {
        // A shell runs reviews one after the other and notes each one that reported success;
        // it and the review in flight are killed together.
        let mut script = String::from("set -e\n");
        for i in 0..40 {
            let (mrn, condition) = &targets[(round * 7 + i) % targets.len()];
            let decision = if i % 2 == 0 { "--confirm" } else { "--dismiss" };
            let _ = writeln!(
                script,
                "\"$REFRACT\" --db \"$DB\" review {mrn} --condition {condition} {decision} \
                 --rationale 'round {round} review {i}' >/dev/null\necho {i} >> \"$DONE\""
            );
        }
        let _ = std::fs::remove_file(&done_file);
        let mut child = std::process::Command::new("sh")
            .arg("-c")
            .arg(&script)
            .env("REFRACT", env!("CARGO_BIN_EXE_refract"))
            .env("DB", &db)
            .env("DONE", &done_file)
            .env("USER", "dr.crash")
            .env_remove("REFRACT_DB")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap();
        let delay = one_review * seeded.below(1_500) as u32 / 100;
        thread::sleep(delay);
        let group = format!("-{}", child.id());
        let killed = std::process::Command::new("kill")
            .args(["-KILL", "--", &group])
            .status()
            .unwrap();
        let status = child.wait().unwrap();
        let when = format!("round {round}, killed after {delay:?} ({status:?}, kill {killed})");

        assert_sound(&db, &when);
        let done: Vec<usize> = std::fs::read_to_string(&done_file)
            .unwrap_or_default()
            .lines()
            .map(|line| line.parse().unwrap())
            .collect();
        let saved = review_rationales(&db);
        for i in &done {
            let rationale = format!("round {round} review {i}");
            assert!(
                saved.contains(&rationale),
                "{when}: '{rationale}' was reported saved and is gone"
            );
        }
        // Nothing beyond the review in flight when the kill came.
        let next = done.len();
        for i in next + 1..40 {
            let rationale = format!("round {round} review {i}");
            assert!(
                !saved.contains(&rationale),
                "{when}: '{rationale}' was never run"
            );
        }
        total_done += done.len();
    }
    eprintln!("reviews reported saved before the kills: {total_done}");

    // The file is still usable: one more review, and `check` passes.
    let (mrn, condition) = &targets[0];
    let output = refract()
        .arg("--db")
        .arg(&db)
        .args(["review", mrn, "--condition", condition, "--confirm"])
        .args(["--rationale", "after the kills"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let output = refract()
        .arg("--db")
        .arg(&db)
        .arg("check")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
}
