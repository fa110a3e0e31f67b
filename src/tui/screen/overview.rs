//! The overview's keys: moving between conditions and columns, and opening the patients
//! behind a number as the list filtered to them.

use super::list::cycle;
use crate::store::{Cohort, ListFilter, ListQuery, SortKey};
use crate::tui::action::Action;
use crate::tui::effect::{Effect, Opening};
use crate::tui::state::overview::{OVERVIEW_COLUMNS, OverviewColumn, OverviewScreen};
use crate::tui::worker::Request;

/// A key on the overview; `care_teams` are the teams to cycle through, `list` the list's
/// query now (a number opens the list under its own filter, keeping the list's sort).
pub fn action(
    overview: &mut OverviewScreen,
    care_teams: &[String],
    list: &ListQuery,
    action: Action,
) -> Vec<Effect> {
    let rows = overview.data.as_ref().map_or(0, |d| d.rows.len());
    match action {
        Action::MoveDown => overview.row = (overview.row + 1).min(rows.saturating_sub(1)),
        Action::MoveUp => overview.row = overview.row.saturating_sub(1),
        Action::PanRight => overview.column = (overview.column + 1).min(OVERVIEW_COLUMNS.len() - 1),
        Action::PanLeft => overview.column = overview.column.saturating_sub(1),
        Action::First => overview.row = 0,
        Action::Last => overview.row = rows.saturating_sub(1),
        Action::CareTeam => {
            overview.team = cycle(overview.team.as_ref(), care_teams);
            return vec![Effect::Request(Request::Overview {
                care_team: overview.team.clone(),
                waiting_months: overview.waiting_months,
            })];
        }
        Action::Open => {
            let Some(data) = &overview.data else {
                return Vec::new();
            };
            let Some(row) = data.rows.get(overview.row) else {
                return Vec::new();
            };
            let mut filter = ListFilter {
                ruleset: Some(row.ruleset.clone()),
                care_team: overview.team.clone(),
                ..ListFilter::default()
            };
            match OVERVIEW_COLUMNS[overview.column] {
                OverviewColumn::Total => {}
                OverviewColumn::Status(status) => filter.status = Some(status),
                OverviewColumn::Unreviewed => filter.unreviewed_only = true,
                OverviewColumn::NewFlags => {
                    filter.unreviewed_only = true;
                }
                OverviewColumn::Overdue => filter.overdue_only = true,
                // Every flag of the condition, not only the patients it heads the row of.
                OverviewColumn::MetFor => {
                    filter.ruleset = None;
                    filter.cohort = Some(Cohort::Met {
                        ruleset: row.ruleset.clone(),
                    });
                }
                OverviewColumn::Waiting => {
                    let Some(met_before) = data.waiting_cutoff else {
                        return Vec::new();
                    };
                    filter.ruleset = None;
                    filter.cohort = Some(Cohort::Waiting {
                        ruleset: row.ruleset.clone(),
                        met_before,
                    });
                }
                OverviewColumn::ToReferral => {
                    filter.ruleset = None;
                    filter.cohort = Some(Cohort::Referred {
                        ruleset: row.ruleset.clone(),
                    });
                }
            }
            // New flags: the newest first.
            let new_flags = matches!(OVERVIEW_COLUMNS[overview.column], OverviewColumn::NewFlags);
            let query = ListQuery {
                filter,
                sort: if new_flags {
                    SortKey::LastChange
                } else {
                    list.sort
                },
                descending: new_flags || list.descending,
            };
            return vec![Effect::Open(Opening::List(query))];
        }
        _ => {}
    }
    Vec::new()
}
