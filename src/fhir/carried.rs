//! What refract's FHIR export says beyond what FHIR R4 and mCODE have elements for, so that a
//! file made from the export reads back as the same record; and how the import reads it. Each
//! choice keeps what another FHIR reader sees true, and puts what only refract keeps in
//! refract's own extensions (`https://refract.dev/fhir/…`), which other readers may ignore:
//!
//! - A drug known to have been given at least until a day, its end not recorded
//!   (`DatesKnown::EndUnknown`: a stopped order with no end date, monthly renewals of which
//!   the last is stopped): `effectivePeriod.start` with no end, and a status of `completed` or
//!   `stopped`, which says "no longer taken, since when not recorded"; the day goes in
//!   `given-at-least-until` (`valueDateTime`). Not `effectivePeriod.end`: a reader would take
//!   it for the day the drug stopped and count a course of that length, which the source never
//!   said. Not `dateAsserted` either: that is when the statement was made.
//! - The role a drug played (first-line bolus, anaesthetic infusion, maintenance, as needed):
//!   `drug-role` (`valueCode`, refract's machine names); FHIR has no element for it (a drug
//!   taken as needed also says so in `dosage.asNeededBoolean`).
//! - Cycles given: `cycles` (`valueInteger`). `dosage.timing.repeat.count` would need the
//!   cycle's length, which refract does not keep, and reads as cycles planned. Doses given one
//!   at a time are kept as one exposure a cycle, not dose by dose: each is one
//!   MedicationStatement over its cycle (with its route, `dosage.route`), never made-up
//!   MedicationAdministrations.
//! - A stop reason: `statusReason` (and the mCODE termination reason) with refract's own code
//!   first, then the SNOMED CT code `assets/stop_reasons.toml` reads back as the same reason;
//!   words nothing understood are written as they are, as text alone.

use chrono::NaiveDateTime;

use super::model::Extension;
use super::parse::parse_datetime;
use crate::domain::DrugRole;

/// The last day a drug whose end is not recorded is known to have been given.
pub const GIVEN_UNTIL_URL: &str =
    "https://refract.dev/fhir/StructureDefinition/given-at-least-until";
/// The role a drug played (`DrugRole`'s machine names).
pub const ROLE_URL: &str = "https://refract.dev/fhir/StructureDefinition/drug-role";
/// Cycles of a drug given.
pub const CYCLES_URL: &str = "https://refract.dev/fhir/StructureDefinition/cycles";
/// refract's stop reasons (`StopReason`'s machine names).
pub const STOP_REASON_CODES: &str = "https://refract.dev/fhir/CodeSystem/stop-reason";

fn find<'e>(extensions: &'e [Extension], url: &str) -> Option<&'e Extension> {
    extensions.iter().find(|e| e.url.as_deref() == Some(url))
}

/// The last day a drug whose end is not recorded is known to have been given, if refract
/// wrote it.
pub fn given_at_least_until(extensions: &[Extension]) -> Option<NaiveDateTime> {
    find(extensions, GIVEN_UNTIL_URL)
        .and_then(|e| e.value_date_time.as_deref())
        .and_then(|text| parse_datetime(text).ok())
}

/// The role refract wrote for a drug.
pub fn role(extensions: &[Extension]) -> Option<DrugRole> {
    find(extensions, ROLE_URL)
        .and_then(|e| e.value_code.as_deref())
        .and_then(|code| DrugRole::parse(code).ok())
}

/// The cycles refract wrote for a drug.
pub fn cycles(extensions: &[Extension]) -> Option<u32> {
    find(extensions, CYCLES_URL)
        .and_then(|e| e.value_integer)
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| *n > 0)
}
