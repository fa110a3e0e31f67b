//! Whole-screen figures for the dashboard on a database of any size: time to the first frame
//! (open the file, the first page and counts, draw), key-to-frame latency for the keys a user
//! presses (p50, p99, max), and peak memory.
//!
//! The screen is driven as in `tests/tui.rs`: keys through the keymap, the worker's `handle`
//! answering in place, frames drawn into ratatui's `TestBackend` at 120×40. Run by hand:
//!
//! ```sh
//! cargo run --release -- --db big.db demo --patients 1000000 --no-open
//! REFRACT_BENCH_DB=big.db cargo bench --bench tui
//! ```

use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use refract::domain::AssessmentStatus;
use refract::rules::Rules;
use refract::store::{OpenMode, SortKey, Store};
use refract::tui::app;
use refract::tui::keymap::Keymap;
use refract::tui::model::{Model, Msg, RulesetName};
use refract::tui::theme::Theme;
use refract::tui::{Event, translate, view, worker};

const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;

struct Screen {
    store: Store,
    rules: Rules,
    model: Model,
    keymap: Keymap,
    terminal: Terminal<TestBackend>,
    today: NaiveDate,
}

impl Screen {
    fn answer(&mut self, requests: Vec<worker::Request>) {
        let mut queue: VecDeque<worker::Request> = requests.into();
        while let Some(request) = queue.pop_front() {
            let reply = worker::handle(&mut self.store, &self.rules, request, self.today);
            queue.extend(app::update(&mut self.model, Msg::Reply(reply)));
        }
    }

    fn draw(&mut self) {
        let (model, keymap) = (&self.model, &self.keymap);
        self.terminal
            .draw(|frame| view::render(model, keymap, Theme { color: true }, frame))
            .expect("a test backend does not fail");
    }

    /// One key, until its frame is drawn.
    fn key(&mut self, code: KeyCode, modifiers: KeyModifiers) -> Duration {
        let started = Instant::now();
        let event = Event::Terminal(TermEvent::Key(KeyEvent::new(code, modifiers)));
        let area = Rect::new(0, 0, WIDTH, HEIGHT);
        for msg in translate(&self.model, &self.keymap, event, area) {
            let requests = app::update(&mut self.model, msg);
            self.answer(requests);
        }
        self.draw();
        started.elapsed()
    }
}

impl Screen {
    /// Opens the search, types `query` a key at a time, closes it: the time of each key.
    fn type_search(&mut self, query: &str) -> Vec<Duration> {
        let none = KeyModifiers::NONE;
        self.key(KeyCode::Char('/'), none);
        let mut typed = String::new();
        let mut took = Vec::new();
        for c in query.chars() {
            typed.push(c);
            let time = self.key(KeyCode::Char(c), none);
            if std::env::var_os("REFRACT_BENCH_VERBOSE").is_some() {
                println!("  search {typed:?}: {:.1} ms", time.as_secs_f64() * 1000.0);
            }
            took.push(time);
        }
        self.key(KeyCode::Esc, none);
        took
    }
}

