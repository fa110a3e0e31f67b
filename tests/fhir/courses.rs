//! Courses, cycles and doses as EHRs record them (FHIR R4): chemotherapy given dose by dose
//! (MedicationAdministration), a cyclic order with `timing.repeat.count`, a procedure per
//! cycle; doses written only as `dosage.text`, combination products, and long-acting
//! injectables given monthly.

use chrono::{Duration, NaiveDate};
use serde_json::{Value, json};

use super::{Env, ICD10, LOINC, SNOMED, bundle, coding, condition, patient, refract, with};

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// One dose of `drug` given on `on`.
fn given(id: &str, subject: &str, drug: &str, on: NaiveDate, mg: f64) -> Value {
    json!({
        "resourceType": "MedicationAdministration",
        "id": id,
        "status": "completed",
        "subject": {"reference": subject},
        "medicationCodeableConcept": {"text": drug},
        "effectiveDateTime": format!("{on}T09:00:00+00:00"),
        "dosage": {"dose": {"value": mg, "unit": "mg"}}
    })
}

/// `cycles` cycles of R-CHOP given dose by dose every 21 days from `first` (prednisone on days
/// 1-5, the rest on day 1), with a disease status of `status` after the last.
fn lbcl_patient(id: &str, cycles: i64, status: (&str, &str)) -> Value {
    lbcl_patient_valued(
        id,
        cycles,
        LOINC_STATUS,
        ("valueCodeableConcept", coding(SNOMED, status.0, status.1)),
    )
}

/// A Deauville five-point score named by its words (no LOINC code of it could be verified).
const DEAUVILLE: (&str, &str) = ("", "Deauville five-point score");

/// The disease status's code of mCODE STU2 onward.
const LOINC_STATUS: (&str, &str) = ("97509-4", "Cancer disease progression");

/// As [`lbcl_patient`], the disease status coded `status_code` with the value `(key, value)`
/// (a `valueCodeableConcept` coded only, a `valueString`); a code `""` names the test by its
/// words alone.
fn lbcl_patient_valued(
    id: &str,
    cycles: i64,
    status_code: (&str, &str),
    (key, value): (&str, Value),
) -> Value {
    let subject = format!("urn:uuid:{id}");
    let first = day("2024-01-08");
    let mut resources = vec![
        patient(id, &format!("MRN-{id}"), "Rowe", "Ada"),
        condition(
            &format!("{id}-dx"),
            &subject,
            ICD10,
            "C83.3",
            "Diffuse large B-cell lymphoma",
        ),
    ];
    for cycle in 0..cycles {
        let start = first + Duration::days(21 * cycle);
        for (drug, mg) in [
            ("rituximab", 700.0),
            ("cyclophosphamide", 1400.0),
            ("doxorubicin", 90.0),
            ("vincristine", 2.0),
        ] {
            resources.push(given(
                &format!("{id}-{drug}-{cycle}"),
                &subject,
                drug,
                start,
                mg,
            ));
        }
        for dose_day in 0..5 {
            resources.push(given(
                &format!("{id}-prednisone-{cycle}-{dose_day}"),
                &subject,
                "prednisone",
                start + Duration::days(dose_day),
                100.0,
            ));
        }
    }
    // Restaging when the next cycle would have started.
    let assessed = first + Duration::days(21 * cycles);
    let mut status = json!({
        "resourceType": "Observation",
        "id": format!("{id}-status"),
        "status": "final",
        "subject": {"reference": subject},
        "code": coding(LOINC, status_code.0, status_code.1),
        "effectiveDateTime": assessed.to_string(),
    });
    // A test with no code of its own is named by its words only.
    if status_code.0.is_empty() {
        status["code"] = json!({"text": status_code.1});
    }
    status[key] = value;
    resources.push(status);
    bundle("collection", &resources)
}

