//! `refract import`: FHIR R4 files and folders (and refract's own JSON) into the store.
//!
//! Each file is read twice, as a stream. The first read checks that the file is readable FHIR
//! and that every Patient in it names one person (matched by identifier system and value, or
//! by the source's Patient id, never by a value alone): a file that fails here changes nothing.
//! The second read maps each resource and writes it: a file of up to
//! [`ONE_TRANSACTION_BYTES`] in one transaction (its new patients created in it when their
//! resources follow them), a larger one a few thousand resources at a time in short
//! transactions, so that a colleague's save never waits long and memory stays bounded whatever
//! the file's size. Resources are upserted one by one on their (source, type, id): a file adds
//! and updates what it holds and removes only what the source says is gone. Then each patient
//! whose resources changed has their clinical rows rebuilt from all of their resources and their
//! lines derived again, and assessments are brought up to date.
//!
//! A run killed during the second read has committed whole batches: the `imports` table keeps
//! what it had done, `refract check` and the next import say so, and importing the same file
//! again completes it (upserts are idempotent).

mod apply;
mod files;
mod project;
mod same_id;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::RecvTimeoutError;

use chrono::NaiveDate;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::assess;
use crate::domain::{PatientId, identifier_systems};
use crate::fhir::stream::{StreamError, each_resource};
use crate::fhir::{Mapped, map_resource};
use crate::rules::Rules;
use crate::store::imports::{self as ledger, IdentityLookup, PatientMatch, RunKey};
use crate::store::{Store, StoreError};

pub use apply::{ONE_TRANSACTION_BYTES, STORED_TYPES};
pub use files::{DEFAULT_MAX_FILE_BYTES, parse_size};
pub use project::{Rebuilt, rebuild_dirty, rebuild_step};

/// What imports have left to do in a file: patients whose rows are older than their imported
/// resources, or Patient resources still to be created. A run does it at its end; a run that
/// never reached its end (killed, crashed, the machine went down) leaves it to whoever comes
/// next, so that no one goes on reading the record as it was before the import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Leftover {
    /// Every patient's rows say what their resources say.
    Nothing,
    /// Patients to bring up to date now: no import that is still running will do it.
    Waiting { patients: usize },
    /// An import is running (`host:pid`): its end brings these patients up to date, with the
    /// rest of its files.
    Running { patients: usize, process: String },
}

/// What imports have left to do (see [`Leftover`]).
pub fn leftover(store: &Store) -> Result<Leftover, StoreError> {
    let (dirty, new) = store.pending_rebuilds()?;
    let patients = dirty + new;
    if patients == 0 {
        return Ok(Leftover::Nothing);
    }
    let processes = store
        .running_imports()?
        .into_iter()
        .chain(
            store
                .unfinished_runs()?
                .into_iter()
                .filter_map(|run| run.process),
        )
        .chain(
            store
                .unfinished_batches()?
                .into_iter()
                .filter_map(|batch| batch.process),
        );
    for process in processes {
        if still_running(&process) {
            return Ok(Leftover::Running { patients, process });
        }
    }
    Ok(Leftover::Waiting { patients })
}

/// Whether an import said it is under way and its process may still be running (see
/// [`still_running`]): one killed leaves its row behind, and is no longer running.
pub fn an_import_is_running(store: &Store) -> Result<bool, StoreError> {
    Ok(store
        .running_imports()?
        .iter()
        .any(|process| still_running(process)))
}

/// What to tell a user about new patients an interrupted import staged and did not create (see
/// [`Store::held_back_patients`] and [`RunOfFiles`]): they are not listed until the files it
/// did not finish are read, and no one should take their absence for the files' contents.
/// `None` when there are none, or while an import is running (they are its own to create).
pub fn held_back_notice(store: &Store) -> Result<Option<String>, StoreError> {
    if matches!(leftover(store)?, Leftover::Running { .. }) {
        return Ok(None);
    }
    let mut said = Vec::new();
    let batches = store.unfinished_batches()?;
    for batch in batches.iter().filter(|batch| batch.held_patients > 0) {
        said.push(held_batch_notice(batch));
    }
    // Runs stopped in the middle of a file that no unfinished run of files accounts for
    // (imported before runs of files were kept).
    let counted: HashSet<&str> = batches
        .iter()
        .filter(|batch| batch.held_patients > 0)
        .filter_map(|batch| batch.stopped_in.as_deref())
        .collect();
    let held: Vec<(String, usize)> = store
        .held_back_patients()?
        .into_iter()
        .filter(|(path, _)| !counted.contains(path.as_str()))
        .collect();
    if !held.is_empty() {
        let patients: usize = held.iter().map(|(_, count)| count).sum();
        let files: Vec<&str> = held.iter().map(|(path, _)| path.as_str()).collect();
        said.push(format!(
            "{patients} new patient(s) of {} are not listed: its import stopped before the end \
             of the file; import it again to add them with their whole record",
            files.join(", ")
        ));
    }
    Ok((!said.is_empty()).then(|| said.join("; ")))
}

/// The files of a list, a few by name.
fn some_files(files: &[String]) -> String {
    const NAMED: usize = 3;
    let names: Vec<&str> = files.iter().take(NAMED).map(String::as_str).collect();
    match files.len().saturating_sub(NAMED) {
        0 => names.join(", "),
        more => format!("{} and {more} more", names.join(", ")),
    }
}

/// What to say of one unfinished run of files that holds back new patients.
fn held_batch_notice(batch: &ledger::UnfinishedBatch) -> String {
    let patients = batch.held_patients;
    match &batch.scope {
        ledger::BatchScope::Pull { server, .. } => {
            let stopped = match &batch.stopped_in {
                Some(file) => format!("in the middle of {file}"),
                None => format!(
                    "between its files ({} of {} read)",
                    batch.files_read,
                    batch.files.len()
                ),
            };
            format!(
                "{patients} new patient(s) pulled from {server} are not listed: the pull stopped \
                 {stopped}; pull again (`refract pull --server {server} --since auto`) to add \
                 them with their whole record"
            )
        }
        ledger::BatchScope::Files { .. } => {
            let unread = batch.unread();
            match (&batch.stopped_in, unread.len()) {
                (Some(file), 0 | 1) => format!(
                    "{patients} new patient(s) of {file} are not listed: its import stopped \
                     before the end of the file; import it again to add them with their whole \
                     record"
                ),
                (Some(file), _) => format!(
                    "{patients} new patient(s) of {file} are not listed: its import stopped \
                     before the end of the file, and before {}; import them again to add them \
                     with their whole record",
                    some_files(unread.get(1..).unwrap_or_default())
                ),
                (None, _) => format!(
                    "{patients} new patient(s) of {} are not listed: their import stopped \
                     between files, before {}; import the files again (the same folder) to add \
                     them with their whole record",
                    some_files(batch.files.get(..batch.files_read).unwrap_or_default()),
                    some_files(unread)
                ),
            }
        }
    }
}

/// Whether the process a run names (`host:pid`) may still be running: yes, unless it ran on
/// this machine and is gone. A process on another machine, or here without `/proc` to ask, is
/// taken to be running: its patients are then left to `refract flags` rather than rebuilt
/// under it.
fn still_running(process: &str) -> bool {
    let Some((host, pid)) = process.rsplit_once(':') else {
        return false;
    };
    if host != this_host() || !Path::new("/proc/self").exists() {
        return true;
    }
    let Ok(pid) = pid.parse::<u32>() else {
        return false;
    };
    // A killed process its parent has not reaped yet is a zombie: its `/proc` entry stays,
    // with state Z, though it will never write again.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| matches!(rest.trim_start().chars().next(), Some('Z' | 'X'))),
        Err(_) => false,
    }
}

/// This machine's name, as runs record it beside their process id.
fn this_host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|host| host.trim().to_owned())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_default()
}

