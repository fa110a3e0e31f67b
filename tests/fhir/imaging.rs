//! Imaging as EHRs and PACS send it (G2-3): an `ImagingStudy` (its modality, body site,
//! description, procedure code) and a radiology `DiagnosticReport` are the study done, kept as
//! an imaging row ("Imaging: …") dated by the study, so that a brain MRI, a PET-CT or a skeletal
//! survey recorded only there ticks the re-evaluation checklist's imaging item, and both exports
//! read back the same.

use refract::domain::{ChecklistItem, PatientId};
use serde_json::{Value, json};

use super::{Env, ICD10, LOINC, SNOMED, bundle, condition, epilepsy_bundle, patient};

const DICOM: &str = "http://dicom.nema.org/resources/ontology/DCM";

/// The epilepsy bundle of patient `pe` with `extra` resources added.
fn epilepsy_with(extra: &[Value]) -> Value {
    let mut document = epilepsy_bundle("pe", "PE1", ("266721009", "No response to treatment"));
    let entries = document["entry"].as_array_mut().unwrap();
    for resource in extra {
        let id = resource["id"].as_str().unwrap();
        entries.push(json!({"fullUrl": format!("urn:uuid:{id}"), "resource": resource}));
    }
    document
}

/// An ImagingStudy of `series` (modality code, body site display), started on 1 February 2024.
fn study(id: &str, series: &[(&str, &str)]) -> Value {
    json!({
        "resourceType": "ImagingStudy",
        "id": id,
        "status": "available",
        "subject": {"reference": "urn:uuid:pe"},
        "started": "2024-02-01T09:30:00+00:00",
        "series": series.iter().enumerate().map(|(index, (modality, site))| json!({
            "uid": format!("1.2.3.{index}"),
            "modality": {"system": DICOM, "code": modality},
            "bodySite": {"system": SNOMED, "code": "0", "display": site},
        })).collect::<Vec<_>>(),
    })
}

fn report(id: &str, category: &str, code: (&str, &str), conclusion: &str) -> Value {
    json!({
        "resourceType": "DiagnosticReport",
        "id": id,
        "status": "final",
        "category": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/v2-0074",
            "code": category
        }]}],
        "code": {"coding": [{"system": LOINC, "code": code.0, "display": code.1}]},
        "subject": {"reference": "urn:uuid:pe"},
        "effectiveDateTime": "2024-02-01",
        "issued": "2024-02-03T10:00:00Z",
        "conclusion": conclusion
    })
}

fn imported(document: &Value) -> Env {
    let mut env = Env::new();
    let path = env.write_json("a.json", document);
    env.import_ok(&path);
    env
}

fn item(env: &Env, ruleset: &str, key: &str) -> ChecklistItem {
    let view = refract::way_forward::load(&env.store, &env.rules, PatientId(1), ruleset).unwrap();
    view.plan
        .checklist
        .into_iter()
        .find(|item| item.key == key)
        .unwrap_or_else(|| panic!("no checklist item {key}"))
}

/// (performed day, display) of patient 1's procedure rows.
fn procedures(env: &Env) -> Vec<Vec<String>> {
    env.rows("SELECT substr(performed, 1, 10), display FROM procedures ORDER BY performed, id")
}

#[test]
fn an_imaging_study_of_the_brain_ticks_the_mri_item_and_is_kept_as_imaging() {
    let env = imported(&epilepsy_with(&[study("is1", &[("MR", "Brain")])]));
    assert_eq!(procedures(&env), [["2024-02-01", "Imaging: MRI, Brain"]]);
    let mri = item(&env, "epilepsy", "mri");
    assert!(mri.done, "{mri:?}");
    let detail = mri.detail.unwrap_or_default();
    assert!(
        detail.starts_with("from the record: brain MRI: Imaging: MRI, Brain")
            && detail.contains("2024-02-01"),
        "{detail}"
    );

    // Synthea's shape: a thoracic ultrasound is imaging, no brain MRI.
    let env = imported(&epilepsy_with(&[study("is1", &[("US", "thoracic")])]));
    assert_eq!(
        procedures(&env),
        [["2024-02-01", "Imaging: ultrasound, thoracic"]]
    );
    assert!(!item(&env, "epilepsy", "mri").done);

    // A study whose description says what it is is named by it; what it leaves out is added.
    let mut described = study("is1", &[("MR", "Head")]);
    described["description"] = json!("Epilepsy protocol 3T");
    let env = imported(&epilepsy_with(&[described]));
    assert_eq!(
        procedures(&env),
        [["2024-02-01", "Imaging: Epilepsy protocol 3T (MRI, Head)"]]
    );
    assert!(item(&env, "epilepsy", "mri").done);

    // Registered only: nothing is available yet, so no study done.
    let mut registered = study("is1", &[("MR", "Brain")]);
    registered["status"] = json!("registered");
    let env = imported(&epilepsy_with(&[registered]));
    assert!(procedures(&env).is_empty());
    assert!(!item(&env, "epilepsy", "mri").done);
}

#[test]
fn a_study_entered_in_error_takes_the_stored_one_out() {
    let mut env = imported(&epilepsy_with(&[study("is1", &[("MR", "Brain")])]));
    assert_eq!(procedures(&env).len(), 1);
    let mut wrong = study("is1", &[("MR", "Brain")]);
    wrong["status"] = json!("entered-in-error");
    let path = env.write_json("b.json", &epilepsy_with(&[wrong]));
    env.import_ok(&path);
    assert!(procedures(&env).is_empty());
    assert!(!item(&env, "epilepsy", "mri").done);
}

