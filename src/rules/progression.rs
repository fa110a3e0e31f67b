//! A progression of the disease, as the criteria read it: from a clinician's recorded date or a
//! line's stop, or from disease-status assessments and the M-protein series (confirmed or still
//! to be confirmed).

use chrono::{NaiveDate, NaiveDateTime};

/// A progression of the disease.
#[derive(Debug, Clone)]
pub struct Progression {
    pub date: NaiveDate,
    /// The last day it may have been on: `date`, or the last day of the month or the year the
    /// value or status that showed it was dated by alone (every day of it, never its first).
    pub last: NaiveDate,
    /// Where it is recorded, in words.
    pub words: String,
    /// False while the confirming assessments the rule set asks for are still to come.
    pub confirmed: bool,
    /// Read from disease-status assessments (not a clinician's recorded date or stop).
    pub assessed: bool,
    /// Confirmed by the consecutive assessments the rule set asks for (disease statuses, or
    /// M-protein or free light chain values), not by a clinician's date or stop, nor by a new
    /// line started on a single one: the record itself shows the confirmation.
    pub shown_confirmed: bool,
    /// The assessment's time, when read from one (to tell it from a line's first dose that
    /// day); a recorded date or a stop is a date only.
    pub at: Option<NaiveDateTime>,
    /// For one not confirmed: what would decide it, when that is not a further assessment
    /// confirming it (an M-protein value refract could not read: its unit).
    pub missing: Option<String>,
}

impl Progression {
    /// Whether it was shown by a value or a status dated by a month or a year alone whose days
    /// run past `bound` from on or before it: on which side of that day it lies cannot be told.
    pub(super) fn holds(&self, bound: NaiveDate) -> bool {
        self.date <= bound && self.last > bound
    }

    /// The month or the year it is dated by alone ("2026-03", "2026"), or its day.
    pub(super) fn dated(&self) -> String {
        super::dates::dated(self.date, self.last)
    }

    /// "2025-06-24", with how it was found when assessments found it.
    pub(super) fn when(&self) -> String {
        if self.assessed {
            format!("{}: {}", self.date, self.words)
        } else {
            self.date.to_string()
        }
    }
}
