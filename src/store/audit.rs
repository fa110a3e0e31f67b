//! The append-only, tamper-evident audit log: who changed what, when, with the row before and
//! after, each row chained to the one before it by a SHA-256 hash.
//!
//! Every change a person makes goes through [`AuditWriter::record`] inside the same
//! transaction as the change, so the log and the data can never disagree. Triggers in the
//! schema refuse any UPDATE or DELETE of the log, and any INSERT that is not a new last row
//! with its hash (REPLACE deletes without firing a DELETE trigger, so it needed its own).
//!
//! Triggers only stop honest mistakes and casual edits: whoever can write the file can drop
//! them. The chain is what makes a change visible afterwards. Each row's `hash` is SHA-256 over
//! the previous row's hash and every column of the row, so changing, removing or inserting a
//! row breaks the chain from that row on, and [`Store::verify_audit`] names the first broken
//! row. Someone who rewrites the log *and* recomputes every hash after it leaves a valid chain
//! with another head: that is caught only by comparing the head with a copy kept elsewhere
//! (`refract check` and the minutes print it for that).
//!
//! The hash, so that anyone can recompute it: SHA-256 of the bytes `refract audit v1\n`, the
//! previous row's hash as 64 lowercase hex digits (64 zeros before the first row), then each
//! column in the order of [`CHAINED_COLUMNS`]: NULL as the byte 0; an integer as 1 and 8 bytes
//! big-endian; text as 2, its length in bytes as 8 bytes big-endian, and its UTF-8 bytes (a
//! real as 3 and its 8 IEEE bytes, a blob as 4, length and bytes, though the table holds
//! neither). Stored as 64 lowercase hex digits.

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::sql_types::{format_datetime, now_utc};
use super::{Result, Store};
use crate::domain::PatientId;

/// The columns a row's hash covers, in order; with `hash`, every column of the table.
pub const CHAINED_COLUMNS: [&str; 10] = [
    "id",
    "at",
    "who",
    "os_user",
    "action",
    "entity",
    "entity_id",
    "patient_id",
    "before",
    "after",
];

/// What stands before the first row.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The triggers that keep the log append-only, as the migrations create them (compared with
/// runs of whitespace made one space). `refract check` wants exactly these on `audit_log`.
const TRIGGERS: [(&str, &str); 3] = [
    (
        "audit_log_no_update",
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log \
         BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    ),
    (
        "audit_log_no_delete",
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log \
         BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    ),
    (
        "audit_log_append_only",
        "CREATE TRIGGER audit_log_append_only BEFORE INSERT ON audit_log \
         WHEN NEW.id IS NULL OR NEW.hash IS NULL \
         OR NEW.id <= coalesce((SELECT max(id) FROM audit_log), 0) \
         BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    ),
];

/// Writes audit rows as one person, recording the OS account beside the name they gave.
#[derive(Debug, Clone)]
pub struct AuditWriter {
    who: String,
    os_user: String,
}

/// What one audit row describes.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    /// Dotted verb, e.g. `review.confirm`, `checklist.tick`.
    pub action: &'a str,
    /// The table changed.
    pub entity: &'a str,
    pub entity_id: Option<i64>,
    pub patient_id: Option<PatientId>,
}

/// One row as it is chained (everything but the id and the hash).
#[derive(Debug, Clone, Copy)]
pub(super) struct NewRow<'a> {
    pub at: &'a str,
    pub who: &'a str,
    pub os_user: Option<&'a str>,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<i64>,
    pub patient_id: Option<i64>,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

impl AuditWriter {
    /// A writer for `who` (the name a person gave, else their account), as the OS account
    /// running this process. The name is made safe to show; an empty one is the account.
    #[allow(clippy::needless_pass_by_value)] // the signature every caller already uses
    pub fn new(who: String) -> Self {
        let os_user = crate::account::os_account().to_owned();
        let clean = crate::text::sanitise_line(&who).trim().to_owned();
        AuditWriter {
            who: if clean.is_empty() {
                os_user.clone()
            } else {
                clean
            },
            os_user,
        }
    }

    pub fn who(&self) -> &str {
        &self.who
    }

    /// The OS account recorded beside [`AuditWriter::who`].
    pub fn os_user(&self) -> &str {
        &self.os_user
    }

