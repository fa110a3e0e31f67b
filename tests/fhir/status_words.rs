//! Status words as real feeds write them (ST-6..ST-9): a hold with a reason (a pause, never a
//! stop), a status code cased or spaced otherwise than R4's case-sensitive codes, STU3's
//! `taken` answers other than `y`/`n`, and what a visit's status does to what is read with it.

use serde_json::{Value, json};

use super::{Env, ICD10, SNOMED, bundle, condition, patient, with};

const SUBJECT: &str = "urn:uuid:sw-pt";

fn patient_with(resources: &[Value]) -> Value {
    let mut all = vec![patient("sw-pt", "SW-1", "Lind", "Maja")];
    all.extend_from_slice(resources);
    bundle("collection", &all)
}

fn daily(mg: f64) -> Value {
    json!({
        "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
        "doseAndRate": [{"doseQuantity": {"value": mg, "unit": "mg"}}]
    })
}

fn no_response() -> Value {
    json!([{"coding": [{"system": SNOMED, "code": "266721009",
                        "display": "No response to treatment"}]}])
}

/// A statement of an antiseizure drug at `mg` a day over `period`, of `status`.
fn asm(id: &str, text: &str, mg: f64, period: &Value, status: &str) -> Value {
    json!({
        "resourceType": "MedicationStatement",
        "id": id,
        "status": status,
        "subject": {"reference": SUBJECT},
        "medicationCodeableConcept": {"text": text},
        "effectivePeriod": period,
        "dosage": [daily(mg)]
    })
}

/// Epilepsy: levetiracetam stopped for no response, then lamotrigine (`lamotrigine`, ten
/// months at 400 mg), then carbamazepine still taken.
fn epilepsy_with(lamotrigine: Value) -> Value {
    let mut levetiracetam = asm(
        "lev",
        "Levetiracetam 500 MG Oral Tablet",
        1500.0,
        &json!({"start": "2024-03-12", "end": "2024-11-20"}),
        "stopped",
    );
    levetiracetam["statusReason"] = no_response();
    patient_with(&[
        condition("c1", SUBJECT, ICD10, "G40.909", "Epilepsy"),
        levetiracetam,
        lamotrigine,
        asm(
            "cbz",
            "Carbamazepine 400 MG Oral Tablet",
            800.0,
            &json!({"start": "2025-09-15"}),
            "active",
        ),
    ])
}

fn lamotrigine(status: &str, reason: Value) -> Value {
    let mut record = asm(
        "ltg",
        "Lamotrigine 200 MG Oral Tablet",
        400.0,
        &json!({"start": "2024-11-20", "end": "2025-09-15"}),
        status,
    );
    record["statusReason"] = reason;
    record
}

/// `flags --json` of the epilepsy rule set: (status, reasons joined).
fn epilepsy_flag(env: &Env) -> (String, String) {
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
        rows[0]["reasons"].to_string(),
    )
}

fn lamotrigine_stop(env: &Env) -> Vec<Vec<String>> {
    env.rows(
        "SELECT coalesce(stop_reason, '-'), coalesce(stop_text, '-') FROM drug_exposures
         WHERE text LIKE 'Lamotrigine%'",
    )
}