/// `show --json` of `mrn`.
fn show(env: &Env, mrn: &str) -> Value {
    let output = refract()
        .arg("--db")
        .arg(env.db())
        .args(["show", mrn, "--json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn lines_of(summary: &Value, ruleset: &str) -> Vec<Value> {
    summary["record"]["lines"]
        .as_array()
        .or_else(|| summary["lines"].as_array())
        .unwrap_or_else(|| panic!("no lines in {summary:#}"))
        .iter()
        .filter(|line| line["ruleset"] == ruleset)
        .cloned()
        .collect()
}

/// `flags --json` rows for `condition`.
fn flags(env: &Env, condition: &str) -> Vec<Value> {
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
    serde_json::from_slice(&output.stdout).unwrap()
}

fn import(env: &mut Env, name: &str, document: &Value) {
    let path = env.write_json(name, document);
    env.import_ok(&path);
}

#[test]
fn doses_given_one_at_a_time_make_cycles_and_cycles_make_one_line() {
    let mut env = Env::new();
    import(
        &mut env,
        "rchop.json",
        &lbcl_patient("ly-6", 6, ("359746009", "Patient's condition stable")),
    );
    let summary = show(&env, "MRN-ly-6");
    let lines = lines_of(&summary, "lbcl");
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert_eq!(lines[0]["cycles"], 6, "{:#}", lines[0]);
    // Each cycle of rituximab is its own record, from its first dose to its last; prednisone's
    // five daily doses are one cycle.
    let rituximab = env.int("SELECT count(*) FROM drug_exposures WHERE text = 'rituximab'");
    assert_eq!(rituximab, 6);
    let prednisone = env.rows(
        "SELECT start, end, cycles FROM drug_exposures WHERE text = 'prednisone' ORDER BY start",
    );
    assert_eq!(prednisone.len(), 6);
    assert_eq!(prednisone[0][0], "2024-01-08 09:00:00");
    assert_eq!(prednisone[0][1], "2024-01-12 09:00:00");
    assert_eq!(prednisone[0][2], "1");
    // SCHOLAR-1: stable disease after six cycles of first line is refractory.
    let rows = flags(&env, "lbcl");
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["status"], "refractory", "{:#}", rows[0]);
}

#[test]
fn stable_disease_after_four_cycles_is_not_scholar_refractory() {
    let mut env = Env::new();
    import(
        &mut env,
        "rchop4.json",
        &lbcl_patient("ly-4", 4, ("359746009", "Patient's condition stable")),
    );
    let lines = lines_of(&show(&env, "MRN-ly-4"), "lbcl");
    assert_eq!(lines[0]["cycles"], 4, "{lines:#?}");
    let rows = flags(&env, "lbcl");
    assert_ne!(rows[0]["status"], "refractory", "{:#}", rows[0]);
    let detail = rows[0].to_string();
    assert!(detail.contains("after 4 cycles"), "{detail}");
}

/// A patient's id, the status's code, its value (`(key, value)`) and the status expected.
type StatusCase<'a> = (&'a str, (&'a str, &'a str), (&'a str, Value), &'a str);

/// OC-6, OC-7: a disease status whose only evidence is its code (any published mCODE version's
/// trend codes, under 97509-4 or STU1's 88040-1) or its words reaches SCHOLAR-1 as the words
/// "stable disease", "progressive disease" do: after six cycles of first line, a full or
/// partial remission is no refractory disease, a worsened or a progression beside stable
/// sites is, and an undetermined status or a site's stable answer to progression looked for
/// decides nothing of the kind.
#[test]
fn a_response_coded_or_worded_alone_reaches_scholar_1() {
    let coded = |code: &str| {
        (
            "valueCodeableConcept",
            json!({"coding": [{"system": SNOMED, "code": code}]}),
        )
    };
    let worded = |words: &str| ("valueString", json!(words));
    let stu1 = ("88040-1", "Response to cancer treatment");
    let cases: Vec<StatusCase<'_>> = vec![
        // mCODE STU3's qualifiers of remission, with no display.
        ("oc-cr", LOINC_STATUS, coded("103338009"), "not_met"),
        ("oc-pr", LOINC_STATUS, coded("103337004"), "not_met"),
        ("oc-pd1", stu1, coded("271299001"), "refractory"),
        ("oc-sd1", stu1, coded("359746009"), "refractory"),
        (
            "oc-und",
            LOINC_STATUS,
            coded("709137006"),
            "insufficient_data",
        ),
        (
            "oc-new",
            LOINC_STATUS,
            worded("Evaluation for progression: new lesions, bones stable"),
            "refractory",
        ),
        (
            "oc-pdsd",
            LOINC_STATUS,
            worded("Progression in the liver; nodes stable"),
            "refractory",
        ),
        // Lugano 2014: a Deauville score of 1-3 is a complete metabolic response; 4 or 5 alone
        // is no category.
        ("oc-d2", DEAUVILLE, ("valueInteger", json!(2)), "not_met"),
        (
            "oc-d5",
            DEAUVILLE,
            ("valueInteger", json!(5)),
            "insufficient_data",
        ),
    ];
    for (id, code, value, expected) in cases {
        let mut env = Env::new();
        import(
            &mut env,
            "status.json",
            &lbcl_patient_valued(id, 6, code, value),
        );
        let rows = flags(&env, "lbcl");
        assert_eq!(rows.len(), 1, "{id}: {rows:#?}");
        assert_eq!(rows[0]["status"], expected, "{id}: {:#}", rows[0]);
    }
}

