//! The demo's MDT meetings: a meeting two weeks before the reference day with attendance,
//! outcomes and follow-up tasks (some done, some open, one overdue), and a meeting a week after
//! it with an agenda still being prepared (one case still lacks its question).
//!
//! Written after the patients are loaded and evaluated, inside the demo's build-then-rename
//! flow. Cases are taken from the first flagged patients by id, a bounded read at any size, and
//! every write is stamped from the reference day, so the same seed gives the same file.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};

use super::stories::{self, MeetingLines};
use super::{DemoOptions, Rng};
use crate::domain::{
    AssessmentStatus, OptionKind, Outcome, OutcomeCategory, PatientId, PlanFollowed, TaskStatus,
};
use crate::rules::Rules;
use crate::store::{self, AuditWriter, MeetingWriter, Store, StoreError};

/// Flagged candidates read: enough to fill both agendas after a shuffle.
const CANDIDATES: usize = 40;
const PAST_CASES: usize = 7;
const UPCOMING_NEW_CASES: usize = 4;

const TITLE: &str = "Refractory disease MDT";
const TEAM: &str = "Complex cases";

/// Names handed to the specialties the agenda needs, in order.
const NAMES: &[&str] = &[
    "Dr A. Okafor",
    "Dr M. Lind",
    "Dr S. Haddad",
    "Dr K. Nakamura",
    "Dr R. Silva",
    "Dr E. Mensah",
    "Dr T. Varga",
    "Dr L. Moreau",
    "Dr P. Novak",
    "Dr H. Berg",
    "Dr Y. Tanaka",
    "Dr C. Reyes",
    "Dr F. Osei",
    "Dr B. Costa",
    "Dr I. Petrov",
];

/// The coordinator, at every meeting.
const COORDINATOR: (&str, &str) = ("J. Byrne", "clinical nurse specialist");

/// The people a meeting invites: the coordinator and one person for each specialty the cases'
/// rule sets ask for.
fn roster(rules: &Rules, rulesets: &[&str]) -> Vec<(&'static str, String)> {
    let mut specialties: Vec<String> = Vec::new();
    for ruleset in rulesets {
        for specialty in rules
            .get(ruleset)
            .map_or(&[][..], |set| &set.specialties[..])
        {
            if !specialties
                .iter()
                .any(|s| s.eq_ignore_ascii_case(specialty))
            {
                specialties.push(specialty.clone());
            }
        }
    }
    let mut people = vec![(COORDINATOR.0, COORDINATOR.1.to_owned())];
    people.extend(NAMES.iter().copied().zip(specialties));
    people
}

/// What the meetings say about a case of the condition (its [`Story`](super::stories::Story)).
/// Cases are only taken from conditions the demo tells stories for (see [`candidates`]); the
/// neutral words are for a condition added to the rules without one.
fn story(ruleset: &str) -> &'static MeetingLines {
    const UNTOLD: MeetingLines = MeetingLines {
        question: "Not responding to standard therapy: what next?",
        next_line: "Change to the next standard option; review in clinic.",
        procedure: "Refer for a specialist opinion.",
    };
    stories::story(ruleset).map_or(&UNTOLD, |story| &story.meeting)
}

/// The outcomes of the past meeting, one per case in an order the seed shuffles: one of each
/// kind a meeting typically decides, a re-discussion among them so that the next agenda has a
/// case that comes back.
const CATEGORIES: [OutcomeCategory; PAST_CASES] = [
    OutcomeCategory::ProcedureOrDevice,
    OutcomeCategory::ChangeTreatment,
    OutcomeCategory::FurtherInvestigations,
    OutcomeCategory::TrialReferral,
    OutcomeCategory::Rediscuss,
    OutcomeCategory::SupportiveCare,
    OutcomeCategory::SpecialistReferral,
];

