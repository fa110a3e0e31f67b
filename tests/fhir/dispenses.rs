//! Drugs known only from pharmacy fills (R4 `MedicationDispense`), as Bulk Data exports of EHRs
//! and claims-derived data record them: a completed dispense is exposure from the day it was
//! handed over for its days supply, successive fills of a drug join into one exposure across a
//! short gap, and a dispense not handed over (cancelled, declined, stopped, …) is none. The
//! flags must read such a patient as they read one whose drugs were ordered or stated.

use chrono::{Duration, NaiveDate};
use serde_json::{Value, json};

use super::{
    Env, ICD10, LAMOTRIGINE, LEVETIRACETAM, LOINC, RXNORM, SNOMED, bundle, coding, condition,
    patient, refract, with,
};

const SUBJECT: &str = "urn:uuid:disp-pt";
const MRN: &str = "DISP-1";

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// A completed dispense of `drug` handed over on `handed_over`, with `days` of supply (none:
/// no `daysSupply`), of 60 tablets taken as `dosage` says (none: no `dosageInstruction`).
fn dispense(
    id: &str,
    (rxnorm, text): (&str, &str),
    handed_over: &str,
    days: Option<i64>,
    dosage: Option<&Value>,
) -> Value {
    let mut resource = json!({
        "resourceType": "MedicationDispense",
        "id": id,
        "status": "completed",
        "subject": {"reference": SUBJECT},
        "medicationCodeableConcept": coding(RXNORM, rxnorm, text),
        "quantity": {"value": 60, "unit": "TAB",
                     "system": "http://terminology.hl7.org/CodeSystem/v3-orderableDrugForm",
                     "code": "TAB"},
        "whenPrepared": handed_over,
        "whenHandedOver": handed_over
    });
    if let Some(days) = days {
        resource["daysSupply"] = json!({
            "value": days, "unit": "days", "system": "http://unitsofmeasure.org", "code": "d"
        });
    }
    if let Some(dosage) = dosage {
        resource["dosageInstruction"] = json!([dosage]);
    }
    resource
}

/// `mg` milligrams twice a day.
fn twice_daily(mg: f64) -> Value {
    json!({
        "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
        "doseAndRate": [{"doseQuantity": {"value": mg, "unit": "mg"}}]
    })
}

/// `count` fills of `drug` of 30 days each, every `every` days from `first`.
fn fills(
    prefix: &str,
    drug: (&str, &str),
    first: &str,
    count: i64,
    every: i64,
    mg: f64,
) -> Vec<Value> {
    (0..count)
        .map(|n| {
            let handed_over = day(first) + Duration::days(n * every);
            dispense(
                &format!("{prefix}-{n}"),
                drug,
                &handed_over.to_string(),
                Some(30),
                Some(&twice_daily(mg)),
            )
        })
        .collect()
}

/// Seizures per month on `day` (the epilepsy rule set reads the test by its name).
fn seizures(id: &str, on: &str, count: u32) -> Value {
    json!({
        "resourceType": "Observation",
        "id": id,
        "status": "final",
        "subject": {"reference": SUBJECT},
        "code": {"text": "Seizure frequency"},
        "effectiveDateTime": on,
        "valueQuantity": {"value": count, "unit": "/mo"}
    })
}

fn epilepsy_patient() -> Vec<Value> {
    vec![
        patient("disp-pt", MRN, "Lindqvist", "Maja"),
        condition("disp-dx", SUBJECT, ICD10, "G40.909", "Epilepsy"),
    ]
}

/// Levetiracetam 1000 mg twice a day filled monthly for five months from January 2022, then
/// lamotrigine 100 mg twice a day for six months from June 2022, seizures before and on both.
fn epilepsy_on_fills() -> Vec<Value> {
    let mut resources = epilepsy_patient();
    resources.extend(fills("lev", LEVETIRACETAM, "2022-01-10", 5, 30, 1000.0));
    resources.extend(fills("ltg", LAMOTRIGINE, "2022-06-20", 6, 30, 100.0));
    resources.extend([
        seizures("sz0", "2021-12-15", 6),
        seizures("sz1", "2022-04-20", 5),
        seizures("sz2", "2022-10-20", 4),
        seizures("sz3", "2022-12-10", 4),
    ]);
    resources
}

fn imported(resources: &[Value]) -> Env {
    let mut env = Env::new();
    let path = env.write_json("dispenses.json", &bundle("collection", resources));
    env.import_ok(&path);
    env
}

/// (drug, start day, end day or `-`, dates) of every exposure, by start.
fn exposures(env: &Env) -> Vec<Vec<String>> {
    env.rows(
        "SELECT text, substr(start, 1, 10), coalesce(substr(end, 1, 10), '-'), dates
         FROM drug_exposures ORDER BY start, text",
    )
}

/// (status, label, detail) of the patient's assessment under `ruleset`.
fn assessment(env: &Env, ruleset: &str) -> (String, String, String) {
    let rows = env.rows(&format!(
        "SELECT status, label, detail FROM assessments WHERE ruleset = '{ruleset}'"
    ));
    assert_eq!(rows.len(), 1, "{rows:#?}");
    (rows[0][0].clone(), rows[0][1].clone(), rows[0][2].clone())
}

