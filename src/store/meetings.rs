//! MDT meetings in the store: the meetings, their agenda of cases with the outcome of each, the
//! attendees, the follow-up tasks, and the audited writes that change them.
//!
//! Every write is one immediate transaction with its audit row, so a presenter's terminal and a
//! scribe's terminal on the same file wait on each other instead of failing. The writes live on
//! [`MeetingWriter`], which works inside a caller's transaction with a given clock: the [`Store`]
//! methods wrap it in [`Store::write`] at the current time, and the demo uses it directly with
//! its own reference day so that the same seed gives the same file.

use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use serde_json::json;

use super::audit::{AuditWriter, Change};
use super::sql_types::{
    format_date, format_datetime, now_utc, parse_code, parse_datetime, parse_opt_code,
    parse_opt_date,
};
use super::versions::{self, Conflict, last_change};
use super::write::refresh_list_row;
use super::{Result, Store, StoreError};
use crate::domain::history::{Identity, Masking, OtherIdentity};
use crate::domain::{
    AssessmentStatus, Attendee, Death, Edit, Meeting, MeetingCase, Outcome, PartialDate, PatientId,
    PlanFollowed, Sex, Task, TaskStatus, can_present, masked_identity,
};

/// The longest time box a case may get: a whole meeting's worth.
const MAX_TIMEBOX_MINUTES: u32 = 240;

/// One meeting in the list of meetings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeetingSummary {
    pub id: i64,
    pub starts_at: NaiveDateTime,
    pub title: String,
    pub team: Option<String>,
    /// Cases on the agenda.
    pub cases: u32,
    /// Cases with an outcome recorded.
    pub discussed: u32,
    /// Who is on the agenda, as masking cuts them out of the title ("Case conference: Reid").
    #[serde(skip)]
    pub agenda: Vec<AgendaPatient>,
}

/// A patient on a meeting's agenda as masking knows them: the meeting's title and every text
/// typed at it are cut against each patient on the agenda.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgendaPatient {
    pub mrn: String,
    pub family_name: String,
    pub given_name: String,
    pub birth_date: Option<NaiveDate>,
    pub others: OtherIdentity,
}

impl AgendaPatient {
    /// Who they are, as masking cuts them out of text.
    pub fn identity(&self) -> Identity<'_> {
        Identity {
            mrn: &self.mrn,
            family_name: &self.family_name,
            given_name: &self.given_name,
            birth_date: self.birth_date,
            others: Some(&self.others),
        }
    }
}

/// A meeting's title as a screen may show it: with masking on, without the name, MRN or birth
/// date of any patient on its agenda ("Case conference: Thomas Reid" names the case). A patient
/// who is not on the agenda is not known to be in it, and is not cut.
pub fn shown_title(title: &str, agenda: &[AgendaPatient], masked: bool) -> String {
    Masking::when(masked, agenda.iter().map(AgendaPatient::identity))
        .text(title)
        .into_string()
}

/// Every patient on meeting `meeting`'s agenda, for masking its title.
pub(super) fn agenda_patients(conn: &Connection, meeting: i64) -> Result<Vec<AgendaPatient>> {
    let raws = conn
        .prepare_cached(
            "SELECT p.id, p.mrn, p.family_name, p.given_name, p.birth_date
             FROM meeting_cases mc JOIN patients p ON p.id = mc.patient_id
             WHERE mc.meeting_id = ?1 ORDER BY mc.position, mc.id",
        )?
        .query_map([meeting], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, Option<String>>(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    raws.into_iter()
        .map(|(id, mrn, family_name, given_name, birth_date)| {
            Ok(AgendaPatient {
                mrn,
                family_name,
                given_name,
                birth_date: parse_opt_date("patients.birth_date", birth_date)?,
                others: other_identity(conn, PatientId(id))?,
            })
        })
        .collect()
}

/// A meeting with everything its screens and minutes show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeetingDetail {
    pub meeting: Meeting,
    pub attendees: Vec<Attendee>,
    /// In agenda order.
    pub cases: Vec<CaseDetail>,
}

/// A case on the agenda with the patient's display fields, the patient's current state for the
/// case's condition, the chosen option's name and the case's tasks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseDetail {
    pub case: MeetingCase,
    pub mrn: String,
    pub family_name: String,
    pub given_name: String,
    pub sex: Sex,
    pub birth_date: Option<NaiveDate>,
    /// Whether and when the patient died.
    pub death: Option<Death>,
    /// The rule set the status and line below are about: the case's, else the patient's
    /// headline condition.
    pub ruleset: String,
    /// The current assessment of that condition, if any.
    pub status: Option<AssessmentStatus>,
    /// The assessment's label in the field's words ("drug-resistant epilepsy").
    pub status_label: Option<String>,
    /// The current line of that condition (0 when none).
    pub line: u32,
    pub regimen: String,
    /// The name of the chosen way-forward option.
    pub chosen_option: Option<String>,
    /// Tasks that came out of this case, due first.
    pub tasks: Vec<Task>,
    /// The patient's other names and numbers, for masking (see [`other_identity`]); the
    /// identity the case was discussed under is among them.
    #[serde(skip)]
    pub others: OtherIdentity,
    /// Who the patient was when the case's outcome was recorded; `None` before, and for a case
    /// decided before refract kept it.
    pub as_discussed: Option<DiscussedIdentity>,
}

/// The patient's identity as their record held it when the team recorded a case's outcome:
/// minutes are the record of what was decided about whom, and a later import may rename them,
/// correct their birth date or give them another MRN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiscussedIdentity {
    pub mrn: String,
    pub family_name: String,
    pub given_name: String,
    pub sex: Sex,
    pub birth_date: Option<NaiveDate>,
}

impl CaseDetail {
    /// "Family, Given", as the patient list shows it.
    pub fn display_name(&self) -> String {
        match (self.family_name.is_empty(), self.given_name.is_empty()) {
            (false, false) => format!("{}, {}", self.family_name, self.given_name),
            (false, true) => self.family_name.clone(),
            (true, false) => self.given_name.clone(),
            (true, true) => String::from("(no name)"),
        }
    }

    /// "† died 1978-01-11, aged 53" for a deceased patient (the year alone when `masked`).
    pub fn death_words(&self, masked: bool) -> Option<String> {
        self.death.map(|death| death.words(self.birth_date, masked))
    }

    /// Initials, age on `today` and sex: never the name, the MRN or the birth date.
    pub fn masked_identity(&self, today: NaiveDate) -> String {
        masked_identity(
            &self.given_name,
            &self.family_name,
            self.sex,
            (self.birth_date, self.death),
            today,
        )
    }

    /// Who the case is about, as masking cuts them out of the text the team typed about it.
    pub fn identity(&self) -> Identity<'_> {
        Identity {
            mrn: &self.mrn,
            family_name: &self.family_name,
            given_name: &self.given_name,
            birth_date: self.birth_date,
            others: Some(&self.others),
        }
    }

    /// The case as it was discussed: the patient's identity kept with its outcome, else (not
    /// yet decided, or decided before it was kept) today's record.
    #[must_use]
    pub fn discussed_as(&self) -> CaseDetail {
        let mut then = self.clone();
        if let Some(kept) = &self.as_discussed {
            then.mrn.clone_from(&kept.mrn);
            then.family_name.clone_from(&kept.family_name);
            then.given_name.clone_from(&kept.given_name);
            then.sex = kept.sex;
            then.birth_date = kept.birth_date;
        }
        then
    }

    /// Whether an outcome was recorded.
    pub fn discussed(&self) -> bool {
        is_discussed(&self.case)
    }

    /// Presented on the shared screen, or decided: the meeting has begun.
    pub fn started(&self) -> bool {
        self.case.presented_seconds > 0 || self.discussed()
    }
}

/// An open task in the team's task list, with who it is about.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskRow {
    pub task: Task,
    pub mrn: String,
    /// "Family, Given".
    pub name: String,
    pub family_name: String,
    pub given_name: String,
    pub birth_date: Option<NaiveDate>,
    /// The meeting the task came from, if any.
    pub meeting_id: Option<i64>,
    /// The patient's other names and numbers, for masking (see [`other_identity`]).
    #[serde(skip)]
    pub others: OtherIdentity,
    /// Open and due before the day asked about.
    pub overdue: bool,
}

impl TaskRow {
    /// Who the task is about, as masking cuts them out of its text.
    pub fn identity(&self) -> Identity<'_> {
        Identity {
            mrn: &self.mrn,
            family_name: &self.family_name,
            given_name: &self.given_name,
            birth_date: self.birth_date,
            others: Some(&self.others),
        }
    }
}

