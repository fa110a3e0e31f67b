//! MDT meetings end to end: the agenda rules, outcomes and tasks kept in the file, the minutes
//! (Markdown snapshot, HTML escaping, masking), two processes on one file, and the demo's
//! meetings.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use crate::sql;
use sql::sql_on;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;

use chrono::{NaiveDate, NaiveDateTime};
use refract::domain::{
    AgendaProblem, Attendee, Edit, Outcome, OutcomeCategory, Patient, PatientId, PatientRecord,
    PlanFollowed, Sex, TaskStatus, can_present,
};
use refract::meeting::{self, MeetingChange};
use refract::minutes;
use refract::rules::Rules;
use refract::store::{self, OpenMode, Source, Store};
use tempfile::TempDir;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 20).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn time(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    day(y, m, d).and_hms_opt(h, min, 0).unwrap()
}

fn open(path: &Path) -> Store {
    Store::open(path, OpenMode::CreateIfMissing, "dr.scribe").unwrap()
}

fn add_patient(
    store: &mut Store,
    mrn: &str,
    family: &str,
    given: &str,
    sex: Sex,
    birth: NaiveDate,
) -> PatientId {
    let record = PatientRecord {
        patient: Some(Patient {
            id: PatientId(0),
            mrn: mrn.into(),
            mrn_system: String::new(),
            family_name: family.into(),
            given_name: given.into(),
            birth_date: Some(birth),
            birth_precision: refract::domain::DatePrecision::Day,
            sex,
            deceased: false,
            deceased_date: None,
            deceased_in: None,
            care_team: Some("Epilepsy service".into()),
        }),
        ..PatientRecord::default()
    };
    store
        .write(|tx| store::insert_record(tx, &record, Source::Entered, store::now_utc()))
        .unwrap()
}

/// The binary on `db`, with no database or user from the environment.
fn refract(db: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_refract"));
    command
        .env_remove("REFRACT_DB")
        .env_remove("RUST_BACKTRACE")
        .env("USER", "meeting-test")
        .arg("--db")
        .arg(db);
    command
}

/// Runs the command and returns its stdout, failing the test with stderr otherwise.
fn stdout_of(command: &mut Command) -> String {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{:?} failed: {}",
        command,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn audit_actions(store: &Store) -> Vec<String> {
    let conn = sql_on(store);
    let mut stmt = conn
        .prepare("SELECT action FROM audit_log ORDER BY id")
        .unwrap();
    stmt.query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn overdue_mark(store: &Store, patient: PatientId) -> i64 {
    sql_on(store)
        .query_row(
            "SELECT list_wf_overdue FROM patients WHERE id = ?1",
            [patient.0],
            |row| row.get(0),
        )
        .unwrap()
}

/// A meeting with every part the minutes show: attendees present and absent, a discussed case
/// with a chosen option, tasks and a plan not followed, a second discussed case, and a case
/// still without its question.
struct Fixture {
    _dir: TempDir,
    db: PathBuf,
    meeting: i64,
    cases: Vec<i64>,
    patients: Vec<PatientId>,
}

fn fixture() -> Fixture {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("meetings.db");
    let mut store = open(&db);
    let mara = add_patient(
        &mut store,
        "RF-TEST-001",
        "Lind",
        "Mara",
        Sex::Female,
        day(1972, 3, 2),
    );
    let tunde = add_patient(
        &mut store,
        "RF-TEST-002",
        "Adeyemi",
        "Tunde",
        Sex::Male,
        day(1990, 12, 31),
    );
    let ada = add_patient(
        &mut store,
        "RF-TEST-003",
        "Quinn",
        "Ada",
        Sex::Female,
        day(1950, 6, 15),
    );
    let conn = sql_on(&store);
    conn
        .execute(
            "INSERT INTO options (patient_id, ruleset, kind, name, stance, preference)
             VALUES (?1, 'epilepsy', 'procedure', 'Presurgical evaluation (video-EEG)', 'recommended', 'wants')",
            [mara.0],
        )
        .unwrap();
    let option = conn.last_insert_rowid();

    let meeting = store
        .create_meeting(
            time(2026, 3, 10, 13, 30),
            "Epilepsy surgery MDT",
            Some("Epilepsy service"),
        )
        .unwrap();
    store
        .add_attendee(meeting, "Dr A. Okafor", "Epileptology")
        .unwrap();
    let absent = store
        .add_attendee(meeting, "Dr K. Nakamura", "neurosurgery")
        .unwrap();
    store.set_attendee_present(absent, false).unwrap();
    store
        .add_attendee(meeting, "Dr L. Moreau", "neuroradiology")
        .unwrap();
    store
        .add_attendee(meeting, "Dr T. Varga", "neuropsychology")
        .unwrap();

    let first = store.add_case(meeting, mara, Some("epilepsy")).unwrap();
    store
        .set_case_question(
            first,
            "Two adequate ASM trials failed: presurgical evaluation now?",
        )
        .unwrap();
    store
        .record_outcome(
            first,
            &Outcome {
                category: Some(OutcomeCategory::ProcedureOrDevice),
                chosen_option_id: Some(option),
                text: "Refer for video-EEG.\nDiscuss VNS if not a surgical candidate.".into(),
                comes_back: true,
            },
        )
        .unwrap();
    let task = store
        .add_task(
            mara,
            Some(first),
            "Book video-EEG",
            Some("Dr A. Okafor"),
            Some(day(2026, 3, 24)),
            today(),
        )
        .unwrap();
    store
        .set_task_status(task, TaskStatus::Done, today())
        .unwrap();
    store
        .add_task(
            mara,
            Some(first),
            "Neuropsychology assessment",
            None,
            None,
            today(),
        )
        .unwrap();
    store
        .set_plan_followed(
            first,
            PlanFollowed::No,
            Some("The patient declined surgery"),
        )
        .unwrap();

    let second = store.add_case(meeting, tunde, Some("epilepsy")).unwrap();
    store
        .set_case_question(second, "Drug-resistant, or not taking the drugs?")
        .unwrap();
    store
        .record_outcome(
            second,
            &Outcome {
                category: Some(OutcomeCategory::FurtherInvestigations),
                chosen_option_id: None,
                text: "Check drug levels and pharmacy refills.".into(),
                comes_back: false,
            },
        )
        .unwrap();

    let third = store.add_case(meeting, ada, Some("epilepsy")).unwrap();
    Fixture {
        _dir: dir,
        db,
        meeting,
        cases: vec![first, second, third],
        patients: vec![mara, tunde, ada],
    }
}

#[test]
fn a_case_without_a_question_cannot_be_presented() {
    let fixture = fixture();
    let mut store = open(&fixture.db);
    let third = fixture.cases[2];
    let case = store.meeting_case(third).unwrap();
    assert_eq!(can_present(&case), Err(AgendaProblem::NoQuestion));
    let outcome = Outcome {
        category: Some(OutcomeCategory::ContinueCurrentPlan),
        text: "Continue.".into(),
        ..Outcome::default()
    };
    let refused = store.record_outcome(third, &outcome).unwrap_err();
    assert!(
        refused.to_string().contains("question"),
        "the refusal says why: {refused}"
    );
    assert!(
        !store
            .meeting_case(third)
            .unwrap()
            .outcome_text
            .contains("Continue")
    );

    store.set_case_question(third, "   ").unwrap();
    assert!(
        store.record_outcome(third, &outcome).is_err(),
        "blank is no question"
    );
    store
        .set_case_question(third, "Continue the current plan?")
        .unwrap();
    assert_eq!(can_present(&store.meeting_case(third).unwrap()), Ok(()));
    store.record_outcome(third, &outcome).unwrap();
}

#[test]
fn outcomes_and_tasks_survive_closing_the_file() {
    let fixture = fixture();
    let detail = open(&fixture.db).meeting(fixture.meeting).unwrap();
    assert_eq!(detail.meeting.title, "Epilepsy surgery MDT");
    assert_eq!(detail.meeting.team.as_deref(), Some("Epilepsy service"));
    assert_eq!(detail.attendees.len(), 4);
    assert_eq!(
        detail
            .attendees
            .iter()
            .filter(|a| !a.present)
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>(),
        ["Dr K. Nakamura"]
    );
    assert_eq!(detail.cases.len(), 3);
    let first = &detail.cases[0];
    assert_eq!(first.mrn, "RF-TEST-001");
    assert_eq!(first.ruleset, "epilepsy");
    assert_eq!(first.case.position, 1);
    assert_eq!(
        first.case.outcome_category.as_deref(),
        Some("procedure_or_device")
    );
    assert_eq!(
        first.chosen_option.as_deref(),
        Some("Presurgical evaluation (video-EEG)")
    );
    assert!(first.case.comes_back);
    assert!(first.case.outcome_text.starts_with("Refer for video-EEG."));
    assert_eq!(first.case.plan_followed, Some(PlanFollowed::No));
    assert_eq!(
        first.case.plan_followed_reason.as_deref(),
        Some("The patient declined surgery")
    );
    assert_eq!(first.tasks.len(), 2);
    assert_eq!(first.tasks[0].what, "Book video-EEG");
    assert_eq!(first.tasks[0].status, TaskStatus::Done);
    assert_eq!(first.tasks[0].due, Some(day(2026, 3, 24)));
    assert_eq!(first.tasks[1].owner, None);
    assert!(first.discussed());
    assert!(!detail.cases[2].discussed());

    let store = open(&fixture.db);
    let summaries = store.meetings().unwrap();
    assert_eq!(summaries.len(), 1);
    assert_eq!((summaries[0].cases, summaries[0].discussed), (3, 2));
    assert_eq!(
        store.tasks_of_patient(fixture.patients[0]).unwrap().len(),
        2
    );
    let history = store.cases_of_patient(fixture.patients[0]).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].meeting.id, fixture.meeting);

    let actions = audit_actions(&store);
    for action in [
        "meeting.create",
        "attendee.add",
        "attendee.present",
        "case.add",
        "case.question",
        "case.outcome",
        "task.add",
        "task.status",
        "case.plan_followed",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "no {action} in {actions:?}"
        );
    }
}