fn json_of(env: &Env, args: &[&str]) -> Value {
    let output = refract()
        .arg("--db")
        .arg(env.db())
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn epilepsy_known_only_from_dispenses_is_drug_resistant() {
    let env = imported(&epilepsy_on_fills());
    // Each drug's monthly fills are one exposure, from the first fill to the end of the last
    // one's supply, its dates known from the fills.
    assert_eq!(
        exposures(&env),
        [
            [LEVETIRACETAM.1, "2022-01-10", "2022-06-09", "dispensed"],
            [LAMOTRIGINE.1, "2022-06-20", "2022-12-17", "dispensed"],
        ]
    );
    let (status, label, detail) = assessment(&env, "epilepsy");
    assert_eq!(
        (status.as_str(), label.as_str()),
        ("refractory", "drug-resistant epilepsy"),
        "{detail}"
    );
    assert!(detail.contains("2 adequate failed schedules"), "{detail}");

    // The command line says the same, and `show` says where the dates came from.
    let flags = json_of(&env, &["flags", "--json", "--condition", "epilepsy"]);
    assert_eq!(flags[0]["status"], "refractory", "{flags:#}");
    let shown = json_of(&env, &["show", MRN, "--json"]);
    let drugs = shown["exposures"].as_array().unwrap();
    assert_eq!(drugs.len(), 2, "{shown:#}");
    assert!(
        drugs.iter().all(|d| d["dates"] == "dispensed"),
        "{drugs:#?}"
    );
    assert_eq!(drugs[0]["dose"], json!({"value": 2000.0, "unit": "mg/d"}));
    let output = refract()
        .arg("--db")
        .arg(env.db())
        .args(["show", MRN])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.lines()
            .any(|line| line.contains("Levetiracetam") && line.contains("pharmacy fills")),
        "{text}"
    );
}

#[test]
fn resistant_hypertension_from_dispenses_of_three_classes_with_a_diuretic() {
    let bp = |id: &str, on: &str| {
        json!({
            "resourceType": "Observation",
            "id": id,
            "status": "final",
            "subject": {"reference": SUBJECT},
            "code": coding(LOINC, "85354-9", "Blood pressure panel"),
            "effectiveDateTime": on,
            "component": [
                {"code": coding(LOINC, "8480-6", "Systolic blood pressure"),
                 "valueQuantity": {"value": 152, "unit": "mm[Hg]"}},
                {"code": coding(LOINC, "8462-4", "Diastolic blood pressure"),
                 "valueQuantity": {"value": 96, "unit": "mm[Hg]"}}
            ]
        })
    };
    let daily = |mg: f64| {
        json!({
            "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [{"doseQuantity": {"value": mg, "unit": "mg"}}]
        })
    };
    let mut resources = vec![
        patient("disp-pt", MRN, "Lindqvist", "Maja"),
        condition(
            "disp-dx",
            SUBJECT,
            SNOMED,
            "38341003",
            "Hypertensive disorder",
        ),
        bp("bp1", "2026-10-21T09:00:00+01:00"),
        bp("bp2", "2026-11-18T09:00:00+01:00"),
    ];
    // Thirteen months of monthly fills of each, the last one's supply still running: ongoing.
    for (prefix, drug, mg) in [
        ("ctd", ("2409", "Chlorthalidone 25 MG Oral Tablet"), 25.0),
        ("aml", ("17767", "Amlodipine 10 MG Oral Tablet"), 10.0),
        ("lis", ("29046", "Lisinopril 40 MG Oral Tablet"), 40.0),
    ] {
        for n in 0..14 {
            let handed_over = day("2025-11-01") + Duration::days(n * 30);
            resources.push(dispense(
                &format!("{prefix}-{n}"),
                drug,
                &handed_over.to_string(),
                Some(30),
                Some(&daily(mg)),
            ));
        }
    }
    let env = imported(&resources);
    let drugs = exposures(&env);
    assert_eq!(drugs.len(), 3, "{drugs:#?}");
    assert!(
        drugs
            .iter()
            .all(|d| d[1] == "2025-11-01" && d[2] == "-" && d[3] == "dispensed"),
        "{drugs:#?}"
    );
    let (status, label, detail) = assessment(&env, "hypertension");
    assert_eq!(
        (status.as_str(), label.as_str()),
        ("resistant", "resistant hypertension"),
        "{detail}"
    );
}

