//! The demo's stories of schizophrenia: adequate antipsychotic trials, PANSS, clozapine.

use super::super::builder::{Builder, MONTH, give};
use super::{Ages, MeetingLines, Story};
use crate::domain::observation_codes::{self as obs};
use crate::domain::{AssessmentStatus as S, StopReason};

/// The demo's schizophrenia patients.
pub(super) const STORY: Story = Story {
    id: "schizophrenia",
    weight: 5,
    care_team: "Psychosis service",
    ages: Ages {
        min: 20,
        max: 60,
        female_share: 0.4,
    },
    meeting: MeetingLines {
        question: "Persistent positive symptoms after two adequate antipsychotic trials: start clozapine?",
        next_line: "Start clozapine under the clozapine clinic's monitoring plan.",
        procedure: "Refer for ECT augmentation assessment.",
    },
    tell: schizophrenia,
};

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
        b.line(sz, first.ingredient, &[e1])
            .from(start1)
            .until(start2)
            .stopped(StopReason::LackOfEfficacy)
            .add();
        b.line(sz, second.ingredient, &[e2])
            .from(start2)
            .until(start2 - weeks2 * 7)
            .stopped(StopReason::LackOfEfficacy)
            .add();
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
            b.line(sz, "clozapine", &[c]).from(start3).add();
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
            b.line(sz, "clozapine", &[c]).from(start3).add();
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
            b.line(sz, "risperidone", &[e1])
                .from(start1)
                .until(start1 - 84)
                .stopped(StopReason::LackOfEfficacy)
                .add();
            b.line(sz, "quetiapine", &[e2])
                .from(start1 - 84)
                .until(start1 - 154)
                .stopped(StopReason::LackOfEfficacy)
                .add();
            panss(b, start1, start1 - 154, base, base * 0.93);
            S::NotMet
        }
        // Response to the first antipsychotic.
        3 => {
            let e1 = b.drug(give("aripiprazole", 15.0, "mg/d"), start1, None, None);
            b.line(sz, "aripiprazole", &[e1]).from(start1).add();
            panss(b, start1, 20, base, base * 0.6);
            S::NotMet
        }
        // One failure; the second trial is three weeks old.
        _ => {
            let e1 = b.drug(first, start1, Some(9 * 7), Some(StopReason::LackOfEfficacy));
            let e2 = b.drug(second, 21, None, None);
            b.line(sz, first.ingredient, &[e1])
                .from(start1)
                .until(start1 - 63)
                .stopped(StopReason::LackOfEfficacy)
                .add();
            b.line(sz, second.ingredient, &[e2]).from(21).add();
            panss(b, start1, start1 - 63, base, base * 0.94);
            S::InsufficientData
        }
    }
}
