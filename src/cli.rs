//! The command line: the contract of docs/architecture.md (commands, options, exit codes), and the
//! headless commands behind it.
//!
//! Headless commands never touch raw mode. stdout carries only the result (JSON with `--json`);
//! messages go to stderr. Exit code 0 on success, 1 on a user error with a one-line reason
//! (returned as [`CliError`]), 2 on a usage error (clap's own).

mod check;
mod demo;
mod export;
mod flags;
mod import;
mod init;
pub(crate) mod minutes;
mod output;
mod patients;
mod progress;
mod pull;
mod review;
mod show;

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::demo::DemoError;
use crate::domain::ReviewDecision;
use crate::rules::{Rules, RulesError};
use crate::store::{self, OpenMode, Store, StoreError};
use crate::text::TerminalWriter;
use crate::tui::keymap::Keymap;
use output::today;

/// refract: a terminal care-team dashboard for refractory and treatment-resistant disease.
///
/// Without a command it opens the dashboard on the database. The database is --db, else
/// $REFRACT_DB, else refract.db in the platform data directory. It holds health data: it is
/// created readable by you only. Only `refract pull` uses the network.
#[derive(Debug, Parser)]
#[command(name = "refract", version, about, long_about, max_term_width = 100)]
pub struct Cli {
    /// The database file.
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Your name in the audit log (e.g. dr.mensah), recorded beside your OS account (default:
    /// the OS account alone).
    #[arg(long, global = true, value_name = "NAME", value_parser = crate::account::check_given_name)]
    pub user: Option<String>,
    /// A folder of rule files (<id>.toml, drugs.toml) that replace or add to the built-in ones.
    #[arg(long, global = true, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// A keymap file whose bindings replace or add to the built-in keys (default:
    /// $REFRACT_KEYMAP).
    #[arg(long, global = true, value_name = "FILE")]
    pub keymap: Option<PathBuf>,
    /// The dashboard's overview counts a flag as waiting when its criteria have been met for
    /// more than N months with no specialist referral recorded (1 to 120).
    #[arg(long, global = true, value_name = "N", env = "REFRACT_WAITING_MONTHS",
          default_value_t = crate::store::DEFAULT_WAITING_MONTHS,
          value_parser = clap::value_parser!(u32).range(1..=120))]
    pub waiting_months: u32,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create (if absent) and open the demo database, a separate file of realistic stories.
    Demo {
        /// How many patients [default: 500; without it, an existing demo is opened as it is].
        #[arg(long, value_name = "N")]
        patients: Option<u64>,
        /// The seed: the same seed (on the same day) makes the same database [default: 1].
        #[arg(long, value_name = "S")]
        seed: Option<u64>,
        /// Create it and exit (for scripts and benchmarks).
        #[arg(long)]
        no_open: bool,
        /// The day the stories are told back from (default: today).
        #[arg(long, value_name = "YYYY-MM-DD", hide = true)]
        today: Option<chrono::NaiveDate>,
    },
    /// Create a new, empty database: readable by you only, or shared by a Unix group.
    Init {
        /// Share it with this Unix group: the file 0660 and its folder 2770 (setgid), both of
        /// the group; a folder that exists must already be one.
        #[arg(long, value_name = "NAME")]
        group: Option<String>,
    },
    /// Import FHIR R4 files or folders (Bundles, single resources, NDJSON).
    Import {
        /// Files or folders.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
        /// The system the files come from (e.g. the hospital's FHIR server). Resources are
        /// kept per source: name it when importing exports of two systems whose ids may
        /// collide (NDJSON files carry no server address). Default: one unnamed local source, in
        /// which another server's Patient with an id stored from the first, a Patient with a
        /// stored id but no identifier or name in common and another sex or birth date, or a
        /// second Patient id with a stored patient's identifier, is refused, not merged.
        #[arg(long, value_name = "NAME")]
        source: Option<String>,
        /// Each file holds its patients' whole record from that source: their imported
        /// resources that the file does not hold are removed (audited).
        #[arg(long)]
        replace: bool,
        /// Refuse files larger than SIZE (e.g. 500M, 20G).
        #[arg(long, value_name = "SIZE", default_value = "16G", value_parser = import::parse_size_arg)]
        max_file_size: u64,
        /// Declare two identifier systems to be one (A=B): a patient known by a value in
        /// one is the patient known by the same value in the other. Repeatable.
        #[arg(long, value_name = "A=B")]
        same_system: Vec<String>,
        /// Lift the refusal of the source's Patient ID as another person than the stored
        /// patient with that id (an earlier import's warning says so): what the source files
        /// under it is that patient's again. Repeatable.
        #[arg(long, value_name = "ID")]
        lift_refusal: Vec<String>,
    },
    /// Export patients (all, or those named) as FHIR R4 or as refract's lossless JSON.
    Export {
        /// `fhir` (a collection bundle) or `json` (refract's own, lossless).
        #[arg(long, default_value = "fhir", value_parser = ["fhir", "json"])]
        format: String,
        /// Write to FILE (readable by you only) instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Replace FILE if it exists.
        #[arg(long, requires = "out")]
        force: bool,
        /// MRNs of the patients to export (default: all).
        #[arg(value_name = "MRN")]
        mrns: Vec<String>,
    },
    /// List patients (all of them, in name order).
    Patients {
        /// Print JSON (an array of objects).
        #[arg(long)]
        json: bool,
        /// Only patients whose family name, given name or MRN starts with TEXT, or who hold
        /// an identifier whose whole value is TEXT (an NHS number, another hospital's MRN).
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        /// Only living patients, as the dashboard's list shows them (stderr says how many were
        /// left out). Without it every patient is listed, the deceased marked.
        #[arg(long)]
        living: bool,
    },
    /// One patient: conditions, drugs, lines, measurements, assessments, way forward.
    Show {
        /// The patient's MRN.
        mrn: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Evaluate (what changed since last time) and list assessments, most severe first.
    Flags {
        /// Print JSON (an array, one object per patient and condition).
        #[arg(long)]
        json: bool,
        /// Only this status.
        #[arg(long, value_name = "S", value_parser = ["refractory", "resistant", "relapsed", "not_met", "insufficient_data"])]
        status: Option<String>,
        /// Only this rule set (condition), e.g. epilepsy, hypertension, lbcl.
        #[arg(long, value_name = "ID")]
        condition: Option<String>,
    },
    /// Confirm or dismiss a patient's assessment, with a rationale (audited).
    Review {
        /// The patient's MRN.
        mrn: String,
        /// The rule set (condition) of the assessment.
        #[arg(long, value_name = "ID")]
        condition: String,
        /// Confirm the suspected status.
        #[arg(long, conflicts_with = "dismiss", required_unless_present = "dismiss")]
        confirm: bool,
        /// Dismiss it (it stays dismissed until the evidence changes).
        #[arg(long)]
        dismiss: bool,
        /// Why (required).
        #[arg(long, value_name = "TEXT")]
        rationale: String,
        /// The fingerprint you read (`flags --json`, `show`): the review is refused if the
        /// assessment changed since, or a colleague reviewed it since. Without it, the
        /// assessment and its review as they are now.
        #[arg(long, value_name = "FP")]
        fingerprint: Option<String>,
    },
    /// Pull from a FHIR server: a Bulk Data $export (SMART Backend Services when it needs a
    /// token), imported as `import` does, the server's URL as the source.
    Pull {
        /// The server: its FHIR base URL, or a [servers.NAME] of the servers file.
        #[arg(long, value_name = "URL|NAME", required_unless_present = "print_jwks")]
        server: Option<String>,
        /// Export this Group only (a group-level export).
        #[arg(long, value_name = "ID")]
        group: Option<String>,
        /// Resource types to ask for (default: those refract reads that the server has).
        #[arg(long = "type", value_name = "T,...", value_delimiter = ',')]
        types: Vec<String>,
        /// `auto`: only what changed since this server's last pull (and what it deleted);
        /// or a date (YYYY-MM-DD) or instant. Default: everything.
        #[arg(long, value_name = "auto|DATE", value_parser = pull::parse_since)]
        since: Option<crate::pull::Since>,
        /// The client id the server registered (SMART Backend Services).
        #[arg(long, value_name = "ID")]
        client_id: Option<String>,
        /// The client's private key, PEM or JWK, RS384 or ES384; readable by you alone.
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
        /// Scopes to ask (default system/*.read; narrower ones are fine, writes are refused).
        #[arg(long, value_name = "SCOPES")]
        scope: Option<String>,
        /// The servers file (TOML; default $REFRACT_SERVERS, else servers.toml in refract's
        /// configuration folder).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Ask and download, import nothing, record nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
        /// Print the public half of --key as a JWK set (to register the client) and exit.
        #[arg(long)]
        print_jwks: bool,
    },
    /// Check the database (integrity, schema version, foreign keys) and the rule files.
    Check,
    /// List the MDT meetings, newest first.
    Meetings {
        /// Print JSON (an array, one object per meeting).
        #[arg(long)]
        json: bool,
    },
    /// Minutes of an MDT meeting, as Markdown or a self-contained printable HTML page.
    Minutes {
        /// The meeting's number (see `refract meetings`), or `latest`: the most recent meeting
        /// that has started, else the next one.
        #[arg(value_name = "MEETING")]
        meeting: String,
        /// `md` (Markdown) or `html`.
        #[arg(long, default_value = "md", value_parser = ["md", "html"])]
        format: String,
        /// Write to FILE (readable by you only) instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Replace FILE if it exists.
        #[arg(long, requires = "out")]
        force: bool,
        /// Name patients and show their MRNs (default: initials, age and sex only).
        #[arg(long)]
        identified: bool,
    },
}