/// The version of the mapping from FHIR to refract's rows. A file imported with an older
/// mapping is read again rather than skipped as already imported. 3: `deceasedBoolean`, doses from
/// `dosage.text`, doses a week or more apart per interval, cycles of administrations. 4:
/// `doNotPerform`, procedures not completed, blood pressure in kPa, starts of a month or a year
/// only, the newest version of a history bundle, subjects on another server. 5: a Medication's
/// ingredients given as references (contained, Substances, Medications) and their strengths,
/// `timing.code` and `repeat.when`/`timeOfDay`/`dayOfWeek`, a request dated only by
/// `dispenseRequest.validityPeriod`; what refract's own export carries (the lines the team
/// entered, a drug's role, cycles, and the last day a drug whose end is not recorded was given;
/// a line's progression read with its line); identifiers that name no one person not matched on.
/// 6: MedicationDispense (pharmacy fills: exposure for their days supply, a drug's fills joined),
/// which every earlier version skipped. 7: linked Patient records (`Patient.link`) are one
/// patient; a Medication `entered-in-error` is removed; a birth year or month kept as given; a
/// procedure's and a measurement's code system; an observation over a period dated at its end;
/// ambulatory and home blood pressure by method and name; doses given at intervals (depots,
/// biologics, esketamine) joined into one course and kept per interval. 8: a procedure's every coding; `performed[x]`,
/// `abatement[x]`, `bounds[x]` and `effective[x]` of every type; doses and fills joined by drug
/// (not product code), a dose change kept as steps, a cover past today ongoing, intrathecal
/// doses apart; a count of tablets of a strength in a dosage text; doses a fraction of days
/// apart kept per whole period; blood pressure settings and readings by code (see README). 9:
/// every coding of a Condition; CNS-directed routes and depot forms keep their own courses;
/// fills of one strength on one day add their supply; infusions by rate ratio, words or a
/// period; a disease status in words (remissions with their MRD words, CRh and MLFS spellings);
/// a time with a zone offset stored as its instant in UTC. 10: a titration's dated steps inside
/// one record are dose periods of their own, and so are a titration written in the dosage
/// text and a count of doses (its duration); an order's count of doses within a drug's cycle read
/// as doses, not cycles; a day written dose by dose summed; a benzodiazepine bolus a dose of its
/// own; depot intervals by strength; glofitamab's cycles from cycle 1 day 1. 11: counts of
/// tablets at parts of the day summed (in words and as structured lines with their times of
/// day); a dose unit read by its UCUM code; the mass among several dose entries; common sig
/// wordings ("1 bd", "One To Be Taken Each Day", "tab(s)"); a period range at its longest; a
/// supply length no step; blood pressure under a local code stored as the reading its name says;
/// a skipped or left-out new version takes the stored one out. 12: an Observation's category
/// read (a blood pressure named outside vital signs kept apart); doses from counts with and
/// without their form, written totals checked, steps labelled by day or week, the patient's
/// instruction, a range of counts at its least; a deletion's time. 13: a quantity's unit is
/// its UCUM code before the words shown beside it; an Observation `registered` is no result.
/// 14: a `doseRange` read at its low, and a range of amounts in a dosage text; dose and strength units by meaning (words, SNOMED CT
/// unit codes, both micro signs); lines at parts of the day named by `timing.code` (AM, PM,
/// BED) one day; a count with no strength takes the mass its text writes; a transdermal
/// patch's rate a dose a day, no infusion; stop reasons read as phrases with their object
/// (access and adherence apart, a denial after the phrase or across its noun phrase, a line
/// break a sentence's end, a reason clause deciding, a symptom or "stopped taking" yielding to
/// another reason, a phrase inside a longer one or about another subject not read, access only
/// as words saying it failed, singular and plural one), R4's
/// MedicationRequest status-reason codes read by code, a code nothing knows kept as its code,
/// and the record's own words kept beside the reason read; a coded answer to a
/// seizure-frequency question read by its words ("Seizure free", "Weekly") as refract's own
/// seizure-frequency code (only words that state a frequency are a rate, "last seizure … ago"
/// is not read, freedom denied or followed by seizures is no freedom, "2 seizures last week"
/// is seizures over that window); LOINC 88040-1 (mCODE STU1) read as a cancer disease status; a
/// test whose kept name says no specimen takes the one (urine, CSF, ...) another of its names
/// says ("M-Spike (urine)"); a day's total in a dosage's text beside a structured count read as
/// the day's, never one dose's; a `doseRange` with no low no dose; a patch's rate times the
/// patches worn, its rate read after its content; an amount per day with no dose (`rateRatio`
/// mg per 1 d, as refract exports a day's total) a daily dose, no infusion. 15: a
/// DiagnosticReport's `conclusionCode` and `conclusion` read as the disease status they state
/// (sentence by sentence, in a report only the words that name a response or the cancer), and
/// "non-Hodgkin" in a status's words no denial; an Observation's Encounter (`encounter`, STU3
/// `context`) and the Encounter's class: blood pressure taken in hospital or the emergency
/// department (`hospital`), or in a virtual visit (home); Encounters, which every earlier
/// version skipped;
/// a `valueString` that is a number with its unit ("3%", "1.9 x10^9/L") or a bound ("<5%",
/// "less than 5%", a range "5-10%" as at least its low end) read as its quantity;
/// the drug book's combination brands (Lotensin HCT, Accuretic, …) and a brand's "HCT" suffix join a
/// combination's records as its own course, never the course of one of its ingredients;
/// a Condition's `recordedDate` kept (a bound of the episode it names when it gives no onset);
/// a drug period with an end alone a stated end with an unknown start (`start_unknown`), never
/// "no period"; a `Patient.link` by identifier alone resolved as a subject's identifier is; a
/// drug's text the drug book does not know yields to a coding's display it knows; a
/// DiagnosticReport's `category` read, a trend `conclusionCode` and a response phrase alone
/// read only in a report about the cancer, another disease's response, an earlier study's and a
/// denial of another finding not read as (or against) the response; an Encounter class under
/// STU3's URIs, a DSTU2 code, "Observation" in words, and an Encounter with no id by its URL;
/// a written number whose separator before three digits is a thousands or a decimal one
/// ("1.800/µl", "1,800") read only where its unit settles it (cells per µL), words glued to a unit by "/"
/// ("(hemodilute/aparticulate)") no unit, and a written unit converted as a quantity's (a blood
/// pressure "20.3 kPa" in mmHg);
/// an observation's time keeps the UTC offset it was written in (`utc_offset_minutes`: a visit is a
/// local day); "HCT" is hydrochlorothiazide only after an antihypertensive (never "Tacrolimus (HCT
/// protocol)"), and co-zidocapt is read in its label's order (hydrochlorothiazide first);
/// a `Patient.link` by an identifier's value with no system joins no one. A DiagnosticReport
/// coded by a PET-CT's LOINC code alone or named "PETCT"/"PT+CT" is about the cancer; a
/// comparison ends at the words stating today's finding; a sentence naming the cancer is the
/// cancer's beside another disease's words; "not excluded"/"not ruled out" doubt a response.
/// 16: a seizure report stating when the last seizure was ("Last seizure 4 years ago", "Seizure
/// free since 2019", in its value or a note) is read; stop reasons: access by structure, several
/// reasons of two kinds not understood.
/// Also in 16: a procedure's, a drug record's and a DiagnosticReport's times keep the UTC offset they
/// were written in (a session, a day given, a report are the record's local days), and a
/// condition's onset, abatement and recorded date, a birth or a death written as a time with
/// an offset are its local day, not its UTC day.
/// Also in 16: a dosage text's parts of the day in sentences of their own, meals as parts of the day and one
/// amount at several parts summed, a day's total written before its split ("total daily dose
/// 150 mg given as 75 mg bd", "150 mg daily divided twice daily") read, the latest stated dose
/// (discharge, new, "now", "changed to") replacing the earlier ones, and a count written beside
/// one dose's mass checked at the product's strength.
/// Also in 16: an order's `dispenseRequest` supply bounds how far its renewals join, and a
/// renewal at another dose is a dose period of its own.
/// Also in 16: a freedom statement ("seizure free for 2 years") is freedom only, dating no
/// seizure; a last seizure or freedom read only as this patient's, current, of every type, with
/// no seizures stated after it; numeric dates, "since 2 years" and "18 months seizure free".
/// Also in 16: an access pair's failure word said of its payer or drug (`stop_reasons.toml`).
/// Also in 16: each end of a period keeps the offset it was written in (a drug's and a
/// procedure's end, an observation's period start: migration 0034), and a date alone takes no
/// offset from another element of the record (`dateAsserted`, `authoredOn`).
/// Also in 16: a dosage text's current-dose phrase governs only an amount of this drug (another
/// word before it leaves the dose unknown), "also" adds to the earlier dose, "reduced to" and
/// "increased to" replace it (a schedule alone too), a part of the day counts only where an
/// amount is written for it, a supply or a count left is no dose nor a count to check, one
/// amount at joined parts beside another is a dose at each, a limit before "a total daily
/// dose" is no total, and one instruction written twice is one dose.
/// Also in 16: an order silent on its supply reaches 90 days, its fills a year at most and one
/// fill past its `validityPeriod.end`; whether its repeats are stated is kept.
/// Also in 16: a note's freedom from seizures is undone only by words stating seizures happened
/// (not "seizure diary", "no auras", "but reports low mood", a witness, a "?" elsewhere).
/// fill past its `validityPeriod.end`; whether its repeats are stated is kept. A completed
/// order's supply is cut only by a record saying the drug stopped, never by a record of the
/// dose it replaced or one closed as it began.
/// Also in 16: one amount at a comma list of parts of the day closed by "and" is a dose at
/// each, and the drug's own name after a current-dose phrase names no other drug.
/// 17: a last seizure or a freedom dated "12.03.2024", "March 3, 2024" or "2024-03-12" is read.
/// Also in 17: a Patient's identifiers are read with their `use` and `type` (an export writes them
/// back), a registered identifier system written as its OID in the URI's spelling (FHIR R4's
/// identifier registry), and its `meta.lastUpdated` (an older Patient never replaces newer
/// demographics): files are read again to fill them in for the patients they hold.
/// Also in 17: a record of a drug still open (an `active` order or statement, no end) is cut by a
/// later record of the drug, from any source, saying it stopped (its own end, or stopped for a
/// reason); the status `stopped` and the day a record was written (`dateAsserted`,
/// `authoredOn`) are kept.
/// Also in 17: only a record saying the drug stopped cuts another's course (a request or
/// statement `stopped`, a statement `completed`, a stop reason): a request `completed` (five days
/// in hospital) neither cuts nor ends an active course, a reason saying the dose changed and a
/// record closed within a day of the new record's start never stop it, a statement stopped with
/// no end stops by its `dateAsserted`, and a cream, drops or a dose taken when needed is a course
/// of its own (`stopped`, `dose_changed` and `stopped_by` are kept).
/// Also in 17: every name a Patient holds is kept (`patient_names`, migration 0036:
/// masked screens cut a maiden name that was never the current one); files are read again to
/// fill it in.
/// Also in 17: a Patient's `deceasedBoolean: false` and its source are kept (a death is
/// taken back only by the source that reported it), the `use` and `type` of the identifier
/// shown as its MRN are kept (an export writes them back), and an identifier carrying refract's
/// `identifier-match` `never` extension (a refract export's) is not matched on.
/// 18: a score written as the text of a coded value with no code (`valueCodeableConcept`
/// `{"text": "19"}`) is read as that number.
/// Also in 18: every source whose Patient reports a death is kept (`death_reports`, migration
/// 0038), not only the first: the death stands until the last of them says the patient is
/// alive; files are read again to find the reporters a version that kept one forgot.
/// Also in 18: a drug statement of refract's export carrying `given-as` `doses` (a
/// cycle of doses given, a completed order's cycles, pharmacy fills) is read as those doses
/// were, never as a record that the drug stopped (kept, now `ends_without_a_stop`).
/// Also in 18: each drug record keeps whether its source said the drug stopped
/// (`drug_exposures.said_stopped`, migration 0041: a status `stopped`, a statement `completed`,
/// a stop reason that is no dose change; never a request `completed`, a dose period ended by the
/// next, doses given or fills), and a record that only ended is exported `given-as` `course`
/// (or `doses`), read back alike as no stop (R1-3: a five-day ward order read back stopped the
/// home drug); a step of a titration ended by the next step is no stop either.
/// Also in 18: a mass given at a volume's rate is the mass given unless it ran an hour or more
/// (R1-5); a dose by body weight keeps its schedule (20 mg/kg twice a day is 40 mg/kg/d, R1-6).
/// Also in 18: a concentration written "250 mg/5 ml" (the unit glued to the slash) is read, so a
/// dose in mL of it is milligrams.
/// Also in 18: a medication record's stated reasons are kept (`reasonCode`, and
/// the Condition a `reasonReference` names, read as its codes and words) as the drug's
/// indications (`drug_exposures.indications`, migration 0039); files are read again to fill
/// them in.
/// Also in 18: the precision of an observation's `effective` and of a diagnosis's onset and
/// abatement is kept (a month or a year alone, "2026-03", migration 0040): shown, exported
/// and read by the criteria as written, never as its first day.
/// 19: the precision of a measurement's period start (`effectivePeriod.start`, "2026-03") is
/// kept too (`observations.since_precision`, migration 0042), exported as written.
/// Also in 19: a drug concept whose code and words name different drugs is its words' drug
/// alone (never both), with a warning; a dose counted in bags or vials of a strength per mL is
/// milligrams through the volume `Medication.amount` gives one of them.
/// Also in 19: each source's latest Patient saying the patient is alive is kept with its
/// `meta.lastUpdated` (`alive_reports`, migration 0043): an older Patient of that source read
/// again (an old folder) reports no death it has since taken back; files are read again to
/// find those words.
/// Also in 19: a medication record stating no reason (a MedicationDispense always) takes those
/// of the order it carries out (`authorizingPrescription`, `request`, `basedOn`).
/// 20: the precision of a diagnosis's `recordedDate` ("2026-03") is kept
/// (`conditions.recorded_precision`, migration 0045), exported as written and read by the
/// depression episode as every day of it.
/// Also in 20: a drug record with no words is named by the drugs its codes name, else by its
/// codes ("unidentified medication (RxNorm 308135)"), with a warning; an ingredient whose code
/// and words name different drugs is its words' drug (each side naming an ingredient the
/// other does not), with a warning.
/// Also in 20: a QuestionnaireResponse gives the scores its items name by LOINC (a PHQ-9 total
/// from a patient portal); a transaction's PATCH and a conditional DELETE are warned about.
/// Also in 20: a Procedure's stated reasons (`reasonCode`, the Condition a `reasonReference` names)
/// and the Conditions an Observation's `focus` names are kept, as a drug's indications are
/// (`procedures.indications`, `observations.focus`, migration 0046); files are read again to
/// fill them in (review r3 C-1).
/// 21: the adverse effects of every rule set's drugs named alone as a stop reason ("ankle
/// oedema", "dry cough", "hyperkalaemia", "peripheral neuropathy") are intolerance, and words
/// saying the dose changed are no stop reason to teach refract (review r5 R5-14).
/// Also in 21 (review r5 R5-1): an order's `priorPrescription` is kept
/// (`MedicationRecord::renews`): the order it renews, its end not recorded, was given at least
/// until the renewal began; and the last day a version of a medication record said the drug
/// was current (`active`: its `meta.lastUpdated`; a version with none says no day) is kept across
/// versions (`fhir_resources.current_until`, migration 0047): the version that stops it with
/// no end is given at least until then. Files are read again to find `priorPrescription`.
/// Also in 21 (review r3 C-8): the coding a diagnosis is shown by is the one a rule set selects
/// as its names, abbreviations and `not_names` now read it (`rules::selected_by`), so a record
/// coded several ways may be shown by another of its codings; every coding is kept as before.
/// Also in 21: what a record's subject says of its patient beside the reference (`identifier`,
/// `display`) is kept for a record kept aside for a Patient id no import has brought
/// (`kept_aside`, migration 0049), weighed before the next Patient of that id takes it; a
/// source's newer version filing a resource under another of its patients moves it (refused
/// before); files are read again to make the moves refused before (review R5 R5-5, R5-3).
/// In 22 (review r5 R5-4): two stored patients a source's merge (`Patient.link` `replaces` /
/// `replaced-by`) or a `--same-system` names are joined into one (`store::joins`), rather than
/// the link dropped or the file refused; files are read again to make the joins refused before.
/// In 22 (review C, C-1 follow-up): a disease status's value in its own words (`valueString`,
/// else its `valueCodeableConcept` text or displays; a DiagnosticReport's `conclusion`) is kept
/// beside the response read from it (`observations.value_words`, migration 0050), so that
/// "Multiple myeloma - very good partial response" under a status named "Disease status" ties
/// it to the myeloma; files are read again to fill it in.
/// In 22 (review r5 R5-10): a patient's identifier a source marks `use: old`, or a record
/// number a newer Patient drops for another of the same system, is kept as retired
/// (`patient_identifiers.id_use` `old`, which no other source's copy undoes): still matched on,
/// never taken again as the shown MRN (`store::imports::retire_identifiers`); files are read
/// again to mark the numbers their sources retired before.
/// In 22 (review R7-1, R7-2): a blood pressure in cm[Hg] or inches of mercury is stored in mmHg,
/// as one in kPa was; one in a unit that is no pressure keeps its unit (the criteria name it).
/// A result the criteria read in percent (marrow blasts) sent as a number fraction (UCUM `1`,
/// "fraction", 0 to 1) is stored in percent (0.25 as 25 %).
/// In 22 (review R7-6, R7-9): LOINC 76534-7/76535-4 (noninvasive blood pressure) stored as the
/// systolic and diastolic readings 8480-6/8462-4; an Observation `unknown` skipped as no result
/// (as a DiagnosticReport `unknown` is), and its new version takes the stored one out; a
/// test's name read however its words and numbers are parted (`rules::names_test`, review
/// R7-5), where the import reads names (blood pressure by name, what a criterion reads).
/// Also in 22 (review R8-2): a number a Patient keeps as `use: old` that the patient was never
/// stored with is stored retired (`patient_identifiers.id_use` `old`): still matched on, never
/// shown, so another source's copy still carrying it is the same person.
/// Also in 22 (review R8-3): paliperidone palmitate injections under the generic or RxNorm name are
/// joined at the interval their strength's product gives (drug book `strength_intervals`:
/// 273-819 mg every 3 months, 1092/1560 mg every 6), one exposure at the dose per that interval.
/// In 23 (review R9-7): a fill with no dosage takes its `authorizingPrescription`'s (its dose a
/// day, and a supply not recorded from its quantity), else is given quantity × strength ÷
/// `daysSupply` a day; a fill's quantity is kept whatever its supply. R9-6: an `active`
/// statement dated only by `dateAsserted` is ongoing from a start not recorded (`start_unknown`);
/// a request or statement `unknown`, and a statement `not-taken`, are said in a warning (R9-5).
/// Also in 23 (review r9 R9-1, R9-4): orders (or statements) of one drug begun the same day for other
/// times of the day, or as other strengths at other doses, are stored as one course whose doses
/// a day add up while they all run (`fhir::parse::orders_taken_together`; a dosage's times of
/// the day are kept with it, `DoseSpec::day_times`); a ward's doses given one at a time on a
/// steady run of days are stored with the day's total as a dose a day (`ward_day_dose`), not
/// one administration's amount.
/// Also in 23 (review R11-1): a drug's AllergyIntolerance (category medication or biologic, or
/// none) is kept (`drug_reactions`, migration 0053) with its substance and codes, type,
/// criticality, reactions, onset and clinical status; one refuted, entered in error or resolved
/// takes a stored one out; a food or environmental one is skipped as before. Files are read
/// again so that an AllergyIntolerance skipped before is kept.
/// In 24 (review R11-6): a DeviceUseStatement (not `intended`, not entered in error) is kept
/// as a procedure row "Device: <its Device's type or name>", dated by its timing (else the day
/// it was recorded); a Procedure's `focalDevice` adds the Device's words and codes to the
/// procedure; a ResearchSubject is kept as a study place (`refract:trial:<status>`, its
/// ResearchStudy's registry id and title). Devices and ResearchStudies are kept about no
/// patient, as Medications are, and found across the files of an import and in the ledger.
/// Files are read again so that the resources skipped before are kept.
/// Also in 24 (review R11-1): a drug reaction keeps its verification status (unconfirmed, presumed
/// or confirmed; `drug_reactions.verification_status`, migration 0054), so that the FHIR
/// export writes back the certainty the record gave. Files are read again so that reactions
/// kept before have theirs.
/// Also in 24 (review R9-5, R9-7): a MedicationStatement `not-taken` is kept (no exposure): from its
/// `effective[x]` (else `dateAsserted`) the drug is not taken, so an active order or statement of
/// the drug written before that day ends there, stopped for the statement's reason where the
/// vocabulary reads it, else noncompliance, its stop text "reported not taken" and the
/// statement's words (`fhir::parse::not_taken_since`); a record written on that day or later is
/// the drug given again. A dose refract worked out keeps where it came from
/// (`drug_exposures.dose_from`, migration 0055: a fill's from its order, quantity × strength ÷
/// days supply, a ward's day total). Files are read again so that both are kept.
/// In 25 (G4-3): an Observation keeps the ranges the lab gave with it (`referenceRange`: its
/// bounds and their unit, its type, whom it applies to, its text) and the lab's flag
/// (`interpretation`'s code) (`observations.reference_ranges`, `observations.interpretation`,
/// migration 0059), carried by both exports. Files are read again so that a drug level is read
/// against the lab's own range.
/// Also in 25 (G2-1, G2-2, G2-3): a Device sent with `Device.patient` and no DeviceUseStatement (an
/// implant as Synthea and some EHRs send it) is the patient's row "Device: <its type or
/// name>", said "(inactive)" when R4 says so, not dated (R4 gives a Device no implant date)
/// unless a Procedure naming it in `focalDevice` dates it; a statement naming it says its use
/// and the Device adds no row (`fhir::devices::affixed_row`). Every `Procedure.focalDevice` is
/// read, not the first alone. An ImagingStudy (not registered, cancelled or entered in error)
/// and a DiagnosticReport of an imaging section that states no response are kept as an
/// imaging row "Imaging: <description or code> (<modalities>, <body sites>)" dated by the
/// study (`fhir::imaging`), which the checklist's brain MRI, PET-CT and whole-body imaging
/// items read. Files are read again so that the Devices, focal devices, studies and reports
/// skipped before are kept.
/// Also in 25 (OB5, G1-2): a MedicationStatement's `effectiveDateTime` is a day the drug was taken
/// (R4: "the date/time … when the medication is/was/will be taken"), never its start: an
/// `active` statement so dated is read as one dated only by `dateAsserted` (taken by that day,
/// since a day not recorded, ongoing: `start_unknown`), any other (`completed`, `stopped`…) as
/// taken on that day only (`unknown`), which a `completed` or `stopped` one still says the drug
/// stopped after; `effectivePeriod.start`, else the dosage's bounds, are its start. A statement
/// `not-taken` now also ends a course known from fills (MedicationDispense) or from doses given
/// (MedicationAdministration) that is still running on its day (a fill's supply, a depot's
/// interval, reaching it), and a fill or a dose on that day or later is the drug given again, a
/// course of its own (`fhir::parse::apart_at_reports`). Files are read again so that drugs
/// stated so are dated as taken, not begun, and such courses end at the report.
/// Also in 25 (review OC-6, OC-7): a record a refract FHIR export carried with its origin
/// (`fhir::ORIGIN_URL`: the source it was first imported from, its id there and the Patient id
/// it was filed under there) is kept under that source's (type, id), and the Patient carrying
/// its sources' Patient ids is known by them, so that the source's own next export updates it
/// instead of adding a copy; a CareTeam (active, named, its period not ended) sets the
/// patient's care team, the one begun last of several. Files are read again so that the
/// CareTeams skipped before set the team.
/// In 26 (MS-1, MS-2, MS-3, DV-1): the FHIR export writes a course still taken whose start is
/// only a bound (`start_unknown` with no end: a statement of a day taken, of a month, a year, or
/// asserted on a day) as an active statement's `effectiveDateTime`, as it came, so that it
/// reads back started by the same day, never by its month's last day. A statement not
/// `active` dated by a month or a year alone ("2024-03") is taken some day of it, no longer
/// now: kept at the month's last day with neither end known (`unknown`), as a fill of a month
/// alone is, never a start of that day (`end_unknown`); so is a dose given (a
/// MedicationAdministration) so dated, never a day given nor a dose of a cycle. A course of fills whose last supply is
/// not known ends as reported not taken at a statement `not-taken` that comes no later than a
/// next fill would have continued it (`UNKNOWN_SUPPLY_JOIN_DAYS` and `REFILL_GAP_DAYS` after
/// its last day known). A Device affixed to the patient that nothing names, and the one
/// procedure of the patient that implants a device of its kind (a device option's
/// `implanted_by` in the options catalogue: CPT 64568 for a vagus nerve stimulator…), are the
/// same act: the device is dated by it and the procedure says its device, as `focalDevice`
/// makes them (`import::project::implantations`). Files are read again so that such statements,
/// courses and devices are read so.
/// Also in 26 (OC-11, OC-12, OC-13): an origin a refract export carried may name the type of the
/// resource the record was read from (a report's or a form's reading, a device in use or a
/// study place written as a Procedure) and which of its rows the record is (a blood-pressure
/// panel's two readings): the record is kept under that type and id, a part under the id, `#`
/// and its part, which the source's own next version of the resource, or its removal, takes
/// out; a drug's course carries its first record's origin, and a course joined from several
/// orders is kept under that order, which the source's own next version of it replaces; the
/// exported care team carries the origin of the CareTeam that named it. A CareTeam
/// `inactive`, `suspended` or `entered-in-error` is kept as the source's withdrawal of the team:
/// when every CareTeam of the patient is withdrawn or ended, their team is cleared (audited); a
/// file with no CareTeam keeps it. `refract pull` asks for CareTeam. Files are read again so
/// that the CareTeams withdrawn before clear the team they left in place.
/// In 27 (CL-1): a Patient id of another source that a refract export carries on a patient
/// (its `origin`) while no stored patient holds it is kept as a claim (`claimed_patient_ids`),
/// weighed when that source's own Patient of the id arrives: the same person keeps the key;
/// plainly another (by the rules a key shared across teams is weighed by, names required where
/// no hospital identifier is shared) is a patient of its own, never refused, the claim dropped
/// (warned, audited) and the records the claim carried under that source's ids filed under
/// another of the claimant's Patient ids. An origin naming a patient already stored is weighed
/// by those same rules. Files are read again so that an origin the stricter rule distrusts no
/// longer joins two people; keys held before are held as they were.
/// Also in 27 (RR-1): a repeating primitive written with a null item, as R4 JSON aligns it with its
/// `_name` array of extensions (a given name, a timing's `when`, `dayOfWeek`, `timeOfDay` or
/// `event`, an allergy's `category`), no longer makes its resource "not valid": the patient,
/// the order or the allergy is read, the null item passed over. Files are read again so that
/// the patients and records left out before are kept. (RR-2) A `deceasedDateTime` of a year or
/// a month alone is a death on a day not known, never its first day: files are read again so
/// that a record closed on a made-up 1 January is closed as the record says. (RR-3) A drug
/// record whose `medicationReference` names a Medication no file brought is read by the
/// reference's `display` until that Medication is imported, never as an unidentified
/// medication: files are read again so that such orders are counted by their words. (RR-4) A
/// drug record with no period and no `authoredOn`, `dateAsserted` or validity is dated by the
/// first of its dosage's `timing.event` times (before `meta.lastUpdated`), several events
/// given from the first to the last as stated (review RV-4), never left out as
/// a record with no date: files are read again so that such orders are kept. (RR-5) Of a
/// Patient's identifiers alike, the MRN shown is one whose `period` has not ended, else the one
/// that ended last, never a retired number because it comes first: files are read again so that
/// the number in use is shown.
/// Also in 27 (MV-1, MV-2): two orders or statements of a drug starting the same moment are neither
/// a renewal of the other: one that ends sooner than the other, or at another dose, is a
/// course of its own and never ends the other (a hospital's stopped first order beside the
/// course a colleague's export carried from it and its renewals, still taken). A Device affixed
/// to the patient with no DeviceUseStatement carries its origin through a refract export, as a
/// device in use does, and an origin of type `Device` on a Procedure is kept under that Device,
/// which the source's next version of it replaces. Files are read again so that such courses
/// are kept whole.
/// Also in 27 (RV-2): an absolute reference names the entry of the run whose `fullUrl` it is
/// before it is read as `Type/id`: a Patient written without an id at `https://…/Patient/1001`
/// and the Patient `1001` of another server in the same file are two people, each with their
/// records (the first's had been filed on the second). Files are read again so that such
/// records go to their patient.
/// In 28 (ST-1, ST-2): a Condition's and an AllergyIntolerance's `clinicalStatus` and
/// `verificationStatus` are read from the coding holding one of R4's codes (the R4 code
/// system's first), not from the first coding: a source's own status coding before R4's had
/// hidden a `refuted` or `resolved` diagnosis (assessed as current) and an `inactive` reaction
/// (read as contraindicating its drug). Files are read again so that such diagnoses and
/// reactions take the status R4's coding gives them.
/// Also in 28 (ST-3): an Observation's (or a component's) value sent beside a
/// `dataAbsentReason` (R4 obs-6 allows the reason only where there is no value) is a
/// placeholder and no result: a diary's 0 seizures so sent had made failed schedules
/// seizure-free. Files are read again so that such values are no longer stored.
/// Also in 28 (ST-4, ST-5): a Condition's or an AllergyIntolerance's status written as a bare
/// code (STU3, DSTU2) is read as that code, where the whole record had been left out (a
/// bipolar disorder so lost excluded nothing); a drug record an older version says was not
/// taken or not given (STU3 `taken: n`, `notGiven`; DSTU2 `wasNotTaken`, `wasNotGiven`) is no
/// exposure, and a Procedure STU3 says `notDone` or `aborted` (DSTU2 `notPerformed`) is not
/// done, `suspended` not yet. Files are read again so that such records are read so.
/// Also in 28 (RR-7, RR-8, RR-9, RR-11): a relative reference in an entry whose `fullUrl` is a
/// server's URL is resolved against that entry's base and names the entry of that `fullUrl`
/// (RR-7: an id-less Patient's or Medication's records had been kept aside, and another
/// server's Patient of the same id taken for it); a Bundle inside a Bundle is read entry by
/// entry instead of refusing the file (RR-8: history pages nested in one file are one history,
/// newest first across them, RV-3; inner Bundles whose entries' `fullUrl`s name two servers are
/// still refused, RV-2); a PHQ-9 answered by codes with no total item is
/// totalled when all nine answers are weighed (RR-9); a frequency fewer than the times of the
/// day a timing names is a dose at each of them (RR-11). Files are read again so that such
/// records go to their patient, nested Bundles are read, and such totals and doses are kept.
/// Also in 28 (MV-5, MV-6): a record kept under the origin a refract export carried is marked so
/// (`fhir_resources.carried`, migration 61, and in a refract document), so that a claim
/// dropped keeps with the claimant only what an export carried, even where the export was read
/// under the claim's own `--source` (one run of a folder) or moved into another file; a claim
/// and the source's own Patient of the id staged by two files of one run are weighed as if one
/// were stored. Files are read again so that the records an export carried are marked so.
/// Also in 28 (CR-5): a diagnosis's words deny a name the rules read across words that only say how
/// it was looked for ("no evidence of relapse", "negative for recurrence", "relapse-free"), and
/// the coding a diagnosis coded several ways is shown by is the one a rule set selects as its
/// names are now read (`rules::selected_by`). Files are read again so that such a diagnosis is
/// shown by a coding that names its disease, not one whose words deny it.
/// Also in 28 (DK-5): one procedure completed with two Devices of one kind (a vagus nerve
/// stimulator's generator and its lead, named alike, both dated by the one implantation or
/// both in its `focalDevice`) names the device once, and adds its codes once: it had read
/// "(device: Vagus nerve stimulator) (device: Vagus nerve stimulator)", two implants for one.
/// Files are read again so that such procedures say their device once.
/// In 29 (RR-14): an entry of a Bundle inside a Bundle whose `fullUrl` names no server (a
/// `urn:uuid:`) comes from the server its Bundle's `meta.source` names, and the outer Bundle's
/// own entries are held to the inner Bundles' server: two servers' searchsets by `meta.source`
/// had had both servers' `Patient/1` taken for one (the first's name replaced, its diagnosis
/// lost, no warning); such files are now refused whole, naming both servers. One inner Bundle
/// naming two servers is refused in words of that one Bundle. So is, once a file holds an inner
/// Bundle, one whose entries of a Bundle naming no server stand beside a named server's (RV-3):
/// whether the one's `Patient/1` is the other's is not known. Files are read again so that a
/// file that mixed two servers this way is refused instead of kept as one patient.
/// Also in 29 (MV-7): two orders (or statements) of one drug begun at one moment at other doses,
/// which are no parts of one day's doses, are neither a renewal nor a dose change of each
/// other: both stand from their start, each at its own dose over its own dates, and the one of
/// the higher dose is the course later renewals continue. Which id sorted first had decided it
/// (the first a course of no days, the second's dose the course's). Files are read again so
/// that both doses stand whatever the records' ids. A later renewal continues the one whose
/// dose it repeats, the other given at least from its start (RV-4); only one repeating neither
/// continues the higher dose.
/// Also in 29 (CR-11): a disease status's words that look for a category and find none ("Screening
/// for relapse: negative", "assessed for recurrence — none", "Progression: nil") or only ask
/// ("Surveillance for relapse") are no response; they had been read as a progression. Files are
/// read again so that such statuses are no longer stored as progressions. A finding after the
/// category looked for answers it ("Restaging for progression: new liver lesions, Deauville 5"
/// is a progression, RV-1), a response as the answer is the status, and a category denied
/// beside another response leaves that one read ("Complete metabolic response; relapse screen:
/// negative").
/// Also in 29 (ST-6, ST-7, ST-8, ST-9): a medication record `on-hold` keeps the reason it gives in
/// its words ("on hold: no response") and no stop reason: a pause is no stop, so a hold for no
/// response is no finished failed trial and ends no other record's course (refract's FHIR
/// export writes a hold `on-hold` with its reason, no longer `stopped`). A resource's
/// `status` (and a Condition's or an allergy's status codes, STU3's `taken`) is read by its
/// code whatever its case, spaces or underscores ("Entered-In-Error", " active "), with a
/// warning naming what was written, and a status that is no code of its resource is said.
/// STU3 `taken: na` is no exposure, `taken: unk` read as R4's `unknown`. An Encounter
/// `planned` or `cancelled` places no reading. R4's "Drugs not taken" SNOMED CT codes of side
/// effects, tablets run out or lost and cost are read sent alone. Files are read again so that
/// such records are read by what their status says. A hold's understood reason leads its words,
/// alone or before the record's own words in brackets, so that the reaction it names is read
/// (RV-2).
///
/// In 30 (ST-10): a Condition's and an AllergyIntolerance's `clinicalStatus` and
/// `verificationStatus` are read by their code whatever its case or spaces, or from words alone
/// that are a code (`{"text": "refuted"}`), with one warning naming what was written, as a
/// resource's own `status` is; an allergy "RESOLVED" or refuted in words is no reaction kept.
/// FHIR's SNOMED CT "Drugs not taken/completed" codes of patient choice (taste, form,
/// inconvenient, disbelief, fear), of not taken as prescribed (swallowing, tablets too large,
/// unable to concentrate) and alternative therapy undertaken are read sent alone. Files are read
/// again so that a refuted diagnosis sent as words no longer counts as one and such stops are
/// read by their codes.
///
/// Also in 30 (CR-14): a seizure report's words that open with none of them ("Nil seizures since
/// last clinic", "0 seizures in the past month", "No fits since last review") are read as
/// seizure freedom, as "No seizures" was; they had been read as nothing. Files are read again so
/// that such reports count as the seizure-free months they record.
///
/// Also in 30 (OC-6, OC-7): a disease status coded with mCODE STU3's trend qualifiers 103338009 |In
/// full remission| and 103337004 |In partial remission| is stored under its code, read as a
/// complete and a partial response as STU2's remission disorders are; its words that find a
/// progression beside stable sites ("Evaluation for progression: new lesions, bones stable")
/// are stored as a progression, and a site's stable answer to a progression looked for
/// ("Restaging for progression: bones stable") as stable disease; so is a report's conclusion
/// whose sentences read a progression and stable disease ("Progressive metabolic disease in the
/// liver. Nodal disease stable."), beside a worsened trend code too. Files are read again so that
/// such statuses are stored by what they say.
///
/// Also in 30 (MV-9): the order saying the drug stopped, begun by the day the course's open orders
/// were cut at its stop, is the course's end, not a restart: a course of renewed orders, the
/// last stopped for no response, is one course ending with its reason (it had been the course
/// with no reason, then a course of no days holding the stop). Courses the same in all a
/// course is (drug, dates, dose, how and why it ended) are one course (a file made from
/// refract's FHIR export of a joined course and fed the hospital's orders again had shown it
/// twice). Files are read again so that such courses are one, with their stop.
///
/// Also in 30 (RR-15): a death known to its month or year only (`deceasedDateTime` "2024-03",
/// "2024") keeps that month or year (`patients.deceased_in`, migration 62) beside a day still
/// not known: shown "† died 2024-03", written back as received by both exports, where it had
/// been a death on no date, exported `deceasedBoolean: true`. Files are read again so that
/// deaths stored before keep the month their file gives.
/// Also in 30 (RR-16): a Patient identifier whose `period` has an end is a number retired, as
/// one `use: old` is (kept as the patient's former number, never matched on nor shown while
/// another is in use): a retired MRN given again to another person had joined the two. Files
/// are read again so that the numbers their sources ended are kept as retired.
///
/// Also in 30 (RR-17): an Observation dated by an `effectiveTiming` with no `event` and a
/// `repeat.boundsPeriod` is dated by that period as by an `effectivePeriod` (as of its end, over
/// the days from its start), where it had been left out as undated. Files are read again so
/// that such results are kept.
///
/// Also in 30 (RR-18): a blood-pressure panel (85354-9, 55284-4, 96607-7, 97844-5) with no
/// components whose `valueString` is its reading ("150/95 mmHg") is its systolic and diastolic
/// readings, as components would give them, where it had been skipped as words. Files are read
/// again so that such readings are kept.
///
/// Also in 30 (RR-19): a `urn:uuid:` reference names the entry of that UUID whatever the case
/// of its hex digits (RFC 4122), where an entry at `urn:uuid:53FEFA32-…` referred to as
/// `urn:uuid:53fefa32-…` had left its patient's records kept aside and a drug's Medication
/// unfound. Stored ids are unchanged (written as the file writes them). Files are read again
/// so that such records reach their patient.
pub const MAPPING_VERSION: i64 = 30;

