//! The way-forward options catalogue: every rule set ships one with enough step-3 options and
//! step-4 suggestions, each with a source; a catalogue in `--rules DIR/options/` replaces the
//! embedded one, and an invalid one (misspelled key, a trial, a wrong step, an unknown drug, a
//! duplicate key, a ruleset that is not its file name) is refused with `<path>:<line>: <message>`;
//! and "already tried" is found from drug exposures, treatment lines and procedures, never from a
//! drug given for another condition.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use refract::domain::{
    Coding, DrugExposure, DrugReaction, Indication, LineDrug, LineOrigin, OptionKind,
    PatientRecord, Procedure, StopReason, TreatmentLine,
};
use refract::rules::options::{
    CatalogueOption, EMBEDDED, class_given, given_for_other_conditions, reactions, tried,
};
use refract::rules::{RuleSet, Rules, RulesError};
use tempfile::TempDir;

fn rules() -> Rules {
    Rules::embedded().expect("the embedded rules and catalogues load")
}

#[test]
fn every_rule_set_has_a_catalogue_with_sourced_options() {
    let rules = rules();
    assert_eq!(rules.options.len(), rules.sets.len());
    for set in &rules.sets {
        let options = rules.options(&set.id);
        let step3 = options.iter().filter(|o| o.step == 3).count();
        let step4 = options.iter().filter(|o| o.step == 4).count();
        assert!(step3 >= 8, "{}: only {step3} step-3 options", set.id);
        assert!(step4 >= 3, "{}: only {step4} step-4 options", set.id);
        assert!(
            (10..=20).contains(&options.len()),
            "{}: {} options",
            set.id,
            options.len()
        );
        for option in options {
            assert!(
                !option.source.trim().is_empty(),
                "{}/{}: no source",
                set.id,
                option.key
            );
            assert!(!option.detail.trim().is_empty());
            assert_ne!(option.kind, OptionKind::Trial);
        }
    }
    assert!(rules.options("no_such_ruleset").is_empty());
}

#[test]
fn catalogue_names_the_way_forward_examples() {
    let rules = rules();
    let has = |ruleset: &str, key: &str| rules.options(ruleset).iter().any(|o| o.key == key);
    assert!(has("epilepsy", "epilepsy_surgery"));
    assert!(has("epilepsy", "vagus_nerve_stimulation"));
    assert!(has("epilepsy", "ketogenic_diet"));
    assert!(has("hypertension", "renal_denervation"));
    assert!(has("lbcl", "axicabtagene_ciloleucel"));
    assert!(has("myeloma", "teclistamab"));
    assert!(has("schizophrenia", "clozapine"));
    // Hypothermia is deliberately not offered for status epilepticus (HYBERNATUS).
    assert!(
        rules
            .options("status_epilepticus")
            .iter()
            .all(|o| !o.name.to_lowercase().contains("hypothermia"))
    );
}

/// The embedded epilepsy catalogue.
fn epilepsy_text() -> &'static str {
    EMBEDDED
        .iter()
        .find(|(id, _)| *id == "epilepsy")
        .map(|(_, text)| *text)
        .unwrap()
}

/// Loads the rules with `options/epilepsy.toml` holding `text`.
fn load_with(text: &str) -> (TempDir, std::path::PathBuf, Result<Rules, RulesError>) {
    let dir = TempDir::new().unwrap();
    std::fs::create_dir(dir.path().join("options")).unwrap();
    let path = dir.path().join("options").join("epilepsy.toml");
    std::fs::write(&path, text).unwrap();
    let result = Rules::load(Some(dir.path()));
    (dir, path, result)
}

/// The embedded epilepsy catalogue with the first `from` replaced by `to`, and the line changed.
fn altered(from: &str, to: &str) -> (String, usize) {
    let text = epilepsy_text();
    let offset = text
        .find(from)
        .unwrap_or_else(|| panic!("{from:?} is not in the epilepsy catalogue"));
    let line = text[..offset].matches('\n').count() + 1;
    (text.replacen(from, to, 1), line)
}

