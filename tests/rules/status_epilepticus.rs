//! Refractory and super-refractory status epilepticus (`assets/rules/status_epilepticus.toml`):
//! seizures continuing after a benzodiazepine and one second-line drug (NCS 2012), anaesthesia
//! after the second-line drug, and seizures 24 hours or more after anaesthesia started (Shorvon &
//! Ferlisi 2011: super-refractory, a label), with midazolam told apart as bolus or infusion.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use chrono::{Duration, NaiveDateTime};
use refract::domain::AssessmentStatus::{InsufficientData, NotMet, Refractory};
use refract::domain::{DrugRole, EvidenceKind};

use super::support::{Case, Vignette, case, run, rx, time_ago};

const ID: &str = "status_epilepticus";
const RSE: &str = "refractory status epilepticus";
const SRSE: &str = "super-refractory status epilepticus";

/// The first benzodiazepine: 10:00 three days ago.
fn t0() -> NaiveDateTime {
    time_ago(3, 10, 0)
}

fn minutes(m: i64) -> NaiveDateTime {
    t0() + Duration::minutes(m)
}

fn patient() -> Vignette {
    Vignette::new().condition("G41.0", "Generalised convulsive status epilepticus")
}

/// Lorazepam at t0, levetiracetam 20 minutes later.
fn bzd_and_levetiracetam() -> Vignette {
    patient()
        .give(
            rx("Lorazepam 4 mg")
                .at(t0())
                .ended_at(minutes(1))
                .role(DrugRole::FirstLineBenzodiazepine),
        )
        .give(
            rx("Levetiracetam 4500 mg")
                .at(minutes(20))
                .ended_at(minutes(35))
                .role(DrugRole::SecondLineAntiseizure),
        )
}

/// Propofol infusion started two hours after t0, for three days.
fn anaesthesia_start() -> NaiveDateTime {
    minutes(120)
}

fn with_propofol(v: Vignette) -> Vignette {
    v.give(
        rx("Propofol 5 mg/kg/h")
            .at(anaesthesia_start())
            .ended_at(anaesthesia_start() + Duration::hours(72))
            .role(DrugRole::AnaestheticInfusion),
    )
}

/// Refractory status, anaesthesia, seizure activity `hours` after anaesthesia started and an
/// EEG free of seizures 30 hours after it started.
fn seizure_after_anaesthesia(hours: i64) -> Vignette {
    with_propofol(bzd_and_levetiracetam())
        .seizure_activity(true, anaesthesia_start() + Duration::hours(hours))
        .seizure_activity(false, anaesthesia_start() + Duration::hours(30))
}

