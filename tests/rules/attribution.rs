//! Records tied to no condition, of a patient with two diseases refract assesses (review r3
//! C-1 without a tie): a lymphoma treated years before a myeloma is diagnosed. R-CHOP given in
//! 2019 with no reason is the lymphoma's, not the myeloma's first line; a disease status whose
//! words name the myeloma is none of the lymphoma's; where neither words nor dates tell, the
//! record still counts and the assessment says it may be the other disease's. A patient with
//! one disease reads exactly as before.

use refract::domain::observation_codes::disease_status;
use refract::domain::{EvidenceKind, PatientRecord, TreatmentLine};
use refract::rules::Rules;

use super::support::{Vignette, ago, assess, days_to, describe, rules, rx, today};

const LBCL: (&str, &str) = ("C83.30", "Diffuse large B-cell lymphoma, unspecified site");
const MYELOMA: (&str, &str) = ("C90.00", "Multiple myeloma not having achieved remission");

/// A lymphoma diagnosed 2900 days ago (2018-12), R-CHOP in six cycles from 2880 to 2775 days
/// ago with no reason, then a myeloma diagnosed `myeloma_onset` days ago (`None`: no onset) and
/// VRd from 680 days ago with no reason either.
fn lymphoma_then_myeloma(myeloma_onset: Option<i64>) -> Vignette {
    let mut v = Vignette::new().condition_since(LBCL.0, LBCL.1, 2900);
    v = match myeloma_onset {
        Some(days) => v.condition_since(MYELOMA.0, MYELOMA.1, days),
        None => v.condition(MYELOMA.0, MYELOMA.1),
    };
    for cycle in 0..6 {
        let day = 2880 - cycle * 21;
        v = v.give(rx("R-CHOP").from(day).until(day));
    }
    v.give(rx("bortezomib").from(680).until(500))
        .give(rx("lenalidomide").from(680).until(500))
        .give(rx("dexamethasone").from(680).until(500))
}

fn lines_of(ruleset: &str, record: &PatientRecord) -> Vec<TreatmentLine> {
    rules()
        .derive_lines(record, today())
        .into_iter()
        .filter(|line| line.ruleset == ruleset)
        .collect()
}

fn ingredients(line: &TreatmentLine) -> Vec<&str> {
    line.drugs.iter().map(|d| d.ingredient.as_str()).collect()
}

#[test]
fn r_chop_given_years_before_the_myeloma_is_the_lymphomas_not_the_myelomas_first_line() {
    let record = lymphoma_then_myeloma(Some(700)).record();
    // Read as before (every record counted by every rule set that reads it), R-CHOP was the
    // myeloma's first line and VRd its second.
    let before: Vec<TreatmentLine> = without_attribution()
        .derive_lines(&record, today())
        .into_iter()
        .filter(|line| line.ruleset == "myeloma")
        .collect();
    assert_eq!(before.len(), 2, "{before:#?}");
    assert!(
        ingredients(&before[0]).contains(&"rituximab"),
        "{before:#?}"
    );
    let myeloma = lines_of("myeloma", &record);
    assert_eq!(myeloma.len(), 1, "{myeloma:#?}");
    assert!(
        !ingredients(&myeloma[0]).contains(&"rituximab"),
        "{myeloma:#?}"
    );
    assert!(ingredients(&myeloma[0]).contains(&"bortezomib"));
    let assessment = assess("myeloma", &record);
    let said = describe(&assessment);
    assert!(
        assessment.reasons.iter().any(|reason| reason.starts_with(
            "records tied to no condition, read as another condition's and not counted: "
        ) && reason.contains("rituximab")
            && reason.contains("ended before the multiple myeloma's onset")),
        "{said}"
    );
    assert_eq!(
        assessment
            .evidence
            .iter()
            .filter(|e| e.kind == EvidenceKind::Exposure && e.text.ends_with("not counted"))
            .count(),
        6,
        "{said}"
    );
    // The lymphoma keeps its R-CHOP as its first line; VRd, given while both were there, is
    // told by its drugs, which only the myeloma's file lists: not counted, said.
    let lymphoma = lines_of("lbcl", &record);
    assert!(
        ingredients(&lymphoma[0]).contains(&"rituximab"),
        "{lymphoma:#?}"
    );
    assert!(
        lymphoma
            .iter()
            .all(|line| !ingredients(line).contains(&"bortezomib")),
        "{lymphoma:#?}"
    );
    let lbcl = assess("lbcl", &record);
    let said = describe(&lbcl);
    assert!(
        lbcl.reasons.iter().any(|r| r.starts_with(
            "records tied to no condition, read as another condition's and not counted: "
        ) && r.contains(
            "bortezomib (2025-01-16 to 2025-07-15): a drug of multiple myeloma, not of large B-cell lymphoma"
        )),
        "{said}"
    );
    assert!(
        !lbcl.confounders.iter().any(|c| c.key == "untied_records"),
        "{said}"
    );
    // Read by words and dates alone (files that list no drugs of their diseases), VRd may be
    // either's: counted, and said.
    let plain = without_drug_lists();
    let lbcl = plain
        .evaluate_one(&record, plain.get("lbcl").unwrap(), today())
        .unwrap();
    let said = describe(&lbcl);
    let untied = lbcl
        .confounders
        .iter()
        .find(|c| c.key == "untied_records")
        .unwrap_or_else(|| panic!("{said}"));
    assert!(untied.text.contains("bortezomib"), "{said}");
    assert!(untied.text.contains("multiple myeloma"), "{said}");
    assert!(!untied.text.contains("rituximab"), "{said}");
}

