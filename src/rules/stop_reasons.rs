//! The vocabulary of stop reasons (`assets/stop_reasons.toml`): which SNOMED CT codes and which
//! words mean which of refract's stop reasons. A team extends it with a `stop_reasons.toml` in
//! its `--rules` folder, whose entries are read before the built-in ones. Words are read as
//! phrases with what they are about: denied, part of a longer phrase, about another subject, or
//! stated as the cause; a text that states an efficacy failure and a cause of another kind is
//! not understood (the file's head says why).

use serde::Deserialize;

use super::RulesError;
use super::toml_file::parse_toml;
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
    #[serde(default)]
    clauses: Option<Clauses>,
    #[serde(default)]
    turns: Option<Turns>,
    #[serde(default)]
    subject: Option<Subject>,
    #[serde(default)]
    mixed: Option<Mixed>,
    #[serde(default)]
    dose_change: Option<DoseChange>,
}

/// Words saying a record was closed because the dose changed, not because the drug stopped
/// ("Dose adjustment", "dose increased"): the drug goes on at the new dose.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DoseChange {
    #[serde(default)]
    phrases: Vec<String>,
}

/// The categories that are one kind of cause, an efficacy failure: a text stating one of them
/// and a cause of any other kind is not understood.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Mixed {
    #[serde(default)]
    efficacy: Vec<String>,
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

/// The words that deny a phrase: just before it ("no side effects"), across the words of its
/// noun phrase (`modifiers`: "no significant side effects"), or just after it ("Side effects:
/// none").
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Negation {
    #[serde(default)]
    before: Vec<String>,
    #[serde(default)]
    after: Vec<String>,
    #[serde(default)]
    modifiers: Vec<String>,
}

/// The words that open a reason clause ("because", "due to"), and the longer phrases in which
/// they open none ("as prescribed").
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Clauses {
    #[serde(default)]
    because: Vec<String>,
    #[serde(default)]
    not_because: Vec<String>,
}

/// The words that make a phrase part of a longer one that says something else, right after it
/// ("continued seizure freedom") or right before it ("low risk of seizure recurrence").
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Turns {
    #[serde(default)]
    after: Vec<String>,
    #[serde(default)]
    before: Vec<String>,
}

/// Subjects other than the drug ("oral contraceptive"), and the categories whose phrases are
/// about them when said of one: the subject right before the phrase, maybe with a verb between
/// (`between`: "OCP was ineffective"), or right after it, maybe after a linking word (`links`:
/// "ineffective as contraception").
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Subject {
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    others: Vec<String>,
    #[serde(default)]
    between: Vec<String>,
    #[serde(default)]
    links: Vec<String>,
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
    /// Words later in the sentence that undo a phrase ("Prior authorization denied,
    /// overturned on appeal"), as a pair's `undone` words undo the pair.
    #[serde(default)]
    undone: Vec<String>,
    #[serde(default)]
    together: Vec<Together>,
}

/// Two groups of words that name the reason when one of each stands in one clause, in either
/// order ("Prior authorization not granted", "Restricted by formulary", "declined to pay"):
/// the class of a phrasing by its structure, not each phrasing. The failure word must be said
/// OF the other word, not merely stand in its clause ("Treatment failed despite full insurance
/// coverage" is no refusal by the payer), so a pair may say which words may stand between the
/// two, which order they take, what may follow the word of `these` (its object: "unable to
/// obtain it", not "unable to obtain seizure control") and which later words undo it
/// ("Formulary restriction lifted").
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Together {
    these: Vec<String>,
    with: Vec<String>,
    /// The only words that may stand between the two; absent, any words of the clause may.
    #[serde(default)]
    between: Option<Vec<String>>,
    /// Whether the word of `these` must come first ("Insurance authorization failed", never
    /// "Failed formulary first-line agent").
    #[serde(default)]
    these_first: bool,
    /// What may follow the word of `these` when the pair ends with it, after a determiner
    /// ("the", "her"): one of these words or the clause's end; absent, anything may.
    #[serde(default)]
    then: Option<Vec<String>>,
    /// Words later in the sentence that undo the pair ("restriction lifted", "denial
    /// overturned on appeal"): then the pair states nothing.
    #[serde(default)]
    undone: Vec<String>,
}

/// A [`Together`], its words normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pair {
    these: Vec<String>,
    with: Vec<String>,
    between: Option<Vec<String>>,
    these_first: bool,
    then: Option<Vec<String>>,
    undone: Vec<String>,
}

/// One vocabulary entry, checked; its phrases normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Meaning {
    reason: StopReason,
    snomed: Vec<String>,
    phrases: Vec<String>,
    /// Words later in a phrase's sentence that undo it, normalised.
    undone: Vec<String>,
    /// Pairs of word groups, normalised (see [`Together`]).
    together: Vec<Pair>,
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
    /// Normalised words that deny the phrase after them.
    negated_before: Vec<String>,
    /// Normalised words that deny the phrase right before them.
    negated_after: Vec<String>,
    /// Normalised words a denial before a phrase reaches across.
    modifiers: Vec<String>,
    because: Vec<String>,
    not_because: Vec<String>,
    turned_after: Vec<String>,
    turned_before: Vec<String>,
    /// The categories whose phrases are about another subject when their clause names one.
    subject_categories: Vec<StopReason>,
    other_subjects: Vec<String>,
    /// Words between another subject and the phrase said of it ("was").
    subject_between: Vec<String>,
    /// Words between a phrase and the other subject it is said of ("as").
    subject_links: Vec<String>,
    /// The categories of an efficacy failure: one kind of cause.
    efficacy: Vec<StopReason>,
    /// Normalised phrases saying the dose changed (see [`StopReasons::says_dose_changed`]).
    dose_changes: Vec<String>,
}

