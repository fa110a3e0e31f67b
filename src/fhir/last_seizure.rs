//! What a report's words state of this patient's last seizure and of freedom from seizures up
//! to the report ("Last seizure 4 years ago", "last seizure: March 2021", "Seizure free since
//! 2019", "no seizures for 18 months"), read against the report's own date.
//!
//! A statement is read only where the words are sure what they say of THIS patient NOW; when
//! unsure, nothing is read: never a made-up seizure, never a made-up freedom.
//! - Only words that say a seizure happened date one ("Last seizure 4 years ago": it fell at
//!   least that long before the report, less than one unit more). Freedom ("seizure free for 2
//!   years", "since 2019") is a lower bound on the time without seizures, up to the report: it
//!   dates no seizure (the patient may have had none since the drug began).
//! - A date keeps its precision (a month is every day of that month); a numeric date
//!   ("3/2/2024", day and month by country) is either reading: freedom from the later one, a
//!   seizure on any day between the two.
//! - Every clause is read (split at punctuation and before a contrast word: "but", "then"). A
//!   clause stating seizures happened after the statement undoes it: an event word not denied
//!   ("frequent auras", "relapsed"), or a seizure word the clause says happened, counts or times
//!   ("had", "ongoing", "3 seizures", "seizures since September", a last seizure of one type).
//!   A seizure word as a modifier ("seizure diary"), a denied type ("no absences or myoclonic
//!   jerks") or a contrast word alone ("but reports low mood") undoes nothing. Before the
//!   statement, only seizures marked as past ("Had weekly seizures on levetiracetam") leave it.
//!   "Until", "till", "except" opening a later clause end it.
//! - Freedom is read only as a current, affirmed report: only `FREE_LEAD` words may stand
//!   before it and only a drug and dose ("on lacosamide 200 mg bd"), "since <its start>" or
//!   "now"/"to date" after its time. Past
//!   ("was", "had been"), ended ("until", "recurred after"), hoped-for, required or
//!   conditional ("hopes to be", "must be ... to drive", "goal:") freedom says nothing of now.
//! - Freedom from one seizure type ("tonic-clonic seizure free", "no convulsive seizures") or a
//!   last seizure of one type ("last witnessed seizure", "last generalised seizure") is no
//!   freedom: ILAE 2010's freedom is "no seizures of any type", and an aura is a focal aware
//!   seizure (ILAE 2017). Only qualifiers that narrow nothing ("last known seizure") are read.
//! - A relative named with seizure words ("Mother also has epilepsy, last seizure 3 years
//!   ago", "Son seizure free") leaves the subject of that statement and every later one in
//!   doubt: nothing is read. A relative as witness or companion ("mother confirms", "Seen with
//!   husband") changes nothing. A "?" doubts only a clause that speaks of seizures ("Last seizure
//!   ?2019": nothing is read; "Plan: ?reduce dose" is no doubt). Words of doubt ("unknown") or
//!   without a number ("last seizure ago") are nothing.

use chrono::{Duration, Months, NaiveDate};

use super::date_words;

/// What words state: the days the last seizure may have fallen on (only when they say one
/// happened), and the first day from which none came up to the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stated {
    pub seizure: Option<(NaiveDate, NaiveDate)>,
    pub free_from: NaiveDate,
}

/// What `words` in a report made on `report` state of the last seizure and of freedom since;
/// `None` when they state neither without doubt.
pub fn stated_in_words(words: &str, report: NaiveDate) -> Option<Stated> {
    let lower = dates_kept_whole(&words.to_lowercase());
    let mut statements: Vec<Stated> = Vec::new();
    // A relative named with seizure words ("Mother also has epilepsy, ...") leaves the subject
    // of every statement after it in doubt; a relative as witness or companion ("mother
    // confirms", "seen with husband") says nothing of whose seizures they are.
    let mut relative_subject = false;
    for piece in lower.split(['.', ';', '\n', ',', '!']) {
        let all = tokens(piece);
        for words in clauses(&all) {
            let reading = clause_reading(words, report);
            let names_seizures = words
                .iter()
                .any(|w| seizure(w) || SEIZURE_EVENTS.contains(w) || EPILEPSY.contains(w));
            let states = !matches!(reading, Reading::Nothing);
            // A "?" doubts only its own clause, and only when that clause speaks of seizures
            // ("Last seizure ?2019"; not "Plan: ?reduce dose").
            if piece.contains('?') && (states || names_seizures) {
                return None;
            }
            if words.iter().any(|w| RELATIVES.contains(w)) && (states || names_seizures) {
                relative_subject = true;
            }
            // "..., until last week" ends the freedom read before it; a contrast word alone
            // ("but reports low mood") ends nothing: its clause is read like any other.
            if !statements.is_empty() && words.first().is_some_and(|w| ENDINGS.contains(w)) {
                return None;
            }
            match reading {
                Reading::Statement(_) if relative_subject => return None,
                Reading::Statement(stated) => statements.push(stated),
                // Seizures after a statement undo it; before it, only past ones are history.
                Reading::Seizures { past } => {
                    if !statements.is_empty() || !past {
                        return None;
                    }
                }
                Reading::Nothing => {}
            }
        }
    }
    let free_from = statements.iter().map(|s| s.free_from).max()?;
    let mut seizures = statements.iter().filter_map(|s| s.seizure);
    let seizure = seizures.next();
    // Two last seizures stated apart, on different days: which is the last is in doubt.
    if seizures.any(|other| Some(other) != seizure) {
        return None;
    }
    Some(Stated { seizure, free_from })
        .filter(|s| s.free_from <= report && s.seizure.is_none_or(|(first, last)| first <= last))
}