#[test]
fn open_tasks_come_due_first_and_overdue_ones_mark_the_patient() {
    let fixture = fixture();
    let mut store = open(&fixture.db);
    let tunde = fixture.patients[1];
    assert_eq!(overdue_mark(&store, tunde), 0);
    let late = store
        .add_task(
            tunde,
            Some(fixture.cases[1]),
            "Drug levels",
            Some("Dr A. Okafor"),
            Some(day(2026, 3, 12)),
            today(),
        )
        .unwrap();
    store
        .add_task(
            tunde,
            None,
            "Pharmacy records",
            None,
            Some(day(2026, 4, 1)),
            today(),
        )
        .unwrap();
    assert_eq!(
        overdue_mark(&store, tunde),
        1,
        "the list shows the overdue task"
    );

    let open_tasks = store.open_tasks(today()).unwrap();
    let whats: Vec<&str> = open_tasks.iter().map(|t| t.task.what.as_str()).collect();
    assert_eq!(
        whats,
        [
            "Drug levels",
            "Pharmacy records",
            "Neuropsychology assessment"
        ],
        "due first, undated last; done tasks left out"
    );
    assert!(open_tasks[0].overdue);
    assert!(!open_tasks[1].overdue);
    assert_eq!(open_tasks[0].mrn, "RF-TEST-002");
    assert_eq!(open_tasks[0].name, "Adeyemi, Tunde");
    assert_eq!(open_tasks[0].meeting_id, Some(fixture.meeting));
    assert_eq!(open_tasks[1].meeting_id, None);

    store
        .set_task_status(late, TaskStatus::Done, today())
        .unwrap();
    assert_eq!(overdue_mark(&store, tunde), 0);
    assert!(
        store
            .add_task(
                tunde,
                Some(fixture.cases[0]),
                "Wrong case",
                None,
                None,
                today()
            )
            .is_err(),
        "a task names a case of the same patient"
    );
    assert!(
        store
            .add_task(tunde, None, "  ", None, None, today())
            .is_err()
    );
}

#[test]
fn moving_and_removing_cases_keeps_positions_contiguous() {
    let fixture = fixture();
    let mut store = open(&fixture.db);
    let extra = add_patient(
        &mut store,
        "RF-TEST-004",
        "Berg",
        "Hana",
        Sex::Female,
        day(1980, 1, 1),
    );
    let fourth = store.add_case(fixture.meeting, extra, None).unwrap();
    let order = |store: &Store| -> Vec<(i64, u32)> {
        store
            .meeting(fixture.meeting)
            .unwrap()
            .cases
            .iter()
            .map(|c| (c.case.id, c.case.position))
            .collect()
    };
    let [a, b, c] = [fixture.cases[0], fixture.cases[1], fixture.cases[2]];
    assert_eq!(order(&store), [(a, 1), (b, 2), (c, 3), (fourth, 4)]);

    assert!(store.move_case(fourth, true).unwrap());
    assert!(store.move_case(fourth, true).unwrap());
    assert_eq!(order(&store), [(a, 1), (fourth, 2), (b, 3), (c, 4)]);
    assert!(
        !store.move_case(a, true).unwrap(),
        "the first case stays first"
    );
    assert!(
        !store.move_case(c, false).unwrap(),
        "the last case stays last"
    );
    assert!(store.move_case(a, false).unwrap());
    assert_eq!(order(&store), [(fourth, 1), (a, 2), (b, 3), (c, 4)]);

    store.remove_case(fourth).unwrap();
    assert_eq!(order(&store), [(a, 1), (b, 2), (c, 3)]);
    store.remove_case(c).unwrap();
    assert_eq!(order(&store), [(a, 1), (b, 2)]);
    assert!(
        store.remove_case(a).is_err(),
        "a discussed case is part of the record"
    );
    let again = store.add_case(fixture.meeting, extra, None).unwrap();
    assert_eq!(order(&store), [(a, 1), (b, 2), (again, 3)]);
    let actions = audit_actions(&store);
    assert!(actions.iter().any(|a| a == "case.move"));
    assert!(actions.iter().any(|a| a == "case.remove"));
}

