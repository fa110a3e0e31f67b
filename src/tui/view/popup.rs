//! Overlays: the help (the last messages whole, then every key of the screen, from the
//! keymap), the filter menu, the sort menu and the choice menus (their question read whole).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::super::keymap::{Context, Keymap};
use super::super::model::{Model, Popup};
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
    // A row that does not fit wraps (a cut word would leave a key or a choice unexplained), with
    // a column clear inside each side of the border.
    let room = usize::from(area.width.saturating_sub(4));
    let (title, lines): (String, Vec<Line<'_>>) = match popup {
        Popup::Help { .. } => {
            let mut lines = last_messages(model, theme, room);
            lines.extend(
                keymap
                    .help(model.context())
                    .into_iter()
                    .flat_map(|(keys, help)| {
                        let key_column = Span::styled(format!("{keys:>14}  "), theme.key());
                        wrapped_after(key_column, &help, Style::new(), room)
                    }),
            );
            let symbols = symbols(model.context());
            if !symbols.is_empty() {
                lines.push(Line::from(""));
                let width = room.clamp(20, 76);
                let mut current = String::from("  ");
                for (symbol, meaning) in symbols {
                    let piece = format!("{symbol} {meaning}");
                    if current.trim().is_empty() {
                        current.push_str(&piece);
                    } else if crate::text::width(&current) + 3 + crate::text::width(&piece) > width
                    {
                        lines.push(Line::from(Span::raw(std::mem::take(&mut current))));
                        current = format!("  {piece}");
                    } else {
                        current.push_str(" · ");
                        current.push_str(&piece);
                    }
                    // A meaning longer than a row wraps under itself.
                    if crate::text::width(&current) > width {
                        let mut rows = crate::text::wrap_hanging(&current, width);
                        current = rows.pop().unwrap_or_default();
                        lines.extend(rows.into_iter().map(Line::from));
                    }
                }
                lines.push(Line::from(Span::raw(current)));
            }
            lines.push(Line::from(""));
            lines.extend(super::parts::wrap_hanging(
                "Flags are suspicions from published criteria, for clinician review.",
                room,
                theme.muted(),
            ));
            (String::from(" Help "), lines)
        }
        Popup::Filter { selected } => (
            String::from(" Filter "),
            filter_items(model)
                .into_iter()
                .enumerate()
                .flat_map(|(index, (label, value))| {
                    let label = Span::raw(format!(" {label:<30}"));
                    let rows = wrapped_after(label, &value, theme.accent(), room);
                    selected_rows(rows, index == *selected, theme)
                })
                .collect(),
        ),
        Popup::Sort { selected } => (
            String::from(" Sort by "),
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
            // A menu's words may be stored text (an option the team named on the board).
            model.shown(title),
            options
                .iter()
                .enumerate()
                .flat_map(|(index, option)| {
                    let rows = wrapped_after(
                        Span::raw(" "),
                        &model.shown(option),
                        Style::new(),
                        room.saturating_sub(1),
                    );
                    selected_rows(rows, index == *selected, theme)
                })
                .collect(),
        ),
    };
    // A question asked in the title is read whole: on the border when it fits there (the popup
    // widens for it), else wrapped over the popup's first rows (a choice about an option or a
    // trial the team named at length).
    let (title, lines) = if Span::raw(title.as_str()).width() + 4 > usize::from(area.width) {
        let mut head: Vec<Line<'_>> = crate::text::wrap_hanging(title.trim(), room)
            .into_iter()
            .map(|row| Line::from(Span::styled(format!(" {row}"), theme.title())))
            .collect();
        head.push(Line::from(""));
        head.extend(lines);
        (String::new(), head)
    } else {
        (title, lines)
    };
    let title_width = Span::raw(title.as_str()).width() + 2;
    let width = lines
        .iter()
        .map(Line::width)
        .max()
        .unwrap_or(10)
        .max(title_width)
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
    let mut block = Block::bordered()
        .title(Span::styled(title, theme.title()))
        .border_style(theme.border());
    // The help can be longer than a small terminal: it scrolls, and says there is more.
    let shown = usize::from(height.saturating_sub(2));
    let scroll = match popup {
        Popup::Help { scroll } => (*scroll).min(lines.len().saturating_sub(shown)),
        _ => 0,
    };
    if scroll + shown < lines.len() {
        block = block.title_bottom(Span::styled(" ↓ more (j) ", theme.muted()));
    }
    if scroll > 0 {
        block =
            block.title(Line::from(Span::styled(" ↑ more (k) ", theme.muted())).right_aligned());
    }
    let lines: Vec<Line<'_>> = lines.into_iter().skip(scroll).collect();
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

