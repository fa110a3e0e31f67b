//! A Medication's ingredients given as references (R4 `Medication.ingredient.itemReference`):
//! to a Medication or Substance contained in it, to one elsewhere in the file or in another
//! file of the import, or to nothing refract can find. Each names the ingredient, so that a
//! combination product counts every class it holds; one found nowhere is named by its
//! reference's display and reported, never dropped without a word.

use serde_json::{Value, json};

use super::{Env, RXNORM, SNOMED, bundle, coding, with};

const SUBJECT: &str = "urn:uuid:ing-pt";

fn ingredient_code(code: &str, name: &str) -> Value {
    json!({"coding": [{"system": RXNORM, "code": code, "display": name}]})
}

const AMLODIPINE: (&str, &str) = ("17767", "amlodipine");
const VALSARTAN: (&str, &str) = ("69749", "valsartan");
const HCTZ: (&str, &str) = ("5487", "hydrochlorothiazide");

/// A patient with hypertension, above goal at two office visits while on the drug.
fn hypertensive() -> Vec<Value> {
    let bp = |id: &str, day: &str, systolic: u32, diastolic: u32| {
        json!({
            "resourceType": "Observation",
            "id": id,
            "status": "final",
            "subject": {"reference": SUBJECT},
            "code": coding("http://loinc.org", "85354-9", "Blood pressure panel"),
            "effectiveDateTime": day,
            "component": [
                {"code": coding("http://loinc.org", "8480-6", "Systolic blood pressure"),
                 "valueQuantity": {"value": systolic, "unit": "mm[Hg]"}},
                {"code": coding("http://loinc.org", "8462-4", "Diastolic blood pressure"),
                 "valueQuantity": {"value": diastolic, "unit": "mm[Hg]"}}
            ]
        })
    };
    vec![
        super::patient("ing-pt", "ING-1", "Berg", "Ola"),
        json!({
            "resourceType": "Condition",
            "id": "ing-htn",
            "subject": {"reference": SUBJECT},
            "clinicalStatus": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                "code": "active"
            }]},
            "code": coding(SNOMED, "38341003", "Hypertensive disorder"),
            "onsetDateTime": "2020-01-01"
        }),
        bp("ing-bp1", "2026-10-01T10:00:00Z", 150, 95),
        bp("ing-bp2", "2026-11-01T10:00:00Z", 152, 96),
    ]
}

/// An active order of one tablet a day of `Medication/<medication>`.
fn order(medication: &str) -> Value {
    json!({
        "resourceType": "MedicationRequest",
        "id": "ing-rx",
        "status": "active",
        "intent": "order",
        "subject": {"reference": SUBJECT},
        "authoredOn": "2026-01-01",
        "medicationReference": {"reference": format!("Medication/{medication}")},
        "dosageInstruction": [{
            "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "tablet"}}]
        }]
    })
}

/// The "Triple pill" (a code of words alone) whose ingredients are `ingredients`.
fn triple_pill(ingredients: &[Value], extra: &Value) -> Value {
    with(
        json!({
            "resourceType": "Medication",
            "id": "pill",
            "code": {"text": "Triple pill"},
            "ingredient": ingredients
        }),
        extra,
    )
}

fn item(reference: &str) -> Value {
    json!({"itemReference": {"reference": reference}})
}

fn substance(id: &str, (code, name): (&str, &str)) -> Value {
    json!({"resourceType": "Substance", "id": id, "code": ingredient_code(code, name)})
}

/// The hypertension assessment's status and its reasons.
fn hypertension(env: &Env) -> (String, String) {
    let rows = env.rows("SELECT status, detail FROM assessments WHERE ruleset = 'hypertension'");
    (rows[0][0].clone(), rows[0][1].clone())
}

fn texts(env: &Env) -> Vec<String> {
    env.rows("SELECT text FROM drug_exposures ORDER BY text")
        .into_iter()
        .map(|row| row[0].clone())
        .collect()
}

const NAMED: &str = "Triple pill (amlodipine / valsartan / hydrochlorothiazide)";

