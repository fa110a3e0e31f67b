//! Medications: how the drug is named (a concept, a Medication in the bundle, a contained one),
//! when it was given (every date element), why it stopped (statusReason, the mCODE extension),
//! the three resources, the daily dose; then the clinical end-to-end on the command line.

use serde_json::{Value, json};

use super::{
    Env, MCODE_TERMINATION, RXNORM, bundle, cli_import, coding, epilepsy_bundle, patient, reason,
    refract, statement, with,
};

const SUBJECT: &str = "urn:uuid:med-pt";

/// A bundle of the medication-test patient and `resources`.
fn patient_with(resources: &[Value]) -> Value {
    let mut all = vec![patient("med-pt", "MED-1", "Quist", "Lena")];
    all.extend_from_slice(resources);
    bundle("collection", &all)
}

fn request(id: &str, status: &str, extra: &Value) -> Value {
    with(
        json!({
            "resourceType": "MedicationRequest",
            "id": id,
            "status": status,
            "intent": "order",
            "subject": {"reference": SUBJECT}
        }),
        extra,
    )
}

fn drug(code: &str, text: &str) -> Value {
    json!({"medicationCodeableConcept": coding(RXNORM, code, text)})
}

/// The exposures, one row each: text, rxnorm, start, end, dose, stop reason.
fn exposures(env: &Env) -> Vec<Vec<String>> {
    env.rows(
        "SELECT text, coalesce(rxnorm, '-'), start, coalesce(end, '-'),
                coalesce(dose_value || ' ' || dose_unit, '-'), coalesce(stop_reason, '-')
         FROM drug_exposures ORDER BY text",
    )
}

/// The row of the exposure whose text is `text`.
fn exposure(env: &Env, text: &str) -> Vec<String> {
    let rows = exposures(env);
    rows.into_iter()
        .find(|row| row[0] == text)
        .unwrap_or_else(|| panic!("no exposure '{text}'"))
}

#[test]
fn medication_codeable_concept() {
    let mut env = Env::new();
    let path = env.write_json(
        "cc.json",
        &patient_with(&[request(
            "r1",
            "active",
            &with(
                drug("197319", "Allopurinol 100 MG Oral Tablet"),
                &json!({"authoredOn": "2021-02-03T11:00:00+00:00"}),
            ),
        )]),
    );
    let file = env.import_ok(&path);
    assert_eq!(file.exposures, 1);
    assert_eq!(
        exposures(&env),
        [[
            "Allopurinol 100 MG Oral Tablet",
            "197319",
            "2021-02-03 11:00:00",
            "-",
            "-",
            "-"
        ]]
    );
}

/// R4 reads a CodeableConcept's text and codings as one concept: a text the drug book does not
/// know (a pharmacy's brand line) must not hide a coding whose display it knows, in a record's
/// own concept or a Medication's code. A text it knows, or one beside displays it does not
/// know either, is kept.
#[test]
fn a_text_the_drug_book_does_not_know_does_not_hide_a_coding_it_knows() {
    let mut env = Env::new();
    let concept = |code: Option<&str>, display: &str, text: &str| {
        let mut coding = json!({"system": RXNORM, "display": display});
        if let Some(code) = code {
            coding["code"] = json!(code);
        }
        json!({"coding": [coding], "text": text})
    };
    let document = patient_with(&[
        request(
            "r-brand",
            "active",
            &json!({"medicationCodeableConcept": concept(
                        None,
                        "olanzapine 20 MG / samidorphan 10 MG Oral Tablet",
                        "OLZ/SAMID 20-10 MG PO TABS"),
                    "authoredOn": "2024-01-10"}),
        ),
        json!({"resourceType": "Medication", "id": "med-brand",
               "code": concept(Some("2539806"),
                               "olanzapine 10 MG / samidorphan 10 MG Oral Tablet",
                               "OLZ/SAMID 10-10 TAB")}),
        request(
            "r-ref",
            "active",
            &json!({"medicationReference": {"reference": "Medication/med-brand"},
                    "authoredOn": "2024-02-10"}),
        ),
        request(
            "r-known",
            "active",
            &json!({"medicationCodeableConcept": concept(
                        None, "aripiprazole 30 MG Oral Tablet", "aripiprazole 30 mg tablet"),
                    "authoredOn": "2024-03-10"}),
        ),
        request(
            "r-unknown",
            "active",
            &json!({"medicationCodeableConcept": concept(
                        None, "Multivitamin Oral Tablet", "House vitamins"),
                    "authoredOn": "2024-04-10"}),
        ),
    ]);
    let path = env.write_json("brands.json", &document);
    env.import_ok(&path);
    let named: Vec<String> = exposures(&env)
        .into_iter()
        .map(|row| row[0].clone())
        .collect();
    assert_eq!(
        named,
        [
            "House vitamins",
            "aripiprazole 30 mg tablet",
            "olanzapine 10 MG / samidorphan 10 MG Oral Tablet",
            "olanzapine 20 MG / samidorphan 10 MG Oral Tablet",
        ]
    );
}

