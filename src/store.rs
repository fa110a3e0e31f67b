//! The SQLite store: opening a file safely, the schema and its migrations, typed reads and writes
//! of the clinical record, the patient list's projection and the append-only audit log.
//!
//! A `Store` owns one `rusqlite::Connection`. Every write runs in one immediate transaction, so a
//! second process waits on the busy timeout instead of failing. This module knows the domain
//! types and SQL, nothing about rules, FHIR or the terminal.

mod assessments;
mod audit;
mod bulk;
mod dating;
mod decode;
mod flags;
pub mod imports;
mod joins;
pub mod kept_aside;
mod keys;
mod list;
mod meetings;
mod native;
mod overview;
mod pulls;
mod read;
mod same_id;
mod schema;
mod sharing;
mod sources;
mod sql_types;
mod systems;
mod team;
mod versions;
mod way_forward;
mod write;

use std::fs::{self, OpenOptions};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

pub use assessments::{
    Evaluated, KnownSince, ReviewSeen, insert_assessments, record_review, record_versions,
    refresh_overdue, save_assessments, save_evaluation, stamp_evaluated,
};
pub use audit::{AuditCheck, AuditHead, AuditWriter, CHAINED_COLUMNS, Change};
pub use bulk::DroppedSchema;
pub use dating::{FoundDay, UndatedFlags};
pub use decode::{DecodeProblem, DecodeReport};
pub use flags::{Flag, FlagFilter};
pub use keys::{fold as fold_for_search, given_key, name_key};
pub use list::{
    Anchor, Cursor, ListFilter, ListQuery, PatientRow, SEARCH_COUNT_CAP, SearchPlan, SortKey,
    StatusCounts, rebuild_list_counts,
};
pub use meetings::{
    AgendaPatient, CaseDetail, MeetingDetail, MeetingSummary, MeetingWriter, PatientCase, TaskRow,
    shown_title,
};
pub use native::{
    NATIVE_FORMAT, NATIVE_VERSION, NativeCounts, NativeDocument, NativeFileRows, NativeLine,
    NativeMeeting, NativePatient, TEAM_WORK_OF_PATIENTS_PRESENT,
};
pub use overview::{Cohort, DEFAULT_WAITING_MONTHS, NextMeeting, OverviewData, OverviewRow};
pub use pulls::{FinishedPull, PullRecord};
pub use read::{AssessmentWithReview, PatientSummary, load_records};
pub use same_id::{PersonRecord, one_system, plainly_another, plainly_another_across_teams};
pub use schema::SCHEMA_VERSION;
pub use sql_types::{
    format_date, format_datetime, now_utc, parse_date, parse_datetime, with_clock_at,
};
pub use team::Note;
pub use versions::{ChangedBy, Checked, Conflict, Versioned, field_words};
pub use way_forward::{StoredWayForward, first_option_of_kinds};
pub use write::{
    IdMap, ListProjection, NewRecord, NewRows, RecordWriter, Source, SourceIds,
    insert_clinical_rows, insert_record, refresh_list_row, refresh_list_row_if_changed,
    write_list_row,
};

/// `PRAGMA application_id` of a refract file ("RFRC"), so that another program's SQLite file is
/// recognised and left alone.
pub const APPLICATION_ID: i32 = 0x5246_5243;

/// How long a write waits for another process's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// How often a waiting write tries the lock again.
const BUSY_POLL: Duration = Duration::from_millis(1);

/// SQLite's busy handler: try again every millisecond, up to [`BUSY_TIMEOUT`]. SQLite's own
/// `busy_timeout` backs off to sleeps of 100 ms, and a bulk writer that commits and starts its
/// next transaction within a few milliseconds (an import, between its batches) would then
/// keep a colleague's save waiting until it gave up.
fn wait_for_the_lock(attempts: i32) -> bool {
    let waited = BUSY_POLL * u32::try_from(attempts).unwrap_or(u32::MAX);
    if waited >= BUSY_TIMEOUT {
        return false;
    }
    std::thread::sleep(BUSY_POLL);
    true
}

