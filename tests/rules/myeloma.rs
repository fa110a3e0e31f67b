//! Relapsed and refractory multiple myeloma (IMWG, `assets/rules/myeloma.toml`): the latest line
//! with an outcome decides; progression on therapy or within 60 days of the last dose is
//! refractory, later progression after a response is relapse; primary refractory (never a
//! minimal response) and triple-class refractory (PI, IMiD, anti-CD38; MAMMOTH) labels.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use refract::domain::AssessmentStatus::{InsufficientData, NotMet, Refractory, Relapsed};
use refract::domain::observation_codes::disease_status;
use refract::domain::{Comparator, Response, StopReason};

use super::support::{Case, LineSpec, Vignette, ago, case, line, run, rx};

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
    planned_sequence_with(("refract:asct", "Autologous stem cell transplant"))
}

/// As [`planned_sequence`], with the transplant recorded as `(code, display)`.
fn planned_sequence_with((code, display): (&str, &str)) -> Vignette {
    patient()
        .give(rx("Bortezomib 1.3 mg/m2").from(700).until(560))
        .give(rx("Lenalidomide 25 mg/d").from(700).until(560))
        .give(rx("Dexamethasone 40 mg/wk").from(700).until(560))
        .give(rx("Melphalan 200 mg/m2").from(530).until(529))
        .procedure(code, display, 528)
        .disease_status(disease_status::FULL_REMISSION, 450)
        .give(rx("Lenalidomide 10 mg/d").from(430))
}

/// A VRd line of `days` days with stable disease, ended with no stop reason.
fn stable_disease_for(days: i64) -> Vignette {
    vrd(patient(), 100, 100 - days, |l| l.response(Response::Stable))
}

