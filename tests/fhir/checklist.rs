//! The re-evaluation checklist (way forward, step 2) reads the record (review R11-7): measured
//! drug levels of a drug taken at the time are adherence evidence (in range: ticked for
//! epilepsy; below range or undetectable: named as a concern), and the adherence rule-out of
//! the assessment reads the same levels; an imaging study of the item's class (a brain MRI by
//! SNOMED CT, LOINC or words, a PET-CT, a skeletal survey) ticks the imaging item, a referral
//! for one does not.

use refract::domain::{ChecklistItem, PatientId};
use serde_json::{Value, json};

use super::{
    Env, ICD10, LOINC, SNOMED, bundle, condition, epilepsy_bundle, observation, patient, with,
};

/// The epilepsy bundle of `id` with `extra` resources added.
fn epilepsy_with(extra: &[Value]) -> Value {
    let mut document = epilepsy_bundle("pe", "PE1", ("266721009", "No response to treatment"));
    let entries = document["entry"].as_array_mut().unwrap();
    for resource in extra {
        let id = resource["id"].as_str().unwrap();
        entries.push(json!({"fullUrl": format!("urn:uuid:{id}"), "resource": resource}));
    }
    document
}

/// A level measured on `day` named `display` (code `code`, LOINC or a local one).
fn level(id: &str, code: &str, display: &str, value: &Value, day: &str) -> Value {
    observation(
        id,
        "urn:uuid:pe",
        code,
        display,
        &json!({"valueQuantity": value, "effectiveDateTime": day}),
    )
}

fn procedure(id: &str, subject: &str, system: &str, code: &str, display: &str) -> Value {
    json!({
        "resourceType": "Procedure",
        "id": id,
        "status": "completed",
        "subject": {"reference": subject},
        "code": {"coding": [{"system": system, "code": code, "display": display}], "text": display},
        "performedDateTime": "2024-02-01"
    })
}

fn imported(document: &Value) -> Env {
    let mut env = Env::new();
    let path = env.write_json("a.json", document);
    env.import_ok(&path);
    env
}

fn item(env: &Env, ruleset: &str, key: &str) -> ChecklistItem {
    let view = refract::way_forward::load(&env.store, &env.rules, PatientId(1), ruleset).unwrap();
    view.plan
        .checklist
        .into_iter()
        .find(|item| item.key == key)
        .unwrap_or_else(|| panic!("no checklist item {key}"))
}

/// The adherence rule-out of the stored epilepsy assessment, if open.
fn adherence_rule_out(env: &Env) -> Option<String> {
    env.store
        .assessments(PatientId(1))
        .unwrap()
        .into_iter()
        .map(|a| a.assessment)
        .find(|a| a.ruleset == "epilepsy")
        .unwrap()
        .confounders
        .into_iter()
        .find(|c| c.key == "adherence")
        .map(|c| c.text)
}

#[test]
fn levels_in_range_of_the_drugs_taken_tick_adherence_and_resolve_its_rule_out() {
    let env = imported(&epilepsy_with(&[
        // Read by its words, in its own unit.
        level(
            "l1",
            "LOCAL-LEV",
            "Levetiracetam level, serum",
            &json!({"value": 24.0, "unit": "mg/L"}),
            "2022-03-01",
        ),
        // 23.4 µmol/L of lamotrigine is 6 mg/L: in its 2.5-15 mg/L.
        level(
            "l2",
            "LOCAL-LTG",
            "Lamotrigine [Moles/volume] in Serum or Plasma",
            &json!({"value": 23.4, "unit": "umol/L"}),
            "2022-09-01",
        ),
    ]));
    let adherence = item(&env, "epilepsy", "adherence");
    let detail = adherence.detail.clone().unwrap_or_default();
    assert!(adherence.done, "{adherence:?}");
    assert!(
        detail.contains("levetiracetam 24 mg/L on 2022-03-01, in range (12-46 mg/L)"),
        "{detail}"
    );
    assert!(
        detail.contains("lamotrigine 23.4 umol/L on 2022-09-01 (5.99 mg/L), in range"),
        "{detail}"
    );
    assert_eq!(adherence_rule_out(&env), None);
}