/// ST-6. R4 medicationrequest-status / medication-statement-status `on-hold`: "actions implied
/// by the prescription are to be temporarily halted", "expected to continue later". A hold for
/// no response is a pause the team may undo, not a trial that ended: the second failed schedule
/// it made flagged the patient "refractory". The same record `stopped` is a failure.
#[test]
fn a_drug_on_hold_for_no_response_is_no_finished_failed_trial() {
    let text_reason = json!([{"text": "Ineffective"}]);
    for (reason, words) in [
        (no_response(), "on hold: no response"),
        (text_reason.clone(), "on hold: no response (Ineffective)"),
    ] {
        let mut env = Env::new();
        let path = env.write_json("held.json", &epilepsy_with(lamotrigine("on-hold", reason)));
        let report = env.import_ok(&path);
        assert!(
            report.stop_reasons_not_understood.is_empty(),
            "{:?}",
            report.stop_reasons_not_understood
        );
        assert_eq!(lamotrigine_stop(&env), [["-", words]]);
        let (status, reasons) = epilepsy_flag(&env);
        assert_ne!(status, "refractory", "{reasons}");
        let shown = super::refract()
            .arg("--db")
            .arg(env.db())
            .args(["show", "SW-1"])
            .output()
            .unwrap();
        let shown = String::from_utf8_lossy(&shown.stdout);
        assert!(
            shown
                .lines()
                .any(|line| line.contains("Lamotrigine") && line.contains(words)),
            "{shown}"
        );
    }
    // Exported and read back, the hold stays a hold (written `stopped` with its words, it read
    // back as a stop for no response).
    let mut env = Env::new();
    let path = env.write_json(
        "held.json",
        &epilepsy_with(lamotrigine("on-hold", text_reason.clone())),
    );
    env.import_ok(&path);
    let exported = env.path("export.json");
    let output = super::refract()
        .arg("--db")
        .arg(env.db())
        .args(["export", "--format", "fhir", "--out"])
        .arg(&exported)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let mut again = Env::new();
    again.import_ok(&exported);
    assert_eq!(
        lamotrigine_stop(&again),
        [["-", "on hold: no response (Ineffective)"]]
    );
    assert_ne!(epilepsy_flag(&again).0, "refractory");

    // A medication request on hold alike.
    let mut env = Env::new();
    let held_order = json!({
        "resourceType": "MedicationRequest",
        "id": "ltg",
        "status": "on-hold",
        "intent": "order",
        "subject": {"reference": SUBJECT},
        "medicationCodeableConcept": {"text": "Lamotrigine 200 MG Oral Tablet"},
        "authoredOn": "2024-11-20",
        "statusReason": {"text": "lack of efficacy"},
        "dosageInstruction": [with(daily(400.0), &json!({"timing": {"repeat": {
            "frequency": 1, "period": 1, "periodUnit": "d",
            "boundsPeriod": {"start": "2024-11-20", "end": "2025-09-15"}}}}))]
    });
    let path = env.write_json("held-order.json", &epilepsy_with(held_order));
    env.import_ok(&path);
    assert_eq!(
        lamotrigine_stop(&env),
        [["-", "on hold: no response (lack of efficacy)"]]
    );
    assert_ne!(epilepsy_flag(&env).0, "refractory");

    // Control: stopped for the same reason is the second failed schedule.
    let mut env = Env::new();
    let path = env.write_json(
        "stopped.json",
        &epilepsy_with(lamotrigine("stopped", text_reason)),
    );
    env.import_ok(&path);
    assert_eq!(epilepsy_flag(&env).0, "refractory");
}

/// The import's warnings about `resource` (its `Type/id`), joined.
fn warnings_of(report: &refract::import::FileReport, resource: &str) -> String {
    report
        .warnings
        .iter()
        .filter(|w| w.resource == resource)
        .map(|w| w.message.clone())
        .collect::<Vec<_>>()
        .join(" | ")
}

fn exposures(env: &Env) -> Vec<Vec<String>> {
    env.rows(
        "SELECT text, coalesce(end, '-'), coalesce(stop_text, '-') FROM drug_exposures
         ORDER BY text",
    )
}

fn order(id: &str, status: &str, drug: &str) -> Value {
    json!({
        "resourceType": "MedicationRequest",
        "id": id,
        "status": status,
        "intent": "order",
        "subject": {"reference": SUBJECT},
        "medicationCodeableConcept": {"text": drug},
        "authoredOn": "2025-01-10"
    })
}