/// OC-7: stable bones as the answer to progression looked for are stable disease, never a
/// progression: after four first-line cycles no refractory disease (SCHOLAR-1 asks five).
#[test]
fn a_stable_answer_to_progression_looked_for_makes_no_progression() {
    let mut env = Env::new();
    import(
        &mut env,
        "status.json",
        &lbcl_patient_valued(
            "oc-bones",
            4,
            LOINC_STATUS,
            (
                "valueString",
                json!("Restaging for progression: bones stable"),
            ),
        ),
    );
    let rows = flags(&env, "lbcl");
    assert_ne!(rows[0]["status"], "refractory", "{:#}", rows[0]);
    assert!(
        rows[0].to_string().contains("after 4 cycles"),
        "{:#}",
        rows[0]
    );
}

/// Daily cytarabine for `days` days and daunorubicin on the first `anthracycline` days, from
/// `start`.
fn induction(
    id: &str,
    subject: &str,
    start: NaiveDate,
    days: i64,
    anthracycline: i64,
) -> Vec<Value> {
    let mut doses = Vec::new();
    for offset in 0..days {
        doses.push(given(
            &format!("{id}-ara-{offset}"),
            subject,
            "cytarabine",
            start + Duration::days(offset),
            200.0,
        ));
    }
    for offset in 0..anthracycline {
        doses.push(given(
            &format!("{id}-dnr-{offset}"),
            subject,
            "daunorubicin",
            start + Duration::days(offset),
            90.0,
        ));
    }
    doses
}

#[test]
fn two_induction_courses_given_dose_by_dose_stay_two_courses() {
    let mut env = Env::new();
    let subject = "urn:uuid:aml-2";
    let mut resources = vec![
        patient("aml-2", "MRN-aml-2", "Hale", "Ines"),
        condition(
            "aml-2-dx",
            subject,
            ICD10,
            "C92.0",
            "Acute myeloid leukemia",
        ),
    ];
    // 7+3, then 5+2 from day 29.
    resources.extend(induction("c1", subject, day("2024-03-04"), 7, 3));
    resources.extend(induction("c2", subject, day("2024-04-01"), 5, 2));
    import(&mut env, "aml.json", &bundle("collection", &resources));
    let lines = lines_of(&show(&env, "MRN-aml-2"), "aml");
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert_eq!(
        lines[0]["start"].as_str().map(|s| &s[..10]),
        Some("2024-03-04")
    );
    assert_eq!(
        lines[1]["start"].as_str().map(|s| &s[..10]),
        Some("2024-04-01")
    );
    assert_eq!(lines[0]["cycles"], 1);
}

/// Ward doses of an antiseizure drug (review R1-7): twice a day for five days, grouped by
/// their pauses as doses given one at a time are, made the line say "1 cycle", an oncology
/// word for a drug taken daily. A line says cycles only where the rule set's regimens are given
/// in cycles (`counts_cycles`); the doses keep their course.
#[test]
fn ward_doses_of_a_daily_drug_make_no_cycle_of_its_line() {
    let mut env = Env::new();
    let subject = "urn:uuid:ep-ward";
    let mut resources = vec![
        patient("ep-ward", "MRN-ep-ward", "Ward", "Ada"),
        condition("dx", subject, SNOMED, "84757009", "Epilepsy"),
    ];
    for dose in 0..10 {
        let on = day("2026-02-01") + Duration::days(dose / 2);
        resources.push(given(
            &format!("lev{dose}"),
            subject,
            "levetiracetam",
            on,
            500.0,
        ));
    }
    import(&mut env, "ward.json", &bundle("collection", &resources));
    let lines = lines_of(&show(&env, "MRN-ep-ward"), "epilepsy");
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert_eq!(lines[0]["cycles"], Value::Null, "{:#}", lines[0]);
}

/// An R-CHOP order every 21 days for `count` cycles, with `status`.
fn cyclic_order(id: &str, subject: &str, drug: &str, status: &str, count: u32) -> Value {
    json!({
        "resourceType": "MedicationRequest",
        "id": id,
        "status": status,
        "intent": "order",
        "subject": {"reference": subject},
        "medicationCodeableConcept": {"text": drug},
        "authoredOn": "2024-01-02",
        "dosageInstruction": [{
            "timing": {"repeat": {
                "boundsPeriod": {"start": "2024-01-08", "end": "2024-04-22"},
                "count": count, "frequency": 1, "period": 21, "periodUnit": "d"
            }},
            "doseAndRate": [{"doseQuantity": {"value": 700, "unit": "mg"}}]
        }]
    })
}

