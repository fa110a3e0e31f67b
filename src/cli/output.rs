//! Small text-formatting helpers shared by the headless commands' human-readable output.

use chrono::NaiveDate;

use crate::domain::AssessmentStatus;

/// "▲ refractory", or "– not assessed".
pub fn status_text(status: Option<AssessmentStatus>) -> String {
    match status {
        Some(status) => format!("{} {}", status.symbol(), status.word()),
        None => String::from("– not assessed"),
    }
}

/// `text` cut or padded to exactly `width` characters (an ellipsis marks a cut), sanitised
/// first: what is measured is what is printed.
pub fn fit(text: &str, width: usize) -> String {
    let text = crate::text::sanitise_line(text);
    let text = text.as_ref();
    let count = text.chars().count();
    if count <= width {
        let mut out = String::from(text);
        out.extend(std::iter::repeat_n(' ', width - count));
        out
    } else {
        let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

pub fn date_text(date: Option<NaiveDate>) -> String {
    date.map_or_else(|| String::from("–"), |d| d.format("%Y-%m-%d").to_string())
}

/// Today, read once by the command (the library itself never reads the clock).
pub fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn fit_measures_and_cuts_the_sanitised_text() {
        // What is left of a sequence is plain text and counts; the invisible counts nothing.
        assert_eq!(fit("a\u{1b}[2Jb\u{200b}\u{202e}", 6), "a[2Jb ");
        assert_eq!(fit("\u{1b}]0;title\u{7}name", 4), "]0;…");
        assert!(!fit("\u{1b}]0;title\u{7}name", 4).contains('\u{1b}'));
    }
}