/// The mapping a file is read with under `rules`: the version, and what the rules lend it (a
/// team's stop-reason words).
pub fn mapping_of(rules: &Rules) -> i64 {
    MAPPING_VERSION ^ rules.mapping_stamp
}

/// What a run may do beyond adding and updating.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The name of the system the files come from (`--source`); else the unnamed local source.
    pub source: Option<String>,
    /// Each patient in a file is their whole record from that source: their resources the
    /// file does not hold are removed (`--replace`).
    pub replace: bool,
    /// Files larger than this are refused (`--max-file-size`).
    pub max_file_bytes: Option<u64>,
    /// Groups of identifier systems the team declares to be one (`--same-system A=B`).
    pub equivalent_systems: Vec<Vec<String>>,
    /// Files up to this size are written in one transaction, their new patients created in
    /// it; larger ones in short transactions, their new patients at the end of the run
    /// (default [`ONE_TRANSACTION_BYTES`]; 0 writes every file in short transactions).
    pub one_transaction_bytes: Option<u64>,
    /// What to call a file in the report, the `imports` ledger and the audit log instead of its
    /// path: a pulled file is downloaded to a private temporary folder that is gone afterwards,
    /// and is named by the URL it came from.
    pub names: BTreeMap<PathBuf, String>,
    /// Patient ids of the source whose refusal as another person (see [`same_id`]) the run
    /// lifts first (`--lift-refusal`): what the source files under them is the stored
    /// patient's again.
    pub lift_refusals: Vec<String>,
    /// What the run's files are, for the new patients of a run stopped between two files
    /// (see [`RunOfFiles`]).
    pub run_of_files: RunOfFiles,
    /// The run's deletions may have been made before what is stored was written (a pull's
    /// deletions read after its output): one that does not say when it was made dates
    /// nothing, and keeps no later copy out (see `ImportTx::remove_resource`).
    pub deletions_may_predate_stored: bool,
}

