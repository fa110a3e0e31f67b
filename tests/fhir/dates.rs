//! FHIR dates and dateTimes: partial dates, offsets (a time with an offset is the same instant in
//! UTC, so times from sources in different zones, or either side of a daylight-saving change, are
//! on one axis), fractional seconds, and impossible dates.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use refract::demo::Rng;
use refract::fhir::parse_datetime;
use serde_json::{Value, json};

use super::{Env, LOINC, bundle, coding, patient};

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
fn date_times_with_an_offset_are_the_same_instant_in_utc() {
    assert_eq!(at("2019-03-01T10:20:30Z"), ymd_hms(2019, 3, 1, 10, 20, 30));
    assert_eq!(
        at("2019-03-01T23:07:34+05:00"),
        ymd_hms(2019, 3, 1, 18, 7, 34)
    );
    assert_eq!(
        at("2019-03-01T20:30:00-08:00"),
        ymd_hms(2019, 3, 2, 4, 30, 0),
        "the UTC day: one axis for every source"
    );
    assert_eq!(
        at("2016-01-07T22:28:27+00:00"),
        ymd_hms(2016, 1, 7, 22, 28, 27)
    );
    assert_eq!(
        at("2026-11-01T01:50:00-04:00"),
        at("2026-11-01T05:50:00Z"),
        "the first 01:50 of the US fall-back night"
    );
    assert_eq!(at("2026-11-01T01:50:00-05:00"), at("2026-11-01T06:50:00Z"));
    // Without an offset (not valid FHIR, common in the wild): read as written.
    assert_eq!(at("2019-03-01T10:20:30"), ymd_hms(2019, 3, 1, 10, 20, 30));
    // A date has no time and no offset: it stays its day.
    assert_eq!(at("2019-03-01"), ymd_hms(2019, 3, 1, 0, 0, 0));
}

const SUBJECT: &str = "urn:uuid:zone-pt";

fn imported(resources: &[Value]) -> Env {
    let mut env = Env::new();
    let mut all = vec![patient("zone-pt", "ZONE-1", "Zeit", "Ute")];
    all.extend_from_slice(resources);
    let path = env.write_json("zones.json", &bundle("collection", &all));
    env.import_ok(&path);
    env
}

fn administration(id: &str, drug: &str, when: (&str, &Value)) -> Value {
    let mut resource = json!({
        "resourceType": "MedicationAdministration",
        "id": id,
        "status": "completed",
        "subject": {"reference": SUBJECT},
        "medicationCodeableConcept": {"text": drug},
        "dosage": {"dose": {"value": 4, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}}
    });
    resource[when.0] = when.1.clone();
    resource
}

fn stored(env: &Env, sql: &str) -> NaiveDateTime {
    let rows = env.rows(sql);
    assert_eq!(rows.len(), 1, "{sql}: {rows:?}");
    NaiveDateTime::parse_from_str(&rows[0][0], "%Y-%m-%d %H:%M:%S")
        .unwrap_or_else(|err| panic!("{}: {err}", rows[0][0]))
}

