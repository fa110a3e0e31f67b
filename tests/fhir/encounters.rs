//! Where a blood pressure was taken, read from the Encounter its Observation belongs to
//! (`Observation.encounter`, STU3 `context`): a reading taken during an inpatient stay, an
//! emergency visit, an observation or short stay or a pre-admission visit is no office reading
//! (AHA 2018 judges resistant hypertension on office readings confirmed out of the office),
//! wherever the Encounter is: earlier or later in the file, in another file of the folder, or
//! imported before. A virtual visit's reading is the patient's own (a home reading); every other
//! class, an Encounter found nowhere, or none, leaves the reading as it was read.

use std::path::PathBuf;

use refract::import::ImportOptions;
use serde_json::{Value, json};

use super::{Env, ICD10, LOINC, bundle, coding, condition, patient, refract, statement};

const SUBJECT: &str = "Patient/enc-pt";
const ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";

/// A cuff blood pressure panel (LOINC 85354-9 with 8480-6 and 8462-4) in `encounter`.
fn cuff(id: &str, day: &str, (systolic, diastolic): (u32, u32), encounter: Option<&str>) -> Value {
    let mut reading = json!({
        "resourceType": "Observation",
        "id": id,
        "status": "final",
        "category": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "vital-signs"
        }]}],
        "subject": {"reference": SUBJECT},
        "code": coding(LOINC, "85354-9", "Blood pressure panel with all children optional"),
        "effectiveDateTime": day,
        "component": [
            {"code": coding(LOINC, "8480-6", "Systolic blood pressure"),
             "valueQuantity": {"value": systolic, "unit": "mm[Hg]"}},
            {"code": coding(LOINC, "8462-4", "Diastolic blood pressure"),
             "valueQuantity": {"value": diastolic, "unit": "mm[Hg]"}}
        ]
    });
    if let Some(encounter) = encounter {
        reading["encounter"] = json!({"reference": encounter});
    }
    reading
}

/// An R4 Encounter whose `class` is `class` (a Coding).
fn encounter(id: &str, class: &Value) -> Value {
    json!({
        "resourceType": "Encounter",
        "id": id,
        "status": "finished",
        "class": class,
        "subject": {"reference": SUBJECT},
        "period": {"start": "2026-11-10T08:00:00Z", "end": "2026-11-14T12:00:00Z"}
    })
}

fn act_code(code: &str) -> Value {
    json!({"system": ACT_CODE, "code": code})
}

/// A patient with hypertension on three classes at full dose since January, at goal at two
/// office visits (October, November).
fn on_three_classes() -> Vec<Value> {
    let drug = |id: &str, code: &str, text: &str| {
        statement(id, SUBJECT, (code, text), "active", "2026-01-01", None)
    };
    vec![
        patient("enc-pt", "ENC-1", "Lund", "Kari"),
        condition("enc-htn", SUBJECT, ICD10, "I10", "Essential hypertension"),
        drug("enc-aml", "308135", "amlodipine 10 MG Oral Tablet"),
        drug("enc-val", "349201", "valsartan 320 MG Oral Tablet"),
        drug("enc-hct", "310798", "hydrochlorothiazide 25 MG Oral Tablet"),
        cuff("enc-office-1", "2026-10-01T10:00:00Z", (124, 76), None),
        cuff("enc-office-2", "2026-10-20T10:00:00Z", (126, 78), None),
    ]
}

/// High readings on two days of a stay (or visit) `encounter`.
fn high_in(encounter: &str) -> Vec<Value> {
    vec![
        cuff(
            "enc-stay-1",
            "2026-11-11T07:00:00Z",
            (176, 102),
            Some(encounter),
        ),
        cuff(
            "enc-stay-2",
            "2026-11-13T07:00:00Z",
            (172, 98),
            Some(encounter),
        ),
    ]
}