/// Rules whose files list no drugs of their diseases: untied drugs told by words and dates alone.
fn without_drug_lists() -> Rules {
    let mut rules = Rules::embedded().unwrap();
    for set in &mut rules.sets {
        set.indication.treatment_classes.clear();
        set.indication.treatment_ingredients.clear();
        for neighbour in &mut set.neighbours {
            neighbour.indication.treatment_classes.clear();
            neighbour.indication.treatment_ingredients.clear();
        }
    }
    rules
}

#[test]
fn a_course_within_the_margin_before_the_diagnosis_or_with_no_onset_is_counted_and_said() {
    // R-CHOP ended 2775 days ago: a myeloma with no onset, or one diagnosed 2760 days ago (15
    // days later, within `untied_margin_days`), cannot tell.
    // Read by words and dates alone (files that list no drugs of their diseases).
    let rules = without_drug_lists();
    let myeloma_set = rules.get("myeloma").unwrap();
    for onset in [None, Some(2760)] {
        let record = lymphoma_then_myeloma(onset).record();
        let myeloma: Vec<TreatmentLine> = rules
            .derive_lines(&record, today())
            .into_iter()
            .filter(|line| line.ruleset == "myeloma")
            .collect();
        assert!(
            ingredients(&myeloma[0]).contains(&"rituximab"),
            "{onset:?}: {myeloma:#?}"
        );
        let assessment = rules.evaluate_one(&record, myeloma_set, today()).unwrap();
        let said = describe(&assessment);
        let untied = assessment
            .confounders
            .iter()
            .find(|c| c.key == "untied_records")
            .unwrap_or_else(|| panic!("{onset:?}: {said}"));
        assert!(untied.text.contains("rituximab"), "{said}");
        assert!(
            untied.text.contains("diffuse large B-cell lymphoma"),
            "{said}"
        );
        // With the files' lists, R-CHOP's rituximab, vincristine and doxorubicin, which only
        // the lymphoma's lists, tell it: the lymphoma's, no line of the myeloma.
        let listed = lines_of("myeloma", &record);
        assert!(
            listed
                .iter()
                .all(|line| !ingredients(line).contains(&"rituximab")),
            "{onset:?}: {listed:#?}"
        );
        let assessment = assess("myeloma", &record);
        let said = describe(&assessment);
        assert!(
            assessment
                .reasons
                .iter()
                .any(|r| r.contains("drugs of large B-cell lymphoma, not of multiple myeloma")),
            "{onset:?}: {said}"
        );
    }
}

