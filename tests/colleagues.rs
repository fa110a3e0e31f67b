//! Two colleagues on one file, each at their own dashboard with their own connection: what one
//! saves is never lost silently because the other saved after them, and what either typed is
//! never lost because a save could not be made.
//!
//! Each user is driven as in `tui.rs` — keys through the keymap, every request answered in place
//! by the worker's own `handle` on that user's connection — so the race is played out step by
//! step: both open a record, one saves, then the other. `Reply::DataChanged` is what a screen
//! receives when the other process commits; it is sent by hand where a screen would have
//! refreshed in between.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use refract::demo::{self, DemoOptions};
use refract::domain::PatientId;
use refract::rules::Rules;
use refract::store::{OpenMode, Store};
use refract::tui::app;
use refract::tui::keymap::Keymap;
use refract::tui::model::{self, Model, Msg, RulesetName};
use refract::tui::state::Screen;
use refract::tui::theme::Theme;
use refract::tui::{self as dashboard, Event, view, viewport_change, worker};
use rusqlite::{Connection, OptionalExtension};
use tempfile::TempDir;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
}

fn demo_file(dir: &TempDir) -> PathBuf {
    let path = dir.path().join("team.db");
    let options = DemoOptions {
        patients: 200,
        seed: 11,
        today: today(),
    };
    demo::create(&path, &options, &Rules::embedded().unwrap()).unwrap();
    path
}

/// One person at one terminal, on their own connection to the shared file.
struct User {
    store: Store,
    rules: Rules,
    model: Model,
    keymap: Keymap,
    width: u16,
    height: u16,
}

impl User {
    fn new(path: &Path, who: &str) -> User {
        let store = Store::open(path, OpenMode::MustExist, who).unwrap();
        let rules = Rules::embedded().unwrap();
        let (width, height) = (120, 40);
        let area = Rect::new(0, 0, width, height);
        let viewport = usize::from(view::Areas::at_rest(area).list_rows.height);
        let model = Model::new(today(), RulesetName::all(&rules), viewport);
        let mut user = User {
            store,
            rules,
            model,
            keymap: Keymap::embedded().unwrap(),
            width,
            height,
        };
        let first = user.model.start();
        user.answer(first);
        user
    }

    fn answer(&mut self, requests: Vec<worker::Request>) {
        let mut queue: VecDeque<worker::Request> = requests.into();
        while let Some(request) = queue.pop_front() {
            let reply = worker::handle(&mut self.store, &self.rules, request, today());
            queue.extend(app::update(&mut self.model, Msg::Reply(reply)));
        }
    }

    /// What the screen does when the other process commits (it polls `data_version`).
    fn sees_the_change(&mut self) {
        let requests = app::update(&mut self.model, Msg::Reply(worker::Reply::DataChanged));
        self.answer(requests);
    }

    fn event(&mut self, event: TermEvent) {
        let area = Rect::new(0, 0, self.width, self.height);
        for msg in dashboard::translate(&self.model, &self.keymap, Event::Terminal(event), area) {
            let requests = app::update(&mut self.model, msg);
            self.answer(requests);
        }
        // As the dashboard's loop does after each event: the list pages by the rows it shows.
        if let Some(msg) = viewport_change(&self.model, area) {
            let requests = app::update(&mut self.model, msg);
            self.answer(requests);
        }
    }

    fn key(&mut self, code: KeyCode) {
        self.event(TermEvent::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    fn ctrl(&mut self, c: char) {
        self.event(TermEvent::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::CONTROL,
        )));
    }

    fn press(&mut self, c: char) {
        self.key(KeyCode::Char(c));
    }

    fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.press(c);
        }
    }

    fn screen(&self) -> String {
        let mut terminal = Terminal::new(TestBackend::new(self.width, self.height)).unwrap();
        terminal
            .draw(|frame| view::render(&self.model, &self.keymap, Theme { color: true }, frame))
            .unwrap();
        let buffer = terminal.backend().buffer();
        let mut out = String::new();
        for y in 0..buffer.area.height {
            let mut line = String::new();
            for x in 0..buffer.area.width {
                line.push_str(buffer[(x, y)].symbol());
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    fn typed(&self) -> Option<String> {
        self.model
            .input
            .as_ref()
            .map(refract::tui::model::Input::text)
    }

    fn open_patient(&mut self, mrn: &str) {
        self.press('/');
        self.type_text(mrn);
        self.key(KeyCode::Enter);
        self.key(KeyCode::Enter);
        assert_eq!(self.model.screen, Screen::Patient, "{}", self.screen());
    }

    /// The first case of the upcoming meeting on the shared screen.
    fn present_first_case(&mut self) {
        self.press('m');
        self.key(KeyCode::Enter);
        self.key(KeyCode::Enter);
        assert_eq!(self.model.screen, Screen::Presenting, "{}", self.screen());
    }
}

fn query<T: rusqlite::types::FromSql>(path: &Path, sql: &str, params: impl rusqlite::Params) -> T {
    Connection::open(path)
        .unwrap()
        .query_row(sql, params, |row| row.get(0))
        .unwrap()
}

/// A flagged patient, and the MRN a search finds them by.
fn flagged_patient(path: &Path) -> String {
    query(
        path,
        "SELECT p.mrn FROM patients p JOIN assessments a ON a.patient_id = p.id
         WHERE a.status = 'refractory' ORDER BY p.id LIMIT 1",
        [],
    )
}

#[test]
fn two_people_editing_a_steps_notes_never_lose_one_silently() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let mrn = flagged_patient(&path);
    let mut alice = User::new(&path, "dr.alice");
    let mut bob = User::new(&path, "dr.bob");
    for user in [&mut alice, &mut bob] {
        user.open_patient(&mrn);
        user.press('w');
        assert_eq!(user.model.screen, Screen::WayForward);
        // The notes of the step the screen opens on (the first still to do), opened by both
        // before either saves.
        user.press('n');
    }
    let step = i64::try_from(alice.model.way_forward.as_ref().unwrap().step + 1).unwrap();
    assert_eq!(
        bob.model.way_forward.as_ref().unwrap().step,
        alice.model.way_forward.as_ref().unwrap().step
    );
    bob.ctrl('u');
    bob.type_text("Bob: video-EEG booked");
    bob.ctrl('s');
    assert!(bob.screen().contains("saved"), "{}", bob.screen());
    assert_eq!(bob.typed(), None);

    // Alice's screen refreshes under her (Bob's commit), and she saves what she typed.
    alice.sees_the_change();
    alice.ctrl('u');
    alice.type_text("Alice: drug levels requested");
    alice.ctrl('s');
    let notes = |path: &Path| -> String {
        query(
            path,
            "SELECT w.notes FROM way_forward w JOIN patients p ON p.id = w.patient_id
             WHERE p.mrn = ?1 AND w.step = ?2",
            rusqlite::params![&mrn, step],
        )
    };
    assert_eq!(
        notes(&path),
        "Bob: video-EEG booked",
        "Alice's stale save must not replace Bob's"
    );
    let screen = alice.screen();
    assert!(
        screen.contains("not saved, text kept: ^t theirs · ^o overwrite: dr.bob changed the notes"),
        "who changed it:\n{screen}"
    );
    assert_eq!(
        alice.typed().as_deref(),
        Some("Alice: drug levels requested"),
        "what Alice typed is kept"
    );

    // She looks at Bob's text, then saves hers over it, knowingly.
    alice.ctrl('t');
    assert!(
        alice.screen().contains("Bob: video-EEG booked"),
        "{}",
        alice.screen()
    );
    alice.ctrl('o');
    assert_eq!(notes(&path), "Alice: drug levels requested");
    assert_eq!(alice.typed(), None);
    let overwrite: String = query(
        &path,
        "SELECT action FROM audit_log WHERE who = 'dr.alice' ORDER BY id DESC LIMIT 1",
        [],
    );
    assert!(overwrite.ends_with(".overwrite"), "{overwrite}");
}

#[test]
fn the_scribes_decision_does_not_reset_comes_back() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let mut presenter = User::new(&path, "dr.presenter");
    let mut scribe = User::new(&path, "dr.scribe");
    presenter.present_first_case();
    scribe.present_first_case();
    let case_id = scribe
        .model
        .meeting
        .as_ref()
        .unwrap()
        .selected_case()
        .unwrap()
        .case
        .id;
    let comes_back = |path: &Path| -> bool {
        query(
            path,
            "SELECT comes_back FROM meeting_cases WHERE id = ?1",
            [case_id],
        )
    };
    assert!(!comes_back(&path));

    // The scribe opens the decision: a category, then (when the board has any) the option.
    scribe.press('d');
    scribe.press('j');
    scribe.key(KeyCode::Enter);
    if matches!(scribe.model.popup, Some(model::Popup::Choose { .. })) {
        scribe.key(KeyCode::Enter);
    }
    assert!(scribe.model.input.is_some(), "{}", scribe.screen());
    // Meanwhile the presenter marks that the case comes back.
    presenter.press('b');
    assert!(comes_back(&path));
    scribe.sees_the_change();
    scribe.ctrl('u');
    scribe.type_text("Refer for trial screening");
    scribe.key(KeyCode::Enter);

    let text: String = query(
        &path,
        "SELECT outcome_text FROM meeting_cases WHERE id = ?1",
        [case_id],
    );
    assert_eq!(text, "Refer for trial screening");
    assert!(
        comes_back(&path),
        "the scribe's decision reset 'comes back'"
    );
    assert!(scribe.screen().contains("saved"), "{}", scribe.screen());
}

/// A patient whose only assessment says "insufficient data".
fn undecided_patient(path: &Path) -> (String, i64, String) {
    Connection::open(path)
        .unwrap()
        .query_row(
            "SELECT p.mrn, p.id, a.ruleset FROM patients p JOIN assessments a ON a.patient_id = p.id
             WHERE a.status = 'insufficient_data'
               AND (SELECT count(*) FROM assessments b WHERE b.patient_id = p.id) = 1
             ORDER BY p.id LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .unwrap()
}

#[test]
fn a_dismissal_is_not_recorded_against_a_status_that_changed_meanwhile() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let (mrn, patient, ruleset) = undecided_patient(&path);
    let mut alice = User::new(&path, "dr.alice");
    alice.open_patient(&mrn);
    alice.press('x');
    alice.type_text("Not enough to go on yet");

    // An import (another process) changes the evidence, and the status with it.
    Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE assessments SET status = 'refractory', status_rank = 5,
                    label = 'drug-resistant epilepsy', fingerprint = 'after-the-import'
             WHERE patient_id = ?1 AND ruleset = ?2",
            rusqlite::params![patient, ruleset],
        )
        .unwrap();
    alice.key(KeyCode::Enter);

    let reviews: i64 = query(
        &path,
        "SELECT count(*) FROM reviews WHERE patient_id = ?1",
        [patient],
    );
    assert_eq!(
        reviews, 0,
        "a dismissal typed against 'insufficient data' was recorded against 'refractory'"
    );
    let screen = alice.screen();
    assert!(
        screen.contains("assessment changed since opened: ⏎ saves against it"),
        "{screen}"
    );
    assert_eq!(alice.typed().as_deref(), Some("Not enough to go on yet"));
}

/// A refractory flag nobody has reviewed yet: (MRN, patient id, rule set).
fn unreviewed_flag(path: &Path) -> (String, i64, String) {
    Connection::open(path)
        .unwrap()
        .query_row(
            "SELECT p.mrn, p.id, a.ruleset FROM patients p JOIN assessments a ON a.patient_id = p.id
             WHERE a.status = 'refractory'
               AND (SELECT count(*) FROM assessments b WHERE b.patient_id = p.id) = 1
               AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.patient_id = p.id)
             ORDER BY p.id LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .unwrap()
}

