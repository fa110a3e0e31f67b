//! The patient list as indexed queries: keyset pagination over any sort column, filters,
//! prefix search and the per-status counts of the header.
//!
//! It never loads every patient: a page is `WHERE (column, id) > (last value, last id) ORDER BY
//! column, id LIMIT n` on an index, which costs the same on row 10 and row 1,000,000 (OFFSET
//! would grow with depth).
//!
//! A search (a prefix of a family name, given name or MRN, or the whole value of any other
//! identifier the patient holds: an NHS number, another hospital's MRN) is answered in one of
//! two ways, whichever reads less: collecting the matches from the three search indexes (and
//! the few patients an identifier's value names, by their ids), which carry
//! every column the list filters and sorts by (so no table row is read until the page's own
//! rows), or walking the sort order's index and testing each row, bounded, for a prefix so
//! broad that the first page is a few hundred rows away. Both give the same rows in the same
//! order; `tests/store.rs` (`list_search`) compares them, page by page, with a plain filter
//! and sort.

use std::fmt::Write as _;

use chrono::NaiveDate;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params_from_iter};

use super::overview::Cohort;
use super::sql_types::parse_opt_date;
use super::{Result, Store};
use crate::domain::{
    AssessmentStatus, DatePrecision, Death, PartialDate, ReviewState, Sex, age_until,
};

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
    /// How much of `birth_date` the record gave.
    pub birth_precision: DatePrecision,
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
    /// The month or year of a death of no day (see `Patient::deceased_in`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deceased_in: Option<PartialDate>,
    /// For a patient with no assessment: the words of a current diagnosis recorded in words
    /// alone, which no rule set selected (empty otherwise; see `ROW_COLUMNS`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub unrecognised: String,
    #[serde(skip)]
    pub cursor: Option<Cursor>,
}

impl PatientRow {
    /// The birth date as the record gave it ("1980" for a year alone).
    pub fn birth_date_text(&self) -> Option<String> {
        self.birth_date
            .map(|date| self.birth_precision.format(date))
    }

