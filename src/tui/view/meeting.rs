//! The meeting screens: the list of meetings beside the team's open tasks, one meeting's agenda
//! and attendees (with the specialties each case needs and who is missing), and the
//! presentation — one case at a time, large and high-contrast for a room, identity masked by
//! default, with a timer against the case's time box.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use tui_big_text::{BigText, PixelSize};

use super::super::model::Model;
use super::super::state::meeting::{AgendaPane, MeetingsPane};
use super::super::theme::Theme;
use super::parts::wrap_hanging;
use super::patient::{AssessmentPane, render_assessment};
use super::timeline::Timeline;
use crate::domain::OutcomeCategory;
use crate::domain::history::{Identity, Masking};
use crate::domain::way_forward::progress_dots;
use crate::meeting::MeetingView;
use crate::store::CaseDetail;

fn pane(title: &str, focused: bool, theme: Theme) -> Block<'static> {
    Block::bordered()
        .title(Span::styled(
            format!(" {title} "),
            if focused {
                theme.title()
            } else {
                theme.header()
            },
        ))
        .border_style(if focused {
            theme.accent()
        } else {
            theme.border()
        })
}

fn mark(line: Line<'static>, selected: bool, theme: Theme) -> Line<'static> {
    if selected {
        line.style(theme.selected())
    } else {
        line
    }
}

/// Who the case is about, as the room may see it.
fn identity(model: &Model, case: &CaseDetail) -> String {
    if model.masked {
        case.masked_identity(model.today)
    } else {
        match case.death_words(false) {
            Some(death) => format!("{} · {} · {death}", case.display_name(), case.mrn),
            None => format!("{} · {}", case.display_name(), case.mrn),
        }
    }
}

/// One entry's wrapped rows: `lead` before the first, `indent` blank columns before the others,
/// so that the text wraps under its own start.
fn push_hanging(
    lines: &mut Vec<Line<'static>>,
    lead: Span<'static>,
    indent: usize,
    body: Vec<String>,
    selected: bool,
    theme: Theme,
) {
    let mut lead = Some(lead);
    for text in body {
        let first = lead.take().unwrap_or_else(|| Span::raw(" ".repeat(indent)));
        lines.push(mark(
            Line::from(vec![first, Span::raw(text)]),
            selected,
            theme,
        ));
    }
}

/// A pane's text in `inner`, scrolled to keep the selected entry (`rows`, first and last) in
/// sight, with its border (`outer`) marked where text goes on beyond it.
fn render_scrolled(
    frame: &mut Frame<'_>,
    outer: Rect,
    inner: Rect,
    lines: Vec<Line<'static>>,
    rows: (usize, usize),
    theme: Theme,
) {
    let scroll = in_sight(rows.0, rows.1, inner.height);
    super::parts::mark_border(frame, outer, lines.len(), scroll, theme);
    frame.render_widget(
        Paragraph::new(lines).scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0)),
        inner,
    );
}

/// The rows scrolled off the top so that the selected entry (rows `first..=last`) is in
/// sight: all of it when it fits, else its first row.
fn in_sight(first: usize, last: usize, height: u16) -> usize {
    let height = usize::from(height.max(1));
    last.saturating_sub(height - 1).min(first)
}

/// Columns a meeting's date takes in the list (" 2026-12-11 13:00 ").
const MEETING_DATE: usize = 18;

