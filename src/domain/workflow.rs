//! The team's own work on a refractory patient: the four way-forward steps with their checklist,
//! referrals, options and well-being goals, and the multidisciplinary meetings with their cases,
//! attendees and follow-up tasks.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::{PatientId, machine_names};

/// The state of one way-forward step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepStatus {
    Todo,
    InProgress,
    Done,
    NotApplicable,
}
machine_names!(StepStatus {
    Todo => "todo",
    InProgress => "in_progress",
    Done => "done",
    NotApplicable => "not_applicable",
});

impl StepStatus {
    /// Whether the step counts as finished for the progress dots.
    pub const fn is_closed(self) -> bool {
        matches!(self, StepStatus::Done | StepStatus::NotApplicable)
    }

    /// The status in words ("to do", "not applicable").
    pub const fn words(self) -> &'static str {
        match self {
            StepStatus::Todo => "to do",
            StepStatus::InProgress => "in progress",
            StepStatus::Done => "done",
            StepStatus::NotApplicable => "not applicable",
        }
    }
}

/// One of the four steps (1 specialist care, 2 re-evaluation, 3 options, 4 well-being) for one
/// patient and condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WayForwardStep {
    pub patient_id: PatientId,
    pub ruleset: String,
    pub step: u8,
    pub status: StepStatus,
    pub owner: Option<String>,
    pub due: Option<NaiveDate>,
    pub notes: String,
    /// Required when the status is `not_applicable`.
    pub na_reason: Option<String>,
    /// How many times a person saved the record (0: not written yet). A save names the version
    /// it started from; see [`Edit`]. Not part of the record's JSON: the audit log's rows and the
    /// exports say what the record holds, and a copy starts its own count.
    #[serde(default, skip_serializing)]
    pub version: i64,
}

/// The start of the key of a checklist item the team added (`team_1`, `team_2`…), as opposed to
/// a confounder's or a standard item's key.
pub const TEAM_ITEM_PREFIX: &str = "team_";

/// Whether saving `edit` adds an item of the team's own to the checklist (rather than ticking
/// or unticking one): a team item begun from nothing. The store numbers it past any a
/// colleague added meanwhile, so it is always a new row.
pub fn adds_team_item(edit: &Edit<ChecklistItem>) -> bool {
    edit.base.is_none() && edit.new.id == 0 && edit.new.key.starts_with(TEAM_ITEM_PREFIX)
}

/// A re-evaluation checklist item: an open confounder of the assessment or a standard item of
/// the condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChecklistItem {
    pub id: i64,
    pub patient_id: PatientId,
    pub ruleset: String,
    /// The confounder or standard-item key; ticking a confounder's item resolves it.
    pub key: String,
    pub text: String,
    pub done: bool,
    /// How it was resolved ("drug levels 2025-10", "video-EEG: focal onset confirmed").
    pub detail: Option<String>,
    /// How many times a person saved the record (0: not written yet). A save names the version
    /// it started from; see [`Edit`]. Not part of the record's JSON: the audit log's rows and the
    /// exports say what the record holds, and a copy starts its own count.
    #[serde(default, skip_serializing)]
    pub version: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReferralStatus {
    Requested,
    Booked,
    Seen,
    Declined,
}
machine_names!(ReferralStatus {
    Requested => "requested",
    Booked => "booked",
    Seen => "seen",
    Declined => "declined",
});

/// A referral: to a specialty (step 1) or to support services (step 4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Referral {
    pub id: i64,
    pub patient_id: PatientId,
    pub ruleset: String,
    pub step: u8,
    /// Specialty or service ("epileptology", "psychotherapy", "palliative care").
    pub specialty: String,
    pub to_whom: Option<String>,
    pub date: Option<NaiveDate>,
    pub status: ReferralStatus,
    /// How many times a person saved the record (0: not written yet). A save names the version
    /// it started from; see [`Edit`]. Not part of the record's JSON: the audit log's rows and the
    /// exports say what the record holds, and a copy starts its own count.
    #[serde(default, skip_serializing)]
    pub version: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OptionKind {
    Therapy,
    Combination,
    Trial,
    Procedure,
    Device,
    Lifestyle,
    Support,
}
machine_names!(OptionKind {
    Therapy => "therapy",
    Combination => "combination",
    Trial => "trial",
    Procedure => "procedure",
    Device => "device",
    Lifestyle => "lifestyle",
    Support => "support",
});

/// Where a clinical trial candidacy stands (a subset of FHIR ResearchSubject.status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrialStatus {
    Candidate,
    Screening,
    Eligible,
    OnStudy,
    NotEligible,
    Withdrawn,
}
machine_names!(TrialStatus {
    Candidate => "candidate",
    Screening => "screening",
    Eligible => "eligible",
    OnStudy => "on_study",
    NotEligible => "not_eligible",
    Withdrawn => "withdrawn",
});

/// The team's stance on an option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stance {
    Proposed,
    Recommended,
    Rejected,
}
machine_names!(Stance { Proposed => "proposed", Recommended => "recommended", Rejected => "rejected" });

/// The patient's preference about an option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatientPreference {
    Unknown,
    Wants,
    Undecided,
    Declines,
}
machine_names!(PatientPreference {
    Unknown => "unknown",
    Wants => "wants",
    Undecided => "undecided",
    Declines => "declines",
});

