//! Numbered schema migrations, tracked with `PRAGMA user_version`.
//!
//! Hand-rolled rather than `rusqlite_migration`, which pins another libsqlite3-sys. Each
//! migration runs in the same immediate transaction as the version bump, so a crash leaves the
//! file at the old version or the new one, never between.

use rusqlite::{Connection, TransactionBehavior};

use super::{APPLICATION_ID, Result};

/// The migrations in order; migration `n` (1-based) brings the file to version `n`.
const MIGRATIONS: &[&str] = &[
    include_str!("sql/0001_init.sql"),
    include_str!("sql/0002_list_counts.sql"),
    AUDIT_CHAIN,
];

/// The migration that chains the audit log; the rows already there are hashed right after it,
/// in Rust, in the same transaction (found by its text, not its number, so the list can grow).
const AUDIT_CHAIN: &str = include_str!("sql/0004_audit_chain.sql");

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the file up to [`SCHEMA_VERSION`]. Safe when two processes open a new file at once:
/// the version is re-read inside the write lock.
pub(super) fn migrate(conn: &mut Connection) -> Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if current >= SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current.max(0) as usize) {
        tx.execute_batch(sql)?;
        if *sql == AUDIT_CHAIN {
            super::audit::seal_unchained(&tx)?;
        }
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.commit()?;
    Ok(())
}
