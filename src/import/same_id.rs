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
//! - *identifiers*: none in common (refract's own systems aside: the Patient ids and servers
//!   it keeps; with `--same-system` groups as one system). An identifier the record says it no
//!   longer goes by (`use` `old`: the number before the source re-numbered the patient)
//!   counts as in common; a record with no identifier has none in common;
//! - *name*: no name of the record (every `Patient.name`, maiden and old ones too) is one the
//!   stored patient's records held, family and given names alike (a changed family name, a
//!   marriage, is allowed only where the given name, birth date and sex agree: then nothing
//!   contradicts them anyway; a maiden name the record keeps is one of its names). Where
//!   either side has no name, the name decides nothing: then only records that both carry
//!   identifiers, none in common, are judged, on sex and birth date alone;
//! - *demographics*: the sex differs (neither `unknown`) or the birth dates cannot be one day
//!   (a year or a month given alone is any day of it). A name in common keeps one of them
//!   corrected an update; both differing is another person whatever the name.
//!
//! One count decides alone: another number in a record-number system both are known by (the
//! stored patient's MRN system, or the record's), with no number there in common (its `old`
//! ones and the stored patient's retired ones count), is another person whatever their birth
//! date, unless the name, the sex and the birth date all agree (the source re-numbered the
//! patient: README, *Whose name and number are shown*). A person has one number in a
//! hospital's system; two people of one hospital born the same day are common.
//!
//! Anything else in common keeps it an update: a new address or a corrected name, an MRN
//! added, a re-numbering that keeps the old number (`use` `old`), a corrected birth date or
//! sex under the same name or MRN. A record linked (`Patient.link`) to the stored patient, by
//! one of their Patient ids or one of their identifiers, is the source's word that it is them
//! (a merge keeps the old details by design): not judged. A link to anyone else says nothing of
//! whether it is the stored one.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate};

use super::{FilePatient, FirstRead, ImportOptions, PendingPatient, ledger, source_of};
use crate::domain::history::folded;
use crate::domain::{DatePrecision, Patient, Sex};
use crate::store::imports::{IdentityLookup, PatientMatch, differing_in};
use crate::store::{Store, StoreError};

/// The prefix of the systems refract keeps a source's Patient ids, servers and merged records
/// under: no hospital's word on who the person is.
const REFRACT_PATIENT_SYSTEMS: &str = "urn:refract:patient-";

/// The prefix of the systems refract keeps the server a source's Patient id came from under.
const SERVER_SYSTEMS: &str = "urn:refract:patient-server:";

/// A Patient of the file that is another person than the patient its id names.
pub(super) struct AnotherPerson {
    /// Where in the file.
    pub at: String,
    /// Its resource id.
    pub id: String,
    /// One line naming both records and what tells them apart.
    pub why: String,
}

/// What one side of the comparison says of the person.
struct Record<'a> {
    who: &'a Patient,
    /// The identifiers it is matched on.
    keys: &'a [(String, String)],
    /// The identifiers it no longer goes by (`use` `old`).
    former: &'a [(String, String)],
    /// Every name it holds, (family, given).
    names: &'a [(String, String)],
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
        let by_id = [(id_system.clone(), id.to_owned())];
        let (theirs, their_keys, their_names, stored) =
            match store.match_patient(&by_id, equivalent)? {
                PatientMatch::Existing(stored) => {
                    if store.merged_away(&source, stored, Some(id))? {
                        continue;
                    }
                    (
                        store.patient(stored)?,
                        store.identifiers_of_patient(stored)?,
                        store.names_of_patient(stored)?,
                        "the stored patient",
                    )
                }
                PatientMatch::New | PatientMatch::Ambiguous(..) => {
                    let Some(body) = store.staged_patient(&source, id)? else {
                        continue;
                    };
                    let Ok(staged) = serde_json::from_str::<PendingPatient>(&body) else {
                        continue;
                    };
                    let mut names = staged.facts.names.clone();
                    names.push((
                        staged.patient.family_name.clone(),
                        staged.patient.given_name.clone(),
                    ));
                    (
                        staged.patient,
                        staged.keys,
                        names,
                        "the patient of an earlier file",
                    )
                }
            };
        if links_to(patient, &their_keys, equivalent) || another_server(patient, &their_keys) {
            continue;
        }
        let Some(differences) = contradicted(
            &Record {
                who: &patient.who,
                keys: &patient.keys,
                former: &patient.former_keys,
                names: &patient.names,
            },
            &Record {
                who: &theirs,
                keys: &their_keys,
                former: &[],
                names: &their_names,
            },
            equivalent,
        ) else {
            continue;
        };
        found.push(AnotherPerson {
            at: patient.at.clone(),
            id: id.to_owned(),
            // What tells them apart first: a long warning is cut in its middle.
            why: format!(
                "Patient/{id} is not {stored} under that id (no identifier in common, another \
                 {differences}): {} against {}",
                described(&patient.who),
                described(&theirs)
            ),
        });
    }
    Ok(found)
}

