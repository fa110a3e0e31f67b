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

/// VRd (very good partial response) ending 300 days ago, then a worsened disease status `after`
/// days after its last dose, confirmed by a second worsened status 14 days later (IMWG: two
/// consecutive assessments).
fn worsened_after_last_dose(after: i64) -> Vignette {
    vrd(patient(), 600, 300, |l| {
        l.response(Response::VeryGoodPartial)
    })
    .disease_status(disease_status::WORSENED, 300 - after)
    .disease_status(disease_status::WORSENED, 300 - after - 14)
}

/// 1L VRd (VGPR) ending 900 days ago with a confirmed progression 30 days after its last dose
/// (refractory to bortezomib and lenalidomide); 2L DPd (PR) from 840 to 500 days ago with a
/// confirmed progression `dara_after` days after its last dose; 3L Kd from 420 days ago, stopped
/// for progression 100 days ago.
fn three_classes(dara_after: i64) -> Vignette {
    vrd(patient(), 1100, 900, |l| {
        l.response(Response::VeryGoodPartial)
    })
    .disease_status(disease_status::WORSENED, 870)
    .disease_status(disease_status::WORSENED, 856)
    .give(rx("DPd").from(840).until(500))
    .line(
        ID,
        line("DPd", &["daratumumab", "pomalidomide", "dexamethasone"])
            .from(840)
            .until(500)
            .response(Response::Partial),
    )
    .disease_status(disease_status::WORSENED, 500 - dara_after)
    .disease_status(disease_status::WORSENED, 500 - dara_after - 10)
    .give(
        rx("Kd")
            .from(420)
            .until(100)
            .stopped(StopReason::Progression),
    )
    .line(
        ID,
        line("Kd", KD)
            .from(420)
            .until(100)
            .response(Response::Partial)
            .stopped(StopReason::Progression),
    )
}

/// IMWG 2015 planned sequence as drug records (no entered lines): VRd induction from 700 to
/// 560 days ago, high-dose melphalan and an autologous transplant at 530 and 528 days ago, a
/// complete response, then lenalidomide maintenance at 10 mg/d (25 mg/d in induction) from 430
/// days ago, ongoing.
fn planned_sequence() -> Vignette {
    patient()
        .give(rx("Bortezomib 1.3 mg/m2").from(700).until(560))
        .give(rx("Lenalidomide 25 mg/d").from(700).until(560))
        .give(rx("Dexamethasone 40 mg/wk").from(700).until(560))
        .give(rx("Melphalan 200 mg/m2").from(530).until(529))
        .procedure("refract:asct", "Autologous stem cell transplant", 528)
        .disease_status(disease_status::FULL_REMISSION, 450)
        .give(rx("Lenalidomide 10 mg/d").from(430))
}

/// A VRd line of `days` days with stable disease, ended with no stop reason.
fn stable_disease_for(days: i64) -> Vignette {
    vrd(patient(), 100, 100 - days, |l| l.response(Response::Stable))
}

/// VRd as drug records (no entered lines) from 240 to 121 days ago, stopped for no response,
/// stable disease 125 days ago; DPd (daratumumab, pomalidomide, dexamethasone) from 120 days
/// ago, ongoing.
fn vrd_stable_then_dpd() -> Vignette {
    patient()
        .give(
            rx("Bortezomib 1.3 mg/m2")
                .from(240)
                .until(121)
                .stopped(StopReason::LackOfEfficacy),
        )
        .give(
            rx("Lenalidomide 25 mg/d")
                .from(240)
                .until(121)
                .stopped(StopReason::LackOfEfficacy),
        )
        .give(
            rx("Dexamethasone 40 mg/wk")
                .from(240)
                .until(121)
                .stopped(StopReason::LackOfEfficacy),
        )
        .disease_status(disease_status::STABLE, 125)
        .give(rx("Daratumumab 1800 mg").from(120))
        .give(rx("Pomalidomide 4 mg/d").from(120))
        .give(rx("Dexamethasone 40 mg/wk").from(120))
}

