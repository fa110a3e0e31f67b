//! The clinical vocabulary of refract as plain types: patients, conditions, drug exposures,
//! treatment lines, observations, procedures, assessments and reviews, the way-forward workflow,
//! meetings and the audit trail.
//!
//! Nothing here performs I/O or reads the clock (the machine's zone is asked only by
//! [`ShownZone::Local`], when a screen shows a time); the store, the rules engine, the FHIR
//! mapping and the TUI all speak these types. Enumerations carry a stable machine name (`as_str`/`parse`),
//! which is what the database, the JSON output and the rule files use.

mod clinical;
mod codes;
pub mod history;
pub mod identifier_systems;
pub mod meeting;
pub mod nicknames;
pub mod observation_codes;
mod review;
pub mod routes;
pub mod shown_zone;
pub mod source_url;
pub mod strength;
pub mod typed_date;
pub mod units;
pub mod way_forward;
mod workflow;

pub use clinical::{
    APPROXIMATE_DATES_LEGEND, Coding, Condition, DatePrecision, Death, Dose, DrugExposure,
    DrugReaction, END_AT_LEAST_MARK, IMAGING_WORDS, Indication, LineDrug, LineOrigin,
    NOT_TAKEN_WORDS, NamedCondition, ON_HOLD_WORDS, Observation, PartialDate, Patient, PatientId,
    PatientRecord, Procedure, ReferenceRange, START_BY_MARK, STUDY_PLACE_CODE, TreatmentLine,
    UNIDENTIFIED_DRUG, age_in_years, age_until, at_latest, cycles_words, initials, local_day,
    local_time, reason_leads,
};
pub use codes::{
    BpSetting, Comparator, ConditionCodeSystem, DatesKnown, DoseFrom, DrugRole, Intent,
    LOOKED_FOR_BY, PENDING_ANSWERS, ParseCodeError, RESPONSE_CODE_PREFIX, ReportAbout, ReportWords,
    Response, Sex, StopReason, canonical_system, names_response, report_code_is_pet,
    report_names_cancer, result_of, starts_with_response,
};
pub use meeting::{
    AgendaProblem, Outcome, OutcomeCategory, can_present, masked_identity, missing_specialties,
};
pub use review::{
    Assessment, AssessmentStatus, AuditEntry, Confounder, Evidence, EvidenceKind, Review,
    ReviewDecision, ReviewState, parse_read_fingerprint, read_fingerprint,
};
pub use shown_zone::ShownZone;
pub use workflow::{
    Attendee, CareOption, ChecklistItem, Edit, Meeting, MeetingCase, OptionKind, PatientPreference,
    PlanFollowed, Referral, ReferralStatus, Stance, StepStatus, TEAM_ITEM_PREFIX, Task, TaskStatus,
    TrialStatus, WayForwardStep, WellbeingGoal, adds_team_item,
};

/// Implements `as_str`, `parse`, `ALL`, `Display` and serde (as the machine name) for a
/// field-less enum whose variants each have one stable machine name.
macro_rules! machine_names {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The stable machine name used in the database, JSON and rule files.
            pub const fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $name),+ }
            }

            /// Parses a machine name; the error names the type and the rejected text.
            pub fn parse(text: &str) -> Result<Self, $crate::domain::ParseCodeError> {
                match text {
                    $($name => Ok($ty::$variant),)+
                    _ => Err($crate::domain::ParseCodeError {
                        kind: stringify!($ty),
                        value: text.to_owned(),
                    }),
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                $ty::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use machine_names;