/// `lower` with the dates whose punctuation would split a statement rewritten whole: a dotted
/// date ("12.03.2024") slashed, as either reading it may have (see [`numeric_date`]); a comma
/// between a month or its day and the year ("March 3, 2024", "3 March, 2024") dropped; a FHIR
/// or ISO date ("2024-03-12", "2024-03") in words ("12 march 2024"), its one reading.
fn dates_kept_whole(lower: &str) -> String {
    let bytes = lower.as_bytes();
    let digits_at = |from: usize| {
        bytes[from.min(bytes.len())..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let mut out = String::with_capacity(lower.len());
    let mut at = 0;
    while at < bytes.len() {
        let starts_number =
            bytes[at].is_ascii_digit() && (at == 0 || !bytes[at - 1].is_ascii_digit());
        if starts_number && let Some((rewritten, length)) = dotted_or_dashed(bytes, at, &digits_at)
        {
            out.push_str(&rewritten);
            at += length;
            continue;
        }
        if bytes[at] == b',' && comma_inside_a_date(&out, &lower[at + 1..]) {
            out.push(' ');
            at += 1;
            continue;
        }
        // Copied a character at a time: only ASCII is ever rewritten.
        let width = lower[at..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&lower[at..at + width]);
        at += width;
    }
    out
}

/// A dotted date ("12.03.2024", slashed) or a FHIR date ("2024-03-12", "2024-03", in words)
/// starting at `at`, and the bytes it spans; nothing for any other number.
fn dotted_or_dashed(
    bytes: &[u8],
    at: usize,
    digits_at: &impl Fn(usize) -> usize,
) -> Option<(String, usize)> {
    let text = |from: usize, length: usize| std::str::from_utf8(&bytes[from..from + length]).ok();
    let ends_number = |end: usize| {
        bytes.get(end).is_none_or(|b| !b.is_ascii_digit())
            && !(bytes.get(end).is_some_and(|b| matches!(b, b'.' | b'-'))
                && bytes.get(end + 1).is_some_and(u8::is_ascii_digit))
    };
    let first = digits_at(at);
    if (1..=2).contains(&first) && bytes.get(at + first) == Some(&b'.') {
        let second = digits_at(at + first + 1);
        let third_from = at + first + 1 + second + 1;
        if (1..=2).contains(&second)
            && bytes.get(third_from - 1) == Some(&b'.')
            && digits_at(third_from) == 4
            && ends_number(third_from + 4)
        {
            let slashed = format!(
                "{}/{}/{}",
                text(at, first)?,
                text(at + first + 1, second)?,
                text(third_from, 4)?
            );
            let end = third_from + 4;
            return Some((slashed, end + time_after(bytes, end) - at));
        }
        return None;
    }
    if first == 4 && bytes.get(at + 4) == Some(&b'-') && digits_at(at + 5) == 2 {
        let year = text(at, 4)?;
        let month: usize = text(at + 5, 2)?.parse().ok()?;
        let month_name = crate::domain::typed_date::MONTH_NAMES.get(month.checked_sub(1)?)?;
        if bytes.get(at + 7) == Some(&b'-') && digits_at(at + 8) == 2 && ends_number(at + 10) {
            let day = text(at + 8, 2)?;
            return Some((
                format!("{day} {month_name} {year}"),
                10 + time_after(bytes, at + 10),
            ));
        }
        if ends_number(at + 7) {
            return Some((format!("{month_name} {year}"), 7));
        }
    }
    None
}

/// The bytes of a time of day right after a date at `from` (FHIR's dateTime "T14:30:00Z",
/// "T14:30:00.000+01:00", or " 14:30" after a space), which says nothing more of its day; 0
/// when none follows.
fn time_after(bytes: &[u8], from: usize) -> usize {
    let digits = |at: usize| {
        bytes[at.min(bytes.len())..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let Some(start) = bytes
        .get(from)
        .filter(|b| matches!(b, b't' | b'T' | b' '))
        .map(|_| from + 1)
    else {
        return 0;
    };
    let hours = digits(start);
    if !(1..=2).contains(&hours) || bytes.get(start + hours) != Some(&b':') {
        return 0;
    }
    let mut at = start + hours;
    // Minutes, then seconds and their fraction.
    while bytes.get(at) == Some(&b':') && digits(at + 1) == 2 {
        at += 3;
    }
    if bytes.get(at) == Some(&b'.') && digits(at + 1) > 0 {
        at += 1 + digits(at + 1);
    }
    // The zone: Z, or an offset.
    match bytes.get(at) {
        Some(b'z' | b'Z') => at += 1,
        Some(b'+' | b'-') if digits(at + 1) == 2 && bytes.get(at + 3) == Some(&b':') => {
            at += 3 + 1 + digits(at + 4).min(2);
        }
        _ => {}
    }
    at - from
}

/// Whether a comma between `before` and `after` sits inside a date: after a month's name, or
/// a day beside one ("march 3", "3rd march"), and before a year of four digits.
fn comma_inside_a_date(before: &str, after: &str) -> bool {
    let year = after.trim_start();
    let year_digits = year.bytes().take_while(u8::is_ascii_digit).count();
    if year_digits != 4 || year[4..].starts_with(|c: char| c.is_alphanumeric()) {
        return false;
    }
    let words: Vec<&str> = before.split_whitespace().rev().take(2).collect();
    let month = |word: &str| super::date_words::month_named(word.trim_end_matches('.')).is_some();
    let day = |word: &str| {
        let number = ["st", "nd", "rd", "th"]
            .iter()
            .find_map(|ending| word.strip_suffix(ending))
            .unwrap_or(word);
        number.len() <= 2 && number.parse::<u32>().is_ok_and(|n| (1..=31).contains(&n))
    };
    match words.as_slice() {
        [last, ..] if month(last) => true,
        [last, previous] => day(last) && month(previous),
        _ => false,
    }
}

/// Lower-case words of `text`, punctuation as spaces (a slash kept inside a numeric date).
fn tokens(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '/'))
        .map(|w| w.trim_matches('/'))
        .filter(|w| !w.is_empty())
        .collect()
}

/// The clauses of a punctuated piece, split again before a contrast word ("... for 2 years
/// but had 2 seizures"), each without that word.
fn clauses<'a, 'w>(words: &'a [&'w str]) -> Vec<&'a [&'w str]> {
    words
        .split(|w| CONTRASTS.contains(w))
        .filter(|clause| !clause.is_empty())
        .collect()
}

