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

/// `text` in lower case with its Latin letters' accents taken off ("Pression artérielle" and
/// "PRESSÃO" read as "pression arterielle" and "pressao"; "ß" as "ss"), accents composed or
/// written as combining marks alike: European records name a test with and without accents,
/// and a list of words is written once, without them.
pub fn fold_accents(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        let plain = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
            'ç' | 'ć' | 'č' => 'c',
            'ď' | 'đ' => 'd',
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => 'e',
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' => 'i',
            'ł' | 'ľ' => 'l',
            'ñ' | 'ń' | 'ň' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => 'o',
            'ř' => 'r',
            'ś' | 'š' | 'ş' => 's',
            'ť' | 'ţ' => 't',
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => 'u',
            'ý' | 'ÿ' => 'y',
            'ź' | 'ż' | 'ž' => 'z',
            'ß' => {
                out.push_str("ss");
                continue;
            }
            'æ' => {
                out.push_str("ae");
                continue;
            }
            'œ' => {
                out.push_str("oe");
                continue;
            }
            // Combining diacritical marks (a decomposed "é" is "e" and U+0301).
            '\u{300}'..='\u{36f}' => continue,
            other => other,
        };
        out.push(plain);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{contains_words, fold_accents};

    #[test]
    fn words_match_case_insensitively_on_boundaries() {
        assert!(contains_words("Video-EEG monitoring", "eeg"));
        assert!(contains_words("PHQ-9 total score", "PHQ-9"));
        assert!(!contains_words("Electroencephalogram", "eeg"));
        assert!(contains_words("Épilepsie réfractaire", "épilepsie"));
        assert!(!contains_words("short", "much longer needle"));
    }

    #[test]
    fn accents_and_case_are_folded_composed_or_combining() {
        assert_eq!(fold_accents("Presión ARTERIAL"), "presion arterial");
        assert_eq!(fold_accents("arte\u{301}rielle"), "arterielle");
        assert_eq!(fold_accents("Knöchel Größe"), "knochel grosse");
    }
}