/// review team T4: `A` with a held meeting last opened (two meetings of one title) adds the
/// patient to the next meeting, and the words name its date and that the other was held.
#[test]
fn a_patient_added_from_a_held_meeting_goes_to_the_next_one_named_by_its_date() {
    let fixture = fixture();
    let mut store = open(&fixture.db);
    let next = store
        .create_meeting(
            time(2026, 3, 27, 13, 30),
            "Epilepsy surgery MDT",
            Some("Epilepsy service"),
        )
        .unwrap();
    let ada = fixture.patients[2];
    let words = meeting::apply(
        &mut store,
        &MeetingChange::AddCase {
            meeting: Some(fixture.meeting),
            patient: ada,
            ruleset: Some(String::from("depression")),
        },
        today(),
    )
    .unwrap();
    assert_eq!(
        words,
        "added to the agenda of Epilepsy surgery MDT on 2026-03-27 13:30 \
         (the next meeting: 2026-03-10's was held)"
    );
    let cases = store.meeting(next).unwrap().cases;
    assert!(cases.iter().any(|c| c.case.patient_id == ada), "{cases:?}");
    let held = store.meeting(fixture.meeting).unwrap().cases;
    assert_eq!(held.len(), 3, "nothing added to the held meeting");

    // An upcoming meeting last opened is the one added to, named by its date.
    let words = meeting::apply(
        &mut store,
        &MeetingChange::AddCase {
            meeting: Some(next),
            patient: fixture.patients[1],
            ruleset: Some(String::from("epilepsy")),
        },
        today(),
    )
    .unwrap();
    assert_eq!(
        words,
        "added to the agenda of Epilepsy surgery MDT on 2026-03-27 13:30"
    );
}

#[test]
fn the_same_patient_and_condition_is_on_an_agenda_once() {
    let fixture = fixture();
    let mut store = open(&fixture.db);
    let mara = fixture.patients[0];
    let refused = store
        .add_case(fixture.meeting, mara, Some("epilepsy"))
        .unwrap_err();
    assert!(refused.to_string().contains("already on the agenda"));
    assert!(
        !refused.to_string().contains("RF-TEST"),
        "no MRN on a shared screen"
    );
    // Another condition of the same patient is another case.
    store
        .add_case(fixture.meeting, mara, Some("depression"))
        .unwrap();
    assert!(store.add_case(999, mara, None).is_err(), "no such meeting");
    assert!(
        store
            .add_case(fixture.meeting, PatientId(999), None)
            .is_err(),
        "no such patient"
    );
}

#[test]
fn a_plan_not_followed_needs_a_reason() {
    let fixture = fixture();
    let mut store = open(&fixture.db);
    let second = fixture.cases[1];
    for reason in [None, Some(""), Some("   ")] {
        let refused = store
            .set_plan_followed(second, PlanFollowed::No, reason)
            .unwrap_err();
        assert!(refused.to_string().contains("reason"), "{refused}");
    }
    assert_eq!(store.meeting_case(second).unwrap().plan_followed, None);
    store
        .set_plan_followed(second, PlanFollowed::Partly, None)
        .unwrap();
    store
        .set_plan_followed(
            second,
            PlanFollowed::No,
            Some("New results after the meeting"),
        )
        .unwrap();
    let case = store.meeting_case(second).unwrap();
    assert_eq!(case.plan_followed, Some(PlanFollowed::No));
    assert!(
        store
            .set_plan_followed(fixture.cases[2], PlanFollowed::Yes, None)
            .is_err(),
        "an undiscussed case has no plan"
    );
}

#[test]
fn a_chosen_option_belongs_to_the_patient() {
    let fixture = fixture();
    let mut store = open(&fixture.db);
    let option: i64 = sql_on(&store)
        .query_row("SELECT id FROM options LIMIT 1", [], |row| row.get(0))
        .unwrap();
    let refused = store.record_outcome(
        fixture.cases[1],
        &Outcome {
            chosen_option_id: Some(option),
            text: "Surgery".into(),
            ..Outcome::default()
        },
    );
    assert!(refused.is_err(), "the option is Mara's, the case Tunde's");
}

/// The text with the audit chain's hash replaced (it covers the OS account that wrote the rows,
/// which differs from machine to machine).
fn without_hash(text: &str) -> String {
    match text.find("sha256:") {
        Some(at) => {
            let start = at + "sha256:".len();
            let end = start
                + text[start..]
                    .chars()
                    .take_while(char::is_ascii_hexdigit)
                    .count();
            format!("{}<hash>{}", &text[..start], &text[end..])
        }
        None => text.to_owned(),
    }
}

#[test]
fn minutes_in_markdown() {
    let fixture = fixture();
    let minutes = stdout_of(refract(&fixture.db).args(["minutes", &fixture.meeting.to_string()]));
    insta::assert_snapshot!("minutes_markdown", without_hash(&minutes));
}

/// The meeting screen and the minutes read one view of the meeting: who is missing from the
/// room is the same in both, and a change saved through the one entry point shows in both.
#[test]
fn the_screen_and_the_minutes_read_one_view_of_the_meeting() {
    let fixture = fixture();
    let rules = Rules::embedded().unwrap();
    let mut store = open(&fixture.db);
    let absent_line = "**Needed specialties absent:** neurosurgery";
    let view = meeting::load(&store, &rules, fixture.meeting).unwrap();
    assert_eq!(view.missing, vec![vec![String::from("neurosurgery")]; 3]);
    let before = minutes::render(&store, &rules, fixture.meeting, false, false).unwrap();
    assert_eq!(before.matches(absent_line).count(), 3, "{before}");

    let surgeon = view
        .detail
        .attendees
        .iter()
        .find(|a| a.specialty == "neurosurgery")
        .unwrap()
        .clone();
    let arrived = Attendee {
        present: true,
        ..surgeon.clone()
    };
    let said = meeting::apply(
        &mut store,
        &MeetingChange::Attendee(Edit::of(surgeon, arrived)),
        today(),
    )
    .unwrap();
    assert_eq!(said, "present");

    let view = meeting::load(&store, &rules, fixture.meeting).unwrap();
    assert!(view.missing.iter().all(Vec::is_empty), "{:?}", view.missing);
    let after = minutes::render(&store, &rules, fixture.meeting, false, false).unwrap();
    assert!(!after.contains("Needed specialties absent"), "{after}");
    assert!(after.contains("Dr K. Nakamura (neurosurgery)"), "{after}");
}

#[test]
fn html_minutes_are_escaped_self_contained_and_printable() {
    let fixture = fixture();
    let mut store = open(&fixture.db);
    store
        .set_case_question(fixture.cases[2], "<script>alert('x')</script> & \"quotes\"")
        .unwrap();
    store
        .add_attendee(fixture.meeting, "<b>Dr Bold</b>", "radiology")
        .unwrap();
    drop(store);
    let html = stdout_of(refract(&fixture.db).args(["minutes", "latest", "--format", "html"]));
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;")
    );
    assert!(!html.contains("<script"), "no script element");
    assert!(html.contains("&lt;b&gt;Dr Bold&lt;/b&gt;"));
    assert!(html.contains("@media print"));
    assert!(html.contains("<style>"));
    for external in [
        "<link", "src=", "href=", "http://", "https://", "@import", "url(",
    ] {
        assert!(!html.contains(external), "external resource: {external}");
    }
    assert!(html.contains("Refer for video-EEG.<br>Discuss VNS"));

    // --out writes the same page to a private file.
    let out = fixture.db.with_file_name("minutes.html");
    stdout_of(
        refract(&fixture.db)
            .args(["minutes", "latest", "--format", "html", "--out"])
            .arg(&out),
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), html);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn minutes_mask_identity_unless_asked() {
    let fixture = fixture();
    let meeting = fixture.meeting.to_string();
    for format in ["md", "html"] {
        let masked =
            stdout_of(refract(&fixture.db).args(["minutes", &meeting, "--format", format]));
        // The audit log's head is a SHA-256 in hex: any four digits may appear in it by
        // chance ("…9b9072f1…"), so identity is looked for in the minutes above it.
        let minutes = masked.split("Audit log head").next().unwrap_or(&masked);
        for secret in [
            "RF-TEST",
            "Lind",
            "Mara",
            "Adeyemi",
            "Quinn",
            "1972",
            "1990-12-31",
            "1950-06-15",
            "1972-03-02",
        ] {
            assert!(
                !minutes.contains(secret),
                "{format} minutes show {secret}: {masked}"
            );
        }
        assert!(masked.contains("M. L., 54 y, F"), "{masked}");
        assert!(masked.contains("T. A., 35 y, M"));

        let identified = stdout_of(refract(&fixture.db).args([
            "minutes",
            &meeting,
            "--format",
            format,
            "--identified",
        ]));
        assert!(identified.contains("RF-TEST-001"));
        assert!(identified.contains("Lind, Mara"));
        assert!(
            !identified.contains("1972-03-02"),
            "no birth date even then"
        );
    }
}

