//! Drugs given at intervals longer than a day, as EHRs record them: an esketamine nasal session
//! twice a week (its minimum is per session), a monthly depot whose label dose is adequate only
//! when the ester's label ratio is kept exact, and depot or biologic injections recorded one by
//! one (MedicationAdministration), which are one exposure while each comes within the drug's
//! dosing interval, not chemotherapy cycles.

use chrono::{Duration, NaiveDate};
use serde_json::{Value, json};

use super::{Env, LOINC, SNOMED, bundle, coding, condition, patient, refract};

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn import(env: &mut Env, name: &str, document: &Value) {
    let path = env.write_json(name, document);
    env.import_ok(&path);
}

/// The statuses `flags --json` gives `condition`.
fn statuses(env: &Env, condition: &str) -> Vec<String> {
    let output = refract()
        .arg("--db")
        .arg(env.db())
        .args(["flags", "--json", "--condition", condition])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows: Value = serde_json::from_slice(&output.stdout).unwrap();
    rows.as_array()
        .unwrap()
        .iter()
        .map(|row| row["status"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// What `show` prints for `mrn`.
fn shown(env: &Env, mrn: &str) -> String {
    let output = refract()
        .arg("--db")
        .arg(env.db())
        .args(["show", mrn])
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A stopped (or completed) record of `drug` over `start..end`, `amount` mg `frequency` times
/// per `period` `unit`; `kind` is MedicationStatement or MedicationRequest.
#[allow(clippy::too_many_arguments)]
fn scheduled(
    kind: &str,
    id: &str,
    subject: &str,
    drug: &str,
    (start, end): (&str, &str),
    amount: f64,
    (frequency, period, unit): (u32, u32, &str),
    no_response: bool,
) -> Value {
    let timing = json!({"repeat": {"frequency": frequency, "period": period, "periodUnit": unit}});
    let dose = json!([{"doseQuantity": {"value": amount, "unit": "mg",
        "system": "http://unitsofmeasure.org", "code": "mg"}}]);
    let mut resource = if kind == "MedicationRequest" {
        json!({
            "resourceType": kind, "id": id, "status": "completed", "intent": "order",
            "subject": {"reference": subject}, "medicationCodeableConcept": {"text": drug},
            "authoredOn": start,
            "dosageInstruction": [{"timing": {"repeat": {"frequency": frequency,
                "period": period, "periodUnit": unit,
                "boundsPeriod": {"start": start, "end": end}}}, "doseAndRate": dose}]
        })
    } else {
        json!({
            "resourceType": kind, "id": id, "status": "stopped",
            "subject": {"reference": subject}, "medicationCodeableConcept": {"text": drug},
            "effectivePeriod": {"start": start, "end": end},
            "dosage": [{"timing": timing, "doseAndRate": dose}]
        })
    };
    if no_response {
        resource["statusReason"] = json!([coding(SNOMED, "266721009", "No response to treatment")]);
    }
    resource
}

/// A score observation named by its text alone (PANSS) or coded (PHQ-9).
fn score(id: &str, subject: &str, code: &Value, on: &str, value: i64) -> Value {
    json!({
        "resourceType": "Observation", "id": id, "status": "final", "code": code,
        "subject": {"reference": subject}, "effectiveDateTime": on, "valueInteger": value
    })
}

/// One injection of `amount` mg of `drug` every `every` days from `first` to `last`.
fn injections(
    prefix: &str,
    subject: &str,
    drug: &str,
    (first, last): (&str, &str),
    every: i64,
    amount: f64,
) -> Vec<Value> {
    let mut out = Vec::new();
    let mut on = day(first);
    while on <= day(last) {
        out.push(json!({
            "resourceType": "MedicationAdministration",
            "id": format!("{prefix}{}", out.len()),
            "status": "completed",
            "subject": {"reference": subject},
            "medicationCodeableConcept": {"text": drug},
            "effectiveDateTime": on.to_string(),
            "dosage": {"dose": {"value": amount, "unit": "mg",
                "system": "http://unitsofmeasure.org", "code": "mg"}}
        }));
        on += Duration::days(every);
    }
    out
}

fn panss(subject: &str, scores: &[(&str, i64)]) -> Vec<Value> {
    scores
        .iter()
        .enumerate()
        .map(|(i, (on, value))| {
            score(
                &format!("panss-{i}"),
                subject,
                &json!({"text": "PANSS total score"}),
                on,
                *value,
            )
        })
        .collect()
}

#[test]
fn esketamine_twice_weekly_is_judged_by_its_dose_per_session() {
    let mut env = Env::new();
    let subject = "urn:uuid:d1";
    let phq9 = json!({"coding": [{"system": LOINC, "code": "44261-6", "display": "PHQ-9 total"}]});
    let mut resources = vec![
        patient("d1", "MRN-d1", "Doe", "Jane"),
        condition(
            "d1-dx",
            subject,
            SNOMED,
            "370143000",
            "Major depressive disorder",
        ),
        scheduled(
            "MedicationStatement",
            "d1-ser",
            subject,
            "sertraline 100 MG Oral Tablet",
            ("2026-01-01", "2026-04-01"),
            150.0,
            (1, 1, "d"),
            true,
        ),
        scheduled(
            "MedicationStatement",
            "d1-esk",
            subject,
            "esketamine 28 MG Nasal Spray",
            ("2026-05-01", "2026-09-01"),
            56.0,
            (2, 1, "wk"),
            true,
        ),
    ];
    for (i, (on, value)) in [
        ("2025-12-20", 22),
        ("2026-03-25", 21),
        ("2026-04-25", 21),
        ("2026-08-25", 20),
    ]
    .into_iter()
    .enumerate()
    {
        resources.push(score(&format!("d1-s{i}"), subject, &phq9, on, value));
    }
    import(
        &mut env,
        "esketamine.json",
        &bundle("collection", &resources),
    );
    let text = shown(&env, "MRN-d1");
    assert!(!text.contains("below the minimum effective"), "{text}");
    assert_eq!(statuses(&env, "depression"), ["refractory"], "{text}");
}

#[test]
fn a_monthly_paliperidone_palmitate_label_dose_is_adequate() {
    let mut env = Env::new();
    let subject = "urn:uuid:s1";
    let mut resources = vec![
        patient("s1", "MRN-s1", "Doe", "Jane"),
        condition("s1-dx", subject, SNOMED, "58214004", "Schizophrenia"),
        scheduled(
            "MedicationRequest",
            "s1-hal",
            subject,
            "haloperidol decanoate 100 MG/ML Injectable Solution",
            ("2025-01-01", "2025-05-01"),
            200.0,
            (1, 4, "wk"),
            false,
        ),
        // 234 mg of the palmitate is 150 mg of paliperidone (label): 2 depot DDDs a day, 600
        // mg/d chlorpromazine equivalent, exactly TRRIP's bar.
        scheduled(
            "MedicationRequest",
            "s1-pal",
            subject,
            "paliperidone palmitate 156 MG/ML Injectable Suspension",
            ("2025-06-01", "2025-12-01"),
            234.0,
            (1, 1, "mo"),
            false,
        ),
    ];
    resources.extend(panss(
        subject,
        &[
            ("2024-12-20", 100),
            ("2025-04-25", 98),
            ("2025-05-25", 98),
            ("2025-11-25", 97),
        ],
    ));
    import(&mut env, "lai.json", &bundle("collection", &resources));
    let text = shown(&env, "MRN-s1");
    assert!(!text.contains("below 600"), "{text}");
    assert_eq!(statuses(&env, "schizophrenia"), ["refractory"], "{text}");
}

#[test]
fn monthly_depot_injections_given_one_by_one_are_one_trial_each() {
    let mut env = Env::new();
    let subject = "urn:uuid:s2";
    let mut resources = vec![
        patient("s2", "MRN-s2", "Doe", "Jane"),
        condition("s2-dx", subject, SNOMED, "58214004", "Schizophrenia"),
    ];
    resources.extend(injections(
        "s2-hal",
        subject,
        "haloperidol decanoate 100 MG/ML Injectable Solution",
        ("2025-01-01", "2025-04-23"),
        28,
        200.0,
    ));
    resources.extend(injections(
        "s2-pal",
        subject,
        "paliperidone palmitate 156 MG/ML Injectable Suspension",
        ("2025-06-01", "2025-11-16"),
        28,
        234.0,
    ));
    // The last scores fall after each drug's last injection, within the interval it covers.
    resources.extend(panss(
        subject,
        &[
            ("2024-12-20", 100),
            ("2025-05-10", 98),
            ("2025-05-25", 98),
            ("2025-12-05", 97),
        ],
    ));
    import(
        &mut env,
        "lai_given.json",
        &bundle("collection", &resources),
    );
    let haloperidol = env.rows(
        "SELECT start, end, dose_value || ' ' || dose_unit, coalesce(cycles, '-') \
         FROM drug_exposures WHERE text LIKE 'haloperidol%'",
    );
    assert_eq!(haloperidol.len(), 1, "{haloperidol:?}");
    assert!(
        haloperidol[0][0].starts_with("2025-01-01"),
        "{haloperidol:?}"
    );
    // The last injection (04-23) covers its four weeks.
    assert!(
        haloperidol[0][1].starts_with("2025-05-21"),
        "{haloperidol:?}"
    );
    assert_eq!(haloperidol[0][2], "200.0 mg/4wk");
    assert_eq!(haloperidol[0][3], "-");
    let text = shown(&env, "MRN-s2");
    assert!(!text.contains("cycles"), "{text}");
    assert_eq!(statuses(&env, "schizophrenia"), ["refractory"], "{text}");
}

#[test]
fn a_biologic_every_two_weeks_is_one_exposure_not_cycles() {
    let mut env = Env::new();
    let subject = "urn:uuid:r1";
    let mut resources = vec![
        patient("r1", "MRN-r1", "Doe", "Jane"),
        condition("r1-dx", subject, SNOMED, "69896004", "Rheumatoid arthritis"),
    ];
    resources.extend(injections(
        "r1-ada",
        subject,
        "adalimumab 40 MG/0.4ML Prefilled Syringe",
        ("2025-02-01", "2025-05-24"),
        14,
        40.0,
    ));
    resources.extend(injections(
        "r1-mtx",
        subject,
        "methotrexate 25 MG/ML Injectable Solution",
        ("2024-06-01", "2024-09-28"),
        7,
        15.0,
    ));
    import(&mut env, "ra_given.json", &bundle("collection", &resources));
    let rows = env.rows(
        "SELECT start, end, dose_value || ' ' || dose_unit, coalesce(cycles, '-') \
         FROM drug_exposures ORDER BY start",
    );
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows[0][1].starts_with("2024-10-05"), "{rows:?}");
    assert_eq!(rows[0][2], "15.0 mg/wk", "{rows:?}");
    assert_eq!(rows[0][3], "-", "{rows:?}");
    assert!(rows[1][0].starts_with("2025-02-01"), "{rows:?}");
    assert!(rows[1][1].starts_with("2025-06-07"), "{rows:?}");
    assert_eq!(rows[1][2], "40.0 mg/2wk", "{rows:?}");
    assert_eq!(rows[1][3], "-", "{rows:?}");
}

#[test]
fn high_dose_methotrexate_given_in_cycles_stays_cycles() {
    let mut env = Env::new();
    let subject = "urn:uuid:l1";
    let mut resources = vec![patient("l1", "MRN-l1", "Doe", "Jane")];
    resources.extend(injections(
        "l1-mtx",
        subject,
        "methotrexate 1 G/40ML Injectable Solution",
        ("2024-06-01", "2024-07-13"),
        21,
        5000.0,
    ));
    import(&mut env, "hd_mtx.json", &bundle("collection", &resources));
    let cycles = env.rows("SELECT coalesce(cycles, '-') FROM drug_exposures ORDER BY start");
    assert_eq!(cycles, [["1"], ["1"], ["1"]], "{cycles:?}");
}

#[test]
fn a_three_monthly_depot_named_so_is_one_exposure() {
    let mut env = Env::new();
    let subject = "urn:uuid:s3";
    let mut resources = vec![patient("s3", "MRN-s3", "Doe", "Jane")];
    resources.extend(injections(
        "s3-pal",
        subject,
        "Invega Trinza 525 MG Injectable Suspension",
        ("2025-01-01", "2025-07-02"),
        91,
        525.0,
    ));
    import(&mut env, "trinza.json", &bundle("collection", &resources));
    let rows = env.rows(
        "SELECT start, end, dose_value || ' ' || dose_unit, coalesce(cycles, '-') \
         FROM drug_exposures",
    );
    // Three doses (01-01, 04-02, 07-02), the last covering its three months.
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0][1].starts_with("2025-09-30"), "{rows:?}");
    assert_eq!(rows[0][2], "525.0 mg/3mo", "{rows:?}");
}

/// 3- and 6-monthly paliperidone palmitate under the generic or RxNorm name, with no brand: the
/// strength tells the product (Invega Trinza 273-819 mg, Invega Hafyera 1092/1560 mg, and the
/// same in paliperidone 175-525 and 700/1000 mg), so the injections are one exposure at the
/// dose per its interval, not 28-day courses months apart at 6 times the dose (review R8-3). A
/// monthly strength stays monthly.
#[test]
fn long_interval_paliperidone_named_generically_takes_its_strengths_interval() {
    for (drug, amount, every, last, dose) in [
        (
            "paliperidone palmitate 1560 MG/5ML Extended Release Injectable Suspension",
            1560.0,
            182,
            "2026-07-01",
            "1560.0 mg/6mo",
        ),
        (
            "5 ML paliperidone palmitate 312 MG/ML Prefilled Syringe",
            1560.0,
            182,
            "2026-07-01",
            "1560.0 mg/6mo",
        ),
        (
            "paliperidone palmitate 1092 MG/3.5ML Prefilled Syringe",
            1092.0,
            182,
            "2026-07-01",
            "1092.0 mg/6mo",
        ),
        (
            "2.625 ML paliperidone palmitate 312 MG/ML Prefilled Syringe",
            819.0,
            91,
            "2025-10-06",
            "819.0 mg/3mo",
        ),
        (
            "paliperidone palmitate 410 MG/1.315ML Extended Release Injectable Suspension",
            410.0,
            91,
            "2025-10-06",
            "410.0 mg/3mo",
        ),
        (
            "1.5 ML paliperidone palmitate 156 MG/ML Prefilled Syringe",
            234.0,
            28,
            "2025-05-02",
            "234.0 mg/4wk",
        ),
    ] {
        let mut env = Env::new();
        let subject = "urn:uuid:pg";
        let mut resources = vec![patient("pg", "MRN-pg", "Doe", "Jane")];
        resources.extend(injections(
            "pg-inj",
            subject,
            drug,
            ("2025-01-10", last),
            every,
            amount,
        ));
        import(&mut env, "generic.json", &bundle("collection", &resources));
        let rows = env.rows(
            "SELECT substr(start, 1, 10), dose_value || ' ' || dose_unit FROM drug_exposures",
        );
        assert_eq!(rows.len(), 1, "{drug}: {rows:?}");
        assert_eq!(rows[0][0], "2025-01-10", "{drug}: {rows:?}");
        assert_eq!(rows[0][1], dose, "{drug}: {rows:?}");
    }
}

/// Where a label's interval depends on the strength, the strength decides: Uzedy 250 mg and
/// Aristada 1064 mg are given every 2 months, Uzedy 100 mg monthly.
#[test]
fn a_two_monthly_strength_is_one_exposure_at_its_own_interval() {
    let mut env = Env::new();
    let subject = "urn:uuid:s2m";
    let mut resources = vec![patient("s2m", "MRN-s2m", "Doe", "Jane")];
    resources.extend(injections(
        "s2m-uz",
        subject,
        "UZEDY 250 MG in 0.7 ML Extended-Release Injectable Suspension",
        ("2025-01-01", "2025-07-01"),
        60,
        250.0,
    ));
    resources.extend(injections(
        "s2m-ar",
        subject,
        "ARISTADA 1064 MG in 3.9 ML Prefilled Syringe",
        ("2025-01-01", "2025-07-01"),
        60,
        1064.0,
    ));
    resources.extend(injections(
        "s2m-u1",
        subject,
        "Uzedy 100 MG Injectable Suspension",
        ("2024-01-01", "2024-04-01"),
        30,
        100.0,
    ));
    import(
        &mut env,
        "two_monthly.json",
        &bundle("collection", &resources),
    );
    let rows = env.rows(
        "SELECT text, start, dose_value || ' ' || dose_unit FROM drug_exposures ORDER BY start, text",
    );
    let doses: Vec<(&str, &str)> = rows
        .iter()
        .map(|row| (row[0].as_str(), row[2].as_str()))
        .collect();
    assert_eq!(
        doses,
        [
            ("Uzedy 100 MG Injectable Suspension", "100.0 mg/mo"),
            (
                "ARISTADA 1064 MG in 3.9 ML Prefilled Syringe",
                "1064.0 mg/60d"
            ),
            (
                "UZEDY 250 MG in 0.7 ML Extended-Release Injectable Suspension",
                "250.0 mg/60d"
            ),
        ],
        "{rows:?}"
    );
}

/// A loading regimen (Invega Sustenna's label: 234 mg on day 1, 156 mg on day 8, then a monthly
/// maintenance dose) is judged by the maintenance dose: 117 mg a month is 75 mg of paliperidone,
/// 300 mg/d chlorpromazine equivalent, below TRRIP's 600, however large the first doses.
#[test]
fn a_loading_regimen_is_judged_by_the_dose_kept() {
    let mut env = Env::new();
    let subject = "urn:uuid:s5";
    let drug = "paliperidone palmitate extended-release injectable suspension";
    let mut resources = vec![
        patient("s5", "MRN-s5", "Doe", "Jane"),
        condition("s5-dx", subject, SNOMED, "58214004", "Schizophrenia"),
    ];
    resources.extend(injections(
        "s5-l1",
        subject,
        drug,
        ("2025-01-01", "2025-01-01"),
        7,
        234.0,
    ));
    resources.extend(injections(
        "s5-l2",
        subject,
        drug,
        ("2025-01-08", "2025-01-08"),
        7,
        156.0,
    ));
    resources.extend(injections(
        "s5-m",
        subject,
        drug,
        ("2025-02-05", "2025-05-28"),
        28,
        117.0,
    ));
    import(&mut env, "loading.json", &bundle("collection", &resources));
    let rows = env.rows(
        "SELECT dose_value || ' ' || dose_unit FROM drug_exposures WHERE text LIKE 'paliperidone%'",
    );
    assert_eq!(rows, [["117.0 mg/4wk"]]);
}

/// One injection of `amount` mg of `product` (RxNorm code and name) on each day of `days`.
fn coded_injections(
    prefix: &str,
    subject: &str,
    (code, product): (&str, &str),
    days: &[NaiveDate],
    amount: f64,
) -> Vec<Value> {
    days.iter()
        .enumerate()
        .map(|(n, on)| {
            json!({
                "resourceType": "MedicationAdministration",
                "id": format!("{prefix}{n}"),
                "status": "completed",
                "subject": {"reference": subject},
                "medicationCodeableConcept": super::coding(super::RXNORM, code, product),
                "effectiveDateTime": on.to_string(),
                "dosage": {"dose": {"value": amount, "unit": "mg",
                    "system": "http://unitsofmeasure.org", "code": "mg"}}
            })
        })
        .collect()
}

/// `count` days `every` days apart from `first`.
fn every(first: &str, count: i64, every: i64) -> Vec<NaiveDate> {
    (0..count)
        .map(|n| day(first) + Duration::days(n * every))
        .collect()
}

/// Pens of one drug under two product codes (a new package, a new supplier's NDC) are one course
/// of the drug, not two short ones: 16 weeks of adalimumab every two weeks is an adequate trial
/// (EULAR's 12 weeks), however the pens were coded.
#[test]
fn injections_of_one_drug_under_two_product_codes_are_one_course() {
    let mut env = Env::new();
    let subject = "urn:uuid:r2";
    let mut resources = vec![
        patient("r2", "MRN-r2", "Doe", "Jane"),
        condition("r2-dx", subject, SNOMED, "69896004", "Rheumatoid arthritis"),
    ];
    resources.extend(coded_injections(
        "r2-a",
        subject,
        ("1605327", "adalimumab 40 MG in 0.4 ML Prefilled Syringe"),
        &every("2025-02-01", 5, 14),
        40.0,
    ));
    resources.extend(coded_injections(
        "r2-b",
        subject,
        ("1605322", "Humira 40 MG in 0.8 ML Auto-Injector"),
        &every("2025-04-12", 4, 14),
        40.0,
    ));
    import(
        &mut env,
        "two_codes.json",
        &bundle("collection", &resources),
    );
    let rows = env.rows(
        "SELECT substr(start, 1, 10), substr(end, 1, 10), dose_value || ' ' || dose_unit \
         FROM drug_exposures",
    );
    assert_eq!(
        rows,
        [["2025-02-01", "2025-06-07", "40.0 mg/2wk"]],
        "{rows:?}"
    );
    let text = shown(&env, "MRN-r2");
    assert!(!text.contains("weeks only"), "{text}");
}

/// A maintenance dose raised under another product code (paliperidone palmitate 156 mg, then
/// 234 mg syringes) is one course of the drug whose dose change is kept: two parts, one after
/// the other, each at its own dose; the criteria join them into one trial.
#[test]
fn a_dose_raised_under_another_product_code_keeps_both_doses_in_one_course() {
    let mut env = Env::new();
    let subject = "urn:uuid:s6";
    let mut resources = vec![
        patient("s6", "MRN-s6", "Doe", "Jane"),
        condition("s6-dx", subject, SNOMED, "58214004", "Schizophrenia"),
    ];
    resources.extend(coded_injections(
        "s6-a",
        subject,
        (
            "1650967",
            "1 ML paliperidone palmitate 156 MG/ML Prefilled Syringe",
        ),
        &every("2025-01-01", 3, 28),
        156.0,
    ));
    resources.extend(coded_injections(
        "s6-b",
        subject,
        (
            "1650971",
            "1.5 ML paliperidone palmitate 156 MG/ML Prefilled Syringe",
        ),
        &every("2025-03-26", 3, 28),
        234.0,
    ));
    import(&mut env, "raised.json", &bundle("collection", &resources));
    let rows = env.rows(
        "SELECT substr(start, 1, 10), substr(end, 1, 10), dose_value || ' ' || dose_unit \
         FROM drug_exposures ORDER BY start",
    );
    assert_eq!(
        rows,
        [
            ["2025-01-01", "2025-03-26", "156.0 mg/4wk"],
            ["2025-03-26", "2025-06-18", "234.0 mg/4wk"],
        ],
        "{rows:?}"
    );
    let text = shown(&env, "MRN-s6");
    assert!(!text.contains("weeks only"), "{text}");
}

/// The last injection's cover reaching past today is a drug still given: ongoing, never a stop
/// in the future; a course whose last dose was recorded as stopped ends today at the latest.
#[test]
fn a_last_injection_covering_past_today_is_ongoing() {
    let mut env = Env::new();
    let subject = "urn:uuid:r3";
    let today = super::today();
    let first = (today - Duration::days(60)).to_string();
    let mut resources = vec![patient("r3", "MRN-r3", "Doe", "Jane")];
    resources.extend(coded_injections(
        "r3-a",
        subject,
        ("1605327", "adalimumab 40 MG in 0.4 ML Prefilled Syringe"),
        &every(&first, 5, 14),
        40.0,
    ));
    let mut stopped = coded_injections(
        "r3-e",
        subject,
        ("809160", "etanercept 50 MG/ML Prefilled Syringe"),
        &every(&first, 9, 7),
        50.0,
    );
    if let Some(last) = stopped.last_mut() {
        last["statusReason"] = json!([super::coding(
            SNOMED,
            "266721009",
            "No response to treatment"
        )]);
    }
    resources.extend(stopped);
    import(&mut env, "recent.json", &bundle("collection", &resources));
    let rows = env.rows(
        "SELECT substr(text, 1, 10), coalesce(substr(end, 1, 10), '-') FROM drug_exposures \
         ORDER BY text",
    );
    assert_eq!(
        rows,
        [
            ["adalimumab".to_owned(), "-".to_owned()],
            ["etanercept".to_owned(), today.to_string()],
        ],
        "{rows:?}"
    );
    let text = shown(&env, "MRN-r3");
    assert!(text.contains("→ ongoing"), "{text}");
}

/// Methotrexate into the spinal fluid (CNS prophylaxis) beside weekly methotrexate by mouth is
/// two courses, each at its own dose: an intrathecal dose neither joins nor changes the
/// systemic course (nor makes one of its own look longer).
#[test]
fn intrathecal_doses_stay_apart_from_the_same_drug_given_systemically() {
    let mut env = Env::new();
    let subject = "urn:uuid:it1";
    let mut resources = vec![
        patient("it1", "MRN-it1", "Doe", "Jane"),
        condition(
            "it1-dx",
            subject,
            SNOMED,
            "69896004",
            "Rheumatoid arthritis",
        ),
    ];
    resources.extend(coded_injections(
        "it1-po",
        subject,
        ("6851", "methotrexate"),
        &every("2025-01-06", 12, 7),
        20.0,
    ));
    let mut intrathecal = coded_injections(
        "it1-it",
        subject,
        ("6851", "methotrexate"),
        &every("2025-01-09", 4, 7),
        12.0,
    );
    // The route coded only (SNOMED CT, no display), as a coded feed writes it.
    for dose in &mut intrathecal {
        dose["dosage"]["route"] =
            json!({"coding": [{"system": "http://snomed.info/sct", "code": "72607000"}]});
    }
    resources.extend(intrathecal);
    import(
        &mut env,
        "intrathecal.json",
        &bundle("collection", &resources),
    );
    let rows = env.rows(
        "SELECT substr(start, 1, 10), dose_value || ' ' || dose_unit, coalesce(route, '') \
         FROM drug_exposures ORDER BY start",
    );
    assert_eq!(
        rows,
        [
            ["2025-01-06", "20.0 mg/wk", ""],
            ["2025-01-09", "12.0 mg/wk", "Intrathecal route"]
        ],
        "{rows:?}"
    );
}

/// A route coded by EDQM Standard Terms alone: 20042000 "Intrathecal use" keeps the doses apart
/// from the systemic course of the same drug, and 20045000 "Intravenous use" does not (it was
/// once read as intrathecal, which would have taken every intravenous dose coded so for
/// CNS-directed therapy).
#[test]
fn an_edqm_coded_route_is_read_by_its_code() {
    let mut env = Env::new();
    let subject = "urn:uuid:it2";
    let mut resources = vec![
        patient("it2", "MRN-it2", "Doe", "Jim"),
        condition(
            "it2-dx",
            subject,
            SNOMED,
            "69896004",
            "Rheumatoid arthritis",
        ),
    ];
    let mut weekly = coded_injections(
        "it2-iv",
        subject,
        ("6851", "methotrexate"),
        &every("2025-01-06", 12, 7),
        20.0,
    );
    for dose in &mut weekly {
        dose["dosage"]["route"] =
            json!({"coding": [{"system": "http://standardterms.edqm.eu", "code": "20045000"}]});
    }
    resources.extend(weekly);
    let mut intrathecal = coded_injections(
        "it2-it",
        subject,
        ("6851", "methotrexate"),
        &every("2025-01-09", 4, 7),
        12.0,
    );
    for dose in &mut intrathecal {
        dose["dosage"]["route"] =
            json!({"coding": [{"system": "http://standardterms.edqm.eu", "code": "20042000"}]});
    }
    resources.extend(intrathecal);
    import(&mut env, "edqm.json", &bundle("collection", &resources));
    let rows = env.rows(
        "SELECT substr(start, 1, 10), dose_value || ' ' || dose_unit, coalesce(route, '') \
         FROM drug_exposures ORDER BY start",
    );
    assert_eq!(
        rows,
        [
            ["2025-01-06", "20.0 mg/wk", ""],
            ["2025-01-09", "12.0 mg/wk", "Intrathecal use"]
        ],
        "{rows:?}"
    );
    let text = shown(&env, "MRN-it2");
    assert!(text.contains("CNS-directed"), "{text}");
}

/// Oral haloperidol and haloperidol decanoate ordered under the same ingredient code are two
/// courses: the depot order is no renewal of the tablets (joined, the course of "haloperidol
/// 10 MG Oral Tablet" took the depot's 100 mg/4wk as its dose). The second depot order, six
/// months after the first with no supply said, is a restart at its own dose, never the first
/// course's dose.
#[test]
fn an_oral_form_and_a_depot_of_one_drug_are_two_courses() {
    let mut env = Env::new();
    let subject = "urn:uuid:hal1";
    let order = |id: &str, text: &str, on: &str, amount: f64, period: u32| {
        json!({
            "resourceType": "MedicationRequest", "id": id, "status": "active", "intent": "order",
            "subject": {"reference": subject},
            "medicationCodeableConcept": {
                "coding": [{"system": super::RXNORM, "code": "5093", "display": "haloperidol"}],
                "text": text
            },
            "authoredOn": on,
            "dosageInstruction": [{"timing": {"repeat": {"frequency": 1, "period": period,
                "periodUnit": "d"}},
                "doseAndRate": [{"doseQuantity": {"value": amount, "unit": "mg"}}]}]
        })
    };
    let resources = vec![
        patient("hal1", "MRN-hal1", "Roe", "Cy"),
        condition("hal1-dx", subject, SNOMED, "58214004", "Schizophrenia"),
        order(
            "hal1-po",
            "haloperidol 10 MG Oral Tablet",
            "2024-01-01",
            10.0,
            1,
        ),
        order(
            "hal1-lai",
            "haloperidol decanoate 100 MG/ML Injectable Solution",
            "2024-03-01",
            100.0,
            28,
        ),
        order(
            "hal1-po2",
            "Haldol Decanoate 50 mg/mL",
            "2024-09-01",
            50.0,
            28,
        ),
    ];
    import(
        &mut env,
        "haloperidol.json",
        &bundle("collection", &resources),
    );
    let rows = env.rows(
        "SELECT substr(start, 1, 10), text, dose_value || ' ' || dose_unit \
         FROM drug_exposures ORDER BY start",
    );
    assert_eq!(
        rows,
        [
            ["2024-01-01", "haloperidol 10 MG Oral Tablet", "10.0 mg/d"],
            [
                "2024-03-01",
                "haloperidol decanoate 100 MG/ML Injectable Solution",
                "100.0 mg/4wk"
            ],
            ["2024-09-01", "Haldol Decanoate 50 mg/mL", "50.0 mg/4wk"],
        ],
        "{rows:?}"
    );
}

/// Olanzapine 20 mg/d failed (an adequate trial), then `drug` injected `amount` mg every `every`
/// days from 2025-06-01 to `last`, PANSS 98 → 97: the LAI is the second trial. Returns `show`.
fn after_olanzapine_an_lai(
    env: &mut Env,
    drug: &str,
    amount: f64,
    every: i64,
    last: &str,
) -> String {
    let subject = "urn:uuid:s9";
    let mut resources = vec![
        patient("s9", "MRN-s9", "Doe", "Jane"),
        condition("s9-dx", subject, SNOMED, "58214004", "Schizophrenia"),
        scheduled(
            "MedicationStatement",
            "s9-olz",
            subject,
            "olanzapine 20 MG Oral Tablet",
            ("2025-01-01", "2025-05-01"),
            20.0,
            (1, 1, "d"),
            true,
        ),
    ];
    resources.extend(injections(
        "s9-lai",
        subject,
        drug,
        ("2025-06-01", last),
        every,
        amount,
    ));
    resources.extend(panss(
        subject,
        &[
            ("2024-12-20", 100),
            ("2025-04-25", 98),
            ("2025-05-25", 98),
            ("2025-12-05", 97),
        ],
    ));
    import(env, "lai_brand.json", &bundle("collection", &resources));
    shown(env, "MRN-s9")
}

/// US labels state Invega Sustenna, Invega Trinza, Invega Hafyera and Aristada (Initio) doses as
/// the ester's mass, so a record naming only the brand takes the ester's label ratio: 156 mg of
/// Sustenna a month is 100 mg of paliperidone (400 mg/d chlorpromazine equivalent), not 156.
/// Each is below its product's highest labelled maintenance dose too (Aristada 662 mg a month
/// is 450 mg of aripiprazole; its maximum, 882 mg, is adequate: see below).
#[test]
fn a_us_brand_whose_label_states_the_ester_takes_the_esters_ratio() {
    for (drug, amount, every, last, equivalent) in [
        (
            "INVEGA SUSTENNA 156 MG/ML SYRINGE",
            156.0,
            30,
            "2025-11-28",
            "400 mg/d",
        ),
        (
            "INVEGA TRINZA 546 MG/1.75ML SYRINGE",
            546.0,
            91,
            "2025-08-31",
            "467 mg/d",
        ),
        (
            "ARISTADA 662 MG/2.4ML SUSPENSION, EXTENDED RELEASE",
            662.0,
            30,
            "2025-11-28",
            "338 mg/d",
        ),
        (
            "Invega Hafyera 1092 mg/3.5 mL extended-release injectable suspension",
            1092.0,
            182,
            "2025-06-01",
            "462 mg/d",
        ),
        (
            "Aristada Initio 675 MG/2.4ML",
            675.0,
            30,
            "2025-11-28",
            "345 mg/d",
        ),
    ] {
        let mut env = Env::new();
        let text = after_olanzapine_an_lai(&mut env, drug, amount, every, last);
        assert!(
            text.contains(&format!("{equivalent} chlorpromazine equivalent")),
            "{drug}: {text}"
        );
        assert_eq!(
            statuses(&env, "schizophrenia"),
            ["not_met"],
            "{drug}: {text}"
        );
    }
}

/// EU, UK and Canadian-style product names (Xeplion, Trevicta, Byannli) state the paliperidone
/// amount: Xeplion 150 mg a month is 150 mg of paliperidone, even beside the ester's name.
#[test]
fn an_eu_brand_states_the_drugs_amount() {
    for drug in [
        "Xeplion 150 mg prolonged-release suspension for injection",
        "Xeplion 150mg/1.5ml (paliperidone palmitate) pre-filled syringe",
    ] {
        let mut env = Env::new();
        let text = after_olanzapine_an_lai(&mut env, drug, 150.0, 30, "2025-11-28");
        assert!(
            text.contains("600 mg/d chlorpromazine equivalent") || !text.contains("below 600"),
            "{drug}: {text}"
        );
        assert_eq!(
            statuses(&env, "schizophrenia"),
            ["refractory"],
            "{drug}: {text}"
        );
    }
}

/// A long-acting injectable whose highest labelled maintenance dose is below 600 mg/d
/// chlorpromazine equivalent by the depot DDD is adequate at that maximum (review G6-1): the
/// dosage's timing (every 2 weeks, monthly, every 4 weeks) read into a daily amount, judged by
/// the product's maximum and said so; a lower dose of the same product is not adequate.
#[test]
fn an_lai_at_its_labelled_maximum_is_an_adequate_trial() {
    for (drug, amount, (period, unit), adequate, said) in [
        (
            "Risperdal Consta 50 mg powder for suspension for injection",
            50.0,
            (2, "wk"),
            true,
            "397 mg/d chlorpromazine equivalent by the depot DDD, below 600 but adequate at its highest labelled maintenance dose (Risperdal Consta: 50 mg every 14 days",
        ),
        (
            "Risperdal Consta 25 mg powder for suspension for injection",
            25.0,
            (2, "wk"),
            false,
            "below risperidone's highest labelled maintenance dose (Risperdal Consta: 50 mg every 14 days, 3.57 mg/d)",
        ),
        (
            "Abilify Maintena 400 mg prolonged-release suspension for injection",
            400.0,
            (1, "mo"),
            true,
            "301 mg/d chlorpromazine equivalent by the depot DDD, below 600 but adequate",
        ),
        (
            "Abilify Maintena 400 mg prolonged-release suspension for injection",
            400.0,
            (4, "wk"),
            true,
            "322 mg/d chlorpromazine equivalent by the depot DDD, below 600 but adequate",
        ),
        // Its maximum reaches the bar: the depot DDD alone judges a 3-monthly paliperidone.
        (
            "Trevicta 525 mg prolonged-release suspension for injection",
            525.0,
            (3, "mo"),
            true,
            "long-acting injectable, 700 mg/d chlorpromazine equivalent by the depot DDD)",
        ),
    ] {
        let mut env = Env::new();
        let subject = "urn:uuid:s10";
        let mut resources = vec![
            patient("s10", "MRN-s10", "Doe", "Jane"),
            condition("s10-dx", subject, SNOMED, "58214004", "Schizophrenia"),
            scheduled(
                "MedicationStatement",
                "s10-olz",
                subject,
                "olanzapine 20 MG Oral Tablet",
                ("2025-01-01", "2025-05-01"),
                20.0,
                (1, 1, "d"),
                true,
            ),
            scheduled(
                "MedicationStatement",
                "s10-lai",
                subject,
                drug,
                ("2025-06-01", "2025-11-28"),
                amount,
                (1, period, unit),
                true,
            ),
        ];
        resources.extend(panss(
            subject,
            &[
                ("2024-12-20", 100),
                ("2025-04-25", 98),
                ("2025-05-25", 98),
                ("2025-11-25", 97),
            ],
        ));
        import(&mut env, "lai_max.json", &bundle("collection", &resources));
        let text = shown(&env, "MRN-s10");
        assert!(text.contains(said), "{drug} every {period} {unit}: {text}");
        assert_eq!(
            statuses(&env, "schizophrenia"),
            [if adequate { "refractory" } else { "not_met" }],
            "{drug} every {period} {unit}: {text}"
        );
    }
}
