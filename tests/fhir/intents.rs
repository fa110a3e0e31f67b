//! Medication records that are no evidence the drug was given: a MedicationRequest that is a
//! `proposal`, a `plan` or an `option` (no authorization to act, FHIR R4 request-intent), a
//! MedicationStatement `intended` ("may be taken at some time in the future"), a request with
//! `doNotPerform` (a request that the drug NOT be given). None is an
//! exposure: each is left out with a warning naming why, and one imported earlier as given goes,
//! as a cancelled one does. Orders of every kind, and a request with no intent, stay given.

use serde_json::{Value, json};

use super::{
    Env, ICD10, LOINC, RXNORM, SNOMED, bundle, coding, condition, patient, statement, today, with,
};

const SUBJECT: &str = "urn:uuid:int-pt";

fn patient_with(resources: &[Value]) -> Value {
    let mut all = vec![patient("int-pt", "INT-1", "Berg", "Nora")];
    all.extend_from_slice(resources);
    bundle("collection", &all)
}

/// An active MedicationRequest of `drug`, authored on `authored`, with `intent` (none: absent).
fn request(id: &str, intent: Option<&str>, (code, text): (&str, &str), authored: &str) -> Value {
    let mut resource = json!({
        "resourceType": "MedicationRequest",
        "id": id,
        "status": "active",
        "subject": {"reference": SUBJECT},
        "medicationCodeableConcept": coding(RXNORM, code, text),
        "authoredOn": authored
    });
    if let Some(intent) = intent {
        resource["intent"] = json!(intent);
    }
    resource
}

fn exposure_texts(env: &Env) -> Vec<String> {
    env.rows("SELECT text FROM drug_exposures ORDER BY text")
        .into_iter()
        .map(|row| row[0].clone())
        .collect()
}

#[test]
fn a_proposal_a_plan_an_option_and_an_intended_statement_are_not_exposures() {
    let mut env = Env::new();
    let given = [
        ("g1", Some("order")),
        ("g2", Some("original-order")),
        ("g3", Some("reflex-order")),
        ("g4", Some("filler-order")),
        ("g5", Some("instance-order")),
        ("g6", Some("directive")),
        ("g7", None),
    ];
    let mut resources: Vec<Value> = given
        .iter()
        .enumerate()
        .map(|(n, (id, intent))| {
            request(
                id,
                *intent,
                (&format!("900{n}"), &format!("Drug {id}")),
                "2024-01-01",
            )
        })
        .collect();
    resources.push(request(
        "p1",
        Some("proposal"),
        ("9011", "Drug P1"),
        "2024-01-01",
    ));
    resources.push(request(
        "p2",
        Some("plan"),
        ("9012", "Drug P2"),
        "2024-01-01",
    ));
    resources.push(request(
        "p3",
        Some("option"),
        ("9013", "Drug P3"),
        "2024-01-01",
    ));
    resources.push(statement(
        "p4",
        SUBJECT,
        ("9014", "Drug P4"),
        "intended",
        "2024-01-01",
        None,
    ));
    let path = env.write_json("intents.json", &patient_with(&resources));
    let file = env.import_ok(&path);
    assert_eq!(
        exposure_texts(&env),
        [
            "Drug g1", "Drug g2", "Drug g3", "Drug g4", "Drug g5", "Drug g6", "Drug g7"
        ]
    );
    assert_eq!(file.exposures, 7);
    // One warning each, naming the resource and why.
    let warned: Vec<(String, String)> = file
        .warnings
        .iter()
        .map(|w| (w.resource.clone(), w.message.clone()))
        .collect();
    assert_eq!(warned.len(), 4, "{warned:#?}");
    for (resource, why) in [
        ("MedicationRequest/p1", "proposal"),
        ("MedicationRequest/p2", "plan"),
        ("MedicationRequest/p3", "option"),
        ("MedicationStatement/p4", "intended"),
    ] {
        assert!(
            warned
                .iter()
                .any(|(r, m)| r == resource && m.starts_with("left out: ") && m.contains(why)),
            "no warning for {resource} naming '{why}' in {warned:#?}"
        );
    }
}

