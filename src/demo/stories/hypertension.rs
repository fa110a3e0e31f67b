//! The demo's stories of hypertension: several classes at once, office readings.

use super::super::builder::{Builder, MONTH, give};
use super::{Ages, MeetingLines, Story};
use crate::domain::{AssessmentStatus as S, BpSetting, StopReason};

/// The demo's hypertension patients.
pub(super) const STORY: Story = Story {
    id: "hypertension",
    weight: 24,
    care_team: "Hypertension clinic",
    ages: Ages {
        min: 45,
        max: 85,
        female_share: 0.48,
    },
    meeting: MeetingLines {
        question: "Uncontrolled on several classes: add another class, renal denervation, or further work-up?",
        next_line: "Add doxazosin as a fifth class after adherence is confirmed with drug levels.",
        procedure: "Refer for renal denervation assessment once secondary causes are excluded.",
    },
    tell: hypertension,
};

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
        b.line("hypertension", regimen, ids)
            .from(start)
            .until_opt(end)
            .add();
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
            // At goal at every visit whatever the jitter (at most 128/77): the level now is the
            // latest visits' mean, so a story of control must be below goal at each of them.
            office_readings(b, t3 - 6 * MONTH, 10, 122, 73);
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
            office_readings(b, t2 - 3 * MONTH, 10, 122, 73);
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
