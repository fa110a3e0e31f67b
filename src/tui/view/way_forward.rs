//! The way-forward screen: the patient's header, the condition with its suspected status and
//! progress, the four steps (status in symbol and word, owner, due date, overdue), and the
//! selected step's work: referrals, the re-evaluation checklist, the options board, well-being.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::super::model::Model;
use super::super::state::way_forward::{Item, Pane, WayForwardScreen, items, status_text};
use super::super::theme::Theme;
use super::parts::wrap_hanging;
use super::patient::{header_height, render_header};
use crate::domain::way_forward::{STEP_PURPOSES, STEP_SHORT_TITLES, STEP_TITLES, step_overdue};
use crate::domain::{ReferralStatus, Stance, StepStatus, WayForwardStep};
use crate::way_forward::{BoardEntry, WayForwardView};

pub fn render(model: &Model, theme: Theme, frame: &mut Frame<'_>, area: Rect) {
    let Some(screen) = &model.way_forward else {
        return;
    };
    if area.height < 3 {
        return;
    }
    let header_height = model
        .patient
        .as_ref()
        .and_then(|p| p.detail.as_deref())
        .map_or(0, header_height);
    let [header, condition, body] = Layout::vertical([
        Constraint::Length(header_height),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(area);
    if let Some(detail) = model.patient.as_ref().and_then(|p| p.detail.as_deref()) {
        render_header(model, detail, theme, frame, header);
    }
    let Some(view) = screen.view.as_deref() else {
        let text = if screen.loaded {
            " No suspected refractory condition: the way forward opens for a flagged assessment \
             (refractory, resistant or relapsed). Esc goes back."
        } else {
            " loading…"
        };
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(text, theme.muted())))
                .wrap(ratatui::widgets::Wrap { trim: true }),
            condition.union(body),
        );
        return;
    };
    render_condition(model, screen, view, theme, frame, condition);
    let steps_width = if body.width >= 100 { 40 } else { 30 };
    let [steps, work] =
        Layout::horizontal([Constraint::Length(steps_width), Constraint::Min(0)]).areas(body);
    render_steps(model, screen, view, theme, frame, steps);
    render_work(model, screen, view, theme, frame, work);
}

fn render_condition(
    model: &Model,
    screen: &WayForwardScreen,
    view: &WayForwardView,
    theme: Theme,
    frame: &mut Frame<'_>,
    area: Rect,
) {
    let mut spans = vec![Span::styled(
        format!(" {} ", model.ruleset_short(&view.plan.ruleset)),
        theme.header(),
    )];
    spans.push(Span::raw(format!("{} ", view.plan.dots())));
    if let Some(assessment) = &view.assessment {
        spans.push(Span::styled(
            format!("{} {} ", assessment.status.symbol(), assessment.label),
            theme.status(Some(assessment.status)),
        ));
        spans.push(Span::styled(
            "· suspected, for clinician review ",
            theme.muted(),
        ));
    }
    if screen.conditions.len() > 1 {
        spans.push(Span::styled(
            format!("· {} conditions: ] next", screen.conditions.len()),
            theme.muted(),
        ));
    }
    frame.render_widget(Line::from(spans), area);
}