/// Text the team typed that quotes the patient (question, recommendation, chosen option, task,
/// plan-followed reason) is cut out of masked minutes, in any case and spelling of the birth
/// date and MRN; identified minutes keep it as typed.
#[test]
fn masked_minutes_cut_the_patient_out_of_typed_text() {
    let fixture = fixture();
    let (first, mara) = (fixture.cases[0], fixture.patients[0]);
    let conn = rusqlite::Connection::open(&fixture.db).unwrap();
    conn.execute(
        "UPDATE meeting_cases SET question = 'Mrs LIND (rf-test-001, born 02/03/1972): surgery?',
                outcome_text = 'Refer Mara Lind, DOB 2 March 1972', plan_followed_reason = 'Lind declined'
         WHERE id = ?1",
        [first],
    )
    .unwrap();
    conn.execute(
        "UPDATE tasks SET what = 'Phone Lind family re RF TEST 001 (1972.03.02)' WHERE patient_id = ?1",
        [mara.0],
    )
    .unwrap();
    conn.execute(
        "UPDATE options SET name = 'Trial slot held for Lind' WHERE patient_id = ?1",
        [mara.0],
    )
    .unwrap();
    let meeting = fixture.meeting.to_string();
    for format in ["md", "html"] {
        let masked =
            stdout_of(refract(&fixture.db).args(["minutes", &meeting, "--format", format]));
        // Above the audit log's head, a hash that may hold "1972" by chance.
        let minutes = masked.split("Audit log head").next().unwrap_or(&masked);
        for secret in ["Lind", "LIND", "Mara", "rf-test", "RF TEST", "1972"] {
            assert!(
                !minutes.contains(secret),
                "{format} minutes show {secret}: {masked}"
            );
        }
        assert!(masked.contains("surgery?"), "{masked}");
        assert!(masked.contains("Phone"), "{masked}");
        assert!(masked.contains("declined"), "{masked}");
        let identified = stdout_of(refract(&fixture.db).args([
            "minutes",
            &meeting,
            "--format",
            format,
            "--identified",
        ]));
        assert!(identified.contains("Phone Lind family"), "{identified}");
    }
}

/// A case's text naming another patient on the same agenda (a relative), and a title naming
/// the case, lose that patient's name and MRN in masked minutes too (review R6 R6-2, R6-3).
#[test]
fn masked_minutes_cut_every_patient_on_the_agenda_from_every_case() {
    let fixture = fixture();
    let second = fixture.cases[1];
    let conn = rusqlite::Connection::open(&fixture.db).unwrap();
    conn.execute(
        "UPDATE meeting_cases SET question = 'Sister-in-law of Mara Lind (RF-TEST-001, case 1): same semiology?'
         WHERE id = ?1",
        [second],
    )
    .unwrap();
    conn.execute(
        "UPDATE meetings SET title = 'Case conference: Mara Lind' WHERE id = ?1",
        [fixture.meeting],
    )
    .unwrap();
    let meeting = fixture.meeting.to_string();
    for format in ["md", "html"] {
        let masked =
            stdout_of(refract(&fixture.db).args(["minutes", &meeting, "--format", format]));
        let minutes = masked.split("Audit log head").next().unwrap_or(&masked);
        for secret in ["Lind", "Mara", "RF-TEST-001"] {
            assert!(
                !minutes.contains(secret),
                "{format} minutes show {secret}: {masked}"
            );
        }
        assert!(masked.contains("same semiology?"), "{masked}");
        assert!(masked.contains("Case conference:"), "{masked}");
    }
    let identified = stdout_of(refract(&fixture.db).args(["minutes", &meeting, "--identified"]));
    assert!(
        identified.contains("Sister-in-law of Mara Lind (RF-TEST-001"),
        "{identified}"
    );
}

/// Masked minutes cut a name however a colleague typed it (curly apostrophe, accents left out,
/// joined), cut only whole words, and leave doses that happen to spell a numeric MRN.
#[test]
fn masked_minutes_cut_names_however_typed_and_only_whole_words() {
    let fixture = fixture();
    let (first, mara) = (fixture.cases[0], fixture.patients[0]);
    let conn = rusqlite::Connection::open(&fixture.db).unwrap();
    conn.execute(
        "UPDATE patients SET family_name = 'O''Brien-Núñez', given_name = 'José', mrn = '1000'
         WHERE id = ?1",
        [mara.0],
    )
    .unwrap();
    conn.execute(
        "UPDATE meeting_cases SET question = 'O\u{2019}Brien, Obrien, Jose Nunez, Brien (MRN 1000): \
         clinical review, blind spot, 1000 mg bd, 1,000 mg?'
         WHERE id = ?1",
        [first],
    )
    .unwrap();
    let meeting = fixture.meeting.to_string();
    let masked = stdout_of(refract(&fixture.db).args(["minutes", &meeting]));
    for secret in ["Brien", "brien", "Jose", "Nunez", "MRN 1000"] {
        assert!(!masked.contains(secret), "minutes show {secret}: {masked}");
    }
    assert!(
        masked.contains("clinical review, blind spot, 1000 mg bd, 1,000 mg?"),
        "{masked}"
    );
    assert!(!masked.contains("(mask("), "{masked}");
}

#[test]
fn minutes_of_an_unknown_meeting_are_a_one_line_error() {
    let fixture = fixture();
    for meeting in ["42", "next-week"] {
        let output = refract(&fixture.db)
            .args(["minutes", meeting])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{meeting}");
        assert!(output.stdout.is_empty());
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("refract: "), "{stderr}");
    }
    let empty = fixture.db.with_file_name("empty.db");
    drop(open(&empty));
    let output = refract(&empty)
        .args(["minutes", "latest"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no meetings"));
}

#[test]
fn meetings_lists_newest_first() {
    let fixture = fixture();
    let mut store = open(&fixture.db);
    let later = store
        .create_meeting(time(2026, 4, 7, 13, 30), "Epilepsy surgery MDT", None)
        .unwrap();
    drop(store);
    let json: serde_json::Value = serde_json::from_str(&stdout_of(
        refract(&fixture.db).args(["meetings", "--json"]),
    ))
    .unwrap();
    let ids: Vec<i64> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [later, fixture.meeting]);
    assert_eq!(json[1]["cases"], 3);
    assert_eq!(json[1]["discussed"], 2);
    let text = stdout_of(refract(&fixture.db).arg("meetings"));
    assert!(text.contains("2026-03-10 13:30"));
}

