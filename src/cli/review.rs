//! `refract review MRN --condition ID (--confirm | --dismiss) --rationale TEXT [--fingerprint FP]`:
//! the team's decision on an assessment, from a script or a terminal without the dashboard.
//! Audited. With the fingerprint of the assessment the person read, a review of evidence that
//! changed since (an import in between) is refused rather than recorded against what they never
//! saw.

use std::io::Write;
use std::process::ExitCode;

use chrono::NaiveDate;

use super::{CliError, finish, result_stdout};
use crate::domain::ReviewDecision;
use crate::store::{ReviewSeen, Store, StoreError};

/// What `refract review` was asked to record.
#[derive(Debug, Clone, Copy)]
pub struct Review<'a> {
    pub mrn: &'a str,
    pub condition: &'a str,
    pub decision: ReviewDecision,
    pub rationale: &'a str,
    /// The fingerprint of the assessment as the person read it.
    pub fingerprint: Option<&'a str>,
}

pub fn run(store: &mut Store, today: NaiveDate, review: &Review<'_>) -> Result<ExitCode, CliError> {
    let patient = store.patient_id_by_mrn(review.mrn)?;
    let seen = ReviewSeen {
        fingerprint: review.fingerprint.map(str::to_owned),
        ..ReviewSeen::default()
    };
    store
        .review_checked(
            patient,
            review.condition,
            review.decision,
            review.rationale,
            &seen,
            today,
        )
        .map_err(|err| match err {
            StoreError::AssessmentChanged {
                ref fingerprint, ..
            } => CliError::Message(format!(
                "{err}: nothing recorded; read it again (refract show {}) and review it with \
                 --fingerprint {fingerprint}",
                crate::text::sanitise_line(review.mrn)
            )),
            other => CliError::Store(other),
        })?;
    let mut out = result_stdout(false);
    writeln!(
        out,
        "{} {}: {}",
        review.mrn, review.condition, review.decision
    )?;
    finish(out)
}