/// One discussion of a patient: the meeting, the case and the chosen option's name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatientCase {
    pub meeting: Meeting,
    pub case: MeetingCase,
    pub chosen_option: Option<String>,
}

/// The names, numbers and birth dates the record holds for a patient besides the current ones,
/// which a masked screen and masked minutes cut from what the team typed as they cut the
/// current ones: every identifier value the patient is known by (the number of a record an MPI
/// merge joined to theirs; not refract's own keeps of a source's Patient ids and servers, which
/// are no number a person types), every name their records held (`patient_names`: a maiden
/// name in `Patient.name`), and every name, MRN and birth date an import replaced (the audit
/// log's `import.patient.update` keeps what was before: a maiden name, a number before a
/// merge, a birth date corrected).
fn other_identity(conn: &Connection, patient: PatientId) -> Result<OtherIdentity> {
    let mut others = OtherIdentity {
        numbers: conn
            .prepare_cached(
                "SELECT value FROM patient_identifiers INDEXED BY patient_identifiers_patient
                 WHERE patient_id = ?1 AND system NOT LIKE 'urn:refract:patient-%'",
            )?
            .query_map([patient.0], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?,
        names: conn
            .prepare_cached(
                "SELECT family_name, given_name FROM patient_names WHERE patient_id = ?1",
            )?
            .query_map([patient.0], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?,
        former_mrns: Vec::new(),
        birth_dates: Vec::new(),
    };
    let replaced: Vec<(Option<String>, Option<String>)> = conn
        .prepare_cached(
            "SELECT before, after FROM audit_log INDEXED BY audit_log_patient
             WHERE patient_id = ?1 AND action = 'import.patient.update'",
        )?
        .query_map([patient.0], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for text in replaced
        .into_iter()
        .flat_map(|(before, after)| [before, after])
        .flatten()
    {
        let Ok(who) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        let field = |name: &str| who.get(name).and_then(|v| v.as_str()).unwrap_or_default();
        others.names.push((
            field("family_name").to_owned(),
            field("given_name").to_owned(),
        ));
        others.former_mrns.push(field("mrn").to_owned());
        // A year or a month alone is no day to cut.
        if let Ok(born) = chrono::NaiveDate::parse_from_str(field("birth_date"), "%Y-%m-%d") {
            others.birth_dates.push(born);
        }
    }
    for numbers in [&mut others.numbers, &mut others.former_mrns] {
        numbers.retain(|number| !number.trim().is_empty());
        numbers.sort();
        numbers.dedup();
    }
    others
        .names
        .retain(|(family, given)| !(family.trim().is_empty() && given.trim().is_empty()));
    others.names.sort();
    others.names.dedup();
    others.birth_dates.sort();
    others.birth_dates.dedup();
    Ok(others)
}

fn is_discussed(case: &MeetingCase) -> bool {
    case.outcome_category.is_some() || !case.outcome_text.trim().is_empty()
}

fn invalid(message: impl Into<String>) -> StoreError {
    StoreError::Invalid(message.into())
}

fn non_empty(text: &str, what: &str) -> Result<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(invalid(format!("{what} cannot be empty")));
    }
    Ok(text.to_owned())
}

fn optional_text(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

const CASE_COLUMNS: &str = "mc.id, mc.meeting_id, mc.patient_id, mc.ruleset, mc.position, \
     mc.question, mc.timebox_minutes, mc.outcome_category, mc.chosen_option_id, mc.outcome_text, \
     mc.comes_back, mc.presented_seconds, mc.plan_followed, mc.plan_followed_reason, mc.version";
const CASE_COLUMN_COUNT: usize = 15;

/// A `meeting_cases` row as SQLite holds it, before its coded columns are checked.
struct RawCase {
    id: i64,
    meeting_id: i64,
    patient_id: i64,
    ruleset: Option<String>,
    position: u32,
    question: String,
    timebox_minutes: u32,
    outcome_category: Option<String>,
    chosen_option_id: Option<i64>,
    outcome_text: String,
    comes_back: bool,
    presented_seconds: u32,
    plan_followed: Option<String>,
    plan_followed_reason: Option<String>,
    version: i64,
}

impl RawCase {
    /// Reads [`CASE_COLUMNS`] starting at column `at`.
    fn read(row: &Row<'_>, at: usize) -> rusqlite::Result<Self> {
        Ok(RawCase {
            id: row.get(at)?,
            meeting_id: row.get(at + 1)?,
            patient_id: row.get(at + 2)?,
            ruleset: row.get(at + 3)?,
            position: row.get(at + 4)?,
            question: row.get(at + 5)?,
            timebox_minutes: row.get(at + 6)?,
            outcome_category: row.get(at + 7)?,
            chosen_option_id: row.get(at + 8)?,
            outcome_text: row.get(at + 9)?,
            comes_back: row.get::<_, i64>(at + 10)? != 0,
            presented_seconds: row.get(at + 11)?,
            plan_followed: row.get(at + 12)?,
            plan_followed_reason: row.get(at + 13)?,
            version: row.get(at + 14)?,
        })
    }

    fn into_case(self) -> Result<MeetingCase> {
        Ok(MeetingCase {
            id: self.id,
            meeting_id: self.meeting_id,
            patient_id: PatientId(self.patient_id),
            ruleset: self.ruleset,
            position: self.position,
            question: self.question,
            timebox_minutes: self.timebox_minutes,
            outcome_category: self.outcome_category,
            chosen_option_id: self.chosen_option_id,
            outcome_text: self.outcome_text,
            comes_back: self.comes_back,
            presented_seconds: self.presented_seconds,
            plan_followed: parse_opt_code(
                "meeting_cases.plan_followed",
                self.plan_followed,
                PlanFollowed::parse,
            )?,
            plan_followed_reason: self.plan_followed_reason,
            version: self.version,
        })
    }
}

/// The kept identity columns of a case (see [`DiscussedIdentity`]): none until an outcome
/// was recorded.
type KeptIdentity = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn discussed_identity(
    (mrn, family_name, given_name, sex, birth_date): KeptIdentity,
) -> Result<Option<DiscussedIdentity>> {
    let Some(mrn) = mrn else {
        return Ok(None);
    };
    Ok(Some(DiscussedIdentity {
        mrn,
        family_name: family_name.unwrap_or_default(),
        given_name: given_name.unwrap_or_default(),
        sex: parse_opt_code("meeting_cases.discussed_sex", sex, Sex::parse)?
            .unwrap_or(Sex::Unknown),
        birth_date: parse_opt_date("meeting_cases.discussed_birth_date", birth_date)?,
    }))
}

/// Whether `current` is the case `shown` was (its meeting, patient and condition), not one
/// added since under the same number.
fn same_case(shown: &MeetingCase, current: &MeetingCase) -> bool {
    shown.meeting_id == current.meeting_id
        && shown.patient_id == current.patient_id
        && shown.ruleset == current.ruleset
}

fn read_case(conn: &Connection, case_id: i64) -> Result<MeetingCase> {
    conn.prepare_cached(&format!(
        "SELECT {CASE_COLUMNS} FROM meeting_cases mc WHERE mc.id = ?1"
    ))?
    .query_row([case_id], |row| RawCase::read(row, 0))
    .optional()?
    .ok_or_else(|| invalid(format!("no meeting case {case_id}")))?
    .into_case()
}

fn read_meeting(conn: &Connection, id: i64) -> Result<Meeting> {
    let (starts_at, title, team) = conn
        .prepare_cached("SELECT starts_at, title, team FROM meetings WHERE id = ?1")?
        .query_row([id], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, Option<String>>(2)?,
            ))
        })
        .optional()?
        .ok_or_else(|| invalid(format!("no meeting {id}")))?;
    Ok(Meeting {
        id,
        starts_at: parse_datetime("meetings.starts_at", &starts_at)?,
        title,
        team,
    })
}

type RawTask = (
    i64,
    i64,
    Option<i64>,
    String,
    Option<String>,
    Option<String>,
    String,
    i64,
);

fn read_raw_task(row: &Row<'_>) -> rusqlite::Result<RawTask> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
    ))
}

fn into_task(raw: RawTask) -> Result<Task> {
    let (id, patient_id, meeting_case_id, what, owner, due, status, version) = raw;
    Ok(Task {
        id,
        patient_id: PatientId(patient_id),
        meeting_case_id,
        what,
        owner,
        due: parse_opt_date("tasks.due", due)?,
        status: parse_code("tasks.status", &status, TaskStatus::parse)?,
        version,
    })
}