/// Search per kind of prefix and per sort, so that "any prefix" is measured: one letter (the
/// broadest names, and every MRN), MRN prefixes typed out (100,000, 10,000, 1,000 matches at
/// one end of the id order), family names (about 5,000 each, at one place in the name order),
/// narrow and empty ones; then the same under other sorts, both directions, and a status filter.
fn search_kinds(screen: &mut Screen) {
    let kinds: [(&str, &[&str]); 5] = [
        ("one letter", &["m", "r", "z", "q", "b", "k", "s", "y"]),
        ("MRN prefix, typed", &["rf-00004", "rf-1", "rf-099"]),
        ("family name, typed", &["ito", "berg", "yamamoto", "mo"]),
        ("narrow (nowak, o; rf-0000123)", &["nowak, o", "rf-0000123"]),
        ("no match (xq, 9, zzz)", &["xq", "9", "zzz"]),
    ];
    for (label, queries) in kinds {
        let samples = queries.iter().flat_map(|q| screen.type_search(q)).collect();
        report(&format!("search, {label}"), samples);
    }
    let mixed = ["m", "rf-000", "yam", "ito, a", "xq"];
    let sorts = [
        (SortKey::Status, false),
        (SortKey::Name, false),
        (SortKey::Name, true),
        (SortKey::LastChange, true),
        (SortKey::LastChange, false),
        (SortKey::Mrn, false),
        (SortKey::Mrn, true),
        (SortKey::Age, false),
        (SortKey::Regimen, false),
        (SortKey::Review, true),
    ];
    for (sort, descending) in sorts {
        screen.model.list.query.sort = sort;
        screen.model.list.query.descending = descending;
        let samples = mixed.iter().flat_map(|q| screen.type_search(q)).collect();
        let arrow = if descending { "↓" } else { "↑" };
        report(
            &format!("search, sorted by {} {arrow}", sort.label()),
            samples,
        );
    }
    screen.model.list.query.sort = SortKey::Status;
    screen.model.list.query.descending = true;
    for status in [AssessmentStatus::Refractory, AssessmentStatus::Relapsed] {
        screen.model.list.query.filter.status = Some(status);
        let samples = mixed.iter().flat_map(|q| screen.type_search(q)).collect();
        report(&format!("search, status filter {status:?}"), samples);
    }
    screen.model.list.query.filter.status = None;
}

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<34} n={:<5} p50 {:>7.2} ms   p99 {:>7.2} ms   max {:>7.2} ms",
        samples.len(),
        ms(percentile(&samples, 0.5)),
        ms(percentile(&samples, 0.99)),
        ms(*samples.last().unwrap_or(&Duration::ZERO)),
    );
}

/// The floor: the `sqlite3` shell printing the first page of the list from the same file.
fn sqlite3_floor(path: &std::path::Path) -> Option<Duration> {
    let sql = "SELECT list_status, family_name, given_name, mrn, birth_date, sex, list_ruleset, \
               list_line, list_regimen, list_wf, list_review, updated_at \
               FROM patients ORDER BY list_status DESC, id DESC LIMIT 50";
    let mut runs = Vec::new();
    for _ in 0..7 {
        let started = Instant::now();
        let output = std::process::Command::new("sqlite3")
            .arg(path)
            .arg(sql)
            .output()
            .ok()?;
        if !output.status.success() {
            return None;
        }
        runs.push(started.elapsed());
    }
    runs.sort();
    Some(runs[runs.len() / 2])
}

