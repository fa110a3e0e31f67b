//! Reading every row of every table as refract will read it, to find damage SQLite's own
//! integrity check cannot see: text that is not UTF-8 (a flipped byte in a name), a date that
//! does not parse, a coded value no version of refract wrote, JSON that does not parse. Each
//! problem names its table, row and column, so that `refract check` says where the file is hurt
//! before `flags` or `export` fails on it.

use rusqlite::types::ValueRef;

use super::{Result, Store};
use crate::domain::{
    AssessmentStatus, BpSetting, Comparator, ConditionCodeSystem, DatePrecision, DatesKnown,
    DrugRole, Intent, LineOrigin, OptionKind, OutcomeCategory, PartialDate, PatientPreference,
    PlanFollowed, ReferralStatus, Response, ReviewDecision, Sex, Stance, StepStatus, StopReason,
    TaskStatus, TrialStatus,
};

/// What a column must hold, beyond being text of valid UTF-8.
#[derive(Clone, Copy)]
enum Shape {
    /// `YYYY-MM-DD`; empty or NULL where the value may be unknown.
    Date,
    /// `YYYY-MM-DD HH:MM:SS` or a date.
    DateTime,
    /// A date and time, or one and the last day of a window (`…/YYYY-MM-DD`); empty when not
    /// known (a procedure's date).
    DateTimeWindow,
    Json,
    /// A JSON array of a diagnosis's or a procedure's codings.
    Codings,
    /// One of a coded type's machine names.
    Code(fn(&str) -> bool),
}

/// The columns refract decodes into something more than text, by table.
const SHAPES: &[(&str, &[(&str, Shape)])] = &[
    (
        "patients",
        &[
            ("birth_date", Shape::Date),
            (
                "birth_precision",
                Shape::Code(|t| DatePrecision::parse(t).is_ok()),
            ),
            ("deceased_date", Shape::Date),
            (
                "deceased_in",
                Shape::Code(|t| PartialDate::parse(t).is_some()),
            ),
            ("sex", Shape::Code(|t| Sex::parse(t).is_ok())),
            ("updated_at", Shape::DateTime),
        ],
    ),
    ("death_reports", &[("deceased_date", Shape::Date)]),
    (
        "conditions",
        &[
            (
                "system",
                Shape::Code(|t| ConditionCodeSystem::parse(t).is_ok()),
            ),
            ("onset", Shape::Date),
            ("abatement", Shape::Date),
            ("codings", Shape::Codings),
            ("recorded", Shape::Date),
            (
                "onset_precision",
                Shape::Code(|t| DatePrecision::parse(t).is_ok()),
            ),
            (
                "abatement_precision",
                Shape::Code(|t| DatePrecision::parse(t).is_ok()),
            ),
            (
                "recorded_precision",
                Shape::Code(|t| DatePrecision::parse(t).is_ok()),
            ),
        ],
    ),
    (
        "drug_exposures",
        &[
            ("start", Shape::DateTime),
            ("end", Shape::DateTime),
            ("role", Shape::Code(|t| DrugRole::parse(t).is_ok())),
            ("stop_reason", Shape::Code(|t| StopReason::parse(t).is_ok())),
            ("dates", Shape::Code(|t| DatesKnown::parse(t).is_ok())),
        ],
    ),
    (
        "treatment_lines",
        &[
            ("start", Shape::Date),
            ("end", Shape::Date),
            ("intent", Shape::Code(|t| Intent::parse(t).is_ok())),
            ("best_response", Shape::Code(|t| Response::parse(t).is_ok())),
            ("best_response_date", Shape::Date),
            ("progression_date", Shape::Date),
            ("stop_reason", Shape::Code(|t| StopReason::parse(t).is_ok())),
            ("origin", Shape::Code(|t| LineOrigin::parse(t).is_ok())),
        ],
    ),
    (
        "observations",
        &[
            ("effective", Shape::DateTime),
            ("since", Shape::DateTime),
            ("setting", Shape::Code(|t| BpSetting::parse(t).is_ok())),
            ("comparator", Shape::Code(|t| Comparator::parse(t).is_ok())),
            (
                "effective_precision",
                Shape::Code(|t| DatePrecision::parse(t).is_ok()),
            ),
            (
                "since_precision",
                Shape::Code(|t| DatePrecision::parse(t).is_ok()),
            ),
        ],
    ),
    (
        "procedures",
        &[
            ("performed", Shape::DateTimeWindow),
            ("end", Shape::DateTime),
            ("codings", Shape::Codings),
        ],
    ),
    (
        "drug_reactions",
        &[("onset", Shape::Date), ("codes", Shape::Json)],
    ),
    (
        "assessments",
        &[
            (
                "status",
                Shape::Code(|t| AssessmentStatus::parse(t).is_ok()),
            ),
            ("detail", Shape::Json),
            ("evaluated_on", Shape::Date),
            ("flagged_since", Shape::Date),
            ("criteria_met_since", Shape::Date),
        ],
    ),
    (
        "reviews",
        &[
            (
                "decision",
                Shape::Code(|t| ReviewDecision::parse(t).is_ok()),
            ),
            (
                "status",
                Shape::Code(|t| AssessmentStatus::parse(t).is_ok()),
            ),
            ("at", Shape::DateTime),
        ],
    ),
    (
        "way_forward",
        &[
            ("status", Shape::Code(|t| StepStatus::parse(t).is_ok())),
            ("due", Shape::Date),
            ("updated_at", Shape::DateTime),
        ],
    ),
    ("checklist_items", &[("updated_at", Shape::DateTime)]),
    (
        "referrals",
        &[
            ("date", Shape::Date),
            ("status", Shape::Code(|t| ReferralStatus::parse(t).is_ok())),
        ],
    ),
    (
        "options",
        &[
            ("kind", Shape::Code(|t| OptionKind::parse(t).is_ok())),
            (
                "trial_status",
                Shape::Code(|t| TrialStatus::parse(t).is_ok()),
            ),
            ("stance", Shape::Code(|t| Stance::parse(t).is_ok())),
            (
                "preference",
                Shape::Code(|t| PatientPreference::parse(t).is_ok()),
            ),
        ],
    ),
    ("wellbeing_goals", &[("due", Shape::Date)]),
    ("notes", &[("at", Shape::DateTime)]),
    ("meetings", &[("starts_at", Shape::DateTime)]),
    (
        "meeting_cases",
        &[
            (
                "outcome_category",
                Shape::Code(|t| OutcomeCategory::parse(t).is_ok()),
            ),
            (
                "plan_followed",
                Shape::Code(|t| PlanFollowed::parse(t).is_ok()),
            ),
            ("discussed_sex", Shape::Code(|t| Sex::parse(t).is_ok())),
            ("discussed_birth_date", Shape::Date),
        ],
    ),
    (
        "tasks",
        &[
            ("due", Shape::Date),
            ("status", Shape::Code(|t| TaskStatus::parse(t).is_ok())),
            ("created_at", Shape::DateTime),
        ],
    ),
    (
        "audit_log",
        &[
            ("at", Shape::DateTime),
            ("before", Shape::Json),
            ("after", Shape::Json),
        ],
    ),
    (
        "imports",
        &[("imported_at", Shape::DateTime), ("summary", Shape::Json)],
    ),
    ("fhir_resources", &[("body", Shape::Json)]),
];

