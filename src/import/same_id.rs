//! A Patient whose resource id is one a stored patient of the same source is known by (or one
//! an earlier file of the run staged), but who is plainly someone else: an ambiguous match,
//! refused, never an update.
//!
//! Resource ids are unique only within their server, and NDJSON names no server: two
//! hospitals' Bulk exports imported without `--source` can both hold a `Patient/12724066`
//! (numeric ids collide across tenants). Found through its id alone, such a Patient would take
//! over the stored person, their history and their reviews. refract's choice (README, *Who a
//! patient is*): a Patient found through its id is that patient unless the record contradicts
//! it on every count it can be checked on:
//!
//! - *identifiers*: both carry identifiers (refract's own systems aside: the Patient ids and
//!   servers it keeps) and none is the other's (with `--same-system` groups as one system);
//! - *demographics*: the sex differs (neither `unknown`) or the birth dates cannot be one day
//!   (a year or a month given alone is any day of it).
//!
//! Anything in common keeps it an update: a new address or a corrected name, an MRN added, a
//! re-identification that keeps an identifier or the sex and birth date, a corrected birth
//! date or sex under the same MRN. A record with no identifier, or no sex and birth date, says
//! too little to contradict anyone. A record that the source links to another
//! (`Patient.link`) is the source's word on who it is, and a record merged into the stored
//! patient keeps the old details by design: neither is judged here.

use chrono::{Datelike, NaiveDate};

use super::{FirstRead, ImportOptions, PendingPatient, ledger, source_of};
use crate::domain::{DatePrecision, Patient, Sex};
use crate::store::imports::{IdentityLookup, PatientMatch};
use crate::store::{Store, StoreError};

/// The prefix of the systems refract keeps a source's Patient ids, servers and merged records
/// under: no hospital's word on who the person is.
const REFRACT_PATIENT_SYSTEMS: &str = "urn:refract:patient-";

/// A Patient of the file that is another person than the patient its id names.
pub(super) struct AnotherPerson {
    /// Its resource id.
    pub id: String,
    /// One line naming both records.
    pub why: String,
}

/// Every Patient of the file that its id would merge into another person (see the module).
pub(super) fn others_under_stored_ids(
    store: &Store,
    first: &FirstRead,
    options: &ImportOptions,
) -> Result<Vec<AnotherPerson>, StoreError> {
    let source = source_of(options);
    let id_system = ledger::patient_id_system(&source);
    let equivalent = &options.equivalent_systems;
    let mut found = Vec::new();
    for patient in &first.patients {
        let Some(id) = patient.id.as_deref() else {
            continue;
        };
        if !patient.linked.is_empty() || !patient.by_identifier.is_empty() {
            continue;
        }
        let by_id = [(id_system.clone(), id.to_owned())];
        let (theirs, their_keys, stored) = match store.match_patient(&by_id, equivalent)? {
            PatientMatch::Existing(stored) => {
                if store.merged_away(&source, stored, Some(id))? {
                    continue;
                }
                (
                    store.patient(stored)?,
                    store.identifiers_of_patient(stored)?,
                    "a stored patient",
                )
            }
            PatientMatch::New | PatientMatch::Ambiguous(..) => {
                let Some(body) = store.staged_patient(&source, id)? else {
                    continue;
                };
                let Ok(staged) = serde_json::from_str::<PendingPatient>(&body) else {
                    continue;
                };
                (
                    staged.patient,
                    staged.keys,
                    "a patient an earlier file of this run holds",
                )
            }
        };
        let Some(differences) = contradicted(
            &patient.who,
            &patient.keys,
            &theirs,
            &their_keys,
            equivalent,
        ) else {
            continue;
        };
        found.push(AnotherPerson {
            id: id.to_owned(),
            why: format!(
                "{}: Patient/{id} ({}) has the id of {stored} of this source ({}), but they \
                 share no identifier and differ in {differences}: two systems' records under \
                 one id, or two people; refusing to merge them (import each system's files \
                 with its own --source NAME); nothing imported",
                patient.at,
                described(&patient.who),
                described(&theirs)
            ),
        });
    }
    Ok(found)
}

