//! The patient list as indexed queries: keyset pagination over any sort column, filters,
//! prefix search and the per-status counts of the header.
//!
//! It never loads every patient: a page is `WHERE (column, id) > (last value, last id) ORDER BY
//! column, id LIMIT n` on an index, which costs the same on row 10 and row 1,000,000 (OFFSET
//! would grow with depth).

use std::fmt::Write as _;

use chrono::NaiveDate;
use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};

use super::overview::Cohort;
use super::sql_types::parse_opt_date;
use super::{Result, Store};
use crate::domain::{AssessmentStatus, Death, ReviewState, Sex, age_until};

/// A column the list can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortKey {
    Status,
    Name,
    Mrn,
    Age,
    Sex,
    Condition,
    Line,
    Regimen,
    WayForward,
    Review,
    LastChange,
}

impl SortKey {
    pub const ALL: [SortKey; 11] = [
        SortKey::Status,
        SortKey::Name,
        SortKey::Mrn,
        SortKey::Age,
        SortKey::Sex,
        SortKey::Condition,
        SortKey::Line,
        SortKey::Regimen,
        SortKey::WayForward,
        SortKey::Review,
        SortKey::LastChange,
    ];

    /// The indexed column behind the key.
    const fn column(self) -> &'static str {
        match self {
            SortKey::Status => "list_status",
            SortKey::Name => "name_key",
            SortKey::Mrn => "mrn",
            SortKey::Age => "birth_date",
            SortKey::Sex => "sex",
            SortKey::Condition => "list_ruleset",
            SortKey::Line => "list_line",
            SortKey::Regimen => "list_regimen",
            SortKey::WayForward => "list_wf",
            SortKey::Review => "list_review",
            SortKey::LastChange => "updated_at",
        }
    }

    /// Age grows as the birth date falls, so its column runs the other way.
    const fn column_is_reversed(self) -> bool {
        matches!(self, SortKey::Age)
    }

    pub const fn label(self) -> &'static str {
        match self {
            SortKey::Status => "status",
            SortKey::Name => "name",
            SortKey::Mrn => "MRN",
            SortKey::Age => "age",
            SortKey::Sex => "sex",
            SortKey::Condition => "condition",
            SortKey::Line => "line",
            SortKey::Regimen => "regimen",
            SortKey::WayForward => "way forward",
            SortKey::Review => "review",
            SortKey::LastChange => "last change",
        }
    }

    /// The direction a user expects first: most severe, most advanced, most recent first.
    pub const fn default_descending(self) -> bool {
        matches!(
            self,
            SortKey::Status | SortKey::Line | SortKey::WayForward | SortKey::LastChange
        )
    }
}

/// Which patients the list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    pub status: Option<AssessmentStatus>,
    /// Rule-set id of the headline condition.
    pub ruleset: Option<String>,
    pub care_team: Option<String>,
    pub unreviewed_only: bool,
    pub overdue_only: bool,
    /// Prefix of the family name, given name, "family, given" or MRN; case-insensitive.
    pub search: Option<String>,
    /// The search matches MRNs only: on a shared screen with identity masked, typing a
    /// surname must not pick the patient out of the masked rows.
    pub mrn_only: bool,
    /// Deceased patients are listed too (hidden by default: the list is of patients the team
    /// can still act for; the header counts the hidden).
    pub show_deceased: bool,
    /// The patients behind one of the overview's waiting numbers (see [`Cohort`]).
    pub cohort: Option<Cohort>,
}

/// A filter plus an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    pub filter: ListFilter,
    pub sort: SortKey,
    pub descending: bool,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            filter: ListFilter::default(),
            sort: SortKey::Status,
            descending: true,
        }
    }
}

/// Where a page starts.
#[derive(Debug, Clone, PartialEq)]
pub enum Anchor {
    First,
    Last,
    /// Rows strictly after this row, in list order.
    After(Cursor),
    /// Rows strictly before this row, in list order.
    Before(Cursor),
}

/// A row's position in a given order: its sort value and id. The sort value is the store's
/// own (an SQL value): the screens hold a cursor and hand it back, never look inside.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    pub(super) value: Value,
    pub id: i64,
}

impl Cursor {
    /// A cursor on row `id` in an order sorted by the id itself (for tests of paging).
    #[doc(hidden)]
    pub fn by_id(id: i64) -> Self {
        Cursor {
            value: Value::Integer(id),
            id,
        }
    }
}

/// One row of the patient list.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PatientRow {
    pub id: i64,
    pub mrn: String,
    pub family_name: String,
    pub given_name: String,
    pub birth_date: Option<NaiveDate>,
    pub sex: Sex,
    pub status: Option<AssessmentStatus>,
    pub ruleset: String,
    pub line: u32,
    pub regimen: String,
    pub way_forward: Option<u8>,
    pub overdue: bool,
    pub review: Option<ReviewState>,
    pub care_team: String,
    pub updated_at: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deceased: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deceased_date: Option<NaiveDate>,
    #[serde(skip)]
    pub cursor: Option<Cursor>,
}

