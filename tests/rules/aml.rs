//! Primary refractory AML (ELN 2017, `assets/rules/aml.toml`): no CR or CRi after two courses of
//! intensive induction (cytarabine with an anthracycline or anthracenedione, or high-dose
//! cytarabine of at least 1000 mg/m2), remission read from the recorded response or from marrow
//! blasts < 5 % on a course's response marrow (the last within 45 days of its start and before
//! the next course, not a day-14 nadir) with the best blood counts of its recovery (ANC at least
//! 1.0 and platelets at least 100 x 10^9/L: CR; one of them: CRi; neither: MLFS, no remission;
//! none recorded: undecided; never overruling a recorded CR/CRi to no remission); less intensive courses not counted; relapse after CR told apart, from the disease status or
//! from marrow blasts >= 5 % after a remission (never after an MLFS); courses derived from drug
//! exposures.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use refract::domain::AssessmentStatus::{InsufficientData, NotMet, Refractory, Relapsed};
use refract::domain::observation_codes::disease_status;
use refract::domain::{Comparator, EvidenceKind, Intent, Response};

use super::support::{Case, LineSpec, Vignette, ago, case, line, run, rx};

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

/// LOINC 751-8 and 777-3: the automated ANC and platelet count of a blood count.
const ANC: &str = "751-8";
const PLATELETS: &str = "777-3";

/// An ANC and a platelet count, both in `unit`, at 09:00 `days` days ago.
fn counts_in(v: Vignette, anc: f64, platelets: f64, unit: &str, days: i64) -> Vignette {
    v.observe(
        ANC,
        "Neutrophils [#/volume] in Blood by Automated count",
        anc,
        unit,
        days,
    )
    .observe(
        PLATELETS,
        "Platelets [#/volume] in Blood by Automated count",
        platelets,
        unit,
        days,
    )
}

/// An ANC and a platelet count in 10*9/L (UCUM, as FHIR sends it) `days` days ago.
fn counts(v: Vignette, anc: f64, platelets: f64, days: i64) -> Vignette {
    counts_in(v, anc, platelets, "10*9/L", days)
}

/// Recovered counts (ANC 1.5, platelets 150 x 10^9/L) `days` days ago.
fn recovered(v: Vignette, days: i64) -> Vignette {
    counts(v, 1.5, 150.0, days)
}

/// 7+3 120 days ago with marrow blasts of 3 % on day 28 (92 days ago) and the blood counts of
/// `v_counts` around it, then a second 7+3 85 days ago with 30 % blasts on its day 28: primary
/// refractory when the first course was no remission (MLFS), relapsed when it was one (CR, CRi).
fn clear_marrow_then_second(
    first: impl FnOnce(LineSpec) -> LineSpec,
    v_counts: impl FnOnce(Vignette) -> Vignette,
) -> Vignette {
    let v = v_counts(seven_three(patient(), 120, first).marrow_blasts(3.0, 92));
    seven_three(v, 85, |l| l).marrow_blasts(30.0, 57)
}

