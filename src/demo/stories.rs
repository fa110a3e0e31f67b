//! Clinical stories for demo patients, one family per rule set: drugs of the right classes in the
//! order a clinician would give them, with doses, durations, responses and stop reasons, the
//! measurements that go with them and the procedures along the way.
//!
//! Each story is written to reach one status under the published criteria (refractory,
//! resistant, relapsed, not refractory, insufficient data) and returns it, so that tests can
//! check the generator and the rules engine against each other.

use chrono::Duration;

use super::builder::{Builder, MONTH, give};
use crate::domain::observation_codes::{self as obs, disease_status as ds};
use crate::domain::{AssessmentStatus as S, BpSetting, DrugRole, Intent, Response, StopReason};

/// The rule sets the demo tells stories for, with their share of patients.
pub const CONDITIONS: &[(&str, u32)] = &[
    ("epilepsy", 20),
    ("status_epilepticus", 3),
    ("hypertension", 24),
    ("depression", 18),
    ("lbcl", 8),
    ("myeloma", 7),
    ("rheumatoid_arthritis", 11),
    ("aml", 4),
    ("schizophrenia", 5),
];

/// The care team that looks after each condition in the demo.
pub fn care_team(ruleset: &str) -> &'static str {
    match ruleset {
        "epilepsy" => "Epilepsy service",
        "status_epilepticus" => "Neuro ICU",
        "hypertension" => "Hypertension clinic",
        "depression" => "Mood disorders",
        "lbcl" => "Lymphoma MDT",
        "myeloma" => "Myeloma MDT",
        "rheumatoid_arthritis" => "Rheumatology",
        "aml" => "Leukaemia MDT",
        _ => "Psychosis service",
    }
}

/// Writes the story of one condition into `b`; returns the status it was written to reach.
pub fn tell(ruleset: &str, b: &mut Builder<'_>) -> S {
    match ruleset {
        "epilepsy" => epilepsy(b),
        "status_epilepticus" => status_epilepticus(b),
        "hypertension" => hypertension(b),
        "depression" => depression(b),
        "lbcl" => lbcl(b),
        "myeloma" => myeloma(b),
        "rheumatoid_arthritis" => rheumatoid_arthritis(b),
        "aml" => aml(b),
        _ => schizophrenia(b),
    }
}

/// Seizures per month recorded every three months from `from_ago` to `to_ago`, around `level`.
fn seizure_diary(b: &mut Builder<'_>, from_ago: i64, to_ago: i64, level: i64) {
    // A diary of the last three years is what a clinic letter summarises.
    let mut ago = from_ago.min(to_ago + 36 * MONTH);
    while ago >= to_ago {
        let count = if level == 0 {
            0
        } else {
            (level + b.rng.range(-2, 2)).max(1)
        };
        b.observe(
            obs::SEIZURES_PER_MONTH,
            "Seizures per month",
            count as f64,
            "/mo",
            ago,
        );
        ago -= 3 * MONTH;
    }
}

fn epilepsy(b: &mut Builder<'_>) -> S {
    let onset = b.rng.range(4, 12) * 12 * MONTH;
    let code = b.rng.pick(&["G40.1", "G40.2", "G40.3"]);
    let display = match code {
        "G40.1" => "Focal symptomatic epilepsy with simple partial seizures",
        "G40.2" => "Focal symptomatic epilepsy with complex partial seizures",
        _ => "Generalized idiopathic epilepsy",
    };
    b.condition(code, display, onset);
    let baseline = b.rng.range(3, 9);
    let first = give(
        "levetiracetam",
        b.rng.pick(&[1500.0, 2000.0, 3000.0]),
        "mg/d",
    );
    let second = if code == "G40.3" {
        give("valproate", b.rng.pick(&[1000.0, 1500.0, 2000.0]), "mg/d")
    } else {
        give("lamotrigine", b.rng.pick(&[200.0, 300.0, 400.0]), "mg/d")
    };
    let third_options = [
        give("lacosamide", 400.0, "mg/d"),
        give("oxcarbazepine", 1200.0, "mg/d"),
        give("brivaracetam", 200.0, "mg/d"),
        give("cenobamate", 200.0, "mg/d"),
        give("perampanel", 8.0, "mg/d"),
    ];
    let third = b.rng.pick(&third_options);
    let start1 = onset - b.rng.range(0, 2) * MONTH;
    let story = b.rng.weighted(&[40, 28, 14, 10, 8]);
    match story {
        // Two informative failures, a third schedule running: drug-resistant.
        0 => {
            let months1 = b.rng.range(10, 18);
            let months2 = b.rng.range(8, 15);
            let start2 = start1 - months1 * MONTH;
            let start3 = start2 - months2 * MONTH;
            let e1 = b.drug(
                first,
                start1,
                Some(months1 * MONTH),
                Some(StopReason::LackOfEfficacy),
            );
            let e2 = b.drug(
                second,
                start2,
                Some(months2 * MONTH),
                Some(StopReason::LackOfEfficacy),
            );
            let e3 = b.drug(third, start3.max(30), None, None);
            b.line(
                "epilepsy",
                first.ingredient,
                &[e1],
                start1,
                Some(start2),
                None,
                Some(StopReason::LackOfEfficacy),
                None,
            );
            b.line(
                "epilepsy",
                second.ingredient,
                &[e2],
                start2,
                Some(start3),
                None,
                Some(StopReason::LackOfEfficacy),
                None,
            );
            b.line(
                "epilepsy",
                third.ingredient,
                &[e3],
                start3.max(30),
                None,
                None,
                None,
                None,
            );
            seizure_diary(b, start1 + 2 * MONTH, 15, baseline);
            if b.rng.chance(0.5) {
                b.procedure("54550000", "Video-EEG monitoring", start3 / 2);
            }
            if b.rng.chance(0.2) {
                b.procedure(
                    "refract:vns-implant",
                    "Implantation of vagus nerve stimulator",
                    start3 / 3,
                );
            } else if b.rng.chance(0.12) {
                b.procedure(
                    "refract:epilepsy-surgery",
                    "Anterior temporal lobectomy (epilepsy surgery)",
                    start3 / 3,
                );
            }
            S::Refractory
        }
        // The first drug was not tolerated (not a failure); seizure-free on the second.
        1 => {
            let start2 = start1 - b.rng.range(1, 3) * MONTH;
            let e1 = b.drug(
                first,
                start1,
                Some(start1 - start2),
                Some(StopReason::Intolerance),
            );
            let e2 = b.drug(second, start2, None, None);
            b.line(
                "epilepsy",
                first.ingredient,
                &[e1],
                start1,
                Some(start2),
                None,
                Some(StopReason::Intolerance),
                None,
            );
            b.line(
                "epilepsy",
                second.ingredient,
                &[e2],
                start2,
                None,
                None,
                None,
                None,
            );
            seizure_diary(b, start1 + 2 * MONTH, start2 - 3 * MONTH, baseline);
            seizure_diary(b, start2 - 6 * MONTH, 20, 0);
            S::NotMet
        }
        // One failure, then a drug stopped with no reason recorded and a new one just begun.
        2 => {
            let months1 = b.rng.range(8, 14);
            let start2 = start1 - months1 * MONTH;
            let start3 = b.rng.range(2, 4) * MONTH;
            let e1 = b.drug(
                first,
                start1,
                Some(months1 * MONTH),
                Some(StopReason::LackOfEfficacy),
            );
            let e2 = b.drug(second, start2, Some(start2 - start3), None);
            let e3 = b.drug(third, start3, None, None);
            b.line(
                "epilepsy",
                first.ingredient,
                &[e1],
                start1,
                Some(start2),
                None,
                Some(StopReason::LackOfEfficacy),
                None,
            );
            b.line(
                "epilepsy",
                second.ingredient,
                &[e2],
                start2,
                Some(start3),
                None,
                None,
                None,
            );
            b.line(
                "epilepsy",
                third.ingredient,
                &[e3],
                start3,
                None,
                None,
                None,
                None,
            );
            seizure_diary(b, start1 + 2 * MONTH, start2, baseline);
            S::InsufficientData
        }
        // Stopped for noncompliance (not informative), then seizure-free on the second drug.
        3 => {
            let months1 = b.rng.range(4, 9);
            let start2 = start1 - months1 * MONTH;
            let e1 = b.drug(
                first,
                start1,
                Some(months1 * MONTH),
                Some(StopReason::Noncompliance),
            );
            let e2 = b.drug(second, start2, None, None);
            b.line(
                "epilepsy",
                first.ingredient,
                &[e1],
                start1,
                Some(start2),
                None,
                Some(StopReason::Noncompliance),
                None,
            );
            b.line(
                "epilepsy",
                second.ingredient,
                &[e2],
                start2,
                None,
                None,
                None,
                None,
            );
            seizure_diary(b, start1 + MONTH, start2, baseline);
            seizure_diary(b, start2 - 4 * MONTH, 10, 0);
            S::NotMet
        }
        // Failed the first, then a combination schedule that also failed: two schedules.
        _ => {
            let months1 = b.rng.range(9, 15);
            let start2 = start1 - months1 * MONTH;
            let months2 = b.rng.range(9, 14).min(start2 / MONTH - 1).max(7);
            let e1 = b.drug(
                first,
                start1,
                Some(months1 * MONTH),
                Some(StopReason::LackOfEfficacy),
            );
            let e2 = b.drug(
                second,
                start2,
                Some(months2 * MONTH),
                Some(StopReason::LackOfEfficacy),
            );
            let e2b = b.drug(
                give("clobazam", 20.0, "mg/d"),
                start2,
                Some(months2 * MONTH),
                Some(StopReason::LackOfEfficacy),
            );
            let regimen = format!("{} + clobazam", second.ingredient);
            b.line(
                "epilepsy",
                first.ingredient,
                &[e1],
                start1,
                Some(start2),
                None,
                Some(StopReason::LackOfEfficacy),
                None,
            );
            b.line(
                "epilepsy",
                &regimen,
                &[e2, e2b],
                start2,
                Some(start2 - months2 * MONTH),
                None,
                Some(StopReason::LackOfEfficacy),
                None,
            );
            seizure_diary(b, start1 + MONTH, 30, baseline + 2);
            S::Refractory
        }
    }
}

