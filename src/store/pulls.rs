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

impl Store {
    /// Records a finished pull (audited: who pulled what from where, with no secret).
    pub fn record_pull(
        &mut self,
        server: &str,
        transaction_time: &str,
        since: Option<&str>,
        counts: &serde_json::Value,
        complete: bool,
    ) -> Result<()> {
        let auditor = self.auditor();
        self.write(|tx| {
            let finished = format_datetime(now_utc());
            tx.execute(
                "INSERT INTO pulls (server, transaction_time, finished_at, since, counts, complete)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    server,
                    transaction_time,
                    finished,
                    since,
                    counts.to_string(),
                    complete
                ],
            )?;
            let id = tx.last_insert_rowid();
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
                    "server": server,
                    "transaction_time": transaction_time,
                    "since": since,
                    "counts": counts,
                    "complete": complete,
                })),
            )?;
            Ok(())
        })
    }

    /// The last complete pull from `server`, if any: where `--since auto` starts.
    pub fn last_complete_pull_from(&self, server: &str) -> Result<Option<PullRecord>> {
        self.conn
            .prepare_cached(
                "SELECT server, transaction_time, finished_at, since, counts, complete FROM pulls
                 WHERE server = ?1 AND complete ORDER BY id DESC LIMIT 1",
            )?
            .query_row([server], read_pull)
            .optional()
            .map_err(Into::into)
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
