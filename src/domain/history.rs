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

/// A text the team typed, as the sentence may show it: masked (when masking is on) while
/// still whole, before anything shortens it.
fn typed(record: Option<&Value>, key: &str, m: &Masking<'_>) -> Option<Shown> {
    text(record, key).map(|t| m.text(t))
}

/// Quoted, and cut to a length that fits a line ("Book 3T MRI…"). Takes text already masked
/// ([`Shown`]): a name cut in two by the shortening would no longer be found.
fn quoted(text: &Shown) -> String {
    const MAX: usize = 60;
    format!("'{}'", text.cut_to(MAX))
}

fn changed(entry: &AuditEntry, key: &str) -> bool {
    let get = |v: Option<&Value>| v.and_then(|v| v.get(key)).cloned();
    entry.before.is_some() && get(entry.before.as_ref()) != get(entry.after.as_ref())
}

/// What one audit row says, as a sentence that starts with who did it. With masking on, every
/// stored text it quotes or names is masked whole, before it is shortened to fit.
pub fn sentence(entry: &AuditEntry, m: &Masking<'_>) -> String {
    let who = m.text(entry.who.trim());
    let after = entry.after.as_ref();
    let action = entry.action.as_str();
    let (base, overwrite) = match action.strip_suffix(".overwrite") {
        Some(base) => (base, " (saved over a colleague's change)"),
        None => (action, ""),
    };
    let what = describe(entry, base, after, m);
    format!("{who} {what}{overwrite}")
}