#[test]
fn a_stale_confirm_does_not_override_a_colleagues_dismissal_without_notice() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let (mrn, patient, ruleset) = unreviewed_flag(&path);
    let mut alice = User::new(&path, "dr.alice");
    alice.open_patient(&mrn);
    alice.press('c');
    if alice.model.popup.is_some() {
        // Confounders still open: she confirms anyway, knowingly.
        alice.key(KeyCode::Down);
        alice.key(KeyCode::Enter);
    }
    alice.type_text("Two adequate trials failed");

    // Bob dismisses it from the command line meanwhile.
    let mut bob = Store::open(&path, OpenMode::MustExist, "dr.bob").unwrap();
    bob.review(
        PatientId(patient),
        &ruleset,
        refract::domain::ReviewDecision::Dismissed,
        "Not taking the drugs: adherence first",
        today(),
    )
    .unwrap();
    alice.key(KeyCode::Enter);

    let latest = |path: &Path| -> (String, String) {
        Connection::open(path)
            .unwrap()
            .query_row(
                "SELECT decision, by FROM reviews WHERE patient_id = ?1 ORDER BY id DESC LIMIT 1",
                [patient],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap()
    };
    assert_eq!(
        latest(&path),
        (String::from("dismissed"), String::from("dr.bob")),
        "Alice's stale confirm replaced Bob's dismissal without telling her"
    );
    let screen = alice.screen();
    assert!(screen.contains("dr.bob"), "{screen}");
    assert_eq!(alice.typed().as_deref(), Some("Two adequate trials failed"));

    // Told, she confirms over it: recorded, and audited as an overwrite.
    alice.ctrl('o');
    assert_eq!(
        latest(&path),
        (String::from("confirmed"), String::from("dr.alice"))
    );
    let action: String = query(
        &path,
        "SELECT action FROM audit_log WHERE who = 'dr.alice' ORDER BY id DESC LIMIT 1",
        [],
    );
    assert_eq!(action, "review.confirm.overwrite");
}

/// Holds the file's write lock from another connection until dropped, as an import between
/// two batches would.
struct WriteLock(Connection);

impl WriteLock {
    fn take(path: &Path) -> WriteLock {
        let conn = Connection::open(path).unwrap();
        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        WriteLock(conn)
    }
}

impl Drop for WriteLock {
    fn drop(&mut self) {
        let _ = self.0.execute_batch("ROLLBACK");
    }
}

#[test]
fn a_note_that_cannot_be_saved_stays_in_the_input_with_the_reason() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let mrn = flagged_patient(&path);
    let mut alice = User::new(&path, "dr.alice");
    // Not the ten seconds a person would wait: the outcome is the same.
    alice.store.wait_briefly_for_the_lock().unwrap();
    alice.open_patient(&mrn);
    alice.press('n');
    alice.type_text("Seen with her husband; seizure diary brought");
    let lock = WriteLock::take(&path);
    // A note takes several lines: Ctrl-S saves it.
    alice.ctrl('s');
    drop(lock);

    assert_eq!(
        alice.typed().as_deref(),
        Some("Seen with her husband; seizure diary brought"),
        "the note is still in the input"
    );
    let screen = alice.screen();
    assert!(screen.contains("not saved"), "{screen}");
    assert!(screen.contains("busy"), "the reason: {screen}");
    let notes: i64 = query(
        &path,
        "SELECT count(*) FROM notes WHERE text LIKE 'Seen with her husband%'",
        [],
    );
    assert_eq!(notes, 0);

    // Once the other writer is done, saving again saves it.
    alice.ctrl('s');
    assert_eq!(alice.typed(), None);
    let notes: i64 = query(
        &path,
        "SELECT count(*) FROM notes WHERE text LIKE 'Seen with her husband%'",
        [],
    );
    assert_eq!(notes, 1);
}

/// The real worker threads: a write waiting for another process's lock does not hold up reads.
#[test]
fn opening_a_patient_does_not_wait_behind_a_blocked_save() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let (first, second): (i64, i64) = Connection::open(&path)
        .unwrap()
        .query_row("SELECT min(id), max(id) FROM patients", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .unwrap();
    let store = Store::open(&path, OpenMode::MustExist, "dr.alice").unwrap();
    let rules = Rules::embedded().unwrap();
    let (requests, inbox) = mpsc::channel();
    let (outbox, replies) = mpsc::channel();
    let worker = worker::spawn(store, rules, today(), inbox, outbox);

    // Let the worker's first background pass settle before the race.
    thread_sleep(Duration::from_millis(500));
    let lock = WriteLock::take(&path);
    requests
        .send(worker::Request::Save {
            ticket: 1,
            save: Box::new(worker::Save::Note {
                patient: PatientId(first),
                text: String::from("written while the file was busy"),
            }),
        })
        .unwrap();
    requests
        .send(worker::Request::Patient {
            id: PatientId(second),
        })
        .unwrap();
    let asked = Instant::now();
    let opened = loop {
        let reply = replies.recv_timeout(Duration::from_secs(30)).unwrap();
        if let worker::Reply::Patient(detail) = reply
            && detail.summary.record.patient.as_ref().map(|p| p.id) == Some(PatientId(second))
        {
            break asked.elapsed();
        }
    };
    assert!(
        opened < Duration::from_secs(2),
        "the patient took {opened:?} to open behind a blocked save"
    );

    // The save goes through once the lock is released, well within its patience.
    thread_sleep(Duration::from_secs(1));
    drop(lock);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut told_it_waits = false;
    loop {
        let reply = replies
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap();
        match reply {
            worker::Reply::Waiting { ticket: 1 } => told_it_waits = true,
            worker::Reply::Saved { ticket: 1, .. } => break,
            worker::Reply::NotSaved { why, .. } => panic!("{why:?}"),
            _ => {}
        }
    }
    assert!(told_it_waits, "the screen was told why the save took long");
    let written: Option<String> = Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT text FROM notes WHERE patient_id = ?1 ORDER BY id DESC LIMIT 1",
            [first],
            |row| row.get(0),
        )
        .optional()
        .unwrap();
    assert_eq!(written.as_deref(), Some("written while the file was busy"));
    drop(requests);
    worker.join().unwrap();
}

/// A save that cannot get the lock within its patience is answered as not saved, busy.
#[test]
fn a_save_gives_up_after_its_patience_and_says_why() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let patient: i64 = query(&path, "SELECT min(id) FROM patients", []);
    let store = Store::open(&path, OpenMode::MustExist, "dr.alice").unwrap();
    let (requests, inbox) = mpsc::channel();
    let (outbox, replies) = mpsc::channel();
    let worker = worker::spawn_with(
        store,
        Rules::embedded().unwrap(),
        today(),
        inbox,
        outbox,
        Duration::from_secs(1),
    );
    thread_sleep(Duration::from_millis(500));
    let lock = WriteLock::take(&path);
    let asked = Instant::now();
    requests
        .send(worker::Request::Save {
            ticket: 7,
            save: Box::new(worker::Save::Note {
                patient: PatientId(patient),
                text: String::from("never written"),
            }),
        })
        .unwrap();
    let why = loop {
        match replies.recv_timeout(Duration::from_secs(30)).unwrap() {
            worker::Reply::NotSaved { ticket: 7, why, .. } => break why,
            worker::Reply::Saved { ticket: 7, .. } => panic!("saved through a held lock"),
            _ => {}
        }
    };
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "{:?}",
        asked.elapsed()
    );
    assert!(matches!(why, worker::NotSaved::Busy(_)), "{why:?}");
    drop(lock);
    drop(requests);
    worker.join().unwrap();
}

fn thread_sleep(duration: Duration) {
    std::thread::sleep(duration);
}

/// A save refused as a conflict with a change Bob made (not the person's own earlier one).
#[track_caller]
/// Asserts a save was refused for Bob's change; the version of his that the refusal shows.
fn assert_refused_by_bob(result: Result<impl std::fmt::Debug, refract::store::StoreError>) -> i64 {
    match result {
        Err(refract::store::StoreError::Conflict(conflict)) => {
            assert_eq!(
                conflict.by.as_ref().map(|by| by.who.as_str()),
                Some("dr.bob"),
                "{conflict:?}"
            );
            conflict.version
        }
        other => panic!("not refused: {other:?}"),
    }
}

fn last_action(path: &Path, who: &str) -> String {
    query(
        path,
        "SELECT action FROM audit_log WHERE who = ?1 ORDER BY id DESC LIMIT 1",
        [who],
    )
}

/// Every record a person edits, at the store, two connections: a stale save of the same field
/// is refused naming who changed it, a change to another field of the same record is kept
/// beside theirs, and an overwrite is recorded as one.
#[test]
fn every_edited_record_is_saved_field_by_field_and_never_overwritten_silently() {
    use refract::domain::{Edit, ReferralStatus, Stance, TaskStatus};
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let rules = Rules::embedded().unwrap();
    let mut alice = Store::open(&path, OpenMode::MustExist, "dr.alice").unwrap();
    let mut bob = Store::open(&path, OpenMode::MustExist, "dr.bob").unwrap();
    // A patient whose way forward the demo filled in: referrals, options, goals, checklist.
    let (patient, ruleset): (i64, String) = Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT patient_id, ruleset FROM wellbeing_goals ORDER BY patient_id LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    let patient = PatientId(patient);
    let opened = refract::way_forward::load(&alice, &rules, patient, &ruleset).unwrap();
    let plan = &opened.plan;

    // A referral: Bob moves it on, Alice (from what she opened) names to whom.
    let referral = plan.referrals[0].clone();
    let mut bobs = referral.clone();
    bobs.status = ReferralStatus::Declined;
    bob.save_referral(&Edit::of(referral.clone(), bobs), today())
        .unwrap();
    let mut alices = referral.clone();
    alices.to_whom = Some(String::from("Dr Alice's colleague"));
    alice
        .save_referral(&Edit::of(referral.clone(), alices), today())
        .unwrap();
    let stored = alice.referrals(patient).unwrap();
    let now = stored.iter().find(|r| r.id == referral.id).unwrap();
    assert_eq!(now.status, ReferralStatus::Declined, "Bob's field kept");
    assert_eq!(now.to_whom.as_deref(), Some("Dr Alice's colleague"));
    let mut stale = referral.clone();
    stale.status = [ReferralStatus::Requested, ReferralStatus::Booked]
        .into_iter()
        .find(|s| *s != referral.status)
        .unwrap();
    let edit = Edit::of(referral.clone(), stale);
    let theirs = assert_refused_by_bob(alice.save_referral(&edit, today()));
    alice
        .save_referral(&edit.overwriting(theirs), today())
        .unwrap();
    assert_eq!(last_action(&path, "dr.alice"), "referral.update.overwrite");

    // An option: Bob's stance, then Alice's notes, then Alice's stance over his.
    let option = plan.options[0].clone();
    let mut bobs = option.clone();
    bobs.stance = Stance::Rejected;
    bobs.stance_reason = Some(String::from("not now"));
    bob.save_option(&Edit::of(option.clone(), bobs), today())
        .unwrap();
    let mut alices = option.clone();
    alices.notes = String::from("discussed with the family");
    alice
        .save_option(&Edit::of(option.clone(), alices), today())
        .unwrap();
    let now = alice
        .care_options(patient)
        .unwrap()
        .into_iter()
        .find(|o| o.id == option.id)
        .unwrap();
    assert_eq!(
        (now.stance, now.notes.as_str()),
        (Stance::Rejected, "discussed with the family")
    );
    let mut stale = option.clone();
    stale.stance = [Stance::Proposed, Stance::Recommended]
        .into_iter()
        .find(|s| *s != option.stance)
        .unwrap();
    assert_refused_by_bob(alice.save_option(&Edit::of(option.clone(), stale), today()));

    // A goal, a checklist item, a step.
    let goal = plan.goals[0].clone();
    let mut bobs = goal.clone();
    bobs.due = NaiveDate::from_ymd_opt(2027, 6, 1);
    bob.save_goal(&Edit::of(goal.clone(), bobs), today())
        .unwrap();
    let mut alices = goal.clone();
    alices.achieved = !goal.achieved;
    alice
        .save_goal(&Edit::of(goal.clone(), alices), today())
        .unwrap();
    let mut stale = goal.clone();
    stale.due = NaiveDate::from_ymd_opt(2027, 9, 1);
    assert_refused_by_bob(alice.save_goal(&Edit::of(goal.clone(), stale), today()));

    let item = plan.checklist.iter().find(|c| c.id > 0).unwrap().clone();
    let mut bobs = item.clone();
    bobs.detail = Some(String::from("levels in range"));
    bob.save_checklist_item(&Edit::of(item.clone(), bobs), today())
        .unwrap();
    let mut stale = item.clone();
    stale.detail = Some(String::from("levels not done yet"));
    assert_refused_by_bob(alice.save_checklist_item(&Edit::of(item.clone(), stale), today()));

    let step = plan.step(1).unwrap().clone();
    let mut bobs = step.clone();
    bobs.owner = Some(String::from("Dr Bob"));
    bob.save_step(&Edit::of(step.clone(), bobs), today())
        .unwrap();
    let mut stale = step.clone();
    stale.owner = Some(String::from("Dr Alice"));
    assert_refused_by_bob(alice.save_step(&Edit::of(step.clone(), stale), today()));
    let mut other_field = step.clone();
    other_field.notes = String::from("Alice's notes");
    alice
        .save_step(&Edit::of(step.clone(), other_field), today())
        .unwrap();
    let now = alice
        .stored_way_forward(patient, &ruleset)
        .unwrap()
        .steps
        .into_iter()
        .find(|s| s.step == 1)
        .unwrap();
    assert_eq!(
        (now.owner.as_deref(), now.notes.as_str()),
        (Some("Dr Bob"), "Alice's notes")
    );

    // A meeting case, an attendee, a task.
    let meeting: i64 = query(
        &path,
        "SELECT id FROM meetings ORDER BY starts_at DESC LIMIT 1",
        [],
    );
    let detail = alice.meeting(meeting).unwrap();
    let case = detail.cases[0].case.clone();
    let mut bobs = case.clone();
    bobs.question = String::from("Bob's question?");
    bob.save_case(&Edit::of(case.clone(), bobs)).unwrap();
    let mut alices = case.clone();
    alices.timebox_minutes = case.timebox_minutes + 4;
    alice.save_case(&Edit::of(case.clone(), alices)).unwrap();
    let now = alice.meeting_case(case.id).unwrap();
    assert_eq!(
        (now.question.as_str(), now.timebox_minutes),
        ("Bob's question?", case.timebox_minutes + 4)
    );
    let mut stale = case.clone();
    stale.question = String::from("Alice's question?");
    let edit = Edit::of(case.clone(), stale);
    let theirs = assert_refused_by_bob(alice.save_case(&edit));
    alice.save_case(&edit.overwriting(theirs)).unwrap();
    assert_eq!(last_action(&path, "dr.alice"), "case.question.overwrite");

    let attendee = detail.attendees[0].clone();
    let mut bobs = attendee.clone();
    bobs.present = !attendee.present;
    bob.save_attendee(&Edit::of(attendee.clone(), bobs.clone()))
        .unwrap();
    // Alice, from the same screen, makes the same change: nothing to refuse, nothing flipped back.
    alice
        .save_attendee(&Edit::of(attendee.clone(), bobs.clone()))
        .unwrap();
    let present: bool = query(
        &path,
        "SELECT present FROM attendees WHERE id = ?1",
        [attendee.id],
    );
    assert_eq!(present, bobs.present);

    let task = alice.open_tasks(today()).unwrap()[0].task.clone();
    let mut bobs = task.clone();
    bobs.status = TaskStatus::Done;
    bob.save_task(&Edit::of(task.clone(), bobs), today())
        .unwrap();
    let mut stale = task.clone();
    stale.status = TaskStatus::Cancelled;
    assert_refused_by_bob(alice.save_task(&Edit::of(task.clone(), stale), today()));
}