#[test]
fn a_completed_cyclic_order_counts_its_cycles_and_a_stopped_one_does_not() {
    let mut env = Env::new();
    let completed = "urn:uuid:ly-c";
    let stopped = "urn:uuid:ly-s";
    let resources = vec![
        patient("ly-c", "MRN-ly-c", "Park", "June"),
        condition("ly-c-dx", completed, ICD10, "C83.3", "DLBCL"),
        cyclic_order("ly-c-r", completed, "rituximab", "completed", 6),
        cyclic_order("ly-c-c", completed, "cyclophosphamide", "completed", 6),
        patient("ly-s", "MRN-ly-s", "Park", "Jim"),
        condition("ly-s-dx", stopped, ICD10, "C83.3", "DLBCL"),
        cyclic_order("ly-s-r", stopped, "rituximab", "stopped", 6),
    ];
    import(&mut env, "orders.json", &bundle("collection", &resources));
    assert_eq!(lines_of(&show(&env, "MRN-ly-c"), "lbcl")[0]["cycles"], 6);
    assert_eq!(
        lines_of(&show(&env, "MRN-ly-s"), "lbcl")[0]["cycles"],
        Value::Null
    );
}

#[test]
fn a_procedure_per_cycle_counts_the_cycles_of_a_line() {
    let mut env = Env::new();
    let subject = "urn:uuid:ly-p";
    let mut resources = vec![
        patient("ly-p", "MRN-ly-p", "Lund", "Eva"),
        condition("ly-p-dx", subject, ICD10, "C83.3", "DLBCL"),
        with(
            cyclic_order("ly-p-r", subject, "rituximab", "active", 6),
            &json!({"dosageInstruction": [{"timing": {"repeat": {
                "boundsPeriod": {"start": "2024-01-08"}, "frequency": 1, "period": 21,
                "periodUnit": "d"}}}]}),
        ),
    ];
    for cycle in 0..3 {
        let on = day("2024-01-08") + Duration::days(21 * cycle);
        resources.push(json!({
            "resourceType": "Procedure",
            "id": format!("ly-p-chemo-{cycle}"),
            "status": "completed",
            "subject": {"reference": subject},
            "code": coding(SNOMED, "367336001", "Chemotherapy"),
            "performedDateTime": on.to_string()
        }));
    }
    import(
        &mut env,
        "procedures.json",
        &bundle("collection", &resources),
    );
    assert_eq!(lines_of(&show(&env, "MRN-ly-p"), "lbcl")[0]["cycles"], 3);
}

/// A patient with one drug `record` (a MedicationRequest with `dosage_instruction`).
fn one_drug(id: &str, drug: &str, dosage_instruction: &Value) -> Value {
    let subject = format!("urn:uuid:{id}");
    bundle(
        "collection",
        &[
            patient(id, &format!("MRN-{id}"), "Dale", "Kim"),
            json!({
                "resourceType": "MedicationRequest",
                "id": format!("{id}-rx"),
                "status": "active",
                "intent": "order",
                "subject": {"reference": subject},
                "medicationCodeableConcept": {"text": drug},
                "authoredOn": "2024-02-01",
                "dosageInstruction": [dosage_instruction]
            }),
        ],
    )
}

fn dose_of(env: &Env, drug: &str) -> String {
    env.rows(&format!(
        "SELECT coalesce(dose_value || ' ' || dose_unit, '-') FROM drug_exposures WHERE text = '{drug}'"
    ))[0][0]
        .clone()
}

#[test]
fn a_dose_written_only_as_text_is_read() {
    let mut env = Env::new();
    let cases = [
        (
            "d1",
            "Levetiracetam",
            json!({"text": "500 mg twice daily"}),
            "1000.0 mg/d",
        ),
        (
            "d2",
            "Levetiracetam 500 MG Oral Tablet",
            json!({"text": "1 tablet bid"}),
            "1000.0 mg/d",
        ),
        (
            "d3",
            "Lamotrigine 100 MG Oral Tablet",
            json!({"text": "Take 2 tablets (200 mg total) by mouth 2 (two) times daily."}),
            "400.0 mg/d",
        ),
        (
            "d4",
            "Valproate",
            json!({"text": "500 mg", "timing": {"repeat": {"frequency": 3, "period": 1, "periodUnit": "d"}}}),
            "1500.0 mg/d",
        ),
        (
            "d5",
            "Clobazam",
            json!({"text": "10 mg as needed"}),
            "10.0 mg",
        ),
    ];
    for (id, drug, dosage, _) in &cases {
        import(&mut env, &format!("{id}.json"), &one_drug(id, drug, dosage));
    }
    for (_, drug, _, want) in &cases {
        assert_eq!(dose_of(&env, drug), *want, "{drug}");
    }
}

