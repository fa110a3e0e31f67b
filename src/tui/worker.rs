//! The database workers: two threads, each with its own connection to the file, answer the
//! screen's requests, so that no query ever runs on the thread that draws.
//!
//! One reads: pages of the list, a patient, the overview, a way forward, a meeting. The other
//! writes: every change a person makes, and the background evaluation between them. With WAL a
//! read never waits for a write, so while a save waits for another process's write lock (an
//! import between two batches) the screen goes on opening patients. A save that finds the file
//! busy is tried again, backing off, for up to [`WRITE_PATIENCE`]; then it is reported as not
//! saved, and the screen keeps what was typed.
//!
//! The reader notices changes made by other connections (`PRAGMA data_version`: another
//! process, and the writer) and says so; the writer brings assessments up to date a small chunk
//! at a time (a save waits at most one chunk) and starts a pass when another process changed data.
//! Before that pass, it brings up to date the patients an import left unfinished (killed before
//! its end), so that no screen shows a record older than what was imported.

use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};

use crate::assess;
use crate::domain::{AuditEntry, Edit, PatientId, ReviewDecision};
use crate::import::{Leftover, Rebuilt};
use crate::meeting::{self, MeetingChange, MeetingView};
use crate::rules::Rules;
use crate::store::{
    Anchor, Conflict, ListFilter, ListQuery, Note, PatientRow, PatientSummary, ReviewSeen,
    StatusCounts, Store, StoreError,
};
use crate::store::{MeetingSummary, TaskRow};
use crate::way_forward::{self, WayForwardError, WayForwardView};

/// How long a save goes on trying while another program holds the file's write lock.
pub const WRITE_PATIENCE: Duration = Duration::from_secs(10);

/// What the screen asks for. Requests that carry a `generation` are answered with it, and the
/// screen ignores answers to questions it no longer asks (a newer search, another sort).
#[derive(Debug, Clone)]
pub enum Request {
    Page {
        generation: u64,
        query: ListQuery,
        anchor: Anchor,
        limit: usize,
        placement: Placement,
    },
    Counts {
        generation: u64,
        filter: ListFilter,
    },
    CareTeams,
    /// The last Bulk Data pull, for the header.
    LastPull,
    Patient {
        id: PatientId,
    },
    Overview {
        care_team: Option<String>,
        /// Months after which a flag without a specialist referral counts as waiting.
        waiting_months: u32,
    },
    /// The way forward of a patient for one condition (`None`: the first offered).
    WayForward {
        patient: PatientId,
        ruleset: Option<String>,
    },
    /// The meetings and the team's open tasks; `selected_task`, the task the list's cursor is
    /// on, is said of when it is no longer open.
    Meetings {
        selected_task: Option<i64>,
    },
    Meeting {
        id: i64,
    },
    /// Writes a meeting's minutes to a new file (HTML when the name ends in `.html`), masked
    /// unless `identified`; answered with a notice saying where, or why not.
    Minutes {
        meeting: i64,
        path: std::path::PathBuf,
        identified: bool,
    },
    /// A change a person made, answered with `Saved` or `NotSaved` carrying the same ticket: the
    /// screen numbers its saves to know which typed text an answer is about (0: not numbered
    /// yet; the screen numbers it before sending).
    Save {
        ticket: u64,
        save: Box<Save>,
    },
    /// The day on the screen's clock moved on (midnight passed with the dashboard open): what
    /// is read and saved from now on is as of this day (due dates overdue, the overview's
    /// waiting flags, the criteria's time windows).
    Day(NaiveDate),
}

/// Why a save over a colleague's change is not undone.
const OVERWRITE_STAYS: &str =
    "it saved over a colleague's change: set it back by hand (History shows both)";

/// A change a person makes.
#[derive(Debug, Clone, PartialEq)]
pub enum Save {
    /// A confirm or dismiss of an assessment as the person read it (`seen`).
    Review {
        patient: PatientId,
        ruleset: String,
        decision: ReviewDecision,
        rationale: String,
        seen: ReviewSeen,
    },
    Note {
        patient: PatientId,
        text: String,
    },
    WayForward(way_forward::Change),
    Meeting(MeetingChange),
}

impl Save {
    /// A save no key asked for (the presentation's running time on a case, written every few
    /// seconds): it is saved quietly.
    pub fn is_background(&self) -> bool {
        matches!(self, Save::Meeting(MeetingChange::Presented { .. }))
    }