fn describe(entry: &AuditEntry, action: &str, after: Option<&Value>, m: &Masking<'_>) -> String {
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
            if let Some(rationale) = typed(after, "rationale", m) {
                let _ = write!(out, ": {}", quoted(&rationale));
            }
            out
        }
        "note.add" => typed(after, "text", m).map_or_else(
            || String::from("added a note"),
            |t| format!("added a note: {}", quoted(&t)),
        ),
        "task.add" | "task.update" | "task.status" => {
            let task = typed(after, "what", m)
                .as_ref()
                .map(quoted)
                .unwrap_or_default();
            let mut out = if action == "task.status" {
                let status = text(after, "status").map_or_else(|| String::from("changed"), words);
                return format!("marked the task {task} {status}");
            } else if action == "task.add" {
                format!("added the task {task}")
            } else {
                format!("changed the task {task}")
            };
            if let Some(owner) = typed(after, "owner", m) {
                let _ = write!(out, " for {owner}");
            }
            if let Some(due) = typed(after, "due", m) {
                let _ = write!(out, ", due {due}");
            }
            out
        }
        "checklist.tick" | "checklist.untick" | "checklist.add" => {
            let item = typed(after, "text", m)
                .as_ref()
                .map(quoted)
                .unwrap_or_default();
            let mut out = if action == "checklist.add" {
                format!("added {item} to the checklist")
            } else if action == "checklist.tick" {
                format!("ticked {item}")
            } else {
                format!("unticked {item}")
            };
            if let Some(detail) = typed(after, "detail", m) {
                let _ = write!(out, ": {}", quoted(&detail));
            }
            out
        }
        "way_forward.step" | "way_forward.status" | "way_forward.due" => step(entry, after, m),
        "referral.add" => {
            let specialty = typed(after, "specialty", m)
                .map_or_else(|| String::from("a specialty"), Shown::into_string);
            match typed(after, "to_whom", m) {
                Some(to) => format!("referred the patient to {specialty} ({to})"),
                None => format!("referred the patient to {specialty}"),
            }
        }
        "referral.update" => format!(
            "marked the referral to {} {}",
            typed(after, "specialty", m)
                .map_or_else(|| String::from("a specialty"), Shown::into_string),
            text(after, "status").map_or_else(|| String::from("changed"), words)
        ),
        "option.add" | "option.update" => option(entry, action, after, m),
        "goal.add" => {
            let mut out = format!(
                "set the goal {}",
                typed(after, "description", m)
                    .as_ref()
                    .map(quoted)
                    .unwrap_or_default()
            );
            if let Some(due) = typed(after, "due", m) {
                let _ = write!(out, ", by {due}");
            }
            out
        }
        "goal.update" => {
            let goal = typed(after, "description", m)
                .as_ref()
                .map(quoted)
                .unwrap_or_default();
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
        "case.restore" => String::from("put the patient back on a meeting's agenda (an undo)"),
        "case.move" => String::from("moved the patient's case on a meeting's agenda"),
        "case.question" => typed(after, "question", m).map_or_else(
            || String::from("cleared the case's clinical question"),
            |q| format!("wrote the case's clinical question: {}", quoted(&q)),
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
            if let Some(text) = typed(after, "outcome_text", m) {
                let _ = write!(out, " — {}", quoted(&text));
            }
            out
        }
        "case.plan_followed" => text(after, "plan_followed").map_or_else(
            || String::from("recorded whether the last plan was followed"),
            |p| format!("recorded whether the last plan was followed: {}", words(p)),
        ),
        "import.patient.update" => String::from("updated the record from an imported file"),
        "import.patient.care_team" => typed(after, "care_team", m).map_or_else(
            || String::from("changed the care team from an imported file"),
            |team| {
                format!(
                    "set the care team to {} from an imported CareTeam",
                    quoted(&team)
                )
            },
        ),
        "import.patient.death_reports" => {
            String::from("updated which sources say the patient died, from an imported file")
        }
        "import.patient.death_not_taken" => format!(
            "kept the patient alive: {}'s record saying they died is older than its own record \
             saying they are alive",
            typed(after, "source", m).map_or_else(|| String::from("a source"), Shown::into_string)
        ),
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
        "import.resource.move" => String::from(
            "moved an imported record between two patients (the source's newer version names \
             the other one)",
        ),
        "import.kept_aside.attached" => format!(
            "attached records an earlier import had kept aside for this Patient id ({})",
            typed(after, "reason", m)
                .map_or_else(|| String::from("no reason given"), Shown::into_string)
        ),
        "import.kept_aside.held" => format!(
            "kept records aside from the Patient that came under their id ({})",
            typed(after, "reason", m)
                .map_or_else(|| String::from("no reason given"), Shown::into_string)
        ),
        "import.patient.claim_dropped" => format!(
            "dropped the claim another team's export made to a source's Patient id: the \
             source's own Patient is another person ({}); the records it carried stay here",
            typed(after, "reason", m)
                .map_or_else(|| String::from("no reason given"), Shown::into_string)
        ),
        "import.kept_aside.dropped" => {
            String::from("removed a copy kept aside: the same record arrived under its own source")
        }
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

fn step(entry: &AuditEntry, after: Option<&Value>, m: &Masking<'_>) -> String {
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
        if let Some(reason) = typed(after, "na_reason", m) {
            let _ = write!(part, ": {}", quoted(&reason));
        }
        parts.push(part);
    }
    if changed(entry, "owner") || (new && typed(after, "owner", m).is_some()) {
        parts.push(typed(after, "owner", m).map_or_else(
            || format!("cleared the owner of {title}"),
            |o| format!("made {o} the owner of {title}"),
        ));
    }
    if changed(entry, "due") || (new && typed(after, "due", m).is_some()) {
        parts.push(typed(after, "due", m).map_or_else(
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

fn option(entry: &AuditEntry, action: &str, after: Option<&Value>, m: &Masking<'_>) -> String {
    let name = typed(after, "name", m)
        .as_ref()
        .map(quoted)
        .unwrap_or_default();
    if action == "option.add" {
        let kind = text(after, "kind").unwrap_or("option");
        return match typed(after, "registry_id", m) {
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
        if let Some(reason) = typed(after, "stance_reason", m) {
            let _ = write!(part, ": {}", quoted(&reason));
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

/// Who a masked screen or masked minutes cut out of the text the team typed: every patient
/// whose record is in view (the patient on screen, every case on a meeting's agenda), not only
/// the one a text is about, since a text about one patient may name another (a relative on the
/// same agenda). Off on an unmasked screen and in identified minutes: text shown as typed.
#[derive(Debug, Clone, Default)]
pub struct Masking<'a> {
    /// `None`: masking is off.
    against: Option<Vec<Identity<'a>>>,
}

impl<'a> Masking<'a> {
    /// No masking: text shown as typed.
    pub fn off() -> Self {
        Masking { against: None }
    }

    /// Masking on, against these patients.
    pub fn against(identities: impl IntoIterator<Item = Identity<'a>>) -> Self {
        Masking {
            against: Some(identities.into_iter().collect()),
        }
    }

    /// [`Masking::against`] when `masked`, else [`Masking::off`].
    pub fn when(masked: bool, identities: impl IntoIterator<Item = Identity<'a>>) -> Self {
        if masked {
            Self::against(identities)
        } else {
            Self::off()
        }
    }

    /// Whether text is masked at all.
    pub fn is_on(&self) -> bool {
        self.against.is_some()
    }

    /// `text` as it may be shown: every patient masked against cut out in one pass
    /// ([`Identity::masked_text`]'s rules), so that a marker is never cut again.
    pub fn text(&self, text: &str) -> Shown {
        match &self.against {
            None => Shown(text.to_owned()),
            Some(identities) => Shown(replace_spans(
                text,
                identities
                    .iter()
                    .flat_map(|identity| identity.all_spans(text))
                    .collect(),
            )),
        }
    }
}

/// Text as the screen in hand may show it: masked when masking is on. Only this is ever
/// shortened ([`Shown::cut_to`]), so that masking always sees the whole text: a name, an MRN
/// or a birth date cut in two by a shortening ("told Mr Re…") no longer matches, and would show
/// its first letters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown(String);

impl Shown {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text, owned.
    pub fn into_string(self) -> String {
        self.0
    }

    /// Its first line in at most `max` characters, with "…" when cut; a [`MASKED`] marker the
    /// cut would split is left out whole ("(m…" reads as a typo, not as a cut name).
    #[must_use]
    pub fn cut_to(&self, max: usize) -> Shown {
        let first = self.0.lines().next().unwrap_or_default();
        let mut end = first
            .char_indices()
            .nth(max)
            .map_or(first.len(), |(at, _)| at);
        if let Some(split) = first
            .match_indices(MASKED)
            .map(|(at, _)| at)
            .find(|&at| at < end && end < at + MASKED.len())
        {
            end = split;
        }
        let cut = first.get(..end).unwrap_or_default();
        if cut.len() < self.0.len() {
            Shown(format!("{cut}…"))
        } else {
            Shown(cut.to_owned())
        }
    }
}

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The identity of the patient on screen, cut out of free text on a masked screen.
#[derive(Debug, Clone, Copy, Default)]
pub struct Identity<'a> {
    pub mrn: &'a str,
    pub family_name: &'a str,
    pub given_name: &'a str,
    /// YYYY-MM-DD.
    pub birth_date: Option<chrono::NaiveDate>,
    /// The other names and numbers the record holds for them, cut as theirs too.
    pub others: Option<&'a OtherIdentity>,
}

/// The names, numbers and birth dates a record holds for a patient besides the current ones:
/// every name a record of theirs held (a maiden name in `Patient.name`, a name an import
/// replaced), every identifier value they are known by (the number of a record an MPI merge
/// joined to theirs) and a birth date an import corrected. A masked screen cuts them as it
/// cuts the current ones: each identifies the person as well.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OtherIdentity {
    /// (family, given).
    pub names: Vec<(String, String)>,
    /// Identifier values they are known by, cut only where they look like one (see
    /// [`OTHER_IDENTIFIER_MIN_CHARS`]).
    pub numbers: Vec<String>,
    /// MRNs an import replaced: cut as the MRN shown is.
    pub former_mrns: Vec<String>,
    pub birth_dates: Vec<chrono::NaiveDate>,
}

/// The letters and digits from which another identifier value of the patient (not the MRN
/// shown, which is cut by its own rules) is cut from free text: a shorter one is cut only if it
/// mixes letters and digits ("A12"). Plain short numbers ("12") and short words are counts,
/// doses and abbreviations far more often than someone's number ("12 seizures"): refract's
/// choice, the shortest MRN [`SHORT_GROUPED_MRN_DIGITS`] treats as one.
pub const OTHER_IDENTIFIER_MIN_CHARS: usize = 4;

/// Whether another identifier value of the patient is cut (see [`OTHER_IDENTIFIER_MIN_CHARS`]).
fn looks_like_an_identifier(value: &str) -> bool {
    let value = alphanumeric_lowercase(value);
    let mixed = value.chars().any(|c| c.is_ascii_digit()) && value.chars().any(char::is_alphabetic);
    value.chars().count() >= OTHER_IDENTIFIER_MIN_CHARS || mixed
}

impl Identity<'_> {
    /// `text` with the patient cut out, every occurrence replaced by [`MASKED`]: the one masking
    /// of free text for every masked screen and for masked minutes.
    ///
    /// Cut, in any case and with accents, apostrophes and combining marks ignored ("Nunez" for
    /// "Núñez", "O’Brien" and "OBrien" for "O'Brien"): the whole given and family names, each
    /// part of a name between spaces and hyphens with its apostrophes left out ("OBrien"), and
    /// each word of a name of three letters or more ("Brien", "Mary" of "Mary Ann"); the MRN
    /// with any separators or none ("RF-001", "rf 001", "RF001"); the birth date in the
    /// spellings people type (1972-03-02, 02/03/1972, 3/2/1972, 02.03.1972, 2 March 1972,
    /// Mar 2, 1972, 2nd Mar 1972), with a two-digit year too (2/3/72, 02-03-72, 2 Mar 72,
    /// Mar 2 '72); the name run together or apart at its particles ("McDonald", "Mac Donald",
    /// "van der Berg", "Vanderberg"); and the given name's nicknames from
    /// `assets/nicknames.toml` ("Bob" for Robert) where they stand as a name (the table's rule:
    /// not "MEG", "ted stockings", "Cath lab"). A name that is a common English word (the
    /// table's `word_names`: "Down", "Rose") is cut only capitalised or in capitals, never in
    /// lower case ("walked down the corridor"). A family name followed by an eponym's word
    /// ("McDonald criteria") is left unless a title or the given name stands before it.
    /// Both day-month and month-day orders are cut:
    /// on a shared screen a date wrongly hidden costs nothing, one wrongly shown identifies.
    ///
    /// Only whole words are cut ("Lind" never cuts "Blind" or "Lindqvist"), and a date never
    /// starts or ends inside a run of digits (that is another day); an MRN with letters is cut
    /// wherever it stands, glued to other text too. Name words of one or two letters are left
    /// ("O", "de", "Al"): they are particles and common words, and cutting them everywhere
    /// would garble the text without hiding anyone; a whole name of two letters ("Li") is cut.
    /// An MRN of digits alone ("1000") is cut only as a number on its own, never as part of a
    /// longer number, a range, a ratio or a quantity ("1000 mg", "1,000 mg", "140/90",
    /// "120-140", "140 mmHg"), where cutting would change a dose or a reading, but with a check
    /// character, leading zeros, a letter or a label as [`numeric_token_spans`] says; one of
    /// four to six digits typed in groups by `SHORT_GROUPED_MRN_DIGITS`'s rule.
    /// Everything is found in the text as typed and replaced in one pass, so a marker is never
    /// cut again ("(masked)" for a patient named Masked).
    ///
    /// The patient's other names, MRNs and birth dates ([`Identity::others`]) are cut by the
    /// same rules, each name with the given name it was held with. Their other identifier values
    /// are cut as whole tokens only (a number as a number of its own, a value with letters
    /// with any separators but never inside a longer word or number), and only those that look
    /// like an identifier ([`OTHER_IDENTIFIER_MIN_CHARS`]): "12" never cuts "12 seizures".
    pub fn masked_text(&self, text: &str) -> String {
        replace_spans(text, self.all_spans(text))
    }

    /// Where in `text` this patient stands, under any name, number or birth date the record
    /// holds for them (see [`Identity::masked_text`]).
    fn all_spans(&self, text: &str) -> Vec<(usize, usize)> {
        let mut spans = self.spans(text);
        let Some(others) = self.others else {
            return spans;
        };
        for (family_name, given_name) in &others.names {
            let former = Identity {
                family_name,
                given_name,
                ..Identity::default()
            };
            spans.extend(former.spans(text));
        }
        for birth_date in &others.birth_dates {
            let former = Identity {
                birth_date: Some(*birth_date),
                ..Identity::default()
            };
            spans.extend(former.spans(text));
        }
        for mrn in &others.former_mrns {
            let former = Identity {
                mrn,
                ..Identity::default()
            };
            spans.extend(former.spans(text));
        }
        for number in others
            .numbers
            .iter()
            .filter(|n| looks_like_an_identifier(n))
        {
            let value = alphanumeric_lowercase(number);
            if value.chars().all(|c| c.is_ascii_digit()) {
                spans.extend(numeric_token_spans(text, &value));
            } else {
                spans.extend(spans_ignoring_separators(text, &value, Glued::Refused));
            }
        }
        spans
    }

    /// Where in `text` this one name, MRN and birth date stand (see [`Identity::masked_text`]).
    fn spans(&self, text: &str) -> Vec<(usize, usize)> {
        let mut spans: Vec<(usize, usize)> = Vec::new();
        let mut dates: Vec<String> = self.birth_date.map(date_spellings).unwrap_or_default();
        dates.sort();
        dates.dedup();
        for date in &dates {
            spans.extend(spans_ignoring_separators(text, date, Glued::Refused));
        }
        if let Some(birth_date) = self.birth_date {
            spans.extend(two_digit_year_date_spans(text, birth_date));
        }
        let mrn = alphanumeric_lowercase(self.mrn);
        if mrn.is_empty() {
            // No number: nothing to cut.
        } else if mrn.chars().all(|c| c.is_ascii_digit()) {
            spans.extend(numeric_token_spans(text, &mrn));
            spans.extend(stored_spelling_spans(text, self.mrn.trim()));
            // A long number (an NHS number, most hospitals' MRNs) is typed in groups as often
            // as whole ("943 476 5919", "943-476-5919") and spells no dose: cut however
            // grouped, never inside a longer run of digits.
            if mrn.chars().count() >= GROUPED_MRN_DIGITS {
                spans.extend(spans_ignoring_separators(text, &mrn, Glued::Refused));
            } else if mrn.chars().count() >= SHORT_GROUPED_MRN_DIGITS {
                spans.extend(grouped_number_spans(text, &mrn));
            }
        } else if mrn.chars().count() >= 2 {
            // An MRN with letters spells no word or dose: it is cut even glued to other text
            // ("mrnRF0000050x"), since one shown identifies.
            spans.extend(spans_ignoring_separators(text, &mrn, Glued::Cut));
        }
        let units = name_units(text);
        let found = |patterns: Vec<Vec<String>>| -> Vec<(usize, usize)> {
            patterns
                .iter()
                .flat_map(|name| whole_word_spans(&units, name))
                .collect()
        };
        let family_spans = found(name_patterns(self.family_name, ""));
        let mut given_spans = found(name_patterns("", self.given_name));
        // A name that is a common word ("Down", "Rose") is the word when typed in lower case
        // ("walked down the corridor"): a name is capitalised.
        let a_typed_word = |&(start, end): &(usize, usize)| {
            let written = text.get(start..end).unwrap_or_default();
            letter_case(written) == LetterCase::Lower
                && written
                    .split(|c: char| c.is_whitespace() || is_hyphen(c))
                    .filter(|word| !word.is_empty())
                    .all(|word| super::nicknames::NICKNAMES.is_word_name(&folded(word)))
        };
        let family_spans: Vec<(usize, usize)> = family_spans
            .into_iter()
            .filter(|span| !a_typed_word(span))
            .collect();
        given_spans.retain(|span| !a_typed_word(span));
        for nickname in nicknames_of(self.given_name) {
            let found = whole_word_spans(&units, std::slice::from_ref(&nickname.folded));
            given_spans.extend(found.into_iter().filter(|&span| {
                nickname_stands_as_a_name(text, span, nickname.kind, &family_spans)
            }));
        }
        spans.extend(family_spans.iter().copied().filter(|&span| {
            !names_an_eponym(text, span)
                || after_a_title(text, span.0)
                || next_to(text, span, &given_spans)
        }));
        spans.extend(given_spans);
        spans
    }
}

/// The digits from which an MRN of digits alone is cut however it is grouped: shorter numbers
/// are too often a dose or a count to cut but as a number of their own.
const GROUPED_MRN_DIGITS: usize = 7;

/// The digits from which a shorter MRN of digits alone (4 to 6) is cut typed in groups too
/// ("12 34 56", "123-456", "12.34.56", "12/34/56" for 123456), by [`grouped_number_spans`]'s
/// stricter rule: the groups are whole numbers of their own joined by spaces, one hyphen, one
/// dot or one slash; they join to exactly the MRN and are not part of a longer grouped number
/// ("9 12 34 56"); two groups joined by a dot are a decimal ("12.34", a reading) and stay;
/// groups followed by a unit ("123 456 mg", "12 34 56 x10^9/L") or by a day or month word, or
/// after a month's name, read as a quantity or a date and stay; groups after a lab or
/// vital-sign word ("creat 12 34 56", "Hb 123 456", [`VALUE_WORDS`]) are a value and stay.
/// Two groups of two digits ("45 21", "45-21", "77-88 range") are a range or a pair of values
/// and never a four-digit MRN: refract's choice, the narrowest that still cuts every grouping
/// of five and six digits and a four-digit MRN typed otherwise ("4 521"). After an identifier
/// label ([`after_an_identifier_label`]: "MRN 45 21", "ID 45/21") every grouping is cut, pairs,
/// decimals, slashes and values alike: there the number is the identifier. Slashes join three
/// groups or more only ("123/456" is a ratio), all slashes, and not when the groups make a
/// calendar date ("12/03/56" is a day, whoever's; the patient's birth date is cut as a date).
/// Shorter MRNs (1 to 3 digits) in groups are two small numbers, not an identifier.
const SHORT_GROUPED_MRN_DIGITS: usize = 4;

/// Particles of names ("van der Berg", "De La Cruz", "Mac Donald", "O'Brien"): never cut as a
/// word of their own when another part of the name follows them, since alone they are common
/// words of many languages ("de", "la", "van"); the whole name is cut even when it is one of
/// them (a family name "Le", a given name "Van").
const NAME_PARTICLES: [&str; 18] = [
    "mac", "mc", "o", "van", "von", "de", "der", "den", "del", "des", "di", "da", "du", "le", "la",
    "st", "ten", "ter",
];

/// Particles a stored name may start with, glued ("MacDonald", "Vanderberg", "Delacruz"), split
/// off so that the name typed apart ("Mac Donald", "van der Berg") is cut too. Only where three
/// letters or more are left after it, and never a bare "o" (an O' name has its apostrophe, and
/// "Oliver" is no O' name).
const GLUED_PARTICLES: [&str; 14] = [
    "mac", "mc", "van", "von", "der", "den", "de", "del", "di", "da", "du", "le", "la", "st",
];

/// The most ways of joining or splitting a name's segments tried; a longer name (more than
/// seven segments) is looked for as stored, all apart and all together only.
const MOST_SPLIT_SEGMENTS: usize = 7;

/// The most ways of splitting a name's particles off tried (a name of many words each starting
/// with a particle would otherwise multiply them).
const MOST_SEGMENTATIONS: usize = 32;

/// The patient's names as runs of folded words to find whole in text: each whole name of two
/// letters or more in every joining of its segments (its words between spaces, hyphens and
/// apostrophes, and a particle glued at a word's start): "Mac Donald", "MacDonald", "Mc Donald"
/// and "McDonald" for any of them stored, "Vanderberg" and "van der Berg"; each part between
/// spaces and hyphens with its apostrophes left out ("obrien") of three letters or more; and
/// each word between spaces, hyphens and apostrophes ("brien") of three or more, but a particle
/// before another part of the name ("van" of "van der Berg") never alone.
fn name_patterns(family_name: &str, given_name: &str) -> Vec<Vec<String>> {
    let letters = |words: &[String]| words.iter().map(|w| w.chars().count()).sum::<usize>();
    let mut patterns: Vec<Vec<String>> = Vec::new();
    for name in [family_name, given_name] {
        for variant in name_variants(name) {
            if letters(&variant) >= 2 {
                patterns.push(variant);
            }
        }
        let parts: Vec<&str> = name
            .split(|c: char| c.is_whitespace() || is_hyphen(c))
            .filter(|part| !part.trim().is_empty())
            .collect();
        for (index, part) in parts.iter().enumerate() {
            let more_follows = index + 1 < parts.len();
            let alone = |word: &str| {
                word.chars().count() >= 3 && !(more_follows && NAME_PARTICLES.contains(&word))
            };
            let joined = folded(part);
            if alone(&joined) {
                patterns.push(vec![joined]);
            }
            let words: Vec<String> = part.split(is_apostrophe).map(folded).collect();
            for (number, word) in words.iter().enumerate() {
                // "O" of "O'Brien" is followed by the rest of its part.
                let followed = more_follows || number + 1 < words.len();
                if word.chars().count() >= 3
                    && !(followed && NAME_PARTICLES.contains(&word.as_str()))
                {
                    patterns.push(vec![word.clone()]);
                }
            }
        }
    }
    patterns.retain(|words| !words.is_empty() && words.iter().all(|w| !w.is_empty()));
    patterns.sort();
    patterns.dedup();
    patterns
}

/// A whole name in every joining of its segments, Mac and Mc taken as one particle.
fn name_variants(name: &str) -> Vec<Vec<String>> {
    let words: Vec<String> = name
        .split(|c: char| c.is_whitespace() || is_hyphen(c) || is_apostrophe(c))
        .map(folded)
        .filter(|word| !word.is_empty())
        .collect();
    let mut segmentations: Vec<Vec<String>> = vec![Vec::new()];
    for word in &words {
        let splits = particle_splits(word);
        segmentations = segmentations
            .iter()
            .flat_map(|before| {
                splits
                    .iter()
                    .map(move |split| [before.clone(), split.clone()].concat())
            })
            .take(MOST_SEGMENTATIONS)
            .collect();
    }
    let swapped: Vec<Vec<String>> = segmentations
        .iter()
        .filter(|segments| segments.iter().any(|s| s == "mac" || s == "mc"))
        .map(|segments| {
            segments
                .iter()
                .map(|segment| match segment.as_str() {
                    "mac" => String::from("mc"),
                    "mc" => String::from("mac"),
                    _ => segment.clone(),
                })
                .collect()
        })
        .collect();
    segmentations.extend(swapped);
    let mut variants = Vec::new();
    for segments in segmentations {
        let boundaries = segments.len().saturating_sub(1);
        let joinings: Vec<u32> = if boundaries < MOST_SPLIT_SEGMENTS {
            (0..1_u32 << boundaries).collect()
        } else {
            vec![0, u32::MAX]
        };
        for joining in joinings {
            let mut variant: Vec<String> = Vec::new();
            for (index, segment) in segments.iter().enumerate() {
                let joined_to_previous = index > 0
                    && u32::try_from(index - 1)
                        .ok()
                        .and_then(|bit| joining.checked_shr(bit))
                        .is_some_and(|bits| bits & 1 == 1);
                match variant.last_mut() {
                    Some(last) if joined_to_previous => last.push_str(segment),
                    _ => variant.push(segment.clone()),
                }
            }
            variants.push(variant);
        }
    }
    variants
}

/// A folded word as stored and split after each glued particle at its start ("vanderberg":
/// itself, "van derberg", "van der berg").
fn particle_splits(word: &str) -> Vec<Vec<String>> {
    let mut splits = vec![vec![word.to_owned()]];
    for particle in GLUED_PARTICLES {
        if let Some(rest) = word.strip_prefix(particle)
            && rest.chars().count() >= 3
        {
            for tail in particle_splits(rest) {
                splits.push([vec![particle.to_owned()], tail].concat());
            }
        }
    }
    splits
}

/// The nicknames of each word of the patient's given name ("Bob" and "Jim" for Robert James),
/// from the shipped table.
fn nicknames_of(given_name: &str) -> Vec<super::nicknames::Nickname> {
    let mut nicknames: Vec<super::nicknames::Nickname> = given_name
        .split(|c: char| c.is_whitespace() || is_hyphen(c))
        .flat_map(|word| {
            super::nicknames::NICKNAMES
                .of(&folded(word))
                .iter()
                .cloned()
        })
        .collect();
    nicknames.sort_by(|a, b| a.folded.cmp(&b.folded));
    nicknames.dedup();
    nicknames
}

/// Titles before a name ("Mr Smith", "Dr. Sam"), folded, without their dot.
const TITLES: [&str; 7] = ["mr", "mrs", "ms", "miss", "mx", "dr", "prof"];

/// Words after a family name that make it an eponym, not the patient ("McDonald criteria",
/// "Parkinson's disease", "Graves disease", "Glasgow score"): refract's choice is to show the
/// eponym unless a title or the patient's given name or nickname stands before it ("Mr
/// McDonald test results"), since diagnostic criteria named like the patient are read at the
/// meeting and an eponym names no patient.
const EPONYM_WORDS: [&str; 26] = [
    "criteria",
    "criterion",
    "sign",
    "signs",
    "syndrome",
    "disease",
    "test",
    "score",
    "scale",
    "classification",
    "staging",
    "grade",
    "phenomenon",
    "reflex",
    "manoeuvre",
    "maneuver",
    "procedure",
    "operation",
    "index",
    "triad",
    "palsy",
    "lymphoma",
    "tumour",
    "tumor",
    "ulcer",
    "fracture",
];

/// How the letters of a typed word are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LetterCase {
    /// "will".
    Lower,
    /// "Will", "McDonald".
    Capitalised,
    /// "WILL", two letters or more all capitals.
    Capitals,
}

fn letter_case(written: &str) -> LetterCase {
    let letters: Vec<char> = written.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.len() >= 2 && letters.iter().all(|c| c.is_uppercase()) {
        LetterCase::Capitals
    } else if letters.first().is_some_and(|c| c.is_uppercase()) {
        LetterCase::Capitalised
    } else {
        LetterCase::Lower
    }
}

/// A nickname in capitals this long or shorter is an abbreviation ("MEG", "TED", "GENE"),
/// unless it stands where a name stands.
const LONGEST_ABBREVIATION: usize = 4;

/// Whether a nickname found at `span` stands as the patient's name, by the rule written in
/// `assets/nicknames.toml`: next to the patient's family name or after a title always
/// (capitalised or in capitals); otherwise by what else the word is.
fn nickname_stands_as_a_name(
    text: &str,
    span: (usize, usize),
    kind: super::nicknames::NicknameKind,
    family_spans: &[(usize, usize)],
) -> bool {
    use super::nicknames::NicknameKind;
    let written = text.get(span.0..span.1).unwrap_or_default();
    let case = letter_case(written);
    if case != LetterCase::Lower
        && (after_a_title(text, span.0) || next_to(text, span, family_spans))
    {
        return true;
    }
    match (kind, case) {
        (NicknameKind::Name, LetterCase::Lower | LetterCase::Capitalised) => true,
        (NicknameKind::Name, LetterCase::Capitals) => {
            written.chars().filter(|c| c.is_alphabetic()).count() > LONGEST_ABBREVIATION
        }
        (NicknameKind::Word, LetterCase::Capitalised) => !at_a_sentence_start(text, span.0),
        (NicknameKind::ClinicalWord, LetterCase::Capitalised) => {
            !beside_a_clinical_companion(text, span)
        }
        _ => false,
    }
}

/// Whether the word at `span` has one of the nickname table's clinical companion words just
/// before or after it, with only spaces or one hyphen between ("Cath lab", "Cath-lab",
/// "cardiac Cath").
fn beside_a_clinical_companion(text: &str, span: (usize, usize)) -> bool {
    let is_gap = |gap: &str| {
        !gap.is_empty()
            && gap.chars().all(|c| c.is_whitespace() || is_hyphen(c))
            && gap.chars().filter(|&c| is_hyphen(c)).count() <= 1
    };
    let after = text.get(span.1..).unwrap_or_default();
    let after_word = after.trim_start_matches(|c: char| c.is_whitespace() || is_hyphen(c));
    let gap_after = after
        .get(..after.len() - after_word.len())
        .unwrap_or_default();
    let next: String = after_word
        .chars()
        .take_while(|c| c.is_alphabetic())
        .flat_map(char::to_lowercase)
        .collect();
    let before = text.get(..span.0).unwrap_or_default();
    let before_word = before.trim_end_matches(|c: char| c.is_whitespace() || is_hyphen(c));
    let gap_before = before.get(before_word.len()..).unwrap_or_default();
    let previous: String = before_word
        .chars()
        .rev()
        .take_while(|c| c.is_alphabetic())
        .collect::<Vec<char>>()
        .into_iter()
        .rev()
        .flat_map(char::to_lowercase)
        .collect();
    let companion = |word: &str| super::nicknames::NICKNAMES.is_clinical_companion(word);
    (is_gap(gap_after) && companion(&next)) || (is_gap(gap_before) && companion(&previous))
}

/// Whether the word starting at byte `start` follows a title ("Mr", "Dr.", "MRS").
fn after_a_title(text: &str, start: usize) -> bool {
    let before = text
        .get(..start)
        .unwrap_or_default()
        .trim_end()
        .trim_end_matches('.');
    let word: String = before
        .chars()
        .rev()
        .take_while(|c| c.is_alphabetic())
        .collect::<Vec<char>>()
        .into_iter()
        .rev()
        .flat_map(char::to_lowercase)
        .collect();
    TITLES.contains(&word.as_str())
}

/// Whether `span` has another of `others` just before or after it, with only spaces or one
/// comma between ("Cath Dean", "Dean, Cath").
fn next_to(text: &str, span: (usize, usize), others: &[(usize, usize)]) -> bool {
    let only_a_gap = |from: usize, to: usize| {
        from < to
            && text.get(from..to).is_some_and(|gap| {
                gap.chars().all(|c| c.is_whitespace() || c == ',')
                    && gap.chars().filter(|&c| c == ',').count() <= 1
            })
    };
    others
        .iter()
        .any(|&(start, end)| only_a_gap(span.1, start) || only_a_gap(end, span.0))
}

/// Whether the word starting at byte `start` starts a sentence: the text's start, a new line,
/// or after `.`, `!` or `?` (quotes, brackets and list marks between). Not after `;` or `:`:
/// a list of names ("seen: Bob; Sue") is typed so, and a name wrongly shown identifies.
fn at_a_sentence_start(text: &str, start: usize) -> bool {
    for c in text.get(..start).unwrap_or_default().chars().rev() {
        match c {
            '\n' | '\r' | '.' | '!' | '?' => return true,
            '"' | '\'' | '(' | '[' | '{' | '\u{201C}' | '\u{2018}' | '*' | '\u{2022}' => {}
            c if c.is_whitespace() || is_hyphen(c) => {}
            _ => return false,
        }
    }
    true
}

/// Whether the family name found at `span` is the start of an eponym: followed, after an
/// optional possessive, by one of [`EPONYM_WORDS`].
fn names_an_eponym(text: &str, span: (usize, usize)) -> bool {
    let mut after = text.get(span.1..).unwrap_or_default();
    if let Some(rest) = after.strip_prefix(is_apostrophe) {
        after = rest.strip_prefix(['s', 'S']).unwrap_or(rest);
    }
    if !after.starts_with(char::is_whitespace) {
        return false;
    }
    let word: String = after
        .trim_start()
        .chars()
        .take_while(|c| c.is_alphabetic())
        .flat_map(char::to_lowercase)
        .collect();
    EPONYM_WORDS.contains(&word.as_str())
}

/// What a character of typed text is to a name: part of a word, an apostrophe inside one, an
/// accent typed on its own (part of the letter before it), or something between words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NameUnitKind {
    Letter,
    Apostrophe,
    Accent,
    Space,
    Other,
}

/// One character of typed text: its kind, its folded spelling (empty unless a letter or digit)
/// and where it is.
struct NameUnit {
    kind: NameUnitKind,
    folded: String,
    start: usize,
    end: usize,
}

fn name_units(text: &str) -> Vec<NameUnit> {
    text.char_indices()
        .map(|(start, c)| {
            let kind = if c.is_alphanumeric() {
                NameUnitKind::Letter
            } else if is_apostrophe(c) {
                NameUnitKind::Apostrophe
            } else if is_accent(c) {
                NameUnitKind::Accent
            } else if c.is_whitespace() || is_hyphen(c) {
                NameUnitKind::Space
            } else {
                NameUnitKind::Other
            };
            let folded = if kind == NameUnitKind::Letter {
                folded(&c.to_string())
            } else {
                String::new()
            };
            NameUnit {
                kind,
                folded,
                start,
                end: start + c.len_utf8(),
            }
        })
        .collect()
}

/// Where the words of `pattern` stand in order as whole words, with only spaces and hyphens
/// between them: a word's letters may have apostrophes and accents between them and accents
/// after them, and neither end may touch another letter or digit.
fn whole_word_spans(units: &[NameUnit], pattern: &[String]) -> Vec<(usize, usize)> {
    let is_letter = |index: usize| {
        units
            .get(index)
            .is_some_and(|u| u.kind == NameUnitKind::Letter)
    };
    let mut spans = Vec::new();
    for first in 0..units.len() {
        if !is_letter(first) {
            continue;
        }
        let before = units
            .get(..first)
            .unwrap_or_default()
            .iter()
            .rev()
            .find(|u| u.kind != NameUnitKind::Accent);
        if before.is_some_and(|u| u.kind == NameUnitKind::Letter) {
            continue;
        }
        if let Some(after) = match_words(units, first, pattern) {
            let end = units.get(after - 1).map_or(0, |u| u.end);
            let start = units.get(first).map_or(0, |u| u.start);
            spans.push((start, end));
        }
    }
    spans
}

/// The index just past `pattern` matched from `first` (accents after the last letter taken in),
/// if it matches there and ends at a word's end.
fn match_words(units: &[NameUnit], first: usize, pattern: &[String]) -> Option<usize> {
    let mut at = first;
    for (number, word) in pattern.iter().enumerate() {
        if number > 0 {
            let gap_start = at;
            while units.get(at).is_some_and(|u| u.kind == NameUnitKind::Space) {
                at += 1;
            }
            if at == gap_start {
                return None;
            }
        }
        let mut wanted = word.as_str();
        let mut started = false;
        while !wanted.is_empty() {
            let unit = units.get(at)?;
            match unit.kind {
                NameUnitKind::Letter => {
                    wanted = wanted.strip_prefix(unit.folded.as_str())?;
                    started = true;
                }
                NameUnitKind::Apostrophe | NameUnitKind::Accent if started => {}
                _ => return None,
            }
            at += 1;
        }
        while units
            .get(at)
            .is_some_and(|u| u.kind == NameUnitKind::Accent)
        {
            at += 1;
        }
    }
    let touches_a_letter = units
        .get(at)
        .is_some_and(|u| u.kind == NameUnitKind::Letter);
    (!touches_a_letter).then_some(at)
}

/// Apostrophes as keyboards and word processors type them.
fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '`' | '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{02BC}' | '\u{02BB}' | '\u{2032}'
    )
}

fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}')
}

/// An accent typed as a character of its own: a combining mark after its letter, or a
/// spacing accent ("Jose´").
fn is_accent(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036F}'
            | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{FE20}'..='\u{FE2F}'
            | '\u{00B4}'
            | '\u{00A8}'
            | '\u{00AF}'
            | '\u{00B8}'
            | '\u{02C6}'..='\u{02DF}'
            | '^'
            | '~'
    )
}

/// `text` lower-cased with its letters and digits kept and Latin accents taken off ("Núñez" is
/// "nunez", "Straße" "strasse"). A table of Latin letters rather than Unicode decomposition:
/// names in this country's records are Latin-script, and it needs no new dependency.
pub(crate) fn folded(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a".to_owned(),
            'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c".to_owned(),
            'ď' | 'đ' | 'ð' => "d".to_owned(),
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e".to_owned(),
            'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g".to_owned(),
            'ĥ' | 'ħ' => "h".to_owned(),
            'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i".to_owned(),
            'ĵ' => "j".to_owned(),
            'ķ' => "k".to_owned(),
            'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l".to_owned(),
            'ñ' | 'ń' | 'ņ' | 'ň' => "n".to_owned(),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o".to_owned(),
            'ŕ' | 'ŗ' | 'ř' => "r".to_owned(),
            'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s".to_owned(),
            'ţ' | 'ť' | 'ŧ' | 'ț' => "t".to_owned(),
            'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u".to_owned(),
            'ŵ' => "w".to_owned(),
            'ý' | 'ÿ' | 'ŷ' => "y".to_owned(),
            'ź' | 'ż' | 'ž' => "z".to_owned(),
            'ß' => "ss".to_owned(),
            'æ' => "ae".to_owned(),
            'œ' => "oe".to_owned(),
            'þ' => "th".to_owned(),
            other => other.to_string(),
        })
        .collect()
}

