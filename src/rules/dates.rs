//! Date arithmetic of the engine, saturating at the ends of the calendar: windows and durations
//! come from rule files and records, and no value there may make an evaluation panic (chrono's
//! `+ Duration` panics on overflow, `Duration::days` on a count past its range).

use chrono::{Datelike, Days, Months, NaiveDate, NaiveDateTime, TimeDelta};

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

/// `date` moved by `months` calendar months (back when negative), held at the ends of the
/// calendar. A day the target month lacks is its last day (12 months after 2024-02-29 is
/// 2025-02-28), as chrono's month arithmetic clamps.
pub fn shift_months(date: NaiveDate, months: i64) -> NaiveDate {
    let count = Months::new(u32::try_from(months.unsigned_abs()).unwrap_or(u32::MAX));
    let moved = if months >= 0 {
        date.checked_add_months(count)
    } else {
        date.checked_sub_months(count)
    };
    moved.unwrap_or(if months >= 0 {
        NaiveDate::MAX
    } else {
        NaiveDate::MIN
    })
}

/// A length a rule file gives in days, or in calendar months where its source says months
/// ("within 12 months of ASCT", "a minimum 6-month follow-up"): 365 days miss a twelfth month
/// across a 29 February, and 180 days fall short of six months most of the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Length {
    Days(i64),
    Months(i64),
}

impl Length {
    /// The rule file's `<name>_days` or `<name>_months`, whichever it gives (the loader checks
    /// that one is given); days when neither.
    pub fn of(days: Option<i64>, months: Option<u32>) -> Self {
        match (months, days) {
            (Some(months), _) => Self::Months(i64::from(months)),
            (None, days) => Self::Days(days.unwrap_or(0)),
        }
    }

    /// The last day within this length after `date`.
    pub fn after(self, date: NaiveDate) -> NaiveDate {
        match self {
            Self::Days(days) => shift(date, days),
            Self::Months(months) => shift_months(date, months),
        }
    }

    /// How it is said: "12 months", "6 weeks" (`span` for days).
    pub fn words(self) -> String {
        match self {
            Self::Days(days) => span(days),
            Self::Months(1) => String::from("1 month"),
            Self::Months(months) => format!("{months} months"),
        }
    }

    /// As [`Self::words`], with the exact count of days where days are meant: "12 months
    /// (365 days)"; months are calendar months, said alone.
    pub fn words_exact(self) -> String {
        match self {
            Self::Days(days) => format!("{} ({days} days)", self.words()),
            Self::Months(_) => self.words(),
        }
    }
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

/// "3 weeks", "14 months".
pub fn span(days: i64) -> String {
    // Under two weeks, in days: three days rounded to "0 weeks" said nothing.
    if days < 14 {
        return if days == 1 {
            String::from("1 day")
        } else {
            format!("{days} days")
        };
    }
    if days < 120 {
        let weeks = (days as f64 / 7.0).round() as i64;
        if weeks == 1 {
            String::from("1 week")
        } else {
            format!("{weeks} weeks")
        }
    } else {
        let months = (days as f64 / 30.44).round() as i64;
        format!("{months} months")
    }
}

/// A span measured against a criterion's threshold of `threshold` days: in days when it is
/// within `near` days of it either side ("60 days", "61 days": "9 weeks" for both hid which side
/// of a 60-day window it fell, review RV-A OA-4), else as [`span`] says it.
pub fn span_against(days: i64, threshold: i64, near: i64) -> String {
    if (days - threshold).abs() <= near {
        if days == 1 {
            String::from("1 day")
        } else {
            format!("{days} days")
        }
    } else {
        span(days)
    }
}

/// How near a criterion's threshold a span is said in days (see [`span_against`]): three weeks
/// either side, where rounding to weeks could carry a span across it.
pub const NEAR_THRESHOLD_DAYS: i64 = 21;

#[cfg(test)]
mod tests {
    use super::{Length, shift, shift_hours, shift_months};
    use chrono::{NaiveDate, NaiveDateTime};

    /// Under two weeks a span is said in days: "0 weeks" for three days said nothing.
    #[test]
    fn a_span_under_two_weeks_is_said_in_days() {
        use super::span;
        assert_eq!(span(1), "1 day");
        assert_eq!(span(3), "3 days");
        assert_eq!(span(13), "13 days");
        assert_eq!(span(14), "2 weeks");
        assert_eq!(span(119), "17 weeks");
        assert_eq!(span(180), "6 months");
    }

    #[test]
    fn calendar_months_hold_a_leap_day_and_clamp_to_a_shorter_month() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        // 2023-03-01 to 2024-03-01 is 366 days and exactly 12 months.
        assert_eq!(shift_months(day(2023, 3, 1), 12), day(2024, 3, 1));
        assert_eq!(shift_months(day(2024, 2, 29), 12), day(2025, 2, 28));
        assert_eq!(shift_months(day(2026, 8, 31), 6), day(2027, 2, 28));
        assert_eq!(shift_months(day(2026, 3, 31), -1), day(2026, 2, 28));
        assert_eq!(shift_months(day(2026, 1, 1), i64::MAX), NaiveDate::MAX);
        assert_eq!(shift_months(day(2026, 1, 1), i64::MIN), NaiveDate::MIN);
        assert_eq!(Length::Months(12).after(day(2023, 3, 1)), day(2024, 3, 1));
        assert_eq!(Length::Days(365).after(day(2023, 3, 1)), day(2024, 2, 29));
        assert_eq!(Length::Months(6).words(), "6 months");
    }

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