#[test]
fn a_record_imported_as_given_then_sent_again_as_a_proposal_goes() {
    let mut env = Env::new();
    let drug = ("9020", "Drug Q");
    let first = env.write_json(
        "ordered.json",
        &patient_with(&[request("r1", Some("order"), drug, "2024-01-01")]),
    );
    env.import_ok(&first);
    assert_eq!(exposure_texts(&env), ["Drug Q"]);

    let second = env.write_json(
        "proposed.json",
        &patient_with(&[request("r1", Some("proposal"), drug, "2024-01-01")]),
    );
    let file = env.import_ok(&second);
    assert_eq!(file.removed, 1, "{file:#?}");
    assert!(exposure_texts(&env).is_empty());

    // And a statement that becomes `intended` likewise.
    let third = env.write_json(
        "taken.json",
        &patient_with(&[statement("s1", SUBJECT, drug, "active", "2024-01-01", None)]),
    );
    env.import_ok(&third);
    assert_eq!(exposure_texts(&env), ["Drug Q"]);
    let fourth = env.write_json(
        "intended.json",
        &patient_with(&[statement(
            "s1",
            SUBJECT,
            drug,
            "intended",
            "2024-01-01",
            None,
        )]),
    );
    let file = env.import_ok(&fourth);
    assert_eq!(file.removed, 1, "{file:#?}");
    assert!(exposure_texts(&env).is_empty());
}

#[test]
fn a_request_not_to_give_a_drug_is_not_an_exposure_and_takes_back_one_imported_as_given() {
    let mut env = Env::new();
    let drug = ("9021", "Drug R");
    let mut forbidden = request("r1", Some("order"), drug, "2024-01-01");
    forbidden["doNotPerform"] = json!(true);
    let mut allowed = request("r2", Some("order"), ("9022", "Drug S"), "2024-01-01");
    allowed["doNotPerform"] = json!(false);
    let path = env.write_json(
        "forbidden.json",
        &patient_with(&[forbidden.clone(), allowed]),
    );
    let file = env.import_ok(&path);
    assert_eq!(exposure_texts(&env), ["Drug S"], "{file:#?}");
    assert!(
        file.warnings
            .iter()
            .any(|w| w.resource == "MedicationRequest/r1"
                && w.message.starts_with("left out: ")
                && w.message.contains("doNotPerform")),
        "{:#?}",
        file.warnings
    );

    // The same request, first sent as an order, then corrected to forbid the drug.
    let mut env = Env::new();
    let order = env.write_json(
        "ordered.json",
        &patient_with(&[request("r1", Some("order"), drug, "2024-01-01")]),
    );
    env.import_ok(&order);
    assert_eq!(exposure_texts(&env), ["Drug R"]);
    let corrected = env.write_json("corrected.json", &patient_with(&[forbidden]));
    let file = env.import_ok(&corrected);
    assert_eq!(file.removed, 1, "{file:#?}");
    assert!(exposure_texts(&env).is_empty());
}

// ---- Resistant hypertension (AHA 2018): a fourth class that was only proposed ----

const SPIRONOLACTONE: (&str, &str) = ("9997", "Spironolactone 25 MG Oral Tablet");

fn bp(id: &str, at: &str) -> Value {
    json!({
        "resourceType": "Observation",
        "id": id,
        "status": "final",
        "subject": {"reference": SUBJECT},
        "code": coding(LOINC, "85354-9", "Blood pressure panel"),
        "effectiveDateTime": at,
        "component": [
            {"code": coding(LOINC, "8480-6", "Systolic blood pressure"),
             "valueQuantity": {"value": 126, "unit": "mm[Hg]"}},
            {"code": coding(LOINC, "8462-4", "Diastolic blood pressure"),
             "valueQuantity": {"value": 76, "unit": "mm[Hg]"}}
        ]
    })
}

/// Chlorthalidone, amlodipine and losartan for over a year, blood pressure at goal (126/76)
/// twice in the last six weeks, and `fourth`.
fn controlled_on_three_classes(fourth: &[Value]) -> Value {
    let since = "2025-10-01";
    let mut resources = vec![
        condition("int-dx", SUBJECT, ICD10, "I10", "Essential hypertension"),
        statement(
            "ht1",
            SUBJECT,
            ("2409", "Chlorthalidone 25 MG Oral Tablet"),
            "active",
            since,
            None,
        ),
        statement(
            "ht2",
            SUBJECT,
            ("17767", "Amlodipine 10 MG Oral Tablet"),
            "active",
            since,
            None,
        ),
        statement(
            "ht3",
            SUBJECT,
            ("52175", "Losartan Potassium 100 MG Oral Tablet"),
            "active",
            since,
            None,
        ),
        bp("bp1", "2026-10-21T09:00:00+01:00"),
        bp("bp2", "2026-10-28T09:00:00+01:00"),
    ];
    resources.extend_from_slice(fourth);
    patient_with(&resources)
}

