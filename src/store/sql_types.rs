//! How dates, times and coded values are written to and read from SQLite text columns.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, SubsecRound, Timelike, Utc};

use super::{Result, StoreError};

const DATE_FORMAT: &str = "%Y-%m-%d";
const DATETIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// A date or time as the text stored in SQLite, built without chrono's `format` (which parses
/// its pattern on every call) and without allocating: bulk writers format millions of these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlText {
    Inline {
        bytes: [u8; 19],
        len: u8,
    },
    /// Years outside 0..=9999, which the fixed layout cannot hold.
    Heap(String),
}

impl SqlText {
    pub fn as_str(&self) -> &str {
        match self {
            SqlText::Inline { bytes, len } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or("")
            }
            SqlText::Heap(text) => text,
        }
    }

    fn digits(fields: &[(u32, usize)], separators: &[u8]) -> Self {
        let mut bytes = [0u8; 19];
        let mut at = 0;
        for (index, (value, width)) in fields.iter().enumerate() {
            if index > 0 {
                bytes[at] = separators[index - 1];
                at += 1;
            }
            let mut value = *value;
            for position in (0..*width).rev() {
                bytes[at + position] = b'0' + (value % 10) as u8;
                value /= 10;
            }
            at += width;
        }
        SqlText::Inline {
            bytes,
            len: at as u8,
        }
    }
}

impl std::fmt::Display for SqlText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<SqlText> for String {
    fn from(text: SqlText) -> Self {
        text.as_str().to_owned()
    }
}

impl rusqlite::ToSql for SqlText {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(rusqlite::types::ToSqlOutput::Borrowed(
            rusqlite::types::ValueRef::Text(self.as_str().as_bytes()),
        ))
    }
}

pub fn format_date(date: NaiveDate) -> SqlText {
    match u32::try_from(date.year()) {
        Ok(year) if year <= 9999 => {
            SqlText::digits(&[(year, 4), (date.month(), 2), (date.day(), 2)], b"--")
        }
        _ => SqlText::Heap(date.format(DATE_FORMAT).to_string()),
    }
}

pub fn format_datetime(at: NaiveDateTime) -> SqlText {
    match u32::try_from(at.year()) {
        Ok(year) if year <= 9999 => SqlText::digits(
            &[
                (year, 4),
                (at.month(), 2),
                (at.day(), 2),
                (at.hour(), 2),
                (at.minute(), 2),
                (at.second(), 2),
            ],
            b"-- ::",
        ),
        _ => SqlText::Heap(at.format(DATETIME_FORMAT).to_string()),
    }
}

thread_local! {
    /// A fixed "now" for this thread's writes, while [`with_clock_at`] runs.
    static FIXED_NOW: std::cell::Cell<Option<NaiveDateTime>> = const { std::cell::Cell::new(None) };
}

/// The current time in UTC, to the second, as the audit log records it.
pub fn now_utc() -> NaiveDateTime {
    FIXED_NOW
        .with(std::cell::Cell::get)
        .unwrap_or_else(|| Utc::now().naive_utc().trunc_subsecs(0))
}

/// Runs `work` with this thread's clock fixed at `at`: the demo writes its history as of its
/// own reference day, so that the same seed makes the same file whatever the wall clock says.
pub fn with_clock_at<T>(at: NaiveDateTime, work: impl FnOnce() -> T) -> T {
    let previous = FIXED_NOW.with(|cell| cell.replace(Some(at)));
    let value = work();
    FIXED_NOW.with(|cell| cell.set(previous));
    value
}

pub fn parse_date(column: &'static str, text: &str) -> Result<NaiveDate> {
    if let Some(date) = fixed_date(text.as_bytes()) {
        return Ok(date);
    }
    NaiveDate::parse_from_str(text, DATE_FORMAT).map_err(|err| StoreError::Corrupt {
        column,
        detail: format!("'{text}': {err}"),
    })
}

