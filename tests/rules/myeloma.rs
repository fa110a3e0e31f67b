//! Relapsed and refractory multiple myeloma (IMWG, `assets/rules/myeloma.toml`): the latest line
//! with an outcome decides; progression on therapy or within 60 days of the last dose is
//! refractory, later progression after a response is relapse; primary refractory (never a
//! minimal response) and triple-class refractory (PI, IMiD, anti-CD38; MAMMOTH) labels.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use refract::domain::AssessmentStatus::{InsufficientData, NotMet, Refractory, Relapsed};
use refract::domain::observation_codes::disease_status;
use refract::domain::{Response, StopReason};

use super::support::{Case, LineSpec, Vignette, case, line, run, rx};

const ID: &str = "myeloma";
const VRD: &[&str] = &["bortezomib", "lenalidomide", "dexamethasone"];
const DRD: &[&str] = &["daratumumab", "lenalidomide", "dexamethasone"];
const KD: &[&str] = &["carfilzomib", "dexamethasone"];
const PD: &[&str] = &["pomalidomide", "dexamethasone"];
const RRMM: &str = "relapsed and refractory myeloma";

fn patient() -> Vignette {
    Vignette::new().condition("C90.00", "Multiple myeloma not having achieved remission")
}

/// VRd from `from` to `until` days ago, entered as a line.
fn vrd(v: Vignette, from: i64, until: i64, detail: impl FnOnce(LineSpec) -> LineSpec) -> Vignette {
    v.give(rx("VRd").from(from).until(until))
        .line(ID, detail(line("VRd", VRD).from(from).until(until)))
}

/// VRd (very good partial response) ending 600 days ago after 300 days, progression `after`
/// days after its last dose.
fn progression_after_last_dose(after: i64) -> Vignette {
    vrd(patient(), 600, 300, |l| {
        l.response(Response::VeryGoodPartial)
            .progressed(300 - after)
    })
}

/// 1L VRd (VGPR, relapse 200 days after it ended), 2L DRd (PR, progression on therapy).
fn refractory_to_drd() -> Vignette {
    vrd(patient(), 900, 700, |l| {
        l.response(Response::VeryGoodPartial).progressed(500)
    })
    .give(
        rx("DRd")
            .from(480)
            .until(200)
            .stopped(StopReason::Progression),
    )
    .line(
        ID,
        line("DRd", DRD)
            .from(480)
            .until(200)
            .response(Response::Partial)
            .stopped(StopReason::Progression),
    )
}

/// A VRd line of `days` days with stable disease, ended with no stop reason.
fn stable_disease_for(days: i64) -> Vignette {
    vrd(patient(), 100, 100 - days, |l| l.response(Response::Stable))
}

pub fn cases() -> Vec<Case> {
    vec![
        case(
            "stable disease and progression on first-line VRd: primary refractory",
            vrd(patient(), 300, 150, |l| {
                l.response(Response::Stable)
                    .stopped(StopReason::Progression)
            }),
            Refractory,
        )
        .label("primary refractory myeloma"),
        case(
            "VGPR, progression 200 days after the last dose: relapsed",
            vrd(patient(), 900, 600, |l| {
                l.response(Response::VeryGoodPartial).progressed(400)
            }),
            Relapsed,
        )
        .label("relapsed myeloma"),
        case(
            "VGPR, progression 60 days after the last dose: relapsed and refractory",
            progression_after_last_dose(60),
            Refractory,
        )
        .label(RRMM),
        case(
            "VGPR, progression 61 days after the last dose: relapsed",
            progression_after_last_dose(61),
            Relapsed,
        ),
        case(
            "refractory to DRd after relapse on VRd: double-class, not triple-class",
            refractory_to_drd(),
            Refractory,
        )
        .label(RRMM),
        case(
            "refractory to a PI, an IMiD and an anti-CD38: triple-class refractory",
            refractory_to_drd()
                .give(
                    rx("Kd")
                        .from(190)
                        .until(20)
                        .stopped(StopReason::Progression),
                )
                .line(
                    ID,
                    line("Kd", KD)
                        .from(190)
                        .until(20)
                        .response(Response::Stable)
                        .stopped(StopReason::Progression),
                ),
            Refractory,
        )
        .label("triple-class refractory myeloma")
        .reason("refractory to every class"),
        case(
            "a line just begun does not undo refractoriness",
            refractory_to_drd()
                .give(rx("Pd").from(10))
                .line(ID, line("Pd", PD).from(10)),
            Refractory,
        ),
        case(
            "response to the latest line: relapsed, not refractory",
            refractory_to_drd()
                .give(rx("Kd").from(190))
                .line(ID, line("Kd", KD).from(190).response(Response::Partial)),
            Relapsed,
        ),
        case(
            "stable disease on a line of 27 days: not evaluable",
            stable_disease_for(27),
            InsufficientData,
        )
        .confounder("measurable_disease"),
        case(
            "stable disease on a line of 28 days: refractory",
            stable_disease_for(28),
            Refractory,
        ),
        case(
            "partial response, stopped for intolerance, no progression",
            vrd(patient(), 300, 150, |l| {
                l.response(Response::Partial)
                    .stopped(StopReason::Intolerance)
            }),
            NotMet,
        ),
        case(
            "line ended with no response recorded",
            vrd(patient(), 300, 150, |l| l),
            InsufficientData,
        )
        .missing("best response to 1L VRd"),
        case(
            "worsened disease status while on therapy: progression on therapy",
            vrd(patient(), 300, 0, |l| l).disease_status(disease_status::WORSENED, 30),
            Refractory,
        )
        .reason("progression on therapy"),
    ]
}

#[test]
fn myeloma_cases() {
    run(ID, &cases());
}