/// What a run of several files is, which says what completes it when it stops before its
/// last file: a new patient whose Patient it read is held back (not created, not listed) until
/// a later run reads the files it did not, for their other resources may be there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum RunOfFiles {
    /// `refract import`: released by a later import, from the same source, that reads every
    /// file it did not finish, by file name (the same files again, or the source's next
    /// export of them, in another folder).
    #[default]
    Files,
    /// A pull's output: released by a later pull of the same server that reads its files to
    /// the end, with the same group, the types it asked (or more), and a `_since` no later than
    /// its own, or one from the file's checkpoints (`--since auto`) no later than its start:
    /// everything of those types up to a checkpoint was brought by complete pulls, so a patient
    /// new to the file is newer, and so is their record. (A file's name on the server is only
    /// its place in that export, and says nothing.)
    Pull {
        group: Option<String>,
        types: Vec<String>,
        since: Option<String>,
        /// Whether `since` came from the file's checkpoints (`--since auto`).
        since_checkpoint: bool,
    },
    /// Files no patient is staged from (a pull's deleted files): no run of files is kept.
    Apart,
}

/// How far a run has got, for a progress bar.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    pub files_done: usize,
    pub files_total: usize,
    /// Bytes read: every file is read twice (checked, then written), so the total is twice
    /// the files' size.
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub resources: usize,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileOutcome {
    Imported,
    AlreadyImported,
    /// Until a file is imported, its run has not succeeded.
    #[default]
    Failed,
}

/// A resource refract left out, or used only in part, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportWarning {
    /// Where in the file: `line 12`, `entry[3].resource`.
    pub at: String,
    /// `Type/id` of the resource, when it has them.
    pub resource: String,
    pub message: String,
}

/// The most warnings kept per file (the count goes on).
const MAX_WARNINGS: usize = 1_000;

/// What happened to one file.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FileReport {
    pub path: String,
    pub outcome: FileOutcome,
    /// Resources in the file.
    pub resources: usize,
    /// What the file holds, by kind (patients, and the resources refract keeps).
    pub patients: usize,
    /// Patients of the file the database did not hold (created in the file's transaction when
    /// it is written in one and their resources follow them; else at the end of the run,
    /// unless another file of the run names the same person).
    pub new_patients: usize,
    pub conditions: usize,
    pub exposures: usize,
    pub observations: usize,
    pub procedures: usize,
    /// Drug allergies and intolerances (AllergyIntolerance).
    pub reactions: usize,
    /// What the file changed: resources added, updated, unchanged, removed (entered in error,
    /// deleted, or not in a replaced record), and kept because the stored copy is newer.
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub removed: usize,
    pub older: usize,
    /// Patients whose demographics changed.
    pub demographics_changed: usize,
    /// Patients whose demographics a Patient of this file did not replace: it was written
    /// before them (`meta.lastUpdated`), whichever source sent them.
    pub demographics_kept_newer: usize,
    pub skipped: BTreeMap<String, usize>,
    /// Stop reasons whose words the vocabulary (`assets/stop_reasons.toml`) does not know,
    /// as written, with how often: kept beside their drug, read as no reason.
    pub stop_reasons_not_understood: BTreeMap<String, usize>,
    pub warnings: Vec<ImportWarning>,
    /// All warnings, including those beyond the first [`MAX_WARNINGS`] listed.
    pub warnings_total: usize,
    pub error: Option<String>,
    /// (source, subject) of resources written before their patient was known.
    #[serde(skip)]
    unresolved: std::collections::BTreeSet<(String, String)>,
    /// What the file's resources wrote of those subjects beside the reference.
    #[serde(skip)]
    subject_named: BTreeMap<(String, String), crate::store::kept_aside::SubjectEvidence>,
    /// Copies an earlier run kept aside under another source that this file brought under its
    /// own (the same resources for the same Patient id): removed.
    pub kept_aside_dropped: usize,
    /// Patients the file itself created: refract's own document, in its one transaction; a
    /// FHIR file written in one transaction, those whose resources follow their Patient in it.
    /// Others are created when the run's records are rebuilt, and counted there.
    #[serde(skip)]
    created: usize,
    /// Patients whose rows the file's own transaction wrote from their resources.
    #[serde(skip)]
    rebuilt: std::collections::BTreeSet<crate::domain::PatientId>,
}

impl FileReport {
    fn new(path: &Path) -> Self {
        FileReport {
            path: path.display().to_string(),
            ..FileReport::default()
        }
    }

    fn failed(path: &Path, error: &str) -> Self {
        FileReport {
            outcome: FileOutcome::Failed,
            error: Some(crate::text::one_line(error)),
            ..FileReport::new(path)
        }
    }

    fn stop_reason_not_understood(&mut self, words: &str) {
        /// Distinct texts listed per file (the counts go on).
        const LISTED: usize = 200;
        let words = crate::text::one_line(words);
        if let Some(count) = self.stop_reasons_not_understood.get_mut(&words) {
            *count += 1;
        } else if self.stop_reasons_not_understood.len() < LISTED {
            self.stop_reasons_not_understood.insert(words, 1);
        }
    }

    fn warn(&mut self, at: &str, resource: String, message: &str) {
        self.warnings_total += 1;
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(ImportWarning {
                at: at.to_owned(),
                resource,
                message: crate::text::one_line(message),
            });
        }
    }
}

/// What a whole run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub files: Vec<FileReport>,
    pub imported: usize,
    pub already_imported: usize,
    pub failed: usize,
    pub patients: usize,
    /// Patients the run created.
    pub new_patients: usize,
    pub conditions: usize,
    pub exposures: usize,
    pub observations: usize,
    pub procedures: usize,
    /// Drug allergies and intolerances (AllergyIntolerance).
    pub reactions: usize,
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub removed: usize,
    /// See [`FileReport::demographics_changed`] and [`FileReport::demographics_kept_newer`].
    pub demographics_changed: usize,
    pub demographics_kept_newer: usize,
    pub skipped: BTreeMap<String, usize>,
    /// See [`FileReport::stop_reasons_not_understood`].
    pub stop_reasons_not_understood: BTreeMap<String, usize>,
    pub warnings: usize,
    /// Patients whose imported rows were rebuilt.
    pub rebuilt: usize,
    /// Patients whose assessments were evaluated again after the import.
    pub evaluated: usize,
    /// Resources that refer to a patient no import has brought yet: they wait, and join the
    /// patient when a file with them arrives (the first are listed in `notices`).
    pub waiting: usize,
    /// What the run as a whole found about resources of several files: references that
    /// resolve nowhere (a resource waiting for its patient, a Medication never imported).
    pub notices: Vec<ImportWarning>,
    /// Earlier imports that were interrupted and not finished since (import the file again).
    pub unfinished: Vec<ledger::UnfinishedRun>,
}

impl ImportReport {
    /// Adds a later run's report to this one (a pull's two sets of deleted files are one
    /// `deletions` in its summary). The unfinished runs are the later run's: it read them last.
    pub fn absorb(&mut self, later: ImportReport) {
        self.files.extend(later.files);
        self.imported += later.imported;
        self.already_imported += later.already_imported;
        self.failed += later.failed;
        self.patients += later.patients;
        self.new_patients += later.new_patients;
        self.conditions += later.conditions;
        self.exposures += later.exposures;
        self.observations += later.observations;
        self.procedures += later.procedures;
        self.reactions += later.reactions;
        self.added += later.added;
        self.updated += later.updated;
        self.unchanged += later.unchanged;
        self.removed += later.removed;
        self.demographics_changed += later.demographics_changed;
        self.demographics_kept_newer += later.demographics_kept_newer;
        for (kind, count) in later.skipped {
            *self.skipped.entry(kind).or_default() += count;
        }
        for (words, count) in later.stop_reasons_not_understood {
            *self.stop_reasons_not_understood.entry(words).or_default() += count;
        }
        self.warnings += later.warnings;
        self.rebuilt += later.rebuilt;
        self.evaluated += later.evaluated;
        self.waiting = later.waiting;
        self.notices.extend(later.notices);
        self.unfinished = later.unfinished;
    }
}

/// Imports files and folders (recursively: `.json`, `.ndjson`, `.jsonl`), export by export:
/// the files are grouped by the folder that holds them (see [`files::export_of`]), the groups
/// taken in name order, or in the order of their Bulk manifests' `transactionTime` where
/// they say (see [`files::export_order`]), so that a later export's deletions come after an
/// earlier export's output. Within a group, its files of deletions alone (a Bulk Data export's `deleted` files)
/// go first: an export lists in them what was deleted since `_since`, and in its output what
/// exists at its end, so a resource deleted and created again is in both and must stay,
/// whatever the files are called. Then its Patient files, so that the export's other files find
/// their patients at once (any order works: a resource whose patient has not arrived waits for
/// them), then the rest, in name order. Where a deletion and a resource both say when they were
/// made, the later wins whatever this order (see [`apply`]'s deletions of the run).
pub fn import_paths(
    store: &mut Store,
    rules: &Rules,
    paths: &[PathBuf],
    today: NaiveDate,
    options: &ImportOptions,
    progress: impl FnMut(&Progress),
) -> Result<ImportReport, StoreError> {
    // While it runs, the patients it marks for rebuilding are its own (see `leftover`): from
    // its first file to the end of their rebuild, after its last.
    // One server written two ways is one source, wherever the name came from.
    let mut options = options.clone();
    if let Some(source) = &options.source {
        options.source = Some(source_in_store(store, source)?);
    }
    let options = &options;
    let process = process_name();
    store.import_started(&process, crate::store::now_utc())?;
    // An import touches pages all over the file (SQLite's small default cache would read and
    // spill the same pages for every batch), in many short transactions.
    let imported =
        store.with_bulk_writes(|store| import_all(store, rules, paths, today, options, progress));
    // Best effort: a row left behind names a process that is gone, which counts as ended.
    let _ = store.import_ended(&process);
    imported
}

/// `host:pid`, so that an unfinished run can be told from one still running elsewhere.
pub(crate) fn process_name() -> String {
    format!("{}:{}", this_host(), std::process::id())
}

