//! The demo's way-forward records: for the first flagged patients, the four steps in the states
//! a real team leaves them in (just started, re-evaluation overdue, options on the table, all
//! closed, well-being not applicable), written through the same checked, audited entry point as
//! the screens, so the demo never holds a state the step machine would refuse.

use chrono::{Days, NaiveDate};

use crate::domain::{
    AssessmentStatus, CareOption, Edit, OptionKind, PatientId, PatientPreference, Referral,
    ReferralStatus, Stance, StepStatus, TrialStatus, WellbeingGoal,
};
use crate::rules::Rules;
use crate::store::Store;
use crate::way_forward::{self, Change, WayForwardError};

/// Patients given a way forward: enough for every state to appear several times on the list.
const PATIENTS: usize = 30;

/// Writes the way-forward records; returns how many patients got one.
pub fn add(store: &mut Store, rules: &Rules, today: NaiveDate) -> Result<usize, WayForwardError> {
    let flagged = store.first_with_status(
        &[
            AssessmentStatus::Refractory,
            AssessmentStatus::Resistant,
            AssessmentStatus::Relapsed,
        ],
        PATIENTS * 2,
    )?;
    let mut done: Vec<PatientId> = Vec::new();
    for (patient, ruleset) in flagged {
        if done.len() == PATIENTS || done.contains(&patient) {
            continue;
        }
        story(store, rules, patient, &ruleset, done.len() % 6, today)?;
        done.push(patient);
    }
    Ok(done.len())
}

