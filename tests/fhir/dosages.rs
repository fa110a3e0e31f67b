//! A record with several dosages (R4 `dosageInstruction` and `dosage` are 0..*): entries with
//! one `sequence` number are given together and add up (500 mg in the morning and 750 mg in the
//! evening are 1250 mg/d), entries with different numbers follow one another (a titration) and
//! the record's dose is its highest step's; an entry with no sequence is a step of its own. What
//! cannot be turned into one daily amount leaves the dose unknown, never a guess.

use serde_json::{Value, json};

use super::{Env, ICD10, RXNORM, bundle, coding, condition, patient, reason, with};

const SUBJECT: &str = "urn:uuid:dos-pt";

/// One dosage: `amount` (value, unit) `per_day` times a day, with `sequence` when given.
fn dosage(sequence: Option<i64>, amount: (f64, &str), per_day: u32) -> Value {
    let mut dosage = json!({
        "timing": {"repeat": {"frequency": per_day, "period": 1, "periodUnit": "d"}},
        "doseAndRate": [{"doseQuantity": {"value": amount.0, "unit": amount.1}}]
    });
    if let Some(sequence) = sequence {
        dosage["sequence"] = json!(sequence);
    }
    dosage
}

/// An active MedicationRequest of `text` with `dosages`.
fn request(id: &str, text: &str, dosages: &[Value]) -> Value {
    json!({
        "resourceType": "MedicationRequest",
        "id": id,
        "status": "active",
        "intent": "order",
        "subject": {"reference": SUBJECT},
        "medicationCodeableConcept": coding(RXNORM, &format!("9{id}"), text),
        "authoredOn": "2024-01-01",
        "dosageInstruction": dosages
    })
}

