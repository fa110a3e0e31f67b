//! A course is given at least until the last day any record of it said it was current: an
//! earlier version of the same order (sent `active`, later `stopped` with no end), a renewal
//! naming it (`priorPrescription`), another source's statement asserted while it was taken.
//! The source sending more (how the order ended) never makes refract know less (review r5
//! R5-1: a confirmed failed trial shrank to its first day and the flag fell to insufficient).

use serde_json::{Value, json};

use super::{Env, ICD10, LOINC, RXNORM, bundle, coding, condition, patient};

const DULOXETINE: (&str, &str) = ("596930", "duloxetine 60 MG Delayed Release Oral Capsule");
const FLUOXETINE: (&str, &str) = ("310385", "fluoxetine 20 MG Oral Capsule");
const MIRTAZAPINE: (&str, &str) = ("311725", "mirtazapine 30 MG Oral Tablet");
const AMLODIPINE: (&str, &str) = ("308135", "amlodipine 10 MG Oral Tablet");

/// A MedicationRequest of `drug` at `mg` a day, written on `authored`, with its `meta.lastUpdated`.
fn order(
    id: &str,
    (rxnorm, text): (&str, &str),
    mg: f64,
    status: &str,
    authored: &str,
    last_updated: Option<&str>,
) -> Value {
    let mut order = json!({
        "resourceType": "MedicationRequest",
        "id": id,
        "status": status,
        "intent": "order",
        "subject": {"reference": "urn:uuid:sc-p"},
        "medicationCodeableConcept": coding(RXNORM, rxnorm, text),
        "authoredOn": authored,
        "dosageInstruction": [{
            "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [{"doseQuantity": {"value": mg, "unit": "mg"}}]
        }]
    });
    if let Some(at) = last_updated {
        order["meta"] = json!({"lastUpdated": at});
    }
    order
}

fn stopped_for_no_response(mut order: Value) -> Value {
    order["statusReason"] = json!({"text": "no response"});
    order
}

fn phq9(id: &str, at: &str, score: i64) -> Value {
    json!({
        "resourceType": "Observation",
        "id": id,
        "status": "final",
        "subject": {"reference": "urn:uuid:sc-p"},
        "code": coding(LOINC, "44261-6", "PHQ-9 total score"),
        "effectiveDateTime": at,
        "valueInteger": score
    })
}

/// Sara's record as the hospital sends it: recurrent depression since October 2025, fluoxetine
/// stopped for no response after 11 weeks, duloxetine 120 mg as `dlx` says, PHQ-9 scores that
/// never improve, and `more`.
fn depression_export(dlx: Value, more: &[Value]) -> Value {
    let mut dx = condition(
        "sc-dx",
        "urn:uuid:sc-p",
        ICD10,
        "F33.2",
        "Major depressive disorder, recurrent severe",
    );
    dx["onsetDateTime"] = json!("2025-10-20");
    let mut flx = stopped_for_no_response(order(
        "sc-flx",
        FLUOXETINE,
        40.0,
        "stopped",
        "2025-11-01",
        Some("2026-08-01T00:00:00Z"),
    ));
    flx["dosageInstruction"][0]["timing"]["repeat"]["boundsPeriod"] =
        json!({"start": "2025-11-01", "end": "2026-01-15"});
    let mut resources = vec![
        patient("sc-p", "SC-1", "Lindqvist", "Sara"),
        dx,
        flx,
        dlx,
        phq9("sc-q0", "2025-10-30", 23),
        phq9("sc-q1", "2026-01-18", 22),
        phq9("sc-q2", "2026-04-01", 21),
        phq9("sc-q3", "2026-07-01", 20),
    ];
    resources.extend_from_slice(more);
    bundle("collection", &resources)
}

fn depression_status(env: &Env) -> String {
    env.rows("SELECT status FROM assessments WHERE ruleset = 'depression'")
        .concat()
        .concat()
}

/// September: duloxetine `active` (its version of 1 August). October: the same order sent
/// `stopped` for no response, no end, and mirtazapine begun.
fn october(dlx_last_updated: &str) -> Value {
    depression_export(
        stopped_for_no_response(order(
            "sc-dlx",
            DULOXETINE,
            120.0,
            "stopped",
            "2026-01-20",
            Some(dlx_last_updated),
        )),
        &[
            order(
                "sc-mir",
                MIRTAZAPINE,
                30.0,
                "active",
                "2026-09-15",
                Some("2026-10-01T00:00:00Z"),
            ),
            phq9("sc-q4", "2026-09-14", 20),
        ],
    )
}