    /// Appends one row; `before`/`after` are serialised as JSON (`None` for a creation or a
    /// deletion).
    pub fn record<B: Serialize, A: Serialize>(
        &self,
        conn: &Connection,
        change: Change<'_>,
        before: Option<&B>,
        after: Option<&A>,
    ) -> Result<i64> {
        self.record_at(conn, now_utc(), change, before, after)
    }

    /// Appends one row stamped `at` (for history written after the fact, such as the demo's).
    pub fn record_at<B: Serialize, A: Serialize>(
        &self,
        conn: &Connection,
        at: chrono::NaiveDateTime,
        change: Change<'_>,
        before: Option<&B>,
        after: Option<&A>,
    ) -> Result<i64> {
        let before = before.map(serde_json::to_string).transpose()?;
        let after = after.map(serde_json::to_string).transpose()?;
        append(
            conn,
            &NewRow {
                at: format_datetime(at).as_str(),
                who: &self.who,
                os_user: Some(&self.os_user),
                action: change.action,
                entity: change.entity,
                entity_id: change.entity_id,
                patient_id: change.patient_id.map(|p| p.0),
                before: before.as_deref(),
                after: after.as_deref(),
            },
        )
    }
}

/// Appends `row` after the last row, with the next id and its hash; returns the id.
pub(super) fn append(conn: &Connection, row: &NewRow<'_>) -> Result<i64> {
    let last: Option<(i64, Option<String>)> = conn
        .prepare_cached("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (last_id, previous) = last.unwrap_or((0, None));
    let id = last_id + 1;
    let cells = [
        ValueRef::Integer(id),
        ValueRef::Text(row.at.as_bytes()),
        ValueRef::Text(row.who.as_bytes()),
        row.os_user
            .map_or(ValueRef::Null, |u| ValueRef::Text(u.as_bytes())),
        ValueRef::Text(row.action.as_bytes()),
        ValueRef::Text(row.entity.as_bytes()),
        row.entity_id.map_or(ValueRef::Null, ValueRef::Integer),
        row.patient_id.map_or(ValueRef::Null, ValueRef::Integer),
        row.before
            .map_or(ValueRef::Null, |b| ValueRef::Text(b.as_bytes())),
        row.after
            .map_or(ValueRef::Null, |a| ValueRef::Text(a.as_bytes())),
    ];
    // A previous row without a hash is already a break `check` reports; the chain goes on
    // from the genesis value rather than stopping every change to the file.
    let hash = chain_hash(previous.as_deref().unwrap_or(GENESIS), &cells);
    conn.prepare_cached(
        "INSERT INTO audit_log
             (id, at, who, os_user, action, entity, entity_id, patient_id, before, after, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        id,
        row.at,
        row.who,
        row.os_user,
        row.action,
        row.entity,
        row.entity_id,
        row.patient_id,
        row.before,
        row.after,
        hash,
    ])?;
    Ok(id)
}

/// The hash of a row whose columns are `cells` (in [`CHAINED_COLUMNS`] order) after a row
/// whose hash is `previous`.
fn chain_hash(previous: &str, cells: &[ValueRef<'_>]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"refract audit v1\n");
    hasher.update(previous.as_bytes());
    for cell in cells {
        match cell {
            ValueRef::Null => hasher.update([0u8]),
            ValueRef::Integer(value) => {
                hasher.update([1u8]);
                hasher.update(value.to_be_bytes());
            }
            ValueRef::Text(bytes) => {
                hasher.update([2u8]);
                hasher.update((bytes.len() as u64).to_be_bytes());
                hasher.update(bytes);
            }
            ValueRef::Real(value) => {
                hasher.update([3u8]);
                hasher.update(value.to_be_bytes());
            }
            ValueRef::Blob(bytes) => {
                hasher.update([4u8]);
                hasher.update((bytes.len() as u64).to_be_bytes());
                hasher.update(bytes);
            }
        }
    }
    crate::digest::hex(&hasher.finalize())
}

/// Hashes the rows written before the log was chained, in the migration's transaction (SQLite
/// has no SHA-256 of its own). The UPDATE trigger is set aside for this and put back as it was.
/// Their OS account was never recorded and stays NULL.
pub(super) fn seal_unchained(conn: &Connection) -> Result<()> {
    let unsealed: i64 = conn.query_row(
        "SELECT count(*) FROM audit_log WHERE hash IS NULL",
        [],
        |row| row.get(0),
    )?;
    if unsealed == 0 {
        return Ok(());
    }
    let trigger: Option<String> = conn
        .query_row(
            "SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = 'audit_log_no_update'",
            [],
            |row| row.get(0),
        )
        .optional()?;
    if trigger.is_some() {
        conn.execute_batch("DROP TRIGGER audit_log_no_update")?;
    }
    let mut previous = String::from(GENESIS);
    {
        let mut read = conn.prepare(&format!(
            "SELECT {} FROM audit_log ORDER BY id",
            CHAINED_COLUMNS.join(", ")
        ))?;
        let mut write = conn.prepare("UPDATE audit_log SET hash = ?1 WHERE id = ?2")?;
        let mut rows = read.query([])?;
        while let Some(row) = rows.next()? {
            let cells = (0..CHAINED_COLUMNS.len())
                .map(|i| row.get_ref(i))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let hash = chain_hash(&previous, &cells);
            let id: i64 = row.get(0)?;
            write.execute(params![hash, id])?;
            previous = hash;
        }
    }
    if let Some(sql) = trigger {
        conn.execute_batch(&sql)?;
    }
    Ok(())
}

/// The last row of the log: what a team keeps elsewhere to notice a rewritten log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditHead {
    /// Rows in the log (the head's id, when nothing is missing).
    pub rows: i64,
    pub id: i64,
    pub hash: String,
}

impl std::fmt::Display for AuditHead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {} sha256:{}", self.id, self.hash)
    }
}

