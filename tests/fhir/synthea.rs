//! Real-world-shaped data: the 24 Synthea patient bundles and the practitioner bundle beside the
//! project. Skipped (with a message) when that folder is absent, as in a fresh clone; under CI
//! (`CI` set) an absent folder is a failure, so that CI cannot pass without running them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use refract::import::FileOutcome;
use serde_json::Value;

use super::sql_on;
use super::{Env, cli_import, refract};

pub(crate) fn synthea_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/synthea-r4");
    if dir.is_dir() {
        Some(dir)
    } else if std::env::var_os("CI").is_some() {
        panic!(
            "the Synthea sample bundles are not at {} and CI is set: CI must run them",
            dir.display()
        );
    } else {
        eprintln!(
            "skipped: the Synthea sample bundles are not at {} (they live beside the project)",
            dir.display()
        );
        None
    }
}

/// What the bundles hold, counted from their JSON independently of the importer.
#[derive(Debug, Default)]
struct Expected {
    files: usize,
    entries: usize,
    patients: usize,
    by_type: BTreeMap<String, usize>,
    systolic: usize,
    diastolic: usize,
    /// Encounters of acute hospital care (inpatient, emergency; v3 ActCode), kept for the
    /// readings taken in them; the others are counted as not kept.
    in_hospital: usize,
}

