//! `refract pull`: a FHIR Bulk Data (`$export`) client with SMART Backend Services
//! authorisation that brings a server's export into the file through the ordinary importer.
//!
//! A pull runs in two phases. [`fetch`] talks to the server: kick-off, status polls, every
//! output, deleted and error file downloaded into a private temporary folder, then the job
//! deleted on the server. A failure or Ctrl-C here deletes the job and leaves the database as
//! it was. [`apply`] then applies the export's deleted files and imports its output files
//! (resource-level upserts keyed by source, type and id, with the server's URL as the source,
//! so a second pull updates rather than duplicates), and records the export's `transactionTime` for `--since auto`.
//! The importer commits in batches and keeps a ledger of its runs; a pull stopped during
//! `apply` has not recorded its transaction time, so the next pull asks for the same changes
//! again and completes the import.
//!
//! No token, key or assertion reaches the database, the audit log or a message.

mod auth;
mod bulk;
mod config;
mod http;
mod lock;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use chrono::NaiveDate;
use serde::Serialize;

use crate::import::{self, ImportOptions, ImportReport};
use crate::rules::Rules;
use crate::store::{Store, StoreError};

pub use auth::{Credentials, DEFAULT_SCOPE, LoadedKey, check_scope, load_key};
pub use config::{ServerSettings, Servers, default_path as default_servers_path};
pub use lock::{PullLock, lock};

/// The resource types refract reads: the default `_type`, narrowed to what the server has.
pub const READ_TYPES: &[&str] = &[
    "Patient",
    "Condition",
    "MedicationRequest",
    "MedicationStatement",
    "MedicationAdministration",
    "MedicationDispense",
    "Medication",
    "Observation",
    "DiagnosticReport",
    "ImagingStudy",
    "QuestionnaireResponse",
    "Procedure",
    "AllergyIntolerance",
    "CareTeam",
    "DeviceUseStatement",
    "Device",
    "ResearchSubject",
    "ResearchStudy",
];

/// Files downloaded at once.
pub const PARALLEL_DOWNLOADS: usize = 3;

/// A pull that did not happen, in one line. Nothing was imported unless it says so.
#[derive(Debug, thiserror::Error)]
pub enum PullError {
    #[error("{0}")]
    Config(String),
    #[error("{0}")]
    Key(String),
    #[error("cannot reach the server: {0}")]
    Unreachable(String),
    /// `https://` to a port that speaks plain HTTP, or the converse: the URL to try.
    #[error("{0}")]
    WrongScheme(String),
    /// A request that may have reached the server got no answer (and was not sent again).
    #[error("no answer from the server: {0}")]
    NoAnswer(String),
    /// The pull failed after the server accepted its export: `job` says what became of the
    /// export job there.
    #[error("{error}; {job}")]
    AfterKickOff { error: Box<PullError>, job: String },
    #[error("{0}")]
    Busy(String),
    #[error("authorisation failed: {0}")]
    Auth(String),
    #[error("access denied: {0}")]
    Denied(String),
    #[error("{0}")]
    Export(String),
    #[error("download failed: {0}")]
    Download(String),
    #[error("the server's answer is not Bulk Data: {0}")]
    Protocol(String),
    #[error("{0}")]
    Local(String),
    #[error("cancelled")]
    Cancelled,
    #[error("internal error in {0}")]
    Internal(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where the export starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Since {
    /// Everything (no `_since`).
    Everything,
    /// The last pull's transaction time from this server, else everything.
    Auto,
    /// A FHIR instant.
    At(String),
}

impl Since {
    /// `auto`, a date (`YYYY-MM-DD`, midnight UTC) or a FHIR instant.
    pub fn parse(text: &str) -> Result<Since, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("auto") {
            return Ok(Since::Auto);
        }
        if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Ok(Since::At(format!("{date}T00:00:00Z")));
        }
        if chrono::DateTime::parse_from_rfc3339(text).is_ok() {
            return Ok(Since::At(text.to_owned()));
        }
        Err(format!(
            "'{text}': expected auto, a date (YYYY-MM-DD) or an instant (2024-05-01T08:00:00Z)"
        ))
    }
}

