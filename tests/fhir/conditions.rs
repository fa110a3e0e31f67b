//! Condition statuses as FHIR R4 writes them (`verificationStatus`, `clinicalStatus`): a
//! refuted or entered-in-error diagnosis is no diagnosis anywhere, and a resolved or inactive
//! one is not a current diagnosis. FHIR in, `flags --json` and `show --json` out, on the real
//! today (the records are dated back from it).

use chrono::{Duration, Local};
use serde_json::{Value, json};

use super::{Env, ICD10, SNOMED, cli_import, refract};

fn ago(days: i64) -> String {
    (Local::now().date_naive() - Duration::days(days)).to_string()
}

fn patient(id: &str) -> Value {
    json!({
        "resourceType": "Patient",
        "id": id,
        "identifier": [{"system": "https://example.org/mrn", "value": id}],
        "name": [{"family": "Status", "given": [id]}],
        "gender": "female",
        "birthDate": "1970-01-01"
    })
}

fn diagnosis(
    id: &str,
    subject: &str,
    (code, display): (&str, &str),
    clinical: Option<&str>,
    verification: Option<&str>,
) -> Value {
    let mut resource = json!({
        "resourceType": "Condition",
        "id": id,
        "subject": {"reference": format!("Patient/{subject}")},
        "code": {"coding": [{"system": ICD10, "code": code, "display": display}], "text": display},
        "onsetDateTime": ago(400)
    });
    if let Some(code) = clinical {
        resource["clinicalStatus"] = json!({"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": code
        }]});
    }
    if let Some(code) = verification {
        resource["verificationStatus"] = json!({"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": code
        }]});
    }
    resource
}

/// An antidepressant taken once a day at `mg`, from `from` to `until` days ago, stopped for no
/// response.
fn failed_trial(id: &str, subject: &str, text: &str, mg: f64, (from, until): (i64, i64)) -> Value {
    json!({
        "resourceType": "MedicationStatement",
        "id": id,
        "status": "stopped",
        "subject": {"reference": format!("Patient/{subject}")},
        "medicationCodeableConcept": {"text": text},
        "effectivePeriod": {"start": ago(from), "end": ago(until)},
        "statusReason": [{"coding": [{"system": SNOMED, "code": "266721009", "display": "No response to treatment"}]}],
        "dosage": [{
            "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [{"doseQuantity": {"value": mg, "unit": "mg"}}]
        }]
    })
}

const DEPRESSION: (&str, &str) = ("F33.1", "Major depressive disorder, recurrent, moderate");
const BIPOLAR: (&str, &str) = (
    "F31.4",
    "Bipolar affective disorder, current episode severe depression",
);

/// A patient with recurrent depression and two adequate antidepressant trials that failed,
/// plus `extra` conditions.
fn depressed(id: &str, depression: Value, extra: Vec<Value>) -> Vec<Value> {
    let mut resources = vec![
        patient(id),
        depression,
        failed_trial(
            &format!("{id}-ser"),
            id,
            "Sertraline 100 MG Oral Tablet",
            100.0,
            (380, 320),
        ),
        failed_trial(
            &format!("{id}-ven"),
            id,
            "Venlafaxine 150 MG Oral Capsule",
            150.0,
            (300, 210),
        ),
    ];
    resources.extend(extra);
    resources
}

fn collection(resources: Vec<Value>) -> Value {
    json!({
        "resourceType": "Bundle",
        "type": "collection",
        "entry": resources.into_iter().map(|r| json!({"resource": r})).collect::<Vec<_>>()
    })
}

