//! `refract demo`: create (if absent) and open the demo database.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::NaiveDate;

use super::output::path_text;
use super::{CliError, open_dashboard};
use crate::demo::{self, DemoOptions, ExistingDemo};
use crate::rules::Rules;
use crate::store::{self, OpenMode, Store};
use crate::tui::keymap::Keymap;

/// How many patients a demo has when none is asked for.
const DEFAULT_PATIENTS: u64 = 500;
/// The seed of a demo when none is asked for.
const DEFAULT_SEED: u64 = 1;

pub fn run(
    db: Option<PathBuf>,
    rules_dir: Option<&Path>,
    user: &str,
    patients: Option<u64>,
    seed: Option<u64>,
    // The keys and waiting months of the dashboard to open on the demo; none to create it and
    // exit.
    dashboard: Option<(Keymap, u32)>,
    today: Option<NaiveDate>,
) -> Result<ExitCode, CliError> {
    // The demo is a separate file: $REFRACT_DB (the real database) is deliberately not used.
    let path = match db {
        Some(path) => path,
        None => store::default_path("demo.db").ok_or_else(|| {
            CliError::Message("no home directory to keep the demo in; use --db PATH".into())
        })?,
    };
    let asked = DemoOptions {
        patients: patients.unwrap_or(DEFAULT_PATIENTS),
        seed: seed.unwrap_or(DEFAULT_SEED),
        today: today.unwrap_or_else(|| chrono::Local::now().date_naive()),
    };
    let rules = Rules::load(rules_dir)?;
    let options = match demo::existing(&path, &asked)? {
        ExistingDemo::Same => {
            eprintln!("refract: using the demo database at {}", path_text(&path));
            asked
        }
        ExistingDemo::Absent => build(&path, asked, &rules, None)?,
        // Nobody has worked in it: it is rebuilt as asked (a bare `refract demo` of another
        // day's demo, too, so that its stories are told back from today).
        ExistingDemo::Other {
            made_with,
            changes_since: Some(0),
        } => {
            // A bare `refract demo` keeps the size and seed it was made with.
            let wanted = match made_with {
                Some(ref made_with) if patients.is_none() && seed.is_none() => DemoOptions {
                    today: asked.today,
                    ..made_with.clone()
                },
                _ => asked,
            };
            if made_with.as_ref() == Some(&wanted) {
                eprintln!("refract: using the demo database at {}", path_text(&path));
                wanted
            } else {
                build(&path, wanted, &rules, Some(&path))?
            }
        }
        // The team's work is in it (or may be: a demo made before refract marked its own
        // changes): a rebuild would lose it, so it is opened as it was made, or refused when
        // other options were asked for.
        ExistingDemo::Other {
            made_with,
            changes_since,
        } => {
            let worked = match changes_since {
                Some(changes) => format!("{changes} audited changes made in it since it was built"),
                None => "it may hold the team's work".to_owned(),
            };
            if patients.is_some() || seed.is_some() {
                return Err(CliError::Message(format!(
                    "{} is a demo made with other options and {worked}: run `refract demo` \
                     without --patients and --seed to open it, or choose another --db",
                    path_text(&path)
                )));
            }
            let made_with = made_with.unwrap_or(asked);
            eprintln!(
                "refract: using the demo database at {} ({} patients, seed {}, told back from \
                 {}; {worked})",
                path_text(&path),
                made_with.patients,
                made_with.seed,
                made_with.today
            );
            made_with
        }
    };
    let store = Store::open(&path, OpenMode::MustExist, user)?;
    let Some((keymap, waiting_months)) = dashboard else {
        return Ok(ExitCode::SUCCESS);
    };
    // The demo's own date, so that its stories read as they were written.
    open_dashboard(store, rules, &keymap, waiting_months, options.today)
}

/// Builds the demo (replacing the one there, when `replacing`) and says so.
fn build(
    path: &Path,
    options: DemoOptions,
    rules: &Rules,
    replacing: Option<&Path>,
) -> Result<DemoOptions, CliError> {
    eprintln!(
        "refract: {} a demo database of {} patients at {} …",
        if replacing.is_some() {
            "rebuilding (nobody has worked in the one there)"
        } else {
            "creating"
        },
        options.patients,
        path_text(path)
    );
    let summary = demo::create(path, &options, rules)?;
    eprintln!(
        "refract: demo created in {:.1} s",
        summary.elapsed.as_secs_f64()
    );
    Ok(options)
}
