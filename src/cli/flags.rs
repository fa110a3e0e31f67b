//! `refract flags [--json] [--status S] [--condition ID]`: bring the assessments up to date
//! (only what changed is evaluated again) and list them, most severe first.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use chrono::NaiveDate;
use rusqlite::params;
use serde_json::json;

use super::output::{fit, status_text};
use super::{CliError, finish, result_stdout};
use crate::assess;
use crate::domain::{AssessmentStatus, Confounder, Evidence};
use crate::rules::Rules;
use crate::store::{Store, StoreError};

#[derive(serde::Deserialize)]
struct Detail {
    reasons: Vec<String>,
    evidence: Vec<Evidence>,
    missing: Vec<String>,
    confounders: Vec<Confounder>,
    citation: String,
}

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

    let show_progress = std::io::stderr().is_terminal();
    // What an interrupted import left to apply, first: flags must read whole records.
    crate::import::rebuild_dirty(store, rules, today)?;
    let summary = assess::refresh(store, rules, today, |done, total| {
        if show_progress {
            eprint!("\rrefract: evaluating {done}/{total} patients");
        }
    })?;
    if show_progress && summary.evaluated > 0 {
        eprintln!();
    }

    let mut stmt = store
        .conn()
        .prepare(
            "SELECT p.mrn, p.family_name, p.given_name, a.ruleset, a.status, a.label, a.detail,
                    a.ruleset_version, a.fingerprint,
                    (SELECT CASE WHEN r.fingerprint = a.fingerprint THEN r.decision END FROM reviews r
                     WHERE r.patient_id = a.patient_id AND r.ruleset = a.ruleset
                     ORDER BY r.id DESC LIMIT 1)
             FROM assessments a JOIN patients p ON p.id = a.patient_id
             WHERE (?1 IS NULL OR a.status = ?1) AND (?2 IS NULL OR a.ruleset = ?2)
             ORDER BY a.status_rank DESC, p.name_key, p.id, a.ruleset",
        )
        .map_err(StoreError::from)?;
    let mut rows = stmt
        .query(params![status.map(AssessmentStatus::as_str), condition])
        .map_err(StoreError::from)?;
    let mut out = result_stdout(json);
    if json {
        out.write_all(b"[")?;
    }
    let mut first = true;
    while let Some(row) = rows.next().map_err(StoreError::from)? {
        let get = |i| row.get::<_, String>(i).map_err(StoreError::from);
        let (mrn, family, given, ruleset, status_text_raw, label, detail, version) = (
            get(0)?,
            get(1)?,
            get(2)?,
            get(3)?,
            get(4)?,
            get(5)?,
            get(6)?,
            get(7)?,
        );
        let fingerprint = get(8)?;
        let decision: Option<String> = row.get(9).map_err(StoreError::from)?;
        let status =
            AssessmentStatus::parse(&status_text_raw).map_err(|err| StoreError::Corrupt {
                column: "assessments.status",
                detail: err.to_string(),
            })?;
        let review = decision.unwrap_or_else(|| String::from("unreviewed"));
        let name = format!("{family}, {given}");
        if json {
            let detail: Detail = serde_json::from_str(&detail).map_err(StoreError::from)?;
            if !first {
                out.write_all(b",")?;
            }
            let object = json!({
                "mrn": mrn,
                "name": name,
                "condition": ruleset,
                "status": status,
                "label": label,
                "reasons": detail.reasons,
                "evidence": detail.evidence,
                "missing": detail.missing,
                "confounders": detail.confounders,
                "review": review,
                "ruleset_version": version,
                "citation": detail.citation,
                "fingerprint": fingerprint,
            });
            serde_json::to_writer(&mut out, &object).map_err(std::io::Error::from)?;
        } else {
            if first {
                writeln!(
                    out,
                    "{} {} {} {} {} review",
                    fit("status", 18),
                    fit("MRN", 11),
                    fit("name", 26),
                    fit("condition", 20),
                    fit("label", 44)
                )?;
            }
            writeln!(
                out,
                "{} {} {} {} {} {review}",
                fit(&status_text(Some(status)), 18),
                fit(&mrn, 11),
                fit(&name, 26),
                fit(&ruleset, 20),
                fit(&label, 44)
            )?;
        }
        first = false;
    }
    if json {
        out.write_all(b"]\n")?;
    } else if first {
        eprintln!("refract: no assessments match");
    }
    finish(out)
}
