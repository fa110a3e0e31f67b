//! DiagnosticReports: the response a report's conclusion states (a PET-CT's, a marrow's) read
//! as the disease status it is, sentence by sentence and with its `conclusionCode`; the reports
//! that state none, or not yet, skipped as such; a report's versions in the ledger.

use chrono::{Duration, NaiveDate};
use serde_json::{Value, json};

use super::{Env, ICD10, LOINC, SNOMED, bundle, coding, condition, patient, refract, with};

const SUBJECT: &str = "Patient/dxr-pt";
const WORSENED: &str = "271299001";
const COMPLETE: &str = "550991000124107";
/// How the import's summary counts a report that states no response refract reads.
const REPORT_WITHOUT_RESPONSE: &str = "DiagnosticReport (no response refract reads)";

/// A final PET-CT report about `subject`, concluding `conclusion`, with `extra` merged in.
fn report(id: &str, subject: &str, conclusion: &str, extra: &Value) -> Value {
    with(
        json!({
            "resourceType": "DiagnosticReport",
            "id": id,
            "status": "final",
            "category": [{"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/v2-0074",
                "code": "NMS",
                "display": "Nuclear Medicine Scan"
            }]}],
            "code": {
                "coding": [{"system": LOINC, "code": "81555-5", "display": "PET+CT Whole body"}],
                "text": "PET-CT skull base to mid-thigh"
            },
            "subject": {"reference": subject},
            "effectiveDateTime": "2024-06-03T10:00:00Z",
            "issued": "2024-06-03T15:00:00Z",
            "conclusion": conclusion
        }),
        extra,
    )
}

fn worsened_code() -> Value {
    json!({"conclusionCode": [coding(SNOMED, WORSENED, "Patient's condition worsened")]})
}