/// `refract review --fingerprint`: the review of an assessment that changed since it was read
/// is refused, nothing recorded, and the new fingerprint named.
#[test]
fn refract_review_refuses_an_assessment_that_changed_since_it_was_read() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let (mrn, patient, ruleset) = undecided_patient(&path);
    let refract = || {
        let mut command = assert_cmd::Command::cargo_bin("refract").unwrap();
        command
            .env_remove("REFRACT_DB")
            .arg("--db")
            .arg(&path)
            .args(["--user", "dr.cli"]);
        command
    };
    let flags = refract()
        .args(["flags", "--json", "--condition", &ruleset])
        .output()
        .unwrap();
    let flags: serde_json::Value = serde_json::from_slice(&flags.stdout).unwrap();
    let read = flags
        .as_array()
        .unwrap()
        .iter()
        .find(|flag| flag["mrn"] == mrn.as_str())
        .unwrap()["fingerprint"]
        .as_str()
        .unwrap()
        .to_owned();

    Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE assessments SET status = 'refractory', status_rank = 5,
                    fingerprint = 'after-the-import'
             WHERE patient_id = ?1 AND ruleset = ?2",
            rusqlite::params![patient, ruleset],
        )
        .unwrap();
    let review = |fingerprint: &str| {
        refract()
            .args(["review", &mrn, "--condition", &ruleset, "--dismiss"])
            .args(["--rationale", "Not enough to go on yet"])
            .args(["--fingerprint", fingerprint])
            .output()
            .unwrap()
    };
    let refused = review(&read);
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    let message = String::from_utf8(refused.stderr).unwrap();
    assert!(
        message.contains("the assessment changed since you opened it"),
        "{message}"
    );
    assert!(
        message.contains("--fingerprint after-the-import"),
        "{message}"
    );
    let reviews: i64 = query(
        &path,
        "SELECT count(*) FROM reviews WHERE patient_id = ?1",
        [patient],
    );
    assert_eq!(reviews, 0);

    let recorded = review("after-the-import");
    assert!(recorded.status.success(), "{recorded:?}");
    let status: String = query(
        &path,
        "SELECT status FROM reviews WHERE patient_id = ?1",
        [patient],
    );
    assert_eq!(status, "refractory");
}

/// `refract review --fingerprint` with the fingerprint `flags --json` printed: a colleague's
/// review recorded after it was read is not replaced; the refusal names who and when, and a
/// fresh read records the review.
#[test]
fn refract_review_refuses_a_colleagues_review_made_since_it_was_read() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let (mrn, patient, ruleset) = unreviewed_flag(&path);
    let refract = |user: &str| {
        let mut command = assert_cmd::Command::cargo_bin("refract").unwrap();
        command
            .env_remove("REFRACT_DB")
            .arg("--db")
            .arg(&path)
            .args(["--user", user]);
        command
    };
    let read = || {
        let flags = refract("dr.bob")
            .args(["flags", "--json", "--condition", &ruleset])
            .output()
            .unwrap();
        let flags: serde_json::Value = serde_json::from_slice(&flags.stdout).unwrap();
        flags
            .as_array()
            .unwrap()
            .iter()
            .find(|flag| flag["mrn"] == mrn.as_str())
            .unwrap()["fingerprint"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let review = |user: &str, decision: &str, fingerprint: &str| {
        refract(user)
            .args(["review", &mrn, "--condition", &ruleset, decision])
            .args(["--rationale", &format!("{user} decided")])
            .args(["--fingerprint", fingerprint])
            .output()
            .unwrap()
    };
    let bobs_read = read();
    let alices = review("dr.alice", "--confirm", &bobs_read);
    assert!(alices.status.success(), "{alices:?}");

    let refused = review("dr.bob", "--dismiss", &bobs_read);
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    let message = String::from_utf8(refused.stderr).unwrap();
    assert!(message.contains("dr.alice"), "{message}");
    assert!(message.contains("confirmed"), "{message}");
    assert!(message.contains(" UTC"), "{message}");
    assert_eq!(message.trim().lines().count(), 1, "{message}");
    let decision: String = query(
        &path,
        "SELECT decision FROM reviews WHERE patient_id = ?1 ORDER BY id DESC LIMIT 1",
        [patient],
    );
    assert_eq!(decision, "confirmed");

    // Read again, alice's review seen: bob's is recorded.
    let recorded = review("dr.bob", "--dismiss", &read());
    assert!(recorded.status.success(), "{recorded:?}");
    let decision: String = query(
        &path,
        "SELECT decision FROM reviews WHERE patient_id = ?1 ORDER BY id DESC LIMIT 1",
        [patient],
    );
    assert_eq!(decision, "dismissed");

    // His own review since he read it is no colleague's: changing his mind with what he read
    // is recorded.
    let bobs_second_read = read();
    let first = review("dr.bob", "--confirm", &bobs_second_read);
    assert!(first.status.success(), "{first:?}");
    let changed_mind = review("dr.bob", "--dismiss", &bobs_second_read);
    assert!(changed_mind.status.success(), "{changed_mind:?}");
    let decision: String = query(
        &path,
        "SELECT decision FROM reviews WHERE patient_id = ?1 ORDER BY id DESC LIMIT 1",
        [patient],
    );
    assert_eq!(decision, "dismissed");
}

/// `show --json` prints the fingerprint `show` and `flags --json` print, so a review made with
/// it is checked against the review it showed; a bare digest (kept by a script from before the
/// review suffix) is taken as "review not checked" and recorded, not refused with a false "after
/// you read it"; and the fingerprint of an unreviewed flag still refuses a colleague's review
/// made since it was read.
#[test]
fn every_printed_fingerprint_is_the_same_read_and_a_bare_digest_is_not_refused_falsely() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let (mrn, patient, ruleset) = unreviewed_flag(&path);
    let refract = |user: &str| {
        let mut command = assert_cmd::Command::cargo_bin("refract").unwrap();
        command
            .env_remove("REFRACT_DB")
            .arg("--db")
            .arg(&path)
            .args(["--user", user]);
        command
    };
    let reads = || {
        let flags = refract("dr.carol")
            .args(["flags", "--json", "--condition", &ruleset])
            .output()
            .unwrap();
        let flags: serde_json::Value = serde_json::from_slice(&flags.stdout).unwrap();
        let from_flags = flags
            .as_array()
            .unwrap()
            .iter()
            .find(|flag| flag["mrn"] == mrn.as_str())
            .unwrap()["fingerprint"]
            .as_str()
            .unwrap()
            .to_owned();
        let shown = refract("dr.carol")
            .args(["show", &mrn, "--json"])
            .output()
            .unwrap();
        let shown: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
        let from_json = shown["assessments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["ruleset"] == ruleset.as_str())
            .unwrap()["fingerprint"]
            .as_str()
            .unwrap()
            .to_owned();
        let text = refract("dr.carol").args(["show", &mrn]).output().unwrap();
        let text = String::from_utf8(text.stdout).unwrap();
        assert!(
            text.contains(&format!("fingerprint {from_flags})")),
            "{from_flags} not in {text}"
        );
        assert_eq!(from_json, from_flags);
        from_flags
    };
    let review = |user: &str, decision: &str, fingerprint: &str| {
        refract(user)
            .args(["review", &mrn, "--condition", &ruleset, decision])
            .args(["--rationale", &format!("{user} decided")])
            .args(["--fingerprint", fingerprint])
            .output()
            .unwrap()
    };
    let decisions = || -> i64 {
        query(
            &path,
            "SELECT count(*) FROM reviews WHERE patient_id = ?1",
            [patient],
        )
    };

    // Unreviewed: what carol reads still refuses alice's review made since.
    let carols_read = reads();
    let alices = review("dr.alice", "--confirm", &carols_read);
    assert!(alices.status.success(), "{alices:?}");
    let refused = review("dr.carol", "--dismiss", &carols_read);
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    assert_eq!(decisions(), 1);

    // Reviewed: the fingerprint `show --json` prints records carol's review.
    let read_again = reads();
    assert!(read_again.contains(".r"), "{read_again}");
    let recorded = review("dr.carol", "--dismiss", &read_again);
    assert!(recorded.status.success(), "{recorded:?}");
    assert_eq!(decisions(), 2);

    // A bare digest of the same assessment: the review is not checked, as before the suffix.
    let bare = read_again.split(".r").next().unwrap().to_owned();
    let kept = review("dr.dave", "--confirm", &bare);
    assert!(kept.status.success(), "{kept:?}");
    assert_eq!(decisions(), 3);
}

/// After a save that kept a colleague's change to another field, the words the status line
/// shows name the record as saved (their status), not as the person opened it.
#[test]
fn the_saved_message_names_the_record_as_saved_with_a_colleagues_field() {
    use refract::domain::{Edit, ReferralStatus, StepStatus};
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let rules = Rules::embedded().unwrap();
    let mut alice = Store::open(&path, OpenMode::MustExist, "dr.alice").unwrap();
    let mut bob = Store::open(&path, OpenMode::MustExist, "dr.bob").unwrap();
    let (patient, ruleset): (i64, String) = Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT patient_id, ruleset FROM referrals ORDER BY patient_id LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    let patient = PatientId(patient);
    let opened = refract::way_forward::load(&bob, &rules, patient, &ruleset).unwrap();
    let apply = |store: &mut Store, change: refract::way_forward::Change| {
        refract::way_forward::apply(store, &rules, &change, today()).unwrap()
    };

    let step = opened.plan.step(1).unwrap().clone();
    let alices_status = [StepStatus::InProgress, StepStatus::Todo]
        .into_iter()
        .find(|s| *s != step.status)
        .unwrap();
    let mut alices = step.clone();
    alices.status = alices_status;
    apply(
        &mut alice,
        refract::way_forward::Change::Step(Edit::of(step.clone(), alices)),
    );
    let mut bobs = step.clone();
    bobs.notes = String::from("bob's notes");
    let said = apply(
        &mut bob,
        refract::way_forward::Change::Step(Edit::of(step, bobs)),
    );
    assert_eq!(said, format!("step 1 ({})", alices_status.words()));

    let referral = opened.plan.referrals[0].clone();
    let alices_status = [ReferralStatus::Declined, ReferralStatus::Seen]
        .into_iter()
        .find(|s| *s != referral.status)
        .unwrap();
    let mut alices = referral.clone();
    alices.status = alices_status;
    apply(
        &mut alice,
        refract::way_forward::Change::Referral(Edit::of(referral.clone(), alices)),
    );
    let mut bobs = referral.clone();
    bobs.to_whom = Some(String::from("Dr Bob's colleague"));
    let said = apply(
        &mut bob,
        refract::way_forward::Change::Referral(Edit::of(referral, bobs)),
    );
    assert!(said.ends_with(&alices_status.to_string()), "{said}");
}

/// The presenter and the scribe show the same case: the scribe's timer reads the case's one
/// clock (the presenter's seconds already counted are not shown twice), and the scribe leaving
/// the case does not add those seconds again.
#[test]
fn a_case_on_the_presenters_and_the_scribes_screens_is_timed_once() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let mut alice = User::new(&path, "dr.alice");
    let mut bob = User::new(&path, "dr.bob");
    alice.present_first_case();
    bob.present_first_case();
    let case = presented(&alice).id;
    let tick = |user: &mut User, seconds: usize| {
        for _ in 0..seconds {
            let requests = app::update(&mut user.model, Msg::Tick);
            user.answer(requests);
        }
    };
    let timer = |user: &User| {
        let screen = user.model.meeting.as_ref().unwrap();
        screen.selected_case().unwrap().case.presented_seconds
            + screen.presenting.map_or(0, |p| p.unsaved)
    };
    // Both on the case for the same ten seconds, then five more: the presenter's terminal
    // writes its fifteen.
    tick(&mut bob, 10);
    tick(&mut alice, 15);
    bob.sees_the_change();
    tick(&mut bob, 5);
    assert!(
        timer(&bob) <= 21,
        "the scribe's timer reads {} s",
        timer(&bob)
    );
    bob.key(KeyCode::Esc);
    alice.sees_the_change();
    let stored: i64 = query(
        &path,
        "SELECT presented_seconds FROM meeting_cases WHERE id = ?1",
        [case],
    );
    assert!(stored <= 21, "{stored} s recorded for about 15 s on screen");
    assert!(
        timer(&alice) <= 21,
        "the presenter's timer reads {} s",
        timer(&alice)
    );
}