    /// The save that takes this one back, through the same checked and audited path; else
    /// why it cannot be undone.
    pub fn undoing(&self) -> Result<Box<Save>, &'static str> {
        let not_an_edit = "it added a record, which stays (edit it, or mark it done or cancelled)";
        match self {
            // Saved over a colleague's change: going back to what the person opened would not
            // give the colleague's value back, so it is set back by hand (History shows both).
            Save::WayForward(change) if change.overwrites() => Err(OVERWRITE_STAYS),
            Save::Meeting(change) if change.overwrites() => Err(OVERWRITE_STAYS),
            Save::WayForward(change) => change
                .reversed()
                .map(|change| Box::new(Save::WayForward(change)))
                .ok_or(not_an_edit),
            Save::Meeting(MeetingChange::MoveCase { .. }) => {
                Err("the agenda's order is changed back with J and K")
            }
            Save::Meeting(MeetingChange::RestoreCase { .. }) => {
                Err("a case put back is removed again with X")
            }
            Save::Meeting(MeetingChange::Presented { .. }) => {
                Err("the time on a case is not a change to take back")
            }
            Save::Meeting(change) => change
                .reversed()
                .map(|change| Box::new(Save::Meeting(change)))
                .ok_or(not_an_edit),
            Save::Review { .. } => {
                Err("a review stays in the record: confirm or dismiss again, and the latest counts")
            }
            Save::Note { .. } => Err("a note stays in the record: add another that corrects it"),
        }
    }

    /// The same change, saved over the colleague's change the person was shown: their record
    /// at version `theirs` (for a review, their review's id), audited as an overwrite. A change
    /// of theirs stored after it refuses the save again.
    #[must_use]
    pub fn overwriting(self, theirs: i64) -> Self {
        match self {
            Save::Review {
                patient,
                ruleset,
                decision,
                rationale,
                seen,
            } => Save::Review {
                patient,
                ruleset,
                decision,
                rationale,
                seen: ReviewSeen {
                    overwrite: Some(theirs),
                    ..seen
                },
            },
            Save::WayForward(change) => Save::WayForward(change.overwriting(theirs)),
            Save::Meeting(change) => Save::Meeting(change.overwriting(theirs)),
            note @ Save::Note { .. } => note,
        }
    }

    /// The patient the change is written on, where it names one by id (a change of a meeting's
    /// case or task names the case or task: a join moves those to the kept record).
    fn patient(&self) -> Option<PatientId> {
        match self {
            Save::WayForward(change) => Some(change.patient()),
            Save::Review { patient, .. }
            | Save::Note { patient, .. }
            | Save::Meeting(
                MeetingChange::AddCase { patient, .. } | MeetingChange::AddTask { patient, .. },
            ) => Some(*patient),
            Save::Meeting(_) => None,
        }
    }

    /// Whether it is an edit in which the person changed the record they opened: one that then
    /// writes nothing found a colleague's identical change already there (both marked a task
    /// done).
    fn changes_a_record(&self) -> bool {
        fn changed<T: PartialEq>(edit: &Edit<T>) -> bool {
            edit.base.as_ref().is_some_and(|base| base != &edit.new)
        }
        match self {
            // `None` for a record added, or one saved as it was opened.
            Save::WayForward(change) => change.reversed().is_some(),
            Save::Meeting(MeetingChange::Case(edit) | MeetingChange::Decision { edit, .. }) => {
                changed(edit)
            }
            Save::Meeting(MeetingChange::Attendee(edit)) => changed(edit),
            Save::Meeting(MeetingChange::Task(edit)) => changed(edit),
            Save::Meeting(_) | Save::Review { .. } | Save::Note { .. } => false,
        }
    }

    /// Whether it saves over a colleague's change the person was shown.
    pub fn overwrites(&self) -> bool {
        match self {
            Save::Review { seen, .. } => seen.overwrite.is_some(),
            Save::WayForward(change) => change.overwrites(),
            Save::Meeting(change) => change.overwrites(),
            Save::Note { .. } => false,
        }
    }
}

/// Where the rows of a page go in the list the screen holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// A fresh list starting at this absolute row (`None`: counted from the end, not known yet).
    Replace {
        position: Option<u64>,
        select_last: bool,
    },
    Append,
    Prepend,
}

/// One patient, everything the patient screen shows.
#[derive(Debug, Clone)]
pub struct PatientDetail {
    pub summary: PatientSummary,
    pub notes: Vec<Note>,
    pub history: Vec<AuditEntry>,
    /// The patient's other names and numbers (a maiden name, a merged record's MRN), cut from
    /// stored text on a masked screen as the meeting screens cut them.
    pub others: crate::domain::history::OtherIdentity,
    /// The ids of the current diagnoses in words no rule set reads
    /// ([`Rules::unrecognised_conditions`]): the screen says so under each.
    pub unrecognised: Vec<i64>,
    /// The measure each timeline of the record charts, read here once: a frame only draws it.
    pub tracks: super::track::Tracks,
}

