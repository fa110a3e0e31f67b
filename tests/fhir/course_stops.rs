//! What ends an open course of a drug recorded by another record (review 39): only a record
//! saying the drug stopped (R4 status words, a stop reason that is no dose change), never an
//! order's own natural end, a dose change, a later-written order of the new dose, a course by
//! another route (on the skin, in the eye) or one taken only when needed.

use serde_json::{Value, json};

use super::{Env, RXNORM, SNOMED, bundle, coding, condition, patient, with};

const SUBJECT: &str = "urn:uuid:stop-pt";

fn patient_with(resources: &[Value]) -> Value {
    let mut all = vec![patient("stop-pt", "STOP-1", "Varga", "Ilona")];
    all.extend_from_slice(resources);
    bundle("collection", &all)
}

/// Imports `resources` (with the test patient) as the records of `source`.
fn import_from(env: &mut Env, source: &str, resources: &[Value]) {
    env.import_as(source, &patient_with(resources));
}

fn order(id: &str, status: &str, (code, text): (&str, &str), extra: &Value) -> Value {
    with(
        json!({
            "resourceType": "MedicationRequest",
            "id": id,
            "status": status,
            "intent": "order",
            "subject": {"reference": SUBJECT},
            "medicationCodeableConcept": coding(RXNORM, code, text),
        }),
        extra,
    )
}

fn daily(mg: f64) -> Value {
    json!({
        "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
        "doseAndRate": [{"doseQuantity": {"value": mg, "unit": "mg"}}]
    })
}

/// The GP's statement of a drug still taken (SNOMED CT code and dm+d words).
fn gp_statement(id: &str, (code, text): (&str, &str), start: &str, dosage: &Value) -> Value {
    json!({
        "resourceType": "MedicationStatement",
        "id": id,
        "status": "active",
        "subject": {"reference": SUBJECT},
        "medicationCodeableConcept": coding(SNOMED, code, text),
        "effectivePeriod": {"start": start},
        "dateAsserted": start,
        "dosage": [dosage]
    })
}

const GP_AMLODIPINE: (&str, &str) = ("319283006", "Amlodipine 10mg tablets");
const RX_AMLODIPINE: (&str, &str) = ("308135", "amlodipine 10 MG Oral Tablet");

#[test]
fn a_completed_inpatient_order_is_no_stop_of_the_community_course_of_its_drug() {
    // The GP's amlodipine, given since January; a 5-day course in hospital in March, its order
    // completed: its planned period ended, the drug did not stop.
    let inpatient = json!({"coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/medicationrequest-category",
        "code": "inpatient"
    }]});
    let mut bounded = daily(10.0);
    bounded["timing"]["repeat"]["boundsPeriod"] =
        json!({"start": "2026-03-02", "end": "2026-03-07"});
    for (what, hospital) in [
        (
            "its dosage's boundsPeriod",
            order(
                "h1",
                "completed",
                RX_AMLODIPINE,
                &json!({"authoredOn": "2026-03-02", "category": [inpatient],
                        "dosageInstruction": [bounded]}),
            ),
        ),
        (
            "its dispenseRequest.validityPeriod",
            order(
                "h1",
                "completed",
                RX_AMLODIPINE,
                &json!({"authoredOn": "2026-03-02", "category": [inpatient],
                        "dosageInstruction": [daily(10.0)],
                        "dispenseRequest": {"validityPeriod":
                            {"start": "2026-03-02", "end": "2026-03-07"}}}),
            ),
        ),
    ] {
        // The GP's course as a statement (another code than the hospital's) and as an order
        // of the same RxNorm code.
        let gp_order = order(
            "g1",
            "active",
            RX_AMLODIPINE,
            &json!({"authoredOn": "2026-01-10", "dosageInstruction": [daily(10.0)]}),
        );
        for (gp, text) in [
            (
                gp_statement("g1", GP_AMLODIPINE, "2026-01-10", &daily(10.0)),
                GP_AMLODIPINE.1,
            ),
            (gp_order, RX_AMLODIPINE.1),
        ] {
            let mut env = Env::new();
            import_from(&mut env, "gp", std::slice::from_ref(&gp));
            import_from(&mut env, "hosp", std::slice::from_ref(&hospital));
            let rows = env.course_of(text);
            assert!(
                rows.contains(&vec![
                    String::from("2026-01-10"),
                    String::from("-"),
                    String::from("stated")
                ]),
                "{what}, {text}: {rows:?}"
            );
        }
    }
}

