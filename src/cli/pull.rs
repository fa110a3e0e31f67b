//! `refract pull`: the command line of a Bulk Data pull: the server's settings (flags over the
//! servers file), the key, Ctrl-C, progress on stderr and the summary on stdout (JSON with
//! `--json`).
//!
//! Ctrl-C while the server prepares or the files download stops the pull: the job is deleted on
//! the server, the downloaded files are removed, nothing is imported. Ctrl-C during the import
//! lets it finish (stopping it halfway would leave an unfinished run for the next pull to
//! complete); a second Ctrl-C stops at once.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::NaiveDate;
use indicatif::ProgressBar;

use super::progress;
use super::{CliError, result_stdout};
use crate::pull::{self, PullError, PullEvent, PullReport, Since};
use crate::rules::Rules;
use crate::store::{OpenMode, Store};

/// The command line's pull, as typed.
#[derive(Debug)]
pub struct Args {
    pub server: Option<String>,
    pub group: Option<String>,
    pub types: Vec<String>,
    pub since: Option<Since>,
    pub client_id: Option<String>,
    pub key: Option<PathBuf>,
    pub scope: Option<String>,
    pub config: Option<PathBuf>,
    pub dry_run: bool,
    pub json: bool,
    pub print_jwks: bool,
}

impl From<PullError> for CliError {
    fn from(err: PullError) -> Self {
        match err {
            PullError::Store(err) => CliError::Store(err),
            PullError::Cancelled => CliError::Message(String::from(
                "cancelled: the export job was deleted on the server; nothing was imported",
            )),
            PullError::AfterKickOff { error, job } if matches!(*error, PullError::Cancelled) => {
                CliError::Message(format!("cancelled: {job}; nothing was imported"))
            }
            other => CliError::Message(format!("pull: {other}")),
        }
    }
}

/// `--since` as clap reads it.
pub fn parse_since(text: &str) -> Result<Since, String> {
    Since::parse(text)
}

pub fn run(
    db: Option<PathBuf>,
    rules_dir: Option<&std::path::Path>,
    user: &str,
    today: NaiveDate,
    args: &Args,
) -> Result<ExitCode, CliError> {
    let servers = match args.config.clone().or_else(pull::default_servers_path) {
        Some(path) => pull::Servers::load(&path)?,
        None => pull::Servers::default(),
    };
    if args.print_jwks {
        return print_jwks(args, &servers);
    }
    let Some(server) = args.server.as_deref() else {
        return Err(CliError::Message(
            "pull: name the server with --server URL (or a name in the servers file)".into(),
        ));
    };
    let (_name, settings) = servers.resolve(server)?;
    let credentials = credentials(args, &settings)?;
    let types = if args.types.is_empty() {
        settings.types.clone()
    } else {
        Some(args.types.clone())
    };
    if let Some(bad) = types
        .iter()
        .flatten()
        .find(|t| t.is_empty() || !t.chars().all(|c| c.is_ascii_alphanumeric()))
    {
        return Err(CliError::Message(format!(
            "--type '{bad}': expected FHIR resource types, e.g. Patient,Condition"
        )));
    }
    let rules = Rules::load(rules_dir)?;
    let path = super::database_path(db)?;
    // A dry run writes nothing: it reads the file (for --since auto) only if there is one.
    let mut store = if args.dry_run && !path.exists() {
        None
    } else {
        let store = Store::open(
            &path,
            if args.dry_run {
                OpenMode::MustExist
            } else {
                OpenMode::CreateIfMissing
            },
            user,
        )?;
        super::warn_about(&store);
        Some(store)
    };
    let server = settings.url.trim_end_matches('/').to_owned();
    // One server however it is written: the spelling this file first met it in.
    let source = match &store {
        Some(store) => crate::import::source_in_store(store, &server)?,
        None => crate::import::canonical_source(&server),
    };
    // One pull of a server into a file at a time, taken before the kick-off so that the one
    // refused leaves no export job behind (a dry run writes nothing, and takes none).
    let _pulling = match &store {
        Some(_) if !args.dry_run => Some(pull::lock(&path, &source, user)?),
        _ => None,
    };
    let group = args.group.clone().or(settings.group.clone());
    // A dry run without a file has no checkpoint: `auto` is everything.
    let auto_since = |types: &[String]| match &store {
        Some(store) => pull::auto_since(store, &source, group.as_deref(), types),
        None => Ok(pull::AutoStart::default()),
    };

    // Ctrl-C (and SIGTERM): the first asks the pull to stop cleanly, a second exits at once,
    // in one line, its downloaded files removed (watched on a thread of its own: a signal
    // handler can do neither).
    let cancel = Arc::new(AtomicBool::new(false));
    let mut signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
    ])
    .map_err(|err| CliError::Message(format!("pull: cannot watch for Ctrl-C: {err}")))?;
    let asked = Arc::clone(&cancel);
    std::thread::spawn(move || {
        for _ in signals.forever() {
            if asked.swap(true, Ordering::SeqCst) {
                pull::remove_own_folders();
                eprintln!(
                    "\nrefract: pull stopped at once (a second Ctrl-C): no pull recorded, so the \
                     next one asks again and completes it; its downloaded files were removed"
                );
                std::process::exit(130);
            }
        }
    });
    // Folders of downloaded patient data that pulls killed before their clean-up left behind.
    let (removed, left) = pull::remove_left_folders();
    if !removed.is_empty() {
        eprintln!(
            "refract: removed {} folder(s) of files downloaded by pulls that were stopped",
            removed.len()
        );
    }
    for folder in left {
        eprintln!(
            "refract: note: {} holds files another pull downloaded (running, or of an older \
             refract): remove it once no pull runs",
            super::output::path_text(&folder)
        );
    }

    let display = Display::new();
    let request = pull::PullRequest {
        server,
        source: source.clone(),
        group: group.clone(),
        types,
        since: args.since.clone().unwrap_or(Since::Everything),
        credentials,
        parallel: pull::PARALLEL_DOWNLOADS,
        cancel: Arc::clone(&cancel),
    };
    let fetched = pull::fetch(request, &auto_since, &mut |event| display.show(&event));
    display.clear();
    let fetched = fetched?;
    // From here Ctrl-C lets the import finish; a second one exits (see the module's doc).
    let interrupted = Arc::clone(&cancel);
    let report = match store.as_mut() {
        Some(store) => pull::apply(store, &rules, today, fetched, args.dry_run, &mut |event| {
            display.show(&event);
        }),
        None => pull::apply_dry(fetched),
    };
    display.clear();
    let report = report?;
    if interrupted.load(Ordering::Relaxed) {
        eprintln!("refract: Ctrl-C: the import was let finish, and the pull is recorded");
    }
    write_report(&report, args.json)?;
    if report.complete() {
        return Ok(ExitCode::SUCCESS);
    }
    // Incomplete: what came is in, and exit 1, so that a script never takes it for the
    // whole export. Each file is one line on stderr, named by its file name.
    for file in &report.incomplete_files {
        eprintln!(
            "refract: pull: the server's file {} is incomplete: {}",
            file_name(&file.file),
            crate::text::sanitise_line(&file.why)
        );
    }
    if report.errors_total > 0 {
        eprintln!(
            "refract: pull: the server reported {} error(s) in its export (its summary lists them)",
            report.errors_total
        );
    }
    if !report.dry_run && report.refused.is_empty() {
        eprintln!(
            "refract: pull: recorded as incomplete: `--since auto` asks again from the last \
             complete pull"
        );
    }
    // As `refract import` does: the other files are in (the summary says what), each refused
    // file is one line on stderr, named by its file name so that the whole reason fits.
    for refused in &report.refused {
        eprintln!(
            "refract: pull: the import refused {} (nothing of it imported): {}",
            file_name(&refused.file),
            crate::text::sanitise_line(&refused.error)
        );
    }
    Ok(ExitCode::from(1))
}