#[test]
fn a_level_below_range_is_named_as_a_concern_and_leaves_adherence_open() {
    let env = imported(&epilepsy_with(&[
        level(
            "l1",
            "LOCAL-LEV",
            "Levetiracetam level, serum",
            &json!({"value": 24.0, "unit": "mg/L"}),
            "2022-03-01",
        ),
        level(
            "l2",
            "LOCAL-LTG",
            "Lamotrigine concentration",
            &json!({"value": 1.1, "unit": "ug/mL"}),
            "2022-09-01",
        ),
    ]));
    let adherence = item(&env, "epilepsy", "adherence");
    assert!(!adherence.done, "{adherence:?}");
    let said = format!(
        "{} {}",
        adherence.text,
        adherence.detail.unwrap_or_default()
    );
    assert!(
        said.contains(
            "lamotrigine 1.1 ug/mL on 2022-09-01 (1.1 mg/L), level below range (2.5-15 mg/L): possible non-adherence or underdosing"
        ),
        "{said}"
    );
    let rule_out = adherence_rule_out(&env).expect("the rule-out stays open");
    assert!(
        rule_out.contains("level below range (2.5-15 mg/L)"),
        "{rule_out}"
    );
    assert!(rule_out.contains("levetiracetam 24 mg/L"), "{rule_out}");
}

#[test]
fn an_undetectable_level_is_non_adherence_and_a_level_after_the_drug_stopped_says_nothing() {
    let env = imported(&epilepsy_with(&[
        level(
            "l1",
            "LOCAL-LEV",
            "Levetiracetam level",
            &json!({"value": 2.0, "comparator": "<", "unit": "mg/L"}),
            "2022-03-01",
        ),
        // Lamotrigine was stopped on 2022-12-15: a level in 2023 is no evidence of its trial.
        level(
            "l2",
            "LOCAL-LTG",
            "Lamotrigine level",
            &json!({"value": 6.0, "unit": "mg/L"}),
            "2023-03-01",
        ),
    ]));
    let rule_out = adherence_rule_out(&env).expect("open");
    assert!(
        rule_out.contains(
            "levetiracetam < 2 mg/L on 2022-03-01, undetectable: evidence of non-adherence"
        ),
        "{rule_out}"
    );
    // The 2023 level is not cited; lamotrigine's trial is said to have had no level.
    assert!(!rule_out.contains("2023-03-01"), "{rule_out}");
    assert!(
        rule_out.contains("no level recorded while given: lamotrigine"),
        "{rule_out}"
    );
}

/// Review of the merged change: an in-range level of one failed trial's drug says nothing of
/// the other's (stopped, monitored, never measured while given), and a patient's report of not
/// taking a drug of the condition keeps the adherence item open whatever the levels say (the
/// rule-out and the checklist read one reading).
#[test]
fn one_trials_level_does_not_answer_for_another_nor_for_a_report_of_not_taking() {
    let env = imported(&epilepsy_with(&[level(
        "l1",
        "LOCAL-LEV",
        "Levetiracetam level, serum",
        &json!({"value": 24.0, "unit": "mg/L"}),
        "2022-03-01",
    )]));
    let adherence = item(&env, "epilepsy", "adherence");
    assert!(!adherence.done, "{adherence:?}");
    let rule_out = adherence_rule_out(&env).expect("open");
    assert!(
        rule_out.contains("no level recorded while given: lamotrigine"),
        "{rule_out}"
    );

    let lacosamide = super::coding(super::RXNORM, super::LACOSAMIDE.0, super::LACOSAMIDE.1);
    let env = imported(&epilepsy_with(&[
        level(
            "l1",
            "LOCAL-LEV",
            "Levetiracetam level, serum",
            &json!({"value": 24.0, "unit": "mg/L"}),
            "2022-03-01",
        ),
        level(
            "l2",
            "LOCAL-LTG",
            "Lamotrigine level",
            &json!({"value": 6.0, "unit": "mg/L"}),
            "2022-09-01",
        ),
        json!({
            "resourceType": "MedicationStatement",
            "id": "nt",
            "status": "not-taken",
            "subject": {"reference": "urn:uuid:pe"},
            "medicationCodeableConcept": lacosamide,
            "effectiveDateTime": "2024-05-01",
            "dateAsserted": "2024-05-01",
            "statusReason": [{"text": "forgets the evening dose"}]
        }),
    ]));
    let adherence = item(&env, "epilepsy", "adherence");
    assert!(!adherence.done, "{adherence:?}");
    let rule_out = adherence_rule_out(&env).expect("open");
    assert!(
        rule_out.contains("patient reported not taking lacosamide since 2024-05-01"),
        "{rule_out}"
    );
}

