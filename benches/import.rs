//! FHIR import throughput against the floor of parsing the same bytes with serde_json alone.
//!
//! The files: `REFRACT_BENCH_FHIR` (a folder of FHIR R4 JSON, e.g. Synthea bundles), else a demo of
//! `REFRACT_BENCH_PATIENTS` patients (default 2,000) exported as FHIR bundles of 100 patients each,
//! in a temporary folder. Reported, in MB/s of file bytes:
//!
//! - serde_json to `IgnoredAny` (reads and checks the JSON, keeps nothing: the syntax floor);
//! - serde_json to `Value` (a whole tree per file: what a naive importer would build);
//! - refract's parse (typed structs, references resolved, drugs recognised);
//! - refract's whole import into a fresh database (parse, write, derive lines, evaluate).
//!
//! The budget (docs/architecture.md, performance budgets): the import at least half the speed of
//! the serde_json parse. The parse to `Value` and the import are timed in pairs
//! (`REFRACT_BENCH_ROUNDS`, default 5) and the median ratio is reported with every pair's.
//!
//! ```sh
//! cargo bench --bench import
//! REFRACT_BENCH_FHIR=path/to/bundles cargo bench --bench import
//! REFRACT_BENCH_ONE_TRANSACTION=0 cargo bench --bench import   # every file in short transactions
//! ```

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use refract::demo::{self, DemoOptions};
use refract::domain::PatientId;
use refract::fhir;
use refract::rules::Rules;
use refract::store::{OpenMode, Store};

// The same allocator as the binary, so that the import's figures are the binary's (the floor
// below runs on it too).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("the folder can be read")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.extension()
                .is_some_and(|e| e == "json" || e == "ndjson")
        })
        .collect();
    files.sort();
    files
}

/// A demo exported as FHIR, 100 patients per bundle (a size EHR exports commonly have).
fn demo_bundles(dir: &Path, patients: u64, today: NaiveDate, rules: &Rules) -> Vec<PathBuf> {
    let db = dir.join("demo.db");
    demo::create(
        &db,
        &DemoOptions {
            patients,
            seed: 3,
            today,
        },
        rules,
    )
    .expect("the demo is created");
    let store = Store::open(&db, OpenMode::MustExist, "bench").expect("the demo opens");
    let ids: Vec<PatientId> = (1..=i64::try_from(patients).unwrap_or(i64::MAX))
        .map(PatientId)
        .collect();
    let mut files = Vec::new();
    for (index, chunk) in ids.chunks(100).enumerate() {
        let path = dir.join(format!("bundle-{index:04}.json"));
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("writable"));
        fhir::write_bundle(&store, chunk, &mut out).expect("the bundle is written");
        drop(out);
        files.push(path);
    }
    files
}

