//! Text being typed: a field with a cursor that moves and edits where it stands (arrows,
//! Home/End, word moves and deletes, paste), kept in ratatui-textarea's editor, the ratatui
//! project's own. One line for a search, a reason or a form field; several for notes.
//!
//! The keys are mapped here rather than by the editor's own shortcuts, because several of
//! those belong to the dashboard (Ctrl-C quits, Ctrl-S saves, Enter saves a one-line field,
//! Tab moves between a form's fields) and a one-line field must never take a line break.

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Style;
use ratatui_textarea::{CursorMove, TextArea, WrapMode};

/// A bound on what one field may hold: a stuck key or a runaway paste stops here. A referral
/// letter or a discharge summary pasted into a note runs to some 20,000 characters; 100,000
/// holds five of them while keeping the editor quick and a runaway paste small. Whatever is
/// cut at this bound is said on the status line, never dropped silently.
pub const MAX_TYPED: usize = 100_000;

/// Text being typed, with its cursor.
#[derive(Clone)]
pub struct TextField {
    editor: TextArea<'static>,
    multiline: bool,
}

impl TextField {
    /// A one-line field holding `text`, the cursor at its end.
    pub fn line(text: String) -> Self {
        let text = if text.contains(['\n', '\r']) {
            one_line(&text)
        } else {
            text
        };
        Self::new(vec![text], false)
    }

    /// A field of several lines holding `text`, the cursor at its end.
    pub fn lines(text: &str) -> Self {
        Self::new(text.split('\n').map(str::to_owned).collect(), true)
    }

    fn new(lines: Vec<String>, multiline: bool) -> Self {
        let mut editor = TextArea::new(lines);
        editor.move_cursor(CursorMove::Bottom);
        editor.move_cursor(CursorMove::End);
        // The editor underlines the cursor's line by default; the cursor is enough.
        editor.set_cursor_line_style(Style::default());
        if multiline {
            editor.set_wrap_mode(WrapMode::WordOrGlyph);
        }
        TextField { editor, multiline }
    }

    pub fn is_multiline(&self) -> bool {
        self.multiline
    }

    /// The text, lines joined by `\n`.
    pub fn text(&self) -> String {
        self.editor.lines().join("\n")
    }

    pub fn is_empty(&self) -> bool {
        self.editor.lines().iter().all(String::is_empty)
    }

    /// Characters held, line breaks counted.
    pub fn len(&self) -> usize {
        let lines = self.editor.lines();
        lines.iter().map(|l| l.chars().count()).sum::<usize>() + lines.len().saturating_sub(1)
    }

    /// The cursor: its line, and its place in that line counted in characters.
    pub fn cursor(&self) -> (usize, usize) {
        let cursor = self.editor.cursor();
        (cursor.0, cursor.1)
    }

