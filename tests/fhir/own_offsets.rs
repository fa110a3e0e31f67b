//! An offset belongs to the value it was written with: a date alone never takes another
//! element's offset, each end of a period keeps its own (a daylight-saving change between
//! them), the criteria compare a record's local days with local days, and what is shown of a
//! drug agrees with the line it began.

use chrono::NaiveDate;
use refract::domain::{PatientId, PatientRecord, ShownZone};
use serde_json::{Value, json};

use super::{Env, ICD10, LOINC, RXNORM, SNOMED, bundle, coding, patient, with};

const SUBJECT: &str = "Patient/oo-pt";

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn diagnosis(code: &str, display: &str) -> Value {
    json!({
        "resourceType": "Condition",
        "id": "oo-dx",
        "subject": {"reference": SUBJECT},
        "clinicalStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
            "code": "active"
        }]},
        "verificationStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
            "code": "confirmed"
        }]},
        "code": coding(ICD10, code, display),
        "onsetDateTime": "2020-01-01"
    })
}

/// A statement of `drug` over `period`, `extra` merged in.
fn taken(
    id: &str,
    (code, text): (&str, &str),
    status: &str,
    period: &Value,
    extra: &Value,
) -> Value {
    with(
        json!({
            "resourceType": "MedicationStatement",
            "id": id,
            "status": status,
            "subject": {"reference": SUBJECT},
            "medicationCodeableConcept": coding(RXNORM, code, text),
            "effectivePeriod": period
        }),
        extra,
    )
}

fn daily(mg: u32, times: u32) -> Value {
    json!({"dosage": [{
        "timing": {"repeat": {"frequency": times, "period": 1, "periodUnit": "d"}},
        "doseAndRate": [{"doseQuantity": {
            "value": mg, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"
        }}]
    }]})
}

fn imported(resources: &[Value]) -> (Env, PatientRecord) {
    let mut env = Env::new();
    let mut all = vec![patient("oo-pt", "OO-1", "Lindqvist", "Mara")];
    all.extend_from_slice(resources);
    let path = env.write_json("record.json", &bundle("collection", &all));
    env.import_ok(&path);
    let record = env.store.record(PatientId(1)).unwrap();
    (env, record)
}

fn status(env: &Env, ruleset: &str) -> String {
    env.rows(&format!(
        "SELECT status FROM assessments WHERE ruleset = '{ruleset}'"
    ))
    .into_iter()
    .next()
    .map(|row| row[0].clone())
    .unwrap_or_default()
}

fn export(env: &Env) -> Value {
    let mut out = Vec::new();
    refract::fhir::write_bundle(&env.store, &[], &mut out).unwrap();
    serde_json::from_slice(&out).unwrap()
}

/// The exported resources of `kind`.
fn exported<'a>(bundle: &'a Value, kind: &str) -> Vec<&'a Value> {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| &entry["resource"])
        .filter(|resource| resource["resourceType"] == kind)
        .collect()
}

#[test]
fn a_date_only_drug_start_never_takes_the_offset_of_another_element() {
    let (env, record) = imported(&[
        // A statement's date-only start beside a `dateAsserted` written west of UTC.
        taken(
            "oo-st",
            ("310798", "hydrochlorothiazide 25 MG Oral Tablet"),
            "active",
            &json!({"start": "2026-05-10"}),
            &json!({"dateAsserted": "2026-05-10T08:15:00-07:00"}),
        ),
        // A request whose timing bounds start on a date, its `authoredOn` a time at -03:00.
        json!({
            "resourceType": "MedicationRequest",
            "id": "oo-rq",
            "status": "active",
            "intent": "order",
            "subject": {"reference": SUBJECT},
            "medicationCodeableConcept": coding(RXNORM, "17767", "Amlodipine 5 MG Oral Tablet"),
            "authoredOn": "2026-04-01T09:00:00-03:00",
            "dosageInstruction": [{
                "timing": {"repeat": {
                    "boundsPeriod": {"start": "2026-04-03"},
                    "frequency": 1, "period": 1, "periodUnit": "d"
                }},
                "doseAndRate": [{"doseQuantity": {"value": 5, "unit": "mg"}}]
            }]
        }),
    ]);
    let start_of = |word: &str| {
        record
            .exposures
            .iter()
            .find(|e| e.text.to_lowercase().contains(word))
            .unwrap()
            .start_day()
    };
    assert_eq!(start_of("hydrochlorothiazide"), day("2026-05-10"));
    assert_eq!(start_of("amlodipine"), day("2026-04-03"));
    // Exported as the day written, never a time on the day before.
    let bundle = export(&env);
    let mut starts: Vec<&str> = exported(&bundle, "MedicationStatement")
        .iter()
        .filter_map(|s| s["effectivePeriod"]["start"].as_str())
        .collect();
    starts.sort_unstable();
    assert_eq!(starts, ["2026-04-03", "2026-05-10"], "{bundle:#}");
}

