//! The overview: per condition, patients by status, flags to review, new flags, overdue work,
//! and the next meeting. Every number is a cell that opens the list filtered to it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};

use super::super::app::{Model, OVERVIEW_COLUMNS, OverviewColumn};
use super::super::theme::Theme;
use super::thousands;

pub fn render(model: &Model, theme: Theme, frame: &mut Frame<'_>, area: Rect) {
    if area.height < 3 {
        return;
    }
    let [heading, table, meeting] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(0),
        Constraint::Length(2),
    ])
    .areas(area);
    let team = model
        .overview
        .team
        .clone()
        .unwrap_or_else(|| String::from("all care teams"));
    frame.render_widget(
        Line::from(vec![
            Span::styled(format!(" {team}"), theme.header()),
            Span::styled(
                "   (t: next care team · ⏎ opens the patients behind a number)",
                theme.muted(),
            ),
        ]),
        heading,
    );
    let Some(data) = &model.overview.data else {
        frame.render_widget(Span::styled(" counting…", theme.muted()), table);
        return;
    };
    let titles: Vec<String> = OVERVIEW_COLUMNS
        .iter()
        .map(|column| match column {
            OverviewColumn::Total => String::from("all"),
            OverviewColumn::Status(status) => format!("{} {}", status.symbol(), status.word()),
            OverviewColumn::Unreviewed => String::from("to review"),
            OverviewColumn::NewFlags => String::from("new 30 d"),
            OverviewColumn::Overdue => String::from("overdue"),
        })
        .collect();
    let header = Row::new(
        std::iter::once(Cell::from("condition")).chain(
            titles
                .iter()
                .map(|title| Cell::from(Line::from(title.clone()).right_aligned())),
        ),
    )
    .style(theme.header());
    let rows: Vec<Row<'_>> = data
        .rows
        .iter()
        .enumerate()
        .map(|(row_index, row)| {
            let name = model.ruleset_short(&row.ruleset);
            let mut cells = vec![Cell::from(name)];
            for (column_index, column) in OVERVIEW_COLUMNS.iter().enumerate() {
                let (value, style) = match column {
                    OverviewColumn::Total => (
                        row.by_rank.iter().sum::<u64>(),
                        ratatui::style::Style::new(),
                    ),
                    OverviewColumn::Status(status) => (
                        row.by_rank[status.rank() as usize],
                        theme.status(Some(*status)),
                    ),
                    OverviewColumn::Unreviewed => (row.unreviewed, theme.warning()),
                    OverviewColumn::NewFlags => (row.new_flags, theme.accent()),
                    OverviewColumn::Overdue => (row.overdue, theme.warning()),
                };
                let mut cell =
                    Cell::from(Line::from(thousands(value)).right_aligned()).style(style);
                if row_index == model.overview.row && column_index == model.overview.column {
                    cell = cell.style(theme.selected());
                }
                cells.push(cell);
            }
            Row::new(cells)
        })
        .collect();
    // Each number column as wide as its title: the whole table fits 120 columns.
    let mut widths = vec![Constraint::Length(18)];
    widths.extend(
        titles
            .iter()
            .map(|title| Constraint::Length(title.chars().count().max(6) as u16)),
    );
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        table,
    );
    let meeting_text = match &data.next_meeting {
        Some((when, title, cases)) => {
            format!(" next meeting: {when} — {title} — {cases} case(s) on the agenda")
        }
        None => String::from(" no meeting planned"),
    };
    frame.render_widget(
        Line::from(Span::styled(meeting_text, theme.accent())),
        meeting,
    );
}
