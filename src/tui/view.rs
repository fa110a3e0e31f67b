//! Rendering: the model drawn into a frame. Pure — no I/O, no errors, no state changes — and
//! safe at any size from 1×1 up: every region is laid out from the frame's area and drawn only
//! when there is room.

mod meeting;
mod overview;
mod parts;
mod patient;
mod patients;
mod popup;
mod timeline;
mod way_forward;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::action::Action;
use super::field::TextField;
use super::keymap::{Context, Keymap};
use super::model::{Input, Model, Popup, Refusal};
use super::purpose::{InputPurpose, PatientPurpose, WayForwardPurpose};
use super::state::Screen;
use super::theme::Theme;
use parts::{fit, fit_shown, masked_text, wrap_hanging};

/// Where each part of the screen is drawn. The drawing and the mouse both take it from here,
/// so a click lands on the row drawn under it and the list pages by the rows it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub title: Rect,
    /// The screen's own content, between the title and the prompt line.
    pub body: Rect,
    /// The prompt line: one row while one line of text is typed on it, else none.
    pub input: Rect,
    pub status: Rect,
    pub footer: Rect,
    /// The patient list's rows, below its counts, its controls line and its table header.
    pub list_rows: Rect,
}

impl Areas {
    /// The parts of `area` for the model as it is.
    pub fn of(area: Rect, model: &Model) -> Areas {
        let on_prompt_line = model.input.as_ref().is_some_and(Input::on_prompt_line);
        Self::split(area, on_prompt_line)
    }

    /// The parts of `area` while nothing is typed (the first frame).
    pub fn at_rest(area: Rect) -> Areas {
        Self::split(area, false)
    }

    fn split(area: Rect, on_prompt_line: bool) -> Areas {
        let [title, body, input, status, footer] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(0),
            Constraint::Length(u16::from(on_prompt_line)),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);
        Areas {
            title,
            body,
            input,
            status,
            footer,
            list_rows: patients::Areas::of(body).rows,
        }
    }
}

/// Draws the whole screen.
pub fn render(model: &Model, keymap: &Keymap, theme: Theme, frame: &mut Frame<'_>) {
    let area = frame.area();
    if area.width < 2 || area.height < 2 {
        return;
    }
    let Areas {
        title,
        body,
        input,
        status,
        footer,
        ..
    } = Areas::of(area, model);

    render_title(model, theme, frame, title);
    if model.empty_database && model.screen == Screen::Patients {
        render_welcome(theme, frame, body);
    } else {
        match model.screen {
            Screen::Patients => patients::render(model, theme, frame, body),
            Screen::Overview => overview::render(model, theme, frame, body),
            Screen::Patient => patient::render(model, theme, frame, body),
            Screen::WayForward => way_forward::render(model, theme, frame, body),
            Screen::Meetings => meeting::render_list(model, theme, frame, body),
            Screen::Meeting => meeting::render_agenda(model, theme, frame, body),
            Screen::Presenting => meeting::render_presentation(model, theme, frame, body),
        }
    }
    render_input(model, theme, frame, input);
    render_status(model, keymap, theme, frame, status);
    render_footer(model, keymap, theme, frame, footer);
    if let Some(popup) = &model.popup {
        popup::render(model, popup, keymap, theme, frame, body);
    }
    if let Some(input) = &model.input {
        if input.is_form() {
            render_form(input, theme, frame, body);
        } else if let Some(focused) = input.focused().filter(|f| f.field.is_multiline()) {
            render_text_box(&focused.field, theme, frame, body);
        }
    }
    if let Some(refusal) = model.refusal.as_ref().filter(|r| r.showing_theirs) {
        render_theirs(model, refusal, keymap, theme, frame, body);
    }
    sanitise_cells(frame.buffer_mut());
}

/// The last pass over every frame, so that nothing a record holds reaches the terminal as
/// anything but text: the widgets already drop control characters (an escape sequence arrives
/// as inert text), but they keep zero-width characters (bidi overrides among them) by appending
/// them to the cell before; those are taken out here with the command line's own sanitiser.
fn sanitise_cells(buffer: &mut ratatui::buffer::Buffer) {
    for cell in &mut buffer.content {
        if cell.symbol().chars().any(crate::text::is_unsafe) {
            let clean = crate::text::sanitise_line(cell.symbol()).trim().to_owned();
            cell.set_symbol(if clean.is_empty() { " " } else { &clean });
        }
    }
}

