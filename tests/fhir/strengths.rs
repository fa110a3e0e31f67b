//! A dose counted in the product's units (tablets, millilitres) whose strength only the
//! Medication gives (R4 `Medication.ingredient.strength`, a Ratio): milligrams are the dose in
//! units of the strength's denominator times its numerator, for a product of one active
//! ingredient. A combination stays counted, each ingredient given its strength by name when
//! every one has a strength per tablet; units that do not match convert to nothing.

use serde_json::{Value, json};

use super::{Env, RXNORM, bundle, coding};

const SUBJECT: &str = "urn:uuid:str-pt";

/// A strength of `mg` milligrams per `per` `unit` (a code of v3-orderableDrugForm or UCUM).
fn strength(mg: f64, per: f64, unit: &str) -> Value {
    json!({
        "numerator": {"value": mg, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"},
        "denominator": {"value": per, "code": unit}
    })
}

fn ingredient(code: &str, name: &str, strength: &Value) -> Value {
    json!({
        "itemCodeableConcept": {"coding": [{"system": RXNORM, "code": code, "display": name}]},
        "isActive": true,
        "strength": strength
    })
}

/// A Medication `id` of the brand words `text` with `ingredients`.
fn medication(id: &str, text: &str, ingredients: &[Value]) -> Value {
    json!({
        "resourceType": "Medication",
        "id": id,
        "code": {"text": text},
        "form": coding("http://snomed.info/sct", "385055001", "Tablet"),
        "ingredient": ingredients
    })
}

/// A statement of `Medication/<id>`, `amount` (value, unit) twice a day.
fn taken(id: &str, amount: (f64, &str)) -> Value {
    json!({
        "resourceType": "MedicationStatement",
        "id": format!("{id}-ms"),
        "status": "active",
        "subject": {"reference": SUBJECT},
        "medicationReference": {"reference": format!("Medication/{id}")},
        "effectivePeriod": {"start": "2025-02-01"},
        "dosage": [{
            "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [{"doseQuantity": {"value": amount.0, "unit": amount.1}}]
        }]
    })
}

/// Each drug's text and dose, as stored.
fn doses(resources: &[Value]) -> Vec<(String, String)> {
    let mut env = Env::new();
    let mut all = vec![super::patient("str-pt", "STR-1", "Holm", "Siri")];
    all.extend_from_slice(resources);
    let path = env.write_json("strengths.json", &bundle("collection", &all));
    let report = env.import(&[path]);
    assert_eq!(report.warnings, 0, "{report:#?}");
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
fn one_active_ingredients_strength_turns_a_counted_dose_into_milligrams() {
    // Each of its own code: products of one ingredient code are one drug, renewals of it.
    let code = |id: &str| format!("9{}", u32::from(id.as_bytes()[0]));
    let sertraline = |id: &str, per: Value| {
        medication(
            id,
            &format!("ZOLOFT {id}"),
            &[ingredient(&code(id), "sertraline", &per)],
        )
    };
    assert_eq!(
        doses(&[
            // 50 mg per TAB (v3-orderableDrugForm), dosed in "tablet": 3 tablets twice a day.
            sertraline("a", strength(50.0, 1.0, "TAB")),
            taken("a", (3.0, "tablet")),
            // Per UCUM's unity: one of the product's units, a tablet by its form.
            sertraline("b", strength(50.0, 1.0, "1")),
            taken("b", (1.0, "{tbl}")),
            // 100 mg per 2 tablets, dosed in the unit of the strength.
            sertraline("c", strength(100.0, 2.0, "TAB")),
            taken("c", (1.0, "TAB")),
            // An oral solution: 20 mg per mL, dosed in mL.
            medication(
                "d",
                "ZOLOFT d oral concentrate",
                &[ingredient(
                    &code("d"),
                    "sertraline",
                    &strength(20.0, 1.0, "mL")
                )]
            ),
            taken("d", (2.5, "mL")),
            // A strength per mL does not make a tablet milligrams, nor one per tablet a mL: each
            // stays a count or a volume a day.
            medication(
                "e",
                "ZOLOFT e oral concentrate",
                &[ingredient(
                    &code("e"),
                    "sertraline",
                    &strength(20.0, 1.0, "mL")
                )]
            ),
            taken("e", (1.0, "tablet")),
            sertraline("f", strength(50.0, 1.0, "TAB")),
            taken("f", (5.0, "mL")),
            // A dose already in milligrams stays as it is.
            sertraline("g", strength(50.0, 1.0, "TAB")),
            taken("g", (75.0, "mg")),
        ]),
        pairs(&[
            ("ZOLOFT a (sertraline)", "300.0 mg/d"),
            ("ZOLOFT b (sertraline)", "100.0 mg/d"),
            ("ZOLOFT c (sertraline)", "100.0 mg/d"),
            ("ZOLOFT d oral concentrate (sertraline)", "100.0 mg/d"),
            ("ZOLOFT e oral concentrate (sertraline)", "2.0 tablet/d"),
            ("ZOLOFT f (sertraline)", "10.0 mL/d"),
            ("ZOLOFT g (sertraline)", "150.0 mg/d"),
        ])
    );
}

#[test]
fn a_combination_stays_counted_and_names_each_ingredients_strength() {
    let per_tablet = |mg| strength(mg, 1.0, "TAB");
    assert_eq!(
        doses(&[
            medication(
                "x",
                "Triple pill",
                &[
                    ingredient("17767", "amlodipine", &per_tablet(10.0)),
                    ingredient("69749", "valsartan", &per_tablet(320.0)),
                    ingredient("5487", "hydrochlorothiazide", &per_tablet(25.0)),
                ]
            ),
            taken("x", (1.0, "tablet")),
            // One ingredient without a strength: none is given one.
            medication(
                "y",
                "Dual pill",
                &[
                    ingredient("17767", "amlodipine", &per_tablet(5.0)),
                    json!({"itemCodeableConcept": {"text": "valsartan"}}),
                ]
            ),
            taken("y", (1.0, "tablet")),
            // An excipient is no ingredient of the drug: the product is its one active one.
            medication(
                "z",
                "Sertraline tablet",
                &[
                    ingredient("36437", "sertraline", &per_tablet(50.0)),
                    json!({"itemCodeableConcept": {"text": "lactose"}, "isActive": false}),
                ]
            ),
            taken("z", (1.0, "tablet")),
        ]),
        pairs(&[
            ("Dual pill (amlodipine / valsartan)", "2.0 tablet/d"),
            ("Sertraline tablet", "100.0 mg/d"),
            (
                "Triple pill (amlodipine 10 MG / valsartan 320 MG / hydrochlorothiazide 25 MG)",
                "2.0 tablet/d"
            ),
        ])
    );
}

#[test]
fn a_strength_counts_for_the_dose_adequacy_the_criteria_judge() {
    // Sertraline 50 mg tablets, 3 a day, for four months, stopped for no response: a trial at
    // an adequate dose (the criteria need at least 50 mg/d), not one of unknown dose.
    let mut env = Env::new();
    let mut resources = vec![
        super::patient("str-pt", "STR-1", "Holm", "Siri"),
        json!({
            "resourceType": "Condition",
            "id": "str-mdd",
            "subject": {"reference": SUBJECT},
            "clinicalStatus": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                "code": "active"
            }]},
            "code": coding("http://snomed.info/sct", "370143000", "Major depressive disorder"),
            "onsetDateTime": "2025-01-01"
        }),
    ];
    for (id, code, name, mg, start, end) in [
        (
            "zol",
            "36437",
            "sertraline",
            50.0,
            "2025-02-01",
            "2025-06-01",
        ),
        (
            "lex",
            "321988",
            "escitalopram",
            10.0,
            "2025-07-01",
            "2025-11-01",
        ),
    ] {
        resources.push(medication(
            id,
            &format!("{} tablet", id.to_uppercase()),
            &[ingredient(code, name, &strength(mg, 1.0, "TAB"))],
        ));
        resources.push(json!({
            "resourceType": "MedicationStatement",
            "id": format!("{id}-ms"),
            "status": "stopped",
            "subject": {"reference": SUBJECT},
            "medicationReference": {"reference": format!("Medication/{id}")},
            "effectivePeriod": {"start": start, "end": end},
            "statusReason": [coding("http://snomed.info/sct", "266721009", "No response to treatment")],
            "dosage": [{
                "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                "doseAndRate": [{"doseQuantity": {"value": 3, "unit": "tablet", "code": "TAB"}}]
            }]
        }));
    }
    let path = env.write_json("mdd.json", &bundle("collection", &resources));
    env.import_ok(&path);
    let detail = &env.rows("SELECT detail FROM assessments WHERE ruleset = 'depression'")[0][0];
    assert!(detail.contains("sertraline 150 mg/d"), "{detail}");
    assert!(detail.contains("escitalopram 30 mg/d"), "{detail}");
    assert!(!detail.contains("no daily dose recorded"), "{detail}");
}