/// How long one attempt waits, for a caller that retries on its own.
pub const BRIEF_WAIT: Duration = Duration::from_millis(100);

fn wait_briefly_for_the_lock(attempts: i32) -> bool {
    let waited = BUSY_POLL * u32::try_from(attempts).unwrap_or(u32::MAX);
    if waited >= BRIEF_WAIT {
        return false;
    }
    std::thread::sleep(BUSY_POLL);
    true
}

/// How long a bulk writer leaves the lock free between two of its transactions, so that a
/// waiting save (polling every [`BUSY_POLL`]) gets in first.
pub const BULK_PAUSE: Duration = Duration::from_millis(3);

/// The write-ahead log's size, in pages of 4 kB, at which a commit copies it back into the file
/// (SQLite's `wal_autocheckpoint`; its default is 1,000), on every connection: see
/// [`Store::with_bulk_writes`] and `configure`.
const WAL_CHECKPOINT_PAGES: i64 = 10_000;

/// How long one transaction of a bulk writer may go on taking more work: a save that arrives
/// meanwhile waits about this long (the budget is a quarter of a second).
pub const BULK_TRANSACTION: Duration = Duration::from_millis(100);

/// How long a bulk writer may go on from one pause to the next: a save that arrives meanwhile
/// waits at most this plus one transaction. Pausing after every transaction instead cost an
/// import of many small files (25 Synthea bundles) a seventh of its time asleep.
const BULK_SLICE: Duration = Duration::from_millis(50);

/// When this process's bulk writer last paused, and when it last committed (one import runs
/// per process).
static BULK_LOCK: Mutex<BulkLock> = Mutex::new(BulkLock {
    paused: None,
    freed: None,
});

struct BulkLock {
    paused: Option<Instant>,
    freed: Option<Instant>,
}

/// Called by a bulk writer after each commit: the lock is free from now until its next
/// transaction (see [`bulk_resume`]).
pub fn bulk_pause() {
    let mut lock = BULK_LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    lock.freed = Some(Instant::now());
}

/// Called by a bulk writer before each transaction: when [`BULK_SLICE`] has passed since it
/// last paused, it leaves the lock free for [`BULK_PAUSE`] in all since its last commit. The
/// time it spent meanwhile (reading the next file, waiting for its first resources) counts:
/// a waiting save tries every millisecond, and sleeping the whole pause after each file on top
/// of that was a twentieth of an import of bundles.
pub fn bulk_resume() {
    let sleep = {
        let mut lock = BULK_LOCK
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(freed) = lock.freed.take() else {
            return;
        };
        if lock.paused.is_some_and(|at| at.elapsed() < BULK_SLICE) {
            return;
        }
        let sleep = BULK_PAUSE.saturating_sub(freed.elapsed());
        lock.paused = Some(Instant::now() + sleep);
        sleep
    };
    if !sleep.is_zero() {
        std::thread::sleep(sleep);
    }
}