#[test]
fn a_combination_products_dose_stays_in_tablets_and_each_ingredient_gets_its_strength() {
    let mut env = Env::new();
    let drug = "amlodipine 10 MG / valsartan 320 MG / hydrochlorothiazide 25 MG Oral Tablet";
    import(
        &mut env,
        "combo.json",
        &one_drug(
            "c1",
            drug,
            &json!({"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                    "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "{tbl}"}}]}),
        ),
    );
    assert_eq!(dose_of(&env, drug), "1.0 tablet/d");
    let dashed = "amlodipine/valsartan/hydrochlorothiazide 10-320-25 mg tablet";
    import(
        &mut env,
        "dashed.json",
        &one_drug("c2", dashed, &json!({"text": "1 tablet once daily"})),
    );
    assert_eq!(dose_of(&env, dashed), "1.0 tablet/d");
}

#[test]
fn a_monthly_depot_keeps_its_interval() {
    let mut env = Env::new();
    import(
        &mut env,
        "structured.json",
        &one_drug(
            "p1",
            "paliperidone palmitate",
            &json!({"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "mo"}},
                    "route": {"text": "intramuscular"},
                    "doseAndRate": [{"doseQuantity": {"value": 234, "unit": "mg"}}]}),
        ),
    );
    assert_eq!(dose_of(&env, "paliperidone palmitate"), "234.0 mg/mo");
    import(
        &mut env,
        "text.json",
        &one_drug(
            "p2",
            "Haloperidol decanoate",
            &json!({"text": "100 mg IM every 4 weeks"}),
        ),
    );
    assert_eq!(dose_of(&env, "Haloperidol decanoate"), "100.0 mg/4wk");
}

/// A disease status (mCODE, LOINC 97509-4) of `code` on `on`.
fn disease_status(id: &str, subject: &str, on: &str, (code, display): (&str, &str)) -> Value {
    json!({
        "resourceType": "Observation",
        "id": id,
        "status": "final",
        "subject": {"reference": subject},
        "code": coding(LOINC, "97509-4", "Cancer disease status"),
        "effectiveDateTime": on,
        "valueCodeableConcept": coding(SNOMED, code, display)
    })
}

const STABLE: (&str, &str) = ("359746009", "Patient's condition stable");

/// `drug` given on each of `days` (days from 2025-02-01), `mg` each.
fn doses(id: &str, subject: &str, drug: &str, days: &[i64], mg: f64) -> Vec<Value> {
    days.iter()
        .map(|offset| {
            given(
                &format!("{id}-{offset}"),
                subject,
                drug,
                day("2025-02-01") + Duration::days(*offset),
                mg,
            )
        })
        .collect()
}

/// DLBCL: R-CHOP x 6 (a completed order) with a complete response, relapse, then `second_line`
/// from 2025-02-01 with stable disease on `stable_on`, then a third line (loncastuximab) from
/// 2025-07-01: the second line is over when assessed.
fn relapsed_then(id: &str, second_line: Vec<Value>, stable_on: &str) -> Value {
    let subject = format!("urn:uuid:{id}");
    let mut resources = vec![
        patient(id, &format!("MRN-{id}"), "Rowe", "Ada"),
        condition(
            &format!("{id}-dx"),
            &subject,
            ICD10,
            "C83.3",
            "Diffuse large B-cell lymphoma",
        ),
        cyclic_order(&format!("{id}-l1"), &subject, "R-CHOP", "completed", 6),
        disease_status(
            &format!("{id}-cr"),
            &subject,
            "2024-05-20",
            ("550991000124107", "Full remission"),
        ),
        disease_status(
            &format!("{id}-pd"),
            &subject,
            "2025-01-10",
            ("271299001", "Patient's condition worsened"),
        ),
        disease_status(&format!("{id}-sd"), &subject, stable_on, STABLE),
    ];
    resources.extend(second_line);
    resources.extend(doses(
        &format!("{id}-l3"),
        &subject,
        "loncastuximab tesirine",
        &[150, 171],
        10.0,
    ));
    bundle("collection", &resources)
}

/// The second line's cycles and the lbcl flag's status and words.
fn second_line_read(env: &mut Env, id: &str, document: &Value) -> (Value, String, String) {
    import(env, &format!("{id}.json"), document);
    let lines = lines_of(&show(env, &format!("MRN-{id}")), "lbcl");
    assert_eq!(lines.len(), 3, "{lines:#?}");
    let rows = flags(env, "lbcl");
    let row = rows
        .iter()
        .find(|row| row.to_string().contains(&format!("MRN-{id}")))
        .or(rows.last())
        .unwrap();
    (
        lines[1]["cycles"].clone(),
        row["status"].as_str().unwrap_or_default().to_owned(),
        row.to_string(),
    )
}

