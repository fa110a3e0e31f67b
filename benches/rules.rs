//! Rules evaluation against the budget of docs/architecture.md (performance budgets): every rule
//! set on 100,000 demo patients in at most 2 s on two cores. Run by hand: `cargo bench --bench
//! rules` (figures, not a test).
//!
//! Reports the pure evaluation (records already in memory, both cores), the same without the
//! search for each flag's `criteria_met_since` (what that search costs), and, separately, the
//! full re-evaluation pass of `refract flags` on a demo database (read, evaluate, write back).

use std::time::Instant;

use chrono::NaiveDate;
use refract::assess;
use refract::demo::{self, DemoOptions};
use refract::rules::Rules;
use refract::store::{OpenMode, Store};

// The same allocator as the binary, so the figures are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let patients: u64 = std::env::var("REFRACT_BENCH_PATIENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let today = NaiveDate::from_ymd_opt(2026, 11, 27).ok_or("bad date")?;
    let rules = Rules::embedded()?;
    let options = DemoOptions {
        patients,
        seed: 1,
        today,
    };

    let records: Vec<_> = (0..patients)
        .map(|index| demo::generate_patient(&rules.book, &options, index).record)
        .collect();
    let mut best = f64::MAX;
    let mut assessments = 0;
    for _ in 0..3 {
        // In chunks, as the evaluation pass does: results are written and dropped as it goes.
        let started = Instant::now();
        assessments = 0;
        for chunk in records.chunks(2_000) {
            let results = assess::evaluate_in_parallel(&rules, chunk, today);
            assessments += results.iter().map(Vec::len).sum::<usize>();
        }
        best = best.min(started.elapsed().as_secs_f64());
    }
    println!(
        "evaluate {patients} patients ({assessments} assessments), in memory, 2 threads: {best:.2} s (best of 3; budget 2 s)"
    );
    // The same without searching for each flag's criteria_met_since (the day taken as known,
    // as a re-evaluation that only a new day asked for does): what that search costs.
    let mut without = f64::MAX;
    let mut flags = 0;
    for _ in 0..3 {
        let started = Instant::now();
        flags = 0;
        for chunk in records.chunks(2_000) {
            let (left, right) = chunk.split_at(chunk.len() / 2);
            let evaluate = |part: &[refract::domain::PatientRecord]| {
                part.iter()
                    .map(|r| rules.evaluate_keeping(r, today, |_| Some(today)))
                    .collect::<Vec<_>>()
            };
            let results = std::thread::scope(|scope| {
                let other = scope.spawn(|| evaluate(right));
                let mut out = evaluate(left);
                out.extend(other.join().unwrap_or_default());
                out
            });
            flags += results
                .iter()
                .flatten()
                .filter(|a| a.status.asks_for_review())
                .count();
        }
        without = without.min(started.elapsed().as_secs_f64());
    }
    println!(
        "the same without searching for criteria_met_since ({flags} flags): {without:.2} s \
         (best of 3); the search costs {:.2} s",
        best - without
    );
    drop(records);
    if std::env::var_os("REFRACT_BENCH_MEMORY_ONLY").is_some() {
        return Ok(());
    }

    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.db");
    demo::create(&path, &options, &rules)?;
    let mut store = Store::open(&path, OpenMode::MustExist, "bench")?;
    let tomorrow = today.succ_opt().ok_or("bad date")?;
    let started = Instant::now();
    let pass = assess::refresh(&mut store, &rules, tomorrow, |_, _| {})?;
    println!(
        "re-evaluation pass on the database ({} patients: read, evaluate, write): {:.2} s",
        pass.evaluated,
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let pass = assess::refresh(&mut store, &rules, tomorrow, |_, _| {})?;
    println!(
        "second pass, nothing changed ({} patients evaluated): {:.3} s",
        pass.evaluated,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