/// The meetings, newest first, beside the team's open tasks.
pub fn render_list(model: &Model, theme: Theme, frame: &mut Frame<'_>, area: Rect) {
    let screen = &model.meetings;
    if !screen.loaded {
        frame.render_widget(Span::styled(" loading…", theme.muted()), area);
        return;
    }
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
    let block = pane("Meetings", screen.pane == MeetingsPane::Meetings, theme);
    let inner = block.inner(left);
    frame.render_widget(block, left);
    let mut lines: Vec<Line<'static>> = Vec::new();
    if screen.list.is_empty() {
        lines.push(Line::from(Span::styled(
            " No meeting yet: a creates one.",
            theme.muted(),
        )));
    }
    let now = model.today;
    // The date, then the title and counts wrapped under the title's start, never back to
    // column 0; the pane scrolls to keep the selected meeting in sight.
    let room = usize::from(inner.width)
        .saturating_sub(MEETING_DATE)
        .max(10);
    let mut selected_row = 0;
    let mut selected_end = 0;
    for (index, meeting) in screen.list.iter().enumerate() {
        let upcoming = meeting.starts_at.date() >= now;
        let date_style = if upcoming {
            theme.accent()
        } else {
            theme.muted()
        };
        let counts = format!(
            " · {} of {} discussed{}",
            meeting.discussed,
            meeting.cases,
            meeting
                .team
                .as_deref()
                .map(|t| format!(" · {t}"))
                .unwrap_or_default()
        );
        let selected = screen.pane == MeetingsPane::Meetings && index == screen.selected;
        if selected {
            selected_row = lines.len();
        }
        let date = Span::styled(
            format!(" {} ", meeting.starts_at.format("%Y-%m-%d %H:%M")),
            date_style,
        );
        // The title may name a patient on its agenda ("Case conference: Thomas Reid").
        let title = crate::store::shown_title(&meeting.title, &meeting.agenda, model.masked);
        if crate::text::width(&title) + crate::text::width(&counts) <= room {
            let line = Line::from(vec![
                date,
                Span::raw(title),
                Span::styled(counts, theme.muted()),
            ]);
            lines.push(mark(line, selected, theme));
            if selected {
                selected_end = lines.len() - 1;
            }
            continue;
        }
        let body = crate::text::wrap_hanging(&format!("{title}{counts}"), room);
        push_hanging(&mut lines, date, MEETING_DATE, body, selected, theme);
        if selected {
            selected_end = lines.len() - 1;
        }
    }
    render_scrolled(
        frame,
        left,
        inner,
        lines,
        (selected_row, selected_end),
        theme,
    );

    let block = pane(
        &format!(
            "Open tasks ({}, {} overdue)",
            screen.tasks.len(),
            screen.tasks.iter().filter(|t| t.overdue).count()
        ),
        screen.pane == MeetingsPane::Tasks,
        theme,
    );
    let inner = block.inner(right);
    frame.render_widget(block, right);
    let mut lines: Vec<Line<'static>> = Vec::new();
    if screen.tasks.is_empty() {
        lines.push(Line::from(Span::styled(" No open task.", theme.muted())));
    }
    let mut selected_row = 0;
    let mut selected_end = 0;
    for (index, row) in screen.tasks.iter().enumerate() {
        let who = if model.masked {
            // "Family, Given": initials written as everywhere else (given name first).
            let (family, given) = row.name.split_once(", ").unwrap_or((row.name.as_str(), ""));
            crate::domain::initials(given, family)
        } else {
            format!("{} {}", row.name, row.mrn)
        };
        let (state, style) = if row.overdue {
            ("⚠ overdue", theme.warning())
        } else {
            ("○ open", theme.accent())
        };
        let selected =
            screen.pane == MeetingsPane::Tasks && index == screen.task && !screen.task_gone;
        if selected {
            selected_row = lines.len();
        }
        // Wrapped under its own text, never back to column 0: the state stays a column.
        let what = format!(
            "{}{}",
            row.task.due.map(|d| format!("{d} ")).unwrap_or_default(),
            Masking::when(
                model.masked,
                std::iter::once(row.identity()).chain(agenda_identities(model))
            )
            .text(&row.task.what)
        );
        let whom = format!(
            " · {}{}",
            row.task
                .owner
                .as_deref()
                .map(|o| format!("{o} · "))
                .unwrap_or_default(),
            who
        );
        let state_width = 12;
        let room = usize::from(inner.width).saturating_sub(state_width);
        let body = crate::text::wrap_hanging(&format!("{what}{whom}"), room);
        let lead = Span::styled(format!(" {state:<10} "), style);
        push_hanging(&mut lines, lead, state_width, body, selected, theme);
        if selected {
            selected_end = lines.len() - 1;
        }
    }
    render_scrolled(
        frame,
        right,
        inner,
        lines,
        (selected_row, selected_end),
        theme,
    );
}