#[test]
fn latest_is_the_last_meeting_that_started_else_the_next() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir.path().join("latest.db"));
    let now = time(2026, 3, 20, 9, 0);
    assert_eq!(store.latest_meeting_id(now).unwrap(), None);
    let far = store
        .create_meeting(time(2026, 5, 1, 13, 0), "Later", None)
        .unwrap();
    let soon = store
        .create_meeting(time(2026, 3, 27, 13, 0), "Soon", None)
        .unwrap();
    assert_eq!(store.latest_meeting_id(now).unwrap(), Some(soon));
    let past = store
        .create_meeting(time(2026, 3, 13, 13, 0), "Past", None)
        .unwrap();
    store
        .create_meeting(time(2026, 2, 13, 13, 0), "Older", None)
        .unwrap();
    assert_eq!(store.latest_meeting_id(now).unwrap(), Some(past));
    assert_eq!(store.next_meeting_id(now.date()).unwrap(), Some(soon));
    assert_ne!(far, soon);
}

#[test]
fn another_process_sees_an_outcome_as_soon_as_it_is_recorded() {
    let fixture = fixture();
    // This process keeps the file open, as the scribe's terminal would.
    let mut scribe = open(&fixture.db);
    let third = fixture.cases[2];
    let before = stdout_of(refract(&fixture.db).args(["minutes", "latest"]));
    assert!(!before.contains("Start the ketogenic diet"));

    scribe
        .set_case_question(third, "Next step after a third drug?")
        .unwrap();
    scribe
        .record_outcome(
            third,
            &Outcome {
                category: Some(OutcomeCategory::ChangeTreatment),
                chosen_option_id: None,
                text: "Start the ketogenic diet with the dietitian.".into(),
                comes_back: true,
            },
        )
        .unwrap();
    let after = stdout_of(refract(&fixture.db).args(["minutes", "latest"]));
    assert!(after.contains("Next step after a third drug?"), "{after}");
    assert!(after.contains("Start the ketogenic diet with the dietitian."));
    assert!(after.contains("Change of treatment / next line"));
    assert!(after.contains("3 on the agenda, 3 discussed"));

    // And the other way round: this process notices a commit by another one.
    let version = scribe.data_version().unwrap();
    // `flags` evaluates the patients nobody evaluated yet and stamps them: a write.
    stdout_of(refract(&fixture.db).args(["flags", "--json"]));
    assert_ne!(scribe.data_version().unwrap(), version);
}

/// A demo file with assessments, so that a child process has something to review.
fn demo(dir: &TempDir, name: &str, patients: u32, seed: u32) -> PathBuf {
    let db = dir.path().join(name);
    stdout_of(refract(&db).args([
        "demo",
        "--no-open",
        "--today",
        "2026-11-27",
        "--patients",
        &patients.to_string(),
        "--seed",
        &seed.to_string(),
    ]));
    db
}

#[test]
fn concurrent_writers_wait_instead_of_failing() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir, "busy.db", 60, 5);
    let mut store = open(&db);
    let (mrn, ruleset): (String, String) = sql_on(&store)
        .query_row(
            "SELECT p.mrn, a.ruleset FROM assessments a JOIN patients p ON p.id = a.patient_id
             WHERE a.status IN ('refractory', 'resistant', 'relapsed') ORDER BY p.id LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    let summaries = store.meetings().unwrap();
    let past = summaries.iter().find(|m| m.discussed > 0).unwrap().id;
    let case = store.meeting(past).unwrap().cases[0].case.clone();

    let reviewer = {
        let db = db.clone();
        thread::spawn(move || {
            let mut failures = Vec::new();
            for round in 0..12 {
                let decision = if round % 2 == 0 {
                    "--confirm"
                } else {
                    "--dismiss"
                };
                let output = refract(&db)
                    .args([
                        "--user",
                        "dr.presenter",
                        "review",
                        &mrn,
                        "--condition",
                        &ruleset,
                        decision,
                    ])
                    .args(["--rationale", &format!("round {round}")])
                    .output()
                    .unwrap();
                if !output.status.success() {
                    failures.push(String::from_utf8_lossy(&output.stderr).into_owned());
                }
            }
            failures
        })
    };
    let reader = {
        let db = db.clone();
        thread::spawn(move || {
            let mut failures = Vec::new();
            for _ in 0..12 {
                let output = refract(&db).args(["minutes", "latest"]).output().unwrap();
                if !output.status.success() {
                    failures.push(String::from_utf8_lossy(&output.stderr).into_owned());
                }
            }
            failures
        })
    };
    for round in 0..150 {
        store
            .set_case_question(case.id, &format!("question, round {round}"))
            .unwrap();
        store.add_presented_seconds(case.id, 1).unwrap();
        store
            .record_outcome(
                case.id,
                &Outcome {
                    category: Some(OutcomeCategory::Rediscuss),
                    chosen_option_id: None,
                    text: format!("outcome, round {round}"),
                    comes_back: true,
                },
            )
            .unwrap();
    }
    let failures: Vec<String> = reviewer
        .join()
        .unwrap()
        .into_iter()
        .chain(reader.join().unwrap())
        .collect();
    assert!(failures.is_empty(), "{failures:?}");
    let case = store.meeting_case(case.id).unwrap();
    assert_eq!(case.outcome_text, "outcome, round 149");
    assert!(case.presented_seconds >= 150);
    let reviews: i64 = sql_on(&store)
        .query_row(
            "SELECT count(*) FROM audit_log WHERE who = 'dr.presenter'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(
        reviews, 12,
        "every review of the other process is in the file"
    );
    assert_eq!(store.integrity_check().unwrap(), ["ok"]);
}