/// Where `a_second_connection_keeps_its_locks` asks its child process to look.
const LOOK_AT: &str = "REFRACT_TEST_LOCKS_OF";

/// Not a test of its own: run by `a_second_connection_keeps_its_locks` as another process,
/// which asks the kernel whether anyone holds a lock on the file (its own locks would not
/// show), as SQLite does when it closes a connection to decide it was the last one (and then
/// deletes the WAL: `sqlite3` and most scripts do).
#[cfg(unix)]
#[test]
#[ignore = "run by a_second_connection_keeps_its_locks, as another process"]
fn another_process_looks_for_locks() {
    use nix::fcntl::{FcntlArg, fcntl};
    use nix::libc;
    let Some(db) = std::env::var_os(LOOK_AT) else {
        return;
    };
    let file = std::fs::File::open(db).unwrap();
    let mut probe = libc::flock {
        l_type: libc::F_WRLCK as libc::c_short,
        l_whence: libc::SEEK_SET as libc::c_short,
        l_start: 0,
        l_len: 0,
        l_pid: 0,
    };
    fcntl(&file, FcntlArg::F_GETLK(&mut probe)).unwrap();
    assert_ne!(
        i32::from(probe.l_type),
        libc::F_UNLCK,
        "nobody holds a lock on the database: the next connection to close deletes the WAL"
    );
}

/// Two connections to the file in one process (the dashboard's reader and writer): opening the
/// second must not drop the first's locks. Closing any descriptor of a file drops all of a
/// process's POSIX locks on it; the header check of the second open did, and then `sqlite3` or
/// a script closing its connection deleted the WAL under the dashboard, whose saves went on
/// into a deleted file (seen in tmux: "saved", and nothing in the file).
#[cfg(unix)]
#[test]
fn a_second_connection_keeps_its_locks() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let first = Store::open(&path, OpenMode::MustExist, "dr.alice").unwrap();
    let second = first.reopen().unwrap();
    let other = Store::open(&path, OpenMode::MustExist, "dr.bob").unwrap();
    let look = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "another_process_looks_for_locks",
            "--exact",
            "--ignored",
            "--test-threads=1",
        ])
        .env(LOOK_AT, &path)
        .output()
        .unwrap();
    assert!(
        look.status.success(),
        "{}",
        String::from_utf8_lossy(&look.stdout)
    );
    drop((first, second, other));
}

/// The case on Alice's shared screen, as her model holds it.
fn presented(user: &User) -> refract::domain::MeetingCase {
    user.model
        .meeting
        .as_ref()
        .unwrap()
        .selected_case()
        .unwrap()
        .case
        .clone()
}

/// The cases of the meeting on Alice's screen, in agenda order.
fn agenda(user: &User) -> Vec<refract::domain::MeetingCase> {
    let screen = user.model.meeting.as_ref().unwrap();
    let view = screen.view.as_ref().unwrap();
    view.detail.cases.iter().map(|c| c.case.clone()).collect()
}

/// The patient whose record the presentation shows.
fn patient_on_screen(user: &User) -> PatientId {
    user.model.patient.as_ref().unwrap().id
}

/// Alice presents the third case; Bob, on another terminal, moves the case above it down while
/// she types a task. The task lands on the case (and patient) she typed it on, and her screen
/// stays on that case at its new place.
#[test]
fn a_task_typed_while_a_colleague_reorders_the_agenda_lands_on_the_case_it_was_typed_on() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let mut alice = User::new(&path, "dr.alice");
    let mut bob = Store::open(&path, OpenMode::MustExist, "dr.bob").unwrap();
    alice.press('m');
    alice.key(KeyCode::Enter);
    alice.press('j');
    alice.press('j');
    alice.key(KeyCode::Enter);
    assert_eq!(alice.model.screen, Screen::Presenting, "{}", alice.screen());
    let shown = presented(&alice);
    let above = agenda(&alice)[1].clone();
    assert_eq!(agenda(&alice)[2].id, shown.id);

    alice.press('t');
    alice.type_text("Start midazolam infusion review");
    bob.move_case(above.id, false).unwrap();
    alice.sees_the_change();
    alice.ctrl('s');

    let (patient, case): (i64, i64) = Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT patient_id, meeting_case_id FROM tasks WHERE what = ?1",
            ["Start midazolam infusion review"],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (patient, case),
        (shown.patient_id.0, shown.id),
        "the task landed on another case than the one on screen when it was typed"
    );
    assert_eq!(presented(&alice).id, shown.id, "the presentation moved");
    assert_eq!(patient_on_screen(&alice), shown.patient_id);
    assert_eq!(agenda(&alice)[1].id, shown.id, "the case is second now");
}

/// "Plan followed" is answered for the case whose earlier discussion was on screen when `f`
/// was pressed, even when the agenda is reordered before the answer is picked.
#[test]
fn plan_followed_is_recorded_on_the_earlier_case_that_was_on_screen() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let mut alice = User::new(&path, "dr.alice");
    let mut bob = Store::open(&path, OpenMode::MustExist, "dr.bob").unwrap();
    alice.present_first_case();
    let meeting = alice.model.meeting.as_ref().unwrap().id;
    let shown = presented(&alice);
    let previous = |user: &User| {
        let screen = user.model.meeting.as_ref().unwrap();
        screen.view.as_ref().unwrap().previous[screen.case]
            .as_ref()
            .map(|p| p.case.id)
    };
    let earlier = previous(&alice).expect("the demo's first case was discussed before");
    // Another patient discussed before joins the agenda, and Bob will move them to the top.
    let (other, ruleset): (i64, String) = Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT patient_id, ruleset FROM meeting_cases
             WHERE meeting_id <> ?1 AND patient_id NOT IN
                   (SELECT patient_id FROM meeting_cases WHERE meeting_id = ?1)
             ORDER BY id LIMIT 1",
            [meeting],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    let answered = |path: &Path, patient: i64| -> String {
        query(
            path,
            "SELECT group_concat(id || ':' || coalesce(plan_followed, '-')) FROM meeting_cases
             WHERE patient_id = ?1",
            [patient],
        )
    };
    let added = bob
        .add_case(meeting, PatientId(other), Some(&ruleset))
        .unwrap();
    let others_before = answered(&path, other);
    alice.sees_the_change();
    assert_eq!(presented(&alice).id, shown.id);

    alice.press('f');
    assert!(alice.model.popup.is_some(), "{}", alice.screen());
    while agenda(&alice)[0].id != added {
        bob.move_case(added, true).unwrap();
        alice.sees_the_change();
    }
    alice.key(KeyCode::Enter);

    let followed = |case: i64| -> Option<String> {
        query(
            &path,
            "SELECT plan_followed FROM meeting_cases WHERE id = ?1",
            [case],
        )
    };
    assert_eq!(
        followed(earlier).as_deref(),
        Some("yes"),
        "{}",
        alice.screen()
    );
    assert_eq!(
        answered(&path, other),
        others_before,
        "recorded on another patient's case"
    );
    assert_eq!(presented(&alice).id, shown.id);
}

/// The option picked for a decision is the one on the menu, of the case the decision was
/// begun on, whatever the agenda did meanwhile.
#[test]
fn the_option_chosen_in_a_decision_is_the_one_picked_on_the_case_it_was_begun_on() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let mut alice = User::new(&path, "dr.alice");
    let mut bob = Store::open(&path, OpenMode::MustExist, "dr.bob").unwrap();
    alice.present_first_case();
    let shown = presented(&alice);
    let first_option = {
        let screen = alice.model.meeting.as_ref().unwrap();
        screen.view.as_ref().unwrap().options[screen.case][0].id
    };
    alice.press('d');
    alice.press('j');
    alice.key(KeyCode::Enter);
    assert!(
        matches!(alice.model.popup, Some(model::Popup::Choose { .. })),
        "the board's options are offered: {}",
        alice.screen()
    );
    alice.press('j');
    // Bob moves the case down: another patient's case (and options) takes its place.
    bob.move_case(shown.id, false).unwrap();
    alice.sees_the_change();
    alice.key(KeyCode::Enter);
    alice.type_text("Refer for surgery work-up");
    alice.key(KeyCode::Enter);

    let (text, option): (Option<String>, Option<i64>) = Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT outcome_text, chosen_option_id FROM meeting_cases WHERE id = ?1",
            [shown.id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (text.as_deref(), option),
        (Some("Refer for surgery work-up"), Some(first_option)),
        "{:?}\n{}",
        alice.model.message,
        alice.screen()
    );
}

/// A case removed by a colleague while it is presented: Alice is told, her screen moves to a
/// neighbour without saving anything there, and the task she was typing for the removed case
/// is refused with her text kept.
#[test]
fn a_case_removed_while_presented_is_said_and_its_task_is_not_saved_elsewhere() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let mut alice = User::new(&path, "dr.alice");
    let mut bob = Store::open(&path, OpenMode::MustExist, "dr.bob").unwrap();
    alice.press('m');
    alice.key(KeyCode::Enter);
    alice.press('j');
    alice.key(KeyCode::Enter);
    let shown = presented(&alice);
    let tasks_before: i64 = query(&path, "SELECT count(*) FROM tasks", []);

    alice.press('t');
    alice.type_text("Book the video-EEG");
    bob.remove_case(shown.id).unwrap();
    alice.sees_the_change();
    assert_eq!(alice.model.screen, Screen::Presenting);
    assert_ne!(presented(&alice).id, shown.id);
    alice.ctrl('s');

    let tasks_after: i64 = query(&path, "SELECT count(*) FROM tasks", []);
    assert_eq!(
        tasks_after, tasks_before,
        "the task was saved on another case"
    );
    assert_eq!(alice.typed().as_deref(), Some("Book the video-EEG"));
    let screen = alice.screen();
    assert!(screen.contains("removed from the agenda"), "{screen}");
    // Leaving the task, she is on the neighbour, told so.
    alice.key(KeyCode::Esc);
    assert_eq!(patient_on_screen(&alice), presented(&alice).patient_id);
}

