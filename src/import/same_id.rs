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

use super::{FilePatient, FirstRead, ImportOptions, PendingPatient, ledger, source_of};
use crate::domain::{Patient, PatientId};
use crate::store::imports::{IdentityLookup, PatientMatch};
use crate::store::{
    PersonRecord as Record, Store, StoreError, one_system, plainly_another,
    plainly_another_across_teams,
};

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
                    let (theirs, keys, names) = stored_record(store, stored)?;
                    (theirs, keys, names, "the stored patient")
                }
                PatientMatch::New | PatientMatch::Ambiguous(..) => {
                    let Some((theirs, keys, names)) = store
                        .staged_patient(&source, id)?
                        .as_deref()
                        .and_then(staged_record)
                    else {
                        continue;
                    };
                    (theirs, keys, names, "the patient of an earlier file")
                }
            };
        if links_to(patient, &their_keys, equivalent) || another_server(patient, &their_keys) {
            continue;
        }
        let Some(differences) = differs_from_stored(
            patient,
            &theirs,
            &their_keys,
            &their_names,
            Some(equivalent),
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

/// A Patient of the file whose id a stored patient holds only as a claim (see
/// [`weigh_claims`]), and what the weighing found.
pub(super) enum Claimed {
    /// The same person (or nothing says otherwise): the key is theirs.
    Confirmed { id: String },
    /// Another person: the claim is taken back and the Patient is a patient of its own.
    Another {
        at: String,
        id: String,
        claimant: Claimant,
        /// One line naming both records and what tells them apart.
        why: String,
    },
}

/// Who holds a claim.
pub(super) enum Claimant {
    Stored(PatientId),
    /// A Patient an earlier file of this run staged (review MV-5): its source and id.
    Staged(String, String),
}

/// The file's Patients whose id (in this file's source) a stored patient holds only because a
/// refract export carried it (a claim, review CL-1, see `Store::claim_patient_id`): each
/// weighed against the claimant by the rules a key shared across teams is weighed by (the
/// claim is another team's word: `plainly_another_across_teams`). A Patient of an id no one
/// holds any longer confirms nothing and leaves no claim behind.
pub(super) fn weigh_claims(
    store: &Store,
    first: &FirstRead,
    options: &ImportOptions,
) -> Result<Vec<Claimed>, StoreError> {
    let source = source_of(options);
    let id_system = ledger::patient_id_system(&source);
    let equivalent = &options.equivalent_systems;
    let mut weighed = Vec::new();
    for patient in &first.patients {
        let Some(id) = patient.id.as_deref() else {
            continue;
        };
        if !store.is_claimed(&source, id)? {
            continue;
        }
        let by_id = [(id_system.clone(), id.to_owned())];
        // The claimant stored, or staged by an earlier file of this run (review MV-5: the
        // order of the files of one run must not decide whether the claim is weighed).
        let (claimant, theirs, their_keys, their_names) =
            match store.match_patient(&by_id, equivalent)? {
                PatientMatch::Existing(claimant) => {
                    let (theirs, keys, names) = stored_record(store, claimant)?;
                    (Claimant::Stored(claimant), theirs, keys, names)
                }
                PatientMatch::New | PatientMatch::Ambiguous(..) => {
                    let Some((their_source, their_id, staged)) =
                        staged_holding(store, (&id_system, id), (&source, id))?
                    else {
                        weighed.push(Claimed::Confirmed { id: id.to_owned() });
                        continue;
                    };
                    let (theirs, their_keys, their_names) = staged;
                    (
                        Claimant::Staged(their_source, their_id),
                        theirs,
                        their_keys,
                        their_names,
                    )
                }
            };
        if links_to(patient, &their_keys, equivalent) {
            weighed.push(Claimed::Confirmed { id: id.to_owned() });
            continue;
        }
        let differs = differs_from_stored(patient, &theirs, &their_keys, &their_names, None);
        weighed.push(match differs {
            None => Claimed::Confirmed { id: id.to_owned() },
            Some(differences) => Claimed::Another {
                at: patient.at.clone(),
                id: id.to_owned(),
                claimant,
                why: format!(
                    "Patient/{id} is not the patient another team's refract export said it \
                     was (another {differences}): {} against {}",
                    described(&patient.who),
                    described(&theirs)
                ),
            },
        });
    }
    Ok(weighed)
}

/// What a patient is weighed by, stored or staged: who, their keys, every name they held.
type WeighedRecord = (Patient, Vec<(String, String)>, Vec<(String, String)>);

/// A stored patient's record, read as [`staged_record`] reads a staged one.
fn stored_record(store: &Store, id: PatientId) -> Result<WeighedRecord, StoreError> {
    Ok((
        store.patient(id)?,
        store.identifiers_of_patient(id)?,
        store.names_of_patient(id)?,
    ))
}

/// The record of a Patient an earlier file of the run staged, read as a stored one is.
fn staged_record(body: &str) -> Option<WeighedRecord> {
    let staged = serde_json::from_str::<PendingPatient>(body).ok()?;
    let mut names = staged.facts.names.clone();
    names.push((
        staged.patient.family_name.clone(),
        staged.patient.given_name.clone(),
    ));
    Some((staged.patient, staged.keys, names))
}

/// The staged Patient known by `key` other than `own` (see [`Store::staged_holding`]), with
/// its record.
fn staged_holding(
    store: &Store,
    key: (&str, &str),
    own: (&str, &str),
) -> Result<Option<(String, String, WeighedRecord)>, StoreError> {
    let Some((source, id, body)) = store.staged_holding(key, own)? else {
        return Ok(None);
    };
    Ok(staged_record(&body).map(|record| (source, id, record)))
}

/// The carried origins (source, Patient id) of the file's Patients, trusted (see
/// [`distrusted_origins`]), that no stored patient holds: claims, kept as such until the
/// source's own Patient of the id comes (see [`weigh_claims`]). The file's own Patient id is
/// no claim.
pub(super) fn new_claims(
    store: &Store,
    first: &FirstRead,
    options: &ImportOptions,
    distrusted: &HashSet<(String, String)>,
) -> Result<Vec<(String, String)>, StoreError> {
    let source = source_of(options);
    let mut claims = Vec::new();
    for patient in &first.patients {
        for origin in &patient.origins {
            let (claimed_source, id) = origin;
            if distrusted.contains(origin)
                || (*claimed_source == source && patient.id.as_ref() == Some(id))
                || claims.contains(origin)
            {
                continue;
            }
            let key = [(ledger::patient_id_system(claimed_source), id.clone())];
            // The source's own Patient of the id, staged by an earlier file of the run and
            // not plainly another (else the origin is distrusted), is the patient: no claim.
            if let PatientMatch::New = store.match_patient(&key, &options.equivalent_systems)?
                && store.staged_patient(claimed_source, id)?.is_none()
            {
                claims.push(origin.clone());
            }
        }
    }
    Ok(claims)
}

/// What plainly tells the file's Patient from a stored patient (their identifiers and names as
/// stored; the store keeps no former identifiers apart), if anything does (see the module).
/// `equivalent` is the team's declared systems; `None` weighs them as a key shared across teams
/// is (`plainly_another_across_teams`: names must agree where no hospital identifier is shared).
fn differs_from_stored(
    patient: &FilePatient,
    theirs: &Patient,
    their_keys: &[(String, String)],
    their_names: &[(String, String)],
    equivalent: Option<&[Vec<String>]>,
) -> Option<String> {
    let mine = Record {
        who: &patient.who,
        keys: &patient.keys,
        former: &patient.former_keys,
        names: &patient.names,
    };
    let stored = Record {
        who: theirs,
        keys: their_keys,
        former: &[],
        names: their_names,
    };
    match equivalent {
        Some(equivalent) => plainly_another(&mine, &stored, equivalent),
        None => plainly_another_across_teams(&mine, &stored),
    }
}

/// The origins (source, Patient id) the file's Patients carry from a refract FHIR export (see
/// `fhir::ORIGIN_URL`) that name a stored patient the Patient plainly is not. Source names
/// are the team's words: another team's unnamed local source, or its "gp", is not this
/// file's, and its Patient ids name other people here; the origin is that team's word, weighed
/// as a key shared across teams is (`plainly_another_across_teams`: names must agree where no
/// hospital identifier is shared; review CL-1). Such an origin is not used: the Patient is
/// matched, and its records filed, as they would be without it.
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
            // The stored patient, or the source's own Patient an earlier file of the run
            // staged (review MV-5).
            let (theirs, their_keys, their_names) = match store.match_patient(&key, equivalent)? {
                PatientMatch::Existing(stored) => stored_record(store, stored)?,
                PatientMatch::New | PatientMatch::Ambiguous(..) => {
                    let Some(record) = store
                        .staged_patient(source, id)?
                        .as_deref()
                        .and_then(staged_record)
                    else {
                        continue;
                    };
                    record
                }
            };
            if links_to(patient, &their_keys, equivalent) {
                continue;
            }
            // The origin is another team's word: weighed as a key shared across teams is,
            // as the source's own Patient arriving after the claim is (see `weigh_claims`).
            let differs = differs_from_stored(patient, &theirs, &their_keys, &their_names, None);
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
