//! Which observations a criterion reads and what they say: a rule set's selector (codes, names,
//! scales, never one item of a scale for its total) and a test named in words.

use crate::domain::Observation;

use super::model::ObservationSelector;

/// Whether an observation is selected by code or by a word in its display: the selector's
/// own codes and names, or one of its scales'.
pub fn selects(selector: &ObservationSelector, observation: &Observation) -> bool {
    selects_own(selector, observation) || scale_of(selector, observation).is_some()
}

/// Which of the selector's scales an observation is (its place in `selector.scale`).
pub fn scale_of(selector: &ObservationSelector, observation: &Observation) -> Option<usize> {
    // By code first: a coded total is that scale whatever its words.
    selector
        .scale
        .iter()
        .position(|scale| scale.codes.contains(&observation.code))
        .or_else(|| {
            selector.scale.iter().position(|scale| {
                named(
                    &observation.display,
                    &scale.names,
                    [&scale.not_names, &selector.not_names],
                    [&scale.short_forms, &selector.short_forms],
                )
            })
        })
}

fn selects_own(selector: &ObservationSelector, observation: &Observation) -> bool {
    selector.codes.contains(&observation.code)
        || named(
            &observation.display,
            &selector.names,
            [&selector.not_names, &[]],
            [&selector.short_forms, &[]],
        )
}

/// Whether `text` carries one of `names` and is not a part of the test (see [`names_a_part`]).
fn named(
    text: &str,
    names: &[String],
    not_names: [&[String]; 2],
    short_forms: [&[String]; 2],
) -> bool {
    names.iter().any(|name| names_test(text, name)) && !names_a_part(text, not_names, short_forms)
}

/// Whether a test named `text` is a part of a scale rather than its total.
///
/// - A short form (`short_forms`: HAM-D-6, PANSS-6, "short form") is another test, even
///   called a total ("HAM-D-6 total").
/// - A part word (`part_words`: a subscale, an item by number or by its words, a question)
///   makes a part, except where a name that says it is a total describes what the total adds
///   up: a total says so by a word of totality (total, sum, summed, overall, all items, full
///   scale; see [`says_total`]); what it adds up is written in
///   brackets ("PHQ-9 total score (Q1–Q9)", "PANSS total (positive, negative and general
///   psychopathology)"), after a colon ("PANSS total: P + N + G"), or as a range of numbered
///   items or questions ("sum of items 1-10", "Q1 to Q9"). A part word anywhere else keeps
///   the name a part even beside a word of totality: "PANSS positive subscale total", "PANSS
///   positive scale total", "PHQ-9 item 9 total", "HAMD insomnia total" each name one part's
///   score. A range of a subscale's own items ("PANSS P1–P7 total") is that subscale.
/// - What the brackets or the colon describe is a list of what the total adds up only when it
///   lists: one part named there alone ("HAM-D total (item 3: suicide)", "PHQ-9 total score
///   (Q9)", "MADRS total (reported sadness)", "HDRS total: melancholia subscale") says which
///   part the score is, whatever word of totality stands before it (see [`names_one_part`]).
fn names_a_part(text: &str, part_words: [&[String]; 2], short_forms: [&[String]; 2]) -> bool {
    if short_forms
        .iter()
        .flat_map(|words| words.iter())
        .any(|word| names_part(text, word))
    {
        return true;
    }
    let outside = outside_brackets(text);
    let (head, after_colon) = match outside.split_once(':') {
        Some((before, after)) if says_total(before) => (before.to_owned(), Some(after.to_owned())),
        _ => (outside, None),
    };
    if !says_total(&head) {
        return any_part_word(text, part_words);
    }
    any_part_word(&without_item_ranges(&head), part_words)
        || inside_brackets(text)
            .iter()
            .chain(&after_colon)
            .any(|described| names_one_part(described, part_words))
}

/// An item or question by its number, in any scale, whatever the rule file's part words.
const NUMBERED_ITEMS: [&str; 3] = ["item #", "question #", "Q#"];

