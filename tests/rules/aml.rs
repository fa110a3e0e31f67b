//! Primary refractory AML (ELN 2017, `assets/rules/aml.toml`): no CR or CRi after two courses of
//! intensive induction (cytarabine with an anthracycline or anthracenedione, or high-dose
//! cytarabine of at least 1000 mg/m2), remission read from the recorded response or from marrow
//! blasts < 5 % on a course's response marrow (the last within 45 days of its start and before
//! the next course, not a day-14 nadir); less intensive courses not counted; relapse after CR
//! told apart, from the disease status or from marrow blasts >= 5 % after a remission; courses
//! derived from drug exposures.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use refract::domain::AssessmentStatus::{InsufficientData, NotMet, Refractory, Relapsed};
use refract::domain::observation_codes::disease_status;
use refract::domain::{Comparator, EvidenceKind, Intent, Response};

use super::support::{Case, LineSpec, Vignette, case, line, run, rx};

const ID: &str = "aml";
const SEVEN_THREE: &[&str] = &["cytarabine", "daunorubicin"];

fn patient() -> Vignette {
    Vignette::new().condition(
        "C92.00",
        "Acute myeloid leukaemia, not having achieved remission",
    )
}

/// A course: each drug given from `from` days ago for 7 days, entered as an induction line
/// with `detail`.
fn course(
    v: Vignette,
    regimen: &str,
    texts: &[&str],
    drugs: &[&str],
    from: i64,
    detail: impl FnOnce(LineSpec) -> LineSpec,
) -> Vignette {
    let v = texts
        .iter()
        .fold(v, |v, text| v.give(rx(text).from(from).for_days(7)));
    v.line(
        ID,
        detail(
            line(regimen, drugs)
                .from(from)
                .until(from - 7)
                .intent(Intent::Induction),
        ),
    )
}

/// 7+3 (cytarabine 200 mg/m2/d, daunorubicin 60 mg/m2/d) from `from` days ago.
fn seven_three(v: Vignette, from: i64, detail: impl FnOnce(LineSpec) -> LineSpec) -> Vignette {
    course(
        v,
        "7+3",
        &["Cytarabine 200 mg/m2/d", "Daunorubicin 60 mg/m2/d"],
        SEVEN_THREE,
        from,
        detail,
    )
}

/// Two 7+3 courses (120 and 85 days ago) with day-28 marrow blasts `first` and `second` %.
fn two_courses(first: f64, second: f64) -> Vignette {
    let v = seven_three(patient(), 120, |l| l).marrow_blasts(first, 92);
    seven_three(v, 85, |l| l).marrow_blasts(second, 57)
}

/// 7+3 120 days ago with 30 % blasts on day 28, then a second course of `cytarabine` mg/m2
/// cytarabine alone 85 days ago with 20 % blasts on its day 28.
fn then_cytarabine_alone(cytarabine: f64) -> Vignette {
    let v = seven_three(patient(), 120, |l| l).marrow_blasts(30.0, 92);
    course(
        v,
        "cytarabine",
        &[&format!("Cytarabine {cytarabine} mg/m2")],
        &["cytarabine"],
        85,
        |l| l.dose("cytarabine", cytarabine, "mg/m2"),
    )
    .marrow_blasts(20.0, 57)
}

/// 7+3 120 days ago with a day-14 nadir marrow of 3 % blasts and a recovery marrow of
/// `recovery` % on day `day`, then a second 7+3 85 days ago (day 35) with 30 % blasts on its
/// day 28.
fn nadir_then_recovery(recovery: f64, day: i64) -> Vignette {
    let v = seven_three(patient(), 120, |l| l)
        .marrow_blasts(3.0, 106)
        .marrow_blasts(recovery, 120 - day);
    seven_three(v, 85, |l| l).marrow_blasts(30.0, 57)
}

/// One 7+3 course 120 days ago, day-14 marrow blasts 30 %, then 3 % on day `day`.
fn residual_then_clear_on_day(day: i64) -> Vignette {
    seven_three(patient(), 120, |l| l)
        .marrow_blasts(30.0, 106)
        .marrow_blasts(3.0, 120 - day)
}