/// ST-7. FHIR's status codes are case-sensitive, yet feeds write "Entered-In-Error",
/// "Cancelled", " active ", "Not-Taken": matched as written, an order entered in error or
/// cancelled was a drug given, a statement not taken an exposure, an active order not active,
/// a reading entered in error a reading. Each is read by its code, with a warning naming what
/// was written; a status that is no code of its resource ("discontinued") is said, never read
/// silently.
#[test]
fn a_status_written_in_another_case_or_with_spaces_is_read_by_its_code_and_said() {
    let reading = json!({
        "resourceType": "Observation",
        "id": "o1",
        "status": "Entered-in-Error",
        "subject": {"reference": SUBJECT},
        "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6",
                             "display": "Systolic blood pressure"}]},
        "effectiveDateTime": "2025-01-10",
        "valueQuantity": {"value": 180, "unit": "mm[Hg]"}
    });
    let not_taken = json!({
        "resourceType": "MedicationStatement",
        "id": "s1",
        "status": "Not-Taken",
        "subject": {"reference": SUBJECT},
        "medicationCodeableConcept": {"text": "Drug E"},
        "effectiveDateTime": "2025-01-10"
    });
    let document = patient_with(&[
        order("a", "Entered-In-Error", "Drug A"),
        order("b", "CANCELLED", "Drug B"),
        order("c", " active ", "Drug C"),
        order("d", "discontinued", "Drug D"),
        order("f", "final", "Drug F"),
        not_taken,
        reading,
    ]);
    let mut env = Env::new();
    let path = env.write_json("cased.json", &document);
    let report = env.import_ok(&path);
    let rows = exposures(&env);
    let texts: Vec<&str> = rows.iter().map(|row| row[0].as_str()).collect();
    assert_eq!(texts, ["Drug C", "Drug D", "Drug F"], "{rows:?}");
    // " active ": still given (no end), as `active` is.
    assert_eq!(rows[0], ["Drug C", "-", "-"]);
    assert_eq!(env.int("SELECT count(*) FROM observations"), 0);
    for (resource, written, code) in [
        (
            "MedicationRequest/a",
            "Entered-In-Error",
            "entered-in-error",
        ),
        ("MedicationRequest/b", "CANCELLED", "cancelled"),
        ("MedicationRequest/c", " active ", "active"),
        ("MedicationStatement/s1", "Not-Taken", "not-taken"),
        ("Observation/o1", "Entered-in-Error", "entered-in-error"),
    ] {
        let said = warnings_of(&report, resource);
        assert!(
            said.contains(&format!("'{written}'")) && said.contains(&format!("read as '{code}'")),
            "{resource}: {said}"
        );
    }
    for resource in ["MedicationRequest/d", "MedicationRequest/f"] {
        let said = warnings_of(&report, resource);
        assert!(
            said.contains("is no MedicationRequest status of FHIR"),
            "{resource}: {said}"
        );
    }
    // Written as the code: nothing said.
    assert!(warnings_of(&report, "Patient/sw-pt").is_empty());
}

/// ST-8. STU3 MedicationStatement.taken: `na` ("not applicable") asserts no taking at all: no
/// exposure, said as `n` is. `unk` ("unknown that the patient has taken the medication"): read
/// as R4's `unknown` status, whatever status is beside it: given from its start, for how long
/// not known, said; never a drug still taken today. Codes read whatever their case.
#[test]
fn an_stu3_statement_taken_na_is_no_exposure_and_taken_unk_is_of_unknown_status() {
    let stu3 = |id: &str, taken: &str, drug: &str| {
        json!({
            "resourceType": "MedicationStatement",
            "id": id,
            "status": "active",
            "taken": taken,
            "subject": {"reference": SUBJECT},
            "medicationCodeableConcept": {"text": drug},
            "effectivePeriod": {"start": "2025-01-10"}
        })
    };
    let document = patient_with(&[
        stu3("na", "na", "Drug NA"),
        stu3("na2", "NA", "Drug NA2"),
        stu3("unk", "unk", "Drug UNK"),
        stu3("y", "y", "Drug Y"),
    ]);
    let mut env = Env::new();
    let path = env.write_json("stu3.json", &document);
    let report = env.import_ok(&path);
    assert_eq!(
        exposures(&env),
        [
            ["Drug UNK", "2025-01-10 00:00:00", "-"],
            ["Drug Y", "-", "-"]
        ]
    );
    for resource in ["MedicationStatement/na", "MedicationStatement/na2"] {
        assert!(
            warnings_of(&report, resource).contains("taken: na"),
            "{:?}",
            report.warnings
        );
    }
    assert!(
        warnings_of(&report, "MedicationStatement/unk").contains("status unknown"),
        "{:?}",
        report.warnings
    );
}

