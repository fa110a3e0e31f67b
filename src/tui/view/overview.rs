//! The overview: per condition, patients by status, flags to review, new flags, overdue work,
//! who has been waiting for specialist care, and the next meeting. Every number is a cell that
//! opens the list filtered to it.

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};

use super::super::model::Model;
use super::super::state::overview::{OVERVIEW_COLUMNS, OverviewColumn};
use super::super::theme::Theme;
use crate::domain::AssessmentStatus;
use crate::store::OverviewRow;
use crate::text::thousands;

/// What a waiting figure shows while some of its flags' days are not known yet.
const UNDATED: &str = "dating";

/// The width of the condition column.
const CONDITION_WIDTH: usize = 18;

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
    let full: Vec<String> = OVERVIEW_COLUMNS
        .iter()
        .map(|column| match column {
            OverviewColumn::Total => String::from("all"),
            OverviewColumn::Status(status) => format!("{} {}", status.symbol(), status.word()),
            OverviewColumn::Unreviewed => String::from("to review"),
            OverviewColumn::NewFlags => String::from("new 30 d"),
            OverviewColumn::Overdue => String::from("overdue"),
            OverviewColumn::MetFor => String::from("met for"),
            OverviewColumn::Waiting => format!("wait >{} mo", data.waiting_months),
            OverviewColumn::ToReferral => String::from("to referral"),
        })
        .collect();
    // With the waiting columns the full titles need about 150 columns: narrower, each number
    // keeps a title of its own in a few letters rather than the table cutting them all.
    // Each number column is as wide as its widest number, the totals row's included
    // ("109,819" at a million patients), so a number is never cut.
    let totals = (data.rows.len() > 1).then_some(&data.totals);
    let number_widths: Vec<usize> = OVERVIEW_COLUMNS
        .iter()
        .map(|column| {
            data.rows
                .iter()
                .chain(totals)
                .map(|row| crate::text::width(&cell(row, *column, theme).0))
                .max()
                .unwrap_or(0)
                .max(6)
        })
        .collect();
    let needed: usize = CONDITION_WIDTH
        + full
            .iter()
            .zip(&number_widths)
            .map(|(title, number)| crate::text::width(title).max(*number) + 1)
            .sum::<usize>();
    let titles: Vec<String> = if needed <= usize::from(table.width) {
        full
    } else {
        OVERVIEW_COLUMNS
            .iter()
            .map(|column| match column {
                OverviewColumn::Total => String::from("all"),
                OverviewColumn::Status(status) => {
                    let word = match status {
                        AssessmentStatus::Refractory => "refr",
                        AssessmentStatus::Resistant => "resist",
                        AssessmentStatus::Relapsed => "relap",
                        AssessmentStatus::InsufficientData => "insuf",
                        AssessmentStatus::NotMet => "not",
                    };
                    format!("{} {word}", status.symbol())
                }
                OverviewColumn::Unreviewed => String::from("review"),
                OverviewColumn::NewFlags => String::from("new 30d"),
                OverviewColumn::Overdue => String::from("overdue"),
                OverviewColumn::MetFor => String::from("met for"),
                OverviewColumn::Waiting => format!(">{} mo", data.waiting_months),
                OverviewColumn::ToReferral => String::from("to ref"),
            })
            .collect()
    };
    // Each number column as wide as its title and the widest count. What does not fit is not
    // squeezed (a squeezed column cuts a number into another one): the columns shown are a
    // window that keeps the selected one in sight, and ←/→ move it.
    let column_widths: Vec<usize> = titles
        .iter()
        .zip(&number_widths)
        .map(|(title, number)| crate::text::width(title).max(*number))
        .collect();
    let shown = visible_columns(
        &column_widths,
        usize::from(table.width).saturating_sub(CONDITION_WIDTH + 1),
        model.overview.column,
    );
    let header = Row::new(
        std::iter::once(Cell::from("condition")).chain(
            titles
                .iter()
                .enumerate()
                .filter(|(index, _)| shown.contains(index))
                .map(|(_, title)| Cell::from(Line::from(title.clone()).right_aligned())),
        ),
    )
    .style(theme.header());
    // The conditions, then every condition together (not selectable: its numbers are the
    // sums of those above, each of which opens its patients).
    let rows: Vec<Row<'_>> = data
        .rows
        .iter()
        .chain(totals)
        .enumerate()
        .map(|(row_index, row)| {
            let is_total = row_index == data.rows.len();
            let name = if is_total {
                String::from("all conditions")
            } else {
                model.ruleset_short(&row.ruleset)
            };
            let mut cells = vec![Cell::from(name)];
            for (column_index, column) in OVERVIEW_COLUMNS
                .iter()
                .enumerate()
                .filter(|(index, _)| shown.contains(index))
            {
                let (text, style) = cell(row, *column, theme);
                let mut cell = Cell::from(Line::from(text).right_aligned()).style(style);
                if row_index == model.overview.row && column_index == model.overview.column {
                    cell = cell.style(theme.selected());
                }
                cells.push(cell);
            }
            if is_total {
                // A rule above the totals would take a row; the header style sets them apart.
                Row::new(cells).style(theme.header()).top_margin(1)
            } else {
                Row::new(cells)
            }
        })
        .collect();
    let mut widths = vec![Constraint::Length(CONDITION_WIDTH as u16)];
    widths.extend(
        column_widths[shown.clone()]
            .iter()
            .map(|width| Constraint::Length(u16::try_from(*width).unwrap_or(u16::MAX))),
    );
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        table,
    );
    let mut meeting_text = match &data.next_meeting {
        Some(next) => {
            let title = crate::store::shown_title(&next.title, &next.agenda, model.masked);
            format!(
                " next meeting: {} — {title} — {} case(s) on the agenda",
                next.when, next.cases
            )
        }
        None => String::from(" no meeting planned"),
    };
    let undated: u64 = data.rows.iter().map(|row| row.undated).sum();
    if undated > 0 {
        let _ = write!(
            meeting_text,
            "   ({UNDATED}: the day {} new flag(s) met their criteria is being searched)",
            thousands(undated)
        );
    }
    frame.render_widget(
        Line::from(Span::styled(meeting_text, theme.accent())),
        meeting,
    );
}