/// [`clear_marrow_then_second`] with an ANC and platelet count (10^9/L) the day after the
/// first course's marrow.
fn counted(anc: f64, platelets: f64) -> Vignette {
    clear_marrow_then_second(|l| l, |v| counts(v, anc, platelets, 91))
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
/// `recovery` % on day `day` (recovered counts that day), then a second 7+3 85 days ago (day 35) with 30 % blasts on its
/// day 28.
fn nadir_then_recovery(recovery: f64, day: i64) -> Vignette {
    let v = seven_three(patient(), 120, |l| l)
        .marrow_blasts(3.0, 106)
        .marrow_blasts(recovery, 120 - day);
    seven_three(recovered(v, 120 - day), 85, |l| l).marrow_blasts(30.0, 57)
}

/// One 7+3 course 120 days ago, day-14 marrow blasts 30 %, then 3 % on day `day` with
/// recovered counts that day.
fn residual_then_clear_on_day(day: i64) -> Vignette {
    let v = seven_three(patient(), 120, |l| l)
        .marrow_blasts(30.0, 106)
        .marrow_blasts(3.0, 120 - day);
    recovered(v, 120 - day)
}

/// 7+3 180 days ago with marrow blasts of 2 % on day 28 and recovered counts (CR), then
/// high-dose cytarabine consolidation (3000 mg/m2) 140 days ago with marrow blasts of `later` %
/// 112 days ago.
fn remission_then_marrow(later: f64) -> Vignette {
    remission_counts_then_marrow(later, |v| recovered(v, 152))
}

/// [`remission_then_marrow`] with the blood counts of `v_counts` at the first marrow.
fn remission_counts_then_marrow(
    later: f64,
    v_counts: impl FnOnce(Vignette) -> Vignette,
) -> Vignette {
    let v = v_counts(seven_three(patient(), 180, |l| l).marrow_blasts(2.0, 152));
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
            "marrow blasts named by the sample and by the cells: two courses, no remission",
            seven_three(
                seven_three(patient(), 120, |l| l).observe(
                    "",
                    "Bone marrow aspirate blasts",
                    30.0,
                    "%",
                    92,
                ),
                85,
                |l| l,
            )
            .observe("", "Myeloblasts in bone marrow", 20.0, "%", 57),
            Refractory,
        )
        .label("primary refractory AML"),
        case(
            "blast cells in the blood are not the marrow's",
            seven_three(
                seven_three(patient(), 120, |l| l).observe(
                    "",
                    "Blast cells in peripheral blood",
                    30.0,
                    "%",
                    92,
                ),
                85,
                |l| l,
            )
            .observe("", "Blasts in blood", 20.0, "%", 57),
            InsufficientData,
        ),
        case(
            "blasts 30 % after the first course and reported as < 5 % after the second: remission",
            recovered(two_courses(30.0, 5.0).bounded(Comparator::Below), 56),
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
        .reason("marrow blasts 3% on"),
        case(
            "a marrow on day 46 is outside the course's window: the day-14 marrow decides",
            residual_then_clear_on_day(46),
            NotMet,
        )
        .reason("1 intensive induction course(s) without remission (needs 2)"),
        case(
            "marrow blasts 4.9 % after the first course with recovered counts: CR, then relapse",
            recovered(two_courses(4.9, 20.0), 92),
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
            "CR (marrow and counts) after 7+3, then 20 % blasts on consolidation: relapsed",
            remission_then_marrow(20.0),
            Relapsed,
        )
        .label("relapsed AML")
        .reason("then marrow blasts 20% on")
        .evidence(EvidenceKind::Observation, 4),
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
    .into_iter()
    .chain(recovery_cases())
    .chain(count_window_cases())
    .collect()
}

/// ELN 2017 response categories from the blood counts at the response marrow (reference 7a):
/// CR needs ANC >= 1.0 and platelets >= 100 x 10^9/L, CRi all of CR but one of them, MLFS
/// marrow blasts < 5 % with neither (not a remission); ELN 2022 CRh (ANC >= 0.5, platelets >=
/// 50) only when the rule file counts it.
fn recovery_cases() -> Vec<Case> {
    vec![
        case(
            "marrow blasts 3 % with ANC 0.4 and platelets 35: MLFS, then 30 %: primary refractory",
            counted(0.4, 35.0),
            Refractory,
        )
        .label("primary refractory AML")
        .reason("marrow blasts 3% on")
        .reason("ANC 0.4 ×10⁹/L and platelets 35 ×10⁹/L on")
        .reason("MLFS, not a remission")
        .evidence(EvidenceKind::Observation, 4)
        .evidence_text("Platelets [#/volume] in Blood by Automated count 35"),
        case(
            "ANC 0.99 and platelets 50: neither recovered (MLFS)",
            counted(0.99, 50.0),
            Refractory,
        )
        .reason("MLFS"),
        case(
            "ANC 1.0 and platelets 50: CRi, a remission (the 30 % after it a relapse)",
            counted(1.0, 50.0),
            Relapsed,
        )
        .reason(": CRi"),
        case(
            "platelets 99 and ANC 0.5: neither recovered (MLFS)",
            counted(0.5, 99.0),
            Refractory,
        ),
        case(
            "platelets 100 and ANC 0.5: CRi, a remission (then relapse)",
            counted(0.5, 100.0),
            Relapsed,
        )
        .reason(": CRi"),
        case(
            "ANC 1.0 and platelets 100: CR (then relapse)",
            counted(1.0, 100.0),
            Relapsed,
        )
        .reason(": CR")
        .no_reason(": CRi"),
        case(
            "ANC 0.4 with platelets 150: one count recovered, CRi, not refractory",
            counted(0.4, 150.0),
            Relapsed,
        )
        .reason(": CRi"),
        case(
            "marrow blasts 3 % and no blood counts near it: CR or MLFS cannot be told",
            clear_marrow_then_second(|l| l, |v| v),
            InsufficientData,
        )
        .missing("ANC and platelet count at the response marrow (")
        .missing(&ago(92).to_string())
        .reason("intensive course 2, 2L 7+3")
        .reason("after a course not yet decided"),
        case(
            "marrow blasts 3 % with no counts, then a recorded CR after the second course: not refractory whatever the first was",
            seven_three(
                seven_three(patient(), 120, |l| l).marrow_blasts(3.0, 92),
                85,
                |l| l.response(Response::Complete),
            ),
            NotMet,
        )
        .no_missing()
        .reason("2L 7+3, 2026-09 → 2026-09, best response CR: remission (CR)"),
        case(
            "two courses with clear marrows and no counts: both are asked for",
            seven_three(
                seven_three(patient(), 120, |l| l).marrow_blasts(3.0, 92),
                85,
                |l| l,
            )
            .marrow_blasts(3.0, 57),
            InsufficientData,
        )
        .missing("of 1L 7+3")
        .missing("of 2L 7+3"),
        case(
            "only a platelet count near the marrow: the ANC is what is missing",
            clear_marrow_then_second(
                |l| l,
                |v| v.observe(PLATELETS, "Platelets", 35.0, "10*9/L", 91),
            ),
            InsufficientData,
        )
        .missing("ANC at the response marrow"),
        case(
            "counts 7 days before the marrow are read",
            clear_marrow_then_second(|l| l, |v| counts(v, 0.4, 35.0, 99)),
            Refractory,
        ),
        case(
            "counts 8 days before the marrow are not",
            clear_marrow_then_second(|l| l, |v| counts(v, 0.4, 35.0, 100)),
            InsufficientData,
        )
        .missing("ANC and platelet count at the response marrow"),
        case(
            "the best counts decide, not the nearest: low on the marrow's day, recovered 5 days later (CR, then relapse)",
            clear_marrow_then_second(
                |l| l,
                |v| recovered(counts(v, 0.4, 35.0, 92), 87),
            ),
            Relapsed,
        )
        .reason("ANC 1.5 ×10⁹/L and platelets 150 ×10⁹/L on")
        .reason(": CR")
        .no_reason("MLFS"),
        case(
            "counts in /uL: ANC 400/uL and platelets 35000/uL are MLFS",
            clear_marrow_then_second(|l| l, |v| counts_in(v, 400.0, 35_000.0, "/uL", 91)),
            Refractory,
        )
        .reason("ANC 400/uL (0.4 ×10⁹/L)"),
        case(
            "counts in cells/uL and /mm3: ANC 1000 and platelets 100000 are CR",
            clear_marrow_then_second(
                |l| l,
                |v| {
                    v.observe(ANC, "Absolute neutrophil count", 1000.0, "{cells}/uL", 91)
                        .observe(PLATELETS, "Platelet count", 100_000.0, "/mm3", 91)
                },
            ),
            Relapsed,
        )
        .reason(": CR"),
        case(
            "counts in 10*3/uL: platelets 99 is below 100 x 10^9/L",
            clear_marrow_then_second(|l| l, |v| counts_in(v, 0.9, 99.0, "10*3/uL", 91)),
            Refractory,
        ),
        case(
            "counts as FHIR's unit text writes them (x10^9/L), read by name",
            clear_marrow_then_second(
                |l| l,
                |v| {
                    v.observe("local-anc", "Absolute neutrophil count", 0.4, "x10^9/L", 91)
                        .observe("local-plt", "Platelet count", 35.0, "x10^9/L", 91)
                },
            ),
            Refractory,
        ),
        case(
            "an ANC in a unit refract does not read: what is missing names it",
            clear_marrow_then_second(|l| l, |v| counts_in(v, 0.4, 35.0, "mmol/L", 91)),
            InsufficientData,
        )
        .missing("mmol/L"),
        case(
            "a recorded CR with platelets 40: the counts say CRi, still a remission, the conflict named",
            clear_marrow_then_second(
                |l| l.response(Response::Complete),
                |v| counts(v, 1.5, 40.0, 91),
            ),
            Relapsed,
        )
        .reason("recorded CR, but")
        .reason("platelets 40 ×10⁹/L")
        .reason(": CRi")
        .confounder("conflicting_evidence"),
        case(
            "a recorded CR with ANC 0.4 and platelets 35: the recorded CR stands (then relapse), conflict named",
            clear_marrow_then_second(
                |l| l.response(Response::Complete),
                |v| counts(v, 0.4, 35.0, 91),
            ),
            Relapsed,
        )
        .reason("recorded CR, but")
        .reason("MLFS")
        .reason("the recorded CR stands")
        .confounder("conflicting_evidence"),
        case(
            "a recorded CR with no counts near its marrow: the recorded CR stands",
            clear_marrow_then_second(|l| l.response(Response::Complete), |v| v),
            Relapsed,
        )
        .no_missing(),
        case(
            "ANC 0.6 and platelets 60: CRh by ELN 2022, not counted by default (MLFS)",
            counted(0.6, 60.0),
            Refractory,
        )
        .reason("MLFS, not a remission").reason("CRh by ELN 2022"),
        case(
            "MLFS after 7+3, then 20 % blasts on high-dose cytarabine: two intensive courses without remission, not a relapse",
            remission_counts_then_marrow(20.0, |v| counts(v, 0.4, 35.0, 152)),
            Refractory,
        )
        .reason("MLFS, not a remission")
        .no_reason("(relapse: 5% or more)"),
        case(
            "MLFS after 7+3, then a marrow of 20 %: no remission to relapse from",
            counts(
                seven_three(patient(), 180, |l| l).marrow_blasts(2.0, 152),
                0.4,
                35.0,
                152,
            )
            .marrow_blasts(20.0, 112),
            NotMet,
        )
        .no_reason("(relapse: 5% or more)"),
        case(
            "CR after 7+3 (the same marrow, counts recovered), then a marrow of 20 %: relapsed",
            recovered(
                seven_three(patient(), 180, |l| l).marrow_blasts(2.0, 152),
                152,
            )
            .marrow_blasts(20.0, 112),
            Relapsed,
        )
        .reason("(relapse: 5% or more)"),
        case(
            "a recorded CR with the counts of an MLFS, then worsening: the recorded CR stands, a relapse",
            counts(
                seven_three(patient(), 300, |l| l.response(Response::Complete))
                    .marrow_blasts(3.0, 272),
                0.4,
                35.0,
                272,
            )
            .disease_status(disease_status::WORSENED, 20),
            Relapsed,
        ),
    ]
}

/// H2: the counts of a course are its best from a week before its response marrow to the day
/// the next course starts (or `days_after_marrow` after the marrow when none does): counts
/// taken before recovery do not make the course an MLFS, and never overrule a recorded
/// remission.
fn count_window_cases() -> Vec<Case> {
    // Each course: marrow blasts 2 % (then 1 %) on day 28, ANC 0.4 and platelets 40 the day
    // before, ANC 1.6 and platelets 140 nine days after, "full remission" recorded that day.
    let course_in_remission = |v: Vignette, from: i64, blasts: f64| {
        let marrow = from - 28;
        let v = seven_three(v, from, |l| l).marrow_blasts(blasts, marrow);
        counts(counts(v, 0.4, 40.0, marrow + 1), 1.6, 140.0, marrow - 9)
            .disease_status(disease_status::FULL_REMISSION, marrow)
    };
    let one_course_clear = || seven_three(patient(), 120, |l| l).marrow_blasts(3.0, 92);
    vec![
        case(
            "H2: a recorded full remission after each course, low counts the day before each marrow and recovered nine days after: remission",
            course_in_remission(course_in_remission(patient(), 150, 2.0), 100, 1.0),
            NotMet,
        )
        .reason("1L 7+3")
        .reason("remission (CR; ANC 1.6 ×10⁹/L and platelets 140 ×10⁹/L on")
        .no_reason("MLFS"),
        case(
            "counts recovered 12 days after the marrow, no next course: CR",
            counts(recovered(one_course_clear(), 80), 0.4, 35.0, 93),
            NotMet,
        )
        .reason("marrow blasts 3% on")
        .reason(": CR")
        .no_reason("MLFS"),
        case(
            "with no next course, counts 28 days after the marrow are read",
            counts(recovered(one_course_clear(), 64), 0.4, 35.0, 93),
            NotMet,
        )
        .reason(": CR"),
        case(
            "with no next course, counts 29 days after the marrow are not",
            counts(recovered(one_course_clear(), 63), 0.4, 35.0, 93),
            NotMet,
        )
        .reason("MLFS, not a remission"),
        case(
            "counts recovered on the day the next course starts are the first course's",
            clear_marrow_then_second(|l| l, |v| recovered(counts(v, 0.4, 35.0, 91), 85)),
            Relapsed,
        )
        .reason(": CR"),
        case(
            "counts the day after the next course starts are not the first course's",
            clear_marrow_then_second(|l| l, |v| recovered(counts(v, 0.4, 35.0, 91), 84)),
            Refractory,
        )
        .reason("MLFS, not a remission"),
        case(
            "counts of an MLFS with the recovery window still open: undecided, not refractory",
            counts(
                seven_three(
                    seven_three(patient(), 120, |l| l).marrow_blasts(30.0, 92),
                    40,
                    |l| l,
                )
                .marrow_blasts(3.0, 12),
                0.4,
                35.0,
                12,
            ),
            InsufficientData,
        )
        .missing("blood counts of 2L 7+3 up to"),
        case(
            "M2: a recorded CRi with ANC 0.8 and platelets 80: the recorded CRi stands, the conflict named",
            clear_marrow_then_second(
                |l| l.response(Response::CompleteIncompleteRecovery),
                |v| counts(v, 0.8, 80.0, 91),
            ),
            Relapsed,
        )
        .reason("recorded CRi, but")
        .reason("MLFS")
        .confounder("conflicting_evidence"),
        case(
            "M2: ANC 0.8 and platelets 80 with nothing recorded: both short, MLFS (the documented reading)",
            counted(0.8, 80.0),
            Refractory,
        )
        .reason("MLFS, not a remission"),
    ]
}

/// The rule file with `from` replaced by `to` (which must be in it), loaded from a folder.
fn rules_with(from: &str, to: &str) -> refract::rules::Rules {
    let text = refract::rules::EMBEDDED
        .iter()
        .find(|(id, _)| *id == ID)
        .map(|(_, text)| *text)
        .unwrap();
    assert!(text.contains(from), "{from}");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("aml.toml"), text.replace(from, to)).unwrap();
    refract::rules::Rules::load(Some(dir.path())).unwrap()
}