#[test]
fn a_brain_mri_ticks_the_mri_item_and_a_referral_for_one_does_not() {
    let referral = imported(&epilepsy_with(&[procedure(
        "p1",
        "urn:uuid:pe",
        SNOMED,
        "3457005",
        "Referral for MRI brain epilepsy protocol",
    )]));
    let mri = item(&referral, "epilepsy", "mri");
    assert!(!mri.done, "{mri:?}");

    for (system, code, display) in [
        (
            SNOMED,
            "816077007",
            "Magnetic resonance imaging of brain (procedure)",
        ),
        (LOINC, "24590-2", "MR Brain"),
        (
            "http://example.org/local",
            "R-77",
            "3T MRI epilepsy protocol (HARNESS)",
        ),
    ] {
        let env = imported(&epilepsy_with(&[procedure(
            "p1",
            "urn:uuid:pe",
            system,
            code,
            display,
        )]));
        let mri = item(&env, "epilepsy", "mri");
        assert!(mri.done, "{display}: {mri:?}");
        let detail = mri.detail.unwrap_or_default();
        assert!(
            detail.starts_with("from the record: brain MRI: ") && detail.contains("2024-02-01"),
            "{detail}"
        );
    }
}

#[test]
fn whole_body_imaging_ticks_myeloma_and_renal_imaging_is_named_for_hypertension() {
    let myeloma = imported(&bundle(
        "collection",
        &[
            patient("pe", "PE1", "Okafor", "Ada"),
            condition(
                "dx",
                "urn:uuid:pe",
                ICD10,
                "C90.00",
                "Multiple myeloma not having achieved remission",
            ),
            procedure(
                "p1",
                "urn:uuid:pe",
                "http://www.ama-assn.org/go/cpt",
                "77075",
                "Radiologic examination, osseous survey; complete",
            ),
        ],
    ));
    let imaging = item(&myeloma, "myeloma", "imaging");
    assert!(imaging.done, "{imaging:?}");

    let pressure = imported(&bundle(
        "collection",
        &[
            patient("pe", "PE1", "Okafor", "Ada"),
            condition(
                "dx",
                "urn:uuid:pe",
                ICD10,
                "I10",
                "Essential (primary) hypertension",
            ),
            with(
                procedure(
                    "p1",
                    "urn:uuid:pe",
                    SNOMED,
                    "000",
                    "Renal artery duplex ultrasound",
                ),
                &json!({}),
            ),
        ],
    ));
    let causes = item(&pressure, "hypertension", "secondary_causes");
    assert!(!causes.done, "it asks for more than imaging: {causes:?}");
    assert_eq!(
        causes.detail.as_deref(),
        Some("renal imaging: Renal artery duplex ultrasound on 2024-02-01")
    );
}

/// A level of `day` as `level` makes it, with `extra` fields (a reference range, a flag).
fn level_with(id: &str, display: &str, value: &Value, day: &str, extra: &Value) -> Value {
    with(level(id, "LOCAL", display, value, day), extra)
}

/// The adherence item of the epilepsy checklist, in words: its text and detail.
fn adherence_words(env: &Env) -> (bool, String) {
    let adherence = item(env, "epilepsy", "adherence");
    let said = format!(
        "{} {}",
        adherence.text,
        adherence.detail.clone().unwrap_or_default()
    );
    (adherence.done, said)
}

