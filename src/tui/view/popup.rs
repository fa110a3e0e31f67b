//! Overlays: the help (every key of the screen, from the keymap), the filter menu and the sort
//! menu.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::super::app::{Model, Popup, filter_items};
use super::super::keymap::Keymap;
use super::super::theme::Theme;
use crate::store::SortKey;

pub fn render(
    model: &Model,
    popup: &Popup,
    keymap: &Keymap,
    theme: Theme,
    frame: &mut Frame<'_>,
    area: Rect,
) {
    let (title, lines): (&str, Vec<Line<'_>>) = match popup {
        Popup::Help => {
            let mut lines: Vec<Line<'_>> = keymap
                .help(model.context())
                .into_iter()
                .map(|(keys, help)| {
                    Line::from(vec![
                        Span::styled(format!("{keys:>14}  "), theme.key()),
                        Span::raw(help),
                    ])
                })
                .collect();
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled(
                "Flags are suspicions from published criteria, for clinician review.",
                theme.muted(),
            )));
            (" Help ", lines)
        }
        Popup::Filter { selected } => (
            " Filter ",
            filter_items(model)
                .into_iter()
                .enumerate()
                .map(|(index, (label, value))| {
                    let line = Line::from(vec![
                        Span::raw(format!(" {label:<30}")),
                        Span::styled(value, theme.accent()),
                    ]);
                    if index == *selected {
                        line.style(theme.selected())
                    } else {
                        line
                    }
                })
                .collect(),
        ),
        Popup::Sort { selected } => (
            " Sort by ",
            SortKey::ALL
                .iter()
                .enumerate()
                .map(|(index, key)| {
                    let current = model.list.query.sort == *key;
                    let mark = if current {
                        if model.list.query.descending {
                            " ↓"
                        } else {
                            " ↑"
                        }
                    } else {
                        ""
                    };
                    let line = Line::from(format!(" {}{mark}", key.label()));
                    if index == *selected {
                        line.style(theme.selected())
                    } else {
                        line
                    }
                })
                .collect(),
        ),
        Popup::Choose {
            title,
            options,
            selected,
            ..
        } => (
            title.as_str(),
            options
                .iter()
                .enumerate()
                .map(|(index, option)| {
                    let line = Line::from(format!(" {option} "));
                    if index == *selected {
                        line.style(theme.selected())
                    } else {
                        line
                    }
                })
                .collect(),
        ),
    };
    let width = lines
        .iter()
        .map(Line::width)
        .max()
        .unwrap_or(10)
        .saturating_add(4)
        .min(usize::from(area.width)) as u16;
    let height = (lines.len() as u16).saturating_add(2).min(area.height);
    if width < 4 || height < 3 {
        return;
    }
    let rect = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .title(Span::styled(title, theme.title()))
        .border_style(theme.border());
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}
