//! `refract minutes MEETING [--format md|html] [--out FILE] [--identified]` and
//! `refract meetings [--json]`: the minutes of an MDT meeting from its record, and the list of
//! meetings.
//!
//! The minutes themselves are made in [`crate::minutes`], which the meeting screen uses too.
//! Patients are shown masked unless `--identified` is given: minutes get mailed and printed,
//! and the default must be the safe one.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use super::output::fit;
use super::{CliError, finish, result_stdout};
use crate::minutes;
use crate::out_file;
use crate::rules::Rules;
use crate::store::Store;

/// Which meeting the command line names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingRef {
    /// The most recent meeting that has started, else the next one.
    Latest,
    Id(i64),
}

impl MeetingRef {
    pub fn parse(text: &str) -> Result<Self, CliError> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("latest") {
            return Ok(MeetingRef::Latest);
        }
        text.parse::<i64>().map(MeetingRef::Id).map_err(|_| {
            CliError::Message(format!(
                "'{text}' is not a meeting: give its number (refract meetings lists them) or 'latest'"
            ))
        })
    }
}

/// `refract minutes`.
pub fn run(
    store: &Store,
    rules: &Rules,
    meeting: &str,
    format: &str,
    out: Option<&Path>,
    force: bool,
    identified: bool,
) -> Result<ExitCode, CliError> {
    let id = match MeetingRef::parse(meeting)? {
        MeetingRef::Id(id) => id,
        // Meetings are entered in local wall-clock time.
        MeetingRef::Latest => store
            .latest_meeting_id(chrono::Local::now().naive_local())?
            .ok_or_else(|| CliError::Message(String::from("there are no meetings yet")))?,
    };
    let text = minutes::render(store, rules, id, format == "html", identified)?;
    if let Some(path) = out {
        out_file::write_private(path, force, |file| -> Result<(), CliError> {
            Ok(file.write_all(text.as_bytes())?)
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = result_stdout(false);
    out.write_all(text.as_bytes())?;
    finish(out)
}

/// `refract meetings`.
pub fn list(store: &Store, json: bool) -> Result<ExitCode, CliError> {
    let meetings = store.meetings()?;
    let mut out = result_stdout(json);
    if json {
        serde_json::to_writer(&mut out, &meetings).map_err(std::io::Error::from)?;
        writeln!(out)?;
        return finish(out);
    }
    writeln!(
        out,
        "{} {} {} {} title",
        fit("id", 5),
        fit("starts", 16),
        fit("cases", 5),
        fit("discussed", 9)
    )?;
    for meeting in &meetings {
        let team = meeting
            .team
            .as_ref()
            .map(|team| format!(" · {}", crate::text::sanitise_line(team)))
            .unwrap_or_default();
        writeln!(
            out,
            "{} {} {} {} {}{team}",
            fit(&meeting.id.to_string(), 5),
            fit(&minutes::when(meeting.starts_at), 16),
            fit(&meeting.cases.to_string(), 5),
            fit(&meeting.discussed.to_string(), 9),
            crate::text::sanitise_line(&meeting.title)
        )?;
    }
    finish(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meeting_refs() {
        assert_eq!(MeetingRef::parse("latest").ok(), Some(MeetingRef::Latest));
        assert_eq!(MeetingRef::parse(" 12 ").ok(), Some(MeetingRef::Id(12)));
        assert!(MeetingRef::parse("twelve").is_err());
    }
}
