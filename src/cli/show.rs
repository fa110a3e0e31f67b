//! `refract show MRN [--json]`: one patient, everything refract knows and the team wrote.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;

use super::output::{date_text, status_text, today};
use super::{CliError, finish, stdout};
use crate::store::{PatientSummary, Store};

pub fn run(store: &Store, mrn: &str, json: bool) -> Result<ExitCode, CliError> {
    let id = store.patient_id_by_mrn(mrn)?;
    let summary = store.summary(id)?;
    let mut out = stdout();
    if json {
        serde_json::to_writer_pretty(&mut out, &summary).map_err(std::io::Error::from)?;
        writeln!(out)?;
    } else {
        write_text(&mut out, &summary)?;
    }
    finish(out)
}

fn write_text(out: &mut impl Write, summary: &PatientSummary) -> std::io::Result<()> {
    let record = &summary.record;
    if let Some(patient) = &record.patient {
        let age = patient
            .age_on(today())
            .map_or_else(|| "?".to_owned(), |a| a.to_string());
        writeln!(
            out,
            "{} · {} · {} {} (born {}){}",
            patient.display_name(),
            patient.mrn,
            patient.sex.letter(),
            age,
            date_text(patient.birth_date),
            patient
                .care_team
                .as_ref()
                .map(|t| format!(" · care team: {t}"))
                .unwrap_or_default()
        )?;
    }

    writeln!(out, "\nConditions")?;
    for condition in &record.conditions {
        writeln!(
            out,
            "  {} {} ({}), since {}{}",
            condition.code,
            condition.display,
            condition.system,
            date_text(condition.onset),
            [
                condition.clinical_status.as_deref(),
                condition.verification_status.as_deref()
            ]
            .into_iter()
            .flatten()
            .fold(String::new(), |mut out, status| {
                out.push_str(", ");
                out.push_str(status);
                out
            })
        )?;
    }

    writeln!(out, "\nTreatment lines")?;
    for line in &record.lines {
        let end = line
            .end
            .map_or_else(|| "ongoing".to_owned(), |d| d.to_string());
        let mut detail = Vec::new();
        if let Some(cycles) = line.cycles {
            detail.push(format!("{cycles} cycles"));
        }
        if let Some(response) = line.best_response {
            detail.push(format!("best response {response}"));
        }
        if let Some(reason) = line.stop_reason {
            detail.push(format!("stopped: {}", reason.words()));
        }
        if let Some(progression) = line.progression_date {
            detail.push(format!("progression {progression}"));
        }
        writeln!(
            out,
            "  {:<22} {:>3} {:<34} {} → {}  {} [{}]",
            line.ruleset,
            line.label(),
            line.regimen,
            line.start,
            end,
            detail.join(", "),
            line.origin
        )?;
    }

    writeln!(out, "\nDrug exposures")?;
    for exposure in &record.exposures {
        let end = exposure.end.map_or_else(
            || "ongoing".to_owned(),
            |d| d.format("%Y-%m-%d").to_string(),
        );
        let stop = exposure
            .stop_reason
            .map(|r| format!("  stopped: {}", r.words()))
            .unwrap_or_default();
        writeln!(
            out,
            "  {} → {:<10}  {}{stop}",
            exposure.start.format("%Y-%m-%d"),
            end,
            exposure.text
        )?;
    }

    writeln!(out, "\nObservations")?;
    let mut by_code: BTreeMap<&str, (usize, &crate::domain::Observation)> = BTreeMap::new();
    for observation in &record.observations {
        let entry = by_code
            .entry(observation.display.as_str())
            .or_insert((0, observation));
        entry.0 += 1;
        if observation.effective >= entry.1.effective {
            entry.1 = observation;
        }
    }
    for (display, (count, latest)) in by_code {
        let value = match (latest.value, &latest.value_code) {
            (Some(value), _) => format!("{value} {}", latest.unit.as_deref().unwrap_or("")),
            (None, Some(code)) => code.clone(),
            (None, None) => String::from("–"),
        };
        writeln!(
            out,
            "  {display}: latest {} on {} ({count} recorded)",
            value.trim_end(),
            latest.effective.format("%Y-%m-%d")
        )?;
    }

    if !record.procedures.is_empty() {
        writeln!(out, "\nProcedures")?;
        for procedure in &record.procedures {
            writeln!(
                out,
                "  {} {}",
                procedure.performed.format("%Y-%m-%d"),
                procedure.display
            )?;
        }
    }

    writeln!(out, "\nAssessments")?;
    if summary.assessments.is_empty() {
        writeln!(out, "  none stored yet")?;
    }
    for item in &summary.assessments {
        let assessment = &item.assessment;
        writeln!(
            out,
            "  {}: {} ({}) — suspected, for clinician review — review: {}",
            assessment.ruleset,
            status_text(Some(assessment.status)),
            assessment.label,
            item.review
        )?;
        for reason in &assessment.reasons {
            writeln!(out, "    · {reason}")?;
        }
        for missing in &assessment.missing {
            writeln!(out, "    missing: {missing}")?;
        }
        for confounder in &assessment.confounders {
            writeln!(out, "    to rule out: {}", confounder.text)?;
        }
        writeln!(
            out,
            "    source: {} (rules v{})",
            assessment.citation, assessment.ruleset_version
        )?;
    }

    if !summary.way_forward.is_empty() {
        writeln!(out, "\nWay forward")?;
        for step in &summary.way_forward {
            writeln!(
                out,
                "  {} step {}: {}{}{}",
                step.ruleset,
                step.step,
                step.status,
                step.owner
                    .as_ref()
                    .map(|o| format!(", owner {o}"))
                    .unwrap_or_default(),
                step.due.map(|d| format!(", due {d}")).unwrap_or_default()
            )?;
        }
    }
    if !summary.tasks.is_empty() {
        writeln!(out, "\nTasks")?;
        for task in &summary.tasks {
            writeln!(
                out,
                "  [{}] {}{}{}",
                task.status,
                task.what,
                task.owner
                    .as_ref()
                    .map(|o| format!(" — {o}"))
                    .unwrap_or_default(),
                task.due.map(|d| format!(", due {d}")).unwrap_or_default()
            )?;
        }
    }
    Ok(())
}
