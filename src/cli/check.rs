//! `refract check`: is the file sound, which schema is it, do its references hold.

use std::io::Write;
use std::process::ExitCode;

use super::{CliError, stdout};
use crate::store::{SCHEMA_VERSION, Store};

pub fn run(store: &Store) -> Result<ExitCode, CliError> {
    let mut out = stdout();
    let mut healthy = true;

    let integrity = store.integrity_check()?;
    if integrity == ["ok"] {
        writeln!(out, "integrity: ok")?;
    } else {
        healthy = false;
        writeln!(out, "integrity: {} problem(s)", integrity.len())?;
        for line in integrity.iter().take(20) {
            writeln!(out, "  {line}")?;
        }
    }

    let version = store.schema_version()?;
    writeln!(
        out,
        "schema: version {version} (this build writes version {SCHEMA_VERSION})"
    )?;

    let violations = store.foreign_key_check()?;
    if violations.is_empty() {
        writeln!(out, "foreign keys: ok")?;
    } else {
        healthy = false;
        writeln!(out, "foreign keys: {} violation(s)", violations.len())?;
        for line in violations.iter().take(20) {
            writeln!(out, "  {line}")?;
        }
    }

    let patients: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM patients", [], |row| row.get(0))
        .map_err(crate::store::StoreError::from)?;
    writeln!(out, "patients: {patients}")?;
    out.flush()?;
    if healthy {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("refract: {} failed its checks", store.path().display());
        Ok(ExitCode::from(1))
    }
}
