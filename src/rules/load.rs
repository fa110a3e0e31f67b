//! Reading TOML rule and drug files into typed models, with errors that name the file and line.

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

/// A semantic error found after parsing, placed at the first line that mentions `needle`.
pub(super) fn toml_error(origin: &str, text: &str, message: &str, needle: &str) -> RulesError {
    match text.find(needle) {
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
