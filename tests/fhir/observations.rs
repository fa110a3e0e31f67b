//! Observations: quantity, integer and coded values; the scores and statuses the rule sets read;
//! the blood pressure panel split into its components.

use serde_json::{Value, json};

use super::{Env, LOINC, SNOMED, bundle, cli_import, coding, observation, patient, refract, with};

const SUBJECT: &str = "Patient/obs-pt";

/// Imports the observations for one patient and returns the stored rows (code, value,
/// value_code, unit, effective, setting), ordered by code.
fn stored(resources: &[Value]) -> (Env, Vec<Vec<String>>) {
    let mut env = Env::new();
    let mut all = vec![patient("obs-pt", "OBS-1", "Haug", "Siri")];
    all.extend_from_slice(resources);
    let path = env.write_json("observations.json", &bundle("collection", &all));
    env.import_ok(&path);
    let rows = env.rows(
        "SELECT code, coalesce(value, '-'), coalesce(value_code, '-'), coalesce(unit, '-'),
                effective, coalesce(setting, '-')
         FROM observations ORDER BY code, effective",
    );
    (env, rows)
}

#[test]
fn quantity_value() {
    let (_, rows) = stored(&[observation(
        "q",
        SUBJECT,
        "4548-4",
        "Hemoglobin A1c",
        &json!({"valueQuantity": {"value": 7.9, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"}}),
    )]);
    assert_eq!(
        rows,
        [["4548-4", "7.9", "-", "%", "2024-03-05 08:30:00", "-"]]
    );
}

/// A value reported as a bound (`Quantity.comparator`, "< 5 %") is kept as one: stored with
/// its comparator, shown with it, and written back with it by the FHIR export.
#[test]
fn a_quantity_with_a_comparator_is_a_bound_not_a_value() {
    let (env, _) = stored(&[observation(
        "blasts",
        SUBJECT,
        "refract:marrow-blasts",
        "Bone marrow blasts",
        &json!({"valueQuantity": {"comparator": "<", "value": 5, "unit": "%"}}),
    )]);
    assert_eq!(
        env.rows("SELECT value, comparator FROM observations"),
        [["5", "<"]]
    );
    let shown = refract()
        .arg("--db")
        .arg(env.db())
        .args(["show", "OBS-1"])
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(
        shown.contains("Bone marrow blasts: latest < 5 %"),
        "{shown}"
    );
    let out = env.path("export.json");
    refract()
        .arg("--db")
        .arg(env.db())
        .args(["export", "--format", "fhir", "--out"])
        .arg(&out)
        .assert()
        .success();
    let bundle: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let quantities: Vec<&Value> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|entry| entry["resource"].get("valueQuantity"))
        .collect();
    assert_eq!(quantities.len(), 1);
    assert_eq!(quantities[0]["comparator"], "<");
    assert_eq!(quantities[0]["value"], 5.0);
}

/// The time of an observation, whichever of R4's `effective[x]` it is written in (or only
/// `issued`): `effectiveInstant` was read as no date and the observation left out.
#[test]
fn every_effective_choice_dates_the_observation() {
    let at = |id: &str, when: Value| {
        let mut resource = observation(
            id,
            SUBJECT,
            "4548-4",
            "Hemoglobin A1c",
            &json!({"valueQuantity": {"value": 7.0, "unit": "%"}}),
        );
        let object = resource.as_object_mut().unwrap();
        object.remove("effectiveDateTime");
        for (key, value) in when.as_object().unwrap() {
            object.insert(key.clone(), value.clone());
        }
        resource
    };
    let (_, rows) = stored(&[
        at(
            "instant",
            json!({"effectiveInstant": "2024-03-01T08:15:00Z"}),
        ),
        at(
            "period",
            json!({"effectivePeriod": {"start": "2024-03-02T08:15:00Z"}}),
        ),
        at("issued", json!({"issued": "2024-03-03T08:15:00Z"})),
        // A Timing's events: as of the latest of them.
        at(
            "timing",
            json!({"effectiveTiming": {"event": ["2024-03-04T08:15:00Z", "2024-03-02T08:15:00Z"]}}),
        ),
    ]);
    let times: Vec<&str> = rows.iter().map(|row| row[4].as_str()).collect();
    assert_eq!(
        times,
        [
            "2024-03-01 08:15:00",
            "2024-03-02 08:15:00",
            "2024-03-03 08:15:00",
            "2024-03-04 08:15:00"
        ]
    );
}

/// A Timing that says when by its bounds alone (`effectiveTiming.repeat.boundsPeriod`, no
/// `event`: R4's Timing allows either) is the period it bounds, read as `effectivePeriod` is:
/// as of its end, over the days from its start (a month's seizure rate had been left out as
/// dated by nothing). Events, when given, still date it.
#[test]
fn a_timing_dated_by_its_bounds_is_that_period() {
    let rate = |id: &str, timing: Value| {
        let mut resource = observation(
            id,
            SUBJECT,
            "LG44873-6",
            "Seizure frequency",
            &json!({"valueQuantity": {"value": 3, "unit": "/mo",
                    "system": "http://unitsofmeasure.org", "code": "/mo"}}),
        );
        let object = resource.as_object_mut().unwrap();
        object.remove("effectiveDateTime");
        object.insert(String::from("effectiveTiming"), timing);
        resource
    };
    let (env, rows) = stored(&[
        rate(
            "bounded",
            json!({"repeat": {"boundsPeriod": {"start": "2024-02-01", "end": "2024-02-29"}}}),
        ),
        rate(
            "open",
            json!({"repeat": {"boundsPeriod": {"start": "2024-04-01"}}}),
        ),
        rate(
            "events",
            json!({"event": ["2024-05-06T08:00:00Z"],
                   "repeat": {"boundsPeriod": {"start": "2024-05-01", "end": "2024-05-31"}}}),
        ),
    ]);
    let times: Vec<&str> = rows.iter().map(|row| row[4].as_str()).collect();
    assert_eq!(
        times,
        [
            "2024-02-29 00:00:00",
            "2024-04-01 00:00:00",
            "2024-05-06 08:00:00"
        ]
    );
    let since = env.rows("SELECT coalesce(since, '-') FROM observations ORDER BY effective");
    assert_eq!(since, [["2024-02-01 00:00:00"], ["-"], ["-"]]);
}

/// A score sent as text (`valueString` "18", as some questionnaire systems write it) is that
/// number; text that is more than a number is not read as one.
#[test]
fn a_number_written_as_text_is_that_number() {
    let (_, rows) = stored(&[
        observation(
            "phq",
            SUBJECT,
            "44261-6",
            "PHQ-9 total score",
            &json!({"valueString": " 18 "}),
        ),
        with(
            observation(
                "bp",
                SUBJECT,
                "8480-6",
                "Systolic blood pressure",
                &json!({"valueString": "152/95 mmHg"}),
            ),
            &json!({"effectiveDateTime": "2024-03-06T09:30:00+01:00"}),
        ),
    ]);
    let values: Vec<[&str; 2]> = rows
        .iter()
        .map(|row| [row[0].as_str(), row[1].as_str()])
        .collect();
    assert_eq!(values, [["44261-6", "18"]]);
}

/// A blood-pressure panel whose reading is written as one text ("150/95 mmHg", as systems
/// that keep the reading as one flowsheet value send it) instead of components is that
/// reading: its systolic and its diastolic, each in mmHg, as components would give them (it
/// had been skipped as words refract does not read). Only a panel's code says the two numbers
/// are a systolic over a diastolic: the same text under a systolic code stays unread, and so
/// does text that is more than two numbers or a systolic not above its diastolic (written the
/// wrong way round, which read as written would be a reading at goal); a panel that has
/// components is read by them.
#[test]
fn a_blood_pressure_panel_written_as_text_is_its_two_readings() {
    let panel = |id: &str, code: &str, text: &str, at: &str| {
        with(
            observation(
                id,
                SUBJECT,
                code,
                "Blood pressure panel",
                &json!({"valueString": text}),
            ),
            &json!({"effectiveDateTime": at}),
        )
    };
    let mut with_components = panel("both", "85354-9", "170/110", "2024-03-04T09:00:00Z");
    with_components.as_object_mut().unwrap().insert(
        String::from("component"),
        json!([
            {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
             "valueQuantity": {"value": 128, "unit": "mmHg"}},
            {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]},
             "valueQuantity": {"value": 78, "unit": "mmHg"}}
        ]),
    );
    let (_, rows) = stored(&[
        panel("p1", "85354-9", "150/95 mmHg", "2024-03-01T09:00:00Z"),
        panel("p2", "55284-4", " 142 / 88 ", "2024-03-02T09:00:00Z"),
        panel("p3", "85354-9", "150/95/80", "2024-03-03T09:00:00Z"),
        panel("p4", "85354-9", "80/120", "2024-03-03T11:00:00Z"),
        panel("sys", "8480-6", "152/96", "2024-03-03T10:00:00Z"),
        with_components,
    ]);
    let readings: Vec<[&str; 4]> = rows
        .iter()
        .map(|row| {
            [
                row[0].as_str(),
                row[1].as_str(),
                row[3].as_str(),
                row[5].as_str(),
            ]
        })
        .collect();
    assert_eq!(
        readings,
        [
            ["8462-4", "95", "mm[Hg]", "office"],
            ["8462-4", "88", "mm[Hg]", "office"],
            ["8462-4", "78", "mmHg", "office"],
            ["8480-6", "150", "mm[Hg]", "office"],
            ["8480-6", "142", "mm[Hg]", "office"],
            ["8480-6", "128", "mmHg", "office"],
        ]
    );
}

/// A score sent as a coded value with no code, its number in the text (`valueCodeableConcept`
/// `{"text": "19"}`, as some form systems write a total), is that number too; a concept that
/// carries a code is an answer, never read as its text's number.
#[test]
fn a_number_in_the_text_of_an_uncoded_concept_is_that_number() {
    let (_, rows) = stored(&[
        observation(
            "phq",
            SUBJECT,
            "44261-6",
            "PHQ-9 total score",
            &json!({"valueCodeableConcept": {"text": "19"}}),
        ),
        observation(
            "phq-coded",
            SUBJECT,
            "44261-6",
            "PHQ-9 total score",
            &json!({"valueCodeableConcept": {
                "coding": [{"system": "http://loinc.org", "code": "LA6568-5"}], "text": "2"}}),
        ),
    ]);
    let mut values: Vec<[&str; 2]> = rows
        .iter()
        .map(|row| [row[0].as_str(), row[1].as_str()])
        .collect();
    values.sort_unstable();
    // The coded answer is kept as its code, with no number.
    assert_eq!(values, [["44261-6", "-"], ["44261-6", "19"]]);
}

