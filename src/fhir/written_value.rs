//! A measured value written as text (an Observation's `valueString`): a number with its unit
//! written in it ("3%", "1.9 x10^9/L"), a bound ("<5%", "≤ 5 %", "less than 5%"), or a range
//! ("5-10%"). Interface engines turn an HL7 v2 result that is not a bare number (a `<`, a unit
//! in the value) into a FHIR string, so a marrow's "<5%" arrives as words: read as nothing, the
//! remission it shows was lost. What it reads is what the same value sent as a `valueQuantity`
//! (with its `comparator`) says; anything else ("see report", "pending", "about 20",
//! "152/95 mmHg", a number followed by words) is not a value and is not read as one.

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
const UNIT_WORDS: [&str; 8] = ["percent", "pct", "mmhg", "kpa", "points", "pts", "x", "k"];

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
        if comparator.is_some() || high < low {
            return None;
        }
        return Some(Written {
            value: low,
            comparator: Some(Comparator::AtLeast),
            unit: unit_of(unit)?,
        });
    }
    Some(Written {
        value: low,
        comparator,
        unit: unit_of(rest)?,
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

/// The number `text` begins with ("12.5", "-3", "150,000": a comma only between groups of
/// three digits, never a decimal comma, which "5,5" would be read as 55), and what follows.
fn number(text: &str) -> Option<(f64, &str)> {
    let bytes = text.as_bytes();
    let mut end = usize::from(bytes.first() == Some(&b'-'));
    let digits_from = end;
    let mut digits = String::new();
    if end == 1 {
        digits.push('-');
    }
    while end < bytes.len() {
        let b = bytes[end];
        if b.is_ascii_digit() || b == b'.' {
            digits.push(char::from(b));
            end += 1;
        } else if b == b','
            && end > digits_from
            && bytes
                .get(end + 1..end + 4)
                .is_some_and(|group| group.iter().all(u8::is_ascii_digit))
            && bytes
                .get(end + 4)
                .is_none_or(|after| !after.is_ascii_digit())
        {
            end += 1;
        } else {
            break;
        }
    }
    let value: f64 = digits.parse().ok()?;
    value.is_finite().then_some((value, &text[end..]))
}

/// The high end of a range that `rest` (what follows its low end) goes on to, and the unit
/// after it: "-10%", " – 10 %", " to 10 %", "%-10%" (a unit written at both ends, the same).
fn range_end(rest: &str) -> Option<(f64, &str)> {
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
    // Each word made of letters alone is a unit's ("mmHg", "mg"), not words about the value.
    let words_only_units = unit.split_whitespace().all(|token| {
        let token = token.trim_matches(['(', ')', '[', ']', ',', ';', ':', '.']);
        token.is_empty()
            || !token.chars().all(char::is_alphabetic)
            || units::measured(token).is_some()
            || UNIT_WORDS.contains(&token.to_lowercase().as_str())
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
}