impl PatientRow {
    pub fn death(&self) -> Option<Death> {
        Death::of(self.deceased, self.deceased_date)
    }

    /// Age on `today`, stopped at death.
    pub fn age_on(&self, today: NaiveDate) -> Option<u32> {
        age_until(self.birth_date, self.death(), today)
    }
}

/// Patients per status for the header, under the current filter minus its status part.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusCounts {
    /// With a search, counting stops at [`SEARCH_COUNT_CAP`]: then `capped` is set and the
    /// numbers are lower bounds ("10,000+"), so that a one-letter search stays instant.
    pub capped: bool,
    pub total: u64,
    /// Indexed by `AssessmentStatus::rank()`; index 0 is "not assessed".
    pub by_rank: [u64; 6],
    pub unreviewed: u64,
    /// Patients whose flag the team dismissed (among `total`).
    pub dismissed: u64,
    /// Deceased patients the filter matches but does not show (0 when it shows them).
    pub deceased_hidden: u64,
}

impl StatusCounts {
    pub fn of(&self, status: AssessmentStatus) -> u64 {
        self.by_rank[status.rank() as usize]
    }
}

/// Recounts the list from the patients (after a bulk load that dropped the count triggers).
pub fn rebuild_list_counts(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "DELETE FROM list_counts;
         INSERT INTO list_counts
         SELECT list_status, list_ruleset, care_team, list_review, list_wf_overdue, deceased,
                count(*)
         FROM patients GROUP BY 1, 2, 3, 4, 5, 6;",
    )?;
    Ok(())
}

/// Where counting the matches of a search stops.
pub const SEARCH_COUNT_CAP: u64 = 10_000;

const ROW_COLUMNS: &str = "id, mrn, family_name, given_name, birth_date, sex, list_status, \
     list_ruleset, list_line, list_regimen, list_wf, list_wf_overdue, list_review, care_team, \
     updated_at, deceased, deceased_date";

/// Whether the filter hides patients who are there to hide: with no deceased patient in the
/// file (a read of the maintained counts), the list's queries stay what they were, index walks
/// with nothing to test.
fn hides_deceased(conn: &Connection, filter: &ListFilter) -> Result<bool> {
    if filter.show_deceased {
        return Ok(false);
    }
    let any: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM list_counts WHERE deceased = 1 AND patients > 0)",
        )?
        .query_row([], |row| row.get(0))?;
    Ok(any)
}

impl Store {
    /// One page of the list from `anchor`, at most `limit` rows, in list order.
    pub fn list_page(
        &self,
        query: &ListQuery,
        anchor: &Anchor,
        limit: usize,
    ) -> Result<Vec<PatientRow>> {
        list_page(&self.conn, query, anchor, limit)
    }

    /// How many patients the filter matches.
    pub fn list_count(&self, filter: &ListFilter) -> Result<u64> {
        let (clause, params) = where_clause(filter, hides_deceased(&self.conn, filter)?);
        let sql = format!("SELECT count(*) FROM patients WHERE {clause}");
        let count: i64 = self
            .conn
            .prepare_cached(&sql)?
            .query_row(params_from_iter(params), |row| row.get(0))?;
        Ok(count.max(0) as u64)
    }

    /// How many deceased patients the filter matches, shown or not: what a list that hides
    /// them says it left out.
    pub fn deceased_count(&self, filter: &ListFilter) -> Result<u64> {
        let (clause, params) = where_clause(filter, false);
        let sql = format!("SELECT count(*) FROM patients WHERE deceased = 1 AND ({clause})");
        let count: i64 = self
            .conn
            .prepare_cached(&sql)?
            .query_row(params_from_iter(params), |row| row.get(0))?;
        Ok(count.max(0) as u64)
    }

    /// How many rows come before `cursor` in list order: the row number a scrollbar needs after
    /// a jump it cannot count incrementally (a search hit, a sort change).
    pub fn list_position(&self, query: &ListQuery, cursor: &Cursor) -> Result<u64> {
        let hide = hides_deceased(&self.conn, &query.filter)?;
        let (clause, mut params) = where_clause(&query.filter, hide);
        let op = if effective_descending(query) {
            ">"
        } else {
            "<"
        };
        let column = query.sort.column();
        let sql =
            format!("SELECT count(*) FROM patients WHERE {clause} AND ({column}, id) {op} (?, ?)");
        params.push(cursor.value.clone());
        params.push(Value::Integer(cursor.id));
        let count: i64 = self
            .conn
            .prepare_cached(&sql)?
            .query_row(params_from_iter(params), |row| row.get(0))?;
        Ok(count.max(0) as u64)
    }

