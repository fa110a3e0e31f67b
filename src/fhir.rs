//! FHIR R4 interchange: import of Bundles, single resources and NDJSON into the store, and
//! export as a FHIR collection bundle.
//!
//! Import reads each file completely (`parse`) before writing anything; a file is then written
//! in one transaction, so a bad file imports nothing and the other files go on. A file already
//! imported (same content hash) is skipped. A newer export of a patient replaces what was
//! imported for them and keeps everything the team wrote. Treatment lines are derived from the
//! drug exposures (FHIR has no line-of-therapy field).

mod export;
mod import;
pub mod model;
mod parse;

pub use export::{LINE_URL, LOCAL_CODES, STATUS_URL, TERMINATION_REASON_URL, write_bundle};
pub use import::{FileOutcome, FileReport, ImportReport, Progress, import_paths};
pub use parse::{ParsedFile, parse_datetime, parse_file};

/// A problem in a file: where (a JSON path such as `entry[12].resource`, or an NDJSON line)
/// and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", if path.is_empty() { String::new() } else { format!("{path}: ") })]
pub struct FhirError {
    pub path: String,
    pub message: String,
}

impl FhirError {
    pub fn at(path: &str, message: impl Into<String>) -> Self {
        FhirError {
            path: path.to_owned(),
            message: message.into(),
        }
    }
}