#[test]
fn ingredients_referred_to_are_followed_wherever_they_are() {
    // Contained in the Medication.
    let contained = triple_pill(
        &[item("#a"), item("#v"), item("#h")],
        &json!({"contained": [
            {"resourceType": "Medication", "id": "a", "code": ingredient_code(AMLODIPINE.0, AMLODIPINE.1)},
            {"resourceType": "Substance", "id": "v", "code": ingredient_code(VALSARTAN.0, VALSARTAN.1)},
            {"resourceType": "Medication", "id": "h", "code": ingredient_code(HCTZ.0, HCTZ.1)}
        ]}),
    );
    // Substances of the same file, after the order that uses them.
    let elsewhere = triple_pill(
        &[
            item("Substance/sa"),
            item("urn:uuid:sv"),
            item("https://ehr.example/fhir/Substance/sh"),
        ],
        &json!({}),
    );
    for (name, medication, after) in [
        ("contained", contained, vec![]),
        (
            "in the file",
            elsewhere,
            vec![
                substance("sa", AMLODIPINE),
                substance("sv", VALSARTAN),
                substance("sh", HCTZ),
            ],
        ),
    ] {
        let mut env = Env::new();
        let mut resources = hypertensive();
        resources.push(medication);
        resources.push(order("pill"));
        resources.extend(after);
        let file = env.write_json("pill.json", &bundle("collection", &resources));
        let report = env.import(&[file]);
        assert_eq!(report.warnings, 0, "{name}: {report:#?}");
        assert_eq!(texts(&env), [NAMED], "{name}");
        let (status, detail) = hypertension(&env);
        assert_eq!(status, "resistant", "{name}: {detail}");
        assert!(
            detail.contains("3 classes given together"),
            "{name}: {detail}"
        );
        // The combination is no one ingredient: it does not carry amlodipine's code.
        assert_eq!(
            env.rows("SELECT coalesce(rxnorm, '-') FROM drug_exposures"),
            [["-"]],
            "{name}"
        );
    }
}

#[test]
fn an_ingredient_in_another_file_is_found_in_the_same_import_or_a_later_one() {
    let medication = triple_pill(
        &[
            item("Medication/amlo"),
            item("Substance/sv"),
            item("Substance/sh"),
        ],
        &json!({}),
    );
    let ingredients = bundle(
        "collection",
        &[
            json!({"resourceType": "Medication", "id": "amlo",
                   "code": ingredient_code(AMLODIPINE.0, AMLODIPINE.1)}),
            substance("sv", VALSARTAN),
            substance("sh", HCTZ),
        ],
    );
    let mut resources = hypertensive();
    resources.push(medication);
    resources.push(order("pill"));
    let record = bundle("collection", &resources);

    // Both files in one import, the ingredients' file last.
    let mut env = Env::new();
    let first = env.write_json("record.json", &record);
    let second = env.write_json("ingredients.json", &ingredients);
    let report = env.import(&[first, second]);
    assert_eq!(report.warnings, 0, "{report:#?}");
    assert_eq!(texts(&env), [NAMED]);
    assert_eq!(hypertension(&env).0, "resistant");

    // The ingredients imported later: the drug is an unnamed combination until then, which is
    // said, and named when they come.
    let mut env = Env::new();
    let first = env.write_json("record.json", &record);
    let report = env.import(&[first]);
    let messages: Vec<&str> = report.files[0]
        .warnings
        .iter()
        .map(|w| w.message.as_str())
        .chain(report.notices.iter().map(|w| w.message.as_str()))
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("ingredient Substance/sv is in no imported file")),
        "{report:#?}"
    );
    assert_eq!(texts(&env), ["Triple pill"]);
    assert_eq!(hypertension(&env).0, "not_met");
    let second = env.write_json("ingredients.json", &ingredients);
    env.import_ok(&second);
    assert_eq!(texts(&env), [NAMED]);
    assert_eq!(hypertension(&env).0, "resistant");
}

/// An ingredient that changes or goes after its Medication's records were built: they are
/// built again (the patients are found through the Medications that name it).
#[test]
fn an_ingredient_changed_or_removed_later_changes_the_drug_it_is_in() {
    let medication = triple_pill(
        &[
            item("Medication/amlo"),
            item("Substance/sv"),
            item("Substance/sh"),
        ],
        &json!({}),
    );
    let amlodipine = json!({"resourceType": "Medication", "id": "amlo",
                            "code": ingredient_code(AMLODIPINE.0, AMLODIPINE.1)});
    let mut resources = hypertensive();
    resources.push(medication);
    resources.push(order("pill"));
    let mut env = Env::new();
    let record = env.write_json("record.json", &bundle("collection", &resources));
    let ingredients = env.write_json(
        "ingredients.json",
        &bundle(
            "collection",
            &[
                amlodipine,
                substance("sv", VALSARTAN),
                substance("sh", HCTZ),
            ],
        ),
    );
    env.import_ok(&record);
    env.import_ok(&ingredients);
    assert_eq!(hypertension(&env).0, "resistant");

    // The diuretic turns out to be recorded as valsartan too: two classes, no diuretic.
    let changed = env.write_json(
        "changed.json",
        &bundle("collection", &[substance("sh", VALSARTAN)]),
    );
    env.import_ok(&changed);
    assert_eq!(
        texts(&env),
        ["Triple pill (amlodipine / valsartan / valsartan)"]
    );
    assert_ne!(hypertension(&env).0, "resistant");

    // Back as it was, then the amlodipine Medication entered in error.
    env.import_ok(&ingredients);
    assert_eq!(hypertension(&env).0, "resistant");
    let removed = env.write_json(
        "removed.json",
        &bundle(
            "collection",
            &[
                json!({"resourceType": "Medication", "id": "amlo", "status": "entered-in-error",
                     "code": ingredient_code(AMLODIPINE.0, AMLODIPINE.1)}),
            ],
        ),
    );
    env.import_ok(&removed);
    assert_ne!(texts(&env), [NAMED]);
}