/// What a person types to name each of the patients an MRN is shared by: `SYSTEM|NUMBER`
/// (FHIR's token form), and `|NUMBER` for refract's own number (no system), quoted for a shell.
fn mrn_forms(mrn: &str, systems: &[String]) -> String {
    systems
        .iter()
        .map(|system| format!("'{system}|{mrn}'"))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Errors of the store. Each renders as one line a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{} is a directory, not a database file", path.display())]
    IsDirectory { path: PathBuf },
    #[error("{} is {kind}, not a database file: refused", path.display())]
    NotAFile { path: PathBuf, kind: &'static str },
    #[error("{} is not an SQLite database (left untouched)", path.display())]
    NotADatabase { path: PathBuf },
    #[error("{} is an SQLite database of another program, not a refract one (left untouched)", path.display())]
    NotRefract { path: PathBuf },
    #[error(
        "{} was written by a newer refract (schema version {found}, this build knows {supported}); \
         it was left untouched: upgrade refract to open it",
        path.display()
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("{} does not exist", path.display())]
    Missing { path: PathBuf },
    #[error("cannot open {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot use {}: {detail}", path.display())]
    Open { path: PathBuf, detail: String },
    #[error(
        "refusing to open {}: {detail} (another user may have put it there to read what is \
         written; if no refract is using the database, remove it)",
        path.display()
    )]
    UnsafeCompanion { path: PathBuf, detail: String },
    #[error("no patient with MRN {0}")]
    UnknownMrn(String),
    #[error(
        "{} patients have MRN {mrn}: name one as {}",
        systems.len(),
        mrn_forms(mrn, systems)
    )]
    AmbiguousMrn { mrn: String, systems: Vec<String> },
    /// A value that is no one's MRN but an identifier of several patients, under different
    /// systems: never resolved to one of them.
    #[error(
        "{patients} patients have an identifier {value}: name one as {}",
        mrn_forms(value, systems)
    )]
    AmbiguousIdentifier {
        value: String,
        patients: usize,
        systems: Vec<String>,
    },
    #[error("{0}")]
    Invalid(String),
    #[error("invalid value in {column}: {detail}")]
    Corrupt {
        column: &'static str,
        detail: String,
    },
    /// A colleague changed what this save changes since it was opened (see [`Conflict`]).
    #[error("{0}")]
    Conflict(Box<Conflict>),
    /// A review of evidence that changed since the person opened it.
    #[error("the assessment changed since you opened it (now: {label})")]
    AssessmentChanged {
        status: crate::domain::AssessmentStatus,
        label: String,
        fingerprint: String,
    },
    #[error("database error: {0}{hint}", hint = damage_hint(.0))]
    Sqlite(#[from] rusqlite::Error),
    #[error("JSON error: {0}")]
    Json(#[from] serde_json::Error),
    /// Writing an export to its destination failed (a full disk, a closed pipe).
    #[error("cannot write the export: {0}")]
    Write(std::io::Error),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Points a user at `refract check` when SQLite handed back a value that cannot be read (a
/// damaged file): it names the table, row and column, which the driver's error cannot.
fn damage_hint(err: &rusqlite::Error) -> &'static str {
    match err {
        rusqlite::Error::Utf8Error(..)
        | rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::InvalidColumnType(..) => {
            " (a damaged value: `refract check` names where)"
        }
        _ => "",
    }
}

impl StoreError {
    /// Another connection holds the write lock (or the file is otherwise busy) and went on
    /// holding it past the busy timeout: trying again later may succeed.
    pub fn is_busy(&self) -> bool {
        matches!(
            self,
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(failure, _))
                if matches!(
                    failure.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                )
        )
    }
}

/// Whether opening may create the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// Create the file (mode 0600) and its schema when absent.
    CreateIfMissing,
    /// Refuse a path that does not exist (read-only commands should not leave empty files).
    MustExist,
}

/// An open refract database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    user: String,
    /// Who else can reach the file, found when it was opened (see [`Store::warnings`]).
    warnings: Vec<String>,
    /// The file, as [`IN_USE`] knows it, while this store is open.
    file: Option<FileId>,
    /// The last overview computed, with what it was computed for (see [`Store::overview`]).
    overview_cache: std::cell::RefCell<Option<overview::Cached>>,
    /// This terminal among those sharing the file (process id and the moment it opened; kept
    /// by [`Store::reopen`]): whose seconds a presented case's one clock counted last.
    session: String,
}

/// A file by device and inode.
type FileId = (u64, u64);

