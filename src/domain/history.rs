//! The audit log in words: each change a person (or an import) made to a patient's record, as
//! the sentence a colleague would write ("dr.lind added the task 'Book 3T MRI', due
//! 2026-12-12"), for the History tab. The raw rows stay in the log and one key away.

use std::fmt::Write as _;

use serde_json::Value;

use super::AuditEntry;
use super::way_forward::STEP_TITLES;

/// A text field of a JSON record, if present and not empty.
fn text<'v>(record: Option<&'v Value>, key: &str) -> Option<&'v str> {
    record?
        .get(key)?
        .as_str()
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// A field as it reads in a sentence: text as is, numbers and booleans as written.
fn field(record: Option<&Value>, key: &str) -> Option<String> {
    match record?.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A machine word as words ("in_progress" → "in progress").
fn words(machine: &str) -> String {
    machine.replace('_', " ")
}

/// Quoted, and cut to a length that fits a line ("Book 3T MRI…").
fn quoted(text: &str) -> String {
    const MAX: usize = 60;
    let first = text.lines().next().unwrap_or_default();
    let cut: String = first.chars().take(MAX).collect();
    if cut.chars().count() < text.chars().count() {
        format!("'{cut}…'")
    } else {
        format!("'{cut}'")
    }
}

fn changed(entry: &AuditEntry, key: &str) -> bool {
    let get = |v: Option<&Value>| v.and_then(|v| v.get(key)).cloned();
    entry.before.is_some() && get(entry.before.as_ref()) != get(entry.after.as_ref())
}

/// What one audit row says, as a sentence that starts with who did it.
pub fn sentence(entry: &AuditEntry) -> String {
    let who = entry.who.trim();
    let after = entry.after.as_ref();
    let action = entry.action.as_str();
    let (base, overwrite) = match action.strip_suffix(".overwrite") {
        Some(base) => (base, " (saved over a colleague's change)"),
        None => (action, ""),
    };
    let what = describe(entry, base, after);
    format!("{who} {what}{overwrite}")
}

fn describe(entry: &AuditEntry, action: &str, after: Option<&Value>) -> String {
    match action {
        "review.confirm" | "review.dismiss" => {
            let verb = if action == "review.confirm" {
                "confirmed"
            } else {
                "dismissed"
            };
            let mut out = format!("{verb} the flag");
            if let Some(status) = text(after, "status") {
                let _ = write!(out, " ({})", words(status));
            }
            if let Some(rationale) = text(after, "rationale") {
                let _ = write!(out, ": {}", quoted(rationale));
            }
            out
        }
        "note.add" => text(after, "text").map_or_else(
            || String::from("added a note"),
            |t| format!("added a note: {}", quoted(t)),
        ),
        "task.add" | "task.update" | "task.status" => {
            let task = text(after, "what").map(quoted).unwrap_or_default();
            let mut out = if action == "task.status" {
                let status = text(after, "status").map_or_else(|| String::from("changed"), words);
                return format!("marked the task {task} {status}");
            } else if action == "task.add" {
                format!("added the task {task}")
            } else {
                format!("changed the task {task}")
            };
            if let Some(owner) = text(after, "owner") {
                let _ = write!(out, " for {owner}");
            }
            if let Some(due) = text(after, "due") {
                let _ = write!(out, ", due {due}");
            }
            out
        }
        "checklist.tick" | "checklist.untick" => {
            let item = text(after, "text").map(quoted).unwrap_or_default();
            let mut out = if action == "checklist.tick" {
                format!("ticked {item}")
            } else {
                format!("unticked {item}")
            };
            if let Some(detail) = text(after, "detail") {
                let _ = write!(out, ": {}", quoted(detail));
            }
            out
        }
        "way_forward.step" | "way_forward.status" | "way_forward.due" => step(entry, after),
        "referral.add" => {
            let specialty = text(after, "specialty").unwrap_or("a specialty");
            match text(after, "to_whom") {
                Some(to) => format!("referred the patient to {specialty} ({to})"),
                None => format!("referred the patient to {specialty}"),
            }
        }
        "referral.update" => format!(
            "marked the referral to {} {}",
            text(after, "specialty").unwrap_or("a specialty"),
            text(after, "status").map_or_else(|| String::from("changed"), words)
        ),
        "option.add" | "option.update" => option(entry, action, after),
        "goal.add" => {
            let mut out = format!(
                "set the goal {}",
                text(after, "description").map(quoted).unwrap_or_default()
            );
            if let Some(due) = text(after, "due") {
                let _ = write!(out, ", by {due}");
            }
            out
        }
        "goal.update" => {
            let goal = text(after, "description").map(quoted).unwrap_or_default();
            match after
                .and_then(|a| a.get("achieved"))
                .and_then(Value::as_bool)
            {
                Some(true) => format!("marked the goal {goal} achieved"),
                Some(false) => format!("marked the goal {goal} not achieved"),
                None => format!("changed the goal {goal}"),
            }
        }
        "case.add" => String::from("put the patient on a meeting's agenda"),
        "case.remove" => String::from("took the patient off a meeting's agenda"),
        "case.move" => String::from("moved the patient's case on a meeting's agenda"),
        "case.question" => text(after, "question").map_or_else(
            || String::from("cleared the case's clinical question"),
            |q| format!("wrote the case's clinical question: {}", quoted(q)),
        ),
        "case.timebox" => field(after, "timebox_minutes").map_or_else(
            || String::from("changed the case's time box"),
            |m| format!("gave the case {m} minutes"),
        ),
        "case.outcome" => {
            let mut out = String::from("recorded the meeting's decision");
            if let Some(category) = text(after, "outcome_category") {
                let _ = write!(out, ": {}", super::OutcomeCategory::label_of(category));
            }
            if let Some(text) = text(after, "outcome_text") {
                let _ = write!(out, " — {}", quoted(text));
            }
            out
        }
        "case.plan_followed" => text(after, "plan_followed").map_or_else(
            || String::from("recorded whether the last plan was followed"),
            |p| format!("recorded whether the last plan was followed: {}", words(p)),
        ),
        "import.patient.update" => String::from("updated the record from an imported file"),
        "import.resource.add" => format!("imported {}", record_noun(&entry.entity)),
        "import.resource.update" => {
            format!("updated {} from an import", record_noun(&entry.entity))
        }
        // Entered in error, in a Bulk deleted-resources file, or left out of a whole record
        // replaced: the source no longer holds it, whichever way it said so.
        "import.resource.remove" => format!(
            "removed {} (the source no longer holds it)",
            record_noun(&entry.entity)
        ),
        other => format!("{} ({})", words(&other.replace('.', " ")), entry.entity),
    }
}

/// A table's rows as a noun phrase: "drug_exposures" → "a drug record".
fn record_noun(entity: &str) -> String {
    match entity {
        "conditions" => String::from("a diagnosis"),
        // The ledger of imported resources: a drug's Medication, a reading, a diagnosis…
        "fhir_resources" => String::from("an imported record"),
        "drug_exposures" => String::from("a drug record"),
        "observations" => String::from("an observation"),
        "procedures" => String::from("a procedure"),
        "treatment_lines" => String::from("a treatment line"),
        other => format!("a record ({})", words(other)),
    }
}

fn step(entry: &AuditEntry, after: Option<&Value>) -> String {
    let number = after
        .and_then(|a| a.get("step"))
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let title = usize::try_from(number)
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| STEP_TITLES.get(i))
        .map_or_else(
            || format!("step {number}"),
            |t| format!("step {number} ({t})"),
        );
    let mut parts = Vec::new();
    let new = entry.before.is_none();
    if new || changed(entry, "status") {
        let status = text(after, "status").map_or_else(|| String::from("changed"), words);
        let mut part = format!("marked {title} {status}");
        if let Some(reason) = text(after, "na_reason") {
            let _ = write!(part, ": {}", quoted(reason));
        }
        parts.push(part);
    }
    if changed(entry, "owner") || (new && text(after, "owner").is_some()) {
        parts.push(text(after, "owner").map_or_else(
            || format!("cleared the owner of {title}"),
            |o| format!("made {o} the owner of {title}"),
        ));
    }
    if changed(entry, "due") || (new && text(after, "due").is_some()) {
        parts.push(text(after, "due").map_or_else(
            || format!("cleared the due date of {title}"),
            |d| format!("set {title} due {d}"),
        ));
    }
    if changed(entry, "notes") {
        parts.push(format!("edited the notes of {title}"));
    }
    if parts.is_empty() {
        format!("changed {title}")
    } else {
        parts.join("; ")
    }
}