/// Review G4-1: a level is evidence of the course of the drug it was taken during, and of the
/// days after its last dose the drug takes to leave the blood (lamotrigine's 8 days, five of
/// its half-lives), never of a later course: an in-range level of an earlier trial of
/// levetiracetam says nothing of the failed 2022 trial, nor of the drug given again now.
#[test]
fn a_level_tells_of_the_course_it_was_taken_during_and_not_of_another_of_the_drug() {
    let levetiracetam = super::LEVETIRACETAM;
    let earlier = super::statement(
        "lev-2018",
        "urn:uuid:pe",
        levetiracetam,
        "stopped",
        "2018-01-10",
        Some("2018-12-01"),
    );
    let in_2018 = level(
        "l0",
        "LOCAL-LEV",
        "Levetiracetam level, serum",
        &json!({"value": 24.0, "unit": "mg/L"}),
        "2018-03-01",
    );
    // Three days after lamotrigine's last day (2022-12-15): still its course's level.
    let after_stop = level(
        "l2",
        "LOCAL-LTG",
        "Lamotrigine level",
        &json!({"value": 6.0, "unit": "mg/L"}),
        "2022-12-18",
    );
    let env = imported(&epilepsy_with(&[
        earlier.clone(),
        in_2018.clone(),
        after_stop.clone(),
    ]));
    let (done, said) = adherence_words(&env);
    assert!(!done, "{said}");
    assert!(
        said.contains("no level recorded while given: levetiracetam (course from 2022-01-10)"),
        "{said}"
    );
    assert!(
        said.contains("lamotrigine 6 mg/L on 2022-12-18, in range (2.5-15 mg/L)"),
        "{said}"
    );
    assert!(!said.contains("lamotrigine (course"), "{said}");
    let rule_out = adherence_rule_out(&env).expect("open");
    assert!(
        rule_out.contains("levetiracetam (course from 2022-01-10)"),
        "{rule_out}"
    );

    // A level of each course: both trials shown taken.
    let in_2022 = level(
        "l1",
        "LOCAL-LEV",
        "Levetiracetam level, serum",
        &json!({"value": 20.0, "unit": "mg/L"}),
        "2022-03-01",
    );
    let env = imported(&epilepsy_with(&[
        earlier.clone(),
        in_2018.clone(),
        in_2022.clone(),
        after_stop.clone(),
    ]));
    let (done, said) = adherence_words(&env);
    assert!(done, "{said}");
    assert_eq!(adherence_rule_out(&env), None);

    // Given again since 2024: the current course has no level of its own.
    let again = super::statement(
        "lev-2024",
        "urn:uuid:pe",
        levetiracetam,
        "active",
        "2024-01-10",
        None,
    );
    let env = imported(&epilepsy_with(&[
        earlier, in_2018, in_2022, after_stop, again,
    ]));
    let (done, said) = adherence_words(&env);
    assert!(!done, "{said}");
    assert!(
        said.contains("no level recorded while given: levetiracetam (course from 2024-01-10)"),
        "{said}"
    );
}

