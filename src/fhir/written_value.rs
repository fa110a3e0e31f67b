//! A measured value written as text (an Observation's `valueString`): a number with its unit
//! written in it ("3%", "1.9 x10^9/L"), a bound ("<5%", "≤ 5 %", "less than 5%"), or a range
//! ("5-10%"). Interface engines turn an HL7 v2 result that is not a bare number (a `<`, a unit
//! in the value) into a FHIR string, so a marrow's "<5%" arrives as words: read as nothing, the
//! remission it shows was lost. What it reads is what the same value sent as a `valueQuantity`
//! (with its `comparator`) says; anything else ("see report", "pending", "about 20",
//! "152/95 mmHg", a number followed by words, words glued by a unit's character as in
//! "(hemodilute/aparticulate)") is not a value and is not read as one. A number whose one
//! separator stands before three digits ("1.800", "1,800") is a thousand times apart in two
//! countries' conventions: it is read only where its unit settles which (see [`Number`]), and
//! the unit read is converted downstream exactly as a quantity's is.

use crate::domain::Comparator;
use crate::domain::units;

/// A value read from text: the number, the bound it is (none: exactly that number) and the unit
/// as written ("%", "x10^9/L"; none when the text names none).
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub value: f64,
    pub comparator: Option<Comparator>,
    pub unit: Option<String>,
}

/// Comparators written as signs, longest first so that "<=" is not read as "<".
const SIGNS: [(&str, Comparator); 8] = [
    ("<=", Comparator::AtMost),
    ("=<", Comparator::AtMost),
    (">=", Comparator::AtLeast),
    ("=>", Comparator::AtLeast),
    ("≤", Comparator::AtMost),
    ("≥", Comparator::AtLeast),
    ("<", Comparator::Below),
    (">", Comparator::Above),
];

/// Comparators written in words, longest first ("less than or equal to" before "less than").
const WORDS: [(&str, Comparator); 14] = [
    ("less than or equal to", Comparator::AtMost),
    ("greater than or equal to", Comparator::AtLeast),
    ("not more than", Comparator::AtMost),
    ("no more than", Comparator::AtMost),
    ("not less than", Comparator::AtLeast),
    ("no less than", Comparator::AtLeast),
    ("less than", Comparator::Below),
    ("lower than", Comparator::Below),
    ("fewer than", Comparator::Below),
    ("below", Comparator::Below),
    ("greater than", Comparator::Above),
    ("more than", Comparator::Above),
    ("at least", Comparator::AtLeast),
    ("at most", Comparator::AtMost),
];

/// Words that are a unit on their own (a unit of letters only is otherwise read as words:
/// "3 times", "2 seizures"); masses and volumes are read by [`units::measured`].
const UNIT_WORDS: [&str; 10] = [
    "percent", "pct", "mmhg", "cmhg", "inhg", "kpa", "points", "pts", "x", "k",
];

/// The value `text` states, when it is one (see the module's doc). A range ("5-10%", "5 to 10
/// %") is read as the lower bound it surely is, at least its low end: the cut-offs read from
/// such results (marrow blasts' 5 %, a count's recovery) are decided by it where the range lies
/// above them, and left open otherwise; one comparator cannot hold both ends (our choice: never
/// wrong, at times undecided where the high end would have decided).
pub fn read(text: &str) -> Option<Written> {
    let text = text.trim();
    let (comparator, rest) = comparator_of(text);
    let (low, rest) = number(rest.trim_start())?;
    if let Some((high, unit)) = range_end(rest) {
        let unit = unit_of(unit)?;
        let (low, high) = (low.value(unit.as_deref())?, high.value(unit.as_deref())?);
        if comparator.is_some() || high < low {
            return None;
        }
        return Some(Written {
            value: low,
            comparator: Some(Comparator::AtLeast),
            unit,
        });
    }
    let unit = unit_of(rest)?;
    Some(Written {
        value: low.value(unit.as_deref())?,
        comparator,
        unit,
    })
}

/// The unit written after a number: `Some(None)` for none, `Some(Some(unit))` for a unit,
/// `None` when what follows is words, not a unit ("times a day", "(see report)", "/95 mmHg").
#[allow(clippy::option_option)] // the three answers are exactly these
fn unit_of(text: &str) -> Option<Option<String>> {
    let unit = text.trim();
    if unit.is_empty() {
        return Some(None);
    }
    is_unit(unit).then(|| Some(unit.to_owned()))
}

/// The comparator `text` begins with, and what follows it.
fn comparator_of(text: &str) -> (Option<Comparator>, &str) {
    for (sign, comparator) in SIGNS {
        if let Some(rest) = text.strip_prefix(sign) {
            return (Some(comparator), rest);
        }
    }
    for (words, comparator) in WORDS {
        let head = text.get(..words.len());
        if head.is_some_and(|head| head.eq_ignore_ascii_case(words))
            && text[words.len()..].starts_with(char::is_whitespace)
        {
            return (Some(comparator), &text[words.len()..]);
        }
    }
    (None, text)
}

