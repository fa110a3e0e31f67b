//! Resources kept aside: filed under a Patient id of a source that no import had brought when
//! the run that wrote them ended, they wait for that Patient. Without `--source`, two hospitals'
//! exports share one source, and the next Patient of that id may be another person: before the
//! Patient takes them, what the records wrote of their patient beside the reference (an
//! identifier, a name) is compared with them. A contradiction keeps them aside, filed under no
//! patient, with the reason; a Patient they name is given them; with nothing either way they
//! are given too, and kept in view, so that the same resources arriving under another source
//! (the file imported again with its `--source`) take them back. Every one of these steps is in
//! the audit log.

use std::collections::BTreeSet;

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::Result;
use super::audit::{AuditWriter, Change};
use super::keys::fold;
use crate::domain::PatientId;
use crate::domain::identifier_systems;

/// How a held resource's `subject` is written: a subject is read trimmed (a reference, a bundle
/// URL, a Patient id), so none begins with a space, and no Patient id is ever this one: the
/// resource is no patient's and counts as waiting.
pub const HELD_PREFIX: &str = " held from ";

/// Words of a reference's `display` that are no name: a title, or a placeholder. Such a display
/// neither names nor contradicts anyone (a choice: "Patient", "Unknown" are common placeholders).
const NOT_NAMES: &[&str] = &[
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "prof",
    "sir",
    "the",
    "patient",
    "unknown",
    "anonymous",
    "baby",
    "of",
    "and",
];

/// Most identifiers and names kept per subject: a run's references to one Patient id repeat
/// the same few.
const MOST_KEPT: usize = 16;

/// What a run's resources wrote of the patient beside one subject's reference.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectEvidence {
    /// (system in refract's spelling, empty when none was written; value).
    pub identifiers: BTreeSet<(String, String)>,
    pub displays: BTreeSet<String>,
}

impl SubjectEvidence {
    pub fn add(&mut self, identifier: Option<(Option<&str>, &str)>, display: Option<&str>) {
        if let Some((system, value)) = identifier
            && self.identifiers.len() < MOST_KEPT
        {
            let system = system
                .map(identifier_systems::canonical)
                .unwrap_or_default();
            self.identifiers.insert((system, value.to_owned()));
        }
        if let Some(display) = display
            && self.displays.len() < MOST_KEPT
        {
            self.displays.insert(display.to_owned());
        }
    }

    fn merge(&mut self, other: SubjectEvidence) {
        self.identifiers.extend(other.identifiers);
        self.displays.extend(other.displays);
    }
}

/// The Patient about to take a Patient id: the names its record holds (stored ones are read
/// too) and the import that brought it.
#[derive(Debug, Clone, Copy)]
pub struct Claimant<'a> {
    pub names: &'a [(String, String)],
    pub import_id: i64,
}

/// What became of the resources kept aside for a Patient id when a Patient came under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptAsideOutcome {
    pub source: String,
    /// The Patient id.
    pub subject: String,
    /// `Type/id` of each.
    pub resources: Vec<String>,
    /// The files that brought them.
    pub files: Vec<String>,
    pub verdict: Verdict,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// They name the patient (by what, in words).
    Named(String),
    /// Nothing in them says who their patient is.
    Unnamed,
    /// They name someone else (why, in words): kept aside.
    Held(String),
}

/// Registers the resources filed under `subject` of `source` (which names no patient) that are
/// not registered yet, with what the run wrote of that subject.
pub(super) fn keep_aside(
    conn: &Connection,
    source: &str,
    subject: &str,
    evidence: Option<&SubjectEvidence>,
) -> Result<usize> {
    let rows: Vec<(String, String, i64)> = conn
        .prepare_cached(
            "SELECT type, id, import_id FROM fhir_resources INDEXED BY fhir_resources_subject
             WHERE source = ?1 AND subject = ?2 AND subject IS NOT NULL AND type <> 'Patient'",
        )?
        .query_map(params![source, subject], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (resource_type, id, import_id) in &rows {
        let mut known = stored_evidence(conn, source, resource_type, id)?.unwrap_or_default();
        if let Some(evidence) = evidence {
            known.merge(evidence.clone());
        }
        conn.prepare_cached(
            "INSERT INTO kept_aside (source, type, id, subject, import_id, identifiers, displays)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (source, type, id) DO UPDATE SET
                 subject = excluded.subject, import_id = excluded.import_id,
                 identifiers = excluded.identifiers, displays = excluded.displays",
        )?
        .execute(params![
            source,
            resource_type,
            id,
            subject,
            import_id,
            to_json(&known.identifiers),
            to_json(&known.displays),
        ])?;
    }
    Ok(rows.len())
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| String::from("[]"))
}