/// A file written before the ingredients had an index of their own (schema 18): the
/// migration builds it from the Medications stored, so a later change still reaches them.
#[test]
fn a_file_from_before_the_ingredient_index_still_follows_its_ingredients() {
    let medication = triple_pill(&[item("Substance/sv"), item("Substance/sh")], &json!({}));
    let mut resources = hypertensive();
    resources.push(medication);
    resources.push(order("pill"));
    resources.push(substance("sv", VALSARTAN));
    resources.push(substance("sh", HCTZ));
    let mut env = Env::new();
    let record = env.write_json("record.json", &bundle("collection", &resources));
    env.import_ok(&record);
    let before = texts(&env);
    {
        let conn = rusqlite::Connection::open(env.db()).unwrap();
        // What migrations 19 and later add (0031: conditions.recorded), taken away (0027 creates its table only if absent): the
        // file as schema 18 left it.
        conn.execute_batch(
            "DROP TABLE medication_ingredients;
             ALTER TABLE patients DROP COLUMN birth_precision;
             ALTER TABLE procedures DROP COLUMN system;
             ALTER TABLE procedures DROP COLUMN codings;
             ALTER TABLE conditions DROP COLUMN codings;
             ALTER TABLE observations DROP COLUMN since;
             ALTER TABLE observations DROP COLUMN system;
             ALTER TABLE meeting_cases DROP COLUMN presented_clock_ms;
             ALTER TABLE meeting_cases DROP COLUMN presented_clock_by;
             DROP TRIGGER meetings_uid_made;
             DROP INDEX meetings_uid;
             ALTER TABLE meetings DROP COLUMN uid;
             ALTER TABLE conditions DROP COLUMN recorded;
             ALTER TABLE drug_exposures DROP COLUMN end_utc_offset;
             ALTER TABLE procedures DROP COLUMN end_utc_offset;
             ALTER TABLE observations DROP COLUMN since_utc_offset;
             ALTER TABLE observations DROP COLUMN utc_offset;
             ALTER TABLE procedures DROP COLUMN utc_offset;
             ALTER TABLE drug_exposures DROP COLUMN utc_offset;
             DROP INDEX patient_identifiers_value;
             ALTER TABLE patient_identifiers DROP COLUMN id_use;
             ALTER TABLE patient_identifiers DROP COLUMN id_type;
             ALTER TABLE patients DROP COLUMN demographics_updated;
             DROP TABLE patient_names;
             DROP TABLE refused_patient_ids;
             DROP TABLE death_reports;
             ALTER TABLE drug_exposures DROP COLUMN said_stopped;
             DROP TABLE alive_reports;
             ALTER TABLE patients DROP COLUMN mrn_use;
             ALTER TABLE patients DROP COLUMN mrn_type;
             ALTER TABLE drug_exposures DROP COLUMN indications;
             ALTER TABLE observations DROP COLUMN effective_precision;
             ALTER TABLE observations DROP COLUMN since_precision;
             ALTER TABLE conditions DROP COLUMN recorded_precision;
             ALTER TABLE conditions DROP COLUMN onset_precision;
             ALTER TABLE conditions DROP COLUMN abatement_precision;
             DROP TABLE import_batches;
             ALTER TABLE imports DROP COLUMN batch_id;
             ALTER TABLE procedures DROP COLUMN indications;
             ALTER TABLE observations DROP COLUMN focus;
             ALTER TABLE fhir_resources DROP COLUMN current_until;
             DROP TABLE removed_resources;
             DROP TABLE kept_aside;
             ALTER TABLE observations DROP COLUMN value_words;
             ALTER TABLE meeting_cases DROP COLUMN discussed_mrn;
             ALTER TABLE meeting_cases DROP COLUMN discussed_family_name;
             ALTER TABLE meeting_cases DROP COLUMN discussed_given_name;
             ALTER TABLE meeting_cases DROP COLUMN discussed_sex;
             ALTER TABLE meeting_cases DROP COLUMN discussed_birth_date;
             ALTER TABLE patient_identifiers DROP COLUMN record;
             DROP TABLE drug_reactions;
             ALTER TABLE drug_exposures DROP COLUMN dose_from;
             ALTER TABLE observations DROP COLUMN reference_ranges;
             DROP TABLE claimed_patient_ids;
             ALTER TABLE fhir_resources DROP COLUMN carried;
             ALTER TABLE patients DROP COLUMN deceased_in;
             ALTER TABLE observations DROP COLUMN interpretation;
             PRAGMA user_version = 18;",
        )
        .unwrap();
    }
    env.store =
        refract::store::Store::open(&env.db(), refract::store::OpenMode::MustExist, "fhir-test")
            .unwrap();
    let changed = env.write_json(
        "changed.json",
        &bundle("collection", &[substance("sh", VALSARTAN)]),
    );
    env.import_ok(&changed);
    assert_ne!(texts(&env), before);
    assert!(
        texts(&env)[0].ends_with("valsartan / valsartan)"),
        "{:?}",
        texts(&env)
    );
}