/// Imports `resources` for one patient: the file's report and the stored disease statuses
/// (value code, effective), by effective.
fn stored(env: &mut Env, resources: &[Value]) -> (refract::import::FileReport, Vec<Vec<String>>) {
    let mut all = vec![patient("dxr-pt", "DXR-1", "Lind", "Ola")];
    all.extend_from_slice(resources);
    let path = env.write_json("reports.json", &bundle("collection", &all));
    let file = env.import_ok(&path);
    let rows = env.rows(
        "SELECT coalesce(value_code, '-'), effective FROM observations
         WHERE code = '97509-4' ORDER BY effective, value_code",
    );
    (file, rows)
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// R-CHOP given dose by dose every 21 days for six cycles from 2024-01-08, then `reports`
/// (about `urn:uuid:{id}`).
fn after_r_chop(id: &str, reports: &[Value]) -> Value {
    let subject = format!("urn:uuid:{id}");
    let first = day("2024-01-08");
    let mut resources = vec![
        patient(id, &format!("MRN-{id}"), "Brennan", "Tomas"),
        condition(
            &format!("{id}-dx"),
            &subject,
            ICD10,
            "C83.3",
            "Diffuse large B-cell lymphoma",
        ),
    ];
    for cycle in 0..6 {
        let start = first + Duration::days(21 * cycle);
        for (drug, mg) in [
            ("rituximab", 700.0),
            ("cyclophosphamide", 1400.0),
            ("doxorubicin", 90.0),
            ("vincristine", 2.0),
            ("prednisone", 100.0),
        ] {
            resources.push(json!({
                "resourceType": "MedicationAdministration",
                "id": format!("{id}-{drug}-{cycle}"),
                "status": "completed",
                "subject": {"reference": subject},
                "medicationCodeableConcept": {"text": drug},
                "effectiveDateTime": format!("{start}T09:00:00+00:00"),
                "dosage": {"dose": {"value": mg, "unit": "mg"}}
            }));
        }
    }
    resources.extend_from_slice(reports);
    bundle("collection", &resources)
}

/// `flags --json` rows for `lbcl`.
fn lbcl_flags(env: &Env) -> Vec<Value> {
    let output = refract()
        .arg("--db")
        .arg(env.db())
        .args(["flags", "--json", "--condition", "lbcl"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The end-of-treatment PET-CT written as a DiagnosticReport, as imaging systems send it
/// (LOINC 81555-5, `conclusion` "Progressive metabolic disease (Lugano), Deauville 5 …",
/// `conclusionCode` "Patient's condition worsened"), is the line's response: progression after
/// six cycles of R-CHOP is primary refractory (SCHOLAR-1), never "best response not recorded".
#[test]
fn a_pet_ct_report_concluding_progression_after_r_chop_is_primary_refractory() {
    let mut env = Env::new();
    let pet = report(
        "ly-pmd-pet",
        "urn:uuid:ly-pmd",
        "Progressive metabolic disease (Lugano), Deauville 5 with new FDG-avid nodes.",
        &with(
            worsened_code(),
            &json!({"effectiveDateTime": "2024-05-27T10:00:00Z"}),
        ),
    );
    let path = env.write_json("pmd.json", &after_r_chop("ly-pmd", &[pet]));
    let file = env.import_ok(&path);
    assert!(
        !file
            .skipped
            .keys()
            .any(|kind| kind.starts_with("DiagnosticReport")),
        "{:?}",
        file.skipped
    );
    let rows = lbcl_flags(&env);
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["status"], "refractory", "{:#}", rows[0]);
    assert!(
        !rows[0].to_string().contains("not recorded"),
        "{:#}",
        rows[0]
    );
}

/// A report concluding a complete metabolic response in words alone (no code) after R-CHOP is
/// a response: not refractory, and not "insufficient data" for want of one.
#[test]
fn a_complete_metabolic_response_report_after_r_chop_is_not_refractory() {
    let mut env = Env::new();
    let pet = report(
        "ly-cmr-pet",
        "urn:uuid:ly-cmr",
        "Complete metabolic response (Deauville 2). No residual FDG-avid disease.",
        &json!({"effectiveDateTime": "2024-05-27T10:00:00Z"}),
    );
    let path = env.write_json("cmr.json", &after_r_chop("ly-cmr", &[pet]));
    env.import_ok(&path);
    let rows = lbcl_flags(&env);
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["status"], "not_met", "{:#}", rows[0]);
}

/// A conclusion is read sentence by sentence: a denial in one sentence ("No new lesions.")
/// does not silence the response another states, and the words decide without a code.
#[test]
fn a_denial_in_another_sentence_does_not_silence_the_response() {
    let mut env = Env::new();
    let (file, rows) = stored(
        &mut env,
        &[
            report(
                "a",
                SUBJECT,
                "No new lesions. Progressive metabolic disease in the mediastinum, Deauville 5.",
                &json!({}),
            ),
            report(
                "b",
                SUBJECT,
                "Interval PET-CT.\nNo bone marrow uptake; complete metabolic response",
                &json!({"effectiveDateTime": "2024-07-01"}),
            ),
        ],
    );
    assert_eq!(file.observations, 2, "{file:#?}");
    assert_eq!(
        rows,
        [
            [WORSENED, "2024-06-03 10:00:00"],
            [COMPLETE, "2024-07-01 00:00:00"]
        ]
    );
}

/// Two sentences reading two different responses read as none (unknown, never a guess), as do
/// a code and words that disagree, or words that doubt the code's response; a code with words
/// that state no response stands.
#[test]
fn conflicting_responses_in_a_report_read_as_none() {
    let mut env = Env::new();
    let (file, rows) = stored(
        &mut env,
        &[
            report(
                "two",
                SUBJECT,
                "Partial metabolic response in the neck. Progressive metabolic disease in the \
                 abdomen.",
                &json!({}),
            ),
            report(
                "code-and-words",
                SUBJECT,
                "Complete metabolic response.",
                &worsened_code(),
            ),
            report(
                "doubted",
                SUBJECT,
                "Progression not confirmed.",
                &worsened_code(),
            ),
            report(
                "two-codes",
                SUBJECT,
                "",
                &json!({"conclusionCode": [
                    coding(SNOMED, WORSENED, "Patient's condition worsened"),
                    coding(SNOMED, COMPLETE, "Complete response")
                ]}),
            ),
            report(
                "code-alone",
                SUBJECT,
                "Worsening right pleural effusion.",
                &with(worsened_code(), &json!({"effectiveDateTime": "2024-08-01"})),
            ),
        ],
    );
    assert_eq!(rows, [[WORSENED, "2024-08-01 00:00:00"]]);
    // Each is still the PET-CT done (G2-3): an imaging row, none skipped.
    assert_eq!(file.skipped.get(REPORT_WITHOUT_RESPONSE), None, "{file:#?}");
    assert_eq!(file.procedures, 5, "{file:#?}");
}

/// R4 `registered` ("nothing yet available") and `unknown` reports are no result: a
/// conclusion sent with them is not read. `preliminary` and `partial` are results, read as
/// an Observation's preliminary value is; `amended`, `corrected`, `appended` too.
#[test]
fn a_registered_report_is_no_result_yet() {
    let mut env = Env::new();
    let pmd = "Progressive metabolic disease.";
    let with_status = |id: &str, status: &str, on: &str| {
        report(
            id,
            SUBJECT,
            pmd,
            &json!({"status": status, "effectiveDateTime": on}),
        )
    };
    let (file, rows) = stored(
        &mut env,
        &[
            with_status("registered", "registered", "2024-01-01"),
            with_status("unknown", "unknown", "2024-01-02"),
            with_status("preliminary", "preliminary", "2024-01-03"),
            with_status("partial", "partial", "2024-01-04"),
            with_status("amended", "amended", "2024-01-05"),
            with_status("corrected", "corrected", "2024-01-06"),
            with_status("appended", "appended", "2024-01-07"),
        ],
    );
    let days: Vec<&str> = rows.iter().map(|row| &row[1][..10]).collect();
    assert_eq!(
        days,
        [
            "2024-01-03",
            "2024-01-04",
            "2024-01-05",
            "2024-01-06",
            "2024-01-07"
        ]
    );
    assert_eq!(file.skipped.get("DiagnosticReport (registered)"), Some(&1));
    assert_eq!(file.skipped.get("DiagnosticReport (unknown)"), Some(&1));
}

/// Conclusions of reports about something else than the cancer's response, whose words the
/// response vocabulary also holds ("stable", "worsening", "PD" for Parkinson's disease, "MR",
/// "relapsing", "progression" of another disease), state no response: none is read as a
/// progression or a stable disease. Each is kept as the PET-CT done (an imaging row, G2-3),
/// with no status.
#[test]
fn a_report_about_something_else_states_no_response() {
    let mut env = Env::new();
    let conclusions = [
        "Stable appearance of the right renal cyst.",
        "No evidence of disease.",
        "Worsening right pleural effusion.",
        "MR brain: no acute intracranial abnormality",
        "Stable disease burden of multiple sclerosis",
        "DaTscan: findings consistent with PD.",
        "Relapsing-remitting multiple sclerosis with a new enhancing lesion.",
        "Progressive degenerative change of the lumbar spine.",
        "Interstitial lung disease progression.",
        "CMR: normal biventricular size and function",
        "Improved aeration of the left lower lobe.",
        "Worsening metabolic acidosis.",
        "SCr 1.4, stable.",
        "Progression of FDG-avid consolidation in keeping with pneumonia.",
    ];
    let reports: Vec<Value> = conclusions
        .iter()
        .enumerate()
        .map(|(n, words)| report(&format!("other-{n}"), SUBJECT, words, &json!({})))
        .collect();
    let (file, rows) = stored(&mut env, &reports);
    assert!(rows.is_empty(), "{rows:?}");
    assert_eq!(file.skipped.get(REPORT_WITHOUT_RESPONSE), None, "{file:#?}");
    assert_eq!(file.procedures, conclusions.len(), "{file:#?}");
}

/// Any category of report: the words decide. A bone marrow's "Complete remission", an AML
/// relapse named with its blasts, a Deauville score of 1-3 alone, a response named with the
/// cancer ("Lymphoma: stable disease"). Dated by `effectivePeriod.start`, else `issued`.
#[test]
fn a_marrow_or_pathology_report_is_read_by_its_words_and_dated_by_when_it_was_taken() {
    let mut env = Env::new();
    let marrow = |id: &str, conclusion: &str, when: &Value| {
        with(
            json!({
                "resourceType": "DiagnosticReport",
                "id": id,
                "status": "final",
                "category": [{"coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/v2-0074",
                    "code": "PAT"
                }]}],
                "code": {"text": "Bone marrow aspirate and trephine"},
                "subject": {"reference": SUBJECT},
                "conclusion": conclusion
            }),
            when,
        )
    };
    let (_, rows) = stored(
        &mut env,
        &[
            marrow(
                "cr",
                "Complete remission.",
                &json!({"effectivePeriod": {"start": "2024-02-01T08:00:00Z", "end": "2024-02-03"}}),
            ),
            marrow(
                "relapse",
                "Relapsed AML, 35% blasts.",
                &json!({"issued": "2024-03-01T12:00:00Z"}),
            ),
            marrow(
                "deauville",
                "Deauville 3",
                &json!({"effectiveDateTime": "2024-04-01"}),
            ),
            marrow(
                "stable",
                "Lymphoma: stable disease",
                &json!({"effectiveDateTime": "2024-05-01"}),
            ),
        ],
    );
    assert_eq!(
        rows,
        [
            [COMPLETE, "2024-02-01 08:00:00"],
            [WORSENED, "2024-03-01 12:00:00"],
            [COMPLETE, "2024-04-01 00:00:00"],
            ["359746009", "2024-05-01 00:00:00"]
        ]
    );
}

