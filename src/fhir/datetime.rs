//! FHIR's date, dateTime and instant values read as one time axis: partial dates at their
//! first day, times with an offset at their instant in UTC. Kept apart from the mapping of
//! resources ([`super::parse`]) so that every reader of a date (carried lines, products,
//! exports) uses this one reading without depending on the mapping.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// Parses a FHIR date, dateTime or instant ("2019", "2019-03", "2019-03-01",
/// "2019-03-01T10:00:00+01:00"); a partial date means its first day.
///
/// A time with an offset (R4 requires one with every time) is the same instant in UTC
/// ("2019-03-01T10:00:00+01:00" is 09:00): one patient's records come from sources in different
/// zones (an EHR's local offset beside a device's or a pharmacy's `Z`) and from either side of a
/// daylight-saving change, and only instants put them in their true order and spacing. Its
/// day is not its UTC day (23:30-05:00 is on the next UTC day) but its local day: the mapping
/// keeps the offset ([`utc_offset_minutes`]) beside the instant. A date alone has no time and no offset and stays the day
/// written; a time written without an offset (not valid FHIR, seen in the wild) is read as
/// written, as there is nothing to convert it by.
pub fn parse_datetime(text: &str) -> Result<NaiveDateTime, String> {
    let text = text.trim();
    let impossible = || format!("impossible date '{text}'");
    let parsed = if text.len() > 10 {
        chrono::DateTime::parse_from_rfc3339(text)
            .map(|dt| dt.naive_utc())
            .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f"))
            .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
            .map_err(|_| impossible())?
    } else {
        let mut parts = text.split('-');
        let year: i32 = parts
            .next()
            .and_then(|y| y.parse().ok())
            .ok_or_else(impossible)?;
        let month: u32 = parts
            .next()
            .map_or(Ok(1), str::parse)
            .map_err(|_| impossible())?;
        let day: u32 = parts
            .next()
            .map_or(Ok(1), str::parse)
            .map_err(|_| impossible())?;
        if parts.next().is_some() {
            return Err(impossible());
        }
        NaiveDate::from_ymd_opt(year, month, day)
            .ok_or_else(impossible)?
            .and_time(NaiveTime::MIN)
    };
    if !(1800..=2200).contains(&chrono::Datelike::year(&parsed)) {
        return Err(impossible());
    }
    Ok(parsed)
}

/// The offset from UTC, in minutes, a FHIR dateTime or instant is written in ("+11:00" is 660,
/// "Z" 0): the record's own local time, in which a clinic visit is one day. `None` for a date
/// alone or a time written with no offset.
pub fn utc_offset_minutes(text: &str) -> Option<i32> {
    let text = text.trim();
    (text.len() > 10)
        .then(|| chrono::DateTime::parse_from_rfc3339(text).ok())
        .flatten()
        .map(|dt| dt.offset().local_minus_utc() / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_partial_and_with_offsets() {
        assert_eq!(
            parse_datetime("2019").unwrap().date(),
            NaiveDate::from_ymd_opt(2019, 1, 1).unwrap()
        );
        assert_eq!(
            parse_datetime("2019-03").unwrap().date(),
            NaiveDate::from_ymd_opt(2019, 3, 1).unwrap()
        );
        let at = parse_datetime("2019-03-01T23:07:34+05:00").unwrap();
        assert_eq!(at, parse_datetime("2019-03-01T18:07:34Z").unwrap());
        let evening = parse_datetime("2019-03-01T23:30:00-05:00").unwrap();
        assert_eq!(evening.date(), NaiveDate::from_ymd_opt(2019, 3, 2).unwrap());
        assert!(parse_datetime("2019-02-30").is_err());
        assert!(parse_datetime("20190-01-01").is_err());
        assert!(parse_datetime("yesterday").is_err());
        assert_eq!(utc_offset_minutes("2019-03-01T10:58:00+11:00"), Some(660));
        assert_eq!(utc_offset_minutes("2019-03-01T19:00:00-05:00"), Some(-300));
        assert_eq!(utc_offset_minutes("2019-03-01T10:58:00Z"), Some(0));
        assert_eq!(utc_offset_minutes("2019-03-01"), None);
    }
}