/// A denial reaches across at most this many words of a noun phrase.
const MAX_MODIFIERS: usize = 4;

/// A phrase of a meaning found in a text, affirmed and about the drug.
#[derive(Debug, Clone, Copy)]
struct Found {
    start: usize,
    end: usize,
    meaning: usize,
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
        let mut vocabulary = StopReasons::default();
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
                vocabulary.codes.push(SystemCode {
                    reason: category(&entry.category)?,
                    system: entry.system,
                    code: entry.code,
                    display: entry.display,
                });
            }
            let negation = file.negation.unwrap_or_default();
            let clauses = file.clauses.unwrap_or_default();
            let turns = file.turns.unwrap_or_default();
            let subject = file.subject.unwrap_or_default();
            let mixed = file.mixed.unwrap_or_default();
            let dose_change = file.dose_change.unwrap_or_default();
            for (words, into) in [
                (negation.before, &mut vocabulary.negated_before),
                (negation.after, &mut vocabulary.negated_after),
                (negation.modifiers, &mut vocabulary.modifiers),
                (clauses.because, &mut vocabulary.because),
                (clauses.not_because, &mut vocabulary.not_because),
                (turns.after, &mut vocabulary.turned_after),
                (turns.before, &mut vocabulary.turned_before),
                (subject.others, &mut vocabulary.other_subjects),
                (subject.between, &mut vocabulary.subject_between),
                (subject.links, &mut vocabulary.subject_links),
                (dose_change.phrases, &mut vocabulary.dose_changes),
            ] {
                for word in words {
                    let word = normalise(&word);
                    if word.is_empty() {
                        return Err(RulesError::Invalid {
                            origin: origin.clone(),
                            message: String::from("an empty word in a list of words"),
                        });
                    }
                    if !into.contains(&word) {
                        into.push(word);
                    }
                }
            }
            for name in subject.categories {
                let reason = category(&name)?;
                if !vocabulary.subject_categories.contains(&reason) {
                    vocabulary.subject_categories.push(reason);
                }
            }
            for name in mixed.efficacy {
                let reason = category(&name)?;
                if !vocabulary.efficacy.contains(&reason) {
                    vocabulary.efficacy.push(reason);
                }
            }
            for entry in file.reason {
                let reason = category(&entry.category)?;
                if entry
                    .phrases
                    .iter()
                    .chain(&entry.undone)
                    .chain(entry.together.iter().flat_map(|t| {
                        t.these
                            .iter()
                            .chain(&t.with)
                            .chain(t.between.iter().flatten())
                            .chain(t.then.iter().flatten())
                            .chain(&t.undone)
                    }))
                    .any(|p| normalise(p).is_empty())
                {
                    return Err(RulesError::Invalid {
                        origin: origin.clone(),
                        message: format!("an empty phrase under '{}'", entry.category),
                    });
                }
                vocabulary.meanings.push(Meaning {
                    reason,
                    snomed: entry.snomed,
                    phrases: entry.phrases.iter().map(|p| normalise(p)).collect(),
                    undone: entry.undone.iter().map(|p| normalise(p)).collect(),
                    together: entry
                        .together
                        .iter()
                        .map(|t| {
                            let words = |list: &[String]| -> Vec<String> {
                                list.iter().map(|p| normalise(p)).collect()
                            };
                            Pair {
                                these: words(&t.these),
                                with: words(&t.with),
                                between: t.between.as_deref().map(words),
                                these_first: t.these_first,
                                then: t.then.as_deref().map(words),
                                undone: words(&t.undone),
                            }
                        })
                        .collect(),
                });
            }
        }
        Ok(vocabulary)
    }

    /// The reason a code names (SNOMED CT, or one of refract's machine names).
    pub fn of_code(&self, code: &str) -> Option<StopReason> {
        self.meanings
            .iter()
            .find(|meaning| meaning.snomed.iter().any(|known| known == code))
            .map(|meaning| meaning.reason)
            .or_else(|| StopReason::parse(code).ok())
    }

    /// The reason words name. Every phrase found on word boundaries that is affirmed (not
    /// denied: "no side effects", "Side effects: none"), not part of a longer phrase that says
    /// something else ("continued seizure freedom"), about the drug ("oral contraceptive
    /// ineffective" is not) and not inside a longer phrase of an earlier entry is a candidate.
    /// Those in a reason clause ("because it did not work") decide when there are any. The
    /// candidates name one reason only when they state one kind of cause: an efficacy failure
    /// beside a cause of another kind ("Nonadherence led to breakthrough seizures", "Rash;
    /// seizures continued") cannot say which ended the trial, and is not understood (kept as
    /// written, for the clinician). Among causes of one kind the first entry wins.
    pub fn of_words(&self, words: &str) -> Option<StopReason> {
        self.decide(&self.stated(words))
    }

    /// The reasons words state, in the order of their entries (those of a reason clause only,
    /// when one names any).
    fn stated(&self, words: &str) -> Vec<StopReason> {
        let text = normalise(words);
        let found = self.found(&text);
        let causes = self.reason_clauses(&text);
        let in_cause = |f: &Found| causes.iter().any(|c| c.contains(&f.start));
        let mut stated: Vec<&Found> = if found.iter().any(in_cause) {
            found.iter().filter(|f| in_cause(f)).collect()
        } else {
            found.iter().collect()
        };
        stated.sort_by_key(|f| f.meaning);
        stated
            .into_iter()
            .map(|f| self.meanings[f.meaning].reason)
            .collect()
    }

    /// The one reason `stated` (in the order of their entries) names: none when it names an
    /// efficacy failure beside a cause of another kind, else the first.
    fn decide(&self, stated: &[StopReason]) -> Option<StopReason> {
        let efficacy = |r: &StopReason| self.efficacy.contains(r);
        if stated.iter().any(efficacy) && !stated.iter().all(efficacy) {
            return None;
        }
        stated.first().copied()
    }

    /// Whether a reason's words say the record was closed because its dose changed ([dose_change]
    /// `phrases`, whole words without case: "Dose adjustment", "Dose increased"): no stop of the
    /// drug, which goes on at the new dose.
    pub fn says_dose_changed(&self, words: &str) -> bool {
        let words = normalise(words);
        let tokens: Vec<&str> = words
            .split_whitespace()
            .map(|token| token.trim_matches(|c: char| !c.is_alphanumeric()))
            .collect();
        self.dose_changes.iter().any(|phrase| {
            let phrase: Vec<&str> = phrase.split_whitespace().collect();
            !phrase.is_empty() && tokens.windows(phrase.len()).any(|window| window == phrase)
        })
    }

    /// Whether `reason` is of the efficacy kind of cause ([mixed] `efficacy`).
    pub fn is_efficacy(&self, reason: StopReason) -> bool {
        self.efficacy.contains(&reason)
    }

    /// One reading of every stop reason a record gives (MedicationStatement.statusReason is a
    /// list, beside the mCODE termination reason): the first understood, unless those
    /// understood state an efficacy failure and a cause of another kind ("Not tolerated" and
    /// "Ineffective" as two reasons), which is not understood, kept as written (their words
    /// joined), for the clinician, as one text saying both is.
    pub fn combine(&self, readings: Vec<Read>) -> Vec<Read> {
        let known: Vec<StopReason> = readings
            .iter()
            .filter_map(|read| match read.reading {
                StopReading::Known(reason) => Some(reason),
                StopReading::Unknown(_) => None,
            })
            .collect();
        if self.decide(&known).is_some() || known.is_empty() {
            return readings;
        }
        let words = readings
            .iter()
            .map(|read| match &read.reading {
                StopReading::Known(reason) => read
                    .words
                    .clone()
                    .unwrap_or_else(|| reason.words().to_owned()),
                StopReading::Unknown(words) => words.clone(),
            })
            .collect::<Vec<_>>()
            .join("; ");
        vec![Read {
            reading: StopReading::Unknown(words),
            words: None,
        }]
    }

    /// Every affirmed phrase about the drug in normalised `text`, with its meaning.
    fn found(&self, text: &str) -> Vec<Found> {
        let mut found = Vec::new();
        for (meaning, entry) in self.meanings.iter().enumerate() {
            for phrase in &entry.phrases {
                for start in whole_occurrences(text, phrase) {
                    let end = start + phrase.len();
                    if self.denied_before(&text[..start])
                        || self.denied_after(&text[end..])
                        || self.turned(&text[..start], &text[end..])
                        || undone_later(text, end, &entry.undone)
                        || (self.subject_categories.contains(&entry.reason)
                            && self.about_another_subject(text, start, end))
                    {
                        continue;
                    }
                    // Words of an earlier entry's phrase are that phrase's ("insurance
                    // declined" is access, not a patient who declined).
                    if found
                        .iter()
                        .any(|f: &Found| f.start < end && start < f.end && f.meaning != meaning)
                    {
                        continue;
                    }
                    found.push(Found {
                        start,
                        end,
                        meaning,
                    });
                }
            }
            for pair in &entry.together {
                for (start, end) in self.together(text, pair) {
                    if found.iter().any(|f: &Found| f.start < end && start < f.end) {
                        continue;
                    }
                    found.push(Found {
                        start,
                        end,
                        meaning,
                    });
                }
            }
        }
        found
    }

    /// The spans from a word of `these` to a word of `with` (either first, unless the pair
    /// says) in one clause, each affirmed (not denied by a word before it: "insurance not
    /// denied"; the other word right before it is no denial of it: "could not source"), with
    /// only the pair's `between` words between them, its `then` words (or the clause's end)
    /// after a `these` word that ends it, and none of its `undone` words later in the sentence.
    fn together(&self, text: &str, pair: &Pair) -> Vec<(usize, usize)> {
        let occurrences = |list: &[String]| -> Vec<(usize, usize)> {
            list.iter()
                .flat_map(|word| {
                    whole_occurrences(text, word).map(move |start| (start, start + word.len()))
                })
                .collect()
        };
        let (firsts, seconds) = (occurrences(&pair.these), occurrences(&pair.with));
        let denied = |(start, _): (usize, usize), (_, other_end): (usize, usize)| {
            other_end + 1 != start && self.denied_before(&text[..start])
        };
        let mut spans = Vec::new();
        for &a in &firsts {
            for &b in &seconds {
                let ((a_start, a_end), (b_start, b_end)) = (a, b);
                let (start, end) = (a_start.min(b_start), a_end.max(b_end));
                if (a_start < b_end && b_start < a_end) || denied(a, b) || denied(b, a) {
                    continue;
                }
                if pair.these_first && b_start < a_start {
                    continue;
                }
                let between = &text[a_end.min(b_end)..a_start.max(b_start)];
                if between.contains(CLAUSE_END) {
                    continue;
                }
                if let Some(allowed) = &pair.between
                    && !between
                        .split_whitespace()
                        .all(|word| allowed.iter().any(|a| a == word))
                {
                    continue;
                }
                if let Some(objects) = pair.then.as_ref().filter(|_| a_end == end)
                    && !followed_by(&text[end..], objects)
                {
                    continue;
                }
                if undone_later(text, end, &pair.undone) {
                    continue;
                }
                spans.push((start, end));
            }
        }
        spans.sort_unstable();
        spans
    }

    /// The spans of `text` that state a cause: from a word opening a reason clause ("because",
    /// "due to") to the end of its sentence.
    fn reason_clauses(&self, text: &str) -> Vec<std::ops::Range<usize>> {
        let excepted: Vec<std::ops::Range<usize>> = self
            .not_because
            .iter()
            .flat_map(|phrase| {
                whole_occurrences(text, phrase).map(move |start| start..start + phrase.len())
            })
            .collect();
        let mut spans = Vec::new();
        for word in &self.because {
            for start in whole_occurrences(text, word) {
                let end = start + word.len();
                if excepted.iter().any(|e| e.start <= start && end <= e.end) {
                    continue;
                }
                let sentence_end = text[end..]
                    .find(SENTENCE_END)
                    .map_or(text.len(), |i| end + i);
                spans.push(start..sentence_end);
            }
        }
        spans
    }

    /// Whether the words before a phrase deny it: a denial word ("no", "nil"), maybe followed by
    /// words of the phrase's noun phrase ("no significant side effects"), and no punctuation
    /// between them ("nil, inadequate response" is a response denied of nothing).
    fn denied_before(&self, head: &str) -> bool {
        let mut head = head.trim_end_matches(' ');
        for _ in 0..=MAX_MODIFIERS {
            let token_start = head.rfind(' ').map_or(0, |i| i + 1);
            let token = &head[token_start..];
            if !token.ends_with(|c: char| c.is_alphanumeric() || c == '\'') {
                return false;
            }
            let word = token.trim_start_matches(|c: char| !c.is_alphanumeric());
            if self.negated_before.iter().any(|n| ends_with_words(head, n)) {
                return true;
            }
            // A denied cause denies what it names: "not due to side effects".
            if let Some(rest) = self.because.iter().find_map(|because| {
                head.strip_suffix(because.as_str())
                    .filter(|rest| rest.is_empty() || rest.ends_with(' '))
            }) {
                head = rest.trim_end_matches(' ');
                continue;
            }
            // A word with punctuation before it begins a clause of its own.
            if word.len() != token.len() || !self.modifiers.iter().any(|m| m == word) {
                return false;
            }
            head = head[..token_start].trim_end_matches(' ');
        }
        false
    }

    /// Whether a word right after the phrase or right before it makes it part of a longer
    /// phrase that says something else ("continued seizure freedom", "risk of seizure
    /// recurrence").
    fn turned(&self, head: &str, rest: &str) -> bool {
        let rest = rest.strip_prefix(' ').unwrap_or("");
        let after = self.turned_after.iter().any(|word| {
            rest.strip_prefix(word.as_str())
                .is_some_and(|tail| !tail.starts_with(char::is_alphanumeric))
        });
        let head = head.strip_suffix(' ').unwrap_or("");
        let before = self.turned_before.iter().any(|word| {
            head.strip_suffix(word.as_str())
                .is_some_and(|lead| !lead.ends_with(char::is_alphanumeric))
        });
        after || before
    }

    /// Whether the phrase at `start..end` is said of a subject other than the drug: the
    /// subject right before it ("Oral contraceptive ineffective", "OCP was not effective") or
    /// right after it ("Ineffective contraception", "not effective as contraception"). A
    /// subject elsewhere in the text is context or the next drug ("Not effective - changed to
    /// another medication", "Breakthrough seizures on the pill").
    fn about_another_subject(&self, text: &str, start: usize, end: usize) -> bool {
        let mut head = text[..start].trim_end_matches(' ');
        while let Some(rest) = self
            .subject_between
            .iter()
            .find_map(|word| strip_suffix_words(head, word))
        {
            head = rest;
        }
        let mut rest = text[end..].trim_start_matches(' ');
        if let Some(linked) = self
            .subject_links
            .iter()
            .find_map(|word| strip_prefix_words(rest, word))
        {
            rest = linked;
        }
        self.other_subjects.iter().any(|subject| {
            ends_with_words(head, subject) || strip_prefix_words(rest, subject).is_some()
        })
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
        // Codes that name an efficacy failure and a cause of another kind say no one reason:
        // read the words instead (not understood when they say both too).
        let coded: Vec<StopReason> = codings
            .iter()
            .filter_map(|coded| {
                self.of_system_code(coded)
                    .map(|known| known.reason)
                    .or_else(|| coded.code.and_then(|code| self.of_code(code.trim())))
            })
            .collect();
        let codes_agree = self.decide(&coded).is_some();
        for coded in codings.iter().filter(|_| codes_agree) {
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
        // The text and the displays are read together: one stating an efficacy failure and
        // another a cause of another kind say both, and are not understood.
        let all: Vec<StopReason> = words
            .iter()
            .flat_map(|words_read| self.stated(words_read))
            .chain(coded.iter().copied())
            .collect();
        let mixed = self.decide(&all).is_none() && !all.is_empty();
        for words_read in words.iter().filter(|_| !mixed) {
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

    /// Whether the text right after a phrase denies it: a denial ("none", "nil", "not an
    /// issue") after nothing but punctuation, ending its clause ("Side effects: none. Lack of
    /// efficacy"; "side effects no longer tolerable" is no denial).
    fn denied_after(&self, rest: &str) -> bool {
        let rest = rest.trim_start_matches(|c: char| !c.is_alphanumeric() && c != '.' && c != ';');
        self.negated_after.iter().any(|denial| {
            strip_prefix_words(rest, denial).is_some_and(|after| {
                after.is_empty() || after.starts_with(['.', ',', ';', ')', '!', '?', CLAUSE_DASH])
            })
        })
    }
}

/// Whether the clause after a pair's verb ends there or goes on with one of `objects`, after
/// a determiner ("unable to obtain", "could not source it", "unable to obtain the drug"; not
/// "unable to obtain seizure control" or "levels").
fn followed_by(rest: &str, objects: &[String]) -> bool {
    let clause = rest.find(CLAUSE_END).map_or(rest, |i| &rest[..i]);
    let mut words = clause
        .split_whitespace()
        .skip_while(|w| DETERMINERS.contains(w));
    let Some(first) = words.next() else {
        return true;
    };
    let first = first.trim_matches(|c: char| !c.is_alphanumeric());
    first.is_empty() || objects.iter().any(|o| o == first)
}

/// Words before a noun that leave it the noun ("the drug", "her medication").
const DETERMINERS: &[&str] = &[
    "the", "this", "that", "a", "an", "her", "his", "their", "its", "any", "further", "more",
];

/// Whether `text` ends with the words `words` (nothing alphanumeric right before them).
fn ends_with_words(text: &str, words: &str) -> bool {
    text.strip_suffix(words)
        .is_some_and(|lead| !lead.ends_with(char::is_alphanumeric) && !lead.ends_with('\''))
}

/// `text` before the words `words` ending it, with the spaces before them taken off.
fn strip_suffix_words<'t>(text: &'t str, words: &str) -> Option<&'t str> {
    text.strip_suffix(words)
        .filter(|lead| lead.is_empty() || lead.ends_with(' '))
        .map(|lead| lead.trim_end_matches(' '))
}