fn hypertension(env: &Env) -> String {
    env.rows("SELECT status FROM assessments WHERE ruleset = 'hypertension'")
        .into_iter()
        .next()
        .map(|row| row[0].clone())
        .unwrap_or_default()
}

/// The settings of the high readings (their systolics), in date order.
fn stay_settings(env: &Env) -> Vec<String> {
    env.rows(
        "SELECT coalesce(setting, '-') FROM observations
         WHERE code = '8480-6' AND value > 150 ORDER BY effective",
    )
    .into_iter()
    .map(|row| row[0].clone())
    .collect()
}

fn import_bundle(resources: &[Value]) -> Env {
    let mut env = Env::new();
    let path = env.write_json("record.json", &bundle("collection", resources));
    env.import_ok(&path);
    env
}

#[test]
fn cuff_readings_of_an_inpatient_stay_are_no_office_readings() {
    let mut resources = on_three_classes();
    resources.push(encounter("enc-stay", &act_code("IMP")));
    resources.extend(high_in("Encounter/enc-stay"));
    let env = import_bundle(&resources);
    assert_eq!(stay_settings(&env), ["hospital", "hospital"]);
    assert_eq!(hypertension(&env), "not_met");
    let detail = env.rows("SELECT detail FROM assessments WHERE ruleset = 'hypertension'");
    assert!(
        detail[0][0].contains(
            "2 blood pressure readings taken in hospital or the emergency department \
             (2026-11-11 to 2026-11-13) not read"
        ),
        "{detail:?}"
    );
    // Written resource by resource in short transactions (a large file), the same.
    let mut staged = Env::new();
    let path = staged.write_json("record.json", &bundle("collection", &resources));
    let report = staged.import_with(
        &[path],
        &ImportOptions {
            one_transaction_bytes: Some(0),
            ..ImportOptions::default()
        },
    );
    assert_eq!(report.failed, 0, "{report:#?}");
    assert_eq!(stay_settings(&staged), ["hospital", "hospital"]);
    assert_eq!(hypertension(&staged), "not_met");

    // The same readings at an outpatient (ambulatory) visit are office readings.
    let mut resources = on_three_classes();
    resources.push(encounter("enc-stay", &act_code("AMB")));
    resources.extend(high_in("Encounter/enc-stay"));
    let env = import_bundle(&resources);
    assert_eq!(stay_settings(&env), ["office", "office"]);
    assert_eq!(hypertension(&env), "resistant");
}

/// Every class of acute hospital care, R4 and R5 shapes, codes and words alone; the classes
/// that leave a reading where it was (ambulatory, home health, field, one refract does not
/// know, no class) and a virtual visit (the patient's own reading).
#[test]
fn an_encounters_class_says_where_its_readings_were_taken() {
    let cases: [(&str, Value, &str); 16] = [
        ("imp", json!(act_code("IMP")), "hospital"),
        ("acute", json!(act_code("ACUTE")), "hospital"),
        ("nonac", json!(act_code("NONAC")), "hospital"),
        ("emer", json!(act_code("EMER")), "hospital"),
        ("obsenc", json!(act_code("OBSENC")), "hospital"),
        ("ss", json!(act_code("SS")), "hospital"),
        ("prenc", json!(act_code("PRENC")), "hospital"),
        // R5: a list of CodeableConcepts.
        ("r5", json!([{"coding": [act_code("EMER")]}]), "hospital"),
        // Words alone, where there is no code.
        ("words", json!({"display": "Inpatient"}), "hospital"),
        ("emergency", json!({"display": "Emergency"}), "hospital"),
        ("vr", json!(act_code("VR")), "home"),
        ("amb", json!(act_code("AMB")), "office"),
        ("hh", json!(act_code("HH")), "office"),
        ("fld", json!(act_code("FLD")), "office"),
        (
            "unknown",
            json!({"system": ACT_CODE, "code": "XYZ"}),
            "office",
        ),
        ("none", Value::Null, "office"),
    ];
    let mut resources = vec![patient("enc-pt", "ENC-1", "Lund", "Kari")];
    for (index, (id, class, _)) in cases.iter().enumerate() {
        let mut visit = encounter(id, class);
        if class.is_null() {
            visit.as_object_mut().unwrap().remove("class");
        }
        resources.push(visit);
        let day = format!("2026-10-{:02}T10:00:00Z", index + 1);
        resources.push(cuff(
            &format!("bp-{id}"),
            &day,
            (160, 100),
            Some(&format!("Encounter/{id}")),
        ));
    }
    // An Encounter found nowhere, and a reading with none: as read.
    resources.push(cuff(
        "bp-dangling",
        "2026-10-20T10:00:00Z",
        (160, 100),
        Some("Encounter/nowhere"),
    ));
    resources.push(cuff(
        "bp-no-visit",
        "2026-10-21T10:00:00Z",
        (160, 100),
        None,
    ));
    let env = import_bundle(&resources);
    let mut want: Vec<&str> = cases.iter().map(|(_, _, setting)| *setting).collect();
    want.extend(["office", "office"]);
    assert_eq!(stay_settings(&env), want);
}

