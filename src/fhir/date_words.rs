//! Dates written in words (R4 `performedString`, `abatementString`): read only where the words
//! name one day, one month or one year without doubt; anything else is no date.
//!
//! "15 November 2025", "November 15, 2025", "Nov 2025", "2025-11", "2025" are read; "11/05/2025"
//! is not (the 11th of May or the 5th of November, by country), nor "in childhood" or "last
//! spring". A record whose date cannot be read keeps its date unknown; it is never guessed.

use chrono::{Months, NaiveDate};

/// The first and last day the words may mean (one day, or every day of a month or a year);
/// `None` when they name no date without doubt.
pub fn window_of(text: &str) -> Option<(NaiveDate, NaiveDate)> {
    let text = text.trim();
    // "between 2025-05-01 and 2026-04-30", as refract's export writes a window.
    let lower = text.to_ascii_lowercase();
    if let Some((from, to)) = lower
        .strip_prefix("between ")
        .and_then(|rest| rest.split_once(" and "))
    {
        let (first, _) = window_of(from)?;
        let (_, last) = window_of(to)?;
        return (first <= last).then_some((first, last));
    }
    if let Some(window) = fhir_date(text) {
        return Some(window);
    }
    let words: Vec<String> = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|word| !word.is_empty())
        .map(|word| word.trim_end_matches('.').to_ascii_lowercase())
        .collect();
    let mut day: Option<u32> = None;
    let mut month: Option<u32> = None;
    let mut year: Option<i32> = None;
    for word in &words {
        if let Some(named) = month_named(word) {
            if month.replace(named).is_some() {
                return None;
            }
            continue;
        }
        // An ordinal's ending only on a day ("15th", "2nd"); "1990s" is a decade, no year.
        let digits = ["st", "nd", "rd", "th"]
            .iter()
            .find_map(|ending| word.strip_suffix(ending))
            .filter(|day| day.len() <= 2)
            .unwrap_or(word);
        let number: u32 = digits.parse().ok()?;
        if digits.len() == 4 {
            if year.replace(i32::try_from(number).ok()?).is_some() {
                return None;
            }
        } else if digits.len() <= 2 && (1..=31).contains(&number) {
            if day.replace(number).is_some() {
                return None;
            }
        } else {
            return None;
        }
    }
    let year = year?;
    match (month, day) {
        (Some(month), Some(day)) => {
            let date = NaiveDate::from_ymd_opt(year, month, day)?;
            Some((date, date))
        }
        (Some(month), None) => month_window(year, month),
        (None, None) => year_window(year),
        (None, Some(_)) => None,
    }
}

/// A FHIR `date` as written in a string element: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`.
fn fhir_date(text: &str) -> Option<(NaiveDate, NaiveDate)> {
    let parts: Vec<&str> = text.split('-').collect();
    let number = |part: &str, len: usize| {
        (part.len() == len && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse::<u32>().ok())
            .flatten()
    };
    let year = i32::try_from(number(parts.first()?, 4)?).ok()?;
    match parts.len() {
        1 => year_window(year),
        2 => month_window(year, number(parts[1], 2)?),
        3 => {
            let date = NaiveDate::from_ymd_opt(year, number(parts[1], 2)?, number(parts[2], 2)?)?;
            Some((date, date))
        }
        _ => None,
    }
}

fn month_window(year: i32, month: u32) -> Option<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let last = first.checked_add_months(Months::new(1))?.pred_opt()?;
    Some((first, last))
}

fn year_window(year: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((
        NaiveDate::from_ymd_opt(year, 1, 1)?,
        NaiveDate::from_ymd_opt(year, 12, 31)?,
    ))
}

/// The month an English name or its usual abbreviation names.
pub(super) fn month_named(word: &str) -> Option<u32> {
    crate::domain::typed_date::MONTH_NAMES
        .iter()
        .position(|name| *name == word || (word.len() >= 3 && name.starts_with(word)))
        .and_then(|index| u32::try_from(index + 1).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn unambiguous_words_are_read() {
        let nov15 = Some((day(2025, 11, 15), day(2025, 11, 15)));
        assert_eq!(window_of("15 November 2025"), nov15);
        assert_eq!(window_of("November 15, 2025"), nov15);
        assert_eq!(window_of("15th Nov. 2025"), nov15);
        assert_eq!(window_of("2025-11-15"), nov15);
        let november = Some((day(2025, 11, 1), day(2025, 11, 30)));
        assert_eq!(window_of("Nov 2025"), november);
        assert_eq!(window_of("2025-11"), november);
        assert_eq!(
            window_of("2025"),
            Some((day(2025, 1, 1), day(2025, 12, 31)))
        );
        assert_eq!(
            window_of("between 2025-05-01 and 2026-04-30"),
            Some((day(2025, 5, 1), day(2026, 4, 30)))
        );
    }

    #[test]
    fn ambiguous_words_are_no_date() {
        assert_eq!(window_of("11/05/2025"), None);
        assert_eq!(window_of("in childhood"), None);
        assert_eq!(window_of("15 November"), None);
        assert_eq!(window_of("about 2025"), None);
        assert_eq!(window_of("31 February 2025"), None);
        // A decade is no year (the review's case).
        assert_eq!(window_of("1990s"), None);
        assert_eq!(window_of("the 2000s"), None);
        assert_eq!(window_of("2025th"), None);
    }
}
