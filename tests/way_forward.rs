//! The way forward through the library, as the screens and the CLI use it: the step machine
//! enforced on save, every record round-tripping through the file with its audit row, the
//! confounder-to-checklist link, progress on the patient list, and the demo's records.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use crate::sql;
use sql::sql_on;

use chrono::NaiveDate;
use refract::demo::{self, DemoOptions};
use refract::domain::way_forward::StepProblem;
use refract::domain::{
    CareOption, Edit, OptionKind, PatientId, PatientPreference, Referral, ReferralStatus, Stance,
    StepStatus, TrialStatus, WayForwardStep, WellbeingGoal,
};
use refract::rules::Rules;
use refract::store::{ListQuery, OpenMode, Store, StoreError};
use refract::way_forward::{self, Change, WayForwardError};
use tempfile::TempDir;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
}

fn demo_store(patients: u64) -> (TempDir, Store, Rules) {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("demo.db");
    let rules = Rules::embedded().unwrap();
    let options = DemoOptions {
        patients,
        seed: 5,
        today: today(),
    };
    demo::create(&path, &options, &rules).unwrap();
    let store = Store::open(&path, OpenMode::MustExist, "dr.test").unwrap();
    (dir, store, rules)
}

fn audit_rows(store: &Store, patient: PatientId) -> i64 {
    sql_on(store)
        .query_row(
            "SELECT count(*) FROM audit_log WHERE patient_id = ?1",
            [patient.0],
            |row| row.get(0),
        )
        .unwrap()
}

/// A flagged patient the demo gave no way forward, with the confounder `key` open.
fn flagged_without_way_forward(store: &Store, key: &str) -> (PatientId, String) {
    sql_on(store)
        .query_row(
            "SELECT a.patient_id, a.ruleset FROM assessments a
             WHERE a.status IN ('refractory', 'resistant', 'relapsed')
               AND a.detail LIKE '%\"key\":\"' || ?1 || '\"%'
               AND NOT EXISTS (SELECT 1 FROM way_forward w WHERE w.patient_id = a.patient_id)
             ORDER BY a.patient_id DESC LIMIT 1",
            [key],
            |row| Ok((PatientId(row.get(0)?), row.get(1)?)),
        )
        .unwrap()
}

#[test]
fn a_step_cannot_be_done_before_its_work_and_a_refused_change_writes_nothing() {
    let (_dir, mut store, rules) = demo_store(300);
    let (patient, ruleset) = flagged_without_way_forward(&store, "adherence");
    let view = way_forward::load(&store, &rules, patient, &ruleset).unwrap();
    assert_eq!(view.plan.dots(), "○○○○");
    let before = audit_rows(&store, patient);

    let mut first = view.plan.step(1).unwrap().clone();
    first.status = StepStatus::Done;
    let refused = way_forward::apply(
        &mut store,
        &rules,
        &Change::Step(Edit::new(first.clone())),
        today(),
    );
    assert!(
        matches!(
            refused,
            Err(WayForwardError::Step(StepProblem::NoSpecialistSeen))
        ),
        "{refused:?}"
    );
    assert_eq!(
        audit_rows(&store, patient),
        before,
        "a refusal is not saved"
    );
    assert!(store.way_forward_rulesets(patient).unwrap().is_empty());

    let mut not_applicable = view.plan.step(4).unwrap().clone();
    not_applicable.status = StepStatus::NotApplicable;
    let refused = way_forward::apply(
        &mut store,
        &rules,
        &Change::Step(Edit::new(not_applicable)),
        today(),
    );
    assert!(matches!(
        refused,
        Err(WayForwardError::Step(StepProblem::ReasonRequired))
    ));

    // Once a specialist has seen the patient, step 1 may be closed.
    way_forward::apply(
        &mut store,
        &rules,
        &Change::Referral(Edit::new(Referral {
            id: 0,
            patient_id: patient,
            ruleset: ruleset.clone(),
            step: 1,
            specialty: String::from("epileptology"),
            to_whom: Some(String::from("Dr Okafor")),
            date: Some(today()),
            status: ReferralStatus::Seen,
            version: 0,
        })),
        today(),
    )
    .unwrap();
    way_forward::apply(&mut store, &rules, &Change::Step(Edit::new(first)), today()).unwrap();
    let view = way_forward::load(&store, &rules, patient, &ruleset).unwrap();
    assert_eq!(view.plan.step(1).unwrap().status, StepStatus::Done);
    assert_eq!(view.plan.dots(), "●○○○");
    assert_eq!(audit_rows(&store, patient), before + 2);
}