fn status_epilepticus(b: &mut Builder<'_>) -> S {
    let episode_ago = b.rng.range(5, 700);
    b.condition("G41.0", "Grand mal status epilepticus", episode_ago);
    let onset = b.at(episode_ago);
    let minutes = |m: i64| onset + Duration::minutes(m);
    let iv = Some(DrugRole::FirstLineBenzodiazepine);
    let story = b.rng.weighted(&[30, 30, 25, 15]);
    let bzd = b.rng.pick(&[
        give("lorazepam", 4.0, "mg"),
        give("diazepam", 10.0, "mg"),
        give("midazolam", 10.0, "mg"),
    ]);
    b.exposure(bzd, minutes(8), Some(minutes(9)), None, iv);
    if bzd.ingredient == "lorazepam" && b.rng.chance(0.5) {
        b.exposure(bzd, minutes(15), Some(minutes(16)), None, iv);
    }
    let second = b.rng.pick(&[
        give("levetiracetam", 4500.0, "mg"),
        give("fosphenytoin", 1500.0, "mg"),
        give("valproate", 3000.0, "mg"),
    ]);
    b.exposure(
        second,
        minutes(30),
        Some(minutes(45)),
        None,
        Some(DrugRole::SecondLineAntiseizure),
    );
    let activity = |b: &mut Builder<'_>, at, seen: bool| {
        b.observe_at(
            obs::SEIZURE_ACTIVITY,
            "Seizure activity (clinical or EEG)",
            if seen { 1.0 } else { 0.0 },
            "",
            at,
        );
    };
    match story {
        // Seizures continue after both: refractory; anaesthesia ≥ 24 h and they recur.
        0 => {
            activity(b, minutes(70), true);
            let anaesthetic = b.rng.pick(&[
                give("midazolam", 0.4, "mg/kg/h"),
                give("propofol", 4.0, "mg/kg/h"),
            ]);
            b.exposure(
                anaesthetic,
                minutes(80),
                Some(minutes(80 + 60 * 60)),
                None,
                Some(DrugRole::AnaestheticInfusion),
            );
            activity(b, minutes(80 + 30 * 60), true);
            activity(b, minutes(80 + 72 * 60), false);
            b.procedure("54550000", "Continuous EEG monitoring", episode_ago);
            S::Refractory
        }
        // Refractory, controlled within a day of anaesthesia.
        1 => {
            activity(b, minutes(65), true);
            b.exposure(
                give("propofol", 3.0, "mg/kg/h"),
                minutes(75),
                Some(minutes(75 + 20 * 60)),
                None,
                Some(DrugRole::AnaestheticInfusion),
            );
            activity(b, minutes(75 + 6 * 60), false);
            S::Refractory
        }
        // Stopped after the second-line drug: not refractory.
        2 => {
            activity(b, minutes(60), false);
            S::NotMet
        }
        // Nothing recorded after the second-line drug: cannot tell.
        _ => S::InsufficientData,
    }
}

/// Office readings every few months from `from_ago` to `to_ago`.
fn office_readings(b: &mut Builder<'_>, from_ago: i64, to_ago: i64, systolic: i64, diastolic: i64) {
    // Readings of the last three years of each phase are enough to tell the story.
    let mut ago = from_ago.min(to_ago + 36 * MONTH);
    while ago >= to_ago {
        let sys = systolic + b.rng.range(-6, 6);
        let dia = diastolic + b.rng.range(-4, 4);
        b.blood_pressure(sys, dia, ago, BpSetting::Office);
        ago -= b.rng.range(3, 5) * MONTH;
    }
}

