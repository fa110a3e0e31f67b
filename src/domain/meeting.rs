//! The rules of an MDT meeting that need no database: when a case may be presented, which
//! needed specialties are missing from the room, the fixed list of outcome categories, what an
//! outcome holds, and the masked identity shown on a shared screen and in minutes.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Attendee, Death, MeetingCase, Sex, age_until, machine_names};

/// Why a case on the agenda cannot be presented yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AgendaProblem {
    /// MDT reform bodies make the clinical question part of the minimum dataset: without it the
    /// discussion drifts and cases get postponed.
    #[error("the case has no clinical question yet: write the question before presenting it")]
    NoQuestion,
}

/// Whether `case` may be presented (and its outcome recorded).
pub fn can_present(case: &MeetingCase) -> Result<(), AgendaProblem> {
    if case.question.trim().is_empty() {
        return Err(AgendaProblem::NoQuestion);
    }
    Ok(())
}

/// The specialties of `needed` that no attendee marked present brings, in the order of
/// `needed`, compared without regard to case or surrounding spaces.
pub fn missing_specialties(needed: &[String], attendees: &[Attendee]) -> Vec<String> {
    let present: Vec<String> = attendees
        .iter()
        .filter(|a| a.present)
        .map(|a| a.specialty.trim().to_lowercase())
        .collect();
    let mut missing: Vec<String> = Vec::new();
    for specialty in needed {
        let key = specialty.trim().to_lowercase();
        if key.is_empty() || present.contains(&key) {
            continue;
        }
        if !missing.iter().any(|m| m.trim().to_lowercase() == key) {
            missing.push(specialty.clone());
        }
    }
    missing
}

/// What the MDT recommended for a case: the recommendation categories that tumor-board
/// software and the literature on MDT decisions use (see the reference notes on MDT outcomes),
/// plus the way-forward steps of refract (specialist care, re-evaluation, well-being).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutcomeCategory {
    /// Change of treatment: the next line, a switch or an add-on.
    ChangeTreatment,
    /// Referral for clinical-trial screening.
    TrialReferral,
    /// An advanced procedure or device (epilepsy surgery, VNS, DBS, CAR T, renal denervation…).
    ProcedureOrDevice,
    /// Referral to a specialist centre or specialty (way-forward step 1).
    SpecialistReferral,
    /// Further investigations or a re-evaluation before deciding (way-forward step 2).
    FurtherInvestigations,
    /// Continue the current plan.
    ContinueCurrentPlan,
    /// Supportive or palliative care first (way-forward step 4).
    SupportiveCare,
    /// No decision yet: discuss again at a later meeting.
    Rediscuss,
}
machine_names!(OutcomeCategory {
    ChangeTreatment => "change_treatment",
    TrialReferral => "trial_referral",
    ProcedureOrDevice => "procedure_or_device",
    SpecialistReferral => "specialist_referral",
    FurtherInvestigations => "further_investigations",
    ContinueCurrentPlan => "continue_current_plan",
    SupportiveCare => "supportive_care",
    Rediscuss => "rediscuss",
});

impl OutcomeCategory {
    /// The category in words, for screens and minutes.
    pub const fn label(self) -> &'static str {
        match self {
            OutcomeCategory::ChangeTreatment => "Change of treatment / next line",
            OutcomeCategory::TrialReferral => "Clinical trial referral",
            OutcomeCategory::ProcedureOrDevice => "Procedure or device",
            OutcomeCategory::SpecialistReferral => "Specialist referral",
            OutcomeCategory::FurtherInvestigations => "Further investigations",
            OutcomeCategory::ContinueCurrentPlan => "Continue current plan",
            OutcomeCategory::SupportiveCare => "Supportive or palliative care",
            OutcomeCategory::Rediscuss => "Re-discuss at a later meeting",
        }
    }

    /// The label of a stored machine name; an unknown name (a newer refract's) is shown as is.
    pub fn label_of(machine_name: &str) -> String {
        OutcomeCategory::parse(machine_name)
            .map_or_else(|_| machine_name.to_owned(), |c| c.label().to_owned())
    }
}