enum Reading {
    Statement(Stated),
    /// The clause states seizures; `past` when it marks them as past.
    Seizures {
        past: bool,
    },
    Nothing,
}

/// Words that name a seizure (for a statement) or state seizures (anywhere else).
fn seizure(word: &str) -> bool {
    matches!(
        word,
        "seizure" | "seizures" | "sz" | "szs" | "fit" | "fits" | "convulsion" | "convulsions"
    )
}

/// Words that state seizures happened besides the seizure words: a seizure of a type (an aura
/// is a focal aware seizure, ILAE 2017) or their return.
const SEIZURE_EVENTS: &[&str] = &[
    "aura",
    "auras",
    "absences",
    "jerk",
    "jerks",
    "jerking",
    "recurred",
    "recurrence",
    "recurrent",
    "relapse",
    "relapsed",
    "breakthrough",
];

/// Words that name the disease: a relative named with them is the subject of what follows.
const EPILEPSY: &[&str] = &["epilepsy", "epileptic", "epilepsies"];

/// Words in a clause that say its seizure words are events that happened ("has had seizures",
/// "seizures ongoing"). Without one of these, a count or frequency before it, or a time or
/// verb right after it, a seizure word names no event: it is a modifier ("seizure action
/// plan", "seizure diary") or an object of care ("rescue medication for seizures not needed").
/// Choice (review 36): an unmarked "Seizures." alone is read as no event; a marked one cancels.
const OCCURRED: &[&str] = &[
    "had",
    "having",
    "experienced",
    "experiencing",
    "occurred",
    "occurring",
    "happened",
    "ongoing",
    "returned",
    "recurring",
    "persisting",
    "persistent",
    "uncontrolled",
    "cluster",
    "clusters",
];

/// Words that, up to three words before a seizure word, count or time its events ("3
/// seizures", "several focal seizures", "last focal seizure").
const COUNTED: &[&str] = &[
    "frequent",
    "several",
    "multiple",
    "occasional",
    "rare",
    "weekly",
    "daily",
    "monthly",
    "nightly",
    "further",
    "new",
    "many",
    "some",
    "few",
    "fewer",
    "recent",
    "last",
    "latest",
    "first",
    "single",
    "isolated",
];

/// Words that, right after a seizure word, place or time its events ("seizures since
/// September", "seizure on waking", "seizures continue").
const TIMED: &[&str] = &[
    "since",
    "in",
    "on",
    "during",
    "last",
    "this",
    "x",
    "per",
    "every",
    "ago",
    "yesterday",
    "today",
    "daily",
    "weekly",
    "monthly",
    "nightly",
    "each",
    "at",
    "when",
    "while",
    "after",
    "continue",
    "continuing",
    "continued",
    "persist",
    "ongoing",
    "recurred",
    "returned",
    "occurred",
    "happened",
    "started",
    "restarted",
    "increased",
    "worse",
    "most",
];

/// Words that end a clause's subject and open another one ("..., but had 2 seizures"); the
/// clause after one is read on its own.
const CONTRASTS: &[&str] = &[
    "but", "however", "though", "although", "whereas", "yet", "then",
];

/// Words that deny seizures standing before them ("no seizures", "not had any seizures").
const DENIALS: &[&str] = &[
    "no", "nil", "without", "denies", "denied", "zero", "any", "none",
];

/// Words that mark a clause's seizures as past.
const PAST: &[&str] = &[
    "was",
    "were",
    "had",
    "previously",
    "prior",
    "before",
    "used",
    "ago",
    "initially",
    "childhood",
    "formerly",
];

/// Words that leave a statement in doubt or end it ("not seizure free", "until last week").
const DOUBT: &[&str] = &[
    "not", "never", "longer", "isn", "wasn", "hasn", "hadn", "haven", "until", "till", "except",
    "unknown", "unsure", "unclear", "possible", "possibly", "probable", "probably", "likely",
    "maybe", "if", "unless",
];

/// Words that, opening a clause, end the freedom stated before it ("..., until last week").
const ENDINGS: &[&str] = &["until", "till", "except"];

