//! The way-forward step machine: the four steps a team follows for a refractory condition, what
//! each needs before it may be called done, and the re-evaluation checklist built from the
//! assessment's open confounders and the condition's standard items. Pure functions only.

use std::fmt;

use super::workflow::{
    CareOption, ChecklistItem, Referral, ReferralStatus, Stance, StepStatus, WayForwardStep,
    WellbeingGoal,
};
use super::{Confounder, PatientId};

/// The four steps, in order, as the team names them.
pub const STEP_TITLES: [&str; 4] = [
    "Specialist care",
    "Comprehensive re-evaluation",
    "All options",
    "Well-being",
];

/// The steps' names for narrow places.
pub const STEP_SHORT_TITLES: [&str; 4] =
    ["Specialist care", "Re-evaluation", "Options", "Well-being"];

/// One line on what each step is for, shown under its title.
pub const STEP_PURPOSES: [&str; 4] = [
    "Refer to the specialty that manages this refractory condition",
    "Rule out pseudo-resistance: adherence, dose, diagnosis, comorbidities, new diagnostics",
    "Next lines, combinations, trials, procedures and devices, with the team's stance",
    "Support, psychotherapy, lifestyle, palliative care, quality of life",
];

/// Everything the team has recorded on one patient's way forward for one condition, with the
/// checklist completed by what the rules suggest.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WayForward {
    pub patient_id: PatientId,
    pub ruleset: String,
    /// Always four, step 1 first; steps never written are `todo`.
    pub steps: Vec<WayForwardStep>,
    /// Stored items (id > 0) and suggested ones not yet written (id 0).
    pub checklist: Vec<ChecklistItem>,
    pub referrals: Vec<Referral>,
    pub options: Vec<CareOption>,
    pub goals: Vec<WellbeingGoal>,
}

/// Why a step cannot take the status asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepProblem {
    UnknownStep(u8),
    /// "Not applicable" says why.
    ReasonRequired,
    /// Step 1 is done once a specialist has seen the patient.
    NoSpecialistSeen,
    /// Step 2 is done once every checklist item is ticked.
    ChecklistOpen(usize),
    /// Step 3 is done once the team recommends an option.
    NoOptionRecommended,
    /// Step 4 is done once a well-being referral or goal is recorded.
    NothingForWellbeing,
}

impl fmt::Display for StepProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepProblem::UnknownStep(step) => write!(f, "there is no step {step} (1 to 4)"),
            StepProblem::ReasonRequired => f.write_str("'not applicable' needs a reason"),
            StepProblem::NoSpecialistSeen => {
                f.write_str("step 1 is done once a referral is marked seen")
            }
            StepProblem::ChecklistOpen(open) => write!(
                f,
                "step 2 is done once every checklist item is ticked ({open} open)"
            ),
            StepProblem::NoOptionRecommended => {
                f.write_str("step 3 is done once the team recommends an option")
            }
            StepProblem::NothingForWellbeing => {
                f.write_str("step 4 is done once a well-being referral or goal is recorded")
            }
        }
    }
}

impl std::error::Error for StepProblem {}

impl WayForward {
    /// A way forward with nothing recorded: four steps to do.
    pub fn new(patient_id: PatientId, ruleset: &str) -> Self {
        WayForward {
            patient_id,
            ruleset: ruleset.to_owned(),
            steps: (1..=4)
                .map(|n| default_step(patient_id, ruleset, n))
                .collect(),
            checklist: Vec::new(),
            referrals: Vec::new(),
            options: Vec::new(),
            goals: Vec::new(),
        }
    }

    /// Steps as stored, with the ones never written filled in as `todo`.
    #[must_use]
    pub fn with_steps(mut self, stored: Vec<WayForwardStep>) -> Self {
        for step in stored {
            if let Some(slot) = step
                .step
                .checked_sub(1)
                .and_then(|i| self.steps.get_mut(usize::from(i)))
            {
                *slot = step;
            }
        }
        self
    }

    pub fn step(&self, number: u8) -> Option<&WayForwardStep> {
        self.steps.iter().find(|s| s.step == number)
    }

    /// How many of the four steps are done or not applicable.
    pub fn closed(&self) -> usize {
        self.steps.iter().filter(|s| s.status.is_closed()).count()
    }

    /// The progress as the patient list shows it: "●●○○".
    pub fn dots(&self) -> String {
        progress_dots(self.closed())
    }

    /// Steps still open whose due date has passed.
    pub fn overdue_steps(&self, today: chrono::NaiveDate) -> Vec<u8> {
        self.steps
            .iter()
            .filter(|s| step_overdue(s, today))
            .map(|s| s.step)
            .collect()
    }

    pub fn open_checklist_items(&self) -> usize {
        self.checklist.iter().filter(|item| !item.done).count()
    }