/// A report is one resource of the ledger: a new version replaces the response it stated, an
/// amended one that states none takes it out (the PET-CT stays, as an imaging row: G2-3), and
/// one entered in error removes it.
#[test]
fn a_report_is_updated_on_re_import_and_removed_when_entered_in_error() {
    let mut env = Env::new();
    let version = |conclusion: &str, status: &str, updated: &str| {
        report(
            "pet",
            SUBJECT,
            conclusion,
            &json!({"status": status, "meta": {"lastUpdated": updated}}),
        )
    };
    let (_, rows) = stored(
        &mut env,
        &[version(
            "Progressive metabolic disease.",
            "final",
            "2024-06-03T15:00:00Z",
        )],
    );
    assert_eq!(rows, [[WORSENED, "2024-06-03 10:00:00"]]);
    let (file, rows) = stored(
        &mut env,
        &[version(
            "Complete metabolic response.",
            "amended",
            "2024-06-04T15:00:00Z",
        )],
    );
    assert_eq!(file.updated, 1, "{file:#?}");
    assert_eq!(rows, [[COMPLETE, "2024-06-03 10:00:00"]]);
    let (file, rows) = stored(
        &mut env,
        &[version(
            "Residual uptake, indeterminate.",
            "corrected",
            "2024-06-05T15:00:00Z",
        )],
    );
    assert_eq!(file.updated, 1, "{file:#?}");
    assert!(rows.is_empty(), "{rows:?}");
    assert_eq!(
        env.int("SELECT count(*) FROM procedures WHERE display LIKE 'Imaging: %'"),
        1
    );
    stored(
        &mut env,
        &[version(
            "Progressive metabolic disease.",
            "final",
            "2024-06-06T15:00:00Z",
        )],
    );
    let (file, rows) = stored(
        &mut env,
        &[version(
            "Progressive metabolic disease.",
            "entered-in-error",
            "2024-06-07T15:00:00Z",
        )],
    );
    assert_eq!(file.removed, 1, "{file:#?}");
    assert!(rows.is_empty(), "{rows:?}");
}

