//! What a hospital's security review asks of one shared file: nothing a record holds acts on the
//! terminal that shows it, the audit log cannot be rewritten unnoticed and says who, output files
//! are created safely, and a database file shared too widely is refused or warned about.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use crate::sql;
use sql::sql_on;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use refract::store::{OpenMode, Store};
use tempfile::TempDir;

/// The binary on `db`, with no database or user from the environment.
fn refract(db: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_refract"));
    command
        .env_remove("REFRACT_DB")
        .env_remove("RUST_BACKTRACE")
        .env("USER", "security-test")
        .arg("--db")
        .arg(db);
    command
}

fn run(command: &mut Command) -> Output {
    command.output().unwrap()
}

/// Runs the command and returns its stdout bytes, failing the test with stderr otherwise.
fn stdout_bytes(command: &mut Command) -> Vec<u8> {
    let output = run(command);
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

fn demo(dir: &TempDir, patients: u32) -> PathBuf {
    let db = dir.path().join("demo.db");
    stdout_bytes(refract(&db).args([
        "demo",
        "--no-open",
        "--today",
        "2026-11-27",
        "--seed",
        "5",
        "--patients",
        &patients.to_string(),
    ]));
    db
}

/// What a terminal would act on, named, with its byte offset: control characters other than a
/// line break or a tab (ESC, BEL, CSI as U+009B…), bidi controls and zero-width characters.
fn terminal_hazards(bytes: &[u8]) -> Vec<(usize, String)> {
    let text = String::from_utf8_lossy(bytes);
    text.char_indices()
        .filter(|(_, c)| {
            (c.is_control() && !matches!(c, '\n' | '\t'))
                || matches!(c, '\u{61c}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
                    | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
        })
        .map(|(at, c)| (at, format!("{c:?}")))
        .collect()
}

fn assert_terminal_safe(bytes: &[u8], what: &str) {
    let hazards = terminal_hazards(bytes);
    assert!(
        hazards.is_empty(),
        "{what} printed {} raw control/bidi/zero-width character(s), first {:?}",
        hazards.len(),
        &hazards[..hazards.len().min(5)]
    );
}

// A title change, a clipboard write (OSC 52), a hyperlink (OSC 8), a screen clear, a C1 CSI, a
// bidi override and a zero-width space.
const TITLE: &str = "\u{1b}]0;owned\u{7}";
const CLIPBOARD: &str = "\u{1b}]52;c;cm0gLXJmIH4=\u{1b}\\";
const LINK: &str = "\u{1b}]8;;https://evil.example/\u{1b}\\click\u{1b}]8;;\u{1b}\\";
const CLEAR: &str = "\u{1b}[2J\u{1b}[H";
const C1: &str = "\u{9b}31m";
const BIDI: &str = "\u{202e}gpj.exe\u{202c}\u{200b}";

/// A demo file whose first flagged patient's name, drugs, lines and conditions, a meeting, its
/// cases, tasks and attendees, and a note all carry escape sequences, as an imported record can.
fn hostile_file(dir: &TempDir) -> (PathBuf, String) {
    let db = demo(dir, 40);
    let store = Store::open(&db, OpenMode::MustExist, "dr.hostile").unwrap();
    let conn = sql_on(&store);
    let (id, mrn): (i64, String) = conn
        .query_row(
            "SELECT p.id, p.mrn FROM patients p JOIN assessments a ON a.patient_id = p.id
             JOIN meeting_cases mc ON mc.patient_id = p.id ORDER BY p.id LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    let family = format!("Evil{TITLE}{CLEAR}son");
    let given = format!("Ann{CLIPBOARD}{BIDI}");
    conn.execute(
        "UPDATE patients SET family_name = ?1, given_name = ?2, care_team = ?3,
                list_regimen = ?4, name_key = lower(?1 || ', ' || ?2) WHERE id = ?5",
        rusqlite::params![family, given, format!("Team{C1}"), format!("Reg{LINK}"), id],
    )
    .unwrap();
    for sql in [
        "UPDATE conditions SET display = display || ?1 WHERE patient_id = ?2",
        "UPDATE drug_exposures SET text = text || ?1 WHERE patient_id = ?2",
        "UPDATE treatment_lines SET regimen = regimen || ?1 WHERE patient_id = ?2",
        "UPDATE meeting_cases SET question = coalesce(question, '') || ?1 WHERE patient_id = ?2",
        "UPDATE tasks SET what = what || ?1 WHERE patient_id = ?2",
        "UPDATE way_forward SET notes = notes || ?1 WHERE patient_id = ?2",
    ] {
        conn.execute(sql, rusqlite::params![format!("{LINK}{CLEAR}{BIDI}"), id])
            .unwrap();
    }
    conn.execute(
        "UPDATE meetings SET title = title || ?1, team = ?2",
        rusqlite::params![format!("{TITLE}{BIDI}"), format!("MDT{CLIPBOARD}")],
    )
    .unwrap();
    conn.execute(
        "UPDATE attendees SET name = name || ?1",
        [format!("{C1}{CLEAR}")],
    )
    .unwrap();
    drop(store);
    (db, mrn)
}

#[test]
fn escape_sequences_from_records_never_reach_the_terminal_from_the_command_line() {
    let dir = TempDir::new().unwrap();
    let (db, mrn) = hostile_file(&dir);
    let meeting: String = {
        let store = Store::open(&db, OpenMode::MustExist, "t").unwrap();
        sql_on(&store)
            .query_row(
                "SELECT mc.meeting_id FROM meeting_cases mc JOIN patients p ON p.id = mc.patient_id
                 WHERE p.mrn = ?1",
                [&mrn],
                |row| row.get::<_, i64>(0),
            )
            .unwrap()
            .to_string()
    };
    for args in [
        vec!["patients"],
        vec!["patients", "--search", "evil"],
        vec!["show", &mrn],
        vec!["flags"],
        vec!["meetings"],
        vec!["minutes", &meeting],
        vec!["minutes", &meeting, "--identified"],
        vec!["minutes", &meeting, "--format", "html", "--identified"],
    ] {
        let bytes = stdout_bytes(refract(&db).args(&args));
        assert_terminal_safe(&bytes, &args.join(" "));
        let text = String::from_utf8(bytes).unwrap();
        if args[0] == "patients" || args[0] == "show" {
            // Still there to read, without what made it a sequence.
            assert!(
                text.contains("Evil]0;owned[2J[Hson"),
                "{}: {text}",
                args.join(" ")
            );
        }
    }
    // JSON stays as serde writes it: escaped, and the data as stored.
    let json = stdout_bytes(refract(&db).args(["show", &mrn, "--json"]));
    assert!(!json.contains(&0x1b));
    let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert!(value.to_string().contains("\\u001b]0;owned"));
}

#[test]
fn a_file_written_with_out_is_sanitised_too() {
    let dir = TempDir::new().unwrap();
    let (db, _) = hostile_file(&dir);
    let out = dir.path().join("minutes.md");
    stdout_bytes(
        refract(&db)
            .args(["minutes", "latest", "--identified", "--out"])
            .arg(&out),
    );
    assert_terminal_safe(&std::fs::read(&out).unwrap(), "minutes --out");
}

#[test]
fn an_error_quoting_a_record_is_one_line_and_inert() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir, 5);
    let output = run(refract(&db).args(["show", &format!("X{CLEAR}{BIDI}\nY")]));
    assert_eq!(output.status.code(), Some(1));
    assert_terminal_safe(&output.stderr, "show's error");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("\\u{1b}[2J"), "{stderr}");
}

