//! The project's own lossless JSON: every row a patient has (clinical data and everything the
//! team wrote), without row ids — cross-references are positions within the patient — so that
//! a document imported into an empty database exports as the same document.
//!
//! Assessments are not in it: they are derived (rules × data × day) and recomputed on import.
//!
//! Beside its patients the document carries what the file knows that is no one patient's
//! row: the stored resources about no patient (an Encounter, a Medication), the records
//! waiting for a Patient no file has brought yet, what the sources deleted, the Patient ids
//! refused as another person, those held only as a claim an export carried, identifier values
//! two people share (see
//! [`Store::native_file_rows`]). Every table of the schema is either carried or listed, with
//! why, as not carried (the tests' `NOT_CARRIED`).
//!
//! Wherever a record points at a patient (a meeting's case, an audit row) it names them by their
//! position in `patients` (`"patient": 3`), as a line names its drug's exposure: an MRN's text
//! alone is not a patient once a file holds two clinics' RF-0000001 or two hospitals' 1001, and
//! a position needs no system to be spelled out. A meeting carries its `uid` (random, made where
//! it was created; derived for a meeting that had none, see [`derived_meeting_uid`]), so that a
//! document's meeting is matched only to the same meeting.
//!
//! A source's name is each team's word: a document's patient found here only through a key
//! made of one (a local `Patient/1`) is that patient only when the person agrees, judged as a
//! FHIR Patient's own id is; otherwise they are added beside them and the document's rows
//! under that source are kept under a name of their own (see [`standings`]).
//!
//! The audit log of the records travels with them (`audit`, oldest first): every row about the
//! exported patients and, in a whole-file export, about the meetings (`"meeting"`: position in
//! `meetings`). Rows carry no row ids of the file they were written in (no `entity_id`, and no
//! `id`/`…_id` keys inside `before` and `after`): another file's review 12 is not this file's
//! review 12, and "who changed it" (`versions::last_change`) must never read it as such. Rows
//! about the file itself (its imports) stay with that file. Importing appends the rows to the new file's own
//! chain (new ids, new hashes, the same who, when and what), so exporting that file again gives
//! the same document; the chain and its head belong to each file, not to the document.

use rusqlite::{Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::{Result, Store, StoreError};
use crate::domain::PatientId;

/// The document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NativeDocument {
    /// Always "refract".
    pub format: String,
    pub version: u32,
    /// The id of the file the document was exported from (see `Store::own_mrn_system`): its
    /// own MRNs (no system) are that file's numbers. Absent in documents of an older refract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_id: Option<String>,
    pub patients: Vec<NativePatient>,
    #[serde(default)]
    pub meetings: Vec<NativeMeeting>,
    /// Audit rows about the records above, oldest first (columns [`AUDIT_COLUMNS`]).
    #[serde(default)]
    pub audit: Vec<serde_json::Map<String, Cell>>,
    /// Stored FHIR resources filed under no patient of the document: those about no patient
    /// (the Medication a drug record names, the Encounter a hospital stay's readings are read
    /// from) and, in a whole-file export, those waiting for a Patient no file has brought yet
    /// or held from the one that came. Absent from documents written before they were carried.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<serde_json::Map<String, Cell>>,
    /// What the file knows of the resources waiting (`kept_aside`): what their files said of
    /// their patient, why one is held, and the patient (`"patient"`: position in `patients`)
    /// one was given to with nothing to confirm it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kept_aside: Vec<serde_json::Map<String, Cell>>,
    /// Resources their source deleted or entered in error (`removed_resources`): an older copy
    /// read later does not bring them back.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<serde_json::Map<String, Cell>>,
    /// A source's Patient ids refused as another person (`refused_patient_ids`): what that
    /// source files under them stays out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<serde_json::Map<String, Cell>>,
    /// A source's Patient ids a patient holds only as a claim a refract export carried
    /// (`claimed_patient_ids`, review CL-1): still weighed when that source's own Patient comes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claimed: Vec<serde_json::Map<String, Cell>>,
    /// Identifier values two people were found to carry (`shared_identifiers`): they match no one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shared_identifiers: Vec<serde_json::Map<String, Cell>>,
    /// The ingredients each source's Medication names (`medication_ingredients`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub medication_ingredients: Vec<serde_json::Map<String, Cell>>,
    /// The highest patient number the file gave to a record since joined away (its meta key
    /// `patients_removed_max`, TM-7): a file restored from the document never gives it, nor
    /// any below it, again, as the file it came from would not. Absent when none was removed,
    /// and from documents written before it was carried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patients_removed_max: Option<i64>,
}

/// The file-level rows of a document (see [`NativeDocument`]'s fields of the same names), in
/// the order the document writes them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NativeFileRows {
    pub resources: Vec<serde_json::Map<String, Cell>>,
    pub kept_aside: Vec<serde_json::Map<String, Cell>>,
    pub removed: Vec<serde_json::Map<String, Cell>>,
    pub refused: Vec<serde_json::Map<String, Cell>>,
    pub claimed: Vec<serde_json::Map<String, Cell>>,
    pub shared_identifiers: Vec<serde_json::Map<String, Cell>>,
    pub medication_ingredients: Vec<serde_json::Map<String, Cell>>,
}

impl NativeFileRows {
    /// (document key, rows) of each list.
    pub fn lists(&self) -> [(&'static str, &[serde_json::Map<String, Cell>]); 7] {
        [
            ("resources", &self.resources),
            ("kept_aside", &self.kept_aside),
            ("removed", &self.removed),
            ("refused", &self.refused),
            ("claimed", &self.claimed),
            ("shared_identifiers", &self.shared_identifiers),
            ("medication_ingredients", &self.medication_ingredients),
        ]
    }
}

pub const NATIVE_FORMAT: &str = "refract";
pub const NATIVE_VERSION: u32 = 1;

/// A value as SQLite holds it (text, integer, real or null), so rows travel column by column.
pub type Cell = serde_json::Value;

/// What the import summary calls the team's rows (reviews, notes, way forward, tasks…) of a
/// document's patients the file already holds, left out with them.
pub const TEAM_WORK_OF_PATIENTS_PRESENT: &str =
    "reviews, notes, tasks and plans of patients already present (refract document)";

/// One patient: the patient row and each table's rows as column → value maps. Positions in
/// `exposures` are what `line_drugs.exposure` and others refer to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NativePatient {
    pub patient: serde_json::Map<String, Cell>,
    pub conditions: Vec<serde_json::Map<String, Cell>>,
    pub exposures: Vec<serde_json::Map<String, Cell>>,
    pub lines: Vec<NativeLine>,
    pub observations: Vec<serde_json::Map<String, Cell>>,
    pub procedures: Vec<serde_json::Map<String, Cell>>,
    /// Drug allergies and intolerances; absent from documents written before they were kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<serde_json::Map<String, Cell>>,
    pub reviews: Vec<serde_json::Map<String, Cell>>,
    pub notes: Vec<serde_json::Map<String, Cell>>,
    pub way_forward: Vec<serde_json::Map<String, Cell>>,
    pub checklist: Vec<serde_json::Map<String, Cell>>,
    pub referrals: Vec<serde_json::Map<String, Cell>>,
    pub options: Vec<serde_json::Map<String, Cell>>,
    pub goals: Vec<serde_json::Map<String, Cell>>,
    /// Tasks; a task from a meeting names it by `meeting` (position in `meetings`) and `case`.
    pub tasks: Vec<serde_json::Map<String, Cell>>,
    /// Every (system, value) the patient is known by to imports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<serde_json::Map<String, Cell>>,
    /// Every name their records held (a maiden or former name among them): matched on when
    /// a source writes them under another name, and masked in minutes. Absent from documents
    /// written before they were carried.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<serde_json::Map<String, Cell>>,
    /// Every source that says the patient died (`death_reports`): a later import takes the
    /// death back only when the last of them says the patient is alive.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub death_reports: Vec<serde_json::Map<String, Cell>>,
    /// Every source whose latest word is that the patient lives (`alive_reports`): a later
    /// import of that source's older Patient reports no death.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alive_reports: Vec<serde_json::Map<String, Cell>>,
    /// The FHIR resources their imported rows were built from (so that a later import of the
    /// same source updates them rather than adding beside them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fhir_resources: Vec<serde_json::Map<String, Cell>>,
}

impl NativePatient {
    /// A text field of the patient's row (their MRN, its system, a name), empty when absent or
    /// not text.
    fn text(&self, key: &str) -> &str {
        self.patient
            .get(key)
            .and_then(Cell::as_str)
            .unwrap_or_default()
    }
}

/// (No `deny_unknown_fields` here: serde cannot combine it with a flattened map, which takes
/// every key anyway; the columns are checked against the schema on insert.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NativeLine {
    #[serde(flatten)]
    pub line: serde_json::Map<String, Cell>,
    /// The line's drugs; `exposure` is a position in the patient's `exposures`.
    pub drugs: Vec<serde_json::Map<String, Cell>>,
}

/// A meeting: its row (with its `uid`), attendees, and cases that name their patient by
/// position in `patients` (`patient`; an older document's `mrn` is read when it names one
/// patient of the document) and their chosen option by position in that patient's `options`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NativeMeeting {
    pub meeting: serde_json::Map<String, Cell>,
    pub attendees: Vec<serde_json::Map<String, Cell>>,
    pub cases: Vec<serde_json::Map<String, Cell>>,
}

/// The columns written for each table (everything but row ids and keys to other rows, which
/// travel as positions).
const PATIENT_COLUMNS: &[&str] = &[
    "mrn",
    "mrn_system",
    "family_name",
    "given_name",
    "birth_date",
    "birth_precision",
    "sex",
    "deceased",
    "deceased_date",
    "deceased_in",
    "care_team",
    "source",
    "source_id",
    "demographics_updated",
    "mrn_use",
    "mrn_type",
];
const CONDITION_COLUMNS: &[&str] = &[
    "system",
    "code",
    "display",
    "onset",
    "abatement",
    "clinical_status",
    "verification_status",
    "source",
    "source_id",
    "codings",
    "recorded",
    "onset_precision",
    "abatement_precision",
    "recorded_precision",
];
const EXPOSURE_COLUMNS: &[&str] = &[
    "dates",
    "stop_text",
    "text",
    "rxnorm",
    "atc",
    "start",
    "end",
    "dose_value",
    "dose_unit",
    "route",
    "role",
    "stop_reason",
    "cycles",
    "source",
    "source_id",
    "utc_offset",
    "end_utc_offset",
    "indications",
    "said_stopped",
    "dose_from",
];
const LINE_COLUMNS: &[&str] = &[
    "ruleset",
    "number",
    "regimen",
    "start",
    "end",
    "intent",
    "best_response",
    "best_response_date",
    "progression_date",
    "stop_reason",
    "cycles",
    "origin",
    "cut_reason",
];
const LINE_DRUG_COLUMNS: &[&str] = &["position", "ingredient", "dose_value", "dose_unit"];
const OBSERVATION_COLUMNS: &[&str] = &[
    "code",
    "display",
    "value",
    "value_code",
    "unit",
    "effective",
    "setting",
    "source",
    "source_id",
    "comparator",
    "since",
    "system",
    "utc_offset",
    "since_utc_offset",
    "effective_precision",
    "since_precision",
    "focus",
    "value_words",
    "reference_ranges",
    "interpretation",
];
const PROCEDURE_COLUMNS: &[&str] = &[
    "code",
    "system",
    "display",
    "performed",
    "end",
    "source",
    "source_id",
    "codings",
    "utc_offset",
    "end_utc_offset",
    "indications",
];
const REACTION_COLUMNS: &[&str] = &[
    "substance",
    "codes",
    "kind",
    "criticality",
    "reaction",
    "onset",
    "clinical_status",
    "verification_status",
    "source",
    "source_id",
];
const IDENTIFIER_COLUMNS: &[&str] = &["system", "value", "id_use", "id_type"];
const NAME_COLUMNS: &[&str] = &["family_name", "given_name"];
const KEPT_ASIDE_COLUMNS: &[&str] = &[
    "source",
    "type",
    "id",
    "subject",
    "identifiers",
    "displays",
    "held",
];
const REMOVED_COLUMNS: &[&str] = &["source", "type", "id", "deleted_at", "removed_version"];
const REFUSED_COLUMNS: &[&str] = &["source", "patient_id", "reason", "refused_at"];
const CLAIMED_COLUMNS: &[&str] = &["source", "patient_id", "claimed_at"];
const SHARED_IDENTIFIER_COLUMNS: &[&str] = &["system", "value"];
const INGREDIENT_COLUMNS: &[&str] = &["source", "ingredient", "medication"];
/// How a source's Patient id is kept among a patient's identifiers.
const PATIENT_ID_SYSTEM: &str = "urn:refract:patient-id:";
const DEATH_REPORT_COLUMNS: &[&str] = &["source", "said", "deceased_date"];
const ALIVE_REPORT_COLUMNS: &[&str] = &["source", "said"];
/// The one reporter of a death a document of schema 37 wrote in its patient row, read as its
/// one row of `death_reports`.
const OLDER_DEATH_SOURCE: &str = "death_source";
const FHIR_RESOURCE_COLUMNS: &[&str] = &[
    "source",
    "type",
    "id",
    "subject",
    "refers",
    "last_updated",
    "digest",
    "body",
    "current_until",
    // Select it with `resource_columns`: whether another team's export carried the row.
    "carried",
];

