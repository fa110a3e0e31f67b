//! The real binary in a real pseudo-terminal: it draws, answers keys, quits on `q`, and leaves
//! the terminal as it found it (main screen, cursor shown, mouse released) on quit, on SIGTERM
//! and on a panic. The screen is read back through a VT100 parser, as a user's terminal would
//! show it.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

#[path = "shared/processes.rs"]
mod processes;

use assert_cmd::Command;
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use tempfile::TempDir;

/// Generous: a debug build on a busy machine. Nothing asserts on how long it takes.
const PATIENCE: Duration = Duration::from_secs(60);

fn demo(dir: &TempDir) -> std::path::PathBuf {
    let path = dir.path().join("demo.db");
    Command::cargo_bin("refract")
        .unwrap()
        .args(["--db"])
        .arg(&path)
        .args([
            "demo",
            "--patients",
            "200",
            "--no-open",
            "--today",
            "2026-11-27",
        ])
        .assert()
        .success();
    path
}

struct Session {
    parser: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

/// A test that fails half-way must not leave a dashboard running.
impl Drop for Session {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
        }
    }
}

impl Session {
    fn start(db: &Path, columns: u16, rows: u16) -> Session {
        Session::start_as(db, "dr.pty", columns, rows)
    }

    fn start_as(db: &Path, user: &str, columns: u16, rows: u16) -> Session {
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_refract"));
        command.arg("--db");
        command.arg(db);
        command.arg("--user");
        command.arg(user);
        Session::start_command(command, columns, rows)
    }

    fn start_command(mut command: CommandBuilder, columns: u16, rows: u16) -> Session {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows,
                cols: columns,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        command.env("TERM", "xterm-256color");
        let child = pty.slave.spawn_command(command).unwrap();
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().unwrap();
        let writer = pty.master.take_writer().unwrap();
        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, columns, 0)));
        let sink = Arc::clone(&parser);
        thread::spawn(move || {
            let mut chunk = [0u8; 8192];
            while let Ok(read) = reader.read(&mut chunk) {
                if read == 0 {
                    break;
                }
                sink.lock().unwrap().process(&chunk[..read]);
            }
        });
        // The master must outlive the child, or the child sees a hang-up.
        std::mem::forget(pty.master);
        Session {
            parser,
            writer,
            child,
        }
    }

    fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "never saw {text:?}; the screen:\n{screen}"
            );
            thread::sleep(Duration::from_millis(50));
        }
    }

    fn keys(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
    }

    fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "did not quit:\n{}",
                self.screen()
            );
            thread::sleep(Duration::from_millis(50));
        }
    }
}

#[test]
fn opens_navigates_and_quits_leaving_the_terminal_clean() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir);
    let mut session = Session::start(&db, 100, 30);
    let list = session.wait_for("row 1 of 200");
    assert!(list.contains("refractory"), "{list}");

    session.keys(b"j\r");
    let patient = session.wait_for("Timeline");
    assert!(
        patient.contains("suspected, for clinician review"),
        "{patient}"
    );

    session.keys(b"\x1b"); // back to the list
    session.wait_for("row 2 of 200");
    session.keys(b"q");
    let status = session.wait_exit();
    assert!(status.success(), "{status:?}");

    // Parsed escape sequences would leave these set if the terminal was not restored.
    thread::sleep(Duration::from_millis(200));
    let parser = session.parser.lock().unwrap();
    let screen = parser.screen();
    assert!(!screen.alternate_screen(), "back on the main screen");
    assert!(!screen.hide_cursor(), "cursor shown again");
    assert_eq!(
        screen.mouse_protocol_mode(),
        vt100::MouseProtocolMode::None,
        "mouse released"
    );
}

/// A database every user can read is opened with the warning on the status line, once (the
/// first key clears it), and its WAL and SHM take its mode, not the umask's.
#[cfg(unix)]
#[test]
fn a_file_open_to_others_is_warned_about_on_the_status_line() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new().unwrap();
    let db = demo(&dir);
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut session = Session::start(&db, 160, 30);
    let screen = session.wait_for("row 1 of 200");
    assert!(
        screen.contains("warning:") && screen.contains("can be read by every user"),
        "{screen}"
    );
    for suffix in ["-wal", "-shm"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        let mode = std::fs::metadata(&name).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "{suffix}");
    }
    session.keys(b"j");
    session.wait_for("row 2 of 200");
    assert!(
        !session.screen().contains("warning:"),
        "{}",
        session.screen()
    );
    session.keys(b"q");
    assert!(session.wait_exit().success());
}

