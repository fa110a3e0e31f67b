//! The demo's stories of rheumatoid arthritis: conventional and biologic DMARDs, CDAI.

use super::super::builder::{Builder, MONTH, give};
use super::{Ages, MeetingLines, Story};
use crate::domain::observation_codes::{self as obs};
use crate::domain::{AssessmentStatus as S, StopReason};

/// The demo's rheumatoid arthritis patients.
pub(super) const STORY: Story = Story {
    id: "rheumatoid_arthritis",
    weight: 11,
    care_team: "Rheumatology",
    ages: Ages {
        min: 30,
        max: 80,
        female_share: 0.72,
    },
    meeting: MeetingLines {
        question: "Difficult-to-treat RA after two biologics: another mechanism, or re-evaluate first?",
        next_line: "Switch to a JAK inhibitor after a thrombosis risk review.",
        procedure: "Ultrasound-guided steroid injection of both wrists; hand therapy referral.",
    },
    tell: rheumatoid_arthritis,
};

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
            b.line(ra, "methotrexate", &[mtx_drug])
                .from(start1)
                .until(start2)
                .stopped(StopReason::LackOfEfficacy)
                .add();
            b.line(
                ra,
                &format!("methotrexate + {}", tnf.ingredient),
                &[mtx_drug, tnf_drug],
            )
            .from(start2)
            .until(start3)
            .stopped(StopReason::LackOfEfficacy)
            .add();
            b.line(
                ra,
                &format!("methotrexate + {}", second_mechanism.ingredient),
                &[mtx_drug, other_drug],
            )
            .from(start3)
            .until(start4)
            .stopped(StopReason::LackOfEfficacy)
            .add();
            b.line(
                ra,
                &format!("methotrexate + {}", jak.ingredient),
                &[mtx_drug, jak_drug],
            )
            .from(start4)
            .add();
            cdai_series(b, start1, 10, 26.0);
            if let Some(mtx_exposure) = b.exposures.iter_mut().find(|e| e.id == mtx_drug) {
                mtx_exposure.stop_reason = None;
                mtx_exposure.said_stopped = false;
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
            b.line(ra, "methotrexate", &[mtx_drug])
                .from(start1)
                .until(start2)
                .stopped(StopReason::LackOfEfficacy)
                .add();
            b.line(
                ra,
                &format!("methotrexate + {}", tnf.ingredient),
                &[mtx_drug, tnf_drug],
            )
            .from(start2)
            .until(start3)
            .stopped(StopReason::LackOfEfficacy)
            .add();
            b.line(
                ra,
                &format!("methotrexate + {}", other_tnf.ingredient),
                &[mtx_drug, tnf2_drug],
            )
            .from(start3)
            .stopped(StopReason::LackOfEfficacy)
            .add();
            cdai_series(b, start1, 10, 18.0);
            S::NotMet
        }
        // Remission on methotrexate plus a TNF inhibitor.
        2 => {
            let mtx_drug = b.drug(mtx, start1, None, None);
            let tnf_drug = b.drug(tnf, start2, None, None);
            b.line(ra, "methotrexate", &[mtx_drug])
                .from(start1)
                .until(start2)
                .stopped(StopReason::LackOfEfficacy)
                .add();
            b.line(
                ra,
                &format!("methotrexate + {}", tnf.ingredient),
                &[mtx_drug, tnf_drug],
            )
            .from(start2)
            .add();
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
            b.line(ra, "methotrexate", &[mtx_drug])
                .from(start1)
                .until(start2)
                .stopped(StopReason::LackOfEfficacy)
                .add();
            b.line(
                ra,
                &format!("methotrexate + {}", tnf.ingredient),
                &[mtx_drug, tnf_drug],
            )
            .from(start2)
            .until(start3)
            .stopped(StopReason::Intolerance)
            .add();
            b.line(
                ra,
                &format!("methotrexate + {}", second_mechanism.ingredient),
                &[mtx_drug, other_drug],
            )
            .from(start3)
            .stopped(StopReason::LackOfEfficacy)
            .add();
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
            b.line(ra, "methotrexate", &[mtx_drug])
                .from(start1)
                .until(start2)
                .stopped(StopReason::LackOfEfficacy)
                .add();
            b.line(
                ra,
                &format!("methotrexate + {}", tnf.ingredient),
                &[mtx_drug, tnf_drug],
            )
            .from(start2)
            .until(start3)
            .stopped(StopReason::LackOfEfficacy)
            .add();
            b.line(
                ra,
                &format!("methotrexate + {}", second_mechanism.ingredient),
                &[mtx_drug, other_drug],
            )
            .from(start3)
            .stopped(StopReason::LackOfEfficacy)
            .add();
            cdai_series(b, start1, start3 - 2 * MONTH, 22.0);
            S::InsufficientData
        }
    }
}
