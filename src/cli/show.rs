//! `refract show MRN [--json]`: one patient, everything refract knows and the team wrote.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;

use super::output::{date_text, status_text, today};
use super::{CliError, finish, result_stdout};
use crate::domain::way_forward::STEP_TITLES;
use crate::domain::{ReviewState, ShownZone, read_fingerprint};
use crate::rules::{DECEASED_LABEL, Rules};
use crate::store::{PatientSummary, Store};

pub fn run(store: &Store, rules: &Rules, mrn: &str, json: bool) -> Result<ExitCode, CliError> {
    // A unique prefix typed as the screens cut long MRNs ("641f6ec3-9c…") is enough; a number
    // without the ellipsis names only its own patient.
    let id = store.patient_id_by_mrn_or_prefix(mrn)?;
    let summary = store.summary(id)?;
    let unrecognised: Vec<i64> = rules
        .unrecognised_conditions(&summary.record)
        .iter()
        .map(|condition| condition.id)
        .collect();
    let mut out = result_stdout(json);
    if json {
        let mut value = serde_json::to_value(&summary).map_err(std::io::Error::from)?;
        // The current diagnoses in words no rule set reads, by their words (README, "Which
        // conditions refract assesses").
        if let Some(fields) = value.as_object_mut() {
            let words: Vec<&str> = summary
                .record
                .conditions
                .iter()
                .filter(|condition| unrecognised.contains(&condition.id))
                .map(crate::domain::Condition::name)
                .collect();
            fields.insert("unrecognised_conditions".into(), words.into());
        }
        // The fingerprint a review is made with, as `show` and `flags --json` print it (with
        // the review read), not the bare digest, which would check no review.
        if let Some(shown) = value
            .get_mut("assessments")
            .and_then(serde_json::Value::as_array_mut)
        {
            for (shown, item) in shown.iter_mut().zip(&summary.assessments) {
                if let Some(fingerprint) = shown.get_mut("fingerprint") {
                    *fingerprint = read_fingerprint(
                        &item.assessment.fingerprint,
                        item.latest_review.as_ref().map(|review| review.id),
                    )
                    .into();
                }
            }
        }
        serde_json::to_writer_pretty(&mut out, &value).map_err(std::io::Error::from)?;
        writeln!(out)?;
    } else {
        write_text(&mut out, &summary, &unrecognised)?;
    }
    finish(out)
}

/// What `show` and the patient screen say under a current diagnosis in words no rule set reads.
fn unrecognised_words(name: &str) -> String {
    format!(
        "no rule set recognised \"{}\": not assessed (code it in ICD-10 or SNOMED CT if it is one of refract's conditions)",
        crate::text::sanitise_line(name)
    )
}