#[test]
fn an_order_stopped_for_a_dose_change_ends_at_the_new_dose_never_cutting_it() {
    // The GP stopped amlodipine 5 mg a minute after (or as) the order of 10 mg began: a dose
    // change. The 10 mg order is the course going on.
    for (reason, stopped_at) in [
        ("Dose adjustment", "2026-02-01T10:01:00Z"),
        ("Dose increased", "2026-02-01T10:01:00Z"),
        ("dose changed", "2026-02-01T10:00:00Z"),
        // Another reason, written with the order replacing it: the new order goes on.
        ("Blood pressure not controlled", "2026-02-01T10:01:00Z"),
    ] {
        let mut old = daily(5.0);
        old["timing"]["repeat"]["boundsPeriod"] = json!({"start": "2025-06-01", "end": stopped_at});
        let mut env = Env::new();
        import_from(
            &mut env,
            "gp",
            &[
                order(
                    "g1",
                    "stopped",
                    ("308136", "amlodipine 5 MG Oral Tablet"),
                    &json!({"authoredOn": "2025-06-01", "dosageInstruction": [old],
                            "statusReason": [{"text": reason}]}),
                ),
                order(
                    "g2",
                    "active",
                    RX_AMLODIPINE,
                    &json!({"authoredOn": "2026-02-01T10:00:00Z",
                            "dosageInstruction": [daily(10.0)]}),
                ),
            ],
        );
        assert_eq!(
            env.course_of(RX_AMLODIPINE.1),
            [["2026-02-01", "-", "stated"]],
            "{reason}"
        );
    }
}

#[test]
fn a_statement_stopped_with_no_end_stops_an_open_order_by_the_day_it_was_asserted() {
    // The hospital's order of January stays active; the GP's statement asserted in May says the
    // drug is stopped, with no end (its start alone, or no period at all).
    let mut with_start = json!({
        "resourceType": "MedicationStatement",
        "id": "g1",
        "status": "stopped",
        "subject": {"reference": SUBJECT},
        "medicationCodeableConcept": coding(SNOMED, GP_AMLODIPINE.0, GP_AMLODIPINE.1),
        "effectivePeriod": {"start": "2025-06-01"},
        "dateAsserted": "2026-05-20"
    });
    let mut asserted_only = with_start.clone();
    asserted_only
        .as_object_mut()
        .unwrap()
        .remove("effectivePeriod");
    let mut completed = with_start.clone();
    completed["status"] = json!("completed");
    let mut for_a_reason = with_start.clone();
    for_a_reason["statusReason"] = json!([{"text": "Ankle oedema"}]);
    with_start["id"] = json!("g1");
    for (what, gp) in [
        ("stopped, its start alone", with_start),
        ("stopped, no period", asserted_only),
        ("completed, its start alone", completed),
        ("stopped for a reason, its start alone", for_a_reason),
    ] {
        let mut env = Env::new();
        import_from(
            &mut env,
            "hosp",
            &[order(
                "h1",
                "active",
                RX_AMLODIPINE,
                &json!({"authoredOn": "2026-01-10", "dosageInstruction": [daily(10.0)]}),
            )],
        );
        import_from(&mut env, "gp", &[gp]);
        let rows = env.course_of(RX_AMLODIPINE.1);
        assert_eq!(rows.len(), 1, "{what}: {rows:?}");
        assert_ne!(rows[0][1], "-", "{what}: still ongoing {rows:?}");
        assert_eq!(rows[0][2], "end_unknown", "{what}: {rows:?}");
    }
}