/// A `valueString` that is a number with its unit written in it ("3%", "1.9 x10^9/L"), or a
/// bound ("<5%", "≤ 5 %", "less than 5%"), is read as the same value sent as a `valueQuantity`
/// (with its `comparator`) is; a range ("5-10%") as the lower bound it surely is (at least 5).
/// Words that are no value ("see report", "pending", "about 20", "152/95 mmHg", a number with
/// words after it) are not read as one.
#[test]
fn a_number_written_with_its_unit_or_as_a_bound_is_read_as_its_quantity() {
    let written = [
        ("<5%", Some(["5", "<", "%"])),
        ("< 5 %", Some(["5", "<", "%"])),
        ("≤5%", Some(["5", "<=", "%"])),
        ("less than 5%", Some(["5", "<", "%"])),
        ("3%", Some(["3", "-", "%"])),
        ("3 %", Some(["3", "-", "%"])),
        (">= 10", Some(["10", ">=", "-"])),
        ("5-10%", Some(["5", ">=", "%"])),
        ("5 to 10 %", Some(["5", ">=", "%"])),
        ("1.9 x10^9/L", Some(["1.9", "-", "x10^9/L"])),
        ("150,000/uL", Some(["150000", "-", "/uL"])),
        ("12.5 mg/dL", Some(["12.5", "-", "mg/dL"])),
        ("see report", None),
        ("pending", None),
        ("about 20", None),
        ("152/95 mmHg", None),
        ("3 times a day", None),
        ("<5% (hemodilute)", None),
        ("10-5%", None),
    ];
    let mut resources: Vec<Value> = written
        .iter()
        .enumerate()
        .map(|(i, (text, _))| {
            observation(
                &format!("w{i}"),
                SUBJECT,
                &format!("w-{i:02}"),
                "Bone marrow blasts",
                &json!({ "valueString": text }),
            )
        })
        .collect();
    resources.push(observation(
        "q",
        SUBJECT,
        "q-bound",
        "Bone marrow blasts",
        &json!({"valueQuantity": {"comparator": "<", "value": 5, "unit": "%"}}),
    ));
    let (env, _) = stored(&resources);
    let rows = env.rows(
        "SELECT code, coalesce(value, '-'), coalesce(comparator, '-'), coalesce(unit, '-')
           FROM observations ORDER BY code",
    );
    let expected: Vec<Vec<String>> = written
        .iter()
        .enumerate()
        .filter_map(|(i, (_, read))| {
            read.map(|read| {
                std::iter::once(format!("w-{i:02}"))
                    .chain(read.iter().map(|s| (*s).to_owned()))
                    .collect()
            })
        })
        .chain(std::iter::once(
            ["q-bound", "5", "<", "%"].map(str::to_owned).to_vec(),
        ))
        .collect();
    let mut expected = expected;
    expected.sort();
    assert_eq!(rows, expected);
}

#[test]
fn quantity_with_a_ucum_code_and_no_unit_text() {
    let (_, rows) = stored(&[observation(
        "q",
        SUBJECT,
        "29463-7",
        "Body weight",
        &json!({"valueQuantity": {"value": 81.25, "system": "http://unitsofmeasure.org", "code": "kg"}}),
    )]);
    assert_eq!(rows[0][1..4], ["81.25", "-", "kg"]);
}

/// R4 `Quantity.unit` is the unit as shown to people; `code` is the unit "in a computer
/// processable form" of `system`. Where that system is UCUM, the code is what the value is in
/// ("gm/dL" printed beside UCUM's "g/dL", "milligrams per 24 hours" beside "mg/(24.h)"); a code
/// that is only a UCUM annotation ("{score}") or unity says less than the words beside it, and
/// a code of no stated system is not taken over the words.
#[test]
fn a_ucum_code_is_the_unit_read_before_the_words_shown_beside_it() {
    let quantity = |id: &str, code: &str, quantity: Value| {
        observation(id, SUBJECT, code, id, &json!({ "valueQuantity": quantity }))
    };
    let (_, rows) = stored(&[
        quantity(
            "m-protein",
            "33358-3",
            json!({"value": 1.8, "unit": "gm/dL", "system": "http://unitsofmeasure.org", "code": "g/dL"}),
        ),
        quantity(
            "urine",
            "40661-1",
            json!({"value": 550, "unit": "milligrams per 24 hours", "system": "http://unitsofmeasure.org", "code": "mg/(24.h)"}),
        ),
        quantity(
            "oid",
            "2339-0",
            json!({"value": 5.4, "unit": "mmol per litre", "system": "urn:oid:2.16.840.1.113883.6.8", "code": "mmol/L"}),
        ),
        quantity(
            "score",
            "44261-6",
            json!({"value": 18, "unit": "points", "system": "http://unitsofmeasure.org", "code": "{score}"}),
        ),
        quantity(
            "local",
            "2951-2",
            json!({"value": 140, "unit": "mmol/L", "system": "http://example.org/lab-units", "code": "MMOLL"}),
        ),
        quantity(
            "no-system",
            "2823-3",
            json!({"value": 4.1, "unit": "mmol/L", "code": "MEQ/L"}),
        ),
    ]);
    let units: Vec<[&str; 2]> = rows
        .iter()
        .map(|row| [row[0].as_str(), row[3].as_str()])
        .collect();
    assert_eq!(
        units,
        [
            ["2339-0", "mmol/L"],
            ["2823-3", "mmol/L"],
            ["2951-2", "mmol/L"],
            ["33358-3", "g/dL"],
            ["40661-1", "mg/(24.h)"],
            ["44261-6", "points"],
        ]
    );
}

#[test]
fn ecog_integer_value() {
    let (_, rows) = stored(&[observation(
        "ecog",
        SUBJECT,
        "89247-1",
        "ECOG Performance Status score",
        &json!({"valueInteger": 3}),
    )]);
    assert_eq!(
        rows,
        [["89247-1", "3", "-", "-", "2024-03-05 08:30:00", "-"]]
    );
}

#[test]
fn phq9_total_score() {
    let (_, rows) = stored(&[
        observation(
            "phq-a",
            SUBJECT,
            "44261-6",
            "Patient Health Questionnaire 9 item (PHQ-9) total score",
            &json!({"valueInteger": 21}),
        ),
        with_date(
            observation(
                "phq-b",
                SUBJECT,
                "44261-6",
                "PHQ-9 total score",
                &json!({"valueQuantity": {"value": 12, "unit": "{score}"}}),
            ),
            "2024-06-01",
        ),
    ]);
    assert_eq!(
        rows.iter()
            .map(|r| (r[0].as_str(), r[1].as_str(), r[4].as_str()))
            .collect::<Vec<_>>(),
        [
            ("44261-6", "21", "2024-03-05 08:30:00"),
            ("44261-6", "12", "2024-06-01 00:00:00")
        ]
    );
}

fn with_date(mut resource: Value, date: &str) -> Value {
    resource["effectiveDateTime"] = json!(date);
    resource
}

#[test]
fn mcode_disease_status_coded_value() {
    let (_, rows) = stored(&[json!({
        "resourceType": "Observation",
        "id": "cds",
        "meta": {"profile": ["http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-cancer-disease-status"]},
        "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "survey"}]}],
        "subject": {"reference": SUBJECT},
        "focus": [{"reference": "Condition/primary"}],
        "code": coding(LOINC, "97509-4", "Cancer disease progression"),
        "effectiveDateTime": "2024-04-01",
        "valueCodeableConcept": coding(SNOMED, "271299001", "Patient's condition worsened"),
        "extension": [{
            "url": "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-evidence-type",
            "valueCodeableConcept": coding(SNOMED, "363679005", "Imaging")
        }]
    })]);
    assert_eq!(
        rows,
        [["97509-4", "-", "271299001", "-", "2024-04-01 00:00:00", "-"]]
    );
}

/// A disease status sent as words only (base R4 allows it; mCODE would bind a trend code) is
/// read as the response its words say, in the IMWG, Lugano and ELN vocabularies: a
/// progression is a worsened status, a depth no trend code says (VGPR, MR) keeps its depth. A
/// status whose words deny or hedge a response ("no progression", "not PD") is not read.
#[test]
fn a_disease_status_in_words_is_read_as_its_response() {
    let status = |id: &str, value: Value| {
        observation(
            id,
            SUBJECT,
            "97509-4",
            "Cancer disease status",
            &with(
                json!({"effectiveDateTime": format!("2024-04-{:0>2}", id.len())}),
                &value,
            ),
        )
    };
    let cases = [
        (
            "a",
            json!({"valueCodeableConcept": {"text": "Progressive disease"}}),
            "271299001",
        ),
        (
            "bb",
            json!({"valueString": "VGPR"}),
            "refract:response:VGPR",
        ),
        (
            "ccc",
            json!({"valueCodeableConcept": {"text": "Partial response"}}),
            "551001000124108",
        ),
        (
            "dddd",
            json!({"valueCodeableConcept": {"coding": [{"system": "http://example.org/local/response", "code": "MR", "display": "Minimal response"}]}}),
            "refract:response:MR",
        ),
        ("eeeee", json!({"valueString": "PMD (Lugano)"}), "271299001"),
        (
            "ffffff",
            json!({"valueString": "Complete metabolic response"}),
            "550991000124107",
        ),
        ("ggggggg", json!({"valueString": "Relapse"}), "271299001"),
        (
            "hhhhhhhh",
            json!({"valueString": "stringent complete response (sCR)"}),
            "refract:response:sCR",
        ),
        // RV-1: a finding after the category looked for answers it (ids of 9 to 15
        // characters: one day each).
        (
            "restaging",
            json!({"valueString": "Restaging for progression: new liver lesions, Deauville 5"}),
            "271299001",
        ),
        (
            "restaging-2",
            json!({"valueString": "Restaging for progression: Deauville 5 with new lesions"}),
            "271299001",
        ),
        (
            "assessed-for",
            json!({"valueString": "Assessed for progression: new lesions, Deauville 5"}),
            "271299001",
        ),
        (
            "evaluation-fo",
            json!({"valueString": "Evaluation for relapse: new FDG-avid nodes, Deauville 5"}),
            "271299001",
        ),
        (
            "cmr-then-screen",
            json!({"valueString": "Complete metabolic response; relapse screen: negative"}),
            "550991000124107",
        ),
    ];
    let mut resources: Vec<Value> = cases
        .iter()
        .map(|(id, value, _)| status(id, value.clone()))
        .collect();
    for (id, words) in [
        ("denied-1", "No progression"),
        ("denied-22", "not PD"),
        ("denied-333", "possible relapse"),
        ("denied-4444", "Progression-free"),
        ("denied-55555", "VGPR, then PD"),
        // CR-11: looked for and not found, or only looked for.
        ("denied-666666", "Screening for relapse: negative"),
        ("denied-7777777", "Assessed for recurrence — none"),
        ("denied-88888888", "Relapse screening: negative"),
        ("denied-999999999", "Surveillance for relapse"),
    ] {
        resources.push(status(id, json!({"valueString": words})));
    }
    let (_, rows) = stored(&resources);
    let read: Vec<(String, String)> = rows
        .iter()
        .map(|row| (row[4].clone(), row[2].clone()))
        .collect();
    let expected: Vec<(String, String)> = cases
        .iter()
        .map(|(id, _, code)| {
            (
                format!("2024-04-{:0>2} 00:00:00", id.len()),
                (*code).to_owned(),
            )
        })
        .collect();
    assert_eq!(read, expected, "{rows:?}");
}

/// An AML remission as reports write it (ELN 2017 and 2022 categories): a measurable residual
/// disease qualifier ("MRD negative", "without minimal residual disease") denies the residual
/// disease, not the remission; "CR1" is the first CR; "haematological" may stand inside
/// "complete remission"; the long forms of CRh and CRi are those, not CR; the British
/// "morphological leukaemia-free state" is an MLFS ("free" is its name, no denial).
#[test]
fn an_aml_remission_in_words_is_read_as_its_category() {
    let cases = [
        ("CR MRD negative", "550991000124107"),
        (
            "Complete remission without minimal residual disease",
            "550991000124107",
        ),
        ("MRD-negative complete remission", "550991000124107"),
        (
            "CR without measurable residual disease (CR MRD-)",
            "550991000124107",
        ),
        ("CR1", "550991000124107"),
        ("CR2, MRD positive", "550991000124107"),
        ("Complete hematologic remission", "550991000124107"),
        ("Complete haematological remission", "550991000124107"),
        (
            "CR with partial hematologic recovery",
            "refract:response:CRh",
        ),
        (
            "Complete response with partial haematological recovery",
            "refract:response:CRh",
        ),
        (
            "CR with incomplete hematologic recovery",
            "refract:response:CRi",
        ),
        (
            "Morphological leukaemia-free state",
            "refract:response:MLFS",
        ),
        ("Leukemia-free state", "refract:response:MLFS"),
    ];
    let resources: Vec<Value> = cases
        .iter()
        .enumerate()
        .map(|(day, (words, _))| {
            observation(
                &format!("status-{day}"),
                SUBJECT,
                "97509-4",
                "Cancer disease status",
                &json!({
                    "effectiveDateTime": format!("2024-04-{:0>2}", day + 1),
                    "valueCodeableConcept": {"text": words}
                }),
            )
        })
        .collect();
    let (_, rows) = stored(&resources);
    let read: Vec<(String, String)> = rows
        .iter()
        .map(|row| (row[4].clone(), row[2].clone()))
        .collect();
    let expected: Vec<(String, String)> = cases
        .iter()
        .enumerate()
        .map(|(day, (_, code))| {
            (
                format!("2024-04-{:0>2} 00:00:00", day + 1),
                (*code).to_owned(),
            )
        })
        .collect();
    assert_eq!(read, expected, "{cases:?}");
}