pub fn cases() -> Vec<Case> {
    vec![
        case(
            "seizures continue after lorazepam and levetiracetam",
            bzd_and_levetiracetam().seizure_activity(true, minutes(60)),
            Refractory,
        )
        .label(RSE)
        .evidence(EvidenceKind::Exposure, 2)
        .evidence(EvidenceKind::Observation, 1),
        case(
            "seizures stopped after levetiracetam",
            bzd_and_levetiracetam().seizure_activity(false, minutes(60)),
            NotMet,
        )
        .reason("seizures stopped after the second-line drug"),
        case(
            "seizures stopped after the benzodiazepine alone",
            patient()
                .give(
                    rx("Lorazepam 4 mg")
                        .at(t0())
                        .ended_at(minutes(1))
                        .role(DrugRole::FirstLineBenzodiazepine),
                )
                .seizure_activity(false, minutes(30)),
            NotMet,
        )
        .reason("seizures stopped after the benzodiazepine"),
        case(
            "seizures continue after the benzodiazepine, no second-line drug recorded",
            patient()
                .give(
                    rx("Lorazepam 4 mg")
                        .at(t0())
                        .ended_at(minutes(1))
                        .role(DrugRole::FirstLineBenzodiazepine),
                )
                .seizure_activity(true, minutes(30)),
            InsufficientData,
        )
        .missing("second-line"),
        case(
            "clonazepam is a benzodiazepine, not the second-line drug",
            patient()
                .give(
                    rx("Lorazepam 4 mg")
                        .at(t0())
                        .ended_at(minutes(1))
                        .role(DrugRole::FirstLineBenzodiazepine),
                )
                .give(rx("Clonazepam 1 mg").at(minutes(15)).ended_at(minutes(16)))
                .seizure_activity(true, minutes(60)),
            InsufficientData,
        )
        .missing("second-line"),
        case(
            "no observation after the second-line drug: undecided",
            bzd_and_levetiracetam(),
            InsufficientData,
        )
        .missing("whether seizures stopped after the second-line drug"),
        case(
            "anaesthesia started after the second-line drug implies seizures went on",
            with_propofol(bzd_and_levetiracetam()),
            Refractory,
        )
        .label(RSE),
        case(
            "seizures 23 hours after anaesthesia started: refractory, not super-refractory",
            seizure_after_anaesthesia(23),
            Refractory,
        )
        .label(RSE),
        case(
            "seizures 24 hours after anaesthesia started: super-refractory",
            seizure_after_anaesthesia(24),
            Refractory,
        )
        .label(SRSE),
        case(
            "seizures 25 hours after anaesthesia started: super-refractory",
            seizure_after_anaesthesia(25),
            Refractory,
        )
        .label(SRSE)
        .reason("25 hours after anaesthesia started"),
        case(
            "midazolam bolus is first line, midazolam infusion is the anaesthetic",
            patient()
                .give(
                    rx("Midazolam 10 mg")
                        .at(t0())
                        .ended_at(minutes(1))
                        .role(DrugRole::FirstLineBenzodiazepine),
                )
                .give(
                    rx("Fosphenytoin 1500 mg")
                        .at(minutes(15))
                        .ended_at(minutes(30))
                        .role(DrugRole::SecondLineAntiseizure),
                )
                .give(
                    rx("Midazolam 0.2 mg/kg/h")
                        .at(anaesthesia_start())
                        .ended_at(anaesthesia_start() + Duration::hours(60)),
                )
                .seizure_activity(true, anaesthesia_start() + Duration::hours(26)),
            Refractory,
        )
        .label(SRSE),
        case(
            "EEG recorded: the diagnosis confounder is resolved",
            bzd_and_levetiracetam()
                .seizure_activity(true, minutes(60))
                .procedure("54550000", "Continuous EEG monitoring", 3),
            Refractory,
        )
        .no_confounder("diagnosis")
        .confounder("cause"),
        case(
            "a second second-line drug after levetiracetam: seizures continued",
            bzd_and_levetiracetam().give(
                rx("Lacosamide 400 mg")
                    .at(minutes(60))
                    .ended_at(minutes(75))
                    .role(DrugRole::SecondLineAntiseizure),
            ),
            Refractory,
        )
        .label(RSE)
        .reason("lacosamide was given after levetiracetam"),
        case(
            "a second second-line drug with no role recorded: seizures continued",
            bzd_and_levetiracetam().give(
                rx("Valproate 3000 mg")
                    .at(minutes(50))
                    .ended_at(minutes(65)),
            ),
            Refractory,
        ),
        case(
            "the same second-line drug given again is not another drug",
            bzd_and_levetiracetam().give(
                rx("Levetiracetam 1000 mg")
                    .at(minutes(60))
                    .ended_at(minutes(70))
                    .role(DrugRole::SecondLineAntiseizure),
            ),
            InsufficientData,
        )
        .missing("whether seizures stopped after the second-line drug"),
        case(
            "an antiseizure drug started as maintenance is not an escalation",
            bzd_and_levetiracetam().give(
                rx("Lacosamide 200 mg/d")
                    .at(minutes(600))
                    .role(DrugRole::Maintenance),
            ),
            InsufficientData,
        ),
        case(
            "EEG coded present (SNOMED 52101004) after levetiracetam: seizures continued",
            bzd_and_levetiracetam().eeg_finding("52101004", minutes(60)),
            Refractory,
        )
        .evidence(EvidenceKind::Observation, 1),
        case(
            "EEG coded present (LOINC LA9633-4) after levetiracetam: seizures continued",
            bzd_and_levetiracetam().eeg_finding("LA9633-4", minutes(60)),
            Refractory,
        ),
        case(
            "EEG coded absent (SNOMED 2667000) after levetiracetam: seizures stopped",
            bzd_and_levetiracetam().eeg_finding("2667000", minutes(60)),
            NotMet,
        )
        .reason("seizures stopped after the second-line drug"),
        case(
            "EEG coded absent (LOINC LA9634-2) after levetiracetam: seizures stopped",
            bzd_and_levetiracetam().eeg_finding("LA9634-2", minutes(60)),
            NotMet,
        ),
        case(
            "EEG with another code (unknown) is neither, never a zero",
            bzd_and_levetiracetam().eeg_finding("261665006", minutes(60)),
            InsufficientData,
        )
        .missing("whether seizures stopped after the second-line drug"),
        case(
            "EEG coded present 25 hours after anaesthesia started: super-refractory",
            with_propofol(bzd_and_levetiracetam())
                .eeg_finding("52101004", anaesthesia_start() + Duration::hours(25)),
            Refractory,
        )
        .label(SRSE),
        case(
            "EEG coded absent 25 hours after anaesthesia started: not super-refractory",
            with_propofol(bzd_and_levetiracetam())
                .eeg_finding("LA9634-2", anaesthesia_start() + Duration::hours(25)),
            Refractory,
        )
        .label(RSE),
        case(
            "EEG coded absent after the benzodiazepine alone: seizures stopped",
            patient()
                .give(
                    rx("Lorazepam 4 mg")
                        .at(t0())
                        .ended_at(minutes(1))
                        .role(DrugRole::FirstLineBenzodiazepine),
                )
                .eeg_finding("2667000", minutes(30)),
            NotMet,
        )
        .reason("seizures stopped after the benzodiazepine"),
    ]
}

#[test]
fn status_epilepticus_cases() {
    run(ID, &cases());
}