/// STU3 names the visit `context`; a reference by the entry's bundle URL resolves too.
#[test]
fn an_stu3_context_and_a_bundle_url_name_the_encounter() {
    let mut stu3 = cuff("bp-stu3", "2026-10-01T10:00:00Z", (160, 100), None);
    stu3["context"] = json!({"reference": "Encounter/stu3-visit"});
    let resources = vec![
        patient("enc-pt", "ENC-1", "Lund", "Kari"),
        cuff(
            "bp-url",
            "2026-10-02T10:00:00Z",
            (160, 100),
            Some("urn:uuid:url-visit"),
        ),
        stu3,
        encounter("stu3-visit", &act_code("EMER")),
        encounter("url-visit", &act_code("IMP")),
    ];
    let env = import_bundle(&resources);
    assert_eq!(stay_settings(&env), ["hospital", "hospital"]);
}

fn ndjson(resources: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for resource in resources {
        out.extend(serde_json::to_vec(resource).unwrap());
        out.push(b'\n');
    }
    out
}

/// A Bulk export's Encounter.ndjson is read in its place among the folder's files, or after
/// the Observations in a run of its own: the readings follow it whatever the order.
#[test]
fn an_encounter_in_another_file_resolves_whatever_the_order() {
    let records = on_three_classes();
    let (patients, rest): (Vec<Value>, Vec<Value>) = records
        .into_iter()
        .partition(|r| r["resourceType"] == "Patient");
    let mut observations: Vec<Value> = rest
        .iter()
        .filter(|r| r["resourceType"] == "Observation")
        .cloned()
        .collect();
    observations.extend(high_in("Encounter/enc-stay"));
    let others: Vec<Value> = rest
        .into_iter()
        .filter(|r| r["resourceType"] != "Observation")
        .collect();
    let visit = encounter("enc-stay", &act_code("EMER"));

    // One folder, the Encounters' file named to come after the Observations'.
    let mut env = Env::new();
    env.write_bytes("export/Patient.ndjson", &ndjson(&patients));
    env.write_bytes("export/Condition.ndjson", &ndjson(&others));
    env.write_bytes("export/Observation.ndjson", &ndjson(&observations));
    env.write_bytes(
        "export/ZZ-Encounter.ndjson",
        &ndjson(std::slice::from_ref(&visit)),
    );
    let report = env.import(&[env.path("export")]);
    assert_eq!(report.failed, 0, "{report:#?}");
    assert_eq!(stay_settings(&env), ["hospital", "hospital"]);
    assert_eq!(hypertension(&env), "not_met");

    // The Encounter alone, in a later run.
    let mut env = Env::new();
    env.write_bytes("first/Patient.ndjson", &ndjson(&patients));
    env.write_bytes("first/Condition.ndjson", &ndjson(&others));
    env.write_bytes("first/Observation.ndjson", &ndjson(&observations));
    env.import(&[env.path("first")]);
    assert_eq!(hypertension(&env), "resistant");
    let later: PathBuf = env.write_bytes("later/Encounter.ndjson", &ndjson(&[visit]));
    let report = env.import(&[later]);
    assert_eq!(report.failed, 0, "{report:#?}");
    assert_eq!(stay_settings(&env), ["hospital", "hospital"]);
    assert_eq!(hypertension(&env), "not_met");
}