impl PatientDetail {
    /// The patient's identity, as a masked screen cuts it out of stored text.
    pub fn identity(&self) -> crate::domain::history::Identity<'_> {
        self.summary
            .record
            .patient
            .as_ref()
            .map(|patient| crate::domain::history::Identity {
                mrn: &patient.mrn,
                family_name: &patient.family_name,
                given_name: &patient.given_name,
                birth_date: patient.birth_date,
                others: Some(&self.others),
            })
            .unwrap_or_default()
    }
}

/// The overview's numbers (typed by the store, which computes them).
pub use crate::store::{OverviewData, OverviewRow};

#[derive(Debug, Clone)]
pub enum Reply {
    Page {
        generation: u64,
        placement: Placement,
        /// The rows asked for: fewer came back only at the end of the list.
        limit: usize,
        rows: Vec<PatientRow>,
    },
    Counts {
        generation: u64,
        counts: StatusCounts,
    },
    CareTeams(Vec<String>),
    /// The last pull in a few words (server, when, resources), if there was one.
    LastPull(Option<String>),
    Patient(Box<PatientDetail>),
    /// A save went through; `patient` is the patient it was about, whose screen reloads.
    Saved {
        ticket: u64,
        message: String,
        patient: Option<PatientId>,
        /// The save that takes this one back, or why there is none.
        undo: Result<Box<Save>, &'static str>,
    },
    /// A save is waiting for another program's write lock (said once per save, so the screen
    /// can say why nothing has happened yet).
    Waiting {
        ticket: u64,
    },
    /// A save was refused or could not be made; the screen keeps what was typed. `save` is the
    /// change as it was sent, for saving it again over a colleague's.
    NotSaved {
        ticket: u64,
        why: NotSaved,
        save: Box<Save>,
    },
    Overview(Box<OverviewData>),
    WayForward {
        patient: PatientId,
        /// The conditions a way forward is offered for.
        conditions: Vec<String>,
        view: Option<Box<WayForwardView>>,
    },
    Meetings {
        list: Vec<MeetingSummary>,
        tasks: Vec<TaskRow>,
        /// The selected task, when it left the open tasks: what it is now, and who changed it.
        left: Option<TaskLeft>,
    },
    Meeting(Box<MeetingView>),
    /// Another process (or the background evaluation) changed what the screen shows.
    DataChanged,
    /// Something done that the status line says (a file written, or why not).
    Notice(String),
    Evaluating {
        done: usize,
        total: usize,
    },
    Error(String),
}

/// A task the list's cursor was on that is no longer open.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskLeft {
    pub id: i64,
    pub what: String,
    /// Its status now (`None`: removed from the file).
    pub status: Option<crate::domain::TaskStatus>,
    /// Who changed its status last, as the audit log names them.
    pub by: Option<String>,
}

/// Why a save was not made, as the person is told.
#[derive(Debug, Clone, PartialEq)]
pub enum NotSaved {
    /// Refused by a rule (a step not ready to be done, a missing reason) or failed.
    Refused(String),
    /// The file stayed busy for the whole [`WRITE_PATIENCE`].
    Busy(String),
    /// A colleague changed the same thing since it was opened: who and when, and what they
    /// saved.
    Conflict(Box<Conflict>),
    /// The assessment a review was typed against changed since it was opened.
    AssessmentChanged { label: String, fingerprint: String },
}

/// The day the reader thread was last told, for the writer thread: days from the common era.
struct SharedDay(AtomicI32);

impl SharedDay {
    fn new(day: NaiveDate) -> Self {
        SharedDay(AtomicI32::new(day.num_days_from_ce()))
    }

    fn set(&self, day: NaiveDate) {
        self.0.store(day.num_days_from_ce(), Ordering::SeqCst);
    }

    fn get(&self) -> Option<NaiveDate> {
        NaiveDate::from_num_days_from_ce_opt(self.0.load(Ordering::SeqCst))
    }
}

/// Patients evaluated between two requests: about 10 ms of work.
const EVALUATION_CHUNK: usize = 200;

/// Starts the workers, saves trying for up to [`WRITE_PATIENCE`].
pub fn spawn(
    store: Store,
    rules: Rules,
    today: NaiveDate,
    requests: Receiver<Request>,
    replies: Sender<Reply>,
) -> JoinHandle<()> {
    spawn_with(store, rules, today, requests, replies, WRITE_PATIENCE)
}