fn option(entry: &AuditEntry, action: &str, after: Option<&Value>) -> String {
    let name = text(after, "name").map(quoted).unwrap_or_default();
    if action == "option.add" {
        let kind = text(after, "kind").unwrap_or("option");
        return match text(after, "registry_id") {
            Some(id) => format!("added the clinical trial {id} {name} to the options"),
            None => format!(
                "put the {} {name} on the options board ({})",
                words(kind),
                text(after, "stance").unwrap_or("proposed")
            ),
        };
    }
    let mut parts = Vec::new();
    if changed(entry, "stance") {
        let mut part = format!(
            "set the team's stance on {name} to {}",
            text(after, "stance").unwrap_or("?")
        );
        if let Some(reason) = text(after, "stance_reason") {
            let _ = write!(part, ": {}", quoted(reason));
        }
        parts.push(part);
    }
    if changed(entry, "preference") {
        parts.push(format!(
            "recorded that the patient {} {name}",
            match text(after, "preference") {
                Some("wants") => "wants",
                Some("declines") => "declines",
                Some("undecided") => "is undecided about",
                _ => "has no known preference on",
            }
        ));
    }
    if changed(entry, "trial_status") {
        parts.push(format!(
            "moved the trial {name} to {}",
            text(after, "trial_status").map_or_else(|| String::from("?"), words)
        ));
    }
    if changed(entry, "notes") {
        parts.push(format!("edited the notes on {name}"));
    }
    if parts.is_empty() {
        format!("changed the option {name}")
    } else {
        parts.join("; ")
    }
}