#[test]
fn a_disease_status_whose_words_name_the_myeloma_is_none_of_the_lymphomas() {
    // An autologous transplant for the lymphoma 500 days ago (stated), a progression 230 days
    // later written "Myeloma disease status" with no focus: the myeloma's, no relapse of the
    // lymphoma after its transplant.
    let build = |display: &str| {
        let mut record = Vignette::new()
            .condition_since(LBCL.0, LBCL.1, 1500)
            .condition_since(MYELOMA.0, MYELOMA.1, 700)
            .give(rx("R-CHOP").from(1480).until(1370))
            .disease_status(disease_status::WORSENED, 800)
            .give(rx("R-ICE").from(780).until(700))
            .procedure("refract:asct", "Autologous stem cell transplant", 500)
            .disease_status(disease_status::WORSENED, 270)
            .record();
        if let Some(last) = record.observations.last_mut() {
            last.display = display.to_owned();
        }
        record
    };
    let of_myeloma = build("Myeloma disease status");
    let assessment = assess("lbcl", &of_myeloma);
    let said = describe(&assessment);
    assert!(
        !assessment.label.contains("relapse within 12 months"),
        "{said}"
    );
    assert!(
        assessment
            .evidence
            .iter()
            .any(|e| e.kind == EvidenceKind::Observation
                && e.text.contains("its words name multiple myeloma")
                && e.text.ends_with("not counted")),
        "{said}"
    );
    // The same status in words of no disease, or of the lymphoma, is the lymphoma's relapse.
    for display in ["Cancer disease status", "Lymphoma disease status"] {
        let assessment = assess("lbcl", &build(display));
        assert!(
            assessment.label.contains("relapse within 12 months"),
            "{display}: {}",
            describe(&assessment)
        );
    }
}

/// Rules whose rule sets attribute no untied record: what refract read before.
fn without_attribution() -> Rules {
    let mut rules = Rules::embedded().unwrap();
    for set in &mut rules.sets {
        set.indication.attribute_untied_records = false;
    }
    rules
}

#[test]
fn a_patient_with_one_disease_reads_exactly_as_before() {
    let before = without_attribution();
    let now = rules();
    // One disease: a myeloma diagnosed after a course of R-CHOP (no other disease claims it),
    // and the tables' vignettes of every rule set.
    let mut records: Vec<(String, PatientRecord)> = vec![(
        String::from("myeloma alone"),
        lymphoma_then_myeloma(Some(700))
            .record()
            .tap_conditions(|c| c.code.starts_with("C90")),
    )];
    for (id, cases) in [
        ("epilepsy", super::epilepsy::cases()),
        ("status_epilepticus", super::status_epilepticus::cases()),
        ("hypertension", super::hypertension::cases()),
        ("depression", super::depression::cases()),
        ("lbcl", super::lbcl::cases()),
        ("myeloma", super::myeloma::cases()),
        ("rheumatoid_arthritis", super::rheumatoid_arthritis::cases()),
        ("aml", super::aml::cases()),
        ("schizophrenia", super::schizophrenia::cases()),
    ] {
        records.extend(
            cases
                .into_iter()
                .map(|case| (format!("{id} / {}", case.name), case.record)),
        );
    }
    let mut compared = 0;
    for (name, record) in &records {
        let applying = now
            .sets
            .iter()
            .filter(|set| now.evaluate_one(record, set, today()).is_some())
            .count();
        if applying > 1 {
            continue;
        }
        compared += 1;
        assert_eq!(
            now.evaluate(record, today()),
            before.evaluate(record, today()),
            "{name}"
        );
        assert_eq!(
            now.derive_lines(record, today()),
            before.derive_lines(record, today()),
            "{name}"
        );
    }
    assert!(compared > 100, "{compared}");
    let alone = &records[0].1;
    let myeloma = lines_of("myeloma", alone);
    assert!(
        ingredients(&myeloma[0]).contains(&"rituximab"),
        "{myeloma:#?}"
    );
}

trait TapConditions {
    fn tap_conditions(self, keep: impl Fn(&refract::domain::Condition) -> bool) -> Self;
}

impl TapConditions for PatientRecord {
    fn tap_conditions(mut self, keep: impl Fn(&refract::domain::Condition) -> bool) -> Self {
        self.conditions.retain(|c| keep(c));
        self
    }
}