/// A number as written: one reading, or digits a lone separator splits into a group of three
/// ("1.800", "160.000", "1,800"), which are a thousand times apart in the two conventions: a
/// decimal point or comma in one, a thousands separator in the other (German, Dutch, Italian,
/// Spanish… records write 1 800 as "1.800"; English ones 1.8 so).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Number {
    Exact(f64),
    /// The value if the separator groups thousands (1800 for "1.800" and for "1,800").
    Grouped(f64),
}

impl Number {
    /// The value in `unit`. A number grouped in threes is read only where the unit settles
    /// it: a count of whole cells per microlitre is never written to three decimals, so there
    /// the separator groups thousands ([`units::counts_whole_cells`]); in any other unit
    /// ("1.800 x10^9/L", "12.500 %", none) it is not read, never guessed in one sense.
    fn value(self, unit: Option<&str>) -> Option<f64> {
        match self {
            Self::Exact(value) => Some(value),
            Self::Grouped(value) => unit.is_some_and(units::counts_whole_cells).then_some(value),
        }
    }
}

/// The number `text` begins with, and what follows. Digits with separators between them are
/// read in the one sense they can have: several of one separator group thousands ("1,800,000",
/// "1.800.000"); both kinds, the last one a decimal point, are English ("1,800.5"); a separator
/// after a leading zero or not before exactly three digits is a decimal point ("0.500", "1.80",
/// "12.5"), and a decimal comma is never read ("5,5", "0,500", "1.800,5"; our choice: refract
/// reads no decimal commas); a lone separator before exactly three digits is either
/// ([`Number::Grouped`]).
fn number(text: &str) -> Option<(Number, &str)> {
    let bytes = text.as_bytes();
    let negative = bytes.first() == Some(&b'-');
    let mut end = usize::from(negative);
    let start = end;
    while end < bytes.len() {
        let b = bytes[end];
        let separator_between_digits = (b == b'.' || b == b',')
            && end > start
            && bytes.get(end + 1).is_some_and(u8::is_ascii_digit);
        if b.is_ascii_digit() || separator_between_digits {
            end += 1;
        } else {
            break;
        }
    }
    let written = &text[start..end];
    if written.is_empty() {
        return None;
    }
    let groups: Vec<&str> = written.split(['.', ',']).collect();
    let separators: Vec<char> = written.chars().filter(|c| !c.is_ascii_digit()).collect();
    // Groups of thousands: a first group of one to three digits, not a lone or leading zero,
    // then groups of exactly three.
    let grouped = |groups: &[&str]| {
        groups
            .first()
            .is_some_and(|first| (1..=3).contains(&first.len()) && !first.starts_with('0'))
            && groups[1..].iter().all(|group| group.len() == 3)
    };
    let parse = |digits: &str| digits.parse::<f64>().ok().filter(|value| value.is_finite());
    let reading = match separators.as_slice() {
        [_] if grouped(&groups) => Number::Grouped(parse(&groups.concat())?),
        // No separator, or a decimal point that cannot group thousands ("0.500", "1.80").
        [] | ['.'] => Number::Exact(parse(written)?),
        [first, rest @ ..] if rest.iter().all(|c| c == first) => {
            // A decimal comma ("5,5") or groups that are not of thousands ("1.2.3").
            if rest.is_empty() || !grouped(&groups) {
                return None;
            }
            Number::Exact(parse(&groups.concat())?)
        }
        _ => {
            // Both kinds: English only ("1,800.5"), the decimal point once and last.
            let (whole, fraction) = written.rsplit_once('.')?;
            let whole_groups: Vec<&str> = whole.split(',').collect();
            if whole.contains('.') || fraction.contains(',') || !grouped(&whole_groups) {
                return None;
            }
            Number::Exact(parse(&format!("{}.{fraction}", whole_groups.concat()))?)
        }
    };
    let reading = match reading {
        Number::Exact(value) if negative => Number::Exact(-value),
        Number::Grouped(value) if negative => Number::Grouped(-value),
        reading => reading,
    };
    Some((reading, &text[end..]))
}

/// The high end of a range that `rest` (what follows its low end) goes on to, and the unit
/// after it: "-10%", " – 10 %", " to 10 %", "%-10%" (a unit written at both ends, the same).
fn range_end(rest: &str) -> Option<(Number, &str)> {
    let trimmed = rest.trim_start();
    for separator in ["-", "–", "—", "to "] {
        if let Some(after) = trimmed.strip_prefix(separator) {
            let (high, unit) = number(after.trim_start())?;
            return Some((high, unit));
        }
    }
    // A unit at the low end too: "5%-10%".
    let at = trimmed.find(['-', '–'])?;
    let (first_unit, after) = trimmed.split_at(at);
    let after = after.trim_start_matches(['-', '–']);
    let (high, unit) = number(after.trim_start())?;
    (!first_unit.trim().is_empty() && first_unit.trim() == unit.trim()).then_some((high, unit))
}