    pub fn death(&self) -> Option<Death> {
        Death::of(self.deceased, self.deceased_date, self.deceased_in)
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

/// The last of them, read for a patient with no assessment and no line only (a few rows of a
/// page, by the conditions' patient index): the words of a current diagnosis recorded in words
/// alone (stored under no ICD-10 or SNOMED CT code), the latest begun. No rule set selected it,
/// or the patient would be assessed: the list names it rather than show an empty condition
/// (review r3 C-8). "Current" as `Condition::is_active` reads a record: not refuted nor entered
/// in error, not resolved nor inactive, and not abated unless its status says it is active.
const ROW_COLUMNS: &str = "id, mrn, family_name, given_name, birth_date, sex, list_status, \
     list_ruleset, list_line, list_regimen, list_wf, list_wf_overdue, list_review, care_team, \
     updated_at, deceased, deceased_date, birth_precision, \
     CASE WHEN list_status = 0 AND list_ruleset = '' THEN ( \
         SELECT display FROM conditions \
         WHERE conditions.patient_id = patients.id AND conditions.system = 'other' \
           AND trim(display) <> '' \
           AND coalesce(verification_status, '') NOT IN ('refuted', 'entered-in-error') \
           AND (clinical_status IN ('active', 'recurrence', 'relapse') \
                OR (coalesce(clinical_status, 'remission') = 'remission' AND abatement IS NULL)) \
         ORDER BY onset DESC, conditions.id DESC LIMIT 1) END, deceased_in";

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

    /// The most characters any patient's MRN has (0 in an empty file): the width a text table
    /// gives its MRN column so that every MRN is printed whole and the columns still line up,
    /// known before the first page of a table that streams is printed.
    pub fn longest_mrn(&self) -> Result<usize> {
        let longest: Option<i64> = self
            .conn
            .prepare_cached("SELECT max(length(mrn)) FROM patients")?
            .query_row([], |row| row.get(0))?;
        Ok(longest.map_or(0, |n| usize::try_from(n).unwrap_or(0)))
    }

    /// How many patients the filter matches.
    pub fn list_count(&self, filter: &ListFilter) -> Result<u64> {
        let hide = hides_deceased(&self.conn, filter)?;
        count_matching(&self.conn, filter, hide, &Extra::default())
    }

    /// How many deceased patients the filter matches, shown or not: what a list that hides
    /// them says it left out.
    pub fn deceased_count(&self, filter: &ListFilter) -> Result<u64> {
        let extra = Extra {
            terms: vec!["deceased = 1".into()],
            params: Vec::new(),
        };
        count_matching(&self.conn, filter, false, &extra)
    }

    /// How many rows come before `cursor` in list order: the row number a scrollbar needs after
    /// a jump it cannot count incrementally (a search hit, a sort change).
    pub fn list_position(&self, query: &ListQuery, cursor: &Cursor) -> Result<u64> {
        let hide = hides_deceased(&self.conn, &query.filter)?;
        let op = if effective_descending(query) {
            ">"
        } else {
            "<"
        };
        let column = query.sort.column();
        let extra = Extra {
            terms: vec![format!("({column}, id) {op} (?, ?)")],
            params: vec![cursor.value.clone(), Value::Integer(cursor.id)],
        };
        count_matching(&self.conn, &query.filter, hide, &extra)
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
        let search = Search::narrowed(&filter, &self.conn)?;
        // A cohort (the overview's waiting columns) is not a column of the maintained counts
        // either: counted from the patients, up to the cap, like a search.
        let searching = search.is_some() || filter.cohort.is_some();
        let (sql, params) = if let Some(search) = search {
            // Read from the search indexes alone, each match from one of them, stopping one
            // past the cap.
            let (terms, params) = filter_terms(&filter, false);
            let (branches, params) =
                search.branches("list_status, list_review, deceased", &terms, &params, "");
            (
                format!(
                    "SELECT list_status, deceased, count(*), sum(list_review = 0),
                            sum(list_review = 2) FROM ({} LIMIT {})
                     GROUP BY list_status, deceased",
                    branches.join(" UNION ALL "),
                    cap + 1
                ),
                params,
            )
        } else if filter.cohort.is_some() {
            let (clause, params) = where_clause(&filter, false);
            (
                format!(
                    "SELECT list_status, deceased, count(*), sum(list_review = 0),
                            sum(list_review = 2) FROM
                     (SELECT list_status, list_review, deceased FROM patients WHERE {clause}
                      LIMIT {})
                     GROUP BY list_status, deceased",
                    cap + 1
                ),
                params,
            )
        } else {
            // Without a search every term is a column of the maintained counts.
            let (clause, params) = where_clause(&filter, false);
            (
                format!(
                    "SELECT list_status, deceased, sum(patients),
                            sum(CASE WHEN list_review = 0 THEN patients END),
                            sum(CASE WHEN list_review = 2 THEN patients END)
                     FROM list_counts WHERE {clause} GROUP BY list_status, deceased"
                ),
                params,
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

/// Terms added to a filter's own, with their parameters (a cursor, "deceased").
#[derive(Default)]
struct Extra {
    terms: Vec<String>,
    params: Vec<Value>,
}

/// How many patients `filter` (and `extra`) matches: a search counted from its indexes alone,
/// anything else from the table (on an index where one serves).
fn count_matching(
    conn: &Connection,
    filter: &ListFilter,
    hide: bool,
    extra: &Extra,
) -> Result<u64> {
    let (mut terms, mut params) = filter_terms(filter, hide);
    terms.extend(extra.terms.iter().cloned());
    params.extend(extra.params.iter().cloned());
    let (sql, params) = if let Some(search) = Search::narrowed(filter, conn)? {
        let (branches, params) = search.branches("1", &terms, &params, "");
        (
            format!("SELECT count(*) FROM ({})", branches.join(" UNION ALL ")),
            params,
        )
    } else {
        let clause = if terms.is_empty() {
            String::from("1")
        } else {
            terms.join(" AND ")
        };
        (
            format!("SELECT count(*) FROM patients WHERE {clause}"),
            params,
        )
    };
    let count: i64 = conn
        .prepare_cached(&sql)?
        .query_row(params_from_iter(params), |row| row.get(0))?;
    Ok(count.max(0) as u64)
}

/// A search as the three index ranges it reads (one, the MRN's, when it matches MRNs only),
/// and the identifier value it names whole.
struct Search {
    /// The search as typed, trimmed: an identifier's value is matched whole and as written
    /// (FHIR's `Identifier.value` is case-sensitive), never by a prefix, so typing `12` does not
    /// list every patient with a number beginning so.
    exact: String,
    /// The search folded as names are (`keys::fold`), and the end of its range.
    folded: String,
    folded_high: String,
    upper: String,
    upper_high: String,
    mrn_only: bool,
    /// No family name, or no given name, matches (see [`Search::narrowed`]): that range is
    /// neither read nor tested against.
    family_empty: bool,
    given_empty: bool,
    /// No identifier has the value: that branch is neither read nor tested against.
    identifiers_empty: bool,
}

/// The patients holding an identifier whose value is the parameter, a hospital's or a nation's
/// (refract's own keys, a source's Patient ids, are not identifiers a person types): the same
/// as `refract show VALUE` looks at.
const BY_IDENTIFIER: &str = "id IN (SELECT patient_id FROM patient_identifiers
    INDEXED BY patient_identifiers_value
    WHERE value = ? AND system NOT LIKE 'urn:refract:patient-%')";

impl Search {
    fn of(filter: &ListFilter) -> Option<Search> {
        let search = filter
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())?;
        // Prefix ranges, so each alternative is an index range scan. Names are searched by
        // their folded keys (the fold of a prefix is a prefix of the fold).
        // What folds to nothing (an accent typed alone) is searched as typed, matching no
        // name, rather than as the empty prefix of every name.
        let folded = Some(super::keys::fold(search))
            .filter(|folded| !folded.is_empty())
            .unwrap_or_else(|| search.to_lowercase());
        let upper = search.to_uppercase();
        let high = |s: &str| format!("{s}\u{10FFFF}");
        Some(Search {
            exact: search.to_owned(),
            folded_high: high(&folded),
            upper_high: high(&upper),
            folded,
            upper,
            mrn_only: filter.mrn_only,
            family_empty: false,
            given_empty: false,
            identifiers_empty: false,
        })
    }

    /// [`Search::of`], with the name ranges that match no one found (a seek each): an MRN
    /// prefix matches no name, and its branch then reads the MRN index without testing each
    /// entry against the two name ranges ("and the family name does not match…"), which cost
    /// as much as reading the entries (15 ms of 40 for the 100,000 entries of `rf-00` at a
    /// million patients).
    fn narrowed(filter: &ListFilter, conn: &Connection) -> Result<Option<Search>> {
        let Some(mut search) = Search::of(filter) else {
            return Ok(None);
        };
        if !search.mrn_only {
            let (family, family_params) = search.family();
            let (given, given_params) = search.given();
            let sql = format!(
                "SELECT NOT EXISTS (SELECT 1 FROM patients INDEXED BY patients_search_family
                                    WHERE {family}),
                        NOT EXISTS (SELECT 1 FROM patients INDEXED BY patients_search_given
                                    WHERE {given})"
            );
            let (family_empty, given_empty): (bool, bool) = conn.prepare_cached(&sql)?.query_row(
                params_from_iter(family_params.iter().chain(&given_params)),
                |row| Ok((row.get(0)?, row.get(1)?)),
            )?;
            search.family_empty = family_empty;
            search.given_empty = given_empty;
        }
        // An identifier is typed on a masked screen as an MRN is: matched in both modes.
        let (identifier, identifier_params) = search.identifier();
        search.identifiers_empty = !conn
            .prepare_cached(&format!(
                "SELECT EXISTS (SELECT 1 FROM patients WHERE {identifier})"
            ))?
            .query_row(params_from_iter(identifier_params), |row| {
                row.get::<_, bool>(0)
            })?;
        Ok(Some(search))
    }

    fn family(&self) -> (&'static str, [Value; 2]) {
        (
            "(name_key >= ? AND name_key < ?)",
            [
                Value::Text(self.folded.clone()),
                Value::Text(self.folded_high.clone()),
            ],
        )
    }

    fn given(&self) -> (&'static str, [Value; 2]) {
        (
            "(given_key >= ? AND given_key < ?)",
            [
                Value::Text(self.folded.clone()),
                Value::Text(self.folded_high.clone()),
            ],
        )
    }

    fn mrn(&self) -> (&'static str, [Value; 2]) {
        (
            "(upper(mrn) >= ? AND upper(mrn) < ?)",
            [
                Value::Text(self.upper.clone()),
                Value::Text(self.upper_high.clone()),
            ],
        )
    }

    fn identifier(&self) -> (&'static str, [Value; 1]) {
        (BY_IDENTIFIER, [Value::Text(self.exact.clone())])
    }

    /// The search as one condition, for a query that tests rows (or index entries: each holds
    /// the id the identifier's patients are looked up by).
    fn condition(&self) -> (String, Vec<Value>) {
        let (mrn, mrn_params) = self.mrn();
        let (identifier, identifier_params) = self.identifier();
        if self.mrn_only {
            return (
                format!("({mrn} OR {identifier})"),
                mrn_params.into_iter().chain(identifier_params).collect(),
            );
        }
        let (family, family_params) = self.family();
        let (given, given_params) = self.given();
        (
            format!("({family} OR {given} OR {mrn} OR {identifier})"),
            family_params
                .into_iter()
                .chain(given_params)
                .chain(mrn_params)
                .chain(identifier_params)
                .collect(),
        )
    }

    /// One `SELECT {columns} FROM patients INDEXED BY … WHERE …` per search index, under
    /// `terms` (`params` theirs) and followed by `tail` (an ORDER BY, a LIMIT), and the
    /// parameters of all of them in order. Each match comes from exactly one of them (a given
    /// name only where the family name does not match, an MRN only where neither name does, an
    /// identifier's value only where nothing else does), so that the branches can be counted or
    /// merged without remembering ids. Every column the list filters and sorts by is in each
    /// index: no branch reads a table row, but for the few patients an identifier names (by
    /// their ids).
    fn branches(
        &self,
        columns: &str,
        terms: &[String],
        params: &[Value],
        tail: &str,
    ) -> (Vec<String>, Vec<Value>) {
        self.branches_with(columns, terms, params, |_| tail.to_owned())
    }

    /// [`Search::branches`], each branch's tail made from the expression its index is ordered
    /// by (`name_key`, `given_key`, `upper(mrn)`).
    fn branches_with(
        &self,
        columns: &str,
        terms: &[String],
        params: &[Value],
        tail: impl Fn(&str) -> String,
    ) -> (Vec<String>, Vec<Value>) {
        let (family, family_params) = self.family();
        let (given, given_params) = self.given();
        let (mrn, mrn_params) = self.mrn();
        let mut parts: Vec<(&str, &str, String, Vec<Value>)> = Vec::new();
        // A range known to match no one is neither read nor excluded from the others.
        let family_tested = !self.mrn_only && !self.family_empty;
        let given_tested = !self.mrn_only && !self.given_empty;
        if family_tested {
            parts.push((
                "INDEXED BY patients_search_family",
                "name_key",
                family.into(),
                family_params.to_vec(),
            ));
        }
        if given_tested {
            let mut condition = String::from(given);
            let mut range_params = given_params.to_vec();
            if family_tested {
                let _ = write!(condition, " AND NOT {family}");
                range_params.extend(family_params.iter().cloned());
            }
            parts.push((
                "INDEXED BY patients_search_given",
                "given_key",
                condition,
                range_params,
            ));
        }
        let mut condition = String::from(mrn);
        let mut range_params = mrn_params.to_vec();
        if family_tested {
            let _ = write!(condition, " AND NOT {family}");
            range_params.extend(family_params.iter().cloned());
        }
        if given_tested {
            let _ = write!(condition, " AND NOT {given}");
            range_params.extend(given_params.iter().cloned());
        }
        parts.push((
            "INDEXED BY patients_search_mrn",
            "upper(mrn)",
            condition,
            range_params,
        ));
        if !self.identifiers_empty {
            let (identifier, identifier_params) = self.identifier();
            let mut condition = String::from(identifier);
            let mut range_params = identifier_params.to_vec();
            let _ = write!(condition, " AND NOT {mrn}");
            range_params.extend(mrn_params.iter().cloned());
            if family_tested {
                let _ = write!(condition, " AND NOT {family}");
                range_params.extend(family_params.iter().cloned());
            }
            if given_tested {
                let _ = write!(condition, " AND NOT {given}");
                range_params.extend(given_params.iter().cloned());
            }
            // NOT INDEXED: the ids are looked up by rowid, never by walking a list index.
            parts.push(("NOT INDEXED", "id", condition, range_params));
        }
        let mut selects = Vec::with_capacity(parts.len());
        let mut all_params = Vec::new();
        for (index, key, mut condition, range_params) in parts {
            for term in terms {
                let _ = write!(condition, " AND {term}");
            }
            selects.push(format!(
                "SELECT {columns} FROM patients {index} WHERE {condition} {}",
                tail(key)
            ));
            all_params.extend(range_params);
            all_params.extend(params.iter().cloned());
        }
        (selects, all_params)
    }
}

/// How a page of a search is found (tests compare them; the list chooses).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchPlan {
    /// The store's choice: see [`list_page`].
    Auto,
    /// The first rows of each search index's matches in list order, merged.
    Collect,
    /// The sort order's index, each row tested, until the page is full or `budget` rows were
    /// read (then [`SearchPlan::Collect`]); `None`: to the end.
    Walk { budget: Option<usize> },
}

/// Rows a walk of the sort order may read before the matches are collected instead: a few
/// milliseconds of table rows (0.5–5 µs each at 1M patients, the sort order's rows being
/// near each other on disk or not).
const WALK_BUDGET: usize = 2_000;

/// Whether the SQL column runs descending for this query.
fn effective_descending(query: &ListQuery) -> bool {
    query.descending != query.sort.column_is_reversed()
}

/// The index that keeps the list in a sort key's order (a walk names it, so that a filter on
/// another column cannot make the planner sort every matching row first).
const fn sort_index(key: SortKey) -> &'static str {
    match key {
        SortKey::Status => "patients_status",
        SortKey::Name => "patients_name",
        SortKey::Mrn => "patients_mrn",
        SortKey::Age => "patients_birth",
        SortKey::Sex => "patients_sex",
        SortKey::Condition => "patients_ruleset",
        SortKey::Line => "patients_line",
        SortKey::Regimen => "patients_regimen",
        SortKey::WayForward => "patients_wf",
        SortKey::Review => "patients_review",
        SortKey::LastChange => "patients_updated",
    }
}

