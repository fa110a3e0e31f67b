//! The demo's stories of multiple myeloma: lines of therapy as IMWG counts them, M-protein.

use super::super::builder::{Builder, MONTH};
use super::{Ages, MeetingLines, Story, continue_line, ecog, regimen_line};
use crate::domain::observation_codes::{self as obs};
use crate::domain::{AssessmentStatus as S, Intent, Response, StopReason};

/// The demo's myeloma patients.
pub(super) const STORY: Story = Story {
    id: "myeloma",
    weight: 7,
    care_team: "Myeloma MDT",
    ages: Ages {
        min: 50,
        max: 85,
        female_share: 0.45,
    },
    meeting: MeetingLines {
        question: "Triple-class refractory: bispecific antibody, CAR T-cell therapy or a trial?",
        next_line: "Start teclistamab with inpatient step-up dosing.",
        procedure: "Refer for BCMA CAR T-cell therapy assessment.",
    },
    tell: myeloma,
};

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