fn bp_panel(id: &str, display: &str, at: &str, systolic: i64, diastolic: i64) -> Value {
    json!({
        "resourceType": "Observation",
        "id": id,
        "status": "final",
        "subject": {"reference": SUBJECT},
        "code": coding(LOINC, "85354-9", display),
        "effectiveDateTime": at,
        "component": [
            {"code": coding(LOINC, "8480-6", "Systolic blood pressure"),
             "valueQuantity": {"value": systolic, "unit": "mm[Hg]"}},
            {"code": coding(LOINC, "8462-4", "Diastolic blood pressure"),
             "valueQuantity": {"value": diastolic, "unit": "mm[Hg]"}}
        ]
    })
}

#[test]
fn blood_pressure_panel_components() {
    let (env, rows) = stored(&[
        bp_panel(
            "bp1",
            "Blood pressure panel with all children optional",
            "2024-03-05T09:30:00+01:00",
            152,
            95,
        ),
        // Where it was measured is read from the words (a home reading).
        with(
            bp_panel(
                "bp2",
                "Blood pressure panel",
                "2024-03-06T07:00:00+01:00",
                138,
                84,
            ),
            &json!({"method": {"text": "Home blood pressure monitoring"}}),
        ),
    ]);
    assert_eq!(
        rows,
        [
            [
                "8462-4",
                "95",
                "-",
                "mm[Hg]",
                "2024-03-05 08:30:00",
                "office"
            ],
            ["8462-4", "84", "-", "mm[Hg]", "2024-03-06 06:00:00", "home"],
            [
                "8480-6",
                "152",
                "-",
                "mm[Hg]",
                "2024-03-05 08:30:00",
                "office"
            ],
            [
                "8480-6",
                "138",
                "-",
                "mm[Hg]",
                "2024-03-06 06:00:00",
                "home"
            ],
        ]
    );
    // The components keep the panel's resource id (a re-import replaces them together).
    assert_eq!(
        env.int("SELECT count(*) FROM observations WHERE source_id = 'bp1'"),
        2
    );
}

/// Blood pressure coded as real systems code it: panel components in SNOMED CT, seated and
/// noninvasive (cuff) readings in LOINC (review R7-6): stored as the systolic and diastolic readings the criteria read, with their own
/// words kept; standing readings keep their codes.
#[test]
fn blood_pressure_coded_by_position_or_in_snomed_is_the_reading_the_criteria_read() {
    let panel = |id: &str, at: &str, codes: [(&str, &str, &str); 2], values: [i64; 2]| {
        json!({
            "resourceType": "Observation", "id": id, "status": "final",
            "subject": {"reference": SUBJECT},
            "code": coding(LOINC, "85354-9", "Blood pressure panel"),
            "effectiveDateTime": at,
            "component": [
                {"code": coding(codes[0].0, codes[0].1, codes[0].2),
                 "valueQuantity": {"value": values[0], "unit": "mm[Hg]"}},
                {"code": coding(codes[1].0, codes[1].1, codes[1].2),
                 "valueQuantity": {"value": values[1], "unit": "mm[Hg]"}}
            ]
        })
    };
    let (_, rows) = stored(&[
        panel(
            "snomed",
            "2024-03-05T09:30:00Z",
            [
                (SNOMED, "271649006", "Systolic blood pressure"),
                (SNOMED, "271650006", "Diastolic blood pressure"),
            ],
            [149, 92],
        ),
        panel(
            "sitting",
            "2024-03-06T09:30:00Z",
            [
                (LOINC, "8459-0", "Systolic blood pressure--sitting"),
                (LOINC, "8453-3", "Diastolic blood pressure--sitting"),
            ],
            [141, 88],
        ),
        // Standing, at the seated reading's visit (an orthostatic test): its own codes, never
        // paired with the seated one's.
        panel(
            "standing",
            "2024-03-06T09:30:00Z",
            [
                (LOINC, "8460-8", "Systolic blood pressure--standing"),
                (LOINC, "8454-1", "Diastolic blood pressure--standing"),
            ],
            [120, 70],
        ),
        // A cuff reading coded as FHIR R4's vital-signs value sets also list it (a monitor's
        // noninvasive blood pressure): the office reading.
        panel(
            "noninvasive",
            "2024-03-07T09:30:00Z",
            [
                (LOINC, "76534-7", "Systolic blood pressure by Noninvasive"),
                (LOINC, "76535-4", "Diastolic blood pressure by Noninvasive"),
            ],
            [152, 96],
        ),
    ]);
    let readings: Vec<[&str; 3]> = rows
        .iter()
        .map(|row| [row[0].as_str(), row[1].as_str(), row[4].as_str()])
        .collect();
    assert_eq!(
        readings,
        [
            ["8454-1", "70", "2024-03-06 09:30:00"],
            ["8460-8", "120", "2024-03-06 09:30:00"],
            ["8462-4", "92", "2024-03-05 09:30:00"],
            ["8462-4", "88", "2024-03-06 09:30:00"],
            ["8462-4", "96", "2024-03-07 09:30:00"],
            ["8480-6", "149", "2024-03-05 09:30:00"],
            ["8480-6", "141", "2024-03-06 09:30:00"],
            ["8480-6", "152", "2024-03-07 09:30:00"],
        ]
    );
}

/// Blood pressure under a hospital's local codes, named as LOINC names the readings (a system
/// with no LOINC mapping for its flowsheet rows), is stored as the readings the criteria and
/// the charts read, with where it was taken read from its words; a local result named as a
/// goal keeps its code, and a LOINC code of another reading wins over its display.
#[test]
fn blood_pressure_under_local_codes_is_stored_as_the_reading_its_name_says() {
    const LOCAL: &str = "urn:oid:2.16.840.1.113883.3.1234.5.6";
    let panel = |id: &str, name: &str, at: &str, parts: [(&str, &str, &str, i64); 2]| {
        json!({
            "resourceType": "Observation", "id": id, "status": "final",
            "subject": {"reference": SUBJECT},
            "code": coding(LOCAL, "BPP", name),
            "effectiveDateTime": at,
            "component": parts.iter().map(|(system, code, display, value)| json!({
                "code": coding(system, code, display),
                "valueQuantity": {"value": value, "unit": "mm[Hg]"}
            })).collect::<Vec<_>>()
        })
    };
    let (_, rows) = stored(&[
        panel(
            "office",
            "Blood pressure panel",
            "2024-03-05T09:30:00Z",
            [
                (LOCAL, "SYS", "Systolic blood pressure", 150),
                (LOCAL, "DIA", "Diastolic blood pressure", 95),
            ],
        ),
        panel(
            "home",
            "Home blood pressure",
            "2024-03-06T07:00:00Z",
            [(LOCAL, "HS", "BP sys", 128), (LOCAL, "HD", "BP dia", 78)],
        ),
        panel(
            "goal",
            "Blood pressure goals",
            "2024-03-07T09:30:00Z",
            [
                (LOCAL, "TS", "Target systolic blood pressure", 130),
                (LOINC, "8460-8", "Systolic blood pressure", 118),
            ],
        ),
    ]);
    let readings: Vec<[&str; 4]> = rows
        .iter()
        .map(|row| {
            [
                row[0].as_str(),
                row[1].as_str(),
                row[4].as_str(),
                row[5].as_str(),
            ]
        })
        .collect();
    assert_eq!(
        readings,
        [
            ["8460-8", "118", "2024-03-07 09:30:00", "-"],
            ["8462-4", "95", "2024-03-05 09:30:00", "office"],
            ["8462-4", "78", "2024-03-06 07:00:00", "home"],
            ["8480-6", "150", "2024-03-05 09:30:00", "office"],
            ["8480-6", "128", "2024-03-06 07:00:00", "home"],
            ["TS", "130", "2024-03-07 09:30:00", "-"],
        ]
    );
}

/// Blood pressure under local codes named as flowsheets abbreviate it, with no pressure word
/// where its unit is a pressure, or in another language (accents folded), is stored as the
/// reading its name says (kilopascals in mmHg); a name with no pressure word and no pressure
/// unit, one of another vessel, and a goal or standing reading in another language keep their
/// codes.
#[test]
fn blood_pressure_named_in_short_without_a_pressure_word_or_in_another_language() {
    const LOCAL: &str = "urn:oid:2.16.840.1.113883.3.1234.5.7";
    let reading = |id: &str, code: &str, name: &str, day: u32, value: f64, unit: &str| {
        let quantity = if unit.is_empty() {
            json!({"value": value})
        } else {
            json!({"value": value, "unit": unit})
        };
        json!({
            "resourceType": "Observation", "id": id, "status": "final",
            "subject": {"reference": SUBJECT},
            "code": {"coding": [{"system": LOCAL, "code": code, "display": name}]},
            "effectiveDateTime": format!("2024-05-{day:0>2}T09:30:00Z"),
            "valueQuantity": quantity
        })
    };
    let (_, rows) = stored(&[
        reading("a", "L1", "Systolic B.P.", 1, 151.0, "mm[Hg]"),
        reading("b", "L2", "R Arm Diastolic", 2, 92.0, "mmHg"),
        reading(
            "c",
            "L3",
            "Pression artérielle systolique",
            3,
            153.0,
            "mm[Hg]",
        ),
        reading("d", "L4", "Blutdruck diastolisch", 4, 94.0, "mm Hg"),
        reading("e", "L5", "PRESIÓN ARTERIAL SISTÓLICA", 5, 155.0, "mm[Hg]"),
        reading("f", "L6", "Systolic", 6, 20.0, "kPa"),
        reading("g", "L7", "Systolic", 7, 157.0, ""),
        reading("h", "L8", "PA systolic", 8, 40.0, "mm[Hg]"),
        reading("i", "L9", "Zielwert RR syst.", 9, 130.0, "mm[Hg]"),
        reading("j", "L10", "TAS de pie", 10, 120.0, "mm[Hg]"),
    ]);
    let readings: Vec<[&str; 3]> = rows
        .iter()
        .map(|row| [row[0].as_str(), row[1].as_str(), row[4].as_str()])
        .collect();
    assert_eq!(
        readings,
        [
            ["8462-4", "92", "2024-05-02 09:30:00"],
            ["8462-4", "94", "2024-05-04 09:30:00"],
            ["8480-6", "151", "2024-05-01 09:30:00"],
            ["8480-6", "153", "2024-05-03 09:30:00"],
            ["8480-6", "155", "2024-05-05 09:30:00"],
            ["8480-6", "150", "2024-05-06 09:30:00"],
            ["L10", "120", "2024-05-10 09:30:00"],
            ["L7", "157", "2024-05-07 09:30:00"],
            ["L8", "40", "2024-05-08 09:30:00"],
            ["L9", "130", "2024-05-09 09:30:00"],
        ]
    );
}

