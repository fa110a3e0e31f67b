//! Bulk loading a new file (the demo's generator): writing millions of rows without a journal,
//! without secondary indexes or list-count triggers while they are written, and joining a
//! second file's tables into the first.
//!
//! These operations are only safe on a file private to the process until it is renamed into
//! place: a crash means building again, never a damaged file someone uses.

use std::path::Path;

use rusqlite::params;

use super::{OpenMode, Result, Store, StoreError};

/// What [`Store::drop_secondary_indexes`] dropped, to build again once the rows are in.
#[derive(Debug, Default)]
pub struct DroppedSchema {
    indexes: Vec<String>,
    triggers: Vec<String>,
}

impl Store {
    /// Opens (creating) a file for bulk writing. The file is private to this run until renamed
    /// into place, so neither a journal nor durability per transaction buys anything. The
    /// writer produces consistent references by construction (tests run the foreign key check
    /// on its output), so checking each of millions of rows against its parent is skipped.
    pub fn open_for_bulk_load(path: &Path, who: &str) -> Result<Store> {
        let store = Store::open(path, OpenMode::CreateIfMissing, who)?;
        store.conn.execute_batch(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -65536;
             PRAGMA temp_store = MEMORY; PRAGMA foreign_keys = OFF; PRAGMA threads = 2;",
        )?;
        Ok(store)
    }

    /// Drops the indexes of the tables `of_table` selects, and the list-count triggers, which
    /// bulk inserts would otherwise maintain row by row (building an index once, sorted, is
    /// several times faster; the counts are summed once at the end).
    pub fn drop_secondary_indexes(&self, of_table: impl Fn(&str) -> bool) -> Result<DroppedSchema> {
        let mut stmt = self.conn.prepare(
            "SELECT name, sql, type, tbl_name FROM sqlite_schema
             WHERE (type = 'index' AND sql IS NOT NULL)
                OR (type = 'trigger' AND name LIKE 'list_counts_%')",
        )?;
        let found: Vec<(String, String, String, String)> = stmt
            .query_map([], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut dropped = DroppedSchema::default();
        for (name, sql, kind, table) in found {
            if kind == "trigger" {
                self.conn
                    .execute_batch(&format!("DROP TRIGGER \"{name}\""))?;
                dropped.triggers.push(sql);
            } else if of_table(&table) {
                self.conn.execute_batch(&format!("DROP INDEX \"{name}\""))?;
                dropped.indexes.push(sql);
            }
        }
        Ok(dropped)
    }

    /// Builds the indexes `dropped` names again.
    pub fn create_dropped_indexes(&mut self, dropped: &DroppedSchema) -> Result<()> {
        self.write(|tx| {
            for sql in &dropped.indexes {
                tx.execute_batch(sql)?;
            }
            Ok::<_, StoreError>(())
        })
    }

    /// Creates the triggers `dropped` names again and records `key = value` in `meta`, in one
    /// transaction: a file with the mark has its triggers.
    pub fn restore_triggers_and_mark(
        &mut self,
        dropped: &DroppedSchema,
        key: &str,
        value: &str,
    ) -> Result<()> {
        self.write(|tx| {
            for sql in &dropped.triggers {
                tx.execute_batch(sql)?;
            }
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                params![key, value],
            )?;
            Ok::<_, StoreError>(())
        })
    }

    /// Records under `key` the last row of the audit log as it is now, so that what is
    /// audited later can be told from what a bulk build wrote.
    pub fn mark_audit_head(&mut self, key: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value)
                 SELECT ?1, CAST(coalesce(max(id), 0) AS TEXT) FROM audit_log",
                [key],
            )?;
            Ok::<_, StoreError>(())
        })
    }

    /// How many audit rows come after row `id`.
    pub fn audit_rows_after(&self, id: i64) -> Result<u64> {
        let count: i64 = self.conn.query_row(
            "SELECT count(*) FROM audit_log WHERE id > ?1",
            [id],
            |row| row.get(0),
        )?;
        Ok(count.max(0) as u64)
    }

    /// Copies the patient rows, their counts and observations, with their indexes, from the
    /// file at `other` into the (empty) tables of this one.
    pub fn copy_patient_rows_from(&mut self, other: &Path) -> Result<()> {
        self.conn
            .execute("ATTACH DATABASE ?1 AS patient_rows", [attach_name(other)?])?;
        // SQLite transfers records and index entries as they are only for a plain `SELECT *`
        // into an empty table of the same shape with the same indexes, no triggers, and
        // foreign keys off; otherwise it silently inserts row by row (correct, several times
        // slower). The list-count triggers were dropped for that reason and come back after
        // the copy.
        let copied = self.write(|tx| {
            tx.execute_batch(
                "INSERT INTO main.patients SELECT * FROM patient_rows.patients;
                 INSERT INTO main.observations SELECT * FROM patient_rows.observations;
                 INSERT INTO main.list_counts SELECT * FROM patient_rows.list_counts;",
            )
            .map_err(StoreError::from)
        });
        let detached = self
            .conn
            .execute_batch("DETACH DATABASE patient_rows")
            .map_err(StoreError::from);
        copied?;
        detached?;
        Ok(())
    }

    /// Ends a bulk load: planner statistics, and the journal and checks of a file in use.
    pub fn finish_bulk_load(&self) -> Result<()> {
        // Sampled statistics are enough for the planner and take a fraction of a full ANALYZE.
        // The histogram table (stat4) is emptied: with it SQLite re-prepares a statement
        // whenever a bound value changes, which costs more than any plan it could improve here.
        self.conn.execute_batch(
            "PRAGMA analysis_limit = 2000; ANALYZE; DELETE FROM sqlite_stat4; PRAGMA journal_mode = WAL;
             PRAGMA foreign_keys = ON;",
        )?;
        Ok(())
    }
}

/// A file name as `ATTACH` takes it: SQLite reads the bytes of the value as the name, so a
/// blob passes any Unix path through unchanged.
#[cfg(unix)]
#[allow(clippy::unnecessary_wraps)] // the same signature as elsewhere, where it can fail
fn attach_name(path: &Path) -> Result<Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    Ok(path.as_os_str().as_bytes().to_vec())
}

/// Elsewhere a path must be Unicode to be named to SQLite unchanged.
#[cfg(not(unix))]
fn attach_name(path: &Path) -> Result<Vec<u8>> {
    path.to_str()
        .map(|name| name.as_bytes().to_vec())
        .ok_or_else(|| StoreError::Io {
            path: path.to_owned(),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the path is not valid Unicode",
            ),
        })
}
