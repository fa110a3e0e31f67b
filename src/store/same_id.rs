//! What the importer reads to tell whether a Patient resource that carries a stored Patient id
//! of its source is that patient at all (see `import::same_id`): the identifiers the stored
//! patient is known by, and a Patient of the same source staged earlier in the run, waiting
//! to be created; and the Patient ids a source's records were refused under (kept, so that
//! later runs leave out what the source files under them until the user lifts the refusal).
//!
//! And the judgement itself ([`plainly_another`]): whether a record plainly is another person
//! than a stored patient a key of one team's source names, by the rules `import::same_id`
//! sets out. The FHIR import and the import of refract's own document both ask it, so that a
//! Patient id means the same in either.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use rusqlite::{Connection, OptionalExtension, params};

use super::imports::{ImportTx, differing_in};
use super::{Result, Store};
use crate::domain::history::folded;
use crate::domain::{DatePrecision, Patient, PatientId, Sex};

/// The prefix of the systems refract keeps a source's Patient ids, servers and merged records
/// under: no hospital's word on who the person is.
const REFRACT_PATIENT_SYSTEMS: &str = "urn:refract:patient-";

/// See [`Store::identifiers_of_patient`].
fn identifiers_of_patient(conn: &Connection, id: PatientId) -> Result<Vec<(String, String)>> {
    Ok(conn
        .prepare_cached(
            "SELECT system, value FROM patient_identifiers INDEXED BY patient_identifiers_patient
             WHERE patient_id = ?1 ORDER BY system, value",
        )?
        .query_map([id.0], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?)
}

/// See [`Store::names_of_patient`].
fn names_of_patient(conn: &Connection, id: PatientId) -> Result<Vec<(String, String)>> {
    let mut names: Vec<(String, String)> = conn
        .prepare_cached(
            "SELECT family_name, given_name FROM patient_names WHERE patient_id = ?1
             UNION SELECT family_name, given_name FROM patients WHERE id = ?1",
        )?
        .query_map([id.0], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    names.retain(|(family, given): &(String, String)| {
        !(family.trim().is_empty() && given.trim().is_empty())
    });
    Ok(names)
}

/// What a stored patient's record says of them, for [`plainly_another`]: who they are, the
/// identifiers they are known by, their names.
pub(super) struct StoredPerson {
    pub who: Patient,
    pub keys: Vec<(String, String)>,
    pub names: Vec<(String, String)>,
}

impl StoredPerson {
    pub(super) fn read(conn: &Connection, id: PatientId) -> Result<Self> {
        Ok(StoredPerson {
            who: super::read::read_patient(conn, id)?,
            keys: identifiers_of_patient(conn, id)?,
            names: names_of_patient(conn, id)?,
        })
    }

    pub(super) fn record(&self) -> PersonRecord<'_> {
        PersonRecord {
            who: &self.who,
            keys: &self.keys,
            former: &[],
            names: &self.names,
        }
    }
}

/// What one side of the comparison says of the person (see [`plainly_another`]).
pub struct PersonRecord<'a> {
    pub who: &'a Patient,
    /// The identifiers it is matched on.
    pub keys: &'a [(String, String)],
    /// The identifiers it no longer goes by (`use` `old`).
    pub former: &'a [(String, String)],
    /// Every name it holds, (family, given).
    pub names: &'a [(String, String)],
}

impl Store {
    /// Every (system, value) the patient is known by, refract's own systems included.
    pub fn identifiers_of_patient(&self, id: PatientId) -> Result<Vec<(String, String)>> {
        identifiers_of_patient(&self.conn, id)
    }