#[test]
fn every_record_round_trips_with_its_audit_row_and_shows_on_the_list() {
    let (_dir, mut store, rules) = demo_store(300);
    let (patient, ruleset) = flagged_without_way_forward(&store, "adherence");
    let view = way_forward::load(&store, &rules, patient, &ruleset).unwrap();

    let mut second = view.plan.step(2).unwrap().clone();
    second.status = StepStatus::InProgress;
    second.owner = Some(String::from("Dr Moreau"));
    second.due = NaiveDate::from_ymd_opt(2026, 11, 1);
    second.notes = String::from("Video-EEG booked.\nDrug levels requested.");
    let trial = CareOption {
        id: 0,
        patient_id: patient,
        ruleset: ruleset.clone(),
        kind: OptionKind::Trial,
        name: String::from("A phase 3 trial"),
        catalogue_key: None,
        source: None,
        registry_id: Some(String::from("NCT01234567")),
        trial_status: Some(TrialStatus::Screening),
        stance: Stance::Proposed,
        stance_reason: None,
        preference: PatientPreference::Wants,
        notes: String::from("bloods pending"),
        version: 0,
    };
    let goal = WellbeingGoal {
        id: 0,
        patient_id: patient,
        ruleset: ruleset.clone(),
        description: String::from("Walk 30 minutes a day"),
        due: NaiveDate::from_ymd_opt(2027, 3, 1),
        achieved: false,
        version: 0,
    };
    for change in [
        Change::Step(Edit::new(second.clone())),
        Change::Option(Edit::new(trial.clone())),
        Change::Goal(Edit::new(goal.clone())),
    ] {
        way_forward::apply(&mut store, &rules, &change, today()).unwrap();
    }
    // Read back from another connection: what the file holds.
    let other = Store::open(store.path(), OpenMode::MustExist, "other").unwrap();
    let stored = other.stored_way_forward(patient, &ruleset).unwrap();
    assert_eq!(
        stored.steps.len(),
        4,
        "the first write starts all four steps"
    );
    assert_eq!(
        stored.steps[1],
        WayForwardStep {
            version: 1,
            ..second
        }
    );
    assert_eq!(stored.options.len(), 1);
    assert_eq!(
        CareOption {
            id: stored.options[0].id,
            version: 1,
            ..trial
        },
        stored.options[0]
    );
    assert_eq!(
        WellbeingGoal {
            id: stored.goals[0].id,
            version: 1,
            ..goal
        },
        stored.goals[0]
    );
    let actions: Vec<String> = other
        .audit_history(patient, 10)
        .unwrap()
        .into_iter()
        .map(|entry| entry.action)
        .collect();
    for action in ["way_forward.step", "option.add", "goal.add"] {
        assert!(actions.iter().any(|a| a == action), "{actions:?}");
    }
    // A rejection without a reason is refused by the store itself.
    let mut rejected = stored.options[0].clone();
    rejected.stance = Stance::Rejected;
    assert!(matches!(
        store.save_option(&Edit::new(rejected), today()),
        Err(StoreError::Invalid(_))
    ));

    // The list: progress dots and, with step 2 past due, the overdue mark and filter.
    let mut query = ListQuery::default();
    query.filter.overdue_only = true;
    let rows = other
        .list_page(&query, &refract::store::Anchor::First, 500)
        .unwrap();
    let row = rows.iter().find(|r| r.id == patient.0).unwrap();
    assert_eq!(row.way_forward, Some(0));
    assert!(row.overdue);
}

#[test]
fn ticking_a_confounder_resolves_it_at_once() {
    let (_dir, mut store, rules) = demo_store(300);
    let (patient, ruleset) = flagged_without_way_forward(&store, "adherence");
    let view = way_forward::load(&store, &rules, patient, &ruleset).unwrap();
    let confounders = |store: &Store| -> Vec<String> {
        store
            .assessments(patient)
            .unwrap()
            .into_iter()
            .find(|a| a.assessment.ruleset == ruleset)
            .unwrap()
            .assessment
            .confounders
            .into_iter()
            .map(|c| c.key)
            .collect()
    };
    assert!(confounders(&store).contains(&String::from("adherence")));
    let mut item = view
        .plan
        .checklist
        .iter()
        .find(|item| item.key == "adherence")
        .unwrap()
        .clone();
    assert_eq!(
        item.id, 0,
        "suggested from the open confounder, not yet written"
    );
    item.done = true;
    item.detail = Some(String::from("levels in range, refills on time"));
    way_forward::apply(
        &mut store,
        &rules,
        &Change::Checklist(Edit::new(item.clone())),
        today(),
    )
    .unwrap();
    assert!(
        !confounders(&store).contains(&String::from("adherence")),
        "the tick resolves the confounder"
    );
    // The item stays on the checklist, ticked, with how it was resolved.
    let view = way_forward::load(&store, &rules, patient, &ruleset).unwrap();
    let kept = view
        .plan
        .checklist
        .iter()
        .find(|i| i.key == "adherence")
        .unwrap();
    assert!(kept.done && kept.id > 0);
    assert_eq!(
        kept.detail.as_deref(),
        Some("levels in range, refills on time")
    );
    // Unticking brings the confounder back.
    item.done = false;
    way_forward::apply(
        &mut store,
        &rules,
        &Change::Checklist(Edit::new(item)),
        today(),
    )
    .unwrap();
    assert!(confounders(&store).contains(&String::from("adherence")));
}

