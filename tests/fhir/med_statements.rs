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

/// An `active` statement of `drug` at `mg` a day dated by `effectiveDateTime` alone (R4: "the
/// date/time … when the medication is/was/will be taken"): a day it was taken, no start.
fn taken_on(id: &str, (code, text): (&str, &str), mg: f64, status: &str, on: &str) -> Value {
    json!({
        "resourceType": "MedicationStatement",
        "id": id,
        "status": status,
        "subject": {"reference": SUBJECT},
        "medicationCodeableConcept": coding(RXNORM, code, text),
        "effectiveDateTime": on,
        "dosage": [daily(mg)]
    })
}

/// (start, end or "-", dates) of the exposures of `text`.
fn dated(env: &Env, text: &str) -> Vec<Vec<String>> {
    env.rows(&format!(
        "SELECT substr(start, 1, 10), coalesce(substr(end, 1, 10), '-'), dates
         FROM drug_exposures WHERE text = '{text}' ORDER BY start"
    ))
}

/// Review OB5: an `active` statement of amlodipine whose `effectiveDateTime` is 2026-09-20 says
/// it was taken that day, not that it began then (only `effectivePeriod.start` is a start): read
/// as one dated only by `dateAsserted` is (R9-6), taken by that day since a day not recorded,
/// ongoing. The regimen of ramipril and chlorthalidone for two years does not become a regimen
/// begun on 2026-09-20: the readings of October count, and the evidence says amlodipine's start
/// is not recorded. Control: `effectivePeriod.start` on the same day is a start, and the
/// reading of 2026-10-07, under four weeks on the new regimen, does not count.
#[test]
fn an_active_statement_dated_by_a_day_taken_has_no_start_of_that_day() {
    let regimen = |amlodipine: Value| {
        patient_with(&[
            order("o1", RAMIPRIL, 10.0, "2024-10-10"),
            order("o3", CHLORTHALIDONE, 25.0, "2024-10-10"),
            amlodipine,
            bp("bp1", "2026-10-07T09:10:00Z"),
            bp("bp2", "2026-10-28T09:10:00Z"),
        ])
    };
    let mut env = Env::new();
    env.import_as(
        "gp",
        &regimen(taken_on("s2", AMLODIPINE, 10.0, "active", "2026-09-20")),
    );
    assert_eq!(
        dated(&env, AMLODIPINE.1),
        [["2026-09-20", "-", "start_unknown"]]
    );
    let (status, detail) = hypertension(&env);
    assert!(detail.contains("3 classes given together now"), "{detail}");
    assert!(
        !detail.contains("no current blood pressure on the current regimen")
            && !detail.contains("unchanged since 2026-09-20"),
        "{detail}"
    );
    assert_eq!(status, "resistant", "{detail}");
    assert!(
        detail.contains("amlodipine: taken by 2026-09-20, since a day not recorded"),
        "{detail}"
    );

    let mut started = taken_on("s2", AMLODIPINE, 10.0, "active", "2026-09-20");
    started.as_object_mut().unwrap().remove("effectiveDateTime");
    started["effectivePeriod"] = json!({"start": "2026-09-20"});
    let mut env = Env::new();
    env.import_as("gp", &regimen(started));
    assert_eq!(dated(&env, AMLODIPINE.1), [["2026-09-20", "-", "stated"]]);
    let (_, detail) = hypertension(&env);
    assert!(
        detail.contains("over 1 reading(s) since 2026-10-28")
            && !detail.contains("since a day not recorded"),
        "{detail}"
    );
}

/// Review OB5: a `completed` statement dated by `effectiveDateTime` says the drug was taken on
/// that day and is no longer: no start and no end, one day known (as one dated only by when it
/// was asserted). It still says the drug stopped: an active order written before it is not a
/// drug given now.
#[test]
fn a_completed_statement_dated_by_a_day_taken_is_that_day_only_and_still_a_stop() {
    let mut env = Env::new();
    env.import_as(
        "gp",
        &patient_with(&[
            order("o4", METOPROLOL, 100.0, "2025-01-10"),
            taken_on("s4", METOPROLOL, 100.0, "completed", "2026-06-01"),
        ]),
    );
    let rows = dated(&env, METOPROLOL.1);
    assert!(
        rows.contains(&vec![
            "2026-06-01".to_owned(),
            "2026-06-01".to_owned(),
            "unknown".to_owned()
        ]),
        "{rows:?}"
    );
    assert!(rows.iter().all(|row| row[1] != "-"), "{rows:?}");
}

