//! A drug's daily dose and course as imported FHIR records give them (review r9): one drug
//! sent as two orders taken together (two strengths, or two times of the day) is one daily
//! dose; a ward's daily administrations are a dose a day; and a ward's doses followed by the
//! discharge order are one course. Copies of one order, and an order replacing another, are
//! never added up.

use serde_json::{Value, json};

use crate::fhir::{Env, RXNORM, SNOMED, bundle, coding, condition, patient};

const SUBJECT: &str = "urn:uuid:scz-pt";
const UCUM: &str = "http://unitsofmeasure.org";

fn no_response() -> Value {
    json!([{"coding": [{"system": SNOMED, "code": "182868003",
                        "display": "Treatment stopped - drug ineffective"}],
            "text": "no response"}])
}

/// A daily dosage of `amount` `unit` from `start` to `end`, at `when` (a part of the day) when
/// given.
fn daily(amount: f64, unit: &str, (start, end): (&str, &str), when: Option<&str>) -> Value {
    let mut repeat = json!({"frequency": 1, "period": 1, "periodUnit": "d",
                            "boundsPeriod": {"start": start, "end": end}});
    if let Some(when) = when {
        repeat["when"] = json!([when]);
    }
    json!({"timing": {"repeat": repeat},
           "doseAndRate": [{"doseQuantity": {"value": amount, "unit": unit,
                                             "system": UCUM, "code": unit}}]})
}

fn olanzapine() -> Value {
    coding(RXNORM, "61381", "olanzapine")
}

/// An order of `drug` stopped for no response.
#[allow(clippy::needless_pass_by_value)] // `json!` copies what it is given; callers build them inline
fn order(id: &str, drug: Value, dosage: Value, authored: &str) -> Value {
    json!({"resourceType": "MedicationRequest", "id": id, "status": "stopped",
           "intent": "order", "subject": {"reference": SUBJECT}, "authoredOn": authored,
           "statusReason": no_response(), "medicationCodeableConcept": drug,
           "dosageInstruction": [dosage]})
}

/// Olanzapine `mg` given on the ward on `days` days from 2025-04-01, at each of `hours`.
fn ward_doses(mg: f64, days: i64, hours: &[&str]) -> Vec<Value> {
    let first = chrono::NaiveDate::from_ymd_opt(2025, 4, 1).unwrap();
    let mut doses = Vec::new();
    for day in 0..days {
        let date = first + chrono::Duration::days(day);
        for hour in hours {
            doses.push(json!({"resourceType": "MedicationAdministration",
                "id": format!("mar-{day}-{hour}"), "status": "completed",
                "subject": {"reference": SUBJECT}, "medicationCodeableConcept": olanzapine(),
                "effectiveDateTime": format!("{date}T{hour}:00:00Z"),
                "dosage": {"dose": {"value": mg, "unit": "mg", "system": UCUM, "code": "mg"}}}));
        }
    }
    doses
}

/// Schizophrenia: risperidone 10 mg/d (600 mg/d chlorpromazine equivalent) 2025-01-01 →
/// 03-31 stopped for no response, then `olanzapine` (the records of the second trial, from
/// 2025-04-01), PANSS flat at 95. TRS (`schizophrenia`) status and detail.
fn trs_with(olanzapine: Vec<Value>) -> (String, String) {
    let (_, status, detail) = imported(olanzapine);
    (status, detail)
}

/// [`trs_with`], with the database it was imported into.
fn imported(olanzapine: Vec<Value>) -> (Env, String, String) {
    let panss = |id: &str, day: &str| {
        json!({"resourceType": "Observation", "id": id, "status": "final",
               "subject": {"reference": SUBJECT}, "code": {"text": "PANSS total score"},
               "effectiveDateTime": day, "valueInteger": 95})
    };
    let mut resources = vec![
        patient("scz-pt", "SCZ-1", "Berg", "Ona"),
        condition("scz", SUBJECT, SNOMED, "58214004", "Schizophrenia"),
        json!({"resourceType": "MedicationStatement", "id": "ris", "status": "completed",
               "subject": {"reference": SUBJECT}, "statusReason": no_response(),
               "medicationCodeableConcept": {"text": "risperidone 4 MG Oral Tablet"},
               "effectivePeriod": {"start": "2025-01-01", "end": "2025-03-31"},
               "dosage": [daily(10.0, "mg", ("2025-01-01", "2025-03-31"), None)]}),
        panss("s0", "2024-12-20"),
        panss("s1", "2025-03-25"),
        panss("s2", "2025-06-25"),
        panss("s3", "2025-09-01"),
    ];
    resources.extend(olanzapine);
    let mut env = Env::new();
    let path = env.write_json("scz.json", &bundle("collection", &resources));
    env.import_ok(&path);
    let rows = env.rows("SELECT status, detail FROM assessments WHERE ruleset = 'schizophrenia'");
    assert_eq!(rows.len(), 1, "{rows:#?}");
    let (status, detail) = (rows[0][0].clone(), rows[0][1].clone());
    (env, status, detail)
}

