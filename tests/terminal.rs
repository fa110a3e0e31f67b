//! The real binary in a real pseudo-terminal: it draws, answers keys, quits on `q`, and leaves
//! the terminal as it found it (main screen, cursor shown, mouse released). The screen is read
//! back through a VT100 parser, as a user's terminal would show it.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

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

impl Session {
    fn start(db: &Path, columns: u16, rows: u16) -> Session {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows,
                cols: columns,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_refract"));
        command.arg("--db");
        command.arg(db);
        command.arg("--user");
        command.arg("dr.pty");
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