/// The error of loading the altered catalogue; it must name the file and `line`.
fn refused(from: &str, to: &str, line: usize, expect: &str) {
    let (text, _) = altered(from, to);
    let (_dir, path, result) = load_with(&text);
    let err = result
        .err()
        .unwrap_or_else(|| panic!("{from:?} -> {to:?} was accepted"))
        .to_string();
    let prefix = format!("{}:{line}:", path.display());
    assert!(
        err.starts_with(&prefix),
        "{err:?} should start with {prefix:?}"
    );
    assert!(err.contains(expect), "{err:?} should mention {expect:?}");
}

#[test]
fn a_catalogue_in_the_rules_directory_replaces_the_embedded_one() {
    let text = "ruleset = \"epilepsy\"\n\n[[option]]\nkey = \"local_surgery_pathway\"\nstep = 3\nkind = \"procedure\"\nname = \"Local surgery pathway\"\ndetail = \"Referral to the regional centre\"\nsource = \"Local protocol 2026\"\n";
    let (_dir, _path, result) = load_with(text);
    let rules = result.unwrap();
    let options = rules.options("epilepsy");
    assert_eq!(options.len(), 1);
    assert_eq!(options[0].key, "local_surgery_pathway");
    assert!(options[0].drugs.is_empty() && options[0].procedures.is_empty());
    // Other rule sets keep their embedded catalogues.
    assert!(rules.options("hypertension").len() >= 11);
    // Options do not take part in the stamp: stored assessments stay valid.
    assert_eq!(rules.stamp, self::rules().stamp);
}

#[test]
fn an_unknown_key_is_refused_with_its_line() {
    let (_, line) = altered("detail = ", "detial = ");
    refused("detail = ", "detial = ", line, "detial");
}

#[test]
fn a_trial_is_refused_with_its_line() {
    let (_, line) = altered("kind = \"procedure\"", "kind = \"trial\"");
    refused(
        "kind = \"procedure\"",
        "kind = \"trial\"",
        line,
        "registry id",
    );
}

#[test]
fn an_unknown_kind_is_refused_with_its_line() {
    let (_, line) = altered("kind = \"procedure\"", "kind = \"operation\"");
    refused(
        "kind = \"procedure\"",
        "kind = \"operation\"",
        line,
        "operation",
    );
}

#[test]
fn step_five_is_refused_with_its_line() {
    // The second option's step, so that the line is not simply the first option's.
    let text = epilepsy_text();
    let second = text.match_indices("step = 3").nth(1).unwrap().0;
    let line = text[..second].matches('\n').count() + 1;
    let changed = format!("{}step = 5{}", &text[..second], &text[second + 8..]);
    let (_dir, path, result) = load_with(&changed);
    let err = result.err().unwrap().to_string();
    assert!(
        err.starts_with(&format!("{}:{line}:", path.display())),
        "{err}"
    );
    assert!(err.contains("not 5"), "{err}");
}

#[test]
fn an_unknown_drug_is_refused_with_its_line() {
    let (_, line) = altered("drugs = [\"cenobamate\"]", "drugs = [\"cenobamat\"]");
    refused(
        "drugs = [\"cenobamate\"]",
        "drugs = [\"cenobamat\"]",
        line,
        "unknown drug 'cenobamat'",
    );
}

#[test]
fn an_unknown_class_is_refused_with_its_line() {
    let (_, line) = altered(
        "drugs = [\"perampanel\"]\nclasses = []",
        "drugs = [\"perampanel\"]\nclasses = [\"ampa_antagonist\"]",
    );
    refused(
        "drugs = [\"perampanel\"]\nclasses = []",
        "drugs = [\"perampanel\"]\nclasses = [\"ampa_antagonist\"]",
        line + 1,
        "unknown drug class 'ampa_antagonist'",
    );
}

#[test]
fn a_duplicate_key_is_refused_at_its_second_occurrence() {
    let (_, line) = altered("key = \"laser_ablation\"", "key = \"epilepsy_surgery\"");
    refused(
        "key = \"laser_ablation\"",
        "key = \"epilepsy_surgery\"",
        line,
        "appears twice",
    );
}

#[test]
fn a_ruleset_that_is_not_the_file_name_is_refused() {
    let (_, line) = altered("ruleset = \"epilepsy\"", "ruleset = \"aml\"");
    refused(
        "ruleset = \"epilepsy\"",
        "ruleset = \"aml\"",
        line,
        "does not match the file name",
    );
}

