//! Mapping one FHIR resource to what refract keeps of it, without touching the database: a
//! Patient's identity, a Medication's code, and a clinical resource's domain item with the
//! patient it is about. Files are read by [`super::stream`]; what is stored, matched and merged
//! is the importer's business.
//!
//! A valid resource never fails its file: what refract cannot use in it (an impossible date, a
//! record with no date at all, an oversized text) leaves that resource out with a warning that
//! names it, and the rest of the file is imported.
//!
//! Every time read from a resource (a period, `effective[x]`, `performed[x]`, `onset[x]`,
//! `abatement[x]`, `authoredOn`, `whenHandedOver`, `issued`, `meta.lastUpdated`…) goes through
//! [`parse_datetime`], which keeps a time written with an offset as the same instant in UTC:
//! one patient's times are on one axis whatever zone each source wrote them in. The offset
//! is kept beside the instant (observations, procedures, drug records, reports), and a day
//! alone (an onset, a birth) is read as its local day: a record's days are its own.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

use super::FhirError;
use super::carried::{self, ImportedLine, REFRACT_FHIR_BASE};
use super::date_words;
use super::datetime::{parse_datetime, utc_offset_minutes};
use super::devices;
use super::dosage_text;
use super::encounter::{Visit, visit_of_class};
use super::imaging;
use super::model::{self, CodeableConcept};
use super::product::{self, Drug, Find, Product, count_unit};
use super::stream::{RawResource, StreamError, each_in_bytes};
use super::written_value;
use crate::domain::identifier_systems::{self, IdentifierType, PatientIdentifier, TypeCoding};
use crate::domain::units;
use crate::domain::{
    BpSetting, Coding, Comparator, Condition, ConditionCodeSystem, DatePrecision, DatesKnown, Dose,
    DoseFrom, DrugExposure, DrugReaction, DrugRole, Indication, NOT_TAKEN_WORDS, NamedCondition,
    ON_HOLD_WORDS, Observation, PartialDate, Patient, PatientId, PatientRecord, Procedure,
    ReportAbout, ReportWords, Response, Sex, StopReason, UNIDENTIFIED_DRUG, canonical_system,
    observation_codes, report_code_is_pet, report_names_cancer, strength,
};
use crate::rules::drugs::DrugBook;
use crate::rules::stop_reasons::{Coded, Read, StopReading, StopReasons};
use crate::rules::{Rules, condition_matches, selected_by};

/// What one resource says, for the importer.
#[derive(Debug, Clone, PartialEq)]
pub enum Mapped {
    Patient(ImportedPatient),
    /// A Medication resource, the drug medication records refer to; or a Substance, an
    /// ingredient a Medication refers to (`resource_type` says which).
    Medication {
        resource_type: &'static str,
        id: String,
        product: Product,
    },
    Resource(ImportedResource),
    /// The source says the resource is not (or no longer) a fact: entered in error, not given,
    /// cancelled, only proposed, planned or intended, or a `DELETE` entry. Whatever an earlier
    /// import kept of it goes.
    Removed {
        resource_type: String,
        id: String,
        /// When the source wrote that it is gone (`meta.lastUpdated`; for a `DELETE`, the time
        /// its entry or Bundle gives, see `RawResource::deleted_at`): a stored copy written
        /// later is newer than the removal, and stays.
        last_updated: Option<String>,
    },
    /// An Encounter: where the readings taken in it were taken (see `fhir::encounter`).
    Encounter {
        id: String,
        visit: Visit,
    },
    /// A resource refract does not use, by what the summary counts it as.
    Skipped(String),
}

/// A Patient resource: the person and every identifier they are known by.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedPatient {
    /// The resource id (else the bundle entry's URL, else nothing).
    pub id: Option<String>,
    pub patient: Patient,
    /// Every identifier with a value that names this one person: (system, value), the system
    /// in the one spelling refract keeps it in (see `domain::identifier_systems::canonical`).
    pub identifiers: Vec<(Option<String>, String)>,
    /// The same identifiers with their `use` and `type` (an empty system: none written), for
    /// an export to write back.
    pub described: Vec<PatientIdentifier>,
    /// Whether the MRN shown is a medical record number (typed `MR`): a source whose Patient
    /// has none never replaces one that is (see `store::imports`).
    pub mrn_is_record_number: bool,
    /// `meta.lastUpdated`: an older Patient never replaces newer demographics.
    pub last_updated: Option<String>,
    /// `deceasedBoolean: false`: the source says the patient is alive (its silence does not).
    pub says_alive: bool,
    /// The identifier shown as the MRN, with its `use` and `type` (matched on or not: a member
    /// number shown for want of another keeps its type, for an export to write back).
    pub mrn_described: Option<PatientIdentifier>,
    /// The other Patient resources of the same source this one says are the same person
    /// (`Patient.link`), by id (or the key of a `urn:uuid` bundle URL): matched as this
    /// patient, whatever their other identifiers say.
    pub same_as: Vec<String>,
    /// A record merged into another (`link.type` `replaced-by`): "must no longer be used", so
    /// its name and details never replace those of the patient it names.
    pub superseded: bool,
    /// The records merged into this one (`link.type` `replaces`), by id.
    pub replaces: Vec<String>,
    /// The records a merge joins this one with (`replaces` or `replaced-by`), by id: two
    /// records stored apart that the source so links are joined into one patient (README, *Who
    /// a patient is*); a `refer` or `seealso` link names the same person but joins no two
    /// stored records.
    pub merged_with: Vec<String>,
    /// Links that name the other record by an identifier alone (R4 `Reference.identifier`, a
    /// logical reference: an MPI's merge pointing at the surviving record's number): the
    /// importer resolves them as it does a subject named so, to the Patient of the file (or
    /// stored from the same source) carrying it, and adds them to `same_as` (and `replaces`).
    pub linked_identifiers: Vec<LinkedIdentifier>,
    /// Every name the record holds, (family, given names joined by spaces): the current one
    /// and any other (`maiden`, `old`, `nickname`, ...), in file order. Whom a record names
    /// and what a masked screen cuts (see `import::same_id`, `domain::history`).
    pub names: Vec<(String, String)>,
    /// The identifiers it says it no longer goes by (`use` `old`, a number before the source
    /// re-numbered the patient): never matched on, but what it shares with a stored patient
    /// under those is shared identity (see `import::same_id`).
    pub former_identifiers: Vec<(Option<String>, String)>,
}

/// A `Patient.link` whose `other` is an identifier alone (see
/// [`ImportedPatient::linked_identifiers`]).
#[derive(Debug, Clone, PartialEq)]
pub struct LinkedIdentifier {
    pub system: Option<String>,
    pub value: String,
    /// The link is `replaces`: the record it names was merged into this one.
    pub replaces: bool,
    /// The link is `replaces` or `replaced-by` (see [`ImportedPatient::merged_with`]).
    pub merges: bool,
}

/// What a reference to a patient says of them beside its address (R4 `Reference.identifier`
/// and `Reference.display`): the evidence that a record kept aside for a Patient id no import
/// has brought is, or is not, about the Patient that later comes under that id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubjectNamed {
    /// (system as written, value).
    pub identifier: Option<(Option<String>, String)>,
    pub display: Option<String>,
}

impl SubjectNamed {
    pub fn is_empty(&self) -> bool {
        self.identifier.is_none() && self.display.is_none()
    }
}

/// A resource's subject: the reference it is filed under and what it says of the patient.
#[derive(Debug, Clone, PartialEq)]
pub struct Subject {
    pub reference: String,
    pub named: SubjectNamed,
}

/// A clinical resource: its item and the patient it is about.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedResource {
    pub resource_type: &'static str,
    pub id: Option<String>,
    /// The subject reference as written (`Patient/12`, an absolute URL, `urn:uuid:…`).
    pub subject: String,
    /// What the subject says of the patient beside its reference.
    pub subject_named: SubjectNamed,
    /// The Medication a medication record refers to (not contained), or the Encounter an
    /// Observation was taken in, as written.
    pub refers: Option<String>,
    /// `meta.lastUpdated`, so that an older copy never replaces a newer one.
    pub last_updated: Option<String>,
    pub item: Item,
}

/// What refract keeps of a clinical resource (stored as JSON, one row per resource).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Item {
    Condition(Condition),
    /// An Observation: its value, or one per component (a blood-pressure panel).
    Observations(Vec<Observation>),
    Procedure(Procedure),
    /// An imaging report stating a response (a restaging PET-CT's): the study done, an imaging
    /// row as an ImagingStudy's, and the disease status it states.
    Imaging {
        study: Procedure,
        statuses: Vec<Observation>,
    },
    /// A drug the patient reacted to (an AllergyIntolerance of a medication).
    Reaction(DrugReaction),
    Medication(MedicationRecord),
    /// A treatment line refract exported (a CarePlan, see `carried`).
    Line(ImportedLine),
    /// The team that looks after the patient (a CareTeam, review OC-7).
    Team(CareTeamOf),
}

/// A CareTeam that is the patient's now or was: its name and period (R4 `CareTeam.name`,
/// `period`). The name is what the care-team filter shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CareTeamOf {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<NaiveDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<NaiveDateTime>,
    /// The source says the team is no longer the patient's, or never was (`status`
    /// `inactive`, `suspended`, `entered-in-error`; review OC-13): kept, so that the team it
    /// set is taken out when no other is named, rather than left as it was.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub withdrawn: bool,
}

/// What a patient's CareTeams say of their team (see [`care_team_of`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TeamSaid {
    /// The team they are under now.
    Named(String),
    /// Every CareTeam of theirs is withdrawn or ended: the teams those named are no longer
    /// theirs (review OC-13), and no other is said to be.
    Withdrawn(Vec<String>),
}

impl TeamSaid {
    /// The team the patient is under once this is read, given the one they are under now
    /// (`current`, empty for none); `None` when it leaves the team as it is. A withdrawal
    /// clears only a team it names (review K3-1): a team set by hand or carried by refract's
    /// own JSON is no team an old CareTeam of another name ("Cardiology", ended in 2019) can
    /// take away.
    pub fn applied_to(&self, current: &str) -> Option<&str> {
        match self {
            TeamSaid::Named(name) => Some(name),
            TeamSaid::Withdrawn(names) => {
                (!current.is_empty() && names.iter().any(|name| name == current)).then_some("")
            }
        }
    }
}

/// The patient's care team among their CareTeams, as of `today`: of those neither withdrawn
/// nor ended, the one begun last, then by name. A choice: R4 lets a patient have several teams
/// at once, refract shows one. When every CareTeam of theirs is withdrawn or ended, the names
/// they gave: those teams are taken out, no other (review OC-13, K3-1). `None` when they have
/// no CareTeam at all: a source that says nothing of the team does not withdraw it.
pub fn care_team_of(teams: &[(String, CareTeamOf)], today: NaiveDate) -> Option<TeamSaid> {
    if teams.is_empty() {
        return None;
    }
    let current = teams
        .iter()
        .filter(|(_, team)| !team.withdrawn && team.end.is_none_or(|end| end.date() >= today))
        .max_by(|(a_id, a), (b_id, b)| {
            (a.start, b.name.as_str(), b_id).cmp(&(b.start, a.name.as_str(), a_id))
        })
        .map(|(_, team)| team.name.clone());
    if let Some(name) = current {
        return Some(TeamSaid::Named(name));
    }
    let mut names: Vec<String> = teams
        .iter()
        .map(|(_, team)| team.name.clone())
        .filter(|name| !name.is_empty())
        .collect();
    names.sort_unstable();
    names.dedup();
    Some(TeamSaid::Withdrawn(names))
}

/// A medication record (request, statement, administration or dispense) before its drug is
/// known: the drug may be a Medication resource in another file, resolved when the record is
/// stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MedicationRecord {
    /// The drug, when the record carries it (a code, or a contained Medication). Stored as the
    /// code alone when that is all it is, as before ingredients were kept.
    pub concept: Option<Product>,
    pub start: NaiveDateTime,
    pub end: Option<NaiveDateTime>,
    /// How much of the period the record states.
    #[serde(default)]
    pub dates: DatesKnown,
    /// Whether the record says the drug was still being given (active, in-progress; not
    /// on-hold, see [`ON_HOLD`]).
    pub active: bool,
    /// Whether the end date was recorded (rather than unknown).
    pub end_recorded: bool,
    pub stop_reason: Option<StopReason>,
    /// A stop reason the vocabulary does not know, as written.
    #[serde(default)]
    pub stop_text: Option<String>,
    /// A record on hold whose reason the vocabulary read: its words follow "on hold" in
    /// `stop_text` with no stop reason set (a hold is no stop, ST-6), and are no reason the
    /// vocabulary failed to read.
    #[serde(default)]
    pub hold_reason_understood: bool,
    pub dosages: Vec<DoseSpec>,
    /// One dose given at a time (a MedicationAdministration with an `effectiveDateTime`): doses
    /// are grouped into cycles when the record is assembled. Not one dated by a month or a year
    /// alone (`Unknown`): no day it was given to group by, kept as a record of one date is.
    #[serde(default)]
    pub administered: bool,
    /// The record says the whole course was given (status `completed`).
    #[serde(default)]
    pub completed: bool,
    /// The record's status says the drug is no longer taken, whatever end it gives (R4): a
    /// request or a statement `stopped` ("permanently halted, before all of them occurred"), a
    /// statement `completed` ("the medication is no longer being taken"). A request `completed`
    /// is not: "all actions that are implied by the prescription have occurred" is the natural
    /// end of that order (a five-day course in hospital), no word of the drug's other courses.
    /// Left out of the stored JSON when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stopped: bool,
    /// Its stop reason says the record was closed because the dose changed (see
    /// `StopReasons::says_dose_changed`): no stop of the drug. Left out of the stored JSON when
    /// false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dose_changed: bool,
    /// A statement saying the drug is no longer taken (see `stopped`): when it said so
    /// (`dateAsserted`), the latest day the drug can have stopped, whatever period it gives.
    /// Left out of the stored JSON when not said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_by: Option<NaiveDateTime>,
    /// When the record was written as it stands (a statement's `dateAsserted`, an order's
    /// `authoredOn`): a record still active then says the drug was given on that day. Left
    /// out of the stored JSON when not said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asserted: Option<NaiveDateTime>,
    /// refract's own export of a course that ended with no word that the drug stopped (doses
    /// given or handed over, a completed order, a statement with an end: see
    /// `carried::GIVEN_AS_URL`): read as its source was, never as a record that the drug
    /// stopped. Left out of the stored JSON when false (`restates_doses` in JSON stored when
    /// only doses were written so).
    #[serde(
        default,
        alias = "restates_doses",
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub ends_without_a_stop: bool,
    /// A MedicationAdministration given over a period (`effectivePeriod`): how long an amount
    /// given at a rate ran. Left out of the stored JSON when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub given_over_period: bool,
    /// The role and the cycles given, where refract's own export says them (see `carried`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<DrugRole>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycles: Option<u32>,
    /// Where the dose came from, where refract's own export says it was worked out (see
    /// `carried`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carried_dose_from: Option<DoseFrom>,
    /// A pharmacy fill (MedicationDispense): joined with the drug's other fills when the
    /// record is assembled. Left out of the stored JSON when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dispensed: bool,
    /// A fill's quantity when its days supply is not recorded: how long it lasts follows from
    /// the dose a day, once the drug's strength is known (see [`finish_medication`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supply: Option<(f64, String)>,
    /// The words of a `medicationReference` to a Medication outside the record (its
    /// `display`): they name the drug until that Medication is imported (see
    /// [`MedicationRecord::named_meanwhile`]). Left out of the stored JSON when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_display: Option<String>,
    /// The offset from UTC (minutes) its start was written in (see [`medication_offsets`]).
    /// Left out of the stored JSON when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utc_offset_minutes: Option<i32>,
    /// The offset its end was written in (see [`medication_offsets`]): each end its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_utc_offset_minutes: Option<i32>,
    /// What an order (MedicationRequest) says it supplies: how far it reaches, for joining its
    /// renewals (see [`merge_renewals`]). Left out of the stored JSON when not said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_supply: Option<Box<OrderSupply>>,
    /// Why the drug was given, as the record states it (see [`StatedReason`]). Left out of the
    /// stored JSON when it states none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<StatedReason>,
    /// The orders (MedicationRequest) the record carries out: a fill's `authorizingPrescription`,
    /// an administration's `request`, a statement's or an order's `basedOn`. Written as the
    /// file gave them until the file's references are resolved (see `import::apply`), then each
    /// order's id in the record's source. A record stating no reason of its own is given for
    /// what they state (see [`take_reasons_of_orders`]). Left out of the stored JSON when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prescriptions: Vec<String>,
    /// The order an order renews or replaces (R4 `priorPrescription`), as written until the
    /// file's references are resolved, then its id in the record's source: that order was
    /// given at least until this one began, unless it states its own end (see
    /// [`given_at_least_until`]). Left out of the stored JSON when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub renews: Vec<String>,
    /// A fill's dosage is its order's (see [`take_dosage_of_orders`]): its dose is said as
    /// derived from the order (review R9-7). Left out of the stored JSON when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dosage_from_order: bool,
    /// A statement `not-taken` (R4: "the patient is known not to be taking the medication"):
    /// no exposure, but from its day the drug is not taken, which ends a course of it running
    /// then (see [`not_taken_since`], review R9-5). Left out of the stored JSON when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_taken: bool,
    /// A statement known on one day only, a day the drug was taken (its `effectiveDateTime`,
    /// review OB5), not only when the record was written: a statement `completed` or `stopped`
    /// so dated says the drug stopped after that day (see [`stopped_by_later_records`]). Left
    /// out of the stored JSON when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub day_taken: bool,
}

impl MedicationRecord {
    /// The drug a record referring to a Medication no file brought is read as meanwhile: the
    /// reference's `display` (R4 "text alternative for the resource"), as an ingredient found
    /// nowhere is named by its reference's display; `None` with no display (an unidentified
    /// medication, named by its reference).
    pub fn named_meanwhile(&self) -> Option<Product> {
        let display = self.reference_display.clone()?;
        Some(Product::of_concept(CodeableConcept {
            coding: Vec::new(),
            text: Some(display),
        }))
    }
}

/// A record that no longer says the drug is given, its end not recorded (`EndUnknown`: an
/// order sent `stopped` or `completed` with no end), was given at least until `until` when
/// something else says so: an earlier version of the same record that said the drug was current
/// then (its `meta.lastUpdated`, kept by the store across versions), or a later order naming it
/// as the one it renews (R4 `priorPrescription`: the old order ran until the new one began).
/// The source sending more (the order's outcome) never makes refract know less (review r5
/// R5-1: a course confirmed as a failed trial shrank to its first day). A record stating its
/// own end keeps it: the source said when it stopped. Never before the record's start. A
/// statement known on a day it was taken only (see [`MedicationRecord::day_taken`]) is such a
/// record too: its end is no more known than its start.
pub fn given_at_least_until(record: &mut MedicationRecord, until: NaiveDateTime) {
    if record.active
        || record.dispensed
        || record.end_recorded
        || !(record.dates == DatesKnown::EndUnknown
            || (record.dates == DatesKnown::Unknown && record.day_taken))
        || until <= record.start
        || record.end.is_some_and(|end| end >= until)
    {
        return;
    }
    record.end = Some(until);
    // A day kept by the store, or an order's start: no offset of this record's own.
    record.end_utc_offset_minutes = None;
}

/// One reason a medication record gives for the drug: a `reasonCode` concept, or a
/// `reasonReference` to a Condition, kept as the Condition's id (in the record's source) until
/// the patient's record is built, with the reference's display meanwhile (see
/// [`resolve_indications`]). A reference to an Observation or a DiagnosticReport (R4 allows
/// both) is its display alone: no diagnosis refract can match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatedReason {
    /// The id of the Condition it names; `None` for a concept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    #[serde(flatten)]
    pub indication: Indication,
}

/// The reasons a medication record states (R4 `reasonCode`, `reasonReference`), references
/// as written: each is made the id of the Condition it names where the file's references are
/// resolved (see `import::apply`). MedicationDispense has neither element.
fn stated_reasons(resource: &model::MedicationUse) -> Vec<StatedReason> {
    let concepts = resource.reason_code.iter().filter_map(|concept| {
        let indication = indication_of_concept(concept);
        indication.says_something().then_some(StatedReason {
            condition: None,
            indication,
        })
    });
    let references = resource.reason_reference.iter().filter_map(|reference| {
        let display = reference
            .display
            .as_deref()
            .map_or("", str::trim)
            .to_owned();
        let written = reference
            .reference
            .as_deref()
            .map(str::trim)
            .filter(|written| !written.is_empty());
        (written.is_some() || !display.is_empty()).then(|| StatedReason {
            condition: written.map(str::to_owned),
            indication: Indication {
                codings: Vec::new(),
                text: display,
            },
        })
    });
    concepts.chain(references).collect()
}

/// A reason concept (`reasonCode`) as an indication: its codings, each in its system as a URI,
/// and its words.
fn indication_of_concept(concept: &model::CodeableConcept) -> Indication {
    Indication {
        codings: concept
            .coding
            .iter()
            .filter_map(|coding| {
                let code = coding.code.as_deref().map_or("", str::trim);
                let display = coding.display.as_deref().map_or("", str::trim);
                (!code.is_empty() || !display.is_empty()).then(|| Coding {
                    system: coding
                        .system
                        .as_deref()
                        .map(|system| canonical_system(system.trim()).to_owned())
                        .unwrap_or_default(),
                    code: code.to_owned(),
                    display: display.to_owned(),
                })
            })
            .collect(),
        text: concept.text.as_deref().map_or("", str::trim).to_owned(),
    }
}

/// The Conditions references name (a procedure's `reasonReference`, an observation's `focus`),
/// as written (see [`NamedCondition`]); a reference whose type says it is no Condition names
/// none.
fn named_conditions(references: &[model::Reference]) -> Vec<NamedCondition> {
    references
        .iter()
        .filter(|reference| {
            reference
                .kind
                .as_deref()
                .is_none_or(|kind| kind.trim() == "Condition")
        })
        .filter_map(|reference| {
            let id = reference
                .reference
                .as_deref()
                .map(str::trim)
                .filter(|written| !written.is_empty())
                .map(str::to_owned);
            let display = reference
                .display
                .as_deref()
                .map_or("", str::trim)
                .to_owned();
            (id.is_some() || !display.is_empty()).then_some(NamedCondition { id, display })
        })
        .collect()
}

/// Reads the Conditions a procedure's or an observation's record names into what it was done
/// for or is about (`indications`, `focus`): `find` gives the diagnosis a reference names (by
/// its id, in the record's source), when it was imported; one found nowhere keeps its display
/// (words alone: a reason that cannot be told, see `rules::indication`).
pub fn resolve_named_conditions<'c>(
    named: &mut Vec<NamedCondition>,
    into: &mut Vec<Indication>,
    find: impl Fn(&str) -> Option<&'c Condition>,
) {
    for condition in std::mem::take(named) {
        let indication = match condition.id.as_deref().and_then(&find) {
            Some(found) => Indication::of_condition(found),
            None => Indication {
                codings: Vec::new(),
                text: condition.display,
            },
        };
        Indication::add_unique(into, indication);
    }
}

/// The orders a medication record names as the ones it carries out, as written (see
/// [`MedicationRecord::prescriptions`]): a reference whose type says it is no MedicationRequest
/// (a `basedOn` CarePlan) names none.
fn prescriptions_named(resource: &model::MedicationUse) -> Vec<String> {
    resource
        .authorizing_prescription
        .iter()
        .chain(&resource.request)
        .chain(&resource.based_on)
        .filter(|reference| {
            reference
                .kind
                .as_deref()
                .is_none_or(|kind| kind.trim() == "MedicationRequest")
        })
        .filter_map(|reference| reference.reference.as_deref().map(str::trim))
        .filter(|written| !written.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The orders (MedicationRequest) of a patient's records that others may name as the order they
/// carry out, by (source, id): each with the reasons it states and the orders it names itself
/// (a renewal `basedOn` the first order).
#[derive(Debug, Clone, Default)]
pub struct Orders {
    by_id: HashMap<(String, String), (Vec<StatedReason>, Vec<String>)>,
    /// Each order's dosage lines, by (source, id), for a fill that gives none (see
    /// [`take_dosage_of_orders`]).
    dosages: HashMap<(String, String), Vec<DoseSpec>>,
}

impl Orders {
    /// Keeps `record` as the order `id` of `source`.
    pub fn add(&mut self, source: &str, id: &str, record: &MedicationRecord) {
        self.by_id.insert(
            (source.to_owned(), id.to_owned()),
            (record.reasons.clone(), record.prescriptions.clone()),
        );
        self.dosages
            .insert((source.to_owned(), id.to_owned()), record.dosages.clone());
    }

    /// Whether the order `id` of `source` is known.
    pub fn holds(&self, source: &str, id: &str) -> bool {
        self.by_id.contains_key(&(source.to_owned(), id.to_owned()))
    }

    /// The reasons the order `id` of `source` states: its own, else those of the orders it
    /// names (each followed once, so that orders naming each other end).
    fn reasons_of(
        &self,
        source: &str,
        id: &str,
        seen: &mut Vec<String>,
        reasons: &mut Vec<StatedReason>,
    ) {
        if seen.iter().any(|known| known == id) {
            return;
        }
        seen.push(id.to_owned());
        let Some((own, named)) = self.by_id.get(&(source.to_owned(), id.to_owned())) else {
            return;
        };
        if own.is_empty() {
            for order in named {
                self.reasons_of(source, order, seen, reasons);
            }
        }
        for reason in own {
            if !reasons.contains(reason) {
                reasons.push(reason.clone());
            }
        }
    }
}

/// A record that states no reason of its own takes the reasons its orders state (see
/// [`MedicationRecord::prescriptions`]): a pharmacy fill has no `reasonCode` in R4 and is
/// given for what its prescription was written for; an administration or a statement that
/// says nothing of why is the order it carries out. A record's own reason is kept over its
/// order's (a ward dose "for blood pressure" on an order written for atrial fibrillation).
/// `source` is the record's: an order it names is one of its source's.
pub fn take_reasons_of_orders(record: &mut MedicationRecord, source: &str, orders: &Orders) {
    if !record.reasons.is_empty() {
        return;
    }
    let mut seen = Vec::new();
    let mut reasons = Vec::new();
    for id in &record.prescriptions {
        orders.reasons_of(source, id, &mut seen, &mut reasons);
    }
    record.reasons = reasons;
}

/// What a statement `not-taken` (R4: "the patient is known not to be taking the medication")
/// says the team must know (review R9-5): the patient reports not taking the drug, and why when
/// the statement says. It is no exposure; it ends a course of the drug begun before it (see
/// [`not_taken_since`]), and a drug the patient does not take beside an order is
/// non-adherence, the pseudo-resistance every criterion asks to exclude (AHA 2018 for blood
/// pressure; refractory-criteria: non-adherence marks a trial inadequate), so the import says
/// it, naming the drug, the day and the reason. None for any other record.
fn reported_not_taken(resource_type: &str, resource: &model::MedicationUse) -> Option<String> {
    if resource_type != "MedicationStatement" || resource.status.as_deref() != Some("not-taken") {
        return None;
    }
    let drug = resource
        .medication_codeable_concept
        .as_ref()
        .and_then(CodeableConcept::words)
        .or_else(|| {
            let reference = resource.medication_reference.as_ref()?;
            reference
                .display
                .as_deref()
                .or(reference.reference.as_deref())
        })
        .unwrap_or("the drug");
    let day = resource
        .effective_date_time
        .as_deref()
        .or_else(|| resource.effective_period.as_ref()?.start.as_deref())
        .or(resource.date_asserted.as_deref())
        .map(|day| format!(" on {}", day.get(..10).unwrap_or(day)))
        .unwrap_or_default();
    let reason = resource
        .status_reason
        .iter()
        .find_map(CodeableConcept::words)
        .map(|words| format!(" ({})", crate::text::flat_words(words)))
        .unwrap_or_default();
    Some(format!(
        "not-taken: the patient reports not taking {drug}{day}{reason}: no exposure, and a \
         course of it begun before ends there; confirm adherence (non-adherence is \
         pseudo-resistance)"
    ))
}

/// A pharmacy fill that gives no dosage of its own takes that of the order it carries out
/// (`authorizingPrescription`, review R9-7): R4's `MedicationDispense.dosageInstruction` is
/// "how the medication is to be used", which the prescription states when the pharmacy's record
/// does not repeat it. Its dose a day, and a supply not recorded (its quantity at that dose),
/// are then worked out from it. The first order named that has a dosage gives it; a record of
/// another kind (a statement, an administration) keeps what it says: a patient's report or a
/// ward dose is its own.
pub fn take_dosage_of_orders(record: &mut MedicationRecord, source: &str, orders: &Orders) {
    if !record.dispensed || !record.dosages.is_empty() {
        return;
    }
    if let Some(dosages) = record.prescriptions.iter().find_map(|id| {
        orders
            .dosages
            .get(&(source.to_owned(), id.clone()))
            .filter(|dosages| !dosages.is_empty())
    }) {
        record.dosages.clone_from(dosages);
        record.dosage_from_order = true;
    }
}

/// Makes the Condition references a patient's drugs were given for into those diagnoses' codes
/// and words (see [`StatedReason`]): `find` gives the diagnosis a record's reference names (by
/// its id, in the record's source), when it was imported. One found nowhere keeps its
/// display, else says nothing (a reason that cannot be told: the drug counts as one with none).
pub fn resolve_indications<'c>(
    exposure: &mut DrugExposure,
    meta: &mut MedicationMeta,
    find: impl Fn(&str) -> Option<&'c Condition>,
) {
    for pending in std::mem::take(&mut meta.reason_conditions) {
        let indication = match find(&pending.id) {
            Some(condition) => Indication::of_condition(condition),
            None => pending.display,
        };
        Indication::add_unique(&mut exposure.indications, indication);
    }
}

/// [`resolve_indications`] for every drug of `items` whose reasons are not read yet, each
/// Condition found among the patient's own by its id: for items of one file (one source).
pub fn resolve_indications_among(items: &mut ImportedItems) {
    let conditions = &items.conditions;
    let find = |id: &str| {
        conditions
            .iter()
            .find(|(resource, _)| resource == id)
            .map(|(_, condition)| condition)
    };
    for (_, exposure, meta) in &mut items.exposures {
        resolve_indications(exposure, meta, find);
    }
    for (_, procedure) in &mut items.procedures {
        resolve_named_conditions(
            &mut procedure.named_conditions,
            &mut procedure.indications,
            find,
        );
    }
    for (_, observation) in &mut items.observations {
        resolve_named_conditions(
            &mut observation.named_conditions,
            &mut observation.focus,
            find,
        );
    }
}

/// A Condition a drug's record names as its reason, not yet read (see [`resolve_indications`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PendingReason {
    /// The Condition's id in the record's source.
    pub id: String,
    /// What the reference's display says, for when the Condition is in no imported file.
    pub display: Indication,
}

/// What a MedicationRequest's `dispenseRequest` says it supplies (R4): fills of a duration or a
/// quantity each, the first and its repeats, and the last day it may be dispensed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderSupply {
    /// Fills the order allows: the first and `numberOfRepeatsAllowed` more.
    pub fills: f64,
    /// Whether `numberOfRepeatsAllowed` is stated (absent, the repeats are not known: the
    /// supply may go on past the first fill).
    #[serde(default)]
    pub repeats_stated: bool,
    /// Days one fill lasts (`expectedSupplyDuration`).
    pub days: Option<i64>,
    /// One fill's quantity (`quantity`): how long it lasts follows from the dose a day, once the
    /// drug's strength is known (see [`finish_medication`]).
    pub quantity: Option<(f64, String)>,
    /// The last day it may be dispensed (`validityPeriod.end`).
    pub valid_until: Option<NaiveDateTime>,
}

/// The most days an order's fills are read to cover, however many repeats it allows: a year.
/// A choice: a repeat prescription is reviewed, and in most US states a non-controlled one
/// expires, a year after it is written (UK repeat dispensing is authorised for up to 12
/// months), so a larger count of repeats (99 meaning "as needed", a typo) is no supply anyone
/// planned. The cap bounds the time covered, never the count of fills (61 fills of 90 days
/// were 15 years).
pub const MOST_SUPPLY_DAYS: i64 = 365;

/// What an order's `dispenseRequest` says it supplies, `None` when it says nothing of it.
fn order_supply(resource: &model::MedicationUse) -> Option<OrderSupply> {
    let request = resource.dispense_request.as_ref()?;
    let stated = request
        .number_of_repeats_allowed
        .filter(|repeats| repeats.is_finite() && *repeats >= 0.0);
    let repeats = stated.map_or(0.0, f64::floor);
    let days = request
        .expected_supply_duration
        .as_ref()
        .and_then(days_of)
        .filter(|days| *days > 0);
    let quantity = request
        .quantity
        .as_ref()
        .and_then(|q| Some((q.value?, dose_unit(q).to_owned())))
        .filter(|(value, _)| value.is_finite() && *value > 0.0);
    let valid_until = request
        .validity_period
        .as_ref()
        .and_then(|p| p.end.as_deref())
        .and_then(|text| parse_datetime(text).ok());
    (days.is_some() || quantity.is_some() || valid_until.is_some()).then_some(OrderSupply {
        fills: 1.0 + repeats,
        repeats_stated: stated.is_some(),
        days,
        quantity,
        valid_until,
    })
}

/// One dosage line, as far as a daily dose can be computed from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoseSpec {
    pub route: Option<String>,
    pub quantity: Option<(f64, String)>,
    pub rate: Option<(f64, String)>,
    /// Administrations per day, from the timing or the dosage's text.
    pub per_day: Option<f64>,
    /// Cycles the schedule plans (`timing.repeat.count` of a cyclic schedule).
    #[serde(default)]
    pub cycles: Option<u32>,
    /// `Dosage.sequence`: lines of one number are given together, of different numbers one
    /// after another. Left out of the stored JSON when absent, so that records stored before it
    /// was read are not seen as changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<i64>,
    /// Taken only when needed (R4 `asNeeded[x]`); left out of the stored JSON when false, as
    /// `sequence` is.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub as_needed: bool,
    /// The dosage's text says the drug ran continuously ("continuous infusion", "drip"): an
    /// infusion whatever its amount says. Left out of the stored JSON when false, as `sequence`
    /// is.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub continuous: bool,
    /// When the step this line belongs to was given, in a record of several dated steps (see
    /// [`dated_steps`]); `None` when the record's steps are not dated, or it has only one.
    /// Left out of the stored JSON when absent, as `sequence` is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<StepGiven>,
    /// A day's count of the product's units the dosage's text writes beside the day's total
    /// it names ("1 bd (1000mg/day)": 2 a day; see [`dosage_text::DosageText::counted_day`]):
    /// the total is the dose only where this count at the product's strength agrees with it.
    /// Left out of the stored JSON when absent, as `sequence` is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counted_day: Option<(f64, String)>,
    /// A count of the product's units the dosage's text writes as the one dose whose mass it
    /// reads ("1 tablet (100 mg) daily"; see [`dosage_text::DosageText::counted_dose`]): the
    /// mass is the dose only where this count at the product's strength agrees with it. Left
    /// out of the stored JSON when absent, as `sequence` is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counted_dose: Option<(f64, String)>,
    /// The milligrams of one dose the dosage's text writes beside a structured count of the
    /// product's units ("Take 1 tablet (250 mg total)" beside 1 `{tbl}`; a day's total over the
    /// structured doses a day: see [`written_dose_mass`]): the dose where no strength converts
    /// the count, checked against it where one does. Left out of the stored JSON when absent,
    /// as `sequence` is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written_mg: Option<f64>,
    /// The times of the day the line names on a daily schedule ("morning", "night", "08:00";
    /// see [`day_times`]): two orders of one drug begun together for different times are one
    /// day's doses (see [`orders_taken_together`]). Left out of the stored JSON when empty, as
    /// `sequence` is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub day_times: Vec<String>,
}

/// A dosage's words: its `text`, else its `patientInstruction`; a blank one (only spaces, or
/// "") is none, so that an empty `text` leaves the instruction to be read.
fn written_words<'a>(
    text: Option<&'a String>,
    patient_instruction: Option<&'a String>,
) -> Option<&'a String> {
    let written = |words: Option<&'a String>| words.filter(|words| !words.trim().is_empty());
    written(text).or_else(|| written(patient_instruction))
}

/// When one step of a titration written inside one record was given: its own bounds, or the
/// record's start chained through the steps' durations (see [`dated_steps`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepGiven {
    /// From `start` to `end` (`None`: still given, as the record is).
    During {
        start: NaiveDateTime,
        end: Option<NaiveDateTime>,
    },
    /// Planned to start after the record ended: never given.
    NotReached,
}

/// What the merging of renewals needs to know about a medication record.
#[derive(Debug, Clone, Default)]
pub struct MedicationMeta {
    /// The drug's identity across renewals: its code, else its text.
    pub key: String,
    pub active: bool,
    pub end_recorded: bool,
    /// One dose given at a time, to be grouped with the other doses of its cycle.
    pub administered: bool,
    /// A pharmacy fill, to be joined with the drug's other fills.
    pub dispensed: bool,
    /// refract's export of a course that ended with no word of a stop (see
    /// [`MedicationRecord::ends_without_a_stop`]).
    pub ends_without_a_stop: bool,
    /// A completed order's doses (`timing.repeat.count` of a schedule a week or more apart),
    /// read as the cycles they fall in once the drug's cycle length is known (see
    /// [`cycles_of_order`]).
    pub planned_doses: Option<PlannedDoses>,
    /// An order's supply, as far as it says (see [`OrderSupply`]): the day the supply it
    /// authorises runs out (its fills' duration, or their quantity at the dose a day), else the
    /// last day it may be dispensed. How far it reaches for joining its renewals (see
    /// [`merge_renewals`]).
    pub supplied_until: Option<NaiveDateTime>,
    /// Whether `supplied_until` is the supply's end (not only a dispensing deadline).
    pub supply_known: bool,
    /// Whether that end is of all the order authorises: its repeats are stated too.
    pub supply_whole: bool,
    /// Days the order's first fill lasts, when its supply says: the time in which a record of
    /// the dose it replaced may still end (see [`stopped_by_other_records`]).
    pub first_fill_days: Option<i64>,
    /// The record says the whole order was carried out (status `completed`).
    pub completed: bool,
    /// The record's status says the drug is no longer taken (see [`MedicationRecord::stopped`]).
    pub stopped: bool,
    /// Its stop reason says the dose changed, not the drug stopped.
    pub dose_changed: bool,
    /// The latest day a statement saying the drug is no longer taken can have been true of
    /// (see [`MedicationRecord::stopped_by`]).
    pub stopped_by: Option<NaiveDateTime>,
    /// When the record was written as it stands (see [`MedicationRecord::asserted`]).
    pub asserted: Option<NaiveDateTime>,
    /// An open record (still given, no end of its own) another record says was stopped later:
    /// the day it was given until, and how that day is known (see [`stopped_by_later_records`]).
    pub stopped_on: Option<(NaiveDateTime, DatesKnown)>,
    /// The Conditions its record names as the drug's reason, to be read as diagnoses once the
    /// patient's resources are all at hand (see [`resolve_indications`]).
    pub reason_conditions: Vec<PendingReason>,
    /// The times of the day its scheduled dosages name, when every one names them (see
    /// [`DoseSpec::day_times`]); `None` when any names none.
    pub day_times: Option<Vec<String>>,
    /// A statement that the patient does not take the drug (see
    /// [`MedicationRecord::not_taken`]): no exposure; it ends the drug's course running then
    /// (see [`not_taken_since`]).
    pub not_taken: bool,
    /// Known on one day only, a day the drug was taken (see [`MedicationRecord::day_taken`]).
    pub day_taken: bool,
}

/// The doses a completed order planned, for counting the cycles they fall in: all of them,
/// and the part of them this exposure is (a dated step of a titration is one exposure of the
/// record's several: the cycles are counted over the whole record, each in the step it begins
/// in, so that its steps' cycles add up to the record's).
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedDoses {
    /// Every planned dose, in days from the record's start, in order.
    pub offsets: Vec<f64>,
    /// The days from the record's start this exposure covers: from, and until (not included).
    pub from: f64,
    pub until: f64,
}

impl PlannedDoses {
    /// `count` doses `interval` days apart from the record's start, all of them this exposure.
    fn whole((count, interval): (u32, f64)) -> Self {
        PlannedDoses {
            offsets: (0..count.min(MOST_ORDER_DOSES))
                .map(|dose| f64::from(dose) * interval)
                .collect(),
            from: 0.0,
            until: f64::INFINITY,
        }
    }
}

/// One resource mapped, with what was left out of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    pub mapped: Mapped,
    /// Parts of the resource refract could not use (the resource itself is kept).
    pub warnings: Vec<String>,
    /// A stop reason whose words the vocabulary does not know (kept as written).
    pub unknown_stop_reason: Option<String>,
}

impl From<Mapped> for Mapping {
    fn from(mapped: Mapped) -> Self {
        Mapping {
            mapped,
            warnings: Vec::new(),
            unknown_stop_reason: None,
        }
    }
}

/// Maps one resource. `Err` is why the resource was left out (a warning, not a failed file).
/// `rules` picks, among a condition's codings, the one a rule set uses.
pub fn map_resource(raw: &RawResource<'_>, rules: &Rules) -> Result<Mapping, String> {
    if let Some(request) = raw.request
        && request
            .method
            .as_deref()
            .is_some_and(|m| m.eq_ignore_ascii_case("DELETE"))
    {
        let url = request.url.as_deref().unwrap_or("");
        let key = reference_key(url);
        return match key.split_once('/') {
            _ if url.contains('?') => Err(format!(
                "a conditional DELETE of '{url}' (by a search, not an id): refract removes a \
                 resource named by its type and id only, so nothing is removed"
            )),
            Some((kind, id)) if !kind.is_empty() && !id.is_empty() && !id.contains('?') => {
                Ok(Mapped::Removed {
                    resource_type: kind.to_owned(),
                    id: id.to_owned(),
                    last_updated: raw.deleted_at.map(str::to_owned),
                }
                .into())
            }
            _ => Err(format!(
                "a DELETE of '{url}', which names no single resource"
            )),
        };
    }
    // R4 transactions may PATCH (a FHIRPath Parameters or a JSON Patch body): a change to a
    // resource refract reads whole, which it cannot apply to what it stored.
    if let Some(request) = raw.request
        && request
            .method
            .as_deref()
            .is_some_and(|m| m.eq_ignore_ascii_case("PATCH"))
    {
        let url = request.url.as_deref().unwrap_or("");
        return Err(format!(
            "a PATCH of '{url}' is not applied: refract reads whole resources, so what it \
             stored of '{url}' is left as it was (send the resource whole, as a PUT)"
        ));
    }
    if let Some(id) = raw.id
        && id.len() > MAX_ID_BYTES
    {
        return Err(format!(
            "its id is {} bytes long (FHIR ids are at most 64)",
            id.len()
        ));
    }
    let mut mapping = map_by_type(raw, rules)?;
    if let Some(warning) = super::status_words::warning(raw.resource_type, raw.json) {
        mapping.warnings.push(warning);
    }
    Ok(mapping)
}

/// Maps one resource by its type (see [`map_resource`]).
fn map_by_type(raw: &RawResource<'_>, rules: &Rules) -> Result<Mapping, String> {
    match raw.resource_type {
        "Patient" => {
            let resource: model::Patient = parse_as(raw)?;
            let mut warnings = Vec::new();
            let patient = map_patient(raw, &resource, &mut warnings)?;
            Ok(Mapping {
                mapped: Mapped::Patient(patient),
                warnings,
                unknown_stop_reason: None,
            })
        }
        kind @ ("Medication" | "Substance") => {
            let resource: model::Medication = parse_as(raw)?;
            if resource.status.as_deref() == Some("entered-in-error") {
                return Ok(removed(raw, resource.meta.as_ref()));
            }
            let Some(id) = raw.id.or(raw.full_url) else {
                return Err(format!("a {kind} with no id, which nothing can refer to"));
            };
            let mut warnings = Vec::new();
            // A Substance is read for its code alone: what an ingredient referring to it is.
            let product = if kind == "Substance" {
                Product::of_concept(resource.code.clone().unwrap_or_default())
            } else {
                product::product_of(
                    resource.code.as_ref(),
                    resource.form.as_ref(),
                    resource.amount.as_ref(),
                    &resource.ingredient,
                    &resource.contained,
                    &mut warnings,
                )
            };
            if !product.names_something() {
                return Err(format!("a {kind} with neither a code nor ingredients"));
            }
            warnings.extend(product_names_disagree(&product, &rules.book));
            refuse_oversized(product.texts())?;
            Ok(Mapping {
                mapped: Mapped::Medication {
                    resource_type: if kind == "Substance" {
                        "Substance"
                    } else {
                        "Medication"
                    },
                    id: id.to_owned(),
                    product,
                },
                warnings,
                unknown_stop_reason: None,
            })
        }
        "Condition" => {
            let resource: model::Condition = parse_as(raw)?;
            if is_entered_in_error(resource.verification_status.as_ref())
                || is_entered_in_error(resource.clinical_status.as_ref())
            {
                return Ok(removed(raw, resource.meta.as_ref()));
            }
            let subject = subject_of(resource.subject.as_ref())?;
            let mut warnings = Vec::new();
            let Some(condition) = map_condition(&resource, rules, &mut warnings) else {
                return Ok(Mapped::Skipped(String::from("Condition (no code)")).into());
            };
            refuse_oversized(condition_texts(&condition))?;
            let mut mapping = clinical(
                raw,
                subject,
                None,
                resource.meta.as_ref(),
                Item::Condition(condition),
            );
            mapping.warnings = warnings;
            Ok(mapping)
        }
        "MedicationRequest"
        | "MedicationStatement"
        | "MedicationAdministration"
        | "MedicationDispense" => {
            let resource: model::MedicationUse = parse_as(raw)?;
            // A statement `not-taken` is kept, as no exposure: from its day the drug is not
            // taken, which ends a course of it running then (review R9-5, see
            // `not_taken_since`). One refract cannot date or name is said, as before.
            if raw.resource_type == "MedicationStatement"
                && resource.status.as_deref() == Some("not-taken")
                && let Ok(subject) = subject_of(resource.subject.as_ref())
            {
                let mut warnings = Vec::new();
                if let Ok((mut record, refers)) =
                    map_medication(raw, &resource, rules, &mut warnings)
                    && record
                        .concept
                        .as_ref()
                        .is_none_or(|product| refuse_oversized(product.texts()).is_ok())
                {
                    record.not_taken = true;
                    record.active = false;
                    record.stopped = false;
                    record.stopped_by = None;
                    record.dosages.clear();
                    let mut mapping = clinical(
                        raw,
                        subject,
                        refers,
                        resource.meta.as_ref(),
                        Item::Medication(record),
                    );
                    mapping.warnings = reported_not_taken(raw.resource_type, &resource)
                        .into_iter()
                        .collect();
                    return Ok(mapping);
                }
            }
            // Recorded in error, or a record that the drug was not given: not an exposure. A
            // dispense `cancelled` "was not and will never be picked up by the patient", one
            // `declined` "was declined and not performed" (R4 medicationdispense-status).
            if matches!(
                resource.status.as_deref(),
                Some(
                    "entered-in-error"
                        | "not-taken"
                        | "not-done"
                        | "cancelled"
                        | "draft"
                        | "declined"
                )
            ) {
                let mut mapping = removed(raw, resource.meta.as_ref());
                if let Some(why) = reported_not_taken(raw.resource_type, &resource) {
                    mapping.warnings.push(why);
                }
                return Ok(mapping);
            }
            // Not evidence that it was given either, but a reader would wonder where a record
            // the source sent went: removed like a cancelled one, with a warning saying why.
            if let Some(why) =
                not_yet_given(raw.resource_type, &resource).or_else(|| said_not_given(&resource))
            {
                let mut mapping = removed(raw, resource.meta.as_ref());
                mapping.warnings.push(format!("left out: {why}"));
                return Ok(mapping);
            }
            let subject = subject_of(resource.subject.as_ref())?;
            let mut warnings = Vec::new();
            let (record, refers) = map_medication(raw, &resource, rules, &mut warnings)?;
            if let Some(product) = &record.concept {
                refuse_oversized(product.texts())?;
            }
            // Refract's own "on hold" is no reason a vocabulary should learn; the words of a
            // hold's reason after it are. Words saying the dose changed are understood.
            let unknown_stop_reason = record
                .stop_text
                .as_deref()
                .filter(|_| {
                    record.stop_reason.is_none()
                        && !record.dose_changed
                        && !record.hold_reason_understood
                })
                .and_then(|text| match text.strip_prefix(ON_HOLD_WORDS) {
                    Some(rest) => rest.strip_prefix(": ").map(str::to_owned),
                    None => Some(text.to_owned()),
                });
            let mut mapping = clinical(
                raw,
                subject,
                refers,
                resource.meta.as_ref(),
                Item::Medication(record),
            );
            mapping.warnings = warnings;
            mapping.unknown_stop_reason = unknown_stop_reason;
            Ok(mapping)
        }
        "Observation" => {
            let resource: model::Observation = parse_as(raw)?;
            if carried::is_line_outcome(resource.meta.as_ref()) {
                return Ok(Mapped::Skipped(String::from(
                    "Observation (a line's outcome, read with its line)",
                ))
                .into());
            }
            if matches!(
                resource.status.as_deref(),
                Some("entered-in-error" | "cancelled")
            ) {
                return Ok(removed(raw, resource.meta.as_ref()));
            }
            // R4 `registered`: "there is no result yet available": a value beside it is none.
            // `unknown`: "the authoring system does not know which of the status values
            // currently applies", so not whether it is a result at all (it may be a registered
            // or a cancelled one). Our choice: no result, as a DiagnosticReport `unknown` is
            // (review R7-9).
            match resource.status.as_deref() {
                Some("registered") => {
                    return Ok(Mapped::Skipped(String::from(
                        "Observation (registered: no result yet)",
                    ))
                    .into());
                }
                Some("unknown") => {
                    return Ok(Mapped::Skipped(String::from(
                        "Observation (status unknown: not read as a result)",
                    ))
                    .into());
                }
                _ => {}
            }
            let subject = subject_of(resource.subject.as_ref())?;
            let mut observations = map_observation(&resource, rules)?;
            if observations.is_empty() {
                // A value written in words ("HIV positive", "Patient is homeless") is a value
                // the source gave: counted under its true reason, as a count rather than a
                // warning each (no criterion reads such a finding, and an export holds many).
                let kind = if has_unread_words(&resource) {
                    UNREAD_WORDS
                } else {
                    "Observation (no value or date)"
                };
                return Ok(Mapped::Skipped(String::from(kind)).into());
            }
            for observation in &mut observations {
                refuse_oversized(observation_texts(observation))?;
                observation.named_conditions = named_conditions(&resource.focus);
            }
            // The visit it was taken in, read when the record is built (the Encounter may be
            // anywhere in the import). STU3's `context` may be an EpisodeOfCare: a reference
            // that names no Encounter resolves to none.
            let visit = resource
                .encounter
                .as_ref()
                .or(resource.context.as_ref())
                .and_then(|reference| reference.reference.clone());
            Ok(clinical(
                raw,
                subject,
                visit,
                resource.meta.as_ref(),
                Item::Observations(observations),
            ))
        }
        "QuestionnaireResponse" => {
            let resource: model::QuestionnaireResponse = parse_as(raw)?;
            match resource.status.as_deref() {
                Some("entered-in-error") => return Ok(removed(raw, resource.meta.as_ref())),
                // R4: `in-progress` is a form still being filled in, `stopped` one abandoned:
                // neither total is a score the patient finished.
                Some(status @ ("in-progress" | "stopped")) => {
                    return Ok(Mapped::Skipped(format!("QuestionnaireResponse ({status})")).into());
                }
                _ => {}
            }
            let subject = subject_of(resource.subject.as_ref())?;
            let mut why_no_total = Vec::new();
            let observations = questionnaire_scores(&resource, rules, &mut why_no_total)?;
            if observations.is_empty() {
                let mut mapping: Mapping =
                    Mapped::Skipped(String::from("QuestionnaireResponse (no coded score)")).into();
                mapping.warnings = why_no_total;
                return Ok(mapping);
            }
            for observation in &observations {
                refuse_oversized(observation_texts(observation))?;
            }
            let visit = resource
                .encounter
                .as_ref()
                .and_then(|reference| reference.reference.clone());
            let mut mapping = clinical(
                raw,
                subject,
                visit,
                resource.meta.as_ref(),
                Item::Observations(observations),
            );
            mapping.warnings.extend(why_no_total);
            Ok(mapping)
        }
        "DiagnosticReport" => {
            let resource: model::DiagnosticReport = parse_as(raw)?;
            // R4 `registered`: "the existence of the report is registered, but there is nothing
            // yet available"; `unknown`: the source does not know which status holds, so not
            // whether the conclusion is a result at all. `partial` and `preliminary` are
            // results, read as an Observation's preliminary ones are.
            if let Some(mapping) = StatusGate::NOT_YET_A_RESULT.stops(
                raw,
                resource.meta.as_ref(),
                resource.status.as_deref(),
            ) {
                return Ok(mapping);
            }
            let subject = subject_of(resource.subject.as_ref())?;
            let Some(status) = map_report(&resource)? else {
                // An imaging report that states no response is still the study done (a brain
                // MRI, a skeletal survey), which radiology systems send only as their report.
                if imaging::is_imaging_report(&resource)
                    && let Some((dated, words)) = imaging::report_procedure(&resource)
                {
                    return imaging_row(
                        raw,
                        subject,
                        resource.meta.as_ref(),
                        &dated,
                        words,
                        "effective[x] or issued",
                    );
                }
                return Ok(Mapped::Skipped(String::from(REPORT_WITHOUT_RESPONSE)).into());
            };
            refuse_oversized(observation_texts(&status))?;
            // An imaging report's study is done whatever response it states: the restaging
            // PET-CT the checklist asks for is the one that read the progression.
            if imaging::is_imaging_report(&resource)
                && let Some((dated, words)) = imaging::report_procedure(&resource)
            {
                let mut mapping = imaging_row(
                    raw,
                    subject.clone(),
                    resource.meta.as_ref(),
                    &dated,
                    words,
                    "effective[x] or issued",
                )?;
                if let Mapped::Resource(resource) = &mut mapping.mapped
                    && let Item::Procedure(study) = &resource.item
                {
                    resource.item = Item::Imaging {
                        study: study.clone(),
                        statuses: vec![status],
                    };
                    return Ok(mapping);
                }
            }
            Ok(clinical(
                raw,
                subject,
                None,
                resource.meta.as_ref(),
                Item::Observations(vec![status]),
            ))
        }
        "Procedure" => {
            let resource: model::Procedure = parse_as(raw)?;
            // Not (yet) done: a video-EEG being prepared or under way confirms no diagnosis,
            // and a surgery stopped before its end is not the surgery. Left out like one not
            // done, with a warning, and added when the source sends it completed.
            // STU3's `aborted` ("terminated without completing successfully") is no procedure
            // done, its `suspended` one on hold; STU3's `notDone` and DSTU2's `notPerformed`
            // say not done whatever the status (ST-5).
            let gate = StatusGate {
                none: &["entered-in-error", "not-done", "aborted"],
                left_out: &[
                    "preparation",
                    "in-progress",
                    "on-hold",
                    "stopped",
                    "suspended",
                ],
                what: "a procedure",
                why: "(not completed): not performed",
                ..StatusGate::default()
            };
            if let Some(mapping) =
                gate.stops(raw, resource.meta.as_ref(), resource.status.as_deref())
            {
                return Ok(mapping);
            }
            // Said by a flag of an older version rather than by R4's own status, so the
            // reader is told why the record went (review RV-5), as for a drug not given.
            let flag = if resource.not_done == Some(true) {
                Some("notDone")
            } else if resource.not_performed == Some(true) {
                Some("notPerformed")
            } else {
                None
            };
            if let Some(flag) = flag {
                let mut mapping = removed(raw, resource.meta.as_ref());
                mapping.warnings.push(format!(
                    "left out: a procedure an older FHIR version says was not done ({flag}): \
                     not performed"
                ));
                return Ok(mapping);
            }
            let subject = subject_of(resource.subject.as_ref())?;
            let mut warnings = Vec::new();
            let Some(mut procedure) = map_procedure(&resource, &mut warnings)? else {
                return Ok(Mapped::Skipped(String::from("Procedure (no code)")).into());
            };
            for concept in &resource.reason_code {
                Indication::add_unique(&mut procedure.indications, indication_of_concept(concept));
            }
            procedure.named_conditions = named_conditions(&resource.reason_reference);
            refuse_oversized(
                [
                    ("code", Some(procedure.code.as_str())),
                    ("display", Some(procedure.display.as_str())),
                ]
                .into_iter()
                .chain(procedure.codings.iter().flat_map(|c| {
                    [
                        ("coding's system", Some(c.system.as_str())),
                        ("coding's code", Some(c.code.as_str())),
                        ("coding's display", Some(c.display.as_str())),
                    ]
                })),
            )?;
            // The devices it implanted (or otherwise handled), found when the record is built
            // (see `devices::finish_shared`): the first is the one `refers` names (what a
            // Device's arrival is looked up by), the others are kept with the procedure.
            let mut devices = resource
                .focal_device
                .iter()
                .filter_map(|focal| focal.manipulated.as_ref()?.reference.clone());
            let device = devices.next();
            for other in devices {
                if Some(&other) != device.as_ref() && !procedure.named_devices.contains(&other) {
                    procedure.named_devices.push(other);
                }
            }
            let mut mapping = clinical(
                raw,
                subject,
                device,
                resource.meta.as_ref(),
                Item::Procedure(procedure),
            );
            mapping.warnings = warnings;
            Ok(mapping)
        }
        "ImagingStudy" => {
            let resource: model::ImagingStudy = parse_as(raw)?;
            // R4 imagingstudy-status: `registered` is a study of which "nothing is yet
            // available", not one done; `unknown` is not known to be one; `cancelled` and
            // `entered-in-error` are none, and take a stored version out.
            if let Some(mapping) = StatusGate::NOT_YET_A_RESULT.stops(
                raw,
                resource.meta.as_ref(),
                resource.status.as_deref(),
            ) {
                return Ok(mapping);
            }
            let subject = subject_of(resource.subject.as_ref())?;
            let Some((dated, words)) = imaging::study_procedure(&resource) else {
                return Ok(Mapped::Skipped(String::from(
                    "ImagingStudy (no modality, description or code)",
                ))
                .into());
            };
            imaging_row(
                raw,
                subject,
                resource.meta.as_ref(),
                &dated,
                words,
                "started",
            )
        }
        kind @ ("Device" | "ResearchStudy") => {
            let concept = if kind == "Device" {
                let resource: model::Device = parse_as(raw)?;
                if let Some(mapping) =
                    StatusGate::ENTERED_IN_ERROR.stops(raw, None, resource.status.as_deref())
                {
                    return Ok(mapping);
                }
                if let Some(patient) = resource
                    .patient
                    .as_ref()
                    .filter(|patient| patient.reference.is_some())
                {
                    return affixed_device(raw, &resource, patient);
                }
                devices::device_concept(&resource)
            } else {
                devices::study_concept(&parse_as(raw)?)
            };
            let Some(id) = raw.id.or(raw.full_url) else {
                return Err(format!("a {kind} with no id, which nothing can refer to"));
            };
            let Some(concept) = concept else {
                return Ok(Mapped::Skipped(format!("{kind} (no type, name or title)")).into());
            };
            let product = Product::of_concept(concept);
            refuse_oversized(product.texts())?;
            Ok(Mapped::Medication {
                resource_type: if kind == "Device" {
                    "Device"
                } else {
                    "ResearchStudy"
                },
                id: id.to_owned(),
                product,
            }
            .into())
        }
        "DeviceUseStatement" => {
            let resource: model::DeviceUseStatement = parse_as(raw)?;
            // R4 device-statement-status: `intended` is a plan, not a use; entered in error
            // is none. Active, completed, stopped and on-hold each say the patient had it.
            let gate = StatusGate {
                left_out: &["intended"],
                what: "a device use",
                why: "(planned, not in use)",
                ..StatusGate::ENTERED_IN_ERROR
            };
            if let Some(mapping) =
                gate.stops(raw, resource.meta.as_ref(), resource.status.as_deref())
            {
                return Ok(mapping);
            }
            let Some(device) = resource.device.as_ref() else {
                return Ok(Mapped::Skipped(String::from("DeviceUseStatement (no device)")).into());
            };
            let subject = subject_of(resource.subject.as_ref())?;
            // Dated as a procedure is: its timing, else the day it was recorded (the device was
            // in use by then; how long before is not said).
            let dated = model::Procedure {
                code: Some(CodeableConcept::default()),
                performed_date_time: resource.timing_date_time.clone().or_else(|| {
                    resource
                        .timing_period
                        .as_ref()
                        .is_none_or(|period| period.start.is_none() && period.end.is_none())
                        .then(|| resource.recorded_on.clone())
                        .flatten()
                }),
                performed_period: resource.timing_period.clone(),
                ..model::Procedure::default()
            };
            let mut warnings = Vec::new();
            let Some(mut procedure) = map_procedure(&dated, &mut warnings)? else {
                return Ok(Mapped::Skipped(String::from("DeviceUseStatement")).into());
            };
            for warning in &mut warnings {
                *warning = warning
                    .replace("performedPeriod", "timingPeriod")
                    .replace("performed[x]", "timing[x] or recordedOn");
            }
            procedure.display = devices::device_words(device.display.as_deref());
            // A Device carried in the statement is read now; another is found once the
            // patient's record is built.
            let mut refers = device.reference.clone();
            if let Some(id) = refers.as_deref().and_then(|r| r.strip_prefix('#')) {
                let carried = resource
                    .contained
                    .iter()
                    .filter(|c| c.resource_type.as_deref() == Some("Device"))
                    .find(|c| c.id.as_deref() == Some(id))
                    .and_then(|c| devices::device_concept(&c.device))
                    .map(Product::of_concept);
                devices::finish_shared(
                    raw.resource_type,
                    &mut procedure,
                    carried.as_ref(),
                    refers.as_deref().unwrap_or_default(),
                );
                refers = None;
            }
            for concept in &resource.reason_code {
                Indication::add_unique(&mut procedure.indications, indication_of_concept(concept));
            }
            procedure.named_conditions = named_conditions(&resource.reason_reference);
            refuse_oversized([("display", Some(procedure.display.as_str()))])?;
            let mut mapping = clinical(
                raw,
                subject,
                refers,
                resource.meta.as_ref(),
                Item::Procedure(procedure),
            );
            mapping.warnings = warnings;
            Ok(mapping)
        }
        "ResearchSubject" => {
            let resource: model::ResearchSubject = parse_as(raw)?;
            let status = resource
                .status
                .as_deref()
                .map(str::trim)
                .filter(|status| !status.is_empty())
                .unwrap_or("unknown");
            let subject = subject_of(resource.individual.as_ref())?;
            let dated = model::Procedure {
                code: Some(CodeableConcept::default()),
                performed_period: resource.period.clone(),
                ..model::Procedure::default()
            };
            let mut warnings = Vec::new();
            let Some(mut procedure) = map_procedure(&dated, &mut warnings)? else {
                return Ok(Mapped::Skipped(String::from("ResearchSubject")).into());
            };
            for warning in &mut warnings {
                *warning = warning
                    .replace("performedPeriod", "period")
                    .replace("performed[x]", "period");
            }
            procedure.code = format!("{}{status}", devices::TRIAL_CODE_PREFIX);
            let study = resource.study.as_ref();
            let named = study.and_then(|study| {
                study
                    .identifier
                    .as_ref()
                    .and_then(|identifier| identifier.value.as_deref())
                    .or(study.display.as_deref())
            });
            procedure.display = devices::study_words(named, status);
            refuse_oversized([
                ("status", Some(procedure.code.as_str())),
                ("display", Some(procedure.display.as_str())),
            ])?;
            let mut mapping = clinical(
                raw,
                subject,
                study.and_then(|study| study.reference.clone()),
                resource.meta.as_ref(),
                Item::Procedure(procedure),
            );
            mapping.warnings = warnings;
            Ok(mapping)
        }
        "AllergyIntolerance" => {
            let resource: model::AllergyIntolerance = parse_as(raw)?;
            // Refuted or entered in error: no reaction. Resolved: "clinically reassessed by
            // testing or re-exposure and is considered no longer to be present" (R4
            // allergyintolerance-clinical). Either takes out an earlier version.
            let verification = resource.verification_status.as_ref().and_then(|c| {
                c.status_code("allergyintolerance-verification", ALLERGY_VERIFICATION)
            });
            let clinical_code = resource
                .clinical_status
                .as_ref()
                .and_then(|c| c.status_code("allergyintolerance-clinical", ALLERGY_CLINICAL));
            // Read by code whatever its case or spaces, or from words alone (ST-10): a
            // "RESOLVED" reaction had stayed on record.
            if is_entered_in_error(resource.verification_status.as_ref())
                || verification == Some("refuted")
                || clinical_code == Some("resolved")
            {
                return Ok(removed(raw, resource.meta.as_ref()));
            }
            let subject = subject_of(resource.patient.as_ref())?;
            let mut warnings = Vec::new();
            let Some(reaction) = map_reaction(&resource, &mut warnings) else {
                return Ok(Mapped::Skipped(String::from(NO_DRUG_REACTION)).into());
            };
            refuse_oversized(
                [
                    ("substance", Some(reaction.substance.as_str())),
                    ("reaction", Some(reaction.reaction.as_str())),
                ]
                .into_iter()
                .chain(reaction.codes.iter().map(|c| ("code", Some(c.as_str())))),
            )?;
            let mut mapping = clinical(
                raw,
                subject,
                None,
                resource.meta.as_ref(),
                Item::Reaction(reaction),
            );
            mapping.warnings = warnings;
            Ok(mapping)
        }
        "CarePlan" => {
            // Only a line refract exported is read: any other CarePlan is skipped as it always
            // was, whatever it holds.
            let Ok(resource) = parse_as::<model::CarePlan>(raw) else {
                return Ok(Mapped::Skipped(skipped_kind(raw)).into());
            };
            let Some(line) = carried::line_of(&resource)? else {
                return Ok(Mapped::Skipped(skipped_kind(raw)).into());
            };
            if resource.status.as_deref() == Some("entered-in-error") {
                return Ok(removed(raw, resource.meta.as_ref()));
            }
            let subject = subject_of(resource.subject.as_ref())?;
            refuse_oversized(
                [
                    ("regimen", Some(line.line.regimen.as_str())),
                    ("cut reason", line.line.cut_reason.as_deref()),
                ]
                .into_iter()
                .chain(
                    line.line
                        .drugs
                        .iter()
                        .map(|drug| ("ingredient", Some(drug.ingredient.as_str()))),
                ),
            )?;
            Ok(clinical(
                raw,
                subject,
                None,
                resource.meta.as_ref(),
                Item::Line(line),
            ))
        }
        "CareTeam" => {
            let Ok(resource) = parse_as::<model::CareTeam>(raw) else {
                return Ok(Mapped::Skipped(skipped_kind(raw)).into());
            };
            // R4: only an `active` team is the patient's now; one saying no status is taken as
            // it reads. One `inactive` or `suspended` is no longer theirs, one
            // `entered-in-error` never was: kept as the source's word that the team is
            // withdrawn, which takes out the team it set when no other is named (review
            // OC-13). One `proposed` is not theirs yet, and says nothing of the team now: it
            // takes out what an earlier version of it set, as a resource left out does.
            let status = resource.status.as_deref().map(str::trim);
            let withdrawn = matches!(status, Some("inactive" | "suspended" | "entered-in-error"));
            if !withdrawn && status.is_some_and(|status| status != "active") {
                return Ok(Mapped::Skipped(String::from(CARE_TEAM_NOT_ACTIVE)).into());
            }
            let name = resource
                .name
                .as_deref()
                .map(str::trim)
                .filter(|name| !name.is_empty());
            let name = match name {
                Some(name) => name,
                // A withdrawn team needs no name: the withdrawal is what counts.
                None if withdrawn => "",
                None => return Ok(Mapped::Skipped(String::from(CARE_TEAM_UNNAMED)).into()),
            };
            let subject = subject_of(resource.subject.as_ref())?;
            refuse_oversized([("name", Some(name))])?;
            let at = |text: Option<&String>| text.and_then(|text| parse_datetime(text).ok());
            let period = resource.period.as_ref();
            let team = CareTeamOf {
                name: name.to_owned(),
                start: at(period.and_then(|p| p.start.as_ref())),
                end: at(period.and_then(|p| p.end.as_ref())),
                withdrawn,
            };
            Ok(clinical(
                raw,
                subject,
                None,
                resource.meta.as_ref(),
                Item::Team(team),
            ))
        }
        "Encounter" => {
            let resource: model::Encounter = parse_as(raw)?;
            if resource.status.as_deref() == Some("entered-in-error") {
                return Ok(removed(raw, resource.meta.as_ref()));
            }
            let Some(id) = raw.id.or(raw.full_url) else {
                return Ok(Mapped::Skipped(skipped_kind(raw)).into());
            };
            // R4 encounter-status `planned` ("has not yet started") and `cancelled` ("ended
            // before it has begun"): no stay the patient was in, so no place a reading was taken
            // (ST-9). Read as a visit that moves no reading, so that a copy kept earlier (the
            // stay in progress) no longer moves them either.
            let visit = if matches!(resource.status.as_deref(), Some("planned" | "cancelled")) {
                Visit::Elsewhere
            } else {
                visit_of_class(resource.class.as_ref())
            };
            Ok(Mapped::Encounter {
                id: id.to_owned(),
                visit,
            }
            .into())
        }
        _ => Ok(Mapped::Skipped(skipped_kind(raw)).into()),
    }
}

/// How a CareTeam that is not the patient's team now is counted (`proposed`, `suspended`,
/// `inactive`).
pub const CARE_TEAM_NOT_ACTIVE: &str = "CareTeam (not active)";
/// How a CareTeam with no name is counted: it names no team to filter by.
pub const CARE_TEAM_UNNAMED: &str = "CareTeam (no name)";

/// The words a skipped resource is counted under in the import's summary
/// (`refract import`'s "skipped (not used by refract)").
pub const TEAM_WORK_SKIPPED: &str = "(refract's team work)";

/// How a resource refract does not read is counted: by its type, and a Task, CarePlan or Goal
/// that refract's own FHIR export wrote (the team's reviews, way forward, meetings and tasks,
/// marked by refract's extensions and code systems) apart, so that the summary can say that
/// they are not read back and what carries them (`export --format json`).
fn skipped_kind(raw: &RawResource<'_>) -> String {
    let team_record = matches!(raw.resource_type, "Task" | "CarePlan" | "Goal");
    if team_record && raw.json.contains(REFRACT_FHIR_BASE) {
        format!("{} {TEAM_WORK_SKIPPED}", raw.resource_type)
    } else {
        raw.resource_type.to_owned()
    }
}

/// The skip count of an AllergyIntolerance that is not of a drug (a food, an environmental
/// substance), or names no substance.
pub const NO_DRUG_REACTION: &str = "AllergyIntolerance (not of a medication)";

/// The reaction an AllergyIntolerance records, when it is of a medication: its `category`
/// says so, or says nothing (most drug allergy lists leave it out), and it names a substance.
/// A food or environmental one is none of the options step's business.
fn map_reaction(
    resource: &model::AllergyIntolerance,
    warnings: &mut Vec<String>,
) -> Option<DrugReaction> {
    if !resource.category.is_empty()
        && !resource
            .category
            .iter()
            .any(|category| matches!(category.trim(), "medication" | "biologic"))
    {
        return None;
    }
    let code = resource.code.as_ref()?;
    let codes: Vec<String> = code
        .coding
        .iter()
        .filter_map(|coding| coding.code.as_deref().map(str::trim))
        .filter(|code| !code.is_empty())
        .map(str::to_owned)
        .collect();
    let substance = code
        .words()
        .map(|words| words.trim().to_owned())
        .or_else(|| codes.first().cloned())?;
    let mut manifestations: Vec<String> = Vec::new();
    for reaction in &resource.reaction {
        let words: Vec<&str> = reaction
            .manifestation
            .iter()
            .filter_map(CodeableConcept::words)
            .map(str::trim)
            .collect();
        let said = match reaction.severity.as_deref().map(str::trim) {
            Some(severity) if !words.is_empty() => format!("{} ({severity})", words.join(", ")),
            _ => words.join(", "),
        };
        if !said.is_empty() && !manifestations.contains(&said) {
            manifestations.push(said);
        }
    }
    let onset = lenient_date("onsetDateTime", resource.onset_date_time.as_ref(), warnings)
        .or_else(|| {
            let start = resource
                .onset_period
                .as_ref()
                .and_then(|p| p.start.as_ref());
            lenient_date("onsetPeriod.start", start, warnings)
        })
        .or_else(|| {
            let last = resource.last_occurrence.as_ref();
            lenient_date("lastOccurrence", last, warnings)
        })
        .or_else(|| lenient_date("recordedDate", resource.recorded_date.as_ref(), warnings));
    Some(DrugReaction {
        id: 0,
        substance,
        codes,
        kind: resource.kind.as_deref().map(|k| k.trim().to_owned()),
        criticality: resource.criticality.as_deref().map(|c| c.trim().to_owned()),
        reaction: manifestations.join("; "),
        onset,
        clinical_status: read_status(
            resource.clinical_status.as_ref(),
            ("clinicalStatus", "allergyintolerance-clinical"),
            ALLERGY_CLINICAL,
            warnings,
        ),
        verification_status: read_status(
            resource.verification_status.as_ref(),
            ("verificationStatus", "allergyintolerance-verification"),
            ALLERGY_VERIFICATION,
            warnings,
        ),
    })
}

/// The skip count of a DiagnosticReport whose conclusion states no response refract reads (an
/// X-ray's, a lab panel's), or states one its codes or other sentences contradict.
pub const REPORT_WITHOUT_RESPONSE: &str = "DiagnosticReport (no response refract reads)";

/// The skip count of an Observation whose only value is words refract does not read.
pub const UNREAD_WORDS: &str = "Observation (a value in words refract does not read)";

/// Whether an Observation (or a component of it) gives its value in words: a `valueString`, or
/// a `valueCodeableConcept` with words and no code.
fn has_unread_words(resource: &model::Observation) -> bool {
    let words = |string: Option<&String>, concept: Option<&CodeableConcept>| {
        string.is_some_and(|text| !text.trim().is_empty())
            || concept.is_some_and(|c| c.first_code().is_none() && c.words().is_some())
    };
    // A value beside a `dataAbsentReason` is none (ST-3), in words or not.
    (resource.data_absent_reason.is_none()
        && words(
            resource.value_string.as_ref(),
            resource.value_codeable_concept.as_ref(),
        ))
        || resource.component.iter().any(|component| {
            component.data_absent_reason.is_none()
                && words(
                    component.value_string.as_ref(),
                    component.value_codeable_concept.as_ref(),
                )
        })
}

/// What a resource refract skips or leaves out still says of itself: the patient it names (as
/// written) and when its source wrote it. The importer needs no more to take an earlier version
/// it stored out of the record, and to leave a newer one, or another patient's, alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Heading {
    /// The patient reference it names, when one can be read (a literal or logical reference).
    pub subject: Option<String>,
    /// Whether it has a `subject` at all: one written but naming nobody readable (a display
    /// alone) still says the resource is about someone, who may be another patient.
    pub subject_written: bool,
    pub last_updated: Option<String>,
}

/// The [`Heading`] of a resource, read field by field: a resource left out for a wrong shape
/// elsewhere still names its patient and its time.
pub fn heading_of(raw: &RawResource<'_>) -> Heading {
    let Ok(serde_json::Value::Object(mut fields)) =
        serde_json::from_str::<serde_json::Value>(raw.json)
    else {
        return Heading::default();
    };
    // R4 names an AllergyIntolerance's patient `patient`.
    let field = if raw.resource_type == "AllergyIntolerance" {
        "patient"
    } else {
        "subject"
    };
    let written = fields.remove(field).filter(|value| !value.is_null());
    let subject_written = written.is_some();
    let subject = written.and_then(|value| serde_json::from_value::<model::Reference>(value).ok());
    let last_updated = fields
        .remove("meta")
        .and_then(|value| serde_json::from_value::<model::Meta>(value).ok())
        .and_then(|meta| meta.last_updated);
    Heading {
        subject: subject_of(subject.as_ref()).ok().map(|s| s.reference),
        subject_written,
        last_updated,
    }
}

/// The `meta.tag` code a server marks an incomplete copy with (a search's `_elements` or
/// `_summary`, R4 search.html#elements and #summary): "an incomplete resource … SHALL NOT be used
/// for update". Its system is `http://terminology.hl7.org/CodeSystem/v3-ObservationValue`; the
/// code is read in any case and under any system, since taking a whole resource for a summary
/// only leaves it as stored, while the reverse removes or overwrites what it omits.
const SUBSETTED: &str = "SUBSETTED";

/// Whether a resource is a summary copy (see [`SUBSETTED`]): never a version of the resource
/// to store, update or remove from.
pub fn is_summary_copy(raw: &RawResource<'_>) -> bool {
    #[derive(serde::Deserialize)]
    struct MetaOnly {
        meta: Option<model::Meta>,
    }
    // Most resources never mention the word, and only those that do are parsed again; a fast
    // substring search of its usual spellings (upper, lower, capitalised) keeps large files
    // quick.
    let mentions = ["UBSETTED", "ubsetted", "ubSetted"]
        .iter()
        .any(|spelling| raw.json.contains(spelling));
    mentions
        && serde_json::from_str::<MetaOnly>(raw.json)
            .ok()
            .and_then(|read| read.meta)
            .is_some_and(|meta| {
                meta.tag.iter().any(|tag| {
                    tag.code
                        .as_deref()
                        .is_some_and(|code| code.trim().eq_ignore_ascii_case(SUBSETTED))
                })
            })
}

/// A Device affixed to a patient (`Device.patient`) as the patient's device row (see
/// `devices::affixed_row`), kept under the Device's own key, so that a statement or a procedure
/// naming the Device still finds what it is (`devices::product_of_row`).
fn affixed_device(
    raw: &RawResource<'_>,
    device: &model::Device,
    patient: &model::Reference,
) -> Result<Mapping, String> {
    let subject = subject_of(Some(patient))?;
    if raw.id.or(raw.full_url).is_none() {
        return Err(String::from(
            "a Device with no id, which nothing can refer to",
        ));
    }
    let Some(concept) = devices::device_concept(device) else {
        return Ok(Mapped::Skipped(String::from("Device (no type, name or title)")).into());
    };
    let procedure = devices::affixed_row(&concept, device.status.as_deref());
    refuse_oversized(
        [("display", Some(procedure.display.as_str()))]
            .into_iter()
            .chain(procedure.codings.iter().flat_map(|c| {
                [
                    ("coding's system", Some(c.system.as_str())),
                    ("coding's code", Some(c.code.as_str())),
                    ("coding's display", Some(c.display.as_str())),
                ]
            })),
    )?;
    Ok(clinical(
        raw,
        subject,
        None,
        None,
        Item::Procedure(procedure),
    ))
}

/// An imaging study (an ImagingStudy, or an imaging DiagnosticReport) as its procedure row:
/// `dated` coded and dated as a procedure is, shown as `words`; `date_field` names the element
/// its date came from, in the warnings.
fn imaging_row(
    raw: &RawResource<'_>,
    subject: Subject,
    meta: Option<&model::Meta>,
    dated: &model::Procedure,
    words: String,
    date_field: &str,
) -> Result<Mapping, String> {
    let mut warnings = Vec::new();
    let Some(mut procedure) = map_procedure(dated, &mut warnings)? else {
        return Ok(Mapped::Skipped(format!("{} (no code)", raw.resource_type)).into());
    };
    for warning in &mut warnings {
        *warning = warning
            .replace("performedPeriod", "effectivePeriod")
            .replace("performed[x]", date_field);
    }
    procedure.display = words;
    for concept in &dated.reason_code {
        Indication::add_unique(&mut procedure.indications, indication_of_concept(concept));
    }
    procedure.named_conditions = named_conditions(&dated.reason_reference);
    refuse_oversized(
        [("display", Some(procedure.display.as_str()))]
            .into_iter()
            .chain(procedure.codings.iter().flat_map(|c| {
                [
                    ("coding's system", Some(c.system.as_str())),
                    ("coding's code", Some(c.code.as_str())),
                    ("coding's display", Some(c.display.as_str())),
                ]
            })),
    )?;
    let mut mapping = clinical(raw, subject, None, meta, Item::Procedure(procedure));
    mapping.warnings = warnings;
    Ok(mapping)
}

fn clinical(
    raw: &RawResource<'_>,
    subject: Subject,
    refers: Option<String>,
    meta: Option<&model::Meta>,
    item: Item,
) -> Mapping {
    Mapped::Resource(ImportedResource {
        resource_type: raw.resource_type,
        id: raw.id.map(str::to_owned),
        subject: subject.reference,
        subject_named: subject.named,
        refers,
        last_updated: meta.and_then(|m| m.last_updated.clone()),
        item,
    })
    .into()
}

/// Why a medication record that is not cancelled is still no evidence the drug was given, if it
/// is not. FHIR R4: a request whose `intent` is `proposal` ("a suggestion … without providing
/// an authorization to act"), `plan` ("an intention to ensure something occurs without
/// providing an authorization for others to act") or `option` (one alternative of a
/// RequestGroup, of which one may be chosen); a statement `intended` ("may be taken at some
/// time in the future"). Every kind of order, `directive`, an intent refract does not know and
/// no intent at all are read as given: a request is an order unless it says it is not. A
/// request with `doNotPerform` true is the opposite of an order: it forbids giving the drug
/// ("If true indicates that the provider is asking for the medication request not to occur").
fn not_yet_given(resource_type: &str, resource: &model::MedicationUse) -> Option<String> {
    match resource_type {
        "MedicationRequest" if resource.do_not_perform == Some(true) => Some(String::from(
            "a request not to give the drug (doNotPerform): not an exposure",
        )),
        "MedicationRequest" => match resource.intent.as_deref() {
            Some(intent @ ("proposal" | "plan" | "option")) => Some(format!(
                "a request with intent '{intent}', which authorizes no one to give the drug: \
                 not an exposure"
            )),
            _ => None,
        },
        "MedicationStatement" => (resource.status.as_deref() == Some("intended")).then(|| {
            String::from(
                "a statement with status 'intended' (the drug may be taken in the future): \
                 not an exposure",
            )
        }),
        "MedicationDispense" => not_handed_over(resource),
        _ => None,
    }
}

/// Why a record of an older FHIR version says the drug was not taken or not given, if it does:
/// STU3's `taken: n` ("the patient is not taking the medication") and `notGiven`, DSTU2's
/// `wasNotTaken` and `wasNotGiven`. R4 says it by the status (`not-taken`, `not-done`); these
/// flags beside a status such as `completed` said it too, and were read as the drug given
/// (ST-5). Left out as a record not given, with a warning.
fn said_not_given(resource: &model::MedicationUse) -> Option<String> {
    // STU3 medication-statement-taken `na`: "not applicable" (ST-8), no assertion the drug was
    // taken at all: no exposure, as `n` is. `unk` is read as R4's `unknown` status (see
    // `map_medication`). Read whatever its case, as a status is (ST-7).
    let flag = if taken_code(resource).as_deref() == Some("n") {
        "taken: n"
    } else if taken_code(resource).as_deref() == Some("na") {
        "taken: na, not applicable"
    } else if resource.was_not_taken == Some(true) {
        "wasNotTaken"
    } else if resource.not_given == Some(true) {
        "notGiven"
    } else if resource.was_not_given == Some(true) {
        "wasNotGiven"
    } else {
        return None;
    };
    Some(format!(
        "a record saying the drug was not taken or not given ({flag}): not an exposure"
    ))
}

/// STU3 MedicationStatement `taken` (`y`, `n`, `unk`, `na`) as its code (see
/// `status_words::code_of`).
fn taken_code(resource: &model::MedicationUse) -> Option<String> {
    resource
        .taken
        .as_deref()
        .map(|taken| super::status_words::code_of(taken).into_owned())
}

/// Why a dispense that is not cancelled or declined is still no evidence the patient got the
/// drug, if it is not. R4 medicationdispense-status: only `completed` says "the dispensed
/// product has been picked up"; `preparation` (staging has begun), `in-progress` ("ready for
/// pickup"), `on-hold` (paused) and `stopped` ("permanently halted, before all of them
/// occurred") say it was not, or not all of it. `unknown`, and no status at all (required by
/// R4, absent in some exports), are read as picked up only when the fill says the day it was
/// handed over (`whenHandedOver`): a source that dates the handover saw it happen, while one that
/// gives only `whenPrepared` may have packed a fill nobody collected.
fn not_handed_over(resource: &model::MedicationUse) -> Option<String> {
    match resource.status.as_deref() {
        Some("completed") => None,
        Some("unknown") | None if resource.when_handed_over.is_some() => None,
        Some("unknown") | None => Some(String::from(
            "a dispense of unknown status with no whenHandedOver: not known to have been \
             picked up, not an exposure",
        )),
        Some(status) => Some(format!(
            "a dispense with status '{status}' (not completed): not picked up, not an exposure"
        )),
    }
}

/// What a resource's R4 status says of it before it is read, one gate for every type that has
/// one (review D7): each list holds the type's own status codes, matched as written.
#[derive(Default)]
struct StatusGate {
    /// No such record (entered in error, cancelled, not done): a stored version is taken out.
    none: &'static [&'static str],
    /// Nothing to read yet, or the source does not know which status holds: skipped, the
    /// status said ("DiagnosticReport (registered)").
    not_yet: &'static [&'static str],
    /// Not (yet) what it records (a plan, a procedure under way): taken out as `none` is, with
    /// a warning naming it (`what`) and saying why (`why`), so that the team sees what was left.
    left_out: &'static [&'static str],
    what: &'static str,
    why: &'static str,
}

impl StatusGate {
    /// A record entered in error is none.
    const ENTERED_IN_ERROR: StatusGate = StatusGate {
        none: &["entered-in-error"],
        not_yet: &[],
        left_out: &[],
        what: "",
        why: "",
    };

    /// A report or an imaging study: entered in error or cancelled is none; `registered`
    /// ("nothing yet available") or `unknown` is no result yet.
    const NOT_YET_A_RESULT: StatusGate = StatusGate {
        none: &["entered-in-error", "cancelled"],
        not_yet: &["registered", "unknown"],
        left_out: &[],
        what: "",
        why: "",
    };

    /// The mapping a resource of `status` gets instead of being read; `None` when it is read.
    fn stops(
        &self,
        raw: &RawResource<'_>,
        meta: Option<&model::Meta>,
        status: Option<&str>,
    ) -> Option<Mapping> {
        let status = status?;
        if self.none.contains(&status) {
            return Some(removed(raw, meta));
        }
        if self.not_yet.contains(&status) {
            return Some(Mapped::Skipped(format!("{} ({status})", raw.resource_type)).into());
        }
        if self.left_out.contains(&status) {
            let mut mapping = removed(raw, meta);
            mapping.warnings.push(format!(
                "left out: {} with status '{status}' {}",
                self.what, self.why
            ));
            return Some(mapping);
        }
        None
    }
}

fn removed(raw: &RawResource<'_>, meta: Option<&model::Meta>) -> Mapping {
    match raw.id.or(raw.full_url) {
        Some(id) => Mapped::Removed {
            resource_type: raw.resource_type.to_owned(),
            id: id.to_owned(),
            last_updated: meta.and_then(|m| m.last_updated.clone()),
        }
        .into(),
        None => Mapped::Skipped(format!("{} (not given, no id)", raw.resource_type)).into(),
    }
}

fn is_entered_in_error(status: Option<&CodeableConcept>) -> bool {
    let is_it = |written: &str| super::status_words::code_of(written) == "entered-in-error";
    status.is_some_and(|s| {
        s.coding
            .iter()
            .any(|c| c.code.as_deref().is_some_and(is_it))
            // Words alone that are the code (ST-10): never a diagnosis.
            || (s.first_code().is_none() && s.text.as_deref().is_some_and(is_it))
    })
}

fn subject_of(subject: Option<&model::Reference>) -> Result<Subject, String> {
    let reference = reference_of_subject(subject)?;
    let trimmed = |text: &Option<String>| {
        text.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    let named = SubjectNamed {
        identifier: subject
            .and_then(|s| s.identifier.as_ref())
            .and_then(|identifier| {
                let value = trimmed(&identifier.value)?;
                Some((trimmed(&identifier.system), value))
            }),
        display: subject.and_then(|s| trimmed(&s.display)),
    };
    Ok(Subject { reference, named })
}

fn reference_of_subject(subject: Option<&model::Reference>) -> Result<String, String> {
    let literal = subject
        .and_then(|s| s.reference.as_deref())
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    // A logical reference (R4 Reference.identifier) names the patient as a conditional
    // reference does: resolved the same way, against the file's Patients.
    let logical = || {
        let identifier = subject?.identifier.as_ref()?;
        let value = identifier
            .value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())?;
        // Escaped as a search writes them: a `|`, `%` or `&` in the value is the value's.
        Some(match identifier.system.as_deref() {
            Some(system) => format!(
                "Patient?identifier={}|{}",
                search_escaped(system),
                search_escaped(value)
            ),
            None => format!("Patient?identifier={}", search_escaped(value)),
        })
    };
    literal
        .or_else(logical)
        .ok_or_else(|| String::from("no subject (patient)"))
}

/// `text` as a search parameter's value: FHIR's escapes for `\\`, `|`, `,` and `$`, then URL
/// escapes for what would end the parameter or start an escape (`%`, `&`, `#`).
fn search_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '|' | ',' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '%' => out.push_str("%25"),
            '&' => out.push_str("%26"),
            '#' => out.push_str("%23"),
            _ => out.push(c),
        }
    }
    out
}

fn parse_as<'de, T: Deserialize<'de>>(raw: &RawResource<'de>) -> Result<T, String> {
    serde_json::from_str(raw.json)
        .map_err(|err| format!("not a valid {}: {err}", raw.resource_type))
}

/// A reference's key: `urn:uuid:…` and `#contained` as they are, `Type/id` (from a relative or
/// absolute URL, with or without a `/_history/<version>`) otherwise.
pub fn reference_key(reference: &str) -> String {
    let reference = reference.trim();
    if reference.starts_with("urn:") || reference.starts_with('#') {
        return reference.to_owned();
    }
    let unversioned = reference
        .split_once("/_history/")
        .map_or(reference, |(resource, _)| resource);
    let mut parts = unversioned.trim_end_matches('/').rsplit('/');
    match (parts.next(), parts.next()) {
        (Some(id), Some(kind)) => format!("{kind}/{id}"),
        _ => reference.to_owned(),
    }
}

pub use crate::domain::source_url::server_base;

/// Everything in a file, mapped, held in memory: for tests, fuzzing and benchmarks of the
/// mapping alone. The importer streams instead.
#[derive(Debug, Default)]
pub struct ParsedFile {
    pub mapped: Vec<Mapped>,
    /// (where, resource, why) for each resource left out or partly used.
    pub warnings: Vec<(String, String)>,
    pub resources: usize,
    pub skipped: BTreeMap<String, usize>,
}

/// Reads and maps a whole file held in memory.
pub fn parse_file(bytes: &[u8], rules: &Rules) -> Result<ParsedFile, FhirError> {
    let mut file = ParsedFile::default();
    let summary = each_in_bytes::<()>(bytes, |raw| {
        match map_resource(&raw, rules) {
            Ok(mapping) => {
                for warning in mapping.warnings {
                    file.warnings.push((raw.path.clone(), warning));
                }
                if let Mapped::Skipped(kind) = &mapping.mapped {
                    *file.skipped.entry(kind.clone()).or_default() += 1;
                }
                file.mapped.push(mapping.mapped);
            }
            Err(warning) => file.warnings.push((raw.path.clone(), warning)),
        }
        Ok(())
    })
    .map_err(|err| match err {
        StreamError::Fhir(err) => err,
        StreamError::Stopped(()) => FhirError::at("", "stopped"),
    })?;
    file.resources = summary.resources;
    Ok(file)
}

/// FHIR ids stop at 64 characters; a much longer one is not an id.
const MAX_ID_BYTES: usize = 1_000;

/// The longest text kept from a file (a name, an identifier, a code, a display): clinical
/// displays run to a few hundred characters, so anything longer is a broken resource, left out
/// rather than stored and drawn on every screen that shows the patient.
const MAX_TEXT_BYTES: usize = 10_000;

fn refuse_oversized<'t>(
    texts: impl IntoIterator<Item = (&'static str, Option<&'t str>)>,
) -> Result<(), String> {
    for (field, text) in texts {
        if let Some(text) = text
            && text.len() > MAX_TEXT_BYTES
        {
            return Err(format!(
                "its {field} is {} bytes long (at most {MAX_TEXT_BYTES} are kept)",
                text.len()
            ));
        }
    }
    Ok(())
}

fn condition_texts(c: &Condition) -> Vec<(&'static str, Option<&str>)> {
    let mut texts = vec![
        ("code", Some(c.code.as_str())),
        ("display", Some(c.display.as_str())),
        ("clinical status", c.clinical_status.as_deref()),
        ("verification status", c.verification_status.as_deref()),
    ];
    texts.extend(c.codings.iter().flat_map(|coding| {
        [
            ("coding's system", Some(coding.system.as_str())),
            ("coding's code", Some(coding.code.as_str())),
            ("coding's display", Some(coding.display.as_str())),
        ]
    }));
    texts
}

fn observation_texts(o: &Observation) -> Vec<(&'static str, Option<&str>)> {
    vec![
        ("code", Some(o.code.as_str())),
        ("display", Some(o.display.as_str())),
        ("coded value", o.value_code.as_deref()),
        ("unit", o.unit.as_deref()),
    ]
}

fn date_field(field: &str, value: Option<&String>) -> Result<Option<NaiveDateTime>, String> {
    value
        .map(|text| parse_datetime(text).map_err(|message| format!("{field}: {message}")))
        .transpose()
}

/// A concept's codings (those with a code or words), the one it is shown by (`chosen`, an
/// index into `code.coding`) first, so that an export writes it first and a re-import shows
/// it by the same one.
fn codings_shown_first(code: &CodeableConcept, chosen: Option<usize>) -> Vec<Coding> {
    chosen
        .and_then(|index| code.coding.get(index))
        .into_iter()
        .chain(
            code.coding
                .iter()
                .enumerate()
                .filter(|(index, _)| Some(*index) != chosen)
                .map(|(_, c)| c),
        )
        .map(|c| Coding {
            system: c
                .system
                .as_deref()
                .map(|system| canonical_system(system).to_owned())
                .unwrap_or_default(),
            code: c.code.clone().unwrap_or_default(),
            display: c.display.clone().unwrap_or_default(),
        })
        .filter(|c| !c.code.trim().is_empty() || !c.display.trim().is_empty())
        .collect()
}

/// One end of a period, read on the calendar of its other end: when the other is a date only
/// (a day of the source's own calendar) and this one a time with a zone offset, the time is
/// read as the source's wall-clock rather than as its instant in UTC, so that the period's
/// days are counted on one calendar (a start at 00:30+02:00, stored in UTC, falls on the day
/// before, and a 27-day trial to a date-only end would read 28).
fn date_field_beside(
    field: &str,
    value: Option<&String>,
    other: Option<&String>,
) -> Result<Option<NaiveDateTime>, String> {
    let is_day = |text: &String| text.trim().len() <= 10;
    match (value, other) {
        (Some(text), Some(other)) if is_day(other) && !is_day(text) => {
            match chrono::DateTime::parse_from_rfc3339(text.trim()) {
                Ok(zoned) => Ok(Some(zoned.naive_local())),
                Err(_) => date_field(field, value),
            }
        }
        _ => date_field(field, value),
    }
}

/// A date refract can do without: kept empty, with a warning, when it is not a date.
/// The precision a date was read at from `text` (a day when none was read).
fn precision_of(read: Option<NaiveDate>, text: Option<&String>) -> DatePrecision {
    match (read, text) {
        (Some(_), Some(text)) => DatePrecision::of_text(text),
        _ => DatePrecision::Day,
    }
}

fn lenient_date(
    field: &str,
    value: Option<&String>,
    warnings: &mut Vec<String>,
) -> Option<NaiveDate> {
    // A day (a birth, a death, an onset) is the record's own local day: 21:00-05:00 on the
    // 1st is the 1st, though its UTC instant is on the 2nd.
    let offset = value.and_then(|text| utc_offset_minutes(text));
    match date_field(field, value) {
        Ok(date) => date.map(|at| crate::domain::local_day(at, offset)),
        Err(message) => {
            warnings.push(format!("{message}: left empty"));
            None
        }
    }
}

/// The name a patient goes by now, of the names a record gives: an official one, else a usual
/// one, else any not marked `old` or `maiden`; of those, one with no `period.end`, else the one
/// that ended last (an end may be a planned one: the library reads no clock to tell); the first
/// name given when none is.
fn current_name(names: &[model::HumanName]) -> Option<&model::HumanName> {
    let end_of = |name: &model::HumanName| name.period.as_ref().and_then(|p| p.end.clone());
    let pick = |usage: Option<&str>| {
        let candidates = names.iter().filter(|name| {
            !matches!(name.usage.as_deref(), Some("old" | "maiden"))
                && usage.is_none_or(|usage| name.usage.as_deref() == Some(usage))
        });
        let mut latest: Option<&model::HumanName> = None;
        for name in candidates {
            if end_of(name).is_none() {
                return Some(name);
            }
            if latest.is_none_or(|best| end_of(name) > end_of(best)) {
                latest = Some(name);
            }
        }
        latest
    };
    pick(Some("official"))
        .or_else(|| pick(Some("usual")))
        .or_else(|| pick(None))
        .or_else(|| names.first())
}

/// Whether an identifier names this one person, so that a record carrying it is theirs (R4
/// Identifier.use, v2-0203 identifier types). Not: one no longer valid (`old`, or one whose
/// `period` has an end: see [`has_ended`]), a temporary one
/// (`temp`), one "assigned in secondary use" that "cannot be consistently assigned to the same
/// object again in a different context" (`secondary`), nor the numbers a family or a visit
/// shares: an insurance member or subscriber number (MB, SN: dependants carry the
/// subscriber's), an account number (AN: a guarantor's account covers a household), a visit
/// number (VN) (see `identifier_systems::SHARED_TYPES`), nor one a refract export says two
/// people carry. Such an identifier is still shown where it is the only one, never matched on.
fn names_one_person(identifier: &model::Identifier) -> bool {
    let usage_names_them = !matches!(
        identifier.usage.as_deref(),
        Some("old" | "temp" | "secondary")
    ) && !has_ended(identifier);
    let kind_names_them = !identifier.kind.as_ref().is_some_and(|kind| {
        kind.coding.iter().any(|coding| {
            coding
                .code
                .as_deref()
                .is_some_and(|code| identifier_systems::SHARED_TYPES.contains(&code))
        })
    });
    // An export of refract says so of a value two people carry (see
    // `identifier_systems::MATCH_URL`).
    let refract_matches_them = !identifier.extension.iter().any(|extension| {
        extension.url.as_deref() == Some(identifier_systems::MATCH_URL)
            && extension.value_code.as_deref() == Some(identifier_systems::NEVER_MATCHED)
    });
    // refract's own keys (a source's Patient ids, its merged records, its servers) are made by
    // the import from where a record came, never taken from what a file says: a file writing
    // one would be matched as another source's patient without any check.
    let not_refracts_key = !identifier
        .system
        .as_deref()
        .is_some_and(|system| system.trim_start().starts_with("urn:refract:patient-"));
    usage_names_them && kind_names_them && refract_matches_them && not_refracts_key
}

/// Whether an identifier's `period` has an end (R4 Identifier.period, "time period when id
/// is/was valid for use"): a number retired, as one marked `old` is, whatever its `use` says
/// (exports write a retired MRN with its end and `use: usual`). A number retired may be given
/// again to another person, so matching on it could join two people; an end still to come is
/// taken as one too, as refract reads no clock while importing (a planned end is rare on a
/// record number, and a record not joined is a record the team can still join, a wrong join
/// is not). The number is kept as the patient's former one, never shown as the MRN while
/// another is in use.
fn has_ended(identifier: &model::Identifier) -> bool {
    identifier
        .period
        .as_ref()
        .and_then(|period| period.end.as_deref())
        .is_some_and(|end| !end.trim().is_empty())
}

/// Of identifiers alike, the one in use (R4 `Identifier.period`, "during which identifier
/// is/was valid for use"): the first with no `period.end`, else the one that ended last (a
/// number retired at a merge, sent first, is not the one the team looks the patient up by).
/// An end still to come is not told apart: refract reads no clock while importing.
fn in_use<'a>(
    identifiers: impl Iterator<Item = &'a model::Identifier>,
) -> Option<&'a model::Identifier> {
    let end_of = |identifier: &model::Identifier| {
        identifier
            .period
            .as_ref()
            .and_then(|period| period.end.as_deref())
            .map(|end| parse_datetime(end).ok())
    };
    let mut latest: Option<(&model::Identifier, Option<NaiveDateTime>)> = None;
    for identifier in identifiers {
        let Some(end) = end_of(identifier) else {
            return Some(identifier);
        };
        if latest.is_none_or(|(_, best)| end > best) {
            latest = Some((identifier, end));
        }
    }
    latest.map(|(identifier, _)| identifier)
}

/// An identifier's type as refract keeps it (for an export to write back).
fn identifier_type(kind: &model::CodeableConcept) -> IdentifierType {
    let text = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|text| !text.is_empty())
            .map(str::to_owned)
    };
    IdentifierType {
        coding: kind
            .coding
            .iter()
            .map(|coding| TypeCoding {
                system: text(&coding.system),
                code: text(&coding.code),
                display: text(&coding.display),
            })
            .filter(|coding| coding != &TypeCoding::default())
            .collect(),
        text: text(&kind.text),
    }
}

fn map_patient(
    raw: &RawResource<'_>,
    resource: &model::Patient,
    warnings: &mut Vec<String>,
) -> Result<ImportedPatient, String> {
    let is_mrn = |identifier: &&model::Identifier| {
        identifier
            .kind
            .as_ref()
            .is_some_and(|kind| kind.coding.iter().any(|c| c.code.as_deref() == Some("MR")))
    };
    // A registered namespace written as its OID (a record converted from CDA) is the same
    // system as its URI: kept in one spelling, so that matching, naming and exporting agree.
    let system_of = |identifier: &model::Identifier| {
        identifier
            .system
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(identifier_systems::canonical)
    };
    let describe = |identifier: &model::Identifier| {
        let value = identifier.value.as_deref()?.trim();
        (!value.is_empty()).then(|| PatientIdentifier {
            system: system_of(identifier).unwrap_or_default(),
            value: value.to_owned(),
            usage: identifier
                .usage
                .as_deref()
                .map(str::trim)
                .filter(|usage| !usage.is_empty())
                .map(str::to_owned),
            kind: identifier.kind.as_ref().map(identifier_type),
        })
    };
    let described: Vec<PatientIdentifier> = resource
        .identifier
        .iter()
        .filter(|identifier| names_one_person(identifier))
        .filter_map(describe)
        .collect();
    let identifiers: Vec<(Option<String>, String)> = described
        .iter()
        .map(|identifier| {
            (
                Some(identifier.system.clone()).filter(|s| !s.is_empty()),
                identifier.value.clone(),
            )
        })
        .collect();
    let id = raw.id.or(raw.full_url).map(str::to_owned);
    // The MRN shown: a current medical record number, else any identifier of this person,
    // else any at all (an old number, a member number).
    let with_value = || {
        resource
            .identifier
            .iter()
            .filter(|i| i.value.as_deref().is_some_and(|v| !v.trim().is_empty()))
    };
    let shown = in_use(with_value().filter(|i| names_one_person(i)).filter(is_mrn))
        .or_else(|| in_use(with_value().filter(|i| names_one_person(i))))
        .or_else(|| in_use(with_value()));
    let mrn_is_record_number = shown.is_some_and(|identifier| is_mrn(&identifier));
    let mrn_described = shown.and_then(describe);
    let (mrn, mrn_system) = match shown {
        Some(identifier) => (
            identifier.value.as_deref().unwrap_or("").trim().to_owned(),
            system_of(identifier).unwrap_or_default(),
        ),
        None => (
            raw.id
                .map(str::to_owned)
                .ok_or_else(|| String::from("a Patient with no identifier and no id"))?,
            String::new(),
        ),
    };
    let name = current_name(&resource.name);
    let (family_name, given_name) = match name {
        Some(name) => {
            let family = name.family.clone().unwrap_or_default();
            let given = name.given.join(" ");
            if family.is_empty() && given.is_empty() {
                (name.text.clone().unwrap_or_default(), String::new())
            } else {
                (family, given)
            }
        }
        None => (String::new(), String::new()),
    };
    let sex = match resource.gender.as_deref() {
        Some("female") => Sex::Female,
        Some("male") => Sex::Male,
        Some("other") => Sex::Other,
        _ => Sex::Unknown,
    };
    let mut texts: Vec<(&'static str, Option<&str>)> = vec![
        ("identifier (MRN)", Some(mrn.as_str())),
        ("family name", Some(family_name.as_str())),
        ("given name", Some(given_name.as_str())),
    ];
    for (system, value) in &identifiers {
        texts.push(("identifier", Some(value.as_str())));
        texts.push(("identifier system", system.as_deref()));
    }
    refuse_oversized(texts)?;
    let birth_date = lenient_date("birthDate", resource.birth_date.as_ref(), warnings);
    // A year or a month alone ("1980"): kept as its first day, and said to be no more.
    let birth_precision = precision_of(birth_date, resource.birth_date.as_ref());
    let deceased_date = lenient_date(
        "deceasedDateTime",
        resource.deceased_date_time.as_ref(),
        warnings,
    );
    // A death of a year or a month alone (R4's dateTime allows both) was on a day it does not
    // say: its first day would close the record on a day made up, cutting what was given and
    // measured in the months the patient lived through. It is a death on a day not known (the
    // record then ends on the last day it speaks of), its month or year kept as written (shown
    // and exported as received), the text written said in the warning.
    let (deceased_date, deceased_in) = match (deceased_date, resource.deceased_date_time.as_ref()) {
        (Some(day), Some(text)) if precision_of(Some(day), Some(text)) != DatePrecision::Day => {
            warnings.push(format!(
                "deceasedDateTime '{}' gives no day: kept as a death in that {} on a day not known",
                text.trim(),
                precision_of(Some(day), Some(text)).as_str()
            ));
            (
                None,
                PartialDate::new(day, precision_of(Some(day), Some(text))),
            )
        }
        (day, _) => (day, None),
    };
    // A deceasedDateTime says the patient died even when its date cannot be read (kept as a
    // death on a day not known); deceasedBoolean false says nothing more than its absence.
    let deceased = resource.deceased_boolean == Some(true) || resource.deceased_date_time.is_some();
    Ok(ImportedPatient {
        id,
        patient: Patient {
            id: PatientId(0),
            mrn,
            mrn_system,
            family_name,
            given_name,
            birth_date,
            birth_precision,
            sex,
            deceased,
            deceased_date,
            deceased_in,
            care_team: None,
        },
        identifiers,
        described,
        mrn_is_record_number,
        last_updated: resource.meta.as_ref().and_then(|m| m.last_updated.clone()),
        mrn_described,
        says_alive: resource.deceased_boolean == Some(false)
            && resource.deceased_date_time.is_none(),
        same_as: linked_patients(resource.link.iter(), raw.full_url, warnings),
        superseded: resource
            .link
            .iter()
            .any(|link| link.kind.as_deref() == Some("replaced-by")),
        replaces: linked_patients(
            resource
                .link
                .iter()
                .filter(|link| link.kind.as_deref() == Some("replaces")),
            raw.full_url,
            &mut Vec::new(),
        ),
        merged_with: linked_patients(
            resource
                .link
                .iter()
                .filter(|link| matches!(link.kind.as_deref(), Some("replaces" | "replaced-by"))),
            raw.full_url,
            &mut Vec::new(),
        ),
        linked_identifiers: resource
            .link
            .iter()
            .filter_map(|link| {
                let other = link.other.as_ref()?;
                // A link with an address is followed by it; one to a RelatedPerson joins no one.
                if other.reference.is_some()
                    || other.kind.as_deref().is_some_and(|kind| kind != "Patient")
                {
                    return None;
                }
                let identifier = other.identifier.as_ref()?;
                let value = identifier.value.as_deref().map(str::trim)?;
                Some(LinkedIdentifier {
                    system: identifier
                        .system
                        .as_deref()
                        .map(str::trim)
                        .filter(|system| !system.is_empty())
                        .map(identifier_systems::canonical),
                    value: value.to_owned(),
                    replaces: link.kind.as_deref() == Some("replaces"),
                    merges: matches!(link.kind.as_deref(), Some("replaces" | "replaced-by")),
                })
            })
            .filter(|linked| !linked.value.is_empty())
            .collect(),
        names: resource
            .name
            .iter()
            .map(|name| {
                let family = name.family.as_deref().unwrap_or_default().trim().to_owned();
                let given = name.given.join(" ").trim().to_owned();
                if family.is_empty() && given.is_empty() {
                    (
                        name.text.as_deref().unwrap_or_default().trim().to_owned(),
                        String::new(),
                    )
                } else {
                    (family, given)
                }
            })
            // A name too long to keep is no name a person types.
            .filter(|(family, given)| {
                !(family.is_empty() && given.is_empty())
                    && family.len() <= MAX_TEXT_BYTES
                    && given.len() <= MAX_TEXT_BYTES
            })
            .collect(),
        former_identifiers: resource
            .identifier
            .iter()
            .filter(|identifier| {
                identifier.usage.as_deref() == Some("old") || has_ended(identifier)
            })
            .filter_map(|identifier| {
                let value = identifier.value.as_deref()?.trim();
                (!value.is_empty()).then(|| (system_of(identifier), value.to_owned()))
            })
            .collect(),
    })
}

/// The ids of the Patient resources of the same source a Patient's links name (a RelatedPerson
/// is someone else's record of them, not the patient's own: left out). A link to a Patient on
/// another server (an absolute URL whose base is not the record's own) names that server's
/// record, which may share an id with another person here: left out, and said.
fn linked_patients<'a>(
    links: impl Iterator<Item = &'a model::PatientLink>,
    own_url: Option<&str>,
    warnings: &mut Vec<String>,
) -> Vec<String> {
    let own_base = own_url.and_then(server_base);
    links
        .filter_map(|link| link.other.as_ref()?.reference.as_deref())
        .filter_map(|reference| {
            if let Some(base) = server_base(reference)
                && Some(base) != own_base
            {
                warnings.push(format!(
                    "link to '{reference}': a Patient of another server, not joined to this one"
                ));
                return None;
            }
            let key = reference_key(reference);
            if let Some(uuid) = key.strip_prefix("urn:uuid:") {
                return Some(uuid.to_owned());
            }
            match key.split_once('/') {
                Some(("Patient", id)) if !id.is_empty() && !id.contains('?') => Some(id.to_owned()),
                _ => None,
            }
        })
        .collect()
}

fn map_condition(
    resource: &model::Condition,
    rules: &Rules,
    warnings: &mut Vec<String>,
) -> Option<Condition> {
    let code = resource.code.as_ref()?;
    let candidates: Vec<(usize, Condition)> = code
        .coding
        .iter()
        .enumerate()
        .filter_map(|(index, coding)| {
            let value = coding.code.clone()?;
            Some((
                index,
                Condition {
                    id: 0,
                    system: ConditionCodeSystem::from_uri(coding.system.as_deref().unwrap_or("")),
                    code: value,
                    display: code
                        .text
                        .clone()
                        .or_else(|| coding.display.clone())
                        .unwrap_or_default(),
                    onset: None,
                    abatement: None,
                    onset_precision: crate::domain::DatePrecision::Day,
                    abatement_precision: crate::domain::DatePrecision::Day,
                    recorded_precision: crate::domain::DatePrecision::Day,
                    abated_on_unknown_day: false,
                    recorded: None,
                    clinical_status: None,
                    verification_status: None,
                    codings: Vec::new(),
                },
            ))
        })
        .collect();
    // Shown by the coding a rule set recognises (as the diagnosis it applies to, or as one
    // that excludes it: a bipolar disorder is named by its bipolar code, not by the vague
    // mood-disorder code beside it), else ICD-10, else SNOMED CT, else the first. Which one
    // only changes how it is shown: every coding is kept and matched (`Condition::codings`).
    let recognised = |c: &Condition| {
        rules.sets.iter().any(|set| {
            selected_by(c, &set.applies_to)
                || set.exclusions.iter().any(|exclusion| {
                    condition_matches(c, &exclusion.icd10, &exclusion.snomed, &exclusion.names)
                })
        })
    };
    let chosen = candidates
        .iter()
        .find(|(_, c)| recognised(c))
        .or_else(|| {
            candidates
                .iter()
                .find(|(_, c)| c.system == ConditionCodeSystem::Icd10)
        })
        .or_else(|| {
            candidates
                .iter()
                .find(|(_, c)| c.system == ConditionCodeSystem::Snomed)
        })
        .or_else(|| candidates.first())
        .cloned();
    let chosen_index = chosen.as_ref().map(|(index, _)| *index);
    let mut condition = chosen.map(|(_, c)| c).or_else(|| {
        code.text.clone().map(|text| Condition {
            id: 0,
            system: ConditionCodeSystem::Other,
            code: String::new(),
            display: text,
            onset: None,
            abatement: None,
            onset_precision: crate::domain::DatePrecision::Day,
            abatement_precision: crate::domain::DatePrecision::Day,
            recorded_precision: crate::domain::DatePrecision::Day,
            abated_on_unknown_day: false,
            recorded: None,
            clinical_status: None,
            verification_status: None,
            codings: Vec::new(),
        })
    })?;
    // Every coding when there are several.
    let codings = codings_shown_first(code, chosen_index);
    if codings.len() > 1 {
        condition.codings = codings;
    }
    // Only a dated onset is one. `recordedDate` is when the diagnosis was written down (an
    // encounter diagnosis of a depression treated for years is recorded on the day of the
    // visit): read as the onset, it put every earlier trial before the current episode. An
    // onset in words or as an age is no date (an age would need the birth date, another
    // resource, and is a year wide): the onset is unknown, which excludes no trial. So is an
    // `onsetPeriod` with an end alone (R4: its start not known): begun by then, how long
    // before not known.
    let onset = resource.onset_date_time.as_ref().or_else(|| {
        resource
            .onset_period
            .as_ref()
            .and_then(|p| p.start.as_ref())
    });
    condition.onset = lenient_date("onset", onset, warnings);
    // "2019-05", "2019": a month or a year as R4's dateTime allows, never a day made up.
    condition.onset_precision = precision_of(condition.onset, onset);
    // Kept apart from the onset (above): the diagnosis began on or before the day it was
    // written down, a bound of the episode it names, never its start.
    condition.recorded = lenient_date("recordedDate", resource.recorded_date.as_ref(), warnings);
    // A month or a year alone, as for the onset: some day of it, never its first day made up.
    condition.recorded_precision =
        precision_of(condition.recorded, resource.recorded_date.as_ref());
    let abatement = resource.abatement_date_time.as_ref().or_else(|| {
        resource
            .abatement_period
            .as_ref()
            .and_then(|p| p.end.as_ref())
    });
    condition.abatement = lenient_date("abatement", abatement, warnings);
    condition.abatement_precision = precision_of(condition.abatement, abatement);
    // Words may name a day (or a month, a year: surely abated by its last day).
    if condition.abatement.is_none() {
        condition.abatement = resource
            .abatement_string
            .as_deref()
            .and_then(date_words::window_of)
            .map(|(_, last)| last);
    }
    // Every type of R4 `abatement[x]` says the condition abated (an age or a range of ages
    // would need the birth date, another resource, and is a year wide): when no day can be
    // read from it, it abated on a day not known, which still ends a remission.
    condition.abated_on_unknown_day = condition.abatement.is_none()
        && (resource.abatement_date_time.is_some()
            || resource.abatement_period.is_some()
            || resource.abatement_age.is_some()
            || resource.abatement_range.is_some()
            || resource.abatement_string.is_some()
            || resource.abatement_boolean == Some(true));
    condition.clinical_status = read_status(
        resource.clinical_status.as_ref(),
        ("clinicalStatus", "condition-clinical"),
        CONDITION_CLINICAL,
        warnings,
    );
    condition.verification_status = read_status(
        resource.verification_status.as_ref(),
        ("verificationStatus", "condition-ver-status"),
        CONDITION_VERIFICATION,
        warnings,
    );
    Some(condition)
}

/// A Condition's or an AllergyIntolerance's status held as a CodeableConcept, read by its code
/// (see [`CodeableConcept::status_read`]), with one warning when it was written otherwise than
/// FHIR's code (another case, spaces, words alone) or is no code of its value set, as a
/// resource's own `status` is (ST-7, ST-10).
fn read_status(
    concept: Option<&CodeableConcept>,
    (element, code_system): (&str, &str),
    codes: &[&str],
    warnings: &mut Vec<String>,
) -> Option<String> {
    let read = concept?.status_read(code_system, codes)?;
    if let Some(written) = read.written {
        warnings.push(format!(
            "its {element} '{}' is not written as FHIR's code (codes are case-sensitive, and \
             words are no code): read as '{}'",
            crate::text::flat_words(written),
            read.code
        ));
    } else if !codes.contains(&read.code) {
        warnings.push(format!(
            "its {element} '{}' is no code of FHIR's {code_system}: kept as written, not \
             understood",
            crate::text::flat_words(read.code)
        ));
    }
    Some(read.code.to_owned())
}

/// R4 condition-clinical's codes (`relapse` is R4's too).
const CONDITION_CLINICAL: &[&str] = &[
    "active",
    "recurrence",
    "relapse",
    "inactive",
    "remission",
    "resolved",
];

/// R4 condition-ver-status's codes.
const CONDITION_VERIFICATION: &[&str] = &[
    "unconfirmed",
    "provisional",
    "differential",
    "confirmed",
    "refuted",
    "entered-in-error",
];

/// R4 allergyintolerance-clinical's codes.
const ALLERGY_CLINICAL: &[&str] = &["active", "inactive", "resolved"];

/// R4 allergyintolerance-verification's codes, with R5's `presumed`.
const ALLERGY_VERIFICATION: &[&str] = &[
    "unconfirmed",
    "presumed",
    "confirmed",
    "refuted",
    "entered-in-error",
];

/// Matched in an extension's URL without case or hyphens: mCODE's `mcode-treatment-termination-reason`
/// (STU2 and later), `mcode-termination-reason` (STU1), and local `terminationReason` variants.
const TERMINATION_REASON: &str = "terminationreason";

/// The times a record's dosages say the drug is given (R4 `Timing.event`, "when the event
/// occurs": a single dose ordered for a day, a cycle's infusion), by instant; an event that
/// cannot be read is passed over.
fn events(resource: &model::MedicationUse) -> impl Iterator<Item = (NaiveDateTime, &String)> {
    resource
        .dosage_instruction
        .iter()
        .filter_map(|dosage| dosage.timing.as_ref())
        .chain(
            resource
                .dosage
                .iter()
                .filter_map(|dosage| dosage.timing.as_ref()),
        )
        .flat_map(|timing| timing.event.iter())
        .filter_map(|text| Some((parse_datetime(text).ok()?, text)))
}

/// The first of a record's [`events`].
fn first_event(resource: &model::MedicationUse) -> Option<&String> {
    events(resource)
        .min_by_key(|(at, _)| *at)
        .map(|(_, text)| text)
}

/// The last of a record's [`events`]: a record dated by its events alone is given from the
/// first to the last (review RV-4: a year of events had been "given on the first day only").
fn last_event(resource: &model::MedicationUse) -> Option<&String> {
    events(resource)
        .max_by_key(|(at, _)| *at)
        .map(|(_, text)| text)
}

/// A medication record and the Medication it refers to (when not carried in the record).
fn map_medication(
    raw: &RawResource<'_>,
    resource: &model::MedicationUse,
    rules: &Rules,
    warnings: &mut Vec<String>,
) -> Result<(MedicationRecord, Option<String>), String> {
    let (concept, refers) = match (
        &resource.medication_codeable_concept,
        &resource.medication_reference,
    ) {
        (Some(concept), _) => (Some(Product::of_concept(concept.clone())), None),
        (None, Some(reference)) => {
            let target = reference.reference.as_deref().unwrap_or("").trim();
            if let Some(local) = target.strip_prefix('#') {
                let contained = resource
                    .contained
                    .iter()
                    .find(|c| {
                        c.id.as_deref() == Some(local)
                            && c.resource_type.as_deref() == Some("Medication")
                    })
                    .ok_or_else(|| {
                        format!("medicationReference '{target}': no such contained Medication")
                    })?;
                // Its ingredients' `#id` name the record's contained resources.
                let mut product = product::product_of(
                    contained.code.as_ref(),
                    contained.form.as_ref(),
                    contained.amount.as_ref(),
                    &contained.ingredient,
                    &resource.contained,
                    warnings,
                );
                // An ingredient outside the record is not looked for: the record's drug is
                // finished from the record alone (see the README).
                for ingredient in &mut product.ingredients {
                    if let Some(target) = ingredient.refers.take() {
                        warnings.push(format!(
                            "its contained Medication's ingredient '{target}' is outside the \
                             record and not followed: {}",
                            product::named_by(ingredient.display.as_deref())
                        ));
                    }
                }
                (Some(product), None)
            } else if target.is_empty() {
                // Only a display: the words are the drug.
                let words = reference.display.clone();
                (
                    words.map(|text| {
                        Product::of_concept(CodeableConcept {
                            coding: Vec::new(),
                            text: Some(text),
                        })
                    }),
                    None,
                )
            } else {
                (None, Some(target.to_owned()))
            }
        }
        (None, None) => return Err(String::from("no medication")),
    };
    // A concept of blank words and no code names no drug.
    let concept = concept.filter(Product::names_something);
    if let Some(product) = &concept {
        warnings.extend(product_names_disagree(product, &rules.book));
        warnings.extend(unidentified_warning(product, &rules.book));
    }
    if concept.is_none() && refers.is_none() {
        return Err(String::from(
            "a medication with neither a code nor a reference",
        ));
    }

    let dispensed = raw.resource_type == "MedicationDispense";
    // The drug's own name in its dosage text names no other drug (see `dosage_text::read_of`).
    let own = concept.as_ref().map_or_else(Vec::new, |product| {
        dosage_text::own_name_words(product.texts().into_iter().filter_map(|(kind, text)| {
            matches!(
                kind,
                "medication text" | "medication display" | "ingredient display"
            )
            .then_some(text)
            .flatten()
        }))
    });
    let (mut dosages, timings) = dose_lines(resource, &own);
    let said = warnings.len();
    let (start, end, mut dates) = if dispensed {
        dispense_period(resource)?
    } else {
        medication_period(raw, resource, &timings, warnings)?
    };
    // Unless the period said more of why its dates are not known (an end alone).
    if dates == DatesKnown::Unknown && warnings.len() == said {
        warnings.push(String::from(
            "no period recorded: kept at the one date it has, its duration unknown",
        ));
    }
    // refract's own export of a drug known from fills: a statement over the supply that says so.
    if dates == DatesKnown::Stated
        && end.is_some()
        && carried::dates_known(&resource.extension) == Some(DatesKnown::Dispensed)
    {
        dates = DatesKnown::Dispensed;
    }
    // A fill's quantity: how long a supply not recorded lasts at the dose a day, or the dose a
    // day of one that gives no dosage over the supply recorded (see `finish_medication`).
    let supply = if dispensed {
        resource
            .quantity
            .as_ref()
            .and_then(|q| Some((q.value?, dose_unit(q).to_owned())))
            .filter(|(value, _)| value.is_finite() && *value > 0.0)
    } else {
        None
    };
    // A fill naming its order may take the order's dosage (see `take_dosage_of_orders`).
    let dosage_of_order =
        resource.dosage_instruction.is_empty() && !prescriptions_named(resource).is_empty();
    if dispensed
        && dates == DatesKnown::EndUnknown
        && (supply.is_none() || (resource.dosage_instruction.is_empty() && !dosage_of_order))
    {
        warnings.push(String::from(
            "no daysSupply, and no quantity and dosage to work it out from: given from the \
             day it was handed over, for how long not known",
        ));
    }
    let (utc_offset_minutes, end_utc_offset_minutes) =
        medication_offsets(resource, &timings, start, end);
    // STU3 `taken: unk`, "unknown that the patient has taken the medication" (ST-8): whether
    // it was taken, and so which status holds, is not known: read as R4's `unknown` status,
    // whatever status is written beside it.
    let taken_unknown = raw.resource_type == "MedicationStatement"
        && taken_code(resource).as_deref() == Some("unk");
    let status = if taken_unknown {
        "unknown"
    } else {
        resource.status.as_deref().unwrap_or("")
    };
    let active = !dispensed && matches!(status, "active" | "in-progress");
    let end_recorded = end.is_some() && matches!(dates, DatesKnown::Stated | DatesKnown::Dispensed);

    let readings: Vec<Read> = resource
        .extension
        .iter()
        .filter(|e| {
            e.url.as_deref().is_some_and(|u| {
                u.to_ascii_lowercase()
                    .replace(['-', '_'], "")
                    .contains(TERMINATION_REASON)
            })
        })
        .filter_map(|e| e.value_codeable_concept.as_ref())
        .chain(resource.status_reason.iter())
        .filter_map(|concept| stop_reason_of(concept, &rules.stop_reasons))
        .collect();
    // Several reasons (statusReason is a list) that state an efficacy failure and a cause of
    // another kind are read as one text saying both: not understood.
    let readings = rules.stop_reasons.combine(readings);
    let known = readings.iter().find_map(|read| match &read.reading {
        StopReading::Known(reason) => Some((*reason, read.words.clone())),
        StopReading::Unknown(_) => None,
    });
    let stop_reason = known.as_ref().map(|(reason, _)| *reason);
    // Words nothing understood are kept as written, for the clinician and the summary; a
    // reason understood keeps the record's own words beside it ("Failed to pick up from
    // pharmacy" beside "not taken as prescribed"), so that the team reads what was written.
    let stop_text = match known {
        Some((_, words)) => words,
        None => readings.iter().find_map(|read| match &read.reading {
            StopReading::Unknown(words) => Some(words.clone()),
            StopReading::Known(_) => None,
        }),
    };
    // A hold is shown as one: the drug is not given now. Its reason says why it was paused,
    // never that it stopped (ST-6): R4's `on-hold` is "temporarily halted", "expected to
    // continue later", so a hold for no response is no finished trial that failed, nor a stop
    // of another record's course. The reason understood is kept in its words after "on hold"
    // ("on hold: no response (Not effective)"), for the team to read, and no stop reason is
    // set; the record saying `stopped` is what makes a stop.
    let held = status == ON_HOLD && !dispensed;
    let hold_reason_understood = held && stop_reason.is_some();
    let (stop_reason, stop_text) = if held {
        let why = match (stop_reason, stop_text) {
            // Words that already begin with the reason, alone or before words in brackets (a
            // hold refract exported, read back), are kept as they are: the reason then leads
            // the hold's words as `DrugExposure::held_for` reads it (RV-2).
            (Some(reason), Some(words)) if !crate::domain::reason_leads(&words, reason.words()) => {
                Some(format!("{} ({words})", reason.words()))
            }
            (Some(_), Some(words)) => Some(words),
            (Some(reason), None) => Some(reason.words().to_owned()),
            (None, words) => words,
        };
        let text = match why {
            Some(why) => format!("{ON_HOLD_WORDS}: {why}"),
            None => String::from(ON_HOLD_WORDS),
        };
        (None, Some(text))
    } else {
        (stop_reason, stop_text)
    };

    // R4 `unknown`: one of the other statuses applies, the source does not know which (review
    // R9-6). No stop and no proof the drug goes on: read as given from its start, for how long
    // not known (as a record with no end), and said, so that the team asks rather than reads a
    // course of one day.
    if !dispensed
        && status == "unknown"
        && matches!(
            raw.resource_type,
            "MedicationRequest" | "MedicationStatement"
        )
    {
        warnings.push(String::from(
            "status unknown (the source does not know whether the drug is still given, stopped \
             or completed): given from its start, for how long not known",
        ));
    }
    // R4's status words saying the drug is no longer taken (see `MedicationRecord::stopped`);
    // refract's own statement of a course that ended says `completed` of that course alone.
    let ends_without_a_stop = carried::ends_without_a_stop(&resource.extension);
    let stopped = !dispensed
        && !ends_without_a_stop
        && matches!(
            (raw.resource_type, status),
            (_, "stopped") | ("MedicationStatement", "completed")
        );
    let dose_changed = resource
        .extension
        .iter()
        .filter(|e| {
            e.url.as_deref().is_some_and(|u| {
                u.to_ascii_lowercase()
                    .replace(['-', '_'], "")
                    .contains(TERMINATION_REASON)
            })
        })
        .filter_map(|e| e.value_codeable_concept.as_ref())
        .chain(resource.status_reason.iter())
        .flat_map(|concept| {
            concept
                .text
                .iter()
                .chain(concept.coding.iter().filter_map(|c| c.display.as_ref()))
        })
        .any(|words| rules.stop_reasons.says_dose_changed(words));

    // Which step a record reached is known only when its own period is: not when its start or
    // its end is unknown, nor on hold.
    let datable = dates == DatesKnown::Stated && status != ON_HOLD;
    let stepped = matches!(
        raw.resource_type,
        "MedicationRequest" | "MedicationStatement"
    );
    if stepped && dated_steps(&timings, &mut dosages, (start, end), datable) == Steps::Undated {
        // Cite `Dosage.sequence` only where numbers made the steps: entries with none are steps
        // because nothing says they are given together.
        let numbered = timings
            .iter()
            .any(|t| !t.as_needed && t.sequence.is_some_and(|n| n != ONE_DAY_SEQUENCE));
        warnings.push(String::from(if numbered {
            "its dosages are steps one after another (Dosage.sequence) with no dates of their \
             own: the whole record is read at its highest step, so weeks below it may count as \
             weeks at that dose"
        } else {
            "its dosages have no number and do not name different times of one day, so they \
             are read as steps one after another, with no dates of their own: the whole record \
             is read at its highest step, so weeks below it may count as weeks at that dose"
        }));
    }

    let reference_display = resource
        .medication_reference
        .as_ref()
        .filter(|_| refers.is_some())
        .and_then(|reference| reference.display.as_deref())
        .map(str::trim)
        .filter(|display| !display.is_empty())
        .map(str::to_owned);
    Ok((
        MedicationRecord {
            concept,
            reference_display,
            start,
            end,
            dates,
            active,
            end_recorded,
            stop_reason,
            stop_text,
            dosages,
            administered: raw.resource_type == "MedicationAdministration"
                && resource.effective_date_time.is_some()
                && resource.effective_period.is_none()
                && dates != DatesKnown::Unknown,
            // A completed fill says it was picked up, not that a course was given whole.
            completed: !dispensed && status == "completed",
            stopped,
            dose_changed,
            hold_reason_understood,
            stopped_by: resource
                .date_asserted
                .as_ref()
                .filter(|_| stopped && raw.resource_type == "MedicationStatement")
                .and_then(|text| parse_datetime(text).ok()),
            asserted: resource
                .date_asserted
                .as_ref()
                .or(resource.authored_on.as_ref())
                .filter(|_| !dispensed)
                .and_then(|text| parse_datetime(text).ok()),
            given_over_period: raw.resource_type == "MedicationAdministration"
                && resource.effective_period.is_some(),
            ends_without_a_stop,
            role: carried::role(&resource.extension),
            cycles: carried::cycles(&resource.extension),
            carried_dose_from: carried::dose_from(&resource.extension),
            dispensed,
            supply,
            utc_offset_minutes,
            end_utc_offset_minutes,
            // Boxed: most records carry none, and every record is kept while a file is read.
            order_supply: if raw.resource_type == "MedicationRequest" {
                order_supply(resource).map(Box::new)
            } else {
                None
            },
            reasons: stated_reasons(resource),
            prescriptions: prescriptions_named(resource),
            renews: if raw.resource_type == "MedicationRequest" {
                resource
                    .prior_prescription
                    .iter()
                    .filter(|reference| {
                        reference
                            .kind
                            .as_deref()
                            .is_none_or(|kind| kind.trim() == "MedicationRequest")
                    })
                    .filter_map(|reference| reference.reference.as_deref().map(str::trim))
                    .filter(|written| !written.is_empty())
                    .map(str::to_owned)
                    .collect()
            } else {
                Vec::new()
            },
            dosage_from_order: false,
            not_taken: false,
            day_taken: raw.resource_type == "MedicationStatement"
                && dates == DatesKnown::Unknown
                && resource.effective_date_time.is_some(),
        },
        refers,
    ))
}

/// The offsets from UTC a medication record's start and end were written in, kept so that the
/// days it was given are the record's own local days (see `DrugExposure::utc_offset_minutes`).
/// An offset belongs to the value written with it: each end takes the offset of the element it
/// was read from (its period's end, a request's `boundsPeriod`, `authoredOn`, a fill's
/// `whenHandedOver`…), the first in the order the period is read whose instant it is, so that
/// a date alone has none, whatever offset another element of the record (`dateAsserted`,
/// `authoredOn`) carries, and each end of a period across a daylight-saving change keeps its
/// own. A value no element gives as such is either read on a date's wall-clock (a time beside a
/// date-only end, see [`date_field_beside`]; a month's last day): none; or, for an end, worked
/// out from the start (a days supply, a duration, the start itself): the start's. UTC is kept
/// as none.
fn medication_offsets(
    resource: &model::MedicationUse,
    timings: &[LineTiming],
    start: NaiveDateTime,
    end: Option<NaiveDateTime>,
) -> (Option<i32>, Option<i32>) {
    let period = resource.effective_period.as_ref();
    let validity = resource
        .dispense_request
        .as_ref()
        .and_then(|d| d.validity_period.as_ref())
        .and_then(|p| p.start.as_ref());
    let mut starts = vec![
        period.and_then(|p| p.start.as_ref()),
        resource.effective_date_time.as_ref(),
    ];
    starts.extend(timings.iter().map(|t| t.period_start.as_ref()));
    let mut ends = vec![period.and_then(|p| p.end.as_ref())];
    ends.extend(timings.iter().map(|t| t.period_end.as_ref()));
    let others = [
        resource.when_handed_over.as_ref(),
        resource.when_prepared.as_ref(),
        resource.authored_on.as_ref(),
        resource.date_asserted.as_ref(),
        validity,
        first_event(resource),
        last_event(resource),
        resource.meta.as_ref().and_then(|m| m.last_updated.as_ref()),
    ];
    // `Some(offset)` for the first element whose instant `at` is (the offset none for a date
    // alone or UTC); `None` when no element is.
    let written = |at: NaiveDateTime, first: &[Option<&String>], then: &[Option<&String>]| {
        first
            .iter()
            .chain(then)
            .chain(&others)
            .flatten()
            .find_map(|text| {
                (parse_datetime(text).ok()? == at).then(|| {
                    utc_offset_minutes(text)
                        .filter(|minutes| *minutes != 0)
                        .filter(|_| text.trim().len() > 10)
                })
            })
    };
    let start_offset = written(start, &starts, &ends).flatten();
    let end_offset = end.and_then(|end| {
        if end == start {
            return start_offset;
        }
        written(end, &ends, &starts).unwrap_or(start_offset)
    });
    (start_offset, end_offset)
}

/// R4 status of a medication order, statement or administration whose actions "have been
/// temporarily halted, but are expected to continue later". Read as not given now: the criteria
/// count drugs given together now (a resistant hypertension's three classes), and a held drug
/// is not among them. The record does not say when the hold began, so it is read as a drug
/// stopped with no end recorded: given at least from its start, for how long after not known;
/// never as a course that ran until today. Its stop text says "on hold" (shown by `show` and the
/// patient screen), unless a reason for the hold was understood. A dispense on hold is no
/// handover (see `not_handed_over`).
const ON_HOLD: &str = "on-hold";

/// The period a pharmacy fill covers: (start, end, how much of it is known).
///
/// From the day it was handed over (`whenHandedOver`, else `whenPrepared`: a completed fill
/// was handed over once it was prepared, the day not recorded) for its `daysSupply`. A supply
/// not recorded is worked out from the quantity and the dose a day when the drug is known (see
/// [`finish_medication`]); until then, and for good when it cannot be, the fill was given at
/// least on its day, for how long after not known (`EndUnknown`): never a made-up length, and
/// never ongoing. A day of a month or a year only ("2024-03") is no day to count a supply from:
/// kept at its last day with its duration unknown, as a record of one date is; so is a fill
/// dated only by `meta.lastUpdated`.
fn dispense_period(
    resource: &model::MedicationUse,
) -> Result<(NaiveDateTime, Option<NaiveDateTime>, DatesKnown), String> {
    let handed_over = [
        ("whenHandedOver", resource.when_handed_over.as_ref()),
        ("whenPrepared", resource.when_prepared.as_ref()),
        (
            "meta.lastUpdated",
            resource.meta.as_ref().and_then(|m| m.last_updated.as_ref()),
        ),
    ]
    .into_iter()
    .find_map(|(field, text)| Some((field, text?)));
    let Some((field, text)) = handed_over else {
        return Err(String::from(
            "MedicationDispense has no date at all (no whenHandedOver, whenPrepared or \
             meta.lastUpdated): left out, so the criteria do not see this drug and an assessment \
             may read not refractory for want of it",
        ));
    };
    let Some(day) = date_field(field, Some(text))? else {
        return Err(format!("{field}: no date"));
    };
    if field == "meta.lastUpdated" {
        return Ok((day, Some(day), DatesKnown::Unknown));
    }
    if is_partial_date(text) {
        let last = last_day_of(text, day);
        return Ok((last, Some(last), DatesKnown::Unknown));
    }
    match resource.days_supply.as_ref().and_then(supply_days) {
        Some(days) => Ok((
            day,
            day.checked_add_signed(Duration::days(days)),
            DatesKnown::Dispensed,
        )),
        None => Ok((day, Some(day), DatesKnown::EndUnknown)),
    }
}

/// Whole days of a fill's `daysSupply`: a time (`d`, `wk`, `mo`… as a Duration's), or a bare
/// number, which the element says is days. None for no supply at all (0 days).
fn supply_days(quantity: &model::Quantity) -> Option<i64> {
    let days = if quantity
        .unit_text()
        .is_some_and(|unit| !unit.trim().is_empty())
    {
        days_of(quantity)?
    } else {
        let value = quantity.value?;
        if !(value.is_finite() && (0.0..=36_500.0).contains(&value)) {
            return None;
        }
        value.round() as i64
    };
    (days > 0).then_some(days)
}

/// The period a medication record states: (start, end, how much of it is known).
///
/// Each resource says it differently (FHIR R4): a statement or an administration by its
/// `effective[x]`; a request by its dosage's `timing.repeat.bounds[x]`, `authoredOn` being only
/// when it was written (for a patient-reported request, when the patient reported it), so it is
/// a start only when nothing better exists. A record with no period is kept at the one date it
/// has (`dateAsserted`, `authoredOn`, a request's `dispenseRequest.validityPeriod.start`,
/// `meta.lastUpdated`) with its duration unknown; a record stopped or completed
/// with no end date is known to have been given at least until its last date.
///
/// Dosages of different `sequence` numbers are steps given one after another (a titration): the
/// first step's bounds start the record, and only the last step's end it (an earlier step's
/// `boundsDuration` is when the dose went up, not when the drug stopped); when every step says
/// how long it lasts, the record lasts their sum.
fn medication_period(
    raw: &RawResource<'_>,
    resource: &model::MedicationUse,
    timings: &[LineTiming],
    warnings: &mut Vec<String>,
) -> Result<(NaiveDateTime, Option<NaiveDateTime>, DatesKnown), String> {
    // Lines taken as needed take no part in the steps (an as-needed line numbered as a step
    // of its own is no step after the last), unless the record has no other.
    let scheduled: Vec<&LineTiming> = timings.iter().filter(|t| !t.as_needed).collect();
    let timed: Vec<&LineTiming> = if scheduled.is_empty() {
        timings.iter().collect()
    } else {
        scheduled
    };
    // Steps: a sequence number (a written titration's steps within it), or the written steps of
    // a dosage with no number.
    let mut steps: Vec<(i64, usize, usize)> = timed
        .iter()
        .filter_map(|t| match t.sequence {
            Some(sequence) => Some((sequence, 0, t.part)),
            None => (t.part > 0 || timed.iter().any(|o| o.dosage == t.dosage && o.part > 0))
                .then_some((i64::MAX, t.dosage, t.part)),
        })
        .collect();
    steps.sort_unstable();
    steps.dedup();
    let in_step = |t: &LineTiming, (sequence, dosage, part): (i64, usize, usize)| {
        t.part == part
            && match t.sequence {
                Some(own) => own == sequence,
                None => sequence == i64::MAX && t.dosage == dosage,
            }
    };
    let (repeat, ending, steps_days): (Option<&LineTiming>, Option<&LineTiming>, Option<i64>) =
        match (steps.first(), steps.last()) {
            (Some(first), Some(last)) if first != last => {
                let of_step = |step: (i64, usize, usize)| {
                    dating_line(timed.iter().copied().filter(|t| in_step(t, step)))
                };
                // Every step's duration, when each states one (a century at most, as one's).
                let days = steps.iter().try_fold(0_i64, |total, step| {
                    let days = of_step(*step).and_then(|t| t.days)?;
                    total.checked_add(days).filter(|sum| *sum <= 36_500)
                });
                (of_step(*first), of_step(*last), days)
            }
            _ => {
                let repeat = dating_line(timed.iter().copied());
                let days = repeat.and_then(|t| t.days);
                (repeat, repeat, days)
            }
        };
    let bounds_start = repeat.and_then(|t| t.period_start.as_ref());
    let period_start = resource
        .effective_period
        .as_ref()
        .and_then(|p| p.start.as_ref());
    let effective_start = period_start.or(resource.effective_date_time.as_ref());
    let reported = resource.reported_boolean == Some(true) || resource.reported_reference.is_some();
    // A statement's `effectiveDateTime` is R4's "the date/time … when the medication is/was/will
    // be taken": a day it was taken, no start (review OB5); only `effectivePeriod.start`, or its
    // dosage's bounds, says when the drug began.
    let start_text = match raw.resource_type {
        "MedicationRequest" => bounds_start.or_else(|| {
            (!reported)
                .then_some(resource.authored_on.as_ref())
                .flatten()
        }),
        "MedicationStatement" => period_start
            .or(bounds_start)
            .or(resource.effective_date_time.as_ref()),
        _ => effective_start.or(bounds_start),
    };
    let end_text = resource
        .effective_period
        .as_ref()
        .and_then(|p| p.end.as_ref())
        .or_else(|| ending.and_then(|t| t.period_end.as_ref()));
    let day_taken = raw.resource_type == "MedicationStatement"
        && period_start.is_none()
        && bounds_start.is_none()
        && end_text.is_none()
        && resource.effective_date_time.is_some()
        && resource.status.as_deref() != Some("not-taken");
    if start_text.is_none()
        && let Some(text) = end_text
        && let Some(until) = date_field("end", Some(text))?
    {
        return Ok(end_alone(resource, text, until, warnings));
    }
    let Some(start) = date_field_beside("effective", start_text, end_text)? else {
        // No period: kept at the one date the record has, its duration unknown. A request's
        // `dispenseRequest.validityPeriod` is when the prescription may be dispensed (R4:
        // "stale dating the Prescription"), not when the drug was taken: its start, the first
        // day it could be filled, is such a date (after `authoredOn`, when the order was
        // written); its end is a deadline for dispensing, no end of taking, and is not read.
        let validity = resource
            .dispense_request
            .as_ref()
            .and_then(|d| d.validity_period.as_ref())
            .and_then(|p| p.start.as_ref());
        let point = [
            ("dateAsserted", resource.date_asserted.as_ref()),
            ("authoredOn", resource.authored_on.as_ref()),
            ("dispenseRequest.validityPeriod.start", validity),
            ("dosage timing.event", first_event(resource)),
            (
                "meta.lastUpdated",
                resource.meta.as_ref().and_then(|m| m.last_updated.as_ref()),
            ),
        ]
        .into_iter()
        .find_map(|(field, date)| Some((field, date?)));
        let asserted_only = point.is_some_and(|(field, _)| field == "dateAsserted");
        let by_events = point.is_some_and(|(field, _)| field == "dosage timing.event");
        let Some(point) = point
            .map(|(field, date)| date_field(field, Some(date)))
            .transpose()?
            .flatten()
        else {
            // Nothing places it in time: left out, so the criteria never see the drug; the
            // warning says so, since an assessment may then read "not refractory" for want of
            // it.
            return Err(format!(
                "{} has no date at all (no effective period, timing bounds or events, \
                 authoredOn, dateAsserted, dispenseRequest.validityPeriod or meta.lastUpdated): \
                 left out, so the criteria do not see this drug and an assessment may read not refractory \
                 for want of it",
                raw.resource_type
            ));
        };
        // An `active` statement is R4's "the medication is still being taken": asserted on a
        // day, it was taken by then (since a day not recorded) and is ongoing as far as anyone
        // knows, as one whose `effectiveDateTime` is that day is read (review R9-6). Only a
        // record that says the drug is still taken; any other keeps its one date.
        if asserted_only
            && raw.resource_type == "MedicationStatement"
            && resource.status.as_deref() == Some("active")
        {
            return Ok((point, None, DatesKnown::StartUnknown));
        }
        // Dated by its events alone: given at those times, from the first to the last.
        if by_events
            && let Some(last) = date_field("dosage timing.event", last_event(resource))?
            && last > point
        {
            return Ok((point, Some(last), DatesKnown::Stated));
        }
        return Ok((point, Some(point), DatesKnown::Unknown));
    };
    // Taken on that day (review OB5), read as a statement dated only by when it was asserted
    // is (R9-6): an `active` one since a day not recorded and still taken as far as anyone
    // knows (its day the latest it can have started); any other on that day only, its start
    // and its end not known (`completed`: taken then, no longer now). Never a start nor a time
    // on the drug nobody gave. A month or a year only ("2024-03", MS-2) is some day of it, read
    // as such a date is elsewhere (a fill's, a period's start): at its last day, nor after the
    // record was written; so the one no longer taken is kept at that day with neither end
    // known, as a fill of a month alone is, never a start of that day.
    if day_taken {
        let day = match start_text {
            Some(text) if is_partial_date(text) => {
                let last_day = last_day_of(text, start);
                written_on(resource).map_or(last_day, |written| last_day.min(written.max(start)))
            }
            _ => start,
        };
        if resource.status.as_deref() == Some("active") {
            return Ok((day, None, DatesKnown::StartUnknown));
        }
        return Ok((day, Some(day), DatesKnown::Unknown));
    }
    let mut end = date_field_beside("end", end_text, start_text)?;
    // A start of a month or a year only ("2018") is some day within it: given at least from
    // its last day (or the end, if sooner), for how long before is not recorded. Its first
    // day would count months the drug may never have been given as a trial's duration.
    let start = match start_text {
        Some(text) if is_partial_date(text) => {
            // Nor after the record saying it was taken was written (a month still under way:
            // its last day is to come).
            let written = written_on(resource);
            let last_day = last_day_of(text, start);
            let last_day = written.map_or(last_day, |written| last_day.min(written.max(start)));
            let latest = end.map_or(last_day, |until| last_day.min(until.max(start)));
            let ongoing = matches!(resource.status.as_deref(), Some("active" | "in-progress"));
            let end_stated = end.is_some() && !end_text.is_some_and(|text| is_partial_date(text));
            if end_stated || (end.is_none() && ongoing) {
                if let Some(until) = end
                    && until < start
                {
                    return Err(format!("ends ({until}) before it starts ({})", text.trim()));
                }
                if let Some(until) = end
                    && planned_end_not_reached(resource, until)
                {
                    return Ok((latest, Some(latest), DatesKnown::EndUnknown));
                }
                return Ok((latest, end, DatesKnown::StartUnknown));
            }
            // A dose given at a time of a month or a year only was given some day of it (MS-2):
            // no day given, kept at its last day with neither end known, as a fill of a month
            // alone is (and, so dated, no dose of a cycle: see `MedicationRecord::administered`).
            if raw.resource_type == "MedicationAdministration"
                && resource.effective_period.is_none()
            {
                return Ok((latest, Some(latest), DatesKnown::Unknown));
            }
            latest
        }
        _ => start,
    };
    if end.is_none()
        && let Some(days) = steps_days
    {
        end = start.checked_add_signed(Duration::days(days));
    }
    if let Some(until) = end
        && planned_end_not_reached(resource, until)
    {
        return Ok((start, Some(start), DatesKnown::EndUnknown));
    }
    // An end of a month or a year only ("2024-11") is some day within it: given at least until
    // its first day (or the start, in the same month), for how long after is not recorded.
    if let Some(text) = end_text
        && is_partial_date(text)
        && let Some(first_day) = end
    {
        // The month or year it ended in must not be over before it started.
        let same_period = start.year() == first_day.year()
            && (text.trim().len() == 4 || start.month() == first_day.month());
        if first_day < start && !same_period {
            return Err(format!("ends ({}) before it starts ({start})", text.trim()));
        }
        return Ok((start, Some(first_day.max(start)), DatesKnown::EndUnknown));
    }
    // A single administration given at a time (no period) is given at that time.
    if end.is_none()
        && raw.resource_type == "MedicationAdministration"
        && resource.effective_date_time.is_some()
    {
        end = Some(start);
    }
    if let Some(until) = end
        && until < start
    {
        return Err(format!("ends ({until}) before it starts ({start})"));
    }
    let status = resource.status.as_deref().unwrap_or("");
    let active = matches!(status, "active" | "in-progress");
    if end.is_none() && !active {
        // Stopped, completed or of unknown status, with no end: given at least until it
        // started (merging renewals may extend that, and refract's own export says how far
        // they did), for how long after is not recorded.
        let until = carried::given_at_least_until(&resource.extension)
            .map_or(start, |until| until.max(start));
        return Ok((start, Some(until), DatesKnown::EndUnknown));
    }
    Ok((start, end, DatesKnown::Stated))
}

/// When the record saying the drug was taken was written (`dateAsserted`, else
/// `meta.lastUpdated`, the sooner): the latest it can have started. A date of a month or a year
/// only is some day of it: its last, at the latest.
fn written_on(resource: &model::MedicationUse) -> Option<NaiveDateTime> {
    [
        resource.date_asserted.as_ref(),
        resource.meta.as_ref().and_then(|m| m.last_updated.as_ref()),
    ]
    .into_iter()
    .flatten()
    .filter_map(|text| {
        let at = parse_datetime(text).ok()?;
        Some(if is_partial_date(text) {
            last_day_of(text, at)
        } else {
            at
        })
    })
    .min()
}

/// A period with an end and no start (an `effectivePeriod` or a dosage's `boundsPeriod`): R4
/// Period, "if the start element is missing, the start of the period is not known". A stated
/// end with an unknown start ("stopped in September 2022", a patient's history): given at
/// least until its end, started on an unknown day before it (and before the record was
/// written), never after its end; read as a year-only start is (`StartUnknown`: the start kept
/// is the latest it can have been), so that a trial it could decide is undecided and its end
/// still places it before the drugs begun after it. An end of a month or a year only, or one
/// the record had not reached when it said the drug stopped (see [`planned_end_not_reached`]),
/// leaves neither end known: kept at the one day the record can place it (the end's first day,
/// or when it was written), with a warning.
fn end_alone(
    resource: &model::MedicationUse,
    text: &str,
    until: NaiveDateTime,
    warnings: &mut Vec<String>,
) -> (NaiveDateTime, Option<NaiveDateTime>, DatesKnown) {
    let latest = written_on(resource).map_or(until, |written| written.min(until));
    let why = if is_partial_date(text) {
        "an end of a month or a year only"
    } else if planned_end_not_reached(resource, until) {
        "an end it had not reached when it stopped"
    } else {
        return (latest, Some(until), DatesKnown::StartUnknown);
    };
    warnings.push(format!(
        "its period gives only {why} ({}): kept at {}, when it started and how long it was \
         given not known",
        text.trim(),
        latest.date()
    ));
    (latest, Some(latest), DatesKnown::Unknown)
}

/// The last moment of the year or month a partial date names (`first` is its first day, as
/// read): the latest the event it dates can have happened.
fn last_day_of(text: &str, first: NaiveDateTime) -> NaiveDateTime {
    let next = if text.trim().len() == 4 {
        first.with_year(first.year() + 1)
    } else {
        first.checked_add_months(chrono::Months::new(1))
    };
    next.and_then(|next| next.checked_sub_signed(Duration::days(1)))
        .unwrap_or(first)
}

/// Whether `end`, the end a record that says it is over (stopped, completed) gives, is one it had
/// not reached when it said so: a plan that did not come to pass (an order for a year from
/// September, stopped for intolerance by the 15th, does not end the next September, nor is it
/// the current drug). The record was last written (`meta.lastUpdated`) before that end: it
/// ended on a day it does not give. Without a `lastUpdated` nothing tells a planned end from
/// the one the source recorded (the library reads no clock), and the end is kept: many sources
/// write the day an order was stopped as its end.
fn planned_end_not_reached(resource: &model::MedicationUse, end: NaiveDateTime) -> bool {
    if !matches!(resource.status.as_deref(), Some("stopped" | "completed")) {
        return false;
    }
    resource
        .meta
        .as_ref()
        .and_then(|m| m.last_updated.as_deref())
        .and_then(|text| parse_datetime(text).ok())
        .is_some_and(|updated| end > updated)
}

/// Whether a FHIR date names a year or a month only ("2024", "2024-11"), not a day.
fn is_partial_date(text: &str) -> bool {
    let text = text.trim();
    !text.contains('T') && (text.len() == 4 || text.len() == 7)
}

/// Whole days a timing's bounds say it lasts: its `boundsDuration`, else the low of its
/// `boundsRange` (8 to 9 months lasted at least 8: the criteria ask how long a drug was surely
/// given, so the least is the one that counts; the high is no end the record states). A range
/// with no low says no least.
fn bound_days(repeat: &model::TimingRepeat) -> Option<i64> {
    repeat.bounds_duration.as_ref().map_or_else(
        || {
            repeat
                .bounds_range
                .as_ref()
                .and_then(|range| range.low.as_ref())
                .and_then(days_of)
        },
        days_of,
    )
}

/// Whole days of a FHIR Duration (`boundsDuration`), when its unit is a time.
fn days_of(duration: &model::Quantity) -> Option<i64> {
    let value = duration.value?;
    let unit = duration.code.as_deref().or(duration.unit.as_deref())?;
    let days = match unit.trim().to_ascii_lowercase().as_str() {
        "d" | "day" | "days" => value,
        "wk" | "week" | "weeks" => value * 7.0,
        "mo" | "month" | "months" => value * 30.0,
        "a" | "year" | "years" => value * 365.0,
        "h" | "hour" | "hours" => value / 24.0,
        _ => return None,
    };
    (days.is_finite() && (0.0..=36_500.0).contains(&days)).then(|| days.round() as i64)
}

/// What [`dated_steps`] made of a record's dosage steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Steps {
    /// One step (or none): the record's own period is its dose's.
    One,
    /// Each step has dates of its own.
    Dated,
    /// Several steps, not all of which can be dated.
    Undated,
}

/// A dosage step's own bounds (see [`dated_steps`]): its `boundsPeriod`'s start and end, its
/// duration, and its lines.
struct OwnBounds<'a> {
    start: Option<NaiveDateTime>,
    end: Option<NaiveDateTime>,
    days: Option<i64>,
    lines: &'a [usize],
}

/// Dates each step of a titration written inside one record (R4 `Dosage.sequence`: entries of
/// one number are given together, of different numbers one after another), on its dosage lines
/// (`specs`, in the order of [`dose_specs`]), so that each step becomes a dose period of its
/// own (see [`finish_medication`]): "25 mg daily for 69 days, then 50 mg daily for 21 days" is
/// 21 days at 50 mg, not 90 (the criteria count days at an adequate dose, and a current dose is
/// the step given now). A step starts at its own `boundsPeriod.start`, else where the step
/// before ended (the record's `start` for the first); it ends at its own `boundsPeriod.end`,
/// else after its `boundsDuration` (or the low of its `boundsRange`), else, for the last step,
/// with the record (`end`). Steps are taken in the order of their own starts when each has
/// one, else of their numbers. They are kept within the record's period: a step planned to
/// start after the record ended was not given (a titration stopped in its first week never
/// reached its second step).
///
/// Undated, the record keeps today's reading, one period at its highest step (see
/// [`dose_from`]), when a step other than the last has neither an end nor a duration (when it
/// ended is not known), when an entry with no number has no start of its own (FHIR does not say
/// where among the steps it falls), or when a step's dates are unreadable, a month or a year
/// only, or end before they start; and when the record's own period is not `datable` (its
/// start or end unknown, a hold: which step it reached is then not known).
fn dated_steps(
    timings: &[LineTiming],
    specs: &mut [DoseSpec],
    (start, end): (NaiveDateTime, Option<NaiveDateTime>),
    datable: bool,
) -> Steps {
    if timings.len() != specs.len() {
        return Steps::One;
    }
    // A written titration's steps follow one another within their dosage, after its number.
    let mut numbered: BTreeMap<(i64, usize), Vec<usize>> = BTreeMap::new();
    let mut alone: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    for (index, timing) in timings.iter().enumerate().filter(|(_, t)| !t.as_needed) {
        match timing.sequence {
            Some(sequence) => numbered
                .entry((sequence, timing.part))
                .or_default()
                .push(index),
            None => alone
                .entry((timing.dosage, timing.part))
                .or_default()
                .push(index),
        }
    }
    // An entry with no number falls nowhere among other entries; a dosage's written steps
    // alone are in the order written.
    let numbers: std::collections::BTreeSet<i64> = numbered.keys().map(|(n, _)| *n).collect();
    let alone_dosages: std::collections::BTreeSet<usize> = alone.keys().map(|(d, _)| *d).collect();
    let any_alone = !alone.is_empty() && numbers.len() + alone_dosages.len() > 1;
    let steps: Vec<Vec<usize>> = numbered.into_values().chain(alone.into_values()).collect();
    if steps.len() < 2 {
        return Steps::One;
    }
    if !datable {
        return Steps::Undated;
    }
    // Each step's own bounds, from the first of its lines that has any.
    let day = |text: Option<&String>| -> Result<Option<NaiveDateTime>, ()> {
        match text {
            None => Ok(None),
            Some(text) if is_partial_date(text) => Err(()),
            Some(text) => parse_datetime(text).map(Some).map_err(|_| ()),
        }
    };
    let mut bounded: Vec<OwnBounds<'_>> = Vec::with_capacity(steps.len());
    for lines in &steps {
        let own = dating_line(lines.iter().filter_map(|&index| timings.get(index)));
        let (Ok(own_start), Ok(own_end)) = (
            day(own.and_then(|t| t.period_start.as_ref())),
            day(own.and_then(|t| t.period_end.as_ref())),
        ) else {
            return Steps::Undated;
        };
        bounded.push(OwnBounds {
            start: own_start,
            end: own_end,
            days: own.and_then(|t| t.days),
            lines: lines.as_slice(),
        });
    }
    if bounded.iter().all(|own| own.start.is_some()) {
        // Stable: steps starting together stay in the order of their numbers.
        bounded.sort_by_key(|own| own.start);
    } else if any_alone {
        return Steps::Undated;
    }
    let mut cursor = start;
    let count = bounded.len();
    let mut dated: Vec<(StepGiven, &[usize])> = Vec::with_capacity(count);
    for (index, own) in bounded.into_iter().enumerate() {
        let from = own.start.unwrap_or(cursor);
        let until = match (own.end, own.days) {
            (Some(until), _) => Some(until),
            (None, Some(days)) => match from.checked_add_signed(Duration::days(days)) {
                Some(until) => Some(until),
                None => return Steps::Undated,
            },
            (None, None) if index + 1 == count => end,
            (None, None) => return Steps::Undated,
        };
        if until.is_some_and(|until| until < from) {
            return Steps::Undated;
        }
        cursor = until.unwrap_or(from);
        // The first step is the record's start: given, whatever its plan said.
        let not_reached = index > 0 && end.is_some_and(|end| from >= end)
            || until.is_some_and(|until| until < start);
        let given = if not_reached {
            StepGiven::NotReached
        } else {
            StepGiven::During {
                start: from.max(start),
                end: match (until, end) {
                    (Some(until), Some(end)) => Some(until.min(end)),
                    (until, end) => until.or(end),
                },
            }
        };
        dated.push((given, own.lines));
    }
    for (given, lines) in dated {
        for &line in lines {
            if let Some(spec) = specs.get_mut(line) {
                spec.step = Some(given);
            }
        }
    }
    Steps::Dated
}

/// The name of a drug record with no words (R4's `display` and `text` are optional): the drugs
/// its RxNorm or ATC codes name, else "unidentified medication" with what would identify it
/// (its codes, or the Medication it refers to that no file brought), which the assessments
/// ask the team to identify (see `DrugExposure::is_unidentified`).
fn wordless_drug_name(
    concept: Option<&CodeableConcept>,
    unresolved: Option<&str>,
    book: &DrugBook,
) -> String {
    let codes: Vec<&str> = concept
        .map(|concept| {
            concept
                .code_in("rxnorm")
                .into_iter()
                .chain(concept.code_in("atc"))
                .collect()
        })
        .unwrap_or_default();
    let known = book.recognise(&codes, "");
    if !known.is_empty() {
        return known
            .iter()
            .map(|drug| drug.ingredient.as_str())
            .collect::<Vec<_>>()
            .join(" + ");
    }
    let named_by = match (unresolved, concept) {
        (Some(reference), _) => Some(reference.to_owned()),
        (None, Some(concept)) => codes_in_words(concept),
        (None, None) => None,
    };
    match named_by {
        Some(named_by) => format!("{UNIDENTIFIED_DRUG} ({named_by})"),
        None => String::from(UNIDENTIFIED_DRUG),
    }
}

/// A concept's codes as a reader names them ("RxNorm 308135, NDC 0069-1530-30").
fn codes_in_words(concept: &CodeableConcept) -> Option<String> {
    let codes: Vec<String> = concept
        .coding
        .iter()
        .filter_map(|coding| {
            let code = coding.code.as_deref()?.trim();
            let system =
                canonical_system(coding.system.as_deref().unwrap_or("")).to_ascii_lowercase();
            let name = [
                ("rxnorm", "RxNorm"),
                ("atc", "ATC"),
                ("ndc", "NDC"),
                ("snomed", "SNOMED CT"),
            ]
            .into_iter()
            .find(|(part, _)| system.contains(part))
            .map_or("code", |(_, name)| name);
            (!code.is_empty()).then(|| format!("{name} {code}"))
        })
        .collect();
    (!codes.is_empty()).then(|| codes.join(", "))
}

/// The warning for a drug record with codes but no words, none of whose codes the drug book
/// knows: it is kept, shown by its codes, and counted by no criterion until identified.
fn unidentified_warning(product: &Product, book: &DrugBook) -> Option<String> {
    let concept = product.drug(&|_| None).concept;
    if concept.words().is_some() {
        return None;
    }
    let codes: Vec<&str> = concept
        .code_in("rxnorm")
        .into_iter()
        .chain(concept.code_in("atc"))
        .collect();
    if !book.recognise(&codes, "").is_empty() {
        return None;
    }
    let named = codes_in_words(&concept)?;
    Some(format!(
        "its drug is named by {named} alone, no words, and refract's drug book does not know \
         the code: kept as '{UNIDENTIFIED_DRUG} ({named})', counted by no criterion; the \
         assessments ask for it to be identified"
    ))
}

/// The warnings for a product whose code, or one of whose ingredients' codes, names other
/// drugs than its words do (see [`names_disagree`]).
fn product_names_disagree(product: &Product, book: &DrugBook) -> Vec<String> {
    std::iter::once(&product.code)
        .chain(
            product
                .ingredients
                .iter()
                .filter_map(|i| i.concept.as_ref()),
        )
        .filter_map(|concept| names_disagree(concept, book))
        .collect()
}

/// The warning for a drug concept whose RxNorm or ATC code names other drugs than its words
/// do (see [`DrugBook::disagreement`]): the record is read as its words, and the assessment
/// lists it among what to rule out.
fn names_disagree(concept: &CodeableConcept, book: &DrugBook) -> Option<String> {
    let words = concept.words()?;
    let codes: Vec<&str> = concept
        .code_in("rxnorm")
        .into_iter()
        .chain(concept.code_in("atc"))
        .collect();
    let (by_code, by_words) = book.disagreement(&codes, words)?;
    let ingredients = |drugs: &[&crate::rules::drugs::Drug]| {
        drugs
            .iter()
            .map(|drug| drug.ingredient.as_str())
            .collect::<Vec<_>>()
            .join(" + ")
    };
    Some(format!(
        "its code names {} but its words '{words}' name {}: read as the words (R4's text is the \
         drug as entered); check which drug was given",
        ingredients(&by_code),
        ingredients(&by_words)
    ))
}

/// The exposure a medication record describes, once its drug is known (`referred`: the
/// Medication it refers to, unless it carries its own; `None` when that Medication was never
/// imported), the ingredients that Medication refers to found with `find`: one per dose
/// period, in order, a titration's dated steps each one of their own (see [`dated_steps`]), as
/// fills at another dose are (see [`fills_of`]), each keeping whether the record said the drug
/// stopped (see [`said_stopped`]). Also returns the ingredient references found nowhere.
pub fn finish_medication(
    record: &MedicationRecord,
    referred: Option<&Product>,
    unresolved: Option<&str>,
    find: &Find<'_>,
    book: &DrugBook,
) -> (Vec<(DrugExposure, MedicationMeta)>, Vec<String>) {
    let drug = record
        .concept
        .as_ref()
        .or(referred)
        .map(|product| product.drug(find));
    let concept = drug.as_ref().map(|drug| &drug.concept);
    let rxnorm = concept.and_then(|c| c.code_in("rxnorm")).map(str::to_owned);
    let atc = concept.and_then(|c| c.code_in("atc")).map(str::to_owned);
    let codes: Vec<&str> = rxnorm
        .iter()
        .chain(atc.iter())
        .map(String::as_str)
        .collect();
    let knows = |words: &str| !book.recognise(&codes, words).is_empty();
    let text = concept
        .and_then(|concept| product::known_words(concept, &knows))
        .map_or_else(
            || wordless_drug_name(concept, unresolved, book),
            str::to_owned,
        );
    // Only an administration's period is how long the amount ran; a statement's or an
    // order's is how long the drug was taken.
    let given_over = record
        .end
        .filter(|_| record.given_over_period)
        .map(|end| (end - record.start).num_minutes() as f64 / 60.0);
    let name = DrugName {
        text: &text,
        drug: drug.as_ref(),
    };
    let (dose, route, role) = dose_from(&record.dosages, &name, given_over);
    // Where a dose refract worked out came from, for the evidence to say (review R9-7).
    let (dose, dose_source) = match dose {
        Some(dose) => (
            Some(dose),
            record
                .dosage_from_order
                .then_some(DoseFrom::Order)
                .or(record.carried_dose_from),
        ),
        None => match dose_of_supply(record, &name) {
            Some(dose) => (Some(dose), Some(DoseFrom::QuantitySupply)),
            None => (None, None),
        },
    };
    // A fill with no days supply lasts as long as its quantity does at the dose a day, when
    // both are known in one unit.
    let (end, dates) = match (&record.supply, &dose) {
        (Some(quantity), Some(dose)) if record.dates == DatesKnown::EndUnknown => {
            match supply_of(quantity, dose, &name)
                .and_then(|days| record.start.checked_add_signed(Duration::days(days)))
            {
                Some(end) => (Some(end), DatesKnown::Dispensed),
                None => (record.end, record.dates),
            }
        }
        _ => (record.end, record.dates),
    };
    let key = rxnorm
        .clone()
        .or_else(|| atc.clone())
        .unwrap_or_else(|| text.to_lowercase());
    let exposure = DrugExposure {
        id: 0,
        text: text.clone(),
        rxnorm,
        atc,
        start: record.start,
        end,
        dose,
        route,
        // What refract's own export says the role and the cycles were, else what the
        // record shows of them.
        role: record.role.or(role),
        stop_reason: record.stop_reason,
        // Cycles a completed order planned were given; a stopped one says only how many
        // were planned.
        cycles: record.cycles.or_else(|| {
            record
                .dosages
                .iter()
                .find_map(|d| d.cycles)
                .filter(|_| record.completed)
        }),
        dates,
        stop_text: record.stop_text.clone(),
        utc_offset_minutes: record.utc_offset_minutes,
        // An end worked out here (a fill's supply at the dose a day) is in the start's offset.
        end_utc_offset_minutes: if end == record.end {
            record.end_utc_offset_minutes
        } else {
            record.utc_offset_minutes
        },
        // A reason given as a concept is read now; a Condition's once it is found.
        indications: record
            .reasons
            .iter()
            .filter(|reason| reason.condition.is_none())
            .fold(Vec::new(), |mut said, reason| {
                Indication::add_unique(&mut said, reason.indication.clone());
                said
            }),
        // Each dose period's own, from its meta (below).
        said_stopped: false,
        dose_from: dose_source,
    };
    let meta = MedicationMeta {
        key,
        active: record.active,
        end_recorded: record.end_recorded,
        administered: record.administered,
        dispensed: record.dispensed,
        ends_without_a_stop: record.ends_without_a_stop,
        planned_doses: record
            .dosages
            .iter()
            .find_map(planned_count)
            .filter(|_| record.completed && record.cycles.is_none())
            .map(PlannedDoses::whole),
        supplied_until: None,
        supply_known: false,
        supply_whole: false,
        first_fill_days: None,
        completed: record.completed,
        stopped: record.stopped,
        dose_changed: record.dose_changed,
        stopped_by: record.stopped_by,
        asserted: record.asserted,
        stopped_on: None,
        reason_conditions: record
            .reasons
            .iter()
            .filter_map(|reason| {
                Some(PendingReason {
                    id: reason.condition.clone()?,
                    display: reason.indication.clone(),
                })
            })
            .collect(),
        day_times: times_named_by_all(&record.dosages),
        not_taken: record.not_taken,
        day_taken: record.day_taken,
    };
    let meta = with_order_supply(meta, record, exposure.dose.as_ref(), &name);
    let periods = dose_periods(record, exposure, meta, &name)
        .into_iter()
        .map(|(mut period, meta)| {
            period.said_stopped = said_stopped(&period, &meta);
            (period, meta)
        })
        .collect();
    (periods, drug.map(|drug| drug.missing).unwrap_or_default())
}

/// The times of the day a record's scheduled dosages name (see [`DoseSpec::day_times`]), when
/// each of them names some; `None` otherwise (a dose with no time named may be at any).
fn times_named_by_all(dosages: &[DoseSpec]) -> Option<Vec<String>> {
    let scheduled: Vec<&DoseSpec> = dosages.iter().filter(|d| !d.as_needed).collect();
    if scheduled.is_empty() || scheduled.iter().any(|d| d.day_times.is_empty()) {
        return None;
    }
    let mut times: Vec<String> = scheduled
        .iter()
        .flat_map(|d| d.day_times.iter().cloned())
        .collect();
    times.sort();
    times.dedup();
    Some(times)
}

/// Whether a drug record, as the exposure it is kept as, said the drug stopped (see
/// [`DrugExposure::said_stopped`]): what [`says_the_drug_stopped`] reads it as. Doses given one
/// at a time and fills never are: they say what was given or handed over, and are never read as
/// a stop of the drug's other records (see [`record_of`]).
fn said_stopped(exposure: &DrugExposure, meta: &MedicationMeta) -> bool {
    !meta.administered && !meta.dispensed && says_the_drug_stopped(exposure, meta)
}

/// An order's supply (see [`OrderSupply`]) as the day it runs out: its fills' duration, else
/// their quantity at the dose a day (R4 `quantity` is one fill's amount), else the last day it
/// may be dispensed (`validityPeriod.end`, a deadline only: `supply_known` stays false).
fn with_order_supply(
    mut meta: MedicationMeta,
    record: &MedicationRecord,
    dose: Option<&Dose>,
    name: &DrugName<'_>,
) -> MedicationMeta {
    let Some(supply) = &record.order_supply else {
        return meta;
    };
    let one_fill = supply.days.or_else(|| {
        supply
            .quantity
            .as_ref()
            .zip(dose)
            .and_then(|(quantity, dose)| supply_of(quantity, dose, name))
    });
    // The fills cover a year at most (see `MOST_SUPPLY_DAYS`), and none is dispensed after the
    // order's `validityPeriod.end` (R4): the last fill runs out one fill after it.
    let supplied = one_fill
        .map(|days| {
            (days as f64 * supply.fills)
                .min(MOST_SUPPLY_DAYS as f64)
                .round() as i64
        })
        .and_then(|days| record.start.checked_add_signed(Duration::days(days)))
        .map(|until| {
            supply
                .valid_until
                .zip(one_fill)
                .and_then(|(valid, days)| valid.checked_add_signed(Duration::days(days)))
                .map_or(until, |last| until.min(last.max(record.start)))
        });
    meta.supply_known = supplied.is_some();
    meta.first_fill_days = one_fill;
    meta.supply_whole = meta.supply_known && supply.repeats_stated;
    meta.supplied_until = supplied.or(supply.valid_until.map(|until| until.max(record.start)));
    meta
}

/// The record's dose periods: its dated steps (see [`dated_steps`]), each at its own dose (the
/// lines of a step add up, as one given together does in [`dose_from`]), else `exposure`, the
/// whole record at its highest step. Only the last step given says how the record ended (its
/// stop reason, whether it is still given and how its end is known); the steps before it ended
/// when the next began, as the record says.
fn dose_periods(
    record: &MedicationRecord,
    exposure: DrugExposure,
    meta: MedicationMeta,
    name: &DrugName<'_>,
) -> Vec<(DrugExposure, MedicationMeta)> {
    let mut steps: Vec<(NaiveDateTime, Option<NaiveDateTime>, Vec<&DoseSpec>)> = Vec::new();
    for spec in record.dosages.iter().filter(|spec| !spec.as_needed) {
        let Some(StepGiven::During { start, end }) = spec.step else {
            continue;
        };
        match steps
            .iter_mut()
            .find(|(from, until, _)| *from == start && *until == end)
        {
            Some((_, _, lines)) => lines.push(spec),
            None => steps.push((start, end, vec![spec])),
        }
    }
    if steps.is_empty() || exposure.is_as_needed() {
        return vec![(exposure, meta)];
    }
    steps.sort_by_key(|(start, end, _)| (*start, *end));
    let last = steps.len() - 1;
    // A completed order's planned doses, step by step: each step's own count from its start.
    let days_from_start = |at: NaiveDateTime| (at - record.start).num_minutes() as f64 / 1440.0;
    let planned_offsets: Option<Vec<f64>> = meta.planned_doses.as_ref().map(|_| {
        let mut offsets: Vec<f64> = steps
            .iter()
            .flat_map(|(start, _, lines)| {
                let from = days_from_start(*start);
                lines
                    .iter()
                    .find_map(|line| planned_count(line))
                    .map(PlannedDoses::whole)
                    .map(|own| own.offsets)
                    .unwrap_or_default()
                    .into_iter()
                    .map(move |offset| from + offset)
            })
            .collect();
        offsets.sort_by(f64::total_cmp);
        offsets
    });
    let step_starts: Vec<f64> = steps
        .iter()
        .map(|(start, _, _)| days_from_start(*start))
        .collect();
    steps
        .into_iter()
        .enumerate()
        .map(|(index, (start, end, lines))| {
            let mut step = exposure.clone();
            step.start = start;
            // A step's dates are worked out from the record's start (in its offset), but for
            // the record's own end.
            step.end_utc_offset_minutes = if end == record.end {
                record.end_utc_offset_minutes
            } else {
                record.utc_offset_minutes
            };
            step.end = end;
            step.dose = step_dose(&lines, name);
            step.cycles = record.cycles.or_else(|| {
                lines
                    .iter()
                    .find_map(|line| line.cycles)
                    .filter(|_| record.completed)
            });
            let mut step_meta = meta.clone();
            if let Some(offsets) = &planned_offsets {
                step_meta.planned_doses = Some(PlannedDoses {
                    offsets: offsets.clone(),
                    from: if index == 0 {
                        f64::NEG_INFINITY
                    } else {
                        step_starts[index]
                    },
                    until: step_starts.get(index + 1).copied().unwrap_or(f64::INFINITY),
                });
            }
            if index < last {
                // A step ends where the next dose begins: a dose change, never a stop, whatever
                // the record says of its own end.
                step.stop_reason = None;
                step.stop_text = None;
                step.dates = DatesKnown::Stated;
                step_meta.active = false;
                step_meta.end_recorded = true;
                step_meta.stopped = false;
            }
            (step, step_meta)
        })
        .collect()
}

/// Whole days a fill of `quantity` lasts at `dose` a day: both in milligrams (tablets of a known
/// strength are), or both counted in the same units (60 tablets at 2 tablets a day). None when
/// the dose is no daily dose (as needed, per week, an infusion rate) or the units do not meet.
fn supply_of((amount, unit): &(f64, String), dose: &Dose, name: &DrugName<'_>) -> Option<i64> {
    let (per, interval) = dose.unit.trim().rsplit_once('/')?;
    if interval != "d" || !(dose.value.is_finite() && dose.value > 0.0) {
        return None;
    }
    let unit = unit.trim().to_lowercase();
    let have = match per {
        "mg" => units::mass_mg(&unit)
            .map(|factor| amount * factor)
            .or_else(|| name.milligrams(*amount, &unit)),
        counted => (count_unit(&unit) == Some(counted)).then_some(*amount),
    }?;
    let days = have / dose.value;
    (days.is_finite() && (0.5..=36_500.0).contains(&days)).then(|| days.round() as i64)
}

/// The dose a day of a fill that gives no dosage: the quantity handed over, in milligrams by the
/// product's strength (a count of tablets or capsules, a volume of a stated concentration),
/// over the days it was supplied for. This is the daily dose claims studies read from
/// pharmacy records, which hold a quantity, a days' supply and a product of known strength and
/// no dosage (review R9-7; the OMOP CDM drug era and the PDC adherence measure count a fill's
/// days the same way: quantity ÷ dose a day = days' supply). None when the supply is not
/// recorded or the quantity cannot be made milligrams (a unit the strength does not give).
fn dose_of_supply(record: &MedicationRecord, name: &DrugName<'_>) -> Option<Dose> {
    if !record.dispensed || record.dates != DatesKnown::Dispensed {
        return None;
    }
    let (amount, unit) = record.supply.as_ref()?;
    let days = (record.end? - record.start).num_days();
    if days <= 0 {
        return None;
    }
    let unit = unit.trim().to_lowercase();
    let mg = units::mass_mg(&unit)
        .map(|factor| amount * factor)
        .or_else(|| name.milligrams(*amount, &unit))?;
    let per_day = (mg / days as f64 * 1000.0).round() / 1000.0;
    (per_day.is_finite() && per_day > 0.0).then(|| Dose {
        value: per_day,
        unit: String::from("mg/d"),
    })
}

/// What a dose counted in the product's units is converted with: the strength its Medication
/// gives its one active ingredient, else the strength written in its name.
struct DrugName<'a> {
    text: &'a str,
    drug: Option<&'a Drug>,
}

impl DrugName<'_> {
    /// Milligrams in `value` `unit` (a count of tablets, millilitres), when the strength says.
    fn milligrams(&self, value: f64, unit: &str) -> Option<f64> {
        if let Some(mg) = self.drug.and_then(|drug| drug.milligrams(value, unit)) {
            return Some(mg);
        }
        if let Some(ml) = units::volume_ml(unit) {
            strength::concentration_mg_per_ml(self.text).map(|per_ml| per_ml * value * ml)
        } else {
            count_unit(unit)
                .and_then(|_| strength::single_unit_mg(self.text))
                .map(|mg| mg * value)
        }
    }
}

/// How a stop reason reads in the vocabulary (`assets/stop_reasons.toml`): its codes first,
/// then the words of its text and of each coding's display.
fn stop_reason_of(concept: &CodeableConcept, vocabulary: &StopReasons) -> Option<Read> {
    let codings: Vec<Coded<'_>> = concept
        .coding
        .iter()
        .map(|c| Coded {
            system: c.system.as_deref(),
            code: c.code.as_deref(),
            display: c.display.as_deref(),
        })
        .collect();
    vocabulary.read_concept(&codings, concept.text.as_deref())
}

/// A dosage's rate in whichever R4 form it takes (`rateQuantity`, `rateRatio`, `rateRange`), as
/// an amount and a unit per time: a ratio of 10 mg to 1 h is 10 mg/h, 5 mg to 30 min is
/// 0.167 mg/min. A range's low is the least it ran at (its high when it has no low). A ratio
/// whose denominator has no unit says no time, and is no rate.
fn rate_of(
    quantity: Option<&model::Quantity>,
    ratio: Option<&model::Ratio>,
    range: Option<&model::Range>,
) -> Option<(f64, String)> {
    let plain = |q: &model::Quantity| Some((q.value?, q.unit_text().unwrap_or("").to_owned()));
    if let Some(rate) = quantity.and_then(plain) {
        return Some(rate);
    }
    if let Some(ratio) = ratio
        && let (Some(numerator), Some(denominator)) = (&ratio.numerator, &ratio.denominator)
        && let (Some(amount), Some(per)) = (numerator.value, denominator.unit_text())
    {
        let over = denominator.value.unwrap_or(1.0);
        let value = amount / over;
        if value.is_finite() && over > 0.0 {
            let unit = numerator.unit_text().unwrap_or("").trim();
            let per = per.trim().trim_start_matches('/');
            return Some(((value * 1000.0).round() / 1000.0, format!("{unit}/{per}")));
        }
    }
    range.and_then(|range| {
        range
            .low
            .as_ref()
            .and_then(plain)
            .or_else(|| range.high.as_ref().and_then(plain))
    })
}

/// Where one dosage line falls among a record's steps and how long it lasts (see
/// [`dated_steps`], [`medication_period`]): read from the line's timing, or from the step of a
/// titration its dosage's text writes.
#[derive(Debug, Clone, Default)]
struct LineTiming {
    /// The dosage the line comes from (its place among the record's dosages).
    dosage: usize,
    /// The step of its dosage's written titration (0 for a dosage read whole).
    part: usize,
    sequence: Option<i64>,
    as_needed: bool,
    /// Its timing's `boundsPeriod`.
    period_start: Option<String>,
    period_end: Option<String>,
    /// Whether its timing has bounds (a period, a duration or a range).
    bounded: bool,
    /// Whole days it lasts: its bounds' duration, else its count of doses (see
    /// [`count_days`]), else its written step's "for N weeks".
    days: Option<i64>,
}

/// The line of `lines` that dates them: the first with bounds, else the first whose count of
/// doses or written step says how long it lasted.
fn dating_line<'a>(lines: impl Iterator<Item = &'a LineTiming> + Clone) -> Option<&'a LineTiming> {
    lines
        .clone()
        .find(|t| t.bounded)
        .or_else(|| lines.into_iter().find(|t| t.days.is_some()))
}

/// Whole days a schedule of `timing.repeat.count` doses lasts: R4 makes `count` "a total count
/// of the desired number of repetitions across the duration of the entire timing
/// specification", so 90 doses once a day are 90 days, 28 doses twice a day 14. A schedule a
/// week or more apart keeps its count as cycles or planned doses (see [`cycles_planned`],
/// [`cycles_of_order`]): the exposure of a drug given in cycles is counted by them, not by the
/// days between its first dose and its last.
fn count_days(timing: Option<&model::Timing>) -> Option<i64> {
    let timing = timing?;
    if cycles_planned(Some(timing)).is_some() {
        return None;
    }
    let repeat = timing.repeat.as_ref()?;
    // A range of counts ("10 to 20 doses": `count` 10, `countMax` 20) lasts at least the days
    // of its least: those are the doses surely given, as with a range of frequencies below
    // (ending it at the most would favour an adequate trial the record does not show). A
    // `countMax` without a `count` is no range R4 allows, and says no days.
    let count = repeat.count.filter(|count| *count > 0)?;
    let per_day = timing_per_day(timing).filter(|n| n.is_finite() && *n > 0.0)?;
    // "2 to 3 times a day, 60 doses": they last at least 20 days, at most 30; the days surely
    // given are the fewer (the longer would favour an adequate trial the record does not show).
    // `per_day` is the least rate (see [`timing_per_day`]); the most is at the highest
    // frequency and the shortest period.
    let more_often = match (repeat.frequency, repeat.frequency_max) {
        (Some(least), Some(most)) if least > 0.0 && most > least => most / least,
        _ => 1.0,
    };
    let shorter = match (repeat.period, repeat.period_max) {
        (Some(shortest), Some(longest)) if shortest > 0.0 && longest > shortest => {
            longest / shortest
        }
        _ => 1.0,
    };
    let most_per_day = per_day * more_often * shorter;
    let days = (f64::from(count) / most_per_day).ceil();
    (days.is_finite() && (1.0..=36_500.0).contains(&days)).then_some(days as i64)
}

/// The dosage lines of a record, as far as a dose can be computed from them, and where each
/// falls among the record's steps. A dosage with no structured amount whose text writes a
/// titration ("25 mg daily for 3 weeks then 50 mg daily", see [`dosage_text::steps`]) is a line
/// per written step, one after another; a text naming several amounts that are no steps leaves
/// the dose unknown.
fn dose_lines(resource: &model::MedicationUse, own: &[String]) -> (Vec<DoseSpec>, Vec<LineTiming>) {
    let quantity =
        |q: Option<&model::Quantity>| q.and_then(|q| Some((q.value?, dose_unit(q).to_owned())));
    let per_day = |timing: Option<&model::Timing>| timing.and_then(timing_per_day);
    let route = |r: Option<&CodeableConcept>| {
        r.and_then(|concept| {
            concept
                .words()
                .map(str::to_owned)
                .or_else(|| coded_route(concept))
                .or_else(|| coded_transdermal(concept).then(|| String::from("Transdermal")))
        })
    };
    // A patch's rate (0.3 mg / 24 h) is the amount it delivers a day, kept per day so that no
    // rounding of an hourly rate (0.0125 mg/h) changes it.
    let patch_rate = |route: Option<&CodeableConcept>,
                      own: Option<&model::Ratio>,
                      entries: &[model::DoseAndRate]| {
        let transdermal = route.is_some_and(|concept| {
            coded_transdermal(concept)
                || concept
                    .words()
                    .is_some_and(crate::domain::routes::is_transdermal)
        });
        transdermal
            .then(|| own.or_else(|| entries.iter().find_map(|e| e.rate_ratio.as_ref())))
            .flatten()
            .and_then(rate_per_day)
    };
    let timing_of = |dosage: usize, spec: &DoseSpec, timing: Option<&model::Timing>| {
        let repeat = timing.and_then(|t| t.repeat.as_ref());
        let bounded = repeat.is_some_and(|r| {
            r.bounds_period.is_some() || r.bounds_duration.is_some() || r.bounds_range.is_some()
        });
        let period = repeat.and_then(|r| r.bounds_period.as_ref());
        LineTiming {
            dosage,
            part: 0,
            sequence: spec.sequence,
            as_needed: spec.as_needed,
            period_start: period.and_then(|p| p.start.clone()),
            period_end: period.and_then(|p| p.end.clone()),
            bounded,
            days: repeat
                .filter(|_| bounded)
                .and_then(bound_days)
                .or_else(|| count_days(timing)),
        }
    };
    let mut specs: Vec<DoseSpec> = Vec::new();
    let mut timings: Vec<LineTiming> = Vec::new();
    let mut times: Vec<Option<DayTimes>> = Vec::new();
    // What the structured elements leave out, the dosage's text may say ("500 mg twice daily").
    // `entries_disagree`: the structured entries state masses that disagree, so no amount the
    // text may write is taken in their place.
    let mut add =
        |mut spec: DoseSpec, text: Option<&String>, timing: LineTiming, entries_disagree: bool| {
            spec.continuous = text.is_some_and(|text| dosage_text::continuous_infusion(text));
            let written_steps = text
                .filter(|_| {
                    spec.quantity.is_none()
                        && spec.rate.is_none()
                        && !spec.as_needed
                        && !entries_disagree
                })
                .and_then(|text| dosage_text::steps(text, own));
            if let Some(written) = written_steps {
                let last = written.len().saturating_sub(1);
                for (part, step) in written.into_iter().enumerate() {
                    let mut line = spec.clone();
                    line.quantity = step.dose.amount;
                    line.counted_day = step.dose.counted_day;
                    line.counted_dose = step.dose.counted_dose;
                    line.per_day = spec.per_day.or(step.dose.per_day);
                    specs.push(line);
                    // The dosage's bounds are the whole titration's: its start is the first
                    // step's, its end the last step's. Given to every step, each step would
                    // run over the whole period, all at once, and their doses add up.
                    timings.push(LineTiming {
                        part,
                        days: step.days,
                        period_start: timing.period_start.clone().filter(|_| part == 0),
                        period_end: timing.period_end.clone().filter(|_| part == last),
                        ..timing.clone()
                    });
                }
                return;
            }
            // A count of tablets whose strength may be unknown: the mass the text writes for
            // one dose is kept beside it (see [`line_dose`]).
            if let Some(text) = text
                && let Some((count, unit)) = &spec.quantity
                && let Some(form) = count_unit(&unit.trim().to_lowercase())
                && !entries_disagree
            {
                let (written_mg, per_day) = written_dose_mass(
                    &dosage_text::read_of(text, own),
                    (*count, form),
                    spec.per_day,
                );
                spec.written_mg = written_mg;
                spec.per_day = spec.per_day.or(per_day);
            }
            if let Some(text) = text
                && (spec.quantity.is_none() || spec.per_day.is_none())
            {
                let read = dosage_text::read_of(text, own);
                if spec.quantity.is_none() && spec.rate.is_none() && !entries_disagree {
                    // Several amounts that are no steps and no day written dose by dose stay
                    // unknown: the lowest of them is often no dose at all ("150 mg daily using 37.5
                    // mg tablets", "increase by 37.5 mg", "previously 75 mg").
                    spec.quantity = read.amount;
                    spec.counted_day = read.counted_day;
                    spec.counted_dose = read.counted_dose;
                }
                if spec.rate.is_none() {
                    spec.rate = dosage_text::rate(text);
                }
                if spec.per_day.is_none() {
                    spec.per_day = read.per_day;
                }
            }
            specs.push(spec);
            timings.push(timing);
        };
    for (index, d) in resource.dosage_instruction.iter().enumerate() {
        let stated = stated_dose(&d.dose_and_rate);
        let mut spec = DoseSpec {
            route: route(d.route.as_ref()),
            quantity: quantity(stated.quantity()),
            rate: patch_rate(d.route.as_ref(), None, &d.dose_and_rate)
                .or_else(|| entries_rate(&d.dose_and_rate)),
            per_day: per_day(d.timing.as_ref()),
            cycles: cycles_planned(d.timing.as_ref()),
            sequence: d.sequence,
            as_needed: d.as_needed(),
            continuous: false,
            step: None,
            counted_day: None,
            counted_dose: None,
            written_mg: None,
            day_times: Vec::new(),
        };
        let timing = timing_of(index, &spec, d.timing.as_ref());
        // `text` first where both are written: it is the instruction as prescribed, which the
        // patient's words retell in lay terms and may shorten ("take as your doctor told you");
        // written alone, the patient's words are the only dose the record gives. A blank
        // `text` ("", spaces) says nothing and counts as none.
        let words = written_words(d.text.as_ref(), d.patient_instruction.as_ref());
        let own_times = day_times(d.timing.as_ref(), words.map(String::as_str));
        spec.day_times = own_times
            .as_ref()
            .map(|t| t.times.clone())
            .unwrap_or_default();
        times.push(own_times);
        add(spec, words, timing, stated.disagrees());
    }
    let first = resource.dosage_instruction.len();
    for (index, d) in resource.dosage.iter().enumerate() {
        let stated = stated_dose(&d.dose_and_rate);
        let mut spec = DoseSpec {
            route: route(d.route.as_ref()),
            quantity: quantity(d.dose.as_ref().or_else(|| stated.quantity())),
            rate: patch_rate(d.route.as_ref(), d.rate_ratio.as_ref(), &d.dose_and_rate)
                .or_else(|| rate_of(d.rate_quantity.as_ref(), d.rate_ratio.as_ref(), None))
                .or_else(|| entries_rate(&d.dose_and_rate)),
            per_day: per_day(d.timing.as_ref()),
            cycles: cycles_planned(d.timing.as_ref()),
            sequence: d.sequence,
            as_needed: d.as_needed(),
            continuous: false,
            step: None,
            counted_day: None,
            counted_dose: None,
            written_mg: None,
            day_times: Vec::new(),
        };
        let timing = timing_of(first + index, &spec, d.timing.as_ref());
        let words = written_words(d.text.as_ref(), d.patient_instruction.as_ref());
        let own_times = day_times(d.timing.as_ref(), words.map(String::as_str));
        spec.day_times = own_times
            .as_ref()
            .map(|t| t.times.clone())
            .unwrap_or_default();
        times.push(own_times);
        add(spec, words, timing, d.dose.is_none() && stated.disagrees());
    }
    one_day(&mut specs, &mut timings, &times);
    (specs, timings)
}

/// The milligrams of ONE dose a dosage's text gives beside a structured count of `form`
/// (`count` a dose) taken `per_day` times a day (R4 `doseQuantity` is the amount of one
/// administration), as the text reader reads them (see [`dosage_text::read`]), and the doses a
/// day the text gives where the structure gives none:
/// - a mass the reader calls the day's total ("twice daily (500 mg/day)", "250 mg in the
///   morning and 250 mg at night") is a day's: one dose's is it over the structured doses a day
///   (checked against count × strength × doses a day in [`line_dose`] as a share, the same as
///   checking the day); with no structured frequency, the doses a day the text counts beside it
///   ("1 bd (1000mg/day)": 2 of the structured 1 tablet) make the day, else the day's total is
///   the one daily dose it says; a day's total beside doses days apart is no day, and not read;
/// - a mass the text gives at the structured schedule, or with none ("Take 1 tablet (250 mg
///   total) by mouth"), is one dose's;
/// - a mass at another schedule than the structured one ("500 mg once daily" beside twice a
///   day) is neither one dose's nor, surely, the day's: not read.
fn written_dose_mass(
    read: &dosage_text::DosageText,
    (count, form): (f64, &str),
    per_day: Option<f64>,
) -> (Option<f64>, Option<f64>) {
    let Some(mass) = read
        .amount
        .as_ref()
        .and_then(|(value, unit)| units::mass_mg(unit).map(|mg| value * mg))
        .filter(|mg| mg.is_finite() && *mg > 0.0)
    else {
        return (None, None);
    };
    let same = |one: f64, other: f64| (one - other).abs() <= 1e-9 * one.max(other);
    if read.day_total {
        return match per_day {
            Some(per_day) if per_day >= 1.0 - 1e-9 => (Some(mass / per_day), None),
            Some(_) => (None, None),
            None => {
                let counted = read.counted_day.as_ref().and_then(|(day_count, unit)| {
                    let unit = count_unit(unit)?;
                    (count > 0.0 && (unit == form || unit == "dose" || form == "dose"))
                        .then(|| day_count / count)
                        .filter(|per_day| per_day.is_finite() && *per_day > 0.0)
                });
                match counted {
                    Some(per_day) => (Some(mass / per_day), Some(per_day)),
                    None => (Some(mass), None),
                }
            }
        };
    }
    match (read.per_day, per_day) {
        (Some(written), Some(structured)) if !same(written, structured) => (None, None),
        _ => (Some(mass), None),
    }
}

/// The dose a dosage's `doseAndRate` entries state (R4 `Dosage.doseAndRate` is 0..*; its
/// `type`, dose-rate-type `ordered` / `calculated`, tells the kinds apart).
enum StatedDose<'a> {
    /// No entry has a dose, or none that is a mass and no other.
    Absent,
    Stated(&'a model::Quantity),
    /// Entries in mass that disagree: no dose.
    Disagreeing,
}

impl<'a> StatedDose<'a> {
    fn quantity(&self) -> Option<&'a model::Quantity> {
        match self {
            Self::Stated(quantity) => Some(quantity),
            Self::Absent | Self::Disagreeing => None,
        }
    }

    fn disagrees(&self) -> bool {
        matches!(self, Self::Disagreeing)
    }
}

/// Which of a dosage's `doseAndRate` entries is its dose. An ordering system sends the dose
/// as ordered (by weight, "5 mg/kg", or in tablets of a product whose strength its name may
/// not give) beside the mass it calculated ("350 mg"): the entry in mass is the dose whatever
/// its place or `type`, since it is what the criteria compare and needs no strength or weight
/// to convert. Masses a rounding apart (a calculated 349.6 mg beside the 350 mg given, see
/// [`MASSES_AGREE_WITHIN`]) are one dose, read at the larger: the amount rounded for giving is
/// usually the larger or equal, and an unknown dose would count as adequate anyway, so the
/// larger errs the same way. Entries in mass that disagree beyond that (once put in
/// milligrams) leave the dose unknown: which one was given the record does not say, and a
/// wrong dose is worse than an unknown one. With no entry in mass, the first entry with a dose
/// is read, as a single entry is.
fn stated_dose(entries: &[model::DoseAndRate]) -> StatedDose<'_> {
    let doses = entries.iter().filter_map(model::DoseAndRate::dose);
    let masses: Vec<(&model::Quantity, f64)> = doses
        .clone()
        .filter_map(|quantity| Some((quantity, milligrams_of_mass(quantity)?)))
        .collect();
    let Some(&(largest, largest_mg)) = masses.iter().max_by(|a, b| a.1.total_cmp(&b.1)) else {
        return doses
            .clone()
            .find(|quantity| quantity.value.is_some())
            .map_or(StatedDose::Absent, StatedDose::Stated);
    };
    if masses
        .iter()
        .any(|(_, mg)| (largest_mg - mg).abs() > largest_mg.abs() * MASSES_AGREE_WITHIN)
    {
        return StatedDose::Disagreeing;
    }
    StatedDose::Stated(largest)
}

/// How far apart, as a share of the larger, two masses among a dosage's `doseAndRate` entries
/// may be and still be one dose: 2 %. Ordering systems round a calculated dose to what can be
/// measured or given (349.6 mg to 350 mg, 5 mg/kg × 71 kg = 355 mg to 350 mg: 1.4 %); a
/// tablet, half-tablet or mL step is within 2 % for the doses the criteria weigh, while two
/// doses that differ by a strength step (300 and 350 mg) are not.
const MASSES_AGREE_WITHIN: f64 = 0.02;

/// Milligrams in a dose quantity given as a mass (mg, g, mcg), `None` in any other unit.
fn milligrams_of_mass(quantity: &model::Quantity) -> Option<f64> {
    let value = quantity.value.filter(|value| value.is_finite())?;
    Some(value * units::mass_mg(dose_unit(quantity))?)
}

/// The rate of a dosage's `doseAndRate` entries: the first entry that gives one, since a rate
/// may come in an entry of its own beside the dose's.
fn entries_rate(entries: &[model::DoseAndRate]) -> Option<(f64, String)> {
    entries.iter().find_map(|entry| {
        rate_of(
            entry.rate_quantity.as_ref(),
            entry.rate_ratio.as_ref(),
            entry.rate_range.as_ref(),
        )
    })
}

/// The number given to the lines of one day written line by line (see [`one_day`]): any one
/// serves, since it is given only when no scheduled line has a number of its own.
const ONE_DAY_SEQUENCE: i64 = 0;

/// Lines with no `sequence` that each name their own times of the day on one daily schedule
/// (1 tablet `when` MORN, 2 tablets `when` HS; or by `timeOfDay`) are one day written line by
/// line, given together as lines of one number are: their amounts add up (3 tablets a day), as
/// a day written dose by dose in words does. R4 says nothing of lines with no number, and they
/// are otherwise steps of their own; here no step can be meant: each names a time of the day
/// the others do not, with the same bounds, days of the week and no count, so they cannot
/// follow one another. A time named twice (25 mg at HS, then 50 mg at HS; also under another
/// code of the same part of the day, HS and NIGHT, MORN and ACM, or a clock time written two
/// ways, 08:00 and 08:00:00), lines on different bounds or schedules, bounds that are only a
/// length (`boundsDuration` 7 days on each line is how a titration pack is written: equal
/// lengths put no two lines on the same dates, only equal `boundsPeriod` dates do), mixed
/// `when` and clock times (MORN and 08:00 may be one dose), a line numbered or as needed, or
/// a line whose text says steps or a choice ("for 7 days", "then", "or", "if needed"; see
/// [`dosage_text::says_steps_or_choices`]), leave the lines as they were.
fn one_day(specs: &mut [DoseSpec], timings: &mut [LineTiming], times: &[Option<DayTimes>]) {
    let scheduled: Vec<usize> = (0..specs.len())
        .filter(|&index| !specs[index].as_needed)
        .collect();
    if scheduled.len() < 2 || specs.len() != timings.len() {
        return;
    }
    let mut key: Option<&str> = None;
    let mut named: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    for &index in &scheduled {
        let timing = &timings[index];
        if specs[index].sequence.is_some() || timing.part > 0 {
            return;
        }
        let Some(Some(own)) = times.get(timing.dosage) else {
            return;
        };
        if key.is_some_and(|key| key != own.schedule) {
            return;
        }
        key = Some(&own.schedule);
        for time in &own.times {
            // `PM` names the afternoon or the evening: it clashes with either.
            let clashes = |other: &str| match time.as_str() {
                PM_PART => matches!(other, "afternoon" | "evening"),
                "afternoon" | "evening" => other == PM_PART,
                _ => false,
            };
            if named.iter().any(|other| clashes(other)) || !named.insert(time) {
                return;
            }
        }
    }
    for index in scheduled {
        specs[index].sequence = Some(ONE_DAY_SEQUENCE);
        timings[index].sequence = Some(ONE_DAY_SEQUENCE);
    }
}

/// The times of the day a dosage line names, and all else its timing says, written as one key:
/// lines of one day share the key and name different times (see [`one_day`]).
struct DayTimes {
    times: Vec<String>,
    schedule: String,
}

/// The times of the day `timing` names (`when` as parts of the day, see [`part_of_the_day`],
/// else `timeOfDay` as clock times, see [`clock_time`], else a `timing.code` that names one,
/// see [`coded_part_of_the_day`]), when it says nothing else but a daily schedule, the same for
/// each of them: no count, no frequency other than one dose at each time, no period other than
/// a day, no range or length as bounds, and a `text` that says no step or choice. At meals
/// (`C`, `AC`, `PC`) is an unknown number of times, no named time.
fn day_times(timing: Option<&model::Timing>, text: Option<&str>) -> Option<DayTimes> {
    if text.is_some_and(dosage_text::says_steps_or_choices) {
        return None;
    }
    let timing = timing?;
    let no_repeat = model::TimingRepeat::default();
    let repeat = timing.repeat.as_ref().unwrap_or(&no_repeat);
    let coded = timing.code.as_ref().and_then(coded_part_of_the_day);
    // A part of the day named by `when` or by a code is one kind of time: MORN on one line and
    // `BED` on the other are a morning and a night.
    let kind = if repeat.when.is_empty() && (coded.is_none() || !repeat.time_of_day.is_empty()) {
        "clock"
    } else {
        "event"
    };
    let named: Vec<String> = if !repeat.when.is_empty() {
        repeat
            .when
            .iter()
            .map(|when| part_of_the_day(when).map(str::to_owned))
            .collect::<Option<_>>()?
    } else if !repeat.time_of_day.is_empty() {
        repeat
            .time_of_day
            .iter()
            .map(|time| clock_time(time))
            .collect::<Option<_>>()?
    } else {
        coded.map(str::to_owned).into_iter().collect()
    };
    // Two codes of one part of the day in one line (MORN and ACM) are one dose there, not
    // two times the line is given: the line is left as it was.
    let mut times = named;
    times.sort();
    if times.windows(2).any(|pair| pair[0] == pair[1]) {
        return None;
    }
    let daily = match (repeat.period, repeat.period_unit.as_deref()) {
        (None, None) => true,
        (period, Some("d")) => period.is_none_or(|days| (days - 1.0).abs() < f64::EPSILON),
        _ => false,
    };
    let once_at_each = repeat
        .frequency
        .is_none_or(|frequency| (frequency - times.len() as f64).abs() < f64::EPSILON);
    if times.is_empty()
        || !daily
        || !once_at_each
        || repeat.frequency_max.is_some()
        || repeat.period_max.is_some()
        || repeat.count.is_some()
        || repeat.count_max.is_some()
        || repeat.bounds_range.is_some()
        || repeat.bounds_duration.is_some()
    {
        return None;
    }
    let mut days: Vec<&str> = repeat.day_of_week.iter().map(|day| day.trim()).collect();
    days.sort_unstable();
    days.dedup();
    let period = repeat.bounds_period.as_ref();
    let schedule = format!(
        "{kind}|{:?}|{:?}|{}",
        period.and_then(|p| p.start.as_deref()),
        period.and_then(|p| p.end.as_deref()),
        days.join(",")
    );
    Some(DayTimes { times, schedule })
}

/// The part of the day an R4 `EventTiming` code names, so that two codes of one part (`HS` and
/// `NIGHT`, `MORN` and `ACM`, `WAKE` and `MORN.early`) are seen as one time: lines at those are
/// no day written line by line but one dose written twice, or steps. Evening and night stay
/// two parts, as the dosage text's "in the evening and at night" does. A code with no part of
/// the day (at meals, `C`, `AC`, `PC`, or one not in R4) is `None`.
fn part_of_the_day(code: &str) -> Option<&'static str> {
    Some(match code.trim() {
        "MORN" | "MORN.early" | "MORN.late" | "WAKE" | "CM" | "ACM" | "PCM" => "morning",
        "NOON" | "CD" | "ACD" | "PCD" => "midday",
        "AFT" | "AFT.early" | "AFT.late" => "afternoon",
        "EVE" | "EVE.early" | "EVE.late" | "CV" | "ACV" | "PCV" => "evening",
        "NIGHT" | "PHS" | "HS" => "night",
        _ => return None,
    })
}

/// The part of the day `PM` names: "every afternoon" in v3 GTSAbbreviation, an evening dose as
/// prescribers use it; it clashes with both (see [`one_day`]).
const PM_PART: &str = "afternoon or evening";

/// The part of the day a `timing.code` names (R4 value set timing-abbreviation, v3
/// GTSAbbreviation): `AM` every morning, `PM` every afternoon (or evening), `BED` at bedtime,
/// and the Latin `QAM`, `QPM`, `QHS`/`HS` prescribers write; `None` for a code that names no
/// part of the day (`BID`, `Q8H`) or of another system.
fn coded_part_of_the_day(code: &CodeableConcept) -> Option<&'static str> {
    timing_abbreviations(code)
        .chain(
            code.coding
                .is_empty()
                .then_some(code.text.as_deref())
                .flatten(),
        )
        .find_map(|code| {
            Some(
                match code.trim().to_ascii_uppercase().replace('.', "").as_str() {
                    "AM" | "QAM" => "morning",
                    "PM" | "QPM" => PM_PART,
                    "BED" | "HS" | "QHS" => "night",
                    _ => return None,
                },
            )
        })
}

/// The codes of a `timing.code` that are timing abbreviations (v3 GTSAbbreviation, or of no
/// system stated).
fn timing_abbreviations(code: &CodeableConcept) -> impl Iterator<Item = &str> {
    code.coding
        .iter()
        .filter(|c| {
            c.system
                .as_deref()
                .is_none_or(|system| system.to_ascii_lowercase().contains("gtsabbreviation"))
        })
        .filter_map(|c| c.code.as_deref())
}

/// An R4 `time` ("08:00:00"; also written "08:00" or "8:00") as hours, minutes and seconds, so
/// that one clock time written two ways is one time; `None` when it is no time.
fn clock_time(time: &str) -> Option<String> {
    let mut fields = time.trim().split(':');
    let mut next = |most: u32| {
        fields
            .next()
            .map_or(Some(0.0), |field| field.parse::<f64>().ok())
            .filter(|value| value.is_finite() && (0.0..f64::from(most)).contains(value))
    };
    let (hours, minutes, seconds) = (next(24)?, next(60)?, next(61)?);
    if fields.next().is_some() {
        return None;
    }
    Some(format!("{hours:02}:{minutes:02}:{seconds:06.3}"))
}

/// Doses a day a timing states (R4 `Timing`):
///
/// - `repeat`: `frequency` times per `period` `periodUnit`, a range of either read at its fewest
///   doses (`frequency`, not `frequencyMax`; `periodMax`, see [`longest_period`]). A frequency
///   fewer than the distinct times of the day it names is once at each of them. With no frequency, once for each
///   distinct time of the day it names (`when`: `MORN`, `EVE`, `HS`…; or `timeOfDay`), else once
///   per period; times of the day with no period recur daily. "At meals" (`C`, `AC`, `PC`) is as
///   many times as meals, which the record does not say: no frequency.
/// - else `code`, which R4 makes "a complete statement of whatever is specified in the
///   structured timing data" (`BID`, `Q8H`, `QHS`; see [`dosage_text::schedule_per_day`]), or
///   its words read as a dosage text's.
/// - `dayOfWeek` thins a daily schedule: twice a day on Monday and Thursday is 4 doses a week.
fn timing_per_day(timing: &model::Timing) -> Option<f64> {
    let repeat = timing.repeat.as_ref();
    let structured = repeat.and_then(|repeat| {
        let named = times_named(repeat);
        let frequency = match (repeat.frequency, named) {
            // Fewer than the times of the day it names ("once a day", MORN and EVE): the
            // frequency cannot count every dose, each named time is one (R4 `when`: "the event
            // is tied to the union of the specified events"; RR-11). Read as once at each per
            // period, never the frequency times each, which would make up doses.
            (Some(frequency), Ok(Some(times))) if frequency < times => times,
            (Some(frequency), _) => frequency,
            (None, Ok(Some(times))) => times,
            (None, Err(())) => return None,
            (None, Ok(None)) => 1.0,
        };
        let days = match repeat.period_unit.as_deref() {
            Some(unit) => period_days(longest_period(repeat), unit)?,
            None if matches!(named, Ok(Some(_))) => 1.0,
            None => return None,
        };
        (frequency.is_finite() && frequency > 0.0).then(|| frequency / days)
    });
    let per_day = structured.or_else(|| {
        let code = timing.code.as_ref()?;
        timing_abbreviations(code)
            .chain(code.words())
            .find_map(|code| {
                dosage_text::schedule_per_day(code).or_else(|| dosage_text::read(code).per_day)
            })
    })?;
    let days: Vec<&str> = repeat
        .map(|r| r.day_of_week.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|day| day.trim())
        .filter(|day| matches!(*day, "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun"))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if !days.is_empty() && per_day >= 1.0 - 1e-9 {
        return Some(per_day * days.len() as f64 / 7.0);
    }
    Some(per_day)
}

/// The period a schedule's doses are surely no closer than: `periodMax` where it gives a range
/// ("every 8 to 12 hours" is 12: R4 "the period is a range from [period] to [periodMax]"),
/// else `period` (1 when absent). A range of periods is read at its fewest doses, as a range of
/// frequencies is at its `frequency` (`frequencyMax` is left aside): the daily amount surely
/// given, since reading the most would make an adequate dose the record does not show.
fn longest_period(repeat: &model::TimingRepeat) -> f64 {
    match (repeat.period, repeat.period_max) {
        (Some(period), Some(longest)) if longest.is_finite() && longest > period => longest,
        (None, Some(longest)) if longest.is_finite() && longest > 0.0 => longest,
        (period, _) => period.unwrap_or(1.0),
    }
}

/// Times a day `repeat` names: its distinct `when` events (or `timeOfDay` times); `Err` when
/// one of them recurs an unknown number of times a day (at meals).
fn times_named(repeat: &model::TimingRepeat) -> Result<Option<f64>, ()> {
    let named: std::collections::BTreeSet<&str> = if repeat.when.is_empty() {
        repeat.time_of_day.iter().map(|time| time.trim()).collect()
    } else {
        repeat.when.iter().map(|when| when.trim()).collect()
    };
    if named.iter().any(|when| matches!(*when, "C" | "AC" | "PC")) {
        return Err(());
    }
    Ok((!named.is_empty()).then_some(named.len() as f64))
}

/// Cycles a schedule plans: `timing.repeat.count` of a schedule whose doses are a week or more
/// apart (R-CHOP every 21 days, count 6). A count of daily doses is a number of doses, not of
/// cycles.
fn cycles_planned(timing: Option<&model::Timing>) -> Option<u32> {
    let repeat = timing?.repeat.as_ref()?;
    let count = repeat.count.filter(|count| *count > 0)?;
    let days = period_days(repeat.period?, repeat.period_unit.as_deref()?)?;
    (days / repeat.frequency.unwrap_or(1.0) >= 7.0).then_some(count)
}

/// Days in a timing's period (`period` and `periodUnit`).
fn period_days(period: f64, unit: &str) -> Option<f64> {
    let days = match unit {
        "s" => period / 86_400.0,
        "min" => period / 1440.0,
        "h" => period / 24.0,
        "d" => period,
        "wk" => period * 7.0,
        "mo" => period * 30.0,
        "a" => period * 365.0,
        _ => return None,
    };
    (days.is_finite() && days > 0.0).then_some(days)
}

/// The dose when the record allows it: a dose quantity times the timing's frequency, per day, or
/// for doses a week or more apart (a depot injection) per interval ("234 mg/mo"), so that the
/// criteria can tell a long-acting injectable from a daily dose. A dose counted in tablets,
/// millilitres or syringes becomes milligrams with the strength its Medication gives its one
/// active ingredient (50 mg per TAB), else the strength in the drug's name ("25 MG", "0.75 ML …
/// 156 MG/ML"); a combination product's dose stays counted ("1 tablet/d"), each ingredient's
/// milligrams read by the criteria from the strengths its name gives (see [`Product::drug`]).
///
/// A record with several dosage lines (FHIR R4 `Dosage.sequence`): lines of one sequence number
/// are given together, so their amounts add up (500 mg in the morning and 750 mg in the evening
/// are 1250 mg/d); lines of different numbers follow one another (a titration). Dated steps
/// are each a dose period of their own (see [`dated_steps`], [`dose_periods`]); this is the
/// dose of the whole record, read when the steps cannot be dated: its highest step's, which a
/// trial judged by the highest dose it reached would count, though not its days. R4 says
/// nothing of a line with no sequence: it is taken as a step of its own, never added to another
/// (adding could make up a dose no one gave; a step on its own can only understate it), unless
/// every such line names its own times of the day on one schedule (see [`one_day`]). When a
/// step's daily amount is unknown (a line with no amount or no frequency, amounts that cannot be
/// put in one unit), so is the highest: the dose is unknown, never a guess.
///
/// A record whose every dosage is taken as needed (R4 `asNeeded[x]`) is no schedule: its role
/// says so and its dose is the amount of one dose, never a daily dose made of the most it may be
/// taken. Lines taken as needed beside scheduled ones ("10 mg daily, and 10 mg more when
/// needed") are left out of the scheduled dose.
fn dose_from(
    specs: &[DoseSpec],
    text: &DrugName<'_>,
    given_over_hours: Option<f64>,
) -> (Option<Dose>, Option<String>, Option<DrugRole>) {
    let route = specs.iter().find_map(|spec| spec.route.clone());
    // Given at a rate over an hour or more (an administration's period), where the amount and
    // the rate cannot be compared: an infusion, whose dose is its rate, whatever amount the
    // bag held (580 mg of midazolam run at 3 ug/kg/min over two days was no bolus).
    let over_an_hour = given_over_hours.is_some_and(|hours| hours >= 1.0);
    let scheduled: Vec<DoseSpec> = specs
        .iter()
        .filter(|s| !s.as_needed)
        .map(|spec| {
            if over_an_hour && spec.rate.is_some() && !rate_comparable(spec) {
                DoseSpec {
                    quantity: None,
                    ..spec.clone()
                }
            } else {
                spec.clone()
            }
        })
        .collect();
    if scheduled.is_empty()
        && let [only, ..] = specs
    {
        let amount = DoseSpec {
            per_day: None,
            ..only.clone()
        };
        let dose = (specs.len() == 1)
            .then(|| line_dose(&amount, text))
            .flatten();
        return (dose, route, Some(DrugRole::AsNeeded));
    }
    // Also an infusion: a line whose text says it ran continuously, a drug whose name says so
    // ("midazolam in sodium chloride 0.9% continuous infusion"), and an administration that ran
    // an hour or more with no rate to say it was a slow push (480 mg of midazolam charted over
    // 48 hours, or the period alone): R4's period is how long it was given over.
    //
    // The period alone says so only when it is long and by a route an infusion runs by: a
    // bolus is often charted with a start and an end (lorazepam 4 mg IV from 10:00 to 11:00, the
    // review's case, was a first-line bolus read as anaesthesia), and a dose into a muscle
    // never ran as an infusion however long its period.
    let ran_as_infusion = given_over_hours
        .is_some_and(|hours| hours >= PERIOD_OF_AN_INFUSION_HOURS)
        && !route
            .as_deref()
            .is_some_and(crate::domain::routes::is_no_infusion_route);
    let role = (scheduled
        .iter()
        .any(|spec| (is_infusion(spec) && !is_transdermal(spec, text)) || spec.continuous)
        || (!scheduled.is_empty() || specs.is_empty())
            && (dosage_text::continuous_infusion(text.text)
                || ran_as_infusion && scheduled.iter().all(|spec| spec.rate.is_none())))
    .then_some(DrugRole::AnaestheticInfusion);
    let dose = match scheduled.as_slice() {
        [] => None,
        // One line says what it says, an amount with no frequency included.
        [only] => line_dose(only, text),
        several => highest_step(several, text),
    };
    (dose, route, role)
}

/// Hours an administration with no rate must have run to be read as an infusion by its period
/// alone: a bolus or a slow push is charted over minutes to an hour (lorazepam 4 mg from 10:00
/// to 11:00, the first review's case); two hours or more with no rate is a drug left running
/// (midazolam 30 mg over two and a half hours, the second review's case).
const PERIOD_OF_AN_INFUSION_HOURS: f64 = 2.0;

/// The dose of a record with several dosage lines (see [`dose_from`]).
fn highest_step(specs: &[DoseSpec], text: &DrugName<'_>) -> Option<Dose> {
    let mut steps: BTreeMap<i64, Vec<&DoseSpec>> = BTreeMap::new();
    let mut alone: Vec<Vec<&DoseSpec>> = Vec::new();
    for spec in specs {
        match spec.sequence {
            Some(sequence) => steps.entry(sequence).or_default().push(spec),
            None => alone.push(vec![spec]),
        }
    }
    let mut highest: Option<Dose> = None;
    for step in steps.into_values().chain(alone) {
        let dose = step_dose(&step, text)?;
        highest = match highest {
            None => Some(dose),
            Some(high) if high.unit != dose.unit => return None,
            Some(high) => Some(if dose.value > high.value { dose } else { high }),
        };
    }
    highest
}

/// The amount per interval of the lines given together, when each is one in the same unit.
fn step_dose(lines: &[&DoseSpec], text: &DrugName<'_>) -> Option<Dose> {
    let mut total: Option<Dose> = None;
    for line in lines {
        let dose = line_dose(line, text)?;
        // An amount with no frequency ("500 mg") says nothing of a day's total.
        if !dose.unit.contains('/') {
            return None;
        }
        total = match total {
            None => Some(dose),
            Some(sum) if sum.unit == dose.unit => Some(Dose {
                value: ((sum.value + dose.value) * 1000.0).round() / 1000.0,
                unit: sum.unit,
            }),
            Some(_) => return None,
        };
    }
    total
}

/// Whether a dosage line is an infusion, whose dose is its rate: a rate with no amount (2
/// mg/kg/h), or an amount that takes more than an hour to give at its rate (a 50 mg bag run at 5
/// mg an hour; 1 g at 5 mg/h alike). An amount with a rate is otherwise the dose, and the rate
/// only how fast it went in (lorazepam 4 mg pushed at 2 mg/min is a 4 mg bolus: read as an
/// infusion of 2 mg/min, it was no first-line benzodiazepine). A mass given at a volume's rate
/// (levetiracetam 4500 mg at 400 mL/h, the review's loading dose) is the mass given: the rate is
/// how fast its bag ran, and which of the two is the dose is no question of units; only an
/// administration that ran an hour or more makes it an infusion (see [`dose_from`]). When the
/// two cannot be compared otherwise (a count, units not known), a rate by body weight
/// (ug/kg/min) or per hour or per day is an infusion's, and another per minute (2 mL/min) a
/// push's.
fn is_infusion(spec: &DoseSpec) -> bool {
    if day_amount(spec).is_some() {
        return false;
    }
    let Some((rate, rate_unit)) = &spec.rate else {
        return false;
    };
    let Some((amount, unit)) = &spec.quantity else {
        return true;
    };
    let Some((per, time)) = rate_unit.trim().rsplit_once('/') else {
        return false;
    };
    let hours_per_unit = match time.trim().to_ascii_lowercase().as_str() {
        "s" | "sec" => 1.0 / 3600.0,
        "min" => 1.0 / 60.0,
        "h" | "hr" | "hour" => 1.0,
        "d" | "day" => 24.0,
        _ => return false,
    };
    let by_weight = per.to_ascii_lowercase().contains("/kg");
    match (units::measured(unit), units::measured(per)) {
        (Some((kind, amount_factor)), Some((rate_kind, rate_factor))) if !by_weight => {
            if kind != rate_kind {
                return false;
            }
            let hours = amount * amount_factor / (rate * rate_factor) * hours_per_unit;
            return *rate > 0.0 && hours.is_finite() && hours >= 1.0;
        }
        _ => {}
    }
    if per.trim().eq_ignore_ascii_case(unit.trim()) && *rate > 0.0 {
        let hours = amount / rate * hours_per_unit;
        return hours.is_finite() && hours >= 1.0;
    }
    by_weight || hours_per_unit >= 1.0
}

/// A line's amount a day where it is given as an amount per day with no amount of one dose
/// (`rateRatio` 1000 mg per 1 d, R4 "amount of medication per unit of time"; refract's export
/// writes a day's total so, its split not being known) and nothing says it ran as an infusion:
/// no route, or one no infusion runs by (by mouth, on the skin; see
/// [`crate::domain::routes::is_no_infusion_route`]). A mass (in any unit), a volume or a count
/// of the product's units a day, or a mass by body weight a day (40 mg/kg a day: refract's
/// export of a dose by weight on a schedule); a rate by body weight per hour or minute, or by
/// area, is an infusion's (see [`is_infusion`]).
fn day_amount(spec: &DoseSpec) -> Option<Dose> {
    if spec.quantity.is_some() || spec.continuous {
        return None;
    }
    if spec
        .route
        .as_deref()
        .is_some_and(|route| !crate::domain::routes::is_no_infusion_route(route))
    {
        return None;
    }
    let (value, unit) = spec.rate.as_ref()?;
    let (amount, per) = unit.trim().rsplit_once('/')?;
    if !matches!(
        per.trim().to_ascii_lowercase().as_str(),
        "d" | "day" | "24h"
    ) {
        return None;
    }
    let amount = amount.trim().to_lowercase();
    if amount.is_empty() {
        return None;
    }
    let (value, unit) = if let Some(mg) = units::mass_mg(&amount) {
        (value * mg, "mg")
    } else if let Some(mg) = mg_per_kg(&amount) {
        (value * mg, "mg/kg")
    } else if let Some(ml) = units::volume_ml(&amount) {
        (value * ml, "mL")
    } else {
        (*value, count_unit(&amount).filter(|unit| !unit.is_empty())?)
    };
    (value.is_finite() && value > 0.0).then(|| Dose {
        value: (value * 1000.0).round() / 1000.0,
        unit: format!("{unit}/d"),
    })
}

/// Milligrams per kilogram in one of a dose's unit by body weight ("mg/kg", "mcg/kg", "g/kg").
fn mg_per_kg(unit: &str) -> Option<f64> {
    let (mass, per) = unit.trim().split_once('/')?;
    per.trim()
        .eq_ignore_ascii_case("kg")
        .then(|| units::mass_mg(mass))
        .flatten()
}

/// Whether a line's rate is of its amount's unit per time (mg and mg/min): how long the
/// amount ran then follows from the two.
fn rate_comparable(spec: &DoseSpec) -> bool {
    match (&spec.quantity, &spec.rate) {
        (Some((_, unit)), Some((_, rate_unit))) => {
            rate_unit.trim().rsplit_once('/').is_some_and(|(per, _)| {
                per.trim().eq_ignore_ascii_case(unit.trim())
                    || matches!(
                        (units::measured(unit), units::measured(per)),
                        (Some((kind, _)), Some((rate_kind, _))) if kind == rate_kind
                    )
            })
        }
        _ => false,
    }
}

/// Whether a route concept is coded as transdermal: SNOMED CT 45890007 |Transdermal route|,
/// EDQM 20070000 "Transdermal use", the FDA route C38305 "TRANSDERMAL".
fn coded_transdermal(concept: &CodeableConcept) -> bool {
    concept
        .coding
        .iter()
        .filter_map(|coding| coding.code.as_deref())
        .any(|code| matches!(code.trim(), "45890007" | "20070000" | "C38305"))
}

/// A rate ratio as an amount a day ("0.3 mg / 24 h" is 0.3 mg/d), for a patch.
fn rate_per_day(ratio: &model::Ratio) -> Option<(f64, String)> {
    let (numerator, denominator) = (ratio.numerator.as_ref()?, ratio.denominator.as_ref()?);
    let amount = numerator.value?;
    let over = denominator.value.unwrap_or(1.0);
    let days = period_days(over, denominator.unit_text()?.trim())?;
    let unit = numerator.unit_text().unwrap_or("").trim();
    let value = amount / days;
    value
        .is_finite()
        .then(|| ((value * 1000.0).round() / 1000.0, format!("{unit}/d")))
}

/// Whether a line is a transdermal product's (by its route or the drug's name): what it
/// delivers is a dose a day while worn, never an infusion (see
/// [`crate::domain::routes::is_transdermal`]).
fn is_transdermal(spec: &DoseSpec, name: &DrugName<'_>) -> bool {
    spec.route
        .as_deref()
        .is_some_and(crate::domain::routes::is_transdermal)
        || crate::domain::routes::is_transdermal(name.text)
}

/// A transdermal product's milligrams a day: the rate its dosage states (0.3 mg / 24 h, 25
/// mcg/h), which R4 gives for the whole administration, however many patches it is; else the
/// rate its name states for one patch ("0.3 MG/24HR", "25 MCG/HR", "releases 0.1 mg/24 hours")
/// times the patches worn (see [`patches_worn`]). The patches a schedule changes (one a week)
/// say how often they are replaced, not how much they deliver.
fn transdermal_mg_per_day(spec: &DoseSpec, name: &DrugName<'_>) -> Option<f64> {
    let by_rate = spec.rate.as_ref().and_then(|(value, unit)| {
        let (mass, per) = unit.trim().rsplit_once('/')?;
        let per_day = match per.trim().to_ascii_lowercase().as_str() {
            "d" | "day" | "24h" | "24hr" => 1.0,
            "h" | "hr" | "hour" => 24.0,
            "min" => 1440.0,
            _ => return None,
        };
        Some(value * units::mass_mg(mass)? * per_day)
    });
    by_rate
        .or_else(|| Some(strength::delivery_mg_per_day(name.text)? * patches_worn(spec)?))
        .filter(|mg| mg.is_finite() && *mg > 0.0)
}

/// How many of a transdermal product's units one dose wears: its count (2 `patch`, `{patch}`,
/// "system", or a count of the product's units, `1`, `{dose}`), 1 where no amount is given or
/// the amount is a mass (the patch's rate or content written as the dose: no count of
/// patches); `None` for an amount in another unit, which says no count.
fn patches_worn(spec: &DoseSpec) -> Option<f64> {
    let Some((count, unit)) = &spec.quantity else {
        return Some(1.0);
    };
    let unit = unit.trim().to_lowercase();
    let bare = unit.trim_start_matches('{').trim_end_matches('}');
    let patches = matches!(
        bare,
        "patch" | "patches" | "system" | "systems" | "transdermal system" | "plaster" | "plasters"
    ) || count_unit(&unit) == Some("dose");
    if units::mass_mg(&unit).is_some() {
        Some(1.0)
    } else {
        (patches && count.is_finite() && *count > 0.0).then_some(*count)
    }
}

/// The dose of one dosage line: an infusion's rate, else its amount per interval (see
/// [`dose_from`]).
fn line_dose(spec: &DoseSpec, name: &DrugName<'_>) -> Option<Dose> {
    if is_transdermal(spec, name)
        && let Some(mg) = transdermal_mg_per_day(spec, name)
    {
        return Some(Dose {
            value: (mg * 1000.0).round() / 1000.0,
            unit: String::from("mg/d"),
        });
    }
    if let Some(day) = day_amount(spec) {
        return Some(day);
    }
    if is_infusion(spec)
        && let Some((value, unit)) = &spec.rate
    {
        return Some(Dose {
            value: *value,
            unit: if unit.is_empty() {
                String::from("/h")
            } else {
                unit.clone()
            },
        });
    }
    let (value, unit_text) = spec.quantity.as_ref()?;
    let value = *value;
    let unit = unit_text.trim().to_lowercase();
    let counted_as = count_unit(&unit);
    let by_strength = units::mass_mg(&unit)
        .map(|factor| value * factor)
        .or_else(|| name.milligrams(value, &unit));
    // A count with the mass of the dose written beside it (a day's total written over the
    // doses a day: comparing one dose's share is comparing the day): where no strength converts
    // the count, the text's mass is the dose; where one does, the two must agree (within the
    // 2 % a written total may differ by), else one of them is a slip and the dose is unknown.
    let milligrams = match (by_strength, spec.written_mg) {
        (None, Some(written)) if counted_as.is_some() => Some(written),
        (Some(mg), Some(written))
            if counted_as.is_some()
                && (mg - written).abs()
                    > mg.max(written) * dosage_text::WRITTEN_TOTAL_AGREES_WITHIN =>
        {
            return None;
        }
        (mg, _) => mg,
    };
    // A mass the text writes for one dose beside its count of the product's units ("1 tablet
    // (100 mg) daily" of 50 mg tablets): where the product's strength makes the count another
    // mass, one of them is a slip, and which the record does not say (see
    // [`dosage_text::WRITTEN_TOTAL_AGREES_WITHIN`]): the dose is unknown, never either read.
    // With no strength the mass stands.
    if let (Some(mg), Some((count, count_unit))) = (milligrams, &spec.counted_dose)
        && let Some(by_count) = name.milligrams(*count, count_unit)
        && (mg - by_count).abs() > mg.max(by_count) * dosage_text::WRITTEN_TOTAL_AGREES_WITHIN
    {
        return None;
    }
    // A day's total the text writes, which its count of units at the product's strength
    // contradicts: one of them is a slip, and which the record does not say (see
    // [`dosage_text::WRITTEN_TOTAL_AGREES_WITHIN`]). With no strength the total stands.
    if let (Some(mg), Some((count, count_unit))) = (milligrams, &spec.counted_day)
        && let Some(by_count) = name.milligrams(*count, count_unit)
    {
        let written = mg * spec.per_day.unwrap_or(1.0);
        let larger = written.max(by_count);
        if (written - by_count).abs() > larger * dosage_text::WRITTEN_TOTAL_AGREES_WITHIN {
            return None;
        }
    }
    // A dose by body weight keeps its schedule as any dose does (20 mg/kg twice a day is 40
    // mg/kg/d, review R1-6); refract keeps it by weight (no body weight is read into it).
    if let (None, Some(per_day), Some(factor)) = (milligrams, spec.per_day, mg_per_kg(&unit)) {
        return Some(per_interval(value * factor, per_day, "mg/kg"));
    }
    Some(match (milligrams, counted_as, spec.per_day) {
        (Some(mg), _, Some(per_day)) => per_interval(mg, per_day, "mg"),
        (Some(mg), _, None) => Dose {
            value: mg,
            unit: String::from("mg"),
        },
        (None, Some(count_unit), Some(per_day)) => per_interval(value, per_day, count_unit),
        // A volume with no strength to make it milligrams is still a volume a day, as a count
        // of tablets is: "15 mL" alone would read as one dose, not the day's.
        (None, None, Some(per_day)) if let Some(ml) = units::volume_ml(&unit) => {
            per_interval(value * ml, per_day, "mL")
        }
        (None, _, _) => Dose {
            value,
            unit: unit_text.clone(),
        },
    })
}

/// The unit of a dose's quantity: its UCUM code, or the unit its SNOMED CT code names (UK
/// Core, dm+d: 258685003 |microgram|), when that is one refract reads (the unit the dose is
/// in, whatever the words beside it), else its `unit` when that is (any spelling of a mass or a
/// volume, "milligrams", "μg": see [`units`]), else its `code` when that is (`unit` "tbl"
/// beside UCUM's `code` "{tbl}": the code is the one defined), else whichever is written.
fn dose_unit(quantity: &model::Quantity) -> &str {
    let read = |unit: &&str| {
        let unit = unit.trim().to_lowercase();
        !unit.is_empty() && (units::measured(&unit).is_some() || count_unit(&unit).is_some())
    };
    quantity
        .ucum_code()
        .or_else(|| quantity.snomed_unit())
        .filter(read)
        .or_else(|| quantity.unit.as_deref().filter(read))
        .or_else(|| quantity.code.as_deref().filter(read))
        .or_else(|| quantity.unit_text())
        .unwrap_or("")
}

/// An amount given `per_day` times a day: per day ("1000 mg/d") when given daily or more
/// often, or when doses are two days or more apart, per interval ("75 mg/2d", "234 mg/mo",
/// "150 mg/4wk") as the schedule is written, so that the amount of one administration stays
/// known: some drugs' minimum is per session (esketamine 56 mg), which a daily average of a
/// twice-weekly schedule (16 mg/d) would hide. Doses a fraction of days apart are counted per
/// whole period ("56 mg 2x/wk", "100 mg 3x/wk"; see [`crate::rules::dose`]): a fractional
/// interval ("mg/2.33d") is no unit UCUM or a FHIR `Timing` can carry, and rounded, it read back
/// as another daily dose. A schedule no count of doses makes whole is read as its daily amount.
/// Between one and two days (a dose on some days of the week, several times a day) the doses
/// are not evenly spaced: a daily amount.
fn per_interval(amount: f64, per_day: f64, unit: &str) -> Dose {
    use crate::rules::dose::{schedule_unit, whole_schedule};
    let interval_days = 1.0 / per_day;
    let daily = || Dose {
        value: (amount * per_day * 1000.0).round() / 1000.0,
        unit: format!("{unit}/d"),
    };
    if interval_days < 2.0 - 0.01 {
        return daily();
    }
    match whole_schedule(interval_days) {
        Some(schedule) => Dose {
            value: (amount * 1000.0).round() / 1000.0,
            unit: schedule_unit(unit, schedule),
        },
        None => daily(),
    }
}

/// An observation's or component's `value[x]`, as far as a criterion can use it.
struct Value<'a> {
    quantity: Option<&'a model::Quantity>,
    integer: Option<i64>,
    coded: Option<&'a CodeableConcept>,
    boolean: Option<bool>,
    string: Option<&'a str>,
}

impl Value<'_> {
    /// No value at all.
    const NONE: Value<'static> = Value {
        quantity: None,
        integer: None,
        coded: None,
        boolean: None,
        string: None,
    };

    /// The value a `valueString` states as a number ("18": some questionnaire systems send
    /// scores so), with its unit or as a bound ("3%", "<5%": see [`written_value`]); `None`
    /// beside a quantity or an integer, which say the value themselves.
    fn written(&self) -> Option<written_value::Written> {
        if self.quantity.is_some() || self.integer.is_some() {
            return None;
        }
        // A concept with no code, its number in the text (`{"text": "19"}`, as some form
        // systems send a total), says the number as a `valueString` would; one with a code is
        // an answer, whatever its text.
        let uncoded_text = self
            .coded
            .filter(|concept| concept.first_code().is_none())
            .and_then(|concept| concept.text.as_deref());
        self.string.or(uncoded_text).and_then(written_value::read)
    }

    /// The unit a value is in, for every unit-dependent reading of it (a pressure's unit, the
    /// kPa to mmHg conversion): a quantity's UCUM code, else its unit as written, else the unit
    /// written in the `valueString` (`written`, [`Self::written`]'s), so that "20.3 kPa" written
    /// is read as the same quantity sent would be.
    fn unit_written<'w>(&'w self, written: Option<&'w written_value::Written>) -> Option<&'w str> {
        match self.quantity {
            Some(quantity) => quantity.code.as_deref().or(quantity.unit.as_deref()),
            None => written.and_then(|w| w.unit.as_deref()),
        }
    }

    /// The number, and the coded answer: a yes or no (a boolean, a coded or written Present,
    /// Positive, Detected…) as SNOMED CT Present or Absent, never as a number; another code as
    /// it is.
    fn read(&self) -> (Option<f64>, Option<String>) {
        use observation_codes::finding;
        let yes_or_no = |yes: bool| {
            String::from(if yes {
                finding::PRESENT[0]
            } else {
                finding::ABSENT[0]
            })
        };
        let number = self
            .quantity
            .and_then(|q| q.value)
            .or(self.integer.map(|i| i as f64))
            .or(self.written().map(|written| written.value));
        let coded = self.coded.and_then(|concept| {
            concept
                .coding
                .iter()
                .filter_map(|c| c.code.as_deref())
                .find_map(finding::of_code)
                .or_else(|| {
                    concept
                        .text
                        .as_deref()
                        .into_iter()
                        .chain(concept.coding.iter().filter_map(|c| c.display.as_deref()))
                        .find_map(finding::of_words)
                })
                .map(yes_or_no)
                .or_else(|| concept.first_code().map(str::to_owned))
        });
        let answer = coded
            .or_else(|| self.boolean.map(yes_or_no))
            .or_else(|| self.string.and_then(finding::of_words).map(yes_or_no));
        (number, answer)
    }
}

/// The coded value of a disease status (LOINC 97509-4): a trend code refract reads, else the
/// response its words say (`valueCodeableConcept.text`, a coding's display, a local code such
/// as "VGPR", `valueString`), stored as [`Response::disease_status_code`]. mCODE binds the
/// value to its trend codes, but base R4 allows words alone, and records send "Progressive
/// disease" or "VGPR" so; read as nothing, every progression they report was lost. Words that
/// deny or hedge a response ("no progression") are not read (see [`Response::from_words`]).
fn disease_status_answer(value: &Value<'_>) -> Option<String> {
    let concept = value.coded;
    let codes = || {
        concept
            .into_iter()
            .flat_map(|c| &c.coding)
            .filter_map(|c| c.code.as_deref())
            .map(str::trim)
    };
    if let Some(known) = codes().find(|code| Response::from_disease_status(code).is_some()) {
        return Some(known.to_owned());
    }
    concept
        .into_iter()
        .flat_map(|c| {
            c.text
                .as_deref()
                .into_iter()
                .chain(c.coding.iter().filter_map(|c| c.display.as_deref()))
        })
        .chain(codes())
        .chain(value.string)
        .find_map(Response::from_words)
        .map(Response::disease_status_code)
}

/// A disease status's value in the record's own words, kept beside the response read from them
/// ([`disease_status_answer`]): its `valueString`, else its `valueCodeableConcept`'s text, else
/// its codings' displays, on one line. The response alone loses which disease the words name
/// ("Multiple myeloma - very good partial response" under a status named "Disease status"), and
/// of a patient with two, only they tell (`rules::indication::attribute_untied`).
fn disease_status_words(value: &Value<'_>) -> String {
    let displays = || {
        value
            .coded
            .into_iter()
            .flat_map(|concept| &concept.coding)
            .filter_map(|coding| coding.display.as_deref())
            .map(str::trim)
            .filter(|display| !display.is_empty())
            .collect::<Vec<_>>()
            .join("; ")
    };
    let words = value
        .string
        .map(str::trim)
        .filter(|words| !words.is_empty())
        .or_else(|| {
            value
                .coded
                .and_then(|concept| concept.text.as_deref())
                .map(str::trim)
                .filter(|text| !text.is_empty())
        })
        .map_or_else(displays, str::to_owned);
    one_line(&words)
}

/// Words on one line, their whitespace one space each.
fn one_line(words: &str) -> String {
    crate::text::sanitise_line(words)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A DiagnosticReport as the disease status its conclusion states (imaging and pathology
/// systems put a PET-CT's or a marrow's response there, R4 `conclusion` and `conclusionCode`,
/// not in an Observation): the same fact a disease status (LOINC 97509-4) gives, so that
/// every reader of disease statuses sees it. A `conclusionCode` refract reads as a status (the
/// mCODE trend codes, [`Response::from_disease_status`]) wins over the words, unless the words
/// read another response or doubt that one ("PD not confirmed"): then none, as when two codes
/// disagree. Beside such a code the words are read as a status's are (the code says what they
/// are about). With no such code the words decide ([`ReportWords`]: sentence by sentence, two
/// responses none). `None`: no response read. Dated by `effectiveDateTime`, else the start of
/// `effectivePeriod` (when the scan or the specimen was taken: the report of a period is
/// about what was seen then, not after it), else `issued`.
fn map_report(resource: &model::DiagnosticReport) -> Result<Option<Observation>, String> {
    // What the report examined: a trend code or a response phrase alone is the cancer's only
    // in a report about it (a PET-CT, a bone marrow); a CT chest's "condition stable" is its
    // nodule's.
    let about_cancer = resource
        .code
        .iter()
        .chain(&resource.category)
        .flat_map(|concept| {
            concept
                .text
                .as_deref()
                .into_iter()
                .chain(concept.coding.iter().filter_map(|c| c.display.as_deref()))
                .chain(concept.coding.iter().filter_map(|c| c.code.as_deref()))
        })
        .any(report_names_cancer)
        || resource
            .code
            .iter()
            .flat_map(|concept| &concept.coding)
            .any(|coding| {
                coding
                    .code
                    .as_deref()
                    .is_some_and(|code| report_code_is_pet(coding.system.as_deref(), code))
            });
    // A trend code is SNOMED CT's (mCODE's value set), or refract's own.
    let coded: Vec<Response> = resource
        .conclusion_code
        .iter()
        .flat_map(|concept| &concept.coding)
        .filter(|_| about_cancer)
        .filter(|coding| {
            coding.system.as_deref().is_none_or(|system| {
                canonical_system(system) == "http://snomed.info/sct" || system.trim().is_empty()
            }) || coding
                .code
                .as_deref()
                .is_some_and(|code| code.trim().starts_with(crate::domain::RESPONSE_CODE_PREFIX))
        })
        .filter_map(|coding| coding.code.as_deref())
        .filter_map(|code| Response::from_disease_status(code.trim()))
        .collect();
    // A code no status reads (a SNOMED CT finding, a local code) may still say it in words.
    let code_words = resource
        .conclusion_code
        .iter()
        .filter(|concept| {
            !concept.coding.iter().any(|coding| {
                coding
                    .code
                    .as_deref()
                    .is_some_and(|code| Response::from_disease_status(code.trim()).is_some())
            })
        })
        .flat_map(|concept| {
            concept
                .text
                .as_deref()
                .into_iter()
                .chain(concept.coding.iter().filter_map(|c| c.display.as_deref()))
        });
    let about = if !about_cancer {
        ReportAbout::Other
    } else if coded.is_empty() {
        ReportAbout::Cancer
    } else {
        ReportAbout::CodedStatus
    };
    let words = ReportWords::of(
        resource.conclusion.as_deref().into_iter().chain(code_words),
        about,
    );
    let response = match coded.first() {
        Some(first) => coded
            .iter()
            .all(|code| code == first)
            .then_some(*first)
            .filter(|code| words.agree_with(*code)),
        None => words.response(),
    };
    let Some(response) = response else {
        return Ok(None);
    };
    let effective_text = resource
        .effective_date_time
        .as_ref()
        .or_else(|| {
            resource
                .effective_period
                .as_ref()
                .and_then(|p| p.start.as_ref().or(p.end.as_ref()))
        })
        .or(resource.issued.as_ref());
    let Some(effective) = date_field("effective", effective_text)? else {
        return Err(String::from(
            "no date refract can read (no effective[x] with a date, no issued), so \
             the criteria do not see the response its conclusion states",
        ));
    };
    let name = resource
        .code
        .as_ref()
        .and_then(CodeableConcept::words)
        .map_or_else(
            || String::from("report"),
            |name| {
                crate::text::sanitise_line(name)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            },
        );
    Ok(Some(Observation {
        focus: Vec::new(),
        // What the report concluded, in its words: they may name the disease it is about.
        value_words: resource
            .conclusion
            .as_deref()
            .map(one_line)
            .unwrap_or_default(),
        reference_ranges: Vec::new(),
        interpretation: None,
        named_conditions: Vec::new(),
        id: 0,
        display: format!("Cancer disease status ({name})"),
        code: observation_codes::DISEASE_STATUS.to_owned(),
        system: String::from("http://loinc.org"),
        value: None,
        value_code: Some(response.disease_status_code()),
        unit: None,
        effective,
        since: None,
        setting: None,
        comparator: None,
        // A report's day is its record's local day, as an observation's.
        utc_offset_minutes: effective_text
            .and_then(|text| utc_offset_minutes(text))
            .filter(|minutes| *minutes != 0),
        since_utc_offset_minutes: None,
        since_precision: DatePrecision::Day,
        // "2024-05": a month, never its first day.
        effective_precision: effective_text
            .map_or(DatePrecision::Day, |text| DatePrecision::of_text(text)),
    }))
}

/// The coded value of a seizure-frequency answer (a test a criterion counts seizures by):
/// refract's own code of the frequency its code or words name ("Seizure free", "Weekly",
/// "Less than monthly"; see [`observation_codes::seizure_frequency`]), so that a local answer
/// code ("1") is read by its words and shown in them. `None` when they name none.
fn seizure_frequency_answer(value: &Value<'_>) -> Option<(String, Option<i64>)> {
    use observation_codes::seizure_frequency;
    let concept = value.coded;
    if let Some(own) = concept
        .into_iter()
        .flat_map(|c| &c.coding)
        .filter_map(|c| c.code.as_deref())
        .find(|code| seizure_frequency::of_code(code).is_some())
    {
        return Some((own.trim().to_owned(), None));
    }
    concept
        .into_iter()
        .flat_map(|c| {
            c.text
                .as_deref()
                .into_iter()
                .chain(c.coding.iter().filter_map(|c| c.display.as_deref()))
        })
        .chain(value.string)
        .find_map(seizure_frequency::code_and_window_of_words)
}

/// The code and the name a test is kept under: among the record's codes and names (its text
/// and every coding's display), the one a criterion reads, if any; else its LOINC code and its
/// text. The name is cleaned of invisible characters and runs of spaces, so that one test is
/// one test. A blood pressure's name is read with its value's `unit` (see
/// [`crate::rules::blood_pressure_named`]), and only where `names_read_as_bp` (the
/// Observation's category allows it, see [`vital_signs_or_uncategorised`]); `in_vital_signs`
/// when a category is coded `vital-signs` (see [`coded_vital_signs`]).
/// (code, name, the code's system: empty for a test named in words alone).
fn test_of(
    concept: &CodeableConcept,
    unit: Option<&str>,
    names_read_as_bp: bool,
    in_vital_signs: bool,
    rules: &Rules,
) -> Option<(String, String, String)> {
    // Everything the naming reads, each part with its length, so that no two inputs share a key.
    let mut key = String::with_capacity(160);
    let mut part = |text: Option<&str>| match text {
        Some(text) => {
            key.push_str(&text.len().to_string());
            key.push(':');
            key.push_str(text);
        }
        None => key.push('-'),
    };
    part(Some(if names_read_as_bp { "bp" } else { "" }));
    part(Some(if in_vital_signs { "vs" } else { "" }));
    part(unit);
    part(concept.text.as_deref());
    for coding in &concept.coding {
        part(coding.system.as_deref());
        part(coding.code.as_deref());
        part(coding.display.as_deref());
    }
    rules.observation_terms.naming.named(key, || {
        name_test(concept, unit, names_read_as_bp, in_vital_signs, rules)
    })
}

/// [`test_of`], worked out.
fn name_test(
    concept: &CodeableConcept,
    unit: Option<&str>,
    names_read_as_bp: bool,
    in_vital_signs: bool,
    rules: &Rules,
) -> Option<(String, String, String)> {
    let terms = &rules.observation_terms;
    let clean = |words: &str| {
        crate::text::sanitise_line(words)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    // A blood pressure coded by position or in SNOMED CT is the reading the criteria read.
    let known_code = concept.coding.iter().find(|c| {
        c.code.as_deref().is_some_and(|code| {
            terms.codes.contains(code) || observation_codes::canonical(code) != code
        })
    });
    let in_loinc = |c: &&model::Coding| {
        c.code.is_some()
            && c.system.as_deref().is_some_and(|system| {
                canonical_system(system)
                    .to_ascii_lowercase()
                    .contains("loinc")
            })
    };
    let chosen = known_code
        .or_else(|| concept.coding.iter().find(in_loinc))
        .or_else(|| concept.coding.iter().find(|c| c.code.is_some()));
    let code = chosen
        .and_then(|c| c.code.as_deref())
        .map(|code| observation_codes::canonical(code).to_owned());
    let names: Vec<String> = concept
        .text
        .as_deref()
        .into_iter()
        .chain(known_code.and_then(|c| c.display.as_deref()))
        .chain(concept.coding.iter().filter_map(|c| c.display.as_deref()))
        .map(clean)
        .filter(|name| !name.is_empty())
        .collect();
    // A blood pressure under codes that say no other test (a hospital's local flowsheet code)
    // is the reading its name says ("Systolic blood pressure", "BP sys"), as the other tests
    // are read by name: stored as that reading, so its setting is read and the criteria and
    // the charts find it. A code a criterion reads, or one that names its own test (LOINC),
    // wins over the name.
    let says_its_test = |c: &model::Coding| {
        c.code.as_deref().is_some_and(|code| {
            terms.codes.contains(code)
                || observation_codes::names_its_own_test(
                    c.system.as_deref().map_or("", canonical_system),
                    code,
                )
        })
    };
    if names_read_as_bp
        && known_code.is_none()
        && !concept.coding.iter().any(says_its_test)
        && let Some(reading) = names
            .iter()
            .find_map(|name| crate::rules::blood_pressure_named(name, unit, in_vital_signs))
    {
        let name = names.first().cloned().unwrap_or_else(|| reading.to_owned());
        return Some((reading.to_owned(), name, String::from("http://loinc.org")));
    }
    // The system the code is in: a blood pressure read from another code is LOINC's reading.
    let system = match (chosen, &code) {
        // refract's own codes are one namespace, whatever system wrote them (and an older
        // export wrote a test named in words as a `text:` code).
        (_, Some(code)) if code.starts_with("refract:") || code.starts_with("text:") => {
            String::new()
        }
        (Some(coding), Some(code)) if coding.code.as_deref() != Some(code.as_str()) => {
            String::from("http://loinc.org")
        }
        (Some(coding), _) => coding
            .system
            .as_deref()
            .map(|system| canonical_system(system).to_owned())
            .unwrap_or_default(),
        (None, _) => String::new(),
    };
    let known_name = names
        .iter()
        .find(|name| terms.knows(None, Some(name.as_str())));
    let name = known_name
        .or(names.first())
        .map(|name| with_specimen(name, &names));
    match (code, name) {
        (Some(code), Some(name)) => Some((code, name, system)),
        (Some(code), None) => Some((code.clone(), code, system)),
        // A test named only in words is kept under them (criteria read such tests by name).
        (None, Some(name)) => Some((format!("text:{name}"), name, String::new())),
        (None, None) => None,
    }
}

/// The specimens other than blood a test's name may say, each as its words and the word kept.
/// A test is kept under one name: when that name says no specimen ("M-Spike", as Epic names
/// a component) and another of the record's names (a coding's display: "Protein.monoclonal
/// [Mass/volume] in Urine by Electrophoresis") says one of these, the kept name says it too
/// ("M-Spike (urine)"), for the criteria tell a urine test from a serum one by its name.
const SPECIMENS: &[(&[&str], &str)] = &[
    (&["urine", "urinary", "upep"], "urine"),
    (
        &[
            "cerebrospinal fluid",
            "cerebral spinal fluid",
            "spinal fluid",
            "csf",
        ],
        "cerebrospinal fluid",
    ),
    (&["pleural fluid"], "pleural fluid"),
    (
        &["peritoneal fluid", "ascitic fluid", "ascites"],
        "peritoneal fluid",
    ),
    (&["synovial fluid"], "synovial fluid"),
    (&["stool", "feces", "faeces"], "stool"),
];

/// The words of blood specimens: a name saying one says its specimen (nothing added), and a
/// name of the record saying one beside another specimen leaves the specimen open.
const BLOOD_SPECIMENS: &[&str] = &["serum", "plasma", "blood"];

/// `name`, with the specimen another of `names` says when it says none itself (see
/// [`SPECIMENS`]). Names that say two specimens between them, or a blood one beside another,
/// add nothing: refract does not choose between them.
fn with_specimen(name: &str, names: &[String]) -> String {
    let words = |text: &str| -> Vec<String> {
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|word| !word.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    // The phrases are lower-case words joined by single spaces (see [`SPECIMENS`]): compared
    // word by word in place, as this runs for every result an import reads.
    let says = |text: &[String], phrase: &str| {
        let length = phrase.split(' ').count();
        !phrase.is_empty()
            && text
                .windows(length)
                .any(|window| window.iter().map(String::as_str).eq(phrase.split(' ')))
    };
    let specimen_of = |text: &[String]| {
        SPECIMENS
            .iter()
            .find(|(phrases, _)| phrases.iter().any(|phrase| says(text, phrase)))
            .map(|(_, kept)| *kept)
    };
    let blood = |text: &[String]| BLOOD_SPECIMENS.iter().any(|word| says(text, word));
    let own = words(name);
    if specimen_of(&own).is_some() || blood(&own) {
        return name.to_owned();
    }
    let others: Vec<Vec<String>> = names.iter().map(|other| words(other)).collect();
    let mut said = others.iter().filter_map(|other| specimen_of(other));
    match (said.next(), others.iter().any(|other| blood(other))) {
        (Some(specimen), false) if said.all(|other| other == specimen) => {
            format!("{name} ({specimen})")
        }
        _ => name.to_owned(),
    }
}

/// The codes of FHIR's observation-category code system
/// (`http://terminology.hl7.org/CodeSystem/observation-category`) other than `vital-signs`,
/// and their displays; read as words of a category's code, display or text ("Echo imaging").
/// Then the words a category given only in text or as a local code uses for the same kinds of
/// result (an echo, a cardiology study, a catheterisation or its haemodynamics, theatre and
/// anaesthesia, intensive care, an examination), in English and the languages the names are
/// read in, accents folded: a local category "Echo" or "Cath lab" says what FHIR's `imaging`
/// or `procedure` says. A choice: "Cardiology" is vetoed too, a department's category being a
/// study's (its cuff readings are filed as vital signs).
const NOT_VITAL_SIGNS_CATEGORIES: &[&str] = &[
    "imaging",
    "procedure",
    "exam",
    "laboratory",
    "therapy",
    "activity",
    "social-history",
    "social history",
    "survey",
    "examination",
    "echo",
    "echocardiography",
    "echocardiogram",
    "echokardiographie",
    "echocardiographie",
    "ecocardiografia",
    "ecocardiograma",
    "echocardiografie",
    "ultrasound",
    "doppler",
    "radiology",
    "cardiology",
    "kardiologie",
    "cardiologie",
    "cardiologia",
    "cath",
    "cathlab",
    "cath lab",
    "catheterisation",
    "catheterization",
    "cardiac catheter",
    "herzkatheter",
    "hemodynamic",
    "haemodynamic",
    "hemodynamics",
    "haemodynamics",
    "hamodynamik",
    "hemodynamique",
    "hemodinamica",
    "hemodinamia",
    "emodinamica",
    "hemodynamica",
    "theatre",
    "theater",
    "operating room",
    "surgery",
    "bloc operatoire",
    "quirofano",
    "anaesthesia",
    "anesthesia",
    "anaesthetic",
    "anesthetic",
    "anasthesie",
    "anesthesie",
    "anestesia",
    "anesthesiologie",
    "icu",
    "intensive care",
    "critical care",
    "intensivstation",
    "reanimation",
    "soins intensifs",
    "uci",
    "terapia intensiva",
    "cuidados intensivos",
];

/// Whether an Observation's name may make it a blood pressure: it has no category, or one of
/// its categories is vital signs, and none is another of FHIR's observation categories. A
/// choice, after FHIR's observation-category code system: the office reading is a vital sign
/// (the Vital Signs profile requires that category); `imaging` and `procedure` are an echo's
/// or a catheterisation's pressures (an English "PAS" or "Systolic" there is the pulmonary
/// artery's, in mmHg too), `exam` a physical examination's findings, `laboratory` a
/// specimen's, `therapy` and `activity` what was done, and `survey` answers to a
/// questionnaire (a pressure remembered, not measured). A category that says one of those
/// vetoes the name even beside `vital-signs` (an intra-procedural vital sign is not an office
/// reading). A category that says none of them (a flowsheet's own local category, "Vitals")
/// is read as no category: refract cannot tell what it is, and vetoing it would leave out the
/// office readings of every record that writes its own categories (a choice). A code a
/// criterion reads (LOINC's 8480-6) is not vetoed: only a reading by name is.
fn vital_signs_or_uncategorised(categories: &[CodeableConcept]) -> bool {
    !categories
        .iter()
        .flat_map(|concept| {
            concept
                .coding
                .iter()
                .flat_map(|c| [c.code.as_deref(), c.display.as_deref()])
                .chain([concept.text.as_deref()])
                .flatten()
        })
        .any(|words| {
            let words = crate::rules::words::fold_accents(words);
            NOT_VITAL_SIGNS_CATEGORIES
                .iter()
                .any(|category| crate::rules::names_test(&words, category))
        })
}

/// Whether a category is coded FHIR's `vital-signs` (in the R4 code system, its older
/// `http://hl7.org/fhir/observation-category`, or with no system): the record says the result
/// is a vital sign, as a category in words alone ("Vitals", "Signos vitales") cannot say as
/// surely (see [`crate::rules::blood_pressure_named`]).
fn coded_vital_signs(categories: &[CodeableConcept]) -> bool {
    categories
        .iter()
        .flat_map(|concept| &concept.coding)
        .any(|coding| {
            coding
                .code
                .as_deref()
                .is_some_and(|code| code.trim().eq_ignore_ascii_case("vital-signs"))
                && coding
                    .system
                    .as_deref()
                    .is_none_or(|system| system.ends_with("observation-category"))
        })
}

/// Whether a unit says a value is a number fraction (0.25 for 25 %): UCUM's unity `1` with no
/// words beside it that say otherwise, or the words "fraction", "{fraction}", "ratio".
fn is_number_fraction(quantity: &model::Quantity) -> bool {
    let fraction_words = |text: &str| {
        matches!(
            text.trim()
                .trim_matches(['{', '}'])
                .to_ascii_lowercase()
                .as_str(),
            "fraction" | "number fraction" | "ratio" | "1"
        )
    };
    let code_is_unity = quantity.code.as_deref().is_some_and(|c| c.trim() == "1");
    let words = quantity.unit.as_deref().filter(|u| !u.trim().is_empty());
    match words {
        Some(words) => fraction_words(words) && (code_is_unity || quantity.code.is_none()),
        None => code_is_unity,
    }
}

/// The scores a filled-in form gives (R4 QuestionnaireResponse): each answer that is a
/// number, to an item the form names by a LOINC code (a PHQ-9 total, 44261-6), read as an
/// Observation of that code taken when the form was authored. The code is the item's `code`
/// where a form writes one, else the end of its `definition` or `linkId` ("/44261-6",
/// "http://loinc.org/q/44249-1#44261-6"): R4 keeps an item's codes in the Questionnaire,
/// which exports seldom carry. An item named by no LOINC code is no score refract can read.
///
/// A PHQ-9 (LOINC panel 44249-1) with no total item is totalled from its nine items (see
/// [`phq9_total`]); why it is not, when it is not, goes to `warnings`.
fn questionnaire_scores(
    response: &model::QuestionnaireResponse,
    rules: &Rules,
    warnings: &mut Vec<String>,
) -> Result<Vec<Observation>, String> {
    let mut scored: Vec<(String, Option<String>, model::Quantity)> = Vec::new();
    collect_scores(&response.item, &mut scored);
    if !scored.iter().any(|(code, _, _)| code == PHQ9_TOTAL) {
        match phq9_total(response) {
            Some(Ok(total)) => scored.push((
                String::from(PHQ9_TOTAL),
                Some(String::from("PHQ-9 total score (items 1-9)")),
                model::Quantity {
                    value: Some(total),
                    ..model::Quantity::default()
                },
            )),
            Some(Err(why)) => warnings.push(format!("no PHQ-9 total: {why}")),
            None => {}
        }
    }
    let mut observations = Vec::new();
    for (code, text, value) in scored {
        let observation = model::Observation {
            subject: response.subject.clone(),
            status: Some(String::from("final")),
            code: Some(CodeableConcept {
                coding: vec![model::Coding {
                    system: Some(String::from("http://loinc.org")),
                    code: Some(code),
                    display: text.clone(),
                }],
                text,
            }),
            value_quantity: Some(value),
            effective_date_time: response.authored.clone(),
            encounter: response.encounter.clone(),
            ..model::Observation::default()
        };
        observations.extend(map_observation(&observation, rules)?);
    }
    Ok(observations)
}

/// LOINC "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]".
const PHQ9_TOTAL: &str = "44261-6";

/// The nine items of the PHQ-9 (LOINC panel 44249-1), in the form's order; the first two are
/// also the PHQ-2's (55757-9).
const PHQ9_ITEMS: [&str; 9] = [
    "44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3",
    "44260-8",
];

/// The PHQ-9's LOINC answers and the points each scores (Kroenke 2001: 0 "Not at all" to 3
/// "Nearly every day").
const PHQ9_ANSWERS: [(&str, f64); 4] = [
    ("LA6568-5", 0.0),
    ("LA6569-3", 1.0),
    ("LA6570-1", 2.0),
    ("LA6571-9", 3.0),
];

/// The extensions that weigh a coded answer: R4's `ordinalValue`, and R5's `itemWeight` as
/// R4 forms that look ahead write it.
const ANSWER_WEIGHTS: [&str; 2] = [
    "http://hl7.org/fhir/StructureDefinition/ordinalValue",
    "http://hl7.org/fhir/StructureDefinition/itemWeight",
];

/// The PHQ-9 total a form with no total item gives: the sum of its nine items' points, only
/// when every one is answered once and each answer's points are known (a number, an
/// `ordinalValue`, or a PHQ-9 LOINC answer code); a total of fewer items would understate the
/// score, read as a response or a remission it is not. `None`: no PHQ-9 (a PHQ-2 is not one
/// missing seven items); `Err`: why a PHQ-9 gives no total.
fn phq9_total(response: &model::QuestionnaireResponse) -> Option<Result<f64, String>> {
    let mut answered: Vec<(String, Vec<Option<f64>>)> = Vec::new();
    collect_weights(&response.item, &mut answered);
    let is_phq9 = response
        .questionnaire
        .as_deref()
        .and_then(loinc_at_end)
        .as_deref()
        == Some("44249-1")
        || answered
            .iter()
            .any(|(code, _)| PHQ9_ITEMS[2..].contains(&code.as_str()));
    if !is_phq9 {
        return None;
    }
    let mut total = 0.0;
    let mut missing = Vec::new();
    for item in PHQ9_ITEMS {
        let answers: Vec<&Option<f64>> = answered
            .iter()
            .filter(|(code, _)| code == item)
            .flat_map(|(_, answers)| answers)
            .collect();
        match answers.as_slice() {
            [] => missing.push(item),
            [Some(points)] => total += points,
            [None] => {
                return Some(Err(format!(
                    "the answer to item {item} has no weight refract knows (a PHQ-9 LOINC                      answer code, or an ordinalValue)"
                )));
            }
            _ => {
                return Some(Err(format!(
                    "item {item} is answered {} times",
                    answers.len()
                )));
            }
        }
    }
    if !missing.is_empty() {
        return Some(Err(format!(
            "{} of its 9 items answered (not {})",
            9 - missing.len(),
            missing.join(", ")
        )));
    }
    Some(Ok(total))
}

/// The answers to the PHQ-9's items among `items` and the items inside them, each with its
/// points when known.
fn collect_weights(
    items: &[model::QuestionnaireItem],
    answered: &mut Vec<(String, Vec<Option<f64>>)>,
) {
    for item in items {
        let code = item
            .code
            .iter()
            .find_map(|coding| coding.code.clone())
            .filter(|code| PHQ9_ITEMS.contains(&code.as_str()))
            .or_else(|| {
                [item.definition.as_deref(), item.link_id.as_deref()]
                    .into_iter()
                    .flatten()
                    .find_map(loinc_at_end)
                    .filter(|code| PHQ9_ITEMS.contains(&code.as_str()))
            });
        if let Some(code) = code
            && !item.answer.is_empty()
        {
            let points = item.answer.iter().map(answer_points).collect();
            answered.push((code, points));
        }
        for answer in &item.answer {
            collect_weights(&answer.item, answered);
        }
        collect_weights(&item.item, answered);
    }
}

/// The points of one answer: a number, else its coding's weight (an extension), else the
/// PHQ-9's LOINC answer code's.
fn answer_points(answer: &model::QuestionnaireAnswer) -> Option<f64> {
    let number = answer
        .value_integer
        .map(|n| n as f64)
        .or(answer.value_decimal)
        .or_else(|| answer.value_quantity.as_ref().and_then(|q| q.value));
    let coded = answer.value_coding.as_ref().and_then(|coding| {
        coding
            .extension
            .iter()
            .filter(|extension| {
                extension
                    .url
                    .as_deref()
                    .is_some_and(|url| ANSWER_WEIGHTS.contains(&url))
            })
            .find_map(|extension| {
                extension
                    .value_decimal
                    .or(extension.value_integer.map(|n| n as f64))
            })
            .or_else(|| {
                let code = coding.code.as_deref()?.trim();
                PHQ9_ANSWERS
                    .iter()
                    .find(|(known, _)| *known == code)
                    .map(|(_, points)| *points)
            })
    });
    number.or(coded).filter(|points| points.is_finite())
}

/// The numeric answers of `items` and of the items inside them, with the LOINC code and the
/// words of the item each answers.
fn collect_scores(
    items: &[model::QuestionnaireItem],
    scored: &mut Vec<(String, Option<String>, model::Quantity)>,
) {
    for item in items {
        let code = item
            .code
            .iter()
            .filter(|coding| {
                coding
                    .system
                    .as_deref()
                    .is_some_and(|system| system.to_ascii_lowercase().contains("loinc"))
            })
            .find_map(|coding| coding.code.clone())
            .or_else(|| {
                [item.definition.as_deref(), item.link_id.as_deref()]
                    .into_iter()
                    .flatten()
                    .find_map(loinc_at_end)
            });
        for answer in &item.answer {
            let value = answer.value_quantity.clone().or_else(|| {
                answer
                    .value_decimal
                    .or(answer.value_integer.map(|n| n as f64))
                    .map(|value| model::Quantity {
                        value: Some(value),
                        ..model::Quantity::default()
                    })
            });
            if let (Some(code), Some(value)) = (&code, value) {
                scored.push((code.clone(), item.text.clone(), value));
            }
            collect_scores(&answer.item, scored);
        }
        collect_scores(&item.item, scored);
    }
}

/// The LOINC code a form's `linkId` or `definition` ends with ("/44249-1/44261-6",
/// "http://loinc.org/q/44249-1#44261-6"): digits, a hyphen, one check digit.
fn loinc_at_end(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '#']).next()?.trim();
    let (number, check) = last.split_once('-')?;
    let is_loinc = (1..=7).contains(&number.len())
        && number.bytes().all(|b| b.is_ascii_digit())
        && check.len() == 1
        && check.bytes().all(|b| b.is_ascii_digit());
    is_loinc.then(|| last.to_owned())
}

fn map_observation(
    resource: &model::Observation,
    rules: &Rules,
) -> Result<Vec<Observation>, String> {
    // R4: `effective[x]` is "the clinically relevant time/time-period for observation". A
    // value over a period (a seizure diary's count, a questionnaire's "last 2 weeks", an
    // ambulatory mean) is what was true through the period, so it is dated at its end: a
    // count of 0 is freedom up to the end, a count above 0 places its seizures no later than
    // the end (a freedom is never counted from before them), a score or a blood pressure is
    // as of the end. A period with no end (still open) is dated at its start. A Timing's
    // events are the times it was observed: the value is read as of the latest (one value
    // for them all is what was found by then; an earlier event cannot carry it alone).
    // A Timing with no event that is bounded by a period (`repeat.boundsPeriod`) says when by
    // that period alone: read as `effectivePeriod` is (a month's seizure rate so written had
    // been left out as undated).
    let latest_event = latest_event(resource.effective_timing.as_ref())?;
    let effective_period = resource.effective_period.as_ref().or_else(|| {
        resource
            .effective_timing
            .as_ref()
            .filter(|timing| timing.event.is_empty())
            .and_then(|timing| timing.repeat.as_ref()?.bounds_period.as_ref())
    });
    let effective_text = resource
        .effective_date_time
        .as_ref()
        .or_else(|| effective_period.and_then(|p| p.end.as_ref().or(p.start.as_ref())))
        .or(resource.effective_instant.as_ref())
        .or(latest_event)
        .or(resource.issued.as_ref());
    let Some(effective) = date_field("effective", effective_text)? else {
        // Said, not only counted: a score or a reading with no date cannot be placed before or
        // after a drug, and a reader would look for it.
        return Err(String::from(
            "no date refract can read (no effective[x] with a date, no issued), so \
             the criteria do not see this result",
        ));
    };
    // Over a period, its start too: seizures counted over a period that began before a drug
    // could work may predate it (the review's case), so the criteria read where it began.
    let since = match (resource.effective_date_time.as_ref(), effective_period) {
        (None, Some(period)) if period.end.is_some() => {
            date_field("effectivePeriod.start", period.start.as_ref())?
                .filter(|start| *start < effective)
        }
        _ => None,
    };
    // Each end of the period keeps the offset it was written in: a start given as a date alone
    // is that day, never read in the end's offset. UTC is kept as none, as the end's.
    let offset_of = |text: Option<&String>| {
        text.and_then(|text| utc_offset_minutes(text))
            .filter(|minutes| *minutes != 0)
    };
    let effective_offset = offset_of(effective_text);
    // A month or a year alone ("2026-03", as R4's dateTime allows) is every day of it: kept, so
    // that the criteria read it as a window and the export writes it as given.
    let effective_precision =
        effective_text.map_or(DatePrecision::Day, |text| DatePrecision::of_text(text));
    // The start keeps its own precision: "2026-03" begins on some day of March, not on 1 March.
    let since_precision = precision_of(
        since.map(|since| since.date()),
        effective_period.and_then(|p| p.start.as_ref()),
    );
    let since_offset =
        since.and_then(|_| offset_of(effective_period.and_then(|p| p.start.as_ref())));
    let code = resource.code.clone().unwrap_or_default();
    // The Vital Signs IG / CardX measurement setting ("Home (environment)"): its words are read
    // with the method's, its codes with the method's codes.
    let stated_settings: Vec<&CodeableConcept> = resource
        .extension
        .iter()
        .filter(|e| {
            e.url.as_deref().is_some_and(|url| {
                url.to_ascii_lowercase()
                    .replace(['-', '_'], "")
                    .contains(MEASUREMENT_SETTING)
            })
        })
        .filter_map(|e| e.value_codeable_concept.as_ref())
        .collect();
    let method_words: Vec<&str> = resource
        .method
        .iter()
        .chain(stated_settings.iter().copied())
        .flat_map(|concept| {
            concept
                .text
                .as_deref()
                .into_iter()
                .chain(concept.coding.iter().filter_map(|c| c.display.as_deref()))
        })
        .collect();
    let panel_words = [code.words().unwrap_or(""), &method_words.join(" ")].join(" ");
    let codes_of = |concept: &CodeableConcept| -> Vec<String> {
        concept
            .coding
            .iter()
            .filter_map(|c| c.code.as_deref())
            .map(|code| code.trim().to_owned())
            .collect()
    };
    // Codes say it as well as words (a display is optional in a Coding): the panel's code (a
    // 24-hour mean), the method's and the stated setting's.
    let panel_coded = codes_of(&code)
        .iter()
        .find_map(|code| observation_codes::bp_setting_of_code(code));
    let method_coded: Vec<BpSetting> = resource
        .method
        .iter()
        .chain(stated_settings.iter().copied())
        .flat_map(codes_of)
        .filter_map(|code| observation_codes::bp_setting_of_method_or_setting(&code))
        .collect();
    let coded = panel_coded
        .or_else(|| method_coded.iter().copied().find(|s| *s != BpSetting::Home))
        .or_else(|| method_coded.first().copied());
    // A reading the patient (or a relative) took is self-measured: CardX's self-measured
    // blood pressure is "taken by the subject or a related person, done in a non-clinical
    // environment", its performer the Patient. A setting stated otherwise (a clinic) wins.
    let self_measured = stated_settings.is_empty() && performed_by_patient(&resource.performer);
    // A reading's own name says where it was taken as well ("Systolic blood pressure--24 hour
    // mean", a component "Home systolic blood pressure").
    let setting_of = |concept: &CodeableConcept| {
        let own: Vec<&str> = concept
            .text
            .as_deref()
            .into_iter()
            .chain(concept.coding.iter().filter_map(|c| c.display.as_deref()))
            .collect();
        let own_coded = codes_of(concept)
            .iter()
            .find_map(|code| observation_codes::bp_setting_of_code(code));
        let worded = bp_setting(&format!("{panel_words} {}", own.join(" ")));
        bp_setting_decided(own_coded, worded, coded, self_measured)
    };
    let names_read_as_bp = vital_signs_or_uncategorised(&resource.category);
    let in_vital_signs = coded_vital_signs(&resource.category);
    // A result its name alone would have made a blood pressure, kept out by its category: it
    // says so where it is stored, so that its name is not read again (see
    // `crate::rules::blood_pressure_of`).
    let named_outside_vital_signs = |concept: &CodeableConcept, unit: Option<&str>| {
        !names_read_as_bp
            && concept
                .text
                .as_deref()
                .into_iter()
                .chain(concept.coding.iter().filter_map(|c| c.display.as_deref()))
                .any(|name| {
                    crate::rules::blood_pressure_named(name, unit, in_vital_signs).is_some()
                })
    };
    let mut out = Vec::new();
    let make = |concept: &CodeableConcept, value: &Value<'_>| {
        let written = value.written();
        // The unit says a result is a pressure where its name does not ("Cuff systolic"), and
        // which conversion it needs: a quantity's, or the one written in a valueString ("20.3
        // kPa"), read alike.
        let unit_written = value.unit_written(written.as_ref());
        let (code, display, system) = test_of(
            concept,
            unit_written,
            names_read_as_bp,
            in_vital_signs,
            rules,
        )?;
        let (number, mut answer) = value.read();
        let mut value_words = String::new();
        if code == observation_codes::DISEASE_STATUS {
            answer = disease_status_answer(value).or(answer);
            value_words = disease_status_words(value);
        }
        let (mut since, mut since_offset) = (since, since_offset);
        // A seizure frequency in words ("2 per month") is read by its words, as before a
        // number with a unit was read from text: a number written alone stays that number.
        let words_may_say_more = written
            .as_ref()
            .is_some_and(|w| w.unit.is_some() || w.comparator.is_some());
        let mut number = number;
        if number.is_none() || words_may_say_more {
            let probe = Observation {
                code: code.clone(),
                display: display.clone(),
                system: system.clone(),
                ..Observation::default()
            };
            if rules.counts_events(&probe)
                && let Some((read, window_days)) = seizure_frequency_answer(value)
            {
                answer = Some(read);
                if words_may_say_more {
                    number = None;
                }
                // Seizures the words count over a recent window ("2 seizures last week") are
                // seizures over that period, as an effectivePeriod says it.
                if let Some(days) = window_days
                    && since.is_none()
                {
                    // Counted back from the end: in the end's offset.
                    since = effective.checked_sub_signed(chrono::Duration::days(days));
                    since_offset = effective_offset;
                }
            }
        }
        if number.is_none() && answer.is_none() {
            return None;
        }
        let is_bp =
            code == observation_codes::SYSTOLIC_BP || code == observation_codes::DIASTOLIC_BP;
        let written = written.as_ref().filter(|_| number.is_some());
        let mut unit = value
            .quantity
            .and_then(|q| q.unit_text())
            .map(str::to_owned)
            .or_else(|| written.as_ref().and_then(|w| w.unit.clone()));
        // Blood pressure in another unit of pressure (kPa in some European records, cm[Hg]
        // in French charts): the criteria's thresholds are in mmHg, and 16 kPa or 15.2 cmHg
        // read as mmHg is "at goal". Kept to a tenth of a mmHg.
        if is_bp
            && let Some(factor) = unit_written.and_then(crate::rules::mmhg_per)
            && (factor - 1.0).abs() > f64::EPSILON
        {
            number = number.map(|value| (value * factor * 10.0).round() / 10.0);
            unit = Some(String::from("mm[Hg]"));
        }
        // A proportion the criteria read in percent (marrow blasts, LOINC 11150-0 "Blasts/100
        // cells", a number fraction) sent as a fraction (UCUM `1`, "fraction"): 0.25 is 25 %,
        // never 0.25 %. A "fraction" above 1 is none: kept in its unit, named by the criteria.
        if let Some(quantity) = value.quantity
            && is_number_fraction(quantity)
            && number.is_some_and(|n| (0.0..=1.0).contains(&n))
            && rules.reads_in_percent(&Observation {
                code: code.clone(),
                display: display.clone(),
                system: system.clone(),
                ..Observation::default()
            })
        {
            number = number.map(|fraction| (fraction * 100.0 * 1e6).round() / 1e6);
            unit = Some(String::from("%"));
        }
        Some(Observation {
            focus: Vec::new(),
            value_words,
            // Set by the caller, from the Observation or the component it was read from.
            reference_ranges: Vec::new(),
            interpretation: None,
            named_conditions: Vec::new(),
            id: 0,
            display,
            code,
            system,
            value: number,
            value_code: answer,
            unit,
            effective,
            since,
            // UTC ("Z", +00:00) is kept as none: its day is the UTC day already, and an
            // export, which writes UTC, reads back the same.
            utc_offset_minutes: effective_offset,
            since_utc_offset_minutes: since_offset,
            since_precision,
            effective_precision,
            setting: if is_bp {
                Some(setting_of(concept))
            } else {
                named_outside_vital_signs(concept, unit_written).then_some(BpSetting::NotVitalSigns)
            },
            // "< 5 %" is a bound: kept as one, never read as 5 (an unknown comparator too),
            // whether sent as a quantity's `comparator` or written in a `valueString` ("<5%").
            comparator: match value
                .quantity
                .and_then(|q| q.comparator.as_deref())
                .filter(|_| number.is_some())
                .map(|text| Comparator::parse(text.trim()).map_err(|_| ()))
                .transpose()
                .ok()?
            {
                Some(comparator) => Some(comparator),
                None => written.as_ref().and_then(|w| w.comparator),
            },
        })
    };
    // A value beside a reason it is absent (R4 obs-6 forbids both) is a placeholder, such as a
    // diary's 0 never filled in: no result (ST-3).
    let value = if resource.data_absent_reason.is_some() {
        Value::NONE
    } else {
        Value {
            quantity: resource.value_quantity.as_ref(),
            integer: resource.value_integer,
            coded: resource.value_codeable_concept.as_ref(),
            boolean: resource.value_boolean,
            string: resource.value_string.as_deref(),
        }
    };
    let main = make(&code, &value).map(|mut observation| {
        observation.reference_ranges = reference_ranges(resource.reference_range.as_ref());
        observation.interpretation = interpretation(resource.interpretation.as_ref());
        observation
    });
    out.extend(last_seizure_stated(
        resource,
        &value,
        effective,
        main.as_ref(),
        |concept| test_of(concept, None, names_read_as_bp, in_vital_signs, rules),
        rules,
    ));
    if let Some(mut observation) = main {
        // "Seizure free since 2019": free from the latest day the last seizure may have been.
        if let Some(freedom_from) = out
            .iter()
            .find(|o| o.value_code.as_deref() == Some(LAST_SEIZURE_FREE))
            .and_then(|o| o.since)
        {
            observation.since = observation.since.or(Some(freedom_from));
        }
        out.retain(|o| o.value_code.as_deref() != Some(LAST_SEIZURE_FREE));
        out.push(observation);
    }
    for component in &resource.component {
        let Some(concept) = &component.code else {
            continue;
        };
        if component.data_absent_reason.is_some() {
            continue;
        }
        let value = Value {
            quantity: component.value_quantity.as_ref(),
            integer: component.value_integer,
            coded: component.value_codeable_concept.as_ref(),
            boolean: component.value_boolean,
            string: component.value_string.as_deref(),
        };
        if let Some(mut observation) = make(concept, &value) {
            observation.reference_ranges = reference_ranges(component.reference_range.as_ref());
            observation.interpretation = interpretation(component.interpretation.as_ref());
            out.push(observation);
        }
    }
    // A blood-pressure panel whose reading is one text ("150/95 mmHg", a flowsheet value kept
    // whole) and no components: its panel code says the two numbers are a systolic over a
    // diastolic, so they are read as its components would be (it had been skipped as words).
    if resource.component.is_empty()
        && resource.data_absent_reason.is_none()
        && let Some((systolic_code, diastolic_code)) = code
            .coding
            .iter()
            .filter(|coding| {
                coding
                    .system
                    .as_deref()
                    .is_none_or(|system| system.to_ascii_lowercase().contains("loinc"))
            })
            .find_map(|coding| observation_codes::bp_panel_members(coding.code.as_deref()?))
        && let Some((systolic, diastolic)) =
            resource.value_string.as_deref().and_then(pressure_pair)
    {
        for (member, mmhg) in [(systolic_code, systolic), (diastolic_code, diastolic)] {
            let concept = CodeableConcept {
                coding: vec![model::Coding {
                    system: Some(String::from("http://loinc.org")),
                    code: Some(member.to_owned()),
                    display: None,
                }],
                text: None,
            };
            let quantity = model::Quantity {
                value: Some(mmhg),
                unit: Some(String::from("mm[Hg]")),
                system: Some(String::from("http://unitsofmeasure.org")),
                code: Some(String::from("mm[Hg]")),
                comparator: None,
            };
            let value = Value {
                quantity: Some(&quantity),
                ..Value::NONE
            };
            if let Some(mut observation) = make(&concept, &value) {
                observation.interpretation = interpretation(resource.interpretation.as_ref());
                out.push(observation);
            }
        }
    }
    Ok(out)
}

/// A blood pressure written as one text, "150/95", "142 / 88 mmHg" (or "mm Hg", "mm[Hg]"):
/// two numbers, the systolic above the diastolic. Anything more (a third number, other
/// words, a systolic not above its diastolic, which is no reading as written) is none.
fn pressure_pair(text: &str) -> Option<(f64, f64)> {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    let bare = ["mm[hg]", "mm hg", "mmhg"]
        .iter()
        .find_map(|unit| lower.strip_suffix(unit))
        .unwrap_or(&lower);
    let (systolic, diastolic) = bare.split_once('/')?;
    let number = |part: &str| -> Option<f64> {
        let part = part.trim();
        let plain = !part.is_empty()
            && part.len() <= 5
            && part.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && part.bytes().filter(|b| *b == b'.').count() <= 1
            && part.bytes().next().is_some_and(|b| b.is_ascii_digit());
        plain.then(|| part.parse::<f64>().ok()).flatten()
    };
    let (systolic, diastolic) = (number(systolic)?, number(diastolic)?);
    (diastolic > 0.0 && systolic > diastolic).then_some((systolic, diastolic))
}

/// The ranges of an R4 `referenceRange` list, as given: each bound with its unit (UCUM's code
/// where the Quantity gives one, as a value's), what the range means (`type`: its
/// referencerange-meaning code, else its words), whom it applies to (`appliesTo`, `age`) and
/// its text. Read from the JSON leniently: a range refract cannot read is left out, and the
/// result is kept whatever its ranges hold. A range with neither a bound nor a text says
/// nothing and is left out.
fn reference_ranges(list: Option<&serde_json::Value>) -> Vec<crate::domain::ReferenceRange> {
    let Some(items) = list.and_then(serde_json::Value::as_array) else {
        return Vec::new();
    };
    let quantity = |value: &serde_json::Value| -> Option<model::Quantity> {
        serde_json::from_value(value.clone()).ok()
    };
    let concept = |value: &serde_json::Value| -> Option<CodeableConcept> {
        serde_json::from_value(value.clone()).ok()
    };
    items
        .iter()
        .filter_map(|item| {
            let low = item.get("low").and_then(quantity);
            let high = item.get("high").and_then(quantity);
            let unit = low
                .as_ref()
                .and_then(model::Quantity::unit_text)
                .or_else(|| high.as_ref().and_then(model::Quantity::unit_text))
                .map(one_line);
            let kind = item
                .get("type")
                .and_then(concept)
                .map(|kind| {
                    kind.coding
                        .iter()
                        .find(|c| {
                            c.system.as_deref()
                                == Some(
                                    "http://terminology.hl7.org/CodeSystem/referencerange-meaning",
                                )
                        })
                        .or_else(|| kind.coding.first())
                        .and_then(|c| c.code.as_deref())
                        .map(one_line)
                        .or_else(|| kind.words().map(one_line))
                        .unwrap_or_default()
                })
                .unwrap_or_default();
            let mut applies: Vec<String> = item
                .get("appliesTo")
                .and_then(serde_json::Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(concept)
                .filter_map(|c| {
                    c.words().map(one_line).or_else(|| {
                        c.coding
                            .first()
                            .and_then(|c| c.code.as_deref())
                            .map(one_line)
                    })
                })
                .collect();
            if let Some(age) = item.get("age") {
                let bound = |key: &str| {
                    age.get(key)
                        .and_then(quantity)
                        .and_then(|q| q.value)
                        .map(|value| value.to_string())
                };
                match (bound("low"), bound("high")) {
                    (None, None) => applies.push(String::from("an age range")),
                    (low, high) => applies.push(format!(
                        "age {}-{}",
                        low.unwrap_or_default(),
                        high.unwrap_or_default()
                    )),
                }
            }
            let text = item
                .get("text")
                .and_then(serde_json::Value::as_str)
                .map(one_line)
                .unwrap_or_default();
            let range = crate::domain::ReferenceRange {
                low: low.as_ref().and_then(|q| q.value).filter(|v| v.is_finite()),
                high: high
                    .as_ref()
                    .and_then(|q| q.value)
                    .filter(|v| v.is_finite()),
                unit,
                kind,
                applies_to: applies.join("; "),
                text,
            };
            (range.low.is_some() || range.high.is_some() || !range.text.is_empty()).then_some(range)
        })
        .collect()
}

/// The lab's flag of an R4 `interpretation` list: the first code of HL7's
/// ObservationInterpretation ("L", "HH", "N"…), else of any system.
fn interpretation(list: Option<&serde_json::Value>) -> Option<String> {
    let concepts: Vec<CodeableConcept> = list
        .and_then(serde_json::Value::as_array)?
        .iter()
        .filter_map(|value| serde_json::from_value(value.clone()).ok())
        .collect();
    let codes = || concepts.iter().flat_map(|c| c.coding.iter());
    codes()
        .find(|c| {
            c.system.as_deref()
                == Some("http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation")
        })
        .or_else(|| codes().next())
        .and_then(|c| c.code.as_deref())
        .map(str::trim)
        .filter(|code| !code.is_empty())
        .map(String::from)
}

/// The code a freedom stated beside a last seizure is kept under (refract's "seizure free").
const LAST_SEIZURE_FREE: &str = "refract:seizure-frequency:free";

/// What a seizure report's words say of this patient's last seizure and freedom since ("Last
/// seizure 4 years ago", "last seizure: March 2021", "Seizure free since 2019", "no seizures
/// for 18 months"), in its value's words and notes read together as one text (a later note
/// stating seizures undoes an earlier freedom: `fhir::last_seizure`): a last seizure the words
/// date, as seizures over the days it may have fallen on (refract's "seizures" over that
/// period, as "2 seizures last week" is), and no seizure from the freedom's first day to the
/// report ("seizure free" over that period). A freedom alone ("for 2 years", "since 2019")
/// dates no seizure: it is freedom only, never a seizure at its start. Both feed the
/// seizure-freedom rule as counts do: a seizure recorded later ends the freedom, and a dated
/// last seizure fails a schedule only where it surely fell on it after it could work. Nothing
/// when the report states seizures itself ("2 per month"), or is no seizure report. The free
/// report is returned only when `main` is none; otherwise it carries the freedom's start.
fn last_seizure_stated(
    resource: &model::Observation,
    value: &Value<'_>,
    effective: NaiveDateTime,
    main: Option<&Observation>,
    test_of: impl Fn(&CodeableConcept) -> Option<(String, String, String)>,
    rules: &Rules,
) -> Vec<Observation> {
    use observation_codes::seizure_frequency::{self, Answer, PREFIX};
    let words = value
        .coded
        .into_iter()
        .flat_map(|c| {
            c.text
                .as_deref()
                .into_iter()
                .chain(c.coding.iter().filter_map(|c| c.display.as_deref()))
        })
        .chain(value.string)
        .chain(resource.note.iter().filter_map(|n| n.text.as_deref()));
    let text = words.collect::<Vec<_>>().join(".\n");
    // Most results say nothing in words: naming their test again would be wasted work (it is
    // an import's hottest path).
    if text.trim().is_empty() {
        return Vec::new();
    }
    let Some((code, display, system)) = resource.code.as_ref().and_then(&test_of) else {
        return Vec::new();
    };
    let probe = Observation {
        code: code.clone(),
        display: display.clone(),
        system: system.clone(),
        ..Observation::default()
    };
    if !rules.counts_events(&probe) {
        return Vec::new();
    }
    let says_seizures = main.is_some_and(|o| {
        o.value.is_some_and(|v| v > 0.0)
            || o.value_code.as_deref().is_some_and(|c| {
                !matches!(seizure_frequency::of_code(c), Some(Answer::Free) | None)
            })
    });
    if says_seizures {
        return Vec::new();
    }
    let report = effective.date();
    let Some(stated) = super::last_seizure::stated_in_words(&text, report) else {
        return Vec::new();
    };
    let midnight = |day: NaiveDate| day.and_time(chrono::NaiveTime::MIN);
    let seizure = stated.seizure.map(|(first, last)| Observation {
        code: code.clone(),
        display: display.clone(),
        system: system.clone(),
        value_code: Some(format!("{PREFIX}seizures")),
        effective: midnight(last),
        since: (first < last).then(|| midnight(first)),
        ..Observation::default()
    });
    let free = Observation {
        code,
        display,
        system,
        value_code: Some(LAST_SEIZURE_FREE.to_owned()),
        effective,
        since: (midnight(stated.free_from) < effective).then(|| midnight(stated.free_from)),
        ..Observation::default()
    };
    seizure.into_iter().chain([free]).collect()
}

/// The latest of a Timing's `event` times, as written; an event that is no date fails the
/// resource, as any unreadable date does.
fn latest_event(timing: Option<&model::EventTiming>) -> Result<Option<&String>, String> {
    let mut latest: Option<(NaiveDateTime, &String)> = None;
    for text in timing.iter().flat_map(|t| &t.event) {
        let at =
            parse_datetime(text).map_err(|message| format!("effectiveTiming.event: {message}"))?;
        if latest.is_none_or(|(best, _)| at > best) {
            latest = Some((at, text));
        }
    }
    Ok(latest.map(|(_, text)| text))
}

/// The years of an `Age` (R4: UCUM `a`), when it is one.
fn years_of(age: &model::Quantity) -> Option<f64> {
    let unit = age.code.as_deref().or(age.unit.as_deref())?;
    matches!(
        unit.trim().to_ascii_lowercase().as_str(),
        "a" | "yr" | "yrs" | "year" | "years"
    )
    .then_some(age.value?)
}

/// A procedure of a code. R4 `performed[x]` is a dateTime, a Period, a string, an Age or a
/// Range of ages: a month or a year alone, words naming one, and an age (a year of days once
/// the birth date is known, see [`Procedure::resolve_ages`]) are windows of days, never their
/// first day; words naming no date, an age in other units, or no `performed[x]` at all keep
/// the procedure with its date unknown, with a warning (a transplant left out would read as
/// none, and a relapse after it as no refractoriness).
fn map_procedure(
    resource: &model::Procedure,
    warnings: &mut Vec<String>,
) -> Result<Option<Procedure>, String> {
    let Some(code) = &resource.code else {
        return Ok(None);
    };
    let performed_text = resource.performed_date_time.as_ref().or_else(|| {
        resource
            .performed_period
            .as_ref()
            .and_then(|p| p.start.as_ref())
    });
    let mut performed_by = None;
    let mut date_unknown = false;
    let mut at_ages = None;
    let mut unknown = |why: String, warnings: &mut Vec<String>| {
        warnings.push(format!("{why}: kept with its date unknown"));
        date_unknown = true;
        NaiveDateTime::default()
    };
    let dated = date_field("performed", performed_text)?;
    let performed = if let (Some(first), Some(text)) = (dated, performed_text) {
        if is_partial_date(text) {
            performed_by = Some(last_day_of(text, first).date());
        }
        first
    } else {
        let ages = resource
            .performed_age
            .as_ref()
            .map(|age| years_of(age).map(|years| (years, years)))
            .or_else(|| {
                resource.performed_range.as_ref().map(|range| {
                    Some((
                        years_of(range.low.as_ref()?)?,
                        years_of(range.high.as_ref()?)?,
                    ))
                })
            });
        if let Some(words) = &resource.performed_string {
            match date_words::window_of(words) {
                Some((first, last)) => {
                    performed_by = (last != first).then_some(last);
                    first.and_time(NaiveTime::MIN)
                }
                None => unknown(
                    format!("performedString '{words}' names no date refract can read"),
                    warnings,
                ),
            }
        } else if let Some(ages) = ages {
            match ages {
                Some(ages) => {
                    at_ages = Some(ages);
                    NaiveDateTime::default()
                }
                None => unknown(
                    String::from("performedAge/performedRange is not in whole years"),
                    warnings,
                ),
            }
        } else if let Some(end) = resource
            .performed_period
            .as_ref()
            .and_then(|p| p.end.as_deref())
        {
            // R4 Period: a start missing is not known. Performed by its end, how long before
            // not known: no day a criterion could count from (the end is kept).
            unknown(
                format!(
                    "performedPeriod has an end alone ({}), no start",
                    end.trim()
                ),
                warnings,
            )
        } else {
            unknown(String::from("no performed[x] date"), warnings)
        }
    };
    let end = date_field(
        "performedPeriod.end",
        resource
            .performed_period
            .as_ref()
            .and_then(|p| p.end.as_ref()),
    )?;
    // SNOMED CT when the record gives it, else its first code, with that code's system: a CPT
    // or ICD-10-PCS code is no SNOMED CT concept.
    let chosen = code
        .coding
        .iter()
        .position(|c| {
            c.code.is_some()
                && c.system.as_deref().is_some_and(|system| {
                    canonical_system(system)
                        .to_ascii_lowercase()
                        .contains("snomed")
                })
        })
        .or_else(|| code.coding.iter().position(|c| c.code.is_some()));
    let coding = chosen.and_then(|index| code.coding.get(index));
    let code_text = coding.and_then(|c| c.code.as_deref()).unwrap_or("");
    // Every coding when there are several: each names the same procedure, and a rule set may
    // know any of them (see `Procedure::codings`).
    let codings = codings_shown_first(code, chosen);
    Ok(Some(Procedure {
        id: 0,
        code: code_text.to_owned(),
        // refract's own codes (`refract:asct`) are one namespace, whatever system wrote them.
        system: coding
            .and_then(|c| c.system.as_deref())
            .filter(|_| !code_text.starts_with("refract:"))
            .map(|system| canonical_system(system).to_owned())
            .unwrap_or_default(),
        display: code.words().unwrap_or("").to_owned(),
        // The offset its start was written in, and its end's own: a session's day is the
        // record's local day, and each end of a period is on the local day written with it (a
        // date-only end is that day, whatever offset the start carries). UTC is kept as none,
        // as an observation's.
        utc_offset_minutes: performed_text
            .filter(|_| !date_unknown && at_ages.is_none())
            .and_then(|text| utc_offset_minutes(text))
            .filter(|minutes| *minutes != 0),
        end_utc_offset_minutes: resource
            .performed_period
            .as_ref()
            .and_then(|p| p.end.as_ref())
            .filter(|_| end.is_some())
            .and_then(|text| utc_offset_minutes(text))
            .filter(|minutes| *minutes != 0),
        performed,
        end,
        codings: if codings.len() > 1 {
            codings
        } else {
            Vec::new()
        },
        performed_by,
        date_unknown,
        at_ages,
        indications: Vec::new(),
        named_conditions: Vec::new(),
        named_devices: Vec::new(),
    }))
}

/// A patient's imported items, each with the id of the resource it came from.
#[derive(Debug, Default)]
pub struct ImportedItems {
    pub conditions: Vec<(String, Condition)>,
    pub exposures: Vec<(String, DrugExposure, MedicationMeta)>,
    pub observations: Vec<(String, Observation)>,
    pub procedures: Vec<(String, Procedure)>,
    pub reactions: Vec<(String, DrugReaction)>,
    pub lines: Vec<(String, ImportedLine)>,
    pub teams: Vec<(String, CareTeamOf)>,
}

impl ImportedItems {
    /// Adds the items of one resource (`id`); a medication record must have been finished.
    pub fn add(&mut self, id: &str, item: Item) {
        match item {
            Item::Condition(condition) => self.conditions.push((id.to_owned(), condition)),
            Item::Observations(observations) => self
                .observations
                .extend(observations.into_iter().map(|o| (id.to_owned(), o))),
            Item::Procedure(procedure) => self.procedures.push((id.to_owned(), procedure)),
            Item::Imaging { study, statuses } => {
                self.procedures.push((id.to_owned(), study));
                self.observations
                    .extend(statuses.into_iter().map(|o| (id.to_owned(), o)));
            }
            Item::Reaction(reaction) => self.reactions.push((id.to_owned(), reaction)),
            Item::Line(line) => self.lines.push((id.to_owned(), line)),
            Item::Team(team) => self.teams.push((id.to_owned(), team)),
            Item::Medication(_) => {}
        }
    }
}

/// The FHIR resource ids of a record's rows, in the order of its lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowSources {
    pub conditions: Vec<String>,
    pub exposures: Vec<String>,
    pub observations: Vec<String>,
    pub procedures: Vec<String>,
    pub reactions: Vec<String>,
}

/// The clinical record of a patient's imported items, renewals merged, each list in the order
/// the database reads it back (by date, then as written), with the resource id of each row;
/// with the lines refract's own export carried, their drugs linked to the exposures. `today`
/// is the import's day: a last dose or fill whose cover reaches past it is still being given
/// (see [`not_after_today`]).
pub fn record_of(
    mut items: ImportedItems,
    book: &DrugBook,
    today: NaiveDate,
) -> (PatientRecord, RowSources) {
    // Sorted by id first, so that the same resources give the same record whatever the order
    // the files gave them in.
    items.conditions.sort_by(|a, b| a.0.cmp(&b.0));
    items
        .conditions
        .sort_by_key(|(_, condition)| condition.onset);
    items.observations.sort_by(|a, b| a.0.cmp(&b.0));
    items
        .observations
        .sort_by_key(|(_, observation)| observation.effective);
    items.procedures.sort_by(|a, b| a.0.cmp(&b.0));
    items
        .procedures
        .sort_by_key(|(_, procedure)| procedure.performed);
    items.exposures.sort_by(|a, b| a.0.cmp(&b.0));
    // Fills and doses given at intervals are joined by drug, across product codes (see
    // `drug_key`). Prescriptions and statements keep their product's key: a renewal at another
    // dose is a dose period of its own (see `merge_renewals`), and another strength ordered is
    // a step of its own, which the criteria join with the one before. So do cycles: doses a few days apart of one product
    // (an infusion's rate, a day's bolus) are kept apart from another's, and the criteria join
    // a drug's cycles by its ingredient.
    // Doses of a drug given in cycles of its label's length are joined by drug too: step-up
    // doses come from another vial (another product code) than the full ones of the same cycle.
    for (_, exposure, meta) in &mut items.exposures {
        let cycle_days = book.cycle_days(&exposure.codes(), &exposure.text);
        if meta.dispensed
            || (meta.administered
                && (dose_interval(book, exposure).is_some() || cycle_days.is_some()))
        {
            meta.key = drug_key(book, exposure, &meta.key);
        }
        meta.key.push_str(form_of(book, exposure));
        if let (Some(cycle_days), Some(planned)) = (cycle_days, &meta.planned_doses) {
            let lead = book.cycle_lead_days(&exposure.codes(), &exposure.text);
            exposure.cycles = Some(cycles_of_order(planned, cycle_days, lead));
        }
    }
    // The record's latest entry (no later than today): how long a stale order has gone
    // without renewal is counted to it (see `renewal_end`).
    let seen_until = items
        .exposures
        .iter()
        .flat_map(|(_, exposure, _)| [Some(exposure.start), exposure.end])
        .chain(items.observations.iter().map(|(_, o)| Some(o.effective)))
        .chain(items.procedures.iter().map(|(_, p)| Some(p.performed)))
        .flatten()
        .map(|day| day.date())
        .filter(|day| *day <= today)
        .max()
        .unwrap_or(today);
    let (mut administrations, records): (Vec<_>, Vec<_>) = items
        .exposures
        .into_iter()
        .partition(|(_, _, meta)| meta.administered);
    let (mut dispenses, records): (Vec<_>, Vec<_>) =
        records.into_iter().partition(|(_, _, meta)| meta.dispensed);
    let (reports, records): (Vec<_>, Vec<_>) =
        records.into_iter().partition(|(_, _, meta)| meta.not_taken);
    let reported = reports_by_course(&reports, book);
    let fills_reported = apart_at_reports(&mut dispenses, &reported, book);
    let doses_reported = apart_at_reports(&mut administrations, &reported, book);
    let mut records = orders_taken_together(records, book);
    for (_, exposure, _) in &mut records {
        held_without_a_future(exposure, today);
    }
    stopped_by_other_records(&mut records, &dispenses, book);
    stopped_by_later_records(&mut records, book);
    not_taken_since(&mut records, &reports, book);
    let mut exposures = merge_renewals(&records, today, seen_until);
    let named: BTreeSet<&str> = items
        .lines
        .iter()
        .flat_map(|(_, line)| line.exposures.iter().flatten().map(String::as_str))
        .collect();
    one_copy_of_each_course(&mut exposures, &named);
    let (scheduled, administrations): (Vec<_>, Vec<_>) = administrations
        .into_iter()
        .map(|(source, dose, meta)| (dose_interval(book, &dose), source, dose, meta))
        .partition(|(interval, ..)| interval.is_some());
    let mut cycles = cycles_of(
        administrations
            .into_iter()
            .map(|(_, source, dose, meta)| (source, dose, meta))
            .collect(),
        book,
    );
    ended_at_reports(&mut cycles, &doses_reported, false);
    exposures.extend(cycles);
    let mut given_one_by_one = fills_of(dispenses);
    ended_at_reports(&mut given_one_by_one, &fills_reported, true);
    let mut at_intervals = courses_at_intervals(
        scheduled
            .into_iter()
            .filter_map(|(interval, source, dose, meta)| Some((interval?, source, dose, meta)))
            .collect(),
    );
    ended_at_reports(&mut at_intervals, &doses_reported, false);
    given_one_by_one.extend(at_intervals);
    for (_, exposure) in &mut given_one_by_one {
        not_after_today(exposure, today);
    }
    exposures.extend(given_one_by_one);
    exposures.sort_by_key(|(_, exposure)| exposure.start);

    let mut record = PatientRecord::default();
    let mut sources = RowSources::default();
    for (index, (source, mut condition)) in items.conditions.into_iter().enumerate() {
        condition.id = index as i64 + 1;
        record.conditions.push(condition);
        sources.conditions.push(source);
    }
    for (index, (source, mut exposure)) in exposures.into_iter().enumerate() {
        exposure.id = index as i64 + 1;
        record.exposures.push(exposure);
        sources.exposures.push(source);
    }
    for (index, (source, mut observation)) in items.observations.into_iter().enumerate() {
        observation.id = index as i64 + 1;
        record.observations.push(observation);
        sources.observations.push(source);
    }
    for (index, (source, mut procedure)) in items.procedures.into_iter().enumerate() {
        procedure.id = index as i64 + 1;
        record.procedures.push(procedure);
        sources.procedures.push(source);
    }
    items.reactions.sort_by(|a, b| a.0.cmp(&b.0));
    items.reactions.sort_by_key(|(_, reaction)| reaction.onset);
    for (index, (source, mut reaction)) in items.reactions.into_iter().enumerate() {
        reaction.id = index as i64 + 1;
        record.reactions.push(reaction);
        sources.reactions.push(source);
    }
    record.lines = carried::linked_lines(items.lines, &sources.exposures);
    (record, sources)
}

/// The drug a medication record gave, as one course of it is joined across records: the
/// ingredients the drug book recognises in its codes and text (a combination product: its set
/// of ingredients), else its own key (its code, else its words). Product codes name a strength
/// and a package (a 234 mg and a 156 mg paliperidone palmitate syringe, two NDCs of one
/// adalimumab pen, 10 mg then 20 mg tablets): grouping by them would cut one course of a drug
/// into short ones, each too short to be an adequate trial. The form and route that make
/// another course of the same ingredient are added by [`form_of`].
fn drug_key(book: &DrugBook, exposure: &DrugExposure, own_key: &str) -> String {
    let codes = exposure.codes();
    let mut ingredients: Vec<&str> = book
        .recognise(&codes, &exposure.text)
        .into_iter()
        .map(|drug| drug.ingredient.as_str())
        .collect();
    if ingredients.is_empty() {
        return own_key.to_owned();
    }
    ingredients.sort_unstable();
    format!("drug:{}", ingredients.join("+"))
}

/// What makes a record of a drug another course than the drug's others, whatever key it is
/// joined by (its ingredients, its product code, or an ingredient code both forms share):
///
/// - given into the spinal fluid or the ventricles (CNS-directed, see
///   [`DrugExposure::is_cns_directed`]): intrathecal methotrexate beside weekly methotrexate by
///   mouth neither joins nor changes the dose of the systemic course;
/// - a long-acting injectable (a depot) of a drug that also has an oral form: its text names the
///   depot form (an ester, an LAI brand, a depot dose-form word; see
///   [`DrugBook::names_depot_form`]), or it is dosed every week or less often. Haloperidol
///   decanoate 100 mg every 4 weeks after haloperidol 10 mg a day by mouth is two courses: joined,
///   the monthly dose became the course's dose (a renewal takes the latest dose) and the oral
///   days read as depot days;
/// - put where it acts (a cream, eye drops; see [`DrugExposure::is_given_locally`]): diltiazem
///   cream stopped when a fissure healed is no stop of diltiazem by mouth;
/// - taken only when needed (every dosage as needed, R4 `asNeededBoolean` or
///   `asNeededCodeableConcept`): furosemide as needed stopped is no stop of the regular dose.
fn form_of(book: &DrugBook, exposure: &DrugExposure) -> &'static str {
    if exposure.is_cns_directed() {
        return "@cns";
    }
    if exposure.is_given_locally() {
        return "@local";
    }
    if exposure.is_as_needed() {
        return "@prn";
    }
    let codes = exposure.codes();
    let has_depot_form = book
        .recognise(&codes, &exposure.text)
        .into_iter()
        .filter(|drug| drug.depot_ddd_mg.is_some())
        .any(|drug| {
            book.names_depot_form(drug, &exposure.text)
                || exposure
                    .dose
                    .as_ref()
                    .and_then(crate::rules::dose::daily)
                    .is_some_and(|daily| daily.interval_days >= 7.0)
        });
    if has_depot_form { "@depot" } else { "" }
}

/// The words of a route coded without words, where what it means matters to the reading: a
/// CNS-directed route (see [`crate::domain::routes::coded_cns_route`]), or one that puts the
/// drug where it acts (see [`crate::domain::routes::coded_local_route`]).
fn coded_route(concept: &CodeableConcept) -> Option<String> {
    concept.coding.iter().find_map(|coding| {
        let system = coding.system.as_deref().unwrap_or("");
        let code = coding.code.as_deref()?;
        crate::domain::routes::coded_cns_route(system, code)
            .or_else(|| crate::domain::routes::coded_local_route(system, code))
            .map(str::to_owned)
    })
}

/// An exposure given dose by dose (an injection's interval, a fill's supply) whose last cover
/// reaches past `today` is still being given: ongoing, never a stop in the future (the next
/// dose or fill is not due yet). One stopped for a reason was stopped: its end is the last day
/// known, `today` at the latest.
/// A drug on hold (see [`ON_HOLD`]) is not given now, whatever end its order planned: an end
/// after today is no end it was given until (a held chlorthalidone ordered to 2027 counted as
/// one of three classes given now: a false resistant hypertension, the review's case). It is
/// read as a hold with no end: given at least from its start, for how long after not known.
fn held_without_a_future(exposure: &mut DrugExposure, today: NaiveDate) {
    let held = exposure
        .stop_text
        .as_deref()
        .is_some_and(|text| text.starts_with(ON_HOLD_WORDS));
    if held && exposure.end.is_some_and(|end| end.date() > today) {
        exposure.end = Some(exposure.start);
        exposure.dates = DatesKnown::EndUnknown;
    }
}

fn not_after_today(exposure: &mut DrugExposure, today: NaiveDate) {
    let Some(end) = exposure.end else {
        return;
    };
    if end.date() <= today {
        return;
    }
    if exposure.stop_reason.is_some() || exposure.stop_text.is_some() {
        exposure.end = Some(today.and_time(NaiveTime::MIN).max(exposure.start));
    } else {
        exposure.end = None;
    }
}

/// Doses of one cycle are at most this many days apart: daily induction chemotherapy (days
/// 1-7), bortezomib on days 1, 4, 8 and 11, rituximab weekly for four weeks. A longer pause
/// between doses (R-CHOP every 21 days, an infusion every 8 weeks) starts the next cycle.
const CYCLE_DOSE_GAP_DAYS: i64 = 7;

/// A cycle brought forward by up to this many days is still the next cycle: treatment days
/// are moved for holidays and clinic days. Shorter than the week between the last dose of a
/// cycle and the next cycle's first (day 22 of a 28-day cycle), so a late dose within a cycle
/// does not start the next.
const CYCLE_EARLY_DAYS: i64 = 3;

/// Doses given one at a time (MedicationAdministration), grouped per drug into cycles: each
/// cycle is one exposure from its first dose to its last, counted as one cycle. Cycles are kept
/// apart, so that what they make (two induction courses of AML, or six cycles of one R-CHOP
/// line) is decided by the criteria's line rules (`[lines] gap_days`), not here.
///
/// A drug whose label fixes its cycle length (`cycle_days` in the drug book: epcoritamab weekly
/// on days 1, 8, 15 and 22 of 28-day cycles) is cut by that length (see [`cycle_starts`]);
/// others by the pause between doses ([`CYCLE_DOSE_GAP_DAYS`]), where weekly doses would chain
/// into one cycle whatever their number.
fn cycles_of(
    administrations: Vec<(String, DrugExposure, MedicationMeta)>,
    book: &DrugBook,
) -> Vec<(String, DrugExposure)> {
    let (own, administrations): (Vec<_>, Vec<_>) = administrations
        .into_iter()
        .partition(|(_, dose, _)| a_dose_of_its_own(book, dose));
    let mut cycles: Vec<Vec<(String, DrugExposure)>> = own
        .into_iter()
        .map(|(source, dose, _)| vec![(source, dose)])
        .collect();
    let (by_length, by_pause): (Vec<_>, Vec<_>) = administrations
        .into_iter()
        .map(|(source, dose, meta)| {
            let cycle_days = book
                .cycle_days(&dose.codes(), &dose.text)
                .map(|days| (days, book.cycle_lead_days(&dose.codes(), &dose.text)));
            (cycle_days, source, dose, meta)
        })
        .partition(|(cycle_days, ..)| cycle_days.is_some());
    let reach = |dose: &DrugExposure| dose.end.unwrap_or(dose.start).date();
    cycles.extend(runs_per_drug(
        by_pause
            .into_iter()
            .map(|(_, source, dose, meta)| (source, dose, meta))
            .collect(),
        CYCLE_DOSE_GAP_DAYS,
        reach,
    ));
    let mut by_drug: BTreeMap<String, (CycleSchedule, Vec<(String, DrugExposure)>)> =
        BTreeMap::new();
    for (cycle_days, source, dose, meta) in by_length {
        let entry = by_drug
            .entry(meta.key)
            .or_insert_with(|| (cycle_days.unwrap_or((1, 0)), Vec::new()));
        entry.1.push((source, dose));
    }
    for (_, ((cycle_days, lead), mut doses)) in by_drug {
        doses.sort_by_key(|(_, dose)| dose.start);
        let Some(first) = doses.first().map(|(_, dose)| dose.start.date()) else {
            continue;
        };
        let offsets: Vec<f64> = doses
            .iter()
            .map(|(_, dose)| (dose.start.date() - first).num_days() as f64)
            .collect();
        let starts = cycle_starts(&offsets, cycle_days, lead);
        let mut doses = doses.into_iter();
        for (index, start) in starts.iter().enumerate() {
            let next = starts.get(index + 1).copied().unwrap_or(offsets.len());
            cycles.push(doses.by_ref().take(next - start).collect());
        }
    }
    cycles.into_iter().filter_map(one_cycle).collect()
}

/// Whether a dose given is one of its own, never grouped into a cycle with the doses days
/// before or after it: an injection or a bolus (not by mouth, not an infusion: no rate per hour,
/// given in under an hour) of a drug the book gives as an emergency's bolus (see
/// [`DrugBook::given_as_emergency_bolus`]). Two lorazepam boluses four days apart are two
/// emergencies, each of which may begin a status epilepticus episode; every other drug keeps
/// the grouping by pause (chemotherapy's cycles, a ward's daily doses by any route, an
/// infusion's segments).
fn a_dose_of_its_own(book: &DrugBook, dose: &DrugExposure) -> bool {
    let infused = dose.role == Some(DrugRole::AnaestheticInfusion)
        || dose.dose.as_ref().is_some_and(|d| d.unit.contains("/h"))
        || dose
            .end
            .is_some_and(|end| end - dose.start >= Duration::hours(1));
    !infused
        && !crate::domain::routes::given_by_mouth(dose.route.as_deref(), &dose.text)
        && book.given_as_emergency_bolus(&dose.codes(), &dose.text)
}

/// A drug's cycle length and the days from cycle 1 day 1 to its first dose (see
/// [`cycle_starts`]).
type CycleSchedule = (i64, i64);

/// The doses of one cycle as one exposure, from its first dose to its last, counted as one
/// cycle.
fn one_cycle(doses: Vec<(String, DrugExposure)>) -> Option<(String, DrugExposure)> {
    let day_dose = ward_day_dose(&doses);
    let mut doses = doses.into_iter();
    let (source, mut cycle) = doses.next()?;
    cycle.end = Some(cycle.end.unwrap_or(cycle.start));
    cycle.cycles = Some(1);
    for (_, dose) in doses {
        cycle.end = Some(
            dose.end
                .unwrap_or(dose.start)
                .max(cycle.end.unwrap_or(cycle.start)),
        );
        // A reason keeps its own record's words beside it, never another record's.
        if dose.stop_reason.is_some() || (cycle.stop_text.is_none() && cycle.stop_reason.is_none())
        {
            cycle.stop_text = dose.stop_text;
        }
        cycle.stop_reason = dose.stop_reason.or(cycle.stop_reason);
        Indication::extend_unique(&mut cycle.indications, &dose.indications);
        if cycle.dose.is_none() {
            cycle.dose = dose.dose;
            cycle.dose_from = dose.dose_from;
        }
    }
    if day_dose.is_some() {
        cycle.dose = day_dose;
        cycle.dose_from = Some(DoseFrom::WardDayTotal);
    }
    Some((source, cycle))
}

/// The least share of the days from a run's first dose to its last that have doses, for the
/// run to be given daily (see [`ward_day_dose`]): a missed or refused dose leaves a day out,
/// doses every other day (half the days) are no daily dose.
const WARD_DAYS_SHARE: f64 = 0.8;

/// The dose a day of doses given one at a time on a steady run of days (a ward's drug chart:
/// olanzapine 20 mg each morning, or 10 mg at 08:00 and 20:00; review r9 R9-4): each day's
/// doses add up to the day's dose, and the run's dose a day is the day's total most days had
/// (of two as common, the lower: a first or last day given only in part, a missed dose, never
/// make the dose). R4's `MedicationAdministration.dosage.dose` is the amount of one
/// administration, which no daily minimum can judge; the day's total is what the drug chart
/// says was given. Only amounts in one unit with no interval, each given at a time (none over
/// an hour: an infusion's segments), on at least two days, with doses on no fewer than
/// [`WARD_DAYS_SHARE`] of the run's days and never two days in a row without; otherwise the
/// doses keep the amount of one, as before (bortezomib on days 1, 4, 8 and 11 is no daily
/// dose). A dose changed within the run is read at the total most days had.
fn ward_day_dose(doses: &[(String, DrugExposure)]) -> Option<Dose> {
    let unit = doses.first()?.1.dose.as_ref()?.unit.trim().to_owned();
    if unit.is_empty() || unit.contains('/') {
        return None;
    }
    let mut days: BTreeMap<NaiveDate, f64> = BTreeMap::new();
    for (_, dose) in doses {
        let amount = dose.dose.as_ref().filter(|d| d.unit.trim() == unit)?;
        if dose
            .end
            .is_some_and(|end| end - dose.start >= Duration::hours(1))
        {
            return None;
        }
        *days.entry(dose.start_day()).or_default() += amount.value;
    }
    let dated: Vec<NaiveDate> = days.keys().copied().collect();
    let (first, last) = (*dated.first()?, *dated.last()?);
    let span = (last - first).num_days() + 1;
    if dated.len() < 2
        || (dated.len() as f64) < WARD_DAYS_SHARE * span as f64
        || dated
            .windows(2)
            .any(|pair| (pair[1] - pair[0]).num_days() > 2)
    {
        return None;
    }
    let mut totals: Vec<(f64, usize)> = Vec::new();
    for total in days.values() {
        match totals
            .iter_mut()
            .find(|(seen, _)| (seen - total).abs() < 1e-9)
        {
            Some((_, count)) => *count += 1,
            None => totals.push((*total, 1)),
        }
    }
    let (value, _) = totals
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.total_cmp(&a.0)))?;
    Some(Dose {
        value: (value * 1000.0).round() / 1000.0,
        unit: format!("{unit}/d"),
    })
}

/// Where each cycle begins among doses given on `offsets` (days from the first, in order), for
/// cycles of `cycle_days`: a cycle counts once its first dose is given, and the next begins with
/// the first dose a cycle length after it (less [`CYCLE_EARLY_DAYS`]). Twelve weekly doses of a
/// 28-day schedule are 3 cycles; two are the first half of one; a dose delayed past the cycle's
/// end begins the next cycle from its own day. The first cycle is counted from `lead_days`
/// before the first dose, where the label gives that dose later than cycle 1 day 1 (glofitamab
/// on day 8: its cycle 2 day 1 is 14 days after its first dose, yet a cycle of its own).
fn cycle_starts(offsets: &[f64], cycle_days: i64, lead_days: i64) -> Vec<usize> {
    let length = (cycle_days - CYCLE_EARLY_DAYS).max(1) as f64;
    let mut starts = Vec::new();
    let mut anchor: Option<f64> = None;
    for (index, offset) in offsets.iter().copied().enumerate() {
        match anchor {
            None => {
                starts.push(index);
                anchor = Some(offset - lead_days as f64);
            }
            Some(day_one) if offset - day_one >= length - 1e-9 => {
                starts.push(index);
                anchor = Some(offset);
            }
            Some(_) => {}
        }
    }
    starts
}

/// Doses an order gives beyond which its cycles are not worked out dose by dose: years of
/// weekly doses.
const MOST_ORDER_DOSES: u32 = 1000;

/// A dosage line's planned count of doses and the days between them (`timing.repeat.count`).
fn planned_count(line: &DoseSpec) -> Option<(u32, f64)> {
    Some((line.cycles?, 1.0 / line.per_day.filter(|n| *n > 0.0)?))
}

/// The cycles a completed order gave in the part of it an exposure is: its doses over cycles of
/// `cycle_days` (see [`cycle_starts`]), those that begin in the part: a weekly order of count 2
/// of a 28-day schedule is one cycle begun, not 2 cycles; R-CHOP's "every 21 days, count 6"
/// stays 6 at 21 days a cycle.
fn cycles_of_order(planned: &PlannedDoses, cycle_days: i64, lead_days: i64) -> u32 {
    let begun = cycle_starts(&planned.offsets, cycle_days, lead_days)
        .into_iter()
        .filter(|&dose| {
            let offset = planned.offsets[dose];
            offset >= planned.from && offset < planned.until
        })
        .count();
    u32::try_from(begun).unwrap_or(u32::MAX)
}

/// The usual days between doses of the drug an administration gave, when the drug book says it
/// is given at intervals (a depot, a biologic injection, weekly methotrexate; see
/// `dose_interval_days` in the drug book): `None` for a drug given in cycles or daily, a
/// product of several ingredients, the oral form of a drug whose interval is its depot's, or a
/// dose too high for the schedule (high-dose methotrexate is a cycle of chemotherapy).
fn dose_interval(book: &DrugBook, dose: &DrugExposure) -> Option<i64> {
    let drugs = book.recognise(&dose.codes(), &dose.text);
    let [drug] = drugs.as_slice() else {
        return None;
    };
    let amount = dose.dose.as_ref().and_then(crate::rules::dose::amount_mg);
    let days = drug.label_interval_days(&dose.text, amount)?;
    let depot_form = drug.depot_names.is_empty() || book.names_depot_form(drug, &dose.text);
    let within_schedule = match (drug.interval_dose_max_mg, amount) {
        (Some(most), Some(given)) => given <= most,
        (Some(_), None) => false,
        (None, _) => true,
    };
    (depot_form && within_schedule).then_some(days)
}

/// Grace for a dose given at intervals, as a share of the interval: the next dose continues the
/// exposure when it comes within the interval and half of it (the Invega Sustenna label resumes
/// a monthly schedule when a dose is less than 6 weeks late; later, it starts it again).
const INTERVAL_GRACE_SHARE: f64 = 0.5;

/// Doses of a drug given at intervals (MedicationAdministration of a depot or a biologic, see
/// [`dose_interval`]), joined per drug into exposures: the next dose continues the exposure when
/// it comes within the drug's interval and its grace. Each dose covers until the next; the last
/// one for the schedule's mean interval (a lone dose: the drug's usual interval), so that what
/// is measured within the interval of the last injection is on the drug. The dose is the
/// amount per that interval ("200 mg/4wk"); these are not cycles of chemotherapy.
fn courses_at_intervals(
    doses: Vec<(i64, String, DrugExposure, MedicationMeta)>,
) -> Vec<(String, DrugExposure)> {
    let mut by_drug: BTreeMap<String, Vec<(i64, String, DrugExposure)>> = BTreeMap::new();
    for (interval, source, dose, meta) in doses {
        by_drug
            .entry(meta.key)
            .or_default()
            .push((interval, source, dose));
    }
    let mut out = Vec::new();
    for (_, mut doses) in by_drug {
        doses.sort_by_key(|(_, _, dose)| dose.start);
        let mut run: Vec<(i64, String, DrugExposure)> = Vec::new();
        for dose in doses {
            let continues = run.last().is_some_and(|(interval, _, last)| {
                let gap = (dose.2.start - last.start).num_minutes() as f64 / 1440.0;
                gap <= *interval as f64 * (1.0 + INTERVAL_GRACE_SHARE)
            });
            if !continues && !run.is_empty() {
                out.extend(course_of(std::mem::take(&mut run)));
            }
            run.push(dose);
        }
        out.extend(course_of(run));
    }
    out
}

/// The exposures of one course of doses given at intervals (see [`courses_at_intervals`]): one
/// per maintenance dose the course was kept at, each until the next begins, the last covering
/// the schedule's interval after its last dose.
///
/// The interval is the course's sustained one: the mean interval between doses leaving out the
/// first when there are four doses or more (where a loading regimen puts its catch-up dose),
/// while a schedule of alternating gaps (twice a week: 3 and 4 days) keeps its mean. Each part's
/// dose is the median of its amounts over that interval, so that paliperidone palmitate 234 mg
/// on day 1 and 156 mg on day 8, then 117 mg monthly, is judged by what the patient kept
/// receiving (the review found 703 mg/d chlorpromazine equivalent for a 300 mg/d maintenance).
///
/// A dose change is kept, not averaged away: the criteria ask for an adequate dose for an
/// adequate duration, so a course of 156 mg monthly raised to 234 mg is two parts (156 mg/4wk,
/// then 234 mg/4wk), which the criteria join again as one trial of the drug and count the time
/// at each dose of. A part begins where a new amount is kept (given again at the next dose, or
/// the latest dose); a one-off amount (a loading dose, a catch-up) stays in its part.
fn course_of(run: Vec<(i64, String, DrugExposure)>) -> Vec<(String, DrugExposure)> {
    let Some(usual) = run.first().map(|(usual, _, _)| *usual) else {
        return Vec::new();
    };
    let starts: Vec<NaiveDateTime> = run.iter().map(|(_, _, dose)| dose.start).collect();
    let intervals: Vec<f64> = starts
        .windows(2)
        .map(|pair| (pair[1] - pair[0]).num_minutes() as f64 / 1440.0)
        .collect();
    let sustained = if intervals.len() >= 3 {
        &intervals[1..]
    } else {
        &intervals[..]
    };
    let interval_days = if sustained.is_empty() {
        usual as f64
    } else {
        snapped_interval(sustained.iter().sum::<f64>() / sustained.len() as f64)
    };
    let amounts: Vec<Option<f64>> = run
        .iter()
        .map(|(_, _, dose)| dose.dose.as_ref().and_then(crate::rules::dose::amount_mg))
        .collect();
    let parts = dose_parts(&amounts);
    let mut doses = run.into_iter().map(|(_, source, dose)| (source, dose));
    let mut out = Vec::new();
    for (index, part) in parts.iter().enumerate() {
        let taken: Vec<(String, DrugExposure)> = doses.by_ref().take(part.len()).collect();
        let next_start = parts
            .get(index + 1)
            .and_then(|next| next.first())
            .and_then(|&first| starts.get(first).copied());
        let part_amounts = part.iter().filter_map(|&i| amounts[i]).collect();
        if let Some(exposure) = part_of(taken, part_amounts, interval_days, next_start) {
            out.push(exposure);
        }
    }
    out
}

/// The doses (by index) of each part of a course: a new part begins where an amount other than
/// the part's kept one is itself kept (the next dose gives it again, or it is the latest).
fn dose_parts(amounts: &[Option<f64>]) -> Vec<Vec<usize>> {
    let same = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-6,
        _ => false,
    };
    let mut parts: Vec<Vec<usize>> = Vec::new();
    let mut kept: Option<f64> = None;
    for (index, amount) in amounts.iter().copied().enumerate() {
        let changed = kept.is_some()
            && amount.is_some()
            && !same(amount, kept)
            && amounts
                .get(index + 1)
                .is_none_or(|next| same(*next, amount));
        match parts.last_mut() {
            Some(part) if !changed => {
                if kept.is_none() && index > 0 && same(amounts[index - 1], amount) {
                    kept = amount;
                }
                part.push(index);
            }
            _ => {
                if changed {
                    kept = amount;
                }
                parts.push(vec![index]);
            }
        }
    }
    parts
}

/// One part of a course (see [`course_of`]): from its first dose until `next_start`, the next
/// part's first dose, or for the last one its last dose and the interval it covers.
fn part_of(
    doses: Vec<(String, DrugExposure)>,
    amounts: Vec<f64>,
    interval_days: f64,
    next_start: Option<NaiveDateTime>,
) -> Option<(String, DrugExposure)> {
    let mut doses = doses.into_iter();
    let (source, mut course) = doses.next()?;
    let mut last = course.start;
    for (_, dose) in doses {
        last = last.max(dose.start);
        if dose.stop_reason.is_some()
            || (course.stop_text.is_none() && course.stop_reason.is_none())
        {
            course.stop_text = dose.stop_text;
        }
        course.stop_reason = dose.stop_reason.or(course.stop_reason);
        Indication::extend_unique(&mut course.indications, &dose.indications);
        if course.route.is_none() {
            course.route = dose.route;
        }
        if course.dose.is_none() {
            course.dose = dose.dose;
        }
    }
    let covered_minutes = (interval_days * 1440.0).round() as i64;
    course.end = match next_start {
        Some(next) => Some(next),
        None => last.checked_add_signed(Duration::minutes(covered_minutes)),
    };
    course.cycles = None;
    if let Some(mg) = median(amounts)
        && interval_days > 0.0
    {
        course.dose = Some(per_interval(mg, 1.0 / interval_days, "mg"));
    }
    Some((source, course))
}

/// The median of `values` (the lower of the two middle ones for an even count: a dose
/// actually given), `None` when there are none.
fn median(mut values: Vec<f64>) -> Option<f64> {
    values.retain(|value| value.is_finite());
    values.sort_by(f64::total_cmp);
    let middle = values.len().checked_sub(1)? / 2;
    values.get(middle).copied()
}

/// A mean interval between doses read as the schedule it is: within 5 % of a usual one (a
/// week, two, three, four, a month, six weeks, eight, twelve, three months, six) it is that
/// one, as a few days' lateness does not change a schedule; otherwise it is kept to a tenth
/// of a day (twice a week: 3.5 days).
fn snapped_interval(mean_days: f64) -> f64 {
    const USUAL: [f64; 10] = [7.0, 14.0, 21.0, 28.0, 30.0, 42.0, 56.0, 84.0, 90.0, 180.0];
    USUAL
        .iter()
        .copied()
        .find(|usual| (mean_days - usual).abs() <= usual * 0.05)
        .unwrap_or_else(|| (mean_days * 10.0).round() / 10.0)
}

/// The longest time without the drug between two fills that still makes them one exposure:
/// the next fill handed over at most this many days after the previous one's supply ran out.
/// 30 days is the persistence window of the OMOP CDM's drug eras (the OHDSI convention for
/// joining a drug's exposures, which refract's renewals and lines already follow), and the
/// grace period most pharmacy-refill studies of persistence use for monthly fills (it equals
/// their days supply, the other common choice). A longer gap is a drug stopped and started
/// again: two exposures, each judged on its own.
pub const REFILL_GAP_DAYS: i64 = 30;

/// A fill whose supply is not known is, for the joining only, taken to last this long: the
/// monthly fill, the commonest in pharmacy data, so that monthly fills of unknown supply (28 to
/// 31 days apart) stay one exposure. Never the exposure's end, which stays unknown.
const UNKNOWN_SUPPLY_JOIN_DAYS: i64 = 30;

/// Pharmacy fills (MedicationDispense), joined per drug into exposures: a fill handed over
/// within [`REFILL_GAP_DAYS`] of the end of the supply before it continues the exposure, which
/// runs from its first fill to the end of its last supply. The supply of an early refill is not
/// carried over (as OMOP drug eras do not): the exposure ends with the supply that ends last.
/// When the last fill's supply is not known, the exposure was given at least until the latest
/// day known (`EndUnknown`); a fill dated only by when the record was written is not joined with
/// any.
fn fills_of(fills: Vec<(String, DrugExposure, MedicationMeta)>) -> Vec<(String, DrugExposure)> {
    let (undated, dated): (Vec<_>, Vec<_>) = fills
        .into_iter()
        .partition(|(_, fill, _)| fill.dates == DatesKnown::Unknown);
    let reach = |fill: &DrugExposure| {
        let known = fill.end.unwrap_or(fill.start).date();
        if fill.dates == DatesKnown::EndUnknown {
            known.max(fill.start.date() + Duration::days(UNKNOWN_SUPPLY_JOIN_DAYS))
        } else {
            known
        }
    };
    let mut out: Vec<(String, DrugExposure)> = undated
        .into_iter()
        .map(|(source, fill, _)| (source, fill))
        .collect();
    for run in runs_per_drug(dated, REFILL_GAP_DAYS, reach) {
        let mut run = handed_over_together(run).into_iter();
        let Some((mut source, mut era)) = run.next() else {
            continue;
        };
        for (fill_source, fill) in run {
            // A fill at another dose a day (20 mg tablets after 10 mg ones, two a day after
            // one) starts the next step of the same exposure: the step before runs until it,
            // so that the time at each dose is kept (the criteria ask for an adequate dose for
            // an adequate duration) and the steps, following one another, are one trial.
            if let (Some(was), Some(now)) = (&era.dose, &fill.dose)
                && was != now
            {
                era.end = Some(fill.start.max(era.start));
                era.dates = DatesKnown::Dispensed;
                out.push((std::mem::replace(&mut source, fill_source), era));
                era = fill;
                continue;
            }
            // Fills come in the order they were handed over: the latest says whether the end
            // is known (a supply not known may outlast every known one before it).
            era.dates = fill.dates;
            era.end = Some(
                era.end
                    .unwrap_or(era.start)
                    .max(fill.end.unwrap_or(fill.start)),
            );
            era.stop_reason = fill.stop_reason.or(era.stop_reason);
            Indication::extend_unique(&mut era.indications, &fill.indications);
            if fill.stop_reason.is_some() || fill.stop_text.is_some() {
                era.stop_text = fill.stop_text;
            }
            if fill.dose.is_some() {
                era.dose = fill.dose;
                era.dose_from = fill.dose_from;
            }
            if era.route.is_none() {
                era.route = fill.route;
            }
        }
        out.push((source, era));
    }
    out
}

/// Fills of one drug handed over on one day, read as what the patient took from them:
///
/// - Two fills at the same dose a day (two packs of olanzapine 10 mg, or a refill handed over
///   with the first) are more supply of that dose, not a double dose: their days of supply add
///   up (10 mg/d for 30 + 30 days is 10 mg/d for 60 days). A second supply is the reading that
///   never makes up a dose no one prescribed; a doubled dose would be prescribed as such.
/// - Fills at different doses a day (olanzapine 15 mg and 5 mg tablets; clozapine 100 mg and
///   25 mg) are one regimen taken together: their doses add up (20 mg/d) while each one's
///   supply lasts, and once the shorter supply has run out the rest is taken alone: 10 mg + 10
///   mg + 5 mg tablets, 30 days each, are 15 mg/d for 30 days, then 10 mg/d for 30 more, as
///   steps of one exposure. Read one after the other instead, each cut the other short to a
///   day: zero-day steps at 15 mg and at 5 mg, and a 20 mg/d trial read as 15 mg/d, below
///   TRRIP's 600 mg/d chlorpromazine equivalent (the review's case).
///
/// A fill whose supply is not known makes the regimen's end unknown: the doses still add up,
/// to the end of the longest supply known. A fill with no dose, or a dose in another unit, is
/// kept as it is.
fn handed_over_together(run: Vec<(String, DrugExposure)>) -> Vec<(String, DrugExposure)> {
    let mut out: Vec<(String, DrugExposure)> = Vec::with_capacity(run.len());
    let mut same_day: Vec<(String, DrugExposure)> = Vec::new();
    for (source, fill) in run {
        if same_day
            .first()
            .is_some_and(|(_, first)| first.start.date() != fill.start.date())
        {
            out.extend(taken_together(std::mem::take(&mut same_day)));
        }
        same_day.push((source, fill));
    }
    out.extend(taken_together(same_day));
    out
}

/// One day's fills of one drug (see [`handed_over_together`]).
fn taken_together(fills: Vec<(String, DrugExposure)>) -> Vec<(String, DrugExposure)> {
    if fills.len() < 2 {
        return fills;
    }
    let unit = fills
        .iter()
        .find_map(|(_, fill)| fill.dose.as_ref().map(|dose| dose.unit.clone()));
    let (mut strengths, mut kept): (Vec<_>, Vec<_>) = (Vec::new(), Vec::new());
    for (source, fill) in fills {
        match fill.dose.as_ref() {
            Some(dose) if Some(&dose.unit) == unit.as_ref() => {
                add_supply(&mut strengths, source, fill);
            }
            _ => kept.push((source, fill)),
        }
    }
    let mut out = doses_added(strengths);
    out.extend(kept);
    out
}

/// A fill's supply, from its start; `None` when not known.
fn supply_handed_over(fill: &DrugExposure) -> Option<Duration> {
    match (fill.dates, fill.end) {
        (DatesKnown::EndUnknown, _) | (_, None) => None,
        (_, Some(end)) => Some((end - fill.start).max(Duration::zero())),
    }
}

/// Adds a fill to the day's strengths: another fill at a dose already there lengthens its
/// supply (an unknown supply makes the sum unknown, from the latest day known).
fn add_supply(strengths: &mut Vec<(String, DrugExposure)>, source: String, fill: DrugExposure) {
    let same = strengths.iter_mut().find(|(_, known)| {
        known
            .dose
            .as_ref()
            .zip(fill.dose.as_ref())
            .is_some_and(|(a, b)| (a.value - b.value).abs() < 1e-9)
    });
    let Some((_, known)) = same else {
        strengths.push((source, fill));
        return;
    };
    if let (Some(first), Some(more)) = (supply_handed_over(known), supply_handed_over(&fill)) {
        known.end = Some(known.start + first + more);
    } else {
        known.end = known.end.max(fill.end);
        known.dates = DatesKnown::EndUnknown;
    }
    if known.stop_reason.is_none() && (fill.stop_reason.is_some() || known.stop_text.is_none()) {
        known.stop_text = fill.stop_text;
    }
    known.stop_reason = known.stop_reason.or(fill.stop_reason);
    Indication::extend_unique(&mut known.indications, &fill.indications);
    if known.route.is_none() {
        known.route = fill.route;
    }
}

/// The day's distinct strengths taken together: their doses added while each one's supply
/// lasts, a step each time one runs out (all at once when a supply is not known).
fn doses_added(strengths: Vec<(String, DrugExposure)>) -> Vec<(String, DrugExposure)> {
    if strengths.len() < 2 {
        return strengths;
    }
    let total = |members: &[&(String, DrugExposure)]| -> Option<Dose> {
        let first = members.first()?.1.dose.as_ref()?;
        Some(Dose {
            value: members
                .iter()
                .filter_map(|(_, fill)| fill.dose.as_ref().map(|dose| dose.value))
                .sum(),
            unit: first.unit.clone(),
        })
    };
    // A total of which any part was worked out is worked out: said as that part was.
    let derived =
        |members: &[&(String, DrugExposure)]| members.iter().find_map(|(_, fill)| fill.dose_from);
    let all: Vec<&(String, DrugExposure)> = strengths.iter().collect();
    let supplies: Option<Vec<Duration>> = strengths
        .iter()
        .map(|(_, fill)| supply_handed_over(fill))
        .collect();
    let Some(supplies) = supplies else {
        let (source, first) = &strengths[0];
        let mut together = first.clone();
        together.dose = total(&all);
        together.dose_from = derived(&all);
        together.end = strengths.iter().filter_map(|(_, fill)| fill.end).max();
        together.dates = DatesKnown::EndUnknown;
        return vec![(source.clone(), together)];
    };
    let start = strengths[0].1.start;
    let mut ends: Vec<Duration> = supplies.clone();
    ends.sort_unstable();
    ends.dedup();
    let mut out = Vec::new();
    let mut from = Duration::zero();
    for until in ends {
        let members: Vec<&(String, DrugExposure)> = strengths
            .iter()
            .zip(&supplies)
            .filter(|(_, supply)| **supply > from)
            .map(|(fill, _)| fill)
            .collect();
        let Some((source, template)) = members.first().copied() else {
            continue;
        };
        let mut step = template.clone();
        step.start = start + from;
        step.end = Some(start + until);
        step.dose = total(&members);
        step.dose_from = derived(&members);
        // Only the last step can say how the drug was stopped.
        if until < supplies.iter().copied().max().unwrap_or(until) {
            step.stop_reason = None;
            step.stop_text = None;
        }
        out.push((source.clone(), step));
        from = until;
    }
    out
}

/// Orders (and statements) of one drug begun on the same day as parts of one day's doses:
/// their doses a day add up while both run (review r9 R9-1). US EHRs write an uneven twice-daily
/// dose as two orders (levetiracetam 500 mg every morning, 750 mg at night), and a dose no one
/// tablet makes as one order per strength (olanzapine 10 mg and 15 mg tablets, once a day
/// each). Read one beside the other, the day's dose was the larger order's alone, and a 25 mg/d
/// trial a 15 mg/d one below TRRIP's 600 mg/d chlorpromazine equivalent.
///
/// The choice, since adding up what was one dose makes up a dose nobody gave: two records of
/// one drug (by ingredient and form, see [`course_key`]) are parts of one day when
/// - they begin on the same day (an order begun another day replaces, renews or is added to
///   the one before: read as a dose change, as it always was), and both run past that day (a
///   record closed on the day the other began was replaced by it);
/// - each has a daily dose in milligrams (of a tablet of a named strength too);
/// - and they differ as parts do: both name their times of the day and no time is named by
///   both (10 mg every morning, 15 mg at bedtime; 25 mg in the morning and 25 mg at night), or
///   they are products whose names state other strengths, at other doses a day (a 10 mg and a
///   15 mg tablet; two products named with no strength may be one drug's dose changed, or
///   records of two dates sent with one). The same dose
///   at the same times, or with no time named, is a copy of one order (a statement and its
///   order, the same order from a second source, a product code and the generic of one dose),
///   never a second dose.
///
/// The parts add up while all run; once one has ended the others run on at their own doses,
/// as steps of one course (as fills of two strengths handed over together do, see
/// [`doses_added`]). Administrations and fills are grouped by their own rules.
fn orders_taken_together(
    records: Vec<(String, DrugExposure, MedicationMeta)>,
    book: &DrugBook,
) -> Vec<(String, DrugExposure, MedicationMeta)> {
    let mut by_day: BTreeMap<(String, NaiveDate), Vec<usize>> = BTreeMap::new();
    for (index, (_, exposure, meta)) in records.iter().enumerate() {
        let dated = matches!(exposure.dates, DatesKnown::Stated | DatesKnown::EndUnknown);
        if dated && day_mg(book, exposure).is_some() {
            by_day
                .entry((course_key(book, exposure, meta), exposure.start_day()))
                .or_default()
                .push(index);
        }
    }
    let mut parts_of: Vec<Vec<usize>> = Vec::new();
    for (_, members) in by_day {
        let mut parts: Vec<usize> = Vec::new();
        for index in members {
            let (_, exposure, meta) = &records[index];
            let runs_on = exposure
                .end_day()
                .is_none_or(|end| end > exposure.start_day());
            let another_part = parts.iter().all(|&other| {
                let (_, other_exposure, other_meta) = &records[other];
                parts_of_one_day(book, (exposure, meta), (other_exposure, other_meta))
            });
            if runs_on && another_part {
                parts.push(index);
            }
        }
        if parts.len() >= 2 {
            parts_of.push(parts);
        }
    }
    if parts_of.is_empty() {
        return records;
    }
    let mut slots: Vec<Option<(String, DrugExposure, MedicationMeta)>> =
        records.into_iter().map(Some).collect();
    let mut out = Vec::new();
    for parts in parts_of {
        let members: Vec<(String, DrugExposure, MedicationMeta)> = parts
            .iter()
            .filter_map(|&index| slots.get_mut(index).and_then(Option::take))
            .collect();
        out.extend(one_days_doses(members, book));
    }
    out.extend(slots.into_iter().flatten());
    out
}

/// A record's dose a day in milligrams (a count of a single-ingredient product of a named
/// strength too), when it is a daily one.
fn day_mg(book: &DrugBook, exposure: &DrugExposure) -> Option<f64> {
    use crate::rules::dose;
    let recorded = exposure.dose.as_ref()?;
    let daily = |interval_days: f64| (interval_days - 1.0).abs() < 1e-9;
    if let Some(amount) = dose::daily(recorded) {
        return daily(amount.interval_days).then_some(amount.mg_per_day);
    }
    let (count, interval_days) = dose::counted(recorded)?;
    if !daily(interval_days) || book.recognise(&exposure.codes(), &exposure.text).len() != 1 {
        return None;
    }
    strength::single_unit_mg(&exposure.text).map(|mg| mg * count)
}

/// Whether two records of one drug begun on one day are parts of one day's doses (see
/// [`orders_taken_together`]).
fn parts_of_one_day(
    book: &DrugBook,
    (a, a_meta): (&DrugExposure, &MedicationMeta),
    (b, b_meta): (&DrugExposure, &MedicationMeta),
) -> bool {
    let (Some(a_mg), Some(b_mg)) = (day_mg(book, a), day_mg(book, b)) else {
        return false;
    };
    if let (Some(a_times), Some(b_times)) = (&a_meta.day_times, &b_meta.day_times) {
        return !a_times
            .iter()
            .any(|time| b_times.iter().any(|other| times_clash(time, other)));
    }
    let strength = |exposure: &DrugExposure| strength::single_unit_mg(&exposure.text);
    let other_strengths = match (strength(a), strength(b)) {
        (Some(a_unit), Some(b_unit)) => (a_unit - b_unit).abs() > 1e-6,
        _ => false,
    };
    a_meta.key != b_meta.key && other_strengths && (a_mg - b_mg).abs() > 1e-6
}

/// Whether two times of the day may be one (see [`one_day`]): the same, or `PM` (the afternoon
/// or the evening) beside either.
fn times_clash(a: &str, b: &str) -> bool {
    let pm = |x: &str, y: &str| x == PM_PART && matches!(y, "afternoon" | "evening");
    a == b || pm(a, b) || pm(b, a)
}

/// The parts of one day's doses (see [`orders_taken_together`]) as the course they make: their
/// doses a day added while all run, then those still running, a step each time one ends. A
/// part whose end is not known runs on to the longest end.
fn one_days_doses(
    mut members: Vec<(String, DrugExposure, MedicationMeta)>,
    book: &DrugBook,
) -> Vec<(String, DrugExposure, MedicationMeta)> {
    // Open ones last: they run on longest.
    members.sort_by_key(|(_, exposure, _)| (exposure.end.is_none(), exposure.end));
    let indications: Vec<crate::domain::Indication> = members
        .iter()
        .flat_map(|(_, exposure, _)| exposure.indications.iter().cloned())
        .fold(Vec::new(), |mut all, indication| {
            Indication::add_unique(&mut all, indication);
            all
        });
    let mut out = Vec::new();
    let mut from: Option<NaiveDateTime> = None;
    loop {
        let total: f64 = members
            .iter()
            .filter_map(|(_, exposure, _)| day_mg(book, exposure))
            .sum();
        let until = members.first().and_then(|(_, exposure, _)| exposure.end);
        let ends_here = members
            .iter()
            .filter(|(_, exposure, _)| exposure.end == until)
            .count();
        let last = ends_here == members.len();
        let template = if last {
            members.pop()
        } else {
            members.first().cloned()
        };
        let Some((source, mut step, mut meta)) = template else {
            break;
        };
        if let Some(from) = from {
            step.start = from.max(step.start);
        }
        step.dose = Some(Dose {
            value: (total * 1000.0).round() / 1000.0,
            unit: String::from("mg/d"),
        });
        step.indications.clone_from(&indications);
        if !last {
            // Ended as a part ended, the rest going on: a dose change, no stop.
            step.dates = DatesKnown::Stated;
            step.stop_reason = None;
            step.stop_text = None;
            step.said_stopped = false;
            meta.end_recorded = true;
            meta.active = false;
            meta.stopped = false;
            meta.completed = false;
            meta.dose_changed = true;
            meta.stopped_on = None;
        }
        out.push((source, step, meta));
        if last {
            break;
        }
        members.drain(..ends_here);
        from = until;
    }
    out
}

/// Records of each drug (by [`MedicationMeta::key`]) in runs, by start: a record that starts at
/// most `gap_days` after the latest `reach` of the run's records so far continues the run.
fn runs_per_drug(
    records: Vec<(String, DrugExposure, MedicationMeta)>,
    gap_days: i64,
    reach: impl Fn(&DrugExposure) -> NaiveDate,
) -> Vec<Vec<(String, DrugExposure)>> {
    let mut by_drug: BTreeMap<String, Vec<(String, DrugExposure)>> = BTreeMap::new();
    for (source, exposure, meta) in records {
        by_drug
            .entry(meta.key)
            .or_default()
            .push((source, exposure));
    }
    let mut runs: Vec<Vec<(String, DrugExposure)>> = Vec::new();
    for (_, mut records) in by_drug {
        records.sort_by_key(|(_, exposure)| exposure.start);
        let mut current: Vec<(String, DrugExposure)> = Vec::new();
        let mut until: Option<NaiveDate> = None;
        for (source, exposure) in records {
            let reached = reach(&exposure);
            match until {
                Some(day) if (exposure.start.date() - day).num_days() <= gap_days => {
                    until = Some(day.max(reached));
                }
                _ => {
                    if !current.is_empty() {
                        runs.push(std::mem::take(&mut current));
                    }
                    until = Some(reached);
                }
            }
            current.push((source, exposure));
        }
        if !current.is_empty() {
            runs.push(current);
        }
    }
    runs
}

/// How far an order reaches when nothing says how long it lasts (no `expectedSupplyDuration`,
/// `quantity`, `validityPeriod` or bounds): 90 days, the usual longest fill. A choice from
/// practice: 90 days is the common longest fill of US and UK repeat prescribing, and a
/// long-term drug is re-ordered at each review, every 1 to 3 months, by orders that often carry
/// no `dispenseRequest` (Epic and NHS exports, repeat issues); the record's silence is no stop.
/// OHDSI's 29 days for a written prescription (Themis) is a convention for dispensing data and
/// split such orders into one-day courses. So re-orders up to 3 months (plus
/// [`REFILL_GAP_DAYS`]) apart join; orders 6 months apart, or 30-day orders 10 months apart,
/// do not. An order a renewal names as the one it renews (R4 `priorPrescription`), its end not
/// recorded, ran until the renewal began (see [`given_at_least_until`]): its reach is then the
/// renewal's start, and the two join. Only for joining renewals: never the exposure's end,
/// which stays unknown.
pub const UNKNOWN_ORDER_SUPPLY_DAYS: i64 = 90;

/// The last day an open-ended prescription or statement reaches, for joining its renewals: the
/// supply its order says it authorises (see [`with_order_supply`]), else
/// [`UNKNOWN_ORDER_SUPPLY_DAYS`] from its start; never before the last day it is known given.
fn order_reach(exposure: &DrugExposure, meta: &MedicationMeta) -> NaiveDate {
    let start = exposure.start.date();
    let covered = meta.supplied_until.map_or_else(
        || start + Duration::days(UNKNOWN_ORDER_SUPPLY_DAYS),
        |until| until.date(),
    );
    covered
        .max(start)
        .max(exposure.end.map_or(start, |end| end.date()))
}

/// How a renewal says the course ends, when it is the last: an active one is still given,
/// unless its whole supply (repeats stated: absent, more fills may have followed) ran out more than [`REFILL_GAP_DAYS`] before `seen_until`, the
/// record's latest entry (a stale order never renewed while the patient was seen, an EHR
/// artefact: given at least to its supply's end, then not known). A choice: the grace gap is
/// the one renewals are joined by, and it is counted to the record's latest entry, not to the
/// import's day, so an export that stops soon after the order (nothing says the drug was not
/// renewed) keeps it ongoing; a completed order whose supply is
/// known was given to its supply's end (R4 `completed`: "all actions that are implied by the
/// prescription have occurred") as far as nothing else says (see [`stopped_by_other_records`]),
/// still given when that is after `today`; otherwise it was given at least until its own date.
fn renewal_end(
    exposure: &DrugExposure,
    meta: &MedicationMeta,
    (today, seen_until): (NaiveDate, NaiveDate),
) -> (Option<NaiveDateTime>, DatesKnown) {
    if let Some((until, dates)) = meta.stopped_on {
        return (Some(until.max(exposure.start)), dates);
    }
    if meta.active {
        if meta.supply_whole
            && let Some(until) = meta.supplied_until
            && (seen_until - until.date()).num_days() > REFILL_GAP_DAYS
        {
            return (Some(until.max(exposure.start)), DatesKnown::EndUnknown);
        }
        return (None, exposure.dates);
    }
    if meta.completed
        && meta.supply_known
        && exposure.stop_reason.is_none()
        && let Some(until) = meta.supplied_until
        && until > exposure.end.unwrap_or(exposure.start)
    {
        return if until.date() > today {
            (None, DatesKnown::Stated)
        } else {
            (Some(until), DatesKnown::Stated)
        };
    }
    (exposure.end.or(Some(exposure.start)), exposure.dates)
}

/// A record of the drug ending this many days or fewer after an order of it began ended as the
/// order took over, not as the drug stopped. A choice: a home-medication statement is closed
/// at the reconciliation that writes the order replacing it, on the order's day or within the
/// days a reconciliation, a discharge and the first fill take; a week covers them.
const HANDOVER_DAYS: i64 = 7;

/// Another record of the drug beside a completed order, as far as it bears on the order's
/// supply: its drug (by ingredient), period, dose a day, and whether it says why it stopped.
struct OtherRecord {
    key: String,
    start: NaiveDateTime,
    end: Option<NaiveDateTime>,
    dose: Option<Dose>,
    stopped_for_a_reason: bool,
    /// A record saying the drug stopped (see [`says_the_drug_stopped`]), or fills whose last
    /// ran out: an order completed or a record of the new dose never does.
    says_stopped: bool,
}

/// A completed order is read as given to the end of its supply only as far as nothing else
/// says (R4 `completed` is often an order expired or closed, not four fills taken): a record of
/// the same drug (by ingredient, see [`drug_key`]) with its own period that says the drug
/// STOPPED within the supply (a statement stopped, with its end and reason), or pharmacy fills
/// handed over in the supply whose last runs out before it, end the supply there. A later
/// record of the drug reaching as far as the supply leaves it whole.
///
/// Only a stop cuts the supply: a record saying the drug stopped (see
/// [`says_the_drug_stopped`]: never a request completed, nor one closed for a dose change), or
/// fills. The choice (review 35): a record stopped for a reason (or
/// saying why in its own words) cuts it wherever it ends after the order's first day. Any
/// other record cuts it only when it ends more than [`HANDOVER_DAYS`] after the order began
/// (before that it was closed as the order took over), and not when it is a record of the
/// dose the order replaced: begun before the order at another dose a day, and ended within
/// the order's first fill (a titration: "25 mg" closed when "100 mg" was ordered is a dose
/// change, never a stop). Records whose dose is not known are read as the order's dose.
fn stopped_by_other_records(
    records: &mut [(String, DrugExposure, MedicationMeta)],
    dispenses: &[(String, DrugExposure, MedicationMeta)],
    book: &DrugBook,
) {
    let ingredient =
        |exposure: &DrugExposure, meta: &MedicationMeta| course_key(book, exposure, meta);
    let others: Vec<OtherRecord> = records
        .iter()
        .filter(|(_, exposure, meta)| meta.end_recorded && exposure.dates != DatesKnown::Unknown)
        .map(|(_, exposure, meta)| OtherRecord {
            key: ingredient(exposure, meta),
            start: exposure.start,
            end: exposure.end,
            dose: exposure.dose.clone(),
            stopped_for_a_reason: !meta.dose_changed
                && !meta.ends_without_a_stop
                && (exposure.stop_reason.is_some() || exposure.stop_text.is_some()),
            says_stopped: says_the_drug_stopped(exposure, meta),
        })
        .chain(
            dispenses
                .iter()
                .filter(|(_, fill, _)| fill.dates != DatesKnown::Unknown)
                .map(|(_, fill, meta)| {
                    let reach = fill.end.filter(|_| fill.dates != DatesKnown::EndUnknown);
                    let reach = reach.or_else(|| {
                        fill.start
                            .checked_add_signed(Duration::days(UNKNOWN_SUPPLY_JOIN_DAYS))
                    });
                    OtherRecord {
                        key: meta.key.clone(),
                        start: fill.start,
                        end: reach,
                        dose: fill.dose.clone(),
                        stopped_for_a_reason: false,
                        says_stopped: true,
                    }
                }),
        )
        .collect();
    for (_, exposure, meta) in records.iter_mut() {
        if !meta.completed || !meta.supply_known || meta.end_recorded {
            continue;
        }
        let Some(until) = meta.supplied_until else {
            continue;
        };
        let key = ingredient(exposure, meta);
        let handover = exposure
            .start
            .checked_add_signed(Duration::days(HANDOVER_DAYS))
            .unwrap_or(exposure.start);
        let first_fill = meta
            .first_fill_days
            .and_then(|days| exposure.start.checked_add_signed(Duration::days(days)))
            .unwrap_or(handover)
            .max(handover);
        let says_stopped = |other: &OtherRecord| {
            let end = other.end.unwrap_or(until);
            if !other.says_stopped {
                return false;
            }
            if other.stopped_for_a_reason {
                return end > exposure.start;
            }
            let dose_replaced = other.start < exposure.start
                && other.dose.is_some()
                && exposure.dose.is_some()
                && other.dose != exposure.dose;
            end > handover && !(dose_replaced && end <= first_fill)
        };
        let same_drug: Vec<&OtherRecord> = others
            .iter()
            .filter(|other| {
                other.key == key
                    && other.start < until
                    && other.end.unwrap_or(until) >= exposure.start
            })
            .collect();
        // Nothing says the drug stopped within the supply: the order's fills were given.
        if !same_drug.iter().any(|other| says_stopped(other)) {
            continue;
        }
        // The latest day a record of the drug given during the supply reaches.
        let reached = same_drug
            .iter()
            .map(|other| other.end.unwrap_or(until).max(other.start))
            .max();
        if let Some(reached) = reached
            && reached < until
        {
            meta.supplied_until = Some(reached.max(exposure.start));
        }
    }
}

/// The drug a record is a course of, as records of it from any source are compared: its
/// ingredients (see [`drug_key`]) and the form that makes another course of them.
fn course_key(book: &DrugBook, exposure: &DrugExposure, meta: &MedicationMeta) -> String {
    let form = form_of(book, exposure);
    let own = meta.key.strip_suffix(form).unwrap_or(&meta.key);
    let mut key = drug_key(book, exposure, own);
    key.push_str(form);
    key
}

/// A record saying a drug stopped, as far as it bears on a record of the drug still open.
struct StopRecord {
    key: String,
    start: NaiveDateTime,
    /// The day it says the drug was given until (its end), or, its end not recorded, the last
    /// day it is known given (the drug stopped on that day or later).
    until: NaiveDateTime,
    /// The latest day the drug is known stopped by: its end, else when a statement said the drug
    /// was no longer taken (its `dateAsserted`), else `until`.
    said_by: NaiveDateTime,
    end_stated: bool,
    dose: Option<Dose>,
    for_a_reason: bool,
}

/// A record closed at most this long after another record of the drug began, by a record begun
/// before that one, was closed as that one took over: a dose change or a re-issue is written as
/// the old order stopped and the new one started, within minutes (a day for records dated by
/// the day). A choice: a stop a day or more after the new record began is a stop of it.
const TAKEN_OVER_WITHIN_HOURS: i64 = 24;

/// Whether a record that is not active says the drug STOPPED, so that it may end another
/// record's open course of it (see [`stopped_by_later_records`]). The choice, from R4's status
/// codes: a record whose status says the drug is no longer taken (a request or a statement
/// `stopped`, a statement `completed`: see [`MedicationRecord::stopped`]), or one giving a stop
/// reason (`statusReason`, the mCODE termination reason: a request `cancelled` for
/// hyponatraemia). A request `completed` with no reason says its own actions occurred (a
/// five-day course in hospital, a planned period ended): no word of the drug's other courses.
/// A reason saying the dose changed ("Dose adjustment") is a handover to the new dose, never a
/// stop, whatever the status; nor is refract's own statement of a course that ended with no
/// word of a stop (see [`MedicationRecord::ends_without_a_stop`]), as its source never was.
/// What an exposure keeps of it is [`DrugExposure::said_stopped`] (see [`finish_medication`]).
fn says_the_drug_stopped(exposure: &DrugExposure, meta: &MedicationMeta) -> bool {
    let for_a_reason = exposure.stop_reason.is_some() || exposure.stop_text.is_some();
    !meta.dose_changed && !meta.ends_without_a_stop && (meta.stopped || for_a_reason)
}

/// An open record (an `active` order or statement, no end of its own: "ongoing") of a drug that
/// another record, from any source, says STOPPED after everything the open record says ends
/// there. R4 `MedicationRequest.status = active` says the order is still actionable, not that
/// the drug is taken, and an `active` statement says the drug was taken when it was asserted;
/// a record saying the drug stopped (see [`says_the_drug_stopped`]), written about a later day,
/// says the drug is no longer taken (a hospital's discharge order left active for ever beside
/// the GP's statement stopped for hyponatraemia: the drug counted as given now, a false
/// resistant hypertension).
///
/// The choices, as for a completed order's supply (see [`stopped_by_other_records`]):
///
/// - What says the drug stopped: see [`says_the_drug_stopped`]; only a course of the same drug
///   by the same way of giving counts (see [`course_key`]: a cream or a dose taken when needed
///   is another course). A record ending within [`HANDOVER_DAYS`] of the open one's start with
///   no reason was closed as it took over, and a record of the dose it replaced (another dose,
///   begun before it, ended within its first fill) is a dose change: neither says the drug
///   stopped. Nor does a record begun before the open one and closed within
///   [`TAKEN_OVER_WITHIN_HOURS`] of its start, whatever its reason: the open record took over (a new
///   order of 10 mg started at 10:00, the 5 mg one stopped at 10:01).
/// - Later: the stop is after the open record's start and after the day it was written
///   (`dateAsserted`, `authoredOn`). A record written or begun after the stop (a new order, a
///   statement asserted again) is a restart and stays ongoing. A statement saying the drug is no
///   longer taken with no end (its start alone, or no period at all) stopped by the day it was
///   asserted at the latest: it stops an open record written before that day.
/// - Where it is cut: when the stop record begins within the open record's reach (its supply,
///   else [`UNKNOWN_ORDER_SUPPLY_DAYS`], plus [`REFILL_GAP_DAYS`], as renewals join) it is the
///   same course: given until the stop's end (at least until it, or the open record's own day,
///   when that end is not recorded). A stop record begun after that reach is a later course:
///   the open record is then given at least until the last day it says, for how long after not
///   known, never ongoing across the stop.
///
/// The earliest such stop decides: the drug stopped then, whatever came after.
fn stopped_by_later_records(
    records: &mut [(String, DrugExposure, MedicationMeta)],
    book: &DrugBook,
) {
    let stops: Vec<StopRecord> = records
        .iter()
        .filter(|(_, exposure, meta)| {
            !meta.active
                && (exposure.dates != DatesKnown::Unknown
                    || meta.stopped_by.is_some()
                    || meta.day_taken)
                && says_the_drug_stopped(exposure, meta)
        })
        .map(|(_, exposure, meta)| {
            let end_stated = meta.end_recorded
                && matches!(exposure.dates, DatesKnown::Stated | DatesKnown::Dispensed);
            let until = exposure.end.unwrap_or(exposure.start).max(exposure.start);
            let said_by = if end_stated {
                until
            } else {
                meta.stopped_by.map_or(until, |day| day.max(until))
            };
            StopRecord {
                key: course_key(book, exposure, meta),
                start: exposure.start,
                until,
                said_by,
                end_stated,
                dose: exposure.dose.clone(),
                for_a_reason: exposure.stop_reason.is_some() || exposure.stop_text.is_some(),
            }
        })
        .collect();
    if stops.is_empty() {
        return;
    }
    for (_, exposure, meta) in records.iter_mut() {
        if !meta.active
            || meta.end_recorded
            || exposure.end.is_some()
            || exposure.dates == DatesKnown::Unknown
        {
            continue;
        }
        let key = course_key(book, exposure, meta);
        let said_until = meta
            .asserted
            .map_or(exposure.start, |day| day.max(exposure.start));
        let handover = exposure
            .start
            .checked_add_signed(Duration::days(HANDOVER_DAYS))
            .unwrap_or(exposure.start);
        let taken_over = exposure
            .start
            .checked_add_signed(Duration::hours(TAKEN_OVER_WITHIN_HOURS))
            .unwrap_or(exposure.start);
        let first_fill = meta
            .first_fill_days
            .and_then(|days| exposure.start.checked_add_signed(Duration::days(days)))
            .unwrap_or(handover)
            .max(handover);
        let says_stopped = |stop: &StopRecord| {
            if stop.key != key || stop.said_by <= said_until {
                return false;
            }
            if stop.start < exposure.start && stop.said_by <= taken_over {
                return false;
            }
            if stop.for_a_reason {
                return true;
            }
            let dose_replaced = stop.start < exposure.start
                && stop.dose.is_some()
                && exposure.dose.is_some()
                && stop.dose != exposure.dose;
            stop.said_by > handover && !(dose_replaced && stop.said_by <= first_fill)
        };
        let Some(stop) = stops
            .iter()
            .filter(|stop| says_stopped(stop))
            .min_by_key(|stop| stop.until)
        else {
            continue;
        };
        let reach = order_reach(exposure, meta) + Duration::days(REFILL_GAP_DAYS);
        meta.stopped_on = Some(if stop.start.date() > reach {
            (said_until, DatesKnown::EndUnknown)
        } else if stop.end_stated {
            (stop.until, DatesKnown::Stated)
        } else {
            (stop.until.max(said_until), DatesKnown::EndUnknown)
        });
    }
}

/// An open record (an `active` order or statement, no end of its own) of a drug the patient
/// reports not taking (a statement `not-taken`, R4: "the patient is known not to be taking the
/// medication"; review R9-5) from a day after it was written: the drug is not taken from that
/// day, so the course ends there. Its stop reason is the statement's when the vocabulary reads
/// one, else noncompliance (a drug prescribed and not taken, the patient's report); its stop
/// text says the report ([`NOT_TAKEN_WORDS`] and the statement's words), which the criteria
/// read as a trial not taken, never a failed one (ILAE's "appropriately used", TRRIP's
/// adherence, AHA 2018's pseudo-resistance: see `rules::trials`).
///
/// The choices: only a course of the same drug by the same way of giving (see [`course_key`]);
/// a record written (or begun) on the report's day or later shows the drug given again and
/// stays as it is, as a restart after any stop does (see [`stopped_by_later_records`]); the
/// report is dated by its `effective[x]` (the start of a period), else its `dateAsserted`; the
/// earliest report after the record decides; a stop another record already placed earlier
/// stands.
fn not_taken_since(
    records: &mut [(String, DrugExposure, MedicationMeta)],
    reports: &[(String, DrugExposure, MedicationMeta)],
    book: &DrugBook,
) {
    if reports.is_empty() {
        return;
    }
    let reports: Vec<(String, &DrugExposure)> = reports
        .iter()
        .map(|(_, report, meta)| (course_key(book, report, meta), report))
        .collect();
    for (_, exposure, meta) in records.iter_mut() {
        if !meta.active || meta.end_recorded || exposure.end.is_some() {
            continue;
        }
        let key = course_key(book, exposure, meta);
        let said_until = meta
            .asserted
            .map_or(exposure.start, |day| day.max(exposure.start));
        let Some(report) = reports
            .iter()
            .filter(|(report_key, report)| {
                *report_key == key && report.start.date() > said_until.date()
            })
            .map(|(_, report)| *report)
            .min_by_key(|report| report.start)
        else {
            continue;
        };
        if meta
            .stopped_on
            .is_some_and(|(until, _)| until <= report.start)
        {
            continue;
        }
        let dates = if exposure.dates == DatesKnown::StartUnknown {
            DatesKnown::StartUnknown
        } else {
            DatesKnown::Stated
        };
        meta.stopped_on = Some((report.start, dates));
        reported_not_taken_on(exposure, report);
    }
}

/// Ends a course with the patient's report that the drug is not taken (see
/// [`not_taken_since`]): its stop reason the report's when the vocabulary reads one, else
/// noncompliance; its stop text [`NOT_TAKEN_WORDS`] and the report's words. The end's day is
/// set by the caller.
fn reported_not_taken_on(exposure: &mut DrugExposure, report: &DrugExposure) {
    exposure.end_utc_offset_minutes = report.utc_offset_minutes;
    exposure.stop_reason = Some(report.stop_reason.unwrap_or(StopReason::Noncompliance));
    exposure.stop_text = Some(match report.stop_text.as_deref() {
        Some(words) => format!("{NOT_TAKEN_WORDS}: {}", crate::text::flat_words(words)),
        None => NOT_TAKEN_WORDS.to_owned(),
    });
    exposure.said_stopped = true;
}

/// The reports that a drug is not taken (statements `not-taken`), by the course of the drug
/// they are about (see [`course_key`]), earliest first.
fn reports_by_course<'r>(
    reports: &'r [(String, DrugExposure, MedicationMeta)],
    book: &DrugBook,
) -> BTreeMap<String, Vec<&'r DrugExposure>> {
    let mut by_course: BTreeMap<String, Vec<&DrugExposure>> = BTreeMap::new();
    for (_, report, meta) in reports {
        by_course
            .entry(course_key(book, report, meta))
            .or_default()
            .push(report);
    }
    for days in by_course.values_mut() {
        days.sort_by_key(|report| report.start);
    }
    by_course
}

/// Fills and doses given one at a time (MedicationDispense, MedicationAdministration) of a drug
/// the patient reports not taking (review G1-2), as [`not_taken_since`] reads orders: a fill or
/// a dose on the report's day or later is the drug given again, never joined with those before
/// the report into one course (each is kept to its side of the report by its key). Returns, by
/// record, the first report after it: the one that may end the course it joins (see
/// [`ended_at_reports`]).
fn apart_at_reports<'r>(
    given: &mut [(String, DrugExposure, MedicationMeta)],
    reported: &BTreeMap<String, Vec<&'r DrugExposure>>,
    book: &DrugBook,
) -> HashMap<String, &'r DrugExposure> {
    let mut next = HashMap::new();
    if reported.is_empty() {
        return next;
    }
    for (source, exposure, meta) in given.iter_mut() {
        let Some(reports) = reported.get(&course_key(book, exposure, meta)) else {
            continue;
        };
        let day = exposure.start.date();
        let before = reports
            .iter()
            .filter(|report| report.start.date() <= day)
            .count();
        if before > 0 {
            meta.key.push_str("\u{1f}after report ");
            meta.key.push_str(&before.to_string());
        }
        if let Some(report) = reports.get(before) {
            next.entry(source.clone()).or_insert(*report);
        }
    }
    next
}

/// A course of fills or of doses given (see [`apart_at_reports`]) still running on the day the
/// patient reported not taking the drug (a fill's supply, a depot's interval after its last
/// injection, reaching that day, or no end) ends that day, as reported not taken (see
/// [`reported_not_taken_on`]). One that ended before the report (its last supply run out, its
/// last dose given) is left as it is: the report says nothing of why it ended then. A course
/// of fills stays known from fills.
///
/// A last fill whose supply is not known (`EndUnknown`: given at least until its day, for how
/// long after not known) may still run on the report's day (MS-3): it ends there as reported
/// not taken when the report comes no later than a next fill would have continued the course
/// ([`UNKNOWN_SUPPLY_JOIN_DAYS`] and [`REFILL_GAP_DAYS`] after its last day known), the patient's
/// account of taking it until then, as a course of orders is ended (see [`not_taken_since`]);
/// a report after that finds a course already ended, for all the record says, and is left.
fn ended_at_reports(
    courses: &mut [(String, DrugExposure)],
    next: &HashMap<String, &DrugExposure>,
    fills: bool,
) {
    for (source, exposure) in courses.iter_mut() {
        let Some(report) = next.get(source.as_str()) else {
            continue;
        };
        let reach = match exposure.end {
            Some(end) if fills && exposure.dates == DatesKnown::EndUnknown => {
                end.checked_add_signed(Duration::days(UNKNOWN_SUPPLY_JOIN_DAYS + REFILL_GAP_DAYS))
            }
            end => end,
        };
        if report.start <= exposure.start || reach.is_some_and(|end| end < report.start) {
            continue;
        }
        exposure.end = Some(report.start);
        exposure.dates = match exposure.dates {
            _ if fills => DatesKnown::Dispensed,
            DatesKnown::StartUnknown | DatesKnown::Unknown => DatesKnown::StartUnknown,
            _ => DatesKnown::Stated,
        };
        reported_not_taken_on(exposure, report);
    }
}

/// Open-ended prescriptions (and statements) of the same drug renewed within the supply the
/// one before covers plus [`REFILL_GAP_DAYS`] are one exposure (an OMOP drug era): EHRs and
/// Synthea write a new order at every visit. How far an order reaches is what it says it
/// supplies (`dispenseRequest`: `expectedSupplyDuration` × (1 + `numberOfRepeatsAllowed`), or
/// `quantity` at the dose a day, or `validityPeriod`), else [`UNKNOWN_ORDER_SUPPLY_DAYS`]; a
/// longer silence is a stop and a restart: two exposures, each judged on its own.
///
/// A renewal at another dose a day starts the next dose period of the exposure, as a fill at
/// another dose does (see [`fills_of`]): the period before runs until it, so the criteria count
/// the time at each dose (never the last renewal's dose over the whole course). The last
/// renewal says how the course ended (see [`renewal_end`]). Records with their own periods
/// (a statement with an end, courses of chemotherapy, a titration's dated steps) and records
/// with no period at all stay as they are, and do not break the run of renewals beside them.
fn merge_renewals(
    exposures: &[(String, DrugExposure, MedicationMeta)],
    today: NaiveDate,
    seen_until: NaiveDate,
) -> Vec<(String, DrugExposure)> {
    let mut by_drug: BTreeMap<&str, Vec<&(String, DrugExposure, MedicationMeta)>> = BTreeMap::new();
    for item in exposures {
        by_drug.entry(item.2.key.as_str()).or_default().push(item);
    }
    let mut out: Vec<(String, DrugExposure)> = Vec::new();
    for (_, mut items) in by_drug {
        // Records of one start in an order of what they say, never of their ids (MV-7): the
        // one of the higher dose first, so it is the course a later renewal continues when it
        // repeats the dose of none of them (a renewal repeating one's dose continues that one,
        // RV-4, below).
        items.sort_by(|(a_source, a, _), (b_source, b, _)| {
            a.start
                .cmp(&b.start)
                .then_with(|| higher_dose_first(a.dose.as_ref(), b.dose.as_ref()))
                .then_with(|| a_source.cmp(b_source))
        });
        // The era, the last day the orders in it so far reach, its latest record's start,
        // whether another record says the drug stopped after its latest record (see
        // `stopped_by_later_records`): a later order is then a restart, never a renewal; and the
        // last day a record of it so far said the drug was given (see `known_given_until`).
        let mut current: Option<(String, DrugExposure, NaiveDate, NaiveDateTime, bool)> = None;
        let mut known = NaiveDateTime::MIN;
        // The open orders begun with the era's latest record at another dose (MV-7), each with
        // what `current` holds of an era, held back while a renewal may still continue one of
        // them (RV-4).
        let mut beside: Vec<(String, DrugExposure, NaiveDate, bool, NaiveDateTime)> = Vec::new();
        for (source, exposure, meta) in items {
            // A record with its own period, or with no period at all (its date is only when it
            // was asserted), is no renewal of anything.
            if meta.end_recorded || exposure.dates == DatesKnown::Unknown {
                out.push((source.clone(), exposure.clone()));
                continue;
            }
            let reach = order_reach(exposure, meta);
            let (end, dates) = renewal_end(exposure, meta, (today, seen_until));
            // An order that ended as planned (`completed`, see `says_the_drug_stopped`) beside
            // a course still going on (an active order or statement before it) is a course of
            // its own within it (five days in hospital), no renewal saying how it ended.
            let within = current.as_ref().is_some_and(|(_, era, ..)| {
                era.end.is_none()
                    && end.is_some()
                    && !meta.active
                    && meta.stopped_on.is_none()
                    && !says_the_drug_stopped(exposure, meta)
            });
            if within {
                let mut own = exposure.clone();
                own.end = end;
                own.dates = dates;
                out.push((source.clone(), own));
                continue;
            }
            // A renewal continues the order of one start whose dose it repeats (RV-4): the
            // renewal's own dose says which of them went on. The order it does not repeat,
            // renewed by nothing, was given at least until its start, for how long after not
            // known (never the months until the renewal at its dose, which would make a
            // possibly erroneous order an adequate trial). Only when it repeats none of them is
            // it a dose change of the era (the higher dose of them, the tie rule above).
            if let Some((_, era, _, latest, _)) = current.as_ref()
                && exposure.start > *latest
                && exposure.dose.is_some()
                && exposure.dose != era.dose
                && let Some(at) = beside.iter().position(|(_, course, reach, stopped, _)| {
                    course.dose == exposure.dose
                        && course.stop_reason.is_none()
                        && (!*stopped || meta.stopped_on.is_some())
                        && (exposure.start.date() - *reach).num_days() <= REFILL_GAP_DAYS
                })
            {
                let (course_source, course, reach, stopped, given_until) = beside.remove(at);
                if let Some((era_source, era, _, latest, _)) = current.take() {
                    out.push((era_source, superseded(era, latest)));
                }
                known = given_until;
                let latest = course.start;
                current = Some((course_source, course, reach, latest, stopped));
            }
            // The record saying the drug stopped, begun by the day the era was stopped on, is
            // the stop `stopped_by_later_records` cut the era's open orders at (MV-9): it says
            // how the era ended, never a restart (read so, the course had been cut at the stop
            // with no reason and a course of no days beside it had held the stop).
            let ends_the_era = !meta.active
                && says_the_drug_stopped(exposure, meta)
                && current.as_ref().is_some_and(|(_, era, _, _, stopped)| {
                    *stopped && era.end.is_some_and(|end| exposure.start <= end)
                });
            match current.as_mut() {
                // An order after one stopped for a reason is a new trial, not a renewal.
                Some((era_source, era, until, latest, stopped))
                    if (era.stop_reason.is_none()
                        || (era.is_reported_not_taken() && exposure.is_reported_not_taken()))
                        && (!*stopped || meta.stopped_on.is_some() || ends_the_era)
                        && (exposure.start.date() - *until).num_days() <= REFILL_GAP_DAYS =>
                {
                    // A record starting when the era's latest record does is no renewal of it
                    // (review MV-1): two records of one start are the same order seen twice or
                    // two orders written together, and which comes first is only their ids'
                    // order. One that ends sooner is a course of its own beside the era and
                    // never ends it (a hospital's stopped first order beside the course a
                    // colleague's export carried from it and its renewals, still taken). One
                    // at another dose is no dose change either (MV-7): nothing says which was
                    // given, or whether one corrected the other, so both stand, each at its
                    // own dose over its own dates, as the record has them.
                    if exposure.start == *latest
                        && (ends_sooner(end, era.end)
                            || (exposure.dose.is_some() && exposure.dose != era.dose))
                    {
                        let mut own = exposure.clone();
                        own.end = end;
                        own.dates = dates;
                        if ends_sooner(end, era.end) {
                            out.push((source.clone(), own));
                        } else {
                            let stopped = meta.stopped_on.is_some();
                            let given_until = known_given_until(exposure, meta);
                            beside.push((source.clone(), own, reach, stopped, given_until));
                        }
                        continue;
                    }
                    // A later record: the orders begun beside the era's latest stand as they are.
                    out.extend(
                        beside
                            .drain(..)
                            .map(|(source, course, ..)| (source, course)),
                    );
                    *until = (*until).max(reach);
                    *latest = exposure.start;
                    *stopped = meta.stopped_on.is_some();
                    if let Some(dose) = &exposure.dose
                        && era.dose.as_ref() != Some(dose)
                    {
                        // The dose period before ends where this one begins: a dose change,
                        // never a stop.
                        era.end = Some(exposure.start.max(era.start));
                        era.dates = DatesKnown::Stated;
                        era.stop_text = None;
                        era.said_stopped = false;
                        let mut step = exposure.clone();
                        step.end = end;
                        step.dates = dates;
                        let before = std::mem::replace(era, step);
                        out.push((std::mem::replace(era_source, source.clone()), before));
                        continue;
                    }
                    // Renewed: the era runs on; the latest record says how it ended, and no
                    // sooner than a record of it said it was given (a GP's statement `active`
                    // when asserted, beside the hospital's order later stopped with no end).
                    known = known.max(known_given_until(exposure, meta));
                    era.end = match (end, dates) {
                        (Some(until), DatesKnown::EndUnknown) => Some(until.max(known)),
                        _ => end,
                    };
                    era.dates = dates;
                    era.said_stopped = exposure.said_stopped;
                    era.stop_reason = exposure.stop_reason.or(era.stop_reason);
                    // Each record's reason stays: one course may be given for two conditions.
                    Indication::extend_unique(&mut era.indications, &exposure.indications);
                    // A renewal put on hold says so.
                    if exposure.stop_reason.is_some() || exposure.stop_text.is_some() {
                        era.stop_text.clone_from(&exposure.stop_text);
                    }
                }
                _ => {
                    if let Some((era_source, era, _, latest, _)) = current.take() {
                        out.push((era_source, superseded(era, latest)));
                    }
                    out.extend(
                        beside
                            .drain(..)
                            .map(|(source, course, ..)| (source, course)),
                    );
                    let mut era = exposure.clone();
                    era.end = end;
                    era.dates = dates;
                    known = known_given_until(exposure, meta);
                    let stopped = meta.stopped_on.is_some();
                    current = Some((source.clone(), era, reach, exposure.start, stopped));
                }
            }
        }
        if let Some((source, era, _, _, _)) = current {
            out.push((source, era));
        }
        out.extend(
            beside
                .into_iter()
                .map(|(source, course, ..)| (source, course)),
        );
    }
    out.sort_by_key(|(_, exposure)| exposure.start);
    out
}

/// Courses the same in all a course is (drug, dates, dose, route, role, cycles, how and why it
/// ended) are one course seen twice (MV-9): refract's FHIR export of a course joined from
/// several orders is one statement with no origin, and a file made from it and fed the
/// hospital's same orders again had shown the course twice and its stop twice. A drug given
/// over the same dates at the same dose is never two trials, whatever records said so. The
/// copy a treatment line of the team names (`named`, by resource id) is the one kept, so the
/// line keeps its drug; each copy's reasons stay.
fn one_copy_of_each_course(exposures: &mut Vec<(String, DrugExposure)>, named: &BTreeSet<&str>) {
    let same = |a: &DrugExposure, b: &DrugExposure| {
        a.rxnorm == b.rxnorm
            && a.atc == b.atc
            && a.text.trim().eq_ignore_ascii_case(b.text.trim())
            && a.start == b.start
            && a.end == b.end
            && a.dates == b.dates
            && a.dose == b.dose
            && a.route == b.route
            && a.role == b.role
            && a.cycles == b.cycles
            && a.stop_reason == b.stop_reason
            && a.stop_text == b.stop_text
            && a.said_stopped == b.said_stopped
    };
    let mut kept: Vec<(String, DrugExposure)> = Vec::with_capacity(exposures.len());
    for (source, exposure) in exposures.drain(..) {
        // In the order of their starts (see `merge_renewals`): copies are among the last kept.
        if let Some((kept_source, course)) = kept
            .iter_mut()
            .rev()
            .take_while(|(_, course)| course.start == exposure.start)
            .find(|(_, course)| same(course, &exposure))
        {
            Indication::extend_unique(&mut course.indications, &exposure.indications);
            if named.contains(source.as_str()) && !named.contains(kept_source.as_str()) {
                *kept_source = source;
            }
            continue;
        }
        kept.push((source, exposure));
    }
    *exposures = kept;
}

/// Two doses in the order [`merge_renewals`] takes records of one start in: the higher dose a
/// day first (in mg, else by value under one unit), a record with no dose last.
fn higher_dose_first(a: Option<&Dose>, b: Option<&Dose>) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a, b) {
        (Some(a), Some(b)) => match (a.mg_per_day(), b.mg_per_day()) {
            (Some(a_mg), Some(b_mg)) => b_mg.total_cmp(&a_mg),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => a
                .unit
                .cmp(&b.unit)
                .then_with(|| b.value.total_cmp(&a.value)),
        },
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// Whether an end (`None`: still going on) comes before another.
fn ends_sooner(end: Option<NaiveDateTime>, other: Option<NaiveDateTime>) -> bool {
    match (end, other) {
        (Some(end), Some(other)) => end < other,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// The last day a record says the drug was given: a record saying it is given now, the day it
/// said so (`dateAsserted`, an order's `authoredOn`), else its start; any other its end (for a
/// record stopped with no end, the last day it is known given), else its start.
fn known_given_until(exposure: &DrugExposure, meta: &MedicationMeta) -> NaiveDateTime {
    if meta.active {
        meta.asserted
            .map_or(exposure.start, |day| day.max(exposure.start))
    } else {
        exposure.end.unwrap_or(exposure.start).max(exposure.start)
    }
}

/// An era still active when a later order of the drug, too late to renew it, was written: the
/// later order is a restart, so the drug was stopped in between, on a day not recorded. Given
/// at least until its latest record's start (`latest`), for how long after not known (never
/// ongoing across the gap).
fn superseded(mut era: DrugExposure, latest: NaiveDateTime) -> DrugExposure {
    if era.end.is_none() {
        era.end = Some(latest.max(era.start));
        era.dates = DatesKnown::EndUnknown;
    }
    era
}

/// The part of an extension's URL that names a measurement setting (`MeasurementSettingExt` of
/// the Vital Signs IG, CardX and HSPC; compared in lower case without `-` and `_`).
const MEASUREMENT_SETTING: &str = "measurementsetting";

/// Whether every performer of a reading is the patient or a related person (a self-measured
/// reading). No performer says nothing.
fn performed_by_patient(performers: &[model::Reference]) -> bool {
    !performers.is_empty()
        && performers.iter().all(|performer| {
            let kind = performer.kind.clone().or_else(|| {
                performer.reference.as_deref().and_then(|reference| {
                    reference_key(reference)
                        .split_once('/')
                        .map(|(kind, _)| kind.to_owned())
                })
            });
            matches!(kind.as_deref(), Some("Patient" | "RelatedPerson"))
        })
}

/// Where a blood pressure was measured, from what its record says: its own code (a 24-hour
/// mean), then an ambulatory period in words (which names awake and night-time means as codes
/// here do not), then the codes of its panel, method or stated setting, then home in words or
/// codes or taken by the patient; then hospital in words; an office reading otherwise. The
/// period decides before the
/// place: a 24-hour ambulatory mean recorded at home (CardX's example) is read against the
/// 24-hour threshold.
fn bp_setting_decided(
    own_coded: Option<BpSetting>,
    worded: BpSetting,
    coded: Option<BpSetting>,
    self_measured: bool,
) -> BpSetting {
    if let Some(setting) = own_coded {
        setting
    } else if worded.is_ambulatory() {
        worded
    } else if let Some(setting) = coded.filter(|setting| setting.is_ambulatory()) {
        setting
    } else if worded == BpSetting::Home || coded == Some(BpSetting::Home) || self_measured {
        BpSetting::Home
    } else if worded == BpSetting::Hospital {
        // Its words say it was taken in hospital (refract's own export writes "hospital" as
        // the method of a reading its Encounter placed there).
        BpSetting::Hospital
    } else {
        BpSetting::Office
    }
}

/// Where a blood pressure was measured, from the words of its panel's code, its method (text
/// and codings' displays) and its own code (see [`crate::rules::bp_setting_of_words`]).
fn bp_setting(words: &str) -> BpSetting {
    // A file names its readings in a few ways, thousands of times: each way is read once per
    // reading thread (trying every phrase on every reading was a twentieth of an import).
    thread_local! {
        static READ: std::cell::RefCell<HashMap<String, BpSetting>> =
            std::cell::RefCell::new(HashMap::new());
    }
    const REMEMBERED: usize = 4_096;
    if let Some(setting) = READ.with_borrow(|read| read.get(words).copied()) {
        return setting;
    }
    let setting = crate::rules::bp_setting_of_words(words);
    READ.with_borrow_mut(|read| {
        if read.len() >= REMEMBERED {
            read.clear();
        }
        read.insert(words.to_owned(), setting);
    });
    setting
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_named_again_is_named_as_afresh_and_apart_from_other_inputs() {
        let rules = Rules::embedded().expect("the embedded rules load");
        let concept = CodeableConcept {
            coding: vec![model::Coding {
                system: Some(String::from("urn:oid:1.2.840.114350.1")),
                code: Some(String::from("5")),
                display: Some(String::from("Cuff systolic")),
            }],
            text: None,
        };
        let in_mmhg = || test_of(&concept, Some("mm[Hg]"), true, true, &rules);
        let unitless = || test_of(&concept, None, true, true, &rules);
        let outside_vital_signs = || test_of(&concept, Some("mm[Hg]"), false, false, &rules);
        for _ in 0..2 {
            assert_eq!(
                in_mmhg(),
                name_test(&concept, Some("mm[Hg]"), true, true, &rules)
            );
            assert_eq!(unitless(), name_test(&concept, None, true, true, &rules));
            assert_eq!(
                outside_vital_signs(),
                name_test(&concept, Some("mm[Hg]"), false, false, &rules)
            );
        }
        // The inputs differ in what they name: the memo keeps them apart.
        assert_eq!(in_mmhg().map(|named| named.0).as_deref(), Some("8480-6"));
        assert_ne!(in_mmhg(), unitless());
        assert_ne!(in_mmhg(), outside_vital_signs());
    }

    #[test]
    fn specimen_phrases_are_lower_case_words_joined_by_single_spaces() {
        let phrases = SPECIMENS
            .iter()
            .flat_map(|(phrases, _)| phrases.iter())
            .chain(BLOOD_SPECIMENS);
        for phrase in phrases {
            assert!(
                phrase
                    .split(' ')
                    .all(|word| !word.is_empty() && word.chars().all(|c| c.is_ascii_lowercase())),
                "{phrase:?}"
            );
        }
    }

    #[test]
    fn a_specimen_another_name_says_is_added() {
        let names = |list: &[&str]| list.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
        let urine = names(&["M-Spike", "Protein.monoclonal in Urine by Electrophoresis"]);
        assert_eq!(with_specimen("M-Spike", &urine), "M-Spike (urine)");
        let csf = names(&["Protein", "Protein [Mass/volume] in Cerebral spinal fluid"]);
        assert_eq!(
            with_specimen("Protein", &csf),
            "Protein (cerebrospinal fluid)"
        );
        let mixed = names(&["M-Spike", "in Urine", "in Serum"]);
        assert_eq!(with_specimen("M-Spike", &mixed), "M-Spike");
        let spinal_alone = names(&["Protein", "spinal cord fluid"]);
        assert_eq!(with_specimen("Protein", &spinal_alone), "Protein");
    }

    #[test]
    fn references_are_normalised() {
        assert_eq!(reference_key("urn:uuid:abc"), "urn:uuid:abc");
        assert_eq!(reference_key("Patient/12"), "Patient/12");
        assert_eq!(
            reference_key("https://ehr.example/fhir/Patient/12"),
            "Patient/12"
        );
        assert_eq!(reference_key("Patient/12/_history/3"), "Patient/12");
    }

    #[test]
    fn server_bases_come_from_absolute_urls_only() {
        assert_eq!(
            server_base("https://ehr.example/fhir/Patient/12"),
            Some("https://ehr.example/fhir")
        );
        assert_eq!(
            server_base("https://ehr.example/fhir/Patient/12/_history/2"),
            Some("https://ehr.example/fhir")
        );
        assert_eq!(server_base("urn:uuid:12"), None);
        assert_eq!(server_base("Patient/12"), None);
    }
}
