//! The dashboard driven as a user drives it — keys through the keymap, the worker's answers,
//! the screen drawn — without a terminal or threads: every request is answered in place by the
//! worker's own `handle`, and the frame is drawn into ratatui's `TestBackend`.
//!
//! Snapshots (insta) pin what a user sees at 80×24 and 160×48; the other tests assert the
//! behaviour the snapshots cannot show: colours and symbols, every size without a panic, what a
//! review writes.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

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
use refract::tui::app::{self, Model, Msg, RulesetName, Screen};
use refract::tui::keymap::Keymap;
use refract::tui::theme::Theme;
use refract::tui::{self as dashboard, Event, body_area, view, worker};
use tempfile::TempDir;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
}

/// One user at one terminal of `width`×`height`, on a fresh demo database.
struct Harness {
    _dir: TempDir,
    store: Store,
    model: Model,
    keymap: Keymap,
    theme: Theme,
    width: u16,
    height: u16,
}

impl Harness {
    fn new(patients: u64, width: u16, height: u16) -> Harness {
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
        store
            .conn()
            .execute("UPDATE patients SET updated_at = '2026-11-20 09:00:00'", [])
            .unwrap();
        let area = Rect::new(0, 0, width, height);
        let viewport = usize::from(view::list_body(body_area(area, false)).height);
        let model = Model::new(today(), RulesetName::all(&rules), viewport);
        let mut harness = Harness {
            _dir: dir,
            store,
            model,
            keymap: Keymap::embedded().unwrap(),
            theme: Theme { color: true },
            width,
            height,
        };
        let first = harness.model.start();
        harness.answer(first);
        harness
    }

    /// Answers requests (and the requests the answers lead to) until the screen is settled.
    fn answer(&mut self, requests: Vec<worker::Request>) {
        let mut queue: VecDeque<worker::Request> = requests.into();
        while let Some(request) = queue.pop_front() {
            let reply = worker::handle(&mut self.store, request, today());
            queue.extend(app::update(&mut self.model, Msg::Reply(reply)));
        }
    }

    fn event(&mut self, event: TermEvent) {
        let area = Rect::new(0, 0, self.width, self.height);
        for msg in dashboard::translate(&self.model, &self.keymap, Event::Terminal(event), area) {
            let requests = app::update(&mut self.model, msg);
            self.answer(requests);
        }
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
fn patient_list_at_160_by_48() {
    let harness = Harness::new(300, 160, 48);
    insta::assert_snapshot!(harness.screen());
}

#[test]
fn patient_screen_at_80_by_24_and_160_by_48() {
    let mut harness = Harness::new(300, 80, 24);
    harness.key(KeyCode::Enter);
    assert_eq!(harness.model.screen, Screen::Patient);
    insta::assert_snapshot!("patient_80x24", harness.screen());
    harness.resize(160, 48);
    insta::assert_snapshot!("patient_160x48", harness.screen());
}

/// The two sizes every screen is pinned at: a default terminal and a big shared screen.
const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

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
    harness.key(KeyCode::Enter);
    // The note was written now, by the clock: its time is not part of the snapshot.
    let note_time: Option<String> = harness
        .store
        .conn()
        .query_row(
            "SELECT substr(at, 1, 16) FROM notes ORDER BY id DESC LIMIT 1",
            [],
            |row| row.get(0),
        )
        .ok()
        .map(|at: String| at.replace('T', " "));
    assert!(note_time.is_some(), "the note was saved");
    for name in ["timeline", "lines", "observations", "notes", "history"] {
        for (width, height) in SIZES {
            harness.resize(width, height);
            let screen = match &note_time {
                Some(time) => harness.screen().replace(time.as_str(), "[now]"),
                None => harness.screen(),
            };
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
    let table = view::list_body(body_area(buffer.area, false)).y;
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
    let first_row = view::list_body(body_area(Rect::new(0, 0, 120, 40), false)).y;
    assert!(
        buffer[(2, first_row)]
            .modifier
            .contains(ratatui::style::Modifier::REVERSED),
        "the selection is reversed, visible on a monochrome screen"
    );
}

#[test]
fn no_size_makes_it_panic() {
    let mut harness = Harness::new(120, 120, 40);
    let sizes: Vec<(u16, u16)> = (1..=12)
        .flat_map(|w| (1..=8).map(move |h| (w, h)))
        .chain([
            (20, 5),
            (40, 10),
            (79, 23),
            (80, 24),
            (300, 100),
            (1, 100),
            (300, 1),
        ])
        .collect();
    let screens: [&[KeyCode]; 5] = [
        &[],
        &[KeyCode::Char('o')],
        &[KeyCode::Esc, KeyCode::Enter],
        &[KeyCode::Tab],
        &[KeyCode::Char('?')],
    ];
    for keys in screens {
        for code in keys {
            harness.key(*code);
        }
        for &(width, height) in &sizes {
            harness.resize(width, height);
            let _ = harness.buffer();
        }
        harness.resize(120, 40);
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
        let reply = worker::handle(&mut store, request, today());
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