/// Whether `text` holds one of the part words.
fn any_part_word(text: &str, part_words: [&[String]; 2]) -> bool {
    part_words
        .iter()
        .flat_map(|words| words.iter())
        .any(|word| names_part(text, word))
}

/// Whether what a total's name describes (in brackets, after a colon) is one part of the
/// scale rather than the list of what the total adds up. Ranges of items ("Q1–Q9") are a
/// list. A description of one piece (no comma, semicolon, "+", "&", "/", "and" or "plus") that
/// holds a part word names that part ("item 3: suicide", "suicide item", "melancholia
/// subscale"). Of several pieces, one numbered item or question with no number in the others
/// is that item with its words ("item 9, self-harm"); several pieces with no numbered item, or
/// with numbers in more than one, list what the total adds up ("positive, negative and general
/// psychopathology", "depressed mood, guilt, suicide", "P1-P7, N1-N7, G1-G16").
fn names_one_part(described: &str, part_words: [&[String]; 2]) -> bool {
    let described = without_item_ranges(described);
    if !any_part_word(&described, part_words) {
        return false;
    }
    let pieces = list_pieces(&described);
    if pieces.len() <= 1 {
        return true;
    }
    let (numbered, others): (Vec<&String>, Vec<&String>) = pieces.iter().partition(|piece| {
        NUMBERED_ITEMS.iter().any(|word| names_part(piece, word))
            || part_words
                .iter()
                .flat_map(|words| words.iter())
                .filter(|word| word.ends_with('#'))
                .any(|word| names_part(piece, word))
    });
    // The other pieces are the item's words: a number among them is another item listed.
    numbered.len() == 1
        && others
            .iter()
            .all(|piece| !piece.chars().any(|c| c.is_ascii_digit()))
}

/// The pieces of a list ("a, b and c"), blank ones left out; one piece when `text` lists
/// nothing.
fn list_pieces(text: &str) -> Vec<String> {
    let spaced = format!(" {} ", text.to_lowercase());
    let mut joined = spaced.replace(" and ", ",").replace(" plus ", ",");
    for separator in [';', '+', '&', '/'] {
        joined = joined.replace(separator, ",");
    }
    joined
        .split(',')
        .map(str::trim)
        .filter(|piece| !piece.is_empty())
        .map(str::to_owned)
        .collect()
}

/// What stands in each outermost pair of brackets ((), [], {}), nested brackets kept as text.
fn inside_brackets(text: &str) -> Vec<String> {
    let mut groups = Vec::new();
    let mut depth = 0usize;
    let mut current = String::new();
    for c in text.chars() {
        match c {
            '(' | '[' | '{' => {
                if depth > 0 {
                    current.push(' ');
                }
                depth += 1;
            }
            ')' | ']' | '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    groups.push(std::mem::take(&mut current));
                } else {
                    current.push(' ');
                }
            }
            _ if depth > 0 => current.push(c),
            _ => {}
        }
    }
    if !current.is_empty() {
        groups.push(current);
    }
    groups
}

/// Words that say a score is the whole scale's.
const TOTALITY: [&str; 6] = [
    "total",
    "sum",
    "summed",
    "overall",
    "all items",
    "full scale",
];

/// Whether a name says it is a total: a word of [`TOTALITY`]. A count of items alone does
/// not: it names the version ("HAM-D 17-item (item 3: suicide)" is an item of the 17-item
/// version).
fn says_total(text: &str) -> bool {
    TOTALITY.iter().any(|word| names_test(text, word))
}

/// `text` with what stands in brackets ((), [], {}) left out, nested or not.
fn outside_brackets(text: &str) -> String {
    let mut depth = 0usize;
    text.chars()
        .map(|c| match c {
            '(' | '[' | '{' => {
                depth += 1;
                ' '
            }
            ')' | ']' | '}' => {
                depth = depth.saturating_sub(1);
                ' '
            }
            _ if depth > 0 => ' ',
            _ => c,
        })
        .collect()
}