const TRIAL: (&str, &str) = ("2025-04-01", "2025-06-30");

#[test]
fn one_order_of_25_mg_a_day_is_an_adequate_trial() {
    let (status, detail) = trs_with(vec![order(
        "olz",
        olanzapine(),
        daily(25.0, "mg", TRIAL, None),
        "2025-04-01",
    )]);
    assert_eq!(status, "refractory", "{detail}");
}

/// Review R9-1: a 10 mg and a 15 mg tablet, each ordered once a day for the same weeks, are
/// 25 mg/d (750 mg/d chlorpromazine equivalent), not 15.
#[test]
fn two_orders_of_two_strengths_taken_together_add_up() {
    let tablet = |code: &str, name: &str| coding(RXNORM, code, name);
    let (status, detail) = trs_with(vec![
        order(
            "olz10",
            tablet("312076", "olanzapine 10 MG Oral Tablet"),
            daily(1.0, "{tbl}", TRIAL, None),
            "2025-04-01",
        ),
        order(
            "olz15",
            tablet("314154", "olanzapine 15 MG Oral Tablet"),
            daily(1.0, "{tbl}", TRIAL, None),
            "2025-04-01",
        ),
    ]);
    assert_eq!(status, "refractory", "{detail}");
    assert!(detail.contains("25 mg/d"), "{detail}");
}

/// Review R9-1: 10 mg every morning and 15 mg at bedtime, written as two orders, are 25 mg/d;
/// as they are in one order with two entries.
#[test]
fn two_orders_for_two_times_of_the_day_add_up() {
    let (status, detail) = trs_with(vec![
        order(
            "morning",
            olanzapine(),
            daily(10.0, "mg", TRIAL, Some("MORN")),
            "2025-04-01",
        ),
        order(
            "bedtime",
            olanzapine(),
            daily(15.0, "mg", TRIAL, Some("HS")),
            "2025-04-01",
        ),
    ]);
    assert_eq!(status, "refractory", "{detail}");
    assert!(detail.contains("25 mg/d"), "{detail}");
    // The same dose at the same time twice: a copy of one order, never 30 mg/d.
    let (status, detail) = trs_with(vec![
        order(
            "one",
            olanzapine(),
            daily(15.0, "mg", TRIAL, Some("HS")),
            "2025-04-01",
        ),
        order(
            "copy",
            olanzapine(),
            daily(15.0, "mg", TRIAL, Some("HS")),
            "2025-04-01",
        ),
    ]);
    assert_eq!(status, "not_met", "{detail}");
    assert!(detail.contains("15 mg/d"), "{detail}");
}

/// The order and the statement of one course, at one dose, are one 15 mg/d trial (copies,
/// never added); so are two orders of one dose under two product codes.
#[test]
fn copies_of_one_course_are_never_added_up() {
    let statement = json!({"resourceType": "MedicationStatement", "id": "said",
        "status": "completed", "subject": {"reference": SUBJECT},
        "statusReason": no_response(), "medicationCodeableConcept": olanzapine(),
        "effectivePeriod": {"start": TRIAL.0, "end": TRIAL.1},
        "dosage": [daily(15.0, "mg", TRIAL, None)]});
    let (status, detail) = trs_with(vec![
        order(
            "olz",
            olanzapine(),
            daily(15.0, "mg", TRIAL, None),
            "2025-04-01",
        ),
        statement,
    ]);
    assert_eq!(status, "not_met", "{detail}");
    assert!(detail.contains("15 mg/d"), "{detail}");
    let (status, detail) = trs_with(vec![
        order(
            "generic",
            olanzapine(),
            daily(15.0, "mg", TRIAL, None),
            "2025-04-01",
        ),
        order(
            "product",
            coding(RXNORM, "314154", "olanzapine 15 MG Oral Tablet"),
            daily(1.0, "{tbl}", TRIAL, None),
            "2025-04-01",
        ),
    ]);
    assert_eq!(status, "not_met", "{detail}");
}