#[test]
fn sigterm_restores_the_terminal() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir);
    let mut session = Session::start(&db, 100, 30);
    session.wait_for("row 1 of 200");
    let pid = session.child.process_id().unwrap();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    session.wait_exit();
    thread::sleep(Duration::from_millis(200));
    let parser = session.parser.lock().unwrap();
    let screen = parser.screen();
    assert!(!screen.alternate_screen(), "back on the main screen");
    assert!(!screen.hide_cursor(), "cursor shown again");
    assert_eq!(screen.mouse_protocol_mode(), vt100::MouseProtocolMode::None);
}

/// Where the dashboard that panics on purpose keeps its database, and the file whose appearance
/// tells it to panic.
const PANIC_DB: &str = "REFRACT_TEST_PANIC_DB";
const PANIC_NOW: &str = "REFRACT_TEST_PANIC_NOW";

/// Not a test of its own: `a_panic_restores_the_terminal` runs this test binary again in a
/// pseudo-terminal with only this function, which opens the real dashboard (the library's
/// `tui::run`, with its panic hook) and then panics in it. The binary has no way to panic on
/// purpose, and should not have one.
#[test]
#[ignore = "run by a_panic_restores_the_terminal, in a pseudo-terminal"]
fn the_dashboard_panicking() {
    let (Some(db), Some(now)) = (std::env::var_os(PANIC_DB), std::env::var_os(PANIC_NOW)) else {
        return;
    };
    let store = refract::store::Store::open(
        Path::new(&db),
        refract::store::OpenMode::MustExist,
        "dr.panic",
    )
    .unwrap();
    let rules = refract::rules::Rules::embedded().unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
    thread::spawn(move || {
        while !Path::new(&now).exists() {
            thread::sleep(Duration::from_millis(20));
        }
        // The hooks run at the panic, before anything unwinds; then the process ends as a panic
        // on the drawing thread would end it.
        let _ = std::panic::catch_unwind(|| panic!("a bug in the dashboard (on purpose)"));
        std::process::exit(101);
    });
    let keymap = refract::tui::keymap::Keymap::embedded().unwrap();
    refract::tui::run(
        store,
        rules,
        &keymap,
        refract::store::DEFAULT_WAITING_MONTHS,
        today,
    )
    .unwrap();
}

#[test]
fn a_panic_restores_the_terminal() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir);
    let now = dir.path().join("panic-now");
    let mut command = CommandBuilder::new(std::env::current_exe().unwrap());
    command.args([
        "the_dashboard_panicking",
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]);
    command.env(PANIC_DB, &db);
    command.env(PANIC_NOW, &now);
    command.env_remove("RUST_BACKTRACE");
    let mut session = Session::start_command(command, 100, 30);
    session.wait_for("row 1 of 200");
    {
        let parser = session.parser.lock().unwrap();
        let screen = parser.screen();
        assert!(
            screen.alternate_screen(),
            "the dashboard is on the alternate screen"
        );
        assert_ne!(screen.mouse_protocol_mode(), vt100::MouseProtocolMode::None);
    }
    std::fs::write(&now, "").unwrap();
    let status = session.wait_exit();
    assert_eq!(status.exit_code(), 101, "{status:?}");
    thread::sleep(Duration::from_millis(200));
    let parser = session.parser.lock().unwrap();
    let screen = parser.screen();
    assert!(!screen.alternate_screen(), "back on the main screen");
    assert!(!screen.hide_cursor(), "cursor shown again");
    assert_eq!(
        screen.mouse_protocol_mode(),
        vt100::MouseProtocolMode::None,
        "mouse released"
    );
    // The report is printed after the restore, so it is on the main screen for the user to read.
    assert!(
        screen
            .contents()
            .contains("a bug in the dashboard (on purpose)"),
        "{}",
        screen.contents()
    );
}