/// 1L VRd entered from 240 to 121 days ago, stable disease, stopped for no response; 2L DPd
/// entered from 120 days ago with `detail`.
fn entered_vrd_stable_then_dpd(detail: impl FnOnce(LineSpec) -> LineSpec) -> Vignette {
    vrd(patient(), 240, 121, |l| {
        l.response(Response::Stable)
            .stopped(StopReason::LackOfEfficacy)
    })
    .give(rx("DPd").from(120))
    .line(
        ID,
        detail(line("DPd", &["daratumumab", "pomalidomide", "dexamethasone"]).from(120)),
    )
}

/// 1L Rd (partial response, progression on it 510 days ago: lenalidomide refractory); 2L DVd
/// from 480 to 300 days ago, stable disease assessed at its end, stopped for no response, with
/// daratumumab stopped (not tolerated) `dara_until` days ago.
fn dvd_with_daratumumab_until(dara_until: i64) -> Vignette {
    patient()
        .give(rx("Lenalidomide 25 mg/d").from(700).until(500))
        .line(
            ID,
            line("Rd", &["lenalidomide", "dexamethasone"])
                .from(700)
                .until(500)
                .response(Response::Partial)
                .progressed(510),
        )
        .give(
            rx("Daratumumab 1800 mg")
                .from(480)
                .until(dara_until)
                .stopped(StopReason::Intolerance),
        )
        .give(rx("Bortezomib 1.3 mg/m2").from(480).until(300))
        .line(
            ID,
            line("DVd", &["daratumumab", "bortezomib", "dexamethasone"])
                .from(480)
                .until(300)
                .response(Response::Stable)
                .stopped(StopReason::LackOfEfficacy),
        )
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
            "worsened disease status while on therapy, confirmed: progression on therapy",
            vrd(patient(), 300, 0, |l| l)
                .disease_status(disease_status::WORSENED, 30)
                .disease_status(disease_status::WORSENED, 16),
            Refractory,
        )
        .reason("progression on therapy")
        .reason("confirmed"),
        case(
            "one worsened disease status on therapy, not yet confirmed: undecided",
            vrd(patient(), 300, 0, |l| l).disease_status(disease_status::WORSENED, 30),
            InsufficientData,
        )
        .missing("a second consecutive assessment confirming the progression of"),
        case(
            "a worsened status followed by a stable one: unconfirmed, not progression",
            vrd(patient(), 600, 300, |l| l.response(Response::VeryGoodPartial))
                .disease_status(disease_status::WORSENED, 270)
                .disease_status(disease_status::STABLE, 256),
            NotMet,
        )
        .reason("not confirmed"),
        case(
            "progression (confirmed) 59 days after the last dose: relapsed and refractory",
            worsened_after_last_dose(59),
            Refractory,
        )
        .label(RRMM)
        .reason("within 60 days"),
        case(
            "progression (confirmed) 60 days after the last dose: relapsed and refractory",
            worsened_after_last_dose(60),
            Refractory,
        )
        .label(RRMM),
        case(
            "progression (confirmed) 61 days after the last dose: relapsed",
            worsened_after_last_dose(61),
            Relapsed,
        ),
        case(
            "progression 30 days after the last dose, unconfirmed: undecided",
            vrd(patient(), 600, 300, |l| l.response(Response::VeryGoodPartial))
                .disease_status(disease_status::WORSENED, 270),
            InsufficientData,
        )
        .missing("a second consecutive assessment"),
        case(
            "a single worsening followed by a new line: the clinician acted on it, relapsed",
            vrd(patient(), 900, 600, |l| l.response(Response::VeryGoodPartial))
                .disease_status(disease_status::WORSENED, 400)
                .give(rx("Kd").from(390))
                .line(ID, line("Kd", KD).from(390).response(Response::Partial)),
            Relapsed,
        )
        .reason("acted on by starting 2L Kd"),
        case(
            "a single worsening, a new line 91 days later: not confirmed by it",
            vrd(patient(), 900, 600, |l| l.response(Response::VeryGoodPartial))
                .disease_status(disease_status::WORSENED, 400)
                .give(rx("Kd").from(309))
                .line(ID, line("Kd", KD).from(309).response(Response::Partial)),
            InsufficientData,
        )
        .missing("a second consecutive assessment"),
        case(
            "triple-class: progressions within 60 days of the last doses",
            three_classes(60),
            Refractory,
        )
        .label("triple-class refractory myeloma")
        .reason("anti cd38 antibody: daratumumab"),
        case(
            "daratumumab's progression 61 days after its last dose: not anti-CD38 refractory",
            three_classes(61),
            Refractory,
        )
        .label(RRMM),
        case(
            "VRd stable disease, DPd begun the next day and not yet assessed: not anti-CD38 refractory",
            vrd_stable_then_dpd(),
            Refractory,
        )
        .label("primary refractory myeloma"),
        case(
            "entered lines: VRd stable disease, DPd not yet assessed: not anti-CD38 refractory",
            entered_vrd_stable_then_dpd(|l| l),
            Refractory,
        )
        .label("primary refractory myeloma"),
        case(
            "entered lines: VRd then DPd ended with stable disease after 30 days: triple-class",
            entered_vrd_stable_then_dpd(|l| {
                l.until(90)
                    .response(Response::Stable)
                    .stopped(StopReason::LackOfEfficacy)
            }),
            Refractory,
        )
        .label("triple-class refractory myeloma")
        .reason("daratumumab (never reached MR)"),
        case(
            "daratumumab stopped 60 days before its line's stable disease was assessed: judged by it",
            dvd_with_daratumumab_until(360),
            Refractory,
        )
        .label("triple-class refractory myeloma")
        .reason("daratumumab (never reached MR)"),
        case(
            "daratumumab stopped 61 days before its line's stable disease was assessed: not judged by it",
            dvd_with_daratumumab_until(361),
            Refractory,
        )
        .label(RRMM),
        case(
            "induction, transplant and maintenance are one line: progression on maintenance is on therapy",
            planned_sequence()
                .disease_status(disease_status::WORSENED, 60)
                .disease_status(disease_status::WORSENED, 40),
            Refractory,
        )
        .label(RRMM)
        .reason("1L")
        .reason("progression on therapy"),
        case(
            "lenalidomide maintenance at a reduced dose: refractory to lenalidomide, said so",
            planned_sequence()
                .disease_status(disease_status::WORSENED, 60)
                .disease_status(disease_status::WORSENED, 40),
            Refractory,
        )
        .reason("maintenance at 10 mg/d"),
    ]
}