/// A Bulk Data export's `DiagnosticReport.ndjson` is read in any order: alone before its
/// patients (it waits for them), or with them.
#[test]
fn a_bulk_reports_file_is_read_before_or_after_its_patients() {
    let mut env = Env::new();
    let folder = env.path("export");
    std::fs::create_dir_all(&folder).unwrap();
    let line = |value: &Value| format!("{}\n", serde_json::to_string(value).unwrap());
    let reports = folder.join("DiagnosticReport.ndjson");
    std::fs::write(
        &reports,
        line(&report(
            "bulk-pet",
            SUBJECT,
            "Progressive metabolic disease.",
            &json!({}),
        )),
    )
    .unwrap();
    let patients = folder.join("Patient.ndjson");
    std::fs::write(&patients, line(&patient("dxr-pt", "DXR-1", "Lind", "Ola"))).unwrap();
    let first = env.import(std::slice::from_ref(&reports));
    assert_eq!(first.failed, 0, "{first:#?}");
    let second = env.import(&[patients]);
    assert_eq!(second.failed, 0, "{second:#?}");
    let rows = env.rows("SELECT value_code FROM observations WHERE code = '97509-4'");
    assert_eq!(rows, [[WORSENED]]);

    let mut whole = Env::new();
    let report = whole.import(&[folder]);
    assert_eq!(report.failed, 0, "{report:#?}");
    let rows = whole.rows("SELECT value_code FROM observations WHERE code = '97509-4'");
    assert_eq!(rows, [[WORSENED]]);
}