/// The origins (source, Patient id) the file's Patients carry from a refract FHIR export (see
/// `fhir::ORIGIN_URL`) that name a stored patient the Patient plainly is not, by the same
/// counts as its own id (see the module). Source names are the team's words: another team's
/// unnamed local source, or its "gp", is not this file's, and its Patient ids name other
/// people here. Such an origin is not used: the Patient is matched, and its records filed, as
/// they would be without it.
pub(super) fn distrusted_origins(
    store: &Store,
    first: &FirstRead,
    options: &ImportOptions,
) -> Result<HashSet<(String, String)>, StoreError> {
    let equivalent = &options.equivalent_systems;
    let mut distrusted = HashSet::new();
    for patient in &first.patients {
        for (source, id) in &patient.origins {
            let key = [(ledger::patient_id_system(source), id.clone())];
            let PatientMatch::Existing(stored) = store.match_patient(&key, equivalent)? else {
                continue;
            };
            let their_keys = store.identifiers_of_patient(stored)?;
            if links_to(patient, &their_keys, equivalent) {
                continue;
            }
            let theirs = store.patient(stored)?;
            let their_names = store.names_of_patient(stored)?;
            let differs = contradicted(
                &Record {
                    who: &patient.who,
                    keys: &patient.keys,
                    former: &patient.former_keys,
                    names: &patient.names,
                },
                &Record {
                    who: &theirs,
                    keys: &their_keys,
                    former: &[],
                    names: &their_names,
                },
                equivalent,
            );
            if differs.is_some() {
                distrusted.insert((source.clone(), id.clone()));
            }
        }
    }
    Ok(distrusted)
}

/// Whether the record's links (`Patient.link`) name the stored patient: by one of the Patient
/// ids they are known by, or by one of their identifiers.
fn links_to(
    patient: &FilePatient,
    their_keys: &[(String, String)],
    equivalent: &[Vec<String>],
) -> bool {
    let by_id = patient.linked.iter().any(|key| their_keys.contains(key));
    let by_identifier = patient.by_identifier.iter().any(|(system, value)| {
        their_keys.iter().any(|(their_system, known)| {
            known == value
                && system
                    .as_deref()
                    .is_none_or(|system| one_system(system, their_system, equivalent))
        })
    });
    by_id || by_identifier
}

/// Whether the record's bundle names another server than the stored patient's under its id:
/// the whole file is then refused, naming both servers (`import::identity_problem`), which
/// says more than a refusal of the one Patient.
fn another_server(patient: &FilePatient, their_keys: &[(String, String)]) -> bool {
    patient
        .keys
        .iter()
        .filter(|(system, _)| system.starts_with(SERVER_SYSTEMS))
        .any(|(system, mine)| {
            their_keys
                .iter()
                .any(|(their_system, theirs)| their_system == system && theirs != mine)
        })
}

fn one_system(a: &str, b: &str, equivalent: &[Vec<String>]) -> bool {
    a == b
        || equivalent
            .iter()
            .any(|group| group.iter().any(|s| s == a) && group.iter().any(|s| s == b))
}

