//! Small pieces every screen draws with: text cut to a width with "…", typed text masked,
//! text wrapped under its own start, and the marks that say a pane's text goes on beyond it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

use super::super::theme::Theme;

/// `text` in at most `width` columns: cut with "…" when it does not fit, so that a cut value
/// (an MRN, a regimen) never looks complete.
pub fn fit(text: &str, width: usize) -> String {
    if Span::raw(text).width() <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = Span::raw(c.to_string()).width();
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// [`fit`] for text masking may have cut names out of: a marker the cut would split is left
/// out whole, as [`Shown::cut_to`] leaves it ("(mas…" reads as a typo, not as a cut name).
///
/// [`Shown::cut_to`]: crate::domain::history::Shown::cut_to
pub fn fit_shown(text: &str, width: usize) -> String {
    use crate::domain::history::MASKED;
    let cut = fit(text, width);
    let Some(kept) = cut.strip_suffix('…').filter(|kept| text.starts_with(kept)) else {
        return cut;
    };
    let end = kept.len();
    match text
        .match_indices(MASKED)
        .map(|(at, _)| at)
        .find(|&at| at < end && end < at + MASKED.len())
    {
        Some(at) => format!("{}…", &text[..at]),
        None => cut,
    }
}

/// Typed text as it shows on a masked screen: a dot for each character.
pub fn masked_text(text: &str) -> String {
    "•".repeat(text.chars().count())
}

/// Marks a pane's border where its text goes on beyond it: "↓ more" at the bottom while rows
/// are hidden below, "↑ more" at the top once some are hidden above; `total` rows of text,
/// `shown` fit, the first `scroll` skipped. `scrolls` names the keys where j/k scroll the
/// pane; where nothing scrolls it (the shared display), the mark says only that there is more.
pub fn scroll_marks(
    block: Block<'_>,
    total: usize,
    shown: usize,
    scroll: usize,
    scrolls: bool,
    theme: Theme,
) -> Block<'_> {
    let mut block = block;
    let mark = |text: &str, key: &str| {
        let text = if scrolls {
            format!(" {text} ({key}) ")
        } else {
            format!(" {text} ")
        };
        Line::from(Span::styled(text, theme.muted())).right_aligned()
    };
    if scroll + shown < total {
        block = block.title_bottom(mark("↓ more", "j"));
    }
    if scroll > 0 {
        block = block.title(mark("↑ more", "k"));
    }
    block
}

/// [`scroll_marks`] for a pane whose border is already drawn: the marks are written over its
/// top and bottom border rows (`outer` is the pane with its border).
pub fn mark_border(frame: &mut Frame<'_>, outer: Rect, total: usize, scroll: usize, theme: Theme) {
    if outer.height < 3 || outer.width < 16 {
        return;
    }
    let shown = usize::from(outer.height - 2);
    let row = |y: u16| Rect {
        x: outer.x + 1,
        y,
        width: outer.width - 2,
        height: 1,
    };
    let mark = |text: &'static str| Line::from(Span::styled(text, theme.muted())).right_aligned();
    if scroll + shown < total {
        frame.render_widget(mark(" ↓ more (j) "), row(outer.y + outer.height - 1));
    }
    if scroll > 0 {
        frame.render_widget(mark(" ↑ more (k) "), row(outer.y));
    }
}

/// The part of `area` a borderless scrolled list draws in: where rows of its text lie below
/// (`total` rows, the first `scroll` skipped) or above (scrolled), the last row is kept for a
/// "↓ more (j)" or "↑ more (k)" mark, drawn here, and the list gets the rows above it.
pub fn mark_more_below(
    frame: &mut Frame<'_>,
    area: Rect,
    total: usize,
    scroll: usize,
    theme: Theme,
) -> Rect {
    let above = scroll > 0;
    let below = total.saturating_sub(scroll) > usize::from(area.height);
    if !(above || below) || area.height < 2 {
        return area;
    }
    let [list, mark] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
    let text = match (above, below) {
        (true, true) => " ↑ more (k) · ↓ more (j) ",
        (true, false) => " ↑ more (k) ",
        _ => " ↓ more (j) ",
    };
    frame.render_widget(
        Line::from(Span::styled(text, theme.muted())).right_aligned(),
        mark,
    );
    list
}

/// Rows `lines` take when wrapped to `width` (a word wrap may take one more now and then).
pub fn wrapped_rows(lines: &[Line<'_>], width: u16) -> usize {
    let width = usize::from(width.max(1));
    lines
        .iter()
        .map(|line| line.width().div_ceil(width).max(1))
        .sum()
}

/// Word-wraps `text` to `width` columns with a hanging indent ([`crate::text::wrap_hanging`]),
/// one styled line each.
pub fn wrap_hanging(text: &str, width: usize, style: Style) -> Vec<Line<'static>> {
    crate::text::wrap_hanging(text, width)
        .into_iter()
        .map(|line| Line::from(Span::styled(line, style)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_never_splits_a_masked_marker() {
        let text = "saved: told (masked) about the trial";
        assert_eq!(fit_shown(text, 16), "saved: told …");
        assert_eq!(fit_shown(text, 22), "saved: told (masked) …");
        assert_eq!(fit_shown(text, 60), text);
        assert_eq!(fit_shown("saving…", 7), "saving…");
    }
}