#[test]
fn a_dispense_not_handed_over_is_no_exposure() {
    let with_status = |status: Option<&str>, handed_over: bool| {
        let mut resource = dispense(
            "d1",
            LEVETIRACETAM,
            "2024-03-01",
            Some(30),
            Some(&twice_daily(500.0)),
        );
        match status {
            Some(status) => resource["status"] = json!(status),
            None => {
                resource.as_object_mut().unwrap().remove("status");
            }
        }
        if !handed_over {
            resource.as_object_mut().unwrap().remove("whenHandedOver");
        }
        let mut resources = epilepsy_patient();
        resources.push(resource);
        imported(&resources)
    };
    // Picked up: exposure. The status unknown (or missing) with the day it was handed over
    // is taken as picked up too.
    for (status, handed_over) in [
        (Some("completed"), true),
        (Some("completed"), false),
        (Some("unknown"), true),
        (None, true),
    ] {
        let env = with_status(status, handed_over);
        assert_eq!(
            exposures(&env),
            [[LEVETIRACETAM.1, "2024-03-01", "2024-03-31", "dispensed"]],
            "{status:?}, handed over: {handed_over}"
        );
    }
    // Never picked up, not (yet) handed over, or recorded in error: none.
    for (status, handed_over) in [
        (Some("cancelled"), true),
        (Some("declined"), false),
        (Some("entered-in-error"), true),
        (Some("stopped"), false),
        (Some("on-hold"), false),
        (Some("preparation"), false),
        (Some("in-progress"), false),
        (Some("unknown"), false),
    ] {
        let env = with_status(status, handed_over);
        assert!(
            exposures(&env).is_empty(),
            "{status:?}: {:#?}",
            exposures(&env)
        );
    }

    // A fill imported as completed and sent again as entered in error (or cancelled) is gone.
    for status in ["entered-in-error", "cancelled"] {
        let mut env = with_status(Some("completed"), true);
        assert_eq!(exposures(&env).len(), 1);
        let mut corrected = dispense("d1", LEVETIRACETAM, "2024-03-01", Some(30), None);
        corrected["status"] = json!(status);
        let path = env.write_json("again.json", &bundle("collection", &[corrected]));
        let file = env.import_ok(&path);
        assert_eq!(file.removed, 1, "{status}: {file:#?}");
        assert!(exposures(&env).is_empty(), "{status}");
    }
}

#[test]
fn fills_join_across_a_short_gap_and_a_long_gap_starts_the_drug_again() {
    let one = |handed_over: &[&str]| {
        let mut resources = epilepsy_patient();
        for (n, on) in handed_over.iter().enumerate() {
            resources.push(dispense(&format!("f{n}"), LAMOTRIGINE, on, Some(30), None));
        }
        exposures(&imported(&resources))
            .into_iter()
            .map(|row| format!("{} → {} {}", row[1], row[2], row[3]))
            .collect::<Vec<_>>()
    };
    // Refilled late by 20 days: one exposure to the end of the second fill's supply.
    assert_eq!(
        one(&["2024-01-01", "2024-02-20"]),
        ["2024-01-01 → 2024-03-21 dispensed"]
    );
    // Refilled early: the supply is not carried over, the exposure ends with the latest.
    assert_eq!(
        one(&["2024-01-01", "2024-01-25"]),
        ["2024-01-01 → 2024-02-24 dispensed"]
    );
    // 30 days without the drug is the longest gap joined; 31 starts it again.
    assert_eq!(
        one(&["2024-01-01", "2024-03-01"]),
        ["2024-01-01 → 2024-03-31 dispensed"]
    );
    assert_eq!(
        one(&["2024-01-01", "2024-03-02"]),
        [
            "2024-01-01 → 2024-01-31 dispensed",
            "2024-03-02 → 2024-04-01 dispensed"
        ]
    );
    // Stopped for three months, then restarted: two exposures.
    assert_eq!(
        one(&["2024-01-01", "2024-01-31", "2024-06-01", "2024-07-01"]),
        [
            "2024-01-01 → 2024-03-01 dispensed",
            "2024-06-01 → 2024-07-31 dispensed"
        ]
    );
}

#[test]
fn days_supply_in_other_units_or_derived_from_the_quantity() {
    let supply = |days_supply: Option<Value>, dosage: Option<Value>| {
        let mut fill = dispense("s1", LEVETIRACETAM, "2024-03-01", None, dosage.as_ref());
        if let Some(days_supply) = days_supply {
            fill["daysSupply"] = days_supply;
        }
        let mut resources = epilepsy_patient();
        resources.push(fill);
        let rows = exposures(&imported(&resources));
        assert_eq!(rows.len(), 1, "{rows:#?}");
        (rows[0][2].clone(), rows[0][3].clone())
    };
    let ends = |end: &str| (end.to_owned(), String::from("dispensed"));
    assert_eq!(
        supply(Some(json!({"value": 4, "unit": "wk"})), None),
        ends("2024-03-29")
    );
    assert_eq!(
        supply(
            Some(json!({"value": 1, "system": "http://unitsofmeasure.org", "code": "mo"})),
            None
        ),
        ends("2024-03-31")
    );
    assert_eq!(
        supply(Some(json!({"value": 1, "unit": "day"})), None),
        ends("2024-03-02")
    );
    // A SimpleQuantity with no unit: the element says days.
    assert_eq!(supply(Some(json!({"value": 45})), None), ends("2024-04-15"));
    // No daysSupply: 60 tablets at one tablet twice a day last 30 days…
    let tablets = json!({
        "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
        "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "TAB"}}]
    });
    assert_eq!(supply(None, Some(tablets)), ends("2024-03-31"));
    // …and so do 60 tablets of 500 mg at 1000 mg twice a day only 15.
    assert_eq!(supply(None, Some(twice_daily(1000.0))), ends("2024-03-16"));
}

