//! The demo's stories of large B-cell lymphoma: R-CHOP and salvage lines, responses, ECOG.

use chrono::Duration;

use super::super::builder::{Builder, MONTH};
use super::{Ages, MeetingLines, Story, ecog, regimen_line};
use crate::domain::observation_codes::disease_status as ds;
use crate::domain::{AssessmentStatus as S, Intent, Response, StopReason};

/// The demo's lbcl patients.
pub(super) const STORY: Story = Story {
    id: "lbcl",
    weight: 8,
    care_team: "Lymphoma MDT",
    ages: Ages {
        min: 40,
        max: 85,
        female_share: 0.45,
    },
    meeting: MeetingLines {
        question: "Primary refractory to R-CHOP: CAR T-cell therapy, or salvage chemotherapy first?",
        next_line: "Salvage R-GDP as a bridge; restage after 2 cycles.",
        procedure: "Refer for CAR T-cell therapy assessment at the cellular therapy centre.",
    },
    tell: lbcl,
};

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