/// What tells the two apart ("name, sex and birth date"), when the record contradicts the
/// stored one on every count (see the module); `None` when anything leaves them one person.
fn contradicted(
    mine: &Record<'_>,
    theirs: &Record<'_>,
    equivalent: &[Vec<String>],
) -> Option<String> {
    let hospital = |record: &Record<'_>| -> Vec<(String, String)> {
        record
            .keys
            .iter()
            .chain(record.former)
            .filter(|(system, _)| !system.starts_with(REFRACT_PATIENT_SYSTEMS))
            .cloned()
            .collect()
    };
    let (mine_known, theirs_known) = (hospital(mine), hospital(theirs));
    let shared = mine_known.iter().any(|(system, value)| {
        theirs_known
            .iter()
            .any(|(other, known)| known == value && one_system(system, other, equivalent))
    });
    if shared {
        return None;
    }
    let (me, them) = (mine.who, theirs.who);
    let sex = me.sex != them.sex && me.sex != Sex::Unknown && them.sex != Sex::Unknown;
    let birth = match (birth_days(me), birth_days(theirs.who)) {
        (Some((first, last)), Some((other_first, other_last))) => {
            last < other_first || other_last < first
        }
        _ => false,
    };
    // A person has one number in a hospital's record system: another one there, with none
    // the record retires (`use` `old`) nor one the stored patient was ever known by, is
    // another person whatever their birthday (review RV-B OB4), unless everything else says
    // it is them (their name, sex and birth date: the source re-numbered them).
    let renumbered = [&them.mrn_system, &me.mrn_system]
        .into_iter()
        .any(|system| differing_in(&mine_known, &theirs_known, system, equivalent).is_some());
    if renumbered {
        let name = names_agree(mine.names, theirs.names);
        if name == Some(true) && !sex && !birth {
            return None;
        }
        return listed(&[
            (true, "medical record number"),
            (name == Some(false), "name"),
            (sex, "sex"),
            (birth, "birth date"),
        ]);
    }
    if !sex && !birth {
        return None;
    }
    let both_identified = !mine_known.is_empty() && !theirs_known.is_empty();
    let name = match names_agree(mine.names, theirs.names) {
        // One corrected detail under the same name is an update; both is someone else.
        Some(true) if !(sex && birth) => return None,
        Some(true) => false,
        Some(false) => true,
        // No name to compare: only two sets of identifiers with none in common say enough.
        None if both_identified => false,
        None => return None,
    };
    listed(&[(name, "name"), (sex, "sex"), (birth, "birth date")])
}

/// "name, sex and birth date": the counts that differ; `None` when none does.
fn listed(counts: &[(bool, &str)]) -> Option<String> {
    let differences: Vec<&str> = counts
        .iter()
        .filter_map(|&(differs, what)| differs.then_some(what))
        .collect();
    Some(match differences.as_slice() {
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        [] => return None,
    })
}

