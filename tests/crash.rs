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
    Seeded, assert_sound, demo, export_split, holdings, import_killed_when, imported_hashes,
    one_patient_with_many_readings, open, refract, review_rationales, reviewable,
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

/// What an import killed between its writes and the rebuild of its patients leaves: resources
/// in the ledger newer than the patient's rows, the patient marked for rebuilding, and a run
/// still "applying" under the killed process's id. Made by hand here, so that the state does not
/// depend on the moment of a kill.
fn leave_unfinished(db: &std::path::Path, process: &str) -> (String, i64) {
    let conn = open(db);
    let (patient, mrn, drugs): (i64, String, i64) = conn
        .query_row(
            "SELECT p.id, p.mrn, count(*) FROM patients p
             JOIN drug_exposures d ON d.patient_id = p.id
             GROUP BY p.id ORDER BY p.id LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .unwrap();
    conn.execute_batch(&format!(
        "BEGIN;
         DELETE FROM drug_exposures WHERE patient_id = {patient};
         INSERT INTO import_dirty (patient_id) VALUES ({patient});
         INSERT INTO imports (path, sha256, imported_at, summary, state, process)
         VALUES ('second.json', 'ab', '2026-11-27T10:00:00', '{{}}', 'applying', '{process}');
         COMMIT;"
    ))
    .unwrap();
    (mrn, drugs)
}

fn this_host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|host| host.trim().to_owned())
        .unwrap_or_default()
}

fn drugs_of(db: &std::path::Path, mrn: &str) -> i64 {
    open(db)
        .query_row(
            "SELECT count(*) FROM drug_exposures d JOIN patients p ON p.id = d.patient_id
             WHERE p.mrn = ?1",
            [mrn],
            |row| row.get(0),
        )
        .unwrap()
}

/// A file with 12 demo patients imported from their FHIR export, in its folder.
fn imported_demo() -> (TempDir, std::path::PathBuf) {
    let dir = TempDir::new().unwrap();
    let source = demo(dir.path(), "source.db", 12);
    export_split(&source, &dir.path().join("bundles"), 1, None);
    let db = dir.path().join("team.db");
    let output = refract()
        .arg("--db")
        .arg(&db)
        .arg("import")
        .arg(dir.path().join("bundles"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    (dir, db)
}

/// The id of a process that has ended (and been reaped): what a killed import leaves named.
fn gone_process() -> u32 {
    let mut gone = std::process::Command::new("true").spawn().unwrap();
    let pid = gone.id();
    gone.wait().unwrap();
    pid
}

#[test]
fn records_an_interrupted_import_left_behind_are_said_and_brought_up_to_date_by_the_dashboard() {
    if !std::path::Path::new("/proc/self").exists() {
        return; // which processes are gone is read from /proc
    }
    let (_dir, db) = imported_demo(); // the folder lives as long as the test

    // The import that was killed: its process is gone.
    let gone_pid = gone_process();
    let (mrn, drugs) = leave_unfinished(&db, &format!("{}:{gone_pid}", this_host()));
    assert_eq!(drugs_of(&db, &mrn), 0);

    // A command that reads records says that some are older than what was imported.
    let output = refract()
        .arg("--db")
        .arg(&db)
        .args(["show", &mrn])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "1 patient(s) show their records as they were before an import that did not finish"
        ),
        "{stderr}"
    );

    // The dashboard brings them up to date, and says so.
    let rules = refract::rules::Rules::embedded().unwrap();
    let store =
        refract::store::Store::open(&db, refract::store::OpenMode::MustExist, "dr.a").unwrap();
    let (requests, inbox) = std::sync::mpsc::channel();
    let (outbox, replies) = std::sync::mpsc::channel();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
    let worker = refract::tui::worker::spawn(store, rules, today, inbox, outbox);
    let mut notices = Vec::new();
    while !notices
        .iter()
        .any(|n: &String| n.contains("brought up to date"))
    {
        match replies
            .recv_timeout(std::time::Duration::from_secs(60))
            .unwrap()
        {
            refract::tui::worker::Reply::Notice(notice) => notices.push(notice),
            refract::tui::worker::Reply::Error(error) => panic!("{error}"),
            _ => {}
        }
    }
    assert_eq!(
        notices,
        [
            "1 patient(s) to bring up to date with records an import left unfinished: doing it now",
            "1 patient(s) brought up to date with their imported records",
        ]
    );
    drop(requests);
    worker.join().unwrap();
    assert_eq!(drugs_of(&db, &mrn), drugs);
    let output = refract()
        .arg("--db")
        .arg(&db)
        .args(["show", &mrn])
        .output()
        .unwrap();
    assert!(output.stderr.is_empty(), "{output:?}");
    let output = refract()
        .arg("--db")
        .arg(&db)
        .arg("check")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains("to rebuild"), "{stdout}");
}

