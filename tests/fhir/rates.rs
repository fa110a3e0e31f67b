//! A dose and a rate (R4 `Dosage.dose` with `rateQuantity`, or both in one `doseAndRate`): the
//! dose is the amount given and the rate how fast it went in (lorazepam 4 mg pushed at 2 mg a
//! minute is a 4 mg bolus, not an infusion of 2 mg/min). An infusion is a rate with no dose, or a
//! dose that takes hours to give at its rate (a bag of midazolam run at 5 mg an hour).

use serde_json::{Value, json};

use super::{Env, SNOMED, bundle, coding, patient};

const SUBJECT: &str = "urn:uuid:rate-pt";

/// A completed MedicationAdministration of `drug` given intravenously at `at` (a time, or a
/// period) with `dosage`.
fn given(id: &str, drug: &str, at: &Value, dosage: &Value) -> Value {
    let mut resource = json!({
        "resourceType": "MedicationAdministration",
        "id": id,
        "status": "completed",
        "subject": {"reference": SUBJECT},
        "medicationCodeableConcept": {"text": drug}
    });
    match at {
        Value::String(_) => resource["effectiveDateTime"] = at.clone(),
        _ => resource["effectivePeriod"] = at.clone(),
    }
    let mut dosage = dosage.clone();
    dosage["route"] = json!({"text": "Intravenous"});
    resource["dosage"] = dosage;
    resource
}

fn mg(value: f64, unit: &str) -> Value {
    json!({"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit})
}

fn imported(resources: &[Value]) -> Env {
    let mut env = Env::new();
    let mut all = vec![patient("rate-pt", "RATE-1", "Sol", "Tove")];
    all.extend_from_slice(resources);
    let path = env.write_json("rates.json", &bundle("collection", &all));
    env.import_ok(&path);
    env
}

/// Each exposure: drug, dose, role.
fn doses(env: &Env) -> Vec<Vec<String>> {
    env.rows(
        "SELECT text, coalesce(dose_value || ' ' || dose_unit, '-'), coalesce(role, '-')
         FROM drug_exposures ORDER BY text",
    )
}

#[test]
fn a_bolus_given_at_a_rate_is_a_bolus() {
    let status_epilepticus = json!({
        "resourceType": "Condition",
        "id": "se",
        "subject": {"reference": SUBJECT},
        "clinicalStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"
        }]},
        "code": coding(SNOMED, "230456007", "Status epilepticus"),
        "onsetDateTime": "2026-11-20T09:50:00Z"
    });
    let seizures = json!({
        "resourceType": "Observation",
        "id": "sz",
        "status": "final",
        "subject": {"reference": SUBJECT},
        "code": {"text": "Seizure activity"},
        "effectiveDateTime": "2026-11-20T10:50:00Z",
        "valueCodeableConcept": coding(SNOMED, "52101004", "Present")
    });
    let env = imported(&[
        status_epilepticus,
        given(
            "lzp",
            "lorazepam 2 MG/ML Injectable Solution",
            &json!("2026-11-20T10:00:00Z"),
            &json!({"dose": mg(4.0, "mg"), "rateQuantity": mg(2.0, "mg/min")}),
        ),
        given(
            "lev",
            "levetiracetam 100 MG/ML Injectable Solution",
            &json!("2026-11-20T10:20:00Z"),
            &json!({"dose": mg(4500.0, "mg"), "rateQuantity": mg(300.0, "mg/min")}),
        ),
        seizures,
    ]);
    assert_eq!(
        doses(&env),
        [
            [
                "levetiracetam 100 MG/ML Injectable Solution",
                "4500.0 mg",
                "-"
            ],
            ["lorazepam 2 MG/ML Injectable Solution", "4.0 mg", "-"],
        ]
    );
    let rows =
        env.rows("SELECT status, detail FROM assessments WHERE ruleset = 'status_epilepticus'");
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0][0], "refractory", "{}", rows[0][1]);
}

