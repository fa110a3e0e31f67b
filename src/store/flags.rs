//! The assessments `refract flags` lists: every stored assessment that passes a filter, with
//! the patient it belongs to and its review state, most severe first.
//!
//! The review state is decided by [`Review::state_for`](crate::domain::Review::state_for)'s
//! rule ([`ReviewState::of`]), not restated in SQL: the query only fetches the latest review's
//! decision and the fingerprint it was made on.

use rusqlite::params;

use super::read::AssessmentDetail;
use super::sql_types::{parse_code, parse_date, parse_opt_date};
use super::{Result, Store, StoreError};
use crate::domain::{Assessment, AssessmentStatus, PatientId, ReviewDecision, ReviewState};

/// Which assessments to list; `None` lets every value through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlagFilter {
    pub status: Option<AssessmentStatus>,
    /// A rule-set id.
    pub condition: Option<String>,
}

/// One listed assessment.
#[derive(Debug, Clone, PartialEq)]
pub struct Flag {
    pub mrn: String,
    pub family_name: String,
    pub given_name: String,
    pub assessment: Assessment,
    pub review: ReviewState,
    /// The id of the latest review of the assessment (whatever evidence it judged), the
    /// version a review made from this listing is checked against.
    pub latest_review: Option<i64>,
}

impl Store {
    /// Calls `each` with every assessment that passes `filter`, by status (most severe
    /// first), then patient name, patient and rule set. Rows are decoded one at a time, so a
    /// large file is never held in memory; an error from `each` stops the walk.
    pub fn each_flag<E: From<StoreError>>(
        &self,
        filter: &FlagFilter,
        mut each: impl FnMut(Flag) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT p.id, p.mrn, p.family_name, p.given_name, a.ruleset, a.status, a.label,
                        a.detail, a.ruleset_version, a.fingerprint,
                        -- unchanged assessments are not rewritten: the patient says when they last ran
                        max(a.evaluated_on, p.eval_on),
                        r.decision, r.fingerprint, a.criteria_met_since, r.id
                 FROM assessments a JOIN patients p ON p.id = a.patient_id
                 LEFT JOIN reviews r ON r.id = (SELECT max(id) FROM reviews
                     WHERE patient_id = a.patient_id AND ruleset = a.ruleset)
                 WHERE (?1 IS NULL OR a.status = ?1) AND (?2 IS NULL OR a.ruleset = ?2)
                 ORDER BY a.status_rank DESC, p.name_key, p.id, a.ruleset",
            )
            .map_err(StoreError::from)?;
        let mut rows = stmt
            .query(params![
                filter.status.map(AssessmentStatus::as_str),
                filter.condition
            ])
            .map_err(StoreError::from)?;
        while let Some(row) = rows.next().map_err(StoreError::from)? {
            each(decode(row)?)?;
        }
        Ok(())
    }
}

fn decode(row: &rusqlite::Row<'_>) -> Result<Flag> {
    let text = |i| row.get::<_, String>(i);
    let detail: AssessmentDetail = serde_json::from_str(&text(7)?)?;
    let assessment = Assessment {
        patient_id: PatientId(row.get(0)?),
        ruleset: text(4)?,
        status: parse_code("assessments.status", &text(5)?, AssessmentStatus::parse)?,
        label: text(6)?,
        reasons: detail.reasons,
        evidence: detail.evidence,
        missing: detail.missing,
        confounders: detail.confounders,
        citation: detail.citation,
        ruleset_version: text(8)?,
        fingerprint: text(9)?,
        evaluated_on: parse_date("assessments.evaluated_on", &text(10)?)?,
        criteria_met_since: parse_opt_date("assessments.criteria_met_since", row.get(13)?)?,
        // Read back for display: the fingerprint made of them is stored.
        grounds: Vec::new(),
        coded_grounds: Vec::new(),
        reading_grounds: Vec::new(),
        earlier_grounds: Vec::new(),
    };
    let decision: Option<String> = row.get(11)?;
    let reviewed: Option<String> = row.get(12)?;
    let review = match (decision, reviewed) {
        (Some(decision), Some(reviewed)) => ReviewState::of(
            parse_code("reviews.decision", &decision, ReviewDecision::parse)?,
            &reviewed,
            &assessment.fingerprint,
        ),
        _ => ReviewState::Unreviewed,
    };
    Ok(Flag {
        mrn: text(1)?,
        family_name: text(2)?,
        given_name: text(3)?,
        assessment,
        review,
        latest_review: row.get(14)?,
    })
}