#[test]
fn records_an_import_still_running_will_bring_up_to_date_are_left_to_it() {
    if !std::path::Path::new("/proc/self").exists() {
        return;
    }
    let (_dir, db) = imported_demo(); // the folder lives as long as the test
    // This test's own process stands for the import still running.
    let running = format!("{}:{}", this_host(), std::process::id());
    let (mrn, _) = leave_unfinished(&db, &running);

    let output = refract()
        .arg("--db")
        .arg(&db)
        .arg("patients")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "an import is running ({running}): 1 patient(s) show their records as they were \
             before it until it ends"
        )),
        "{stderr}"
    );
    let store =
        refract::store::Store::open(&db, refract::store::OpenMode::MustExist, "dr.a").unwrap();
    assert!(matches!(
        refract::import::leftover(&store).unwrap(),
        refract::import::Leftover::Running { patients: 1, .. }
    ));
    assert_eq!(drugs_of(&db, &mrn), 0, "left to the running import");

    // Between its files and while it rebuilds its patients at its end, an import has no run
    // open: it is still running, and `refract flags` leaves its patients to it.
    open(&db)
        .execute_batch(&format!(
            "UPDATE imports SET state = 'done', process = NULL;
             INSERT INTO running_imports (process, started) VALUES ('{running}', '2026-11-27T10:00:00');"
        ))
        .unwrap();
    let output = refract()
        .arg("--db")
        .arg(&db)
        .args(["flags", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("an import is running"), "{stderr}");
    assert_eq!(drugs_of(&db, &mrn), 0, "left to the running import");
    // Once that process is gone, `flags` brings them up to date.
    let gone_pid = gone_process();
    open(&db)
        .execute(
            "UPDATE running_imports SET process = ?1",
            [format!("{}:{gone_pid}", this_host())],
        )
        .unwrap();
    let output = refract()
        .arg("--db")
        .arg(&db)
        .args(["flags", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(drugs_of(&db, &mrn) > 0, "rebuilt once the import is gone");
}

#[test]
fn a_new_patient_whose_file_was_killed_in_the_middle_appears_whole_or_not_at_all() {
    const READINGS: usize = 16_000;
    let dir = TempDir::new().unwrap();
    let export = dir.path().join("export");
    one_patient_with_many_readings(&export, READINGS);
    assert!(
        std::fs::metadata(export.join("Observation.ndjson"))
            .unwrap()
            .len()
            > refract::import::ONE_TRANSACTION_BYTES
    );
    let db = dir.path().join("team.db");
    let init = refract().arg("--db").arg(&db).arg("init").output().unwrap();
    assert!(init.status.success(), "{init:?}");

    // Killed once part of the patient's readings are committed (watched from a second
    // connection, read-only): their Patient was read to the end of its file, and waits to be
    // created at the end of the import with the rest of their record.
    let committed = import_killed_when(
        &export,
        &db,
        "SELECT count(*) FROM fhir_resources WHERE type = 'Observation'",
        1_000,
    );
    assert_sound(&db, "after the kill");
    assert!(committed < i64::try_from(READINGS).unwrap());

    // `check` says the readings wait for the patient the stopped import staged, never for one
    // "no import has brought".
    let output = refract()
        .arg("--db")
        .arg(&db)
        .arg("check")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("import: 1 new patient(s) of")
            && stdout.contains(
                "resource(s) wait for patients an import brought and has not created yet"
            )
            && !stdout.contains("no import has brought"),
        "{stdout}"
    );

    // `flags` (which brings interrupted imports' patients up to date) does not create the
    // patient from the part written, and says why they are not there.
    let output = refract()
        .arg("--db")
        .arg(&db)
        .args(["flags", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("1 new patient(s) of")
            && stderr.contains("are not listed: its import stopped before the end of the file"),
        "{stderr}"
    );
    let patients = |db: &std::path::Path| -> i64 {
        open(db)
            .query_row("SELECT count(*) FROM patients", [], |row| row.get(0))
            .unwrap()
    };
    assert_eq!(patients(&db), 0, "no patient made of part of their file");
    let output = refract()
        .arg("--db")
        .arg(&db)
        .arg("patients")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("are not listed"),
        "{output:?}"
    );

    // The file imported again brings them, whole, and nothing more is said: here the source's
    // next export (one more reading), in another folder; its Patient.ndjson is the same bytes,
    // skipped as already imported.
    let next_export = dir.path().join("next");
    one_patient_with_many_readings(&next_export, READINGS + 1);
    let output = refract()
        .arg("--db")
        .arg(&db)
        .arg("import")
        .arg(&next_export)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(patients(&db), 1);
    let readings: i64 = open(&db)
        .query_row("SELECT count(*) FROM observations", [], |row| row.get(0))
        .unwrap();
    assert_eq!(readings, i64::try_from(READINGS + 1).unwrap());
    let output = refract()
        .arg("--db")
        .arg(&db)
        .args(["flags", "--json"])
        .output()
        .unwrap();
    assert!(output.stderr.is_empty(), "{output:?}");
}

/// An export of `patients` patients in NDJSON: their Patients, a few readings each, and
/// `procedures` procedures each in a file large enough that reading it takes a while.
fn export_of_several_files(folder: &std::path::Path, patients: usize, procedures: usize) {
    std::fs::create_dir_all(folder).unwrap();
    let (mut people, mut readings, mut done) = (String::new(), String::new(), String::new());
    for p in 0..patients {
        let patient = serde_json::json!({
            "resourceType": "Patient", "id": format!("b{p}"),
            "identifier": [{"system": "https://north.example/mrn", "value": format!("B{p}")}],
            "name": [{"family": "Between", "given": [format!("Ben{p}")]}], "gender": "male",
            "birthDate": "1960-01-01"});
        writeln!(people, "{patient}").unwrap();
        for n in 0..5 {
            let reading = serde_json::json!({
                "resourceType": "Observation", "id": format!("o{p}-{n}"), "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
                "subject": {"reference": format!("Patient/b{p}")},
                "effectiveDateTime": format!("2020-01-{:02}T08:00:00Z", n + 1),
                "valueQuantity": {"value": 150 + n, "unit": "mmHg",
                                  "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}});
            writeln!(readings, "{reading}").unwrap();
        }
        for n in 0..procedures {
            let procedure = serde_json::json!({
                "resourceType": "Procedure", "id": format!("x{p}-{n}"), "status": "completed",
                "code": {"coding": [{"system": "http://snomed.info/sct", "code": "80146002",
                                     "display": "Appendectomy"}],
                         "text": "a procedure whose words make the file long enough to take a while to read"},
                "subject": {"reference": format!("Patient/b{p}")},
                "performedDateTime": format!("2019-{:02}-{:02}", n % 12 + 1, n % 28 + 1)});
            writeln!(done, "{procedure}").unwrap();
        }
    }
    std::fs::write(folder.join("Patient.ndjson"), people).unwrap();
    std::fs::write(folder.join("Observation.ndjson"), readings).unwrap();
    std::fs::write(folder.join("Procedure.ndjson"), done).unwrap();
}

/// An import of a folder killed between two of its files (its Patients and readings read, its
/// procedures not): no new patient is created from the part read, `check` and `flags` say so,
/// another file of one of its names does not release them, and the folder imported again
/// brings them whole (review pull P1).
#[test]
fn new_patients_of_an_import_killed_between_files_wait_for_the_rest_of_the_run() {
    const PATIENTS: usize = 20;
    const PROCEDURES: usize = 4_000;
    let dir = TempDir::new().unwrap();
    let export = dir.path().join("export");
    export_of_several_files(&export, PATIENTS, PROCEDURES);
    let db = dir.path().join("team.db");
    let init = refract().arg("--db").arg(&db).arg("init").output().unwrap();
    assert!(init.status.success(), "{init:?}");
    let patients = |db: &std::path::Path| -> i64 {
        open(db)
            .query_row("SELECT count(*) FROM patients", [], |row| row.get(0))
            .unwrap()
    };

    // Killed once the readings' file is read to its end, while the procedures' is being read
    // (watched from a second connection, read-only).
    import_killed_when(
        &export,
        &db,
        "SELECT count(*) FROM imports
         WHERE path LIKE '%Observation.ndjson' AND state = 'done'",
        1,
    );
    assert_sound(&db, "after the kill");
    let procedures_written: i64 = open(&db)
        .query_row(
            "SELECT count(*) FROM fhir_resources WHERE type = 'Procedure'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert!(
        procedures_written < i64::try_from(PATIENTS * PROCEDURES).unwrap(),
        "the kill landed after the procedures"
    );

    let output = refract()
        .arg("--db")
        .arg(&db)
        .arg("check")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!("{PATIENTS} new patient(s) of"))
            && stdout.contains("are not listed: their import stopped between files")
            && !stdout.contains(&format!("{PATIENTS} to create")),
        "{stdout}"
    );

    // `flags` creates no one from their Patient and readings alone, and says why.
    let output = refract()
        .arg("--db")
        .arg(&db)
        .args(["flags", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("{PATIENTS} new patient(s) of"))
            && stderr.contains("are not listed"),
        "{stderr}"
    );
    assert_eq!(patients(&db), 0, "no patient made of part of their files");

    // Another folder whose one file has one of the run's names is not the rest of the run.
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::copy(
        export.join("Observation.ndjson"),
        other.join("Observation.ndjson"),
    )
    .unwrap();
    let output = refract()
        .arg("--db")
        .arg(&db)
        .arg("import")
        .arg(&other)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        patients(&db),
        0,
        "released by a file the stopped run had read"
    );

    // The folder imported again reads the files it did not: the patients come whole.
    let output = refract()
        .arg("--db")
        .arg(&db)
        .arg("import")
        .arg(&export)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(patients(&db), i64::try_from(PATIENTS).unwrap());
    let procedures: i64 = open(&db)
        .query_row("SELECT count(*) FROM procedures", [], |row| row.get(0))
        .unwrap();
    assert!(procedures > 0);
    let output = refract()
        .arg("--db")
        .arg(&db)
        .args(["flags", "--json"])
        .output()
        .unwrap();
    assert!(output.stderr.is_empty(), "{output:?}");
}