/// The names in `dir`, sorted.
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[cfg(unix)]
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o7777
}

#[cfg(unix)]
#[test]
fn an_output_file_never_follows_a_planted_link_nor_keeps_a_planted_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new().unwrap();
    let db = demo(&dir, 10);
    let shared = dir.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    // Another user's file, and a link to it where the export will go.
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "someone else's file\n").unwrap();
    let out = shared.join("export.json");
    std::os::unix::fs::symlink(&victim, &out).unwrap();
    // What the old writer opened: FILE.partial, planted world-writable.
    let planted = shared.join("export.json.partial");
    std::fs::write(&planted, "").unwrap();
    std::fs::set_permissions(&planted, std::fs::Permissions::from_mode(0o666)).unwrap();

    let refused = run(refract(&db)
        .args(["export", "--format", "json", "--out"])
        .arg(&out));
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("already exists") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "someone else's file\n"
    );

    stdout_bytes(
        refract(&db)
            .args(["export", "--format", "json", "--force", "--out"])
            .arg(&out),
    );
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "someone else's file\n"
    );
    let meta = std::fs::symlink_metadata(&out).unwrap();
    assert!(meta.is_file(), "the link itself was replaced by the export");
    assert_eq!(mode_of(&out), 0o600);
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .starts_with("{\"format\":\"refract\"")
    );
    assert_eq!(
        std::fs::read(&planted).unwrap(),
        b"",
        "the planted file was not written"
    );
    assert_eq!(names_in(&shared), ["export.json", "export.json.partial"]);
}

