//! The way-forward records of one patient and condition: the four steps, the re-evaluation
//! checklist, referrals, options and well-being goals. Every write is one transaction with its
//! audit row (the row before and after), and refreshes the patient's list row, whose progress
//! dots and overdue mark come from these tables.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

use super::audit::{AuditWriter, Change};
use super::sql_types::{
    format_date, format_datetime, now_utc, parse_code, parse_opt_code, parse_opt_date,
};
use super::write::refresh_list_row;
use super::{Result, Store, StoreError};
use crate::domain::{
    CareOption, ChecklistItem, OptionKind, PatientId, PatientPreference, Referral, ReferralStatus,
    Stance, StepStatus, TrialStatus, WayForwardStep, WellbeingGoal,
};

/// What is stored for one patient and condition (steps never written are absent).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoredWayForward {
    pub steps: Vec<WayForwardStep>,
    pub checklist: Vec<ChecklistItem>,
    pub referrals: Vec<Referral>,
    pub options: Vec<CareOption>,
    pub goals: Vec<WellbeingGoal>,
}

impl Store {
    /// Everything recorded on one patient's way forward for one condition.
    pub fn stored_way_forward(
        &self,
        patient: PatientId,
        ruleset: &str,
    ) -> Result<StoredWayForward> {
        Ok(StoredWayForward {
            steps: self
                .way_forward(patient)?
                .into_iter()
                .filter(|s| s.ruleset == ruleset)
                .collect(),
            checklist: self
                .checklist(patient)?
                .into_iter()
                .filter(|c| c.ruleset == ruleset)
                .collect(),
            referrals: read_referrals(&self.conn, patient, Some(ruleset))?,
            options: read_options(&self.conn, patient, Some(ruleset))?,
            goals: read_goals(&self.conn, patient, Some(ruleset))?,
        })
    }

