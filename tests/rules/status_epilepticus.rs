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

/// FHIR records of one episode whose times carry different UTC offsets, imported through the
/// library: the rule must see the instants, not the wall-clock times written.
mod zoned_times {
    use serde_json::{Value, json};

    use crate::fhir::{Env, ICD10, SNOMED, bundle, coding, patient};

    const SUBJECT: &str = "urn:uuid:se-zone-pt";

    fn given(id: &str, drug: &str, when: (&str, Value), dosage: Value) -> Value {
        let mut resource = json!({
            "resourceType": "MedicationAdministration",
            "id": id,
            "status": "completed",
            "subject": {"reference": SUBJECT},
            "medicationCodeableConcept": {"text": drug}
        });
        resource["dosage"] = dosage;
        resource[when.0] = when.1;
        resource
    }

    fn bolus(id: &str, drug: &str, at: &str, mg: f64) -> Value {
        given(
            id,
            drug,
            ("effectiveDateTime", json!(at)),
            json!({"dose": {"value": mg, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}}),
        )
    }

    fn eeg_seizure(id: &str, at: &str) -> Value {
        json!({
            "resourceType": "Observation",
            "id": id,
            "status": "final",
            "subject": {"reference": SUBJECT},
            "code": {"text": "EEG seizure"},
            "effectiveDateTime": at,
            "valueCodeableConcept": coding(SNOMED, "52101004", "Present")
        })
    }