#[test]
fn an_existing_output_file_is_replaced_only_with_force() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir, 10);
    for command in [
        vec!["export", "--format", "fhir"],
        vec!["minutes", "latest", "--format", "md"],
    ] {
        let out = dir.path().join("kept.txt");
        std::fs::write(&out, "keep me\n").unwrap();
        let refused = run(refract(&db).args(&command).arg("--out").arg(&out));
        assert_eq!(refused.status.code(), Some(1), "{command:?}");
        assert_eq!(String::from_utf8_lossy(&refused.stderr).lines().count(), 1);
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep me\n");
        stdout_bytes(
            refract(&db)
                .args(&command)
                .args(["--force", "--out"])
                .arg(&out),
        );
        assert_ne!(std::fs::read_to_string(&out).unwrap(), "keep me\n");
        #[cfg(unix)]
        assert_eq!(mode_of(&out), 0o600);
        std::fs::remove_file(&out).unwrap();
    }
    // --force without --out is a usage error.
    assert_eq!(
        run(refract(&db).args(["export", "--force"])).status.code(),
        Some(2)
    );
}

#[test]
fn a_failed_output_leaves_nothing_behind() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir, 10);
    let folder = dir.path().join("exports");
    std::fs::create_dir(&folder).unwrap();
    let before = names_in(dir.path());
    // A folder given as the file, and a file in a folder that does not exist.
    for out in [folder.clone(), dir.path().join("missing").join("x.json")] {
        for command in [
            vec!["export", "--format", "json"],
            vec!["minutes", "latest"],
        ] {
            let failed = run(refract(&db).args(&command).arg("--out").arg(&out));
            assert_eq!(failed.status.code(), Some(1), "{command:?} {out:?}");
            assert_eq!(names_in(dir.path()), before, "{command:?} {out:?}");
            assert!(names_in(&folder).is_empty(), "{command:?} {out:?}");
        }
    }
}

/// The file opened as `sqlite3` would open it: no refract in between.
fn raw(db: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(db).unwrap()
}