/// What a masked screen shows in place of an identity field.
pub const MASKED: &str = "(masked)";

/// An audit row's JSON as a masked (shared) screen may show it: every field that names or
/// identifies a person (`family_name`, `mrn`, FHIR `name`, `birthDate`, `identifier`,
/// `telecom`, a reference's `display`, …) at any depth replaced by [`MASKED`], and the patient's
/// own name, MRN and birth date cut out of any other text (a rationale that quotes the MRN).
/// Keys rather than actions are matched, so that an audit action added later is masked too.
pub fn masked_json(value: &Value, who: &Identity<'_>) -> Value {
    match value {
        Value::Object(fields) => {
            let is_reference = fields.contains_key("reference");
            Value::Object(
                fields
                    .iter()
                    .map(|(key, field)| {
                        let hidden = is_identity_key(key) || (is_reference && key == "display");
                        let shown = if hidden {
                            Value::String(MASKED.to_owned())
                        } else {
                            masked_json(field, who)
                        };
                        (key.clone(), shown)
                    })
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(|i| masked_json(i, who)).collect()),
        Value::String(text) => Value::String(who.masked_text(text)),
        other => other.clone(),
    }
}

/// Whether a JSON key names or identifies the person (refract's columns and FHIR's fields),
/// spelled in any case with or without `_`.
fn is_identity_key(key: &str) -> bool {
    let plain: String = key
        .chars()
        .filter(|c| c.is_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    matches!(
        plain.as_str(),
        "name"
            | "names"
            | "namekey"
            | "familyname"
            | "givenname"
            | "family"
            | "given"
            | "patientname"
            | "maidenname"
            | "mothersmaidenname"
            | "mrn"
            | "mrnsystem"
            | "identifier"
            | "identifiers"
            | "birthdate"
            | "birth"
            | "dateofbirth"
            | "dob"
            | "telecom"
            | "phone"
            | "email"
            | "address"
            | "contact"
            | "photo"
            | "ssn"
    )
}

/// The identity of the patient on screen, cut out of free text on a masked screen.
#[derive(Debug, Clone, Copy, Default)]
pub struct Identity<'a> {
    pub mrn: &'a str,
    pub family_name: &'a str,
    pub given_name: &'a str,
    /// YYYY-MM-DD.
    pub birth_date: Option<chrono::NaiveDate>,
}

impl Identity<'_> {
    /// `text` with the patient cut out, every occurrence replaced by [`MASKED`]: the one masking
    /// of free text for every masked screen and for masked minutes.
    ///
    /// Cut, in any case: the whole given and family names, and each word of a name of three
    /// letters or more ("Mary" of "Mary Ann"); the MRN with any separators or none ("RF-001",
    /// "rf 001", "RF001"); the birth date in the spellings people type (1972-03-02, 02/03/1972,
    /// 3/2/1972, 02.03.1972, 2 March 1972, Mar 2, 1972, 2nd Mar 1972). Both day-month and
    /// month-day orders are cut: on a shared screen a date wrongly hidden costs nothing, one
    /// wrongly shown identifies. Names shorter than two letters are left: an initial would cut
    /// every word.
    pub fn masked_text(&self, text: &str) -> String {
        let mut shown = text.to_owned();
        let mut loose: Vec<String> = self.birth_date.map(date_spellings).unwrap_or_default();
        loose.push(alphanumeric_lowercase(self.mrn));
        // Longest first: "02031972" is cut whole before "231972" could cut part of it.
        loose.sort_by_key(|pattern| std::cmp::Reverse(pattern.chars().count()));
        loose.dedup();
        for pattern in loose.iter().filter(|p| p.chars().count() >= 2) {
            shown = replace_ignoring_separators(&shown, pattern);
        }
        let mut names: Vec<&str> = [self.family_name, self.given_name]
            .into_iter()
            .map(str::trim)
            .filter(|name| name.chars().count() >= 2)
            .collect();
        names.extend(
            [self.family_name, self.given_name]
                .into_iter()
                .flat_map(|name| name.split(|c: char| c.is_whitespace() || c == '-'))
                .filter(|word| word.chars().count() >= 3),
        );
        names.sort_by_key(|name| std::cmp::Reverse(name.chars().count()));
        for name in names {
            shown = replace_ignoring_case(&shown, name);
        }
        shown
    }
}