/// Two cancers at once (review C, C-1 follow-up): a myeloma diagnosed 700 days ago, a DLBCL
/// 300 days ago, both active. R-CHOP in six cycles from 280 days ago (each cycle's
/// cyclophosphamide also recorded on its own the first day), lenalidomide from 250 days ago
/// ongoing, and cyclophosphamide alone 120 days ago; none states a reason.
fn myeloma_and_lymphoma_at_once() -> PatientRecord {
    let mut v = Vignette::new()
        .condition_since(MYELOMA.0, MYELOMA.1, 700)
        .condition_since(LBCL.0, LBCL.1, 300);
    for cycle in 0..6 {
        let day = 280 - cycle * 21;
        v = v.give(rx("R-CHOP").from(day).until(day));
    }
    v.give(rx("cyclophosphamide").from(280).until(280))
        .give(rx("lenalidomide").from(250))
        .give(rx("cyclophosphamide").from(120).until(120))
        .record()
}

#[test]
fn a_drug_only_one_of_two_active_cancers_is_treated_with_is_that_ones() {
    let record = myeloma_and_lymphoma_at_once();
    for (ruleset, own, other, own_drug, other_drug) in [
        (
            "myeloma",
            "multiple myeloma",
            "large B-cell lymphoma",
            "lenalidomide",
            "rituximab",
        ),
        (
            "lbcl",
            "large B-cell lymphoma",
            "multiple myeloma",
            "rituximab",
            "lenalidomide",
        ),
    ] {
        let assessment = assess(ruleset, &record);
        let said = describe(&assessment);
        // The other's drug is not counted, said with what told it.
        let elsewhere = assessment
            .reasons
            .iter()
            .find(|r| {
                r.starts_with(
                    "records tied to no condition, read as another condition's and not counted: ",
                )
            })
            .unwrap_or_else(|| panic!("{ruleset}: {said}"));
        assert!(
            elsewhere.contains(&format!(" of {other}, not of {own}")),
            "{ruleset}: {said}"
        );
        assert!(elsewhere.contains(other_drug), "{ruleset}: {said}");
        // Its own is counted, said once, with no rule-out.
        let here = assessment
            .reasons
            .iter()
            .find(|r| {
                r.starts_with(
                    "records tied to no condition, read by their drugs as this condition's and counted: ",
                )
            })
            .unwrap_or_else(|| panic!("{ruleset}: {said}"));
        assert!(
            here.contains(own_drug) && here.contains(&format!(" of {own}, not of {other}")),
            "{ruleset}: {said}"
        );
        assert!(
            assessment
                .evidence
                .iter()
                .any(|e| e.kind == EvidenceKind::Exposure
                    && e.text.contains(own_drug)
                    && e.text.ends_with(", counted")),
            "{ruleset}: {said}"
        );
        // Only the cyclophosphamide given alone, a drug both treat, stays undecided, said once;
        // the cyclophosphamide recorded beside R-CHOP is told by its regimen.
        let untied = assessment
            .confounders
            .iter()
            .find(|c| c.key == "untied_records")
            .unwrap_or_else(|| panic!("{ruleset}: {said}"));
        assert_eq!(
            untied.text.matches("cyclophosphamide").count(),
            1,
            "{ruleset}: {said}"
        );
        assert!(!untied.text.contains(own_drug), "{ruleset}: {said}");
        assert!(!untied.text.contains(other_drug), "{ruleset}: {said}");
        assert!(
            untied.text.contains(&ago(120).to_string()),
            "{ruleset}: {said}"
        );
        assert!(
            !untied.text.contains(&ago(280).to_string()),
            "{ruleset}: {said}"
        );
    }
    // The lines: R-CHOP is no line of the myeloma, lenalidomide none of the lymphoma.
    for line in lines_of("myeloma", &record) {
        assert!(!ingredients(&line).contains(&"rituximab"), "{line:#?}");
    }
    for line in lines_of("lbcl", &record) {
        assert!(!ingredients(&line).contains(&"lenalidomide"), "{line:#?}");
    }
}