#[test]
fn an_infusion_is_a_rate_or_a_dose_that_runs_for_hours() {
    let day = json!({"start": "2026-11-20T11:00:00Z", "end": "2026-11-21T11:00:00Z"});
    let env = imported(&[
        // A bag of 50 mg run at 5 mg an hour: ten hours of infusion, not a 50 mg bolus.
        given(
            "mdz-bag",
            "midazolam 1 MG/ML Injectable Solution",
            &day,
            &json!({"dose": mg(50.0, "mg"), "rateQuantity": mg(5.0, "mg/h")}),
        ),
        // A rate alone.
        given(
            "ppf",
            "propofol 10 MG/ML Injectable Emulsion",
            &day,
            &json!({"rateQuantity": mg(2.0, "mg/kg/h")}),
        ),
        // Both in a doseAndRate of a statement's dosage: 1000 mg given at 50 mg/min (20 minutes).
        json!({
            "resourceType": "MedicationStatement",
            "id": "vpa",
            "status": "completed",
            "subject": {"reference": SUBJECT},
            "medicationCodeableConcept": {"text": "valproate 100 MG/ML Injectable Solution"},
            "effectiveDateTime": "2026-11-20T10:30:00Z",
            "dosage": [{"doseAndRate": [{
                "doseQuantity": mg(1000.0, "mg"), "rateQuantity": mg(50.0, "mg/min")
            }]}]
        }),
    ]);
    assert_eq!(
        doses(&env),
        [
            [
                "midazolam 1 MG/ML Injectable Solution",
                "5.0 mg/h",
                "anesthetic_infusion"
            ],
            [
                "propofol 10 MG/ML Injectable Emulsion",
                "2.0 mg/kg/h",
                "anesthetic_infusion"
            ],
            ["valproate 100 MG/ML Injectable Solution", "1000.0 mg", "-"],
        ]
    );
}

/// An amount given at a rate is an infusion when it runs an hour or more: by its rate (10 mg
/// at 10 mg/h), by the administration's period (580 mg at 3 ug/kg/min over two days), or by a
/// rate by body weight, which only infusions are charted in. A push of a few minutes stays a
/// bolus, whatever units its rate is in.
#[test]
fn an_infusion_charted_with_its_amount_is_still_an_infusion() {
    let two_days = json!({"start": "2026-11-20T11:00:00Z", "end": "2026-11-22T11:00:00Z"});
    let minutes = json!({"start": "2026-11-20T10:00:00Z", "end": "2026-11-20T10:02:00Z"});
    let env = imported(&[
        given(
            "mdz-hour",
            "midazolam 5 MG/ML Injectable Solution (hourly)",
            &json!("2026-11-20T11:00:00Z"),
            &json!({"dose": mg(10.0, "mg"), "rateQuantity": mg(10.0, "mg/h")}),
        ),
        given(
            "mdz-days",
            "midazolam 5 MG/ML Injectable Solution (two days)",
            &two_days,
            &json!({"dose": mg(580.0, "mg"), "rateQuantity": mg(3.0, "ug/kg/min")}),
        ),
        given(
            "mdz-weight",
            "midazolam 5 MG/ML Injectable Solution (by weight)",
            &json!("2026-11-20T12:00:00Z"),
            &json!({"dose": mg(20.0, "mg"), "rateQuantity": mg(0.1, "mg/kg/min")}),
        ),
        given(
            "lzp",
            "lorazepam 2 MG/ML Injectable Solution",
            &minutes,
            &json!({"dose": mg(4.0, "mg"), "rateQuantity": mg(2.0, "mL/min")}),
        ),
    ]);
    assert_eq!(
        doses(&env),
        [
            ["lorazepam 2 MG/ML Injectable Solution", "4.0 mg", "-"],
            [
                "midazolam 5 MG/ML Injectable Solution (by weight)",
                "0.1 mg/kg/min",
                "anesthetic_infusion"
            ],
            [
                "midazolam 5 MG/ML Injectable Solution (hourly)",
                "10.0 mg/h",
                "anesthetic_infusion"
            ],
            [
                "midazolam 5 MG/ML Injectable Solution (two days)",
                "3.0 ug/kg/min",
                "anesthetic_infusion"
            ],
        ]
    );
}

