//! The nicknames of given names (`assets/nicknames.toml`), so that a masked screen cuts "Bob"
//! for a patient named Robert: a short English table, read once at first use.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

/// The table shipped with refract.
pub const DEFAULT_NICKNAMES: &str = include_str!("../../assets/nicknames.toml");

/// A nickname as the masking looks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nickname {
    /// Lower-cased, as [`super::history`] folds names.
    pub folded: String,
    /// Also a common English word ("will"): cut only written as a name, capital first.
    pub is_a_word: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NicknameFile {
    #[serde(default)]
    words: Vec<String>,
    #[serde(default)]
    nicknames: BTreeMap<String, Vec<String>>,
}

/// Why the nickname table could not be read.
#[derive(Debug, thiserror::Error)]
#[error("the nickname table is not valid TOML: {0}")]
pub struct NicknameError(#[from] toml::de::Error);

/// Full given names (lower-cased) to their nicknames.
#[derive(Debug, Default)]
pub struct Nicknames {
    by_full_name: BTreeMap<String, Vec<Nickname>>,
}

impl Nicknames {
    /// The table in `text` (the format of `assets/nicknames.toml`). Nicknames of one or two
    /// letters are left out: the masking leaves name words that short ("Ed" is also "ED").
    pub fn parse(text: &str) -> Result<Self, NicknameError> {
        let file: NicknameFile = toml::from_str(text)?;
        let words: Vec<String> = file.words.iter().map(|w| w.to_lowercase()).collect();
        let by_full_name = file
            .nicknames
            .into_iter()
            .map(|(full, nicknames)| {
                let nicknames = nicknames
                    .iter()
                    .map(|n| n.to_lowercase())
                    .filter(|n| n.chars().count() >= 3)
                    .map(|folded| Nickname {
                        is_a_word: words.contains(&folded),
                        folded,
                    })
                    .collect();
                (full.to_lowercase(), nicknames)
            })
            .collect();
        Ok(Self { by_full_name })
    }

    /// The nicknames of a given name (one word, any case); none for a name not in the table.
    pub fn of(&self, given_name_word: &str) -> &[Nickname] {
        self.by_full_name
            .get(&given_name_word.to_lowercase())
            .map_or(&[], Vec::as_slice)
    }
}

/// The shipped table, read once. The file is compiled in and a test reads it, so it cannot
/// fail in a build that passed its tests; were it ever unreadable, no nickname is cut rather
/// than every screen failing.
pub static NICKNAMES: LazyLock<Nicknames> =
    LazyLock::new(|| Nicknames::parse(DEFAULT_NICKNAMES).unwrap_or_default());

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_shipped_table_reads_and_marks_words() {
        let table = Nicknames::parse(DEFAULT_NICKNAMES).unwrap();
        let robert: Vec<&str> = table
            .of("ROBERT")
            .iter()
            .map(|n| n.folded.as_str())
            .collect();
        assert!(
            robert.contains(&"bob") && robert.contains(&"rob"),
            "{robert:?}"
        );
        assert!(
            table
                .of("william")
                .iter()
                .any(|n| n.folded == "will" && n.is_a_word)
        );
        assert!(table.of("Zbigniew").is_empty());
        assert!(
            table
                .by_full_name
                .values()
                .flatten()
                .all(|n| n.folded.chars().count() >= 3)
        );
    }
}