/// The recommendation text and the follow-up tasks (what, days after the meeting) of a
/// category; the first task is done by the reference day, the others are open.
fn recommendation(
    category: OutcomeCategory,
    ruleset: &str,
) -> (String, &'static [(&'static str, i64)]) {
    let MeetingLines {
        next_line,
        procedure,
        ..
    } = story(ruleset);
    match category {
        OutcomeCategory::ChangeTreatment => (
            (*next_line).to_owned(),
            &[
                ("Prescribe the new regimen and counsel the patient", 5),
                ("Review response and tolerability in clinic", 42),
            ],
        ),
        OutcomeCategory::ProcedureOrDevice => (
            (*procedure).to_owned(),
            &[
                ("Send the referral with imaging and letters", 6),
                ("Book the pre-procedure work-up", 21),
            ],
        ),
        OutcomeCategory::TrialReferral => (
            String::from(
                "Refer for clinical trial screening at the regional centre; research nurse to check eligibility.",
            ),
            &[
                ("Send records to the research team", 4),
                ("Confirm trial eligibility with the research nurse", 28),
            ],
        ),
        OutcomeCategory::FurtherInvestigations => (
            String::from(
                "Confirm adherence (drug levels, pharmacy refill records) and re-check the diagnosis before labelling refractory.",
            ),
            &[
                ("Order drug levels", 3),
                ("Collect pharmacy refill records", 24),
            ],
        ),
        OutcomeCategory::SupportiveCare => (
            String::from(
                "Prioritise well-being: refer to supportive and palliative care and to psychology; review goals with the patient and family.",
            ),
            &[
                ("Refer to the supportive care team", 2),
                ("Goals-of-care conversation", 30),
            ],
        ),
        OutcomeCategory::Rediscuss => (
            String::from(
                "Results of the pending investigations are needed before deciding: bring back to the next meeting.",
            ),
            &[("Chase the pending results", 5)],
        ),
        OutcomeCategory::SpecialistReferral => (
            String::from("Refer to the specialist centre for a second opinion."),
            &[
                ("Send the referral letter", 7),
                ("Confirm the appointment", 35),
            ],
        ),
        OutcomeCategory::ContinueCurrentPlan => (
            String::from("Continue the current regimen; reassess the response in 3 months."),
            &[("Clinic review in 3 months", 90)],
        ),
    }
}

fn at(day: NaiveDate, hour: u32, minute: u32) -> NaiveDateTime {
    day.and_time(NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or(NaiveTime::MIN))
}

/// Flagged (refractory or resistant) patients and their flagged condition, one per patient,
/// in id order.
fn candidates(store: &Store) -> Result<Vec<(PatientId, String)>, StoreError> {
    let rows = store.first_flagged(AssessmentStatus::Resistant, CANDIDATES * 3)?;
    let mut out: Vec<(PatientId, String)> = Vec::new();
    for (patient, ruleset) in rows {
        if out.len() == CANDIDATES {
            break;
        }
        if stories::story(&ruleset).is_some() && out.iter().all(|(p, _)| *p != patient) {
            out.push((patient, ruleset));
        }
    }
    Ok(out)
}

/// The kinds of option that fit a recommendation, in order of preference.
fn option_kinds(category: OutcomeCategory) -> &'static [OptionKind] {
    match category {
        OutcomeCategory::ChangeTreatment => &[OptionKind::Therapy, OptionKind::Combination],
        OutcomeCategory::TrialReferral => &[OptionKind::Trial],
        OutcomeCategory::ProcedureOrDevice => &[OptionKind::Procedure, OptionKind::Device],
        _ => &[],
    }
}

/// The recommendation when the team chose an option from the board.
fn recommendation_with_option(category: OutcomeCategory, option: &str) -> String {
    match category {
        OutcomeCategory::TrialReferral => {
            format!("Screen for the trial ({option}); research nurse to check eligibility.")
        }
        OutcomeCategory::ProcedureOrDevice => {
            format!("Refer for assessment: {option}; work-up before the procedure team's clinic.")
        }
        _ => format!("Go ahead with {option}; review response and tolerability in clinic."),
    }
}