#[test]
fn a_course_taken_when_needed_or_put_on_the_skin_never_stops_the_regular_course_by_mouth() {
    let furosemide = ("310429", "furosemide 20 MG Oral Tablet");
    let diltiazem_oral = ("830845", "diltiazem hydrochloride 120 MG Oral Capsule");
    let mut prn = daily(20.0);
    prn["asNeededBoolean"] = json!(true);
    prn.as_object_mut().unwrap().remove("timing");
    let topical = json!({
        "route": coding(SNOMED, "6064005", "Topical route"),
        "text": "apply twice daily"
    });
    for (what, regular, other) in [
        (
            "furosemide taken when needed, stopped",
            order(
                "g1",
                "active",
                furosemide,
                &json!({"authoredOn": "2026-01-10", "dosageInstruction": [daily(40.0)]}),
            ),
            order(
                "h1",
                "stopped",
                furosemide,
                &json!({"authoredOn": "2026-03-02", "dosageInstruction": [prn],
                        "statusReason": [{"text": "No longer needed"}]}),
            ),
        ),
        (
            "diltiazem cream on the skin, stopped",
            order(
                "g1",
                "active",
                diltiazem_oral,
                &json!({"authoredOn": "2026-01-10", "dosageInstruction": [daily(120.0)]}),
            ),
            order(
                "h1",
                "stopped",
                ("999999", "Diltiazem 2% cream"),
                &json!({"authoredOn": "2026-03-02", "dosageInstruction": [topical],
                        "medicationCodeableConcept": {"text": "Diltiazem 2% cream"},
                        "statusReason": [{"text": "Fissure healed"}]}),
            ),
        ),
    ] {
        let mut env = Env::new();
        import_from(&mut env, "gp", std::slice::from_ref(&regular));
        import_from(&mut env, "hosp", std::slice::from_ref(&other));
        let text = regular["medicationCodeableConcept"]["text"]
            .as_str()
            .unwrap();
        let rows = env.course_of(text);
        assert_eq!(
            rows.iter().find(|row| row[0] == "2026-01-10"),
            Some(&vec![
                String::from("2026-01-10"),
                String::from("-"),
                String::from("stated")
            ]),
            "{what}: {rows:?}"
        );
    }
}

#[test]
fn a_cream_of_a_blood_pressure_drug_is_no_class_given_now() {
    // Ramipril and indapamide by mouth, and diltiazem cream for a fissure: two classes given
    // together now, not three.
    let statement = |id: &str, (code, text): (&str, &str), dosage: Value| {
        json!({
            "resourceType": "MedicationStatement",
            "id": id,
            "status": "active",
            "subject": {"reference": SUBJECT},
            "medicationCodeableConcept": coding(RXNORM, code, text),
            "effectivePeriod": {"start": "2025-11-01"},
            "dateAsserted": "2025-11-01",
            "dosage": [dosage]
        })
    };
    let bp = |id: &str, day: &str| {
        json!({
            "resourceType": "Observation",
            "id": id,
            "status": "final",
            "subject": {"reference": SUBJECT},
            "code": coding("http://loinc.org", "85354-9", "Blood pressure panel"),
            "effectiveDateTime": day,
            "component": [
                {"code": coding("http://loinc.org", "8480-6", "Systolic blood pressure"),
                 "valueQuantity": {"value": 152, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}},
                {"code": coding("http://loinc.org", "8462-4", "Diastolic blood pressure"),
                 "valueQuantity": {"value": 94, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}}
            ]
        })
    };
    let mut env = Env::new();
    import_from(
        &mut env,
        "gp",
        &[
            condition(
                "c1",
                SUBJECT,
                super::ICD10,
                "I10",
                "Essential (primary) hypertension",
            ),
            statement("m1", ("845488", "ramipril 10 MG Oral Capsule"), daily(10.0)),
            statement(
                "m2",
                ("197817", "indapamide 2.5 MG Oral Tablet"),
                daily(2.5),
            ),
            statement(
                "m3",
                ("999999", "Diltiazem 2% cream"),
                json!({"route": {"text": "Topical"}, "text": "apply twice daily"}),
            ),
            bp("bp1", "2026-10-07T09:10:00Z"),
            bp("bp2", "2026-10-28T09:10:00Z"),
        ],
    );
    let rows = env.rows("SELECT status, detail FROM assessments WHERE ruleset = 'hypertension'");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(
        rows[0][1].contains("2 classes given together now"),
        "{}",
        rows[0][1]
    );
}