/// Only a vital sign, or a result with no category, is read as a blood pressure by its name:
/// an echo's (`imaging`) or a catheterisation's (`procedure`) "Systolic" or "PAS" in mmHg, and
/// an `exam`'s or a `laboratory`'s, keep their codes and are marked so that the criteria do
/// not read their names again; a vital sign's name is read whatever other local category it
/// has, and LOINC's code wins whatever the category. "PAS" alone is not read (the pulmonary
/// artery's, in English records); beside a French word it is.
#[test]
fn blood_pressure_named_outside_vital_signs_is_not_read() {
    const LOCAL: &str = "urn:oid:2.16.840.1.113883.3.1234.5.7";
    const CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
    let reading = |id: &str, code: &str, name: &str, day: u32, category: Option<&str>| {
        let mut resource = json!({
            "resourceType": "Observation", "id": id, "status": "final",
            "subject": {"reference": SUBJECT},
            "code": {"coding": [{"system": LOCAL, "code": code, "display": name}]},
            "effectiveDateTime": format!("2024-06-{day:0>2}T09:30:00Z"),
            "valueQuantity": {"value": 160, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}
        });
        if let Some(category) = category {
            resource["category"] = json!([{"coding": [{"system": CATEGORY, "code": category}]}]);
        }
        resource
    };
    let mut local_category = reading("g", "L7", "Systolic", 7, None);
    local_category["category"] = json!([{"text": "Flowsheet vitals"}]);
    let mut loinc_in_exam = reading("h", "8480-6", "Systolic blood pressure", 8, Some("exam"));
    loinc_in_exam["code"]["coding"][0]["system"] = json!("http://loinc.org");
    let (_, rows) = stored(&[
        reading("a", "L1", "Systolic", 1, Some("imaging")),
        reading("b", "L2", "PAS", 2, Some("procedure")),
        reading("c", "L3", "Systolic blood pressure", 3, Some("exam")),
        reading("d", "L4", "Diastolic", 4, Some("laboratory")),
        reading("e", "L5", "PAS", 5, None),
        reading("f", "L6", "Systolic", 6, Some("vital-signs")),
        local_category,
        loinc_in_exam,
        reading(
            "i",
            "L9",
            "PAS (pression artérielle)",
            9,
            Some("vital-signs"),
        ),
    ]);
    let readings: Vec<[&str; 3]> = rows
        .iter()
        .map(|row| [row[0].as_str(), row[4].as_str(), row[5].as_str()])
        .collect();
    assert_eq!(
        readings,
        [
            ["8480-6", "2024-06-06 09:30:00", "office"],
            ["8480-6", "2024-06-07 09:30:00", "office"],
            ["8480-6", "2024-06-08 09:30:00", "office"],
            ["8480-6", "2024-06-09 09:30:00", "office"],
            ["L1", "2024-06-01 09:30:00", "not_vital_signs"],
            ["L2", "2024-06-02 09:30:00", "-"],
            ["L3", "2024-06-03 09:30:00", "not_vital_signs"],
            ["L4", "2024-06-04 09:30:00", "not_vital_signs"],
            ["L5", "2024-06-05 09:30:00", "-"],
        ]
    );
}

#[test]
fn observations_without_a_value_or_in_error_are_not_stored() {
    let mut env = Env::new();
    let path = env.write_json(
        "skipped.json",
        &bundle(
            "collection",
            &[
                patient("obs-pt", "OBS-1", "Haug", "Siri"),
                // No value at all (a text note).
                observation(
                    "nv",
                    SUBJECT,
                    "8302-2",
                    "Body height",
                    &json!({"valueString": "refused"}),
                ),
                // Entered in error.
                observation(
                    "eie",
                    SUBJECT,
                    "8302-2",
                    "Body height",
                    &json!({"status": "entered-in-error", "valueQuantity": {"value": 170, "unit": "cm"}}),
                ),
                observation(
                    "ok",
                    SUBJECT,
                    "8302-2",
                    "Body height",
                    &json!({"valueQuantity": {"value": 171, "unit": "cm"}}),
                ),
            ],
        ),
    );
    let file = env.import_ok(&path);
    assert_eq!(file.observations, 1);
    assert_eq!(env.rows("SELECT value FROM observations"), [["171"]]);
    assert!(
        file.skipped.values().sum::<usize>() >= 1,
        "{:?}",
        file.skipped
    );
}

/// R4 `registered`: "the existence of the observation is registered, but there is no result
/// yet available": a value sent with it is no result, and no criterion may count it.
/// `preliminary` is a result ("verified early results"), read as one. `unknown` ("the authoring
/// system does not know which of the status values currently applies": it may be a cancelled
/// or a registered one) is no result either, as a DiagnosticReport `unknown` is (review R7-9).
#[test]
fn a_registered_observation_is_no_result_yet() {
    let reading = |id: &str, status: &str, value: f64| {
        observation(
            id,
            SUBJECT,
            "33358-3",
            "Protein.monoclonal",
            &json!({"status": status, "valueQuantity": {"value": value, "unit": "g/dL"}}),
        )
    };
    let (_, rows) = stored(&[
        reading("registered", "registered", 1.8),
        reading("unknown", "unknown", 2.4),
        reading("preliminary", "preliminary", 1.5),
        reading("final", "final", 0.9),
    ]);
    let mut values: Vec<&str> = rows.iter().map(|row| row[1].as_str()).collect();
    values.sort_unstable();
    assert_eq!(values, ["0.9", "1.5"]);
}

