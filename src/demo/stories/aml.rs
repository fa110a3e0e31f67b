//! The demo's stories of acute myeloid leukaemia: induction courses and marrow blasts.

use chrono::Duration;

use super::super::builder::{Builder, MONTH};
use super::{Ages, MeetingLines, Story, ecog, regimen_line};
use crate::domain::observation_codes::{self as obs, disease_status as ds};
use crate::domain::{AssessmentStatus as S, Intent, Response, StopReason};

/// The demo's aml patients.
pub(super) const STORY: Story = Story {
    id: "aml",
    weight: 4,
    care_team: "Leukaemia MDT",
    ages: Ages {
        min: 25,
        max: 80,
        female_share: 0.45,
    },
    meeting: MeetingLines {
        question: "Primary refractory after two induction courses: salvage, trial, or a palliative approach?",
        next_line: "Salvage FLAG-Ida, then allogeneic transplant if in remission.",
        procedure: "Start the allogeneic transplant work-up (donor search).",
    },
    tell: aml,
};

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