/// The open-tasks list of the meetings screen: the highlighted task stays highlighted when a
/// colleague completes one above it, and Space marks that one done, not its new neighbour.
#[test]
fn the_task_highlighted_on_the_meetings_list_is_the_one_marked_done() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let mut alice = User::new(&path, "dr.alice");
    let mut bob = Store::open(&path, OpenMode::MustExist, "dr.bob").unwrap();
    alice.press('m');
    alice.key(KeyCode::Tab);
    alice.press('j');
    let tasks: Vec<i64> = alice
        .model
        .meetings
        .tasks
        .iter()
        .map(|t| t.task.id)
        .collect();
    assert!(tasks.len() >= 3, "{tasks:?}");
    let highlighted = tasks[1];
    bob.set_task_status(tasks[0], refract::domain::TaskStatus::Done, today())
        .unwrap();
    alice.sees_the_change();
    alice.press(' ');

    let status =
        |id: i64| -> String { query(&path, "SELECT status FROM tasks WHERE id = ?1", [id]) };
    assert_eq!(status(highlighted), "done", "{}", alice.screen());
    assert_eq!(
        status(tasks[2]),
        "open",
        "the neighbour was marked done instead"
    );
}

/// Bob saves the notes twice while Alice's save waits refused: her "keep mine" is over the
/// version she was shown, so it is refused again, with his newer text shown; only a second
/// Ctrl-O, over what she has now seen, saves hers, audited with his newer text as "before".
#[test]
fn keep_mine_never_overwrites_a_change_made_after_theirs_was_shown() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let mrn = flagged_patient(&path);
    let mut alice = User::new(&path, "dr.alice");
    let mut bob = User::new(&path, "dr.bob");
    for user in [&mut alice, &mut bob] {
        user.open_patient(&mrn);
        user.press('w');
        user.press('n');
    }
    let step = i64::try_from(alice.model.way_forward.as_ref().unwrap().step + 1).unwrap();
    let notes = |path: &Path| -> String {
        query(
            path,
            "SELECT w.notes FROM way_forward w JOIN patients p ON p.id = w.patient_id
             WHERE p.mrn = ?1 AND w.step = ?2",
            rusqlite::params![&mrn, step],
        )
    };
    bob.ctrl('u');
    bob.type_text("Bob: first version");
    bob.ctrl('s');
    alice.sees_the_change();
    alice.ctrl('u');
    alice.type_text("Alice: mine");
    alice.ctrl('s');
    assert_eq!(notes(&path), "Bob: first version");
    alice.ctrl('t');
    assert!(
        alice.screen().contains("Bob: first version"),
        "{}",
        alice.screen()
    );

    // Bob changes it again; Alice, looking at his first version, keeps hers.
    bob.press('n');
    bob.ctrl('u');
    bob.type_text("Bob: second version");
    bob.ctrl('s');
    assert_eq!(notes(&path), "Bob: second version");
    alice.ctrl('o');
    assert_eq!(
        notes(&path),
        "Bob: second version",
        "Ctrl-O overwrote a version Alice never saw"
    );
    assert_eq!(alice.typed().as_deref(), Some("Alice: mine"));
    let screen = alice.screen();
    assert!(
        screen.contains("Bob: second version"),
        "theirs shows the newer one:\n{screen}"
    );

    // Now she has seen it: Ctrl-O saves hers over it.
    alice.ctrl('o');
    assert_eq!(notes(&path), "Alice: mine");
    let (action, before): (String, String) = Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT action, before FROM audit_log WHERE who = 'dr.alice' ORDER BY id DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert!(action.ends_with(".overwrite"), "{action}");
    assert!(before.contains("Bob: second version"), "{before}");
}

/// The same for a review: a second dismissal by Bob after Alice was shown his first is not
/// overwritten by her Ctrl-O; the overwrite she then makes keeps his rationale and name in
/// its audit row's "before".
#[test]
fn keep_mine_on_a_review_is_over_the_review_that_was_shown() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let (mrn, patient, ruleset) = unreviewed_flag(&path);
    let mut alice = User::new(&path, "dr.alice");
    alice.open_patient(&mrn);
    alice.press('c');
    if alice.model.popup.is_some() {
        alice.key(KeyCode::Down);
        alice.key(KeyCode::Enter);
    }
    alice.type_text("Two adequate trials failed");
    let mut bob = Store::open(&path, OpenMode::MustExist, "dr.bob").unwrap();
    let dismiss = |bob: &mut Store, why: &str| {
        bob.review(
            PatientId(patient),
            &ruleset,
            refract::domain::ReviewDecision::Dismissed,
            why,
            today(),
        )
        .unwrap();
    };
    dismiss(&mut bob, "Adherence first");
    alice.key(KeyCode::Enter);
    alice.ctrl('t');
    assert!(
        alice.screen().contains("Adherence first"),
        "{}",
        alice.screen()
    );
    dismiss(&mut bob, "Levels are subtherapeutic: not refractory");

    let latest = |path: &Path| -> (String, String) {
        Connection::open(path)
            .unwrap()
            .query_row(
                "SELECT by, rationale FROM reviews WHERE patient_id = ?1 ORDER BY id DESC LIMIT 1",
                [patient],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap()
    };
    alice.ctrl('o');
    assert_eq!(
        latest(&path),
        (
            String::from("dr.bob"),
            String::from("Levels are subtherapeutic: not refractory")
        ),
        "Ctrl-O recorded over a review Alice never saw"
    );
    assert_eq!(alice.typed().as_deref(), Some("Two adequate trials failed"));
    let screen = alice.screen();
    assert!(screen.contains("Levels are subtherapeutic"), "{screen}");

    alice.ctrl('o');
    assert_eq!(
        latest(&path),
        (
            String::from("dr.alice"),
            String::from("Two adequate trials failed")
        )
    );
    let (action, before): (String, String) = Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT action, before FROM audit_log WHERE who = 'dr.alice' ORDER BY id DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert_eq!(action, "review.confirm.overwrite");
    assert!(
        before.contains("Levels are subtherapeutic: not refractory") && before.contains("dr.bob"),
        "their rationale and name as the row's before: {before}"
    );
}

/// The conflict a save was refused for.
fn refused<T: std::fmt::Debug>(
    result: Result<T, refract::store::StoreError>,
) -> refract::store::Conflict {
    match result {
        Err(refract::store::StoreError::Conflict(conflict)) => *conflict,
        other => panic!("not refused: {other:?}"),
    }
}

/// At the store, two connections: an overwrite names the version of theirs it was shown; a
/// version stored since refuses it again, with the newer one in the refusal, and the
/// overwrite's audit row keeps what it replaced (for a review, their rationale and name).
#[test]
fn an_overwrite_is_over_the_version_shown_and_refused_over_a_later_one() {
    use refract::domain::{Edit, ReviewDecision};
    use refract::store::ReviewSeen;
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let rules = Rules::embedded().unwrap();
    let mut alice = Store::open(&path, OpenMode::MustExist, "dr.alice").unwrap();
    let mut bob = Store::open(&path, OpenMode::MustExist, "dr.bob").unwrap();
    let last_before = |path: &Path| -> (String, String) {
        Connection::open(path)
            .unwrap()
            .query_row(
                "SELECT action, before FROM audit_log WHERE who = 'dr.alice'
                 ORDER BY id DESC LIMIT 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap()
    };

    // A step's notes.
    let (patient, ruleset): (i64, String) = Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT patient_id, ruleset FROM wellbeing_goals ORDER BY patient_id LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    let patient = PatientId(patient);
    let stored_step = |store: &Store| {
        store
            .stored_way_forward(patient, &ruleset)
            .unwrap()
            .steps
            .into_iter()
            .find(|s| s.step == 1)
            .unwrap()
    };
    let opened = refract::way_forward::load(&alice, &rules, patient, &ruleset)
        .unwrap()
        .plan
        .step(1)
        .unwrap()
        .clone();
    let mut bobs = opened.clone();
    bobs.notes = String::from("Bob: first version");
    bob.save_step(&Edit::of(opened.clone(), bobs), today())
        .unwrap();
    let mut mine = opened.clone();
    mine.notes = String::from("Alice: mine");
    let edit = Edit::of(opened.clone(), mine);
    let shown = refused(alice.save_step(&edit, today()));
    assert_eq!(shown.theirs["notes"], "Bob: first version");

    let now = stored_step(&bob);
    let mut bobs = now.clone();
    bobs.notes = String::from("Bob: second version");
    bob.save_step(&Edit::of(now, bobs), today()).unwrap();
    let again = refused(alice.save_step(&edit.clone().overwriting(shown.version), today()));
    assert_eq!(again.theirs["notes"], "Bob: second version");
    assert!(again.version > shown.version);
    assert_eq!(stored_step(&alice).notes, "Bob: second version");

    alice
        .save_step(&edit.overwriting(again.version), today())
        .unwrap();
    assert_eq!(stored_step(&alice).notes, "Alice: mine");
    let (action, before) = last_before(&path);
    assert!(action.ends_with(".overwrite"), "{action}");
    assert!(before.contains("Bob: second version"), "{before}");

    // A review.
    let (_, patient, ruleset) = unreviewed_flag(&path);
    let patient = PatientId(patient);
    let seen = ReviewSeen {
        fingerprint: None,
        review: Some(None),
        overwrite: None,
    };
    let confirm = |store: &mut Store, seen: &ReviewSeen| {
        store.review_checked(
            patient,
            &ruleset,
            ReviewDecision::Confirmed,
            "Two adequate trials failed",
            seen,
            today(),
        )
    };
    bob.review(
        patient,
        &ruleset,
        ReviewDecision::Dismissed,
        "Adherence first",
        today(),
    )
    .unwrap();
    let shown = refused(confirm(&mut alice, &seen));
    assert_eq!(shown.theirs["rationale"], "Adherence first");
    bob.review(
        patient,
        &ruleset,
        ReviewDecision::Dismissed,
        "Levels are subtherapeutic: not refractory",
        today(),
    )
    .unwrap();
    let over = |version: i64| ReviewSeen {
        overwrite: Some(version),
        ..seen.clone()
    };
    let again = refused(confirm(&mut alice, &over(shown.version)));
    assert_eq!(
        again.theirs["rationale"],
        "Levels are subtherapeutic: not refractory"
    );
    confirm(&mut alice, &over(again.version)).unwrap();
    let (action, before) = last_before(&path);
    assert_eq!(action, "review.confirm.overwrite");
    assert!(
        before.contains("Levels are subtherapeutic: not refractory") && before.contains("dr.bob"),
        "{before}"
    );
}

/// The presented case's patient: family name, MRN and birth date as typed in "dd/mm/yyyy".
fn presented_identity(user: &User) -> (String, String, String) {
    let case = user
        .model
        .meeting
        .as_ref()
        .unwrap()
        .selected_case()
        .unwrap();
    let born = case.birth_date.unwrap().format("%d/%m/%Y").to_string();
    (case.family_name.clone(), case.mrn.clone(), born)
}

/// Opens the decision on the presented case, its recommendation cleared, ready to type.
fn open_decision(user: &mut User) {
    open_decision_down(user, 1);
}

/// [`open_decision`] with the category `down` rows below the one the menu opens on.
fn open_decision_down(user: &mut User, down: usize) {
    user.press('d');
    for _ in 0..down {
        user.press('j');
    }
    user.key(KeyCode::Enter);
    if matches!(user.model.popup, Some(model::Popup::Choose { .. })) {
        user.key(KeyCode::Enter);
    }
    assert!(user.model.input.is_some(), "{}", user.screen());
    user.ctrl('u');
}

/// review team T1, T10: on the masked shared screen, a refused decision's Ctrl-T shows the
/// colleague's recommendation masked as the panel behind it is, and the decision in words.
#[test]
fn theirs_after_a_refused_decision_is_masked_on_a_masked_screen() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let mut alice = User::new(&path, "dr.alice");
    let mut bob = User::new(&path, "dr.bob");
    alice.present_first_case();
    bob.present_first_case();
    assert!(alice.model.masked && bob.model.masked);
    let (family, mrn, born) = presented_identity(&alice);
    open_decision(&mut alice);
    alice.type_text("Alice rec: add a fifth agent");
    // Another category too: the popup names both fields, the decision in words.
    open_decision_down(&mut bob, 2);
    bob.type_text(&format!(
        "Mr {family} ({mrn}, dob {born}) to have renal denervation"
    ));
    bob.key(KeyCode::Enter);
    assert!(bob.screen().contains("saved"), "{}", bob.screen());

    alice.sees_the_change();
    alice.key(KeyCode::Enter);
    assert!(alice.model.refusal.is_some(), "{}", alice.screen());
    alice.ctrl('t');
    let screen = alice.screen();
    assert!(screen.contains("Theirs"), "{screen}");
    assert!(screen.contains("to have renal denervation"), "{screen}");
    assert!(screen.contains("the decision:"), "{screen}");
    for identifying in [&family, &mrn, &born] {
        assert!(
            !screen.contains(identifying.as_str()),
            "{identifying} shown on a masked screen:\n{screen}"
        );
    }
    for category in refract::domain::OutcomeCategory::ALL {
        assert!(
            !screen.contains(category.as_str()),
            "a machine name shown:\n{screen}"
        );
    }
}