/// 7+3 180 days ago with marrow blasts of 2 % on day 28 (morphologic remission), then
/// high-dose cytarabine consolidation (3000 mg/m2) 140 days ago with marrow blasts of `later` %
/// 112 days ago.
fn remission_then_marrow(later: f64) -> Vignette {
    let v = seven_three(patient(), 180, |l| l).marrow_blasts(2.0, 152);
    course(
        v,
        "HiDAC",
        &["Cytarabine 3000 mg/m2"],
        &["cytarabine"],
        140,
        |l| {
            l.dose("cytarabine", 3000.0, "mg/m2")
                .intent(Intent::Consolidation)
        },
    )
    .marrow_blasts(later, 112)
}

pub fn cases() -> Vec<Case> {
    vec![
        case(
            "two 7+3 courses with persistent marrow blasts",
            two_courses(30.0, 20.0),
            Refractory,
        )
        .label("primary refractory AML")
        .evidence(EvidenceKind::Line, 2)
        .evidence(EvidenceKind::Observation, 2),
        case(
            "blasts 30 % after the first course and reported as < 5 % after the second: remission",
            two_courses(30.0, 5.0).bounded(Comparator::Below),
            NotMet,
        )
        .reason("marrow blasts < 5%"),
        case(
            "blasts reported as < 10 % after the second course: whether below 5 % is asked",
            two_courses(30.0, 10.0).bounded(Comparator::Below),
            InsufficientData,
        )
        .missing("whether the marrow blasts of"),
        case(
            "blasts reported as > 5 % after the second course: no remission",
            two_courses(30.0, 5.0).bounded(Comparator::Above),
            Refractory,
        ),
        case(
            "recorded partial response after each of two courses",
            seven_three(
                seven_three(patient(), 120, |l| l.response(Response::Partial)),
                85,
                |l| l.response(Response::Partial),
            ),
            Refractory,
        ),
        case(
            "complete remission after the first course",
            seven_three(patient(), 120, |l| l.response(Response::Complete)),
            NotMet,
        )
        .reason("remission"),
        case(
            "CR with incomplete recovery after the first course counts as remission",
            seven_three(
                seven_three(patient(), 120, |l| {
                    l.response(Response::CompleteIncompleteRecovery)
                }),
                85,
                |l| l.response(Response::Partial),
            ),
            NotMet,
        ),
        case(
            "a day-14 nadir marrow of 3 %, then 25 % on day 35 before re-induction: no remission",
            nadir_then_recovery(25.0, 35),
            Refractory,
        )
        .label("primary refractory AML")
        .reason("marrow blasts 25% on")
        .evidence(EvidenceKind::Observation, 2),
        case(
            "a day-14 nadir marrow of 3 %, then 4 % on day 35: remission on the recovery marrow, then relapse",
            nadir_then_recovery(4.0, 35),
            Relapsed,
        )
        .reason("marrow blasts 4% on"),
        case(
            "a marrow on the day the next course starts is still the first course's",
            seven_three(
                seven_three(patient(), 120, |l| l)
                    .marrow_blasts(3.0, 92)
                    .marrow_blasts(25.0, 85),
                85,
                |l| l,
            )
            .marrow_blasts(30.0, 57),
            Refractory,
        )
        .reason("marrow blasts 25% on"),
        case(
            "a marrow on day 45 (the window's last day) decides the course",
            residual_then_clear_on_day(45),
            NotMet,
        )
        .reason("morphologic remission"),
        case(
            "a marrow on day 46 is outside the course's window: the day-14 marrow decides",
            residual_then_clear_on_day(46),
            NotMet,
        )
        .reason("1 intensive induction course(s) without remission (needs 2)"),
        case(
            "marrow blasts 4.9 % after the first course: morphologic remission, then relapse",
            two_courses(4.9, 20.0),
            Relapsed,
        )
        .reason("marrow blasts 4.9% on"),
        case(
            "marrow blasts exactly 5 % after each course: no remission",
            two_courses(5.0, 5.0),
            Refractory,
        ),
        case(
            "one intensive course without remission so far",
            seven_three(patient(), 120, |l| l).marrow_blasts(30.0, 92),
            NotMet,
        )
        .reason("1 intensive induction course(s) without remission (needs 2)"),
        case(
            "second course given, its marrow not yet done",
            seven_three(
                seven_three(patient(), 60, |l| l).marrow_blasts(30.0, 32),
                20,
                |l| l,
            ),
            InsufficientData,
        )
        .missing("response to 2L 7+3"),
        case(
            "high-dose cytarabine (3000 mg/m2) is an intensive second course",
            then_cytarabine_alone(3000.0),
            Refractory,
        ),
        case(
            "low-dose cytarabine (20 mg/m2) is not an intensive course",
            then_cytarabine_alone(20.0),
            NotMet,
        ),
        case(
            "venetoclax with azacitidine twice without remission: not intensive induction",
            course(
                course(
                    patient(),
                    "Ven/Aza",
                    &["Venetoclax 400 mg/d", "Azacitidine 75 mg/m2"],
                    &["venetoclax", "azacitidine"],
                    120,
                    |l| l,
                )
                .marrow_blasts(30.0, 92),
                "Ven/Aza",
                &["Venetoclax 400 mg/d", "Azacitidine 75 mg/m2"],
                &["venetoclax", "azacitidine"],
                85,
                |l| l,
            )
            .marrow_blasts(25.0, 57),
            NotMet,
        ),
        case(
            "complete remission, then relapse",
            seven_three(patient(), 300, |l| l.response(Response::Complete))
                .disease_status(disease_status::WORSENED, 20),
            Relapsed,
        )
        .label("relapsed AML"),
        case(
            "marrow remission after 7+3, then 20 % blasts on consolidation: relapsed",
            remission_then_marrow(20.0),
            Relapsed,
        )
        .label("relapsed AML")
        .reason("then marrow blasts 20% on")
        .evidence(EvidenceKind::Observation, 2),
        case(
            "marrow remission, then blasts of exactly 5 %: relapsed",
            remission_then_marrow(5.0),
            Relapsed,
        ),
        case(
            "marrow remission, then blasts of 4.9 %: still in remission",
            remission_then_marrow(4.9),
            NotMet,
        ),
        case(
            "marrow remission, then blasts reported as < 10 %: whether relapsed is asked",
            remission_then_marrow(10.0).bounded(Comparator::Below),
            InsufficientData,
        )
        .missing("are at least 5%"),
        case(
            "a recorded CR, then marrow blasts of 30 % with no disease status: relapsed",
            seven_three(patient(), 300, |l| l.response(Response::Complete)).marrow_blasts(30.0, 20),
            Relapsed,
        )
        .reason("then marrow blasts 30% on"),
        case(
            "a day-14 nadir marrow of 3 %, then 25 % on day 35: no remission, so no relapse",
            seven_three(patient(), 120, |l| l)
                .marrow_blasts(3.0, 106)
                .marrow_blasts(25.0, 85),
            NotMet,
        )
        .reason("1 intensive induction course(s) without remission (needs 2)"),
        case(
            "derived lines: 7+3, then MEC, blasts persistent after both",
            patient()
                .give(rx("Cytarabine 200 mg/m2/d").from(120).for_days(7))
                .give(rx("Daunorubicin 60 mg/m2/d").from(120).for_days(3))
                .marrow_blasts(30.0, 92)
                .give(rx("Mitoxantrone 10 mg/m2/d").from(85).for_days(5))
                .give(rx("Etoposide 100 mg/m2/d").from(85).for_days(5))
                .give(rx("Cytarabine 1000 mg/m2/d").from(85).for_days(5))
                .marrow_blasts(20.0, 57),
            Refractory,
        )
        .evidence(EvidenceKind::Line, 2),
        case(
            "a recorded CR after the second course with marrow blasts of 12 %: the blasts decide",
            seven_three(
                seven_three(patient(), 120, |l| l).marrow_blasts(30.0, 92),
                85,
                |l| l.response(Response::Complete),
            )
            .marrow_blasts(12.0, 57),
            Refractory,
        )
        .reason("recorded CR, but marrow blasts 12% on")
        .confounder("conflicting_evidence"),
        case(
            "a recorded CR after the second course with marrow blasts of 3 %: remission",
            seven_three(
                seven_three(patient(), 120, |l| l).marrow_blasts(30.0, 92),
                85,
                |l| l.response(Response::Complete),
            )
            .marrow_blasts(3.0, 57),
            NotMet,
        ),
    ]
}

