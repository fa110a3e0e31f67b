//! Bulk Data pull bookkeeping: the finished pulls of each server (its export's transaction
//! time, when, and counts), read by `--since auto`, `refract check` and the dashboard header.
//! Only the server's address, times and counts are kept: never a token, key or client secret.

use rusqlite::{OptionalExtension, params};

use super::sql_types::{format_datetime, now_utc};
use super::{Result, Store};

/// A finished pull, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PullRecord {
    pub server: String,
    /// The server's `transactionTime` for the export (as the server wrote it).
    pub transaction_time: String,
    /// When refract finished it (UTC, `YYYY-MM-DD HH:MM:SS`).
    pub finished_at: String,
    /// The `_since` asked, if the pull was incremental.
    pub since: Option<String>,
    /// What it brought (files, resources, deleted, errors, and the import's counts).
    pub counts: serde_json::Value,
    /// Whether the server exported everything asked (no error files).
    pub complete: bool,
}

/// A finished pull to record: where from, what it asked and what it brought.
#[derive(Debug, Clone, Copy)]
pub struct FinishedPull<'a> {
    /// The source its resources are kept under (the server's URL).
    pub server: &'a str,
    /// The group of a group-level export; `None` for a system-level one.
    pub group: Option<&'a str>,
    /// The `_type` asked.
    pub types: &'a [String],
    pub transaction_time: &'a str,
    /// The `_since` asked.
    pub since: Option<&'a str>,
    pub counts: &'a serde_json::Value,
    /// Whether everything asked arrived and was imported (no error file, no refused file).
    pub complete: bool,
}