/// review team T3: a task completed on another terminal leaves nothing selected; Space then
/// marks no other task done, and the status line says which task went and who did it.
#[test]
fn space_after_a_colleague_completed_the_selected_task_marks_nothing() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let mut alice = User::new(&path, "dr.alice");
    let mut bob = User::new(&path, "dr.bob");
    for user in [&mut alice, &mut bob] {
        user.press('m');
        user.key(KeyCode::Tab);
    }
    let tasks: Vec<(i64, String)> = bob
        .model
        .meetings
        .tasks
        .iter()
        .map(|t| (t.task.id, t.task.what.clone()))
        .collect();
    assert!(tasks.len() >= 2, "{tasks:?}");
    alice.press(' ');
    assert!(
        alice
            .screen()
            .contains(&format!("task done: {}", tasks[0].1)),
        "the task is named:\n{}",
        alice.screen()
    );
    bob.sees_the_change();
    let screen = bob.screen();
    let start: String = tasks[0].1.chars().take(10).collect();
    assert!(screen.contains(&format!("task '{start}")), "{screen}");
    assert!(
        screen.contains("was completed by dr.alice; j/k selects a task"),
        "{screen}"
    );
    bob.width = 80;
    assert!(
        bob.screen().contains("j/k selects a task"),
        "{}",
        bob.screen()
    );
    bob.width = 120;
    bob.press(' ');
    let status =
        |id: i64| -> String { query(&path, "SELECT status FROM tasks WHERE id = ?1", [id]) };
    assert_eq!(status(tasks[1].0), "open", "the next task was marked done");
    // A key selects again; Space then acts on what is highlighted.
    bob.press('j');
    assert_eq!(bob.model.meetings.task_id, Some(tasks[1].0));
    bob.press(' ');
    assert_eq!(status(tasks[1].0), "done");
}

/// review team T2: on a masked screen, stored text that names the patient is not opened in an
/// editor (it would show what the agenda cuts); unmasked it is.
#[test]
fn a_question_naming_the_patient_is_not_opened_for_editing_while_masked() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let mut alice = User::new(&path, "dr.alice");
    alice.press('m');
    alice.key(KeyCode::Enter);
    assert_eq!(alice.model.screen, Screen::Meeting);
    assert!(alice.model.masked);
    let case = alice
        .model
        .meeting
        .as_ref()
        .unwrap()
        .selected_case()
        .unwrap()
        .clone();
    let question = format!("Mr {} ({}): renal denervation?", case.family_name, case.mrn);
    Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE meeting_cases SET question = ?1, version = version + 1 WHERE id = ?2",
            rusqlite::params![question, case.case.id],
        )
        .unwrap();
    alice.sees_the_change();
    alice.press('e');
    assert_eq!(alice.typed(), None, "{}", alice.screen());
    let screen = alice.screen();
    assert!(
        screen.contains("unmask (M) to edit this text: it names the patient"),
        "{screen}"
    );
    assert!(!screen.contains(&case.family_name), "{screen}");
    alice.press('M');
    alice.press('e');
    assert_eq!(alice.typed().as_deref(), Some(question.as_str()));
}

/// review team T5, T6: a decision typed while one assessment was presented is refused once
/// an import changed it, the text kept; ⏎ again records it against the new one. The refusal
/// says what to do within 80 columns.
#[test]
fn a_decision_is_not_recorded_against_an_assessment_that_changed_meanwhile() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let mut alice = User::new(&path, "dr.alice");
    alice.present_first_case();
    let case = alice
        .model
        .meeting
        .as_ref()
        .unwrap()
        .selected_case()
        .unwrap()
        .clone();
    open_decision(&mut alice);
    alice.type_text("Add a fifth agent");
    Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE assessments SET fingerprint = 'after-the-import'
             WHERE patient_id = ?1 AND ruleset = ?2",
            rusqlite::params![case.case.patient_id.0, case.ruleset],
        )
        .unwrap();
    alice.key(KeyCode::Enter);
    let recorded = |path: &Path| -> String {
        query(
            path,
            "SELECT outcome_text FROM meeting_cases WHERE id = ?1",
            [case.case.id],
        )
    };
    assert_ne!(recorded(&path), "Add a fifth agent");
    assert_eq!(alice.typed().as_deref(), Some("Add a fifth agent"));
    alice.width = 80;
    let screen = alice.screen();
    assert!(
        screen
            .contains("not saved, text kept: assessment changed since opened: ⏎ saves against it"),
        "{screen}"
    );
    alice.width = 120;
    alice.key(KeyCode::Enter);
    assert_eq!(recorded(&path), "Add a fifth agent", "{}", alice.screen());
    assert_eq!(alice.typed(), None);
}

/// review team T1 (way forward): a step's notes saved by a colleague, shown with Ctrl-T after
/// a refused save on a masked screen, lose the patient's name and MRN as the panel does.
#[test]
fn theirs_on_a_steps_notes_is_masked_on_a_masked_screen() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let mrn = flagged_patient(&path);
    let mut alice = User::new(&path, "dr.alice");
    let mut bob = User::new(&path, "dr.bob");
    for user in [&mut alice, &mut bob] {
        user.open_patient(&mrn);
        user.press('w');
        assert_eq!(user.model.screen, Screen::WayForward);
    }
    alice.press('M');
    assert!(alice.model.masked);
    let family = alice
        .model
        .patient
        .as_ref()
        .unwrap()
        .detail
        .as_ref()
        .unwrap()
        .summary
        .record
        .patient
        .as_ref()
        .unwrap()
        .family_name
        .clone();
    alice.press('n');
    bob.press('n');
    bob.ctrl('u');
    bob.type_text(&format!("Spoke to {family} ({mrn}) by phone"));
    bob.ctrl('s');
    alice.sees_the_change();
    alice.ctrl('u');
    alice.type_text("Alice: letter sent");
    alice.ctrl('s');
    assert!(alice.model.refusal.is_some(), "{}", alice.screen());
    alice.ctrl('t');
    let screen = alice.screen();
    assert!(screen.contains("by phone"), "{screen}");
    assert!(!screen.contains(&family), "{screen}");
    assert!(!screen.contains(&mrn), "{screen}");
}

/// review team T3 (agenda): the case selected removed on another terminal is said, with the
/// case now selected; the person's own removal is not.
#[test]
fn a_case_removed_elsewhere_under_the_agenda_cursor_is_said() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let mut alice = User::new(&path, "dr.alice");
    let mut bob = Store::open(&path, OpenMode::MustExist, "dr.bob").unwrap();
    alice.press('m');
    alice.key(KeyCode::Enter);
    assert_eq!(alice.model.screen, Screen::Meeting);
    let cases = agenda(&alice);
    assert!(cases.len() >= 3);
    alice.press('j');
    bob.remove_case(cases[1].id).unwrap();
    alice.sees_the_change();
    let screen = alice.screen();
    assert!(
        screen.contains("case 2 was removed from the agenda on another terminal"),
        "{screen}"
    );
    alice.press('X');
    assert!(
        !alice
            .screen()
            .contains("was removed from the agenda on another"),
        "{}",
        alice.screen()
    );
}

/// review team (leftovers 2): the refusal of a save a colleague made first says what to do
/// first, so that an 80-column status line shows the keys and who changed what.
#[test]
fn a_refusal_for_a_colleagues_change_puts_the_keys_first_within_80_columns() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let mrn = flagged_patient(&path);
    let mut alice = User::new(&path, "dr.alice");
    let mut bob = User::new(&path, "dr.bob");
    for user in [&mut alice, &mut bob] {
        user.width = 80;
        user.height = 24;
        user.open_patient(&mrn);
        user.press('w');
        user.press('n');
    }
    bob.ctrl('u');
    bob.type_text("Bob: video-EEG booked");
    bob.ctrl('s');
    alice.sees_the_change();
    alice.ctrl('u');
    alice.type_text("Alice: drug levels requested");
    alice.ctrl('s');
    assert!(alice.model.refusal.is_some(), "{}", alice.screen());
    let screen = alice.screen();
    assert!(
        screen
            .contains(" not saved, text kept: ^t theirs · ^o overwrite: dr.bob changed the notes"),
        "{screen}"
    );
}

/// review team (leftovers 3): the colleague's decision shown with Ctrl-T names the option they
/// chose by its words, never by its number in the file.
#[test]
fn theirs_names_the_option_chosen_by_its_words() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let mut alice = User::new(&path, "dr.alice");
    let mut bob = User::new(&path, "dr.bob");
    alice.present_first_case();
    bob.present_first_case();
    let options = {
        let screen = alice.model.meeting.as_ref().unwrap();
        screen.view.as_ref().unwrap().options[screen.case].clone()
    };
    assert!(options.len() >= 2, "{options:?}");
    // Each picks another option of the board for the same decision.
    for (user, down) in [(&mut alice, 1), (&mut bob, 2)] {
        user.press('d');
        user.press('j');
        user.key(KeyCode::Enter);
        assert!(matches!(
            user.model.popup,
            Some(model::Popup::Choose { .. })
        ));
        for _ in 0..down {
            user.press('j');
        }
        user.key(KeyCode::Enter);
        user.ctrl('u');
    }
    alice.type_text("Alice: surgery work-up");
    bob.type_text("Bob: surgery work-up");
    bob.key(KeyCode::Enter);
    alice.sees_the_change();
    alice.key(KeyCode::Enter);
    assert!(alice.model.refusal.is_some(), "{}", alice.screen());
    alice.ctrl('t');
    let screen = alice.screen();
    assert!(screen.contains("the option chosen:"), "{screen}");
    let words: String = options[1].name.chars().take(16).collect();
    assert!(screen.contains(&words), "{screen}");
    assert!(
        !screen.lines().any(
            |line| line.trim_matches(|c: char| c == '│' || c.is_whitespace())
                == options[1].id.to_string()
        ),
        "the option's number shown:\n{screen}"
    );
}

/// review team (leftovers 4): on a masked patient screen, the team's text loses a name the
/// patient's records held besides the current one (a maiden name) and a number they are also
/// known by, as the meeting screens cut them.
#[test]
fn the_masked_patient_screen_cuts_former_names_and_other_numbers() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let mrn = flagged_patient(&path);
    let patient: i64 = query(&path, "SELECT id FROM patients WHERE mrn = ?1", [&mrn]);
    let conn = Connection::open(&path).unwrap();
    conn.execute(
        "INSERT INTO patient_names (patient_id, family_name, given_name)
         VALUES (?1, 'Osterberg', 'Lena')",
        [patient],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO patient_identifiers (patient_id, system, value)
         VALUES (?1, 'https://north.example.org/nhs', 'KX-4471')",
        [patient],
    )
    .unwrap();
    let mut store = Store::open(&path, OpenMode::MustExist, "dr.bob").unwrap();
    store
        .add_note(
            PatientId(patient),
            "Née Osterberg (KX-4471): seen in clinic",
            today(),
        )
        .unwrap();
    let mut alice = User::new(&path, "dr.alice");
    alice.open_patient(&mrn);
    alice.press('M');
    while alice.model.patient.as_ref().unwrap().tab != refract::tui::state::patient::Tab::Notes {
        alice.key(KeyCode::Tab);
    }
    let screen = alice.screen();
    assert!(screen.contains("seen in clinic"), "{screen}");
    assert!(!screen.contains("Osterberg"), "{screen}");
    assert!(!screen.contains("KX-4471"), "{screen}");
}