#[test]
fn a_catalogue_for_an_unknown_rule_set_is_refused() {
    let dir = TempDir::new().unwrap();
    std::fs::create_dir(dir.path().join("options")).unwrap();
    let path = dir.path().join("options").join("gout.toml");
    std::fs::write(
        &path,
        epilepsy_text().replace("ruleset = \"epilepsy\"", "ruleset = \"gout\""),
    )
    .unwrap();
    let err = Rules::load(Some(dir.path())).err().unwrap().to_string();
    assert!(err.starts_with(&path.display().to_string()), "{err}");
    assert!(err.contains("no rule set 'gout'"), "{err}");
}

fn at(y: i32, m: u32, d: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_time(NaiveTime::MIN)
}

fn exposure(id: i64, text: &str, start: NaiveDateTime, end: Option<NaiveDateTime>) -> DrugExposure {
    DrugExposure {
        id,
        text: text.to_owned(),
        rxnorm: None,
        atc: None,
        start,
        end,
        dose: None,
        route: None,
        role: None,
        stop_reason: None,
        cycles: None,
        dates: refract::domain::DatesKnown::Stated,
        stop_text: None,
        utc_offset_minutes: None,
        end_utc_offset_minutes: None,
        indications: Vec::new(),
        said_stopped: false,
        dose_from: None,
    }
}

fn procedure(id: i64, display: &str, performed: NaiveDateTime) -> Procedure {
    Procedure {
        indications: Vec::new(),
        named_conditions: Vec::new(),
        named_devices: Vec::new(),
        id,
        code: String::from("0"),
        system: String::new(),
        display: display.to_owned(),
        performed,
        end: None,
        codings: Vec::new(),
        performed_by: None,
        date_unknown: false,
        at_ages: None,
        utc_offset_minutes: None,
        end_utc_offset_minutes: None,
    }
}

fn set<'r>(rules: &'r Rules, ruleset: &str) -> &'r RuleSet {
    rules.get(ruleset).unwrap()
}

fn option(rules: &Rules, ruleset: &str, key: &str) -> CatalogueOption {
    rules
        .options(ruleset)
        .iter()
        .find(|o| o.key == key)
        .unwrap_or_else(|| panic!("{ruleset}/{key} is not catalogued"))
        .clone()
}

#[test]
fn cenobamate_is_found_in_a_recorded_exposure() {
    let rules = rules();
    let cenobamate = option(&rules, "epilepsy", "cenobamate");
    let record = PatientRecord {
        exposures: vec![
            exposure(1, "Levetiracetam 500 MG Oral Tablet", at(2019, 1, 5), None),
            exposure(
                2,
                "cenobamate 200 MG Oral Tablet",
                at(2021, 3, 2),
                Some(at(2022, 1, 10)),
            ),
        ],
        ..PatientRecord::default()
    };
    assert_eq!(
        tried(&cenobamate, &record, &rules.book, set(&rules, "epilepsy")).as_deref(),
        Some("cenobamate 2021-03-02 to 2022-01-10")
    );
}

#[test]
fn the_earliest_exposure_is_described_and_ongoing_ones_say_since() {
    let rules = rules();
    let beta_blocker = option(&rules, "hypertension", "beta_blocker");
    let record = PatientRecord {
        exposures: vec![
            exposure(1, "Bisoprolol 5 MG Oral Tablet", at(2024, 2, 1), None),
            exposure(2, "Metoprolol succinate 50 MG", at(2020, 6, 1), None),
        ],
        ..PatientRecord::default()
    };
    assert_eq!(
        tried(
            &beta_blocker,
            &record,
            &rules.book,
            set(&rules, "hypertension")
        )
        .as_deref(),
        Some("metoprolol since 2020-06-01")
    );
}

#[test]
fn renal_denervation_is_found_in_a_procedure() {
    let rules = rules();
    let denervation = option(&rules, "hypertension", "renal_denervation");
    let record = PatientRecord {
        procedures: vec![procedure(
            1,
            "Catheter-based renal denervation",
            at(2024, 5, 1),
        )],
        ..PatientRecord::default()
    };
    assert_eq!(
        tried(
            &denervation,
            &record,
            &rules.book,
            set(&rules, "hypertension")
        )
        .as_deref(),
        Some("Catheter-based renal denervation 2024-05-01")
    );
}

