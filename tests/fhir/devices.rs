//! Implanted devices and study places (review R11-6): a vagus nerve stimulator sent the R4 way,
//! a DeviceUseStatement naming a Device (in the same bundle, in another NDJSON file, or in a
//! later import), or a Procedure whose `focalDevice` names it, is on the patient's record, and
//! the options step marks the option naming it as already tried. A ResearchSubject is the
//! patient's place in a study: kept, shown, and on the options board as an enrolment.

use refract::domain::{PatientId, TrialStatus};
use serde_json::{Value, json};

use super::{Env, SNOMED, bundle, patient};

fn device(id: &str, kind: &Value) -> Value {
    json!({
        "resourceType": "Device",
        "id": id,
        "status": "active",
        "type": kind,
    })
}

fn vns(id: &str) -> Value {
    device(id, &json!({"text": "Vagus nerve stimulator"}))
}

fn device_use(id: &str, subject: &str, device: &str, status: &str) -> Value {
    json!({
        "resourceType": "DeviceUseStatement",
        "id": id,
        "status": status,
        "subject": {"reference": subject},
        "device": {"reference": device},
        "timingPeriod": {"start": "2021-03-04"},
        "recordedOn": "2021-03-10"
    })
}

/// (performed day, end day or "-", display) of patient 1's procedure rows.
fn procedures(env: &Env) -> Vec<Vec<String>> {
    env.rows(
        "SELECT substr(performed, 1, 10), coalesce(substr(end, 1, 10), '-'), display
         FROM procedures ORDER BY performed, id",
    )
}

/// Why the epilepsy option `key` counts as already tried for patient 1, if it does.
fn tried(env: &Env, key: &str) -> Option<String> {
    let view =
        refract::way_forward::load(&env.store, &env.rules, PatientId(1), "epilepsy").unwrap();
    view.board
        .iter()
        .find(|entry| entry.catalogue.as_ref().is_some_and(|c| c.key == key))
        .and_then(|entry| entry.tried.clone())
}

#[test]
fn a_device_use_statement_puts_the_stimulator_on_the_record_and_marks_vns_tried() {
    let mut env = Env::new();
    let file = env.write_json(
        "a.json",
        &bundle(
            "transaction",
            &[
                patient("pa", "PA1", "Ode", "Ada"),
                device_use("use1", "urn:uuid:pa", "urn:uuid:vns1", "active"),
                vns("vns1"),
            ],
        ),
    );
    let report = env.import_ok(&file);
    assert_eq!(report.procedures, 1, "{report:#?}");
    assert!(
        !report.skipped.keys().any(|k| k.starts_with("Device")),
        "{:?}",
        report.skipped
    );
    assert_eq!(
        procedures(&env),
        [["2021-03-04", "-", "Device: Vagus nerve stimulator"]]
    );
    let why = tried(&env, "vagus_nerve_stimulation").expect("VNS is already tried");
    assert!(why.contains("Vagus nerve stimulator"), "{why}");
    assert_eq!(tried(&env, "thalamic_dbs"), None);
}