#[test]
fn times_written_with_different_offsets_are_ordered_by_instant() {
    // A device writes UTC beside an EHR writing +01:00: the reading at 11:00+01:00 (10:00 UTC)
    // comes 20 minutes before the drug given at 10:20Z, though its wall clock reads later.
    let env = imported(&[
        json!({
            "resourceType": "Observation",
            "id": "reading",
            "status": "final",
            "subject": {"reference": SUBJECT},
            "code": coding(LOINC, "8867-4", "Heart rate"),
            "effectiveDateTime": "2026-11-01T11:00:00+01:00",
            "valueQuantity": {"value": 90, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"}
        }),
        administration(
            "given",
            "lorazepam 2 MG/ML Injectable Solution",
            ("effectiveDateTime", &json!("2026-11-01T10:20:00Z")),
        ),
    ]);
    let reading = stored(&env, "SELECT effective FROM observations");
    let given = stored(&env, "SELECT start FROM drug_exposures");
    assert_eq!(reading, ymd_hms(2026, 11, 1, 10, 0, 0));
    assert_eq!(given - reading, chrono::Duration::minutes(20));
}

#[test]
fn a_period_across_a_daylight_saving_change_has_its_true_length() {
    // US fall-back night: 00:30 EDT to 01:30 EST is two hours, though the wall clock moved one.
    let env = imported(&[administration(
        "infusion",
        "midazolam 1 MG/ML Injectable Solution",
        (
            "effectivePeriod",
            &json!({"start": "2026-11-01T00:30:00-04:00", "end": "2026-11-01T01:30:00-05:00"}),
        ),
    )]);
    let start = stored(&env, "SELECT start FROM drug_exposures");
    let end = stored(&env, "SELECT end FROM drug_exposures");
    assert_eq!(start, ymd_hms(2026, 11, 1, 4, 30, 0));
    assert_eq!(end - start, chrono::Duration::hours(2));
}

#[test]
fn fractional_seconds() {
    let t = at("2019-03-01T10:20:30.123+01:00");
    assert_eq!(
        t,
        ymd_hms(2019, 3, 1, 9, 20, 30) + chrono::Duration::milliseconds(123)
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
        assert_eq!(
            at(&text),
            time - chrono::Duration::hours(offset),
            "{text}: the same instant in UTC"
        );
    }
}

#[test]
fn the_newer_copy_of_a_resource_is_the_later_instant_whatever_its_offset() {
    // The same reading sent again after the fall-back change: 01:10 EST is 20 minutes after
    // 01:50 EDT, though its text sorts first.
    let reading = |value: i64, updated: &str| {
        json!({
            "resourceType": "Observation",
            "id": "hr",
            "meta": {"lastUpdated": updated},
            "status": "final",
            "subject": {"reference": SUBJECT},
            "code": coding(LOINC, "8867-4", "Heart rate"),
            "effectiveDateTime": "2026-10-31T22:00:00-04:00",
            "valueQuantity": {"value": value, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"}
        })
    };
    let mut env = imported(&[reading(90, "2026-11-01T01:50:00-04:00")]);
    let second = env.write_json(
        "zones-again.json",
        &bundle(
            "collection",
            &[
                patient("zone-pt", "ZONE-1", "Zeit", "Ute"),
                reading(100, "2026-11-01T01:10:00-05:00"),
            ],
        ),
    );
    env.import_ok(&second);
    assert_eq!(env.rows("SELECT value FROM observations"), [["100"]]);
    // And the copy written before it, sent late, does not replace it.
    let late = env.write_json(
        "zones-late.json",
        &bundle(
            "collection",
            &[
                patient("zone-pt", "ZONE-1", "Zeit", "Ute"),
                reading(80, "2026-11-01T06:00:00Z"),
            ],
        ),
    );
    env.import_ok(&late);
    assert_eq!(env.rows("SELECT value FROM observations"), [["100"]]);
}

/// A period with a time at one end and a date only at the other is counted on one calendar:
/// the time is read as the source's wall-clock, so that the days between the ends are the
/// days the record says (the review's case: venlafaxine from 00:30+02:00 on 15 May to 11 June
/// was 27 days; its start's UTC day made it 28, an adequate trial and a false TRD flag).
#[test]
fn a_period_with_a_date_only_end_is_counted_on_the_sources_calendar() {
    let statement = |id: &str, start: &str, end: &str| {
        json!({
            "resourceType": "MedicationStatement",
            "id": id,
            "status": "completed",
            "subject": {"reference": SUBJECT},
            "medicationCodeableConcept": {"text": format!("drug {id}")},
            "effectivePeriod": {"start": start, "end": end}
        })
    };
    let env = imported(&[
        statement("east", "2025-05-15T00:30:00+02:00", "2025-06-11"),
        statement("west", "2025-05-15", "2025-06-11T23:30:00-05:00"),
        statement(
            "both",
            "2025-05-15T00:30:00+02:00",
            "2025-06-11T23:30:00-05:00",
        ),
    ]);
    assert_eq!(
        env.rows("SELECT text, start, end FROM drug_exposures ORDER BY text"),
        [
            ["drug both", "2025-05-14 22:30:00", "2025-06-12 04:30:00"],
            ["drug east", "2025-05-15 00:30:00", "2025-06-11 00:00:00"],
            ["drug west", "2025-05-15 00:00:00", "2025-06-11 23:30:00"],
        ]
    );
}