/// Where a number spelling `digits` stands on its own in `text`: not inside a longer number
/// ("2021000", "1,000", "1000.5"), not glued to letters ("1000mg", "x1000"), not one end of a
/// range or ratio ("120-140", "140/90") and not a quantity or a date ("1000 mg", "140 mmHg",
/// "12 March"), so a dose or a reading is never taken for a numeric MRN. An MRN of four digits
/// or more is also cut as hospitals print and people type it inside a longer token: after
/// leading zeros ("0123456"), after one letter ("A123456", the letter cut with it), glued to an
/// identifier label ("MRN123456", the label left), and with one check character after it,
/// glued ("123456A") or after one `-` or `/` ("884512-3", "884512/3"). A check digit after a
/// separator needs [`CHECKED_MRN_DIGITS`]: a shorter number so written is as likely a range.
fn numeric_token_spans(text: &str, digits: &str) -> Vec<(usize, usize)> {
    let long_enough = digits.len() >= SHORT_GROUPED_MRN_DIGITS;
    digit_runs(text)
        .into_iter()
        .filter_map(|(start, end)| {
            let run = text.get(start..end)?;
            let zeros = run.len().checked_sub(digits.len())?;
            let padded = run.get(zeros..) == Some(digits)
                && run
                    .get(..zeros)
                    .is_some_and(|z| z.chars().all(|c| c == '0'));
            if !padded || (zeros > 0 && !long_enough) || after_a_value_word(text, start) {
                return None;
            }
            let begin = if long_enough {
                match glued_prefix(text, start) {
                    GluedPrefix::None | GluedPrefix::Label => start,
                    GluedPrefix::Letter(letter_start) => letter_start,
                    GluedPrefix::Other => return None,
                }
            } else {
                start
            };
            if begin == start
                && joined_to_a_number_before(text, start)
                && !(long_enough && glued_to_a_label(text, start))
            {
                return None;
            }
            if let Some(letter_end) = check_letter_end(text, end, digits) {
                return Some((begin, letter_end));
            }
            if let Some(check_end) = check_character_end(text, end, digits) {
                return Some((begin, check_end));
            }
            (!joined_to_a_number_after(text, end) && !reads_as_a_quantity_or_date(text, start, end))
                .then_some((begin, end))
        })
        .collect()
}

/// The digits from which an MRN followed by `-` or `/` and one character is cut with that
/// check character ("884512-3"): a shorter number so written ("1000-2") is as likely a range.
const CHECKED_MRN_DIGITS: usize = 5;

/// Identifier labels an MRN is typed glued to ("MRN123456", "No.123456"), folded.
const GLUED_LABELS: [&str; 8] = ["mrn", "nhs", "hosp", "no", "nr", "id", "rn", "num"];

/// What is glued before a run of digits.
enum GluedPrefix {
    /// Nothing: a space, a mark or the text's start.
    None,
    /// One letter, itself a word's start ("A123456"), starting at this byte.
    Letter(usize),
    /// An identifier label ("MRN123456", "No.123456").
    Label,
    /// Anything else: another word ("mg123456", "x123456") or a number.
    Other,
}

fn glued_prefix(text: &str, start: usize) -> GluedPrefix {
    let before = text.get(..start).unwrap_or_default();
    let Some(last) = before.chars().next_back() else {
        return GluedPrefix::None;
    };
    if glued_to_a_label(text, start) {
        return GluedPrefix::Label;
    }
    if !last.is_alphanumeric() {
        return GluedPrefix::None;
    }
    let letters: String = before
        .chars()
        .rev()
        .take_while(|c| c.is_alphanumeric())
        .collect();
    // "x" before a number is a multiplication ("x123456"), never an MRN's prefix.
    if letters.chars().count() == 1 && last.is_alphabetic() && !matches!(last, 'x' | 'X') {
        GluedPrefix::Letter(start - last.len_utf8())
    } else {
        GluedPrefix::Other
    }
}

/// Whether the digits at byte `start` are glued to one of [`GLUED_LABELS`] ("MRN123456"; a
/// dot between allowed: "No.123456"), the label a whole word.
fn glued_to_a_label(text: &str, start: usize) -> bool {
    let before = text.get(..start).unwrap_or_default();
    let before = before.strip_suffix('.').unwrap_or(before);
    if !before
        .chars()
        .next_back()
        .is_some_and(char::is_alphanumeric)
    {
        return false;
    }
    let word: String = before
        .chars()
        .rev()
        .take_while(|c| c.is_alphanumeric())
        .collect::<Vec<char>>()
        .into_iter()
        .rev()
        .flat_map(char::to_lowercase)
        .collect();
    GLUED_LABELS.contains(&word.as_str())
}

/// Where an MRN of [`CHECKED_MRN_DIGITS`] or more ends with one check character after one `-`
/// or `/` ("884512-3", "884512/X"): the character then ends the token, and no range, decimal or
/// quantity goes on after it ("123456-78", "123456-7.5", "123456-7-8", "123456-7 mg").
fn check_character_end(text: &str, end: usize, digits: &str) -> Option<usize> {
    if digits.len() < CHECKED_MRN_DIGITS {
        return None;
    }
    let after = text.get(end..)?;
    let mut ahead = after.char_indices();
    let (_, mark) = ahead.next()?;
    if !(is_hyphen(mark) || mark == '/') {
        return None;
    }
    let (at, check) = ahead.next()?;
    if !check.is_ascii_alphanumeric() {
        return None;
    }
    let check_end = end + at + check.len_utf8();
    if joined_to_a_number_after(text, check_end)
        || reads_as_a_quantity_or_date(text, check_end, check_end)
    {
        return None;
    }
    Some(check_end)
}

/// Where an MRN of four digits or more with one check letter glued after it ends
/// ("123456A"): one letter, then no other letter or digit, and not a unit's letter ("4521g",
/// "4521x", "4521k").
fn check_letter_end(text: &str, end: usize, digits: &str) -> Option<usize> {
    if digits.len() < SHORT_GROUPED_MRN_DIGITS {
        return None;
    }
    let mut ahead = text.get(end..)?.char_indices();
    let (_, letter) = ahead.next()?;
    let is_a_unit = {
        let folded: String = letter.to_lowercase().collect();
        UNITS.contains(&folded.as_str())
            || MEASURE_UNITS.contains(&folded.as_str())
            || folded == "k"
            || folded == "m"
    };
    if !letter.is_alphabetic() || is_a_unit {
        return None;
    }
    match ahead.next() {
        Some((_, c)) if c.is_alphanumeric() => None,
        Some((at, _)) => Some(end + at),
        None => Some(text.len()),
    }
}

/// Where the MRN stands typed exactly as stored with its own separators ("33 44" kept by the
/// hospital so): the hospital's own spelling is the MRN wherever it stands on its own, though
/// the same digits grouped otherwise may be two values.
fn stored_spelling_spans(text: &str, stored: &str) -> Vec<(usize, usize)> {
    if stored.chars().all(|c| c.is_ascii_digit()) || stored.is_empty() {
        return Vec::new();
    }
    text.match_indices(stored)
        .map(|(start, found)| (start, start + found.len()))
        .filter(|&(start, end)| {
            !joined_to_a_number_before(text, start)
                && !joined_to_a_number_after(text, end)
                && !reads_as_a_quantity_or_date(text, start, end)
        })
        .collect()
}