/// review team T8: a case removed from the agenda by one key is put back by `u`, where it was,
/// with the question a colleague prepared; the removal and its undoing are both audited. A
/// case a colleague changed since it was shown is not removed.
#[test]
fn a_case_removed_from_the_agenda_is_put_back_by_undo() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let mut alice = User::new(&path, "dr.alice");
    alice.press('m');
    alice.key(KeyCode::Enter);
    assert_eq!(alice.model.screen, Screen::Meeting);
    let cases = agenda(&alice);
    assert!(cases.len() >= 3);
    let prepared = "Third-line agents failed: surgery work-up?";
    let question = |id: i64| -> Option<String> {
        Connection::open(&path)
            .unwrap()
            .query_row(
                "SELECT question FROM meeting_cases WHERE id = ?1",
                [id],
                |row| row.get(0),
            )
            .optional()
            .unwrap()
    };
    let set_question = |text: &str| {
        Connection::open(&path)
            .unwrap()
            .execute(
                "UPDATE meeting_cases SET question = ?1, version = version + 1 WHERE id = ?2",
                rusqlite::params![text, cases[1].id],
            )
            .unwrap();
    };
    set_question(prepared);
    alice.sees_the_change();
    alice.press('j');

    // Changed again on another terminal before Alice's screen shows it: not removed.
    set_question("Changed meanwhile");
    alice.press('X');
    assert!(question(cases[1].id).is_some(), "{}", alice.screen());
    assert!(
        alice.screen().contains("nothing removed"),
        "{}",
        alice.screen()
    );
    set_question(prepared);
    alice.sees_the_change();

    alice.press('X');
    assert_eq!(question(cases[1].id), None, "{}", alice.screen());
    let screen = alice.screen();
    assert!(
        screen.contains("case 2 removed from the agenda · u puts it back"),
        "{screen}"
    );
    alice.press('u');
    assert_eq!(
        question(cases[1].id).as_deref(),
        Some(prepared),
        "{}",
        alice.screen()
    );
    let now = agenda(&alice);
    assert_eq!(
        now.iter().map(|c| c.id).collect::<Vec<_>>(),
        cases.iter().map(|c| c.id).collect::<Vec<_>>(),
        "put back where it was"
    );
    assert!(
        alice.screen().contains("undone: case 2 removed"),
        "{}",
        alice.screen()
    );
    let actions: Vec<String> = Connection::open(&path)
        .unwrap()
        .prepare(
            "SELECT action FROM audit_log WHERE who = 'dr.alice' AND entity = 'meeting_cases'
             AND entity_id = ?1 ORDER BY id",
        )
        .unwrap()
        .query_map([cases[1].id], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(actions, ["case.remove", "case.restore"]);
}

/// TM-1: two colleagues each add an item of their own to the same re-evaluation checklist
/// before either screen shows the other's: both items are kept, neither written over the
/// other's.
#[test]
fn two_checklist_items_added_at_once_are_both_kept() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let mrn = flagged_patient(&path);
    let mut alice = User::new(&path, "dr.alice");
    let mut bob = User::new(&path, "dr.bob");
    for user in [&mut alice, &mut bob] {
        user.open_patient(&mrn);
        user.press('w');
        // Step 2, the re-evaluation, whose checklist takes the team's own items.
        while user.model.way_forward.as_ref().unwrap().step > 1 {
            user.press('k');
        }
        while user.model.way_forward.as_ref().unwrap().step < 1 {
            user.press('j');
        }
        user.key(KeyCode::Tab);
        user.press('a');
        assert!(user.typed().is_some(), "{}", user.screen());
    }
    bob.type_text("Bob: check inhaler technique");
    bob.key(KeyCode::Enter);
    assert!(bob.screen().contains("saved"), "{}", bob.screen());
    // Alice's screen has not polled yet: she saves what she typed.
    alice.type_text("Alice: sleep diary for two weeks");
    alice.key(KeyCode::Enter);
    let texts: Vec<String> = {
        let conn = Connection::open(&path).unwrap();
        let mut stmt = conn
            .prepare(
                "SELECT c.text FROM checklist_items c JOIN patients p ON p.id = c.patient_id
                 WHERE p.mrn = ?1 ORDER BY c.id",
            )
            .unwrap();
        stmt.query_map([&mrn], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    for text in [
        "Bob: check inhaler technique",
        "Alice: sleep diary for two weeks",
    ] {
        assert!(
            texts.iter().any(|t| t == text),
            "{text} kept: {texts:?}\n{}",
            alice.screen()
        );
    }
    let adds: i64 = query(
        &path,
        "SELECT count(*) FROM audit_log WHERE entity = 'checklist_items' AND before IS NULL
         AND who IN ('dr.alice', 'dr.bob')",
        [],
    );
    assert_eq!(
        adds, 2,
        "each added an item: neither is audited as a change of the other's"
    );
}

/// TM-2: a dashboard left open overnight (a ward's screen) reads typed due dates against the
/// new day once the clock passes midnight, not the day it was opened: "tomorrow" typed the
/// next morning is the day after that morning.
#[test]
fn a_due_date_typed_after_midnight_is_read_against_the_new_day() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let mrn = flagged_patient(&path);
    let mut alice = User::new(&path, "dr.alice");
    alice.open_patient(&mrn);
    alice.press('w');
    let step = i64::try_from(alice.model.way_forward.as_ref().unwrap().step + 1).unwrap();
    // Midnight passes on the clock of the dashboard's terminal.
    let next_day = today().succ_opt().unwrap();
    let requests = app::update(&mut alice.model, Msg::Day(next_day));
    alice.answer(requests);
    alice.press('d');
    alice.ctrl('u');
    alice.type_text("tomorrow");
    alice.key(KeyCode::Enter);
    assert!(alice.screen().contains("saved"), "{}", alice.screen());
    let due: String = query(
        &path,
        "SELECT w.due FROM way_forward w JOIN patients p ON p.id = w.patient_id
         WHERE p.mrn = ?1 AND w.step = ?2",
        rusqlite::params![&mrn, step],
    );
    assert_eq!(due, next_day.succ_opt().unwrap().to_string());
}

/// TM-2: the worker of a dashboard open across midnight writes as of the new day: a step due
/// the day the dashboard opened is overdue on the list once the day has passed.
#[test]
fn the_worker_marks_overdue_as_of_the_day_it_is_told() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let patient: i64 = query(
        &path,
        "SELECT patient_id FROM way_forward WHERE status IN ('todo', 'in_progress')
         ORDER BY patient_id LIMIT 1",
        [],
    );
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute(
            "UPDATE way_forward SET due = NULL WHERE patient_id = ?1",
            [patient],
        )
        .unwrap();
        conn.execute(
            "UPDATE tasks SET due = NULL WHERE patient_id = ?1",
            [patient],
        )
        .unwrap();
        conn.execute(
            "UPDATE way_forward SET due = ?2 WHERE patient_id = ?1
             AND step = (SELECT min(step) FROM way_forward
                         WHERE patient_id = ?1 AND status IN ('todo', 'in_progress'))",
            rusqlite::params![patient, today().to_string()],
        )
        .unwrap();
        conn.execute(
            "UPDATE patients SET list_wf_overdue = 0 WHERE id = ?1",
            [patient],
        )
        .unwrap();
    }
    let store = Store::open(&path, OpenMode::MustExist, "dr.alice").unwrap();
    let (requests, inbox) = mpsc::channel();
    let (outbox, replies) = mpsc::channel();
    let worker = worker::spawn(store, Rules::embedded().unwrap(), today(), inbox, outbox);
    requests
        .send(worker::Request::Day(today().succ_opt().unwrap()))
        .unwrap();
    requests
        .send(worker::Request::Save {
            ticket: 3,
            save: Box::new(worker::Save::Note {
                patient: PatientId(patient),
                text: String::from("seen on the morning round"),
            }),
        })
        .unwrap();
    loop {
        match replies.recv_timeout(Duration::from_secs(60)).unwrap() {
            worker::Reply::Saved { ticket: 3, .. } => break,
            worker::Reply::NotSaved { ticket: 3, why, .. } => panic!("{why:?}"),
            _ => {}
        }
    }
    let overdue: bool = query(
        &path,
        "SELECT list_wf_overdue FROM patients WHERE id = ?1",
        [patient],
    );
    assert!(overdue, "a step due yesterday is overdue today");
    drop(requests);
    worker.join().unwrap();
}

/// TM-3: a question typed about a case that a colleague took off the agenda is not saved on the
/// case of another patient that was added after it and took its number (SQLite gives a new row
/// the number of the last one removed): it is refused as removed, the text kept.
#[test]
fn a_question_typed_about_a_removed_case_is_not_saved_on_the_case_that_took_its_number() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let mut alice = User::new(&path, "dr.alice");
    let mut bob = Store::open(&path, OpenMode::MustExist, "dr.bob").unwrap();
    alice.press('m');
    alice.key(KeyCode::Enter);
    assert_eq!(alice.model.screen, Screen::Meeting);
    let cases = agenda(&alice);
    let last = cases.last().unwrap().clone();
    alice.press('G');
    alice.press('e');
    assert!(alice.typed().is_some(), "{}", alice.screen());
    // Bob takes the case off (the wrong patient) and adds the right one in its place.
    bob.remove_case(last.id).unwrap();
    let other: i64 = query(
        &path,
        "SELECT id FROM patients WHERE id NOT IN
             (SELECT patient_id FROM meeting_cases WHERE meeting_id = ?1)
         ORDER BY id LIMIT 1",
        [last.meeting_id],
    );
    let added = bob
        .add_case(last.meeting_id, PatientId(other), last.ruleset.as_deref())
        .unwrap();
    assert_eq!(
        added, last.id,
        "the premise: the new case took the removed one's number"
    );
    alice.sees_the_change();
    alice.ctrl('u');
    alice.type_text("Surgery candidate after video-EEG?");
    alice.key(KeyCode::Enter);
    let question: String = query(
        &path,
        "SELECT question FROM meeting_cases WHERE id = ?1",
        [added],
    );
    assert_ne!(
        question,
        "Surgery candidate after video-EEG?",
        "saved on another patient's case:\n{}",
        alice.screen()
    );
    assert_eq!(
        alice.typed().as_deref(),
        Some("Surgery candidate after video-EEG?"),
        "{}",
        alice.screen()
    );
    assert!(
        alice.screen().contains("removed from the agenda"),
        "{}",
        alice.screen()
    );
}

/// TM-5: an item the team adds to the checklist is said and audited as added, not as a tick
/// taken off something that was never there.
#[test]
fn a_team_checklist_item_added_is_said_and_audited_as_added() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let mrn = flagged_patient(&path);
    let mut bob = User::new(&path, "dr.bob");
    bob.open_patient(&mrn);
    bob.press('w');
    while bob.model.way_forward.as_ref().unwrap().step > 1 {
        bob.press('k');
    }
    while bob.model.way_forward.as_ref().unwrap().step < 1 {
        bob.press('j');
    }
    bob.key(KeyCode::Tab);
    bob.press('a');
    assert!(bob.typed().is_some(), "{}", bob.screen());
    bob.type_text("Bob: check inhaler technique");
    bob.key(KeyCode::Enter);
    let message = bob.model.message.clone().unwrap_or_default();
    assert!(
        message.contains("added") && !message.contains("ticked"),
        "{message}"
    );
    let action: String = query(
        &path,
        "SELECT action FROM audit_log WHERE entity = 'checklist_items' AND who = 'dr.bob'
         ORDER BY id DESC LIMIT 1",
        [],
    );
    assert_eq!(action, "checklist.add");
}

/// TM-6: a decision begun while the case's patient had no assessment of its condition is
/// refused, its text kept, when an assessment appeared before it was saved: it was never
/// typed against what is there now.
#[test]
fn a_decision_begun_without_an_assessment_is_refused_when_one_appears() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let mut alice = User::new(&path, "dr.alice");
    alice.present_first_case();
    let case = alice
        .model
        .meeting
        .as_ref()
        .unwrap()
        .selected_case()
        .unwrap()
        .clone();
    let conn = Connection::open(&path).unwrap();
    conn.execute(
        "CREATE TABLE kept_for_the_test AS SELECT * FROM assessments
         WHERE patient_id = ?1 AND ruleset = ?2",
        rusqlite::params![case.case.patient_id.0, case.ruleset],
    )
    .unwrap();
    conn.execute(
        "DELETE FROM assessments WHERE patient_id = ?1 AND ruleset = ?2",
        rusqlite::params![case.case.patient_id.0, case.ruleset],
    )
    .unwrap();
    alice.sees_the_change();
    open_decision(&mut alice);
    alice.type_text("Add a fifth agent");
    // An import assesses the patient meanwhile.
    conn.execute(
        "INSERT INTO assessments SELECT * FROM kept_for_the_test",
        [],
    )
    .unwrap();
    alice.key(KeyCode::Enter);
    let recorded = |path: &Path| -> String {
        query(
            path,
            "SELECT outcome_text FROM meeting_cases WHERE id = ?1",
            [case.case.id],
        )
    };
    assert_ne!(recorded(&path), "Add a fifth agent");
    assert_eq!(alice.typed().as_deref(), Some("Add a fifth agent"));
    assert!(
        alice
            .screen()
            .contains("not saved, text kept: assessment changed since opened"),
        "{}",
        alice.screen()
    );
    alice.key(KeyCode::Enter);
    assert_eq!(recorded(&path), "Add a fifth agent", "{}", alice.screen());
    assert_eq!(alice.typed(), None);
}

