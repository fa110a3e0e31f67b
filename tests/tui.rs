//! The dashboard driven as a user drives it — keys through the keymap, the worker's answers,
//! the screen drawn — without a terminal or threads: every request is answered in place by the
//! worker's own `handle`, and the frame is drawn into ratatui's `TestBackend`.
//!
//! Snapshots (insta) pin what a user sees at 80×24, 120×35 and 200×50; the other tests assert the
//! behaviour the snapshots cannot show: colours and symbols, every size without a panic, what a
//! review writes.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

#[path = "shared/sql.rs"]
mod sql;
use sql::sql_on;

use std::collections::VecDeque;

use chrono::NaiveDate;
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use refract::demo::{self, DemoOptions};
use refract::rules::Rules;
use refract::store::{OpenMode, Store};
use refract::tui::app;
use refract::tui::keymap::Keymap;
use refract::tui::model::{self, Model, Msg, RulesetName};
use refract::tui::purpose;
use refract::tui::state::Screen;
use refract::tui::state::patient::Tab;
use refract::tui::theme::Theme;
use refract::tui::{self as dashboard, Event, view, viewport_change, worker};
use tempfile::TempDir;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
}

/// One user at one terminal of `width`×`height`, on a fresh demo database.
struct Harness {
    _dir: TempDir,
    store: Store,
    rules: Rules,
    model: Model,
    keymap: Keymap,
    theme: Theme,
    width: u16,
    height: u16,
    /// Keys pressed so far (each character typed is one).
    keystrokes: usize,
}

impl Harness {
    fn new(patients: u64, width: u16, height: u16) -> Harness {
        Self::with_sql(patients, width, height, "")
    }

    /// A harness whose demo file had `sql` run on it before the dashboard opened.
    fn with_sql(patients: u64, width: u16, height: u16, sql: &str) -> Harness {
        Self::prepared(patients, width, height, |store, _, _| {
            sql_on(store).execute_batch(sql).unwrap();
        })
    }

    /// A harness whose demo file also holds the FHIR `bundle`, imported before the dashboard
    /// opened.
    fn with_bundle(patients: u64, width: u16, height: u16, bundle: &serde_json::Value) -> Harness {
        Self::prepared(patients, width, height, |store, rules, dir| {
            let file = dir.join("bundle.json");
            std::fs::write(&file, bundle.to_string()).unwrap();
            refract::import::import_paths(
                store,
                rules,
                &[file],
                today(),
                &refract::import::ImportOptions::default(),
                |_| {},
            )
            .unwrap();
        })
    }

    /// A harness whose demo file `prepare` changed before the dashboard opened.
    fn prepared(
        patients: u64,
        width: u16,
        height: u16,
        prepare: impl FnOnce(&mut Store, &Rules, &std::path::Path),
    ) -> Harness {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("demo.db");
        let rules = Rules::embedded().unwrap();
        let options = DemoOptions {
            patients,
            seed: 11,
            today: today(),
        };
        demo::create(&path, &options, &rules).unwrap();
        let store = Store::open(&path, OpenMode::MustExist, "dr.test").unwrap();
        // The list's "changed" column shows when a row was written: pin it for the snapshots.
        sql_on(&store)
            .execute("UPDATE patients SET updated_at = '2026-11-20 09:00:00'", [])
            .unwrap();
        let mut store = store;
        prepare(&mut store, &rules, dir.path());
        let area = Rect::new(0, 0, width, height);
        let viewport = usize::from(view::Areas::at_rest(area).list_rows.height);
        let mut model = Model::new(today(), RulesetName::all(&rules), viewport);
        // Clinical times on UTC's calendar, whatever the machine's zone: the snapshots are the
        // same everywhere (a test of another zone sets its own).
        model.zone = refract::domain::ShownZone::utc();
        let mut harness = Harness {
            _dir: dir,
            store,
            rules,
            model,
            keymap: Keymap::embedded().unwrap(),
            theme: Theme { color: true },
            width,
            height,
            keystrokes: 0,
        };
        let first = harness.model.start();
        harness.answer(first);
        harness
    }

    /// Answers requests (and the requests the answers lead to) until the screen is settled.
    fn answer(&mut self, requests: Vec<worker::Request>) {
        let mut queue: VecDeque<worker::Request> = requests.into();
        while let Some(request) = queue.pop_front() {
            let reply = worker::handle(&mut self.store, &self.rules, request, today());
            queue.extend(app::update(&mut self.model, Msg::Reply(reply)));
            // As the dashboard's loop does after each message: keys typed ahead of this
            // answer are applied now.
            let area = Rect::new(0, 0, self.width, self.height);
            queue.extend(dashboard::release_held(&mut self.model, &self.keymap, area));
        }
    }

    fn event(&mut self, event: TermEvent) {
        if matches!(event, TermEvent::Key(_)) {
            self.keystrokes += 1;
        }
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

    /// A key pressed while the worker has not answered yet: the requests it sent wait for
    /// [`Harness::answer`], as a busy machine or a burst of keys makes them wait.
    fn key_ahead(&mut self, code: KeyCode) -> Vec<worker::Request> {
        self.keystrokes += 1;
        let area = Rect::new(0, 0, self.width, self.height);
        let event = TermEvent::Key(KeyEvent::new(code, KeyModifiers::NONE));
        let mut requests = Vec::new();
        for msg in dashboard::translate(&self.model, &self.keymap, Event::Terminal(event), area) {
            requests.extend(app::update(&mut self.model, msg));
        }
        requests
    }

    /// Keys typed ahead, none answered until the last was pressed.
    fn keys_ahead(&mut self, codes: &[KeyCode]) {
        let mut requests = Vec::new();
        for code in codes {
            requests.extend(self.key_ahead(*code));
        }
        self.answer(requests);
    }

    fn key(&mut self, code: KeyCode) {
        self.event(TermEvent::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    fn press(&mut self, c: char) {
        self.key(KeyCode::Char(c));
    }

    fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.press(c);
        }
    }

    /// Ctrl-S: saves text of several lines (a note).
    fn save_text(&mut self) {
        self.event(TermEvent::Key(KeyEvent::new(
            KeyCode::Char('s'),
            KeyModifiers::CONTROL,
        )));
    }

    fn resize(&mut self, width: u16, height: u16) {
        self.width = width;
        self.height = height;
        self.event(TermEvent::Resize(width, height));
    }

    fn buffer(&self) -> Buffer {
        let mut terminal = Terminal::new(TestBackend::new(self.width, self.height)).unwrap();
        terminal
            .draw(|frame| view::render(&self.model, &self.keymap, self.theme, frame))
            .unwrap();
        terminal.backend().buffer().clone()
    }

    /// The screen as text, one line per row, trailing blanks trimmed.
    fn screen(&self) -> String {
        text_of(&self.buffer())
    }
}

fn text_of(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in area.y..area.y + area.height {
        let mut line = String::new();
        for x in area.x..area.x + area.width {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Where `needle` first starts on screen at or below `from_row`, as (column, row).
fn find(buffer: &Buffer, needle: &str, from_row: u16) -> Option<(u16, u16)> {
    let area = buffer.area;
    for y in from_row..area.y + area.height {
        let cells: Vec<&str> = (area.x..area.x + area.width)
            .map(|x| buffer[(x, y)].symbol())
            .collect();
        for start in 0..cells.len() {
            let mut joined = String::new();
            for symbol in &cells[start..] {
                joined.push_str(symbol);
                if joined.len() >= needle.len() {
                    break;
                }
            }
            if joined.starts_with(needle) {
                return Some((area.x + start as u16, y));
            }
        }
    }
    None
}

#[test]
fn patient_list_at_80_by_24() {
    let harness = Harness::new(300, 80, 24);
    insta::assert_snapshot!(harness.screen());
}

#[test]
fn patient_list_at_120_by_35_and_200_by_50() {
    let mut harness = Harness::new(300, 120, 35);
    insta::assert_snapshot!("patient_list_120x35", harness.screen());
    harness.resize(200, 50);
    insta::assert_snapshot!("patient_list_200x50", harness.screen());
}

#[test]
fn patient_screen_at_every_size() {
    let mut harness = Harness::new(300, 80, 24);
    harness.key(KeyCode::Enter);
    assert_eq!(harness.model.screen, Screen::Patient);
    insta::assert_snapshot!("patient_80x24", harness.screen());
    harness.resize(120, 35);
    insta::assert_snapshot!("patient_120x35", harness.screen());
    harness.resize(200, 50);
    insta::assert_snapshot!("patient_200x50", harness.screen());
}

/// The sizes every screen is pinned at: a default terminal, a common laptop window and a big
/// shared screen.
const SIZES: [(u16, u16); 3] = [(80, 24), (120, 35), (200, 50)];

#[test]
fn every_tab_of_the_patient_screen() {
    let mut harness = Harness::new(300, 80, 24);
    // A patient with treatment lines (the first rows are status epilepticus episodes).
    harness.press('/');
    harness.type_text("Berg");
    harness.key(KeyCode::Enter);
    harness.key(KeyCode::Enter);
    assert_eq!(harness.model.screen, Screen::Patient);
    harness.press('n');
    harness.type_text("Seen with her husband; seizure diary brought");
    harness.save_text();
    // The note was written now, by the clock: its time is not part of the snapshot.
    let note_time: Option<String> = sql_on(&harness.store)
        .query_row(
            "SELECT substr(at, 1, 16) FROM notes ORDER BY id DESC LIMIT 1",
            [],
            |row| row.get(0),
        )
        .ok()
        .map(|at: String| at.replace('T', " "));
    assert!(note_time.is_some(), "the note was saved");
    // Every tab, by the model's own list: a tab added later is drawn too, and each snapshot
    // is taken on the tab it is named after.
    for tab in Tab::ALL {
        let name = tab.title().to_lowercase();
        assert_eq!(
            harness.model.patient.as_ref().map(|p| p.tab),
            Some(tab),
            "Tab reaches {name}"
        );
        for (width, height) in SIZES {
            harness.resize(width, height);
            let screen = match &note_time {
                Some(time) => harness.screen().replace(time.as_str(), "[now]"),
                None => harness.screen(),
            };
            let screen = without_os_account(&screen);
            insta::assert_snapshot!(format!("tab_{name}_{width}x{height}"), screen);
        }
        harness.key(KeyCode::Tab);
    }
}

#[test]
fn overview_and_help() {
    let mut harness = Harness::new(300, 80, 24);
    harness.press('o');
    assert_eq!(harness.model.screen, Screen::Overview);
    for (width, height) in SIZES {
        harness.resize(width, height);
        insta::assert_snapshot!(format!("overview_{width}x{height}"), harness.screen());
    }
    harness.press('?');
    for (width, height) in SIZES {
        harness.resize(width, height);
        insta::assert_snapshot!(format!("help_{width}x{height}"), harness.screen());
    }
}

#[test]
fn filter_and_sort_menus() {
    let mut harness = Harness::new(300, 80, 24);
    harness.press('f');
    for (width, height) in SIZES {
        harness.resize(width, height);
        insta::assert_snapshot!(format!("filter_{width}x{height}"), harness.screen());
    }
    harness.key(KeyCode::Esc);
    harness.press('s');
    for (width, height) in SIZES {
        harness.resize(width, height);
        insta::assert_snapshot!(format!("sort_{width}x{height}"), harness.screen());
    }
}

#[test]
fn the_status_column_carries_a_symbol_and_a_word_in_colour_and_without() {
    let mut harness = Harness::new(300, 120, 40);
    let buffer = harness.buffer();
    let table = view::Areas::at_rest(buffer.area).list_rows.y;
    let (x, y) =
        find(&buffer, "▲ refractory", table).expect("a refractory row on the first screen");
    assert_eq!(buffer[(x, y)].fg, Color::Indexed(166));
    assert!(
        buffer[(x, y)]
            .modifier
            .contains(ratatui::style::Modifier::BOLD)
    );

    harness.theme = Theme { color: false };
    let plain = harness.buffer();
    let (x, y) = find(&plain, "▲ refractory", table).expect("the words stay without colour");
    assert_eq!(plain[(x, y)].fg, Color::Reset, "NO_COLOR: no colour at all");
    for status in ["△ resistant", "? insufficient", "· not refractory"] {
        assert!(
            find(&plain, status, 0).is_some(),
            "{status} on the counts line"
        );
    }
}

#[test]
fn the_selected_row_is_marked_by_more_than_colour() {
    let mut harness = Harness::new(300, 120, 40);
    harness.theme = Theme { color: false };
    let buffer = harness.buffer();
    let first_row = view::Areas::at_rest(Rect::new(0, 0, 120, 40)).list_rows.y;
    assert!(
        buffer[(2, first_row)]
            .modifier
            .contains(ratatui::style::Modifier::REVERSED),
        "the selection is reversed, visible on a monochrome screen"
    );
}

/// The row under the selection, drawn reversed: its line on screen, if it is drawn.
fn selected_line(buffer: &Buffer, rows: Rect) -> Option<u16> {
    (rows.y..rows.y + rows.height).find(|&y| {
        buffer[(2, y)]
            .modifier
            .contains(ratatui::style::Modifier::REVERSED)
    })
}

#[test]
fn the_list_pages_by_the_rows_it_draws_while_a_search_is_typed() {
    let mut harness = Harness::new(300, 120, 40);
    harness.theme = Theme { color: false };
    let area = Rect::new(0, 0, 120, 40);
    let at_rest = view::Areas::at_rest(area).list_rows;
    assert_eq!(harness.model.viewport, usize::from(at_rest.height));
    // The selection on the last row drawn.
    for _ in 1..at_rest.height {
        harness.press('j');
    }
    assert_eq!(
        selected_line(&harness.buffer(), at_rest),
        Some(at_rest.y + at_rest.height - 1)
    );
    // The prompt line takes a row from the list: the selection stays drawn, and a click lands
    // on the row drawn under it.
    harness.press('/');
    let typing = view::Areas::of(area, &harness.model).list_rows;
    assert_eq!(typing.height + 1, at_rest.height);
    assert_eq!(harness.model.viewport, usize::from(typing.height));
    let buffer = harness.buffer();
    let line = selected_line(&buffer, typing).expect("the selected row is still on screen");
    assert_eq!(
        usize::from(line - typing.y),
        harness.model.list.selected - harness.model.list.top
    );
    harness.key(KeyCode::Enter);
    assert_eq!(harness.model.viewport, usize::from(at_rest.height));
}

// The dashboard's loop answers a request only after it has re-read the viewport (the reply is
// an event of its own); `Harness::answer` answers before. These keep the loop's order.
impl Harness {
    fn answer_as_the_loop_does(&mut self, requests: Vec<worker::Request>) {
        let area = Rect::new(0, 0, self.width, self.height);
        let mut queue: VecDeque<worker::Request> = requests.into();
        while let Some(request) = queue.pop_front() {
            let reply = worker::handle(&mut self.store, &self.rules, request, today());
            queue.extend(app::update(&mut self.model, Msg::Reply(reply)));
            // As the dashboard's loop does after each message: keys typed ahead of this
            // answer are applied now.
            queue.extend(dashboard::release_held(&mut self.model, &self.keymap, area));
            if let Some(msg) = viewport_change(&self.model, area) {
                queue.extend(app::update(&mut self.model, msg));
            }
        }
    }

    fn key_as_the_loop_does(&mut self, code: KeyCode) {
        let area = Rect::new(0, 0, self.width, self.height);
        let event = TermEvent::Key(KeyEvent::new(code, KeyModifiers::NONE));
        let mut requests = Vec::new();
        for msg in dashboard::translate(&self.model, &self.keymap, Event::Terminal(event), area) {
            requests.extend(app::update(&mut self.model, msg));
        }
        if let Some(msg) = viewport_change(&self.model, area) {
            requests.extend(app::update(&mut self.model, msg));
        }
        self.answer_as_the_loop_does(requests);
    }
}

#[test]
fn a_scrolled_tab_says_there_is_more_above() {
    // Ten observations in a terminal of twelve rows for the tab.
    let mut harness = Harness::new(300, 80, 16);
    harness.press('/');
    harness.type_text("Berg");
    harness.key(KeyCode::Enter);
    harness.key(KeyCode::Enter);
    while harness.model.patient.as_ref().map(|p| p.tab) != Some(Tab::Observations) {
        harness.key(KeyCode::Tab);
    }
    let screen = harness.screen();
    assert!(screen.contains("↓ more (j)"), "{screen}");
    assert!(!screen.contains("↑ more (k)"), "{screen}");
    harness.press('j');
    harness.press('j');
    let screen = harness.screen();
    assert!(screen.contains("↑ more (k)"), "{screen}");
}

#[test]
fn g_goes_back_to_the_first_row_of_the_list() {
    for rows in [11, 300] {
        let mut harness = Harness::new(rows, 120, 40);
        for _ in 0..4 {
            harness.press('j');
        }
        assert_eq!(harness.model.list.position(), Some(4));
        harness.press('g');
        assert_eq!(harness.model.list.position(), Some(0), "{rows} patients");
        harness.press('G');
        harness.key(KeyCode::Home);
        assert_eq!(harness.model.list.position(), Some(0), "{rows} patients");
    }
}

#[test]
fn escape_on_a_typed_search_leaves_the_list_pageable_to_its_end() {
    let mut harness = Harness::new(300, 120, 40);
    let everyone = harness.model.list.total().unwrap();
    harness.key_as_the_loop_does(KeyCode::Char('/'));
    harness.key_as_the_loop_does(KeyCode::Char('a'));
    harness.key_as_the_loop_does(KeyCode::Esc);
    assert_eq!(harness.model.list.total(), Some(everyone));
    assert!(
        !harness.model.list.at_end,
        "{} rows of {everyone} loaded, and the list thinks it has ended",
        harness.model.list.rows.len()
    );
    for _ in 0..100 {
        harness.key_as_the_loop_does(KeyCode::Char('j'));
    }
    assert_eq!(harness.model.list.position(), Some(100));
}

#[test]
fn a_rationale_saved_on_the_prompt_line_leaves_the_list_pageable_to_its_end() {
    let mut harness = Harness::new(300, 120, 40);
    let everyone = harness.model.list.total().unwrap();
    let flagged = harness
        .model
        .list
        .rows
        .iter()
        .position(|row| row.status.is_some())
        .expect("a row with an assessment");
    for _ in 0..flagged {
        harness.key_as_the_loop_does(KeyCode::Char('j'));
    }
    harness.key_as_the_loop_does(KeyCode::Enter);
    assert_eq!(harness.model.screen, Screen::Patient);
    harness.key_as_the_loop_does(KeyCode::Char('x'));
    assert!(harness.model.input.is_some(), "{}", harness.screen());
    for c in "seen by neurology".chars() {
        harness.key_as_the_loop_does(KeyCode::Char(c));
    }
    harness.key_as_the_loop_does(KeyCode::Enter);
    assert!(harness.model.input.is_none(), "{}", harness.screen());
    harness.key_as_the_loop_does(KeyCode::Esc);
    assert_eq!(harness.model.screen, Screen::Patients);
    assert!(
        !harness.model.list.at_end,
        "{} rows of {everyone} loaded, and the list thinks it has ended",
        harness.model.list.rows.len()
    );
}

#[test]
fn a_prompt_on_the_patient_screen_does_not_scroll_the_list_behind_it() {
    let mut harness = Harness::new(300, 120, 40);
    let rows = harness.model.viewport;
    for _ in 1..rows {
        harness.press('j');
    }
    assert_eq!(harness.model.list.top, 0);
    harness.key(KeyCode::Enter);
    assert_eq!(harness.model.screen, Screen::Patient);
    harness.press('x'); // a rationale: on the prompt line
    let prompted = harness.model.input.is_some();
    harness.key(KeyCode::Esc);
    harness.key(KeyCode::Esc);
    assert_eq!(harness.model.screen, Screen::Patients);
    assert!(prompted, "the patient had no assessment to dismiss");
    assert_eq!(
        harness.model.list.top, 0,
        "the list scrolled behind the patient screen"
    );
}

/// Reaches a screen from the patient list by its keys, then draws it at every size from 1×1 to
/// 300×100: each small size (where layouts run out of room first) and the extremes, then sizes
/// sampled by proptest (`PROPTEST_CASES` changes how many; a failure is shrunk to the smallest
/// size that still panics). Small sizes are drawn both as the first frame after the resize and
/// before the model has heard of it, as a terminal can.
fn renders_at_every_size(
    name: &str,
    patients: u64,
    keys: &[KeyCode],
    reached: &dyn Fn(&Model) -> bool,
) {
    use proptest::test_runner::{Config, TestRunner};

    let mut harness = Harness::new(patients, 120, 40);
    for code in keys {
        harness.key(*code);
    }
    // The keys must reach what the case is named after, or a layout is never drawn at all.
    assert!(
        reached(&harness.model),
        "{name}: the keys did not reach it (screen {:?}, popup {}, input {})",
        harness.model.screen,
        harness.model.popup.is_some(),
        harness.model.input.is_some()
    );
    let draw = |harness: &mut Harness, width: u16, height: u16, resize: bool| {
        let drawn = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            if resize {
                harness.resize(width, height);
            } else {
                harness.width = width;
                harness.height = height;
            }
            let _ = harness.buffer();
        }));
        assert!(drawn.is_ok(), "{name} panicked at {width}×{height}");
    };
    for height in 1..=10 {
        draw(&mut harness, 20, height, true);
        for width in 1..=20 {
            draw(&mut harness, width, height, false);
        }
    }
    for (width, height) in [(1, 1), (1, 100), (300, 1), (300, 100)] {
        draw(&mut harness, width, height, true);
    }
    let harness = std::cell::RefCell::new(harness);
    let mut runner = TestRunner::new(Config {
        cases: 12,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&(1u16..=300, 1u16..=100), |(width, height)| {
            let mut harness = harness.borrow_mut();
            harness.resize(width, height);
            let _ = harness.buffer();
            Ok(())
        })
        .unwrap_or_else(|failure| panic!("{name}: {failure}"));
}

/// `key` pressed `times` times.
fn repeated(key: KeyCode, times: usize) -> Vec<KeyCode> {
    vec![key; times]
}

#[test]
fn every_list_screen_renders_at_every_size() {
    use KeyCode::{Char, Enter, Tab};
    renders_at_every_size("welcome (no patients)", 0, &[], &|model| {
        model.empty_database
    });
    let cases: Vec<(&str, Vec<KeyCode>, Reached)> = vec![
        ("patients", vec![], on(Screen::Patients)),
        (
            "search input",
            vec![Char('/'), Char('B'), Char('e')],
            input_on(Screen::Patients),
        ),
        ("filter menu", vec![Char('f')], popup_on(Screen::Patients)),
        ("sort menu", vec![Char('s')], popup_on(Screen::Patients)),
        (
            "help on the list",
            vec![Char('?')],
            popup_on(Screen::Patients),
        ),
        (
            "masked list",
            vec![Char('M')],
            Box::new(|model: &Model| model.screen == Screen::Patients && model.masked),
        ),
        ("end of the list", vec![Char('G')], on(Screen::Patients)),
        ("overview", vec![Char('o')], on(Screen::Overview)),
        (
            "help on the overview",
            vec![Char('o'), Char('?')],
            popup_on(Screen::Overview),
        ),
        ("meetings", vec![Char('m')], on(Screen::Meetings)),
        ("a meeting", vec![Char('m'), Enter], on(Screen::Meeting)),
        (
            "a meeting, next tab",
            vec![Char('m'), Enter, Tab],
            on(Screen::Meeting),
        ),
        (
            "a meeting, opened further",
            vec![Char('m'), Enter, Enter],
            Box::new(|model: &Model| model.screen != Screen::Meetings),
        ),
    ];
    for (name, keys, reached) in cases {
        renders_at_every_size(name, 40, &keys, &*reached);
    }
}

#[test]
fn every_patient_screen_renders_at_every_size() {
    use KeyCode::{Char, Enter};
    let patient = |more: &[KeyCode]| [&[Enter][..], more].concat();
    let tabs = |n: usize| patient(&repeated(KeyCode::Tab, n));
    let cases: Vec<(&str, Vec<KeyCode>, Reached)> = vec![
        ("timeline", patient(&[]), patient_tab(Tab::Timeline)),
        ("lines", tabs(1), patient_tab(Tab::Lines)),
        ("observations", tabs(2), patient_tab(Tab::Observations)),
        ("notes", tabs(3), patient_tab(Tab::Notes)),
        ("tasks", tabs(4), patient_tab(Tab::Tasks)),
        ("history", tabs(5), patient_tab(Tab::History)),
        (
            "timeline zoomed in",
            patient(&repeated(Char('+'), 12)),
            timeline(|zoom, _| zoom > 0),
        ),
        (
            "timeline zoomed out",
            patient(&repeated(Char('-'), 12)),
            timeline(|zoom, _| zoom == 0),
        ),
        (
            // Panning needs a zoom: at zoom 0 the whole record is shown and `h` is ignored.
            "timeline panned",
            patient(&[repeated(Char('+'), 3), repeated(Char('h'), 12)].concat()),
            timeline(|_, pan| pan > 0),
        ),
        (
            "masked",
            [&[Char('M')][..], &patient(&[])].concat(),
            Box::new(|model: &Model| model.screen == Screen::Patient && model.masked),
        ),
        (
            "rationale input",
            patient(&[Char('c'), Char('x')]),
            input_on(Screen::Patient),
        ),
        (
            "note input",
            patient(&[Char('n'), Char('n')]),
            input_on(Screen::Patient),
        ),
        ("help", patient(&[Char('?')]), popup_on(Screen::Patient)),
        ("way forward", patient(&[Char('w')]), on(Screen::WayForward)),
        (
            "way forward, last step",
            patient(&[Char('w'), Char('j'), Char('j'), Char('j')]),
            Box::new(|model: &Model| {
                model.screen == Screen::WayForward
                    && model.way_forward.as_ref().is_some_and(|w| w.step == 3)
            }),
        ),
        (
            "way forward, next tab",
            patient(&[Char('w'), Char('j'), Char('j'), KeyCode::Tab]),
            on(Screen::WayForward),
        ),
    ];
    for (name, keys, reached) in cases {
        renders_at_every_size(name, 40, &keys, &*reached);
    }
}

#[test]
fn search_narrows_the_list_as_you_type_and_escape_clears_it() {
    let mut harness = Harness::new(300, 120, 40);
    let everyone = harness.model.list.total().unwrap();
    let family = harness.model.list.rows[0].family_name.clone();
    harness.press('/');
    harness.type_text(&family);
    let found = harness.model.list.total().unwrap();
    assert!(found >= 1 && found < everyone, "{found} of {everyone}");
    assert!(
        harness
            .model
            .list
            .rows
            .iter()
            .all(|row| row.family_name == family || row.given_name.contains(&family))
    );
    harness.key(KeyCode::Esc);
    assert_eq!(harness.model.list.total(), Some(everyone));
}

#[test]
fn filter_menu_shows_only_the_chosen_status() {
    let mut harness = Harness::new(300, 120, 40);
    harness.press('f');
    harness.key(KeyCode::Enter); // status: refractory
    harness.key(KeyCode::Esc);
    let rows = &harness.model.list.rows;
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|row| row.status == Some(refract::domain::AssessmentStatus::Refractory))
    );
    assert!(harness.screen().contains("filter: status=refractory"));
}