    /// The body kept for the Patient `id` of `source` that an import staged and has not created
    /// yet (the end of its run creates it), if any.
    pub fn staged_patient(&self, source: &str, id: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT body FROM fhir_resources WHERE source = ?1 AND type = 'Patient' AND id = ?2",
            )?
            .query_row(params![source, id], |row| row.get(0))
            .optional()?)
    }

    /// The Patient an import of this run staged (not created yet) that is known by the key
    /// (`system`, `value`), other than the Patient `own` of the key's own source: (its source,
    /// its id, its body). A claim of an earlier file of the run is held so (review MV-5).
    pub fn staged_holding(
        &self,
        (system, value): (&str, &str),
        own: (&str, &str),
    ) -> Result<Option<(String, String, String)>> {
        Ok(self
            .conn
            .prepare_cached(
                // Only the Patient rows, which are the staged ones (a stored patient keeps
                // none), by their partial index: never a scan of every resource (review RV-4).
                "SELECT r.source, r.id, r.body
                 FROM fhir_resources r INDEXED BY fhir_resources_new_patients,
                      json_each(r.body, '$.keys') k
                 WHERE r.type = 'Patient' AND NOT (r.source = ?3 AND r.id = ?4)
                   AND json_extract(k.value, '$[0]') = ?1 AND json_extract(k.value, '$[1]') = ?2
                 ORDER BY r.row LIMIT 1",
            )?
            .query_row(params![system, value, own.0, own.1], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })
            .optional()?)
    }

    /// Every name the patient's records held, (family, given), the current one included.
    pub fn names_of_patient(&self, id: PatientId) -> Result<Vec<(String, String)>> {
        names_of_patient(&self.conn, id)
    }

    /// The Patient ids of `source` refused as another person, each with why.
    pub fn refused_patient_ids(&self, source: &str) -> Result<HashMap<String, String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT patient_id, reason FROM refused_patient_ids WHERE source = ?1")?
            .query_map([source], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Every source's refused Patient ids (see [`Store::refused_patient_ids`]), the sources in
    /// name order, each source's ids in order.
    pub fn refusals_by_source(&self) -> Result<Vec<(String, Vec<String>)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT source, patient_id FROM refused_patient_ids ORDER BY source, patient_id",
        )?;
        let mut by_source: Vec<(String, Vec<String>)> = Vec::new();
        for row in stmt.query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })? {
            let (source, id) = row?;
            match by_source.last_mut() {
                Some((last, ids)) if *last == source => ids.push(id),
                _ => by_source.push((source, vec![id])),
            }
        }
        Ok(by_source)
    }

    /// Keeps that the Patient `id` of `source` was refused as another person, and why (the
    /// latest reason replaces an earlier one).
    pub fn refuse_patient_id(&self, source: &str, id: &str, reason: &str) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO refused_patient_ids (source, patient_id, reason, refused_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (source, patient_id) DO UPDATE SET reason = excluded.reason,
                     refused_at = excluded.refused_at",
            )?
            .execute(params![
                source,
                id,
                reason,
                String::from(super::sql_types::format_datetime(super::now_utc()))
            ])?;
        Ok(())
    }

    /// Forgets the refusal of the Patient `id` of `source` (`--lift-refusal`): what the source
    /// files under it is the stored patient's again. Whether there was one.
    /// A file imported before, whose resources under the id were left out, is read again
    /// rather than skipped.
    pub fn lift_patient_id_refusal(&self, source: &str, id: &str) -> Result<bool> {
        let lifted = self
            .conn
            .prepare_cached(
                "DELETE FROM refused_patient_ids WHERE source = ?1 AND patient_id = ?2",
            )?
            .execute(params![source, id])?
            > 0;
        if lifted {
            super::imports::bump_epoch(&self.conn)?;
        }
        Ok(lifted)
    }
}

/// The action of the audit row a claim taken back writes (see [`ImportTx::drop_claim`]).
pub const CLAIM_DROPPED_ACTION: &str = "import.patient.claim_dropped";

impl Store {
    /// Keeps that the Patient `id` of `source` is only claimed (a refract export carried it,
    /// review CL-1): it is weighed when the source's own Patient of that id arrives.
    pub fn claim_patient_id(&self, source: &str, id: &str) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO claimed_patient_ids (source, patient_id, claimed_at)
                 VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            )?
            .execute(params![
                source,
                id,
                String::from(super::sql_types::format_datetime(super::now_utc()))
            ])?;
        Ok(())
    }

    /// Whether the Patient `id` of `source` is only claimed (see [`Store::claim_patient_id`]).
    pub fn is_claimed(&self, source: &str, id: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT 1 FROM claimed_patient_ids WHERE source = ?1 AND patient_id = ?2",
            )?
            .exists(params![source, id])?)
    }

    /// The source's own Patient of the id is the patient who claimed it: the key is theirs.
    pub fn confirm_claim(&self, source: &str, id: &str) -> Result<()> {
        self.conn
            .prepare_cached(
                "DELETE FROM claimed_patient_ids WHERE source = ?1 AND patient_id = ?2",
            )?
            .execute(params![source, id])?;
        Ok(())
    }
}