/// `text` after the words `words` beginning it, with the spaces after them taken off.
fn strip_prefix_words<'t>(text: &'t str, words: &str) -> Option<&'t str> {
    text.strip_prefix(words)
        .filter(|tail| !tail.starts_with(|c: char| c.is_alphanumeric() || c == '\''))
        .map(|tail| tail.trim_start_matches(' '))
}

/// What a dash between words ("No response - switched", "No response \u{2014} switched")
/// becomes: it ends a clause, like a comma. A hyphen inside a word ("dose-limiting") does not.
const CLAUSE_DASH: char = '\u{2013}';

/// The characters that end a clause: the two words of a pair stand in one.
const CLAUSE_END: &[char] = &['.', ',', ';', '!', '?', CLAUSE_DASH];

/// The characters that end a sentence: a reason clause reaches to one.
const SENTENCE_END: &[char] = &['.', ';', '!', '?'];

/// The only words that may stand before a word taking a refusal back, in the rest of the
/// refusal's clause or the next one: what the taking back is said of ("denial overturned",
/// "appeal approved", "since resolved", "decision later reversed"). Any other word says it
/// of something else ("headaches resolved") or denies it ("not resolved", "could not be
/// reversed"): then nothing is taken back.
const UNDO_LINKS: &[&str] = &[
    "since",
    "later",
    "subsequently",
    "then",
    "but",
    "and",
    "was",
    "were",
    "has",
    "have",
    "had",
    "been",
    "is",
    "it",
    "this",
    "that",
    "the",
    "decision",
    "denial",
    "refusal",
    "restriction",
    "appeal",
    "on",
    "after",
    "coverage",
    "authorization",
    "authorisation",
    "insurance",
    "supply",
    "shortage",
    "request",
];