/// One value refract cannot read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeProblem {
    pub table: String,
    /// The row, by its key (`id 12`, `patient_id 3, id 7`).
    pub row: String,
    pub column: String,
    pub problem: String,
}

impl std::fmt::Display for DecodeProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}) column {}: {}",
            self.table, self.row, self.column, self.problem
        )
    }
}

/// What a whole read found: the first problems (up to the limit asked) and how many in all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecodeReport {
    pub rows: u64,
    pub problems: u64,
    pub first: Vec<DecodeProblem>,
}

impl Store {
    /// Reads every value of every table (a pass over the whole file) and reports what refract
    /// could not decode, keeping the first `keep` problems.
    pub fn decode_check(&self, keep: usize) -> Result<DecodeReport> {
        let mut report = DecodeReport::default();
        let tables: Vec<String> = self
            .conn
            .prepare(
                "SELECT name FROM sqlite_schema WHERE type = 'table'
                 AND name NOT LIKE 'sqlite_%' ORDER BY name",
            )?
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for table in &tables {
            self.decode_table(table, keep, &mut report)?;
        }
        Ok(report)
    }

    fn decode_table(&self, table: &str, keep: usize, report: &mut DecodeReport) -> Result<()> {
        // (name, part of the primary key)
        let columns: Vec<(String, bool)> = self
            .conn
            .prepare("SELECT name, pk FROM pragma_table_info(?1) ORDER BY cid")?
            .query_map([table], |row| Ok((row.get(0)?, row.get::<_, i64>(1)? > 0)))?
            .collect::<rusqlite::Result<_>>()?;
        let without_rowid: bool = self.conn.query_row(
            "SELECT sql LIKE '%WITHOUT ROWID%' FROM sqlite_schema WHERE name = ?1",
            [table],
            |row| row.get(0),
        )?;
        let mut key: Vec<String> = columns
            .iter()
            .filter(|(_, pk)| *pk)
            .map(|(name, _)| name.clone())
            .collect();
        if !without_rowid {
            key = vec![String::from("rowid")];
        }
        let shapes: &[(&str, Shape)] = SHAPES
            .iter()
            .find(|(name, _)| *name == table)
            .map_or(&[], |(_, shapes)| shapes);
        let quoted = |name: &str| format!("\"{}\"", name.replace('"', "\"\""));
        let selected: Vec<String> = key
            .iter()
            .map(|k| if k == "rowid" { k.clone() } else { quoted(k) })
            .chain(columns.iter().map(|(name, _)| quoted(name)))
            .collect();
        let sql = format!("SELECT {} FROM {}", selected.join(", "), quoted(table));
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            report.rows += 1;
            for (offset, (column, _)) in columns.iter().enumerate() {
                let value = row.get_ref(key.len() + offset)?;
                let Some(problem) = decode_value(value, shape_of(shapes, column)) else {
                    continue;
                };
                report.problems += 1;
                if report.first.len() < keep {
                    let row_key = key
                        .iter()
                        .enumerate()
                        .map(|(index, name)| {
                            let shown = match row.get_ref(index) {
                                Ok(ValueRef::Integer(v)) => v.to_string(),
                                Ok(ValueRef::Text(t)) => {
                                    crate::text::one_line(&String::from_utf8_lossy(t))
                                }
                                Ok(other) => format!("{other:?}"),
                                Err(err) => err.to_string(),
                            };
                            format!("{name} {shown}")
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                    report.first.push(DecodeProblem {
                        table: table.to_owned(),
                        row: row_key,
                        column: column.clone(),
                        problem,
                    });
                }
            }
        }
        Ok(())
    }
}

/// Why a text value cannot be stored in `table.column`, if it cannot: what a document brought
/// must read back as the column says.
pub(super) fn value_problem(table: &str, column: &str, text: &str) -> Option<String> {
    let shapes: &[(&str, Shape)] = SHAPES
        .iter()
        .find(|(name, _)| *name == table)
        .map_or(&[], |(_, shapes)| shapes);
    decode_value(ValueRef::Text(text.as_bytes()), shape_of(shapes, column))
}

fn shape_of(shapes: &[(&str, Shape)], column: &str) -> Option<Shape> {
    shapes
        .iter()
        .find(|(name, _)| *name == column)
        .map(|(_, shape)| *shape)
}

/// Why a value cannot be read as its column says, if it cannot.
fn decode_value(value: ValueRef<'_>, shape: Option<Shape>) -> Option<String> {
    let bytes = match value {
        ValueRef::Text(bytes) => bytes,
        ValueRef::Blob(_) => return Some(String::from("binary data where text belongs")),
        ValueRef::Null | ValueRef::Integer(_) | ValueRef::Real(_) => return None,
    };
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            return Some(format!(
                "not UTF-8 text (invalid byte at {})",
                err.valid_up_to()
            ));
        }
    };
    let shown = || crate::text::one_line(text);
    match shape? {
        Shape::Date if !text.is_empty() => super::parse_date("", text)
            .err()
            .map(|_| format!("'{}' is not a date", shown())),
        Shape::DateTime if !text.is_empty() => super::parse_datetime("", text)
            .err()
            .map(|_| format!("'{}' is not a date and time", shown())),
        Shape::DateTimeWindow if !text.is_empty() => {
            let (at, last) = text
                .split_once('/')
                .map_or((text, None), |(at, last)| (at, Some(last)));
            (super::parse_datetime("", at).is_err()
                || last.is_some_and(|last| super::parse_date("", last).is_err()))
            .then(|| format!("'{}' is not a date and time (or a window of days)", shown()))
        }
        Shape::Json => serde_json::from_str::<serde::de::IgnoredAny>(text)
            .err()
            .map(|err| format!("not JSON ({err})")),
        Shape::Codings => serde_json::from_str::<Vec<crate::domain::Coding>>(text)
            .err()
            .map(|err| format!("not a list of codings ({err})")),
        Shape::Code(known) if !known(text) => {
            Some(format!("'{}' is not a value refract knows", shown()))
        }
        Shape::Date | Shape::DateTime | Shape::DateTimeWindow | Shape::Code(_) => None,
    }
}
