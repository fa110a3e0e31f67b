//! A large Bulk Data export imported by the real binary, with a colleague saving beside it:
//! time, throughput, the import's peak memory, and the longest a colleague's save waited.
//!
//! The export is written into a temporary folder: `REFRACT_BENCH_MB` MB (default 2,048) of
//! `Observation.ndjson` (blood-pressure panels, about 1 kB a line) for `REFRACT_BENCH_PATIENTS`
//! patients (default 20,000) in `Patient.ndjson`. The budget (issue 14): peak RSS at most
//! 256 MiB for a 2 GB file, whatever its size; a colleague's save never fails.
//!
//! ```sh
//! cargo bench --bench import_big
//! REFRACT_BENCH_MB=200 cargo bench --bench import_big
//! ```

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use refract::domain::{PatientId, ReviewDecision};
use refract::store::{OpenMode, Store};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// Writes the export; returns its folder and its size in bytes.
fn export(dir: &Path, megabytes: u64, patients: u64) -> (PathBuf, u64) {
    let folder = dir.join("export");
    std::fs::create_dir_all(&folder).expect("the folder is made");
    let mut file = std::io::BufWriter::new(
        std::fs::File::create(folder.join("Patient.ndjson")).expect("writes"),
    );
    let mut size = 0u64;
    for i in 0..patients {
        let line = format!(
            r#"{{"resourceType":"Patient","id":"big-{i}","identifier":[{{"system":"https://big.example/mrn","value":"BIG-{i:07}"}}],"name":[{{"family":"Family{i}","given":["Given"]}}],"gender":"female","birthDate":"1970-01-01"}}"#
        );
        writeln!(file, "{line}").expect("writes");
        size += line.len() as u64 + 1;
    }
    drop(file);
    let mut file = std::io::BufWriter::new(
        std::fs::File::create(folder.join("Observation.ndjson")).expect("writes"),
    );
    let mut n = 0u64;
    while size < megabytes * 1_000_000 {
        let line = format!(
            r#"{{"resourceType":"Observation","id":"bp-{n}","status":"final","meta":{{"lastUpdated":"2024-01-01T00:00:00Z"}},"category":[{{"coding":[{{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs","display":"Vital signs"}}]}}],"subject":{{"reference":"Patient/big-{p}"}},"encounter":{{"reference":"Encounter/e{n}"}},"code":{{"coding":[{{"system":"http://loinc.org","code":"85354-9","display":"Blood pressure panel with all children optional"}}],"text":"Blood pressure"}},"effectiveDateTime":"20{y:02}-0{m}-1{d}T10:00:00Z","component":[{{"code":{{"coding":[{{"system":"http://loinc.org","code":"8480-6","display":"Systolic blood pressure"}}]}},"valueQuantity":{{"value":{s},"unit":"mm[Hg]","system":"http://unitsofmeasure.org","code":"mm[Hg]"}}}},{{"code":{{"coding":[{{"system":"http://loinc.org","code":"8462-4","display":"Diastolic blood pressure"}}]}},"valueQuantity":{{"value":{di},"unit":"mm[Hg]","system":"http://unitsofmeasure.org","code":"mm[Hg]"}}}}]}}"#,
            p = n % patients,
            y = 10 + n % 14,
            m = 1 + n % 9,
            d = n % 9,
            s = 120 + n % 40,
            di = 70 + n % 30,
        );
        writeln!(file, "{line}").expect("writes");
        size += line.len() as u64 + 1;
        n += 1;
    }
    (folder, size)
}

/// `VmHWM` (peak resident set) of a running process, in KiB.
fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
}

fn main() {
    let megabytes = env_number("REFRACT_BENCH_MB", 2048);
    let patients = env_number("REFRACT_BENCH_PATIENTS", 20_000);
    let scratch = tempfile::TempDir::new().expect("a scratch folder");
    let started = Instant::now();
    let (folder, size) = export(scratch.path(), megabytes, patients);
    println!(
        "export: {:.1} MB, {patients} patients, written in {:.1} s",
        size as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );

    // The team's file, with one patient the colleague reviews while the import runs.
    let db = scratch.path().join("team.db");
    let status = Command::new(env!("CARGO_BIN_EXE_refract"))
        .arg("--db")
        .arg(&db)
        .args(["demo", "--no-open", "--patients", "20"])
        .stdout(Stdio::null())
        .status()
        .expect("the demo runs");
    assert!(status.success());

    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_refract"))
        .arg("--db")
        .arg(&db)
        .arg("import")
        .arg(&folder)
        .stdout(Stdio::piped())
        .spawn()
        .expect("the import starts");
    let pid = child.id();
    let mut colleague = Store::open(&db, OpenMode::MustExist, "dr.colleague").expect("opens");
    let target: (i64, String) = rusqlite::Connection::open(&db)
        .expect("opens")
        .query_row(
            "SELECT patient_id, ruleset FROM assessments ORDER BY status_rank DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .expect("the demo has an assessment");
    let mut peak = 0u64;
    let mut saves = 0u32;
    let mut failures = 0u32;
    let mut longest = Duration::ZERO;
    loop {
        if let Some(kib) = peak_kib(pid) {
            peak = peak.max(kib);
        }
        if child.try_wait().expect("waits").is_some() {
            break;
        }
        let save = Instant::now();
        let decision = if saves.is_multiple_of(2) {
            ReviewDecision::Confirmed
        } else {
            ReviewDecision::Dismissed
        };
        match colleague.review(
            PatientId(target.0),
            &target.1,
            decision,
            &format!("save {saves} during the import"),
            chrono::Local::now().date_naive(),
        ) {
            Ok(_) => saves += 1,
            Err(err) => {
                failures += 1;
                eprintln!("a save failed: {err}");
            }
        }
        longest = longest.max(save.elapsed());
        std::thread::sleep(Duration::from_millis(200));
    }
    let output = child.wait_with_output().expect("the import ends");
    let took = started.elapsed();
    assert!(output.status.success(), "the import failed");
    println!("{}", String::from_utf8_lossy(&output.stdout).trim_end());
    println!(
        "import: {:.1} s, {:.1} MB/s; peak RSS {} MiB (budget 256 MiB for 2 GB)",
        took.as_secs_f64(),
        size as f64 / 1e6 / took.as_secs_f64(),
        peak / 1024
    );
    println!(
        "colleague: {saves} saves, {failures} failed, the longest took {:.0} ms",
        longest.as_secs_f64() * 1000.0
    );
}