#[test]
fn a_confirmation_needs_a_rationale_and_lands_in_the_history() {
    let mut harness = Harness::new(300, 120, 40);
    harness.press('f');
    harness.press('j');
    harness.press('j');
    harness.press('j');
    harness.key(KeyCode::Enter); // unreviewed flags only
    harness.key(KeyCode::Esc);
    harness.key(KeyCode::Enter);
    assert_eq!(harness.model.screen, Screen::Patient);
    harness.press('c');
    if harness.model.popup.is_some() {
        // Confounders still open: confirmed anyway.
        harness.key(KeyCode::Down);
        harness.key(KeyCode::Enter);
    }
    harness.key(KeyCode::Enter); // empty rationale: refused
    assert!(harness.model.input.is_some(), "still asking for the reason");
    harness.type_text("Adherence checked with the pharmacy; refer on");
    harness.key(KeyCode::Enter);
    assert!(harness.model.input.is_none());
    let screen = harness.screen();
    assert!(screen.contains("confirmed"), "{screen}");
    harness.key(KeyCode::BackTab); // history
    let history = harness.screen();
    assert!(history.contains("dr.test"), "{history}");
    assert!(
        history.contains("Adherence checked with the pharmacy"),
        "{history}"
    );
}

#[test]
fn masking_hides_names_and_record_numbers_everywhere() {
    let mut harness = Harness::new(300, 160, 48);
    let name = harness.model.list.rows[0].family_name.clone();
    let mrn = harness.model.list.rows[0].mrn.clone();
    harness.press('M');
    let list = harness.screen();
    assert!(!list.contains(&name) && !list.contains(&mrn), "{list}");
    assert!(list.contains("identity masked"));
    harness.key(KeyCode::Enter);
    let patient = harness.screen();
    assert!(
        !patient.contains(&name) && !patient.contains(&mrn),
        "{patient}"
    );
}

#[test]
fn a_masked_search_finds_record_numbers_only_and_shows_dots() {
    let mut harness = Harness::new(300, 160, 48);
    let family = harness.model.list.rows[5].family_name.clone();
    let mrn = harness.model.list.rows[5].mrn.clone();
    harness.press('M');
    harness.press('/');
    harness.type_text(&family);
    // A surname picks nobody out of the masked rows, and is not on the screen.
    assert_eq!(harness.model.list.total(), Some(0), "{}", harness.screen());
    let screen = harness.screen();
    assert!(!screen.contains(&family), "{screen}");
    assert!(
        screen.contains(&"•".repeat(family.chars().count())),
        "{screen}"
    );
    assert!(screen.contains("names are not searched"), "{screen}");
    harness.key(KeyCode::Enter);
    assert!(!harness.screen().contains(&family), "{}", harness.screen());

    // An MRN does.
    harness.press('/');
    harness.key(KeyCode::Esc);
    harness.press('/');
    harness.type_text(&mrn);
    assert_eq!(harness.model.list.total(), Some(1), "{}", harness.screen());
    assert!(!harness.screen().contains(&mrn));
    harness.key(KeyCode::Enter);

    // Shown again, the search in progress is the plain one again.
    harness.press('M');
    assert!(
        harness.screen().contains(&format!("/{mrn}")),
        "{}",
        harness.screen()
    );
    harness.press('/');
    harness.key(KeyCode::Esc);
    harness.press('/');
    harness.type_text(&family);
    assert!(harness.model.list.total().unwrap() >= 1);
    assert!(harness.screen().contains(&family));
    // Masking again runs the same search by MRN only.
    harness.key(KeyCode::Enter);
    harness.press('M');
    assert_eq!(harness.model.list.total(), Some(0), "{}", harness.screen());
}

#[test]
fn the_end_of_a_large_list_is_reached_without_loading_it_all() {
    let mut harness = Harness::new(2_000, 120, 40);
    harness.press('G');
    let total = harness.model.list.total().unwrap();
    assert_eq!(harness.model.list.position(), Some(total - 1));
    assert!(
        harness.model.list.rows.len() < 1_000,
        "a window, not the list"
    );
    assert!(
        harness
            .screen()
            .contains(&format!("row {total} of {total}").replace("2000", "2,000"))
    );
    harness.press('g');
    assert_eq!(harness.model.list.position(), Some(0));
}

#[test]
fn an_empty_database_opens_on_the_welcome_screen() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("empty.db");
    let mut store = Store::open(&path, OpenMode::CreateIfMissing, "dr.test").unwrap();
    let rules = Rules::embedded().unwrap();
    let mut model = Model::new(today(), RulesetName::all(&rules), 30);
    let mut queue: VecDeque<worker::Request> = model.start().into();
    while let Some(request) = queue.pop_front() {
        let reply = worker::handle(&mut store, &rules, request, today());
        queue.extend(app::update(&mut model, Msg::Reply(reply)));
    }
    let keymap = Keymap::embedded().unwrap();
    for (width, height) in SIZES {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal
            .draw(|frame| view::render(&model, &keymap, Theme { color: true }, frame))
            .unwrap();
        let screen = text_of(terminal.backend().buffer());
        assert!(screen.contains("refract import"), "{screen}");
        assert!(screen.contains("refract demo"), "{screen}");
        insta::assert_snapshot!(format!("welcome_{width}x{height}"), screen);
    }
}

