//! Reading one patient: the identity, the full clinical record the rules evaluate, and the
//! summary `refract show` prints (record, assessments with their review state, way forward).

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::sql_types::{
    parse_code, parse_date, parse_datetime, parse_opt_code, parse_opt_date, parse_opt_datetime,
};
use super::{Result, Store, StoreError};
use crate::domain::identifier_systems;
use crate::domain::{
    Assessment, AssessmentStatus, AuditEntry, BpSetting, ChecklistItem, Comparator, Condition,
    ConditionCodeSystem, Confounder, DatePrecision, Dose, DrugExposure, DrugReaction, DrugRole,
    Evidence, Intent, LineDrug, LineOrigin, Observation, PartialDate, Patient, PatientId,
    PatientRecord, Procedure, Response, Review, ReviewDecision, ReviewState, Sex, StepStatus,
    StopReason, Task, TaskStatus, TreatmentLine, WayForwardStep,
};

/// What `refract show` prints: the record and everything the team has said about it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PatientSummary {
    #[serde(flatten)]
    pub record: PatientRecord,
    pub assessments: Vec<AssessmentWithReview>,
    /// The team's latest review of each rule set that no longer assesses the patient (its
    /// diagnosis retracted or resolved): their decision stays in sight, made on earlier
    /// evidence (review r5 R5-9). Left out of the JSON when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reviews_without_assessment: Vec<Review>,
    pub way_forward: Vec<WayForwardStep>,
    pub checklist: Vec<ChecklistItem>,
    pub referrals: Vec<crate::domain::Referral>,
    pub options: Vec<crate::domain::CareOption>,
    pub goals: Vec<crate::domain::WellbeingGoal>,
    pub tasks: Vec<Task>,
}

/// An assessment with the review that currently applies to it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AssessmentWithReview {
    #[serde(flatten)]
    pub assessment: Assessment,
    pub review: ReviewState,
    pub latest_review: Option<Review>,
}

/// The JSON kept in `assessments.detail`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(super) struct AssessmentDetail {
    pub reasons: Vec<String>,
    pub evidence: Vec<Evidence>,
    pub missing: Vec<String>,
    pub confounders: Vec<Confounder>,
    pub citation: String,
    /// The assessment's own fingerprint, where it is stored with a review's earlier one
    /// (`assessments::held_fingerprint`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub own_fingerprint: Option<String>,
    /// What the cited items were, where a refract before review r5 R5-9 stored the assessment
    /// with a review's earlier digest: read to keep that review holding, never written.
    #[serde(default, skip_serializing)]
    pub content_fingerprint: Option<String>,
}

impl Store {
    /// The records of every patient with an id in `from..=to`, in id order (see
    /// [`load_records`]).
    pub fn load_records(&self, from: i64, to: i64) -> Result<Vec<PatientRecord>> {
        load_records(&self.conn, from, to)
    }

    /// How many patients the file holds.
    pub fn patient_count(&self) -> Result<u64> {
        let count: i64 = self
            .conn
            .query_row("SELECT count(*) FROM patients", [], |row| row.get(0))?;
        Ok(count.max(0) as u64)
    }

