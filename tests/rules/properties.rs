//! Properties of evaluation over 500 demo patients and every vignette of the tables: drugs
//! unrelated to the condition (metformin, atorvastatin) or supportive (ondansetron, filgrastim,
//! paracetamol) never change a status or label; evaluation is deterministic and pure; a new
//! observation that leaves the status as it is leaves the fingerprint as it is.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use chrono::Duration;
use refract::demo::{DemoOptions, generate_patient};
use refract::domain::{
    Assessment, AssessmentStatus, Dose, DrugExposure, Observation, PatientRecord, StopReason,
    observation_codes,
};
use refract::rules::Rules;

use super::support::{day_ago, describe, rules, time_ago, today};

const DEMO_PATIENTS: u64 = 500;

fn demo_records() -> Vec<PatientRecord> {
    let rules = rules();
    let options = DemoOptions {
        patients: DEMO_PATIENTS,
        seed: 7,
        today: today(),
    };
    (0..DEMO_PATIENTS)
        .map(|index| generate_patient(&rules.book, &options, index).record)
        .collect()
}

/// Every vignette of every table.
fn vignettes() -> Vec<(String, PatientRecord)> {
    let tables = [
        ("epilepsy", super::epilepsy::cases()),
        ("status_epilepticus", super::status_epilepticus::cases()),
        ("hypertension", super::hypertension::cases()),
        ("depression", super::depression::cases()),
        ("lbcl", super::lbcl::cases()),
        ("myeloma", super::myeloma::cases()),
        ("rheumatoid_arthritis", super::rheumatoid_arthritis::cases()),
        ("aml", super::aml::cases()),
        ("schizophrenia", super::schizophrenia::cases()),
    ];
    tables
        .into_iter()
        .flat_map(|(id, cases)| {
            cases
                .into_iter()
                .map(move |case| (format!("{id} / {}", case.name), case.record))
        })
        .collect()
}

/// Demo patients and vignettes, named.
fn all_records() -> Vec<(String, PatientRecord)> {
    demo_records()
        .into_iter()
        .enumerate()
        .map(|(index, record)| (format!("demo patient {index}"), record))
        .chain(vignettes())
        .collect()
}

fn next_id(record: &PatientRecord) -> i64 {
    let exposures = record.exposures.iter().map(|e| e.id);
    let observations = record.observations.iter().map(|o| o.id);
    exposures.chain(observations).max().unwrap_or(0) + 1000
}

