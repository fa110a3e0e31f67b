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
use super::versions::{self, last_change, last_step_change};
use super::write::refresh_list_row;
use super::{Result, Store, StoreError};
use crate::domain::{
    CareOption, ChecklistItem, Edit, OptionKind, PatientId, PatientPreference, Referral,
    ReferralStatus, Stance, StepStatus, TEAM_ITEM_PREFIX, TrialStatus, WayForwardStep,
    WellbeingGoal, adds_team_item,
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
    /// Whether the patient has any option on the board for the condition.
    pub fn has_options(&self, patient: PatientId, ruleset: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM options WHERE patient_id = ?1 AND ruleset = ?2 LIMIT 1")?
            .query_row(params![patient.0, ruleset], |_| Ok(()))
            .optional()?
            .is_some())
    }

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

    /// Saves one step (status, owner, due date, notes, reason): the fields the person changed
    /// since `edit.base` (see [`crate::store::Conflict`]). The caller has checked it with
    /// [`crate::domain::way_forward::check_step`]; the store only refuses what would make the
    /// record meaningless.
    /// Returns the step as saved: with a colleague's change to another field kept, it is not
    /// the record the person sent, and what they are told is built from it.
    pub fn save_step(
        &mut self,
        edit: &Edit<WayForwardStep>,
        today: NaiveDate,
    ) -> Result<WayForwardStep> {
        let step = &edit.new;
        if !(1..=4).contains(&step.step) {
            return Err(StoreError::Invalid(format!(
                "there is no step {} (1 to 4)",
                step.step
            )));
        }
        let auditor = self.auditor();
        self.write(|tx| {
            start(tx, step.patient_id, &step.ruleset)?;
            let before = read_step(tx, step.patient_id, &step.ruleset, step.step)?;
            let checked = versions::check(before.as_ref(), edit, |fields| {
                last_step_change(tx, step.patient_id.0, &step.ruleset, step.step, fields)
            })?;
            if !checked.changed {
                unchanged(tx, step.patient_id, today)?;
                return Ok(checked.record);
            }
            let saved = &checked.record;
            if saved.status == StepStatus::NotApplicable
                && saved
                    .na_reason
                    .as_deref()
                    .is_none_or(|r| r.trim().is_empty())
            {
                return Err(StoreError::Invalid(String::from(
                    "'not applicable' needs a reason",
                )));
            }
            tx.prepare_cached(
                "UPDATE way_forward SET status = ?4, owner = ?5, due = ?6, notes = ?7, na_reason = ?8,
                        updated_at = ?9, version = ?10
                 WHERE patient_id = ?1 AND ruleset = ?2 AND step = ?3",
            )?
            .execute(params![
                saved.patient_id.0,
                saved.ruleset,
                saved.step,
                saved.status.as_str(),
                saved.owner,
                saved.due.map(format_date),
                saved.notes,
                saved.na_reason,
                format_datetime(now_utc()),
                saved.version,
            ])?;
            finish(
                tx,
                &auditor,
                &checked.action("way_forward.step"),
                "way_forward",
                None,
                step.patient_id,
                before.as_ref(),
                saved,
                today,
            )?;
            Ok(checked.record)
        })
    }

    /// Writes a checklist item (ticked or not, with how it was resolved), keyed by its key, and
    /// marks the record changed: a ticked confounder is resolved at the next evaluation. A
    /// suggested item (id 0) a colleague wrote meanwhile is checked against theirs. An item the
    /// team adds (a new one, keyed `team_N` by the screen that typed it) is always a new row:
    /// when a colleague's item took that key meanwhile, it takes the next free one, and theirs
    /// stays as they wrote it.
    pub fn save_checklist_item(
        &mut self,
        edit: &Edit<ChecklistItem>,
        today: NaiveDate,
    ) -> Result<i64> {
        let auditor = self.auditor();
        self.write(|tx| {
            let added;
            let edit = match team_item_key(tx, edit)? {
                Some(key) => {
                    let mut new = edit.new.clone();
                    new.key = key;
                    added = Edit::new(new);
                    &added
                }
                None => edit,
            };
            let item = &edit.new;
            start(tx, item.patient_id, &item.ruleset)?;
            let before: Option<ChecklistItem> = tx
                .prepare_cached(
                    "SELECT id, text, done, detail, version FROM checklist_items
                     WHERE patient_id = ?1 AND ruleset = ?2 AND key = ?3",
                )?
                .query_row(params![item.patient_id.0, item.ruleset, item.key], |row| {
                    Ok(ChecklistItem {
                        id: row.get(0)?,
                        text: row.get(1)?,
                        done: row.get(2)?,
                        detail: row.get(3)?,
                        version: row.get(4)?,
                        ..item.clone()
                    })
                })
                .optional()?;
            let checked = versions::check(before.as_ref(), edit, |fields| match &before {
                Some(stored) => last_change(tx, "checklist_items", stored.id, fields),
                None => Ok(None),
            })?;
            if let (false, Some(stored)) = (checked.changed, &before) {
                unchanged(tx, item.patient_id, today)?;
                return Ok(stored.id);
            }
            let saved = &checked.record;
            let id: i64 = tx
                .prepare_cached(
                    "INSERT INTO checklist_items
                         (patient_id, ruleset, key, text, done, detail, updated_at, version)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                     ON CONFLICT (patient_id, ruleset, key) DO UPDATE SET
                         text = excluded.text, done = excluded.done, detail = excluded.detail,
                         updated_at = excluded.updated_at, version = excluded.version
                     RETURNING id",
                )?
                .query_row(
                    params![
                        saved.patient_id.0,
                        saved.ruleset,
                        saved.key,
                        saved.text,
                        saved.done,
                        saved.detail,
                        format_datetime(now_utc()),
                        saved.version,
                    ],
                    |row| row.get(0),
                )?;
            tx.prepare_cached(
                "UPDATE patients SET record_version = record_version + 1 WHERE id = ?1",
            )?
            .execute([item.patient_id.0])?;
            let after = ChecklistItem {
                id,
                ..saved.clone()
            };
            // An item added is said as such, not as a tick taken off something never there.
            let action = if before.is_none() && adds_team_item(edit) {
                "checklist.add"
            } else if after.done {
                "checklist.tick"
            } else {
                "checklist.untick"
            };
            finish(
                tx,
                &auditor,
                &checked.action(action),
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
    pub fn save_referral(&mut self, edit: &Edit<Referral>, today: NaiveDate) -> Result<i64> {
        let referral = &edit.new;
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
            let checked = versions::check(before.as_ref(), edit, |fields| {
                last_change(tx, "referrals", referral.id, fields)
            })?;
            if !checked.changed {
                unchanged(tx, referral.patient_id, today)?;
                return Ok(referral.id);
            }
            let saved = &checked.record;
            let values = params![
                saved.patient_id.0,
                saved.ruleset,
                saved.step,
                saved.specialty,
                saved.to_whom,
                saved.date.map(format_date),
                saved.status.as_str(),
                saved.version,
                referral.id,
            ];
            let id = if referral.id == 0 {
                tx.prepare_cached(
                    "INSERT INTO referrals
                         (patient_id, ruleset, step, specialty, to_whom, date, status, version)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )?
                .execute(&values[..8])?;
                tx.last_insert_rowid()
            } else {
                tx.prepare_cached(
                    "UPDATE referrals SET step = ?3, specialty = ?4, to_whom = ?5, date = ?6,
                         status = ?7, version = ?8
                     WHERE id = ?9 AND patient_id = ?1 AND ruleset = ?2",
                )?
                .execute(values)?;
                referral.id
            };
            let after = Referral {
                id,
                ..saved.clone()
            };
            let action = if before.is_some() {
                "referral.update"
            } else {
                "referral.add"
            };
            finish(
                tx,
                &auditor,
                &checked.action(action),
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
    /// named. A rejection says why. A catalogue entry a colleague put on the table meanwhile is
    /// the one updated (checked against theirs), not added twice.
    pub fn save_option(&mut self, edit: &Edit<CareOption>, today: NaiveDate) -> Result<i64> {
        let option = &edit.new;
        let auditor = self.auditor();
        self.write(|tx| {
            start(tx, option.patient_id, &option.ruleset)?;
            let stored = read_options(tx, option.patient_id, Some(&option.ruleset))?;
            let before = match option.id {
                0 => stored
                    .into_iter()
                    .find(|o| o.catalogue_key.is_some() && o.catalogue_key == option.catalogue_key),
                id => stored.into_iter().find(|o| o.id == id),
            };
            if option.id != 0 && before.is_none() {
                return Err(StoreError::Invalid(format!("no option {}", option.id)));
            }
            let id = before.as_ref().map_or(0, |o| o.id);
            let checked = versions::check(before.as_ref(), edit, |fields| {
                last_change(tx, "options", id, fields)
            })?;
            if !checked.changed {
                unchanged(tx, option.patient_id, today)?;
                return Ok(id);
            }
            let saved = &checked.record;
            if saved.stance == Stance::Rejected
                && saved
                    .stance_reason
                    .as_deref()
                    .is_none_or(|r| r.trim().is_empty())
            {
                return Err(StoreError::Invalid(String::from(
                    "a rejected option needs a reason",
                )));
            }
            if saved.kind == OptionKind::Trial
                && saved
                    .registry_id
                    .as_deref()
                    .is_none_or(|r| r.trim().is_empty())
            {
                return Err(StoreError::Invalid(String::from(
                    "a clinical trial needs its registry id (e.g. NCT01234567)",
                )));
            }
            let values = params![
                saved.patient_id.0,
                saved.ruleset,
                saved.kind.as_str(),
                saved.name,
                saved.catalogue_key,
                saved.source,
                saved.registry_id,
                saved.trial_status.map(TrialStatus::as_str),
                saved.stance.as_str(),
                saved.stance_reason,
                saved.preference.as_str(),
                saved.notes,
                saved.version,
                id,
            ];
            let id = if id == 0 {
                tx.prepare_cached(
                    "INSERT INTO options (patient_id, ruleset, kind, name, catalogue_key, source,
                         registry_id, trial_status, stance, stance_reason, preference, notes,
                         version)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                )?
                .execute(&values[..13])?;
                tx.last_insert_rowid()
            } else {
                tx.prepare_cached(
                    "UPDATE options SET kind = ?3, name = ?4, catalogue_key = ?5, source = ?6,
                         registry_id = ?7, trial_status = ?8, stance = ?9, stance_reason = ?10,
                         preference = ?11, notes = ?12, version = ?13
                     WHERE id = ?14 AND patient_id = ?1 AND ruleset = ?2",
                )?
                .execute(values)?;
                id
            };
            let after = CareOption {
                id,
                ..saved.clone()
            };
            let action = if before.is_some() {
                "option.update"
            } else {
                "option.add"
            };
            finish(
                tx,
                &auditor,
                &checked.action(action),
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
    pub fn save_goal(&mut self, edit: &Edit<WellbeingGoal>, today: NaiveDate) -> Result<i64> {
        let goal = &edit.new;
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
            if goal.id != 0 && before.is_none() {
                return Err(StoreError::Invalid(format!("no goal {}", goal.id)));
            }
            let checked = versions::check(before.as_ref(), edit, |fields| {
                last_change(tx, "wellbeing_goals", goal.id, fields)
            })?;
            if !checked.changed {
                unchanged(tx, goal.patient_id, today)?;
                return Ok(goal.id);
            }
            let saved = &checked.record;
            let id = if goal.id == 0 {
                tx.prepare_cached(
                    "INSERT INTO wellbeing_goals
                         (patient_id, ruleset, description, due, achieved, version)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![
                    saved.patient_id.0,
                    saved.ruleset,
                    saved.description,
                    saved.due.map(format_date),
                    saved.achieved,
                    saved.version,
                ])?;
                tx.last_insert_rowid()
            } else {
                tx.prepare_cached(
                    "UPDATE wellbeing_goals SET description = ?3, due = ?4, achieved = ?5,
                         version = ?6
                     WHERE id = ?1 AND patient_id = ?2",
                )?
                .execute(params![
                    goal.id,
                    saved.patient_id.0,
                    saved.description,
                    saved.due.map(format_date),
                    saved.achieved,
                    saved.version,
                ])?;
                goal.id
            };
            let after = WellbeingGoal {
                id,
                ..saved.clone()
            };
            let action = if before.is_some() {
                "goal.update"
            } else {
                "goal.add"
            };
            finish(
                tx,
                &auditor,
                &checked.action(action),
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

/// The key a new team item is written under when a colleague's item holds the one its screen
/// chose (`None`: the key chosen is free, or the edit is not a new team item). A new item has no
/// base; a team item's key is the prefix and a number, so the next free number is one past the
/// highest.
fn team_item_key(tx: &Transaction<'_>, edit: &Edit<ChecklistItem>) -> Result<Option<String>> {
    let item = &edit.new;
    if edit.base.is_some() || item.id != 0 || !item.key.starts_with(TEAM_ITEM_PREFIX) {
        return Ok(None);
    }
    let mut stmt = tx
        .prepare_cached("SELECT key FROM checklist_items WHERE patient_id = ?1 AND ruleset = ?2")?;
    let keys = stmt
        .query_map(params![item.patient_id.0, item.ruleset], |row| {
            row.get::<_, String>(0)
        })?
        .collect::<Result<Vec<_>, _>>()?;
    if !keys.contains(&item.key) {
        return Ok(None);
    }
    let highest = keys
        .iter()
        .filter_map(|key| key.strip_prefix(TEAM_ITEM_PREFIX)?.parse::<u64>().ok())
        .max()
        .unwrap_or(0);
    Ok(Some(format!(
        "{TEAM_ITEM_PREFIX}{}",
        highest.saturating_add(1)
    )))
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
        "INSERT OR IGNORE INTO way_forward (patient_id, ruleset, step, status, updated_at, version)
         VALUES (?1, ?2, ?3, 'todo', ?4, 0)",
    )?;
    let now = format_datetime(now_utc());
    for step in 1..=4u8 {
        insert.execute(params![patient.0, ruleset, step, now])?;
    }
    Ok(())
}

/// The end of a save that found nothing to change (a colleague saved the same first): no audit
/// row, but the list row, in case this save started the four steps.
fn unchanged(tx: &Transaction<'_>, patient: PatientId, today: NaiveDate) -> Result<()> {
    refresh_list_row(tx, patient, today, now_utc())?;
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
            "SELECT status, owner, due, notes, na_reason, version FROM way_forward
             WHERE patient_id = ?1 AND ruleset = ?2 AND step = ?3",
        )?
        .query_row(params![patient.0, ruleset, step], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, Option<String>>(1)?,
                row.get::<_, Option<String>>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, Option<String>>(4)?,
                row.get::<_, i64>(5)?,
            ))
        })
        .optional()?;
    row.map(|(status, owner, due, notes, na_reason, version)| {
        Ok(WayForwardStep {
            patient_id: patient,
            ruleset: ruleset.to_owned(),
            step,
            status: parse_code("way_forward.status", &status, StepStatus::parse)?,
            owner,
            due: parse_opt_date("way_forward.due", due)?,
            notes,
            na_reason,
            version,
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
        "SELECT id, ruleset, step, specialty, to_whom, date, status, version FROM referrals
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
                row.get::<_, i64>(7)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(
            |(id, ruleset, step, specialty, to_whom, date, status, version)| {
                Ok(Referral {
                    id,
                    patient_id: patient,
                    ruleset,
                    step,
                    specialty,
                    to_whom,
                    date: parse_opt_date("referrals.date", date)?,
                    status: parse_code("referrals.status", &status, ReferralStatus::parse)?,
                    version,
                })
            },
        )
        .collect()
}

fn read_options(
    conn: &Connection,
    patient: PatientId,
    ruleset: Option<&str>,
) -> Result<Vec<CareOption>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, ruleset, kind, name, catalogue_key, source, registry_id, trial_status, stance,
                stance_reason, preference, notes, version
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
                row.get::<_, i64>(12)?,
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
                version,
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
                    version,
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
        "SELECT id, ruleset, description, due, achieved, version FROM wellbeing_goals
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
                row.get::<_, i64>(5)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(id, ruleset, description, due, achieved, version)| {
            Ok(WellbeingGoal {
                id,
                patient_id: patient,
                ruleset,
                description,
                due: parse_opt_date("wellbeing_goals.due", due)?,
                achieved,
                version,
            })
        })
        .collect()
}

/// The patient's option of the first of `kinds` that has one, recommended first and rejected
/// last: its id and name.
pub fn first_option_of_kinds(
    conn: &Connection,
    patient: PatientId,
    ruleset: &str,
    kinds: &[OptionKind],
) -> Result<Option<(i64, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name FROM options WHERE patient_id = ?1 AND ruleset = ?2 AND kind = ?3
         ORDER BY stance = 'recommended' DESC, stance = 'rejected', id LIMIT 1",
    )?;
    for kind in kinds {
        if let Some(found) = stmt
            .query_row(params![patient.0, ruleset, kind.as_str()], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()?
        {
            return Ok(Some(found));
        }
    }
    Ok(None)
}
