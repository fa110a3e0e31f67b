//! The overview's numbers: per condition, patients by status, unreviewed and newly flagged
//! assessments, overdue steps, and the next meeting, for everyone or for one care team.
//!
//! The counts come from `list_counts` (kept by triggers), so the overview costs a few hundred
//! rows whatever the number of patients.

use chrono::NaiveDate;
use rusqlite::params;

use super::sql_types::format_date;
use super::{Result, Store};

/// The overview's numbers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OverviewData {
    pub care_team: Option<String>,
    /// Per condition: patients by status rank (index 0 = not assessed), unreviewed flags, newly
    /// flagged (30 days), overdue way-forward steps or tasks.
    pub rows: Vec<OverviewRow>,
    /// The next meeting: its start (`YYYY-MM-DD HH:MM`), title and number of cases.
    pub next_meeting: Option<(String, String, usize)>,
}

/// One condition's line of the overview.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OverviewRow {
    pub ruleset: String,
    pub by_rank: [u64; 6],
    pub unreviewed: u64,
    pub new_flags: u64,
    pub overdue: u64,
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

    /// The overview for one care team (`None`: everyone) as of `today`.
    pub fn overview(&self, care_team: Option<String>, today: NaiveDate) -> Result<OverviewData> {
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
        rows.sort_by(|a, b| a.ruleset.cmp(&b.ruleset));
        let next_meeting = conn
            .prepare_cached(
                "SELECT substr(m.starts_at, 1, 16), m.title, (SELECT count(*) FROM meeting_cases c WHERE c.meeting_id = m.id)
                 FROM meetings m WHERE m.starts_at >= ?1 AND (?2 IS NULL OR m.team = ?2 OR m.team IS NULL)
                 ORDER BY m.starts_at LIMIT 1",
            )?
            .query_row(params![format_date(today), care_team], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, i64>(2)?.max(0) as usize))
            })
            .ok();
        Ok(OverviewData {
            care_team,
            rows,
            next_meeting,
        })
    }
}