#[test]
fn the_readme_key_table_matches_the_keymap() {
    let keymap: toml::Table = toml::from_str(include_str!("../assets/keymap.toml")).unwrap();
    let readme = include_str!("../README.md");
    for binding in keymap["binding"].as_array().unwrap() {
        let keys: Vec<String> = binding["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|key| format!("`{}`", key.as_str().unwrap()))
            .collect();
        let context = match binding["context"].as_str().unwrap() {
            "global" => "any",
            other => other,
        };
        let row = format!(
            "| {context} | {} | {} |",
            keys.join(" "),
            binding["help"].as_str().unwrap()
        );
        assert!(readme.contains(&row), "README.md lacks the row: {row}");
    }
}

/// Opens the patient with this MRN from the list (search, keep, open).
fn open_patient(harness: &mut Harness, mrn: &str) {
    harness.press('/');
    harness.type_text(mrn);
    harness.key(KeyCode::Enter);
    harness.key(KeyCode::Enter);
    assert_eq!(harness.model.screen, Screen::Patient);
}

fn mrn_where(harness: &Harness, sql: &str) -> String {
    sql_on(&harness.store)
        .query_row(sql, [], |row| row.get(0))
        .unwrap()
}

#[test]
fn way_forward_screen_at_both_sizes_on_every_step() {
    let mut harness = Harness::new(300, 80, 24);
    // A patient whose options board the demo filled: step 3 in progress.
    let mrn = mrn_where(
        &harness,
        "SELECT p.mrn FROM patients p JOIN way_forward w ON w.patient_id = p.id
         WHERE w.step = 3 AND w.status = 'in_progress' ORDER BY p.id LIMIT 1",
    );
    open_patient(&mut harness, &mrn);
    harness.press('w');
    assert_eq!(harness.model.screen, Screen::WayForward);
    // It opens on the first step still to do (step 3 here); `g` goes to step 1.
    assert_eq!(harness.model.way_forward.as_ref().unwrap().step, 2);
    harness.press('g');
    for step in 1..=4 {
        for (width, height) in SIZES {
            harness.resize(width, height);
            insta::assert_snapshot!(
                format!("way_forward_step{step}_{width}x{height}"),
                harness.screen()
            );
        }
        harness.press('j');
    }
    // The options board with an option selected shows where it comes from.
    harness.press('k');
    harness.key(KeyCode::Tab);
    harness.resize(160, 48);
    let screen = harness.screen();
    assert!(screen.contains("Source:"), "{screen}");
    assert!(screen.contains("recommended"), "{screen}");
    // Esc goes back to the patient.
    harness.key(KeyCode::Esc);
    assert_eq!(harness.model.screen, Screen::Patient);
}

#[test]
fn way_forward_edits_are_checked_saved_and_audited() {
    let mut harness = Harness::new(300, 100, 30);
    // A flagged patient the demo gave no way forward.
    let mrn = mrn_where(
        &harness,
        "SELECT p.mrn FROM patients p JOIN assessments a ON a.patient_id = p.id
         WHERE a.status IN ('refractory', 'resistant', 'relapsed')
           AND NOT EXISTS (SELECT 1 FROM way_forward w WHERE w.patient_id = p.id)
         ORDER BY p.id DESC LIMIT 1",
    );
    open_patient(&mut harness, &mrn);
    harness.press('w');
    assert!(harness.screen().contains("○ to do"));

    // Step 1 cannot be done before a specialist has seen the patient: refused, nothing saved.
    harness.press('s');
    harness.press('j');
    harness.press('j');
    harness.key(KeyCode::Enter);
    let screen = harness.screen();
    assert!(
        screen.contains("not saved: step 1 is done once a referral is marked seen"),
        "{screen}"
    );
    let steps = |harness: &Harness| -> i64 {
        sql_on(&harness.store)
            .query_row(
                "SELECT count(*) FROM way_forward w JOIN patients p ON p.id = w.patient_id
                 WHERE p.mrn = ?1",
                [&mrn],
                |row| row.get(0),
            )
            .unwrap()
    };
    assert_eq!(steps(&harness), 0);

    // A referral to the first suggested specialty, then moved on to "seen" with space.
    harness.press('a');
    harness.key(KeyCode::Enter);
    harness.type_text("Dr Okafor");
    harness.key(KeyCode::Enter);
    assert_eq!(steps(&harness), 4, "the first record starts the four steps");
    harness.key(KeyCode::Tab);
    harness.press(' ');
    harness.press(' ');
    assert!(harness.screen().contains("seen"));
    // Seen by the specialist: step 1 is done by itself, and says so.
    assert!(harness.screen().contains("● done"), "{}", harness.screen());
    assert!(
        harness.screen().contains("step 1 is done by itself"),
        "{}",
        harness.screen()
    );
    harness.key(KeyCode::Tab);

    // Step 2: tick the first checklist item; notes over two lines, saved with Ctrl-S.
    harness.press('j');
    harness.key(KeyCode::Tab);
    harness.press(' ');
    harness.key(KeyCode::Tab);
    harness.press('n');
    harness.type_text("Video-EEG booked");
    harness.key(KeyCode::Enter);
    harness.type_text("Levels requested");
    harness.event(TermEvent::Key(KeyEvent::new(
        KeyCode::Char('s'),
        KeyModifiers::CONTROL,
    )));
    // Step 3: a clinical trial by registry id.
    harness.press('j');
    harness.press('a');
    harness.type_text("nct01234567");
    harness.key(KeyCode::Enter);
    harness.type_text("A phase 3 trial");
    harness.key(KeyCode::Enter);
    harness.key(KeyCode::Tab);
    harness.press('G');
    let screen = harness.screen();
    assert!(screen.contains("NCT01234567"), "{screen}");
    assert!(screen.contains("candidate"), "{screen}");

    let (notes, ticked, trial): (String, i64, String) = sql_on(&harness.store)
        .query_row(
            "SELECT w.notes,
                    (SELECT count(*) FROM checklist_items c WHERE c.patient_id = p.id AND c.done),
                    (SELECT registry_id FROM options o WHERE o.patient_id = p.id)
             FROM patients p JOIN way_forward w ON w.patient_id = p.id
             WHERE p.mrn = ?1 AND w.step = 2",
            [&mrn],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .unwrap();
    assert_eq!(notes, "Video-EEG booked\nLevels requested");
    assert_eq!(ticked, 1);
    assert_eq!(trial, "NCT01234567");
    let audited: i64 = sql_on(&harness.store)
        .query_row(
            "SELECT count(*) FROM audit_log a JOIN patients p ON p.id = a.patient_id
             WHERE p.mrn = ?1 AND a.who = 'dr.test'",
            [&mrn],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(
        audited, 7,
        "referral add, 2 moves, step 1, tick, notes, trial"
    );

    // Masked, the way forward shows no MRN.
    harness.press('M');
    assert!(!harness.screen().contains(&mrn));
}

#[test]
fn meetings_agenda_and_presentation_at_both_sizes() {
    let mut harness = Harness::new(300, 80, 24);
    harness.press('m');
    assert_eq!(harness.model.screen, Screen::Meetings);
    for (width, height) in SIZES {
        harness.resize(width, height);
        insta::assert_snapshot!(format!("meetings_{width}x{height}"), harness.screen());
    }
    // The upcoming meeting is listed first (newest first).
    harness.key(KeyCode::Enter);
    assert_eq!(harness.model.screen, Screen::Meeting);
    assert!(harness.model.masked, "a meeting opens with identity masked");
    for (width, height) in SIZES {
        harness.resize(width, height);
        insta::assert_snapshot!(format!("agenda_{width}x{height}"), harness.screen());
    }
    harness.key(KeyCode::Enter);
    assert_eq!(harness.model.screen, Screen::Presenting);
    let case = harness
        .model
        .meeting
        .as_ref()
        .unwrap()
        .selected_case()
        .unwrap()
        .clone();
    for (width, height) in SIZES {
        harness.resize(width, height);
        let screen = harness.screen();
        // Masked: initials, age and sex; never the MRN, the name or the birth date.
        assert!(!screen.contains(&case.mrn), "{screen}");
        assert!(!screen.contains(&case.family_name), "{screen}");
        if let Some(born) = case.birth_date {
            assert!(!screen.contains(&born.to_string()), "{screen}");
        }
        insta::assert_snapshot!(format!("presentation_{width}x{height}"), screen);
    }
}

#[test]
fn a_case_without_a_question_cannot_be_presented() {
    let mut harness = Harness::new(300, 100, 30);
    harness.press('m');
    harness.key(KeyCode::Enter);
    let view = harness
        .model
        .meeting
        .as_ref()
        .unwrap()
        .view
        .clone()
        .unwrap();
    let without = view
        .detail
        .cases
        .iter()
        .position(|c| c.case.question.trim().is_empty())
        .expect("the demo's upcoming agenda has a case without a question");
    for _ in 0..without {
        harness.press('j');
    }
    harness.key(KeyCode::Enter);
    assert_eq!(harness.model.screen, Screen::Meeting);
    assert!(harness.screen().contains("no clinical question"));
    // Writing the question makes it presentable.
    harness.press('e');
    harness.type_text("Next line: CAR T-cell therapy or a bispecific?");
    harness.key(KeyCode::Enter);
    harness.key(KeyCode::Enter);
    assert_eq!(harness.model.screen, Screen::Presenting);
    assert!(
        harness
            .screen()
            .contains("CAR T-cell therapy or a bispecific?")
    );
}

#[test]
fn the_decision_tasks_and_time_are_saved_while_the_case_is_on_screen() {
    let mut harness = Harness::new(300, 120, 40);
    harness.press('m');
    harness.key(KeyCode::Enter);
    harness.key(KeyCode::Enter);
    assert_eq!(harness.model.screen, Screen::Presenting);
    let case_id = harness
        .model
        .meeting
        .as_ref()
        .unwrap()
        .selected_case()
        .unwrap()
        .case
        .id;
    // The decision: a category, the option (when the board has any), the words.
    harness.press('d');
    harness.press('j');
    harness.key(KeyCode::Enter);
    if matches!(harness.model.popup, Some(model::Popup::Choose { .. })) {
        harness.key(KeyCode::Enter);
    }
    harness.type_text("Refer for trial screening");
    harness.key(KeyCode::Enter);
    harness.press('t');
    harness.type_text("Send the referral letter");
    harness.key(KeyCode::Tab);
    harness.type_text("Dr Okafor");
    harness.key(KeyCode::Tab);
    harness.type_text("2026-12-10");
    harness.key(KeyCode::Enter);
    harness.press('b');
    // Twenty seconds on screen: written every fifteen, the rest when the case is left.
    for _ in 0..20 {
        let requests = app::update(&mut harness.model, Msg::Tick);
        harness.answer(requests);
    }
    harness.key(KeyCode::Esc);
    assert_eq!(harness.model.screen, Screen::Meeting);

    let (category, text, comes_back, seconds): (String, String, bool, i64) = sql_on(&harness.store)
        .query_row(
            "SELECT outcome_category, outcome_text, comes_back, presented_seconds
             FROM meeting_cases WHERE id = ?1",
            [case_id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .unwrap();
    assert_eq!(category, "trial_referral");
    assert_eq!(text, "Refer for trial screening");
    assert!(comes_back);
    assert!(seconds >= 20, "{seconds}");
    let (what, owner, due): (String, String, String) = sql_on(&harness.store)
        .query_row(
            "SELECT what, owner, due FROM tasks WHERE meeting_case_id = ?1",
            [case_id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (what.as_str(), owner.as_str(), due.as_str()),
        ("Send the referral letter", "Dr Okafor", "2026-12-10")
    );
    let audited: i64 = sql_on(&harness.store)
        .query_row(
            "SELECT count(*) FROM audit_log WHERE who = 'dr.test' AND action LIKE 'case.%' OR action = 'task.add'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert!(audited >= 3, "{audited}");
}

#[test]
fn a_patient_joins_the_next_agenda_from_the_list() {
    let mut harness = Harness::new(300, 100, 30);
    let before: i64 = sql_on(&harness.store)
        .query_row("SELECT count(*) FROM meeting_cases", [], |row| row.get(0))
        .unwrap();
    harness.press('G');
    harness.press('A');
    assert!(
        harness.screen().contains(" to the agenda of"),
        "{}",
        harness.screen()
    );
    let after: i64 = sql_on(&harness.store)
        .query_row("SELECT count(*) FROM meeting_cases", [], |row| row.get(0))
        .unwrap();
    assert_eq!(after, before + 1);
    // The same patient twice is refused, with the reason on the status line.
    harness.press('A');
    assert!(
        harness
            .screen()
            .contains("not saved: this patient is already on the agenda"),
        "{}",
        harness.screen()
    );
}

/// Every cell of `buffer` free of what a terminal acts on or hides: control characters, bidi
/// controls, zero-width characters.
fn assert_cells_safe(buffer: &Buffer, what: &str) {
    for cell in &buffer.content {
        assert!(
            !cell.symbol().chars().any(|c| c.is_control()
                || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
                    | '\u{2066}'..='\u{2069}' | '\u{feff}')),
            "{what}: cell {:?}",
            cell.symbol()
        );
    }
}

#[test]
fn a_hostile_name_reaches_the_screen_as_plain_text() {
    let mut harness = Harness::new(60, 100, 30);
    sql_on(&harness.store)
        .execute(
            "UPDATE patients SET family_name = ?1, given_name = ?2, name_key = 'aaa'
             WHERE id = (SELECT min(id) FROM patients)",
            [
                "Evil\u{1b}]0;owned\u{7}\u{1b}[2Json",
                "\u{202e}nnA\u{202c}\u{200b}\u{2066}x\u{2069}",
            ],
        )
        .unwrap();
    harness.press('/');
    harness.type_text("aaa");
    harness.key(KeyCode::Enter);
    assert_cells_safe(&harness.buffer(), "the list");
    assert!(
        harness.screen().contains("Evil]0;owned[2Json"),
        "{}",
        harness.screen()
    );
    harness.key(KeyCode::Enter);
    assert_eq!(harness.model.screen, Screen::Patient);
    assert_cells_safe(&harness.buffer(), "the patient screen");
}

// Issue 19: the clinician at the keyboard.

/// A flagged patient the demo gave no way forward, with the confounder `key` open.
fn flagged_with_confounder(harness: &Harness, key: &str) -> String {
    sql_on(&harness.store)
        .query_row(
            "SELECT p.mrn FROM patients p JOIN assessments a ON a.patient_id = p.id
             WHERE a.status IN ('refractory', 'resistant', 'relapsed')
               AND a.detail LIKE '%\"key\":\"' || ?1 || '\"%'
               AND NOT EXISTS (SELECT 1 FROM way_forward w WHERE w.patient_id = p.id)
             ORDER BY p.id DESC LIMIT 1",
            [key],
            |row| row.get(0),
        )
        .unwrap()
}

/// The way-forward checklist as the screen holds it: (key, ticked) per row.
fn checklist_rows(harness: &Harness) -> Vec<(String, bool)> {
    harness
        .model
        .way_forward
        .as_ref()
        .unwrap()
        .view
        .as_ref()
        .unwrap()
        .plan
        .checklist
        .iter()
        .map(|item| (item.key.clone(), item.done))
        .collect()
}

/// Opens step 2's checklist of a flagged patient with an open adherence confounder.
fn open_checklist(harness: &mut Harness) -> String {
    let mrn = flagged_with_confounder(harness, "adherence");
    open_patient(harness, &mrn);
    harness.press('w');
    harness.press('j');
    harness.key(KeyCode::Tab);
    mrn
}

#[test]
fn checklist_rows_keep_their_place_when_ticked_and_unticked() {
    let mut harness = Harness::new(300, 120, 35);
    open_checklist(&mut harness);
    let before = checklist_rows(&harness);
    assert!(before.len() >= 3, "{before:?}");
    assert!(before.iter().all(|(_, done)| !done), "{before:?}");
    // A confounder ticked is resolved and leaves the assessment: its row must not move.
    harness.press(' ');
    let after = checklist_rows(&harness);
    assert_eq!(
        after.iter().map(|(k, _)| k).collect::<Vec<_>>(),
        before.iter().map(|(k, _)| k).collect::<Vec<_>>(),
        "rows keep their place"
    );
    assert!(after[0].1, "the row ticked is ticked: {after:?}");
    // Space again on the same row unticks the same item.
    harness.press(' ');
    let again = checklist_rows(&harness);
    assert_eq!(again[0].0, before[0].0);
    assert!(!again[0].1, "{again:?}");
    assert_eq!(
        again.iter().filter(|(_, done)| *done).count(),
        0,
        "{again:?}"
    );
    assert!(
        harness.screen().contains("unticked:"),
        "{}",
        harness.screen()
    );
}

#[test]
fn recording_how_a_check_was_resolved_ticks_it() {
    let mut harness = Harness::new(300, 120, 35);
    let mrn = open_checklist(&mut harness);
    let key = checklist_rows(&harness)[0].0.clone();
    harness.key(KeyCode::Enter);
    harness.type_text("Pharmacy refill record: 95 % of doses");
    harness.key(KeyCode::Enter);
    let (done, detail): (bool, String) = sql_on(&harness.store)
        .query_row(
            "SELECT c.done, c.detail FROM checklist_items c JOIN patients p ON p.id = c.patient_id
             WHERE p.mrn = ?1 AND c.key = ?2",
            [&mrn, &key],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert_eq!(detail, "Pharmacy refill record: 95 % of doses");
    assert!(done, "resolving an item ticks it");
    let screen = harness.screen();
    assert!(screen.contains("saved: ticked:"), "{screen}");
}

#[test]
fn status_messages_say_what_was_changed() {
    let mut harness = Harness::new(300, 140, 40);
    let mrn = flagged_with_confounder(&harness, "adherence");
    open_patient(&mut harness, &mrn);
    harness.press('w');
    // Step 3: an option put on the table, then the patient's preference.
    harness.press('j');
    harness.press('j');
    harness.key(KeyCode::Tab);
    harness.press(' ');
    harness.press('v');
    // Picked from a list that opens on the preference as it is ("not known yet").
    harness.press('j');
    harness.key(KeyCode::Enter);
    let message = harness.model.message.clone().unwrap_or_default();
    assert!(
        message.contains("preference is wants"),
        "the preference, not the stance: {message}"
    );
    // A trial moved on with Space says where it now stands.
    harness.press('a');
    harness.type_text("NCT01234567");
    harness.key(KeyCode::Enter);
    harness.type_text("A phase 3 trial");
    harness.key(KeyCode::Enter);
    harness.press('G');
    harness.press(' ');
    let message = harness.model.message.clone().unwrap_or_default();
    assert!(message.contains("trial screening"), "{message}");
    assert!(!message.contains("proposed"), "{message}");
}

#[test]
fn the_presentation_autosave_never_replaces_a_persons_message() {
    let mut harness = Harness::new(300, 120, 40);
    harness.press('m');
    harness.key(KeyCode::Enter);
    harness.key(KeyCode::Enter);
    assert_eq!(harness.model.screen, Screen::Presenting);
    harness.press('b');
    let said = harness.model.message.clone().unwrap();
    assert!(said.starts_with("saved:"), "{said}");
    for _ in 0..16 {
        let requests = app::update(&mut harness.model, Msg::Tick);
        harness.answer(requests);
    }
    assert_eq!(harness.model.message.as_deref(), Some(said.as_str()));
    // The time was written all the same.
    let seconds: i64 = sql_on(&harness.store)
        .query_row(
            "SELECT max(presented_seconds) FROM meeting_cases",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert!(seconds >= 15, "{seconds}");
}

#[test]
fn masking_is_one_state_for_the_meeting_screens_and_initials_read_the_same_everywhere() {
    let mut harness = Harness::new(300, 120, 35);
    // The meetings screen can be on the shared display: it opens masked, open tasks included.
    harness.press('m');
    assert!(harness.model.masked);
    let screen = harness.screen();
    assert!(!harness.model.meetings.tasks.is_empty());
    for row in &harness.model.meetings.tasks {
        assert!(!screen.contains(&row.mrn), "{screen}");
        assert!(!screen.contains(&row.name), "{screen}");
    }
    // Back to the list, still masked: the same initials as the agenda writes them.
    harness.key(KeyCode::Enter);
    let case = harness
        .model
        .meeting
        .as_ref()
        .unwrap()
        .selected_case()
        .unwrap()
        .clone();
    let written = refract::domain::initials(&case.given_name, &case.family_name);
    assert!(written.contains(". "), "{written}");
    assert!(harness.screen().contains(&written), "{}", harness.screen());
    harness.key(KeyCode::Esc);
    harness.key(KeyCode::Esc);
    assert_eq!(harness.model.screen, Screen::Patients);
    assert!(harness.model.masked, "one state: still masked on the list");
    let row = harness.model.list.rows[0].clone();
    let initials = refract::domain::initials(&row.given_name, &row.family_name);
    assert!(harness.screen().contains(&initials), "{}", harness.screen());
    assert!(!harness.screen().contains(&row.family_name));
}

#[test]
fn a_long_mrn_is_cut_with_an_ellipsis_and_found_by_its_prefix() {
    let mut harness = Harness::new(300, 160, 35);
    sql_on(&harness.store)
        .execute(
            "UPDATE patients SET mrn = '641f6ec3-9c2d-4e8a-b7f1-0c55d2a9e6b1'
             WHERE id = (SELECT min(id) FROM patients)",
            [],
        )
        .unwrap();
    harness.press('/');
    harness.type_text("641f6ec3-9c");
    assert_eq!(harness.model.list.rows.len(), 1);
    // Where there is room the MRN column takes the whole MRN; where not, it is cut with "…".
    let screen = harness.screen();
    assert!(
        screen.contains("641f6ec3-9c2d-4e8a-b7f1-0c55d2a9e6b1"),
        "{screen}"
    );
    harness.resize(80, 24);
    let screen = harness.screen();
    assert!(!screen.contains("0c55d2a9e6b1"), "{screen}");
    assert!(
        screen.contains("641f6ec3-9") && screen.contains('…'),
        "{screen}"
    );
}

/// The last row of the screen: the footer.
fn footer_of(harness: &Harness) -> String {
    harness
        .screen()
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn the_footer_always_shows_help_and_ends_with_quit_on_every_screen_at_80_columns() {
    let mut harness = Harness::new(300, 80, 24);
    let footer = footer_of(&harness);
    assert!(footer.contains("? help"), "{footer}");
    assert!(footer.trim_end().ends_with("q quit"), "{footer}");
    assert!(footer.contains("/ search"), "most used first: {footer}");
    let mrn = mrn_where(
        &harness,
        "SELECT p.mrn FROM patients p JOIN way_forward w ON w.patient_id = p.id
         WHERE w.step = 3 AND w.status = 'in_progress' ORDER BY p.id LIMIT 1",
    );
    open_patient(&mut harness, &mrn);
    assert!(
        footer_of(&harness).contains("? help"),
        "{}",
        footer_of(&harness)
    );
    harness.press('w');
    let footer = footer_of(&harness);
    assert!(footer.contains("? help"), "{footer}");
    harness.resize(200, 50);
    let footer = footer_of(&harness);
    for key in ["O owner", "d due", "p stance", "v preference"] {
        assert!(footer.contains(key), "way forward shows {key}: {footer}");
    }
    harness.resize(80, 24);
    harness.key(KeyCode::Esc);
    harness.key(KeyCode::Esc);
    harness.press('m');
    assert!(footer_of(&harness).contains("? help"));
    harness.key(KeyCode::Enter);
    assert!(footer_of(&harness).contains("? help"));
    harness.key(KeyCode::Enter);
    assert_eq!(harness.model.screen, Screen::Presenting);
    assert!(footer_of(&harness).contains("? help"));
    harness.resize(200, 50);
    let footer = footer_of(&harness);
    for key in ["b comes back", "f follow-up", "e question"] {
        assert!(
            footer.contains(key),
            "the presentation shows {key}: {footer}"
        );
    }
}

#[test]
fn help_lists_the_symbols_of_the_screen_too() {
    let mut harness = Harness::new(300, 120, 40);
    harness.press('?');
    let screen = harness.screen();
    assert!(screen.contains("▲ refractory"), "{screen}");
    assert!(screen.contains("! a step or task overdue"), "{screen}");
    assert!(
        screen.contains("A  agenda") || screen.contains("A  "),
        "{screen}"
    );
    harness.key(KeyCode::Esc);
    harness.key(KeyCode::Enter);
    harness.press('?');
    let screen = harness.screen();
    assert!(screen.contains("◆ procedure"), "{screen}");
    assert!(screen.contains("▶ ongoing"), "{screen}");
}

/// The list marks a diagnosis no rule set recognises "? RA", and "?" is also the status
/// "insufficient data": the help tells the two apart, at 80x24 too (where it scrolls).
#[test]
fn help_tells_the_unrecognised_condition_mark_from_the_status() {
    let mut harness = Harness::new(300, 80, 24);
    harness.press('?');
    let mut seen = harness.screen();
    for _ in 0..40 {
        harness.press('j');
        seen.push_str(&harness.screen());
    }
    assert!(seen.contains("? insufficient"), "{seen}");
    assert!(
        seen.contains("? RA condition in words no rule set recognises"),
        "{seen}"
    );
}

#[test]
fn one_patient_is_one_patient() {
    let mut harness = Harness::new(300, 80, 24);
    harness.press('/');
    harness.type_text("RF-0000123");
    let title = harness.screen().lines().next().unwrap().to_owned();
    assert!(title.trim_end().ends_with("─ 1 patient"), "{title}");
    assert!(!title.contains("1 patients"), "{title}");
}

#[test]
fn the_assessment_title_keeps_its_review_apart_at_80_columns() {
    let mut harness = Harness::new(300, 80, 24);
    harness.key(KeyCode::Enter);
    let screen = harness.screen();
    let title = screen
        .lines()
        .find(|l| l.contains("suspected"))
        .unwrap()
        .to_owned();
    assert!(
        ["· confirmed", "· unreviewed", "· dismissed"]
            .iter()
            .any(|r| title.contains(&format!("suspected {r}"))),
        "{title}"
    );
}

#[test]
fn a_wrapped_note_keeps_its_indent() {
    let mut harness = Harness::new(300, 80, 24);
    harness.key(KeyCode::Enter);
    harness.press('n');
    harness.type_text(
        "Discussed with the family: they want to hear about surgery first and will come back \
         with questions after the video-EEG admission next month",
    );
    harness.save_text();
    while harness.model.patient.as_ref().unwrap().tab != Tab::Notes {
        harness.key(KeyCode::Tab);
    }
    let screen = harness.screen();
    let first = screen
        .lines()
        .position(|l| l.contains("Discussed with the family"))
        .unwrap();
    let next = screen.lines().nth(first + 1).unwrap();
    assert!(next.starts_with("   come back"), "{screen}");
}

#[test]
fn help_scrolls_to_its_end_at_80_by_24() {
    let mut harness = Harness::new(300, 80, 24);
    harness.press('?');
    assert!(harness.screen().contains("↓ more"), "{}", harness.screen());
    for _ in 0..40 {
        harness.press('j');
    }
    let screen = harness.screen();
    assert!(screen.contains("▲ refractory"), "{screen}");
    assert!(screen.contains("Flags are suspicions"), "{screen}");
    assert!(!screen.contains("↓ more"), "{screen}");
    harness.key(KeyCode::Esc);
    assert!(harness.model.popup.is_none());
}

#[test]
fn minutes_are_written_from_the_meeting_screen_and_latest_is_the_meeting_that_started() {
    let mut harness = Harness::new(300, 120, 40);
    harness.press('m');
    harness.key(KeyCode::Enter);
    let meeting = harness.model.meeting.as_ref().unwrap().id;
    // Entered for a time still to come, but held now: a case presented and decided.
    sql_on(&harness.store)
        .execute(
            "UPDATE meetings SET starts_at = '2099-01-01 13:00:00' WHERE id = ?1",
            [meeting],
        )
        .unwrap();
    harness.key(KeyCode::Enter);
    assert_eq!(harness.model.screen, Screen::Presenting);
    harness.press('d');
    harness.key(KeyCode::Enter);
    if matches!(harness.model.popup, Some(model::Popup::Choose { .. })) {
        harness.key(KeyCode::Enter);
    }
    harness.type_text("Continue the current plan");
    harness.key(KeyCode::Enter);
    harness.key(KeyCode::Esc);
    assert_eq!(harness.model.screen, Screen::Meeting);
    let now = chrono::Local::now().naive_local();
    assert_eq!(
        harness.store.latest_meeting_id(now).unwrap(),
        Some(meeting),
        "a meeting with a case decided has started"
    );
    let dir = TempDir::new().unwrap();
    for name in ["minutes.md", "minutes.html"] {
        let path = dir.path().join(name);
        harness.press('W');
        assert!(harness.screen().contains("write the minutes to"));
        harness.event(TermEvent::Key(KeyEvent::new(
            KeyCode::Char('u'),
            KeyModifiers::CONTROL,
        )));
        harness.type_text(path.to_str().unwrap());
        harness.key(KeyCode::Enter);
        let message = harness.model.message.clone().unwrap_or_default();
        assert!(message.starts_with("minutes written to"), "{message}");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("Present"), "{text}");
        assert!(!text.contains("Expected"), "{text}");
        assert!(text.contains("Continue the current plan"));
        assert_eq!(name.ends_with("html"), text.contains("<html"), "{name}");
    }
    // A file that exists is never overwritten.
    harness.press('W');
    harness.event(TermEvent::Key(KeyEvent::new(
        KeyCode::Char('u'),
        KeyModifiers::CONTROL,
    )));
    harness.type_text(dir.path().join("minutes.md").to_str().unwrap());
    harness.key(KeyCode::Enter);
    let message = harness.model.message.clone().unwrap_or_default();
    assert!(message.starts_with("minutes not written"), "{message}");
    // review team T9: the dashboard has no --force; it says what to do here.
    assert!(!message.contains("--force"), "{message}");
    assert!(message.contains("W again with a new name"), "{message}");
}

#[test]
fn observations_show_rounded_values_plain_units_and_coded_words() {
    let mut harness = Harness::new(300, 120, 35);
    let id = harness.model.list.rows[0].id;
    for (obs, code, display, value, value_code, unit) in [
        (
            9001,
            "1920-8",
            "AST",
            Some(37.641_822_630_744_44),
            None,
            Some("U/L"),
        ),
        (
            9002,
            "44261-6",
            "PHQ-9 total score",
            Some(22.0),
            None,
            Some("{score}"),
        ),
        (
            9003,
            "72166-2",
            "Tobacco smoking status",
            None,
            Some("266919005"),
            None,
        ),
    ] {
        sql_on(&harness.store)
            .execute(
                "INSERT INTO observations (patient_id, id, code, display, value, value_code, unit, effective)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, '2026-11-26 09:00:00')",
                rusqlite::params![id, obs, code, display, value, value_code, unit],
            )
            .unwrap();
    }
    harness.key(KeyCode::Enter);
    while harness.model.patient.as_ref().unwrap().tab != Tab::Observations {
        harness.key(KeyCode::Tab);
    }
    let screen = harness.screen();
    assert!(screen.contains("37.6 U/L"), "{screen}");
    assert!(screen.contains("never smoked tobacco"), "{screen}");
    assert!(!screen.contains("{score}"), "{screen}");
    assert!(!screen.contains("266919005"), "{screen}");
}

#[test]
fn history_reads_as_sentences_with_the_raw_rows_one_key_away() {
    let mut harness = Harness::new(300, 120, 35);
    let mrn = flagged_with_confounder(&harness, "adherence");
    open_patient(&mut harness, &mrn);
    harness.press('w');
    harness.press('O');
    harness.type_text("Dr C. Reyes");
    harness.key(KeyCode::Enter);
    harness.key(KeyCode::Esc);
    harness.press('n');
    harness.type_text("Family meeting booked");
    harness.save_text();
    while harness.model.patient.as_ref().unwrap().tab != Tab::History {
        harness.key(KeyCode::Tab);
    }
    let screen = harness.screen();
    assert!(
        screen.contains("dr.test added a note: 'Family meeting booked'"),
        "{screen}"
    );
    assert!(
        screen.contains("dr.test made Dr C. Reyes the owner of step 1 (Specialist care)"),
        "{screen}"
    );
    assert!(!screen.contains("way_forward.step"), "{screen}");
    assert!(!screen.contains("{\""), "{screen}");
    harness.press('i');
    let screen = harness.screen();
    assert!(screen.contains("note.add"), "{screen}");
    assert!(screen.contains("way_forward.step"), "{screen}");
    harness.press('i');
    assert!(!harness.screen().contains("note.add"));
}

/// The first patient whose only assessment is of `ruleset`.
fn patient_of(harness: &Harness, ruleset: &str) -> (i64, String) {
    sql_on(&harness.store)
        .query_row(
            "SELECT p.id, p.mrn FROM patients p JOIN assessments a ON a.patient_id = p.id
             WHERE a.ruleset = ?1
               AND (SELECT count(*) FROM assessments b WHERE b.patient_id = p.id) = 1
             ORDER BY p.id LIMIT 1",
            [ruleset],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap()
}

fn set_observations(
    harness: &Harness,
    patient: i64,
    codes: &[&str],
    rows: &[(&str, &str, f64, &str)],
) {
    for code in codes {
        sql_on(&harness.store)
            .execute(
                "DELETE FROM observations WHERE patient_id = ?1 AND code = ?2",
                rusqlite::params![patient, code],
            )
            .unwrap();
    }
    for (index, (code, at, value, unit)) in rows.iter().enumerate() {
        sql_on(&harness.store)
            .execute(
                "INSERT INTO observations (patient_id, id, code, display, value, unit, effective)
                 VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6)",
                rusqlite::params![patient, 9100 + index as i64, code, value, unit, at],
            )
            .unwrap();
    }
}

#[test]
fn the_timeline_draws_measures_on_their_clinical_scale_with_unit_and_latest_value() {
    let mut harness = Harness::new(300, 120, 35);
    // PHQ-9 22 → 17 is still severe: drawn high on 0–27, not full → empty.
    let (patient, mrn) = patient_of(&harness, "depression");
    set_observations(
        &harness,
        patient,
        &["44261-6"],
        &[
            ("44261-6", "2026-01-10 09:00:00", 22.0, "{score}"),
            ("44261-6", "2026-08-10 09:00:00", 17.0, "{score}"),
        ],
    );
    open_patient(&mut harness, &mrn);
    let screen = harness.screen();
    let lane = screen
        .lines()
        .find(|l| l.contains("PHQ-9"))
        .unwrap_or_default()
        .to_owned();
    assert!(lane.contains("PHQ-9 17"), "{screen}");
    assert!(lane.contains("(0–27)"), "{lane}");
    // At 120×35 the track has grown to several rows: each reading's height, in eighths of a
    // row, is its place on 0–27 (22 and 17 both high), not on the two readings' own range.
    let heights = track_heights(&screen, "PHQ-9");
    assert_eq!(heights.len(), 2, "{screen}");
    let rows = track_rows(&screen, "PHQ-9");
    assert!(rows >= 3, "the track grows into the free rows: {screen}");
    let scale = f64::from(rows * 8 - 1);
    for (height, value) in heights.iter().zip([22.0, 17.0]) {
        let expected = (value / 27.0 * scale).round() + 1.0;
        assert!(
            (f64::from(*height) - expected).abs() <= 1.0,
            "{value} drawn {height} eighths of {rows} rows: {screen}"
        );
    }
    harness.key(KeyCode::Esc);
    harness.key(KeyCode::Esc);

    // Blood pressure: systolic/diastolic together, in mmHg, with the goal.
    let (patient, mrn) = patient_of(&harness, "hypertension");
    set_observations(
        &harness,
        patient,
        &["8480-6", "8462-4"],
        &[
            ("8480-6", "2026-10-01 09:00:00", 152.0, "mm[Hg]"),
            ("8462-4", "2026-10-01 09:00:00", 94.0, "mm[Hg]"),
        ],
    );
    open_patient(&mut harness, &mrn);
    let screen = harness.screen();
    let lane = screen
        .lines()
        .find(|l| l.contains("BP "))
        .unwrap_or_default()
        .to_owned();
    assert!(lane.contains("BP 152/94 mmHg"), "{screen}");
    assert!(lane.contains("goal <130/80"), "{lane}");
}

/// The measurement track's rows on screen: the row labelled `label` and those under it up to
/// the legend (or the border).
fn track_lines<'a>(screen: &'a str, label: &str) -> Vec<&'a str> {
    screen
        .lines()
        .skip_while(|l| !l.contains(label))
        .take_while(|l| !l.contains("ongoing") && !l.contains("today") && !l.starts_with('└'))
        .collect()
}

fn track_rows(screen: &str, label: &str) -> u32 {
    track_lines(screen, label).len() as u32
}

/// Each drawn column's height in eighths of a row, left to right, summed over the track's rows.
fn track_heights(screen: &str, label: &str) -> Vec<u32> {
    let rows: Vec<Vec<char>> = track_lines(screen, label)
        .iter()
        .map(|l| l.chars().collect())
        .collect();
    let label_end = rows.first().map_or(0, |row| {
        let text: String = row.iter().collect();
        let at = text.find(label).unwrap_or(0);
        text[..at].chars().count() + label.chars().count()
    });
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    let eighths = |c: char| match c {
        '▁' => 1,
        '▂' => 2,
        '▃' => 3,
        '▄' => 4,
        '▅' => 5,
        '▆' => 6,
        '▇' => 7,
        '█' => 8,
        _ => 0,
    };
    (label_end..width)
        .map(|column| {
            rows.iter()
                .map(|row| row.get(column).copied().map_or(0, eighths))
                .sum::<u32>()
        })
        .filter(|height| *height > 0)
        .collect()
}

/// The timeline's axis row on screen: no label is cut in two by the today marker.
fn assert_axis_whole(screen: &str, what: &str) {
    let axis = screen
        .lines()
        .find(|l| l.contains('╎'))
        .unwrap_or_default()
        .to_owned();
    let chars: Vec<char> = axis.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if *c == '╎' {
            let before = i.checked_sub(1).map(|j| chars[j]);
            let after = chars.get(i + 1);
            assert!(
                !(before.is_some_and(char::is_alphanumeric)
                    && after.is_some_and(|a| a.is_alphanumeric())),
                "{what}: {axis}"
            );
        }
    }
}

#[test]
fn the_presentation_timeline_axis_keeps_its_labels_whole() {
    let mut harness = Harness::new(300, 80, 24);
    harness.press('m');
    harness.key(KeyCode::Enter);
    harness.key(KeyCode::Enter);
    assert_eq!(harness.model.screen, Screen::Presenting);
    for (width, height) in SIZES {
        harness.resize(width, height);
        assert_axis_whole(&harness.screen(), &format!("{width}x{height}"));
    }
}

#[test]
fn the_timeline_axis_never_cuts_a_label_with_the_today_marker() {
    let mut harness = Harness::new(300, 80, 24);
    let mrn = mrn_where(
        &harness,
        "SELECT p.mrn FROM patients p JOIN treatment_lines l ON l.patient_id = p.id
         GROUP BY p.id HAVING count(*) >= 2 ORDER BY p.id LIMIT 1",
    );
    open_patient(&mut harness, &mrn);
    for (width, height) in SIZES {
        harness.resize(width, height);
        for zoom in 0..4 {
            let screen = harness.screen();
            let axis = screen
                .lines()
                .find(|l| l.contains('╎'))
                .unwrap_or_default()
                .to_owned();
            let chars: Vec<char> = axis.chars().collect();
            for (i, c) in chars.iter().enumerate() {
                if *c == '╎' {
                    let before = i.checked_sub(1).map(|j| chars[j]);
                    let after = chars.get(i + 1);
                    assert!(
                        !(before.is_some_and(char::is_alphanumeric)
                            && after.is_some_and(|a| a.is_alphanumeric())),
                        "zoom {zoom} at {width}: {axis}"
                    );
                }
            }
            assert!(!screen.contains("zoom zoom"), "{screen}");
            if zoom > 0 {
                assert!(
                    screen.contains(&format!("+/− zoom · now ×{}", 1 << zoom)),
                    "{screen}"
                );
            }
            harness.press('+');
        }
        for _ in 0..4 {
            harness.press('-');
        }
    }
}

#[test]
fn escape_clears_the_search_first_then_the_filters() {
    let mut harness = Harness::new(300, 80, 24);
    harness.press('f');
    harness.key(KeyCode::Enter);
    harness.key(KeyCode::Esc);
    assert!(harness.model.list.query.filter.status.is_some());
    harness.press('/');
    harness.type_text("RF-00001");
    harness.key(KeyCode::Enter);
    assert!(harness.model.list.query.filter.search.is_some());
    harness.key(KeyCode::Esc);
    assert!(harness.model.list.query.filter.search.is_none());
    assert!(
        harness.model.list.query.filter.status.is_some(),
        "the filter stays"
    );
    harness.key(KeyCode::Esc);
    assert!(harness.model.list.query.filter.status.is_none());
}

#[test]
fn a_patient_note_takes_several_lines() {
    let mut harness = Harness::new(300, 100, 30);
    harness.key(KeyCode::Enter);
    harness.press('n');
    harness.type_text("Seen with her husband");
    harness.key(KeyCode::Enter);
    harness.type_text("Seizure diary brought");
    harness.event(TermEvent::Key(KeyEvent::new(
        KeyCode::Char('s'),
        KeyModifiers::CONTROL,
    )));
    let text: String = sql_on(&harness.store)
        .query_row("SELECT text FROM notes ORDER BY id DESC LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(text, "Seen with her husband\nSeizure diary brought");
}

#[test]
fn the_tasks_tab_marks_a_task_done() {
    let mut harness = Harness::new(300, 100, 30);
    let mrn = mrn_where(
        &harness,
        "SELECT p.mrn FROM patients p JOIN tasks t ON t.patient_id = p.id
         WHERE t.status = 'open' GROUP BY p.id HAVING count(*) = 1 ORDER BY p.id LIMIT 1",
    );
    open_patient(&mut harness, &mrn);
    while harness.model.patient.as_ref().unwrap().tab != Tab::Tasks {
        harness.key(KeyCode::Tab);
    }
    assert!(harness.screen().contains("○ open") || harness.screen().contains("⚠ overdue"));
    let tasks = harness
        .model
        .patient
        .as_ref()
        .unwrap()
        .detail
        .as_ref()
        .unwrap()
        .summary
        .tasks
        .clone();
    let open_at = tasks
        .iter()
        .position(|t| t.status == refract::domain::TaskStatus::Open)
        .unwrap();
    for _ in 0..open_at {
        harness.press('j');
    }
    harness.press(' ');
    let open: i64 = sql_on(&harness.store)
        .query_row(
            "SELECT count(*) FROM tasks t JOIN patients p ON p.id = t.patient_id
             WHERE p.mrn = ?1 AND t.status = 'open'",
            [&mrn],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(open, 0, "{:?} {}", harness.model.message, harness.screen());
    assert!(harness.screen().contains("● done"), "{}", harness.screen());
}

/// `screen` with the OS account after "as unix user " masked letter for letter: the history
/// names the account the tests run under, which differs between machines.
fn without_os_account(screen: &str) -> String {
    const MARKER: &str = "as unix user ";
    let mut out = String::with_capacity(screen.len());
    let mut rest = screen;
    while let Some(at) = rest.find(MARKER) {
        out.push_str(&rest[..at + MARKER.len()]);
        let tail = &rest[at + MARKER.len()..];
        let name = tail.split(char::is_whitespace).next().unwrap_or("");
        out.extend(name.chars().map(|_| '*'));
        rest = &tail[name.len()..];
    }
    out.push_str(rest);
    out
}

type Reached = Box<dyn Fn(&Model) -> bool>;

fn on(screen: Screen) -> Reached {
    Box::new(move |model: &Model| {
        model.screen == screen && model.popup.is_none() && model.input.is_none()
    })
}

fn popup_on(screen: Screen) -> Reached {
    Box::new(move |model: &Model| model.screen == screen && model.popup.is_some())
}

fn input_on(screen: Screen) -> Reached {
    Box::new(move |model: &Model| model.screen == screen && model.input.is_some())
}

fn patient_tab(tab: Tab) -> Reached {
    Box::new(move |model: &Model| {
        model.screen == Screen::Patient && model.patient.as_ref().is_some_and(|p| p.tab == tab)
    })
}

fn timeline(check: fn(u8, i32) -> bool) -> Reached {
    Box::new(move |model: &Model| {
        model.screen == Screen::Patient
            && model
                .patient
                .as_ref()
                .is_some_and(|p| p.tab == Tab::Timeline && check(p.zoom, p.pan))
    })
}

/// Two demo patients who died: one on a known day (a flagged one, so that the list would show
/// them near the top), one on a day not recorded.
const TWO_DEATHS: &str = "
    UPDATE patients SET deceased = 1, deceased_date = '2025-03-01'
     WHERE id = (SELECT min(id) FROM patients WHERE list_status = 5);
    UPDATE patients SET deceased = 1
     WHERE id = (SELECT max(id) FROM patients WHERE list_status = 5);";

#[test]
fn a_file_whose_patients_all_died_is_no_empty_file() {
    // The welcome screen had said "no patients yet" of a file holding only the deceased, whom
    // the list hides: the team would have imported them again.
    let mut harness = Harness::with_sql(3, 80, 24, "UPDATE patients SET deceased = 1;");
    assert!(!harness.model.empty_database);
    let screen = harness.screen();
    assert!(!screen.contains("no patients yet"), "{screen}");
    assert!(screen.contains("† 3"), "{screen}");
    assert!(
        screen.contains("every patient in this file has died"),
        "{screen}"
    );
    harness.press('f');
    for _ in 0..5 {
        harness.key(KeyCode::Down);
    }
    harness.key(KeyCode::Enter);
    harness.key(KeyCode::Esc);
    assert_eq!(harness.model.list.total(), Some(3));
}

#[test]
fn the_list_hides_the_deceased_until_the_filter_shows_them() {
    let mut harness = Harness::with_sql(300, 160, 48, TWO_DEATHS);
    let (mrn, birth): (String, String) = sql_on(&harness.store)
        .query_row(
            "SELECT mrn, birth_date FROM patients WHERE deceased_date IS NOT NULL",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    let birth = NaiveDate::parse_from_str(&birth, "%Y-%m-%d").unwrap();
    let death = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
    let age = refract::domain::age_in_years(birth, death).unwrap();

    // Hidden by default, and the header says how many.
    assert_eq!(harness.model.list.total(), Some(298));
    let screen = harness.screen();
    assert!(screen.contains("† 2 deceased hidden"), "{screen}");
    harness.press('/');
    harness.type_text(&mrn);
    assert_eq!(harness.model.list.total(), Some(0));
    harness.key(KeyCode::Esc);

    // The filter shows them: the status column says when they died, the age is the age at
    // death.
    harness.press('f');
    for _ in 0..5 {
        harness.key(KeyCode::Down);
    }
    assert!(
        harness
            .screen()
            .contains("Deceased patients             hidden")
    );
    harness.key(KeyCode::Enter);
    assert!(
        harness
            .screen()
            .contains("Deceased patients             shown")
    );
    harness.key(KeyCode::Esc);
    assert_eq!(harness.model.list.total(), Some(300));
    let screen = harness.screen();
    assert!(screen.contains("filter: +deceased"), "{screen}");
    assert!(!screen.contains("deceased hidden"), "{screen}");
    harness.press('/');
    harness.type_text(&mrn);
    let screen = harness.screen();
    let row = screen
        .lines()
        .find(|line| line.contains(&mrn) && !line.contains(&format!("/{mrn}")))
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(row.starts_with("† died 2025-03-01"), "{row}");
    assert!(row.contains(&format!(" {age} ")), "{row}");

    // The patient screen: the header says it in words, the timeline ends at death.
    harness.key(KeyCode::Enter);
    harness.key(KeyCode::Enter);
    assert_eq!(harness.model.screen, Screen::Patient);
    let screen = harness.screen();
    assert!(
        screen.contains(&format!("† died 2025-03-01, aged {age}")),
        "{screen}"
    );
    assert!(screen.contains("† death"), "{screen}");
    assert!(!screen.contains("╎ today"), "{screen}");
    assert!(!screen.contains("▶ ongoing"), "{screen}");

    // Masked: the year of death alone, never the day.
    harness.press('M');
    let screen = harness.screen();
    assert!(
        screen.contains(&format!("† died 2025, aged {age}")),
        "{screen}"
    );
    assert!(!screen.contains("2025-03-01"), "{screen}");
    harness.key(KeyCode::Esc);
    let screen = harness.screen();
    assert!(screen.contains("† died 2025 "), "{screen}");
    assert!(!screen.contains("2025-03-01"), "{screen}");

    // Clearing the filters hides them again.
    harness.key(KeyCode::Esc);
    harness.key(KeyCode::Esc);
    assert_eq!(harness.model.list.total(), Some(298));
}

#[test]
fn a_deceased_case_is_presented_with_the_age_at_death() {
    let mut harness = Harness::with_sql(
        300,
        160,
        48,
        "UPDATE patients SET deceased = 1, deceased_date = '2026-10-01'
          WHERE id IN (SELECT patient_id FROM meeting_cases);",
    );
    harness.press('m');
    harness.key(KeyCode::Enter);
    harness.key(KeyCode::Enter);
    assert_eq!(harness.model.screen, Screen::Presenting);
    let case = harness
        .model
        .meeting
        .as_ref()
        .unwrap()
        .selected_case()
        .unwrap()
        .clone();
    let age = refract::domain::age_in_years(
        case.birth_date.unwrap(),
        NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
    )
    .unwrap();
    // Masked (the default on a shared screen): the year only.
    let screen = harness.screen();
    assert!(
        screen.contains(&format!(
            "{age} y, {}, † died 2026, aged {age}",
            case.sex.letter()
        )),
        "{screen}"
    );
    assert!(!screen.contains("2026-10-01"), "{screen}");
    harness.press('M');
    let screen = harness.screen();
    assert!(
        screen.contains(&format!("{} · † died 2026-10-01, aged {age}", case.mrn)),
        "{screen}"
    );
}

#[test]
fn the_overview_counts_the_living_as_the_list_shows_them() {
    let total = |sql: &str| -> u64 {
        let mut harness = Harness::with_sql(300, 120, 40, sql);
        harness.press('o');
        let data = harness.model.overview.data.clone().unwrap();
        data.rows
            .iter()
            .map(|row| row.by_rank.iter().sum::<u64>())
            .sum()
    };
    // Both patients who died had a condition (they are flagged ones): two fewer to act for.
    assert_eq!(total(TWO_DEATHS), total("") - 2);
}

#[test]
fn the_overview_shows_who_has_waited_and_opens_them() {
    let mut harness = Harness::new(300, 200, 40);
    harness.press('o');
    let screen = harness.screen();
    for title in ["met for", "wait >6 mo", "to referral"] {
        assert!(screen.contains(title), "{screen}");
    }
    let data = harness.model.overview.data.clone().unwrap();
    let (row_index, row) = data
        .rows
        .iter()
        .enumerate()
        .find(|(_, row)| row.waiting > 0)
        .expect("the demo has flags waiting for a specialist referral");
    for _ in 0..row_index {
        harness.key(KeyCode::Down);
    }
    // The waiting column: the eleventh number.
    for _ in 0..10 {
        harness.press('l');
    }
    harness.key(KeyCode::Enter);
    assert_eq!(harness.model.screen, Screen::Patients);
    let filter = &harness.model.list.query.filter;
    assert_eq!(
        filter.cohort,
        Some(refract::store::Cohort::Waiting {
            ruleset: row.ruleset.clone(),
            met_before: data.waiting_cutoff.unwrap(),
        })
    );
    assert_eq!(harness.model.list.total(), Some(row.waiting));
    assert!(
        harness.screen().contains("waiting="),
        "{}",
        harness.screen()
    );
}

#[test]
fn a_dismissed_flag_has_its_own_dimmed_mark_and_is_counted_apart() {
    let mut harness = Harness::new(300, 200, 50);
    let (mrn, dismissed): (String, i64) = sql_on(&harness.store)
        .query_row(
            "SELECT (SELECT mrn FROM patients WHERE list_review = 2 AND list_status >= 3
                     AND deceased = 0 ORDER BY id LIMIT 1),
                    (SELECT count(*) FROM patients WHERE list_review = 2 AND deceased = 0)",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert!(dismissed > 0, "the demo has dismissed flags");
    let header = harness.screen().lines().nth(1).unwrap().to_owned();
    assert!(
        header.contains(&format!("✕ dismissed {dismissed}")),
        "{header}"
    );
    harness.press('/');
    harness.type_text(&mrn);
    let screen = harness.screen();
    // The row: the one line holding the MRN that is neither the search nor the controls line.
    let lines: Vec<&str> = screen.lines().collect();
    let y = lines
        .iter()
        .position(|l| l.contains(&mrn) && !l.trim_start().starts_with('/') && !l.contains("sort:"))
        .unwrap();
    let row = lines[y];
    assert!(row.trim_start().starts_with('✕'), "{row}");
    assert!(row.contains("dismissed"), "{row}");
    // Dimmed, like every muted text: not in the colour of its status.
    let buffer = harness.buffer();
    let cell = &buffer[(0, y as u16)];
    assert_eq!(cell.style().fg, harness.theme.muted().fg, "{row}");
}

/// A task typed in a presentation whose due date is not one: the form keeps every field as
/// typed, says at the Due field why, and saves once it is corrected (issue 19, data entry).
#[test]
fn a_task_refused_for_its_date_keeps_everything_typed() {
    let mut harness = Harness::new(300, 120, 40);
    harness.press('m');
    harness.key(KeyCode::Enter);
    harness.key(KeyCode::Enter);
    assert_eq!(harness.model.screen, Screen::Presenting);
    harness.press('t');
    harness.type_text("Book MRI");
    // The cursor moves and edits where it stands.
    for _ in 0..3 {
        harness.key(KeyCode::Left);
    }
    harness.type_text("3T ");
    harness.key(KeyCode::Enter);
    harness.type_text("Dr C. Reyes");
    harness.key(KeyCode::Enter);
    harness.type_text("sometime soon");
    harness.key(KeyCode::Enter);
    let input = harness.model.input.clone().expect("the form stays open");
    assert_eq!(input.value(purpose::TASK_WHAT), "Book 3T MRI");
    assert_eq!(input.value(purpose::TASK_OWNER), "Dr C. Reyes");
    assert_eq!(input.value(purpose::DUE), "sometime soon");
    let screen = harness.screen();
    assert!(screen.contains("'sometime soon' is not a date"), "{screen}");
    assert!(screen.contains("Book 3T MRI"), "{screen}");
    let tasks = |harness: &Harness| -> i64 {
        sql_on(&harness.store)
            .query_row(
                "SELECT count(*) FROM tasks WHERE what = 'Book 3T MRI'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(tasks(&harness), 0);

    // Corrected in place: the date counted from today.
    harness.event(TermEvent::Key(KeyEvent::new(
        KeyCode::Char('u'),
        KeyModifiers::CONTROL,
    )));
    harness.type_text("+7d");
    harness.key(KeyCode::Enter);
    assert!(harness.model.input.is_none(), "{:?}", harness.model.input);
    let (owner, due): (String, String) = sql_on(&harness.store)
        .query_row(
            "SELECT owner, due FROM tasks WHERE what = 'Book 3T MRI'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(owner, "Dr C. Reyes");
    assert_eq!(due, (today() + chrono::Days::new(7)).to_string());
}

/// A task's owner is picked from the meeting's attendees with ↑↓; a due date in the past is
/// asked about once, then kept.
#[test]
fn a_tasks_owner_is_picked_and_a_past_date_is_asked_once() {
    let mut harness = Harness::new(300, 120, 40);
    harness.press('m');
    harness.key(KeyCode::Enter);
    harness.key(KeyCode::Enter);
    let attendees: Vec<String> = harness
        .model
        .meeting
        .as_ref()
        .and_then(|m| m.view.as_deref())
        .map(|v| v.detail.attendees.iter().map(|a| a.name.clone()).collect())
        .unwrap_or_default();
    assert!(attendees.len() >= 2, "the demo meeting has attendees");
    harness.press('t');
    harness.type_text("Repeat the EEG");
    harness.key(KeyCode::Tab);
    harness.key(KeyCode::Down);
    harness.key(KeyCode::Down);
    let input = harness.model.input.clone().expect("typing");
    assert_eq!(input.value(purpose::TASK_OWNER), attendees[1]);
    assert!(
        harness.screen().contains(&attendees[0]),
        "the choices are in sight"
    );
    harness.key(KeyCode::Tab);
    let yesterday = (today() - chrono::Days::new(1)).to_string();
    harness.type_text(&yesterday);
    harness.key(KeyCode::Enter);
    assert!(harness.model.input.is_some());
    assert!(
        harness.screen().contains("is in the past"),
        "{}",
        harness.screen()
    );
    harness.key(KeyCode::Enter);
    assert!(harness.model.input.is_none());
    let (owner, due): (String, String) = sql_on(&harness.store)
        .query_row(
            "SELECT owner, due FROM tasks WHERE what = 'Repeat the EEG'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((owner, due), (attendees[1].clone(), yesterday));
}

/// A paragraph pasted into a note lands whole at the cursor (bracketed paste), never as keys
/// that would save it at its first line break.
#[test]
fn a_pasted_paragraph_lands_in_the_note_whole() {
    let mut harness = Harness::new(40, 120, 40);
    harness.key(KeyCode::Enter);
    assert_eq!(harness.model.screen, Screen::Patient);
    harness.press('n');
    harness.type_text("Seen today.");
    harness.event(TermEvent::Paste(String::from(
        " Mother reports two seizures.\nLevels sent.",
    )));
    assert!(
        harness.model.input.is_some(),
        "a line break in a paste does not save"
    );
    harness.save_text();
    let text: String = sql_on(&harness.store)
        .query_row("SELECT text FROM notes ORDER BY id DESC LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(
        text,
        "Seen today. Mother reports two seizures.\nLevels sent."
    );
}

/// The team's stance is picked from a list: an option rejected goes straight from proposed to
/// rejected (with its reason), never through "recommended" in the audit log.
#[test]
fn a_stance_is_picked_and_a_rejection_never_passes_through_recommended() {
    let mut harness = Harness::new(300, 140, 40);
    let mrn = flagged_with_confounder(&harness, "adherence");
    open_patient(&mut harness, &mrn);
    harness.press('w');
    harness.press('j');
    harness.press('j');
    harness.key(KeyCode::Tab);
    harness.press(' ');
    harness.press('p');
    assert!(
        matches!(harness.model.popup, Some(model::Popup::Choose { .. })),
        "p opens the list of stances"
    );
    let screen = harness.screen();
    assert!(screen.contains("recommended"), "{screen}");
    harness.key(KeyCode::Down);
    harness.key(KeyCode::Down);
    harness.key(KeyCode::Enter);
    harness.type_text("Declined by the patient after discussion");
    harness.key(KeyCode::Enter);
    let (stance, reason): (String, String) = sql_on(&harness.store)
        .query_row(
            "SELECT o.stance, o.stance_reason FROM options o JOIN patients p ON p.id = o.patient_id
             WHERE p.mrn = ?1",
            [&mrn],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(stance, "rejected");
    assert_eq!(reason, "Declined by the patient after discussion");
    let recommended: i64 = sql_on(&harness.store)
        .query_row(
            "SELECT count(*) FROM audit_log a JOIN patients p ON p.id = a.patient_id
             WHERE p.mrn = ?1 AND a.entity = 'options' AND a.after LIKE '%recommended%'",
            [&mrn],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(recommended, 0, "no stop at recommended on the way");
}

/// `c` confirms only where the assessment is read (the Timeline tab), and confirming while
/// pseudo-resistance checks are still open asks first; "not yet" leaves nothing to type.
#[test]
fn confirming_with_open_confounders_asks_first() {
    let mut harness = Harness::new(300, 140, 40);
    let mrn = flagged_with_confounder(&harness, "adherence");
    open_patient(&mut harness, &mrn);
    let open_checks = |harness: &Harness| -> usize {
        let patient = harness.model.patient.as_ref().unwrap();
        patient.detail.as_ref().unwrap().summary.assessments[patient.assessment]
            .assessment
            .confounders
            .len()
    };
    for _ in 0..4 {
        if open_checks(&harness) > 0 {
            break;
        }
        harness.press('a');
    }
    let open = open_checks(&harness);
    assert!(open > 0, "the flagged assessment is on screen");

    // Away from the assessment, `c` says where it is and does nothing.
    harness.key(KeyCode::Tab);
    harness.press('c');
    assert!(harness.model.input.is_none() && harness.model.popup.is_none());
    let message = harness.model.message.clone().unwrap_or_default();
    assert!(message.contains("Timeline tab"), "{message}");
    harness.key(KeyCode::BackTab);
    assert_eq!(harness.model.patient.as_ref().unwrap().tab, Tab::Timeline);

    harness.press('c');
    let screen = harness.screen();
    assert!(screen.contains("still open: confirm anyway?"), "{screen}");
    harness.key(KeyCode::Enter);
    assert!(
        harness.model.input.is_none(),
        "'not yet' is the first choice"
    );
    harness.press('c');
    harness.key(KeyCode::Down);
    harness.key(KeyCode::Enter);
    assert!(
        matches!(
            harness.model.input.as_ref().map(|i| i.purpose),
            Some(purpose::InputPurpose::Patient(
                purpose::PatientPurpose::Rationale(_)
            ))
        ),
        "confirming anyway asks the rationale"
    );
}

/// A step whose work is recorded becomes done by itself, says so, and can be set back; the
/// screen opens on the first step still to do.
#[test]
fn a_step_whose_work_is_recorded_becomes_done_by_itself() {
    let mut harness = Harness::new(300, 140, 40);
    let mrn = flagged_with_confounder(&harness, "adherence");
    open_patient(&mut harness, &mrn);
    harness.press('w');
    // Step 2: tick every check.
    harness.press('j');
    harness.key(KeyCode::Tab);
    let rows = checklist_rows(&harness).len();
    assert!(rows >= 2, "{rows} checks");
    for row in 0..rows {
        if row > 0 {
            harness.press('j');
        }
        harness.press(' ');
    }
    assert!(checklist_rows(&harness).iter().all(|(_, done)| *done));
    assert_eq!(step_status(&harness, &mrn, 2).as_deref(), Some("done"));
    let message = harness.model.message.clone().unwrap_or_default();
    assert!(
        message.contains("step 2 is done by itself: every check is ticked"),
        "{message}"
    );
    // Reopened: on step 1, the first still to do.
    harness.key(KeyCode::Esc);
    harness.press('w');
    assert_eq!(harness.model.way_forward.as_ref().unwrap().step, 0);

    // With step 1 not applicable, the screen opens on step 3.
    sql_on(&harness.store)
        .execute(
            "INSERT INTO way_forward (patient_id, ruleset, step, status, na_reason, updated_at)
             SELECT patient_id, ruleset, 1, 'not_applicable', 'seen at the centre', '2026-11-27'
             FROM way_forward w JOIN patients p ON p.id = w.patient_id
             WHERE p.mrn = ?1 AND w.step = 2
             ON CONFLICT (patient_id, ruleset, step)
             DO UPDATE SET status = excluded.status, na_reason = excluded.na_reason",
            [&mrn],
        )
        .unwrap();
    harness.key(KeyCode::Esc);
    harness.press('w');
    assert_eq!(harness.model.way_forward.as_ref().unwrap().step, 2);
}

/// The four way-forward steps for one flagged patient, driven end to end from the list as a
/// clinician would: each step becomes done by itself once its work is recorded. Prints the
/// keys it took (the figure in the issue's note).
#[test]
fn the_four_step_journey_end_to_end() {
    let mut harness = Harness::new(300, 140, 40);
    let mrn = flagged_with_confounder(&harness, "adherence");
    let typed_mrn = mrn.len();
    open_patient(&mut harness, &mrn);
    harness.press('w');
    // 1. Specialist care: a referral to the suggested specialty, booked, then seen.
    harness.press('a');
    harness.key(KeyCode::Enter);
    harness.type_text("Dr Okafor");
    harness.key(KeyCode::Enter);
    harness.key(KeyCode::Tab);
    harness.press(' ');
    harness.press(' ');
    assert_eq!(
        step_status(&harness, &mrn, 1).as_deref(),
        Some("done"),
        "{}",
        harness.screen()
    );
    // 2. Re-evaluation: every check ticked.
    harness.key(KeyCode::Tab);
    harness.press('j');
    harness.key(KeyCode::Tab);
    let checks = checklist_rows(&harness).len();
    for row in 0..checks {
        if row > 0 {
            harness.press('j');
        }
        harness.press(' ');
    }
    assert_eq!(
        step_status(&harness, &mrn, 2).as_deref(),
        Some("done"),
        "{}",
        harness.screen()
    );
    // 3. All options: the first catalogue option put on the table and recommended.
    harness.key(KeyCode::Tab);
    harness.press('j');
    harness.key(KeyCode::Tab);
    harness.press(' ');
    harness.press('p');
    harness.press('j');
    harness.key(KeyCode::Enter);
    assert_eq!(
        step_status(&harness, &mrn, 3).as_deref(),
        Some("done"),
        "{}",
        harness.screen()
    );
    // 4. Well-being: a referral to the first support service.
    harness.key(KeyCode::Tab);
    harness.press('j');
    harness.press('a');
    harness.key(KeyCode::Enter);
    harness.key(KeyCode::Enter);
    assert_eq!(
        step_status(&harness, &mrn, 4).as_deref(),
        Some("done"),
        "{}",
        harness.screen()
    );
    assert!(harness.screen().contains("●●●●"), "{}", harness.screen());
    // The keys, without the MRN typed to find the patient (its length varies).
    println!(
        "four-step journey: {} keys ({} checks ticked), plus {typed_mrn} characters of the MRN",
        harness.keystrokes - typed_mrn,
        checks
    );
}

/// A count wider than its column's title (a condition with 109,819 patients at a million) is
/// shown whole: the column was six wide and cut it to "09,819", a wrong number on screen.
#[test]
fn the_overview_never_cuts_a_count() {
    let mut harness = Harness::new(40, 200, 30);
    harness.press('o');
    let row = |ruleset: &str, by_rank: [u64; 6]| refract::store::OverviewRow {
        ruleset: ruleset.to_owned(),
        by_rank,
        ..Default::default()
    };
    let data = worker::OverviewData {
        care_team: None,
        rows: vec![
            row("rheumatoid_arthritis", [0, 37_379, 0, 0, 13_155, 59_285]),
            row("epilepsy", [0, 95_301, 0, 0, 27_979, 76_334]),
        ],
        next_meeting: None,
        waiting_months: 6,
        waiting_cutoff: None,
        totals: row("", [0, 132_680, 0, 0, 41_134, 135_619]),
    };
    let requests = app::update(
        &mut harness.model,
        Msg::Reply(worker::Reply::Overview(Box::new(data))),
    );
    harness.answer(requests);
    let screen = harness.screen();
    assert!(screen.contains("109,819"), "{screen}");
    assert!(screen.contains("199,614"), "{screen}");
    // The totals row: every condition together, its widest number whole too.
    let totals = screen
        .lines()
        .find(|line| line.contains("all conditions"))
        .unwrap_or_default();
    assert!(totals.contains("309,433"), "{screen}");
    assert!(totals.contains("132,680"), "{screen}");
}

/// While some flags' days are still being searched (the dating pass after an evaluation), the
/// overview's waiting figures for their condition say so instead of a number that leaves
/// them out (a median of the others, a count too low).
#[test]
fn the_overview_says_when_the_waiting_figures_are_not_known_yet() {
    let mut harness = Harness::new(40, 200, 30);
    harness.press('o');
    let row = |ruleset: &str, undated: u64| refract::store::OverviewRow {
        ruleset: ruleset.to_owned(),
        by_rank: [0, 10, 0, 0, 0, 7],
        met: 4,
        met_for_days: Some(400),
        waiting: 3,
        undated,
        ..Default::default()
    };
    let data = worker::OverviewData {
        care_team: None,
        rows: vec![row("epilepsy", 0), row("myeloma", 3)],
        next_meeting: None,
        waiting_months: 6,
        waiting_cutoff: None,
        // Every condition together: not known while any is being dated.
        totals: refract::store::OverviewRow {
            undated: 3,
            ..row("", 3)
        },
    };
    let requests = app::update(
        &mut harness.model,
        Msg::Reply(worker::Reply::Overview(Box::new(data))),
    );
    harness.answer(requests);
    let screen = harness.screen();
    let line = |name: &str| {
        screen
            .lines()
            .find(|line| line.contains(name))
            .unwrap_or_else(|| panic!("no {name} row: {screen}"))
            .to_owned()
    };
    assert!(line("pilepsy").contains("13 mo"), "{screen}");
    assert!(!line("pilepsy").contains("dating"), "{screen}");
    let myeloma = line("yeloma");
    assert!(myeloma.contains("dating"), "{screen}");
    assert!(!myeloma.contains("13 mo"), "{screen}");
    assert!(screen.contains("3 new flag(s)"), "{screen}");
    assert!(line("all conditions").contains("dating"), "{screen}");
}

/// The stored status of way-forward step `step` of the patient with `mrn`, if it was written.
fn step_status(harness: &Harness, mrn: &str, step: i64) -> Option<String> {
    sql_on(&harness.store)
        .query_row(
            "SELECT w.status FROM way_forward w JOIN patients p ON p.id = w.patient_id
             WHERE p.mrn = ?1 AND w.step = ?2",
            rusqlite::params![mrn, step],
            |row| row.get(0),
        )
        .ok()
}

/// The meetings list wraps a long title under the title's start, never back to the border
/// (at 80 columns "MDT · 0 of 5 discussed" began at column 1, under the date).
#[test]
fn the_meetings_list_wraps_under_its_titles() {
    let mut harness = Harness::new(300, 80, 24);
    harness.press('m');
    let screen = harness.screen();
    let mut wrapped = 0;
    for line in screen.lines().skip(2).take_while(|l| l.starts_with('│')) {
        let pane: String = line.chars().skip(1).take_while(|c| *c != '│').collect();
        if pane.trim().is_empty() {
            continue;
        }
        let dated = pane.starts_with(" 20");
        let continued = pane.starts_with(&" ".repeat(18));
        assert!(dated || continued, "{line}\n{screen}");
        wrapped += usize::from(continued);
    }
    assert!(wrapped > 0, "a title wrapped at 80 columns: {screen}");
}

/// Text that goes on below a pane says so, and once scrolled, that more is above: the
/// assessment, and a tab's list.
#[test]
fn scrolled_text_says_there_is_more() {
    let mut harness = Harness::new(300, 80, 24);
    harness.press('/');
    harness.type_text("Berg");
    harness.key(KeyCode::Enter);
    harness.key(KeyCode::Enter);
    let screen = harness.screen();
    assert!(screen.contains("↓ more (j)"), "{screen}");
    assert!(!screen.contains("↑ more (k)"), "{screen}");
    harness.press('j');
    let screen = harness.screen();
    assert!(screen.contains("↑ more (k)"), "{screen}");
    // The Observations tab, in a terminal with fewer rows than the patient has readings.
    harness.resize(80, 12);
    for _ in 0..2 {
        harness.key(KeyCode::Tab);
    }
    assert_eq!(
        harness.model.patient.as_ref().unwrap().tab,
        Tab::Observations
    );
    let screen = harness.screen();
    assert!(screen.contains("↓ more (j)"), "{screen}");
}

/// The timeline names procedures where there is room and writes each line's dose on its bar.
#[test]
fn the_timeline_names_procedures_and_doses() {
    let mut harness = Harness::new(300, 120, 35);
    harness.press('/');
    harness.type_text("Berg");
    harness.key(KeyCode::Enter);
    harness.key(KeyCode::Enter);
    let screen = harness.screen();
    let procedures = screen
        .lines()
        .find(|l| l.contains("procedures"))
        .unwrap_or_default();
    assert!(
        procedures.contains("◆ Autologous stem cell transplant"),
        "{screen}"
    );
    assert!(!procedures.contains("(procedure)"), "{procedures}");
    let lane = screen
        .lines()
        .find(|l| l.contains("1L VRd"))
        .unwrap_or_default();
    assert!(
        lane.contains("1L VRd + ASCT + lenalidomide maintenance"),
        "the label is whole where there is room: {screen}"
    );
}

/// `u` takes back the session's changes, newest first, through the checked save: the step that
/// became done by itself, then the tick that made it so. A change a colleague has changed
/// since is not undone over theirs, and a note stays in the record.
#[test]
fn u_takes_back_the_sessions_changes_newest_first() {
    let mut harness = Harness::new(300, 140, 40);
    let mrn = flagged_with_confounder(&harness, "adherence");
    open_patient(&mut harness, &mrn);
    harness.press('u');
    let message = harness.model.message.clone().unwrap_or_default();
    assert!(message.starts_with("nothing to undo"), "{message}");

    harness.press('w');
    harness.press('j');
    harness.key(KeyCode::Tab);
    let rows = checklist_rows(&harness).len();
    for row in 0..rows {
        if row > 0 {
            harness.press('j');
        }
        harness.press(' ');
    }
    let before_undo = step_status(&harness, &mrn, 2);
    assert_eq!(before_undo.as_deref(), Some("done"));

    // The step done by itself goes back first; the ticks stay. The patient is named.
    harness.press('u');
    let message = harness.model.message.clone().unwrap_or_default();
    assert!(message.starts_with("undone: "), "{message}");
    assert!(message.contains(&mrn), "{message}");
    assert_ne!(step_status(&harness, &mrn, 2).as_deref(), Some("done"));
    assert!(checklist_rows(&harness).iter().all(|(_, done)| *done));

    // Then the last tick.
    harness.press('u');
    let ticked = checklist_rows(&harness)
        .iter()
        .filter(|(_, done)| *done)
        .count();
    assert_eq!(ticked, rows - 1, "{:?}", checklist_rows(&harness));
    let audited: i64 = sql_on(&harness.store)
        .query_row(
            "SELECT count(*) FROM audit_log
             WHERE action LIKE 'checklist%'
               AND patient_id = (SELECT id FROM patients WHERE mrn = ?1)",
            [&mrn],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(
        audited,
        i64::try_from(rows).unwrap() + 1,
        "each tick and the undo are audited"
    );

    // Ticked again: the step is done by itself again. A colleague then sets step 2 not
    // applicable: undoing the step would overwrite that, so it is refused, theirs kept.
    harness.press(' ');
    assert_eq!(step_status(&harness, &mrn, 2).as_deref(), Some("done"));
    sql_on(&harness.store)
        .execute(
            "UPDATE way_forward SET status = 'not_applicable', na_reason = 'seen elsewhere',
                    version = version + 1
             WHERE step = 2 AND patient_id = (SELECT id FROM patients WHERE mrn = ?1)",
            [&mrn],
        )
        .unwrap();
    harness.press('u');
    // Refused for a colleague's change: the status line says so, the keys after it.
    let screen = harness.screen();
    assert!(screen.contains("\n not undone: "), "{screen}");
    assert_eq!(
        step_status(&harness, &mrn, 2).as_deref(),
        Some("not_applicable")
    );

    // A note is not undone: the record keeps it, and says how to correct it.
    harness.key(KeyCode::Esc);
    assert_eq!(harness.model.screen, Screen::Patient);
    harness.press('n');
    harness.type_text("Seen with her husband");
    harness.save_text();
    harness.press('u');
    let message = harness.model.message.clone().unwrap_or_default();
    assert!(
        message.starts_with("not undone: note added") && message.contains("stays"),
        "{message}"
    );
}

/// Step `step` of the patient with `mrn` as stored: status, notes.
fn stored_step(harness: &Harness, mrn: &str, step: i64) -> (String, String) {
    sql_on(&harness.store)
        .query_row(
            "SELECT w.status, w.notes FROM way_forward w JOIN patients p ON p.id = w.patient_id
             WHERE p.mrn = ?1 AND w.step = ?2",
            rusqlite::params![mrn, step],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap()
}

/// A flagged patient's way forward, started (a referral recorded), on step 2.
fn way_forward_on_step_2() -> (Harness, String) {
    let mut harness = Harness::new(300, 120, 40);
    let mrn = mrn_where(
        &harness,
        "SELECT p.mrn FROM patients p JOIN assessments a ON a.patient_id = p.id
         WHERE a.status IN ('refractory', 'resistant', 'relapsed')
           AND NOT EXISTS (SELECT 1 FROM way_forward w WHERE w.patient_id = p.id)
         ORDER BY p.id DESC LIMIT 1",
    );
    open_patient(&mut harness, &mrn);
    harness.press('w');
    harness.press('a');
    harness.key(KeyCode::Enter);
    harness.type_text("Dr Okafor");
    harness.key(KeyCode::Enter);
    harness.press('j');
    (harness, mrn)
}

/// A colleague's change of the same field ("in progress") on step 2 of `mrn`.
fn colleague_sets(harness: &Harness, mrn: &str, set: &str) {
    sql_on(&harness.store)
        .execute(
            &format!(
                "UPDATE way_forward SET {set}, version = version + 1
                 WHERE step = 2 AND patient_id = (SELECT id FROM patients WHERE mrn = ?1)"
            ),
            [mrn],
        )
        .unwrap();
}

/// `u` never sets back a colleague's change: not after a save that changed nothing (the
/// colleague had saved the same value first), not after a save made over theirs with Ctrl-O,
/// and an undo refused for their change and then saved over it with Ctrl-O stays an undo.
#[test]
fn undo_never_sets_back_a_colleagues_change() {
    // The same value as a colleague saved first: the save writes nothing, and is not undone.
    let (mut harness, mrn) = way_forward_on_step_2();
    harness.press('s');
    colleague_sets(&harness, &mrn, "status = 'in_progress'");
    harness.press('j');
    harness.key(KeyCode::Enter);
    harness.press('u');
    // Refused for a colleague's change: the status line says so, the keys after it.
    let screen = harness.screen();
    assert!(screen.contains("\n not undone: "), "{screen}");
    assert_eq!(stored_step(&harness, &mrn, 2).0, "in_progress");

    // Saved over a colleague's notes with Ctrl-O: not undone (theirs would not come back).
    let (mut harness, mrn) = way_forward_on_step_2();
    harness.press('n');
    harness.type_text("mine");
    colleague_sets(&harness, &mrn, "notes = 'theirs'");
    harness.save_text();
    harness.event(TermEvent::Key(KeyEvent::new(
        KeyCode::Char('o'),
        KeyModifiers::CONTROL,
    )));
    assert_eq!(stored_step(&harness, &mrn, 2).1, "mine");
    harness.press('u');
    let message = harness.model.message.clone().unwrap_or_default();
    assert!(
        message.starts_with("not undone: ") && message.contains("colleague"),
        "{message}"
    );
    assert_eq!(stored_step(&harness, &mrn, 2).1, "mine");

    // An undo refused for a colleague's change, then saved over it: an undo, not a change
    // the next `u` would take back.
    let (mut harness, mrn) = way_forward_on_step_2();
    harness.press('s');
    harness.press('j');
    harness.key(KeyCode::Enter);
    assert_eq!(stored_step(&harness, &mrn, 2).0, "in_progress");
    colleague_sets(
        &harness,
        &mrn,
        "status = 'not_applicable', na_reason = 'seen elsewhere'",
    );
    harness.press('u');
    // Refused for a colleague's change: the status line says so, the keys after it.
    let screen = harness.screen();
    assert!(screen.contains("\n not undone: "), "{screen}");
    harness.event(TermEvent::Key(KeyEvent::new(
        KeyCode::Char('o'),
        KeyModifiers::CONTROL,
    )));
    let message = harness.model.message.clone().unwrap_or_default();
    assert!(message.starts_with("undone: "), "{message}");
    assert_eq!(stored_step(&harness, &mrn, 2).0, "todo");
    harness.press('u');
    assert_eq!(
        stored_step(&harness, &mrn, 2).0,
        "todo",
        "the undo is not undone"
    );
}

/// A catalogue option put on the table is a record added: `u` says it stays, and never says
/// "undone" while the option is still there.
#[test]
fn an_option_put_on_the_table_is_not_reported_undone() {
    let (mut harness, mrn) = way_forward_on_step_2();
    let options = |harness: &Harness| -> i64 {
        sql_on(&harness.store)
            .query_row(
                "SELECT count(*) FROM options o JOIN patients p ON p.id = o.patient_id
                 WHERE p.mrn = ?1",
                [&mrn],
                |row| row.get(0),
            )
            .unwrap()
    };
    harness.press('j');
    harness.key(KeyCode::Tab);
    let before = options(&harness);
    harness.press(' ');
    assert_eq!(options(&harness), before + 1);
    harness.press('u');
    let message = harness.model.message.clone().unwrap_or_default();
    assert!(
        message.starts_with("not undone: ") && message.contains("added a record"),
        "{message}"
    );
}

/// Step 4's latest well-being score is said as recorded: a bound with its comparator ("< 4"),
/// the unit without UCUM's annotations, never the bare number.
#[test]
fn the_well_being_step_says_a_bounded_score_as_recorded() {
    let mut harness = Harness::new(300, 140, 40);
    let mrn = flagged_with_confounder(&harness, "adherence");
    sql_on(&harness.store)
        .execute(
            "INSERT INTO observations (patient_id, id, code, display, value, unit, effective,
                                       source, comparator)
             SELECT id, 90001, 'text:distress', 'Distress thermometer', 4, '{score}',
                    '2026-11-20 09:00:00', 'team', '<'
             FROM patients WHERE mrn = ?1",
            [&mrn],
        )
        .unwrap();
    open_patient(&mut harness, &mrn);
    harness.press('w');
    harness.model.way_forward.as_mut().unwrap().step = 3;
    let screen = harness.screen();
    assert!(
        screen.contains("Latest score: Distress thermometer < 4 on 2026-11-20"),
        "{screen}"
    );
}

/// A drug on hold says so where the drugs are listed, and a date the record gives only roughly
/// is marked as such (with the legend), never shown as an exact day and time: a hold with no
/// reason read was a blank "stopped" cell, and a last day known given read as a stop.
#[test]
fn a_hold_and_approximate_dates_are_shown_as_recorded() {
    let mut harness = Harness::new(300, 120, 35);
    let (patient, mrn) = patient_of(&harness, "hypertension");
    sql_on(&harness.store)
        .execute_batch(&format!(
            "DELETE FROM treatment_lines WHERE patient_id = {patient};
             DELETE FROM drug_exposures WHERE patient_id = {patient};
             INSERT INTO drug_exposures (patient_id, text, start, end, dates, stop_text)
             VALUES ({patient}, 'chlorthalidone 25 mg', '2026-03-02 00:00:00',
                     '2026-03-02 00:00:00', 'end_unknown', 'on hold'),
                    ({patient}, 'amlodipine 10 mg', '2025-12-31 00:00:00', NULL,
                     'start_unknown', NULL),
                    ({patient}, 'lisinopril 40 mg', '2026-01-05 08:30:00', NULL, 'stated', NULL);"
        ))
        .unwrap();
    open_patient(&mut harness, &mrn);
    harness.key(KeyCode::Tab);
    let screen = harness.screen();
    let row = |drug: &str| {
        screen
            .lines()
            .find(|l| l.contains(drug))
            .unwrap_or_else(|| panic!("{drug} listed: {screen}"))
            .to_owned()
    };
    let held = row("chlorthalidone");
    assert!(held.contains("on hold"), "{held}");
    assert!(
        held.contains("≥2026-03-02"),
        "its end is the last day known: {held}"
    );
    assert!(
        !held.contains("≥2026-03-02 00:00"),
        "an approximate day has no time: {held}"
    );
    let by = row("amlodipine");
    assert!(by.contains("≤2025-12-31"), "started by: {by}");
    assert!(by.contains("ongoing"), "{by}");
    let exact = row("lisinopril");
    assert!(exact.contains("2026-01-05 08:30"), "{exact}");
    assert!(!exact.contains('≤') && !exact.contains('≥'), "{exact}");
    assert!(screen.contains("≤ started by"), "the legend: {screen}");
    assert!(
        screen.contains("≥ given at least until"),
        "the legend: {screen}"
    );
}

/// A line that ends where one of its drugs was last known given (a hold, a stop with no end
/// date) says its end is not exact: the day the regimen changed is not known, only that it was
/// not before. A line ended by a drug with a recorded end is shown as recorded.
#[test]
fn a_line_ended_by_a_drug_with_no_recorded_end_is_marked() {
    let mut harness = Harness::new(300, 120, 35);
    let (patient, mrn) = patient_of(&harness, "hypertension");
    sql_on(&harness.store)
        .execute_batch(&format!(
            "DELETE FROM treatment_lines WHERE patient_id = {patient};
             DELETE FROM drug_exposures WHERE patient_id = {patient};
             INSERT INTO drug_exposures (id, patient_id, text, start, end, dates, stop_text)
             VALUES (900001, {patient}, 'chlorthalidone 25 mg', '2026-01-01 00:00:00',
                     '2026-01-01 00:00:00', 'end_unknown', 'on hold'),
                    (900002, {patient}, 'amlodipine 10 mg', '2026-01-01 00:00:00', NULL,
                     'stated', NULL),
                    (900003, {patient}, 'ramipril 10 mg', '2025-06-01 00:00:00',
                     '2025-12-31 00:00:00', 'stated', NULL);
             INSERT INTO treatment_lines (id, patient_id, ruleset, number, regimen, start, end,
                                          origin)
             VALUES (900001, {patient}, 'hypertension', 1, 'ramipril alone', '2025-06-01',
                     '2026-01-01', 'derived'),
                    (900002, {patient}, 'hypertension', 2, 'two classes held', '2026-01-01',
                     '2026-01-02', 'derived'),
                    (900003, {patient}, 'hypertension', 3, 'amlodipine alone', '2026-01-02',
                     NULL, 'derived');
             INSERT INTO line_drugs (line_id, position, ingredient, exposure_id)
             VALUES (900001, 0, 'ramipril', 900003),
                    (900002, 0, 'chlorthalidone', 900001),
                    (900002, 1, 'amlodipine', 900002),
                    (900003, 0, 'amlodipine', 900002);"
        ))
        .unwrap();
    open_patient(&mut harness, &mrn);
    harness.key(KeyCode::Tab);
    let screen = harness.screen();
    let row = |regimen: &str| {
        screen
            .lines()
            .find(|l| l.contains(regimen))
            .unwrap_or_else(|| panic!("{regimen} listed: {screen}"))
            .to_owned()
    };
    let held = row("two classes held");
    assert!(held.contains("≥2026-01-02"), "{held}");
    let recorded = row("ramipril alone");
    assert!(
        recorded.contains("2026-01-01") && !recorded.contains('≥'),
        "{recorded}"
    );
    assert!(row("amlodipine alone").contains("ongoing"), "{screen}");
}

/// A lymphoma patient treated five hours west of UTC: R-CHOP's first doses at 22:30 on 1 March,
/// an intrathecal methotrexate at 21:00 on 5 March (CNS prophylaxis, no line drug) and an
/// antiemetic given with the chemotherapy (in no line either).
fn evening_lymphoma_bundle() -> serde_json::Value {
    let rx = "http://www.nlm.nih.gov/research/umls/rxnorm";
    let statement = |id: &str, code: &str, text: &str, start: &str, end: &str| {
        serde_json::json!({"resource": {
            "resourceType": "MedicationStatement", "id": id, "status": "completed",
            "subject": {"reference": "Patient/late"},
            "medicationCodeableConcept": {"coding": [{"system": rx, "code": code}], "text": text},
            "effectivePeriod": {"start": start, "end": end}
        }})
    };
    let mut intrathecal = statement(
        "it",
        "6851",
        "Methotrexate 12 mg",
        "2024-03-05T21:00:00-05:00",
        "2024-03-05T21:30:00-05:00",
    );
    intrathecal["resource"]["dosage"] = serde_json::json!([{"route": {"coding": [{
        "system": "http://snomed.info/sct", "code": "72607000",
        "display": "Intrathecal route"}]}}]);
    serde_json::json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "late",
            "identifier": [{"system": "urn:mrn", "value": "LATE-1"}],
            "name": [{"family": "Evening", "given": ["Eve"]}],
            "gender": "female", "birthDate": "1980-01-01"}},
        {"resource": {"resourceType": "Condition", "id": "dlbcl",
            "subject": {"reference": "Patient/late"},
            "clinicalStatus": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                "code": "active"}]},
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm",
                "code": "C83.30", "display": "Diffuse large B-cell lymphoma"}]},
            "onsetDateTime": "2024-02-01"}},
        statement("r", "121191", "Rituximab",
            "2024-03-01T22:30:00-05:00", "2024-06-20T22:00:00-05:00"),
        statement("c", "3002", "Cyclophosphamide",
            "2024-03-01T22:30:00-05:00", "2024-06-20T22:00:00-05:00"),
        intrathecal,
        statement("o", "26225", "Ondansetron 8 mg",
            "2024-03-01T22:00:00-05:00", "2024-03-01T22:15:00-05:00"),
    ]})
}

#[test]
fn the_lines_tab_shows_local_days_and_the_drugs_in_no_line_with_cns_directed_said() {
    let mut harness = Harness::with_bundle(300, 120, 35, &evening_lymphoma_bundle());
    harness.model.zone =
        refract::domain::ShownZone::Fixed(chrono::FixedOffset::west_opt(5 * 3600).unwrap());
    open_patient(&mut harness, "LATE-1");
    harness.key(KeyCode::Tab);
    assert_eq!(
        harness.model.patient.as_ref().map(|p| p.tab),
        Some(Tab::Lines)
    );
    let screen = harness.screen();
    // The line starts on the evening of its first doses, as the clinic's calendar has it.
    let line = screen
        .lines()
        .find(|row| row.contains("1L"))
        .unwrap_or_default();
    assert!(line.contains("2024-03-01"), "{screen}");
    assert!(!line.contains("2024-03-02"), "{screen}");
    // The drugs no line holds are listed, the intrathecal one said to be CNS-directed in words.
    let methotrexate = screen
        .lines()
        .find(|row| row.contains("Methotrexate"))
        .unwrap_or_default();
    assert!(methotrexate.contains("CNS-directed"), "{screen}");
    assert!(methotrexate.contains("2024-03-05"), "{screen}");
    assert!(screen.contains("Ondansetron"), "{screen}");
    insta::assert_snapshot!("lines_with_drugs_in_no_line_120x35", screen);
    // On a default terminal the word is kept whole.
    harness.resize(80, 24);
    let screen = harness.screen();
    assert!(screen.contains("CNS-directed: Methotrex"), "{screen}");
    insta::assert_snapshot!("lines_with_drugs_in_no_line_80x24", screen);
}

/// A hypertension on amlodipine, lisinopril and hydrochlorothiazide ordered for it, with
/// metoprolol ordered for atrial fibrillation (its Condition named) and apixaban for the same.
fn drugs_for_other_conditions_bundle() -> serde_json::Value {
    let rx = "http://www.nlm.nih.gov/research/umls/rxnorm";
    let sct = "http://snomed.info/sct";
    let condition = |id: &str, code: &str, display: &str| {
        serde_json::json!({"resource": {"resourceType": "Condition", "id": id,
            "subject": {"reference": "Patient/ind"},
            "clinicalStatus": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                "code": "active"}]},
            "code": {"coding": [{"system": sct, "code": code, "display": display}]},
            "onsetDateTime": "2019-04-02"}})
    };
    let order = |id: &str, code: &str, text: &str, mg: f64, reason: &str| {
        serde_json::json!({"resource": {
            "resourceType": "MedicationRequest", "id": id, "status": "active", "intent": "order",
            "subject": {"reference": "Patient/ind"},
            "medicationCodeableConcept": {"coding": [{"system": rx, "code": code}], "text": text},
            "authoredOn": "2025-06-01",
            "reasonReference": [{"reference": reason}],
            "dosageInstruction": [{
                "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d",
                                      "boundsPeriod": {"start": "2025-06-01"}}},
                "doseAndRate": [{"doseQuantity": {"value": mg, "unit": "mg"}}]}]
        }})
    };
    serde_json::json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "ind",
            "identifier": [{"system": "urn:mrn", "value": "IND-TUI"}],
            "name": [{"family": "Indication", "given": ["Ida"]}],
            "gender": "female", "birthDate": "1960-01-01"}},
        condition("htn", "38341003", "Hypertension"),
        condition("af", "49436004", "Atrial fibrillation"),
        order("m1", "308135", "amlodipine 10 MG Oral Tablet", 10.0, "Condition/htn"),
        order("m2", "316151", "lisinopril 40 MG Oral Tablet", 40.0, "Condition/htn"),
        order("m3", "316049", "hydrochlorothiazide 50 MG Oral Tablet", 50.0, "Condition/htn"),
        order("m4", "866427", "metoprolol succinate 100 MG", 100.0, "Condition/af"),
        order("m5", "1364430", "apixaban 5 MG Oral Tablet", 10.0, "Condition/af"),
    ]})
}

