//! Every shape a FHIR file comes in: Bundles of type transaction, batch, collection and
//! searchset; a single resource; NDJSON (Bulk Data `$export`), one resource type per file.

use refract::import::FileOutcome;
use serde_json::{Value, json};

use super::sql_on;
use super::{
    Env, ICD10, LAMOTRIGINE, LEVETIRACETAM, RXNORM, SNOMED, bundle, coding, condition, fixtures,
    observation, patient, statement,
};

/// A bundle of `kind` with one patient, a condition, a drug and an observation, referring to the
/// patient both ways a bundle does (the entry's full URL and `Patient/<id>`).
fn imports_bundle_of_type(kind: &str) {
    let mut env = Env::new();
    let id = format!("pt-{kind}");
    let by_url = format!("urn:uuid:{id}");
    let by_id = format!("Patient/{id}");
    let document = bundle(
        kind,
        &[
            patient(&id, &format!("MRN-{kind}"), "Berg", "Tove"),
            condition("c1", &by_url, ICD10, "G40.909", "Epilepsy"),
            statement("m1", &by_id, LEVETIRACETAM, "active", "2023-02-01", None),
            observation(
                "o1",
                &by_url,
                "89247-1",
                "ECOG",
                &json!({"valueInteger": 1}),
            ),
            // Bundles carry things refract does not read, or does not keep (an Encounter that
            // says no place): skipped, counted.
            json!({"resourceType": "Encounter", "id": "e1", "status": "finished"}),
            json!({"resourceType": "OperationOutcome", "id": "oo", "issue": []}),
        ],
    );
    let path = env.write_json(&format!("{kind}.json"), &document);
    let file = env.import_ok(&path);
    assert_eq!(file.resources, 6);
    assert_eq!(
        (
            file.patients,
            file.conditions,
            file.exposures,
            file.observations
        ),
        (1, 1, 1, 1),
        "{kind}"
    );
    // The fixture's Encounter has no class: not read, so not claimed "not in hospital".
    assert_eq!(
        file.skipped.get("Encounter (class refract does not read)"),
        Some(&1)
    );
    assert_eq!(file.skipped.get("OperationOutcome"), Some(&1));
    let pid = env.patient_id(&format!("MRN-{kind}"));
    for table in ["conditions", "drug_exposures", "observations"] {
        assert_eq!(
            env.int(&format!(
                "SELECT count(*) FROM {table} WHERE patient_id = {pid} AND source = 'fhir'"
            )),
            1,
            "{kind}: {table}"
        );
    }
    let source: String = sql_on(&env.store)
        .query_row("SELECT source_id FROM patients WHERE id = ?1", [pid], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(source, id);
}

#[test]
fn bundle_of_type_transaction() {
    imports_bundle_of_type("transaction");
}

#[test]
fn bundle_of_type_batch() {
    imports_bundle_of_type("batch");
}

#[test]
fn bundle_of_type_collection() {
    imports_bundle_of_type("collection");
}

#[test]
fn bundle_of_type_searchset() {
    imports_bundle_of_type("searchset");
}

#[test]
fn a_transaction_entry_without_a_resource_is_passed_over() {
    let mut env = Env::new();
    let mut document = bundle("transaction", &[patient("p1", "MRN-T", "Berg", "Tove")]);
    document["entry"]
        .as_array_mut()
        .unwrap()
        .push(json!({"request": {"method": "DELETE", "url": "Observation/old"}}));
    let path = env.write_json("tx.json", &document);
    let file = env.import_ok(&path);
    assert_eq!(file.patients, 1);
}

#[test]
fn single_resources_in_files_of_their_own() {
    let mut env = Env::new();
    // A Patient alone…
    let alone = env.write_json(
        "patient.json",
        &patient("solo-1", "MRN-SOLO", "Lund", "Iris"),
    );
    let file = env.import_ok(&alone);
    assert_eq!((file.resources, file.patients), (1, 1));
    let pid = env.patient_id("MRN-SOLO");

    // …then, in a later run, an Observation and a Condition alone referring to it (relative and
    // absolute references).
    let obs = env.write_json(
        "observation.json",
        &observation(
            "solo-obs",
            "Patient/solo-1",
            "44261-6",
            "PHQ-9 total score",
            &json!({"valueInteger": 14}),
        ),
    );
    let file = env.import_ok(&obs);
    assert_eq!((file.patients, file.observations), (0, 1));
    let dx = env.write_json(
        "condition.json",
        &condition(
            "solo-dx",
            "https://ehr.example.org/fhir/Patient/solo-1",
            ICD10,
            "F33.2",
            "Major depressive disorder, recurrent severe",
        ),
    );
    let file = env.import_ok(&dx);
    assert_eq!(file.conditions, 1);

    assert_eq!(env.int("SELECT count(*) FROM patients"), 1);
    assert_eq!(
        env.rows(&format!(
            "SELECT code, value FROM observations WHERE patient_id = {pid}"
        )),
        [["44261-6", "14"]]
    );
    assert_eq!(
        env.rows(&format!(
            "SELECT system, code FROM conditions WHERE patient_id = {pid}"
        )),
        [["icd10", "F33.2"]]
    );
    // The record changed: the patient's record version moved on (it is evaluated again).
    assert!(
        env.int(&format!(
            "SELECT record_version FROM patients WHERE id = {pid}"
        )) >= 3
    );

    // A changed version of the lone observation replaces it (same resource id).
    let changed = env.write_json(
        "observation-2.json",
        &observation(
            "solo-obs",
            "Patient/solo-1",
            "44261-6",
            "PHQ-9 total score",
            &json!({"valueInteger": 9}),
        ),
    );
    env.import_ok(&changed);
    assert_eq!(
        env.rows(&format!(
            "SELECT code, value FROM observations WHERE patient_id = {pid}"
        )),
        [["44261-6", "9"]]
    );
}

#[test]
fn versioned_references_point_at_the_resource() {
    // `Patient/<id>/_history/<version>` is a reference to that patient (R4 3.1.1.2), in a bundle
    // and from a file of its own.
    let mut env = Env::new();
    let document = bundle(
        "collection",
        &[
            patient("hist-1", "MRN-HIST", "Vik", "Jon"),
            observation(
                "hist-o1",
                "Patient/hist-1/_history/3",
                "89247-1",
                "ECOG",
                &json!({"valueInteger": 1}),
            ),
        ],
    );
    let path = env.write_json("versioned.json", &document);
    let file = env.import_ok(&path);
    assert_eq!(file.observations, 1);
    let alone = env.write_json(
        "versioned-alone.json",
        &condition(
            "hist-dx",
            "https://ehr.example.org/fhir/Patient/hist-1/_history/7",
            ICD10,
            "I10",
            "Essential hypertension",
        ),
    );
    let file = env.import_ok(&alone);
    assert_eq!(file.conditions, 1);
    let pid = env.patient_id("MRN-HIST");
    assert_eq!(
        env.int(&format!(
            "SELECT count(*) FROM observations WHERE patient_id = {pid}"
        )) + env.int(&format!(
            "SELECT count(*) FROM conditions WHERE patient_id = {pid}"
        )),
        2
    );
}

#[test]
fn ndjson_folder_with_patients_first() {
    let mut env = Env::new();
    // Observation.ndjson and MedicationStatement.ndjson sort before Patient.ndjson: the importer
    // must read the patients first.
    let folder = fixtures().join("ndjson");
    let report = env.import(std::slice::from_ref(&folder));
    assert_eq!(report.failed, 0, "{report:#?}");
    assert_eq!(report.imported, 3);
    assert!(
        report.files[0].path.ends_with("Patient.ndjson"),
        "patients first: {:?}",
        report.files.iter().map(|f| &f.path).collect::<Vec<_>>()
    );
    assert_eq!(report.patients, 2);
    assert_eq!(report.observations, 4, "3 resources, one a BP panel of 2");
    assert_eq!(report.exposures, 2);
    let ana = env.patient_id("ND-1");
    let ben = env.patient_id("ND-2");
    assert_eq!(
        env.rows(&format!(
            "SELECT code, value FROM observations WHERE patient_id = {ana} ORDER BY code"
        )),
        [["8462-4", "88"], ["8480-6", "146"]]
    );
    assert_eq!(
        env.rows(&format!(
            "SELECT code, value FROM observations WHERE patient_id = {ben} ORDER BY code"
        )),
        [["89247-1", "2"], ["97509-4", "NULL"]]
    );
    assert_eq!(
        env.rows(&format!(
            "SELECT text FROM drug_exposures WHERE patient_id = {ana}"
        )),
        [["Levetiracetam 500 MG Oral Tablet"]]
    );
    assert_eq!(
        env.rows(&format!(
            "SELECT text FROM drug_exposures WHERE patient_id = {ben}"
        )),
        [["Amlodipine 5 MG Oral Tablet"]]
    );
    for file in &report.files {
        assert_eq!(file.outcome, FileOutcome::Imported);
    }
}

#[test]
fn repeating_primitives_with_extensions_keep_their_resource() {
    // R4 JSON (2.6.2.4): a repeating primitive whose items carry extensions is written as two
    // arrays, `given` and `_given`, "JSON nulls are used to fill out both arrays". A null item
    // is a value with no value, never a reason to leave out the patient or the order: the
    // name's other given names, the timing's other times, stay read.
    let mut env = Env::new();
    let extension = json!({"extension": [{
        "url": "http://hl7.org/fhir/StructureDefinition/iso21090-EN-qualifier",
        "valueCode": "IN"
    }]});
    let mut person = patient("nul-1", "MRN-NUL", "Lund", "Siri");
    person["name"][0]["given"] = json!(["Siri", null]);
    person["name"][0]["_given"] = json!([null, extension]);
    let order = json!({
        "resourceType": "MedicationRequest",
        "id": "nul-m1",
        "status": "active",
        "intent": "order",
        "subject": {"reference": "urn:uuid:nul-1"},
        "authoredOn": "2025-02-01",
        "medicationCodeableConcept": coding(RXNORM, LEVETIRACETAM.0, LEVETIRACETAM.1),
        "dosageInstruction": [{
            "timing": {"repeat": {
                "when": ["MORN", null, "HS"],
                "_when": [null, {"extension": [{"url": "https://example.org/x", "valueString": "y"}]}, null],
                "dayOfWeek": ["mon", null, "thu"],
                "_dayOfWeek": [null, extension, null]
            }},
            "doseAndRate": [{"doseQuantity": {"value": 500, "unit": "mg"}}]
        }]
    });
    let mut allergy = json!({
        "resourceType": "AllergyIntolerance",
        "id": "nul-a1",
        "patient": {"reference": "urn:uuid:nul-1"},
        "category": ["medication", null],
        "_category": [null, extension],
        "code": coding(RXNORM, LAMOTRIGINE.0, LAMOTRIGINE.1),
        "recordedDate": "2024-01-01"
    });
    allergy["reaction"] = json!([{"manifestation": [coding(SNOMED, "271807003", "Rash")]}]);
    let path = env.write_json(
        "nulls.json",
        &bundle("collection", &[person, order, allergy]),
    );
    let file = env.import_ok(&path);
    assert_eq!(
        (file.patients, file.exposures, file.reactions),
        (1, 1, 1),
        "{:?}",
        file.warnings
    );
    let pid = env.patient_id("MRN-NUL");
    assert_eq!(
        env.rows(&format!(
            "SELECT given_name, family_name FROM patients WHERE id = {pid}"
        )),
        vec![vec!["Siri".to_owned(), "Lund".to_owned()]]
    );
    // Twice a day (morning and bedtime) on two days of the week: 1000 mg × 2/7.
    assert_eq!(
        env.rows(&format!(
            "SELECT round(dose_value, 1), dose_unit FROM drug_exposures WHERE patient_id = {pid}"
        )),
        vec![vec!["285.7".to_owned(), "mg/d".to_owned()]]
    );
    assert!(
        !file
            .warnings
            .iter()
            .any(|w| w.message.contains("not a valid")),
        "{:?}",
        file.warnings
    );
}

/// Review RV-2: an absolute reference names the bundle entry whose `fullUrl` it is (R4 Bundle:
/// a reference is resolved against the entries' full URLs first), never another entry that
/// happens to hold the same id: a Patient written without an id at
/// `https://south…/Patient/1001` is not the Patient `1001` of another server in the same file.
#[test]
fn an_absolute_reference_names_the_entry_of_that_full_url() {
    let mut env = Env::new();
    let person = |mrn: &str, family: &str| {
        json!({
            "resourceType": "Patient",
            "identifier": [{"system": format!("urn:mrn:{family}"), "value": mrn}],
            "name": [{"family": family, "given": ["Sam"]}],
        })
    };
    let mut north = person("N-1", "North");
    north["id"] = json!("1001");
    let south_url = "https://south.example.org/fhir/Patient/1001";
    let condition = |subject: &str, code: &str, display: &str| {
        json!({
            "resourceType": "Condition",
            "subject": {"reference": subject},
            "code": {"coding": [{"system": ICD10, "code": code, "display": display}]},
            "onsetDateTime": "2016-01-01"
        })
    };
    let document = json!({
        "resourceType": "Bundle", "type": "collection",
        "entry": [
            {"fullUrl": "urn:uuid:7c1e2d3a-0000-4000-8000-000000000001", "resource": north},
            {"fullUrl": south_url, "resource": person("S-1", "South")},
            {"fullUrl": "https://south.example.org/fhir/Condition/9",
             "resource": condition(south_url, "G40.909", "Epilepsy")},
            {"fullUrl": "urn:uuid:7c1e2d3a-0000-4000-8000-000000000002",
             "resource": condition("urn:uuid:7c1e2d3a-0000-4000-8000-000000000001", "I10",
                                   "Hypertension")},
        ]
    });
    let path = env.write_json("two-servers.json", &document);
    env.import_ok(&path);
    assert_eq!(
        env.rows(
            "SELECT p.mrn, c.code FROM conditions c JOIN patients p ON p.id = c.patient_id \
             ORDER BY p.mrn, c.code"
        ),
        [["N-1", "I10"], ["S-1", "G40.909"]]
    );
}

/// RR-7: a relative reference in an entry whose `fullUrl` is RESTful is resolved against that
/// entry's base (R4 Bundle, "Resolving references in Bundles": the `[base]` of the entry's
/// fullUrl followed by the relative reference) and names the entry with that `fullUrl`, written without an id or
/// not. Two servers' Patient 1001 in one bundle stay two people: each server's Condition,
/// naming `Patient/1001`, goes to its own server's Patient.
#[test]
fn a_relative_reference_is_resolved_against_its_entrys_base() {
    let mut env = Env::new();
    let person = |mrn: &str, family: &str| {
        json!({
            "resourceType": "Patient",
            "identifier": [{"system": format!("urn:mrn:{family}"), "value": mrn}],
            "name": [{"family": family, "given": ["Sam"]}],
        })
    };
    let mut north = person("N-1", "North");
    north["id"] = json!("1001");
    let condition = |code: &str, display: &str| {
        json!({
            "resourceType": "Condition",
            "subject": {"reference": "Patient/1001"},
            "code": {"coding": [{"system": ICD10, "code": code, "display": display}]},
            "onsetDateTime": "2016-01-01"
        })
    };
    let mut north_condition = condition("I10", "Hypertension");
    north_condition["id"] = json!("7");
    let document = json!({
        "resourceType": "Bundle", "type": "collection",
        "entry": [
            {"fullUrl": "https://north.example.org/fhir/Patient/1001", "resource": north},
            // Written without an id: known by its fullUrl only.
            {"fullUrl": "https://south.example.org/fhir/Patient/1001",
             "resource": person("S-1", "South")},
            {"fullUrl": "https://south.example.org/fhir/Condition/9",
             "resource": condition("G40.909", "Epilepsy")},
            {"fullUrl": "https://north.example.org/fhir/Condition/7", "resource": north_condition},
        ]
    });
    let path = env.write_json("two-servers-relative.json", &document);
    let file = env.import_ok(&path);
    assert_eq!(
        env.rows(
            "SELECT p.mrn, c.code FROM conditions c JOIN patients p ON p.id = c.patient_id \
             ORDER BY p.mrn, c.code"
        ),
        [["N-1", "I10"], ["S-1", "G40.909"]],
        "{:?}",
        file.warnings
    );
}

/// RR-7: an id-less Patient and Medication at RESTful full URLs, named by the other entries
/// relatively (`Patient/abc`, `Medication/m1`) and absolutely: each reference names that entry.
#[test]
fn entries_without_ids_at_restful_urls_are_named_by_their_urls() {
    let mut env = Env::new();
    let base = "https://h.example/fhir";
    let statement = |id: &str, medication: &str, subject: &str| {
        json!({"fullUrl": format!("{base}/MedicationStatement/{id}"), "resource": {
            "resourceType": "MedicationStatement", "id": id, "status": "active",
            "subject": {"reference": subject},
            "medicationReference": {"reference": medication},
            "effectivePeriod": {"start": "2023-02-01"}
        }})
    };
    let document = json!({
        "resourceType": "Bundle", "type": "searchset",
        "entry": [
            {"fullUrl": format!("{base}/Patient/abc"), "resource": {
                "resourceType": "Patient",
                "identifier": [{"system": "urn:mrn:h", "value": "H-1"}],
                "name": [{"family": "Holm", "given": ["Ada"]}]}},
            {"fullUrl": format!("{base}/Medication/m1"), "resource": {
                "resourceType": "Medication",
                "code": coding(RXNORM, LAMOTRIGINE.0, LAMOTRIGINE.1)}},
            {"fullUrl": format!("{base}/Condition/c1"), "resource": {
                "resourceType": "Condition", "id": "c1",
                "subject": {"reference": "Patient/abc"},
                "code": {"coding": [{"system": ICD10, "code": "G40.909", "display": "Epilepsy"}]},
                "onsetDateTime": "2016-01-01"}},
            statement("s1", "Medication/m1", "Patient/abc"),
        ]
    });
    let path = env.write_json("restful-without-ids.json", &document);
    let file = env.import_ok(&path);
    assert_eq!(
        env.rows("SELECT p.mrn, c.code FROM conditions c JOIN patients p ON p.id = c.patient_id"),
        [["H-1", "G40.909"]],
        "{:?}",
        file.warnings
    );
    assert_eq!(
        env.rows(
            "SELECT p.mrn, d.text, d.source_id FROM drug_exposures d \
             JOIN patients p ON p.id = d.patient_id ORDER BY d.source_id"
        ),
        [["H-1", LAMOTRIGINE.1, "s1"]],
        "{:?}",
        file.warnings
    );
    // The same, named by the absolute URLs (no id to strip them to).
    let mut env = Env::new();
    let mut document = document;
    let entries = document["entry"].as_array_mut().map(std::mem::take);
    document["entry"] = json!(
        entries
            .into_iter()
            .flatten()
            .take(2)
            .chain([statement(
                "s2",
                &format!("{base}/Medication/m1"),
                &format!("{base}/Patient/abc")
            )])
            .collect::<Vec<_>>()
    );
    let path = env.write_json("restful-absolute.json", &document);
    let file = env.import_ok(&path);
    assert_eq!(
        env.rows(
            "SELECT p.mrn, d.text, d.source_id FROM drug_exposures d \
             JOIN patients p ON p.id = d.patient_id"
        ),
        [["H-1", LAMOTRIGINE.1, "s2"]],
        "{:?}",
        file.warnings
    );
}

/// RR-8: a Bundle whose entries are Bundles (R4 allows a Bundle as an entry's resource: a
/// `collection` of `searchset`s, a `batch-response` holding the searchset of each search) is
/// read entry by entry, each inner entry with its own `fullUrl`, as the same entries in one
/// Bundle would be.
#[test]
fn bundles_inside_a_bundle_are_read_entry_by_entry() {
    let searchset = |resources: &[Value]| bundle("searchset", resources);
    let inner = [
        searchset(&[patient("nest-pt", "NEST-1", "Lund", "Eva")]),
        searchset(&[
            condition("nest-c", "urn:uuid:nest-pt", ICD10, "G40.909", "Epilepsy"),
            statement(
                "nest-m",
                "Patient/nest-pt",
                LEVETIRACETAM,
                "active",
                "2023-02-01",
                None,
            ),
        ]),
    ];
    let collection = json!({
        "resourceType": "Bundle", "type": "collection",
        "entry": inner.iter().map(|b| json!({"resource": b})).collect::<Vec<_>>(),
    });
    let batch_response = json!({
        "resourceType": "Bundle", "type": "batch-response",
        "entry": inner.iter().map(|b| json!({"resource": b, "response": {"status": "200 OK"}}))
            .collect::<Vec<_>>(),
    });
    for (name, document) in [
        ("collection", collection),
        ("batch-response", batch_response),
    ] {
        let mut env = Env::new();
        let path = env.write_json(&format!("{name}.json"), &document);
        let file = env.import_ok(&path);
        assert_eq!(
            (file.patients, file.conditions, file.exposures),
            (1, 1, 1),
            "{name}: {:?}",
            file.warnings
        );
        assert_eq!(
            env.rows(
                "SELECT p.mrn, c.code FROM conditions c JOIN patients p ON p.id = c.patient_id"
            ),
            [["NEST-1", "G40.909"]],
            "{name}"
        );
    }
}

/// An entry as a server writes it: its RESTful `fullUrl` under `base`, and a request.
fn served(base: &str, resource: &Value) -> Value {
    let kind = resource["resourceType"].as_str().unwrap_or("Basic");
    let id = resource["id"].as_str().unwrap_or("x");
    json!({
        "fullUrl": format!("{base}/{kind}/{id}"),
        "resource": resource,
        "request": {"method": "PUT", "url": format!("{kind}/{id}")},
    })
}

fn bundle_of(kind: &str, entries: &[Value]) -> Value {
    json!({"resourceType": "Bundle", "type": kind, "entry": entries})
}

/// History pages nested in one Bundle are one history: R4 (http.html#history) sorts it newest
/// first across its pages, so an older version on page 2 must not replace the newest of page 1
/// (here an `entered-in-error` diagnosis coming back), whether or not `meta.lastUpdated` says
/// which is older. The nested file reads as the same entries in one history Bundle.
#[test]
fn history_pages_inside_a_bundle_keep_the_newest_version() {
    let base = "https://h.example/fhir";
    let epilepsy = condition("c1", "Patient/p1", ICD10, "G40.909", "Epilepsy");
    let mut in_error = epilepsy.clone();
    in_error["meta"] = json!({"versionId": "2"});
    in_error["verificationStatus"]["coding"][0]["code"] = json!("entered-in-error");
    let mut older = epilepsy;
    older["meta"] = json!({"versionId": "1"});
    let page1 = vec![
        served(base, &patient("p1", "H-1", "Holm", "Ada")),
        served(base, &in_error),
    ];
    let page2 = vec![served(base, &older)];
    let flat = bundle_of("history", &[page1.clone(), page2.clone()].concat());
    let nested = bundle_of(
        "collection",
        &[
            json!({"resource": bundle_of("history", &page1)}),
            json!({"resource": bundle_of("history", &page2)}),
        ],
    );
    for (name, document) in [("flat", flat), ("nested", nested)] {
        let mut env = Env::new();
        let path = env.write_json(&format!("{name}.json"), &document);
        let file = env.import_ok(&path);
        assert_eq!(file.patients, 1, "{name}: {:?}", file.warnings);
        assert_eq!(
            env.rows("SELECT code FROM conditions"),
            Vec::<Vec<String>>::new(),
            "{name}: the entered-in-error version is the current one"
        );
    }
}

/// Inner Bundles whose entries come from two servers (a `collection` of two servers'
/// searchsets) are refused whole, as a flat file cannot be split by `--source` without being
/// edited: the same id on both servers would be taken for one record and one lost. Pages of one
/// server's search, or a batch-response of one server, are read.
#[test]
fn bundles_inside_a_bundle_from_two_servers_are_refused() {
    let north = "https://north.example.org/fhir";
    let south = "https://south.example.org/fhir";
    let searchset = |base: &str, resources: &[Value]| {
        let mut found = bundle_of(
            "searchset",
            &resources
                .iter()
                .map(|r| served(base, r))
                .collect::<Vec<_>>(),
        );
        found["meta"] = json!({"source": base});
        found
    };
    let two_servers = bundle_of(
        "collection",
        &[
            json!({"resource": searchset(north, &[
                patient("1", "N-1", "Norr", "Nils"),
                condition("c1", "Patient/1", ICD10, "I10", "Hypertension"),
            ])}),
            json!({"resource": searchset(south, &[
                patient("2", "S-2", "Sund", "Siv"),
                condition("c1", "Patient/2", ICD10, "G40.909", "Epilepsy"),
            ])}),
        ],
    );
    let mut env = Env::new();
    let before = env.counts();
    let path = env.write_json("two-servers.json", &two_servers);
    let report = env.import(std::slice::from_ref(&path));
    let file = &report.files[0];
    assert_eq!(file.outcome, FileOutcome::Failed, "{report:#?}");
    let error = file.error.clone().unwrap_or_default();
    assert!(!error.contains('\n'), "one line: {error:?}");
    for want in [
        "north.example.org/fhir",
        "south.example.org/fhir",
        "--source",
    ] {
        assert!(error.contains(want), "'{want}' not in the error: {error}");
    }
    assert_eq!(env.counts(), before, "nothing stored");

    // One server's pages (Patient/1 then its Condition) and its batch-response are read.
    let pages = [
        searchset(north, &[patient("1", "N-1", "Norr", "Nils")]),
        searchset(
            "https://NORTH.example.org:443/fhir",
            &[condition("c1", "Patient/1", ICD10, "I10", "Hypertension")],
        ),
    ];
    let collection = bundle_of(
        "collection",
        &pages
            .iter()
            .map(|b| json!({"resource": b}))
            .collect::<Vec<_>>(),
    );
    let batch_response = bundle_of(
        "batch-response",
        &pages
            .iter()
            .map(|b| json!({"resource": b, "response": {"status": "200 OK"}}))
            .collect::<Vec<_>>(),
    );
    for (name, document) in [
        ("collection", collection),
        ("batch-response", batch_response),
    ] {
        let mut env = Env::new();
        let path = env.write_json(&format!("{name}.json"), &document);
        let file = env.import_ok(&path);
        assert_eq!(
            env.rows(
                "SELECT p.mrn, c.code FROM conditions c JOIN patients p ON p.id = c.patient_id"
            ),
            [["N-1", "I10"]],
            "{name}: {:?}",
            file.warnings
        );
    }
}

/// The failed import of `document`: nothing stored, one line naming `wants`.
fn refused(document: &Value, wants: &[&str]) -> String {
    let mut env = Env::new();
    let before = env.counts();
    let path = env.write_json("refused.json", document);
    let report = env.import(std::slice::from_ref(&path));
    let file = &report.files[0];
    assert_eq!(file.outcome, FileOutcome::Failed, "{report:#?}");
    let error = file.error.clone().unwrap_or_default();
    assert!(!error.contains('\n'), "one line: {error:?}");
    for want in wants {
        assert!(error.contains(want), "'{want}' not in the error: {error}");
    }
    assert_eq!(env.counts(), before, "nothing stored");
    error
}

/// An inner Bundle's entries whose `fullUrl`s name no server come from the server its own
/// `meta.source` names (R4 Meta.source: the system the resource came from). Two searchsets
/// from two servers, their entries at `urn:uuid` URLs, had both servers' Patient/1 taken for
/// one: the north patient's name and birth replaced by the south's, the north epilepsy lost,
/// no warning. Likewise the outer Bundle's own entries against an inner Bundle's.
#[test]
fn inner_bundles_from_two_servers_by_meta_source_are_refused() {
    let north = "https://north.example.org/fhir";
    let south = "https://south.example.org/fhir";
    let searchset = |source: &str, resources: &[Value]| {
        let mut found = bundle("searchset", resources);
        found["meta"] = json!({"source": format!("{source}#request-7")});
        found
    };
    let by_meta = bundle_of(
        "collection",
        &[
            json!({"resource": searchset(north, &[
                patient("1", "N-1", "Norr", "Nils"),
                condition("c1", "Patient/1", ICD10, "G40.909", "Epilepsy"),
            ])}),
            json!({"resource": searchset(south, &[
                patient("1", "S-1", "Sund", "Siv"),
                condition("c1", "Patient/1", ICD10, "I10", "Hypertension"),
            ])}),
        ],
    );
    refused(
        &by_meta,
        &[
            "north.example.org/fhir",
            "south.example.org/fhir",
            "--source",
        ],
    );

    // The outer Bundle's entries (its meta.source north) and an inner Bundle's (south's URLs).
    let mut outer_and_inner = bundle(
        "collection",
        &[
            patient("1", "N-1", "Norr", "Nils"),
            condition("c1", "Patient/1", ICD10, "G40.909", "Epilepsy"),
        ],
    );
    outer_and_inner["meta"] = json!({"source": north});
    outer_and_inner["entry"].as_array_mut().unwrap().push(
        json!({"resource": bundle_of("searchset", &[
            served(south, &patient("2", "S-2", "Sund", "Siv")),
            served(south, &condition("c1", "Patient/2", ICD10, "I10", "Hypertension")),
        ])}),
    );
    let error = refused(
        &outer_and_inner,
        &[
            "north.example.org/fhir",
            "south.example.org/fhir",
            "--source",
        ],
    );
    assert!(error.contains("this Bundle's entries"), "{error}");

    // One server's searchsets, named by meta.source (spelled two ways), are read.
    let mut env = Env::new();
    let one_server = bundle_of(
        "collection",
        &[
            json!({"resource": searchset(north, &[patient("1", "N-1", "Norr", "Nils")])}),
            json!({"resource": searchset("https://NORTH.example.org:443/fhir/", &[
                condition("c1", "Patient/1", ICD10, "G40.909", "Epilepsy"),
            ])}),
        ],
    );
    let path = env.write_json("one-server.json", &one_server);
    let file = env.import_ok(&path);
    assert_eq!(
        (file.patients, file.conditions),
        (1, 1),
        "{:?}",
        file.warnings
    );
}

/// One inner Bundle whose entries name two servers is refused with words about that one
/// Bundle: "the Bundles inside this Bundle come from two servers" read wrong of a single one.
#[test]
fn one_inner_bundle_naming_two_servers_is_refused_in_the_singular() {
    let north = "https://north.example.org/fhir";
    let south = "https://south.example.org/fhir";
    let document = bundle_of(
        "collection",
        &[json!({"resource": bundle_of("searchset", &[
            served(north, &patient("1", "N-1", "Norr", "Nils")),
            served(south, &patient("2", "S-2", "Sund", "Siv")),
        ])})],
    );
    let error = refused(
        &document,
        &[
            "north.example.org/fhir",
            "south.example.org/fhir",
            "--source",
        ],
    );
    assert!(
        error.contains("the Bundle inside this Bundle at entry[0] names two servers"),
        "{error}"
    );
    assert!(!error.contains("the Bundles inside"), "{error}");
}

/// Review RV-3: a Bundle whose entries name no server (`urn:uuid` URLs, no `meta.source`)
/// beside one that names its server is a mix as well: whether the first's Patient/1 is the
/// second's is not known. Both were taken for one person, the first's name, sex and birth
/// replaced by the other's and both diagnoses filed on the one left, with no warning. The file
/// is refused whole, in whichever order the two come and wherever the entries stand (inner
/// Bundles, or the outer Bundle's own entries beside an inner one).
#[test]
fn a_bundle_naming_no_server_beside_one_naming_its_server_is_refused() {
    let north = "https://north.example.org/fhir";
    let named = |resources: &[Value]| {
        let mut found = bundle("searchset", resources);
        found["meta"] = json!({"source": north});
        found
    };
    let unnamed = |resources: &[Value]| bundle("searchset", resources);
    let mut sund = patient("1", "S-1", "Sund", "Sven");
    sund["gender"] = json!("male");
    sund["birthDate"] = json!("1990-01-01");
    let norr = [
        patient("1", "N-1", "Norr", "Nina"),
        condition("ca", "Patient/1", ICD10, "G40.909", "Epilepsy"),
    ];
    let sund = [
        sund,
        condition("cb", "Patient/1", ICD10, "I10", "Hypertension"),
    ];
    let wants = [
        "north.example.org/fhir",
        "a Bundle that names no server",
        "--source",
    ];
    let nested = |first: Value, second: Value| {
        bundle_of(
            "collection",
            &[json!({"resource": first}), json!({"resource": second})],
        )
    };
    refused(&nested(named(&norr), unnamed(&sund)), &wants);
    refused(&nested(unnamed(&sund), named(&norr)), &wants);

    // The outer Bundle's own entries, naming no server, beside an inner one naming its own:
    // before it and after it.
    let mut own_first = bundle("collection", &sund);
    own_first["entry"]
        .as_array_mut()
        .unwrap()
        .push(json!({"resource": named(&norr)}));
    refused(&own_first, &wants);
    let mut own_after = bundle("collection", &sund);
    own_after["entry"]
        .as_array_mut()
        .unwrap()
        .insert(0, json!({"resource": named(&norr)}));
    refused(&own_after, &wants);

    // The outer Bundle's own entries named by its meta.source, an inner one naming none.
    let mut named_outer = bundle("collection", &norr);
    named_outer["meta"] = json!({"source": north});
    named_outer["entry"]
        .as_array_mut()
        .unwrap()
        .push(json!({"resource": unnamed(&sund)}));
    refused(&named_outer, &wants);
}

/// What RV-3's refusal leaves read as before: searchsets that all name no server; one server's
/// searchsets in an outer Bundle that names none and has no entries of its own; a Bundle
/// holding no Bundle whose entries are partly a server's, partly `urn:uuid`; and a server's
/// searchset whose informational OperationOutcome (no id, no `fullUrl`) names no record.
#[test]
fn bundles_naming_no_server_are_read_where_they_mix_with_none() {
    let north = "https://north.example.org/fhir";
    let epilepsy = condition("c1", "Patient/1", ICD10, "G40.909", "Epilepsy");
    let norr = patient("1", "N-1", "Norr", "Nina");
    let unnamed = bundle_of(
        "collection",
        &[
            json!({"resource": bundle("searchset", std::slice::from_ref(&norr))}),
            json!({"resource": bundle("searchset", std::slice::from_ref(&epilepsy))}),
        ],
    );
    let named_pages = bundle_of(
        "collection",
        &[
            json!({"resource": bundle_of("searchset", &[served(north, &norr)])}),
            json!({"resource": bundle_of("searchset", &[served(north, &epilepsy)])}),
        ],
    );
    let flat = bundle_of(
        "collection",
        &[
            served(north, &norr),
            json!({"fullUrl": "urn:uuid:c1", "resource": epilepsy}),
        ],
    );
    let outcome = json!({
        "resource": {"resourceType": "OperationOutcome", "issue": [{
            "severity": "information", "code": "informational",
            "diagnostics": "2 matches"}]},
        "search": {"mode": "outcome"},
    });
    let with_outcome = bundle_of(
        "collection",
        &[json!({"resource": bundle_of(
            "searchset",
            &[served(north, &norr), served(north, &epilepsy), outcome],
        )})],
    );
    for (name, document) in [
        ("unnamed", unnamed),
        ("named pages", named_pages),
        ("flat", flat),
        ("with outcome", with_outcome),
    ] {
        let mut env = Env::new();
        let path = env.write_json("read.json", &document);
        let file = env.import_ok(&path);
        assert_eq!(
            env.rows(
                "SELECT p.mrn, c.code FROM conditions c JOIN patients p ON p.id = c.patient_id"
            ),
            [["N-1", "G40.909"]],
            "{name}: {:?}",
            file.warnings
        );
    }
}

/// RR-19: a `urn:uuid:` is a UUID, whose hex digits are the same in either case (RFC 4122:
/// "case insensitive on input"): an entry at `urn:uuid:53FEFA32-…` is the one a reference
/// `urn:uuid:53fefa32-…` names (systems writing GUIDs in capitals beside others writing them
/// in small letters). The Condition and the drug had been kept aside, their patient "in no
/// imported file", and the drug's Medication not found.
#[test]
fn a_uuid_url_names_its_entry_in_either_case() {
    let mut env = Env::new();
    let patient_url = "urn:uuid:53FEFA32-FCBB-4FF8-8A92-55EE120877B7";
    let medication_url = "urn:uuid:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    let document = json!({
        "resourceType": "Bundle", "type": "transaction",
        "entry": [
            {"fullUrl": patient_url, "request": {"method": "POST", "url": "Patient"},
             "resource": {
                "resourceType": "Patient",
                "identifier": [{"system": "urn:mrn:h", "value": "U-1"}],
                "name": [{"family": "Holm", "given": ["Ada"]}]}},
            {"fullUrl": medication_url, "request": {"method": "POST", "url": "Medication"},
             "resource": {
                "resourceType": "Medication",
                "code": coding(RXNORM, LAMOTRIGINE.0, LAMOTRIGINE.1)}},
            {"fullUrl": "urn:uuid:11111111-2222-4333-8444-555555555555",
             "request": {"method": "POST", "url": "Condition"},
             "resource": {
                "resourceType": "Condition",
                "subject": {"reference": patient_url.to_ascii_lowercase()},
                "code": {"coding": [{"system": ICD10, "code": "G40.909", "display": "Epilepsy"}]},
                "onsetDateTime": "2016-01-01"}},
            {"fullUrl": "urn:uuid:66666666-7777-4888-8999-aaaaaaaaaaaa",
             "request": {"method": "POST", "url": "MedicationStatement"},
             "resource": {
                "resourceType": "MedicationStatement", "status": "active",
                "subject": {"reference": patient_url.to_ascii_lowercase()},
                "medicationReference": {"reference": medication_url.replace("0a1b2c3d", "0A1B2C3D")},
                "effectivePeriod": {"start": "2023-02-01"}}},
        ]
    });
    let path = env.write_json("uuid-case.json", &document);
    let file = env.import_ok(&path);
    assert_eq!(
        env.rows("SELECT p.mrn, c.code FROM conditions c JOIN patients p ON p.id = c.patient_id"),
        [["U-1", "G40.909"]],
        "{:?}",
        file.warnings
    );
    assert_eq!(
        env.rows(
            "SELECT p.mrn, d.text FROM drug_exposures d JOIN patients p ON p.id = d.patient_id"
        ),
        [["U-1", LAMOTRIGINE.1]],
        "{:?}",
        file.warnings
    );
    assert_eq!(env.int("SELECT count(*) FROM patients"), 1);
}