fn stored_evidence(
    conn: &Connection,
    source: &str,
    resource_type: &str,
    id: &str,
) -> Result<Option<SubjectEvidence>> {
    let row: Option<(String, String)> = conn
        .prepare_cached(
            "SELECT identifiers, displays FROM kept_aside
             WHERE source = ?1 AND type = ?2 AND id = ?3",
        )?
        .query_row(params![source, resource_type, id], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    Ok(row.map(|(identifiers, displays)| SubjectEvidence {
        identifiers: serde_json::from_str(&identifiers).unwrap_or_default(),
        displays: serde_json::from_str(&displays).unwrap_or_default(),
    }))
}

/// One kept-aside resource a claim weighs.
struct Waiting {
    resource_type: String,
    id: String,
    evidence: SubjectEvidence,
    file: String,
    /// Its stored copy was written after it was kept aside: by the claimant's own run (a run
    /// that keeps it aside again registers it again), whose file files it under the id.
    own_run: bool,
}

/// `patient` has just taken the Patient id `subject` of `source`: weighs the resources kept
/// aside for it against them. Returns what became of them (none kept aside: `None`).
pub(super) fn claim(
    conn: &Connection,
    auditor: &AuditWriter,
    patient: PatientId,
    (source, subject): (&str, &str),
    claimant: &Claimant<'_>,
) -> Result<Option<KeptAsideOutcome>> {
    let rows: Vec<Waiting> = conn
        .prepare_cached(
            "SELECT k.type, k.id, k.identifiers, k.displays, coalesce(i.path, ''),
                    f.import_id <> k.import_id
             FROM kept_aside AS k
             JOIN fhir_resources AS f ON f.source = k.source AND f.type = k.type AND f.id = k.id
             LEFT JOIN imports AS i ON i.id = k.import_id
             WHERE k.source = ?1 AND k.subject = ?2 AND k.held IS NULL AND k.attached_to IS NULL
               AND f.subject = ?2
             ORDER BY k.type, k.id",
        )?
        .query_map(params![source, subject], |row| {
            let identifiers: String = row.get(2)?;
            let displays: String = row.get(3)?;
            Ok(Waiting {
                resource_type: row.get(0)?,
                id: row.get(1)?,
                evidence: SubjectEvidence {
                    identifiers: serde_json::from_str(&identifiers).unwrap_or_default(),
                    displays: serde_json::from_str(&displays).unwrap_or_default(),
                },
                file: row.get(4)?,
                own_run: row.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    if rows.is_empty() {
        return Ok(None);
    }
    let (own, earlier): (Vec<Waiting>, Vec<Waiting>) = rows.into_iter().partition(|w| w.own_run);
    // The claimant's own run sent them again under this id: its word settles whose they are.
    for resource in &own {
        forget(conn, source, &resource.resource_type, &resource.id)?;
    }
    if earlier.is_empty() {
        return Ok(None);
    }
    let mut evidence = SubjectEvidence::default();
    for resource in &earlier {
        evidence.merge(resource.evidence.clone());
    }
    let who = Who::read(conn, patient, claimant.names)?;
    let verdict = who.weigh(&evidence);
    let resources: Vec<String> = earlier
        .iter()
        .map(|w| format!("{}/{}", w.resource_type, w.id))
        .collect();
    let files: Vec<String> = earlier
        .iter()
        .map(|w| w.file.clone())
        .filter(|f| !f.is_empty())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let details = serde_json::json!({
        "source": source,
        "subject": subject,
        "resources": resources,
        "files": files,
        "identifiers": evidence.identifiers,
        "displays": evidence.displays,
        "patient": patient.0,
    });
    match &verdict {
        Verdict::Held(why) => {
            for resource in &earlier {
                conn.prepare_cached(
                    "UPDATE fhir_resources SET subject = ?4
                     WHERE source = ?1 AND type = ?2 AND id = ?3",
                )?
                .execute(params![
                    source,
                    resource.resource_type,
                    resource.id,
                    format!("{HELD_PREFIX}{subject}")
                ])?;
                conn.prepare_cached(
                    "UPDATE kept_aside SET held = ?4 WHERE source = ?1 AND type = ?2 AND id = ?3",
                )?
                .execute(params![
                    source,
                    resource.resource_type,
                    resource.id,
                    why
                ])?;
            }
            auditor.record(
                conn,
                Change {
                    action: "import.kept_aside.held",
                    entity: "fhir_resources",
                    entity_id: Some(claimant.import_id),
                    patient_id: None,
                },
                None::<&()>,
                Some(&with_reason(details, why)),
            )?;
        }
        Verdict::Named(by) => {
            for resource in &earlier {
                forget(conn, source, &resource.resource_type, &resource.id)?;
            }
            attach_audit(conn, auditor, patient, claimant, &with_reason(details, by))?;
        }
        Verdict::Unnamed => {
            for resource in &earlier {
                conn.prepare_cached(
                    "UPDATE kept_aside SET attached_to = ?4
                     WHERE source = ?1 AND type = ?2 AND id = ?3",
                )?
                .execute(params![
                    source,
                    resource.resource_type,
                    resource.id,
                    patient.0
                ])?;
            }
            let reason = "nothing in them names their patient";
            attach_audit(
                conn,
                auditor,
                patient,
                claimant,
                &with_reason(details, reason),
            )?;
        }
    }
    Ok(Some(KeptAsideOutcome {
        source: source.to_owned(),
        subject: subject.to_owned(),
        resources,
        files,
        verdict,
    }))
}

fn with_reason(mut details: serde_json::Value, reason: &str) -> serde_json::Value {
    if let Some(fields) = details.as_object_mut() {
        fields.insert(String::from("reason"), serde_json::Value::from(reason));
    }
    details
}

fn attach_audit(
    conn: &Connection,
    auditor: &AuditWriter,
    patient: PatientId,
    claimant: &Claimant<'_>,
    details: &serde_json::Value,
) -> Result<()> {
    auditor.record(
        conn,
        Change {
            action: "import.kept_aside.attached",
            entity: "fhir_resources",
            entity_id: Some(claimant.import_id),
            patient_id: Some(patient),
        },
        None::<&()>,
        Some(details),
    )?;
    Ok(())
}

fn forget(conn: &Connection, source: &str, resource_type: &str, id: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM kept_aside WHERE source = ?1 AND type = ?2 AND id = ?3")?
        .execute(params![source, resource_type, id])?;
    Ok(())
}

/// The resource left the ledger: nothing of it is kept aside any more.
pub(super) fn forget_resource(
    conn: &Connection,
    source: &str,
    resource_type: &str,
    id: &str,
) -> Result<()> {
    forget(conn, source, resource_type, id)
}

/// Copies kept aside under another source than `source` of the resource `resource_type/id`
/// just written there for `subject`, with the same content (`digest`): the same file imported
/// again with its own `--source`. Returns (source, held, attached patient) of each, which the
/// caller removes.
pub(super) fn copies_elsewhere(
    conn: &Connection,
    (source, resource_type, id): (&str, &str, &str),
    subject: &str,
    digest: &str,
) -> Result<Vec<(String, bool, Option<PatientId>)>> {
    Ok(conn
        .prepare_cached(
            "SELECT k.source, k.held IS NOT NULL, k.attached_to
             FROM kept_aside AS k
             JOIN fhir_resources AS f ON f.source = k.source AND f.type = k.type AND f.id = k.id
             WHERE k.type = ?2 AND k.id = ?3 AND k.source <> ?1 AND k.subject = ?4
               AND f.digest = ?5",
        )?
        .query_map(params![source, resource_type, id, subject, digest], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get::<_, Option<i64>>(2)?.map(PatientId),
            ))
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// A resource kept aside, as `refract check` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeptAside {
    pub source: String,
    pub resource_type: String,
    pub id: String,
    pub subject: String,
    pub file: String,
    /// Why the Patient that came under its id did not take it.
    pub held: Option<String>,
}

/// The resources still kept aside (held, or waiting for their Patient), the first `limit`, and
/// how many there are.
pub(super) fn kept_aside(conn: &Connection, limit: usize) -> Result<(usize, Vec<KeptAside>)> {
    let count: i64 = conn.query_row(
        "SELECT count(*) FROM kept_aside WHERE attached_to IS NULL",
        [],
        |row| row.get(0),
    )?;
    let rows = conn
        .prepare_cached(
            "SELECT k.source, k.type, k.id, k.subject, coalesce(i.path, ''), k.held
             FROM kept_aside AS k LEFT JOIN imports AS i ON i.id = k.import_id
             WHERE k.attached_to IS NULL
             ORDER BY k.held IS NULL, k.source, k.subject, k.type, k.id LIMIT ?1",
        )?
        .query_map([limit as i64], |row| {
            Ok(KeptAside {
                source: row.get(0)?,
                resource_type: row.get(1)?,
                id: row.get(2)?,
                subject: row.get(3)?,
                file: row.get(4)?,
                held: row.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok((count as usize, rows))
}

/// Who the claimant is, as a reference could name them.
struct Who {
    /// (system, value) of every identifier they are known by, refract's own keys aside; a value
    /// written with no system is under the source's unscoped system.
    identifiers: Vec<(String, String)>,
    /// Every word of their family and given names, folded.
    family: BTreeSet<String>,
    given: BTreeSet<String>,
}

impl Who {
    fn read(conn: &Connection, patient: PatientId, names: &[(String, String)]) -> Result<Who> {
        let identifiers: Vec<(String, String)> = conn
            .prepare_cached(
                "SELECT system, value FROM patient_identifiers WHERE patient_id = ?1
                 AND system NOT LIKE 'urn:refract:patient-%'",
            )?
            .query_map([patient.0], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut all_names: Vec<(String, String)> = conn
            .prepare_cached(
                "SELECT family_name, given_name FROM patient_names WHERE patient_id = ?1",
            )?
            .query_map([patient.0], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        all_names.extend(names.iter().cloned());
        let mut who = Who {
            identifiers,
            family: BTreeSet::new(),
            given: BTreeSet::new(),
        };
        for (family, given) in &all_names {
            who.family.extend(name_words(family));
            who.given.extend(name_words(given));
        }
        Ok(who)
    }

    /// Whether what the records wrote of their patient names this one, someone else, or no one.
    /// An identifier in a system the patient is known by decides (a name may be written many
    /// ways); a name decides only where no identifier does.
    fn weigh(&self, evidence: &SubjectEvidence) -> Verdict {
        let mut named_by = None;
        let mut contradicted = None;
        for (system, value) in &evidence.identifiers {
            let unscoped = system.is_empty() || system.starts_with("urn:refract:unscoped:");
            let same = self
                .identifiers
                .iter()
                .any(|(s, v)| v == value && (unscoped || s == system));
            if same {
                named_by.get_or_insert_with(|| {
                    format!("they name the patient {}", written(system, value))
                });
                continue;
            }
            if unscoped {
                continue;
            }
            if let Some((_, theirs)) = self.identifiers.iter().find(|(s, _)| s == system) {
                contradicted.get_or_insert_with(|| {
                    format!(
                        "they name their patient {}, the Patient that came under the id {}",
                        written(system, value),
                        written(system, theirs)
                    )
                });
            }
        }
        if let Some(why) = contradicted {
            return Verdict::Held(why);
        }
        if let Some(by) = named_by {
            return Verdict::Named(by);
        }
        if self.family.is_empty() && self.given.is_empty() {
            return Verdict::Unnamed;
        }
        let mut name_held = None;
        for display in &evidence.displays {
            let words: BTreeSet<String> = name_words(display).collect();
            if words.is_empty() {
                continue;
            }
            if !words.is_disjoint(&self.family) {
                return Verdict::Named(format!("they name the patient \"{display}\""));
            }
            if words.is_disjoint(&self.given) {
                name_held.get_or_insert_with(|| {
                    format!("they name their patient \"{display}\", another name")
                });
            }
        }
        name_held.map_or(Verdict::Unnamed, Verdict::Held)
    }
}

fn written(system: &str, value: &str) -> String {
    if system.is_empty() {
        value.to_owned()
    } else {
        format!("{system}|{value}")
    }
}

/// The words of a name that can name someone: folded, two letters or more, no title or
/// placeholder, no word with a digit (an MRN written in a display).
fn name_words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | '.' | '(' | ')' | '/'))
        .filter(|word| !word.chars().any(|c| c.is_ascii_digit()))
        .map(fold)
        .map(|word| word.trim_matches(|c: char| !c.is_alphanumeric()).to_owned())
        .filter(|word| word.chars().count() >= 2 && !NOT_NAMES.contains(&word.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(identifiers: &[(&str, &str)], names: &[(&str, &str)]) -> Who {
        let mut who = Who {
            identifiers: identifiers
                .iter()
                .map(|(s, v)| ((*s).to_owned(), (*v).to_owned()))
                .collect(),
            family: BTreeSet::new(),
            given: BTreeSet::new(),
        };
        for (family, given) in names {
            who.family.extend(name_words(family));
            who.given.extend(name_words(given));
        }
        who
    }

    fn evidence(identifiers: &[(&str, &str)], displays: &[&str]) -> SubjectEvidence {
        SubjectEvidence {
            identifiers: identifiers
                .iter()
                .map(|(s, v)| ((*s).to_owned(), (*v).to_owned()))
                .collect(),
            displays: displays.iter().map(|d| (*d).to_owned()).collect(),
        }
    }

    #[test]
    fn an_identifier_in_a_system_they_are_known_by_decides() {
        let jan = who(
            &[("https://south.example/mrn", "S-555")],
            &[("Berg", "Jan")],
        );
        let anna = evidence(&[("https://north.example/mrn", "N1001")], &[]);
        assert_eq!(
            jan.weigh(&anna),
            Verdict::Unnamed,
            "another system says nothing"
        );
        let other = evidence(&[("https://south.example/mrn", "S-1")], &["Jan Berg"]);
        assert!(
            matches!(jan.weigh(&other), Verdict::Held(_)),
            "the MRN wins over the name"
        );
        let same = evidence(&[("https://south.example/mrn", "S-555")], &["Anna"]);
        assert!(matches!(jan.weigh(&same), Verdict::Named(_)));
        let bare = evidence(&[("", "S-555")], &[]);
        assert!(matches!(jan.weigh(&bare), Verdict::Named(_)));
    }

    #[test]
    fn a_display_decides_only_by_name_words() {
        let jan = who(&[], &[("Berg", "Jan Erik")]);
        assert!(matches!(
            jan.weigh(&evidence(&[], &["Mrs A. Kowalski"])),
            Verdict::Held(_)
        ));
        assert!(matches!(
            jan.weigh(&evidence(&[], &["BERG, Jan"])),
            Verdict::Named(_)
        ));
        // A given name alone is no contradiction, nor a number or a placeholder.
        assert_eq!(jan.weigh(&evidence(&[], &["Erik S."])), Verdict::Unnamed);
        assert_eq!(jan.weigh(&evidence(&[], &["Patient 12"])), Verdict::Unnamed);
        assert_eq!(jan.weigh(&evidence(&[], &[])), Verdict::Unnamed);
    }
}