#[test]
fn a_fill_with_no_days_supply_and_no_dose_has_an_unknown_end() {
    let mut resources = epilepsy_patient();
    resources.push(dispense("u1", LEVETIRACETAM, "2024-03-01", None, None));
    let env = imported(&resources);
    // Given at least on the day it was handed over, for how long after not known: neither a
    // one-day course nor an ongoing one.
    assert_eq!(
        exposures(&env),
        [[LEVETIRACETAM.1, "2024-03-01", "2024-03-01", "end_unknown"]]
    );

    // Monthly fills of unknown supply are one exposure, given at least until the last fill.
    let mut resources = epilepsy_patient();
    for (n, on) in ["2024-01-15", "2024-02-15", "2024-03-15", "2024-04-15"]
        .iter()
        .enumerate()
    {
        resources.push(dispense(&format!("u{n}"), LEVETIRACETAM, on, None, None));
    }
    // A supply known for an earlier fill does not make the last one's end known.
    resources[2]["daysSupply"] = json!({"value": 30, "unit": "d"});
    assert_eq!(
        exposures(&imported(&resources)),
        [[LEVETIRACETAM.1, "2024-01-15", "2024-04-15", "end_unknown"]]
    );
}

#[test]
fn a_dispense_refers_to_a_medication_in_another_file_of_a_bulk_export() {
    let mut env = Env::new();
    let folder = env.path("export");
    std::fs::create_dir_all(&folder).unwrap();
    let lines = |name: &str, resources: &[Value]| {
        let text: Vec<String> = resources
            .iter()
            .map(|r| serde_json::to_string(r).unwrap())
            .collect();
        std::fs::write(folder.join(name), text.join("\n") + "\n").unwrap();
    };
    let mut person = patient("disp-pt", MRN, "Lindqvist", "Maja");
    person["id"] = json!("p1");
    lines("Patient.ndjson", &[person]);
    lines(
        "Condition.ndjson",
        &[condition("dx", "Patient/p1", ICD10, "G40.909", "Epilepsy")],
    );
    lines(
        "Medication.ndjson",
        &[json!({
            "resourceType": "Medication",
            "id": "med-lev",
            "code": coding(RXNORM, "311289", "levetiracetam 500 MG Oral Tablet"),
            "ingredient": [{
                "itemCodeableConcept": coding(RXNORM, "114477", "levetiracetam"),
                "isActive": true,
                "strength": {"numerator": {"value": 500, "unit": "mg"},
                             "denominator": {"value": 1, "unit": "TAB"}}
            }]
        })],
    );
    let fill = |id: &str, on: &str| {
        let mut fill = dispense(id, LEVETIRACETAM, on, None, None);
        let fill = fill.as_object_mut().unwrap();
        fill.remove("medicationCodeableConcept");
        fill.insert(
            String::from("medicationReference"),
            json!({"reference": "Medication/med-lev"}),
        );
        fill.insert(String::from("subject"), json!({"reference": "Patient/p1"}));
        // One tablet twice a day: the 60 tablets last 30 days.
        fill.insert(
            String::from("dosageInstruction"),
            json!([{
                "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
                "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "TAB"}}]
            }]),
        );
        Value::Object(fill.clone())
    };
    lines(
        "MedicationDispense.ndjson",
        &[fill("f1", "2024-01-10"), fill("f2", "2024-02-09")],
    );
    let report = env.import(&[folder]);
    assert!(
        report.files.iter().all(|f| f.error.is_none()),
        "{report:#?}"
    );
    assert_eq!(
        env.rows(
            "SELECT text, rxnorm, substr(start, 1, 10), substr(end, 1, 10), dates,
                    dose_value, dose_unit
             FROM drug_exposures"
        ),
        [[
            "levetiracetam 500 MG Oral Tablet",
            "311289",
            "2024-01-10",
            "2024-03-10",
            "dispensed",
            "1000",
            "mg/d"
        ]]
    );
}