/// Stop reasons sent as codes alone from R4's example binding of
/// MedicationStatement.statusReason (SNOMED CT "Drugs not taken/completed"): a drug not taken
/// for its side effects is not tolerated, one the patient ran out of or lost not taken as
/// prescribed, one too expensive not available; none is a failure. Sent alone (no display),
/// they had been reasons not understood.
#[test]
fn drugs_not_taken_codes_sent_alone_are_read_as_their_reasons() {
    let stopped = |id: &str, code: &str| {
        json!({
            "resourceType": "MedicationStatement",
            "id": id,
            "status": "stopped",
            "subject": {"reference": SUBJECT},
            "medicationCodeableConcept": {"text": format!("Drug {id}")},
            "effectivePeriod": {"start": "2024-01-01", "end": "2024-06-01"},
            "statusReason": [{"coding": [{"system": SNOMED, "code": code}]}]
        })
    };
    let document = patient_with(&[
        stopped("a", "182864000"),
        stopped("b", "182897004"),
        stopped("c", "182873008"),
        stopped("d", "182869005"),
        stopped("e", "182872003"),
    ]);
    let mut env = Env::new();
    let path = env.write_json("codes.json", &document);
    let report = env.import_ok(&path);
    assert!(
        report.stop_reasons_not_understood.is_empty(),
        "{:?}",
        report.stop_reasons_not_understood
    );
    let reasons: Vec<String> = env
        .rows("SELECT coalesce(stop_reason, '-') FROM drug_exposures ORDER BY text")
        .into_iter()
        .map(|row| row[0].clone())
        .collect();
    assert_eq!(
        reasons,
        [
            "intolerance",
            "intolerance",
            "noncompliance",
            "noncompliance",
            "access"
        ]
    );
}

/// `flags --json` of the epilepsy rule set: (status, the missing items joined).
fn epilepsy_missing(env: &Env) -> (String, String) {
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
        rows[0]["missing"].to_string(),
    )
}

/// ST-10. A drug on hold is neither stopped nor without a reason: the assessment said of a
/// lamotrigine "on hold: no response (Ineffective)" that it was "stopped with no reason". It
/// now says the hold as recorded, for a hold of an adequate trial and of a short one alike.
#[test]
fn a_hold_is_worded_as_a_hold_in_the_assessment_never_as_a_stop_with_no_reason() {
    let mut env = Env::new();
    let held = lamotrigine("on-hold", json!([{"text": "Ineffective"}]));
    let path = env.write_json("held.json", &epilepsy_with(held));
    env.import_ok(&path);
    let (status, missing) = epilepsy_missing(&env);
    assert_ne!(status, "refractory", "{missing}");
    assert!(
        missing.contains("lamotrigine: on hold: no response (Ineffective) (a pause, not a stop)"),
        "{missing}"
    );
    assert!(!missing.contains("stopped with no reason"), "{missing}");

    // Held after four weeks, for a reason nothing reads: no adequate trial, and said so.
    let mut short = asm(
        "ltg",
        "Lamotrigine 200 MG Oral Tablet",
        400.0,
        &json!({"start": "2024-11-20", "end": "2024-12-18"}),
        "on-hold",
    );
    short["statusReason"] = json!([{"text": "surgery"}]);
    let mut env = Env::new();
    let path = env.write_json("short.json", &epilepsy_with(short));
    env.import_ok(&path);
    let (_, reasons) = epilepsy_flag(&env);
    assert!(
        reasons.contains("lamotrigine: given for 4 weeks only, then on hold: surgery"),
        "{reasons}"
    );
    assert!(!reasons.contains("no reason recorded"), "{reasons}");

    // Control: the same record ended with no status reason still says so.
    let mut env = Env::new();
    let ended = lamotrigine("completed", json!([]));
    let path = env.write_json("ended.json", &epilepsy_with(ended));
    env.import_ok(&path);
    let (_, missing) = epilepsy_missing(&env);
    assert!(missing.contains("stopped with no reason"), "{missing}");
}