/// The words that number the items of any scale (not a subscale's own letters: P, N, G).
const ITEM_MARKERS: [&str; 6] = ["item", "items", "question", "questions", "q", "no"];

/// `text` with every range of numbered items or questions left out ("items 1-10", "Q1–Q9",
/// "item 1 to item 17", "questions 1 through 9"): a range names several items, which only a
/// sum of them names together.
fn without_item_ranges(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = chars.clone();
    let digits_end = |at: usize| {
        let mut end = at;
        while end < chars.len() && chars[end].is_ascii_digit() {
            end += 1;
        }
        end
    };
    let skip = |mut at: usize, what: &[char]| {
        while at < chars.len() && what.contains(&chars[at]) {
            at += 1;
        }
        at
    };
    // A marker word just before `at` (spaces, '#' and '.' between): where it starts.
    let marker_before = |at: usize| -> Option<usize> {
        let mut end = at;
        while end > 0 && matches!(chars[end - 1], ' ' | '#' | '.') {
            end -= 1;
        }
        let mut start = end;
        while start > 0 && chars[start - 1].is_alphabetic() {
            start -= 1;
        }
        let word: String = chars[start..end].iter().collect::<String>().to_lowercase();
        (start < end && ITEM_MARKERS.contains(&word.as_str())).then_some(start)
    };
    // A marker word at `at`: where it ends.
    let marker_at = |at: usize| -> usize {
        let mut end = at;
        while end < chars.len() && chars[end].is_alphabetic() {
            end += 1;
        }
        let word: String = chars[at..end].iter().collect::<String>().to_lowercase();
        if ITEM_MARKERS.contains(&word.as_str()) {
            end
        } else {
            at
        }
    };
    let mut at = 0;
    while at < chars.len() {
        let starts_number =
            chars[at].is_ascii_digit() && (at == 0 || !chars[at - 1].is_ascii_digit());
        let Some(start) = starts_number.then(|| marker_before(at)).flatten() else {
            at += 1;
            continue;
        };
        let first_end = digits_end(at);
        let after_first = skip(first_end, &[' ']);
        let rest: String = chars[after_first..]
            .iter()
            .take(8)
            .collect::<String>()
            .to_lowercase();
        let separator = ["-", "–", "—", "to ", "through ", "thru ", "..", "…"]
            .into_iter()
            .find(|sep| rest.starts_with(sep))
            .map(|sep| sep.chars().count());
        let Some(separator) = separator else {
            at = first_end;
            continue;
        };
        let second = skip(after_first + separator, &[' ']);
        let second = skip(marker_at(second), &[' ', '#', '.']);
        let second_end = digits_end(second);
        if second_end > second {
            for c in &mut out[start..second_end] {
                *c = ' ';
            }
        }
        at = second_end.max(first_end);
    }
    out.into_iter().collect()
}