fn hypertension(b: &mut Builder<'_>) -> S {
    let onset = b.rng.range(5, 15) * 12 * MONTH;
    b.condition("I10", "Essential (primary) hypertension", onset);
    let ras = b.rng.pick(&[
        give("lisinopril", 40.0, "mg/d"),
        give("losartan", 100.0, "mg/d"),
        give("ramipril", 10.0, "mg/d"),
    ]);
    let ccb = give("amlodipine", 10.0, "mg/d");
    let thiazide_like = b.rng.pick(&[
        give("chlorthalidone", 25.0, "mg/d"),
        give("indapamide", 2.5, "mg/d"),
    ]);
    let hctz = give("hydrochlorothiazide", 25.0, "mg/d");
    let mra = b.rng.pick(&[
        give("spironolactone", 50.0, "mg/d"),
        give("eplerenone", 100.0, "mg/d"),
    ]);
    let fifth = b.rng.pick(&[
        give("metoprolol", 200.0, "mg/d"),
        give("doxazosin", 8.0, "mg/d"),
        give("clonidine", 0.6, "mg/d"),
    ]);
    let t1 = onset - b.rng.range(1, 6) * MONTH;
    let t2 = t1 - b.rng.range(6, 14) * MONTH;
    let t3 = t2 - b.rng.range(6, 12) * MONTH;
    let story = b.rng.weighted(&[14, 22, 14, 12, 26, 12]);
    let line = |b: &mut Builder<'_>, regimen: &str, ids: &[i64], start: i64, end: Option<i64>| {
        b.line("hypertension", regimen, ids, start, end, None, None, None);
    };
    match story {
        // Five classes including a thiazide-like diuretic and an MRA; uncontrolled at clinic
        // visits over months and on 24-h ambulatory monitoring: refractory.
        0 => {
            let t4 = t3 - b.rng.range(6, 10) * MONTH;
            let t5 = (t4 - b.rng.range(4, 8) * MONTH).max(9 * MONTH);
            let ras_drug = b.drug(ras, t1, None, None);
            let ccb_drug = b.drug(ccb, t2, None, None);
            let hctz_drug = b.drug(hctz, t3, Some(t3 - t4), Some(StopReason::Other));
            let diuretic_drug = b.drug(thiazide_like, t4, None, None);
            let mra_drug = b.drug(mra, t4 - MONTH, None, None);
            let fifth_drug = b.drug(fifth, t5, None, None);
            line(b, ras.ingredient, &[ras_drug], t1, Some(t2));
            line(
                b,
                &format!("{} + amlodipine", ras.ingredient),
                &[ras_drug, ccb_drug],
                t2,
                Some(t3),
            );
            line(
                b,
                "3 classes",
                &[ras_drug, ccb_drug, hctz_drug],
                t3,
                Some(t4),
            );
            line(
                b,
                "4 classes",
                &[ras_drug, ccb_drug, diuretic_drug, mra_drug],
                t4,
                Some(t5),
            );
            line(
                b,
                "5 classes",
                &[ras_drug, ccb_drug, diuretic_drug, mra_drug, fifth_drug],
                t5,
                None,
            );
            office_readings(b, t1, t5, 162, 98);
            office_readings(b, t5 - MONTH, 10, 156, 94);
            let abpm_ago = b.rng.range(1, 4) * MONTH;
            b.blood_pressure(146, 89, abpm_ago, BpSetting::Ambulatory24h);
            b.blood_pressure(151, 93, abpm_ago, BpSetting::AmbulatoryAwake);
            if b.rng.chance(0.3) {
                b.procedure(
                    "refract:renal-denervation-assessment",
                    "Renal denervation work-up",
                    20,
                );
            }
            S::Refractory
        }
        // Three classes at full dose with a diuretic, uncontrolled in and out of the office.
        1 => {
            let ras_drug = b.drug(ras, t1, None, None);
            let ccb_drug = b.drug(ccb, t2, None, None);
            let roll = b.rng.chance(0.5);
            let diuretic_drug = b.drug(if roll { hctz } else { thiazide_like }, t3, None, None);
            line(b, ras.ingredient, &[ras_drug], t1, Some(t2));
            line(
                b,
                &format!("{} + amlodipine", ras.ingredient),
                &[ras_drug, ccb_drug],
                t2,
                Some(t3),
            );
            line(
                b,
                "3 classes",
                &[ras_drug, ccb_drug, diuretic_drug],
                t3,
                None,
            );
            office_readings(b, t1, 10, 152, 93);
            if b.rng.chance(0.7) {
                let roll = b.rng.range(1, 3) * MONTH;
                b.blood_pressure(141, 86, roll, BpSetting::Ambulatory24h);
            }
            S::Resistant
        }
        // Controlled, but only on four drugs: controlled resistant hypertension.
        2 => {
            let ras_drug = b.drug(ras, t1, None, None);
            let ccb_drug = b.drug(ccb, t2, None, None);
            let diuretic_drug = b.drug(hctz, t3, None, None);
            let mra_drug = b.drug(mra, t3 - 4 * MONTH, None, None);
            line(b, ras.ingredient, &[ras_drug], t1, Some(t2));
            line(b, "2 classes", &[ras_drug, ccb_drug], t2, Some(t3));
            line(
                b,
                "3 classes",
                &[ras_drug, ccb_drug, diuretic_drug],
                t3,
                Some(t3 - 4 * MONTH),
            );
            line(
                b,
                "4 classes",
                &[ras_drug, ccb_drug, diuretic_drug, mra_drug],
                t3 - 4 * MONTH,
                None,
            );
            office_readings(b, t1, t3 - 3 * MONTH, 150, 92);
            office_readings(b, t3 - 6 * MONTH, 10, 124, 77);
            S::Resistant
        }
        // High in the office, normal on ambulatory monitoring: white-coat effect.
        3 => {
            let ras_drug = b.drug(ras, t1, None, None);
            let ccb_drug = b.drug(ccb, t2, None, None);
            let diuretic_drug = b.drug(hctz, t3, None, None);
            line(b, ras.ingredient, &[ras_drug], t1, Some(t2));
            line(b, "2 classes", &[ras_drug, ccb_drug], t2, Some(t3));
            line(
                b,
                "3 classes",
                &[ras_drug, ccb_drug, diuretic_drug],
                t3,
                None,
            );
            office_readings(b, t1, 10, 149, 91);
            let roll = b.rng.range(1, 3) * MONTH;
            b.blood_pressure(121, 74, roll, BpSetting::Ambulatory24h);
            S::NotMet
        }
        // Controlled on two drugs.
        4 => {
            let ras_drug = b.drug(ras, t1, None, None);
            let ccb_drug = b.drug(ccb, t2, None, None);
            line(b, ras.ingredient, &[ras_drug], t1, Some(t2));
            line(b, "2 classes", &[ras_drug, ccb_drug], t2, None);
            office_readings(b, t1, t2, 148, 90);
            office_readings(b, t2 - 3 * MONTH, 10, 126, 78);
            S::NotMet
        }
        // Three classes, but no blood pressure recorded since the regimen was completed.
        _ => {
            let ras_drug = b.drug(ras, t1, None, None);
            let ccb_drug = b.drug(ccb, t2, None, None);
            let diuretic_drug = b.drug(hctz, t3, None, None);
            line(b, ras.ingredient, &[ras_drug], t1, Some(t2));
            line(b, "2 classes", &[ras_drug, ccb_drug], t2, Some(t3));
            line(
                b,
                "3 classes",
                &[ras_drug, ccb_drug, diuretic_drug],
                t3,
                None,
            );
            office_readings(b, t1, t3 + MONTH, 150, 92);
            S::InsufficientData
        }
    }
}

/// PHQ-9 at the start of a trial and every four to six weeks while it runs.
fn phq9_course(b: &mut Builder<'_>, start_ago: i64, end_ago: i64, baseline: i64, last: i64) {
    let mut ago = start_ago;
    let span = (start_ago - end_ago).max(1);
    while ago >= end_ago {
        let progress = (start_ago - ago) as f64 / span as f64;
        let score = baseline as f64 + (last - baseline) as f64 * progress;
        b.observe(
            obs::PHQ9_TOTAL,
            "PHQ-9 total score",
            score.round().clamp(0.0, 27.0),
            "{score}",
            ago,
        );
        ago -= b.rng.range(28, 42);
    }
    b.observe(
        obs::PHQ9_TOTAL,
        "PHQ-9 total score",
        last as f64,
        "{score}",
        end_ago,
    );
}

