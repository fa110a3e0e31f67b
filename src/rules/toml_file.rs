//! TOML text into typed models, and errors that name the file and the line: the one place
//! the rule files, the drug book, the stop reasons and the options catalogue are parsed.

use serde::de::DeserializeOwned;

use super::RulesError;

/// Parses `text` (from `origin`) into `T`; unknown keys and wrong types are errors with the
/// line they are on.
pub(super) fn parse_toml<T: DeserializeOwned>(origin: &str, text: &str) -> Result<T, RulesError> {
    toml::from_str(text).map_err(|err| {
        let line = err.span().map_or(1, |span| line_of(text, span.start));
        RulesError::Parse {
            origin: origin.to_owned(),
            line,
            message: err.message().trim().replace('\n', " "),
        }
    })
}

/// A semantic error found after parsing, placed at the first line that mentions `needle` as a
/// quoted TOML string (else anywhere), so that a misspelled value is not placed on an earlier
/// line whose text merely contains it ("two_failed_schedule" inside "two_failed_schedules").
pub(super) fn toml_error(origin: &str, text: &str, message: &str, needle: &str) -> RulesError {
    match text
        .find(&format!("\"{needle}\""))
        .or_else(|| text.find(needle))
    {
        Some(offset) => RulesError::Parse {
            origin: origin.to_owned(),
            line: line_of(text, offset),
            message: message.to_owned(),
        },
        None => RulesError::Invalid {
            origin: origin.to_owned(),
            message: message.to_owned(),
        },
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map_or(1, |before| before.matches('\n').count() + 1)
}