/// CRh (ELN 2022: ANC >= 0.5 and platelets >= 50 x 10^9/L) is a remission once the rule file
/// lists it in `remission_responses` (the 30 % after the second course is then a relapse);
/// below either threshold it is still MLFS, and two courses without remission are refractory.
#[test]
fn crh_counts_as_remission_when_the_rule_file_says_so() {
    let rules = rules_with(
        "remission_responses = [\"CR\", \"CRi\", \"sCR\"]",
        "remission_responses = [\"CR\", \"CRi\", \"CRh\", \"sCR\"]",
    );
    let set = rules.get(ID).unwrap();
    for (anc, platelets, status) in [
        (0.6, 60.0, Relapsed),
        (0.5, 50.0, Relapsed),
        (0.49, 50.0, Refractory),
        (0.5, 49.0, Refractory),
    ] {
        let record = counted(anc, platelets).record();
        let assessment = rules
            .evaluate_one(&record, set, super::support::today())
            .unwrap();
        let said = super::support::describe(&assessment);
        assert_eq!(
            assessment.status, status,
            "ANC {anc}, platelets {platelets}: {said}"
        );
        if status == Relapsed {
            assert!(
                assessment.reasons.iter().any(|r| r.contains(": CRh")),
                "{said}"
            );
        }
    }
}