fn expected(dir: &Path) -> Expected {
    let mut out = Expected::default();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    for path in paths {
        out.files += 1;
        let bundle: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        for entry in bundle["entry"].as_array().unwrap() {
            let resource = &entry["resource"];
            let kind = resource["resourceType"].as_str().unwrap().to_owned();
            out.entries += 1;
            if kind == "Patient" {
                out.patients += 1;
            }
            if kind == "Encounter"
                && matches!(
                    resource["class"]["code"].as_str(),
                    Some("IMP" | "ACUTE" | "NONAC" | "EMER" | "OBSENC" | "SS" | "PRENC" | "VR")
                )
            {
                out.in_hospital += 1;
            }
            if kind == "Observation" {
                for component in resource["component"].as_array().into_iter().flatten() {
                    let codes: Vec<&str> = component["code"]["coding"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter_map(|c| c["code"].as_str())
                        .collect();
                    let valued = component["valueQuantity"]["value"].is_number();
                    if codes.contains(&"8480-6") && valued {
                        out.systolic += 1;
                    }
                    if codes.contains(&"8462-4") && valued {
                        out.diastolic += 1;
                    }
                }
            }
            *out.by_type.entry(kind).or_default() += 1;
        }
    }
    out
}

#[test]
fn synthea_bundles_import_through_the_library() {
    let Some(dir) = synthea_dir() else { return };
    let want = expected(&dir);
    assert_eq!(want.patients, 24, "the fixture set changed");

    let mut env = Env::new();
    let report = env.import(std::slice::from_ref(&dir));
    for file in &report.files {
        assert_eq!(
            file.outcome,
            FileOutcome::Imported,
            "{}: {:?}",
            file.path,
            file.error
        );
    }
    assert_eq!(report.files.len(), want.files);
    assert_eq!(report.imported, want.files);
    assert_eq!(report.failed, 0);
    assert_eq!(report.patients, 24);
    assert_eq!(env.int("SELECT count(*) FROM patients"), 24);
    assert_eq!(
        report.files.iter().map(|f| f.resources).sum::<usize>(),
        want.entries,
        "every entry is counted as a resource"
    );

    // The practitioner bundle has no patient: imported, everything in it skipped and counted.
    let practitioners = report
        .files
        .iter()
        .find(|f| f.path.contains("practitionerInformation"))
        .unwrap();
    assert_eq!(practitioners.patients, 0);
    assert_eq!(practitioners.exposures + practitioners.observations, 0);
    assert!(practitioners.resources > 0);
    assert_eq!(
        practitioners.skipped.values().sum::<usize>(),
        practitioners.resources,
        "{:?}",
        practitioners.skipped
    );
    assert!(
        practitioners
            .skipped
            .get("Practitioner")
            .copied()
            .unwrap_or(0)
            > 0
    );

    // Types refract does not use are skipped, counted exactly.
    for kind in ["Claim", "ExplanationOfBenefit", "Immunization"] {
        let skipped = report.skipped.get(kind).copied().unwrap_or(0);
        assert!(skipped > 0, "{kind} skipped");
        assert_eq!(skipped, want.by_type[kind], "{kind} counted");
    }
    // Encounters are read for where their readings were taken: those of acute hospital care
    // are kept, the outpatient visits counted and dropped.
    assert!(want.in_hospital > 0);
    assert_eq!(
        report
            .skipped
            .get("Encounter (not in hospital)")
            .copied()
            .unwrap_or(0),
        want.by_type["Encounter"] - want.in_hospital
    );
    for kind in [
        "Patient",
        "Observation",
        "MedicationRequest",
        "Condition",
        "ImagingStudy",
    ] {
        assert!(!report.skipped.contains_key(kind), "{kind} is read");
    }
    // Each imaging study (all `available`) is an imaging row, dated and named by its series.
    let studies = env.int("SELECT count(*) FROM procedures WHERE display LIKE 'Imaging: %'");
    assert_eq!(
        usize::try_from(studies).unwrap(),
        want.by_type["ImagingStudy"]
    );

    // Blood pressure panels become a systolic and a diastolic observation each, taken together.
    let systolic = env.int("SELECT count(*) FROM observations WHERE code = '8480-6'");
    let diastolic = env.int("SELECT count(*) FROM observations WHERE code = '8462-4'");
    assert!(systolic > 0);
    assert_eq!(systolic as usize, want.systolic);
    assert_eq!(diastolic as usize, want.diastolic);
    assert_eq!(
        env.int("SELECT count(*) FROM observations WHERE code IN ('55284-4', '85354-9')"),
        0,
        "the panel itself has no value"
    );
    assert_eq!(
        env.int(
            "SELECT count(*) FROM observations s WHERE s.code = '8480-6' AND NOT EXISTS
               (SELECT 1 FROM observations d WHERE d.patient_id = s.patient_id
                  AND d.code = '8462-4' AND d.effective = s.effective)"
        ),
        0,
        "every systolic reading has its diastolic"
    );
    assert_eq!(
        env.int(
            "SELECT count(*) FROM observations WHERE code = '8480-6'
               AND (value < 60 OR value > 260 OR unit <> 'mm[Hg]' OR setting <> 'office')"
        ),
        0,
        "systolic readings are plausible office readings in mm[Hg]"
    );
    assert!(
        env.int(
            "SELECT count(*) FROM observations s JOIN observations d
               ON d.patient_id = s.patient_id AND d.effective = s.effective
             WHERE s.code = '8480-6' AND d.code = '8462-4' AND s.value > d.value"
        ) == systolic,
        "systolic above diastolic"
    );

    // Clinical content arrived, attached to patients, and lines were derived from it.
    assert!(env.int("SELECT count(*) FROM conditions") > 24);
    assert!(env.int("SELECT count(*) FROM drug_exposures") > 24);
    assert!(env.int("SELECT count(*) FROM procedures") > 0);
    assert!(env.int("SELECT count(*) FROM treatment_lines WHERE origin = 'derived'") > 0);
    assert!(
        env.int(
            "SELECT count(*) FROM drug_exposures
             WHERE source <> 'fhir' OR rxnorm IS NULL OR text = ''"
        ) == 0,
        "exposures are imported, RxNorm-coded, named"
    );
    assert!(report.evaluated >= 1);
    assert!(env.int("SELECT count(DISTINCT patient_id) FROM assessments") >= 8);
    // The MRN is the identifier typed MR (Synthea: its own uuid for the patient, not the
    // resource id, which is kept to match re-imports).
    let mrn: String = sql_on(&env.store)
        .query_row(
            "SELECT mrn FROM patients WHERE source_id = '27de96c6-6910-4f0f-8f10-00ce6090f447'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(mrn, "cb5696d9-a0de-4f49-94f9-433f96a28eb0");
    assert_eq!(env.store.integrity_check().unwrap(), ["ok"]);
    assert!(env.store.foreign_key_check().unwrap().is_empty());
}

#[test]
fn synthea_bundles_import_through_the_cli() {
    let Some(dir) = synthea_dir() else { return };
    let want = expected(&dir);
    let tmp = tempfile::TempDir::new().unwrap();
    let db = tmp.path().join("refract.db");

    let (code, summary, stderr) = cli_import(&db, std::slice::from_ref(&dir));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(summary["failed"], 0, "{summary:#}");
    assert_eq!(summary["imported"], want.files);
    assert_eq!(summary["patients"], 24);
    assert!(summary["skipped"]["Claim"].as_u64().unwrap() > 0);
    assert!(summary["observations"].as_u64().unwrap() >= 2 * want.systolic as u64);
    assert!(!stderr.contains("panicked"), "{stderr}");

    // The same folder again: nothing to do, not an error.
    let (code, summary, stderr) = cli_import(&db, std::slice::from_ref(&dir));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(summary["already_imported"], want.files);
    assert_eq!(summary["imported"], 0);
    assert_eq!(summary["patients"], 0);

    let output = refract()
        .arg("--db")
        .arg(&db)
        .args(["patients", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let rows: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(rows.len(), 24);
    // With --living, the list is of the living, as the dashboard's; stderr counts the others.
    let deceased = deceased_in(&dir).len();
    let output = refract()
        .arg("--db")
        .arg(&db)
        .args(["patients", "--json", "--living"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let rows: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(rows.len(), 24 - deceased);
    assert!(rows.iter().all(|row| row["deceased"] == false));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(&format!("{deceased} deceased patients not listed")),
        "{stderr}"
    );

    // The practitioner bundle alone, into a fresh database: no patient, no error.
    let practitioners = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("practitionerInformation"))
        .unwrap();
    let (code, summary, stderr) = cli_import(&tmp.path().join("other.db"), &[practitioners]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(summary["imported"], 1);
    assert_eq!(summary["patients"], 0);
    assert!(summary["skipped"]["Practitioner"].as_u64().unwrap() > 0);
}

/// The deceased of the bundles (`deceasedDateTime` or `deceasedBoolean: true`), by Patient id,
/// with the day of death written, read from the JSON independently of the importer.
fn deceased_in(dir: &Path) -> BTreeMap<String, Option<String>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let bundle: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        for entry in bundle["entry"].as_array().unwrap() {
            let resource = &entry["resource"];
            if resource["resourceType"] != "Patient" {
                continue;
            }
            let day = resource["deceasedDateTime"]
                .as_str()
                .map(|at| at[..10].to_owned());
            if day.is_some() || resource["deceasedBoolean"] == true {
                out.insert(resource["id"].as_str().unwrap().to_owned(), day);
            }
        }
    }
    out
}

#[test]
fn synthea_deceased_patients_raise_no_flag_and_nothing_goes_on_after_death() {
    let Some(dir) = synthea_dir() else { return };
    let deceased = deceased_in(&dir);
    assert!(deceased.len() >= 6, "the fixture set changed: {deceased:?}");
    let mut env = Env::new();
    env.import(std::slice::from_ref(&dir));
    let today = super::today();

    let mut assessed = 0;
    for (source_id, day) in &deceased {
        let id = env.int(&format!(
            "SELECT id FROM patients WHERE source_id = '{source_id}'"
        ));
        let record = env.store.record(refract::domain::PatientId(id)).unwrap();
        let patient = record.patient.as_ref().unwrap();
        assert!(patient.is_deceased(), "{source_id}");
        assert_eq!(
            patient.deceased_date.map(|d| d.to_string()),
            *day,
            "{source_id}"
        );
        let death = record.death_day().unwrap();
        // Ages stop at death.
        if let Some(birth) = patient.birth_date {
            assert_eq!(
                patient.age_on(today),
                refract::domain::age_in_years(birth, death),
                "{source_id}"
            );
        }
        // No drug, and no line, goes on after death.
        for exposure in &record.exposures {
            let end = exposure.end.map(|end| end.date());
            assert!(
                end.is_some_and(|end| end <= death || end == exposure.start.date()),
                "{source_id}: {exposure:?} after {death}"
            );
            assert!(!exposure.active_on(today), "{source_id}: {exposure:?}");
        }
        for line in &record.lines {
            assert!(
                line.end.is_some_and(|end| end <= death.max(line.start)),
                "{source_id}: {line:?}"
            );
        }
        // No flag: every assessment says the patient died, and why there is no flag.
        for item in env
            .store
            .assessments(refract::domain::PatientId(id))
            .unwrap()
        {
            let assessment = &item.assessment;
            assert_eq!(
                assessment.status,
                refract::domain::AssessmentStatus::InsufficientData,
                "{source_id}: {assessment:?}"
            );
            assert_eq!(assessment.label, refract::rules::DECEASED_LABEL);
            assert!(
                assessment.reasons[0].contains("no new flag"),
                "{:?}",
                assessment.reasons
            );
            // What the criteria read up to death is still said, as context.
            assert!(
                assessment.reasons[1].starts_with("up to death, the criteria read: "),
                "{:?}",
                assessment.reasons
            );
            assessed += 1;
        }
    }
    // Issue 15: 6 of the 8 patients flagged in these bundles died long ago.
    assert!(assessed >= 6, "{assessed}");
    // The living are assessed as before.
    assert!(
        env.int(
            "SELECT count(*) FROM assessments a JOIN patients p ON p.id = a.patient_id
             WHERE p.deceased = 0 AND a.label <> 'deceased: no new flag'"
        ) > 0
    );
}