/// A CT chest for a lung nodule (LOINC 24627-2), a chest X-ray: a trend `conclusionCode`
/// ("Patient's condition stable", "improved") speaks of what the report examined, not of the
/// lymphoma. Only a report about the cancer (a PET-CT, a bone marrow, a lymphoma's pathology)
/// states its status by such a code: these state none, so six cycles of R-CHOP are never
/// "best response: stable disease" (a false primary refractory).
#[test]
fn a_trend_code_on_a_report_about_something_else_is_no_response() {
    let ct = |id: &str, code: &str, display: &str, conclusion: &str, name: (&str, &str)| {
        report(
            id,
            "urn:uuid:ly-ct",
            conclusion,
            &json!({
                "category": [{"coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/v2-0074",
                    "code": "RAD", "display": "Radiology"
                }]}],
                "code": {"coding": [{"system": LOINC, "code": name.0, "display": name.1}],
                         "text": name.1},
                "conclusionCode": [coding(SNOMED, code, display)],
                "effectiveDateTime": "2024-05-27T10:00:00Z"
            }),
        )
    };
    let mut env = Env::new();
    let reports = [
        ct(
            "ly-ct-1",
            "359746009",
            "Patient's condition stable",
            "Stable 4 mm right lower lobe pulmonary nodule.",
            ("24627-2", "CT Chest"),
        ),
        ct(
            "ly-ct-2",
            "268910001",
            "Patient's condition improved",
            "Improved aeration of the left lower lobe.",
            ("36643-5", "XR Chest 2 Views"),
        ),
    ];
    let path = env.write_json("ct.json", &after_r_chop("ly-ct", &reports));
    env.import_ok(&path);
    let rows = lbcl_flags(&env);
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_ne!(rows[0]["status"], "refractory", "{:#}", rows[0]);
    assert!(
        !rows[0]
            .to_string()
            .contains("best response: stable disease"),
        "{:#}",
        rows[0]
    );
}

/// A response attributed to an earlier study ("previously Deauville 2", "compared with the
/// interim PET-CT, which showed complete metabolic response") is not today's, and a Deauville
/// 4-5 beside a 1-3 is no complete metabolic response: progression is never read as a CR.
#[test]
fn a_prior_studys_response_is_not_todays() {
    for (name, conclusion) in [
        (
            "ly-prior-ds",
            "New FDG-avid hepatic and osseous lesions, Deauville 5 (previously Deauville 2).",
        ),
        (
            "ly-prior-cmr",
            "Compared with the interim PET-CT, which showed complete metabolic response, there \
             are new FDG-avid lesions in the liver and spleen.",
        ),
        (
            "ly-prior-pmr",
            "Prior PET-CT showed partial metabolic response. Deauville 4.",
        ),
    ] {
        let mut env = Env::new();
        let pet = report(
            &format!("{name}-pet"),
            &format!("urn:uuid:{name}"),
            conclusion,
            &json!({"effectiveDateTime": "2024-05-27T10:00:00Z"}),
        );
        let path = env.write_json("prior.json", &after_r_chop(name, &[pet]));
        env.import_ok(&path);
        let rows = lbcl_flags(&env);
        assert_eq!(rows.len(), 1, "{rows:#?}");
        let text = rows[0].to_string();
        assert!(
            !text.contains("responded") && !text.contains("not_met"),
            "{conclusion}: {:#}",
            rows[0]
        );
    }
}