/// Review OB5: several `active` statements of one drug, each dated by a day it was taken: the
/// earliest is the latest day it can have started (a lower bound of the time on it), never a
/// start; nothing between them is made up beyond what the statements say.
#[test]
fn statements_of_days_taken_give_a_bound_of_the_time_on_the_drug_never_a_start() {
    let mut env = Env::new();
    env.import_as(
        "gp",
        &patient_with(&[
            taken_on("s1", AMLODIPINE, 10.0, "active", "2026-08-01"),
            taken_on("s2", AMLODIPINE, 10.0, "active", "2026-09-20"),
        ]),
    );
    let rows = dated(&env, AMLODIPINE.1);
    assert_eq!(
        rows.first().map(|row| row[0].as_str()),
        Some("2026-08-01"),
        "{rows:?}"
    );
    assert!(rows.iter().all(|row| row[2] == "start_unknown"), "{rows:?}");
}

/// A pharmacy fill of `drug`, handed over on `on`, of 30 days at `mg` a day.
fn fill(id: &str, (code, text): (&str, &str), mg: f64, on: &str) -> Value {
    json!({
        "resourceType": "MedicationDispense",
        "id": id,
        "status": "completed",
        "subject": {"reference": SUBJECT},
        "medicationCodeableConcept": coding(RXNORM, code, text),
        "quantity": {"value": 30, "unit": "TAB"},
        "daysSupply": {"value": 30, "unit": "days", "system": "http://unitsofmeasure.org",
                       "code": "d"},
        "whenHandedOver": on,
        "dosageInstruction": [daily(mg)]
    })
}

/// One dose of `drug` (by its words) given on `on` (a ward's MedicationAdministration).
fn dose_given(id: &str, drug: &str, mg: f64, on: &str) -> Value {
    json!({
        "resourceType": "MedicationAdministration",
        "id": id,
        "status": "completed",
        "subject": {"reference": SUBJECT},
        "medicationCodeableConcept": {"text": drug},
        "effectiveDateTime": format!("{on}T09:00:00+00:00"),
        "dosage": {"dose": {"value": mg, "unit": "mg"}}
    })
}

/// The patient's statement that `drug` (by its words) is not taken from `on`.
fn not_taken_words(id: &str, drug: &str, on: &str) -> Value {
    json!({
        "resourceType": "MedicationStatement",
        "id": id,
        "status": "not-taken",
        "subject": {"reference": SUBJECT},
        "medicationCodeableConcept": {"text": drug},
        "effectiveDateTime": on,
        "dateAsserted": on
    })
}

/// Review G1-2: metoprolol known only from monthly fills, the last handed over on 2026-08-10
/// for 30 days, and the patient's statement that they do not take it from 2026-09-01: the
/// course of fills ends there as reported not taken, as an order's does (R9-5), and metoprolol
/// is no class given now. Control: a fill handed over on or after that day is the drug given
/// again, a course of its own, never joined across the report.
#[test]
fn a_statement_not_taken_ends_a_course_known_from_fills() {
    let fills = [
        fill("f1", METOPROLOL, 100.0, "2026-06-10"),
        fill("f2", METOPROLOL, 100.0, "2026-07-10"),
        fill("f3", METOPROLOL, 100.0, "2026-08-10"),
    ];
    let mut resources = fills.to_vec();
    resources.push(not_taken(
        "s1",
        METOPROLOL,
        "2026-09-01",
        Some("feels tired"),
    ));
    let mut env = Env::new();
    env.import_as("gp", &patient_with(&resources));
    let rows = course(&env, METOPROLOL.1);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        (rows[0][0].as_str(), rows[0][1].as_str()),
        ("2026-06-10", "2026-09-01")
    );
    assert!(
        rows[0][3].contains("reported not taken") && rows[0][3].contains("feels tired"),
        "{rows:?}"
    );

    resources.push(fill("f4", METOPROLOL, 100.0, "2026-09-01"));
    let mut env = Env::new();
    env.import_as("gp", &patient_with(&resources));
    let rows = course(&env, METOPROLOL.1);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0][1], "2026-09-01", "{rows:?}");
    assert!(rows[0][3].contains("reported not taken"), "{rows:?}");
    assert_eq!(
        (
            rows[1][0].as_str(),
            rows[1][1].as_str(),
            rows[1][3].as_str()
        ),
        ("2026-09-01", "2026-10-01", "-"),
        "{rows:?}"
    );
}