/// ST-10. A hold then resumed (the drug `active` again) is no stop and no failed trial; a
/// later record `stopped` for no response ends the hold as a failure, whether it is another
/// statement or a later version of the held order itself.
#[test]
fn a_hold_resumed_is_no_stop_and_a_later_stop_ends_it() {
    let held = || {
        let mut record = asm(
            "ltg",
            "Lamotrigine 200 MG Oral Tablet",
            400.0,
            &json!({"start": "2024-11-20", "end": "2025-03-01"}),
            "on-hold",
        );
        record["statusReason"] = no_response();
        record
    };
    let then = |status: &str, end: Option<&str>| {
        let mut period = json!({"start": "2025-03-01"});
        if let Some(end) = end {
            period["end"] = json!(end);
        }
        let mut record = asm(
            "ltg2",
            "Lamotrigine 200 MG Oral Tablet",
            400.0,
            &period,
            status,
        );
        if status == "stopped" {
            record["statusReason"] = no_response();
        }
        record
    };
    // Resumed and still taken: no second failure.
    let mut env = Env::new();
    let document = patient_with(&[
        condition("c1", SUBJECT, ICD10, "G40.909", "Epilepsy"),
        epilepsy_with(held())["entry"][2]["resource"].clone(),
        held(),
        then("active", None),
    ]);
    let path = env.write_json("resumed.json", &document);
    env.import_ok(&path);
    let (status, missing) = epilepsy_missing(&env);
    assert_eq!(status, "insufficient_data", "{missing}");
    assert!(missing.contains("lamotrigine: ongoing"), "{missing}");

    // Resumed, then stopped for no response: the second failed schedule.
    let mut env = Env::new();
    let document = patient_with(&[
        condition("c1", SUBJECT, ICD10, "G40.909", "Epilepsy"),
        epilepsy_with(held())["entry"][2]["resource"].clone(),
        held(),
        then("stopped", Some("2025-09-15")),
    ]);
    let path = env.write_json("stopped.json", &document);
    env.import_ok(&path);
    assert_eq!(epilepsy_missing(&env).0, "refractory");

    // The held order itself, sent again `stopped` in a later file: a stop, the hold gone.
    let order = |status: &str| {
        json!({
            "resourceType": "MedicationRequest",
            "id": "ltg",
            "status": status,
            "intent": "order",
            "subject": {"reference": SUBJECT},
            "medicationCodeableConcept": {"text": "Lamotrigine 200 MG Oral Tablet"},
            "authoredOn": "2024-11-20",
            "statusReason": {"text": "lack of efficacy"},
            "dosageInstruction": [with(daily(400.0), &json!({"timing": {"repeat": {
                "frequency": 1, "period": 1, "periodUnit": "d",
                "boundsPeriod": {"start": "2024-11-20", "end": "2025-09-15"}}}}))]
        })
    };
    let mut env = Env::new();
    let first = env.write_json("held-order.json", &epilepsy_with(order("on-hold")));
    env.import_ok(&first);
    assert_ne!(epilepsy_missing(&env).0, "refractory");
    let second = env.write_json("stopped-order.json", &epilepsy_with(order("stopped")));
    env.import_ok(&second);
    assert_eq!(
        lamotrigine_stop(&env),
        [["lack_of_efficacy", "lack of efficacy"]]
    );
    assert_eq!(epilepsy_missing(&env).0, "refractory");
}

