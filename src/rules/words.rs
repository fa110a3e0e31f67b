//! Matching names in free text on word boundaries ("EEG" in "Video-EEG monitoring", not in
//! "Electroencephalogram"): how rules find observations, stop reasons and options by name.

/// Case-insensitive containment of `needle` in `text` on word boundaries. Compares ASCII
/// letters without allocating (it runs for every observation a selector looks at); other text
/// is lower-cased first.
pub fn contains_words(text: &str, needle: &str) -> bool {
    if needle.is_empty() || needle.len() > text.len() {
        return false;
    }
    if !text.is_ascii() || !needle.is_ascii() {
        return contains_words_unicode(&text.to_lowercase(), &needle.to_lowercase());
    }
    let haystack = text.as_bytes();
    let needle = needle.as_bytes();
    let first = needle[0].to_ascii_lowercase();
    let last = haystack.len() - needle.len();
    (0..=last).any(|start| {
        haystack[start].to_ascii_lowercase() == first
            && haystack[start..start + needle.len()].eq_ignore_ascii_case(needle)
            && (start == 0 || !haystack[start - 1].is_ascii_alphanumeric())
            && haystack
                .get(start + needle.len())
                .is_none_or(|after| !after.is_ascii_alphanumeric())
    })
}

fn contains_words_unicode(text: &str, needle: &str) -> bool {
    let mut from = 0;
    while let Some(offset) = text[from..].find(needle) {
        let start = from + offset;
        let end = start + needle.len();
        let before = text[..start].chars().next_back();
        let after = text[end..].chars().next();
        if !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric) {
            return true;
        }
        from = start + text[start..].chars().next().map_or(1, char::len_utf8);
        if from >= text.len() {
            break;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::contains_words;

    #[test]
    fn words_match_case_insensitively_on_boundaries() {
        assert!(contains_words("Video-EEG monitoring", "eeg"));
        assert!(contains_words("PHQ-9 total score", "PHQ-9"));
        assert!(!contains_words("Electroencephalogram", "eeg"));
        assert!(contains_words("Épilepsie réfractaire", "épilepsie"));
        assert!(!contains_words("short", "much longer needle"));
    }
}