/// A new order at a new dose, the old one closed as it began, replaces it: 10 mg/d then
/// 15 mg/d, never 25.
#[test]
fn an_order_replacing_another_is_not_added_to_it() {
    let mut first = order(
        "olz10",
        olanzapine(),
        daily(10.0, "mg", ("2025-04-01", "2025-04-14"), None),
        "2025-04-01",
    );
    first["status"] = json!("completed");
    first.as_object_mut().unwrap().remove("statusReason");
    let (status, detail) = trs_with(vec![
        first,
        order(
            "olz15",
            olanzapine(),
            daily(15.0, "mg", ("2025-04-14", "2025-06-30"), None),
            "2025-04-14",
        ),
    ]);
    assert_eq!(status, "not_met", "{detail}");
    assert!(!detail.contains("25 mg/d"), "{detail}");
}

/// Review R9-4: 70 days of olanzapine 20 mg given on the ward once a day, or 10 mg twice a
/// day, are 20 mg/d: the dose a day is the day's doses added up, never unknown.
#[test]
fn a_wards_daily_doses_are_a_dose_a_day() {
    for (mg, hours) in [(20.0, &["08"][..]), (10.0, &["08", "20"][..])] {
        let (env, _, detail) = imported(ward_doses(mg, 70, hours));
        assert!(!detail.contains("no daily dose recorded"), "{detail}");
        let doses = env.rows(
            "SELECT start, end, dose_value, dose_unit FROM drug_exposures \
             WHERE text LIKE 'olanzapine%'",
        );
        assert_eq!(doses.len(), 1, "{doses:#?}");
        assert_eq!(doses[0][2..], ["20", "mg/d"], "{doses:#?}");
    }
}

/// Review R9-7: the dose a day of a ward's doses is the day's total refract added up: the stored
/// record and `show` say so ("day's total of ward doses").
#[test]
fn a_wards_dose_a_day_says_it_is_the_days_total() {
    let (env, _, _) = imported(ward_doses(10.0, 70, &["08", "20"]));
    let from = env.rows("SELECT dose_from FROM drug_exposures WHERE text LIKE 'olanzapine%'");
    assert_eq!(from, [["ward_day_total"]], "{from:#?}");
    let show = crate::fhir::refract()
        .arg("--db")
        .arg(env.db())
        .args(["show", "SCZ-1"])
        .output()
        .unwrap();
    let show = String::from_utf8_lossy(&show.stdout);
    assert!(
        show.contains("20 mg/d (day's total of ward doses)"),
        "{show}"
    );
}

/// Doses every other day are no dose a day: each keeps its amount.
#[test]
fn doses_every_other_day_are_no_dose_a_day() {
    let doses: Vec<Value> = ward_doses(20.0, 40, &["08"])
        .into_iter()
        .step_by(2)
        .collect();
    let (env, _, _) = imported(doses);
    let units = env.rows("SELECT dose_unit FROM drug_exposures WHERE text LIKE 'olanzapine%'");
    assert_eq!(units, [["mg"]], "{units:#?}");
}

/// Review R9-2: three weeks of ward doses of olanzapine 20 mg, then the discharge order at the
/// same dose for four weeks stopped for no response, are one 7-week trial.
#[test]
fn a_wards_doses_and_the_discharge_order_are_one_course() {
    let mut records = ward_doses(20.0, 21, &["08"]);
    records.push(order(
        "discharge",
        olanzapine(),
        daily(20.0, "mg", ("2025-04-22", "2025-05-19"), None),
        "2025-04-21",
    ));
    let (status, detail) = trs_with(records);
    assert_eq!(status, "refractory", "{detail}");
    assert!(!detail.contains("3 weeks only"), "{detail}");
}