/// A row's number in `column`, with the style that says what it counts.
fn cell(row: &OverviewRow, column: OverviewColumn, theme: Theme) -> (String, Style) {
    let count = |value: u64| thousands(value);
    match column {
        OverviewColumn::Total => (count(row.by_rank.iter().sum::<u64>()), Style::new()),
        OverviewColumn::Status(status) => (
            count(row.by_rank[status.rank() as usize]),
            theme.status(Some(status)),
        ),
        OverviewColumn::Unreviewed => (count(row.unreviewed), theme.warning()),
        OverviewColumn::NewFlags => (count(row.new_flags), theme.accent()),
        OverviewColumn::Overdue => (count(row.overdue), theme.warning()),
        // Some flags' days are still being searched: a figure without them would be wrong,
        // so none is shown until the pass has run.
        OverviewColumn::MetFor | OverviewColumn::Waiting | OverviewColumn::ToReferral
            if row.undated > 0 =>
        {
            (String::from(UNDATED), theme.muted())
        }
        OverviewColumn::MetFor => (duration(row.met_for_days), theme.accent()),
        OverviewColumn::Waiting => (count(row.waiting), theme.warning()),
        OverviewColumn::ToReferral => (duration(row.to_referral_days), Style::new()),
    }
}

/// A median duration as a clinician says it: days under two months, then months, then years
/// ("12 d", "7 mo", "2.5 y"); "–" when there is none to take.
fn duration(days: Option<i64>) -> String {
    let Some(days) = days else {
        return String::from("–");
    };
    if days < 60 {
        format!("{days} d")
    } else if days < 730 {
        format!("{} mo", (days as f64 / 30.44).round() as i64)
    } else {
        format!("{:.1} y", days as f64 / 365.25)
    }
}

/// The number columns that fit in `room` cells (each with its gap), as a window over all of
/// them that holds `selected`: from the first column when it is in sight, else ending at it.
fn visible_columns(widths: &[usize], room: usize, selected: usize) -> std::ops::Range<usize> {
    let fits = |range: &std::ops::Range<usize>| {
        widths[range.clone()].iter().map(|w| w + 1).sum::<usize>() <= room
    };
    let selected = selected.min(widths.len().saturating_sub(1));
    let mut start = 0;
    while start < selected && !fits(&(start..selected + 1)) {
        start += 1;
    }
    let mut end = selected + 1;
    while end < widths.len() && fits(&(start..end + 1)) {
        end += 1;
    }
    start..end.min(widths.len())
}
