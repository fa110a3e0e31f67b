//! `refract check`: is the file sound, which schema is it, do its references hold, is the
//! audit log's chain whole and its triggers as refract made them (and the chain's head, for a
//! copy kept elsewhere).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use super::{CliError, result_stdout};
use crate::rules::Rules;
use crate::store::{SCHEMA_VERSION, Store};
use crate::tui::keymap::Keymap;

/// Records kept aside that `check` names one by one (the count goes on).
const KEPT_ASIDE_LISTED: usize = 20;
pub fn run(
    store: &Store,
    rules_dir: Option<&Path>,
    keymap: Option<&Path>,
) -> Result<ExitCode, CliError> {
    let mut out = result_stdout(false);
    let mut failure: Option<String> = None;

    let integrity = store.integrity_check()?;
    if integrity == ["ok"] {
        writeln!(out, "integrity: ok")?;
    } else {
        failure = Some(format!(
            "{} failed the integrity check",
            store.path().display()
        ));
        writeln!(out, "integrity: {} problem(s)", integrity.len())?;
        for line in integrity.iter().take(20) {
            writeln!(out, "  {line}")?;
        }
    }

    let version = store.schema_version()?;
    writeln!(
        out,
        "schema: version {version} (this build writes version {SCHEMA_VERSION})"
    )?;

    let violations = store.foreign_key_check()?;
    if violations.is_empty() {
        writeln!(out, "foreign keys: ok")?;
    } else {
        failure = Some(format!("{} has broken references", store.path().display()));
        writeln!(out, "foreign keys: {} violation(s)", violations.len())?;
        for line in violations.iter().take(20) {
            writeln!(out, "  {line}")?;
        }
    }

    // Every row read as refract reads it: damage SQLite's own check cannot see (a byte
    // flipped inside a name or a date) is named here, before another command fails on it.
    let decoded = store.decode_check(20)?;
    if decoded.problems == 0 {
        writeln!(out, "rows: {} read, every value readable", decoded.rows)?;
    } else {
        writeln!(
            out,
            "rows: {} read, {} value(s) refract cannot read:",
            decoded.rows, decoded.problems
        )?;
        for problem in &decoded.first {
            writeln!(out, "  {problem}")?;
        }
        if let Some(first) = decoded.first.first() {
            failure = Some(format!(
                "{} holds values refract cannot read, first in {first}",
                store.path().display()
            ));
        }
    }

    let audit = store.verify_audit()?;
    match &audit.head {
        Some(head) => writeln!(
            out,
            "audit log: {} rows, head {head} (keep a copy elsewhere: a rewritten log has \
             another head)",
            head.rows
        )?,
        None => writeln!(out, "audit log: empty")?,
    }
    if let Some((row, why)) = &audit.broken {
        writeln!(out, "audit chain: broken at row {row}: {why}")?;
        failure = Some(format!(
            "the audit log of {} was altered: the chain breaks at row {row}",
            store.path().display()
        ));
    } else {
        writeln!(out, "audit chain: ok")?;
    }
    for guard in &audit.guards {
        writeln!(out, "audit guard: {guard}")?;
    }
    if !audit.guards.is_empty() && audit.broken.is_none() {
        failure = Some(format!(
            "the audit log of {} is not protected as refract made it: {}",
            store.path().display(),
            audit.guards[0]
        ));
    }

    let patients = store.patient_count()?;
    writeln!(out, "patients: {patients}")?;
    for run in store.unfinished_runs()? {
        // A pulled file's export job is gone with its URL: the next pull brings it again.
        let pulled =
            run.pulled || run.path.starts_with("http://") || run.path.starts_with("https://");
        let again = if pulled {
            format!(
                "pull again (`refract pull --server {} --since auto`) to finish it",
                crate::text::one_line(&run.source)
            )
        } else {
            String::from("import the file again to finish it")
        };
        writeln!(
            out,
            "import: unfinished: {} (started {}, {} resource(s) committed{}); {again}",
            crate::text::one_line(&run.path),
            run.started,
            run.summary["resources"].as_u64().unwrap_or(0),
            run.process
                .as_deref()
                .map(|p| format!(", by {p}"))
                .unwrap_or_default()
        )?;
    }
    for folder in crate::pull::left_folders() {
        if folder.maybe_running {
            writeln!(
                out,
                "pull: {} holds patient data a pull downloaded (it may still be running, or be \
                 an older refract's): remove it once no pull runs",
                folder.path.display()
            )?;
        } else {
            writeln!(
                out,
                "pull: {} holds patient data a stopped pull downloaded: the next pull removes it",
                folder.path.display()
            )?;
        }
    }
    match store.last_pull()? {
        Some(pull) => writeln!(out, "last pull: {}", describe_pull(&pull))?,
        None => writeln!(out, "last pull: none")?,
    }
    let (dirty, new) = store.pending_rebuilds()?;
    if dirty + new > 0 {
        writeln!(
            out,
            "import: {dirty} patient(s) to rebuild and {new} to create from imported resources \
             (the next import, `refract flags` or the dashboard does it)"
        )?;
    }
    if let Some(notice) = crate::import::held_back_notice(store)? {
        writeln!(out, "import: {notice}")?;
    }
    let waiting = store.waiting_resources()?;
    if waiting.staged > 0 {
        writeln!(
            out,
            "import: {} resource(s) wait for patients an import brought and has not created \
             yet (see above)",
            waiting.staged
        )?;
    }
    if waiting.unknown > 0 {
        let per_source: Vec<String> = waiting
            .unknown_by_source
            .iter()
            .map(|(source, count)| {
                if source.is_empty() {
                    format!("the unnamed source: {count}")
                } else {
                    format!("{}: {count}", crate::text::one_line(source))
                }
            })
            .collect();
        writeln!(
            out,
            "import: {} resource(s) wait for a patient no import has brought yet ({})",
            waiting.unknown,
            per_source.join(", ")
        )?;
    }
    // Named one by one: held from the Patient that came under their id, or still waiting.
    let (kept, first) = store.kept_aside(KEPT_ASIDE_LISTED)?;
    for resource in &first {
        let source = if resource.source.is_empty() {
            String::from("the unnamed source")
        } else {
            resource.source.clone()
        };
        let from = if resource.file.is_empty() {
            String::new()
        } else {
            format!(", from {}", resource.file)
        };
        match &resource.held {
            Some(why) => writeln!(
                out,
                "import: {}/{} of {source}{from} is kept aside: Patient/{} came, but {why}",
                resource.resource_type, resource.id, resource.subject
            )?,
            None => writeln!(
                out,
                "import: {}/{} of {source}{from} waits for Patient/{}",
                resource.resource_type, resource.id, resource.subject
            )?,
        }
    }
    if kept > first.len() {
        writeln!(out, "import: … and {} more kept aside", kept - first.len())?;
    }
    if kept > 0 {
        writeln!(
            out,
            "import: a resource kept aside because its file was imported without its --source \
             leaves once the file is imported again with --source NAME (the same resources \
             under their own source)"
        )?;
    }
    // A refusal protects a stored patient from another person's records: no damage, but the
    // records under the id stay out until someone lifts it, so the team should know.
    for (source, ids) in store.refusals_by_source()? {
        writeln!(out, "import: {}", refusal_line(&source, &ids))?;
    }

    match Rules::load(rules_dir) {
        Ok(rules) => {
            // Rows read by an older refract say what it read: a file is read as this version
            // reads it when imported again (the content hash no longer skips it).
            let older = store.files_read_by_another_mapping(crate::import::mapping_of(&rules))?;
            if !older.is_empty() {
                writeln!(
                    out,
                    "import: {} file(s) were read by an older version of refract (or other \
                     rules): import them again to read them as this one does: {}",
                    older.len(),
                    older
                        .iter()
                        .take(5)
                        .map(|path| crate::text::one_line(path))
                        .collect::<Vec<_>>()
                        .join(", ")
                        + if older.len() > 5 { ", …" } else { "" }
                )?;
            }
            let origin = rules_dir.map_or_else(
                || String::from("built in"),
                |dir| format!("with {}", dir.display()),
            );
            writeln!(
                out,
                "rules: {} rule sets ({}), {} drugs ({}) — {origin}",
                rules.sets.len(),
                rules
                    .sets
                    .iter()
                    .map(|s| format!("{} v{}", s.id, s.version))
                    .collect::<Vec<_>>()
                    .join(", "),
                rules.book.drugs().len(),
                rules.book.atc_version
            )?;
            writeln!(
                out,
                "options: {} catalogued options for {} rule sets",
                rules
                    .options
                    .iter()
                    .map(|catalogue| catalogue.options.len())
                    .sum::<usize>(),
                rules.options.len()
            )?;
        }
        Err(err) => {
            writeln!(out, "rules: {err}")?;
            failure = Some(err.to_string());
        }
    }
    match Keymap::load(keymap) {
        Ok(loaded) => {
            let origin = Keymap::file(keymap).map_or_else(
                || String::from("built in"),
                |path| format!("with {}", path.display()),
            );
            writeln!(out, "keymap: {} bindings — {origin}", loaded.bindings.len())?;
        }
        Err(err) => {
            writeln!(out, "keymap: {err}")?;
            failure.get_or_insert_with(|| err.to_string());
        }
    }
    out.flush()?;
    match failure {
        None => Ok(ExitCode::SUCCESS),
        Some(failure) => {
            eprintln!("refract: {failure}");
            Ok(ExitCode::from(1))
        }
    }
}