/// Whether the two records share a name: a family and a given name both the same (letters and
/// digits, in any case, accents ignored; the first given name alone is enough). A family name
/// changed (a marriage) with the same given name is not the same name: it is allowed only
/// where the given name, the birth date and the sex agree, and then nothing contradicts the
/// stored patient anyway. `None` when either holds no name.
fn names_agree(mine: &[(String, String)], theirs: &[(String, String)]) -> Option<bool> {
    let folded_name = |(family, given): &(String, String)| {
        let first_given = given
            .split_whitespace()
            .next()
            .map(folded)
            .unwrap_or_default();
        (folded(family), folded(given), first_given)
    };
    let named = |names: &[(String, String)]| -> Vec<(String, String, String)> {
        names
            .iter()
            .map(folded_name)
            .filter(|(family, given, _)| !(family.is_empty() && given.is_empty()))
            .collect()
    };
    let (mine, theirs) = (named(mine), named(theirs));
    if mine.is_empty() || theirs.is_empty() {
        return None;
    }
    Some(mine.iter().any(|(family, given, first)| {
        theirs
            .iter()
            .any(|(their_family, their_given, their_first)| {
                family == their_family
                    && (given == their_given || (!first.is_empty() && first == their_first))
            })
    }))
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

/// "MRN B-77, Novak Pavel, male, born 1950-01-01": who a record is, for a person to tell two
/// apart.
fn described(patient: &Patient) -> String {
    let born = patient
        .birth_date_text()
        .map(|born| format!(", born {born}"))
        .unwrap_or_default();
    format!(
        "MRN {}, {} {}, {}{born}",
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

    /// A side: who, the identifiers, the names.
    type Side<'a> = (&'a Patient, &'a [(String, String)], &'a [(String, String)]);

    fn judged(mine: Side<'_>, theirs: Side<'_>, equivalent: &[Vec<String>]) -> Option<String> {
        contradicted(
            &Record {
                who: mine.0,
                keys: mine.1,
                former: &[],
                names: mine.2,
            },
            &Record {
                who: theirs.0,
                keys: theirs.1,
                former: &[],
                names: theirs.2,
            },
            equivalent,
        )
    }

    fn name(family: &str, given: &str) -> Vec<(String, String)> {
        vec![(family.to_owned(), given.to_owned())]
    }

    #[test]
    fn a_birth_year_alone_contradicts_only_a_day_outside_it() {
        let day = person(Sex::Female, "1985-04-12", DatePrecision::Day);
        let year = person(Sex::Female, "1985-01-01", DatePrecision::Year);
        let other_year = person(Sex::Female, "1986-01-01", DatePrecision::Year);
        let (a, b) = (vec![key("urn:a", "1")], vec![key("urn:b", "2")]);
        assert_eq!(judged((&year, &a, &[]), (&day, &b, &[]), &[]), None);
        assert_eq!(
            judged((&other_year, &a, &[]), (&day, &b, &[]), &[]).as_deref(),
            Some("birth date")
        );
    }

    #[test]
    fn one_identifier_in_common_or_none_to_compare_leaves_one_person() {
        let her = person(Sex::Female, "1985-04-12", DatePrecision::Day);
        let him = person(Sex::Male, "1950-01-01", DatePrecision::Day);
        let id = key("urn:refract:patient-id:", "12");
        let hers = vec![id.clone(), key("urn:a", "1")];
        let mine = [id.clone(), key("urn:a", "1")];
        assert_eq!(judged((&him, &mine, &[]), (&her, &hers, &[]), &[]), None);
        assert_eq!(
            judged(
                (&him, std::slice::from_ref(&id), &[]),
                (&her, &hers, &[]),
                &[]
            ),
            None
        );
        let declared = vec![vec![String::from("urn:a"), String::from("urn:b")]];
        let other_system = [id.clone(), key("urn:b", "1")];
        assert_eq!(
            judged((&him, &other_system, &[]), (&her, &hers, &[]), &declared),
            None
        );
        assert_eq!(
            judged((&him, &other_system, &[]), (&her, &hers, &[]), &[]).as_deref(),
            Some("sex and birth date")
        );
    }

    #[test]
    fn another_number_of_one_record_system_is_another_person_unless_all_else_agrees() {
        let mut him = person(Sex::Male, "1960-01-01", DatePrecision::Day);
        him.mrn_system = String::from("urn:hosp:mrn");
        let id = key("urn:refract:patient-id:", "1");
        let first = [id.clone(), key("urn:hosp:mrn", "OBX1")];
        let second = [id.clone(), key("urn:hosp:mrn", "OBX2")];
        let (ash, birch) = (name("Ash", "X"), name("Birch", "X"));
        assert_eq!(
            judged((&him, &second, &birch), (&him, &first, &ash), &[]).as_deref(),
            Some("medical record number and name")
        );
        assert_eq!(
            judged((&him, &second, &[]), (&him, &first, &ash), &[]).as_deref(),
            Some("medical record number")
        );
        // Re-numbered under the name; a new name under the number (a marriage).
        assert_eq!(
            judged((&him, &second, &ash), (&him, &first, &ash), &[]),
            None
        );
        assert_eq!(
            judged((&him, &first, &birch), (&him, &first, &ash), &[]),
            None
        );
        // The old number kept as `old`.
        let retired = [key("urn:hosp:mrn", "OBX1")];
        assert_eq!(
            contradicted(
                &Record {
                    who: &him,
                    keys: &second,
                    former: &retired,
                    names: &birch,
                },
                &Record {
                    who: &him,
                    keys: &first,
                    former: &[],
                    names: &ash,
                },
                &[],
            ),
            None
        );
        // Another system's number is no contradiction on its own.
        let elsewhere = [id.clone(), key("urn:other:mrn", "OBX2")];
        assert_eq!(
            judged((&him, &elsewhere, &birch), (&him, &first, &ash), &[]),
            None
        );
    }

    #[test]
    fn without_identifiers_a_name_and_a_birth_date_both_differing_is_another_person() {
        let her = person(Sex::Female, "1985-04-12", DatePrecision::Day);
        let him = person(Sex::Male, "1950-01-01", DatePrecision::Day);
        let her_corrected = person(Sex::Female, "1985-04-21", DatePrecision::Day);
        let id = [key("urn:refract:patient-id:", "12")];
        let hers = name("Horvat", "Ana");
        assert_eq!(
            judged(
                (&him, &id, &name("Novak", "Pavel")),
                (&her, &id, &hers),
                &[]
            )
            .as_deref(),
            Some("name, sex and birth date")
        );
        // A corrected birth date under her name, a corrected name with her birth date.
        assert_eq!(
            judged(
                (&her_corrected, &id, &name("horvát", "Ana Marija")),
                (&her, &id, &hers),
                &[]
            ),
            None
        );
        assert_eq!(
            judged((&her, &id, &name("Kovač", "Ana")), (&her, &id, &hers), &[]),
            None
        );
        // Married under another family name, with her birth date: nothing contradicts her. With
        // another birth date too: not her.
        assert_eq!(
            judged(
                (&her_corrected, &id, &name("Kovač", "Ana")),
                (&her, &id, &hers),
                &[]
            )
            .as_deref(),
            Some("name and birth date")
        );
        // No name to compare: says too little.
        assert_eq!(judged((&him, &id, &[]), (&her, &id, &hers), &[]), None);
    }
}