fn september() -> Value {
    depression_export(
        order(
            "sc-dlx",
            DULOXETINE,
            120.0,
            "active",
            "2026-01-20",
            Some("2026-08-01T00:00:00Z"),
        ),
        &[],
    )
}

#[test]
fn an_order_stopped_with_no_end_is_given_until_its_earlier_version_said_it_was_current() {
    let mut env = Env::new();
    let sept = env.write_json("sept.json", &september());
    env.import_ok(&sept);
    assert_eq!(depression_status(&env), "refractory");
    let oct = env.write_json("oct.json", &october("2026-10-01T00:00:00Z"));
    env.import_ok(&oct);
    // Not "2026-01-20 → ≥2026-01-20": the September version said it was current on 1 August.
    assert_eq!(
        env.course_of("duloxetine 60 MG Delayed Release Oral Capsule"),
        [["2026-01-20", "2026-08-01", "end_unknown"]]
    );
    // Six months at 120 mg stopped for no response: the second failed trial it was.
    assert_eq!(depression_status(&env), "refractory");

    // Both files read again (an old folder), in either order: the day is kept with the record.
    env.import(&[sept, oct]);
    assert_eq!(
        env.course_of("duloxetine 60 MG Delayed Release Oral Capsule"),
        [["2026-01-20", "2026-08-01", "end_unknown"]]
    );
}

#[test]
fn an_older_version_saying_current_read_after_the_stop_still_counts() {
    let mut env = Env::new();
    let oct = env.write_json("oct.json", &october("2026-10-01T00:00:00Z"));
    env.import_ok(&oct);
    assert_eq!(
        env.course_of("duloxetine 60 MG Delayed Release Oral Capsule"),
        [["2026-01-20", "2026-01-20", "end_unknown"]]
    );
    // The September export read late: its copy is older and changes nothing it says, but it
    // said the drug was current on 1 August.
    let sept = env.write_json("sept.json", &september());
    env.import_ok(&sept);
    assert_eq!(
        env.course_of("duloxetine 60 MG Delayed Release Oral Capsule"),
        [["2026-01-20", "2026-08-01", "end_unknown"]]
    );
    assert_eq!(depression_status(&env), "refractory");
}

#[test]
fn a_version_with_no_last_updated_says_no_day_it_was_current() {
    let mut env = Env::new();
    let mut first = september();
    for entry in first["entry"].as_array_mut().unwrap() {
        entry["resource"].as_object_mut().unwrap().remove("meta");
    }
    let sept = env.write_json("sept.json", &first);
    env.import_ok(&sept);
    let oct = env.write_json("oct.json", &october("2026-11-20T00:00:00Z"));
    env.import_ok(&oct);
    // Never the day it was imported: an old export read years later would make a course
    // given until then. Its length stays unknown from its first day.
    assert_eq!(
        env.course_of("duloxetine 60 MG Delayed Release Oral Capsule"),
        [["2026-01-20", "2026-01-20", "end_unknown"]]
    );
}

#[test]
fn a_stated_end_is_what_the_source_said_whatever_an_earlier_version_did() {
    let mut env = Env::new();
    let sept = env.write_json("sept.json", &september());
    env.import_ok(&sept);
    let mut corrected = october("2026-10-01T00:00:00Z");
    let dlx = corrected["entry"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|entry| entry["resource"]["id"] == "sc-dlx")
        .unwrap();
    dlx["resource"]["dosageInstruction"][0]["timing"]["repeat"]["boundsPeriod"] =
        json!({"start": "2026-01-20", "end": "2026-06-30"});
    let oct = env.write_json("oct.json", &corrected);
    env.import_ok(&oct);
    assert_eq!(
        env.course_of("duloxetine 60 MG Delayed Release Oral Capsule"),
        [["2026-01-20", "2026-06-30", "stated"]]
    );
}