/// A meeting's agenda and attendees.
pub fn render_agenda(model: &Model, theme: Theme, frame: &mut Frame<'_>, area: Rect) {
    let Some(screen) = &model.meeting else { return };
    let Some(view) = screen.view.as_deref() else {
        frame.render_widget(Span::styled(" loading…", theme.muted()), area);
        return;
    };
    if area.height < 3 {
        return;
    }
    let meeting = &view.detail.meeting;
    let [header, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    let discussed = view.detail.cases.iter().filter(|c| c.discussed()).count();
    frame.render_widget(
        Line::from(vec![
            Span::styled(
                format!(" {} ", agenda_masking(model).text(&meeting.title)),
                theme.title(),
            ),
            Span::raw(format!(
                "· {}{} · {} cases, {} discussed",
                meeting.starts_at.format("%Y-%m-%d %H:%M"),
                meeting
                    .team
                    .as_deref()
                    .map(|t| format!(" · {t}"))
                    .unwrap_or_default(),
                view.detail.cases.len(),
                discussed
            )),
        ]),
        header,
    );
    // As wide as the longest attendee line (" ✗ absent Name · specialty" and the borders),
    // between 30 columns and three eighths of the screen: the agenda keeps the rest.
    let widest = view
        .detail
        .attendees
        .iter()
        .map(|p| {
            let state = if p.present { 3 } else { 10 };
            state + crate::text::width(&p.name) + 3 + crate::text::width(&p.specialty) + 2
        })
        .max()
        .unwrap_or(0);
    let attendees_width = u16::try_from(widest).unwrap_or(u16::MAX).max(30);
    let [agenda, people] = Layout::horizontal([
        Constraint::Min(0),
        Constraint::Length(attendees_width.min(body.width * 3 / 8)),
    ])
    .areas(body);

    let block = pane("Agenda", screen.pane == AgendaPane::Agenda, theme);
    let inner = block.inner(agenda);
    frame.render_widget(block, agenda);
    let width = usize::from(inner.width).saturating_sub(1);
    let mut lines: Vec<Line<'static>> = Vec::new();
    if view.detail.cases.is_empty() {
        lines.push(Line::from(Span::styled(
            " No case yet: on the patient list, A adds the selected patient to this agenda.",
            theme.muted(),
        )));
    }
    let mut selected_line = 0;
    for (index, case) in view.detail.cases.iter().enumerate() {
        let selected = screen.pane == AgendaPane::Agenda && index == screen.case;
        if selected {
            selected_line = lines.len();
        }
        let status = case.status.map_or_else(
            || String::from("not assessed"),
            |s| format!("{} {}", s.symbol(), s.word()),
        );
        let outcome = match &case.case.outcome_category {
            Some(category) => format!("✓ {}", OutcomeCategory::label_of(category)),
            None if case.discussed() => String::from("✓ discussed"),
            None => String::from("to discuss"),
        };
        let first = Line::from(vec![
            Span::raw(format!(" {:>2}. ", index + 1)),
            Span::styled(identity(model, case), theme.title()),
            Span::raw(format!(" · {} ", model.ruleset_short(&case.ruleset))),
            Span::styled(status, theme.status(case.status)),
            Span::styled(
                format!(" · {} min · {outcome}", case.case.timebox_minutes),
                theme.muted(),
            ),
        ]);
        lines.push(mark(first, selected, theme));
        let question = if case.case.question.trim().is_empty() {
            Line::from(Span::styled(
                "     ⚠ question needed before presenting (e)",
                theme.warning(),
            ))
        } else {
            Line::from(Span::raw(format!(
                "     Q: {}",
                typed_text(model, case, &case.case.question)
            )))
        };
        for line in wrap_line(&question, width) {
            lines.push(line);
        }
        if let Some(missing) = view.missing.get(index).filter(|m| !m.is_empty()) {
            lines.extend(wrap_hanging(
                &format!("     ⚠ no {} present", missing.join(", ")),
                width,
                theme.warning(),
            ));
        }
    }
    let scroll = selected_line.saturating_sub(usize::from(inner.height) / 2);
    super::parts::mark_border(frame, agenda, lines.len(), scroll, theme);
    frame.render_widget(
        Paragraph::new(lines).scroll((u16::try_from(scroll).unwrap_or(0), 0)),
        inner,
    );

    let block = pane("Attendees", screen.pane == AgendaPane::Attendees, theme);
    let inner = block.inner(people);
    frame.render_widget(block, people);
    let mut lines: Vec<Line<'static>> = Vec::new();
    if view.detail.attendees.is_empty() {
        lines.push(Line::from(Span::styled(
            " Nobody yet: a adds an attendee.",
            theme.muted(),
        )));
    }
    for (index, person) in view.detail.attendees.iter().enumerate() {
        let (state, style) = if person.present {
            ("✓", theme.good())
        } else {
            ("✗ absent", theme.muted())
        };
        // Wrapped under the name, never back to column 0.
        let lead = crate::text::width(state) + 2;
        let room = usize::from(people.width.saturating_sub(2)).saturating_sub(lead);
        let text = format!("{} · {}", person.name, person.specialty);
        let selected = screen.pane == AgendaPane::Attendees && index == screen.attendee;
        for (at, part) in crate::text::wrap_hanging(&text, room)
            .into_iter()
            .enumerate()
        {
            let start = if at == 0 {
                Span::styled(format!(" {state} "), style)
            } else {
                Span::raw(" ".repeat(lead))
            };
            lines.push(mark(
                Line::from(vec![start, Span::raw(part)]),
                selected,
                theme,
            ));
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

fn wrap_line(line: &Line<'static>, width: usize) -> Vec<Line<'static>> {
    let style = line.spans.first().map(|s| s.style).unwrap_or_default();
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    wrap_hanging(&text, width, style)
}

/// mm:ss.
fn clock(seconds: u32) -> String {
    format!("{:02}:{:02}", seconds / 60, seconds % 60)
}

/// One case, large, for the room.
pub fn render_presentation(model: &Model, theme: Theme, frame: &mut Frame<'_>, area: Rect) {
    let Some(screen) = &model.meeting else { return };
    let Some(view) = screen.view.as_deref() else {
        frame.render_widget(Span::styled(" loading…", theme.muted()), area);
        return;
    };
    let Some(case) = view.detail.cases.get(screen.case) else {
        return;
    };
    if area.height < 4 || area.width < 10 {
        return;
    }
    // What the file holds (earlier sessions and the seconds already written) plus this
    // session's seconds not written yet.
    let elapsed = case.case.presented_seconds + screen.presenting.map_or(0, |p| p.unsaved);
    let timebox = case.case.timebox_minutes * 60;
    let over = elapsed > timebox;
    let headline = format!(
        "Case {}/{}  {}",
        screen.case + 1,
        view.detail.cases.len(),
        clock(elapsed)
    );
    // Big letters need room: 4 columns and 4 rows a character in quadrants.
    let big = area.width as usize >= headline.chars().count() * 4 + 2 && area.height >= 24;
    let header_height = if big { 4 } else { 1 };
    let [header, who, question, body] = Layout::vertical([
        Constraint::Length(header_height),
        Constraint::Length(2),
        Constraint::Length(3),
        Constraint::Min(0),
    ])
    .areas(area);
    let timer_style = if over { theme.warning() } else { theme.title() };
    if big {
        let text = BigText::builder()
            .pixel_size(PixelSize::Quadrant)
            .style(timer_style)
            .lines(vec![Line::from(headline.clone())])
            .build();
        frame.render_widget(text, header);
    } else {
        frame.render_widget(
            Line::from(Span::styled(format!(" {headline}"), timer_style)),
            header,
        );
    }
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(vec![
                Span::styled(
                    format!(" {} ", identity(model, case)),
                    theme.title().add_modifier(Modifier::BOLD),
                ),
                Span::styled(
                    format!(
                        "· {} · {}",
                        model.ruleset_name(&case.ruleset),
                        case.status_label
                            .clone()
                            .or(case.status.map(|s| s.word().to_owned()))
                            .unwrap_or_else(|| String::from("not assessed"))
                    ),
                    theme.status(case.status),
                ),
            ]),
            Line::from(Span::styled(
                format!(
                    " time box {} min{} · {}{}",
                    case.case.timebox_minutes,
                    if over { " — over time" } else { "" },
                    if case.line > 0 {
                        format!("line {}L {}", case.line, case.regimen)
                    } else {
                        String::from("no treatment line")
                    },
                    view.progress
                        .get(screen.case)
                        .copied()
                        .flatten()
                        .map(|closed| format!(" · way forward {}", progress_dots(closed)))
                        .unwrap_or_default()
                ),
                theme.muted(),
            )),
        ]),
        who,
    );
    let question_text = if case.case.question.trim().is_empty() {
        Line::from(Span::styled(
            " ⚠ No clinical question: this case cannot be presented until it has one (e).",
            theme.warning(),
        ))
    } else {
        Line::from(vec![
            Span::styled(" Question: ", theme.key()),
            Span::styled(
                typed_text(model, case, &case.case.question),
                Style::new().add_modifier(Modifier::BOLD),
            ),
        ])
    };
    frame.render_widget(
        Paragraph::new(question_text)
            .wrap(Wrap { trim: true })
            .block(
                Block::new()
                    .borders(ratatui::widgets::Borders::BOTTOM)
                    .border_style(theme.border()),
            ),
        question,
    );

    let side_width = if body.width >= 120 {
        48
    } else {
        body.width * 2 / 5
    };
    let [main, side] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(side_width)]).areas(body);
    render_case_record(model, case, theme, frame, main);
    render_decision(model, view, screen.case, case, theme, frame, side);
}

