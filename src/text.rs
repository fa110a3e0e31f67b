//! The one sanitiser for text on its way to a terminal (the headless commands' output, the
//! dashboard's cells, error messages), and the one-line form of a file's words in a message.
//!
//! Imported records are written by other systems, and a name or a note can carry terminal
//! escape sequences (a title change, a clipboard write with OSC 52, a hyperlink with OSC 8, a
//! screen clear), bidi overrides that make text read in another order than it is stored, or
//! invisible characters. Every character is classed once, here, without state: control
//! characters (C0, DEL, C1 — which is what makes a sequence a sequence) are dropped, so what
//! is left of a sequence is inert, visible text (`[31m`, `]52;c;…`), the same in the command
//! line and in the dashboard (whose widgets drop control characters too); bidi controls and
//! zero-width characters are dropped; line breaks and tabs are kept or made spaces. Because the
//! classes do not depend on neighbours, text can be cleaned before its width is measured and a
//! stream can be cleaned in pieces: nothing is ever cut inside a sequence, because none is left.
//!
//! Laying clean text out in cells lives here too: its width in terminal columns ([`width`],
//! a wide character takes two, a combining mark none) and word wrapping with a hanging indent
//! ([`wrap_hanging`]), shared by the dashboard and the command line.

use std::borrow::Cow;
use std::io::{self, Write};

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// What happens to one character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Keep,
    /// A line break (`\n`, U+2028, U+2029).
    Break,
    Tab,
    /// Dropped: a control character, a bidi control, a zero-width or otherwise invisible one.
    Drop,
}

fn class(c: char) -> Class {
    match c {
        '\n' | '\u{2028}' | '\u{2029}' => Class::Break,
        '\t' => Class::Tab,
        // C0 (ESC among them), DEL and C1 (CSI, OSC, DCS, ST… as single characters).
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        // Bidi controls: marks, embeddings, overrides, isolates.
        | '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        // Zero-width and invisible characters: soft hyphen, combining grapheme joiner, Hangul
        // and Khmer fillers, Mongolian selectors, zero-width space/joiners, word joiner and
        // invisible operators, deprecated format characters, byte order mark, interlinear
        // annotation, musical format characters, tag characters.
        | '\u{ad}' | '\u{34f}' | '\u{115f}' | '\u{1160}' | '\u{17b4}' | '\u{17b5}'
        | '\u{180b}'..='\u{180f}' | '\u{200b}'..='\u{200d}' | '\u{2060}'..='\u{2064}'
        | '\u{206a}'..='\u{206f}' | '\u{3164}' | '\u{feff}' | '\u{ffa0}'
        | '\u{fff9}'..='\u{fffb}' | '\u{1d173}'..='\u{1d17a}' | '\u{e0000}'..='\u{e007f}' => {
            Class::Drop
        }
        _ => Class::Keep,
    }
}

/// Whether `c` would be changed or dropped by the sanitiser (a tab and a line break count: not
/// every place takes them).
pub fn is_unsafe(c: char) -> bool {
    class(c) != Class::Keep
}

fn clean(text: &str, multiline: bool) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match (class(c), multiline) {
            (Class::Keep, _) => out.push(c),
            (Class::Break, true) => out.push('\n'),
            (Class::Tab, true) => out.push('\t'),
            (Class::Break | Class::Tab, false) => out.push(' '),
            (Class::Drop, _) => {}
        }
    }
    Cow::Owned(out)
}

/// `text` safe to print, line breaks and tabs kept (a note, a whole document).
pub fn sanitise(text: &str) -> Cow<'_, str> {
    clean(text, true)
}

/// `text` safe to print on one line (a table cell, a name): line breaks and tabs become spaces.
/// Clean before measuring: the width of the result is the width on screen.
pub fn sanitise_line(text: &str) -> Cow<'_, str> {
    clean(text, false)
}

/// A record's words on one line, its line breaks shown as " / " ("Side effects: none /
/// Seizures continued"): a reason or a note written over several lines, shown in a row or a
/// cell, must neither break the row nor run its lines together. Safe to print, like
/// [`sanitise_line`].
pub fn flat_words(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| class(c) == Class::Break || c == '\r') {
        return sanitise_line(text);
    }
    let lines: Vec<&str> = text
        .split(|c: char| class(c) == Class::Break || c == '\r')
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    Cow::Owned(sanitise_line(&lines.join(" / ")).into_owned())
}