fn check(db: &Path) -> (Option<i32>, String, String) {
    let output = run(refract(db).arg("check"));
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// The audit log's head as `check` prints it: "row N sha256:…".
fn head_of(check_output: &str) -> String {
    let line = check_output
        .lines()
        .find(|line| line.starts_with("audit log:"))
        .unwrap();
    let start = line.find("row ").unwrap();
    line[start..].split(" (").next().unwrap().to_owned()
}

#[test]
fn replace_and_insert_of_an_existing_id_are_refused() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir, 30);
    let conn = raw(&db);
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM audit_log", [], |row| row.get(0))
        .unwrap();
    assert!(rows > 10);
    for sql in [
        // What the issue saw rewrite 127 rows in place.
        "REPLACE INTO audit_log (id, at, who, action, entity, entity_id, patient_id, before, after)
         SELECT id, at, 'mallory', action, entity, entity_id, patient_id, before, '{}' FROM audit_log",
        "INSERT OR REPLACE INTO audit_log (id, at, who, action, entity)
         VALUES (1, '2026-01-01 00:00:00', 'mallory', 'x', 'y')",
        "INSERT INTO audit_log (id, at, who, action, entity, hash)
         VALUES (1, '2026-01-01 00:00:00', 'mallory', 'x', 'y', 'h')",
        // A row without its hash, or at a chosen id, even a new one.
        "INSERT INTO audit_log (at, who, action, entity) VALUES ('2026-01-01 00:00:00', 'm', 'x', 'y')",
        "UPDATE audit_log SET who = 'mallory'",
        "DELETE FROM audit_log WHERE id = 3",
    ] {
        let refused = conn.execute_batch(sql);
        assert!(
            refused
                .as_ref()
                .is_err_and(|err| err.to_string().contains("append-only")),
            "{sql}: {refused:?}"
        );
    }
    let mallory: i64 = conn
        .query_row(
            "SELECT count(*) FROM audit_log WHERE who = 'mallory'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(mallory, 0);
    drop(conn);
    assert_eq!(check(&db).0, Some(0));
}

#[test]
fn check_names_the_first_row_changed_behind_the_triggers_back() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir, 30);
    let (code, intact, _) = check(&db);
    assert_eq!(code, Some(0), "{intact}");
    assert!(intact.contains("audit chain: ok"), "{intact}");
    let head = head_of(&intact);
    assert!(head.contains("sha256:"), "{head}");

    // Dropping and recreating the triggers, as the issue did, and rewriting two rows.
    let conn = raw(&db);
    let triggers: Vec<String> = conn
        .prepare("SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'audit_log'")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    conn.execute_batch(
        "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;
         DROP TRIGGER audit_log_append_only;
         UPDATE audit_log SET who = 'mallory' WHERE id IN (7, 9);",
    )
    .unwrap();
    for sql in &triggers {
        conn.execute_batch(sql).unwrap();
    }
    drop(conn);
    let (code, out, err) = check(&db);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("audit chain: broken at row 7"), "{out}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("row 7"), "{err}");
}

#[test]
fn check_notices_a_removed_row_and_missing_or_changed_triggers() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir, 30);
    let conn = raw(&db);
    conn.execute_batch(
        "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id = 5;
         DROP TRIGGER audit_log_no_update;
         CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log WHEN 0
         BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
    )
    .unwrap();
    drop(conn);
    let (code, out, _) = check(&db);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("broken at row 6: rows 5 to 5 are missing"),
        "{out}"
    );
    assert!(
        out.contains("trigger audit_log_no_delete is missing"),
        "{out}"
    );
    assert!(
        out.contains("trigger audit_log_no_update was changed"),
        "{out}"
    );
}

#[test]
fn a_recomputed_chain_is_caught_by_the_head_kept_in_the_minutes() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir, 30);
    let (_, out, _) = check(&db);
    let head = head_of(&out);
    let markdown =
        String::from_utf8(stdout_bytes(refract(&db).args(["minutes", "latest"]))).unwrap();
    assert!(
        markdown.contains(&format!(
            "Audit log head when these minutes were made: {head}."
        )),
        "{markdown}"
    );
    let html = String::from_utf8(stdout_bytes(
        refract(&db).args(["minutes", "latest", "--format", "html"]),
    ))
    .unwrap();
    assert!(html.contains(&head), "{html}");
    // A change written through refract moves the head on; the kept copy no longer matches.
    let mrn: String = raw(&db)
        .query_row(
            "SELECT p.mrn FROM patients p JOIN assessments a ON a.patient_id = p.id LIMIT 1",
            [],
            |row| row.get(0),
        )
        .unwrap();
    let ruleset: String = raw(&db)
        .query_row("SELECT a.ruleset FROM assessments a JOIN patients p ON p.id = a.patient_id WHERE p.mrn = ?1", [&mrn], |row| row.get(0))
        .unwrap();
    stdout_bytes(refract(&db).args([
        "review",
        &mrn,
        "--condition",
        &ruleset,
        "--confirm",
        "--rationale",
        "seen",
    ]));
    let (code, after, _) = check(&db);
    assert_eq!(code, Some(0));
    assert_ne!(head_of(&after), head);
}