/// The only words that may stand before a freedom: a present, affirmed report by the patient,
/// in any form of the verbs that affirm it ("has remained", "continues to be", "she's"). Kept
/// closed: any other word before it may narrow it to one type ("tonic-clonic seizure free") or
/// put it out of the present ("hopes to be").
const FREE_LEAD: &[&str] = &[
    "remain",
    "remained",
    "remaining",
    "stay",
    "stays",
    "stayed",
    "continue",
    "continues",
    "continued",
    "keeps",
    "kept",
    "to",
    "be",
    "s",
    "reported",
    "says",
    "states",
    "now",
    "currently",
    "presently",
    "has",
    "have",
    "been",
    "is",
    "are",
    "she",
    "he",
    "they",
    "patient",
    "pt",
    "remains",
    "still",
    "completely",
    "fully",
    "totally",
    "entirely",
    "reports",
    "and",
    "doing",
    "well",
    "overall",
];

/// The only words that may stand before "last seizure".
const LAST_LEAD: &[&str] = &[
    "the", "her", "his", "their", "patient", "pt", "s", "most", "very", "date", "of",
];

/// Words between "last" and "seizure" that narrow nothing ("last known seizure"); any other
/// ("witnessed", "generalised") leaves seizures of other kinds since.
const LAST_QUALIFIERS: &[&str] = &["known", "reported", "documented", "recorded"];

/// Words naming a relative: the statement may be about them.
const RELATIVES: &[&str] = &[
    "mother",
    "father",
    "mum",
    "mom",
    "dad",
    "sister",
    "brother",
    "sibling",
    "siblings",
    "son",
    "daughter",
    "child",
    "children",
    "parent",
    "parents",
    "aunt",
    "uncle",
    "cousin",
    "grandmother",
    "grandfather",
    "grandparent",
    "nephew",
    "niece",
    "twin",
    "family",
    "relative",
    "relatives",
    "husband",
    "wife",
    "partner",
    "fh",
];

/// Words that may follow a statement's time: the report's present, or the drug it is on
/// ("on lacosamide"; a drug's name is any word but these).
const TAIL: &[&str] = &[
    "now",
    "currently",
    "to",
    "date",
    "so",
    "far",
    "and",
    "counting",
];
const NOT_A_DRUG: &[&str] = &[
    "in", "at", "age", "when", "during", "while", "before", "after", "until", "till", "prior",
    "then", "to", "but", "as", "from", "was", "were", "had", "is", "her", "his", "their", "ago",
    "years", "months", "drive", "driving",
];

fn tail_ok(tail: &[&str]) -> bool {
    let mut rest = tail;
    while let Some((first, more)) = rest.split_first() {
        if TAIL.contains(first) {
            rest = more;
        } else if *first == "on" {
            let drug = more;
            // A drug and its dose, of any length ("on lacosamide 200 mg bd").
            return !drug.is_empty()
                && drug
                    .iter()
                    .all(|w| !NOT_A_DRUG.contains(w) && !seizure(w) && !TAIL.contains(w));
        } else if *first == "since" {
            // "since starting lacosamide": when the freedom began says nothing against its length.
            return !more.is_empty()
                && more.iter().all(|w| {
                    !DOUBT.contains(w)
                        && !PAST.contains(w)
                        && !seizure(w)
                        && !SEIZURE_EVENTS.contains(w)
                });
        } else {
            return false;
        }
    }
    true
}

fn clause_reading(words: &[&str], report: NaiveDate) -> Reading {
    let at = |i: usize| words.get(i).copied().unwrap_or("");
    let counts =
        |w: &str| COUNTED.contains(&w) || (!matches!(w, "a" | "an") && number(w).is_some());
    // A seizure word is denied when freedom follows it or a denial stands before it with no
    // count or event word between ("no tonic clonic seizures", "no absences or myoclonic
    // jerks"; not "no seizures and had auras").
    let denied_at = |i: usize| {
        matches!(at(i + 1), "free" | "freedom")
            || words[..i]
                .iter()
                .rev()
                .take_while(|w| !OCCURRED.contains(w) && !counts(w))
                .any(|w| DENIALS.contains(w))
    };
    let occurred = words.iter().any(|w| OCCURRED.contains(w));
    // An event word (an aura, a relapse) states an event; a seizure word only when the clause
    // says it happened, counts or times it.
    let states_at = |i: usize| {
        let w = at(i);
        let event = SEIZURE_EVENTS.contains(&w)
            || (seizure(w)
                && (occurred
                    || (i.saturating_sub(3)..i).any(|j| counts(at(j)))
                    || TIMED.contains(&at(i + 1))));
        event && !denied_at(i)
    };
    let mentions = (0..words.len()).any(states_at);
    let past = words
        .iter()
        .any(|w| PAST.contains(w) || is_past_year(w, report));
    let seizures = Reading::Seizures { past };
    let doubt = words.iter().any(|w| DOUBT.contains(w));
    if let Some(stated) = statement(words, report).filter(|_| !doubt) {
        return Reading::Statement(stated);
    }
    let speaks_of_freedom = (0..words.len()).any(|i| seizure(at(i)) && denied_at(i));
    if mentions || (speaks_of_freedom && doubt) {
        return seizures;
    }
    Reading::Nothing
}

/// A year written before the report's year ("in 2019").
fn is_past_year(word: &str, report: NaiveDate) -> bool {
    word.len() == 4
        && word
            .parse::<i32>()
            .is_ok_and(|year| year < chrono::Datelike::year(&report))
}