#[test]
fn a_prescription_and_the_fills_of_it_are_one_drug_not_two_trials() {
    // The orders as an EHR's Bulk export gives them beside the pharmacy's fills: each
    // completed, dated when written, with no period.
    let order = |id: &str, (code, text): (&str, &str), written: &str, mg: f64| {
        json!({
            "resourceType": "MedicationRequest",
            "id": id,
            "status": "completed",
            "intent": "order",
            "subject": {"reference": SUBJECT},
            "medicationCodeableConcept": coding(RXNORM, code, text),
            "authoredOn": written,
            "dosageInstruction": [twice_daily(mg)],
            "dispenseRequest": {"numberOfRepeatsAllowed": 5,
                                "expectedSupplyDuration": {"value": 30, "unit": "days"}}
        })
    };
    let mut resources = epilepsy_on_fills();
    resources.push(order("lev-rx", LEVETIRACETAM, "2022-01-08", 1000.0));
    resources.push(order("ltg-rx", LAMOTRIGINE, "2022-06-18", 100.0));
    let env = imported(&resources);
    let (status, _, detail) = assessment(&env, "epilepsy");
    assert_eq!(status, "refractory", "{detail}");
    assert!(detail.contains("2 adequate failed schedules"), "{detail}");
    assert!(!detail.contains("same"), "{detail}");
    // One schedule per drug, not one per record of it. The completed levetiracetam order
    // allowed six fills of 30 days, but the pharmacy handed over five: the order's supply ends
    // with the last fill's (2022-06-09), not past the day lamotrigine began.
    assert_eq!(
        env.rows(
            "SELECT regimen, start, coalesce(end, '-') FROM treatment_lines
             WHERE ruleset = 'epilepsy' ORDER BY number"
        ),
        [
            ["levetiracetam", "2022-01-08", "2022-06-09"],
            ["lamotrigine", "2022-06-18", "2022-12-17"],
        ]
    );

    // A statement of the same period beside the fills: one drug trial, counted once, for a
    // rule set that counts trials by drug (depression).
    let phq = |id: &str, on: &str, score: i64| {
        json!({
            "resourceType": "Observation", "id": id, "status": "final",
            "subject": {"reference": SUBJECT},
            "code": coding(LOINC, "44261-6", "PHQ-9 total score"),
            "effectiveDateTime": on, "valueInteger": score
        })
    };
    let daily = |mg: f64| {
        json!({
            "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [{"doseQuantity": {"value": mg, "unit": "mg"}}]
        })
    };
    let sertraline = ("36437", "Sertraline 100 MG Oral Tablet");
    let escitalopram = ("321988", "Escitalopram 20 MG Oral Tablet");
    let mut resources = vec![
        patient("disp-pt", MRN, "Lindqvist", "Maja"),
        condition(
            "disp-dx",
            SUBJECT,
            SNOMED,
            "370143000",
            "Major depressive disorder",
        ),
        with(
            super::statement(
                "ser-st",
                SUBJECT,
                sertraline,
                "completed",
                "2025-02-01",
                Some("2025-06-01"),
            ),
            &json!({"dosage": [daily(150.0)]}),
        ),
        phq("q0", "2025-01-20", 22),
        phq("q1", "2025-05-25", 21),
        phq("q2", "2025-09-25", 21),
        // Still depressed: the episode is current.
        phq("q3", "2026-09-01", 20),
    ];
    for n in 0..4 {
        let on = day("2025-02-01") + Duration::days(n * 30);
        resources.push(dispense(
            &format!("ser-{n}"),
            sertraline,
            &on.to_string(),
            Some(30),
            Some(&daily(150.0)),
        ));
        let on = day("2025-06-10") + Duration::days(n * 30);
        resources.push(dispense(
            &format!("esc-{n}"),
            escitalopram,
            &on.to_string(),
            Some(30),
            Some(&daily(20.0)),
        ));
    }
    let env = imported(&resources);
    let (status, label, detail) = assessment(&env, "depression");
    assert_eq!(status, "refractory", "{label}: {detail}");
    assert!(
        detail.contains("2 adequate failed trials of different drugs"),
        "{detail}"
    );
    assert!(!detail.contains("same drug"), "{detail}");
}

#[test]
fn a_drug_known_from_fills_comes_back_from_a_fhir_export_as_known_from_fills() {
    let dir = tempfile::TempDir::new().unwrap();
    let env = imported(&epilepsy_on_fills());
    let (status, _, detail) = assessment(&env, "epilepsy");
    assert_eq!(status, "refractory", "{detail}");
    crate::roundtrip::assert_fhir_round_trip(&dir, &env.db(), "dispensed");

    // Another reader sees a statement over the supply; refract, that it was filled.
    let out = dir.path().join("look.fhir.json");
    refract()
        .arg("--db")
        .arg(env.db())
        .args(["export", "--format", "fhir", "--out"])
        .arg(&out)
        .assert()
        .success();
    let exported: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let statements: Vec<&Value> = exported["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| &entry["resource"])
        .filter(|resource| resource["resourceType"] == "MedicationStatement")
        .collect();
    assert_eq!(statements.len(), 2);
    for statement in statements {
        assert!(
            statement["effectivePeriod"]["end"].is_string(),
            "{statement}"
        );
        assert!(
            statement["extension"]
                .as_array()
                .unwrap()
                .iter()
                .any(
                    |e| e["url"] == "https://refract.dev/fhir/StructureDefinition/dates-known"
                        && e["valueCode"] == "dispensed"
                ),
            "{statement}"
        );
    }
}

/// Fills of one drug switched to tablets of another strength (another product code) are one
/// exposure of the drug whose dose change is kept: the step at the old dose runs until the
/// first fill at the new one, the next from there to the end of its supply.
#[test]
fn fills_switched_to_another_strength_are_one_drug_in_steps() {
    let mut resources = epilepsy_patient();
    resources.extend(fills(
        "ltg25",
        ("198427", "lamotrigine 25 MG Oral Tablet"),
        "2024-01-01",
        2,
        30,
        50.0,
    ));
    resources.extend(fills("ltg100", LAMOTRIGINE, "2024-03-01", 2, 30, 100.0));
    let env = imported(&resources);
    let rows = env.rows(
        "SELECT substr(start, 1, 10), substr(end, 1, 10), dose_value || ' ' || dose_unit, dates \
         FROM drug_exposures ORDER BY start",
    );
    assert_eq!(
        rows,
        [
            ["2024-01-01", "2024-03-01", "100.0 mg/d", "dispensed"],
            ["2024-03-01", "2024-04-30", "200.0 mg/d", "dispensed"],
        ],
        "{rows:?}"
    );
}

/// A fill whose supply lasts past today is a drug still in hand: ongoing, never a stop in the
/// future.
#[test]
fn a_fill_whose_supply_lasts_past_today_is_ongoing() {
    let today = super::today();
    let mut resources = epilepsy_patient();
    resources.extend(fills(
        "ltg",
        LAMOTRIGINE,
        &(today - Duration::days(40)).to_string(),
        2,
        30,
        100.0,
    ));
    let rows = exposures(&imported(&resources));
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][2], "-", "{rows:?}");
    assert_eq!(rows[0][3], "dispensed", "{rows:?}");
}