/// A file as refract wrote it before the chain: the first two migrations, and audit rows
/// without hash or account.
#[test]
fn rows_written_before_the_chain_are_hashed_when_the_file_is_migrated() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("old.db");
    let conn = raw(&db);
    conn.execute_batch(include_str!("../src/store/sql/0001_init.sql"))
        .unwrap();
    conn.execute_batch(include_str!("../src/store/sql/0002_list_counts.sql"))
        .unwrap();
    conn.execute_batch(
        "PRAGMA user_version = 2; PRAGMA application_id = 1380340291;
         INSERT INTO audit_log (at, who, action, entity, entity_id, patient_id, before, after)
         VALUES ('2026-01-02 03:04:05', 'alice', 'note.add', 'notes', 1, NULL, NULL, '{\"text\":\"a\"}'),
                ('2026-01-02 03:05:05', 'bob', 'note.add', 'notes', 2, NULL, NULL, '{\"text\":\"b\"}');",
    )
    .unwrap();
    drop(conn);
    let (code, out, err) = check(&db);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("audit log: 2 rows, head row 2 sha256:"),
        "{out}"
    );
    let conn = raw(&db);
    let (hashed, accounts): (i64, i64) = conn
        .query_row(
            "SELECT count(hash), count(os_user) FROM audit_log",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert_eq!((hashed, accounts), (2, 0));
    // The UPDATE trigger set aside for the hashing is back, as it was.
    assert!(conn.execute("UPDATE audit_log SET who = 'x'", []).is_err());
}

#[test]
fn who_is_the_os_account_with_the_given_name_beside_it() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir, 20);
    let account = refract::account::os_account().to_owned();
    let (mrn, ruleset): (String, String) = raw(&db)
        .query_row(
            "SELECT p.mrn, a.ruleset FROM patients p JOIN assessments a ON a.patient_id = p.id
             ORDER BY p.id LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    let review = |user: Option<&str>, env_user: Option<&str>| {
        let mut command = refract(&db);
        command.env_remove("USER").env_remove("LOGNAME");
        if let Some(env_user) = env_user {
            command.env("USER", env_user);
        }
        if let Some(user) = user {
            command.args(["--user", user]);
        }
        command.args([
            "review",
            &mrn,
            "--condition",
            &ruleset,
            "--confirm",
            "--rationale",
            "r",
        ]);
        run(&mut command)
    };
    let last = || -> (String, Option<String>) {
        raw(&db)
            .query_row(
                "SELECT who, os_user FROM audit_log ORDER BY id DESC LIMIT 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap()
    };
    // No $USER, no --user: the account from the password database, not "unknown".
    assert!(review(None, None).status.success());
    assert_eq!(last(), (account.clone(), Some(account.clone())));
    // A $USER set to someone else changes nothing.
    assert!(review(None, Some("mallory")).status.success());
    assert_eq!(last(), (account.clone(), Some(account.clone())));
    // A name given is recorded beside the account.
    assert!(review(Some("dr.mensah"), None).status.success());
    assert_eq!(last(), (String::from("dr.mensah"), Some(account.clone())));
    // An empty name, or one with escape sequences, is a usage error and records nothing.
    let rows = |db: &Path| -> i64 {
        raw(db)
            .query_row("SELECT count(*) FROM audit_log", [], |row| row.get(0))
            .unwrap()
    };
    let before = rows(&db);
    for bad in ["", "  ", "dr\u{1b}]0;owned\u{7}", "dr\u{202e}x", "dr\nx"] {
        let output = review(Some(bad), None);
        assert_eq!(output.status.code(), Some(2), "{bad:?}");
        assert_terminal_safe(&output.stderr, "--user's error");
    }
    assert_eq!(rows(&db), before);
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(unix)]
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(unix)]
#[test]
fn a_planted_wal_or_shm_is_refused_before_anything_is_written_to_it() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir, 10);
    let elsewhere = dir.path().join("elsewhere");
    std::fs::write(&elsewhere, "").unwrap();
    for (suffix, plant) in [
        ("-wal", "world"),
        ("-shm", "world"),
        ("-wal", "link"),
        ("-shm", "link"),
    ] {
        let planted = with_suffix(&db, suffix);
        if plant == "link" {
            std::os::unix::fs::symlink(&elsewhere, &planted).unwrap();
        } else {
            std::fs::write(&planted, "").unwrap();
            set_mode(&planted, 0o666);
        }
        for args in [vec!["patients"], vec!["export", "--format", "json"]] {
            let output = run(refract(&db).args(&args));
            assert_eq!(output.status.code(), Some(1), "{suffix} {plant} {args:?}");
            let stderr = String::from_utf8(output.stderr).unwrap();
            assert!(stderr.starts_with("refract: refusing to open"), "{stderr}");
            assert_eq!(stderr.lines().count(), 1, "{stderr}");
            assert!(output.stdout.is_empty());
        }
        assert_eq!(std::fs::read(&elsewhere).unwrap(), b"");
        if plant == "world" {
            assert_eq!(
                std::fs::read(&planted).unwrap(),
                b"",
                "nothing written to it"
            );
        }
        std::fs::remove_file(&planted).unwrap();
    }
    // Run as root, a WAL of another owner with the database's own mode is refused too.
    if nix::unistd::geteuid().is_root() {
        let planted = with_suffix(&db, "-wal");
        std::fs::write(&planted, "").unwrap();
        set_mode(&planted, 0o600);
        std::os::unix::fs::chown(&planted, Some(4242), None).unwrap();
        let output = run(refract(&db).arg("patients"));
        assert_eq!(output.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&output.stderr).contains("uid 4242"));
        std::fs::remove_file(&planted).unwrap();
    }
    stdout_bytes(refract(&db).arg("patients"));
}