/// Several lines being typed, in a box over the body: the editor keeps its cursor in view.
fn render_text_box(field: &TextField, theme: Theme, frame: &mut Frame<'_>, area: Rect) {
    let width = area.width.saturating_sub(4).min(90);
    let height = area.height.saturating_sub(2).min(14);
    if width < 10 || height < 3 {
        return;
    }
    let rect = area.centered(Constraint::Length(width), Constraint::Length(height));
    let block = ratatui::widgets::Block::bordered()
        .title(Span::styled(" Notes ", theme.title()))
        .title_bottom(Span::styled(
            " ⏎ new line · Ctrl-S save · Esc cancel ",
            theme.muted(),
        ))
        .border_style(theme.accent());
    let inner = block.inner(rect);
    frame.render_widget(ratatui::widgets::Clear, rect);
    frame.render_widget(block, rect);
    let editor = field.editor();
    frame.render_widget(editor, inner);
    // The editor's screen position counts display lines from the top of the text; the
    // viewport's first line is where drawing began.
    let cursor = editor.screen_cursor();
    let (top, _) = editor.scroll_offset();
    let row = cursor.row.saturating_sub(usize::from(top));
    let x = inner.x + u16::try_from(cursor.col).unwrap_or(u16::MAX);
    let y = inner.y + u16::try_from(row).unwrap_or(u16::MAX);
    frame.set_cursor_position((
        x.min(inner.right().saturating_sub(1)),
        y.min(inner.bottom().saturating_sub(1)),
    ));
}

/// A form over the body: each labelled field on its row, the one being typed with its cursor,
/// and under each what it takes, or why its value was not taken.
fn render_form(input: &Input, theme: Theme, frame: &mut Frame<'_>, area: Rect) {
    let rows = u16::try_from(input.fields.len() * 2).unwrap_or(u16::MAX);
    let width = area.width.saturating_sub(4).min(88);
    let height = (rows + 3).min(area.height);
    if width < 20 || height < 4 {
        return;
    }
    let rect = area.centered(Constraint::Length(width), Constraint::Length(height));
    let title = input.purpose.form_title();
    let block = ratatui::widgets::Block::bordered()
        .title(Span::styled(title, theme.title()))
        .title_bottom(Span::styled(
            " Tab next field · ⏎ next, save on the last · Ctrl-S save · Esc cancel ",
            theme.muted(),
        ))
        .border_style(theme.accent());
    let inner = block.inner(rect).inner(ratatui::layout::Margin {
        horizontal: 1,
        vertical: 0,
    });
    frame.render_widget(ratatui::widgets::Clear, rect);
    frame.render_widget(block, rect);
    let label_width = input
        .fields
        .iter()
        .map(|f| Span::raw(f.label).width())
        .max()
        .unwrap_or(0)
        + 2;
    let room = usize::from(inner.width).saturating_sub(label_width + 1);
    let mut lines: Vec<Line<'_>> = Vec::new();
    let mut cursor = None;
    for (at, field) in input.fields.iter().enumerate() {
        let focused = at == input.focus;
        let label_style = if focused { theme.key() } else { theme.header() };
        let mut spans = vec![Span::styled(
            format!("{:<label_width$}", field.label),
            label_style,
        )];
        if focused {
            let (_, column) = field.field.cursor();
            let (typed, x) = cursor_line(&field.field.text(), column, room, theme);
            spans.extend(typed);
            cursor = Some((label_width + x, lines.len()));
        } else {
            spans.push(Span::raw(fit(&field.field.text(), room)));
        }
        lines.push(Line::from(spans));
        let room = usize::from(inner.width).saturating_sub(label_width);
        let note = match (&field.error, focused) {
            (Some(error), _) => Span::styled(fit(&format!("⚠ {error}"), room), theme.warning()),
            (None, true) if !field.choices.is_empty() => Span::styled(
                fit(
                    &format!("{} · {}", field.hint, field.choices.join(" · ")),
                    room,
                ),
                theme.muted(),
            ),
            (None, true) => Span::styled(fit(field.hint, room), theme.muted()),
            (None, false) => Span::raw(""),
        };
        lines.push(Line::from(vec![Span::raw(" ".repeat(label_width)), note]));
    }
    frame.render_widget(Paragraph::new(lines), inner);
    if let Some((x, y)) = cursor
        && y < usize::from(inner.height)
    {
        let x = inner.x + u16::try_from(x).unwrap_or(u16::MAX);
        frame.set_cursor_position((x.min(inner.right().saturating_sub(1)), inner.y + y as u16));
    }
}