fn render_case_record(
    model: &Model,
    case: &CaseDetail,
    theme: Theme,
    frame: &mut Frame<'_>,
    area: Rect,
) {
    let Some(detail) = model
        .patient
        .as_ref()
        .filter(|p| p.id == case.case.patient_id)
        .and_then(|p| p.detail.as_deref())
    else {
        frame.render_widget(Span::styled(" loading the record…", theme.muted()), area);
        return;
    };
    // The drugs the patient reacted to come first: the team must know them before it
    // discusses the options (review R11-1).
    let width = usize::from(area.width).saturating_sub(1);
    let area = match super::patient::reactions_line(detail, model.masked, width) {
        Some(reactions) => {
            let [line, rest] =
                Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
            frame.render_widget(Span::styled(format!(" {reactions}"), theme.warning()), line);
            rest
        }
        None => area,
    };
    let timeline = Timeline {
        record: &detail.summary.record,
        ruleset: Some(case.ruleset.as_str()),
        today: model.today,
        zone: model.zone,
        zoom: 0,
        pan: 0,
        theme,
        track: detail.tracks.of(Some(case.ruleset.as_str())),
    };
    let index = detail
        .summary
        .assessments
        .iter()
        .position(|a| a.assessment.ruleset == case.ruleset)
        .unwrap_or(0);
    let height =
        super::patient::timeline_height(&timeline, detail, (index, model.masked), area, theme);
    let [top, bottom] =
        Layout::vertical([Constraint::Length(height), Constraint::Min(0)]).areas(area);
    let block = Block::bordered()
        .title(Span::styled(" Timeline ", theme.title()))
        .border_style(theme.border());
    let inner = block.inner(top);
    frame.render_widget(block, top);
    frame.render_widget(&timeline, inner);
    let pane = AssessmentPane {
        index,
        scroll: 0,
        reviewable: false,
        masked: model.masked,
    };
    render_assessment(pane, detail, theme, frame, bottom);
}