#[test]
fn an_ingredient_found_nowhere_is_named_by_its_display_and_reported() {
    let mut env = Env::new();
    let medication = triple_pill(
        &[
            json!({"itemReference": {"reference": "#gone", "display": "amlodipine"}}),
            json!({"itemReference": {"reference": "urn:uuid:nowhere", "display": "valsartan"}}),
            json!({"itemReference": {"display": "hydrochlorothiazide"}}),
            json!({"itemReference": {"reference": "Organization/o1"}}),
        ],
        &json!({}),
    );
    let mut resources = hypertensive();
    resources.push(medication);
    resources.push(order("pill"));
    let file = env.write_json("pill.json", &bundle("collection", &resources));
    let report = env.import(&[file]);
    let warnings: Vec<String> = report.files[0]
        .warnings
        .iter()
        .map(|w| format!("{}: {}", w.resource, w.message))
        .collect();
    for expected in [
        "Medication/pill: its ingredient '#gone' names no contained Medication or Substance with a code: named by its display 'amlodipine'",
        "Medication/pill: its ingredient 'urn:uuid:nowhere' names no Medication or Substance of this file: named by its display 'valsartan'",
        "Medication/pill: its ingredient 'Organization/o1' is not a Medication or a Substance: left unnamed",
    ] {
        assert!(
            warnings.iter().any(|w| w == expected),
            "{expected}\n{warnings:#?}"
        );
    }
    assert_eq!(texts(&env), [NAMED]);
    assert_eq!(hypertension(&env).0, "resistant");
}

#[test]
fn a_contained_medications_ingredients_name_the_records_contained_resources() {
    let mut env = Env::new();
    let mut resources = hypertensive();
    resources.push(json!({
        "resourceType": "MedicationRequest",
        "id": "ing-rx",
        "status": "active",
        "intent": "order",
        "subject": {"reference": SUBJECT},
        "authoredOn": "2026-01-01",
        "contained": [
            {"resourceType": "Medication", "id": "pill", "code": {"text": "Triple pill"},
             "ingredient": [item("#a"), item("#v"),
                            {"itemReference": {"reference": "Substance/elsewhere",
                                               "display": "hydrochlorothiazide"}}]},
            {"resourceType": "Substance", "id": "a", "code": ingredient_code(AMLODIPINE.0, AMLODIPINE.1)},
            {"resourceType": "Substance", "id": "v", "code": ingredient_code(VALSARTAN.0, VALSARTAN.1)}
        ],
        "medicationReference": {"reference": "#pill"},
        "dosageInstruction": [{
            "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "tablet"}}]
        }]
    }));
    let file = env.write_json("pill.json", &bundle("collection", &resources));
    let report = env.import(&[file]);
    // An ingredient outside the record is not looked for: said, and named by its display.
    assert_eq!(report.warnings, 1, "{report:#?}");
    assert!(
        report.files[0].warnings[0]
            .message
            .contains("'Substance/elsewhere' is outside the record and not followed"),
        "{report:#?}"
    );
    assert_eq!(texts(&env), [NAMED]);
    assert_eq!(hypertension(&env).0, "resistant");
}
