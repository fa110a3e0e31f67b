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
    #[serde(default)]
    code: Vec<CodeEntry>,
    #[serde(default)]
    negation: Option<Negation>,
}

/// A code of another code system than SNOMED CT (R4's MedicationRequest status reasons), read
/// by its system and code, with the words it stands for when a record sends the code alone.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeEntry {
    system: String,
    code: String,
    display: String,
    category: String,
}

/// The words that deny a phrase: just before it ("no side effects"), or just after it
/// ("Side effects: none").
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Negation {
    #[serde(default)]
    before: Vec<String>,
    #[serde(default)]
    after: Vec<String>,
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

/// A code of another system, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SystemCode {
    system: String,
    code: String,
    display: String,
    reason: StopReason,
}

/// The vocabulary, in the order its entries are tried.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StopReasons {
    meanings: Vec<Meaning>,
    codes: Vec<SystemCode>,
    /// Normalised words that deny the phrase right after them.
    negated_before: Vec<String>,
    /// Normalised words that deny the phrase right before them.
    negated_after: Vec<String>,
}

/// One coding of a stop reason as a record sends it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Coded<'a> {
    pub system: Option<&'a str>,
    pub code: Option<&'a str>,
    pub display: Option<&'a str>,
}

/// A stop reason read, with the record's own words for it when it has any beside the codes'
/// names ("Failed to pick up from pharmacy" read as not taken as prescribed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    pub reading: StopReading,
    /// For a reason understood: the words the record gave for it, else the name of the code
    /// that was sent alone; none when they are only the codes' own names.
    pub words: Option<String>,
}