#[test]
fn each_end_of_a_period_keeps_its_own_offset_across_a_daylight_saving_change() {
    // Spring forward in New York on 8 March 2026: begun in EST, ended 00:30 EDT on 4 April.
    let (env, record) = imported(&[
        taken(
            "oo-esc",
            ("351285", "escitalopram 20 MG Oral Tablet"),
            "stopped",
            &json!({"start": "2026-03-07T09:00:00-05:00", "end": "2026-04-04T00:30:00-04:00"}),
            &json!({}),
        ),
        json!({
            "resourceType": "Procedure",
            "id": "oo-ect",
            "status": "completed",
            "subject": {"reference": SUBJECT},
            "code": coding(SNOMED, "23835007", "Electroconvulsive therapy"),
            "performedPeriod": {
                "start": "2026-03-06T10:00:00-05:00",
                "end": "2026-04-03T00:15:00-04:00"
            }
        }),
    ]);
    let drug = &record.exposures[0];
    assert_eq!(drug.start_day(), day("2026-03-07"));
    assert_eq!(drug.end_day(), Some(day("2026-04-04")));
    assert_eq!(drug.days_on(day("2026-11-27")), 28);
    assert_eq!(record.procedures[0].end_day(), Some(day("2026-04-03")));
    // Written back as written: each end in its own offset.
    let bundle = export(&env);
    let statement = exported(&bundle, "MedicationStatement")[0];
    assert_eq!(
        statement["effectivePeriod"]["end"],
        "2026-04-04T00:30:00-04:00"
    );
    let procedure = exported(&bundle, "Procedure")[0];
    assert_eq!(
        procedure["performedPeriod"]["end"],
        "2026-04-03T00:15:00-04:00"
    );
}

#[test]
fn a_date_only_end_or_start_of_a_period_is_that_day_beside_a_timed_other_end() {
    let (env, record) = imported(&[
        json!({
            "resourceType": "Procedure",
            "id": "oo-ect",
            "status": "completed",
            "subject": {"reference": SUBJECT},
            "code": coding(SNOMED, "23835007", "Electroconvulsive therapy"),
            "performedPeriod": {"start": "2026-02-10T18:30:00-06:00", "end": "2026-02-24"}
        }),
        json!({
            "resourceType": "Observation",
            "id": "oo-sz",
            "status": "final",
            "subject": {"reference": SUBJECT},
            "code": {"text": "Seizure count"},
            "effectivePeriod": {"start": "2026-01-05", "end": "2026-02-05T11:00:00-06:00"},
            "valueQuantity": {"value": 3, "unit": "{seizures}"}
        }),
    ]);
    assert_eq!(record.procedures[0].end_day(), Some(day("2026-02-24")));
    assert_eq!(record.observations[0].since_day(), Some(day("2026-01-05")));
    let bundle = export(&env);
    let procedure = exported(&bundle, "Procedure")[0];
    let period = &procedure["performedPeriod"];
    assert!(
        period["end"].as_str().unwrap().starts_with("2026-02-24"),
        "{period}"
    );
    let observation = exported(&bundle, "Observation")
        .into_iter()
        .find(|o| o["effectivePeriod"].is_object())
        .unwrap();
    assert!(
        observation["effectivePeriod"]["start"]
            .as_str()
            .unwrap()
            .starts_with("2026-01-05"),
        "{observation}"
    );
}

/// Levetiracetam from 1 January 2025 (it could work from day 60, 2 March), stopped, then
/// lamotrigine with seizures after its 60 days; a seizure count at `at`.
fn epilepsy(at: &str) -> Vec<Value> {
    let seizures = |id: &str, at: &str, count: u32| {
        json!({
            "resourceType": "Observation",
            "id": id,
            "status": "final",
            "subject": {"reference": SUBJECT},
            "code": {"text": "Seizure count"},
            "effectiveDateTime": at,
            "valueQuantity": {"value": count, "unit": "{seizures}"}
        })
    };
    vec![
        diagnosis("G40.209", "Focal epilepsy with impaired awareness seizures"),
        taken(
            "oo-lev",
            ("114477", "levetiracetam 500 MG Oral Tablet"),
            "stopped",
            &json!({"start": "2025-01-01", "end": "2025-06-01"}),
            &daily(750, 2),
        ),
        taken(
            "oo-ltg",
            ("28439", "lamotrigine 100 MG Oral Tablet"),
            "active",
            &json!({"start": "2025-06-01"}),
            &daily(100, 2),
        ),
        seizures("oo-sz1", at, 2),
        seizures("oo-sz2", "2025-09-01T10:00:00-05:00", 3),
    ]
}