fn pane_block(title: String, focused: bool, theme: Theme) -> Block<'static> {
    Block::bordered()
        .title(Span::styled(
            title,
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

fn step_style(step: &WayForwardStep, overdue: bool, theme: Theme) -> Style {
    if overdue {
        return theme.warning();
    }
    match step.status {
        StepStatus::Done => theme.good(),
        StepStatus::InProgress => theme.accent(),
        StepStatus::Todo | StepStatus::NotApplicable => theme.muted(),
    }
}

fn render_steps(
    model: &Model,
    screen: &WayForwardScreen,
    view: &WayForwardView,
    theme: Theme,
    frame: &mut Frame<'_>,
    area: Rect,
) {
    let block = pane_block(String::from(" Steps "), screen.pane == Pane::Steps, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let narrow = inner.width < 36;
    let mut lines: Vec<Line<'_>> = Vec::new();
    for (index, step) in view.plan.steps.iter().enumerate() {
        let overdue = step_overdue(step, model.today);
        let selected = index == screen.step;
        let marker = if selected { "▶" } else { " " };
        let name = if narrow {
            STEP_SHORT_TITLES[index]
        } else {
            STEP_TITLES[index]
        };
        let title = Line::from(vec![
            Span::raw(format!("{marker}{} ", step.step)),
            Span::styled(
                name,
                if selected {
                    theme.title()
                } else {
                    Style::new()
                },
            ),
        ]);
        lines.push(if selected && screen.pane == Pane::Steps {
            title.style(theme.selected())
        } else {
            title
        });
        lines.push(Line::from(Span::styled(
            format!("   {}", status_text(step.status)),
            step_style(step, overdue, theme),
        )));
        if let Some(due) = step.due {
            let (text, style) = if overdue {
                (format!("   ⚠ overdue {due}"), theme.warning())
            } else {
                (format!("   due {due}"), theme.muted())
            };
            lines.push(Line::from(Span::styled(text, style)));
        }
        if let Some(owner) = &step.owner {
            lines.push(Line::from(Span::styled(
                format!("   {owner}"),
                theme.muted(),
            )));
        }
        if !narrow || inner.height > 20 {
            lines.push(Line::from(""));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn render_work(
    model: &Model,
    screen: &WayForwardScreen,
    view: &WayForwardView,
    theme: Theme,
    frame: &mut Frame<'_>,
    area: Rect,
) {
    let index = screen.step.min(3);
    let Some(step) = view.plan.steps.get(index) else {
        return;
    };
    let block = pane_block(
        format!(" {} · {} ", step.step, STEP_TITLES[index]),
        screen.pane == Pane::Items,
        theme,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width).saturating_sub(1);
    // What the team typed here (reasons, notes, referrals, options, goals) loses the patient's
    // name, MRN and birth date on a masked screen, cut before wrapping so no line break
    // splits a name past the cut.
    let identity = model
        .patient
        .as_ref()
        .and_then(|p| p.detail.as_deref())
        .map(super::patient::identity_of)
        .unwrap_or_default();
    let typed = |text: &str| {
        if model.masked {
            identity.masked_text(text)
        } else {
            text.to_owned()
        }
    };
    let mut lines: Vec<Line<'static>> = Vec::new();
    lines.extend(wrap_hanging(
        &format!(" {}", STEP_PURPOSES[index]),
        width,
        theme.muted(),
    ));
    let mut facts = vec![Span::styled(
        format!(" {}", status_text(step.status)),
        step_style(step, step_overdue(step, model.today), theme),
    )];
    if let Some(owner) = &step.owner {
        facts.push(Span::raw(format!(" · owner {owner}")));
    }
    if let Some(due) = step.due {
        facts.push(Span::raw(format!(" · due {due}")));
    }
    if let Some(reason) = &step.na_reason {
        facts.push(Span::raw(format!(" · because {}", typed(reason))));
    }
    lines.push(Line::from(facts));
    if !step.notes.is_empty() {
        for (i, line) in typed(&step.notes).lines().enumerate() {
            let prefix = if i == 0 { " notes: " } else { "        " };
            lines.extend(wrap_hanging(
                &format!("{prefix}{line}"),
                width,
                Style::new(),
            ));
        }
    }
    lines.push(Line::from(""));

    let rows = items(view, index);
    let heading = match index {
        0 => format!(
            " Referrals{}",
            if view.specialties.is_empty() {
                String::new()
            } else {
                format!(" (suggested: {})", view.specialties.join(", "))
            }
        ),
        1 => format!(
            " Checklist: {} of {} ticked (⚠ = still to rule out before calling it refractory)",
            view.plan.checklist.len() - view.plan.open_checklist_items(),
            view.plan.checklist.len()
        ),
        2 => String::from(" Options: stance · name · kind · patient's preference"),
        _ => String::from(" Referrals and goals"),
    };
    lines.extend(wrap_hanging(&heading, width, theme.header()));
    if index == 3 {
        match view.scores.first() {
            // As the record says it: a bound with its comparator ("< 4"), the unit without
            // UCUM's annotations.
            Some(score) => lines.push(Line::from(Span::raw(format!(
                " Latest score: {} {} on {}",
                score.display,
                score.value_text().trim_end(),
                score.effective.date()
            )))),
            None => lines.push(Line::from(Span::styled(
                " No distress or quality-of-life score recorded",
                theme.muted(),
            ))),
        }
    }
    if index == 3 && !view.support.is_empty() {
        let names: Vec<&str> = view.support.iter().map(|s| s.name.as_str()).collect();
        lines.extend(wrap_hanging(
            &format!(" Suggested: {}", names.join(" · ")),
            width,
            theme.muted(),
        ));
    }
    let header_rows = lines.len();
    if rows.is_empty() {
        lines.push(Line::from(Span::styled(
            match index {
                0 => " No referral yet: a adds one",
                1 => " Nothing to check",
                2 => " No options in the catalogue: a adds a clinical trial",
                _ => " Nothing yet: a refers to a service or sets a goal",
            },
            theme.muted(),
        )));
    }
    let confounder_keys: Vec<&str> = view
        .assessment
        .as_ref()
        .map(|a| a.confounders.iter().map(|c| c.key.as_str()).collect())
        .unwrap_or_default();
    let mut selected_line = None;
    for (row, item) in rows.iter().enumerate() {
        let selected = screen.pane == Pane::Items && row == screen.item;
        let spans: Vec<Span<'static>> = item_line(view, *item, &confounder_keys, theme)
            .spans
            .into_iter()
            .map(|span| Span::styled(typed(&span.content), span.style))
            .collect();
        let wrapped = wrap_spans(&spans, width);
        for line in wrapped {
            lines.push(if selected {
                line.style(theme.selected())
            } else {
                line
            });
        }
        if selected {
            selected_line = Some(lines.len() - 1);
        }
    }
    // The selected item's detail: where an option comes from, why it was tried, how a check
    // was resolved.
    if let Some(item) = rows.get(screen.item).filter(|_| screen.pane == Pane::Items) {
        let detail = item_detail(view, *item);
        if !detail.is_empty() {
            lines.push(Line::from(""));
            for text in detail {
                lines.extend(wrap_hanging(
                    &format!(" {}", typed(&text)),
                    width,
                    theme.muted(),
                ));
            }
        }
    }
    // Keep the selected item on screen.
    let height = usize::from(inner.height);
    let scroll = match selected_line {
        Some(line) if line >= height => line + 1 - height,
        _ => 0,
    }
    .min(lines.len().saturating_sub(header_rows.min(height)));
    super::parts::mark_border(frame, area, lines.len(), scroll, theme);
    frame.render_widget(
        Paragraph::new(lines).scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0)),
        inner,
    );
}

fn item_line(
    view: &WayForwardView,
    item: Item,
    confounder_keys: &[&str],
    theme: Theme,
) -> Line<'static> {
    match item {
        Item::Referral(i) => {
            let r = &view.plan.referrals[i];
            let style = match r.status {
                ReferralStatus::Seen => theme.good(),
                ReferralStatus::Declined => theme.muted(),
                ReferralStatus::Requested | ReferralStatus::Booked => theme.accent(),
            };
            Line::from(vec![
                Span::styled(format!(" {:<10}", r.status.as_str()), style),
                Span::raw(format!(
                    " {}{}{}",
                    r.specialty,
                    r.to_whom
                        .as_deref()
                        .map(|w| format!(" — {w}"))
                        .unwrap_or_default(),
                    r.date.map(|d| format!(" · {d}")).unwrap_or_default()
                )),
            ])
        }
        Item::Checklist(i) => {
            let c = &view.plan.checklist[i];
            let open_confounder = !c.done && confounder_keys.contains(&c.key.as_str());
            let mut spans = vec![
                Span::styled(
                    if c.done { " [x] " } else { " [ ] " },
                    if c.done { theme.good() } else { Style::new() },
                ),
                Span::styled(if open_confounder { "⚠ " } else { "" }, theme.warning()),
                Span::raw(c.text.clone()),
            ];
            if let Some(detail) = &c.detail {
                spans.push(Span::styled(format!(" — {detail}"), theme.muted()));
            }
            Line::from(spans)
        }
        Item::Board(i) => board_line(&view.board[i], theme),
        Item::Goal(i) => {
            let g = &view.plan.goals[i];
            Line::from(vec![
                Span::styled(
                    if g.achieved {
                        " achieved  "
                    } else {
                        " goal      "
                    },
                    if g.achieved {
                        theme.good()
                    } else {
                        theme.accent()
                    },
                ),
                Span::raw(format!(
                    " {}{}",
                    g.description,
                    g.due.map(|d| format!(" · by {d}")).unwrap_or_default()
                )),
            ])
        }
    }
}

fn board_line(entry: &BoardEntry, theme: Theme) -> Line<'static> {
    let (stance, style) = match entry.recorded.as_ref().map(|o| o.stance) {
        None => ("not discussed", theme.muted()),
        Some(Stance::Proposed) => ("proposed", theme.accent()),
        Some(Stance::Recommended) => ("★ recommended", theme.good()),
        Some(Stance::Rejected) => ("✗ rejected", theme.muted()),
    };
    let kind = entry
        .recorded
        .as_ref()
        .map(|o| o.kind)
        .or(entry.catalogue.as_ref().map(|c| c.kind))
        .map(crate::domain::OptionKind::as_str)
        .unwrap_or_default();
    let mut spans = vec![
        Span::styled(format!(" {stance:<14}"), style),
        Span::raw(format!(" {}", entry.name())),
        Span::styled(format!(" · {kind}"), theme.muted()),
    ];
    if let Some(option) = &entry.recorded {
        if let Some(registry) = &option.registry_id {
            spans.push(Span::raw(format!(
                " · {registry} {}",
                option
                    .trial_status
                    .map(crate::domain::TrialStatus::as_str)
                    .unwrap_or_default()
            )));
            if crate::domain::way_forward::trial_registry(registry).is_none() {
                spans.push(Span::styled(
                    " (free text, not a registry id)",
                    theme.warning(),
                ));
            }
        }
        if option.preference != crate::domain::PatientPreference::Unknown {
            spans.push(Span::raw(format!(" · patient {}", option.preference)));
        }
    }
    if entry.reactions.is_some() {
        spans.push(Span::styled(" · ⚠ reaction on record", theme.warning()));
    }
    if let Some(enrolled) = &entry.enrolled {
        let status = enrolled
            .status
            .map_or("in the study", crate::domain::TrialStatus::as_str);
        spans.push(Span::styled(
            format!(" · enrolled ({status}, imported)"),
            theme.accent(),
        ));
    }
    if entry.tried.is_some() {
        spans.push(Span::styled(" · ↺ already tried", theme.warning()));
    } else if entry.class_given.is_some() {
        spans.push(Span::styled(" · ↺ class already given", theme.warning()));
    } else if entry.given_for_other.is_some() {
        spans.push(Span::styled(
            " · given for another condition",
            theme.muted(),
        ));
    }
    Line::from(spans)
}

fn item_detail(view: &WayForwardView, item: Item) -> Vec<String> {
    match item {
        Item::Board(i) => {
            let entry = &view.board[i];
            let mut out = Vec::new();
            if let Some(c) = &entry.catalogue {
                out.push(c.detail.clone());
                out.push(format!("Source: {}", c.source));
            } else if let Some(source) = entry.recorded.as_ref().and_then(|o| o.source.clone()) {
                out.push(format!("Source: {source}"));
            }
            if let Some(reactions) = &entry.reactions {
                out.push(format!("⚠ Reaction on record: {reactions}"));
            }
            if let Some(enrolled) = &entry.enrolled {
                out.push(format!("Enrolled (imported): {}", enrolled.words));
            }
            if let Some(tried) = &entry.tried {
                out.push(format!("Already tried: {tried}"));
            }
            if let Some(given) = &entry.class_given {
                out.push(format!("Class already given: {given}"));
            }
            if let Some(other) = &entry.given_for_other {
                out.push(format!("Not tried for this condition: {other}"));
            }
            if let Some(option) = &entry.recorded {
                if let Some(reason) = &option.stance_reason {
                    out.push(format!("Rejected because: {reason}"));
                }
                if !option.notes.is_empty() {
                    out.push(format!("Notes: {}", option.notes));
                }
            }
            out
        }
        Item::Checklist(i) => {
            let item = &view.plan.checklist[i];
            // An open item's detail is what the record shows so far (a level below range),
            // not how it was resolved.
            let label = if item.done {
                "Resolved"
            } else {
                "In the record"
            };
            item.detail
                .as_ref()
                .map(|d| vec![format!("{label}: {d}")])
                .unwrap_or_default()
        }
        Item::Referral(_) | Item::Goal(_) => Vec::new(),
    }
}

/// Word-wraps a line of styled spans to `width` columns; continuation lines are indented by the
/// width of the first span (the item's state), so the text reads as one column.
fn wrap_spans(spans: &[Span<'static>], width: usize) -> Vec<Line<'static>> {
    let width = width.max(8);
    let indent = spans
        .first()
        .map_or(0, |s| crate::text::width(&s.content))
        .min(width / 2);
    let cells: Vec<(char, Style)> = spans
        .iter()
        .flat_map(|span| span.content.chars().map(move |c| (c, span.style)))
        .collect();
    let mut lines = Vec::new();
    let mut current: Vec<(char, Style)> = Vec::new();
    let mut at = 0;
    while at < cells.len() {
        let start = at;
        while at < cells.len() && cells[at].0 != ' ' {
            at += 1;
        }
        let word_end = at;
        while at < cells.len() && cells[at].0 == ' ' {
            at += 1;
        }
        let word = &cells[start..word_end];
        let spaces = &cells[word_end..at];
        if !word.is_empty() && current.len() + word.len() > width && current.len() > indent {
            lines.push(cells_to_line(&current));
            current = vec![(' ', Style::new()); indent];
        }
        // A word wider than the column is cut where the column ends.
        for chunk in word.chunks(width.saturating_sub(indent).max(1)) {
            if current.len() + chunk.len() > width && current.len() > indent {
                lines.push(cells_to_line(&current));
                current = vec![(' ', Style::new()); indent];
            }
            current.extend_from_slice(chunk);
        }
        current.extend_from_slice(spaces);
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(cells_to_line(&current));
    }
    lines
}

fn cells_to_line(cells: &[(char, Style)]) -> Line<'static> {
    let end = cells
        .iter()
        .rposition(|(c, _)| *c != ' ')
        .map_or(0, |last| last + 1);
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut text = String::new();
    let mut style = None;
    for (c, cell_style) in &cells[..end] {
        if style.is_some_and(|s| s != *cell_style) {
            spans.push(Span::styled(
                std::mem::take(&mut text),
                style.unwrap_or_default(),
            ));
        }
        style = Some(*cell_style);
        text.push(*c);
    }
    if !text.is_empty() {
        spans.push(Span::styled(text, style.unwrap_or_default()));
    }
    Line::from(spans)
}