impl StopReasons {
    /// Reads `files` (origin, text), the first file's entries tried first.
    pub fn load(files: &[(String, String)]) -> Result<Self, RulesError> {
        let mut meanings = Vec::new();
        let mut codes = Vec::new();
        let mut negated_before = Vec::new();
        let mut negated_after = Vec::new();
        for (origin, text) in files {
            let file: File = parse_toml(origin, text)?;
            let category = |name: &str| {
                StopReason::parse(name).map_err(|_| RulesError::Invalid {
                    origin: origin.clone(),
                    message: format!(
                        "stop reason category '{name}' is not one of {}",
                        StopReason::ALL
                            .iter()
                            .map(|r| r.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                })
            };
            for entry in file.code {
                codes.push(SystemCode {
                    reason: category(&entry.category)?,
                    system: entry.system,
                    code: entry.code,
                    display: entry.display,
                });
            }
            if let Some(negation) = file.negation {
                for (words, into) in [
                    (negation.before, &mut negated_before),
                    (negation.after, &mut negated_after),
                ] {
                    for word in words {
                        let word = normalise(&word);
                        if word.is_empty() {
                            return Err(RulesError::Invalid {
                                origin: origin.clone(),
                                message: String::from("an empty negation word"),
                            });
                        }
                        if !into.contains(&word) {
                            into.push(word);
                        }
                    }
                }
            }
            for entry in file.reason {
                let reason = category(&entry.category)?;
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
        Ok(StopReasons {
            meanings,
            codes,
            negated_before,
            negated_after,
        })
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
    /// and not denied ("no side effects", "Side effects: none" are not intolerance).
    pub fn of_words(&self, words: &str) -> Option<StopReason> {
        let words = normalise(words);
        self.meanings
            .iter()
            .find(|meaning| {
                meaning
                    .phrases
                    .iter()
                    .any(|phrase| self.affirmed(&words, &normalise(phrase)))
            })
            .map(|meaning| meaning.reason)
    }

    /// The reason a coding of another system names (R4's MedicationRequest status reasons),
    /// with the words the code stands for. A coding with no system is matched by its code.
    fn of_system_code(&self, coded: &Coded<'_>) -> Option<&SystemCode> {
        let code = coded.code?.trim();
        self.codes.iter().find(|known| {
            known.code == code
                && coded
                    .system
                    .is_none_or(|system| system.trim() == known.system)
        })
    }

    /// Reads a coded reason: its codes first, then its words; words nothing matches are kept.
    pub fn read<'a>(
        &self,
        codes: impl IntoIterator<Item = &'a str>,
        words: impl IntoIterator<Item = &'a str>,
    ) -> Option<StopReading> {
        let codes: Vec<Coded<'a>> = codes
            .into_iter()
            .map(|code| Coded {
                code: Some(code),
                ..Coded::default()
            })
            .collect();
        let words: Vec<&str> = words.into_iter().collect();
        self.read_concept(&codes, words.first().copied())
            .map(|read| read.reading)
    }

    /// Reads a stop reason as a record sends it (FHIR `CodeableConcept`): a code it knows
    /// first (SNOMED CT, refract's own, another system's listed under `[[code]]`), then the
    /// words of its text and of each display. Words nothing matches are kept as written, and a
    /// code nothing knows sent with no words is kept as the code: never dropped.
    pub fn read_concept(&self, codings: &[Coded<'_>], text: Option<&str>) -> Option<Read> {
        let text = text.map(str::trim).filter(|t| !t.is_empty());
        let displays: Vec<&str> = codings
            .iter()
            .filter_map(|c| c.display.map(str::trim))
            .filter(|d| !d.is_empty())
            .collect();
        let own = |reason: StopReason, words: &str| {
            let same = |other: &str| other.eq_ignore_ascii_case(words);
            (!same(reason.words()) && !displays.iter().any(|d| same(d))).then(|| words.to_owned())
        };
        for coded in codings {
            if let Some(known) = self.of_system_code(coded) {
                let words = text
                    .and_then(|t| own(known.reason, t))
                    .or_else(|| coded.display.is_none().then(|| known.display.clone()));
                return Some(Read {
                    reading: StopReading::Known(known.reason),
                    words,
                });
            }
            if let Some(reason) = coded.code.and_then(|code| self.of_code(code.trim())) {
                return Some(Read {
                    reading: StopReading::Known(reason),
                    words: text.and_then(|t| own(reason, t)),
                });
            }
        }
        let words: Vec<&str> = text.into_iter().chain(displays.iter().copied()).collect();
        for words_read in &words {
            if let Some(reason) = self.of_words(words_read) {
                let same = reason.words().eq_ignore_ascii_case(words_read);
                return Some(Read {
                    reading: StopReading::Known(reason),
                    words: (!same).then(|| (*words_read).to_owned()),
                });
            }
        }
        if let Some(first) = words.first() {
            return Some(Read {
                reading: StopReading::Unknown((*first).to_owned()),
                words: None,
            });
        }
        // A code nobody here knows, sent alone: kept as the code, counted as not understood.
        codings.iter().find_map(|coded| {
            let code = coded.code.map(str::trim).filter(|c| !c.is_empty())?;
            let written = match coded.system.map(str::trim).filter(|s| !s.is_empty()) {
                Some(system) => format!("code {code} ({system})"),
                None => format!("code {code}"),
            };
            Some(Read {
                reading: StopReading::Unknown(written),
                words: None,
            })
        })
    }

    /// Whether `phrase` is in `words` at least once neither right after a word that denies it
    /// ("no", "without") nor right before one ("Side effects: none", "AEs: no").
    fn affirmed(&self, words: &str, phrase: &str) -> bool {
        if !contains_words(words, phrase) {
            return false;
        }
        let mut from = 0;
        while let Some(offset) = words[from..].find(phrase) {
            let start = from + offset;
            let end = start + phrase.len();
            from = start + words[start..].chars().next().map_or(1, char::len_utf8);
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
            // A denial ends at its clause: "nil, inadequate response" is a response denied of
            // nothing.
            let before = words[..start]
                .split_whitespace()
                .next_back()
                .filter(|w| w.ends_with(|c: char| c.is_alphanumeric() || c == '\''))
                .map(|w| w.trim_start_matches(|c: char| !c.is_alphanumeric()));
            if before.is_some_and(|w| self.negated_before.iter().any(|n| n == w)) {
                continue;
            }
            if self.denied_after(&words[end..]) {
                continue;
            }
            return true;
        }
        false
    }

    /// Whether the text right after a phrase denies it: a denial word ("none", "nil") after
    /// nothing but punctuation, ending its clause ("Side effects: none. Lack of efficacy";
    /// "side effects no longer tolerable" is no denial).
    fn denied_after(&self, rest: &str) -> bool {
        let rest = rest.trim_start_matches(|c: char| !c.is_alphanumeric() && c != '.' && c != ';');
        let word_end = rest
            .find(|c: char| !c.is_alphanumeric())
            .unwrap_or(rest.len());
        let (word, after) = rest.split_at(word_end);
        if word.is_empty() || !self.negated_after.iter().any(|n| n == word) {
            return false;
        }
        let after = after.trim_start_matches(' ');
        after.is_empty() || after.starts_with(['.', ',', ';', ')'])
    }
}

/// Lower case, hyphens, underscores and slashes as spaces, one space between words, and a
/// plural's "s" taken off ("breakthrough seizure" and "breakthrough seizures" are one phrase):
/// a word of four letters or more ending in "s" but not in "ss", "us" or "is" ("progress",
/// "status" and "diagnosis" stay). Text and phrases are read the same way.
fn normalise(text: &str) -> String {
    text.to_lowercase()
        .replace(['-', '_', '/'], " ")
        .replace(['\u{2019}', '\u{2018}'], "'")
        .split_whitespace()
        .map(singular)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A token's word in the singular, with the punctuation around it kept.
fn singular(token: &str) -> String {
    let core_start = token.find(char::is_alphanumeric).unwrap_or(0);
    let core_end = token.rfind(char::is_alphanumeric).map_or(0, |i| {
        i + token[i..].chars().next().map_or(1, char::len_utf8)
    });
    if core_end <= core_start {
        return token.to_owned();
    }
    let (head, core, tail) = (
        &token[..core_start],
        &token[core_start..core_end],
        &token[core_end..],
    );
    let letters = core.chars().filter(|c| c.is_alphabetic()).count();
    let plural = letters >= 4
        && core.ends_with('s')
        && !(core.ends_with("ss") || core.ends_with("us") || core.ends_with("is"))
        && !core.contains(|c: char| !c.is_alphanumeric() && c != '\'');
    if plural {
        format!("{head}{}{tail}", &core[..core.len() - 1])
    } else {
        token.to_owned()
    }
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
    fn failed_is_read_with_what_failed() {
        let v = vocabulary();
        for (words, reason) in [
            (
                "Failed to pick up from pharmacy",
                Some(StopReason::Noncompliance),
            ),
            (
                "Did not pick up the prescription",
                Some(StopReason::Noncompliance),
            ),
            (
                "Insurance prior authorization failed",
                Some(StopReason::Access),
            ),
            ("Prior authorisation denied", Some(StopReason::Access)),
            ("Cannot afford", Some(StopReason::Access)),
            ("Failed drug screen", None),
            ("failed", None),
            ("Patient failed therapy", Some(StopReason::LackOfEfficacy)),
            (
                "Failed to control seizures",
                Some(StopReason::LackOfEfficacy),
            ),
            ("Treatment failed", Some(StopReason::LackOfEfficacy)),
        ] {
            assert_eq!(v.of_words(words), reason, "{words}");
        }
    }

    #[test]
    fn a_denial_after_the_phrase_denies_it_and_the_efficacy_failure_is_read() {
        let v = vocabulary();
        for words in [
            "Side effects: none. Lack of efficacy",
            "adverse effects - nil, inadequate response",
            "AEs: no. Uncontrolled seizures",
            "Side effects: nil; did not work",
            "No side-effects, seizures continued",
            "Adverse reaction: absent. Ineffective",
        ] {
            assert_eq!(
                v.of_words(words),
                Some(StopReason::LackOfEfficacy),
                "{words}"
            );
        }
        for words in [
            "Side effects no longer tolerable",
            "side effects, no response",
            "Rash; seizures not controlled",
        ] {
            assert_eq!(v.of_words(words), Some(StopReason::Intolerance), "{words}");
        }
        for words in ["Side effects: none", "no side effects", "AEs: nil"] {
            assert_eq!(v.of_words(words), None, "{words}");
        }
    }

    #[test]
    fn the_everyday_words_for_an_ineffective_drug_are_read() {
        let v = vocabulary();
        for words in [
            "No longer effective",
            "Seizures not controlled",
            "Breakthrough seizure",
            "Breakthrough seizures",
            "Poor seizure control",
            "Increased seizure frequency",
            "Worsening seizures",
            "Did not work",
            "Didn\u{2019}t work",
            "ineffective",
            "Inadequate response",
            "Loss of efficacy",
            "Uncontrolled seizures",
            "Non-responder",
        ] {
            assert_eq!(
                v.of_words(words),
                Some(StopReason::LackOfEfficacy),
                "{words}"
            );
        }
        for words in [
            "Effective",
            "Seizures controlled",
            "Seizure free",
            "No breakthrough seizures",
            "no seizure increase",
        ] {
            assert_ne!(
                v.of_words(words),
                Some(StopReason::LackOfEfficacy),
                "{words}"
            );
        }
        for words in ["Drowsiness", "Dizziness", "Mood changes", "Weight gain"] {
            assert_eq!(v.of_words(words), Some(StopReason::Intolerance), "{words}");
        }
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
