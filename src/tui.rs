//! The dashboard: event → action → update → render.
//!
//! Three threads: this one draws and owns the model; an input thread reads the terminal; the
//! worker (`worker`) owns the database connection and answers requests. Both feed one channel,
//! so a key press is never stuck behind a query. The terminal is restored on quit, on error
//! and on panic (ratatui's hook runs before color-eyre's report; ours first releases the mouse).

pub mod action;
pub mod app;
mod apply;
pub mod effect;
pub mod field;
pub mod keymap;
pub mod model;
mod popups;
pub mod purpose;
mod replies;
pub mod screen;
pub mod state;
pub mod theme;
pub mod track;
mod typing;
pub mod undo;
pub mod view;
pub mod worker;

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;
use std::time::Duration;

use chrono::NaiveDate;
use crossterm::event::{
    self as terminal_event, DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste,
    EnableMouseCapture, Event as TermEvent, MouseButton, MouseEventKind,
};
use crossterm::execute;
use ratatui::layout::Rect;

use keymap::{Context, Key, Keymap};
use model::{Model, Msg, RulesetName};
use theme::Theme;
use worker::{Reply, Request};

use crate::rules::Rules;
use crate::store::Store;

/// Something for the drawing thread: a terminal event or a worker's answer.
pub enum Event {
    Terminal(TermEvent),
    Reply(Reply),
    /// SIGTERM or SIGHUP: leave as on `q`, restoring the terminal (a closed SSH session still
    /// gets its writes finished).
    Terminate,
    /// A second passed: the presentation's timer.
    Tick,
    /// The local date changed while the dashboard was open: the new day.
    Day(NaiveDate),
    /// The database worker ended (it panicked): nothing can be read or saved any more.
    WorkerStopped,
}

#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error("terminal: {0}")]
    Io(#[from] io::Error),
    #[error(
        "the database worker stopped unexpectedly; every change saved before it is in the file"
    )]
    WorkerStopped,
}

/// A new viewport for the model when the patient list shows another number of rows than it
/// pages by: after a resize, or when the prompt line opens or closes.
pub fn viewport_change(model: &Model, area: Rect) -> Option<Msg> {
    // A prompt opened on another screen leaves the list behind it as it was.
    let areas = if model.screen == state::Screen::Patients {
        view::Areas::of(area, model)
    } else {
        view::Areas::at_rest(area)
    };
    let rows = usize::from(areas.list_rows.height).max(1);
    (rows != model.viewport).then_some(Msg::Viewport(rows))
}