const TASK_COLUMNS: &str =
    "t.id, t.patient_id, t.meeting_case_id, t.what, t.owner, t.due, t.status, t.version";
/// The columns after [`TASK_COLUMNS`] start here.
const TASK_COLUMN_COUNT: usize = 8;

fn read_task(conn: &Connection, task_id: i64) -> Result<Task> {
    let raw = conn
        .prepare_cached(&format!(
            "SELECT {TASK_COLUMNS} FROM tasks t WHERE t.id = ?1"
        ))?
        .query_row([task_id], read_raw_task)
        .optional()?
        .ok_or_else(|| invalid(format!("no task {task_id}")))?;
    into_task(raw)
}

/// The tasks of one case. Looked up by patient first: `tasks` has an index on the patient and
/// none on the case.
fn case_tasks(conn: &Connection, patient: PatientId, case_id: i64) -> Result<Vec<Task>> {
    let raws = conn
        .prepare_cached(&format!(
            "SELECT {TASK_COLUMNS} FROM tasks t WHERE t.patient_id = ?1 AND t.meeting_case_id = ?2
             ORDER BY t.due IS NULL, t.due, t.id"
        ))?
        .query_map(params![patient.0, case_id], read_raw_task)?
        .collect::<Result<Vec<_>, _>>()?;
    raws.into_iter().map(into_task).collect()
}

/// The audited meeting writes, inside a transaction the caller owns, stamped with `at`.
///
/// [`Store`]'s methods of the same names run these in one immediate transaction at the current
/// time; a bulk writer (the demo) calls them directly with its own clock.
pub struct MeetingWriter<'a> {
    conn: &'a Connection,
    auditor: &'a AuditWriter,
    at: NaiveDateTime,
}

impl<'a> MeetingWriter<'a> {
    pub fn new(conn: &'a Connection, auditor: &'a AuditWriter, at: NaiveDateTime) -> Self {
        MeetingWriter { conn, auditor, at }
    }

    fn audit<B: Serialize, A: Serialize>(
        &self,
        change: Change<'_>,
        before: Option<&B>,
        after: Option<&A>,
    ) -> Result<()> {
        self.auditor
            .record_at(self.conn, self.at, change, before, after)?;
        Ok(())
    }

    fn check_patient(&self, patient: PatientId) -> Result<()> {
        let known: Option<i64> = self
            .conn
            .prepare_cached("SELECT id FROM patients WHERE id = ?1")?
            .query_row([patient.0], |row| row.get(0))
            .optional()?;
        match known {
            Some(_) => Ok(()),
            None => Err(invalid(format!("no patient {}", patient.0))),
        }
    }