fn import_all(
    store: &mut Store,
    rules: &Rules,
    paths: &[PathBuf],
    today: NaiveDate,
    options: &ImportOptions,
    mut progress: impl FnMut(&Progress),
) -> Result<ImportReport, StoreError> {
    let mut report = ImportReport::default();
    let mut files = Vec::new();
    for found in files::collect(paths) {
        match found {
            files::Found::File(path) => files.push(path),
            files::Found::Refused(path, why) => report.files.push(FileReport::failed(&path, &why)),
        }
    }
    let exports: Vec<PathBuf> = files
        .iter()
        .map(|path| files::export_of(path))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let export_order = files::export_order(&exports);
    files.sort_by_cached_key(|path| {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let export = files::export_of(path);
        (
            export_order.get(&export).copied().unwrap_or_default(),
            export,
            !files::holds_deletions_only(path),
            !name.starts_with("patient"),
            path.clone(),
        )
    });
    let names: Vec<String> = files
        .iter()
        .map(|path| {
            options
                .names
                .get(path)
                .cloned()
                .unwrap_or_else(|| path.display().to_string())
        })
        .collect();
    let batch = match batch_scope(options) {
        Some(scope) if !files.is_empty() => Some((
            store.begin_batch(&scope, &names, &process_name(), crate::store::now_utc())?,
            scope,
        )),
        _ => None,
    };
    let batch_id = batch.as_ref().map(|(id, _)| *id);
    let mut state = Progress {
        files_total: files.len(),
        bytes_total: files
            .iter()
            .filter_map(|f| std::fs::metadata(f).ok())
            .map(|m| 2 * m.len())
            .sum(),
        ..Progress::default()
    };
    progress(&state);
    // The first read of the next file (parsing and hashing it, which needs no database) runs on
    // a thread while this one is written: it was a tenth of the import, with the second core
    // idle. What the first read finds is checked against the database here, in file order,
    // after the files before it are written, as if it had been read now.
    let scanning = AtomicU64::new(0);
    let mut deletions = apply::RunDeletions::default();
    // A Patient id refused as another person (in an earlier run too) holds until lifted.
    let source = source_of(options);
    for id in &options.lift_refusals {
        if !store.lift_patient_id_refusal(&source, id)? {
            report.notices.push(ImportWarning {
                at: String::new(),
                resource: format!("Patient/{id}"),
                message: String::from("--lift-refusal: no refusal of this Patient id to lift"),
            });
        }
    }
    let mut refused = RunRefusals {
        refused: store
            .refused_patient_ids(&source)?
            .into_iter()
            .map(|(id, why)| ((source.clone(), id), why))
            .collect(),
        accepted: HashMap::new(),
    };
    std::thread::scope(|scope| {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Scan>(1);
        let files = &files;
        let scanning = &scanning;
        scope.spawn(move || {
            for path in files {
                // The importer stopped (it failed): stop reading.
                if sender.send(scan(rules, path, options, scanning)).is_err() {
                    break;
                }
            }
        });
        for path in files {
            let before = state.bytes_done;
            let scanned = loop {
                match receiver.recv_timeout(std::time::Duration::from_millis(100)) {
                    Ok(scanned) => break scanned,
                    // Still reading the file this one waits for.
                    Err(RecvTimeoutError::Timeout) => {
                        state.bytes_done = before + scanning.load(Ordering::Relaxed);
                        progress(&state);
                    }
                    Err(RecvTimeoutError::Disconnected) => {
                        break Scan::Failed(String::from("internal error while reading the file"));
                    }
                }
            };
            state.bytes_done = before + std::fs::metadata(path).map_or(0, |m| m.len());
            progress(&state);
            let first = state.bytes_done;
            let mut file = import_file(
                store,
                rules,
                path,
                scanned,
                RunContext {
                    today,
                    options,
                    deletions: &mut deletions,
                    refused: &mut refused,
                    batch: batch_id,
                },
                &mut |read| {
                    state.bytes_done = first + read;
                    progress(&state);
                },
            );
            if let Some(name) = options.names.get(path) {
                file.path.clone_from(name);
            }
            state.files_done += 1;
            if let Some(batch) = batch_id {
                // Best effort: a count left behind says fewer files were read, and a later run
                // then has more of them to read before the patients are released.
                let _ = store.batch_progress(batch, state.files_done);
            }
            state.bytes_done = before + 2 * std::fs::metadata(path).map_or(0, |m| m.len());
            state.resources += file.resources;
            progress(&state);
            report.files.push(file);
        }
    });
    // Every file read: the run's new patients are whole, and so are those of earlier runs
    // stopped before the files this one read (see `RunOfFiles`). Before the rebuild, which
    // creates them.
    if let Some((batch, scope)) = &batch {
        let checkpoint = matches!(
            options.run_of_files,
            RunOfFiles::Pull {
                since_checkpoint: true,
                ..
            }
        );
        let released = released_by(store, *batch, (scope, checkpoint), &names)?;
        store.end_batch(*batch, &released)?;
    }
    // Patients whose resources changed (this run, or a run that was interrupted).
    let rebuilt = project::rebuild_dirty(store, rules, today)?;
    // Each patient once, whichever file or the end of the run wrote their rows (one created
    // from their file and given a resource by a later one is one patient).
    let mut rebuilt_ids = rebuilt.patients;
    for file in &mut report.files {
        rebuilt_ids.append(&mut file.rebuilt);
    }
    report.rebuilt = rebuilt_ids.len();
    report.new_patients =
        rebuilt.created + report.files.iter().map(|file| file.created).sum::<usize>();
    report.notices.extend(rebuilt.unresolved);
    report.demographics_kept_newer += rebuilt.demographics_kept_newer;
    for file in &report.files {
        match file.outcome {
            FileOutcome::Imported => report.imported += 1,
            FileOutcome::AlreadyImported => report.already_imported += 1,
            FileOutcome::Failed => report.failed += 1,
        }
        report.patients += file.patients;
        report.conditions += file.conditions;
        report.exposures += file.exposures;
        report.observations += file.observations;
        report.procedures += file.procedures;
        report.reactions += file.reactions;
        report.added += file.added;
        report.updated += file.updated;
        report.unchanged += file.unchanged;
        report.removed += file.removed;
        report.demographics_changed += file.demographics_changed;
        report.demographics_kept_newer += file.demographics_kept_newer;
        report.warnings += file.warnings_total;
        for (kind, count) in &file.skipped {
            *report.skipped.entry(kind.clone()).or_default() += count;
        }
        for (words, count) in &file.stop_reasons_not_understood {
            *report
                .stop_reasons_not_understood
                .entry(words.clone())
                .or_default() += count;
        }
    }
    if report.imported > 0 || report.rebuilt > 0 {
        // The rebuilt patients were evaluated as they were rebuilt; others may be due too (a new
        // day, new rules).
        report.evaluated =
            report.rebuilt + assess::refresh(store, rules, today, |_, _| {})?.evaluated;
    }
    let unresolved: Vec<(String, String)> = report
        .files
        .iter()
        .flat_map(|file| file.unresolved.iter().cloned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let (waiting, first) = store.waiting_among(&unresolved, MAX_WARNINGS)?;
    report.waiting = waiting;
    if waiting > 0 {
        // Whom the run's records said they were about travels with them: the next Patient of
        // that id is compared with it before it takes them.
        let mut evidence = BTreeMap::new();
        for file in &mut report.files {
            for (subject, named) in std::mem::take(&mut file.subject_named) {
                let kept: &mut crate::store::kept_aside::SubjectEvidence =
                    evidence.entry(subject).or_default();
                for (system, value) in named.identifiers {
                    let system = (!system.is_empty()).then_some(system);
                    kept.add(Some((system.as_deref(), &value)), None);
                }
                for display in named.displays {
                    kept.add(None, Some(&display));
                }
            }
        }
        store.keep_aside(&unresolved, &evidence)?;
    }
    let dropped: usize = report.files.iter().map(|f| f.kept_aside_dropped).sum();
    if dropped > 0 {
        report.notices.push(ImportWarning {
            at: String::new(),
            resource: String::from("kept aside"),
            message: format!(
                "{dropped} copy(ies) an earlier import kept aside under another source (the same \
                 resources for the same Patient id, imported without their --source) removed: \
                 they are filed under this import's source now"
            ),
        });
    }
    for resource in first {
        report.notices.push(ImportWarning {
            at: String::new(),
            resource: format!("{}/{}", resource.resource_type, resource.id),
            message: format!(
                "its subject Patient/{} is in no imported file{}: kept aside until that \
                 patient is imported",
                resource.subject,
                if resource.source.is_empty() {
                    String::new()
                } else {
                    format!(" of {}", resource.source)
                }
            ),
        });
    }
    report.warnings += report.notices.len();
    report.unfinished = store.unfinished_runs()?;
    Ok(report)
}

/// What the store keeps of the run's files while it reads them (none for [`RunOfFiles::Apart`]).
fn batch_scope(options: &ImportOptions) -> Option<ledger::BatchScope> {
    match &options.run_of_files {
        RunOfFiles::Files => Some(ledger::BatchScope::Files {
            source: source_of(options),
        }),
        RunOfFiles::Pull {
            group,
            types,
            since,
            ..
        } => Some(ledger::BatchScope::Pull {
            server: source_of(options),
            group: group.clone(),
            types: types.clone(),
            since: since.clone(),
        }),
        RunOfFiles::Apart => None,
    }
}

/// The unfinished runs of files (not `batch`, whose process is gone) whose unread files the
/// run `batch` of `scope`, having read `names`, has read (see [`RunOfFiles`]); `checkpoint`:
/// a pull's `_since` came from the file's checkpoints.
fn released_by(
    store: &Store,
    batch: i64,
    (scope, checkpoint): (&ledger::BatchScope, bool),
    names: &[String],
) -> Result<Vec<i64>, StoreError> {
    use ledger::BatchScope;
    let file_name = |name: &str| {
        Path::new(name)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
    };
    let read: HashSet<String> = names.iter().filter_map(|n| file_name(n)).collect();
    Ok(store
        .unfinished_batches()?
        .into_iter()
        .filter(|earlier| earlier.id != batch)
        .filter(|earlier| !earlier.process.as_deref().is_some_and(still_running))
        .filter(|earlier| match (&earlier.scope, scope) {
            (BatchScope::Files { source: theirs }, BatchScope::Files { source: ours }) => {
                theirs == ours
                    && earlier
                        .unread()
                        .iter()
                        .all(|name| file_name(name).is_some_and(|name| read.contains(&name)))
            }
            (
                BatchScope::Pull {
                    server: their_server,
                    group: their_group,
                    types: their_types,
                    since: their_since,
                },
                BatchScope::Pull {
                    server,
                    group,
                    types,
                    since,
                },
            ) => {
                their_server == server
                    && their_group == group
                    && their_types.iter().all(|t| types.contains(t))
                    && (since_covers(since.as_deref(), their_since.as_deref())
                        || checkpoint && since_covers(since.as_deref(), Some(&earlier.started)))
            }
            _ => false,
        })
        .map(|earlier| earlier.id)
        .collect())
}

/// Whether an export from `ours` brings all that one from `theirs` would: `_since` no later
/// (none is everything). Instants with their offset, a day at midnight UTC, a store's time.
fn since_covers(ours: Option<&str>, theirs: Option<&str>) -> bool {
    let instant = |text: &str| {
        chrono::DateTime::parse_from_rfc3339(text)
            .map(|at| at.with_timezone(&chrono::Utc))
            .ok()
            // A run's start, as the store writes it (UTC).
            .or_else(|| {
                chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
                    .or_else(|_| {
                        chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                    })
                    .ok()
                    .map(|at| at.and_utc())
            })
            .or_else(|| {
                NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .ok()
                    .and_then(|day| day.and_hms_opt(0, 0, 0))
                    .map(|at| at.and_utc())
            })
    };
    match (ours, theirs) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(ours), Some(theirs)) => match (instant(ours), instant(theirs)) {
            (Some(ours), Some(theirs)) => ours <= theirs,
            _ => ours == theirs,
        },
    }
}

/// The name of the source the run's resources come from: `--source`, else the unnamed local
/// source. (Not guessed from URLs: NDJSON carries none, and one export's bundle and NDJSON
/// files must land in one source.)
fn source_of(options: &ImportOptions) -> String {
    options.source.clone().unwrap_or_default()
}

/// The identifiers a Patient is matched on: each (system, value), a system-less value scoped
/// to its source, and its resource id within its source.
fn identity_keys(
    source: &str,
    ids: &[&str],
    identifiers: &[(Option<String>, String)],
) -> Vec<(String, String)> {
    let mut keys: Vec<(String, String)> = identifiers
        .iter()
        .map(|(system, value)| {
            (
                system
                    .clone()
                    .unwrap_or_else(|| ledger::unscoped_system(source)),
                value.clone(),
            )
        })
        .collect();
    for id in ids {
        keys.push((ledger::patient_id_system(source), (*id).to_owned()));
    }
    keys.sort();
    keys.dedup();
    keys
}

/// A bundle URL as the file's entries are looked up by: a `urn:uuid:` with its UUID in small
/// letters, since a UUID's hex digits are the same in either case (RFC 4122: "case insensitive
/// on input") and systems that write GUIDs in capitals meet others that write them in small
/// letters in one Bundle; any other URL as written (ids and paths are case-sensitive).
pub(crate) fn url_lookup(url: &str) -> std::borrow::Cow<'_, str> {
    match url.strip_prefix("urn:uuid:") {
        Some(uuid) if uuid.bytes().any(|b| b.is_ascii_uppercase()) => {
            std::borrow::Cow::Owned(format!("urn:uuid:{}", uuid.to_ascii_lowercase()))
        }
        _ => std::borrow::Cow::Borrowed(url),
    }
}

/// The last part of a `urn:uuid:` bundle URL: references from other files name a patient by it
/// when they cannot name the bundle.
fn url_key(full_url: Option<&str>) -> Option<String> {
    full_url
        .filter(|url| url.starts_with("urn:"))
        .and_then(|url| url.rsplit(':').next())
        .filter(|key| !key.is_empty())
        .map(str::to_owned)
}

/// The server a bundle entry comes from: its absolute `fullUrl` without the trailing
/// `TYPE/ID` (R4 §3.1.0.1.2, a resource's URL is `[base]/[type]/[id]`).
/// The key that says which server a source's Patient id came from, when its bundle entry
/// says (an absolute `fullUrl`): two servers' `Patient/123` under one source are two people,
/// and a later file of the other server must not be taken for the first one's patient (see
/// [`identity_problem`]).
pub(crate) fn server_key(
    source: &str,
    full_url: Option<&str>,
    id: &str,
) -> Option<(String, String)> {
    let server = server_of(full_url, "Patient", id)?;
    Some((
        format!("urn:refract:patient-server:{source}|{id}"),
        same_server(server),
    ))
}

pub use crate::domain::source_url::canonical_source;
pub(crate) use crate::domain::source_url::{has_userinfo, same_server, server_identity};