#[test]
fn a_clinician_entered_line_counts_without_an_exposure() {
    let rules = rules();
    let axicel = option(&rules, "lbcl", "axicabtagene_ciloleucel");
    let record = PatientRecord {
        lines: vec![TreatmentLine {
            id: 1,
            ruleset: String::from("lbcl"),
            number: 2,
            regimen: String::from("Axi-cel"),
            start: NaiveDate::from_ymd_opt(2023, 9, 14).unwrap(),
            end: None,
            intent: None,
            best_response: None,
            best_response_date: None,
            progression_date: None,
            stop_reason: None,
            cycles: None,
            origin: LineOrigin::Entered,
            cut_reason: None,
            drugs: vec![LineDrug {
                ingredient: String::from("axicabtagene ciloleucel"),
                dose: None,
                exposure_id: None,
            }],
        }],
        ..PatientRecord::default()
    };
    let why = tried(&axicel, &record, &rules.book, set(&rules, "lbcl")).unwrap();
    assert!(why.starts_with("axicabtagene ciloleucel (2L"), "{why}");
    assert!(why.contains("2023-09-14"), "{why}");
}

#[test]
fn an_unrelated_record_has_tried_nothing() {
    let rules = rules();
    let record = PatientRecord {
        exposures: vec![exposure(
            1,
            "Levetiracetam 500 MG Oral Tablet",
            at(2019, 1, 5),
            Some(at(2020, 1, 5)),
        )],
        procedures: vec![
            procedure(1, "Appendectomy", at(2015, 7, 3)),
            procedure(2, "Lobectomy of lung", at(2018, 2, 9)),
            procedure(3, "Electrocardiogram", at(2020, 1, 1)),
        ],
        ..PatientRecord::default()
    };
    for (ruleset, key) in [
        ("epilepsy", "cenobamate"),
        ("epilepsy", "epilepsy_surgery"),
        ("epilepsy", "vagus_nerve_stimulation"),
        ("hypertension", "renal_denervation"),
        ("hypertension", "beta_blocker"),
        ("depression", "ect"),
    ] {
        let option = option(&rules, ruleset, key);
        assert_eq!(
            tried(&option, &record, &rules.book, set(&rules, ruleset)),
            None,
            "{ruleset}/{key}"
        );
    }
}

/// The indication of a SNOMED CT-coded diagnosis, with its words.
fn given_for(code: &str, display: &str) -> Vec<Indication> {
    vec![Indication {
        codings: vec![Coding {
            system: String::from("http://snomed.info/sct"),
            code: code.to_owned(),
            display: display.to_owned(),
        }],
        text: display.to_owned(),
    }]
}

#[test]
fn a_beta_blocker_given_for_atrial_fibrillation_was_not_tried_for_the_hypertension() {
    let rules = rules();
    let beta_blocker = option(&rules, "hypertension", "beta_blocker");
    let hypertension = set(&rules, "hypertension");
    let mut metoprolol = exposure(1, "Metoprolol succinate 50 MG", at(2025, 6, 1), None);
    metoprolol.indications = given_for("49436004", "Atrial fibrillation");
    let mut record = PatientRecord {
        exposures: vec![metoprolol],
        ..PatientRecord::default()
    };
    assert_eq!(
        tried(&beta_blocker, &record, &rules.book, hypertension),
        None
    );
    assert_eq!(
        given_for_other_conditions(&beta_blocker, &record, &rules.book, hypertension).as_deref(),
        Some("metoprolol given for atrial fibrillation since 2025-06-01")
    );
    // A line built on it (another rule set's) is no trial of it either.
    record.lines.push(TreatmentLine {
        id: 1,
        ruleset: String::from("other"),
        number: 1,
        regimen: String::from("metoprolol"),
        start: NaiveDate::from_ymd_opt(2025, 6, 1).unwrap(),
        end: None,
        intent: None,
        best_response: None,
        best_response_date: None,
        progression_date: None,
        stop_reason: None,
        cycles: None,
        origin: LineOrigin::Derived,
        cut_reason: None,
        drugs: vec![LineDrug {
            ingredient: String::from("metoprolol"),
            dose: None,
            exposure_id: Some(1),
        }],
    });
    assert_eq!(
        tried(&beta_blocker, &record, &rules.book, hypertension),
        None
    );

    // One given for hypertension beside it was tried, and says so.
    let mut bisoprolol = exposure(2, "Bisoprolol 5 MG Oral Tablet", at(2024, 2, 1), None);
    bisoprolol.indications = given_for("38341003", "Hypertension");
    record.exposures.push(bisoprolol);
    assert_eq!(
        tried(&beta_blocker, &record, &rules.book, hypertension).as_deref(),
        Some("bisoprolol since 2024-02-01")
    );

    // Epilepsy's options read metoprolol as no antiseizure drug at all: nothing said.
    let cenobamate = option(&rules, "epilepsy", "cenobamate");
    assert_eq!(
        given_for_other_conditions(&cenobamate, &record, &rules.book, set(&rules, "epilepsy")),
        None
    );
}