/// review39 F7, through import and review: the GP's three classes, the team confirms the
/// resistant hypertension; the hospital's orders of the same drugs and doses, begun three days
/// earlier with their planned end in 2027, are the same courses: the review stays confirmed. A
/// fourth class the hospital starts is a new fact: the review is asked again.
#[test]
fn a_confirmed_review_stays_when_another_source_sends_an_earlier_copy_of_the_same_courses() {
    let drugs = [
        (("845488", "ramipril 10 MG Oral Capsule"), 10.0),
        (("197817", "indapamide 2.5 MG Oral Tablet"), 2.5),
        (RX_AMLODIPINE, 10.0),
    ];
    let bp = |id: &str, day: &str| {
        json!({
            "resourceType": "Observation", "id": id, "status": "final",
            "subject": {"reference": SUBJECT},
            "code": coding("http://loinc.org", "85354-9", "Blood pressure panel"),
            "effectiveDateTime": day,
            "component": [
                {"code": coding("http://loinc.org", "8480-6", "Systolic blood pressure"),
                 "valueQuantity": {"value": 152, "unit": "mmHg",
                                   "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}},
                {"code": coding("http://loinc.org", "8462-4", "Diastolic blood pressure"),
                 "valueQuantity": {"value": 94, "unit": "mmHg",
                                   "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}}
            ]
        })
    };
    let mut gp = vec![
        condition(
            "c1",
            SUBJECT,
            super::ICD10,
            "I10",
            "Essential (primary) hypertension",
        ),
        bp("bp1", "2026-10-07T09:10:00Z"),
        bp("bp2", "2026-10-28T09:10:00Z"),
    ];
    for (n, (drug, mg)) in drugs.iter().enumerate() {
        gp.push(with(
            gp_statement(&format!("g{n}"), *drug, "2025-11-05", &daily(*mg)),
            &json!({"medicationCodeableConcept": coding(RXNORM, drug.0, drug.1)}),
        ));
    }
    let hospital_order = |id: &str, drug: (&str, &str), mg: f64| {
        let mut dosage = daily(mg);
        dosage["timing"]["repeat"]["boundsPeriod"] =
            json!({"start": "2025-11-02", "end": "2027-05-01"});
        order(
            id,
            "active",
            drug,
            &json!({"authoredOn": "2025-11-02", "dosageInstruction": [dosage]}),
        )
    };
    let mut env = Env::new();
    import_from(&mut env, "gp", &gp);
    let review_of = |env: &Env| {
        let output = super::refract()
            .arg("--db")
            .arg(env.db())
            .args(["flags", "--json", "--condition", "hypertension"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        let rows: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(rows.len(), 1, "{rows:#?}");
        (
            rows[0]["status"].as_str().unwrap().to_owned(),
            rows[0]["review"].as_str().unwrap().to_owned(),
        )
    };
    assert_eq!(review_of(&env).0, "resistant");
    let reviewed = super::refract()
        .arg("--db")
        .arg(env.db())
        .args([
            "review",
            "STOP-1",
            "--condition",
            "hypertension",
            "--confirm",
            "--rationale",
            "Adherent, home readings agree",
        ])
        .output()
        .unwrap();
    assert!(reviewed.status.success(), "{reviewed:?}");
    assert_eq!(review_of(&env), ("resistant".into(), "confirmed".into()));

    let mut hospital: Vec<Value> = drugs
        .iter()
        .enumerate()
        .map(|(n, (drug, mg))| hospital_order(&format!("h{n}"), *drug, *mg))
        .collect();
    import_from(&mut env, "hosp", &hospital);
    assert_eq!(
        env.int("SELECT count(*) FROM drug_exposures"),
        6,
        "each source's record is kept"
    );
    assert_eq!(
        review_of(&env),
        ("resistant".into(), "confirmed".into()),
        "the same courses: the review stands"
    );

    hospital.push(hospital_order(
        "h9",
        (
            "866924",
            "metoprolol succinate 100 MG Extended Release Oral Tablet",
        ),
        100.0,
    ));
    import_from(&mut env, "hosp", &hospital);
    assert_ne!(review_of(&env).1, "confirmed", "a fourth class is new");
    // The team's review is not forgotten where it no longer applies: `show` says who decided
    // what, when and why, and that it was on earlier evidence (review r5 R5-11).
    let shown = super::refract()
        .arg("--db")
        .arg(env.db())
        .args(["show", "STOP-1"])
        .output()
        .unwrap();
    assert!(shown.status.success(), "{shown:?}");
    let text = String::from_utf8(shown.stdout).unwrap();
    assert!(text.contains("review: unreviewed"), "{text}");
    let last = text
        .lines()
        .find(|line| line.trim_start().starts_with("last review: confirmed by "))
        .unwrap_or_else(|| panic!("the last review in {text}"));
    assert!(
        last.ends_with(": Adherent, home readings agree (made on earlier evidence)"),
        "{last}"
    );
}

/// review39 F7 for epilepsy, through import and review: the GP's schedules (levetiracetam and
/// lamotrigine stopped for no response, carbamazepine now, seizures on it); the team confirms
/// the drug-resistant epilepsy. The hospital's records of the same drugs arrive: its order of
/// carbamazepine begun three days before the GP's statement with its planned end in 2027, and
/// its statement that lamotrigine began in the month before the GP's (item 2: the schedule is
/// older than the team read, and nothing the criteria decide changes). The review stands. A
/// third schedule stopped for no response is new: the review is asked again.
#[test]
fn a_confirmed_epilepsy_review_stays_when_another_source_sends_its_copy_of_the_schedules() {
    let no_response = json!([{"coding": [{"system": SNOMED, "code": "266721009",
                                          "display": "No response to treatment"}]}]);
    let statement = |id: &str, text: &str, mg: f64, period: Value, stopped: bool| {
        let mut resource = json!({
            "resourceType": "MedicationStatement",
            "id": id,
            "status": if stopped { "stopped" } else { "active" },
            "subject": {"reference": SUBJECT},
            "medicationCodeableConcept": {"text": text},
            "effectivePeriod": period,
            "dosage": [daily(mg)]
        });
        if stopped {
            resource["statusReason"] = no_response.clone();
        }
        resource
    };
    let seizures = |id: &str, on: &str, count: u32| {
        json!({
            "resourceType": "Observation", "id": id, "status": "final",
            "subject": {"reference": SUBJECT},
            "code": {"text": "Seizure frequency"},
            "effectiveDateTime": on,
            "valueQuantity": {"value": count, "unit": "/mo"}
        })
    };
    let gp = vec![
        condition("c1", SUBJECT, super::ICD10, "G40.909", "Epilepsy"),
        statement(
            "g-lev",
            "Levetiracetam 500 MG Oral Tablet",
            1500.0,
            json!({"start": "2024-03-12", "end": "2024-11-20"}),
            true,
        ),
        statement(
            "g-ltg",
            "Lamotrigine 200 MG Oral Tablet",
            400.0,
            json!({"start": "2024-11-20", "end": "2025-09-15"}),
            true,
        ),
        statement(
            "g-cbz",
            "Carbamazepine 400 MG Oral Tablet",
            800.0,
            json!({"start": "2025-09-15"}),
            false,
        ),
        seizures("s1", "2026-10-15", 3),
        seizures("s2", "2026-11-20", 2),
    ];
    let mut env = Env::new();
    import_from(&mut env, "gp", &gp);
    let review_of = |env: &Env| {
        let output = super::refract()
            .arg("--db")
            .arg(env.db())
            .args(["flags", "--json", "--condition", "epilepsy"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        let rows: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(rows.len(), 1, "{rows:#?}");
        (
            rows[0]["status"].as_str().unwrap().to_owned(),
            rows[0]["review"].as_str().unwrap().to_owned(),
        )
    };
    assert_eq!(review_of(&env).0, "refractory");
    let reviewed = super::refract()
        .arg("--db")
        .arg(env.db())
        .args([
            "review",
            "STOP-1",
            "--condition",
            "epilepsy",
            "--confirm",
            "--rationale",
            "Diary reviewed, adherent",
        ])
        .output()
        .unwrap();
    assert!(reviewed.status.success(), "{reviewed:?}");
    assert_eq!(review_of(&env), ("refractory".into(), "confirmed".into()));

    let mut planned = daily(800.0);
    planned["timing"]["repeat"]["boundsPeriod"] =
        json!({"start": "2025-09-12", "end": "2027-05-01"});
    let mut hospital = vec![
        order(
            "h-cbz",
            "active",
            ("197413", "carbamazepine 400 MG Oral Tablet"),
            &json!({"authoredOn": "2025-09-12", "dosageInstruction": [planned]}),
        ),
        statement(
            "h-ltg",
            "Lamotrigine 200 MG Oral Tablet",
            400.0,
            json!({"start": "2024-10-28", "end": "2025-09-15"}),
            true,
        ),
    ];
    import_from(&mut env, "hosp", &hospital);
    assert_eq!(
        env.int("SELECT count(*) FROM drug_exposures"),
        5,
        "each source's record is kept"
    );
    assert_eq!(
        review_of(&env),
        ("refractory".into(), "confirmed".into()),
        "the same schedules: the review stands"
    );

    hospital.push(statement(
        "h-tpm",
        "Topiramate 100 MG Oral Tablet",
        200.0,
        json!({"start": "2026-02-01", "end": "2026-08-01"}),
        true,
    ));
    import_from(&mut env, "hosp", &hospital);
    assert_ne!(
        review_of(&env).1,
        "confirmed",
        "a third failed schedule is new"
    );
}