#[test]
fn the_drug_table_says_what_a_drug_was_given_for_and_which_are_not_counted() {
    let mut harness = Harness::with_bundle(300, 160, 40, &drugs_for_other_conditions_bundle());
    open_patient(&mut harness, "IND-TUI");
    harness.key(KeyCode::Tab);
    assert_eq!(
        harness.model.patient.as_ref().map(|p| p.tab),
        Some(Tab::Lines)
    );
    let screen = harness.screen();
    let row = |screen: &str, drug: &str| {
        screen
            .lines()
            .find(|row| row.contains(drug))
            .unwrap_or_default()
            .to_owned()
    };
    // The beta blocker the hypertension's criteria left out says so before its name, and why.
    let metoprolol = row(&screen, "metoprolol");
    assert!(
        metoprolol.contains("not counted: metoprolol succinate 100 MG · for: Atrial fibrillation"),
        "{screen}"
    );
    // A drug of no class of the condition says what it was given for after its name.
    let apixaban = row(&screen, "apixaban");
    assert!(
        apixaban.contains("apixaban 5 MG Oral Tablet · for: Atrial fibrillation"),
        "{screen}"
    );
    assert!(!apixaban.contains("not counted"), "{screen}");
    insta::assert_snapshot!("drugs_given_for_other_conditions_160x40", screen);
    // On a default terminal the mark and the drug are kept, the words after them cut.
    harness.resize(80, 24);
    let screen = harness.screen();
    assert!(screen.contains("not counted: metoprolol"), "{screen}");
    insta::assert_snapshot!("drugs_given_for_other_conditions_80x24", screen);
}

