//! A drug's stated indication (R4 `reasonCode`, `reasonReference`): kept with the drug, read by
//! the criteria (a drug given for another condition is no trial, class or line of this one),
//! shown, and carried through refract's own exports (review R1-1).

use serde_json::{Value, json};

use super::{Env, ICD10, RXNORM, SNOMED, bundle, cli_import, coding, condition, patient, refract};

const SUBJECT: &str = "urn:uuid:ind-pt";

/// A daily order of an RxNorm drug from 2025-06-01, with `reason` (its reasonCode or
/// reasonReference) added.
fn order(id: &str, (rxnorm, text): (&str, &str), mg: f64, reason: &Value) -> Value {
    super::with(
        json!({
            "resourceType": "MedicationRequest",
            "id": id,
            "status": "active",
            "intent": "order",
            "subject": {"reference": SUBJECT},
            "medicationCodeableConcept": coding(RXNORM, rxnorm, text),
            "authoredOn": "2025-06-01",
            "dosageInstruction": [{
                "timing": {"repeat": {
                    "frequency": 1, "period": 1, "periodUnit": "d",
                    "boundsPeriod": {"start": "2025-06-01"}
                }},
                "doseAndRate": [{"doseQuantity": {
                    "value": mg, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"
                }}]
            }]
        }),
        reason,
    )
}

fn reference(to: &str) -> Value {
    json!({"reasonReference": [{"reference": to}]})
}

fn reason_code(system: &str, code: &str, display: &str) -> Value {
    json!({"reasonCode": [{"coding": [{"system": system, "code": code, "display": display}]}]})
}

fn bp(id: &str, when: &str, systolic: f64, diastolic: f64) -> Value {
    let component = |code: &str, display: &str, value: f64| {
        json!({
            "code": coding("http://loinc.org", code, display),
            "valueQuantity": {"value": value, "unit": "mmHg",
                              "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}
        })
    };
    json!({
        "resourceType": "Observation",
        "id": id,
        "status": "final",
        "subject": {"reference": SUBJECT},
        "category": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "vital-signs"
        }]}],
        "code": coding("http://loinc.org", "85354-9", "Blood pressure panel"),
        "effectiveDateTime": when,
        "component": [
            component("8480-6", "Systolic", systolic),
            component("8462-4", "Diastolic", diastolic)
        ]
    })
}

const AMLODIPINE: (&str, &str) = ("308135", "amlodipine 10 MG Oral Tablet");
const LISINOPRIL: (&str, &str) = ("316151", "lisinopril 40 MG Oral Tablet");
const HCTZ: (&str, &str) = ("316049", "hydrochlorothiazide 50 MG Oral Tablet");
const METOPROLOL: (&str, &str) = (
    "866427",
    "metoprolol succinate 100 MG Extended Release Oral Tablet",
);
const FUROSEMIDE: (&str, &str) = ("313988", "furosemide 40 MG Oral Tablet");

/// c9's shape: hypertension controlled on amlodipine, lisinopril and hydrochlorothiazide given
/// for it, with metoprolol and furosemide whose reasons are `metoprolol_for` and
/// `furosemide_for`.
fn hypertension_vignette(metoprolol_for: &Value, furosemide_for: &Value) -> Value {
    let htn = reference("Condition/htn");
    bundle(
        "collection",
        &[
            patient("ind-pt", "IND-1", "Indication", "Hyp"),
            condition("htn", SUBJECT, SNOMED, "38341003", "Hypertension"),
            condition("af", SUBJECT, SNOMED, "49436004", "Atrial fibrillation"),
            condition(
                "hf",
                SUBJECT,
                SNOMED,
                "88805009",
                "Chronic congestive heart failure",
            ),
            order("m1", AMLODIPINE, 10.0, &htn),
            order("m2", LISINOPRIL, 40.0, &htn),
            order("m3", HCTZ, 50.0, &htn),
            order("m4", METOPROLOL, 100.0, metoprolol_for),
            order("m5", FUROSEMIDE, 40.0, furosemide_for),
            bp("bp0", "2025-09-01T10:00:00Z", 124.0, 76.0),
            bp("bp1", "2026-01-05T10:00:00Z", 126.0, 74.0),
            bp("bp2", "2026-05-05T10:00:00Z", 122.0, 78.0),
            bp("bp3", "2026-10-01T10:00:00Z", 125.0, 77.0),
        ],
    )
}

/// (label, detail) of the patient's assessment of `ruleset`.
fn assessment(env: &Env, ruleset: &str) -> (String, String) {
    let rows = env.rows(&format!(
        "SELECT label, detail FROM assessments WHERE ruleset = '{ruleset}'"
    ));
    assert_eq!(rows.len(), 1, "{rows:?}");
    (rows[0][0].clone(), rows[0][1].clone())
}

/// The stored indications of the drug whose text starts with `text`.
fn indications(env: &Env, text: &str) -> Value {
    let rows = env.rows(&format!(
        "SELECT coalesce(indications, '[]') FROM drug_exposures WHERE text LIKE '{text}%'"
    ));
    assert_eq!(rows.len(), 1, "{text}: {rows:?}");
    serde_json::from_str(&rows[0][0]).unwrap()
}

/// c9's file: metoprolol given for the atrial fibrillation its Condition names, furosemide for
/// chronic congestive heart failure by its code.
fn write_af_and_heart_failure(env: &Env) -> std::path::PathBuf {
    env.write_json(
        "c9.json",
        &hypertension_vignette(
            &reference("Condition/af"),
            &reason_code(SNOMED, "88805009", "Chronic congestive heart failure"),
        ),
    )
}

