//! An MDT meeting as the team works through it: the stored meeting completed with what the
//! rule sets and the patients' way forward add (the specialties each case needs that the room
//! lacks, the way-forward progress, the options to choose from, the last earlier discussion),
//! and the one entry point that saves a change to a meeting.
//!
//! It joins the store and the rules, like [`crate::way_forward`]: the dashboard's screens and
//! worker and the minutes ([`crate::minutes`], for `refract minutes` and the meeting screen)
//! read one and the same [`MeetingView`], so a screen and the minutes never disagree on who is
//! missing. The rules that need no database stay in [`crate::domain::meeting`].

use chrono::{NaiveDate, NaiveDateTime};

use crate::domain::{
    Attendee, CareOption, Edit, MeetingCase, OutcomeCategory, PatientId, Task, missing_specialties,
};
use crate::rules::Rules;
use crate::store::{MeetingDetail, PatientCase, Store, StoreError};

/// A stored meeting with what the rules and the patients' way forward add to it.
#[derive(Debug, Clone, PartialEq)]
pub struct MeetingView {
    pub detail: MeetingDetail,
    /// Per case (agenda order): the specialties its rule set needs that no attendee present
    /// brings.
    pub missing: Vec<Vec<String>>,
    /// Per case: the patient's way-forward progress for the case's condition (steps closed, of
    /// four), when a way forward was started.
    pub progress: Vec<Option<usize>>,
    /// Per case: the options recorded on the patient's way forward, to choose from.
    pub options: Vec<Vec<CareOption>>,
    /// Per case: the last earlier discussion of the same patient, to say whether its plan was
    /// followed.
    pub previous: Vec<Option<PatientCase>>,
    /// Per case: seconds since another terminal (a scribe) last counted its time, when it did:
    /// a terminal showing the case holds at most that many seconds the stored time lacks.
    pub counted_elsewhere: Vec<Option<u32>>,
}

/// Meeting `id` as the screens and the minutes show it.
pub fn load(store: &Store, rules: &Rules, id: i64) -> Result<MeetingView, StoreError> {
    let detail = store.meeting(id)?;
    let mut view = MeetingView {
        missing: Vec::with_capacity(detail.cases.len()),
        progress: Vec::with_capacity(detail.cases.len()),
        options: Vec::with_capacity(detail.cases.len()),
        previous: Vec::with_capacity(detail.cases.len()),
        counted_elsewhere: Vec::with_capacity(detail.cases.len()),
        detail,
    };
    let starts = view.detail.meeting.starts_at;
    for case in &view.detail.cases {
        view.missing
            .push(missing_for(rules, &case.ruleset, &view.detail.attendees));
        let patient = case.case.patient_id;
        view.counted_elsewhere
            .push(store.seconds_since_counted_elsewhere(case.case.id)?);
        let stored = store.stored_way_forward(patient, &case.ruleset)?;
        view.progress.push(
            (!stored.steps.is_empty())
                .then(|| stored.steps.iter().filter(|s| s.status.is_closed()).count()),
        );
        view.options.push(stored.options);
        view.previous.push(
            store
                .cases_of_patient(patient)?
                .into_iter()
                .filter(|p| p.meeting.starts_at < starts && p.case.id != case.case.id)
                .max_by_key(|p| p.meeting.starts_at),
        );
    }
    Ok(view)
}

/// The specialties rule set `ruleset` needs that no attendee present brings; none for a rule
/// set the rules do not know (a case without a condition, a rule file since removed).
fn missing_for(rules: &Rules, ruleset: &str, attendees: &[Attendee]) -> Vec<String> {
    rules.get(ruleset).map_or_else(Vec::new, |set| {
        missing_specialties(&set.specialties, attendees)
    })
}

