//! Numbered schema migrations, tracked with `PRAGMA user_version`.
//!
//! Hand-rolled rather than `rusqlite_migration`, which pins another libsqlite3-sys. Each
//! migration runs in the same immediate transaction as the version bump, so a crash leaves the
//! file at the old version or the new one, never between.

use rusqlite::{Connection, TransactionBehavior};

use super::{APPLICATION_ID, Result};

/// One step of the schema.
struct Migration {
    sql: &'static str,
    /// Whether it rebuilds a table others refer to (SQLite's "make a new table, copy, drop,
    /// rename"): foreign keys must be off for it, or dropping the old table would delete every
    /// row that refers to it.
    rebuilds_tables: bool,
    /// What SQL cannot do, run in Rust right after `sql`, in the same transaction.
    then: Option<fn(&Connection) -> Result<()>>,
}

/// The migrations in order; migration `n` (1-based) brings the file to version `n`.
const MIGRATIONS: &[Migration] = &[
    Migration {
        sql: include_str!("sql/0001_init.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0002_list_counts.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0003_import_identity.sql"),
        rebuilds_tables: true,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0004_audit_chain.sql"),
        rebuilds_tables: false,
        // The rows already there are hashed into the chain.
        then: Some(super::audit::seal_unchained),
    },
    Migration {
        sql: include_str!("sql/0005_versions.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0006_drug_records.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0007_death.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0008_pulls.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0009_search_indexes.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0010_criteria_met_since.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0011_search_family_by_id.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0012_undated_flags.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0013_file_id.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0014_search_keys.sql"),
        rebuilds_tables: false,
        then: Some(super::keys::fill_search_keys),
    },
    Migration {
        sql: include_str!("sql/0015_search_key_indexes.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0016_observation_comparator.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0017_drug_dates_start_unknown.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0018_identity_and_running_imports.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0019_medication_ingredients.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0020_drug_dates_dispensed.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0021_birth_precision.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0022_procedure_system.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0023_observation_since.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0024_observation_system.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0025_procedure_codings.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0026_condition_codings.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0027_pull_checkpoints.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0028_presentation_clock.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0029_sources_without_password.sql"),
        rebuilds_tables: false,
        then: Some(super::sources::without_passwords),
    },
    Migration {
        sql: include_str!("sql/0030_meeting_uid.sql"),
        rebuilds_tables: false,
        then: Some(super::native::derive_missing_meeting_uids),
    },
    Migration {
        sql: include_str!("sql/0031_condition_recorded.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0032_observation_utc_offset.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0033_procedure_and_drug_utc_offset.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0034_end_utc_offset.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0035_identifier_details.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0036_names_and_refused_ids.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0037_canonical_identifier_systems.sql"),
        rebuilds_tables: false,
        then: Some(super::systems::canonical_identifier_systems),
    },
    Migration {
        sql: include_str!("sql/0038_death_reports.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0039_drug_indications.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0040_date_precision.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0041_drug_said_stopped.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0042_period_start_precision.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0043_alive_reports.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0044_import_batches.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0045_recorded_date_precision.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0046_procedure_reasons_observation_focus.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0047_drug_current_until.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0048_removed_resources.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0049_kept_aside.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0050_disease_status_words.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0051_case_identity_as_discussed.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0052_identifier_record.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0053_drug_reactions.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0054_reaction_verification.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0055_drug_dose_from.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0059_observation_reference_range.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0060_claimed_patient_ids.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0061_resource_carried.sql"),
        rebuilds_tables: false,
        then: None,
    },
    Migration {
        sql: include_str!("sql/0062_death_month.sql"),
        rebuilds_tables: false,
        then: None,
    },
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the file up to [`SCHEMA_VERSION`]. Safe when two processes open a new file at once:
/// the version is re-read inside the write lock.
pub(super) fn migrate(conn: &mut Connection) -> Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if current >= SCHEMA_VERSION {
        return Ok(());
    }
    let rebuilds = MIGRATIONS
        .iter()
        .skip(current.max(0) as usize)
        .any(|migration| migration.rebuilds_tables);
    // The pragma is a no-op inside a transaction: set before it starts, restored after.
    if rebuilds {
        conn.pragma_update(None, "foreign_keys", false)?;
    }
    let result = run_pending(conn, rebuilds);
    if rebuilds {
        conn.pragma_update(None, "foreign_keys", true)?;
    }
    result
}

