//! A record's times keep the offset from UTC they were written in, through an import and a
//! FHIR export: a visit, a session or a day a drug was given is a day in the record's own local
//! time, and an export written in UTC would move an evening's readings to the next day (two
//! readings of one evening visit split across two days, in refract or in any reader).

use serde_json::{Value, json};

use super::{Env, ICD10, LOINC, SNOMED, bundle, coding, condition, patient, statement};

const SUBJECT: &str = "Patient/tz-pt";

/// A cuff blood pressure panel taken at `at` (written with its offset).
fn cuff(id: &str, at: &str, (systolic, diastolic): (u32, u32)) -> Value {
    json!({
        "resourceType": "Observation",
        "id": id,
        "status": "final",
        "category": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "vital-signs"
        }]}],
        "subject": {"reference": SUBJECT},
        "code": coding(LOINC, "85354-9", "Blood pressure panel with all children optional"),
        "effectiveDateTime": at,
        "component": [
            {"code": coding(LOINC, "8480-6", "Systolic blood pressure"),
             "valueQuantity": {"value": systolic, "unit": "mm[Hg]"}},
            {"code": coding(LOINC, "8462-4", "Diastolic blood pressure"),
             "valueQuantity": {"value": diastolic, "unit": "mm[Hg]"}}
        ]
    })
}

/// Hypertension on three classes with a diuretic (one of them started at an evening time in
/// New York), high at an October visit and at goal at a November evening visit whose two
/// readings straddle UTC midnight (18:50 and 19:10 at -05:00): the latest two visits' mean is
/// uncontrolled (resistant). Read on UTC days, the evening visit is two visits, the latest two
/// at goal, and the patient not resistant. An ECT session in the evening at -05:00 and one at
/// +08:00, and a condition begun an evening at -05:00, come along.
fn evening_visit() -> Vec<Value> {
    let drug = |id: &str, code: &str, text: &str, start: &str| {
        statement(id, SUBJECT, (code, text), "active", start, None)
    };
    let mut diagnosis = condition("tz-htn", SUBJECT, ICD10, "I10", "Essential hypertension");
    diagnosis["onsetDateTime"] = json!("2019-04-01T21:00:00-05:00");
    vec![
        patient("tz-pt", "TZ-1", "Okafor", "Ada"),
        diagnosis,
        drug(
            "tz-aml",
            "308135",
            "amlodipine 10 MG Oral Tablet",
            "2026-01-01T21:30:00-05:00",
        ),
        drug(
            "tz-val",
            "349201",
            "valsartan 320 MG Oral Tablet",
            "2026-01-01",
        ),
        drug(
            "tz-hct",
            "310798",
            "hydrochlorothiazide 25 MG Oral Tablet",
            "2026-01-01",
        ),
        cuff("tz-oct-1", "2026-10-20T10:00:00-05:00", (162, 102)),
        cuff("tz-oct-2", "2026-10-20T10:10:00-05:00", (158, 98)),
        cuff("tz-nov-1", "2026-11-10T18:50:00-05:00", (122, 74)),
        cuff("tz-nov-2", "2026-11-10T19:10:00-05:00", (118, 76)),
        json!({
            "resourceType": "Procedure",
            "id": "tz-ect-ny",
            "status": "completed",
            "subject": {"reference": SUBJECT},
            "code": coding(SNOMED, "23835007", "Electroconvulsive therapy"),
            "performedDateTime": "2026-03-01T21:00:00-05:00"
        }),
        json!({
            "resourceType": "Procedure",
            "id": "tz-ect-sg",
            "status": "completed",
            "subject": {"reference": SUBJECT},
            "code": coding(SNOMED, "23835007", "Electroconvulsive therapy"),
            "performedPeriod": {
                "start": "2026-03-02T07:30:00+08:00",
                "end": "2026-03-02T07:50:00+08:00"
            }
        }),
    ]
}

fn hypertension(env: &Env) -> String {
    env.rows("SELECT status FROM assessments WHERE ruleset = 'hypertension'")
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

/// Every time the export wrote, sorted.
fn times(bundle: &Value) -> Vec<String> {
    let mut found = Vec::new();
    for entry in bundle["entry"].as_array().unwrap() {
        let resource = &entry["resource"];
        for key in [
            "effectiveDateTime",
            "performedDateTime",
            "onsetDateTime",
            "dateAsserted",
        ] {
            if let Some(text) = resource[key].as_str() {
                found.push(text.to_owned());
            }
        }
        for key in ["effectivePeriod", "performedPeriod"] {
            for end in ["start", "end"] {
                if let Some(text) = resource[key][end].as_str() {
                    found.push(text.to_owned());
                }
            }
        }
    }
    found.sort();
    found
}

#[test]
fn an_export_keeps_each_times_offset_so_its_import_keeps_the_local_days_and_the_outcome() {
    let mut env = Env::new();
    let path = env.write_json("record.json", &bundle("collection", &evening_visit()));
    env.import_ok(&path);
    assert_eq!(hypertension(&env), "resistant");

    let exported = export(&env);
    let written = times(&exported);
    for time in [
        "2026-11-10T18:50:00-05:00",
        "2026-11-10T19:10:00-05:00",
        "2026-10-20T10:00:00-05:00",
        "2026-01-01T21:30:00-05:00",
        "2026-03-01T21:00:00-05:00",
        "2026-03-02T07:30:00+08:00",
        "2026-03-02T07:50:00+08:00",
    ] {
        assert!(written.iter().any(|t| t == time), "{time} in {written:#?}");
    }
    // A condition begun an evening in New York began that day, not on its UTC day.
    assert!(written.iter().any(|t| t == "2019-04-01"), "{written:#?}");

    // Imported again (elsewhere), the same visits, the same outcome, the same times.
    let mut again = Env::new();
    let path = again.write_json("export.json", &exported);
    again.import_ok(&path);
    assert_eq!(hypertension(&again), "resistant");
    assert_eq!(times(&export(&again)), written);
}

#[test]
fn a_procedures_and_a_drugs_day_is_their_local_day() {
    let mut env = Env::new();
    let path = env.write_json("record.json", &bundle("collection", &evening_visit()));
    env.import_ok(&path);
    let record = env.store.record(refract::domain::PatientId(1)).unwrap();
    let day = |text: &str| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
    let mut sessions: Vec<_> = record
        .procedures
        .iter()
        .map(|p| (p.performed, p.performed_day()))
        .collect();
    sessions.sort();
    // 07:30+08:00 on 2 March is 23:30Z on the 1st, 21:00-05:00 on 1 March 02:00Z on the 2nd:
    // each on its own local day, never its UTC day.
    let days: Vec<_> = sessions.iter().map(|(_, day)| *day).collect();
    assert_eq!(days, [day("2026-03-02"), day("2026-03-01")]);
    let amlodipine = record
        .exposures
        .iter()
        .find(|e| e.text.starts_with("amlodipine"))
        .unwrap();
    assert_eq!(amlodipine.start_day(), day("2026-01-01"));
    assert_eq!(record.conditions[0].onset, Some(day("2019-04-01")));
}