fn depression(b: &mut Builder<'_>) -> S {
    let onset = b.rng.range(10, 36) * MONTH;
    let recurrent = b.rng.chance(0.6);
    if recurrent {
        b.condition(
            "F33.2",
            "Recurrent depressive disorder, current episode severe",
            onset,
        );
    } else {
        b.condition(
            "F32.2",
            "Severe depressive episode without psychotic symptoms",
            onset,
        );
    }
    let ssri = b.rng.pick(&[
        give("sertraline", 150.0, "mg/d"),
        give("escitalopram", 20.0, "mg/d"),
        give("fluoxetine", 40.0, "mg/d"),
        give("citalopram", 40.0, "mg/d"),
    ]);
    let snri = b.rng.pick(&[
        give("venlafaxine", 225.0, "mg/d"),
        give("duloxetine", 120.0, "mg/d"),
    ]);
    let third = b.rng.pick(&[
        give("mirtazapine", 45.0, "mg/d"),
        give("bupropion", 300.0, "mg/d"),
        give("vortioxetine", 20.0, "mg/d"),
    ]);
    let start1 = onset - MONTH;
    let story = b.rng.weighted(&[36, 26, 14, 12, 12]);
    match story {
        // Two adequate trials with < 25 % improvement: treatment-resistant depression.
        0 => {
            let weeks1 = b.rng.range(8, 12);
            let start2 = start1 - weeks1 * 7 - 14;
            let weeks2 = b.rng.range(8, 12);
            let start3 = start2 - weeks2 * 7 - 14;
            let e1 = b.drug(
                ssri,
                start1,
                Some(weeks1 * 7),
                Some(StopReason::LackOfEfficacy),
            );
            let e2 = b.drug(
                snri,
                start2,
                Some(weeks2 * 7),
                Some(StopReason::LackOfEfficacy),
            );
            let e3 = b.drug(third, start3.max(20), None, None);
            b.line(
                "depression",
                ssri.ingredient,
                &[e1],
                start1,
                Some(start2),
                None,
                Some(StopReason::LackOfEfficacy),
                None,
            );
            b.line(
                "depression",
                snri.ingredient,
                &[e2],
                start2,
                Some(start3),
                None,
                Some(StopReason::LackOfEfficacy),
                None,
            );
            let mut third_drugs = vec![e3];
            if b.rng.chance(0.5) {
                third_drugs.push(b.drug(
                    give("aripiprazole", 5.0, "mg/d"),
                    start3.max(20) - MONTH.min(start3.max(20) - 1),
                    None,
                    None,
                ));
            }
            b.line(
                "depression",
                &format!("{} (+ augmentation)", third.ingredient),
                &third_drugs,
                start3.max(20),
                None,
                None,
                None,
                None,
            );
            let base = b.rng.range(18, 24);
            phq9_course(b, start1, start1 - weeks1 * 7, base, base - 2);
            phq9_course(b, start2, start2 - weeks2 * 7, base - 1, base - 3);
            phq9_course(b, start3.max(20), 5, base - 2, base - 5);
            if b.rng.chance(0.2) {
                b.procedure("23835007", "Electroconvulsive therapy", 10);
            }
            S::Refractory
        }
        // Response on the first antidepressant.
        1 => {
            let e1 = b.drug(ssri, start1, None, None);
            b.line(
                "depression",
                ssri.ingredient,
                &[e1],
                start1,
                None,
                None,
                None,
                None,
            );
            let base = b.rng.range(16, 22);
            let roll = b.rng.range(3, 7);
            phq9_course(b, start1, 10, base, roll);
            S::NotMet
        }
        // One failure; the second drug was started three weeks ago.
        2 => {
            let weeks1 = b.rng.range(8, 10);
            let e1 = b.drug(
                ssri,
                start1,
                Some(weeks1 * 7),
                Some(StopReason::LackOfEfficacy),
            );
            let e2 = b.drug(snri, 21, None, None);
            b.line(
                "depression",
                ssri.ingredient,
                &[e1],
                start1,
                Some(start1 - weeks1 * 7),
                None,
                Some(StopReason::LackOfEfficacy),
                None,
            );
            b.line(
                "depression",
                snri.ingredient,
                &[e2],
                21,
                None,
                None,
                None,
                None,
            );
            let base = b.rng.range(18, 23);
            phq9_course(b, start1, start1 - weeks1 * 7, base, base - 1);
            b.observe(
                obs::PHQ9_TOTAL,
                "PHQ-9 total score",
                (base - 1) as f64,
                "{score}",
                21,
            );
            S::InsufficientData
        }
        // Not tolerated in week two (not a trial), then one failure and a drug that worked.
        3 => {
            let start2 = start1 - 14;
            let e1 = b.drug(
                give("fluoxetine", 20.0, "mg/d"),
                start1,
                Some(12),
                Some(StopReason::Intolerance),
            );
            let e2 = b.drug(snri, start2, Some(10 * 7), Some(StopReason::LackOfEfficacy));
            let start3 = start2 - 10 * 7 - 7;
            let e3 = b.drug(third, start3.max(20), None, None);
            b.line(
                "depression",
                "fluoxetine",
                &[e1],
                start1,
                Some(start2),
                None,
                Some(StopReason::Intolerance),
                None,
            );
            b.line(
                "depression",
                snri.ingredient,
                &[e2],
                start2,
                Some(start3),
                None,
                Some(StopReason::LackOfEfficacy),
                None,
            );
            b.line(
                "depression",
                third.ingredient,
                &[e3],
                start3.max(20),
                None,
                None,
                None,
                None,
            );
            phq9_course(b, start2, start2 - 70, 20, 19);
            phq9_course(b, start3.max(20), 5, 19, 7);
            S::NotMet
        }
        // Two "failures" below the minimum effective dose: not adequate trials.
        _ => {
            let e1 = b.drug(
                give("sertraline", 25.0, "mg/d"),
                start1,
                Some(8 * 7),
                Some(StopReason::LackOfEfficacy),
            );
            let start2 = start1 - 9 * 7;
            let e2 = b.drug(
                give("venlafaxine", 37.5, "mg/d"),
                start2,
                Some(8 * 7),
                Some(StopReason::LackOfEfficacy),
            );
            b.line(
                "depression",
                "sertraline",
                &[e1],
                start1,
                Some(start2),
                None,
                Some(StopReason::LackOfEfficacy),
                None,
            );
            b.line(
                "depression",
                "venlafaxine",
                &[e2],
                start2,
                Some(start2 - 56),
                None,
                Some(StopReason::LackOfEfficacy),
                None,
            );
            phq9_course(b, start1, start2 - 56, 19, 18);
            S::NotMet
        }
    }
}

/// Gives each drug of a regimen for `days` and records the line.
#[allow(clippy::too_many_arguments)]
fn regimen_line(
    b: &mut Builder<'_>,
    ruleset: &str,
    name: &str,
    drugs: &[(&str, f64, &str)],
    start_ago: i64,
    days: i64,
    response: Option<Response>,
    stop: Option<StopReason>,
    intent: Option<Intent>,
    cycles: Option<u32>,
) -> usize {
    let ongoing = start_ago - days <= 0;
    let ids: Vec<i64> = drugs
        .iter()
        .map(|(ingredient, dose, unit)| {
            b.drug(
                give(ingredient, *dose, unit),
                start_ago,
                (!ongoing).then_some(days),
                stop,
            )
        })
        .collect();
    let end = (!ongoing).then_some(start_ago - days);
    let index = b.line(ruleset, name, &ids, start_ago, end, response, stop, intent);
    b.line_detail(index, cycles, None);
    index
}

/// A planned next phase of line `index`: IMWG counts induction, transplant, consolidation and
/// maintenance given as planned as one line of therapy.
#[allow(clippy::too_many_arguments)] // the story reads as one call per phase
fn continue_line(
    b: &mut Builder<'_>,
    index: usize,
    phase: &str,
    drugs: &[(&str, f64, &str)],
    start_ago: i64,
    days: i64,
    response: Option<Response>,
    stop: Option<StopReason>,
) {
    let ongoing = start_ago - days <= 0;
    let ids: Vec<i64> = drugs
        .iter()
        .map(|(ingredient, dose, unit)| {
            b.drug(
                give(ingredient, *dose, unit),
                start_ago,
                (!ongoing).then_some(days),
                stop,
            )
        })
        .collect();
    let end = (!ongoing).then_some(start_ago - days);
    b.extend_line(index, phase, &ids, end, response, stop);
}

fn ecog(b: &mut Builder<'_>, days_ago: i64, value: i64) {
    b.observe(
        obs::ECOG,
        "ECOG performance status",
        value as f64,
        "{score}",
        days_ago,
    );
}

const R_CHOP: &[(&str, f64, &str)] = &[
    ("rituximab", 375.0, "mg/m2"),
    ("cyclophosphamide", 750.0, "mg/m2"),
    ("doxorubicin", 50.0, "mg/m2"),
    ("vincristine", 1.4, "mg/m2"),
    ("prednisone", 100.0, "mg/d"),
];
const R_ICE: &[(&str, f64, &str)] = &[
    ("rituximab", 375.0, "mg/m2"),
    ("ifosfamide", 5000.0, "mg/m2"),
    ("carboplatin", 5.0, "AUC"),
    ("etoposide", 100.0, "mg/m2"),
];