/// The options of `ruleset` that `record` marks with a reaction, by key.
fn marked_by_reaction(rules: &Rules, ruleset: &str, record: &PatientRecord) -> Vec<String> {
    rules
        .options(ruleset)
        .iter()
        .filter(|o| o.step == 3 && reactions(o, record, &rules.book).is_some())
        .map(|o| o.key.clone())
        .collect()
}

const CLOZAPINE_OPTIONS: [&str; 4] = [
    "clozapine",
    "clozapine_aripiprazole",
    "clozapine_amisulpride",
    "ect_augmentation",
];

#[test]
fn clozapine_stopped_for_agranulocytosis_marks_every_option_that_gives_clozapine() {
    // Review R11-1: the options offered clozapine and its combinations plainly.
    let rules = rules();
    let mut clozapine = exposure(
        1,
        "clozapine 100 MG Oral Tablet",
        at(2024, 3, 1),
        Some(at(2024, 4, 20)),
    );
    clozapine.stop_reason = Some(StopReason::Intolerance);
    clozapine.stop_text = Some(String::from("Clozapine-induced agranulocytosis (ANC 0.3)"));
    let record = PatientRecord {
        exposures: vec![clozapine.clone()],
        ..PatientRecord::default()
    };
    assert_eq!(
        marked_by_reaction(&rules, "schizophrenia", &record),
        CLOZAPINE_OPTIONS
    );
    let said = reactions(
        &option(&rules, "schizophrenia", "clozapine_aripiprazole"),
        &record,
        &rules.book,
    )
    .unwrap();
    assert_eq!(
        said,
        "clozapine stopped 2024-04-20, not tolerated: Clozapine-induced agranulocytosis (ANC 0.3)"
    );

    // Control: clozapine stopped because it did not work is no reaction.
    clozapine.stop_reason = Some(StopReason::LackOfEfficacy);
    clozapine.stop_text = None;
    let record = PatientRecord {
        exposures: vec![clozapine],
        ..PatientRecord::default()
    };
    assert!(marked_by_reaction(&rules, "schizophrenia", &record).is_empty());
}

/// RV-2: clozapine put on hold (R4 `on-hold`) as not tolerated, agranulocytosis. A hold is no
/// stop (ST-6), but the reaction belongs to the patient: every option giving clozapine is
/// marked, as when it was stopped. Held for no response, or for words nobody read, it is none.
#[test]
fn clozapine_on_hold_for_agranulocytosis_marks_every_option_that_gives_clozapine() {
    let rules = rules();
    let held = |words: &str| {
        let mut clozapine = exposure(1, "clozapine 100 MG Oral Tablet", at(2021, 1, 1), None);
        clozapine.stop_text = Some(words.to_owned());
        PatientRecord {
            exposures: vec![clozapine],
            ..PatientRecord::default()
        }
    };
    let record = held("on hold: not tolerated (Clozapine-induced agranulocytosis (ANC 0.3))");
    assert_eq!(
        marked_by_reaction(&rules, "schizophrenia", &record),
        CLOZAPINE_OPTIONS
    );
    assert_eq!(
        reactions(
            &option(&rules, "schizophrenia", "clozapine"),
            &record,
            &rules.book
        )
        .as_deref(),
        Some(
            "clozapine on hold (order of 2021-01-01), not tolerated (Clozapine-induced \
             agranulocytosis (ANC 0.3))"
        )
    );
    for not_intolerance in [
        "on hold: no response (Not effective)",
        "on hold: not tolerated and no response",
        "on hold",
    ] {
        assert!(
            marked_by_reaction(&rules, "schizophrenia", &held(not_intolerance)).is_empty(),
            "{not_intolerance}"
        );
    }
}