/// (status, label) of the hypertension assessment after importing `document`.
fn hypertension(document: &Value) -> (String, String) {
    let mut env = Env::new();
    let path = env.write_json("hypertension.json", document);
    env.import_ok(&path);
    let rows = env.rows("SELECT status, label FROM assessments WHERE ruleset = 'hypertension'");
    assert_eq!(rows.len(), 1, "{rows:#?} (today {})", today());
    (rows[0][0].clone(), rows[0][1].clone())
}

#[test]
fn a_fourth_class_only_proposed_planned_or_intended_leaves_controlled_hypertension_not_met() {
    let three = hypertension(&controlled_on_three_classes(&[]));
    assert_eq!(three.0, "not_met", "{three:?}");

    // Spironolactone given: controlled on four classes is resistant hypertension.
    let ordered = request("ht4", Some("order"), SPIRONOLACTONE, "2025-10-01");
    let four = hypertension(&controlled_on_three_classes(&[ordered]));
    assert_eq!(four.0, "resistant", "{four:?}");

    // Only suggested, planned or meant for later: the assessment does not change.
    let proposed = request("ht4", Some("proposal"), SPIRONOLACTONE, "2025-10-01");
    let planned = request("ht4", Some("plan"), SPIRONOLACTONE, "2025-10-01");
    let intended = statement(
        "ht4",
        SUBJECT,
        SPIRONOLACTONE,
        "intended",
        "2025-10-01",
        None,
    );
    for record in [proposed, planned, intended] {
        let kind = record["intent"]
            .as_str()
            .or(record["status"].as_str())
            .unwrap_or_default()
            .to_owned();
        assert_eq!(
            hypertension(&controlled_on_three_classes(&[record])),
            three,
            "spironolactone as '{kind}'"
        );
    }
}

