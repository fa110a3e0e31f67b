//! The overview's numbers: per condition, patients by status, unreviewed and newly flagged
//! assessments, overdue steps, and the next meeting, for everyone or for one care team.
//!
//! The counts come from `list_counts` (kept by triggers), so the overview costs a few hundred
//! rows whatever the number of patients.
//!
//! Who has been waiting (issue 19): per condition, how long flags have met their criteria, how
//! many have waited more than N months without a specialist referral (way-forward step 1), and
//! the median time from criteria met to referral. They read the day each flag's criteria were
//! first met (`assessments.criteria_met_since`, searched by a pass after the assessment was
//! stored: the overview never evaluates, and says when some days are not known yet), over the
//! flags alone (a partial index), and the team's reviews and referrals, which are few. A dead patient carries no flag (the rules raise none for the
//! dead), so has no such day and is never counted.

use std::collections::{HashMap, HashSet};

use chrono::{Months, NaiveDate};
use rusqlite::params;
use rusqlite::types::Value;

use super::sql_types::{format_date, parse_date, parse_opt_date};
use super::{Result, Store};

/// How many months a flag may wait for a specialist referral before the overview counts it
/// (the dashboard's `--waiting-months`, `$REFRACT_WAITING_MONTHS`).
pub const DEFAULT_WAITING_MONTHS: u32 = 6;

/// A group of patients behind one of the overview's waiting numbers, for the patient list's
/// filter: flags of one condition with a day their criteria were met, not dismissed by the team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cohort {
    /// Every such flag ("met for").
    Met { ruleset: String },
    /// Met before `met_before` and no specialist referral recorded ("waiting").
    Waiting {
        ruleset: String,
        met_before: NaiveDate,
    },
    /// With a specialist referral dated on or after the day ("to referral").
    Referred { ruleset: String },
}

/// A flag the team dismissed: the latest review of it is a dismissal of this very evidence
/// (`ReviewState::of`: a review holds while the fingerprint is the one it judged).
const DISMISSED: &str = "EXISTS (SELECT 1 FROM reviews r
     WHERE r.id = (SELECT max(id) FROM reviews WHERE patient_id = a.patient_id AND ruleset = a.ruleset)
       AND r.decision = 'dismissed' AND r.fingerprint = a.fingerprint)";

impl Cohort {
    /// The condition's rule-set id.
    pub fn ruleset(&self) -> &str {
        match self {
            Cohort::Met { ruleset }
            | Cohort::Waiting { ruleset, .. }
            | Cohort::Referred { ruleset } => ruleset,
        }
    }

    /// The cohort in a few words, for the list's filter line.
    pub fn words(&self) -> String {
        match self {
            Cohort::Met { ruleset } => format!("met-criteria={ruleset}"),
            Cohort::Waiting {
                ruleset,
                met_before,
            } => format!("waiting={ruleset} (met before {met_before}, no referral)"),
            Cohort::Referred { ruleset } => format!("referred={ruleset}"),
        }
    }

    /// A term of the list's WHERE clause on `patients` and its parameters.
    pub(super) fn sql(&self) -> (String, Vec<Value>) {
        let mut params = vec![Value::Text(self.ruleset().to_owned())];
        let extra = match self {
            Cohort::Met { .. } => String::new(),
            Cohort::Waiting { met_before, .. } => {
                params.push(Value::Text(format_date(*met_before).into()));
                String::from(
                    " AND a.criteria_met_since < ? AND NOT EXISTS (SELECT 1 FROM referrals f
                       WHERE f.patient_id = a.patient_id AND f.ruleset = a.ruleset AND f.step = 1)",
                )
            }
            Cohort::Referred { .. } => String::from(
                " AND EXISTS (SELECT 1 FROM referrals f WHERE f.patient_id = a.patient_id
                   AND f.ruleset = a.ruleset AND f.step = 1 AND f.date >= a.criteria_met_since)",
            ),
        };
        (
            format!(
                "id IN (SELECT a.patient_id FROM assessments a
                 WHERE a.ruleset = ? AND a.criteria_met_since IS NOT NULL{extra}
                   AND NOT {DISMISSED})"
            ),
            params,
        )
    }
}

/// The next meeting as the overview names it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NextMeeting {
    /// `YYYY-MM-DD HH:MM`.
    pub when: String,
    pub title: String,
    pub cases: usize,
    /// Who is on its agenda, as masking cuts them out of the title.
    pub agenda: Vec<super::meetings::AgendaPatient>,
}

