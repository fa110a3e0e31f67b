//! Sources kept by older versions in a spelling this one no longer writes: migration 29
//! rewrites a source kept with a user and password (see `sql/0029_sources_without_password.sql`).

use rusqlite::{Connection, params};

use super::Result;
use crate::domain::source_url::{has_userinfo, same_server, server_identity, without_userinfo};

/// The identifier systems made of a source: `PREFIX || source`.
pub(super) const SOURCE_SYSTEMS: [&str; 3] = [
    "urn:refract:patient-id:",
    "urn:refract:patient-replaced:",
    "urn:refract:unscoped:",
];

/// `PREFIX || source || '|' || Patient id` (see `import::server_key`).
pub(super) const SERVER_SYSTEM: &str = "urn:refract:patient-server:";

/// Migration 29: every source with a user and password, moved to its spelling without them
/// (or to the spelling of that server the file already holds without one).
pub(super) fn without_passwords(conn: &Connection) -> Result<()> {
    let sources = sources_met(conn)?;
    for old in sources.iter().filter(|source| has_userinfo(source)) {
        let identity = server_identity(old);
        let target = sources
            .iter()
            .filter(|source| !has_userinfo(source))
            .find(|source| identity.is_some() && server_identity(source) == identity)
            .cloned()
            .unwrap_or_else(|| without_userinfo(old));
        move_source(conn, old, &target)?;
    }
    // The server a Patient's bundle entry named, kept as `same_server` wrote it: with a
    // password when the bundle's URL had one.
    let servers: Vec<(String, String)> = conn
        .prepare(
            "SELECT system, value FROM patient_identifiers
             WHERE substr(system, 1, length(?1)) = ?1 AND instr(value, '@') > 0",
        )?
        .query_map([SERVER_SYSTEM], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (system, value) in servers {
        conn.execute(
            "UPDATE OR IGNORE patient_identifiers SET value = ?3 WHERE system = ?1 AND value = ?2",
            params![system, value, same_server(&value)],
        )?;
    }
    Ok(())
}

/// Every source the file names, in the order it first met them (imports, then pulls), then
/// those named only elsewhere.
fn sources_met(conn: &Connection) -> Result<Vec<String>> {
    let mut sources: Vec<String> = Vec::new();
    let mut add = |source: String| {
        if !sources.contains(&source) {
            sources.push(source);
        }
    };
    for query in [
        "SELECT source FROM imports GROUP BY source ORDER BY MIN(id)",
        "SELECT server FROM pulls GROUP BY server ORDER BY MIN(id)",
        "SELECT DISTINCT source FROM fhir_resources",
        "SELECT DISTINCT server FROM pull_checkpoints",
        "SELECT DISTINCT source FROM medication_ingredients",
    ] {
        for source in conn
            .prepare(query)?
            .query_map([], |row| row.get::<_, String>(0))?
        {
            add(source?);
        }
    }
    for table in ["patient_identifiers", "shared_identifiers"] {
        let systems: Vec<String> = conn
            .prepare(&format!(
                "SELECT DISTINCT system FROM {table} WHERE system LIKE 'urn:refract:%'"
            ))?
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for system in systems {
            if let Some(source) = SOURCE_SYSTEMS
                .iter()
                .find_map(|prefix| system.strip_prefix(prefix))
            {
                add(source.to_owned());
            } else if let Some((source, _)) = system
                .strip_prefix(SERVER_SYSTEM)
                .and_then(|rest| rest.rsplit_once('|'))
            {
                add(source.to_owned());
            }
        }
    }
    Ok(sources)
}

/// Re-keys everything kept under `old` to `new`.
fn move_source(conn: &Connection, old: &str, new: &str) -> Result<()> {
    // Their projection is rebuilt at the next import: a resource held under both may have
    // been the older copy.
    conn.execute(
        "INSERT OR IGNORE INTO import_dirty (patient_id)
         SELECT patient_id FROM patient_identifiers WHERE system IN (?1, ?2)",
        params![
            format!("{}{old}", SOURCE_SYSTEMS[0]),
            format!("{}{new}", SOURCE_SYSTEMS[0])
        ],
    )?;
    keep_newer_copies(conn, old, new)?;
    conn.execute(
        "UPDATE fhir_resources SET source = ?2 WHERE source = ?1",
        params![old, new],
    )?;
    // The ingredient index follows the Medications kept (as migration 19 built it).
    conn.execute(
        "DELETE FROM medication_ingredients WHERE source IN (?1, ?2)",
        params![old, new],
    )?;
    conn.execute(
        "INSERT OR IGNORE INTO medication_ingredients (source, ingredient, medication)
         SELECT m.source, json_extract(i.value, '$.refers'), m.id
         FROM fhir_resources m, json_each(m.body, '$.ingredients') i
         WHERE m.source = ?1 AND m.type = 'Medication' AND m.refers = '#ingredients'
           AND json_extract(i.value, '$.refers') IS NOT NULL",
        [new],
    )?;
    for statement in [
        "UPDATE imports SET source = ?2 WHERE source = ?1",
        "UPDATE pulls SET server = ?2 WHERE server = ?1",
        "UPDATE pull_checkpoints SET server = ?2 WHERE server = ?1",
    ] {
        conn.execute(statement, params![old, new])?;
    }
    // Removals are kept from migration 48 on; an older file's migration 29 moves sources too.
    let removals_kept = conn
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'removed_resources'")?
        .exists([])?;
    if removals_kept {
        // A removal kept under both spellings: the one under the new spelling holds.
        conn.execute(
            "UPDATE OR IGNORE removed_resources SET source = ?2 WHERE source = ?1",
            params![old, new],
        )?;
        conn.execute("DELETE FROM removed_resources WHERE source = ?1", [old])?;
    }
    for table in ["patient_identifiers", "shared_identifiers"] {
        for prefix in SOURCE_SYSTEMS {
            rename_systems(
                conn,
                table,
                &format!("{prefix}{old}"),
                &format!("{prefix}{new}"),
                false,
            )?;
        }
        rename_systems(
            conn,
            table,
            &format!("{SERVER_SYSTEM}{old}|"),
            &format!("{SERVER_SYSTEM}{new}|"),
            true,
        )?;
    }
    Ok(())
}

/// Renames identifier systems `old` (or, with `prefix`, starting with it) to `new`. Where the
/// new system already holds the value, its row stays and the old one goes: it names the
/// patient the spelling without a password already found.
fn rename_systems(
    conn: &Connection,
    table: &str,
    old: &str,
    new: &str,
    prefix: bool,
) -> Result<()> {
    let matches = if prefix {
        "substr(system, 1, length(?1)) = ?1"
    } else {
        "system = ?1"
    };
    conn.execute(
        &format!(
            "UPDATE OR IGNORE {table} SET system = ?2 || substr(system, length(?1) + 1)
             WHERE {matches}"
        ),
        params![old, new],
    )?;
    conn.execute(&format!("DELETE FROM {table} WHERE {matches}"), [old])?;
    Ok(())
}

/// Of a resource held under both spellings, drops the older copy: by `meta.lastUpdated` when
/// both say and differ, else the one an earlier import wrote.
fn keep_newer_copies(conn: &Connection, old: &str, new: &str) -> Result<()> {
    type Copy = (i64, Option<String>, i64);
    let pairs: Vec<(Copy, Copy)> = conn
        .prepare(
            "SELECT o.row, o.last_updated, o.import_id, n.row, n.last_updated, n.import_id
             FROM fhir_resources o
             JOIN fhir_resources n ON n.source = ?2 AND n.type = o.type AND n.id = o.id
             WHERE o.source = ?1",
        )?
        .query_map(params![old, new], |row| {
            Ok((
                (row.get(0)?, row.get(1)?, row.get(2)?),
                (row.get(3)?, row.get(4)?, row.get(5)?),
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let current_days_kept = conn
        .prepare("SELECT 1 FROM pragma_table_info('fhir_resources') WHERE name = 'current_until'")?
        .exists([])?;
    for ((old_row, old_updated, old_import), (new_row, new_updated, new_import)) in pairs {
        let old_is_newer = match (old_updated.as_deref(), new_updated.as_deref()) {
            (Some(old_time), Some(new_time)) if old_time != new_time => {
                super::imports::written_after(old_time, new_time)
            }
            _ => old_import > new_import,
        };
        let (kept, dropped) = if old_is_newer {
            (old_row, new_row)
        } else {
            (new_row, old_row)
        };
        // What the dropped copy said of the drug being current holds for the kept one (kept
        // from migration 47 on; an older file's migration 29 moves sources too).
        if current_days_kept {
            conn.execute(
                "UPDATE fhir_resources
             SET current_until = (SELECT current_until FROM fhir_resources WHERE row = ?2)
             WHERE row = ?1
               AND (SELECT current_until FROM fhir_resources WHERE row = ?2)
                   > coalesce(current_until, '')",
                [kept, dropped],
            )?;
        }
        conn.execute("DELETE FROM fhir_resources WHERE row = ?1", [dropped])?;
    }
    Ok(())
}