#[test]
fn a_device_in_another_ndjson_file_or_a_later_import_is_found() {
    let mut env = Env::new();
    let folder = env.path("bulk");
    let line = |value: Value| format!("{}\n", serde_json::to_string(&value).unwrap());
    env.write_bytes(
        "bulk/Patient.ndjson",
        line(patient("p1", "PB1", "Ode", "Bea")).as_bytes(),
    );
    env.write_bytes(
        "bulk/DeviceUseStatement.ndjson",
        line(device_use("use1", "Patient/p1", "Device/dbs1", "completed")).as_bytes(),
    );
    env.write_bytes(
        "bulk/Device.ndjson",
        line(device(
            "dbs1",
            &json!({"coding": [{"system": SNOMED, "display": "Deep brain stimulator"}]}),
        ))
        .as_bytes(),
    );
    let report = env.import(&[folder]);
    assert!(
        report.files.iter().all(|f| f.error.is_none()),
        "{report:#?}"
    );
    assert_eq!(
        procedures(&env),
        [["2021-03-04", "-", "Device: Deep brain stimulator"]]
    );
    assert!(tried(&env, "thalamic_dbs").is_some());

    // The statement alone first: kept by its reference's words, with a warning; the Device
    // imported later completes it.
    let mut env = Env::new();
    let mut statement = device_use("use2", "urn:uuid:pc", "Device/vns9", "active");
    statement["device"]["display"] = json!("neurostimulator");
    let first = env.write_json(
        "first.json",
        &bundle(
            "collection",
            &[patient("pc", "PC1", "Ode", "Cy"), statement],
        ),
    );
    let report = env.import(&[first]);
    assert!(
        format!("{report:?}").contains("its device Device/vns9 is in no imported file"),
        "{report:#?}"
    );
    assert_eq!(
        procedures(&env),
        [["2021-03-04", "-", "Device: neurostimulator"]]
    );
    assert_eq!(tried(&env, "vagus_nerve_stimulation"), None);
    let later = env.write_json("later.json", &bundle("collection", &[vns("vns9")]));
    env.import(&[later]);
    assert_eq!(
        procedures(&env),
        [["2021-03-04", "-", "Device: Vagus nerve stimulator"]]
    );
    assert!(tried(&env, "vagus_nerve_stimulation").is_some());
}

#[test]
fn a_procedure_naming_its_device_is_read_with_the_device() {
    let mut env = Env::new();
    let implantation = json!({
        "resourceType": "Procedure",
        "id": "op1",
        "status": "completed",
        "subject": {"reference": "urn:uuid:pa"},
        "code": {"text": "Implantation of neurostimulator pulse generator"},
        "performedDateTime": "2020-11-02",
        "focalDevice": [{"manipulated": {"reference": "urn:uuid:rns1"}}]
    });
    let file = env.write_json(
        "a.json",
        &bundle(
            "collection",
            &[
                patient("pa", "PA1", "Ode", "Ada"),
                implantation,
                device("rns1", &json!({"text": "Responsive neurostimulator"})),
            ],
        ),
    );
    env.import_ok(&file);
    assert_eq!(
        procedures(&env),
        [[
            "2020-11-02",
            "-",
            "Implantation of neurostimulator pulse generator (device: Responsive neurostimulator)"
        ]]
    );
    assert!(tried(&env, "responsive_neurostimulation").is_some());
    assert_eq!(tried(&env, "vagus_nerve_stimulation"), None);
}

#[test]
fn an_intended_device_is_not_kept_and_one_entered_in_error_takes_the_stored_one_out() {
    let mut env = Env::new();
    let file = env.write_json(
        "a.json",
        &bundle(
            "collection",
            &[
                patient("pa", "PA1", "Ode", "Ada"),
                device_use("use1", "urn:uuid:pa", "urn:uuid:vns1", "intended"),
                vns("vns1"),
            ],
        ),
    );
    env.import_ok(&file);
    assert!(procedures(&env).is_empty());
    assert_eq!(tried(&env, "vagus_nerve_stimulation"), None);

    let kept = env.write_json(
        "b.json",
        &bundle(
            "collection",
            &[
                patient("pa", "PA1", "Ode", "Ada"),
                device_use("use1", "urn:uuid:pa", "urn:uuid:vns1", "active"),
                vns("vns1"),
            ],
        ),
    );
    env.import_ok(&kept);
    assert_eq!(procedures(&env).len(), 1);
    let gone = env.write_json(
        "c.json",
        &bundle(
            "collection",
            &[
                patient("pa", "PA1", "Ode", "Ada"),
                device_use("use1", "urn:uuid:pa", "urn:uuid:vns1", "entered-in-error"),
            ],
        ),
    );
    env.import_ok(&gone);
    assert!(procedures(&env).is_empty());
}