#[test]
fn a_regimen_whose_drugs_point_to_both_cancers_stays_undecided() {
    // Tafasitamab with lenalidomide (L-MIND, a lymphoma's regimen): lenalidomide is listed as
    // the myeloma's, tafasitamab as the lymphoma's; begun together, neither is told.
    let record = Vignette::new()
        .condition_since(MYELOMA.0, MYELOMA.1, 700)
        .condition_since(LBCL.0, LBCL.1, 300)
        .give(rx("tafasitamab").from(200).until(100))
        .give(rx("lenalidomide").from(200).until(100))
        .record();
    for ruleset in ["myeloma", "lbcl"] {
        let assessment = assess(ruleset, &record);
        let said = describe(&assessment);
        let untied = assessment
            .confounders
            .iter()
            .find(|c| c.key == "untied_records")
            .unwrap_or_else(|| panic!("{ruleset}: {said}"));
        assert!(untied.text.contains("lenalidomide"), "{ruleset}: {said}");
        assert!(untied.text.contains("tafasitamab"), "{ruleset}: {said}");
        assert!(
            !assessment
                .reasons
                .iter()
                .any(|r| r.contains("tied to no condition")),
            "{ruleset}: {said}"
        );
    }
}

/// DCEP (dexamethasone, cyclophosphamide, etoposide, cisplatin), a myeloma salvage regimen, given
/// to a patient with myeloma and a later lymphoma: every drug of it is one either disease is
/// treated with, so it tells neither; both assessments count it and ask the team (review R8-4:
/// with etoposide and cisplatin listed as the lymphoma's alone, it was the lymphoma's 2L and the
/// myeloma lost the line with no word). R-CHOP beside it is still told by its rituximab.
#[test]
fn a_regimen_both_cancers_are_treated_with_tells_neither() {
    let record = Vignette::new()
        .condition_since(MYELOMA.0, MYELOMA.1, 1500)
        .condition_since(LBCL.0, LBCL.1, 500)
        .give(rx("rituximab").from(450).until(300))
        .give(rx("doxorubicin").from(450).until(300))
        .give(rx("dexamethasone").from(200).until(150))
        .give(rx("cyclophosphamide").from(200).until(150))
        .give(rx("etoposide").from(200).until(150))
        .give(rx("cisplatin").from(200).until(150))
        .record();
    for ruleset in ["myeloma", "lbcl"] {
        let assessment = assess(ruleset, &record);
        let said = describe(&assessment);
        let untied = assessment
            .confounders
            .iter()
            .find(|c| c.key == "untied_records")
            .unwrap_or_else(|| panic!("{ruleset}: {said}"));
        assert!(untied.text.contains("etoposide"), "{ruleset}: {said}");
        assert!(untied.text.contains("cisplatin"), "{ruleset}: {said}");
        assert!(
            lines_of(ruleset, &record)
                .iter()
                .any(|line| ingredients(line).contains(&"cisplatin")),
            "{ruleset}: {said}"
        );
    }
    assert!(
        !lines_of("myeloma", &record)
            .iter()
            .any(|line| ingredients(line).contains(&"rituximab")),
        "R-CHOP is the lymphoma's"
    );
}

const RA: (&str, &str) = (
    "M05.79",
    "Rheumatoid arthritis with rheumatoid factor of multiple sites",
);
const DLBCL: (&str, &str) = (
    "C83.38",
    "Diffuse large B-cell lymphoma, lymph nodes of multiple sites",
);

/// Rheumatoid arthritis since 2012 (review R8-5): weekly methotrexate from 2012-02-01 still
/// taken, adalimumab 2019-07 to 2020-12 and rituximab 2024-06 to 2025-03 both stopped for no
/// response, baricitinib from 2025-04, a DAS28 of 5.1 on 2026-10-15; none states a reason.
fn rheumatoid_arthritis() -> Vignette {
    use refract::domain::StopReason;
    Vignette::new()
        .condition_since(RA.0, RA.1, days_to(2012, 1, 1))
        .give(rx("methotrexate 20 mg").from(days_to(2012, 2, 1)))
        .give(
            rx("adalimumab 40 mg")
                .from(days_to(2019, 7, 1))
                .until(days_to(2020, 12, 1))
                .stopped(StopReason::LackOfEfficacy),
        )
        .give(
            rx("rituximab 1000 mg")
                .from(days_to(2024, 6, 1))
                .until(days_to(2025, 3, 1))
                .stopped(StopReason::LackOfEfficacy),
        )
        .give(rx("baricitinib 4 mg").from(days_to(2025, 4, 1)))
        .das28(5.1, days_to(2026, 10, 15))
}