    /// Patients per status under `filter` (its status part ignored), for the header.
    pub fn status_counts(&self, filter: &ListFilter) -> Result<StatusCounts> {
        self.status_counts_up_to(filter, SEARCH_COUNT_CAP)
    }

    /// [`Store::status_counts`], a search counting at most `cap` matches.
    pub fn status_counts_up_to(&self, filter: &ListFilter, cap: u64) -> Result<StatusCounts> {
        let filter = ListFilter {
            status: None,
            ..filter.clone()
        };
        // The deceased are counted apart rather than filtered out, so that the header can say
        // how many the list hides.
        let (clause, params) = where_clause(&filter, false);
        // A cohort is not a column of the maintained counts either: counted from the patients.
        let searching = filter
            .search
            .as_deref()
            .is_some_and(|s| !s.trim().is_empty())
            || filter.cohort.is_some();
        // Without a search every term is a column of the maintained counts.
        let sql = if searching {
            format!(
                "SELECT list_status, deceased, count(*), sum(list_review = 0),
                        sum(list_review = 2) FROM
                 (SELECT list_status, list_review, deceased FROM patients WHERE {clause} LIMIT {})
                 GROUP BY list_status, deceased",
                cap + 1
            )
        } else {
            format!(
                "SELECT list_status, deceased, sum(patients),
                        sum(CASE WHEN list_review = 0 THEN patients END),
                        sum(CASE WHEN list_review = 2 THEN patients END)
                 FROM list_counts WHERE {clause} GROUP BY list_status, deceased"
            )
        };
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut counts = StatusCounts::default();
        let rows = stmt.query_map(params_from_iter(params), |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, bool>(1)?,
                row.get::<_, i64>(2)?,
                row.get::<_, Option<i64>>(3)?,
                row.get::<_, Option<i64>>(4)?,
            ))
        })?;
        for row in rows {
            let (rank, deceased, count, unreviewed, dismissed) = row?;
            let count = count.max(0) as u64;
            if deceased && !filter.show_deceased {
                counts.deceased_hidden += count;
                continue;
            }
            counts.total += count;
            counts.unreviewed += unreviewed.unwrap_or(0).max(0) as u64;
            counts.dismissed += dismissed.unwrap_or(0).max(0) as u64;
            if let Some(slot) = counts.by_rank.get_mut(rank.clamp(0, 5) as usize) {
                *slot += count;
            }
        }
        if searching && counts.total + counts.deceased_hidden > cap {
            counts.capped = true;
        }
        Ok(counts)
    }
}

/// Matches of a search, at or above which a page is found by walking the sort order.
const BROAD_SEARCH: i64 = 2_000;

/// Whether `filter` searches and its search alone matches at least [`BROAD_SEARCH`] patients
/// (a probe of at most that many index entries).
fn is_broad_search(conn: &Connection, filter: &ListFilter) -> Result<bool> {
    if filter.search.as_deref().is_none_or(|s| s.trim().is_empty()) {
        return Ok(false);
    }
    let search_only = ListFilter {
        search: filter.search.clone(),
        mrn_only: filter.mrn_only,
        show_deceased: true,
        ..ListFilter::default()
    };
    let (clause, params) = where_clause(&search_only, false);
    let sql = format!(
        "SELECT count(*) FROM (SELECT 1 FROM patients WHERE {clause} LIMIT {BROAD_SEARCH})"
    );
    let matches: i64 = conn
        .prepare_cached(&sql)?
        .query_row(params_from_iter(params), |row| row.get(0))?;
    Ok(matches >= BROAD_SEARCH)
}

/// Whether the SQL column runs descending for this query.
fn effective_descending(query: &ListQuery) -> bool {
    query.descending != query.sort.column_is_reversed()
}