    /// The editor, for drawing a field of several lines.
    pub fn editor(&self) -> &TextArea<'static> {
        &self.editor
    }

    /// Replaces the whole text, the cursor at its end (a choice picked into a field).
    pub fn set_text(&mut self, text: &str) {
        *self = if self.multiline {
            Self::lines(text)
        } else {
            Self::line(text.to_owned())
        };
    }

    /// Whether the field holds [`MAX_TYPED`] characters: another is not taken.
    pub fn is_full(&self) -> bool {
        self.len() >= MAX_TYPED
    }

    /// A line break where the cursor is (a field of several lines only); `false` when the
    /// field is full and it was not taken.
    pub fn newline(&mut self) -> bool {
        if !self.multiline {
            return true;
        }
        if self.is_full() {
            return false;
        }
        self.editor.insert_newline();
        true
    }

    /// Pasted text at the cursor; returns how many characters did not fit ([`MAX_TYPED`]).
    /// Terminals send a paste's line breaks as CR (xterm, VTE, iTerm2, Windows Terminal, tmux),
    /// some as CRLF: each is a line break in a field of several lines and a space in a one-line
    /// field, so no bare CR is ever kept.
    pub fn paste(&mut self, text: &str) -> usize {
        let room = MAX_TYPED.saturating_sub(self.len());
        let text = line_feeds(text);
        let total = text.chars().count();
        let text: String = text.chars().take(room).collect();
        let text = if self.multiline {
            text
        } else {
            one_line(&text)
        };
        self.editor.insert_str(text);
        total.saturating_sub(room)
    }

    /// An editing key: whether the field used it. Enter, Esc, Tab and the dashboard's own
    /// Ctrl keys are left to the caller.
    pub fn key(&mut self, key: KeyEvent) -> bool {
        let control = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        let full = self.is_full();
        let editor = &mut self.editor;
        match key.code {
            KeyCode::Char(c) if !control && !alt => {
                if !full {
                    editor.insert_char(c);
                }
            }
            KeyCode::Backspace if control || alt => {
                editor.delete_word();
            }
            KeyCode::Char('w') if control => {
                editor.delete_word();
            }
            KeyCode::Backspace | KeyCode::Char('h')
                if key.code == KeyCode::Backspace || control =>
            {
                editor.delete_char();
            }
            KeyCode::Delete if control => {
                editor.delete_next_word();
            }
            KeyCode::Char('d') if alt => {
                editor.delete_next_word();
            }
            KeyCode::Delete | KeyCode::Char('d') if key.code == KeyCode::Delete || control => {
                editor.delete_next_char();
            }
            KeyCode::Char('u') if control => {
                editor.delete_line_by_head();
            }
            KeyCode::Char('k') if control => {
                editor.delete_line_by_end();
            }
            KeyCode::Left if control || alt => editor.move_cursor(CursorMove::WordBack),
            KeyCode::Char('b') if alt => editor.move_cursor(CursorMove::WordBack),
            KeyCode::Right if control || alt => editor.move_cursor(CursorMove::WordForward),
            KeyCode::Char('f') if alt => editor.move_cursor(CursorMove::WordForward),
            KeyCode::Left => editor.move_cursor(CursorMove::Back),
            KeyCode::Char('b') if control => editor.move_cursor(CursorMove::Back),
            KeyCode::Right => editor.move_cursor(CursorMove::Forward),
            KeyCode::Char('f') if control => editor.move_cursor(CursorMove::Forward),
            KeyCode::Home => editor.move_cursor(CursorMove::Head),
            KeyCode::Char('a') if control => editor.move_cursor(CursorMove::Head),
            KeyCode::End => editor.move_cursor(CursorMove::End),
            KeyCode::Char('e') if control => editor.move_cursor(CursorMove::End),
            KeyCode::Up if self.multiline => editor.move_cursor(CursorMove::Up),
            KeyCode::Down if self.multiline => editor.move_cursor(CursorMove::Down),
            _ => return false,
        }
        true
    }
}

/// One labelled field of a form.
#[derive(Debug, Clone, PartialEq)]
pub struct FormField {
    pub label: &'static str,
    /// What the field takes, shown beside it.
    pub hint: &'static str,
    pub field: TextField,
    /// Why the last save did not take what the field holds, shown at the field; what was
    /// typed stays to be corrected.
    pub error: Option<String>,
    /// Values that ↑ and ↓ pick into the field (a task's owner, from the attendees).
    pub choices: Vec<String>,
}

impl FormField {
    pub fn new(label: &'static str, hint: &'static str) -> Self {
        FormField {
            label,
            hint,
            field: TextField::line(String::new()),
            error: None,
            choices: Vec::new(),
        }
    }

    /// The field's text, trimmed.
    pub fn value(&self) -> String {
        self.field.text().trim().to_owned()
    }

    /// The next (`forward`) or previous choice into the field: from what it holds, or from
    /// the first or last when it holds none of them.
    pub fn pick(&mut self, forward: bool) {
        if self.choices.is_empty() {
            return;
        }
        let count = self.choices.len();
        let now = self.field.text();
        let next = match self.choices.iter().position(|c| *c == now) {
            Some(at) if forward => (at + 1) % count,
            Some(at) => (at + count - 1) % count,
            None if forward => 0,
            None => count - 1,
        };
        if let Some(choice) = self.choices.get(next) {
            self.field.set_text(choice);
            self.error = None;
        }
    }
}