fn render_decision(
    model: &Model,
    view: &MeetingView,
    index: usize,
    case: &CaseDetail,
    theme: Theme,
    frame: &mut Frame<'_>,
    area: Rect,
) {
    let block = Block::bordered()
        .title(Span::styled(" Decision ", theme.title()))
        .border_style(theme.border());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width).saturating_sub(1);
    let mut lines: Vec<Line<'static>> = Vec::new();
    match &case.case.outcome_category {
        Some(category) => lines.extend(wrap_hanging(
            &format!(" ✓ {}", OutcomeCategory::label_of(category)),
            width,
            theme.good(),
        )),
        None => lines.push(Line::from(Span::styled(
            " · not decided yet: d records the decision",
            theme.muted(),
        ))),
    }
    if let Some(option) = &case.chosen_option {
        lines.extend(wrap_hanging(
            &format!(" option: {}", typed_text(model, case, option)),
            width,
            Style::new(),
        ));
    }
    if !case.case.outcome_text.is_empty() {
        lines.extend(wrap_hanging(
            &format!(" {}", typed_text(model, case, &case.case.outcome_text)),
            width,
            Style::new(),
        ));
    }
    lines.push(Line::from(Span::raw(if case.case.comes_back {
        " ↻ comes back to a later meeting"
    } else {
        " does not come back (b changes it)"
    })));
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(" Tasks", theme.header())));
    if case.tasks.is_empty() {
        lines.push(Line::from(Span::styled(
            " none yet: t adds one",
            theme.muted(),
        )));
    }
    for task in &case.tasks {
        let overdue = task.overdue_on(model.today);
        lines.extend(wrap_hanging(
            &format!(
                " {} {}{}{}",
                if overdue { "⚠" } else { "·" },
                typed_text(model, case, &task.what),
                task.owner
                    .as_deref()
                    .map(|o| format!(" — {o}"))
                    .unwrap_or_default(),
                task.due.map(|d| format!(", due {d}")).unwrap_or_default()
            ),
            width,
            if overdue {
                theme.warning()
            } else {
                Style::new()
            },
        ));
    }
    if let Some(previous) = view.previous.get(index).and_then(Option::as_ref) {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            format!(
                " Last discussed {}",
                previous.meeting.starts_at.format("%Y-%m-%d")
            ),
            theme.header(),
        )));
        let plan = previous
            .case
            .outcome_category
            .as_deref()
            .map_or_else(|| String::from("no category"), OutcomeCategory::label_of);
        lines.extend(wrap_hanging(
            &format!(
                " plan: {plan}. {}",
                typed_text(model, case, &previous.case.outcome_text)
            ),
            width,
            Style::new(),
        ));
        let followed = match previous.case.plan_followed {
            Some(followed) => format!(
                " followed: {followed}{}",
                previous
                    .case
                    .plan_followed_reason
                    .as_deref()
                    .map(|r| format!(" ({})", typed_text(model, case, r)))
                    .unwrap_or_default()
            ),
            None => String::from(" followed? f records it"),
        };
        lines.extend(wrap_hanging(&followed, width, theme.muted()));
    }
    if let Some(missing) = view.missing.get(index).filter(|m| !m.is_empty()) {
        lines.push(Line::from(""));
        lines.extend(wrap_hanging(
            &format!(" ⚠ Needed but absent: {}", missing.join(", ")),
            width,
            theme.warning(),
        ));
    }
    frame.render_widget(Paragraph::new(lines).alignment(Alignment::Left), inner);
}

/// Text the team typed about a case (question, decision, tasks, option, reasons), as the
/// screen may show it: on a masked screen without the name, MRN or birth date of its patient
/// or of any other patient on the agenda (a relative discussed at the same meeting).
fn typed_text(model: &Model, case: &CaseDetail, text: &str) -> String {
    Masking::when(
        model.masked,
        std::iter::once(case.identity()).chain(agenda_identities(model)),
    )
    .text(text)
    .into_string()
}

/// Every patient on the agenda of the meeting open on screen.
fn agenda_identities(model: &Model) -> impl Iterator<Item = Identity<'_>> {
    model
        .meeting
        .as_ref()
        .and_then(|screen| screen.view.as_deref())
        .into_iter()
        .flat_map(|view| view.detail.cases.iter().map(CaseDetail::identity))
}

/// Masking (when the screen is masked) against every patient on the open meeting's agenda.
fn agenda_masking(model: &Model) -> Masking<'_> {
    Masking::when(model.masked, agenda_identities(model))
}
