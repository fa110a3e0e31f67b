//! Valid FHIR R4 that real exports write, read for what it says: drug records without a
//! period, a Medication that names only its ingredients, a patient-reported request whose
//! dosage says when it started. A record that says less is kept with its duration unknown and
//! never costs its file or its patient: the assessment it could decide is undecided.

use serde_json::{Value, json};

use super::{
    Env, ICD10, LEVETIRACETAM, RXNORM, bundle, coding, condition, patient, reason, statement, with,
};

/// An epilepsy patient whose first schedule failed (levetiracetam, no response, 5 months) and
/// whose second is `second`.
fn epilepsy_with(id: &str, second: Value) -> Value {
    let subject = format!("urn:uuid:{id}");
    let first = with(
        statement(
            &format!("{id}-lev"),
            &subject,
            LEVETIRACETAM,
            "stopped",
            "2022-01-10",
            Some("2022-06-01"),
        ),
        &json!({
            "statusReason": [reason("266721009", "No response to treatment")],
            "dosage": [{"doseAndRate": [{"doseQuantity": {"value": 1500, "unit": "mg"}}],
                        "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}}}]
        }),
    );
    bundle(
        "collection",
        &[
            patient(id, &format!("MRN-{id}"), "Sand", "Eli"),
            condition(&format!("{id}-dx"), &subject, ICD10, "G40.909", "Epilepsy"),
            first,
            second,
        ],
    )
}

fn status_of(env: &Env, mrn: &str, ruleset: &str) -> (String, String) {
    let id = env.patient_id(mrn);
    let rows = env.rows(&format!(
        "SELECT status, detail FROM assessments WHERE patient_id = {id} AND ruleset = '{ruleset}'"
    ));
    (rows[0][0].clone(), rows[0][1].clone())
}

fn lamotrigine_statement(id: &str, subject: &str) -> Value {
    json!({
        "resourceType": "MedicationStatement",
        "id": id,
        "status": "completed",
        "subject": {"reference": subject},
        "medicationCodeableConcept": coding(RXNORM, "28439", "Lamotrigine 200 MG Oral Tablet"),
        "statusReason": [reason("266721009", "No response to treatment")],
        "dosage": [{"doseAndRate": [{"doseQuantity": {"value": 200, "unit": "mg"}}],
                    "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}}}]
    })
}

#[test]
fn a_statement_without_a_period_is_kept_with_its_duration_unknown() {
    let mut env = Env::new();
    // Valid R4: effective[x] is 0..1. Only when it was asserted is known.
    let asserted = with(
        lamotrigine_statement("np-ltg", "urn:uuid:np"),
        &json!({"dateAsserted": "2023-02-01"}),
    );
    let file = env.write_json("no-period.json", &epilepsy_with("np", asserted));
    let report = env.import(std::slice::from_ref(&file));
    assert_eq!((report.imported, report.failed), (1, 0), "{report:#?}");
    assert_eq!(
        env.rows(
            "SELECT text, substr(start, 1, 10), dates FROM drug_exposures WHERE text LIKE 'Lamo%'"
        ),
        [["Lamotrigine 200 MG Oral Tablet", "2023-02-01", "unknown"]]
    );
    // One failure, and one that would be the second if it was given long enough: undecided,
    // never "not met" as a one-day trial would be.
    let (status, detail) = status_of(&env, "MRN-np", "epilepsy");
    assert_eq!(status, "insufficient_data", "{detail}");
    assert!(
        detail.contains("how long it was given is not recorded"),
        "{detail}"
    );

    // With no date at all, not even when it was asserted: the resource is left out with a
    // warning naming it, and the rest of the patient is there.
    let mut bare = Env::new();
    let file = bare.write_json(
        "no-date.json",
        &epilepsy_with("nd", lamotrigine_statement("nd-ltg", "urn:uuid:nd")),
    );
    let report = bare.import(std::slice::from_ref(&file));
    assert_eq!((report.imported, report.failed), (1, 0), "{report:#?}");
    let warning = &report.files[0].warnings[0];
    assert_eq!(warning.resource, "MedicationStatement/nd-ltg");
    assert!(warning.message.contains("no date at all"), "{warning:?}");
    assert_eq!(bare.int("SELECT count(*) FROM drug_exposures"), 1);
}

#[test]
fn a_stopped_record_without_an_end_date_lasted_at_least_until_it_started() {
    let mut env = Env::new();
    let started = with(
        lamotrigine_statement("se-ltg", "urn:uuid:se"),
        &json!({"effectivePeriod": {"start": "2022-07-01"}}),
    );
    let file = env.write_json("no-end.json", &epilepsy_with("se", started));
    env.import_ok(&file);
    assert_eq!(
        env.rows("SELECT dates FROM drug_exposures WHERE text LIKE 'Lamo%'"),
        [["end_unknown"]]
    );
    let (status, detail) = status_of(&env, "MRN-se", "epilepsy");
    assert_eq!(status, "insufficient_data", "{detail}");
}

/// An end written as a month ("2022-08"): the drug was given until some day of that month.
/// Read as at least until its first day, the rest not known: a trial of 31 to 61 days against
/// epilepsy's 60 is undecided, never "not counted" (as the first day alone said) nor adequate.
/// An end in the month it started is not "before it starts".
#[test]
fn an_end_of_a_month_only_is_some_day_of_that_month() {
    let mut env = Env::new();
    let monthly = with(
        lamotrigine_statement("pm-ltg", "urn:uuid:pm"),
        &json!({"effectivePeriod": {"start": "2022-07-01", "end": "2022-08"}}),
    );
    let file = env.write_json("month.json", &epilepsy_with("pm", monthly));
    let report = env.import(std::slice::from_ref(&file));
    assert_eq!((report.imported, report.failed), (1, 0), "{report:#?}");
    assert_eq!(
        env.rows(
            "SELECT date(start), date(end), dates FROM drug_exposures WHERE text LIKE 'Lamo%'"
        ),
        [["2022-07-01", "2022-08-01", "end_unknown"]]
    );
    let (status, detail) = status_of(&env, "MRN-pm", "epilepsy");
    assert_eq!(status, "insufficient_data", "{detail}");

    let mut same = Env::new();
    let within = with(
        lamotrigine_statement("sm-ltg", "urn:uuid:sm"),
        &json!({"effectivePeriod": {"start": "2022-07-15", "end": "2022-07"}}),
    );
    let file = same.write_json("same-month.json", &epilepsy_with("sm", within));
    let report = same.import(std::slice::from_ref(&file));
    assert!(report.files[0].warnings.is_empty(), "{report:#?}");
    assert_eq!(
        same.rows(
            "SELECT date(start), date(end), dates FROM drug_exposures WHERE text LIKE 'Lamo%'"
        ),
        [["2022-07-15", "2022-07-15", "end_unknown"]]
    );

    // A month or a year that was over before the start is an end before the start.
    for end in ["2022-06", "2021"] {
        let mut before = Env::new();
        let ended = with(
            lamotrigine_statement("eb-ltg", "urn:uuid:eb"),
            &json!({"effectivePeriod": {"start": "2022-07-15", "end": end}}),
        );
        let file = before.write_json("before.json", &epilepsy_with("eb", ended));
        let report = before.import(std::slice::from_ref(&file));
        let warnings = &report.files[0].warnings;
        assert!(
            warnings
                .iter()
                .any(|w| w.message.contains("before it starts")),
            "{end}: {report:#?}"
        );
    }
}

#[test]
fn a_patient_reported_request_starts_when_its_dosage_says() {
    let mut env = Env::new();
    // Written down today from the patient's report; the dosage bounds say it began 30
    // months ago and goes on.
    let reported = json!({
        "resourceType": "MedicationRequest",
        "id": "rp-ltg",
        "status": "active",
        "intent": "order",
        "reportedBoolean": true,
        "subject": {"reference": "urn:uuid:rp"},
        "medicationCodeableConcept": coding(RXNORM, "28439", "Lamotrigine 200 MG Oral Tablet"),
        "authoredOn": "2026-11-20",
        "dosageInstruction": [{
            "timing": {"repeat": {"boundsPeriod": {"start": "2024-05-20"},
                                  "frequency": 2, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [{"doseQuantity": {"value": 200, "unit": "mg"}}]
        }]
    });
    let file = env.write_json("reported.json", &epilepsy_with("rp", reported));
    env.import_ok(&file);
    assert_eq!(
        env.rows(
            "SELECT substr(start, 1, 10), coalesce(end, '-'), dates FROM drug_exposures
             WHERE text LIKE 'Lamo%'"
        ),
        [["2024-05-20", "-", "stated"]]
    );
}

#[test]
fn a_request_lasts_its_bounds_duration() {
    let mut env = Env::new();
    let course = json!({
        "resourceType": "MedicationRequest",
        "id": "bd-ltg",
        "status": "completed",
        "intent": "order",
        "subject": {"reference": "urn:uuid:bd"},
        "medicationCodeableConcept": coding(RXNORM, "28439", "Lamotrigine 200 MG Oral Tablet"),
        "authoredOn": "2022-07-01",
        "statusReason": reason("266721009", "No response to treatment"),
        "dosageInstruction": [{
            "timing": {"repeat": {"boundsDuration": {"value": 6, "unit": "months",
                                                     "system": "http://unitsofmeasure.org",
                                                     "code": "mo"},
                                  "frequency": 2, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [{"doseQuantity": {"value": 200, "unit": "mg"}}]
        }]
    });
    let file = env.write_json("bounds.json", &epilepsy_with("bd", course));
    env.import_ok(&file);
    assert_eq!(
        env.rows(
            "SELECT substr(start, 1, 10), substr(end, 1, 10), dates FROM drug_exposures
             WHERE text LIKE 'Lamo%'"
        ),
        [["2022-07-01", "2022-12-28", "stated"]]
    );
    let (status, detail) = status_of(&env, "MRN-bd", "epilepsy");
    assert_eq!(status, "refractory", "{detail}");
}

#[test]
fn a_medication_that_names_only_its_ingredients_is_that_drug() {
    let mut env = Env::new();
    let subject = "urn:uuid:ing";
    let document = bundle(
        "collection",
        &[
            patient("ing", "MRN-ing", "Vik", "Jon"),
            condition("ing-dx", subject, ICD10, "G40.909", "Epilepsy"),
            json!({
                "resourceType": "Medication",
                "id": "combo",
                "ingredient": [
                    {"itemCodeableConcept": coding(RXNORM, "114477", "Levetiracetam")},
                    {"itemCodeableConcept": {"text": "Lactose"}}
                ]
            }),
            json!({
                "resourceType": "MedicationStatement",
                "id": "ing-ms",
                "status": "active",
                "subject": {"reference": subject},
                "medicationReference": {"reference": "Medication/combo"},
                "effectivePeriod": {"start": "2023-01-01"}
            }),
        ],
    );
    let file = env.write_json("ingredients.json", &document);
    let report = env.import(std::slice::from_ref(&file));
    assert_eq!(report.warnings, 0, "{report:#?}");
    assert_eq!(
        env.rows("SELECT text, rxnorm FROM drug_exposures"),
        [["Levetiracetam / Lactose", "114477"]]
    );
}

/// The second schedule stopped for `words` (no code), adequately long.
fn stopped_for(id: &str, words: &str) -> Value {
    with(
        lamotrigine_statement(&format!("{id}-ltg"), &format!("urn:uuid:{id}")),
        &json!({
            "effectivePeriod": {"start": "2022-07-01", "end": "2023-01-15"},
            "statusReason": [{"text": words}]
        }),
    )
}

#[test]
fn stop_reasons_are_read_from_their_words_and_unknown_ones_are_kept_and_counted() {
    let mut env = Env::new();
    for (id, words) in [
        ("w1", "Inadequate response"),
        ("w2", "Secondary loss of response"),
        ("w3", "Primary non-response"),
        ("w4", "Loss of efficacy"),
        ("w5", "Not effective"),
        ("w6", "Treatment failure"),
    ] {
        let file = env.write_json(
            &format!("{id}.json"),
            &epilepsy_with(id, stopped_for(id, words)),
        );
        env.import_ok(&file);
        assert_eq!(
            env.rows(&format!(
                "SELECT stop_reason FROM drug_exposures d JOIN patients p ON p.id = d.patient_id
                 WHERE p.mrn = 'MRN-{id}' AND text LIKE 'Lamo%'"
            )),
            [["lack_of_efficacy"]],
            "{words}"
        );
        assert_eq!(
            status_of(&env, &format!("MRN-{id}"), "epilepsy").0,
            "refractory",
            "{words}"
        );
    }

    // Words nobody wrote into the vocabulary: kept as written, read as no reason, and counted.
    let file = env.write_json(
        "unknown.json",
        &epilepsy_with("uk", stopped_for("uk", "switched to a generic brand")),
    );
    let db = env.path("cli.db");
    let (code, summary, _) = super::cli_import(&db, std::slice::from_ref(&file));
    assert_eq!(code, 0);
    assert_eq!(
        summary["stop_reasons_not_understood"]["switched to a generic brand"], 1,
        "{summary}"
    );
    let output = super::refract()
        .arg("--db")
        .arg(&db)
        .args(["show", "MRN-uk", "--json"])
        .output()
        .unwrap();
    let shown: Value = serde_json::from_slice(&output.stdout).unwrap();
    let lamotrigine = shown["exposures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["text"].as_str().unwrap().starts_with("Lamo"))
        .unwrap()
        .clone();
    assert_eq!(
        lamotrigine["stop_text"], "switched to a generic brand",
        "{lamotrigine}"
    );
    assert!(lamotrigine["stop_reason"].is_null());

    // Words saying the dose changed are understood (the drug went on at its new dose): never
    // counted as words to teach refract (review r5 R5-14).
    let file = env.write_json(
        "dose.json",
        &epilepsy_with("dc", stopped_for("dc", "Dose reduced")),
    );
    let (code, summary, _) = super::cli_import(&env.path("dose.db"), std::slice::from_ref(&file));
    assert_eq!(code, 0);
    assert!(
        summary["stop_reasons_not_understood"]
            .as_object()
            .unwrap()
            .is_empty(),
        "{summary}"
    );

    // A team teaches refract its words with a stop_reasons.toml in a --rules folder.
    let rules = env.path("team-rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(
        rules.join("stop_reasons.toml"),
        "[[reason]]\ncategory = \"lack_of_efficacy\"\nlabel = \"switched\"\nphrases = [\"switched to a generic brand\"]\n",
    )
    .unwrap();
    let taught = env.path("taught.db");
    let output = super::refract()
        .arg("--db")
        .arg(&taught)
        .arg("--rules")
        .arg(&rules)
        .args(["import", "--json"])
        .arg(&file)
        .output()
        .unwrap();
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        summary["stop_reasons_not_understood"]
            .as_object()
            .unwrap()
            .is_empty(),
        "{summary}"
    );
}

/// An observation of `code` (a concept) with `value` (the value[x] elements).
fn finding(id: &str, subject: &str, code: Value, value: Value) -> Value {
    let mut observation = json!({
        "resourceType": "Observation",
        "id": id,
        "status": "final",
        "subject": {"reference": subject},
        "effectiveDateTime": "2024-03-05T09:30:00+01:00"
    });
    observation["code"] = code;
    if let (Some(fields), Value::Object(value)) = (observation.as_object_mut(), value) {
        fields.extend(value);
    }
    observation
}

#[test]
fn every_value_a_criterion_can_use_is_read_and_a_coded_finding_is_yes_or_no() {
    let mut env = Env::new();
    let s = "urn:uuid:val";
    let eeg = json!({"coding": [{"system": "http://loinc.org", "code": "11523-8",
                                 "display": "EEG study"}],
                     "text": "Electrographic seizures"});
    let document = bundle(
        "collection",
        &[
            patient("val", "MRN-val", "Roe", "Kim"),
            finding(
                "v-coded",
                s,
                eeg.clone(),
                json!({"valueCodeableConcept": {
                "coding": [{"system": "http://snomed.info/sct", "code": "52101004", "display": "Present"}]}}),
            ),
            finding(
                "v-positive",
                s,
                eeg.clone(),
                json!({"valueCodeableConcept": {
                "coding": [{"system": "http://snomed.info/sct", "code": "10828004", "display": "Positive"}]}}),
            ),
            finding("v-bool", s, eeg.clone(), json!({"valueBoolean": false})),
            finding(
                "v-string",
                s,
                eeg.clone(),
                json!({"valueString": "Not detected"}),
            ),
            finding(
                "v-words",
                s,
                eeg,
                json!({"valueCodeableConcept": {"text": "Absent"}}),
            ),
            finding(
                "v-other",
                s,
                json!({"text": "Smoking status"}),
                json!({"valueCodeableConcept": {
                "coding": [{"system": "http://snomed.info/sct", "code": "266919005", "display": "Never smoker"}]}}),
            ),
        ],
    );
    let file = env.write_json("values.json", &document);
    env.import_ok(&file);
    assert_eq!(
        env.rows("SELECT source_id, coalesce(value, '-'), value_code FROM observations ORDER BY source_id"),
        [
            ["v-bool", "-", "2667000"],
            ["v-coded", "-", "52101004"],
            ["v-other", "-", "266919005"],
            ["v-positive", "-", "52101004"],
            ["v-string", "-", "2667000"],
            ["v-words", "-", "2667000"]
        ]
    );
}

#[test]
fn a_test_is_named_by_the_code_or_words_the_criteria_know_once() {
    let mut env = Env::new();
    let s = "urn:uuid:nm";
    let document = bundle(
        "collection",
        &[
            patient("nm", "MRN-nm", "Roe", "Kim"),
            // The criterion's name is in a coding's display, not in the text.
            finding(
                "n1",
                s,
                json!({"coding": [{"system": "http://example.org/eeg", "code": "x1",
                                                "display": "cEEG electrographic seizures"}],
                                    "text": "EEG"}),
                json!({"valueBoolean": true}),
            ),
            // The text hides a zero-width space: the same test as the next.
            finding(
                "n2",
                s,
                json!({"text": "Electrographic\u{200b} seizures"}),
                json!({"valueBoolean": false}),
            ),
            finding(
                "n3",
                s,
                json!({"text": "Electrographic seizures"}),
                json!({"valueBoolean": true}),
            ),
            // LOINC's long name for marrow blasts.
            finding(
                "n4",
                s,
                json!({"coding": [{"system": "http://loinc.org", "code": "11150-2",
                                                "display": "Blasts/100 leukocytes in Bone marrow by Manual count"}]}),
                json!({"valueQuantity": {"value": 62, "unit": "%"}}),
            ),
        ],
    );
    let file = env.write_json("names.json", &document);
    env.import_ok(&file);
    assert_eq!(
        env.rows("SELECT source_id, display FROM observations ORDER BY source_id"),
        [
            ["n1", "cEEG electrographic seizures"],
            ["n2", "Electrographic seizures"],
            ["n3", "Electrographic seizures"],
            ["n4", "Blasts/100 leukocytes in Bone marrow by Manual count"]
        ]
    );
    let terms = &env.rules.observation_terms;
    for (code, name) in [
        ("x1", "cEEG electrographic seizures"),
        ("-", "Electrographic seizures"),
        (
            "11150-2",
            "Blasts/100 leukocytes in Bone marrow by Manual count",
        ),
    ] {
        assert!(terms.knows(Some(code), Some(name)), "{name}");
    }
}

/// A patient's names over time (a marriage, a correction): the one in use now is shown and
/// searched, never one whose period ended or marked `old` or `maiden`, whatever the order.
#[test]
fn the_name_in_use_now_is_the_patients_name() {
    let mut env = Env::new();
    let person = |id: &str, names: Value| {
        json!({"resourceType": "Patient", "id": id,
               "identifier": [{"system": "https://example.org/mrn", "value": format!("MRN-{id}")}],
               "name": names, "gender": "female", "birthDate": "1970-01-01"})
    };
    let file = env.write_json(
        "names.json",
        &bundle(
            "collection",
            &[
                person(
                    "married",
                    json!([
                        {"use": "official", "family": "Oldname", "given": ["Ann"],
                         "period": {"end": "2010-06-01"}},
                        {"use": "maiden", "family": "Maiden", "given": ["Ann"]},
                        {"use": "official", "family": "Newname", "given": ["Ann"],
                         "period": {"start": "2010-06-01"}}
                    ]),
                ),
                person(
                    "usual",
                    json!([
                        {"use": "old", "family": "Before", "given": ["Bo"]},
                        {"use": "usual", "family": "Now", "given": ["Bo"]}
                    ]),
                ),
                // An official name whose period ends (later) is still official over a nickname.
                person(
                    "planned",
                    json!([
                        {"use": "nickname", "family": "Nick", "given": ["Evie"]},
                        {"use": "official", "family": "Official", "given": ["Evie"],
                         "period": {"end": "2030-01-01"}}
                    ]),
                ),
            ],
        ),
    );
    env.import_ok(&file);
    assert_eq!(
        env.rows("SELECT mrn, family_name FROM patients ORDER BY mrn"),
        [
            ["MRN-married", "Newname"],
            ["MRN-planned", "Official"],
            ["MRN-usual", "Now"]
        ]
    );
}

#[test]
fn a_start_of_a_year_or_a_month_only_is_some_day_of_it() {
    let dates = |env: &Env| {
        env.rows(
            "SELECT date(start), coalesce(date(end), '-'), dates FROM drug_exposures
             WHERE text LIKE 'Lamo%'",
        )
    };
    // Started "in 2018", stopped on 2018-04-01 for no response: three months, or a day.
    // Whether it ran the 60 days a schedule needs is not known: undecided.
    let mut env = Env::new();
    let yearly = with(
        lamotrigine_statement("ys-ltg", "urn:uuid:ys"),
        &json!({"effectivePeriod": {"start": "2018", "end": "2018-04-01"}}),
    );
    let file = env.write_json("year.json", &epilepsy_with("ys", yearly));
    let report = env.import(std::slice::from_ref(&file));
    assert_eq!((report.imported, report.failed), (1, 0), "{report:#?}");
    assert_eq!(dates(&env), [["2018-04-01", "2018-04-01", "start_unknown"]]);
    let (status, detail) = status_of(&env, "MRN-ys", "epilepsy");
    assert_eq!(status, "insufficient_data", "{detail}");

    // Started "in March 2022", stopped on 2022-09-01: at least five months, whichever day of
    // March. An adequate failed schedule: with the first, refractory.
    let mut env = Env::new();
    let monthly = with(
        lamotrigine_statement("ms-ltg", "urn:uuid:ms"),
        &json!({"effectivePeriod": {"start": "2022-03", "end": "2022-09-01"}}),
    );
    let file = env.write_json("month.json", &epilepsy_with("ms", monthly));
    env.import_ok(&file);
    assert_eq!(dates(&env), [["2022-03-31", "2022-09-01", "start_unknown"]]);
    let (status, detail) = status_of(&env, "MRN-ms", "epilepsy");
    assert_eq!(status, "refractory", "{detail}");

    // Exported and imported into another file, it says the same.
    let exported = env.path("export.json");
    let mut out = std::fs::File::create(&exported).unwrap();
    refract::fhir::write_bundle(&env.store, &[], &mut out).unwrap();
    drop(out);
    let mut copy = Env::new();
    copy.import_ok(&exported);
    assert_eq!(
        dates(&copy),
        [["2022-03-31", "2022-09-01", "start_unknown"]]
    );

    // A year already over when it ended is an end before the start.
    let mut env = Env::new();
    let before = with(
        lamotrigine_statement("yb-ltg", "urn:uuid:yb"),
        &json!({"effectivePeriod": {"start": "2019", "end": "2018-04-01"}}),
    );
    let file = env.write_json("before.json", &epilepsy_with("yb", before));
    let report = env.import(std::slice::from_ref(&file));
    assert!(
        report.files[0]
            .warnings
            .iter()
            .any(|w| w.message.contains("before it starts")),
        "{report:#?}"
    );
}

/// R4 Period: "if the start element is missing, the start of the period is not known". A drug
/// period with an end alone ("stopped in September 2022", a patient's history) is a stated end
/// with an unknown start, in a statement's `effectivePeriod` or a request's `boundsPeriod`:
/// given at least until its end, started on an unknown day before it, never dated by when the
/// record was written; the schedule it could decide is undecided. An end of a month only names
/// no day to count to: kept at its first day with both ends unknown, and said.
#[test]
fn a_period_with_an_end_alone_is_a_stated_end_with_an_unknown_start() {
    let dates = |env: &Env| {
        env.rows(
            "SELECT date(start), coalesce(date(end), '-'), dates FROM drug_exposures
             WHERE text LIKE 'Lamo%'",
        )
    };
    let written = json!({"meta": {"lastUpdated": "2026-11-01T10:00:00Z"}});
    let statement_ended = with(
        with(
            lamotrigine_statement("eo-ltg", "urn:uuid:eo"),
            &json!({"status": "stopped", "effectivePeriod": {"end": "2022-09-15"}}),
        ),
        &written,
    );
    let request_ended = with(
        json!({
            "resourceType": "MedicationRequest",
            "id": "eo-ltg",
            "status": "stopped",
            "intent": "order",
            "reportedBoolean": true,
            "subject": {"reference": "urn:uuid:eo"},
            "medicationCodeableConcept": coding(RXNORM, "28439", "Lamotrigine 200 MG Oral Tablet"),
            "statusReason": [reason("266721009", "No response to treatment")],
            "dosageInstruction": [{
                "doseAndRate": [{"doseQuantity": {"value": 200, "unit": "mg"}}],
                "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d",
                                      "boundsPeriod": {"end": "2022-09-15"}}}}]
        }),
        &written,
    );
    let administration_ended = with(
        json!({
            "resourceType": "MedicationAdministration",
            "id": "eo-ltg",
            "status": "completed",
            "subject": {"reference": "urn:uuid:eo"},
            "medicationCodeableConcept": coding(RXNORM, "28439", "Lamotrigine 200 MG Oral Tablet"),
            "statusReason": [reason("266721009", "No response to treatment")],
            "effectivePeriod": {"end": "2022-09-15"},
            "dosage": {"dose": {"value": 200, "unit": "mg"}}
        }),
        &written,
    );
    for (kind, second) in [
        ("statement", statement_ended),
        ("request", request_ended),
        ("administration", administration_ended),
    ] {
        let mut env = Env::new();
        let file = env.write_json("end-alone.json", &epilepsy_with("eo", second));
        let report = env.import(std::slice::from_ref(&file));
        assert_eq!(
            (report.imported, report.failed),
            (1, 0),
            "{kind}: {report:#?}"
        );
        assert!(
            report.files[0]
                .warnings
                .iter()
                .all(|w| !w.message.contains("no period recorded")),
            "{kind}: {report:#?}"
        );
        assert_eq!(
            dates(&env),
            [["2022-09-15", "2022-09-15", "start_unknown"]],
            "{kind}"
        );
        let (status, detail) = status_of(&env, "MRN-eo", "epilepsy");
        assert_eq!(status, "insufficient_data", "{kind}: {detail}");
        start_stays_unknown(&env.db(), kind);

        // Exported and imported into another file, it says the same.
        let exported = env.path("export.json");
        let mut out = std::fs::File::create(&exported).unwrap();
        refract::fhir::write_bundle(&env.store, &[], &mut out).unwrap();
        drop(out);
        let mut copy = Env::new();
        copy.import_ok(&exported);
        assert_eq!(
            dates(&copy),
            [["2022-09-15", "2022-09-15", "start_unknown"]],
            "{kind}"
        );
        start_stays_unknown(&copy.db(), &format!("{kind}, from its FHIR export"));

        // So does refract's own document.
        let document = env.path("export-own.json");
        let written = super::refract()
            .arg("--db")
            .arg(env.db())
            .args(["export", "--format", "json", "--out"])
            .arg(&document)
            .output()
            .unwrap();
        assert!(written.status.success(), "{written:?}");
        let mut own = Env::new();
        own.import_ok(&document);
        start_stays_unknown(&own.db(), &format!("{kind}, from refract's own document"));
    }

    let mut env = Env::new();
    let month = with(
        lamotrigine_statement("em-ltg", "urn:uuid:em"),
        &json!({"status": "stopped", "effectivePeriod": {"end": "2022-09"}}),
    );
    let file = env.write_json("end-month.json", &epilepsy_with("em", month));
    let report = env.import(std::slice::from_ref(&file));
    assert_eq!(dates(&env), [["2022-09-01", "2022-09-01", "unknown"]]);
    assert!(
        report.files[0]
            .warnings
            .iter()
            .any(|w| w.message.contains("only an end of a month or a year")),
        "{report:#?}"
    );
}

/// What a drug given until 2022-09-15, its start not recorded, shows (review r4 R4-9): its
/// line starts "≤2022-09-15", a bound, never on its end as if someone gave that day; the
/// assessment names no length of it ("0 weeks", "0 days"): the trial's length is undecided.
fn start_stays_unknown(db: &std::path::Path, kind: &str) {
    let output = super::refract()
        .arg("--db")
        .arg(db)
        .args(["show", "MRN-eo"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{kind}: {output:?}");
    let shown = String::from_utf8(output.stdout).unwrap();
    let line = shown
        .lines()
        .find(|line| line.contains("2L") && line.contains("lamotrigine"))
        .unwrap_or_else(|| panic!("{kind}: no lamotrigine line in\n{shown}"));
    assert!(line.contains("≤2022-09-15 → 2022-09-15"), "{kind}: {line}");
    for nobody_gave in ["0 weeks", "(0 days)", "0 days at", " 2022-09 → "] {
        assert!(
            !shown.contains(nobody_gave),
            "{kind}: '{nobody_gave}' in\n{shown}"
        );
    }
    assert!(
        shown.contains(
            "stopped for no response, given until 2022-09-15 from a day not recorded: how long \
             it was given is not recorded"
        ),
        "{kind}: {shown}"
    );
}

/// Partial dates are a range. A drug started "in 2021" (or on a day not recorded) and stopped
/// 16 days before the next began was never given with it: whatever its start, the two are two
/// schedules, never one combination, and whether the first ran long enough is not known
/// (undecided, never "not drug-resistant"). Two drugs surely given together still make one.
#[test]
fn a_drug_stopped_before_the_next_began_is_no_combination_whatever_its_partial_start() {
    let no_response = json!({
        "statusReason": [reason("266721009", "No response to treatment")],
        "dosage": [{"doseAndRate": [{"doseQuantity": {"value": 1500, "unit": "mg"}}],
                    "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}}}]
    });
    let case = |id: &str, first_period: &Value, lamotrigine_start: &str| {
        let subject = format!("urn:uuid:{id}");
        let first = with(
            with(
                statement(
                    &format!("{id}-lev"),
                    &subject,
                    LEVETIRACETAM,
                    "stopped",
                    "2000-01-01",
                    None,
                ),
                &no_response,
            ),
            first_period,
        );
        let second = with(
            lamotrigine_statement(&format!("{id}-ltg"), &subject),
            &json!({"effectivePeriod": {"start": lamotrigine_start, "end": "2023-06-20"}}),
        );
        bundle(
            "collection",
            &[
                patient(id, &format!("MRN-{id}"), "Sand", "Eli"),
                condition(&format!("{id}-dx"), &subject, ICD10, "G40.909", "Epilepsy"),
                first,
                second,
            ],
        )
    };
    let lines = |env: &Env| {
        env.rows("SELECT regimen FROM treatment_lines WHERE ruleset = 'epilepsy' ORDER BY number")
    };
    for (id, period, lamotrigine_start) in [
        (
            "py",
            json!({"effectivePeriod": {"start": "2021", "end": "2021-12-20"}}),
            "2022-01-05",
        ),
        (
            "pe",
            json!({"effectivePeriod": {"end": "2022-09-15"}, "dateAsserted": "2022-09-15"}),
            "2022-10-01",
        ),
    ] {
        let mut env = Env::new();
        let file = env.write_json("partial.json", &case(id, &period, lamotrigine_start));
        env.import_ok(&file);
        assert_eq!(lines(&env), [["levetiracetam"], ["lamotrigine"]], "{id}");
        let (status, detail) = status_of(&env, &format!("MRN-{id}"), "epilepsy");
        assert_eq!(status, "insufficient_data", "{id}: {detail}");
    }

    // Levetiracetam "since 2021" still given when lamotrigine began: one regimen, as before.
    let mut env = Env::new();
    let together = json!({"effectivePeriod": {"start": "2021", "end": "2022-06-01"}});
    let file = env.write_json("together.json", &case("pt", &together, "2022-01-05"));
    env.import_ok(&file);
    assert_eq!(lines(&env), [["lamotrigine + levetiracetam"]]);
}

/// A Procedure with `status`, dated `performed`.
fn procedure(id: &str, subject: &str, status: &str, performed: &str) -> Value {
    json!({
        "resourceType": "Procedure",
        "id": id,
        "status": status,
        "subject": {"reference": subject},
        "code": coding("http://snomed.info/sct", "16210001", "Video electroencephalography"),
        "performedDateTime": performed
    })
}

#[test]
fn a_procedure_being_prepared_under_way_on_hold_or_stopped_is_not_performed() {
    let mut env = Env::new();
    let subject = "urn:uuid:proc-pt";
    let mut resources = vec![patient("proc-pt", "PROC-1", "Okafor", "Ada")];
    for (id, status) in [
        ("p1", "preparation"),
        ("p2", "in-progress"),
        ("p3", "on-hold"),
        ("p4", "stopped"),
        ("p5", "completed"),
        ("p6", "unknown"),
    ] {
        resources.push(procedure(id, subject, status, "2026-03-02"));
    }
    let path = env.write_json("procedures.json", &bundle("collection", &resources));
    let file = env.import_ok(&path);
    let kept = env.rows("SELECT source_id FROM procedures ORDER BY source_id");
    assert_eq!(kept, [["p5"], ["p6"]], "{file:#?}");
    for (id, status) in [
        ("p1", "preparation"),
        ("p2", "in-progress"),
        ("p3", "on-hold"),
        ("p4", "stopped"),
    ] {
        assert!(
            file.warnings
                .iter()
                .any(|w| w.resource == format!("Procedure/{id}")
                    && w.message.starts_with("left out: ")
                    && w.message.contains(status)),
            "no warning for {id} ({status}) in {:#?}",
            file.warnings
        );
    }

    // Sent again completed, it is the procedure; then under way again (a correction), it goes.
    let done = env.write_json(
        "done.json",
        &bundle(
            "collection",
            &[
                patient("proc-pt", "PROC-1", "Okafor", "Ada"),
                procedure("p1", subject, "completed", "2026-03-02"),
            ],
        ),
    );
    env.import_ok(&done);
    let kept = env.rows("SELECT source_id FROM procedures ORDER BY source_id");
    assert_eq!(kept, [["p1"], ["p5"], ["p6"]]);
    let corrected = env.write_json(
        "corrected.json",
        &bundle(
            "collection",
            &[
                patient("proc-pt", "PROC-1", "Okafor", "Ada"),
                procedure("p1", subject, "in-progress", "2026-03-02"),
            ],
        ),
    );
    let file = env.import_ok(&corrected);
    assert_eq!(file.removed, 1, "{file:#?}");
    let kept = env.rows("SELECT source_id FROM procedures ORDER BY source_id");
    assert_eq!(kept, [["p5"], ["p6"]]);
}

/// A transaction names a subject it has no id for by a conditional reference
/// (`Patient?identifier=system|value`, R4 transaction processing), or a resource names it by a
/// logical reference (`subject.identifier`): each is the file's Patient with that identifier.
/// One that names no Patient of the file, or two, is left out with a warning.
#[test]
fn a_subject_named_by_its_identifier_is_the_files_patient_with_it() {
    let mut env = Env::new();
    let system = "urn:oid:1.2.3.4";
    let with_subject = |resource: Value, subject: Value| {
        let mut resource = resource;
        resource["subject"] = subject;
        resource
    };
    let dx = |id: &str, code: &str| condition(id, "-", ICD10, code, "A diagnosis");
    let mut anna = patient("unused", "MRN-A", "Berg", "Anna");
    anna.as_object_mut().unwrap().remove("id");
    anna["identifier"] = json!([{"system": system, "value": "A-1"}]);
    let mut bo = patient("unused", "MRN-B", "Lund", "Bo");
    bo.as_object_mut().unwrap().remove("id");
    bo["identifier"] = json!([{"system": "urn:oid:9.9", "value": "B-1"}, {"value": "SHARED"}]);
    let mut cy = patient("cy", "MRN-C", "Moss", "Cy");
    cy["identifier"] = json!([{"system": "urn:oid:8.8", "value": "SHARED"}]);
    let entry = |url: &str, resource: Value, request: &str| json!({"fullUrl": url, "resource": resource, "request": {"method": "PUT", "url": request}});
    let file = json!({"resourceType": "Bundle", "type": "transaction", "entry": [
        entry("urn:uuid:aaaa", anna, &format!("Patient?identifier={system}|A-1")),
        entry("urn:uuid:bbbb", bo, "Patient?identifier=urn:oid:9.9|B-1"),
        entry("urn:uuid:cccc", cy, "Patient/cy"),
        entry("urn:uuid:d1", with_subject(dx("d1", "I10"),
            json!({"reference": format!("Patient?identifier={system}|A-1")})), "Condition"),
        entry("urn:uuid:d2", with_subject(dx("d2", "E11.9"),
            json!({"reference": "Patient?identifier=urn%3Aoid%3A9.9%7CB-1"})), "Condition"),
        entry("urn:uuid:d3", with_subject(dx("d3", "N18.3"),
            json!({"identifier": {"system": system, "value": "A-1"}})), "Condition"),
        entry("urn:uuid:d4", with_subject(dx("d4", "G40.909"),
            json!({"reference": "Patient?identifier=SHARED"})), "Condition"),
        entry("urn:uuid:d5", with_subject(dx("d5", "F32.9"),
            json!({"reference": format!("Patient?identifier={system}|NOBODY")})), "Condition"),
        entry("urn:uuid:d6", with_subject(dx("d6", "F20.9"),
            json!({"reference": "Patient?name=Berg"})), "Condition"),
    ]});
    let path = env.write_json("transaction.json", &file);
    let report = env.import_ok(&path);
    assert_eq!(
        env.rows(
            "SELECT p.mrn, c.code FROM conditions c JOIN patients p ON p.id = c.patient_id
             ORDER BY c.code"
        ),
        [["B-1", "E11.9"], ["A-1", "I10"], ["A-1", "N18.3"]],
        "{report:#?}"
    );
    for (id, why) in [
        ("d4", "two of the file's Patients"),
        ("d5", "names no Patient of this file"),
        ("d6", "cannot resolve"),
    ] {
        assert!(
            report
                .warnings
                .iter()
                .any(|w| w.resource == format!("Condition/{id}") && w.message.contains(why)),
            "{id}: {:#?}",
            report.warnings
        );
    }
}

/// A MedicationRequest of `drug`, `status`, whose dosage plans `period` (its timing's bounds).
fn planned(
    id: &str,
    subject: &str,
    drug: (&str, &str),
    status: &str,
    period: (&str, &str),
) -> Value {
    json!({
        "resourceType": "MedicationRequest",
        "id": id,
        "status": status,
        "intent": "order",
        "subject": {"reference": subject},
        "medicationCodeableConcept": coding(RXNORM, drug.0, drug.1),
        "authoredOn": period.0,
        "dosageInstruction": [{
            "timing": {"repeat": {
                "frequency": 1, "period": 1, "periodUnit": "d",
                "boundsPeriod": {"start": period.0, "end": period.1}
            }},
            "doseAndRate": [{"doseQuantity": {"value": 300, "unit": "mg"}}]
        }]
    })
}

#[test]
fn a_stopped_order_ended_before_its_planned_end() {
    let mut env = Env::new();
    // Ordered for a year from September 2026, stopped (not tolerated) by the 15th: it ended on
    // a day the record does not give, not in September 2027, and it is not the current drug.
    let stopped = with(
        planned(
            "sp-ltg",
            "urn:uuid:sp",
            ("198429", "Lamotrigine 100 MG Oral Tablet"),
            "stopped",
            ("2026-09-01", "2027-09-01"),
        ),
        &json!({
            "meta": {"lastUpdated": "2026-09-15T10:00:00Z"},
            "statusReason": reason("407563006", "Treatment not tolerated")
        }),
    );
    let file = env.write_json("stopped.json", &epilepsy_with("sp", stopped));
    env.import_ok(&file);
    assert_eq!(
        env.rows(
            "SELECT substr(start, 1, 10), coalesce(substr(end, 1, 10), '-'), dates
             FROM drug_exposures WHERE text LIKE 'Lamo%'"
        ),
        [["2026-09-01", "2026-09-01", "end_unknown"]]
    );
    // No line is ongoing.
    assert_eq!(
        env.int("SELECT count(*) FROM treatment_lines WHERE end IS NULL"),
        0
    );

    // The planned end is the end unless the record was last changed before it: a completed or
    // stopped order last changed after its planned end, or whose record does not say when it
    // was last changed (nothing tells a plan from the day the source wrote as the end), ends
    // on it. An active order runs to its planned end.
    let subject = "urn:uuid:pl";
    let drug = |n: u32| (format!("9100{n}"), format!("Drug {n}"));
    let order = |n: u32, status: &str, period: (&str, &str), updated: Option<&str>| {
        let (code, text) = drug(n);
        let mut resource = planned(&format!("pl-{n}"), subject, (&code, &text), status, period);
        if let Some(updated) = updated {
            resource["meta"] = json!({"lastUpdated": updated});
        }
        resource
    };
    let past = ("2023-01-01", "2023-07-01");
    let document = bundle(
        "collection",
        &[
            patient("pl", "MRN-pl", "Sand", "Ola"),
            order(1, "completed", past, None),
            order(2, "completed", past, Some("2023-07-02T08:00:00Z")),
            order(3, "completed", past, Some("2023-03-01T08:00:00Z")),
            order(4, "stopped", past, Some("2023-08-01T08:00:00Z")),
            order(5, "stopped", past, None),
            order(
                6,
                "active",
                ("2026-09-01", "2027-09-01"),
                Some("2026-09-15T10:00:00Z"),
            ),
            // A statement's period is what was taken; stopped before it ends, it did not run on.
            with(
                statement(
                    "pl-7",
                    subject,
                    ("91007", "Drug 7"),
                    "stopped",
                    "2026-09-01",
                    Some("2027-09-01"),
                ),
                &json!({"meta": {"lastUpdated": "2026-09-15T10:00:00Z"}}),
            ),
        ],
    );
    let file = env.write_json("planned.json", &document);
    env.import_ok(&file);
    assert_eq!(
        env.rows(
            "SELECT text, substr(end, 1, 10), dates FROM drug_exposures
             WHERE text LIKE 'Drug %' ORDER BY text"
        ),
        [
            ["Drug 1", "2023-07-01", "stated"],
            ["Drug 2", "2023-07-01", "stated"],
            ["Drug 3", "2023-01-01", "end_unknown"],
            ["Drug 4", "2023-07-01", "stated"],
            ["Drug 5", "2023-07-01", "stated"],
            ["Drug 6", "2027-09-01", "stated"],
            ["Drug 7", "2026-09-01", "end_unknown"],
        ]
    );
}

/// A logical reference's identifier is matched as written: a `|`, `%` or `&` in its value is
/// part of the value, never a separator or an escape (Alpha's "X|Y" in no system is not Beta's
/// "Y" in system "X").
#[test]
fn a_logical_reference_matches_its_identifier_as_written() {
    let mut env = Env::new();
    let named = |id: &str, mrn: &str, identifiers: Value| {
        let mut p = patient(id, mrn, id, "Test");
        p["identifier"] = identifiers;
        p
    };
    let dx = |id: &str, code: &str, identifier: Value| {
        let mut c = condition(id, "-", ICD10, code, "A diagnosis");
        c["subject"] = json!({"identifier": identifier});
        c
    };
    let file = bundle(
        "collection",
        &[
            named("alpha", "X|Y", json!([{"value": "X|Y"}])),
            named("beta", "Y", json!([{"system": "X", "value": "Y"}])),
            named(
                "gamma",
                "AB%31",
                json!([{"system": "urn:s", "value": "AB%31"}]),
            ),
            named("delta", "AB1", json!([{"system": "urn:s", "value": "AB1"}])),
            named("eps", "P&Q", json!([{"system": "urn:s", "value": "P&Q"}])),
            dx("c1", "G40.909", json!({"value": "X|Y"})),
            dx("c2", "I10", json!({"system": "urn:s", "value": "AB%31"})),
            dx("c3", "E11.9", json!({"system": "urn:s", "value": "P&Q"})),
        ],
    );
    let path = env.write_json("logical.json", &file);
    let report = env.import_ok(&path);
    assert_eq!(
        env.rows(
            "SELECT p.mrn, c.code FROM conditions c JOIN patients p ON p.id = c.patient_id
             ORDER BY c.code"
        ),
        [["P&Q", "E11.9"], ["X|Y", "G40.909"], ["AB%31", "I10"]],
        "{report:#?}"
    );
}

/// Another server's Medication/1 is not this file's Patient/1's server's concern: only a
/// Patient reference is checked against the file's Patients.
#[test]
fn a_medication_on_another_server_is_read_whatever_the_patients_ids() {
    let mut env = Env::new();
    let (ehr, pharmacy) = ("https://ehr.example/fhir", "https://pharmacy.example/fhir");
    let file = json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": format!("{ehr}/Patient/1"), "resource": patient("1", "MRN-1", "One", "Pat")},
        {"fullUrl": format!("{pharmacy}/Medication/1"), "resource": {
            "resourceType": "Medication", "id": "1",
            "code": coding(RXNORM, "28439", "Lamotrigine 100 MG Oral Tablet")}},
        {"fullUrl": format!("{ehr}/MedicationStatement/s1"), "resource": {
            "resourceType": "MedicationStatement", "id": "s1", "status": "active",
            "subject": {"reference": format!("{ehr}/Patient/1")},
            "medicationReference": {"reference": format!("{pharmacy}/Medication/1")},
            "effectivePeriod": {"start": "2024-01-01"}}}
    ]});
    let path = env.write_json("pharmacy.json", &file);
    let report = env.import_ok(&path);
    assert_eq!(
        env.rows("SELECT text FROM drug_exposures"),
        [["Lamotrigine 100 MG Oral Tablet"]],
        "{report:#?}"
    );
}

/// A start of the month still under way is no later than the record saying the drug was
/// taken was written (`dateAsserted`, `meta.lastUpdated`): never a day still to come.
#[test]
fn a_start_of_this_month_is_no_later_than_the_record_was_written() {
    let mut env = Env::new();
    let this_month = with(
        lamotrigine_statement("tm-ltg", "urn:uuid:tm"),
        &json!({"status": "active", "effectivePeriod": {"start": "2026-11"},
                "dateAsserted": "2026-11-12", "meta": {"lastUpdated": "2026-11-20T08:00:00Z"}}),
    );
    let file = env.write_json("this-month.json", &epilepsy_with("tm", this_month));
    env.import_ok(&file);
    assert_eq!(
        env.rows(
            "SELECT date(start), coalesce(date(end), '-'), dates FROM drug_exposures
             WHERE text LIKE 'Lamo%'"
        ),
        [["2026-11-12", "-", "start_unknown"]]
    );

    // Asserted in a month only: some day of it, no earlier than its last for this bound.
    let mut env = Env::new();
    let asserted_in_month = with(
        lamotrigine_statement("am-ltg", "urn:uuid:am"),
        &json!({"status": "active", "effectivePeriod": {"start": "2024-03"},
                "dateAsserted": "2024-03"}),
    );
    let file = env.write_json(
        "asserted-month.json",
        &epilepsy_with("am", asserted_in_month),
    );
    env.import_ok(&file);
    assert_eq!(
        env.rows(
            "SELECT date(start), coalesce(date(end), '-'), dates FROM drug_exposures
             WHERE text LIKE 'Lamo%'"
        ),
        [["2024-03-31", "-", "start_unknown"]]
    );
}

/// R4 `Timing.repeat.bounds[x]` is a Duration, a Range or a Period: a range of durations (8 to 9
/// months) was ignored, the order read as lasting no time. It lasted at least its low.
#[test]
fn a_request_lasts_at_least_the_low_of_its_bounds_range() {
    let mut env = Env::new();
    let months = |value: i64| json!({"value": value, "unit": "months", "system": "http://unitsofmeasure.org", "code": "mo"});
    let course = json!({
        "resourceType": "MedicationRequest",
        "id": "br-ltg",
        "status": "completed",
        "intent": "order",
        "subject": {"reference": "urn:uuid:br"},
        "medicationCodeableConcept": coding(RXNORM, "28439", "Lamotrigine 200 MG Oral Tablet"),
        "authoredOn": "2022-07-01",
        "statusReason": reason("266721009", "No response to treatment"),
        "dosageInstruction": [{
            "timing": {"repeat": {"boundsRange": {"low": months(6), "high": months(9)},
                                  "frequency": 2, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [{"doseQuantity": {"value": 200, "unit": "mg"}}]
        }]
    });
    let file = env.write_json("bounds-range.json", &epilepsy_with("br", course));
    env.import_ok(&file);
    assert_eq!(
        env.rows(
            "SELECT substr(start, 1, 10), substr(end, 1, 10), dates FROM drug_exposures
             WHERE text LIKE 'Lamo%'"
        ),
        [["2022-07-01", "2022-12-28", "stated"]]
    );
    let (status, detail) = status_of(&env, "MRN-br", "epilepsy");
    assert_eq!(status, "refractory", "{detail}");
}