/// A statement's or an order's period is how long the drug was taken, never how long a dose
/// ran: 1500 mg given at 20 mL/min, for two weeks, is 1500 mg. And an administration's amount
/// with a rate in its own unit runs as long as they say (4 mg at 2 mg/min: two minutes), however
/// long the period charted around it.
#[test]
fn only_an_administrations_period_makes_an_amount_an_infusion() {
    let hour = json!({"start": "2026-11-20T10:00:00Z", "end": "2026-11-20T11:00:00Z"});
    let env = imported(&[
        json!({
            "resourceType": "MedicationStatement",
            "id": "lev",
            "status": "completed",
            "subject": {"reference": SUBJECT},
            "medicationCodeableConcept": {"text": "levetiracetam 100 MG/ML Injectable Solution"},
            "effectivePeriod": {"start": "2026-11-01", "end": "2026-11-15"},
            "dosage": [{"doseAndRate": [{
                "doseQuantity": mg(1500.0, "mg"), "rateQuantity": mg(20.0, "mL/min")
            }]}]
        }),
        given(
            "lzp",
            "lorazepam 2 MG/ML Injectable Solution",
            &hour,
            &json!({"dose": mg(4.0, "mg"), "rateQuantity": mg(2.0, "mg/min")}),
        ),
    ]);
    assert_eq!(
        doses(&env),
        [
            [
                "levetiracetam 100 MG/ML Injectable Solution",
                "1500.0 mg",
                "-"
            ],
            ["lorazepam 2 MG/ML Injectable Solution", "4.0 mg", "-"],
        ]
    );
}

/// A weekly patch (`route` transdermal) of `drug` with `dose_and_rate`, taken through 2024.
fn patch(id: &str, drug: &str, dose_and_rate: &Value) -> Value {
    json!({
        "resourceType": "MedicationStatement",
        "id": id,
        "status": "active",
        "subject": {"reference": SUBJECT},
        "medicationCodeableConcept": {"text": drug},
        "effectivePeriod": {"start": "2024-01-01"},
        "dosage": [{
            "route": {"coding": [{"system": SNOMED, "code": "45890007", "display": "Transdermal route"}]},
            "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "wk"}},
            "doseAndRate": [dose_and_rate]
        }]
    })
}

#[test]
fn a_patch_delivering_an_amount_a_day_is_a_daily_dose_not_an_infusion() {
    let one_patch = json!({"doseQuantity": {"value": 1, "unit": "patch"}});
    let mut with_rate = one_patch.clone();
    with_rate["rateRatio"] = json!({
        "numerator": mg(0.3, "mg"),
        "denominator": {"value": 24, "unit": "h", "system": "http://unitsofmeasure.org", "code": "h"}
    });
    let env = imported(&[
        patch(
            "p1",
            "Drug P 0.3 MG/24HR Weekly Transdermal System",
            &with_rate,
        ),
        patch(
            "p2",
            "Drug Q 0.3 MG/24HR Weekly Transdermal System",
            &one_patch,
        ),
        patch("p3", "Drug R patch", &with_rate),
    ]);
    let row = |drug: &str, dose: &str| vec![drug.to_owned(), dose.to_owned(), String::from("-")];
    assert_eq!(
        doses(&env),
        vec![
            row("Drug P 0.3 MG/24HR Weekly Transdermal System", "0.3 mg/d"),
            row("Drug Q 0.3 MG/24HR Weekly Transdermal System", "0.3 mg/d"),
            row("Drug R patch", "0.3 mg/d"),
        ]
    );
}

