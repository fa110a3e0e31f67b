//! Special paths: only regular files are read, as a database or as a file to import. A named
//! pipe never blocks the command, a device is refused before SQLite can put a journal beside
//! it, a folder with a symbolic-link loop is walked once, a link to `/dev/zero` never fills
//! memory, and a file over the size limit is refused in one line.

#![cfg(unix)]

use std::os::unix::fs::symlink;
use std::process::Command as Process;
use std::time::Duration;

use super::{Env, cli_import, epilepsy_bundle, refract};

/// Makes a named pipe with the system's `mkfifo` (no unsafe code in the tests either).
fn mkfifo(path: &std::path::Path) {
    let status = Process::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

#[test]
fn a_named_pipe_as_the_database_is_refused_at_once() {
    let env = Env::new();
    let fifo = env.path("team.db");
    std::fs::remove_file(env.db()).ok();
    mkfifo(&fifo);
    for args in [&["patients"][..], &["import", "x.json"], &["check"]] {
        let output = refract()
            .arg("--db")
            .arg(&fifo)
            .args(args)
            .timeout(Duration::from_secs(20))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains("named pipe"), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}

#[test]
fn a_device_as_the_database_is_refused_and_nothing_is_left_beside_it() {
    let output = refract()
        .args(["--db", "/dev/null", "patients"])
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("a device"), "{stderr}");
    for stray in ["/dev/null-journal", "/dev/null-wal", "/dev/null-shm"] {
        assert!(!std::path::Path::new(stray).exists(), "{stray} was left");
    }
}

#[test]
fn a_folder_with_a_link_loop_reads_each_file_once() {
    let mut env = Env::new();
    let folder = env.path("export");
    super::write_json(
        &folder.join("one.json"),
        &epilepsy_bundle("loop-1", "LOOP-1", ("266721009", "No response")),
    );
    std::fs::create_dir_all(folder.join("sub")).unwrap();
    super::write_json(
        &folder.join("sub/two.json"),
        &epilepsy_bundle("loop-2", "LOOP-2", ("266721009", "No response")),
    );
    // A link back to the top, and a second name for a file.
    symlink(&folder, folder.join("sub/up")).unwrap();
    symlink(folder.join("one.json"), folder.join("again.json")).unwrap();
    let report = env.import(std::slice::from_ref(&folder));
    assert_eq!(report.files.len(), 2, "{report:#?}");
    assert_eq!((report.imported, report.failed), (2, 0));
    assert_eq!(env.int("SELECT count(*) FROM patients"), 2);
}

#[test]
fn a_link_to_a_device_and_a_pipe_among_the_files_are_refused_and_the_rest_imported() {
    let mut env = Env::new();
    let folder = env.path("export");
    super::write_json(
        &folder.join("good.json"),
        &epilepsy_bundle("dev-1", "DEV-1", ("266721009", "No response")),
    );
    symlink("/dev/zero", folder.join("zero.json")).unwrap();
    mkfifo(&folder.join("pipe.ndjson"));
    let db = env.path("cli.db");
    let output = refract()
        .arg("--db")
        .arg(&db)
        .args(["import", "--json"])
        .arg(&folder)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["imported"], 1, "{summary}");
    assert_eq!(summary["failed"], 2, "{summary}");
    assert!(
        stderr.contains("zero.json") && stderr.contains("a device"),
        "{stderr}"
    );
    assert!(
        stderr.contains("pipe.ndjson") && stderr.contains("named pipe"),
        "{stderr}"
    );
    // Named directly, the same.
    let report = env.import(&[folder.join("zero.json")]);
    assert_eq!(report.failed, 1);
}

#[test]
fn a_file_over_the_size_limit_is_refused_in_one_line() {
    let env = Env::new();
    let file = env.write_json(
        "big.json",
        &epilepsy_bundle("big-1", "BIG-1", ("266721009", "No response")),
    );
    let db = env.path("cli.db");
    let output = refract()
        .arg("--db")
        .arg(&db)
        .args(["import", "--max-file-size", "1K"])
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("--max-file-size"), "{stderr}");
    let (code, summary, _) = cli_import(&db, &[file]);
    assert_eq!((code, summary["imported"].as_u64()), (0, Some(1)));
    // A size that is not one is a usage error.
    let output = refract()
        .arg("--db")
        .arg(&db)
        .args(["import", "--max-file-size", "lots", "x.json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}