/// What to pull, and from where.
#[derive(Debug)]
pub struct PullRequest {
    /// The FHIR base URL.
    pub server: String,
    /// The source the resources are kept under (the server's URL).
    pub source: String,
    pub group: Option<String>,
    /// `_type`; `None`: what refract reads, narrowed to what the server's CapabilityStatement
    /// lists.
    pub types: Option<Vec<String>>,
    /// Where the export starts; `Auto` is resolved once the types to ask are known.
    pub since: Since,
    pub credentials: Option<Credentials>,
    pub parallel: usize,
    /// Set by Ctrl-C.
    pub cancel: Arc<AtomicBool>,
}

/// What the server's side of a pull went through, for the progress display.
#[derive(Debug, Clone)]
pub enum PullEvent {
    /// Asked the server (the types asked).
    KickedOff { types: Vec<String> },
    /// The server's `X-Progress`, or a note on a retry.
    Status(String),
    /// Files listed in the manifest, with the sizes the server counted.
    Manifest { files: usize },
    /// Bytes of the manifest's `files` downloaded so far (not their size: that is known only
    /// once they are all in).
    Downloading { bytes: u64, files: usize },
    /// The manifest's `files` are all in: their bytes in all.
    Downloaded { bytes: u64, files: usize },
    /// Files downloaded; the import starts.
    Importing(import::Progress),
}

/// The files of a finished export, waiting in a private temporary folder.
#[derive(Debug)]
pub struct Fetched {
    pub server: String,
    pub source: String,
    pub group: Option<String>,
    pub since: Option<String>,
    /// Whether `since` is where `--since auto` starts (the file's checkpoints), not a time
    /// given.
    pub since_checkpoint: bool,
    /// The `_since` of the export read for its deleted files alone (see [`AutoStart`]).
    pub deletions_since: Option<String>,
    pub transaction_time: String,
    pub types: Vec<String>,
    outputs: Vec<bulk::Downloaded>,
    /// The export's own deleted files.
    deleted: Vec<bulk::Downloaded>,
    /// The deleted files of the export read for them alone (see [`AutoStart`]).
    deleted_since: Vec<bulk::Downloaded>,
    /// The error files' OperationOutcomes, in words (the first hundred).
    pub errors: Vec<String>,
    pub errors_total: usize,
    /// Whether the server deleted the job when asked (else why not).
    pub job_deleted: Result<(), String>,
    pub bytes: u64,
    pub tokens: usize,
    /// Seconds from the kick-off to the manifest, and downloading.
    pub seconds: Seconds,
    /// Removed (with the files) when dropped.
    _folder: tempfile::TempDir,
}

/// What a pull did.
#[derive(Debug, Clone, Serialize)]
pub struct PullReport {
    pub server: String,
    pub since: Option<String>,
    /// The `_since` of the export read for its deleted files alone (see [`AutoStart`]).
    pub deletions_since: Option<String>,
    pub transaction_time: String,
    pub types: Vec<String>,
    pub files: usize,
    /// Bytes downloaded in all: every file of the export (output, deleted and error files) and
    /// of the export read for its deleted files alone; a transfer that broke off and was
    /// started again counts once.
    pub bytes: u64,
    /// Resources downloaded, by type.
    pub resources: BTreeMap<String, u64>,
    /// Resources by type as the server's manifest counted them (where it did).
    pub server_counts: BTreeMap<String, u64>,
    /// Resources the server says were deleted (in its deleted files).
    pub deleted: u64,
    pub errors: Vec<String>,
    pub errors_total: usize,
    /// Why the server did not delete the job, if it did not.
    pub job_not_deleted: Option<String>,
    /// Files the import refused (nothing of each was imported; the other files were): the
    /// pull is then recorded as incomplete.
    pub refused: Vec<RefusedFile>,
    /// Output files that did not bring what the export says they hold: a body that is an
    /// OperationOutcome (the server's error for that file), fewer resources than the
    /// manifest's `count`. What they held is imported, and the pull recorded as incomplete.
    pub incomplete_files: Vec<IncompleteFile>,
    pub dry_run: bool,
    /// What the import did (none for a dry run).
    pub import: Option<ImportReport>,
    /// The deleted files' import.
    pub deletions: Option<ImportReport>,
    /// Access tokens the pull obtained (a long pull renews its token before it expires).
    pub tokens: usize,
    /// Where the time went.
    pub seconds: Seconds,
}

/// A downloaded file the import refused, and why.
#[derive(Debug, Clone, Serialize)]
pub struct RefusedFile {
    /// The file's URL on the server.
    pub file: String,
    pub error: String,
}

