//! When the last seizure was, as a report's words state it ("Last seizure 4 years ago", "last
//! seizure: March 2021", "Seizure free since 2019", "no seizures for 18 months"): the first
//! and last day it may have fallen on, read against the report's own date.
//!
//! A time since the last seizure is no frequency: it dates one seizure and says none came
//! after it. A relative time ("4 years ago", "for 18 months") is counted back from the report's
//! day in its unit: the last seizure fell at least that long before (the later end, which
//! bounds the freedom from below, is the report's day less the time), and less than one unit
//! more (the earlier end). A date written keeps its precision (a month is every day of that
//! month, a year every day of that year): no day is made up. Words that deny ("not seizure free
//! since 2019"), doubt ("?"), or state no number ("last seizure ago") are nothing.

use chrono::{Duration, Months, NaiveDate};

use super::date_words;

/// The first and last day the last seizure may have fallen on, as `words` state it in a report
/// made on `report`; `None` when they state no time of the last seizure without doubt.
pub fn window_of_words(words: &str, report: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let lower = words.to_lowercase();
    if lower.contains('?') {
        return None;
    }
    // The first clause that speaks of the last seizure or of freedom decides.
    lower
        .split(['.', ';', '\n', ','])
        .find_map(|clause| clause_window(clause, report))
        .filter(|(first, last)| first <= last && *last <= report)
}

fn clause_window(clause: &str, report: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let spaced: String = clause
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let words: Vec<&str> = spaced.split_whitespace().collect();
    let seizure = |w: &str| {
        matches!(
            w,
            "seizure" | "seizures" | "sz" | "szs" | "fit" | "fits" | "convulsion" | "convulsions"
        )
    };
    let at = |i: usize| words.get(i).copied().unwrap_or("");
    // "last seizure", "most recent seizure", "seizure free", "no seizures".
    let last_at = (0..words.len()).find(|&i| {
        matches!(at(i), "last" | "latest" | "recent" | "previous") && seizure(at(i + 1))
    });
    let free_at = (0..words.len()).find(|&i| {
        (seizure(at(i)) && matches!(at(i + 1), "free" | "freedom"))
            || (matches!(at(i), "no" | "nil" | "without") && seizure(at(i + 1)))
    });
    let from = last_at.or(free_at)? + 2;
    let denied = words.iter().any(|w| {
        matches!(
            *w,
            "not"
                | "never"
                | "longer"
                | "isn"
                | "wasn"
                | "hasn"
                | "hadn"
                | "haven"
                | "until"
                | "till"
                | "except"
                | "but"
                | "then"
                | "unknown"
                | "unsure"
                | "unclear"
        )
    });
    if denied {
        return None;
    }
    let rest = &words[from.min(words.len())..];
    if let Some(window) = relative(rest, last_at.is_some(), report) {
        return Some(window);
    }
    // A date written after the words ("since 2019", "in March 2021", ": 14 March 2021").
    let date_words: Vec<&str> = rest
        .iter()
        .copied()
        .skip_while(|w| {
            matches!(
                *w,
                "since" | "in" | "on" | "was" | "of" | "from" | "dated" | "date" | "around"
            )
        })
        .collect();
    if last_at.is_none() && rest.first() != Some(&"since") {
        // Freedom without "since" dates nothing ("seizure free 2019" is no statement of it).
        return None;
    }
    date_words::window_of(&date_words.join(" "))
}

/// "4 years ago", "for 18 months", "x 2 years": the window of a time counted back from the
/// report. "ago" only after "last seizure"; "for" (or nothing) after freedom.
fn relative(rest: &[&str], last: bool, report: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let mut words = rest
        .iter()
        .copied()
        .skip_while(|w| matches!(*w, "for" | "x" | "was" | "of"));
    let count = number(words.next()?)?;
    let unit = words.next()?;
    let follows = words.next();
    if last != (follows == Some("ago")) {
        return None;
    }
    let back = |n: u32| -> Option<NaiveDate> {
        match unit {
            "day" | "days" | "d" => report.checked_sub_signed(Duration::days(i64::from(n))),
            "week" | "weeks" | "wk" | "wks" => {
                report.checked_sub_signed(Duration::weeks(i64::from(n)))
            }
            "month" | "months" | "mo" | "mth" | "mths" => report.checked_sub_months(Months::new(n)),
            "year" | "years" | "yr" | "yrs" | "y" => {
                report.checked_sub_months(Months::new(n.checked_mul(12)?))
            }
            _ => None,
        }
    };
    let last_day = back(count)?;
    let first_day = back(count.checked_add(1)?)?.checked_add_signed(Duration::days(1))?;
    Some((first_day, last_day))
}

/// A whole number above zero, in digits or a word ("a year ago" is one).
fn number(word: &str) -> Option<u32> {
    let n = match word {
        "a" | "an" | "one" => 1,
        "two" => 2,
        "three" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        "ten" => 10,
        "eleven" => 11,
        "twelve" => 12,
        "eighteen" => 18,
        digits => digits.parse().ok()?,
    };
    (n > 0).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_time_since_the_last_seizure_is_a_window_at_its_own_precision() {
        let report = day("2025-05-10");
        let read = |words: &str| window_of_words(words, report);
        assert_eq!(
            read("Last seizure 4 years ago"),
            Some((day("2020-05-11"), day("2021-05-10")))
        );
        assert_eq!(
            read("last seizure: March 2021"),
            Some((day("2021-03-01"), day("2021-03-31")))
        );
        assert_eq!(
            read("Seizure free since 2019"),
            Some((day("2019-01-01"), day("2019-12-31")))
        );
        assert_eq!(
            read("no seizures for 18 months"),
            Some((day("2023-10-11"), day("2023-11-10")))
        );
        assert_eq!(
            read("Seizure-free for 2 years, doing well"),
            Some((day("2022-05-11"), day("2023-05-10")))
        );
        assert_eq!(
            read("Most recent seizure on 14 March 2024"),
            Some((day("2024-03-14"), day("2024-03-14")))
        );
        for nothing in [
            "last seizure ago",
            "Weekly",
            "Seizure free",
            "Not seizure free since 2019",
            "Last seizure ?2019",
            "Seizure free for 2 years until last week",
            "Last seizure 2030",
            "2 seizures last week",
        ] {
            assert_eq!(read(nothing), None, "{nothing}");
        }
    }
}