fn drug_reaction(substance: &str, reaction: &str) -> DrugReaction {
    DrugReaction {
        id: 1,
        substance: substance.to_owned(),
        codes: Vec::new(),
        kind: Some(String::from("intolerance")),
        criticality: Some(String::from("high")),
        reaction: reaction.to_owned(),
        onset: NaiveDate::from_ymd_opt(2024, 4, 18),
        clinical_status: Some(String::from("active")),
        verification_status: Some(String::from("confirmed")),
    }
}

#[test]
fn a_reaction_recorded_elsewhere_marks_the_options_that_give_the_drug_in_every_disease() {
    // Review R11-1: clozapine given at another hospital, only the AllergyIntolerance here.
    let rules = rules();
    let record = PatientRecord {
        reactions: vec![drug_reaction("Clozapine", "Agranulocytosis")],
        ..PatientRecord::default()
    };
    assert_eq!(
        marked_by_reaction(&rules, "schizophrenia", &record),
        CLOZAPINE_OPTIONS
    );
    assert_eq!(
        reactions(
            &option(&rules, "schizophrenia", "clozapine"),
            &record,
            &rules.book
        )
        .as_deref(),
        Some("clozapine: Agranulocytosis 2024-04-18 (intolerance, criticality high)")
    );
    // Every disease: a lacosamide allergy marks epilepsy's lacosamide, a rituximab one the
    // lymphoma's Pola-BR (a partner drug).
    let record = PatientRecord {
        reactions: vec![
            drug_reaction("Lacosamide", "Atrioventricular block"),
            drug_reaction("Rituximab", "Anaphylaxis"),
        ],
        ..PatientRecord::default()
    };
    assert_eq!(
        marked_by_reaction(&rules, "epilepsy", &record),
        ["lacosamide"]
    );
    assert_eq!(
        marked_by_reaction(&rules, "lbcl", &record),
        ["polatuzumab_br"]
    );
    // Control: a penicillin allergy marks nothing.
    let record = PatientRecord {
        reactions: vec![drug_reaction("Penicillin V", "Urticaria")],
        ..PatientRecord::default()
    };
    for ruleset in ["schizophrenia", "epilepsy", "lbcl"] {
        assert!(
            marked_by_reaction(&rules, ruleset, &record).is_empty(),
            "{ruleset}"
        );
    }
}

#[test]
fn an_evaluation_referral_assessment_or_consent_is_not_the_procedure_tried() {
    // Review R11-2: each of these marked its treatment "already tried".
    let rules = rules();
    for (ruleset, key, step, done) in [
        (
            "epilepsy",
            "epilepsy_surgery",
            "Presurgical evaluation for epilepsy surgery",
            "Epilepsy surgery: anterior temporal lobe resection",
        ),
        (
            "epilepsy",
            "vagus_nerve_stimulation",
            "Referral for vagus nerve stimulation",
            "Implantation of vagus nerve stimulator",
        ),
        (
            "depression",
            "ect",
            "Assessment for electroconvulsive therapy",
            "Electroconvulsive therapy",
        ),
        ("depression", "ect", "ECT consent discussion", "ECT session"),
        (
            "hypertension",
            "renal_denervation",
            "Referral for renal denervation assessment",
            "Catheter-based renal denervation",
        ),
        (
            "lbcl",
            "allogeneic_transplant",
            "Evaluation for allogeneic stem cell transplant",
            "Allogeneic stem cell transplant",
        ),
    ] {
        let option = option(&rules, ruleset, key);
        let record_of = |display: &str| PatientRecord {
            procedures: vec![procedure(1, display, at(2025, 3, 1))],
            ..PatientRecord::default()
        };
        assert_eq!(
            tried(&option, &record_of(step), &rules.book, set(&rules, ruleset)),
            None,
            "{step}"
        );
        // Control: the treatment itself is tried.
        assert!(
            tried(&option, &record_of(done), &rules.book, set(&rules, ruleset)).is_some(),
            "{done}"
        );
    }
}