fn lbcl(b: &mut Builder<'_>) -> S {
    let diagnosis = b.rng.range(12, 48) * MONTH;
    b.condition("C83.3", "Diffuse large B-cell lymphoma", diagnosis);
    let start1 = diagnosis - 14;
    let days1 = 6 * 21;
    let end1 = start1 - days1;
    let roll = b.rng.range(0, 2);
    ecog(b, diagnosis, roll);
    let story = b.rng.weighted(&[30, 25, 10, 25, 10]);
    match story {
        // Stable or progressive disease as best response to R-CHOP: primary refractory.
        0 => {
            let best = if b.rng.chance(0.5) {
                Response::Stable
            } else {
                Response::Progression
            };
            regimen_line(
                b,
                "lbcl",
                "R-CHOP",
                R_CHOP,
                start1,
                days1,
                Some(best),
                Some(StopReason::Progression),
                Some(Intent::Curative),
                Some(6),
            );
            b.disease_status(
                if best == Response::Stable {
                    ds::STABLE
                } else {
                    ds::WORSENED
                },
                "end of R-CHOP",
                end1,
            );
            let start2 = end1 - 21;
            regimen_line(
                b,
                "lbcl",
                "R-ICE",
                R_ICE,
                start2,
                2 * 21,
                Some(Response::Progression),
                Some(StopReason::Progression),
                Some(Intent::Salvage),
                Some(2),
            );
            b.disease_status(ds::WORSENED, "after R-ICE", start2 - 42);
            let start3 = (start2 - 42 - 45).max(30);
            let car_t = b.rng.pick(&[
                "axicabtagene ciloleucel",
                "lisocabtagene maraleucel",
                "tisagenlecleucel",
            ]);
            regimen_line(
                b,
                "lbcl",
                car_t,
                &[(car_t, 1.0, "infusion")],
                start3,
                1,
                None,
                None,
                Some(Intent::Curative),
                Some(1),
            );
            ecog(b, start3 + 10, 1);
            S::Refractory
        }
        // Complete response, relapse years after the end of treatment: relapsed.
        1 => {
            regimen_line(
                b,
                "lbcl",
                "R-CHOP",
                R_CHOP,
                start1,
                days1,
                Some(Response::Complete),
                Some(StopReason::Completed),
                Some(Intent::Curative),
                Some(6),
            );
            b.disease_status(ds::FULL_REMISSION, "end of R-CHOP", end1 - 30);
            let relapse = (end1 - b.rng.range(14, 30) * MONTH).max(60);
            b.disease_status(ds::WORSENED, "relapse", relapse);
            if let Some(line) = b.lines.last_mut() {
                line.progression_date = Some(b.today - Duration::days(relapse));
            }
            regimen_line(
                b,
                "lbcl",
                "R-ICE",
                R_ICE,
                relapse - 10,
                3 * 21,
                Some(Response::Partial),
                Some(StopReason::Completed),
                Some(Intent::Salvage),
                Some(3),
            );
            if relapse - 10 - 63 - 30 > 0 {
                b.procedure(
                    "refract:asct",
                    "Autologous stem cell transplant",
                    relapse - 10 - 63 - 30,
                );
            }
            S::Relapsed
        }
        // Relapse within 12 months of autologous transplant: refractory (SCHOLAR-1).
        2 => {
            regimen_line(
                b,
                "lbcl",
                "R-CHOP",
                R_CHOP,
                start1,
                days1,
                Some(Response::Complete),
                Some(StopReason::Completed),
                Some(Intent::Curative),
                Some(6),
            );
            b.disease_status(ds::FULL_REMISSION, "end of R-CHOP", end1 - 30);
            let relapse = (end1 - b.rng.range(10, 18) * MONTH).max(400);
            if let Some(line) = b.lines.last_mut() {
                line.progression_date = Some(b.today - Duration::days(relapse));
            }
            regimen_line(
                b,
                "lbcl",
                "R-DHAP",
                &[
                    ("rituximab", 375.0, "mg/m2"),
                    ("dexamethasone", 40.0, "mg/d"),
                    ("cytarabine", 2000.0, "mg/m2"),
                    ("cisplatin", 100.0, "mg/m2"),
                ],
                relapse - 10,
                63,
                Some(Response::Partial),
                Some(StopReason::Completed),
                Some(Intent::Salvage),
                Some(3),
            );
            let asct = relapse - 10 - 63 - 30;
            b.procedure("refract:asct", "Autologous stem cell transplant", asct);
            let relapse2 = asct - b.rng.range(4, 9) * MONTH;
            b.disease_status(ds::WORSENED, "relapse after transplant", relapse2.max(5));
            S::Refractory
        }
        // Complete remission after R-CHOP.
        3 => {
            regimen_line(
                b,
                "lbcl",
                "R-CHOP",
                R_CHOP,
                start1,
                days1,
                Some(Response::Complete),
                Some(StopReason::Completed),
                Some(Intent::Curative),
                Some(6),
            );
            b.disease_status(ds::FULL_REMISSION, "end of R-CHOP", end1 - 30);
            b.disease_status(
                ds::FULL_REMISSION,
                "surveillance",
                (end1 - 6 * MONTH).max(5),
            );
            ecog(b, 20, 0);
            S::NotMet
        }
        // Three cycles in, no response assessment yet.
        _ => {
            let start = 3 * 21 + 5;
            regimen_line(
                b,
                "lbcl",
                "R-CHOP",
                R_CHOP,
                start,
                6 * 21,
                None,
                None,
                Some(Intent::Curative),
                Some(3),
            );
            S::InsufficientData
        }
    }
}

fn m_protein(b: &mut Builder<'_>, days_ago: i64, value: f64) {
    b.observe(
        obs::M_PROTEIN,
        "Serum M-protein",
        (value * 10.0).round() / 10.0,
        "g/dL",
        days_ago.max(1),
    );
}

