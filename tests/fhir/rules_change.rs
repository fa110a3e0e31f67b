//! Lines follow the rules that evaluate them. An import derives a record's lines with the rules
//! of the day; when the rules change (a release, a team's `--rules`), the next evaluation
//! derives the lines of imported records again, so that what the timeline shows and what the
//! criteria count is what a fresh import under the new rules would give. Lines the team entered
//! or corrected, and records nobody imported, are left as they are.

use std::path::{Path, PathBuf};

use refract::assess;
use refract::rules::Rules;
use serde_json::Value;

use super::{Env, ICD10, RXNORM, bundle, coding, condition, patient, statement, today, with};

const LOSARTAN: (&str, &str) = ("979485", "Losartan 100 MG Oral Tablet");
const AMLODIPINE: (&str, &str) = ("197361", "Amlodipine 5 MG Oral Tablet");
const VERAPAMIL: (&str, &str) = ("897722", "Verapamil 240 MG Extended Release Oral Tablet");
const HCTZ: (&str, &str) = ("310798", "Hydrochlorothiazide 25 MG Oral Tablet");

/// A patient on losartan and amlodipine, then verapamil added (a second calcium channel
/// blocker), then hydrochlorothiazide.
fn record() -> Value {
    let drug = |id: &str, drug: (&str, &str), start: &str| {
        with(
            statement(id, "Patient/h1", drug, "active", start, None),
            &serde_json::json!({"medicationCodeableConcept": coding(RXNORM, drug.0, drug.1)}),
        )
    };
    bundle(
        "collection",
        &[
            patient("h1", "MRN-H1", "Lindqvist", "Maja"),
            condition("c1", "Patient/h1", ICD10, "I10", "Essential hypertension"),
            drug("s1", LOSARTAN, "2024-01-01"),
            drug("s2", AMLODIPINE, "2024-01-01"),
            drug("s3", VERAPAMIL, "2024-04-01"),
            drug("s4", HCTZ, "2024-07-01"),
        ],
    )
}

/// The built-in rules with hypertension's `[lines.groups]` taken out: every class counts on
/// its own, as the line rules did before the groups were added.
fn rules_without_groups(dir: &Path) -> Rules {
    let text = refract::rules::EMBEDDED
        .iter()
        .find(|(id, _)| *id == "hypertension")
        .unwrap()
        .1;
    let start = text.find("[lines.groups]").unwrap();
    let end = start + text[start..].find("\n\n").unwrap();
    let folder = dir.join("older-rules");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("hypertension.toml"),
        format!("{}{}", &text[..start], &text[end..]),
    )
    .unwrap();
    Rules::load(Some(&folder)).unwrap()
}

/// (number, regimen, origin) of every stored line.
fn lines(env: &Env) -> Vec<Vec<String>> {
    env.rows("SELECT number, regimen, origin FROM treatment_lines ORDER BY number, start")
}

fn import(env: &mut Env, rules: Rules) -> PathBuf {
    let file = env.write_json("visit.json", &record());
    env.rules = rules;
    let report = env.import(std::slice::from_ref(&file));
    assert_eq!(report.failed, 0, "{report:#?}");
    file
}

#[test]
fn a_change_of_the_line_rules_reaches_the_lines_of_records_imported_before_it() {
    // What a fresh import under today's rules gives.
    let mut fresh = Env::new();
    import(&mut fresh, Rules::embedded().unwrap());
    let expected = lines(&fresh);
    assert_eq!(
        expected
            .iter()
            .map(|line| line[1].as_str())
            .collect::<Vec<_>>(),
        ["2 classes", "3 classes"],
        "the second calcium channel blocker is no new class"
    );

    // The same record imported under the older line rules: a line more.
    let mut env = Env::new();
    let older = rules_without_groups(env.dir.path());
    import(&mut env, older);
    let before = lines(&env);
    assert_ne!(before, expected, "the older rules cut another line");

    // Evaluated under today's rules: its lines are derived again, and evaluated as such.
    env.rules = Rules::embedded().unwrap();
    let pass = assess::refresh(&mut env.store, &env.rules, today(), |_, _| {}).unwrap();
    assert_eq!(pass.evaluated, 1);
    assert_eq!(lines(&env), expected);
    let list = |env: &Env| env.rows("SELECT list_line, list_regimen, list_status FROM patients");
    assert_eq!(
        list(&env),
        list(&fresh),
        "the list shows the lines as derived now"
    );
    let statuses = |env: &Env| env.rows("SELECT ruleset, status, label FROM assessments");
    assert_eq!(statuses(&env), statuses(&fresh));

    // Nothing left to do: a second pass changes nothing.
    let version = env.int("SELECT record_version FROM patients");
    let pass = assess::refresh(&mut env.store, &env.rules, today(), |_, _| {}).unwrap();
    assert_eq!(pass.evaluated, 0);
    assert_eq!(env.int("SELECT record_version FROM patients"), version);
}

#[test]
fn lines_the_team_entered_are_not_derived_again() {
    let mut env = Env::new();
    let older = rules_without_groups(env.dir.path());
    import(&mut env, older);
    // The team takes the lines over: a line they entered makes the rule set theirs.
    env.store
        .write(|tx| {
            tx.execute(
                "UPDATE treatment_lines SET origin = 'corrected' WHERE number = 1",
                [],
            )?;
            Ok::<_, refract::store::StoreError>(())
        })
        .unwrap();
    let before = lines(&env);
    env.rules = Rules::embedded().unwrap();
    assess::refresh(&mut env.store, &env.rules, today(), |_, _| {}).unwrap();
    // Only the team's line is left: derive_lines leaves a rule set with a line of theirs to
    // them, as on import.
    let after = lines(&env);
    assert!(
        after.iter().all(|line| line[2] == "corrected"),
        "{before:?} → {after:?}"
    );
    assert_eq!(after[0], before[0]);
}

#[test]
fn imported_drugs_under_a_diagnosis_the_team_entered_get_their_lines_too() {
    // The record's drugs came from an import, its hypertension from the team: the next
    // evaluation under new rules derives its lines as an import would.
    let mut env = Env::new();
    let older = rules_without_groups(env.dir.path());
    let mut visit = record();
    visit["entry"]
        .as_array_mut()
        .unwrap()
        .retain(|entry| entry["resource"]["resourceType"] != "Condition");
    let file = env.write_json("drugs.json", &visit);
    env.rules = older;
    let report = env.import(std::slice::from_ref(&file));
    assert_eq!(report.failed, 0, "{report:#?}");
    assert!(lines(&env).is_empty(), "no diagnosis, no lines");
    env.store
        .write(|tx| {
            tx.execute(
                "INSERT INTO conditions (patient_id, system, code, display, onset,
                                         clinical_status, verification_status, source)
                 VALUES (1, 'icd10', 'I10', 'Essential hypertension', '2023-06-01', 'active',
                         'confirmed', 'entered')",
                [],
            )?;
            Ok::<_, refract::store::StoreError>(())
        })
        .unwrap();
    env.rules = Rules::embedded().unwrap();
    assess::refresh(&mut env.store, &env.rules, today(), |_, _| {}).unwrap();
    assert_eq!(
        lines(&env)
            .iter()
            .map(|line| line[1].as_str())
            .collect::<Vec<_>>(),
        ["2 classes", "3 classes"]
    );
}