impl ImportTx<'_> {
    /// Takes the claim of `claimant` to the Patient `id` of `source` back: the source's own
    /// Patient of that id is another person (`why`). The key leaves the claimant, so that the
    /// source's Patient is a patient of its own; the records the claim carried under the
    /// source's ids stay the claimant's, filed under another of their Patient ids (that
    /// source's, their id kept unless that source holds it already), so that the source's own
    /// records of those ids go to its own patient. Carried records are those a file of another
    /// source wrote under this source's ids (the import that last wrote them names its source;
    /// a record kept since review MV-6 says so itself, in a file a refract document moved it
    /// into too; one of a document that did not say is taken as carried);
    /// what the source itself sent under the id before its Patient came stays where it is, its
    /// Patient's (review RV-1). The other Patient id is one the claimant holds as their own,
    /// never another claim. Audited on the claimant. `false` when the claimant holds no other
    /// Patient id to file them under: nothing changed.
    pub fn drop_claim(
        &self,
        (source, id): (&str, &str),
        claimant: PatientId,
        why: &str,
    ) -> Result<bool> {
        let conn = self.conn();
        let system = super::imports::patient_id_system(source);
        let Some((other_system, subject)) = conn
            .prepare_cached(
                "SELECT system, value FROM patient_identifiers INDEXED BY patient_identifiers_patient
                 WHERE patient_id = ?1 AND system LIKE 'urn:refract:patient-id:%'
                   AND NOT (system = ?2 AND value = ?3) AND id_use IS NOT 'old'
                   AND NOT EXISTS (SELECT 1 FROM claimed_patient_ids c
                                   WHERE 'urn:refract:patient-id:' || c.source = system
                                     AND c.patient_id = value)
                 ORDER BY system, value LIMIT 1",
            )?
            .query_row(params![claimant.0, system, id], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })
            .optional()?
        else {
            return Ok(false);
        };
        let other = other_system
            .strip_prefix("urn:refract:patient-id:")
            .unwrap_or_default()
            .to_owned();
        let carried = refile_carried(conn, (source, id), (&other, &subject))?;
        conn.prepare_cached(
            "DELETE FROM patient_identifiers WHERE system = ?1 AND value = ?2 AND patient_id = ?3",
        )?
        .execute(params![system, id, claimant.0])?;
        conn.prepare_cached(
            "DELETE FROM claimed_patient_ids WHERE source = ?1 AND patient_id = ?2",
        )?
        .execute(params![source, id])?;
        // The claimant's file is not read again (no epoch bump): read again, its claim would
        // be judged against the source's patient and its records filed a second time.
        super::imports::mark_dirty(conn, claimant)?;
        self.auditor().record(
            conn,
            super::audit::Change {
                action: CLAIM_DROPPED_ACTION,
                entity: "patients",
                entity_id: Some(claimant.0),
                patient_id: Some(claimant),
            },
            Some(&serde_json::json!({"source": source, "patient_id": id})),
            Some(&serde_json::json!({
                "reason": why,
                "records": carried,
                "filed_under": {"source": other, "patient_id": subject},
            })),
        )?;
        Ok(true)
    }

    /// [`ImportTx::drop_claim`] for a claimant an earlier file of this run staged and the run
    /// has not created yet (review MV-5): the key leaves their staged record, and what their
    /// file carried under the source's ids is filed under their own Patient id (`staged`:
    /// their source and id). Audited with no patient (none is stored yet).
    pub fn drop_staged_claim(
        &self,
        (source, id): (&str, &str),
        staged: (&str, &str),
        why: &str,
    ) -> Result<()> {
        let conn = self.conn();
        let system = super::imports::patient_id_system(source);
        let carried = refile_carried(conn, (source, id), staged)?;
        conn.prepare_cached(
            "UPDATE fhir_resources
             SET body = json_set(body, '$.keys', json((
                 SELECT json_group_array(json(k.value)) FROM json_each(body, '$.keys') k
                 WHERE NOT (json_extract(k.value, '$[0]') = ?3
                            AND json_extract(k.value, '$[1]') = ?4))))
             WHERE source = ?1 AND type = 'Patient' AND id = ?2",
        )?
        .execute(params![staged.0, staged.1, system, id])?;
        conn.prepare_cached(
            "DELETE FROM claimed_patient_ids WHERE source = ?1 AND patient_id = ?2",
        )?
        .execute(params![source, id])?;
        self.auditor().record(
            conn,
            super::audit::Change {
                action: CLAIM_DROPPED_ACTION,
                entity: "patients",
                entity_id: None,
                patient_id: None,
            },
            Some(&serde_json::json!({"source": source, "patient_id": id})),
            Some(&serde_json::json!({
                "reason": why,
                "records": carried,
                "filed_under": {"source": staged.0, "patient_id": staged.1},
            })),
        )?;
        Ok(())
    }
}