/// A user-facing failure: printed as one line, exit code 1.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Demo(#[from] DemoError),
    #[error(transparent)]
    Rules(#[from] RulesError),
    #[error("{0}")]
    Message(String),
    #[error(transparent)]
    Tui(#[from] crate::tui::TuiError),
    #[error(transparent)]
    Keymap(#[from] crate::tui::keymap::KeymapError),
    #[error("cannot write output: {0}")]
    Output(#[from] io::Error),
    #[error(transparent)]
    OutFile(#[from] crate::out_file::OutFileError),
}

impl CliError {
    /// A closed pipe (`refract patients | head`) is not an error worth a message.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, CliError::Output(err) if err.kind() == io::ErrorKind::BrokenPipe)
    }
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode, CliError> {
    // The OS account comes from the password database, not from $USER, which anyone can set;
    // the audit log records it beside the name given here.
    let user = cli
        .user
        .clone()
        .unwrap_or_else(|| crate::account::os_account().to_owned());
    match cli.command {
        None => {
            let path = database_path(cli.db)?;
            let rules = Rules::load(cli.rules.as_deref())?;
            let keymap = Keymap::load(cli.keymap.as_deref())?;
            // Refused before the file is opened: with no terminal (a script, cron) a mistyped
            // --db would otherwise be left behind as a new empty database.
            need_terminal()?;
            let store = Store::open(&path, OpenMode::CreateIfMissing, &user)?;
            open_dashboard(store, rules, &keymap, cli.waiting_months, today())
        }
        Some(Command::Demo {
            patients,
            seed,
            no_open,
            today,
        }) => {
            // A bad keymap is refused before a demo is built for it.
            let dashboard = if no_open {
                None
            } else {
                Some((Keymap::load(cli.keymap.as_deref())?, cli.waiting_months))
            };
            demo::run(
                cli.db,
                cli.rules.as_deref(),
                &user,
                patients,
                seed,
                dashboard,
                today,
            )
        }
        Some(Command::Init { group }) => {
            let path = database_path(cli.db)?;
            init::run(&path, group.as_deref(), &user)
        }
        Some(Command::Import {
            paths,
            json,
            source,
            replace,
            max_file_size,
            same_system,
            lift_refusal,
        }) => {
            let mut options = import::options(source, replace, max_file_size, &same_system)?;
            options.lift_refusals = lift_refusal;
            let rules = Rules::load(cli.rules.as_deref())?;
            let path = database_path(cli.db)?;
            let mut store = Store::open(&path, OpenMode::CreateIfMissing, &user)?;
            warn_about(&store);
            import::run(&mut store, &rules, today(), &paths, &options, json)
        }
        Some(Command::Export {
            format,
            out,
            force,
            mrns,
        }) => {
            let store = open_existing(cli.db, &user)?;
            warn_about_unfinished_import(&store);
            export::run(&store, &format, out.as_deref(), force, &mrns)
        }
        Some(Command::Patients {
            json,
            search,
            living,
        }) => {
            let store = open_existing(cli.db, &user)?;
            warn_about_unfinished_import(&store);
            patients::run(&store, json, search.as_deref(), !living)
        }
        Some(Command::Show { mrn, json }) => {
            let store = open_existing(cli.db, &user)?;
            warn_about_unfinished_import(&store);
            let rules = Rules::load(cli.rules.as_deref())?;
            show::run(&store, &rules, &mrn, json)
        }
        Some(Command::Flags {
            json,
            status,
            condition,
        }) => {
            let rules = Rules::load(cli.rules.as_deref())?;
            let mut store = open_existing(cli.db, &user)?;
            flags::run(
                &mut store,
                &rules,
                today(),
                json,
                status.as_deref(),
                condition.as_deref(),
            )
        }
        Some(Command::Review {
            mrn,
            condition,
            confirm,
            dismiss: _,
            rationale,
            fingerprint,
        }) => {
            let mut store = open_existing(cli.db, &user)?;
            let decision = if confirm {
                ReviewDecision::Confirmed
            } else {
                ReviewDecision::Dismissed
            };
            review::run(
                &mut store,
                today(),
                &review::Review {
                    mrn: &mrn,
                    condition: &condition,
                    decision,
                    rationale: &rationale,
                    fingerprint: fingerprint.as_deref(),
                },
            )
        }
        Some(Command::Pull {
            server,
            group,
            types,
            since,
            client_id,
            key,
            scope,
            config,
            dry_run,
            json,
            print_jwks,
        }) => pull::run(
            cli.db,
            cli.rules.as_deref(),
            &user,
            today(),
            &pull::Args {
                server,
                group,
                types,
                since,
                client_id,
                key,
                scope,
                config,
                dry_run,
                json,
                print_jwks,
            },
        ),
        Some(Command::Check) => {
            let store = open_existing(cli.db, &user)?;
            check::run(&store, cli.rules.as_deref(), cli.keymap.as_deref())
        }
        Some(Command::Meetings { json }) => minutes::list(&open_existing(cli.db, &user)?, json),
        Some(Command::Minutes {
            meeting,
            format,
            out,
            force,
            identified,
        }) => {
            let rules = Rules::load(cli.rules.as_deref())?;
            let store = open_existing(cli.db, &user)?;
            warn_about_unfinished_import(&store);
            minutes::run(
                &store,
                &rules,
                &meeting,
                &format,
                out.as_deref(),
                force,
                identified,
            )
        }
    }
}

/// Opens the dashboard; refuses politely when there is no terminal to draw on.
fn open_dashboard(
    store: Store,
    rules: Rules,
    keymap: &Keymap,
    waiting_months: u32,
    today: chrono::NaiveDate,
) -> Result<ExitCode, CliError> {
    need_terminal()?;
    crate::tui::run(store, rules, keymap, waiting_months, today)?;
    Ok(ExitCode::SUCCESS)
}

/// The dashboard draws on a terminal and reads its keys: refused, in one line, without one.
fn need_terminal() -> Result<(), CliError> {
    use std::io::IsTerminal;
    if io::stdout().is_terminal() && io::stdin().is_terminal() {
        Ok(())
    } else {
        Err(CliError::Message(
            "the dashboard needs a terminal; use a headless command (refract --help)".into(),
        ))
    }
}

/// `--db`, else `$REFRACT_DB`, else the platform data directory.
fn database_path(db: Option<PathBuf>) -> Result<PathBuf, CliError> {
    if let Some(path) = db {
        return Ok(path);
    }
    if let Some(path) = std::env::var_os("REFRACT_DB").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    store::default_path("refract.db").ok_or_else(|| {
        CliError::Message("no home directory to keep the database in; use --db PATH".into())
    })
}

/// Opens the database for a command that reads it, refusing to create an empty file.
fn open_existing(db: Option<PathBuf>, user: &str) -> Result<Store, CliError> {
    let path = database_path(db)?;
    // SQLite takes an empty file for an empty database and would write a schema into it: a
    // command that only reads refuses it instead, as it refuses a missing file.
    if std::fs::metadata(&path).is_ok_and(|meta| meta.is_file() && meta.len() == 0) {
        return Err(CliError::Message(format!(
            "{} is empty, not a refract database (left untouched)",
            path.display()
        )));
    }
    let store = Store::open(&path, OpenMode::MustExist, user)?;
    warn_about(&store);
    Ok(store)
}

/// Tells the user, once, on stderr, who else can reach the file (the dashboard shows the same
/// on its status line instead).
fn warn_about(store: &Store) {
    for warning in store.warnings() {
        eprintln!("refract: warning: {}", crate::text::one_line(warning));
    }
}

/// A command that reads records says when some are older than what was imported: an import
/// that did not reach its end (or is still running) has not brought them up to date yet.
fn warn_about_unfinished_import(store: &Store) {
    match crate::import::leftover(store) {
        Ok(crate::import::Leftover::Waiting { patients }) => eprintln!(
            "refract: warning: {patients} patient(s) show their records as they were before an \
             import that did not finish; `refract flags` (or the dashboard) brings them up to date"
        ),
        Ok(crate::import::Leftover::Running { patients, process }) => eprintln!(
            "refract: warning: an import is running ({}): {patients} patient(s) show their \
             records as they were before it until it ends",
            crate::text::one_line(&process)
        ),
        Ok(crate::import::Leftover::Nothing) | Err(_) => {}
    }
    if let Ok(Some(notice)) = crate::import::held_back_notice(store) {
        eprintln!("refract: warning: {}", crate::text::one_line(&notice));
    }
}

/// Standard output, buffered; errors (a closed pipe among them) are returned, never panicked on.
fn stdout() -> io::BufWriter<io::StdoutLock<'static>> {
    io::BufWriter::new(io::stdout().lock())
}

/// Standard output for a command's result: JSON as serde writes it (it escapes control
/// characters itself, and a program reading it wants the data as stored); text for a person
/// through the terminal sanitiser, whatever the records hold.
enum ResultOut {
    Json(io::BufWriter<io::StdoutLock<'static>>),
    Text(TerminalWriter<io::BufWriter<io::StdoutLock<'static>>>),
}

fn result_stdout(json: bool) -> ResultOut {
    if json {
        ResultOut::Json(stdout())
    } else {
        ResultOut::Text(TerminalWriter::new(stdout()))
    }
}

impl Write for ResultOut {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            ResultOut::Json(out) => out.write(buf),
            ResultOut::Text(out) => out.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            ResultOut::Json(out) => out.write_all(buf),
            ResultOut::Text(out) => out.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            ResultOut::Json(out) => out.flush(),
            ResultOut::Text(out) => out.flush(),
        }
    }
}

fn finish(mut out: impl Write) -> Result<ExitCode, CliError> {
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