#[test]
fn a_research_subject_is_a_study_place_shown_and_on_the_options_board() {
    let mut env = Env::new();
    let file = env.write_json(
        "a.json",
        &bundle(
            "collection",
            &[
                patient("pa", "PA1", "Ode", "Ada"),
                json!({
                    "resourceType": "ResearchSubject",
                    "id": "rs1",
                    "status": "on-study",
                    "individual": {"reference": "urn:uuid:pa"},
                    "study": {"reference": "urn:uuid:st1"},
                    "period": {"start": "2024-02-01"}
                }),
                json!({
                    "resourceType": "ResearchStudy",
                    "id": "st1",
                    "status": "active",
                    "title": "Cenobamate versus standard care in focal epilepsy",
                    "identifier": [{
                        "system": "https://clinicaltrials.gov",
                        "value": "NCT01234567"
                    }]
                }),
            ],
        ),
    );
    env.import_ok(&file);
    assert_eq!(
        procedures(&env),
        [[
            "2024-02-01",
            "-",
            "Trial NCT01234567 Cenobamate versus standard care in focal epilepsy: on study"
        ]]
    );
    let view =
        refract::way_forward::load(&env.store, &env.rules, PatientId(1), "epilepsy").unwrap();
    let enrolled: Vec<_> = view
        .board
        .iter()
        .filter_map(|entry| entry.enrolled.as_ref())
        .collect();
    assert_eq!(enrolled.len(), 1, "{:#?}", view.board);
    assert_eq!(enrolled[0].registry_id.as_deref(), Some("NCT01234567"));
    assert_eq!(enrolled[0].status, Some(TrialStatus::OnStudy));
    assert!(
        enrolled[0].words.ends_with("since 2024-02-01"),
        "{enrolled:?}"
    );
    // A study place is no procedure done: a title naming a therapy does not make it tried.
    assert!(view.board.iter().all(|entry| entry.tried.is_none()));

    let text = super::refract()
        .arg("--db")
        .arg(env.db())
        .args(["show", "PA1"])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("\nStudies\n"), "{text}");
    assert!(text.contains("NCT01234567"), "{text}");
}

#[test]
fn device_uses_and_study_places_survive_both_exports() {
    let mut env = Env::new();
    let file = env.write_json(
        "a.json",
        &bundle(
            "collection",
            &[
                patient("pa", "PA1", "Ode", "Ada"),
                device_use("use1", "urn:uuid:pa", "urn:uuid:vns1", "active"),
                vns("vns1"),
                json!({
                    "resourceType": "ResearchSubject",
                    "id": "rs1",
                    "status": "candidate",
                    "individual": {"reference": "urn:uuid:pa"},
                    "study": {"display": "NCT07654321"},
                    "period": {"start": "2025-01-10"}
                }),
            ],
        ),
    );
    env.import_ok(&file);
    let kept = procedures(&env);
    assert_eq!(
        kept,
        [
            ["2021-03-04", "-", "Device: Vagus nerve stimulator"],
            ["2025-01-10", "-", "Trial NCT07654321: candidate"],
        ]
    );
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
        let view =
            refract::way_forward::load(&copy.store, &copy.rules, PatientId(1), "epilepsy").unwrap();
        assert!(
            view.board.iter().any(|entry| entry
                .enrolled
                .as_ref()
                .is_some_and(|e| e.status == Some(TrialStatus::Candidate))),
            "{format}"
        );
        assert!(
            tried(&copy, "vagus_nerve_stimulation").is_some(),
            "{format}"
        );
    }
}

#[test]
fn a_generic_device_type_is_read_with_its_model_name() {
    let mut env = Env::new();
    let mut generator = device("gen1", &json!({"text": "Neurostimulator"}));
    generator["deviceName"] = json!([
        {"name": "LivaNova", "type": "manufacturer-name"},
        {"name": "VNS Therapy SenTiva", "type": "model-name"}
    ]);
    let file = env.write_json(
        "a.json",
        &bundle(
            "collection",
            &[
                patient("pa", "PA1", "Ode", "Ada"),
                device_use("use1", "urn:uuid:pa", "urn:uuid:gen1", "active"),
                generator,
            ],
        ),
    );
    env.import_ok(&file);
    assert_eq!(
        procedures(&env),
        [[
            "2021-03-04",
            "-",
            "Device: Neurostimulator (VNS Therapy SenTiva)"
        ]]
    );
    assert!(tried(&env, "vagus_nerve_stimulation").is_some());
    assert_eq!(tried(&env, "responsive_neurostimulation"), None);
}

