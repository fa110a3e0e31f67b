//! The patient list: counts per status, the search/filter/sort line, and the table of the rows
//! in memory, with a scrollbar that places them in the whole list.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Scrollbar, ScrollbarOrientation, ScrollbarState, Table};

use super::super::model::Model;
use super::super::theme::Theme;
use crate::domain::{AssessmentStatus, ReviewState};
use crate::store::{ListFilter, PatientRow};
use crate::text::thousands;

/// The parts of the patient list's screen: the counts line, the controls line, the table,
/// and the table's rows under its header (what the mouse clicks and the list pages by).
pub struct Areas {
    pub counts: Rect,
    pub controls: Rect,
    pub table: Rect,
    pub rows: Rect,
}

impl Areas {
    pub fn of(body: Rect) -> Areas {
        let [counts, controls, table] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(body);
        let header = 1;
        let rows = Rect {
            y: table.y + header.min(table.height),
            height: table.height.saturating_sub(header),
            ..table
        };
        Areas {
            counts,
            controls,
            table,
            rows,
        }
    }
}

pub fn render(model: &Model, theme: Theme, frame: &mut Frame<'_>, area: Rect) {
    if area.height < 2 {
        return;
    }
    let Areas {
        counts,
        controls,
        table,
        rows,
    } = Areas::of(area);
    render_counts(model, theme, frame, counts);
    render_controls(model, theme, frame, controls);
    render_table(model, theme, frame, table, usize::from(rows.height));
}

fn render_counts(model: &Model, theme: Theme, frame: &mut Frame<'_>, area: Rect) {
    if let Some(counts) = &model.list.counts
        && counts.capped
    {
        let text = format!(
            " more than {} patients match: keep typing to narrow the search",
            thousands(crate::store::SEARCH_COUNT_CAP)
        );
        frame.render_widget(Span::styled(text, theme.muted()), area);
        return;
    }
    let Some(counts) = &model.list.counts else {
        frame.render_widget(Span::styled(" counting…", theme.muted()), area);
        return;
    };
    let statuses = AssessmentStatus::MOST_SEVERE_FIRST;
    // Words when they fit, symbols alone (the help names them) when the terminal is narrow; the
    // dismissed flags and the deceased the list hides are counted in words first, then by their
    // marks alone.
    for (with_words, deceased_words) in [(true, true), (true, false), (false, false)] {
        let mut spans = vec![Span::raw(" ")];
        for status in statuses {
            let text = if with_words {
                format!(
                    "{} {} {}",
                    status.symbol(),
                    status.word(),
                    thousands(counts.of(status))
                )
            } else {
                format!("{} {}", status.symbol(), thousands(counts.of(status)))
            };
            spans.push(Span::styled(text, theme.status(Some(status))));
            spans.push(Span::raw(if with_words { "   " } else { "  " }));
        }
        spans.push(Span::styled(
            format!("unreviewed {}", thousands(counts.unreviewed)),
            theme.warning(),
        ));
        // Dismissed flags are counted apart: the status counts above still include them.
        if counts.dismissed > 0 {
            let text = if with_words && deceased_words {
                format!("   {DISMISSED} dismissed {}", thousands(counts.dismissed))
            } else {
                format!("  {DISMISSED} {}", thousands(counts.dismissed))
            };
            spans.push(Span::styled(text, theme.muted()));
        }
        // The list leaves the deceased out unless the filter shows them: say how many.
        if counts.deceased_hidden > 0 {
            let hidden = thousands(counts.deceased_hidden);
            let text = match (with_words, deceased_words) {
                (true, true) => format!("   † {hidden} deceased hidden"),
                (true, false) => format!("  † {hidden} hidden"),
                (false, _) => format!("  † {hidden}"),
            };
            spans.push(Span::styled(text, theme.muted()));
        }
        let line = Line::from(spans);
        if !with_words || line.width() <= usize::from(area.width) {
            frame.render_widget(line, area);
            return;
        }
    }
}