/// The last messages of the status line, newest first and whole (the status line cuts one
/// wider than the terminal), above the keys; masked again against what is in view now.
fn last_messages(model: &Model, theme: Theme, room: usize) -> Vec<Line<'static>> {
    if model.messages.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![Line::from(Span::styled(
        " Last messages, newest first",
        theme.title(),
    ))];
    for message in model.messages.iter().rev() {
        lines.extend(super::parts::wrap_hanging(
            &format!("  · {}", model.shown(message)),
            room,
            theme.warning(),
        ));
    }
    lines.push(Line::from(""));
    lines
}

/// `lead` then `text` word-wrapped to `room` columns, its continuations lined up under the text
/// so that `lead` (a key, a label) stays a clear column.
fn wrapped_after(lead: Span<'static>, text: &str, style: Style, room: usize) -> Vec<Line<'static>> {
    let indent = lead.width();
    let mut rows = crate::text::wrap_hanging(text, room.saturating_sub(indent)).into_iter();
    let first = Line::from(vec![
        lead,
        Span::styled(rows.next().unwrap_or_default(), style),
    ]);
    std::iter::once(first)
        .chain(rows.map(|row| {
            Line::from(vec![
                Span::raw(" ".repeat(indent)),
                Span::styled(row, style),
            ])
        }))
        .collect()
}

/// A menu item's rows, all marked when it is the one selected.
fn selected_rows(rows: Vec<Line<'static>>, selected: bool, theme: Theme) -> Vec<Line<'static>> {
    if selected {
        rows.into_iter()
            .map(|row| row.style(theme.selected()))
            .collect()
    } else {
        rows
    }
}

/// The symbols a screen uses, with what they mean: the help lists them beside the keys.
fn symbols(context: Context) -> Vec<(&'static str, &'static str)> {
    use crate::domain::AssessmentStatus as S;
    let statuses = [
        S::Refractory,
        S::Resistant,
        S::Relapsed,
        S::InsufficientData,
        S::NotMet,
    ]
    .map(|s| (s.symbol(), s.word()));
    match context {
        Context::Patients | Context::Overview => {
            let mut out = statuses.to_vec();
            if context == Context::Patients {
                // The same mark as "insufficient data" before a condition's words: said apart,
                // so that "? RA" is not read as RA with too little data.
                out.push(("? RA", "condition in words no rule set recognises"));
            }
            out.extend([
                ("✕", "a flag the team dismissed (dimmed)"),
                ("†", "died"),
                ("●○", "way-forward steps closed / open"),
                ("!", "a step or task overdue"),
                ("–", "none"),
            ]);
            out
        }
        Context::Patient => vec![
            ("✗", "failed"),
            ("⊘", "intolerance"),
            ("⚠", "nonadherence"),
            ("✓", "completed"),
            ("·", "stopped (other)"),
            ("│", "ended, no reason given"),
            ("▶", "ongoing"),
            ("◆", "procedure"),
            ("╎", "today"),
            ("● ◐ ○ ✗", "disease: CR, PR/MR, SD, PD"),
        ],
        Context::WayForward => vec![
            ("○", "to do"),
            ("◐", "in progress"),
            ("●", "done"),
            ("–", "not applicable"),
            ("★", "recommended"),
            (
                "⚠",
                "overdue; on the checklist, still to rule out before calling it refractory",
            ),
            ("▶", "selected"),
        ],
        Context::Meetings | Context::Meeting | Context::Presentation => vec![
            ("○", "open"),
            ("⚠", "overdue"),
            ("✓", "present, or discussed"),
            ("✗", "absent"),
        ],
        Context::Global | Context::Conflict => Vec::new(),
    }
}

/// The filter menu's lines: (label, value) for display.
fn filter_items(model: &Model) -> Vec<(String, String)> {
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