/// R-CHOP's five drugs, from `start` days ago to 2025-05-30, none stating a reason.
fn r_chop(mut v: Vignette, start: i64) -> Vignette {
    for drug in [
        "rituximab",
        "cyclophosphamide",
        "doxorubicin",
        "vincristine",
        "prednisone",
    ] {
        v = v.give(rx(drug).from(start).until(days_to(2025, 5, 30)));
    }
    v
}

/// The rheumatoid arthritis above, then a DLBCL diagnosed on 2025-01-10 and R-CHOP from
/// `r_chop_from` days ago.
fn rheumatoid_arthritis_then_lymphoma(r_chop_from: i64) -> PatientRecord {
    let v = rheumatoid_arthritis().condition_since(DLBCL.0, DLBCL.1, days_to(2025, 1, 10));
    r_chop(v, r_chop_from).record()
}

#[test]
fn a_rheumatoid_arthritis_drug_begun_years_before_a_lymphoma_is_no_line_of_it() {
    // Review R8-5: the lymphoma's lines were 1L methotrexate (2012), 2L methotrexate +
    // rituximab (2024-06, the arthritis's failed bDMARD) and 3L R-CHOP, so its first line was
    // judged on SCHOLAR-1's later-line bar.
    let record = rheumatoid_arthritis_then_lymphoma(days_to(2025, 1, 20));
    let lymphoma = lines_of("lbcl", &record);
    assert_eq!(lymphoma.len(), 1, "{lymphoma:#?}");
    assert_eq!(lymphoma[0].number, 1, "{lymphoma:#?}");
    assert_eq!(
        lymphoma[0].start,
        ago(days_to(2025, 1, 20)),
        "{lymphoma:#?}"
    );
    let drugs = ingredients(&lymphoma[0]);
    for drug in [
        "rituximab",
        "cyclophosphamide",
        "doxorubicin",
        "vincristine",
    ] {
        assert!(drugs.contains(&drug), "{drug}: {lymphoma:#?}");
    }
    assert!(!drugs.contains(&"methotrexate"), "{lymphoma:#?}");
    let lbcl = assess("lbcl", &record);
    let said = describe(&lbcl);
    let elsewhere = lbcl
        .reasons
        .iter()
        .find(|r| {
            r.starts_with(
                "records tied to no condition, read as another condition's and not counted: ",
            )
        })
        .unwrap_or_else(|| panic!("{said}"));
    for (drug, first) in [("methotrexate", "2012-02-01"), ("rituximab", "2024-06-01")] {
        assert!(
            elsewhere.contains(&format!("{drug} ({first}"))
                && elsewhere.contains(
                    "begun before the large B-cell lymphoma's onset (2025-01-10), while the patient had rheumatoid arthritis"
                ),
            "{drug}: {said}"
        );
    }
    assert!(
        lbcl.evidence
            .iter()
            .any(|e| e.kind == EvidenceKind::Exposure
                && e.text
                    .starts_with("methotrexate (2012-02-01, ongoing): begun before")
                && e.text.ends_with("not counted")),
        "{said}"
    );
    // R-CHOP's rituximab, begun after the onset, is the lymphoma's: told by its regimen's
    // drugs only the lymphoma's file lists (vincristine), counted and said, no rule-out.
    assert!(
        !lbcl.confounders.iter().any(|c| c.key == "untied_records"),
        "{said}"
    );
    // The arthritis keeps its methotrexate and rituximab: its failed trials and its lines.
    let ra = assess("rheumatoid_arthritis", &record);
    let said = describe(&ra);
    assert_eq!(
        ra.status,
        refract::domain::AssessmentStatus::Refractory,
        "{said}"
    );
    assert!(
        ra.reasons
            .iter()
            .any(|r| r.contains("methotrexate") && r.contains("2012-02")),
        "{said}"
    );
    assert!(
        ra.reasons
            .iter()
            .any(|r| r.contains("rituximab") && r.contains("2024-06")),
        "{said}"
    );
    // Begun years before the lymphoma, they ask the arthritis's assessment nothing; R-CHOP's
    // rituximab, begun with the lymphoma's own drugs, is the lymphoma's, no bDMARD trial.
    assert!(
        !ra.confounders.iter().any(|c| c.key == "untied_records"),
        "{said}"
    );
    assert!(
        ra.reasons.iter().any(|r| r.starts_with(
            "records tied to no condition, read as another condition's and not counted: "
        ) && r
            .contains(&format!("rituximab ({}", ago(days_to(2025, 1, 20))))
            && r.contains("drugs of large B-cell lymphoma, not of rheumatoid arthritis")),
        "{said}"
    );
    let arthritis = lines_of("rheumatoid_arthritis", &record);
    assert_eq!(
        ingredients(&arthritis[0]),
        ["methotrexate"],
        "{arthritis:#?}"
    );
    assert!(
        arthritis
            .iter()
            .any(|line| line.start == ago(days_to(2024, 6, 1))
                && ingredients(line).contains(&"rituximab")),
        "{arthritis:#?}"
    );
}