/// Reads a time written by [`format_datetime`], or a plain date (midnight).
pub fn parse_datetime(column: &'static str, text: &str) -> Result<NaiveDateTime> {
    let bytes = text.as_bytes();
    if bytes.len() == 19 && bytes[10] == b' ' && bytes[13] == b':' && bytes[16] == b':' {
        let time = (|| {
            NaiveTime::from_hms_opt(
                digits(&bytes[11..13])?,
                digits(&bytes[14..16])?,
                digits(&bytes[17..19])?,
            )
        })();
        if let (Some(date), Some(time)) = (fixed_date(&bytes[..10]), time) {
            return Ok(date.and_time(time));
        }
    }
    NaiveDateTime::parse_from_str(text, DATETIME_FORMAT)
        .or_else(|_| {
            NaiveDate::parse_from_str(text, DATE_FORMAT).map(|d| d.and_time(NaiveTime::MIN))
        })
        .map_err(|err| StoreError::Corrupt {
            column,
            detail: format!("'{text}': {err}"),
        })
}

/// "YYYY-MM-DD" as [`format_date`] writes it, read by hand: chrono's parser interprets its
/// format string on every call, and reading a patient's record parses hundreds of dates.
/// `None` for anything else, which then goes through chrono (and its error message).
fn fixed_date(bytes: &[u8]) -> Option<NaiveDate> {
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year = i32::try_from(digits(&bytes[..4])?).ok()?;
    NaiveDate::from_ymd_opt(year, digits(&bytes[5..7])?, digits(&bytes[8..10])?)
}

fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |value, byte| {
        byte.is_ascii_digit()
            .then(|| value * 10 + u32::from(byte - b'0'))
    })
}

pub(super) fn parse_opt_date(
    column: &'static str,
    text: Option<String>,
) -> Result<Option<NaiveDate>> {
    text.filter(|t| !t.is_empty())
        .map(|t| parse_date(column, &t))
        .transpose()
}

pub(super) fn parse_opt_datetime(
    column: &'static str,
    text: Option<String>,
) -> Result<Option<NaiveDateTime>> {
    text.filter(|t| !t.is_empty())
        .map(|t| parse_datetime(column, &t))
        .transpose()
}

/// Parses an optional coded column with the type's `parse`.
pub(super) fn parse_opt_code<T, E: std::fmt::Display>(
    column: &'static str,
    text: Option<String>,
    parse: impl Fn(&str) -> std::result::Result<T, E>,
) -> Result<Option<T>> {
    text.map(|t| {
        parse(&t).map_err(|err| StoreError::Corrupt {
            column,
            detail: err.to_string(),
        })
    })
    .transpose()
}

pub(super) fn parse_code<T, E: std::fmt::Display>(
    column: &'static str,
    text: &str,
    parse: impl Fn(&str) -> std::result::Result<T, E>,
) -> Result<T> {
    parse(text).map_err(|err| StoreError::Corrupt {
        column,
        detail: err.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_through_their_text() {
        let date = NaiveDate::from_ymd_opt(2026, 3, 7).unwrap();
        assert_eq!(format_date(date).as_str(), "2026-03-07");
        let at = date.and_hms_opt(9, 5, 0).unwrap();
        assert_eq!(format_datetime(at).as_str(), "2026-03-07 09:05:00");
        assert_eq!(
            parse_datetime("t", format_datetime(at).as_str()).unwrap(),
            at
        );
        assert_eq!(parse_date("t", format_date(date).as_str()).unwrap(), date);
        assert_eq!(
            parse_datetime("t", "2026-03-07").unwrap(),
            date.and_hms_opt(0, 0, 0).unwrap()
        );
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "2026-03-07 24:00:00",
            "2026-0a-07",
        ] {
            assert!(parse_datetime("t", bad).is_err(), "{bad}");
        }
        let far = NaiveDate::from_ymd_opt(12026, 1, 1).unwrap();
        assert_eq!(parse_date("t", format_date(far).as_str()).unwrap(), far);
    }
}