fn list_page(
    conn: &Connection,
    query: &ListQuery,
    anchor: &Anchor,
    limit: usize,
) -> Result<Vec<PatientRow>> {
    let descending = effective_descending(query);
    // Reading backwards (to the end, or the page before) walks the index the other way and
    // flips the result.
    let backwards = matches!(anchor, Anchor::Last | Anchor::Before(_));
    let walk_descending = descending != backwards;
    let column = query.sort.column();
    let hide = hides_deceased(conn, &query.filter)?;
    let (mut clause, mut params) = where_clause(&query.filter, hide);
    if is_broad_search(conn, &query.filter)? {
        // A search matching many patients: walking the sort order's index and testing each row
        // finds a page after a few hundred rows, where collecting every match to sort them
        // would read them all. The unary `+` keeps SQLite off the search indexes.
        clause = clause
            .replace("(name_key", "(+name_key")
            .replace("(lower(given_name)", "(+lower(given_name)")
            .replace("(upper(mrn)", "(+upper(mrn)");
    }
    let mut sql = format!("SELECT {ROW_COLUMNS}, {column} FROM patients WHERE {clause}");
    if let Anchor::After(cursor) | Anchor::Before(cursor) = anchor {
        let op = if walk_descending { "<" } else { ">" };
        let _ = write!(sql, " AND ({column}, id) {op} (?, ?)");
        params.push(cursor.value.clone());
        params.push(Value::Integer(cursor.id));
    }
    let direction = if walk_descending { "DESC" } else { "ASC" };
    let _ = write!(
        sql,
        " ORDER BY {column} {direction}, id {direction} LIMIT ?"
    );
    params.push(Value::Integer(limit as i64));

    let mut stmt = conn.prepare_cached(&sql)?;
    let raw = stmt
        .query_map(params_from_iter(params), |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, String>(5)?,
                row.get::<_, i64>(6)?,
                row.get::<_, String>(7)?,
                row.get::<_, i64>(8)?,
                row.get::<_, String>(9)?,
                row.get::<_, i64>(10)?,
                row.get::<_, i64>(11)?,
                row.get::<_, i64>(12)?,
                (
                    row.get::<_, String>(13)?,
                    row.get::<_, String>(14)?,
                    row.get::<_, bool>(15)?,
                    row.get::<_, Option<String>>(16)?,
                    row.get::<_, Value>(17)?,
                ),
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut rows = Vec::with_capacity(raw.len());
    for (
        id,
        mrn,
        family,
        given,
        birth,
        sex,
        status,
        ruleset,
        line,
        regimen,
        wf,
        overdue,
        review,
        rest,
    ) in raw
    {
        let (care_team, updated_at, deceased, deceased_date, sort_value) = rest;
        rows.push(PatientRow {
            id,
            mrn,
            family_name: family,
            given_name: given,
            birth_date: parse_opt_date("patients.birth_date", Some(birth))?,
            sex: Sex::parse(&sex).unwrap_or(Sex::Unknown),
            status: AssessmentStatus::from_rank(status),
            ruleset,
            line: line.max(0) as u32,
            regimen,
            way_forward: u8::try_from(wf).ok(),
            overdue: overdue != 0,
            review: match review {
                0 => Some(ReviewState::Unreviewed),
                1 => Some(ReviewState::Confirmed),
                2 => Some(ReviewState::Dismissed),
                _ => None,
            },
            care_team,
            updated_at,
            deceased,
            deceased_date: parse_opt_date("patients.deceased_date", deceased_date)?,
            cursor: Some(Cursor {
                value: sort_value,
                id,
            }),
        });
    }
    if backwards {
        rows.reverse();
    }
    Ok(rows)
}

/// The WHERE clause and its parameters for a filter (always at least `1`); `hide_deceased`
/// leaves the deceased out (see [`hides_deceased`]).
fn where_clause(filter: &ListFilter, hide_deceased: bool) -> (String, Vec<Value>) {
    let mut terms: Vec<String> = Vec::new();
    let mut params: Vec<Value> = Vec::new();
    if hide_deceased {
        terms.push("deceased = 0".into());
    }
    if let Some(status) = filter.status {
        terms.push("list_status = ?".into());
        params.push(Value::Integer(status.rank()));
    }
    if let Some(ruleset) = &filter.ruleset {
        terms.push("list_ruleset = ?".into());
        params.push(Value::Text(ruleset.clone()));
    }
    if let Some(team) = &filter.care_team {
        terms.push("care_team = ?".into());
        params.push(Value::Text(team.clone()));
    }
    if filter.unreviewed_only {
        terms.push("list_review = 0".into());
    }
    if filter.overdue_only {
        terms.push("list_wf_overdue = 1".into());
    }
    if let Some(cohort) = &filter.cohort {
        let (term, values) = cohort.sql();
        terms.push(term);
        params.extend(values);
    }
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        // Prefix ranges, so each alternative is an index range scan.
        let lower = search.to_lowercase();
        let upper = search.to_uppercase();
        let high = |s: &str| format!("{s}\u{10FFFF}");
        if filter.mrn_only {
            terms.push("(upper(mrn) >= ? AND upper(mrn) < ?)".into());
        } else {
            terms.push(
                "((name_key >= ? AND name_key < ?) OR (lower(given_name) >= ? AND lower(given_name) < ?) \
                 OR (upper(mrn) >= ? AND upper(mrn) < ?))"
                    .into(),
            );
            params.extend([
                Value::Text(lower.clone()),
                Value::Text(high(&lower)),
                Value::Text(lower.clone()),
                Value::Text(high(&lower)),
            ]);
        }
        params.extend([Value::Text(upper.clone()), Value::Text(high(&upper))]);
    }
    if terms.is_empty() {
        (String::from("1"), params)
    } else {
        (terms.join(" AND "), params)
    }
}
