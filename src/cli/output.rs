//! Small text-formatting helpers shared by the headless commands' human-readable output.

use chrono::NaiveDate;

use crate::domain::AssessmentStatus;

/// A path as a message on stderr shows it: one line, nothing a terminal would act on (a file
/// name can hold escape sequences). Errors pass the sanitiser in `main`; messages printed
/// along the way go through this.
pub fn path_text(path: &std::path::Path) -> String {
    crate::text::sanitise_line(&path.display().to_string()).into_owned()
}

/// "▲ refractory", or "– not assessed".
pub fn status_text(status: Option<AssessmentStatus>) -> String {
    match status {
        Some(status) => format!("{} {}", status.symbol(), status.word()),
        None => String::from("– not assessed"),
    }
}

/// `text` cut or padded to exactly `width` terminal columns (an ellipsis marks a cut),
/// sanitised first: what is measured is what is printed, and a wide character counts the two
/// columns it takes.
pub fn fit(text: &str, width: usize) -> String {
    let text = crate::text::sanitise_line(text);
    let text = text.as_ref();
    let used = crate::text::width(text);
    if used <= width {
        let mut out = String::from(text);
        out.extend(std::iter::repeat_n(' ', width - used));
        out
    } else {
        let mut out = String::from(crate::text::take_width(text, width.saturating_sub(1)));
        let pad = width.saturating_sub(1) - crate::text::width(&out);
        out.extend(std::iter::repeat_n(' ', pad));
        out.push('…');
        out
    }
}

/// `text` whole, padded to `width` terminal columns: for a column whose values must never be
/// cut (an MRN a script or a clinician copies), `width` being the longest such value, so the
/// columns after it line up; one wider than `width` (wide characters) is still printed whole.
pub fn whole(text: &str, width: usize) -> String {
    let text = crate::text::sanitise_line(text);
    let mut out = String::from(text.as_ref());
    let used = crate::text::width(&out);
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}

/// The width of a text table's MRN column: its heading's 11 columns, or the longest MRN in
/// the file (R10-7: a cut MRN is a wrong or an ambiguous one).
pub fn mrn_width(store: &crate::store::Store) -> Result<usize, crate::store::StoreError> {
    Ok(store.longest_mrn()?.max(11))
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

    #[test]
    fn fit_counts_columns_not_characters() {
        // Two wide characters fill four columns; a cut never splits one.
        assert_eq!(fit("日本", 5), "日本 ");
        assert_eq!(fit("日本語です", 6), "日本 …");
        assert_eq!(crate::text::width(&fit("日本語です", 6)), 6);
    }
}
