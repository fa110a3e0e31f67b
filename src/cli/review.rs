//! `refract review MRN --condition ID (--confirm | --dismiss) --rationale TEXT [--fingerprint FP]`:
//! the team's decision on an assessment, from a script or a terminal without the dashboard.
//! Audited. With the fingerprint the person read (`flags --json`, `show`), which covers the
//! assessment and its latest review, a review of evidence that changed since (an import in
//! between) or made over a colleague's review recorded since is refused rather than recorded
//! against what they never saw.

use std::io::Write;
use std::process::ExitCode;

use chrono::NaiveDate;

use super::{CliError, finish, result_stdout};
use crate::domain::{PatientId, ReviewDecision, parse_read_fingerprint, read_fingerprint};
use crate::store::{ReviewSeen, Store, StoreError};

/// What `refract review` was asked to record.
#[derive(Debug, Clone, Copy)]
pub struct Review<'a> {
    pub mrn: &'a str,
    pub condition: &'a str,
    pub decision: ReviewDecision,
    pub rationale: &'a str,
    /// The fingerprint of the assessment and its review as the person read them.
    pub fingerprint: Option<&'a str>,
}

pub fn run(store: &mut Store, today: NaiveDate, review: &Review<'_>) -> Result<ExitCode, CliError> {
    let patient = store.patient_id_by_mrn(review.mrn)?;
    let seen = match review.fingerprint.map(parse_read_fingerprint) {
        Some((assessment, latest_review)) => ReviewSeen {
            fingerprint: Some(assessment.to_owned()),
            review: latest_review,
            overwrite: None,
        },
        None => ReviewSeen::default(),
    };
    let recorded = store.review_checked(
        patient,
        review.condition,
        review.decision,
        review.rationale,
        &seen,
        today,
    );
    if let Err(err) = recorded {
        return Err(refusal(store, patient, review, err));
    }
    let mut out = result_stdout(false);
    writeln!(
        out,
        "{} {}: {}",
        review.mrn, review.condition, review.decision
    )?;
    finish(out)
}

/// One line for a refused review: what changed since the person read it, by whom and when, and
/// the fingerprint to review it with once read again.
fn refusal(store: &Store, patient: PatientId, review: &Review<'_>, err: StoreError) -> CliError {
    let mrn = crate::text::sanitise_line(review.mrn);
    let current = |assessment: &str| {
        let latest = store
            .latest_review(patient, review.condition)
            .ok()
            .flatten()
            .map(|review| review.id);
        read_fingerprint(assessment, latest)
    };
    match err {
        StoreError::AssessmentChanged {
            ref fingerprint, ..
        } => CliError::Message(format!(
            "{err}: nothing recorded; read it again (refract show {mrn}) and review it with \
             --fingerprint {}",
            current(fingerprint)
        )),
        StoreError::Conflict(conflict) => {
            let decision = conflict
                .theirs
                .get("decision")
                .and_then(|value| value.as_str())
                .unwrap_or("reviewed");
            let who = conflict.by.as_ref().map_or_else(
                || String::from("a colleague"),
                crate::store::ChangedBy::who_text,
            );
            let when = conflict.by.as_ref().map_or_else(String::new, |by| {
                format!(" at {} UTC", by.at.format("%Y-%m-%d %H:%M"))
            });
            let assessment = seen_assessment(review.fingerprint);
            CliError::Message(
                crate::text::sanitise_line(&format!(
                    "{who} {decision} it{when}, after you read it: nothing recorded; read it again \
                 (refract show {mrn}) and, to record yours over it, review with --fingerprint {}",
                    read_fingerprint(assessment, Some(conflict.version))
                ))
                .into_owned(),
            )
        }
        other => CliError::Store(other),
    }
}

/// The assessment's fingerprint in what the person read (a conflict on the review means it
/// matched the assessment as it is now).
fn seen_assessment(read: Option<&str>) -> &str {
    read.map_or("", |read| parse_read_fingerprint(read).0)
}