/// A drug given within cycles of a length its label fixes (`cycle_days` in the drug book) is
/// counted by the cycles its doses fall in: epcoritamab weekly on days 1, 8, 15 and 22 of
/// 28-day cycles made one "cycle" of any number of weekly doses (doses at most 7 days apart
/// were one cycle): stable disease after 3 cycles read as after 1, a missed refractory.
#[test]
fn weekly_doses_within_cycles_count_the_cycles_they_fall_in() {
    let weekly: Vec<i64> = (0..12).map(|week| week * 7).collect();
    // (drug, days given, cycles, status): SCHOLAR-1 counts stable disease after 2 cycles of a
    // later line.
    let cases: [(&str, &[i64], i64, &str); 5] = [
        ("epcoritamab", &weekly, 3, "refractory"),
        ("epcoritamab", &weekly[..8], 2, "refractory"),
        // Cycles 1-3 weekly, then days 1 and 15 of cycle 4.
        (
            "Epkinly 48 mg",
            &[0, 7, 14, 21, 28, 35, 42, 49, 56, 63, 70, 77, 84, 98],
            4,
            "refractory",
        ),
        // Tafasitamab: days 1, 4, 8, 15, 22 of cycle 1, then cycle 2 weekly.
        (
            "tafasitamab",
            &[0, 3, 7, 14, 21, 28, 35, 42, 49],
            2,
            "refractory",
        ),
        // Mosunetuzumab: days 1, 8, 15 of cycle 1, day 1 of cycle 2 (21-day cycles).
        ("mosunetuzumab", &[0, 7, 14, 21], 2, "refractory"),
    ];
    for (index, (drug, days, cycles, status)) in cases.into_iter().enumerate() {
        let mut env = Env::new();
        let id = format!("wk-{index}");
        let subject = format!("urn:uuid:{id}");
        let last = day("2025-02-01") + Duration::days(days[days.len() - 1]);
        let assessed = (last + Duration::days(6)).to_string();
        let document = relapsed_then(
            &id,
            doses(&format!("{id}-l2"), &subject, drug, days, 48.0),
            &assessed,
        );
        let (read, got, row) = second_line_read(&mut env, &id, &document);
        assert_eq!(read, cycles, "{drug} on days {days:?}: {row}");
        assert_eq!(got, status, "{drug} on days {days:?}: {row}");
    }
}

/// Glofitamab's first dose is cycle 1 day 8 (COLUMVI prescribing information: obinutuzumab on
/// cycle 1 day 1, glofitamab 2.5 mg on day 8 and 10 mg on day 15, 30 mg on day 1 of cycle 2 and
/// after): its cycles cut from its own first dose put cycle 2 day 1 (14 days later) in cycle 1,
/// and stable disease after 2 cycles read as after 1, a missed refractory. The same with the
/// obinutuzumab pretreatment recorded or not.
#[test]
fn glofitamab_begun_on_cycle_1_day_8_counts_its_cycles_from_cycle_1_day_1() {
    let cases: [(bool, &[i64], i64, &str); 4] = [
        (true, &[7, 14, 21], 2, "refractory"),
        (false, &[7, 14, 21], 2, "refractory"),
        (true, &[7, 14, 21, 42], 3, "refractory"),
        (false, &[7, 14, 21, 42, 63], 4, "refractory"),
    ];
    for (index, (pretreated, days, cycles, status)) in cases.into_iter().enumerate() {
        let mut env = Env::new();
        let id = format!("glofi-{index}");
        let subject = format!("urn:uuid:{id}");
        let mut second_line = doses(&format!("{id}-l2"), &subject, "glofitamab", days, 30.0);
        if pretreated {
            second_line.extend(doses(
                &format!("{id}-ob"),
                &subject,
                "obinutuzumab",
                &[0],
                1000.0,
            ));
        }
        let last = day("2025-02-01") + Duration::days(days[days.len() - 1]);
        let assessed = (last + Duration::days(10)).to_string();
        let document = relapsed_then(&id, second_line, &assessed);
        let (read, got, row) = second_line_read(&mut env, &id, &document);
        assert_eq!(read, cycles, "glofitamab on days {days:?}: {row}");
        assert_eq!(got, status, "glofitamab on days {days:?}: {row}");
    }
}