#[test]
fn drugs_given_for_atrial_fibrillation_and_heart_failure_do_not_make_hypertension_resistant() {
    let mut env = Env::new();
    let path = write_af_and_heart_failure(&env);
    env.import_ok(&path);
    let (label, detail) = assessment(&env, "hypertension");
    assert_eq!(label, "not resistant", "{detail}");
    assert!(detail.contains("3 classes given together now"), "{detail}");
    // Among the reasons, where the criteria are read, not only in the evidence.
    assert!(
        detail.contains("drugs given for other conditions, not counted (the records say so): "),
        "{detail}"
    );
    assert!(
        detail.contains("metoprolol: given for atrial fibrillation, not counted"),
        "{detail}"
    );
    assert!(
        detail.contains("furosemide: given for chronic congestive heart failure, not counted"),
        "{detail}"
    );
    // Their line is the hypertension's three classes, not five.
    assert_eq!(
        env.rows("SELECT regimen FROM treatment_lines WHERE ruleset = 'hypertension'"),
        [["3 classes"]]
    );
}

#[test]
fn drugs_whose_reason_names_hypertension_or_cannot_be_told_count_as_before() {
    for (metoprolol_for, furosemide_for) in [
        // Named by its ICD-10 code, and by words alone.
        (
            reason_code(ICD10, "I10", "Essential (primary) hypertension"),
            json!({"reasonCode": [{"text": "BP"}]}),
        ),
        // Hypertensive urgency (ICD-10 I16.0, the drug given for the crisis treats the
        // hypertension), and pre-eclampsia by its words (a hypertensive disorder of pregnancy).
        (
            reason_code(ICD10, "I16.0", "Hypertensive urgency"),
            json!({"reasonCode": [{"text": "pre-eclampsia"}]}),
        ),
        // Stated as nothing at all, and as a reference refract cannot find with no display.
        (json!({}), reference("Condition/elsewhere")),
        // A SNOMED CT code with no words (a kind of hypertension the rule file may not list:
        // 1201005 Benign essential hypertension), beside the same for heart failure: neither
        // can be told from hypertension by its code alone.
        (
            json!({"reasonCode": [{"coding": [{"system": "http://snomed.info/sct", "code": "1201005"}]}]}),
            json!({"reasonCode": [{"coding": [{"system": "http://snomed.info/sct", "code": "42343007"}]}]}),
        ),
        // A local code with words refract cannot match; an encounter for a treatment (ICD-10
        // chapter Z), which names no condition.
        (
            reason_code("https://example.org/local", "AF-1", "irregular heart"),
            reason_code(
                ICD10,
                "Z51.81",
                "Encounter for therapeutic drug level monitoring",
            ),
        ),
    ] {
        let mut env = Env::new();
        let path = env.write_json(
            "c9.json",
            &hypertension_vignette(&metoprolol_for, &furosemide_for),
        );
        env.import_ok(&path);
        let (label, detail) = assessment(&env, "hypertension");
        assert_eq!(
            label, "resistant hypertension",
            "{metoprolol_for}: {detail}"
        );
        assert!(!detail.contains("not counted"), "{detail}");
    }
}

#[test]
fn the_switch_in_the_rule_file_counts_drugs_given_for_other_conditions() {
    let mut env = Env::new();
    let folder = env.path("rules");
    std::fs::create_dir_all(&folder).unwrap();
    let rules = include_str!("../../assets/rules/hypertension.toml").replace(
        "count_drugs_given_for_other_conditions = false",
        "count_drugs_given_for_other_conditions = true",
    );
    std::fs::write(folder.join("hypertension.toml"), rules).unwrap();
    env.rules = refract::rules::Rules::load(Some(&folder)).unwrap();
    let path = write_af_and_heart_failure(&env);
    env.import_ok(&path);
    assert_eq!(assessment(&env, "hypertension").0, "resistant hypertension");
}

/// c10's shape: levetiracetam for the epilepsy, and gabapentin for postherpetic neuralgia (its
/// reason as `gabapentin_for`), with seizures every month.
fn epilepsy_vignette(gabapentin_for: &Value) -> Value {
    let mut resources = vec![
        patient("ind-pt", "IND-2", "Indication", "Epi"),
        condition("epi", SUBJECT, SNOMED, "84757009", "Epilepsy"),
        condition("phn", SUBJECT, SNOMED, "2177002", "Postherpetic neuralgia"),
        order(
            "lev",
            ("114477", "levetiracetam"),
            1500.0,
            &reference("urn:uuid:epi"),
        ),
        order("gaba", ("25480", "gabapentin"), 1800.0, gabapentin_for),
    ];
    for (index, day) in [
        "2025-03-01",
        "2025-05-01",
        "2025-09-01",
        "2025-12-01",
        "2026-03-01",
        "2026-06-01",
        "2026-09-01",
        "2026-11-01",
    ]
    .iter()
    .enumerate()
    {
        resources.push(json!({
            "resourceType": "Observation",
            "id": format!("sz{index}"),
            "status": "final",
            "subject": {"reference": SUBJECT},
            "code": coding("http://loinc.org", "67530-6", "Seizure frequency"),
            "effectiveDateTime": format!("{day}T10:00:00Z"),
            "valueQuantity": {"value": 4, "unit": "/mo",
                              "system": "http://unitsofmeasure.org", "code": "/mo"}
        }));
    }
    let mut document = bundle("collection", &resources);
    // Levetiracetam from 2025-01-01, as in c10.
    for entry in document["entry"].as_array_mut().unwrap() {
        if entry["resource"]["id"] == "lev" {
            entry["resource"]["authoredOn"] = json!("2025-01-01");
            entry["resource"]["dosageInstruction"][0]["timing"]["repeat"]["boundsPeriod"] =
                json!({"start": "2025-01-01"});
        }
    }
    document
}

