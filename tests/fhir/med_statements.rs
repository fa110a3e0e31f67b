//! What a patient's own statements say of a drug beside its orders (review R9-5, R9-6): a
//! statement `not-taken` ends the course of the drug it contradicts from its date, and the
//! criteria ask to rule out non-adherence instead of counting a failed trial; an `active`
//! statement dated only by when it was asserted is a drug given now, for how long not known.

use serde_json::{Value, json};

use super::{Env, ICD10, LOINC, RXNORM, bundle, coding, condition, patient};

const SUBJECT: &str = "urn:uuid:nt-pt";

fn patient_with(resources: &[Value]) -> Value {
    let mut all = vec![
        patient("nt-pt", "NT-1", "Okafor", "Ada"),
        condition(
            "nt-dx",
            SUBJECT,
            ICD10,
            "I10",
            "Essential (primary) hypertension",
        ),
    ];
    all.extend_from_slice(resources);
    bundle("collection", &all)
}

fn daily(mg: f64) -> Value {
    json!({
        "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
        "doseAndRate": [{"doseQuantity": {"value": mg, "unit": "mg"}}]
    })
}

/// An active order of `drug` at `mg` a day written on `authored`.
fn order(id: &str, (code, text): (&str, &str), mg: f64, authored: &str) -> Value {
    json!({
        "resourceType": "MedicationRequest",
        "id": id,
        "status": "active",
        "intent": "order",
        "subject": {"reference": SUBJECT},
        "medicationCodeableConcept": coding(RXNORM, code, text),
        "authoredOn": authored,
        "dosageInstruction": [daily(mg)]
    })
}

/// The patient's statement that `drug` is not taken, from `on`, for `why` (when said).
fn not_taken(id: &str, (code, text): (&str, &str), on: &str, why: Option<&str>) -> Value {
    let mut statement = json!({
        "resourceType": "MedicationStatement",
        "id": id,
        "status": "not-taken",
        "subject": {"reference": SUBJECT},
        "medicationCodeableConcept": coding(RXNORM, code, text),
        "effectiveDateTime": on,
        "dateAsserted": on
    });
    if let Some(why) = why {
        statement["statusReason"] = json!([{"text": why}]);
    }
    statement
}

fn bp(id: &str, day: &str) -> Value {
    let mmhg = |value: u32| {
        json!({"value": value, "unit": "mmHg", "system": "http://unitsofmeasure.org",
               "code": "mm[Hg]"})
    };
    json!({
        "resourceType": "Observation",
        "id": id,
        "status": "final",
        "subject": {"reference": SUBJECT},
        "code": coding(LOINC, "85354-9", "Blood pressure panel"),
        "effectiveDateTime": day,
        "component": [
            {"code": coding(LOINC, "8480-6", "Systolic blood pressure"), "valueQuantity": mmhg(152)},
            {"code": coding(LOINC, "8462-4", "Diastolic blood pressure"), "valueQuantity": mmhg(94)}
        ]
    })
}

const RAMIPRIL: (&str, &str) = ("845488", "ramipril 10 MG Oral Capsule");
const AMLODIPINE: (&str, &str) = ("308135", "amlodipine 10 MG Oral Tablet");
const CHLORTHALIDONE: (&str, &str) = ("197499", "chlorthalidone 25 MG Oral Tablet");
const METOPROLOL: (&str, &str) = ("866514", "metoprolol tartrate 100 MG Oral Tablet");

/// (start, end or "-", stop reason or "-", stop words or "-") of the exposures of `text`.
fn course(env: &Env, text: &str) -> Vec<Vec<String>> {
    env.rows(&format!(
        "SELECT substr(start, 1, 10), coalesce(substr(end, 1, 10), '-'),
                coalesce(stop_reason, '-'), coalesce(stop_text, '-')
         FROM drug_exposures WHERE text = '{text}' ORDER BY start"
    ))
}

fn hypertension(env: &Env) -> (String, String) {
    let rows = env.rows("SELECT status, detail FROM assessments WHERE ruleset = 'hypertension'");
    assert_eq!(rows.len(), 1, "{rows:?}");
    (rows[0][0].clone(), rows[0][1].clone())
}