fn render_controls(model: &Model, theme: Theme, frame: &mut Frame<'_>, area: Rect) {
    let query = &model.list.query;
    let mut spans = Vec::new();
    if let Some(search) = &query.filter.search {
        let search = if model.masked {
            super::parts::masked_text(search)
        } else {
            search.clone()
        };
        spans.push(Span::styled(format!(" /{search}"), theme.key()));
    }
    let filter = &query.filter;
    let mut filters = Vec::new();
    if let Some(status) = filter.status {
        filters.push(format!("status={}", status.as_str()));
    }
    if let Some(ruleset) = &filter.ruleset {
        filters.push(format!("condition={ruleset}"));
    }
    if let Some(team) = &filter.care_team {
        filters.push(format!("team={team}"));
    }
    if filter.unreviewed_only {
        filters.push(String::from("unreviewed"));
    }
    if filter.overdue_only {
        filters.push(String::from("overdue"));
    }
    if filter.show_deceased {
        filters.push(String::from("+deceased"));
    }
    if let Some(cohort) = &filter.cohort {
        filters.push(cohort.words());
    }
    if !filters.is_empty() {
        spans.push(Span::styled(
            format!("  filter: {}", filters.join(" ")),
            theme.accent(),
        ));
    }
    spans.push(Span::styled(
        format!(
            "  sort: {} {}",
            query.sort.label(),
            if query.descending { "↓" } else { "↑" }
        ),
        theme.muted(),
    ));
    let empty = model.list.total() == Some(0);
    let position = match (model.list.position(), model.list.total_text()) {
        (Some(position), Some(total)) if !empty => {
            format!("row {} of {total}", thousands(position + 1))
        }
        (None, Some(total)) if !empty => format!("of {total}"),
        _ if model.list.loading => String::from("loading…"),
        _ => String::new(),
    };
    let used: usize = spans.iter().map(|s| crate::text::width(&s.content)).sum();
    let pad = usize::from(area.width).saturating_sub(used + crate::text::width(&position) + 1);
    spans.push(Span::raw(" ".repeat(pad)));
    spans.push(Span::styled(position, theme.muted()));
    frame.render_widget(Line::from(spans), area);
}

/// The text a row holds in a column sized by its content.
type ContentText = fn(&PatientRow, &Model) -> String;

/// A column of the table: its title, width, and how a row fills it.
struct Column {
    title: &'static str,
    /// The width of a fixed column; the least a column sized by its content takes.
    width: u16,
    /// A column sized by what its visible rows hold: the text's width, and the most it takes.
    content: Option<(ContentText, u16)>,
    /// What a content column is counted as when deciding which columns fit: a regimen that
    /// could take 40 columns must not push out the review state; it is cut instead.
    comfortable: u16,
    /// Lower drops first when the terminal is narrow.
    priority: u8,
    /// The cell of a row, in a column `width` wide.
    cell: fn(&PatientRow, &Model, Theme, usize) -> Cell<'static>,
}

fn status_cell(row: &PatientRow, model: &Model, theme: Theme, _: usize) -> Cell<'static> {
    // The one column never dropped says the patient died, and when (no flag is raised for the
    // dead; the age column gives the age at death). Masked, the year alone: the day could
    // identify, as a birth date could.
    if let Some(death) = row.death() {
        let text = match (death.date, death.within) {
            (Some(day), _) if model.masked => format!("† died {}", day.format("%Y")),
            (Some(day), _) => format!("† died {day}"),
            (None, Some(within)) if model.masked => {
                format!("† died {}", within.first_day().format("%Y"))
            }
            (None, Some(within)) => format!("† died {}", within.text()),
            (None, None) => String::from("† deceased"),
        };
        return Cell::from(text).style(theme.muted());
    }
    // A flag the team dismissed is no longer a call to act: its own mark, dimmed, the status
    // still said in words.
    if row.review == Some(ReviewState::Dismissed)
        && let Some(status) = row.status
    {
        return Cell::from(format!("{DISMISSED} {}", status.word())).style(theme.muted());
    }
    let text = match row.status {
        Some(status) => format!("{} {}", status.symbol(), status.word()),
        None => String::from("– not assessed"),
    };
    Cell::from(text).style(theme.status(row.status))
}