/// Starts the workers: the returned thread reads with `store` and hands every save to a writer
/// thread with a second connection to the same file, which tries each save for up to
/// `patience` while the file is busy.
pub fn spawn_with(
    mut store: Store,
    rules: Rules,
    today: NaiveDate,
    requests: Receiver<Request>,
    replies: Sender<Reply>,
    patience: Duration,
) -> JoinHandle<()> {
    thread::spawn(move || {
        let mut today = today;
        // The day the writer saves as of: set here, before the saves that follow it are sent.
        let day = Arc::new(SharedDay::new(today));
        let writer = match store.reopen() {
            Ok(writer_store) => {
                let (saves, inbox) = mpsc::channel::<(u64, Box<Save>)>();
                let handle = spawn_writer(
                    writer_store,
                    rules.clone(),
                    Arc::clone(&day),
                    inbox,
                    replies.clone(),
                    patience,
                );
                Some((saves, handle))
            }
            Err(err) => {
                // Saves then run here, between reads, as they did with one connection.
                let _ = replies.send(Reply::Error(format!(
                    "a second connection for saving could not be opened ({err}); saves wait \
                     behind reads"
                )));
                None
            }
        };
        let mut seen_version = store.data_version().unwrap_or(0);
        let mut last_check = Instant::now();
        loop {
            match requests.recv_timeout(Duration::from_millis(250)) {
                Ok(request) => {
                    let mut waiting: Vec<Request> = vec![request];
                    waiting.extend(requests.try_iter());
                    for request in without_superseded(waiting) {
                        let reply = match (request, &writer) {
                            (Request::Day(new_day), _) => {
                                today = new_day;
                                day.set(new_day);
                                continue;
                            }
                            (Request::Save { ticket, save }, Some((saves, _))) => {
                                if saves.send((ticket, save)).is_err() {
                                    return;
                                }
                                continue;
                            }
                            (request, _) => handle(&mut store, &rules, request, today),
                        };
                        if replies.send(reply).is_err() {
                            return;
                        }
                    }
                }
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {}
            }
            // data_version moves for other connections' commits: other processes, and the
            // writer thread.
            if last_check.elapsed() >= Duration::from_millis(500) {
                last_check = Instant::now();
                if let Ok(version) = store.data_version()
                    && version != seen_version
                {
                    seen_version = version;
                    if replies.send(Reply::DataChanged).is_err() {
                        break;
                    }
                }
            }
        }
        if let Some((saves, handle)) = writer {
            drop(saves);
            let _ = handle.join();
        }
    })
}