#[cfg(unix)]
#[test]
fn the_wal_and_shm_take_the_database_s_owner_and_mode() {
    use std::os::unix::fs::MetadataExt;
    let dir = TempDir::new().unwrap();
    let db = demo(&dir, 10);
    // A team file (0660), opened under this process's umask (0022 or narrower).
    set_mode(&db, 0o660);
    let store = Store::open(&db, OpenMode::MustExist, "t").unwrap();
    let owner = std::fs::metadata(&db).unwrap().uid();
    for suffix in ["-wal", "-shm"] {
        let companion = with_suffix(&db, suffix);
        assert_eq!(mode_of(&companion), 0o660, "{suffix}");
        assert_eq!(
            std::fs::metadata(&companion).unwrap().uid(),
            owner,
            "{suffix}"
        );
    }
    drop(store);
}

#[cfg(unix)]
#[test]
fn a_file_open_to_others_is_opened_with_one_warning_each() {
    let dir = TempDir::new().unwrap();
    let folder = dir.path().join("shared");
    std::fs::create_dir(&folder).unwrap();
    let db = folder.join("team.db");
    stdout_bytes(refract(&db).args(["demo", "--no-open", "--patients", "5"]));
    let warnings_of = |db: &Path| -> Vec<String> {
        let output = run(refract(db).args(["patients", "--json"]));
        assert!(output.status.success());
        let _: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        String::from_utf8(output.stderr)
            .unwrap()
            .lines()
            .filter(|line| line.starts_with("refract: warning: "))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(warnings_of(&db), Vec::<String>::new());

    set_mode(&db, 0o644);
    let warnings = warnings_of(&db);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("can be read by every user"),
        "{warnings:?}"
    );

    set_mode(&db, 0o600);
    set_mode(&folder, 0o777);
    let warnings = warnings_of(&db);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("is writable by every user") && warnings[0].contains("or replace it"),
        "{warnings:?}"
    );
    set_mode(&folder, 0o1777);
    let warnings = warnings_of(&db);
    assert!(
        !warnings[0].contains("or replace it"),
        "sticky: {warnings:?}"
    );
    set_mode(&folder, 0o700);

    if nix::unistd::geteuid().is_root() {
        std::os::unix::fs::chown(&db, Some(4242), None).unwrap();
        let warnings = warnings_of(&db);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("belongs to uid 4242"), "{warnings:?}");
    }
}

