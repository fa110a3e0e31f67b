//! `refract review MRN --condition ID (--confirm | --dismiss) --rationale TEXT`: the team's
//! decision on an assessment, from a script or a terminal without the dashboard. Audited.

use std::io::Write;
use std::process::ExitCode;

use chrono::NaiveDate;

use super::{CliError, finish, result_stdout};
use crate::domain::ReviewDecision;
use crate::store::Store;

pub fn run(
    store: &mut Store,
    today: NaiveDate,
    mrn: &str,
    condition: &str,
    decision: ReviewDecision,
    rationale: &str,
) -> Result<ExitCode, CliError> {
    let patient = store.patient_id_by_mrn(mrn)?;
    store.review(patient, condition, decision, rationale, today)?;
    let mut out = result_stdout(false);
    writeln!(out, "{mrn} {condition}: {decision}")?;
    finish(out)
}