#[test]
fn options_already_tried_are_marked_from_the_treatment_lines() {
    let (_dir, store, rules) = demo_store(300);
    // Among the flagged patients, some catalogue option was already given.
    let flagged: Vec<(i64, String)> = {
        let conn = sql_on(&store);
        let mut stmt = conn
            .prepare(
                "SELECT patient_id, ruleset FROM assessments
                 WHERE status IN ('refractory', 'resistant', 'relapsed') ORDER BY patient_id",
            )
            .unwrap();
        stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let mut tried = 0;
    for (patient, ruleset) in &flagged {
        let view = way_forward::load(&store, &rules, PatientId(*patient), ruleset).unwrap();
        assert!(!view.board.is_empty(), "{ruleset} has an options catalogue");
        tried += view.board.iter().filter(|e| e.tried.is_some()).count();
    }
    assert!(tried > 0, "no catalogue option was ever marked as tried");
}

#[test]
fn the_demo_has_way_forward_records_in_several_states() {
    let (_dir, store, _rules) = demo_store(300);
    let states: Vec<(String, i64)> = {
        let conn = sql_on(&store);
        let mut stmt = conn
            .prepare("SELECT status, count(*) FROM way_forward GROUP BY status ORDER BY status")
            .unwrap();
        stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let names: Vec<&str> = states.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(names, ["done", "in_progress", "not_applicable", "todo"]);
    let overdue: i64 = sql_on(&store)
        .query_row(
            "SELECT count(*) FROM patients WHERE list_wf_overdue = 1",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert!(overdue > 0, "some steps are overdue");
    for table in ["referrals", "options", "wellbeing_goals", "checklist_items"] {
        let rows: i64 = sql_on(&store)
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
                row.get(0)
            })
            .unwrap();
        assert!(rows > 0, "{table} is empty");
    }
    assert_eq!(store.integrity_check().unwrap(), ["ok"]);
    assert!(store.foreign_key_check().unwrap().is_empty());
}

#[test]
fn the_fhir_export_carries_the_way_forward_as_careplan_tasks_and_goals() {
    let (_dir, store, _rules) = demo_store(300);
    // A patient whose way forward is complete: every step closed, a goal set.
    let patient: i64 = sql_on(&store)
        .query_row(
            "SELECT patient_id FROM wellbeing_goals ORDER BY patient_id LIMIT 1",
            [],
            |row| row.get(0),
        )
        .unwrap();
    let mut out = Vec::new();
    refract::fhir::write_bundle(&store, &[PatientId(patient)], &mut out).unwrap();
    let bundle: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let resources: Vec<&serde_json::Value> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .collect();
    let plan = resources
        .iter()
        .find(|r| {
            r["resourceType"] == "CarePlan"
                && r["category"][0]["coding"][0]["code"] == "way-forward"
        })
        .expect("a way-forward CarePlan");
    let activities = plan["activity"].as_array().unwrap();
    let steps: Vec<&str> = activities
        .iter()
        .filter(|a| {
            a["detail"]["code"]["coding"][0]["code"]
                .as_str()
                .unwrap()
                .starts_with("step-")
        })
        .map(|a| a["detail"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(steps.len(), 4);
    assert!(
        steps.iter().all(|s| *s == "completed" || *s == "cancelled"),
        "{steps:?}"
    );
    assert_eq!(plan["status"], "completed");
    let goal_ref = plan["goal"][0]["reference"].as_str().unwrap();
    let goals: Vec<_> = resources
        .iter()
        .filter(|r| r["resourceType"] == "Goal")
        .collect();
    assert!(!goals.is_empty());
    assert!(
        bundle["entry"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["fullUrl"] == goal_ref && e["resource"]["resourceType"] == "Goal")
    );
    let checks = resources
        .iter()
        .filter(|r| r["resourceType"] == "Task" && r["basedOn"][0]["reference"].is_string())
        .count();
    assert!(checks > 0, "the checklist is exported as Tasks");
}

#[test]
fn show_prints_the_way_forward_and_its_json_holds_every_record() {
    let (dir, store, _rules) = demo_store(300);
    let mrn: String = sql_on(&store)
        .query_row(
            "SELECT p.mrn FROM patients p JOIN wellbeing_goals g ON g.patient_id = p.id
             ORDER BY p.id LIMIT 1",
            [],
            |row| row.get(0),
        )
        .unwrap();
    drop(store);
    let db = dir.path().join("demo.db");
    let run = |json: bool| {
        let mut command = assert_cmd::Command::cargo_bin("refract").unwrap();
        command.arg("--db").arg(&db).args(["show", &mrn]);
        if json {
            command.arg("--json");
        }
        let output = command.output().unwrap();
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let text = run(false);
    for expected in [
        "Way forward:",
        "1. Specialist care: done",
        "referral:",
        "goal:",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    let json: serde_json::Value = serde_json::from_str(&run(true)).unwrap();
    for key in ["way_forward", "checklist", "referrals", "options", "goals"] {
        assert!(
            json[key].as_array().is_some_and(|a| !a.is_empty()),
            "{key} is empty in {json}"
        );
    }
}