#[test]
fn a_device_carried_in_its_statement_is_read() {
    let mut env = Env::new();
    let mut statement = device_use("use1", "urn:uuid:pa", "#d1", "completed");
    statement["timingPeriod"]["end"] = json!("2023-06-30");
    statement["contained"] = json!([{
        "resourceType": "Device",
        "id": "d1",
        "type": {"text": "Responsive neurostimulator"}
    }]);
    let file = env.write_json(
        "a.json",
        &bundle(
            "collection",
            &[patient("pa", "PA1", "Ode", "Ada"), statement],
        ),
    );
    env.import_ok(&file);
    assert_eq!(
        procedures(&env),
        [[
            "2021-03-04",
            "2023-06-30",
            "Device: Responsive neurostimulator"
        ]]
    );
    let why = tried(&env, "responsive_neurostimulation").expect("RNS is already tried");
    assert!(why.contains("2023-06-30"), "{why}");
}

/// (when, display) of patient 1's procedures as the record reads them.
fn on_record(env: &Env) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = env
        .store
        .record(PatientId(1))
        .unwrap()
        .procedures
        .iter()
        .map(|p| (p.when_words(), p.display.clone()))
        .collect();
    rows.sort();
    rows
}

fn affixed(id: &str, status: &str) -> Value {
    let mut device = vns(id);
    device["status"] = json!(status);
    device["patient"] = json!({"reference": "urn:uuid:pa"});
    device
}

/// G2-1: a Device sent with `Device.patient` alone ("Patient to whom Device is affixed", R4;
/// Synthea's shape) is the patient's device: on the record, not dated (R4 gives a Device no
/// implant date) unless a Procedure names it, and said when inactive. A statement naming it
/// says its use, dated: the Device adds no second row then.
#[test]
fn a_device_affixed_to_the_patient_is_on_the_record_without_a_statement() {
    let import = |resources: &[Value]| {
        let mut env = Env::new();
        let mut all = vec![patient("pa", "PA1", "Ode", "Ada")];
        all.extend(resources.iter().cloned());
        let file = env.write_json("a.json", &bundle("collection", &all));
        env.import_ok(&file);
        env
    };
    let env = import(&[affixed("vns1", "active")]);
    assert_eq!(
        on_record(&env),
        [(
            String::from("date not recorded"),
            String::from("Device: Vagus nerve stimulator")
        )]
    );
    assert!(tried(&env, "vagus_nerve_stimulation").is_some());

    let env = import(&[affixed("vns1", "inactive")]);
    assert_eq!(
        on_record(&env),
        [(
            String::from("date not recorded"),
            String::from("Device: Vagus nerve stimulator (inactive)")
        )]
    );
    assert!(tried(&env, "vagus_nerve_stimulation").is_some());

    let implantation = json!({
        "resourceType": "Procedure",
        "id": "op1",
        "status": "completed",
        "subject": {"reference": "urn:uuid:pa"},
        "code": {"text": "Implantation of neurostimulator pulse generator"},
        "performedDateTime": "2020-11-02",
        "focalDevice": [{"manipulated": {"reference": "urn:uuid:vns1"}}]
    });
    let env = import(&[implantation, affixed("vns1", "active")]);
    assert_eq!(
        on_record(&env),
        [
            (
                String::from("2020-11-02"),
                String::from("Device: Vagus nerve stimulator")
            ),
            (
                String::from("2020-11-02"),
                String::from(
                    "Implantation of neurostimulator pulse generator (device: Vagus nerve \
                     stimulator)"
                )
            ),
        ]
    );

    let env = import(&[
        device_use("use1", "urn:uuid:pa", "urn:uuid:vns1", "active"),
        affixed("vns1", "active"),
    ]);
    assert_eq!(
        on_record(&env),
        [(
            String::from("2021-03-04"),
            String::from("Device: Vagus nerve stimulator")
        )]
    );

    // Entered in error later: the stored one goes.
    let mut env = import(&[affixed("vns1", "active")]);
    let later = env.write_json(
        "b.json",
        &bundle(
            "collection",
            &[
                patient("pa", "PA1", "Ode", "Ada"),
                affixed("vns1", "entered-in-error"),
            ],
        ),
    );
    env.import_ok(&later);
    assert!(on_record(&env).is_empty());
    assert_eq!(tried(&env, "vagus_nerve_stimulation"), None);
}