/// What a colleague saved, over the body, after a save of the same thing was refused: who and
/// when, then each field they changed with its value now, masked as the panels behind it are
/// (their text may quote the patient).
fn render_theirs(
    model: &Model,
    refusal: &Refusal,
    keymap: &Keymap,
    theme: Theme,
    frame: &mut Frame<'_>,
    area: Rect,
) {
    let width = area.width.saturating_sub(4).min(90);
    let height = area.height.saturating_sub(2).min(16);
    if width < 20 || height < 4 {
        return;
    }
    let rect = area.centered(Constraint::Length(width), Constraint::Length(height));
    let key = |action| {
        keymap
            .key_for(Context::Conflict, action)
            .unwrap_or_default()
    };
    let block = ratatui::widgets::Block::bordered()
        .title(Span::styled(" Theirs: what is saved now ", theme.title()))
        .title_bottom(Span::styled(
            format!(
                " {} hide · {} save yours over it ",
                key(Action::SeeTheirs),
                key(Action::Overwrite)
            ),
            theme.muted(),
        ))
        .border_style(theme.warning());
    let inner = block.inner(rect);
    frame.render_widget(ratatui::widgets::Clear, rect);
    frame.render_widget(block, rect);
    let columns = usize::from(inner.width);
    let mut lines = wrap_hanging(&model.shown(&refusal.notice), columns, theme.muted());
    for (field, value) in &refusal.theirs {
        let value = model.shown(value);
        lines.push(Line::from(Span::styled(
            format!("{field}:"),
            theme.header(),
        )));
        for paragraph in value.split('\n') {
            lines.extend(wrap_hanging(
                &format!("  {paragraph}"),
                columns,
                Style::new(),
            ));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn render_title(model: &Model, theme: Theme, frame: &mut Frame<'_>, area: Rect) {
    let screen = match model.screen {
        Screen::Patients => "Patients",
        Screen::Overview => "Overview",
        Screen::Patient => "Patient",
        Screen::WayForward => "Way forward",
        Screen::Meetings => "Meetings",
        Screen::Meeting => "Meeting",
        Screen::Presenting => "Meeting · presentation",
    };
    let mut spans = vec![
        Span::styled(" refract ", theme.title()),
        Span::styled(format!("─ {screen} "), theme.header()),
    ];
    if model.screen == Screen::Patients
        && let Some(total) = model.list.total_text()
    {
        let noun = if total == "1" { "patient" } else { "patients" };
        spans.push(Span::styled(format!("─ {total} {noun} "), theme.muted()));
    }
    if let Some(team) = &model.list.query.filter.care_team
        && model.screen == Screen::Patients
    {
        spans.push(Span::styled(format!("─ care team: {team} "), theme.muted()));
    }
    if model.masked {
        spans.push(Span::styled("─ identity masked ", theme.warning()));
    }
    if model.screen == Screen::Patients
        && let Some(pull) = &model.last_pull
    {
        spans.push(Span::styled(format!("─ {pull} "), theme.muted()));
    }
    if let Some((done, total)) = model.evaluating {
        let percent = (done * 100).checked_div(total).unwrap_or(100);
        spans.push(Span::styled(
            format!("─ evaluating {percent}% "),
            theme.muted(),
        ));
    }
    frame.render_widget(Line::from(spans), area);
}

fn render_welcome(theme: Theme, frame: &mut Frame<'_>, area: Rect) {
    let text = vec![
        Line::from(Span::styled("Welcome to refract", theme.title())),
        Line::from(""),
        Line::from("This database has no patients yet."),
        Line::from(""),
        Line::from("To bring in patients, quit (q) and import FHIR R4 files or folders:"),
        Line::from(Span::styled(
            "    refract import path/to/bundles/",
            theme.key(),
        )),
        Line::from(""),
        Line::from("To look around with realistic stories first, open the demo database:"),
        Line::from(Span::styled("    refract demo", theme.key())),
        Line::from(""),
        Line::from(Span::styled(
            "Every flag refract raises is a suspicion for clinician review, never a diagnosis.",
            theme.muted(),
        )),
    ];
    let inner = area.inner(ratatui::layout::Margin {
        horizontal: 2,
        vertical: 1,
    });
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), inner);
}

fn render_input(model: &Model, theme: Theme, frame: &mut Frame<'_>, area: Rect) {
    let Some(input) = &model.input else { return };
    if area.height == 0 {
        return;
    }
    let prompt = input.purpose.prompt();
    let prompt_width = Span::raw(prompt).width();
    // A search typed on a masked screen is not shown: it may be a name.
    let hidden = model.masked && input.purpose == InputPurpose::Search;
    let text = input.text();
    let shown = if hidden { masked_text(&text) } else { text };
    let (_, column) = input.focused().map_or((0, 0), |f| f.field.cursor());
    let room = usize::from(area.width).saturating_sub(prompt_width + 1);
    let (line, cursor_x) = cursor_line(&shown, column, room, theme);
    let mut spans = vec![Span::styled(prompt, theme.key())];
    spans.extend(line);
    frame.render_widget(Line::from(spans), area);
    let x = area.x + u16::try_from(prompt_width + cursor_x).unwrap_or(u16::MAX);
    frame.set_cursor_position((x.min(area.right().saturating_sub(1)), area.y));
}

/// One line of typed text in `room` columns with its cursor at character `column`: what is
/// before the cursor scrolls off to the left when it does not fit, so the cursor stays in
/// sight. The cursor's cell is drawn too (a block at the end, the character under it
/// reversed), for terminals that hide their own. Returns the spans and the cursor's column.
fn cursor_line(
    text: &str,
    column: usize,
    room: usize,
    theme: Theme,
) -> (Vec<Span<'static>>, usize) {
    let chars: Vec<char> = text.chars().collect();
    let column = column.min(chars.len());
    let width_of = |c: &char| unicode_width::UnicodeWidthChar::width(*c).unwrap_or(0);
    // The cursor's own cell takes a column.
    let mut start = 0;
    let mut before: usize = chars[..column].iter().map(width_of).sum();
    while before + 1 > room && start < column {
        before -= width_of(&chars[start]);
        start += 1;
    }
    let mut spans = vec![Span::raw(chars[start..column].iter().collect::<String>())];
    match chars.get(column) {
        Some(under) => {
            spans.push(Span::styled(under.to_string(), theme.cursor()));
            let mut used = before + width_of(under);
            let mut after = String::new();
            for c in &chars[column + 1..] {
                used += width_of(c);
                if used > room {
                    break;
                }
                after.push(*c);
            }
            spans.push(Span::raw(after));
        }
        None => spans.push(Span::styled("█", theme.accent())),
    }
    (spans, before)
}

fn render_status(model: &Model, keymap: &Keymap, theme: Theme, frame: &mut Frame<'_>, area: Rect) {
    let refused = model
        .input
        .as_ref()
        .filter(|i| i.on_prompt_line())
        .and_then(Input::focused)
        .and_then(|f| f.error.as_deref());
    let conflict = model.refusal.as_ref().map(|refusal| {
        let key = |action| {
            keymap
                .key_for(Context::Conflict, action)
                .unwrap_or_default()
        };
        format!(
            " {}: {} theirs · {} overwrite: {}",
            refusal.lead,
            key(Action::SeeTheirs),
            key(Action::Overwrite),
            refusal.changed
        )
    });
    let text = match (&model.message, &model.input) {
        // A message may quote stored text (a task's words, what an undo took back).
        (Some(message), _) => Span::styled(format!(" {}", model.shown(message)), theme.warning()),
        // A save refused for a colleague's change: the keys first, as the footer names them,
        // so that an 80-column line shows what to do before who changed what.
        (None, _) if conflict.is_some() => Span::styled(
            model.shown(conflict.as_deref().unwrap_or_default()),
            theme.warning(),
        ),
        // Why the typed value was not taken, where the person is looking: it stays to be
        // corrected.
        (None, Some(_)) if refused.is_some() => Span::styled(
            format!(" ⚠ {}", refused.unwrap_or_default()),
            theme.warning(),
        ),
        (None, Some(input)) => match input.purpose {
            InputPurpose::Search if model.masked => Span::styled(
                " masked: type an MRN or identifier (names are not searched) · ⏎ keep · Esc clear",
                theme.muted(),
            ),
            InputPurpose::Search => Span::styled(
                " type to search by name, MRN or other identifier · ⏎ keep · Esc clear",
                theme.muted(),
            ),
            InputPurpose::Patient(PatientPurpose::Rationale(_)) => Span::styled(
                " ⏎ save · Esc cancel · a rationale is recorded with your name in the audit log",
                theme.muted(),
            ),
            purpose if purpose.is_multiline() => Span::styled(
                " several lines: ⏎ new line · Ctrl-S save · Esc cancel",
                theme.muted(),
            ),
            InputPurpose::WayForward(WayForwardPurpose::Trial) => Span::styled(
                " e.g. NCT05243797 Cenobamate in focal epilepsy · ⏎ save · Esc cancel",
                theme.muted(),
            ),
            _ => Span::styled(
                " ⏎ save · Esc cancel · every change is recorded with your name in the audit log",
                theme.muted(),
            ),
        },
        (None, None) => Span::raw(""),
    };
    // The help lists the last messages whole: its key, where it can be pressed now.
    let full_text_key = (model.message.is_some() && model.input.is_none() && model.popup.is_none())
        .then(|| keymap.key_for(Context::Global, Action::Help))
        .flatten();
    frame.render_widget(
        status_line(text, full_text_key.as_deref(), theme, area.width),
        area,
    );
}

/// The status line's text in `width` columns. One that does not fit is cut with "…", and says
/// which key shows it whole (`full_text_key`): half a warning must never read as the whole of it.
fn status_line(
    text: Span<'static>,
    full_text_key: Option<&str>,
    theme: Theme,
    width: u16,
) -> Line<'static> {
    let width = usize::from(width);
    if text.width() <= width {
        return Line::from(text);
    }
    let hint = full_text_key
        .map(|key| format!(" {key} full text "))
        .filter(|hint| crate::text::width(hint) + 10 <= width);
    let room = width - hint.as_deref().map_or(0, crate::text::width);
    // Cut after masking (it reads the whole text), never inside its marker.
    let mut spans = vec![Span::styled(fit_shown(&text.content, room), text.style)];
    if let Some(hint) = hint {
        spans.push(Span::styled(hint, theme.key()));
    }
    Line::from(spans)
}