/// The writer thread: saves as they come, and the background evaluation between them.
fn spawn_writer(
    mut store: Store,
    rules: Rules,
    day: Arc<SharedDay>,
    saves: Receiver<(u64, Box<Save>)>,
    replies: Sender<Reply>,
    patience: Duration,
) -> JoinHandle<()> {
    thread::spawn(move || {
        let mut today = day.get().unwrap_or_default();
        // Short waits, tried again with a backoff: the writer stays able to say why a save
        // is taking long, and the pass below gives way to an import instead of stalling it.
        let _ = store.wait_briefly_for_the_lock();
        // A pass over the stale patients in id order: the last id done and the highest id.
        let mut pass: Option<(PatientId, i64)> = None;
        // Then, while idle, the dating pass (the day new flags met their criteria; see
        // `assess::date_flags`): the last patient id done.
        let mut dating: Option<PatientId> = None;
        // Patients an import left to bring up to date (one killed before its end): rebuilt
        // from their imported resources before anything else, one short transaction at a time.
        let mut rebuilding: Option<Rebuilt> = None;
        let mut started = false;
        let mut seen_version = store.data_version().unwrap_or(0);
        let mut last_check = Instant::now();
        // An import seen running in another process: watched until it is gone, so that one
        // killed before the end of its file is said at once (its new patients are not listed),
        // not only to whoever opens the dashboard next.
        let mut import_running = false;
        let mut last_import_check = Instant::now();
        let start_pass = |store: &Store| store.max_patient_id().ok().map(|max| (PatientId(0), max));
        loop {
            let waiting = if rebuilding.is_some() || pass.is_some() || dating.is_some() {
                Duration::ZERO
            } else {
                Duration::from_millis(250)
            };
            let received = saves.recv_timeout(waiting);
            // Read after the wait: a save sent after the day moved on is made as of the new day.
            if let Some(new_day) = day.get()
                && new_day != today
            {
                today = new_day;
                if started {
                    // Due dates passed overnight, and every patient's time windows moved.
                    let _ = store.write(|tx| crate::store::refresh_overdue(tx, today).map(|_| ()));
                    pass = start_pass(&store);
                    dating = None;
                }
            }
            match received {
                Ok((ticket, save)) => {
                    let stales =
                        matches!(*save, Save::WayForward(way_forward::Change::Checklist(_)));
                    let reply =
                        save_patiently(&mut store, &rules, ticket, save, today, patience, &replies);
                    if stales && matches!(reply, Reply::Saved { .. }) && pass.is_none() {
                        // A tick resolves a confounder: evaluated at once by the save, or by
                        // this pass when the file was too busy for it.
                        pass = start_pass(&store);
                    }
                    if replies.send(reply).is_err() {
                        return;
                    }
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => return,
                Err(RecvTimeoutError::Timeout) => {}
            }
            if !started {
                // After the first requests (the first page) have been answered.
                started = true;
                pass = start_pass(&store);
                let _ = store.write(|tx| crate::store::refresh_overdue(tx, today).map(|_| ()));
                rebuilding = rebuild_if_left(&store, &replies);
                if let Ok(Some(notice)) = crate::import::held_back_notice(&store) {
                    let _ = replies.send(Reply::Notice(notice));
                }
            }
            if let Some(rebuilt) = rebuilding.as_mut() {
                match crate::import::rebuild_step(&mut store, &rules, today, rebuilt) {
                    Ok(true) => {}
                    Ok(false) => {
                        let done = rebuilt.patients.len();
                        // A Patient left out (its identifiers now name two people) is said,
                        // the first of them in full: nothing else would tell of it.
                        let left_out = match rebuilt.unresolved.first() {
                            Some(first) => format!(
                                "; {} record(s) not joined, the first: {}: {}",
                                rebuilt.unresolved.len(),
                                first.resource,
                                first.message
                            ),
                            None => String::new(),
                        };
                        rebuilding = None;
                        let _ = replies.send(Reply::Notice(format!(
                            "{done} patient(s) brought up to date with their imported \
                             records{left_out}"
                        )));
                        pass = start_pass(&store);
                    }
                    // An import or a colleague is writing: the next step in a moment.
                    Err(err) if err.is_busy() => thread::sleep(Duration::from_millis(250)),
                    Err(err) => {
                        let _ = replies.send(Reply::Error(err.to_string()));
                        rebuilding = None;
                    }
                }
            } else if let Some((after, max_id)) = pass {
                match evaluate_next_chunk(&mut store, &rules, today, after) {
                    Ok(Some(last)) => {
                        pass = Some((last, max_id));
                        let done = usize::try_from(last.0).unwrap_or(0);
                        let total = usize::try_from(max_id).unwrap_or(0).max(done);
                        let _ = replies.send(Reply::Evaluating { done, total });
                    }
                    Ok(None) => {
                        let evaluated_any = after.0 > 0;
                        pass = None;
                        dating = Some(PatientId(0));
                        if evaluated_any {
                            let _ = replies.send(Reply::Evaluating { done: 1, total: 1 });
                        }
                    }
                    // Another program is writing: this chunk again in a moment.
                    Err(err) if err.is_busy() => thread::sleep(Duration::from_millis(250)),
                    Err(err) => {
                        let _ = replies.send(Reply::Error(err.to_string()));
                        pass = None;
                    }
                }
            } else if let Some(after) = dating {
                match assess::date_next_chunk(&mut store, &rules, after) {
                    Ok(Some((last, _))) => dating = Some(last),
                    // The reader sees the days written and has the screen read them again.
                    Ok(None) => dating = None,
                    Err(err) if err.is_busy() => thread::sleep(Duration::from_millis(250)),
                    Err(err) => {
                        let _ = replies.send(Reply::Error(err.to_string()));
                        dating = None;
                    }
                }
            }
            // Another process changed data: evaluate what it made stale (the reader tells the
            // screen).
            if last_check.elapsed() >= Duration::from_millis(500) {
                last_check = Instant::now();
                if let Ok(version) = store.data_version()
                    && version != seen_version
                {
                    seen_version = version;
                    pass = start_pass(&store);
                    if rebuilding.is_none() {
                        rebuilding = rebuild_if_left(&store, &replies);
                    }
                    import_running |= crate::import::an_import_is_running(&store).unwrap_or(false);
                }
            }
            if import_running && last_import_check.elapsed() >= Duration::from_secs(2) {
                last_import_check = Instant::now();
                if crate::import::an_import_is_running(&store).is_ok_and(|running| !running) {
                    import_running = false;
                    if let Ok(Some(notice)) = crate::import::held_back_notice(&store) {
                        let _ = replies.send(Reply::Notice(notice));
                    }
                }
            }
        }
    })
}

/// Starts bringing patients up to date when an import left some to do and is no longer
/// running (see [`Leftover`]); the status line says so either way.
fn rebuild_if_left(store: &Store, replies: &Sender<Reply>) -> Option<Rebuilt> {
    match crate::import::leftover(store) {
        Ok(Leftover::Waiting { patients }) => {
            let _ = replies.send(Reply::Notice(format!(
                "{patients} patient(s) to bring up to date with records an import left \
                 unfinished: doing it now"
            )));
            Some(Rebuilt::default())
        }
        Ok(Leftover::Running { .. } | Leftover::Nothing) => None,
        Err(err) => {
            let _ = replies.send(Reply::Error(err.to_string()));
            None
        }
    }
}

/// One save, tried again with a growing pause while the file is busy, for up to `patience`.
fn save_patiently(
    store: &mut Store,
    rules: &Rules,
    ticket: u64,
    save: Box<Save>,
    today: NaiveDate,
    patience: Duration,
    replies: &Sender<Reply>,
) -> Reply {
    let started = Instant::now();
    let mut pause = Duration::from_millis(50);
    let mut told = false;
    // Whether the save changed anything decides whether it can be undone: undoing a save that
    // wrote nothing would set back a colleague's identical change.
    let mark = store.audit_mark().ok();
    loop {
        match save_once(store, rules, &save, today) {
            Err(err) if is_busy(&err) && started.elapsed() + pause < patience => {
                if !told {
                    told = true;
                    let _ = replies.send(Reply::Waiting { ticket });
                }
                thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_secs(1));
            }
            result => {
                let wrote = mark.is_some_and(|mark| store.audited_since(mark).unwrap_or(false));
                return saved(ticket, save, result, wrote);
            }
        }
    }
}