#[test]
fn a_concept_of_blank_words_names_no_drug() {
    // Real exports carry `"text": ""`: a record whose medication is only blanks, or a coding
    // without a code or words, is not stored as a drug without a name.
    let mut env = Env::new();
    let path = env.write_json(
        "blank.json",
        &patient_with(&[
            request(
                "r-blank",
                "active",
                &json!({"medicationCodeableConcept": {"text": "   "}, "authoredOn": "2021-02-03"}),
            ),
            request(
                "r-empty-coding",
                "active",
                &json!({"medicationCodeableConcept": {"coding": [{"system": RXNORM, "display": " "}], "text": ""}, "authoredOn": "2021-02-04"}),
            ),
            // Blank words beside a code: the code names it.
            request(
                "r-coded",
                "active",
                &json!({"medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "197319"}], "text": " "}, "authoredOn": "2021-02-05"}),
            ),
        ]),
    );
    let file = env.import_ok(&path);
    assert_eq!(file.exposures, 1, "{file:#?}");
    assert_eq!(
        env.int("SELECT count(*) FROM drug_exposures WHERE rxnorm = '197319'"),
        1
    );
    assert_eq!(
        env.int("SELECT count(*) FROM drug_exposures WHERE trim(text) = '' AND rxnorm IS NULL AND atc IS NULL"),
        0
    );
}

#[test]
fn medication_reference_to_a_medication_in_the_bundle() {
    let mut env = Env::new();
    let medication = |id: &str, code: &str, text: &str| json!({"resourceType": "Medication", "id": id, "code": coding(RXNORM, code, text)});
    let document = patient_with(&[
        medication("med-a", "310965", "Ibuprofen 200 MG Oral Tablet"),
        medication("med-b", "197361", "Amlodipine 5 MG Oral Tablet"),
        medication("med-c", "860975", "Metformin 500 MG Oral Tablet"),
        // By the entry's full URL (urn:uuid:…).
        request(
            "r-a",
            "active",
            &json!({"medicationReference": {"reference": "urn:uuid:med-a"}, "authoredOn": "2021-01-01"}),
        ),
        // By type and id.
        request(
            "r-b",
            "active",
            &json!({"medicationReference": {"reference": "Medication/med-b"}, "authoredOn": "2021-01-02"}),
        ),
        // By an absolute URL on a server.
        request(
            "r-c",
            "active",
            &json!({"medicationReference": {"reference": "https://ehr.example.org/fhir/Medication/med-c"}, "authoredOn": "2021-01-03"}),
        ),
    ]);
    let path = env.write_json("refs.json", &document);
    let file = env.import_ok(&path);
    assert_eq!(file.exposures, 3);
    assert!(
        !file.skipped.contains_key("Medication"),
        "Medications are read"
    );
    let named: Vec<(String, String)> = exposures(&env)
        .into_iter()
        .map(|row| (row[0].clone(), row[1].clone()))
        .collect();
    assert_eq!(
        named,
        [
            ("Amlodipine 5 MG Oral Tablet".into(), "197361".into()),
            ("Ibuprofen 200 MG Oral Tablet".into(), "310965".into()),
            ("Metformin 500 MG Oral Tablet".into(), "860975".into()),
        ]
    );
}

#[test]
fn medication_reference_to_a_contained_medication() {
    let mut env = Env::new();
    let document = patient_with(&[json!({
        "resourceType": "MedicationStatement",
        "id": "s-contained",
        "status": "active",
        "subject": {"reference": SUBJECT},
        "contained": [
            {"resourceType": "Organization", "id": "med", "name": "not a medication"},
            {"resourceType": "Medication", "id": "med", "code": coding(RXNORM, "1099870", "Valproate 500 MG Delayed Release Oral Tablet")}
        ],
        "medicationReference": {"reference": "#med"},
        "effectiveDateTime": "2022-09-09"
    })]);
    let path = env.write_json("contained.json", &document);
    env.import_ok(&path);
    let row = exposure(&env, "Valproate 500 MG Delayed Release Oral Tablet");
    assert_eq!(row[1], "1099870");
    assert_eq!(row[2], "2022-09-09 00:00:00");
}

/// A contained Medication (`#med`) beside a Medication of the same id in the bundle: R4 says
/// `#id` names the resource's own contained one, `Medication/id` the bundle's. Each of the
/// four resources that name a drug gets its own, never the other's (a wrong drug counted).
#[test]
fn a_contained_medication_shadows_none_of_the_bundles() {
    let mut env = Env::new();
    let contained = json!([{"resourceType": "Medication", "id": "med",
        "code": coding(RXNORM, "1099870", "Valproate 500 MG Delayed Release Oral Tablet")}]);
    let mut resources = vec![json!({
        "resourceType": "Medication", "id": "med",
        "code": coding(RXNORM, "198427", "Lamotrigine 100 MG Oral Tablet")
    })];
    for (kind, date) in [
        ("MedicationStatement", "effectiveDateTime"),
        ("MedicationRequest", "authoredOn"),
        ("MedicationDispense", "whenHandedOver"),
        ("MedicationAdministration", "effectiveDateTime"),
    ] {
        for (suffix, reference) in [("own", "#med"), ("bundle", "Medication/med")] {
            let mut resource = json!({
                "resourceType": kind, "id": format!("{kind}-{suffix}"),
                "status": if kind == "MedicationRequest" { "active" } else { "completed" },
                "subject": {"reference": SUBJECT},
                "contained": contained,
                "medicationReference": {"reference": reference},
                date: "2022-09-09",
            });
            if kind == "MedicationRequest" {
                resource["intent"] = json!("order");
            }
            resources.push(resource);
        }
    }
    let path = env.write_json("contained-beside.json", &patient_with(&resources));
    let file = env.import_ok(&path);
    assert_eq!(file.exposures, 8, "{:?}", file.warnings);
    let by_resource = env.rows("SELECT source_id, rxnorm FROM drug_exposures ORDER BY 1");
    assert_eq!(by_resource.len(), 8, "{by_resource:?}");
    for row in &by_resource {
        let want = if row[0].ends_with("-own") {
            "1099870"
        } else {
            "198427"
        };
        assert_eq!(row[1], want, "{row:?}");
    }
}

#[test]
fn start_and_end_from_every_date_element() {
    let mut env = Env::new();
    let document = patient_with(&[
        // effectivePeriod: both ends.
        statement(
            "d1",
            SUBJECT,
            ("900001", "Drug A 10 MG Oral Tablet"),
            "completed",
            "2020-01-05",
            Some("2020-03-01T18:00:00Z"),
        ),
        // effectiveDateTime, still taken: no end.
        json!({
            "resourceType": "MedicationStatement", "id": "d2", "status": "active",
            "subject": {"reference": SUBJECT},
            "medicationCodeableConcept": coding(RXNORM, "900002", "Drug B 10 MG Oral Tablet"),
            "effectiveDateTime": "2020-04-01T10:00:00+02:00"
        }),
        // authoredOn.
        request(
            "d3",
            "active",
            &with(
                drug("900003", "Drug C 10 MG Oral Tablet"),
                &json!({"authoredOn": "2020-05-01"}),
            ),
        ),
        // dosageInstruction.timing.repeat.boundsPeriod, no authoredOn.
        request(
            "d4",
            "completed",
            &with(
                drug("900004", "Drug D 10 MG Oral Tablet"),
                &json!({"dosageInstruction": [{"timing": {"repeat": {
                    "boundsPeriod": {"start": "2020-06-01", "end": "2020-08-01"}
                }}}]}),
            ),
        ),
        // authoredOn with the course's end in boundsPeriod.
        request(
            "d5",
            "completed",
            &with(
                drug("900005", "Drug E 10 MG Oral Tablet"),
                &json!({"authoredOn": "2020-05-15", "dosageInstruction": [{"timing": {"repeat": {
                    "boundsPeriod": {"end": "2020-09-30"}
                }}}]}),
            ),
        ),
    ]);
    let path = env.write_json("dates.json", &document);
    env.import_ok(&path);
    let span = |text: &str| {
        let row = exposure(&env, text);
        (row[2].clone(), row[3].clone())
    };
    assert_eq!(
        span("Drug A 10 MG Oral Tablet"),
        ("2020-01-05 00:00:00".into(), "2020-03-01 18:00:00".into())
    );
    assert_eq!(
        span("Drug B 10 MG Oral Tablet"),
        ("2020-04-01 08:00:00".into(), "-".into()),
        "the instant in UTC"
    );
    assert_eq!(
        span("Drug C 10 MG Oral Tablet"),
        ("2020-05-01 00:00:00".into(), "-".into())
    );
    assert_eq!(
        span("Drug D 10 MG Oral Tablet"),
        ("2020-06-01 00:00:00".into(), "2020-08-01 00:00:00".into())
    );
    assert_eq!(
        span("Drug E 10 MG Oral Tablet"),
        ("2020-05-15 00:00:00".into(), "2020-09-30 00:00:00".into())
    );
}

#[test]
fn stop_reason_from_status_reason() {
    let mut env = Env::new();
    let document = patient_with(&[
        // MedicationStatement.statusReason is a list.
        with(
            statement(
                "s1",
                SUBJECT,
                ("900011", "Drug F"),
                "stopped",
                "2020-01-01",
                Some("2020-06-01"),
            ),
            &json!({"statusReason": [reason("266721009", "No response to treatment")]}),
        ),
        // MedicationRequest.statusReason is one concept.
        request(
            "s2",
            "stopped",
            &with(
                drug("900012", "Drug G"),
                &json!({"authoredOn": "2020-01-01",
                        "statusReason": reason("407563006", "Treatment not tolerated")}),
            ),
        ),
        request(
            "s3",
            "stopped",
            &with(
                drug("900013", "Drug H"),
                &json!({"authoredOn": "2020-01-01",
                        "statusReason": reason("7058009", "Noncompliance with treatment")}),
            ),
        ),
        // Words only: read from the text.
        with(
            statement(
                "s4",
                SUBJECT,
                ("900014", "Drug I"),
                "stopped",
                "2020-01-01",
                Some("2020-02-01"),
            ),
            &json!({"statusReason": [{"text": "Stopped: not tolerated (rash)"}]}),
        ),
        // Stopped with no reason given: none is made up.
        statement(
            "s5",
            SUBJECT,
            ("900015", "Drug J"),
            "stopped",
            "2020-01-01",
            Some("2020-02-01"),
        ),
    ]);
    let path = env.write_json("reasons.json", &document);
    env.import_ok(&path);
    let reason_of = |text: &str| exposure(&env, text)[5].clone();
    assert_eq!(reason_of("Drug F"), "lack_of_efficacy");
    assert_eq!(reason_of("Drug G"), "intolerance");
    assert_eq!(reason_of("Drug H"), "noncompliance");
    assert_eq!(reason_of("Drug I"), "intolerance");
    assert_eq!(reason_of("Drug J"), "-");
}

#[test]
fn stop_reason_from_the_mcode_termination_reason_extension() {
    let mut env = Env::new();
    let terminated = |id: &str, code: &str, text: &str, url: &str, stop: &str| {
        request(
            id,
            "stopped",
            &with(
                drug(code, text),
                &json!({
                    "authoredOn": "2021-01-01",
                    "extension": [
                        {"url": "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-treatment-intent",
                         "valueCodeableConcept": reason("363676003", "Palliative")},
                        {"url": url, "valueCodeableConcept": reason(stop, "")}
                    ]
                }),
            ),
        )
    };
    let document = patient_with(&[
        // The mCODE STU2+ extension.
        terminated("t1", "900021", "Drug K", MCODE_TERMINATION, "266721009"),
        terminated("t2", "900022", "Drug L", MCODE_TERMINATION, "182992009"),
        terminated("t3", "900023", "Drug M", MCODE_TERMINATION, "407563006"),
        // The STU1 extension (mcode-termination-reason), same value set.
        terminated(
            "t4",
            "900024",
            "Drug N",
            "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-termination-reason",
            "7058009",
        ),
        // The extension wins over a vaguer statusReason.
        with(
            terminated("t5", "900025", "Drug O", MCODE_TERMINATION, "266721009"),
            &json!({"statusReason": {"text": "stopped"}}),
        ),
    ]);
    let path = env.write_json("mcode.json", &document);
    env.import_ok(&path);
    let reason_of = |text: &str| exposure(&env, text)[5].clone();
    assert_eq!(reason_of("Drug K"), "lack_of_efficacy");
    assert_eq!(reason_of("Drug L"), "completed");
    assert_eq!(reason_of("Drug M"), "intolerance");
    assert_eq!(reason_of("Drug N"), "noncompliance");
    assert_eq!(reason_of("Drug O"), "lack_of_efficacy");
}

#[test]
fn medication_statement_and_administration() {
    let mut env = Env::new();
    let document = patient_with(&[
        json!({
            "resourceType": "MedicationStatement", "id": "ms", "status": "completed",
            "subject": {"reference": SUBJECT},
            "medicationCodeableConcept": coding(RXNORM, "900031", "Drug P"),
            "effectivePeriod": {"start": "2019-02-01", "end": "2019-05-01"},
            "dosage": [{"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                        "doseAndRate": [{"doseQuantity": {"value": 20, "unit": "mg"}}]}]
        }),
        // One administration at a time: given at that time.
        json!({
            "resourceType": "MedicationAdministration", "id": "ma1", "status": "completed",
            "subject": {"reference": SUBJECT},
            "medicationCodeableConcept": coding(RXNORM, "900032", "Drug Q"),
            "effectiveDateTime": "2024-02-10T14:30:00Z",
            "dosage": {"dose": {"value": 1000, "unit": "mg"}, "route": {"text": "Intravenous"}}
        }),
        // An infusion over a period, with a rate.
        json!({
            "resourceType": "MedicationAdministration", "id": "ma2", "status": "completed",
            "subject": {"reference": SUBJECT},
            "medicationCodeableConcept": coding(RXNORM, "900033", "Drug R"),
            "effectivePeriod": {"start": "2024-02-11T08:00:00Z", "end": "2024-02-12T08:00:00Z"},
            "dosage": {"rateQuantity": {"value": 2, "unit": "mg/kg/h"}}
        }),
    ]);
    let path = env.write_json("ms-ma.json", &document);
    let file = env.import_ok(&path);
    assert_eq!(file.exposures, 3);
    assert_eq!(
        exposure(&env, "Drug P")[2..5],
        ["2019-02-01 00:00:00", "2019-05-01 00:00:00", "20.0 mg/d"]
    );
    assert_eq!(
        exposure(&env, "Drug Q")[2..5],
        ["2024-02-10 14:30:00", "2024-02-10 14:30:00", "1000.0 mg"]
    );
    assert_eq!(
        exposure(&env, "Drug R")[2..5],
        ["2024-02-11 08:00:00", "2024-02-12 08:00:00", "2.0 mg/kg/h"]
    );
    assert_eq!(
        env.rows("SELECT route, role FROM drug_exposures WHERE text IN ('Drug Q', 'Drug R') ORDER BY text"),
        [["Intravenous", "NULL"], ["NULL", "anesthetic_infusion"]]
    );
}

#[test]
fn not_taken_and_not_done_are_not_exposures() {
    // A statement that the drug was not taken, an administration not done, a prescription
    // cancelled before anything was given: none is a drug exposure (nor a failed line).
    let mut env = Env::new();
    let document = patient_with(&[
        statement(
            "n1",
            SUBJECT,
            ("900041", "Drug S"),
            "not-taken",
            "2021-01-01",
            Some("2021-06-01"),
        ),
        json!({
            "resourceType": "MedicationAdministration", "id": "n2", "status": "not-done",
            "subject": {"reference": SUBJECT},
            "medicationCodeableConcept": coding(RXNORM, "900042", "Drug T"),
            "effectiveDateTime": "2024-02-10T14:30:00Z"
        }),
        request(
            "n3",
            "cancelled",
            &with(
                drug("900043", "Drug U"),
                &json!({"authoredOn": "2021-01-01"}),
            ),
        ),
        request(
            "n4",
            "entered-in-error",
            &with(
                drug("900044", "Drug V"),
                &json!({"authoredOn": "2021-01-01"}),
            ),
        ),
        statement(
            "n5",
            SUBJECT,
            ("900045", "Drug W"),
            "active",
            "2021-01-01",
            None,
        ),
    ]);
    let path = env.write_json("not-taken.json", &document);
    let file = env.import_ok(&path);
    let texts: Vec<String> = exposures(&env).into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(texts, ["Drug W"]);
    assert_eq!(file.exposures, 1);
}

#[test]
fn renewals_merge_and_a_rechallenge_does_not() {
    let mut env = Env::new();
    let renewal = |id: &str, status: &str, authored: &str| {
        request(
            id,
            status,
            &with(
                drug("17767", "Amlodipine 5 MG Oral Tablet"),
                &json!({"authoredOn": authored,
                        "dispenseRequest": {"numberOfRepeatsAllowed": 1,
                                            "expectedSupplyDuration": {"value": 90, "unit": "days", "code": "d"}}}),
            ),
        )
    };
    let document = patient_with(&[
        // An order renewed at every visit (as EHRs and Synthea write them), each for 90 days and
        // a repeat, six months apart: one exposure. The last is active but its supply ran out
        // years ago, never renewed: given at least until then, not ongoing.
        renewal("rn1", "stopped", "2019-01-10"),
        renewal("rn2", "stopped", "2019-07-12"),
        renewal("rn3", "active", "2020-01-15"),
        // A drug stopped for no response on a recorded date, then tried again months later: two
        // exposures, the first one failed.
        with(
            statement(
                "rc1",
                SUBJECT,
                ("114477", "Levetiracetam 500 MG Oral Tablet"),
                "stopped",
                "2021-01-10",
                Some("2021-05-01"),
            ),
            &json!({"statusReason": [reason("266721009", "No response to treatment")]}),
        ),
        statement(
            "rc2",
            SUBJECT,
            ("114477", "Levetiracetam 500 MG Oral Tablet"),
            "active",
            "2021-11-01",
            None,
        ),
        // The same with orders (no end dates): an order stopped for no response is not renewed
        // by a new order months later, and the new one does not inherit its stop reason.
        request(
            "ro1",
            "stopped",
            &with(
                drug("28439", "Lamotrigine 100 MG Oral Tablet"),
                &json!({"authoredOn": "2022-01-10",
                        "statusReason": reason("266721009", "No response to treatment")}),
            ),
        ),
        request(
            "ro2",
            "active",
            &with(
                drug("28439", "Lamotrigine 100 MG Oral Tablet"),
                &json!({"authoredOn": "2022-09-10"}),
            ),
        ),
    ]);
    let path = env.write_json("renewals.json", &document);
    env.import_ok(&path);
    assert_eq!(
        env.rows(
            "SELECT text, substr(start, 1, 10), coalesce(substr(end, 1, 10), '-'),
                    coalesce(stop_reason, '-')
             FROM drug_exposures ORDER BY start"
        ),
        [
            [
                "Amlodipine 5 MG Oral Tablet",
                "2019-01-10",
                "2020-07-13",
                "-"
            ],
            [
                "Levetiracetam 500 MG Oral Tablet",
                "2021-01-10",
                "2021-05-01",
                "lack_of_efficacy"
            ],
            ["Levetiracetam 500 MG Oral Tablet", "2021-11-01", "-", "-"],
            [
                "Lamotrigine 100 MG Oral Tablet",
                "2022-01-10",
                "2022-01-10",
                "lack_of_efficacy"
            ],
            ["Lamotrigine 100 MG Oral Tablet", "2022-09-10", "-", "-"],
        ]
    );
}

/// An order of `text` (RxNorm `code`) written on `authored` with `status`, at `mg` a day
/// (once a day), and `extra` fields (its `dispenseRequest`, a `statusReason`).
fn order_of(
    id: &str,
    (code, text): (&str, &str),
    status: &str,
    authored: &str,
    mg: f64,
    extra: &Value,
) -> Value {
    request(
        id,
        status,
        &with(
            with(
                drug(code, text),
                &json!({
                    "authoredOn": authored,
                    "dosageInstruction": [{
                        "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                        "doseAndRate": [{"doseQuantity": {"value": mg, "unit": "mg"}}]
                    }]
                }),
            ),
            extra,
        ),
    )
}

/// A `dispenseRequest` of `days` a fill and `repeats` more fills.
fn supplied(days: i64, repeats: i64) -> Value {
    json!({"dispenseRequest": {
        "numberOfRepeatsAllowed": repeats,
        "expectedSupplyDuration": {"value": days, "unit": "days", "system": "http://unitsofmeasure.org", "code": "d"}
    }})
}

/// (text, start day, end day or "-", dose, stop reason) of every exposure, by start then text.
fn courses(env: &Env) -> Vec<Vec<String>> {
    env.rows(
        "SELECT text, substr(start, 1, 10), coalesce(substr(end, 1, 10), '-'),
                coalesce(dose_value || ' ' || dose_unit, '-'), coalesce(stop_reason, '-')
         FROM drug_exposures ORDER BY start, text",
    )
}

#[test]
fn a_renewal_continues_a_course_only_within_the_supply_before_it_and_the_grace_gap() {
    let mut env = Env::new();
    let lev = ("114477", "Levetiracetam 500 MG Oral Tablet");
    let ltg = ("28439", "Lamotrigine 100 MG Oral Tablet");
    let lcm = ("1099870", "Lacosamide 100 MG Oral Tablet");
    let vpa = ("40254", "Valproate 500 MG Oral Tablet");
    let top = ("38404", "Topiramate 100 MG Oral Tablet");
    let no_response = json!({"statusReason": {"text": "Lack of efficacy"}});
    let document = patient_with(&[
        // A month's supply, then another ten months later: two courses, the first the month
        // its supply covers (completed: all of it given), not ten months.
        order_of(
            "l1",
            lev,
            "completed",
            "2015-01-05",
            1500.0,
            &supplied(30, 0),
        ),
        order_of(
            "l2",
            lev,
            "stopped",
            "2015-11-02",
            1500.0,
            &with(supplied(30, 0), &no_response),
        ),
        // 90 days and 3 repeats is a year's supply: a renewal eleven months on continues it.
        order_of(
            "t1",
            ltg,
            "completed",
            "2016-01-04",
            200.0,
            &supplied(90, 3),
        ),
        order_of(
            "t2",
            ltg,
            "stopped",
            "2016-12-05",
            200.0,
            &with(supplied(90, 3), &no_response),
        ),
        // 60 tablets of 100 mg at 200 mg a day last 30 days: a renewal 75 days on is a restart.
        order_of(
            "c1",
            lcm,
            "completed",
            "2018-01-01",
            200.0,
            &json!({"dispenseRequest": {"quantity": {"value": 60, "unit": "TAB"}}}),
        ),
        order_of(
            "c2",
            lcm,
            "completed",
            "2018-03-17",
            200.0,
            &json!({"dispenseRequest": {"quantity": {"value": 60, "unit": "TAB"}}}),
        ),
        // Valid to be dispensed for six months: a renewal five months on continues it.
        order_of(
            "v1",
            vpa,
            "completed",
            "2019-01-07",
            1000.0,
            &json!({"dispenseRequest": {"validityPeriod": {"start": "2019-01-07", "end": "2019-07-07"}}}),
        ),
        order_of("v2", vpa, "stopped", "2019-06-03", 1000.0, &no_response),
        // Nothing says how long an order lasts: it reaches a month (OHDSI's written
        // prescription), so orders six months apart are two courses.
        order_of("p1", top, "completed", "2020-01-06", 200.0, &json!({})),
        order_of("p2", top, "stopped", "2020-07-06", 200.0, &no_response),
    ]);
    let path = env.write_json("supplies.json", &document);
    env.import_ok(&path);
    assert_eq!(
        courses(&env),
        [
            [
                "Levetiracetam 500 MG Oral Tablet",
                "2015-01-05",
                "2015-02-04",
                "1500.0 mg/d",
                "-"
            ],
            [
                "Levetiracetam 500 MG Oral Tablet",
                "2015-11-02",
                "2015-11-02",
                "1500.0 mg/d",
                "lack_of_efficacy"
            ],
            [
                "Lamotrigine 100 MG Oral Tablet",
                "2016-01-04",
                "2016-12-05",
                "200.0 mg/d",
                "lack_of_efficacy"
            ],
            [
                "Lacosamide 100 MG Oral Tablet",
                "2018-01-01",
                "2018-01-31",
                "200.0 mg/d",
                "-"
            ],
            [
                "Lacosamide 100 MG Oral Tablet",
                "2018-03-17",
                "2018-04-16",
                "200.0 mg/d",
                "-"
            ],
            [
                "Valproate 500 MG Oral Tablet",
                "2019-01-07",
                "2019-06-03",
                "1000.0 mg/d",
                "lack_of_efficacy"
            ],
            [
                "Topiramate 100 MG Oral Tablet",
                "2020-01-06",
                "2020-01-06",
                "200.0 mg/d",
                "-"
            ],
            [
                "Topiramate 100 MG Oral Tablet",
                "2020-07-06",
                "2020-07-06",
                "200.0 mg/d",
                "lack_of_efficacy"
            ],
        ]
    );
}

#[test]
fn one_order_of_ninety_days_and_three_repeats_completed_is_a_year_given() {
    let mut env = Env::new();
    let document = patient_with(&[order_of(
        "y1",
        ("114477", "Levetiracetam 500 MG Oral Tablet"),
        "completed",
        "2015-01-05",
        1500.0,
        &supplied(90, 3),
    )]);
    let path = env.write_json("year.json", &document);
    env.import_ok(&path);
    assert_eq!(
        env.rows("SELECT substr(start, 1, 10), substr(end, 1, 10), dates FROM drug_exposures"),
        [["2015-01-05", "2015-12-31", "stated"]]
    );
}

#[test]
fn a_renewal_at_another_dose_is_a_dose_period_of_its_own() {
    let mut env = Env::new();
    let sertraline = ("312940", "sertraline 50 MG Oral Tablet");
    let mut resources: Vec<Value> = ["2019-10-07", "2019-11-07", "2019-12-07"]
        .iter()
        .enumerate()
        .map(|(n, day)| {
            order_of(
                &format!("s{n}"),
                sertraline,
                "completed",
                day,
                25.0,
                &supplied(30, 0),
            )
        })
        .collect();
    resources.push(order_of(
        "s3",
        sertraline,
        "completed",
        "2020-01-07",
        100.0,
        &supplied(30, 0),
    ));
    resources.push(order_of(
        "s4",
        sertraline,
        "stopped",
        "2020-02-07",
        100.0,
        &with(
            supplied(30, 0),
            &json!({"statusReason": {"text": "Lack of efficacy"}}),
        ),
    ));
    let path = env.write_json("steps.json", &patient_with(&resources));
    env.import_ok(&path);
    assert_eq!(
        courses(&env),
        [
            [
                "sertraline 50 MG Oral Tablet",
                "2019-10-07",
                "2020-01-07",
                "25.0 mg/d",
                "-"
            ],
            [
                "sertraline 50 MG Oral Tablet",
                "2020-01-07",
                "2020-02-07",
                "100.0 mg/d",
                "lack_of_efficacy"
            ],
        ]
    );
}

#[test]
fn a_statement_beside_renewals_of_the_same_drug_leaves_the_renewals_one_course() {
    let mut env = Env::new();
    let lev = ("114477", "Levetiracetam 500 MG Oral Tablet");
    let mut resources = vec![with(
        statement(
            "a-statement",
            SUBJECT,
            lev,
            "stopped",
            "2015-01-05",
            Some("2015-12-07"),
        ),
        &json!({"statusReason": [{"text": "Lack of efficacy"}]}),
    )];
    for month in 1..=11 {
        resources.push(order_of(
            &format!("lev{month:02}"),
            lev,
            "completed",
            &format!("2015-{month:02}-05"),
            1500.0,
            &supplied(30, 0),
        ));
    }
    let path = env.write_json("beside.json", &patient_with(&resources));
    env.import_ok(&path);
    assert_eq!(
        env.rows(
            "SELECT substr(start, 1, 10), substr(end, 1, 10) FROM drug_exposures ORDER BY start, end"
        ),
        [["2015-01-05", "2015-12-05"], ["2015-01-05", "2015-12-07"]]
    );
}

/// Amlodipine 10 mg (RxNorm), the drug of the supply tests below.
const AMLODIPINE: (&str, &str) = ("308135", "amlodipine 10 MG Oral Tablet");

/// A dispense of amlodipine handed over on `day`, `days` of supply.
fn amlodipine_fill(id: &str, day: &str, days: i64) -> Value {
    with(
        json!({
            "resourceType": "MedicationDispense",
            "id": id,
            "status": "completed",
            "subject": {"reference": SUBJECT},
            "whenHandedOver": day,
            "daysSupply": {"value": days, "unit": "days", "system": "http://unitsofmeasure.org", "code": "d"}
        }),
        &drug(AMLODIPINE.0, AMLODIPINE.1),
    )
}

#[test]
fn orders_saying_nothing_of_their_supply_rewritten_at_each_three_monthly_review_are_one_course() {
    let mut env = Env::new();
    let lev = ("114477", "Levetiracetam 500 MG Oral Tablet");
    let mut resources: Vec<Value> = ["2015-01-05", "2015-04-05", "2015-07-05", "2015-10-05"]
        .iter()
        .enumerate()
        .map(|(n, day)| order_of(&format!("q{n}"), lev, "completed", day, 1500.0, &json!({})))
        .collect();
    resources.push(order_of(
        "q4",
        lev,
        "stopped",
        "2016-01-05",
        1500.0,
        &json!({"statusReason": {"text": "Lack of efficacy"}}),
    ));
    let path = env.write_json("quarterly.json", &patient_with(&resources));
    env.import_ok(&path);
    assert_eq!(
        courses(&env),
        [[
            "Levetiracetam 500 MG Oral Tablet",
            "2015-01-05",
            "2016-01-05",
            "1500.0 mg/d",
            "lack_of_efficacy"
        ]]
    );
}

#[test]
fn a_completed_order_ends_where_a_statement_or_the_fills_of_the_drug_say_it_stopped() {
    let stopped_early = with(
        statement(
            "st",
            SUBJECT,
            AMLODIPINE,
            "stopped",
            "2020-01-06",
            Some("2020-02-10"),
        ),
        &json!({"statusReason": [{"text": "Ankle oedema"}]}),
    );
    for (others, end) in [
        (vec![stopped_early], "2020-02-10"),
        (vec![amlodipine_fill("f1", "2020-01-07", 90)], "2020-04-06"),
    ] {
        let mut env = Env::new();
        let mut resources = vec![order_of(
            "a1",
            AMLODIPINE,
            "completed",
            "2020-01-06",
            10.0,
            &supplied(90, 3),
        )];
        resources.extend(others);
        let path = env.write_json("stopped.json", &patient_with(&resources));
        env.import_ok(&path);
        let ends =
            env.rows("SELECT coalesce(substr(end, 1, 10), '-') FROM drug_exposures ORDER BY end");
        assert!(
            ends.iter().all(|row| row[0].as_str() <= end),
            "{ends:?} past {end}"
        );
    }
}

#[test]
fn a_statement_of_the_dose_an_order_replaced_ending_as_it_begins_leaves_its_supply_whole() {
    // Amlodipine 5 mg a day from a statement closed at reconciliation, then a completed order
    // of 10 mg a day for four fills of 30 days (to 2020-05-05): the statement's end, on the
    // order's day or inside its first fill, is the dose changing, not the drug stopping.
    let five_mg = json!({"dosage": [{
        "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
        "doseAndRate": [{"doseQuantity": {"value": 5, "unit": "mg"}}]
    }]});
    for (end, status) in [
        ("2020-01-06", "completed"),
        ("2020-01-13", "completed"),
        ("2020-02-01", "completed"),
    ] {
        let mut env = Env::new();
        let resources = vec![
            order_of(
                "a1",
                AMLODIPINE,
                "completed",
                "2020-01-06",
                10.0,
                &supplied(30, 3),
            ),
            with(
                statement("st", SUBJECT, AMLODIPINE, status, "2019-09-01", Some(end)),
                &five_mg,
            ),
        ];
        let path = env.write_json("titrated.json", &patient_with(&resources));
        env.import_ok(&path);
        let ends = env.rows(
            "SELECT coalesce(substr(end, 1, 10), '-') FROM drug_exposures
             WHERE dose_value = 10.0",
        );
        assert_eq!(ends, [["2020-05-05"]], "statement ending {end}");
    }
}

#[test]
fn a_completed_orders_supply_ends_by_its_validity_and_covers_a_year_at_most() {
    let mut env = Env::new();
    let lisinopril = ("314077", "lisinopril 20 MG Oral Tablet");
    let document = patient_with(&[
        // Eleven repeats of 90 days, but not to be dispensed after 2020-07-06: one fill past it.
        order_of(
            "v1",
            AMLODIPINE,
            "completed",
            "2020-01-06",
            10.0,
            &json!({"dispenseRequest": {
                "numberOfRepeatsAllowed": 11,
                "expectedSupplyDuration": {"value": 90, "unit": "days", "system": "http://unitsofmeasure.org", "code": "d"},
                "validityPeriod": {"start": "2020-01-06", "end": "2020-07-06"}
            }}),
        ),
        // 99 repeats ("as needed"): a year, not 25 years.
        order_of(
            "r1",
            lisinopril,
            "completed",
            "2020-01-06",
            20.0,
            &supplied(90, 99),
        ),
    ]);
    let path = env.write_json("validity.json", &document);
    env.import_ok(&path);
    assert_eq!(
        env.rows(
            "SELECT text, coalesce(substr(end, 1, 10), '-') FROM drug_exposures ORDER BY text"
        ),
        [
            ["amlodipine 10 MG Oral Tablet", "2020-10-04"],
            ["lisinopril 20 MG Oral Tablet", "2021-01-05"],
        ]
    );
}

#[test]
fn an_active_order_never_renewed_long_past_its_supply_is_given_at_least_to_its_end_not_ongoing() {
    let mut env = Env::new();
    let order = order_of(
        "o1",
        AMLODIPINE,
        "active",
        "2020-01-06",
        10.0,
        &supplied(30, 0),
    );
    // The patient is seen (another drug ordered) years after amlodipine's month ran out.
    let later = order_of(
        "l1",
        ("314077", "lisinopril 20 MG Oral Tablet"),
        "active",
        "2023-01-09",
        20.0,
        &json!({}),
    );
    let path = env.write_json("stale.json", &patient_with(&[order, later]));
    env.import_ok(&path);
    assert_eq!(
        env.rows(
            "SELECT text, coalesce(substr(end, 1, 10), '-'), dates FROM drug_exposures ORDER BY text"
        ),
        [
            ["amlodipine 10 MG Oral Tablet", "2020-02-05", "end_unknown"],
            ["lisinopril 20 MG Oral Tablet", "-", "stated"],
        ]
    );
}

#[test]
fn daily_dose_from_dose_quantity_and_frequency() {
    let mut env = Env::new();
    let dosed = |id: &str, code: &str, text: &str, dose: &Value, repeat: &Value| {
        request(
            id,
            "active",
            &with(
                drug(code, text),
                &json!({
                    "authoredOn": "2022-01-01",
                    "dosageInstruction": [{
                        "timing": {"repeat": repeat},
                        "doseAndRate": [{"doseQuantity": dose}]
                    }]
                }),
            ),
        )
    };
    let document = patient_with(&[
        // 500 mg twice a day.
        dosed(
            "q1",
            "900051",
            "Drug X",
            &json!({"value": 500, "unit": "mg"}),
            &json!({"frequency": 2, "period": 1, "periodUnit": "d"}),
        ),
        // 2 tablets of 250 mg three times a day: the strength is in the drug's text.
        dosed(
            "q2",
            "900052",
            "Levetiracetam 250 MG Oral Tablet",
            &json!({"value": 2, "unit": "{tbl}"}),
            &json!({"frequency": 3, "period": 1, "periodUnit": "d"}),
        ),
        // 0.5 g every 12 hours.
        dosed(
            "q3",
            "900053",
            "Drug Y",
            &json!({"value": 0.5, "unit": "g"}),
            &json!({"frequency": 1, "period": 12, "periodUnit": "h"}),
        ),
        // 100 mg once a week.
        dosed(
            "q4",
            "900054",
            "Drug Z",
            &json!({"value": 100, "unit": "mg"}),
            &json!({"frequency": 1, "period": 1, "periodUnit": "wk"}),
        ),
    ]);
    let path = env.write_json("doses.json", &document);
    env.import_ok(&path);
    let dose = |text: &str| exposure(&env, text)[4].clone();
    assert_eq!(dose("Drug X"), "1000.0 mg/d");
    assert_eq!(dose("Levetiracetam 250 MG Oral Tablet"), "1500.0 mg/d");
    assert_eq!(dose("Drug Y"), "1000.0 mg/d");
    // A dose a week or more apart keeps its interval (methotrexate weekly, a depot monthly);
    // the criteria read it as 14.3 mg/d where they compare daily amounts.
    assert_eq!(dose("Drug Z"), "100.0 mg/wk");
}

/// Imports an epilepsy bundle through the binary and returns `flags --json` for epilepsy.
fn flags_after_import(document: &Value) -> (Vec<Value>, std::path::PathBuf, tempfile::TempDir) {
    let dir = tempfile::TempDir::new().unwrap();
    let path = super::write_json(&dir.path().join("epilepsy.json"), document);
    let db = dir.path().join("refract.db");
    let (code, summary, stderr) = cli_import(&db, &[path]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(summary["imported"], 1);
    assert_eq!(summary["exposures"], 3);
    let output = refract()
        .arg("--db")
        .arg(&db)
        .args(["flags", "--json", "--condition", "epilepsy"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    (rows, db, dir)
}

/// The patient's epilepsy lines, as `show --json` reports them.
fn epilepsy_lines(db: &std::path::Path, mrn: &str) -> Vec<Value> {
    let output = refract()
        .arg("--db")
        .arg(db)
        .args(["show", mrn, "--json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    summary["record"]["lines"]
        .as_array()
        .or_else(|| summary["lines"].as_array())
        .unwrap_or_else(|| panic!("no lines in {summary:#}"))
        .iter()
        .filter(|line| line["ruleset"] == "epilepsy")
        .cloned()
        .collect()
}

#[test]
fn epilepsy_with_two_schedules_failed_for_no_response_is_refractory() {
    let document = epilepsy_bundle("ep-1", "EP-1", ("266721009", "No response to treatment"));
    let (rows, db, _dir) = flags_after_import(&document);
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["mrn"], "EP-1");
    assert_eq!(rows[0]["condition"], "epilepsy");
    assert_eq!(rows[0]["status"], "refractory", "{:#}", rows[0]);
    // The lines were derived from the exposures: three schedules, in order.
    let lines = epilepsy_lines(&db, "EP-1");
    assert_eq!(lines.len(), 3, "{lines:#?}");
    let regimens: Vec<String> = lines
        .iter()
        .map(|l| l["regimen"].as_str().unwrap_or_default().to_lowercase())
        .collect();
    assert!(regimens[0].contains("levetiracetam"), "{regimens:?}");
    assert!(regimens[1].contains("lamotrigine"), "{regimens:?}");
    assert!(regimens[2].contains("lacosamide"), "{regimens:?}");
    assert!(lines.iter().all(|l| l["origin"] == "derived"));
}

#[test]
fn epilepsy_with_the_second_drug_not_tolerated_is_not_refractory() {
    let document = epilepsy_bundle("ep-2", "EP-2", ("407563006", "Treatment not tolerated"));
    let (rows, _db, _dir) = flags_after_import(&document);
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["condition"], "epilepsy");
    // One failed schedule; the not-tolerated one does not count (the third may yet fail).
    let status = rows[0]["status"].as_str().unwrap();
    assert_ne!(status, "refractory", "{:#}", rows[0]);
    assert!(
        matches!(status, "insufficient_data" | "not_met"),
        "{:#}",
        rows[0]
    );
}

#[test]
fn dates_not_recorded_stay_unknown_through_the_fhir_export() {
    // A drug stopped with no end date (Synthea's stopped requests) and one known by a single
    // asserted date: a file made from the export must not read them as courses of 0 days.
    let mut env = Env::new();
    let path = env.write_json(
        "unknown-ends.json",
        &patient_with(&[
            request(
                "r-stopped",
                "stopped",
                &with(
                    drug("197319", "Allopurinol 100 MG Oral Tablet"),
                    &json!({"authoredOn": "2021-02-03T11:00:00+00:00"}),
                ),
            ),
            json!({
                "resourceType": "MedicationStatement",
                "id": "s-asserted",
                "status": "completed",
                "subject": {"reference": SUBJECT},
                "medicationCodeableConcept": coding(RXNORM, "197361", "Amlodipine 5 MG Oral Tablet"),
                "dateAsserted": "2020-05-06"
            }),
        ]),
    );
    env.import_ok(&path);
    let dates = |db: &std::path::Path| {
        let conn = rusqlite::Connection::open(db).unwrap();
        let mut stmt = conn
            .prepare("SELECT text, start, end, dates FROM drug_exposures ORDER BY text")
            .unwrap();
        stmt.query_map([], |row| {
            Ok((0..4)
                .map(|i| row.get::<_, Option<String>>(i).unwrap().unwrap_or_default())
                .collect::<Vec<_>>())
        })
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
    };
    let source = env.db();
    let before = dates(&source);
    assert_eq!(before[0][3], "end_unknown", "{before:?}");
    assert_eq!(before[1][3], "unknown", "{before:?}");

    let exported = env.path("export.json");
    let output = refract()
        .arg("--db")
        .arg(&source)
        .args(["export", "--format", "fhir", "--out"])
        .arg(&exported)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let fresh = env.path("fresh.db");
    let (code, _, stderr) = cli_import(&fresh, &[exported]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(dates(&fresh), before);
}

// ---- A history bundle: newest version first (R4 http.html#history) ----

const BASE: &str = "https://ehr.example/fhir";

/// A history entry of `resource` (a version written with PUT).
fn version(resource: &Value) -> Value {
    let key = format!(
        "{}/{}",
        resource["resourceType"].as_str().unwrap(),
        resource["id"].as_str().unwrap()
    );
    json!({
        "fullUrl": format!("{BASE}/{key}"),
        "resource": resource,
        "request": {"method": "PUT", "url": key},
        "response": {"status": "200"}
    })
}

fn history(entries: Vec<Value>) -> Value {
    let mut all = vec![version(&patient("hist-pt", "HIST-1", "Aalto", "Mia"))];
    all.extend(entries);
    json!({"resourceType": "Bundle", "type": "history", "entry": all})
}

fn drug_on_record(id: &str, status: &str, text: &str) -> Value {
    statement(
        id,
        "Patient/hist-pt",
        ("6809", text),
        status,
        "2024-01-01",
        Some("2024-06-01"),
    )
}

#[test]
fn a_history_bundle_is_read_for_each_resources_newest_version() {
    let mut env = Env::new();
    let texts = |env: &Env| {
        env.rows("SELECT text FROM drug_exposures ORDER BY text")
            .into_iter()
            .map(|row| row[0].clone())
            .collect::<Vec<_>>()
    };
    // m1's newest version says it was entered in error; m2 was deleted; m3 was corrected.
    let file = history(vec![
        version(&drug_on_record("m1", "entered-in-error", "Drug A")),
        json!({"request": {"method": "DELETE", "url": "MedicationStatement/m2"},
               "response": {"status": "204"}}),
        version(&drug_on_record("m3", "completed", "Drug C (corrected)")),
        version(&drug_on_record("m1", "completed", "Drug A")),
        version(&drug_on_record("m2", "completed", "Drug B")),
        version(&drug_on_record("m3", "completed", "Drug C")),
    ]);
    let path = env.write_json("history.json", &file);
    let report = env.import_ok(&path);
    assert_eq!(texts(&env), ["Drug C (corrected)"], "{report:#?}");

    // Read again (the same resources, other bytes: not skipped as already imported), it
    // changes nothing: the older versions never come back to be removed again.
    std::fs::write(&path, serde_json::to_vec(&file).unwrap()).unwrap();
    let report = env.import_ok(&path);
    assert_eq!((report.added, report.removed), (0, 0), "{report:#?}");
    assert_eq!(texts(&env), ["Drug C (corrected)"]);
}

/// A retraction (entered in error, written at T1) and its correction (the record again,
/// written later at T2), imported together again and again: the correction stays. A file that
/// removes is read every time, and its removal is older than the copy stored.
#[test]
fn an_older_retraction_never_removes_a_newer_copy() {
    let mut env = Env::new();
    let at =
        |resource: Value, updated: &str| with(resource, &json!({"meta": {"lastUpdated": updated}}));
    let bundle_of = |resource: Value| {
        json!({"resourceType": "Bundle", "type": "collection", "entry": [
            version(&patient("hist-pt", "HIST-1", "Aalto", "Mia")),
            version(&resource)
        ]})
    };
    let retraction = env.write_json(
        "b-retraction.json",
        &bundle_of(at(
            drug_on_record("m1", "entered-in-error", "Drug A"),
            "2024-02-01T00:00:00Z",
        )),
    );
    let correction = env.write_json(
        "a-correction.json",
        &bundle_of(at(
            drug_on_record("m1", "completed", "Drug A"),
            "2024-03-01T00:00:00Z",
        )),
    );
    let drugs = |env: &Env| env.int("SELECT count(*) FROM drug_exposures");
    for round in 0..3 {
        // In name order, as a folder is read: the correction first.
        let report = env.import(&[correction.clone(), retraction.clone()]);
        assert_eq!(report.failed, 0, "{report:#?}");
        assert_eq!(drugs(&env), 1, "round {round}: {report:#?}");
    }
}

const STATUS_REASON: &str = "http://terminology.hl7.org/CodeSystem/medicationrequest-status-reason";

/// A stopped order of `name` whose reason is `status_reason`.
fn stopped_for(id: &str, code: &str, name: &str, status_reason: &Value) -> Value {
    request(
        id,
        "stopped",
        &with(
            drug(code, name),
            &json!({"authoredOn": "2020-01-01", "statusReason": status_reason}),
        ),
    )
}

#[test]
fn a_status_reason_code_sent_alone_is_read_by_its_code_never_dropped() {
    let env = Env::new();
    let document = patient_with(&[
        // R4's own MedicationRequest status reasons, no display, no text.
        stopped_for(
            "c1",
            "900031",
            "Drug P",
            &json!({"coding": [{"system": STATUS_REASON, "code": "sintol"}]}),
        ),
        stopped_for(
            "c2",
            "900032",
            "Drug Q",
            &json!({"coding": [{"system": STATUS_REASON, "code": "salg"}]}),
        ),
        // A code nothing here knows, sent alone: kept as its code, counted as not understood.
        stopped_for(
            "c3",
            "900033",
            "Drug R",
            &json!({"coding": [{"system": "http://example.org/reasons", "code": "X9"}]}),
        ),
    ]);
    let path = env.write_json("codes.json", &document);
    let (code, summary, stderr) = cli_import(&env.db(), &[path]);
    assert_eq!(code, 0, "{stderr}");
    let reason_of = |text: &str| exposure(&env, text)[5].clone();
    assert_eq!(reason_of("Drug P"), "intolerance");
    assert_eq!(reason_of("Drug Q"), "intolerance");
    assert_eq!(reason_of("Drug R"), "-");
    let kept =
        env.rows("SELECT coalesce(stop_text, '-') FROM drug_exposures WHERE text = 'Drug R'");
    assert!(kept[0][0].contains("X9"), "{kept:?}");
    let not_understood = summary["stop_reasons_not_understood"].to_string();
    assert!(not_understood.contains("X9"), "{summary:#}");

    // The export keeps the stop and its reason: never a completed course with none.
    let output = refract()
        .arg("--db")
        .arg(env.db())
        .args(["export", "--format", "fhir"])
        .output()
        .unwrap();
    let exported: Value = serde_json::from_slice(&output.stdout).unwrap();
    let statement_of = |name: &str| {
        exported["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| &entry["resource"])
            .find(|r| r["medicationCodeableConcept"]["text"] == name)
            .unwrap_or_else(|| panic!("no {name} in {exported:#}"))
            .clone()
    };
    for name in ["Drug P", "Drug R"] {
        let statement = statement_of(name);
        assert_eq!(statement["status"], "stopped", "{statement:#}");
        assert!(!statement["statusReason"].is_null(), "{statement:#}");
    }
    assert_eq!(
        statement_of("Drug P")["statusReason"][0]["coding"][0]["code"],
        "intolerance"
    );
}

#[test]
fn a_reason_understood_keeps_the_records_own_words_beside_it() {
    let mut env = Env::new();
    let document = patient_with(&[
        stopped_for(
            "w1",
            "900041",
            "Drug S",
            &json!({"text": "Failed to pick up from pharmacy"}),
        ),
        stopped_for(
            "w2",
            "900042",
            "Drug T",
            &json!({"coding": [{"system": "http://snomed.info/sct", "code": "266721009",
                                "display": "No response to treatment"}],
                    "text": "Ineffective - breakthrough seizures"}),
        ),
        // The code's own name is no words of the record's.
        stopped_for(
            "w3",
            "900043",
            "Drug U",
            &reason("266721009", "No response to treatment"),
        ),
    ]);
    let path = env.write_json("words.json", &document);
    env.import_ok(&path);
    let row = |text: &str| {
        env.rows(&format!(
            "SELECT coalesce(stop_reason, '-'), coalesce(stop_text, '-') FROM drug_exposures \
             WHERE text = '{text}'"
        ))[0]
            .clone()
    };
    assert_eq!(
        row("Drug S"),
        ["noncompliance", "Failed to pick up from pharmacy"]
    );
    assert_eq!(
        row("Drug T"),
        ["lack_of_efficacy", "Ineffective - breakthrough seizures"]
    );
    assert_eq!(row("Drug U"), ["lack_of_efficacy", "-"]);
}

#[test]
fn a_reason_typed_over_two_lines_is_read_as_two_sentences_and_shown_on_one_line() {
    let mut env = Env::new();
    let document = patient_with(&[stopped_for(
        "n1",
        "900051",
        "Drug N",
        &json!({"text": "Side effects: none\nSeizures continued on 3000 mg"}),
    )]);
    let path = env.write_json("lines.json", &document);
    env.import_ok(&path);
    // The line break ends the denial's sentence: the intolerance is denied, and the seizures
    // on the next line are the reason.
    assert_eq!(
        env.rows("SELECT coalesce(stop_reason, '-') FROM drug_exposures WHERE text = 'Drug N'")[0],
        ["lack_of_efficacy"]
    );
    let output = refract()
        .arg("--db")
        .arg(env.db())
        .args(["show", "MED-1"])
        .output()
        .unwrap();
    let shown = String::from_utf8(output.stdout).unwrap();
    let row = shown
        .lines()
        .find(|line| line.contains("Drug N"))
        .unwrap_or_else(|| panic!("no Drug N in {shown}"));
    assert!(
        row.ends_with("stopped: no response (Side effects: none / Seizures continued on 3000 mg)"),
        "{shown}"
    );
}

/// The GP's record of bendroflumethiazide (dm+d words and SNOMED CT code).
fn gp_bendroflumethiazide(id: &str, status: &str, start: &str, end: Option<&str>) -> Value {
    let mut period = json!({"start": start});
    if let Some(end) = end {
        period["end"] = json!(end);
    }
    json!({
        "resourceType": "MedicationStatement",
        "id": id,
        "status": status,
        "subject": {"reference": SUBJECT},
        "medicationCodeableConcept": coding(
            "http://snomed.info/sct",
            "317919004",
            "Bendroflumethiazide 2.5mg tablets"
        ),
        "effectivePeriod": period,
        "dateAsserted": start,
        "dosage": [{"text": "2.5 mg once daily"}]
    })
}

/// The hospital's discharge order of bendroflumethiazide (RxNorm), `active` and silent on its
/// supply (no `dispenseRequest`), as discharge orders commonly stay.
fn hospital_bendroflumethiazide(id: &str, authored: &str) -> Value {
    request(
        id,
        "active",
        &with(
            drug("197426", "bendroflumethiazide 2.5 MG Oral Tablet"),
            &json!({"authoredOn": authored, "dosageInstruction": [{"text": "2.5 mg once daily"}]}),
        ),
    )
}

/// Imports `resources` (with the test patient) as the records of `source`.
fn import_from(env: &mut Env, source: &str, resources: &[Value]) {
    env.import_as(source, &patient_with(resources));
}

/// The GP's order of bendroflumethiazide written on `day` and stopped for hyponatraemia, with
/// no period (no end).
fn stopped_order(day: &str) -> Value {
    request(
        "m3",
        "stopped",
        &with(
            drug("197426", "bendroflumethiazide 2.5 MG Oral Tablet"),
            &json!({"authoredOn": day, "statusReason": {"text": "Hyponatraemia"}}),
        ),
    )
}

#[test]
fn an_active_order_is_cut_where_another_sources_later_record_says_the_drug_stopped() {
    let hyponatraemia = json!({"statusReason": [{"text": "Hyponatraemia"}]});
    for (what, gp, until, dates) in [
        (
            "a statement stopped for a reason",
            with(
                gp_bendroflumethiazide("m3", "stopped", "2025-11-01", Some("2026-05-20")),
                &hyponatraemia,
            ),
            "2026-05-20",
            "stated",
        ),
        (
            "a statement completed, with its end and no reason",
            gp_bendroflumethiazide("m3", "completed", "2025-11-01", Some("2026-05-20")),
            "2026-05-20",
            "stated",
        ),
        // An order stopped for a reason, with no end: the drug stopped on its day or later.
        // Written within the open order's reach (90 days and 30 more), the same course: given
        // at least until that day; later, another course: the open order given at least on its
        // own day, as orders six months apart are two courses.
        (
            "an order stopped for a reason, with no end, within the order's reach",
            stopped_order("2026-01-15"),
            "2026-01-15",
            "end_unknown",
        ),
        (
            "an order stopped for a reason, with no end, after the order's reach",
            stopped_order("2026-05-20"),
            "2025-11-21",
            "end_unknown",
        ),
    ] {
        // The GP's record first or the hospital's: the same record.
        for gp_first in [true, false] {
            let mut env = Env::new();
            let hospital = [hospital_bendroflumethiazide("r3", "2025-11-21")];
            if gp_first {
                import_from(&mut env, "gp", std::slice::from_ref(&gp));
                import_from(&mut env, "hosp", &hospital);
            } else {
                import_from(&mut env, "hosp", &hospital);
                import_from(&mut env, "gp", std::slice::from_ref(&gp));
            }
            // The order was given until the drug stopped, never ongoing past it.
            assert_eq!(
                env.course_of("bendroflumethiazide 2.5 MG Oral Tablet")
                    .into_iter()
                    .find(|row| row[0] == "2025-11-21"),
                Some(vec![
                    String::from("2025-11-21"),
                    String::from(until),
                    String::from(dates)
                ]),
                "{what}"
            );
        }
    }
}

#[test]
fn an_open_record_written_after_the_stop_or_a_record_closed_as_the_order_began_leaves_it_ongoing() {
    let stopped = with(
        gp_bendroflumethiazide("m3", "stopped", "2025-11-01", Some("2026-05-20")),
        &json!({"statusReason": [{"text": "Hyponatraemia"}]}),
    );
    // A new order after the stop is a restart: ongoing.
    let mut env = Env::new();
    import_from(&mut env, "gp", std::slice::from_ref(&stopped));
    import_from(
        &mut env,
        "hosp",
        &[hospital_bendroflumethiazide("r3", "2026-07-01")],
    );
    assert_eq!(
        env.course_of("bendroflumethiazide 2.5 MG Oral Tablet"),
        [["2026-07-01", "-", "stated"]]
    );
    // A statement still active, asserted after the stop (the drug given again), whatever day
    // it says the drug was first started: ongoing.
    let mut env = Env::new();
    import_from(&mut env, "hosp", std::slice::from_ref(&stopped));
    let mut asserted = gp_bendroflumethiazide("m9", "active", "2025-06-01", None);
    asserted["dateAsserted"] = json!("2026-09-01");
    asserted["medicationCodeableConcept"]["text"] = json!("Bendroflumethiazide (GP list)");
    import_from(&mut env, "gp", &[asserted]);
    assert_eq!(
        env.course_of("Bendroflumethiazide (GP list)"),
        [["2025-06-01", "-", "stated"]]
    );
    // A home-medication statement closed, with no reason, within a week of the order that
    // took over from it: no stop, the order is ongoing.
    let mut env = Env::new();
    import_from(
        &mut env,
        "gp",
        &[gp_bendroflumethiazide(
            "m3",
            "completed",
            "2025-01-10",
            Some("2025-11-24"),
        )],
    );
    import_from(
        &mut env,
        "hosp",
        &[hospital_bendroflumethiazide("r3", "2025-11-21")],
    );
    assert_eq!(
        env.course_of("bendroflumethiazide 2.5 MG Oral Tablet"),
        [["2025-11-21", "-", "stated"]]
    );
}

#[test]
fn a_stop_long_after_an_order_silent_on_its_supply_ends_it_where_it_is_last_known() {
    // The order reaches 90 days (`UNKNOWN_ORDER_SUPPLY_DAYS`) and 30 more: a course begun a
    // year and a half later and stopped is another course, so the order is no longer ongoing,
    // and was given at least on its own day (never a made-up 18 months).
    let mut env = Env::new();
    import_from(
        &mut env,
        "hosp",
        &[hospital_bendroflumethiazide("r3", "2020-01-06")],
    );
    import_from(
        &mut env,
        "gp",
        &[gp_bendroflumethiazide(
            "m3",
            "completed",
            "2021-06-01",
            Some("2021-09-01"),
        )],
    );
    assert_eq!(
        env.course_of("bendroflumethiazide 2.5 MG Oral Tablet"),
        [["2020-01-06", "2020-01-06", "end_unknown"]]
    );
    assert_eq!(
        env.course_of("Bendroflumethiazide 2.5mg tablets"),
        [["2021-06-01", "2021-09-01", "stated"]]
    );
}

#[test]
fn a_stale_hospital_order_no_longer_counts_a_diuretic_the_gp_stopped_as_given_now() {
    // The tester's case: the GP gives amlodipine and ramipril and stopped bendroflumethiazide
    // for hyponatraemia; the hospital's discharge orders of all three stay active. Two classes
    // are given now, not three: no resistant hypertension.
    let gp_statement = |id: &str, code: &str, text: &str| {
        json!({
            "resourceType": "MedicationStatement",
            "id": id,
            "status": "active",
            "subject": {"reference": SUBJECT},
            "medicationCodeableConcept": coding("http://snomed.info/sct", code, text),
            "effectivePeriod": {"start": "2025-11-01"},
            "dateAsserted": "2025-11-01",
            "dosage": [{"text": "10 mg once daily"}]
        })
    };
    let hospital_order = |id: &str, code: &str, text: &str, dose: &str| {
        request(
            id,
            "active",
            &with(
                drug(code, text),
                &json!({"authoredOn": "2025-11-21", "dosageInstruction": [{"text": dose}]}),
            ),
        )
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
            super::condition(
                "c1",
                SUBJECT,
                super::ICD10,
                "I10",
                "Essential (primary) hypertension",
            ),
            gp_statement("m1", "319283006", "Amlodipine 10mg tablets"),
            gp_statement("m2", "318906001", "Ramipril 10mg capsules"),
            with(
                gp_bendroflumethiazide("m3", "stopped", "2025-11-01", Some("2026-05-20")),
                &json!({"statusReason": [{"text": "Hyponatraemia"}]}),
            ),
            bp("bp1", "2026-10-07T09:10:00Z"),
            bp("bp2", "2026-10-28T09:10:00Z"),
        ],
    );
    import_from(
        &mut env,
        "hosp",
        &[
            hospital_order(
                "r1",
                "308135",
                "amlodipine 10 MG Oral Tablet",
                "10 mg once daily",
            ),
            hospital_order(
                "r2",
                "845488",
                "ramipril 10 MG Oral Capsule",
                "10 mg once daily",
            ),
            hospital_bendroflumethiazide("r3", "2025-11-21"),
        ],
    );
    let rows = env.rows("SELECT status, detail FROM assessments WHERE ruleset = 'hypertension'");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][0], "not_met", "{}", rows[0][1]);
    assert!(
        rows[0][1].contains("2 classes given together now"),
        "{}",
        rows[0][1]
    );
}

#[test]
fn a_drug_stopped_for_no_response_is_not_ongoing_in_the_next_line_for_a_stale_order_of_it() {
    // The epilepsy side (the tester's c4): levetiracetam stopped for no response by the GP,
    // the hospital's order of it left active: one line of levetiracetam, then lamotrigine alone.
    let mut env = Env::new();
    let epilepsy = super::condition("c1", SUBJECT, super::ICD10, "G40.909", "Epilepsy");
    import_from(
        &mut env,
        "gp",
        &[
            epilepsy,
            with(
                statement(
                    "m1",
                    SUBJECT,
                    LEVETIRACETAM_500,
                    "stopped",
                    "2022-01-10",
                    Some("2022-09-30"),
                ),
                &json!({"statusReason": [reason("266721009", "No response to treatment")]}),
            ),
            statement(
                "m2",
                SUBJECT,
                ("28439", "Lamotrigine 100 MG Oral Tablet"),
                "active",
                "2022-10-01",
                None,
            ),
        ],
    );
    import_from(
        &mut env,
        "hosp",
        &[request(
            "r1",
            "active",
            &with(
                drug("311289", "levetiracetam 500 MG Oral Tablet"),
                &json!({"authoredOn": "2022-01-12",
                        "dosageInstruction": [{"text": "1000 mg twice daily"}]}),
            ),
        )],
    );
    let lines = env.rows(
        "SELECT number, lower(regimen), coalesce(substr(end, 1, 10), '-') FROM treatment_lines
         WHERE ruleset = 'epilepsy' ORDER BY number",
    );
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0][1].contains("levetiracetam"), "{lines:?}");
    assert_eq!(lines[1][1], "lamotrigine", "{lines:?}");
    assert_eq!(lines[1][2], "-", "{lines:?}");
}

const LEVETIRACETAM_500: (&str, &str) = ("114477", "Levetiracetam 500 MG Oral Tablet");

/// A transaction's PATCH (R4 allows it: a FHIRPath Parameters or a JSON Patch body) changes a
/// resource refract reads whole: it is not applied, and the import says so rather than
/// counting a "Parameters" it skipped; a conditional DELETE (by a search, not an id) is said to
/// be one, and removes nothing (review R4-7).
#[test]
fn a_patch_or_a_conditional_delete_is_said_and_changes_nothing() {
    let mut env = Env::new();
    let first = env.write_json(
        "first.json",
        &history(vec![version(&drug_on_record("m1", "active", "Drug A"))]),
    );
    env.import_ok(&first);
    let changes = json!({"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": {"resourceType": "Parameters", "parameter": [{"name": "operation", "part": [
            {"name": "type", "valueCode": "replace"},
            {"name": "path", "valueString": "MedicationStatement.status"},
            {"name": "value", "valueCode": "stopped"}]}]},
         "request": {"method": "PATCH", "url": "MedicationStatement/m1"}},
        {"request": {"method": "DELETE", "url": "MedicationStatement?identifier=http://example.org/rx|42"}}
    ]});
    let path = env.write_json("changes.json", &changes);
    let report = env.import(&[path]);
    let warnings: Vec<&str> = report
        .files
        .iter()
        .flat_map(|file| file.warnings.iter().map(|w| w.message.as_str()))
        .collect();
    assert!(
        warnings.iter().any(|w| w.contains("a PATCH of 'MedicationStatement/m1'")
            && w.contains("not applied")),
        "{warnings:#?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("a conditional DELETE") && w.contains("nothing is removed")),
        "{warnings:#?}"
    );
    assert_eq!(env.rows("SELECT text FROM drug_exposures"), [["Drug A"]]);
}

/// Review R9-6: an `active` statement (R4: "the medication is still being taken") dated only by
/// `dateAsserted` was taken by that day, since a day not recorded, and is ongoing; never a drug
/// of one day. So is one whose `effectiveDateTime` is that day (review OB5: a day it was taken,
/// no start). A completed statement dated so keeps its one date (control).
#[test]
fn an_active_statement_dated_only_by_when_it_was_asserted_is_ongoing() {
    let asserted = |id: &str, code: &str, text: &str, status: &str| {
        json!({
            "resourceType": "MedicationStatement",
            "id": id,
            "status": status,
            "subject": {"reference": SUBJECT},
            "medicationCodeableConcept": coding(RXNORM, code, text),
            "dateAsserted": "2025-12-10"
        })
    };
    let mut env = Env::new();
    let path = env.write_json(
        "asserted.json",
        &patient_with(&[
            asserted("a1", "900061", "Drug A1", "active"),
            asserted("a2", "900062", "Drug A2", "completed"),
            with(
                asserted("a3", "900063", "Drug A3", "active"),
                &json!({"effectiveDateTime": "2025-12-10"}),
            ),
        ]),
    );
    env.import_ok(&path);
    assert_eq!(
        env.rows(
            "SELECT text, substr(start, 1, 10), coalesce(substr(end, 1, 10), '-'), dates
             FROM drug_exposures ORDER BY text"
        ),
        [
            ["Drug A1", "2025-12-10", "-", "start_unknown"],
            ["Drug A2", "2025-12-10", "2025-12-10", "unknown"],
            ["Drug A3", "2025-12-10", "-", "start_unknown"],
        ]
    );
}

/// Review R9-6: a request or a statement of status `unknown` (R4: one of the other statuses
/// applies, the source does not know which) is read as given from its start, for how long not
/// known, and said so in a warning; control: an `active` one gives no warning.
#[test]
fn a_record_of_unknown_status_is_given_for_how_long_not_known_and_said() {
    let mut env = Env::new();
    let path = env.write_json(
        "unknown-status.json",
        &patient_with(&[
            request(
                "u1",
                "unknown",
                &with(
                    drug("900071", "Drug U1"),
                    &json!({"dosageInstruction": [{"timing": {"repeat": {
                        "boundsPeriod": {"start": "2025-01-02"}}}}]}),
                ),
            ),
            statement(
                "u2",
                SUBJECT,
                ("900072", "Drug U2"),
                "unknown",
                "2025-01-02",
                None,
            ),
            statement(
                "u3",
                SUBJECT,
                ("900073", "Drug U3"),
                "active",
                "2025-01-02",
                None,
            ),
        ]),
    );
    let file = env.import_ok(&path);
    let warned: Vec<&str> = file
        .warnings
        .iter()
        .filter(|w| w.message.contains("status unknown"))
        .map(|w| w.resource.as_str())
        .collect();
    assert_eq!(
        warned,
        ["MedicationRequest/u1", "MedicationStatement/u2"],
        "{:#?}",
        file.warnings
    );
    assert_eq!(
        env.rows(
            "SELECT text, substr(start, 1, 10), coalesce(substr(end, 1, 10), '-'), dates
             FROM drug_exposures ORDER BY text"
        ),
        [
            ["Drug U1", "2025-01-02", "2025-01-02", "end_unknown"],
            ["Drug U2", "2025-01-02", "2025-01-02", "end_unknown"],
            ["Drug U3", "2025-01-02", "-", "stated"],
        ]
    );
}

/// Review R9-5: a statement `not-taken` with a reason, beside an active order of the drug, is
/// no exposure, but the import says the patient reports not taking it, when and why (the
/// non-adherence every criterion asks to rule out); control: a not-done administration says
/// nothing of the patient.
#[test]
fn a_statement_that_the_drug_is_not_taken_is_said_with_its_reason() {
    let mut env = Env::new();
    let path = env.write_json(
        "not-taken-reason.json",
        &patient_with(&[
            with(
                drug("197499", "Chlorthalidone 25 MG Oral Tablet"),
                &json!({
                    "resourceType": "MedicationStatement",
                    "id": "nt1",
                    "status": "not-taken",
                    "subject": {"reference": SUBJECT},
                    "effectiveDateTime": "2025-11-05",
                    "dateAsserted": "2025-11-05",
                    "statusReason": [{"text": "patient stopped taking it: frequent urination"}]
                }),
            ),
            json!({
                "resourceType": "MedicationAdministration", "id": "nd1", "status": "not-done",
                "subject": {"reference": SUBJECT},
                "medicationCodeableConcept": coding(RXNORM, "900042", "Drug T"),
                "effectiveDateTime": "2024-02-10T14:30:00Z"
            }),
        ]),
    );
    let file = env.import_ok(&path);
    let said: Vec<(&str, &str)> = file
        .warnings
        .iter()
        .filter(|w| w.message.contains("not-taken"))
        .map(|w| (w.resource.as_str(), w.message.as_str()))
        .collect();
    assert_eq!(said.len(), 1, "{:#?}", file.warnings);
    assert_eq!(said[0].0, "MedicationStatement/nt1");
    assert!(
        said[0].1.contains(
            "the patient reports not taking Chlorthalidone 25 MG Oral Tablet on 2025-11-05 \
             (patient stopped taking it: frequent urination)"
        ),
        "{}",
        said[0].1
    );
    assert!(exposures(&env).is_empty());
}

#[test]
fn a_medication_found_nowhere_is_named_by_its_references_display_until_it_comes() {
    // A Bulk export asked for MedicationRequest without Medication (`_type`), or a Medication on
    // another server: the order's `medicationReference` still says which drug in its `display`
    // (R4 "text alternative for the resource"), as an ingredient's reference does. The drug is
    // read by those words meanwhile, never an unidentified medication the criteria cannot
    // count, and the Medication, once imported, names it by its codes.
    let mut env = Env::new();
    let ordered = request(
        "r-away",
        "active",
        &json!({
            "medicationReference": {
                "reference": "Medication/away",
                "display": "Levetiracetam 500 MG Oral Tablet"
            },
            "authoredOn": "2021-01-01"
        }),
    );
    let path = env.write_json("orders.json", &patient_with(&[ordered]));
    let report = env.import(&[path]);
    let said = format!("{report:?}");
    assert!(
        said.contains("its medicationReference Medication/away is in no imported file")
            && said.contains("Levetiracetam 500 MG Oral Tablet"),
        "{said}"
    );
    let row = exposures(&env);
    assert_eq!(
        (row.len(), row[0][0].as_str(), row[0][1].as_str()),
        (1, "Levetiracetam 500 MG Oral Tablet", "-")
    );
    // The Medication comes: its code and words replace the display.
    let medication = json!({
        "resourceType": "Medication",
        "id": "away",
        "code": coding(RXNORM, "114477", "Levetiracetam")
    });
    let path = env.write_json("medication.json", &medication);
    env.import_ok(&path);
    let row = exposures(&env);
    assert_eq!(
        (row.len(), row[0][0].as_str(), row[0][1].as_str()),
        (1, "Levetiracetam", "114477")
    );
}

#[test]
fn an_order_dated_only_by_its_timing_events_is_kept_on_the_first() {
    // R4 `Timing.event`: "when the event occurs". A single dose ordered for a day (a cycle's
    // infusion, a depot injection), with no `authoredOn` (0..1 in R4), is dated by its events,
    // never left out as a record with no date: its first event is the day it was given from.
    let mut env = Env::new();
    let timed = |id: &str, events: Value| {
        request(
            id,
            "completed",
            &json!({
                "medicationCodeableConcept": coding(RXNORM, "121191", "rituximab"),
                "dosageInstruction": [{
                    "timing": {"event": events},
                    "doseAndRate": [{"doseQuantity": {"value": 700, "unit": "mg"}}]
                }]
            }),
        )
    };
    let document = patient_with(&[
        timed(
            "r-ev1",
            json!(["2024-05-22T09:00:00+02:00", "2024-05-01T09:00:00+02:00"]),
        ),
        // A null item beside an extension (R4 JSON's alignment) is no event.
        timed("r-ev2", json!([null, "2024-06-12"])),
        // Its own local day, by the offset it was written in (22:30 UTC the day before).
        timed("r-ev3", json!(["2024-07-03T00:30:00+02:00"])),
    ]);
    let path = env.write_json("events.json", &document);
    let file = env.import_ok(&path);
    assert_eq!(file.exposures, 3, "{:?}", file.warnings);
    let starts: Vec<String> = env
        .rows("SELECT substr(start, 1, 10), utc_offset FROM drug_exposures ORDER BY start")
        .into_iter()
        .map(|row| format!("{} {}", row[0], row[1]))
        .collect();
    assert_eq!(
        starts,
        ["2024-05-01 120", "2024-06-12 NULL", "2024-07-02 120"]
    );
    // Review RV-4: several events are given from the first to the last, as stated; one event
    // is that day alone.
    let spans: Vec<String> = env
        .rows(
            "SELECT substr(start, 1, 10), substr(end, 1, 10), dates FROM drug_exposures \
             ORDER BY start",
        )
        .into_iter()
        .map(|row| row.join(" "))
        .collect();
    assert_eq!(
        spans,
        [
            "2024-05-01 2024-05-22 stated",
            "2024-06-12 2024-06-12 unknown",
            "2024-07-02 2024-07-02 unknown"
        ]
    );
}