/// An output file that did not bring what the export says it holds, and why.
#[derive(Debug, Clone, Serialize)]
pub struct IncompleteFile {
    /// The file's URL on the server.
    pub file: String,
    pub why: String,
}

/// Wall-clock seconds of each phase of a pull.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Seconds {
    /// From the kick-off to the manifest (the server preparing the export).
    pub server: f64,
    /// Downloading the files.
    pub download: f64,
    /// Importing them (and the deleted files).
    pub import: f64,
}

/// A server's URL in a few words for a narrow header: its host (and port).
pub fn host_label(server: &str) -> String {
    let rest = server.split_once("://").map_or(server, |(_, rest)| rest);
    rest.split(['/', '?']).next().unwrap_or(rest).to_owned()
}

/// How the private folder a pull downloads into is named: with its process id, so that a
/// later pull can tell the folder of a process that is gone (killed, or stopped at once by a
/// second Ctrl-C) and remove its patient data.
const FOLDER_PREFIX: &str = "refract-pull-";

/// The start of this process's download folders' names.
fn own_folder_prefix() -> String {
    format!("{FOLDER_PREFIX}{}-", std::process::id())
}

/// A download folder a pull left in the temporary folder.
#[derive(Debug, Clone)]
pub struct LeftFolder {
    pub path: PathBuf,
    /// Whether the pull that made it may still be running (also when that cannot be told: a
    /// folder named by an older refract, or no `/proc` to ask).
    pub maybe_running: bool,
}

/// The download folders of other pulls in the temporary folder that this user can read.
pub fn left_folders() -> Vec<LeftFolder> {
    let own = own_folder_prefix();
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let rest = name.strip_prefix(FOLDER_PREFIX)?;
            let path = entry.path();
            if name.starts_with(&own) || !path.is_dir() || std::fs::read_dir(&path).is_err() {
                return None;
            }
            let pid = rest
                .split_once('-')
                .and_then(|(pid, _)| pid.parse::<u32>().ok());
            Some(LeftFolder {
                path,
                maybe_running: pid.is_none_or(process_may_run),
            })
        })
        .collect()
}

/// Removes the download folders of pulls whose process is gone: the folders removed, and those
/// left (their pull may be running).
pub fn remove_left_folders() -> (Vec<PathBuf>, Vec<PathBuf>) {
    let (mut removed, mut left) = (Vec::new(), Vec::new());
    for folder in left_folders() {
        if !folder.maybe_running && std::fs::remove_dir_all(&folder.path).is_ok() {
            removed.push(folder.path);
        } else {
            left.push(folder.path);
        }
    }
    (removed, left)
}

/// Removes this process's download folders (a pull stopped at once, before its own clean-up).
pub fn remove_own_folders() {
    let own = own_folder_prefix();
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        if entry.file_name().to_string_lossy().starts_with(&own) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Whether process `pid` of this machine may be running: no only when `/proc` says it is gone
/// (or a zombie, which will never write again).
fn process_may_run(pid: u32) -> bool {
    if !std::path::Path::new("/proc/self").exists() {
        return true;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| matches!(rest.trim_start().chars().next(), Some('Z' | 'X'))),
        Err(_) => false,
    }
}

/// Where `--since auto` starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AutoStart {
    /// The `_since` of the export: none asks everything.
    pub since: Option<String>,
    /// When it asks everything, the `_since` of a second export read for its deleted files
    /// alone: an export without `_since` lists no deletions (Bulk Data IG), so a resource the
    /// server deleted since the database last heard from it would otherwise stay, and keep
    /// counting, for good.
    pub deletions_since: Option<String>,
}

/// Where `--since auto` starts for `types` of `source` (system level, or `group`): from a time
/// at which every one of them was last brought completely (see [`Store::since_for`]); else
/// everything, with the deletions since the first pull of the server (after the upgrade that
/// began keeping checkpoints, or for a type never pulled: see [`AutoStart`]).
pub fn auto_since(
    store: &Store,
    source: &str,
    group: Option<&str>,
    types: &[String],
) -> Result<AutoStart, PullError> {
    let since = store.since_for(source, group, types)?;
    let deletions_since = match since {
        Some(_) => None,
        None => store.first_pull_time(source)?,
    };
    Ok(AutoStart {
        since,
        deletions_since,
    })
}

/// Where `--since auto` starts for the types an export asks.
pub type AutoSince<'a> = dyn Fn(&[String]) -> Result<AutoStart, PullError> + 'a;