/// The database files this process has connections to. Closing any descriptor of a file drops
/// every POSIX lock the process holds on it, SQLite's included (SQLite keeps its own
/// descriptors open for that reason): reading the header of a file this process already has
/// open would leave its connections without their locks, and the next process to close its own
/// connection would take itself for the last one and delete the WAL under them, and with it
/// every change written there after. So a file in use is not opened outside SQLite again.
static IN_USE: std::sync::Mutex<Vec<FileId>> = std::sync::Mutex::new(Vec::new());

fn in_use() -> std::sync::MutexGuard<'static, Vec<FileId>> {
    IN_USE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn file_id(path: &Path) -> Option<FileId> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        fs::metadata(path).ok().map(|meta| (meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Some(file) = self.file {
            let mut open = in_use();
            if let Some(index) = open.iter().position(|f| *f == file) {
                open.swap_remove(index);
            }
        }
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// Called, when set, before a file written by an older refract is brought up to this one's
/// schema (once per file; some upgrades rebuild indexes, a few seconds at a million patients),
/// so that the binary can say why it is quiet. The library prints nothing itself.
static UPGRADE_NOTICE: std::sync::OnceLock<fn(&Path)> = std::sync::OnceLock::new();

/// Sets [`UPGRADE_NOTICE`] (the first call wins).
pub fn on_schema_upgrade(notice: fn(&Path)) {
    let _ = UPGRADE_NOTICE.set(notice);
}

impl Store {
    /// Opens (and if allowed creates) the database at `path`, refusing anything that is not a
    /// refract file of this or an older schema, and migrating older ones.
    ///
    /// `user` is who the audit log records for changes made through this store (made safe to
    /// show; empty means the OS account), beside the OS account.
    pub fn open(path: &Path, mode: OpenMode, user: &str) -> Result<Self> {
        if path.is_dir() {
            return Err(StoreError::IsDirectory {
                path: path.to_owned(),
            });
        }
        // Before anything opens it: a FIFO would block forever, and SQLite would put a
        // journal beside a device.
        if let Ok(meta) = fs::metadata(path)
            && let Some(kind) = not_a_regular_file(&meta)
        {
            return Err(StoreError::NotAFile {
                path: path.to_owned(),
                kind,
            });
        }
        if !path.exists() {
            match mode {
                OpenMode::MustExist => {
                    return Err(StoreError::Missing {
                        path: path.to_owned(),
                    });
                }
                OpenMode::CreateIfMissing => create_private_file(path)?,
            }
        }
        let file = file_id(path);
        if !file.is_some_and(|file| in_use().contains(&file)) {
            check_sqlite_header(path)?;
        }
        sharing::check_companions(path)?;

        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn =
            Connection::open_with_flags(path, flags).map_err(|err| open_error(path, &err))?;
        conn.busy_handler(Some(wait_for_the_lock))
            .map_err(|err| open_error(path, &err))?;

        // Read-only checks first: nothing may be written to a file we are about to refuse
        // (switching to WAL writes to the header).
        let (version, app_id, tables) = identify(&conn).map_err(|err| open_error(path, &err))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                path: path.to_owned(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        if app_id != APPLICATION_ID && (app_id != 0 || tables > 0) {
            return Err(StoreError::NotRefract {
                path: path.to_owned(),
            });
        }

        configure(&conn).map_err(|err| open_error(path, &err))?;
        // The WAL and SHM exist now: made by SQLite with the database's owner and mode, unless
        // someone put theirs there between the first look and the open.
        sharing::check_companions(path)?;
        // Every query of the store is prepared once per connection; rusqlite's default cache of
        // 16 statements would evict and re-prepare them on every patient of a bulk pass.
        conn.set_prepared_statement_cache_capacity(128);
        if let Some(file) = file {
            in_use().push(file);
        }
        let mut store = Store {
            file,
            conn,
            path: path.to_owned(),
            // As the audit log records it: safe to show, never empty (the OS account then), so
            // that a review's or a note's author is the audit row's `who`.
            user: AuditWriter::new(user.to_owned()).who().to_owned(),
            warnings: sharing::warnings(path),
            overview_cache: std::cell::RefCell::new(None),
            session: format!(
                "{}:{}",
                std::process::id(),
                chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
            ),
        };
        if (1..SCHEMA_VERSION).contains(&version)
            && let Some(notice) = UPGRADE_NOTICE.get()
        {
            notice(path);
        }
        schema::migrate(&mut store.conn).map_err(|err| match err {
            StoreError::Sqlite(err) => open_error(path, &err),
            other => other,
        })?;
        Ok(store)
    }

    /// A second connection to the same file as the same user: WAL lets one connection read
    /// while another waits to write, so the dashboard reads on one and saves on the other.
    pub fn reopen(&self) -> Result<Self> {
        let mut again = Store::open(&self.path, OpenMode::MustExist, &self.user)?;
        // One dashboard, one terminal: its reading connection knows the seconds its writing
        // connection counted as its own.
        again.session.clone_from(&self.session);
        Ok(again)
    }

    /// Makes a statement wait at most [`BRIEF_WAIT`] for another connection's write lock
    /// (instead of [`BUSY_TIMEOUT`]) before it fails with "database is locked": for a caller
    /// that retries on its own and says meanwhile why a save is taking long.
    pub fn wait_briefly_for_the_lock(&mut self) -> Result<()> {
        Ok(self.conn.busy_handler(Some(wait_briefly_for_the_lock))?)
    }

    /// Whether this connection checks references (`PRAGMA foreign_keys`, set per connection
    /// on open).
    pub fn foreign_keys_enforced(&self) -> Result<bool> {
        Ok(self
            .conn
            .query_row("PRAGMA foreign_keys", [], |row| row.get::<_, i64>(0))?
            == 1)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Who the audit log records for this store's changes.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// What a user should be told once about who else can reach the file: readable by every
    /// user, owned by another account, in a folder everyone can write to. One line each.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Runs `work` in one immediate transaction, committed if it returns `Ok`.
    pub fn write<T, E>(
        &mut self,
        work: impl FnOnce(&Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let value = work(&tx)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(value)
    }

    /// An audit writer bound to this store's user, for use inside [`Store::write`].
    pub fn auditor(&self) -> AuditWriter {
        AuditWriter::new(self.user.clone())
    }

    /// Runs `work` with a 64 MiB page cache, for passes over the whole file; interactive use
    /// keeps SQLite's small default (the memory budget of browsing).
    pub fn with_bulk_cache<T, E>(
        &mut self,
        work: impl FnOnce(&mut Self) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let previous: i64 = self
            .conn
            .query_row("PRAGMA cache_size", [], |row| row.get(0))
            .map_err(StoreError::from)?;
        self.conn
            .pragma_update(None, "cache_size", -65536)
            .map_err(StoreError::from)?;
        let result = work(self);
        // Best effort: a failure leaves the larger cache, which costs only memory.
        let _ = self.conn.pragma_update(None, "cache_size", previous);
        result
    }

    /// Runs `work` as a bulk import: the large page cache of [`Store::with_bulk_cache`], and
    /// `synchronous=NORMAL` instead of FULL, so that each of the import's many short
    /// transactions does not wait for the disk. In WAL mode the file stays consistent through a
    /// crash or a power cut; a power cut may lose the last batches, which the import's own
    /// record of what it committed says and importing the file again restores.
    pub fn with_bulk_writes<T, E>(
        &mut self,
        work: impl FnOnce(&mut Self) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        self.conn
            .pragma_update(None, "synchronous", "normal")
            .map_err(StoreError::from)?;
        // Checkpoints come every 40 MB of WAL ([`WAL_CHECKPOINT_PAGES`], every connection), not
        // every 4 MB: an import rewrites the same index pages in batch after batch, and each
        // checkpoint copies them back to the file. Not more: a colleague's save
        // (synchronous=FULL) waits for the disk behind a larger checkpoint's writes (at 200 MB,
        // a save took 406 ms beside the 2 GB import). They run on the writer's thread, between
        // its transactions: run on a thread of their own, beside the writer, they never caught
        // up with it, so the log was never started again from its beginning, and a colleague's
        // save found it over the threshold and copied it back itself (the longest save beside
        // the 2 GB import 364-420 ms, against 157 ms without; tried and left).
        let result = self.with_bulk_cache(work);
        // Best effort: as before for the people's edits that may follow on this connection.
        let _ = self.conn.pragma_update(None, "synchronous", "full");
        result
    }

    /// SQLite's `PRAGMA data_version`: changes when another connection commits, so a screen can
    /// tell that it must refresh without re-reading anything.
    pub fn data_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA data_version", [], |row| row.get(0))?)
    }

    /// `PRAGMA integrity_check`: `["ok"]` for a sound file.
    pub fn integrity_check(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        let rows = stmt.query_map([], |row| row.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// `PRAGMA foreign_key_check`: one line per violating row, named by its row number, or by
    /// its key in a table without one (the pragma names no row there).
    pub fn foreign_key_check(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("PRAGMA foreign_key_check")?;
        let violations = stmt
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, Option<i64>>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, i64>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut keyed: std::collections::BTreeMap<
            (String, i64),
            std::collections::VecDeque<String>,
        > = std::collections::BTreeMap::new();
        let mut lines = Vec::with_capacity(violations.len());
        for (table, rowid, parent, constraint) in violations {
            let row = if let Some(rowid) = rowid {
                format!("row {rowid}")
            } else {
                let keys = match keyed.entry((table.clone(), constraint)) {
                    std::collections::btree_map::Entry::Occupied(keys) => keys.into_mut(),
                    std::collections::btree_map::Entry::Vacant(slot) => {
                        slot.insert(self.orphan_keys(&table, constraint)?.into())
                    }
                };
                keys.pop_front().unwrap_or_else(|| String::from("(a row)"))
            };
            lines.push(format!("{table} {row} refers to a missing {parent} row"));
        }
        Ok(lines)
    }

    /// The keys, as "(patient_id 2, id 7)", of the rows of `table` (a table without rowid)
    /// whose foreign key `constraint` names no row, in key order.
    fn orphan_keys(&self, table: &str, constraint: i64) -> Result<Vec<String>> {
        let quote = |name: &str| format!("\"{}\"", name.replace('"', "\"\""));
        let columns = |sql: &str, of: &str| -> Result<Vec<(i64, String)>> {
            let mut stmt = self.conn.prepare(sql)?;
            let rows = stmt
                .query_map([of], |row| {
                    Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        };
        let key_of = |of: &str| -> Result<Vec<String>> {
            let mut key = columns(
                "SELECT pk, name FROM pragma_table_info(?1) WHERE pk > 0",
                of,
            )?;
            key.sort();
            Ok(key.into_iter().map(|(_, name)| name).collect())
        };
        let mut stmt = self.conn.prepare(
            "SELECT \"from\", \"to\", \"table\" FROM pragma_foreign_key_list(?1)
             WHERE id = ?2 ORDER BY seq",
        )?;
        let links = stmt
            .query_map(rusqlite::params![table, constraint], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, Option<String>>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let Some(parent) = links.first().map(|(_, _, parent)| parent.clone()) else {
            return Ok(Vec::new());
        };
        let parent_key = key_of(&parent)?;
        let pairs: Vec<(String, String)> = links
            .iter()
            .enumerate()
            .map(|(at, (from, to, _))| {
                let to = to
                    .clone()
                    .or_else(|| parent_key.get(at).cloned())
                    .unwrap_or_else(|| String::from("rowid"));
                (from.clone(), to)
            })
            .collect();
        let key = key_of(table)?;
        if key.is_empty() {
            return Ok(Vec::new());
        }
        let present: Vec<String> = pairs
            .iter()
            .map(|(from, _)| format!("t.{} IS NOT NULL", quote(from)))
            .collect();
        let joined: Vec<String> = pairs
            .iter()
            .map(|(from, to)| format!("p.{} = t.{}", quote(to), quote(from)))
            .collect();
        let sql = format!(
            "SELECT {} FROM {} AS t WHERE {} AND NOT EXISTS (SELECT 1 FROM {} AS p WHERE {})
             ORDER BY {}",
            key.iter()
                .map(|column| format!("t.{}", quote(column)))
                .collect::<Vec<_>>()
                .join(", "),
            quote(table),
            present.join(" AND "),
            quote(&parent),
            joined.join(" AND "),
            (1..=key.len())
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt
            .query_map([], |row| {
                let parts: Vec<String> = key
                    .iter()
                    .enumerate()
                    .map(|(at, column)| {
                        let value = match row.get_ref(at)? {
                            rusqlite::types::ValueRef::Integer(n) => n.to_string(),
                            rusqlite::types::ValueRef::Real(x) => x.to_string(),
                            rusqlite::types::ValueRef::Text(text) => {
                                format!("'{}'", String::from_utf8_lossy(text))
                            }
                            rusqlite::types::ValueRef::Null => String::from("NULL"),
                            rusqlite::types::ValueRef::Blob(_) => String::from("(bytes)"),
                        };
                        Ok(format!("{column} {value}"))
                    })
                    .collect::<Result<_, rusqlite::Error>>()?;
                Ok(format!("({})", parts.join(", ")))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))?)
    }

    /// The identifier system of this file's own MRNs outside it (`urn:uuid:<file id>`, made
    /// once per file by migration 0013): the FHIR export writes refract's own numbers under it,
    /// so that two files' RF-0000001 stay two people wherever they are imported, and an import
    /// knows this file's own patients when they come back.
    pub fn own_mrn_system(&self) -> Result<String> {
        match self.meta("file_id")? {
            Some(id) => Ok(mrn_system_of_file(&id)),
            None => Err(StoreError::Corrupt {
                column: "meta.file_id",
                detail: String::from("the file has no id (schema version 13 makes one)"),
            }),
        }
    }

    /// A value of the `meta` table.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        meta_value(&self.conn, key)
    }
}

/// A value of the `meta` table, inside a transaction or outside one.
fn meta_value(conn: &Connection, key: &str) -> Result<Option<String>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
            row.get(0)
        })
        .optional()?)
}

/// The identifier system of the numbers the file `file_id` gives its own patients, wherever
/// they are written down (see [`Store::own_mrn_system`]).
fn mrn_system_of_file(file_id: &str) -> String {
    format!("urn:uuid:{file_id}")
}

/// What a path is when it is neither a regular file nor a folder (a named pipe, a device, a
/// socket): refused before anything opens it, as a database or as a file to import.
pub fn not_a_regular_file(meta: &fs::Metadata) -> Option<&'static str> {
    if meta.is_file() || meta.is_dir() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = meta.file_type();
        if kind.is_fifo() {
            return Some("a named pipe (FIFO)");
        }
        if kind.is_char_device() || kind.is_block_device() {
            return Some("a device");
        }
        if kind.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a regular file")
}

/// The default database path: `$REFRACT_DB` is read by the CLI; this is the platform data
/// directory's `refract/refract.db` (or `demo.db` for the demo).
pub fn default_path(file_name: &str) -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "refract")?;
    Some(dirs.data_dir().join(file_name))
}

/// Creates an empty file readable by its owner only (it will hold health data), and its
/// directory (owner only) if needed.
fn create_private_file(path: &Path) -> Result<()> {
    let io_error = |source| StoreError::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        && !parent.exists()
    {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(parent).map_err(io_error)?;
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        // Another process created it since we looked: open it as it is.
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(err) => Err(io_error(err)),
        Ok(_) => Ok(()),
    }
}

/// Refuses a non-empty file that does not start with SQLite's magic string, before SQLite
/// gets a chance to touch it.
fn check_sqlite_header(path: &Path) -> Result<()> {
    let mut file = fs::File::open(path).map_err(|source| StoreError::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut header = [0u8; 16];
    let mut read = 0;
    while read < header.len() {
        match file.read(&mut header[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(source) => {
                return Err(StoreError::Io {
                    path: path.to_owned(),
                    source,
                });
            }
        }
    }
    if read == 0 || header == *b"SQLite format 3\0" {
        Ok(())
    } else {
        Err(StoreError::NotADatabase {
            path: path.to_owned(),
        })
    }
}

/// The schema version, the application id and the number of schema objects, read in one
/// statement (one read transaction): another process creating the schema at that moment is seen
/// before or after, never half-way (tables without the application id: "another program's").
fn identify(conn: &Connection) -> rusqlite::Result<(i64, i32, i64)> {
    conn.query_row(
        "SELECT (SELECT user_version FROM pragma_user_version),
                (SELECT application_id FROM pragma_application_id),
                (SELECT count(*) FROM sqlite_schema)",
        [],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    )
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    // WAL lets a reader (the presenter's screen) and a writer (the scribe) work at once;
    // synchronous=FULL makes every committed change survive a power cut.
    use_wal(conn)?;
    conn.pragma_update(None, "synchronous", "full")?;
    // Every connection checkpoints at the import's threshold, not SQLite's 1,000 pages: a save
    // committed beside an import otherwise copied the pages the import had written since the
    // last checkpoint (tens of MB of index pages) into the file and waited for the disk, after
    // its own commit (up to 446 ms beside the 2 GB import; 218 ms with this). The log of a file
    // only people write grows to at most the same 40 MB before it is copied back.
    conn.pragma_update(None, "wal_autocheckpoint", WAL_CHECKPOINT_PAGES)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    // Statement journals (a multi-row change that may fail half-way, as every insert with a
    // trigger can) and sorts stay in memory instead of temporary files.
    conn.pragma_update(None, "temp_store", "memory")?;
    // The writers, the list queries and the worker's requests together use more than the
    // default 16 statements; re-parsing SQL showed in import profiles.
    conn.set_prepared_statement_cache_capacity(64);
    // Without the planner's stability guarantee SQLite re-plans a cached statement whenever a
    // newly bound value could match a partial index's condition (ours: open tasks, open
    // way-forward steps, flagged assessments), so per-patient statements were parsed again on
    // every call; profiles of the import showed it. Queries that want a partial index state
    // its condition literally.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    Ok(())
}

/// Switches a new file to WAL. Two processes opening a new file at once can each hold the read
/// lock the other's switch waits for; SQLite then answers "database is locked" at once rather
/// than calling the busy handler, so the switch is tried again (within the busy timeout) after
/// the failed attempt let go of its lock.
fn use_wal(conn: &Connection) -> rusqlite::Result<()> {
    let started = std::time::Instant::now();
    loop {
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |row| row.get(0))?;
        if mode.eq_ignore_ascii_case("wal") {
            return Ok(());
        }
        match conn.pragma_update(None, "journal_mode", "wal") {
            Err(rusqlite::Error::SqliteFailure(failure, _))
                if failure.code == rusqlite::ErrorCode::DatabaseBusy
                    && started.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            other => return other,
        }
    }
}

fn open_error(path: &Path, err: &rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(failure, _) = err {
        match failure.code {
            rusqlite::ErrorCode::NotADatabase => {
                return StoreError::NotADatabase {
                    path: path.to_owned(),
                };
            }
            rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::CannotOpen => {
                return StoreError::Open {
                    path: path.to_owned(),
                    detail: "the file or its folder is not writable".into(),
                };
            }
            _ => {}
        }
    }
    StoreError::Open {
        path: path.to_owned(),
        detail: err.to_string(),
    }
}