/// The mark of a dismissed flag in the list (the help names it).
const DISMISSED: &str = "✕";

fn name_cell(row: &PatientRow, model: &Model, _: Theme, width: usize) -> Cell<'static> {
    Cell::from(super::parts::fit(&name_text(row, model), width))
}

fn name_text(row: &PatientRow, model: &Model) -> String {
    if model.masked {
        crate::domain::initials(&row.given_name, &row.family_name)
    } else {
        format!("{}, {}", row.family_name, row.given_name)
    }
}

fn mrn_cell(row: &PatientRow, model: &Model, theme: Theme, width: usize) -> Cell<'static> {
    if model.masked {
        Cell::from("—").style(theme.muted())
    } else {
        Cell::from(super::parts::fit(&row.mrn, width))
    }
}

fn age_cell(row: &PatientRow, model: &Model, _: Theme, _: usize) -> Cell<'static> {
    let age = row.age_on(model.today);
    Cell::from(format!(
        "{:>3} {}",
        age.map_or_else(|| String::from("?"), |a| a.to_string()),
        row.sex.letter()
    ))
}

fn condition_cell(row: &PatientRow, model: &Model, _: Theme, width: usize) -> Cell<'static> {
    Cell::from(super::parts::fit(&condition_text(row, model), width))
}

fn condition_text(row: &PatientRow, model: &Model) -> String {
    // A diagnosis in words no rule set selected: named, marked "?", rather than left blank
    // (review r3 C-8); a masked screen says only that there is one (free text may identify).
    match row.unrecognised.trim() {
        "" => model.ruleset_short(&row.ruleset),
        _ if model.masked => String::from(UNRECOGNISED_MASKED),
        words => format!("{UNRECOGNISED} {words}"),
    }
}

/// The mark of a diagnosis in words no rule set recognised, before its words (the README names
/// it).
const UNRECOGNISED: &str = "?";

/// What a masked list shows for such a diagnosis.
const UNRECOGNISED_MASKED: &str = "? in words";

fn line_cell(row: &PatientRow, _: &Model, theme: Theme, _: usize) -> Cell<'static> {
    if row.line > 0 {
        Cell::from(format!("{}L", row.line))
    } else {
        Cell::from("–").style(theme.muted())
    }
}

fn regimen_cell(row: &PatientRow, _: &Model, _: Theme, width: usize) -> Cell<'static> {
    Cell::from(super::parts::fit(&row.regimen, width))
}

fn regimen_text(row: &PatientRow, _: &Model) -> String {
    row.regimen.clone()
}

fn way_forward_cell(row: &PatientRow, _: &Model, theme: Theme, _: usize) -> Cell<'static> {
    match row.way_forward {
        Some(closed) => {
            let closed = usize::from(closed.min(4));
            let dots = format!("{}{}", "●".repeat(closed), "○".repeat(4 - closed));
            let style = if row.overdue {
                theme.warning()
            } else {
                Style::new()
            };
            Cell::from(if row.overdue {
                format!("{dots} !")
            } else {
                dots
            })
            .style(style)
        }
        None => Cell::from("–").style(theme.muted()),
    }
}

fn review_cell(row: &PatientRow, _: &Model, theme: Theme, _: usize) -> Cell<'static> {
    match row.review {
        Some(ReviewState::Unreviewed) => Cell::from("unreviewed").style(theme.warning()),
        Some(ReviewState::Confirmed) => Cell::from("confirmed").style(theme.good()),
        Some(ReviewState::Dismissed) => Cell::from("dismissed").style(theme.muted()),
        None => Cell::from("–").style(theme.muted()),
    }
}