/// Whether a word alone is a unit: a mass or a volume, or one of [`UNIT_WORDS`].
fn unit_word(word: &str) -> bool {
    units::measured(word).is_some() || UNIT_WORDS.contains(&word.to_lowercase().as_str())
}

/// The prefixes of the units of laboratory results (UCUM's, and "mc" for micro).
const PREFIXES: &[&str] = &["", "k", "d", "c", "m", "u", "µ", "μ", "mc", "n", "p", "f"];

/// The units a prefix goes before: grams, litres, moles, equivalents, units, international
/// units, katals, osmoles, metres, seconds, mercury (mm[Hg]), pascals.
const BASES: &[&str] = &[
    "g", "l", "mol", "eq", "u", "iu", "kat", "osm", "m", "s", "hg", "pa",
];

/// The pieces of units that take no prefix: counts and their powers of ten as laboratories
/// print them ("G/L", "Giga/L", "Thous/uL", "K/mm3", "/cmm", "Tsd/µl", "Gpt/L"), the counted
/// (UCUM annotations "{cells}/uL", "{copies}/mL", "{beats}/min"), a power of ten's "E"
/// ("10E9/L"), times, and fields of view.
const ATOMS: &[&str] = &[
    "x",
    "e",
    "k",
    "g",
    "t",
    "giga",
    "gpt",
    "tsd",
    "thou",
    "thous",
    "thousand",
    "thousands",
    "cmm",
    "cumm",
    "cell",
    "cells",
    "copies",
    "beats",
    "min",
    "h",
    "hr",
    "hour",
    "d",
    "day",
    "wk",
    "mo",
    "a",
    "sec",
    "hpf",
    "lpf",
];

/// Whether a run of letters inside a unit ("mcL" in "x10(3)/mcL", "mEq" in "mEq/L") is one
/// of a unit's, not a word.
fn unit_atom(run: &str) -> bool {
    let run = run.to_lowercase();
    ATOMS.contains(&run.as_str())
        || PREFIXES.iter().any(|prefix| {
            run.strip_prefix(prefix)
                .is_some_and(|base| BASES.contains(&base))
        })
}

/// Whether `unit` (trimmed, not empty) is a unit rather than words about the value.
fn is_unit(unit: &str) -> bool {
    let mut chars = unit.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let starts_as_unit = match first {
        // A power of ten written first ("10^9/L", "10*3/uL").
        '1' => unit.starts_with("10") && unit[2..].starts_with(['^', '*', '(', 'e', 'E']),
        // "/uL", never "/95" (a second number: a blood pressure).
        '/' => chars
            .next()
            .is_some_and(|c| !c.is_ascii_digit() && !c.is_whitespace()),
        '%' | '[' | '{' | 'µ' | 'μ' | '×' => true,
        c => c.is_alphabetic(),
    };
    let allowed = |c: char| {
        c.is_alphanumeric()
            || c.is_whitespace()
            || "%/^*.()[]{}×'".contains(c)
            || ('⁰'..='⁹').contains(&c)
            || "¹²³".contains(c)
    };
    // Each word made of letters alone is a unit's ("mmHg", "mg"), not words about the value;
    // a token of several pieces ("x10^9/L", "mg/dL", "(hemodilute/aparticulate)") is a unit
    // only when each run of letters in it is one of a unit's: words glued by a unit's
    // character ("/", ".", a digit) are still words.
    let words_only_units = unit.split_whitespace().all(|token| {
        let token = token.trim_matches(['(', ')', '[', ']', ',', ';', ':', '.']);
        if token.chars().all(char::is_alphabetic) {
            return token.is_empty() || unit_word(token);
        }
        token
            .split(|c: char| !c.is_alphabetic())
            .filter(|run| !run.is_empty())
            .all(|run| unit_word(run) || unit_atom(run))
    });
    starts_as_unit && unit.chars().all(allowed) && words_only_units
}

#[cfg(test)]
mod tests {
    use super::{Comparator, Written, read};

    fn value(value: f64, comparator: Option<Comparator>, unit: Option<&str>) -> Option<Written> {
        let written = Written {
            value,
            comparator,
            unit: unit.map(str::to_owned),
        };
        Some(written).filter(|w| w.value.is_finite())
    }