/// Files the records carried under the claimed Patient `id` of `source` under the claimant's
/// Patient id `subject` of `other`: those another team's refract export carried (kept so since
/// reviews MV-5 and MV-6; a row kept before is carried when the import that last wrote it was
/// of another source, or is none of this file's, a refract document having moved it here).
/// How many.
fn refile_carried(
    conn: &rusqlite::Connection,
    (source, id): (&str, &str),
    (other, subject): (&str, &str),
) -> Result<usize> {
    let carried: Vec<(i64, String, String)> = conn
        .prepare_cached(
            "SELECT r.row, r.type, r.id FROM fhir_resources r
             LEFT JOIN imports i ON i.id = r.import_id
             WHERE r.source = ?1 AND r.subject = ?2 AND r.type <> 'Patient'
               AND coalesce(r.carried, i.source IS NOT ?1)
             ORDER BY r.row",
        )?
        .query_map(params![source, id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut taken = conn.prepare_cached(
        "SELECT 1 FROM fhir_resources WHERE source = ?1 AND type = ?2 AND id = ?3",
    )?;
    let mut refile = conn.prepare_cached(
        "UPDATE fhir_resources SET source = ?2, subject = ?3, id = ?4 WHERE row = ?1",
    )?;
    for (row, kind, resource_id) in &carried {
        // Another id of that source's own would be another record's: the claim's source
        // and id together are no id the other source gives.
        let mut kept_as = resource_id.clone();
        if taken.exists(params![other, kind, kept_as])? {
            kept_as = format!("{source}|{resource_id}");
        }
        refile.execute(params![row, other, subject, kept_as])?;
    }
    Ok(carried.len())
}

/// Whether two identifier systems are one (the same, or declared equivalent).
pub fn one_system(a: &str, b: &str, equivalent: &[Vec<String>]) -> bool {
    a == b
        || equivalent
            .iter()
            .any(|group| group.iter().any(|s| s == a) && group.iter().any(|s| s == b))
}

/// What tells the two apart ("name, sex and birth date"), when the record contradicts the
/// stored one on every count (see `import::same_id`, README *Who a patient is*); `None` when
/// anything leaves them one person. One judgement for every place a key that names a person
/// only within one team's source finds a stored patient: a FHIR Patient's own id, an origin
/// a refract export carries, a refract document's keys.
pub fn plainly_another(
    mine: &PersonRecord<'_>,
    theirs: &PersonRecord<'_>,
    equivalent: &[Vec<String>],
) -> Option<String> {
    judged(mine, theirs, equivalent, REFRACT_PATIENT_SYSTEMS, false)
}

/// [`plainly_another`] for a key one team's source shares with another team's (a refract
/// document of another file): no `urn:refract:` system is a hospital's word there (a system-less
/// identifier of one clinic's source is not the other's), and, with no hospital identifier in
/// common, the names must agree: two people of one sex, one of them with no birth date, are
/// not one person for that alone.
pub fn plainly_another_across_teams(
    mine: &PersonRecord<'_>,
    theirs: &PersonRecord<'_>,
) -> Option<String> {
    judged(mine, theirs, &[], REFRACT_SYSTEMS, true)
}

/// The prefix of every system refract makes of a source's words.
const REFRACT_SYSTEMS: &str = "urn:refract:";

fn judged(
    mine: &PersonRecord<'_>,
    theirs: &PersonRecord<'_>,
    equivalent: &[Vec<String>],
    not_hospitals: &str,
    names_required: bool,
) -> Option<String> {
    let hospital = |record: &PersonRecord<'_>| -> Vec<(String, String)> {
        record
            .keys
            .iter()
            .chain(record.former)
            .filter(|(system, _)| !system.starts_with(not_hospitals))
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
    if names_required && names_agree(mine.names, theirs.names) != Some(true) {
        return listed(&[(true, "name"), (sex, "sex"), (birth, "birth date")]);
    }
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
            deceased_in: None,
            care_team: None,
        }
    }

    fn key(system: &str, value: &str) -> (String, String) {
        (system.to_owned(), value.to_owned())
    }

    /// A side: who, the identifiers, the names.
    type Side<'a> = (&'a Patient, &'a [(String, String)], &'a [(String, String)]);

    fn judged(mine: Side<'_>, theirs: Side<'_>, equivalent: &[Vec<String>]) -> Option<String> {
        plainly_another(
            &PersonRecord {
                who: mine.0,
                keys: mine.1,
                former: &[],
                names: mine.2,
            },
            &PersonRecord {
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
            plainly_another(
                &PersonRecord {
                    who: &him,
                    keys: &second,
                    former: &retired,
                    names: &birch,
                },
                &PersonRecord {
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