fn list_page(
    conn: &Connection,
    query: &ListQuery,
    anchor: &Anchor,
    limit: usize,
) -> Result<Vec<PatientRow>> {
    list_page_planned(conn, query, anchor, limit, SearchPlan::Auto)
}

impl Store {
    /// [`Store::list_page`] with the way a search is answered chosen by the caller: for tests
    /// that check each way gives the same rows.
    #[doc(hidden)]
    pub fn list_page_planned(
        &self,
        query: &ListQuery,
        anchor: &Anchor,
        limit: usize,
        plan: SearchPlan,
    ) -> Result<Vec<PatientRow>> {
        list_page_planned(&self.conn, query, anchor, limit, plan)
    }
}

/// A page in the walk's direction (reversed by the caller for a page read backwards).
struct Page<'a> {
    query: &'a ListQuery,
    /// The cursor term and its two parameters, if the page starts after a row.
    cursor: Option<(String, [Value; 2])>,
    /// `ASC` or `DESC`, for the column and the id.
    direction: &'static str,
    limit: usize,
    hide: bool,
}

fn list_page_planned(
    conn: &Connection,
    query: &ListQuery,
    anchor: &Anchor,
    limit: usize,
    plan: SearchPlan,
) -> Result<Vec<PatientRow>> {
    let descending = effective_descending(query);
    // Reading backwards (to the end, or the page before) walks the index the other way and
    // flips the result.
    let backwards = matches!(anchor, Anchor::Last | Anchor::Before(_));
    let walk_descending = descending != backwards;
    let column = query.sort.column();
    let cursor = match anchor {
        Anchor::After(cursor) | Anchor::Before(cursor) => {
            let op = if walk_descending { "<" } else { ">" };
            Some((
                format!("({column}, id) {op} (?, ?)"),
                [cursor.value.clone(), Value::Integer(cursor.id)],
            ))
        }
        Anchor::First | Anchor::Last => None,
    };
    let page = Page {
        query,
        cursor,
        direction: if walk_descending { "DESC" } else { "ASC" },
        limit,
        hide: hides_deceased(conn, &query.filter)?,
    };
    let raw = if limit == 0 {
        Vec::new()
    } else if let Some(search) = Search::narrowed(&query.filter, conn)? {
        let plan = match plan {
            SearchPlan::Auto => choose_plan(conn, &page, &search)?,
            chosen => chosen,
        };
        let walked = match plan {
            SearchPlan::Walk { budget } => walk(conn, &page, &search, budget)?,
            SearchPlan::Auto | SearchPlan::Collect => None,
        };
        match walked {
            Some(rows) => rows,
            None => collect(conn, &page, &search)?,
        }
    } else {
        plain_page(conn, &page)?
    };
    let mut rows = raw
        .into_iter()
        .map(RawRow::into_row)
        .collect::<Result<Vec<_>>>()?;
    if backwards {
        rows.reverse();
    }
    Ok(rows)
}

