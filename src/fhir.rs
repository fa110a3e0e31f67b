//! FHIR R4 interchange without the database: reading files as a stream of resources
//! ([`stream`]), mapping each resource to what refract keeps of it ([`map_resource`]), and
//! writing patients as a FHIR collection bundle ([`write_bundle`]). What is stored, matched and
//! merged is `crate::import`'s business.

mod carried;
mod date_words;
mod datetime;
pub mod devices;
mod dosage_text;
pub mod encounter;
mod export;
pub mod imaging;
mod last_seizure;
pub mod model;
mod parse;
mod product;
mod status_words;
pub mod stream;
mod ucum;
mod wire_out;
mod written_value;

pub use carried::{ImportedLine, LINE_URL, ORIGIN_URL, Origin, origins_of};
pub use datetime::parse_datetime;
pub use export::{LOCAL_CODES, STATUS_URL, TERMINATION_REASON_URL, write_bundle};
pub use parse::{
    CareTeamOf, DoseSpec, Heading, ImportedItems, ImportedPatient, ImportedResource, Item,
    LinkedIdentifier, Mapped, Mapping, MedicationMeta, MedicationRecord, Orders, ParsedFile,
    REPORT_WITHOUT_RESPONSE, RowSources, StatedReason, SubjectNamed, TEAM_WORK_SKIPPED, TeamSaid,
    UNREAD_WORDS, care_team_of, finish_medication, given_at_least_until, heading_of,
    is_summary_copy, map_resource, parse_file, record_of, reference_key, resolve_indications,
    resolve_indications_among, resolve_named_conditions, server_base, take_dosage_of_orders,
    take_reasons_of_orders,
};
pub use product::{Product, named_by};

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