/// Whether `text` names a part of a test by `word`: its words as [`names_test`] finds them,
/// or, for a word ending in `#` ("item #", "Q#", "P#"), the word then a number ("item 9",
/// "Q9", "P1"): items are numbered, and the number is what tells an item from a name.
fn names_part(text: &str, word: &str) -> bool {
    let Some(prefix) = word.strip_suffix('#') else {
        return names_test(text, word);
    };
    let prefix = prefix.trim_end().to_lowercase();
    if prefix.is_empty() {
        return false;
    }
    let text = text.to_lowercase();
    let mut from = 0;
    while let Some(offset) = text[from..].find(prefix.as_str()) {
        let start = from + offset;
        from = start + prefix.len();
        let starts_word = text[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let number = after_number_word(&text[from..]).starts_with(|c: char| c.is_ascii_digit());
        if starts_word && number {
            return true;
        }
    }
    false
}

/// What follows a part word's prefix once the marks and words that introduce its number are
/// passed: "item #3", "item-3", "item no. 3", "item nr 3", "question number 9" all reach the
/// digit.
fn after_number_word(rest: &str) -> &str {
    const MARKS: [char; 5] = [' ', '#', '.', '-', '_'];
    let rest = rest.trim_start_matches(MARKS);
    for word in ["number", "num", "nr", "no"] {
        if let Some(after) = rest.strip_prefix(word)
            && after.starts_with(|c: char| MARKS.contains(&c) || c.is_ascii_digit())
        {
            return after.trim_start_matches(MARKS);
        }
    }
    rest
}

/// Whether a test's name (`text`) is the test a rule names (`name`): the name's words, in
/// order, on word boundaries, without case, the last one singular or plural ("electrographic
/// seizure" in "Electrographic seizures"). A name of parts joined by " + " ("marrow + blast")
/// is every part somewhere in the text, in any order: laboratories write one test as "Bone
/// marrow blasts", "Blasts, Bone Marrow", "Blast %, bone marrow", which no one phrase covers.
///
/// Words are apart however they are parted, and a number beside letters with or without a
/// space (see [`names_test_spaced`]): "DAS28" is "DAS 28", "DAS-28" and "das_28", "PHQ-9" is
/// "PHQ9", "Montgomery-Asberg" is "Montgomery Asberg" (review R7-5).
pub fn names_test(text: &str, name: &str) -> bool {
    if name.contains(" + ") {
        return name
            .split(" + ")
            .map(str::trim)
            .all(|part| !part.is_empty() && names_test(text, part));
    }
    names_test_as_written(text, name) || names_test_spaced(text, name)
}

/// [`names_test`] for the name's words as the rule writes them, spaces and all.
fn names_test_as_written(text: &str, name: &str) -> bool {
    if name.is_empty() || name.len() > text.len() {
        return false;
    }
    // At the end of the name: a word boundary, or a plural ending and then one.
    let ends_name = |rest: &[u8]| {
        let boundary = |at: usize| rest.get(at).is_none_or(|b| !b.is_ascii_alphanumeric());
        boundary(0)
            || (rest.first().is_some_and(|b| b.eq_ignore_ascii_case(&b's')) && boundary(1))
            || (rest.len() >= 2 && rest[..2].eq_ignore_ascii_case(b"es") && boundary(2))
    };
    if text.is_ascii() && name.is_ascii() {
        let haystack = text.as_bytes();
        let needle = name.as_bytes();
        // The cheap tests first: the import asks this of every test name against every name
        // the criteria read.
        let first = needle[0].to_ascii_lowercase();
        return (0..=haystack.len() - needle.len()).any(|start| {
            haystack[start].to_ascii_lowercase() == first
                && (start == 0 || !haystack[start - 1].is_ascii_alphanumeric())
                && haystack[start..start + needle.len()].eq_ignore_ascii_case(needle)
                && ends_name(&haystack[start + needle.len()..])
        });
    }
    let (text, name) = (text.to_lowercase(), name.to_lowercase());
    let mut from = 0;
    while let Some(offset) = text[from..].find(name.as_str()) {
        let start = from + offset;
        from = start + text[start..].chars().next().map_or(1, char::len_utf8);
        if text[..start]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
        {
            continue;
        }
        let rest = &text[start + name.len()..];
        let boundary = |after: &str| !after.chars().next().is_some_and(char::is_alphanumeric);
        if boundary(rest)
            || rest.strip_prefix('s').is_some_and(boundary)
            || rest.strip_prefix("es").is_some_and(boundary)
        {
            return true;
        }
        if from >= text.len() {
            break;
        }
    }
    false
}

/// What parts the words of a test's name: a space, a hyphen or a dash, an underscore.
fn parts_words(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '_' | '\u{2010}'..='\u{2015}' | '\u{2212}')
}

/// Where letters meet a number with nothing between them ("DAS28").
const JOINED: char = '\u{1}';
/// Where letters meet a number with a space, a hyphen or an underscore between them ("DAS 28").
const SPACED: char = '\u{2}';