/// One change to a meeting.
#[derive(Debug, Clone, PartialEq)]
pub enum MeetingChange {
    Create {
        starts_at: NaiveDateTime,
        title: String,
        team: Option<String>,
    },
    /// Adds a patient to a meeting's agenda (`None`: the next meeting).
    AddCase {
        meeting: Option<i64>,
        patient: PatientId,
        ruleset: Option<String>,
    },
    MoveCase {
        case: i64,
        up: bool,
    },
    /// Takes a case off the agenda, as the person was shown it (refused if it changed since):
    /// what its undo puts back.
    RemoveCase {
        case: MeetingCase,
    },
    /// Puts a removed case back where it was (the undo of `RemoveCase`).
    RestoreCase {
        case: MeetingCase,
    },
    Presented {
        case: i64,
        seconds: u32,
    },
    AddAttendee {
        meeting: i64,
        name: String,
        specialty: String,
    },
    /// A case's question, time box, outcome (decision, option, recommendation, comes back) or
    /// whether its plan was followed, as the person opened the case and as they save it.
    Case(Edit<MeetingCase>),
    /// A decision (outcome) typed while an assessment was on screen: saved as `Case`, refused
    /// when the assessment of `ruleset` no longer has fingerprint `seen` (as a review is), or
    /// when there is one now and none was on screen (`seen` is `None`).
    Decision {
        edit: Edit<MeetingCase>,
        ruleset: String,
        seen: Option<String>,
    },
    /// An attendee marked present or absent.
    Attendee(Edit<Attendee>),
    AddTask {
        patient: PatientId,
        case: Option<i64>,
        what: String,
        owner: Option<String>,
        due: Option<NaiveDate>,
    },
    /// A task's status.
    Task(Edit<Task>),
}

impl MeetingChange {
    /// The same change, saved over the colleague's change the person was shown (the record
    /// at version `theirs`).
    #[must_use]
    pub fn overwriting(self, theirs: i64) -> Self {
        match self {
            MeetingChange::Case(edit) => MeetingChange::Case(edit.overwriting(theirs)),
            MeetingChange::Decision {
                edit,
                ruleset,
                seen,
            } => MeetingChange::Decision {
                edit: edit.overwriting(theirs),
                ruleset,
                seen,
            },
            MeetingChange::Attendee(edit) => MeetingChange::Attendee(edit.overwriting(theirs)),
            MeetingChange::Task(edit) => MeetingChange::Task(edit.overwriting(theirs)),
            other => other,
        }
    }

    /// The change that takes this one back ([`crate::domain::Edit::reversed`]; a case removed
    /// is put back); `None` for a record added, a case moved or put back, or the time on a case.
    pub fn reversed(&self) -> Option<Self> {
        Some(match self {
            MeetingChange::RemoveCase { case } => MeetingChange::RestoreCase { case: case.clone() },
            // Taking a decision back is a change of the case, whatever the assessment now.
            MeetingChange::Case(edit) | MeetingChange::Decision { edit, .. } => {
                MeetingChange::Case(edit.reversed()?)
            }
            MeetingChange::Attendee(edit) => MeetingChange::Attendee(edit.reversed()?),
            MeetingChange::Task(edit) => MeetingChange::Task(edit.reversed()?),
            _ => return None,
        })
    }

    /// Whether it is saved over a colleague's change.
    pub fn overwrites(&self) -> bool {
        match self {
            MeetingChange::Case(edit) | MeetingChange::Decision { edit, .. } => {
                edit.overwrite.is_some()
            }
            MeetingChange::Attendee(edit) => edit.overwrite.is_some(),
            MeetingChange::Task(edit) => edit.overwrite.is_some(),
            _ => false,
        }
    }
}

