//! Two orders of one drug begun together as parts of one day's doses (review r9 R9-1): what the
//! import stores of them.

use serde_json::{Value, json};

use super::{Env, RXNORM, bundle, coding, patient};

const SUBJECT: &str = "urn:uuid:lev-pt";

/// An order of levetiracetam `mg` once a day at `when`, from `start` to `end` (open when
/// `None`).
fn order(id: &str, mg: f64, when: &str, start: &str, end: Option<&str>) -> Value {
    let mut bounds = json!({"start": start});
    if let Some(end) = end {
        bounds["end"] = json!(end);
    }
    json!({"resourceType": "MedicationRequest", "id": id,
           "status": if end.is_some() { "completed" } else { "active" },
           "intent": "order", "subject": {"reference": SUBJECT}, "authoredOn": start,
           "medicationCodeableConcept": coding(RXNORM, "114477", "levetiracetam"),
           "dosageInstruction": [{
               "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d",
                                     "when": [when], "boundsPeriod": bounds}},
               "doseAndRate": [{"doseQuantity": {"value": mg, "unit": "mg"}}]}]})
}

/// The stored levetiracetam exposures: start day, end day, dose value and unit.
fn stored(orders: Vec<Value>) -> Vec<Vec<String>> {
    let mut resources = vec![patient("lev-pt", "LEV-1", "Lind", "Ada")];
    resources.extend(orders);
    let mut env = Env::new();
    let path = env.write_json("lev.json", &bundle("collection", &resources));
    env.import_ok(&path);
    env.rows(
        "SELECT substr(start, 1, 10), substr(end, 1, 10), dose_value, dose_unit \
         FROM drug_exposures ORDER BY start",
    )
}

/// 500 mg every morning and 750 mg every evening, as two open orders: one course of 1250 mg/d.
#[test]
fn two_open_orders_for_two_times_of_the_day_are_one_course() {
    let rows = stored(vec![
        order("morning", 500.0, "MORN", "2025-01-06", None),
        order("evening", 750.0, "EVE", "2025-01-06", None),
    ]);
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0][2..], ["1250", "mg/d"], "{rows:#?}");
}

/// The morning order ends before the evening one: 1250 mg/d while both run, then 750 mg/d.
#[test]
fn the_part_running_longer_goes_on_at_its_own_dose() {
    let rows = stored(vec![
        order("morning", 500.0, "MORN", "2025-01-06", Some("2025-03-01")),
        order("evening", 750.0, "EVE", "2025-01-06", Some("2025-04-01")),
    ]);
    assert_eq!(rows.len(), 2, "{rows:#?}");
    assert_eq!(
        rows[0],
        ["2025-01-06", "2025-03-01", "1250", "mg/d"],
        "{rows:#?}"
    );
    assert_eq!(
        rows[1],
        ["2025-03-01", "2025-04-01", "750", "mg/d"],
        "{rows:#?}"
    );
}

/// Two orders at the same time of the day are no two parts (a copy, or a dose change): kept as
/// they were, never added up.
#[test]
fn orders_for_the_same_time_are_not_added() {
    let rows = stored(vec![
        order("one", 500.0, "MORN", "2025-01-06", None),
        order("other", 750.0, "MORN", "2025-01-06", None),
    ]);
    assert!(rows.iter().all(|row| row[2] != "1250"), "{rows:#?}");
}

/// MV-7: two orders of one start at other doses, no parts of one day, are neither a renewal
/// nor a dose change of each other: both stand from their start, each at its own dose, and
/// which id sorts first changes nothing (it had made the first a course of no days and the
/// second the dose, so swapping the ids swapped the dose shown).
#[test]
fn two_orders_of_one_start_at_other_doses_both_stand_whatever_their_ids() {
    let with_ids = |low: &str, high: &str, renewal: &str| {
        let mut rows = stored(vec![
            order(low, 500.0, "MORN", "2025-01-06", None),
            order(high, 750.0, "MORN", "2025-01-06", None),
            order(renewal, 750.0, "MORN", "2025-02-20", None),
        ]);
        rows.sort();
        rows
    };
    let one = with_ids("a", "b", "c");
    let other = with_ids("b", "a", "c");
    assert_eq!(one, other);
    let from_start: Vec<&str> = one
        .iter()
        .filter(|row| row[0] == "2025-01-06")
        .map(|row| row[2].as_str())
        .collect();
    assert_eq!(from_start.len(), 2, "{one:#?}");
    assert!(
        from_start.contains(&"500") && from_start.contains(&"750"),
        "{one:#?}"
    );
    assert!(one.iter().all(|row| row[0] != row[1]), "{one:#?}");
}

/// RV-4: two orders of one start at 3000 and 500 mg/d, then a renewal at 500 mg/d. The
/// renewal repeats the 500 mg/d order, so that is the course that went on: it continues it,
/// whichever id sorts first, and the 3000 mg/d order, renewed by nothing, is no course of three
/// months at the maximum dose (an "adequate" trial on an order nobody renewed), nor does a
/// second 500 mg/d course stand open beside the one renewed.
#[test]
fn a_renewal_continues_the_order_of_one_start_whose_dose_it_repeats() {
    for (high, low) in [("a", "b"), ("b", "a")] {
        let rows = stored(vec![
            order(high, 3000.0, "MORN", "2025-01-06", None),
            order(low, 500.0, "MORN", "2025-01-06", None),
            order("c", 500.0, "MORN", "2025-04-06", None),
        ]);
        let open_500 = rows
            .iter()
            .filter(|row| row[2] == "500" && row[1] == "NULL")
            .count();
        assert_eq!(open_500, 1, "{rows:#?}");
        assert!(
            rows.iter()
                .any(|row| row[0] == "2025-01-06" && row[2] == "500" && row[1] == "NULL"),
            "the 500 mg/d course runs from its first order: {rows:#?}"
        );
        assert!(
            rows.iter()
                .filter(|row| row[2] == "3000")
                .all(|row| row[1] != "NULL" && row[1].as_str() < "2025-04-06"),
            "{rows:#?}"
        );
    }
}