fn myeloma(b: &mut Builder<'_>) -> S {
    let diagnosis = b.rng.range(48, 96) * MONTH;
    b.condition("C90.0", "Multiple myeloma", diagnosis);
    let vrd: &[(&str, f64, &str)] = &[
        ("bortezomib", 1.3, "mg/m2"),
        ("lenalidomide", 25.0, "mg/d"),
        ("dexamethasone", 40.0, "mg/week"),
    ];
    let start1 = diagnosis - 14;
    let roll = b.rng.range(0, 2);
    ecog(b, diagnosis, roll);
    let roll = b.rng.unit() * 2.0;
    m_protein(b, diagnosis, 3.0 + roll);
    let story = b.rng.weighted(&[35, 25, 10, 20, 10]);
    match story {
        // Refractory to lenalidomide (on maintenance), then to daratumumab and carfilzomib:
        // triple-class refractory.
        0 => {
            let induction = 4 * 21 * 2;
            let first = regimen_line(
                b,
                "myeloma",
                "VRd",
                vrd,
                start1,
                induction,
                Some(Response::VeryGoodPartial),
                Some(StopReason::Completed),
                Some(Intent::Induction),
                Some(8),
            );
            m_protein(b, start1 - induction, 0.3);
            let asct = start1 - induction - 45;
            b.procedure("refract:asct", "Autologous stem cell transplant", asct);
            let start2 = asct - 90;
            let maintenance_days = (b.rng.range(12, 24) * MONTH)
                .min(start2 - 18 * MONTH)
                .max(6 * MONTH);
            continue_line(
                b,
                first,
                "ASCT + lenalidomide maintenance",
                &[("lenalidomide", 10.0, "mg/d")],
                start2,
                maintenance_days,
                Some(Response::VeryGoodPartial),
                Some(StopReason::Progression),
            );
            let progression = start2 - maintenance_days;
            b.line_detail(first, None, Some(progression + 10));
            m_protein(b, progression + 40, 0.4);
            m_protein(b, progression + 10, 1.2);
            m_protein(b, progression, 1.5);
            let days3 = b.rng.range(8, 14) * MONTH;
            let start3 = progression - 7;
            let dkd: &[(&str, f64, &str)] = &[
                ("daratumumab", 16.0, "mg/kg"),
                ("carfilzomib", 56.0, "mg/m2"),
                ("dexamethasone", 40.0, "mg/week"),
            ];
            let idx = regimen_line(
                b,
                "myeloma",
                "DKd",
                dkd,
                start3,
                days3.min(start3 - 60),
                Some(Response::Partial),
                Some(StopReason::Progression),
                Some(Intent::Salvage),
                None,
            );
            let end3 = start3 - days3.min(start3 - 60);
            b.line_detail(idx, None, Some(end3 + 5));
            m_protein(b, end3 + 30, 0.8);
            m_protein(b, end3 + 5, 1.9);
            m_protein(b, end3, 2.2);
            let fourth = b.rng.pick(&[
                "teclistamab",
                "idecabtagene vicleucel",
                "elranatamab",
                "ciltacabtagene autoleucel",
            ]);
            regimen_line(
                b,
                "myeloma",
                fourth,
                &[(fourth, 1.0, "dose")],
                (end3 - 14).max(20),
                10_000,
                None,
                None,
                Some(Intent::Salvage),
                None,
            );
            ecog(b, 15, 1);
            S::Refractory
        }
        // Progression more than 60 days after the last dose of maintenance: relapsed.
        1 => {
            let induction = 4 * 21 * 2;
            let first = regimen_line(
                b,
                "myeloma",
                "VRd",
                vrd,
                start1,
                induction,
                Some(Response::VeryGoodPartial),
                Some(StopReason::Completed),
                Some(Intent::Induction),
                Some(8),
            );
            let asct = start1 - induction - 45;
            b.procedure("refract:asct", "Autologous stem cell transplant", asct);
            m_protein(b, asct - 30, 0.2);
            let maintenance_days = b.rng.range(18, 30) * MONTH;
            let start2 = asct - 90;
            let maintenance_days = maintenance_days.min(start2 - 8 * MONTH);
            continue_line(
                b,
                first,
                "ASCT + lenalidomide maintenance",
                &[("lenalidomide", 10.0, "mg/d")],
                start2,
                maintenance_days,
                Some(Response::VeryGoodPartial),
                Some(StopReason::Intolerance),
            );
            let end2 = start2 - maintenance_days;
            let progression = end2 - b.rng.range(4, 7) * MONTH;
            b.line_detail(first, None, Some(progression));
            m_protein(b, progression + 20, 0.9);
            m_protein(b, progression, 1.3);
            let drd: &[(&str, f64, &str)] = &[
                ("daratumumab", 16.0, "mg/kg"),
                ("lenalidomide", 25.0, "mg/d"),
                ("dexamethasone", 40.0, "mg/week"),
            ];
            regimen_line(
                b,
                "myeloma",
                "DRd",
                drd,
                (progression - 10).max(30),
                10_000,
                Some(Response::Partial),
                None,
                Some(Intent::Salvage),
                None,
            );
            S::Relapsed
        }
        // Never better than stable disease on induction: primary refractory.
        2 => {
            let idx = regimen_line(
                b,
                "myeloma",
                "VRd",
                vrd,
                start1,
                4 * 21,
                Some(Response::Stable),
                Some(StopReason::Progression),
                Some(Intent::Induction),
                Some(4),
            );
            b.line_detail(idx, Some(4), Some(start1 - 4 * 21 + 7));
            m_protein(b, start1 - 42, 3.4);
            m_protein(b, start1 - 84, 3.9);
            let dkd: &[(&str, f64, &str)] = &[
                ("daratumumab", 16.0, "mg/kg"),
                ("carfilzomib", 56.0, "mg/m2"),
                ("dexamethasone", 40.0, "mg/week"),
            ];
            regimen_line(
                b,
                "myeloma",
                "DKd",
                dkd,
                start1 - 4 * 21 - 10,
                10_000,
                None,
                None,
                Some(Intent::Salvage),
                None,
            );
            S::Refractory
        }
        // Deep response, on maintenance.
        3 => {
            let induction = 4 * 21 * 2;
            let first = regimen_line(
                b,
                "myeloma",
                "VRd",
                vrd,
                start1,
                induction,
                Some(Response::VeryGoodPartial),
                Some(StopReason::Completed),
                Some(Intent::Induction),
                Some(8),
            );
            let asct = start1 - induction - 45;
            b.procedure("refract:asct", "Autologous stem cell transplant", asct);
            continue_line(
                b,
                first,
                "ASCT + lenalidomide maintenance",
                &[("lenalidomide", 10.0, "mg/d")],
                asct - 90,
                10_000,
                Some(Response::Complete),
                None,
            );
            m_protein(b, asct - 30, 0.0);
            m_protein(b, 40, 0.0);
            S::NotMet
        }
        // Induction under way; no response assessment yet.
        _ => {
            regimen_line(
                b,
                "myeloma",
                "VRd",
                vrd,
                30,
                8 * 21,
                None,
                None,
                Some(Intent::Induction),
                Some(2),
            );
            S::InsufficientData
        }
    }
}

/// CDAI every three months from `from_ago` to `to_ago`, around `level`.
fn cdai_series(b: &mut Builder<'_>, from_ago: i64, to_ago: i64, level: f64) {
    let mut ago = from_ago.min(to_ago + 36 * MONTH);
    while ago >= to_ago {
        let value = (level + b.rng.unit() * 6.0 - 3.0).max(0.0);
        b.observe(
            obs::CDAI_TOTAL,
            "Clinical Disease Activity Index",
            (value * 10.0).round() / 10.0,
            "{score}",
            ago,
        );
        ago -= 4 * MONTH;
    }
}