/// Saves one change to a meeting (audited, and an edit refused when a colleague changed the
/// same fields since it was opened); returns what was done, in words.
pub fn apply(
    store: &mut Store,
    change: &MeetingChange,
    today: NaiveDate,
) -> Result<String, StoreError> {
    Ok(match change {
        MeetingChange::Create {
            starts_at,
            title,
            team,
        } => {
            store.create_meeting(*starts_at, title, team.as_deref())?;
            format!("meeting {title} on {}", starts_at.format("%Y-%m-%d %H:%M"))
        }
        MeetingChange::AddCase {
            meeting,
            patient,
            ruleset,
        } => {
            let next = || {
                store.next_meeting_id(today)?.ok_or_else(|| {
                    StoreError::Invalid(String::from(
                        "no upcoming meeting: open the meetings (m) and add one (a)",
                    ))
                })
            };
            // A meeting already held (the last one opened was last week's) takes no new
            // case: the patient goes to the next meeting, and the words say so.
            let (meeting, held) = match meeting {
                Some(id) => {
                    let target = store.meeting(*id)?.meeting;
                    if target.starts_at.date() < today {
                        (next()?, Some(target.starts_at.date()))
                    } else {
                        (*id, None)
                    }
                }
                None => (next()?, None),
            };
            store.add_case(meeting, *patient, ruleset.as_deref())?;
            let target = store.meeting(meeting)?.meeting;
            let when = target.starts_at.format("%Y-%m-%d %H:%M");
            match held {
                Some(day) => format!(
                    "added to the agenda of {} on {when} (the next meeting: {day}'s was held)",
                    target.title
                ),
                None => format!("added to the agenda of {} on {when}", target.title),
            }
        }
        MeetingChange::MoveCase { case, up } => {
            store.move_case(*case, *up)?;
            String::from(if *up { "moved up" } else { "moved down" })
        }
        MeetingChange::RemoveCase { case } => {
            store.remove_shown_case(case)?;
            format!("case {} removed from the agenda", case.position)
        }
        MeetingChange::RestoreCase { case } => {
            store.restore_case(case)?;
            format!("case {} back on the agenda", case.position)
        }
        MeetingChange::Presented { case, seconds } => {
            store.add_presented_seconds(*case, *seconds)?;
            String::from("time on the case")
        }
        MeetingChange::AddAttendee {
            meeting,
            name,
            specialty,
        } => {
            store.add_attendee(*meeting, name, specialty)?;
            format!("{name} ({specialty}) attends")
        }
        MeetingChange::Case(edit) => {
            store.save_case(edit)?;
            case_message(edit)
        }
        MeetingChange::Decision {
            edit,
            ruleset,
            seen,
        } => {
            store.save_decision(edit, ruleset, seen.as_deref())?;
            case_message(edit)
        }
        MeetingChange::Attendee(edit) => {
            store.save_attendee(edit)?;
            String::from(if edit.new.present {
                "present"
            } else {
                "absent"
            })
        }
        MeetingChange::AddTask {
            patient,
            case,
            what,
            owner,
            due,
        } => {
            store.add_task(*patient, *case, what, owner.as_deref(), *due, today)?;
            format!("task: {what}")
        }
        MeetingChange::Task(edit) => {
            store.save_task(edit, today)?;
            // Named: the list moves under the cursor, and the words say which task it was.
            format!("task {}: {}", edit.new.status, edit.new.what)
        }
    })
}

/// What a change to a case did, in words (one part of it changes at a time on the screens).
fn case_message(edit: &Edit<MeetingCase>) -> String {
    let new = &edit.new;
    let Some(base) = &edit.base else {
        return String::from("case");
    };
    if new.question != base.question {
        String::from("question")
    } else if new.timebox_minutes != base.timebox_minutes {
        format!("time box {} min", new.timebox_minutes)
    } else if new.outcome_category != base.outcome_category
        || new.chosen_option_id != base.chosen_option_id
        || new.outcome_text != base.outcome_text
    {
        format!(
            "outcome: {}{}",
            new.outcome_category
                .as_deref()
                .map_or_else(|| String::from("recorded"), OutcomeCategory::label_of),
            if new.comes_back { " · comes back" } else { "" }
        )
    } else if new.comes_back != base.comes_back {
        String::from(if new.comes_back {
            "outcome: comes back"
        } else {
            "outcome: does not come back"
        })
    } else if new.plan_followed != base.plan_followed
        || new.plan_followed_reason != base.plan_followed_reason
    {
        format!(
            "last plan followed: {}",
            new.plan_followed.map_or("not said", |p| p.as_str())
        )
    } else {
        String::from("no change")
    }
}