/// A completed order of a drug given within cycles: its `timing.repeat.count` is doses, read as
/// the cycles they fall in. Epcoritamab weekly, count 2 (the step-up doses, half of cycle 1),
/// read as 2 cycles made stable disease after half a cycle refractory; glofitamab every 21 days,
/// count 2, is 2 cycles as before.
#[test]
fn a_completed_orders_count_of_weekly_doses_is_not_its_cycles() {
    let order = |id: &str, drug: &str, count: u32, period: f64, end: &str| {
        json!({
            "resourceType": "MedicationRequest",
            "id": format!("{id}-l2"),
            "status": "completed",
            "intent": "order",
            "subject": {"reference": format!("urn:uuid:{id}")},
            "medicationCodeableConcept": {"text": drug},
            "authoredOn": "2025-01-30",
            "dosageInstruction": [{
                "timing": {"repeat": {
                    "boundsPeriod": {"start": "2025-02-01", "end": end},
                    "count": count, "frequency": 1, "period": period, "periodUnit": "d"
                }},
                "doseAndRate": [{"doseQuantity": {"value": 0.8, "unit": "mg"}}]
            }]
        })
    };
    let mut env = Env::new();
    let weekly = relapsed_then(
        "ord-e",
        vec![order("ord-e", "epcoritamab", 2, 7.0, "2025-02-08")],
        "2025-02-20",
    );
    let (cycles, status, row) = second_line_read(&mut env, "ord-e", &weekly);
    assert_eq!(cycles, 1, "{row}");
    assert_ne!(status, "refractory", "{row}");
    assert!(row.contains("SD after 1 cycle"), "{row}");

    let mut env = Env::new();
    let weekly = relapsed_then(
        "ord-e12",
        vec![order("ord-e12", "epcoritamab", 12, 7.0, "2025-04-19")],
        "2025-04-25",
    );
    let (cycles, status, row) = second_line_read(&mut env, "ord-e12", &weekly);
    assert_eq!(cycles, 3, "{row}");
    assert_eq!(status, "refractory", "{row}");

    let mut env = Env::new();
    let three_weekly = relapsed_then(
        "ord-g",
        vec![order("ord-g", "glofitamab", 2, 21.0, "2025-02-22")],
        "2025-03-10",
    );
    let (cycles, status, row) = second_line_read(&mut env, "ord-g", &three_weekly);
    assert_eq!(cycles, 2, "{row}");
    assert_eq!(status, "refractory", "{row}");
}

/// Glofitamab every 21 days given dose by dose (step-up doses a week apart in cycle 1) keeps
/// its count: one cycle per 21 days.
#[test]
fn glofitamab_every_21_days_keeps_its_cycles() {
    let mut env = Env::new();
    let subject = "urn:uuid:gl-21";
    let document = relapsed_then(
        "gl-21",
        doses(
            "gl-21-l2",
            subject,
            "glofitamab",
            &[0, 7, 21, 42, 63, 84],
            30.0,
        ),
        "2025-05-10",
    );
    let (cycles, status, row) = second_line_read(&mut env, "gl-21", &document);
    assert_eq!(cycles, 5, "{row}");
    assert_eq!(status, "refractory", "{row}");
}

/// A completed order written as dated steps (step-up doses, then the full dose weekly): its
/// cycles are counted over the whole order, each where it begins, as the same order with one
/// dosage is: not a cycle per step.
#[test]
fn a_stepped_orders_cycles_are_the_whole_orders_not_one_per_step() {
    let step = |sequence: u32, mg: f64, count: u32, start: &str, end: &str| {
        json!({
            "sequence": sequence,
            "timing": {"repeat": {
                "boundsPeriod": {"start": start, "end": end},
                "count": count, "frequency": 1, "period": 7, "periodUnit": "d"
            }},
            "doseAndRate": [{"doseQuantity": {"value": mg, "unit": "mg"}}]
        })
    };
    let order = |id: &str, full_doses: u32, last: &str| {
        json!({
            "resourceType": "MedicationRequest",
            "id": format!("{id}-l2"),
            "status": "completed",
            "intent": "order",
            "subject": {"reference": format!("urn:uuid:{id}")},
            "medicationCodeableConcept": {"text": "epcoritamab"},
            "authoredOn": "2025-01-30",
            "dosageInstruction": [
                step(1, 0.16, 1, "2025-02-01", "2025-02-07"),
                step(2, 0.8, 1, "2025-02-08", "2025-02-14"),
                step(3, 48.0, full_doses, "2025-02-15", last),
            ]
        })
    };
    // Four weekly doses: all in the first 28-day cycle.
    let mut env = Env::new();
    let four = relapsed_then("st-4", vec![order("st-4", 2, "2025-02-28")], "2025-03-10");
    let (cycles, status, row) = second_line_read(&mut env, "st-4", &four);
    assert_eq!(cycles, 1, "{row}");
    assert_ne!(status, "refractory", "{row}");

    // Twelve weekly doses: three cycles begun, stable disease after them is refractory.
    let mut env = Env::new();
    let twelve = relapsed_then(
        "st-12",
        vec![order("st-12", 10, "2025-04-25")],
        "2025-05-01",
    );
    let (cycles, status, row) = second_line_read(&mut env, "st-12", &twelve);
    assert_eq!(cycles, 3, "{row}");
    assert_eq!(status, "refractory", "{row}");
}