    fn case_change<'c>(action: &'c str, case: &MeetingCase) -> Change<'c> {
        Change {
            action,
            entity: "meeting_cases",
            entity_id: Some(case.id),
            patient_id: Some(case.patient_id),
        }
    }

    pub fn create_meeting(
        &self,
        starts_at: NaiveDateTime,
        title: &str,
        team: Option<&str>,
    ) -> Result<i64> {
        let title = non_empty(title, "a meeting's title")?;
        let team = optional_text(team);
        self.conn
            .prepare_cached("INSERT INTO meetings (starts_at, title, team) VALUES (?1, ?2, ?3)")?
            .execute(params![format_datetime(starts_at), title, team])?;
        let id = self.conn.last_insert_rowid();
        let meeting = Meeting {
            id,
            starts_at,
            title,
            team,
        };
        self.audit(
            Change {
                action: "meeting.create",
                entity: "meetings",
                entity_id: Some(id),
                patient_id: None,
            },
            None::<&()>,
            Some(&meeting),
        )?;
        Ok(id)
    }

    /// Appends a case at the end of the agenda.
    pub fn add_case(&self, meeting: i64, patient: PatientId, ruleset: Option<&str>) -> Result<i64> {
        read_meeting(self.conn, meeting)?;
        self.check_patient(patient)?;
        let ruleset = optional_text(ruleset);
        let duplicate: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT id FROM meeting_cases
                 WHERE meeting_id = ?1 AND patient_id = ?2 AND ruleset IS ?3",
            )?
            .query_row(params![meeting, patient.0, ruleset], |row| row.get(0))
            .optional()?;
        if duplicate.is_some() {
            // No MRN or name in the message: it may be shown on the shared screen.
            return Err(invalid(match &ruleset {
                Some(ruleset) => format!("this patient is already on the agenda for {ruleset}"),
                None => String::from("this patient is already on the agenda"),
            }));
        }
        let position: u32 = self
            .conn
            .prepare_cached(
                "SELECT coalesce(max(position), 0) + 1 FROM meeting_cases WHERE meeting_id = ?1",
            )?
            .query_row([meeting], |row| row.get(0))?;
        self.conn
            .prepare_cached(
                "INSERT INTO meeting_cases (meeting_id, patient_id, ruleset, position)
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![meeting, patient.0, ruleset, position])?;
        let id = self.conn.last_insert_rowid();
        let case = read_case(self.conn, id)?;
        self.audit(
            Self::case_change("case.add", &case),
            None::<&()>,
            Some(&case),
        )?;
        Ok(id)
    }

    /// Swaps a case with its neighbour above (`up`) or below; `false` when it is already first
    /// (or last).
    pub fn move_case(&self, case_id: i64, up: bool) -> Result<bool> {
        let case = read_case(self.conn, case_id)?;
        let sql = if up {
            "SELECT id, position FROM meeting_cases WHERE meeting_id = ?1 AND position < ?2
             ORDER BY position DESC LIMIT 1"
        } else {
            "SELECT id, position FROM meeting_cases WHERE meeting_id = ?1 AND position > ?2
             ORDER BY position LIMIT 1"
        };
        let neighbour: Option<(i64, u32)> = self
            .conn
            .prepare_cached(sql)?
            .query_row(params![case.meeting_id, case.position], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()?;
        let Some((other, other_position)) = neighbour else {
            return Ok(false);
        };
        let mut update = self
            .conn
            .prepare_cached("UPDATE meeting_cases SET position = ?2 WHERE id = ?1")?;
        update.execute(params![case.id, other_position])?;
        update.execute(params![other, case.position])?;
        self.audit(
            Self::case_change("case.move", &case),
            Some(&json!({ "position": case.position })),
            Some(&json!({ "position": other_position, "swapped_with": other })),
        )?;
        Ok(true)
    }

    /// Takes a case off the agenda, closing the gap. A case with an outcome or tasks is part of
    /// the record and is refused.
    pub fn remove_case(&self, case_id: i64) -> Result<()> {
        let case = read_case(self.conn, case_id)?;
        if is_discussed(&case) {
            return Err(invalid(
                "this case has a recorded outcome; it stays on the agenda",
            ));
        }
        if !case_tasks(self.conn, case.patient_id, case.id)?.is_empty() {
            return Err(invalid(
                "this case has follow-up tasks; it stays on the agenda",
            ));
        }
        self.conn
            .prepare_cached("DELETE FROM meeting_cases WHERE id = ?1")?
            .execute([case.id])?;
        self.conn
            .prepare_cached(
                "UPDATE meeting_cases SET position = position - 1
                 WHERE meeting_id = ?1 AND position > ?2",
            )?
            .execute(params![case.meeting_id, case.position])?;
        self.audit(
            Self::case_change("case.remove", &case),
            Some(&case),
            None::<&()>,
        )
    }

    /// Takes a case off the agenda as the person was shown it ([`Self::remove_case`]): refused,
    /// nothing removed, when a colleague changed it since (its question, its time box), so
    /// that what an undo puts back is what they saw go.
    pub fn remove_shown_case(&self, shown: &MeetingCase) -> Result<()> {
        let exists: Option<i64> = self
            .conn
            .prepare_cached("SELECT id FROM meeting_cases WHERE id = ?1")?
            .query_row([shown.id], |row| row.get(0))
            .optional()?;
        let current = match exists {
            Some(id) => Some(read_case(self.conn, id)?),
            None => None,
        };
        // Another patient's case added since under the same number is not the one shown.
        let Some(current) = current.filter(|current| same_case(shown, current)) else {
            return Err(invalid(
                "the case was removed from the agenda on another terminal",
            ));
        };
        if current.version != shown.version {
            return Err(invalid(
                "the case changed on another terminal since it was shown: nothing removed; \
                 look at it again",
            ));
        }
        self.remove_case(shown.id)
    }

    /// Puts a removed case back on its meeting's agenda (the undo of a removal): at the place
    /// it had, with its id when no other case took it, its question, time box and time
    /// presented, and its version counted on. Refused when the patient is on that agenda
    /// again for the same condition (added back meanwhile). Audited as `case.restore`.
    pub fn restore_case(&self, removed: &MeetingCase) -> Result<i64> {
        read_meeting(self.conn, removed.meeting_id)?;
        self.check_patient(removed.patient_id)?;
        let ruleset = optional_text(removed.ruleset.as_deref());
        let again: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT id FROM meeting_cases
                 WHERE meeting_id = ?1 AND patient_id = ?2 AND ruleset IS ?3",
            )?
            .query_row(
                params![removed.meeting_id, removed.patient_id.0, ruleset],
                |row| row.get(0),
            )
            .optional()?;
        if again.is_some() {
            return Err(invalid(
                "this patient is on the agenda again (added back meanwhile): nothing put back",
            ));
        }
        let last: u32 = self
            .conn
            .prepare_cached(
                "SELECT coalesce(max(position), 0) FROM meeting_cases WHERE meeting_id = ?1",
            )?
            .query_row([removed.meeting_id], |row| row.get(0))?;
        let position = removed.position.clamp(1, last + 1);
        self.conn
            .prepare_cached(
                "UPDATE meeting_cases SET position = position + 1
                 WHERE meeting_id = ?1 AND position >= ?2",
            )?
            .execute(params![removed.meeting_id, position])?;
        let id_taken: Option<i64> = self
            .conn
            .prepare_cached("SELECT id FROM meeting_cases WHERE id = ?1")?
            .query_row([removed.id], |row| row.get(0))
            .optional()?;
        // An option taken off the board since is no longer the patient's to choose.
        let option: Option<i64> = match removed.chosen_option_id {
            Some(option) => self
                .conn
                .prepare_cached("SELECT id FROM options WHERE id = ?1 AND patient_id = ?2")?
                .query_row(params![option, removed.patient_id.0], |row| row.get(0))
                .optional()?,
            None => None,
        };
        self.conn
            .prepare_cached(
                "INSERT INTO meeting_cases (id, meeting_id, patient_id, ruleset, position,
                     question, timebox_minutes, outcome_category, chosen_option_id, outcome_text,
                     comes_back, presented_seconds, plan_followed, plan_followed_reason, version)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )?
            .execute(params![
                id_taken.is_none().then_some(removed.id),
                removed.meeting_id,
                removed.patient_id.0,
                ruleset,
                position,
                removed.question,
                removed.timebox_minutes,
                removed.outcome_category,
                option,
                removed.outcome_text,
                removed.comes_back,
                removed.presented_seconds,
                removed.plan_followed.map(PlanFollowed::as_str),
                removed.plan_followed_reason,
                removed.version + 1,
            ])?;
        let id = self.conn.last_insert_rowid();
        let case = read_case(self.conn, id)?;
        self.audit(
            Self::case_change("case.restore", &case),
            None::<&()>,
            Some(&case),
        )?;
        Ok(id)
    }

    pub fn set_case_question(&self, case_id: i64, question: &str) -> Result<()> {
        let case = read_case(self.conn, case_id)?;
        let new = MeetingCase {
            question: question.trim().to_owned(),
            ..case.clone()
        };
        self.write_case(&case, &new, false)
    }

    pub fn set_case_timebox(&self, case_id: i64, minutes: u32) -> Result<()> {
        let case = read_case(self.conn, case_id)?;
        let new = MeetingCase {
            timebox_minutes: minutes,
            ..case.clone()
        };
        self.write_case(&case, &new, false)
    }

    /// A person's change to a case, as they opened it and as they save it: its question, its
    /// time box, its outcome (the decision, the option chosen, the recommendation, whether it
    /// comes back) or whether its plan was followed. Field by field: the presenter's "comes
    /// back" and the scribe's decision, saved one after the other, are both kept; the same
    /// field changed by both is refused (see [`versions`]) unless the edit overwrites.
    /// A decision typed while the assessment of `ruleset` with fingerprint `seen` was on
    /// screen: refused, nothing written, when the assessment changed since (an import, a
    /// re-evaluation), as a review is; else saved as any change to the case. `seen` is `None`
    /// when no assessment was on screen: one there now is a change since (TM-6).
    pub fn save_decision(
        &self,
        edit: &Edit<MeetingCase>,
        ruleset: &str,
        seen: Option<&str>,
    ) -> Result<()> {
        let now: Option<(String, String, String)> = self
            .conn
            .prepare_cached(
                "SELECT status, label, fingerprint FROM assessments
                 WHERE patient_id = ?1 AND ruleset = ?2",
            )?
            .query_row(params![edit.new.patient_id.0, ruleset], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })
            .optional()?;
        if let Some((status, label, fingerprint)) = now
            && Some(fingerprint.as_str()) != seen
        {
            return Err(StoreError::AssessmentChanged {
                status: parse_code("assessments.status", &status, AssessmentStatus::parse)?,
                label,
                fingerprint,
            });
        }
        self.save_case(edit)
    }

    pub fn save_case(&self, edit: &Edit<MeetingCase>) -> Result<()> {
        let current = read_case(self.conn, edit.new.id)?;
        // A case removed takes its number with it only until the next case is added: SQLite
        // gives a new row the number of the last one removed. A change begun on a case is
        // never saved on another patient's case that took its number since.
        if let Some(base) = &edit.base
            && !same_case(base, &current)
        {
            return Err(invalid(
                "the case was removed from the agenda on another terminal: nothing saved",
            ));
        }
        let checked = match versions::check(Some(&current), edit, |fields| {
            last_change(self.conn, "meeting_cases", current.id, fields)
        }) {
            Err(StoreError::Conflict(conflict)) => {
                return Err(StoreError::Conflict(self.option_in_words(conflict)?));
            }
            checked => checked?,
        };
        self.write_case(&current, &checked.record, checked.overwrote)
    }

    /// A refusal that names the option a colleague chose by its name, as the screens do,
    /// never by its number in the file.
    fn option_in_words(&self, mut conflict: Box<Conflict>) -> Result<Box<Conflict>> {
        let field = "chosen_option_id";
        let Some(option) = conflict
            .theirs
            .get(field)
            .and_then(serde_json::Value::as_i64)
        else {
            return Ok(conflict);
        };
        let name: Option<String> = self
            .conn
            .prepare_cached("SELECT name FROM options WHERE id = ?1")?
            .query_row([option], |row| row.get(0))
            .optional()?;
        conflict.in_words.insert(
            field.to_owned(),
            name.unwrap_or_else(|| String::from("an option since taken off the board")),
        );
        Ok(conflict)
    }

    /// Writes what differs between `current` and `new`, each part checked and audited as its
    /// own change (`case.question`, `case.timebox`, `case.outcome`, `case.plan_followed`), and
    /// bumps the case's version once.
    fn write_case(&self, current: &MeetingCase, new: &MeetingCase, overwrote: bool) -> Result<()> {
        let action = |name: &'static str| -> String {
            if overwrote {
                format!("{name}.overwrite")
            } else {
                name.to_owned()
            }
        };
        let mut changed = false;
        let question = new.question.trim();
        if question != current.question {
            self.conn
                .prepare_cached("UPDATE meeting_cases SET question = ?2 WHERE id = ?1")?
                .execute(params![current.id, question])?;
            self.audit(
                Self::case_change(&action("case.question"), current),
                Some(&json!({ "question": current.question })),
                Some(&json!({ "question": question })),
            )?;
            changed = true;
        }
        if new.timebox_minutes != current.timebox_minutes {
            if new.timebox_minutes == 0 || new.timebox_minutes > MAX_TIMEBOX_MINUTES {
                return Err(invalid(format!(
                    "a time box is 1 to {MAX_TIMEBOX_MINUTES} minutes"
                )));
            }
            self.conn
                .prepare_cached("UPDATE meeting_cases SET timebox_minutes = ?2 WHERE id = ?1")?
                .execute(params![current.id, new.timebox_minutes])?;
            self.audit(
                Self::case_change(&action("case.timebox"), current),
                Some(&json!({ "timebox_minutes": current.timebox_minutes })),
                Some(&json!({ "timebox_minutes": new.timebox_minutes })),
            )?;
            changed = true;
        }
        let text = new.outcome_text.trim();
        if new.outcome_category != current.outcome_category
            || new.chosen_option_id != current.chosen_option_id
            || text != current.outcome_text
            || new.comes_back != current.comes_back
        {
            // Presented with the question it has now (saved just above, if at all).
            let presented = MeetingCase {
                question: question.to_owned(),
                ..current.clone()
            };
            can_present(&presented).map_err(|problem| invalid(problem.to_string()))?;
            if let Some(option) = new.chosen_option_id {
                let owner: Option<i64> = self
                    .conn
                    .prepare_cached("SELECT patient_id FROM options WHERE id = ?1")?
                    .query_row([option], |row| row.get(0))
                    .optional()?;
                if owner != Some(current.patient_id.0) {
                    return Err(invalid(format!(
                        "option {option} is not one of this patient's options"
                    )));
                }
            }
            self.conn
                .prepare_cached(
                    "UPDATE meeting_cases SET outcome_category = ?2, chosen_option_id = ?3,
                            outcome_text = ?4, comes_back = ?5
                     WHERE id = ?1",
                )?
                .execute(params![
                    current.id,
                    new.outcome_category,
                    new.chosen_option_id,
                    text,
                    i64::from(new.comes_back),
                ])?;
            self.keep_identity_as_discussed(
                current.id,
                new.outcome_category.is_some() || !text.is_empty(),
            )?;
            self.audit(
                Self::case_change(&action("case.outcome"), current),
                Some(&json!({
                    "category": current.outcome_category,
                    "chosen_option_id": current.chosen_option_id,
                    "text": current.outcome_text,
                    "comes_back": current.comes_back,
                })),
                Some(&json!({
                    "category": new.outcome_category,
                    "chosen_option_id": new.chosen_option_id,
                    "text": text,
                    "comes_back": new.comes_back,
                })),
            )?;
            changed = true;
        }
        let reason = optional_text(new.plan_followed_reason.as_deref());
        if new.plan_followed != current.plan_followed || reason != current.plan_followed_reason {
            let discussed = new.outcome_category.is_some() || !text.is_empty();
            if !discussed {
                return Err(invalid(
                    "this case has no recorded outcome, so there is no plan to follow",
                ));
            }
            if new.plan_followed == Some(PlanFollowed::No) && reason.is_none() {
                return Err(invalid("a plan that was not followed needs the reason"));
            }
            self.conn
                .prepare_cached(
                    "UPDATE meeting_cases SET plan_followed = ?2, plan_followed_reason = ?3
                     WHERE id = ?1",
                )?
                .execute(params![
                    current.id,
                    new.plan_followed.map(PlanFollowed::as_str),
                    reason
                ])?;
            self.audit(
                Self::case_change(&action("case.plan_followed"), current),
                Some(&json!({
                    "plan_followed": current.plan_followed,
                    "reason": current.plan_followed_reason,
                })),
                Some(&json!({ "plan_followed": new.plan_followed, "reason": reason })),
            )?;
            changed = true;
        }
        if changed {
            self.conn
                .prepare_cached("UPDATE meeting_cases SET version = ?2 WHERE id = ?1")?
                .execute(params![current.id, current.version + 1])?;
        }
        Ok(())
    }

    /// Keeps who the patient is on record with a case's outcome (see [`DiscussedIdentity`]).
    /// refract has no act that closes a meeting: the outcome recorded for the case is what the
    /// minutes say was decided about whom, so the identity is taken when the first outcome is
    /// written, and a later correction of that outcome (weeks on, after an import renamed the
    /// patient) keeps it. A case whose outcome is cleared is undecided again and takes the
    /// identity afresh when it is decided.
    fn keep_identity_as_discussed(&self, case_id: i64, discussed: bool) -> Result<()> {
        let sql = if discussed {
            "UPDATE meeting_cases
             SET (discussed_mrn, discussed_family_name, discussed_given_name, discussed_sex,
                  discussed_birth_date) =
                 (SELECT mrn, family_name, given_name, sex, birth_date FROM patients
                  WHERE id = meeting_cases.patient_id)
             WHERE id = ?1 AND discussed_mrn IS NULL"
        } else {
            "UPDATE meeting_cases
             SET discussed_mrn = NULL, discussed_family_name = NULL, discussed_given_name = NULL,
                 discussed_sex = NULL, discussed_birth_date = NULL
             WHERE id = ?1"
        };
        self.conn.prepare_cached(sql)?.execute([case_id])?;
        Ok(())
    }

    /// Adds to the time a case was on screen. Not audited: the timer is a measurement the
    /// screen takes every few seconds, not a decision anyone makes, and auditing it would bury
    /// the decisions of the meeting under timer rows.
    pub fn add_presented_seconds(&self, case_id: i64, seconds: u32) -> Result<()> {
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE meeting_cases SET presented_seconds = presented_seconds + ?2 WHERE id = ?1",
            )?
            .execute(params![case_id, seconds])?;
        if changed == 0 {
            return Err(invalid(format!("no meeting case {case_id}")));
        }
        Ok(())
    }

    /// Counts `seconds` a terminal (the connection `by`) showed a case, up to `now_ms` (Unix
    /// milliseconds): the case has one clock however many terminals show it. Seconds of the
    /// terminal that counted last all count (its intervals follow each other); another
    /// terminal's count only the part after the clock, so a presenter and a scribe on the
    /// same case record its wall time once. The choice of one frontier rather than a list of
    /// intervals: terminals write every few seconds in the order time passes, so what lies
    /// before the frontier was on a screen that already counted it; a save held back longer
    /// than that (a busy file) loses at most the seconds it overlapped.
    pub fn count_presented_seconds(
        &self,
        case_id: i64,
        seconds: u32,
        by: &str,
        now_ms: i64,
    ) -> Result<()> {
        let clock: Option<(Option<i64>, Option<String>)> = self
            .conn
            .prepare_cached(
                "SELECT presented_clock_ms, presented_clock_by FROM meeting_cases WHERE id = ?1",
            )?
            .query_row([case_id], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        let Some((clock_ms, clock_by)) = clock else {
            return Err(invalid(format!("no meeting case {case_id}")));
        };
        let counted = match (clock_ms, clock_by) {
            (Some(at), Some(last)) if last != by => {
                // Rounded, not cut: two terminals a fraction of a second apart would otherwise
                // lose a second at every turn.
                let after_clock = (now_ms.saturating_sub(at).max(0) + 500) / 1000;
                u32::try_from(after_clock).unwrap_or(u32::MAX).min(seconds)
            }
            _ => seconds,
        };
        self.conn
            .prepare_cached(
                "UPDATE meeting_cases SET presented_seconds = presented_seconds + ?2,
                        presented_clock_ms = max(coalesce(presented_clock_ms, ?3), ?3),
                        presented_clock_by = ?4
                 WHERE id = ?1",
            )?
            .execute(params![case_id, counted, now_ms, by])?;
        Ok(())
    }

    /// How many seconds before `now_ms` a case's time was last counted by a terminal other
    /// than `by`; `None` when it never was, or `by` counted it last.
    pub fn seconds_since_counted_elsewhere(
        &self,
        case_id: i64,
        by: &str,
        now_ms: i64,
    ) -> Result<Option<u32>> {
        let clock: Option<(Option<i64>, Option<String>)> = self
            .conn
            .prepare_cached(
                "SELECT presented_clock_ms, presented_clock_by FROM meeting_cases WHERE id = ?1",
            )?
            .query_row([case_id], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        Ok(match clock {
            Some((Some(at), Some(last))) if last != by => Some(
                u32::try_from((now_ms.saturating_sub(at).max(0) + 500) / 1000).unwrap_or(u32::MAX),
            ),
            _ => None,
        })
    }

    pub fn add_attendee(&self, meeting: i64, name: &str, specialty: &str) -> Result<i64> {
        read_meeting(self.conn, meeting)?;
        let name = non_empty(name, "an attendee's name")?;
        let specialty = non_empty(specialty, "an attendee's specialty")?;
        self.conn
            .prepare_cached(
                "INSERT INTO attendees (meeting_id, name, specialty, present) VALUES (?1, ?2, ?3, 1)",
            )?
            .execute(params![meeting, name, specialty])?;
        let id = self.conn.last_insert_rowid();
        let attendee = Attendee {
            id,
            meeting_id: meeting,
            name,
            specialty,
            present: true,
            version: 1,
        };
        self.audit(
            Self::attendee_change("attendee.add", id),
            None::<&()>,
            Some(&attendee),
        )?;
        Ok(id)
    }

    fn attendee_change(action: &str, id: i64) -> Change<'_> {
        Change {
            action,
            entity: "attendees",
            entity_id: Some(id),
            patient_id: None,
        }
    }

    fn read_attendee(&self, id: i64) -> Result<Attendee> {
        self.conn
            .prepare_cached(
                "SELECT meeting_id, name, specialty, present, version FROM attendees WHERE id = ?1",
            )?
            .query_row([id], |row| {
                Ok(Attendee {
                    id,
                    meeting_id: row.get(0)?,
                    name: row.get(1)?,
                    specialty: row.get(2)?,
                    present: row.get::<_, i64>(3)? != 0,
                    version: row.get(4)?,
                })
            })
            .optional()?
            .ok_or_else(|| invalid(format!("no attendee {id}")))
    }

    pub fn set_attendee_present(&self, id: i64, present: bool) -> Result<()> {
        let before = self.read_attendee(id)?;
        let after = Attendee {
            present,
            ..before.clone()
        };
        self.write_attendee(&before, &after, false)
    }

    /// A person's change to an attendee (present or absent), checked against what they opened
    /// (see [`versions`]).
    pub fn save_attendee(&self, edit: &Edit<Attendee>) -> Result<()> {
        let current = self.read_attendee(edit.new.id)?;
        let checked = versions::check(Some(&current), edit, |fields| {
            last_change(self.conn, "attendees", current.id, fields)
        })?;
        self.write_attendee(&current, &checked.record, checked.overwrote)
    }

    fn write_attendee(&self, before: &Attendee, after: &Attendee, overwrote: bool) -> Result<()> {
        if before.name == after.name
            && before.specialty == after.specialty
            && before.present == after.present
        {
            return Ok(());
        }
        let name = non_empty(&after.name, "an attendee's name")?;
        let specialty = non_empty(&after.specialty, "an attendee's specialty")?;
        self.conn
            .prepare_cached(
                "UPDATE attendees SET name = ?2, specialty = ?3, present = ?4, version = ?5
                 WHERE id = ?1",
            )?
            .execute(params![
                before.id,
                name,
                specialty,
                i64::from(after.present),
                before.version + 1
            ])?;
        let action = if before.name == name && before.specialty == specialty {
            "attendee.present"
        } else {
            "attendee.update"
        };
        let action = if overwrote {
            format!("{action}.overwrite")
        } else {
            action.to_owned()
        };
        self.audit(
            Self::attendee_change(&action, before.id),
            Some(before),
            Some(&Attendee {
                name,
                specialty,
                ..after.clone()
            }),
        )
    }

    pub fn remove_attendee(&self, id: i64) -> Result<()> {
        let before = self.read_attendee(id)?;
        self.conn
            .prepare_cached("DELETE FROM attendees WHERE id = ?1")?
            .execute([id])?;
        self.audit(
            Self::attendee_change("attendee.remove", id),
            Some(&before),
            None::<&()>,
        )
    }

    /// Records (or replaces) the outcome of a case. The case must have its question (it was
    /// presented), and a chosen option must be one of the same patient's.
    pub fn record_outcome(&self, case_id: i64, outcome: &Outcome) -> Result<()> {
        let case = read_case(self.conn, case_id)?;
        let new = MeetingCase {
            outcome_category: outcome.category.map(|c| c.as_str().to_owned()),
            chosen_option_id: outcome.chosen_option_id,
            outcome_text: outcome.text.clone(),
            comes_back: outcome.comes_back,
            ..case.clone()
        };
        self.write_case(&case, &new, false)
    }

    /// Records whether the plan of a discussed case was followed; "no" needs the reason (the
    /// implementation audit asks why).
    pub fn set_plan_followed(
        &self,
        case_id: i64,
        followed: PlanFollowed,
        reason: Option<&str>,
    ) -> Result<()> {
        let case = read_case(self.conn, case_id)?;
        let new = MeetingCase {
            plan_followed: Some(followed),
            plan_followed_reason: optional_text(reason),
            ..case.clone()
        };
        self.write_case(&case, &new, false)
    }

    /// Adds an open task and refreshes the patient's overdue mark as of `today`.
    pub fn add_task(
        &self,
        patient: PatientId,
        meeting_case: Option<i64>,
        what: &str,
        owner: Option<&str>,
        due: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<i64> {
        let what = non_empty(what, "a task")?;
        // A task typed on a case names the patient the case was about when it was opened. An
        // import that joined that record into another of the same person meanwhile moved the
        // case with it: the task goes with the case to the kept record, never refused as if
        // the case were another patient's (nor filed on anyone the record was not joined into).
        let patient = match meeting_case {
            Some(case_id) => {
                let case = read_case(self.conn, case_id)?;
                if case.patient_id != patient
                    && super::joins::kept_record(self.conn, patient)? != Some(case.patient_id)
                {
                    return Err(invalid(format!(
                        "meeting case {case_id} is about another patient"
                    )));
                }
                case.patient_id
            }
            None => patient,
        };
        self.check_patient(patient)?;
        let owner = optional_text(owner);
        self.conn
            .prepare_cached(
                "INSERT INTO tasks (patient_id, meeting_case_id, what, owner, due, status, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'open', ?6)",
            )?
            .execute(params![
                patient.0,
                meeting_case,
                what,
                owner,
                due.map(format_date),
                format_datetime(self.at),
            ])?;
        let id = self.conn.last_insert_rowid();
        let task = Task {
            id,
            patient_id: patient,
            meeting_case_id: meeting_case,
            what,
            owner,
            due,
            status: TaskStatus::Open,
            version: 1,
        };
        self.audit(
            Change {
                action: "task.add",
                entity: "tasks",
                entity_id: Some(id),
                patient_id: Some(patient),
            },
            None::<&()>,
            Some(&task),
        )?;
        refresh_list_row(self.conn, patient, today, self.at)?;
        Ok(id)
    }

    /// Marks a task open, done or cancelled, and refreshes the patient's overdue mark.
    pub fn set_task_status(
        &self,
        task_id: i64,
        status: TaskStatus,
        today: NaiveDate,
    ) -> Result<()> {
        let before = read_task(self.conn, task_id)?;
        let after = Task {
            status,
            ..before.clone()
        };
        self.write_task(&before, &after, false, today)
    }

    /// A person's change to a task (its status), checked against what they opened (see
    /// [`versions`]).
    pub fn save_task(&self, edit: &Edit<Task>, today: NaiveDate) -> Result<()> {
        let current = read_task(self.conn, edit.new.id)?;
        let checked = versions::check(Some(&current), edit, |fields| {
            last_change(self.conn, "tasks", current.id, fields)
        })?;
        self.write_task(&current, &checked.record, checked.overwrote, today)
    }

    fn write_task(
        &self,
        before: &Task,
        after: &Task,
        overwrote: bool,
        today: NaiveDate,
    ) -> Result<()> {
        let what = non_empty(&after.what, "a task")?;
        let owner = optional_text(after.owner.as_deref());
        if what == before.what
            && owner == before.owner
            && after.due == before.due
            && after.status == before.status
        {
            return Ok(());
        }
        self.conn
            .prepare_cached(
                "UPDATE tasks SET what = ?2, owner = ?3, due = ?4, status = ?5, version = ?6
                 WHERE id = ?1",
            )?
            .execute(params![
                before.id,
                what,
                owner,
                after.due.map(format_date),
                after.status.as_str(),
                before.version + 1,
            ])?;
        let action = if what == before.what && owner == before.owner && after.due == before.due {
            "task.status"
        } else {
            "task.update"
        };
        self.audit(
            Change {
                action: &if overwrote {
                    format!("{action}.overwrite")
                } else {
                    action.to_owned()
                },
                entity: "tasks",
                entity_id: Some(before.id),
                patient_id: Some(before.patient_id),
            },
            Some(before),
            Some(&Task {
                what,
                owner,
                ..after.clone()
            }),
        )?;
        refresh_list_row(self.conn, before.patient_id, today, self.at)?;
        Ok(())
    }
}

impl Store {
    /// Runs one meeting write in its own immediate transaction, audited at the current time.
    fn meeting_write<T>(
        &mut self,
        work: impl FnOnce(&MeetingWriter<'_>) -> Result<T>,
    ) -> Result<T> {
        let auditor = self.auditor();
        self.write(|tx| work(&MeetingWriter::new(tx, &auditor, now_utc())))
    }

    /// Creates a meeting; `starts_at` is local wall-clock time, as the team reads it.
    pub fn create_meeting(
        &mut self,
        starts_at: NaiveDateTime,
        title: &str,
        team: Option<&str>,
    ) -> Result<i64> {
        self.meeting_write(|w| w.create_meeting(starts_at, title, team))
    }

    /// Appends a case to a meeting's agenda; refuses the same patient and condition twice.
    pub fn add_case(
        &mut self,
        meeting: i64,
        patient: PatientId,
        ruleset: Option<&str>,
    ) -> Result<i64> {
        self.meeting_write(|w| w.add_case(meeting, patient, ruleset))
    }

    /// Moves a case one place up or down the agenda; `false` when it cannot move further.
    pub fn move_case(&mut self, case_id: i64, up: bool) -> Result<bool> {
        self.meeting_write(|w| w.move_case(case_id, up))
    }

    /// Takes an undiscussed case without tasks off the agenda; positions stay contiguous.
    pub fn remove_case(&mut self, case_id: i64) -> Result<()> {
        self.meeting_write(|w| w.remove_case(case_id))
    }

    /// Takes a case off the agenda as it was shown; refused when it changed since.
    pub fn remove_shown_case(&mut self, shown: &MeetingCase) -> Result<()> {
        self.meeting_write(|w| w.remove_shown_case(shown))
    }

    /// Puts a removed case back where it was on its agenda (the undo of a removal).
    pub fn restore_case(&mut self, removed: &MeetingCase) -> Result<i64> {
        self.meeting_write(|w| w.restore_case(removed))
    }

    pub fn set_case_question(&mut self, case_id: i64, question: &str) -> Result<()> {
        self.meeting_write(|w| w.set_case_question(case_id, question))
    }

    pub fn set_case_timebox(&mut self, case_id: i64, minutes: u32) -> Result<()> {
        self.meeting_write(|w| w.set_case_timebox(case_id, minutes))
    }

    /// Adds the seconds this open file showed a case to its presentation time, counted once
    /// however many terminals show it (not audited: see
    /// [`MeetingWriter::add_presented_seconds`], [`MeetingWriter::count_presented_seconds`]).
    pub fn add_presented_seconds(&mut self, case_id: i64, seconds: u32) -> Result<()> {
        let by = self.session.clone();
        let now_ms = chrono::Utc::now().timestamp_millis();
        self.meeting_write(|w| w.count_presented_seconds(case_id, seconds, &by, now_ms))
    }

    /// Seconds since another terminal last counted a case's time (`None`: never, or this open
    /// file did): at most that much of this terminal's uncounted seconds is new, the rest being
    /// in the stored time already. The timer adds only that to the stored time.
    pub fn seconds_since_counted_elsewhere(&self, case_id: i64) -> Result<Option<u32>> {
        let now_ms = chrono::Utc::now().timestamp_millis();
        let auditor = self.auditor();
        MeetingWriter::new(&self.conn, &auditor, now_utc()).seconds_since_counted_elsewhere(
            case_id,
            &self.session,
            now_ms,
        )
    }

    pub fn add_attendee(&mut self, meeting: i64, name: &str, specialty: &str) -> Result<i64> {
        self.meeting_write(|w| w.add_attendee(meeting, name, specialty))
    }

    pub fn set_attendee_present(&mut self, id: i64, present: bool) -> Result<()> {
        self.meeting_write(|w| w.set_attendee_present(id, present))
    }

    pub fn remove_attendee(&mut self, id: i64) -> Result<()> {
        self.meeting_write(|w| w.remove_attendee(id))
    }

    /// Records the outcome of a presented case (one with its question).
    pub fn record_outcome(&mut self, case_id: i64, outcome: &Outcome) -> Result<()> {
        self.meeting_write(|w| w.record_outcome(case_id, outcome))
    }

    /// A person's change to a case: question, time box, outcome or plan followed, checked
    /// against the case as they opened it (see [`MeetingWriter::save_case`]).
    pub fn save_case(&mut self, edit: &Edit<MeetingCase>) -> Result<()> {
        self.meeting_write(|w| w.save_case(edit))
    }

    /// A decision, checked against the assessment it was typed against (see
    /// [`MeetingWriter::save_decision`]) in the same transaction as it is written.
    pub fn save_decision(
        &mut self,
        edit: &Edit<MeetingCase>,
        ruleset: &str,
        seen: Option<&str>,
    ) -> Result<()> {
        self.meeting_write(|w| w.save_decision(edit, ruleset, seen))
    }

    /// A person's change to an attendee, checked against what they opened.
    pub fn save_attendee(&mut self, edit: &Edit<Attendee>) -> Result<()> {
        self.meeting_write(|w| w.save_attendee(edit))
    }

    /// A person's change to a task, checked against what they opened; `today` decides the
    /// patient's overdue mark on the list.
    pub fn save_task(&mut self, edit: &Edit<Task>, today: NaiveDate) -> Result<()> {
        self.meeting_write(|w| w.save_task(edit, today))
    }

    /// Whether a discussed case's plan was followed; `No` requires a reason.
    pub fn set_plan_followed(
        &mut self,
        case_id: i64,
        followed: PlanFollowed,
        reason: Option<&str>,
    ) -> Result<()> {
        self.meeting_write(|w| w.set_plan_followed(case_id, followed, reason))
    }

    /// Adds an open task; `today` decides the patient's overdue mark on the list.
    pub fn add_task(
        &mut self,
        patient: PatientId,
        meeting_case: Option<i64>,
        what: &str,
        owner: Option<&str>,
        due: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<i64> {
        self.meeting_write(|w| w.add_task(patient, meeting_case, what, owner, due, today))
    }

    /// Changes a task's status; `today` decides the patient's overdue mark on the list.
    pub fn set_task_status(
        &mut self,
        task_id: i64,
        status: TaskStatus,
        today: NaiveDate,
    ) -> Result<()> {
        self.meeting_write(|w| w.set_task_status(task_id, status, today))
    }

    /// Task `id` as it is now, and who last changed its status, when: what a list that showed
    /// it open says once it left the open tasks (done or cancelled on another terminal).
    /// `None` when the task is no longer in the file.
    pub fn task_and_status_change(
        &self,
        id: i64,
    ) -> Result<Option<(Task, Option<super::ChangedBy>)>> {
        let Ok(task) = read_task(&self.conn, id) else {
            return Ok(None);
        };
        let by = super::versions::last_change(&self.conn, "tasks", id, &[String::from("status")])?;
        Ok(Some((task, by)))
    }

    /// Every meeting, newest first, with its case counts.
    pub fn meetings(&self) -> Result<Vec<MeetingSummary>> {
        let raws = self
            .conn
            .prepare_cached(
                "SELECT m.id, m.starts_at, m.title, m.team,
                        (SELECT count(*) FROM meeting_cases mc WHERE mc.meeting_id = m.id),
                        (SELECT count(*) FROM meeting_cases mc WHERE mc.meeting_id = m.id
                           AND (mc.outcome_category IS NOT NULL OR trim(mc.outcome_text) <> ''))
                 FROM meetings m ORDER BY m.starts_at DESC, m.id DESC",
            )?
            .query_map([], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, Option<String>>(3)?,
                    row.get::<_, u32>(4)?,
                    row.get::<_, u32>(5)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        raws.into_iter()
            .map(|(id, starts_at, title, team, cases, discussed)| {
                Ok(MeetingSummary {
                    id,
                    starts_at: parse_datetime("meetings.starts_at", &starts_at)?,
                    title,
                    team,
                    cases,
                    discussed,
                    agenda: agenda_patients(&self.conn, id)?,
                })
            })
            .collect()
    }

    /// The meeting `refract minutes latest` means: the most recent one that has started, else
    /// (only future meetings) the next one. A meeting has started when its time has come by
    /// `now` or when a case on it was presented or decided (a meeting held before the time it
    /// was entered with). Minutes are asked for after a meeting, so a meeting already under way
    /// or over wins over an upcoming agenda. `now` is local wall-clock time, as meetings are
    /// entered.
    pub fn latest_meeting_id(&self, now: NaiveDateTime) -> Result<Option<i64>> {
        let now = format_datetime(now);
        let started: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT id FROM meetings m
                 WHERE starts_at <= ?1
                    OR EXISTS (SELECT 1 FROM meeting_cases c WHERE c.meeting_id = m.id
                               AND (c.presented_seconds > 0 OR c.outcome_category IS NOT NULL
                                    OR trim(c.outcome_text) != ''))
                 ORDER BY starts_at DESC, id DESC LIMIT 1",
            )?
            .query_row([&now], |row| row.get(0))
            .optional()?;
        if started.is_some() {
            return Ok(started);
        }
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id FROM meetings WHERE starts_at > ?1 ORDER BY starts_at, id LIMIT 1",
            )?
            .query_row([&now], |row| row.get(0))
            .optional()?)
    }

    /// The next meeting on the team's calendar: the first one on `today` or later (a meeting
    /// under way today is still "the next meeting" of the overview).
    pub fn next_meeting_id(&self, today: NaiveDate) -> Result<Option<i64>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id FROM meetings WHERE starts_at >= ?1 ORDER BY starts_at, id LIMIT 1",
            )?
            .query_row([format_date(today)], |row| row.get(0))
            .optional()?)
    }

    /// One meeting with its attendees and its agenda, read as one snapshot (a scribe writing
    /// in another process never shows half a change).
    pub fn meeting(&self, id: i64) -> Result<MeetingDetail> {
        let snapshot = self.conn.unchecked_transaction()?;
        let meeting = read_meeting(&snapshot, id)?;
        let attendees = snapshot
            .prepare_cached(
                "SELECT id, name, specialty, present, version FROM attendees WHERE meeting_id = ?1
                 ORDER BY id",
            )?
            .query_map([id], |row| {
                Ok(Attendee {
                    id: row.get(0)?,
                    meeting_id: id,
                    name: row.get(1)?,
                    specialty: row.get(2)?,
                    present: row.get::<_, i64>(3)? != 0,
                    version: row.get(4)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let raws = snapshot
            .prepare_cached(&format!(
                "SELECT {CASE_COLUMNS}, p.mrn, p.family_name, p.given_name, p.sex, p.birth_date,
                        coalesce(mc.ruleset, p.list_ruleset), a.status, a.label, o.name,
                        p.deceased, p.deceased_date, mc.discussed_mrn, mc.discussed_family_name,
                        mc.discussed_given_name, mc.discussed_sex, mc.discussed_birth_date,
                        p.deceased_in
                 FROM meeting_cases mc
                 JOIN patients p ON p.id = mc.patient_id
                 LEFT JOIN assessments a
                   ON a.patient_id = mc.patient_id AND a.ruleset = coalesce(mc.ruleset, p.list_ruleset)
                 LEFT JOIN options o ON o.id = mc.chosen_option_id
                 WHERE mc.meeting_id = ?1 ORDER BY mc.position, mc.id"
            ))?
            .query_map([id], |row| {
                let at = CASE_COLUMN_COUNT;
                Ok((
                    RawCase::read(row, 0)?,
                    (
                        row.get::<_, String>(at)?,
                        row.get::<_, String>(at + 1)?,
                        row.get::<_, String>(at + 2)?,
                        row.get::<_, String>(at + 3)?,
                        row.get::<_, String>(at + 4)?,
                    ),
                    (
                        row.get::<_, String>(at + 5)?,
                        row.get::<_, Option<String>>(at + 6)?,
                        row.get::<_, Option<String>>(at + 7)?,
                        row.get::<_, Option<String>>(at + 8)?,
                    ),
                    (
                        row.get::<_, bool>(at + 9)?,
                        row.get::<_, Option<String>>(at + 10)?,
                        row.get::<_, Option<String>>(at + 16)?,
                    ),
                    (
                        row.get::<_, Option<String>>(at + 11)?,
                        row.get::<_, Option<String>>(at + 12)?,
                        row.get::<_, Option<String>>(at + 13)?,
                        row.get::<_, Option<String>>(at + 14)?,
                        row.get::<_, Option<String>>(at + 15)?,
                    ),
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut cases = Vec::with_capacity(raws.len());
        for (
            raw,
            (mrn, family_name, given_name, sex, birth),
            (ruleset, status, label, option),
            (deceased, deceased_date, deceased_in),
            kept,
        ) in raws
        {
            let case = raw.into_case()?;
            let (line, regimen) = snapshot
                .prepare_cached(
                    "SELECT number, regimen FROM treatment_lines WHERE patient_id = ?1 AND ruleset = ?2
                     ORDER BY number DESC, start DESC LIMIT 1",
                )?
                .query_row(params![case.patient_id.0, ruleset], |row| {
                    Ok((row.get::<_, u32>(0)?, row.get::<_, String>(1)?))
                })
                .optional()?
                .unwrap_or_default();
            let tasks = case_tasks(&snapshot, case.patient_id, case.id)?;
            let mut others = other_identity(&snapshot, case.patient_id)?;
            let as_discussed = discussed_identity(kept)?;
            // Masking cuts the name they were discussed under however the record came by it
            // (a document carried without the import that renamed them).
            if let Some(kept) = &as_discussed {
                others
                    .names
                    .push((kept.family_name.clone(), kept.given_name.clone()));
                others.former_mrns.push(kept.mrn.clone());
                others.birth_dates.extend(kept.birth_date);
            }
            cases.push(CaseDetail {
                mrn,
                family_name,
                given_name,
                sex: parse_code("patients.sex", &sex, Sex::parse)?,
                birth_date: parse_opt_date("patients.birth_date", Some(birth))?,
                death: Death::of(
                    deceased,
                    parse_opt_date("patients.deceased_date", deceased_date)?,
                    deceased_in.as_deref().and_then(PartialDate::parse),
                ),
                ruleset,
                status: parse_opt_code("assessments.status", status, AssessmentStatus::parse)?,
                status_label: label,
                line,
                regimen,
                chosen_option: option,
                tasks,
                others,
                as_discussed,
                case,
            });
        }
        Ok(MeetingDetail {
            meeting,
            attendees,
            cases,
        })
    }

    /// One case of an agenda.
    pub fn meeting_case(&self, case_id: i64) -> Result<MeetingCase> {
        read_case(&self.conn, case_id)
    }

    /// Every discussion of a patient, newest meeting first.
    pub fn cases_of_patient(&self, patient: PatientId) -> Result<Vec<PatientCase>> {
        let raws = self
            .conn
            .prepare_cached(&format!(
                "SELECT {CASE_COLUMNS}, m.starts_at, m.title, m.team, o.name
                 FROM meeting_cases mc JOIN meetings m ON m.id = mc.meeting_id
                 LEFT JOIN options o ON o.id = mc.chosen_option_id
                 WHERE mc.patient_id = ?1 ORDER BY m.starts_at DESC, m.id DESC, mc.position"
            ))?
            .query_map([patient.0], |row| {
                let at = CASE_COLUMN_COUNT;
                Ok((
                    RawCase::read(row, 0)?,
                    row.get::<_, String>(at)?,
                    row.get::<_, String>(at + 1)?,
                    row.get::<_, Option<String>>(at + 2)?,
                    row.get::<_, Option<String>>(at + 3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        raws.into_iter()
            .map(|(raw, starts_at, title, team, option)| {
                let case = raw.into_case()?;
                Ok(PatientCase {
                    meeting: Meeting {
                        id: case.meeting_id,
                        starts_at: parse_datetime("meetings.starts_at", &starts_at)?,
                        title,
                        team,
                    },
                    case,
                    chosen_option: option,
                })
            })
            .collect()
    }

    /// A patient's tasks, due first (undated last).
    pub fn tasks_of_patient(&self, patient: PatientId) -> Result<Vec<Task>> {
        self.tasks(patient)
    }

    /// The names, numbers and birth dates the record holds for a patient besides the current
    /// ones (see [`other_identity`]): what a masked screen cuts from the team's text about them
    /// as it cuts the current ones.
    pub fn other_identity(&self, patient: PatientId) -> Result<OtherIdentity> {
        other_identity(&self.conn, patient)
    }

    /// Every open task with who it is about, due first (undated last), overdue ones flagged as
    /// of `today`. Reads through the partial index of open tasks.
    pub fn open_tasks(&self, today: NaiveDate) -> Result<Vec<TaskRow>> {
        let raws = self
            .conn
            .prepare_cached(&format!(
                "SELECT {TASK_COLUMNS}, p.mrn, p.family_name, p.given_name, mc.meeting_id,
                        p.birth_date
                 FROM tasks t JOIN patients p ON p.id = t.patient_id
                 LEFT JOIN meeting_cases mc ON mc.id = t.meeting_case_id
                 WHERE t.status = 'open'
                 ORDER BY t.due IS NULL, t.due, t.id"
            ))?
            .query_map([], |row| {
                let at = TASK_COLUMN_COUNT;
                Ok((
                    read_raw_task(row)?,
                    row.get::<_, String>(at)?,
                    row.get::<_, String>(at + 1)?,
                    row.get::<_, String>(at + 2)?,
                    row.get::<_, Option<i64>>(at + 3)?,
                    row.get::<_, Option<String>>(at + 4)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        raws.into_iter()
            .map(|(raw, mrn, family, given, meeting_id, birth)| {
                let task = into_task(raw)?;
                Ok(TaskRow {
                    others: other_identity(&self.conn, task.patient_id)?,
                    overdue: task.overdue_on(today),
                    name: format!("{family}, {given}"),
                    birth_date: parse_opt_date("patients.birth_date", birth)?,
                    family_name: family,
                    given_name: given,
                    task,
                    mrn,
                    meeting_id,
                })
            })
            .collect()
    }
}