#[test]
fn two_values_at_the_latest_time_are_both_shown() {
    // Real records hold two values of one measure at one instant (Synthea's ejection
    // fractions): `show` gives both, in a fixed order, not one by the order of import.
    let env = Env::new();
    let lvef = |id: &str, value: f64| {
        observation(
            id,
            "urn:uuid:obs-pt",
            "10230-1",
            "Left ventricular Ejection fraction",
            &json!({"valueQuantity": {"value": value, "unit": "%"}}),
        )
    };
    let document = bundle(
        "collection",
        &[
            patient("obs-pt", "OBS-1", "Haug", "Siri"),
            lvef("ef-1", 48.3),
            lvef("ef-2", 35.5),
        ],
    );
    let mut shown = Vec::new();
    for (name, document) in [
        ("a.json", document.clone()),
        ("b.json", {
            let mut reversed = document.clone();
            let entries = reversed["entry"].as_array_mut().unwrap();
            entries.swap(1, 2);
            reversed
        }),
    ] {
        let db = env.path(&format!("{name}.db"));
        let (code, _, stderr) = cli_import(&db, &[env.write_json(name, &document)]);
        assert_eq!(code, 0, "{stderr}");
        let output = refract()
            .arg("--db")
            .arg(&db)
            .args(["show", "OBS-1"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        let text = String::from_utf8(output.stdout).unwrap();
        let line = text
            .lines()
            .find(|l| l.contains("Ejection fraction: latest"))
            .unwrap_or_else(|| panic!("{text}"))
            .to_owned();
        shown.push(line);
    }
    assert!(
        shown[0].contains("35.5 %, 48.3 %") && shown[0].contains("2 at that time"),
        "{shown:?}"
    );
    assert_eq!(shown[0], shown[1], "the same whatever the order of import");
}

/// A blood pressure written in kilopascals (UCUM `kPa`) is that pressure in mmHg, the unit the
/// criteria's thresholds are in: 20 kPa is 150 mmHg, not "20 mmHg, at goal".
#[test]
fn blood_pressure_in_kilopascals_is_read_in_mmhg() {
    let (_, rows) = stored(&[json!({
        "resourceType": "Observation", "id": "kpa", "status": "final",
        "subject": {"reference": SUBJECT},
        "code": coding(LOINC, "85354-9", "Blood pressure panel"),
        "effectiveDateTime": "2024-03-05T09:30:00Z",
        "component": [
            {"code": coding(LOINC, "8480-6", "Systolic blood pressure"),
             "valueQuantity": {"value": 20.0, "unit": "kPa",
                               "system": "http://unitsofmeasure.org", "code": "kPa"}},
            {"code": coding(LOINC, "8462-4", "Diastolic blood pressure"),
             "valueQuantity": {"value": 12.5, "unit": "kilopascal",
                               "system": "http://unitsofmeasure.org", "code": "kPa"}}
        ]
    })]);
    let readings: Vec<[&str; 3]> = rows
        .iter()
        .map(|row| [row[0].as_str(), row[1].as_str(), row[3].as_str()])
        .collect();
    assert_eq!(
        readings,
        [["8462-4", "93.8", "mm[Hg]"], ["8480-6", "150", "mm[Hg]"]]
    );
}

/// A blood pressure written in a `valueString` in kilopascals ("20.3 kPa", a component of the
/// panel or the reading alone) goes through the same conversion as one sent as a
/// `valueQuantity`: mmHg, never "20 mmHg, at goal". A pressure under a name that does not say
/// it ("Cuff systolic") is told by its written unit as by a quantity's.
#[test]
fn a_blood_pressure_written_in_kilopascals_is_read_in_mmhg_as_its_quantity_is() {
    let (_, rows) = stored(&[
        json!({
            "resourceType": "Observation", "id": "kpa-text", "status": "final",
            "subject": {"reference": SUBJECT},
            "code": coding(LOINC, "85354-9", "Blood pressure panel"),
            "effectiveDateTime": "2024-03-05T09:30:00Z",
            "component": [
                {"code": coding(LOINC, "8480-6", "Systolic blood pressure"),
                 "valueString": "20.3 kPa"},
                {"code": coding(LOINC, "8462-4", "Diastolic blood pressure"),
                 "valueString": "12.5 kPa"}
            ]
        }),
        observation(
            "kpa-alone",
            SUBJECT,
            "8480-6",
            "Systolic blood pressure",
            &json!({"valueString": "< 16 kPa"}),
        ),
    ]);
    let readings: Vec<[&str; 3]> = rows
        .iter()
        .map(|row| [row[0].as_str(), row[1].as_str(), row[3].as_str()])
        .collect();
    assert_eq!(
        readings,
        [
            ["8462-4", "93.8", "mm[Hg]"],
            ["8480-6", "120", "mm[Hg]"],
            ["8480-6", "152.3", "mm[Hg]"]
        ]
    );
}

/// A count written with a separator before a group of three digits ("1.800/µl", "160.000/µl",
/// as German and other European laboratories write thousands, or "1,800/µl") is read only where
/// its unit settles which it is: cells per microlitre are whole, so 1 800 and 160 000. Where
/// the unit does not ("1.800 x10^9/L": 1.8 or 1 800), or there is none, it is not read, never
/// guessed in one locale's sense. A value with words glued to it by a unit's character ("<5%
/// (hemodilute/aparticulate)") is no value either.
#[test]
fn a_written_number_whose_separators_are_ambiguous_is_read_only_where_its_unit_settles_it() {
    let written = [
        ("1.800/µl", Some("1800")),
        ("160.000/µl", Some("160000")),
        ("1,800/µl", Some("1800")),
        ("1.800 x10^9/L", None),
        ("1,800 x10^9/L", None),
        ("160.000", None),
        ("0,500 x10^9/L", None),
        ("0.500 x10^9/L", Some("0.5")),
        ("<5% (hemodilute/aparticulate)", None),
        ("3% (see/attached)", None),
    ];
    let resources: Vec<Value> = written
        .iter()
        .enumerate()
        .map(|(i, (text, _))| {
            observation(
                &format!("w{i}"),
                SUBJECT,
                &format!("w-{i:02}"),
                "Lab result",
                &json!({ "valueString": text }),
            )
        })
        .collect();
    let (env, _) = stored(&resources);
    let rows = env.rows("SELECT code, value FROM observations ORDER BY code");
    let expected: Vec<Vec<String>> = written
        .iter()
        .enumerate()
        .filter_map(|(i, (_, read))| read.map(|read| vec![format!("w-{i:02}"), read.to_owned()]))
        .collect();
    assert_eq!(rows, expected);
}

/// An observation over a period (`effectivePeriod`: a seizure diary's count, a questionnaire
/// over the last two weeks) is what held through the period: it is dated at the period's end,
/// or at its start while the period is open; `effectiveInstant` and `issued` still date one.
#[test]
fn an_observation_over_a_period_is_dated_at_its_end() {
    let at = |id: &str, when: Value| {
        let mut resource = observation(
            id,
            SUBJECT,
            "4548-4",
            "Hemoglobin A1c",
            &json!({"valueQuantity": {"value": 7.0, "unit": "%"}}),
        );
        let object = resource.as_object_mut().unwrap();
        object.remove("effectiveDateTime");
        for (key, value) in when.as_object().unwrap() {
            object.insert(key.clone(), value.clone());
        }
        resource
    };
    let (_, rows) = stored(&[
        at(
            "closed",
            json!({"effectivePeriod": {"start": "2024-01-01", "end": "2024-03-31"}}),
        ),
        at(
            "end-only",
            json!({"effectivePeriod": {"end": "2024-04-30"}}),
        ),
        at("open", json!({"effectivePeriod": {"start": "2024-05-01"}})),
        at(
            "instant",
            json!({"effectiveInstant": "2024-06-01T08:15:00Z"}),
        ),
        at("issued", json!({"issued": "2024-07-01T08:15:00Z"})),
    ]);
    let times: Vec<&str> = rows.iter().map(|row| row[4].as_str()).collect();
    assert_eq!(
        times,
        [
            "2024-03-31 00:00:00",
            "2024-04-30 00:00:00",
            "2024-05-01 00:00:00",
            "2024-06-01 08:15:00",
            "2024-07-01 08:15:00"
        ]
    );
}

/// A diary's count of 0 seizures over the months on the current schedule is seizure freedom
/// through the period's end (not a count on its first day): two failed schedules, then
/// lacosamide seizure-free for 23 months is not drug-resistant epilepsy.
#[test]
fn a_seizure_count_of_zero_over_a_period_is_freedom_through_its_end() {
    let mut env = Env::new();
    let mut record =
        super::epilepsy_bundle("per", "PER-1", ("266721009", "No response to treatment"));
    let count = json!({
        "resourceType": "Observation",
        "id": "per-diary",
        "status": "final",
        "subject": {"reference": "urn:uuid:per"},
        "code": {"text": "Seizure count"},
        "valueQuantity": {"value": 0, "unit": "{seizures}"},
        "effectivePeriod": {"start": "2023-01-05", "end": "2024-12-31"}
    });
    record["entry"]
        .as_array_mut()
        .unwrap()
        .push(json!({"fullUrl": "urn:uuid:per-diary", "resource": count}));
    let path = env.write_json("period.json", &record);
    env.import_ok(&path);
    let output = refract()
        .arg("--db")
        .arg(env.db())
        .args(["flags", "--json", "--condition", "epilepsy"])
        .output()
        .unwrap();
    let flags: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(flags[0]["status"], "not_met", "{flags:#}");
}

/// Seizures counted over a period that began before a schedule could work are no failure of
/// that schedule (they may predate it): levetiracetam failed, lamotrigine was not tolerated,
/// and a count of 4 over 2022-12-01..2023-04-15 spans lacosamide's start (2023-01-05) and its
/// first 60 days. Dated at the period's end alone, it made lacosamide a second failure.
#[test]
fn seizures_counted_over_a_period_from_before_a_drug_are_not_its_failure() {
    let mut env = Env::new();
    let mut record =
        super::epilepsy_bundle("spn", "SPN-1", ("407563006", "Treatment not tolerated"));
    let count = json!({
        "resourceType": "Observation",
        "id": "spn-diary",
        "status": "final",
        "subject": {"reference": "urn:uuid:spn"},
        "code": {"text": "Seizure count"},
        "valueQuantity": {"value": 4, "unit": "{seizures}"},
        "effectivePeriod": {"start": "2022-12-01", "end": "2023-04-15"}
    });
    record["entry"]
        .as_array_mut()
        .unwrap()
        .push(json!({"fullUrl": "urn:uuid:spn-diary", "resource": count}));
    let path = env.write_json("spanning.json", &record);
    env.import_ok(&path);
    let flags = |env: &Env| -> Value {
        let output = refract()
            .arg("--db")
            .arg(env.db())
            .args(["flags", "--json", "--condition", "epilepsy"])
            .output()
            .unwrap();
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let found = flags(&env);
    assert_ne!(found[0]["status"], "refractory", "{found:#}");

    // The same count over a period inside lacosamide's adequate time is its failure.
    record["entry"].as_array_mut().unwrap().last_mut().unwrap()["resource"]["effectivePeriod"] =
        json!({"start": "2023-03-10", "end": "2023-04-15"});
    let path = env.write_json("inside.json", &record);
    env.import_ok(&path);
    let found = flags(&env);
    assert_eq!(found[0]["status"], "refractory", "{found:#}");
}

/// Where a blood pressure was taken is read from its method (text or coding) and its own
/// names as well as its panel's: ambulatory monitoring not labelled "24 hour" or "awake" is
/// ambulatory (read as its 24-hour mean), self-measured readings are home readings, and the
/// daytime and night-time means keep their own settings.
#[test]
fn ambulatory_and_home_readings_are_known_by_their_method_and_names() {
    let reading = |id: &str, at: &str, code: (&str, &str), extra: &Value| {
        with(
            json!({
                "resourceType": "Observation",
                "id": id,
                "status": "final",
                "subject": {"reference": SUBJECT},
                "code": coding(LOINC, code.0, code.1),
                "effectiveDateTime": at,
                "valueQuantity": {"value": 120, "unit": "mm[Hg]"}
            }),
            extra,
        )
    };
    let systolic = ("8480-6", "Systolic blood pressure");
    let (_, rows) = stored(&[
        reading(
            "abpm-method",
            "2024-03-01T10:00:00",
            systolic,
            &json!({"method": {"text": "Ambulatory blood pressure monitoring"}}),
        ),
        reading(
            "abpm-coding",
            "2024-03-02T10:00:00",
            systolic,
            &json!({"method": {"coding": [{"display": "ABPM"}]}}),
        ),
        reading(
            "abpm-name",
            "2024-03-03T10:00:00",
            ("8480-6", "Ambulatory systolic blood pressure"),
            &json!({}),
        ),
        reading(
            "self",
            "2024-03-04T10:00:00",
            systolic,
            &json!({"method": {"text": "Self-measured blood pressure"}}),
        ),
        reading(
            "hbpm",
            "2024-03-05T10:00:00",
            systolic,
            &json!({"method": {"text": "HBPM"}}),
        ),
        reading(
            "day",
            "2024-03-06T10:00:00",
            systolic,
            &json!({"method": {"text": "Ambulatory blood pressure monitoring, daytime mean"}}),
        ),
        reading(
            "night",
            "2024-03-07T10:00:00",
            systolic,
            &json!({"method": {"text": "ABPM night-time mean"}}),
        ),
        reading("office", "2024-03-08T10:00:00", systolic, &json!({})),
        // An ambulatory (outpatient) visit's reading is an office reading.
        reading(
            "outpatient",
            "2024-03-09T10:00:00",
            systolic,
            &json!({"method": {"text": "Ambulatory care"}}),
        ),
    ]);
    let settings: Vec<&str> = rows.iter().map(|row| row[5].as_str()).collect();
    assert_eq!(
        settings,
        [
            "abpm_24h",
            "abpm_24h",
            "abpm_24h",
            "home",
            "home",
            "abpm_awake",
            "abpm_night",
            "office",
            "office"
        ]
    );
}

/// Where a blood pressure was taken is read from codes as well as words (a Coding's display is
/// optional): the Vital Signs IG / CardX / HSPC measurement-setting extension (SNOMED CT
/// 264362003 Home, CardX's non-clinical environment), SNOMED CT methods (413153004 home, by the
/// patient; 164783007 ambulatory recording), a reading taken by the patient (CardX's
/// self-measured blood pressure), and the LOINC means: the 96607-7 panel's 96608-5/96609-3 (an
/// average of readings, stored as a systolic and a diastolic) and the 24-hour means 8490-5 and
/// 8472-3 (whose period decides before a stated home setting). A clinic stated as the setting
/// stays an office reading, whoever took it.
#[test]
fn home_and_ambulatory_readings_are_known_by_their_codes() {
    let panel = |id: &str, at: &str, code: &str, parts: (&str, &str), extra: &Value| {
        with(
            json!({
                "resourceType": "Observation",
                "id": id,
                "status": "final",
                "subject": {"reference": SUBJECT},
                "code": {"coding": [{"system": LOINC, "code": code}]},
                "effectiveDateTime": at,
                "component": [
                    {"code": {"coding": [{"system": LOINC, "code": parts.0}]},
                     "valueQuantity": {"value": 121, "unit": "mm[Hg]"}},
                    {"code": {"coding": [{"system": LOINC, "code": parts.1}]},
                     "valueQuantity": {"value": 71, "unit": "mm[Hg]"}}
                ]
            }),
            extra,
        )
    };
    let plain = ("8480-6", "8462-4");
    let setting = |url: &str, system: &str, code: &str| json!({"extension": [{"url": url, "valueCodeableConcept": {"coding": [{"system": system, "code": code}]}}]});
    let vitals = "http://hl7.org/fhir/us/vitals/StructureDefinition/MeasurementSettingExt";
    let hspc = "http://hl7.org/fhir/hspc/StructureDefinition/MeasurementSettingExt";
    let (_, rows) = stored(&[
        panel(
            "ext",
            "2024-03-01T10:00:00",
            "85354-9",
            plain,
            &setting(vitals, SNOMED, "264362003"),
        ),
        panel(
            "hspc",
            "2024-03-02T10:00:00",
            "85354-9",
            plain,
            &setting(hspc, SNOMED, "264362003"),
        ),
        panel(
            "cardx",
            "2024-03-03T10:00:00",
            "85354-9",
            plain,
            &setting(
                vitals,
                "http://hl7.org/fhir/us/cardx-htn-mng/CodeSystem/smbp-code-system",
                "non-clinical-environment",
            ),
        ),
        panel(
            "method-home",
            "2024-03-04T10:00:00",
            "85354-9",
            plain,
            &json!({"method": {"coding": [{"system": SNOMED, "code": "413153004"}]}}),
        ),
        panel(
            "by-patient",
            "2024-03-05T10:00:00",
            "85354-9",
            plain,
            &json!({"performer": [{"reference": SUBJECT}]}),
        ),
        panel(
            "mean",
            "2024-03-06T10:00:00",
            "96607-7",
            ("96608-5", "96609-3"),
            &setting(vitals, SNOMED, "264362003"),
        ),
        panel(
            "method-abpm",
            "2024-03-07T10:00:00",
            "85354-9",
            plain,
            &json!({"method": {"coding": [{"system": SNOMED, "code": "164783007"}]}}),
        ),
        panel(
            "day24",
            "2024-03-08T10:00:00",
            "97844-5",
            ("8490-5", "8472-3"),
            &setting(vitals, SNOMED, "264362003"),
        ),
        // Taken by the patient in the clinic (a stated setting that is not out of office).
        panel(
            "clinic",
            "2024-03-09T10:00:00",
            "85354-9",
            plain,
            &with(
                setting(vitals, SNOMED, "257585005"),
                &json!({"performer": [{"reference": SUBJECT}]}),
            ),
        ),
        panel(
            "office",
            "2024-03-10T10:00:00",
            "85354-9",
            plain,
            &json!({"performer": [{"reference": "Practitioner/nurse"}]}),
        ),
        // A 96607-7 mean with nothing saying where: an office mean.
        panel(
            "office-mean",
            "2024-03-11T10:00:00",
            "96607-7",
            ("96608-5", "96609-3"),
            &json!({}),
        ),
    ]);
    let systolic: Vec<(&str, &str)> = rows
        .iter()
        .filter(|row| row[0] == "8480-6")
        .map(|row| (row[1].as_str(), row[5].as_str()))
        .collect();
    assert_eq!(
        systolic,
        [
            ("121", "home"),
            ("121", "home"),
            ("121", "home"),
            ("121", "home"),
            ("121", "home"),
            ("121", "home"),
            ("121", "abpm_24h"),
            ("121", "abpm_24h"),
            ("121", "office"),
            ("121", "office"),
            ("121", "office"),
        ],
        "{rows:#?}"
    );
    let diastolic = rows.iter().filter(|row| row[0] == "8462-4").count();
    assert_eq!(diastolic, 11, "{rows:#?}");
}

#[test]
fn a_value_in_words_is_counted_as_words_refract_does_not_read_not_as_no_value_or_date() {
    // Synthea's social history: each has a value and a date; none is a number or a yes/no.
    let social = |id: &str, code: &str, display: &str, value: &Value| {
        observation(id, SUBJECT, code, display, value)
    };
    let mut env = Env::new();
    let path = env.write_json(
        "words.json",
        &bundle(
            "collection",
            &[
                patient("obs-pt", "OBS-1", "Haug", "Siri"),
                social(
                    "hiv",
                    "75325-1",
                    "Symptom",
                    &json!({"valueString": "HIV positive"}),
                ),
                social(
                    "housing",
                    "71802-3",
                    "Housing status",
                    &json!({"valueString": "Patient is homeless"}),
                ),
                // Words with no code, as a coded value.
                social(
                    "orientation",
                    "76690-7",
                    "Sexual orientation",
                    &json!({"valueCodeableConcept": {"text": "heterosexual"}}),
                ),
                // A component in words.
                social(
                    "panel",
                    "93025-5",
                    "PRAPARE",
                    &json!({"component": [{
                        "code": coding(LOINC, "63586-2", "Income"),
                        "valueString": "Severe signs/symptoms"
                    }]}),
                ),
                // Truly no value: still counted as such.
                social("empty", "8302-2", "Body height", &json!({})),
            ],
        ),
    );
    let file = env.import_ok(&path);
    assert_eq!(file.observations, 0);
    assert_eq!(
        file.skipped
            .get("Observation (a value in words refract does not read)"),
        Some(&4),
        "{:?}",
        file.skipped
    );
    assert_eq!(
        file.skipped.get("Observation (no value or date)"),
        Some(&1),
        "{:?}",
        file.skipped
    );
}

/// A blood pressure's name read with its Observation's category: the Romance abbreviations
/// (PAS, PAD, TAS, TAD, "PA max"/"PA min") are read alone under a category coded
/// `vital-signs` (a Spanish or French feed), and stay unread with no category, a category in
/// words only, or another one; an arterial line's names (an ICU flowsheet's "Arterial
/// Systolic", a monitor's "IBP1 Sys") are never read, while an arterial blood pressure named
/// as such or taken by cuff is; a category given only in text or as a local code that names an
/// echo, a cardiology study, a catheterisation, theatre, anaesthesia, intensive care or an
/// examination keeps a name from being read, as FHIR's own non-vital-signs categories do.
#[test]
fn blood_pressure_names_are_read_with_their_category() {
    const LOCAL: &str = "urn:oid:2.16.840.1.113883.3.1234.5.7";
    const CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
    let vital = json!([{"coding": [{"system": CATEGORY, "code": "vital-signs"}]}]);
    let vital_in_spanish = json!([{
        "coding": [{"system": CATEGORY, "code": "vital-signs", "display": "Signos vitales"}],
        "text": "Signos vitales"
    }]);
    let text = |words: &str| json!([{"text": words}]);
    let local = |code: &str, display: &str| json!([{"coding": [{"system": "urn:oid:1.2.3.4.99", "code": code, "display": display}]}]);
    let none = Value::Null;
    let cases: Vec<(&str, Value, bool)> = vec![
        // Item: the Romance abbreviations under a coded vital-signs category.
        ("PAS", vital.clone(), true),
        ("PAD", vital.clone(), true),
        ("TAS", vital_in_spanish.clone(), true),
        ("TAD", vital_in_spanish.clone(), true),
        ("PAS clinic", vital.clone(), true),
        ("PA max", vital.clone(), true),
        ("PA min (mmHg)", vital.clone(), true),
        ("PAS", none.clone(), false),
        ("TAS", none.clone(), false),
        ("PAS", text("Vital Signs"), false),
        (
            "PAS",
            json!([{"coding": [{"system": CATEGORY, "code": "imaging"}]}]),
            false,
        ),
        ("PASP", vital.clone(), false),
        ("PA systolic", vital.clone(), false),
        ("PA max", none.clone(), false),
        ("PA max (mmHg)", none.clone(), false),
        ("PA max PG", vital.clone(), false),
        ("PA max bras droit", none.clone(), true),
        ("TA max", none.clone(), true),
        // An arterial line's names.
        ("Arterial Systolic", vital.clone(), false),
        ("Arterial Diastolic", vital.clone(), false),
        ("IBP1 Sys", vital.clone(), false),
        ("IBP Systolic", vital.clone(), false),
        ("ABP2 Dia", vital.clone(), false),
        ("ABP Systolic", vital.clone(), false),
        ("Art Sys", vital.clone(), false),
        ("A-line SBP", vital.clone(), false),
        ("art line systolic", vital.clone(), false),
        ("Intra-arterial systolic", vital.clone(), false),
        ("Radial arterial systolic", vital.clone(), false),
        ("Arterial pressure systolic", vital.clone(), false),
        ("Arterial blood pressure systolic", vital.clone(), true),
        ("Non-invasive arterial systolic", vital.clone(), true),
        ("NIBP Systolic", vital.clone(), true),
        ("Presión arterial sist.", vital.clone(), true),
        // A category in words, or a local code, that says what FHIR's other categories say.
        ("Systolic", text("Echo"), false),
        ("Systolic", text("Echocardiography"), false),
        ("Systolic", text("Cardiology"), false),
        ("Systolic", text("Cath lab"), false),
        ("Systolic", text("Hemodynamics"), false),
        ("Systolic", text("Theatre"), false),
        ("Systolic", text("ICU"), false),
        ("Systolic", text("Anaesthesia record"), false),
        ("Systolic", text("Physical examination"), false),
        ("Systolic", text("Échocardiographie"), false),
        ("Systolic", local("ECHO", "Echocardiography"), false),
        ("Systolic", local("CATH", "Cardiac catheterisation"), false),
        ("Systolic", text("Vital Signs"), true),
        ("Systolic", local("VS", "Flowsheet vitals"), true),
    ];
    let resources: Vec<Value> = cases
        .iter()
        .enumerate()
        .map(|(at, (name, category, _))| {
            let mut resource = json!({
                "resourceType": "Observation", "id": format!("c{at}"), "status": "final",
                "subject": {"reference": SUBJECT},
                "code": {"coding": [{"system": LOCAL, "code": format!("N{at}"), "display": name}]},
                "effectiveDateTime": format!("2024-07-01T{:0>2}:{:0>2}:00Z", at / 60, at % 60),
                "valueQuantity": {"value": 165, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}
            });
            if !category.is_null() {
                resource["category"] = category.clone();
            }
            resource
        })
        .collect();
    let (_, rows) = stored(&resources);
    let read: Vec<(&str, String, bool)> = cases
        .iter()
        .enumerate()
        .map(|(at, (name, category, _))| {
            let when = format!("2024-07-01 {:0>2}:{:0>2}:00", at / 60, at % 60);
            let row = rows.iter().find(|row| row[4] == when);
            let as_bp = row.is_some_and(|row| row[0] == "8480-6" || row[0] == "8462-4");
            (*name, category.to_string(), as_bp)
        })
        .collect();
    let expected: Vec<(&str, String, bool)> = cases
        .iter()
        .map(|(name, category, as_bp)| (*name, category.to_string(), *as_bp))
        .collect();
    assert_eq!(read, expected);
}

/// mCODE STU1 coded the cancer disease status LOINC 88040-1 "Response to cancer treatment"
/// (STU2 onward: 97509-4): read as the same disease status, so its worsened value is a
/// progression the criteria see.
#[test]
fn an_mcode_stu1_disease_status_coded_88040_1_is_read_as_a_disease_status() {
    let (_, rows) = stored(&[observation(
        "stu1",
        SUBJECT,
        "88040-1",
        "Response to cancer treatment",
        &json!({
            "effectiveDateTime": "2024-04-01",
            "valueCodeableConcept": coding(SNOMED, "271299001", "Patient's condition worsened")
        }),
    )]);
    assert_eq!(
        rows,
        [["97509-4", "-", "271299001", "-", "2024-04-01 00:00:00", "-"]]
    );
}

/// A coded answer to a seizure-frequency question under a local code ("1" "Seizure free", "3"
/// "Weekly") is read by its words as the frequency it names, and shown in them.
#[test]
fn a_coded_seizure_frequency_answer_is_read_and_shown_by_its_words() {
    let answer = |id: &str, day: &str, code: &str, words: &str| {
        json!({
            "resourceType": "Observation",
            "id": id,
            "status": "final",
            "subject": {"reference": SUBJECT},
            "code": {"coding": [{"system": "urn:oid:1.2.3.4", "code": "3046171", "display": "Seizure frequency"}], "text": "Seizure frequency"},
            "effectiveDateTime": day,
            "valueCodeableConcept": {"coding": [{"system": "urn:oid:1.2.3.5", "code": code, "display": words}], "text": words}
        })
    };
    let (env, _) = stored(&[
        answer("w", "2024-01-10", "3", "Weekly"),
        answer("f", "2024-06-10", "1", "Seizure free"),
    ]);
    assert_eq!(
        env.rows("SELECT value_code FROM observations ORDER BY effective"),
        [
            ["refract:seizure-frequency:weekly"],
            ["refract:seizure-frequency:free"]
        ]
    );
    let shown = refract()
        .arg("--db")
        .arg(env.db())
        .args(["show", "OBS-1"])
        .output()
        .expect("show runs");
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(text.contains("latest seizure free"), "{text}");
    assert!(!text.contains("code 1"), "{text}");
}

/// The FHIR export gives a quantity in a UCUM unit UCUM's system and code (R4 Quantity), so a
/// receiving system tells a seizure rate per week from one per month by machine; read back, it
/// is the same observation.
#[test]
fn an_exported_quantity_in_a_ucum_unit_carries_the_ucum_system_and_code() {
    let (env, rows) = stored(&[observation(
        "rate",
        SUBJECT,
        "refract:seizures-per-month",
        "Seizure frequency",
        &json!({"valueQuantity": {"value": 1, "unit": "per week", "system": "http://unitsofmeasure.org", "code": "/wk"}}),
    )]);
    let out = refract()
        .arg("--db")
        .arg(env.db())
        .args(["export", "--format", "fhir"])
        .output()
        .expect("export runs");
    let bundle: Value = serde_json::from_slice(&out.stdout).expect("a bundle");
    let quantity = bundle["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|e| e["resource"].get("valueQuantity"))
        .expect("the observation's quantity")
        .clone();
    assert_eq!(
        quantity["system"], "http://unitsofmeasure.org",
        "{quantity}"
    );
    assert_eq!(quantity["code"], "/wk", "{quantity}");
    let mut again = Env::new();
    let path = again.write_json("back.json", &bundle);
    again.import_ok(&path);
    assert_eq!(
        again.rows(
            "SELECT code, coalesce(value, '-'), coalesce(value_code, '-'), coalesce(unit, '-'),
                    effective, coalesce(setting, '-')
             FROM observations ORDER BY code, effective"
        ),
        rows
    );
}

/// A test whose text names no specimen ("M-Spike", as Epic names a component) while a coding's
/// display says one ("... in Urine ...") is kept under a name that says it: the criteria tell
/// a urine test from a serum one by its name. A blood specimen, or one the text already says,
/// changes nothing.
#[test]
fn a_specimen_only_a_coding_display_says_is_kept_in_the_name() {
    let named = |id: &str, text: &str, display: &str| {
        with(
            observation(
                id,
                SUBJECT,
                id,
                id,
                &json!({"valueQuantity": {"value": 40, "unit": "mg/dL"}}),
            ),
            &json!({"code": {
                "coding": [{"system": "urn:oid:1.2.3.4", "code": id, "display": display}],
                "text": text,
            }}),
        )
    };
    let (env, _) = stored(&[
        named(
            "a-upep",
            "M-Spike",
            "Protein.monoclonal [Mass/volume] in Urine by Electrophoresis",
        ),
        named(
            "b-spep",
            "M-Spike",
            "Protein.monoclonal [Mass/volume] in Serum or Plasma by Electrophoresis",
        ),
        named(
            "c-csf",
            "Protein",
            "Protein [Mass/volume] in Cerebral spinal fluid",
        ),
        named("d-said", "M-spike, urine", "Protein.monoclonal in Urine"),
    ]);
    assert_eq!(
        env.rows("SELECT display FROM observations ORDER BY code"),
        [
            ["M-Spike (urine)"],
            ["M-Spike"],
            ["Protein (cerebrospinal fluid)"],
            ["M-spike, urine"],
        ]
    );
}

/// Free-text seizure-frequency answers are read only where the words state a frequency, a
/// freedom nothing denies, seizures over a named window, or when the last seizure was: "Last
/// seizure 4 years ago" dates the last seizure (seizures over the year it may have fallen in,
/// free from then to the visit: no yearly rate, no seizure on the visit day); freedom followed
/// by seizures is seizures over the window the words name; freedom denied beside a frequency
/// is that frequency.
#[test]
fn a_seizure_frequency_in_words_is_read_only_as_far_as_the_words_say() {
    let answer = |id: &str, words: &str| {
        json!({
            "resourceType": "Observation",
            "id": id,
            "status": "final",
            "subject": {"reference": SUBJECT},
            "code": {"text": "Seizure frequency"},
            "effectiveDateTime": "2024-06-01",
            "valueString": words
        })
    };
    let (env, _) = stored(&[
        answer("ago", "Last seizure 4 years ago"),
        answer(
            "then",
            "Seizure free for 6 months, then 2 seizures last week",
        ),
        answer("never", "Never been seizure free, several a month"),
        answer("free", "Seizure free since 2020"),
    ]);
    let mut rows =
        env.rows("SELECT value_code, coalesce(since, '-') FROM observations ORDER BY value_code");
    rows.sort();
    assert_eq!(
        rows,
        [
            ["refract:seizure-frequency:free", "2020-06-01 00:00:00"],
            ["refract:seizure-frequency:free", "2020-12-31 00:00:00"],
            ["refract:seizure-frequency:monthly", "-"],
            ["refract:seizure-frequency:seizures", "2019-06-02 00:00:00"],
            ["refract:seizure-frequency:seizures", "2024-05-18 00:00:00"],
        ]
    );
}

/// When the last seizure was, in a seizure report's value (a string or a concept's text) or its
/// note, is dated evidence of it, read against the report's date and at its own precision:
/// seizures over the days it may have fallen on, then freedom to the report. A freedom ("No
/// seizures for 18 months") is freedom only: it dates no seizure. A frequency word is no date,
/// and "last seizure ago" without a number is nothing.
#[test]
fn a_statement_of_when_the_last_seizure_was_is_read_as_its_date() {
    let report = |id: &str, extra: &Value| {
        with(
            json!({
                "resourceType": "Observation",
                "id": id,
                "status": "final",
                "subject": {"reference": SUBJECT},
                "code": {"text": "Seizure frequency"},
                "effectiveDateTime": "2025-05-10"
            }),
            extra,
        )
    };
    let (env, _) = stored(&[
        report("month", &json!({"valueString": "last seizure: March 2021"})),
        report(
            "concept",
            &json!({"valueCodeableConcept": {"text": "No seizures for 18 months"}}),
        ),
        report(
            "note",
            &json!({"note": [{"text": "Last seizure 4 years ago."}]}),
        ),
        report("nothing", &json!({"note": [{"text": "last seizure ago"}]})),
    ]);
    let mut rows = env.rows(
        "SELECT value_code, coalesce(since, '-'), effective FROM observations ORDER BY effective",
    );
    rows.sort();
    assert_eq!(
        rows,
        [
            [
                "refract:seizure-frequency:free",
                "2021-03-31 00:00:00",
                "2025-05-10 00:00:00"
            ],
            [
                "refract:seizure-frequency:free",
                "2021-05-10 00:00:00",
                "2025-05-10 00:00:00"
            ],
            [
                "refract:seizure-frequency:free",
                "2023-11-10 00:00:00",
                "2025-05-10 00:00:00"
            ],
            [
                "refract:seizure-frequency:seizures",
                "2020-05-11 00:00:00",
                "2021-05-10 00:00:00"
            ],
            [
                "refract:seizure-frequency:seizures",
                "2021-03-01 00:00:00",
                "2021-03-31 00:00:00"
            ],
        ]
    );
}

/// Two schedules failed, then lacosamide from 2023-01-05: the latest note says "seizure free
/// for 2 years", which is sustained freedom on it (ILAE 2010), so the patient is not flagged.
#[test]
fn a_patient_whose_latest_note_says_seizure_free_for_two_years_is_not_flagged() {
    let mut env = Env::new();
    let mut record =
        super::epilepsy_bundle("sf2", "SF2-1", ("266721009", "No response to treatment"));
    let note = json!({
        "resourceType": "Observation",
        "id": "sf2-note",
        "status": "final",
        "subject": {"reference": "urn:uuid:sf2"},
        "code": {"text": "Seizure frequency"},
        "effectiveDateTime": "2025-06-01",
        "note": [{"text": "Doing well at clinic. Seizure free for 2 years"}]
    });
    record["entry"]
        .as_array_mut()
        .unwrap()
        .push(json!({"fullUrl": "urn:uuid:sf2-note", "resource": note}));
    let path = env.write_json("free.json", &record);
    env.import_ok(&path);
    let output = refract()
        .arg("--db")
        .arg(env.db())
        .args(["flags", "--json", "--condition", "epilepsy"])
        .output()
        .unwrap();
    let flags: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(flags[0]["status"], "not_met", "{flags:#}");
}

/// "Seizure free for 2 years" on the current drug is freedom up to the report, never a seizure
/// two to three years back: it fails no schedule (one failed drug stays one).
#[test]
fn a_freedom_statement_invents_no_seizure_that_fails_the_current_drug() {
    let mut env = Env::new();
    let mut record = super::epilepsy_bundle("sf1", "SF1-1", ("266721009", "No response"));
    let entries = record["entry"].as_array_mut().unwrap();
    // Lamotrigine ongoing (no second failure); the note's freedom covers its last two years.
    for entry in entries.iter_mut() {
        if entry["resource"]["id"] == "sf1-ltg" {
            entry["resource"]["status"] = json!("active");
            entry["resource"]["effectivePeriod"] = json!({"start": "2022-06-20"});
            entry["resource"]
                .as_object_mut()
                .unwrap()
                .remove("statusReason");
        }
    }
    entries.retain(|entry| entry["resource"]["id"] != "sf1-lcm");
    entries.push(json!({"fullUrl": "urn:uuid:sf1-note", "resource": {
        "resourceType": "Observation",
        "id": "sf1-note",
        "status": "final",
        "subject": {"reference": "urn:uuid:sf1"},
        "code": {"text": "Seizure frequency"},
        "effectiveDateTime": "2026-11-01",
        "note": [{"text": "Seizure free for 2 years"}]
    }}));
    let path = env.write_json("free.json", &record);
    env.import_ok(&path);
    assert_eq!(
        env.rows("SELECT value_code FROM observations WHERE value_code LIKE '%seizures'"),
        Vec::<Vec<String>>::new()
    );
    let output = refract()
        .arg("--db")
        .arg(env.db())
        .args(["flags", "--json", "--condition", "epilepsy"])
        .output()
        .unwrap();
    let flags: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_ne!(flags[0]["status"], "refractory", "{flags:#}");
}

/// Two schedules failed, lacosamide since 2024-06-01: a note that does not state this
/// patient's freedom from seizures of every type up to now (a relapse in the next sentence,
/// past, ended or hoped-for freedom, a relative's last seizure, freedom from one type or with
/// auras) leaves the patient flagged, as the note's absence does.
#[test]
fn a_note_that_is_no_current_freedom_from_every_seizure_type_leaves_the_patient_flagged() {
    for (n, words) in [
        "Seizure free for 2 years. Breakthrough seizures since September, 3 this month.",
        "Seizures recurred after being seizure free for 2 years",
        "Was seizure free for 2 years on carbamazepine in her twenties",
        "Hopes to be seizure free for 2 years",
        "Mother also has epilepsy, last seizure 3 years ago",
        "Tonic-clonic seizure free since 2023. Focal impaired awareness seizures ongoing, several a week.",
        "No seizures for 2 years, frequent auras",
    ]
    .into_iter()
    .enumerate()
    {
        let mut env = Env::new();
        let id = format!("nf{n}");
        let mut record = super::epilepsy_bundle(&id, &format!("NF-{n}"), ("266721009", "No response"));
        let entries = record["entry"].as_array_mut().unwrap();
        // Lacosamide from 2024-06-01: a freedom read from the note would cover it.
        for entry in entries.iter_mut() {
            if entry["resource"]["id"] == format!("{id}-lcm") {
                entry["resource"]["effectivePeriod"] = json!({"start": "2024-06-01"});
            }
        }
        entries.push(json!({
            "fullUrl": format!("urn:uuid:{id}-note"),
            "resource": {
                "resourceType": "Observation",
                "id": format!("{id}-note"),
                "status": "final",
                "subject": {"reference": format!("urn:uuid:{id}")},
                "code": {"text": "Seizure frequency"},
                "effectiveDateTime": "2026-11-01",
                "note": [{"text": words}]
            }
        }));
        let path = env.write_json("note.json", &record);
        env.import_ok(&path);
        let output = refract()
            .arg("--db")
            .arg(env.db())
            .args(["flags", "--json", "--condition", "epilepsy"])
            .output()
            .unwrap();
        let flags: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(flags[0]["status"], "refractory", "{words}: {flags:#}");
    }
}

/// A filled-in form (R4 QuestionnaireResponse, as patient portals and SDC forms send a PHQ-9):
/// each numeric answer to an item named by a LOINC code, in its `linkId`, its `definition`,
/// or a `code` some forms write, is a result of that code taken when the form was authored; a
/// form still being filled in is not read, one entered in error takes its results out, and the
/// coded answers to each question are not scores (review R4-6).
#[test]
fn a_questionnaire_response_gives_the_scores_its_form_names_by_loinc() {
    let form = |id: &str, status: &str, authored: &str, total: Value| {
        json!({
            "resourceType": "QuestionnaireResponse",
            "id": id,
            "status": status,
            "subject": {"reference": SUBJECT},
            "questionnaire": "http://loinc.org/q/44249-1",
            "authored": authored,
            "item": [
                {"linkId": "/44250-9", "text": "Little interest or pleasure in doing things",
                 "answer": [{"valueCoding": {"system": "http://loinc.org", "code": "LA6570-1"}}]},
                total
            ]
        })
    };
    let (env, rows) = stored(&[
        form(
            "by-link",
            "completed",
            "2025-01-25T10:00:00Z",
            json!({"linkId": "/44261-6", "text": "Total score", "answer": [{"valueInteger": 22}]}),
        ),
        form(
            "by-definition",
            "amended",
            "2025-05-10T10:00:00Z",
            json!({"linkId": "total", "definition": "http://loinc.org/q/44249-1#44261-6",
                   "answer": [{"valueDecimal": 21}]}),
        ),
        form(
            "in-a-group",
            "completed",
            "2025-08-20T10:00:00Z",
            json!({"linkId": "scores", "item": [
                {"linkId": "t", "code": [{"system": "http://loinc.org", "code": "44261-6"}],
                 "answer": [{"valueInteger": 20}]}]}),
        ),
        form(
            "unfinished",
            "in-progress",
            "2025-09-01T10:00:00Z",
            json!({"linkId": "/44261-6", "answer": [{"valueInteger": 3}]}),
        ),
        form(
            "uncoded",
            "completed",
            "2025-09-02T10:00:00Z",
            json!({"linkId": "total", "text": "Total", "answer": [{"valueInteger": 4}]}),
        ),
    ]);
    let values: Vec<[&str; 3]> = rows
        .iter()
        .map(|row| [row[0].as_str(), row[1].as_str(), &row[4][..10]])
        .collect();
    assert_eq!(
        values,
        [
            ["44261-6", "22", "2025-01-25"],
            ["44261-6", "21", "2025-05-10"],
            ["44261-6", "20", "2025-08-20"]
        ]
    );
    // The same form entered in error takes its score out.
    let mut env = env;
    let retracted = env.write_json(
        "retracted.json",
        &bundle(
            "collection",
            &[form(
                "by-link",
                "entered-in-error",
                "2025-01-25T10:00:00Z",
                json!({"linkId": "/44261-6", "answer": [{"valueInteger": 22}]}),
            )],
        ),
    );
    env.import_ok(&retracted);
    assert_eq!(
        env.rows("SELECT value FROM observations ORDER BY effective"),
        [["21"], ["20"]]
    );
}

/// A blood pressure in any unit of pressure (cm[Hg], as French charts write "15/9", inches of
/// mercury, kPa) is stored in mmHg; one in a unit that is no pressure (`%`, `/min`) keeps its own
/// unit, never taken as mmHg, for the criteria to name as not read (review R7-1).
#[test]
fn blood_pressure_in_any_unit_of_pressure_is_stored_in_mmhg_and_another_unit_kept() {
    let reading = |id: &str, code: &str, day: u32, value: f64, ucum: Option<&str>, text: &str| {
        let mut quantity = json!({"value": value, "unit": text});
        if let Some(ucum) = ucum {
            quantity["system"] = json!("http://unitsofmeasure.org");
            quantity["code"] = json!(ucum);
        }
        json!({
            "resourceType": "Observation", "id": id, "status": "final",
            "subject": {"reference": SUBJECT},
            "code": coding(LOINC, code, "Blood pressure"),
            "effectiveDateTime": format!("2024-03-{day:0>2}T09:30:00Z"),
            "valueQuantity": quantity
        })
    };
    let (_, rows) = stored(&[
        reading("a", "8480-6", 1, 15.2, Some("cm[Hg]"), "cmHg"),
        reading("b", "8462-4", 1, 9.6, None, "cmHg"),
        reading("c", "8480-6", 2, 6.0, Some("[in_i'Hg]"), "inHg"),
        reading("d", "8480-6", 3, 152.0, Some("%"), "%"),
        reading("e", "8480-6", 4, 152.0, Some("/min"), "/min"),
        reading("f", "8480-6", 5, 152.0, Some("mm[Hg]"), "mmHg"),
    ]);
    let readings: Vec<[&str; 3]> = rows
        .iter()
        .map(|row| [row[0].as_str(), row[1].as_str(), row[3].as_str()])
        .collect();
    assert_eq!(
        readings,
        [
            ["8462-4", "96", "mm[Hg]"],
            ["8480-6", "152", "mm[Hg]"],
            ["8480-6", "152.4", "mm[Hg]"],
            ["8480-6", "152", "%"],
            ["8480-6", "152", "/min"],
            ["8480-6", "152", "mm[Hg]"],
        ]
    );
}

/// Marrow blasts (LOINC 11150-0, a number fraction) sent as a fraction, UCUM's unity `1` or
/// the words "fraction", are stored in percent: 0.25 is 25 %, never 0.25 % (a failed induction
/// read as a remission). Another test's fraction stays as sent, and a "fraction" above 1 is
/// none: kept in its unit (review R7-2).
#[test]
fn marrow_blasts_sent_as_a_fraction_are_stored_in_percent() {
    const UCUM: &str = "http://unitsofmeasure.org";
    let result = |id: &str, code: &str, day: u32, quantity: Value| {
        let name = if code == "11150-0" {
            "Blasts/100 cells in Bone marrow"
        } else {
            "Glucose [Mass/volume] in Serum or Plasma"
        };
        json!({
            "resourceType": "Observation", "id": id, "status": "final",
            "subject": {"reference": SUBJECT},
            "code": coding(LOINC, code, name),
            "effectiveDateTime": format!("2024-03-{day:0>2}T09:30:00Z"),
            "valueQuantity": quantity
        })
    };
    let (_, rows) = stored(&[
        result(
            "a",
            "11150-0",
            1,
            json!({"value": 0.25, "system": UCUM, "code": "1", "unit": "fraction"}),
        ),
        result(
            "b",
            "11150-0",
            2,
            json!({"value": 0.3, "system": UCUM, "code": "1"}),
        ),
        result(
            "c",
            "11150-0",
            3,
            json!({"value": 0.04, "unit": "fraction"}),
        ),
        result(
            "d",
            "11150-0",
            4,
            json!({"value": 30, "system": UCUM, "code": "%", "unit": "%"}),
        ),
        result(
            "e",
            "11150-0",
            5,
            json!({"value": 25, "system": UCUM, "code": "1"}),
        ),
        result(
            "f",
            "2345-7",
            6,
            json!({"value": 0.25, "system": UCUM, "code": "1"}),
        ),
    ]);
    let values: Vec<[&str; 3]> = rows
        .iter()
        .map(|row| [row[0].as_str(), row[1].as_str(), row[3].as_str()])
        .collect();
    assert_eq!(
        values,
        [
            ["11150-0", "25", "%"],
            ["11150-0", "30", "%"],
            ["11150-0", "4", "%"],
            ["11150-0", "30", "%"],
            ["11150-0", "25", "1"],
            ["2345-7", "0.25", "1"],
        ]
    );
}

/// ST-3: R4 obs-6 allows `dataAbsentReason` only where there is no `value[x]`: a value sent
/// beside a reason it is absent (a placeholder 0 of a diary not filled in, `asked-unknown`) is
/// no result. A count of 0 seizures so sent made two failed schedules seizure-free, and a
/// component's placeholder made a blood pressure of its panel.
#[test]
fn a_value_sent_beside_a_data_absent_reason_is_not_read() {
    let mut env = Env::new();
    let mut record =
        super::epilepsy_bundle("dar", "DAR-1", ("266721009", "No response to treatment"));
    let count = json!({
        "resourceType": "Observation",
        "id": "dar-diary",
        "status": "final",
        "subject": {"reference": "urn:uuid:dar"},
        "code": {"text": "Seizure count"},
        "valueQuantity": {"value": 0, "unit": "{seizures}"},
        "dataAbsentReason": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
            "code": "asked-unknown"
        }]},
        "effectivePeriod": {"start": "2023-01-05", "end": "2024-12-31"}
    });
    let component = |code: &str, value: f64, absent: bool| {
        let mut component = json!({
            "code": coding(LOINC, code, code),
            "valueQuantity": {"value": value, "unit": "mm[Hg]",
                              "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}
        });
        if absent {
            component["dataAbsentReason"] = json!({"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
                "code": "error"
            }]});
        }
        component
    };
    let panel = json!({
        "resourceType": "Observation",
        "id": "dar-bp",
        "status": "final",
        "subject": {"reference": "urn:uuid:dar"},
        "code": coding(LOINC, "85354-9", "Blood pressure panel"),
        "effectiveDateTime": "2024-06-01",
        "component": [component("8480-6", 0.0, true), component("8462-4", 81.0, false)]
    });
    for resource in [count, panel] {
        let url = format!("urn:uuid:{}", resource["id"].as_str().unwrap());
        record["entry"]
            .as_array_mut()
            .unwrap()
            .push(json!({"fullUrl": url, "resource": resource}));
    }
    let path = env.write_json("absent.json", &record);
    env.import_ok(&path);
    assert_eq!(
        env.rows("SELECT code, value FROM observations ORDER BY code"),
        [["8462-4", "81"]]
    );
    let output = refract()
        .arg("--db")
        .arg(env.db())
        .args(["flags", "--json", "--condition", "epilepsy"])
        .output()
        .unwrap();
    let flags: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(flags[0]["status"], "refractory", "{flags:#}");
}