fn is_busy(err: &WayForwardError) -> bool {
    matches!(err, WayForwardError::Store(err) if err.is_busy())
}

/// The reply to a save.
fn saved(
    ticket: u64,
    save: Box<Save>,
    result: Result<(String, Option<PatientId>), WayForwardError>,
    wrote: bool,
) -> Reply {
    let why = match result {
        Ok((message, patient)) => {
            let undo = if wrote {
                save.undoing()
            } else {
                Err("it changed nothing: the record already said so (a colleague's change, kept)")
            };
            // Said first, for a narrow status line: the change on the record is not theirs.
            let message = if !wrote && save.changes_a_record() {
                format!("already so, a colleague's change: {message}")
            } else {
                message
            };
            return Reply::Saved {
                ticket,
                message,
                patient,
                undo,
            };
        }
        Err(WayForwardError::Store(StoreError::Conflict(conflict))) => NotSaved::Conflict(conflict),
        Err(WayForwardError::Store(StoreError::AssessmentChanged {
            label, fingerprint, ..
        })) => NotSaved::AssessmentChanged { label, fingerprint },
        Err(err) if is_busy(&err) => NotSaved::Busy(String::from(
            "the file stayed busy (another program was writing to it)",
        )),
        Err(err) => NotSaved::Refused(err.to_string()),
    };
    Reply::NotSaved { ticket, why, save }
}

/// Makes one save, in one transaction; what was done in words, and the patient it was about.
fn save_once(
    store: &mut Store,
    rules: &Rules,
    save: &Save,
    today: NaiveDate,
) -> Result<(String, Option<PatientId>), WayForwardError> {
    // A record joined into another meanwhile is gone: said as such, not as the missing row the
    // save ran into (a foreign key, "no patient 1702").
    write_once(store, rules, save, today).map_err(|err| {
        match joined_for_save(store, save.patient()) {
            Some(words) => WayForwardError::Store(StoreError::Invalid(words)),
            None => err,
        }
    })
}

fn write_once(
    store: &mut Store,
    rules: &Rules,
    save: &Save,
    today: NaiveDate,
) -> Result<(String, Option<PatientId>), WayForwardError> {
    Ok(match save {
        Save::Review {
            patient,
            ruleset,
            decision,
            rationale,
            seen,
        } => {
            store.review_checked(*patient, ruleset, *decision, rationale, seen, today)?;
            (format!("{ruleset}: {decision}"), Some(*patient))
        }
        Save::Note { patient, text } => {
            store.add_note(*patient, text, today)?;
            (String::from("note added"), Some(*patient))
        }
        Save::WayForward(change) => (
            way_forward::apply(store, rules, change, today)?,
            Some(change.patient()),
        ),
        Save::Meeting(change) => (meeting::apply(store, change, today)?, None),
    })
}