    /// The conditions a patient has way-forward records for.
    pub fn way_forward_rulesets(&self, patient: PatientId) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT ruleset FROM way_forward WHERE patient_id = ?1 ORDER BY ruleset",
        )?;
        let rows = stmt.query_map([patient.0], |row| row.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every referral, option and goal of a patient (all conditions), for `show` and export.
    pub fn referrals(&self, patient: PatientId) -> Result<Vec<Referral>> {
        read_referrals(&self.conn, patient, None)
    }

    pub fn care_options(&self, patient: PatientId) -> Result<Vec<CareOption>> {
        read_options(&self.conn, patient, None)
    }

    pub fn wellbeing_goals(&self, patient: PatientId) -> Result<Vec<WellbeingGoal>> {
        read_goals(&self.conn, patient, None)
    }

    /// Saves one step (status, owner, due date, notes, reason). The caller has checked it with
    /// [`crate::domain::way_forward::check_step`]; the store only refuses what would make the
    /// record meaningless.
    pub fn save_step(&mut self, step: &WayForwardStep, today: NaiveDate) -> Result<()> {
        if !(1..=4).contains(&step.step) {
            return Err(StoreError::Invalid(format!(
                "there is no step {} (1 to 4)",
                step.step
            )));
        }
        if step.status == StepStatus::NotApplicable
            && step
                .na_reason
                .as_deref()
                .is_none_or(|r| r.trim().is_empty())
        {
            return Err(StoreError::Invalid(String::from(
                "'not applicable' needs a reason",
            )));
        }
        let auditor = self.auditor();
        self.write(|tx| {
            start(tx, step.patient_id, &step.ruleset)?;
            let before = read_step(tx, step.patient_id, &step.ruleset, step.step)?;
            tx.prepare_cached(
                "UPDATE way_forward SET status = ?4, owner = ?5, due = ?6, notes = ?7, na_reason = ?8,
                        updated_at = ?9
                 WHERE patient_id = ?1 AND ruleset = ?2 AND step = ?3",
            )?
            .execute(params![
                step.patient_id.0,
                step.ruleset,
                step.step,
                step.status.as_str(),
                step.owner,
                step.due.map(format_date),
                step.notes,
                step.na_reason,
                format_datetime(now_utc()),
            ])?;
            finish(
                tx,
                &auditor,
                "way_forward.step",
                "way_forward",
                None,
                step.patient_id,
                before.as_ref(),
                step,
                today,
            )
        })
    }

    /// Writes a checklist item (ticked or not, with how it was resolved), keyed by its key, and
    /// marks the record changed: a ticked confounder is resolved at the next evaluation.
    pub fn save_checklist_item(&mut self, item: &ChecklistItem, today: NaiveDate) -> Result<i64> {
        let auditor = self.auditor();
        self.write(|tx| {
            start(tx, item.patient_id, &item.ruleset)?;
            let before: Option<ChecklistItem> = tx
                .prepare_cached(
                    "SELECT id, text, done, detail FROM checklist_items
                     WHERE patient_id = ?1 AND ruleset = ?2 AND key = ?3",
                )?
                .query_row(
                    params![item.patient_id.0, item.ruleset, item.key],
                    |row| {
                        Ok(ChecklistItem {
                            id: row.get(0)?,
                            text: row.get(1)?,
                            done: row.get(2)?,
                            detail: row.get(3)?,
                            ..item.clone()
                        })
                    },
                )
                .optional()?;
            let id: i64 = tx
                .prepare_cached(
                    "INSERT INTO checklist_items (patient_id, ruleset, key, text, done, detail, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT (patient_id, ruleset, key) DO UPDATE SET
                         text = excluded.text, done = excluded.done, detail = excluded.detail,
                         updated_at = excluded.updated_at
                     RETURNING id",
                )?
                .query_row(
                    params![
                        item.patient_id.0,
                        item.ruleset,
                        item.key,
                        item.text,
                        item.done,
                        item.detail,
                        format_datetime(now_utc())
                    ],
                    |row| row.get(0),
                )?;
            tx.prepare_cached(
                "UPDATE patients SET record_version = record_version + 1 WHERE id = ?1",
            )?
            .execute([item.patient_id.0])?;
            let after = ChecklistItem { id, ..item.clone() };
            let action = if item.done {
                "checklist.tick"
            } else {
                "checklist.untick"
            };
            finish(
                tx,
                &auditor,
                action,
                "checklist_items",
                Some(id),
                item.patient_id,
                before.as_ref(),
                &after,
                today,
            )?;
            Ok(id)
        })
    }

    /// Adds (id 0) or updates a referral.
    pub fn save_referral(&mut self, referral: &Referral, today: NaiveDate) -> Result<i64> {
        if !matches!(referral.step, 1 | 4) {
            return Err(StoreError::Invalid(String::from(
                "referrals belong to step 1 (specialist) or step 4 (well-being)",
            )));
        }
        let auditor = self.auditor();
        self.write(|tx| {
            start(tx, referral.patient_id, &referral.ruleset)?;
            let before = match referral.id {
                0 => None,
                id => Some(referral_by_id(tx, referral.patient_id, id)?),
            };
            let values = params![
                referral.patient_id.0,
                referral.ruleset,
                referral.step,
                referral.specialty,
                referral.to_whom,
                referral.date.map(format_date),
                referral.status.as_str(),
                referral.id,
            ];
            let id = if referral.id == 0 {
                tx.prepare_cached(
                    "INSERT INTO referrals (patient_id, ruleset, step, specialty, to_whom, date, status)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(&values[..7])?;
                tx.last_insert_rowid()
            } else {
                tx.prepare_cached(
                    "UPDATE referrals SET step = ?3, specialty = ?4, to_whom = ?5, date = ?6, status = ?7
                     WHERE id = ?8 AND patient_id = ?1 AND ruleset = ?2",
                )?
                .execute(values)?;
                referral.id
            };
            let after = Referral {
                id,
                ..referral.clone()
            };
            let action = if before.is_some() {
                "referral.update"
            } else {
                "referral.add"
            };
            finish(
                tx,
                &auditor,
                action,
                "referrals",
                Some(id),
                referral.patient_id,
                before.as_ref(),
                &after,
                today,
            )?;
            Ok(id)
        })
    }

    /// Adds (id 0) or updates an option of step 3: a catalogue entry, a trial, or one the team
    /// named. A rejection says why.
    pub fn save_option(&mut self, option: &CareOption, today: NaiveDate) -> Result<i64> {
        if option.stance == Stance::Rejected
            && option
                .stance_reason
                .as_deref()
                .is_none_or(|r| r.trim().is_empty())
        {
            return Err(StoreError::Invalid(String::from(
                "a rejected option needs a reason",
            )));
        }
        if option.kind == OptionKind::Trial
            && option
                .registry_id
                .as_deref()
                .is_none_or(|r| r.trim().is_empty())
        {
            return Err(StoreError::Invalid(String::from(
                "a clinical trial needs its registry id (e.g. NCT01234567)",
            )));
        }
        let auditor = self.auditor();
        self.write(|tx| {
            start(tx, option.patient_id, &option.ruleset)?;
            let before = match option.id {
                0 => None,
                id => read_options(tx, option.patient_id, Some(&option.ruleset))?
                    .into_iter()
                    .find(|o| o.id == id),
            };
            if option.id != 0 && before.is_none() {
                return Err(StoreError::Invalid(format!("no option {}", option.id)));
            }
            let values = params![
                option.patient_id.0,
                option.ruleset,
                option.kind.as_str(),
                option.name,
                option.catalogue_key,
                option.source,
                option.registry_id,
                option.trial_status.map(TrialStatus::as_str),
                option.stance.as_str(),
                option.stance_reason,
                option.preference.as_str(),
                option.notes,
                option.id,
            ];
            let id = if option.id == 0 {
                tx.prepare_cached(
                    "INSERT INTO options (patient_id, ruleset, kind, name, catalogue_key, source,
                         registry_id, trial_status, stance, stance_reason, preference, notes)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )?
                .execute(&values[..12])?;
                tx.last_insert_rowid()
            } else {
                tx.prepare_cached(
                    "UPDATE options SET kind = ?3, name = ?4, catalogue_key = ?5, source = ?6,
                         registry_id = ?7, trial_status = ?8, stance = ?9, stance_reason = ?10,
                         preference = ?11, notes = ?12
                     WHERE id = ?13 AND patient_id = ?1 AND ruleset = ?2",
                )?
                .execute(values)?;
                option.id
            };
            let after = CareOption {
                id,
                ..option.clone()
            };
            let action = if before.is_some() {
                "option.update"
            } else {
                "option.add"
            };
            finish(
                tx,
                &auditor,
                action,
                "options",
                Some(id),
                option.patient_id,
                before.as_ref(),
                &after,
                today,
            )?;
            Ok(id)
        })
    }

    /// Adds (id 0) or updates a well-being goal.
    pub fn save_goal(&mut self, goal: &WellbeingGoal, today: NaiveDate) -> Result<i64> {
        if goal.description.trim().is_empty() {
            return Err(StoreError::Invalid(String::from(
                "a goal needs a description",
            )));
        }
        let auditor = self.auditor();
        self.write(|tx| {
            start(tx, goal.patient_id, &goal.ruleset)?;
            let before = match goal.id {
                0 => None,
                id => read_goals(tx, goal.patient_id, Some(&goal.ruleset))?
                    .into_iter()
                    .find(|g| g.id == id),
            };
            let id = if goal.id == 0 {
                tx.prepare_cached(
                    "INSERT INTO wellbeing_goals (patient_id, ruleset, description, due, achieved)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![
                    goal.patient_id.0,
                    goal.ruleset,
                    goal.description,
                    goal.due.map(format_date),
                    goal.achieved
                ])?;
                tx.last_insert_rowid()
            } else {
                tx.prepare_cached(
                    "UPDATE wellbeing_goals SET description = ?3, due = ?4, achieved = ?5
                     WHERE id = ?1 AND patient_id = ?2",
                )?
                .execute(params![
                    goal.id,
                    goal.patient_id.0,
                    goal.description,
                    goal.due.map(format_date),
                    goal.achieved
                ])?;
                goal.id
            };
            let after = WellbeingGoal { id, ..goal.clone() };
            let action = if before.is_some() {
                "goal.update"
            } else {
                "goal.add"
            };
            finish(
                tx,
                &auditor,
                action,
                "wellbeing_goals",
                Some(id),
                goal.patient_id,
                before.as_ref(),
                &after,
                today,
            )?;
            Ok(id)
        })
    }
}