/// Where `digits` (a short MRN) stands typed in groups, by the rule of
/// [`SHORT_GROUPED_MRN_DIGITS`].
fn grouped_number_spans(text: &str, digits: &str) -> Vec<(usize, usize)> {
    let runs = digit_runs(text);
    let between = |earlier: usize, later: usize| {
        let from = runs.get(earlier).map_or(0, |run| run.1);
        let to = runs.get(later).map_or(0, |run| run.0);
        group_separator(text.get(from..to).unwrap_or_default())
    };
    let mut spans = Vec::new();
    for first in 0..runs.len() {
        let mut joined = String::new();
        let mut separators: Vec<char> = Vec::new();
        for (last, &(start, end)) in runs.iter().enumerate().skip(first) {
            if last > first {
                let Some(separator) = between(last - 1, last) else {
                    break;
                };
                separators.push(separator);
            }
            joined.push_str(text.get(start..end).unwrap_or_default());
            if !digits.starts_with(joined.as_str()) {
                break;
            }
            if joined.len() < digits.len() {
                continue;
            }
            let begin = runs.get(first).map_or(0, |run| run.0);
            let a_decimal = separators == ['.'];
            let group_texts: Vec<&str> = runs
                .get(first..=last)
                .unwrap_or_default()
                .iter()
                .map(|&(from, to)| text.get(from..to).unwrap_or_default())
                .collect();
            let two_pairs = group_texts.len() == 2 && group_texts.iter().all(|g| g.len() == 2);
            let slashed = separators.contains(&'/');
            let slashes_as_groups = !slashed
                || (separators.len() >= 2
                    && separators.iter().all(|&s| s == '/')
                    && !reads_as_a_calendar_date(&group_texts));
            let longer_before = first
                .checked_sub(1)
                .and_then(|previous| between(previous, first))
                .is_some_and(|separator| separators.contains(&separator));
            let longer_after =
                between(last, last + 1).is_some_and(|separator| separators.contains(&separator));
            let a_whole_token = !separators.is_empty()
                && !longer_before
                && !longer_after
                && !joined_to_a_number_before(text, begin)
                && !joined_to_a_number_after(text, end);
            let read_as_a_value = a_decimal
                || two_pairs
                || !slashes_as_groups
                || after_a_value_word(text, begin)
                || reads_as_a_quantity_or_date(text, begin, end);
            if a_whole_token && (after_an_identifier_label(text, begin) || !read_as_a_value) {
                spans.push((begin, end));
            }
            break;
        }
    }
    spans
}

/// Identifier labels that make the number after them an identifier, folded: on their own
/// ("MRN", "ID", "NHS") ...
const IDENTIFIER_LABELS: [&str; 9] = [
    "mrn", "mrno", "id", "nhs", "nhsno", "hospno", "ptno", "urn", "crn",
];

/// ... or as the word before "no", "number", "num" or "nr" ("Hosp no", "patient number").
const IDENTIFIER_NUMBER_OWNERS: [&str; 11] = [
    "hosp",
    "hospital",
    "nhs",
    "patient",
    "pt",
    "record",
    "records",
    "case",
    "chart",
    "unit",
    "registration",
];

/// The text before byte `start` without the spaces, colon, equals sign or bracket that may
/// stand between a label and its number ("MRN: ", "Hb = ", "creat (").
fn label_before(text: &str, start: usize) -> &str {
    text.get(..start)
        .unwrap_or_default()
        .trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '=' | '('))
}

/// Whether the number starting at byte `start` follows an identifier label ("MRN", "MRN:",
/// "Hosp no", "Hospital number", "NHS no", "ID", "ID#", "#", "patient number", "record
/// number"): there a grouping of the MRN's digits is the MRN whatever it looks like
/// ("MRN 45 21", "ID 45/21"), since nobody writes a lab value or a range after such a label.
fn after_an_identifier_label(text: &str, start: usize) -> bool {
    let before = label_before(text, start);
    if before.ends_with('#') {
        return true;
    }
    let mut words = before
        .trim_end_matches('.')
        .rsplit(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase);
    let last = words.next().unwrap_or_default();
    if IDENTIFIER_LABELS.contains(&last.as_str()) {
        return true;
    }
    let owner = words.next().unwrap_or_default();
    matches!(last.as_str(), "no" | "number" | "num" | "nr")
        && IDENTIFIER_NUMBER_OWNERS.contains(&owner.as_str())
}

/// Whether three or more groups of digits make a day: day, month and a two- or four-digit
/// year (either order of the first two), or a year first, then month and day.
fn reads_as_a_calendar_date(groups: &[&str]) -> bool {
    let [first, second, third] = groups else {
        return false;
    };
    let value = |t: &str| t.parse::<u32>().unwrap_or(0);
    let (day, month) = (1..=31, 1..=12);
    let short = |t: &str| t.len() <= 2;
    let a_year = |t: &str| t.len() == 2 || t.len() == 4;
    let day_month_year = short(first)
        && short(second)
        && a_year(third)
        && ((day.contains(&value(first)) && month.contains(&value(second)))
            || (month.contains(&value(first)) && day.contains(&value(second))));
    let year_month_day = a_year(first)
        && short(second)
        && short(third)
        && month.contains(&value(second))
        && day.contains(&value(third));
    day_month_year || year_month_day
}

/// Lab and vital-sign words a number after is a value of ("creat 45 21", "Hb 123 456", "sats:
/// 99"), folded, letters and digits only: a number there is never taken for the MRN.
const VALUE_WORDS: &[&str] = &[
    "na",
    "k",
    "cl",
    "hco3",
    "bicarb",
    "urea",
    "bun",
    "cr",
    "creat",
    "creatinine",
    "egfr",
    "gfr",
    "ca",
    "mg",
    "phos",
    "po4",
    "alb",
    "albumin",
    "prot",
    "protein",
    "bili",
    "bilirubin",
    "alt",
    "ast",
    "alp",
    "ggt",
    "ldh",
    "ck",
    "crp",
    "esr",
    "pct",
    "hb",
    "hgb",
    "haemoglobin",
    "hemoglobin",
    "hct",
    "mcv",
    "wbc",
    "wcc",
    "neut",
    "neuts",
    "neutrophils",
    "lymph",
    "lymphs",
    "lymphocytes",
    "plt",
    "plts",
    "platelets",
    "inr",
    "aptt",
    "pt",
    "fibrinogen",
    "ddimer",
    "glucose",
    "gluc",
    "bm",
    "bg",
    "hba1c",
    "a1c",
    "tsh",
    "t4",
    "ft4",
    "t3",
    "ft3",
    "chol",
    "cholesterol",
    "ldl",
    "hdl",
    "tg",
    "trig",
    "triglycerides",
    "ferritin",
    "b12",
    "folate",
    "lactate",
    "trop",
    "troponin",
    "tnt",
    "tni",
    "bnp",
    "ntprobnp",
    "psa",
    "cea",
    "ca125",
    "afp",
    "igg",
    "iga",
    "igm",
    "ige",
    "cd4",
    "vl",
    "ph",
    "pco2",
    "po2",
    "pao2",
    "amylase",
    "lipase",
    "urate",
    "lithium",
    "level",
    "levels",
    "value",
    "values",
    "reading",
    "readings",
    "bp",
    "sbp",
    "dbp",
    "map",
    "hr",
    "pulse",
    "rr",
    "resp",
    "sats",
    "sat",
    "spo2",
    "o2",
    "temp",
    "gcs",
    "news",
    "news2",
    "weight",
    "wt",
    "height",
    "ht",
    "bmi",
    "bsa",
    "fev1",
    "fvc",
    "pefr",
    "edss",
    "qtc",
    "qt",
    "qrs",
    "ef",
    "lvef",
    "iop",
    "mmse",
    "moca",
    "phq9",
    "gad7",
    "madrs",
    "hamd",
    "ecog",
    "das28",
    "basdai",
    "pasi",
];

/// Whether the number starting at byte `start` follows a lab or vital-sign word (a colon,
/// equals sign or bracket may stand between).
fn after_a_value_word(text: &str, start: usize) -> bool {
    let before = label_before(text, start);
    let word: String = before
        .chars()
        .rev()
        .take_while(|c| c.is_alphanumeric())
        .collect::<Vec<char>>()
        .into_iter()
        .rev()
        .flat_map(char::to_lowercase)
        .collect();
    VALUE_WORDS.contains(&word.as_str())
}

/// What joins two groups of a number typed in groups: spaces, or one hyphen, dot or slash with
/// spaces around it or none (`-` for any hyphen, `.`, `/`, or `' '` for spaces alone).
fn group_separator(between: &str) -> Option<char> {
    if between.is_empty() || between.chars().count() > 3 {
        return None;
    }
    let marks: Vec<char> = between.chars().filter(|c| !c.is_whitespace()).collect();
    match marks.as_slice() {
        [] => Some(' '),
        ['.'] => Some('.'),
        ['/'] => Some('/'),
        [mark] if is_hyphen(*mark) => Some('-'),
        _ => None,
    }
}

/// The runs of ASCII digits in `text`, as byte ranges.
fn digit_runs(text: &str) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut started: Option<usize> = None;
    for (at, c) in text.char_indices() {
        match (c.is_ascii_digit(), started) {
            (true, None) => started = Some(at),
            (false, Some(start)) => {
                runs.push((start, at));
                started = None;
            }
            _ => {}
        }
    }
    if let Some(start) = started {
        runs.push((start, text.len()));
    }
    runs
}

/// A mark between two numbers that makes them one range or ratio ("120-140", "120 – 140",
/// "140/90").
fn is_range_mark(c: char) -> bool {
    is_hyphen(c) || c == '/'
}

/// Whether the number starting at byte `start` continues what stands before it: glued to a
/// letter or digit, after a decimal point, a thousands separator or a colon between digits
/// ("1,000", "0.140", "12:30"), or the second number of a range or ratio ("120-140", "90/140").
fn joined_to_a_number_before(text: &str, start: usize) -> bool {
    let before = text.get(..start).unwrap_or_default();
    let mut back = before.chars().rev();
    match back.next() {
        None => return false,
        Some(c) if c.is_alphanumeric() => return true,
        Some(',' | '.' | ':') if back.next().is_some_and(|d| d.is_ascii_digit()) => return true,
        Some(_) => {}
    }
    let mut back = before.trim_end().chars();
    back.next_back().is_some_and(is_range_mark)
        && back
            .as_str()
            .trim_end()
            .chars()
            .next_back()
            .is_some_and(|d| d.is_ascii_digit())
}

/// Whether the number ending at byte `end` goes on after it, as [`joined_to_a_number_before`]
/// on the other side ("1000.5", "140/90", "140-160").
fn joined_to_a_number_after(text: &str, end: usize) -> bool {
    let after = text.get(end..).unwrap_or_default();
    let mut ahead = after.chars();
    match ahead.next() {
        None => return false,
        Some(c) if c.is_alphanumeric() => return true,
        Some(',' | '.' | ':') if ahead.next().is_some_and(|d| d.is_ascii_digit()) => return true,
        Some(_) => {}
    }
    let mut ahead = after.trim_start().chars();
    ahead.next().is_some_and(is_range_mark)
        && ahead
            .as_str()
            .trim_start()
            .chars()
            .next()
            .is_some_and(|d| d.is_ascii_digit())
}

/// Counts and times a number is a quantity of, as clinicians type them after it (the word's
/// letters only: "x10^9/L" is read as "x"), with [`MEASURE_UNITS`] ("mg/dL" read as "mg",
/// "mm[Hg]" as "mm"); the words of a span of days ("3 days") also make a number a date's part.
const UNITS: &[&str] = &[
    "tablet", "tablets", "tab", "tabs", "cap", "caps", "capsule", "capsules", "puff", "puffs",
    "drop", "drops", "dose", "doses", "x", "times", "per", "s", "sec", "secs", "second", "seconds",
    "min", "mins", "minute", "minutes", "h", "hr", "hrs", "hour", "hours", "d", "day", "days",
    "wk", "wks", "week", "weeks", "mo", "mos", "month", "months", "y", "yr", "yrs", "year",
    "years",
];