/// The lines derived for the myeloma rule set from the record's drugs.
fn derived(vignette: Vignette) -> Vec<refract::domain::TreatmentLine> {
    let record = vignette.record();
    super::support::rules()
        .derive_lines(&record, super::support::today())
        .into_iter()
        .filter(|l| l.ruleset == ID)
        .collect()
}

#[test]
fn a_planned_induction_transplant_maintenance_sequence_is_one_line() {
    let lines = derived(planned_sequence());
    assert_eq!(
        lines.len(),
        1,
        "{:#?}",
        lines
            .iter()
            .map(|l| (&l.regimen, l.start, l.end, &l.cut_reason))
            .collect::<Vec<_>>()
    );
    assert_eq!(lines[0].end, None, "maintenance is ongoing");
}

#[test]
fn an_unplanned_addition_or_a_later_transplant_starts_a_new_line() {
    // Daratumumab added after a confirmed progression on maintenance: a new line.
    let lines = derived(
        planned_sequence()
            .disease_status(disease_status::WORSENED, 60)
            .disease_status(disease_status::WORSENED, 40)
            .give(rx("Daratumumab 1800 mg").from(30)),
    );
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(lines[1].regimen.contains("daratumumab"), "{lines:#?}");

    // A second transplant two years after the first (not a planned tandem): a new line.
    let lines = derived(
        patient()
            .give(rx("Bortezomib 1.3 mg/m2").from(1200).until(1060))
            .give(rx("Lenalidomide 25 mg/d").from(1200).until(1060))
            .give(rx("Melphalan 200 mg/m2").from(1030).until(1029))
            .procedure("refract:asct", "Autologous stem cell transplant", 1028)
            .give(rx("Lenalidomide 10 mg/d").from(930).until(400))
            .give(rx("Melphalan 200 mg/m2").from(300).until(299))
            .procedure("refract:asct", "Autologous stem cell transplant", 298),
    );
    assert_eq!(lines.len(), 2, "{lines:#?}");

    // A planned tandem: the second transplant within 6 months of the first is the same line.
    let lines = derived(
        patient()
            .give(rx("Bortezomib 1.3 mg/m2").from(700).until(560))
            .give(rx("Lenalidomide 25 mg/d").from(700).until(560))
            .give(rx("Melphalan 200 mg/m2").from(530).until(529))
            .procedure("refract:asct", "Autologous stem cell transplant", 528)
            .give(rx("Melphalan 200 mg/m2").from(420).until(419))
            .procedure("refract:asct", "Autologous stem cell transplant", 418)
            .give(rx("Lenalidomide 10 mg/d").from(330)),
    );
    assert_eq!(lines.len(), 1, "{lines:#?}");
}