/// Whether one of `undone` takes back what was read up to `end` ("denial overturned on
/// appeal", "Shortage, since resolved"): in the rest of its clause or the next, with only
/// [`UNDO_LINKS`] words before it there.
fn undone_later(text: &str, end: usize, undone: &[String]) -> bool {
    let sentence_end = text[end..]
        .find(SENTENCE_END)
        .map_or(text.len(), |i| end + i);
    text[end..sentence_end]
        .split(CLAUSE_END)
        .take(2)
        .any(|clause| {
            undone.iter().any(|word| {
                whole_occurrences(clause, word).any(|at| {
                    clause[..at]
                        .split_whitespace()
                        .all(|before| UNDO_LINKS.contains(&before))
                })
            })
        })
}

/// The byte offsets where `phrase` occurs in `text` on word boundaries.
fn whole_occurrences<'t>(text: &'t str, phrase: &'t str) -> impl Iterator<Item = usize> + 't {
    text.match_indices(phrase).filter_map(move |(start, _)| {
        let end = start + phrase.len();
        let whole = text[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric())
            && text[end..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric());
        whole.then_some(start)
    })
}

/// Lower case, hyphens, underscores and slashes as spaces, one space between words, and a
/// plural's "s" taken off ("breakthrough seizure" and "breakthrough seizures" are one phrase):
/// a word of four letters or more ending in "s" but not in "ss", "us" or "is" ("progress",
/// "status" and "diagnosis" stay). A line break ends a sentence: a line that does not end in
/// punctuation gets a full stop ("Side effects: none⏎Seizures continued" is two sentences, as
/// EHR notes are typed). Text and phrases are read the same way.
fn normalise(text: &str) -> String {
    let lines: Vec<&str> = text
        .split(['\n', '\r', '\u{2028}', '\u{2029}', '\u{85}'])
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    let mut joined = String::with_capacity(text.len() + lines.len());
    for (index, line) in lines.iter().enumerate() {
        if index > 0 {
            let ended = lines[index - 1].ends_with(['.', ',', ';', ':', '!', '?']);
            joined.push_str(if ended { " " } else { ". " });
        }
        joined.push_str(line);
    }
    let chars: Vec<char> = joined.chars().collect();
    let spaced = |at: Option<usize>| {
        at.and_then(|at| chars.get(at))
            .is_none_or(|c| c.is_whitespace())
    };
    let dashed: String = chars
        .iter()
        .enumerate()
        .map(|(at, &c)| {
            let between_words = spaced(at.checked_sub(1)) || spaced(Some(at + 1));
            if c == '\u{2014}' || c == '\u{2013}' || (c == '-' && between_words) {
                String::from(" \u{2013} ")
            } else {
                c.to_string()
            }
        })
        .collect();
    dashed
        .to_lowercase()
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
    fn a_dose_change_is_told_from_a_stop() {
        let v = vocabulary();
        for words in [
            "Dose adjustment",
            "Dose increased due to breakthrough seizures",
            "dose changed",
            "Dose-reduced (side effects)",
            "New dose",
        ] {
            assert!(v.says_dose_changed(words), "{words}");
        }
        for words in [
            "Stopped during titration: rash",
            "Dose-limiting toxicity",
            "Hyponatraemia",
            "Missed doses",
        ] {
            assert!(!v.says_dose_changed(words), "{words}");
        }
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
        assert_eq!(
            v.of_words("Side effects no longer tolerable"),
            Some(StopReason::Intolerance)
        );
        for words in ["side effects, no response", "Rash; seizures not controlled"] {
            assert_eq!(v.of_words(words), None, "{words}");
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

    fn reads(v: &StopReasons, cases: &[(&str, Option<StopReason>)]) {
        for (words, reason) in cases {
            assert_eq!(v.of_words(words), *reason, "{words:?}");
        }
    }

    #[test]
    fn a_phrase_inside_a_longer_phrase_that_says_something_else_is_not_read() {
        let v = vocabulary();
        let none = None;
        let failed = Some(StopReason::LackOfEfficacy);
        reads(
            &v,
            &[
                ("Continued seizure freedom \u{2013} withdrawal trial", none),
                ("Weaned: ongoing seizure freedom for 2 years", none),
                ("Seizure recurrence risk low, tapered off", none),
                ("Low risk of seizure recurrence, weaned", none),
                ("Continued seizure-free, tapered", none),
                ("Ongoing seizure control, weaned", none),
                ("Rash free; tapered", none),
                ("Seizures continued", failed),
                ("Ongoing seizures", failed),
                ("Seizure recurrence on 3000 mg", failed),
            ],
        );
    }

    #[test]
    fn access_is_words_saying_the_drug_could_not_be_had() {
        let v = vocabulary();
        let failed = Some(StopReason::LackOfEfficacy);
        let access = Some(StopReason::Access);
        reads(
            &v,
            &[
                (
                    "Ineffective. Insurance approved switch to lacosamide",
                    failed,
                ),
                (
                    "Seizures continued; insurance now covers cenobamate",
                    failed,
                ),
                ("Uncontrolled seizures, not a cost issue", failed),
                ("Insurance", None),
                ("Cost", None),
                ("Insurance denied", access),
                ("Not covered by insurance", access),
                ("Cost prohibitive", access),
                ("Prior authorization denied", access),
                ("Could not afford it", access),
                // Both stated, no reason clause: which ended the trial is not said; a reason
                // clause says which caused which.
                ("Insurance denied; seizures uncontrolled", None),
                (
                    "Seizures uncontrolled because insurance denied the refill",
                    access,
                ),
                ("Insurance denied renewal because ineffective", failed),
            ],
        );
    }

    /// An access pair needs its failure word said of the payer, price or supply word: words
    /// that only describe how the drug was had or chosen, or a getting verb whose object is
    /// control or a test, are no access, and the efficacy failure beside them is read.
    #[test]
    fn a_failure_word_counts_as_access_only_when_said_of_the_payer_or_the_drug() {
        let v = vocabulary();
        let failed = Some(StopReason::LackOfEfficacy);
        let access = Some(StopReason::Access);
        reads(
            &v,
            &[
                ("Treatment failed despite full insurance coverage", failed),
                ("Unable to obtain seizure control", failed),
                ("Could not obtain seizure control", failed),
                ("Unable to obtain adequate seizure control", failed),
                ("Unable to obtain levels; seizures continued", failed),
                ("Formulary restriction lifted", None),
                ("Insurance denial overturned on appeal", None),
                ("Coverage was denied by the insurer, appeal approved", None),
                // A refusal phrase undone later in its sentence is none either.
                ("Prior authorization denied, overturned on appeal", None),
                ("Not covered by insurance, decision later reversed", None),
                ("Shortage, since resolved", None),
                // Review 38: an undo word denied, or said of something else, undoes nothing.
                ("Drug shortage not resolved", access),
                (
                    "Not covered by insurance, decision could not be reversed",
                    access,
                ),
                ("Formulary restriction, not lifted despite appeal", access),
                (
                    "Not covered by insurance, switched to lamotrigine, headaches resolved",
                    access,
                ),
                ("Prior authorization denied; appeal pending", access),
                ("Insurance prior authorization failed", access),
                ("Unable to obtain", access),
                ("Pharmacy could not source it", access),
                ("Patient unable to afford copayment", access),
                ("Unable to obtain the medication from pharmacy", access),
                ("Authorisation refused by the payer", access),
                ("Restricted by formulary", access),
                ("Funding application rejected", access),
            ],
        );
        for efficacy in [
            "Formulary drug failed",
            "Failed formulary first-line agent",
            "Failed on formulary alternative",
        ] {
            assert_ne!(v.of_words(efficacy), access, "{efficacy:?}");
        }
    }

    /// A text stating no access failure ("Formulary restriction lifted") beside a coded
    /// efficacy failure is no second kind of cause: the coded failure stands.
    #[test]
    fn an_undone_refusal_beside_a_coded_efficacy_failure_leaves_the_failure() {
        let v = vocabulary();
        let coded = v
            .read_concept(
                &[Coded {
                    system: Some("http://snomed.info/sct"),
                    code: Some("266721009"),
                    display: Some("No response"),
                }],
                None,
            )
            .unwrap();
        let lifted = v
            .read_concept(&[], Some("Formulary restriction lifted"))
            .unwrap();
        let combined = v.combine(vec![coded, lifted]);
        assert_eq!(
            combined.first().map(|read| read.reading.clone()),
            Some(StopReading::Known(StopReason::LackOfEfficacy)),
            "{combined:?}"
        );
    }

    #[test]
    fn a_reason_clause_states_the_cause() {
        let v = vocabulary();
        let failed = Some(StopReason::LackOfEfficacy);
        reads(
            &v,
            &[
                ("Patient stopped taking it because it did not work", failed),
                ("Stopped taking as seizures continued", failed),
                ("Stopped taking - seizures continued", None),
                ("Stopped taking", Some(StopReason::Noncompliance)),
                ("Stopped due to drowsiness", Some(StopReason::Intolerance)),
                (
                    "Seizures continued as patient was not taking it",
                    Some(StopReason::Noncompliance),
                ),
                ("Not taken as prescribed", Some(StopReason::Noncompliance)),
                ("Not due to side effects, ineffective", failed),
                // "as well as" opens no reason clause: two kinds of cause, not understood.
                ("Rash as well as poor seizure control", None),
            ],
        );
    }

    #[test]
    fn a_symptom_named_beside_an_efficacy_failure_leaves_the_reason_not_understood() {
        let v = vocabulary();
        let intolerance = Some(StopReason::Intolerance);
        reads(
            &v,
            &[
                ("Breakthrough seizures, mild drowsiness", None),
                ("Ineffective, weight gain", None),
                ("No improvement, ongoing irritability", None),
                ("Persistent aggression, no response", None),
                ("Drowsiness", intolerance),
                ("Irritability", intolerance),
                (
                    "Levetiracetam caused irritability; seizures continued",
                    None,
                ),
                ("Side effects (drowsiness), seizures continued", None),
                ("Stopped due to drowsiness", intolerance),
            ],
        );
    }

    /// The adverse effects that end courses of the drugs every rule set counts, not only the
    /// antiseizure drugs' (review r5 R5-14: "ankle oedema" on amlodipine was not understood).
    #[test]
    fn the_adverse_effects_of_every_rule_sets_drugs_are_intolerance() {
        let v = vocabulary();
        let intolerance = Some(StopReason::Intolerance);
        let cases: Vec<(&str, Option<StopReason>)> = [
            "Ankle oedema",
            "Peripheral edema",
            "Dry cough",
            "Angioedema",
            "Hyperkalaemia",
            "Hyperkalemia",
            "Symptomatic hypotension",
            "Bradycardia",
            "Gout",
            "Gynaecomastia",
            "Peripheral neuropathy",
            "Infusion reaction",
            "Agranulocytosis",
            "Myocarditis",
            "Akathisia",
            "Sexual dysfunction",
            "QT prolongation",
        ]
        .into_iter()
        .map(|words| (words, intolerance))
        .chain([("Ankle oedema; BP still uncontrolled", None)])
        .collect();
        reads(&v, &cases);
    }

    #[test]
    fn a_line_break_ends_a_sentence() {
        let v = vocabulary();
        let failed = Some(StopReason::LackOfEfficacy);
        reads(
            &v,
            &[
                ("Side effects: none\nSeizures continued on 3000 mg", failed),
                ("Adverse effects: none\r\nSeizures continued", failed),
                ("Side effects - nil\nineffective", failed),
                (
                    "Side effects: none\nBreakthrough seizures on 3000 mg",
                    failed,
                ),
                ("Nil\nineffective", failed),
                ("Side effects:\nnone", None),
            ],
        );
    }

    #[test]
    fn an_efficacy_phrase_about_another_subject_is_no_failure_of_the_drug() {
        let v = vocabulary();
        reads(
            &v,
            &[
                (
                    "Oral contraceptive ineffective \u{2013} enzyme-inducer interaction",
                    Some(StopReason::Other),
                ),
                (
                    "Oral contraceptive ineffective - interaction",
                    Some(StopReason::Other),
                ),
                ("Ineffective contraception (enzyme inducer)", None),
                ("Analgesia not effective", None),
                (
                    "Ineffective; contraception counselling given",
                    Some(StopReason::LackOfEfficacy),
                ),
            ],
        );
    }

    #[test]
    fn a_denial_reaches_across_the_words_of_its_noun_phrase() {
        let v = vocabulary();
        let failed = Some(StopReason::LackOfEfficacy);
        reads(
            &v,
            &[
                ("No significant side effects, seizures continued", failed),
                ("Nil apparent adverse effects; ineffective", failed),
                ("No major side effects but poor seizure control", failed),
                ("Not any serious adverse reaction. Ineffective", failed),
                ("No further breakthrough seizures", None),
                ("No significant improvement", failed),
                ("Significant side effects", Some(StopReason::Intolerance)),
                ("Not effective, significant side effects", None),
            ],
        );
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

    #[test]
    fn a_text_stating_an_efficacy_failure_and_another_kind_of_cause_is_not_understood() {
        let v = vocabulary();
        for words in [
            "Nonadherence led to breakthrough seizures",
            "Missed doses resulted in breakthrough seizures",
            "Poor compliance causing seizure recurrence",
            "Insurance denied which led to seizure recurrence",
            "Insurance issue; seizures continued",
            "Insurance won't cover; breakthrough seizures",
            "Patient stopped taking; breakthrough seizures",
            "Dose-limiting dizziness and ataxia; seizures persisted",
            "Intolerable sedation, seizures not controlled",
            "Nausea and vomiting, unable to continue; seizures not controlled",
            "Breakthrough seizures, mild drowsiness",
            "Rash; seizures not controlled",
            "Not tolerated, ineffective",
        ] {
            assert_eq!(v.of_words(words), None, "{words}");
        }
        // One kind of cause, or a reason clause that attributes, still decides.
        reads(
            &v,
            &[
                (
                    "Breakthrough seizures caused by nonadherence",
                    Some(StopReason::Noncompliance),
                ),
                (
                    "Seizures recurred due to missed doses",
                    Some(StopReason::Noncompliance),
                ),
                (
                    "Stopped taking it because it did not work",
                    Some(StopReason::LackOfEfficacy),
                ),
                (
                    "Seizures continued; stopped due to rash",
                    Some(StopReason::Intolerance),
                ),
                ("Rash, nausea", Some(StopReason::Intolerance)),
                (
                    "Not taking, could not afford it",
                    Some(StopReason::Noncompliance),
                ),
            ],
        );
    }

    #[test]
    fn a_dash_between_words_ends_a_clause_and_a_hyphen_inside_a_word_does_not() {
        let v = vocabulary();
        let failed = Some(StopReason::LackOfEfficacy);
        reads(
            &v,
            &[
                ("Inadequate response - remission not achieved", failed),
                ("Breakthrough seizures - risk of injury", failed),
                ("No response - control achieved on cenobamate", failed),
                ("No response -control achieved on cenobamate", failed),
                ("Breakthrough seizure control poor", failed),
                ("Ineffective - free of side effects", failed),
                ("Not effective - changed to another medication", failed),
                ("Dose-limiting ataxia", Some(StopReason::Intolerance)),
                ("Continued seizure-free, tapered", None),
            ],
        );
    }

    #[test]
    fn another_subject_counts_only_when_the_efficacy_phrase_is_said_of_it() {
        let v = vocabulary();
        let failed = Some(StopReason::LackOfEfficacy);
        reads(
            &v,
            &[
                ("No benefit - switched to other drug", failed),
                ("Ineffective so another drug started", failed),
                ("Not controlled on OCP", failed),
                ("Breakthrough seizures on the pill", failed),
                ("OCP ineffective", None),
                ("Contraception was not effective", None),
                ("Not effective as contraception", None),
                ("Other medication ineffective", None),
            ],
        );
    }

    #[test]
    fn a_denied_cause_is_denied_whatever_words_deny_it() {
        let v = vocabulary();
        let failed = Some(StopReason::LackOfEfficacy);
        reads(
            &v,
            &[
                ("Ineffective, not related to side effects", failed),
                ("Ineffective; not caused by side effects", failed),
                ("Ineffective. Side effects not an issue", failed),
                ("Ineffective, unrelated to side effects", failed),
                ("No issues with side effects; seizures continued", failed),
                ("Side effects not a problem, no response", failed),
                ("Non-adherence not an issue, seizures continued", failed),
            ],
        );
    }

    #[test]
    fn everyday_access_wording_is_access() {
        let v = vocabulary();
        for words in [
            "Insurance won't cover",
            "Insurance does not cover it",
            "Insurance issue",
            "Prior auth issue",
            "Copay too high",
            "Not affordable",
            "Financial hardship",
        ] {
            assert_eq!(v.of_words(words), Some(StopReason::Access), "{words}");
        }
    }

    #[test]
    fn access_phrased_as_a_refusal_a_cost_or_a_supply_is_access_never_efficacy() {
        let v = vocabulary();
        for words in [
            "Prior authorization not granted",
            "authorization was denied",
            "Authorisation refused by the payer",
            "not covered by insurance",
            "Insurer would not pay",
            "formulary restriction",
            "Restricted by formulary",
            "could not afford",
            "Patient unable to afford copayment",
            "unable to obtain",
            "supply shortage",
            "Drug supply interrupted",
            "patient declined to pay",
            "Patient unwilling to pay for it",
            "Pharmacy could not source it",
            "Funding not approved",
            "Funding application rejected",
        ] {
            assert_eq!(v.of_words(words), Some(StopReason::Access), "{words}");
        }
    }

    #[test]
    fn an_efficacy_failure_joined_to_intolerance_in_any_order_is_not_understood() {
        let v = vocabulary();
        for (a, b) in [
            ("Not tolerated", "ineffective"),
            ("Poorly tolerated", "no response"),
            ("Side effects", "seizures continued"),
        ] {
            for joiner in [
                ", ", " and ", "; ", " / ", "/", " + ", " also ", ". Also ", " & ",
            ] {
                for words in [format!("{a}{joiner}{b}"), format!("{b}{joiner}{a}")] {
                    assert_eq!(v.of_words(&words), None, "{words:?}");
                }
            }
        }
    }

    #[test]
    fn reasons_given_apart_that_state_an_efficacy_failure_and_another_cause_are_not_understood() {
        let v = vocabulary();
        let shown = |display| Coded {
            display: Some(display),
            ..Coded::default()
        };
        let coded = |code| Coded {
            system: Some("http://snomed.info/sct"),
            code: Some(code),
            display: None,
        };
        for (codings, text) in [
            (vec![shown("Not tolerated"), shown("Ineffective")], None),
            (vec![shown("Ineffective")], Some("Not tolerated")),
            (vec![coded("407563006"), coded("266721009")], None),
        ] {
            let read = v.read_concept(&codings, text).unwrap();
            assert!(
                matches!(read.reading, StopReading::Unknown(_)),
                "{codings:?} {text:?}: {read:?}"
            );
        }
        let known = |reason, words: &str| Read {
            reading: StopReading::Known(reason),
            words: Some(words.to_owned()),
        };
        let both = v.combine(vec![
            known(StopReason::Intolerance, "Not tolerated"),
            known(StopReason::LackOfEfficacy, "Ineffective"),
        ]);
        assert_eq!(
            both,
            vec![Read {
                reading: StopReading::Unknown(String::from("Not tolerated; Ineffective")),
                words: None,
            }]
        );
        let one_kind = vec![
            known(StopReason::Intolerance, "Rash"),
            known(StopReason::Intolerance, "Nausea"),
        ];
        assert_eq!(v.combine(one_kind.clone()), one_kind);
    }
}