fn changed_cell(row: &PatientRow, _: &Model, theme: Theme, _: usize) -> Cell<'static> {
    Cell::from(row.updated_at.get(..10).unwrap_or("").to_owned()).style(theme.muted())
}

const COLUMNS: &[Column] = &[
    Column {
        title: "status",
        // "† died 2016-08-24" fits.
        width: 17,
        content: None,
        comfortable: 17,
        priority: 9,
        cell: status_cell,
    },
    Column {
        title: "name",
        width: 12,
        content: Some((name_text, 32)),
        comfortable: 24,
        priority: 8,
        cell: name_cell,
    },
    Column {
        title: "MRN",
        // Imported MRNs are often UUIDs: whole where there is room, cut with "…" where not.
        width: 10,
        content: Some((mrn_text, 36)),
        comfortable: 12,
        priority: 7,
        cell: mrn_cell,
    },
    Column {
        title: "age sex",
        width: 7,
        content: None,
        comfortable: 7,
        priority: 2,
        cell: age_cell,
    },
    Column {
        title: "condition",
        width: 9,
        content: Some((condition_text, 28)),
        comfortable: 18,
        priority: 6,
        cell: condition_cell,
    },
    Column {
        title: "line",
        width: 4,
        content: None,
        comfortable: 4,
        priority: 5,
        cell: line_cell,
    },
    Column {
        title: "regimen",
        width: 10,
        content: Some((regimen_text, 48)),
        comfortable: 20,
        priority: 4,
        cell: regimen_cell,
    },
    Column {
        title: "way fwd",
        width: 7,
        content: None,
        comfortable: 7,
        priority: 1,
        cell: way_forward_cell,
    },
    Column {
        title: "review",
        width: 10,
        content: None,
        comfortable: 10,
        priority: 3,
        cell: review_cell,
    },
    Column {
        title: "changed",
        width: 10,
        content: None,
        comfortable: 10,
        priority: 0,
        cell: changed_cell,
    },
];

fn mrn_text(row: &PatientRow, model: &Model) -> String {
    if model.masked {
        String::from("—")
    } else {
        row.mrn.clone()
    }
}

/// Columns at or above this priority (status, name, MRN, condition, line) stay while their
/// least widths fit; the others drop, least needed first, while what the rows need does not.
const CORE: u8 = 5;

/// The columns that fit in `width` and how wide each is, for the rows on screen. The least
/// needed columns drop first (never the status); a column sized by its content takes what its
/// widest visible value needs, up to its cap; what is left goes to the regimen, so that a
/// long name never takes the room a regimen needs.
fn layout_columns(rows: &[&PatientRow], model: &Model, width: u16) -> Vec<(&'static Column, u16)> {
    // One blank column between neighbours.
    let gaps = |count: usize| u16::try_from(count.saturating_sub(1)).unwrap_or(u16::MAX);
    let need = |column: &Column| -> u16 {
        let Some((text, cap)) = column.content else {
            return column.width;
        };
        let widest = rows
            .iter()
            .map(|row| Span::raw(text(row, model)).width())
            .chain(std::iter::once(Span::raw(column.title).width()))
            .max()
            .unwrap_or(0);
        u16::try_from(widest)
            .unwrap_or(u16::MAX)
            .clamp(column.width, cap)
    };
    let mut chosen: Vec<&Column> = COLUMNS.iter().collect();
    loop {
        let needed = chosen
            .iter()
            .map(|c| need(c).min(c.comfortable.max(c.width)))
            .sum::<u16>()
            + gaps(chosen.len());
        let least = chosen.iter().map(|c| c.width).sum::<u16>() + gaps(chosen.len());
        if chosen.len() <= 1 || needed <= width {
            break;
        }
        let Some((index, lowest)) = chosen.iter().enumerate().min_by_key(|(_, c)| c.priority)
        else {
            break;
        };
        // Only core columns left and they fit at their least: they are cut, not dropped.
        if lowest.priority >= CORE && least <= width {
            break;
        }
        chosen.remove(index);
    }
    let mut widths: Vec<u16> = chosen.iter().map(|c| c.width).collect();
    let mut spare = width.saturating_sub(widths.iter().sum::<u16>() + gaps(chosen.len()));
    // Each content column grows to its need, the most needed first: first up to its
    // comfortable width (so that a long MRN never cuts the condition), then the rest.
    let mut by_priority: Vec<usize> = (0..chosen.len()).collect();
    by_priority.sort_by_key(|&i| std::cmp::Reverse(chosen[i].priority));
    for comfortable_only in [true, false] {
        for &i in &by_priority {
            let column = chosen[i];
            let target = if comfortable_only {
                need(column).min(column.comfortable)
            } else {
                need(column)
            };
            let grow = target.saturating_sub(widths[i]).min(spare);
            widths[i] += grow;
            spare -= grow;
        }
    }
    // What is left goes to the regimen (combinations grow long), up to its cap; a wider
    // column would only spread the row apart, so the rest stays blank at the right.
    for title in ["regimen"] {
        if let Some(i) = chosen.iter().position(|c| c.title == title)
            && let Some((_, cap)) = chosen[i].content
        {
            let grow = cap.saturating_sub(widths[i]).min(spare);
            widths[i] += grow;
            spare -= grow;
        }
    }
    chosen.into_iter().zip(widths).collect()
}