fn render_footer(model: &Model, keymap: &Keymap, theme: Theme, frame: &mut Frame<'_>, area: Rect) {
    let mut spans = Vec::new();
    let entries = if model.refusal.is_some() {
        // A refused save: what can be done about it first.
        let mut entries = keymap.own_footer(Context::Conflict);
        if model.input.is_some() {
            entries.push((String::from("Esc"), String::from("cancel")));
        }
        entries
    } else if let Some(input) = &model.input {
        let (enter, escape) = match input.purpose {
            InputPurpose::Search => ("keep the search", "clear it"),
            _ => ("save", "cancel"),
        };
        if input.is_form() {
            vec![
                (String::from("Tab"), String::from("next field")),
                (String::from("⏎"), String::from("next / save")),
                (String::from("Esc"), String::from(escape)),
            ]
        } else if input.purpose.is_multiline() {
            vec![
                (String::from("⏎"), String::from("new line")),
                (String::from("Ctrl-S"), String::from("save")),
                (String::from("Esc"), String::from(escape)),
            ]
        } else {
            vec![
                (String::from("⏎"), String::from(enter)),
                (String::from("Esc"), String::from(escape)),
            ]
        }
    } else if matches!(model.popup, Some(Popup::Help { .. })) {
        vec![
            (String::from("↑↓"), String::from("scroll")),
            (String::from("Esc"), String::from("close")),
            (String::from("q"), String::from("quit")),
        ]
    } else if model.popup.is_some() {
        vec![
            (String::from("↑↓"), String::from("move")),
            (String::from("⏎"), String::from("choose")),
            (String::from("Esc"), String::from("close")),
        ]
    } else {
        keymap.footer(model.context())
    };
    // `? help` (and `q quit` on the list) always show, at the end: the rest fills the width
    // before them, most used first; what does not fit is in the help.
    let (entries, pinned) =
        if model.input.is_none() && model.popup.is_none() && model.refusal.is_none() {
            keymap.footer_split(model.context())
        } else {
            (entries, Vec::new())
        };
    let entry_width =
        |(key, help): &(String, String)| crate::text::width(key) + crate::text::width(help) + 3;
    let reserved: usize = pinned.iter().map(entry_width).sum();
    let mut width = 0usize;
    let push = |spans: &mut Vec<Span<'static>>, (key, help): (String, String)| {
        spans.push(Span::styled(format!(" {key}"), theme.key()));
        spans.push(Span::styled(format!(" {help} "), Style::new()));
    };
    for entry in entries {
        let len = entry_width(&entry);
        if width + len + reserved > usize::from(area.width) {
            break;
        }
        width += len;
        push(&mut spans, entry);
    }
    for entry in pinned {
        push(&mut spans, entry);
    }
    frame.render_widget(Line::from(spans), area);
}