/// Units of a measured amount ("mg", "mmol", "mmHg"), the words [`UNITS`] reads too: after
/// these even a date's numbers ("2.1.72 mg") are a quantity, where a count or time word
/// ("3/4/61 dose changed") leaves a date a date.
const MEASURE_UNITS: &[&str] = &[
    "mg", "mcg", "ug", "µg", "μg", "ng", "pg", "g", "gram", "grams", "kg", "lb", "lbs", "ml",
    "mls", "dl", "cl", "l", "litre", "litres", "liter", "liters", "cc", "mmol", "umol", "µmol",
    "μmol", "nmol", "pmol", "mol", "meq", "mosm", "iu", "miu", "u", "mu", "unit", "units", "mmhg",
    "mm", "cm", "kpa", "bpm", "beats", "breaths", "kcal", "cal", "cells", "copies",
];

/// Whether a number ending at byte `end` is followed by a measured amount's unit or a percent
/// ("2.1.72 mg", "3.4.61 %").
fn followed_by_a_measure(text: &str, end: usize) -> bool {
    let after = text.get(end..).unwrap_or_default().trim_start();
    if after.starts_with(['%', '‰', '°']) {
        return true;
    }
    let word: String = after
        .chars()
        .take_while(|c| c.is_alphabetic())
        .flat_map(char::to_lowercase)
        .collect();
    MEASURE_UNITS.contains(&word.as_str())
}

/// Whether the number at `start..end` reads as a quantity (a unit, a percent, a multiplication
/// sign or a rate after it: "140 mmHg", "140 %", "140 ×", "140/min") or a date's part (a
/// month's name after or before it: "12 March", "Mar 12").
fn reads_as_a_quantity_or_date(text: &str, start: usize, end: usize) -> bool {
    let after = text.get(end..).unwrap_or_default().trim_start();
    let mut ahead = after.chars();
    match ahead.next() {
        Some('%' | '‰' | '×' | '°') => return true,
        Some('/') => return ahead.next().is_some_and(char::is_alphabetic),
        _ => {}
    }
    let word_after: String = after
        .chars()
        .take_while(|c| c.is_alphabetic())
        .flat_map(char::to_lowercase)
        .collect();
    let before = text
        .get(..start)
        .unwrap_or_default()
        .trim_end_matches(|c: char| c.is_whitespace() || c == ',' || c == '.');
    let word_before: String = before
        .chars()
        .rev()
        .take_while(|c| c.is_alphabetic())
        .collect::<Vec<char>>()
        .into_iter()
        .rev()
        .flat_map(char::to_lowercase)
        .collect();
    UNITS.contains(&word_after.as_str())
        || MEASURE_UNITS.contains(&word_after.as_str())
        || is_a_month(&word_after)
        || is_a_month(&word_before)
}

/// Whether a lower-cased word is a month's name or its abbreviation ("march", "mar", "sept").
fn is_a_month(word: &str) -> bool {
    word.chars().count() >= 3
        && super::typed_date::MONTH_NAMES
            .iter()
            .any(|month| *month == word || (month.starts_with(word) && word.chars().count() <= 4))
}

/// Where the birth date stands written with a two-digit year and numbers alone: day, month and
/// year (either order of the first two, padded or not) or year, month and day, joined by the
/// same one slash, hyphen or dot ("3/4/61", "03-04-61", "3.4.61", "61-03-04" for 1961-03-04;
/// an apostrophe may mark the year: "3/4/'61"). The three numbers are the whole date: never
/// part of a longer number or a longer run of groups ("1.3.4.61", "3/4/611").
fn two_digit_year_date_spans(text: &str, date: chrono::NaiveDate) -> Vec<(usize, usize)> {
    use chrono::Datelike;
    let (year, month, day) = (date.year().rem_euclid(100), date.month(), date.day());
    let runs = digit_runs(text);
    let separator = |from: usize, to: usize| -> Option<char> {
        let between = text.get(from..to)?.trim_end_matches(is_apostrophe);
        let mut chars = between.chars();
        let mark = chars.next()?;
        (chars.next().is_none() && (mark == '/' || mark == '.' || is_hyphen(mark)))
            .then_some(if is_hyphen(mark) { '-' } else { mark })
    };
    let mut spans = Vec::new();
    for window in runs.windows(3) {
        let &[(a_start, a_end), (b_start, b_end), (c_start, c_end)] = window else {
            continue;
        };
        let (Some(first), Some(second)) = (separator(a_end, b_start), separator(b_end, c_start))
        else {
            continue;
        };
        let texts = [(a_start, a_end), (b_start, b_end), (c_start, c_end)]
            .map(|(from, to)| text.get(from..to).unwrap_or_default());
        let short = |t: &str| t.len() <= 2;
        let value = |t: &str| t.parse::<u32>().ok();
        let is_year = |t: &str| t.len() == 2 && value(t) == u32::try_from(year).ok();
        let [x, y, z] = texts;
        let day_month_year = is_year(z)
            && short(x)
            && short(y)
            && ((value(x) == Some(day) && value(y) == Some(month))
                || (value(x) == Some(month) && value(y) == Some(day)));
        let year_month_day =
            is_year(x) && short(y) && short(z) && value(y) == Some(month) && value(z) == Some(day);
        if first == second
            && (day_month_year || year_month_day)
            && !joined_to_a_number_before(text, a_start)
            && !joined_to_a_number_after(text, c_end)
            && !followed_by_a_measure(text, c_end)
        {
            spans.push((a_start, c_end));
        }
    }
    spans
}

/// `text` with each span (byte ranges, in any order, overlapping or not) replaced by one
/// [`MASKED`], overlapping spans as one.
fn replace_spans(text: &str, mut spans: Vec<(usize, usize)>) -> String {
    spans.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (start, end) in spans {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    let mut shown = String::with_capacity(text.len());
    let mut rest = 0;
    for (start, end) in merged {
        shown.push_str(text.get(rest..start).unwrap_or_default());
        shown.push_str(MASKED);
        rest = end;
    }
    shown.push_str(text.get(rest..).unwrap_or_default());
    shown
}

/// `text` lower-cased with everything but letters and digits left out.
fn alphanumeric_lowercase(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

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
    let full = super::typed_date::MONTH_NAMES
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
            // A two-digit year with the month's name spells no other number ("4 Mar 61",
            // "Mar 4 '61"); numbers alone are [`two_digit_year_date_spans`]'s.
            spellings.push(format!("{d}{name}{:02}", year.rem_euclid(100)));
            spellings.push(format!("{name}{d}{:02}", year.rem_euclid(100)));
        }
    }
    spellings
}

/// Whether a run found in text may be glued to more digits or letters of its own kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Glued {
    /// Glued runs are cut too.
    Cut,
    /// A run never starts or ends inside a run of digits or of letters: "5121956" is not cut
    /// out of "15121956", another day.
    Refused,
}