/// The one statement a clause makes, read whole: "last seizure <time>" or "<freedom> <time>"
/// (or "<time> seizure free"), with nothing before it but `LAST_LEAD` / `FREE_LEAD` words and
/// nothing after its time but a `TAIL`.
fn statement(words: &[&str], report: NaiveDate) -> Option<Stated> {
    let at = |i: usize| words.get(i).copied().unwrap_or("");
    let last_at = (0..words.len())
        .find(|&i| matches!(at(i), "last" | "latest" | "recent" | "previous"))
        .filter(|&i| words[..i].iter().all(|w| LAST_LEAD.contains(w)));
    if let Some(i) = last_at {
        let qualified = words[i + 1..]
            .iter()
            .take_while(|w| !seizure(w))
            .copied()
            .collect::<Vec<_>>();
        if !qualified.iter().all(|w| LAST_QUALIFIERS.contains(w)) {
            return None;
        }
        let from = i + 1 + qualified.len() + 1;
        if !seizure(at(from - 1)) {
            return None;
        }
        return last_seizure(&words[from.min(words.len())..], report);
    }
    // "seizure free", "seizure-free", "no seizures", "nil seizures", "without seizures".
    let (lead, rest) = (0..words.len()).find_map(|i| {
        let free = seizure(at(i)) && matches!(at(i + 1), "free" | "freedom");
        let none = matches!(at(i), "no" | "nil" | "without") && seizure(at(i + 1));
        if free || none {
            Some((&words[..i], &words[i + 2..]))
        } else {
            None
        }
    })?;
    // "18 months seizure free": the time before the freedom.
    let (lead, rest): (&[&str], &[&str]) = match lead {
        [before @ .., count, unit]
            if number(count).is_some() && back(report, 1, unit).is_some() =>
        {
            if !tail_ok(rest) {
                return None;
            }
            (before, &lead[lead.len() - 2..])
        }
        _ => (lead, rest),
    };
    if !lead.iter().all(|w| FREE_LEAD.contains(w)) {
        return None;
    }
    freedom(rest, report)
}

/// "4 years ago", "over 2 years ago", ": March 2021", "on 14 March 2024", "3/2/2024".
fn last_seizure(rest: &[&str], report: NaiveDate) -> Option<Stated> {
    let rest: Vec<&str> = rest
        .iter()
        .copied()
        .skip_while(|w| {
            matches!(
                *w,
                "was" | "of" | "x" | "around" | "about" | "approximately"
            )
        })
        .collect();
    let (over, rest) = match rest.as_slice() {
        ["over" | "more" | "greater", more @ ..] => {
            (true, more.strip_prefix(&["than"]).unwrap_or(more))
        }
        rest => (false, rest),
    };
    if let [count, unit, "ago", tail @ ..] = rest {
        let count = number(count)?;
        let last = back(report, count, unit)?;
        if !tail_ok(tail) {
            return None;
        }
        if over {
            // A last seizure more than a time ago is dated by nothing: freedom only.
            return Some(Stated {
                seizure: None,
                free_from: last,
            });
        }
        let first =
            back(report, count.checked_add(1)?, unit)?.checked_add_signed(Duration::days(1))?;
        return Some(Stated {
            seizure: Some((first, last)),
            free_from: last,
        });
    }
    if over {
        return None;
    }
    let rest: Vec<&str> = rest
        .iter()
        .copied()
        .skip_while(|w| matches!(*w, "in" | "on" | "dated" | "date" | "since"))
        .collect();
    let (window, tail) = date_and_tail(&rest)?;
    tail_ok(tail).then_some(Stated {
        seizure: Some(window),
        free_from: window.1,
    })
}

/// "for 2 years", "for the past 2 years", "x 18 months", "since 2 years", "for over a year", "since 2019",
/// "since 3/2/2024", or the time alone.
fn freedom(rest: &[&str], report: NaiveDate) -> Option<Stated> {
    let rest: Vec<&str> = rest
        .iter()
        .copied()
        .skip_while(|w| {
            matches!(
                *w,
                "for"
                    | "x"
                    | "over"
                    | "more"
                    | "than"
                    | "at"
                    | "least"
                    | "in"
                    | "within"
                    | "the"
                    | "past"
                    | "last"
            )
        })
        .collect();
    let since = rest.first() == Some(&"since");
    let rest = if since { &rest[1..] } else { &rest[..] };
    if let [count, unit, tail @ ..] = rest
        && let Some(count) = number(count)
        && let Some(free_from) = back(report, count, unit)
    {
        return tail_ok(tail).then_some(Stated {
            seizure: None,
            free_from,
        });
    }
    // Freedom without "since" dates nothing ("seizure free 2019" is no statement of it).
    if !since {
        return None;
    }
    let (window, tail) = date_and_tail(rest)?;
    tail_ok(tail).then_some(Stated {
        seizure: None,
        free_from: window.1,
    })
}

/// The longest run of words from the start that names a date, and the words after it.
fn date_and_tail<'a, 'w>(words: &'a [&'w str]) -> Option<((NaiveDate, NaiveDate), &'a [&'w str])> {
    (1..=words.len().min(4)).rev().find_map(|n| {
        let window = match &words[..n] {
            [one] => numeric_date(one).or_else(|| date_words::window_of(one)),
            several => date_words::window_of(&several.join(" ")),
        }?;
        Some((window, &words[n..]))
    })
}