/// The decision recorded for one case while it is on screen.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Outcome {
    pub category: Option<OutcomeCategory>,
    /// The option of the patient's way-forward board that the team chose, if any.
    pub chosen_option_id: Option<i64>,
    /// The recommendation in the team's words.
    pub text: String,
    /// Whether the case comes back to a later meeting.
    pub comes_back: bool,
}

/// A patient's identity as a shared screen or the minutes show it by default: initials, age in
/// years on `today` and sex ("J. D., 54 y, F"). Never the name, the MRN or the birth date. A
/// deceased patient's age is the age at death, and the death is said with its year alone
/// ("J. D., 53 y, F, † died 1978, aged 53"): the day, like the birth date, could identify.
pub fn masked_identity(
    given_name: &str,
    family_name: &str,
    sex: Sex,
    (birth_date, death): (Option<NaiveDate>, Option<Death>),
    today: NaiveDate,
) -> String {
    let initials = super::clinical::initials(given_name, family_name);
    let age = age_until(birth_date, death, today)
        .map_or_else(|| String::from("?"), |years| years.to_string());
    match death {
        Some(death) => format!(
            "{initials}, {age} y, {}, {}",
            sex.letter(),
            death.words(birth_date, true)
        ),
        None => format!("{initials}, {age} y, {}", sex.letter()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PatientId;

    fn case(question: &str) -> MeetingCase {
        MeetingCase {
            id: 1,
            meeting_id: 1,
            patient_id: PatientId(1),
            ruleset: Some("epilepsy".into()),
            position: 1,
            question: question.into(),
            timebox_minutes: 6,
            outcome_category: None,
            chosen_option_id: None,
            outcome_text: String::new(),
            comes_back: false,
            presented_seconds: 0,
            plan_followed: None,
            plan_followed_reason: None,
            version: 0,
        }
    }

    fn attendee(specialty: &str, present: bool) -> Attendee {
        Attendee {
            id: 1,
            meeting_id: 1,
            name: "Dr X".into(),
            specialty: specialty.into(),
            present,
            version: 0,
        }
    }

    #[test]
    fn a_case_without_a_question_cannot_be_presented() {
        assert_eq!(can_present(&case("  ")), Err(AgendaProblem::NoQuestion));
        assert_eq!(can_present(&case("Surgery?")), Ok(()));
    }

    #[test]
    fn only_present_attendees_count_and_case_is_ignored() {
        let needed = vec![
            "Epileptology".to_owned(),
            "neurosurgery".to_owned(),
            "neuropsychology".to_owned(),
        ];
        let attendees = [
            attendee(" epileptology ", true),
            attendee("Neurosurgery", false),
        ];
        assert_eq!(
            missing_specialties(&needed, &attendees),
            ["neurosurgery", "neuropsychology"]
        );
    }

    #[test]
    fn masked_identity_shows_initials_age_and_sex_only() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        let birth = NaiveDate::from_ymd_opt(1972, 3, 2);
        assert_eq!(
            masked_identity("Jane", "Doe", Sex::Female, (birth, None), today),
            "J. D., 54 y, F"
        );
        assert_eq!(
            masked_identity("", "", Sex::Unknown, (None, None), today),
            "?, ? y, ?"
        );
        assert_eq!(
            masked_identity("mary ann", "van dijk", Sex::Female, (None, None), today),
            "M. A. V. D., ? y, F"
        );
        // The dead: the age at death, the year of death, never the day.
        let died = Death::of(true, NaiveDate::from_ymd_opt(2025, 3, 1), None);
        assert_eq!(
            masked_identity("Jane", "Doe", Sex::Female, (birth, died), today),
            "J. D., 52 y, F, † died 2025, aged 52"
        );
    }

    #[test]
    fn outcome_categories_round_trip_their_machine_names() {
        for category in OutcomeCategory::ALL {
            assert_eq!(OutcomeCategory::parse(category.as_str()), Ok(*category));
            assert!(!category.label().is_empty());
        }
        assert_eq!(OutcomeCategory::label_of("later_thing"), "later_thing");
    }
}