/// ST-10. A Condition's and an AllergyIntolerance's statuses are read by their code whatever
/// their case or spaces, or from words alone that are a code, each with one warning naming
/// what was written (as a MedicationRequest's status is, ST-7). A refuted epilepsy sent as
/// `{"text": "refuted"}` had counted as confirmed and flagged "refractory"; an allergy
/// "RESOLVED" had stayed a reaction on record.
#[test]
fn a_condition_or_allergy_status_written_otherwise_is_read_by_its_code_and_said() {
    let diagnosis_with = |element: &str, status: Value| {
        let mut diagnosis = condition("c1", SUBJECT, ICD10, "G40.909", "Epilepsy");
        diagnosis[element] = status;
        let mut document = epilepsy_with(lamotrigine("stopped", no_response()));
        document["entry"][1]["resource"] = diagnosis;
        document
    };
    let flags = |env: &Env| {
        let output = super::refract()
            .arg("--db")
            .arg(env.db())
            .args(["flags", "--json", "--condition", "epilepsy"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        let rows: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
        rows.iter()
            .map(|row| row["status"].as_str().unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
    };
    let verification = "http://terminology.hl7.org/CodeSystem/condition-ver-status";
    let clinical = "http://terminology.hl7.org/CodeSystem/condition-clinical";
    for (element, status, written, refractory) in [
        (
            "verificationStatus",
            json!({"text": "refuted"}),
            "refuted",
            false,
        ),
        (
            "verificationStatus",
            json!({"text": " Entered in error "}),
            "",
            false,
        ),
        (
            "verificationStatus",
            json!({"coding": [{"system": verification, "code": "Refuted"}]}),
            "Refuted",
            false,
        ),
        (
            "clinicalStatus",
            json!({"coding": [{"system": clinical, "code": "RESOLVED"}]}),
            "RESOLVED",
            false,
        ),
        (
            "clinicalStatus",
            json!({"coding": [{"system": clinical, "code": "Active"}]}),
            "Active",
            true,
        ),
        // Control: words that are no code are no status, and nothing is said.
        (
            "verificationStatus",
            json!({"text": "seen by neurology"}),
            "",
            true,
        ),
    ] {
        let mut env = Env::new();
        let path = env.write_json("status.json", &diagnosis_with(element, status.clone()));
        let report = env.import_ok(&path);
        let said = warnings_of(&report, "Condition/c1");
        if written.is_empty() {
            assert_eq!(said, "", "{status}");
        } else {
            assert!(
                said.contains(&format!(
                    "its {element} '{written}' is not written as FHIR's code"
                )),
                "{status}: {said}"
            );
            assert_eq!(said.matches(" | ").count(), 0, "one warning: {said}");
        }
        assert_eq!(
            flags(&env).iter().any(|s| s == "refractory"),
            refractory,
            "{status}: {:?}",
            flags(&env)
        );
    }

    // An allergy "RESOLVED", or refuted in words alone: no reaction on record.
    let reaction = |clinical: Value, verification: Value| {
        json!({
            "resourceType": "AllergyIntolerance",
            "id": "a1",
            "patient": {"reference": SUBJECT},
            "clinicalStatus": clinical,
            "verificationStatus": verification,
            "code": {"text": "Clozapine"},
            "reaction": [{"manifestation": [{"text": "Agranulocytosis"}]}]
        })
    };
    let confirmed = json!({"coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
        "code": "confirmed"}]});
    let clinical_of = |code: &str| {
        json!({"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
            "code": code}]})
    };
    for (clinical, verification, kept) in [
        (clinical_of("RESOLVED"), confirmed.clone(), 0),
        (clinical_of("active"), json!({"text": "Refuted"}), 0),
        (clinical_of(" Active "), confirmed.clone(), 1),
        (clinical_of("active"), confirmed.clone(), 1),
    ] {
        let mut env = Env::new();
        let document = patient_with(&[reaction(clinical.clone(), verification.clone())]);
        let path = env.write_json("reaction.json", &document);
        let report = env.import_ok(&path);
        let rows = env.rows("SELECT count(*) FROM drug_reactions");
        assert_eq!(rows, [[kept.to_string()]], "{clinical} {verification}");
        if kept == 1 && clinical["coding"][0]["code"] == " Active " {
            assert!(
                warnings_of(&report, "AllergyIntolerance/a1")
                    .contains("its clinicalStatus ' Active ' is not written as FHIR's code"),
                "{:?}",
                report.warnings
            );
        }
    }
}

/// ST-10. FHIR's SNOMED CT "Drugs not taken/completed" codes (the example binding of
/// MedicationStatement.statusReason) sent alone, with no words: each is read as its reason,
/// none an efficacy signal; "Drug discontinued - reason unknown" gives none.
#[test]
fn the_snomed_drug_not_taken_codes_sent_alone_are_read_as_their_reasons() {
    let cases = [
        ("182862001", "patient_choice"),
        ("182863006", "patient_choice"),
        ("182865004", "patient_choice"),
        ("182867007", "patient_choice"),
        ("182871005", "patient_choice"),
        ("266711001", "noncompliance"),
        ("275929009", "noncompliance"),
        ("182874002", "noncompliance"),
        ("182868002", "other"),
        ("182870006", "-"),
    ];
    let records: Vec<Value> = cases
        .iter()
        .map(|(code, _)| {
            let mut record = asm(
                code,
                &format!("Drug {code}"),
                100.0,
                &json!({"start": "2024-01-10", "end": "2024-06-10"}),
                "stopped",
            );
            record["statusReason"] = json!([{"coding": [{"system": SNOMED, "code": code}]}]);
            record
        })
        .collect();
    let mut env = Env::new();
    let path = env.write_json("codes.json", &patient_with(&records));
    env.import_ok(&path);
    for (code, reason) in cases {
        let rows = env.rows(&format!(
            "SELECT coalesce(stop_reason, '-') FROM drug_exposures WHERE text = 'Drug {code}'"
        ));
        assert_eq!(rows, [[reason]], "{code}");
    }
}
