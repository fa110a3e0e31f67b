//! Which rule sets a diagnosis selects: ICD-10 codes with or without the dot after the
//! category (claims feeds send "C8330"), the SNOMED CT child concepts a problem list uses (an
//! epilepsy syndrome, hypertensive heart disease, a depression episode), the usual wordings,
//! and exclusions that still hold whichever way the excluding diagnosis is coded.

use refract::domain::AssessmentStatus::NotMet;
use refract::domain::ConditionCodeSystem::{self, Icd10, Snomed};

use super::support::{Vignette, assess, rules, today};

/// The ids of the rule sets that apply to a patient with only this diagnosis.
fn selected(system: ConditionCodeSystem, code: &str, display: &str) -> Vec<String> {
    let record = Vignette::new()
        .coded_condition(system, code, display)
        .record();
    let rules = rules();
    rules
        .sets
        .iter()
        .filter(|set| rules.evaluate_one(&record, set, today()).is_some())
        .map(|set| set.id.clone())
        .collect()
}

#[test]
fn a_diagnosis_selects_its_rule_set_however_it_is_coded() {
    let expected: &[(&str, ConditionCodeSystem, &str, &str)] = &[
        // ICD-10-CM without the dot, and no display.
        ("lbcl", Icd10, "C8330", ""),
        ("lbcl", Icd10, "c83.38", ""),
        ("myeloma", Icd10, "C9000", ""),
        ("aml", Icd10, "C9200", ""),
        ("aml", Icd10, "C92A0", ""),
        ("epilepsy", Icd10, "G40909", ""),
        ("hypertension", Icd10, "I110", ""),
        ("depression", Icd10, "F331", ""),
        ("schizophrenia", Icd10, "F200", ""),
        ("rheumatoid_arthritis", Icd10, "M0579", ""),
        ("status_epilepticus", Icd10, "G410", ""),
        // SNOMED CT child concepts, with no display.
        ("epilepsy", Snomed, "230418006", ""),
        ("epilepsy", Snomed, "6204001", ""),
        ("hypertension", Snomed, "64715009", ""),
        ("hypertension", Snomed, "38481006", ""),
        ("lbcl", Snomed, "109969005", ""),
        ("rheumatoid_arthritis", Snomed, "239791005", ""),
        ("rheumatoid_arthritis", Snomed, "239792003", ""),
        ("depression", Snomed, "75084000", ""),
        ("depression", Snomed, "18818009", ""),
        ("schizophrenia", Snomed, "64905009", ""),
        ("schizophrenia", Snomed, "26025008", ""),
        // Usual wordings, under a code no rule set lists.
        ("epilepsy", Snomed, "1", "Lennox-Gastaut syndrome"),
        ("epilepsy", Snomed, "1", "Dravet syndrome"),
        ("epilepsy", Snomed, "1", "Infantile spasms"),
        ("epilepsy", Snomed, "1", "West syndrome"),
        ("hypertension", Snomed, "1", "Hypertensive heart disease"),
        (
            "hypertension",
            Snomed,
            "1",
            "Hypertensive chronic kidney disease",
        ),
        ("lbcl", Snomed, "1", "Diffuse large cell lymphoma"),
        ("myeloma", Snomed, "1", "Myelomatosis"),
        ("aml", Snomed, "1", "Acute myelogenous leukemia"),
        ("aml", Snomed, "1", "Acute myeloblastic leukaemia"),
        ("depression", Snomed, "1", "Recurrent depression"),
        ("schizophrenia", Snomed, "1", "Schizophrenic disorder"),
    ];
    let mut failures = Vec::new();
    for (ruleset, system, code, display) in expected {
        let sets = selected(*system, code, display);
        if !sets.iter().any(|id| id == ruleset) {
            failures.push(format!(
                "{system:?} {code} {display:?}: {sets:?}, not {ruleset}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_diagnosis_does_not_select_a_neighbouring_rule_set() {
    let unexpected: &[(&str, ConditionCodeSystem, &str, &str)] = &[
        // Acute promyelocytic leukaemia (C92.4) is treated differently.
        ("aml", Icd10, "C9240", ""),
        ("lbcl", Icd10, "C8340", ""),
        ("depression", Icd10, "F3130", ""),
        ("status_epilepticus", Icd10, "G40909", ""),
    ];
    for (ruleset, system, code, display) in unexpected {
        let sets = selected(*system, code, display);
        assert!(
            !sets.iter().any(|id| id == ruleset),
            "{system:?} {code} {display:?} selects {ruleset}"
        );
    }
}

#[test]
fn bipolar_disorder_excludes_treatment_resistant_depression_however_it_is_coded() {
    for (system, code, display) in [
        (Icd10, "F3130", ""),
        (Icd10, "F31.81", "Bipolar II disorder"),
        (Snomed, "371596008", ""),
        (Snomed, "83225003", ""),
        (Snomed, "1", "Manic-depressive illness"),
    ] {
        let record = Vignette::new()
            .condition("F33.1", "Major depressive disorder, recurrent, moderate")
            .coded_condition(system, code, display)
            .record();
        let assessment = assess("depression", &record);
        assert_eq!(assessment.status, NotMet, "{code} {display:?}");
        assert!(
            assessment.reasons.iter().any(|r| r.contains("bipolar")),
            "{code} {display:?}: {:?}",
            assessment.reasons
        );
    }
}

const SNOMED_CT: &str = "http://snomed.info/sct";
const ICD10_CM: &str = "http://hl7.org/fhir/sid/icd-10-cm";
const LOCAL: &str = "https://hospital.example/diagnoses";

/// A diagnosis's codings, as `(system URI, code, display)`.
type Codings<'a> = &'a [(&'a str, &'a str, &'a str)];

/// R4 reads a concept's codings as one diagnosis in several code systems: the one a rule set
/// lists selects it when it is not the one the diagnosis is shown by (a local code, an
/// ICD-10-CM code no rule set lists), by its code or by its words.
#[test]
fn a_diagnosis_known_only_by_a_later_coding_selects_its_rule_set() {
    let expected: &[(&str, Codings<'_>)] = &[
        (
            "depression",
            &[(LOCAL, "PSY-12", "Low mood"), (SNOMED_CT, "370143000", "")],
        ),
        (
            "epilepsy",
            &[
                (ICD10_CM, "R56.9", "Unspecified convulsions"),
                (ICD10_CM, "G40.909", ""),
            ],
        ),
        (
            "lbcl",
            &[
                (LOCAL, "ONC-3", "Lymphoma"),
                ("urn:oid:2.16.840.1.113883.6.90", "C8330", ""),
            ],
        ),
        (
            "hypertension",
            &[
                (LOCAL, "CV-1", "Raised pressure"),
                (LOCAL, "CV-1b", "Essential hypertension"),
            ],
        ),
    ];
    for (ruleset, codings) in expected {
        let record = Vignette::new().condition_coded(codings, "active").record();
        let rules = rules();
        let sets: Vec<&str> = rules
            .sets
            .iter()
            .filter(|set| rules.evaluate_one(&record, set, today()).is_some())
            .map(|set| set.id.as_str())
            .collect();
        assert!(sets.contains(ruleset), "{codings:?} selects {sets:?}");
    }
}

/// An excluding diagnosis is known by any of its codings too: a bipolar disorder shown by an
/// unspecified mood disorder code (ICD-10-CM F39) is excluded by its SNOMED CT or ICD-10 coding
/// beside it, and the reason names the code that excludes.
#[test]
fn bipolar_disorder_coded_only_in_a_later_coding_excludes() {
    for second in [(SNOMED_CT, "13746004", ""), (ICD10_CM, "F31.81", "")] {
        let record = Vignette::new()
            .condition("F33.1", "Major depressive disorder, recurrent, moderate")
            .condition_coded(&[(ICD10_CM, "F39", "Mood disorder"), second], "active")
            .record();
        let assessment = assess("depression", &record);
        assert_eq!(assessment.status, NotMet, "{second:?}");
        assert!(
            assessment
                .reasons
                .iter()
                .any(|r| r.contains("bipolar") && r.contains(second.1)),
            "{second:?}: {:?}",
            assessment.reasons
        );
    }
}

/// A coding's words that deny a diagnosis after naming it exclude nothing ("bipolar screen
/// negative", the review's case), and an exclusion is cited by the coding that excludes, with
/// that coding's own words, never the depression's code beside the bipolar display.
#[test]
fn a_denied_word_excludes_nothing_and_an_exclusion_is_cited_by_its_own_coding() {
    let denied = Vignette::new().condition_coded(
        &[
            (
                ICD10_CM,
                "F33.2",
                "Major depressive disorder, recurrent severe",
            ),
            (
                LOCAL,
                "MDD-R",
                "Recurrent depression - bipolar screen negative",
            ),
        ],
        "active",
    );
    let assessment = assess("depression", &denied.record());
    assert!(
        !assessment.reasons.iter().any(|r| r.contains("Bipolar")),
        "{:?}",
        assessment.reasons
    );
    for words in [
        "bipolar screen negative on MDQ",
        "Bipolar disorder ruled out",
        "Bipolar I disorder excluded",
    ] {
        let record = Vignette::new()
            .condition_coded(
                &[
                    (
                        ICD10_CM,
                        "F33.2",
                        "Major depressive disorder, recurrent severe",
                    ),
                    (LOCAL, "MDD-R", words),
                ],
                "active",
            )
            .record();
        let assessment = assess("depression", &record);
        assert!(
            !assessment.reasons.iter().any(|r| r.contains("Bipolar")),
            "{words}: {:?}",
            assessment.reasons
        );
    }
    let coded = Vignette::new().condition_coded(
        &[
            (
                ICD10_CM,
                "F33.2",
                "Major depressive disorder, recurrent severe",
            ),
            (SNOMED_CT, "13746004", "Bipolar disorder"),
        ],
        "active",
    );
    let assessment = assess("depression", &coded.record());
    assert_eq!(assessment.status, NotMet);
    assert!(
        assessment
            .reasons
            .iter()
            .any(|r| r.contains("(13746004 Bipolar disorder)")),
        "{:?}",
        assessment.reasons
    );
}

/// A denial after a diagnosis's name counts only where it ends what is said of the name: "…
/// negative for MYC rearrangement" and "…, negative CT head" deny something else (the second
/// review's cases lost their whole assessments), "bipolar screen negative" and "epilepsy ruled
/// out" deny the diagnosis.
#[test]
fn a_denial_of_something_else_after_the_name_keeps_the_diagnosis() {
    let rules = rules();
    let selects = |ruleset: &str, display: &str| {
        let record = Vignette::new()
            .condition_coded(&[(LOCAL, "LOC-1", display)], "active")
            .record();
        rules
            .evaluate_one(&record, rules.get(ruleset).unwrap(), today())
            .is_some()
    };
    assert!(selects(
        "lbcl",
        "Diffuse large B-cell lymphoma negative for MYC rearrangement"
    ));
    assert!(selects(
        "status_epilepticus",
        "Status epilepticus, negative CT head"
    ));
    assert!(selects(
        "lbcl",
        "Diffuse large B-cell lymphoma - PET negative - relapsed"
    ));
    assert!(!selects("lbcl", "Diffuse large B-cell lymphoma ruled out"));
    assert!(!selects("lbcl", "Diffuse large B-cell lymphoma excluded"));
    // The third review's cases: a strong denial reaches over a comma, a dash and what follows
    // it; "negative" right after the name, with where it was found.
    for denied in [
        "Epilepsy ruled out by video-EEG",
        "Epilepsy unlikely given normal EEG",
        "Epilepsy, ruled out",
        "Epilepsy - excluded (PNES)",
    ] {
        assert!(!selects("epilepsy", denied), "{denied}");
    }
    assert!(selects("epilepsy", "Epilepsy, intractable, negative MRI"));
}

/// Whether a diagnosis is current is read against every record of it, whichever of its codings
/// they share: an encounter's depression (no status) is outweighed by the problem list's entry
/// that says it resolved, when that entry is shown by a local code and holds the same
/// ICD-10-CM code second.
#[test]
fn a_resolution_recorded_under_another_coding_still_ends_the_diagnosis() {
    let record = Vignette::new()
        .coded_condition(Icd10, "F33.1", "")
        .condition_coded(
            &[(LOCAL, "PSY-12", "Low mood"), (ICD10_CM, "F33.1", "")],
            "resolved",
        )
        .record();
    let mut record = record;
    record.conditions[0].clinical_status = None;
    record.conditions[0].verification_status = None;
    let rules = rules();
    let set = rules.get("depression").unwrap();
    assert!(
        rules.evaluate_one(&record, set, today()).is_none(),
        "{:#?}",
        record.conditions
    );
    assert!(!record.conditions[0].is_current_in(&record.conditions));
}

/// The rule sets a diagnosis known only by its words selects (no code, as a problem list typed
/// by hand or a local code system sends it).
fn selected_by_words(words: &str) -> Vec<String> {
    selected(ConditionCodeSystem::Other, "", words)
}

/// A diagnosis written as clinicians write it, in words alone, selects its rule set: the
/// clinical names, the abbreviations that mean only this diagnosis, and those with other
/// meanings beside the words that say which (review r3 C-8: "HTN", "High blood pressure" and
/// "Seropositive RA" selected nothing and vanished).
#[test]
fn a_diagnosis_in_words_alone_selects_its_rule_set_as_clinicians_write_it() {
    let expected: &[(&str, &str)] = &[
        ("hypertension", "HTN"),
        ("hypertension", "Resistant HTN"),
        ("hypertension", "High blood pressure"),
        ("hypertension", "HBP"),
        ("hypertension", "Essential hypertension"),
        ("hypertension", "Hypertension, resistant"),
        ("hypertension", "Hypertensive disorder, systemic arterial"),
        ("rheumatoid_arthritis", "Seropositive RA"),
        ("rheumatoid_arthritis", "Seronegative RA"),
        ("rheumatoid_arthritis", "RA, seropositive"),
        ("rheumatoid_arthritis", "RA - sero-negative, erosive"),
        ("rheumatoid_arthritis", "Erosive RA"),
        ("rheumatoid_arthritis", "Anti-CCP positive RA"),
        ("rheumatoid_arthritis", "RF+ RA"),
        ("rheumatoid_arthritis", "Rheumatoid arthritis, seropositive"),
        ("rheumatoid_arthritis", "Seropositive rheumatoid arthritis"),
        ("rheumatoid_arthritis", "RA (rheumatoid arthritis)"),
        ("rheumatoid_arthritis", "Arthritis, rheumatoid"),
        ("rheumatoid_arthritis", "Rheumatoid disease"),
        ("epilepsy", "Seizure disorder"),
        ("epilepsy", "Focal epilepsy"),
        ("epilepsy", "JME"),
        ("epilepsy", "Drug-resistant TLE"),
        ("depression", "MDD"),
        ("depression", "MDD, recurrent, severe"),
        ("depression", "Major depression"),
        ("depression", "Depression"),
        ("depression", "Unipolar depression"),
        ("depression", "Severe depression"),
        ("depression", "Recurrent major depression, severe"),
        ("schizophrenia", "Chronic paranoid schizophrenia"),
        ("schizophrenia", "Schizophrenic psychosis"),
        ("schizophrenia", "Schizoaffective disorder"),
        ("myeloma", "Myeloma"),
        ("myeloma", "IgG kappa myeloma"),
        ("myeloma", "Light-chain myeloma"),
        ("myeloma", "MM, IgG kappa"),
        ("myeloma", "Relapsed MM"),
        ("lbcl", "DLBCL, GCB type"),
        ("lbcl", "Diffuse large B-cell lymphoma, ABC subtype"),
        ("lbcl", "Lymphoma, large B-cell, diffuse"),
        ("lbcl", "PMBCL"),
        ("aml", "AML"),
        ("aml", "AML with NPM1 mutation"),
        ("aml", "Leukemia, myeloid, acute"),
        ("aml", "Acute myeloid leukaemia"),
        ("status_epilepticus", "Refractory status epilepticus"),
        ("status_epilepticus", "NCSE"),
    ];
    let mut failures = Vec::new();
    for (ruleset, words) in expected {
        let sets = selected_by_words(words);
        if !sets.iter().any(|id| id == ruleset) {
            failures.push(format!("{words:?}: {sets:?}, not {ruleset}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Words that name another disease, or an abbreviation with another meaning, select no rule
/// set: an abbreviation that also means something else selects only beside the words that say
/// it is this diagnosis ("RA" is also the right atrium, refractory anaemia and room air; "MM"
/// also malignant melanoma and millimetres; "AML" also a renal angiomyolipoma), and the other
/// diseases named with a listed word stay apart (`not_names`).
#[test]
fn words_naming_another_disease_or_another_meaning_select_no_rule_set() {
    let unexpected: &[(&str, &str)] = &[
        ("rheumatoid_arthritis", "RA"),
        ("rheumatoid_arthritis", "RA dilatation"),
        ("rheumatoid_arthritis", "Enlarged RA, right atrium"),
        ("rheumatoid_arthritis", "Refractory anaemia (RA)"),
        ("rheumatoid_arthritis", "MDS-RA, refractory anemia"),
        ("rheumatoid_arthritis", "Seropositive ra"),
        ("rheumatoid_arthritis", "No RA, seronegative arthralgia"),
        ("myeloma", "MM"),
        ("myeloma", "Malignant melanoma (MM)"),
        ("myeloma", "MM of skin, relapsed"),
        ("myeloma", "Solitary myeloma"),
        ("myeloma", "Extramedullary myeloma"),
        ("aml", "Renal AML"),
        ("aml", "Angiomyolipoma (AML), kidney"),
        ("hypertension", "Pulmonary HTN"),
        ("hypertension", "Portal HTN"),
        ("hypertension", "Idiopathic intracranial HTN"),
        ("hypertension", "Ocular HTN"),
        ("hypertension", "Pulmonary arterial hypertension"),
        ("hypertension", "Elevated blood pressure"),
        (
            "hypertension",
            "High blood pressure reading without diagnosis of hypertension",
        ),
        ("depression", "ST depression"),
        ("depression", "Respiratory depression"),
        ("depression", "Bone marrow depression"),
        ("depression", "CNS depression"),
        ("depression", "Depressed skull fracture"),
        ("epilepsy", "Psychogenic non-epileptic seizures"),
        ("epilepsy", "Functional seizure disorder"),
        ("epilepsy", "Dissociative seizure disorder"),
        ("epilepsy", "Non-epileptic seizure disorder"),
    ];
    let mut failures = Vec::new();
    for (ruleset, words) in unexpected {
        let sets = selected_by_words(words);
        if sets.iter().any(|id| id == ruleset) {
            failures.push(format!("{words:?} selects {ruleset}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