fn flags(env: &Env) -> Vec<Value> {
    let output = refract()
        .arg("--db")
        .arg(env.db())
        .args(["flags", "--json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice::<Value>(&output.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn show(env: &Env, mrn: &str) -> Value {
    let output = refract()
        .arg("--db")
        .arg(env.db())
        .args(["show", mrn, "--json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn flag_of<'f>(flags: &'f [Value], mrn: &str, condition: &str) -> Option<&'f Value> {
    flags
        .iter()
        .find(|f| f["mrn"] == mrn && f["condition"] == condition)
}

#[test]
fn a_refuted_or_mistaken_diagnosis_is_no_diagnosis() {
    let env = Env::new();
    let active = || Some("active");
    let bundle = collection(
        [
            // Bipolar disorder considered and ruled out: the depression criteria apply.
            depressed(
                "DX-REFUTED",
                diagnosis(
                    "dx-r-mdd",
                    "DX-REFUTED",
                    DEPRESSION,
                    active(),
                    Some("confirmed"),
                ),
                vec![diagnosis(
                    "dx-r-bp",
                    "DX-REFUTED",
                    BIPOLAR,
                    None,
                    Some("refuted"),
                )],
            ),
            // Recorded as bipolar in error (no clinical status, as R4 asks of such a record).
            depressed(
                "DX-ERROR",
                diagnosis(
                    "dx-e-mdd",
                    "DX-ERROR",
                    DEPRESSION,
                    active(),
                    Some("confirmed"),
                ),
                vec![diagnosis(
                    "dx-e-bp",
                    "DX-ERROR",
                    BIPOLAR,
                    None,
                    Some("entered-in-error"),
                )],
            ),
            // A bipolar disorder that is in the past is still a bipolar history: excluded.
            depressed(
                "DX-HISTORY",
                diagnosis(
                    "dx-h-mdd",
                    "DX-HISTORY",
                    DEPRESSION,
                    active(),
                    Some("confirmed"),
                ),
                vec![diagnosis(
                    "dx-h-bp",
                    "DX-HISTORY",
                    BIPOLAR,
                    Some("resolved"),
                    Some("confirmed"),
                )],
            ),
            // Depression itself refuted, or resolved: no depression assessment at all.
            depressed(
                "DX-NONE",
                diagnosis("dx-n-mdd", "DX-NONE", DEPRESSION, None, Some("refuted")),
                Vec::new(),
            ),
            depressed(
                "DX-RESOLVED",
                diagnosis(
                    "dx-s-mdd",
                    "DX-RESOLVED",
                    DEPRESSION,
                    Some("resolved"),
                    Some("confirmed"),
                ),
                Vec::new(),
            ),
        ]
        .concat(),
    );
    let file = env.write_json("conditions.json", &bundle);
    let (code, summary, stderr) = cli_import(&env.db(), &[file]);
    assert_eq!(code, 0, "{summary} {stderr}");

    let flags = flags(&env);
    for mrn in ["DX-REFUTED", "DX-ERROR"] {
        let flag = flag_of(&flags, mrn, "depression").unwrap();
        assert_eq!(flag["status"], "refractory", "{mrn}: {flag:#}");
        let reasons = flag["reasons"].to_string();
        assert!(!reasons.contains("Bipolar"), "{mrn}: {reasons}");
        assert!(
            flag["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["kind"] != "condition"),
            "{mrn}: {flag:#}"
        );
    }
    let history = flag_of(&flags, "DX-HISTORY", "depression").unwrap();
    assert_eq!(history["status"], "not_met", "{history:#}");
    assert!(
        history["reasons"]
            .to_string()
            .contains("Bipolar disorder is recorded")
    );
    assert!(
        flag_of(&flags, "DX-NONE", "depression").is_none(),
        "{flags:#?}"
    );
    assert!(
        flag_of(&flags, "DX-RESOLVED", "depression").is_none(),
        "{flags:#?}"
    );

    // `show --json` keeps what the source said of each diagnosis: the refuted one is listed
    // with its status (it is part of the record), the one entered in error is gone.
    let refuted = show(&env, "DX-REFUTED");
    let conditions = refuted["conditions"].as_array().unwrap();
    let bipolar = conditions.iter().find(|c| c["code"] == "F31.4").unwrap();
    assert_eq!(bipolar["verification_status"], "refuted");
    let mistaken = show(&env, "DX-ERROR");
    assert!(
        mistaken["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["code"] != "F31.4"),
        "{mistaken:#}"
    );

    // The text lists current diagnoses first, by name; the others after, with their status.
    let output = refract()
        .arg("--db")
        .arg(env.db())
        .args(["show", "DX-HISTORY"])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let depression = text
        .find("Major depressive disorder, recurrent, moderate (icd10 F33.1)")
        .unwrap();
    let past = text.find("past or ruled out:").unwrap();
    let bipolar = text.find("Bipolar affective disorder").unwrap();
    assert!(depression < past && past < bipolar, "{text}");
    assert!(text.contains("resolved"), "{text}");
}

fn with_abatement(mut condition: Value, day: &str) -> Value {
    condition["abatementDateTime"] = json!(day);
    condition
}

#[test]
fn a_diagnosis_in_remission_is_not_current_and_one_coded_by_oid_is_read() {
    let env = Env::new();
    let oid_coded = |id: &str, oid: &str, code: &str| {
        let mut resource = diagnosis(id, id, DEPRESSION, Some("active"), Some("confirmed"));
        resource["code"] = json!({"coding": [{"system": oid, "code": code}]});
        resource
    };
    let bundle = collection(
        [
            // In remission since a day (abated): over, not a current diagnosis.
            depressed(
                "DX-REMISSION",
                with_abatement(
                    diagnosis(
                        "DX-REMISSION-mdd",
                        "DX-REMISSION",
                        DEPRESSION,
                        Some("remission"),
                        Some("confirmed"),
                    ),
                    &ago(30),
                ),
                Vec::new(),
            ),
            // A return of it is recorded as a relapse: current.
            depressed(
                "DX-RELAPSE",
                diagnosis(
                    "DX-RELAPSE-mdd",
                    "DX-RELAPSE",
                    DEPRESSION,
                    Some("relapse"),
                    Some("confirmed"),
                ),
                Vec::new(),
            ),
            // ICD-10-CM and SNOMED CT written as their HL7 OIDs (records converted from CDA).
            depressed(
                "DX-ICD-OID",
                oid_coded("DX-ICD-OID", "urn:oid:2.16.840.1.113883.6.90", "F33.1"),
                Vec::new(),
            ),
            depressed(
                "DX-SCT-OID",
                oid_coded("DX-SCT-OID", "urn:oid:2.16.840.1.113883.6.96", "36923009"),
                Vec::new(),
            ),
        ]
        .concat(),
    );
    let file = env.write_json("remission.json", &bundle);
    let (code, summary, stderr) = cli_import(&env.db(), &[file]);
    assert_eq!(code, 0, "{summary} {stderr}");
    let flags = flags(&env);
    assert!(
        flag_of(&flags, "DX-REMISSION", "depression").is_none(),
        "{flags:#?}"
    );
    for mrn in ["DX-RELAPSE", "DX-ICD-OID", "DX-SCT-OID"] {
        let flag = flag_of(&flags, mrn, "depression");
        assert_eq!(
            flag.map(|f| f["status"].clone()),
            Some(json!("refractory")),
            "{mrn}: {flags:#?}"
        );
    }
}

/// Every type of R4 `abatement[x]` says the condition abated: a remission with an age, a range
/// of ages, words (a date or none) or `abatementBoolean` true is over as one with a dateTime
/// is; a remission with none is still followed.
#[test]
fn a_remission_with_an_abatement_of_any_type_is_not_current() {
    let env = Env::new();
    let in_remission = |mrn: &str, abatement: Option<(&str, Value)>| {
        let mut condition = diagnosis(
            &format!("{mrn}-mdd"),
            mrn,
            DEPRESSION,
            Some("remission"),
            Some("confirmed"),
        );
        if let Some((field, value)) = abatement {
            condition[field] = value;
        }
        depressed(mrn, condition, Vec::new())
    };
    let age =
        json!({"value": 54, "unit": "years", "system": "http://unitsofmeasure.org", "code": "a"});
    let bundle = collection(
        [
            in_remission("AB-AGE", Some(("abatementAge", age.clone()))),
            in_remission(
                "AB-RANGE",
                Some(("abatementRange", json!({"low": age.clone(), "high": age}))),
            ),
            in_remission("AB-WORDS", Some(("abatementString", json!("after ECT")))),
            in_remission(
                "AB-DATE-WORDS",
                Some(("abatementString", json!("March 2025"))),
            ),
            in_remission("AB-BOOLEAN", Some(("abatementBoolean", json!(true)))),
            in_remission("AB-NONE", None),
        ]
        .concat(),
    );
    let file = env.write_json("abatements.json", &bundle);
    let (code, summary, stderr) = cli_import(&env.db(), &[file]);
    assert_eq!(code, 0, "{summary} {stderr}");
    let flags = flags(&env);
    for mrn in [
        "AB-AGE",
        "AB-RANGE",
        "AB-WORDS",
        "AB-DATE-WORDS",
        "AB-BOOLEAN",
    ] {
        assert!(
            flag_of(&flags, mrn, "depression").is_none(),
            "{mrn}: {flags:#?}"
        );
    }
    assert_eq!(
        flag_of(&flags, "AB-NONE", "depression").map(|f| f["status"].clone()),
        Some(json!("refractory")),
        "{flags:#?}"
    );
    // Stored as abated on a day not recorded, and read back so.
    let shown = show(&env, "AB-AGE").to_string();
    assert!(shown.contains("\"abated_on_unknown_day\":true"), "{shown}");
}

/// A diagnosis coded several ways, `(system, code, display)`, with `text` as its words.
fn coded_several_ways(
    id: &str,
    subject: &str,
    codings: &[(&str, &str, &str)],
    text: &str,
) -> Value {
    let mut resource = diagnosis(id, subject, DEPRESSION, Some("active"), Some("confirmed"));
    resource["code"] = json!({
        "coding": codings
            .iter()
            .map(|(system, code, display)| {
                let mut coding = json!({"system": system, "code": code});
                if !display.is_empty() {
                    coding["display"] = json!(display);
                }
                coding
            })
            .collect::<Vec<_>>(),
        "text": text
    });
    resource
}

/// R4 reads a CodeableConcept's codings as one diagnosis in several code systems: a bipolar
/// disorder whose first coding is an unspecified mood disorder (ICD-10-CM F39, which no list
/// holds) and whose words say no more, is still the bipolar disorder its SNOMED CT coding
/// says, and excludes treatment-resistant depression. `show` names it by the coding the rules
/// know, and keeps the others.
#[test]
fn an_exclusion_coded_only_in_a_later_coding_excludes() {
    let env = Env::new();
    let depression = diagnosis(
        "CD-BP-mdd",
        "CD-BP",
        DEPRESSION,
        Some("active"),
        Some("confirmed"),
    );
    let bipolar = coded_several_ways(
        "CD-BP-bp",
        "CD-BP",
        &[
            (ICD10, "F39", "Unspecified mood [affective] disorder"),
            (SNOMED, "13746004", ""),
        ],
        "Mood disorder",
    );
    let bundle = collection(depressed("CD-BP", depression, vec![bipolar]));
    let file = env.write_json("bipolar.json", &bundle);
    let (code, summary, stderr) = cli_import(&env.db(), &[file]);
    assert_eq!(code, 0, "{summary} {stderr}");
    let flags = flags(&env);
    let flag = flag_of(&flags, "CD-BP", "depression").unwrap();
    assert_eq!(flag["status"], "not_met", "{flag:#}");
    assert!(
        flag["reasons"].to_string().contains("13746004"),
        "the reason names the code that excludes: {flag:#}"
    );

    let shown = show(&env, "CD-BP");
    let conditions = shown["conditions"].as_array().unwrap();
    let mood = conditions
        .iter()
        .find(|c| c["display"] == "Mood disorder")
        .unwrap();
    assert_eq!(
        (&mood["system"], &mood["code"]),
        (&json!("snomed"), &json!("13746004"))
    );
    assert_eq!(
        mood["codings"].as_array().map(Vec::len),
        Some(2),
        "{mood:#}"
    );
}

/// A rule set given with `--rules DIR` reads every coding of the diagnoses already stored: a
/// team's depression rules that list recurrent depression (F33) alone, and SNOMED CT's
/// depressive disorder, select a patient whose diagnosis was stored by its ICD-10-CM F32.A
/// (the coding the built-in rules chose) and holds that SNOMED CT code second, with no new
/// import.
#[test]
fn a_rule_set_given_later_knows_a_stored_diagnosis_by_any_of_its_codings() {
    let env = Env::new();
    let depression = coded_several_ways(
        "CD-LATER-mdd",
        "CD-LATER",
        &[
            (ICD10, "F32.A", "Depression, unspecified"),
            (SNOMED, "35489007", ""),
        ],
        "Depression, unspecified",
    );
    let bundle = collection(depressed("CD-LATER", depression, Vec::new()));
    let file = env.write_json("later.json", &bundle);
    let (code, summary, stderr) = cli_import(&env.db(), &[file]);
    assert_eq!(code, 0, "{summary} {stderr}");
    assert_eq!(
        flag_of(&flags(&env), "CD-LATER", "depression").map(|f| f["status"].clone()),
        Some(json!("refractory"))
    );

    let builtin = refract::rules::EMBEDDED
        .iter()
        .find(|(id, _)| *id == "depression")
        .unwrap()
        .1;
    let listed = "icd10 = [\"F32\", \"F33\"]";
    assert!(builtin.contains(listed));
    let folder = env.path("team-rules");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("depression.toml"),
        builtin.replacen(listed, "icd10 = [\"F33\"]", 1),
    )
    .unwrap();
    let output = refract()
        .arg("--db")
        .arg(env.db())
        .arg("--rules")
        .arg(&folder)
        .args(["flags", "--json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let flags: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        flag_of(&flags, "CD-LATER", "depression").map(|f| f["status"].clone()),
        Some(json!("refractory")),
        "{flags:#?}"
    );
}

#[test]
fn a_diagnosis_recorded_with_no_onset_bounds_its_episode_by_its_recorded_date() {
    let env = Env::new();
    // An earlier episode recorded over with no day for its end, and the current one with only
    // the day it was recorded: trials after that day are the current episode's.
    let earlier = |mrn: &str| {
        let mut condition = diagnosis(
            &format!("{mrn}-old"),
            mrn,
            (
                "F32.1",
                "Major depressive disorder, single episode, moderate",
            ),
            Some("resolved"),
            Some("confirmed"),
        );
        condition["onsetDateTime"] = json!(ago(1500));
        condition
    };
    let current = |mrn: &str| {
        let mut condition = diagnosis(
            &format!("{mrn}-now"),
            mrn,
            DEPRESSION,
            Some("active"),
            Some("confirmed"),
        );
        condition.as_object_mut().map(|c| c.remove("onsetDateTime"));
        condition["recordedDate"] = json!(ago(400));
        condition
    };
    let mut resources = depressed(
        "EP-RECORDED",
        current("EP-RECORDED"),
        vec![earlier("EP-RECORDED")],
    );
    // The same record whose earlier episode ended (abatement): its trials before that day are
    // the earlier episode's.
    let mut old = earlier("EP-ENDED");
    old["abatementDateTime"] = json!(ago(350));
    resources.extend(depressed("EP-ENDED", current("EP-ENDED"), vec![old]));
    let file = env.write_json("recorded.json", &collection(resources));
    let (code, summary, stderr) = cli_import(&env.db(), &[file]);
    assert_eq!(code, 0, "{summary} {stderr}");
    let flags = flags(&env);
    assert_eq!(
        flag_of(&flags, "EP-RECORDED", "depression").map(|f| f["status"].clone()),
        Some(json!("refractory")),
        "{flags:#?}"
    );
    let ended = flag_of(&flags, "EP-ENDED", "depression");
    assert_eq!(
        ended.map(|f| f["status"].clone()),
        Some(json!("not_met")),
        "{flags:#?}"
    );
    let shown = show(&env, "EP-RECORDED").to_string();
    assert!(
        shown.contains(&format!("\"recorded\":\"{}\"", ago(400))),
        "{shown}"
    );
}

/// A current diagnosis known by its words alone (no code), as a problem list typed by hand sends it.
fn in_words(id: &str, subject: &str, words: &str, clinical: &str) -> Value {
    json!({
        "resourceType": "Condition",
        "id": id,
        "subject": {"reference": format!("Patient/{subject}")},
        "clinicalStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": clinical
        }]},
        "code": {"text": words},
        "onsetDateTime": ago(400)
    })
}

fn cli_out(env: &Env, args: &[&str]) -> String {
    let output = refract()
        .arg("--db")
        .arg(env.db())
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A diagnosis in words that no rule set recognises does not vanish (review r3 C-8): the list
/// shows its words, marked "?", where the condition would be empty; `show` says no rule set
/// recognised it; `flags --json` stays the list of assessments (none for it). Words clinicians
/// write for one of refract's conditions ("HTN", "Seropositive RA") select its rule set; a coded
/// diagnosis no rule set lists is another disease, not flagged as unrecognised, and neither is
/// one that is over.
#[test]
fn a_diagnosis_in_words_no_rule_set_recognises_is_named_not_dropped() {
    let env = Env::new();
    let bundle = collection(vec![
        patient("W-RA"),
        in_words("w-ra", "W-RA", "RA", "active"),
        patient("W-HTN"),
        in_words("w-htn", "W-HTN", "HTN", "active"),
        patient("W-SERO"),
        in_words("w-sero", "W-SERO", "Seropositive RA", "active"),
        patient("W-MIX"),
        diagnosis("w-mix-dep", "W-MIX", DEPRESSION, Some("active"), None),
        in_words("w-mix-mm", "W-MIX", "MM", "active"),
        in_words("w-mix-old", "W-MIX", "Old sports injury", "resolved"),
        patient("W-CODED"),
        diagnosis(
            "w-coded",
            "W-CODED",
            ("J45.909", "Asthma"),
            Some("active"),
            None,
        ),
        patient("W-OVER"),
        in_words("w-over", "W-OVER", "Febrile convulsions", "resolved"),
    ]);
    let file = env.write_json("words.json", &bundle);
    let (code, _, stderr) = cli_import(&env.db(), &[file]);
    assert_eq!(code, 0, "{stderr}");

    let list: Vec<Value> = serde_json::from_str(&cli_out(&env, &["patients", "--json"])).unwrap();
    let row = |mrn: &str| list.iter().find(|r| r["mrn"] == mrn).unwrap().clone();
    assert_eq!(row("W-RA")["status"], Value::Null);
    assert_eq!(row("W-RA")["condition"], Value::Null);
    assert_eq!(row("W-RA")["unrecognised_condition"], "RA");
    assert_eq!(row("W-HTN")["condition"], "hypertension");
    assert_eq!(row("W-SERO")["condition"], "rheumatoid_arthritis");
    assert_eq!(row("W-MIX")["condition"], "depression");
    assert_eq!(row("W-MIX")["unrecognised_condition"], Value::Null);
    assert_eq!(row("W-CODED")["unrecognised_condition"], Value::Null);
    assert_eq!(row("W-OVER")["unrecognised_condition"], Value::Null);

    let text = cli_out(&env, &["patients"]);
    let line = text.lines().find(|l| l.starts_with("W-RA")).unwrap();
    assert!(
        line.contains("not assessed") && line.contains("? RA"),
        "{line}"
    );

    let shown = show(&env, "W-RA");
    assert_eq!(shown["unrecognised_conditions"], json!(["RA"]));
    let words = cli_out(&env, &["show", "W-RA"]);
    assert!(words.contains("no rule set recognised \"RA\""), "{words}");
    // Assessed for its depression, the patient's "MM" is still named; the resolved words and
    // the coded asthma are not.
    assert_eq!(
        show(&env, "W-MIX")["unrecognised_conditions"],
        json!(["MM"])
    );
    assert_eq!(show(&env, "W-CODED")["unrecognised_conditions"], json!([]));
    assert_eq!(show(&env, "W-OVER")["unrecognised_conditions"], json!([]));

    // flags --json lists assessments only (DESIGN.md): none for the words no rule set read.
    let flags = flags(&env);
    assert!(flags.iter().all(|f| f["mrn"] != "W-RA"), "{flags:#?}");
}

/// `status` re-coded: a source's own coding first (an EHR's local status code), R4's coding
/// after it, as a CodeableConcept may carry translations.
fn local_coding_first(mut condition: Value, field: &str) -> Value {
    let standard = condition[field]["coding"][0].clone();
    condition[field]["coding"] = json!([
        {"system": "urn:oid:1.2.840.114350.1.13.0.1.7.4.698084.10", "code": "7", "display": "Status"},
        standard
    ]);
    condition
}

#[test]
fn a_status_is_read_from_its_r4_coding_whatever_codes_come_before_it() {
    // ST-1: a diagnosis refuted or resolved, said by R4's coding after a local one, was read by
    // the local code, so a ruled-out depression was assessed as a current one.
    let env = Env::new();
    let bundle = collection(
        [
            depressed(
                "ST-REFUTED",
                local_coding_first(
                    diagnosis("st-r", "ST-REFUTED", DEPRESSION, None, Some("refuted")),
                    "verificationStatus",
                ),
                Vec::new(),
            ),
            depressed(
                "ST-RESOLVED",
                local_coding_first(
                    diagnosis(
                        "st-s",
                        "ST-RESOLVED",
                        DEPRESSION,
                        Some("resolved"),
                        Some("confirmed"),
                    ),
                    "clinicalStatus",
                ),
                Vec::new(),
            ),
            depressed(
                "ST-ACTIVE",
                local_coding_first(
                    local_coding_first(
                        diagnosis(
                            "st-a",
                            "ST-ACTIVE",
                            DEPRESSION,
                            Some("active"),
                            Some("confirmed"),
                        ),
                        "clinicalStatus",
                    ),
                    "verificationStatus",
                ),
                Vec::new(),
            ),
        ]
        .concat(),
    );
    let file = env.write_json("local-statuses.json", &bundle);
    let (code, summary, stderr) = cli_import(&env.db(), &[file]);
    assert_eq!(code, 0, "{summary} {stderr}");

    let flags = flags(&env);
    for mrn in ["ST-REFUTED", "ST-RESOLVED"] {
        assert!(
            flag_of(&flags, mrn, "depression").is_none(),
            "{mrn}: {flags:#?}"
        );
    }
    let active = flag_of(&flags, "ST-ACTIVE", "depression").unwrap();
    assert_eq!(active["status"], "refractory", "{active:#}");
    let shown = show(&env, "ST-RESOLVED");
    let resolved = &shown["conditions"][0];
    assert_eq!(resolved["clinical_status"], "resolved", "{shown:#}");
    assert_eq!(resolved["verification_status"], "confirmed", "{shown:#}");
}

#[test]
fn a_status_written_as_a_bare_code_is_read_not_the_record_left_out() {
    // ST-4: STU3 and DSTU2 write a Condition's statuses as codes, not CodeableConcepts. Such a
    // record was left out whole ("not a valid Condition"): a refuted diagnosis is harmless so
    // lost, but a bipolar disorder lost this way excluded nothing and depression was flagged.
    let env = Env::new();
    let mut bipolar = diagnosis("sc-bp", "ST-CODE", BIPOLAR, None, None);
    bipolar["clinicalStatus"] = json!("active");
    bipolar["verificationStatus"] = json!("confirmed");
    let mut refuted = diagnosis("sc-r", "ST-CODE-R", DEPRESSION, None, None);
    refuted["verificationStatus"] = json!("refuted");
    let bundle = collection(
        [
            depressed(
                "ST-CODE",
                diagnosis("sc-mdd", "ST-CODE", DEPRESSION, Some("active"), None),
                vec![bipolar],
            ),
            depressed("ST-CODE-R", refuted, Vec::new()),
        ]
        .concat(),
    );
    let file = env.write_json("bare-codes.json", &bundle);
    let (code, summary, stderr) = cli_import(&env.db(), &[file]);
    assert_eq!(code, 0, "{summary} {stderr}");
    assert!(
        !summary.to_string().contains("not a valid Condition"),
        "{summary}"
    );

    let flags = flags(&env);
    let excluded = flag_of(&flags, "ST-CODE", "depression").unwrap();
    assert_eq!(excluded["status"], "not_met", "{excluded:#}");
    assert!(
        flag_of(&flags, "ST-CODE-R", "depression").is_none(),
        "{flags:#?}"
    );
}
