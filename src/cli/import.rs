//! `refract import PATH... [--json]`: FHIR R4 files and folders into the database, with a
//! progress bar on a terminal and a summary at the end (JSON with `--json`). Exit code 1 when
//! any file failed; the others are imported all the same.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use chrono::NaiveDate;

use super::progress::{self, Counting};
use super::{CliError, result_stdout};
use crate::import::{self, FileOutcome, ImportOptions, ImportReport};
use crate::rules::Rules;
use crate::store::Store;

/// `--max-file-size` as clap reads it.
pub fn parse_size_arg(text: &str) -> Result<u64, String> {
    import::parse_size(text)
}

/// The run's options from the command line; `--same-system A=B` pairs are grouped, so that
/// `A=B` and `B=C` make one group of three.
pub fn options(
    source: Option<String>,
    replace: bool,
    max_file_size: u64,
    same_system: &[String],
) -> Result<ImportOptions, CliError> {
    let mut groups: Vec<Vec<String>> = Vec::new();
    for pair in same_system {
        let Some((a, b)) = pair
            .split_once('=')
            .filter(|(a, b)| !a.is_empty() && !b.is_empty())
        else {
            return Err(CliError::Message(format!(
                "--same-system '{pair}': expected two identifier systems as A=B"
            )));
        };
        let (a, b) = (a.trim().to_owned(), b.trim().to_owned());
        let found: Vec<usize> = groups
            .iter()
            .enumerate()
            .filter(|(_, group)| group.contains(&a) || group.contains(&b))
            .map(|(index, _)| index)
            .collect();
        let mut merged = vec![a, b];
        for index in found.into_iter().rev() {
            merged.extend(groups.remove(index));
        }
        merged.sort();
        merged.dedup();
        groups.push(merged);
    }
    if source.as_deref().is_some_and(|s| s.trim().is_empty()) {
        return Err(CliError::Message(String::from(
            "--source: give the source a name",
        )));
    }
    Ok(ImportOptions {
        source,
        replace,
        max_file_bytes: Some(max_file_size),
        equivalent_systems: groups,
        names: std::collections::BTreeMap::new(),
        one_transaction_bytes: None,
        lift_refusals: Vec::new(),
        run_of_files: crate::import::RunOfFiles::Files,
        deletions_may_predate_stored: false,
    })
}

pub fn run(
    store: &mut Store,
    rules: &Rules,
    today: NaiveDate,
    paths: &[PathBuf],
    options: &ImportOptions,
    json: bool,
) -> Result<ExitCode, CliError> {
    let bar = progress::bar(Counting::Bytes);
    let started = Instant::now();
    let report = import::import_paths(store, rules, paths, today, options, |progress| {
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
    // The summary quotes file names and records' words: text for a person passes the terminal
    // sanitiser (a file name can hold escape sequences that would clear the screen over
    // "1 failed"); JSON is as serde writes it.
    let mut out = result_stdout(json);
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
            crate::text::sanitise_line(&file.path),
            crate::text::sanitise_line(file.error.as_deref().unwrap_or("failed"))
        );
    }
    Ok(if report.failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn write_summary(out: &mut impl Write, report: &ImportReport, seconds: f64) -> std::io::Result<()> {
    /// Warnings listed on a terminal (`--json` has them all).
    const SHOWN: usize = 20;
    writeln!(
        out,
        "imported {} file(s), {} already imported, {} failed, in {seconds:.1} s",
        report.imported, report.already_imported, report.failed
    )?;
    // Said only when a file held some, so that the line reads as it always did otherwise.
    let reactions = match report.reactions {
        0 => String::new(),
        n => format!(", {n} drug allergies or intolerances"),
    };
    writeln!(
        out,
        "  read: {} patients ({} new), {} conditions, {} drug records, {} observations, {} procedures{reactions}",
        report.patients,
        report.new_patients,
        report.conditions,
        report.exposures,
        report.observations,
        report.procedures
    )?;
    writeln!(
        out,
        "  resources: {} added, {} updated, {} unchanged, {} removed",
        report.added, report.updated, report.unchanged, report.removed
    )?;
    if report.demographics_changed > 0 || report.demographics_kept_newer > 0 {
        writeln!(
            out,
            "  demographics: {} patient(s) updated, {} kept (the Patient read was written before \
             the demographics stored, by meta.lastUpdated)",
            report.demographics_changed, report.demographics_kept_newer
        )?;
    }
    if !report.skipped.is_empty() {
        let mut skipped: Vec<(&String, &usize)> = report.skipped.iter().collect();
        skipped.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let list = skipped
            .iter()
            .map(|(kind, count)| format!("{kind} {count}"))
            .collect::<Vec<_>>()
            .join(", ");
        writeln!(out, "  skipped (not used by refract): {list}")?;
        if skipped
            .iter()
            .any(|(kind, _)| kind.ends_with(crate::fhir::TEAM_WORK_SKIPPED))
        {
            writeln!(
                out,
                "  the team's work refract's FHIR export wrote (reviews, way forward, meetings, tasks) is not read back: move it between files with `refract export --format json`"
            )?;
        }
        if report
            .skipped
            .contains_key(crate::store::TEAM_WORK_OF_PATIENTS_PRESENT)
        {
            writeln!(
                out,
                "  a patient this file already holds is left as they are: the document's reviews, notes and plans of them are not imported (their own in this file stand)"
            )?;
        }
    }
    if !report.stop_reasons_not_understood.is_empty() {
        let mut reasons: Vec<(&String, &usize)> =
            report.stop_reasons_not_understood.iter().collect();
        reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let total: usize = reasons.iter().map(|(_, count)| **count).sum();
        let listed = reasons
            .iter()
            .take(10)
            .map(|(words, count)| format!("'{}' {count}", crate::text::flat_words(words)))
            .collect::<Vec<_>>()
            .join(", ");
        writeln!(
            out,
            "  {total} stop reason(s) not understood (kept as written, read as no reason): \
             {listed}{}; add their words to stop_reasons.toml in a --rules folder",
            if reasons.len() > 10 { ", …" } else { "" }
        )?;
    }
    if report.rebuilt > 0 || report.evaluated > 0 {
        writeln!(
            out,
            "  records rebuilt for {} patient(s); assessments evaluated for {}",
            report.rebuilt, report.evaluated
        )?;
    }
    if report.warnings > 0 {
        writeln!(out, "  {} warning(s):", report.warnings)?;
        let listed = report
            .files
            .iter()
            .flat_map(|file| file.warnings.iter().map(move |w| (file.path.as_str(), w)))
            .chain(report.notices.iter().map(|w| ("", w)));
        for (path, warning) in listed.take(SHOWN) {
            let place = [path, warning.at.as_str()]
                .iter()
                .filter(|part| !part.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" ");
            let place = if place.is_empty() {
                String::new()
            } else {
                format!("{place}: ")
            };
            writeln!(
                out,
                "    {place}{}: {}",
                warning.resource,
                crate::text::one_line(&warning.message)
            )?;
        }
        if report.warnings > SHOWN {
            writeln!(
                out,
                "    … and {} more (--json lists them)",
                report.warnings - SHOWN
            )?;
        }
    }
    for run in &report.unfinished {
        writeln!(
            out,
            "  unfinished: an import of {} started {} stopped after {} resource(s); import the \
             file again to finish it",
            run.path,
            run.started,
            run.summary["resources"].as_u64().unwrap_or(0)
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