/// R4: a request, statement or administration `on-hold` is one whose actions "have been
/// temporarily halted": the drug is not given now. Counted as given, a fourth class on hold
/// would make blood pressure controlled on three classes "resistant hypertension". When the hold
/// began is not recorded, so it is read as a drug stopped with no end recorded, shown as on hold.
#[test]
fn a_fourth_class_on_hold_is_not_given_now_and_is_shown_on_hold() {
    let three = hypertension(&controlled_on_three_classes(&[]));
    assert_eq!(three.0, "not_met", "{three:?}");

    let mut held_order = request("ht4", Some("order"), SPIRONOLACTONE, "2025-10-01");
    held_order["status"] = json!("on-hold");
    let held_statement = statement(
        "ht4",
        SUBJECT,
        SPIRONOLACTONE,
        "on-hold",
        "2025-10-01",
        None,
    );
    let held_administration = json!({
        "resourceType": "MedicationAdministration",
        "id": "ht4",
        "status": "on-hold",
        "subject": {"reference": SUBJECT},
        "medicationCodeableConcept": coding(RXNORM, SPIRONOLACTONE.0, SPIRONOLACTONE.1),
        "effectivePeriod": {"start": "2025-10-01"}
    });
    // A hold whose order planned an end after today: not given now either (the review's case).
    let mut held_till_later = request("ht4", Some("order"), SPIRONOLACTONE, "2025-10-01");
    held_till_later["status"] = json!("on-hold");
    held_till_later["dosageInstruction"] = json!([{"timing": {"repeat": {
        "boundsPeriod": {"start": "2025-10-01", "end": "2099-06-30"}}}}]);
    for record in [
        held_order,
        held_statement,
        held_administration,
        held_till_later,
    ] {
        let kind = record["resourceType"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert_eq!(
            hypertension(&controlled_on_three_classes(std::slice::from_ref(&record))),
            three,
            "spironolactone {kind} on hold"
        );
        let mut env = Env::new();
        let path = env.write_json("held.json", &controlled_on_three_classes(&[record]));
        let report = env.import_ok(&path);
        // Refract's own words for a hold are no stop reason the vocabulary failed to read.
        assert!(
            report.stop_reasons_not_understood.is_empty(),
            "{:?}",
            report.stop_reasons_not_understood
        );
        let held = env.rows(
            "SELECT coalesce(end, '-'), coalesce(stop_text, '-') FROM drug_exposures
             WHERE text LIKE 'Spironolactone%'",
        );
        assert_eq!(
            held,
            [["2025-10-01 00:00:00", "on hold"]],
            "spironolactone {kind} on hold"
        );
        let shown = super::refract()
            .arg("--db")
            .arg(env.db())
            .args(["show", "INT-1"])
            .output()
            .unwrap();
        let shown = String::from_utf8_lossy(&shown.stdout);
        // How long it was given before the hold is not recorded: its end is marked as the last
        // day known, with the legend of the marks.
        assert!(
            shown.lines().any(|line| line.contains("Spironolactone")
                && line.contains("on hold")
                && line.contains("→ ≥2025-10-01")),
            "{shown}"
        );
        assert!(shown.contains("≥ given at least until"), "{shown}");
    }
}

#[test]
fn an_older_versions_not_taken_not_given_or_not_done_is_no_exposure_and_no_procedure() {
    // ST-5: STU3 and DSTU2 said "not given" by a flag beside the status (`taken: n`,
    // `notGiven`, `wasNotTaken`, `wasNotGiven`; a Procedure's `notDone`, `notPerformed`, or
    // STU3's status `aborted`): each was read as the drug given or the procedure done.
    let mut env = Env::new();
    let administration = |id: &str, code: &str, flag: Value| {
        with(
            json!({
                "resourceType": "MedicationAdministration",
                "id": id,
                "status": "completed",
                "subject": {"reference": SUBJECT},
                "medicationCodeableConcept": coding(RXNORM, code, &format!("Drug {id}")),
                "effectiveDateTime": "2024-01-01"
            }),
            &flag,
        )
    };
    let procedure = |id: &str, status: &str, flag: Value| {
        with(
            json!({
                "resourceType": "Procedure",
                "id": id,
                "status": status,
                "subject": {"reference": SUBJECT},
                "code": coding(SNOMED, "26348000", "Temporal lobectomy"),
                "performedDateTime": "2024-02-01"
            }),
            &flag,
        )
    };
    let document = patient_with(&[
        with(
            statement(
                "n1",
                SUBJECT,
                ("9031", "Drug N1"),
                "completed",
                "2024-01-01",
                None,
            ),
            &json!({"taken": "n"}),
        ),
        with(
            statement(
                "n2",
                SUBJECT,
                ("9032", "Drug N2"),
                "completed",
                "2024-01-01",
                None,
            ),
            &json!({"wasNotTaken": true}),
        ),
        administration("n3", "9033", json!({"notGiven": true})),
        administration("n4", "9034", json!({"wasNotGiven": true})),
        procedure("n5", "completed", json!({"notDone": true})),
        procedure("n6", "completed", json!({"notPerformed": true})),
        procedure("n7", "aborted", json!({})),
        // Controls: taken, given, done.
        with(
            statement(
                "y1",
                SUBJECT,
                ("9035", "Drug Y1"),
                "completed",
                "2024-01-01",
                None,
            ),
            &json!({"taken": "y", "wasNotTaken": false}),
        ),
        administration("y2", "9036", json!({"notGiven": false})),
        procedure("y3", "completed", json!({"notDone": false})),
    ]);
    let file = env.write_json("older.json", &document);
    let report = env.import_ok(&file);
    assert_eq!(exposure_texts(&env), ["Drug Y1", "Drug y2"]);
    assert_eq!(env.int("SELECT count(*) FROM procedures"), 1);
    // Review RV-5: the reader is told of each procedure so left out, as of each drug.
    for flag in ["notDone", "notPerformed"] {
        assert!(
            report
                .warnings
                .iter()
                .any(|w| w.message.contains("not done") && w.message.contains(flag)),
            "{flag}: {:#?}",
            report.warnings
        );
    }
}
