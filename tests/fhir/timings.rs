//! How often a dose is given when the timing says it otherwise than by `repeat.frequency` and
//! `period` (R4 `Timing`): a named schedule (`timing.code`, the v3 GTSAbbreviation codes of the
//! value set timing-abbreviation: `BID`, `TID`, `QHS`…), the times of the day it is given
//! (`repeat.when`, `timeOfDay`: each a dose a day when no frequency is given), and the days of
//! the week (`dayOfWeek`). What does not say how many doses a day stays unknown.

use serde_json::{Value, json};

use super::{Env, RXNORM, bundle, coding};

const SUBJECT: &str = "urn:uuid:tim-pt";
const GTS: &str = "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation";

/// A statement of `text`, 75 mg at each time `timing` gives.
fn taken(n: usize, text: &str, timing: &Value) -> Value {
    json!({
        "resourceType": "MedicationStatement",
        "id": format!("tim-{n}"),
        "status": "active",
        "subject": {"reference": SUBJECT},
        "medicationCodeableConcept": coding(RXNORM, &format!("9{n}"), text),
        "effectivePeriod": {"start": "2025-02-01"},
        "dosage": [{"timing": timing, "doseAndRate": [{"doseQuantity": {"value": 75, "unit": "mg"}}]}]
    })
}

/// The dose stored for each `(drug, timing)`.
fn doses(cases: &[(&str, Value)]) -> Vec<(String, String)> {
    let mut env = Env::new();
    let mut all = vec![super::patient("tim-pt", "TIM-1", "Dahl", "Kari")];
    all.extend(
        cases
            .iter()
            .enumerate()
            .map(|(n, (text, timing))| taken(n, text, timing)),
    );
    let path = env.write_json("timings.json", &bundle("collection", &all));
    env.import_ok(&path);
    env.rows(
        "SELECT text, coalesce(dose_value || ' ' || dose_unit, '-')
         FROM drug_exposures ORDER BY text",
    )
    .into_iter()
    .map(|row| (row[0].clone(), row[1].clone()))
    .collect()
}

fn code(code: &str) -> Value {
    json!({"code": {"coding": [{"system": GTS, "code": code}], "text": code}})
}