/// The server's side: kick-off, wait, download everything, delete the job. On any failure
/// (Ctrl-C included) the job is deleted and the downloaded files removed. `auto` is asked of
/// `auto_since` with the types the export asks.
pub fn fetch(
    request: PullRequest,
    auto_since: &AutoSince<'_>,
    on: &mut dyn FnMut(PullEvent),
) -> Result<Fetched, PullError> {
    let client = http::Client::new(&request.server, request.credentials, request.cancel);
    let types = match request.types {
        Some(types) => types,
        None => default_types(&client)?,
    };
    let AutoStart {
        since,
        deletions_since,
    } = match &request.since {
        Since::Everything => AutoStart::default(),
        Since::At(at) => AutoStart {
            since: Some(at.clone()),
            deletions_since: None,
        },
        Since::Auto => auto_since(&types)?,
    };
    let mut builder = tempfile::Builder::new();
    let prefix = own_folder_prefix();
    builder.prefix(&prefix);
    // Yours alone: the files in it hold health data.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o700));
    }
    let folder = builder
        .tempdir()
        .map_err(|err| PullError::Local(format!("cannot make a temporary folder: {err}")))?;
    let export = bulk::ExportRequest {
        group: request.group.clone(),
        types: types.clone(),
        since: since.clone(),
    };
    let started = std::time::Instant::now();
    let job = bulk::kick_off(&client, &export, &mut |words| {
        on(PullEvent::Status(words.to_owned()));
    })?;
    on(PullEvent::KickedOff {
        types: types.clone(),
    });
    let mut seconds = Seconds::default();
    let fetched = fetch_job(
        &client,
        &job,
        request.parallel,
        &folder,
        &mut seconds,
        started,
        on,
    );
    // The job is deleted whatever happened: the server may free its files, and a cancelled
    // pull leaves nothing running there. Ctrl-C does not stop this one request.
    client.ignore_cancel();
    let deleted = bulk::delete(&client, &job).map_err(|err| err.to_string());
    client.heed_cancel();
    let (manifest, outputs, deleted_files, mut errors, mut errors_total, mut bytes) =
        fetched.map_err(|err| after_kick_off(err, &deleted))?;
    let mut deleted_since = Vec::new();
    if let Some(deletions_since) = &deletions_since {
        let deletions = fetch_deletions(
            &client,
            &bulk::ExportRequest {
                group: request.group.clone(),
                types: types.clone(),
                since: Some(deletions_since.clone()),
            },
            request.parallel,
            &folder,
            on,
        )?;
        deleted_since = deletions.files;
        errors.extend(deletions.errors);
        errors_total += deletions.errors_total;
        bytes += deletions.bytes;
    }
    Ok(Fetched {
        server: request.server,
        source: request.source,
        group: request.group,
        since,
        since_checkpoint: request.since == Since::Auto,
        deletions_since,
        transaction_time: manifest.transaction_time,
        types,
        outputs,
        deleted: deleted_files,
        deleted_since,
        errors,
        errors_total,
        job_deleted: deleted,
        bytes,
        tokens: client.tokens(),
        seconds,
        _folder: folder,
    })
}

/// The deleted files of an export, and its errors.
struct Deletions {
    files: Vec<bulk::Downloaded>,
    errors: Vec<String>,
    errors_total: usize,
    bytes: u64,
}

/// An export read for its deleted files alone (see [`AutoStart`]): its outputs, what changed
/// since, are in the export that asked everything, and are not downloaded again. Its job is
/// deleted whatever happened.
fn fetch_deletions(
    client: &http::Client,
    export: &bulk::ExportRequest,
    parallel: usize,
    folder: &tempfile::TempDir,
    on: &mut dyn FnMut(PullEvent),
) -> Result<Deletions, PullError> {
    let job = bulk::kick_off(client, export, &mut |words| {
        on(PullEvent::Status(words.to_owned()));
    })?;
    on(PullEvent::Status(format!(
        "asking what was deleted since {}",
        export.since.as_deref().unwrap_or_default()
    )));
    let fetched = (|| {
        let manifest = bulk::wait(client, &job, &mut |words| {
            on(PullEvent::Status(words.to_owned()));
        })?;
        let authorised = manifest.requires_access_token;
        let bytes = AtomicU64::new(0);
        let files = bulk::download_all(
            client,
            &manifest.deleted,
            authorised,
            folder.path(),
            &|index, _| format!("deleted-since.{index}.ndjson"),
            parallel,
            &bytes,
        )?;
        let error_files = bulk::download_all(
            client,
            &manifest.error,
            authorised,
            folder.path(),
            &|index, _| format!("deleted-since-error.{index}.ndjson"),
            parallel,
            &bytes,
        )?;
        let (errors, errors_total) = read_errors(&error_files)?;
        Ok::<_, PullError>(Deletions {
            files,
            errors,
            errors_total,
            bytes: bytes.load(Ordering::Relaxed),
        })
    })();
    // As for the main export: a server may keep a job's files until it is deleted.
    client.ignore_cancel();
    let deleted = bulk::delete(client, &job).map_err(|err| err.to_string());
    client.heed_cancel();
    fetched.map_err(|err| after_kick_off(err, &deleted))
}