/// Collecting costs an index entry per match; walking costs a table row per row walked, about
/// `limit × patients / matches` of them when the matches are spread through the order, and
/// more when they gather at its far end. So: collect a search that matches few (a count of at
/// most [`FEW_MATCHES`] index entries says so); otherwise walk, and collect after all if the
/// walk's budget runs out first. Counting further to predict the walk costs about what a
/// failed walk does, so the walk itself is the test.
fn choose_plan(conn: &Connection, page: &Page<'_>, search: &Search) -> Result<SearchPlan> {
    let (patients, filtered) = patients_under(conn, &page.query.filter, page.hide)?;
    if patients == 0 || filtered == 0 {
        return Ok(SearchPlan::Collect);
    }
    // Rows the walk may return: a filter the sort index does not serve is tested on rows the
    // walk reads but does not return.
    let budget = (WALK_BUDGET as u64).saturating_mul(filtered) / patients;
    if budget < page.limit as u64 {
        return Ok(SearchPlan::Collect);
    }
    let (branches, params) = search.branches("1", &[], &[], "");
    let sql = format!(
        "SELECT count(*) FROM ({} LIMIT {FEW_MATCHES})",
        branches.join(" UNION ALL ")
    );
    let matches: i64 = conn
        .prepare_cached(&sql)?
        .query_row(params_from_iter(params), |row| row.get(0))?;
    Ok(if matches < FEW_MATCHES {
        SearchPlan::Collect
    } else {
        SearchPlan::Walk {
            budget: Some(budget as usize),
        }
    })
}

