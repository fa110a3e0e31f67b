//! The nicknames of given names (`assets/nicknames.toml`), so that a masked screen cuts "Bob"
//! for a patient named Robert: a short English table, read once at first use, with the
//! nicknames that are also words marked so that "Cath lab" and "TED stockings" stay.

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
    /// How sure a capitalised "Will" or "Cath" is a name (`assets/nicknames.toml` says why).
    pub kind: NicknameKind,
}

/// Where a nickname is taken for the patient, by what else the word is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NicknameKind {
    /// A name only ("Bobby", "Peggy"): cut in any case, but in capitals only five letters or
    /// more or where a name stands (four or fewer in capitals are abbreviations).
    Name,
    /// Also an English or clinical word ("will", "sam"): cut capitalised where a name stands or
    /// not at a sentence's start; never in lower case.
    Word,
    /// A clinical term capitalised mid-sentence too ("Cath lab"): cut capitalised unless one of
    /// the table's clinical companion words stands just before or after it ("Cath lab",
    /// "cardiac Cath"), or where a name stands (next to the family name, after a title).
    ClinicalWord,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NicknameFile {
    #[serde(default)]
    words: Vec<String>,
    #[serde(default)]
    clinical_words: Vec<String>,
    #[serde(default)]
    clinical_companions: Vec<String>,
    #[serde(default)]
    word_names: Vec<String>,
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
    clinical_companions: Vec<String>,
    word_names: Vec<String>,
}

impl Nicknames {
    /// The table in `text` (the format of `assets/nicknames.toml`). Nicknames of one or two
    /// letters are left out: the masking leaves name words that short ("Ed" is also "ED").
    pub fn parse(text: &str) -> Result<Self, NicknameError> {
        let file: NicknameFile = toml::from_str(text)?;
        let folded =
            |list: &[String]| -> Vec<String> { list.iter().map(|w| w.to_lowercase()).collect() };
        let (words, clinical_words) = (folded(&file.words), folded(&file.clinical_words));
        let by_full_name = file
            .nicknames
            .into_iter()
            .map(|(full, nicknames)| {
                let nicknames = nicknames
                    .iter()
                    .map(|n| n.to_lowercase())
                    .filter(|n| n.chars().count() >= 3)
                    .map(|folded| Nickname {
                        kind: if clinical_words.contains(&folded) {
                            NicknameKind::ClinicalWord
                        } else if words.contains(&folded) {
                            NicknameKind::Word
                        } else {
                            NicknameKind::Name
                        },
                        folded,
                    })
                    .collect();
                (full.to_lowercase(), nicknames)
            })
            .collect();
        Ok(Self {
            by_full_name,
            clinical_companions: folded(&file.clinical_companions),
            word_names: folded(&file.word_names),
        })
    }

    /// Whether a word (lower-cased) next to a clinical-word nickname makes it the clinical term
    /// ("lab" of "Cath lab", "cardiac" of "cardiac Cath").
    pub fn is_clinical_companion(&self, word: &str) -> bool {
        self.clinical_companions.iter().any(|w| w == word)
    }

    /// Whether a name word (lower-cased) is also a common English word ("down", "rose"): such
    /// a name is cut only where it is capitalised.
    pub fn is_word_name(&self, word: &str) -> bool {
        self.word_names.iter().any(|w| w == word)
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
                .any(|n| n.folded == "will" && n.kind == NicknameKind::Word)
        );
        assert!(
            table
                .of("Catherine")
                .iter()
                .any(|n| n.folded == "cath" && n.kind == NicknameKind::ClinicalWord)
        );
        assert!(
            table
                .of("Robert")
                .iter()
                .any(|n| n.folded == "bobby" && n.kind == NicknameKind::Name)
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