/// The source to keep `given` under in this file: a server already met in another spelling
/// (the other scheme, the host's case, its default port, a trailing slash) keeps the spelling
/// it was first met in, so that its resources are updated rather than copied; else `given` in
/// its canonical spelling (see [`canonical_source`]).
pub fn source_in_store(store: &Store, given: &str) -> Result<String, StoreError> {
    let canonical = canonical_source(given);
    let Some(identity) = server_identity(&canonical) else {
        return Ok(canonical);
    };
    Ok(store
        .sources_met()?
        .into_iter()
        // A spelling kept with a password (by an earlier version) is not written again.
        .filter(|met| !has_userinfo(met))
        .find(|met| server_identity(met).as_deref() == Some(identity.as_str()))
        .unwrap_or(canonical))
}

fn server_of<'a>(full_url: Option<&'a str>, resource_type: &str, id: &str) -> Option<&'a str> {
    let url = full_url?;
    if !(url.starts_with("http://") || url.starts_with("https://")) || id.is_empty() {
        return None;
    }
    let url = url
        .split_once("/_history/")
        .map_or(url, |(before, _)| before);
    url.strip_suffix(id)?
        .strip_suffix('/')?
        .strip_suffix(resource_type)?
        .strip_suffix('/')
}

/// What the first read learns: the file's digest, and the bundle URLs of its patients,
/// medications and encounters (other entries refer to them by URL).
struct Checked {
    sha256: String,
    complete_record: bool,
    /// When its Bundle says it was assembled: a whole-record replace keeps what was written
    /// after it (see `apply::Writer::file_made`).
    assembled: Option<String>,
    /// A file holding a summary copy is no patient's whole record, whatever it says: what the
    /// copy leaves out is not withdrawn, and the resources it stands for are kept.
    summary_copies: bool,
    urls: HashMap<String, String>,
    /// The bundle URLs of the file's Medications and Substances, by the key an ingredient
    /// referring to one is stored under (`Substance/a`).
    ingredients: HashMap<String, String>,
    /// The server each Patient id of the file comes from, where its entry says.
    servers: HashMap<String, String>,
    /// The file's Patients by identifier, for conditional references (see
    /// [`ConditionalTargets`]).
    identified: ConditionalTargets,
    /// Patients (by id) whose links join them to a record stored as another patient: read
    /// without their links (see `check`).
    unlinked: std::collections::HashSet<String>,
    /// Links by identifier (system, value) that name no Patient of the file but one stored
    /// from the same source: its Patient id there.
    stored_links: HashMap<(Option<String>, String), String>,
    /// Stored patients this file joins (see [`planned_join`]), before anything of it is written.
    joins: Vec<PlannedJoin>,
    /// The carried origins (source, Patient id) that name a stored patient the file's Patient
    /// plainly is not (see [`same_id::distrusted_origins`]): neither the Patient nor its
    /// records are filed under them.
    distrusted_origins: std::collections::HashSet<(String, String)>,
}

/// The file's Patients by the identifiers a conditional reference can name them by
/// (`Patient?identifier=system|value`, as a transaction writes a subject it has no id for):
/// by system and value (no system: an identifier written without one), and by value alone (in
/// any system; `None` when two of the file's Patients carry it). The target is the Patient's
/// key in the file: its id, else its `urn:uuid`.
#[derive(Debug, Default)]
pub(crate) struct ConditionalTargets {
    exact: HashMap<(String, String), String>,
    any_system: HashMap<String, Option<String>>,
}

impl ConditionalTargets {
    fn add(&mut self, target: &str, identifiers: &[(Option<String>, String)]) {
        for (system, value) in identifiers {
            self.exact.insert(
                (system.clone().unwrap_or_default(), value.clone()),
                target.to_owned(),
            );
            self.any_system
                .entry(value.clone())
                .and_modify(|known| {
                    if known.as_deref() != Some(target) {
                        *known = None;
                    }
                })
                .or_insert_with(|| Some(target.to_owned()));
        }
    }

    /// The Patient an identifier names (`system` empty: one written without a system; `None`:
    /// any system): `Err` when it names none of the file's Patients, or two.
    /// The Patient a link by identifier (R4 `Patient.link.other.identifier`) names: by system
    /// and value only. A value with no system cannot show that it is the other assigning
    /// authority's (numeric MRNs collide across facilities), and joining two people's charts
    /// is the worst identity error: it joins no one, as identity matching never joins by value
    /// across systems (README).
    pub(crate) fn link_target(&self, system: Option<&str>, value: &str) -> Result<&str, String> {
        match system {
            Some(_) => self.target(system, value),
            None => Err(format!(
                "gives no system with its value ({value}), which may be another assigning \
                 authority's"
            )),
        }
    }

    pub(crate) fn target(&self, system: Option<&str>, value: &str) -> Result<&str, String> {
        match system {
            Some(system) => self
                .exact
                // The file's Patients are kept under the canonical spelling of each system.
                .get(&(identifier_systems::canonical(system), value.to_owned()))
                .map(String::as_str)
                .ok_or_else(|| {
                    format!("names no Patient of this file (identifier {system}|{value})")
                }),
            None => match self.any_system.get(value) {
                Some(Some(target)) => Ok(target),
                Some(None) => Err(format!(
                    "names two of the file's Patients (identifier {value} in any system)"
                )),
                None => Err(format!(
                    "names no Patient of this file (identifier {value})"
                )),
            },
        }
    }
}

/// A reader that hashes what passes through it and reports how far it got.
struct Hashing<R, F> {
    inner: R,
    hasher: Sha256,
    read: u64,
    report: F,
}

impl<R: Read, F: FnMut(u64)> Read for Hashing<R, F> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.read += n as u64;
        if self.read % (8 << 20) < n as u64 {
            (self.report)(self.read);
        }
        Ok(n)
    }
}

/// What the first read of a file found, before the database is asked anything.
enum Scan {
    /// The file cannot be opened, or is too large.
    Failed(String),
    /// refract's own document (read whole by [`native_file`]).
    Native {
        file: std::fs::File,
        size: u64,
    },
    Fhir {
        size: u64,
        first: Box<FirstRead>,
    },
}

/// The first read of a file: opened, recognised, and (FHIR) read through by [`first_read`].
/// `progress`: how far into the file it is (every 8 MB).
fn scan(rules: &Rules, path: &Path, options: &ImportOptions, progress: &AtomicU64) -> Scan {
    progress.store(0, Ordering::Relaxed);
    let limit = options.max_file_bytes.unwrap_or(DEFAULT_MAX_FILE_BYTES);
    let (file, size) = match files::open_checked(path, limit) {
        Ok(opened) => opened,
        Err(why) => return Scan::Failed(why),
    };
    if crate::store::NativeDocument::sniff(path) {
        return Scan::Native { file, size };
    }
    Scan::Fhir {
        size,
        first: Box::new(first_read(rules, file, size, limit, options, progress)),
    }
}

/// What every file of a run is applied under, and what the run's earlier files leave to the
/// later ones.
struct RunContext<'a> {
    today: NaiveDate,
    options: &'a ImportOptions,
    deletions: &'a mut apply::RunDeletions,
    refused: &'a mut RunRefusals,
    /// The run of files this file is part of (see [`RunOfFiles`]).
    batch: Option<i64>,
}

/// The Patient ids refused as another person than the patient their id names (see
/// [`same_id`]), and the exports that hold the stored patient under one of them.
struct RunRefusals {
    /// (source, Patient id) refused, in this run or an earlier one (kept in the store), with
    /// why: what files file under them is not that patient's.
    refused: HashMap<(String, String), String>,
    /// Per export of the run (see [`files::export_of`]), the Patient ids whose Patient it
    /// holds and that were not refused: its files under them are that Patient's, whatever
    /// another export's record under the same id was.
    accepted: HashMap<PathBuf, HashSet<String>>,
}

impl RunRefusals {
    /// What the files of `export` leave out.
    fn for_export(&self, export: &Path) -> HashMap<(String, String), String> {
        let accepted = self.accepted.get(export);
        self.refused
            .iter()
            .filter(|((_, id), _)| !accepted.is_some_and(|ids| ids.contains(id)))
            .map(|(key, why)| (key.clone(), why.clone()))
            .collect()
    }
}

fn import_file(
    store: &mut Store,
    rules: &Rules,
    path: &Path,
    scanned: Scan,
    context: RunContext<'_>,
    progress: &mut dyn FnMut(u64),
) -> FileReport {
    let RunContext {
        today,
        options,
        deletions,
        refused,
        batch,
    } = context;
    let limit = options.max_file_bytes.unwrap_or(DEFAULT_MAX_FILE_BYTES);
    let (size, first) = match scanned {
        Scan::Failed(why) => return FileReport::failed(path, &why),
        Scan::Native { file, size } => {
            return native_file(store, rules, path, file, size, limit, today);
        }
        Scan::Fhir { size, first } => (size, first),
    };
    let mut first = first;
    let source = source_of(options);
    // A stored patient who holds this source's Patient id only because another team's refract
    // export carried it (a claim, review CL-1) is weighed against the source's own Patient of
    // the id before anything is matched on it: the same person keeps the key; another person
    // loses it, and the source's Patient is a patient of its own (never a refusal: the claim
    // was the other team's word, the Patient is the source's own).
    let weighed = match same_id::weigh_claims(store, &first, options) {
        Ok(weighed) => weighed,
        Err(err) => return FileReport::failed(path, &err.to_string()),
    };
    let mut claims_dropped = Vec::new();
    for claim in weighed {
        let done = match claim {
            same_id::Claimed::Confirmed { id } => store.confirm_claim(&source, &id),
            same_id::Claimed::Another {
                at,
                id,
                claimant,
                why,
            } => store
                .import_write(|tx| match &claimant {
                    same_id::Claimant::Stored(claimant) => {
                        tx.drop_claim((&source, &id), *claimant, &why)
                    }
                    same_id::Claimant::Staged(their_source, their_id) => tx
                        .drop_staged_claim((&source, &id), (their_source, their_id), &why)
                        .map(|()| true),
                })
                .map(|dropped| {
                    // Else the claimant has no other id to keep what it carried under: the
                    // key stays, judged below as any stored patient's.
                    if dropped {
                        claims_dropped.push((at, id, why));
                    }
                }),
        };
        if let Err(err) = done {
            return FileReport::failed(path, &err.to_string());
        }
    }
    // A Patient that is another person than the stored one its id names is left out with what
    // the file files under its id; the rest of the file is imported.
    let others = match same_id::others_under_stored_ids(store, &first, options) {
        Ok(others) => others,
        Err(err) => return FileReport::failed(path, &err.to_string()),
    };
    first.patients.retain(|patient| {
        !others
            .iter()
            .any(|other| patient.id.as_deref() == Some(other.id.as_str()))
    });
    let export = files::export_of(path);
    for other in &others {
        refused
            .refused
            .insert((source.clone(), other.id.clone()), other.why.clone());
    }
    let kept = first
        .patients
        .iter()
        .filter_map(|patient| patient.id.clone());
    refused
        .accepted
        .entry(export.clone())
        .or_default()
        .extend(kept);
    let left_out = refused.for_export(&export);
    // Judged before `check` takes the first read: another team's source may bear the name of
    // one of this file's, and its Patient ids be the same as another person's here.
    let distrusted_origins = match same_id::distrusted_origins(store, &first, options) {
        Ok(distrusted) => distrusted,
        Err(err) => return FileReport::failed(path, &err.to_string()),
    };
    let claims = match same_id::new_claims(store, &first, options, &distrusted_origins) {
        Ok(claims) => claims,
        Err(err) => return FileReport::failed(path, &err.to_string()),
    };
    let mut checked = match check(store, *first, options) {
        Ok(checked) => checked,
        Err(why) => return FileReport::failed(path, &why),
    };
    checked.distrusted_origins = distrusted_origins;
    let replace = (options.replace || checked.complete_record) && !checked.summary_copies;
    let name = options
        .names
        .get(path)
        .cloned()
        .unwrap_or_else(|| path.display().to_string());
    let run = RunKey {
        path: &name,
        sha256: &checked.sha256,
        source: &source,
        mapping: mapping_of(rules),
        replace,
        batch,
    };
    match store.already_imported(&run) {
        Ok(true) => {
            return FileReport {
                outcome: FileOutcome::AlreadyImported,
                ..FileReport::new(path)
            };
        }
        Ok(false) => {}
        Err(err) => return FileReport::failed(path, &err.to_string()),
    }
    // Kept before the keys are written: a key whose claim was not kept would be held as the
    // source's own word. One the file then fails to write is weighed as no one's.
    for (claimed_source, id) in &claims {
        if let Err(err) = store.claim_patient_id(claimed_source, id) {
            return FileReport::failed(path, &err.to_string());
        }
    }
    let (file, _) = match files::open_checked(path, limit) {
        Ok(opened) => opened,
        Err(why) => return FileReport::failed(path, &why),
    };
    let mut report = FileReport::new(path);
    for (at, id, why) in &claims_dropped {
        report.warn(
            at,
            format!("Patient/{id}"),
            &format!(
                "kept as a patient of its own: {why}; the claim is dropped, and what that \
                 export carried under the id stays with the patient it came with"
            ),
        );
    }
    for other in &others {
        report.warn(
            &other.at,
            format!("Patient/{}", other.id),
            &format!(
                "left out, with what is filed under its id now and in later runs: {}; import \
                 each system's files with its own --source NAME (or --lift-refusal {})",
                other.why, other.id
            ),
        );
    }
    if options.replace && checked.summary_copies {
        report.warn(
            "",
            String::new(),
            "not a whole record: it holds summary copies (tagged SUBSETTED), so --replace \
             removes nothing for this file",
        );
    }
    // Joined before the file is written: its Patients and resources then name one patient.
    // Each planned against the records as stored before the file: one joined already (into
    // a record a later join replaces too) is followed to where it went.
    let mut went: HashMap<PatientId, PatientId> = HashMap::new();
    for join in &checked.joins {
        let now = |mut id: PatientId| {
            while let Some(&into) = went.get(&id) {
                id = into;
            }
            id
        };
        let (replaced, kept) = (now(join.replaced), now(join.kept));
        if replaced == kept {
            continue;
        }
        went.insert(replaced, kept);
        let joined =
            store.import_write(|tx| tx.join_patients(replaced, kept, &join.why, join.merged));
        match joined {
            Ok(words) => match &join.despite {
                Some(conflict) => report.warn(
                    "",
                    String::from("Patient"),
                    &format!("{words}, although {conflict} (the kept record's hold)"),
                ),
                None => report.warn("", String::from("Patient"), &words),
            },
            Err(err) => return FileReport::failed(path, &err.to_string()),
        }
    }
    let applied = apply::apply_file(
        store,
        rules,
        apply::Input {
            file,
            size,
            limit,
            run: &run,
            checked: &checked,
            options,
            replace,
            whole: size
                <= options
                    .one_transaction_bytes
                    .unwrap_or(apply::ONE_TRANSACTION_BYTES),
            today,
            deletions,
            refused: &left_out,
        },
        &mut report,
        progress,
    );
    if let Err(err) = applied {
        report.outcome = FileOutcome::Failed;
        report.error = Some(crate::text::one_line(&err));
        return report;
    }
    // Kept once the file is: later runs leave out what the source files under the id.
    for other in &others {
        if let Err(err) = store.refuse_patient_id(&source, &other.id, &other.why) {
            report.warn(
                "",
                format!("Patient/{}", other.id),
                &format!("its refusal could not be kept for later runs: {err}"),
            );
        }
    }
    report.outcome = FileOutcome::Imported;
    report
}