/// A ward's daily doses recorded one at a time, by no route or by one not swallowed
/// (orodispersible, by tube), are one course of the drug; only a benzodiazepine's injected
/// dose is an emergency of its own.
#[test]
fn a_wards_daily_doses_by_any_route_are_one_course() {
    let mut env = Env::new();
    let subject = "urn:uuid:ward";
    let mut resources = vec![patient("ward", "MRN-ward", "Rowe", "Ada")];
    for (drug, route) in [
        ("olanzapine 10 MG Disintegrating Oral Tablet", None),
        ("quetiapine 100 MG", Some("via PEG tube")),
        ("haloperidol 5 MG", None),
    ] {
        for offset in 0..14 {
            let mut dose = given(
                &format!("{}-{offset}", &drug[..5]),
                subject,
                drug,
                day("2025-02-01") + Duration::days(offset),
                10.0,
            );
            if let Some(route) = route {
                dose["dosage"]["route"] = json!({"text": route});
            }
            resources.push(dose);
        }
    }
    for (id, when) in [("lzp-1", "2025-03-01"), ("lzp-2", "2025-03-04")] {
        let mut dose = given(
            id,
            subject,
            "lorazepam 2 MG/ML Injectable Solution",
            day(when),
            4.0,
        );
        dose["dosage"]["route"] = json!({"text": "intravenous"});
        resources.push(dose);
    }
    import(&mut env, "ward.json", &bundle("collection", &resources));
    let courses =
        env.rows("SELECT substr(text, 1, 5), count(*) FROM drug_exposures GROUP BY 1 ORDER BY 1");
    assert_eq!(
        courses,
        [
            ["halop", "1"],
            ["loraz", "2"],
            ["olanz", "1"],
            ["queti", "1"]
        ]
    );
}

/// OC-6, OC-8: an AML's two induction courses (7+3, then 5+2) with a disease status after
/// each whose only evidence is its ELN category, in words or a code: CRi is a remission (ELN
/// 2017), MLFS none (two courses without remission: primary refractory), a worsened trend code
/// a progression; a myeloid sarcoma (C92.30, written so) is assessed as the AML it presents.
#[test]
fn an_eln_response_written_or_coded_alone_reaches_the_aml_criteria() {
    let coded = |code: &str| {
        (
            "valueCodeableConcept",
            json!({"coding": [{"system": SNOMED, "code": code}]}),
        )
    };
    let worded = |words: &str| ("valueString", json!(words));
    let cases: Vec<(&str, &str, (&str, Value), &str)> = vec![
        ("aml-cri", "C92.00", worded("CRi"), "not_met"),
        ("aml-mlfs", "C92.00", worded("MLFS"), "refractory"),
        ("aml-pd", "C92.00", coded("271299001"), "refractory"),
        ("aml-ms", "C92.30", worded("MLFS"), "refractory"),
    ];
    for (id, icd, (key, value), expected) in cases {
        let mut env = Env::new();
        let subject = format!("urn:uuid:{id}");
        let mut resources = vec![
            patient(id, &format!("MRN-{id}"), "Hale", "Ines"),
            condition(
                &format!("{id}-dx"),
                &subject,
                ICD10,
                icd,
                // Myeloid sarcoma by its name alone, so that its code decides.
                if icd.starts_with("C92.3") {
                    "Myeloid sarcoma"
                } else {
                    "Acute myeloid leukemia"
                },
            ),
        ];
        resources.extend(induction(
            &format!("{id}-c1"),
            &subject,
            day("2026-06-01"),
            7,
            3,
        ));
        resources.extend(induction(
            &format!("{id}-c2"),
            &subject,
            day("2026-07-06"),
            5,
            2,
        ));
        // The same status after each course.
        for (n, on) in [(1, "2026-07-01"), (2, "2026-08-05")] {
            let mut status = json!({
                "resourceType": "Observation",
                "id": format!("{id}-status-{n}"),
                "status": "final",
                "subject": {"reference": subject},
                "code": coding(LOINC, "97509-4", "Cancer disease progression"),
                "effectiveDateTime": on,
            });
            status[key] = value.clone();
            resources.push(status);
        }
        import(&mut env, "aml.json", &bundle("collection", &resources));
        let rows = flags(&env, "aml");
        assert_eq!(rows.len(), 1, "{id}: {rows:#?}");
        assert_eq!(rows[0]["status"], expected, "{id}: {:#}", rows[0]);
    }
}