/// [`FHIR_RESOURCE_COLUMNS`] of `fhir_resources r`, to select: `carried` as kept, or for a
/// row written before it was, as a dropped claim judges it (the import that last wrote it was
/// of another source, or none of this file's): the file the document moves the row into names
/// no import of it (review MV-6).
fn resource_columns() -> String {
    FHIR_RESOURCE_COLUMNS
        .iter()
        .map(|c| match *c {
            "carried" => String::from(
                "coalesce(r.carried, \
                 (SELECT w.source FROM imports w WHERE w.id = r.import_id) IS NOT r.source)",
            ),
            c => format!("r.{c}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}
const REVIEW_COLUMNS: &[&str] = &[
    "ruleset",
    "decision",
    "status",
    "rationale",
    "by",
    "at",
    "fingerprint",
];
const NOTE_COLUMNS: &[&str] = &["author", "at", "text"];
const WAY_FORWARD_COLUMNS: &[&str] = &[
    "ruleset",
    "step",
    "status",
    "owner",
    "due",
    "notes",
    "na_reason",
    "updated_at",
];
const CHECKLIST_COLUMNS: &[&str] = &["ruleset", "key", "text", "done", "detail", "updated_at"];
const REFERRAL_COLUMNS: &[&str] = &["ruleset", "step", "specialty", "to_whom", "date", "status"];
const OPTION_COLUMNS: &[&str] = &[
    "ruleset",
    "kind",
    "name",
    "catalogue_key",
    "source",
    "registry_id",
    "trial_status",
    "stance",
    "stance_reason",
    "preference",
    "notes",
];
const GOAL_COLUMNS: &[&str] = &["ruleset", "description", "due", "achieved"];
const TASK_COLUMNS: &[&str] = &["what", "owner", "due", "status", "created_at"];
const MEETING_COLUMNS: &[&str] = &["starts_at", "title", "team", "uid"];
const ATTENDEE_COLUMNS: &[&str] = &["name", "specialty", "present"];
const CASE_COLUMNS: &[&str] = &[
    "ruleset",
    "position",
    "question",
    "timebox_minutes",
    "outcome_category",
    "outcome_text",
    "comes_back",
    "presented_seconds",
    "plan_followed",
    "plan_followed_reason",
    // Who the patient was when the outcome was recorded: the minutes show them so.
    "discussed_mrn",
    "discussed_family_name",
    "discussed_given_name",
    "discussed_sex",
    "discussed_birth_date",
];

/// The columns of an audit row in the document: the table's, with the patient and the meeting
/// named by position in the document, and without the ids and hash (each file chains its own
/// rows, and its row ids mean nothing in another file).
pub const AUDIT_COLUMNS: &[&str] = &[
    "at", "who", "os_user", "action", "entity", "patient", "meeting", "before", "after",
];

/// What an older refract wrote in an audit row instead: the patient's MRN text and the row id
/// in its own file. Read (the MRN) or dropped (the id), never written.
const OLDER_AUDIT_COLUMNS: &[&str] = &["entity_id", "mrn"];

/// Keys of a `before`/`after` text that end in `_id` yet name nothing of the file: the
/// source's own resource id, a trial registry's number, a file's id. Every other `id` and
/// `…_id` key is a row id (of the patient, the meeting, the case, the option…), dropped from a
/// carried row: in another file it would name another record.
const IDS_OF_ELSEWHERE: &[&str] = &["source_id", "registry_id", "file_id"];

/// `text` without the row ids in it (see [`IDS_OF_ELSEWHERE`]); unchanged when it holds none
/// or is not JSON, so that a text already without them is kept byte for byte.
fn without_row_ids(text: &str) -> std::borrow::Cow<'_, str> {
    fn strip(value: &mut serde_json::Value) -> bool {
        match value {
            serde_json::Value::Object(map) => {
                let before = map.len();
                map.retain(|key, _| {
                    !((key == "id" || key.ends_with("_id"))
                        && !IDS_OF_ELSEWHERE.contains(&key.as_str()))
                });
                let mut changed = map.len() != before;
                for inner in map.values_mut() {
                    changed |= strip(inner);
                }
                changed
            }
            serde_json::Value::Array(items) => {
                // Every item, not up to the first with an id.
                let mut changed = false;
                for item in items {
                    changed |= strip(item);
                }
                changed
            }
            _ => false,
        }
    }
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(text) else {
        return std::borrow::Cow::Borrowed(text);
    };
    if strip(&mut value) {
        std::borrow::Cow::Owned(value.to_string())
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// A row read by `rows`: the leading columns the caller consumes, then the named columns.
type ExtraAndRow = (Vec<Cell>, serde_json::Map<String, Cell>);

fn cell(row: &Row<'_>, index: usize) -> rusqlite::Result<Cell> {
    use rusqlite::types::ValueRef;
    Ok(match row.get_ref(index)? {
        // Blobs are not part of the schema; a stray one is dropped rather than guessed at.
        ValueRef::Null | ValueRef::Blob(_) => Cell::Null,
        ValueRef::Integer(value) => Cell::from(value),
        ValueRef::Real(value) => {
            serde_json::Number::from_f64(value).map_or(Cell::Null, Cell::Number)
        }
        ValueRef::Text(text) => Cell::from(String::from_utf8_lossy(text).into_owned()),
    })
}

/// Reads `columns` (plus any `extra` leading columns the caller consumes) of the rows a query
/// returns, as maps.
fn rows(conn: &Connection, sql: &str, id: i64, columns: &[&str]) -> Result<Vec<ExtraAndRow>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let count = stmt.column_count();
    let extra = count - columns.len();
    let rows = stmt.query_map([id], |row| {
        let mut leading = Vec::with_capacity(extra);
        for index in 0..extra {
            leading.push(cell(row, index)?);
        }
        let mut map = serde_json::Map::new();
        for (offset, name) in columns.iter().enumerate() {
            map.insert((*name).to_owned(), cell(row, extra + offset)?);
        }
        Ok((leading, map))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn plain(
    rows: Vec<(Vec<Cell>, serde_json::Map<String, Cell>)>,
) -> Vec<serde_json::Map<String, Cell>> {
    rows.into_iter().map(|(_, map)| map).collect()
}

impl Store {
    /// Patient ids in MRN order (then system: two patients may share an MRN's text), for a
    /// stable document.
    pub fn patient_ids_by_mrn(&self) -> Result<Vec<PatientId>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM patients ORDER BY mrn, mrn_system, id")?;
        let ids = stmt.query_map([], |row| Ok(PatientId(row.get(0)?)))?;
        Ok(ids.collect::<Result<_, _>>()?)
    }

    /// One patient as the native document holds them. `meetings` are the ids of the meetings
    /// written in the same document, in order (tasks refer to them by position).
    pub fn native_patient(&self, id: PatientId, meetings: &[i64]) -> Result<NativePatient> {
        let conn = &self.conn;
        let pid = id.0;
        let select = |table: &str, columns: &[&str], order: &str| {
            format!(
                "SELECT {} FROM {table} WHERE patient_id = ?1 ORDER BY {order}",
                columns.join(", ")
            )
        };
        let patient = rows(
            conn,
            &format!(
                "SELECT {} FROM patients WHERE id = ?1",
                PATIENT_COLUMNS.join(", ")
            ),
            pid,
            PATIENT_COLUMNS,
        )?
        .pop()
        .map(|(_, map)| map)
        .ok_or(StoreError::Corrupt {
            column: "patients.id",
            detail: format!("no patient {pid}"),
        })?;
        let exposures_with_ids = rows(
            conn,
            &format!(
                "SELECT id, {} FROM drug_exposures WHERE patient_id = ?1 ORDER BY start, id",
                EXPOSURE_COLUMNS.join(", ")
            ),
            pid,
            EXPOSURE_COLUMNS,
        )?;
        let exposure_ids: Vec<i64> = exposures_with_ids
            .iter()
            .map(|(lead, _)| lead[0].as_i64().unwrap_or(0))
            .collect();
        let mut lines = Vec::new();
        for (lead, line) in rows(
            conn,
            &format!(
                "SELECT id, {} FROM treatment_lines WHERE patient_id = ?1 ORDER BY ruleset, number, start, id",
                LINE_COLUMNS.join(", ")
            ),
            pid,
            LINE_COLUMNS,
        )? {
            let line_id = lead[0].as_i64().unwrap_or(0);
            let drugs = rows(
                conn,
                &format!(
                    "SELECT exposure_id, {} FROM line_drugs WHERE line_id = ?1 ORDER BY position",
                    LINE_DRUG_COLUMNS.join(", ")
                ),
                line_id,
                LINE_DRUG_COLUMNS,
            )?
            .into_iter()
            .map(|(lead, mut drug)| {
                let position = lead[0]
                    .as_i64()
                    .and_then(|row| exposure_ids.iter().position(|id| *id == row));
                drug.insert(
                    String::from("exposure"),
                    position.map_or(Cell::Null, Cell::from),
                );
                drug
            })
            .collect();
            lines.push(NativeLine { line, drugs });
        }
        let tasks = rows(
            conn,
            &format!(
                "SELECT mc.meeting_id, mc.position, {} FROM tasks t LEFT JOIN meeting_cases mc ON mc.id = t.meeting_case_id
                 WHERE t.patient_id = ?1 ORDER BY t.created_at, t.id",
                TASK_COLUMNS.iter().map(|c| format!("t.{c}")).collect::<Vec<_>>().join(", ")
            ),
            pid,
            TASK_COLUMNS,
        )?
        .into_iter()
        .map(|(lead, mut task)| {
            let meeting = lead[0].as_i64().and_then(|m| meetings.iter().position(|id| *id == m));
            task.insert(String::from("meeting"), meeting.map_or(Cell::Null, Cell::from));
            task.insert(String::from("case"), if meeting.is_some() { lead[1].clone() } else { Cell::Null });
            task
        })
        .collect();
        Ok(NativePatient {
            patient,
            conditions: plain(rows(
                conn,
                &select("conditions", CONDITION_COLUMNS, "onset, id"),
                pid,
                CONDITION_COLUMNS,
            )?),
            exposures: plain(exposures_with_ids),
            lines,
            observations: plain(rows(
                conn,
                &select("observations", OBSERVATION_COLUMNS, "effective, id"),
                pid,
                OBSERVATION_COLUMNS,
            )?),
            procedures: plain(rows(
                conn,
                &select("procedures", PROCEDURE_COLUMNS, "performed, id"),
                pid,
                PROCEDURE_COLUMNS,
            )?),
            reactions: plain(rows(
                conn,
                &select("drug_reactions", REACTION_COLUMNS, "onset, id"),
                pid,
                REACTION_COLUMNS,
            )?),
            reviews: plain(rows(
                conn,
                &select("reviews", REVIEW_COLUMNS, "id"),
                pid,
                REVIEW_COLUMNS,
            )?),
            notes: plain(rows(
                conn,
                &select("notes", NOTE_COLUMNS, "id"),
                pid,
                NOTE_COLUMNS,
            )?),
            way_forward: plain(rows(
                conn,
                &select("way_forward", WAY_FORWARD_COLUMNS, "ruleset, step"),
                pid,
                WAY_FORWARD_COLUMNS,
            )?),
            checklist: plain(rows(
                conn,
                &select("checklist_items", CHECKLIST_COLUMNS, "ruleset, id"),
                pid,
                CHECKLIST_COLUMNS,
            )?),
            referrals: plain(rows(
                conn,
                &select("referrals", REFERRAL_COLUMNS, "ruleset, id"),
                pid,
                REFERRAL_COLUMNS,
            )?),
            options: plain(rows(
                conn,
                &select("options", OPTION_COLUMNS, "ruleset, id"),
                pid,
                OPTION_COLUMNS,
            )?),
            goals: plain(rows(
                conn,
                &select("wellbeing_goals", GOAL_COLUMNS, "ruleset, id"),
                pid,
                GOAL_COLUMNS,
            )?),
            tasks,
            identifiers: plain(rows(
                conn,
                &select("patient_identifiers", IDENTIFIER_COLUMNS, "system, value"),
                pid,
                IDENTIFIER_COLUMNS,
            )?),
            names: plain(rows(
                conn,
                &select("patient_names", NAME_COLUMNS, "family_name, given_name"),
                pid,
                NAME_COLUMNS,
            )?),
            death_reports: plain(rows(
                conn,
                &select("death_reports", DEATH_REPORT_COLUMNS, "source"),
                pid,
                DEATH_REPORT_COLUMNS,
            )?),
            alive_reports: plain(rows(
                conn,
                &select("alive_reports", ALIVE_REPORT_COLUMNS, "source"),
                pid,
                ALIVE_REPORT_COLUMNS,
            )?),
            // Filed under the patient's Patient ids, one per source.
            fhir_resources: plain(rows(
                conn,
                &format!(
                    "SELECT {} FROM patient_identifiers i
                     JOIN fhir_resources r
                       ON r.source = substr(i.system, length('urn:refract:patient-id:') + 1)
                      AND r.subject = i.value
                     WHERE i.patient_id = ?1 AND i.system LIKE 'urn:refract:patient-id:%'
                       AND r.type <> 'Patient'
                     ORDER BY r.source, r.type, r.id",
                    resource_columns()
                ),
                pid,
                FHIR_RESOURCE_COLUMNS,
            )?),
        })
    }

    /// Ids of the meetings that concern any of `patients` (all meetings when `None`), in time
    /// order.
    pub fn meeting_ids(&self, patients: Option<&[PatientId]>) -> Result<Vec<i64>> {
        let mut stmt = self.conn.prepare(
            "SELECT DISTINCT m.id, m.starts_at FROM meetings m LEFT JOIN meeting_cases mc ON mc.meeting_id = m.id
             ORDER BY m.starts_at, m.id",
        )?;
        let all: Vec<i64> = stmt
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        let Some(patients) = patients else {
            return Ok(all);
        };
        let mut concerned = Vec::new();
        for meeting in all {
            let mut cases = self
                .conn
                .prepare_cached("SELECT patient_id FROM meeting_cases WHERE meeting_id = ?1")?;
            let ids: Vec<i64> = cases
                .query_map([meeting], |row| row.get(0))?
                .collect::<Result<_, _>>()?;
            if ids.iter().any(|id| patients.iter().any(|p| p.0 == *id)) {
                concerned.push(meeting);
            }
        }
        Ok(concerned)
    }

    /// One meeting as the native document holds it (cases of `patients` only, when given).
    /// `written` are the patients of the document, in order: a case names its patient by
    /// position there.
    pub fn native_meeting(
        &self,
        id: i64,
        patients: Option<&[PatientId]>,
        written: &[PatientId],
    ) -> Result<NativeMeeting> {
        let conn = &self.conn;
        let meeting = rows(
            conn,
            &format!(
                "SELECT {} FROM meetings WHERE id = ?1",
                MEETING_COLUMNS.join(", ")
            ),
            id,
            MEETING_COLUMNS,
        )?
        .pop()
        .map(|(_, map)| map)
        .ok_or(StoreError::Corrupt {
            column: "meetings.id",
            detail: format!("no meeting {id}"),
        })?;
        let attendees = plain(rows(
            conn,
            &format!(
                "SELECT {} FROM attendees WHERE meeting_id = ?1 ORDER BY id",
                ATTENDEE_COLUMNS.join(", ")
            ),
            id,
            ATTENDEE_COLUMNS,
        )?);
        let mut cases = Vec::new();
        for (lead, mut case) in rows(
            conn,
            &format!(
                "SELECT mc.patient_id, mc.chosen_option_id, {} FROM meeting_cases mc
                 WHERE mc.meeting_id = ?1 ORDER BY mc.position, mc.id",
                CASE_COLUMNS
                    .iter()
                    .map(|c| format!("mc.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            id,
            CASE_COLUMNS,
        )? {
            let patient = lead[0].as_i64().unwrap_or(0);
            if patients.is_some_and(|ids| !ids.iter().any(|p| p.0 == patient)) {
                continue;
            }
            let Some(position) = written.iter().position(|p| p.0 == patient) else {
                continue;
            };
            case.insert(String::from("patient"), Cell::from(position));
            let option = match lead[1].as_i64() {
                Some(option_id) => {
                    let mut stmt = conn.prepare_cached(
                        "SELECT id FROM options WHERE patient_id = ?1 ORDER BY ruleset, id",
                    )?;
                    let ids: Vec<i64> = stmt
                        .query_map([patient], |row| row.get(0))?
                        .collect::<Result<_, _>>()?;
                    ids.iter().position(|id| *id == option_id)
                }
                None => None,
            };
            case.insert(
                String::from("chosen_option"),
                option.map_or(Cell::Null, Cell::from),
            );
            cases.push(case);
        }
        Ok(NativeMeeting {
            meeting,
            attendees,
            cases,
        })
    }

    /// Calls `each` with the audit rows the document carries, oldest first: those about
    /// `patients` (all rows but the file's own imports when `None`). `written` and `meetings`
    /// are the document's patients and meetings, in order: a row names its patient, or the
    /// meeting a row of no patient is about, by position there.
    pub fn native_audit(
        &self,
        patients: Option<&[PatientId]>,
        written: &[PatientId],
        meetings: &[i64],
        mut each: impl FnMut(serde_json::Map<String, Cell>) -> Result<()>,
    ) -> Result<()> {
        let wanted: Option<std::collections::HashSet<i64>> =
            patients.map(|ids| ids.iter().map(|id| id.0).collect());
        let position_of: std::collections::HashMap<i64, usize> = written
            .iter()
            .enumerate()
            .map(|(position, id)| (id.0, position))
            .collect();
        // An attendee's rows name the attendee; its meeting is the attendee's, or, once the
        // attendee is gone, the one its row's text names.
        let mut stmt = self.conn.prepare(
            "SELECT a.patient_id,
                    CASE a.entity
                      WHEN 'meetings' THEN a.entity_id
                      WHEN 'attendees' THEN coalesce(
                        (SELECT meeting_id FROM attendees WHERE id = a.entity_id),
                        CASE WHEN json_valid(coalesce(a.after, a.before))
                             THEN json_extract(coalesce(a.after, a.before), '$.meeting_id') END)
                    END,
                    a.at, a.who, a.os_user, a.action, a.entity, a.before, a.after
             FROM audit_log a
             WHERE a.entity <> 'imports' ORDER BY a.id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let patient: Option<i64> = row.get(0)?;
            if let Some(wanted) = &wanted
                && !patient.is_some_and(|id| wanted.contains(&id))
            {
                continue;
            }
            let meeting: Option<i64> = if patient.is_none() {
                row.get::<_, Option<i64>>(1).unwrap_or(None)
            } else {
                None
            };
            let mut map = serde_json::Map::new();
            for (offset, name) in ["at", "who", "os_user", "action", "entity"]
                .iter()
                .enumerate()
            {
                map.insert((*name).to_owned(), cell(row, offset + 2)?);
            }
            for (offset, name) in ["before", "after"].iter().enumerate() {
                let text: Option<String> = row.get(offset + 7)?;
                map.insert(
                    (*name).to_owned(),
                    text.map_or(Cell::Null, |text| {
                        Cell::from(without_row_ids(&text).into_owned())
                    }),
                );
            }
            map.insert(
                String::from("patient"),
                patient
                    .and_then(|id| position_of.get(&id))
                    .map_or(Cell::Null, |position| Cell::from(*position)),
            );
            map.insert(
                String::from("meeting"),
                meeting
                    .and_then(|id| meetings.iter().position(|m| *m == id))
                    .map_or(Cell::Null, Cell::from),
            );
            each(map)?;
        }
        Ok(())
    }

    /// The file-level rows a document carries beside its patients (see [`NativeDocument`]).
    /// `subset`: the patients of a partial export (`None`: the whole file); `written`: the
    /// document's patients, in order.
    ///
    /// Rows that name no person (resources about no patient, removals, values two people
    /// share, a Medication's ingredients) go with every export: without them the file the
    /// document is imported into reads the next file of the same source otherwise. Rows about
    /// people the document does not hold (records waiting for their Patient, held from the one
    /// that came, refusals of another person's Patient id) go only with a whole-file export, or
    /// with the patient whose Patient id was refused to another person or who was given them:
    /// a partial export is made to hand some patients over, not everyone else's records.
    pub fn native_file_rows(
        &self,
        subset: Option<&[PatientId]>,
        written: &[PatientId],
    ) -> Result<NativeFileRows> {
        let conn = &self.conn;
        let whole = i64::from(subset.is_none());
        let listed = |table: &str, columns: &[&str], order: &str| -> Result<Vec<ExtraAndRow>> {
            rows(
                conn,
                &format!(
                    // (`rows` binds one parameter; these lists take none.)
                    "SELECT {} FROM {table} WHERE ?1 = ?1 ORDER BY {order}",
                    columns.join(", ")
                ),
                0,
                columns,
            )
        };
        let resources = plain(rows(
            conn,
            &format!(
                "SELECT {} FROM fhir_resources r
                 WHERE r.type <> 'Patient'
                   AND (r.subject IS NULL
                        OR (?1 = 1 AND NOT EXISTS (
                            SELECT 1 FROM patient_identifiers i
                            WHERE i.system = '{PATIENT_ID_SYSTEM}' || r.source
                              AND i.value = r.subject)))
                 ORDER BY r.source, r.type, r.id",
                resource_columns()
            ),
            whole,
            FHIR_RESOURCE_COLUMNS,
        )?);
        let position_of: std::collections::HashMap<i64, usize> = written
            .iter()
            .enumerate()
            .map(|(position, id)| (id.0, position))
            .collect();
        let mut kept_aside = Vec::new();
        for (lead, mut row) in rows(
            conn,
            &format!(
                "SELECT attached_to, {} FROM kept_aside WHERE ?1 = ?1 ORDER BY source, type, id",
                KEPT_ASIDE_COLUMNS.join(", ")
            ),
            0,
            KEPT_ASIDE_COLUMNS,
        )? {
            let patient = match lead[0].as_i64() {
                None if whole == 1 => Cell::Null,
                None => continue,
                Some(id) => match position_of.get(&id) {
                    Some(position) => Cell::from(*position),
                    None => continue,
                },
            };
            row.insert(String::from("patient"), patient);
            kept_aside.push(row);
        }
        // The Patient ids of the document's patients, per source: a refusal of one of them
        // goes with its patient.
        let mut own_ids = std::collections::HashSet::new();
        if subset.is_some() {
            let mut stmt = conn.prepare_cached(
                "SELECT substr(system, length(?2) + 1), value FROM patient_identifiers
                 WHERE patient_id = ?1 AND system LIKE ?2 || '%'",
            )?;
            for id in written {
                for pair in stmt.query_map(rusqlite::params![id.0, PATIENT_ID_SYSTEM], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
                })? {
                    own_ids.insert(pair?);
                }
            }
        }
        let of_the_document = |row: &serde_json::Map<String, Cell>| {
            whole == 1 || {
                let text = |key: &str| {
                    row.get(key)
                        .and_then(Cell::as_str)
                        .unwrap_or_default()
                        .to_owned()
                };
                own_ids.contains(&(text("source"), text("patient_id")))
            }
        };
        let refused = plain(listed(
            "refused_patient_ids",
            REFUSED_COLUMNS,
            "source, patient_id",
        )?)
        .into_iter()
        .filter(of_the_document)
        .collect();
        // A claim goes with the patient holding the key: moved without it, the key would be
        // held as the source's own word.
        let claimed = plain(listed(
            "claimed_patient_ids",
            CLAIMED_COLUMNS,
            "source, patient_id",
        )?)
        .into_iter()
        .filter(of_the_document)
        .collect();
        Ok(NativeFileRows {
            resources,
            kept_aside,
            removed: plain(listed(
                "removed_resources",
                REMOVED_COLUMNS,
                "source, type, id",
            )?),
            refused,
            claimed,
            shared_identifiers: plain(listed(
                "shared_identifiers",
                SHARED_IDENTIFIER_COLUMNS,
                "system, value",
            )?),
            medication_ingredients: plain(listed(
                "medication_ingredients",
                INGREDIENT_COLUMNS,
                "source, medication, ingredient",
            )?),
        })
    }

    /// Writes a native document's patients and meetings, checked row by row (the caller owns
    /// the transaction: any refusal rolls the whole document back). Patients already in the
    /// database (see [`standings`]: the same MRN in the same system, an identifier in common,
    /// or a source's key of someone they are not plainly another person than) are left as
    /// they are: a native document is a copy of someone's whole record, and merging it into
    /// another would be a guess. What the document holds under a source that is another
    /// team's here is kept under [`rekeyed_source`]. A meeting already held (see [`held_meeting`]) is not added
    /// again. What the team wrote keeps its author and time, and each such row gets an audit
    /// row saying where it came from.
    fn insert_native(
        conn: &Connection,
        auditor: &super::AuditWriter,
        path: &str,
        hash: &str,
        document: &NativeDocument,
    ) -> Result<NativeCounts> {
        if document.format != NATIVE_FORMAT || document.version != NATIVE_VERSION {
            return Err(StoreError::Invalid(format!(
                "not a refract document of version {NATIVE_VERSION} (format '{}', version {})",
                document.format, document.version
            )));
        }
        let mut counts = NativeCounts {
            patients: document.patients.len(),
            ..NativeCounts::default()
        };
        let numbered_by = numbering(conn, document.file_id.as_deref())?;
        // After `numbering`, which makes an empty file the document's file (a restore).
        let here = super::meta_value(conn, "file_id")?;
        let this_files =
            document.file_id.is_none() || here.as_deref() == document.file_id.as_deref();
        // The file whose meetings an older document's are (for their derived uid): the one it
        // names, else this one (it is read as this file's).
        let lineage = document
            .file_id
            .as_deref()
            .or(here.as_deref())
            .unwrap_or_default();
        let file = match document.file_id.as_deref() {
            Some(id) => id.to_owned(),
            None => format!("document {}", hash.get(..16).unwrap_or(hash)),
        };
        let standings = standings(
            conn,
            document,
            &numbered_by,
            &file,
            numbered_by.theirs.is_some(),
            here.as_deref(),
        )?;
        // Meetings of the document seen so far, per start, title and team.
        let mut ordinals: std::collections::HashMap<MeetingSlot<'_>, usize> =
            std::collections::HashMap::new();
        // Cases and audit rows of an older document naming an MRN of several of its patients,
        // left out: (cases, audit rows, the patients), per MRN.
        let mut unattributed: std::collections::BTreeMap<&str, (usize, usize, &[usize])> =
            std::collections::BTreeMap::new();
        let patient_of = PatientNames::of(document);
        let mut present = 0;
        // The team's rows (reviews, notes, way forward, tasks...) of those patients, left out
        // with them: said apart, so nobody takes a review in the document for one imported.
        let mut team_work_left_out = 0;
        let mut patient_ids: Vec<Option<i64>> = Vec::with_capacity(document.patients.len());
        let mut option_ids: Vec<Vec<i64>> = Vec::with_capacity(document.patients.len());
        let mut pending_tasks: Vec<(i64, usize, &serde_json::Map<String, Cell>)> = Vec::new();
        let provenance =
            |table: &str, row: i64, patient: i64, by: Option<&str>, at: Option<&str>| {
                // Filed under `imports`, as the import's own history: a later export of the
                // patient carries the rows themselves, not this note of where they came from.
                auditor.record(
                    conn,
                    super::Change {
                        action: "import.native.row",
                        entity: "imports",
                        entity_id: None,
                        patient_id: Some(PatientId(patient)),
                    },
                    None::<&()>,
                    Some(&serde_json::json!({
                        "table": table,
                        "row": row,
                        "imported_from": path,
                        "originally_by": by,
                        "originally_at": at,
                    })),
                )
            };
        for (index, native) in document.patients.iter().enumerate() {
            let text_of = |key: &str| native.text(key);
            let mrn = text_of("mrn");
            let place = format!("patients[{index}] (MRN {})", crate::text::one_line(mrn));
            if mrn.trim().is_empty() {
                return Err(StoreError::Invalid(format!(
                    "refract document: patients[{index}]: no MRN"
                )));
            }
            // Names are text: the keys they are searched by are made from the text.
            for column in ["family_name", "given_name"] {
                if native
                    .patient
                    .get(column)
                    .is_some_and(|value| !value.is_string())
                {
                    return Err(StoreError::Invalid(format!(
                        "refract document: {place}: {column} is not text"
                    )));
                }
            }
            // Whose number it is, here (see `numbering`).
            let stated = text_of("mrn_system");
            let system = numbered_by.system_here(stated);
            let renamed_system = standings.renamed_system(system);
            let system = renamed_system.as_deref().unwrap_or(system);
            let mut row = std::borrow::Cow::Borrowed(&native.patient);
            if system != stated {
                row.to_mut()
                    .insert(String::from("mrn_system"), Cell::from(system.to_owned()));
            }
            let older_reporter = match native.patient.get(OLDER_DEATH_SOURCE) {
                Some(reporter) => {
                    row.to_mut().remove(OLDER_DEATH_SOURCE);
                    reporter
                        .as_str()
                        .filter(|source| !source.is_empty())
                        .map(|source| {
                            standings
                                .renamed(source)
                                .unwrap_or_else(|| source.to_owned())
                        })
                }
                None => None,
            };
            if let Some(key) = &standings.keys_clashing[index] {
                counts.left_out.push(format!(
                    "{place}: their {} names another person here (no identifier in common, and \
                     another name, sex or birth date): left out, with their team's rows",
                    crate::text::one_line(key)
                ));
                patient_ids.push(None);
                option_ids.push(Vec::new());
                continue;
            }
            if standings.present[index].is_some() {
                present += 1;
                team_work_left_out += native.reviews.len()
                    + native.notes.len()
                    + native.way_forward.len()
                    + native.checklist.len()
                    + native.referrals.len()
                    + native.options.len()
                    + native.goals.len()
                    + native.tasks.len();
                patient_ids.push(None);
                option_ids.push(Vec::new());
                continue;
            }
            let pid = insert_row(
                conn,
                "patients",
                &place,
                &row,
                &[
                    (
                        "name_key",
                        Cell::from(super::name_key(
                            text_of("family_name"),
                            text_of("given_name"),
                        )),
                    ),
                    (
                        "given_key",
                        Cell::from(super::given_key(text_of("given_name"))),
                    ),
                    (
                        "updated_at",
                        Cell::from(String::from(super::format_datetime(super::now_utc()))),
                    ),
                ],
            )?;
            // A document from before `deceased` was written says death by its date alone.
            conn.prepare_cached(
                "UPDATE patients SET deceased = 1
                 WHERE id = ?1 AND deceased = 0 AND deceased_date IS NOT NULL",
            )?
            .execute([pid])?;
            if let Some(source) = older_reporter {
                conn.prepare_cached(
                    "INSERT INTO death_reports (patient_id, source, deceased_date)
                     SELECT id, ?2, deceased_date FROM patients WHERE id = ?1 AND deceased = 1",
                )?
                .execute(rusqlite::params![pid, source])?;
            }
            let with_patient = [("patient_id", Cell::from(pid))];
            for (table, key, list) in [
                ("patient_identifiers", "identifiers", &native.identifiers),
                ("patient_names", "names", &native.names),
                ("death_reports", "death_reports", &native.death_reports),
                ("alive_reports", "alive_reports", &native.alive_reports),
                ("fhir_resources", "fhir_resources", &native.fhir_resources),
            ] {
                for (row_index, row) in list.iter().enumerate() {
                    let row = standings.rekey(row);
                    let extra: &[(&str, Cell)] = if table == "fhir_resources" {
                        &[("import_id", Cell::from(0))]
                    } else {
                        &with_patient
                    };
                    insert_row(
                        conn,
                        table,
                        &format!("{place}.{key}[{row_index}]"),
                        &row,
                        extra,
                    )?;
                }
            }
            // Known by their number under its system, as a FHIR import knows them: the same
            // clinic's FHIR export, imported later, finds them.
            if !system.is_empty() {
                conn.prepare_cached(
                    "INSERT INTO patient_identifiers (system, value, patient_id) VALUES (?1, ?2, ?3)
                     ON CONFLICT DO NOTHING",
                )?
                .execute(rusqlite::params![system, mrn, pid])?;
            }
            // A document of a version that kept systems as each file spelled them.
            super::systems::canonicalise(conn, Some(crate::domain::PatientId(pid)))?;
            for (row_index, row) in native.conditions.iter().enumerate() {
                let at = format!("{place}.conditions[{row_index}]");
                insert_row(conn, "conditions", &at, row, &with_patient)?;
            }
            let mut exposure_ids = Vec::with_capacity(native.exposures.len());
            for (row_index, row) in native.exposures.iter().enumerate() {
                let at = format!("{place}.exposures[{row_index}]");
                if !names_a_drug(row) {
                    // A drug no one can name could not be read as a line, an adequate trial
                    // or a contraindication: it would stand in the record as a blank.
                    return Err(StoreError::Invalid(format!(
                        "refract document: {at}: a drug needs its name ('text') or a code ('atc', 'rxnorm')"
                    )));
                }
                exposure_ids.push(insert_row(conn, "drug_exposures", &at, row, &with_patient)?);
            }
            for (line_index, line) in native.lines.iter().enumerate() {
                let at = format!("{place}.lines[{line_index}]");
                let line_id = insert_row(conn, "treatment_lines", &at, &line.line, &with_patient)?;
                for (drug_index, drug) in line.drugs.iter().enumerate() {
                    let exposure = drug
                        .get("exposure")
                        .and_then(Cell::as_u64)
                        .and_then(|position| exposure_ids.get(position as usize))
                        .map_or(Cell::Null, |id| Cell::from(*id));
                    let mut drug = drug.clone();
                    drug.remove("exposure");
                    insert_row(
                        conn,
                        "line_drugs",
                        &format!("{at}.drugs[{drug_index}]"),
                        &drug,
                        &[("line_id", Cell::from(line_id)), ("exposure_id", exposure)],
                    )?;
                }
            }
            for (row_index, row) in native.observations.iter().enumerate() {
                insert_row(
                    conn,
                    "observations",
                    &format!("{place}.observations[{row_index}]"),
                    row,
                    &[
                        ("patient_id", Cell::from(pid)),
                        ("id", Cell::from(row_index as i64 + 1)),
                    ],
                )?;
            }
            for (row_index, row) in native.procedures.iter().enumerate() {
                let at = format!("{place}.procedures[{row_index}]");
                insert_row(conn, "procedures", &at, row, &with_patient)?;
            }
            for (row_index, row) in native.reactions.iter().enumerate() {
                let at = format!("{place}.reactions[{row_index}]");
                insert_row(conn, "drug_reactions", &at, row, &with_patient)?;
            }
            // What people wrote: kept with its author and time, and its provenance audited.
            for (table, key, list, by, when) in [
                ("reviews", "reviews", &native.reviews, "by", "at"),
                ("notes", "notes", &native.notes, "author", "at"),
                (
                    "way_forward",
                    "way_forward",
                    &native.way_forward,
                    "owner",
                    "updated_at",
                ),
                (
                    "checklist_items",
                    "checklist",
                    &native.checklist,
                    "",
                    "updated_at",
                ),
                (
                    "referrals",
                    "referrals",
                    &native.referrals,
                    "to_whom",
                    "date",
                ),
                ("wellbeing_goals", "goals", &native.goals, "", ""),
            ] {
                for (row_index, row) in list.iter().enumerate() {
                    let at = format!("{place}.{key}[{row_index}]");
                    let id = insert_row(conn, table, &at, row, &with_patient)?;
                    let by = row.get(by).and_then(Cell::as_str);
                    let when = row.get(when).and_then(Cell::as_str);
                    provenance(table, id, pid, by, when)?;
                }
            }
            let mut options = Vec::with_capacity(native.options.len());
            for (row_index, row) in native.options.iter().enumerate() {
                let at = format!("{place}.options[{row_index}]");
                let id = insert_row(conn, "options", &at, row, &with_patient)?;
                provenance("options", id, pid, None, None)?;
                options.push(id);
            }
            for task in &native.tasks {
                pending_tasks.push((pid, index, task));
            }
            patient_ids.push(Some(pid));
            option_ids.push(options);
            counts.new_patients += 1;
            counts.conditions += native.conditions.len();
            counts.exposures += native.exposures.len();
            counts.observations += native.observations.len();
            counts.procedures += native.procedures.len();
            counts.reactions += native.reactions.len();
        }
        insert_file_rows(conn, document, &standings, &patient_ids, &mut counts)?;
        if present > 0 {
            counts.skipped.insert(
                String::from("patients already present (refract document)"),
                present,
            );
        }
        if team_work_left_out > 0 {
            counts.skipped.insert(
                String::from(TEAM_WORK_OF_PATIENTS_PRESENT),
                team_work_left_out,
            );
        }
        // (meeting id, whether this document added it), per meeting of the document.
        let mut meeting_ids: Vec<(i64, bool)> = Vec::with_capacity(document.meetings.len());
        // (agenda position, patient, case id) of the cases added, per meeting of the document.
        let mut case_ids: Vec<Vec<(i64, i64, i64)>> = Vec::with_capacity(document.meetings.len());
        for (meeting_index, meeting) in document.meetings.iter().enumerate() {
            let place = format!("meetings[{meeting_index}]");
            let text = |key: &str| meeting.meeting.get(key).and_then(Cell::as_str);
            // Counted over every meeting of the document, in its order (by id in its file).
            let ordinal = {
                let seen = ordinals
                    .entry((text("starts_at"), text("title"), text("team")))
                    .or_default();
                *seen += 1;
                *seen - 1
            };
            let derived_uid = text("uid").is_none().then(|| {
                derived_meeting_uid(
                    lineage,
                    text("starts_at"),
                    text("title"),
                    text("team"),
                    ordinal,
                )
            });
            // A meeting whose every case is of a patient left as they were (already present)
            // would come without any case: it stays out, and the summary says so.
            let mut case_patients = Vec::with_capacity(meeting.cases.len());
            for (row_index, case) in meeting.cases.iter().enumerate() {
                case_patients.push(patient_of.named(case, &format!("{place}.cases[{row_index}]"))?);
            }
            let added_here = |index: &usize| matches!(patient_ids.get(*index), Some(Some(_)));
            let brings_a_case = meeting.cases.is_empty()
                || case_patients.iter().any(|named| match named {
                    Named::Patient(index) => added_here(index),
                    Named::Nobody => false,
                    Named::Several(_, several) => several.iter().any(added_here),
                });
            if !brings_a_case {
                meeting_ids.push((0, false));
                case_ids.push(Vec::new());
                *counts
                    .skipped
                    .entry(String::from(
                        "meetings of patients already present (refract document)",
                    ))
                    .or_default() += 1;
                continue;
            }
            let added_so_far: Vec<i64> = meeting_ids
                .iter()
                .filter(|(_, added)| *added)
                .map(|(id, _)| *id)
                .collect();
            let held = held_meeting(
                conn,
                &meeting.meeting,
                derived_uid.as_deref(),
                this_files,
                &added_so_far,
            )?;
            let (meeting_id, added) = if let Some(id) = held {
                (id, false)
            } else {
                let mut row = std::borrow::Cow::Borrowed(&meeting.meeting);
                if let Some(uid) = &derived_uid {
                    row.to_mut()
                        .insert(String::from("uid"), Cell::from(uid.clone()));
                }
                (insert_row(conn, "meetings", &place, &row, &[])?, true)
            };
            meeting_ids.push((meeting_id, added));
            if added {
                counts.meetings += 1;
                for (row_index, attendee) in meeting.attendees.iter().enumerate() {
                    insert_row(
                        conn,
                        "attendees",
                        &format!("{place}.attendees[{row_index}]"),
                        attendee,
                        &[("meeting_id", Cell::from(meeting_id))],
                    )?;
                }
            } else {
                *counts
                    .skipped
                    .entry(String::from("meetings already present (refract document)"))
                    .or_default() += 1;
            }
            let mut cases = Vec::new();
            for (row_index, (case, named)) in meeting.cases.iter().zip(case_patients).enumerate() {
                let index = match named {
                    Named::Patient(index) => index,
                    Named::Nobody => continue,
                    // Left out whole: put on the first of them, it would be one patient's
                    // decision on another's record. Counted only when it would have come.
                    Named::Several(mrn, several) => {
                        if several.iter().any(added_here) {
                            unattributed.entry(mrn).or_insert((0, 0, several)).0 += 1;
                        }
                        continue;
                    }
                };
                // A case joins its meeting only with its patient: a patient left as they were
                // keeps the cases they already had.
                let Some(Some(pid)) = patient_ids.get(index) else {
                    continue;
                };
                let option = case
                    .get("chosen_option")
                    .and_then(Cell::as_u64)
                    .and_then(|position| option_ids[index].get(position as usize))
                    .map_or(Cell::Null, |id| Cell::from(*id));
                let mut row = case.clone();
                row.remove("patient");
                row.remove("mrn");
                row.remove("chosen_option");
                let position = row.get("position").and_then(Cell::as_i64).unwrap_or(0);
                let case_id = insert_row(
                    conn,
                    "meeting_cases",
                    &format!("{place}.cases[{row_index}]"),
                    &row,
                    &[
                        ("meeting_id", Cell::from(meeting_id)),
                        ("patient_id", Cell::from(*pid)),
                        ("chosen_option_id", option),
                    ],
                )?;
                cases.push((position, *pid, case_id));
            }
            case_ids.push(cases);
        }
        for (pid, index, task) in pending_tasks {
            let meeting_case = match (
                task.get("meeting").and_then(Cell::as_u64),
                task.get("case").and_then(Cell::as_i64),
            ) {
                // Only a case of the task's own patient: a task never hangs on another's case.
                (Some(meeting), Some(position)) => case_ids
                    .get(meeting as usize)
                    .and_then(|cases| {
                        cases
                            .iter()
                            .find(|(p, patient, _)| *p == position && *patient == pid)
                    })
                    .map_or(Cell::Null, |(_, _, id)| Cell::from(*id)),
                _ => Cell::Null,
            };
            let mut row = task.clone();
            row.remove("meeting");
            row.remove("case");
            let id = insert_row(
                conn,
                "tasks",
                &format!("patients[{index}].tasks"),
                &row,
                &[
                    ("patient_id", Cell::from(pid)),
                    ("meeting_case_id", meeting_case),
                ],
            )?;
            let by = row.get("owner").and_then(Cell::as_str);
            let when = row.get("created_at").and_then(Cell::as_str);
            provenance("tasks", id, pid, by, when)?;
        }
        // A row of no meeting the document names (an older document's, or one about a meeting
        // since deleted) cannot be told from a row this file holds already: it comes only when
        // the document added every meeting it holds (a restore, a first import).
        let added_all = meeting_ids.iter().all(|(_, added)| *added);
        for (row_index, row) in document.audit.iter().enumerate() {
            let place = format!("audit[{row_index}]");
            let names_patient = !matches!(row.get("patient"), None | Some(Cell::Null))
                || !matches!(row.get("mrn"), None | Some(Cell::Null));
            let (patient, entity_id) = if names_patient {
                // The history of a patient left as it was (already present) stays out.
                match patient_of.named(row, &place)? {
                    Named::Patient(index) => match patient_ids[index] {
                        Some(pid) => (Some(pid), None),
                        None => continue,
                    },
                    Named::Nobody => continue,
                    Named::Several(mrn, several) => {
                        if several
                            .iter()
                            .any(|index| matches!(patient_ids.get(*index), Some(Some(_))))
                        {
                            unattributed.entry(mrn).or_insert((0, 0, several)).1 += 1;
                        }
                        continue;
                    }
                }
            } else {
                // A meeting's history, only when this document added that meeting.
                match row.get("meeting") {
                    None | Some(Cell::Null) => {
                        if !added_all || meeting_ids.is_empty() {
                            continue;
                        }
                        (None, None)
                    }
                    Some(value) => {
                        let Some((meeting_id, true)) = value
                            .as_u64()
                            .and_then(|index| meeting_ids.get(usize::try_from(index).ok()?))
                        else {
                            continue;
                        };
                        (None, meeting_record(conn, row, *meeting_id)?)
                    }
                }
            };
            append_audit_row(conn, row, patient, entity_id)?;
        }
        for (mrn, (cases, audit_rows, several)) in unattributed {
            counts
                .left_out
                .push(patient_of.left_out(mrn, cases, audit_rows, several));
            for (what, count) in [("meeting cases", cases), ("audit rows", audit_rows)] {
                if count > 0 {
                    *counts
                        .skipped
                        .entry(format!(
                            "{what} naming an MRN of several patients (older refract document)"
                        ))
                        .or_default() += count;
                }
            }
        }
        // Only the document's own file numbers as it did (a restore, or its own copy): another
        // file's numbers say nothing of this one's.
        if this_files && let Some(number) = document.patients_removed_max {
            super::write::keep_removed_patient_numbers(conn, number)?;
        }
        Ok(counts)
    }
}

/// Writes a document's file-level rows (see [`NativeDocument`]), after its patients
/// (`patient_ids`: the id each was given here, `None` for one already present). What this file
/// holds already stands: its own copy of a resource, its own removal or refusal. A record kept
/// aside comes with its resource only, and one given to a patient only with that patient; a
/// removal does not come where this file holds the resource (the source's next file settles
/// which is newer).
fn insert_file_rows(
    conn: &Connection,
    document: &NativeDocument,
    standings: &Standings,
    patient_ids: &[Option<i64>],
    counts: &mut NativeCounts,
) -> Result<()> {
    let mut present = 0;
    let mut added_resources = std::collections::HashSet::new();
    let key = |row: &serde_json::Map<String, Cell>| {
        let text = |name: &str| {
            row.get(name)
                .and_then(Cell::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        (text("source"), text("type"), text("id"))
    };
    let import_id = [("import_id", Cell::from(0))];
    for (index, row) in document.resources.iter().enumerate() {
        let row: &serde_json::Map<String, Cell> = &standings.rekey(row);
        let place = format!("resources[{index}]");
        if insert_unless_held(conn, "fhir_resources", &place, row, &import_id)? {
            added_resources.insert(key(row));
        } else {
            present += 1;
        }
    }
    for (index, row) in document.kept_aside.iter().enumerate() {
        let row: &serde_json::Map<String, Cell> = &standings.rekey(row);
        let place = format!("kept_aside[{index}]");
        let attached_to = match row.get("patient") {
            None | Some(Cell::Null) => Cell::Null,
            Some(position) => match position
                .as_u64()
                .and_then(|position| patient_ids.get(usize::try_from(position).ok()?))
            {
                Some(Some(id)) => Cell::from(*id),
                // Given to a patient this file already held, or to none of the document.
                _ => continue,
            },
        };
        let held_here: bool = conn
            .prepare_cached(
                "SELECT 1 FROM fhir_resources WHERE source = ?1 AND type = ?2 AND id = ?3",
            )?
            .exists(rusqlite::params![key(row).0, key(row).1, key(row).2])?;
        // Its resource came with the document (with its patient, or among the resources above).
        if !held_here || (attached_to.is_null() && !added_resources.contains(&key(row))) {
            continue;
        }
        let mut row = row.clone();
        row.remove("patient");
        if insert_unless_held(
            conn,
            "kept_aside",
            &place,
            &row,
            &[
                ("import_id", Cell::from(0)),
                ("attached_to", attached_to.clone()),
            ],
        )? && attached_to.is_null()
            && matches!(row.get("held"), None | Some(Cell::Null))
        {
            counts.waiting += 1;
        }
    }
    for (index, row) in document.removed.iter().enumerate() {
        let row: &serde_json::Map<String, Cell> = &standings.rekey(row);
        let (source, kind, id) = key(row);
        let held_here: bool = conn
            .prepare_cached(
                "SELECT 1 FROM fhir_resources WHERE source = ?1 AND type = ?2 AND id = ?3",
            )?
            .exists(rusqlite::params![source, kind, id])?;
        if held_here
            || !insert_unless_held(
                conn,
                "removed_resources",
                &format!("removed[{index}]"),
                row,
                &import_id,
            )?
        {
            present += 1;
        }
    }
    for (index, row) in document.refused.iter().enumerate() {
        let row: &serde_json::Map<String, Cell> = &standings.rekey(row);
        if !insert_unless_held(
            conn,
            "refused_patient_ids",
            &format!("refused[{index}]"),
            row,
            &[],
        )? {
            present += 1;
        }
    }
    // A claim comes only with a patient the document wrote here: a key this file held before
    // is this file's own word, whatever the document's claim says.
    let written: std::collections::HashSet<i64> = patient_ids.iter().flatten().copied().collect();
    let mut holder = conn.prepare_cached(
        "SELECT patient_id FROM patient_identifiers WHERE system = ?1 AND value = ?2",
    )?;
    for (index, row) in document.claimed.iter().enumerate() {
        let row: &serde_json::Map<String, Cell> = &standings.rekey(row);
        let text = |name: &str| row.get(name).and_then(Cell::as_str).unwrap_or_default();
        let held_by: Option<i64> = holder
            .query_row(
                rusqlite::params![
                    super::imports::patient_id_system(text("source")),
                    text("patient_id")
                ],
                |found| found.get(0),
            )
            .optional()?;
        if !held_by.is_some_and(|id| written.contains(&id)) {
            continue;
        }
        insert_unless_held(
            conn,
            "claimed_patient_ids",
            &format!("claimed[{index}]"),
            row,
            &[],
        )?;
    }
    for (index, row) in document.shared_identifiers.iter().enumerate() {
        let row: &serde_json::Map<String, Cell> = &standings.rekey(row);
        insert_unless_held(
            conn,
            "shared_identifiers",
            &format!("shared_identifiers[{index}]"),
            row,
            &[],
        )?;
        // Two people carry it: it names neither, here as where it was found.
        conn.prepare_cached("DELETE FROM patient_identifiers WHERE system = ?1 AND value = ?2")?
            .execute(rusqlite::params![
                row.get("system").and_then(Cell::as_str),
                row.get("value").and_then(Cell::as_str)
            ])?;
    }
    for (index, row) in document.medication_ingredients.iter().enumerate() {
        let row: &serde_json::Map<String, Cell> = &standings.rekey(row);
        insert_unless_held(
            conn,
            "medication_ingredients",
            &format!("medication_ingredients[{index}]"),
            row,
            &[],
        )?;
    }
    if present > 0 {
        counts.skipped.insert(
            String::from("records of the file already present (refract document)"),
            present,
        );
    }
    Ok(())
}

/// The record here a carried row of meeting `meeting_id` (added by the import) is about: the
/// meeting itself, or its attendee of the name the row's text gives. A later export finds the
/// row's meeting through it, as it does in the file the row was written in.
fn meeting_record(
    conn: &Connection,
    row: &serde_json::Map<String, Cell>,
    meeting_id: i64,
) -> Result<Option<i64>> {
    match row.get("entity").and_then(Cell::as_str) {
        Some("meetings") => Ok(Some(meeting_id)),
        Some("attendees") => {
            let name = ["after", "before"].iter().find_map(|key| {
                let text = row.get(*key).and_then(Cell::as_str)?;
                let value: serde_json::Value = serde_json::from_str(text).ok()?;
                value.get("name")?.as_str().map(str::to_owned)
            });
            let Some(name) = name else {
                return Ok(None);
            };
            Ok(conn
                .prepare_cached(
                    "SELECT id FROM attendees WHERE meeting_id = ?1 AND name = ?2 ORDER BY id",
                )?
                .query_row(rusqlite::params![meeting_id, name], |row| row.get(0))
                .optional()?)
        }
        _ => Ok(None),
    }
}

/// The meeting held here that a document's meeting is: the one with its `uid` (made where the
/// meeting was created, carried by every copy), or none. A document of an older refract (no
/// `uid`): the one with the uid derived for it (`derived_uid`, as every copy of its file
/// derives it), else, when the document is this file's (or of the file it was restored from,
/// or one that did not say whose it was), the meeting with the same start, title and team, as
/// an older refract matched them: within one file's lineage that is the same meeting (a subset
/// export finds its meeting again), whereas another file's meeting at the same time with the
/// same title is another team's (two hospitals' tumour boards meet on Tuesdays at 13:00), and
/// is added beside ours.
///
/// A document's `uid` this file does not hold is a new meeting, even when this file's lineage
/// holds one of the same start, title and team: no fallback. A meeting that had no uid got the
/// same derived one in every copy of the lineage, so a uid not held here was made after the
/// copies parted, in one of them (the dashboard's random uid): a meeting this file never had.
/// Two copies may each have set up the week's meeting; which of their attendees, minutes and
/// decisions belong together is then a guess, and the uid is the one thing that tells two
/// meetings at one slot apart.
fn held_meeting(
    conn: &Connection,
    meeting: &serde_json::Map<String, Cell>,
    derived_uid: Option<&str>,
    this_files: bool,
    added_by_this_document: &[i64],
) -> Result<Option<i64>> {
    let text = |key: &str| meeting.get(key).and_then(Cell::as_str);
    let by_uid = |uid: &str| -> Result<Option<i64>> {
        Ok(conn
            .prepare_cached("SELECT id FROM meetings WHERE uid = ?1")?
            .query_row([uid], |row| row.get(0))
            .optional()?)
    };
    if let Some(uid) = text("uid") {
        // Said, so decisive: one file may hold two meetings of one start, title and team (its
        // own and another file's, added beside it), which a move must keep apart.
        return by_uid(uid);
    }
    if let Some(uid) = derived_uid
        && let Some(id) = by_uid(uid)?
    {
        return Ok(Some(id));
    }
    if !this_files {
        return Ok(None);
    }
    // Never a meeting this document itself added: its two meetings of one slot (an older
    // document's, which say no uid) are two meetings, as the file they came from holds them.
    let mut same_slot = conn.prepare_cached(
        "SELECT id FROM meetings WHERE starts_at = ?1 AND title = ?2 AND team IS ?3 ORDER BY id",
    )?;
    let ids = same_slot.query_map(
        rusqlite::params![text("starts_at"), text("title"), text("team")],
        |row| row.get::<_, i64>(0),
    )?;
    for id in ids {
        let id = id?;
        if !added_by_this_document.contains(&id) {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

/// The uid of a meeting that had none: one held before meetings carried a uid (migration
/// 0030), or one of an older document, added here. Derived rather than random, from what every
/// copy of one file knows alike: the file's id (`lineage`), the meeting's start, title and team,
/// and its ordinal among that file's meetings of the same start, title and team (by id, the
/// order a document lists them in). So the file upgraded and each restore of its older backup
/// give one meeting one uid, and a later document of one finds the meeting in the other;
/// another file's meeting at the same slot differs by its file's id. (A subset export may leave
/// out the first of two meetings of one slot, and so number the second 0: within the file's
/// lineage the start, title and team still find it, see [`held_meeting`].)
fn derived_meeting_uid(
    lineage: &str,
    starts_at: Option<&str>,
    title: Option<&str>,
    team: Option<&str>,
    ordinal: usize,
) -> String {
    use sha2::Digest as _;
    // A JSON array: no two different lists of fields give one text.
    let key = serde_json::json!(["refract meeting", lineage, starts_at, title, team, ordinal]);
    let digest = sha2::Sha256::digest(key.to_string().as_bytes());
    // As long as the random uids (16 bytes).
    crate::digest::hex(&digest[..16])
}

/// Migration 0030's step for the meetings already held: each gets [`derived_meeting_uid`] of
/// this file.
pub(super) fn derive_missing_meeting_uids(conn: &Connection) -> Result<()> {
    type MeetingKey = (Option<String>, Option<String>, Option<String>);
    let lineage = super::meta_value(conn, "file_id")?.unwrap_or_default();
    let meetings: Vec<(i64, MeetingKey, bool)> = conn
        .prepare("SELECT id, starts_at, title, team, uid IS NULL FROM meetings ORDER BY id")?
        .query_map([], |row| {
            Ok((
                row.get(0)?,
                (row.get(1)?, row.get(2)?, row.get(3)?),
                row.get(4)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    let mut ordinals: std::collections::HashMap<MeetingKey, usize> =
        std::collections::HashMap::new();
    let mut update = conn.prepare("UPDATE meetings SET uid = ?1 WHERE id = ?2")?;
    for (id, key, missing) in meetings {
        let seen = ordinals.entry(key.clone()).or_default();
        let ordinal = *seen;
        *seen += 1;
        if missing {
            let (starts_at, title, team) = &key;
            let uid = derived_meeting_uid(
                &lineage,
                starts_at.as_deref(),
                title.as_deref(),
                team.as_deref(),
                ordinal,
            );
            update.execute(rusqlite::params![uid, id])?;
        }
    }
    Ok(())
}

/// A meeting's start, title and team, as a document gives them.
type MeetingSlot<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>);

/// Whom a document's record names (see [`PatientNames::named`]).
enum Named<'a> {
    /// The patient at this position in `patients`.
    Patient(usize),
    /// None of the document's patients.
    Nobody,
    /// An older document's MRN text that several of its patients have (these positions).
    Several(&'a str, &'a [usize]),
}

/// How a document's records name its patients: by position in `patients` (`"patient": 3`), or,
/// in an older document, by MRN text (`"mrn"`), read only when it names one patient of the
/// document.
struct PatientNames<'a> {
    count: usize,
    by_mrn: std::collections::HashMap<&'a str, Vec<usize>>,
    document: &'a NativeDocument,
}

impl<'a> PatientNames<'a> {
    fn of(document: &'a NativeDocument) -> Self {
        let mut by_mrn: std::collections::HashMap<&str, Vec<usize>> =
            std::collections::HashMap::new();
        for (index, patient) in document.patients.iter().enumerate() {
            if let Some(mrn) = patient.patient.get("mrn").and_then(Cell::as_str) {
                by_mrn.entry(mrn).or_default().push(index);
            }
        }
        PatientNames {
            count: document.patients.len(),
            by_mrn,
            document,
        }
    }

    /// The patient `row` names. An older document's MRN that several of its patients have is
    /// [`Named::Several`]: the caller leaves the row out (taking one of them would put one
    /// patient's decisions on another) and says so.
    fn named(&self, row: &serde_json::Map<String, Cell>, place: &str) -> Result<Named<'_>> {
        match row.get("patient") {
            None | Some(Cell::Null) => {}
            Some(value) => {
                return match value.as_u64().and_then(|index| usize::try_from(index).ok()) {
                    Some(index) if index < self.count => Ok(Named::Patient(index)),
                    _ => Err(StoreError::Invalid(format!(
                        "refract document: {place}.patient: {} is not a position in patients (0 to {})",
                        crate::text::one_line(&value.to_string()),
                        self.count.saturating_sub(1)
                    ))),
                };
            }
        }
        let Some(mrn) = row.get("mrn").and_then(Cell::as_str) else {
            return Ok(Named::Nobody);
        };
        match self.by_mrn.get_key_value(mrn) {
            None => Ok(Named::Nobody),
            Some((_, several)) if several.is_empty() => Ok(Named::Nobody),
            Some((_, several)) if several.len() == 1 => Ok(Named::Patient(several[0])),
            Some((mrn, several)) => Ok(Named::Several(mrn, several)),
        }
    }

    /// The summary's line for the rows left out because `mrn` names `several` patients.
    fn left_out(&self, mrn: &str, cases: usize, audit_rows: usize, several: &[usize]) -> String {
        let counted = |count: usize, one: &str, many: &str| {
            (count > 0).then(|| format!("{count} {}", if count == 1 { one } else { many }))
        };
        let what = [
            counted(cases, "meeting case", "meeting cases"),
            counted(audit_rows, "audit row", "audit rows"),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" and ");
        let named = several
            .iter()
            .map(|index| {
                let patient = &self.document.patients[*index].patient;
                let text = |key: &str| {
                    crate::text::one_line(
                        patient.get(key).and_then(Cell::as_str).unwrap_or_default(),
                    )
                };
                let system = text("mrn_system");
                format!(
                    "patients[{index}] {}, {} ({})",
                    text("family_name"),
                    text("given_name"),
                    if system.is_empty() {
                        "the file's own number"
                    } else {
                        &system
                    }
                )
            })
            .collect::<Vec<_>>()
            .join(" and ");
        format!(
            "{what} {} MRN {}, which is {} patients of the document ({named}): left out, not \
             said which one (an export of the original file by this refract says it)",
            if cases + audit_rows == 1 {
                "names"
            } else {
                "name"
            },
            crate::text::one_line(mrn),
            several.len()
        )
    }
}

/// How a document's MRN systems read here.
struct Numbering {
    /// The system of this file's own numbers elsewhere (`urn:uuid:<this file>`).
    own: String,
    /// The system the document's own numbers (no system) are read under: none when they are
    /// this file's (see [`numbering`]).
    theirs: Option<String>,
}

impl Numbering {
    /// The system a document's patient's MRN is under here: this file's own numbers, whoever
    /// wrote the document, have none; the document's own numbers have their file's.
    fn system_here<'a>(&'a self, stated: &'a str) -> &'a str {
        if stated.is_empty() {
            self.theirs.as_deref().unwrap_or_default()
        } else if stated == self.own {
            ""
        } else {
            stated
        }
    }
}

/// How a document of file `from` numbers its patients here. Its own MRNs (no system) are this
/// file's numbers when it is this file's document (or an older refract's, which did not say
/// whose numbers they were), and `urn:uuid:<its file>` when another file numbered them, so
/// that its RF-0000001 is never taken for this file's RF-0000001 (two clinics' first
/// patients). A file with no patients yet takes the document's file over (a restore, a move):
/// it goes on numbering as that file, and a later document of it finds its patients by their
/// numbers. A number under this file's own system (a patient of this file, relayed through
/// another) is this file's own.
fn numbering(conn: &Connection, from: Option<&str>) -> Result<Numbering> {
    let system = |id: Option<String>| {
        id.map(|id| super::mrn_system_of_file(&id))
            .unwrap_or_default()
    };
    let here = super::meta_value(conn, "file_id")?;
    let Some(from) = from.filter(|from| here.as_deref() != Some(*from)) else {
        return Ok(Numbering {
            own: system(here),
            theirs: None,
        });
    };
    if uuid_problem(from).is_some() {
        return Err(StoreError::Invalid(format!(
            "refract document: file_id: '{}' is not a file's id",
            crate::text::one_line(from)
        )));
    }
    let patients: i64 = conn.query_row("SELECT count(*) FROM patients", [], |row| row.get(0))?;
    if patients == 0 {
        conn.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES ('file_id', ?1)")?
            .execute([from])?;
        return Ok(Numbering {
            own: system(Some(from.to_owned())),
            theirs: None,
        });
    }
    Ok(Numbering {
        own: system(here),
        theirs: Some(super::mrn_system_of_file(from)),
    })
}

/// Why `text` is not a UUID as migration 0013 writes them (36 characters of hexadecimal digits
/// and dashes in groups of 8-4-4-4-12).
fn uuid_problem(text: &str) -> Option<&'static str> {
    let groups: Vec<&str> = text.split('-').collect();
    let lengths: Vec<usize> = groups.iter().map(|group| group.len()).collect();
    let hex = groups
        .iter()
        .all(|group| group.chars().all(|c| c.is_ascii_hexdigit()));
    (lengths != [8, 4, 4, 4, 12] || !hex).then_some("not a UUID")
}

/// The systems refract makes of a source's words (its Patient ids, servers, identifiers
/// without a system): another team's source may bear the same name.
const SOURCE_KEY_SYSTEMS: &str = "urn:refract:";

/// How a document's patients stand here (see [`standings`]).
struct Standings {
    /// Per patient of the document, the stored patient they are, if any.
    present: Vec<Option<i64>>,
    /// The document's sources whose keys here name other people, with the name their rows are
    /// kept under here.
    rekeyed: std::collections::HashMap<String, String>,
    /// The document's file, when it is another file's: every local source of it (unnamed, a
    /// file's, a name a team chose; not a server's URL, which names the same server in every
    /// file) is kept under [`rekeyed_source`], whatever this file holds when it comes, so
    /// that every document of that file lands under the same names.
    another_file: Option<String>,
    /// This file's own id: a source the document's file kept under this file's name (see
    /// [`kept_as`]) is this file's own source again.
    here: Option<String>,
    /// Per patient of the document not held here, the server (or the source whose name is
    /// kept whatever it finds, MV-8) whose key of theirs names someone here they plainly are
    /// not: they are left out (see [`standings`]).
    /// Said as which key it is (`Patient id of <source>`, `MRN in this file's own numbers`).
    keys_clashing: Vec<Option<String>>,
}

impl Standings {
    /// `row` with its source (`source`, or the source a refract key `system` is made of)
    /// re-keyed where it is one of [`Standings::rekeyed`].
    fn rekey<'r>(
        &self,
        row: &'r serde_json::Map<String, Cell>,
    ) -> std::borrow::Cow<'r, serde_json::Map<String, Cell>> {
        let mut row = std::borrow::Cow::Borrowed(row);
        if let Some(new) = row
            .get("source")
            .and_then(Cell::as_str)
            .and_then(|source| self.renamed(source))
        {
            row.to_mut().insert(String::from("source"), Cell::from(new));
        }
        if let Some(new) = row
            .get("system")
            .and_then(Cell::as_str)
            .and_then(|system| self.renamed_system(system))
        {
            row.to_mut().insert(String::from("system"), Cell::from(new));
        }
        row
    }

    /// The name the document's `source` is kept under here, when it is not its own.
    fn renamed(&self, source: &str) -> Option<String> {
        renamed_source(
            source,
            self.another_file.as_deref(),
            self.here.as_deref(),
            &self.rekeyed,
        )
    }

    /// `system` made of a source kept under another name here, under that name.
    fn renamed_system(&self, system: &str) -> Option<String> {
        let key = source_of_system(system)?;
        self.renamed(key.source).map(|new| key.of(&new))
    }
}

/// See [`Standings::renamed`].
fn renamed_source(
    source: &str,
    another_file: Option<&str>,
    here: Option<&str>,
    rekeyed: &std::collections::HashMap<String, String>,
) -> Option<String> {
    match another_file {
        Some(file) if is_local_source(source) => Some(kept_as(source, file, here)),
        _ => rekeyed.get(source).cloned(),
    }
}

/// Whether `source` is one team's own name (unnamed, a file's, a name given with `--source`),
/// not a server's URL.
fn is_local_source(source: &str) -> bool {
    crate::domain::source_url::server_identity(source).is_none()
}

/// A refract key system (see [`SOURCE_KEY_SYSTEMS`]): the source it is made of, and how.
struct SourceKey<'a> {
    source: &'a str,
    prefix: &'static str,
    /// The Patient id a server system names after the source (`PREFIX || source || '|' || id`).
    server_of: Option<&'a str>,
}

impl SourceKey<'_> {
    /// The same system, of source `other`.
    fn of(&self, other: &str) -> String {
        match self.server_of {
            Some(id) => format!("{}{other}|{id}", self.prefix),
            None => format!("{}{other}", self.prefix),
        }
    }
}

/// The source a refract key system is made of, if it is one.
fn source_of_system(system: &str) -> Option<SourceKey<'_>> {
    for prefix in super::sources::SOURCE_SYSTEMS {
        if let Some(source) = system.strip_prefix(prefix) {
            return Some(SourceKey {
                source,
                prefix,
                server_of: None,
            });
        }
    }
    let prefix = super::sources::SERVER_SYSTEM;
    let (source, id) = system.strip_prefix(prefix)?.rsplit_once('|')?;
    Some(SourceKey {
        source,
        prefix,
        server_of: Some(id),
    })
}

/// The name a document's source is kept under here when its keys name other people here: the
/// source's name with the document's file (its `file_id`, or for an older document, which did
/// not say, the document's own digest). The same file's next document finds its patients
/// again under it; the source of the same name here is never updated by their rows.
fn rekeyed_source(source: &str, file: &str) -> String {
    if source.is_empty() {
        format!("{REKEYED_UNNAMED}{file}")
    } else {
        format!("{source}{REKEYED_NAMED}{file})")
    }
}

/// The name a local source of another file's document (`file`) is kept under here, this file
/// being `here` (review MV-3). A source the document's file itself kept under another file's
/// name (`refract file <A>` at B, B's document read at C) keeps naming that file, where A's
/// own documents land too; one naming this file (A's records back at A) is this file's own
/// source again, under its own name. Any other is [`rekeyed_source`]'s.
///
/// A name of two files (`refract file <A> (refract file <B>)`, A's unnamed source as B kept
/// it, written so by a refract before this rule) comes home to either: at B it is B's name for
/// A's records, at A A's own source.
fn kept_as(source: &str, file: &str, here: Option<&str>) -> String {
    match rekeyed_parts(source) {
        Some((own, named)) if here == Some(named) => own.to_owned(),
        Some((own, _)) => match rekeyed_parts(own) {
            Some((inner, named)) if here == Some(named) => inner.to_owned(),
            _ => source.to_owned(),
        },
        None => rekeyed_source(source, file),
    }
}

/// A name [`rekeyed_source`] made: the source's own name and the file it names. The file
/// named last is the outer one: a name of two files (see [`kept_as`]) is the first file's name
/// kept by the second, never the unnamed source of a file called "A (refract file B)".
fn rekeyed_parts(name: &str) -> Option<(&str, &str)> {
    if let Some(named) = name
        .strip_suffix(')')
        .and_then(|name| name.rsplit_once(REKEYED_NAMED))
    {
        return Some(named);
    }
    name.strip_prefix(REKEYED_UNNAMED).map(|file| ("", file))
}

/// What [`rekeyed_source`] writes before the file of the unnamed local source, and between a
/// named source and its file.
const REKEYED_UNNAMED: &str = "refract file ";
const REKEYED_NAMED: &str = " (refract file ";

/// Whether each of the document's patients is one this file holds, and which of its sources
/// are another team's words here.
///
/// A patient is one this file holds when they share an identifier with a stored patient (the
/// same MRN in the same system, a hospital's identifier), or when a key made of a source's
/// words (a source's Patient id, server or identifier without a system: the source's name is
/// each team's choice, and two clinics' unnamed local sources both have a Patient/1) finds a
/// stored patient the document's patient is not plainly someone else than, by the rules a FHIR
/// Patient's own id is judged by ([`super::plainly_another`]). A source whose key finds only
/// people the document's patient plainly is not, or whose records a new patient of the
/// document brings under keys this file holds already, is another team's: everything of the
/// document under it is kept under [`rekeyed_source`], so that this file's own source of that
/// name still finds its own patients, and only them. A document of another file has every
/// local source kept so from the start (see [`Standings::another_file`]): renaming only on a
/// clash would depend on what this file happened to hold when each document came.
fn standings(
    conn: &Connection,
    document: &NativeDocument,
    numbered_by: &Numbering,
    file: &str,
    another_file: bool,
    here: Option<&str>,
) -> Result<Standings> {
    use crate::domain::identifier_systems::canonical;
    let another_file = another_file.then_some(file);
    // A key of another file's local source, under the name that source is kept under here:
    // found, it is a patient an earlier document of that file brought.
    let here_as = |system: String| -> String {
        match (source_of_system(&system), another_file) {
            (Some(key), Some(file)) if is_local_source(key.source) => {
                key.of(&kept_as(key.source, file, here))
            }
            _ => system,
        }
    };
    let renamed_here = |source: &str| another_file.is_some_and(|_| is_local_source(source));
    let held_by = |system: &str, value: &str| -> Result<Option<i64>> {
        Ok(conn
            .prepare_cached(
                "SELECT patient_id FROM patient_identifiers WHERE system = ?1 AND value = ?2",
            )?
            .query_row(rusqlite::params![canonical(system), value], |row| {
                row.get(0)
            })
            .optional()?)
    };
    let mut present = Vec::with_capacity(document.patients.len());
    let mut keys_clashing = Vec::with_capacity(document.patients.len());
    let mut foreign: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    for native in &document.patients {
        let text_of = |key: &str| native.text(key);
        let mrn = text_of("mrn");
        let system = here_as(canonical(numbered_by.system_here(text_of("mrn_system"))));
        // (system, value) of each identifier, the MRN among them.
        let mut keys: Vec<(String, String)> = native
            .identifiers
            .iter()
            .filter_map(|identifier| {
                let text = |key: &str| identifier.get(key).and_then(Cell::as_str);
                Some((
                    here_as(canonical(text("system")?)),
                    text("value")?.to_owned(),
                ))
            })
            .collect();
        let by_mrn: Option<i64> = conn
            .prepare_cached("SELECT id FROM patients WHERE mrn = ?1 AND mrn_system = ?2")?
            .query_row([mrn, system.as_str()], |row| row.get(0))
            .optional()?;
        let mut found = None;
        let mut clash = None;
        // Found by a source's words: (stored patient, that source).
        let mut by_source_keys: Vec<(i64, String)> = Vec::new();
        // Found by a key of another file's local source under the name it is kept under here
        // (an earlier document of that file, or this file's own source when its records come
        // back, MV-8): the name stays whatever the key finds, but the key is still another
        // team's word of who the person is, weighed as `by_source_keys` are.
        let mut by_kept_keys: Vec<(i64, String)> = Vec::new();
        if let Some(id) = by_mrn {
            match source_of_system(&system) {
                Some(key) if renamed_here(key.source) => {
                    by_kept_keys.push((id, patient_id_of(key.source)));
                }
                // This file's own number come back through another file's document (MV-8):
                // kept as this file's, but weighed, as the number may be a source's Patient
                // id this file wrote under its own numbers. So in a document of this file
                // itself: a restored copy goes on numbering as the file it was restored from,
                // and the two may give one number to two people (MV-10; the copy's patient had
                // been taken for ours, their records dropped as "already present").
                None if system.is_empty() => {
                    by_kept_keys.push((id, String::from("MRN in this file's own numbers")));
                }
                Some(key) => by_source_keys.push((id, key.source.to_owned())),
                None => found = Some(id),
            }
        }
        if !system.is_empty() {
            keys.push((system.clone(), mrn.to_owned()));
        }
        for (key_system, value) in &keys {
            if found.is_some() {
                break;
            }
            let Some(id) = held_by(key_system, value)? else {
                continue;
            };
            match source_of_system(key_system) {
                Some(key) if renamed_here(key.source) => {
                    by_kept_keys.push((id, patient_id_of(key.source)));
                }
                Some(key) => by_source_keys.push((id, key.source.to_owned())),
                None if key_system.starts_with(SOURCE_KEY_SYSTEMS) => {}
                None => found = Some(id),
            }
        }
        if found.is_none() && !(by_kept_keys.is_empty() && by_source_keys.is_empty()) {
            let who = document_person(native, mrn, &system);
            let former: Vec<(String, String)> = native
                .identifiers
                .iter()
                .filter(|identifier| identifier.get("id_use").and_then(Cell::as_str) == Some("old"))
                .filter_map(|identifier| {
                    let text = |key: &str| identifier.get(key).and_then(Cell::as_str);
                    Some((canonical(text("system")?), text("value")?.to_owned()))
                })
                .collect();
            let mut names: Vec<(String, String)> = native
                .names
                .iter()
                .map(|name| {
                    let text = |key: &str| {
                        name.get(key)
                            .and_then(Cell::as_str)
                            .unwrap_or_default()
                            .to_owned()
                    };
                    (text("family_name"), text("given_name"))
                })
                .collect();
            names.push((
                text_of("family_name").to_owned(),
                text_of("given_name").to_owned(),
            ));
            let theirs = super::PersonRecord {
                who: &who,
                keys: &keys,
                former: &former,
                names: &names,
            };
            for (id, _) in by_kept_keys.iter().chain(&by_source_keys) {
                let stored = super::same_id::StoredPerson::read(conn, PatientId(*id))?;
                // A document carries no `--same-system` declarations: systems as spelled.
                if super::plainly_another_across_teams(&theirs, &stored.record()).is_none() {
                    found = Some(*id);
                    break;
                }
            }
            // A server's URL names the same server in every file (review MV-4): its keys are
            // never another team's words, so its name stays, whoever its key finds here. Its
            // key naming someone the patient plainly is not here, the patient cannot be put
            // beside them under it (their records would be filed under that person): left
            // out, and said.
            // A name kept whatever its key finds here (MV-8) is so too: back at A, clinic A's
            // own source's key naming someone else here cannot take the document's patient
            // beside them either.
            if found.is_none() {
                clash = by_kept_keys
                    .first()
                    .map(|(_, key)| key.clone())
                    .or_else(|| {
                        by_source_keys
                            .iter()
                            .find(|(_, source)| !is_local_source(source))
                            .map(|(_, source)| patient_id_of(source))
                    });
                foreign.extend(
                    by_source_keys
                        .into_iter()
                        .map(|(_, source)| source)
                        .filter(|source| is_local_source(source)),
                );
            }
        }
        present.push(found);
        keys_clashing.push(clash);
    }
    // A new patient's records under keys this file holds (another person's Condition/c1 of a
    // source of the same name): that source is another team's too.
    let mut held = conn.prepare_cached(
        "SELECT 1 FROM fhir_resources WHERE source = ?1 AND type = ?2 AND id = ?3",
    )?;
    for ((native, found), clash) in document.patients.iter().zip(&present).zip(&keys_clashing) {
        if found.is_some() || clash.is_some() {
            continue;
        }
        for row in &native.fhir_resources {
            let text = |key: &str| row.get(key).and_then(Cell::as_str).unwrap_or_default();
            let source = text("source");
            if is_local_source(source)
                && !renamed_here(source)
                && !foreign.contains(source)
                && held.exists(rusqlite::params![source, text("type"), text("id")])?
            {
                foreign.insert(source.to_owned());
            }
        }
    }
    let rekeyed: std::collections::HashMap<String, String> = foreign
        .into_iter()
        .map(|source| {
            let new = rekeyed_source(&source, file);
            (source, new)
        })
        .collect();
    // A patient an earlier document of the same file brought: known here by the re-keyed keys.
    for (native, found) in document.patients.iter().zip(present.iter_mut()) {
        if found.is_some() || rekeyed.is_empty() {
            continue;
        }
        for identifier in &native.identifiers {
            let text = |key: &str| identifier.get(key).and_then(Cell::as_str);
            let (Some(system), Some(value)) = (text("system"), text("value")) else {
                continue;
            };
            if let Some(system) = source_of_system(system).and_then(|key| {
                renamed_source(key.source, another_file, here, &rekeyed).map(|new| key.of(&new))
            }) && let Some(id) = held_by(&system, value)?
            {
                *found = Some(id);
                break;
            }
        }
    }
    Ok(Standings {
        present,
        rekeyed,
        another_file: another_file.map(str::to_owned),
        here: here.map(str::to_owned),
        keys_clashing,
    })
}

/// How a key of `source`'s Patient ids is said in a warning.
fn patient_id_of(source: &str) -> String {
    if source.is_empty() {
        String::from("Patient id of this file's unnamed local source")
    } else {
        format!("Patient id of {source}")
    }
}

/// Who a document's patient row says the person is, for [`super::plainly_another`]: a value
/// it cannot read says nothing (the row is checked when it is written).
fn document_person(native: &NativePatient, mrn: &str, system: &str) -> crate::domain::Patient {
    use crate::domain::{DatePrecision, Sex};
    let text = |key: &str| native.patient.get(key).and_then(Cell::as_str);
    crate::domain::Patient {
        id: PatientId(0),
        mrn: mrn.to_owned(),
        mrn_system: system.to_owned(),
        family_name: text("family_name").unwrap_or_default().to_owned(),
        given_name: text("given_name").unwrap_or_default().to_owned(),
        birth_date: text("birth_date")
            .and_then(|born| chrono::NaiveDate::parse_from_str(born, "%Y-%m-%d").ok()),
        birth_precision: text("birth_precision")
            .and_then(|precision| DatePrecision::parse(precision).ok())
            .unwrap_or(DatePrecision::Day),
        sex: text("sex")
            .and_then(|sex| Sex::parse(sex).ok())
            .unwrap_or(Sex::Unknown),
        deceased: false,
        deceased_date: None,
        deceased_in: None,
        care_team: None,
    }
}

/// Appends one carried audit row to this file's chain, its columns checked. `entity_id` is the
/// record here the row is about, when the import knows it (a meeting it added, and that
/// meeting's attendees): the document's own ids are never kept.
fn append_audit_row(
    conn: &Connection,
    row: &serde_json::Map<String, Cell>,
    patient: Option<i64>,
    entity_id: Option<i64>,
) -> Result<()> {
    if let Some(unknown) = row.keys().find(|key| {
        !AUDIT_COLUMNS.contains(&key.as_str()) && !OLDER_AUDIT_COLUMNS.contains(&key.as_str())
    }) {
        return Err(StoreError::Invalid(format!(
            "audit: unknown column '{}'",
            crate::text::one_line(unknown)
        )));
    }
    let text = |name: &str, required: bool| -> Result<Option<&str>> {
        match row.get(name) {
            Some(Cell::String(text)) => Ok(Some(text.as_str())),
            None | Some(Cell::Null) if !required => Ok(None),
            _ => Err(StoreError::Invalid(format!(
                "audit.{name}: {} text",
                if required { "needs" } else { "must be" }
            ))),
        }
    };
    // An older document's `entity_id` is the row id in the file it came from: it is checked
    // and dropped, never kept (it would name another record here).
    if row
        .get("entity_id")
        .is_some_and(|value| !value.is_null() && value.as_i64().is_none())
    {
        return Err(StoreError::Invalid(String::from(
            "audit.entity_id must be an integer",
        )));
    }
    let before = text("before", false)?.map(without_row_ids);
    let after = text("after", false)?.map(without_row_ids);
    let at = text("at", true)?.unwrap_or_default();
    super::parse_datetime("audit.at", at)?;
    super::audit::append(
        conn,
        &super::audit::NewRow {
            at,
            who: text("who", true)?.unwrap_or_default(),
            os_user: text("os_user", false)?,
            action: text("action", true)?.unwrap_or_default(),
            entity: text("entity", true)?.unwrap_or_default(),
            entity_id,
            patient_id: patient,
            before: before.as_deref(),
            after: after.as_deref(),
        },
    )?;
    Ok(())
}

/// The columns a document may set, by table: what export writes, never the bookkeeping refract
/// derives (evaluation stamps, the list's columns, record versions), which a file could
/// otherwise use to hide a flag.
const DOCUMENT_COLUMNS: &[(&str, &[&str])] = &[
    ("patients", PATIENT_COLUMNS),
    ("patient_identifiers", IDENTIFIER_COLUMNS),
    ("patient_names", NAME_COLUMNS),
    ("kept_aside", KEPT_ASIDE_COLUMNS),
    ("removed_resources", REMOVED_COLUMNS),
    ("refused_patient_ids", REFUSED_COLUMNS),
    ("claimed_patient_ids", CLAIMED_COLUMNS),
    ("shared_identifiers", SHARED_IDENTIFIER_COLUMNS),
    ("medication_ingredients", INGREDIENT_COLUMNS),
    ("death_reports", DEATH_REPORT_COLUMNS),
    ("alive_reports", ALIVE_REPORT_COLUMNS),
    ("fhir_resources", FHIR_RESOURCE_COLUMNS),
    ("conditions", CONDITION_COLUMNS),
    ("drug_exposures", EXPOSURE_COLUMNS),
    ("treatment_lines", LINE_COLUMNS),
    ("line_drugs", LINE_DRUG_COLUMNS),
    ("observations", OBSERVATION_COLUMNS),
    ("procedures", PROCEDURE_COLUMNS),
    ("drug_reactions", REACTION_COLUMNS),
    ("reviews", REVIEW_COLUMNS),
    ("notes", NOTE_COLUMNS),
    ("way_forward", WAY_FORWARD_COLUMNS),
    ("checklist_items", CHECKLIST_COLUMNS),
    ("referrals", REFERRAL_COLUMNS),
    ("options", OPTION_COLUMNS),
    ("wellbeing_goals", GOAL_COLUMNS),
    ("tasks", TASK_COLUMNS),
    ("meetings", MEETING_COLUMNS),
    ("attendees", ATTENDEE_COLUMNS),
    ("meeting_cases", CASE_COLUMNS),
];

/// Whether a document's drug exposure says which drug: words, or an ATC or RxNorm code.
fn names_a_drug(row: &serde_json::Map<String, Cell>) -> bool {
    ["text", "atc", "rxnorm"].iter().any(|column| {
        row.get(*column)
            .and_then(Cell::as_str)
            .is_some_and(|value| !value.trim().is_empty())
    })
}

/// Inserts a row from a document's column map plus `extra` columns refract itself sets. A
/// column the document may not set, and a value refract could not read back (a sex no one
/// wrote, a date that is no date, text that does not parse as the column's JSON), are refused
/// naming `place`: the whole document is then rolled back, so nothing of it is committed.
fn insert_row(
    conn: &Connection,
    table: &str,
    place: &str,
    row: &serde_json::Map<String, Cell>,
    extra: &[(&str, Cell)],
) -> Result<i64> {
    insert_checked(conn, table, place, row, extra, "")?;
    Ok(conn.last_insert_rowid())
}

/// [`insert_row`], leaving a row of the same key this file holds as it is: whether the row
/// was written.
fn insert_unless_held(
    conn: &Connection,
    table: &str,
    place: &str,
    row: &serde_json::Map<String, Cell>,
    extra: &[(&str, Cell)],
) -> Result<bool> {
    Ok(insert_checked(conn, table, place, row, extra, " ON CONFLICT DO NOTHING")? > 0)
}

/// The checks and the insert of [`insert_row`], with `conflict` after the values: how many rows
/// were written.
fn insert_checked(
    conn: &Connection,
    table: &str,
    place: &str,
    row: &serde_json::Map<String, Cell>,
    extra: &[(&str, Cell)],
    conflict: &str,
) -> Result<usize> {
    let allowed = DOCUMENT_COLUMNS
        .iter()
        .find(|(name, _)| *name == table)
        .map_or(&[][..], |(_, columns)| *columns);
    let mut names: Vec<&str> = Vec::with_capacity(row.len() + extra.len());
    let mut values: Vec<rusqlite::types::Value> = Vec::with_capacity(row.len() + extra.len());
    for (name, value) in row.iter().map(|(k, v)| (k.as_str(), v)) {
        if !allowed.contains(&name) {
            return Err(StoreError::Invalid(format!(
                "refract document: {place}: '{}' is not a column a document may set",
                crate::text::one_line(name)
            )));
        }
        if let Cell::String(text) = value
            && let Some(problem) = super::decode::value_problem(table, name, text)
        {
            return Err(StoreError::Invalid(format!(
                "refract document: {place}.{name}: {problem}"
            )));
        }
    }
    for (name, value) in row
        .iter()
        .map(|(k, v)| (k.as_str(), v))
        .chain(extra.iter().map(|(k, v)| (*k, v)))
    {
        names.push(name);
        values.push(match value {
            Cell::Null => rusqlite::types::Value::Null,
            Cell::Bool(flag) => rusqlite::types::Value::Integer(i64::from(*flag)),
            Cell::Number(number) => match number.as_i64() {
                Some(integer) => rusqlite::types::Value::Integer(integer),
                None => rusqlite::types::Value::Real(number.as_f64().unwrap_or(0.0)),
            },
            Cell::String(text) => rusqlite::types::Value::Text(text.clone()),
            Cell::Array(_) | Cell::Object(_) => {
                return Err(StoreError::Invalid(format!(
                    "refract document: {place}.{name}: a list or an object where a value belongs"
                )));
            }
        });
    }
    let placeholders = (1..=names.len())
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "INSERT INTO {table} ({}) VALUES ({placeholders}){conflict}",
        names.join(", ")
    );
    conn.prepare_cached(&sql)
        .map_err(|err| StoreError::Invalid(format!("refract document: {place}: {err}")))?
        .execute(rusqlite::params_from_iter(values))
        .map_err(|err| StoreError::Invalid(format!("refract document: {place}: {err}")))
}

/// What a native document held, for the import summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NativeCounts {
    pub patients: usize,
    pub new_patients: usize,
    pub conditions: usize,
    pub exposures: usize,
    pub observations: usize,
    pub procedures: usize,
    pub reactions: usize,
    /// Records carried that wait for a Patient no file has brought yet.
    pub waiting: usize,
    /// Meetings added (a meeting already held is counted under `skipped`).
    pub meetings: usize,
    pub skipped: std::collections::BTreeMap<String, usize>,
    /// What an older document's rows could not be attributed to, one line per MRN of several
    /// of its patients (the rows are left out; the import goes on).
    pub left_out: Vec<String>,
}

impl NativeDocument {
    /// Whether the file at `path` is refract's own document (`{"format": "refract", …}`), not
    /// FHIR: its top-level `format` comes before any `resourceType`. Reads the file's start.
    pub fn sniff(path: &std::path::Path) -> bool {
        use std::io::Read as _;
        let Ok(file) = std::fs::File::open(path) else {
            return false;
        };
        // The first keys decide almost always: a 1 MB read per file showed in the profiles of
        // importing many small bundles. More is read only when they do not.
        let mut prefix = Vec::with_capacity(16 << 10);
        let mut file = file.take(1 << 20);
        if (&mut file).take(16 << 10).read_to_end(&mut prefix).is_err() {
            return false;
        }
        if let Some(decided) = decide_native(&prefix) {
            return decided;
        }
        if file.read_to_end(&mut prefix).is_err() {
            return false;
        }
        is_native(&prefix)
    }
}

/// Reads the top-level keys of a (possibly truncated) JSON object in order, until `format` or
/// `resourceType` decides.
fn is_native(prefix: &[u8]) -> bool {
    decide_native(prefix).unwrap_or(false)
}

/// [`is_native`], or `None` when the prefix ends before a key decides.
fn decide_native(prefix: &[u8]) -> Option<bool> {
    use serde::de::{Deserializer as _, IgnoredAny, MapAccess, Visitor};
    struct Keys<'a>(&'a mut Option<bool>);
    impl<'de> Visitor<'de> for Keys<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
            while let Some(key) = map.next_key::<String>()? {
                match key.as_str() {
                    "format" => {
                        let format: serde_json::Value = map.next_value()?;
                        *self.0 = Some(format.as_str() == Some(NATIVE_FORMAT));
                        return Err(serde::de::Error::custom("decided"));
                    }
                    "resourceType" => {
                        *self.0 = Some(false);
                        return Err(serde::de::Error::custom("decided"));
                    }
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(())
        }
    }
    let start = prefix.strip_prefix("\u{feff}".as_bytes()).unwrap_or(prefix);
    let mut decided = None;
    let _ = serde_json::Deserializer::from_slice(start).deserialize_map(Keys(&mut decided));
    decided
}

impl Store {
    /// Imports a native document in one transaction, unless the same bytes were imported
    /// before (`None`). Patients already in the database stay as they are.
    pub fn import_native(
        &mut self,
        path: &str,
        bytes: &[u8],
        hash: &str,
    ) -> Result<Option<NativeCounts>> {
        let document: NativeDocument = serde_json::from_slice(bytes)
            .map_err(|err| StoreError::Invalid(format!("refract document: {err}")))?;
        let auditor = self.auditor();
        self.write(|tx| {
            let seen: Option<i64> = tx
                .prepare_cached(
                    "SELECT 1 FROM imports WHERE sha256 = ?1 AND source = 'refract' AND state = 'done'",
                )?
                .query_row([hash], |row| row.get(0))
                .optional()?;
            if seen.is_some() {
                return Ok(None);
            }
            let counts = Store::insert_native(tx, &auditor, path, hash, &document)?;
            let now = super::now_utc();
            tx.prepare_cached(
                "INSERT INTO imports (path, sha256, imported_at, summary, source, state)
                 VALUES (?1, ?2, ?3, ?4, 'refract', 'done')",
            )?
            .execute(rusqlite::params![
                path,
                hash,
                super::format_datetime(now),
                serde_json::json!({
                    "patients": counts.new_patients,
                    "already_present": counts.patients - counts.new_patients,
                    "meetings": counts.meetings,
                })
                .to_string()
            ])?;
            let import_id = tx.last_insert_rowid();
            auditor.record(
                tx,
                super::Change {
                    action: "import.native",
                    entity: "imports",
                    entity_id: Some(import_id),
                    patient_id: None,
                },
                None::<&()>,
                Some(&serde_json::json!({ "path": path, "patients": counts.new_patients })),
            )?;
            Ok(Some(counts))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every table of the schema a document does not carry, and why. Every other table is
    /// carried: it is in [`DOCUMENT_COLUMNS`], or is `audit_log` (carried as `audit`). A new table
    /// must be put in one or the other (`every_table_is_carried_or_said_not_to_be` fails until it
    /// is): a table that holds a file's history or identity left out of the document is lost by
    /// every move, and the next file of the same source is read otherwise.
    const NOT_CARRIED: &[(&str, &str)] = &[
        (
            "meta",
            "the file's own settings: its id travels as the document's `file_id`, the patient \
         numbers joined away as its `patients_removed_max`, and its import epoch counts this \
         file's runs",
        ),
        (
            "assessments",
            "derived: rules, record and day, evaluated again on import",
        ),
        ("list_counts", "derived: kept by triggers on `patients`"),
        (
            "import_dirty",
            "derived: patients whose rows an import has yet to rebuild (a document's come built)",
        ),
        (
            "imports",
            "this file's runs: importing the document records its own",
        ),
        ("import_batches", "this file's runs of several files"),
        ("running_imports", "imports under way on this file"),
        (
            "pulls",
            "this file's pulls from servers: with none, the moved file's first `--since auto` asks \
         everything, and the resources it carried are found unchanged",
        ),
        ("pull_checkpoints", "as `pulls`"),
    ];

    #[test]
    fn every_table_is_carried_or_said_not_to_be() {
        let dir = tempfile::TempDir::new().unwrap();
        let store = Store::open(
            &dir.path().join("t.db"),
            super::super::OpenMode::CreateIfMissing,
            "t",
        )
        .unwrap();
        let tables: Vec<String> = store
            .conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table'
                 AND name NOT LIKE 'sqlite_%' ORDER BY name",
            )
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let forgotten: Vec<&String> = tables
            .iter()
            .filter(|table| {
                table.as_str() != "audit_log"
                    && !DOCUMENT_COLUMNS.iter().any(|(name, _)| name == table)
                    && !NOT_CARRIED.iter().any(|(name, _)| name == table)
            })
            .collect();
        assert!(
            forgotten.is_empty(),
            "tables neither carried by the native document nor listed in NOT_CARRIED: {forgotten:?}"
        );
        // And no name in either list that is no table (a renamed table).
        for name in DOCUMENT_COLUMNS
            .iter()
            .map(|(name, _)| name)
            .chain(NOT_CARRIED.iter().map(|(name, _)| name))
        {
            assert!(tables.iter().any(|table| table == name), "no table {name}");
        }
    }

    #[test]
    fn every_column_of_a_carried_table_is_carried_or_refract_s_own() {
        let dir = tempfile::TempDir::new().unwrap();
        let store = Store::open(
            &dir.path().join("t.db"),
            super::super::OpenMode::CreateIfMissing,
            "t",
        )
        .unwrap();
        // Columns refract sets itself on import: row ids, keys to other rows (carried as
        // positions), the run that wrote a row, and what it derives (search keys, the
        // list's columns, evaluation stamps, record versions).
        let own = [
            "id",
            "row",
            "patient_id",
            "line_id",
            "exposure_id",
            "meeting_id",
            "meeting_case_id",
            "chosen_option_id",
            "import_id",
            "attached_to",
            // A joined record's former row id, grouping its identifiers: a row id of the file
            // it was joined in, which would name another record here (not carried).
            "record",
            "version",
            "record_version",
            "name_key",
            "given_key",
            "updated_at",
            "eval_rules",
            "eval_record",
            "eval_on",
            "list_status",
            "list_ruleset",
            "list_line",
            "list_regimen",
            "list_wf",
            "list_wf_overdue",
            "list_review",
            "presented_clock_ms",
            "presented_clock_by",
        ];
        for (table, columns) in DOCUMENT_COLUMNS {
            let names: Vec<String> = store
                .conn
                .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .unwrap()
                .query_map([], |row| row.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            for name in names {
                assert!(
                    columns.contains(&name.as_str()) || own.contains(&name.as_str()),
                    "{table}.{name} is neither written by the document nor set by refract"
                );
            }
        }
    }

    /// A name of both files (`refract file <A> (refract file <B>)`: A's unnamed source as B
    /// kept it, read at C from an older refract) is B's name for A's records: back at B it is
    /// B's own name for them, back at A A's own unnamed source (it had been read as the
    /// unnamed source of a file called "A (refract file B)", found at neither).
    #[test]
    fn a_name_of_both_files_comes_home_to_either_file() {
        let both = "refract file A (refract file B)";
        assert_eq!(rekeyed_parts(both), Some(("refract file A", "B")));
        assert_eq!(kept_as(both, "C", Some("B")), "refract file A");
        assert_eq!(kept_as(both, "C", Some("A")), "");
        assert_eq!(kept_as(both, "C", Some("D")), both);
        let named_both = "gp (refract file A) (refract file B)";
        assert_eq!(kept_as(named_both, "C", Some("B")), "gp (refract file A)");
        assert_eq!(kept_as(named_both, "C", Some("A")), "gp");
        // Names of one file, as before.
        assert_eq!(kept_as("refract file A", "C", Some("A")), "");
        assert_eq!(kept_as("gp (refract file A)", "C", Some("A")), "gp");
        assert_eq!(
            kept_as("gp (refract file A)", "C", Some("B")),
            "gp (refract file A)"
        );
        assert_eq!(kept_as("gp", "C", Some("A")), "gp (refract file C)");
        assert_eq!(kept_as("", "C", Some("A")), "refract file C");
    }
}