/// The rate a patch's name states is one patch's: two patches worn deliver twice it (a
/// count of the product's units, as tablets are); a name that gives the patch's content
/// before its rate ("2.5 mg patch (releases 0.1 mg/24 hours)") is read at its rate. A rate the
/// dosage itself states (`rateRatio`) is the whole administration's (R4: the rate the dose is
/// given at), not one patch's.
#[test]
fn a_patchs_daily_dose_is_its_rate_times_the_patches_worn() {
    let patches = |count: f64, unit: &str| json!({"doseQuantity": {"value": count, "unit": unit}});
    let mut two_with_rate = patches(2.0, "patch");
    two_with_rate["rateRatio"] = json!({
        "numerator": mg(0.6, "mg"),
        "denominator": {"value": 24, "unit": "h", "system": "http://unitsofmeasure.org", "code": "h"}
    });
    let env = imported(&[
        patch(
            "p1",
            "Drug P 0.3 MG/24HR Weekly Transdermal System",
            &patches(2.0, "patch"),
        ),
        patch(
            "p2",
            "Drug Q 2.5 mg transdermal patch (releases 0.1 mg/24 hours)",
            &patches(1.0, "patch"),
        ),
        patch("p3", "Drug R 0.1mg/24hr patch", &patches(2.0, "{patch}")),
        patch(
            "p4",
            "Drug S 25 micrograms/hour transdermal patch",
            &patches(1.0, "1"),
        ),
        patch(
            "p5",
            "Drug T 0.3 MG/24HR Weekly Transdermal System",
            &two_with_rate,
        ),
        patch(
            "p6",
            "Drug U 4.6 mg per 24 hours transdermal patch",
            &patches(3.0, "patches"),
        ),
    ]);
    let row = |drug: &str, dose: &str| vec![drug.to_owned(), dose.to_owned(), String::from("-")];
    assert_eq!(
        doses(&env),
        vec![
            row("Drug P 0.3 MG/24HR Weekly Transdermal System", "0.6 mg/d"),
            row(
                "Drug Q 2.5 mg transdermal patch (releases 0.1 mg/24 hours)",
                "0.1 mg/d"
            ),
            row("Drug R 0.1mg/24hr patch", "0.2 mg/d"),
            row("Drug S 25 micrograms/hour transdermal patch", "0.6 mg/d"),
            row("Drug T 0.3 MG/24HR Weekly Transdermal System", "0.6 mg/d"),
            row("Drug U 4.6 mg per 24 hours transdermal patch", "13.8 mg/d"),
        ]
    );
}

/// A loading dose charted with its pump's rate (review R1-5): levetiracetam 4500 mg run at 400
/// mL/h over 15 minutes is 4500 mg given, the rate how fast the bag ran; read as an infusion of
/// 400 mL/h, the load was lost. The same at 15 mL/min, or with no period (a time alone), and a
/// mass at a rate of another mass unit (1 g at 50 mg/min: 20 minutes). Only an amount that ran an
/// hour or more is an infusion: 2 g at 100 mL/h over three hours, 1 g at 5 mg/h.
#[test]
fn a_mass_given_at_a_volumes_rate_is_the_mass_given() {
    let minutes = json!({"start": "2024-02-01T10:20:00Z", "end": "2024-02-01T10:35:00Z"});
    let hours = json!({"start": "2024-02-01T12:00:00Z", "end": "2024-02-01T15:00:00Z"});
    let env = imported(&[
        given(
            "load-h",
            "levetiracetam (mL/h)",
            &minutes,
            &json!({"dose": mg(4500.0, "mg"), "rateQuantity": mg(400.0, "mL/h")}),
        ),
        given(
            "load-min",
            "levetiracetam (mL/min)",
            &minutes,
            &json!({"dose": mg(4500.0, "mg"), "rateQuantity": mg(15.0, "mL/min")}),
        ),
        given(
            "load-at",
            "levetiracetam (a time)",
            &json!("2024-02-01T10:20:00Z"),
            &json!({"dose": mg(4500.0, "mg"), "rateQuantity": mg(400.0, "mL/h")}),
        ),
        given(
            "grams",
            "valproate (g at mg/min)",
            &json!("2024-02-01T11:00:00Z"),
            &json!({"dose": mg(1.0, "g"), "rateQuantity": mg(50.0, "mg/min")}),
        ),
        given(
            "slow",
            "midazolam (g at mg/h)",
            &json!("2024-02-01T11:00:00Z"),
            &json!({"dose": mg(1.0, "g"), "rateQuantity": mg(5.0, "mg/h")}),
        ),
        given(
            "drip",
            "phenobarbital (three hours)",
            &hours,
            &json!({"dose": mg(2000.0, "mg"), "rateQuantity": mg(100.0, "mL/h")}),
        ),
    ]);
    assert_eq!(
        doses(&env),
        [
            ["levetiracetam (a time)", "4500.0 mg", "-"],
            ["levetiracetam (mL/h)", "4500.0 mg", "-"],
            ["levetiracetam (mL/min)", "4500.0 mg", "-"],
            ["midazolam (g at mg/h)", "5.0 mg/h", "anesthetic_infusion"],
            [
                "phenobarbital (three hours)",
                "100.0 mL/h",
                "anesthetic_infusion"
            ],
            ["valproate (g at mg/min)", "1000.0 mg", "-"],
        ]
    );
}