/// Two strengths of one drug handed over together each month (lamotrigine 100 mg and 25 mg
/// tablets, twice a day) are one regimen of 250 mg a day, not steps of a day at one strength
/// and a month at the other (the review's case: a trial read at one strength's dose alone).
#[test]
fn two_strengths_handed_over_together_add_up() {
    let mut resources = epilepsy_patient();
    resources.extend(fills(
        "ltg25",
        ("198427", "lamotrigine 25 MG Oral Tablet"),
        "2024-01-01",
        3,
        30,
        25.0,
    ));
    resources.extend(fills("ltg100", LAMOTRIGINE, "2024-01-01", 3, 30, 100.0));
    let env = imported(&resources);
    let rows = env.rows(
        "SELECT substr(start, 1, 10), substr(end, 1, 10), dose_value || ' ' || dose_unit \
         FROM drug_exposures ORDER BY start",
    );
    assert_eq!(
        rows,
        [["2024-01-01", "2024-03-31", "250.0 mg/d"]],
        "{rows:?}"
    );
}

/// Olanzapine fills handed over on one day, 30 days of supply each, taken once a day.
fn olanzapine_fills(strengths: &[f64]) -> Env {
    let mut resources = vec![
        patient("disp-pt", MRN, "Lindqvist", "Maja"),
        condition("disp-dx", SUBJECT, ICD10, "F20.0", "Paranoid schizophrenia"),
    ];
    for (n, mg) in strengths.iter().enumerate() {
        let product = if *mg >= 10.0 {
            ("314154", "olanzapine 10 MG Oral Tablet")
        } else {
            ("312078", "olanzapine 5 MG Oral Tablet")
        };
        let once_daily = json!({
            "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [{"doseQuantity": {"value": mg, "unit": "mg"}}]
        });
        resources.push(dispense(
            &format!("olz-{n}"),
            product,
            "2024-01-01",
            Some(30),
            Some(&once_daily),
        ));
    }
    imported(&resources)
}

/// (start, end, dose) of every exposure, by start.
fn steps(env: &Env) -> Vec<Vec<String>> {
    env.rows(
        "SELECT substr(start, 1, 10), substr(end, 1, 10), dose_value || ' ' || dose_unit \
         FROM drug_exposures ORDER BY start",
    )
}

/// Two fills of one strength on one day are more supply of that dose, not a double dose: 10 mg
/// a day for 60 days.
#[test]
fn two_fills_of_one_strength_on_one_day_add_their_supply() {
    let env = olanzapine_fills(&[10.0, 10.0]);
    assert_eq!(steps(&env), [["2024-01-01", "2024-03-01", "10.0 mg/d"]]);
}

/// 10 mg, 10 mg and 5 mg handed over on one day: the two 10 mg fills are 60 days of 10 mg, the
/// 5 mg taken with them while it lasts: 15 mg a day for 30 days, then 10 mg a day for 30 more
/// (read fill by fill, it was a zero-day step at 10 mg, then 15 mg/d: a dose and a length no
/// one handed over).
#[test]
fn three_fills_of_one_day_two_of_one_strength_add_up_as_supply_and_dose() {
    let env = olanzapine_fills(&[10.0, 10.0, 5.0]);
    assert_eq!(
        steps(&env),
        [
            ["2024-01-01", "2024-01-31", "15.0 mg/d"],
            ["2024-01-31", "2024-03-01", "10.0 mg/d"],
        ]
    );
    // In whatever order the fills were written.
    let env = olanzapine_fills(&[5.0, 10.0, 10.0]);
    assert_eq!(
        steps(&env),
        [
            ["2024-01-01", "2024-01-31", "15.0 mg/d"],
            ["2024-01-31", "2024-03-01", "10.0 mg/d"],
        ]
    );
}

const SERTRALINE_100: (&str, &str) = ("312941", "sertraline 100 MG Oral Tablet");

/// One tablet twice a day, counted in tablets.
fn one_tablet_twice_daily() -> Value {
    json!({
        "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
        "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "{tbl}",
                                           "system": "http://unitsofmeasure.org", "code": "{tbl}"}}]
    })
}

/// The completed prescription a pharmacy's sertraline fills carry out, as a Bulk export sends it
/// beside them: written on 2025-01-04, one tablet twice a day, with no period.
fn sertraline_order() -> Value {
    json!({
        "resourceType": "MedicationRequest",
        "id": "ser-rx",
        "status": "completed",
        "intent": "order",
        "subject": {"reference": SUBJECT},
        "medicationCodeableConcept": coding(RXNORM, SERTRALINE_100.0, SERTRALINE_100.1),
        "authoredOn": "2025-01-04",
        "dosageInstruction": [one_tablet_twice_daily()]
    })
}

