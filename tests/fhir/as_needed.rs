//! A drug taken as needed (R4 `Dosage.asNeededBoolean` true, or `asNeededCodeableConcept`): a
//! rescue benzodiazepine for seizure clusters, a PRN antipsychotic for agitation. It is kept and
//! shown as as-needed, but it is no schedule: not a line, not a failed schedule, not a trial.

use serde_json::{Value, json};

use super::{Env, ICD10, RXNORM, bundle, coding, condition, patient, refract};

const SUBJECT: &str = "urn:uuid:prn-pt";

/// An active MedicationStatement of `drug` from `start`, with `dosage`.
fn taken(id: &str, (code, text): (&str, &str), start: &str, dosage: &Value) -> Value {
    json!({
        "resourceType": "MedicationStatement",
        "id": id,
        "status": "active",
        "subject": {"reference": SUBJECT},
        "medicationCodeableConcept": coding(RXNORM, code, text),
        "effectivePeriod": {"start": start},
        "dosage": [dosage]
    })
}

fn daily(mg: f64) -> Value {
    json!({
        "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
        "doseAndRate": [{"doseQuantity": {"value": mg, "unit": "mg"}}]
    })
}

const CLOBAZAM: (&str, &str) = ("199450", "clobazam 10 MG Oral Tablet");

/// Epilepsy on levetiracetam since January 2018, lamotrigine added in January 2019, and
/// clobazam from May 2018 as `clobazam` says.
fn epilepsy_with(clobazam: Value) -> Env {
    let mut env = Env::new();
    let document = bundle(
        "collection",
        &[
            patient("prn-pt", "PRN-1", "Holm", "Siri"),
            condition("prn-dx", SUBJECT, ICD10, "G40.909", "Epilepsy"),
            taken(
                "lev",
                ("311289", "levetiracetam 500 MG Oral Tablet"),
                "2018-01-01",
                &daily(1500.0),
            ),
            clobazam,
            taken(
                "ltg",
                ("198429", "lamotrigine 100 MG Oral Tablet"),
                "2019-01-01",
                &daily(200.0),
            ),
        ],
    );
    let path = env.write_json("prn.json", &document);
    env.import_ok(&path);
    env
}

fn regimens(env: &Env) -> Vec<String> {
    env.rows("SELECT regimen FROM treatment_lines WHERE ruleset = 'epilepsy' ORDER BY number")
        .into_iter()
        .map(|row| row[0].clone())
        .collect()
}

#[test]
fn a_rescue_drug_taken_as_needed_is_no_schedule() {
    let rescue_statement = taken(
        "clb",
        CLOBAZAM,
        "2018-05-01",
        &json!({
            "text": "10 mg by mouth as needed for seizure cluster (max 2 doses/24 h)",
            "asNeededBoolean": true,
            "doseAndRate": [{"doseQuantity": {"value": 10, "unit": "mg"}}]
        }),
    );
    // An order, as needed for a reason, with the most it may be given in a day.
    let rescue_order = json!({
        "resourceType": "MedicationRequest",
        "id": "clb",
        "status": "active",
        "intent": "order",
        "subject": {"reference": SUBJECT},
        "medicationCodeableConcept": coding(RXNORM, CLOBAZAM.0, CLOBAZAM.1),
        "authoredOn": "2018-05-01",
        "dosageInstruction": [{
            "asNeededCodeableConcept": {"text": "seizure cluster"},
            "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [{"doseQuantity": {"value": 10, "unit": "mg"}}]
        }]
    });
    for (name, rescue) in [("statement", rescue_statement), ("order", rescue_order)] {
        let env = epilepsy_with(rescue);
        // Kept, with its amount (not a daily dose: twice a day is the most, not a schedule).
        assert_eq!(
            env.rows(
                "SELECT coalesce(dose_value || ' ' || dose_unit, '-'), coalesce(role, '-')
                 FROM drug_exposures WHERE text LIKE 'clobazam%'"
            ),
            [["10.0 mg", "as_needed"]],
            "{name}"
        );
        // Levetiracetam alone, then lamotrigine added: no line has clobazam in it.
        assert_eq!(
            regimens(&env),
            ["levetiracetam", "lamotrigine + levetiracetam"],
            "{name}"
        );
        let rows = env.rows("SELECT status, detail FROM assessments WHERE ruleset = 'epilepsy'");
        assert_eq!(rows.len(), 1, "{name}: {rows:#?}");
        assert_ne!(rows[0][0], "refractory", "{name}: {}", rows[0][1]);
        assert!(!rows[0][1].contains("clobazam"), "{name}: {}", rows[0][1]);

        // `show` says it is taken as needed.
        let output = refract()
            .arg("--db")
            .arg(env.db())
            .args(["show", "PRN-1"])
            .output()
            .unwrap();
        let text = String::from_utf8(output.stdout).unwrap();
        let line = text
            .lines()
            .find(|line| line.contains("clobazam 10 MG Oral Tablet"))
            .expect(&text);
        assert!(line.contains("as needed"), "{name}: {text}");
    }
}

#[test]
fn as_needed_false_is_a_schedule() {
    let scheduled = taken(
        "clb",
        CLOBAZAM,
        "2018-05-01",
        &json!({
            "asNeededBoolean": false,
            "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [{"doseQuantity": {"value": 10, "unit": "mg"}}]
        }),
    );
    let env = epilepsy_with(scheduled);
    assert_eq!(
        env.rows("SELECT coalesce(role, '-') FROM drug_exposures WHERE text LIKE 'clobazam%'"),
        [["-"]]
    );
    assert_eq!(
        regimens(&env),
        [
            "levetiracetam",
            "clobazam + levetiracetam",
            "clobazam + lamotrigine + levetiracetam"
        ]
    );
}