/// The four step rows exist from the first thing the team records: the list's progress dots
/// count them.
fn start(tx: &Transaction<'_>, patient: PatientId, ruleset: &str) -> Result<()> {
    let exists: bool = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM patients WHERE id = ?1)")?
        .query_row([patient.0], |row| row.get(0))?;
    if !exists {
        return Err(StoreError::Invalid(format!("no patient {}", patient.0)));
    }
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO way_forward (patient_id, ruleset, step, status, updated_at)
         VALUES (?1, ?2, ?3, 'todo', ?4)",
    )?;
    let now = format_datetime(now_utc());
    for step in 1..=4u8 {
        insert.execute(params![patient.0, ruleset, step, now])?;
    }
    Ok(())
}

/// The audit row and the list row, the end of every write here.
#[allow(clippy::too_many_arguments)]
fn finish<B: Serialize, A: Serialize>(
    tx: &Transaction<'_>,
    auditor: &AuditWriter,
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
    patient: PatientId,
    before: Option<&B>,
    after: &A,
    today: NaiveDate,
) -> Result<()> {
    auditor.record(
        tx,
        Change {
            action,
            entity,
            entity_id,
            patient_id: Some(patient),
        },
        before,
        Some(after),
    )?;
    refresh_list_row(tx, patient, today, now_utc())?;
    Ok(())
}