impl Store {
    /// Records a finished pull (audited: who pulled what from where, with no secret), and the
    /// checkpoints it sets: one per type asked, when the pull brought that type completely
    /// from a time no later than the type's previous checkpoint (or from the beginning). A
    /// pull from a later date leaves a gap before it, so it sets none.
    pub fn record_pull(&mut self, pull: &FinishedPull<'_>) -> Result<()> {
        let auditor = self.auditor();
        let scope = pull.group.unwrap_or("");
        let mut checkpoints = Vec::new();
        if pull.complete {
            for resource_type in pull.types {
                let continues = match pull.since {
                    None => true,
                    Some(since) => self
                        .checkpoint_of(pull.server, scope, resource_type)?
                        .is_some_and(|previous| not_later(since, &previous)),
                };
                if continues {
                    checkpoints.push(resource_type.as_str());
                }
            }
        }
        self.write(|tx| {
            let finished = format_datetime(now_utc());
            tx.execute(
                "INSERT INTO pulls (server, transaction_time, finished_at, since, counts, complete)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    pull.server,
                    pull.transaction_time,
                    finished,
                    pull.since,
                    pull.counts.to_string(),
                    pull.complete,
                ],
            )?;
            let id = tx.last_insert_rowid();
            for resource_type in &checkpoints {
                tx.execute(
                    "INSERT INTO pull_checkpoints
                       (pull_id, server, scope, resource_type, transaction_time)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![id, pull.server, scope, resource_type, pull.transaction_time],
                )?;
            }
            auditor.record(
                tx,
                super::audit::Change {
                    action: "pull.finish",
                    entity: "pulls",
                    entity_id: Some(id),
                    patient_id: None,
                },
                None::<&()>,
                Some(&serde_json::json!({
                    "server": pull.server,
                    "group": pull.group,
                    "types": pull.types,
                    "transaction_time": pull.transaction_time,
                    "since": pull.since,
                    "counts": pull.counts,
                    "complete": pull.complete,
                    "checkpoints": checkpoints,
                })),
            )?;
            Ok(())
        })
    }

    /// Where `--since auto` starts for `types` of `server` (system level, or the group
    /// `group`): the oldest of the types' checkpoints, `None` (everything) when one of them has
    /// none. A system-level pull is a checkpoint for every group too; a group's pull is none
    /// for the system or another group.
    pub fn since_for(
        &self,
        server: &str,
        group: Option<&str>,
        types: &[String],
    ) -> Result<Option<String>> {
        let scope = group.unwrap_or("");
        let mut oldest: Option<String> = None;
        for resource_type in types {
            let Some(checkpoint) = self.checkpoint_of(server, scope, resource_type)? else {
                return Ok(None);
            };
            if oldest
                .as_deref()
                .is_none_or(|so_far| !not_later(so_far, &checkpoint))
            {
                oldest = Some(checkpoint);
            }
        }
        Ok(oldest)
    }

    /// The transaction time of the first pull recorded from `server` (complete or not, of any
    /// types, before checkpoints were kept too): what the database holds of the server came at
    /// or after it, so a deletion the server made since then is one refract may need to apply.
    pub fn first_pull_time(&self, server: &str) -> Result<Option<String>> {
        self.conn
            .prepare_cached(
                "SELECT transaction_time FROM pulls WHERE server = ?1 ORDER BY id LIMIT 1",
            )?
            .query_row(params![server], |row| row.get(0))
            .optional()
            .map_err(Into::into)
    }

    /// The latest checkpoint of one type: the newest pull that set one for `scope` or for the
    /// whole server.
    fn checkpoint_of(
        &self,
        server: &str,
        scope: &str,
        resource_type: &str,
    ) -> Result<Option<String>> {
        self.conn
            .prepare_cached(
                "SELECT transaction_time FROM pull_checkpoints
                 WHERE server = ?1 AND resource_type = ?2 AND scope IN ('', ?3)
                 ORDER BY pull_id DESC LIMIT 1",
            )?
            .query_row(params![server, resource_type, scope], |row| row.get(0))
            .optional()
            .map_err(Into::into)
    }

    /// The sources resources have been imported or pulled under, first met first: a server
    /// named again in another spelling is looked up among them.
    pub fn sources_met(&self) -> Result<Vec<String>> {
        let mut sources: Vec<String> = Vec::new();
        for query in [
            "SELECT source FROM imports GROUP BY source ORDER BY MIN(id)",
            "SELECT server FROM pulls GROUP BY server ORDER BY MIN(id)",
            "SELECT DISTINCT source FROM fhir_resources",
        ] {
            let mut statement = self.conn.prepare_cached(query)?;
            for source in statement.query_map([], |row| row.get::<_, String>(0))? {
                let source = source?;
                if !sources.contains(&source) {
                    sources.push(source);
                }
            }
        }
        Ok(sources)
    }

    /// The last finished pull from any server, if any (the dashboard header, `refract check`).
    pub fn last_pull(&self) -> Result<Option<PullRecord>> {
        self.conn
            .prepare_cached(
                "SELECT server, transaction_time, finished_at, since, counts, complete FROM pulls
                 ORDER BY id DESC LIMIT 1",
            )?
            .query_row([], read_pull)
            .optional()
            .map_err(Into::into)
    }
}

fn read_pull(row: &rusqlite::Row<'_>) -> rusqlite::Result<PullRecord> {
    let counts: String = row.get(4)?;
    Ok(PullRecord {
        server: row.get(0)?,
        transaction_time: row.get(1)?,
        finished_at: row.get(2)?,
        since: row.get(3)?,
        counts: serde_json::from_str(&counts).unwrap_or(serde_json::Value::Null),
        complete: row.get(5)?,
    })
}

/// Whether the instant `earlier` is no later than `later` (FHIR instants, any offset); an
/// instant that does not read as one is taken as later, so that it sets no checkpoint.
fn not_later(earlier: &str, later: &str) -> bool {
    let read = |text: &str| chrono::DateTime::parse_from_rfc3339(text).ok();
    match (read(earlier), read(later)) {
        (Some(earlier), Some(later)) => earlier <= later,
        _ => earlier == later,
    }
}