/// What the first read of a file learns without the database: its digest, the bundle URLs of
/// its patients and medications, and its Patients (in file order) with the identifiers they
/// are matched on.
struct FirstRead {
    sha256: String,
    complete_record: bool,
    /// When its Bundle says it was assembled (see [`crate::fhir::stream::StreamSummary`]).
    assembled: Option<String>,
    /// Whether a resource is a summary copy (see [`crate::fhir::is_summary_copy`]).
    summary_copies: bool,
    /// `Bundle.meta.source`: who made the file (refract writes its file's system there).
    source: Option<String>,
    urls: HashMap<String, String>,
    ingredients: HashMap<String, String>,
    servers: HashMap<String, String>,
    identified: ConditionalTargets,
    patients: Vec<FilePatient>,
    /// Why the file cannot be imported, found after the Patients listed: [`check`] reports a
    /// Patient before it the database refuses first, as a read that stopped there would have.
    refused: Option<String>,
}

/// A Patient of a file, as its first read saw it.
struct FilePatient {
    /// Where in the file.
    at: String,
    /// Its resource id.
    id: Option<String>,
    /// Every identifier it is matched on.
    keys: Vec<(String, String)>,
    /// The system of its medical record number (see [`ledger::differing_in`]).
    record_system: String,
    /// Who it says the person is (see [`same_id`]).
    who: crate::domain::Patient,
    /// Every name it holds (see [`same_id`]).
    names: Vec<(String, String)>,
    /// The identifiers it says it no longer goes by (`use` `old`), as keys (see [`same_id`]).
    former_keys: Vec<(String, String)>,
    /// Of `keys`, those of the Patient records it links to (`Patient.link`).
    linked: Vec<(String, String)>,
    /// The identifiers its links name the other record by, alone (see
    /// [`crate::fhir::LinkedIdentifier`]): resolved once the whole file is read, else against
    /// the stored patients in [`check`].
    by_identifier: Vec<(Option<String>, String)>,
    /// Of `by_identifier`, the links of a merge (`replaces`, `replaced-by`).
    merge_identifiers: Vec<(Option<String>, String)>,
    /// Of `linked`, the keys of the records a merge joins this one with (see
    /// [`crate::fhir::ImportedPatient::merged_with`]).
    merging: Vec<(String, String)>,
    /// A record merged into another (`replaced-by`): the other is the one kept.
    superseded: bool,
    /// The (source, Patient id) pairs a refract export says the patient was imported under
    /// (see `fhir::ORIGIN_URL`), judged as its own id is (see
    /// [`same_id::distrusted_origins`]).
    origins: Vec<(String, String)>,
}

/// The first read: the file is readable FHIR, and no two Patients of it share an identifier.
/// Touches no database.
fn first_read(
    rules: &Rules,
    file: std::fs::File,
    size: u64,
    limit: u64,
    options: &ImportOptions,
    progress: &AtomicU64,
) -> FirstRead {
    let mut hashing = Hashing {
        inner: file.take(limit + 1),
        hasher: Sha256::new(),
        read: 0,
        report: |read| progress.store(read, Ordering::Relaxed),
    };
    let mut urls = HashMap::new();
    let mut ingredients = HashMap::new();
    let mut patients = Vec::new();
    // Each identifier of the file's patients, with the first of `patients` that carries it:
    // two Patients of one file sharing an identifier would be merged.
    let mut in_file: HashMap<(String, String), usize> = HashMap::new();
    // The server each Patient id of the file comes from, where its entry says (an absolute
    // `fullUrl`): one bundle can gather two servers' records, whose ids may be the same.
    let mut servers: HashMap<String, String> = HashMap::new();
    let mut identified = ConditionalTargets::default();
    let mut summary_copies = false;
    let summary = each_resource(&mut hashing, size, |raw| -> Result<(), String> {
        summary_copies = summary_copies || crate::fhir::is_summary_copy(&raw);
        // Only what others refer to, or who a patient is, matters before anything is written.
        // An Encounter's bundle URL is all that is needed of it (readings refer to it by it).
        // So is a Condition's: a drug's reasonReference may name it by it; and an order's,
        // which a fill, an administration or a statement may name as the one it carries out;
        // a Device's (a device use names it) and a ResearchStudy's (a study place does).
        if matches!(
            raw.resource_type,
            "Encounter" | "Condition" | "MedicationRequest" | "Device" | "ResearchStudy"
        ) {
            // Keyed as `map_resource` keys it: by its id, else (a transaction's entry with
            // none) by that URL itself.
            if let Some(url) = raw.full_url {
                urls.insert(
                    url_lookup(url).into_owned(),
                    raw.id.unwrap_or(url).to_owned(),
                );
            }
            return Ok(());
        }
        if !matches!(raw.resource_type, "Patient" | "Medication" | "Substance") {
            return Ok(());
        }
        let Ok(mapping) = map_resource(&raw, rules) else {
            return Ok(()); // a resource left out: warned about on the second read
        };
        match mapping.mapped {
            Mapped::Patient(patient) => {
                let source = source_of(options);
                let name = patient.id.clone().unwrap_or_default();
                if let Some(server) = server_of(raw.full_url, "Patient", &name) {
                    match servers.insert(name.clone(), server.to_owned()) {
                        Some(other) if same_server(&other) != same_server(server) => {
                            return Err(format!(
                                "{}: Patient/{name} comes from two servers in this file ({other} \
                                 and {server}), two people or one: refract keeps one record per \
                                 id and source, so nothing was imported; split the file by \
                                 server and import each part with its own --source",
                                raw.path
                            ));
                        }
                        _ => {}
                    }
                }
                if let Some(url) = raw.full_url {
                    urls.insert(url_lookup(url).into_owned(), name.clone());
                }
                let url_key = url_key(raw.full_url);
                let ids: Vec<&str> = patient
                    .id
                    .iter()
                    .chain(url_key.iter())
                    .map(String::as_str)
                    .collect();
                if let Some(target) = ids.first() {
                    identified.add(target, &patient.identifiers);
                }
                // The Patient resources it is linked to are the same person (`Patient.link`).
                let linked: Vec<&str> = ids
                    .iter()
                    .copied()
                    .chain(patient.same_as.iter().map(String::as_str))
                    .collect();
                let mut keys = identity_keys(&source, &linked, &patient.identifiers);
                keys.extend(server_key(&source, raw.full_url, &name));
                let id_system = ledger::patient_id_system(&source);
                for key in &keys {
                    let Some(&other) = in_file.get(key) else {
                        in_file.insert(key.clone(), patients.len());
                        continue;
                    };
                    // Two Patient resources known by one Patient id: one links to the other,
                    // the same person (or the same resource again).
                    if key.0 == id_system {
                        continue;
                    }
                    let other: &FilePatient = &patients[other];
                    let other_name = other.id.as_deref().unwrap_or_default();
                    // The same resource again (a history bundle lists its versions), or two
                    // people who differ in another system (two MRNs of one hospital): what they
                    // share identifies neither (the second read says so).
                    if other_name == name
                        || ledger::differing_in(
                            &keys,
                            &other.keys,
                            &other.record_system,
                            &options.equivalent_systems,
                        )
                        .is_some()
                    {
                        continue;
                    }
                    return Err(format!(
                        "{}: Patient/{name} and Patient/{other_name} share the identifier {}|{}: \
                         two records of one person, or two people with one number; nothing \
                         imported",
                        raw.path, key.0, key.1
                    ));
                }
                let own: Vec<(String, String)> = identity_keys(&source, &ids, &[]);
                let linked = identity_keys(
                    &source,
                    &patient
                        .same_as
                        .iter()
                        .map(String::as_str)
                        .collect::<Vec<_>>(),
                    &[],
                )
                .into_iter()
                .filter(|key| !own.contains(key))
                .collect();
                let merging = identity_keys(
                    &source,
                    &patient
                        .merged_with
                        .iter()
                        .map(String::as_str)
                        .collect::<Vec<_>>(),
                    &[],
                )
                .into_iter()
                .filter(|key| !own.contains(key))
                .collect();
                patients.push(FilePatient {
                    at: raw.path.clone(),
                    id: patient.id,
                    keys,
                    record_system: patient.patient.mrn_system.clone(),
                    who: patient.patient,
                    former_keys: identity_keys(&source, &[], &patient.former_identifiers),
                    names: patient.names,
                    linked,
                    merge_identifiers: patient
                        .linked_identifiers
                        .iter()
                        .filter(|linked| linked.merges)
                        .map(|linked| (linked.system.clone(), linked.value.clone()))
                        .collect(),
                    by_identifier: patient
                        .linked_identifiers
                        .into_iter()
                        .map(|linked| (linked.system, linked.value))
                        .collect(),
                    merging,
                    superseded: patient.superseded,
                    origins: crate::fhir::origins_of(raw.json)
                        .into_iter()
                        .map(|origin| (origin.source, origin.id))
                        .collect(),
                });
            }
            Mapped::Medication {
                resource_type, id, ..
            } => {
                if let Some(url) = raw.full_url {
                    ingredients.insert(
                        url_lookup(url).into_owned(),
                        format!("{resource_type}/{id}"),
                    );
                    if resource_type == "Medication" {
                        urls.insert(url_lookup(url).into_owned(), id);
                    }
                }
            }
            _ => {}
        }
        Ok(())
    });
    // A link by identifier names a Patient anywhere in the file: resolved once all are read,
    // as a subject named by its identifier is, and joined as a link by address is.
    let id_system = ledger::patient_id_system(&source_of(options));
    for patient in &mut patients {
        for (system, value) in &patient.by_identifier {
            if let Ok(target) = identified.link_target(system.as_deref(), value)
                && patient.id.as_deref() != Some(target)
            {
                let key = (id_system.clone(), target.to_owned());
                if patient
                    .merge_identifiers
                    .contains(&(system.clone(), value.clone()))
                {
                    patient.merging.push(key.clone());
                }
                if !patient.keys.contains(&key) {
                    patient.keys.push(key.clone());
                    patient.linked.push(key);
                }
            }
        }
    }
    let complete_record = summary
        .as_ref()
        .is_ok_and(|summary| summary.complete_record);
    let assembled = summary
        .as_ref()
        .ok()
        .and_then(|summary| summary.assembled.clone());
    let source = summary
        .as_ref()
        .ok()
        .and_then(|summary| summary.source.clone());
    let refused = match summary {
        Err(StreamError::Fhir(err)) => Some(err.to_string()),
        Err(StreamError::Stopped(why)) => Some(why),
        Ok(_) if hashing.read > limit => Some(files::too_large(hashing.read, limit)),
        Ok(_) => None,
    };
    FirstRead {
        sha256: crate::digest::hex(&hashing.hasher.finalize()),
        complete_record,
        assembled,
        summary_copies,
        source,
        urls,
        ingredients,
        servers,
        identified,
        patients,
        refused,
    }
}

/// The first read's Patients against the database: each names one person (see
/// [`identity_problem`]). Changes nothing.
fn check(store: &Store, mut first: FirstRead, options: &ImportOptions) -> Result<Checked, String> {
    let source = source_of(options);
    let own_system = store.own_mrn_system().map_err(|err| err.to_string())?;
    // This file's own FHIR export, whoever its patients are (patients another source brought
    // come back with that source's numbers): each record is here already.
    if first.source.as_deref() == Some(own_system.as_str()) {
        return Err(String::from(
            "this file's own FHIR export (its Bundle.meta.source is this file): importing it \
             back would add records a second time; nothing imported (to copy records between \
             refract files, use export --format json)",
        ));
    }
    let mut unlinked = std::collections::HashSet::new();
    let mut joins = Vec::new();
    let id_system = ledger::patient_id_system(&source);
    let mut stored_links = HashMap::new();
    for patient in &mut first.patients {
        // A link by an identifier no Patient of the file carries: the patient stored from the
        // same source who does (known there by their Patient id).
        for (system, value) in &patient.by_identifier {
            if first
                .identified
                .link_target(system.as_deref(), value)
                .is_ok()
            {
                continue;
            }
            let key = identity_keys(&source, &[], &[(system.clone(), value.clone())]);
            let PatientMatch::Existing(id) = store
                .match_patient(&key, &options.equivalent_systems)
                .map_err(|err| err.to_string())?
            else {
                continue;
            };
            let Some(target) = store
                .identifiers_of(id, &id_system)
                .map_err(|err| err.to_string())?
                .into_iter()
                .next()
                .filter(|target| patient.id.as_ref() != Some(target))
            else {
                continue;
            };
            let key = (id_system.clone(), target.clone());
            if patient
                .merge_identifiers
                .contains(&(system.clone(), value.clone()))
            {
                patient.merging.push(key.clone());
            }
            if !patient.keys.contains(&key) {
                patient.keys.push(key.clone());
                patient.linked.push(key);
            }
            stored_links.insert((system.clone(), value.clone()), target);
        }
    }
    for patient in &first.patients {
        // This file's own FHIR export: its patients are here already, with the rows the export
        // was made from; importing them would add each record a second time.
        if let Some((_, mrn)) = patient
            .keys
            .iter()
            .find(|(system, _)| *system == own_system)
        {
            return Err(format!(
                "{}: Patient/{} is this file's own patient {mrn} (the file's FHIR export): \
                 importing it back would add their record a second time; nothing imported (to \
                 copy records between refract files, use export --format json)",
                patient.at,
                patient.id.as_deref().unwrap_or("")
            ));
        }
        let problem = |keys: &[(String, String)]| {
            identity_problem(
                store,
                &source,
                patient.id.as_deref(),
                keys,
                &options.equivalent_systems,
            )
            .map_err(|err| err.to_string())
        };
        // Two stored records the source merged, or whose identifier systems the team declared
        // one: joined before the file is written (see `store::joins`).
        let planned = planned_joins(store, patient, &options.equivalent_systems)
            .map_err(|err| err.to_string())?;
        if !planned.is_empty() {
            let describe =
                |id: PatientId| store.describe_patient(id).map_err(|err| err.to_string());
            // The team's `--same-system` joins only records no two of which disagree: each
            // pair of them, not only each with the kept one (a year of birth alone agrees with
            // two different days).
            if !planned[0].merged {
                let group: Vec<PatientId> = std::iter::once(planned[0].kept)
                    .chain(planned.iter().map(|join| join.replaced))
                    .collect();
                for (at, &a) in group.iter().enumerate() {
                    for &b in &group[at + 1..] {
                        let Some(conflict) =
                            store.join_conflict(b, a).map_err(|err| err.to_string())?
                        else {
                            continue;
                        };
                        let (which, but) = if group.len() == 2 {
                            (format!("{} and {}", describe(b)?, describe(a)?), conflict)
                        } else {
                            let all = group
                                .iter()
                                .map(|&id| describe(id))
                                .collect::<Result<Vec<_>, _>>()?;
                            let pair = format!("of {} and {}", describe(b)?, describe(a)?);
                            (all.join(", "), format!("{pair} {conflict}"))
                        };
                        return Err(format!(
                            "{}: {}, which would join {which}, but {but}: refusing to join \
                             them; nothing imported",
                            patient.at, planned[0].why,
                        ));
                    }
                }
            }
            for mut join in planned {
                // The source's own merge is its master patient index's word on its own
                // records, and a wrong birth date or sex on one of two records is often why
                // the duplicate was made: joined, the disagreement said.
                if join.merged {
                    join.despite = store
                        .join_conflict(join.replaced, join.kept)
                        .map_err(|err| err.to_string())?;
                }
                if !joins
                    .iter()
                    .any(|known: &PlannedJoin| known.replaced == join.replaced)
                {
                    joins.push(join);
                }
            }
            continue;
        }
        let mut why = problem(&patient.keys)?;
        // Linked to a record already stored as another patient (two records of one person
        // the source merged after both were imported): imported as before the link, and said,
        // rather than the whole file refused or two stored patients merged.
        if why.is_some() && !patient.linked.is_empty() {
            let alone: Vec<(String, String)> = patient
                .keys
                .iter()
                .filter(|key| !patient.linked.contains(key))
                .cloned()
                .collect();
            if problem(&alone)?.is_none() {
                why = None;
                unlinked.extend(patient.id.clone());
            }
        }
        if let Some(why) = why {
            return Err(format!("{}: {why}; nothing imported", patient.at));
        }
    }
    if let Some(why) = first.refused {
        return Err(why);
    }
    Ok(Checked {
        sha256: first.sha256,
        complete_record: first.complete_record,
        assembled: first.assembled,
        summary_copies: first.summary_copies,
        urls: first.urls,
        ingredients: first.ingredients,
        servers: first.servers,
        identified: first.identified,
        unlinked,
        stored_links,
        joins,
        distrusted_origins: std::collections::HashSet::new(),
    })
}

