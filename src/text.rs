//! Text a file put into a message shown to a user: always one line, of a length a terminal can
//! show, whatever the file contained.

/// A message as one line of reasonable length: a control character (a newline, a terminal
/// escape sequence) is shown escaped instead of being printed, and a message longer than a
/// screenful keeps its start and its end (a 5 MB value quoted whole would otherwise be the
/// message).
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
        } else if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn control_characters_are_escaped_and_long_messages_cut_in_the_middle() {
        assert_eq!(one_line("a\nb\u{1b}[2J"), "a\\nb\\u{1b}[2J");
        assert_eq!(one_line("short"), "short");
        let long = format!("{}{}", "x".repeat(1000), "END");
        let shown = one_line(&long);
        assert!(shown.chars().count() <= 322, "{}", shown.len());
        assert!(shown.contains('…') && shown.ends_with("END"));
    }
}