/// `text` lower-cased with everything but letters and digits left out.
fn alphanumeric_lowercase(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// A date's spellings as [`alphanumeric_lowercase`] leaves them: numeric in year-month-day,
/// day-month-year and month-day-year order (padded or not), and with the month's name or its
/// first three letters ("sept" too), the day before or after it, with or without "st"/"nd"/….
fn date_spellings(date: chrono::NaiveDate) -> Vec<String> {
    use chrono::Datelike;
    let (year, month, day) = (date.year(), date.month(), date.day());
    let mut spellings = Vec::new();
    for (d, m) in [
        (format!("{day:02}"), format!("{month:02}")),
        (day.to_string(), month.to_string()),
    ] {
        spellings.push(format!("{year}{m}{d}"));
        spellings.push(format!("{d}{m}{year}"));
        spellings.push(format!("{m}{d}{year}"));
    }
    let ordinal = match day {
        1 | 21 | 31 => "st",
        2 | 22 => "nd",
        3 | 23 => "rd",
        _ => "th",
    };
    let full = MONTHS
        .get(usize::try_from(month).unwrap_or(0).saturating_sub(1))
        .copied()
        .unwrap_or_default();
    let mut names = vec![full.to_owned(), full.chars().take(3).collect::<String>()];
    if month == 9 {
        names.push(String::from("sept"));
    }
    for name in &names {
        for d in [
            format!("{day:02}"),
            day.to_string(),
            format!("{day}{ordinal}"),
        ] {
            spellings.push(format!("{d}{name}{year}"));
            spellings.push(format!("{name}{d}{year}"));
        }
    }
    spellings
}

/// `text` with every run whose letters and digits, lower-cased, spell `pattern` (separators,
/// spaces and punctuation between them ignored) replaced by [`MASKED`].
fn replace_ignoring_separators(text: &str, pattern: &str) -> String {
    let wanted: Vec<char> = pattern.chars().collect();
    // Each letter or digit of `text`, lower-cased, with where it is.
    let kept: Vec<(char, usize, usize)> = text
        .char_indices()
        .filter(|(_, c)| c.is_alphanumeric())
        .map(|(at, c)| {
            let mut lower = c.to_lowercase();
            let first = lower.next().unwrap_or(c);
            // A letter lower-cased to several is compared as itself.
            let compared = if lower.next().is_some() { c } else { first };
            (compared, at, at + c.len_utf8())
        })
        .collect();
    if wanted.is_empty() || kept.len() < wanted.len() {
        return text.to_owned();
    }
    let mut spans = Vec::new();
    let mut index = 0;
    while index + wanted.len() <= kept.len() {
        let matches = kept
            .get(index..index + wanted.len())
            .is_some_and(|window| window.iter().map(|k| k.0).eq(wanted.iter().copied()));
        if matches {
            let start = kept.get(index).map_or(0, |k| k.1);
            let end = kept.get(index + wanted.len() - 1).map_or(0, |k| k.2);
            spans.push((start, end));
            index += wanted.len();
        } else {
            index += 1;
        }
    }
    let mut shown = String::with_capacity(text.len());
    let mut rest = 0;
    for (start, end) in spans {
        shown.push_str(text.get(rest..start).unwrap_or_default());
        shown.push_str(MASKED);
        rest = end;
    }
    shown.push_str(text.get(rest..).unwrap_or_default());
    shown
}

/// `text` with `part` (any case) replaced by [`MASKED`].
fn replace_ignoring_case(text: &str, part: &str) -> String {
    let lower_text = text.to_lowercase();
    let lower_part = part.to_lowercase();
    // Lower-casing can change byte lengths outside ASCII: then only exact matches are cut.
    let same_length = |s: &str| {
        s.chars()
            .all(|c| c.to_lowercase().map(char::len_utf8).sum::<usize>() == c.len_utf8())
    };
    if !same_length(text) || !same_length(part) {
        return text.replace(part, MASKED);
    }
    let mut shown = String::with_capacity(text.len());
    let mut rest = 0;
    for (at, _) in lower_text.match_indices(&lower_part) {
        if at < rest {
            continue;
        }
        shown.push_str(&text[rest..at]);
        shown.push_str(MASKED);
        rest = at + part.len();
    }
    shown.push_str(&text[rest..]);
    shown
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_masked_row_hides_identity_keys_at_any_depth_and_the_patients_identity_in_text() {
        let who = Identity {
            mrn: "MASK-0042",
            family_name: "Quist",
            given_name: "Wil",
            birth_date: chrono::NaiveDate::from_ymd_opt(1980, 2, 3),
        };
        let row = serde_json::json!({
            "family_name": "Quist-Berg", "mrn": "MASK-0042", "birthDate": "1980-02-03",
            "resource": {"identifier": [{"value": "X-1"}], "name": [{"family": "Other"}],
                         "subject": {"reference": "Patient/p1", "display": "Someone Else"}},
            "rationale": "seen with mask-0042 on 1980-02-03", "status": "in_progress"
        });
        let shown = masked_json(&row, &who).to_string();
        for hidden in [
            "Quist",
            "MASK-0042",
            "mask-0042",
            "1980-02-03",
            "X-1",
            "Other",
            "Someone",
        ] {
            assert!(!shown.contains(hidden), "{hidden} in {shown}");
        }
        assert!(shown.contains("in_progress"), "{shown}");
        assert!(shown.contains("Patient/p1"), "{shown}");
    }
    #[test]
    fn free_text_loses_the_patient_in_any_spelling() {
        let who = Identity {
            mrn: "RF-0000050",
            family_name: "Tetteh",
            given_name: "Elias Kofi",
            birth_date: chrono::NaiveDate::from_ymd_opt(1956, 12, 5),
        };
        for text in [
            "Mr TETTEH (rf-0000050)",
            "RF 0000050 / RF0000050",
            "born 1956-12-05, 05/12/1956, 12/5/1956, 5.12.1956",
            "DOB 5 December 1956, Dec 5, 1956, 5th Dec 1956",
            "Elias and Kofi",
        ] {
            let shown = who.masked_text(text);
            for hidden in ["etteh", "ETTEH", "0000050", "1956", "Elias", "Kofi"] {
                assert!(!shown.contains(hidden), "{hidden} in {shown}");
            }
        }
        assert_eq!(
            who.masked_text("review on 2026-12-05 with Dr Kofi"),
            "review on 2026-12-05 with Dr (masked)"
        );
    }

    use chrono::NaiveDate;
    use serde_json::json;

    fn entry(action: &str, before: Option<Value>, after: Value) -> AuditEntry {
        AuditEntry {
            id: 1,
            at: NaiveDate::from_ymd_opt(2026, 11, 27)
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap(),
            who: String::from("Dr X"),
            os_user: None,
            action: action.to_owned(),
            entity: String::from("tasks"),
            entity_id: Some(15),
            patient_id: None,
            before,
            after: Some(after),
        }
    }

    #[test]
    fn changes_read_as_sentences() {
        let task = entry(
            "task.add",
            None,
            json!({"due": "2026-12-12", "id": 15, "what": "Book 3T MRI", "owner": null}),
        );
        assert_eq!(
            sentence(&task),
            "Dr X added the task 'Book 3T MRI', due 2026-12-12"
        );
        let step = entry(
            "way_forward.step",
            Some(json!({"step": 1, "status": "todo", "owner": null})),
            json!({"step": 1, "status": "in_progress", "owner": "Dr Okafor"}),
        );
        assert_eq!(
            sentence(&step),
            "Dr X marked step 1 (Specialist care) in progress; made Dr Okafor the owner of step 1 (Specialist care)"
        );
        let option = entry(
            "option.update.overwrite",
            Some(json!({"name": "VNS", "preference": "unknown"})),
            json!({"name": "VNS", "preference": "wants"}),
        );
        assert_eq!(
            sentence(&option),
            "Dr X recorded that the patient wants 'VNS' (saved over a colleague's change)"
        );
    }
}