/// A message as one line of reasonable length: a character the sanitiser would drop (a newline,
/// a terminal escape, a bidi override) is shown escaped instead, so the message says what the
/// file held, and a message longer than a screenful keeps its start and its end (a 5 MB value
/// quoted whole would otherwise be the message).
pub fn one_line(message: &str) -> String {
    const HEAD: usize = 240;
    const TAIL: usize = 80;
    let count = message.chars().count();
    let cut = if count > HEAD + TAIL + 1 {
        HEAD..count - TAIL
    } else {
        0..0
    };
    let mut out = String::with_capacity(message.len().min(4 * (HEAD + TAIL + 1)));
    for (index, c) in message.chars().enumerate() {
        if cut.contains(&index) {
            if index == cut.start {
                out.push('…');
            }
        } else if is_unsafe(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// A writer that sanitises everything written through it (line breaks and tabs kept), for
/// human-readable output to a terminal. Text may arrive in any pieces, even a character split
/// between two writes; bytes that are not UTF-8 are shown as U+FFFD.
pub struct TerminalWriter<W: Write> {
    inner: W,
    /// The start of a character whose remaining bytes have not arrived yet (at most 3 bytes).
    pending: Vec<u8>,
}

impl<W: Write> TerminalWriter<W> {
    pub fn new(inner: W) -> Self {
        TerminalWriter {
            inner,
            pending: Vec::new(),
        }
    }

    fn write_clean(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        loop {
            match std::str::from_utf8(bytes) {
                Ok(text) => return self.inner.write_all(sanitise(text).as_bytes()),
                Err(err) => {
                    let (valid, rest) = bytes.split_at(err.valid_up_to());
                    // The prefix is valid UTF-8 by the error's own account.
                    let text = String::from_utf8_lossy(valid);
                    self.inner.write_all(sanitise(&text).as_bytes())?;
                    let Some(bad) = err.error_len() else {
                        self.pending.extend_from_slice(rest);
                        return Ok(());
                    };
                    self.inner.write_all("\u{fffd}".as_bytes())?;
                    bytes = &rest[bad..];
                }
            }
        }
    }

    pub fn get_ref(&self) -> &W {
        &self.inner
    }
}

impl<W: Write> Write for TerminalWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.pending.is_empty() {
            self.write_clean(buf)?;
        } else {
            let mut joined = std::mem::take(&mut self.pending);
            joined.extend_from_slice(buf);
            self.write_clean(&joined)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The width of clean `text` in terminal columns: what a cell layout must count, where
/// `chars().count()` is wrong for wide (CJK) characters and combining marks.
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// The longest start of `text` at most `columns` wide.
pub fn take_width(text: &str, columns: usize) -> &str {
    let mut used = 0;
    for (index, c) in text.char_indices() {
        used += UnicodeWidthChar::width(c).unwrap_or(0);
        if used > columns {
            return &text[..index];
        }
    }
    text
}

/// Word-wraps `text` to `columns`; continuation lines line up under the text after the leading
/// spaces and a bullet ("  · "), so a long item still reads as one item. The text is cleaned
/// first, so the width counted is the width shown. Lines are at least the indent plus ten
/// columns wide (a narrower box would leave no room for words); a word longer than a line is
/// kept whole on its own line.
pub fn wrap_hanging(text: &str, columns: usize) -> Vec<String> {
    let text = sanitise_line(text);
    let text = text.as_ref();
    let lead = text.len() - text.trim_start().len();
    let bullet = usize::from(text.trim_start().starts_with("· "));
    let indent = lead + bullet * 2;
    let columns = columns.max(indent + 10);
    let mut lines = Vec::new();
    let mut current = String::from(&text[..lead]);
    let mut current_width = lead;
    let mut first_word = true;
    for word in text[lead..].split(' ').filter(|w| !w.is_empty()) {
        let word_width = width(word);
        if !first_word && current_width + 1 + word_width > columns {
            lines.push(std::mem::take(&mut current));
            current = " ".repeat(indent);
            current_width = indent;
            first_word = true;
        }
        if !first_word {
            current.push(' ');
            current_width += 1;
        }
        current.push_str(word);
        current_width += word_width;
        first_word = false;
    }
    lines.push(current);
    lines
}

/// 1,000,000.
pub fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, c) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_records_line_breaks_are_shown_on_one_line() {
        assert_eq!(
            flat_words("Side effects: none\nSeizures continued"),
            "Side effects: none / Seizures continued"
        );
        assert_eq!(flat_words("a\r\n\r\nb\u{2028}c\t\u{1b}d"), "a / b / c d");
        assert_eq!(flat_words("one line"), "one line");
    }

    #[test]
    fn control_characters_are_escaped_and_long_messages_cut_in_the_middle() {
        assert_eq!(one_line("a\nb\u{1b}[2J"), "a\\nb\\u{1b}[2J");
        assert_eq!(one_line("x\u{202e}y\u{200b}"), "x\\u{202e}y\\u{200b}");
        assert_eq!(one_line("short"), "short");
        let long = format!("{}{}", "x".repeat(1000), "END");
        let shown = one_line(&long);
        assert!(shown.chars().count() <= 322, "{}", shown.len());
        assert!(shown.contains('…') && shown.ends_with("END"));
    }

    #[test]
    fn sequences_lose_what_makes_them_sequences() {
        let hostile = "A\u{1b}]0;title\u{7}B\u{1b}]52;c;SGk=\u{1b}\\C\u{1b}]8;;http://x\u{1b}\\D\
                       \u{1b}[2J\u{1b}P1$r\u{1b}\\\u{9b}31mE\u{9d}0;t\u{9c}";
        let clean = sanitise_line(hostile);
        assert!(!clean.chars().any(char::is_control), "{clean:?}");
        assert_eq!(
            clean,
            "A]0;titleB]52;c;SGk=\\C]8;;http://x\\D[2JP1$r\\31mE0;t"
        );
    }

    #[test]
    fn bidi_and_invisible_characters_are_dropped_and_breaks_kept_or_spaced() {
        let text = "Ann\u{202e}abc\u{202c} \u{2066}x\u{2069}\u{200b}\u{200d}\u{feff}\u{e0041}y";
        assert_eq!(sanitise(text), "Annabc xy");
        assert_eq!(sanitise("a\r\nb\tc\u{2028}d"), "a\nb\tc\nd");
        assert_eq!(sanitise_line("a\r\nb\tc"), "a b c");
        assert!(matches!(
            sanitise("plain, accentué 漢字 🙂"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn the_writer_cleans_pieces_even_a_character_split_between_writes() {
        let mut writer = TerminalWriter::new(Vec::new());
        let text = "é\u{1b}[31mrouge\u{202e}\n".as_bytes();
        for piece in text.chunks(1) {
            writer.write_all(piece).unwrap();
        }
        writer.write_all(b"\xff!").unwrap();
        assert_eq!(
            String::from_utf8(writer.get_ref().clone()).unwrap(),
            "é[31mrouge\n\u{fffd}!"
        );
    }

    #[test]
    fn width_counts_terminal_columns() {
        assert_eq!(width("abc"), 3);
        assert_eq!(width("▲ refractory"), 12);
        // Wide characters take two columns; a combining mark takes none.
        assert_eq!(width("日本"), 4);
        assert_eq!(width("e\u{301}"), 1);
        assert_eq!(take_width("日本語", 5), "日本");
        assert_eq!(take_width("abc", 5), "abc");
    }

    #[test]
    fn wrap_hanging_lines_continuations_up_under_the_text() {
        let lines = wrap_hanging("  · one two three four five six seven", 16);
        assert_eq!(
            lines,
            ["  · one two", "    three four", "    five six", "    seven"]
        );
        for line in &lines {
            assert!(width(line) <= 16, "{line:?}");
        }
        // Without a bullet the continuation lines up under the leading spaces.
        assert_eq!(
            wrap_hanging("ab cd ef gh ij kl", 10),
            ["ab cd ef", "gh ij kl"]
        );
        // Wide characters are measured as they are shown.
        assert_eq!(
            wrap_hanging("日本 日本 日本 日本", 10),
            ["日本 日本", "日本 日本"]
        );
        // A word longer than the line is kept whole; an empty text is one empty line.
        assert_eq!(
            wrap_hanging("a abcdefghijklmno b", 10),
            ["a", "abcdefghijklmno", "b"]
        );
        assert_eq!(wrap_hanging("", 10), [""]);
        // Escape sequences are cleaned before measuring.
        assert_eq!(wrap_hanging("a\u{1b}[2Jb", 10), ["a[2Jb"]);
    }
}