/// An option considered in step 3: a next-line therapy, a trial, a procedure or device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CareOption {
    pub id: i64,
    pub patient_id: PatientId,
    pub ruleset: String,
    pub kind: OptionKind,
    pub name: String,
    /// Key of the catalogue entry it came from, if any.
    pub catalogue_key: Option<String>,
    /// The source that supports it (guideline, label, paper).
    pub source: Option<String>,
    /// Registry id of a trial ("NCT01234567").
    pub registry_id: Option<String>,
    pub trial_status: Option<TrialStatus>,
    pub stance: Stance,
    pub stance_reason: Option<String>,
    pub preference: PatientPreference,
    pub notes: String,
    /// How many times a person saved the record (0: not written yet). A save names the version
    /// it started from; see [`Edit`]. Not part of the record's JSON: the audit log's rows and the
    /// exports say what the record holds, and a copy starts its own count.
    #[serde(default, skip_serializing)]
    pub version: i64,
}

/// A well-being or lifestyle goal of step 4.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WellbeingGoal {
    pub id: i64,
    pub patient_id: PatientId,
    pub ruleset: String,
    pub description: String,
    pub due: Option<NaiveDate>,
    pub achieved: bool,
    /// How many times a person saved the record (0: not written yet). A save names the version
    /// it started from; see [`Edit`]. Not part of the record's JSON: the audit log's rows and the
    /// exports say what the record holds, and a copy starts its own count.
    #[serde(default, skip_serializing)]
    pub version: i64,
}

/// An MDT meeting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meeting {
    pub id: i64,
    pub starts_at: NaiveDateTime,
    pub title: String,
    pub team: Option<String>,
}

/// Someone at a meeting, with the specialty they bring.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attendee {
    pub id: i64,
    pub meeting_id: i64,
    pub name: String,
    pub specialty: String,
    pub present: bool,
    /// How many times a person saved the record (0: not written yet). A save names the version
    /// it started from; see [`Edit`]. Not part of the record's JSON: the audit log's rows and the
    /// exports say what the record holds, and a copy starts its own count.
    #[serde(default, skip_serializing)]
    pub version: i64,
}

/// Whether the plan of the last discussion was followed (ICHOM TreatmentPlanFollowed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlanFollowed {
    Yes,
    Partly,
    No,
}
machine_names!(PlanFollowed { Yes => "yes", Partly => "partly", No => "no" });

/// One case on a meeting's agenda, with its outcome once discussed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeetingCase {
    pub id: i64,
    pub meeting_id: i64,
    pub patient_id: PatientId,
    pub ruleset: Option<String>,
    pub position: u32,
    /// The clinical question; required before the case can be presented.
    pub question: String,
    pub timebox_minutes: u32,
    pub outcome_category: Option<String>,
    pub chosen_option_id: Option<i64>,
    pub outcome_text: String,
    pub comes_back: bool,
    pub presented_seconds: u32,
    pub plan_followed: Option<PlanFollowed>,
    pub plan_followed_reason: Option<String>,
    /// How many times a person saved the record (0: not written yet). A save names the version
    /// it started from; see [`Edit`]. Not part of the record's JSON: the audit log's rows and the
    /// exports say what the record holds, and a copy starts its own count.
    #[serde(default, skip_serializing)]
    pub version: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskStatus {
    Open,
    Done,
    Cancelled,
}
machine_names!(TaskStatus { Open => "open", Done => "done", Cancelled => "cancelled" });

/// A follow-up task (what, who, by when), usually from a meeting outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub id: i64,
    pub patient_id: PatientId,
    pub meeting_case_id: Option<i64>,
    pub what: String,
    pub owner: Option<String>,
    pub due: Option<NaiveDate>,
    pub status: TaskStatus,
    /// How many times a person saved the record (0: not written yet). A save names the version
    /// it started from; see [`Edit`]. Not part of the record's JSON: the audit log's rows and the
    /// exports say what the record holds, and a copy starts its own count.
    #[serde(default, skip_serializing)]
    pub version: i64,
}

impl Task {
    pub fn overdue_on(&self, today: NaiveDate) -> bool {
        self.status == TaskStatus::Open && self.due.is_some_and(|due| due < today)
    }
}

/// A change a person makes to one record: the record as they opened it and as they save it.
///
/// Saved field by field: only the fields that differ between `base` and `new` are written, so
/// a colleague's change to another field of the same record since `base` was read is kept. A
/// field both changed (to different values) is a conflict: the save is refused, naming who
/// changed it and when, unless `overwrite` names the version of theirs the person was shown
/// (recorded as an overwrite).
#[derive(Debug, Clone, PartialEq)]
pub struct Edit<T> {
    /// The record as read when the person began, its version included; `None` for a new
    /// record, or for a write that checks nothing (the demo's history, a script).
    pub base: Option<T>,
    pub new: T,
    /// Save over a colleague's change made since `base`: the version of the record, with
    /// their change, that the person was shown. A change stored after it (which the person
    /// never saw) refuses the save again.
    pub overwrite: Option<i64>,
}

impl<T> Edit<T> {
    /// A new record, or a write that checks nothing.
    pub fn new(record: T) -> Self {
        Edit {
            base: None,
            new: record,
            overwrite: None,
        }
    }

    /// `base` as the person opened it, changed into `new`.
    pub fn of(base: T, new: T) -> Self {
        Edit {
            base: Some(base),
            new,
            overwrite: None,
        }
    }

    /// The same change, saved over the colleague's change the person was shown: the record
    /// at version `theirs` ([`crate::store::Conflict::version`]).
    #[must_use]
    pub fn overwriting(mut self, theirs: i64) -> Self {
        self.overwrite = Some(theirs);
        self
    }
}

impl<T: Clone> Edit<T> {
    /// The change that takes it back: from what was saved to the record as it was opened,
    /// checked like any other save (a colleague's change of the same fields since is a
    /// conflict, not overwritten). `None` for a new record or an unchecked write, which have
    /// no earlier state to go back to.
    pub fn reversed(&self) -> Option<Self> {
        let base = self.base.as_ref()?;
        Some(Edit::of(self.new.clone(), base.clone()))
    }
}