/// Opens the dashboard on `store` until the user quits; the overview counts flags met more than
/// `waiting_months` ago without a specialist referral as waiting.
pub fn run(
    store: Store,
    rules: Rules,
    keymap: &Keymap,
    waiting_months: u32,
    today: NaiveDate,
) -> Result<(), TuiError> {
    let theme = Theme::from_env();
    let rulesets = RulesetName::all(&rules);
    // Who else can reach the file: said once, on the status line, until the first key.
    let warnings = store.warnings().join(" · ");

    let (events, inbox) = mpsc::channel::<Event>();
    let (requests, worker_inbox) = mpsc::channel::<Request>();
    let (replies, worker_outbox) = mpsc::channel::<Reply>();
    let worker = worker::spawn(store, rules, today, worker_inbox, replies);
    forward_replies(worker_outbox, events.clone());

    let mut terminal = ratatui::init();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // ratatui's hook leaves raw mode and the alternate screen but does not show the cursor
        // (its `Terminal` does so when dropped, which a panic on another thread never does).
        let _ = execute!(
            io::stdout(),
            DisableBracketedPaste,
            DisableMouseCapture,
            crossterm::cursor::Show
        );
        previous(info);
    }));
    // Bracketed paste: a pasted paragraph arrives as text, not as keys that would save it at
    // its first line break.
    execute!(io::stdout(), EnableMouseCapture, EnableBracketedPaste)?;
    let terminate = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGHUP] {
        signal_hook::flag::register(signal, Arc::clone(&terminate))?;
    }
    spawn_clock(events.clone(), terminate, today);
    spawn_input(events);

    let size = terminal.size().unwrap_or_default();
    let mut model = Model::new(
        today,
        rulesets,
        usize::from(
            view::Areas::at_rest(Rect::new(0, 0, size.width, size.height))
                .list_rows
                .height,
        ),
    );
    let result = (|| -> Result<(), TuiError> {
        model.overview.waiting_months = waiting_months;
        if !warnings.is_empty() {
            model.message = Some(format!("warning: {warnings}"));
        }
        for request in model.start() {
            let _ = requests.send(request);
        }
        loop {
            terminal.draw(|frame| view::render(&model, keymap, theme, frame))?;
            let Ok(first) = inbox.recv() else { break };
            // Handle everything already waiting before drawing again: a burst of key repeats
            // costs one frame.
            let mut pending = vec![first];
            pending.extend(inbox.try_iter());
            for event in pending {
                if matches!(event, Event::WorkerStopped) {
                    return Err(TuiError::WorkerStopped);
                }
                let size = terminal.size()?;
                let area = Rect::new(0, 0, size.width, size.height);
                let msgs = translate(&model, keymap, event, area);
                for msg in msgs {
                    for request in app::update(&mut model, msg) {
                        let _ = requests.send(request);
                    }
                }
                for request in release_held(&mut model, keymap, area) {
                    let _ = requests.send(request);
                }
                if let Some(msg) = viewport_change(&model, area) {
                    for request in app::update(&mut model, msg) {
                        let _ = requests.send(request);
                    }
                }
            }
            if model.quit {
                break;
            }
        }
        Ok(())
    })();

    // Every way out (q, Ctrl-C, a signal, the terminal gone, an error) leaves as Esc leaves a
    // presented case, its time saved, and keeps text typed and not saved (a no-op when the
    // loop already handled it); the worker saves what was sent before it stops.
    for request in app::update(&mut model, Msg::Terminate) {
        let _ = requests.send(request);
    }
    let _ = execute!(io::stdout(), DisableBracketedPaste, DisableMouseCapture);
    // Not `restore`, which prints its failure: printing to a terminal that is gone panics,
    // and the process would end before the worker saved what was sent above.
    let _ = ratatui::try_restore();
    drop(requests);
    let _ = worker.join();
    result
}

fn forward_replies(replies: Receiver<Reply>, events: Sender<Event>) {
    thread::spawn(move || {
        for reply in replies {
            if events.send(Event::Reply(reply)).is_err() {
                return;
            }
        }
        // The worker only hangs up when the screen stopped asking, or when it died: in the
        // second case the screen must not go on without a database.
        let _ = events.send(Event::WorkerStopped);
    });
}

fn spawn_input(events: Sender<Event>) {
    thread::spawn(move || {
        loop {
            match terminal_event::poll(Duration::from_millis(250)) {
                Ok(true) => match terminal_event::read() {
                    Ok(event) => {
                        if events.send(Event::Terminal(event)).is_err() {
                            return;
                        }
                    }
                    Err(_) => return,
                },
                Ok(false) => {}
                Err(_) => return,
            }
        }
    });
}

/// The clock: a tick a second (the presentation's timer), and the way out when the process is
/// asked to end or the terminal is gone. It runs beside the input thread because a read on a
/// terminal that hung up can spin inside the terminal library without ever returning.
fn spawn_clock(events: Sender<Event>, terminate: Arc<AtomicBool>, today: NaiveDate) {
    thread::spawn(move || {
        let mut last_tick = std::time::Instant::now();
        // The day moves on with the local clock from the day the dashboard was opened on: a
        // screen left open overnight reads "tomorrow" the next morning as the day after it.
        let opened_on = chrono::Local::now().date_naive();
        let mut shown = today;
        loop {
            thread::sleep(Duration::from_millis(100));
            // A hung-up terminal answers no size: a dropped session without a signal.
            if terminate.load(Ordering::Relaxed) || crossterm::terminal::size().is_err() {
                let _ = events.send(Event::Terminate);
                return;
            }
            if last_tick.elapsed() >= Duration::from_secs(1) {
                last_tick += Duration::from_secs(1);
                if events.send(Event::Tick).is_err() {
                    return;
                }
                let passed = chrono::Local::now().date_naive() - opened_on;
                if let Some(day) = today.checked_add_signed(passed)
                    && day != shown
                {
                    shown = day;
                    if events.send(Event::Day(day)).is_err() {
                        return;
                    }
                }
            }
        }
    });
}