/// A numeric date ("3/2/2024", "03/02/24" is not read: a two-digit year is in doubt): the
/// days of both readings, day first and month first, as the first and last day it may be.
fn numeric_date(word: &str) -> Option<(NaiveDate, NaiveDate)> {
    let parts: Vec<&str> = word.split('/').collect();
    let [a, b, year] = parts.as_slice() else {
        return None;
    };
    if year.len() != 4 {
        return None;
    }
    let (a, b, year): (u32, u32, i32) = (a.parse().ok()?, b.parse().ok()?, year.parse().ok()?);
    let readings: Vec<NaiveDate> = [
        NaiveDate::from_ymd_opt(year, a, b),
        NaiveDate::from_ymd_opt(year, b, a),
    ]
    .into_iter()
    .flatten()
    .collect();
    Some((*readings.iter().min()?, *readings.iter().max()?))
}

/// The report's day less `count` of `unit`.
fn back(report: NaiveDate, count: u32, unit: &str) -> Option<NaiveDate> {
    match unit {
        "day" | "days" | "d" => report.checked_sub_signed(Duration::days(i64::from(count))),
        "week" | "weeks" | "wk" | "wks" => {
            report.checked_sub_signed(Duration::weeks(i64::from(count)))
        }
        "month" | "months" | "mo" | "mth" | "mths" => report.checked_sub_months(Months::new(count)),
        "year" | "years" | "yr" | "yrs" | "y" => {
            report.checked_sub_months(Months::new(count.checked_mul(12)?))
        }
        _ => None,
    }
}

