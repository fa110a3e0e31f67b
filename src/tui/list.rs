//! The patient list's keys and paging: moves, search and filter menus, the window of rows
//! kept in memory and the pages the worker places into it.

use super::action::Action;
use super::model::{Input, InputPurpose, Model, PatientList, Popup, Screen, WINDOW};
use super::patient::open_patient;
use super::worker::{Placement, Request};
use crate::store::{Anchor, PatientRow, SortKey};

pub(super) fn keep_visible(list: &mut PatientList, viewport: usize) {
    if list.selected < list.top {
        list.top = list.selected;
    } else if list.selected >= list.top + viewport {
        list.top = list.selected + 1 - viewport;
    }
    list.top = list.top.min(list.rows.len().saturating_sub(1));
}

pub(super) fn list_action(model: &mut Model, action: Action) -> Vec<Request> {
    let viewport = model.viewport;
    let page = model.page_size();
    let list = &mut model.list;
    let mut requests = Vec::new();
    let mut load_more = |list: &mut PatientList, forward: bool| {
        if list.loading {
            return;
        }
        let (anchor, placement) = if forward {
            if list.at_end {
                return;
            }
            match list.rows.last().and_then(|r| r.cursor.clone()) {
                Some(cursor) => (Anchor::After(cursor), Placement::Append),
                None => return,
            }
        } else {
            if list.at_start {
                return;
            }
            match list.rows.first().and_then(|r| r.cursor.clone()) {
                Some(cursor) => (Anchor::Before(cursor), Placement::Prepend),
                None => return,
            }
        };
        list.loading = true;
        requests.push(Request::Page {
            generation: list.generation,
            query: list.query.clone(),
            anchor,
            limit: page,
            placement,
        });
    };
    match action {
        Action::MoveDown | Action::PageDown => {
            let step = if action == Action::PageDown {
                viewport.max(1)
            } else {
                1
            };
            if !list.rows.is_empty() {
                list.selected = (list.selected + step).min(list.rows.len() - 1);
            }
            if list.selected + viewport >= list.rows.len() {
                load_more(list, true);
            }
        }
        Action::MoveUp | Action::PageUp => {
            let step = if action == Action::PageUp {
                viewport.max(1)
            } else {
                1
            };
            list.selected = list.selected.saturating_sub(step);
            if list.selected < viewport {
                load_more(list, false);
            }
        }
        Action::First => {
            list.generation += 1;
            list.loading = true;
            requests.push(Request::Page {
                generation: list.generation,
                query: list.query.clone(),
                anchor: Anchor::First,
                limit: page,
                placement: Placement::Replace {
                    position: Some(0),
                    select_last: false,
                },
            });
        }
        Action::Last => {
            list.generation += 1;
            list.loading = true;
            requests.push(Request::Page {
                generation: list.generation,
                query: list.query.clone(),
                anchor: Anchor::Last,
                limit: page,
                placement: Placement::Replace {
                    position: None,
                    select_last: true,
                },
            });
        }
        Action::Open => {
            if let Some(id) = model.selected_patient() {
                return open_patient(model, id, Screen::Patients);
            }
        }
        Action::Search => {
            let text = list.query.filter.search.clone().unwrap_or_default();
            model.input = Some(Input::new(InputPurpose::Search, text));
        }
        Action::Filter => model.popup = Some(Popup::Filter { selected: 0 }),
        Action::Sort => {
            let current = SortKey::ALL
                .iter()
                .position(|k| *k == list.query.sort)
                .unwrap_or(0);
            model.popup = Some(Popup::Sort { selected: current });
        }
        _ => {}
    }
    keep_visible(&mut model.list, viewport);
    requests
}

/// How many lines the filter menu has (the last clears them all).
pub(super) const FILTER_ITEMS: usize = 7;

/// The filter menu's lines: (label, value) for display.
pub fn filter_items(model: &Model) -> Vec<(String, String)> {
    let filter = &model.list.query.filter;
    let condition = filter
        .ruleset
        .as_ref()
        .map_or_else(|| String::from("all"), |id| model.ruleset_name(id));
    vec![
        (
            String::from("Status"),
            filter.status.map_or_else(
                || String::from("all"),
                |s| format!("{} {}", s.symbol(), s.word()),
            ),
        ),
        (String::from("Condition"), condition),
        (
            String::from("Care team"),
            filter
                .care_team
                .clone()
                .unwrap_or_else(|| String::from("all")),
        ),
        (
            String::from("Unreviewed flags only"),
            String::from(if filter.unreviewed_only { "yes" } else { "no" }),
        ),
        (
            String::from("Overdue steps or tasks only"),
            String::from(if filter.overdue_only { "yes" } else { "no" }),
        ),
        (
            String::from("Deceased patients"),
            String::from(if filter.show_deceased {
                "shown"
            } else {
                "hidden"
            }),
        ),
        (String::from("Clear all filters"), String::new()),
    ]
}

/// The next value in a cycle that includes "none" (`None`) before the first and after the last.
pub(super) fn cycle<T: Clone + PartialEq>(current: Option<&T>, values: &[T]) -> Option<T> {
    match current.and_then(|c| values.iter().position(|v| v == c)) {
        None => values.first().cloned(),
        Some(index) => values.get(index + 1).cloned(),
    }
}

pub(super) fn placed(model: &mut Model, placement: Placement, rows: Vec<PatientRow>) {
    let viewport = model.viewport;
    let page = model.page_size();
    let list = &mut model.list;
    list.loading = false;
    match placement {
        Placement::Replace {
            position,
            select_last,
        } => {
            let count = rows.len();
            list.rows = rows;
            list.at_start = position == Some(0);
            list.at_end = count < page || select_last;
            list.first_position =
                position.or_else(|| list.total().map(|total| total.saturating_sub(count as u64)));
            if select_last {
                list.selected = count.saturating_sub(1);
                list.top = count.saturating_sub(viewport);
            } else {
                list.selected = list.selected.min(count.saturating_sub(1));
                if position == Some(0) && list.top > 0 {
                    list.selected = 0;
                }
                list.top = 0;
            }
        }
        Placement::Append => {
            if rows.len() < page {
                list.at_end = true;
            }
            list.rows.extend(rows);
            if list.rows.len() > WINDOW {
                let drop = list.rows.len() - WINDOW;
                let drop = drop.min(list.top);
                list.rows.drain(..drop);
                list.selected -= drop;
                list.top -= drop;
                list.first_position = list.first_position.map(|p| p + drop as u64);
                list.at_start = false;
            }
        }
        Placement::Prepend => {
            let count = rows.len();
            if count < page {
                list.at_start = true;
            }
            let mut rows = rows;
            rows.append(&mut list.rows);
            list.rows = rows;
            list.selected += count;
            list.top += count;
            list.first_position = list.first_position.map(|p| p.saturating_sub(count as u64));
            if list.rows.len() > WINDOW {
                let keep = (list.top + viewport + page).max(WINDOW);
                if list.rows.len() > keep {
                    list.rows.truncate(keep);
                    list.at_end = false;
                }
            }
        }
    }
    keep_visible(list, viewport);
}