fn rheumatoid_arthritis(b: &mut Builder<'_>) -> S {
    let onset = b.rng.range(4, 12) * 12 * MONTH;
    b.condition(
        "M05.7",
        "Rheumatoid arthritis with rheumatoid factor",
        onset,
    );
    let mtx = give("methotrexate", 20.0, "mg/week");
    let tnf = b.rng.pick(&[
        give("adalimumab", 40.0, "mg/2 weeks"),
        give("etanercept", 50.0, "mg/week"),
        give("certolizumab pegol", 200.0, "mg/2 weeks"),
    ]);
    let second_mechanism = b.rng.pick(&[
        give("tocilizumab", 162.0, "mg/week"),
        give("abatacept", 125.0, "mg/week"),
        give("rituximab", 1000.0, "mg"),
    ]);
    let jak = b.rng.pick(&[
        give("baricitinib", 4.0, "mg/d"),
        give("upadacitinib", 15.0, "mg/d"),
        give("tofacitinib", 10.0, "mg/d"),
    ]);
    let start1 = onset - MONTH;
    let months1 = b.rng.range(6, 12);
    let start2 = start1 - months1 * MONTH;
    let story = b.rng.weighted(&[34, 18, 26, 10, 12]);
    let ra = "rheumatoid_arthritis";
    match story {
        // csDMARD failed, then two b/tsDMARDs of different mechanisms; still active on a
        // third, on prednisone 10 mg: difficult-to-treat RA.
        0 => {
            let months2 = b.rng.range(6, 12);
            let start3 = start2 - months2 * MONTH;
            let months3 = b.rng.range(6, 10).min(start3 / MONTH - 4);
            let start4 = start3 - months3 * MONTH;
            let mtx_drug = b.drug(mtx, start1, None, None);
            let tnf_drug = b.drug(
                tnf,
                start2,
                Some(months2 * MONTH),
                Some(StopReason::LackOfEfficacy),
            );
            let other_drug = b.drug(
                second_mechanism,
                start3,
                Some(months3 * MONTH),
                Some(StopReason::LackOfEfficacy),
            );
            let jak_drug = b.drug(jak, start4, None, None);
            b.drug(give("prednisone", 10.0, "mg/d"), start3, None, None);
            b.line(
                ra,
                "methotrexate",
                &[mtx_drug],
                start1,
                Some(start2),
                None,
                Some(StopReason::LackOfEfficacy),
                None,
            );
            b.line(
                ra,
                &format!("methotrexate + {}", tnf.ingredient),
                &[mtx_drug, tnf_drug],
                start2,
                Some(start3),
                None,
                Some(StopReason::LackOfEfficacy),
                None,
            );
            b.line(
                ra,
                &format!("methotrexate + {}", second_mechanism.ingredient),
                &[mtx_drug, other_drug],
                start3,
                Some(start4),
                None,
                Some(StopReason::LackOfEfficacy),
                None,
            );
            b.line(
                ra,
                &format!("methotrexate + {}", jak.ingredient),
                &[mtx_drug, jak_drug],
                start4,
                None,
                None,
                None,
                None,
            );
            cdai_series(b, start1, 10, 26.0);
            if let Some(mtx_exposure) = b.exposures.iter_mut().find(|e| e.id == mtx_drug) {
                mtx_exposure.stop_reason = None;
            }
            S::Refractory
        }
        // Two TNF inhibitors failed: the same mechanism twice is not enough.
        1 => {
            let months2 = b.rng.range(6, 12);
            let start3 = start2 - months2 * MONTH;
            let other_tnf = if tnf.ingredient == "etanercept" {
                give("golimumab", 50.0, "mg/month")
            } else {
                give("etanercept", 50.0, "mg/week")
            };
            let mtx_drug = b.drug(mtx, start1, None, None);
            let tnf_drug = b.drug(
                tnf,
                start2,
                Some(months2 * MONTH),
                Some(StopReason::LackOfEfficacy),
            );
            let tnf2_drug = b.drug(
                other_tnf,
                start3,
                Some((start3 - 60).max(200)),
                Some(StopReason::LackOfEfficacy),
            );
            b.line(
                ra,
                "methotrexate",
                &[mtx_drug],
                start1,
                Some(start2),
                None,
                Some(StopReason::LackOfEfficacy),
                None,
            );
            b.line(
                ra,
                &format!("methotrexate + {}", tnf.ingredient),
                &[mtx_drug, tnf_drug],
                start2,
                Some(start3),
                None,
                Some(StopReason::LackOfEfficacy),
                None,
            );
            b.line(
                ra,
                &format!("methotrexate + {}", other_tnf.ingredient),
                &[mtx_drug, tnf2_drug],
                start3,
                None,
                None,
                Some(StopReason::LackOfEfficacy),
                None,
            );
            cdai_series(b, start1, 10, 18.0);
            S::NotMet
        }
        // Remission on methotrexate plus a TNF inhibitor.
        2 => {
            let mtx_drug = b.drug(mtx, start1, None, None);
            let tnf_drug = b.drug(tnf, start2, None, None);
            b.line(
                ra,
                "methotrexate",
                &[mtx_drug],
                start1,
                Some(start2),
                None,
                Some(StopReason::LackOfEfficacy),
                None,
            );
            b.line(
                ra,
                &format!("methotrexate + {}", tnf.ingredient),
                &[mtx_drug, tnf_drug],
                start2,
                None,
                None,
                None,
                None,
            );
            cdai_series(b, start1, start2, 24.0);
            cdai_series(b, start2 - 4 * MONTH, 10, 2.0);
            S::NotMet
        }
        // A TNF inhibitor not tolerated (not an efficacy failure) and one failure since.
        3 => {
            let months2 = b.rng.range(2, 4);
            let start3 = start2 - months2 * MONTH;
            let mtx_drug = b.drug(mtx, start1, None, None);
            let tnf_drug = b.drug(
                tnf,
                start2,
                Some(months2 * MONTH),
                Some(StopReason::Intolerance),
            );
            let other_drug = b.drug(
                second_mechanism,
                start3,
                Some((start3 - 90).max(120)),
                Some(StopReason::LackOfEfficacy),
            );
            b.line(
                ra,
                "methotrexate",
                &[mtx_drug],
                start1,
                Some(start2),
                None,
                Some(StopReason::LackOfEfficacy),
                None,
            );
            b.line(
                ra,
                &format!("methotrexate + {}", tnf.ingredient),
                &[mtx_drug, tnf_drug],
                start2,
                Some(start3),
                None,
                Some(StopReason::Intolerance),
                None,
            );
            b.line(
                ra,
                &format!("methotrexate + {}", second_mechanism.ingredient),
                &[mtx_drug, other_drug],
                start3,
                None,
                None,
                Some(StopReason::LackOfEfficacy),
                None,
            );
            cdai_series(b, start1, 30, 20.0);
            S::NotMet
        }
        // Two mechanisms failed, but no disease activity score for more than a year.
        _ => {
            let months2 = b.rng.range(6, 10);
            let start3 = start2 - months2 * MONTH;
            let mtx_drug = b.drug(mtx, start1, None, None);
            let tnf_drug = b.drug(
                tnf,
                start2,
                Some(months2 * MONTH),
                Some(StopReason::LackOfEfficacy),
            );
            let other_drug = b.drug(
                second_mechanism,
                start3,
                Some((start3 - 14 * MONTH).max(90)),
                Some(StopReason::LackOfEfficacy),
            );
            b.line(
                ra,
                "methotrexate",
                &[mtx_drug],
                start1,
                Some(start2),
                None,
                Some(StopReason::LackOfEfficacy),
                None,
            );
            b.line(
                ra,
                &format!("methotrexate + {}", tnf.ingredient),
                &[mtx_drug, tnf_drug],
                start2,
                Some(start3),
                None,
                Some(StopReason::LackOfEfficacy),
                None,
            );
            b.line(
                ra,
                &format!("methotrexate + {}", second_mechanism.ingredient),
                &[mtx_drug, other_drug],
                start3,
                None,
                None,
                Some(StopReason::LackOfEfficacy),
                None,
            );
            cdai_series(b, start1, start3 - 2 * MONTH, 22.0);
            S::InsufficientData
        }
    }
}

fn blasts(b: &mut Builder<'_>, days_ago: i64, percent: f64) {
    b.observe(
        obs::MARROW_BLASTS,
        "Bone marrow blasts",
        percent,
        "%",
        days_ago.max(1),
    );
}

fn aml(b: &mut Builder<'_>) -> S {
    let diagnosis = b.rng.range(6, 30) * MONTH;
    b.condition("C92.0", "Acute myeloid leukaemia", diagnosis);
    let seven_three: &[(&str, f64, &str)] = &[
        ("cytarabine", 100.0, "mg/m2/d"),
        ("daunorubicin", 60.0, "mg/m2"),
    ];
    let start1 = diagnosis - 5;
    let roll = b.rng.unit() * 40.0;
    blasts(b, diagnosis, 40.0 + roll);
    let roll = b.rng.range(0, 2);
    ecog(b, diagnosis, roll);
    let story = b.rng.weighted(&[30, 25, 25, 10, 10]);
    let ind = Some(Intent::Induction);
    match story {
        // No complete remission after two intensive induction courses: primary refractory.
        0 => {
            regimen_line(
                b,
                "aml",
                "7+3",
                seven_three,
                start1,
                7,
                Some(Response::Partial),
                Some(StopReason::LackOfEfficacy),
                ind,
                Some(1),
            );
            let roll = b.rng.unit() * 10.0;
            blasts(b, start1 - 28, 18.0 + roll);
            let start2 = start1 - 35;
            let second: &[(&str, f64, &str)] = if b.rng.chance(0.5) {
                seven_three
            } else {
                &[("cytarabine", 3000.0, "mg/m2")]
            };
            let name = if second.len() == 2 {
                "7+3 (second course)"
            } else {
                "HiDAC re-induction"
            };
            regimen_line(
                b,
                "aml",
                name,
                second,
                start2,
                6,
                Some(Response::Stable),
                Some(StopReason::LackOfEfficacy),
                ind,
                Some(1),
            );
            let roll = b.rng.unit() * 15.0;
            blasts(b, start2 - 28, 22.0 + roll);
            let start3 = (start2 - 40).max(10);
            regimen_line(
                b,
                "aml",
                "FLAG-IDA",
                &[
                    ("fludarabine", 30.0, "mg/m2"),
                    ("cytarabine", 2000.0, "mg/m2"),
                    ("idarubicin", 10.0, "mg/m2"),
                ],
                start3,
                5,
                None,
                None,
                Some(Intent::Salvage),
                Some(1),
            );
            S::Refractory
        }
        // Complete remission, then relapse.
        1 => {
            regimen_line(
                b,
                "aml",
                "7+3",
                seven_three,
                start1,
                7,
                Some(Response::Complete),
                Some(StopReason::Completed),
                ind,
                Some(1),
            );
            blasts(b, start1 - 28, 2.0);
            regimen_line(
                b,
                "aml",
                "HiDAC consolidation",
                &[("cytarabine", 3000.0, "mg/m2")],
                start1 - 40,
                3 * MONTH,
                Some(Response::Complete),
                Some(StopReason::Completed),
                Some(Intent::Consolidation),
                Some(3),
            );
            let relapse = (start1 - 40 - 3 * MONTH - b.rng.range(3, 9) * MONTH).max(15);
            blasts(b, relapse, 25.0);
            b.disease_status(ds::WORSENED, "haematological relapse", relapse);
            if let Some(line) = b.lines.last_mut() {
                line.progression_date = Some(b.today - Duration::days(relapse));
            }
            S::Relapsed
        }
        // Complete remission after the first course.
        2 => {
            regimen_line(
                b,
                "aml",
                "7+3",
                seven_three,
                start1,
                7,
                Some(Response::Complete),
                Some(StopReason::Completed),
                ind,
                Some(1),
            );
            blasts(b, start1 - 28, 1.5);
            regimen_line(
                b,
                "aml",
                "HiDAC consolidation",
                &[("cytarabine", 3000.0, "mg/m2")],
                start1 - 40,
                3 * MONTH,
                Some(Response::Complete),
                Some(StopReason::Completed),
                Some(Intent::Consolidation),
                Some(3),
            );
            S::NotMet
        }
        // One course given; the day-28 marrow is not back yet.
        3 => {
            regimen_line(
                b,
                "aml",
                "7+3",
                seven_three,
                20,
                7,
                None,
                None,
                ind,
                Some(1),
            );
            S::InsufficientData
        }
        // One course without remission, then a less intensive regimen (not a second intensive
        // induction): the ELN definition is not met.
        _ => {
            regimen_line(
                b,
                "aml",
                "7+3",
                seven_three,
                start1,
                7,
                Some(Response::Stable),
                Some(StopReason::LackOfEfficacy),
                ind,
                Some(1),
            );
            blasts(b, start1 - 28, 30.0);
            regimen_line(
                b,
                "aml",
                "Ven/Aza",
                &[
                    ("venetoclax", 400.0, "mg/d"),
                    ("azacitidine", 75.0, "mg/m2"),
                ],
                (start1 - 40).max(20),
                10_000,
                Some(Response::CompleteIncompleteRecovery),
                None,
                Some(Intent::Palliative),
                None,
            );
            S::NotMet
        }
    }
}