/// The rule set's choice of marrow, switched: `response_marrow = "first"` reads the earliest
/// marrow of the window (the nadir), as refract did before: a remission, and the 25 % at
/// recovery then a relapse.
#[test]
fn the_first_marrow_of_the_window_decides_when_the_rule_file_says_so() {
    // Counts that day too: the nadir marrow is read like any response marrow.
    let record = recovered(nadir_then_recovery(25.0, 35), 106).record();
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

/// The blood-count parameters are checked on load like every other: a negative window, a
/// threshold of zero, a unit of size zero (every count in it would read as recovered).
#[test]
fn a_count_parameter_out_of_range_is_refused_on_load() {
    let text = refract::rules::EMBEDDED
        .iter()
        .find(|(id, _)| *id == ID)
        .map(|(_, text)| *text)
        .unwrap();
    for (from, to, words) in [
        (
            "\nwindow_days = 7",
            "\nwindow_days = -1",
            "window_days = -1 in criterion 'no_remission_after_two_courses' is out of range",
        ),
        (
            "platelets_at_least = 100",
            "platelets_at_least = 0",
            "platelets_at_least = 0 in criterion 'no_remission_after_two_courses' is out of range",
        ),
        (
            "\"/uL\" = 1000",
            "\"/uL\" = 0",
            "\"/uL\" = 0 in criterion 'no_remission_after_two_courses' is out of range",
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

/// 7+3 120 days ago with 30 % blasts on day 28, then a second course of cytarabine alone 85
/// days ago recorded as `text` (with `dose` in its unit, when there is one) with 20 % blasts on
/// its day 28: refractory exactly when the second course is intensive.
fn then_second_course(regimen: &str, text: &str, dose: Option<(f64, &str)>) -> Vignette {
    let v = seven_three(patient(), 120, |l| l).marrow_blasts(30.0, 92);
    course(v, regimen, &[text], &["cytarabine"], 85, |l| match dose {
        Some((value, unit)) => l.dose("cytarabine", value, unit),
        None => l,
    })
    .marrow_blasts(20.0, 57)
}

/// The high-dose test compares in mg/m² (a g/m² dose converted, a dose in another unit
/// undecided rather than compared as if it were mg/m²); a course named as high-dose cytarabine
/// is high dose by its name, and cytarabine alone with no dose recorded is of unknown
/// intensity (criteria §7a sketch: `insufficient_data_if: intensity_unknown`).
fn intensity_cases() -> Vec<Case> {
    vec![
        case(
            "cytarabine 3 g/m2 is 3000 mg/m2: high dose",
            then_second_course("cytarabine", "Cytarabine 3 g/m2", Some((3.0, "g/m2"))),
            Refractory,
        ),
        case(
            "cytarabine 1.5 g/m² (unit text): high dose",
            then_second_course("cytarabine", "Cytarabine 1.5 g/m²", Some((1.5, "g/m²"))),
            Refractory,
        ),
        case(
            "cytarabine 0.2 g/m2 is 200 mg/m2: not high dose",
            then_second_course("cytarabine", "Cytarabine 0.2 g/m2", Some((0.2, "g/m2"))),
            NotMet,
        ),
        case(
            "cytarabine 5400 mg without a body surface: mg/m2 unknown, undecided",
            then_second_course("cytarabine", "Cytarabine 5400 mg", Some((5400.0, "mg"))),
            InsufficientData,
        )
        .missing("cytarabine"),
        case(
            "cytarabine 2000 in a unit that is no dose per m2: undecided, the unit named",
            then_second_course("cytarabine", "Cytarabine", Some((2000.0, "mL/h"))),
            InsufficientData,
        )
        .missing("mL/h"),
        case(
            "cytarabine 40 mg: below 1000 mg/m2 for any adult's body surface",
            then_second_course("cytarabine", "Cytarabine 40 mg", Some((40.0, "mg"))),
            NotMet,
        ),
        case(
            "a re-induction named HiDAC with no dose: high dose by its name",
            then_second_course("HiDAC", "HiDAC", None),
            Refractory,
        ),
        case(
            "a re-induction named high-dose cytarabine with no dose: high dose by its name",
            then_second_course("cytarabine", "High-dose cytarabine", None),
            Refractory,
        ),
        case(
            "cytarabine alone with no dose: intensity unknown, undecided",
            then_second_course("cytarabine", "Cytarabine", None),
            InsufficientData,
        )
        .missing("dose of cytarabine"),
        case(
            "counts in 10^3/mcL: CR",
            clear_marrow_then_second(|l| l, |v| counts_in(v, 1.5, 120.0, "10^3/mcL", 91)),
            Relapsed,
        )
        .reason(": CR"),
        case(
            "counts in K/mcL: CR",
            clear_marrow_then_second(|l| l, |v| counts_in(v, 1.5, 120.0, "K/mcL", 91)),
            Relapsed,
        ),
        case(
            "counts in ×10⁹/L (superscript digits): CR",
            clear_marrow_then_second(|l| l, |v| counts_in(v, 1.5, 120.0, "×10⁹/L", 91)),
            Relapsed,
        ),
        case(
            "counts in Thousand/uL: CR",
            clear_marrow_then_second(|l| l, |v| counts_in(v, 1.5, 120.0, "Thousand/uL", 91)),
            Relapsed,
        ),
        case(
            "counts in /cumm: CR",
            clear_marrow_then_second(|l| l, |v| counts_in(v, 1500.0, 120_000.0, "/cumm", 91)),
            Relapsed,
        ),
        case(
            "counts in Giga/L: CR",
            clear_marrow_then_second(|l| l, |v| counts_in(v, 1.5, 120.0, "Giga/L", 91)),
            Relapsed,
        ),
        case(
            "counts in 10^9/L with a lower-case x and spaces, and in per microlitre: CR",
            clear_marrow_then_second(
                |l| l,
                |v| {
                    v.observe(ANC, "ANC", 1.5, "x 10^9 /L", 91).observe(
                        PLATELETS,
                        "Platelets",
                        120_000.0,
                        "cells/microliter",
                        91,
                    )
                },
            ),
            Relapsed,
        ),
    ]
}

#[test]
fn aml_intensity_and_count_unit_cases() {
    run(ID, &intensity_cases());
}

/// A case name for each of several cases built in a loop (names must differ).
fn named_case(words: String) -> &'static str {
    Box::leak(words.into_boxed_str())
}

/// Two 7+3 courses with day-28 marrow blasts of 40 % and 35 % under `code` and `name`, and
/// counts of aplasia with each.
fn two_courses_named(code: &str, name: &str) -> Vignette {
    let v = seven_three(patient(), 120, |l| l).observe(code, name, 40.0, "%", 92);
    let v = counts(v, 0.3, 20.0, 92);
    let v = seven_three(v, 85, |l| l).observe(code, name, 35.0, "%", 57);
    counts(v, 0.2, 15.0, 57)
}

/// Marrow blasts are read under the names laboratories give them: LOINC's long names (the
/// cells named "Myeloblasts"), a lab's "BM BLAST %", the marrow named after the blasts
/// ("Blasts, Bone Marrow"), in any order, singular or plural; and under LOINC's codes for them
/// whatever their words. Blasts of the blood are never read as the marrow's.
#[test]
fn marrow_blasts_are_read_under_the_names_and_codes_labs_give_them() {
    let names = [
        "Myeloblasts/100 leukocytes in Bone marrow by Manual count",
        "Blasts/100 leukocytes in Bone marrow by Manual count",
        "BM BLAST %",
        "Blasts, Bone Marrow",
        "Bone Marrow Blast Percentage",
        "Blast %, bone marrow",
        "Blasts (bone marrow aspirate)",
        "Bone marrow blast count",
        "Marrow blast %",
        "Blasts in bone marrow aspirate (%)",
    ];
    let mut cases: Vec<Case> = names
        .iter()
        .map(|&name| {
            case(
                named_case(format!("marrow blasts named {name}: refractory")),
                two_courses_named("local-1234", name),
                Refractory,
            )
            .reason("marrow blasts 40")
        })
        .collect();
    for code in ["26445-7", "11150-0"] {
        cases.push(
            case(
                named_case(format!("marrow blasts coded {code}: refractory")),
                two_courses_named(code, "Lab result"),
                Refractory,
            )
            .reason("marrow blasts 40"),
        );
    }
    for name in [
        "Blasts, peripheral blood",
        "PB blasts",
        "Blasts/100 leukocytes in Blood by Manual count",
        "Blast %, peripheral blood (bone marrow transplant clinic)",
    ] {
        cases.push(
            case(
                named_case(format!("blood blasts named {name}: undecided")),
                two_courses_named("local-1234", name),
                InsufficientData,
            )
            .missing("marrow assessment"),
        );
    }
    run(ID, &cases);
}

/// Blood counts in the unit texts laboratories print: Cerner's "x10(3)/mcL", "Thous/uL",
/// "x1000/uL", "K/mm3", "thou/mm3", "X10 3/uL" are 10^3/uL (10^9/L); "/cmm" is per mm3.
#[test]
fn counts_in_the_unit_texts_labs_print_are_read() {
    let mut cases = Vec::new();
    for unit in [
        "x10(3)/mcL",
        "Thous/uL",
        "x1000/uL",
        "K/mm3",
        "thou/mm3",
        "X10 3/uL",
        "10^9/L",
        "10*3/uL",
    ] {
        cases.push(
            case(
                named_case(format!("counts in {unit}: CR")),
                clear_marrow_then_second(|l| l, |v| counts_in(v, 1.5, 120.0, unit, 91)),
                Relapsed,
            )
            .reason(": CR"),
        );
    }
    cases.push(
        case(
            "counts per cmm: CR",
            clear_marrow_then_second(|l| l, |v| counts_in(v, 1500.0, 120_000.0, "/cmm", 91)),
            Relapsed,
        )
        .reason(": CR"),
    );
    run(ID, &cases);
}

/// 7+3 180 days ago with marrow blasts of 2 % on day 28 and recovered counts (CR), then a
/// result of `value` % named `name` 100 days ago.
fn remission_then_named(name: &str, value: f64) -> Vignette {
    recovered(
        seven_three(patient(), 180, |l| l).marrow_blasts(2.0, 152),
        152,
    )
    .observe("local-5678", name, value, "%", 100)
}

/// A blast count is the blasts' share of the marrow's cells (ELN 2017's "bone marrow blasts",
/// counted on the smear): a test measured on the marrow's blasts (their donor chimerism, the
/// share of them carrying a CD marker, a flow cytometry immunophenotype or MRD, FISH, a
/// mutation's allelic ratio) names marrow and blasts too, and is never read as it. After a CR,
/// such a result of 98 % is no relapse; the blast count of the same marrow is.
#[test]
fn tests_measured_on_marrow_blasts_are_not_the_marrow_blast_count() {
    let mut cases: Vec<Case> = [
        "Chimerism, CD34+ blasts, bone marrow (% donor)",
        "CD33 expression, bone marrow blasts (% positive)",
        "Bone marrow blasts expressing CD123",
        "Blasts, bone marrow, flow cytometry immunophenotype",
        "MRD, bone marrow blasts by flow",
        "FLT3-ITD allelic ratio in marrow blasts",
        "NPM1 mutation, BM blasts",
        "Marrow blasts, FISH positive nuclei",
        "Donor chimerism of marrow myeloblasts",
    ]
    .iter()
    .map(|&name| {
        case(
            named_case(format!("after CR, {name} 98 %: still in remission")),
            remission_then_named(name, 98.0),
            NotMet,
        )
    })
    .collect();
    cases.push(
        case(
            "after CR, bone marrow blasts 30 %: relapse",
            remission_then_named("Bone marrow blasts", 30.0),
            Relapsed,
        )
        .reason("marrow blasts 30"),
    );
    run(ID, &cases);
}

/// Cytoreduction before induction (hydroxyurea from 2 days before 7+3) is no course and does not
/// start one: a drug the protocol starts on day 8 (quizartinib, QuANTUM-First; midostaurin,
/// RATIFY) stays in the induction course.
#[test]
fn cytoreduction_before_induction_is_no_course() {
    for (cytoreduction, days_before) in [("hydroxyurea", 2), ("hydroxycarbamide", 4)] {
        let record = patient()
            .give(rx(cytoreduction).from(102 + days_before).until(100))
            .give(rx("cytarabine").from(102).until(96))
            .give(rx("daunorubicin").from(102).until(100))
            .give(rx("quizartinib").from(95).until(82))
            .record();
        let lines: Vec<_> = super::support::rules()
            .derive_lines(&record, super::support::today())
            .into_iter()
            .filter(|l| l.ruleset == ID)
            .collect();
        assert_eq!(lines.len(), 1, "{cytoreduction}: {lines:#?}");
        assert_eq!(lines[0].start, ago(102), "{cytoreduction}: {lines:#?}");
        assert!(lines[0].regimen.contains("quizartinib"), "{lines:#?}");
    }
}

/// Hydroxyurea followed by no other drug of the lines (palliation) stays a line.
#[test]
fn hydroxyurea_alone_is_a_line() {
    let record = patient()
        .give(rx("hydroxyurea").from(100).until(40))
        .record();
    let lines: Vec<_> = super::support::rules()
        .derive_lines(&record, super::support::today())
        .into_iter()
        .filter(|l| l.ruleset == ID)
        .collect();
    assert_eq!(lines.len(), 1, "{lines:#?}");
}

/// Hydroxyurea given for weeks before induction (while FLT3 and NPM1 results are awaited), one
/// record a day, is one cytoreduction course up to 7+3: judged by the course, not by each
/// record's start, none of it is a course of its own.
#[test]
fn a_hydroxyurea_course_begun_weeks_before_induction_is_no_course() {
    for weeks in [1, 3, 6] {
        let mut v = patient();
        for day in 0..weeks * 7 {
            let ago_day = 102 + weeks * 7 - day;
            v = v.give(rx("hydroxyurea").from(ago_day).until(ago_day));
        }
        let record = v
            .give(rx("cytarabine").from(102).until(96))
            .give(rx("daunorubicin").from(102).until(100))
            .record();
        let lines: Vec<_> = super::support::rules()
            .derive_lines(&record, super::support::today())
            .into_iter()
            .filter(|l| l.ruleset == ID)
            .collect();
        assert_eq!(lines.len(), 1, "{weeks} weeks: {lines:#?}");
        assert_eq!(lines[0].start, ago(102), "{weeks} weeks: {lines:#?}");
    }
}

#[test]
fn a_count_of_a_month_holding_the_next_courses_start_is_not_read_as_its_first_day() {
    use super::support::{assess, dated_by_month, days_to, describe};
    // Marrow blasts 3 % on 2026-08-27 with ANC 0.4 and platelets 35 the day after (MLFS);
    // the second course began on 2026-09-03. Recovered counts dated "2026-09" alone are of the
    // first course's recovery if drawn by the 3rd, the second's aplasia if not: a CR (then a
    // relapse) or MLFS (primary refractory) by a day the record never gave.
    let record = recovered(counted(0.4, 35.0), days_to(2026, 9, 1)).record();
    let record = dated_by_month(record, (2026, 9));
    let assessment = assess(ID, &record);
    let said = describe(&assessment);
    assert_ne!(assessment.status, Relapsed, "{said}");
    assert_ne!(assessment.status, Refractory, "{said}");
    assert!(
        assessment
            .missing
            .iter()
            .any(|m| m.contains("2026-09") && m.contains("cannot be told")),
        "{said}"
    );
}

/// fix-month3 2: 7+3 from 2026-03-10 to 2026-03-17 with a recorded complete remission (from
/// the course's end, no response marrow), then marrow blasts of 30 % dated by the month
/// `(2026, month)` alone.
fn recorded_cr_then_a_marrow_of(month: u32) -> refract::domain::PatientRecord {
    use super::support::{dated_by_month, days_to};
    let record = seven_three(patient(), days_to(2026, 3, 10), |l| {
        l.response(Response::Complete)
    })
    .marrow_blasts(30.0, days_to(2026, month, 1))
    .record();
    dated_by_month(record, (2026, month))
}

/// A marrow of 30 % dated "2026-03" alone may be before the remission (on 17 March) or after
/// it: a relapse from it or not is its day's to decide, never "no relapse" by its first day.
/// "2026-04" is after whatever its day: a relapse.
#[test]
fn a_marrow_of_the_month_of_the_remission_is_no_relapse_and_no_remission_by_its_first_day() {
    use super::support::{assess, describe};
    let assessment = assess(ID, &recorded_cr_then_a_marrow_of(3));
    let said = describe(&assessment);
    assert_eq!(assessment.status, InsufficientData, "{said}");
    assert!(
        assessment
            .missing
            .iter()
            .any(|m| m.contains("2026-03") && m.contains("cannot be told")),
        "{said}"
    );
    let assessment = assess(ID, &recorded_cr_then_a_marrow_of(4));
    assert_eq!(assessment.status, Relapsed, "{}", describe(&assessment));
}

/// fix-month4 1: one 7+3 from 2026-02-20 with marrow blasts of 3 % dated "2026-03" alone, an
/// ANC of 0.4 and platelets of 35 on 2026-03-25, and recovered counts on 2026-04-15. With no
/// next course the counts are read to 28 days after the marrow: to 2026-03-29 from its first
/// day, to 2026-04-28 from its last. Whether the recovery is the course's (a CR, not an MLFS)
/// is the marrow's day to decide, never read on its month's first day.
#[test]
fn the_end_of_the_count_read_after_a_marrow_of_a_month_is_not_read_from_its_first_day() {
    use super::support::{assess, dated_by_month, days_to, describe};
    let v =
        seven_three(patient(), days_to(2026, 2, 20), |l| l).marrow_blasts(3.0, days_to(2026, 3, 1));
    let v = counts(v, 0.4, 35.0, days_to(2026, 3, 25));
    let record = recovered(v, days_to(2026, 4, 15)).record();
    let assessment = assess(ID, &dated_by_month(record, (2026, 3)));
    let said = describe(&assessment);
    assert_ne!(assessment.status, Refractory, "{said}");
    assert!(
        assessment
            .missing
            .iter()
            .chain(&assessment.reasons)
            .any(|m| m.contains("2026-03") && m.contains("cannot be told")),
        "{said}"
    );
}

/// Two 7+3 courses with day-28 marrow blasts `first` and `second` in `unit` (as stored).
fn two_courses_in(first: f64, second: f64, unit: &str) -> Vignette {
    let blasts = |v: Vignette, value: f64, days: i64| {
        v.observe(
            refract::domain::observation_codes::MARROW_BLASTS,
            "Marrow blasts",
            value,
            unit,
            days,
        )
    };
    let v = blasts(seven_three(patient(), 120, |l| l), first, 92);
    blasts(seven_three(v, 85, |l| l), second, 57)
}

/// Marrow blasts are read in percent only: with no unit, a value above 1 can only be a percent
/// (read), one of 1 or less may be a fraction (0.25 = 25 %) and is named, never guessed; a
/// unit that is no percent (a fraction above 1, a count) is named too. Blood counts in /nL
/// (German laboratories' 10^9/L), Gpt/L and /L are read (reviews R7-2, R7-8).
#[test]
fn marrow_blasts_are_read_in_percent_and_counts_in_every_spelling_of_their_unit() {
    let cases = vec![
        case(
            "blasts 25 and 30 with no unit are percent",
            two_courses_in(25.0, 30.0, ""),
            Refractory,
        ),
        case(
            "blasts 0.25 and 0.3 with no unit may be fractions: not read",
            two_courses_in(0.25, 0.3, ""),
            InsufficientData,
        )
        .missing("marrow blasts of ")
        .missing("may be a fraction or a percent")
        .no_reason(": CR"),
        case(
            "blasts in /100{cells} are percent",
            two_courses_in(25.0, 30.0, "/100{cells}"),
            Refractory,
        ),
        case(
            "blasts in unity above 1 are no fraction: not read",
            two_courses_in(25.0, 30.0, "1"),
            InsufficientData,
        )
        .missing("unit 1 is not a percent refract reads"),
        case(
            "counts in /nL: ANC 1.5 and platelets 150 are CR",
            clear_marrow_then_second(|l| l, |v| counts_in(v, 1.5, 150.0, "/nL", 91)),
            Relapsed,
        )
        .reason(": CR"),
        case(
            "counts in Gpt/L: ANC 1.5 and platelets 150 are CR",
            clear_marrow_then_second(|l| l, |v| counts_in(v, 1.5, 150.0, "Gpt/l", 91)),
            Relapsed,
        )
        .reason(": CR"),
        case(
            "the same counts sent by two systems in 10*9/L and /uL are one count each: CR",
            clear_marrow_then_second(
                |l| l,
                |v| {
                    counts_in(
                        counts_in(v, 1.5, 150.0, "10*9/L", 91),
                        1500.0,
                        150_000.0,
                        "/uL",
                        91,
                    )
                },
            ),
            Relapsed,
        )
        .reason(": CR"),
        case(
            "counts per litre: ANC 1.5e9 and platelets 1.5e11 are CR",
            clear_marrow_then_second(|l| l, |v| counts_in(v, 1.5e9, 1.5e11, "/L", 91)),
            Relapsed,
        )
        .reason(": CR"),
    ];
    run(ID, &cases);
}

/// review RV-A OA-2 (am2): 7+3, a complete remission, then three cycles of high-dose
/// cytarabine consolidation, a relapse months later, then salvage: induction and consolidation
/// in first remission are one line (reference section 0.4), the salvage after the relapse the
/// second; induction courses before a remission stay a course each (the re-induction test
/// above).
#[test]
fn consolidation_in_first_remission_continues_the_induction_line() {
    let mut v = patient()
        .give(rx("Cytarabine 200 mg/m2/d").from(400).for_days(7))
        .give(rx("Daunorubicin 60 mg/m2/d").from(400).for_days(3))
        .marrow_blasts(2.0, 372)
        .disease_status(disease_status::FULL_REMISSION, 371);
    for from in [354, 319, 284] {
        v = v.give(rx("Cytarabine 3000 mg/m2").from(from).for_days(5));
    }
    let record = v
        .marrow_blasts(18.0, 100)
        .disease_status(disease_status::WORSENED, 100)
        .give(rx("Cytarabine 2000 mg/m2").from(90).for_days(5))
        .give(rx("Fludarabine 30 mg/m2").from(90).for_days(5))
        .record();
    let lines: Vec<_> = super::support::rules()
        .derive_lines(&record, super::support::today())
        .into_iter()
        .filter(|l| l.ruleset == ID)
        .collect();
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert_eq!(lines[0].start, ago(400), "{lines:#?}");
    assert_eq!(lines[1].start, ago(90), "{lines:#?}");
    let assessment = super::support::assess(ID, &record);
    assert_eq!(
        assessment.status,
        Relapsed,
        "{}",
        super::support::describe(&assessment)
    );
}

/// The AML lines derived from `record`.
fn aml_lines(record: &refract::domain::PatientRecord) -> Vec<refract::domain::TreatmentLine> {
    super::support::rules()
        .derive_lines(record, super::support::today())
        .into_iter()
        .filter(|l| l.ruleset == ID)
        .collect()
}

/// 7+3 400 days ago with marrow blasts of 2 % on day 28, `remission` (a recorded CR, or the
/// counts of one), three cycles of high-dose cytarabine (354, 319 and 284 days ago), `relapse`,
/// then FLAG salvage 90 days ago, on a patient whose AML diagnosis is `base`.
fn cr_consolidation_then_salvage(
    base: Vignette,
    remission: impl FnOnce(Vignette) -> Vignette,
    relapse: impl FnOnce(Vignette) -> Vignette,
) -> refract::domain::PatientRecord {
    let mut v = remission(
        base.give(rx("Cytarabine 200 mg/m2/d").from(400).for_days(7))
            .give(rx("Daunorubicin 60 mg/m2/d").from(400).for_days(3))
            .marrow_blasts(2.0, 372),
    );
    for from in [354, 319, 284] {
        v = v.give(rx("Cytarabine 3000 mg/m2").from(from).for_days(5));
    }
    relapse(v)
        .give(rx("Cytarabine 2000 mg/m2").from(90).for_days(5))
        .give(rx("Fludarabine 30 mg/m2").from(90).for_days(5))
        .record()
}

fn recorded_cr(v: Vignette) -> Vignette {
    v.disease_status(disease_status::FULL_REMISSION, 371)
}

/// Whether the lines are induction with its consolidation (from 400 days ago), then the
/// salvage (from 90) cut by a relapse said in its cut reason with `words`.
fn salvage_cut_by_relapse(lines: &[refract::domain::TreatmentLine], words: &str) -> bool {
    lines.len() == 2
        && lines[0].start == ago(400)
        && lines[1].start == ago(90)
        && lines[1]
            .cut_reason
            .as_deref()
            .is_some_and(|reason| reason.contains("relapse") && reason.contains(words))
}

/// G3-1: a relapse sent only as a diagnosis (ICD-10-CM C92.02 "in relapse", a diagnosis whose
/// words say relapsed, the AML's clinicalStatus relapse, or an AML diagnosis begun after the
/// remission) ends the remission: the salvage after it is a line of its own, its cut saying the
/// relapse, never consolidation of the first.
#[test]
fn a_relapse_sent_only_as_a_diagnosis_ends_the_remission() {
    let coded = cr_consolidation_then_salvage(patient(), recorded_cr, |v| {
        v.condition_since("C92.02", "Acute myeloid leukemia, in relapse", 100)
    });
    let lines = aml_lines(&coded);
    assert!(
        salvage_cut_by_relapse(&lines, &ago(100).to_string()),
        "{lines:#?}"
    );
    assert!(
        lines[1]
            .cut_reason
            .as_deref()
            .is_some_and(|r| r.contains("C92.02")),
        "{lines:#?}"
    );
    let named = cr_consolidation_then_salvage(patient(), recorded_cr, |v| {
        v.condition_since("C92.00", "Relapsed acute myeloid leukaemia", 100)
    });
    let lines = aml_lines(&named);
    assert!(
        salvage_cut_by_relapse(&lines, &ago(100).to_string()),
        "{lines:#?}"
    );
    // A new AML diagnosis begun after the remission is its relapse.
    let new_onset = cr_consolidation_then_salvage(patient(), recorded_cr, |v| {
        v.condition_since("C92.00", "Acute myeloid leukaemia", 100)
    });
    let lines = aml_lines(&new_onset);
    assert!(
        salvage_cut_by_relapse(&lines, &ago(100).to_string()),
        "{lines:#?}"
    );
    // The AML's status is relapse, with no day: after the latest remission recorded (260 days
    // ago, after the consolidation began), so the consolidation stays in the line and the
    // salvage, after that remission, is cut, its cut saying the day cannot be told.
    let status = cr_consolidation_then_salvage(
        Vignette::new().condition_status(
            "C92.00",
            "Acute myeloid leukaemia",
            Some("relapse"),
            Some("confirmed"),
        ),
        recorded_cr,
        |v| v.disease_status(disease_status::FULL_REMISSION, 260),
    );
    let lines = aml_lines(&status);
    assert!(
        salvage_cut_by_relapse(&lines, "cannot be told"),
        "{lines:#?}"
    );
    let assessment = super::support::assess(ID, &coded);
    let said = super::support::describe(&assessment);
    assert_eq!(assessment.status, Relapsed, "{said}");
}

/// G3-1: a diagnosis that says remission (C92.01), or one refuted, begun after the remission is
/// no relapse: the courses after it stay in the line.
#[test]
fn a_diagnosis_of_remission_after_the_remission_is_no_relapse() {
    for extra in [
        |v: Vignette| v.condition_since("C92.01", "Acute myeloid leukemia, in remission", 300),
        |v: Vignette| {
            v.condition_status(
                "C92.02",
                "Acute myeloid leukemia, in relapse",
                Some("active"),
                Some("refuted"),
            )
        },
    ] {
        let record = cr_consolidation_then_salvage(patient(), recorded_cr, extra);
        let lines = aml_lines(&record);
        assert_eq!(lines.len(), 1, "{lines:#?}");
    }
}

/// G3-2: a remission shown only by the marrow (blasts 2 % on day 28) and the recovered counts
/// after it (ANC 1.5, platelets 150: a CR by ELN 2017), with no response recorded, continues the
/// line as a recorded CR does: consolidation in first remission is the induction's line, its
/// reason saying the CR was read from the measurements with their days and values; the salvage
/// after a marrow relapse is the second line.
#[test]
fn a_remission_read_from_the_marrow_and_counts_continues_the_line() {
    let record = cr_consolidation_then_salvage(
        patient(),
        |v| recovered(v, 366),
        |v| v.marrow_blasts(18.0, 100),
    );
    let lines = aml_lines(&record);
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert_eq!(lines[0].start, ago(400), "{lines:#?}");
    assert_eq!(lines[1].start, ago(90), "{lines:#?}");
    let first = lines[0].cut_reason.as_deref().unwrap_or_default();
    for words in [
        "marrow blasts 2%",
        &ago(372).to_string(),
        "ANC 1.5",
        "platelets 150",
        &ago(366).to_string(),
        "CR",
    ] {
        assert!(first.contains(words), "{words}: {first}");
    }
    let second = lines[1].cut_reason.as_deref().unwrap_or_default();
    assert!(second.contains("marrow blasts 18%"), "{second}");
    let assessment = super::support::assess(ID, &record);
    let said = super::support::describe(&assessment);
    assert_eq!(assessment.status, Relapsed, "{said}");
    // Counts of an MLFS (neither recovered) are no remission: each course stays its own.
    let mlfs = cr_consolidation_then_salvage(
        patient(),
        |v| counts(v, 0.5, 40.0, 366),
        |v| v.marrow_blasts(18.0, 100),
    );
    assert_eq!(aml_lines(&mlfs).len(), 5, "{:#?}", aml_lines(&mlfs));
}

/// ON-2, ON-3: an AML diagnosis in remission dated after the induction (ICD-10-CM C92.01, or
/// SNOMED CT 91860005 |Acute myeloid leukemia in remission| sent with no display) is a recorded
/// remission, read as CRi (the code says remission, not its depth): the consolidation after it
/// continues the line, whose reason says the remission was read from the diagnosis; the salvage
/// after a marrow relapse is the second line, and the patient relapsed.
#[test]
fn an_aml_diagnosis_in_remission_is_a_recorded_remission() {
    let coded = cr_consolidation_then_salvage(
        patient(),
        |v| v.condition_since("C92.01", "Acute myeloid leukemia, in remission", 371),
        |v| v.marrow_blasts(18.0, 100),
    );
    let mut snomed = cr_consolidation_then_salvage(
        patient(),
        |v| v.condition_coded(&[("http://snomed.info/sct", "91860005", "")], "active"),
        |v| v.marrow_blasts(18.0, 100),
    );
    if let Some(condition) = snomed.conditions.last_mut() {
        condition.onset = Some(ago(371));
    }
    for (record, code) in [(coded, "C92.01"), (snomed, "91860005")] {
        let lines = aml_lines(&record);
        assert_eq!(lines.len(), 2, "{code}: {lines:#?}");
        assert_eq!(lines[1].start, ago(90), "{code}: {lines:#?}");
        let first = lines[0].cut_reason.as_deref().unwrap_or_default();
        for words in [code, "CRi read from the diagnosis", &ago(371).to_string()] {
            assert!(first.contains(words), "{words}: {first}");
        }
        let assessment = super::support::assess(ID, &record);
        let said = super::support::describe(&assessment);
        assert_eq!(assessment.status, Relapsed, "{code}: {said}");
        assert!(said.contains("read from the diagnosis"), "{code}: {said}");
    }
}

/// ON-5: the AML's status of relapse on a record entered 330 days ago (after the CR of 371,
/// before two consolidation courses; no onset) tells no day of the relapse either: the relapse
/// came after the latest remission (260 days ago), so the consolidation stays in the line and
/// the salvage is cut, its day said not to be told; never a relapse on the record's day cutting
/// the consolidation.
#[test]
fn a_status_only_relapse_recorded_after_the_remission_has_no_day() {
    let status = cr_consolidation_then_salvage(
        Vignette::new().episode(
            ("C92.00", "Acute myeloid leukaemia"),
            "relapse",
            None,
            None,
            Some(330),
        ),
        recorded_cr,
        |v| v.disease_status(disease_status::FULL_REMISSION, 260),
    );
    let lines = aml_lines(&status);
    assert!(
        salvage_cut_by_relapse(&lines, "cannot be told"),
        "{lines:#?}"
    );
}

/// CR-10 (the class of CR-5): a diagnosis begun after the remission whose words deny a relapse ("no evidence of
/// relapse", "negative for recurrence", "relapse excluded") is neither a relapse by its name nor
/// a disease begun anew: the courses after it stay in the line, as with a diagnosis in
/// remission.
#[test]
fn a_diagnosis_denying_a_relapse_after_the_remission_is_no_relapse() {
    for display in [
        "Acute myeloid leukemia, no evidence of relapse",
        "Acute myeloid leukemia - no sign of recurrence",
        "Acute myeloid leukemia, marrow negative for recurrence",
        "Acute myeloid leukemia, relapse excluded",
        "Acute myeloid leukemia without relapse",
    ] {
        let record = cr_consolidation_then_salvage(patient(), recorded_cr, |v| {
            v.condition_since("C92.00", display, 300)
        });
        let lines = aml_lines(&record);
        assert_eq!(lines.len(), 1, "{display}: {lines:#?}");
    }
}

/// A diagnosis's codings: system, code, display.
type Codings = &'static [(&'static str, &'static str, &'static str)];

/// Whether the AML rule set assesses a patient whose only diagnosis is coded so.
fn assessed_as_aml(codings: &[(&str, &str, &str)]) -> bool {
    let record = Vignette::new()
        .condition_coded(codings, "active")
        .give(rx("Cytarabine 200 mg/m2/d").from(100).for_days(7))
        .give(rx("Daunorubicin 60 mg/m2/d").from(100).for_days(3))
        .record();
    super::support::rules()
        .evaluate(&record, super::support::today())
        .iter()
        .any(|assessment| assessment.ruleset == ID)
}

const ICD: &str = "http://hl7.org/fhir/sid/icd-10-cm";
const SCT: &str = "http://snomed.info/sct";

/// OC-2, OC-3: which diagnosis codes are AML (ICD-10-CM C92-C94; WHO 2016 classification of
/// AML): acute myelomonocytic (C92.5), acute panmyelosis with myelofibrosis (C94.4, an AML not
/// otherwise specified) and the leukaemia in relapse coded in SNOMED CT alone (12281000132104
/// |Relapsing acute myeloid leukemia|) are; acute promyelocytic (C92.4, excluded by the rule
/// file) and chronic myeloid leukaemia (C92.1) are not, whatever words they are written with.
/// OC-8: myeloid sarcoma (C92.3, its relapse C92.32 and remission C92.31) is a presentation of
/// AML (WHO 2016 and 2022): assessed as AML.
#[test]
fn aml_is_read_from_its_codes_and_only_from_them() {
    let table: [(Codings, bool); 15] = [
        (&[(ICD, "C92.30", "Myeloid sarcoma")], true),
        (&[(ICD, "C92.32", "")], true),
        (&[(ICD, "C9231", "")], true),
        (&[(ICD, "C92.00", "")], true),
        (&[(ICD, "C9202", "")], true),
        (&[(ICD, "C92.50", "")], true),
        (&[(ICD, "C94.40", "")], true),
        (
            &[(ICD, "C94.42", "Akute Panmyelose mit Myelofibrose, Rezidiv")],
            true,
        ),
        (&[(SCT, "91861009", "")], true),
        (&[(SCT, "12281000132104", "")], true),
        (&[(ICD, "C92.40", "")], false),
        (
            &[(ICD, "C92.40", "Acute myeloid leukemia M3 with PML-RARA")],
            false,
        ),
        (&[(ICD, "C92.41", "AML M3 (APL), in remission")], false),
        (&[(ICD, "C92.10", "Chronic myeloid leukemia")], false),
        (
            &[(
                ICD,
                "C92.12",
                "CML in myeloid blast phase, acute myeloid leukaemia",
            )],
            false,
        ),
    ];
    for (codings, expected) in table {
        assert_eq!(assessed_as_aml(codings), expected, "{codings:?}");
    }
}

/// OC-1: an AML relapse sent as SNOMED CT 12281000132104 |Relapsing acute myeloid leukemia|
/// alone (no display, no ICD-10 code) after the remission ends it as C92.02 does: the salvage
/// after it is a line of its own, its cut saying the relapse, and the patient relapsed.
#[test]
fn an_aml_relapse_coded_in_snomed_alone_ends_the_remission() {
    let mut record = cr_consolidation_then_salvage(patient(), recorded_cr, |v| {
        v.condition_coded(&[(SCT, "12281000132104", "")], "active")
    });
    for condition in &mut record.conditions {
        if condition.code == "12281000132104" {
            condition.onset = Some(ago(100));
        }
    }
    let lines = aml_lines(&record);
    assert!(
        salvage_cut_by_relapse(&lines, "12281000132104"),
        "{lines:#?}"
    );
    let assessment = super::support::assess(ID, &record);
    let said = super::support::describe(&assessment);
    assert_eq!(assessment.status, Relapsed, "{said}");
}