/// A name's characters in lower case, each run of [`parts_words`] one space, and each place
/// letters meet a number marked [`JOINED`] or [`SPACED`].
fn spelled(text: &str) -> Vec<char> {
    let mut out: Vec<char> = Vec::with_capacity(text.len());
    let mut parted = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        if parts_words(c) {
            parted = !out.is_empty();
            continue;
        }
        if let Some(&before) = out.last() {
            let meets = (before.is_alphabetic() && c.is_ascii_digit())
                || (before.is_ascii_digit() && c.is_alphabetic());
            if meets {
                out.push(if parted { SPACED } else { JOINED });
            } else if parted {
                out.push(' ');
            }
        }
        parted = false;
        out.push(c);
    }
    out
}

/// [`names_test`] with the name's words parted as the text parts them: a space, a hyphen or an
/// underscore, one or several, are one; letters and a number meet with or without one. Only a
/// name that begins and ends with a letter or a digit is read so (a name that begins with a
/// mark, "(free) kappa", means the mark), and its ends keep their word boundaries: "DAS28" is
/// not in "DAS283" nor "IgG" in "IgG4".
fn names_test_spaced(text: &str, name: &str) -> bool {
    let worth_trying = name.chars().any(|c| c.is_ascii_digit())
        || name.chars().any(parts_words)
        || text.chars().any(|c| parts_words(c) && c != ' ')
        || text.contains("  ");
    let ends_alphanumeric = name.chars().next().is_some_and(char::is_alphanumeric)
        && name.chars().next_back().is_some_and(char::is_alphanumeric);
    if !worth_trying || !ends_alphanumeric {
        return false;
    }
    let text = spelled(text);
    let name: Vec<char> = spelled(name)
        .into_iter()
        .map(|c| if c == SPACED { JOINED } else { c })
        .collect();
    if name.is_empty() || name.len() > text.len() {
        return false;
    }
    let in_word = |c: Option<&char>| c.is_some_and(|c| c.is_alphanumeric() || *c == JOINED);
    let same = |name: char, text: char| name == text || (name == JOINED && text == SPACED);
    (0..=text.len() - name.len()).any(|start| {
        if start > 0 && in_word(text.get(start - 1)) {
            return false;
        }
        if !name.iter().zip(&text[start..]).all(|(n, t)| same(*n, *t)) {
            return false;
        }
        let rest = &text[start + name.len()..];
        !in_word(rest.first())
            || (rest.first() == Some(&'s') && !in_word(rest.get(1)))
            || (rest.starts_with(&['e', 's']) && !in_word(rest.get(2)))
    })
}

/// Whether an observation says a finding (a seizure, seizure activity on an EEG) was there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finding {
    Present,
    Absent,
    /// Recorded, but saying neither (a code that is not a yes or a no).
    Unknown,
}