/// Review G4-3: the lab's own range on the result is read before the book's (it is tied to the
/// lab's method), said as the lab's; a plain `normal` range on a drug level is its target
/// range; a range of a population (`appliesTo`) is not every patient's; where the lab gives no
/// range its flag is its judgement; and the ranges and the flag survive both exports.
#[test]
fn the_labs_own_range_and_flag_are_read_before_the_books_and_survive_both_exports() {
    let lab_range = |kind: &Value| {
        json!({"referenceRange": [{
            "low": {"value": 8.0, "unit": "mg/L", "system": "http://unitsofmeasure.org", "code": "mg/L"},
            "high": {"value": 26.0, "unit": "mg/L", "system": "http://unitsofmeasure.org", "code": "mg/L"},
            "type": kind,
            "text": "8-26 mg/L"
        }]})
    };
    let therapeutic = json!({"coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/referencerange-meaning",
        "code": "therapeutic"
    }]});
    // 10 mg/L is below the book's 12-46 mg/L, within this lab's 8-26 mg/L.
    let levetiracetam = |extra: &Value| {
        level_with(
            "l1",
            "Levetiracetam level, serum",
            &json!({"value": 10.0, "unit": "mg/L"}),
            "2022-03-01",
            extra,
        )
    };
    let lamotrigine = level(
        "l2",
        "LOCAL-LTG",
        "Lamotrigine level",
        &json!({"value": 6.0, "unit": "mg/L"}),
        "2022-09-01",
    );
    for kind in [
        therapeutic.clone(),
        json!({"text": "Therapeutic range"}),
        json!({"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/referencerange-meaning",
            "code": "normal"
        }]}),
    ] {
        let env = imported(&epilepsy_with(&[
            levetiracetam(&lab_range(&kind)),
            lamotrigine.clone(),
        ]));
        let (done, said) = adherence_words(&env);
        assert!(done, "{kind}: {said}");
        assert!(
            said.contains("levetiracetam 10 mg/L on 2022-03-01, in range (lab's range 8-26 mg/L)"),
            "{kind}: {said}"
        );
    }

    // A range for a population is not read: the book's range is.
    let mut for_some = lab_range(&therapeutic);
    for_some["referenceRange"][0]["appliesTo"] = json!([{"text": "with enzyme-inducing drugs"}]);
    let env = imported(&epilepsy_with(&[
        levetiracetam(&for_some),
        lamotrigine.clone(),
    ]));
    let (done, said) = adherence_words(&env);
    assert!(!done, "{said}");
    assert!(said.contains("level below range (12-46 mg/L)"), "{said}");

    // No range, a flag: the lab's judgement. 6 mg/L of lamotrigine is within the book's
    // 2.5-15 mg/L; flagged low by the lab, it is a concern.
    let flag = |code: &str| {
        json!({"interpretation": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
            "code": code
        }]}]})
    };
    let flagged_low = level_with(
        "l2",
        "Lamotrigine level",
        &json!({"value": 6.0, "unit": "mg/L"}),
        "2022-09-01",
        &flag("L"),
    );
    let env = imported(&epilepsy_with(&[
        levetiracetam(&lab_range(&therapeutic)),
        flagged_low,
    ]));
    let (done, said) = adherence_words(&env);
    assert!(!done, "{said}");
    assert!(
        said.contains(
            "lamotrigine 6 mg/L on 2022-09-01, flagged low by the lab: possible non-adherence or underdosing"
        ),
        "{said}"
    );

    // Both exports carry the range and the flag: read back, the same reading.
    for format in ["json", "fhir"] {
        let out = env.path(&format!("out.{format}"));
        let output = super::refract()
            .arg("--db")
            .arg(env.db())
            .args(["export", "--format", format, "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        let mut copy = Env::new();
        copy.import_ok(&out);
        assert_eq!(adherence_words(&copy), adherence_words(&env), "{format}");
        let stored = copy.rows(
            "SELECT interpretation, reference_ranges FROM observations
             WHERE display LIKE '%level%' ORDER BY effective",
        );
        let original = env.rows(
            "SELECT interpretation, reference_ranges FROM observations
             WHERE display LIKE '%level%' ORDER BY effective",
        );
        assert_eq!(stored, original, "{format}");
        assert!(
            format!("{original:?}").contains("therapeutic"),
            "{original:?}"
        );
    }
}

/// Review LV-1: a level of a drug is evidence about that drug alone, and only where the rule
/// set reads it: lithium given to an epilepsy patient (for mood) is no antiseizure drug, so
/// neither its level nor its missing level enters the epilepsy adherence reading.
#[test]
fn a_level_of_a_drug_of_another_condition_says_nothing_of_this_ones_adherence() {
    let lithium = super::statement(
        "li",
        "urn:uuid:pe",
        ("42351", "Lithium Carbonate 300 MG Oral Capsule"),
        "active",
        "2022-02-01",
        None,
    );
    let in_range = [
        level(
            "l1",
            "LOCAL-LEV",
            "Levetiracetam level, serum",
            &json!({"value": 24.0, "unit": "mg/L"}),
            "2022-03-01",
        ),
        level(
            "l2",
            "LOCAL-LTG",
            "Lamotrigine level",
            &json!({"value": 6.0, "unit": "mg/L"}),
            "2022-09-01",
        ),
    ];
    let lithium_low = level(
        "l3",
        "14334-7",
        "Lithium [Moles/volume] in Serum or Plasma",
        &json!({"value": 0.2, "unit": "mmol/L"}),
        "2022-10-01",
    );
    for extra in [vec![], vec![lithium_low]] {
        let mut resources = vec![lithium.clone()];
        resources.extend(in_range.iter().cloned());
        resources.extend(extra);
        let env = imported(&epilepsy_with(&resources));
        let (done, said) = adherence_words(&env);
        assert!(done, "{said}");
        assert!(!said.to_lowercase().contains("lithium"), "{said}");
        assert_eq!(adherence_rule_out(&env), None);
    }
}

/// Review LV-2: phenytoin, phenobarbital are monitored by level (Patsalos 2008): a total
/// phenytoin level in µmol/L is read against 10-20 mg/L, and a course without one is named.
#[test]
fn phenytoin_and_phenobarbital_levels_are_read_against_the_books_ranges() {
    let phenytoin = super::statement(
        "pht",
        "urn:uuid:pe",
        ("8183", "Phenytoin 100 MG Extended Release Oral Capsule"),
        "active",
        "2023-02-01",
        None,
    );
    let phenobarbital = super::statement(
        "pb",
        "urn:uuid:pe",
        ("8134", "Phenobarbital 30 MG Oral Tablet"),
        "active",
        "2023-02-01",
        None,
    );
    let env = imported(&epilepsy_with(&[phenytoin.clone(), phenobarbital.clone()]));
    let (_, said) = adherence_words(&env);
    assert!(
        said.contains("no level recorded while given")
            && said.contains("phenytoin")
            && said.contains("phenobarbital"),
        "{said}"
    );
    // 20 µmol/L of phenytoin (252.27 g/mol) is 5.05 mg/L, below 10-20 mg/L; the free
    // fraction is another test; 25 mg/L of phenobarbital is within 10-40 mg/L.
    let env = imported(&epilepsy_with(&[
        phenytoin,
        phenobarbital,
        level(
            "l1",
            "3968-5",
            "Phenytoin [Mass/volume] in Serum or Plasma",
            &json!({"value": 20.0, "unit": "umol/L"}),
            "2023-03-01",
        ),
        level(
            "l2",
            "LOCAL-PHTF",
            "Phenytoin free level",
            &json!({"value": 1.5, "unit": "mg/L"}),
            "2023-03-02",
        ),
        level(
            "l3",
            "3948-7",
            "Phenobarbital [Mass/volume] in Serum or Plasma",
            &json!({"value": 25.0, "unit": "mg/L"}),
            "2023-03-01",
        ),
    ]));
    let (done, said) = adherence_words(&env);
    assert!(!done, "{said}");
    assert!(
        said.contains(
            "phenytoin 20 umol/L on 2023-03-01 (5.05 mg/L), level below range (10-20 mg/L)"
        ),
        "{said}"
    );
    assert!(
        said.contains("phenobarbital 25 mg/L on 2023-03-01, in range (10-40 mg/L)"),
        "{said}"
    );
    assert!(!said.contains("1.5 mg/L"), "{said}");
}

/// Review LV-3: a lab's range with one bound judges only its side, and one given only as text
/// is read where the text is unambiguous ("8-26 mg/L", "< 5"); an ambiguous text is not read,
/// and said.
#[test]
fn a_labs_one_sided_or_text_only_range_is_read_for_its_side() {
    // 10 mg/L of levetiracetam: below the book's 12-46 mg/L.
    let levetiracetam = |range: &Value| {
        level_with(
            "l1",
            "Levetiracetam level, serum",
            &json!({"value": 10.0, "unit": "mg/L"}),
            "2022-03-01",
            &json!({"referenceRange": [range]}),
        )
    };
    let lamotrigine = level(
        "l2",
        "LOCAL-LTG",
        "Lamotrigine level",
        &json!({"value": 6.0, "unit": "mg/L"}),
        "2022-09-01",
    );
    let said_with = |range: Value| {
        let env = imported(&epilepsy_with(&[
            levetiracetam(&range),
            lamotrigine.clone(),
        ]));
        adherence_words(&env)
    };
    // The lab's low bound 8 mg/L: not below the lab's range, whatever the book's low end.
    let (done, said) = said_with(json!({"low": {"value": 8.0, "unit": "mg/L"}}));
    assert!(done, "{said}");
    assert!(
        said.contains("levetiracetam 10 mg/L on 2022-03-01, in range (lab's range from 8 mg/L"),
        "{said}"
    );
    // Only a high bound: above it is the lab's judgement; below it the book judges its low end.
    let (done, said) = said_with(json!({"high": {"value": 5.0, "unit": "mg/L"}}));
    assert!(done, "{said}");
    assert!(
        said.contains("above range (lab's range up to 5 mg/L)"),
        "{said}"
    );
    let (done, said) = said_with(json!({"high": {"value": 40.0, "unit": "mg/L"}}));
    assert!(!done, "{said}");
    assert!(said.contains("level below range (12-46 mg/L"), "{said}");
    // Text only.
    let (done, said) = said_with(json!({"text": "8-26 mg/L"}));
    assert!(done, "{said}");
    assert!(said.contains("in range (lab's range 8-26 mg/L)"), "{said}");
    let (done, said) = said_with(json!({"text": "< 5"}));
    assert!(done, "{said}");
    assert!(
        said.contains("above range (lab's range up to 5 mg/L)"),
        "{said}"
    );
    // Two ranges in one text: not read, said, and the book judges.
    let (done, said) = said_with(json!({"text": "therapeutic 8-26, toxic > 40"}));
    assert!(!done, "{said}");
    assert!(said.contains("level below range (12-46 mg/L)"), "{said}");
    assert!(
        said.contains("the lab's range \"therapeutic 8-26, toxic > 40\" is not read"),
        "{said}"
    );
    // Review K3-3: a toxic or critical threshold is no low end of the lab's range, nor is a
    // bound from below the lab does not call its target or normal range: not read, said, and
    // the book judges.
    for threshold in ["Toxic: > 5 mg/L", "Critical: >5", "> 5 mg/L"] {
        let (done, said) = said_with(json!({"text": threshold}));
        assert!(!done, "{threshold}: {said}");
        assert!(
            said.contains("level below range (12-46 mg/L)"),
            "{threshold}: {said}"
        );
        assert!(
            said.contains(&format!("the lab's range \"{threshold}\" is not read")),
            "{threshold}: {said}"
        );
    }
    for target in [
        json!({"text": "Therapeutic: > 8 mg/L"}),
        json!({"text": "> 8 mg/L", "type": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/referencerange-meaning",
            "code": "therapeutic"}]}}),
    ] {
        let (done, said) = said_with(target.clone());
        assert!(done, "{target}: {said}");
        assert!(
            said.contains("in range (lab's range from 8 mg/L"),
            "{target}: {said}"
        );
    }
}