#[test]
fn myeloma_cases() {
    run(ID, &cases());
}

/// Lenalidomide refractory only on maintenance at a reduced dose, then DKd (daratumumab,
/// carfilzomib) stopped for progression: triple-class refractory when progression at a
/// maintenance dose counts (the default), not otherwise.
fn refractory_to_reduced_maintenance_then_dkd() -> Vignette {
    planned_sequence()
        .disease_status(disease_status::WORSENED, 60)
        .disease_status(disease_status::WORSENED, 40)
        .give(
            rx("Daratumumab 1800 mg/wk")
                .from(38)
                .until(1)
                .stopped(StopReason::Progression),
        )
        .give(
            rx("Carfilzomib 56 mg/m2")
                .from(38)
                .until(1)
                .stopped(StopReason::Progression),
        )
}

#[test]
fn progression_on_a_reduced_maintenance_dose_counts_as_refractory_unless_the_rule_says_not() {
    let record = refractory_to_reduced_maintenance_then_dkd().record();
    let rules = super::support::rules();
    let assessment = rules
        .evaluate_one(&record, rules.get(ID).unwrap(), super::support::today())
        .unwrap();
    assert_eq!(
        assessment.label,
        "triple-class refractory myeloma",
        "{}",
        super::support::describe(&assessment)
    );
    assert!(
        assessment
            .reasons
            .iter()
            .any(|r| r.contains("lenalidomide maintenance at 10 mg/d (25 mg/d earlier in the line): counted as refractory")),
        "{}",
        super::support::describe(&assessment)
    );

    let text = refract::rules::EMBEDDED
        .iter()
        .find(|(id, _)| *id == ID)
        .map(|(_, text)| *text)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("myeloma.toml"),
        text.replace(
            "reduced_maintenance_counts = true",
            "reduced_maintenance_counts = false",
        ),
    )
    .unwrap();
    let strict = refract::rules::Rules::load(Some(dir.path())).unwrap();
    let assessment = strict
        .evaluate_one(&record, strict.get(ID).unwrap(), super::support::today())
        .unwrap();
    assert_eq!(assessment.status, Refractory);
    assert_eq!(
        assessment.label,
        RRMM,
        "{}",
        super::support::describe(&assessment)
    );
}
