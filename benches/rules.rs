//! Rules evaluation against the budget of docs/architecture.md (performance budgets): every rule
//! set on 100,000 demo patients in at most 2 s on two cores. Run by hand: `cargo bench --bench
//! rules` (figures, not a test).
//!
//! Reports the pure evaluation (records already in memory, both cores; flags stored without
//! their `criteria_met_since`, as the evaluation pass stores them), the search for those days
//! on the same records (what the dating pass after it computes), and, separately, on a demo
//! database: the pass of `refract flags` after a rules change (read, evaluate, write back),
//! the dating pass that follows it, and a second pass a day later.

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
    // The search for each flag's criteria_met_since, on the same records: what the dating pass
    // computes after the flags are stored (`assess::date_flags`), out of the evaluation's way.
    let mut work = Vec::new();
    for chunk in records.chunks(2_000) {
        let results = assess::evaluate_in_parallel(&rules, chunk, today);
        for (record, assessments) in chunk.iter().zip(results) {
            let flags: Vec<(String, NaiveDate)> = assessments
                .into_iter()
                .filter(|a| a.status.asks_for_review())
                .map(|a| (a.ruleset, today))
                .collect();
            if !flags.is_empty() {
                work.push((record.clone(), flags));
            }
        }
    }
    let flags: usize = work.iter().map(|(_, flags)| flags.len()).sum();
    let mut dating = f64::MAX;
    let mut dated = 0;
    for _ in 0..3 {
        let started = Instant::now();
        dated = 0;
        for chunk in work.chunks(1_000) {
            dated += assess::search_in_parallel(&rules, chunk).len();
        }
        dating = dating.min(started.elapsed().as_secs_f64());
    }
    println!(
        "searching the day of each flag ({dated} of {flags} flags dated), in memory, 2 threads: \
         {dating:.2} s (best of 3; the dating pass, after the flags are stored)"
    );
    drop(work);
    drop(records);
    if std::env::var_os("REFRACT_BENCH_MEMORY_ONLY").is_some() {
        return Ok(());
    }

    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.db");
    demo::create(&path, &options, &rules)?;
    let mut store = Store::open(&path, OpenMode::MustExist, "bench")?;
    // Rules that changed: every patient is evaluated again and no stored day is kept, as after
    // an upgrade of the rules.
    let mut changed = rules.clone();
    changed.stamp.push_str(" (changed for the bench)");
    let started = Instant::now();
    let pass = assess::refresh(&mut store, &changed, today, |_, _| {})?;
    println!(
        "re-evaluation pass on the database after a rules change ({} patients: read, evaluate, \
         write): {:.2} s",
        pass.evaluated,
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let dated = assess::date_flags(&mut store, &changed, |_, _| {})?;
    println!(
        "dating pass after it ({dated} flags: read, search, write): {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let tomorrow = today.succ_opt().ok_or("bad date")?;
    let started = Instant::now();
    let pass = assess::refresh(&mut store, &changed, tomorrow, |_, _| {})?;
    let dated = assess::date_flags(&mut store, &changed, |_, _| {})?;
    println!(
        "a day later ({} patients evaluated, {dated} flags dated: the stored days kept): {:.2} s",
        pass.evaluated,
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let pass = assess::refresh(&mut store, &changed, tomorrow, |_, _| {})?;
    println!(
        "second pass, nothing changed ({} patients evaluated): {:.3} s",
        pass.evaluated,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