#[test]
fn r_chop_begun_within_the_margin_of_the_lymphomas_onset_is_still_its_first_line() {
    // R-CHOP begun after the onset (ten days), or nine days before the diagnosis was written
    // down (within untied_begun_margin_days): the lymphoma's first line either way.
    for (r_chop_from, onset_said) in [
        (days_to(2025, 1, 20), "after"),
        (days_to(2025, 1, 1), "within the margin before"),
    ] {
        let record = rheumatoid_arthritis_then_lymphoma(r_chop_from);
        let lymphoma = lines_of("lbcl", &record);
        assert_eq!(lymphoma.len(), 1, "{onset_said}: {lymphoma:#?}");
        assert_eq!(lymphoma[0].start, ago(r_chop_from), "{onset_said}");
        assert!(
            ingredients(&lymphoma[0]).contains(&"rituximab"),
            "{onset_said}: {lymphoma:#?}"
        );
        let lbcl = assess("lbcl", &record);
        let said = describe(&lbcl);
        assert!(
            !lbcl
                .reasons
                .iter()
                .any(|r| r.starts_with(
                    "records tied to no condition, read as another condition's and not counted: "
                ) && r.contains(&format!("rituximab ({}", ago(r_chop_from)))),
            "{onset_said}: {said}"
        );
    }
    // Without the rule (a file that removes untied_begun_margin_days), the 2012 methotrexate
    // is the lymphoma's first line again: the rule, not another, moved it.
    let mut rules = Rules::embedded().unwrap();
    for set in &mut rules.sets {
        set.indication.untied_begun_margin_days = None;
    }
    let record = rheumatoid_arthritis_then_lymphoma(days_to(2025, 1, 20));
    let lines: Vec<TreatmentLine> = rules
        .derive_lines(&record, today())
        .into_iter()
        .filter(|line| line.ruleset == "lbcl")
        .collect();
    assert_eq!(ingredients(&lines[0]), ["methotrexate"], "{lines:#?}");
}

#[test]
fn a_rheumatoid_arthritis_alone_reads_as_before() {
    let record = rheumatoid_arthritis().record();
    let before = without_attribution();
    let now = rules();
    assert_eq!(
        now.evaluate(&record, today()),
        before.evaluate(&record, today())
    );
    assert_eq!(
        now.derive_lines(&record, today()),
        before.derive_lines(&record, today())
    );
    let ra = assess("rheumatoid_arthritis", &record);
    assert_eq!(ra.status, refract::domain::AssessmentStatus::Refractory);
    assert!(
        !ra.reasons
            .iter()
            .any(|r| r.contains("tied to no condition")),
        "{}",
        describe(&ra)
    );
}