#[cfg(unix)]
#[test]
fn init_makes_a_private_file_or_a_team_file_and_folder() {
    use std::os::unix::fs::MetadataExt;
    let dir = TempDir::new().unwrap();
    let private = dir.path().join("mine").join("refract.db");
    let output = run(refract(&private).arg("init"));
    assert!(output.status.success(), "{output:?}");
    assert_eq!(mode_of(&private), 0o600);
    assert_eq!(mode_of(private.parent().unwrap()), 0o700);
    // Never over an existing file.
    let again = run(refract(&private).arg("init"));
    assert_eq!(again.status.code(), Some(1));

    let gid = nix::unistd::getegid();
    let group = nix::unistd::Group::from_gid(gid).unwrap().unwrap().name;
    let team = dir.path().join("team").join("team.db");
    let output = run(refract(&team).args(["init", "--group", &group]));
    assert!(output.status.success(), "{output:?}");
    let folder = team.parent().unwrap();
    assert_eq!(mode_of(folder), 0o2770);
    assert_eq!(std::fs::metadata(folder).unwrap().gid(), gid.as_raw());
    assert_eq!(mode_of(&team), 0o660);
    assert_eq!(std::fs::metadata(&team).unwrap().gid(), gid.as_raw());
    let (code, out, err) = check(&team);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(!err.contains("warning"), "{err}");
    // Open, its WAL and SHM are the group's, with the file's mode.
    let store = Store::open(&team, OpenMode::MustExist, "t").unwrap();
    for suffix in ["-wal", "-shm"] {
        let companion = with_suffix(&team, suffix);
        assert_eq!(mode_of(&companion), 0o660, "{suffix}");
        assert_eq!(std::fs::metadata(&companion).unwrap().gid(), gid.as_raw());
    }
    drop(store);

    // A folder that is not the group's, or open to others, is refused and left as it was.
    let open_folder = dir.path().join("open");
    std::fs::create_dir(&open_folder).unwrap();
    set_mode(&open_folder, 0o777);
    let refused = run(refract(&open_folder.join("t.db")).args(["init", "--group", &group]));
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("chmod 2770"));
    assert!(names_in(&open_folder).is_empty());
    let unknown =
        run(refract(&dir.path().join("x.db")).args(["init", "--group", "no-such-group-xyz"]));
    assert_eq!(unknown.status.code(), Some(1));

    // Another member's team file: no warning that it is theirs, and the WAL they left is fine.
    if nix::unistd::geteuid().is_root() {
        std::os::unix::fs::chown(&team, Some(4242), None).unwrap();
        let (code, out, err) = check(&team);
        assert_eq!(code, Some(0), "{out}{err}");
        assert!(!err.contains("warning"), "{err}");
        // A WAL another member made (the group's, the file's mode) is theirs to make; one
        // of another group is refused.
        let wal = with_suffix(&team, "-wal");
        std::fs::write(&wal, "").unwrap();
        set_mode(&wal, 0o660);
        std::os::unix::fs::chown(&wal, Some(4343), Some(gid.as_raw())).unwrap();
        assert_eq!(check(&team).0, Some(0));
        std::fs::write(&wal, "").unwrap();
        std::os::unix::fs::chown(&wal, Some(4343), Some(4343)).unwrap();
        assert_eq!(check(&team).0, Some(1));
        std::fs::remove_file(&wal).unwrap();
        // The same file outside a team folder is someone else's.
        set_mode(folder, 0o770);
        let (_, _, err) = check(&team);
        assert!(err.contains("belongs to uid 4242"), "{err}");
    }
}