/// Depression: sertraline 100 mg tablets in three claims-style fills (60 tablets each, as
/// `fill` shapes them; no dosage) from 2025-01-05, `extra` beside them, then escitalopram
/// 20 mg/d for 12 weeks, the PHQ-9 flat at 20 throughout.
fn depression_on_fills(fill: impl Fn(Value) -> Value, extra: Vec<Value>) -> Env {
    let daily = |mg: f64| {
        json!({
            "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [{"doseQuantity": {"value": mg, "unit": "mg"}}]
        })
    };
    let phq = |id: &str, on: &str| {
        json!({
            "resourceType": "Observation", "id": id, "status": "final",
            "subject": {"reference": SUBJECT},
            "code": coding(LOINC, "44261-6", "PHQ-9 total score"),
            "effectiveDateTime": on, "valueInteger": 20
        })
    };
    let mut resources = vec![
        patient("disp-pt", MRN, "Lindqvist", "Maja"),
        condition(
            "disp-dx",
            SUBJECT,
            SNOMED,
            "370143000",
            "Major depressive disorder",
        ),
        with(
            super::statement(
                "esc-st",
                SUBJECT,
                ("321988", "Escitalopram 20 MG Oral Tablet"),
                "completed",
                "2025-04-10",
                Some("2025-07-03"),
            ),
            &json!({"dosage": [daily(20.0)]}),
        ),
        phq("q0", "2024-12-20"),
        phq("q1", "2025-02-25"),
        phq("q2", "2025-04-08"),
        phq("q3", "2025-06-30"),
        phq("q4", "2026-09-01"),
    ];
    for n in 0..3 {
        let on = day("2025-01-05") + Duration::days(n * 30);
        resources.push(fill(dispense(
            &format!("ser-{n}"),
            SERTRALINE_100,
            &on.to_string(),
            Some(30),
            None,
        )));
    }
    resources.extend(extra);
    imported(&resources)
}

/// Each fill names the order it carries out.
fn of_the_order(mut fill: Value) -> Value {
    fill["authorizingPrescription"] = json!([{"reference": "MedicationRequest/ser-rx"}]);
    fill
}

/// (start, end, dose) of the sertraline exposures.
fn sertraline_rows(env: &Env) -> Vec<Vec<String>> {
    env.rows(
        "SELECT substr(start, 1, 10), coalesce(substr(end, 1, 10), '-'),
                coalesce(dose_value || ' ' || dose_unit, '-')
         FROM drug_exposures WHERE text LIKE 'sertraline%' ORDER BY start",
    )
}

/// Review R9-3: fills with a days' supply but no dosage, sent with the completed prescription
/// they carry out, are the 13 weeks the fills cover; the prescription (a day, its end not
/// recorded) never makes them "at least 0 days". Control: the fills alone.
#[test]
fn fills_without_a_dosage_keep_their_course_beside_their_completed_prescription() {
    for (case, env) in [
        ("fills alone", depression_on_fills(|fill| fill, Vec::new())),
        (
            "fills of the order",
            depression_on_fills(of_the_order, vec![sertraline_order()]),
        ),
        (
            "fills beside an order they do not name",
            depression_on_fills(|fill| fill, vec![sertraline_order()]),
        ),
    ] {
        let (status, label, detail) = assessment(&env, "depression");
        assert_eq!(status, "refractory", "{case}: {label}: {detail}");
        assert!(detail.contains("(13 weeks)"), "{case}: {detail}");
        assert!(!detail.contains("at least 0"), "{case}: {detail}");
    }
}

/// Review R9-3, the same course judged by its time at an adequate dose when some of its
/// records give no dose at all (fills with no quantity): the order's known dose and the fills'
/// unknown one are one course, the trial counted with its dose in doubt, as the fills alone
/// are, never shortened to the order's one day.
#[test]
fn fills_of_unknown_dose_beside_an_order_of_a_known_dose_are_one_course() {
    let no_quantity = |mut fill: Value| {
        fill.as_object_mut().unwrap().remove("quantity");
        fill
    };
    let env = depression_on_fills(no_quantity, vec![sertraline_order()]);
    let (status, label, detail) = assessment(&env, "depression");
    assert_eq!(status, "refractory", "{label}: {detail}");
    assert!(detail.contains("(13 weeks)"), "{detail}");
    let flags = json_of(&env, &["flags", "--json"]);
    let confounders = flags.to_string();
    assert!(
        confounders.contains("dose adequacy of sertraline unknown"),
        "{confounders}"
    );
}