/// The overview's numbers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OverviewData {
    pub care_team: Option<String>,
    /// Per condition: patients by status rank (index 0 = not assessed), unreviewed flags, newly
    /// flagged (30 days), overdue way-forward steps or tasks.
    pub rows: Vec<OverviewRow>,
    /// The next meeting: its start (`YYYY-MM-DD HH:MM`), title and number of cases.
    pub next_meeting: Option<NextMeeting>,
    /// The months after which a flag without a specialist referral counts as waiting.
    pub waiting_months: u32,
    /// The day before which criteria met count as waiting (`waiting_months` before today).
    pub waiting_cutoff: Option<NaiveDate>,
    /// Every condition together (`ruleset` empty): the counts summed, the medians taken over
    /// all the flags, not as a median of medians.
    pub totals: OverviewRow,
}

/// What an overview was computed for: the question and the file's state.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CacheKey {
    care_team: Option<String>,
    today: NaiveDate,
    waiting_months: u32,
    data_version: i64,
    own_changes: u64,
}

/// The last overview computed, reused while the question and the file are the same.
#[derive(Debug, Clone)]
pub(super) struct Cached {
    key: CacheKey,
    data: OverviewData,
}

/// One condition's line of the overview.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OverviewRow {
    pub ruleset: String,
    pub by_rank: [u64; 6],
    pub unreviewed: u64,
    pub new_flags: u64,
    pub overdue: u64,
    /// Flags (not dismissed) with the day their criteria were first met.
    pub met: u64,
    /// The median number of days they have met them, up to today.
    pub met_for_days: Option<i64>,
    /// Of them, met for more than `waiting_months` with no specialist referral recorded.
    pub waiting: u64,
    /// Of them, referred to a specialist on or after that day.
    pub referred: u64,
    /// The median days from criteria met to the first such referral.
    pub to_referral_days: Option<i64>,
    /// Flags (not dismissed) whose day is not yet known: stored, the search for their day not
    /// run yet (see `assess::date_flags`). While there are any, the waiting figures above
    /// leave them out, so a screen says they are incomplete rather than show them as they are.
    pub undated: u64,
}