/// What tells the two apart ("sex and birth date"), when the record contradicts the stored
/// one on identifiers and demographics both; `None` when anything leaves them one person.
fn contradicted(
    mine: &Patient,
    my_keys: &[(String, String)],
    theirs: &Patient,
    their_keys: &[(String, String)],
    equivalent: &[Vec<String>],
) -> Option<&'static str> {
    let hospital = |keys: &'_ [(String, String)]| -> Vec<(String, String)> {
        keys.iter()
            .filter(|(system, _)| !system.starts_with(REFRACT_PATIENT_SYSTEMS))
            .cloned()
            .collect()
    };
    let (mine_known, theirs_known) = (hospital(my_keys), hospital(their_keys));
    if mine_known.is_empty() || theirs_known.is_empty() {
        return None;
    }
    let one_system = |a: &str, b: &str| {
        a == b
            || equivalent
                .iter()
                .any(|group| group.iter().any(|s| s == a) && group.iter().any(|s| s == b))
    };
    let shared = mine_known.iter().any(|(system, value)| {
        theirs_known
            .iter()
            .any(|(other, known)| known == value && one_system(system, other))
    });
    if shared {
        return None;
    }
    let sex = mine.sex != theirs.sex && mine.sex != Sex::Unknown && theirs.sex != Sex::Unknown;
    let birth = match (birth_days(mine), birth_days(theirs)) {
        (Some((first, last)), Some((other_first, other_last))) => {
            last < other_first || other_last < first
        }
        _ => false,
    };
    match (sex, birth) {
        (true, true) => Some("sex and birth date"),
        (true, false) => Some("sex"),
        (false, true) => Some("birth date"),
        (false, false) => None,
    }
}

/// The first and the last day a birth date may be: a year or a month given alone is any day of
/// it.
fn birth_days(patient: &Patient) -> Option<(NaiveDate, NaiveDate)> {
    let first = patient.birth_date?;
    let last = match patient.birth_precision {
        DatePrecision::Day => first,
        DatePrecision::Month => first
            .checked_add_months(chrono::Months::new(1))
            .and_then(|next| next.pred_opt())
            .unwrap_or(first),
        DatePrecision::Year => NaiveDate::from_ymd_opt(first.year(), 12, 31).unwrap_or(first),
    };
    Some((first, last))
}

/// "MRN B-77 (urn:oid:…), Novak Pavel, male, born 1950-01-01": who a record is, for a person
/// to tell two apart.
fn described(patient: &Patient) -> String {
    let system = if patient.mrn_system.is_empty() {
        String::new()
    } else {
        format!(" ({})", patient.mrn_system)
    };
    let born = patient
        .birth_date_text()
        .map(|born| format!(", born {born}"))
        .unwrap_or_default();
    format!(
        "MRN {}{system}, {} {}, {}{born}",
        patient.mrn,
        patient.family_name,
        patient.given_name,
        patient.sex.as_str()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(sex: Sex, born: &str, precision: DatePrecision) -> Patient {
        Patient {
            id: crate::domain::PatientId(1),
            mrn: String::new(),
            mrn_system: String::new(),
            family_name: String::new(),
            given_name: String::new(),
            birth_date: NaiveDate::parse_from_str(born, "%Y-%m-%d").ok(),
            birth_precision: precision,
            sex,
            deceased: false,
            deceased_date: None,
            care_team: None,
        }
    }

    fn key(system: &str, value: &str) -> (String, String) {
        (system.to_owned(), value.to_owned())
    }

    #[test]
    fn a_birth_year_alone_contradicts_only_a_day_outside_it() {
        let day = person(Sex::Female, "1985-04-12", DatePrecision::Day);
        let year = person(Sex::Female, "1985-01-01", DatePrecision::Year);
        let other_year = person(Sex::Female, "1986-01-01", DatePrecision::Year);
        let (a, b) = (vec![key("urn:a", "1")], vec![key("urn:b", "2")]);
        assert_eq!(contradicted(&year, &a, &day, &b, &[]), None);
        assert_eq!(
            contradicted(&other_year, &a, &day, &b, &[]),
            Some("birth date")
        );
    }

    #[test]
    fn one_identifier_in_common_or_none_to_compare_leaves_one_person() {
        let her = person(Sex::Female, "1985-04-12", DatePrecision::Day);
        let him = person(Sex::Male, "1950-01-01", DatePrecision::Day);
        let id = key("urn:refract:patient-id:", "12");
        let hers = vec![id.clone(), key("urn:a", "1")];
        assert_eq!(
            contradicted(&him, &[id.clone(), key("urn:a", "1")], &her, &hers, &[]),
            None
        );
        assert_eq!(
            contradicted(&him, std::slice::from_ref(&id), &her, &hers, &[]),
            None
        );
        let declared = vec![vec![String::from("urn:a"), String::from("urn:b")]];
        assert_eq!(
            contradicted(
                &him,
                &[id.clone(), key("urn:b", "1")],
                &her,
                &hers,
                &declared
            ),
            None
        );
        assert_eq!(
            contradicted(&him, &[id, key("urn:b", "1")], &her, &hers, &[]),
            Some("sex and birth date")
        );
    }
}