    pub fn referrals_of_step(&self, step: u8) -> impl Iterator<Item = &Referral> {
        self.referrals.iter().filter(move |r| r.step == step)
    }
}

/// "●●○○" for `closed` of four steps closed.
pub fn progress_dots(closed: usize) -> String {
    let closed = closed.min(4);
    "●".repeat(closed) + &"○".repeat(4 - closed)
}

/// An open step whose due date has passed.
pub fn step_overdue(step: &WayForwardStep, today: chrono::NaiveDate) -> bool {
    !step.status.is_closed() && step.due.is_some_and(|due| due < today)
}

fn default_step(patient_id: PatientId, ruleset: &str, step: u8) -> WayForwardStep {
    WayForwardStep {
        patient_id,
        ruleset: ruleset.to_owned(),
        step,
        status: StepStatus::Todo,
        owner: None,
        due: None,
        notes: String::new(),
        na_reason: None,
        version: 0,
    }
}

/// Whether `proposed` (a new state of one step) may be saved, given everything else recorded.
/// To do and in progress are always allowed; done needs the step's work to be recorded; not
/// applicable needs a reason.
pub fn check_step(plan: &WayForward, proposed: &WayForwardStep) -> Result<(), StepProblem> {
    if !(1..=4).contains(&proposed.step) {
        return Err(StepProblem::UnknownStep(proposed.step));
    }
    match proposed.status {
        StepStatus::Todo | StepStatus::InProgress => Ok(()),
        StepStatus::NotApplicable => {
            if proposed
                .na_reason
                .as_deref()
                .is_some_and(|r| !r.trim().is_empty())
            {
                Ok(())
            } else {
                Err(StepProblem::ReasonRequired)
            }
        }
        StepStatus::Done => match proposed.step {
            1 => plan
                .referrals_of_step(1)
                .any(|r| r.status == ReferralStatus::Seen)
                .then_some(())
                .ok_or(StepProblem::NoSpecialistSeen),
            2 => match plan.open_checklist_items() {
                0 => Ok(()),
                open => Err(StepProblem::ChecklistOpen(open)),
            },
            3 => plan
                .options
                .iter()
                .any(|o| o.stance == Stance::Recommended)
                .then_some(())
                .ok_or(StepProblem::NoOptionRecommended),
            _ => (plan.referrals_of_step(4).next().is_some() || !plan.goals.is_empty())
                .then_some(())
                .ok_or(StepProblem::NothingForWellbeing),
        },
    }
}

/// The step-2 checklist: what the team has written, then each open confounder of the assessment
/// and each standard item of the condition not written yet (id 0). One item per key: a
/// confounder and a standard item with the same key are one question, and ticking it resolves
/// the confounder at the next evaluation.
pub fn merge_checklist(
    patient_id: PatientId,
    ruleset: &str,
    stored: Vec<ChecklistItem>,
    confounders: &[Confounder],
    standard: &[(String, String)],
) -> Vec<ChecklistItem> {
    let mut items: Vec<ChecklistItem> = Vec::with_capacity(stored.len() + standard.len());
    let suggested = confounders
        .iter()
        .map(|c| (c.key.as_str(), c.text.as_str()))
        .chain(standard.iter().map(|(k, t)| (k.as_str(), t.as_str())));
    for (key, text) in suggested {
        if items.iter().any(|item| item.key == key) {
            continue;
        }
        match stored.iter().find(|item| item.key == key) {
            Some(item) => items.push(item.clone()),
            None => items.push(ChecklistItem {
                id: 0,
                patient_id,
                ruleset: ruleset.to_owned(),
                key: key.to_owned(),
                text: text.to_owned(),
                done: false,
                detail: None,
                version: 0,
            }),
        }
    }
    // Items the team added (new diagnostics ordered) or whose suggestion went away.
    for item in stored {
        if !items.iter().any(|i| i.key == item.key) {
            items.push(item);
        }
    }
    items
}

/// The register a trial identifier belongs to, read from its form: ClinicalTrials.gov
/// (NCT and 8 digits), EudraCT (YYYY-NNNNNN-CC), the EU's CTIS (YYYY-5NNNNN-NN-NN) or ISRCTN
/// (ISRCTN and 8 digits). `None` for anything else, which a screen keeps as typed and marks as
/// free text: a registry the list does not know, or a slip in the number.
pub fn trial_registry(id: &str) -> Option<&'static str> {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let id = id.trim();
    if let Some(rest) = id.strip_prefix("NCT") {
        return digits(rest, 8).then_some("ClinicalTrials.gov");
    }
    if let Some(rest) = id.strip_prefix("ISRCTN") {
        return digits(rest, 8).then_some("ISRCTN");
    }
    let parts: Vec<&str> = id.split('-').collect();
    match parts.as_slice() {
        [year, number, check] if digits(year, 4) && digits(number, 6) && digits(check, 2) => {
            Some("EudraCT")
        }
        [year, number, a, b]
            if digits(year, 4)
                && digits(number, 6)
                && number.starts_with('5')
                && digits(a, 2)
                && digits(b, 2) =>
        {
            Some("EU CT")
        }
        _ => None,
    }
}

