//! The vocabulary of stop reasons (`assets/stop_reasons.toml`): which SNOMED CT codes and which
//! words mean which of refract's stop reasons. A team extends it with a `stop_reasons.toml` in
//! its `--rules` folder, whose entries are read before the built-in ones.

use serde::Deserialize;

use super::RulesError;
use super::toml_file::parse_toml;
use super::words::contains_words;
use crate::domain::StopReason;

/// The built-in vocabulary.
pub const DEFAULT_STOP_REASONS: &str = include_str!("../../assets/stop_reasons.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    reason: Vec<Entry>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    category: String,
    #[allow(dead_code)] // read for the file's readers: the words a row stands for
    label: String,
    #[serde(default)]
    snomed: Vec<String>,
    #[serde(default)]
    phrases: Vec<String>,
}

/// One vocabulary entry, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Meaning {
    reason: StopReason,
    snomed: Vec<String>,
    phrases: Vec<String>,
}

/// How a stop reason was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReading {
    Known(StopReason),
    /// Words the vocabulary does not know: kept as written.
    Unknown(String),
}

/// The vocabulary, in the order its entries are tried.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StopReasons {
    meanings: Vec<Meaning>,
}

impl StopReasons {
    /// Reads `files` (origin, text), the first file's entries tried first.
    pub fn load(files: &[(String, String)]) -> Result<Self, RulesError> {
        let mut meanings = Vec::new();
        for (origin, text) in files {
            let file: File = parse_toml(origin, text)?;
            for entry in file.reason {
                let reason =
                    StopReason::parse(&entry.category).map_err(|_| RulesError::Invalid {
                        origin: origin.clone(),
                        message: format!(
                            "stop reason category '{}' is not one of {}",
                            entry.category,
                            StopReason::ALL
                                .iter()
                                .map(|r| r.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    })?;
                if entry.phrases.iter().any(|p| p.trim().is_empty()) {
                    return Err(RulesError::Invalid {
                        origin: origin.clone(),
                        message: format!("an empty phrase under '{}'", entry.category),
                    });
                }
                meanings.push(Meaning {
                    reason,
                    snomed: entry.snomed,
                    phrases: entry.phrases,
                });
            }
        }
        Ok(StopReasons { meanings })
    }

    /// The reason a code names (SNOMED CT, or one of refract's machine names).
    pub fn of_code(&self, code: &str) -> Option<StopReason> {
        self.meanings
            .iter()
            .find(|meaning| meaning.snomed.iter().any(|known| known == code))
            .map(|meaning| meaning.reason)
            .or_else(|| StopReason::parse(code).ok())
    }

    /// The reason words name: the first entry with a phrase found in them, on word boundaries
    /// and not just after a negation ("no side effects" is not intolerance).
    pub fn of_words(&self, words: &str) -> Option<StopReason> {
        let words = normalise(words);
        self.meanings
            .iter()
            .find(|meaning| {
                meaning
                    .phrases
                    .iter()
                    .any(|phrase| affirmed(&words, &normalise(phrase)))
            })
            .map(|meaning| meaning.reason)
    }

    /// Reads a coded reason: its codes first, then its words; words nothing matches are kept.
    pub fn read<'a>(
        &self,
        codes: impl IntoIterator<Item = &'a str>,
        words: impl IntoIterator<Item = &'a str>,
    ) -> Option<StopReading> {
        if let Some(reason) = codes.into_iter().find_map(|code| self.of_code(code.trim())) {
            return Some(StopReading::Known(reason));
        }
        let words: Vec<&str> = words
            .into_iter()
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .collect();
        if let Some(reason) = words.iter().find_map(|w| self.of_words(w)) {
            return Some(StopReading::Known(reason));
        }
        words.first().map(|w| StopReading::Unknown((*w).to_owned()))
    }
}

/// Lower case, hyphens and underscores as spaces, one space between words.
fn normalise(text: &str) -> String {
    text.to_lowercase()
        .replace(['-', '_', '/'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `phrase` is in `words` at least once not right after "no", "not" or "without".
fn affirmed(words: &str, phrase: &str) -> bool {
    let phrase = phrase.replace(['-', '_', '/'], " ");
    if !contains_words(words, &phrase) {
        return false;
    }
    let mut from = 0;
    while let Some(offset) = words[from..].find(phrase.as_str()) {
        let start = from + offset;
        let end = start + phrase.len();
        from = start + 1;
        let whole = words[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric())
            && words[end..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric());
        if !whole {
            continue;
        }
        let before = words[..start].split_whitespace().next_back();
        if !matches!(before, Some("no" | "not" | "without" | "nil" | "denies")) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabulary() -> StopReasons {
        StopReasons::load(&[(
            String::from("assets/stop_reasons.toml"),
            DEFAULT_STOP_REASONS.to_owned(),
        )])
        .unwrap()
    }

    #[test]
    fn the_words_real_exports_use_are_read() {
        let v = vocabulary();
        for (words, reason) in [
            ("Inadequate response", StopReason::LackOfEfficacy),
            ("Secondary loss of response", StopReason::LackOfEfficacy),
            ("Primary non-response", StopReason::LackOfEfficacy),
            ("Loss of efficacy", StopReason::LackOfEfficacy),
            ("Not effective", StopReason::LackOfEfficacy),
            ("Treatment failure", StopReason::LackOfEfficacy),
            ("stopped - side effects (nausea)", StopReason::Intolerance),
            ("Non-adherence", StopReason::Noncompliance),
            ("failed to attend clinic", StopReason::Noncompliance),
            ("Disease progression", StopReason::Progression),
            ("Patient decision", StopReason::PatientChoice),
        ] {
            assert_eq!(v.of_words(words), Some(reason), "{words}");
        }
        assert_eq!(
            v.of_words("no side effects, ineffective"),
            Some(StopReason::LackOfEfficacy)
        );
        assert_eq!(v.of_words("switched to a generic"), None);
    }

    #[test]
    fn codes_come_before_words_and_unknown_words_are_kept() {
        let v = vocabulary();
        assert_eq!(
            v.read(["266721009"], ["Not tolerated"]),
            Some(StopReading::Known(StopReason::LackOfEfficacy))
        );
        assert_eq!(
            v.read(["12345"], ["switched to a generic"]),
            Some(StopReading::Unknown(String::from("switched to a generic")))
        );
        assert_eq!(
            v.read(["lack_of_efficacy"], []),
            Some(StopReading::Known(StopReason::LackOfEfficacy))
        );
        assert_eq!(v.read([], []), None);
    }

    #[test]
    fn a_teams_own_words_come_first() {
        let own =
            "[[reason]]\ncategory = \"intolerance\"\nlabel = \"x\"\nphrases = [\"ineffective\"]\n";
        let v = StopReasons::load(&[
            (String::from("team/stop_reasons.toml"), own.to_owned()),
            (
                String::from("assets/stop_reasons.toml"),
                DEFAULT_STOP_REASONS.to_owned(),
            ),
        ])
        .unwrap();
        assert_eq!(v.of_words("ineffective"), Some(StopReason::Intolerance));
        let bad = "[[reason]]\ncategory = \"bored\"\nlabel = \"x\"\n";
        let err = StopReasons::load(&[(String::from("team/stop_reasons.toml"), bad.to_owned())])
            .unwrap_err();
        assert!(err.to_string().contains("bored"), "{err}");
    }
}