#[test]
fn a_second_terminal_sees_a_review_made_in_the_first() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir);
    let mut watcher = Session::start(&db, 120, 30);
    watcher.wait_for("row 1 of 200");
    let before = watcher.screen();

    // The other terminal: the headless command, on the same file, while the dashboard is open.
    let flagged: serde_json::Value = serde_json::from_slice(
        &Command::cargo_bin("refract")
            .unwrap()
            .arg("--db")
            .arg(&db)
            .args(["flags", "--json", "--status", "refractory"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let unreviewed = flagged
        .as_array()
        .unwrap()
        .iter()
        .find(|flag| flag["review"] == "unreviewed")
        .expect("an unreviewed refractory flag in the demo")
        .clone();
    Command::cargo_bin("refract")
        .unwrap()
        .arg("--db")
        .arg(&db)
        .args(["review", unreviewed["mrn"].as_str().unwrap()])
        .args(["--condition", unreviewed["condition"].as_str().unwrap()])
        .args(["--confirm", "--rationale", "seen in clinic"])
        .assert()
        .success();

    let counts_before = unreviewed_count(&before);
    let deadline = Instant::now() + PATIENCE;
    loop {
        let now = unreviewed_count(&watcher.screen());
        if now == counts_before - 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the dashboard never showed the review: {counts_before} → {now}\n{}",
            watcher.screen()
        );
        thread::sleep(Duration::from_millis(100));
    }
    watcher.keys(b"q");
    assert!(watcher.wait_exit().success());
}

fn unreviewed_count(screen: &str) -> i64 {
    let after = screen.split("unreviewed ").nth(1).expect("the counts line");
    after
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

#[test]
fn without_a_terminal_the_dashboard_says_so_in_one_line() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir);
    let output = Command::cargo_bin("refract")
        .unwrap()
        .arg("--db")
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let message = String::from_utf8(output.stderr).unwrap();
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(message.contains("needs a terminal"), "{message}");
}

/// A presenter and a scribe on one file: what one records, the other sees, without a locking
/// error on either screen.
#[test]
fn presenter_and_scribe_see_each_others_changes() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir);
    let mut presenter = Session::start(&db, 140, 40);
    let mut scribe = Session::start(&db, 140, 40);
    for session in [&mut presenter, &mut scribe] {
        session.wait_for("row 1 of 200");
        // The meetings, the upcoming one (listed first), its first case on the shared screen.
        session.keys(b"m");
        session.wait_for("Open tasks");
        session.keys(b"\r");
        session.wait_for("Attendees");
        session.keys(b"\r");
        session.wait_for("Decision");
    }
    // The presenter records the decision: the first category, no option, the words.
    presenter.keys(b"d");
    presenter.wait_for("Outcome: the recommendation");
    presenter.keys(b"\r");
    // A menu of the options on the patient's way-forward board comes next when it has any.
    let deadline = Instant::now() + PATIENCE;
    loop {
        let screen = presenter.screen();
        if screen.contains("The option chosen") {
            presenter.keys(b"\r");
            break;
        }
        if screen.contains("recommendation:") {
            break;
        }
        assert!(Instant::now() < deadline, "{screen}");
        thread::sleep(Duration::from_millis(50));
    }
    presenter.wait_for("recommendation:");
    presenter.keys(b"Start the next line\r");
    presenter.wait_for("saved: outcome");
    scribe.wait_for("Change of treatment");
    // The scribe writes a follow-up task; the presenter sees it.
    scribe.keys(b"t");
    scribe.wait_for("New task");
    scribe.keys(b"Prescribe and book review\tDr Okafor\t2027-01-15\r");
    scribe.wait_for("saved: task");
    presenter.wait_for("Prescribe and book review");
    for session in [&presenter, &scribe] {
        let screen = session.screen();
        assert!(!screen.contains("locked"), "{screen}");
        assert!(!screen.contains("error"), "{screen}");
    }
    for session in [&mut presenter, &mut scribe] {
        session.keys(b"\x03");
        assert!(session.wait_exit().success());
    }
}