/// PANSS totals over a trial.
fn panss(b: &mut Builder<'_>, start_ago: i64, end_ago: i64, baseline: f64, last: f64) {
    b.observe(
        obs::PANSS_TOTAL,
        "PANSS total score",
        baseline,
        "{score}",
        start_ago,
    );
    b.observe(
        obs::PANSS_TOTAL,
        "PANSS total score",
        f64::midpoint(baseline, last).round(),
        "{score}",
        i64::midpoint(start_ago, end_ago),
    );
    b.observe(
        obs::PANSS_TOTAL,
        "PANSS total score",
        last,
        "{score}",
        end_ago.max(1),
    );
}

fn schizophrenia(b: &mut Builder<'_>) -> S {
    let onset = b.rng.range(3, 15) * 12 * MONTH;
    b.condition("F20.0", "Paranoid schizophrenia", onset);
    let start1 = b.rng.range(18, 40) * MONTH;
    let first = give("olanzapine", 20.0, "mg/d");
    let second = b.rng.pick(&[
        give("aripiprazole", 30.0, "mg/d"),
        give("amisulpride", 800.0, "mg/d"),
        give("risperidone", 10.0, "mg/d"),
    ]);
    let story = b.rng.weighted(&[35, 12, 18, 20, 15]);
    let sz = "schizophrenia";
    let base = 88.0 + b.rng.unit() * 20.0;
    let two_failures = |b: &mut Builder<'_>| {
        let weeks1 = b.rng.range(8, 12);
        let start2 = start1 - weeks1 * 7 - 14;
        let weeks2 = b.rng.range(8, 12);
        let e1 = b.drug(
            first,
            start1,
            Some(weeks1 * 7),
            Some(StopReason::LackOfEfficacy),
        );
        let e2 = b.drug(
            second,
            start2,
            Some(weeks2 * 7),
            Some(StopReason::LackOfEfficacy),
        );
        b.line(
            sz,
            first.ingredient,
            &[e1],
            start1,
            Some(start2),
            None,
            Some(StopReason::LackOfEfficacy),
            None,
        );
        b.line(
            sz,
            second.ingredient,
            &[e2],
            start2,
            Some(start2 - weeks2 * 7),
            None,
            Some(StopReason::LackOfEfficacy),
            None,
        );
        panss(b, start1, start1 - weeks1 * 7, base, base * 0.92);
        panss(b, start2, start2 - weeks2 * 7, base * 0.95, base * 0.88);
        start2 - weeks2 * 7 - 14
    };
    match story {
        // Two adequate antipsychotic trials (≥ 600 mg/d chlorpromazine equivalents, ≥ 6
        // weeks) with < 20 % improvement: treatment-resistant; now on clozapine.
        0 => {
            let start3 = two_failures(b).max(30);
            let c = b.drug(give("clozapine", 300.0, "mg/d"), start3, None, None);
            b.line(sz, "clozapine", &[c], start3, None, None, None, None);
            b.observe(
                obs::PANSS_TOTAL,
                "PANSS total score",
                (base * 0.75).round(),
                "{score}",
                10,
            );
            S::Refractory
        }
        // Treatment-resistant, and no response to an adequate clozapine trial either.
        1 => {
            let start3 = two_failures(b).max(150);
            let c = b.drug(give("clozapine", 450.0, "mg/d"), start3, None, None);
            b.line(sz, "clozapine", &[c], start3, None, None, None, None);
            b.observe(
                obs::CLOZAPINE_LEVEL,
                "Clozapine level",
                410.0,
                "ng/mL",
                start3 - 60,
            );
            b.observe(
                obs::CLOZAPINE_LEVEL,
                "Clozapine level",
                385.0,
                "ng/mL",
                start3 - 100,
            );
            panss(b, start3, 10, base * 0.88, base * 0.84);
            S::Refractory
        }
        // Two "failures" below 600 mg/d chlorpromazine equivalents: not adequate trials.
        2 => {
            let e1 = b.drug(
                give("risperidone", 4.0, "mg/d"),
                start1,
                Some(70),
                Some(StopReason::LackOfEfficacy),
            );
            let e2 = b.drug(
                give("quetiapine", 400.0, "mg/d"),
                start1 - 84,
                Some(70),
                Some(StopReason::LackOfEfficacy),
            );
            b.line(
                sz,
                "risperidone",
                &[e1],
                start1,
                Some(start1 - 84),
                None,
                Some(StopReason::LackOfEfficacy),
                None,
            );
            b.line(
                sz,
                "quetiapine",
                &[e2],
                start1 - 84,
                Some(start1 - 154),
                None,
                Some(StopReason::LackOfEfficacy),
                None,
            );
            panss(b, start1, start1 - 154, base, base * 0.93);
            S::NotMet
        }
        // Response to the first antipsychotic.
        3 => {
            let e1 = b.drug(give("aripiprazole", 15.0, "mg/d"), start1, None, None);
            b.line(sz, "aripiprazole", &[e1], start1, None, None, None, None);
            panss(b, start1, 20, base, base * 0.6);
            S::NotMet
        }
        // One failure; the second trial is three weeks old.
        _ => {
            let e1 = b.drug(first, start1, Some(9 * 7), Some(StopReason::LackOfEfficacy));
            let e2 = b.drug(second, 21, None, None);
            b.line(
                sz,
                first.ingredient,
                &[e1],
                start1,
                Some(start1 - 63),
                None,
                Some(StopReason::LackOfEfficacy),
                None,
            );
            b.line(sz, second.ingredient, &[e2], 21, None, None, None, None);
            panss(b, start1, start1 - 63, base, base * 0.94);
            S::InsufficientData
        }
    }
}