/// Where runs of `text` whose letters and digits, lower-cased, spell `pattern` stand
/// (separators, spaces and punctuation between them ignored), as byte ranges.
fn spans_ignoring_separators(text: &str, pattern: &str, glued: Glued) -> Vec<(usize, usize)> {
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
    let same_kind = |a: char, b: char| {
        (a.is_ascii_digit() && b.is_ascii_digit()) || (a.is_alphabetic() && b.is_alphabetic())
    };
    let mut spans = Vec::new();
    if wanted.is_empty() || kept.len() < wanted.len() {
        return spans;
    }
    for index in 0..=kept.len() - wanted.len() {
        let matches = kept
            .get(index..index + wanted.len())
            .is_some_and(|window| window.iter().map(|k| k.0).eq(wanted.iter().copied()));
        if !matches {
            continue;
        }
        let start = kept.get(index).map_or(0, |k| k.1);
        let end = kept.get(index + wanted.len() - 1).map_or(0, |k| k.2);
        let glued_before = text
            .get(..start)
            .unwrap_or_default()
            .chars()
            .next_back()
            .zip(wanted.first())
            .is_some_and(|(before, &first)| same_kind(before, first));
        let glued_after = text
            .get(end..)
            .unwrap_or_default()
            .chars()
            .next()
            .zip(wanted.last())
            .is_some_and(|(after, &last)| same_kind(after, last));
        if glued == Glued::Cut || (!glued_before && !glued_after) {
            spans.push((start, end));
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn another_identifier_value_is_cut_only_whole_and_only_if_it_looks_like_one() {
        let others = OtherIdentity {
            numbers: ["12", "AB", "4471", "X9", "KX-88"]
                .map(String::from)
                .to_vec(),
            ..OtherIdentity::default()
        };
        let who = Identity {
            others: Some(&others),
            ..Identity::default()
        };
        assert_eq!(
            who.masked_text("12 seizures, AB told; bed 4471, X9 ward, ref kx 88, 144712"),
            "12 seizures, AB told; bed (masked), (masked) ward, ref (masked), 144712"
        );
    }

    #[test]
    fn a_masked_row_hides_identity_keys_at_any_depth_and_the_patients_identity_in_text() {
        let who = Identity {
            mrn: "MASK-0042",
            family_name: "Quist",
            given_name: "Wil",
            birth_date: chrono::NaiveDate::from_ymd_opt(1980, 2, 3),
            others: None,
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
            others: None,
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

    #[test]
    fn a_long_numeric_mrn_grouped_and_a_name_run_together_are_cut() {
        let who = Identity {
            mrn: "9434765919",
            family_name: "O Brien",
            given_name: "Ann-Marie",
            birth_date: None,
            others: None,
        };
        for typed in [
            "943 476 5919",
            "943-476-5919",
            "9434765919",
            "Annmarie",
            "AnnMarie",
            "OBrien",
        ] {
            assert_eq!(
                who.masked_text(&format!("seen {typed} today")),
                "seen (masked) today",
                "{typed}"
            );
        }
        // Never inside a longer run of digits, nor a short number's dose.
        assert_eq!(
            who.masked_text("ref 19434765919 today"),
            "ref 19434765919 today"
        );
        assert_eq!(who.masked_text("given 1000 mg"), "given 1000 mg");
    }

    #[test]
    fn a_name_with_apostrophes_hyphens_and_accents_is_cut_however_typed() {
        let who = Identity {
            mrn: "RF-0000050",
            family_name: "O'Brien-Núñez",
            given_name: "José",
            birth_date: None,
            others: None,
        };
        for typed in [
            "O'Brien",
            "O\u{2019}Brien",
            "OBrien",
            "Obrien",
            "Nunez",
            "NÚÑEZ",
            "Nuñez",
            "Núñez",
            "Jose",
            "JOSÉ",
            "Brien",
            "O'BRIEN-NÚÑEZ",
            "Jose\u{b4}",
            "Jose\u{301}",
            "O\u{2018}brien nunez",
        ] {
            assert_eq!(
                who.masked_text(&format!("seen {typed} today")),
                "seen (masked) today"
            );
        }
        assert_eq!(who.masked_text("Núñez's plan"), "(masked)'s plan");
        assert_eq!(who.masked_text("mrn#RF0000050x"), "mrn#(masked)x");
        // "O" alone is too short to cut: it is a letter, not the patient.
        assert_eq!(who.masked_text("O negative"), "O negative");
    }

    #[test]
    fn only_whole_words_and_tokens_are_cut_and_the_marker_is_never_cut_again() {
        let li = Identity {
            mrn: "RF-0000050",
            family_name: "Li",
            given_name: "Ed",
            birth_date: None,
            others: None,
        };
        let text =
            "Clinical review of lamotrigine; referred to the epilepsy centre; medication failed";
        assert_eq!(li.masked_text(text), text);
        assert_eq!(
            li.masked_text("Li and Ed's plan"),
            "(masked) and (masked)'s plan"
        );
        let lind = Identity {
            mrn: "RF-0000050",
            family_name: "Lind",
            given_name: "Rose",
            birth_date: None,
            others: None,
        };
        assert_eq!(
            lind.masked_text(
                "Blind spot: Dr Lindqvist, prosecute; Roseola; the patient is Rose Lind"
            ),
            "Blind spot: Dr Lindqvist, prosecute; Roseola; the patient is (masked) (masked)"
        );
        // A patient named like the marker's word: the marker stays whole.
        let masked = Identity {
            mrn: "1000",
            family_name: "Masked",
            given_name: "Ma",
            birth_date: None,
            others: None,
        };
        assert_eq!(masked.masked_text("Masked, Ma"), "(masked), (masked)");
        let may = Identity {
            mrn: "1000",
            family_name: "May",
            given_name: "Will",
            birth_date: chrono::NaiveDate::from_ymd_opt(1956, 12, 5),
            others: None,
        };
        assert_eq!(
            may.masked_text(
                "Levetiracetam 1000 mg bd, 1,000 mg, 10 00 ml; maybe 100 0mg; 2021000; 1000mg; 1000.5"
            ),
            "Levetiracetam 1000 mg bd, 1,000 mg, 10 00 ml; maybe 100 0mg; 2021000; 1000mg; 1000.5"
        );
        assert_eq!(
            may.masked_text("MRN 1000, seen (1000) 15/12/1956 and 05/12/1956"),
            "MRN (masked), seen ((masked)) 15/12/1956 and (masked)"
        );
    }

    use chrono::NaiveDate;
    use serde_json::json;

    /// The text with `typed` in it as a colleague writes it, masked for `who`.
    fn seen(who: &Identity<'_>, typed: &str) -> String {
        who.masked_text(&format!("seen {typed} today"))
    }

    #[test]
    fn a_short_numeric_mrn_typed_in_groups_is_cut_but_not_a_quantity_or_a_date() {
        let who = Identity {
            mrn: "123456",
            family_name: "Quist",
            given_name: "Wil",
            birth_date: None,
            others: None,
        };
        for typed in [
            "12 34 56", "123-456", "12.34.56", "123 456", "12-34-56", "123456",
        ] {
            assert_eq!(seen(&who, typed), "seen (masked) today", "{typed}");
        }
        for kept in [
            "123 456 mg",
            "12 34 56 mL",
            "123-456 mmHg",
            "12.34.56 %",
            "123 456 x10^9/L",
            "12 34 56 days",
            "12-34-56 March",
            "123.456",
            "1234.56",
            "1,23456",
            "9 12 34 56",
            "12 34 56 78",
            "12-34-567",
        ] {
            assert_eq!(seen(&who, kept), format!("seen {kept} today"), "{kept}");
        }
        // Two pairs of two digits are a range or two values, never a four-digit MRN.
        let four = Identity { mrn: "4711", ..who };
        assert_eq!(seen(&four, "47 11"), "seen 47 11 today");
        assert_eq!(seen(&four, "47-11"), "seen 47-11 today");
        assert_eq!(seen(&four, "4 711"), "seen (masked) today");
        // One dot between two groups is a decimal number, a reading.
        assert_eq!(seen(&four, "47.11"), "seen 47.11 today");
    }

    #[test]
    fn a_short_numeric_mrn_is_cut_alone_but_never_as_a_quantity() {
        let who = Identity {
            mrn: "140",
            family_name: "Quist",
            given_name: "Wil",
            birth_date: None,
            others: None,
        };
        assert_eq!(who.masked_text("MRN 140"), "MRN (masked)");
        assert_eq!(who.masked_text("(140), seen"), "((masked)), seen");
        for kept in [
            "140 mmHg",
            "140 mm[Hg]",
            "140 mg/dL",
            "140 mmol/L",
            "140 bpm",
            "140/min",
            "140 /min",
            "140/90",
            "90/140",
            "120-140",
            "140-160",
            "120–140",
            "140 kg",
            "140 cm",
            "140 %",
            "140 x",
            "140 ×",
            "140× daily",
            "140 units",
            "140 IU",
            "140 mcg",
            "140 µg",
            "140 ng",
            "140 g/L",
            "140 h",
            "140 d",
            "140 weeks",
            "140 mEq/L",
        ] {
            assert_eq!(seen(&who, kept), format!("seen {kept} today"), "{kept}");
        }
    }

    #[test]
    fn a_birth_date_with_a_two_digit_year_is_cut_in_either_order() {
        let who = Identity {
            mrn: "RF-0000050",
            family_name: "Quist",
            given_name: "Wil",
            birth_date: NaiveDate::from_ymd_opt(1961, 3, 4),
            others: None,
        };
        for typed in [
            "3/4/61",
            "4/3/61",
            "03-04-61",
            "04-03-61",
            "3.4.61",
            "04.03.61",
            "4 Mar 61",
            "4 March '61",
            "Mar 4 '61",
            "March 4, 61",
            "4th Mar 61",
            "61-03-04",
        ] {
            assert_eq!(seen(&who, typed), "seen (masked) today", "{typed}");
        }
        for kept in [
            "13/4/61",
            "3/4/611",
            "3/4/1961.5",
            "34.61",
            "3.4.6",
            "1.3.4.61",
        ] {
            let shown = seen(&who, kept);
            assert!(
                !shown.contains("(masked)") || kept.contains("1961"),
                "{kept}: {shown}"
            );
        }
    }

    #[test]
    fn name_particles_split_and_joined_are_cut_but_never_alone() {
        let cases: [(&str, &[&str]); 6] = [
            (
                "MacDonald",
                &[
                    "Mac Donald",
                    "Mc Donald",
                    "MacDonald",
                    "McDonald",
                    "MCDONALD",
                ],
            ),
            (
                "Mac Donald",
                &["MacDonald", "McDonald", "Mc Donald", "Mac Donald"],
            ),
            (
                "van der Berg",
                &["Vanderberg", "Van der Berg", "van derBerg", "Vander Berg"],
            ),
            (
                "Vanderberg",
                &["van der Berg", "Van Der Berg", "Vanderberg"],
            ),
            (
                "De La Cruz",
                &["Delacruz", "De la Cruz", "DeLa Cruz", "de lacruz"],
            ),
            ("Delacruz", &["De La Cruz", "de la cruz", "Delacruz"]),
        ];
        for (family_name, typed_forms) in cases {
            let who = Identity {
                mrn: "RF-0000050",
                family_name,
                given_name: "Wil",
                birth_date: None,
                others: None,
            };
            for typed in typed_forms {
                assert_eq!(
                    seen(&who, typed),
                    "seen (masked) today",
                    "{family_name}: {typed}"
                );
            }
            for kept in ["van", "Van", "der", "de", "la", "La", "Mac", "Mc", "de la"] {
                assert_eq!(
                    seen(&who, kept),
                    format!("seen {kept} today"),
                    "{family_name}: {kept}"
                );
            }
        }
        // A whole name that is a particle's word is the patient's name and is cut.
        let le = Identity {
            mrn: "RF-0000050",
            family_name: "Le",
            given_name: "Van",
            birth_date: None,
            others: None,
        };
        assert_eq!(le.masked_text("Le, Van"), "(masked), (masked)");
    }

    #[test]
    fn a_nickname_is_cut_only_for_a_patient_whose_given_name_is_its_full_form() {
        let robert = Identity {
            mrn: "RF-0000050",
            family_name: "Quist",
            given_name: "Robert James",
            birth_date: None,
            others: None,
        };
        for typed in ["Bob", "Rob", "Bobby", "BOBBY", "Robbie", "Jim", "Jimmy"] {
            assert_eq!(seen(&robert, typed), "seen (masked) today", "{typed}");
        }
        for kept in ["Liz", "Bill", "Kate", "Peggy", "Bobsleigh", "rob the"] {
            assert_eq!(seen(&robert, kept), format!("seen {kept} today"), "{kept}");
        }
        let elizabeth = Identity {
            given_name: "Elizabeth",
            ..robert
        };
        for typed in ["Liz", "Beth", "Lizzie", "Betty"] {
            assert_eq!(seen(&elizabeth, typed), "seen (masked) today", "{typed}");
        }
        assert_eq!(seen(&elizabeth, "Bob"), "seen Bob today");
        let william = Identity {
            given_name: "William",
            ..robert
        };
        assert_eq!(seen(&william, "Bill"), "seen (masked) today");
        assert_eq!(seen(&william, "Will"), "seen (masked) today");
        // A nickname that is also an English word is cut only written as a name.
        assert_eq!(
            william.masked_text("the team will call; the bill is paid"),
            "the team will call; the bill is paid"
        );
        for (given_name, nickname) in [
            ("Katherine", "Kate"),
            ("Margaret", "Peggy"),
            ("James", "Jim"),
        ] {
            let who = Identity {
                given_name,
                ..robert
            };
            assert_eq!(seen(&who, nickname), "seen (masked) today", "{given_name}");
        }
    }

    #[test]
    fn a_nickname_that_is_a_word_or_an_abbreviation_is_cut_only_where_a_name_stands() {
        let who = |given_name: &'static str, family_name: &'static str| Identity {
            mrn: "RF-0000050",
            family_name,
            given_name,
            birth_date: None,
            others: None,
        };
        let kept: [(&str, &str, &str); 17] = [
            ("Margaret", "Smith", "Refer for MEG and video-EEG"),
            ("Margaret", "Smith", "magnetoencephalography (MEG) planned"),
            (
                "Catherine",
                "Dean",
                "Cath lab booked; cardiac cath; urinary cath",
            ),
            (
                "Catherine",
                "Dean",
                "booked for Cath lab, then a Cat scan and CAT",
            ),
            ("Edward", "Smith", "TED stockings, ted stockings, TED hose"),
            ("Edward", "Smith", "NED on scan"),
            ("Samuel", "Smith", "SAM on echo, sam on echo"),
            ("Eugene", "Smith", "Gene panel sent. GENE panel"),
            ("Patricia", "Smith", "PAT on Holter; pat dry"),
            ("Francis", "Smith", "Frank haematuria. frank blood"),
            ("William", "Smith", "Will discuss at next MDT. WILL review"),
            (
                "William",
                "Smith",
                "Will review.\n Will call; the bill is paid",
            ),
            ("Arthur", "Smith", "started ART; referred for Art therapy"),
            ("Margaret", "Smith", "fed by PEG; Peg tube changed"),
            ("Dorothy", "Smith", "DOT for TB"),
            ("Kenneth", "Smith", "KEN"),
            ("Robert", "Smith", "BOB"),
        ];
        for (given_name, family_name, text) in kept {
            assert_eq!(
                who(given_name, family_name).masked_text(text),
                text,
                "{given_name}"
            );
        }
        let cut: [(&str, &str, &str, &str); 10] = [
            (
                "Catherine",
                "Dean",
                "Cath Dean came",
                "(masked) (masked) came",
            ),
            ("Catherine", "Dean", "Dean, Cath", "(masked), (masked)"),
            (
                "Catherine",
                "Dean",
                "Mrs Cath phoned",
                "Mrs (masked) phoned",
            ),
            ("Edward", "Smith", "TED SMITH", "(masked) (masked)"),
            ("Edward", "Smith", "seen Ted today", "seen (masked) today"),
            (
                "William",
                "Smith",
                "Will Smith came",
                "(masked) (masked) came",
            ),
            (
                "William",
                "Smith",
                "Plan: Bill; Will",
                "Plan: (masked); (masked)",
            ),
            ("Samuel", "Smith", "Dr Sam's plan", "Dr (masked)'s plan"),
            ("Margaret", "Smith", "seen Meg today", "seen (masked) today"),
            ("Robert", "Smith", "BOBBY and Bob", "(masked) and (masked)"),
        ];
        for (given_name, family_name, text, shown) in cut {
            assert_eq!(
                who(given_name, family_name).masked_text(text),
                shown,
                "{given_name}"
            );
        }
        // The patient's own given name is cut as before, in capitals and at a sentence's start.
        assert_eq!(
            who("Will", "Smith").masked_text("Will discuss. WILL"),
            "(masked) discuss. (masked)"
        );
    }

    #[test]
    fn two_pairs_of_two_digits_a_lab_value_and_a_dated_quantity_are_no_mrn_or_birth_date() {
        let who = Identity {
            mrn: "4521",
            family_name: "Quist",
            given_name: "Wil",
            birth_date: NaiveDate::from_ymd_opt(1972, 1, 2),
            others: None,
        };
        for kept in [
            "creat 45 21",
            "45-21",
            "45 21",
            "45 – 21",
            "77-88 range",
            "2.1.72 mg",
            "2/1/72 mmol/L",
            "Hb 4521",
            "sats: 4521",
        ] {
            assert_eq!(seen(&who, kept), format!("seen {kept} today"), "{kept}");
        }
        for typed in ["4521", "2.1.72", "2/1/72", "4 521", "02-01-72"] {
            assert_eq!(seen(&who, typed), "seen (masked) today", "{typed}");
        }
        assert_eq!(
            who.masked_text("MRN 4521, born 2/1/72, review"),
            "MRN (masked), born (masked), review"
        );
        let six = Identity {
            mrn: "123456",
            ..who
        };
        for kept in [
            "creat 12 34 56",
            "Hb 123 456",
            "BP: 123-456",
            "12-34-56 mmol",
        ] {
            assert_eq!(seen(&six, kept), format!("seen {kept} today"), "{kept}");
        }
        // The MRN as the hospital stores it, spaces and all, is cut as typed.
        let stored_spaced = Identity {
            mrn: "33 44",
            ..who
        };
        assert_eq!(seen(&stored_spaced, "33 44"), "seen (masked) today");
    }

    #[test]
    fn an_mrn_grouped_with_slashes_or_with_a_check_letter_is_cut() {
        let who = Identity {
            mrn: "123456",
            family_name: "Quist",
            given_name: "Wil",
            birth_date: None,
            others: None,
        };
        for typed in ["12/34/56", "123456A", "123456a", "12 / 34 / 56", "1/23/456"] {
            assert_eq!(seen(&who, typed), "seen (masked) today", "{typed}");
        }
        // A ratio, a calendar date and a unit's letter stay.
        for kept in ["123/456", "12/03/56", "123456g", "123456AB", "9/12/34/56"] {
            assert_eq!(seen(&who, kept), format!("seen {kept} today"), "{kept}");
        }
        let dated = Identity {
            mrn: "120356",
            ..who
        };
        assert_eq!(seen(&dated, "12/03/56"), "seen 12/03/56 today");
    }

    #[test]
    fn an_eponym_named_like_the_patient_is_no_name() {
        let who = Identity {
            mrn: "RF-0000050",
            family_name: "Mac Donald",
            given_name: "Edward",
            birth_date: None,
            others: None,
        };
        for kept in [
            "McDonald criteria met",
            "2017 MacDonald criteria",
            "Mc Donald criterion",
        ] {
            assert_eq!(who.masked_text(kept), kept);
        }
        assert_eq!(
            who.masked_text("McDonald seen; Mr McDonald test results; Edward McDonald score"),
            "(masked) seen; Mr (masked) test results; (masked) (masked) score"
        );
        let parkinson = Identity {
            family_name: "Parkinson",
            ..who
        };
        for kept in [
            "Parkinson's disease",
            "Parkinson disease",
            "PARKINSON'S DISEASE",
            "Parkinsons disease",
        ] {
            assert_eq!(parkinson.masked_text(kept), kept);
        }
        assert_eq!(parkinson.masked_text("Parkinson's plan"), "(masked)'s plan");
    }

    #[test]
    fn an_mrn_with_a_check_digit_a_letter_a_glued_label_or_leading_zeros_is_cut() {
        let who = |mrn: &'static str| Identity {
            mrn,
            family_name: "Quist",
            given_name: "Wil",
            birth_date: None,
            others: None,
        };
        for (mrn, typed, shown) in [
            ("884512", "MRN 884512-3", "MRN (masked)"),
            ("884512", "MRN: 884512/3", "MRN: (masked)"),
            ("884512", "hosp no 884512-3", "hosp no (masked)"),
            ("884512", "884512-X", "(masked)"),
            ("123456", "123456-7", "(masked)"),
            ("123456", "A123456", "(masked)"),
            ("123456", "MRN123456", "MRN(masked)"),
            ("123456", "NHS123456", "NHS(masked)"),
            ("123456", "Hosp123456", "Hosp(masked)"),
            ("123456", "No.123456", "No.(masked)"),
            ("123456", "0123456", "(masked)"),
            ("123456", "00123456", "(masked)"),
            ("123456", "MRN0123456-7", "MRN(masked)"),
            ("1234567", "MRN1234567", "MRN(masked)"),
            ("1234567", "1234567-8", "(masked)"),
        ] {
            assert_eq!(
                seen(&who(mrn), typed),
                format!("seen {shown} today"),
                "{typed}"
            );
        }
        // A range, a ratio, a quantity, a longer number, a unit or a word glued stay.
        for kept in [
            "123456-789",
            "123456-78",
            "123456/12",
            "123456-7 mg",
            "x123456",
            "AB123456",
            "mg123456",
            "1123456",
            "0123456.5",
            "123456-7-8",
            "123456-7.5",
        ] {
            assert_eq!(
                seen(&who("123456"), kept),
                format!("seen {kept} today"),
                "{kept}"
            );
        }
    }

    #[test]
    fn after_an_identifier_label_any_grouping_of_the_mrn_is_cut() {
        let who = Identity {
            mrn: "4521",
            family_name: "Quist",
            given_name: "Wil",
            birth_date: None,
            others: None,
        };
        for label in [
            "MRN",
            "mrn",
            "MRN:",
            "Hosp no",
            "Hosp no:",
            "hospital number",
            "Hospital No.",
            "NHS no",
            "NHS number",
            "ID",
            "ID#",
            "#",
            "patient number",
            "pt no",
            "record number",
        ] {
            for digits in ["45 21", "45-21", "45/21", "4 521"] {
                assert_eq!(
                    seen(&who, &format!("{label} {digits}")),
                    format!("seen {label} (masked) today"),
                    "{label} {digits}"
                );
            }
        }
        // Without a label two pairs stay a pair of values or a range.
        for kept in ["creat 45 21", "Na 45 21", "45 21", "45-21", "number 45 21"] {
            assert_eq!(seen(&who, kept), format!("seen {kept} today"), "{kept}");
        }
    }

    #[test]
    fn a_clinical_word_nickname_is_cut_as_a_person_and_kept_beside_its_companion_words() {
        let catherine = Identity {
            mrn: "RF-0000050",
            family_name: "Dean",
            given_name: "Catherine",
            birth_date: None,
            others: None,
        };
        for (text, shown) in [
            ("Cath attended", "(masked) attended"),
            ("Spoke with Cath", "Spoke with (masked)"),
            (
                "Cath reports fewer seizures",
                "(masked) reports fewer seizures",
            ),
            ("Cath's husband called", "(masked)'s husband called"),
            (
                "Discussed with Cath. Cath was seen",
                "Discussed with (masked). (masked) was seen",
            ),
            ("told Cath the plan", "told (masked) the plan"),
        ] {
            assert_eq!(catherine.masked_text(text), shown, "{text}");
        }
        let kathleen = Identity {
            given_name: "Kathleen",
            ..catherine
        };
        assert_eq!(
            kathleen.masked_text("Spoke with Cath"),
            "Spoke with (masked)"
        );
        for kept in [
            "Cath lab booked",
            "Cath lab booked; cardiac cath; urinary cath",
            "Cardiac Cath on Monday",
            "Cath-lab slot; Urinary Cath changed",
            "Right heart Cath done",
        ] {
            assert_eq!(catherine.masked_text(kept), kept, "{kept}");
        }
        // Word nicknames at the start of the text or of a line stay.
        for (given_name, kept) in [
            ("Eugene", "Gene panel sent"),
            ("Francis", "Frank haematuria"),
            ("William", "Will discuss at MDT"),
            ("Eugene", "Seen.\nGene panel sent"),
            ("Francis", "Urine:\nFrank haematuria"),
            ("William", "Plan\r\nWill discuss at MDT"),
        ] {
            let who = Identity {
                given_name,
                family_name: "Smith",
                ..catherine
            };
            assert_eq!(who.masked_text(kept), kept, "{given_name}");
        }
    }

    #[test]
    fn a_name_that_is_a_common_word_is_cut_only_capitalised() {
        let down = Identity {
            mrn: "RF-0000050",
            family_name: "Down",
            given_name: "Rose",
            birth_date: None,
            others: None,
        };
        for kept in ["walked down the corridor", "rose from the chair; bp rose"] {
            assert_eq!(down.masked_text(kept), kept, "{kept}");
        }
        for (text, shown) in [
            ("Mrs Down attended", "Mrs (masked) attended"),
            (
                "seen by Down team? no: Rose Down",
                "seen by (masked) team? no: (masked) (masked)",
            ),
            ("DOWN, ROSE", "(masked), (masked)"),
        ] {
            assert_eq!(down.masked_text(text), shown, "{text}");
        }
        // A name that is no common word is cut in lower case as before.
        let quist = Identity {
            family_name: "Quist",
            ..down
        };
        assert_eq!(quist.masked_text("seen quist"), "seen (masked)");
    }

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
            sentence(&task, &Masking::off()),
            "Dr X added the task 'Book 3T MRI', due 2026-12-12"
        );
        let step = entry(
            "way_forward.step",
            Some(json!({"step": 1, "status": "todo", "owner": null})),
            json!({"step": 1, "status": "in_progress", "owner": "Dr Okafor"}),
        );
        assert_eq!(
            sentence(&step, &Masking::off()),
            "Dr X marked step 1 (Specialist care) in progress; made Dr Okafor the owner of step 1 (Specialist care)"
        );
        let option = entry(
            "option.update.overwrite",
            Some(json!({"name": "VNS", "preference": "unknown"})),
            json!({"name": "VNS", "preference": "wants"}),
        );
        assert_eq!(
            sentence(&option, &Masking::off()),
            "Dr X recorded that the patient wants 'VNS' (saved over a colleague's change)"
        );
    }
    fn reid() -> Identity<'static> {
        Identity {
            mrn: "H-1002",
            family_name: "Reid",
            given_name: "Thomas",
            birth_date: NaiveDate::from_ymd_opt(1975, 9, 2),
            others: None,
        }
    }

    /// A quoted text is masked whole, then shortened: a name, MRN or birth date running over
    /// the cut never shows its first letters (review R6-1).
    #[test]
    fn a_quoted_text_is_masked_before_it_is_shortened() {
        let masking = Masking::against([reid()]);
        let note = entry(
            "note.add",
            None,
            json!({"text": "Phoned home: wife says nocturnal events continue; told Mr Reid we will discuss at MDT."}),
        );
        let shown = sentence(&note, &masking);
        assert!(shown.ends_with("told Mr …'"), "{shown}");
        let form = entry(
            "note.add",
            None,
            json!({"text": "Discussed with the epilepsy nurse at length; EEG form: H-1002 born 02/09/1975"}),
        );
        let shown = sentence(&form, &masking);
        assert!(!shown.contains("H-10"), "{shown}");
        let question = entry(
            "case.question",
            None,
            json!({"question": "Events continue at night despite three drugs, ask Thomas Reid about surgery"}),
        );
        let shown = sentence(&question, &masking);
        assert!(!shown.contains("Thoma"), "{shown}");
        // Unmasked: the text as typed, cut at the same length.
        let shown = sentence(&note, &Masking::off());
        assert!(shown.ends_with("told Mr Re…'"), "{shown}");
    }

    /// Masking against several patients cuts each, in one pass (review R6-3).
    #[test]
    fn masking_cuts_every_patient_it_is_against() {
        let vasquez = Identity {
            mrn: "H-1001",
            family_name: "Vasquez",
            given_name: "Helena",
            birth_date: None,
            others: None,
        };
        let masking = Masking::against([vasquez, reid()]);
        assert_eq!(
            masking
                .text("Sister-in-law of Thomas Reid (H-1002), with Helena")
                .as_str(),
            "Sister-in-law of (masked) (masked) ((masked)), with (masked)"
        );
        assert_eq!(Masking::off().text("Thomas Reid").as_str(), "Thomas Reid");
    }
}