/// The rule set's choice of marrow, switched: `response_marrow = "first"` reads the earliest
/// marrow of the window (the nadir), as refract did before: a remission, and the 25 % at
/// recovery then a relapse.
#[test]
fn the_first_marrow_of_the_window_decides_when_the_rule_file_says_so() {
    let record = nadir_then_recovery(25.0, 35).record();
    let text = refract::rules::EMBEDDED
        .iter()
        .find(|(id, _)| *id == ID)
        .map(|(_, text)| *text)
        .unwrap();
    assert!(text.contains("response_marrow = \"last\""));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("aml.toml"),
        text.replace("response_marrow = \"last\"", "response_marrow = \"first\""),
    )
    .unwrap();
    let rules = refract::rules::Rules::load(Some(dir.path())).unwrap();
    let assessment = rules
        .evaluate_one(&record, rules.get(ID).unwrap(), super::support::today())
        .unwrap();
    assert_eq!(
        assessment.status,
        Relapsed,
        "{}",
        super::support::describe(&assessment)
    );
    assert!(
        assessment
            .reasons
            .iter()
            .any(|r| r.contains("marrow blasts 3% on")),
        "{}",
        super::support::describe(&assessment)
    );
}

#[test]
fn aml_cases() {
    run(ID, &cases());
}