/// A patient as a colleague's system sends it: `family` and `birth` change between imports.
fn identified_patient(family: &str, birth: &str) -> serde_json::Value {
    serde_json::json!({
        "resourceType": "Bundle", "type": "collection",
        "entry": [
            {"resource": {"resourceType": "Patient", "id": "shared-screen-1",
                "identifier": [{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]},
                                "system": "urn:test:hosp", "value": "MASK-0042"}],
                "name": [{"family": family, "given": ["Wilhelmina"]}],
                "gender": "female", "birthDate": birth}},
            {"resource": {"resourceType": "Condition", "id": "shared-screen-c1",
                "subject": {"reference": "Patient/shared-screen-1", "display": format!("Wilhelmina {family}")},
                "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "G40.909"}]},
                "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
                "onsetDateTime": "2015-01-01"}}
        ]
    })
}

/// The History tab's stored rows (`i`) on a masked screen: an import that renamed the patient
/// shows no name, MRN or birth date, in any field of any row.
#[test]
fn the_raw_history_on_a_masked_screen_shows_no_identity() {
    let mut harness = Harness::prepared(20, 250, 40, |store, rules, dir| {
        for (n, (family, birth)) in [
            ("Quistorpova", "1980-02-02"),
            ("Quistorpova-Berg", "1980-02-03"),
        ]
        .into_iter()
        .enumerate()
        {
            let file = dir.join(format!("bundle-{n}.json"));
            std::fs::write(&file, identified_patient(family, birth).to_string()).unwrap();
            refract::import::import_paths(
                store,
                rules,
                &[file],
                today(),
                &refract::import::ImportOptions::default(),
                |_| {},
            )
            .unwrap();
        }
    });
    harness.press('M');
    open_patient(&mut harness, "MASK-0042");
    while harness
        .model
        .patient
        .as_ref()
        .is_some_and(|p| p.tab != Tab::History)
    {
        harness.key(KeyCode::Tab);
    }
    let sentences = harness.screen();
    harness.press('i');
    let raw = harness.screen();
    assert!(raw.contains("import.patient"), "{raw}");
    for shown in [&sentences, &raw] {
        for identity in ["Quistorpova", "Wilhelmina", "MASK-0042", "1980-02-0"] {
            assert!(!shown.contains(identity), "{identity} in {shown}");
        }
    }
    // Shown again, the raw rows are the stored ones.
    harness.press('M');
    assert!(
        harness.screen().contains("Quistorpova-Berg"),
        "{}",
        harness.screen()
    );
}