/// TM-8: Bob's agenda still shows the old order (his screen has not polled) when Alice swaps
/// the first two cases; he presents "case 2" as he sees it and records a decision. The
/// presentation and the decision are those of the patient he pointed at, not of the case that
/// took that row meanwhile.
#[test]
fn a_decision_on_case_2_of_a_stale_agenda_lands_on_the_patient_shown() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let mut bob = User::new(&path, "dr.bob");
    let mut alice = Store::open(&path, OpenMode::MustExist, "dr.alice").unwrap();
    bob.press('m');
    bob.key(KeyCode::Enter);
    assert_eq!(bob.model.screen, Screen::Meeting, "{}", bob.screen());
    bob.press('j');
    let pointed = agenda(&bob)[1].clone();
    let first = agenda(&bob)[0].clone();
    alice.move_case(first.id, false).unwrap();
    bob.key(KeyCode::Enter);
    assert_eq!(bob.model.screen, Screen::Presenting, "{}", bob.screen());
    assert_eq!(presented(&bob).id, pointed.id, "{}", bob.screen());
    assert_eq!(patient_on_screen(&bob), pointed.patient_id);
    open_decision(&mut bob);
    bob.type_text("Continue the current plan");
    // The screen refreshes while he types: the order he now sees changed.
    bob.sees_the_change();
    bob.key(KeyCode::Enter);
    let on = |id: i64| -> Option<String> {
        query(
            &path,
            "SELECT outcome_text FROM meeting_cases WHERE id = ?1",
            [id],
        )
    };
    assert_eq!(
        on(pointed.id).as_deref(),
        Some("Continue the current plan"),
        "{:?}\n{}",
        bob.model.message,
        bob.screen()
    );
    assert_ne!(on(first.id).as_deref(), Some("Continue the current plan"));
    assert_eq!(presented(&bob).id, pointed.id);
}

/// A north-hospital Patient as FHIR, with an epilepsy diagnosis, for the join tests.
fn north_patient(id: &str, mrn: &str, link: &serde_json::Value) -> Vec<serde_json::Value> {
    vec![
        serde_json::json!({
            "resourceType": "Patient",
            "id": id,
            "identifier": [{
                "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]},
                "system": "https://north.example.org/mrn",
                "value": mrn
            }],
            "name": [{"use": "official", "family": "Berg", "given": ["Lena"]}],
            "gender": "female",
            "birthDate": "1970-05-05",
            "link": link
        }),
        serde_json::json!({
            "resourceType": "Condition",
            "id": format!("c-{id}"),
            "subject": {"reference": format!("Patient/{id}")},
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "G40.209"}], "text": "Focal epilepsy"},
            "onsetDateTime": "2018-01-01"
        }),
    ]
}

/// Another program's import of `resources` from the north hospital into the shared file.
fn import_north(path: &Path, name: &str, resources: Vec<serde_json::Value>) {
    let mut store = Store::open(path, OpenMode::MustExist, "importer").unwrap();
    let entries: Vec<serde_json::Value> = resources
        .into_iter()
        .map(|resource| serde_json::json!({"resource": resource}))
        .collect();
    let file = path.with_file_name(name);
    std::fs::write(
        &file,
        serde_json::json!({"resourceType": "Bundle", "type": "collection", "entry": entries})
            .to_string(),
    )
    .unwrap();
    let report = refract::import::import_paths(
        &mut store,
        &Rules::embedded().unwrap(),
        &[file],
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

/// TM-9: Alice types a note on a patient whose duplicate record the hospital's MPI merges into
/// the first one meanwhile (another terminal's import). Her note is never filed on another
/// person, nor lost: it is refused with her text kept, and the status line says the record was
/// merged and how to find the kept one, not a database error; the patient screen reloading
/// under her says the same, not "invalid value in patients.id".
#[test]
fn a_note_typed_on_a_record_merged_meanwhile_is_refused_saying_where_it_went() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let none = serde_json::json!([]);
    let mut both = north_patient("n-1", "E1001", &none);
    both.extend(north_patient("n-2", "E2001", &none));
    import_north(&path, "first.json", both);
    let mut alice = User::new(&path, "dr.alice");
    // TM-12: on a terminal of 80 by 24 (SSH) the words fit the status line whole.
    alice.width = 80;
    alice.height = 24;
    alice.open_patient("E2001");
    alice.press('n');
    alice.type_text("Seen in clinic: seizure diary reviewed");
    import_north(
        &path,
        "merged.json",
        north_patient(
            "n-2",
            "E2001",
            &serde_json::json!([{"other": {"reference": "Patient/n-1"}, "type": "replaced-by"}]),
        ),
    );
    alice.sees_the_change();
    let said = alice.model.message.clone().unwrap_or_default();
    assert!(
        said.contains("merged on") && said.contains("into this patient's other record"),
        "{said}\n{}",
        alice.screen()
    );
    assert!(!said.contains("patients.id"), "{said}");
    let screen = alice.screen();
    assert!(
        screen.contains(&format!(" {said}\n")),
        "the status line cuts: {said}\n{screen}"
    );
    alice.ctrl('s');
    let notes: i64 = query(
        &path,
        "SELECT count(*) FROM notes WHERE text = 'Seen in clinic: seizure diary reviewed'",
        [],
    );
    assert_eq!(notes, 0, "the note must not be filed anywhere unseen");
    assert_eq!(
        alice.typed().as_deref(),
        Some("Seen in clinic: seizure diary reviewed"),
        "what Alice typed is kept"
    );
    let said = alice.model.message.clone().unwrap_or_default();
    assert!(
        said.starts_with("not saved, text kept: merged into this patient's other record"),
        "{said}"
    );
    let screen = alice.screen();
    assert!(
        screen.contains(&format!(" {said}\n")),
        "the status line cuts: {said}\n{screen}"
    );
    assert!(!said.contains("FOREIGN KEY"), "{said}");
    // Masked or not, the words name no MRN: the search by the record's own MRN finds the kept
    // record.
    assert!(!said.contains("E1001"), "{said}");
}

/// TM-10: Alice and Bob mark the same open task done within the second before Bob's screen
/// polls. Bob's save writes nothing (the task already says so) and is not audited as his; his
/// status line must say it was a colleague's change, not that he saved it.
#[test]
fn a_task_a_colleague_marked_done_first_is_said_as_theirs() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let mut alice = User::new(&path, "dr.alice");
    let mut bob = User::new(&path, "dr.bob");
    for user in [&mut alice, &mut bob] {
        user.press('m');
        user.key(KeyCode::Tab);
    }
    let (id, what) = {
        let task = &bob.model.meetings.tasks[0].task;
        (task.id, task.what.clone())
    };
    alice.press(' ');
    bob.press(' ');
    let status: String = query(&path, "SELECT status FROM tasks WHERE id = ?1", [id]);
    assert_eq!(status, "done");
    let bobs: i64 = query(
        &path,
        "SELECT count(*) FROM audit_log WHERE who = 'dr.bob' AND entity = 'tasks'",
        [],
    );
    assert_eq!(bobs, 0, "Bob changed nothing");
    let said = bob.model.message.clone().unwrap_or_default();
    assert!(
        said.contains("already so, a colleague's change") && said.contains(&what),
        "{said}"
    );
}

/// TM-11: Alice presents the case of a patient whose duplicate record the hospital's MPI merges
/// into the other one while she types a task (another terminal's import moves the case to the
/// kept record). The case is the one she chose: the task lands on it, on the kept record of the
/// same person, never refused as if the case were about someone else, never on another person.
#[test]
fn a_task_typed_on_a_case_whose_patient_was_merged_meanwhile_lands_on_the_kept_record() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let none = serde_json::json!([]);
    let mut both = north_patient("n-1", "E1001", &none);
    both.extend(north_patient("n-2", "E2001", &none));
    import_north(&path, "first.json", both);
    let (kept, gone) = {
        let mut bob = Store::open(&path, OpenMode::MustExist, "dr.bob").unwrap();
        let gone = bob.patient_id_by_mrn("E2001").unwrap();
        let kept = bob.patient_id_by_mrn("E1001").unwrap();
        let meeting = bob.next_meeting_id(today()).unwrap().unwrap();
        bob.add_case(meeting, gone, None).unwrap();
        (kept, gone)
    };
    let mut alice = User::new(&path, "dr.alice");
    alice.press('m');
    alice.key(KeyCode::Enter);
    let at = agenda(&alice)
        .iter()
        .position(|c| c.patient_id == gone)
        .unwrap();
    for _ in 0..at {
        alice.press('j');
    }
    alice.press('e');
    alice.type_text("Which next step?");
    alice.key(KeyCode::Enter);
    alice.key(KeyCode::Enter);
    assert_eq!(alice.model.screen, Screen::Presenting, "{}", alice.screen());
    let shown = presented(&alice);
    assert_eq!(shown.patient_id, gone);

    alice.press('t');
    alice.type_text("Book the video-EEG");
    import_north(
        &path,
        "merged.json",
        north_patient(
            "n-2",
            "E2001",
            &serde_json::json!([{"other": {"reference": "Patient/n-1"}, "type": "replaced-by"}]),
        ),
    );
    alice.sees_the_change();
    alice.ctrl('s');

    let said = alice.model.message.clone().unwrap_or_default();
    let (patient, case): (i64, i64) = Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT patient_id, meeting_case_id FROM tasks WHERE what = ?1",
            ["Book the video-EEG"],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()
        .unwrap()
        .unwrap_or_else(|| panic!("the task was not saved: {said}\n{}", alice.screen()));
    assert_eq!((patient, case), (kept.0, shown.id), "{said}");
    assert!(alice.typed().is_none(), "{said}");
}

/// TM-13 (guard): Alice and Bob tick the same checklist item of one patient, Bob's screen not
/// yet refreshed. Bob's Space means "ticked", as his screen showed it unticked: the item stays
/// ticked (never unticked by a toggle of what the file holds), and his save is said as a
/// colleague's change, not his.
#[test]
fn the_same_checklist_item_ticked_on_two_screens_stays_ticked() {
    let dir = TempDir::new().unwrap();
    let path = demo_file(&dir);
    let mrn: String = query(
        &path,
        "SELECT p.mrn FROM patients p JOIN assessments a ON a.patient_id = p.id
         WHERE a.status IN ('refractory', 'resistant', 'relapsed')
           AND a.detail LIKE '%\"key\":\"adherence\"%'
           AND NOT EXISTS (SELECT 1 FROM way_forward w WHERE w.patient_id = p.id)
         ORDER BY p.id DESC LIMIT 1",
        [],
    );
    let mut alice = User::new(&path, "dr.alice");
    let mut bob = User::new(&path, "dr.bob");
    for user in [&mut alice, &mut bob] {
        user.open_patient(&mrn);
        user.press('w');
        user.press('j');
        user.key(KeyCode::Tab);
    }
    let first = |user: &User| {
        let item = &user
            .model
            .way_forward
            .as_ref()
            .unwrap()
            .view
            .as_ref()
            .unwrap()
            .plan
            .checklist[0];
        (item.key.clone(), item.done)
    };
    let (key, done) = first(&alice);
    assert!(!done);
    assert_eq!(first(&bob).0, key);
    alice.press(' ');
    bob.press(' ');
    let done: bool = query(
        &path,
        "SELECT c.done FROM checklist_items c JOIN patients p ON p.id = c.patient_id
         WHERE p.mrn = ?1 AND c.key = ?2",
        [&mrn, &key],
    );
    let said = bob.model.message.clone().unwrap_or_default();
    assert!(done, "Bob's tick unticked Alice's: {said}");
    assert!(said.contains("already so, a colleague's change"), "{said}");
    bob.sees_the_change();
    assert!(first(&bob).1, "{}", bob.screen());
}