/// The dose stored for each record, by drug text (`-`: unknown).
fn doses(resources: &[Value]) -> Vec<(String, String)> {
    let mut env = Env::new();
    let mut all = vec![patient("dos-pt", "DOS-1", "Lund", "Ivar")];
    all.extend_from_slice(resources);
    let path = env.write_json("dosages.json", &bundle("collection", &all));
    env.import_ok(&path);
    env.rows(
        "SELECT text, coalesce(dose_value || ' ' || dose_unit, '-')
         FROM drug_exposures ORDER BY text",
    )
    .into_iter()
    .map(|row| (row[0].clone(), row[1].clone()))
    .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[test]
fn split_doses_of_one_sequence_add_up() {
    let morning_and_evening = [
        with(
            dosage(Some(1), (500.0, "mg"), 1),
            &json!({"text": "500 mg in the morning"}),
        ),
        with(
            dosage(Some(1), (750.0, "mg"), 1),
            &json!({"text": "750 mg in the evening"}),
        ),
    ];
    // One in milligrams, one in grams, one in tablets of the strength the name gives.
    let mixed = [
        dosage(Some(1), (0.5, "g"), 1),
        dosage(Some(1), (250.0, "mg"), 1),
        dosage(Some(1), (1.0, "{tbl}"), 1),
    ];
    assert_eq!(
        doses(&[
            request("s1", "Drug A", &morning_and_evening),
            request("s2", "Drug B 250 MG Oral Tablet", &mixed),
        ]),
        pairs(&[
            ("Drug A", "1250.0 mg/d"),
            ("Drug B 250 MG Oral Tablet", "1000.0 mg/d"),
        ])
    );
}

#[test]
fn a_titration_is_judged_by_its_highest_step() {
    // 250 mg twice a day for 14 days, then 500 mg twice a day.
    let first = with(
        dosage(Some(1), (250.0, "mg"), 2),
        &json!({"timing": {"repeat": {
            "frequency": 2, "period": 1, "periodUnit": "d",
            "boundsDuration": {"value": 14, "unit": "days", "system": "http://unitsofmeasure.org", "code": "d"}
        }}}),
    );
    let then = dosage(Some(2), (500.0, "mg"), 2);
    // The steps in the list need not be in their order.
    assert_eq!(
        doses(&[
            request("t1", "Drug C", &[first.clone(), then.clone()]),
            request("t2", "Drug D", &[then, first]),
        ]),
        pairs(&[("Drug C", "1000.0 mg/d"), ("Drug D", "1000.0 mg/d")])
    );
}

#[test]
fn dosages_without_a_sequence_are_each_a_step_of_their_own() {
    // Nothing says they are given together: never added up, the highest counts.
    assert_eq!(
        doses(&[request(
            "u1",
            "Drug E",
            &[
                dosage(None, (500.0, "mg"), 1),
                dosage(None, (750.0, "mg"), 1),
            ],
        )]),
        pairs(&[("Drug E", "750.0 mg/d")])
    );
}

#[test]
fn a_dosage_list_with_an_entry_without_a_dose_leaves_the_dose_unknown() {
    let no_dose = |sequence: i64| json!({"sequence": sequence, "text": "as directed"});
    assert_eq!(
        doses(&[
            // Given together with an amount nobody wrote down.
            request(
                "n1",
                "Drug F",
                &[dosage(Some(1), (500.0, "mg"), 1), no_dose(1)]
            ),
            // A later step of unknown dose may be the highest.
            request(
                "n2",
                "Drug G",
                &[dosage(Some(1), (250.0, "mg"), 2), no_dose(2)]
            ),
            // An amount with no frequency is no daily amount.
            request(
                "n3",
                "Drug H",
                &[
                    dosage(Some(1), (500.0, "mg"), 1),
                    json!({"sequence": 1,
                           "doseAndRate": [{"doseQuantity": {"value": 750, "unit": "mg"}}]}),
                ]
            ),
            // Tablets of a strength the name does not give cannot be added to milligrams.
            request(
                "n4",
                "Drug I",
                &[
                    dosage(Some(1), (500.0, "mg"), 1),
                    dosage(Some(1), (1.0, "{tbl}"), 1),
                ]
            ),
        ]),
        pairs(&[
            ("Drug F", "-"),
            ("Drug G", "-"),
            ("Drug H", "-"),
            ("Drug I", "-"),
        ])
    );
}

#[test]
fn a_single_dosage_reads_as_before() {
    assert_eq!(
        doses(&[
            request("o1", "Drug J", &[dosage(Some(1), (500.0, "mg"), 2)]),
            request("o2", "Drug K", &[dosage(None, (500.0, "mg"), 2)]),
            // An amount with no frequency is kept as written.
            request(
                "o3",
                "Drug L",
                &[json!({"doseAndRate": [{"doseQuantity": {"value": 500, "unit": "mg"}}]})]
            ),
            request("o4", "Drug M", &[json!({"text": "500 mg twice daily"})]),
            request("o5", "Drug N", &[json!({"text": "as directed"})]),
        ]),
        pairs(&[
            ("Drug J", "1000.0 mg/d"),
            ("Drug K", "1000.0 mg/d"),
            ("Drug L", "500.0 mg"),
            ("Drug M", "1000.0 mg/d"),
            ("Drug N", "-"),
        ])
    );
}

/// An epilepsy patient whose levetiracetam (given with `dosages`, stopped for no response after
/// five months) and then lamotrigine 200 mg twice a day (likewise) failed: two adequate
/// schedules failed, unless the levetiracetam dose is read too low.
fn epilepsy(dosages: &[Value]) -> (String, String) {
    let stopped =
        |id: &str, (code, text): (&str, &str), start: &str, end: &str, dosage: &[Value]| {
            json!({
                "resourceType": "MedicationStatement",
                "id": id,
                "status": "stopped",
                "subject": {"reference": SUBJECT},
                "medicationCodeableConcept": coding(RXNORM, code, text),
                "effectivePeriod": {"start": start, "end": end},
                "statusReason": [reason("266721009", "No response to treatment")],
                "dosage": dosage
            })
        };
    let mut env = Env::new();
    let document = bundle(
        "collection",
        &[
            patient("dos-pt", "DOS-EP", "Lund", "Ivar"),
            condition("dos-dx", SUBJECT, ICD10, "G40.909", "Epilepsy"),
            stopped(
                "lev",
                ("114477", "Levetiracetam 500 MG Oral Tablet"),
                "2022-01-10",
                "2022-06-01",
                dosages,
            ),
            stopped(
                "ltg",
                ("28439", "Lamotrigine 200 MG Oral Tablet"),
                "2022-06-20",
                "2022-12-15",
                &[dosage(None, (200.0, "mg"), 2)],
            ),
        ],
    );
    let path = env.write_json("epilepsy.json", &document);
    env.import_ok(&path);
    let rows = env.rows("SELECT status, detail FROM assessments WHERE ruleset = 'epilepsy'");
    assert_eq!(rows.len(), 1, "{rows:#?}");
    (rows[0][0].clone(), rows[0][1].clone())
}

#[test]
fn levetiracetam_in_split_doses_or_titrated_up_is_an_adequate_schedule() {
    let split = [
        dosage(Some(1), (500.0, "mg"), 1),
        dosage(Some(1), (750.0, "mg"), 1),
    ];
    let titrated = [
        with(
            dosage(Some(1), (250.0, "mg"), 2),
            &json!({"timing": {"repeat": {
                "frequency": 2, "period": 1, "periodUnit": "d",
                "boundsDuration": {"value": 14, "unit": "d"}
            }}}),
        ),
        dosage(Some(2), (500.0, "mg"), 2),
    ];
    for (name, dosages) in [("split", &split), ("titrated", &titrated)] {
        let (status, detail) = epilepsy(dosages);
        assert_eq!(status, "refractory", "{name}: {detail}");
        assert!(!detail.contains("below the minimum"), "{name}: {detail}");
    }
}

#[test]
fn the_bounds_of_an_earlier_step_do_not_end_the_record() {
    // 250 mg twice a day for 14 days, then 500 mg twice a day with no end: still given.
    let first = with(
        dosage(Some(1), (250.0, "mg"), 2),
        &json!({"timing": {"repeat": {
            "frequency": 2, "period": 1, "periodUnit": "d",
            "boundsDuration": {"value": 14, "unit": "d"}
        }}}),
    );
    let then = dosage(Some(2), (500.0, "mg"), 2);
    // A course whose last step ends: it ends when that step does.
    let last = with(
        dosage(Some(2), (500.0, "mg"), 2),
        &json!({"timing": {"repeat": {
            "frequency": 2, "period": 1, "periodUnit": "d",
            "boundsPeriod": {"start": "2024-01-15", "end": "2024-06-30"}
        }}}),
    );
    let mut env = Env::new();
    let document = bundle(
        "collection",
        &[
            patient("dos-pt", "DOS-1", "Lund", "Ivar"),
            request("b1", "Drug O", &[first.clone(), then]),
            request("b2", "Drug P", &[first, last]),
        ],
    );
    let path = env.write_json("steps.json", &document);
    env.import_ok(&path);
    assert_eq!(
        env.rows(
            "SELECT text, substr(start, 1, 10), coalesce(substr(end, 1, 10), '-')
             FROM drug_exposures ORDER BY text"
        ),
        [
            ["Drug O", "2024-01-01", "-"],
            ["Drug P", "2024-01-01", "2024-06-30"],
        ]
    );
}