/// G2-2: every `Procedure.focalDevice` is read, not the first alone (a surgery placing a
/// responsive neurostimulator and removing a vagus nerve stimulator names both), whether the
/// Devices come in the same bundle or a later import.
#[test]
fn every_focal_device_of_a_procedure_is_read() {
    let surgery = json!({
        "resourceType": "Procedure",
        "id": "op1",
        "status": "completed",
        "subject": {"reference": "urn:uuid:pa"},
        "code": {"text": "Neurostimulator surgery"},
        "performedDateTime": "2020-11-02",
        "focalDevice": [
            {"manipulated": {"reference": "urn:uuid:rns1"}},
            {"manipulated": {"reference": "urn:uuid:vns1"}}
        ]
    });
    let mut env = Env::new();
    let file = env.write_json(
        "a.json",
        &bundle(
            "collection",
            &[
                patient("pa", "PA1", "Ode", "Ada"),
                surgery.clone(),
                device("rns1", &json!({"text": "Responsive neurostimulator"})),
                vns("vns1"),
            ],
        ),
    );
    env.import_ok(&file);
    assert_eq!(
        procedures(&env),
        [[
            "2020-11-02",
            "-",
            "Neurostimulator surgery (device: Responsive neurostimulator) (device: Vagus nerve \
             stimulator)"
        ]]
    );
    assert!(tried(&env, "responsive_neurostimulation").is_some());
    assert!(tried(&env, "vagus_nerve_stimulation").is_some());

    // The second Device in a later import: the stored procedure is read again with it.
    let mut env = Env::new();
    let mut surgery = surgery;
    surgery["focalDevice"][1]["manipulated"]["reference"] = json!("Device/vns9");
    let first = env.write_json(
        "first.json",
        &bundle(
            "collection",
            &[
                patient("pa", "PA1", "Ode", "Ada"),
                surgery,
                device("rns1", &json!({"text": "Responsive neurostimulator"})),
            ],
        ),
    );
    env.import(&[first]);
    assert_eq!(tried(&env, "vagus_nerve_stimulation"), None);
    let later = env.write_json("later.json", &bundle("collection", &[vns("vns9")]));
    env.import(&[later]);
    assert!(tried(&env, "vagus_nerve_stimulation").is_some());
    assert!(tried(&env, "responsive_neurostimulation").is_some());
}

/// A Procedure of the patient coded `code` (CPT) and worded `words`, done on `day`, naming no
/// device.
fn cpt_procedure(id: &str, code: &str, words: &str, day: &str) -> Value {
    json!({
        "resourceType": "Procedure",
        "id": id,
        "status": "completed",
        "subject": {"reference": "urn:uuid:pa"},
        "code": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": code,
                             "display": words}]},
        "performedDateTime": day
    })
}

