//! `refract import PATH... [--json]`: FHIR R4 files and folders into the database, with a
//! progress bar on a terminal and a summary at the end (JSON with `--json`). Exit code 1 when
//! any file failed; the others are imported all the same.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressStyle};

use super::{CliError, stdout};
use crate::fhir::{self, FileOutcome, ImportReport};
use crate::rules::Rules;
use crate::store::Store;

pub fn run(
    store: &mut Store,
    rules: &Rules,
    today: NaiveDate,
    paths: &[PathBuf],
    json: bool,
) -> Result<ExitCode, CliError> {
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {msg} [{bar:30}] {bytes}/{total_bytes} ({binary_bytes_per_sec})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar
    });
    let started = Instant::now();
    let report = fhir::import_paths(store, rules, paths, today, |progress| {
        if let Some(bar) = &bar {
            bar.set_length(progress.bytes_total);
            bar.set_position(progress.bytes_done);
            bar.set_message(format!(
                "{}/{} files, {} resources",
                progress.files_done, progress.files_total, progress.resources
            ));
        }
    })?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let mut out = stdout();
    if json {
        serde_json::to_writer_pretty(&mut out, &report).map_err(std::io::Error::from)?;
        writeln!(out)?;
    } else {
        write_summary(&mut out, &report, started.elapsed().as_secs_f64())?;
    }
    out.flush()?;
    for file in report
        .files
        .iter()
        .filter(|f| f.outcome == FileOutcome::Failed)
    {
        eprintln!(
            "refract: {}: {}",
            file.path,
            file.error.as_deref().unwrap_or("failed")
        );
    }
    Ok(if report.failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn write_summary(out: &mut impl Write, report: &ImportReport, seconds: f64) -> std::io::Result<()> {
    writeln!(
        out,
        "imported {} file(s), {} already imported, {} failed, in {seconds:.1} s",
        report.imported, report.already_imported, report.failed
    )?;
    writeln!(
        out,
        "  {} patients, {} conditions, {} drug exposures, {} observations, {} procedures",
        report.patients,
        report.conditions,
        report.exposures,
        report.observations,
        report.procedures
    )?;
    if !report.skipped.is_empty() {
        let mut skipped: Vec<(&String, &usize)> = report.skipped.iter().collect();
        skipped.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let list = skipped
            .iter()
            .map(|(kind, count)| format!("{kind} {count}"))
            .collect::<Vec<_>>()
            .join(", ");
        writeln!(out, "  skipped (not used by refract): {list}")?;
    }
    if report.evaluated > 0 {
        writeln!(
            out,
            "  assessments evaluated for {} patient(s)",
            report.evaluated
        )?;
    }
    for file in report
        .files
        .iter()
        .filter(|f| f.outcome == FileOutcome::Failed)
    {
        writeln!(
            out,
            "  failed: {}: {}",
            file.path,
            file.error.as_deref().unwrap_or("")
        )?;
    }
    Ok(())
}