/// Review R9-7: a claims-style fill (60 tablets of sertraline 100 mg for 30 days, no dosage)
/// was given 200 mg a day (quantity × strength ÷ days' supply).
/// Control: a quantity in a unit the strength cannot turn into milligrams gives no dose.
#[test]
fn a_fill_with_no_dosage_is_given_its_quantity_times_strength_over_its_supply() {
    let env = depression_on_fills(|fill| fill, Vec::new());
    assert_eq!(
        sertraline_rows(&env),
        [["2025-01-05", "2025-04-05", "200.0 mg/d"]]
    );
    let flags = json_of(&env, &["flags", "--json"]).to_string();
    assert!(!flags.contains("dose adequacy of sertraline"), "{flags}");

    let in_millilitres = |mut fill: Value| {
        fill["quantity"] = json!({"value": 60, "unit": "mL",
                                  "system": "http://unitsofmeasure.org", "code": "mL"});
        fill
    };
    let env = depression_on_fills(in_millilitres, Vec::new());
    assert_eq!(sertraline_rows(&env), [["2025-01-05", "2025-04-05", "-"]]);
}

/// Review R9-7: a fill with neither a dosage nor a days' supply takes the dosage of the order it
/// carries out (`authorizingPrescription`): 60 tablets at one twice a day last 30 days, at
/// 200 mg a day. Control: the same fills naming no order keep an unknown end.
#[test]
fn a_fill_with_no_dosage_takes_the_dosage_of_its_authorizing_prescription() {
    let no_supply = |mut fill: Value| {
        fill.as_object_mut().unwrap().remove("daysSupply");
        fill
    };
    let env = depression_on_fills(
        |fill| of_the_order(no_supply(fill)),
        vec![sertraline_order()],
    );
    let rows = sertraline_rows(&env);
    assert!(
        rows.contains(&vec![
            "2025-01-05".to_owned(),
            "2025-04-05".to_owned(),
            "200.0 mg/d".to_owned()
        ]),
        "{rows:#?}"
    );
    let (status, label, detail) = assessment(&env, "depression");
    assert_eq!(status, "refractory", "{label}: {detail}");

    let env = depression_on_fills(no_supply, Vec::new());
    assert_eq!(sertraline_rows(&env), [["2025-01-05", "2025-03-06", "-"]]);
}

/// The provenance of each sertraline exposure's dose (`drug_exposures.dose_from`).
fn sertraline_dose_from(env: &Env) -> Vec<Vec<String>> {
    env.rows(
        "SELECT coalesce(dose_from, '-') FROM drug_exposures
         WHERE text LIKE 'sertraline%' ORDER BY start",
    )
}

/// Review R9-7: a dose refract worked out is said as such wherever it is quoted, so that a
/// clinician can weigh it: a fill's quantity × strength ÷ days' supply ("dose from
/// quantity/supply"), a fill's dose from the dosage of the order it carries out ("dose from the
/// order"), in the stored record, the evidence and `show`. Control: a fill that states its own
/// dosage says nothing of where its dose came from.
#[test]
fn a_derived_dose_says_how_it_was_derived() {
    let env = depression_on_fills(|fill| fill, Vec::new());
    assert_eq!(sertraline_dose_from(&env), [["quantity_supply"]]);
    let flags = json_of(&env, &["flags", "--json"]).to_string();
    assert!(
        flags.contains("sertraline 200 mg/d (dose from quantity/supply)"),
        "{flags}"
    );
    let show = refract()
        .arg("--db")
        .arg(env.db())
        .args(["show", MRN])
        .output()
        .unwrap();
    let show = String::from_utf8_lossy(&show.stdout);
    assert!(show.contains("dose from quantity/supply"), "{show}");

    let no_supply = |mut fill: Value| {
        fill.as_object_mut().unwrap().remove("daysSupply");
        fill
    };
    let env = depression_on_fills(
        |fill| of_the_order(no_supply(fill)),
        vec![sertraline_order()],
    );
    let from: Vec<String> = sertraline_dose_from(&env).concat();
    assert!(from.contains(&"order".to_owned()), "{from:?}");
    let show = refract()
        .arg("--db")
        .arg(env.db())
        .args(["show", MRN])
        .output()
        .unwrap();
    let show = String::from_utf8_lossy(&show.stdout);
    assert!(show.contains("200 mg/d (dose from the order)"), "{show}");
    // The order itself states the dose the course is quoted at: the course's words are the
    // order's, never said as derived.
    let (_, _, detail) = assessment(&env, "depression");
    assert!(!detail.contains("dose from"), "{detail}");

    let stated = |mut fill: Value| {
        fill["dosageInstruction"] = json!([one_tablet_twice_daily()]);
        fill
    };
    let env = depression_on_fills(stated, Vec::new());
    assert_eq!(sertraline_dose_from(&env), [["-"]]);
    let flags = json_of(&env, &["flags", "--json"]).to_string();
    assert!(!flags.contains("dose from"), "{flags}");
}

/// Review G1-3: a derived dose below a trial's minimum says where it came from, as every cited
/// dose does (R9-7): 12 sertraline 100 mg tablets for 30 days with no dosage are 40 mg/d "dose
/// from quantity/supply", below the minimum effective 50 mg/d.
#[test]
fn a_derived_dose_below_the_minimum_effective_says_how_it_was_derived() {
    let env = depression_on_fills(
        |mut fill| {
            fill["quantity"]["value"] = json!(12);
            fill
        },
        Vec::new(),
    );
    let (_, _, detail) = assessment(&env, "depression");
    assert!(
        detail.contains(
            "sertraline 40 mg/d (dose from quantity/supply) is below the minimum effective 50 mg/d"
        ),
        "{detail}"
    );
}