/// An infusion bag (review R1-9): a dose counted in bags is milligrams through the bag's
/// volume (R4 `Medication.amount`, 100 mL in one bag) and the strength per millilitre, or
/// through a strength stated per bag; a bag with no volume and a strength per millilitre stays
/// counted.
#[test]
fn a_dose_of_one_bag_is_milligrams_through_its_volume_or_its_strength_per_bag() {
    let bag = |id: &str, strength: &Value, amount: Option<Value>| {
        let mut medication = json!({
            "resourceType": "Medication",
            "id": id,
            "code": {"text": format!("levetiracetam infusion {id}")},
            "ingredient": [ingredient("114477", "levetiracetam", strength)]
        });
        if let Some(amount) = amount {
            medication["amount"] = amount;
        }
        medication
    };
    let per_bag = json!({"value": 1, "unit": "bag"});
    let hundred_ml = json!({
        "numerator": {"value": 100, "unit": "mL", "system": "http://unitsofmeasure.org", "code": "mL"},
        "denominator": per_bag
    });
    // Each its own patient's: three records of one drug from one day would be one course.
    for (medication, expected) in [
        (
            bag("a", &strength(500.0, 100.0, "mL"), Some(hundred_ml)),
            "1000.0 mg/d",
        ),
        (
            bag("a", &strength(1000.0, 1.0, "{bag}"), None),
            "2000.0 mg/d",
        ),
        // Counted as the product's units, as a vial or a syringe is.
        (bag("a", &strength(500.0, 100.0, "mL"), None), "2.0 dose/d"),
    ] {
        let stored = doses(&[medication, taken("a", (1.0, "bag"))]);
        assert_eq!(stored[0].1, expected, "{stored:?}");
    }
}