/// A denial reaches the finding it governs ("no marrow involvement", "non-avid splenic
/// lesion", "no new extranodal sites"), not the progression beside it in the same sentence:
/// progression after six cycles of R-CHOP stays primary refractory.
#[test]
fn a_denial_of_another_finding_does_not_silence_the_response() {
    for conclusion in [
        "Progressive metabolic disease, Deauville 5, no marrow involvement.",
        "Progressive metabolic disease with non-avid splenic lesion.",
        "No marrow involvement, progressive metabolic disease (Deauville 5).",
    ] {
        let mut env = Env::new();
        let pet = report(
            "ly-den-pet",
            "urn:uuid:ly-den",
            conclusion,
            &json!({"effectiveDateTime": "2024-05-27T10:00:00Z"}),
        );
        let path = env.write_json("denial.json", &after_r_chop("ly-den", &[pet]));
        env.import_ok(&path);
        let rows = lbcl_flags(&env);
        assert_eq!(rows.len(), 1, "{rows:#?}");
        assert_eq!(
            rows[0]["status"], "refractory",
            "{conclusion}: {:#}",
            rows[0]
        );
    }
}

/// Another disease's remission or response ("Crohn's colitis in complete remission" on a
/// colon biopsy, "Nephrotic syndrome in partial remission", "GVHD, partial response to
/// steroids", "Complete response of the liver abscess to drainage") is no response of the
/// lymphoma: the PET-CT's progression after R-CHOP stays primary refractory, never "relapsed".
#[test]
fn another_diseases_remission_is_no_response_of_the_cancer() {
    for (conclusion, pathology) in [
        ("Crohn's colitis in complete remission.", true),
        ("Nephrotic syndrome in partial remission.", true),
        ("GVHD, partial response to steroids.", false),
        ("Complete response of the liver abscess to drainage.", false),
    ] {
        let mut env = Env::new();
        let extra = if pathology {
            json!({
                "category": [{"coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "SP"
                }]}],
                "code": {"coding": [{"system": LOINC, "code": "22634-0",
                                     "display": "Pathology report"}],
                         "text": "Colon biopsy, surgical pathology"},
                "effectiveDateTime": "2024-05-20T10:00:00Z"
            })
        } else {
            json!({"effectiveDateTime": "2024-05-20T10:00:00Z"})
        };
        let other = report("ly-oth-1", "urn:uuid:ly-oth", conclusion, &extra);
        let pet = report(
            "ly-oth-2",
            "urn:uuid:ly-oth",
            "Progressive metabolic disease (Lugano), Deauville 5 with new FDG-avid hepatic lesions.",
            &json!({"effectiveDateTime": "2024-05-27T10:00:00Z"}),
        );
        let path = env.write_json("other.json", &after_r_chop("ly-oth", &[other, pet]));
        env.import_ok(&path);
        let rows = lbcl_flags(&env);
        assert_eq!(rows.len(), 1, "{rows:#?}");
        assert_eq!(
            rows[0]["status"], "refractory",
            "{conclusion}: {:#}",
            rows[0]
        );
    }
}

/// The status of the lbcl assessment after R-CHOP and one end-of-treatment PET-CT concluding
/// `conclusion`, with `extra` merged into the report.
fn lbcl_status_after(name: &str, conclusion: &str, extra: &Value) -> String {
    let mut env = Env::new();
    let pet = report(
        &format!("{name}-pet"),
        &format!("urn:uuid:{name}"),
        conclusion,
        extra,
    );
    let path = env.write_json("case.json", &after_r_chop(name, &[pet]));
    env.import_ok(&path);
    let rows = lbcl_flags(&env);
    assert_eq!(rows.len(), 1, "{rows:#?}");
    rows[0]["status"].as_str().unwrap_or_default().to_string()
}