/// DV-1: a Device affixed to the patient and a Procedure that implants a device of its kind
/// (CPT 64568, the implantation of a vagus nerve stimulator: the options catalogue's
/// `implanted_by`), with no `focalDevice` between them, are the same act: the device is dated
/// by the procedure and the procedure says its device, as `focalDevice` would have made them,
/// and the option is tried from that day, never "date not recorded". Controls: a procedure
/// of another kind (a lobectomy) dates nothing; two implantations on different days (a
/// replacement) do not tell which placed this device, and it stays undated.
#[test]
fn a_procedure_implanting_a_device_of_its_kind_dates_the_device() {
    let import = |resources: &[Value]| {
        let mut env = Env::new();
        let mut all = vec![patient("pa", "PA1", "Ode", "Ada")];
        all.extend(resources.iter().cloned());
        let file = env.write_json("a.json", &bundle("collection", &all));
        env.import_ok(&file);
        env
    };
    let implantation = cpt_procedure(
        "op1",
        "64568",
        "Incision for implantation of cranial nerve neurostimulator electrode array and pulse generator",
        "2020-11-02",
    );
    let env = import(&[implantation.clone(), affixed("vns1", "active")]);
    assert_eq!(
        on_record(&env),
        [
            (
                String::from("2020-11-02"),
                String::from("Device: Vagus nerve stimulator")
            ),
            (
                String::from("2020-11-02"),
                String::from(
                    "Incision for implantation of cranial nerve neurostimulator electrode array \
                     and pulse generator (device: Vagus nerve stimulator)"
                )
            ),
        ]
    );
    let why = tried(&env, "vagus_nerve_stimulation").expect("VNS is already tried");
    assert!(why.contains("2020-11-02"), "{why}");
    assert!(!why.contains("date not recorded"), "{why}");

    let lobectomy = cpt_procedure("op2", "61537", "Temporal lobectomy", "2019-05-06");
    let env = import(&[lobectomy, affixed("vns1", "active")]);
    assert!(
        on_record(&env).contains(&(
            String::from("date not recorded"),
            String::from("Device: Vagus nerve stimulator")
        )),
        "{:?}",
        on_record(&env)
    );

    let mut replacement = implantation.clone();
    replacement["id"] = json!("op3");
    replacement["performedDateTime"] = json!("2025-02-03");
    let env = import(&[implantation, replacement, affixed("vns1", "active")]);
    assert!(
        on_record(&env).contains(&(
            String::from("date not recorded"),
            String::from("Device: Vagus nerve stimulator")
        )),
        "{:?}",
        on_record(&env)
    );
}

/// DK-5: one implantation sent with two Devices of one kind (a vagus nerve stimulator's pulse
/// generator and its lead, both affixed to the patient and named alike, neither named by the
/// procedure, as Synthea-shaped exports send them; or both named in its `focalDevice`) is one
/// act: both devices are dated by it, the procedure names the device once, and the option is
/// tried once, from that day. Control: two devices of different names are both said.
#[test]
fn one_implantation_with_two_devices_of_its_kind_names_the_device_once() {
    let implantation = || {
        cpt_procedure(
            "op1",
            "64568",
            "Incision for implantation of cranial nerve neurostimulator electrode array and pulse generator",
            "2020-11-02",
        )
    };
    let import = |resources: Vec<Value>| {
        let mut env = Env::new();
        let mut all = vec![patient("pa", "PA1", "Ode", "Ada")];
        all.extend(resources);
        let file = env.write_json("a.json", &bundle("collection", &all));
        env.import_ok(&file);
        env
    };
    let words = "Incision for implantation of cranial nerve neurostimulator electrode array and \
                 pulse generator (device: Vagus nerve stimulator)";
    let procedure_rows = |env: &Env| -> Vec<String> {
        on_record(env)
            .into_iter()
            .filter(|(_, display)| !display.starts_with("Device:"))
            .map(|(when, display)| format!("{when} {display}"))
            .collect()
    };

    let env = import(vec![
        implantation(),
        affixed("vns1", "active"),
        affixed("vns2", "active"),
    ]);
    assert_eq!(procedure_rows(&env), [format!("2020-11-02 {words}")]);
    let why = tried(&env, "vagus_nerve_stimulation").expect("VNS is already tried");
    assert_eq!(why, format!("{words} 2020-11-02"));

    let mut named = implantation();
    named["focalDevice"] = json!([
        {"manipulated": {"reference": "urn:uuid:vns1"}},
        {"manipulated": {"reference": "urn:uuid:vns2"}}
    ]);
    let env = import(vec![named, vns("vns1"), vns("vns2")]);
    assert_eq!(procedure_rows(&env), [format!("2020-11-02 {words}")]);

    let mut lead = affixed("vns2", "active");
    lead["type"] = json!({"text": "Vagus nerve stimulator lead"});
    let env = import(vec![implantation(), affixed("vns1", "active"), lead]);
    assert_eq!(
        procedure_rows(&env),
        [format!(
            "2020-11-02 {words} (device: Vagus nerve stimulator lead)"
        )]
    );
}