#[test]
fn the_demo_has_a_past_meeting_with_outcomes_and_an_upcoming_agenda() {
    let dir = TempDir::new().unwrap();
    let db = demo(&dir, "demo.db", 300, 1);
    let meetings: serde_json::Value =
        serde_json::from_str(&stdout_of(refract(&db).args(["meetings", "--json"]))).unwrap();
    let meetings = meetings.as_array().unwrap();
    assert_eq!(meetings.len(), 2, "{meetings:?}");
    let (upcoming, past) = (&meetings[0], &meetings[1]);
    assert!(
        upcoming["starts_at"]
            .as_str()
            .unwrap()
            .starts_with("2026-12-04")
    );
    assert!(
        past["starts_at"]
            .as_str()
            .unwrap()
            .starts_with("2026-11-13")
    );
    let past_cases = past["cases"].as_u64().unwrap();
    assert!((5..=8).contains(&past_cases), "{past}");
    assert_eq!(past["discussed"], past["cases"], "every past case decided");
    assert!(
        (4..=6).contains(&upcoming["cases"].as_u64().unwrap()),
        "{upcoming}"
    );
    assert_eq!(upcoming["discussed"], 0);

    let agenda = stdout_of(refract(&db).args(["minutes", &upcoming["id"].to_string()]));
    assert_eq!(
        agenda.matches("**Question:** none recorded").count(),
        1,
        "one case still needs its question:\n{agenda}"
    );

    let store = Store::open(&db, OpenMode::MustExist, "test").unwrap();
    let today = day(2026, 11, 27);
    let open_tasks = store.open_tasks(today).unwrap();
    assert_eq!(open_tasks.iter().filter(|t| t.overdue).count(), 1);
    let count = |sql: &str| -> i64 { sql_on(&store).query_row(sql, [], |row| row.get(0)).unwrap() };
    assert!(count("SELECT count(*) FROM tasks WHERE status = 'done'") > 0);
    assert!(count("SELECT count(*) FROM tasks WHERE status = 'open'") > 1);
    assert!(count("SELECT count(DISTINCT outcome_category) FROM meeting_cases") >= 5);
    assert!(count("SELECT count(*) FROM attendees WHERE present = 0") > 0);
    let late = open_tasks.iter().find(|t| t.overdue).unwrap();
    assert_eq!(
        count(&format!(
            "SELECT list_wf_overdue FROM patients WHERE id = {}",
            late.task.patient_id.0
        )),
        1,
        "the patient list marks the overdue task"
    );
    let detail = store.meeting(upcoming["id"].as_i64().unwrap()).unwrap();
    assert!(
        detail.cases[0]
            .case
            .question
            .starts_with("Back from the meeting")
    );
    assert_eq!(store.foreign_key_check().unwrap(), Vec::<String>::new());
    drop(store);

    // The same seed tells the same meetings, to the audit row.
    let again = demo(&dir, "again.db", 300, 1);
    let meeting_rows = |db: &Path| -> Vec<String> {
        let store = Store::open(db, OpenMode::MustExist, "test").unwrap();
        let conn = sql_on(&store);
        let mut stmt = conn
            .prepare(
                "SELECT at || who || action || coalesce(entity_id, '') || coalesce(before, '') || coalesce(after, '')
                 FROM audit_log WHERE entity IN ('meetings', 'meeting_cases', 'attendees', 'tasks')
                 ORDER BY id",
            )
            .unwrap();
        stmt.query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let first_rows = meeting_rows(&db);
    assert!(first_rows.len() > 40);
    assert_eq!(first_rows, meeting_rows(&again));
    for id in ["1", "2"] {
        assert_eq!(
            stdout_of(refract(&db).args(["minutes", id, "--identified"])),
            stdout_of(refract(&again).args(["minutes", id, "--identified"]))
        );
    }
}

#[test]
fn minutes_of_a_meeting_to_come_list_who_is_expected() {
    let dir = TempDir::new().unwrap();
    // Told from the real today, so that the demo's next meeting is still to come.
    let db = dir.path().join("upcoming.db");
    let today = chrono::Local::now().date_naive().to_string();
    stdout_of(refract(&db).args(["demo", "--no-open", "--patients", "300", "--today", &today]));
    let meetings: serde_json::Value =
        serde_json::from_str(&stdout_of(refract(&db).args(["meetings", "--json"]))).unwrap();
    let now = chrono::Local::now().naive_local();
    let (mut upcoming, mut past) = (None, None);
    for meeting in meetings.as_array().unwrap() {
        let starts = NaiveDateTime::parse_from_str(
            meeting["starts_at"].as_str().unwrap(),
            "%Y-%m-%dT%H:%M:%S",
        )
        .unwrap();
        let id = meeting["id"].as_i64().unwrap().to_string();
        if starts > now {
            upcoming = Some(id);
        } else {
            past = Some(id);
        }
    }
    let upcoming = stdout_of(refract(&db).args(["minutes", &upcoming.unwrap()]));
    assert!(upcoming.contains("**Expected:**"), "{upcoming}");
    assert!(!upcoming.contains("**Present:**"), "{upcoming}");
    let past = stdout_of(refract(&db).args(["minutes", &past.unwrap()]));
    assert!(past.contains("**Present:**"), "{past}");
}

#[test]
fn minutes_of_a_patient_who_died_give_the_age_at_death() {
    let fixture = fixture();
    let meeting = fixture.meeting.to_string();
    rusqlite::Connection::open(&fixture.db)
        .unwrap()
        .execute(
            "UPDATE patients SET deceased = 1, deceased_date = '2020-01-15' WHERE mrn = 'RF-TEST-001'",
            [],
        )
        .unwrap();
    for format in ["md", "html"] {
        // Masked: the year of death alone, as the day could identify.
        let masked =
            stdout_of(refract(&fixture.db).args(["minutes", &meeting, "--format", format]));
        assert!(
            masked.contains("M. L., 47 y, F, † died 2020, aged 47"),
            "{masked}"
        );
        assert!(!masked.contains("2020-01-15"), "{masked}");
        let identified = stdout_of(refract(&fixture.db).args([
            "minutes",
            &meeting,
            "--format",
            format,
            "--identified",
        ]));
        assert!(
            identified.contains("(MRN RF-TEST-001), † died 2020-01-15, aged 47"),
            "{identified}"
        );
    }
}

/// A case on two terminals at once (presenter and scribe), each writing the seconds it showed
/// the case: the case's time is the wall time it was presented, not the sum of the terminals.
/// One terminal's own seconds, written quickly one after the other, all count.
#[test]
fn a_case_shown_on_two_terminals_counts_its_wall_time_once() {
    let fixture = fixture();
    let case = fixture.cases[0];
    let mut presenter = open(&fixture.db);
    let mut scribe = open(&fixture.db);
    for _ in 0..3 {
        thread::sleep(std::time::Duration::from_secs(1));
        presenter.add_presented_seconds(case, 1).unwrap();
        scribe.add_presented_seconds(case, 1).unwrap();
    }
    let shown = presenter.meeting_case(case).unwrap().presented_seconds;
    assert!(
        (2..=4).contains(&shown),
        "3 s on two terminals recorded as {shown} s"
    );

    let other = fixture.cases[1];
    presenter.add_presented_seconds(other, 15).unwrap();
    presenter.add_presented_seconds(other, 5).unwrap();
    assert_eq!(presenter.meeting_case(other).unwrap().presented_seconds, 20);
}

/// Masked minutes cut a short numeric MRN typed in groups, a birth date with a two-digit year,
/// a family name's particle typed apart and the patient's nickname, and leave the readings and
/// doses beside them.
#[test]
fn masked_minutes_cut_a_grouped_mrn_a_short_year_a_split_particle_and_a_nickname() {
    let fixture = fixture();
    let (first, mara) = (fixture.cases[0], fixture.patients[0]);
    let conn = rusqlite::Connection::open(&fixture.db).unwrap();
    conn.execute(
        "UPDATE patients SET family_name = 'MacDonald', given_name = 'Margaret', mrn = '123456'
         WHERE id = ?1",
        [mara.0],
    )
    .unwrap();
    conn.execute(
        "UPDATE meeting_cases SET question = 'Peggy Mc Donald (MRN 12 34 56, 123-456, born 2/3/72, \
         2 Mar 72): BP 140/90 mmHg, 123 456 mg, van de la review?'
         WHERE id = ?1",
        [first],
    )
    .unwrap();
    let meeting = fixture.meeting.to_string();
    let masked = stdout_of(refract(&fixture.db).args(["minutes", &meeting]));
    for secret in ["Peggy", "Donald", "12 34 56", "123-456", "2/3/72", "Mar 72"] {
        assert!(!masked.contains(secret), "minutes show {secret}: {masked}");
    }
    assert!(
        masked.contains("BP 140/90 mmHg, 123 456 mg, van de la review?"),
        "{masked}"
    );
}

/// A FHIR Patient of `source`'s record number system.
fn fhir_patient(
    id: &str,
    mrn: &str,
    names: &serde_json::Value,
    link: &serde_json::Value,
) -> serde_json::Value {
    serde_json::json!({
        "resourceType": "Patient",
        "id": id,
        "identifier": [{
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]},
            "system": "https://north.example.org/mrn",
            "value": mrn
        }],
        "name": names,
        "gender": "female",
        "birthDate": "1970-05-05",
        "link": link
    })
}

