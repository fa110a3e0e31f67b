//! The patient list's keys and paging: moves, search and filter menus, the window of rows
//! kept in memory and the pages the worker places into it.

use crate::domain::PatientId;
use crate::store::{Anchor, PatientRow, SortKey};
use crate::tui::action::Action;
use crate::tui::effect::{Effect, Opening};
use crate::tui::model::Input;
use crate::tui::model::Popup;
use crate::tui::purpose::InputPurpose;
use crate::tui::state::Screen;
use crate::tui::state::list::{PatientList, WINDOW, page_size};
use crate::tui::state::patient::Tab;
use crate::tui::worker::{Placement, Request};

/// Keeps the selection among the `viewport` rows on screen.
pub fn keep_visible(list: &mut PatientList, viewport: usize) {
    if list.selected < list.top {
        list.top = list.selected;
    } else if list.selected >= list.top + viewport {
        list.top = list.selected + 1 - viewport;
    }
    list.top = list.top.min(list.rows.len().saturating_sub(1));
}

/// A key on the patient list, which shows `viewport` rows.
pub fn action(list: &mut PatientList, viewport: usize, action: Action) -> Vec<Effect> {
    // The person moves on from the row a reload in flight would have kept selected.
    list.follow = None;
    let page = page_size(viewport);
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
            // The first row is selected whatever page comes back (a page that starts the list
            // otherwise keeps the selection where it was).
            list.selected = 0;
            list.top = 0;
            requests.push(jump(list, page, Anchor::First));
        }
        Action::Last => requests.push(jump(list, page, Anchor::Last)),
        Action::Open => {
            if let Some(row) = list.selected_row() {
                return vec![Effect::Open(Opening::Patient {
                    id: PatientId(row.id),
                    back_to: Screen::Patients,
                    tab: Tab::Timeline,
                })];
            }
        }
        Action::Search => {
            let text = list.query.filter.search.clone().unwrap_or_default();
            return vec![Effect::Ask(Input::new(InputPurpose::Search, text))];
        }
        Action::Filter => return vec![Effect::Choose(Popup::Filter { selected: 0 })],
        Action::Sort => {
            let current = SortKey::ALL
                .iter()
                .position(|k| *k == list.query.sort)
                .unwrap_or(0);
            return vec![Effect::Choose(Popup::Sort { selected: current })];
        }
        _ => {}
    }
    keep_visible(list, viewport);
    requests.into_iter().map(Effect::Request).collect()
}

/// The next value in a cycle that includes "none" (`None`) before the first and after the last.
pub fn cycle<T: Clone + PartialEq>(current: Option<&T>, values: &[T]) -> Option<T> {
    match current.and_then(|c| values.iter().position(|v| v == c)) {
        None => values.first().cloned(),
        Some(index) => values.get(index + 1).cloned(),
    }
}

/// The page that starts or ends the list (`anchor` First or Last), replacing the window: a new
/// generation, so that pages still on their way for the old window are dropped.
fn jump(list: &mut PatientList, page: usize, anchor: Anchor) -> Request {
    let to_end = matches!(anchor, Anchor::Last);
    list.generation += 1;
    list.loading = true;
    Request::Page {
        generation: list.generation,
        query: list.query.clone(),
        anchor,
        limit: page,
        placement: Placement::Replace {
            position: (!to_end).then_some(0),
            select_last: to_end,
        },
    }
}

/// A page of rows from the worker, placed into the window kept in memory; `limit` is how many
/// were asked for (the page size of the moment it was asked, which the prompt line or a
/// resize may have changed since).
pub fn placed(
    list: &mut PatientList,
    viewport: usize,
    placement: Placement,
    limit: usize,
    rows: Vec<PatientRow>,
) {
    list.loading = false;
    match placement {
        Placement::Replace {
            position,
            select_last,
        } => {
            let count = rows.len();
            let followed = list.follow.take().and_then(|(id, ruleset)| {
                rows.iter()
                    .position(|row| row.id == id && row.ruleset == ruleset)
            });
            list.rows = rows;
            list.at_start = position == Some(0);
            list.at_end = count < limit || select_last;
            list.first_position =
                position.or_else(|| list.total().map(|total| total.saturating_sub(count as u64)));
            if select_last {
                list.selected = count.saturating_sub(1);
                list.top = count.saturating_sub(viewport);
            } else if let Some(at) = followed {
                list.selected = at;
                list.top = 0;
            } else {
                list.selected = list.selected.min(count.saturating_sub(1));
                if position == Some(0) && list.top > 0 {
                    list.selected = 0;
                }
                list.top = 0;
            }
        }
        Placement::Append => {
            if rows.len() < limit {
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
            if count < limit {
                list.at_start = true;
            }
            let mut rows = rows;
            rows.append(&mut list.rows);
            list.rows = rows;
            list.selected += count;
            list.top += count;
            list.first_position = list.first_position.map(|p| p.saturating_sub(count as u64));
            if list.rows.len() > WINDOW {
                let keep = (list.top + viewport + limit).max(WINDOW);
                if list.rows.len() > keep {
                    list.rows.truncate(keep);
                    list.at_end = false;
                }
            }
        }
    }
    keep_visible(list, viewport);
}