fn read_step(
    conn: &Connection,
    patient: PatientId,
    ruleset: &str,
    step: u8,
) -> Result<Option<WayForwardStep>> {
    let row = conn
        .prepare_cached(
            "SELECT status, owner, due, notes, na_reason FROM way_forward
             WHERE patient_id = ?1 AND ruleset = ?2 AND step = ?3",
        )?
        .query_row(params![patient.0, ruleset, step], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, Option<String>>(1)?,
                row.get::<_, Option<String>>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, Option<String>>(4)?,
            ))
        })
        .optional()?;
    row.map(|(status, owner, due, notes, na_reason)| {
        Ok(WayForwardStep {
            patient_id: patient,
            ruleset: ruleset.to_owned(),
            step,
            status: parse_code("way_forward.status", &status, StepStatus::parse)?,
            owner,
            due: parse_opt_date("way_forward.due", due)?,
            notes,
            na_reason,
        })
    })
    .transpose()
}

fn referral_by_id(conn: &Connection, patient: PatientId, id: i64) -> Result<Referral> {
    read_referrals(conn, patient, None)?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| StoreError::Invalid(format!("no referral {id}")))
}

fn read_referrals(
    conn: &Connection,
    patient: PatientId,
    ruleset: Option<&str>,
) -> Result<Vec<Referral>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, ruleset, step, specialty, to_whom, date, status FROM referrals
         WHERE patient_id = ?1 AND (?2 IS NULL OR ruleset = ?2) ORDER BY ruleset, step, id",
    )?;
    let rows = stmt
        .query_map(params![patient.0, ruleset], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, u8>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, Option<String>>(4)?,
                row.get::<_, Option<String>>(5)?,
                row.get::<_, String>(6)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(id, ruleset, step, specialty, to_whom, date, status)| {
            Ok(Referral {
                id,
                patient_id: patient,
                ruleset,
                step,
                specialty,
                to_whom,
                date: parse_opt_date("referrals.date", date)?,
                status: parse_code("referrals.status", &status, ReferralStatus::parse)?,
            })
        })
        .collect()
}

fn read_options(
    conn: &Connection,
    patient: PatientId,
    ruleset: Option<&str>,
) -> Result<Vec<CareOption>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, ruleset, kind, name, catalogue_key, source, registry_id, trial_status, stance,
                stance_reason, preference, notes
         FROM options WHERE patient_id = ?1 AND (?2 IS NULL OR ruleset = ?2) ORDER BY ruleset, id",
    )?;
    let rows = stmt
        .query_map(params![patient.0, ruleset], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, Option<String>>(4)?,
                row.get::<_, Option<String>>(5)?,
                row.get::<_, Option<String>>(6)?,
                row.get::<_, Option<String>>(7)?,
                row.get::<_, String>(8)?,
                row.get::<_, Option<String>>(9)?,
                row.get::<_, String>(10)?,
                row.get::<_, String>(11)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(
            |(
                id,
                ruleset,
                kind,
                name,
                catalogue_key,
                source,
                registry_id,
                trial_status,
                stance,
                stance_reason,
                preference,
                notes,
            )| {
                Ok(CareOption {
                    id,
                    patient_id: patient,
                    ruleset,
                    kind: parse_code("options.kind", &kind, OptionKind::parse)?,
                    name,
                    catalogue_key,
                    source,
                    registry_id,
                    trial_status: parse_opt_code(
                        "options.trial_status",
                        trial_status,
                        TrialStatus::parse,
                    )?,
                    stance: parse_code("options.stance", &stance, Stance::parse)?,
                    stance_reason,
                    preference: parse_code(
                        "options.preference",
                        &preference,
                        PatientPreference::parse,
                    )?,
                    notes,
                })
            },
        )
        .collect()
}

fn read_goals(
    conn: &Connection,
    patient: PatientId,
    ruleset: Option<&str>,
) -> Result<Vec<WellbeingGoal>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, ruleset, description, due, achieved FROM wellbeing_goals
         WHERE patient_id = ?1 AND (?2 IS NULL OR ruleset = ?2) ORDER BY ruleset, id",
    )?;
    let rows = stmt
        .query_map(params![patient.0, ruleset], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, Option<String>>(3)?,
                row.get::<_, bool>(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(id, ruleset, description, due, achieved)| {
            Ok(WellbeingGoal {
                id,
                patient_id: patient,
                ruleset,
                description,
                due: parse_opt_date("wellbeing_goals.due", due)?,
                achieved,
            })
        })
        .collect()
}