/// Adds the past and the upcoming meeting. Call it once the patients, their assessments (and
/// their way-forward options, which outcomes may point at) are in the file.
pub fn add(store: &mut Store, rules: &Rules, options: &DemoOptions) -> Result<(), StoreError> {
    let today = options.today;
    let mut rng = Rng::new(options.seed ^ 0x4D44_545F_4D45_4554);
    let mut pool = candidates(store)?;
    // Seeded shuffles (Fisher–Yates), so that seeds tell different meetings.
    shuffle(&mut rng, &mut pool);
    let mut categories = CATEGORIES;
    shuffle(&mut rng, &mut categories);
    // Patients whose way-forward board lists options go first, so that the recorded outcomes
    // can name the option the team chose.
    let mut with_options = Vec::with_capacity(pool.len());
    for (patient, ruleset) in &pool {
        with_options.push(store.has_options(*patient, ruleset)?);
    }
    let mut ranked: Vec<(bool, (PatientId, String))> = with_options.into_iter().zip(pool).collect();
    ranked.sort_by_key(|(has, _)| !*has);
    let mut pool: Vec<(PatientId, String)> = ranked.into_iter().map(|(_, c)| c).collect();
    let upcoming_pool = pool.split_off(PAST_CASES.min(pool.len()));
    let past_pool = pool;
    let presented: Vec<u32> = (0..past_pool.len())
        .map(|_| rng.range(150, 720) as u32)
        .collect();

    let past_day = today - Duration::days(14);
    let next_day = today + Duration::days(7);
    let scribe = AuditWriter::new(String::from("j.byrne"));
    store.write(|tx| {
        // The past meeting: agenda prepared two days before, decided on the day.
        let prepare = MeetingWriter::new(tx, &scribe, at(past_day - Duration::days(2), 9, 0));
        let meeting = prepare.create_meeting(at(past_day, 13, 0), TITLE, Some(TEAM))?;
        let rulesets: Vec<&str> = past_pool.iter().map(|(_, r)| r.as_str()).collect();
        let people = roster(rules, &rulesets);
        let mut attendees = Vec::new();
        for (name, specialty) in &people {
            attendees.push(prepare.add_attendee(meeting, name, specialty)?);
        }
        let mut cases = Vec::new();
        for (patient, ruleset) in &past_pool {
            let case = prepare.add_case(meeting, *patient, Some(ruleset))?;
            prepare.set_case_question(case, story(ruleset).question)?;
            cases.push((case, *patient, ruleset.as_str()));
        }
        let on_the_day = MeetingWriter::new(tx, &scribe, at(past_day, 13, 0));
        // Every fourth invitee sent apologies: some cases miss a specialty they need.
        for (index, id) in attendees.iter().enumerate() {
            if index % 4 == 3 {
                on_the_day.set_attendee_present(*id, false)?;
            }
        }
        let mut overdue_placed = false;
        let mut comes_back: Option<(PatientId, String)> = None;
        for (index, (case, patient, ruleset)) in cases.iter().enumerate() {
            let minute = 5 + 8 * index as u32;
            let during =
                MeetingWriter::new(tx, &scribe, at(past_day, 13 + minute / 60, minute % 60));
            during.add_presented_seconds(*case, presented[index])?;
            let category = categories[index % categories.len()];
            let (mut text, tasks) = recommendation(category, ruleset);
            let option = store::first_option_of_kinds(tx, *patient, ruleset, option_kinds(category))?;
            if let Some((_, name)) = &option {
                text = recommendation_with_option(category, name);
            }
            let rediscuss = category == OutcomeCategory::Rediscuss;
            during.record_outcome(
                *case,
                &Outcome {
                    category: Some(category),
                    chosen_option_id: option.map(|(id, _)| id),
                    text,
                    comes_back: rediscuss,
                },
            )?;
            if rediscuss {
                comes_back = Some((*patient, (*ruleset).to_owned()));
            }
            for (number, (what, days)) in tasks.iter().enumerate() {
                let owner = people[(index + number) % people.len()].0;
                let mut due = past_day + Duration::days(*days);
                let done = number == 0 && due < today;
                if !done && !overdue_placed {
                    // One open task a few days late, for the overdue mark.
                    due = today - Duration::days(4);
                    overdue_placed = true;
                }
                let task =
                    during.add_task(*patient, Some(*case), what, Some(owner), Some(due), today)?;
                if done {
                    MeetingWriter::new(tx, &scribe, at(due, 16, 0)).set_task_status(
                        task,
                        TaskStatus::Done,
                        today,
                    )?;
                }
            }
        }
        // One implementation audit already recorded: the first case's plan, followed in part.
        if let Some((case, _, _)) = cases.first() {
            MeetingWriter::new(tx, &scribe, at(today - Duration::days(1), 11, 0))
                .set_plan_followed(
                    *case,
                    PlanFollowed::Partly,
                    Some("The patient asked for time to decide; the first step is done."),
                )?;
        }

        // The next meeting: the agenda is being prepared today.
        let prepare = MeetingWriter::new(tx, &scribe, at(today, 9, 0));
        let meeting = prepare.create_meeting(at(next_day, 13, 0), TITLE, Some(TEAM))?;
        let mut agenda: Vec<(PatientId, String, String)> = Vec::new();
        if let Some((patient, ruleset)) = comes_back {
            let question = format!(
                "Back from the meeting of {past_day}: the pending results are in; decide the next step."
            );
            agenda.push((patient, ruleset, question));
        }
        for (patient, ruleset) in upcoming_pool.iter().take(UPCOMING_NEW_CASES) {
            agenda.push((*patient, ruleset.clone(), story(ruleset).question.to_owned()));
        }
        let rulesets: Vec<&str> = agenda.iter().map(|(_, r, _)| r.as_str()).collect();
        for (index, (name, specialty)) in roster(rules, &rulesets).iter().enumerate() {
            let id = prepare.add_attendee(meeting, name, specialty)?;
            // One apology already received.
            if index == 2 {
                prepare.set_attendee_present(id, false)?;
            }
        }
        let last = agenda.len().saturating_sub(1);
        for (index, (patient, ruleset, question)) in agenda.iter().enumerate() {
            let case = prepare.add_case(meeting, *patient, Some(ruleset))?;
            // The last case still waits for its question: the screen asks for it.
            if index != last || agenda.len() == 1 {
                prepare.set_case_question(case, question)?;
            }
            if index == 0 {
                prepare.set_case_timebox(case, 10)?;
            }
        }
        Ok(())
    })
}

fn shuffle<T>(rng: &mut Rng, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        items.swap(i, j);
    }
}