/// RR-12: a value refract does not read (R4 `valueRatio`, a titre 1:160; `valueSampledData`,
/// a waveform) is no number: never its numerator, denominator or a sample taken for the value,
/// and no failure of the file. The reading is counted as one with no value refract reads.
#[test]
fn a_ratio_or_sampled_data_value_is_no_number() {
    let mut env = Env::new();
    let all = vec![
        patient("obs-pt", "OBS-1", "Haug", "Siri"),
        observation(
            "titre",
            SUBJECT,
            "5048-4",
            "Nuclear Ab [Titer] in Serum by Immunofluorescence",
            &json!({"valueRatio": {"numerator": {"value": 1}, "denominator": {"value": 160}}}),
        ),
        observation(
            "wave",
            SUBJECT,
            "8867-4",
            "Heart rate",
            &json!({"valueSampledData": {"origin": {"value": 60, "unit": "/min"}, "period": 1000,
                                         "dimensions": 1, "data": "72 75 71"}}),
        ),
    ];
    let path = env.write_json("observations.json", &bundle("collection", &all));
    let file = env.import_ok(&path);
    assert_eq!(
        env.rows("SELECT code, coalesce(value, '-') FROM observations WHERE value IS NOT NULL"),
        Vec::<Vec<String>>::new(),
        "{:?}",
        file.warnings
    );
    assert_eq!(file.resources, 3);
}