/// Review LV-4: a level of a drug the book does not monitor (lacosamide) is read where the lab
/// judges it, by its flag or its range, and said as the lab's; with no judgement it is not read.
#[test]
fn a_level_the_lab_judges_is_read_for_a_drug_the_book_does_not_monitor() {
    let base = [
        level(
            "l1",
            "LOCAL-LEV",
            "Levetiracetam level, serum",
            &json!({"value": 24.0, "unit": "mg/L"}),
            "2022-03-01",
        ),
        level(
            "l2",
            "LOCAL-LTG",
            "Lamotrigine level",
            &json!({"value": 6.0, "unit": "mg/L"}),
            "2022-09-01",
        ),
    ];
    let lacosamide = |extra: &Value| {
        level_with(
            "l3",
            "Lacosamide level",
            &json!({"value": 3.0, "unit": "mg/L"}),
            "2023-03-01",
            extra,
        )
    };
    let flagged_low = json!({"interpretation": [{"coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
        "code": "L"
    }]}]});
    let mut resources = base.to_vec();
    resources.push(lacosamide(&flagged_low));
    let env = imported(&epilepsy_with(&resources));
    let (done, said) = adherence_words(&env);
    assert!(!done, "{said}");
    assert!(
        said.contains(
            "lacosamide 3 mg/L on 2023-03-01, flagged low by the lab: possible non-adherence or underdosing"
        ),
        "{said}"
    );
    let rule_out = adherence_rule_out(&env).expect("open");
    assert!(rule_out.contains("lacosamide 3 mg/L"), "{rule_out}");

    let mut resources = base.to_vec();
    resources.push(lacosamide(&json!({"referenceRange": [{
        "low": {"value": 2.0, "unit": "mg/L"},
        "high": {"value": 10.0, "unit": "mg/L"}
    }]})));
    let env = imported(&epilepsy_with(&resources));
    let (done, said) = adherence_words(&env);
    assert!(done, "{said}");
    assert!(
        said.contains("lacosamide 3 mg/L on 2023-03-01, in range (lab's range 2-10 mg/L)"),
        "{said}"
    );

    // No judgement by the lab, no range in the book: nothing said of it.
    let mut resources = base.to_vec();
    resources.push(lacosamide(&json!({})));
    let env = imported(&epilepsy_with(&resources));
    let (done, said) = adherence_words(&env);
    assert!(done, "{said}");
    assert!(!said.contains("lacosamide 3"), "{said}");
}