/// ELN 2017 counts courses, and a re-induction with the same drugs is a second course; line
/// derivation merges a renewal of the same drugs within `gap_days` into one line.
#[test]
fn derived_lines_count_a_same_drug_reinduction_as_a_second_course() {
    let record = patient()
        .give(rx("Cytarabine 200 mg/m2/d").from(120).for_days(7))
        .give(rx("Daunorubicin 60 mg/m2/d").from(120).for_days(3))
        .marrow_blasts(30.0, 106)
        .give(rx("Cytarabine 200 mg/m2/d").from(100).for_days(5))
        .give(rx("Daunorubicin 60 mg/m2/d").from(100).for_days(2))
        .marrow_blasts(25.0, 72)
        .record();
    let assessment = super::support::assess(ID, &record);
    assert_eq!(
        assessment.status,
        Refractory,
        "7+3 then 5+2 re-induction, blasts persistent after both:\n{}",
        super::support::describe(&assessment)
    );
}

/// The two choices this rule file names are checked on load: a marrow reading that is neither
/// `last` nor `first`, and a relapse reading its marrows through a criterion that reads none.
#[test]
fn a_wrong_marrow_choice_is_refused_on_load() {
    let text = refract::rules::EMBEDDED
        .iter()
        .find(|(id, _)| *id == ID)
        .map(|(_, text)| *text)
        .unwrap();
    for (from, to, words) in [
        (
            "response_marrow = \"last\"",
            "response_marrow = \"middle\"",
            "response_marrow must be 'last' or 'first'",
        ),
        (
            "marrow_from = \"no_remission_after_two_courses\"",
            "marrow_from = \"relapsed\"",
            "marrow_from names no induction_failure criterion 'relapsed'",
        ),
    ] {
        assert!(text.contains(from), "{from}");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("aml.toml"), text.replace(from, to)).unwrap();
        let error = refract::rules::Rules::load(Some(dir.path()))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains(words), "{to}: {error:?}");
    }
}