/// A derived line of `ruleset` giving `ingredient`.
fn line_of(ruleset: &str, number: u32, ingredient: &str, start: NaiveDate) -> TreatmentLine {
    TreatmentLine {
        id: i64::from(number),
        ruleset: ruleset.to_owned(),
        number,
        regimen: ingredient.to_owned(),
        start,
        end: Some(start),
        intent: None,
        best_response: None,
        best_response_date: None,
        progression_date: None,
        stop_reason: None,
        cycles: None,
        origin: LineOrigin::Derived,
        cut_reason: None,
        drugs: vec![LineDrug {
            ingredient: ingredient.to_owned(),
            dose: None,
            exposure_id: None,
        }],
    }
}

#[test]
fn a_car_t_given_marks_the_other_products_of_its_class() {
    // Review R11-3: a CAR T infusion coded generically (CPT 0540T) is the line "CAR T-cell
    // therapy"; the three CD19 CAR T products were offered as untried.
    let rules = rules();
    let lbcl = set(&rules, "lbcl");
    let day = NaiveDate::from_ymd_opt(2023, 10, 21).unwrap();
    let products = [
        "axicabtagene_ciloleucel",
        "lisocabtagene_maraleucel",
        "tisagenlecleucel",
    ];
    let record = PatientRecord {
        lines: vec![line_of("lbcl", 3, "CAR T-cell therapy", day)],
        ..PatientRecord::default()
    };
    for key in products {
        let option = option(&rules, "lbcl", key);
        assert_eq!(tried(&option, &record, &rules.book, lbcl), None, "{key}");
        let given = class_given(&option, &record, &rules.book, lbcl).unwrap();
        assert!(
            given.starts_with("CAR T-cell therapy (3L"),
            "{key}: {given}"
        );
    }
    // With axi-cel named: axi-cel tried, the other two marked by their class.
    let record = PatientRecord {
        lines: vec![line_of("lbcl", 3, "axicabtagene ciloleucel", day)],
        ..PatientRecord::default()
    };
    let axicel = option(&rules, "lbcl", "axicabtagene_ciloleucel");
    assert!(tried(&axicel, &record, &rules.book, lbcl).is_some());
    for key in ["lisocabtagene_maraleucel", "tisagenlecleucel"] {
        let given = class_given(&option(&rules, "lbcl", key), &record, &rules.book, lbcl);
        assert!(
            given.is_some_and(|g| g.starts_with("axicabtagene ciloleucel")),
            "{key}"
        );
    }
    // Control: a bispecific is of another class, and R-ICE marks no CAR T.
    let glofitamab = option(&rules, "lbcl", "glofitamab");
    assert_eq!(class_given(&glofitamab, &record, &rules.book, lbcl), None);
    let record = PatientRecord {
        lines: vec![line_of("lbcl", 2, "ifosfamide", day)],
        ..PatientRecord::default()
    };
    for key in products {
        assert_eq!(
            class_given(&option(&rules, "lbcl", key), &record, &rules.book, lbcl),
            None
        );
    }

    // Myeloma: cilta-cel given marks ide-cel, not the BCMA bispecifics.
    let myeloma = set(&rules, "myeloma");
    let record = PatientRecord {
        lines: vec![line_of("myeloma", 3, "ciltacabtagene autoleucel", day)],
        ..PatientRecord::default()
    };
    assert!(
        class_given(
            &option(&rules, "myeloma", "idecabtagene_vicleucel"),
            &record,
            &rules.book,
            myeloma
        )
        .is_some()
    );
    assert_eq!(
        class_given(
            &option(&rules, "myeloma", "teclistamab"),
            &record,
            &rules.book,
            myeloma
        ),
        None
    );
}