fn story(
    store: &mut Store,
    rules: &Rules,
    patient: PatientId,
    ruleset: &str,
    state: usize,
    today: NaiveDate,
) -> Result<(), WayForwardError> {
    if state == 5 {
        // Some flagged patients have no way forward yet: the list shows no dots for them.
        return Ok(());
    }
    let days = |n: u64| today.checked_add_days(Days::new(n)).unwrap_or(today);
    let ago = |n: u64| today.checked_sub_days(Days::new(n)).unwrap_or(today);
    let specialty = rules
        .get(ruleset)
        .and_then(|s| s.specialties.first().cloned())
        .unwrap_or_else(|| String::from("specialist clinic"));
    let apply = |store: &mut Store, change: Change| -> Result<(), WayForwardError> {
        way_forward::apply(store, rules, &change, today).map(|_| ())
    };
    let view = way_forward::load(store, rules, patient, ruleset)?;
    let step = |n: u8| view.plan.step(n).cloned();

    // Step 1: a referral, seen in every state but the first.
    let referral = Referral {
        id: 0,
        patient_id: patient,
        ruleset: ruleset.to_owned(),
        step: 1,
        specialty,
        to_whom: Some(String::from(
            ["Dr A. Okafor", "Dr L. Moreau", "Dr S. Patel"][state % 3],
        )),
        date: Some(ago(60)),
        status: if state == 0 {
            ReferralStatus::Requested
        } else {
            ReferralStatus::Seen
        },
        version: 0,
    };
    apply(store, Change::Referral(Edit::new(referral)))?;
    if let Some(mut first) = step(1) {
        first.owner = Some(String::from("Dr R. Lindqvist"));
        if state == 0 {
            first.status = StepStatus::InProgress;
            first.due = Some(days(14));
            first.notes = String::from(
                "Referral letter sent with the seizure diary and drug history.\nChase if no date within two weeks.",
            );
        } else {
            first.status = StepStatus::Done;
        }
        apply(store, Change::Step(Edit::new(first)))?;
    }
    if state == 0 {
        return Ok(());
    }

    // Step 2: the checklist, part-ticked and overdue, or complete.
    let view = way_forward::load(store, rules, patient, ruleset)?;
    let items = view.plan.checklist.clone();
    let ticked = if state == 1 { 1 } else { items.len() };
    for (index, mut item) in items.into_iter().enumerate().take(ticked) {
        item.done = true;
        item.detail = Some(String::from(
            [
                "confirmed at clinic review; pharmacy refill records complete",
                "dose and duration checked against the trial criteria",
                "reviewed at the MDT",
            ][index % 3],
        ));
        apply(store, Change::Checklist(Edit::new(item)))?;
    }
    let view = way_forward::load(store, rules, patient, ruleset)?;
    if let Some(mut second) = view.plan.step(2).cloned() {
        second.owner = Some(String::from("Nurse specialist J. Byrne"));
        if state == 1 {
            second.status = StepStatus::InProgress;
            second.due = Some(ago(10));
        } else {
            second.status = StepStatus::Done;
        }
        apply(store, Change::Step(Edit::new(second)))?;
    }
    if state == 1 {
        return Ok(());
    }

    // Step 3: the options board — proposed, recommended, rejected, and a trial.
    if state == 4 {
        if let Some(mut fourth) = view.plan.step(4).cloned() {
            fourth.status = StepStatus::NotApplicable;
            fourth.na_reason = Some(String::from(
                "already followed by the community palliative care team",
            ));
            apply(store, Change::Step(Edit::new(fourth)))?;
        }
        return Ok(());
    }
    let board = view.board.clone();
    for (index, entry) in board
        .iter()
        .filter(|e| e.tried.is_none())
        .take(3)
        .enumerate()
    {
        let Some(catalogue) = &entry.catalogue else {
            continue;
        };
        let (stance, reason) = match index {
            0 => (Stance::Recommended, None),
            1 => (
                Stance::Rejected,
                Some(String::from(
                    "comorbidity makes it unsafe now; revisit in six months",
                )),
            ),
            _ => (Stance::Proposed, None),
        };
        apply(
            store,
            Change::Option(Edit::new(CareOption {
                id: 0,
                patient_id: patient,
                ruleset: ruleset.to_owned(),
                kind: catalogue.kind,
                name: catalogue.name.clone(),
                catalogue_key: Some(catalogue.key.clone()),
                source: Some(catalogue.source.clone()),
                registry_id: None,
                trial_status: None,
                stance,
                stance_reason: reason,
                preference: if index == 0 {
                    PatientPreference::Wants
                } else {
                    PatientPreference::Undecided
                },
                notes: String::new(),
                version: 0,
            })),
        )?;
    }
    apply(
        store,
        Change::Option(Edit::new(CareOption {
            id: 0,
            patient_id: patient,
            ruleset: ruleset.to_owned(),
            kind: OptionKind::Trial,
            name: String::from("Phase 3 trial of a next-line therapy (screening log)"),
            catalogue_key: None,
            source: None,
            registry_id: Some(format!("NCT0{}", 5_100_000 + patient.0 % 899_999)),
            trial_status: Some(TrialStatus::Screening),
            stance: Stance::Proposed,
            stance_reason: None,
            preference: PatientPreference::Undecided,
            notes: String::from("eligibility pending the latest bloods"),
            version: 0,
        })),
    )?;
    let view = way_forward::load(store, rules, patient, ruleset)?;
    if let Some(mut third) = view.plan.step(3).cloned() {
        third.owner = Some(String::from("MDT"));
        third.status = if state == 2 {
            StepStatus::InProgress
        } else {
            StepStatus::Done
        };
        third.due = (state == 2).then(|| days(21));
        apply(store, Change::Step(Edit::new(third)))?;
    }
    if state == 2 {
        return Ok(());
    }

    // Step 4: well-being, closed.
    apply(
        store,
        Change::Referral(Edit::new(Referral {
            id: 0,
            patient_id: patient,
            ruleset: ruleset.to_owned(),
            step: 4,
            specialty: String::from("patient support group"),
            to_whom: None,
            date: Some(ago(20)),
            status: ReferralStatus::Booked,
            version: 0,
        })),
    )?;
    apply(
        store,
        Change::Goal(Edit::new(WellbeingGoal {
            id: 0,
            patient_id: patient,
            ruleset: ruleset.to_owned(),
            description: String::from("Back to part-time work"),
            due: Some(days(90)),
            achieved: false,
            version: 0,
        })),
    )?;
    let view = way_forward::load(store, rules, patient, ruleset)?;
    if let Some(mut fourth) = view.plan.step(4).cloned() {
        fourth.status = StepStatus::Done;
        fourth.owner = Some(String::from("Social worker M. Reyes"));
        apply(store, Change::Step(Edit::new(fourth)))?;
    }
    Ok(())
}