/// Review G1-2: doses given one at a time (MedicationAdministration). A monthly depot's course
/// covers the month after its last injection: the report inside it ends the course there. A
/// ward's daily doses on either side of the report are two courses, never one across it.
#[test]
fn a_statement_not_taken_ends_a_course_of_doses_given() {
    const DEPOT: &str = "paliperidone palmitate 156 MG/ML Injectable Suspension";
    const WARD: &str = "levetiracetam 500 MG Oral Tablet";
    let mut env = Env::new();
    env.import_as(
        "gp",
        &patient_with(&[
            dose_given("d1", DEPOT, 156.0, "2026-06-01"),
            dose_given("d2", DEPOT, 156.0, "2026-06-29"),
            dose_given("d3", DEPOT, 156.0, "2026-07-27"),
            not_taken_words("s1", DEPOT, "2026-08-10"),
        ]),
    );
    let rows = course(&env, DEPOT);
    assert_eq!(
        rows.last().map(|row| row[1].as_str()),
        Some("2026-08-10"),
        "{rows:?}"
    );
    assert!(
        rows.last()
            .is_some_and(|row| row[3] == "reported not taken"),
        "{rows:?}"
    );

    let mut resources: Vec<Value> = ["01", "02", "03", "07", "08"]
        .iter()
        .map(|d| dose_given(&format!("w{d}"), WARD, 500.0, &format!("2026-09-{d}")))
        .collect();
    resources.push(not_taken_words("s2", WARD, "2026-09-05"));
    let mut env = Env::new();
    env.import_as("gp", &patient_with(&resources));
    let rows = course(&env, WARD);
    let spans: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    assert_eq!(
        spans,
        [("2026-09-01", "2026-09-03"), ("2026-09-07", "2026-09-08")],
        "{rows:?}"
    );
}

/// Review G1-3: hypertension's dose adequacy ("below its usual maximum") says where a dose
/// refract worked out came from, as the other rule sets' evidence does (R9-7): amlodipine
/// known from a fill of 30 × 5 mg tablets for 30 days with no dosage is 5 mg/d "dose from
/// quantity/supply". Control: ramipril's order states its dose, and says nothing of it.
#[test]
fn a_derived_dose_below_its_usual_maximum_says_how_it_was_derived() {
    let mut amlodipine = fill(
        "f1",
        ("197361", "amlodipine 5 MG Oral Tablet"),
        5.0,
        "2026-11-10",
    );
    amlodipine
        .as_object_mut()
        .unwrap()
        .remove("dosageInstruction");
    let mut env = Env::new();
    env.import_as(
        "gp",
        &patient_with(&[
            order("o1", RAMIPRIL, 5.0, "2025-01-10"),
            order("o3", CHLORTHALIDONE, 25.0, "2025-01-10"),
            amlodipine,
        ]),
    );
    let (_, detail) = hypertension(&env);
    assert!(
        detail.contains(
            "amlodipine 5 mg/d (dose from quantity/supply) is below its usual maximum (10 mg/d)"
        ),
        "{detail}"
    );
    assert!(
        detail.contains("ramipril 5 mg/d is below its usual maximum"),
        "{detail}"
    );
}

/// Both exports of `env`'s database, each imported into a fresh database.
fn read_back(env: &Env) -> Vec<(&'static str, Env)> {
    ["json", "fhir"]
        .into_iter()
        .map(|format| {
            let out = env.path(&format!("out.{format}"));
            let output = super::refract()
                .arg("--db")
                .arg(env.db())
                .args(["export", "--format", format, "--out"])
                .arg(&out)
                .output()
                .unwrap();
            assert!(output.status.success(), "{output:?}");
            let mut copy = Env::new();
            copy.import_ok(&out);
            (format, copy)
        })
        .collect()
}

/// MS-1: an `active` statement dated by a day taken (2026-06-01) is a drug taken by that day,
/// since a day not recorded, still taken (≤2026-06-01 → ongoing). Both exports read back the
/// same: the FHIR export writes it as it came (an active statement's `effectiveDateTime`),
/// never as a period starting in its month, which read back as started by the month's last
/// day.
#[test]
fn an_ongoing_course_of_unknown_start_reads_back_the_same_from_both_exports() {
    let mut env = Env::new();
    env.import_as(
        "gp",
        &patient_with(&[taken_on("s2", AMLODIPINE, 10.0, "active", "2026-06-01")]),
    );
    let original = dated(&env, AMLODIPINE.1);
    assert_eq!(original, [["2026-06-01", "-", "start_unknown"]]);
    for (format, copy) in read_back(&env) {
        assert_eq!(dated(&copy, AMLODIPINE.1), original, "{format}");
    }
}