/// As [`vrd_stable_then_dpd`], the VRd assessment 125 days ago stored as `status` (a trend
/// code, or refract's own code of a response read from words).
fn vrd_assessed_then_dpd(status: &str) -> Vignette {
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
        .disease_status(status, 125)
        .give(rx("Daratumumab 1800 mg").from(120))
        .give(rx("Pomalidomide 4 mg/d").from(120))
        .give(rx("Dexamethasone 40 mg/wk").from(120))
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

/// Every vignette of the table: the recorded outcomes, then the M-protein and free light chain
/// series.
pub fn cases() -> Vec<Case> {
    let mut cases = recorded_cases();
    cases.extend(m_protein_cases());
    cases
}

/// Vignettes whose outcomes are recorded (a response, a progression, a disease status).
fn recorded_cases() -> Vec<Case> {
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
            "triple-class: progressions within 60 days of the last doses (two PIs and two IMiDs: penta-refractory)",
            three_classes(60),
            Refractory,
        )
        .label("penta-refractory myeloma")
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
        // A response read from a status's words keeps its depth: a minimal response (IMWG:
        // the threshold of primary refractoriness) is no primary refractoriness, a VGPR
        // neither, while stable disease read from words is.
        case(
            "VRd minimal response read from words, DPd not yet assessed: not primary refractory",
            vrd_assessed_then_dpd("refract:response:MR"),
            NotMet,
        ),
        case(
            "VRd VGPR read from words, DPd not yet assessed: not primary refractory",
            vrd_assessed_then_dpd("refract:response:VGPR"),
            NotMet,
        ),
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
        .reason("daratumumab (never reached MR;"),
        case(
            "daratumumab stopped 60 days before its line's stable disease was assessed: judged by it",
            dvd_with_daratumumab_until(360),
            Refractory,
        )
        .label("triple-class refractory myeloma")
        .reason("daratumumab (never reached MR;"),
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

/// The transplant of a planned sequence is known by its SNOMED CT, CPT and ICD-10-PCS codes and
/// by its usual wordings.
#[test]
fn a_planned_sequence_knows_the_transplant_however_it_is_coded() {
    for transplant in [
        (
            "425983008",
            "Autologous peripheral blood stem cell transplant",
        ),
        ("58776007", "Autologous bone marrow transplant"),
        (
            "38241",
            "Hematopoietic progenitor cell (HPC); autologous transplantation",
        ),
        ("30233Y0", ""),
        (
            "x-1",
            "Transplantation of autologous hematopoietic stem cells",
        ),
        ("x-2", "Auto-HSCT"),
    ] {
        let lines = derived(planned_sequence_with(transplant));
        assert_eq!(lines.len(), 1, "{transplant:?}: {lines:#?}");
    }
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
    run(ID, &recorded_cases());
}

#[test]
fn m_protein_series_cases() {
    run(ID, &m_protein_cases());
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

/// Serum M-protein as laboratories code and name it (LOINC 33358-3).
const SERUM_M_PROTEIN: (&str, &str) = (
    "33358-3",
    "Protein.monoclonal [Mass/volume] in Serum or Plasma by Electrophoresis",
);

/// Serum M-protein values, each `(value, days ago)`, in `unit`.
fn m_protein_in(v: Vignette, unit: &str, values: &[(f64, i64)]) -> Vignette {
    values.iter().fold(v, |v, (value, days)| {
        v.observe(SERUM_M_PROTEIN.0, SERUM_M_PROTEIN.1, *value, unit, *days)
    })
}

/// Serum M-protein values in g/dL.
fn m_protein(v: Vignette, values: &[(f64, i64)]) -> Vignette {
    m_protein_in(v, "g/dL", values)
}

/// VRd from 600 days ago, ongoing, no response recorded, with serum M-protein `values` in
/// `unit`.
fn on_vrd_in(unit: &str, values: &[(f64, i64)]) -> Vignette {
    m_protein_in(
        patient()
            .give(rx("VRd").from(600))
            .line(ID, line("VRd", VRD).from(600)),
        unit,
        values,
    )
}

/// [`on_vrd_in`] in g/dL.
fn on_vrd(values: &[(f64, i64)]) -> Vignette {
    on_vrd_in("g/dL", values)
}

/// 6.0 g/dL at baseline, 3.0 and 2.4 g/dL on VRd (a partial response; the nadir 2.4 g/dL), then
/// `later`.
fn from_nadir_2_4(later: &[(f64, i64)]) -> Vec<(f64, i64)> {
    [&[(6.0, 610), (3.0, 500), (2.4, 450)], later].concat()
}

/// VRd from 600 to 300 days ago, no response recorded: serum M-protein 3.0 g/dL at baseline, 1.0
/// and 0.9 g/dL on therapy (partial response), then 1.5 and 1.6 g/dL from `after` days after the
/// last dose (a progression, confirmed).
fn m_protein_progression_after_last_dose(after: i64) -> Vignette {
    m_protein(
        vrd(patient(), 600, 300, |l| l),
        &[
            (3.0, 610),
            (1.0, 500),
            (0.9, 400),
            (0.9, 310),
            (1.5, 300 - after),
            (1.6, 300 - after - 14),
        ],
    )
}

/// Triple-class refractory shown by the serum M-protein alone (no response, progression or stop
/// reason recorded): 1L VRd from 1100 to 900 days ago (4.0 → 1.0, 0.8 g/dL: partial response),
/// progression 30 days after its last dose (1.6, 1.8 g/dL); 2L DPd from 840 to 500 days ago (1.8
/// → 0.8, 0.7: partial response), progression 60 days after its last dose (1.3, 1.4); 3L Kd from
/// 420 to 100 days ago (1.4 → 1.0, 1.0: minimal response), progression on it 200 days ago (1.6,
/// 1.7).
fn three_classes_by_m_protein() -> Vignette {
    let v = patient()
        .give(rx("VRd").from(1100).until(900))
        .line(ID, line("VRd", VRD).from(1100).until(900))
        .give(rx("DPd").from(840).until(500))
        .line(
            ID,
            line("DPd", &["daratumumab", "pomalidomide", "dexamethasone"])
                .from(840)
                .until(500),
        )
        .give(rx("Kd").from(420).until(100))
        .line(ID, line("Kd", KD).from(420).until(100));
    m_protein(
        v,
        &[
            (4.0, 1110),
            (1.0, 1000),
            (0.8, 920),
            (1.6, 870),
            (1.8, 856),
            (0.8, 700),
            (0.7, 600),
            (1.3, 440),
            (1.4, 430),
            (1.0, 300),
            (1.0, 280),
            (1.6, 200),
            (1.7, 190),
        ],
    )
}

/// Serum free kappa and lambda light chains (LOINC 36916-5, 33944-0), each `(kappa, lambda,
/// days ago)` in mg/L.
fn light_chains(v: Vignette, values: &[(f64, f64, i64)]) -> Vignette {
    values.iter().fold(v, |v, (kappa, lambda, days)| {
        v.observe(
            "36916-5",
            "Kappa light chains.free [Mass/volume] in Serum",
            *kappa,
            "mg/L",
            *days,
        )
        .observe(
            "33944-0",
            "Lambda light chains.free [Mass/volume] in Serum",
            *lambda,
            "mg/L",
            *days,
        )
    })
}

/// Urine free kappa and lambda light chains as LOINC names them (the same words as the serum's
/// but "in Urine"), under a local code, each `(kappa, lambda, days ago)` in mg/L.
fn urine_light_chains(v: Vignette, values: &[(f64, f64, i64)]) -> Vignette {
    values.iter().fold(v, |v, (kappa, lambda, days)| {
        v.observe(
            "local-ukappa",
            "Kappa light chains.free [Mass/volume] in Urine",
            *kappa,
            "mg/L",
            *days,
        )
        .observe(
            "local-ulambda",
            "Lambda light chains.free [Mass/volume] in Urine",
            *lambda,
            "mg/L",
            *days,
        )
    })
}

/// Light-chain myeloma (no serum M-protein) on VRd from 600 days ago, ongoing, a partial
/// response recorded: kappa 400, 60 and 50 mg/L with lambda 10 mg/L (the involved-minus-
/// uninvolved difference 39, 5 and 4 mg/dL: the nadir 4 mg/dL), then `later`.
fn kappa_on_vrd(later: &[(f64, f64, i64)]) -> Vignette {
    light_chains(
        patient()
            .give(rx("VRd").from(600))
            .line(ID, line("VRd", VRD).from(600).response(Response::Partial)),
        &[
            &[(400.0, 10.0, 610), (60.0, 10.0, 500), (50.0, 10.0, 450)],
            later,
        ]
        .concat(),
    )
}

/// 24-hour urine M-protein values, each `(mg/24 h, days ago)`, on VRd from 600 days ago,
/// ongoing, a partial response recorded (no serum M-protein).
fn urine_on_vrd(values: &[(f64, i64)]) -> Vignette {
    values.iter().fold(
        patient()
            .give(rx("VRd").from(600))
            .line(ID, line("VRd", VRD).from(600).response(Response::Partial)),
        |v, (value, days)| {
            v.observe(
                "UPEP-M",
                "Protein.monoclonal [Mass/time] in 24 hour Urine",
                *value,
                "mg/(24.h)",
                *days,
            )
        },
    )
}

/// Progression and response read from the M-protein and free light chain series (IMWG 2016),
/// with no outcome recorded unless the case says so.
fn m_protein_cases() -> Vec<Case> {
    vec![
        case(
            "M-protein 25 % above its nadir twice in a row: progression on therapy",
            on_vrd(&from_nadir_2_4(&[(3.0, 200), (3.1, 150)])),
            Refractory,
        )
        .reason("progression on therapy")
        .reason("M-protein 2.4 g/dL")
        .reason("progression confirmed"),
        case(
            "M-protein 24 % above its nadir twice in a row: no progression",
            on_vrd(&from_nadir_2_4(&[(2.976, 200), (2.99, 150)])),
            NotMet,
        )
        .reason("partial response")
        .no_reason("progression confirmed"),
        case(
            "M-protein 0.5 g/dL above a nadir of 1.0 twice in a row: progression",
            on_vrd(&[(2.5, 610), (1.0, 500), (1.0, 450), (1.5, 200), (1.6, 150)]),
            Refractory,
        )
        .reason("progression confirmed"),
        case(
            "M-protein 0.4 g/dL above a nadir of 1.0 (40 %) twice in a row: no progression",
            on_vrd(&[(2.5, 610), (1.0, 500), (1.0, 450), (1.4, 200), (1.45, 150)]),
            NotMet,
        )
        .no_reason("progression confirmed"),
        case(
            "a nadir of 5 g/dL: 1 g/dL above it (20 %) twice in a row is progression",
            on_vrd(&[(12.0, 610), (6.0, 500), (5.0, 450), (6.0, 200), (6.1, 150)]),
            Refractory,
        )
        .reason("progression confirmed"),
        case(
            "a nadir of 5 g/dL: 0.9 g/dL above it is no progression",
            on_vrd(&[(12.0, 610), (6.0, 500), (5.0, 450), (5.9, 200), (5.95, 150)]),
            NotMet,
        ),
        case(
            "a nadir of 4.9 g/dL: 1 g/dL above it (20 %) is no progression",
            on_vrd(&[(12.0, 610), (6.0, 500), (4.9, 450), (5.9, 200), (5.95, 150)]),
            NotMet,
        ),
        case(
            "one M-protein rise so far: progression pending its confirmation",
            on_vrd(&from_nadir_2_4(&[(3.0, 200)])),
            InsufficientData,
        )
        .missing("a second consecutive assessment confirming the progression")
        .missing("M-protein 2.4 g/dL"),
        case(
            "an M-protein rise the next value refutes: no progression, said so",
            on_vrd(&from_nadir_2_4(&[(3.0, 200), (2.5, 150)])),
            NotMet,
        )
        .reason("not confirmed"),
        case(
            "M-protein progression 59 days after the last dose: relapsed and refractory",
            m_protein_progression_after_last_dose(59),
            Refractory,
        )
        .label(RRMM)
        .reason("59 days after the last dose"),
        case(
            "M-protein progression 61 days after the last dose: relapsed",
            m_protein_progression_after_last_dose(61),
            Relapsed,
        )
        .reason("responded (PR)"),
        case(
            "M-protein in g/L: 25 % above its nadir twice in a row, progression",
            on_vrd_in(
                "g/L",
                &[
                    (60.0, 610),
                    (30.0, 500),
                    (24.0, 450),
                    (30.0, 200),
                    (31.0, 150),
                ],
            ),
            Refractory,
        )
        .reason("progression confirmed")
        .reason("24 g/L"),
        case(
            "M-protein in g/L: 24 % above its nadir, no progression",
            on_vrd_in(
                "g/L",
                &[
                    (60.0, 610),
                    (30.0, 500),
                    (24.0, 450),
                    (29.76, 200),
                    (29.9, 150),
                ],
            ),
            NotMet,
        ),
        case(
            "M-protein in mg/dL: 500 mg/dL above a nadir of 1000 twice in a row, progression",
            on_vrd_in(
                "mg/dL",
                &[
                    (2500.0, 610),
                    (1000.0, 500),
                    (1000.0, 450),
                    (1500.0, 200),
                    (1600.0, 150),
                ],
            ),
            Refractory,
        )
        .reason("progression confirmed"),
        case(
            "an M-protein without a unit is not read",
            on_vrd_in("", &from_nadir_2_4(&[(3.0, 200), (3.1, 150)])),
            InsufficientData,
        )
        .reason("no unit"),
        case(
            "M-protein alone: a 10 % fall on VRd is stable disease, primary refractory",
            m_protein(
                vrd(patient(), 300, 150, |l| l),
                &[(3.0, 310), (2.8, 250), (2.7, 160)],
            ),
            Refractory,
        )
        .label("primary refractory myeloma")
        .reason("stable disease"),
        case(
            "recorded VGPR, but the M-protein fell 10 %: the M-protein decides",
            m_protein(
                vrd(patient(), 300, 150, |l| {
                    l.response(Response::VeryGoodPartial)
                }),
                &[(3.0, 310), (2.8, 250), (2.7, 160)],
            ),
            Refractory,
        )
        .label("primary refractory myeloma")
        .reason("conflicting evidence")
        .confounder("conflicting_evidence"),
        case(
            "recorded stable disease, but the M-protein fell 63 %: the M-protein decides",
            m_protein(
                vrd(patient(), 300, 150, |l| l.response(Response::Stable)),
                &[(3.0, 310), (1.2, 250), (1.1, 160)],
            ),
            NotMet,
        )
        .reason("conflicting evidence"),
        case(
            "a partial response shown by one M-protein value only, the line over: unconfirmed",
            m_protein(vrd(patient(), 300, 150, |l| l), &[(3.0, 310), (1.2, 160)]),
            InsufficientData,
        )
        .missing("not confirmed"),
        case(
            "one M-protein value on a running line, a 7 % fall: pending, not stable disease",
            m_protein(
                patient()
                    .give(rx("VRd").from(57))
                    .line(ID, line("VRd", VRD).from(57)),
                &[(3.0, 60), (2.8, 50)],
            ),
            InsufficientData,
        )
        .missing("a second value")
        .no_reason("best response from the serum M-protein"),
        case(
            "recorded PR, one M-protein value 7 % down on a running line: the PR stands",
            m_protein(
                patient()
                    .give(rx("VRd").from(57))
                    .line(ID, line("VRd", VRD).from(57).response(Response::Partial)),
                &[(3.0, 60), (2.8, 50)],
            ),
            NotMet,
        )
        .no_reason("conflicting evidence")
        .no_confounder("conflicting_evidence"),
        case(
            "one M-protein value short of MR, the line over: unknown, not stable disease",
            m_protein(vrd(patient(), 300, 150, |l| l), &[(3.0, 310), (2.8, 250)]),
            InsufficientData,
        )
        .missing("not confirmed")
        .no_reason("best response from the serum M-protein"),
        case(
            "triple-class refractory from the M-protein series alone (two PIs and two IMiDs: penta-refractory)",
            three_classes_by_m_protein(),
            Refractory,
        )
        .label("penta-refractory myeloma")
        .reason("refractory to every class")
        .reason("anti cd38 antibody: daratumumab"),
        case(
            "free light chains: the difference 10.1 mg/dL above its nadir twice, progression",
            kappa_on_vrd(&[(151.0, 10.0, 200), (152.0, 10.0, 150)]),
            Refractory,
        )
        .reason("free light chain")
        .reason("progression confirmed"),
        case(
            "urine free light chains are not read into the serum difference series",
            urine_light_chains(kappa_on_vrd(&[]), &[(300.0, 10.0, 200), (310.0, 10.0, 150)]),
            NotMet,
        )
        .no_reason("progression confirmed"),
        case(
            "free light chains: the difference 10 mg/dL above its nadir, no progression",
            kappa_on_vrd(&[(150.0, 10.0, 200), (150.0, 10.0, 150)]),
            NotMet,
        ),
        case(
            "free light chains, lambda involved: progression",
            light_chains(
                patient()
                    .give(rx("VRd").from(600))
                    .line(ID, line("VRd", VRD).from(600).response(Response::Partial)),
                &[
                    (10.0, 400.0, 610),
                    (10.0, 50.0, 450),
                    (10.0, 200.0, 200),
                    (10.0, 210.0, 150),
                ],
            ),
            Refractory,
        )
        .reason("lambda"),
        case(
            "free light chains are not read while the serum M-protein is measurable",
            light_chains(
                on_vrd(&[(3.0, 610), (1.2, 500), (1.1, 450), (1.1, 200), (1.1, 150)]),
                &[
                    (400.0, 10.0, 610),
                    (50.0, 10.0, 450),
                    (200.0, 10.0, 200),
                    (210.0, 10.0, 150),
                ],
            ),
            NotMet,
        )
        .no_reason("progression confirmed"),
        case(
            "urine M-protein 200 mg/24 h above its nadir twice in a row: progression",
            urine_on_vrd(&[
                (1000.0, 610),
                (100.0, 500),
                (100.0, 450),
                (300.0, 200),
                (320.0, 150),
            ]),
            Refractory,
        )
        .reason("urine")
        .reason("progression confirmed"),
        case(
            "one M-protein rise, then a new line before the next value: acted on, relapsed",
            m_protein(
                vrd(patient(), 900, 600, |l| l),
                &[(3.0, 910), (1.0, 800), (0.9, 700), (1.6, 400)],
            )
            .give(rx("Kd").from(390))
            .line(ID, line("Kd", KD).from(390).response(Response::Partial)),
            Relapsed,
        )
        .reason("acted on by starting 2L Kd"),
        case(
            "M-protein gone (100 % fall) with no response recorded: VGPR, never CR from it alone",
            m_protein(
                vrd(patient(), 300, 150, |l| l),
                &[(3.0, 310), (0.0, 250), (0.0, 160)],
            ),
            NotMet,
        )
        .reason("best response from the serum M-protein: very good partial response"),
        case(
            "recorded CR, the M-protein gone: they agree, no conflict",
            m_protein(
                vrd(patient(), 300, 150, |l| l.response(Response::Complete)),
                &[(3.0, 310), (0.0, 250), (0.0, 160)],
            ),
            NotMet,
        )
        .no_reason("conflicting evidence")
        .no_reason("recorded best response CR"),
        case(
            "urine M-protein 199 mg/24 h above its nadir: no progression",
            urine_on_vrd(&[
                (1000.0, 610),
                (100.0, 500),
                (100.0, 450),
                (299.0, 200),
                (299.0, 150),
            ]),
            NotMet,
        ),
    ]
}

#[test]
fn a_progression_shown_by_the_m_protein_ends_a_planned_sequence() {
    // Carfilzomib started 98 days after the transplant would continue the planned sequence
    // (consolidation), but the M-protein progressed in between: a new line.
    let lines = derived(m_protein(
        planned_sequence().give(rx("Carfilzomib 56 mg/m2").from(430)),
        &[(3.0, 710), (0.4, 560), (0.3, 540), (1.0, 450), (1.1, 440)],
    ));
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(lines[1].regimen.contains("carfilzomib"), "{lines:#?}");
}

/// VRd as drug records from 900 to 700 days ago (VGPR), a confirmed progression, then a CAR
/// T-cell infusion 300 days ago recorded only as the procedure `(code, display)`.
fn car_t_procedure((code, display): (&str, &str)) -> Vignette {
    patient()
        .give(rx("Bortezomib 1.3 mg/m2").from(900).until(700))
        .give(rx("Lenalidomide 25 mg/d").from(900).until(700))
        .give(rx("Dexamethasone 40 mg/wk").from(900).until(700))
        .disease_status(disease_status::PARTIAL_REMISSION, 750)
        .disease_status(disease_status::WORSENED, 400)
        .disease_status(disease_status::WORSENED, 380)
        .procedure(code, display, 300)
}

/// A CAR T-cell infusion recorded only as a procedure is a line of therapy, as the product is
/// when it comes as a drug record (IMWG 2015: a single agent is a line), whatever codes or words
/// say it; the collection of the cells is no line, and a drug record of the product beside the
/// procedure is one infusion, one line.
#[test]
fn a_car_t_infusion_recorded_as_a_procedure_is_a_line() {
    for infusion in [
        ("0540T", "CAR-T cell administration, autologous"),
        ("0540T", ""),
        ("Q2056", ""),
        ("XW033C7", ""),
        // Review r4 R4-2: the current codes, sent alone.
        ("38228", ""),
        ("XW033A7", ""),
        ("XW043K7", ""),
        ("x-1", "Chimeric antigen receptor T-cell therapy"),
        ("x-2", "Ciltacabtagene autoleucel infusion"),
        ("x-3", "Abecma infusion"),
        ("x-4", "CAR T cell infusion"),
    ] {
        let lines = derived(car_t_procedure(infusion));
        assert_eq!(
            lines.len(),
            2,
            "{infusion:?}: {:#?}",
            lines
                .iter()
                .map(|l| (&l.regimen, l.start, l.end))
                .collect::<Vec<_>>()
        );
        assert_eq!(lines[1].start, super::support::ago(300), "{infusion:?}");
    }
    for not_a_line in [
        ("0537T", "CAR-T: harvesting of blood-derived T lymphocytes"),
        ("x-5", "Leukapheresis for CAR T-cell manufacture"),
        ("x-6", "Referral for CAR T-cell therapy"),
    ] {
        let lines = derived(car_t_procedure(not_a_line));
        assert_eq!(lines.len(), 1, "{not_a_line:?}: {lines:#?}");
    }
    // A product code names its product: the line is that product's, as its drug record's.
    for (code, product) in [
        ("XW033A7", "ciltacabtagene autoleucel"),
        ("XW043K7", "idecabtagene vicleucel"),
    ] {
        let lines = derived(car_t_procedure((code, "")));
        assert!(
            lines[1].drugs.iter().any(|d| d.ingredient == product),
            "{code}: {lines:#?}"
        );
    }
    let both = car_t_procedure(("0540T", "CAR-T cell administration, autologous"))
        .give(rx("ciltacabtagene autoleucel").from(300).until(300));
    let lines = derived(both);
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(
        lines[1]
            .drugs
            .iter()
            .all(|d| d.ingredient != "CAR T-cell therapy"),
        "{lines:#?}"
    );
}

/// Progression confirmed within 60 days of a CAR T-cell infusion recorded only as a procedure,
/// after a response to an earlier line: relapsed and refractory (IMWG), as it is when the
/// product comes as a drug record.
#[test]
fn progression_soon_after_a_car_t_procedure_is_refractory() {
    run(
        ID,
        &[case(
            "VRd (PR), progression, CAR-T (procedure), progression 30 days after it",
            car_t_procedure(("0540T", "CAR-T cell administration, autologous"))
                .disease_status(disease_status::WORSENED, 270)
                .disease_status(disease_status::WORSENED, 256),
            Refractory,
        )
        .label(RRMM)],
    );
}

/// VRd from 400 days ago, ongoing, no response recorded: serum M-protein 3.0 g/dL at baseline,
/// 1.0 and 0.9 g/dL (the nadir; a partial response) in g/dL, then `later` in `unit`.
fn on_vrd_then_in(unit: &str, later: &[(f64, i64)]) -> Vignette {
    m_protein_in(
        m_protein(
            patient()
                .give(rx("VRd").from(400))
                .line(ID, line("VRd", VRD).from(400)),
            &[(3.0, 405), (1.0, 300), (0.9, 240)],
        ),
        unit,
        later,
    )
}

/// M-protein values refract cannot read (no unit, a unit it does not convert, a lower bound,
/// two values at one time) that could change the decision leave it undecided, with what would
/// decide it missing; those that could not stay a note.
fn unread_cases() -> Vec<Case> {
    vec![
        case(
            "two M-protein values after the nadir with no unit: undecided, their unit missing",
            on_vrd_then_in("", &[(1.5, 120), (1.8, 60)]),
            InsufficientData,
        )
        .missing("the unit of")
        .missing("1.5 on")
        .missing("1.8 on")
        .reason("no unit"),
        case(
            "one M-protein value after the nadir in a unit refract does not convert: undecided",
            on_vrd_then_in("mmol/L", &[(1.5, 60)]),
            InsufficientData,
        )
        .missing("in a unit refract reads"),
        case(
            "an M-protein lower bound after the nadir: undecided",
            on_vrd_then_in("g/dL", &[(1.5, 60)]).bounded(Comparator::AtLeast),
            InsufficientData,
        )
        .missing("lower bound"),
        case(
            "two different M-protein values at one time after the nadir: undecided",
            on_vrd_then_in("g/dL", &[(0.9, 60), (1.9, 60)]),
            InsufficientData,
        )
        .missing("at the same time"),
        case(
            "a confirmed M-protein progression before a value not read: refractory stands",
            on_vrd_then_in("g/dL", &[(1.5, 120), (1.8, 90)]).observe(
                SERUM_M_PROTEIN.0,
                SERUM_M_PROTEIN.1,
                2.0,
                "",
                60,
            ),
            Refractory,
        )
        .reason("progression confirmed"),
        case(
            "an M-protein with no unit before every value read changes nothing: a note",
            on_vrd_then_in("g/dL", &[(0.9, 120), (0.95, 60)]).observe(
                SERUM_M_PROTEIN.0,
                SERUM_M_PROTEIN.1,
                30.0,
                "",
                700,
            ),
            NotMet,
        )
        .reason("no unit")
        .no_missing(),
    ]
}

#[test]
fn an_m_protein_value_not_read_that_could_change_the_decision_leaves_it_undecided() {
    run(ID, &unread_cases());
}

/// A light-chain story: serum M-protein not measurable (0.3, 0.2, 0.2 g/dL), VRd from 400 days
/// ago, ongoing, no response recorded; a 24-hour urine M-protein named `name` in `unit` with
/// `values` (`(value, days ago)`).
fn urine_named(name: &str, unit: &str, values: &[(f64, i64)]) -> Vignette {
    values.iter().fold(
        m_protein(
            patient()
                .give(rx("VRd").from(400))
                .line(ID, line("VRd", VRD).from(400)),
            &[(0.3, 405), (0.2, 240), (0.2, 60)],
        ),
        |v, (value, days)| v.observe("LOCAL-UPEP", name, *value, unit, *days),
    )
}

/// 1500 mg/24 h at baseline, 300 and 100 (the nadir; −93 %), then 400 and 550 on therapy: a
/// response, then progression confirmed.
const URINE_STORY: &[(f64, i64)] = &[
    (1500.0, 405),
    (300.0, 300),
    (100.0, 240),
    (400.0, 120),
    (550.0, 60),
];

/// A 24-hour urine M-protein named as laboratories print it is the urine series, by its words
/// or its unit; other urine tests that share its words are not, and are said.
fn urine_name_cases() -> Vec<Case> {
    let mut cases: Vec<Case> = [
        (
            "M-spike, 24 hr urine",
            "urine M-protein as 'M-spike, 24 hr urine'",
        ),
        (
            "Monoclonal protein, 24 hour urine",
            "urine M-protein as 'Monoclonal protein, 24 hour urine'",
        ),
        ("UPEP M-spike", "urine M-protein as 'UPEP M-spike'"),
        (
            "Urine M protein 24h",
            "urine M-protein as 'Urine M protein 24h'",
        ),
        (
            "Paraprotein, urine 24 hour",
            "urine M-protein as 'Paraprotein, urine 24 hour'",
        ),
        (
            "M-component (urine)",
            "urine M-protein as 'M-component (urine)'",
        ),
        (
            "Urinary paraprotein",
            "urine M-protein as 'Urinary paraprotein'",
        ),
    ]
    .into_iter()
    .map(|(name, title)| {
        case(
            title,
            urine_named(name, "mg/(24.h)", URINE_STORY),
            Refractory,
        )
        .reason("urine M-protein 100 mg/24 h (")
        .reason("progression confirmed")
    })
    .collect();
    cases.extend([
        case(
            "an M-spike with no specimen in mg/24 h is the urine's by its unit",
            urine_named("M-spike", "mg/24 h", URINE_STORY),
            Refractory,
        )
        .reason("urine M-protein 100 mg/24 h (")
        .no_reason("not one refract reads"),
        case(
            "a urine M-protein to creatinine ratio is not the urine M-protein, and is said",
            urine_named("M-protein/creatinine ratio, urine", "mg/g", URINE_STORY),
            InsufficientData,
        )
        .no_reason("progression confirmed")
        .reason("not read as an M-protein"),
        case(
            "a 24-hour urine total protein is not the urine M-protein",
            urine_named("Total protein, 24 hr urine", "mg/(24.h)", URINE_STORY),
            InsufficientData,
        )
        .no_reason("progression confirmed"),
    ]);
    cases
}

#[test]
fn a_24_hour_urine_m_protein_is_read_by_its_words_and_its_unit() {
    run(ID, &urine_name_cases());
}

/// The urine M-protein decides a line's response when it is the measurable disease (IMWG 2016:
/// PR a fall of 90 % or to < 200 mg/24 h, MR 50–89 %, VGPR < 100 mg/24 h).
fn urine_response_cases() -> Vec<Case> {
    let urine = "Protein.monoclonal [Mass/time] in 24 hour Urine";
    vec![
        case(
            "urine-only measurable disease down 93 %, then progression: relapsed and refractory",
            urine_named(urine, "mg/(24.h)", URINE_STORY),
            Refractory,
        )
        .label(RRMM)
        .reason("best response from the urine M-protein: minimal response"),
        case(
            "urine-only measurable disease down 60 % twice: minimal response, not refractory",
            urine_named(
                urine,
                "mg/(24.h)",
                &[(1500.0, 405), (600.0, 300), (600.0, 240)],
            ),
            NotMet,
        )
        .reason("responded (MR)"),
        case(
            "urine-only measurable disease to below 200 mg/24 h twice: partial response",
            urine_named(
                urine,
                "mg/(24.h)",
                &[(400.0, 405), (190.0, 300), (150.0, 240)],
            ),
            NotMet,
        )
        .reason("responded (PR)"),
        case(
            "urine-only measurable disease below 100 mg/24 h twice: very good partial response",
            urine_named(
                urine,
                "mg/(24.h)",
                &[(1500.0, 405), (90.0, 300), (80.0, 240)],
            ),
            NotMet,
        )
        .reason("responded (VGPR)"),
        case(
            "urine-only measurable disease down 40 % on a line over: stable, primary refractory",
            m_protein(
                vrd(patient(), 300, 150, |l| l),
                &[(0.3, 310), (0.2, 250), (0.2, 160)],
            )
            .observe("LOCAL-UPEP", urine, 1000.0, "mg/(24.h)", 310)
            .observe("LOCAL-UPEP", urine, 700.0, "mg/(24.h)", 250)
            .observe("LOCAL-UPEP", urine, 600.0, "mg/(24.h)", 160),
            Refractory,
        )
        .label("primary refractory myeloma")
        .reason("best response from the urine M-protein: stable disease"),
        case(
            "a urine baseline below 200 mg/24 h is not measurable: no response from it",
            urine_named(
                urine,
                "mg/(24.h)",
                &[(150.0, 405), (20.0, 300), (10.0, 240)],
            ),
            InsufficientData,
        )
        .no_reason("best response from the urine M-protein"),
    ]
}

#[test]
fn a_line_response_is_read_from_the_urine_when_it_is_the_measurable_disease() {
    run(ID, &urine_response_cases());
}

/// VRd from 400 days ago, ongoing, no response recorded: serum M-protein 3.0 g/dL at baseline,
/// 1.0 and 0.9 g/dL (the nadir; a partial response), then `later` in g/dL and a test named
/// `name` with `value` in `unit` 90 days ago.
fn responding_with(name: &str, value: f64, unit: &str, later: &[(f64, i64)]) -> Vignette {
    on_vrd_then_in("g/dL", later).observe("LOCAL-X", name, value, unit, 90)
}

/// What the M-protein series read and what they set aside (IMWG 2016): a value not read is
/// undecided progression only while no later value settles it; other measures than the serum
/// concentration or the 24-hour urine amount are notes; a second band or a second copy of a
/// value at one visit never blocks the record.
fn reading_cases() -> Vec<Case> {
    vec![
        case(
            "an M-protein value not read, followed by two values that are no rise: not refractory",
            on_vrd_then_in("", &[(0.9, 120)])
                .observe(SERUM_M_PROTEIN.0, SERUM_M_PROTEIN.1, 0.85, "g/dL", 60)
                .observe(SERUM_M_PROTEIN.0, SERUM_M_PROTEIN.1, 0.85, "g/dL", 30),
            NotMet,
        )
        .reason("no unit")
        .no_missing(),
        case(
            "a value not read after a single rise could confirm it: undecided",
            on_vrd_then_in("g/dL", &[(1.5, 120), (0.9, 60)]).observe(
                SERUM_M_PROTEIN.0,
                SERUM_M_PROTEIN.1,
                1.6,
                "",
                90,
            ),
            InsufficientData,
        )
        .missing("the unit of"),
        case(
            "two values not read in a row, then no rise: they could be a confirmed rise, undecided",
            on_vrd_then_in("", &[(1.5, 120), (1.6, 90)]).observe(
                SERUM_M_PROTEIN.0,
                SERUM_M_PROTEIN.1,
                0.9,
                "g/dL",
                60,
            ),
            InsufficientData,
        )
        .missing("1.5 on")
        .missing("1.6 on"),
        case(
            "an M-spike in a unit no serum M-protein has (mg/g) is not the serum's, and is said",
            responding_with("M-spike", 900.0, "mg/g", &[(0.85, 60), (0.85, 30)]),
            NotMet,
        )
        .reason("not read as an M-protein")
        .no_missing(),
        case(
            "a urine M-spike in mg/dL is neither the serum's nor the 24-hour amount: a note",
            responding_with("M-Spike (urine)", 40.0, "mg/dL", &[(0.85, 60), (0.85, 30)]),
            NotMet,
        )
        .reason("not read as an M-protein")
        .no_reason("0.04 g/dL")
        .no_missing(),
        case(
            "a random urine M-spike concentration is not the 24-hour urine M-protein: a note",
            responding_with("M-spike, urine", 4.0, "mg/dL", &[(0.85, 60), (0.85, 30)])
                .observe("LOCAL-U24", "M-spike, 24 hr urine", 450.0, "mg/(24.h)", 405)
                .observe("LOCAL-U24", "M-spike, 24 hr urine", 60.0, "mg/(24.h)", 240),
            NotMet,
        )
        .reason("not read as an M-protein")
        .no_missing(),
        case(
            "a urine M-spike per creatinine (\"Creat\", mg/g) is not the 24-hour amount: a note",
            responding_with(
                "Urine M-spike/Creat",
                90.0,
                "mg/g",
                &[(0.85, 60), (0.85, 30)],
            )
            .observe("LOCAL-U24", "M-spike, 24 hr urine", 450.0, "mg/(24.h)", 405)
            .observe("LOCAL-U24", "M-spike, 24 hr urine", 60.0, "mg/(24.h)", 240),
            NotMet,
        )
        .reason("not read as an M-protein")
        .no_missing(),
        case(
            "a second M-spike band at the same visits: the band followed decides, the other said",
            ["M-spike band 1", "M-spike band 2"].into_iter().fold(
                patient()
                    .give(rx("VRd").from(400))
                    .line(ID, line("VRd", VRD).from(400)),
                |v, band| {
                    let values: &[(f64, i64)] = if band.ends_with('1') {
                        &[(3.0, 405), (1.0, 300), (0.9, 240), (0.9, 120), (0.9, 60)]
                    } else {
                        &[(0.1, 120), (0.7, 60)]
                    };
                    values.iter().fold(v, |v, (value, days)| {
                        v.observe(band, band, *value, "g/dL", *days)
                    })
                },
            ),
            NotMet,
        )
        .reason("M-spike band 2 0.1 g/dL")
        .no_reason("M-spike band 1 0.1")
        .no_missing(),
        case(
            "the same value twice at one time, its unit spelt otherwise: one value",
            on_vrd_then_in("g/dL", &[(0.85, 60), (0.85, 30)])
                .observe(SERUM_M_PROTEIN.0, SERUM_M_PROTEIN.1, 0.85, "G/DL", 60)
                .observe(SERUM_M_PROTEIN.0, SERUM_M_PROTEIN.1, 8.5, "g/L", 30),
            NotMet,
        )
        .no_missing(),
    ]
}

#[test]
fn a_value_not_read_or_another_measure_never_blocks_what_the_series_settle() {
    run(ID, &reading_cases());
}

/// The 24-hour urine M-protein in the names and units labs print: Bence Jones protein (the
/// urine M-protein of light-chain myeloma) and unit spellings without a UCUM code.
fn spelling_cases() -> Vec<Case> {
    let mut cases: Vec<Case> = ["mg/24 hr", "mg/24hrs", "mg/24 hours", "mg/day", "MG/24HR"]
        .into_iter()
        .map(|unit| {
            case(
                Box::leak(
                    format!("a 24-hour urine M-protein in '{unit}' is read").into_boxed_str(),
                ),
                urine_named("M-spike, 24 hr urine", unit, URINE_STORY),
                Refractory,
            )
            .reason("urine M-protein 100 mg/24 h (")
            .no_reason("not one refract reads")
        })
        .collect();
    let in_grams: Vec<(f64, i64)> = URINE_STORY
        .iter()
        .map(|(value, days)| (value / 1000.0, *days))
        .collect();
    cases.extend([
        case(
            "a 24-hour urine M-protein in 'g/24 hr' is read",
            urine_named("M-spike, 24 hr urine", "g/24 hr", &in_grams),
            Refractory,
        )
        .reason("urine M-protein 100 mg/24 h (")
        .no_reason("not one refract reads"),
        case(
            "a serum M-protein in 'gm/dL' is read",
            on_vrd_then_in("gm/dL", &[(0.85, 60), (0.85, 30)]),
            NotMet,
        )
        .no_reason("not one refract reads")
        .no_missing(),
        case(
            "Bence Jones protein in a 24-hour urine is the urine M-protein",
            urine_named("Bence Jones protein, 24 hr urine", "mg/(24.h)", URINE_STORY),
            Refractory,
        )
        .reason("urine M-protein 100 mg/24 h (")
        .reason("progression confirmed"),
        case(
            "a urine protein in mg/24 h not named as the monoclonal one is said",
            urine_named("Protein, 24 hr urine", "mg/(24.h)", URINE_STORY),
            InsufficientData,
        )
        .no_reason("progression confirmed")
        .reason("Protein, 24 hr urine 1500"),
    ]);
    cases
}

#[test]
fn the_urine_m_protein_is_read_in_the_names_and_unit_spellings_labs_print() {
    run(ID, &spelling_cases());
}

/// IMWG 2016's urine PR "by >= 90 % or to < 200 mg per 24 h": the "< 200" counts with at least
/// the fall of a minimal response (`partial_below_min_fall`), never a tiny fall across 200.
#[test]
fn a_small_urine_fall_across_200_mg_is_no_partial_response() {
    let urine = "Protein.monoclonal [Mass/time] in 24 hour Urine";
    run(
        ID,
        &[case(
            "urine-only measurable disease 240 -> 190 mg/24 h on a line over: stable",
            m_protein(
                vrd(patient(), 300, 150, |l| l),
                &[(0.3, 310), (0.2, 250), (0.2, 160)],
            )
            .observe("LOCAL-UPEP", urine, 240.0, "mg/(24.h)", 310)
            .observe("LOCAL-UPEP", urine, 195.0, "mg/(24.h)", 250)
            .observe("LOCAL-UPEP", urine, 190.0, "mg/(24.h)", 160),
            Refractory,
        )
        .label("primary refractory myeloma")
        .reason("best response from the urine M-protein: stable disease")],
    );
}

/// The derived lines of this rule set for `record`.
fn lines_of(record: &refract::domain::PatientRecord) -> Vec<refract::domain::TreatmentLine> {
    super::support::rules()
        .derive_lines(record, super::support::today())
        .into_iter()
        .filter(|l| l.ruleset == ID)
        .collect()
}

/// Bortezomib and lenalidomide (days 1-14) ordered per 21-day cycle from `from` days ago,
/// `cycles` cycles, bortezomib only in the first `bortezomib_cycles`.
fn vrd_orders(mut v: Vignette, from: i64, cycles: i64, bortezomib_cycles: i64) -> Vignette {
    for cycle in 0..cycles {
        let day = from - 21 * cycle;
        if cycle < bortezomib_cycles {
            v = v.give(rx("bortezomib").from(day).until(day - 10));
        }
        v = v.give(rx("lenalidomide").from(day).until(day - 13));
    }
    v
}

/// IMWG 2015: a planned period off therapy interrupted by the need for treatment starts a new
/// line: the same regimen restarted after a progression off therapy (confirmed twice) is a
/// second line, whether the progression came more or less than 60 days after the last dose,
/// with a pause shorter than the gap limit.
#[test]
fn a_regimen_restarted_after_a_relapse_off_therapy_is_a_new_line() {
    for off_therapy in [40, 75] {
        // Six cycles from 600 days ago: the last dose 482 days ago.
        let last_dose = 600 - 21 * 5 - 13;
        let progression = last_dose - off_therapy;
        let v = vrd_orders(patient(), 600, 6, 6)
            .disease_status(disease_status::PARTIAL_REMISSION, 520)
            .disease_status(disease_status::WORSENED, progression)
            .disease_status(disease_status::WORSENED, progression - 7);
        let record = vrd_orders(v, progression - 9, 4, 4)
            .disease_status(disease_status::PARTIAL_REMISSION, progression - 80)
            .disease_status(disease_status::PARTIAL_REMISSION, progression - 100)
            .record();
        let lines = lines_of(&record);
        assert_eq!(lines.len(), 2, "{off_therapy} days off: {lines:#?}");
        assert_eq!(lines[0].cycles, Some(6), "{lines:#?}");
        assert_eq!(lines[1].cycles, Some(4), "{lines:#?}");
    }
}

/// A worsening in a cycle's rest week, with the same drugs going on, is no relapse off therapy:
/// the line goes on.
#[test]
fn a_worsening_between_cycles_does_not_cut_the_line() {
    let record = vrd_orders(patient(), 400, 6, 6)
        .disease_status(disease_status::WORSENED, 400 - 21 * 2 - 16)
        .record();
    assert_eq!(lines_of(&record).len(), 1);
}

/// Stem-cell mobilisation (cyclophosphamide) before the transplant is part of the planned
/// sequence induction -> mobilisation -> conditioning -> transplant -> maintenance (IMWG 2015).
#[test]
fn stem_cell_mobilisation_continues_the_planned_sequence() {
    let record = vrd_orders(patient(), 500, 4, 4)
        .disease_status(disease_status::PARTIAL_REMISSION, 420)
        .give(rx("cyclophosphamide").from(400).until(400))
        .give(rx("filgrastim").from(395).until(389))
        .give(rx("melphalan").from(352).until(352))
        .procedure(
            "38241",
            "Hematopoietic progenitor cell (HPC); autologous transplantation",
            350,
        )
        .give(rx("lenalidomide").from(250))
        .record();
    let lines = lines_of(&record);
    assert_eq!(lines.len(), 1, "{lines:#?}");
}

/// A line's cycles are those of its drug given longest: VRd whose bortezomib stopped after
/// cycle 3 while lenalidomide went on for 8 cycles gave 8.
#[test]
fn a_lines_cycles_are_its_longest_given_drugs() {
    let record = vrd_orders(patient(), 400, 8, 3).record();
    let lines = lines_of(&record);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert_eq!(lines[0].cycles, Some(8), "{lines:#?}");
}

/// Days before the vignettes' today of `date` (YYYY-MM-DD) moved a year later: the review's
/// FHIR vignettes (2020-2025) kept in their own dates, ending before today.
fn on(date: &str) -> i64 {
    let day = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
    (super::support::today() - (day + chrono::Duration::days(365))).num_days()
}

/// A drug record from `from` to `until` (review dates, see [`on`]), stopped for progression.
fn given_until_progression(v: Vignette, text: &str, from: &str, until: &str) -> Vignette {
    v.give(
        rx(text)
            .from(on(from))
            .until(on(until))
            .stopped(StopReason::Progression),
    )
}

/// Serum M-protein values on review dates (see [`on`]), in g/dL.
fn m_protein_on(v: Vignette, values: &[(&str, f64)]) -> Vignette {
    values.iter().fold(v, |v, (date, value)| {
        v.observe(
            SERUM_M_PROTEIN.0,
            SERUM_M_PROTEIN.1,
            *value,
            "g/dL",
            on(date),
        )
    })
}

/// The review's penta-exposed history as drug records (lines derived): 1L VRd 2021-01 to
/// 2021-12, 2L carfilzomib and pomalidomide 2022-01 to 2022-12, 3L daratumumab 2023-01 to
/// 2023-12, each stopped for disease progression.
fn penta_exposed() -> Vignette {
    let mut v = patient();
    for (text, from, until) in [
        ("Bortezomib 1.3 mg/m2", "2021-01-01", "2021-12-01"),
        ("Lenalidomide 25 mg/d", "2021-01-01", "2021-12-01"),
        ("Dexamethasone 40 mg/wk", "2021-01-01", "2021-12-01"),
        ("Carfilzomib 56 mg/m2", "2022-01-01", "2022-12-01"),
        ("Pomalidomide 4 mg/d", "2022-01-01", "2022-12-01"),
        ("Daratumumab 1800 mg", "2023-01-01", "2023-12-01"),
    ] {
        v = given_until_progression(v, text, from, until);
    }
    v
}

/// Review M3: [`penta_exposed`] with the M-protein falling on 1L (3.0 to 0.9 g/dL, a partial
/// response) and rising on it (1.6, 2.0 in 2021-10/11), rising again while 2L ran (1.5 → 2.4,
/// 2.8) and on 3L (3.8, 4.4), then 4L teclistamab from 2024-01 with a partial response.
fn penta_then_teclistamab() -> Vignette {
    m_protein_on(
        penta_exposed().give(rx("Teclistamab 1.5 mg/kg").from(on("2024-01-01"))),
        &[
            ("2020-12-15", 3.0),
            ("2021-04-01", 1.0),
            ("2021-07-01", 0.9),
            ("2021-10-01", 1.6),
            ("2021-11-01", 2.0),
            ("2022-04-01", 1.5),
            ("2022-10-01", 2.4),
            ("2022-11-15", 2.8),
            ("2023-06-01", 2.9),
            ("2023-10-01", 3.8),
            ("2023-11-15", 4.4),
            ("2024-06-01", 1.0),
            ("2024-09-01", 0.9),
        ],
    )
}

/// Review M5: [`penta_exposed`] with M-protein values showing progression confirmed on 1L, 2L and 3L.
fn penta_refractory() -> Vignette {
    m_protein_on(
        penta_exposed(),
        &[
            ("2020-12-15", 3.0),
            ("2021-04-01", 1.0),
            ("2021-07-01", 0.9),
            ("2021-10-01", 1.6),
            ("2021-11-01", 2.0),
            ("2021-12-20", 2.1),
            ("2022-04-01", 1.5),
            ("2022-10-01", 2.4),
            ("2022-11-15", 2.8),
            ("2023-06-01", 2.9),
            ("2023-10-01", 3.8),
            ("2023-11-15", 4.4),
        ],
    )
}

/// Review M6: 1L VRd completed as planned (partial response), 2L carfilzomib and pomalidomide
/// stopped for progression, the M-protein rising on 2L (2.4, 2.8 g/dL).
fn progression_on_second_line() -> Vignette {
    let mut v = patient();
    for text in [
        "Bortezomib 1.3 mg/m2",
        "Lenalidomide 25 mg/d",
        "Dexamethasone 40 mg/wk",
    ] {
        v = v.give(
            rx(text)
                .from(on("2021-01-01"))
                .until(on("2021-10-01"))
                .stopped(StopReason::Completed),
        );
    }
    for text in ["Carfilzomib 56 mg/m2", "Pomalidomide 4 mg/d"] {
        v = given_until_progression(v, text, "2022-01-01", "2022-12-01");
    }
    m_protein_on(
        v,
        &[
            ("2020-12-15", 3.0),
            ("2021-04-01", 1.0),
            ("2021-07-01", 0.9),
            ("2021-09-15", 0.9),
            ("2022-04-01", 1.0),
            ("2022-10-01", 2.4),
            ("2022-11-15", 2.8),
        ],
    )
}

/// Review M1: DRd 2024-01 to 2025-01 (partial response), the M-protein rising 60 days after its
/// last dose and confirmed by the next value.
fn drd_progression_60_days_after() -> Vignette {
    let mut v = patient();
    for text in [
        "Daratumumab 1800 mg",
        "Lenalidomide 25 mg/d",
        "Dexamethasone 40 mg/wk",
    ] {
        v = v.give(
            rx(text)
                .from(on("2024-01-01"))
                .until(on("2025-01-01"))
                .stopped(StopReason::Completed),
        );
    }
    m_protein_on(
        v,
        &[
            ("2023-12-20", 3.0),
            ("2024-03-01", 1.2),
            ("2024-06-01", 0.5),
            ("2024-09-01", 0.5),
            ("2024-12-15", 0.5),
            ("2025-03-02", 1.1),
            ("2025-04-01", 1.3),
        ],
    )
}

/// Triple-class (not penta) refractory by confirmed disease statuses, then a response to
/// teclistamab and a relapse 100 days after its last dose: 1L VRd (VGPR, progression on it),
/// 2L DPd (PR, progression on it), 3L teclistamab (PR), relapse.
fn triple_class_then_relapse() -> Vignette {
    vrd(patient(), 1400, 1200, |l| {
        l.response(Response::VeryGoodPartial)
    })
    .disease_status(disease_status::WORSENED, 1210)
    .disease_status(disease_status::WORSENED, 1205)
    .give(rx("DPd").from(1140).until(800))
    .line(
        ID,
        line("DPd", &["daratumumab", "pomalidomide", "dexamethasone"])
            .from(1140)
            .until(800)
            .response(Response::Partial),
    )
    .disease_status(disease_status::IMPROVED, 1000)
    .disease_status(disease_status::WORSENED, 810)
    .disease_status(disease_status::WORSENED, 805)
    .give(rx("Teclistamab 1.5 mg/kg").from(760).until(300))
    .line(
        ID,
        line("Teclistamab", &["teclistamab"])
            .from(760)
            .until(300)
            .response(Response::Partial),
    )
    .disease_status(disease_status::IMPROVED, 500)
    .disease_status(disease_status::WORSENED, 200)
    .disease_status(disease_status::WORSENED, 190)
}

fn review_cases() -> Vec<Case> {
    vec![
        case(
            "a progression while the next line ran is no relapse from the line before (review M3)",
            penta_then_teclistamab(),
            NotMet,
        )
        .no_reason("relapse or progression")
        .reason("then progressed on it (")
        .reason("refractory to it, no relapse from it")
        .reason("penta-refractory myeloma along the history")
        .no_confounder("progression_confirmed"),
        case(
            "triple-class refractory is said beside a relapse after the next line",
            triple_class_then_relapse(),
            Relapsed,
        )
        .label("relapsed myeloma")
        .reason("responded (PR) to 3L Teclistamab, then relapse or progression")
        .reason("triple-class refractory myeloma along the history")
        .no_reason("penta-refractory"),
        case(
            "two PIs, two IMiDs and an anti-CD38 refractory: penta-refractory (review M5)",
            penta_refractory(),
            Refractory,
        )
        .label("penta-refractory myeloma")
        .reason("bortezomib (progression on")
        .reason("carfilzomib (progression on")
        .reason("lenalidomide (progression on")
        .reason("pomalidomide (progression on")
        .reason("daratumumab (progression on")
        .no_confounder("progression_confirmed"),
        case(
            "one PI refractory of two: triple-class, not penta-refractory",
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
        .no_reason("penta-refractory"),
        case(
            "progression on 2L shown confirmed by the M-protein: no rule-out asks for it (review M6)",
            progression_on_second_line(),
            Refractory,
        )
        .label(RRMM)
        .reason("2L carfilzomib + pomalidomide")
        .reason("progression on therapy")
        .no_confounder("progression_confirmed"),
        case(
            "progression 60 days after the last dose shown confirmed: no rule-out asks for it (review M1)",
            drd_progression_60_days_after(),
            Refractory,
        )
        .reason("60 days after the last dose")
        .no_confounder("progression_confirmed"),
        case(
            "progression only as a stop for progression: its confirmation stays to rule out",
            vrd(patient(), 300, 150, |l| {
                l.response(Response::Partial)
                    .stopped(StopReason::Progression)
            }),
            Refractory,
        )
        .confounder("progression_confirmed"),
    ]
}

#[test]
fn review_relapse_windows_penta_refractory_and_settled_confirmation() {
    run(ID, &review_cases());
}

/// VRd (VGPR) ending 2026-01-31 (300 days before the vignettes' today): its 60 days' window
/// runs to 2026-04-01. A worsened disease status dated by `month` alone (every day of it,
/// `(year, month)`), confirmed by a second on `confirmed` days ago.
fn worsened_in_a_month(month: (i32, u32), confirmed: i64) -> refract::domain::PatientRecord {
    let first = chrono::NaiveDate::from_ymd_opt(month.0, month.1, 1).unwrap();
    let days = (super::support::today() - first).num_days();
    let mut record = vrd(patient(), 600, 300, |l| {
        l.response(Response::VeryGoodPartial)
    })
    .disease_status(disease_status::WORSENED, days)
    .disease_status(disease_status::WORSENED, confirmed)
    .record();
    for o in &mut record.observations {
        if o.local_day() == first {
            o.effective = first.and_time(chrono::NaiveTime::MIN);
            o.effective_precision = refract::domain::DatePrecision::Month;
        }
    }
    record
}

#[test]
fn a_progression_of_a_month_holding_the_last_day_of_a_lines_window_is_attributed_to_neither_side() {
    use super::support::{assess, describe};
    // "2026-04" holds 2026-04-01, the last day of the 60 days after VRd: refractory to it or a
    // relapse after it, which cannot be told.
    let record = worsened_in_a_month((2026, 4), 200);
    let assessment = assess(ID, &record);
    let said = describe(&assessment);
    assert_ne!(assessment.status, Refractory, "{said}");
    assert_ne!(assessment.status, Relapsed, "{said}");
    assert!(
        assessment
            .missing
            .iter()
            .any(|m| m.contains("2026-04") && m.contains("cannot be told")),
        "{said}"
    );
    // "2026-03" is wholly within it: refractory.
    let record = worsened_in_a_month((2026, 3), 240);
    let assessment = assess(ID, &record);
    assert_eq!(assessment.status, Refractory, "{}", describe(&assessment));
}

/// VRd from 2026-03-15 to 2026-06-30, no response recorded: serum M-protein 3.0 g/dL on
/// 2026-02-20, 1.2 g/dL dated "2026-03" alone, then 1.1 and 1.1 g/dL on it.
fn vrd_with_a_value_of_its_first_month() -> refract::domain::PatientRecord {
    use super::support::days_to;
    let record = m_protein(
        vrd(patient(), days_to(2026, 3, 15), days_to(2026, 6, 30), |l| l),
        &[
            (3.0, days_to(2026, 2, 20)),
            (1.2, days_to(2026, 3, 1)),
            (1.1, days_to(2026, 4, 20)),
            (1.1, days_to(2026, 5, 20)),
        ],
    )
    .record();
    super::support::dated_by_month(record, (2026, 3))
}

#[test]
fn an_m_protein_value_of_the_month_a_line_began_is_not_its_baseline_by_its_first_day() {
    use super::support::{assess, describe};
    // On 1 March the 1.2 is the baseline (1.1 is stable disease: primary refractory); on 31
    // March it is on the line and the 3.0 the baseline (a partial response): its day decides.
    let assessment = assess(ID, &vrd_with_a_value_of_its_first_month());
    let said = describe(&assessment);
    assert_ne!(assessment.status, Refractory, "{said}");
    assert!(
        assessment
            .missing
            .iter()
            .any(|m| m.contains("2026-03") && m.contains("cannot be told")),
        "{said}"
    );
}

/// VRd (VGPR) from 2025-06-01 to 2026-02-28; serum M-protein 3.0 g/dL before it, 1.0 and 0.9 on
/// it, a rise to 1.6 g/dL dated "2026-03" alone, Kd begun on 2026-03-20, then 1.0 g/dL.
fn a_rise_of_the_month_the_next_line_began() -> refract::domain::PatientRecord {
    use super::support::days_to;
    let v = vrd(patient(), days_to(2025, 6, 1), days_to(2026, 2, 28), |l| {
        l.response(Response::VeryGoodPartial)
    })
    .give(rx("Kd").from(days_to(2026, 3, 20)))
    .line(ID, line("Kd", KD).from(days_to(2026, 3, 20)));
    let record = m_protein(
        v,
        &[
            (3.0, days_to(2025, 5, 20)),
            (1.0, days_to(2025, 9, 1)),
            (0.9, days_to(2025, 12, 1)),
            (1.6, days_to(2026, 3, 1)),
            (1.0, days_to(2026, 5, 1)),
        ],
    )
    .record();
    super::support::dated_by_month(record, (2026, 3))
}

#[test]
fn a_single_rise_of_the_month_a_line_began_is_not_acted_on_by_its_first_day() {
    use super::support::{assess, describe};
    // Kd begun on 2026-03-20 confirms the rise only if it came after it: "2026-03" may be the
    // 25th. Never a progression confirmed by its first day (refractory to VRd, 1 day after its
    // 60-day window... within it), nor refuted by the 1.0 after it.
    let assessment = assess(ID, &a_rise_of_the_month_the_next_line_began());
    let said = describe(&assessment);
    assert_ne!(assessment.status, Refractory, "{said}");
    assert!(
        assessment
            .missing
            .iter()
            .any(|m| m.contains("2026-03") && m.contains("cannot be told")),
        "{said}"
    );
}

/// review r3 C-10 (MB1): daratumumab given 27 days, under MAMMOTH's 4 weeks on a drug, then
/// progression: not anti-CD38 refractory, so not triple-class, and the reasons name the short
/// exposure as why (no silence where the label is not given).
#[test]
fn an_anti_cd38_given_too_briefly_is_named_as_why_not_triple_class() {
    let record = planned_sequence()
        .disease_status(disease_status::WORSENED, 60)
        .disease_status(disease_status::WORSENED, 40)
        .give(
            rx("Daratumumab 1800 mg/wk")
                .from(38)
                .until(11)
                .stopped(StopReason::Progression),
        )
        .give(
            rx("Carfilzomib 56 mg/m2")
                .from(38)
                .until(1)
                .stopped(StopReason::Progression),
        )
        .record();
    let assessment = super::support::assess(ID, &record);
    let said = super::support::describe(&assessment);
    assert_ne!(
        assessment.label, "triple-class refractory myeloma",
        "{said}"
    );
    assert!(
        assessment.reasons.iter().any(|r| r
            .starts_with("not triple-class refractory myeloma: daratumumab given 27 days")
            && r.contains("under the 4 weeks")),
        "{said}"
    );
}

/// fix-month3 1: six cycles of VRd from 2025-04-06 (the last dose 2025-08-02: off therapy
/// from 2025-08-31, 28 days on), serum M-protein 3.0, 0.5 and 0.4 g/dL, a rise to 1.2 g/dL on
/// `rise` (dated by its month alone when `by_month`), confirmed by 1.4 g/dL on 2025-09-05, and
/// VRd restarted on 2025-09-10.
fn vrd_restarted_after_a_rise(
    rise: (i32, u32, u32),
    by_month: bool,
) -> refract::domain::PatientRecord {
    use super::support::days_to;
    let v = vrd_orders(patient(), 600, 6, 6);
    let v = m_protein(
        v,
        &[
            (3.0, days_to(2025, 3, 20)),
            (0.5, days_to(2025, 5, 15)),
            (0.4, days_to(2025, 6, 15)),
            (1.2, days_to(rise.0, rise.1, rise.2)),
            (1.4, days_to(2025, 9, 5)),
        ],
    );
    let record = vrd_orders(v, days_to(2025, 9, 10), 4, 4).record();
    if by_month {
        super::support::dated_by_month(record, (rise.0, rise.1))
    } else {
        record
    }
}

/// The rise dated "2025-08" alone may be of the 31st (off therapy: a relapse, the restart a
/// second line) or of a day before (progression on it: one line): never one line by its first
/// day; the line is cut and its reason says the day that would decide is not known. A rise in
/// "2025-07" is on therapy whatever its day, one of 31 August off therapy.
#[test]
fn a_rise_of_the_month_off_therapy_begins_is_not_read_on_its_first_day_for_the_lines() {
    let lines = lines_of(&vrd_restarted_after_a_rise((2025, 8, 1), true));
    assert_eq!(lines.len(), 2, "{lines:#?}");
    let cut = lines[1].cut_reason.as_deref().unwrap_or_default();
    assert!(
        cut.contains("2025-08") && cut.contains("cannot be told"),
        "{lines:#?}"
    );
    let lines = lines_of(&vrd_restarted_after_a_rise((2025, 7, 1), true));
    assert_eq!(lines.len(), 1, "{lines:#?}");
    let lines = lines_of(&vrd_restarted_after_a_rise((2025, 8, 31), false));
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(
        lines[1]
            .cut_reason
            .as_deref()
            .is_some_and(|cut| cut.contains("progression off therapy on 2025-08-31")),
        "{lines:#?}"
    );
}

/// fix-month4 1: VRd to 2025-02-10, high-dose melphalan on 2025-03-01 and an autologous
/// transplant dated "2025-03" alone, then lenalidomide maintenance from 2025-06-01. Whether the
/// melphalan was the transplant's conditioning (within 14 days of it) is the transplant's day
/// to decide. Myeloma's choice (`conditioning_in_transplant_month`): high-dose melphalan in the
/// transplant's month is its conditioning, one line, as the exact day gives; without it, the
/// line is not continued by the month's first day, and its cut says so.
#[test]
fn a_transplant_dated_by_a_month_is_not_read_on_its_first_day() {
    use super::support::days_to;
    let transplant = |month_only: bool| {
        let v = patient()
            .give(
                rx("Bortezomib 1.3 mg/m2")
                    .from(days_to(2024, 11, 1))
                    .until(days_to(2025, 2, 10)),
            )
            .give(
                rx("Lenalidomide 25 mg/d")
                    .from(days_to(2024, 11, 1))
                    .until(days_to(2025, 2, 10)),
            )
            .give(
                rx("Melphalan 200 mg/m2")
                    .from(days_to(2025, 3, 1))
                    .until(days_to(2025, 3, 2)),
            );
        let v = if month_only {
            v.procedure_within(
                "refract:asct",
                "Autologous stem cell transplant",
                (days_to(2025, 3, 1), days_to(2025, 3, 31)),
            )
        } else {
            v.procedure(
                "refract:asct",
                "Autologous stem cell transplant",
                days_to(2025, 3, 3),
            )
        };
        v.give(rx("Lenalidomide 10 mg/d").from(days_to(2025, 6, 1)))
    };
    let lines = derived(transplant(false));
    assert_eq!(lines.len(), 1, "{lines:#?}");
    let lines = derived(transplant(true));
    assert_eq!(lines.len(), 1, "{lines:#?}");
    let mut cutting = super::support::rules().clone();
    for set in &mut cutting.sets {
        set.lines.conditioning_in_transplant_month = false;
    }
    let lines: Vec<_> = cutting
        .derive_lines(&transplant(true).record(), super::support::today())
        .into_iter()
        .filter(|l| l.ruleset == ID)
        .collect();
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(
        lines[1]
            .cut_reason
            .as_deref()
            .is_some_and(|cut| cut.contains("2025-03") && cut.contains("cannot be told")),
        "{lines:#?}"
    );
}

/// review11 R11-4, the class in myeloma: daratumumab of D-VRd (every drug stopped for
/// progression on 2023-05-10) given again with carfilzomib from 2023-07-01 does not carry the
/// first line on: it ends on 2023-05-10 for progression, and the new course of daratumumab is
/// the second line's, whatever the order of the records. Controls: Kd without daratumumab; and
/// lenalidomide given on without a pause when daratumumab is added, carried into the new line
/// (the first line ends where the second starts).
#[test]
fn a_drug_given_again_in_the_next_regimen_leaves_the_first_lines_end_and_stop_reason() {
    use super::support::days_to;
    let may_10 = chrono::NaiveDate::from_ymd_opt(2023, 5, 10);
    let july_1 = chrono::NaiveDate::from_ymd_opt(2023, 7, 1).unwrap();
    let d_vrd = ["daratumumab", "bortezomib", "lenalidomide", "dexamethasone"];
    let cases: [(&str, &[&str]); 3] = [
        (
            "daratumumab recorded first",
            &["daratumumab", "carfilzomib", "dexamethasone"],
        ),
        (
            "daratumumab recorded last",
            &["carfilzomib", "dexamethasone", "daratumumab"],
        ),
        ("control: Kd", &["carfilzomib", "dexamethasone"]),
    ];
    for (name, second) in cases {
        let mut v = patient();
        for drug in d_vrd {
            v = v.give(
                rx(drug)
                    .from(days_to(2023, 1, 10))
                    .until(days_to(2023, 5, 10))
                    .stopped(StopReason::Progression),
            );
        }
        for drug in second {
            v = v.give(
                rx(drug)
                    .from(days_to(2023, 7, 1))
                    .until(days_to(2023, 9, 1)),
            );
        }
        let lines = derived(v);
        assert_eq!(lines.len(), 2, "{name}: {lines:#?}");
        assert_eq!(lines[0].end, may_10, "{name}: {lines:#?}");
        assert_eq!(
            lines[0].stop_reason,
            Some(StopReason::Progression),
            "{name}: {lines:#?}"
        );
        assert_eq!(lines[1].start, july_1, "{name}: {lines:#?}");
        assert_eq!(
            lines[1].regimen.contains("daratumumab"),
            second.contains(&"daratumumab"),
            "{name}: {lines:#?}"
        );
    }
    let carried = derived(
        patient()
            .give(
                rx("lenalidomide")
                    .from(days_to(2023, 1, 10))
                    .until(days_to(2023, 9, 1)),
            )
            .give(
                rx("daratumumab")
                    .from(days_to(2023, 7, 1))
                    .until(days_to(2023, 9, 1)),
            ),
    );
    assert_eq!(carried.len(), 2, "{carried:#?}");
    assert_eq!(carried[0].end, Some(july_1), "{carried:#?}");
    assert!(carried[1].regimen.contains("lenalidomide"), "{carried:#?}");
}

/// VRd from 1000 to 700 days ago (M-protein 3.0 → 1.0, 0.9 g/dL: a partial response), stopped
/// for progression (1.6, 1.9 g/dL), then `second` (a drug record) given from 400 days ago to
/// `until` days ago, with serum M-protein 2.0 g/dL ten days before it and `after` (value, days
/// after its first day).
fn after_vrd(second: &str, until: i64, after: &[(f64, i64)]) -> refract::domain::PatientRecord {
    after_vrd_then(second, until, after, |v| v)
}

/// [`after_vrd`] with `more` of the record.
fn after_vrd_then(
    second: &str,
    until: i64,
    after: &[(f64, i64)],
    more: impl FnOnce(Vignette) -> Vignette,
) -> refract::domain::PatientRecord {
    let v = more(
        patient()
            .give(
                rx("VRd")
                    .from(1000)
                    .until(700)
                    .stopped(StopReason::Progression),
            )
            .give(rx(second).from(400).until(until)),
    );
    let mut values = vec![
        (3.0, 1010),
        (1.0, 900),
        (0.9, 800),
        (1.6, 720),
        (1.9, 705),
        (2.0, 410),
    ];
    values.extend(after.iter().map(|(value, day)| (*value, 400 - day)));
    m_protein(v, &values).record()
}

/// review11 R11-5: the response to a CAR T-cell infusion (given once) is read from the serum
/// M-protein over the months after it (`[m_protein.response] after_end_days_by_class`): a fall
/// from 2.0 to 0.1 g/dL at day 83, confirmed at day 356 (VGPR), or 0.4 at day 25 and 0.1 at day
/// 52 (PR), is the CAR T line's response, not "insufficient data". Control: the same values after a regimen
/// whose last dose was on its first day are past its 30 days.
#[test]
fn the_response_to_a_car_t_infusion_is_read_from_the_m_protein_over_months() {
    use super::support::{assess, describe};
    for product in ["ciltacabtagene autoleucel", "idecabtagene vicleucel"] {
        for (after, response) in [
            (&[(0.1, 83), (0.1, 356)][..], "very good partial response"),
            // Confirmed at the lesser of the two (IMWG 2016).
            (&[(0.4, 25), (0.1, 52)][..], "partial response"),
        ] {
            let assessment = assess(ID, &after_vrd(product, 400, after));
            let said = describe(&assessment);
            assert!(
                !said.contains("best response to 2L"),
                "{product} {after:?}: {said}"
            );
            assert_ne!(
                assessment.status, InsufficientData,
                "{product} {after:?}: {said}"
            );
            assert!(
                said.contains(&format!(
                    "2L {product}: best response from the serum M-protein: {response} ("
                )),
                "{product} {after:?}: {said}"
            );
        }
    }
    let control = assess(ID, &after_vrd("carfilzomib", 400, &[(0.1, 83), (0.1, 356)]));
    let said = describe(&control);
    assert!(said.contains("best response to 2L carfilzomib"), "{said}");
    // A disease status 100 days after the infusion is its response too (`[lines]
    // response_days_by_class`); after a regimen's last dose it is past the 56 days.
    for (second, read) in [("ciltacabtagene autoleucel", true), ("carfilzomib", false)] {
        let record = after_vrd_then(second, 400, &[], |v| {
            v.disease_status(disease_status::PARTIAL_REMISSION, 300)
        });
        let said = describe(&assess(ID, &record));
        assert_eq!(
            !said.contains("best response to 2L"),
            read,
            "{second}: {said}"
        );
    }
}

/// Lenalidomide ordered per 28-day cycle (days 1-21, one order a cycle) with dexamethasone,
/// `cycles` cycles from `from` days ago.
fn rd_orders(mut v: Vignette, from: i64, cycles: i64) -> Vignette {
    for cycle in 0..cycles {
        let day = from - 28 * cycle;
        v = v
            .give(rx("Lenalidomide 25 mg/d").from(day).until(day - 20))
            .give(rx("Dexamethasone 40 mg").from(day).until(day));
    }
    v
}

/// Dara-Kd from `from` days ago, six 28-day cycles, each dose its own record as an infusion
/// centre's eMAR sends them: carfilzomib on days 1, 2, 8, 9, 15 and 16; daratumumab weekly in
/// cycles 1-2 and on days 1 and 15 in cycles 3-6 (the label's schedule).
fn dara_kd_per_dose(mut v: Vignette, from: i64) -> Vignette {
    for cycle in 0..6 {
        let day = from - 28 * cycle;
        for d in [0, 1, 7, 8, 14, 15] {
            v = v.give(rx("Carfilzomib 56 mg/m2").from(day - d).until(day - d));
        }
        let dara: &[i64] = if cycle < 2 { &[0, 7, 14, 21] } else { &[0, 14] };
        for d in dara {
            v = v.give(rx("Daratumumab 1800 mg").from(day - d).until(day - d));
        }
    }
    v
}

/// review RV-A OA-1 (mm6): VRd, lenalidomide maintenance stopped for a confirmed progression,
/// then Dara-Kd sent one record per dose and progression confirmed 10 days after its last dose.
/// MAMMOTH's 4 weeks on a drug are its course's (first to last dose), not one record's: the
/// patient is triple-class refractory, and no dose is said to be "given 0 days".
#[test]
fn drug_refractoriness_measures_a_drugs_course_not_each_dose_record() {
    use super::support::{assess, describe};
    let v = vrd_orders(patient(), 900, 6, 6)
        .disease_status(disease_status::PARTIAL_REMISSION, 800)
        .disease_status(disease_status::PARTIAL_REMISSION, 780)
        .give(
            rx("Lenalidomide 10 mg/d")
                .from(760)
                .until(390)
                .stopped(StopReason::Progression),
        )
        .disease_status(disease_status::WORSENED, 400)
        .disease_status(disease_status::WORSENED, 392);
    // The last dose of cycle 6 (day 16) is 380 - 140 - 15 = 225 days ago.
    let record = dara_kd_per_dose(v, 380)
        .disease_status(disease_status::PARTIAL_REMISSION, 300)
        .disease_status(disease_status::WORSENED, 215)
        .disease_status(disease_status::WORSENED, 200)
        .record();
    let assessment = assess(ID, &record);
    let said = describe(&assessment);
    assert_eq!(assessment.status, Refractory, "{said}");
    assert_eq!(
        assessment.label, "triple-class refractory myeloma",
        "{said}"
    );
    assert!(!said.contains("given 0 days"), "{said}");
}

/// review RV-A OA-1 (mm8): Rd ×8, lenalidomide ordered per cycle (days 1-21 of 28), progression
/// confirmed on therapy, then Dara-Kd sent per dose and progression on it: lenalidomide is
/// refractory (its course ran 7 months, never "given 20 days ... under the 4 weeks" once per
/// cycle), so the patient is triple-class refractory.
#[test]
fn a_drug_ordered_per_cycle_is_judged_over_its_cycles() {
    use super::support::{assess, describe};
    // Rd's last dose: 800 - 7 × 28 - 20 = 584 days ago; Dara-Kd's: 560 - 140 - 15 = 405.
    let v = rd_orders(patient(), 800, 8)
        .disease_status(disease_status::PARTIAL_REMISSION, 730)
        .disease_status(disease_status::PARTIAL_REMISSION, 700)
        .disease_status(disease_status::WORSENED, 600)
        .disease_status(disease_status::WORSENED, 590);
    let record = dara_kd_per_dose(v, 560)
        .disease_status(disease_status::PARTIAL_REMISSION, 480)
        .disease_status(disease_status::WORSENED, 395)
        .disease_status(disease_status::WORSENED, 380)
        .record();
    let assessment = assess(ID, &record);
    let said = describe(&assessment);
    assert_eq!(assessment.status, Refractory, "{said}");
    assert!(!said.contains("lenalidomide given 20 days"), "{said}");
    assert_eq!(
        assessment.label, "triple-class refractory myeloma",
        "{said}"
    );
    assert!(
        said.contains("immunomodulatory drug: lenalidomide ("),
        "{said}"
    );
}

/// review RV-A OA-5 (mm9): Rd ×8 with no response data during the line and a progression
/// confirmed on therapy: refractory, but whether it ever responded is not known, so never
/// "primary refractory" (which needs a best response below a minimal response): what would
/// tell is listed as missing.
#[test]
fn primary_refractory_needs_a_known_best_response() {
    use super::support::{assess, describe};
    let record = rd_orders(patient(), 400, 8)
        .disease_status(disease_status::WORSENED, 220)
        .disease_status(disease_status::WORSENED, 205)
        .record();
    let assessment = assess(ID, &record);
    let said = describe(&assessment);
    assert_eq!(assessment.status, Refractory, "{said}");
    assert_ne!(assessment.label, "primary refractory myeloma", "{said}");
    assert!(
        assessment
            .missing
            .iter()
            .any(|m| m.contains("primary refractory") && m.contains("best response to 1L")),
        "{said}"
    );
    // Control: stable disease recorded before the progression is a known best response below
    // a minimal one.
    let record = rd_orders(patient(), 400, 8)
        .disease_status(disease_status::STABLE, 330)
        .disease_status(disease_status::STABLE, 300)
        .disease_status(disease_status::WORSENED, 220)
        .disease_status(disease_status::WORSENED, 205)
        .record();
    let assessment = assess(ID, &record);
    assert_eq!(
        assessment.label,
        "primary refractory myeloma",
        "{}",
        describe(&assessment)
    );
}

/// review RV-A OA-5 (mm7): light-chain myeloma (no M-protein), Rd ×8, the free light chain
/// difference 118.8 → 38.9 → 13.8 → 13 mg/dL (a partial response, IMWG 2016: >= 50 % fall of
/// dFLC), then a confirmed rise on therapy: relapsed and refractory, never primary refractory.
#[test]
fn a_light_chain_myeloma_responds_by_its_free_light_chains() {
    use super::support::{assess, describe};
    let record = light_chains(
        rd_orders(patient(), 400, 8),
        &[
            (1200.0, 12.0, 405),
            (400.0, 11.0, 372),
            (150.0, 12.0, 344),
            (140.0, 10.0, 316),
            (400.0, 11.0, 230),
            (600.0, 12.0, 215),
        ],
    )
    .record();
    let assessment = assess(ID, &record);
    let said = describe(&assessment);
    assert_eq!(assessment.status, Refractory, "{said}");
    assert_eq!(assessment.label, RRMM, "{said}");
    assert!(said.contains("partial response"), "{said}");
}

/// review RV-A OA-3 (mm6): Dara-Kd ×6 sent per dose, daratumumab every 2 weeks in cycles 3-6:
/// 6 cycles, the regimen's (carfilzomib's 28-day rhythm), not 8.
#[test]
fn a_drug_given_twice_a_cycle_counts_the_regimens_cycles() {
    let lines = lines_of(&dara_kd_per_dose(patient(), 300).record());
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert_eq!(lines[0].cycles, Some(6), "{lines:#?}");
}

/// review RV-A OA-4 (mm2, mm3): at the 60-day boundary the interval is said in days (60 days:
/// refractory; 61 days: relapse), never "9 weeks" for both.
#[test]
fn an_interval_near_the_60_day_boundary_is_said_in_days() {
    use super::support::{assess, describe};
    // A second line over with its response not recorded leaves the status undecided, so that
    // every criterion's reasons are said (the review's mm2 and mm3).
    let with_second_line = |after: i64| {
        let from = 300 - after - 10;
        progression_after_last_dose(after)
            .give(rx("Kd").from(from).until(from - 80))
            .line(ID, line("Kd", KD).from(from).until(from - 80))
            .record()
    };
    let refractory = describe(&assess(ID, &with_second_line(60)));
    assert!(
        refractory.contains("60 days after its last dose"),
        "{refractory}"
    );
    assert!(!refractory.contains("9 weeks"), "{refractory}");
    let relapse = describe(&assess(ID, &with_second_line(61)));
    assert!(relapse.contains("61 days after its end"), "{relapse}");
    assert!(!relapse.contains("9 weeks"), "{relapse}");
}

/// review RV-A OA-4 (mm2): a regimen restarted after a progression 40 days off therapy (within
/// IMWG's 60 days: refractory, no relapse) is a new line whose cut does not call it a relapse.
#[test]
fn a_lines_cut_does_not_call_a_progression_within_the_window_a_relapse() {
    let last_dose = 600 - 21 * 5 - 13;
    let progression = last_dose - 40;
    let v = vrd_orders(patient(), 600, 6, 6)
        .disease_status(disease_status::PARTIAL_REMISSION, 520)
        .disease_status(disease_status::WORSENED, progression)
        .disease_status(disease_status::WORSENED, progression - 7);
    let lines = lines_of(&vrd_orders(v, progression - 9, 4, 4).record());
    assert_eq!(lines.len(), 2, "{lines:#?}");
    let cut = lines[1].cut_reason.as_deref().unwrap_or_default();
    assert!(!cut.contains("relapse"), "{cut}");
    assert!(cut.contains("progression off therapy"), "{cut}");
}

/// VRd as drug records from 400 to 300 days ago, `response` (a recorded one, or none), `relapse`
/// (a relapse recorded only as a diagnosis, or nothing), then VRd again from 220 days ago,
/// ongoing: a pause shorter than the gap limit (90 days), so the same drugs go on the one line
/// unless the disease progressed off therapy in between.
fn vrd_relapse_vrd(
    response: impl FnOnce(Vignette) -> Vignette,
    relapse: impl FnOnce(Vignette) -> Vignette,
) -> Vignette {
    let first = patient()
        .give(rx("Bortezomib 1.3 mg/m2").from(400).until(300))
        .give(rx("Lenalidomide 25 mg/d").from(400).until(300))
        .give(rx("Dexamethasone 40 mg/wk").from(400).until(300));
    relapse(response(first))
        .give(rx("Bortezomib 1.3 mg/m2").from(220))
        .give(rx("Lenalidomide 25 mg/d").from(220))
        .give(rx("Dexamethasone 40 mg/wk").from(220))
}

fn partial_response(v: Vignette) -> Vignette {
    v.disease_status(disease_status::PARTIAL_REMISSION, 310)
}

/// ON-1: a myeloma relapse sent only as a diagnosis (ICD-10-CM C90.02 "Multiple myeloma in
/// relapse", or words that say relapsed), 70 days after the last dose, is a progression off
/// therapy: VRd restarted after it is a new line (IMWG 2015), its cut saying the progression,
/// and the relapsed criterion reads it (IMWG 2011: more than 60 days after the last dose).
#[test]
fn a_myeloma_relapse_sent_only_as_a_diagnosis_is_a_progression() {
    for (code, display) in [
        ("C90.02", "Multiple myeloma in relapse"),
        ("C90.00", "Relapsed multiple myeloma"),
    ] {
        let v = vrd_relapse_vrd(partial_response, |v| v.condition_since(code, display, 230));
        let lines = derived(v.clone());
        assert_eq!(lines.len(), 2, "{code}: {lines:#?}");
        let cut = lines[1].cut_reason.as_deref().unwrap_or_default();
        assert!(
            cut.contains("progression off therapy") && cut.contains(&ago(230).to_string()),
            "{code}: {cut}"
        );
        let assessment = super::support::assess(ID, &v.record());
        let said = super::support::describe(&assessment);
        assert_eq!(assessment.status, Relapsed, "{code}: {said}");
        assert!(said.contains(display), "{code}: {said}");
    }
    // Without it, the same drugs after a pause of 80 days go on the one line.
    let lines = derived(vrd_relapse_vrd(partial_response, |v| v));
    assert_eq!(lines.len(), 1, "{lines:#?}");
}

/// ON-2: a myeloma diagnosis in remission (C90.01) dated within a line's response window is the
/// line's recorded response, read as a partial response (the code says remission, not its
/// depth), and the reasons say it was read from the diagnosis; a relapse after it is a relapse.
/// "Not having achieved remission" (C90.00) is no remission.
#[test]
fn a_myeloma_diagnosis_in_remission_is_a_recorded_response() {
    let relapse = |v: Vignette| v.condition_since("C90.02", "Multiple myeloma in relapse", 230);
    let remission = vrd_relapse_vrd(
        |v| v.condition_since("C90.01", "Multiple myeloma in remission", 310),
        relapse,
    );
    let assessment = super::support::assess(ID, &remission.record());
    let said = super::support::describe(&assessment);
    assert_eq!(assessment.status, Relapsed, "{said}");
    for words in ["C90.01", "PR read from the diagnosis", "not its depth"] {
        assert!(said.contains(words), "{words}: {said}");
    }
    // With no relapse, the line responded: not refractory, said with where the response
    // came from.
    let responded = vrd_relapse_vrd(
        |v| v.condition_since("C90.01", "Multiple myeloma in remission", 310),
        |v| v,
    );
    let assessment = super::support::assess(ID, &responded.record());
    let said = super::support::describe(&assessment);
    assert_eq!(assessment.status, NotMet, "{said}");
    assert!(said.contains("PR read from the diagnosis"), "{said}");
    let not_achieved = vrd_relapse_vrd(
        |v| {
            v.condition_since(
                "C90.00",
                "Multiple myeloma not having achieved remission",
                310,
            )
        },
        relapse,
    );
    let assessment = super::support::assess(ID, &not_achieved.record());
    let said = super::support::describe(&assessment);
    assert_ne!(assessment.status, Relapsed, "{said}");
    assert!(!said.contains("read from the diagnosis"), "{said}");
}

/// Review K3-2: a myeloma diagnosis whose status alone says relapse, with no onset and
/// recorded during induction, tells no day of a relapse (its recording is the diagnosis's, not
/// the relapse's): the planned induction, transplant and maintenance stay one line. The same
/// record coded as a relapse (C90.02) on that day is a progression, and cuts it.
#[test]
fn a_status_only_relapse_recorded_in_induction_does_not_cut_a_planned_sequence() {
    let status_only = planned_sequence().episode(
        ("C90.00", "Multiple myeloma not having achieved remission"),
        "relapse",
        None,
        None,
        Some(650),
    );
    let lines = derived(status_only);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    let coded = planned_sequence().episode(
        ("C90.02", "Multiple myeloma in relapse"),
        "active",
        None,
        None,
        Some(480),
    );
    let lines = derived(coded);
    assert_eq!(lines.len(), 2, "{lines:#?}");
}

/// ON-5: a myeloma diagnosis whose status alone says relapse, recorded on a day of the first VRd
/// (no onset: its recording is the diagnosis's, not the relapse's), tells no day of a
/// progression: it is no progression on therapy (refractory) nor one off therapy (relapsed) on
/// its recorded day, and the reasons say so; the line responded (PR). The same diagnosis coded
/// as a relapse (C90.02) on that day is a progression there.
#[test]
fn a_status_only_relapse_is_no_progression_on_its_recorded_day() {
    for recorded in [350, 230] {
        let v = vrd_relapse_vrd(partial_response, |v| {
            v.episode(
                ("C90.00", "Multiple myeloma"),
                "relapse",
                None,
                None,
                Some(recorded),
            )
        });
        let assessment = super::support::assess(ID, &v.record());
        let said = super::support::describe(&assessment);
        assert_ne!(assessment.status, Refractory, "{recorded}: {said}");
        assert_ne!(assessment.status, Relapsed, "{recorded}: {said}");
        assert!(
            !said.contains(&format!(
                "Multiple myeloma (C90.00) since {}",
                ago(recorded)
            )),
            "{recorded}: {said}"
        );
        assert!(said.contains("no day of its own"), "{recorded}: {said}");
    }
    let coded = vrd_relapse_vrd(partial_response, |v| {
        v.episode(
            ("C90.02", "Multiple myeloma in relapse"),
            "active",
            None,
            None,
            Some(350),
        )
    });
    let assessment = super::support::assess(ID, &coded.record());
    let said = super::support::describe(&assessment);
    assert_eq!(assessment.status, Refractory, "{said}");
}

/// CR-5: a myeloma diagnosis whose words deny a relapse ("no evidence of relapse", "no sign of
/// recurrence", "negative for recurrence", "relapse-free") is no relapse: VRd after the pause
/// goes on the one line, and the myeloma is not called relapsed. The same words affirmed are one.
#[test]
fn a_relapse_the_words_deny_is_no_relapse() {
    for display in [
        "Multiple myeloma, no evidence of relapse",
        "Multiple myeloma - no sign of recurrence",
        "Multiple myeloma, no signs or symptoms of recurrence",
        "Multiple myeloma negative for recurrence",
        "Multiple myeloma, relapse-free",
        "Multiple myeloma, recurrence not seen on restaging",
    ] {
        let v = vrd_relapse_vrd(partial_response, |v| {
            v.condition_since("C90.00", display, 230)
        });
        let lines = derived(v.clone());
        assert_eq!(lines.len(), 1, "{display}: {lines:#?}");
        let assessment = super::support::assess(ID, &v.record());
        let said = super::support::describe(&assessment);
        assert_ne!(assessment.status, Relapsed, "{display}: {said}");
    }
    let v = vrd_relapse_vrd(partial_response, |v| {
        v.condition_since("C90.00", "Non-secretory multiple myeloma in relapse", 230)
    });
    assert_eq!(derived(v).len(), 2);
}

/// A diagnosis's codings: system, code, display.
type Codings = &'static [(&'static str, &'static str, &'static str)];

/// Whether the myeloma rule set assesses a patient whose only diagnosis is coded so.
fn assessed_as_myeloma(codings: &[(&str, &str, &str)]) -> bool {
    let record = Vignette::new()
        .condition_coded(codings, "active")
        .give(rx("Bortezomib 1.3 mg/m2").from(200))
        .give(rx("Lenalidomide 25 mg/d").from(200))
        .record();
    super::support::rules()
        .evaluate(&record, super::support::today())
        .iter()
        .any(|assessment| assessment.ruleset == ID)
}

/// OC-4: multiple myeloma is ICD-10(-CM) C90.0 whatever its fifth character (not having
/// achieved remission, in remission, in relapse), with or without the dot; plasma cell
/// leukaemia (C90.1) and the plasmacytomas (C90.2 extramedullary, C90.3 solitary) are other
/// diseases, whatever words they are written with.
#[test]
fn myeloma_is_read_from_its_codes_and_only_from_them() {
    const ICD: &str = "http://hl7.org/fhir/sid/icd-10-cm";
    let table: [(Codings, bool); 9] = [
        (&[(ICD, "C90.00", "")], true),
        (&[(ICD, "C90.01", "")], true),
        (&[(ICD, "C9002", "Multiples Myelom im Rezidiv")], true),
        (&[("http://snomed.info/sct", "109989006", "")], true),
        (&[(ICD, "C90.10", "Plasma cell leukemia")], false),
        (
            &[(
                ICD,
                "C90.12",
                "Plasma cell leukaemia (myeloma cell leukaemia), in relapse",
            )],
            false,
        ),
        (&[(ICD, "C90.20", "Extramedullary plasmacytoma")], false),
        (&[(ICD, "C90.30", "Solitary myeloma of bone")], false),
        (
            &[(
                ICD,
                "C90.31",
                "Solitary plasmacytoma (myeloma) in remission",
            )],
            false,
        ),
    ];
    for (codings, expected) in table {
        assert_eq!(assessed_as_myeloma(codings), expected, "{codings:?}");
    }
}

/// OC-4: a relapse or a remission coded with no display, or with words in another language,
/// is read by its code as the words are read: C90.02 (or C9002) after VRd cuts the line and
/// the patient relapsed; C90.01 is the line's response.
#[test]
fn a_coded_myeloma_relapse_or_remission_needs_no_english_words() {
    for (code, display) in [("C90.02", ""), ("C9002", "Multiples Myelom im Rezidiv")] {
        let v = vrd_relapse_vrd(partial_response, |v| v.condition_since(code, display, 230));
        let lines = derived(v.clone());
        assert_eq!(lines.len(), 2, "{code}: {lines:#?}");
        let assessment = super::support::assess(ID, &v.record());
        let said = super::support::describe(&assessment);
        assert_eq!(assessment.status, Relapsed, "{code}: {said}");
    }
    let remission = vrd_relapse_vrd(|v| v.condition_since("C90.01", "", 310), |v| v);
    let assessment = super::support::assess(ID, &remission.record());
    let said = super::support::describe(&assessment);
    assert_eq!(assessment.status, NotMet, "{said}");
    assert!(said.contains("PR read from the diagnosis"), "{said}");
}

/// CR-11 (the class of CR-5): a relapse looked for and not found ("Screening for relapse:
/// negative", "relapse screen negative", "assessed for recurrence — none") is no relapse, nor
/// is a screening with no result; a positive result is one.
#[test]
fn a_relapse_looked_for_and_not_found_is_no_relapse() {
    for display in [
        "Multiple myeloma. Screening for relapse: negative",
        "Multiple myeloma, relapse screen negative",
        "Multiple myeloma; assessed for recurrence — none",
        "Multiple myeloma; relapse: none found on restaging",
        "Multiple myeloma; surveillance for relapse",
    ] {
        let v = vrd_relapse_vrd(partial_response, |v| {
            v.condition_since("C90.00", display, 230)
        });
        let lines = derived(v.clone());
        assert_eq!(lines.len(), 1, "{display}: {lines:#?}");
        let assessment = super::support::assess(ID, &v.record());
        let said = super::support::describe(&assessment);
        assert_ne!(assessment.status, Relapsed, "{display}: {said}");
    }
    for display in [
        "Multiple myeloma. Screening for relapse: positive",
        // RV-1: a finding after the relapse looked for answers it.
        "Multiple myeloma. Evaluation for relapse — marrow 35 % plasma cells",
    ] {
        let v = vrd_relapse_vrd(partial_response, |v| {
            v.condition_since("C90.00", display, 230)
        });
        assert_eq!(derived(v).len(), 2, "{display}");
    }
}