    #[test]
    fn a_number_with_its_unit_or_as_a_bound_is_read() {
        use Comparator::{AtLeast, AtMost, Below};
        assert_eq!(read("18"), value(18.0, None, None));
        assert_eq!(read(" -3 "), value(-3.0, None, None));
        assert_eq!(read("3%"), value(3.0, None, Some("%")));
        assert_eq!(read("<5%"), value(5.0, Some(Below), Some("%")));
        assert_eq!(read("< 5 %"), value(5.0, Some(Below), Some("%")));
        assert_eq!(read("≤5%"), value(5.0, Some(AtMost), Some("%")));
        assert_eq!(
            read("Less than 5 percent"),
            value(5.0, Some(Below), Some("percent"))
        );
        assert_eq!(read("5-10%"), value(5.0, Some(AtLeast), Some("%")));
        assert_eq!(read("5%-10%"), value(5.0, Some(AtLeast), Some("%")));
        assert_eq!(read("5 to 10 %"), value(5.0, Some(AtLeast), Some("%")));
        assert_eq!(read("1.9 x10^9/L"), value(1.9, None, Some("x10^9/L")));
        assert_eq!(read("1.6 x10(3)/mcL"), value(1.6, None, Some("x10(3)/mcL")));
        assert_eq!(read("150,000/uL"), value(150_000.0, None, Some("/uL")));
        assert_eq!(read("120 mmHg"), value(120.0, None, Some("mmHg")));
        assert_eq!(read("1.2 10^9/L"), value(1.2, None, Some("10^9/L")));
    }

    #[test]
    fn words_that_are_no_value_are_not_read() {
        for text in [
            "",
            "see report",
            "pending",
            "about 20",
            "152/95 mmHg",
            "3 times a day",
            "2 seizures last week",
            "<5% (hemodilute)",
            "10-5%",
            "< 5-10%",
            "5,5 %",
            "5%-10 mg",
            "1.2.3",
        ] {
            assert_eq!(read(text), None, "{text}");
        }
    }

    #[test]
    fn words_glued_by_a_unit_character_are_no_unit() {
        for text in [
            "<5% (hemodilute/aparticulate)",
            "<5%(hemodilute)",
            "<5% hemodilute/aparticulate",
            "3% (see/attached)",
            "4% repeat/2nd",
            "2% {see report}",
        ] {
            assert_eq!(read(text), None, "{text}");
        }
        for (text, unit) in [
            ("1.9 x10^9/L", "x10^9/L"),
            ("1.9 10E9/L", "10E9/L"),
            ("120 mm[Hg]", "mm[Hg]"),
            ("5.1 mmol/L", "mmol/L"),
            ("3 mEq/L", "mEq/L"),
            ("12 µmol/L", "µmol/L"),
            ("60 mL/min/1.73m2", "mL/min/1.73m2"),
            ("1.6 x10(3)/mcL", "x10(3)/mcL"),
            ("160 Thous/uL", "Thous/uL"),
            ("1.6 K/mm3", "K/mm3"),
            ("1600 {cells}/uL", "{cells}/uL"),
            ("1.6 Gpt/L", "Gpt/L"),
            ("20.3 kPa", "kPa"),
        ] {
            assert_eq!(
                read(text).and_then(|w| w.unit),
                Some(unit.to_owned()),
                "{text}"
            );
        }
    }

    #[test]
    fn a_number_grouped_in_threes_is_read_only_where_its_unit_settles_it() {
        // A count of whole cells per microlitre: the separator groups thousands, either way.
        assert_eq!(read("1.800/µl"), value(1800.0, None, Some("/µl")));
        assert_eq!(read("160.000/µl"), value(160_000.0, None, Some("/µl")));
        assert_eq!(read("1,800/µl"), value(1800.0, None, Some("/µl")));
        assert_eq!(
            read("1.800.000/mm3"),
            value(1_800_000.0, None, Some("/mm3"))
        );
        assert_eq!(
            read("<1.500 cells/uL"),
            value(1500.0, Some(Comparator::Below), Some("cells/uL"))
        );
        // Unambiguous anywhere: several groups, both separators, a leading zero, not three
        // digits after the separator.
        assert_eq!(read("1,800,000"), value(1_800_000.0, None, None));
        assert_eq!(read("1,800.5 mg"), value(1800.5, None, Some("mg")));
        assert_eq!(read("0.500 mg/dL"), value(0.5, None, Some("mg/dL")));
        assert_eq!(read("1.80 x10^9/L"), value(1.8, None, Some("x10^9/L")));
        assert_eq!(read("1234.567"), value(1234.567, None, None));
        // A thousand times apart in the two conventions, and no unit to settle it.
        for text in [
            "1.800 x10^9/L",
            "1,800 x10^9/L",
            "160.000",
            "160,000",
            "12.500 %",
            "1.800 K/uL",
            "1.800/nl",
            "1.800-2.000 x10^9/L",
            "0,500",
            "1.800,5",
            "-1.800",
        ] {
            assert_eq!(read(text), None, "{text}");
        }
    }
}