impl Store {
    /// The care teams that have patients, in name order.
    pub fn care_teams(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT care_team FROM list_counts WHERE care_team <> '' AND patients > 0 ORDER BY 1",
        )?;
        let teams = stmt.query_map([], |row| row.get(0))?;
        Ok(teams.collect::<rusqlite::Result<_>>()?)
    }

    /// The overview for one care team (`None`: everyone) as of `today`; flags met more than
    /// `waiting_months` ago without a specialist referral count as waiting.
    pub fn overview(
        &self,
        care_team: Option<String>,
        today: NaiveDate,
        waiting_months: u32,
    ) -> Result<OverviewData> {
        // At a million patients the waiting figures read every flag (half a second): the same
        // question on an unchanged file is answered from the last answer. The file is
        // unchanged while neither another connection (`data_version`) nor this one
        // (`total_changes`) has written to it.
        let key = CacheKey {
            care_team: care_team.clone(),
            today,
            waiting_months,
            data_version: self.data_version()?,
            own_changes: self.conn.total_changes(),
        };
        if let Some(cached) = self.overview_cache.borrow().as_ref()
            && cached.key == key
        {
            return Ok(cached.data.clone());
        }
        let data = self.compute_overview(care_team, today, waiting_months)?;
        *self.overview_cache.borrow_mut() = Some(Cached {
            key,
            data: data.clone(),
        });
        Ok(data)
    }

    fn compute_overview(
        &self,
        care_team: Option<String>,
        today: NaiveDate,
        waiting_months: u32,
    ) -> Result<OverviewData> {
        let conn = &self.conn;
        let mut rows: Vec<OverviewRow> = Vec::new();
        let mut stmt = conn.prepare_cached(
            "SELECT list_ruleset, list_status, sum(patients),
                    sum(CASE WHEN list_review = 0 THEN patients END),
                    sum(CASE WHEN list_wf_overdue = 1 THEN patients END)
             FROM list_counts
             -- The dead are no one's work: every number here opens the list, which hides them.
             WHERE (?1 IS NULL OR care_team = ?1) AND list_ruleset <> '' AND deceased = 0
             GROUP BY list_ruleset, list_status",
        )?;
        let mut result = stmt.query(params![care_team])?;
        while let Some(row) = result.next()? {
            let ruleset: String = row.get(0)?;
            let rank: i64 = row.get(1)?;
            let count: i64 = row.get(2)?;
            let unreviewed: Option<i64> = row.get(3)?;
            let overdue: Option<i64> = row.get(4)?;
            let index = if let Some(index) = rows.iter().position(|r| r.ruleset == ruleset) {
                index
            } else {
                rows.push(OverviewRow {
                    ruleset,
                    ..OverviewRow::default()
                });
                rows.len() - 1
            };
            let entry = &mut rows[index];
            if let Some(slot) = entry.by_rank.get_mut(rank.clamp(0, 5) as usize) {
                *slot += count.max(0) as u64;
            }
            entry.unreviewed += unreviewed.unwrap_or(0).max(0) as u64;
            entry.overdue += overdue.unwrap_or(0).max(0) as u64;
        }
        let since = format_date(today - chrono::Duration::days(30));
        // For everyone, the flagged index alone answers; a care team needs each patient's team.
        let mut stmt = if care_team.is_none() {
            conn.prepare_cached(
                "SELECT ruleset, count(*) FROM assessments
                 WHERE flagged_since >= ?1 AND flagged_since IS NOT NULL AND ?2 IS NULL
                 GROUP BY ruleset",
            )?
        } else {
            conn.prepare_cached(
                "SELECT a.ruleset, count(*) FROM patients p
                 JOIN assessments a ON a.patient_id = p.id
                 WHERE p.care_team = ?2 AND a.flagged_since >= ?1 GROUP BY a.ruleset",
            )?
        };
        let mut result = stmt.query(params![since, care_team])?;
        while let Some(row) = result.next()? {
            let ruleset: String = row.get(0)?;
            let count: i64 = row.get(1)?;
            if let Some(entry) = rows.iter_mut().find(|r| r.ruleset == ruleset) {
                entry.new_flags = count.max(0) as u64;
            }
        }
        let waiting_cutoff = today.checked_sub_months(Months::new(waiting_months));
        let (met_for_days, to_referral_days) =
            self.waiting(&mut rows, care_team.as_deref(), today, waiting_cutoff)?;
        let mut totals = OverviewRow {
            met_for_days,
            to_referral_days,
            ..OverviewRow::default()
        };
        for row in &rows {
            for (total, count) in totals.by_rank.iter_mut().zip(row.by_rank) {
                *total += count;
            }
            totals.unreviewed += row.unreviewed;
            totals.new_flags += row.new_flags;
            totals.overdue += row.overdue;
            totals.met += row.met;
            totals.waiting += row.waiting;
            totals.referred += row.referred;
            totals.undated += row.undated;
        }
        rows.sort_by(|a, b| a.ruleset.cmp(&b.ruleset));
        let next_meeting = conn
            .prepare_cached(
                "SELECT substr(m.starts_at, 1, 16), m.title, (SELECT count(*) FROM meeting_cases c WHERE c.meeting_id = m.id), m.id
                 FROM meetings m WHERE m.starts_at >= ?1 AND (?2 IS NULL OR m.team = ?2 OR m.team IS NULL)
                 ORDER BY m.starts_at LIMIT 1",
            )?
            .query_row(params![format_date(today), care_team], |row| {
                Ok((
                    NextMeeting {
                        when: row.get::<_, String>(0)?,
                        title: row.get::<_, String>(1)?,
                        cases: row.get::<_, i64>(2)?.max(0) as usize,
                        agenda: Vec::new(),
                    },
                    row.get::<_, i64>(3)?,
                ))
            })
            .ok();
        let next_meeting = match next_meeting {
            Some((mut next, id)) => {
                next.agenda = super::meetings::agenda_patients(conn, id)?;
                Some(next)
            }
            None => None,
        };
        Ok(OverviewData {
            care_team,
            rows,
            next_meeting,
            waiting_months,
            waiting_cutoff,
            totals,
        })
    }

    /// Fills each row's waiting numbers (see [`OverviewRow`]); returns the medians over every
    /// condition's flags together (met for, to referral).
    fn waiting(
        &self,
        rows: &mut Vec<OverviewRow>,
        care_team: Option<&str>,
        today: NaiveDate,
        cutoff: Option<NaiveDate>,
    ) -> Result<(Option<i64>, Option<i64>)> {
        let conn = &self.conn;
        // The team's own records are few beside the flags: read them whole, then walk the flags.
        let mut dismissed: HashSet<(i64, String)> = HashSet::new();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT DISTINCT a.patient_id, a.ruleset FROM reviews d
             JOIN assessments a ON a.patient_id = d.patient_id AND a.ruleset = d.ruleset
             WHERE d.decision = 'dismissed' AND {DISMISSED}"
        ))?;
        let mut result = stmt.query([])?;
        while let Some(row) = result.next()? {
            dismissed.insert((row.get(0)?, row.get(1)?));
        }
        // Step 1 referrals of each flag: whether any is recorded, and their days.
        let mut referrals: HashMap<(i64, String), Vec<NaiveDate>> = HashMap::new();
        let mut stmt =
            conn.prepare_cached("SELECT patient_id, ruleset, date FROM referrals WHERE step = 1")?;
        let mut result = stmt.query([])?;
        while let Some(row) = result.next()? {
            let day = parse_opt_date("referrals.date", row.get(2)?)?;
            referrals
                .entry((row.get(0)?, row.get(1)?))
                .or_default()
                .extend(day);
        }
        // The flags, by condition and day (the partial index `assessments_met_since`).
        let mut stmt = if care_team.is_none() {
            conn.prepare_cached(
                "SELECT patient_id, ruleset, criteria_met_since FROM assessments
                 WHERE criteria_met_since IS NOT NULL AND ?1 IS NULL
                 ORDER BY ruleset, criteria_met_since",
            )?
        } else {
            conn.prepare_cached(
                "SELECT a.patient_id, a.ruleset, a.criteria_met_since FROM assessments a
                 JOIN patients p ON p.id = a.patient_id
                 WHERE a.criteria_met_since IS NOT NULL AND p.care_team = ?1
                 ORDER BY a.ruleset, a.criteria_met_since",
            )?
        };
        let mut result = stmt.query(params![care_team])?;
        let mut met_for: HashMap<String, Vec<i64>> = HashMap::new();
        let mut to_referral: HashMap<String, Vec<i64>> = HashMap::new();
        let mut waiting: HashMap<String, u64> = HashMap::new();
        while let Some(row) = result.next()? {
            let key: (i64, String) = (row.get(0)?, row.get(1)?);
            if dismissed.contains(&key) {
                continue;
            }
            let since = parse_date("assessments.criteria_met_since", &row.get::<_, String>(2)?)?;
            met_for
                .entry(key.1.clone())
                .or_default()
                .push((today - since).num_days().max(0));
            match referrals.get(&key) {
                Some(days) => {
                    if let Some(first) = days.iter().filter(|day| **day >= since).min() {
                        to_referral
                            .entry(key.1.clone())
                            .or_default()
                            .push((*first - since).num_days());
                    }
                }
                None if cutoff.is_some_and(|cutoff| since < cutoff) => {
                    *waiting.entry(key.1.clone()).or_default() += 1;
                }
                None => {}
            }
        }
        // Flags whose day the dating pass has not searched yet (none once it has run: the
        // partial index is then empty).
        let mut stmt = if care_team.is_none() {
            conn.prepare_cached(
                "SELECT patient_id, ruleset FROM assessments INDEXED BY assessments_undated
                 WHERE criteria_met_since IS NULL AND status_rank >= 3 AND ?1 IS NULL",
            )?
        } else {
            conn.prepare_cached(
                "SELECT a.patient_id, a.ruleset FROM assessments a INDEXED BY assessments_undated
                 JOIN patients p ON p.id = a.patient_id
                 WHERE a.criteria_met_since IS NULL AND a.status_rank >= 3 AND p.care_team = ?1",
            )?
        };
        let mut result = stmt.query(params![care_team])?;
        let mut undated: HashMap<String, u64> = HashMap::new();
        while let Some(row) = result.next()? {
            let key: (i64, String) = (row.get(0)?, row.get(1)?);
            if !dismissed.contains(&key) {
                *undated.entry(key.1).or_default() += 1;
            }
        }
        // A condition flagged only beside another that heads its patients' rows still shows.
        for ruleset in met_for.keys().chain(undated.keys()) {
            if !rows.iter().any(|row| row.ruleset == *ruleset) {
                rows.push(OverviewRow {
                    ruleset: ruleset.clone(),
                    ..OverviewRow::default()
                });
            }
        }
        for row in rows.iter_mut() {
            if let Some(days) = met_for.get_mut(&row.ruleset) {
                row.met = days.len() as u64;
                row.met_for_days = median(days);
            }
            if let Some(days) = to_referral.get_mut(&row.ruleset) {
                row.referred = days.len() as u64;
                row.to_referral_days = median(days);
            }
            row.waiting = waiting.get(&row.ruleset).copied().unwrap_or(0);
            row.undated = undated.get(&row.ruleset).copied().unwrap_or(0);
        }
        let mut all_met_for: Vec<i64> = met_for.into_values().flatten().collect();
        let mut all_to_referral: Vec<i64> = to_referral.into_values().flatten().collect();
        Ok((median(&mut all_met_for), median(&mut all_to_referral)))
    }
}

/// The median of `days` (the mean of the two middle ones for an even count); `None` when empty.
fn median(days: &mut [i64]) -> Option<i64> {
    if days.is_empty() {
        return None;
    }
    days.sort_unstable();
    let middle = days.len() / 2;
    Some(if days.len().is_multiple_of(2) {
        i64::midpoint(days[middle - 1], days[middle])
    } else {
        days[middle]
    })
}