    /// The patient a person names by MRN: the number alone when one patient has it, or
    /// `SYSTEM|NUMBER` (FHIR's token form) when two hospitals gave the same number to two
    /// people. [`StoreError::UnknownMrn`] when nobody has it, [`StoreError::AmbiguousMrn`]
    /// (listing the systems) when the number alone names several.
    pub fn patient_id_by_mrn(&self, mrn: &str) -> Result<PatientId> {
        let found: Vec<(i64, String)> = self
            .conn
            .prepare_cached("SELECT id, mrn_system FROM patients WHERE mrn = ?1 ORDER BY id")?
            .query_map([mrn], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        // A record joined into another (`store::joins`): where it went, rather than the patient
        // now holding its number among their identifiers.
        if found.is_empty()
            && let Some((old, now, day)) = self.joined_into(mrn)?
        {
            return Err(StoreError::Invalid(format!(
                "MRN {old} was merged into MRN {now} on {day} (two records of one person \
                 joined): see MRN {now}"
            )));
        }
        match found.as_slice() {
            // The MRN shown names them, unless the value is also another patient's identifier
            // (their NHS number, another hospital's record number): then it names neither.
            [(id, system)] => {
                let others = self.identifier_holders(mrn)?;
                if others.iter().all(|(other, _)| other == id) {
                    return Ok(PatientId(*id));
                }
                let mut patients: Vec<i64> = vec![*id];
                patients.extend(others.iter().map(|(other, _)| *other));
                patients.sort_unstable();
                patients.dedup();
                let mut systems = vec![system.clone()];
                systems.extend(
                    others
                        .into_iter()
                        .filter(|(other, _)| other != id)
                        .map(|(_, system)| system),
                );
                return Err(StoreError::AmbiguousIdentifier {
                    value: mrn.to_owned(),
                    patients: patients.len(),
                    systems,
                });
            }
            [] => {}
            several => {
                return Err(StoreError::AmbiguousMrn {
                    mrn: mrn.to_owned(),
                    systems: several.iter().map(|(_, system)| system.clone()).collect(),
                });
            }
        }
        if let Some((system, value)) = mrn.rsplit_once('|') {
            // A registered namespace is named by its OID or its URI alike.
            for system in identifier_systems::spellings(system) {
                let by_system: Option<i64> = self
                    .conn
                    .prepare_cached("SELECT id FROM patients WHERE mrn = ?1 AND mrn_system = ?2")?
                    .query_row([value, &system], |row| row.get(0))
                    .optional()?;
                let by_identifier = || -> Result<Option<i64>> {
                    Ok(self
                        .conn
                        .prepare_cached(
                            "SELECT patient_id FROM patient_identifiers
                             WHERE system = ?1 AND value = ?2",
                        )?
                        .query_row([&system, value], |row| row.get(0))
                        .optional()?)
                };
                if let Some(id) = by_system.map_or_else(by_identifier, |id| Ok(Some(id)))? {
                    return Ok(PatientId(id));
                }
            }
        }
        self.patient_id_by_identifier_value(mrn)
    }

    /// The one patient any of whose identifiers (a hospital's number, a national one) has the
    /// value `value`, whichever MRN is shown for them; refract's own keys (a source's Patient
    /// ids) are not looked at. A value two patients hold under different systems names neither:
    /// [`StoreError::AmbiguousIdentifier`] lists each as `SYSTEM|VALUE`.
    fn patient_id_by_identifier_value(&self, value: &str) -> Result<PatientId> {
        let found = self.identifier_holders(value)?;
        let mut patients: Vec<i64> = found.iter().map(|(id, _)| *id).collect();
        patients.sort_unstable();
        patients.dedup();
        match patients.as_slice() {
            [id] => Ok(PatientId(*id)),
            [] => Err(StoreError::UnknownMrn(value.to_owned())),
            several => Err(StoreError::AmbiguousIdentifier {
                value: value.to_owned(),
                patients: several.len(),
                systems: found.into_iter().map(|(_, system)| system).collect(),
            }),
        }
    }

    /// (patient, system) of every identifier with the value `value` but refract's own keys (a
    /// source's Patient ids), in system order.
    fn identifier_holders(&self, value: &str) -> Result<Vec<(i64, String)>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT patient_id, system FROM patient_identifiers
                 INDEXED BY patient_identifiers_value
                 WHERE value = ?1 AND system NOT LIKE 'urn:refract:patient-%'
                 ORDER BY system",
            )?
            .query_map([value], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// [`Store::patient_id_by_mrn`], or, when `mrn` ends with an ellipsis (`…` or `...`, as a
    /// screen cuts a long MRN: "641f6ec3-9c…"), the one patient whose MRN starts with the rest.
    /// A number typed without the ellipsis names only the patient it is: `12345` must never
    /// open the record of `123456` (a digit left off is a typo as often as a shortcut); it is
    /// refused with the MRN it starts, so the person can choose. A prefix several MRNs share
    /// is refused with two of them, never resolved to one.
    pub fn patient_id_by_mrn_or_prefix(&self, mrn: &str) -> Result<PatientId> {
        let typed = mrn.trim();
        let (prefix, cut) = match typed
            .strip_suffix('…')
            .or_else(|| typed.strip_suffix("..."))
        {
            Some(prefix) => (prefix.trim_end(), true),
            None => (typed, false),
        };
        match self.patient_id_by_mrn(prefix) {
            Err(StoreError::UnknownMrn(_)) if !prefix.is_empty() => {}
            found => return found,
        }
        let found = self.mrns_starting_with(prefix)?;
        match found.as_slice() {
            [(id, _)] if cut => Ok(PatientId(*id)),
            [(_, whole)] => Err(StoreError::Invalid(format!(
                "no patient with MRN {prefix}; MRN {whole} starts with it: type it whole,                  or {prefix}… for the one MRN that starts so"
            ))),
            [] => Err(StoreError::UnknownMrn(mrn.to_owned())),
            several => Err(StoreError::Invalid(format!(
                "{}several patients have an MRN starting with {prefix} ({}, …): type more of it",
                if cut {
                    String::new()
                } else {
                    format!("no patient with MRN {prefix}; ")
                },
                several
                    .iter()
                    .map(|(_, m)| m.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// Up to two (patient, MRN) whose MRN starts with `prefix`, letter case aside (a screen's
    /// MRN may be typed in other capitals), in MRN order.
    fn mrns_starting_with(&self, prefix: &str) -> Result<Vec<(i64, String)>> {
        let upper = prefix.to_uppercase();
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id, mrn FROM patients WHERE upper(mrn) >= ?1 AND upper(mrn) < ?2
                 ORDER BY upper(mrn) LIMIT 2",
            )?
            .query_map([upper.clone(), format!("{upper}\u{10FFFF}")], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })?
            .collect::<rusqlite::Result<_>>()?)
    }

    pub fn patient(&self, id: PatientId) -> Result<Patient> {
        read_patient(&self.conn, id)
    }

    /// The whole clinical record of one patient, as the rules engine takes it.
    pub fn record(&self, id: PatientId) -> Result<PatientRecord> {
        read_record(&self.conn, id)
    }

    /// The record plus assessments, reviews and the way forward, for `refract show`.
    pub fn summary(&self, id: PatientId) -> Result<PatientSummary> {
        let record = self.record(id)?;
        let assessments = self.assessments(id)?;
        let mut reviews_without_assessment = Vec::new();
        for ruleset in self.reviewed_rulesets(id)? {
            if assessments.iter().any(|a| a.assessment.ruleset == ruleset) {
                continue;
            }
            if let Some(review) = self.latest_review(id, &ruleset)? {
                reviews_without_assessment.push(review);
            }
        }
        Ok(PatientSummary {
            record,
            assessments,
            reviews_without_assessment,
            way_forward: self.way_forward(id)?,
            checklist: self.checklist(id)?,
            referrals: self.referrals(id)?,
            options: self.care_options(id)?,
            goals: self.wellbeing_goals(id)?,
            tasks: self.tasks(id)?,
        })
    }

    /// The stored assessments of a patient, each with its current review state.
    pub fn assessments(&self, id: PatientId) -> Result<Vec<AssessmentWithReview>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT a.ruleset, a.ruleset_version, a.status, a.label, a.detail, a.fingerprint,
                    -- unchanged assessments are not rewritten: the patient says when they last ran
                    max(a.evaluated_on, p.eval_on), a.criteria_met_since
             FROM assessments a JOIN patients p ON p.id = a.patient_id
             WHERE a.patient_id = ?1 ORDER BY a.status_rank DESC, a.ruleset",
        )?;
        let rows = stmt
            .query_map([id.0], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, String>(6)?,
                    row.get::<_, Option<String>>(7)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut out = Vec::with_capacity(rows.len());
        for (ruleset, version, status, label, detail, fingerprint, evaluated_on, met_since) in rows
        {
            let detail: AssessmentDetail = serde_json::from_str(&detail)?;
            let assessment = Assessment {
                patient_id: id,
                status: parse_code("assessments.status", &status, AssessmentStatus::parse)?,
                ruleset_version: version,
                label,
                reasons: detail.reasons,
                evidence: detail.evidence,
                missing: detail.missing,
                confounders: detail.confounders,
                citation: detail.citation,
                evaluated_on: parse_date("assessments.evaluated_on", &evaluated_on)?,
                fingerprint,
                ruleset,
                criteria_met_since: super::sql_types::parse_opt_date(
                    "assessments.criteria_met_since",
                    met_since,
                )?,
                // Read back for display: the fingerprint made of them is stored.
                grounds: Vec::new(),
                coded_grounds: Vec::new(),
                reading_grounds: Vec::new(),
                earlier_grounds: Vec::new(),
            };
            let latest_review = self.latest_review(id, &assessment.ruleset)?;
            let review = match &latest_review {
                Some(review) => review.state_for(&assessment.fingerprint),
                None => ReviewState::Unreviewed,
            };
            out.push(AssessmentWithReview {
                assessment,
                review,
                latest_review,
            });
        }
        Ok(out)
    }

    /// The rule sets a patient's assessments were ever reviewed under, by id.
    fn reviewed_rulesets(&self, id: PatientId) -> Result<Vec<String>> {
        let rows = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT ruleset FROM reviews WHERE patient_id = ?1 ORDER BY ruleset",
            )?
            .query_map([id.0], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// The most recent review of a patient's assessment for one rule set.
    pub fn latest_review(&self, id: PatientId, ruleset: &str) -> Result<Option<Review>> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT id, decision, rationale, by, at, fingerprint, status FROM reviews
                 WHERE patient_id = ?1 AND ruleset = ?2 ORDER BY id DESC LIMIT 1",
            )?
            .query_row(params![id.0, ruleset], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, String>(6)?,
                ))
            })
            .optional()?;
        row.map(
            |(review_id, decision, rationale, by, at, fingerprint, status)| {
                Ok(Review {
                    id: review_id,
                    patient_id: id,
                    ruleset: ruleset.to_owned(),
                    decision: parse_code("reviews.decision", &decision, ReviewDecision::parse)?,
                    rationale,
                    by,
                    at: parse_datetime("reviews.at", &at)?,
                    fingerprint,
                    status: parse_code("reviews.status", &status, AssessmentStatus::parse)?,
                })
            },
        )
        .transpose()
    }

    pub fn way_forward(&self, id: PatientId) -> Result<Vec<WayForwardStep>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT ruleset, step, status, owner, due, notes, na_reason, version FROM way_forward
             WHERE patient_id = ?1 ORDER BY ruleset, step",
        )?;
        let rows = stmt
            .query_map([id.0], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, u8>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, Option<String>>(3)?,
                    row.get::<_, Option<String>>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, Option<String>>(6)?,
                    row.get::<_, i64>(7)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(
                |(ruleset, step, status, owner, due, notes, na_reason, version)| {
                    Ok(WayForwardStep {
                        patient_id: id,
                        ruleset,
                        step,
                        status: parse_code("way_forward.status", &status, StepStatus::parse)?,
                        owner,
                        due: parse_opt_date("way_forward.due", due)?,
                        notes,
                        na_reason,
                        version,
                    })
                },
            )
            .collect()
    }

    pub fn checklist(&self, id: PatientId) -> Result<Vec<ChecklistItem>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, ruleset, key, text, done, detail, version FROM checklist_items
             WHERE patient_id = ?1 ORDER BY ruleset, id",
        )?;
        let rows = stmt.query_map([id.0], |row| {
            Ok(ChecklistItem {
                id: row.get(0)?,
                patient_id: id,
                ruleset: row.get(1)?,
                key: row.get(2)?,
                text: row.get(3)?,
                done: row.get(4)?,
                detail: row.get(5)?,
                version: row.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn tasks(&self, id: PatientId) -> Result<Vec<Task>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, meeting_case_id, what, owner, due, status, version FROM tasks
             WHERE patient_id = ?1 ORDER BY due IS NULL, due, id",
        )?;
        let rows = stmt
            .query_map([id.0], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, Option<i64>>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, Option<String>>(3)?,
                    row.get::<_, Option<String>>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, i64>(6)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(
                |(task_id, meeting_case_id, what, owner, due, status, version)| {
                    Ok(Task {
                        id: task_id,
                        patient_id: id,
                        meeting_case_id,
                        what,
                        owner,
                        due: parse_opt_date("tasks.due", due)?,
                        status: parse_code("tasks.status", &status, TaskStatus::parse)?,
                        version,
                    })
                },
            )
            .collect()
    }

    /// A patient's audit history, newest first.
    pub fn audit_history(&self, id: PatientId, limit: usize) -> Result<Vec<AuditEntry>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, at, who, action, entity, entity_id, before, after, os_user FROM audit_log
             WHERE patient_id = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(params![id.0, limit as i64], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, Option<i64>>(5)?,
                    row.get::<_, Option<String>>(6)?,
                    row.get::<_, Option<String>>(7)?,
                    row.get::<_, Option<String>>(8)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(
                |(entry_id, at, who, action, entity, entity_id, before, after, os_user)| {
                    Ok(AuditEntry {
                        id: entry_id,
                        at: parse_datetime("audit_log.at", &at)?,
                        who,
                        os_user,
                        action,
                        entity,
                        entity_id,
                        patient_id: Some(id),
                        before: before.map(|b| serde_json::from_str(&b)).transpose()?,
                        after: after.map(|a| serde_json::from_str(&a)).transpose()?,
                    })
                },
            )
            .collect()
    }
}

/// `patients.birth_precision`: NULL for a whole date.
fn birth_precision_of(stored: Option<String>) -> Result<DatePrecision> {
    precision_of("patients.birth_precision", stored)
}

/// A drug's or a procedure's indications, an observation's focus, as stored: a JSON list, NULL
/// for none.
fn indications_of(stored: Option<String>) -> Result<Vec<crate::domain::Indication>> {
    Ok(stored
        .map(|list| serde_json::from_str(&list))
        .transpose()?
        .unwrap_or_default())
}

/// `patients.deceased_in`: the month or year of a death of no day, NULL otherwise.
fn death_month_of(stored: Option<String>) -> Result<Option<PartialDate>> {
    stored
        .map(|text| {
            PartialDate::parse(&text).ok_or(StoreError::Corrupt {
                column: "patients.deceased_in",
                detail: format!("'{text}' is no month or year"),
            })
        })
        .transpose()
}

/// A date's precision as stored: NULL is a day.
fn precision_of(column: &'static str, stored: Option<String>) -> Result<DatePrecision> {
    stored.map_or(Ok(DatePrecision::Day), |text| {
        parse_code(column, &text, DatePrecision::parse)
    })
}

pub(super) fn read_patient(conn: &Connection, id: PatientId) -> Result<Patient> {
    let row = conn
        .prepare_cached(
            "SELECT mrn, family_name, given_name, birth_date, sex, deceased_date, care_team,
                    mrn_system, deceased, birth_precision, deceased_in
             FROM patients WHERE id = ?1",
        )?
        .query_row([id.0], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, Option<String>>(5)?,
                row.get::<_, String>(6)?,
                (
                    row.get::<_, String>(7)?,
                    row.get::<_, bool>(8)?,
                    row.get::<_, Option<String>>(9)?,
                    row.get::<_, Option<String>>(10)?,
                ),
            ))
        })
        .optional()?
        .ok_or(StoreError::Corrupt {
            column: "patients.id",
            detail: format!("no patient {}", id.0),
        })?;
    let (
        mrn,
        family_name,
        given_name,
        birth,
        sex,
        deceased_date,
        care_team,
        (mrn_system, deceased, birth_precision, deceased_in),
    ) = row;
    Ok(Patient {
        id,
        mrn,
        mrn_system,
        family_name,
        given_name,
        birth_date: parse_opt_date("patients.birth_date", Some(birth))?,
        birth_precision: birth_precision_of(birth_precision)?,
        sex: parse_code("patients.sex", &sex, Sex::parse)?,
        deceased,
        deceased_date: parse_opt_date("patients.deceased_date", deceased_date)?,
        deceased_in: death_month_of(deceased_in)?,
        care_team: Some(care_team).filter(|team| !team.is_empty()),
    })
}