#[test]
fn a_radiology_report_with_no_response_is_the_study_done() {
    let env = imported(&epilepsy_with(&[report(
        "dr1",
        "RAD",
        ("24590-2", "MR Brain"),
        "No focal lesion.",
    )]));
    assert_eq!(procedures(&env), [["2024-02-01", "Imaging: MR Brain"]]);
    assert!(item(&env, "epilepsy", "mri").done);

    // A laboratory report is no imaging: skipped as before.
    let mut env = Env::new();
    let path = env.write_json(
        "a.json",
        &epilepsy_with(&[report("dr1", "LAB", ("58410-2", "CBC panel"), "Normal.")]),
    );
    let file = env.import_ok(&path);
    assert!(procedures(&env).is_empty());
    assert!(
        file.skipped
            .contains_key(refract::fhir::REPORT_WITHOUT_RESPONSE),
        "{:?}",
        file.skipped
    );
}

#[test]
fn whole_body_imaging_and_a_pet_ct_study_tick_the_myeloma_imaging_item() {
    let myeloma = |extra: Value| {
        imported(&bundle(
            "collection",
            &[
                patient("pe", "PE1", "Okafor", "Ada"),
                condition(
                    "dx",
                    "urn:uuid:pe",
                    ICD10,
                    "C90.00",
                    "Multiple myeloma not having achieved remission",
                ),
                extra,
            ],
        ))
    };
    let mut low_dose = study("is1", &[("CT", "Entire body")]);
    low_dose["description"] = json!("Whole body low-dose CT");
    let env = myeloma(low_dose);
    assert!(item(&env, "myeloma", "imaging").done);

    let env = myeloma(study(
        "is1",
        &[("PT", "Skull base to mid-thigh"), ("CT", "")],
    ));
    assert_eq!(
        procedures(&env),
        [["2024-02-01", "Imaging: PET, CT, Skull base to mid-thigh"]]
    );
    assert!(item(&env, "myeloma", "imaging").done);

    let env = myeloma(study("is1", &[("CR", "Chest")]));
    assert!(!item(&env, "myeloma", "imaging").done, "a chest X-ray");
}

#[test]
fn imaging_survives_both_exports() {
    let mut env = imported(&epilepsy_with(&[
        study("is1", &[("MR", "Brain")]),
        report("dr1", "RAD", ("24590-2", "MR Brain"), "No focal lesion."),
    ]));
    let kept = procedures(&env);
    assert_eq!(kept.len(), 2, "{kept:?}");
    for format in ["json", "fhir"] {
        let out = env.path(&format!("out.{format}"));
        let output = super::refract()
            .arg("--db")
            .arg(env.db())
            .args(["export", "--format", format, "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        let mut copy = Env::new();
        copy.import_ok(&out);
        assert_eq!(procedures(&copy), kept, "{format}");
        assert!(item(&copy, "epilepsy", "mri").done, "{format}");
    }
    let _ = &mut env;
}

/// A restaging PET-CT report stating a response is both: the disease status it states, as
/// before, and the study done, which ticks lymphoma's restaging item.
#[test]
fn a_pet_ct_report_stating_progression_is_the_status_and_the_study() {
    let mut pet = report(
        "dr1",
        "NMS",
        ("81555-5", "PET+CT Whole body"),
        "Progressive metabolic disease (Lugano), Deauville 5 with new FDG-avid nodes.",
    );
    pet["code"]["text"] = json!("PET-CT skull base to mid-thigh");
    let env = imported(&bundle(
        "collection",
        &[
            patient("pe", "PE1", "Okafor", "Ada"),
            condition(
                "dx",
                "urn:uuid:pe",
                ICD10,
                "C83.30",
                "Diffuse large B-cell lymphoma, unspecified site",
            ),
            pet,
        ],
    ));
    assert_eq!(
        procedures(&env),
        [["2024-02-01", "Imaging: PET-CT skull base to mid-thigh"]]
    );
    assert_eq!(
        env.int("SELECT count(*) FROM observations WHERE code = '97509-4'"),
        1
    );
    let staging = item(&env, "lbcl", "staging");
    assert!(staging.done, "{staging:?}");
}

/// An imaging study is no treatment: one whose words name the surgery it follows up is not that
/// surgery tried, nor is a PET-CT after CAR T-cell therapy that therapy given.
#[test]
fn a_study_naming_a_surgery_is_not_the_surgery() {
    let mut follow_up = study("is1", &[("MR", "Brain")]);
    follow_up["description"] = json!("MRI brain after left temporal lobectomy");
    let env = imported(&epilepsy_with(&[follow_up]));
    assert!(item(&env, "epilepsy", "mri").done);
    let view =
        refract::way_forward::load(&env.store, &env.rules, PatientId(1), "epilepsy").unwrap();
    let surgery = view
        .board
        .iter()
        .find(|entry| {
            entry
                .catalogue
                .as_ref()
                .is_some_and(|c| c.key == "epilepsy_surgery")
        })
        .expect("the surgery option");
    assert_eq!(surgery.tried, None);
}
