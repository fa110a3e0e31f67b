//! The demo's stories of epilepsy: failed anti-seizure medication trials (ILAE), seizure diaries.

use super::super::builder::{Builder, MONTH, give};
use super::{Ages, MeetingLines, Story};
use crate::domain::observation_codes::{self as obs};
use crate::domain::{AssessmentStatus as S, StopReason};

/// The demo's epilepsy patients.
pub(super) const STORY: Story = Story {
    id: "epilepsy",
    weight: 20,
    care_team: "Epilepsy service",
    ages: Ages {
        min: 18,
        max: 70,
        female_share: 0.5,
    },
    meeting: MeetingLines {
        question: "Two adequate anti-seizure medication trials failed: presurgical evaluation now, or a third drug first?",
        next_line: "Add cenobamate with slow titration over 12 weeks; seizure diary review at 3 months.",
        procedure: "Refer for presurgical evaluation (video-EEG, 3T MRI, neuropsychology); VNS if not a surgical candidate.",
    },
    tell: epilepsy,
};

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
            b.line("epilepsy", first.ingredient, &[e1])
                .from(start1)
                .until(start2)
                .stopped(StopReason::LackOfEfficacy)
                .add();
            b.line("epilepsy", second.ingredient, &[e2])
                .from(start2)
                .until(start3)
                .stopped(StopReason::LackOfEfficacy)
                .add();
            b.line("epilepsy", third.ingredient, &[e3])
                .from(start3.max(30))
                .add();
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
            b.line("epilepsy", first.ingredient, &[e1])
                .from(start1)
                .until(start2)
                .stopped(StopReason::Intolerance)
                .add();
            b.line("epilepsy", second.ingredient, &[e2])
                .from(start2)
                .add();
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
            b.line("epilepsy", first.ingredient, &[e1])
                .from(start1)
                .until(start2)
                .stopped(StopReason::LackOfEfficacy)
                .add();
            b.line("epilepsy", second.ingredient, &[e2])
                .from(start2)
                .until(start3)
                .add();
            b.line("epilepsy", third.ingredient, &[e3])
                .from(start3)
                .add();
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
            b.line("epilepsy", first.ingredient, &[e1])
                .from(start1)
                .until(start2)
                .stopped(StopReason::Noncompliance)
                .add();
            b.line("epilepsy", second.ingredient, &[e2])
                .from(start2)
                .add();
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
            b.line("epilepsy", first.ingredient, &[e1])
                .from(start1)
                .until(start2)
                .stopped(StopReason::LackOfEfficacy)
                .add();
            b.line("epilepsy", &regimen, &[e2, e2b])
                .from(start2)
                .until(start2 - months2 * MONTH)
                .stopped(StopReason::LackOfEfficacy)
                .add();
            seizure_diary(b, start1 + MONTH, 30, baseline + 2);
            S::Refractory
        }
    }
}