/// Evaluates the next chunk of stale patients after `after`; the last id done, or `None` when
/// no stale patient is left.
fn evaluate_next_chunk(
    store: &mut Store,
    rules: &Rules,
    today: NaiveDate,
    after: PatientId,
) -> Result<Option<PatientId>, StoreError> {
    let ids = store.stale_patients_after(&rules.stamp, today, after, EVALUATION_CHUNK)?;
    let Some(&last) = ids.last() else {
        return Ok(None);
    };
    assess::evaluate_chunk(store, rules, today, &ids)?;
    Ok(Some(last))
}

/// Drops list reads that a newer one has made pointless (a search typed faster than it is
/// answered: only the last text is worth a query). Writes are never dropped.
pub fn without_superseded(requests: Vec<Request>) -> Vec<Request> {
    let newest = requests
        .iter()
        .filter_map(|request| match request {
            Request::Page { generation, .. } | Request::Counts { generation, .. } => {
                Some(*generation)
            }
            _ => None,
        })
        .max();
    requests
        .into_iter()
        .filter(|request| match request {
            Request::Page { generation, .. } | Request::Counts { generation, .. } => {
                Some(*generation) == newest
            }
            _ => true,
        })
        .collect()
}

/// Answers one request on one connection, a save in a single attempt: the reader thread's
/// loop, and tests that drive the screen without threads.
pub fn handle(store: &mut Store, rules: &Rules, request: Request, today: NaiveDate) -> Reply {
    let result: Result<Reply, StoreError> = match request {
        Request::Page {
            generation,
            query,
            anchor,
            limit,
            placement,
        } => store
            .list_page(&query, &anchor, limit)
            .map(|rows| Reply::Page {
                generation,
                placement,
                limit,
                rows,
            }),
        Request::Counts { generation, filter } => store
            .status_counts(&filter)
            .map(|counts| Reply::Counts { generation, counts }),
        Request::CareTeams => store.care_teams().map(Reply::CareTeams),
        Request::LastPull => store.last_pull().map(|pull| {
            Reply::LastPull(pull.map(|pull| {
                format!(
                    "last pull {} {} ({} resources{})",
                    pull.finished_at.get(..16).unwrap_or(&pull.finished_at),
                    crate::pull::host_label(&pull.server),
                    pull.counts["resources"].as_u64().unwrap_or(0),
                    if pull.complete { "" } else { ", incomplete" }
                )
            }))
        }),
        Request::Patient { id } => patient(store, rules, id)
            .map(|detail| Reply::Patient(Box::new(detail)))
            .map_err(|err| joined(store, Some(id)).map_or(err, StoreError::Invalid)),
        Request::Overview {
            care_team,
            waiting_months,
        } => store
            .overview(care_team, today, waiting_months)
            .map(|data| Reply::Overview(Box::new(data))),
        Request::WayForward { patient, ruleset } => way_forward_of(store, rules, patient, ruleset)
            .map_err(|err| joined(store, Some(patient)).map_or(err, StoreError::Invalid)),
        Request::Meetings { selected_task } => store.meetings().and_then(|list| {
            let tasks = store.open_tasks(today)?;
            let left = match selected_task {
                Some(id) if !tasks.iter().any(|t| t.task.id == id) => {
                    Some(match store.task_and_status_change(id)? {
                        Some((task, by)) => TaskLeft {
                            id,
                            what: task.what,
                            status: Some(task.status),
                            by: by.map(|by| by.who),
                        },
                        None => TaskLeft {
                            id,
                            what: String::new(),
                            status: None,
                            by: None,
                        },
                    })
                }
                _ => None,
            };
            Ok(Reply::Meetings { list, tasks, left })
        }),
        Request::Meeting { id } => {
            meeting::load(store, rules, id).map(|v| Reply::Meeting(Box::new(v)))
        }
        Request::Save { ticket, save } => {
            let mark = store.audit_mark().ok();
            let result = save_once(store, rules, &save, today);
            let wrote = mark.is_some_and(|mark| store.audited_since(mark).unwrap_or(false));
            return saved(ticket, save, result, wrote);
        }
        // The threads of `spawn` keep the day themselves; one connection driven by hand is
        // given its day with each request, and only the screen's reading changes.
        Request::Day(_) => Ok(Reply::DataChanged),
        Request::Minutes {
            meeting,
            path,
            identified,
        } => {
            let shown = crate::text::sanitise_line(&path.display().to_string()).into_owned();
            return Reply::Notice(
                match crate::minutes::write_file(store, rules, meeting, &path, identified) {
                    Ok(()) => format!("minutes written to {shown}"),
                    Err(err) => minutes_not_written(&shown, &err),
                },
            );
        }
    };
    result.unwrap_or_else(|err| Reply::Error(err.to_string()))
}