/// A whole number above zero, in digits or a word ("a year ago" is one).
fn number(word: &str) -> Option<u32> {
    const WORDS: &[&str] = &[
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
    ];
    let n = match word {
        "a" | "an" => 1,
        "thirty" => 30,
        "forty" => 40,
        "fifty" => 50,
        word => match WORDS.iter().position(|w| *w == word) {
            Some(index) => u32::try_from(index + 1).ok()?,
            None => word.parse().ok()?,
        },
    };
    (n > 0).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn seizure(first: &str, last: &str) -> Stated {
        Stated {
            seizure: Some((day(first), day(last))),
            free_from: day(last),
        }
    }

    fn free_from(from: &str) -> Stated {
        Stated {
            seizure: None,
            free_from: day(from),
        }
    }

    #[test]
    fn a_time_since_the_last_seizure_is_a_window_at_its_own_precision() {
        let report = day("2025-05-10");
        let read = |words: &str| stated_in_words(words, report);
        assert_eq!(
            read("Last seizure 4 years ago"),
            Some(seizure("2020-05-11", "2021-05-10"))
        );
        assert_eq!(
            read("last seizure: March 2021"),
            Some(seizure("2021-03-01", "2021-03-31"))
        );
        assert_eq!(
            read("Most recent seizure on 14 March 2024"),
            Some(seizure("2024-03-14", "2024-03-14"))
        );
        for nothing in [
            "last seizure ago",
            "Weekly",
            "Seizure free",
            "Not seizure free since 2019",
            "Last seizure ?2019",
            "Seizure free for 2 years until last week",
            "Last seizure 2030",
            "2 seizures last week",
        ] {
            assert_eq!(read(nothing), None, "{nothing}");
        }
    }

    /// Freedom is a lower bound on the time without seizures up to the report: it dates no
    /// seizure, whether it is "for" a time or "since" a date.
    #[test]
    fn a_freedom_statement_gives_freedom_and_no_seizure() {
        let report = day("2025-05-10");
        let read = |words: &str| stated_in_words(words, report);
        assert_eq!(
            read("Seizure free since 2019"),
            Some(free_from("2019-12-31"))
        );
        assert_eq!(
            read("no seizures for 18 months"),
            Some(free_from("2023-11-10"))
        );
        assert_eq!(
            read("Nil seizures for 2 years"),
            Some(free_from("2023-05-10"))
        );
        assert_eq!(
            read("Seizure-free for 2 years, doing well"),
            Some(free_from("2023-05-10"))
        );
        assert_eq!(
            read("Had weekly seizures on levetiracetam. Seizure free for 2 years on lacosamide"),
            Some(free_from("2023-05-10"))
        );
        assert_eq!(
            read("Last seizure over 2 years ago"),
            Some(free_from("2023-05-10"))
        );
    }

    /// A clause stating seizures after a freedom undoes it, however the note is punctuated.
    #[test]
    fn a_later_clause_stating_seizures_wins_over_freedom() {
        let report = day("2026-11-01");
        for words in [
            "Seizure free for 2 years. Breakthrough seizures since September, 3 this month.",
            "Seizure free for 2 years, until last week",
            "Seizure free for 2 years; had 2 seizures last week",
            "Seizure free for 6 months, then 2 seizures last week",
            "Seizure free since 2023.\nRelapsed in October",
        ] {
            assert_eq!(stated_in_words(words, report), None, "{words}");
        }
    }

    /// Past, ended, hoped-for, required or conditional freedom is no freedom now.
    #[test]
    fn freedom_that_is_not_a_current_affirmed_report_is_not_read() {
        let report = day("2026-11-01");
        for words in [
            "Seizures recurred after being seizure free for 2 years",
            "Was seizure free for 2 years on carbamazepine in her twenties",
            "Had been seizure free for 3 years",
            "Hopes to be seizure free for 2 years",
            "DVLA: must be seizure free for 1 year to drive",
            "Goal: seizure free for 12 months",
            "Needs to be seizure free for 12 months before driving",
            "Seizure free for 2 years before driving",
            "Seizure free 2 years ago",
            "Never been seizure free",
            "If seizure free for 2 years, consider withdrawal",
        ] {
            assert_eq!(stated_in_words(words, report), None, "{words}");
        }
    }

    /// A relative's seizure, freedom from one type, or a last seizure of one type, is no
    /// statement of this patient's freedom from seizures of every type (ILAE 2010).
    #[test]
    fn a_relatives_seizure_or_freedom_from_one_type_is_not_read() {
        let report = day("2026-11-01");
        for words in [
            "Mother also has epilepsy, last seizure 3 years ago",
            "Brother: last seizure 2019",
            "Tonic-clonic seizure free since 2023. Focal impaired awareness seizures ongoing, several a week.",
            "Tonic-clonic seizure free since 2023",
            "No generalised seizures for 2 years",
            "No seizures for 2 years, frequent auras",
            "Frequent auras, no seizures for 2 years",
            "Last witnessed seizure 3 years ago",
            "Last generalised seizure March 2021",
            "No seizures for 2 years. Last focal seizure 3 months ago",
        ] {
            assert_eq!(stated_in_words(words, report), None, "{words}");
        }
    }

    /// The other usual ways of writing it: a numeric date (either reading), "since" a time,
    /// the time first, a qualifier that narrows nothing, number words.
    #[test]
    fn the_usual_ways_of_writing_a_last_seizure_or_freedom_are_read() {
        let report = day("2026-11-01");
        let read = |words: &str| stated_in_words(words, report);
        assert_eq!(
            read("Seizure free since 3/2/2024"),
            Some(free_from("2024-03-02"))
        );
        assert_eq!(
            read("Last seizure 3/2/2024"),
            Some(seizure("2024-02-03", "2024-03-02"))
        );
        assert_eq!(
            read("Seizure free since 2 years"),
            Some(free_from("2024-11-01"))
        );
        assert_eq!(
            read("18 months seizure free"),
            Some(free_from("2025-05-01"))
        );
        assert_eq!(
            read("Last known seizure 3 years ago"),
            Some(seizure("2022-11-02", "2023-11-01"))
        );
        assert_eq!(
            read("Seizure free for thirteen years"),
            Some(free_from("2013-11-01"))
        );
        assert_eq!(
            read("Seizure free for 2 years now"),
            Some(free_from("2024-11-01"))
        );
    }

    /// Dates written with the punctuation that ends a statement elsewhere: dotted (as much of
    /// Europe writes them: either reading, as a slashed date), with a comma before the year,
    /// and as FHIR and ISO write them (one day, never the year alone).
    #[test]
    fn dates_with_dots_commas_or_dashes_are_read_whole() {
        let report = day("2026-11-01");
        let read = |words: &str| stated_in_words(words, report);
        assert_eq!(
            read("Last seizure 12.03.2024"),
            Some(seizure("2024-03-12", "2024-12-03"))
        );
        assert_eq!(
            read("Seizure free since 3.2.2024."),
            Some(free_from("2024-03-02"))
        );
        assert_eq!(
            read("Last seizure March 3, 2024"),
            Some(seizure("2024-03-03", "2024-03-03"))
        );
        assert_eq!(
            read("Last seizure on 3rd March, 2024, at home"),
            Some(seizure("2024-03-03", "2024-03-03"))
        );
        assert_eq!(
            read("Last seizure 2024-03-12"),
            Some(seizure("2024-03-12", "2024-03-12"))
        );
        assert_eq!(
            read("Seizure free since 2024-03"),
            Some(free_from("2024-03-31"))
        );
        // A date with its time (FHIR's dateTime, or a time after a space) is that day.
        for words in [
            "Seizure free since 2024-03-12T14:30:00Z",
            "Seizure free since 2024-03-12T14:30:00.000+01:00.",
            "Seizure free since 2024-03-12 14:30",
            "Seizure free since 12.03.2024 14:30, on lacosamide",
        ] {
            assert!(
                read(words).is_some_and(|stated| stated.seizure.is_none()
                    && stated.free_from >= day("2024-03-12")
                    && stated.free_from <= day("2024-12-03")),
                "{words}"
            );
        }
        // Numbers that are no date keep splitting statements as before.
        assert_eq!(read("Last seizure 1.5 years ago"), None);
        assert_eq!(
            read("Seizures 3, 2024 review. Seizure free for 2 years"),
            Some(free_from("2024-11-01"))
        );
    }

    /// FINDING-1 (review 36): the word "seizure" used as a modifier, or seizures named in a
    /// plan, states no seizure: the freedom stands.
    #[test]
    fn a_seizure_word_that_states_no_event_leaves_the_freedom() {
        let report = day("2026-11-01");
        let read = |words: &str| stated_in_words(words, report);
        for words in [
            "Seizure free for 2 years. Seizure action plan reviewed.",
            "Seizure free for 2 years. Discussed SUDEP and seizure safety.",
            "Seizure free for 2 years, rescue medication for seizures not needed",
        ] {
            assert_eq!(read(words), Some(free_from("2024-11-01")), "{words}");
        }
        assert_eq!(
            read("Last seizure 3 years ago. Seizure diary reviewed."),
            Some(seizure("2022-11-02", "2023-11-01"))
        );
        for words in [
            "Seizure free for 2 years. Seizure diary shows 3 seizures in October",
            "Seizure free for 2 years. Seizures since September",
            "Seizure free for 2 years. Several seizures this month",
            "Seizure free for 2 years. Seizures ongoing",
        ] {
            assert_eq!(read(words), None, "{words}");
        }
    }

    /// FINDING-2 (review 36): a denied aura, absence or jerk confirms freedom of every type.
    #[test]
    fn a_denied_seizure_type_confirms_the_freedom() {
        let report = day("2026-11-01");
        let read = |words: &str| stated_in_words(words, report);
        for words in [
            "Seizure free for 2 years, no auras",
            "Seizure free for 2 years, no absences or myoclonic jerks",
            "Seizure free for 2 years. Denies any auras or jerks.",
        ] {
            assert_eq!(read(words), Some(free_from("2024-11-01")), "{words}");
        }
        for words in [
            "Seizure free for 2 years, no absences but myoclonic jerks",
            "Seizure free for 2 years, occasional auras",
        ] {
            assert_eq!(read(words), None, "{words}");
        }
    }

    /// FINDING-3 (review 36): a contrast word ends a freedom only when its clause states seizures.
    #[test]
    fn a_contrast_word_alone_does_not_end_the_freedom() {
        let report = day("2026-11-01");
        let read = |words: &str| stated_in_words(words, report);
        for words in [
            "Seizure free for 2 years, but reports low mood",
            "Seizure free for 2 years. Then review in 12 months.",
            "Seizure free for 2 years however sleeping poorly",
        ] {
            assert_eq!(read(words), Some(free_from("2024-11-01")), "{words}");
        }
        for words in [
            "Seizure free for 2 years but had 2 seizures in October",
            "Seizure free for 2 years, however seizures returned last month",
        ] {
            assert_eq!(read(words), None, "{words}");
        }
    }

    /// FINDING-4 (review 36): a relative who is a witness or a companion leaves the patient's
    /// freedom; only a relative who is the subject of seizure words puts it in doubt.
    #[test]
    fn a_relative_as_witness_or_companion_leaves_the_freedom() {
        let report = day("2026-11-01");
        let read = |words: &str| stated_in_words(words, report);
        for words in [
            "Seen with husband. Seizure free for 2 years.",
            "Seizure free for 2 years, mother confirms",
            "Seizure free for 2 years. Reviewed in clinic with her husband.",
        ] {
            assert_eq!(read(words), Some(free_from("2024-11-01")), "{words}");
        }
        for words in [
            "Mother has epilepsy. Last seizure 3 years ago",
            "Son seizure free for 2 years",
        ] {
            assert_eq!(read(words), None, "{words}");
        }
    }

    /// FINDING-5 (review 36): ordinary current wordings of freedom are read.
    #[test]
    fn ordinary_current_wordings_of_freedom_are_read() {
        let report = day("2026-11-01");
        let read = |words: &str| stated_in_words(words, report);
        for words in [
            "Has remained seizure free for 2 years",
            "Has stayed seizure free for 2 years",
            "Continues to be seizure free for 2 years",
            "Seizure free for 2 years on lacosamide 200 mg bd",
            "Seizure free for 2 years on lacosamide 200mg twice daily",
            "Seizure free for 2 years since starting lacosamide",
            "Seizure free for 2 years since lacosamide started",
        ] {
            assert_eq!(read(words), Some(free_from("2024-11-01")), "{words}");
        }
        for words in [
            "Seizure free for 2 years since starting lacosamide until last week",
            "Seizure free for 2 years on lacosamide in her twenties",
        ] {
            assert_eq!(read(words), None, "{words}");
        }
    }

    /// FINDING-6 (review 36): a "?" doubts only its own clause; "for the past N years" is read.
    #[test]
    fn a_question_mark_doubts_only_its_clause_and_the_past_n_years_is_read() {
        let report = day("2026-11-01");
        let read = |words: &str| stated_in_words(words, report);
        for words in [
            "Seizure free for 2 years. Plan: ?reduce dose",
            "Seizure free for the past 2 years",
            "Seizure free for the last 2 years",
            "No seizures in the past 2 years",
        ] {
            assert_eq!(read(words), Some(free_from("2024-11-01")), "{words}");
        }
        for words in [
            "Seizure free ?2 years",
            "Seizure free for 2 years. ?seizure last week",
        ] {
            assert_eq!(read(words), None, "{words}");
        }
    }

    /// CR-14: screening and interval reports that found no seizure date none; freedom for a
    /// stated time is read from the report back, never a seizure at its start.
    #[test]
    fn negative_screens_and_interval_reports_date_no_seizure() {
        let report = day("2026-11-01");
        let read = |words: &str| stated_in_words(words, report);
        for words in [
            "Screening for seizures: negative",
            "Screening for seizures negative",
            "Seizure screen negative",
            "No seizures since last visit",
            "No seizures since last review",
            "Nil seizures since last clinic",
            "Denies seizures since last visit",
            "Assessed for seizures: none",
            "No seizure activity reported",
        ] {
            assert!(
                read(words).is_none_or(|stated| stated.seizure.is_none()),
                "{words}: {:?}",
                read(words)
            );
        }
        for words in [
            "Seizure-free for 12 months",
            "Seizure free for 12 months",
            "No seizures for 12 months",
            "No seizures in the last 12 months",
            "Screening for seizures: negative. Seizure free for 12 months",
        ] {
            assert_eq!(read(words), Some(free_from("2025-11-01")), "{words}");
        }
    }
}
