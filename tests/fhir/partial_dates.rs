//! Dates of a month or a year only (R4 `dateTime` as "2024-05" or "2019") on a measurement and on
//! a diagnosis's onset and abatement: kept at the precision written, so that `show` and both
//! exports write "2024-05", never a first day the record never said (review R1-4).

use std::path::Path;

use serde_json::{Value, json};

use super::{cli_import, refract, write_json};

fn run(db: &Path, args: &[&str]) -> String {
    let output = refract().arg("--db").arg(db).args(args).output().unwrap();
    assert!(output.status.success(), "{args:?}: {output:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// One patient (MRN PD1) with a depression diagnosis of onset `onset` (abated `abatement`) and
/// a blood pressure panel taken `measured`.
fn bundle(onset: &str, abatement: Option<&str>, measured: &str) -> Value {
    let mut condition = json!({
        "resourceType": "Condition", "id": "c1",
        "subject": {"reference": "Patient/p1"},
        "clinicalStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
            "code": if abatement.is_some() { "resolved" } else { "active" }}]},
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "35489007",
                             "display": "Depressive disorder"}]},
        "onsetDateTime": onset
    });
    if let Some(abatement) = abatement {
        condition["abatementDateTime"] = json!(abatement);
    }
    let component = |code: &str, value: f64| {
        json!({"code": {"coding": [{"system": "http://loinc.org", "code": code}]},
               "valueQuantity": {"value": value, "unit": "mmHg",
                                 "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}})
    };
    json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "p1",
                      "identifier": [{"system": "urn:oid:1.2.3.4.mrn", "value": "PD1"}],
                      "name": [{"family": "Partial", "given": ["Dates"]}],
                      "birthDate": "1960-01-01", "gender": "female"}},
        {"resource": condition},
        {"resource": {"resourceType": "Observation", "id": "bp1", "status": "final",
                      "subject": {"reference": "Patient/p1"},
                      "category": [{"coding": [{
                          "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                          "code": "vital-signs"}]}],
                      "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9",
                                           "display": "Blood pressure panel"}]},
                      "effectiveDateTime": measured,
                      "component": [component("8480-6", 150.0), component("8462-4", 95.0)]}}
    ]})
}

/// The FHIR export's resources of `kind`.
fn exported(db: &Path, kind: &str) -> Vec<Value> {
    let bundle: Value = serde_json::from_str(&run(db, &["export", "--format", "fhir"])).unwrap();
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["resource"].clone())
        .filter(|resource| resource["resourceType"] == kind)
        .collect()
}

/// What the FHIR export writes of the dates, and what `show` says of them.
fn dates_of(db: &Path) -> (Value, Value, Vec<Value>, String) {
    let conditions = exported(db, "Condition");
    let observations = exported(db, "Observation");
    (
        conditions[0]["onsetDateTime"].clone(),
        conditions[0]["abatementDateTime"].clone(),
        observations
            .iter()
            .map(|o| o["effectiveDateTime"].clone())
            .collect(),
        run(db, &["show", "PD1"]),
    )
}

#[test]
fn a_month_or_a_year_is_shown_exported_and_read_back_as_written() {
    for (onset, abatement, measured) in [
        ("2019-05", Some("2019-06"), "2024-05"),
        ("2019", None, "2024"),
        ("2019-05-10", Some("2020-01-02"), "2024-05-01"),
    ] {
        let dir = tempfile::TempDir::new().unwrap();
        let db = dir.path().join("refract.db");
        let file = write_json(
            &dir.path().join("p.json"),
            &bundle(onset, abatement, measured),
        );
        let (code, summary, stderr) = cli_import(&db, &[file]);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(summary["failed"], 0, "{summary:#}");

        let check = |db: &Path, how: &str| {
            let (shown_onset, shown_abatement, effective, shown) = dates_of(db);
            assert_eq!(shown_onset, json!(onset), "{how}");
            assert_eq!(shown_abatement, json!(abatement), "{how}");
            assert_eq!(effective, vec![json!(measured), json!(measured)], "{how}");
            assert!(shown.contains(&format!("since {onset}")), "{how}: {shown}");
            if let Some(abatement) = abatement {
                assert!(
                    shown.contains(&format!("until {abatement}")),
                    "{how}: {shown}"
                );
            }
            assert!(
                shown.contains(&format!("latest 150 mmHg on {measured} ")),
                "{how}: {shown}"
            );
        };
        check(&db, "imported");

        // refract's own document carries them, and a FHIR export read back keeps them.
        for format in ["json", "fhir"] {
            let out = dir.path().join(format!("out.{format}"));
            run(
                &db,
                &["export", "--format", format, "--out", out.to_str().unwrap()],
            );
            let copy = dir.path().join(format!("copy-{format}.db"));
            let output = refract()
                .arg("--db")
                .arg(&copy)
                .arg("import")
                .arg(&out)
                .output()
                .unwrap();
            assert!(output.status.success(), "{output:?}");
            check(&copy, format);
        }
    }
}

