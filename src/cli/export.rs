//! `refract export [--format fhir|json] [--out FILE] [MRN...]`: a FHIR R4 collection bundle, or
//! refract's own lossless JSON, of some patients or all of them, streamed one patient at a time.
//! A file written with `--out` is readable by its owner only (it holds health data), and
//! replaces an existing file only with `--force` (see `out_file`).

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use super::{CliError, stdout};
use crate::domain::PatientId;
use crate::fhir;
use crate::out_file;
use crate::store::{NATIVE_FORMAT, NATIVE_VERSION, Store, StoreError};

pub fn run(
    store: &Store,
    format: &str,
    out: Option<&Path>,
    force: bool,
    mrns: &[String],
) -> Result<ExitCode, CliError> {
    let mut ids: Vec<PatientId> = Vec::with_capacity(mrns.len());
    for mrn in mrns {
        let id = store.patient_id_by_mrn(mrn)?;
        // A patient named twice (the same MRN, or their MRN and their NHS number) is one
        // patient: written twice, a bundle would hold every resource twice (FHIR's bdl-7).
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if let Some(path) = out {
        out_file::write_private(path, force, |writer| write(store, format, &ids, writer))?;
    } else {
        let mut writer = stdout();
        write(store, format, &ids, &mut writer)?;
        writer.flush()?;
    }
    Ok(ExitCode::SUCCESS)
}

fn write(
    store: &Store,
    format: &str,
    ids: &[PatientId],
    mut out: &mut dyn Write,
) -> Result<(), CliError> {
    if format == "fhir" {
        fhir::write_bundle(store, ids, &mut out).map_err(|err| match err {
            StoreError::Write(err) => CliError::Output(err),
            other => CliError::Store(other),
        })?;
        return Ok(());
    }
    write_native(store, ids, &mut out)
}

/// The native document, streamed:
/// `{"format":…,"version":…,"patients":[…],"meetings":[…],"audit":[…],"resources":[…],…}`.
pub fn write_native(
    store: &Store,
    ids: &[PatientId],
    out: &mut impl Write,
) -> Result<(), CliError> {
    let all = if ids.is_empty() {
        store.patient_ids_by_mrn()?
    } else {
        ids.to_vec()
    };
    let meetings = store.meeting_ids(if ids.is_empty() { None } else { Some(ids) })?;
    // Whose numbers the document's own MRNs are (see `NativeDocument::file_id`).
    let file_id = serde_json::to_string(&store.meta("file_id")?.unwrap_or_default())
        .map_err(io::Error::from)?;
    write!(
        out,
        "{{\"format\":\"{NATIVE_FORMAT}\",\"version\":{NATIVE_VERSION},\"file_id\":{file_id},\"patients\":["
    )?;
    for (index, id) in all.iter().enumerate() {
        if index > 0 {
            out.write_all(b",")?;
        }
        let patient = store.native_patient(*id, &meetings)?;
        serde_json::to_writer(&mut *out, &patient).map_err(io::Error::from)?;
    }
    out.write_all(b"],\"meetings\":[")?;
    for (index, meeting) in meetings.iter().enumerate() {
        if index > 0 {
            out.write_all(b",")?;
        }
        let meeting = store.native_meeting(
            *meeting,
            if ids.is_empty() { None } else { Some(ids) },
            &all,
        )?;
        serde_json::to_writer(&mut *out, &meeting).map_err(io::Error::from)?;
    }
    out.write_all(b"],\"audit\":[")?;
    let mut first = true;
    // A failed write (a closed pipe among them) stops the rows and is reported as output.
    let mut failed: Option<io::Error> = None;
    let subset = if ids.is_empty() { None } else { Some(ids) };
    let read = store.native_audit(subset, &all, &meetings, |row| {
        let written = (if first { Ok(()) } else { out.write_all(b",") })
            .and_then(|()| serde_json::to_writer(&mut *out, &row).map_err(io::Error::from));
        first = false;
        written.map_err(|err| {
            failed = Some(err);
            StoreError::Invalid(String::from("output failed"))
        })
    });
    if let Some(err) = failed {
        return Err(CliError::Output(err));
    }
    read?;
    out.write_all(b"]")?;
    // The file's own history and identity beside its patients; a list with nothing in it is
    // left out, as a document of a refract that did not carry it had none.
    let file_rows = store.native_file_rows(subset, &all)?;
    for (key, rows) in file_rows.lists() {
        if rows.is_empty() {
            continue;
        }
        write!(out, ",\"{key}\":")?;
        serde_json::to_writer(&mut *out, rows).map_err(io::Error::from)?;
    }
    // The numbers given to records since joined away: a restore never gives them again (a
    // colleague's screen may still hold one). A value that is no number is no number given.
    if let Some(number) = store
        .meta("patients_removed_max")?
        .and_then(|value| value.trim().parse::<i64>().ok())
    {
        write!(out, ",\"patients_removed_max\":{number}")?;
    }
    out.write_all(b"}\n")?;
    Ok(())
}