#[test]
fn a_trial_known_on_its_first_day_only_is_never_said_to_have_lasted_zero_days() {
    let mut env = Env::new();
    let oct = env.write_json("oct.json", &october("2026-10-01T00:00:00Z"));
    env.import_ok(&oct);
    assert_eq!(depression_status(&env), "insufficient_data");
    let detail = env
        .rows("SELECT detail FROM assessments WHERE ruleset = 'depression'")
        .concat()
        .concat();
    assert!(!detail.contains("at least 0 days"), "{detail}");
    assert!(!detail.contains("at least 0 weeks"), "{detail}");
    assert!(
        detail.contains("given from 2026-01-20: how long it was given is not recorded"),
        "{detail}"
    );
}

fn hypertension_order(id: &str, status: &str, authored: &str, mg: f64) -> Value {
    order(
        id,
        AMLODIPINE,
        mg,
        status,
        authored,
        Some("2026-10-01T00:00:00Z"),
    )
}

fn renewal_export(old_status: &str, new_mg: f64) -> Value {
    let mut renewal = hypertension_order("sc-aml2", "active", "2026-09-01", new_mg);
    renewal["priorPrescription"] = json!({"reference": "MedicationRequest/sc-aml"});
    bundle(
        "collection",
        &[
            patient("sc-p", "SC-2", "Kowalski", "Anna"),
            condition(
                "sc-htn",
                "urn:uuid:sc-p",
                ICD10,
                "I10",
                "Essential (primary) hypertension",
            ),
            hypertension_order("sc-aml", old_status, "2023-06-10", 10.0),
            renewal,
        ],
    )
}

#[test]
fn an_order_renewed_by_another_ran_until_the_renewal_began() {
    // The old order sent `completed` with no end, renewed three years on by an order naming it
    // (`priorPrescription`): one course, still given; never a day in 2023 and a restart.
    let mut env = Env::new();
    let file = env.write_json("renewed.json", &renewal_export("completed", 10.0));
    env.import_ok(&file);
    assert_eq!(
        env.course_of("amlodipine 10 MG Oral Tablet"),
        [["2023-06-10", "-", "stated"]]
    );
}

#[test]
fn an_order_renewed_at_another_dose_ran_at_its_own_dose_until_the_renewal_began() {
    let mut env = Env::new();
    let file = env.write_json("renewed.json", &renewal_export("stopped", 5.0));
    env.import_ok(&file);
    let courses = env.course_of("amlodipine 10 MG Oral Tablet");
    assert_eq!(courses[0][..2], ["2023-06-10", "2026-09-01"], "{courses:?}");
    assert_eq!(courses[1][..2], ["2026-09-01", "-"], "{courses:?}");
}

#[test]
fn a_course_merged_from_two_sources_runs_at_least_until_the_statement_said_it_was_taken() {
    // The GP says amlodipine is taken (asserted 5 September 2026); the hospital's order of it,
    // later sent stopped as not tolerated with no end: the course ran at least until the GP's
    // word, never "2023-06-01 → ≥2023-06-10".
    let mut env = Env::new();
    let mut stopped = hypertension_order("sc-aml", "stopped", "2023-06-10", 10.0);
    stopped["statusReason"] = json!({"text": "not tolerated"});
    let hospital = bundle(
        "collection",
        &[
            patient("sc-p", "SC-3", "Kowalski", "Anna"),
            condition(
                "sc-htn",
                "urn:uuid:sc-p",
                ICD10,
                "I10",
                "Essential (primary) hypertension",
            ),
            stopped,
        ],
    );
    env.import_as("hospital", &hospital);
    let gp = bundle(
        "collection",
        &[
            patient("sc-p", "SC-3", "Kowalski", "Anna"),
            json!({
                "resourceType": "MedicationStatement",
                "id": "sc-gp-aml",
                "status": "active",
                "subject": {"reference": "urn:uuid:sc-p"},
                "medicationCodeableConcept": coding(RXNORM, AMLODIPINE.0, AMLODIPINE.1),
                "effectivePeriod": {"start": "2023-06-01"},
                "dateAsserted": "2026-09-05",
                "dosage": [{"text": "10 mg once daily"}]
            }),
        ],
    );
    env.import_as("gp", &gp);
    let ends: Vec<String> = env
        .rows(
            "SELECT coalesce(substr(end, 1, 10), '-') FROM drug_exposures WHERE rxnorm = '308135'",
        )
        .concat();
    assert!(
        ends.iter().all(|end| end.as_str() >= "2026-09-05"),
        "{ends:?}"
    );
}