#[test]
fn a_seizure_is_after_the_day_a_drug_could_work_by_its_own_local_day() {
    // 20:30 on 1 March in Chicago is 2 March in UTC, but day 59 of the drug: no failure of it.
    let (env, _) = imported(&epilepsy("2025-03-01T20:30:00-06:00"));
    assert_ne!(status(&env, "epilepsy"), "refractory");
    // 07:00 on 2 March in Tokyo is 1 March in UTC, but day 60: a failure of it.
    let (env, _) = imported(&epilepsy("2025-03-02T07:00:00+09:00"));
    assert_eq!(status(&env, "epilepsy"), "refractory");
}

#[test]
fn a_status_recorded_before_a_lines_first_dose_on_a_local_evening_is_the_earlier_lines() {
    let given = |id: &str, (code, text): (&str, &str), start: &str, end: &str| {
        taken(
            id,
            (code, text),
            "completed",
            &json!({"start": start, "end": end}),
            &json!({}),
        )
    };
    let status_at = |id: &str, at: &str, (code, words): (&str, &str)| {
        json!({
            "resourceType": "Observation",
            "id": id,
            "status": "final",
            "subject": {"reference": SUBJECT},
            "code": coding(LOINC, "97509-4", "Disease status"),
            "effectiveDateTime": at,
            "valueCodeableConcept": coding(SNOMED, code, words)
        })
    };
    let mut resources = vec![with(
        diagnosis("C83.30", "Diffuse large B-cell lymphoma, unspecified site"),
        &json!({"onsetDateTime": "2024-11-01"}),
    )];
    for (id, drug) in [
        ("oo-r1", ("121191", "rituximab")),
        ("oo-c1", ("3002", "cyclophosphamide")),
        ("oo-d1", ("3639", "doxorubicin")),
        ("oo-v1", ("11202", "vincristine")),
        ("oo-p1", ("8640", "prednisone")),
    ] {
        resources.push(given(id, drug, "2025-01-08", "2025-05-15"));
    }
    resources.push(status_at(
        "oo-cr",
        "2025-06-20T10:00:00-07:00",
        ("550991000124107", "Full remission"),
    ));
    // Worse at 19:15 in Denver (02:15 UTC the next day), salvage first given at 20:45.
    resources.push(status_at(
        "oo-worse",
        "2026-02-11T19:15:00-07:00",
        ("271299001", "Worsened"),
    ));
    for (id, drug) in [
        ("oo-i2", ("5657", "ifosfamide")),
        ("oo-cb2", ("40048", "carboplatin")),
        ("oo-e2", ("4179", "etoposide")),
        ("oo-r2", ("121191", "rituximab")),
    ] {
        resources.push(given(
            id,
            drug,
            "2026-02-11T20:45:00-07:00",
            "2026-04-20T12:00:00-06:00",
        ));
    }
    let (env, _) = imported(&resources);
    // A relapse after first-line remission, not progression on the salvage line.
    assert_ne!(status(&env, "lbcl"), "refractory");
}

#[test]
fn a_drug_begun_at_utc_midnight_west_of_it_is_shown_on_the_day_of_its_line() {
    let (_, record) = imported(&[
        diagnosis("F33.2", "Major depressive disorder, recurrent severe"),
        taken(
            "oo-ser",
            ("312941", "sertraline 100 MG Oral Tablet"),
            "active",
            &json!({"start": "2026-04-14T20:00:00-04:00"}),
            &json!({}),
        ),
    ]);
    let drug = &record.exposures[0];
    let line = record.lines.first().expect("a line of sertraline");
    for hours_east in [-4, -7, 9] {
        let zone = ShownZone::Fixed(chrono::FixedOffset::east_opt(hours_east * 3600).unwrap());
        let shown = drug.start_shown("%Y-%m-%d", zone);
        assert_eq!(
            shown,
            record.line_start_day(line, zone).to_string(),
            "at {hours_east}h"
        );
    }
    let new_york = ShownZone::Fixed(chrono::FixedOffset::east_opt(-4 * 3600).unwrap());
    assert_eq!(drug.start_shown("%Y-%m-%d", new_york), "2026-04-14");
}