#[test]
fn gabapentin_for_postherpetic_neuralgia_is_no_trial_nor_line_of_the_epilepsy() {
    for gabapentin_for in [
        // The Condition of the same bundle, by its bundle URL.
        reference("urn:uuid:phn"),
        // By a relative reference, with the same concept as a reasonCode beside it.
        super::with(
            reference("Condition/phn"),
            &reason_code(SNOMED, "2177002", "Postherpetic neuralgia"),
        ),
        // By its reasonCode alone.
        reason_code(SNOMED, "2177002", "Postherpetic neuralgia"),
    ] {
        let mut env = Env::new();
        let path = env.write_json("c10.json", &epilepsy_vignette(&gabapentin_for));
        env.import_ok(&path);
        let (label, detail) = assessment(&env, "epilepsy");
        assert_eq!(label, "not drug-resistant", "{gabapentin_for}: {detail}");
        assert!(
            detail.contains("gabapentin: given for postherpetic neuralgia, not counted"),
            "{detail}"
        );
        assert_eq!(
            env.rows("SELECT regimen FROM treatment_lines WHERE ruleset = 'epilepsy'"),
            [["levetiracetam"]]
        );
        // One reason however many ways the record states it.
        let stated = indications(&env, "gabapentin");
        assert_eq!(stated.as_array().unwrap().len(), 1, "{stated}");
        assert_eq!(stated[0]["codings"][0]["code"], "2177002", "{stated}");
    }
}

#[test]
fn a_reason_reference_is_read_as_the_condition_it_names() {
    let mut env = Env::new();
    let path = env.write_json(
        "c9.json",
        &hypertension_vignette(
            &reference("Condition/af"),
            // A reference to nothing imported keeps its display.
            &json!({"reasonReference": [{"reference": "Condition/gone", "display": "Heart failure"}]}),
        ),
    );
    env.import_ok(&path);
    assert_eq!(
        indications(&env, "metoprolol"),
        json!([{
            // A diagnosis kept by its one code: its words are the Condition's.
            "codings": [{"system": SNOMED, "code": "49436004"}],
            "text": "Atrial fibrillation"
        }])
    );
    assert_eq!(
        indications(&env, "furosemide"),
        json!([{"text": "Heart failure"}])
    );
    assert_eq!(
        indications(&env, "amlodipine"),
        json!([{
            // A diagnosis kept by its one code: its words are the Condition's.
            "codings": [{"system": SNOMED, "code": "38341003"}],
            "text": "Hypertension"
        }])
    );
}

#[test]
fn a_reason_in_a_file_imported_later_or_earlier_is_found_in_the_same_source() {
    // The Condition comes in its own file, imported before the drug's.
    let mut env = Env::new();
    let conditions = env.write_json(
        "conditions.json",
        &bundle(
            "collection",
            &[
                patient("ind-pt", "IND-1", "Indication", "Hyp"),
                condition("af", SUBJECT, SNOMED, "49436004", "Atrial fibrillation"),
            ],
        ),
    );
    env.import_ok(&conditions);
    let drugs = env.write_json(
        "drugs.json",
        &bundle(
            "collection",
            &[
                patient("ind-pt", "IND-1", "Indication", "Hyp"),
                order("m4", METOPROLOL, 100.0, &reference("Condition/af")),
            ],
        ),
    );
    env.import_ok(&drugs);
    assert_eq!(
        indications(&env, "metoprolol")[0]["codings"][0]["code"],
        "49436004"
    );
}