/// Every line break as a line feed: CRLF and a lone CR alike.
fn line_feeds(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// Line breaks as spaces: what a one-line field holds of a pasted paragraph.
fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

impl PartialEq for TextField {
    fn eq(&self, other: &Self) -> bool {
        self.multiline == other.multiline
            && self.cursor() == other.cursor()
            && self.editor.lines() == other.editor.lines()
    }
}

impl fmt::Debug for TextField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TextField")
            .field("text", &self.text())
            .field("cursor", &self.cursor())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(field: &mut TextField, code: KeyCode, modifiers: KeyModifiers) {
        field.key(KeyEvent::new(code, modifiers));
    }

    fn type_text(field: &mut TextField, text: &str) {
        for c in text.chars() {
            press(field, KeyCode::Char(c), KeyModifiers::NONE);
        }
    }

    #[test]
    fn typing_lands_where_the_cursor_stands() {
        let mut field = TextField::line("Book MRI".into());
        for _ in 0..3 {
            press(&mut field, KeyCode::Left, KeyModifiers::NONE);
        }
        type_text(&mut field, "3T ");
        assert_eq!(field.text(), "Book 3T MRI");
        press(&mut field, KeyCode::Home, KeyModifiers::NONE);
        type_text(&mut field, "» ");
        press(&mut field, KeyCode::End, KeyModifiers::NONE);
        type_text(&mut field, " now");
        assert_eq!(field.text(), "» Book 3T MRI now");
    }

    #[test]
    fn words_are_deleted_behind_and_ahead_of_the_cursor() {
        let mut field = TextField::line("refer to epilepsy surgery".into());
        press(&mut field, KeyCode::Char('w'), KeyModifiers::CONTROL);
        assert_eq!(field.text(), "refer to epilepsy ");
        press(&mut field, KeyCode::Home, KeyModifiers::NONE);
        press(&mut field, KeyCode::Char('d'), KeyModifiers::ALT);
        assert_eq!(field.text(), " to epilepsy ");
        press(&mut field, KeyCode::Char('k'), KeyModifiers::CONTROL);
        assert!(field.is_empty());
    }

    #[test]
    fn a_one_line_field_takes_no_line_break() {
        let mut field = TextField::line("a".into());
        field.newline();
        field.paste("b\nc\r\nd");
        assert_eq!(field.text(), "ab c d");
        let mut notes = TextField::lines("first");
        notes.newline();
        notes.paste("second\nthird");
        assert_eq!(notes.text(), "first\nsecond\nthird");
        assert_eq!(notes.cursor(), (2, 5));
    }

    #[test]
    fn a_paste_with_cr_line_ends_keeps_its_lines() {
        let mut notes = TextField::lines("");
        notes.paste("one\rtwo\r\nthree\r");
        assert_eq!(notes.text(), "one\ntwo\nthree\n");
        let mut reason = TextField::line(String::new());
        reason.paste("one\rtwo\r\nthree");
        assert_eq!(reason.text(), "one two three");
    }

    #[test]
    fn the_dashboards_own_keys_are_left_to_it() {
        let mut field = TextField::line("x".into());
        for (code, modifiers) in [
            (KeyCode::Enter, KeyModifiers::NONE),
            (KeyCode::Esc, KeyModifiers::NONE),
            (KeyCode::Tab, KeyModifiers::NONE),
            (KeyCode::Char('c'), KeyModifiers::CONTROL),
            (KeyCode::Char('s'), KeyModifiers::CONTROL),
            (KeyCode::Up, KeyModifiers::NONE),
        ] {
            assert!(!field.key(KeyEvent::new(code, modifiers)), "{code:?}");
        }
        assert_eq!(field.text(), "x");
    }

    #[test]
    fn a_field_holds_at_most_its_bound() {
        let mut field = TextField::line(String::new());
        assert_eq!(field.paste(&"a".repeat(MAX_TYPED + 10)), 10);
        assert!(field.is_full());
        type_text(&mut field, "b");
        assert_eq!(field.text().chars().count(), MAX_TYPED);
    }
}
