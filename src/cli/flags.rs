//! `refract flags [--json] [--status S] [--condition ID]`: bring the assessments up to date
//! (only what changed is evaluated again) and list them, most severe first.

use std::io::Write;
use std::process::ExitCode;

use chrono::NaiveDate;
use serde_json::json;

use super::output::{fit, mrn_width, status_text, whole};
use super::progress::{self, Counting};
use super::{CliError, finish, result_stdout};
use crate::assess;
use crate::domain::{AssessmentStatus, read_fingerprint};
use crate::rules::Rules;
use crate::store::{Flag, FlagFilter, Store};

pub fn run(
    store: &mut Store,
    rules: &Rules,
    today: NaiveDate,
    json: bool,
    status: Option<&str>,
    condition: Option<&str>,
) -> Result<ExitCode, CliError> {
    if let Some(condition) = condition
        && rules.get(condition).is_none()
    {
        let known: Vec<&str> = rules.sets.iter().map(|s| s.id.as_str()).collect();
        return Err(CliError::Message(format!(
            "unknown condition '{condition}' (rule sets: {})",
            known.join(", ")
        )));
    }
    let status = status
        .map(AssessmentStatus::parse)
        .transpose()
        .map_err(|err| {
            CliError::Message(format!(
                "{err} (expected refractory, resistant, relapsed, not_met or insufficient_data)"
            ))
        })?;

    let bar = progress::bar(Counting::Items);
    if let Some(bar) = &bar {
        bar.set_message("evaluating patients");
    }
    // What an interrupted import left to apply, first: flags must read whole records. Not
    // while an import is running: its patients are its own to rebuild, at its end.
    match crate::import::leftover(store)? {
        crate::import::Leftover::Waiting { .. } => {
            let rebuilt = crate::import::rebuild_dirty(store, rules, today)?;
            for warning in &rebuilt.unresolved {
                eprintln!(
                    "refract: warning: {}: {}",
                    crate::text::one_line(&warning.resource),
                    crate::text::one_line(&warning.message)
                );
            }
        }
        crate::import::Leftover::Running { patients, process } => eprintln!(
            "refract: warning: an import is running ({}): {patients} patient(s) are listed with \
             their records as they were before it until it ends",
            crate::text::one_line(&process)
        ),
        crate::import::Leftover::Nothing => {}
    }
    if let Some(notice) = crate::import::held_back_notice(store)? {
        eprintln!("refract: warning: {}", crate::text::one_line(&notice));
    }
    assess::refresh(store, rules, today, |done, total| {
        if let Some(bar) = &bar {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    })?;
    // The day each new flag's criteria were first met, searched after the flags are stored
    // (see `assess::date_flags`): every flag listed below has its day.
    if let Some(bar) = &bar {
        bar.set_message("dating new flags");
        bar.set_position(0);
    }
    assess::date_flags(store, rules, |done, total| {
        if let Some(bar) = &bar {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    })?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }

    let mut out = result_stdout(json);
    if json {
        out.write_all(b"[")?;
    }
    let mut first = true;
    let mrn_width = if json { 0 } else { mrn_width(store)? };
    let filter = FlagFilter {
        status,
        condition: condition.map(str::to_owned),
    };
    store.each_flag(&filter, |flag| -> Result<(), CliError> {
        let Flag {
            mrn,
            family_name,
            given_name,
            assessment,
            review,
            latest_review,
        } = flag;
        let name = format!("{family_name}, {given_name}");
        let review = review.as_str();
        if json {
            if !first {
                out.write_all(b",")?;
            }
            let object = json!({
                "mrn": mrn,
                "name": name,
                "condition": assessment.ruleset,
                "status": assessment.status,
                "label": assessment.label,
                "reasons": assessment.reasons,
                "evidence": assessment.evidence,
                "missing": assessment.missing,
                "confounders": assessment.confounders,
                "review": review,
                "ruleset_version": assessment.ruleset_version,
                "citation": assessment.citation,
                "fingerprint": read_fingerprint(&assessment.fingerprint, latest_review),
                // YYYY-MM-DD or null: the day from which the flag's criteria have been met
                // (null for a status that is not a flag; every flag has its day here, the
                // dating pass above having run). serde_json's map keeps keys sorted,
                // so the existing fields keep their order around it.
                "criteria_met_since": assessment.criteria_met_since,
            });
            serde_json::to_writer(&mut out, &object).map_err(std::io::Error::from)?;
        } else {
            if first {
                writeln!(
                    out,
                    "{} {} {} {} {} review",
                    fit("status", 18),
                    fit("MRN", mrn_width),
                    fit("name", 26),
                    fit("condition", 20),
                    fit("label", 44)
                )?;
            }
            writeln!(
                out,
                "{} {} {} {} {} {review}",
                fit(&status_text(Some(assessment.status)), 18),
                whole(&mrn, mrn_width),
                fit(&name, 26),
                fit(&assessment.ruleset, 20),
                fit(&assessment.label, 44)
            )?;
        }
        first = false;
        Ok(())
    })?;
    if json {
        out.write_all(b"]\n")?;
    } else if first {
        eprintln!("refract: no assessments match");
    }
    finish(out)
}