/// A pull's failure after the server accepted its export, with what became of the job there
/// (`deleted`: the DELETE's outcome), so that nobody has to guess whether it still runs. A
/// cancelled pull whose job was deleted stays [`PullError::Cancelled`], which says so.
fn after_kick_off(error: PullError, deleted: &Result<(), String>) -> PullError {
    let job = match (&error, deleted) {
        (PullError::Cancelled, Ok(())) => return error,
        (_, Ok(())) => String::from("the export job was deleted on the server"),
        (_, Err(why)) => format!(
            "the export job may stay on the server: {}",
            crate::text::one_line(why)
        ),
    };
    PullError::AfterKickOff {
        error: Box::new(error),
        job,
    }
}

type FetchedParts = (
    bulk::Manifest,
    Vec<bulk::Downloaded>,
    Vec<bulk::Downloaded>,
    Vec<String>,
    usize,
    u64,
);

fn fetch_job(
    client: &http::Client,
    job: &bulk::Job,
    parallel: usize,
    folder: &tempfile::TempDir,
    seconds: &mut Seconds,
    started: std::time::Instant,
    on: &mut dyn FnMut(PullEvent),
) -> Result<FetchedParts, PullError> {
    let manifest = bulk::wait(client, job, &mut |words| {
        on(PullEvent::Status(words.to_owned()));
    })?;
    seconds.server = started.elapsed().as_secs_f64();
    let downloading = std::time::Instant::now();
    let files = manifest.output.len() + manifest.deleted.len() + manifest.error.len();
    on(PullEvent::Manifest { files });
    let authorised = manifest.requires_access_token;
    if authorised && !client.authenticates() {
        // The files would be refused one by one: say why once.
        return Err(PullError::Denied(
            "the server's files need an access token: give --client-id and --key".into(),
        ));
    }
    let bytes = AtomicU64::new(0);
    let (outputs, deleted, error_files) = std::thread::scope(|scope| {
        // The downloads on their own threads; this one reports their progress.
        let downloads = scope.spawn(|| {
            // A file named for its type, so that the importer (which reads `patient*` files
            // first) finds the patients before the resources that refer to them.
            let name = |index: usize, entry: &bulk::FileEntry| {
                format!("{}.{index}.ndjson", entry.resource_type.to_lowercase())
            };
            let outputs = bulk::download_all(
                client,
                &manifest.output,
                authorised,
                folder.path(),
                &name,
                parallel,
                &bytes,
            )?;
            let deleted = bulk::download_all(
                client,
                &manifest.deleted,
                authorised,
                folder.path(),
                &|index, _| format!("deleted.{index}.ndjson"),
                parallel,
                &bytes,
            )?;
            let errors = bulk::download_all(
                client,
                &manifest.error,
                authorised,
                folder.path(),
                &|index, _| format!("error.{index}.ndjson"),
                parallel,
                &bytes,
            )?;
            Ok::<_, PullError>((outputs, deleted, errors))
        });
        let mut last = 0;
        while !downloads.is_finished() {
            std::thread::sleep(std::time::Duration::from_millis(200));
            let now = bytes.load(Ordering::Relaxed);
            if now != last {
                last = now;
                on(PullEvent::Downloading { bytes: now, files });
            }
        }
        downloads
            .join()
            .unwrap_or_else(|_| Err(PullError::Internal("the downloads".into())))
    })?;
    seconds.download = downloading.elapsed().as_secs_f64();
    on(PullEvent::Downloaded {
        bytes: bytes.load(Ordering::Relaxed),
        files,
    });
    let (errors, errors_total) = read_errors(&error_files)?;
    Ok((
        manifest,
        outputs,
        deleted,
        errors,
        errors_total,
        bytes.load(Ordering::Relaxed),
    ))
}