/// Review R9-5: active orders of ramipril, amlodipine, chlorthalidone and metoprolol, and the
/// patient's statement that they do not take metoprolol since 2026-09-01 (feels tired): the
/// metoprolol course ends there, for that reason, and it is no class given now (three, not
/// four); the rule-out of non-adherence names the report. Control: an order written after the
/// report is the drug given again (ongoing, four classes).
#[test]
fn a_statement_not_taken_ends_the_course_of_the_order_it_contradicts() {
    let resources = [
        order("o1", RAMIPRIL, 10.0, "2025-01-10"),
        order("o2", AMLODIPINE, 10.0, "2025-01-10"),
        order("o3", CHLORTHALIDONE, 25.0, "2025-01-10"),
        order("o4", METOPROLOL, 100.0, "2025-01-10"),
        not_taken("s1", METOPROLOL, "2026-09-01", Some("feels tired")),
        bp("bp1", "2026-10-07T09:10:00Z"),
        bp("bp2", "2026-10-28T09:10:00Z"),
    ];
    let mut env = Env::new();
    env.import_as("gp", &patient_with(&resources));
    let rows = course(&env, METOPROLOL.1);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][0], "2025-01-10", "{rows:?}");
    assert_eq!(rows[0][1], "2026-09-01", "{rows:?}");
    assert!(
        rows[0][3].contains("reported not taken") && rows[0][3].contains("feels tired"),
        "{rows:?}"
    );
    let (status, detail) = hypertension(&env);
    assert!(detail.contains("3 classes given together now"), "{detail}");
    assert_eq!(status, "resistant", "{detail}");
    assert!(
        detail.contains("patient reported not taking metoprolol since 2026-09-01 (feels tired)"),
        "{detail}"
    );

    let mut again = resources.to_vec();
    again.push(order("o5", METOPROLOL, 100.0, "2026-09-20"));
    let mut env = Env::new();
    env.import_as("gp", &patient_with(&again));
    let rows = course(&env, METOPROLOL.1);
    assert_eq!(
        rows.last().map(|row| row[1].as_str()),
        Some("-"),
        "{rows:?}"
    );
    let (_, detail) = hypertension(&env);
    assert!(detail.contains("4 classes given together now"), "{detail}");
}

/// Review R9-5: a statement `not-taken` with no reason ends the course as "not taken"; one from
/// another source ends it too (the report is about the patient, whoever recorded it).
#[test]
fn a_statement_not_taken_with_no_reason_ends_the_course_as_not_taken() {
    let mut env = Env::new();
    env.import_as(
        "hosp",
        &patient_with(&[order("o3", CHLORTHALIDONE, 25.0, "2025-01-10")]),
    );
    env.import_as(
        "gp",
        &patient_with(&[not_taken("s1", CHLORTHALIDONE, "2026-09-01", None)]),
    );
    let rows = course(&env, CHLORTHALIDONE.1);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][1], "2026-09-01", "{rows:?}");
    assert_eq!(rows[0][2], "noncompliance", "{rows:?}");
    assert_eq!(rows[0][3], "reported not taken", "{rows:?}");
}

/// Review R9-6: an `active` statement of amlodipine dated only by when it was asserted
/// (2026-09-20), beside ramipril and chlorthalidone taken for two years: three classes given
/// now; the readings of October are on that regimen, as far as anyone knows; the evidence says
/// amlodipine's start is not recorded (no time on treatment made up for it).
#[test]
fn a_drug_of_unknown_start_said_taken_is_current_at_the_readings_after_it_was_said() {
    let asserted_only = json!({
        "resourceType": "MedicationStatement",
        "id": "s2",
        "status": "active",
        "subject": {"reference": SUBJECT},
        "medicationCodeableConcept": coding(RXNORM, AMLODIPINE.0, AMLODIPINE.1),
        "dateAsserted": "2026-09-20",
        "dosage": [daily(10.0)]
    });
    let mut env = Env::new();
    env.import_as(
        "gp",
        &patient_with(&[
            order("o1", RAMIPRIL, 10.0, "2024-10-10"),
            order("o3", CHLORTHALIDONE, 25.0, "2024-10-10"),
            asserted_only,
            bp("bp1", "2026-10-07T09:10:00Z"),
            bp("bp2", "2026-10-28T09:10:00Z"),
        ]),
    );
    let (status, detail) = hypertension(&env);
    assert!(detail.contains("3 classes given together now"), "{detail}");
    assert!(
        !detail.contains("no current blood pressure on the current regimen"),
        "{detail}"
    );
    assert_eq!(status, "resistant", "{detail}");
    assert!(
        detail.contains("amlodipine: taken by 2026-09-20, since a day not recorded"),
        "{detail}"
    );
}