fn import_resources(store: &mut Store, dir: &Path, name: &str, resources: &[serde_json::Value]) {
    let entries: Vec<serde_json::Value> = resources
        .iter()
        .map(|resource| serde_json::json!({"resource": resource}))
        .collect();
    let path = dir.join(name);
    std::fs::write(
        &path,
        serde_json::json!({"resourceType": "Bundle", "type": "collection", "entry": entries})
            .to_string(),
    )
    .unwrap();
    let report = refract::import::import_paths(
        store,
        &Rules::embedded().unwrap(),
        &[path],
        today(),
        &refract::import::ImportOptions {
            source: Some("https://north.example.org/fhir".into()),
            ..Default::default()
        },
        |_| {},
    )
    .unwrap();
    assert_eq!(report.failed, 0, "{report:#?}");
}

/// The names and numbers the record holds for the patient besides the current ones are cut
/// from masked minutes and from the open tasks' text as the current ones are: her surname before
/// her marriage (the source's later record gives it as `maiden`), and the MRN of her record that
/// the hospital's MPI merged into another (`Patient.link` replaced-by).
#[test]
fn masked_minutes_cut_a_maiden_name_and_the_number_of_a_merged_record() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("meetings.db");
    let mut store = open(&db);
    let berg = serde_json::json!([{"use": "official", "family": "Berg", "given": ["Lena"]}]);
    import_resources(
        &mut store,
        dir.path(),
        "first.json",
        &[fhir_patient("n-1", "E1001", &berg, &serde_json::json!([]))],
    );
    let lena = PatientId(
        sql_on(&store)
            .query_row("SELECT id FROM patients", [], |row| row.get(0))
            .unwrap(),
    );
    let meeting = store
        .create_meeting(time(2026, 3, 10, 13, 30), "Epilepsy surgery MDT", None)
        .unwrap();
    let case = store.add_case(meeting, lena, Some("epilepsy")).unwrap();
    store
        .set_case_question(case, "Lena Berg (MRN E1001): two ASMs failed; work-up?")
        .unwrap();
    store
        .add_task(
            lena,
            Some(case),
            "Book a bed for Mrs Berg, E1001",
            None,
            None,
            today(),
        )
        .unwrap();
    // Married: the official name is new, the old one kept as her maiden name; her record
    // E1001 merged into E2001.
    let names = serde_json::json!([
        {"use": "official", "family": "Lindqvist", "given": ["Lena"]},
        {"use": "maiden", "family": "Berg", "given": ["Lena"]}
    ]);
    import_resources(
        &mut store,
        dir.path(),
        "merged.json",
        &[
            fhir_patient(
                "n-1",
                "E1001",
                &names,
                &serde_json::json!([{"other": {"reference": "Patient/n-2"}, "type": "replaced-by"}]),
            ),
            fhir_patient(
                "n-2",
                "E2001",
                &names,
                &serde_json::json!([{"other": {"reference": "Patient/n-1"}, "type": "replaces"}]),
            ),
        ],
    );
    assert_eq!(
        sql_on(&store)
            .query_row(
                "SELECT count(*) || mrn || family_name FROM patients",
                [],
                |row| { row.get::<_, String>(0) }
            )
            .unwrap(),
        "1E2001Lindqvist"
    );
    let masked = stdout_of(refract(&db).args(["minutes", &meeting.to_string()]));
    let minutes = masked.split("Audit log head").next().unwrap_or(&masked);
    for secret in ["Berg", "E1001", "Lindqvist", "E2001", "Lena"] {
        assert!(!minutes.contains(secret), "minutes show {secret}: {masked}");
    }
    assert!(minutes.contains("two ASMs failed; work-up?"), "{masked}");
    let tasks = store.open_tasks(today()).unwrap();
    let shown = tasks[0].identity().masked_text(&tasks[0].task.what);
    assert_eq!(shown, "Book a bed for Mrs (masked), (masked)");
}

/// TM-4: a record joined into another (the MPI merged a duplicate registered last) leaves its
/// number unused: a patient imported after it never takes it, so that a screen still on the
/// joined record (a note being typed) saves nothing on a newcomer; its save is refused.
#[test]
fn a_patient_imported_after_a_join_never_takes_the_joined_records_number() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("meetings.db");
    let mut store = open(&db);
    let names = serde_json::json!([{"use": "official", "family": "Berg", "given": ["Lena"]}]);
    let none = serde_json::json!([]);
    import_resources(
        &mut store,
        dir.path(),
        "first.json",
        &[
            fhir_patient("n-1", "E1001", &names, &none),
            fhir_patient("n-2", "E2001", &names, &none),
        ],
    );
    let id_of = |store: &Store, mrn: &str| -> Option<i64> {
        sql_on(store)
            .query_row("SELECT id FROM patients WHERE mrn = ?1", [mrn], |row| {
                row.get(0)
            })
            .ok()
    };
    let duplicate = id_of(&store, "E2001").unwrap();
    assert!(duplicate > id_of(&store, "E1001").unwrap());
    // The duplicate, the newest record, is merged into the first.
    import_resources(
        &mut store,
        dir.path(),
        "merged.json",
        &[
            fhir_patient(
                "n-2",
                "E2001",
                &names,
                &serde_json::json!([{"other": {"reference": "Patient/n-1"}, "type": "replaced-by"}]),
            ),
            fhir_patient(
                "n-1",
                "E1001",
                &names,
                &serde_json::json!([{"other": {"reference": "Patient/n-2"}, "type": "replaces"}]),
            ),
        ],
    );
    assert_eq!(id_of(&store, "E2001"), None, "joined");
    let other = serde_json::json!([{"use": "official", "family": "Okafor", "given": ["Ada"]}]);
    import_resources(
        &mut store,
        dir.path(),
        "newcomer.json",
        &[fhir_patient("n-3", "E3001", &other, &none)],
    );
    let newcomer = id_of(&store, "E3001").unwrap();
    assert_ne!(
        newcomer, duplicate,
        "the newcomer took the joined record's number"
    );
    // A note typed on the joined record's screen is refused, not filed under the newcomer.
    assert!(
        store
            .add_note(PatientId(duplicate), "Lena: EEG booked", today())
            .is_err()
    );
    let notes: i64 = sql_on(&store)
        .query_row(
            "SELECT count(*) FROM notes WHERE patient_id = ?1",
            [newcomer],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(notes, 0);
}

