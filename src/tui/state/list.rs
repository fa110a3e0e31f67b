//! The patient list's state: a window of rows paged from the database around the selection,
//! the query it shows, and its counts.

use crate::store::{ListQuery, PatientRow, StatusCounts};

/// The patient list: a window of rows paged from the database around the selection.
#[derive(Debug, Clone, Default)]
pub struct PatientList {
    pub query: ListQuery,
    pub rows: Vec<PatientRow>,
    /// The absolute row number of `rows[0]` in the whole list (`None` until known, after a
    /// jump to the end before the count arrived).
    pub first_position: Option<u64>,
    pub selected: usize,
    /// Index in `rows` of the first row on screen.
    pub top: usize,
    /// Per-status counts under the filter without its status part.
    pub counts: Option<StatusCounts>,
    pub generation: u64,
    pub loading: bool,
    pub at_start: bool,
    pub at_end: bool,
    /// The row selected when the list was reloaded in place (another process changed the
    /// data): by patient and condition, so that the selection stays on that row if the new
    /// order moved it, instead of landing on whoever took its place.
    pub follow: Option<(i64, String)>,
}

impl PatientList {
    /// Rows matching the whole filter, once counted.
    /// Rows matching the whole filter, once counted exactly (a broad search stops counting).
    pub fn total(&self) -> Option<u64> {
        let counts = self.counts.as_ref().filter(|c| !c.capped)?;
        Some(match self.query.filter.status {
            Some(status) => counts.of(status),
            None => counts.total,
        })
    }

    /// The total in words: "1,000,000", or "10,000+" when a search matched more than is counted.
    pub fn total_text(&self) -> Option<String> {
        let counts = self.counts.as_ref()?;
        if counts.capped {
            return Some(format!(
                "{}+",
                crate::text::thousands(crate::store::SEARCH_COUNT_CAP)
            ));
        }
        self.total().map(crate::text::thousands)
    }

    /// The absolute row number of the selection.
    pub fn position(&self) -> Option<u64> {
        self.first_position
            .map(|first| first + self.selected as u64)
    }

    pub fn selected_row(&self) -> Option<&PatientRow> {
        self.rows.get(self.selected)
    }
}

/// Rows kept in memory around the selection, at most.
pub const WINDOW: usize = 600;

/// The rows asked for at a time when `viewport` rows are on screen.
pub fn page_size(viewport: usize) -> usize {
    (viewport * 2).max(50)
}

/// How many lines the filter menu has (the last clears them all).
pub const FILTER_ITEMS: usize = 7;