/// Every text the team typed, rewritten to quote its patient's surname, MRN and birth date.
const TEXT_QUOTING_THE_PATIENT: &str = "
    UPDATE tasks SET what = 'Phone ' || (SELECT family_name || ' re ' || mrn || ' born '
        || birth_date FROM patients p WHERE p.id = tasks.patient_id);
    UPDATE reviews SET rationale = 'Confirmed: ' || (SELECT family_name || ' ' || mrn
        FROM patients p WHERE p.id = reviews.patient_id);
    UPDATE meeting_cases SET
        outcome_text = CASE WHEN outcome_text = '' THEN '' ELSE 'Refer ' || (SELECT family_name
            FROM patients p WHERE p.id = meeting_cases.patient_id) END,
        plan_followed_reason = (SELECT upper(family_name) || ' declined' FROM patients p
            WHERE p.id = meeting_cases.patient_id);
    UPDATE options SET
        stance_reason = (SELECT 'for ' || family_name FROM patients p WHERE p.id = options.patient_id),
        notes = (SELECT 'asked ' || mrn FROM patients p WHERE p.id = options.patient_id);
    UPDATE way_forward SET notes = (SELECT 'spoke to ' || family_name FROM patients p
        WHERE p.id = way_forward.patient_id);
";

/// Free text the team typed that quotes the patient (tasks, review rationale, decision, plan
/// followed reason, options, way-forward notes) shows without the name, MRN or birth date on
/// masked screens: the meetings list, the presentation, the patient's tabs and the way forward.
#[test]
fn typed_text_quoting_the_patient_is_cut_on_every_masked_screen() {
    let mut harness = Harness::with_sql(300, 200, 60, TEXT_QUOTING_THE_PATIENT);
    // The MRN and birth date anywhere; the surname where the team's text put it (a demo
    // clinician may share a patient's surname).
    let identity_of = |harness: &Harness, mrn: &str| -> Vec<String> {
        let (family, birth): (String, String) = sql_on(&harness.store)
            .query_row(
                "SELECT family_name, birth_date FROM patients WHERE mrn = ?1",
                [mrn],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap();
        let mut parts = vec![mrn.to_owned(), birth];
        for typed in ["Phone ", "Confirmed: ", "Refer ", "for ", "spoke to "] {
            parts.push(format!("{typed}{family}"));
        }
        parts.push(format!("{} declined", family.to_uppercase()));
        parts
    };
    let assert_hidden = |screen: &str, identity: &[String]| {
        for part in identity {
            assert!(!screen.contains(part.as_str()), "{part} in {screen}");
        }
    };
    harness.press('m');
    assert!(harness.model.masked);
    let screen = harness.screen();
    assert!(screen.contains("Phone "), "{screen}");
    for row in harness.model.meetings.tasks.clone() {
        assert_hidden(&screen, &identity_of(&harness, &row.mrn));
    }
    harness.key(KeyCode::Enter);
    harness.key(KeyCode::Enter);
    assert_eq!(harness.model.screen, Screen::Presenting);
    let case = harness
        .model
        .meeting
        .as_ref()
        .unwrap()
        .selected_case()
        .unwrap()
        .clone();
    let screen = harness.screen();
    assert_hidden(&screen, &identity_of(&harness, &case.mrn));

    // A patient with a review, a task, options and way-forward notes, on the patient screen.
    let mrn = mrn_where(
        &harness,
        "SELECT p.mrn FROM patients p WHERE EXISTS (SELECT 1 FROM reviews r WHERE r.patient_id = p.id)
           AND EXISTS (SELECT 1 FROM tasks t WHERE t.patient_id = p.id AND t.status = 'open')
           AND EXISTS (SELECT 1 FROM options o WHERE o.patient_id = p.id)
         ORDER BY p.id LIMIT 1",
    );
    let identity = identity_of(&harness, &mrn);
    harness.key(KeyCode::Esc);
    harness.key(KeyCode::Esc);
    harness.key(KeyCode::Esc);
    assert_eq!(harness.model.screen, Screen::Patients);
    open_patient(&mut harness, &mrn);
    assert!(harness.model.masked);
    let mut seen = String::new();
    for _ in 0..8 {
        let screen = harness.screen();
        assert_hidden(&screen, &identity);
        seen.push_str(&screen);
        harness.key(KeyCode::Tab);
    }
    assert!(seen.contains("Confirmed: "), "{seen}");
    assert!(seen.contains("Phone "), "{seen}");
    harness.press('w');
    assert_eq!(harness.model.screen, Screen::WayForward);
    let mut seen = String::new();
    for _ in 0..4 {
        let screen = harness.screen();
        assert_hidden(&screen, &identity);
        seen.push_str(&screen);
        harness.key(KeyCode::Tab);
        harness.key(KeyCode::Down);
    }
    assert!(seen.contains("spoke to "), "{seen}");
}

/// Every meeting's title names its first case; every later case's question names the first
/// case's patient (a relative discussed at the same meeting).
const TEXT_NAMING_ANOTHER_CASE: &str = "
    UPDATE meetings SET title = 'Case conference: ' || coalesce((SELECT p.given_name || ' '
        || p.family_name || ' ' || p.mrn FROM meeting_cases c JOIN patients p ON p.id = c.patient_id
        WHERE c.meeting_id = meetings.id ORDER BY c.position LIMIT 1), 'none');
    UPDATE meeting_cases SET question = 'Sister-in-law of ' || (SELECT p.given_name || ' '
        || p.family_name || ' (' || p.mrn || ')' FROM meeting_cases c JOIN patients p ON p.id = c.patient_id
        WHERE c.meeting_id = meeting_cases.meeting_id ORDER BY c.position LIMIT 1)
      WHERE position > (SELECT min(position) FROM meeting_cases c WHERE c.meeting_id = meeting_cases.meeting_id);
";

/// A meeting title naming a patient on its agenda, and a case's text naming another patient of
/// the same agenda, show neither name nor MRN on the masked meetings list and agenda
/// (review R6 R6-2, R6-3).
#[test]
fn a_masked_meeting_cuts_every_patient_on_its_agenda_from_title_and_cases() {
    let mut harness = Harness::with_sql(300, 200, 60, TEXT_NAMING_ANOTHER_CASE);
    let firsts: Vec<(String, String)> = {
        let conn = sql_on(&harness.store);
        let mut stmt = conn
            .prepare(
                "SELECT p.given_name || ' ' || p.family_name, p.mrn FROM meetings m
                 JOIN meeting_cases c ON c.meeting_id = m.id
                 JOIN patients p ON p.id = c.patient_id
                 WHERE c.position = (SELECT min(position) FROM meeting_cases x WHERE x.meeting_id = m.id)",
            )
            .unwrap();
        stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert!(!firsts.is_empty());
    let assert_hidden = |screen: &str| {
        for (name, mrn) in &firsts {
            assert!(!screen.contains(name.as_str()), "{name} in {screen}");
            assert!(!screen.contains(mrn.as_str()), "{mrn} in {screen}");
        }
    };
    harness.press('m');
    assert!(harness.model.masked);
    let screen = harness.screen();
    assert!(screen.contains("Case conference: "), "{screen}");
    assert_hidden(&screen);
    harness.key(KeyCode::Enter);
    let screen = harness.screen();
    assert!(screen.contains("Sister-in-law of"), "{screen}");
    assert_hidden(&screen);
}

fn chars(text: &str) -> Vec<KeyCode> {
    text.chars().map(KeyCode::Char).collect()
}

fn open_mrn(harness: &Harness) -> Option<String> {
    let id = harness.model.patient.as_ref()?.id;
    Some(mrn_where(
        harness,
        &format!("SELECT mrn FROM patients WHERE id = {}", id.0),
    ))
}

#[test]
fn keys_typed_ahead_of_a_search_act_on_the_patient_it_finds() {
    let mut harness = Harness::new(200, 120, 40);
    let first = harness.model.list.selected_row().unwrap().mrn.clone();
    let wanted = mrn_where(
        &harness,
        &format!("SELECT mrn FROM patients WHERE mrn <> '{first}' ORDER BY id LIMIT 1 OFFSET 40"),
    );
    let mut keys = vec![KeyCode::Char('/')];
    keys.extend(chars(&wanted));
    keys.extend([KeyCode::Enter, KeyCode::Enter]);
    harness.keys_ahead(&keys);
    assert_eq!(open_mrn(&harness).as_deref(), Some(wanted.as_str()));
}

#[test]
fn a_jump_to_the_end_typed_ahead_opens_the_last_row() {
    let mut harness = Harness::new(200, 120, 40);
    harness.keys_ahead(&[KeyCode::Char('G'), KeyCode::Enter]);
    let opened = open_mrn(&harness);
    harness.key(KeyCode::Esc);
    let last = harness.model.list.rows.last().unwrap().mrn.clone();
    assert_eq!(opened.as_deref(), Some(last.as_str()));
    // Pages beyond the rows loaded: the row two pages down, not the last one loaded.
    let mut harness = Harness::new(200, 120, 40);
    let viewport = harness.model.viewport;
    harness.keys_ahead(&[KeyCode::Char('g')]);
    let loaded = harness.model.list.rows.len();
    let mut keys = vec![KeyCode::PageDown; loaded / viewport + 1];
    keys.push(KeyCode::Enter);
    harness.keys_ahead(&keys);
    let opened = open_mrn(&harness);
    harness.key(KeyCode::Esc);
    assert_eq!(
        harness.model.list.position(),
        Some((viewport * (loaded / viewport + 1)) as u64)
    );
    let selected = harness.model.list.selected_row().unwrap().mrn.clone();
    assert_eq!(opened.as_deref(), Some(selected.as_str()));
}

#[test]
fn a_patient_added_to_the_agenda_ahead_of_a_search_is_the_one_found_and_named() {
    let mut harness = Harness::new(200, 120, 40);
    let first = harness.model.list.selected_row().unwrap().mrn.clone();
    let (wanted, family): (String, String) = sql_on(&harness.store)
        .query_row(
            &format!(
                "SELECT mrn, family_name FROM patients WHERE mrn <> '{first}' \
                 ORDER BY id LIMIT 1 OFFSET 60"
            ),
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    let mut keys = vec![KeyCode::Char('/')];
    keys.extend(chars(&wanted));
    keys.extend([KeyCode::Enter, KeyCode::Char('A')]);
    harness.keys_ahead(&keys);
    let added = mrn_where(
        &harness,
        "SELECT p.mrn FROM meeting_cases mc JOIN patients p ON p.id = mc.patient_id \
         ORDER BY mc.id DESC LIMIT 1",
    );
    assert_eq!(added, wanted);
    let message = harness.model.message.clone().unwrap_or_default();
    assert!(
        message.contains(&format!("added {wanted} (")) && message.contains(&family),
        "{message}"
    );
    // Masked: the masked label, never the name nor the MRN.
    harness.press('M');
    harness.key(KeyCode::Esc);
    harness.keys_ahead(&[KeyCode::Char('j'), KeyCode::Char('A')]);
    let message = harness.model.message.clone().unwrap_or_default();
    assert!(
        message.starts_with("saved: added ") && !message.contains("RF-"),
        "{message}"
    );
}

#[test]
fn a_review_typed_ahead_of_the_patient_loading_reviews_that_patient() {
    let mut harness = Harness::new(200, 120, 40);
    let wanted = mrn_where(
        &harness,
        "SELECT p.mrn FROM patients p JOIN assessments a ON a.patient_id = p.id \
         WHERE a.status = 'refractory' ORDER BY p.id DESC LIMIT 1",
    );
    let mut keys = vec![KeyCode::Char('/')];
    keys.extend(chars(&wanted));
    keys.extend([KeyCode::Enter, KeyCode::Enter, KeyCode::Char('x')]);
    // The rationale typed before the record came: text, not keys of the patient screen.
    keys.extend(chars("no longer on it"));
    keys.push(KeyCode::Enter);
    harness.keys_ahead(&keys);
    let rationale = mrn_where(
        &harness,
        &format!(
            "SELECT r.rationale FROM reviews r JOIN patients p ON p.id = r.patient_id \
             WHERE p.mrn = '{wanted}' ORDER BY r.id DESC LIMIT 1"
        ),
    );
    assert_eq!(rationale, "no longer on it");
}

fn last_note(harness: &Harness) -> String {
    sql_on(&harness.store)
        .query_row("SELECT text FROM notes ORDER BY id DESC LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap()
}

/// Terminals send a paste's line breaks as CR (xterm, VTE, iTerm2, tmux) or CRLF: lines in a
/// note and in a step's notes, spaces in a one-line field; never a bare CR stored.
#[test]
fn a_paste_with_cr_line_breaks_keeps_its_lines() {
    let mut harness = Harness::new(40, 120, 40);
    harness.key(KeyCode::Enter);
    harness.press('n');
    harness.event(TermEvent::Paste(String::from(
        "line one\rline two\r\nline three",
    )));
    harness.save_text();
    assert_eq!(last_note(&harness), "line one\nline two\nline three");
    harness.press('w');
    harness.press('n');
    harness.event(TermEvent::Paste(String::from("a\rb")));
    harness.save_text();
    let notes: String = sql_on(&harness.store)
        .query_row(
            "SELECT notes FROM way_forward ORDER BY updated_at DESC, rowid DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(notes, "a\nb");
}

/// A letter pasted whole: a note holds 100,000 characters; what does not fit is said on the
/// status line, and a key that finds the field full is said too, never ignored silently.
#[test]
fn a_long_paste_lands_whole_and_what_does_not_fit_is_said() {
    let mut harness = Harness::new(40, 120, 40);
    harness.key(KeyCode::Enter);
    harness.press('n');
    let mut letter = String::new();
    for i in 0..1112 {
        std::fmt::Write::write_fmt(&mut letter, format_args!("word{i:04} ")).unwrap();
    }
    letter.truncate(10_000);
    harness.event(TermEvent::Paste(letter.clone()));
    harness.type_text(" TYPED-AFTER");
    harness.save_text();
    assert_eq!(last_note(&harness), format!("{letter} TYPED-AFTER"));

    harness.press('n');
    harness.event(TermEvent::Paste("a".repeat(100_010)));
    let message = harness.model.message.clone().unwrap_or_default();
    assert!(
        message.contains("pasted text cut at 100,000 characters") && message.contains("10 "),
        "{message}"
    );
    harness.model.message = None;
    harness.press('b');
    let message = harness.model.message.clone().unwrap_or_default();
    assert!(message.contains("full"), "{message}");
}

/// Undoing a step's notes says the notes went back, not only the step's status.
#[test]
fn undoing_a_steps_notes_says_so() {
    let mut harness = Harness::new(40, 120, 40);
    harness.key(KeyCode::Enter);
    harness.press('w');
    harness.press('n');
    harness.type_text("notes A");
    harness.save_text();
    harness.press('u');
    let message = harness.model.message.clone().unwrap_or_default();
    assert!(
        message.starts_with("undone: the notes of step "),
        "{message}"
    );
}

/// A step's saved notes opened again and left as they were when refract ends: nothing was
/// typed, so no "typed and not saved" note repeats them; once edited, they are kept.
#[test]
fn notes_opened_and_left_alone_make_no_note_when_refract_ends() {
    let notes = |harness: &Harness| -> i64 {
        sql_on(&harness.store)
            .query_row("SELECT count(*) FROM notes", [], |r| r.get(0))
            .unwrap()
    };
    let mut harness = Harness::new(40, 120, 40);
    harness.key(KeyCode::Enter);
    harness.press('w');
    harness.press('n');
    harness.type_text("Saved notes of the step");
    harness.save_text();
    let before = notes(&harness);
    harness.press('n');
    assert!(
        harness.model.input.is_some(),
        "the step's notes are open again"
    );
    harness.key(KeyCode::Left);
    let requests = app::update(&mut harness.model, Msg::Terminate);
    harness.answer(requests);
    assert_eq!(notes(&harness), before, "nothing typed, nothing kept");

    let mut harness = Harness::new(40, 120, 40);
    harness.key(KeyCode::Enter);
    harness.press('w');
    harness.press('n');
    harness.type_text("Saved notes of the step");
    harness.save_text();
    harness.press('n');
    harness.type_text(" and more");
    let requests = app::update(&mut harness.model, Msg::Terminate);
    harness.answer(requests);
    assert!(last_note(&harness).contains("Saved notes of the step and more"));
}

/// Ctrl-C (and a signal or a lost terminal, which end as `Terminate`) leaves a presented case
/// as Esc does: its time saved; a decision half-typed is kept as a note on the patient.
#[test]
fn every_way_out_saves_the_case_time_and_keeps_a_half_typed_decision() {
    let mut harness = Harness::new(300, 120, 40);
    harness.press('m');
    harness.key(KeyCode::Enter);
    harness.key(KeyCode::Enter);
    assert_eq!(harness.model.screen, Screen::Presenting);
    let case = harness
        .model
        .meeting
        .as_ref()
        .unwrap()
        .selected_case()
        .unwrap()
        .case
        .clone();
    for _ in 0..10 {
        let requests = app::update(&mut harness.model, Msg::Tick);
        harness.answer(requests);
    }
    harness.event(TermEvent::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )));
    assert!(harness.model.quit);
    let seconds: i64 = sql_on(&harness.store)
        .query_row(
            &format!(
                "SELECT presented_seconds FROM meeting_cases WHERE id = {}",
                case.id
            ),
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(seconds, 10);

    // A decision half-typed when the terminal goes.
    let mut harness = Harness::new(300, 120, 40);
    harness.press('m');
    harness.key(KeyCode::Enter);
    harness.key(KeyCode::Enter);
    harness.press('d');
    harness.press('j');
    harness.key(KeyCode::Enter);
    if matches!(harness.model.popup, Some(model::Popup::Choose { .. })) {
        harness.key(KeyCode::Enter);
    }
    harness.type_text("Refer for trial scr");
    let requests = app::update(&mut harness.model, Msg::Terminate);
    harness.answer(requests);
    assert!(last_note(&harness).contains("Refer for trial scr"));

    // A note half-typed when Ctrl-C is pressed in it: the key ends refract, the text stays.
    let mut harness = Harness::new(300, 120, 40);
    harness.key(KeyCode::Enter);
    harness.press('n');
    harness.type_text("EEG booked for next wee");
    harness.event(TermEvent::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )));
    assert!(harness.model.quit);
    let requests = app::update(&mut harness.model, Msg::Terminate);
    harness.answer(requests);
    assert!(last_note(&harness).contains("EEG booked for next wee"));
}

/// Everything the help box shows, scrolled from its top to its end one row at a time: the rows
/// inside its border, in order, each once.
fn help_rows(harness: &mut Harness) -> Vec<String> {
    let mut rows: Vec<String> = Vec::new();
    let mut last_top = None;
    for _ in 0..400 {
        let buffer = harness.buffer();
        let (left, top) = find(&buffer, "┌ Help ", 0).expect("the help box is drawn");
        let right = (left + 1..buffer.area.width)
            .find(|&x| buffer[(x, top)].symbol() == "┐")
            .expect("the help box has a right corner");
        let inner: Vec<String> = (top + 1..buffer.area.height)
            .take_while(|&y| buffer[(left, y)].symbol() == "│")
            .map(|y| {
                (left + 1..right)
                    .map(|x| buffer[(x, y)].symbol())
                    .collect::<String>()
                    .trim_end()
                    .to_owned()
            })
            .collect();
        if last_top.as_ref() == Some(&inner) {
            break;
        }
        if rows.is_empty() {
            rows.clone_from(&inner);
        } else if let Some(row) = inner.last() {
            rows.push(row.clone());
        }
        last_top = Some(inner);
        harness.press('j');
    }
    rows
}

#[test]
fn every_help_description_is_read_whole_at_80_and_60_columns() {
    use KeyCode::{Char, Enter};
    let screens: [(&str, Vec<KeyCode>); 7] = [
        ("list", vec![]),
        ("overview", vec![Char('o')]),
        ("patient", vec![Enter]),
        ("way forward", vec![Enter, Char('w')]),
        ("meetings", vec![Char('m')]),
        ("a meeting", vec![Char('m'), Enter]),
        ("presentation", vec![Char('m'), Enter, Enter]),
    ];
    for (width, height) in [(80, 24), (60, 20)] {
        for (name, keys) in &screens {
            let mut harness = Harness::new(300, width, height);
            for key in keys {
                harness.key(*key);
            }
            harness.press('?');
            let rows = help_rows(&mut harness);
            // A description wrapped onto continuation rows reads as one text when they are joined.
            let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
            let shown = words(&rows.join(" "));
            for (keys, help) in harness.keymap.help(harness.model.context()) {
                assert!(
                    shown.contains(&words(&help)),
                    "{name} at {width}×{height}: `{keys}` is not read whole: {help:?}\n{}",
                    rows.join("\n")
                );
            }
            for row in &rows {
                assert!(
                    refract::text::width(row) <= usize::from(width) - 2,
                    "{name} at {width}×{height}: {row:?}"
                );
            }
        }
    }
}

/// Observations of `patient` as imported ones arrive: `(code, display, value, unit, at)`.
fn add_observations(
    harness: &Harness,
    patient: i64,
    rows: &[(String, String, f64, String, String)],
) {
    let connection = sql_on(&harness.store);
    connection.execute_batch("BEGIN").unwrap();
    for (index, (code, display, value, unit, at)) in rows.iter().enumerate() {
        connection
            .execute(
                "INSERT INTO observations (patient_id, id, code, display, value, unit, effective)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                rusqlite::params![
                    patient,
                    50_000 + index as i64,
                    code,
                    display,
                    value,
                    unit,
                    at
                ],
            )
            .unwrap();
    }
    connection.execute_batch("COMMIT").unwrap();
}

/// `count` readings of a myeloma record as an import brings them: M-protein by LOINC in g/L
/// and by its name in g/dL, a urine M-protein (not the serum's chart), and haemoglobins the
/// measure's selector must pass over; a day apart, ending on `last`.
fn myeloma_readings(count: usize, last: NaiveDate) -> Vec<(String, String, f64, String, String)> {
    (0..count)
        .map(|index| {
            let day = last - chrono::Duration::days((count - index) as i64);
            let at = format!("{day} 09:00:00");
            let value = 10.0 + (index % 17) as f64;
            let (code, display, value, unit) = match index % 4 {
                0 => ("33358-3", "Protein.monoclonal", value, "g/L"),
                1 => ("text:M-Spike", "M-Spike", value / 10.0, "g/dL"),
                2 => (
                    "text:Urine M-protein",
                    "Urine M-protein",
                    value / 10.0,
                    "g/dL",
                ),
                _ => ("718-7", "Hemoglobin", value, "g/dL"),
            };
            (
                code.to_owned(),
                display.to_owned(),
                value,
                unit.to_owned(),
                at,
            )
        })
        .collect()
}

/// The chart reads a record's measure once, when the record loads, and draws the same readings
/// it drew when it recognised them on every frame: the same track, label and sparkline, for an
/// M-protein imported by code and by name among readings that are not the measure.
#[test]
fn the_timeline_draws_the_readings_it_read_when_the_record_loaded() {
    let mut harness = Harness::new(300, 120, 40);
    let (patient, mrn) = patient_of(&harness, "myeloma");
    add_observations(&harness, patient, &myeloma_readings(240, today()));
    open_patient(&mut harness, &mrn);
    insta::assert_snapshot!("timeline_readings_myeloma_120x40", harness.screen());
    harness.key(KeyCode::Esc);
    harness.key(KeyCode::Esc);

    let (patient, mrn) = patient_of(&harness, "hypertension");
    let pairs: Vec<(String, String, f64, String, String)> = (0..60)
        .flat_map(|index: i64| {
            let day = today() - chrono::Duration::days(7 * (60 - index));
            let at = format!("{day} 09:00:00");
            let systolic = 130.0 + (index % 9) as f64 * 4.0;
            [
                (
                    String::from("8480-6"),
                    String::from("Systolic blood pressure"),
                    systolic,
                    String::from("mm[Hg]"),
                    at.clone(),
                ),
                (
                    String::from("8462-4"),
                    String::from("Diastolic blood pressure"),
                    systolic - 50.0,
                    String::from("mm[Hg]"),
                    at,
                ),
            ]
        })
        .collect();
    add_observations(&harness, patient, &pairs);
    open_patient(&mut harness, &mrn);
    insta::assert_snapshot!("timeline_readings_hypertension_120x40", harness.screen());
}

/// Not a check: the time to draw the timeline of a record of many observations, printed by
/// hand (`cargo test --release --test tui frame_time -- --ignored --nocapture`).
#[test]
#[ignore = "a timing printed by hand, never asserted"]
fn frame_time_of_a_timeline_with_many_observations() {
    let mut harness = Harness::new(300, 120, 40);
    let (patient, mrn) = patient_of(&harness, "myeloma");
    add_observations(&harness, patient, &myeloma_readings(5_000, today()));
    let loading = std::time::Instant::now();
    open_patient(&mut harness, &mrn);
    let loaded = loading.elapsed();
    let frames = 10u32;
    let drawing = std::time::Instant::now();
    for _ in 0..frames {
        std::hint::black_box(harness.buffer());
    }
    let per_frame = drawing.elapsed() / frames;
    eprintln!("5,000 observations: record opened in {loaded:?}, a frame drawn in {per_frame:?}");
}

/// A trial named at length, put on the way-forward board of a flagged patient's step 3 on a
/// `width`×`height` terminal; the status line then says it was saved, in more than a row.
fn board_with_a_long_trial(width: u16, height: u16, title: &str) -> (Harness, String) {
    let mut harness = Harness::new(300, width, height);
    let mrn = flagged_with_confounder(&harness, "adherence");
    open_patient(&mut harness, &mrn);
    harness.press('w');
    harness.press('j');
    harness.press('j');
    harness.key(KeyCode::Tab);
    harness.press('a');
    harness.type_text("NCT01234567");
    harness.key(KeyCode::Enter);
    harness.type_text(title);
    harness.key(KeyCode::Enter);
    (harness, mrn)
}

const LONG_TRIAL: &str = "A randomised phase 3 trial of responsive neurostimulation against \
                          continued medical therapy in adults with drug-resistant focal epilepsy";

/// Words of `text`, one space apart: text wrapped over rows reads as one when joined.
fn words_of(text: &str) -> String {
    text.split_whitespace()
        .filter(|word| *word != "│" && *word != "·")
        .collect::<Vec<_>>()
        .join(" ")
}

/// A message wider than the terminal is never cut silently: the status line ends it with "…"
/// and names the key that shows it whole, and the help lists the last messages whole.
#[test]
fn a_message_wider_than_the_status_line_says_it_was_cut_and_the_help_shows_it_whole() {
    let (mut harness, _) = board_with_a_long_trial(80, 24, LONG_TRIAL);
    let message = harness.model.message.clone().unwrap_or_default();
    assert!(message.contains(LONG_TRIAL), "{message}");
    let screen = harness.screen();
    insta::assert_snapshot!("long_message_80x24", screen);
    let status = screen.lines().nth(22).unwrap_or_default();
    assert!(status.starts_with(" saved: A randomised"), "{screen}");
    assert!(status.ends_with("… ? full text"), "{status:?}");
    assert!(refract::text::width(status) <= 80, "{status:?}");

    harness.press('?');
    let screen = harness.screen();
    let help = words_of(&screen);
    assert!(help.contains(&words_of(&message)), "{screen}");
    // A message that fits is not marked.
    harness.key(KeyCode::Esc);
    harness.press('M');
    let screen = harness.screen();
    let status = screen.lines().nth(22).unwrap_or_default();
    assert!(status.contains("identity masked"), "{screen}");
    assert!(!status.contains('…'), "{status:?}");
}

/// On a masked screen a long message naming the patient is masked before it is cut, on the
/// status line and in the help; messages kept before masking was turned on are not listed.
#[test]
fn a_long_message_naming_the_patient_stays_masked_cut_or_whole() {
    let mut harness = Harness::new(300, 80, 24);
    let mrn = flagged_with_confounder(&harness, "adherence");
    let family: String = sql_on(&harness.store)
        .query_row(
            "SELECT family_name FROM patients WHERE mrn = ?1",
            [&mrn],
            |r| r.get(0),
        )
        .unwrap();
    open_patient(&mut harness, &mrn);
    harness.press('w');
    harness.press('j');
    harness.press('j');
    harness.key(KeyCode::Tab);
    // Said unmasked before masking: not for the masked help.
    harness.press('a');
    harness.type_text("NCT07654321");
    harness.key(KeyCode::Enter);
    harness.type_text(&format!("Screening visit booked, {family} family informed"));
    harness.key(KeyCode::Enter);
    harness.press('M');
    harness.press('a');
    harness.type_text("NCT01234567");
    harness.key(KeyCode::Enter);
    harness.type_text(&format!(
        "{LONG_TRIAL}; {family} asked about it, {family} to be called back"
    ));
    harness.key(KeyCode::Enter);
    let message = harness.model.message.clone().unwrap_or_default();
    assert!(message.contains(&family), "{message}");
    let screen = harness.screen();
    let status = screen.lines().nth(22).unwrap_or_default();
    assert!(status.ends_with("… ? full text"), "{status:?}");
    assert!(!status.contains(&family), "{status:?}");
    harness.press('?');
    let screen = harness.screen();
    assert!(screen.contains("Last messages"), "{screen}");
    assert!(words_of(&screen).contains("to be called back"), "{screen}");
    assert!(!screen.contains(&family), "{screen}");
    assert!(!screen.contains("Screening visit"), "{screen}");
}

/// The text of a popup's rows from where `start` is drawn down to its first blank row, each
/// row read up to the popup's right border.
fn question_rows(buffer: &Buffer, start: &str) -> String {
    let Some((column, row)) = find(buffer, start, 0) else {
        return String::new();
    };
    let mut rows = Vec::new();
    for y in row..buffer.area.height {
        let text: String = (column..buffer.area.width)
            .map(|x| buffer[(x, y)].symbol())
            .take_while(|symbol| *symbol != "│")
            .collect();
        if text.trim().is_empty() {
            break;
        }
        rows.push(text);
    }
    rows.join(" ")
}

/// A choice menu's question is read whole however long (the team's stance on a trial named at
/// length): wrapped over the menu's first rows when it is wider than the screen.
#[test]
fn a_choice_menus_long_question_is_read_whole() {
    for (width, height) in [(80, 24), (60, 20)] {
        let (mut harness, _) = board_with_a_long_trial(width, height, LONG_TRIAL);
        harness.press('G');
        harness.press('p');
        let Some(model::Popup::Choose { title, .. }) = harness.model.popup.clone() else {
            panic!("p opens the list of stances");
        };
        assert!(title.contains(LONG_TRIAL), "{title}");
        let screen = harness.screen();
        if width == 80 {
            insta::assert_snapshot!("long_choice_title_80x24", screen);
        }
        let question = question_rows(&harness.buffer(), "The team's");
        assert_eq!(
            words_of(&question),
            words_of(&title),
            "{width}×{height}:\n{screen}"
        );
        assert!(screen.contains("rejected (asks the reason)"), "{screen}");
    }
}

/// A schizophrenia on clozapine stopped for agranulocytosis, recorded as an AllergyIntolerance
/// whose words name the patient (as a free-text note may).
fn clozapine_reaction_bundle() -> serde_json::Value {
    serde_json::json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "clz",
            "identifier": [{"system": "urn:mrn", "value": "CLZ-1"}],
            "name": [{"family": "Quill", "given": ["Quentin"]}],
            "gender": "male", "birthDate": "1990-01-01"}},
        {"resource": {"resourceType": "Condition", "id": "scz",
            "subject": {"reference": "Patient/clz"},
            "clinicalStatus": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                "code": "active"}]},
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm",
                "code": "F20.0", "display": "Paranoid schizophrenia"}]},
            "onsetDateTime": "2012-02-01"}},
        {"resource": {"resourceType": "AllergyIntolerance", "id": "agr",
            "patient": {"reference": "Patient/clz"},
            "clinicalStatus": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                "code": "active"}]},
            "type": "intolerance", "category": ["medication"], "criticality": "high",
            "code": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                "code": "2626"}], "text": "clozapine"},
            "onsetDateTime": "2019-03-14",
            "reaction": [{"manifestation": [{"text": "agranulocytosis (Quill's second)"}]}]}},
    ]})
}

#[test]
fn the_patient_header_lists_drug_reactions_masked_as_other_text() {
    // Review R11-1: the team must see the agranulocytosis before discussing clozapine.
    let mut harness = Harness::with_bundle(20, 80, 24, &clozapine_reaction_bundle());
    open_patient(&mut harness, "CLZ-1");
    let screen = harness.screen();
    assert!(
        screen
            .contains("⚠ clozapine: agranulocytosis (Quill's second) (high criticality, 2019-03)"),
        "{screen}"
    );
    insta::assert_snapshot!("patient_reaction_80x24", screen);
    harness.resize(160, 40);
    let screen = harness.screen();
    assert!(screen.contains("⚠ clozapine: agranulocytosis"), "{screen}");
    insta::assert_snapshot!("patient_reaction_160x40", screen);
    // Masked, the reaction is still there, the name in its words is not.
    harness.press('M');
    let screen = harness.screen();
    assert!(screen.contains("⚠ clozapine: agranulocytosis"), "{screen}");
    assert!(!screen.contains("Quill"), "{screen}");
    // The way forward, where the options are discussed, has the same header.
    harness.press('w');
    let screen = harness.screen();
    assert!(screen.contains("⚠ clozapine: agranulocytosis"), "{screen}");
}