/// Every name her record holds is cut, even one that was never the current name (a maiden name
/// in `Patient.name[1]` from her first record); a birth date an import corrected is cut like the
/// current one; another identifier value is cut only as a whole token that looks like an
/// identifier: her record's short number "12" never cuts "12 seizures".
#[test]
fn masked_minutes_cut_every_name_and_a_former_birth_date_but_not_a_small_number() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("meetings.db");
    let mut store = open(&db);
    let names = serde_json::json!([
        {"use": "official", "family": "Lindqvist", "given": ["Lena"]},
        {"use": "maiden", "family": "Osterberg", "given": ["Lena"]}
    ]);
    let mut first = fhir_patient("n-1", "E1001", &names, &serde_json::json!([]));
    first["identifier"].as_array_mut().unwrap().extend([
        serde_json::json!({"system": "https://north.example.org/bed", "value": "12"}),
        serde_json::json!({"system": "https://north.example.org/nhs", "value": "KX-4471"}),
    ]);
    first["birthDate"] = serde_json::json!("1970-05-06");
    import_resources(&mut store, dir.path(), "first.json", &[first.clone()]);
    let mut corrected = first;
    corrected["birthDate"] = serde_json::json!("1970-05-05");
    import_resources(&mut store, dir.path(), "corrected.json", &[corrected]);
    let lena = PatientId(
        sql_on(&store)
            .query_row("SELECT id FROM patients", [], |row| row.get(0))
            .unwrap(),
    );
    let meeting = store
        .create_meeting(time(2026, 3, 10, 13, 30), "Epilepsy MDT", None)
        .unwrap();
    let case = store.add_case(meeting, lena, Some("epilepsy")).unwrap();
    store
        .set_case_question(
            case,
            "Née Osterberg, born 6 May 1970 (KX 4471): 12 seizures a month on two ASMs; surgery?",
        )
        .unwrap();
    let masked = stdout_of(refract(&db).args(["minutes", &meeting.to_string()]));
    let minutes = masked.split("Audit log head").next().unwrap_or(&masked);
    for secret in ["Osterberg", "6 May 1970", "KX 4471"] {
        assert!(!minutes.contains(secret), "minutes show {secret}: {masked}");
    }
    assert!(
        minutes.contains("12 seizures a month on two ASMs; surgery?"),
        "{masked}"
    );
}

/// The heading of case `number` in Markdown minutes.
fn case_heading(minutes: &str, number: u32) -> String {
    let start = format!("## {number}. ");
    minutes
        .lines()
        .find(|line| line.starts_with(&start))
        .unwrap_or_else(|| panic!("no case {number}: {minutes}"))
        .to_owned()
}

/// Minutes are the record of what the team decided about whom (review R6-4): a held meeting's
/// minutes show the patient as they were when the outcome was recorded, with who they are on
/// record today beside it, after a later import renamed them and corrected their birth date. A
/// correction of that outcome weeks later keeps the identity it was decided under; a case not
/// yet decided shows today's. Masked, neither name is printed. The identity travels in the
/// refract document.
#[test]
fn minutes_keep_the_identity_a_patient_was_discussed_under() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("meetings.db");
    let mut store = open(&db);
    let berg = serde_json::json!([{"use": "official", "family": "Berg", "given": ["Lena"]}]);
    let first = fhir_patient("n-1", "E1001", &berg, &serde_json::json!([]));
    import_resources(&mut store, dir.path(), "first.json", &[first]);
    let lena = PatientId(
        sql_on(&store)
            .query_row("SELECT id FROM patients", [], |row| row.get(0))
            .unwrap(),
    );
    let held = store
        .create_meeting(time(2026, 3, 10, 13, 30), "Epilepsy surgery MDT", None)
        .unwrap();
    let case = store.add_case(held, lena, Some("epilepsy")).unwrap();
    store
        .set_case_question(case, "Lena Berg: two ASMs failed; work-up?")
        .unwrap();
    let decided = |text: &str| Outcome {
        category: Some(OutcomeCategory::FurtherInvestigations),
        chosen_option_id: None,
        text: text.into(),
        comes_back: true,
    };
    store
        .record_outcome(case, &decided("Video-EEG for Mrs Berg first."))
        .unwrap();
    let identified_then =
        stdout_of(refract(&db).args(["minutes", &held.to_string(), "--identified"]));
    let heading_then = case_heading(&identified_then, 1);
    assert!(
        heading_then.starts_with("## 1. Berg, Lena (MRN E1001): "),
        "{identified_then}"
    );

    // Weeks later: married, and her birth date corrected by a year.
    let names = serde_json::json!([{"use": "official", "family": "Lindqvist", "given": ["Lena"]}]);
    let mut renamed = fhir_patient("n-1", "E1001", &names, &serde_json::json!([]));
    renamed["birthDate"] = serde_json::json!("1971-05-05");
    import_resources(&mut store, dir.path(), "renamed.json", &[renamed]);
    // A correction of the recommendation after the rename keeps who it was decided about.
    store
        .record_outcome(case, &decided("Video-EEG for Mrs Berg first, then review."))
        .unwrap();
    // A meeting still to come: her case there is not decided, and shows her as she is now.
    let next = store
        .create_meeting(
            time(2026, 4, 14, 13, 30),
            "Epilepsy surgery MDT, April",
            None,
        )
        .unwrap();
    store.add_case(next, lena, Some("epilepsy")).unwrap();

    let identified = stdout_of(refract(&db).args(["minutes", &held.to_string(), "--identified"]));
    let heading = case_heading(&identified, 1);
    assert!(
        heading.starts_with("## 1. Berg, Lena (MRN E1001) — now Lindqvist, Lena (MRN E1001): "),
        "{identified}"
    );
    let masked = stdout_of(refract(&db).args(["minutes", &held.to_string()]));
    let heading = case_heading(&masked, 1);
    assert!(
        heading.starts_with("## 1. L. B., 55 y, F — now L. L., 54 y, F: "),
        "{masked}"
    );
    let minutes = masked.split("Audit log head").next().unwrap_or(&masked);
    for secret in ["Berg", "Lindqvist", "Lena", "E1001", "1970", "1971"] {
        assert!(
            !minutes.contains(secret),
            "masked minutes show {secret}: {masked}"
        );
    }
    assert!(minutes.contains("first, then review."), "{masked}");
    let html = stdout_of(refract(&db).args([
        "minutes",
        &held.to_string(),
        "--identified",
        "--format",
        "html",
    ]));
    assert!(
        html.contains("Berg, Lena (MRN E1001) — now Lindqvist, Lena (MRN E1001)"),
        "{html}"
    );
    let upcoming = stdout_of(refract(&db).args(["minutes", &next.to_string(), "--identified"]));
    let heading = case_heading(&upcoming, 1);
    assert!(
        heading.starts_with("## 1. Lindqvist, Lena (MRN E1001): "),
        "{upcoming}"
    );
    drop(store);

    // The refract document carries it: the copy's minutes say the same.
    let exported = dir.path().join("whole.json");
    stdout_of(
        refract(&db)
            .args(["export", "--format", "json", "--out"])
            .arg(&exported),
    );
    let copy = dir.path().join("copy.db");
    stdout_of(refract(&copy).arg("import").arg(&exported));
    let listed: serde_json::Value =
        serde_json::from_str(&stdout_of(refract(&copy).args(["meetings", "--json"]))).unwrap();
    let copied = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["title"] == "Epilepsy surgery MDT")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let in_copy = stdout_of(refract(&copy).args(["minutes", &copied.to_string(), "--identified"]));
    assert_eq!(case_heading(&in_copy, 1), case_heading(&identified, 1));
    let in_copy = stdout_of(refract(&copy).args(["minutes", &copied.to_string()]));
    assert_eq!(case_heading(&in_copy, 1), case_heading(&masked, 1));
}