/// What a terminal event or a reply means for the model. A key, click or paste that comes
/// while the screen awaits the answer that will change its selection waits for it
/// ([`Model::held`], applied by [`release_held`]); Ctrl-C never waits.
pub fn translate(model: &Model, keymap: &Keymap, event: Event, area: Rect) -> Vec<Msg> {
    if let Event::Terminal(terminal_event) = &event
        && waits(model, terminal_event)
    {
        return vec![Msg::Hold(terminal_event.clone())];
    }
    translate_now(model, keymap, event, area)
}

/// Whether a terminal event waits for the answer the screen awaits.
fn waits(model: &Model, event: &TermEvent) -> bool {
    let held_kind = match event {
        TermEvent::Key(key) => {
            let quit = key.code == crossterm::event::KeyCode::Char('c')
                && key
                    .modifiers
                    .contains(crossterm::event::KeyModifiers::CONTROL);
            !quit && (key.is_press() || key.is_repeat())
        }
        TermEvent::Mouse(_) | TermEvent::Paste(_) => true,
        _ => false,
    };
    held_kind && model.holds_input()
}

/// Applies the keys, clicks and pastes that waited ([`Model::held`]), in order, as far as the
/// screen no longer awaits an answer: one that asks for another (a key that opens a record)
/// leaves the rest waiting for it. Called after every message.
pub fn release_held(model: &mut Model, keymap: &Keymap, area: Rect) -> Vec<Request> {
    let mut requests = Vec::new();
    loop {
        let still_waiting = model.input.is_none() && model.awaiting();
        if still_waiting {
            break;
        }
        let Some(event) = model.held.pop_front() else {
            break;
        };
        for msg in translate_now(model, keymap, Event::Terminal(event), area) {
            requests.extend(app::update(model, msg));
        }
    }
    requests
}

fn translate_now(model: &Model, keymap: &Keymap, event: Event, area: Rect) -> Vec<Msg> {
    match event {
        Event::Reply(reply) => vec![Msg::Reply(reply)],
        Event::Terminal(TermEvent::Key(key)) if key.is_press() || key.is_repeat() => {
            // After a refused save its keys come first, over the text being typed too.
            if model.refusal.is_some()
                && let Some(action) = keymap.action_in(Context::Conflict, Key::from_event(&key))
            {
                return vec![Msg::Action(action)];
            }
            if model.input.is_some() {
                return vec![Msg::Typed(key)];
            }
            keymap
                .action(model.context(), Key::from_event(&key))
                .map(Msg::Action)
                .into_iter()
                .collect()
        }
        Event::Terminal(TermEvent::Mouse(mouse)) => {
            let body = view::Areas::of(area, model).list_rows;
            match mouse.kind {
                MouseEventKind::Down(MouseButton::Left)
                    if mouse.row >= body.y && mouse.row < body.y + body.height =>
                {
                    vec![Msg::ClickRow(usize::from(mouse.row - body.y))]
                }
                MouseEventKind::ScrollDown => vec![Msg::Scroll(3)],
                MouseEventKind::ScrollUp => vec![Msg::Scroll(-3)],
                _ => Vec::new(),
            }
        }
        Event::Terminal(TermEvent::Resize(width, height)) => {
            viewport_change(model, Rect::new(0, 0, width, height))
                .into_iter()
                .collect()
        }
        Event::Terminal(TermEvent::Paste(text)) if model.input.is_some() => vec![Msg::Pasted(text)],
        Event::Terminal(_) => Vec::new(),
        Event::Terminate | Event::WorkerStopped => vec![Msg::Terminate],
        Event::Tick => vec![Msg::Tick],
        Event::Day(day) => vec![Msg::Day(day)],
    }
}