/// Two stored patients a file's Patient says are one, and which is kept.
#[derive(Debug, Clone)]
pub(crate) struct PlannedJoin {
    pub replaced: PatientId,
    pub kept: PatientId,
    /// Why, in words (`the source merged Patient/p2 into Patient/p1`).
    pub why: String,
    /// The source merged them (not the team's `--same-system`).
    pub merged: bool,
    /// How the two stored records disagree (birth date, sex), where a source merged them
    /// anyway: said with the join.
    pub despite: Option<String>,
}

/// The joins a Patient asks for, if its identifiers name several stored patients for a reason
/// that makes them one: the source's merge (R4 `Patient.link` `replaces` / `replaced-by`,
/// naming records of the same source: the record `replaced-by` another "must no longer be
/// used", so the other is kept), or the team's `--same-system` (without it the identifiers
/// name one patient; the record stored first is kept, with the team's work on it). Every
/// record they name is joined into the kept one, not one pair per file: one person stored by
/// three sources, or a survivor that `replaces` two records, is one patient after the file.
/// Any other ambiguity (two people's numbers) is no reason, and is refused as before.
fn planned_joins(
    store: &Store,
    patient: &FilePatient,
    equivalent: &[Vec<String>],
) -> Result<Vec<PlannedJoin>, StoreError> {
    let named = store.patients_named(&patient.keys, equivalent)?;
    if named.len() < 2 {
        return Ok(Vec::new());
    }
    let own = patient.id.as_deref().unwrap_or_default();
    if !patient.merging.is_empty() {
        let alone: Vec<(String, String)> = patient
            .keys
            .iter()
            .filter(|key| !patient.linked.contains(key))
            .cloned()
            .collect();
        let PatientMatch::Existing(this) = store.match_patient(&alone, equivalent)? else {
            return Ok(Vec::new());
        };
        // Each record the merge names, on its own: two of them are two stored patients here.
        let mut others: Vec<PatientId> = Vec::new();
        for key in &patient.merging {
            if let PatientMatch::Existing(other) =
                store.match_patient(std::slice::from_ref(key), equivalent)?
                && other != this
                && !others.contains(&other)
            {
                others.push(other);
            }
        }
        let named_others = patient
            .merging
            .iter()
            .map(|(_, id)| format!("Patient/{id}"))
            .collect::<Vec<_>>()
            .join(", ");
        let merged = |replaced: PatientId, kept: PatientId, why: String| PlannedJoin {
            replaced,
            kept,
            why,
            merged: true,
            despite: None,
        };
        return Ok(if patient.superseded {
            // Merged into another (`replaced-by`): that record is kept, and any other record
            // the merge names goes there with this one.
            let Some((&kept, rest)) = others.split_first() else {
                return Ok(Vec::new());
            };
            let why = format!("the source merged Patient/{own} into {named_others} (replaced-by)");
            std::iter::once(this)
                .chain(rest.iter().copied())
                .map(|replaced| merged(replaced, kept, why.clone()))
                .collect()
        } else {
            let why = format!("the source merged {named_others} into Patient/{own} (replaces)");
            others
                .into_iter()
                .map(|replaced| merged(replaced, this, why.clone()))
                .collect()
        });
    }
    if equivalent.is_empty()
        || matches!(
            store.match_patient(&patient.keys, &[])?,
            PatientMatch::Ambiguous(..)
        )
    {
        return Ok(Vec::new());
    }
    let Some(&kept) = named.iter().min() else {
        return Ok(Vec::new());
    };
    let why = if named.len() == 2 {
        format!("Patient/{own}'s identifiers name both once --same-system makes their systems one")
    } else {
        format!(
            "Patient/{own}'s identifiers name all {} once --same-system makes their systems one",
            named.len()
        )
    };
    Ok(named
        .iter()
        .filter(|&&replaced| replaced != kept)
        .map(|&replaced| PlannedJoin {
            replaced,
            kept,
            why: why.clone(),
            merged: false,
            despite: None,
        })
        .collect())
}

/// What a user is told of identifiers a Patient turned out to share with another person (see
/// [`ImportTx::add_identifiers`]).
fn shared_message(
    lookup: &impl IdentityLookup,
    shared: &ledger::SharedIdentifier,
) -> Result<String, StoreError> {
    Ok(format!(
        "shares the identifier {}|{} with {}, another person (their medical record numbers \
         differ): kept apart, and that identifier names neither of them from now on",
        shared.system,
        shared.value,
        lookup.describe_patient(shared.other)?
    ))
}

/// What a user is told of the resources an earlier run kept aside for a Patient id when a
/// Patient (`who`: their name and MRN as this file gives them) came under it.
fn kept_aside_message(who: &str, outcome: &crate::store::kept_aside::KeptAsideOutcome) -> String {
    use crate::store::kept_aside::Verdict;
    let parents: std::collections::BTreeSet<_> = outcome
        .files
        .iter()
        .map(|file| Path::new(file).parent().map(Path::to_path_buf))
        .collect();
    let since = match (outcome.files.as_slice(), parents.len()) {
        ([], _) => String::from("an earlier import"),
        ([one], _) => one.clone(),
        (_, 1) => match parents.into_iter().next().flatten() {
            Some(folder) => format!("{}/", folder.display()),
            None => outcome.files.join(", "),
        },
        ([first, rest @ ..], _) => format!("{first} and {} other file(s)", rest.len()),
    };
    let what = format!(
        "{} record(s) kept aside for this Patient id since {since}",
        outcome.resources.len()
    );
    match &outcome.verdict {
        Verdict::Named(by) => format!("{what} attached to {who}: {by}"),
        Verdict::Unnamed => format!(
            "{what} attached to {who}, though nothing in them says whose they are: if that file \
             is another system's, import it again with --source NAME and they leave"
        ),
        Verdict::Held(why) => format!(
            "{what} not attached to {who}: {why}; still kept aside (refract check lists them)"
        ),
    }
}

/// How a Patient is named in an import's message: name and MRN.
fn patient_words(patient: &crate::domain::Patient) -> String {
    let name = format!("{} {}", patient.given_name, patient.family_name);
    let name = name.trim();
    match (name.is_empty(), patient.mrn.is_empty()) {
        (false, false) => format!("{name} (MRN {})", patient.mrn),
        (false, true) => name.to_owned(),
        (true, false) => format!("MRN {}", patient.mrn),
        (true, true) => String::from("this patient"),
    }
}

/// Why a Patient cannot be matched safely, if it cannot: its identifiers name two stored
/// patients, or the one they name is another Patient resource of the same source (their
/// Patient ids in that source have nothing in common).
fn identity_problem(
    lookup: &impl IdentityLookup,
    source: &str,
    own_id: Option<&str>,
    keys: &[(String, String)],
    equivalent: &[Vec<String>],
) -> Result<Option<String>, StoreError> {
    match lookup.match_patient(keys, equivalent)? {
        PatientMatch::New => Ok(None),
        PatientMatch::Ambiguous(a, b) => Ok(Some(format!(
            "its identifiers name two patients already stored ({} and {}): refusing to merge \
             them",
            lookup.describe_patient(a)?,
            lookup.describe_patient(b)?
        ))),
        PatientMatch::Existing(id) => {
            let Some(own) = own_id else {
                return Ok(None);
            };
            // The same Patient id of this source from another server than the stored one's.
            let server_system = format!("urn:refract:patient-server:{source}|{own}");
            if let Some((_, mine)) = keys.iter().find(|(system, _)| *system == server_system)
                && let Some(other) = lookup
                    .identifiers_of(id, &server_system)?
                    .into_iter()
                    .find(|stored| stored != mine)
            {
                return Ok(Some(format!(
                    "Patient/{own} comes from {mine}, but the Patient/{own} stored from this \
                     source ({}) came from {other}: two servers' records under one id; import \
                     each server's files with its own --source",
                    lookup.describe_patient(id)?
                )));
            }
            let system = ledger::patient_id_system(source);
            let stored = lookup.identifiers_of(id, &system)?;
            let mine: Vec<&str> = keys
                .iter()
                .filter(|(s, _)| *s == system)
                .map(|(_, value)| value.as_str())
                .collect();
            // Known by a bundle `urn:` alone (no resource id: an id has no colon), as an
            // earlier export of the stored patient was: such a key names the entry in its own
            // bundle only, and a source that writes no Patient.id makes a new one in every
            // export. Their identifiers are the record's name, and it is theirs.
            let by_bundle_url = |id: &str| id.starts_with("urn:");
            if by_bundle_url(own) && stored.iter().any(|value| by_bundle_url(value)) {
                return Ok(None);
            }
            match stored.first() {
                Some(other) if !stored.iter().any(|value| mine.contains(&value.as_str())) => {
                    Ok(Some(format!(
                        "Patient/{own} carries an identifier of Patient/{other} of the same \
                         source ({}): two records of one person, or two people with one number; \
                         from two systems (a refract export, another hospital)? import each \
                         with its own --source NAME",
                        lookup.describe_patient(id)?
                    )))
                }
                _ => Ok(None),
            }
        }
    }
}

/// A Patient resource that named no stored patient, kept in the ledger until the end of the
/// run creates them (with their rows, in one transaction).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct PendingPatient {
    patient: crate::domain::Patient,
    /// The resource id (else its bundle URL).
    fhir_id: Option<String>,
    /// Every identifier the patient is matched on, their Patient ids in the source included.
    keys: Vec<(String, String)>,
    equivalent: Vec<Vec<String>>,
    /// A record merged into another (see `apply::Op::Patient`); absent in rows written before.
    #[serde(default)]
    superseded: bool,
    /// See `apply::Op::Patient`; absent in rows written before.
    #[serde(default)]
    facts: ledger::PatientFacts,
}

/// refract's own document: read whole (bounded by the size limit) and inserted in one
/// transaction, through the same checks as every other write.
fn native_file(
    store: &mut Store,
    rules: &Rules,
    path: &Path,
    file: std::fs::File,
    size: u64,
    limit: u64,
    today: NaiveDate,
) -> FileReport {
    let mut bytes = Vec::with_capacity(size as usize);
    if let Err(err) = file.take(limit + 1).read_to_end(&mut bytes) {
        return FileReport::failed(path, &format!("cannot read: {err}"));
    }
    if bytes.len() as u64 > limit {
        return FileReport::failed(path, &files::too_large(bytes.len() as u64, limit));
    }
    let _ = (rules, today);
    let hash = crate::digest::hex(&Sha256::digest(&bytes));
    match store.import_native(&path.display().to_string(), &bytes, &hash) {
        Ok(None) => FileReport {
            outcome: FileOutcome::AlreadyImported,
            ..FileReport::new(path)
        },
        Ok(Some(counts)) => {
            let mut report = FileReport {
                outcome: FileOutcome::Imported,
                patients: counts.patients,
                new_patients: counts.new_patients,
                created: counts.new_patients,
                conditions: counts.conditions,
                exposures: counts.exposures,
                observations: counts.observations,
                procedures: counts.procedures,
                reactions: counts.reactions,
                skipped: counts.skipped,
                ..FileReport::new(path)
            };
            // A warning, not a failure: the document is imported (all it could attribute), and
            // importing it again would leave out the same rows.
            for line in &counts.left_out {
                report.warn("", String::from("refract document"), line);
            }
            if counts.waiting > 0 {
                report.warn(
                    "",
                    String::from("refract document"),
                    &format!(
                        "{} record(s) carried wait for a patient no file has brought yet \
                         (`refract check` lists them)",
                        counts.waiting
                    ),
                );
            }
            report
        }
        Err(err) => FileReport::failed(path, &err.to_string()),
    }
}

#[cfg(test)]
mod run_of_files_tests {
    use super::since_covers;

    #[test]
    fn an_earlier_or_no_since_covers_a_later_one() {
        assert!(since_covers(None, Some("2026-01-01T00:00:00Z")));
        assert!(since_covers(None, None));
        assert!(!since_covers(Some("2026-01-01T00:00:00Z"), None));
        assert!(since_covers(
            Some("2026-01-01T01:00:00+02:00"),
            Some("2025-12-31T23:30:00Z")
        ));
        assert!(!since_covers(
            Some("2026-01-02"),
            Some("2026-01-01T12:00:00Z")
        ));
        assert!(since_covers(
            Some("2026-01-01T10:00:00Z"),
            Some("2026-01-01 10:00:05")
        ));
    }
}
