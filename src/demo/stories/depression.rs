//! The demo's stories of depression: adequate antidepressant trials and PHQ-9 courses.

use super::super::builder::{Builder, MONTH, give};
use super::{Ages, MeetingLines, Story};
use crate::domain::observation_codes::{self as obs};
use crate::domain::{AssessmentStatus as S, StopReason};

/// The demo's depression patients.
pub(super) const STORY: Story = Story {
    id: "depression",
    weight: 18,
    care_team: "Mood disorders",
    ages: Ages {
        min: 20,
        max: 70,
        female_share: 0.62,
    },
    meeting: MeetingLines {
        question: "Two adequate antidepressant trials failed: augmentation, switch, or neuromodulation?",
        next_line: "Augment with lithium; levels at 1 and 4 weeks.",
        procedure: "Refer for ECT or rTMS assessment.",
    },
    tell: depression,
};

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
            b.line("depression", ssri.ingredient, &[e1])
                .from(start1)
                .until(start2)
                .stopped(StopReason::LackOfEfficacy)
                .add();
            b.line("depression", snri.ingredient, &[e2])
                .from(start2)
                .until(start3)
                .stopped(StopReason::LackOfEfficacy)
                .add();
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
            )
            .from(start3.max(20))
            .add();
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
            b.line("depression", ssri.ingredient, &[e1])
                .from(start1)
                .add();
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
            b.line("depression", ssri.ingredient, &[e1])
                .from(start1)
                .until(start1 - weeks1 * 7)
                .stopped(StopReason::LackOfEfficacy)
                .add();
            b.line("depression", snri.ingredient, &[e2]).from(21).add();
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
            b.line("depression", "fluoxetine", &[e1])
                .from(start1)
                .until(start2)
                .stopped(StopReason::Intolerance)
                .add();
            b.line("depression", snri.ingredient, &[e2])
                .from(start2)
                .until(start3)
                .stopped(StopReason::LackOfEfficacy)
                .add();
            b.line("depression", third.ingredient, &[e3])
                .from(start3.max(20))
                .add();
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
            b.line("depression", "sertraline", &[e1])
                .from(start1)
                .until(start2)
                .stopped(StopReason::LackOfEfficacy)
                .add();
            b.line("depression", "venlafaxine", &[e2])
                .from(start2)
                .until(start2 - 56)
                .stopped(StopReason::LackOfEfficacy)
                .add();
            phq9_course(b, start1, start2 - 56, 19, 18);
            S::NotMet
        }
    }
}