/// An Encounter sent again with another class changes its readings, both ways.
#[test]
fn an_encounters_class_changed_on_reimport_changes_its_readings() {
    let record = |class: &str| {
        let mut resources = on_three_classes();
        resources.push(encounter("enc-stay", &act_code(class)));
        resources.extend(high_in("Encounter/enc-stay"));
        bundle("collection", &resources)
    };
    let mut env = Env::new();
    let path = env.write_json("record.json", &record("IMP"));
    env.import_ok(&path);
    assert_eq!(hypertension(&env), "not_met");
    let path = env.write_json("record.json", &record("AMB"));
    env.import_ok(&path);
    assert_eq!(stay_settings(&env), ["office", "office"]);
    assert_eq!(hypertension(&env), "resistant");
    let path = env.write_json("record.json", &record("EMER"));
    env.import_ok(&path);
    assert_eq!(stay_settings(&env), ["hospital", "hospital"]);
    assert_eq!(hypertension(&env), "not_met");
    // Entered in error: no visit is known, the readings are read as they were.
    let mut withdrawn = encounter("enc-stay", &act_code("IMP"));
    withdrawn["status"] = json!("entered-in-error");
    let path = env.write_json("withdrawn.json", &bundle("collection", &[withdrawn]));
    env.import_ok(&path);
    assert_eq!(stay_settings(&env), ["office", "office"]);
}

/// refract's own FHIR export says where the readings were taken, so that importing it
/// elsewhere reads them the same way.
#[test]
fn the_export_keeps_a_hospital_reading_apart() {
    let mut resources = on_three_classes();
    resources.push(encounter("enc-stay", &act_code("IMP")));
    resources.extend(high_in("Encounter/enc-stay"));
    let env = import_bundle(&resources);
    let out = env.path("export.json");
    refract()
        .arg("--db")
        .arg(env.db())
        .args(["export", "--format", "fhir", "--out"])
        .arg(&out)
        .assert()
        .success();
    let mut again = Env::new();
    again.import_ok(&out);
    assert_eq!(stay_settings(&again), ["hospital", "hospital"]);
    assert_eq!(hypertension(&again), "not_met");
}

/// An STU3 sender writes its class under STU3's URIs (`http://hl7.org/fhir/v3/ActCode`,
/// `…/v2/0004`) and names the visit `context`; a local patient class worded "Observation" is
/// an observation stay: each such stay's readings are hospital readings, never office ones.
#[test]
fn an_stu3_class_uri_or_a_worded_observation_stay_is_a_hospital_stay() {
    for class in [
        json!({"system": "http://hl7.org/fhir/v3/ActCode", "code": "IMP"}),
        json!({"system": "http://hl7.org/fhir/v2/0004", "code": "E"}),
        json!({"system": "urn:oid:1.2.840.114350.1.72.1.7.7.10.696784.13260", "code": "4",
               "display": "Observation"}),
        json!({"system": "urn:local", "code": "OIB", "display": "Outpatient in a Bed"}),
    ] {
        let mut resources = on_three_classes();
        resources.push(encounter("enc-stay", &class));
        for mut reading in high_in("Encounter/enc-stay") {
            let visit = reading
                .as_object_mut()
                .unwrap()
                .remove("encounter")
                .unwrap();
            reading["context"] = visit;
            resources.push(reading);
        }
        let env = import_bundle(&resources);
        assert_eq!(stay_settings(&env), ["hospital", "hospital"], "{class}");
        assert_eq!(hypertension(&env), "not_met", "{class}");
    }
}

