//! A MedicationRequest dated only by `dispenseRequest.validityPeriod`: R4's "validity period of
//! a prescription (stale dating the Prescription)", when it may be dispensed, not when the drug
//! was taken. Its start dates the order as the one date the record has (how long the drug was
//! taken not known), never its end; a request with no date at all is left out with a warning
//! that says the criteria will not see it.

use serde_json::{Value, json};

use super::{Env, ICD10, RXNORM, bundle, coding, condition, patient, reason, with};

const SUBJECT: &str = "urn:uuid:val-pt";

/// A stopped order of `drug`, for no response, dated only by `validity`.
fn order(id: &str, (code, text): (&str, &str), validity: Option<Value>) -> Value {
    let mut order = json!({
        "resourceType": "MedicationRequest",
        "id": id,
        "status": "stopped",
        "intent": "order",
        "subject": {"reference": SUBJECT},
        "medicationCodeableConcept": coding(RXNORM, code, text),
        "statusReason": reason("266721009", "No response to treatment"),
        "dosageInstruction": [{
            "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [{"doseQuantity": {"value": 750, "unit": "mg"}}]
        }]
    });
    if let Some(validity) = validity {
        order["dispenseRequest"] = json!({"validityPeriod": validity, "numberOfRepeatsAllowed": 5});
    }
    order
}

fn epileptic(orders: Vec<Value>) -> Value {
    let mut resources = vec![
        patient("val-pt", "VAL-1", "Moe", "Liv"),
        condition("val-dx", SUBJECT, ICD10, "G40.909", "Epilepsy"),
    ];
    resources.extend(orders);
    bundle("collection", &resources)
}

fn epilepsy(env: &Env) -> (String, String) {
    let rows = env.rows("SELECT status, detail FROM assessments WHERE ruleset = 'epilepsy'");
    (rows[0][0].clone(), rows[0][1].clone())
}

#[test]
fn a_validity_period_dates_the_order_but_says_nothing_of_how_long_it_was_taken() {
    let mut env = Env::new();
    let file = env.write_json(
        "validity.json",
        &epileptic(vec![
            order(
                "v1",
                ("114477", "levetiracetam 500 MG Oral Tablet"),
                Some(json!({"start": "2018-01-01", "end": "2018-09-01"})),
            ),
            order(
                "v2",
                ("28439", "lamotrigine 100 MG Oral Tablet"),
                Some(json!({"start": "2019-01-01", "end": "2019-09-01"})),
            ),
        ]),
    );
    let report = env.import(&[file]);
    assert_eq!(report.exposures, 2, "{report:#?}");
    assert!(
        report.files[0]
            .warnings
            .iter()
            .all(|w| w.message.contains("no period recorded")),
        "{report:#?}"
    );
    // Kept at the validity's start, its end unknown (never the validity's end).
    assert_eq!(
        env.rows("SELECT substr(start, 1, 10), substr(end, 1, 10), dates FROM drug_exposures ORDER BY start"),
        [
            ["2018-01-01", "2018-01-01", "unknown"],
            ["2019-01-01", "2019-01-01", "unknown"]
        ]
    );
    // Two failures of unknown length: undecided, not "not drug-resistant".
    let (status, detail) = epilepsy(&env);
    assert_eq!(status, "insufficient_data", "{detail}");
}

#[test]
fn the_dates_a_request_has_come_before_its_validity() {
    let mut env = Env::new();
    let authored = with(
        order(
            "v3",
            ("114477", "levetiracetam 500 MG Oral Tablet"),
            Some(json!({"start": "2018-03-01"})),
        ),
        &json!({"authoredOn": "2018-02-01"}),
    );
    let file = env.write_json("authored.json", &epileptic(vec![authored]));
    env.import_ok(&file);
    assert_eq!(
        env.rows("SELECT substr(start, 1, 10) FROM drug_exposures"),
        [["2018-02-01"]]
    );
}

#[test]
fn a_request_with_no_date_at_all_is_left_out_with_a_warning_that_says_so() {
    let mut env = Env::new();
    let file = env.write_json(
        "undated.json",
        &epileptic(vec![order(
            "v4",
            ("114477", "levetiracetam 500 MG Oral Tablet"),
            Some(json!({"end": "2018-09-01"})),
        )]),
    );
    let report = env.import(&[file]);
    let warning = &report.files[0].warnings[0];
    assert_eq!(warning.resource, "MedicationRequest/v4");
    assert!(
        warning
            .message
            .contains("dispenseRequest.validityPeriod or meta.lastUpdated): left out, so the criteria do not see this drug"),
        "{warning:?}"
    );
}