/// Matches of a search below which its page is collected without trying a walk.
const FEW_MATCHES: i64 = 2_000;

/// Patients in the file and those the filter's terms other than the search let through, from
/// the maintained counts.
fn patients_under(conn: &Connection, filter: &ListFilter, hide: bool) -> Result<(u64, u64)> {
    let (terms, params) = filter_terms(filter, hide);
    let clause = if terms.is_empty() {
        String::from("1")
    } else {
        terms.join(" AND ")
    };
    let sql = format!(
        "SELECT (SELECT coalesce(sum(patients), 0) FROM list_counts),
                (SELECT coalesce(sum(patients), 0) FROM list_counts WHERE {clause})"
    );
    let (all, filtered): (i64, i64) = conn
        .prepare_cached(&sql)?
        .query_row(params_from_iter(params), |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?;
    Ok((all.max(0) as u64, filtered.max(0) as u64))
}

/// A page without a search: the sort order's index from the cursor, each filter tested.
fn plain_page(conn: &Connection, page: &Page<'_>) -> Result<Vec<RawRow>> {
    let column = page.query.sort.column();
    let direction = page.direction;
    let (mut terms, mut params) = filter_terms(&page.query.filter, page.hide);
    if let Some((term, values)) = &page.cursor {
        terms.push(term.clone());
        params.extend(values.iter().cloned());
    }
    let clause = if terms.is_empty() {
        String::from("1")
    } else {
        terms.join(" AND ")
    };
    let sql = format!(
        "SELECT {ROW_COLUMNS}, {column} FROM patients WHERE {clause}
         ORDER BY {column} {direction}, id {direction} LIMIT ?"
    );
    params.push(Value::Integer(page.limit as i64));
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(params), raw_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Entries read from each end of each search index's range to bound a page (see
/// [`page_bound`]).
const SAMPLE: usize = 256;

/// The page from the search indexes: each gives its first `limit` matches in list order (read
/// from the index alone), and the page is the first `limit` of those, read from the table.
///
/// An index's matches come in its own order (a name, an MRN), not the list's, so each branch
/// sorts all of its matches to keep its first `limit`: 100,000 entries for `rf-00` at a million
/// patients, where SQLite's sorter took as long again as reading them (25–60 ms by the sort
/// column). [`page_bound`] first finds a row the page cannot end after, from a sample of the
/// matches; the branches then pass only the rows up to it to the sorter.
fn collect(conn: &Connection, page: &Page<'_>, search: &Search) -> Result<Vec<RawRow>> {
    let column = page.query.sort.column();
    let direction = page.direction;
    let (mut terms, mut params) = filter_terms(&page.query.filter, page.hide);
    if let Some((term, values)) = &page.cursor {
        terms.push(term.clone());
        params.extend(values.iter().cloned());
    }
    let limit = page.limit;
    if let Some((value, id)) = page_bound(conn, page, search, &terms, &params)? {
        // At or before the bound in list order.
        let op = if direction == "DESC" { ">=" } else { "<=" };
        terms.push(format!("({column}, id) {op} (?, ?)"));
        params.extend([value, Value::Integer(id)]);
    }
    let (branches, mut params) = search.branches(
        &format!("id, {column}"),
        &terms,
        &params,
        &format!("ORDER BY {column} {direction}, id {direction} LIMIT {limit}"),
    );
    let ids = branches
        .iter()
        .map(|branch| format!("SELECT id FROM ({branch})"))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    // NOT INDEXED: the few ids are looked up by rowid, never by walking an index for the order.
    let sql = format!(
        "SELECT {ROW_COLUMNS}, {column} FROM patients NOT INDEXED WHERE id IN ({ids})
         ORDER BY {column} {direction}, id {direction} LIMIT ?"
    );
    params.push(Value::Integer(limit as i64));
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(params), raw_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// A row (sort value, id) that the page's last row is at or before in list order, or `None`:
/// the `limit`-th row, in list order, of [`SAMPLE`] matches read from each end of each search
/// index's range (index entries in the index's own order, a seek and a short read each). The
/// page is the first `limit` of all matches, so its last row is at or before the `limit`-th of
/// any `limit` of them. Matches that gather at one end of the list order (the MRNs of the
/// lowest ids, under a sort whose ties go by id) gather at one end of an index range too, so
/// the bound is then close to the page itself.
fn page_bound(
    conn: &Connection,
    page: &Page<'_>,
    search: &Search,
    terms: &[String],
    params: &[Value],
) -> Result<Option<(Value, i64)>> {
    let column = page.query.sort.column();
    let direction = page.direction;
    let limit = page.limit;
    let mut selects = Vec::new();
    let mut all_params = Vec::new();
    for end in ["ASC", "DESC"] {
        let (branches, branch_params) =
            search.branches_with(&format!("{column} AS v, id"), terms, params, |key| {
                format!("ORDER BY {key} {end} LIMIT {SAMPLE}")
            });
        selects.extend(branches.into_iter().map(|b| format!("SELECT * FROM ({b})")));
        all_params.extend(branch_params);
    }
    // UNION, not UNION ALL: a range shorter than two samples is read from both ends, and a row
    // counted twice would make the bound too tight.
    let sql = format!(
        "SELECT v, id FROM ({}) ORDER BY v {direction}, id {direction} LIMIT 1 OFFSET {}",
        selects.join(" UNION "),
        limit.saturating_sub(1)
    );
    let bound = conn
        .prepare_cached(&sql)?
        .query_row(params_from_iter(all_params), |row| {
            Ok((row.get::<_, Value>(0)?, row.get::<_, i64>(1)?))
        })
        .optional()?;
    Ok(bound)
}

/// Index entries a walk may read where a walk of table rows may read one: an entry is tested
/// where it lies, a table row costs a page read of its own.
const ENTRIES_PER_ROW: usize = 20;

/// The page from the sort order's index, each row read and tested against the search; `None`
/// when `budget` rows were read without filling it.
fn walk(
    conn: &Connection,
    page: &Page<'_>,
    search: &Search,
    budget: Option<usize>,
) -> Result<Option<Vec<RawRow>>> {
    if page.query.sort == SortKey::Name {
        return walk_family_index(conn, page, search, budget);
    }
    let column = page.query.sort.column();
    let direction = page.direction;
    let index = sort_index(page.query.sort);
    let (condition, clause, params) = walk_terms(page, search);
    // The search is a column, not a condition: every row read comes back, so that the budget
    // counts what the walk reads.
    let sql = format!(
        "SELECT {ROW_COLUMNS}, {column}, {condition} FROM patients INDEXED BY {index}
         WHERE {clause} ORDER BY {column} {direction}, id {direction}"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(params_from_iter(params))?;
    let mut found = Vec::with_capacity(page.limit);
    let mut read = 0usize;
    while let Some(row) = rows.next()? {
        read += 1;
        if row.get::<_, bool>(ROW_COLUMN_COUNT + 1)? {
            found.push(raw_row(row)?);
            if found.len() >= page.limit {
                return Ok(Some(found));
            }
        }
        if budget.is_some_and(|budget| read >= budget) {
            return Ok(None);
        }
    }
    Ok(Some(found))
}

/// What a walk selects and filters by: the search as a column (`condition`), the list's
/// filters and the page's cursor as a `WHERE` clause, and their values in that order.
fn walk_terms(page: &Page<'_>, search: &Search) -> (String, String, Vec<Value>) {
    let (condition, mut params) = search.condition();
    let (mut terms, filter_params) = filter_terms(&page.query.filter, page.hide);
    params.extend(filter_params);
    if let Some((term, values)) = &page.cursor {
        terms.push(term.clone());
        params.extend(values.iter().cloned());
    }
    let clause = if terms.is_empty() {
        String::from("1")
    } else {
        terms.join(" AND ")
    };
    (condition, clause, params)
}

/// [`walk`] in name order along the family-name search index, which holds every search key
/// and every filtered column: the search is tested on index entries alone, and only the
/// page's rows are read from the table. A broad search sorted by name finds its given names
/// grouped within each family name (`m` after some 2,500 entries), further than a walk of
/// table rows may go.
fn walk_family_index(
    conn: &Connection,
    page: &Page<'_>,
    search: &Search,
    budget: Option<usize>,
) -> Result<Option<Vec<RawRow>>> {
    let direction = page.direction;
    let (condition, clause, params) = walk_terms(page, search);
    let sql = format!(
        "SELECT id, {condition} FROM patients INDEXED BY patients_search_family
         WHERE {clause} ORDER BY name_key {direction}, id {direction}"
    );
    let budget = budget.map(|rows| rows.saturating_mul(ENTRIES_PER_ROW));
    let mut ids: Vec<i64> = Vec::with_capacity(page.limit);
    {
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(params))?;
        let mut read = 0usize;
        while let Some(row) = rows.next()? {
            read += 1;
            if row.get::<_, bool>(1)? {
                ids.push(row.get(0)?);
                if ids.len() >= page.limit {
                    break;
                }
            }
            if ids.len() < page.limit && budget.is_some_and(|budget| read >= budget) {
                return Ok(None);
            }
        }
    }
    if ids.is_empty() {
        return Ok(Some(Vec::new()));
    }
    let placeholders = vec!["?"; ids.len()].join(", ");
    let sql = format!(
        "SELECT {ROW_COLUMNS}, name_key FROM patients NOT INDEXED WHERE id IN ({placeholders})
         ORDER BY name_key {direction}, id {direction}"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(ids), raw_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(rows))
}

/// The number of columns in [`ROW_COLUMNS`]; the sort value follows them.
const ROW_COLUMN_COUNT: usize = 20;

/// A row as SQLite gives it: [`ROW_COLUMNS`], then the sort value.
struct RawRow {
    id: i64,
    mrn: String,
    family: String,
    given: String,
    birth: String,
    sex: String,
    status: i64,
    ruleset: String,
    line: i64,
    regimen: String,
    wf: i64,
    overdue: i64,
    review: i64,
    care_team: String,
    updated_at: String,
    deceased: bool,
    deceased_date: Option<String>,
    birth_precision: Option<String>,
    unrecognised: Option<String>,
    deceased_in: Option<String>,
    sort_value: Value,
}

fn raw_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawRow> {
    Ok(RawRow {
        id: row.get(0)?,
        mrn: row.get(1)?,
        family: row.get(2)?,
        given: row.get(3)?,
        birth: row.get(4)?,
        sex: row.get(5)?,
        status: row.get(6)?,
        ruleset: row.get(7)?,
        line: row.get(8)?,
        regimen: row.get(9)?,
        wf: row.get(10)?,
        overdue: row.get(11)?,
        review: row.get(12)?,
        care_team: row.get(13)?,
        updated_at: row.get(14)?,
        deceased: row.get(15)?,
        deceased_date: row.get(16)?,
        birth_precision: row.get(17)?,
        unrecognised: row.get(18)?,
        deceased_in: row.get(19)?,
        sort_value: row.get(ROW_COLUMN_COUNT)?,
    })
}

impl RawRow {
    fn into_row(self) -> Result<PatientRow> {
        let id = self.id;
        Ok(PatientRow {
            id,
            mrn: self.mrn,
            family_name: self.family,
            given_name: self.given,
            birth_date: parse_opt_date("patients.birth_date", Some(self.birth))?,
            birth_precision: self
                .birth_precision
                .as_deref()
                .and_then(|text| DatePrecision::parse(text).ok())
                .unwrap_or_default(),
            sex: Sex::parse(&self.sex).unwrap_or(Sex::Unknown),
            status: AssessmentStatus::from_rank(self.status),
            ruleset: self.ruleset,
            line: self.line.max(0) as u32,
            regimen: self.regimen,
            way_forward: u8::try_from(self.wf).ok(),
            overdue: self.overdue != 0,
            review: match self.review {
                0 => Some(ReviewState::Unreviewed),
                1 => Some(ReviewState::Confirmed),
                2 => Some(ReviewState::Dismissed),
                _ => None,
            },
            care_team: self.care_team,
            updated_at: self.updated_at,
            deceased: self.deceased,
            deceased_date: parse_opt_date("patients.deceased_date", self.deceased_date)?,
            deceased_in: self.deceased_in.as_deref().and_then(PartialDate::parse),
            unrecognised: self.unrecognised.unwrap_or_default(),
            cursor: Some(Cursor {
                value: self.sort_value,
                id,
            }),
        })
    }
}

/// The terms of a filter other than its search, and their parameters; `hide_deceased` leaves
/// the deceased out (see [`hides_deceased`]). Every column they name is in the maintained
/// counts and in each search index.
fn filter_terms(filter: &ListFilter, hide_deceased: bool) -> (Vec<String>, Vec<Value>) {
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
    (terms, params)
}

/// The WHERE clause and its parameters for a filter with no search (always at least `1`).
fn where_clause(filter: &ListFilter, hide_deceased: bool) -> (String, Vec<Value>) {
    let (terms, params) = filter_terms(filter, hide_deceased);
    if terms.is_empty() {
        (String::from("1"), params)
    } else {
        (terms.join(" AND "), params)
    }
}