/// A transaction-style entry may carry no `id`: the Encounter is then named by its entry's
/// `fullUrl` (`urn:uuid:…`), which the readings refer to.
#[test]
fn an_encounter_with_no_id_is_found_by_its_bundle_url() {
    let mut resources = on_three_classes();
    let mut stay = encounter("enc-stay", &act_code("IMP"));
    stay.as_object_mut().unwrap().remove("id");
    resources.extend(high_in("urn:uuid:8f0c3a52-enc"));
    let mut file = bundle("collection", &resources);
    file["entry"]
        .as_array_mut()
        .unwrap()
        .push(json!({"fullUrl": "urn:uuid:8f0c3a52-enc", "resource": stay}));
    let mut env = Env::new();
    let path = env.write_json("record.json", &file);
    env.import_ok(&path);
    assert_eq!(stay_settings(&env), ["hospital", "hospital"]);
    assert_eq!(hypertension(&env), "not_met");
}

/// The import's summary says what refract knows of an Encounter it does not keep: an
/// outpatient visit is "not in hospital", a class refract cannot read (a local code with no
/// words, no class) is counted as such, never as an outpatient visit.
#[test]
fn an_encounter_whose_class_is_unread_is_counted_as_unread() {
    let mut env = Env::new();
    let mut none = encounter("none", &Value::Null);
    none.as_object_mut().unwrap().remove("class");
    let resources = vec![
        patient("enc-pt", "ENC-1", "Lund", "Kari"),
        encounter("amb", &act_code("AMB")),
        encounter(
            "local",
            &json!({"system": "urn:oid:1.2.3.999", "code": "X7"}),
        ),
        none,
    ];
    let path = env.write_json("record.json", &bundle("collection", &resources));
    let file = env.import_ok(&path);
    assert_eq!(
        file.skipped.get("Encounter (not in hospital)"),
        Some(&1),
        "{:?}",
        file.skipped
    );
    assert_eq!(
        file.skipped.get("Encounter (class refract does not read)"),
        Some(&2),
        "{:?}",
        file.skipped
    );
}

/// ST-9. R4 encounter-status `planned` ("has not yet started") and `cancelled` ("ended before it
/// has begun"): a stay that did not happen is no place a reading was taken. High office
/// readings filed under a cancelled admission were read as hospital readings and left out: a
/// resistant hypertension missed. Sent later as cancelled, a stay kept earlier in progress no
/// longer moves its readings.
#[test]
fn a_planned_or_cancelled_stay_is_no_place_a_reading_was_taken() {
    for status in ["planned", "cancelled"] {
        let mut resources = on_three_classes();
        let mut stay = encounter("enc-stay", &act_code("IMP"));
        stay["status"] = json!(status);
        resources.push(stay);
        resources.extend(high_in("Encounter/enc-stay"));
        let env = import_bundle(&resources);
        assert_eq!(stay_settings(&env), ["office", "office"], "{status}");
        assert_eq!(hypertension(&env), "resistant", "{status}");
    }
    let mut resources = on_three_classes();
    let mut stay = encounter("enc-stay", &act_code("IMP"));
    stay["status"] = json!("in-progress");
    resources.push(stay.clone());
    resources.extend(high_in("Encounter/enc-stay"));
    let mut env = Env::new();
    let path = env.write_json("first.json", &bundle("collection", &resources));
    env.import_ok(&path);
    assert_eq!(stay_settings(&env), ["hospital", "hospital"]);
    stay["status"] = json!("cancelled");
    stay["meta"] = json!({"lastUpdated": "2026-11-20T00:00:00Z"});
    let path = env.write_json("second.json", &bundle("collection", &[stay]));
    env.import_ok(&path);
    assert_eq!(stay_settings(&env), ["office", "office"]);
    assert_eq!(hypertension(&env), "resistant");
}