fn run(db: &std::path::Path, args: &[&str]) -> String {
    let output = refract().arg("--db").arg(db).args(args).output().unwrap();
    assert!(output.status.success(), "{args:?}: {output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn the_indication_is_shown_and_kept_through_both_exports() {
    let dir = tempfile::TempDir::new().unwrap();
    let db = dir.path().join("refract.db");
    let path = super::write_json(
        &dir.path().join("c9.json"),
        &hypertension_vignette(
            &reference("Condition/af"),
            &reason_code(SNOMED, "88805009", "Chronic congestive heart failure"),
        ),
    );
    let (code, _, stderr) = cli_import(&db, &[path]);
    assert_eq!(code, 0, "{stderr}");
    let shown = run(&db, &["show", "IND-1"]);
    assert!(
        shown.contains(
            "metoprolol succinate 100 MG Extended Release Oral Tablet  for: Atrial fibrillation"
        ),
        "{shown}"
    );
    let flags = run(&db, &["flags"]);
    assert!(flags.contains("not resistant"), "{flags}");

    for format in ["fhir", "json"] {
        let out = dir.path().join(format!("out.{format}"));
        run(
            &db,
            &["export", "--format", format, "--out", out.to_str().unwrap()],
        );
        if format == "fhir" {
            let exported: Value =
                serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
            let metoprolol = exported["entry"]
                .as_array()
                .unwrap()
                .iter()
                .map(|entry| &entry["resource"])
                .find(|resource| {
                    resource["medicationCodeableConcept"]["text"]
                        .as_str()
                        .is_some_and(|text| text.starts_with("metoprolol"))
                })
                .unwrap();
            assert_eq!(
                metoprolol["reasonCode"][0]["coding"][0]["code"], "49436004",
                "{metoprolol:#}"
            );
        }
        let copy = dir.path().join(format!("copy-{format}.db"));
        let (code, summary, stderr) = cli_import(&copy, &[out]);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(summary["failed"], 0, "{summary:#}");
        let shown_again = run(&copy, &["show", "IND-1"]);
        for line in shown.lines().filter(|line| line.contains(" for: ")) {
            assert!(
                shown_again.contains(line),
                "{format}: {line}\n{shown_again}"
            );
        }
        let flags = run(&copy, &["flags"]);
        assert!(flags.contains("not resistant"), "{format}: {flags}");
    }
}

/// A record whose ATC code names lisinopril under the words "amlodipine 10 mg tablet" (review
/// R1-8): one tablet, read as its words, never the two-drug regimen the union of both would
/// make; the import warns, and the assessment asks the team to check which drug was given.
#[test]
fn a_code_and_words_naming_two_different_drugs_are_one_drug_said_to_disagree() {
    let mut env = Env::new();
    let disagreeing = json!({
        "coding": [{"system": "http://www.whocc.no/atc", "code": "C09AA03", "display": "lisinopril"}],
        "text": "amlodipine 10 mg tablet"
    });
    let mut amlodipine = order("m1", AMLODIPINE, 10.0, &json!({}));
    amlodipine["medicationCodeableConcept"] = disagreeing;
    let path = env.write_json(
        "r18.json",
        &bundle(
            "collection",
            &[
                patient("ind-pt", "IND-1", "Indication", "Hyp"),
                condition("htn", SUBJECT, SNOMED, "38341003", "Hypertension"),
                amlodipine,
                order("m3", HCTZ, 50.0, &json!({})),
            ],
        ),
    );
    let file = env.import_ok(&path);
    assert!(
        file.warnings.iter().any(|w| w.message.contains(
            "its code names lisinopril but its words 'amlodipine 10 mg tablet' name amlodipine"
        )),
        "{:#?}",
        file.warnings
    );
    assert_eq!(
        env.rows("SELECT regimen FROM treatment_lines WHERE ruleset = 'hypertension'"),
        [["2 classes"]]
    );
    let (_, detail) = assessment(&env, "hypertension");
    assert!(detail.contains("2 classes given together now"), "{detail}");
    assert!(
        detail.contains(
            "'amlodipine 10 mg tablet': its code names lisinopril, its words amlodipine: read as \
             amlodipine; check which drug was given"
        ),
        "{detail}"
    );
}

/// One ingredient of a two-drug Medication whose code names lisinopril under the words
/// "amlodipine" (R1-8's fault inside a combination): the product is amlodipine and
/// hydrochlorothiazide, read as each ingredient's words, never three drugs; the import warns and
/// the assessment asks the team to check which drug was given.
#[test]
fn an_ingredient_whose_code_and_words_name_different_drugs_is_read_as_its_words() {
    let mut env = Env::new();
    let medication = json!({
        "resourceType": "Medication",
        "id": "combo",
        "ingredient": [
            {"itemCodeableConcept": {
                "coding": [{"system": "http://www.whocc.no/atc", "code": "C09AA03", "display": "lisinopril"}],
                "text": "amlodipine"},
             "strength": {"numerator": {"value": 10, "unit": "mg"}, "denominator": {"value": 1, "unit": "tablet"}}},
            {"itemCodeableConcept": {
                "coding": [{"system": RXNORM, "code": "5487", "display": "hydrochlorothiazide"}],
                "text": "hydrochlorothiazide"},
             "strength": {"numerator": {"value": 25, "unit": "mg"}, "denominator": {"value": 1, "unit": "tablet"}}}
        ]
    });
    let mut combination = order("m1", AMLODIPINE, 1.0, &json!({}));
    combination
        .as_object_mut()
        .unwrap()
        .remove("medicationCodeableConcept");
    combination["medicationReference"] = json!({"reference": "Medication/combo"});
    combination["dosageInstruction"][0]["doseAndRate"] =
        json!([{"doseQuantity": {"value": 1, "unit": "tablet"}}]);
    let path = env.write_json(
        "r18-ingredient.json",
        &bundle(
            "collection",
            &[
                patient("ind-pt", "IND-1", "Indication", "Hyp"),
                condition("htn", SUBJECT, SNOMED, "38341003", "Hypertension"),
                medication,
                combination,
            ],
        ),
    );
    let file = env.import_ok(&path);
    assert!(
        file.warnings.iter().any(|w| w
            .message
            .contains("its code names lisinopril but its words 'amlodipine' name amlodipine")),
        "{:#?}",
        file.warnings
    );
    assert_eq!(
        env.rows("SELECT regimen FROM treatment_lines WHERE ruleset = 'hypertension'"),
        [["2 classes"]]
    );
    let (_, detail) = assessment(&env, "hypertension");
    assert!(
        detail.contains("its code names lisinopril") && detail.contains("read as amlodipine"),
        "{detail}"
    );
}

/// Drug records coded only by RxNorm codes the drug book does not know, with no words (R4's
/// `display` and `text` are optional; review R4-1): each is shown with its code, the import
/// says so, and an assessment that would otherwise read "no antihypertensive drug recorded" is
/// undecided, naming the codes to identify, never "not resistant".
#[test]
fn drug_records_with_unknown_codes_and_no_words_leave_the_assessment_undecided() {
    let mut env = Env::new();
    let unknown = |id: &str, code: &str| {
        let mut record = order(id, AMLODIPINE, 10.0, &reference("Condition/htn"));
        record["medicationCodeableConcept"] = json!({"coding": [{"system": RXNORM, "code": code}]});
        record
    };
    let path = env.write_json(
        "r4-1.json",
        &bundle(
            "collection",
            &[
                patient("ind-pt", "IND-1", "Indication", "Hyp"),
                condition("htn", SUBJECT, SNOMED, "38341003", "Hypertension"),
                unknown("m1", "99990001"),
                unknown("m2", "99990002"),
                unknown("m3", "99990003"),
                bp("bp0", "2025-09-01T10:00:00Z", 154.0, 96.0),
                bp("bp1", "2026-01-05T10:00:00Z", 156.0, 94.0),
                bp("bp2", "2026-05-05T10:00:00Z", 152.0, 98.0),
                bp("bp3", "2026-10-01T10:00:00Z", 155.0, 97.0),
            ],
        ),
    );
    let file = env.import_ok(&path);
    assert!(
        file.warnings
            .iter()
            .any(|w| w.message.contains("RxNorm 99990001") && w.message.contains("no words")),
        "{:#?}",
        file.warnings
    );
    assert_eq!(
        env.rows("SELECT text FROM drug_exposures ORDER BY text"),
        [
            ["unidentified medication (RxNorm 99990001)"],
            ["unidentified medication (RxNorm 99990002)"],
            ["unidentified medication (RxNorm 99990003)"]
        ]
    );
    assert_eq!(
        env.rows("SELECT status FROM assessments WHERE ruleset = 'hypertension'"),
        [["insufficient_data"]]
    );
    let (_, detail) = assessment(&env, "hypertension");
    assert!(
        detail.contains("RxNorm 99990001, RxNorm 99990002, RxNorm 99990003"),
        "{detail}"
    );
}

/// The metoprolol order (R4 MedicationRequest) the fills, statements and administrations below
/// carry out: given for the atrial fibrillation its Condition names, its first month ordered
/// (a record of its own beside theirs).
fn metoprolol_order() -> Value {
    let mut order = order("rx-meto", METOPROLOL, 100.0, &reference("Condition/af"));
    order["status"] = json!("completed");
    order["dosageInstruction"][0]["timing"]["repeat"]["boundsPeriod"] =
        json!({"start": "2025-06-01", "end": "2025-06-30"});
    order
}

/// Completed 90-day fills of metoprolol from 2025-06-01 to today, each naming `prescription`
/// as its `authorizingPrescription` (R4 MedicationDispense has no reason of its own).
fn metoprolol_fills(prescription: &str) -> Vec<Value> {
    (0..7)
        .map(|n| {
            let handed_over = chrono::NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()
                + chrono::Duration::days(90 * n);
            json!({
                "resourceType": "MedicationDispense",
                "id": format!("fill-{n}"),
                "status": "completed",
                "subject": {"reference": SUBJECT},
                "medicationCodeableConcept": coding(RXNORM, METOPROLOL.0, METOPROLOL.1),
                "authorizingPrescription": [{"reference": prescription}],
                "quantity": {"value": 90, "unit": "TAB"},
                "daysSupply": {"value": 90, "unit": "days",
                               "system": "http://unitsofmeasure.org", "code": "d"},
                "whenHandedOver": handed_over.to_string(),
                "dosageInstruction": [{
                    "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                    "doseAndRate": [{"doseQuantity": {"value": 100, "unit": "mg"}}]
                }]
            })
        })
        .collect()
}

/// c9's shape with metoprolol known from `metoprolol` (fills, a statement…) instead of an order
/// of its own, and the order they carry out when `with_order`.
fn hypertension_with(metoprolol: Vec<Value>, with_order: bool) -> Value {
    let htn = reference("Condition/htn");
    let mut resources = vec![
        patient("ind-pt", "IND-1", "Indication", "Hyp"),
        condition("htn", SUBJECT, SNOMED, "38341003", "Hypertension"),
        condition("af", SUBJECT, SNOMED, "49436004", "Atrial fibrillation"),
        order("m1", AMLODIPINE, 10.0, &htn),
        order("m2", LISINOPRIL, 40.0, &htn),
        order("m3", HCTZ, 50.0, &htn),
        order(
            "m5",
            FUROSEMIDE,
            40.0,
            &reason_code(SNOMED, "88805009", "Chronic congestive heart failure"),
        ),
        bp("bp0", "2025-09-01T10:00:00Z", 124.0, 76.0),
        bp("bp1", "2026-01-05T10:00:00Z", 126.0, 74.0),
        bp("bp2", "2026-05-05T10:00:00Z", 122.0, 78.0),
        bp("bp3", "2026-10-01T10:00:00Z", 125.0, 77.0),
    ];
    if with_order {
        resources.push(metoprolol_order());
    }
    resources.extend(metoprolol);
    bundle("collection", &resources)
}

/// The stored indications of the metoprolol known from `source_id`.
fn metoprolol_indications(env: &Env, source_id: &str) -> Value {
    let rows = env.rows(&format!(
        "SELECT coalesce(indications, '[]') FROM drug_exposures
         WHERE text LIKE 'metoprolol%' AND source_id = '{source_id}'"
    ));
    assert_eq!(rows.len(), 1, "{source_id}: {rows:?}");
    serde_json::from_str(&rows[0][0]).unwrap()
}

#[test]
fn fills_of_an_order_for_atrial_fibrillation_are_given_for_it() {
    // The order in the same bundle, named by its relative reference and by its bundle URL.
    for prescription in ["MedicationRequest/rx-meto", "urn:uuid:rx-meto"] {
        let mut env = Env::new();
        let path = env.write_json(
            "c9.json",
            &hypertension_with(metoprolol_fills(prescription), true),
        );
        env.import_ok(&path);
        let (label, detail) = assessment(&env, "hypertension");
        assert_eq!(label, "not resistant", "{prescription}: {detail}");
        // Said once among the reasons, though the order and its fills are two records.
        let reasons: Value = serde_json::from_str(&detail).unwrap();
        let set_aside = reasons["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .find(|reason| reason.starts_with("drugs given for other conditions"))
            .unwrap_or_default();
        assert_eq!(
            set_aside
                .matches("metoprolol: given for atrial fibrillation, not counted")
                .count(),
            1,
            "{detail}"
        );
        // And one evidence item, citing both records, as a counted drug's would be.
        let items: Vec<&Value> = reasons["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|item| item["text"] == "metoprolol: given for atrial fibrillation, not counted")
            .collect();
        assert_eq!(items.len(), 1, "{prescription}: {detail}");
        assert_eq!(
            items[0]["also"].as_array().map_or(0, Vec::len),
            1,
            "{prescription}: {detail}"
        );
        let fills = env.rows(
            "SELECT coalesce(indications, '[]') FROM drug_exposures
             WHERE text LIKE 'metoprolol%' AND dates = 'dispensed'",
        );
        assert_eq!(fills.len(), 1, "{fills:?}");
        assert!(fills[0][0].contains("49436004"), "{fills:?}");
    }
}

#[test]
fn fills_read_the_order_of_the_same_source_imported_before_or_after_them() {
    let order_file = |env: &Env| {
        env.write_json(
            "order.json",
            &bundle(
                "collection",
                &[
                    patient("ind-pt", "IND-1", "Indication", "Hyp"),
                    condition("af", SUBJECT, SNOMED, "49436004", "Atrial fibrillation"),
                    metoprolol_order(),
                ],
            ),
        )
    };
    // The order first, then the fills.
    let mut env = Env::new();
    let path = order_file(&env);
    env.import_ok(&path);
    let path = env.write_json(
        "c9.json",
        &hypertension_with(metoprolol_fills("MedicationRequest/rx-meto"), false),
    );
    env.import_ok(&path);
    assert_eq!(assessment(&env, "hypertension").0, "not resistant");

    // The fills first: they count until their order says what they were given for.
    let mut env = Env::new();
    let path = env.write_json(
        "c9.json",
        &hypertension_with(metoprolol_fills("MedicationRequest/rx-meto"), false),
    );
    env.import_ok(&path);
    assert_eq!(assessment(&env, "hypertension").0, "resistant hypertension");
    let path = order_file(&env);
    env.import_ok(&path);
    let (label, detail) = assessment(&env, "hypertension");
    assert_eq!(label, "not resistant", "{detail}");
    assert!(
        detail.contains("metoprolol: given for atrial fibrillation, not counted"),
        "{detail}"
    );
}

/// A metoprolol statement from 2025-07-01, still taken, with `extra` (its basedOn, its reason).
fn metoprolol_statement(extra: &Value) -> Value {
    super::with(
        super::statement("st-meto", SUBJECT, METOPROLOL, "active", "2025-07-01", None),
        extra,
    )
}

/// A metoprolol administration over 2025-06-01..02, with `extra` (its request, its reason).
fn metoprolol_administration(extra: &Value) -> Value {
    super::with(
        json!({
            "resourceType": "MedicationAdministration",
            "id": "ad-meto",
            "status": "completed",
            "subject": {"reference": SUBJECT},
            "medicationCodeableConcept": coding(RXNORM, METOPROLOL.0, METOPROLOL.1),
            "effectivePeriod": {"start": "2025-06-01T08:00:00Z", "end": "2025-06-01T08:05:00Z"},
            "dosage": {"dose": {"value": 100, "unit": "mg"}, "route": coding(SNOMED, "26643006", "Oral")}
        }),
        extra,
    )
}

#[test]
fn a_statement_or_an_administration_reads_its_order_unless_it_states_its_own_reason() {
    let based_on = json!({"basedOn": [{"reference": "MedicationRequest/rx-meto"}]});
    let request = json!({"request": {"reference": "MedicationRequest/rx-meto"}});
    let own = reason_code(ICD10, "I10", "Essential (primary) hypertension");

    // A statement based on the order, stating no reason: given for atrial fibrillation.
    let mut env = Env::new();
    let path = env.write_json(
        "c9.json",
        &hypertension_with(vec![metoprolol_statement(&based_on)], true),
    );
    env.import_ok(&path);
    let (label, detail) = assessment(&env, "hypertension");
    assert_eq!(label, "not resistant", "{detail}");
    assert_eq!(
        metoprolol_indications(&env, "st-meto")[0]["codings"][0]["code"],
        "49436004"
    );

    // Its own reason is what it was given for: hypertension, counted.
    let mut env = Env::new();
    let path = env.write_json(
        "c9.json",
        &hypertension_with(
            vec![metoprolol_statement(&super::with(based_on.clone(), &own))],
            true,
        ),
    );
    env.import_ok(&path);
    let (label, detail) = assessment(&env, "hypertension");
    assert_eq!(label, "resistant hypertension", "{detail}");
    let stated = metoprolol_indications(&env, "st-meto");
    assert_eq!(stated.as_array().unwrap().len(), 1, "{stated}");
    assert_eq!(stated[0]["codings"][0]["code"], "I10", "{stated}");

    // An administration: its order's reason, unless it states its own.
    for (extra, code) in [
        (request.clone(), "49436004"),
        (super::with(request.clone(), &own), "I10"),
    ] {
        let mut env = Env::new();
        let path = env.write_json(
            "c9.json",
            &hypertension_with(vec![metoprolol_administration(&extra)], true),
        );
        env.import_ok(&path);
        let stated = metoprolol_indications(&env, "ad-meto");
        assert_eq!(stated.as_array().unwrap().len(), 1, "{extra}: {stated}");
        assert_eq!(stated[0]["codings"][0]["code"], code, "{extra}: {stated}");
    }
}

#[test]
fn fills_of_a_renewal_read_the_first_order_it_is_based_on() {
    // The renewal states no reason; it is based on the order written for atrial fibrillation.
    let mut renewal = order("rx-renewal", METOPROLOL, 100.0, &json!({}));
    renewal["basedOn"] = json!([{"reference": "MedicationRequest/rx-meto"}]);
    renewal["status"] = json!("completed");
    renewal["dosageInstruction"][0]["timing"]["repeat"]["boundsPeriod"] =
        json!({"start": "2025-06-01", "end": "2025-06-30"});
    let mut fills = metoprolol_fills("MedicationRequest/rx-renewal");
    fills.push(renewal);
    let mut env = Env::new();
    let path = env.write_json("c9.json", &hypertension_with(fills, true));
    env.import_ok(&path);
    let (label, detail) = assessment(&env, "hypertension");
    assert_eq!(label, "not resistant", "{detail}");
}

/// A patient with a lymphoma in remission and a myeloma treated since 2025 (review r3 C-1): the
/// autologous transplant of 2026-01-10 states `transplant_for`, the disease status
/// "Progressive disease" of 2026-10-05 adds `status_about` (its `focus`).
fn lymphoma_and_myeloma(transplant_for: &Value, status_about: &Value) -> Value {
    const SUBJECT: &str = "urn:uuid:xc-pt";
    bundle(
        "collection",
        &[
            patient("xc-pt", "XC-1", "Cross", "Condition"),
            condition(
                "lbcl",
                SUBJECT,
                ICD10,
                "C83.30",
                "Diffuse large B-cell lymphoma, unspecified site",
            ),
            super::with(
                condition(
                    "mm",
                    SUBJECT,
                    ICD10,
                    "C90.00",
                    "Multiple myeloma not having achieved remission",
                ),
                &json!({"onsetDateTime": "2025-01-01"}),
            ),
            super::with(
                json!({
                    "resourceType": "Procedure",
                    "id": "asct",
                    "status": "completed",
                    "subject": {"reference": SUBJECT},
                    "code": coding(SNOMED, "425983008", "Autologous peripheral blood stem cell transplant"),
                    "performedDateTime": "2026-01-10"
                }),
                transplant_for,
            ),
            super::with(
                json!({
                    "resourceType": "Observation",
                    "id": "status",
                    "status": "final",
                    "subject": {"reference": SUBJECT},
                    "code": coding("http://loinc.org", "97509-4", "Cancer disease status"),
                    "effectiveDateTime": "2026-10-05",
                    "valueString": "Progressive disease"
                }),
                status_about,
            ),
        ],
    )
}

#[test]
fn a_transplant_and_a_progression_of_the_myeloma_are_none_of_the_lymphomas() {
    let mut env = Env::new();
    let path = env.write_json(
        "xc.json",
        &lymphoma_and_myeloma(
            &json!({
                "reasonReference": [{"reference": "Condition/mm"}],
                "reasonCode": [{"coding": [{"system": ICD10, "code": "C90.00",
                                            "display": "Multiple myeloma not having achieved remission"}]}]
            }),
            &json!({"focus": [{"reference": "Condition/mm"}]}),
        ),
    );
    env.import_ok(&path);
    let (label, detail) = assessment(&env, "lbcl");
    assert_eq!(label, "not refractory", "{detail}");
    assert!(!detail.contains("relapse 9 months after"), "{detail}");
    assert!(
        detail.contains(
            "procedures and findings of other conditions, not counted (the records say so): "
        ),
        "{detail}"
    );
    assert!(
        detail.contains(
            "Autologous peripheral blood stem cell transplant (2026-01-10): done for multiple myeloma not having achieved remission, not counted"
        ),
        "{detail}"
    );
    assert!(
        detail.contains(
            "(2026-10-05): about multiple myeloma not having achieved remission, not counted"
        ),
        "{detail}"
    );
    // Kept with the records: the reasons (the reference and the code, one diagnosis), the focus.
    let stored = env.rows("SELECT indications FROM procedures");
    let reasons: Value = serde_json::from_str(&stored[0][0]).unwrap();
    assert_eq!(reasons.as_array().unwrap().len(), 1, "{reasons:#}");
    assert_eq!(reasons[0]["codings"][0]["code"], "C90.00", "{reasons:#}");
    let focus = env.rows("SELECT focus FROM observations WHERE focus IS NOT NULL");
    assert_eq!(focus.len(), 1, "{focus:?}");
    assert!(focus[0][0].contains("C90.00"), "{focus:?}");
}

#[test]
fn a_transplant_and_a_progression_of_the_lymphoma_or_tied_to_nothing_count_for_it() {
    for (transplant_for, status_about) in [
        (
            json!({"reasonReference": [{"reference": "Condition/lbcl"}]}),
            json!({"focus": [{"reference": "Condition/lbcl"}]}),
        ),
        // Nothing ties them to a condition: read as before, for every condition.
        (json!({}), json!({})),
        // A focus that names no Condition (the patient) ties it to none.
        (
            json!({}),
            json!({"focus": [{"reference": "urn:uuid:xc-pt"}]}),
        ),
    ] {
        let mut env = Env::new();
        let path = env.write_json(
            "xc.json",
            &lymphoma_and_myeloma(&transplant_for, &status_about),
        );
        env.import_ok(&path);
        let (label, detail) = assessment(&env, "lbcl");
        assert_eq!(
            label, "refractory LBCL: relapse within 12 months of autologous transplant",
            "{transplant_for} {status_about}: {detail}"
        );
        assert!(!detail.contains("not counted"), "{detail}");
    }
}

#[test]
fn a_procedures_reason_is_kept_through_both_exports() {
    let dir = tempfile::TempDir::new().unwrap();
    let db = dir.path().join("refract.db");
    let path = super::write_json(
        &dir.path().join("xc.json"),
        &lymphoma_and_myeloma(
            &json!({"reasonReference": [{"reference": "Condition/mm"}]}),
            &json!({"focus": [{"reference": "Condition/mm"}]}),
        ),
    );
    let (code, _, stderr) = cli_import(&db, &[path]);
    assert_eq!(code, 0, "{stderr}");
    let flags = run(&db, &["flags"]);
    assert!(!flags.contains("refractory LBCL"), "{flags}");
    for format in ["fhir", "json"] {
        let out = dir.path().join(format!("out.{format}"));
        run(
            &db,
            &["export", "--format", format, "--out", out.to_str().unwrap()],
        );
        if format == "fhir" {
            let exported: Value =
                serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
            let transplant = exported["entry"]
                .as_array()
                .unwrap()
                .iter()
                .map(|entry| &entry["resource"])
                .find(|resource| resource["resourceType"] == "Procedure")
                .unwrap();
            assert_eq!(
                transplant["reasonCode"][0]["coding"][0]["code"], "C90.00",
                "{transplant:#}"
            );
        }
        let copy = dir.path().join(format!("copy-{format}.db"));
        let (code, summary, stderr) = cli_import(&copy, &[out]);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(summary["failed"], 0, "{summary:#}");
        let flags = run(&copy, &["flags"]);
        // refract's FHIR export writes no observation's focus (it carries no Condition ids):
        // the transplant's reason alone leaves the LBCL with a progression and no transplant.
        assert!(
            !flags.contains("relapse within 12 months of autologous transplant"),
            "{format}: {flags}"
        );
    }
}

/// A disease status named in words of no disease ("Disease status"), tied to no condition,
/// whose value names the myeloma (review C, C-1 follow-up 1).
fn status_of_the_myeloma_in_its_value(value: &str) -> Value {
    lymphoma_and_myeloma(
        &json!({}),
        &json!({
            "code": {"coding": [{"system": "http://loinc.org", "code": "97509-4",
                                 "display": "Disease status"}],
                     "text": "Disease status"},
            "valueString": value
        }),
    )
}

#[test]
fn a_disease_status_whose_value_names_the_myeloma_is_none_of_the_lymphomas() {
    // The response is read from the words as before; the words are kept beside it.
    let mut env = Env::new();
    let path = env.write_json(
        "xc.json",
        &status_of_the_myeloma_in_its_value("Multiple myeloma - very good partial response"),
    );
    env.import_ok(&path);
    let stored = env.rows("SELECT value_code, value_words FROM observations");
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(
        stored[0][1], "Multiple myeloma - very good partial response",
        "{stored:?}"
    );
    let (_, detail) = assessment(&env, "lbcl");
    assert!(
        detail.contains("its words name multiple myeloma") && detail.contains("not counted"),
        "{detail}"
    );
    // The same response in words of no disease is the lymphoma's as before.
    let mut env = Env::new();
    let path = env.write_json(
        "xc.json",
        &status_of_the_myeloma_in_its_value("Very good partial response"),
    );
    env.import_ok(&path);
    let (_, detail) = assessment(&env, "lbcl");
    assert!(!detail.contains("its words name"), "{detail}");

    // A progression written so is no relapse of the lymphoma after its transplant; in words
    // of no disease it is, as before.
    for (value, relapse) in [
        ("Multiple myeloma - progressive disease", false),
        ("Progressive disease", true),
    ] {
        let mut env = Env::new();
        let path = env.write_json("xc.json", &status_of_the_myeloma_in_its_value(value));
        env.import_ok(&path);
        let (label, detail) = assessment(&env, "lbcl");
        assert_eq!(
            label == "refractory LBCL: relapse within 12 months of autologous transplant",
            relapse,
            "{value}: {label}\n{detail}"
        );
    }
}

#[test]
fn a_disease_statuss_words_are_kept_through_both_exports() {
    let dir = tempfile::TempDir::new().unwrap();
    let db = dir.path().join("refract.db");
    let path = super::write_json(
        &dir.path().join("xc.json"),
        &status_of_the_myeloma_in_its_value("Multiple myeloma - progressive disease"),
    );
    let (code, _, stderr) = cli_import(&db, &[path]);
    assert_eq!(code, 0, "{stderr}");
    for format in ["fhir", "json"] {
        let out = dir.path().join(format!("out.{format}"));
        run(
            &db,
            &["export", "--format", format, "--out", out.to_str().unwrap()],
        );
        let copy = dir.path().join(format!("copy-{format}.db"));
        let (code, summary, stderr) = cli_import(&copy, &[out]);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(summary["failed"], 0, "{summary:#}");
        let flags = run(&copy, &["flags"]);
        assert!(
            !flags.contains("relapse within 12 months of autologous transplant"),
            "{format}: {flags}"
        );
    }
}
