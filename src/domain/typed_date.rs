//! Dates as a clinician types them into a due-date field: an ISO date, or a date relative to
//! today ("+7d", "+2w", "+3m", "today", "tomorrow", "next week", "mon", "next fri").
//!
//! Every form is read against an explicit `today`, never the clock, so that what a field means
//! is the same in a test and at the bedside. Anything else is refused with the forms that are
//! understood, rather than guessed: "03/04" is a different day in Boston and in Berlin.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

/// The English names of the months, January first: typed dates, birth dates cut from typed
/// text on a masked screen, and dates written in words in FHIR records read the same names.
pub const MONTH_NAMES: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// What the refusal of a typed date says the field accepts.
pub const ACCEPTED: &str = "YYYY-MM-DD, +7d, +2w, +3m, tomorrow or next mon";

/// The date `text` names, counted from `today`; `None` for an empty field.
///
/// A weekday ("mon", "monday", "next mon") is the first such day after today: typed on a
/// Monday, "mon" and "next mon" both mean a week ahead, because a task is rarely due the
/// day it is written. Months are calendar months, the day clamped to the month's end
/// (+1m from 31 January is the last day of February).
pub fn parse_due(text: &str, today: NaiveDate) -> Result<Option<NaiveDate>, String> {
    let text = text.trim().to_lowercase();
    if text.is_empty() {
        return Ok(None);
    }
    let refused = || format!("'{}' is not a date: type {ACCEPTED}", text.trim());
    if let Ok(date) = NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
        return Ok(Some(date));
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let date = match words.as_slice() {
        ["today"] => Some(today),
        ["tomorrow"] => today.checked_add_days(Days::new(1)),
        ["next", "week"] => today.checked_add_days(Days::new(7)),
        ["next", "month"] => today.checked_add_months(Months::new(1)),
        ["next", day] | [day] if weekday(day).is_some() => {
            weekday(day).and_then(|day| next_weekday(today, day))
        }
        ["in", count, unit] => offset(today, count, unit),
        [one] => one
            .strip_prefix('+')
            .and_then(|rest| {
                let split = rest.find(|c: char| !c.is_ascii_digit())?;
                let (count, unit) = rest.split_at(split);
                Some((count, unit))
            })
            .and_then(|(count, unit)| offset(today, count, unit)),
        _ => None,
    };
    date.map(Some).ok_or_else(refused)
}

/// `count` days, weeks or months after `today`.
fn offset(today: NaiveDate, count: &str, unit: &str) -> Option<NaiveDate> {
    let count: u32 = count.parse().ok()?;
    // A bound that no clinical due date needs: typing "+99999d" is a slip, not a plan.
    if count > 3660 {
        return None;
    }
    match unit {
        "d" | "day" | "days" => today.checked_add_days(Days::new(u64::from(count))),
        "w" | "wk" | "week" | "weeks" => today.checked_add_days(Days::new(7 * u64::from(count))),
        "m" | "mo" | "month" | "months" => today.checked_add_months(Months::new(count)),
        _ => None,
    }
}

fn weekday(word: &str) -> Option<Weekday> {
    let day = match word.get(..3)? {
        "mon" => Weekday::Mon,
        "tue" => Weekday::Tue,
        "wed" => Weekday::Wed,
        "thu" => Weekday::Thu,
        "fri" => Weekday::Fri,
        "sat" => Weekday::Sat,
        "sun" => Weekday::Sun,
        _ => return None,
    };
    // "mon", "monday", and the usual short forms ("tues", "thurs"), nothing else.
    let full = format!("{day}").to_lowercase();
    let long = match day {
        Weekday::Mon => "monday",
        Weekday::Tue => "tuesday",
        Weekday::Wed => "wednesday",
        Weekday::Thu => "thursday",
        Weekday::Fri => "friday",
        Weekday::Sat => "saturday",
        Weekday::Sun => "sunday",
    };
    (word == full || long.starts_with(word)).then_some(day)
}

fn next_weekday(today: NaiveDate, day: Weekday) -> Option<NaiveDate> {
    let ahead = (7 + day.num_days_from_monday() - today.weekday().num_days_from_monday()) % 7;
    let ahead = if ahead == 0 { 7 } else { ahead };
    today.checked_add_days(Days::new(u64::from(ahead)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a test date")
    }

    /// A Friday.
    const TODAY: &str = "2026-12-04";

    fn due(text: &str) -> Result<Option<NaiveDate>, String> {
        parse_due(text, day(TODAY))
    }

    #[test]
    fn relative_forms_count_from_today() {
        for (typed, expected) in [
            ("2026-12-12", "2026-12-12"),
            ("today", "2026-12-04"),
            ("Tomorrow", "2026-12-05"),
            ("+7d", "2026-12-11"),
            ("+2w", "2026-12-18"),
            ("+3m", "2027-03-04"),
            ("in 10 days", "2026-12-14"),
            ("next week", "2026-12-11"),
            ("next month", "2027-01-04"),
            ("mon", "2026-12-07"),
            ("next mon", "2026-12-07"),
            ("Thursday", "2026-12-10"),
            ("thurs", "2026-12-10"),
            // Typed on a Friday, "fri" is a week ahead, not today.
            ("fri", "2026-12-11"),
        ] {
            assert_eq!(due(typed), Ok(Some(day(expected))), "{typed}");
        }
        assert_eq!(
            parse_due("+1m", day("2027-01-31")),
            Ok(Some(day("2027-02-28")))
        );
    }

    #[test]
    fn an_empty_field_is_no_date_and_anything_unclear_is_refused() {
        assert_eq!(due("  "), Ok(None));
        for typed in [
            "03/04",
            "next",
            "+7",
            "+7y",
            "monkey",
            "2026-13-01",
            "+99999d",
            "in a week",
        ] {
            let refusal = due(typed).expect_err(typed);
            assert!(refusal.contains("YYYY-MM-DD"), "{refusal}");
        }
    }
}