/// A measurement over a period whose start (or end) is a month or a year alone keeps each end's
/// precision: "2026-03" is every day of March, not 1 March, and an export writes it as read
/// (R4 `Period.start` is a `dateTime`, as `effectiveDateTime`). A period open at its end is
/// dated by its start, at that start's precision.
#[test]
fn a_period_of_a_month_or_a_year_keeps_the_precision_of_each_end() {
    for (start, end) in [
        ("2026-03", Some("2026-05-10")),
        ("2025", Some("2026-05")),
        ("2026-03", None),
        ("2026-03-02", Some("2026-04")),
    ] {
        let dir = tempfile::TempDir::new().unwrap();
        let db = dir.path().join("refract.db");
        let mut value = bundle("2019-05-10", None, "2024-05-01");
        let observation = &mut value["entry"][2]["resource"];
        observation
            .as_object_mut()
            .unwrap()
            .remove("effectiveDateTime");
        observation["effectivePeriod"] = match end {
            Some(end) => json!({"start": start, "end": end}),
            None => json!({"start": start}),
        };
        let file = write_json(&dir.path().join("p.json"), &value);
        let (code, summary, stderr) = cli_import(&db, &[file]);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(summary["failed"], 0, "{summary:#}");

        let check = |db: &Path, how: &str| {
            for o in exported(db, "Observation") {
                let written = match end {
                    Some(_) => (
                        o["effectivePeriod"]["start"].clone(),
                        o["effectivePeriod"]["end"].clone(),
                    ),
                    None => (o["effectiveDateTime"].clone(), json!(null)),
                };
                assert_eq!(written, (json!(start), json!(end)), "{how}: {o:#}");
            }
        };
        check(&db, "imported");
        for format in ["json", "fhir"] {
            let out = dir.path().join(format!("out.{format}"));
            run(
                &db,
                &["export", "--format", format, "--out", out.to_str().unwrap()],
            );
            let copy = dir.path().join(format!("copy-{format}.db"));
            let output = refract()
                .arg("--db")
                .arg(&copy)
                .arg("import")
                .arg(&out)
                .output()
                .unwrap();
            assert!(output.status.success(), "{output:?}");
            check(&copy, format);
        }
    }
}

/// A diagnosis's `recordedDate` of a month or a year alone (R4: a dateTime) keeps its
/// precision as the onset does: exported, and read back from either export, as written, never
/// as a first day the record never gave.
#[test]
fn a_recorded_date_of_a_month_or_a_year_is_exported_and_read_back_as_written() {
    for recorded in ["2026-03", "2025", "2026-03-02"] {
        let dir = tempfile::TempDir::new().unwrap();
        let db = dir.path().join("refract.db");
        let mut value = bundle("2019-05-10", None, "2024-05-01");
        value["entry"][1]["resource"]["recordedDate"] = json!(recorded);
        let file = write_json(&dir.path().join("p.json"), &value);
        let (code, summary, stderr) = cli_import(&db, &[file]);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(summary["failed"], 0, "{summary:#}");
        let check = |db: &Path, how: &str| {
            let conditions = exported(db, "Condition");
            assert_eq!(conditions[0]["recordedDate"], json!(recorded), "{how}");
        };
        check(&db, "imported");
        for format in ["json", "fhir"] {
            let out = dir.path().join(format!("out.{format}"));
            run(
                &db,
                &["export", "--format", format, "--out", out.to_str().unwrap()],
            );
            let copy = dir.path().join(format!("copy-{format}.db"));
            let output = refract()
                .arg("--db")
                .arg(&copy)
                .arg("import")
                .arg(&out)
                .output()
                .unwrap();
            assert!(output.status.success(), "{output:?}");
            check(&copy, format);
        }
    }
}