/// What [`Store::verify_audit`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditCheck {
    /// The last row as stored (`None` for an empty log).
    pub head: Option<AuditHead>,
    /// The first row where the chain does not hold, and why; `None` when it holds throughout.
    pub broken: Option<(i64, String)>,
    /// Triggers missing, changed or added, and a table of another shape; each one line.
    pub guards: Vec<String>,
}

impl AuditCheck {
    pub fn is_ok(&self) -> bool {
        self.broken.is_none() && self.guards.is_empty()
    }
}

fn normalise(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Store {
    /// The id of the audit log's last row (0 when empty): a mark to ask later whether a save
    /// wrote anything ([`Store::audited_since`]).
    pub fn audit_mark(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT coalesce(max(id), 0) FROM audit_log", [], |row| {
                row.get(0)
            })?)
    }

    /// Whether this connection's user wrote an audit row after `mark`: every change a save
    /// makes writes one, and a save of what is stored already (a colleague made the same
    /// change first) writes none.
    pub fn audited_since(&self, mark: i64) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM audit_log WHERE id > ?1 AND who = ?2)",
            rusqlite::params![mark, self.user],
            |row| row.get(0),
        )?)
    }

    /// The last row of the audit log and its hash.
    pub fn audit_head(&self) -> Result<Option<AuditHead>> {
        Ok(self
            .conn
            .query_row(
                "SELECT (SELECT count(*) FROM audit_log), id, coalesce(hash, '')
                 FROM audit_log ORDER BY id DESC LIMIT 1",
                [],
                |row| {
                    Ok(AuditHead {
                        rows: row.get(0)?,
                        id: row.get(1)?,
                        hash: row.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    /// Recomputes the whole chain and compares the triggers and the table with what the
    /// migrations made.
    pub fn verify_audit(&self) -> Result<AuditCheck> {
        let mut guards = Vec::new();
        // A column the hash does not cover would be a column anyone could change unseen.
        let columns: Vec<String> = self
            .conn
            .prepare("SELECT name FROM pragma_table_info('audit_log') ORDER BY name")?
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        let mut expected: Vec<&str> = CHAINED_COLUMNS.iter().copied().chain(["hash"]).collect();
        expected.sort_unstable();
        if columns != expected {
            guards.push(format!(
                "audit_log has the columns ({}), not ({})",
                columns.join(", "),
                expected.join(", ")
            ));
            return Ok(AuditCheck {
                head: None,
                broken: None,
                guards,
            });
        }
        let found: Vec<(String, String)> = self
            .conn
            .prepare(
                "SELECT name, sql FROM sqlite_schema
                 WHERE type = 'trigger' AND tbl_name = 'audit_log' ORDER BY name",
            )?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (name, sql) in TRIGGERS {
            match found.iter().find(|(found, _)| found == name) {
                None => guards.push(format!("trigger {name} is missing")),
                Some((_, stored)) if normalise(stored) != normalise(sql) => {
                    guards.push(format!("trigger {name} was changed"));
                }
                Some(_) => {}
            }
        }
        for (name, _) in &found {
            if !TRIGGERS.iter().any(|(known, _)| known == name) {
                guards.push(format!("trigger {name} on audit_log is not refract's"));
            }
        }

        let mut stmt = self.conn.prepare(&format!(
            "SELECT {}, hash FROM audit_log ORDER BY id",
            CHAINED_COLUMNS.join(", ")
        ))?;
        let mut rows = stmt.query([])?;
        let mut previous = String::from(GENESIS);
        let mut expected_id = 1;
        let mut broken = None;
        let mut head = None;
        let mut count = 0;
        while let Some(row) = rows.next()? {
            count += 1;
            let id: i64 = row.get(0)?;
            let stored: Option<String> = row.get(CHAINED_COLUMNS.len())?;
            if broken.is_none() {
                let cells = (0..CHAINED_COLUMNS.len())
                    .map(|i| row.get_ref(i))
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                let computed = chain_hash(&previous, &cells);
                broken = if id != expected_id {
                    Some((
                        id,
                        if id > expected_id {
                            format!("rows {expected_id} to {} are missing", id - 1)
                        } else {
                            format!("its id should be {expected_id}")
                        },
                    ))
                } else if stored.is_none() {
                    Some((id, String::from("it has no hash")))
                } else if stored.as_deref() != Some(computed.as_str()) {
                    Some((
                        id,
                        String::from(
                            "its hash does not match its contents and the row before it \
                             (changed, or written in place of another)",
                        ),
                    ))
                } else {
                    None
                };
            }
            previous = stored.clone().unwrap_or_default();
            expected_id = id + 1;
            head = Some((id, previous.clone()));
        }
        Ok(AuditCheck {
            head: head.map(|(id, hash)| AuditHead {
                rows: count,
                id,
                hash,
            }),
            broken,
            guards,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trigger_texts_are_the_ones_the_migrations_create() {
        let dir = tempfile::TempDir::new().unwrap();
        let store = Store::open(
            &dir.path().join("t.db"),
            super::super::OpenMode::CreateIfMissing,
            "t",
        )
        .unwrap();
        let check = store.verify_audit().unwrap();
        assert!(check.is_ok(), "{check:?}");
        assert_eq!(check.head, None);
    }

    #[test]
    fn the_hash_is_the_documented_one() {
        // Recomputed by hand from the description in the module's documentation.
        let cells = [
            ValueRef::Integer(1),
            ValueRef::Text(b"2026-01-02 03:04:05"),
            ValueRef::Null,
        ];
        let mut bytes = b"refract audit v1\n".to_vec();
        bytes.extend_from_slice(GENESIS.as_bytes());
        bytes.push(1);
        bytes.extend_from_slice(&1i64.to_be_bytes());
        bytes.push(2);
        bytes.extend_from_slice(&19u64.to_be_bytes());
        bytes.extend_from_slice(b"2026-01-02 03:04:05");
        bytes.push(0);
        let digest = Sha256::digest(&bytes);
        let hex = digest.iter().fold(String::new(), |mut hex, byte| {
            use std::fmt::Write as _;
            let _ = write!(hex, "{byte:02x}");
            hex
        });
        assert_eq!(chain_hash(GENESIS, &cells), hex);
        assert_eq!(hex.len(), 64);
    }

    #[test]
    fn a_name_is_made_safe_and_never_empty() {
        let writer = AuditWriter::new(String::from(" dr\u{1b}[2J.x\u{202e} "));
        assert_eq!(writer.who(), "dr[2J.x");
        let writer = AuditWriter::new(String::from("\u{200b}"));
        assert_eq!(writer.who(), crate::account::os_account());
        assert!(!writer.os_user().is_empty());
    }
}