/// The whole program in a pseudo-terminal: from spawning `refract` to the first page on
/// screen (median of five), and its peak memory after browsing, read from /proc before it quits.
fn process_first_frame(path: &std::path::Path) -> Option<(Duration, f64)> {
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};
    use std::io::{Read, Write};
    use std::sync::{Arc, Mutex};

    let mut firsts = Vec::new();
    let mut peak = 0.0f64;
    for _ in 0..5 {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: HEIGHT,
                cols: WIDTH,
                pixel_width: 0,
                pixel_height: 0,
            })
            .ok()?;
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_refract"));
        command.arg("--db");
        command.arg(path);
        command.env("TERM", "xterm-256color");
        let started = Instant::now();
        let mut child = pty.slave.spawn_command(command).ok()?;
        let mut reader = pty.master.try_clone_reader().ok()?;
        let mut writer = pty.master.take_writer().ok()?;
        let parser = Arc::new(Mutex::new(vt100::Parser::new(HEIGHT, WIDTH, 0)));
        let sink = Arc::clone(&parser);
        std::thread::spawn(move || {
            let mut chunk = [0u8; 16384];
            while let Ok(read) = reader.read(&mut chunk) {
                if read == 0 {
                    break;
                }
                if let Ok(mut parser) = sink.lock() {
                    parser.process(&chunk[..read]);
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let shown = parser
                .lock()
                .is_ok_and(|p| p.screen().contents().contains("row 1 of"));
            if shown {
                firsts.push(started.elapsed());
                break;
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        // Browse a little (to the end and back, a search) before reading the peak.
        for keys in [&b"G"[..], b"g", b"/berg", b"\x1b", b"jjjjjjjjjj"] {
            let _ = writer.write_all(keys);
            let _ = writer.flush();
            std::thread::sleep(Duration::from_millis(300));
        }
        if let Some(pid) = child.process_id()
            && let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status"))
            && let Some(kib) = status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
        {
            peak = peak.max(kib / 1024.0);
        }
        let _ = writer.write_all(b"q");
        let _ = writer.flush();
        let _ = child.wait();
    }
    firsts.sort();
    Some((firsts[firsts.len() / 2], peak))
}

fn main() {
    let Some(path) = std::env::var_os("REFRACT_BENCH_DB").map(PathBuf::from) else {
        eprintln!("set REFRACT_BENCH_DB to a database (refract demo --patients N --no-open)");
        return;
    };
    let today = NaiveDate::from_ymd_opt(2026, 11, 27).expect("a valid date");
    let rules = Rules::embedded().expect("the embedded rules load");

    let started = Instant::now();
    let store = Store::open(&path, OpenMode::MustExist, "bench").expect("the database opens");
    let viewport = usize::from(
        view::Areas::at_rest(Rect::new(0, 0, WIDTH, HEIGHT))
            .list_rows
            .height,
    );
    let model = Model::new(today, RulesetName::all(&rules), viewport);
    let mut screen = Screen {
        store,
        rules,
        model,
        keymap: Keymap::embedded().expect("the keymap loads"),
        terminal: Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("a test terminal"),
        today,
    };
    let first = screen.model.start();
    screen.answer(first);
    screen.draw();
    let first_frame = started.elapsed();
    let total = screen.model.list.total().unwrap_or(0);
    println!("database: {} ({total} patients)", path.display());
    println!(
        "first frame (open, first page, counts, draw): {:.1} ms",
        first_frame.as_secs_f64() * 1000.0
    );

    let none = KeyModifiers::NONE;
    report(
        "move down (j) ×2000",
        (0..2000)
            .map(|_| screen.key(KeyCode::Char('j'), none))
            .collect(),
    );
    report(
        "page down ×300",
        (0..300)
            .map(|_| screen.key(KeyCode::PageDown, none))
            .collect(),
    );
    report(
        "end, home (G, g) ×20",
        (0..20)
            .flat_map(|_| {
                [
                    screen.key(KeyCode::Char('G'), none),
                    screen.key(KeyCode::Char('g'), none),
                ]
            })
            .collect(),
    );
    let mut typing = Vec::new();
    for query in ["ito", "berg", "rf-00004", "nowak, o"] {
        typing.extend(screen.type_search(query));
    }
    report("search, per key typed", typing);
    search_kinds(&mut screen);

    let mut opening = Vec::new();
    for _ in 0..50 {
        opening.push(screen.key(KeyCode::Enter, none));
        screen.key(KeyCode::Esc, none);
        screen.key(KeyCode::Char('j'), none);
    }
    report("open a patient (⏎)", opening);
    report(
        "filter by status (f, ⏎: the next status)",
        (0..12)
            .map(|_| {
                screen.key(KeyCode::Char('f'), none);
                let shown = screen.key(KeyCode::Enter, none);
                screen.key(KeyCode::Esc, none);
                shown
            })
            .collect(),
    );
    report(
        "sort by name (s, ⏎ on name)",
        (0..10)
            .map(|_| {
                screen.key(KeyCode::Char('s'), none);
                screen.key(KeyCode::Char('j'), none);
                screen.key(KeyCode::Enter, none)
            })
            .collect(),
    );
    report(
        "overview (o) and back",
        (0..10)
            .map(|_| {
                let shown = screen.key(KeyCode::Char('o'), none);
                screen.key(KeyCode::Esc, none);
                shown
            })
            .collect(),
    );
    if let Some(peak) = peak_rss_mib() {
        println!(
            "peak resident memory of this bench (in-process, includes the bench): {peak:.0} MiB"
        );
    }
    let floor = sqlite3_floor(&path);
    match process_first_frame(&path) {
        Some((first, peak)) => {
            let ms = first.as_secs_f64() * 1000.0;
            print!("refract process: first frame {ms:.1} ms (median of 5), peak RSS {peak:.1} MiB");
            if let Some(floor) = floor {
                let floor_ms = floor.as_secs_f64() * 1000.0;
                print!(
                    "; sqlite3 first page {floor_ms:.1} ms, ratio {:.1}×",
                    ms / floor_ms
                );
            }
            println!();
        }
        None => println!("refract process: no pseudo-terminal here, not measured"),
    }
}