/// Refused Patient ids that `check` names one by one (the count goes on).
const REFUSALS_LISTED: usize = 5;

/// One source's Patient ids refused as another person, with the command that lifts them.
fn refusal_line(source: &str, ids: &[String]) -> String {
    let (named, option) = if source.is_empty() {
        (String::from("the unnamed source"), String::new())
    } else {
        let source = crate::text::one_line(source);
        (format!("source {source}"), format!(" --source {source}"))
    };
    let listed: Vec<String> = ids
        .iter()
        .take(REFUSALS_LISTED)
        .map(|id| crate::text::one_line(id))
        .collect();
    let more = if ids.len() > REFUSALS_LISTED {
        format!(", … {} more", ids.len() - REFUSALS_LISTED)
    } else {
        String::new()
    };
    let lifts: String = listed
        .iter()
        .flat_map(|id| [" --lift-refusal ", id.as_str()])
        .collect();
    format!(
        "{named}: {} Patient id(s) refused as another person than the stored patient under \
         the id ({}{more}); what the source files under them is left out; if they are one \
         person: refract import{option}{lifts} FILES",
        ids.len(),
        listed.join(", ")
    )
}

/// A recorded pull in one line: server, when, what it brought (also the dashboard's header).
pub fn describe_pull(pull: &crate::store::PullRecord) -> String {
    let count = |key: &str| pull.counts[key].as_u64().unwrap_or(0);
    crate::text::one_line(&format!(
        "{} at {} UTC ({}transaction time {}): {} resource(s) in {} file(s), {} added, {} \
         updated, {} removed, {} server error(s){}",
        pull.server,
        pull.finished_at,
        pull.since
            .as_deref()
            .map(|since| format!("since {since}, "))
            .unwrap_or_default(),
        pull.transaction_time,
        count("resources"),
        count("files"),
        count("added"),
        count("updated"),
        count("removed"),
        count("errors"),
        if pull.complete { "" } else { " (incomplete)" },
    ))
}