#[test]
fn a_named_schedule_is_a_frequency() {
    let got = doses(&[
        ("a BID", code("BID")),
        ("b TID", code("TID")),
        ("c QID", code("QID")),
        ("d QD", code("QD")),
        ("e AM", code("AM")),
        ("f QOD", code("QOD")),
        ("g Q8H", code("Q8H")),
        ("h QHS", code("QHS")),
        ("i WK", code("WK")),
        // A code of no system known, and words only.
        ("j words", json!({"code": {"text": "twice daily"}})),
        // The structured repeat, when it says the frequency, is what is read.
        (
            "k repeat",
            json!({"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"},
                   "code": {"coding": [{"system": GTS, "code": "BID"}]}}),
        ),
        // A code of another system is not an abbreviation.
        (
            "l other",
            json!({"code": {"coding": [{"system": "http://snomed.info/sct", "code": "229799001"}]}}),
        ),
    ]);
    let want = [
        ("a BID", "150.0 mg/d"),
        ("b TID", "225.0 mg/d"),
        ("c QID", "300.0 mg/d"),
        ("d QD", "75.0 mg/d"),
        ("e AM", "75.0 mg/d"),
        // Every other day: the amount of one dose per its two days.
        ("f QOD", "75.0 mg/2d"),
        ("g Q8H", "225.0 mg/d"),
        ("h QHS", "75.0 mg/d"),
        ("i WK", "75.0 mg/wk"),
        ("j words", "150.0 mg/d"),
        ("k repeat", "75.0 mg/d"),
        ("l other", "75.0 mg"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn each_time_of_the_day_is_a_dose_when_no_frequency_is_given() {
    let repeat = |repeat: Value| json!({"repeat": repeat});
    let got = doses(&[
        (
            "a morning and evening",
            repeat(json!({"when": ["MORN", "EVE"]})),
        ),
        (
            "b three times",
            repeat(json!({"when": ["MORN", "NOON", "HS"]})),
        ),
        // The same time twice is one dose.
        ("c repeated", repeat(json!({"when": ["MORN", "MORN"]}))),
        (
            "d clock",
            repeat(json!({"timeOfDay": ["08:00:00", "20:00:00"]})),
        ),
        // At meals: as many as meals, which is not said.
        ("e meals", repeat(json!({"when": ["AC"]}))),
        // A frequency says it: read before the times of the day.
        (
            "f frequency",
            repeat(
                json!({"frequency": 2, "period": 1, "periodUnit": "d", "timeOfDay": ["08:00:00", "20:00:00"]}),
            ),
        ),
        // Per a period with no frequency: once for each time, each period.
        (
            "g weekly",
            repeat(json!({"period": 1, "periodUnit": "wk", "when": ["MORN"]})),
        ),
        // Twice a day on two days of the week: four doses a week.
        (
            "h two days",
            repeat(
                json!({"frequency": 2, "period": 1, "periodUnit": "d", "dayOfWeek": ["mon", "thu"]}),
            ),
        ),
    ]);
    let want = [
        ("a morning and evening", "150.0 mg/d"),
        ("b three times", "225.0 mg/d"),
        ("c repeated", "75.0 mg/d"),
        ("d clock", "150.0 mg/d"),
        ("e meals", "75.0 mg"),
        ("f frequency", "150.0 mg/d"),
        ("g weekly", "75.0 mg/wk"),
        ("h two days", "42.857 mg/d"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    assert_eq!(got, want);
}

/// A schedule whose doses are not a whole number of days apart (three times a week: every 2⅓
/// days) is stored as doses per whole period, never as a fractional interval ("mg/2.33d"),
/// which no UCUM reader understands and which, rounded, read back as another daily dose.
#[test]
fn doses_a_fraction_of_days_apart_are_counted_per_whole_period() {
    let repeat = |repeat: Value| json!({"repeat": repeat});
    let got = doses(&[
        (
            "a three a week",
            repeat(json!({"frequency": 3, "period": 1, "periodUnit": "wk"})),
        ),
        (
            "b two a week",
            repeat(json!({"frequency": 2, "period": 1, "periodUnit": "wk"})),
        ),
        (
            "c three a fortnight",
            repeat(json!({"frequency": 3, "period": 2, "periodUnit": "wk"})),
        ),
        (
            "d every other day",
            repeat(json!({"frequency": 1, "period": 2, "periodUnit": "d"})),
        ),
        // Under two days apart: doses a week are not evenly spaced, a daily amount.
        (
            "e five a week",
            repeat(json!({"frequency": 5, "period": 1, "periodUnit": "wk"})),
        ),
        (
            "f mondays and thursdays",
            repeat(
                json!({"frequency": 1, "period": 1, "periodUnit": "d", "dayOfWeek": ["mon", "thu"]}),
            ),
        ),
        (
            "g every 60 hours",
            repeat(json!({"frequency": 1, "period": 60, "periodUnit": "h"})),
        ),
        // In words.
        (
            "h in words",
            json!({"code": {"text": "three times a week"}}),
        ),
    ]);
    let want = [
        ("a three a week", "75.0 mg 3x/wk"),
        ("b two a week", "75.0 mg 2x/wk"),
        ("c three a fortnight", "75.0 mg 3x/2wk"),
        ("d every other day", "75.0 mg/2d"),
        ("e five a week", "53.571 mg/d"),
        ("f mondays and thursdays", "75.0 mg 2x/wk"),
        ("g every 60 hours", "75.0 mg 2x/5d"),
        ("h in words", "75.0 mg 3x/wk"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    assert_eq!(got, want);
}

/// RR-11: a frequency fewer than the times of the day named (`frequency` 1 a day, `when`
/// MORN and EVE) cannot count every dose of the day (R4 `Timing.repeat.when`: "When more than
/// one event is listed, the event is tied to the union of the specified events"): each named
/// time is a dose, once for each of them per period. A frequency that agrees with the times
/// named, or exceeds them, is read as it is. Once a week at two times: two doses a week.
#[test]
fn a_frequency_of_one_at_several_times_of_the_day_is_a_dose_at_each() {
    let repeat = |repeat: Value| json!({"repeat": repeat});
    let got = doses(&[
        (
            "a once at morning and evening",
            repeat(
                json!({"frequency": 1, "period": 1, "periodUnit": "d", "when": ["MORN", "EVE"]}),
            ),
        ),
        (
            "b once at two clock times",
            repeat(json!({"frequency": 1, "period": 1, "periodUnit": "d",
                       "timeOfDay": ["08:00:00", "20:00:00"]})),
        ),
        (
            "c twice at morning and evening",
            repeat(
                json!({"frequency": 2, "period": 1, "periodUnit": "d", "when": ["MORN", "EVE"]}),
            ),
        ),
        (
            "d four times in the morning",
            repeat(json!({"frequency": 4, "period": 1, "periodUnit": "d", "when": ["MORN"]})),
        ),
        (
            "e weekly at morning and evening",
            repeat(
                json!({"frequency": 1, "period": 1, "periodUnit": "wk", "when": ["MORN", "EVE"]}),
            ),
        ),
    ]);
    let want = [
        ("a once at morning and evening", "150.0 mg/d"),
        ("b once at two clock times", "150.0 mg/d"),
        ("c twice at morning and evening", "150.0 mg/d"),
        ("d four times in the morning", "300.0 mg/d"),
        ("e weekly at morning and evening", "75.0 mg 2x/wk"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    assert_eq!(got, want);
}