/// The error files' OperationOutcomes, in words: the first hundred, and how many in all.
fn read_errors(files: &[bulk::Downloaded]) -> Result<(Vec<String>, usize), PullError> {
    use std::io::BufRead;
    const LISTED: usize = 100;
    let mut words = Vec::new();
    let mut total = 0;
    for file in files {
        let reader = std::fs::File::open(&file.path)
            .map(std::io::BufReader::new)
            .map_err(|err| PullError::Local(format!("cannot read an error file: {err}")))?;
        for line in reader.lines() {
            let line =
                line.map_err(|err| PullError::Local(format!("cannot read an error file: {err}")))?;
            if line.trim().is_empty() {
                continue;
            }
            total += 1;
            if words.len() < LISTED {
                let said = serde_json::from_str::<serde_json::Value>(&line)
                    .ok()
                    .and_then(|json| http::outcome_words(&json))
                    .unwrap_or_else(|| {
                        crate::text::one_line(&line.chars().take(300).collect::<String>())
                    });
                words.push(said);
            }
        }
    }
    Ok((words, total))
}

/// What refract reads that the server's CapabilityStatement lists (all of it when the
/// statement lists no resources).
fn default_types(client: &http::Client) -> Result<Vec<String>, PullError> {
    let url = format!("{}/metadata", client.base);
    let mut response =
        client.request(http::Method::Get, &url, "application/fhir+json", &[], false)?;
    let all = || {
        READ_TYPES
            .iter()
            .map(|t| (*t).to_owned())
            .collect::<Vec<_>>()
    };
    if !response.status().is_success() {
        return Ok(all());
    }
    let statement: serde_json::Value = match http::read_json(&mut response, 16 << 20) {
        Ok(statement) => statement,
        Err(_) => return Ok(all()),
    };
    let listed: Vec<&str> = statement
        .pointer("/rest/0/resource")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("type").and_then(|t| t.as_str()))
        .collect();
    if listed.is_empty() {
        return Ok(all());
    }
    Ok(READ_TYPES
        .iter()
        .filter(|t| listed.contains(t))
        .map(|t| (*t).to_owned())
        .collect())
}

/// What a fetch brought, before any import.
fn report_of(fetched: &Fetched, dry_run: bool) -> PullReport {
    let mut resources: BTreeMap<String, u64> = BTreeMap::new();
    for file in &fetched.outputs {
        *resources
            .entry(file.entry.resource_type.clone())
            .or_default() += file.lines;
    }
    let mut server_counts: BTreeMap<String, u64> = BTreeMap::new();
    for file in &fetched.outputs {
        if let Some(count) = file.entry.count {
            *server_counts
                .entry(file.entry.resource_type.clone())
                .or_default() += count;
        }
    }
    let deleted: u64 = fetched
        .deleted
        .iter()
        .chain(&fetched.deleted_since)
        .map(|f| f.lines)
        .sum();
    PullReport {
        server: fetched.server.clone(),
        since: fetched.since.clone(),
        deletions_since: fetched.deletions_since.clone(),
        transaction_time: fetched.transaction_time.clone(),
        types: fetched.types.clone(),
        files: fetched.outputs.len() + fetched.deleted.len() + fetched.deleted_since.len(),
        bytes: fetched.bytes,
        resources,
        server_counts,
        deleted,
        errors: fetched.errors.clone(),
        errors_total: fetched.errors_total,
        job_not_deleted: fetched.job_deleted.clone().err(),
        refused: Vec::new(),
        incomplete_files: if dry_run {
            // Not imported: the lines downloaded are what the file holds.
            fetched
                .outputs
                .iter()
                .filter_map(|file| short_of_count(file, file.lines))
                .collect()
        } else {
            Vec::new()
        },
        dry_run,
        import: None,
        deletions: None,
        tokens: fetched.tokens,
        seconds: fetched.seconds,
    }
}

/// A dry run without a database: what the server sent.
pub fn apply_dry(fetched: Fetched) -> Result<PullReport, PullError> {
    let report = report_of(&fetched, true);
    // The downloaded files go with it.
    drop(fetched);
    Ok(report)
}