fn write_text(
    out: &mut impl Write,
    summary: &PatientSummary,
    unrecognised: &[i64],
) -> std::io::Result<()> {
    let record = &summary.record;
    // Days as the clinician's calendar has them (the JSON keeps the stored UTC instants).
    let zone = ShownZone::Local;
    if let Some(patient) = &record.patient {
        let age = patient
            .age_on(today())
            .map_or_else(|| "?".to_owned(), |a| a.to_string());
        let death = patient
            .death()
            .map(|death| format!(" · {}", death.words(patient.birth_date, false)))
            .unwrap_or_default();
        writeln!(
            out,
            "{} · {} · {} {} (born {}){death}{}",
            patient.display_name(),
            patient.mrn,
            patient.sex.letter(),
            age,
            patient
                .birth_date_text()
                .unwrap_or_else(|| String::from("?")),
            patient
                .care_team
                .as_ref()
                .map(|t| format!(" · care team: {t}"))
                .unwrap_or_default()
        )?;
    }

    // Current diagnoses first; then those resolved, inactive, refuted or entered in error, and
    // those with no status that another record of the diagnosis says are over, which no rule
    // set reads as a current diagnosis (a refuted one as none at all).
    writeln!(out, "\nConditions")?;
    let (current, past): (Vec<_>, Vec<_>) = record
        .conditions
        .iter()
        .partition(|c| c.is_current_in(&record.conditions));
    let heading = current.len();
    for (index, condition) in current.into_iter().chain(past).enumerate() {
        if index == heading {
            writeln!(out, "  past or ruled out:")?;
        }
        let onset = condition
            .onset_text()
            .unwrap_or_else(|| date_text(condition.onset));
        let mut words = vec![format!("since {onset}")];
        if let Some(end) = condition.abatement_text() {
            words.push(format!("until {end}"));
        } else if condition.abated_on_unknown_day {
            words.push(String::from("abated (date not recorded)"));
        }
        if let Some(status) = condition.status_words() {
            words.push(status);
        }
        // A diagnosis recorded in words alone has no code to show (not "(other )").
        let coded = if condition.code.trim().is_empty() {
            String::new()
        } else {
            format!(" ({} {})", condition.system, condition.code)
        };
        writeln!(out, "  {}{coded}, {}", condition.name(), words.join(", "))?;
        if unrecognised.contains(&condition.id) {
            writeln!(out, "    {}", unrecognised_words(condition.name()))?;
        }
    }

    writeln!(out, "\nTreatment lines")?;
    for line in &record.lines {
        let end = record
            .line_end_shown(line, zone)
            .unwrap_or_else(|| "ongoing".to_owned());
        let mut detail = Vec::new();
        if let Some(cycles) = line.cycles_words() {
            detail.push(cycles);
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
            record.line_start_shown(line, zone),
            end,
            detail.join(", "),
            line.origin
        )?;
    }

    writeln!(out, "\nDrug exposures")?;
    for exposure in &record.exposures {
        // An end or a start the record gives only roughly is marked, never shown as exact.
        let end = exposure
            .end_shown("%Y-%m-%d", zone)
            .unwrap_or_else(|| "ongoing".to_owned());
        // Words no reason was read from are shown as written; a hold says so itself.
        let stop = match exposure.stop_words() {
            Some(words) if exposure.is_on_hold() => format!("  {words}"),
            Some(words) => format!("  stopped: {words}"),
            None => String::new(),
        };
        let as_needed = if exposure.is_as_needed() {
            "  as needed"
        } else {
            ""
        };
        // The period is the supply the pharmacy handed over, not what a prescriber or the
        // patient stated: a clinician weighs adherence differently.
        let filled = if exposure.dates == crate::domain::DatesKnown::Dispensed {
            "  from pharmacy fills"
        } else {
            ""
        };
        // A dose into the spinal fluid is shown with its route: it is no line drug, and the
        // reader should see why it is in no line.
        let cns = if exposure.is_cns_directed() {
            format!(
                "  {}: CNS-directed, not a line drug",
                exposure.route.as_deref().unwrap_or("intrathecal")
            )
        } else {
            String::new()
        };
        // Why it was given, as its records say: a drug given for another condition counts
        // toward none of this one's criteria (see `rules::indication`).
        let given_for = match exposure.indication_words() {
            Some(words) => format!("  for: {words}"),
            None => String::new(),
        };
        // A dose refract worked out (a fill's from its order or its quantity and supply, a
        // ward's day total) is shown with how, for the clinician to weigh (review R9-7).
        let derived = match (&exposure.dose, exposure.dose_from) {
            (Some(dose), Some(from)) => format!(
                "  {} {} ({})",
                crate::rules::numbers::trim_number(dose.value),
                dose.unit,
                from.words()
            ),
            _ => String::new(),
        };
        writeln!(
            out,
            "  {} → {:<10}  {}{derived}{given_for}{as_needed}{cns}{filled}{stop}",
            exposure.start_shown("%Y-%m-%d", zone),
            end,
            exposure.text
        )?;
    }
    if record
        .exposures
        .iter()
        .any(crate::domain::DrugExposure::has_approximate_dates)
        || record
            .lines
            .iter()
            .any(|line| record.line_end_is_approximate(line))
    {
        writeln!(out, "  ({})", crate::domain::APPROXIMATE_DATES_LEGEND)?;
    }

    writeln!(out, "\nObservations")?;
    // Per measurement: how many, and every value at the latest time (two values recorded at the
    // same moment are both shown, in a fixed order, never one of them by the order of import).
    let mut by_code: BTreeMap<&str, Vec<&crate::domain::Observation>> = BTreeMap::new();
    for observation in &record.observations {
        by_code
            .entry(observation.display.as_str())
            .or_default()
            .push(observation);
    }
    for (display, observations) in by_code {
        let count = observations.len();
        let latest = crate::domain::at_latest(observations.into_iter());
        let Some(first) = latest.first() else {
            continue;
        };
        let mut values: Vec<String> = latest
            .iter()
            .map(|o| o.value_text().trim_end().to_owned())
            .collect();
        values.sort();
        values.dedup();
        let at_once = if values.len() > 1 {
            format!("{} at that time, ", values.len())
        } else {
            String::new()
        };
        writeln!(
            out,
            "  {display}: latest {} on {} ({at_once}{count} recorded)",
            values.join(", "),
            // A month or a year alone is written as such, never as its first day.
            if first.effective_precision.is_day() {
                zone.day_of_kept(first.effective, first.utc_offset_minutes)
                    .to_string()
            } else {
                first.day_text()
            }
        )?;
    }

    // Devices in use are procedure rows ("Device: …"); places in a study are listed apart.
    let (studies, procedures): (Vec<_>, Vec<_>) = record
        .procedures
        .iter()
        .partition(|procedure| procedure.is_study_place());
    if !procedures.is_empty() {
        writeln!(out, "\nProcedures, devices and imaging")?;
        for procedure in procedures {
            writeln!(out, "  {} {}", procedure.period_words(), procedure.name())?;
        }
    }
    if !studies.is_empty() {
        writeln!(out, "\nStudies")?;
        for study in studies {
            writeln!(out, "  {} {}", study.period_words(), study.name())?;
        }
    }

    if !record.reactions.is_empty() {
        writeln!(out, "\nDrug allergies and intolerances")?;
        for reaction in &record.reactions {
            writeln!(out, "  {}", reaction.describe(&reaction.substance))?;
        }
    }

    writeln!(out, "\nAssessments")?;
    if summary.assessments.is_empty() {
        writeln!(out, "  none stored yet")?;
    }
    // The team's decision on a rule set whose diagnosis is no longer current stays in sight.
    for latest in &summary.reviews_without_assessment {
        writeln!(
            out,
            "  {}: not assessed now (no current diagnosis it reads) — last review: {} by {} on {}: {} (made on earlier evidence)",
            latest.ruleset,
            latest.decision,
            latest.by,
            latest.at.format("%Y-%m-%d"),
            latest.rationale
        )?;
    }
    for item in &summary.assessments {
        let assessment = &item.assessment;
        // A deceased patient's assessment raises no suspicion to review: its reasons say why.
        let suspicion = if assessment.label == DECEASED_LABEL {
            "no flag for a deceased patient"
        } else {
            "suspected, for clinician review"
        };
        writeln!(
            out,
            "  {}: {} ({}) — {suspicion} — review: {}",
            assessment.ruleset,
            status_text(Some(assessment.status)),
            assessment.label,
            item.review
        )?;
        if let Some(since) = assessment.criteria_met_since {
            writeln!(out, "    criteria met since {since}")?;
        } else if assessment.status.asks_for_review() {
            // The day is searched after the flags are stored: say so rather than leave it out.
            writeln!(
                out,
                "    criteria met since: not yet known (searched after the flags are stored; \
                 `refract flags` does it)"
            )?;
        }
        for reason in &assessment.reasons {
            writeln!(out, "    · {reason}")?;
        }
        for missing in &assessment.missing {
            writeln!(out, "    missing: {missing}")?;
        }
        for confounder in &assessment.confounders {
            writeln!(out, "    to rule out: {}", confounder.text)?;
        }
        if let Some(latest) = &item.latest_review {
            // A review made on earlier evidence no longer sets the state, but the team's
            // decision, who made it and why, stays in sight (as on the patient screen).
            let applies = if item.review == ReviewState::Unreviewed {
                " (made on earlier evidence)"
            } else {
                ""
            };
            writeln!(
                out,
                "    last review: {} by {} on {}: {}{applies}",
                latest.decision,
                latest.by,
                latest.at.format("%Y-%m-%d"),
                latest.rationale
            )?;
        }
        writeln!(
            out,
            "    source: {} (rules v{}; fingerprint {})",
            assessment.citation,
            assessment.ruleset_version,
            read_fingerprint(
                &assessment.fingerprint,
                item.latest_review.as_ref().map(|review| review.id)
            )
        )?;
    }

    let mut rulesets: Vec<&str> = summary
        .way_forward
        .iter()
        .map(|s| s.ruleset.as_str())
        .collect();
    rulesets.dedup();
    for ruleset in rulesets {
        writeln!(out, "\nWay forward: {ruleset}")?;
        for step in summary.way_forward.iter().filter(|s| s.ruleset == ruleset) {
            writeln!(
                out,
                "  {}. {}: {}{}{}{}",
                step.step,
                STEP_TITLES[usize::from(step.step.clamp(1, 4) - 1)],
                step.status.words(),
                step.owner
                    .as_ref()
                    .map(|o| format!(", owner {o}"))
                    .unwrap_or_default(),
                step.due.map(|d| format!(", due {d}")).unwrap_or_default(),
                step.na_reason
                    .as_ref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            )?;
            for line in step.notes.lines() {
                writeln!(out, "       {line}")?;
            }
            for referral in summary
                .referrals
                .iter()
                .filter(|r| r.ruleset == ruleset && r.step == step.step)
            {
                writeln!(
                    out,
                    "     referral: {} [{}]{}",
                    referral.specialty,
                    referral.status,
                    referral
                        .to_whom
                        .as_ref()
                        .map(|w| format!(" to {w}"))
                        .unwrap_or_default()
                )?;
            }
            if step.step == 2 {
                for item in summary.checklist.iter().filter(|c| c.ruleset == ruleset) {
                    writeln!(
                        out,
                        "     [{}] {}{}",
                        if item.done { "x" } else { " " },
                        item.text,
                        item.detail
                            .as_ref()
                            .map(|d| format!(" — {d}"))
                            .unwrap_or_default()
                    )?;
                }
            }
            if step.step == 3 {
                for option in summary.options.iter().filter(|o| o.ruleset == ruleset) {
                    writeln!(
                        out,
                        "     {}: {} ({}){}{}",
                        option.stance,
                        option.name,
                        option.registry_id.as_ref().map_or_else(
                            || option.kind.to_string(),
                            |id| match crate::domain::way_forward::trial_registry(id) {
                                Some(_) => format!("trial {id}"),
                                None => format!("trial {id}, free text, not a registry id"),
                            }
                        ),
                        option
                            .stance_reason
                            .as_ref()
                            .map(|r| format!(", because {r}"))
                            .unwrap_or_default(),
                        if option.preference == crate::domain::PatientPreference::Unknown {
                            String::new()
                        } else {
                            format!(", patient {}", option.preference)
                        }
                    )?;
                }
            }
            if step.step == 4 {
                for goal in summary.goals.iter().filter(|g| g.ruleset == ruleset) {
                    writeln!(
                        out,
                        "     goal: {}{}{}",
                        goal.description,
                        goal.due.map(|d| format!(" by {d}")).unwrap_or_default(),
                        if goal.achieved { " (achieved)" } else { "" }
                    )?;
                }
            }
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
