//! Keys while a popup is open: the help, the filter and sort menus, and lists to pick from.

use super::action::Action;
use super::apply::apply;
use super::model::{ChoiceFor, Input, Model, Popup};
use super::purpose::{InputPurpose, PatientPurpose};
use super::screen::list::cycle;
use super::screen::{meeting, way_forward};
use super::state::list::FILTER_ITEMS;
use super::worker::Request;
use crate::domain::{AssessmentStatus, ReviewDecision};
use crate::store::{ListFilter, SortKey};

pub(super) fn popup_action(model: &mut Model, popup: &Popup, action: Action) -> Vec<Request> {
    match (popup, action) {
        (_, Action::Quit) => {
            model.quit = true;
            Vec::new()
        }
        (_, Action::Back | Action::Help) => {
            model.popup = None;
            Vec::new()
        }
        (Popup::Help { scroll }, Action::MoveDown | Action::PageDown) => {
            let step = if action == Action::PageDown { 10 } else { 1 };
            // The view stops the scroll at the last line; a bound here keeps it finite.
            model.popup = Some(Popup::Help {
                scroll: (scroll + step).min(200),
            });
            Vec::new()
        }
        (Popup::Help { scroll }, Action::MoveUp | Action::PageUp) => {
            let step = if action == Action::PageUp { 10 } else { 1 };
            model.popup = Some(Popup::Help {
                scroll: scroll.saturating_sub(step),
            });
            Vec::new()
        }
        (Popup::Filter { selected }, Action::MoveDown) => {
            model.popup = Some(Popup::Filter {
                selected: (selected + 1).min(FILTER_ITEMS - 1),
            });
            Vec::new()
        }
        (Popup::Filter { selected }, Action::MoveUp) => {
            model.popup = Some(Popup::Filter {
                selected: selected.saturating_sub(1),
            });
            Vec::new()
        }
        (Popup::Filter { selected }, Action::Open) => {
            let filter = &mut model.list.query.filter;
            match selected {
                0 => {
                    let statuses = AssessmentStatus::MOST_SEVERE_FIRST;
                    filter.status = cycle(filter.status.as_ref(), &statuses);
                }
                1 => {
                    let ids: Vec<String> = model.rulesets.iter().map(|r| r.id.clone()).collect();
                    filter.ruleset = cycle(filter.ruleset.as_ref(), &ids);
                }
                2 => filter.care_team = cycle(filter.care_team.as_ref(), &model.care_teams),
                3 => filter.unreviewed_only = !filter.unreviewed_only,
                4 => filter.overdue_only = !filter.overdue_only,
                5 => filter.show_deceased = !filter.show_deceased,
                _ => {
                    *filter = ListFilter {
                        search: filter.search.take(),
                        ..ListFilter::default()
                    }
                }
            }
            model.reload_list()
        }
        (
            Popup::Choose {
                title,
                options,
                selected,
                choice,
            },
            Action::MoveDown | Action::MoveUp,
        ) => {
            let selected = if action == Action::MoveDown {
                (selected + 1).min(options.len().saturating_sub(1))
            } else {
                selected.saturating_sub(1)
            };
            model.popup = Some(Popup::Choose {
                title: title.clone(),
                options: options.clone(),
                selected,
                choice: choice.clone(),
            });
            Vec::new()
        }
        (
            Popup::Choose {
                options,
                selected,
                choice,
                ..
            },
            Action::Open,
        ) => {
            model.popup = None;
            let label = options.get(*selected).cloned().unwrap_or_default();
            let effects = match choice {
                ChoiceFor::WayForward(choice) => {
                    model.way_forward.as_mut().map_or_else(Vec::new, |screen| {
                        way_forward::chosen(screen, *choice, *selected, &label)
                    })
                }
                ChoiceFor::Meeting(choice) => {
                    model.meeting.as_mut().map_or_else(Vec::new, |screen| {
                        meeting::chosen(screen, choice, *selected)
                    })
                }
                ChoiceFor::ConfirmDespiteConfounders(opened) => {
                    if *selected == 1 {
                        model.input = Some(
                            Input::new(
                                InputPurpose::Patient(PatientPurpose::Rationale(
                                    ReviewDecision::Confirmed,
                                )),
                                String::new(),
                            )
                            .about(opened.as_ref().clone()),
                        );
                    }
                    Vec::new()
                }
            };
            apply(model, effects)
        }
        (Popup::Sort { selected }, Action::MoveDown) => {
            model.popup = Some(Popup::Sort {
                selected: (selected + 1).min(SortKey::ALL.len() - 1),
            });
            Vec::new()
        }
        (Popup::Sort { selected }, Action::MoveUp) => {
            model.popup = Some(Popup::Sort {
                selected: selected.saturating_sub(1),
            });
            Vec::new()
        }
        (Popup::Sort { selected }, Action::Open | Action::Sort) => {
            let key = SortKey::ALL[*selected];
            let query = &mut model.list.query;
            if query.sort == key {
                query.descending = !query.descending;
            } else {
                query.sort = key;
                query.descending = key.default_descending();
            }
            model.popup = None;
            model.reload_list()
        }
        _ => Vec::new(),
    }
}
