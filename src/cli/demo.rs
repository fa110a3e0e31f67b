//! `refract demo`: create (if absent) and open the demo database.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::NaiveDate;

use super::{CliError, open_dashboard};
use crate::demo::{self, DemoOptions};
use crate::rules::Rules;
use crate::store::{self, OpenMode, Store};
use crate::tui::keymap::Keymap;

pub fn run(
    db: Option<PathBuf>,
    rules_dir: Option<&Path>,
    user: &str,
    patients: u64,
    seed: u64,
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
    let options = DemoOptions {
        patients,
        seed,
        today: today.unwrap_or_else(|| chrono::Local::now().date_naive()),
    };
    let rules = Rules::load(rules_dir)?;
    if demo::matches(&path, &options)? {
        eprintln!("refract: using the demo database at {}", path.display());
    } else {
        eprintln!(
            "refract: creating a demo database of {patients} patients at {} …",
            path.display()
        );
        let summary = demo::create(&path, &options, &rules)?;
        eprintln!(
            "refract: demo created in {:.1} s",
            summary.elapsed.as_secs_f64()
        );
    }
    let store = Store::open(&path, OpenMode::MustExist, user)?;
    let Some((keymap, waiting_months)) = dashboard else {
        return Ok(ExitCode::SUCCESS);
    };
    // The demo's own date, so that its stories read as they were written.
    open_dashboard(store, rules, &keymap, waiting_months, options.today)
}