/// The drugs that must never change a status: unrelated to any rule set, or supportive. Some
/// are stopped "for no response" to tempt a rule into counting them.
fn bystanders() -> Vec<DrugExposure> {
    let exposure = |text: &str, from: i64, days: Option<i64>, value: f64, unit: &str| {
        let start = day_ago(from);
        DrugExposure {
            id: 0,
            text: text.to_owned(),
            rxnorm: None,
            atc: None,
            start,
            end: days.map(|days| start + Duration::days(days)),
            dose: Some(Dose {
                value,
                unit: unit.to_owned(),
            }),
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
    };
    let mut atorvastatin = exposure("Atorvastatin 40 mg/d", 800, Some(700), 40.0, "mg/d");
    atorvastatin.stop_reason = Some(StopReason::LackOfEfficacy);
    let mut ondansetron = exposure("Ondansetron 8 mg/d", 120, Some(60), 8.0, "mg/d");
    ondansetron.stop_reason = Some(StopReason::LackOfEfficacy);
    vec![
        exposure("Metformin 1000 mg/d", 2000, None, 1000.0, "mg/d"),
        atorvastatin,
        ondansetron,
        exposure("Filgrastim 300 mcg/d", 95, Some(10), 300.0, "mcg/d"),
        exposure("Paracetamol 1000 mg/d", 30, None, 1000.0, "mg/d"),
        {
            // Given at the bedside during a status epilepticus episode three days ago.
            let mut given = exposure("Ondansetron 4 mg", 3, None, 4.0, "mg");
            given.start = time_ago(3, 10, 5);
            given.end = Some(time_ago(3, 10, 10));
            given
        },
    ]
}

fn with_exposures(record: &PatientRecord, added: &[DrugExposure]) -> PatientRecord {
    let mut out = record.clone();
    for (id, exposure) in (next_id(record)..).zip(added) {
        let mut exposure = exposure.clone();
        exposure.id = id;
        out.exposures.push(exposure);
    }
    out
}

fn summary(assessments: &[Assessment]) -> Vec<(String, AssessmentStatus, String)> {
    assessments
        .iter()
        .map(|a| (a.ruleset.clone(), a.status, a.label.clone()))
        .collect()
}

#[test]
fn unrelated_and_supportive_drugs_never_change_a_status() {
    let rules = rules();
    let drugs = bystanders();
    let mut checked = 0;
    let mut failures = Vec::new();
    for (name, record) in all_records() {
        let before = rules.evaluate(&record, today());
        assert!(!before.is_empty(), "{name}: no rule set applies");
        let variants = drugs
            .iter()
            .map(|drug| {
                (
                    drug.text.clone(),
                    with_exposures(&record, std::slice::from_ref(drug)),
                )
            })
            .chain(std::iter::once((
                String::from("all of them"),
                with_exposures(&record, &drugs),
            )));
        for (added, changed) in variants {
            let after = rules.evaluate(&changed, today());
            checked += 1;
            if summary(&before) != summary(&after) {
                failures.push(format!(
                    "{name}, adding {added}: {:?} became {:?}",
                    summary(&before),
                    summary(&after)
                ));
            }
        }
    }
    assert!(checked >= 7 * 500, "only {checked} records checked");
    assert!(
        failures.is_empty(),
        "{} change(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_demo_has_a_refractory_patient_for_every_rule_set() {
    let rules = rules();
    let mut seen = std::collections::BTreeSet::new();
    for record in demo_records() {
        for assessment in rules.evaluate(&record, today()) {
            seen.insert((assessment.ruleset, assessment.status));
        }
    }
    for set in &rules.sets {
        assert!(
            seen.contains(&(set.id.clone(), AssessmentStatus::Refractory)),
            "no demo patient is refractory for {}: {seen:?}",
            set.id
        );
    }
}

#[test]
fn evaluation_is_deterministic_and_pure() {
    let rules = rules();
    let fresh = Rules::embedded().unwrap();
    for (name, record) in all_records() {
        let copy = record.clone();
        let first = rules.evaluate(&record, today());
        let second = rules.evaluate(&record, today());
        assert_eq!(first, second, "{name}: two evaluations differ");
        assert_eq!(record, copy, "{name}: evaluation changed the record");
        assert_eq!(
            first,
            fresh.evaluate(&copy, today()),
            "{name}: freshly loaded rules differ"
        );
        let one_by_one: Vec<Assessment> = rules
            .sets
            .iter()
            .filter_map(|set| rules.evaluate_one(&record, set, today()))
            .collect();
        let dated = rules.evaluate_dated(&record, today());
        assert_eq!(
            dated, one_by_one,
            "{name}: evaluate_dated and evaluate_one differ"
        );
        // `evaluate` leaves the flags' days to the dating pass, and differs in nothing else.
        let undated: Vec<Assessment> = dated
            .into_iter()
            .map(|mut a| {
                a.criteria_met_since = None;
                a
            })
            .collect();
        assert_eq!(first, undated, "{name}: evaluate and evaluate_one differ");
        for assessment in &first {
            assert_eq!(assessment.evaluated_on, today());
            assert_eq!(
                assessment.fingerprint.len(),
                16,
                "{name}: fingerprint length"
            );
            assert_eq!(
                assessment.fingerprint,
                refract::rules::fingerprint(assessment),
                "{name}: stored fingerprint is not the digest of the assessment"
            );
        }
    }
}

fn with_observations(record: &PatientRecord, observations: &[Observation]) -> PatientRecord {
    let mut out = record.clone();
    for (id, observation) in (next_id(record)..).zip(observations) {
        let mut observation = observation.clone();
        observation.id = id;
        out.observations.push(observation);
    }
    out
}

fn observation(code: &str, display: &str, value: f64, days: i64) -> Observation {
    Observation {
        focus: Vec::new(),
        value_words: String::new(),
        reference_ranges: Vec::new(),
        interpretation: None,
        named_conditions: Vec::new(),
        id: 0,
        code: code.to_owned(),
        system: String::new(),
        display: display.to_owned(),
        value: Some(value),
        value_code: None,
        unit: None,
        effective: time_ago(days, 11, 30),
        since: None,
        setting: None,
        comparator: None,
        utc_offset_minutes: None,
        since_utc_offset_minutes: None,
        since_precision: refract::domain::DatePrecision::Day,
        effective_precision: refract::domain::DatePrecision::Day,
    }
}

/// A measurement of the condition itself that leaves a refractory status standing.
fn same_condition_measurement(ruleset: &str) -> Vec<Observation> {
    match ruleset {
        "hypertension" => {
            let office = |code: &str, display: &str, value: f64| {
                let mut reading = observation(code, display, value, 1);
                reading.setting = Some(refract::domain::BpSetting::Office);
                reading
            };
            vec![
                office(
                    observation_codes::SYSTOLIC_BP,
                    "Systolic blood pressure",
                    168.0,
                ),
                office(
                    observation_codes::DIASTOLIC_BP,
                    "Diastolic blood pressure",
                    102.0,
                ),
            ]
        }
        "rheumatoid_arthritis" => vec![observation(
            observation_codes::CDAI_TOTAL,
            "CDAI total",
            24.0,
            1,
        )],
        "myeloma" => vec![observation(
            observation_codes::M_PROTEIN,
            "M-protein",
            2.4,
            1,
        )],
        "lbcl" | "aml" => vec![observation(
            observation_codes::ECOG,
            "ECOG performance status",
            1.0,
            1,
        )],
        _ => Vec::new(),
    }
}

#[test]
fn a_new_observation_alone_does_not_change_the_fingerprint() {
    let rules = rules();
    let mut compared = 0;
    let mut failures = Vec::new();
    for (name, record) in all_records() {
        for before in rules.evaluate(&record, today()) {
            if before.status != AssessmentStatus::Refractory {
                continue;
            }
            let mut added = vec![vec![observation("29463-7", "Body weight", 71.5, 0)]];
            let own = same_condition_measurement(&before.ruleset);
            if !own.is_empty() {
                added.push(own);
            }
            for extra in added {
                let changed = with_observations(&record, &extra);
                let set = rules.get(&before.ruleset).unwrap();
                let after = rules.evaluate_one(&changed, set, today()).unwrap();
                if after.status != before.status {
                    continue;
                }
                compared += 1;
                if after.fingerprint != before.fingerprint {
                    failures.push(format!(
                        "{name} / {} after adding {}:\nbefore\n{}after\n{}",
                        before.ruleset,
                        extra[0].display,
                        describe(&before),
                        describe(&after)
                    ));
                }
            }
        }
    }
    assert!(
        compared >= 50,
        "only {compared} refractory assessments compared"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_fingerprint_changes_with_the_status_or_the_treatment_evidence() {
    use super::support::{Vignette, rx};
    let patient = || Vignette::new().condition("F20.0", "Paranoid schizophrenia");
    let one = patient().give(
        rx("Risperidone 10 mg/d")
            .from(400)
            .until(300)
            .stopped(StopReason::LackOfEfficacy),
    );
    let two = one.clone().give(
        rx("Olanzapine 20 mg/d")
            .from(290)
            .until(150)
            .stopped(StopReason::LackOfEfficacy),
    );
    let three = two.clone().give(
        rx("Haloperidol 16 mg/d")
            .from(140)
            .until(60)
            .stopped(StopReason::LackOfEfficacy),
    );
    let fingerprint = |v: &Vignette| super::support::assess("schizophrenia", &v.clone().record());
    let (one, two, three) = (fingerprint(&one), fingerprint(&two), fingerprint(&three));
    assert_eq!(one.status, AssessmentStatus::NotMet);
    assert_eq!(two.status, AssessmentStatus::Refractory);
    assert_eq!(three.status, AssessmentStatus::Refractory);
    assert_ne!(
        one.fingerprint, two.fingerprint,
        "a new status, a new fingerprint"
    );
    assert_ne!(
        two.fingerprint, three.fingerprint,
        "a third failed trial is new evidence: a review must be asked again"
    );
}

/// Another source's copy of every drug record, as a second system sends the same courses: the
/// same dates (`exact`), begun up to three days earlier within the same month (a hospital's
/// order written before the GP's statement), or, for a course still given, with a planned end a
/// year ahead (an order's `boundsPeriod`). `None` where the variant does not apply.
fn copied_by_another_source(exposure: &DrugExposure, variant: &str) -> Option<DrugExposure> {
    use chrono::Datelike;
    // A course: a few days either way, or an order's planned end, are another source's way of
    // recording it. An emergency's doses (a bolus, an infusion of hours) are not: three days
    // earlier is another episode.
    let today_start = today().and_hms_opt(0, 0, 0)?;
    let lasted = exposure.end.unwrap_or(today_start) - exposure.start;
    if lasted < Duration::days(28) {
        return None;
    }
    let mut copy = exposure.clone();
    match variant {
        "exact" => {}
        "earlier in the month" => {
            let back = i64::from(exposure.start.day().saturating_sub(1).min(3));
            if back == 0 || exposure.cycles.is_some() {
                return None;
            }
            copy.start = exposure.start - Duration::days(back);
        }
        "with a planned end" => {
            if exposure.end.is_some() || exposure.cycles.is_some() {
                return None;
            }
            copy.end = Some(today_start + Duration::days(365));
        }
        _ => return None,
    }
    Some(copy)
}

#[test]
fn another_sources_copy_of_the_same_courses_leaves_the_review_as_it_was() {
    let rules = rules();
    let mut compared = 0;
    let mut failures = Vec::new();
    for (name, record) in all_records() {
        let before = rules.evaluate(&record, today());
        for variant in ["exact", "earlier in the month", "with a planned end"] {
            let copies: Vec<DrugExposure> = record
                .exposures
                .iter()
                .filter_map(|e| copied_by_another_source(e, variant))
                .collect();
            if copies.is_empty() {
                continue;
            }
            let changed = with_exposures(&record, &copies);
            let after = rules.evaluate(&changed, today());
            for (one, two) in before.iter().zip(&after) {
                // Begun a few days before, the course is longer: a criterion of time (a
                // trial's length, seizure freedom since a schedule began) may read it so, and a
                // new status is a new review. What leaves the status stands.
                if variant == "earlier in the month"
                    && (one.status, &one.label) != (two.status, &two.label)
                {
                    continue;
                }
                compared += 1;
                if (one.status, &one.label, &one.fingerprint)
                    != (two.status, &two.label, &two.fingerprint)
                {
                    failures.push(format!(
                        "{name} / {} with a copy {variant}:\nbefore\n{}after\n{}",
                        one.ruleset,
                        describe(one),
                        describe(two)
                    ));
                }
            }
        }
    }
    assert!(compared >= 1000, "only {compared} assessments compared");
    assert!(
        failures.is_empty(),
        "{} change(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