fn best_of<T>(runs: usize, mut work: impl FnMut() -> T) -> Duration {
    (0..runs)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(work());
            started.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 27).expect("a valid date");
    let rules = Rules::embedded().expect("the embedded rules load");
    let scratch = tempfile::TempDir::new().expect("a temporary folder");
    let files = if let Some(dir) = std::env::var_os("REFRACT_BENCH_FHIR") {
        json_files(Path::new(&dir))
    } else {
        let patients = std::env::var("REFRACT_BENCH_PATIENTS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(2_000);
        demo_bundles(scratch.path(), patients, today, &rules)
    };
    let contents: Vec<Vec<u8>> = files
        .iter()
        .map(|path| std::fs::read(path).expect("readable"))
        .collect();
    let bytes: usize = contents.iter().map(Vec::len).sum();
    let megabytes = bytes as f64 / 1e6;
    println!("{} files, {megabytes:.1} MB", files.len());
    let rate = |took: Duration| megabytes / took.as_secs_f64();

    let ignored = best_of(3, || {
        for content in &contents {
            // NDJSON files are one document per line.
            for document in documents(content) {
                let _: serde::de::IgnoredAny =
                    serde_json::from_slice(document).expect("valid JSON");
            }
        }
    });
    let parse_tree = || {
        for content in &contents {
            for document in documents(content) {
                let value: serde_json::Value =
                    serde_json::from_slice(document).expect("valid JSON");
                std::hint::black_box(value);
            }
        }
    };
    // `REFRACT_BENCH_ONE_TRANSACTION=0` writes every file in short transactions (as a file
    // over the size for one transaction is), for a comparison on the same files.
    let options = refract::import::ImportOptions {
        one_transaction_bytes: std::env::var("REFRACT_BENCH_ONE_TRANSACTION")
            .ok()
            .and_then(|n| n.parse().ok()),
        ..refract::import::ImportOptions::default()
    };
    let import_all = || {
        let db = scratch.path().join(format!("import-{}.db", rand_suffix()));
        let mut store = Store::open(&db, OpenMode::CreateIfMissing, "bench").expect("opens");
        let report =
            refract::import::import_paths(&mut store, &rules, &files, today, &options, |_| {})
                .expect("imports");
        drop(store);
        let _ = std::fs::remove_file(&db);
        report
    };
    let parse = best_of(3, || {
        for content in &contents {
            std::hint::black_box(fhir::parse_file(content, &rules).expect("parses"));
        }
    });
    // The floor and the import are timed in pairs, one right after the other, and the ratio is
    // the median of the pairs: on a shared machine the speed of both drifts by a factor of
    // two within minutes, and a best-of for each, taken minutes apart, compares two machines.
    let rounds: usize = std::env::var("REFRACT_BENCH_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5);
    let mut pairs: Vec<(Duration, Duration)> = (0..rounds.max(1))
        .map(|_| (best_of(1, parse_tree), best_of(1, import_all)))
        .inspect(|(tree, import)| {
            if std::env::var_os("REFRACT_BENCH_VERBOSE").is_some() {
                eprintln!("pair: serde_json Value {tree:.2?}, import {import:.2?}");
            }
        })
        .collect();
    pairs.sort_by(|a, b| {
        let ratio =
            |(tree, import): &(Duration, Duration)| tree.as_secs_f64() / import.as_secs_f64();
        ratio(a).total_cmp(&ratio(b))
    });
    let (tree, import) = pairs[pairs.len() / 2];
    let ratios: Vec<String> = pairs
        .iter()
        .map(|(tree, import)| format!("{:.2}", tree.as_secs_f64() / import.as_secs_f64()))
        .collect();
    println!(
        "serde_json, IgnoredAny (syntax floor)   {:>7.1} MB/s",
        rate(ignored)
    );
    println!(
        "serde_json, Value tree                  {:>7.1} MB/s (the median pair)",
        rate(tree)
    );
    println!(
        "refract parse (typed)                   {:>7.1} MB/s",
        rate(parse)
    );
    println!(
        "refract import (parse, write, evaluate) {:>7.1} MB/s (the median pair)",
        rate(import)
    );
    println!(
        "import / serde_json Value: {:.2}, median of {} pairs [{}] (budget ≥ 0.5); parse / serde_json Value: {:.2}",
        tree.as_secs_f64() / import.as_secs_f64(),
        pairs.len(),
        ratios.join(" "),
        tree.as_secs_f64() / parse.as_secs_f64()
    );
}

/// The JSON documents of a file: the whole file, or each non-blank line of NDJSON.
fn documents(content: &[u8]) -> Vec<&[u8]> {
    let trimmed = content.trim_ascii_start();
    let is_ndjson = trimmed.first() == Some(&b'{')
        && content
            .split(|b| *b == b'\n')
            .filter(|line| !line.trim_ascii().is_empty())
            .nth(1)
            .is_some_and(|line| line.trim_ascii_start().first() == Some(&b'{'))
        && serde_json::from_slice::<serde::de::IgnoredAny>(content).is_err();
    if is_ndjson {
        content
            .split(|b| *b == b'\n')
            .filter(|line| !line.trim_ascii().is_empty())
            .collect()
    } else {
        vec![content]
    }
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}