/// MS-2: a `completed` statement dated by a month alone ("2024-03") says the drug was taken
/// some time that month and is no longer: neither its start nor its end known, kept at the
/// month's last day as a fill of a month alone is (`unknown`: ≤ and ≥ that day), never a start
/// of that day. It is still a stop, and both exports read it back the same.
#[test]
fn a_completed_statement_of_a_month_alone_keeps_its_month_unknown() {
    let mut env = Env::new();
    env.import_as(
        "gp",
        &patient_with(&[taken_on("s4", METOPROLOL, 100.0, "completed", "2024-03")]),
    );
    let original = dated(&env, METOPROLOL.1);
    assert_eq!(original, [["2024-03-31", "2024-03-31", "unknown"]]);
    for (format, copy) in read_back(&env) {
        assert_eq!(dated(&copy, METOPROLOL.1), original, "{format}");
    }

    // Control: an active one of a month alone is taken by its last day, still taken.
    let mut env = Env::new();
    env.import_as(
        "gp",
        &patient_with(&[taken_on("s4", METOPROLOL, 100.0, "active", "2024-03")]),
    );
    assert_eq!(
        dated(&env, METOPROLOL.1),
        [["2024-03-31", "-", "start_unknown"]]
    );
}

/// A pharmacy fill of `drug` handed over on `on` whose supply is not recorded.
fn fill_of_unknown_supply(id: &str, drug: (&str, &str), mg: f64, on: &str) -> Value {
    let mut fill = fill(id, drug, mg, on);
    let object = fill.as_object_mut().unwrap();
    object.remove("daysSupply");
    object.remove("quantity");
    fill
}

/// MS-3: metoprolol known from fills whose supply is not recorded, the last handed over on
/// 2026-08-10 (given at least until then, for how long after not known), and the patient's
/// statement that they do not take it from 2026-09-01, within the time a next fill would have
/// continued the course: the course ends at the report as reported not taken, as a course of
/// fills of known supply does. Control: a report months after the last fill, when a fill would
/// have begun a new course, says nothing of why the course ended.
#[test]
fn a_statement_not_taken_ends_a_course_of_fills_of_unknown_supply() {
    let resources = |report_on: &str| {
        patient_with(&[
            fill_of_unknown_supply("f1", METOPROLOL, 100.0, "2026-07-10"),
            fill_of_unknown_supply("f2", METOPROLOL, 100.0, "2026-08-10"),
            not_taken("s1", METOPROLOL, report_on, Some("feels tired")),
        ])
    };
    let mut env = Env::new();
    env.import_as("gp", &resources("2026-09-01"));
    let rows = course(&env, METOPROLOL.1);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        (rows[0][0].as_str(), rows[0][1].as_str()),
        ("2026-07-10", "2026-09-01"),
        "{rows:?}"
    );
    assert_ne!(rows[0][2], "-", "{rows:?}");
    assert_eq!(rows[0][3], "reported not taken: feels tired", "{rows:?}");

    let mut env = Env::new();
    env.import_as("gp", &resources("2027-03-01"));
    let rows = course(&env, METOPROLOL.1);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        (rows[0][1].as_str(), rows[0][3].as_str()),
        ("2026-08-10", "-"),
        "{rows:?}"
    );
}

/// MS-2, the same fault in a dose given: a MedicationAdministration dated by a month alone
/// ("2024-03") was given some day of it, not on the month's last day: kept at that day with
/// neither end known (`unknown`), never an exact day given.
#[test]
fn a_dose_given_in_a_month_alone_is_no_day_given() {
    const DRUG: &str = "levetiracetam 500 MG Oral Tablet";
    let mut dose = dose_given("d1", DRUG, 500.0, "2024-03-01");
    dose["effectiveDateTime"] = json!("2024-03");
    let mut env = Env::new();
    env.import_as("gp", &patient_with(&[dose]));
    assert_eq!(dated(&env, DRUG), [["2024-03-31", "2024-03-31", "unknown"]]);
}