/// A trial identifier as typed, in the form its register writes it: upper case, without the
/// spaces people put in ("nct 0123 4567"), a leading "EudraCT" word dropped. Free text that
/// is not an identifier of a known register is kept as typed.
pub fn normalise_trial_id(typed: &str) -> String {
    let compact: String = typed.split_whitespace().collect::<String>().to_uppercase();
    let compact = compact
        .strip_prefix("EUDRACT")
        .map_or(compact.clone(), |rest| {
            rest.trim_start_matches([':', '#']).to_owned()
        });
    if trial_registry(&compact).is_some() {
        compact
    } else {
        typed.trim().to_owned()
    }
}

/// The next referral status, in the order a referral moves.
pub fn next_referral_status(status: ReferralStatus) -> ReferralStatus {
    match status {
        ReferralStatus::Requested => ReferralStatus::Booked,
        ReferralStatus::Booked => ReferralStatus::Seen,
        ReferralStatus::Seen => ReferralStatus::Declined,
        ReferralStatus::Declined => ReferralStatus::Requested,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn trial_identifiers_are_read_by_their_registers_form() {
        for (typed, stored, registry) in [
            ("nct01234567", "NCT01234567", Some("ClinicalTrials.gov")),
            ("NCT 0123 4567", "NCT01234567", Some("ClinicalTrials.gov")),
            ("EudraCT 2021-001234-56", "2021-001234-56", Some("EudraCT")),
            ("2023-512345-12-00", "2023-512345-12-00", Some("EU CT")),
            ("isrctn12345678", "ISRCTN12345678", Some("ISRCTN")),
            ("NCT0123456", "NCT0123456", None),
            ("ACTRN12620000001", "ACTRN12620000001", None),
            ("the local ketamine study", "the local ketamine study", None),
        ] {
            let stored_as = normalise_trial_id(typed);
            assert_eq!(stored_as, stored, "{typed}");
            assert_eq!(trial_registry(&stored_as), registry, "{typed}");
        }
    }
    use crate::domain::{OptionKind, PatientPreference};

    fn plan() -> WayForward {
        WayForward::new(PatientId(7), "epilepsy")
    }

    fn with_status(plan: &WayForward, step: u8, status: StepStatus) -> WayForwardStep {
        let mut s = plan.step(step).unwrap().clone();
        s.status = status;
        s
    }

    fn referral(step: u8, status: ReferralStatus) -> Referral {
        Referral {
            id: 1,
            patient_id: PatientId(7),
            ruleset: String::from("epilepsy"),
            step,
            specialty: String::from("epileptology"),
            to_whom: None,
            date: None,
            status,
            version: 0,
        }
    }

    #[test]
    fn a_new_plan_has_four_steps_to_do() {
        let plan = plan();
        assert_eq!(plan.steps.len(), 4);
        assert!(plan.steps.iter().all(|s| s.status == StepStatus::Todo));
        assert_eq!(plan.dots(), "○○○○");
    }

    #[test]
    fn todo_and_in_progress_are_always_allowed() {
        let plan = plan();
        for step in 1..=4 {
            assert_eq!(
                check_step(&plan, &with_status(&plan, step, StepStatus::InProgress)),
                Ok(())
            );
            assert_eq!(
                check_step(&plan, &with_status(&plan, step, StepStatus::Todo)),
                Ok(())
            );
        }
    }

    #[test]
    fn not_applicable_needs_a_reason() {
        let plan = plan();
        let mut step = with_status(&plan, 4, StepStatus::NotApplicable);
        assert_eq!(check_step(&plan, &step), Err(StepProblem::ReasonRequired));
        step.na_reason = Some(String::from("  "));
        assert_eq!(check_step(&plan, &step), Err(StepProblem::ReasonRequired));
        step.na_reason = Some(String::from("already under the palliative team"));
        assert_eq!(check_step(&plan, &step), Ok(()));
    }

    #[test]
    fn step_one_is_done_once_a_specialist_has_seen_the_patient() {
        let mut plan = plan();
        let done = with_status(&plan, 1, StepStatus::Done);
        assert_eq!(check_step(&plan, &done), Err(StepProblem::NoSpecialistSeen));
        plan.referrals.push(referral(1, ReferralStatus::Booked));
        assert_eq!(check_step(&plan, &done), Err(StepProblem::NoSpecialistSeen));
        // A well-being referral does not count for step 1.
        plan.referrals.push(referral(4, ReferralStatus::Seen));
        assert_eq!(check_step(&plan, &done), Err(StepProblem::NoSpecialistSeen));
        plan.referrals.push(referral(1, ReferralStatus::Seen));
        assert_eq!(check_step(&plan, &done), Ok(()));
    }

    #[test]
    fn step_two_is_done_once_every_item_is_ticked() {
        let mut plan = plan();
        plan.checklist = merge_checklist(
            PatientId(7),
            "epilepsy",
            Vec::new(),
            &[Confounder {
                key: String::from("adherence"),
                text: String::from("Adherence not documented"),
                content: String::new(),
            }],
            &[(String::from("mri"), String::from("MRI reviewed"))],
        );
        let done = with_status(&plan, 2, StepStatus::Done);
        assert_eq!(check_step(&plan, &done), Err(StepProblem::ChecklistOpen(2)));
        plan.checklist[0].done = true;
        assert_eq!(check_step(&plan, &done), Err(StepProblem::ChecklistOpen(1)));
        plan.checklist[1].done = true;
        assert_eq!(check_step(&plan, &done), Ok(()));
    }

    #[test]
    fn step_three_needs_a_recommended_option_and_step_four_a_referral_or_goal() {
        let mut plan = plan();
        let three = with_status(&plan, 3, StepStatus::Done);
        let mut option = CareOption {
            id: 1,
            patient_id: PatientId(7),
            ruleset: String::from("epilepsy"),
            kind: OptionKind::Procedure,
            name: String::from("Resective surgery"),
            catalogue_key: None,
            source: None,
            registry_id: None,
            trial_status: None,
            stance: Stance::Proposed,
            stance_reason: None,
            preference: PatientPreference::Unknown,
            notes: String::new(),
            version: 0,
        };
        plan.options.push(option.clone());
        assert_eq!(
            check_step(&plan, &three),
            Err(StepProblem::NoOptionRecommended)
        );
        option.stance = Stance::Recommended;
        plan.options.push(option);
        assert_eq!(check_step(&plan, &three), Ok(()));

        let four = with_status(&plan, 4, StepStatus::Done);
        assert_eq!(
            check_step(&plan, &four),
            Err(StepProblem::NothingForWellbeing)
        );
        plan.goals.push(WellbeingGoal {
            id: 1,
            patient_id: PatientId(7),
            ruleset: String::from("epilepsy"),
            description: String::from("Walk 30 minutes a day"),
            due: None,
            achieved: false,
            version: 0,
        });
        assert_eq!(check_step(&plan, &four), Ok(()));
    }

    #[test]
    fn the_checklist_merges_confounders_and_standard_items_by_key() {
        let stored = vec![ChecklistItem {
            id: 5,
            patient_id: PatientId(7),
            ruleset: String::from("epilepsy"),
            key: String::from("adherence"),
            text: String::from("Adherence confirmed"),
            done: true,
            detail: Some(String::from("levels in range")),
            version: 0,
        }];
        let confounders = [
            Confounder {
                key: String::from("diagnosis"),
                text: String::from("Diagnosis not confirmed by video-EEG"),
                content: String::new(),
            },
            Confounder {
                key: String::from("adherence"),
                text: String::from("Adherence not documented"),
                content: String::new(),
            },
        ];
        let standard = [
            (
                String::from("adherence"),
                String::from("Adherence confirmed"),
            ),
            (
                String::from("diagnosis"),
                String::from("Diagnosis re-checked"),
            ),
            (String::from("mri"), String::from("MRI reviewed")),
        ];
        let items = merge_checklist(PatientId(7), "epilepsy", stored, &confounders, &standard);
        let keys: Vec<&str> = items.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys, ["diagnosis", "adherence", "mri"]);
        // The confounder's own words, and the team's tick kept.
        assert_eq!(items[0].text, "Diagnosis not confirmed by video-EEG");
        assert!(items[1].done && items[1].id == 5);
        assert!(!items[2].done && items[2].id == 0);
    }

    #[test]
    fn overdue_steps_are_open_steps_past_their_due_date() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        let mut plan = plan();
        plan.steps[0].due = today.pred_opt();
        plan.steps[1].due = today.pred_opt();
        plan.steps[1].status = StepStatus::Done;
        plan.steps[2].due = Some(today);
        assert_eq!(plan.overdue_steps(today), [1]);
    }

    #[test]
    fn referral_status_moves_forward_and_wraps() {
        let mut status = ReferralStatus::Requested;
        let mut seen = Vec::new();
        for _ in 0..4 {
            status = next_referral_status(status);
            seen.push(status);
        }
        assert_eq!(
            seen,
            [
                ReferralStatus::Booked,
                ReferralStatus::Seen,
                ReferralStatus::Declined,
                ReferralStatus::Requested
            ]
        );
    }
}
