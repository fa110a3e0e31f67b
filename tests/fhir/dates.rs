//! FHIR dates and dateTimes: partial dates, offsets, fractional seconds, and impossible dates.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use refract::demo::Rng;
use refract::fhir::parse_datetime;

fn at(text: &str) -> NaiveDateTime {
    parse_datetime(text).unwrap_or_else(|err| panic!("'{text}': {err}"))
}

fn ymd_hms(year: i32, month: u32, day: u32, hour: u32, min: u32, sec: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(year, month, day)
        .unwrap()
        .and_hms_opt(hour, min, sec)
        .unwrap()
}

#[test]
fn partial_dates_mean_their_first_day() {
    assert_eq!(at("2019"), ymd_hms(2019, 1, 1, 0, 0, 0));
    assert_eq!(at("2019-03"), ymd_hms(2019, 3, 1, 0, 0, 0));
    assert_eq!(at("2019-03-01"), ymd_hms(2019, 3, 1, 0, 0, 0));
    assert_eq!(at("2020-02-29"), ymd_hms(2020, 2, 29, 0, 0, 0), "leap day");
    assert_eq!(at(" 2019-03-01 "), ymd_hms(2019, 3, 1, 0, 0, 0), "trimmed");
}

#[test]
fn date_times_keep_the_local_time_written() {
    assert_eq!(at("2019-03-01T10:20:30Z"), ymd_hms(2019, 3, 1, 10, 20, 30));
    assert_eq!(
        at("2019-03-01T23:07:34+05:00"),
        ymd_hms(2019, 3, 1, 23, 7, 34),
        "the day written, not the UTC day"
    );
    assert_eq!(
        at("2019-03-01T00:30:00-08:00"),
        ymd_hms(2019, 3, 1, 0, 30, 0)
    );
    assert_eq!(
        at("2016-01-07T22:28:27+00:00"),
        ymd_hms(2016, 1, 7, 22, 28, 27)
    );
    // Without an offset (not valid FHIR, common in the wild): read as written.
    assert_eq!(at("2019-03-01T10:20:30"), ymd_hms(2019, 3, 1, 10, 20, 30));
}

#[test]
fn fractional_seconds() {
    let t = at("2019-03-01T10:20:30.123+01:00");
    assert_eq!(
        t,
        ymd_hms(2019, 3, 1, 10, 20, 30) + chrono::Duration::milliseconds(123)
    );
    let t = at("2017-03-01T10:00:00.250Z");
    assert_eq!(t.and_utc().timestamp_subsec_millis(), 250);
    let t = at("2019-03-01T10:20:30.123456789Z");
    assert_eq!(t.and_utc().timestamp_subsec_nanos(), 123_456_789);
    assert_eq!(
        at("2019-03-01T10:20:30.5")
            .and_utc()
            .timestamp_subsec_millis(),
        500
    );
}

#[test]
fn impossible_dates_are_rejected() {
    for text in [
        "2023-02-30",
        "2019-02-29",
        "2019-04-31",
        "2019-13",
        "2019-00",
        "2019-01-00",
        "2019-01-32",
        "2023-02-30T10:00:00Z",
        "2019-03-01T25:00:00Z",
        "2019-03-01T10:61:00Z",
        "2019-03-01T10:00:00+01:00junk",
        "2019-03-01-",
        "2019-03-01-07",
        "2019--01",
        "2019-03-",
        "2019-1-1-1",
        "20190301",
        "1799-12-31",
        "0000-01-01",
        "99999",
        "-2019",
        "yesterday",
        "",
        "٢٠١٩-٠٣-٠١",
    ] {
        let parsed = parse_datetime(text);
        assert!(parsed.is_err(), "'{text}' accepted as {parsed:?}");
        let message = parsed.unwrap_err();
        assert!(!message.contains('\n'));
        assert!(message.contains(text.trim()), "'{message}' names the date");
    }
}

#[test]
fn every_day_round_trips() {
    // Every day of a range of years, written as FHIR writes them, reads back as that day; and
    // the day after the last of each month is refused.
    let mut day = NaiveDate::from_ymd_opt(1899, 12, 25).unwrap();
    let end = NaiveDate::from_ymd_opt(2101, 1, 5).unwrap();
    while day <= end {
        let text = day.format("%Y-%m-%d").to_string();
        assert_eq!(at(&text).date(), day, "{text}");
        if day.succ_opt().unwrap().day() == 1 {
            let after = format!("{:04}-{:02}-{:02}", day.year(), day.month(), day.day() + 1);
            assert!(parse_datetime(&after).is_err(), "{after}");
        }
        day = day.succ_opt().unwrap();
    }
    // Date-times with offsets and fractions, at random.
    let mut rng = Rng::new(20_190_301);
    for _ in 0..5_000 {
        let date = NaiveDate::from_ymd_opt(rng.range(1850, 2150) as i32, 1, 1).unwrap()
            + chrono::Duration::days(rng.range(0, 364));
        let time = date
            .and_hms_nano_opt(
                rng.range(0, 23) as u32,
                rng.range(0, 59) as u32,
                rng.range(0, 59) as u32,
                rng.range(0, 999) as u32 * 1_000_000,
            )
            .unwrap();
        let offset = rng.range(-12, 14);
        let text = format!(
            "{}{}",
            time.format("%Y-%m-%dT%H:%M:%S%.3f"),
            if offset == 0 {
                String::from("Z")
            } else {
                format!(
                    "{}{:02}:00",
                    if offset < 0 { '-' } else { '+' },
                    offset.abs()
                )
            }
        );
        assert_eq!(at(&text), time, "{text}");
    }
}