/// What a screen still open on a patient record says once an import joined that record into
/// another of the same person (removing it): no MRN, so a masked screen shows it as it is; the
/// record's own MRN, now among the kept record's identifiers, finds the kept one.
///
/// Short enough to be read whole on an 80-column status line after what leads it ("error: "
/// for a reload; "not saved, text kept: " for a save, where the day gives way to the room).
fn joined(store: &Store, patient: Option<PatientId>) -> Option<String> {
    let day = store.joined_away(patient?).ok()??;
    Some(format!(
        "merged on {day} into this patient's other record: search its MRN"
    ))
}

/// [`joined`] for a refused save: its lead is longer.
fn joined_for_save(store: &Store, patient: Option<PatientId>) -> Option<String> {
    store.joined_away(patient?).ok()??;
    Some(String::from(
        "merged into this patient's other record: search its MRN",
    ))
}

/// Why minutes were not written, in the dashboard's terms: the command line's `--out` and
/// `--force` are no key here; `W` again with another name is.
fn minutes_not_written(shown: &str, err: &crate::minutes::MinutesError) -> String {
    use crate::minutes::MinutesError;
    use crate::out_file::OutFileError;
    match err {
        MinutesError::File(OutFileError::Exists(_)) => format!(
            "minutes not written: {shown} already exists (never replaced): W again with a new name"
        ),
        MinutesError::File(OutFileError::Folder(_)) => {
            format!("minutes not written: {shown} is a folder: W again with a file name")
        }
        MinutesError::File(OutFileError::NotAFileName(_)) => {
            format!("minutes not written: {shown} is not a file name: W again with one")
        }
        other => format!("minutes not written: {other}"),
    }
}

fn way_forward_of(
    store: &Store,
    rules: &Rules,
    patient: PatientId,
    ruleset: Option<String>,
) -> Result<Reply, StoreError> {
    let conditions = way_forward::conditions(store, patient)?;
    let chosen = ruleset
        .filter(|r| conditions.contains(r))
        .or_else(|| conditions.first().cloned());
    let view = match chosen {
        Some(ruleset) => Some(Box::new(way_forward::load(
            store, rules, patient, &ruleset,
        )?)),
        None => None,
    };
    Ok(Reply::WayForward {
        patient,
        conditions,
        view,
    })
}

fn patient(store: &Store, rules: &Rules, id: PatientId) -> Result<PatientDetail, StoreError> {
    let summary = store.summary(id)?;
    let unrecognised = rules
        .unrecognised_conditions(&summary.record)
        .iter()
        .map(|condition| condition.id)
        .collect();
    let tracks = super::track::Tracks::read(&summary.record, &rules.sets);
    Ok(PatientDetail {
        tracks,
        summary,
        notes: store.notes(id)?,
        history: store.audit_history(id, 200)?,
        others: store.other_identity(id)?,
        unrecognised,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Anchor, ListQuery};

    fn page(generation: u64) -> Request {
        Request::Page {
            generation,
            query: ListQuery::default(),
            anchor: Anchor::First,
            limit: 10,
            placement: Placement::Append,
        }
    }

    #[test]
    fn only_the_newest_list_read_survives_but_every_write_does() {
        let note = Request::Save {
            ticket: 1,
            save: Box::new(Save::Note {
                patient: PatientId(1),
                text: String::from("seen"),
            }),
        };
        let kept = without_superseded(vec![
            page(1),
            Request::Counts {
                generation: 1,
                filter: ListFilter::default(),
            },
            note,
            page(2),
            page(3),
            Request::Counts {
                generation: 3,
                filter: ListFilter::default(),
            },
        ]);
        let kinds: Vec<String> = kept
            .iter()
            .map(|request| match request {
                Request::Page { generation, .. } => format!("page {generation}"),
                Request::Counts { generation, .. } => format!("counts {generation}"),
                Request::Save { .. } => String::from("note"),
                _ => String::from("other"),
            })
            .collect();
        assert_eq!(kinds, ["note", "page 3", "counts 3"]);
    }
}