/// The table in `area`, its header over `body_height` rows.
fn render_table(
    model: &Model,
    theme: Theme,
    frame: &mut Frame<'_>,
    area: Rect,
    body_height: usize,
) {
    if area.height < 2 || area.width < 4 {
        return;
    }
    let list = &model.list;
    let on_screen: Vec<&PatientRow> = list.rows.iter().skip(list.top).take(body_height).collect();
    let columns = layout_columns(&on_screen, model, area.width.saturating_sub(2));
    let visible = list
        .rows
        .iter()
        .enumerate()
        .skip(list.top)
        .take(body_height);
    let rows: Vec<Row<'_>> = visible
        .map(|(index, row)| {
            let cells: Vec<Cell<'_>> = columns
                .iter()
                .map(|(c, width)| (c.cell)(row, model, theme, usize::from(*width)))
                .collect();
            let mut table_row = Row::new(cells);
            if index == list.selected {
                table_row = table_row.style(theme.selected());
            }
            table_row
        })
        .collect();
    let widths: Vec<Constraint> = columns
        .iter()
        .map(|(_, width)| Constraint::Length(*width))
        .collect();
    let header = Row::new(columns.iter().map(|(c, _)| Cell::from(c.title))).style(theme.header());
    // One blank column between the table and the scrollbar.
    let table_area = Rect {
        width: area.width.saturating_sub(2),
        ..area
    };
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        table_area,
    );

    if list.rows.is_empty() && !list.loading {
        // With no search nor filter, an empty list is a file whose patients have all died.
        let only_the_deceased = list.query.filter == ListFilter::default()
            && list.counts.as_ref().is_some_and(|c| c.deceased_hidden > 0);
        let words = if only_the_deceased {
            "  every patient in this file has died: f → Deceased patients shows them"
        } else {
            "  no patient matches (Esc clears the search, then the filters)"
        };
        let note = Line::from(Span::styled(words, theme.muted()));
        frame.render_widget(
            note,
            Rect {
                y: area.y + 1,
                height: 1,
                ..area
            },
        );
    }

    // The scrollbar places the selection in the whole list, not in the rows in memory.
    if let (Some(total), Some(position)) = (list.total(), list.position())
        && total > body_height as u64
    {
        let length = usize::try_from(total).unwrap_or(usize::MAX);
        let mut state = ScrollbarState::new(length)
            .position(usize::try_from(position).unwrap_or(0))
            .viewport_content_length(body_height);
        let bar_area = Rect {
            y: area.y + 1,
            height: area.height.saturating_sub(1),
            ..area
        };
        frame.render_stateful_widget(
            Scrollbar::new(ScrollbarOrientation::VerticalRight),
            bar_area,
            &mut state,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_cut_to_its_column_ends_with_an_ellipsis() {
        assert_eq!(
            super::super::parts::fit("641f6ec3-9c2d-4e", 11),
            "641f6ec3-9…"
        );
        assert_eq!(super::super::parts::fit("RF-0000010", 11), "RF-0000010");
        assert_eq!(super::super::parts::fit("abc", 0), "");
    }

    fn row(family: &str, given: &str, regimen: &str) -> PatientRow {
        PatientRow {
            id: 1,
            mrn: String::from("RF-0000296"),
            family_name: family.to_owned(),
            given_name: given.to_owned(),
            birth_date: None,
            birth_precision: crate::domain::DatePrecision::Day,
            sex: crate::domain::Sex::Unknown,
            status: None,
            ruleset: String::from("epilepsy"),
            line: 2,
            regimen: regimen.to_owned(),
            way_forward: None,
            overdue: false,
            review: None,
            care_team: String::new(),
            updated_at: String::from("2026-11-20 09:00:00"),
            deceased: false,
            deceased_date: None,
            deceased_in: None,
            unrecognised: String::new(),
            cursor: None,
        }
    }

    fn titles(columns: &[(&Column, u16)]) -> Vec<&'static str> {
        columns.iter().map(|(c, _)| c.title).collect()
    }

    #[test]
    fn narrow_terminals_drop_columns_but_never_the_status() {
        let model = Model::new(chrono::NaiveDate::MIN, Vec::new(), 10);
        let long = row("Virtanen-Lindqvist", "Walter", "R-CHOP + radiotherapy");
        let rows = [&long];
        assert_eq!(layout_columns(&rows, &model, 200).len(), COLUMNS.len());
        // At 80 columns: who, which record, what condition and which line; age and sex,
        // review and last change go first.
        let narrow = layout_columns(&rows, &model, 78);
        assert_eq!(
            titles(&narrow),
            ["status", "name", "MRN", "condition", "line"],
            "{:?}",
            narrow.iter().map(|(c, w)| (c.title, w)).collect::<Vec<_>>()
        );
        assert!(narrow.iter().map(|(_, w)| w + 1).sum::<u16>() - 1 <= 78);
        assert_eq!(
            layout_columns(&rows, &model, 5)
                .first()
                .map(|(c, _)| c.title),
            Some("status")
        );
    }

    #[test]
    fn a_long_name_never_takes_the_room_a_regimen_needs() {
        let model = Model::new(chrono::NaiveDate::MIN, Vec::new(), 10);
        let patient = row(
            "Virtanen",
            "Walter",
            "daratumumab, pomalidomide and dexamethasone",
        );
        let columns = layout_columns(&[&patient], &model, 200);
        let width_of = |title: &str| {
            columns
                .iter()
                .find(|(c, _)| c.title == title)
                .map_or(0, |(_, w)| *w)
        };
        assert!(width_of("name") <= 32, "the name is capped");
        assert!(
            usize::from(width_of("regimen")) >= patient.regimen.len(),
            "the regimen is whole: {}",
            width_of("regimen")
        );
        assert!(
            columns.iter().map(|(_, w)| w + 1).sum::<u16>() - 1 <= 200,
            "the columns fit"
        );
    }

    #[test]
    fn a_diagnosis_no_rule_set_recognised_is_named_in_the_condition_column() {
        // Review r3 C-8: "RA" alone selected no rule set and the column was empty.
        let mut model = Model::new(chrono::NaiveDate::MIN, Vec::new(), 10);
        let mut patient = row("Virtanen", "Walter", "");
        patient.ruleset = String::new();
        patient.unrecognised = String::from("RA");
        assert_eq!(condition_text(&patient, &model), "? RA");
        // Free text may identify: a masked screen says only that there is one.
        model.masked = true;
        assert_eq!(condition_text(&patient, &model), "? in words");
    }
}
