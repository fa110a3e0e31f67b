//! What typed text is for, one enum per screen that asks for it: the patient list's search,
//! the patient's review and note, the way forward's edits and the meeting's. A screen's submit
//! takes its own purpose only, so no screen has a catch-all for another's. Each purpose says
//! how it is typed (one line, several lines, or a form of labelled fields) and what the prompt
//! and the form's box say.

use crate::domain::ReviewDecision;

/// What typed text is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputPurpose {
    /// The patient list's search, run again as it is typed.
    Search,
    Patient(PatientPurpose),
    WayForward(WayForwardPurpose),
    Meeting(MeetingPurpose),
}

/// Text typed on a patient's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatientPurpose {
    /// Why the flag is confirmed or dismissed (required, kept in the audit log).
    Rationale(ReviewDecision),
    Note,
}

/// Text typed on the way-forward screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WayForwardPurpose {
    StepOwner,
    StepDue,
    StepNotes,
    NaReason,
    ChecklistItem,
    ChecklistDetail,
    OptionNotes,
    RejectReason,
    Trial,
    ReferralSpecialty,
    ReferralTo,
    Goal,
}

/// Text typed on the meeting screens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingPurpose {
    NewMeeting,
    Question,
    Timebox,
    Attendee,
    OutcomeText,
    Task,
    PlanNotFollowed,
    /// The file a meeting's minutes are written to.
    MinutesFile,
}

/// A form's fields: (label, what it takes).
pub type FormFields = &'static [(&'static str, &'static str)];

/// The labels of the forms' fields: what a screen reads a value by.
pub const TASK_WHAT: &str = "What";
pub const TASK_OWNER: &str = "Owner";
pub const DUE: &str = "Due";
pub const GOAL: &str = "Goal";
pub const NAME: &str = "Name";
pub const SPECIALTY: &str = "Specialty";
pub const REGISTRY_ID: &str = "Registry id";
pub const TITLE: &str = "Title";
pub const WHEN: &str = "When";
pub(super) const DUE_HINT: &str = "YYYY-MM-DD, +7d, +2w, next mon; empty: none";

impl InputPurpose {
    /// Several lines: Enter starts a new line and Ctrl-S saves.
    pub fn is_multiline(self) -> bool {
        matches!(
            self,
            InputPurpose::Patient(PatientPurpose::Note)
                | InputPurpose::WayForward(WayForwardPurpose::StepNotes)
        )
    }

    /// The labelled fields of a form, with what each takes; none for one field typed on the
    /// prompt line.
    pub fn form(self) -> FormFields {
        match self {
            InputPurpose::WayForward(purpose) => purpose.form(),
            InputPurpose::Meeting(purpose) => purpose.form(),
            InputPurpose::Search | InputPurpose::Patient(_) => &[],
        }
    }

    /// What the prompt line says before the text.
    pub fn prompt(self) -> &'static str {
        match self {
            InputPurpose::Search => "/",
            InputPurpose::Patient(PatientPurpose::Rationale(ReviewDecision::Confirmed)) => {
                "confirm, because: "
            }
            InputPurpose::Patient(PatientPurpose::Rationale(ReviewDecision::Dismissed)) => {
                "dismiss, because: "
            }
            InputPurpose::Patient(PatientPurpose::Note) => "note: ",
            InputPurpose::WayForward(purpose) => purpose.prompt(),
            InputPurpose::Meeting(purpose) => purpose.prompt(),
        }
    }

    /// The title on a form's box.
    pub fn form_title(self) -> &'static str {
        match self {
            InputPurpose::WayForward(WayForwardPurpose::Goal) => " New well-being goal ",
            InputPurpose::WayForward(WayForwardPurpose::Trial) => " Trial ",
            InputPurpose::Meeting(MeetingPurpose::Task) => " New task ",
            InputPurpose::Meeting(MeetingPurpose::Attendee) => " New attendee ",
            InputPurpose::Meeting(MeetingPurpose::NewMeeting) => " New meeting ",
            _ => " ",
        }
    }
}

impl WayForwardPurpose {
    fn form(self) -> FormFields {
        match self {
            WayForwardPurpose::Goal => {
                &[(GOAL, "what the patient wants to achieve"), (DUE, DUE_HINT)]
            }
            WayForwardPurpose::Trial => &[
                (
                    REGISTRY_ID,
                    "NCT01234567, EudraCT 2021-001234-56, ISRCTN12345678",
                ),
                (TITLE, "optional"),
            ],
            _ => &[],
        }
    }

    fn prompt(self) -> &'static str {
        match self {
            WayForwardPurpose::StepOwner => "owner of the step: ",
            WayForwardPurpose::StepDue => "due date (YYYY-MM-DD, empty clears): ",
            WayForwardPurpose::StepNotes => "notes: ",
            WayForwardPurpose::NaReason => "not applicable, because: ",
            WayForwardPurpose::ChecklistItem => "new check (e.g. a test ordered): ",
            WayForwardPurpose::ChecklistDetail => "how it was resolved: ",
            WayForwardPurpose::OptionNotes => "notes on the option: ",
            WayForwardPurpose::RejectReason => "rejected, because: ",
            WayForwardPurpose::Trial => "trial registry id and title: ",
            WayForwardPurpose::ReferralSpecialty => "refer to (specialty or service): ",
            WayForwardPurpose::ReferralTo => "to whom (optional): ",
            WayForwardPurpose::Goal => "goal (add ' by YYYY-MM-DD' for a due date): ",
        }
    }
}

impl MeetingPurpose {
    fn form(self) -> FormFields {
        match self {
            MeetingPurpose::Task => &[
                (TASK_WHAT, "what is to be done"),
                (TASK_OWNER, "↑↓ picks an attendee, or type a name"),
                (DUE, DUE_HINT),
            ],
            MeetingPurpose::Attendee => {
                &[(NAME, "e.g. Dr C. Reyes"), (SPECIALTY, "e.g. neurosurgery")]
            }
            MeetingPurpose::NewMeeting => &[
                (WHEN, "YYYY-MM-DD HH:MM"),
                (TITLE, "e.g. Epilepsy surgery MDT"),
            ],
            _ => &[],
        }
    }

    fn prompt(self) -> &'static str {
        match self {
            MeetingPurpose::NewMeeting => "new meeting (YYYY-MM-DD HH:MM title): ",
            MeetingPurpose::Question => "clinical question: ",
            MeetingPurpose::MinutesFile => "write the minutes to (.md or .html): ",
            MeetingPurpose::Timebox => "time box (minutes): ",
            MeetingPurpose::Attendee => "attendee (name, specialty): ",
            MeetingPurpose::OutcomeText => "recommendation: ",
            MeetingPurpose::Task => "task (what; owner; YYYY-MM-DD): ",
            MeetingPurpose::PlanNotFollowed => "plan not followed, because: ",
        }
    }
}