/// Imports what [`fetch`] brought (unless `dry_run`) and records the pull.
pub fn apply(
    store: &mut Store,
    rules: &Rules,
    today: NaiveDate,
    fetched: Fetched,
    dry_run: bool,
    on: &mut dyn FnMut(PullEvent),
) -> Result<PullReport, PullError> {
    let mut report = report_of(&fetched, dry_run);
    let importing = std::time::Instant::now();
    if dry_run {
        drop(fetched);
        return Ok(report);
    }
    // The output is one run of files, completed only by a later complete pull of the same
    // scope (see `import::RunOfFiles`); the deleted files stage no patient.
    let output_run = import::RunOfFiles::Pull {
        group: fetched.group.clone(),
        types: fetched.types.clone(),
        since: fetched.since.clone(),
        since_checkpoint: fetched.since_checkpoint,
    };
    let options = |files: &[bulk::Downloaded],
                   (run_of_files, applied_late): (import::RunOfFiles, bool)| {
        ImportOptions {
            source: Some(fetched.source.clone()),
            names: files
                .iter()
                .map(|f| (f.path.clone(), f.entry.url.clone()))
                .collect(),
            run_of_files,
            // The deletions read for themselves are applied after the output, though they may be
            // older than it: an undated one keeps out no copy read later.
            deletions_may_predate_stored: applied_late,
            ..ImportOptions::default()
        }
    };
    let paths = |files: &[bulk::Downloaded]| -> Vec<PathBuf> {
        files.iter().map(|f| f.path.clone()).collect()
    };
    let mut import = |files: &[bulk::Downloaded],
                      run_of_files: (import::RunOfFiles, bool)|
     -> Result<Option<ImportReport>, PullError> {
        if files.is_empty() {
            return Ok(None);
        }
        let imported = import::import_paths(
            store,
            rules,
            &paths(files),
            today,
            &options(files, run_of_files),
            |progress| on(PullEvent::Importing(*progress)),
        )?;
        Ok(Some(imported))
    };
    // An export's deletions before its output: a resource deleted and created again since
    // `_since` is in both lists (Bulk Data IG: `deleted` names what was deleted in the
    // window, `output` what exists at its end), and must stay; one deleted for good is in
    // `deleted` alone and goes. (A resource changed then deleted is in `deleted` alone too.)
    let own_deletions = import(&fetched.deleted, (import::RunOfFiles::Apart, false))?;
    let imported = import(&fetched.outputs, (output_run, false))?;
    // The export read for its deletions alone goes after the full export's output: what it
    // lists may have been deleted after the full export was made, and its own output (which
    // would hold a resource created again) is not read. A resource deleted and created again
    // in that window is then removed too, until a pull without `_since` brings it back (a
    // choice: a deletion there cannot be told from one made after the full export).
    let later_deletions = import(&fetched.deleted_since, (import::RunOfFiles::Apart, true))?;
    for report_of_files in [&own_deletions, &imported, &later_deletions]
        .into_iter()
        .flatten()
    {
        report.refused.extend(refused_files(report_of_files));
    }
    if let Some(imported) = &imported {
        report.incomplete_files = incomplete_outputs(&fetched.outputs, imported);
    }
    report.import = imported;
    report.deletions = match (own_deletions, later_deletions) {
        (Some(mut own), Some(later)) => {
            own.absorb(later);
            Some(own)
        }
        (own, later) => own.or(later),
    };
    report.seconds.import = importing.elapsed().as_secs_f64();
    let counts = serde_json::json!({
        "files": report.files,
        "resources": report.resources.values().sum::<u64>(),
        "deleted": report.deleted,
        "errors": report.errors_total,
        "added": report.import.as_ref().map_or(0, |r| r.added),
        "updated": report.import.as_ref().map_or(0, |r| r.updated),
        "removed": report.import.as_ref().map_or(0, |r| r.removed)
            + report.deletions.as_ref().map_or(0, |r| r.removed),
        "patients": report.import.as_ref().map_or(0, |r| r.patients),
        "refused": report.refused.len(),
        "incomplete_files": report.incomplete_files.len(),
    });
    // With error files, a file the import refused, or an output file that did not bring what
    // the export says (see `incomplete_outputs`), the export is incomplete: what came is
    // imported, and the pull recorded as incomplete (no checkpoint), so that `--since auto`
    // asks again from the last complete one.
    store.record_pull(&crate::store::FinishedPull {
        server: &fetched.source,
        group: fetched.group.as_deref(),
        types: &fetched.types,
        transaction_time: &fetched.transaction_time,
        since: fetched.since.as_deref(),
        counts: &counts,
        complete: report.complete(),
    })?;
    // The downloaded files go with it.
    drop(fetched);
    Ok(report)
}