    /// The status and label of the patient's status-epilepticus assessment.
    fn assessed(resources: &[Value]) -> (String, String) {
        let mut env = Env::new();
        let mut all = vec![
            patient("se-zone-pt", "SE-ZONE-1", "Uhr", "Ida"),
            json!({
                "resourceType": "Condition",
                "id": "se",
                "subject": {"reference": SUBJECT},
                "clinicalStatus": {"coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active"
                }]},
                "code": coding(ICD10, "G41.0", "Grand mal status epilepticus"),
                "onsetDateTime": "2026-10-31"
            }),
        ];
        all.extend_from_slice(resources);
        let path = env.write_json("se-zones.json", &bundle("collection", &all));
        env.import_ok(&path);
        let rows = env.rows(
            "SELECT status, label, detail FROM assessments WHERE ruleset = 'status_epilepticus'",
        );
        assert_eq!(rows.len(), 1, "{rows:#?}");
        (
            rows[0][0].clone(),
            format!("{} | {}", rows[0][1], rows[0][2]),
        )
    }

    #[test]
    fn the_daylight_saving_night_orders_drugs_by_instant() {
        // US fall-back, 2026-11-01: lorazepam at 01:50 EDT (05:50 UTC), levetiracetam at 01:10
        // EST (06:10 UTC), 20 minutes after it though its wall clock reads 40 minutes before.
        let (status, detail) = assessed(&[
            bolus(
                "lzp",
                "lorazepam 2 MG/ML Injectable Solution",
                "2026-11-01T01:50:00-04:00",
                4.0,
            ),
            bolus(
                "lev",
                "levetiracetam 500 MG/5ML Injectable Solution",
                "2026-11-01T01:10:00-05:00",
                4000.0,
            ),
            eeg_seizure("eeg", "2026-11-01T02:00:00-05:00"),
        ]);
        assert_eq!(status, "refractory", "{detail}");
    }

    #[test]
    fn sources_writing_different_offsets_are_on_one_axis() {
        // The EHR writes +01:00, the pharmacy system UTC.
        let (status, detail) = assessed(&[
            bolus("lzp", "Lorazepam 4 mg IV", "2026-11-01T11:00:00+01:00", 4.0),
            bolus(
                "lev",
                "Levetiracetam 4000 mg IV",
                "2026-11-01T10:20:00Z",
                4000.0,
            ),
            eeg_seizure("eeg", "2026-11-01T11:30:00+01:00"),
        ]);
        assert_eq!(status, "refractory", "{detail}");
    }

    #[test]
    fn seizures_24_5_hours_after_anaesthesia_across_the_change_are_super_refractory() {
        // Midazolam from 20:00 EDT (00:00 UTC); seizures at 19:30 EST the next day (00:30 UTC):
        // 24.5 hours, though the wall clock says 23.5.
        let (status, detail) = assessed(&[
            bolus(
                "lzp",
                "lorazepam 2 MG/ML Injectable Solution",
                "2026-10-31T18:00:00-04:00",
                4.0,
            ),
            bolus(
                "lev",
                "levetiracetam 500 MG/5ML Injectable Solution",
                "2026-10-31T18:20:00-04:00",
                4000.0,
            ),
            eeg_seizure("eeg1", "2026-10-31T19:00:00-04:00"),
            given(
                "mdz",
                "midazolam 1 MG/ML Injectable Solution",
                (
                    "effectivePeriod",
                    json!({"start": "2026-10-31T20:00:00-04:00", "end": "2026-11-03T12:00:00-05:00"}),
                ),
                json!({"rateQuantity": {"value": 0.2, "unit": "mg/kg/h", "system": "http://unitsofmeasure.org", "code": "mg/kg/h"}}),
            ),
            eeg_seizure("eeg2", "2026-11-01T19:30:00-05:00"),
        ]);
        assert_eq!(status, "refractory", "{detail}");
        assert!(detail.starts_with(super::SRSE), "{detail}");
    }

    /// Anaesthesia from `start` to `end`, seizures at `seizure`, after lorazepam, levetiracetam
    /// and seizures an hour before the anaesthetic, all written with `start`'s offset.
    fn anaesthesia_then_seizures(
        before: [&str; 3],
        start: &str,
        end: &str,
        seizure: &str,
    ) -> (String, String) {
        assessed(&[
            bolus("lzp", "Lorazepam 4 mg IV", before[0], 4.0),
            bolus("lev", "Levetiracetam 4000 mg IV", before[1], 4000.0),
            eeg_seizure("eeg1", before[2]),
            given(
                "mdz",
                "Midazolam 1 mg/ml continuous infusion",
                ("effectivePeriod", json!({"start": start, "end": end})),
                json!({"rateQuantity": {"value": 0.2, "unit": "mg/kg/h", "system": "http://unitsofmeasure.org", "code": "mg/kg/h"}}),
            ),
            eeg_seizure("eeg2", seizure),
        ])
    }

    #[test]
    fn the_european_change_counts_hours_by_instant_too() {
        // EU fall-back, 2026-10-25: midazolam from 20:00 CEST (18:00 UTC), seizures at 19:30 CET
        // the next day (18:30 UTC): 24.5 hours, the wall clock says 23.5.
        let (status, detail) = anaesthesia_then_seizures(
            [
                "2026-10-24T18:00:00+02:00",
                "2026-10-24T18:20:00+02:00",
                "2026-10-24T19:00:00+02:00",
            ],
            "2026-10-24T20:00:00+02:00",
            "2026-10-27T12:00:00+01:00",
            "2026-10-25T19:30:00+01:00",
        );
        assert_eq!(status, "refractory", "{detail}");
        assert!(detail.starts_with(super::SRSE), "{detail}");
    }

    #[test]
    fn a_spring_forward_night_is_an_hour_shorter_than_its_wall_clock() {
        // US spring-forward, 2026-03-08: midazolam from 20:00 EST (01:00 UTC), seizures at 20:30
        // EDT the next day (00:30 UTC): 23.5 hours, though the wall clock says 24.5.
        let (status, detail) = anaesthesia_then_seizures(
            [
                "2026-03-07T18:00:00-05:00",
                "2026-03-07T18:20:00-05:00",
                "2026-03-07T19:00:00-05:00",
            ],
            "2026-03-07T20:00:00-05:00",
            "2026-03-10T12:00:00-04:00",
            "2026-03-08T20:30:00-04:00",
        );
        assert_eq!(status, "refractory", "{detail}");
        assert!(detail.starts_with(super::RSE), "{detail}");
    }
}