/// RR-9: a PHQ-9 (LOINC panel 44249-1) answered by codes (LOINC answers LA6568-5 "Not at all"
/// 0 … LA6571-9 "Nearly every day" 3, or any answer weighed by the R4 `ordinalValue`
/// extension) with no total item: the total (44261-6) is the sum of its nine items, computed
/// only when all nine are answered and each answer's weight is known. Else no score, and the
/// warning says why.
#[test]
fn a_phq9_answered_by_codes_is_totalled_only_when_every_item_is_weighed() {
    const ITEMS: [&str; 9] = [
        "44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3",
        "44260-8",
    ];
    let answer = |code: &str| json!({"valueCoding": {"system": "http://loinc.org", "code": code}});
    let form = |id: &str, authored: &str, answers: &[Value]| {
        json!({
            "resourceType": "QuestionnaireResponse", "id": id, "status": "completed",
            "subject": {"reference": SUBJECT},
            "questionnaire": "http://loinc.org/q/44249-1",
            "authored": authored,
            "item": ITEMS.iter().zip(answers).map(|(item, answer)| {
                json!({"linkId": format!("/{item}"), "answer": [answer]})
            }).collect::<Vec<_>>()
        })
    };
    // 3+3+2+2+1+1+0+0 + a weight of 2 given by the extension on a local code: 14.
    let mut weighed: Vec<Value> = [
        "LA6571-9", "LA6571-9", "LA6570-1", "LA6570-1", "LA6569-3", "LA6569-3", "LA6568-5",
        "LA6568-5",
    ]
    .iter()
    .map(|code| answer(code))
    .collect();
    weighed.push(
        json!({"valueCoding": {"system": "urn:local", "code": "often",
        "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
                       "valueDecimal": 2}]}}),
    );
    let mut unweighed = weighed.clone();
    unweighed[8] = json!({"valueCoding": {"system": "urn:local", "code": "often"}});
    let eight = &weighed[..8];
    let (mut env, rows) = stored(&[
        form("all-nine", "2025-01-25T10:00:00Z", &weighed),
        form("unweighed", "2025-02-25T10:00:00Z", &unweighed),
        form("eight", "2025-03-25T10:00:00Z", eight),
    ]);
    let values: Vec<[&str; 3]> = rows
        .iter()
        .map(|row| [row[0].as_str(), row[1].as_str(), &row[4][..10]])
        .collect();
    assert_eq!(values, [["44261-6", "14", "2025-01-25"]]);
    // Why the other two have none.
    let path = env.write_json(
        "again.json",
        &bundle(
            "collection",
            &[
                form("unweighed-2", "2025-02-26T10:00:00Z", &unweighed),
                form("eight-2", "2025-03-26T10:00:00Z", eight),
            ],
        ),
    );
    let file = env.import_ok(&path);
    let said: Vec<&str> = file.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(
        said.iter()
            .any(|w| w.contains("PHQ-9") && w.contains("44260-8") && w.contains("weight")),
        "{said:#?}"
    );
    assert!(
        said.iter()
            .any(|w| w.contains("PHQ-9") && w.contains("8 of its 9")),
        "{said:#?}"
    );
}