impl PullReport {
    /// Whether the pull brought all of the export: no error files, no file refused, every
    /// output file what the export says it is.
    pub fn complete(&self) -> bool {
        self.errors_total == 0 && self.refused.is_empty() && self.incomplete_files.is_empty()
    }
}

/// The skip count the importer keeps for OperationOutcomes (their resource type).
const OPERATION_OUTCOME: &str = "OperationOutcome";

/// Output files that did not bring what the export says they hold. An OperationOutcome in an
/// output file is the server's error for that file, as if it were in an error file (Bulk Data
/// IG: errors go in the `error` files; an output file holds resources of its `type`): its
/// resources are not all there. A file with fewer resources than the manifest's `count`
/// (optional in the IG, and then "the number of resources in the file") lost some on the
/// way, or the server did: health data missing without a word is worse than a pull asked
/// again, so it makes the pull incomplete, not only a warning. (More than `count` loses
/// nothing, and is not said.) A file the importer refused is said as refused.
fn incomplete_outputs(
    outputs: &[bulk::Downloaded],
    imported: &ImportReport,
) -> Vec<IncompleteFile> {
    let mut incomplete = Vec::new();
    for file in outputs {
        let Some(report) = imported.files.iter().find(|f| f.path == file.entry.url) else {
            continue;
        };
        if report.outcome == import::FileOutcome::Failed {
            continue;
        }
        if report
            .skipped
            .get(OPERATION_OUTCOME)
            .is_some_and(|n| *n > 0)
        {
            incomplete.push(IncompleteFile {
                file: file.entry.url.clone(),
                why: format!(
                    "the server sent an OperationOutcome in it, not its resources: {}",
                    outcome_in(&file.path).unwrap_or_else(|| "no reason given".to_owned())
                ),
            });
            continue;
        }
        // A file read again unchanged (already imported) was not counted: its lines are.
        let resources = match report.outcome {
            import::FileOutcome::Imported => report.resources as u64,
            _ => file.lines,
        };
        incomplete.extend(short_of_count(file, resources));
    }
    incomplete
}

/// The file, when it holds fewer than the `count` its manifest entry gives.
fn short_of_count(file: &bulk::Downloaded, resources: u64) -> Option<IncompleteFile> {
    let count = file.entry.count?;
    (resources < count).then(|| IncompleteFile {
        file: file.entry.url.clone(),
        why: format!("holds {resources} resource(s); the export's manifest counts {count}"),
    })
}

/// The words of the first OperationOutcome in a downloaded file.
fn outcome_in(path: &std::path::Path) -> Option<String> {
    use std::io::BufRead;
    let reader = std::io::BufReader::new(std::fs::File::open(path).ok()?);
    reader
        .lines()
        .map_while(Result::ok)
        .filter(|line| line.contains(OPERATION_OUTCOME))
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(&line).ok())
        .find(|json| json["resourceType"] == OPERATION_OUTCOME)
        .and_then(|json| http::outcome_words(&json))
}

/// The files the importer refused. A refused file imports nothing and the others go on, as
/// with `refract import`: the pull says which, and is recorded as incomplete.
fn refused_files(report: &ImportReport) -> Vec<RefusedFile> {
    report
        .files
        .iter()
        .filter(|f| f.outcome == import::FileOutcome::Failed)
        .map(|f| RefusedFile {
            file: f.path.clone(),
            error: f.error.clone().unwrap_or_else(|| "failed".to_owned()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::READ_TYPES;

    /// Stored by the import but not asked for by default, each for its reason: a CarePlan is
    /// read only as a line refract's own export wrote (a server's are skipped); an Encounter
    /// or a Substance is read only as what another record names, and a server's whole lot of
    /// them is not worth the download (`--type` asks for them).
    const NOT_ASKED: &[&str] = &["CarePlan", "Encounter", "Substance"];

    #[test]
    fn a_pull_asks_for_every_type_the_import_keeps_but_those_it_leaves_for_a_reason() {
        let missing: Vec<&str> = crate::import::STORED_TYPES
            .iter()
            .copied()
            .filter(|kind| !READ_TYPES.contains(kind) && !NOT_ASKED.contains(kind))
            .collect();
        assert!(missing.is_empty(), "not asked for: {missing:?}");
    }
}