pub(super) fn read_record(conn: &Connection, id: PatientId) -> Result<PatientRecord> {
    load_records(conn, id.0, id.0)?
        .pop()
        .ok_or(StoreError::Corrupt {
            column: "patients.id",
            detail: format!("no patient {}", id.0),
        })
}

/// The records of every patient with an id in `from..=to`, in id order: one range query per
/// table, merged by patient, so that evaluating many patients costs a few scans rather than a
/// handful of queries each.
pub fn load_records(conn: &Connection, from: i64, to: i64) -> Result<Vec<PatientRecord>> {
    let mut records: Vec<PatientRecord> = Vec::new();
    let mut ids: Vec<i64> = Vec::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT id, mrn, family_name, given_name, birth_date, sex, deceased_date, care_team,
                    mrn_system, deceased, birth_precision, deceased_in
             FROM patients WHERE id BETWEEN ?1 AND ?2 ORDER BY id",
        )?;
        let raw = stmt.query_map(params![from, to], |row| Ok(RawRow::from(row, 12)))?;
        for raw in raw {
            let raw = raw?;
            let id = raw.int(0);
            ids.push(id);
            records.push(PatientRecord {
                patient: Some(Patient {
                    id: PatientId(id),
                    mrn: raw.text(1),
                    mrn_system: raw.text(8),
                    family_name: raw.text(2),
                    given_name: raw.text(3),
                    birth_date: parse_opt_date("patients.birth_date", raw.opt(4))?,
                    birth_precision: birth_precision_of(raw.opt(10))?,
                    sex: parse_code("patients.sex", &raw.text(5), Sex::parse)?,
                    deceased: raw.int(9) != 0,
                    deceased_date: parse_opt_date("patients.deceased_date", raw.opt(6))?,
                    deceased_in: death_month_of(raw.opt(11))?,
                    care_team: raw.opt(7).filter(|team| !team.is_empty()),
                }),
                ..PatientRecord::default()
            });
        }
    }
    if records.is_empty() {
        return Ok(records);
    }
    let slot = |patient: i64| ids.binary_search(&patient).ok();

    let mut stmt = conn.prepare_cached(
        "SELECT patient_id, id, system, code, display, onset, abatement, clinical_status,
                verification_status, codings, recorded, onset_precision, abatement_precision,
                recorded_precision
         FROM conditions WHERE patient_id BETWEEN ?1 AND ?2 ORDER BY patient_id, onset, id",
    )?;
    for raw in stmt.query_map(params![from, to], |row| Ok(RawRow::from(row, 14)))? {
        let raw = raw?;
        let Some(index) = slot(raw.int(0)) else {
            continue;
        };
        records[index].conditions.push(Condition {
            id: raw.int(1),
            system: parse_code(
                "conditions.system",
                &raw.text(2),
                ConditionCodeSystem::parse,
            )?,
            code: raw.text(3),
            display: raw.text(4),
            onset: parse_opt_date("conditions.onset", raw.opt(5))?,
            onset_precision: precision_of("conditions.onset_precision", raw.opt(11))?,
            abatement: parse_opt_date("conditions.abatement", raw.opt(6))?,
            abatement_precision: precision_of("conditions.abatement_precision", raw.opt(12))?,
            // Empty, not NULL: abated on a day the record did not give.
            abated_on_unknown_day: raw.opt(6).is_some_and(|text| text.is_empty()),
            recorded: parse_opt_date("conditions.recorded", raw.opt(10))?,
            recorded_precision: precision_of("conditions.recorded_precision", raw.opt(13))?,
            clinical_status: raw.opt(7),
            verification_status: raw.opt(8),
            codings: raw
                .opt(9)
                .map(|codings| serde_json::from_str(&codings))
                .transpose()?
                .unwrap_or_default(),
        });
    }

    let mut stmt = conn.prepare_cached(
        "SELECT patient_id, id, text, rxnorm, atc, start, end, dose_value, dose_unit, route, role,
                stop_reason, cycles, dates, stop_text, utc_offset, end_utc_offset, indications, said_stopped,
                dose_from
         FROM drug_exposures WHERE patient_id BETWEEN ?1 AND ?2 ORDER BY patient_id, start, id",
    )?;
    for raw in stmt.query_map(params![from, to], |row| Ok(RawRow::from(row, 20)))? {
        let raw = raw?;
        let Some(index) = slot(raw.int(0)) else {
            continue;
        };
        records[index].exposures.push(DrugExposure {
            id: raw.int(1),
            text: raw.text(2),
            rxnorm: raw.opt(3),
            atc: raw.opt(4),
            start: parse_datetime("drug_exposures.start", &raw.text(5))?,
            end: parse_opt_datetime("drug_exposures.end", raw.opt(6))?,
            dose: dose(raw.real(7), raw.opt(8)),
            route: raw.opt(9),
            role: parse_opt_code("drug_exposures.role", raw.opt(10), DrugRole::parse)?,
            stop_reason: parse_opt_code(
                "drug_exposures.stop_reason",
                raw.opt(11),
                StopReason::parse,
            )?,
            cycles: raw.opt_int(12).map(|c| c as u32),
            dates: parse_code(
                "drug_exposures.dates",
                &raw.text(13),
                crate::domain::DatesKnown::parse,
            )?,
            stop_text: raw.opt(14),
            utc_offset_minutes: raw
                .opt_int(15)
                .and_then(|minutes| i32::try_from(minutes).ok()),
            end_utc_offset_minutes: raw
                .opt_int(16)
                .and_then(|minutes| i32::try_from(minutes).ok()),
            indications: indications_of(raw.opt(17))?,
            said_stopped: raw.int(18) != 0,
            dose_from: parse_opt_code(
                "drug_exposures.dose_from",
                raw.opt(19),
                crate::domain::DoseFrom::parse,
            )?,
        });
    }

    let mut stmt = conn.prepare_cached(
        "SELECT patient_id, id, ruleset, number, regimen, start, end, intent, best_response,
                best_response_date, progression_date, stop_reason, cycles, origin, cut_reason
         FROM treatment_lines WHERE patient_id BETWEEN ?1 AND ?2
         ORDER BY patient_id, ruleset, number, start",
    )?;
    let mut line_slots: Vec<(i64, usize, usize)> = Vec::new();
    for raw in stmt.query_map(params![from, to], |row| Ok(RawRow::from(row, 15)))? {
        let raw = raw?;
        let Some(index) = slot(raw.int(0)) else {
            continue;
        };
        let line = TreatmentLine {
            id: raw.int(1),
            ruleset: raw.text(2),
            number: raw.int(3) as u32,
            regimen: raw.text(4),
            start: parse_date("treatment_lines.start", &raw.text(5))?,
            end: parse_opt_date("treatment_lines.end", raw.opt(6))?,
            intent: parse_opt_code("treatment_lines.intent", raw.opt(7), Intent::parse)?,
            best_response: parse_opt_code(
                "treatment_lines.best_response",
                raw.opt(8),
                Response::parse,
            )?,
            best_response_date: parse_opt_date("treatment_lines.best_response_date", raw.opt(9))?,
            progression_date: parse_opt_date("treatment_lines.progression_date", raw.opt(10))?,
            stop_reason: parse_opt_code(
                "treatment_lines.stop_reason",
                raw.opt(11),
                StopReason::parse,
            )?,
            cycles: raw.opt_int(12).map(|c| c as u32),
            origin: parse_code("treatment_lines.origin", &raw.text(13), LineOrigin::parse)?,
            cut_reason: raw.opt(14),
            drugs: Vec::new(),
        };
        line_slots.push((line.id, index, records[index].lines.len()));
        records[index].lines.push(line);
    }
    if !line_slots.is_empty() {
        line_slots.sort_unstable();
        let mut stmt = conn.prepare_cached(
            "SELECT ld.line_id, ld.ingredient, ld.dose_value, ld.dose_unit, ld.exposure_id
             FROM line_drugs ld JOIN treatment_lines tl ON tl.id = ld.line_id
             WHERE tl.patient_id BETWEEN ?1 AND ?2 ORDER BY ld.line_id, ld.position",
        )?;
        for raw in stmt.query_map(params![from, to], |row| Ok(RawRow::from(row, 5)))? {
            let raw = raw?;
            let Ok(found) = line_slots.binary_search_by_key(&raw.int(0), |(id, _, _)| *id) else {
                continue;
            };
            let (_, record, line) = line_slots[found];
            records[record].lines[line].drugs.push(LineDrug {
                ingredient: raw.text(1),
                dose: dose(raw.real(2), raw.opt(3)),
                exposure_id: raw.opt_int(4),
            });
        }
    }

    let mut stmt = conn.prepare_cached(
        "SELECT patient_id, id, code, display, value, value_code, unit, effective, setting,
                comparator, since, system, utc_offset, since_utc_offset, effective_precision,
                since_precision, focus, value_words, reference_ranges, interpretation
         FROM observations WHERE patient_id BETWEEN ?1 AND ?2 ORDER BY patient_id, effective, id",
    )?;
    for raw in stmt.query_map(params![from, to], |row| Ok(RawRow::from(row, 20)))? {
        let raw = raw?;
        let Some(index) = slot(raw.int(0)) else {
            continue;
        };
        records[index].observations.push(Observation {
            id: raw.int(1),
            code: raw.text(2),
            display: raw.text(3),
            value: raw.real(4),
            value_code: raw.opt(5),
            unit: raw.opt(6),
            effective: parse_datetime("observations.effective", &raw.text(7))?,
            since: parse_opt_datetime("observations.since", raw.opt(10))?,
            system: raw.opt(11).unwrap_or_default(),
            setting: parse_opt_code("observations.setting", raw.opt(8), BpSetting::parse)?,
            comparator: parse_opt_code("observations.comparator", raw.opt(9), Comparator::parse)?,
            utc_offset_minutes: raw
                .opt_int(12)
                .and_then(|minutes| i32::try_from(minutes).ok()),
            since_utc_offset_minutes: raw
                .opt_int(13)
                .and_then(|minutes| i32::try_from(minutes).ok()),
            effective_precision: precision_of("observations.effective_precision", raw.opt(14))?,
            since_precision: precision_of("observations.since_precision", raw.opt(15))?,
            focus: indications_of(raw.opt(16))?,
            value_words: raw.opt(17).unwrap_or_default(),
            reference_ranges: raw
                .opt(18)
                .map(|list: String| serde_json::from_str(&list))
                .transpose()?
                .unwrap_or_default(),
            interpretation: raw.opt(19),
            named_conditions: Vec::new(),
        });
    }

    let mut stmt = conn.prepare_cached(
        "SELECT patient_id, id, code, display, performed, end, system, codings, utc_offset,
                end_utc_offset, indications
         FROM procedures WHERE patient_id BETWEEN ?1 AND ?2 ORDER BY patient_id, performed, id",
    )?;
    for raw in stmt.query_map(params![from, to], |row| Ok(RawRow::from(row, 11)))? {
        let raw = raw?;
        let Some(index) = slot(raw.int(0)) else {
            continue;
        };
        // `first/last` is a window of days, empty a date not known (see `RecordWriter`).
        let performed_text = raw.text(4);
        let (performed, performed_by, date_unknown) = match performed_text.split_once('/') {
            _ if performed_text.is_empty() => (chrono::NaiveDateTime::default(), None, true),
            Some((first, last)) => (
                parse_datetime("procedures.performed", first)?,
                Some(parse_date("procedures.performed", last)?),
                false,
            ),
            None => (
                parse_datetime("procedures.performed", &performed_text)?,
                None,
                false,
            ),
        };
        records[index].procedures.push(Procedure {
            id: raw.int(1),
            code: raw.text(2),
            system: raw.opt(6).unwrap_or_default(),
            display: raw.text(3),
            performed,
            end: parse_opt_datetime("procedures.end", raw.opt(5))?,
            codings: raw
                .opt(7)
                .map(|codings| serde_json::from_str(&codings))
                .transpose()?
                .unwrap_or_default(),
            performed_by,
            date_unknown,
            at_ages: None,
            utc_offset_minutes: raw
                .opt_int(8)
                .and_then(|minutes| i32::try_from(minutes).ok()),
            end_utc_offset_minutes: raw
                .opt_int(9)
                .and_then(|minutes| i32::try_from(minutes).ok()),
            indications: indications_of(raw.opt(10))?,
            named_conditions: Vec::new(),
            named_devices: Vec::new(),
        });
    }

    let mut stmt = conn.prepare_cached(
        "SELECT patient_id, id, substance, codes, kind, criticality, reaction, onset,
                clinical_status, verification_status
         FROM drug_reactions WHERE patient_id BETWEEN ?1 AND ?2 ORDER BY patient_id, onset, id",
    )?;
    for raw in stmt.query_map(params![from, to], |row| Ok(RawRow::from(row, 10)))? {
        let raw = raw?;
        let Some(index) = slot(raw.int(0)) else {
            continue;
        };
        records[index].reactions.push(DrugReaction {
            id: raw.int(1),
            substance: raw.text(2),
            codes: serde_json::from_str(&raw.text(3))?,
            kind: raw.opt(4),
            criticality: raw.opt(5),
            reaction: raw.text(6),
            onset: parse_opt_date("drug_reactions.onset", raw.opt(7))?,
            clinical_status: raw.opt(8),
            verification_status: raw.opt(9),
        });
    }

    let mut stmt = conn.prepare_cached(
        "SELECT patient_id, ruleset, key FROM checklist_items
         WHERE patient_id BETWEEN ?1 AND ?2 AND done = 1 ORDER BY patient_id, ruleset, key",
    )?;
    for raw in stmt.query_map(params![from, to], |row| Ok(RawRow::from(row, 3)))? {
        let raw = raw?;
        let Some(index) = slot(raw.int(0)) else {
            continue;
        };
        records[index]
            .resolved_confounders
            .push((raw.text(1), raw.text(2)));
    }
    // Every reader sees the record as refract reads it: nothing given after death (the rows
    // keep what the source said).
    for record in &mut records {
        record.end_at_death();
    }
    Ok(records)
}

