//! Date arithmetic of the engine, saturating at the ends of the calendar: windows and durations
//! come from rule files and records, and no value there may make an evaluation panic (chrono's
//! `+ Duration` panics on overflow, `Duration::days` on a count past its range).

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, TimeDelta};

/// A date as the record gave it, from its first and last possible days: "2026-03-02" for a
/// day, "2026-03" for a month alone, "2026" for a year alone.
pub fn dated(first: NaiveDate, last: NaiveDate) -> String {
    if last <= first {
        first.to_string()
    } else if last.year() == first.year() && last.month() == first.month() {
        first.format("%Y-%m").to_string()
    } else {
        first.format("%Y").to_string()
    }
}

/// `date` moved by `days` (back when negative), held at the first or last representable day.
pub fn shift(date: NaiveDate, days: i64) -> NaiveDate {
    let moved = if days >= 0 {
        date.checked_add_days(Days::new(days.unsigned_abs()))
    } else {
        date.checked_sub_days(Days::new(days.unsigned_abs()))
    };
    moved.unwrap_or(if days >= 0 {
        NaiveDate::MAX
    } else {
        NaiveDate::MIN
    })
}

/// `at` moved by `hours` (back when negative), held at the ends of the calendar.
pub fn shift_hours(at: NaiveDateTime, hours: i64) -> NaiveDateTime {
    TimeDelta::try_hours(hours)
        .and_then(|delta| at.checked_add_signed(delta))
        .unwrap_or(if hours >= 0 {
            NaiveDateTime::MAX
        } else {
            NaiveDateTime::MIN
        })
}

#[cfg(test)]
mod tests {
    use super::{shift, shift_hours};
    use chrono::{NaiveDate, NaiveDateTime};

    #[test]
    fn shifts_saturate_instead_of_panicking() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        assert_eq!(shift(day, 4), NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        assert_eq!(
            shift(day, -27),
            NaiveDate::from_ymd_opt(2026, 10, 31).unwrap()
        );
        assert_eq!(shift(day, i64::MAX), NaiveDate::MAX);
        assert_eq!(shift(day, i64::MIN), NaiveDate::MIN);
        assert_eq!(shift(NaiveDate::MAX, 1), NaiveDate::MAX);
        let at = day.and_hms_opt(10, 0, 0).unwrap();
        assert_eq!(shift_hours(at, 24).date(), shift(day, 1));
        assert_eq!(shift_hours(at, i64::MAX), NaiveDateTime::MAX);
        assert_eq!(shift_hours(at, i64::MIN), NaiveDateTime::MIN);
    }
}