/// The Backend Services client: `--client-id`/`--key` over the servers file; none without
/// both.
fn credentials(
    args: &Args,
    settings: &pull::ServerSettings,
) -> Result<Option<pull::Credentials>, CliError> {
    let client_id = args.client_id.clone().or(settings.client_id.clone());
    let key = args.key.clone().or(settings.key.clone());
    let (client_id, key_path) = match (client_id, key) {
        (None, None) => return Ok(None),
        (Some(id), Some(key)) => (id, key),
        _ => {
            return Err(CliError::Message(
                "pull: --client-id and --key go together (SMART Backend Services needs both)"
                    .into(),
            ));
        }
    };
    let scope = args
        .scope
        .clone()
        .or(settings.scope.clone())
        .unwrap_or_else(|| pull::DEFAULT_SCOPE.to_owned());
    pull::check_scope(&scope)?;
    let mut key = pull::load_key(&key_path)?;
    if let Some(kid) = &settings.kid {
        key.kid.clone_from(kid);
    }
    Ok(Some(pull::Credentials {
        client_id,
        key,
        scope,
        token_url: settings.token_url.clone(),
        key_path,
    }))
}

/// The public half of `--key` as a JWK set, to register the client with a server.
fn print_jwks(args: &Args, servers: &pull::Servers) -> Result<ExitCode, CliError> {
    let settings = match args.server.as_deref() {
        Some(server) => Some(servers.resolve(server)?.1),
        None => None,
    };
    let Some(path) = args
        .key
        .clone()
        .or_else(|| settings.as_ref().and_then(|s| s.key.clone()))
    else {
        return Err(CliError::Message(
            "pull --print-jwks: give --key FILE".into(),
        ));
    };
    let mut key = pull::load_key(&path)?;
    if let Some(kid) = settings.and_then(|s| s.kid) {
        key.kid = kid;
    }
    let jwks = serde_json::json!({ "keys": [key.key.public_jwk(&key.kid)] });
    let mut out = result_stdout(true);
    serde_json::to_writer_pretty(&mut out, &jwks).map_err(std::io::Error::from)?;
    writeln!(out)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Progress on stderr: a spinner on a terminal, else each new status line.
struct Display {
    bar: Option<ProgressBar>,
    last: std::cell::RefCell<String>,
}

impl Display {
    fn new() -> Display {
        let bar = progress::spinner();
        Display {
            bar,
            last: std::cell::RefCell::new(String::new()),
        }
    }

    fn show(&self, event: &PullEvent) {
        let message = match event {
            PullEvent::KickedOff { types } => format!("export asked ({})", types.join(",")),
            PullEvent::Status(words) => format!("server: {words}"),
            PullEvent::Manifest { files } => format!("export ready: {files} file(s)"),
            // Each figure says what it counts: bytes so far are not the export's size.
            PullEvent::Downloading { bytes, files } => format!(
                "downloading {files} file(s): {:.1} MB so far",
                *bytes as f64 / 1e6
            ),
            PullEvent::Downloaded { bytes, files } => format!(
                "downloaded {files} file(s): {:.1} MB in all",
                *bytes as f64 / 1e6
            ),
            PullEvent::Importing(progress) => format!(
                "importing: {}/{} files done, {} resources so far",
                progress.files_done, progress.files_total, progress.resources
            ),
        };
        if let Some(bar) = &self.bar {
            bar.set_message(message);
            return;
        }
        // Without a terminal: each new kind of step once, and every status the server sends
        // (downloads and imports report too often to print each).
        let kind = message.split(':').next().unwrap_or("").to_owned();
        let mut last = self.last.borrow_mut();
        let new = match event {
            PullEvent::Status(_) => *last != message,
            _ => *last != kind && !last.starts_with(&kind),
        };
        if new {
            eprintln!("refract: {message}");
        }
        if new {
            *last = if matches!(event, PullEvent::Status(_)) {
                message
            } else {
                kind
            };
        }
    }

    fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// The last part of a file's URL (`2.Patient.ndjson`).
fn file_name(url: &str) -> &str {
    url.trim_end_matches('/').rsplit('/').next().unwrap_or(url)
}

fn write_report(report: &PullReport, json: bool) -> Result<(), CliError> {
    let mut out = result_stdout(json);
    if json {
        serde_json::to_writer_pretty(&mut out, report).map_err(std::io::Error::from)?;
        writeln!(out)?;
        out.flush()?;
        return Ok(());
    }
    let total: u64 = report.resources.values().sum();
    writeln!(
        out,
        "{} {}{}: {} file(s) downloaded, {total} resource(s) in them, {} deletion(s); \
         transaction time {}",
        if report.dry_run {
            "dry run of"
        } else {
            "pulled"
        },
        report.server,
        report
            .since
            .as_deref()
            .map(|s| format!(" since {s}"))
            .unwrap_or_default(),
        report.files,
        report.deleted,
        report.transaction_time
    )?;
    if !report.resources.is_empty() {
        writeln!(
            out,
            "  {}",
            report
                .resources
                .iter()
                .map(|(t, n)| format!("{t} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
    }
    if let Some(import) = &report.import {
        writeln!(
            out,
            "imported: {} patient(s) ({} new), {} added, {} updated, {} unchanged, {} removed, \
             {} warning(s)",
            import.patients,
            import.new_patients,
            import.added,
            import.updated,
            import.unchanged,
            import.removed,
            import.warnings
        )?;
    }
    if let Some(deletions) = &report.deletions {
        writeln!(out, "deleted files: {} removed", deletions.removed)?;
    }
    if let Some(import) = &report.import
        && !import.skipped.is_empty()
    {
        writeln!(
            out,
            "  left out: {}",
            import
                .skipped
                .iter()
                .map(|(why, n)| format!("{n} {why}"))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
    }
    for refused in &report.refused {
        writeln!(
            out,
            "refused (nothing of it imported): {}: {}",
            file_name(&refused.file),
            refused.error
        )?;
    }
    for file in &report.incomplete_files {
        writeln!(
            out,
            "incomplete file: {}: {}",
            file_name(&file.file),
            file.why
        )?;
    }
    if !report.dry_run && (!report.refused.is_empty() || !report.incomplete_files.is_empty()) {
        writeln!(
            out,
            "the pull is recorded as incomplete: `--since auto` asks again from the last \
             complete pull"
        )?;
    }
    if report.files == 0 && report.errors_total == 0 && report.since.is_some() {
        writeln!(out, "nothing changed on the server since then")?;
    }
    if report.errors_total > 0 {
        writeln!(
            out,
            "the server reported {} error(s) in its export:",
            report.errors_total
        )?;
        for words in &report.errors {
            writeln!(out, "  {words}")?;
        }
        if !report.dry_run && report.refused.is_empty() && report.incomplete_files.is_empty() {
            writeln!(
                out,
                "the pull is recorded as incomplete: `--since auto` asks again from the last \
                 complete pull"
            )?;
        }
    }
    writeln!(
        out,
        "time: server {:.1} s, download {:.1} s ({:.1} MB downloaded in all), import {:.1} s",
        report.seconds.server,
        report.seconds.download,
        report.bytes as f64 / 1e6,
        report.seconds.import
    )?;
    if let Some(why) = &report.job_not_deleted {
        writeln!(out, "note: {why}")?;
    }
    out.flush()?;
    Ok(())
}