/// Reads an observation as a finding: a count or a 0/1 value above zero is present, zero is
/// absent; a coded value (no number) is present or absent by its code (SNOMED CT
/// 52101004/2667000, LOINC LA9633-4/LA9634-2) and unknown otherwise. A coded finding is never
/// read as the number zero.
pub fn finding(observation: &Observation) -> Finding {
    use crate::domain::observation_codes::finding::{ABSENT, PRESENT};
    use crate::domain::observation_codes::seizure_frequency;
    // A bound says present only when every value it allows is above zero ("> 2" is, "< 1" is
    // not known).
    if observation.comparator.is_some() && observation.value.is_some() {
        return match observation.beyond("above", 0.0) {
            Some(true) => Finding::Present,
            _ => Finding::Unknown,
        };
    }
    match (observation.value, observation.value_code.as_deref()) {
        (Some(value), _) if value > 0.0 => Finding::Present,
        (Some(0.0), _) => Finding::Absent,
        (_, Some(code)) if PRESENT.contains(&code.trim()) => Finding::Present,
        (_, Some(code)) if ABSENT.contains(&code.trim()) => Finding::Absent,
        // A seizure frequency read from an answer's words: "Seizure free" is none, any
        // frequency ("Weekly", "Less than monthly") is seizures.
        (_, Some(code)) => match seizure_frequency::of_code(code) {
            Some(seizure_frequency::Answer::Free) => Finding::Absent,
            Some(_) => Finding::Present,
            None => Finding::Unknown,
        },
        _ => Finding::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::{names_a_part, names_test, without_item_ranges};

    #[test]
    fn a_name_is_found_however_its_words_and_numbers_are_parted() {
        for text in [
            "DAS28",
            "DAS 28",
            "DAS-28",
            "das_28",
            "DAS 28-ESR",
            "DAS-28 CRP",
            "Disease Activity Score (DAS 28)",
            "DAS  28",
            "DAS \u{2013} 28",
        ] {
            assert!(names_test(text, "DAS28"), "{text}");
            assert!(names_test(text, "DAS 28"), "{text}");
        }
        assert!(names_test(
            "Disease activity score-28 (ESR)",
            "Disease Activity Score 28"
        ));
        assert!(names_test("PHQ9 total", "PHQ-9"));
        assert!(names_test("Montgomery-Asberg", "Montgomery Asberg"));
        assert!(names_test("seizure-frequency", "seizure frequency"));
        assert!(names_test("Seizure  counts", "seizure count"));
        // The ends keep their boundaries, and a mark a name begins with is meant.
        assert!(!names_test("DAS 283", "DAS28"));
        assert!(!names_test("IgG4 subclass", "IgG"));
        assert!(!names_test("IgG 4 subclass", "IgG4x"));
        assert!(!names_test("XDAS 28", "DAS28"));
        assert!(!names_test("PHQ-9 t-score", "-score"));
        assert!(!names_test("ADAS-28", "DAS28"));
    }

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|word| (*word).to_owned()).collect()
    }

    #[test]
    fn ranges_of_numbered_items_are_left_out_and_single_items_kept() {
        let read = |text: &str| {
            without_item_ranges(text)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(read("PHQ-9 total Q1–Q9"), "PHQ-9 total");
        assert_eq!(read("sum of items 1 to 9"), "sum of");
        assert_eq!(read("total item 1 through item 17"), "total");
        assert_eq!(read("PANSS P1-P7 total"), "PANSS P1-P7 total");
        assert_eq!(read("PHQ-9 item 9 total"), "PHQ-9 item 9 total");
        assert_eq!(read("HAM-D 17-item total"), "HAM-D 17-item total");
    }

    #[test]
    fn a_total_may_list_its_parts_but_a_part_stays_one() {
        let parts = words(&[
            "item #",
            "Q#",
            "P#",
            "subscale",
            "general psychopathology",
            "positive scale",
        ]);
        let short = words(&["HAM-D-6", "short form"]);
        let part = |text: &str| names_a_part(text, [&parts, &[]], [&short, &[]]);
        for total in [
            "PHQ-9 total score (Q1–Q9)",
            "PANSS total (positive, negative and general psychopathology)",
            "PANSS total: positive scale + negative scale",
            "MADRS sum score Q1-Q10",
            "HAM-D overall score [items 1-17]",
            "PANSS total (P1-P7, N1-N7, G1-G16)",
            "PANSS total (positive scale and negative scale)",
            "HAM-D total (17 items)",
        ] {
            assert!(!part(total), "{total}");
        }
        for one in [
            "PHQ-9 item 9",
            "PHQ-9 Q9 total",
            "PANSS positive scale total",
            "PANSS P1-P7 total",
            "PANSS general psychopathology subscale total",
            "HAM-D-6 total",
            "HAM-D total (HAM-D-6)",
            "PHQ-9 score (Q1–Q9)",
            "HAM-D total (item 3: suicide)",
            "HAM-D total (item no. 3)",
            "PHQ-9 total score [Q9, self-harm]",
            "PANSS total (positive scale)",
            "PANSS total: general psychopathology subscale",
        ] {
            assert!(part(one), "{one}");
        }
    }
}