fn run_pending(conn: &mut Connection, rebuilds: bool) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(current.max(0) as usize) {
        tx.execute_batch(migration.sql)?;
        if let Some(then) = migration.then {
            then(&tx)?;
        }
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
    }
    if rebuilds {
        // With the checks off during the rebuild, make sure it left every reference whole
        // before committing (dropped on error: the file stays at its old version).
        let broken: i64 =
            tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |row| {
                row.get(0)
            })?;
        if broken > 0 {
            return Err(super::StoreError::Invalid(format!(
                "the schema upgrade would leave {broken} broken reference(s); the file was left \
                 at its old version"
            )));
        }
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file of the version before names were folded (13), with names as refract wrote them
    /// then (lower-cased) and one damaged: the upgrade writes every key folded.
    #[test]
    fn the_search_keys_migration_folds_the_names_already_stored() {
        let mut conn = Connection::open_in_memory().expect("in memory");
        {
            let tx = conn.transaction().expect("transaction");
            for migration in MIGRATIONS.iter().take(13) {
                tx.execute_batch(migration.sql).expect("migration");
                if let Some(then) = migration.then {
                    then(&tx).expect("the migration's own step");
                }
            }
            tx.pragma_update(None, "user_version", 13).expect("version");
            tx.execute_batch(
                "INSERT INTO patients (mrn, family_name, given_name, name_key, updated_at)
                 VALUES ('A', 'Müller', 'Émile', 'müller, émile', '2026-01-01'),
                        ('B', 'Øberg', 'Søren', 'øberg, søren', '2026-01-01'),
                        ('C', 'Jones', CAST(X'4AC3' AS TEXT), 'jones, j', '2026-01-01');",
            )
            .expect("patients");
            tx.commit().expect("commit");
        }
        migrate(&mut conn).expect("upgrade");
        let keys: Vec<(String, String)> = conn
            .prepare("SELECT name_key, given_key FROM patients ORDER BY mrn")
            .expect("query")
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .expect("rows")
            .collect::<std::result::Result<_, _>>()
            .expect("rows");
        assert_eq!(
            keys,
            [
                ("muller, emile".into(), "emile".into()),
                ("oberg, soren".into(), "soren".into()),
                // A damaged name does not stop the upgrade (`check` names it afterwards).
                ("jones, j\u{fffd}".into(), "j\u{fffd}".into())
            ]
        );
        let indexed: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'index'
                 AND name IN ('patients_name', 'patients_search_family', 'patients_search_given',
                              'patients_search_mrn')
                 AND sql NOT LIKE '%lower(given_name)%'",
                [],
                |row| row.get(0),
            )
            .expect("indexes");
        assert_eq!(indexed, 4);
    }

    /// A file imported by a refract that read no comparators: the upgrade moves the import
    /// epoch, so that its files are read again rather than skipped as already imported.
    #[test]
    fn the_comparator_migration_has_files_imported_before_read_again() {
        let mut conn = Connection::open_in_memory().expect("in memory");
        {
            let tx = conn.transaction().expect("transaction");
            for migration in MIGRATIONS.iter().take(15) {
                tx.execute_batch(migration.sql).expect("migration");
                if let Some(then) = migration.then {
                    then(&tx).expect("the migration's own step");
                }
            }
            tx.pragma_update(None, "user_version", 15).expect("version");
            tx.execute_batch("INSERT INTO meta (key, value) VALUES ('import_epoch', '3');")
                .expect("epoch");
            tx.commit().expect("commit");
        }
        migrate(&mut conn).expect("upgrade");
        let epoch: String = conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'import_epoch'",
                [],
                |row| row.get(0),
            )
            .expect("epoch");
        assert_eq!(epoch, "4");
    }

    /// A file of the version before death was kept (6) with two patients, one with a day of
    /// death: the upgrade marks that one deceased and keeps the list's counts per vital status.
    #[test]
    fn the_death_migration_reads_the_day_of_death_already_stored() {
        let mut conn = Connection::open_in_memory().expect("in memory");
        {
            let tx = conn.transaction().expect("transaction");
            for migration in MIGRATIONS.iter().take(6) {
                tx.execute_batch(migration.sql).expect("migration");
                if let Some(then) = migration.then {
                    then(&tx).expect("the migration's own step");
                }
            }
            tx.pragma_update(None, "user_version", 6).expect("version");
            tx.execute_batch(
                "INSERT INTO patients (mrn, name_key, updated_at, deceased_date, list_status)
                 VALUES ('A', 'a', '2026-01-01', NULL, 5), ('B', 'b', '2026-01-01', '1978-01-11', 4);",
            )
            .expect("patients");
            tx.commit().expect("commit");
        }
        migrate(&mut conn).expect("upgrade");
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .expect("version");
        assert_eq!(version, SCHEMA_VERSION);
        let deceased: Vec<(String, i64)> = conn
            .prepare("SELECT mrn, deceased FROM patients ORDER BY mrn")
            .expect("query")
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .expect("rows")
            .collect::<std::result::Result<_, _>>()
            .expect("rows");
        assert_eq!(deceased, [("A".into(), 0), ("B".into(), 1)]);
        let counts: Vec<(i64, i64, i64)> = conn
            .prepare("SELECT list_status, deceased, patients FROM list_counts ORDER BY 1")
            .expect("query")
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .expect("rows")
            .collect::<std::result::Result<_, _>>()
            .expect("rows");
        assert_eq!(counts, [(4, 1, 1), (5, 0, 1)]);
    }
}