/// A comparison written with no comma ends where the words state today's finding ("there
/// is", "shows", "now", "with interval"): the progression after it is today's, so primary
/// refractory; an earlier study's response inside the comparison stays the earlier study's.
#[test]
fn a_comparison_without_a_comma_ends_where_todays_finding_is_stated() {
    for conclusion in [
        "Compared with the baseline PET-CT there is progressive metabolic disease with new \
         FDG-avid hepatic lesions, Deauville 5.",
        "Compared to the prior study there are new FDG-avid nodes in keeping with progressive \
         metabolic disease.",
        "Relative to the interim PET-CT which showed partial metabolic response there is now \
         progressive metabolic disease.",
        "In comparison with the prior study the scan shows progressive metabolic disease.",
        "Versus the interim study with interval progressive metabolic disease, Deauville 5.",
    ] {
        assert_eq!(
            lbcl_status_after("ly-cmp", conclusion, &json!({})),
            "refractory",
            "{conclusion}"
        );
    }
}

/// A PET-CT known by its LOINC code alone (no text, no display), or named "PETCT" or by
/// LOINC's "PT+CT", is about the lymphoma: its words and its trend code are read.
#[test]
fn a_pet_ct_known_by_its_loinc_code_or_a_glued_name_is_read() {
    let pmd = "Progressive metabolic disease with new FDG-avid nodes.";
    for (code, conclusion, coded) in [
        (
            json!({"coding": [{"system": LOINC, "code": "81555-5"}]}),
            pmd,
            false,
        ),
        (json!({"text": "PETCT SKULL BASE-THIGH"}), pmd, false),
        (
            json!({"text": "PT+CT Whole body Tum loc W 18F-FDG IV"}),
            pmd,
            false,
        ),
        (
            json!({"coding": [{"system": LOINC, "code": "81555-5"}]}),
            "New FDG-avid nodes.",
            true,
        ),
    ] {
        let mut extra = json!({"code": code, "category": []});
        if coded {
            extra = with(extra, &worsened_code());
        }
        assert_eq!(
            lbcl_status_after("ly-loinc", conclusion, &extra),
            "refractory",
            "{extra}"
        );
    }
}

/// A sentence that names the lymphoma is the lymphoma's, whatever other disease words stand
/// in it (a subtype "nodular sclerosis", a risk factor "HIV-associated", an incidental
/// pneumonia beside a Deauville 5): the progression after R-CHOP is primary refractory.
#[test]
fn a_sentence_naming_the_lymphoma_reads_as_the_lymphomas_whatever_else_it_names() {
    for conclusion in [
        "Relapsed nodular sclerosis classical Hodgkin lymphoma: progressive metabolic disease, \
         Deauville 5.",
        "HIV-associated DLBCL: progressive metabolic disease, Deauville 5.",
        "Progressive metabolic disease, Deauville 5, with new FDG-avid hepatic lesions and \
         right lower lobe pneumonia.",
        "Lymphoma progression with new nodes and incidental cholecystitis.",
    ] {
        assert_eq!(
            lbcl_status_after("ly-oth3", conclusion, &json!({})),
            "refractory",
            "{conclusion}"
        );
    }
}

/// "Not excluded", "cannot be excluded", "not ruled out", "cannot be ruled out" after a
/// response keep it a possibility: no progression is read, so no refractory flag.
#[test]
fn a_response_not_excluded_or_not_ruled_out_is_not_read() {
    for conclusion in [
        "Progressive metabolic disease, not excluded.",
        "Progressive metabolic disease, cannot be excluded.",
        "Progressive metabolic disease, not ruled out.",
        "Progressive metabolic disease cannot be ruled out.",
        "Progressive metabolic disease, which can't be excluded.",
        "Progressive metabolic disease, could not be excluded on this study.",
    ] {
        assert_ne!(
            lbcl_status_after("ly-notex", conclusion, &json!({})),
            "refractory",
            "{conclusion}"
        );
    }
}

/// OC-7: a PET-CT whose conclusion reads a progression in one sentence and stable lymphoma in
/// another is a progression (Lugano 2014: progression at any site is the response): primary
/// refractory after R-CHOP, as the progression alone is.
#[test]
fn a_progression_beside_stable_sites_in_a_report_is_a_progression() {
    for conclusion in [
        "Progressive metabolic disease in the liver. Nodal lymphoma stable.",
        "Stable nodal lymphoma. New FDG-avid hepatic lesions: progressive metabolic disease.",
    ] {
        assert_eq!(
            lbcl_status_after("ly-pdsd", conclusion, &json!({})),
            "refractory",
            "{conclusion}"
        );
    }
}
