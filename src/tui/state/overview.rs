//! The overview's state: the counts per condition, the cell selected, the care team it is
//! narrowed to, and what each column counts.

use crate::domain::AssessmentStatus;
use crate::tui::worker::OverviewData;

#[derive(Debug, Clone)]
pub struct OverviewScreen {
    pub data: Option<OverviewData>,
    pub row: usize,
    pub column: usize,
    pub team: Option<String>,
    /// Months after which a flag without a specialist referral counts as waiting
    /// (`--waiting-months`, `$REFRACT_WAITING_MONTHS`).
    pub waiting_months: u32,
}

impl Default for OverviewScreen {
    fn default() -> Self {
        OverviewScreen {
            data: None,
            row: 0,
            column: 0,
            team: None,
            waiting_months: crate::store::DEFAULT_WAITING_MONTHS,
        }
    }
}

/// The columns of the overview, in order: what each number counts and the filter it opens.
pub const OVERVIEW_COLUMNS: [OverviewColumn; 12] = [
    OverviewColumn::Total,
    OverviewColumn::Status(AssessmentStatus::Refractory),
    OverviewColumn::Status(AssessmentStatus::Resistant),
    OverviewColumn::Status(AssessmentStatus::Relapsed),
    OverviewColumn::Status(AssessmentStatus::InsufficientData),
    OverviewColumn::Status(AssessmentStatus::NotMet),
    OverviewColumn::Unreviewed,
    OverviewColumn::NewFlags,
    OverviewColumn::Overdue,
    OverviewColumn::MetFor,
    OverviewColumn::Waiting,
    OverviewColumn::ToReferral,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverviewColumn {
    Total,
    Status(AssessmentStatus),
    Unreviewed,
    NewFlags,
    Overdue,
    /// How long flags have met their criteria (the median); opens those flags.
    MetFor,
    /// Flags met more than the waiting months ago without a specialist referral.
    Waiting,
    /// The median time from criteria met to a specialist referral; opens the referred.
    ToReferral,
}