#[test]
fn methotrexate_and_rituximab_are_the_arthritis_drugs_against_a_myeloma() {
    // Review R8-5's class: the arthritis's file lists its DMARDs (its line classes), so
    // methotrexate and rituximab given while a myeloma was there too, which the myeloma's file
    // does not list, are the arthritis's: no myeloma line, said; the arthritis counts them.
    let record = Vignette::new()
        .condition_since(RA.0, RA.1, 3000)
        .condition_since(MYELOMA.0, MYELOMA.1, 700)
        .give(rx("methotrexate 15 mg").from(600).until(300))
        .give(rx("rituximab 1000 mg").from(250).until(100))
        .record();
    for line in lines_of("myeloma", &record) {
        let drugs = ingredients(&line);
        assert!(
            !drugs.contains(&"methotrexate") && !drugs.contains(&"rituximab"),
            "{line:#?}"
        );
    }
    let myeloma = assess("myeloma", &record);
    let said = describe(&myeloma);
    assert!(
        myeloma.reasons.iter().any(|r| r.contains("methotrexate (")
            && r.contains("a drug of rheumatoid arthritis, not of multiple myeloma")),
        "{said}"
    );
    let ra = assess("rheumatoid_arthritis", &record);
    let said = describe(&ra);
    assert!(
        ra.reasons.iter().any(|r| r.starts_with(
            "records tied to no condition, read by their drugs as this condition's and counted: "
        ) && r.contains("rituximab")),
        "{said}"
    );
    assert!(
        !ra.confounders.iter().any(|c| c.key == "untied_records"),
        "{said}"
    );
}

/// Review R8-5: a rheumatoid arthritis and a large B-cell lymphoma both there while
/// methotrexate is given, whose dates tell neither: its dose tells. Weekly 15 mg (at most 30 mg
/// a week) is the arthritis's csDMARD, no line of the lymphoma; 3.5 g/m² (at least 500 mg/m²)
/// is the lymphoma's high-dose methotrexate, no csDMARD of the arthritis. Each said with the
/// dose that told it, and neither left as a rule-out.
#[test]
fn a_methotrexate_dose_tells_the_arthritis_from_the_lymphoma() {
    let record = Vignette::new()
        .condition_since(RA.0, RA.1, 3000)
        .condition_since(DLBCL.0, DLBCL.1, 700)
        .give(rx("methotrexate 15 mg/wk").from(600).until(300))
        .give(rx("methotrexate 3.5 g/m2").from(200).until(199))
        .record();
    let lymphoma = lines_of("lbcl", &record);
    assert!(
        !lymphoma.iter().any(|line| line.start == ago(600)),
        "{lymphoma:#?}"
    );
    assert!(
        lymphoma
            .iter()
            .any(|line| line.start == ago(200) && ingredients(line).contains(&"methotrexate")),
        "{lymphoma:#?}"
    );
    let lbcl = assess("lbcl", &record);
    let said = describe(&lbcl);
    assert!(
        lbcl.reasons.iter().any(|r| r.starts_with(
            "records tied to no condition, read as another condition's and not counted: "
        ) && r.contains(&format!("methotrexate ({}", ago(600)))
            && r.contains(
                "15 mg a week: a dose of rheumatoid arthritis (at most 30 mg a week), not of large B-cell lymphoma"
            )),
        "{said}"
    );
    assert!(
        !lbcl.confounders.iter().any(|c| c.key == "untied_records"),
        "{said}"
    );
    let ra = assess("rheumatoid_arthritis", &record);
    let said = describe(&ra);
    assert!(
        ra.reasons.iter().any(|r| r.starts_with(
            "records tied to no condition, read as another condition's and not counted: "
        ) && r.contains(&format!("methotrexate ({}", ago(200)))
            && r.contains(
                "3.5 g/m2: a dose of large B-cell lymphoma (at least 500 mg/m2 or 1000 mg), not of rheumatoid arthritis"
            )),
        "{said}"
    );
    assert!(
        !ra.confounders.iter().any(|c| c.key == "untied_records"),
        "{said}"
    );
    let arthritis = lines_of("rheumatoid_arthritis", &record);
    assert!(
        arthritis
            .iter()
            .all(|line| line.end.is_some_and(|end| end <= ago(300))),
        "{arthritis:#?}"
    );
}