/// A presenter and a scribe edit the same case at the same time, each in their own terminal on
/// the one file: the scribe's decision, begun before the presenter marked that the case comes
/// back, keeps "comes back"; the question both retyped at once is refused to the second with
/// who changed it, the second's text kept, theirs shown on ctrl-t, and saved over on ctrl-o. No
/// field either of them saved is lost, and nobody loses anything silently.
#[test]
fn presenter_and_scribe_editing_one_case_at_once_lose_no_field() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir);
    let mut presenter = Session::start_as(&db, "dr.presenter", 140, 40);
    let mut scribe = Session::start_as(&db, "dr.scribe", 140, 40);
    for session in [&mut presenter, &mut scribe] {
        session.wait_for("row 1 of 200");
        session.keys(b"m");
        session.wait_for("Open tasks");
        session.keys(b"\r");
        session.wait_for("Attendees");
        session.keys(b"\r");
        session.wait_for("Decision");
    }

    // The scribe begins the decision: a category, the option menu when the board has one.
    scribe.keys(b"d");
    scribe.wait_for("Outcome: the recommendation");
    scribe.keys(b"\r");
    let deadline = Instant::now() + PATIENCE;
    loop {
        let screen = scribe.screen();
        if screen.contains("The option chosen") {
            scribe.keys(b"\r");
            break;
        }
        if screen.contains("recommendation:") {
            break;
        }
        assert!(Instant::now() < deadline, "{screen}");
        thread::sleep(Duration::from_millis(50));
    }
    scribe.wait_for("recommendation:");
    // Meanwhile the presenter marks that the case comes back, and both screens show it.
    presenter.keys(b"b");
    presenter.wait_for("saved: outcome: comes back");
    scribe.wait_for("comes back to a later meeting");
    // The scribe finishes the decision she began before that.
    scribe.keys(b"\x15Start the next line\r");
    scribe.wait_for("saved: outcome");
    presenter.wait_for("Start the next line");
    assert!(
        presenter.screen().contains("comes back to a later meeting"),
        "{}",
        presenter.screen()
    );

    // Both retype the question at once; the presenter saves first.
    presenter.keys(b"e");
    presenter.wait_for("clinical question:");
    scribe.keys(b"e");
    scribe.wait_for("clinical question:");
    presenter.keys(b"\x15Surgery or a device first?\r");
    presenter.wait_for("saved: question");
    scribe.keys(b"\x15Surgery, after the video-EEG?\r");
    let refused = scribe.wait_for("^o overwrite: dr.presenter changed the question");
    assert!(
        refused.contains("Surgery, after the video-EEG?"),
        "kept:\n{refused}"
    );
    scribe.keys(b"\x14"); // ctrl-t: theirs
    scribe.wait_for("Theirs");
    scribe.wait_for("Surgery or a device first?");
    scribe.keys(b"\x0f"); // ctrl-o: mine over theirs
    scribe.wait_for("saved: question");
    presenter.wait_for("Surgery, after the video-EEG?");

    for session in [&presenter, &scribe] {
        let screen = session.screen();
        assert!(!screen.contains("locked"), "{screen}");
        assert!(!screen.contains("error"), "{screen}");
    }
    for session in [&mut presenter, &mut scribe] {
        session.keys(b"\x03");
        assert!(session.wait_exit().success());
    }

    let file = rusqlite::Connection::open(&db).unwrap();
    let (question, text, comes_back): (String, String, bool) = file
        .query_row(
            "SELECT question, outcome_text, comes_back FROM meeting_cases
             WHERE outcome_text = 'Start the next line'",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .unwrap();
    assert_eq!(question, "Surgery, after the video-EEG?");
    assert_eq!(text, "Start the next line");
    assert!(
        comes_back,
        "the presenter's 'comes back' survived the scribe's decision"
    );
    let overwrites: Vec<(String, String)> = file
        .prepare("SELECT who, action FROM audit_log WHERE action LIKE '%.overwrite'")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        overwrites,
        [(
            String::from("dr.scribe"),
            String::from("case.question.overwrite")
        )]
    );
}

/// An import another terminal runs, killed before the end of its file while the dashboard is
/// open: the dashboard says at once that the file's new patients are not listed (tester T7:
/// both dashboards went on showing the list with no word of it).
#[test]
fn an_import_killed_while_the_dashboard_is_open_is_said_on_it() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir);
    let export = dir.path().join("export");
    processes::one_patient_with_many_readings(&export, 16_000);
    let mut watcher = Session::start(&db, 220, 30);
    watcher.wait_for("row 1 of 200");

    processes::import_killed_when(
        &export,
        &db,
        "SELECT count(*) FROM fhir_resources WHERE type = 'Observation'",
        1_000,
    );
    watcher.wait_for("1 new patient(s) of");
    watcher.keys(b"q");
    assert!(watcher.wait_exit().success());
}