fn dose(value: Option<f64>, unit: Option<String>) -> Option<Dose> {
    Some(Dose {
        value: value?,
        unit: unit.unwrap_or_default(),
    })
}

/// A row read into owned values, so that mapping to domain types (which can fail with our own
/// error type) happens outside rusqlite's row callback.
struct RawRow(Vec<rusqlite::types::Value>);

impl RawRow {
    fn from(row: &Row<'_>, columns: usize) -> Self {
        RawRow(
            (0..columns)
                .map(|i| row.get(i).unwrap_or(rusqlite::types::Value::Null))
                .collect(),
        )
    }

    fn int(&self, index: usize) -> i64 {
        self.opt_int(index).unwrap_or(0)
    }

    fn opt_int(&self, index: usize) -> Option<i64> {
        match self.0.get(index) {
            Some(rusqlite::types::Value::Integer(value)) => Some(*value),
            _ => None,
        }
    }

    fn real(&self, index: usize) -> Option<f64> {
        match self.0.get(index) {
            Some(rusqlite::types::Value::Real(value)) => Some(*value),
            Some(rusqlite::types::Value::Integer(value)) => Some(*value as f64),
            _ => None,
        }
    }

    fn text(&self, index: usize) -> String {
        self.opt(index).unwrap_or_default()
    }

    fn opt(&self, index: usize) -> Option<String> {
        match self.0.get(index) {
            Some(rusqlite::types::Value::Text(text)) => Some(text.clone()),
            _ => None,
        }
    }
}
