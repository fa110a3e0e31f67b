//! Coded values with their machine names, and their mapping from the standard code systems
//! (SNOMED CT termination reasons, Lugano/IMWG/ELN response categories) where one exists.

use super::machine_names;

/// A machine name that is not one of the known values of a coded field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} '{value}'")]
pub struct ParseCodeError {
    pub kind: &'static str,
    pub value: String,
}

/// Administrative sex, as FHIR `Patient.gender`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    Female,
    Male,
    Other,
    Unknown,
}
machine_names!(Sex { Female => "female", Male => "male", Other => "other", Unknown => "unknown" });

impl Sex {
    /// One letter for tables and masked identities ("F 37").
    pub const fn letter(self) -> char {
        match self {
            Sex::Female => 'F',
            Sex::Male => 'M',
            Sex::Other => 'X',
            Sex::Unknown => '?',
        }
    }
}

/// Why a drug or a line was stopped.
///
/// The distinction matters to every rule: only `LackOfEfficacy` and `Progression` are efficacy
/// failures; `Intolerance` and `Noncompliance` mean the trial was not informative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StopReason {
    LackOfEfficacy,
    Progression,
    Intolerance,
    Noncompliance,
    Completed,
    PatientChoice,
    Access,
    Death,
    Other,
}
machine_names!(StopReason {
    LackOfEfficacy => "lack_of_efficacy",
    Progression => "progression",
    Intolerance => "intolerance",
    Noncompliance => "noncompliance",
    Completed => "completed",
    PatientChoice => "patient_choice",
    Access => "access",
    Death => "death",
    Other => "other",
});

impl StopReason {
    /// Maps a SNOMED CT code of the mCODE TreatmentTerminationReasonVS (current and STU1 codes).
    pub fn from_snomed(code: &str) -> Option<Self> {
        Some(match code {
            "266721009" | "58848006" => StopReason::LackOfEfficacy,
            "407563006" | "281647001" => StopReason::Intolerance,
            "7058009" => StopReason::Noncompliance,
            "182992009" => StopReason::Completed,
            "105480006" => StopReason::PatientChoice,
            "271299001" => StopReason::Progression,
            "160932005" | "309846006" => StopReason::Access,
            "419620001" => StopReason::Death,
            "184081006" | "399307001" | "107724000" => StopReason::Other,
            _ => return None,
        })
    }

    /// The SNOMED CT code used when exporting: the mCODE TreatmentTerminationReasonVS's, whose
    /// codes `assets/stop_reasons.toml` reads back as the same reason. The value set has no
    /// code for progression, and its nearest, "No response to treatment", is read back as a
    /// lack of efficacy (a primary refractory line then reads as one that merely did not
    /// respond): progression is written as mCODE's own code for it, the ConditionStatusTrend
    /// "Patient's condition worsened" (the binding is extensible since mCODE STU3).
    pub const fn snomed(self) -> (&'static str, &'static str) {
        match self {
            StopReason::LackOfEfficacy => ("266721009", "No response to treatment"),
            StopReason::Progression => ("271299001", "Patient's condition worsened"),
            StopReason::Intolerance => ("407563006", "Treatment not tolerated"),
            StopReason::Noncompliance => ("7058009", "Noncompliance with treatment"),
            StopReason::Completed => ("182992009", "Treatment completed"),
            StopReason::PatientChoice => ("105480006", "Refusal of treatment by patient"),
            StopReason::Access => ("309846006", "Treatment not available"),
            StopReason::Death => ("419620001", "Death"),
            StopReason::Other => ("399307001", "Lost to follow-up"),
        }
    }

    /// Whether the stop is, by itself, evidence that the treatment did not work.
    pub const fn is_efficacy_failure(self) -> bool {
        matches!(self, StopReason::LackOfEfficacy | StopReason::Progression)
    }

    /// Words for the screen ("no response", "not tolerated").
    pub const fn words(self) -> &'static str {
        match self {
            StopReason::LackOfEfficacy => "no response",
            StopReason::Progression => "progression",
            StopReason::Intolerance => "not tolerated",
            StopReason::Noncompliance => "noncompliance",
            StopReason::Completed => "completed",
            StopReason::PatientChoice => "patient choice",
            StopReason::Access => "not available",
            StopReason::Death => "death",
            StopReason::Other => "other",
        }
    }
}

/// Best response of a treatment line, in the oncology vocabularies (Lugano 2014, IMWG 2016,
/// ELN 2017). PET categories map to their CT equivalents: CMR→CR, PMR→PR, NMR→SD, PMD→PD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Response {
    StringentComplete,
    Complete,
    CompleteIncompleteRecovery,
    CompletePartialRecovery,
    MorphologicLeukemiaFree,
    VeryGoodPartial,
    Partial,
    Minimal,
    Stable,
    Progression,
}
machine_names!(Response {
    StringentComplete => "sCR",
    Complete => "CR",
    CompleteIncompleteRecovery => "CRi",
    CompletePartialRecovery => "CRh",
    MorphologicLeukemiaFree => "MLFS",
    VeryGoodPartial => "VGPR",
    Partial => "PR",
    Minimal => "MR",
    Stable => "SD",
    Progression => "PD",
});

impl Response {
    /// Accepts the machine names and the PET-based Lugano categories.
    pub fn parse_any(text: &str) -> Option<Self> {
        match text.trim() {
            "CMR" => Some(Response::Complete),
            "PMR" => Some(Response::Partial),
            "NMR" => Some(Response::Stable),
            "PMD" => Some(Response::Progression),
            other => Response::parse(other).ok(),
        }
    }

    /// Maps the mCODE ConditionStatusTrendVS value of a disease-status observation (LOINC
    /// 97509-4). "Improved" is read as a partial response; "undetermined" (709137006) maps to
    /// nothing. Every published version's codes are read (OC-6): STU2 and STU2.1's disorders
    /// 550991000124107 |Malignant neoplasm in full remission| and 551001000124108 |… in partial
    /// remission| (deprecated, kept in STU3 onward's ConditionStatusTrendMaxVS), and STU3's
    /// qualifiers 103338009 |In full remission| and 103337004 |In partial remission|
    /// (hl7.org/fhir/us/mcode, ValueSet mcode-condition-status-trend-vs of each version).
    /// STU3's 399409002 |Distant metastasis present| is no response (it may be the disease at
    /// diagnosis) and maps to nothing.
    /// A response read from a status's words that no trend code says exactly is stored as
    /// [`RESPONSE_CODE_PREFIX`] and its machine name (see [`Response::disease_status_code`]).
    pub fn from_disease_status(snomed: &str) -> Option<Self> {
        Some(match snomed {
            "550991000124107" | "103338009" => Response::Complete,
            "551001000124108" | "103337004" | "268910001" => Response::Partial,
            "359746009" => Response::Stable,
            "271299001" => Response::Progression,
            other => {
                return other
                    .strip_prefix(RESPONSE_CODE_PREFIX)
                    .and_then(|name| Response::parse(name).ok());
            }
        })
    }

    /// The coded value a disease-status observation of this response is stored with: the
    /// mCODE trend code where one says it exactly (so that every reader of worsened statuses
    /// sees a progression), else refract's own code, which keeps the depth (VGPR, MR, sCR).
    pub fn disease_status_code(self) -> String {
        match self {
            Response::Complete => String::from("550991000124107"),
            Response::Partial => String::from("551001000124108"),
            Response::Stable => String::from("359746009"),
            Response::Progression => String::from("271299001"),
            other => format!("{RESPONSE_CODE_PREFIX}{}", other.as_str()),
        }
    }

    /// The response a disease status written in words says (IMWG, Lugano and ELN categories,
    /// their abbreviations, "progression", "relapse"), or `None` when the words say none, say
    /// two different ones, or hedge or deny one ("no progression", "not PD", "possible
    /// relapse", "progression-free"): an unread status leaves the response unknown, while a
    /// denied progression read as one would flag a patient wrongly.
    pub fn from_words(text: &str) -> Option<Self> {
        read_words(text, Vocabulary::Status).read
    }

    /// The response a Deauville five-point score says by itself (Lugano 2014, Cheson et al.):
    /// 1, 2 or 3 is a complete metabolic response whatever else is seen; 4 or 5 is a partial
    /// response with uptake reduced from baseline, no response with no change, progression with
    /// increased uptake or new lesions, so the score alone cannot tell them apart: `None`,
    /// never a guess (the status stays unread and the best response "not recorded").
    pub fn from_deauville(score: f64) -> Option<Self> {
        (score.fract() == 0.0 && (1.0..=3.0).contains(&score)).then_some(Response::Complete)
    }

    /// Depth of response, for "at least MR"-style comparisons: PD 0, SD 1, MR 2, PR 3, VGPR 4,
    /// the complete categories 5 and above.
    pub const fn depth(self) -> u8 {
        match self {
            Response::Progression => 0,
            Response::Stable => 1,
            Response::Minimal => 2,
            Response::Partial | Response::MorphologicLeukemiaFree => 3,
            Response::VeryGoodPartial => 4,
            Response::CompleteIncompleteRecovery | Response::CompletePartialRecovery => 5,
            Response::Complete => 6,
            Response::StringentComplete => 7,
        }
    }

    /// Words for the screen.
    pub const fn words(self) -> &'static str {
        match self {
            Response::StringentComplete => "stringent complete response",
            Response::Complete => "complete response",
            Response::CompleteIncompleteRecovery => "CR with incomplete recovery",
            Response::CompletePartialRecovery => "CR with partial recovery",
            Response::MorphologicLeukemiaFree => "morphologic leukaemia-free state",
            Response::VeryGoodPartial => "very good partial response",
            Response::Partial => "partial response",
            Response::Minimal => "minimal response",
            Response::Stable => "stable disease",
            Response::Progression => "progressive disease",
        }
    }
}

/// Which words name a response: every phrase of [`RESPONSE_PHRASES`] in a disease status,
/// which is about the cancer's response by what it is; in a report's conclusion, which speaks
/// of anything an image or a specimen shows, only the phrases that name a response wherever
/// they stand, and the others in a sentence that names the cancer or its response criteria
/// (see [`REPORT_PHRASES_ALONE`], [`REPORT_CONTEXT`]).
/// In a report whose code or category is not about the cancer (a CT chest, a colon biopsy),
/// every phrase is read only in a sentence that names the cancer ([`Vocabulary::Elsewhere`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Vocabulary {
    Status,
    Report,
    Elsewhere,
}

/// What a DiagnosticReport examined, as far as reading a response in it goes (see
/// [`ReportWords::of`], [`report_names_cancer`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportAbout {
    /// A report about the cancer whose `conclusionCode` is a trend code: its words speak of
    /// that status, as a status's own words do.
    CodedStatus,
    /// A report about the cancer (a PET-CT, a bone marrow, a lymphoma's pathology).
    Cancer,
    /// Any other report: a response is read only in a sentence that names the cancer.
    Other,
}

/// What one text's words say of a response: the response read (see [`Response::from_words`]),
/// and every response they name, read or not (denied, hedged, or beside another).
struct WordsRead {
    read: Option<Response>,
    named: Vec<Response>,
    /// A Deauville score of 4 or 5 of the study itself: no complete metabolic response.
    high_deauville: bool,
}

/// Reads `text` in `vocabulary`: the one response it says, `None` when it says none, two
/// different ones, or hedges or denies one.
fn read_words(text: &str, vocabulary: Vocabulary) -> WordsRead {
    // A question mark and "r/o" are kept as words of their own: beside a category they ask
    // about it ("?progression", "PD?", "r/o PD"); elsewhere they ask about something else
    // ("new liver lesions; ?bone").
    // A sentence's end (";", ":", ". ") is a word of its own too: what qualifies a category
    // stands in its sentence ("After prior R-CHOP: progressive disease" is a progression).
    let normalised: String = format!("{text} ")
        .to_lowercase()
        .replace("r/o", " ruleout ")
        .replace(". ", " | ")
        .chars()
        .map(|c| {
            if c == '?' {
                String::from(" ? ")
            } else if matches!(c, ';' | ':' | '|') {
                String::from(" | ")
            } else if matches!(c, ',' | '(' | ')' | '[' | ']') {
                String::from(" , ")
            } else if c.is_alphanumeric() {
                c.to_ascii_lowercase().to_string()
            } else {
                String::from(" ")
            }
        })
        .collect();
    let tokens: Vec<&str> = normalised
        .split_whitespace()
        .filter_map(canonical_word)
        .collect();
    // A comma or a bracket ends a clause: kept apart from the words (a phrase never spans
    // one), as the clause each word stands in.
    let mut words: Vec<&str> = Vec::with_capacity(tokens.len());
    let mut clause_of: Vec<usize> = Vec::with_capacity(tokens.len());
    let mut clause = 0;
    for token in tokens {
        if token == CLAUSE_END {
            clause += 1;
            continue;
        }
        if token == SENTENCE_END || CLAUSE_OPENERS.contains(&token) {
            clause += 1;
        }
        words.push(token);
        clause_of.push(clause);
    }
    let in_context =
        vocabulary == Vocabulary::Status || words.iter().any(|word| REPORT_CONTEXT.contains(word));
    // Another disease named in a report's sentence ("Crohn's colitis in complete remission",
    // "GVHD, partial response to steroids"): with no word of the cancer beside it the
    // sentence says nothing of the cancer. With one, the sentence is the cancer's (a choice:
    // a histological subtype, a risk factor or an incidental finding is named beside the
    // lymphoma far more often than a second disease with a response of its own).
    let other_disease =
        vocabulary != Vocabulary::Status && words.iter().any(|w| names_other_disease(w));
    if other_disease && !in_context {
        return WordsRead {
            read: None,
            named: Vec::new(),
            high_deauville: false,
        };
    }
    // The words that state today's finding end a comparison's clause as a comma does
    // ("Compared with the baseline PET-CT there is progressive metabolic disease").
    let prior_clause_of = today_splits(&words, &clause_of);
    let of_prior = of_prior_study(&words, &prior_clause_of);
    let mut named = Vec::new();
    let mut high_deauville = false;
    // Denials by their reach (see `FORWARD_DENIALS`, `CLAUSE_DENIALS`): where a forward one
    // starts and the last clause it reaches, the clauses denied whole, and the clause of each
    // response named so far.
    let mut denied_from: Vec<(usize, usize)> = Vec::new();
    let mut denied_clauses: Vec<usize> = Vec::new();
    let mut named_in: Vec<usize> = Vec::new();
    let mut found: Option<Response> = None;
    // The categories a negative result denies ("relapse screen: negative"): the response read
    // stands unless it is one of them.
    let mut denied: Vec<Response> = Vec::new();
    // Read no response (a denial, a doubt), though the scan goes on to name every response
    // the words speak of.
    let mut unread = false;
    // Every response read as stated, and whether two of them differ: two responses read none,
    // unless they are a progression beside stable disease (see `settle`).
    let mut stated: Vec<Response> = Vec::new();
    let mut start = 0;
    while start < words.len() {
        // "MRD negative", "without minimal residual disease": the denial is the residual
        // disease's, beside a remission it qualifies, so it neither denies nor hedges that.
        if let Some(length) = residual_disease_qualifier(&words[start..]) {
            start += length;
            continue;
        }
        // "Non-Hodgkin lymphoma" names a disease: its "non" denies nothing.
        if words[start..].starts_with(&["non", "hodgkin"]) {
            start += 2;
            continue;
        }
        // A Deauville score read alone: 1-3 is a complete metabolic response (Lugano 2014);
        // 4-5 is partial, stable or progressive by what else is said, so alone it says
        // nothing (the other words decide).
        // A score of an earlier study ("previously Deauville 2") is not this one's.
        if let Some((length, score)) = deauville_score(&words[start..]) {
            if !of_prior[start] && !prior_just_before(&words, &prior_clause_of, start) {
                match Response::from_deauville(score) {
                    Some(response) => {
                        named.push(response);
                        stated.push(response);
                        found = Some(response);
                    }
                    None => high_deauville = true,
                }
            }
            start += length;
            continue;
        }
        let phrase = RESPONSE_PHRASES.iter().find(|(phrase, _)| {
            let phrase: Vec<&str> = phrase.split(' ').collect();
            words[start..].starts_with(&phrase)
        });
        match phrase {
            Some((phrase, response)) => {
                let end = start + phrase.split(' ').count();
                let alone =
                    vocabulary != Vocabulary::Elsewhere && REPORT_PHRASES_ALONE.contains(phrase);
                if (!in_context && !alone)
                    || of_prior[start]
                    || prior_just_before(&words, &prior_clause_of, start)
                {
                    // "Stable appearance", "MR brain", "consistent with PD" (Parkinson's):
                    // words of something else, neither a response nor a denial of one.
                    start = end;
                    continue;
                }
                // A category looked for ("Screening for relapse", "assessed for recurrence")
                // is a question, and a result said of it answers it: a negative one ("…:
                // negative", "— none") denies it (CR-11), and only it: "Complete metabolic
                // response; relapse screen: negative" is a complete response (RV-1). A
                // positive one states it. No answer (nothing, a question, a study pending)
                // leaves it unasked, and so does another response as the answer
                // ("Restaging for progression: complete metabolic response"); any other
                // finding leaves the category read ("Restaging for progression: new liver
                // lesions, Deauville 5" is a progression, RV-1).
                let (looked_for_after, result) = stated_result(&words[end..], &clause_of[end..]);
                match result {
                    Some(false) => {
                        named.push(*response);
                        denied.push(*response);
                        start = end;
                        continue;
                    }
                    None if (looked_for_after
                        || looked_for_before(&words[..start], &clause_of[..start]))
                        && !answered_by_finding(&words[end..], &clause_of[end..]) =>
                    {
                        start = end;
                        continue;
                    }
                    _ => {}
                }
                named.push(*response);
                // A question, a history or a likelihood just before the category, in its
                // sentence, or a doubt said after it there, qualifies that finding: no
                // status now.
                let before = &words[start.saturating_sub(QUALIFIER_REACH)..start];
                let before = before
                    .iter()
                    .rposition(|word| *word == SENTENCE_END)
                    .map_or(before, |at| &before[at + 1..]);
                let after: Vec<&str> = words[end..]
                    .iter()
                    .copied()
                    .take_while(|word| *word != SENTENCE_END)
                    .collect();
                let here = clause_of[start];
                let denied = denied_clauses.contains(&here)
                    || denied_from
                        .iter()
                        .any(|(from, last)| (clause_of[*from]..=*last).contains(&here));
                unread |= denied
                    || before.iter().any(|word| QUALIFIERS_BEFORE.contains(word))
                    || doubted_after(&after);
                stated.push(*response);
                named_in.push(here);
                found = Some(*response);
                start = end;
            }
            // A denial inside a category's own name ("no metabolic response") is read with
            // it above; a hedge anywhere in the sentence hedges the status; a denial denies
            // what it governs (see `FORWARD_DENIALS`, `CLAUSE_DENIALS`).
            None if HEDGES.contains(&words[start]) => {
                unread = true;
                start += 1;
            }
            None if FORWARD_DENIALS.contains(&words[start]) => {
                denied_from.push((start, denial_reach(&words, &clause_of, start)));
                start += 1;
            }
            None if CLAUSE_DENIALS.contains(&words[start]) => {
                unread |= named_in.contains(&clause_of[start]);
                denied_clauses.push(clause_of[start]);
                start += 1;
            }
            None => start += 1,
        }
    }
    let found = found.and_then(|_| settle(&stated));
    // A Deauville 4-5 of this study beside a complete response: the two disagree (a complete
    // metabolic response is a 1-3, Lugano 2014).
    if high_deauville && found == Some(Response::Complete) {
        unread = true;
    }
    // "Progressive disease; relapse screen: negative": stated and denied.
    unread |= stated.iter().any(|seen| denied.contains(seen));
    // A sentence that names the cancer reads as the cancer's, whatever else it names ("nodular
    // sclerosis Hodgkin lymphoma", "HIV-associated DLBCL", a pneumonia beside a Deauville 5):
    // a subtype, a risk factor or an incidental finding has no response of its own there.
    WordsRead {
        read: found.filter(|_| !unread),
        named,
        high_deauville,
    }
}

/// The one response of the responses `stated` in one text: theirs when they agree; a
/// progression when every other is stable disease (OC-7: "new lesions, bones stable", "nodes
/// stable, progression in the liver"), as progression at any site is the response whatever is
/// stable elsewhere (Lugano 2014: a new lesion or a progressing one is progressive disease
/// overall; IMWG 2016: progressive disease by any one of its criteria); else none, as two
/// responses of any other kind ("complete response … partial response", "progression …
/// Deauville 2") contradict each other and the words cannot tell which is today's.
fn settle(stated: &[Response]) -> Option<Response> {
    let first = *stated.first()?;
    if stated.iter().all(|response| *response == first) {
        return Some(first);
    }
    let only_stable_beside = stated
        .iter()
        .all(|response| matches!(response, Response::Progression | Response::Stable));
    only_stable_beside.then_some(Response::Progression)
}

/// Words that, with "for" after them, say a category was looked for rather than found:
/// "screening for relapse", "assessed for recurrence", "restaging for progression".
pub const LOOKED_FOR_BY: [&str; 24] = [
    "screen",
    "screened",
    "screening",
    "assess",
    "assessed",
    "assessment",
    "evaluate",
    "evaluated",
    "evaluation",
    "check",
    "checked",
    "test",
    "tested",
    "testing",
    "surveillance",
    "monitoring",
    "monitored",
    "investigated",
    "investigation",
    "workup",
    "restaging",
    "restaged",
    "examined",
    "reviewed",
];

/// Words that, first in the clause after a name, give a negative result of looking for it
/// ("Relapse: negative", "recurrence — none", "progression: nil", "relapse: no").
const NEGATIVE_RESULTS: [&str; 7] = ["negative", "neg", "none", "nil", "no", "absent", "excluded"];

/// Words that, first in the clause after a name, give a positive result of looking for it
/// ("Screening for relapse: positive").
const POSITIVE_RESULTS: [&str; 5] = ["positive", "confirmed", "detected", "present", "yes"];

/// Words that may follow a negative result and keep it one ("none found", "no evidence",
/// "negative on PET-CT"); any other word makes it something else's ("no marrow involvement",
/// "negative CT head", "negative for CD20").
const RESULT_QUALIFIERS: [&str; 11] = [
    "seen",
    "found",
    "detected",
    "identified",
    "evident",
    "demonstrated",
    "evidence",
    "on",
    "by",
    "per",
    "at",
];

/// Whether `words`, the words before a name up to its clause, end with a word of looking for it
/// and "for" ("screening for", "assessed for").
fn looked_for_before(words: &[&str], clause_of: &[usize]) -> bool {
    match (words, clause_of) {
        ([.., by, "for"], [.., by_clause, for_clause]) => {
            by_clause == for_clause && LOOKED_FOR_BY.contains(by)
        }
        _ => false,
    }
}

/// Whether the words right after a name say it was looked for ("relapse screen", "recurrence
/// surveillance"), and the result said of it in the clause after those, over a sentence's end
/// (": negative", "— none", "screening: positive"): `Some(false)` a negative one, `Some(true)`
/// a positive one, `None` none (words of something else, or nothing).
fn stated_result(after: &[&str], clause_of: &[usize]) -> (bool, Option<bool>) {
    let looked = after
        .iter()
        .take_while(|word| LOOKED_FOR_BY.contains(*word))
        .count();
    let skip = looked + usize::from(after.get(looked) == Some(&SENTENCE_END));
    let Some(first_clause) = clause_of.get(skip).copied() else {
        return (looked > 0, None);
    };
    let clause: Vec<&str> = after[skip..]
        .iter()
        .zip(&clause_of[skip..])
        .take_while(|(word, clause)| **clause == first_clause && **word != SENTENCE_END)
        .map(|(word, _)| *word)
        .collect();
    let result = result_of(&clause);
    // "Progressive disease - evaluate for CAR-T" looks for something else.
    let looked = looked > 0 && (skip > looked || clause.is_empty() || result.is_some());
    (looked, result)
}

/// Words that, in the first clause of the answer to a category looked for, say the answer is not
/// there yet or is a question ("Restaging for progression: PET-CT pending", "Screening for
/// relapse: ?", "Evaluation for relapse: marrow biopsy scheduled"): the category stays unasked.
pub const PENDING_ANSWERS: [&str; 12] = [
    "?",
    "pending",
    "awaiting",
    "awaited",
    "tbc",
    "tbd",
    "scheduled",
    "planned",
    "requested",
    "ordered",
    "booked",
    "deferred",
];

/// Whether the words after a category looked for (`after`, from the end of its name) answer it
/// with a finding: the sentence after the words of looking ("relapse screen: …", over a
/// colon) holds words, none of its first clause a question or a pending study (see
/// [`PENDING_ANSWERS`]), and that clause names no response ([`names_response`]): "new liver
/// lesions, Deauville 5" does; nothing, "PET-CT pending" and "complete metabolic response" do
/// not (RV-1), nor "bones stable" (OC-7: a site's response is no finding of the category looked
/// for, and read so beside the stable bones it would make a progression up).
fn answered_by_finding(after: &[&str], clause_of: &[usize]) -> bool {
    let looked = after
        .iter()
        .take_while(|word| LOOKED_FOR_BY.contains(*word))
        .count();
    let skip = looked + usize::from(after.get(looked) == Some(&SENTENCE_END));
    let sentence: Vec<&str> = after[skip.min(after.len())..]
        .iter()
        .copied()
        .take_while(|word| *word != SENTENCE_END)
        .collect();
    let Some(first_clause) = clause_of.get(skip).copied() else {
        return false;
    };
    let first: Vec<&str> = sentence
        .iter()
        .zip(&clause_of[skip..])
        .take_while(|(_, clause)| **clause == first_clause)
        .map(|(word, _)| *word)
        .collect();
    !sentence.is_empty()
        && !first.iter().any(|word| PENDING_ANSWERS.contains(word))
        && !names_response(&first)
}

/// Whether `words` (lower case, one a word) name a response of the vocabulary anywhere (see
/// [`starts_with_response`]): "bones stable", "nodes in partial response".
pub fn names_response(words: &[&str]) -> bool {
    (0..words.len()).any(|at| starts_with_response(&words[at..]))
}

/// Whether `words` (lower case, one a word) start with a response of the vocabulary: one of
/// [`RESPONSE_PHRASES`], or a Deauville score that alone is one (1-3). Only at the start: an
/// answer that is a response ("…: complete metabolic response", "…: Deauville 2") replaces the
/// category looked for, while one whose first clause is a finding ("…: new liver lesions, bones
/// stable") leaves both read: a progression beside stable disease, which is a progression
/// (OC-7, see `settle`).
pub fn starts_with_response(words: &[&str]) -> bool {
    deauville_score(words).is_some_and(|(_, score)| Response::from_deauville(score).is_some())
        || RESPONSE_PHRASES.iter().any(|(phrase, _)| {
            let phrase: Vec<&str> = phrase.split(' ').collect();
            words.starts_with(&phrase)
        })
}

/// What a clause that gives a result says (see [`stated_result`]).
pub fn result_of(clause: &[&str]) -> Option<bool> {
    match clause {
        [first, ..] if POSITIVE_RESULTS.contains(first) => Some(true),
        [first, rest @ ..] if NEGATIVE_RESULTS.contains(first) => {
            // Words of how it was found, then the study it was found by, if any ("none seen
            // on PET-CT").
            let how = rest
                .iter()
                .take_while(|word| RESULT_QUALIFIERS.contains(*word) || **word == "of")
                .count();
            let kept = how == rest.len()
                || rest[..how]
                    .iter()
                    .any(|word| matches!(*word, "on" | "by" | "per" | "at"));
            kept.then_some(false)
        }
        _ => None,
    }
}

/// The last clause a forward denial at `at` reaches: its own, and a list it opens over the
/// clauses after it ("No lymphadenopathy, splenomegaly or progressive metabolic disease"):
/// short items up to one that holds "or"/"nor" or starts with "and". "No marrow involvement,
/// progressive disease" is two findings: the denial stops at the comma.
fn denial_reach(words: &[&str], clause_of: &[usize], at: usize) -> usize {
    let own = clause_of[at];
    let mut clauses: Vec<Vec<&str>> = Vec::new();
    for (word, clause) in words.iter().zip(clause_of).skip(at + 1) {
        if *clause == own {
            continue;
        }
        if *word == SENTENCE_END {
            break;
        }
        let index = clause - own - 1;
        if clauses.len() <= index {
            clauses.resize(index + 1, Vec::new());
        }
        clauses[index].push(word);
    }
    let mut last = own;
    for (offset, items) in clauses.iter().enumerate() {
        let closes =
            items.iter().any(|word| matches!(*word, "or" | "nor")) || items.first() == Some(&"and");
        if closes {
            last = own + offset + 1;
            break;
        }
        if items.len() > LIST_ITEM_WORDS || items.is_empty() {
            break;
        }
    }
    last
}

/// How many words a list's item, between commas, holds at most ("splenomegaly", "new
/// extranodal sites").
const LIST_ITEM_WORDS: usize = 3;

/// Whether a prior-study word stands just before `at` in its sentence ("previously Deauville
/// 2", "prior complete response", "baseline Deauville 5").
/// Only in its clause: "Compared with the prior PET-CT, progressive metabolic disease" is
/// today's.
fn prior_just_before(words: &[&str], clause_of: &[usize], at: usize) -> bool {
    (at.saturating_sub(QUALIFIER_REACH)..at)
        .any(|near| clause_of[near] == clause_of[at] && PRIOR_STUDY.contains(&words[near]))
}

/// Which words describe an earlier study than the one reported, whose response is not today's:
/// a comparison's clause ("Compared with the interim PET-CT, which showed complete metabolic
/// response, there are new lesions": to its comma, and a "which"/"that" clause after it), a
/// relative clause in the past ("… which showed CMR"), and a clause naming an earlier study with
/// a past verb ("Interim PET-CT showed CMR", "prior scan demonstrated PMR"). "Compared with
/// the prior PET-CT, progressive metabolic disease": the finding after the comparison's comma
/// is today's.
fn of_prior_study(words: &[&str], clause_of: &[usize]) -> Vec<bool> {
    let mut prior = vec![false; words.len()];
    let clause_end = |from: usize| {
        (from..words.len())
            .find(|at| clause_of[*at] != clause_of[from])
            .unwrap_or(words.len())
    };
    let mut at = 0;
    while at < words.len() {
        let word = words[at];
        let opens_comparison = matches!(word, "compared" | "comparison" | "versus" | "vs")
            || (word == "relative" && words.get(at + 1) == Some(&"to"));
        let relative_past = matches!(word, "which" | "that")
            && words[at + 1..]
                .iter()
                .take(2)
                .any(|next| PAST_VERBS.contains(next));
        if opens_comparison || relative_past {
            let mut end = clause_end(at);
            // "…, which showed …" after the comparison still describes the earlier study.
            while end < words.len()
                && matches!(words[end], "which" | "that" | "where" | "when")
                && clause_of[end] != clause_of[end.saturating_sub(1)]
            {
                end = clause_end(end);
            }
            prior[at..end].iter_mut().for_each(|flag| *flag = true);
            at = end;
            continue;
        }
        at += 1;
    }
    // A clause naming an earlier study with a past verb.
    let mut from = 0;
    while from < words.len() {
        let end = clause_end(from);
        let clause = &words[from..end];
        if clause
            .iter()
            .any(|w| PRIOR_STUDY.contains(w) || *w == "interim")
            && clause.iter().any(|w| PAST_VERBS.contains(w))
        {
            prior[from..end].iter_mut().for_each(|flag| *flag = true);
        }
        from = end;
    }
    prior
}

/// The clauses of `words` (`clause_of`) with a new one opened where the words state today's
/// finding: "there is/are/has/have", a present verb ("shows", "demonstrates", "reveals"),
/// "now", "today", "currently", "with interval". A comparison or an earlier study's clause
/// ends there even with no comma ("Compared to the prior study there is progressive
/// disease", "Interim PET showed CMR, now PMD").
fn today_splits(words: &[&str], clause_of: &[usize]) -> Vec<usize> {
    let mut out = Vec::with_capacity(words.len());
    let mut opened = 0;
    for (at, word) in words.iter().enumerate() {
        let next = words.get(at + 1).copied();
        let today = TODAY_WORDS.contains(word)
            || (*word == "there" && matches!(next, Some("is" | "are" | "has" | "have")))
            || (*word == "with" && next == Some("interval"));
        if today && at > 0 {
            opened += 1;
        }
        out.push(clause_of[at] + opened);
    }
    out
}

/// Words that state what the reported study shows now (see [`today_splits`]).
const TODAY_WORDS: [&str; 9] = [
    "shows",
    "demonstrates",
    "reveals",
    "showing",
    "demonstrating",
    "revealing",
    "now",
    "today",
    "currently",
];

/// Words that name an earlier study than the one reported.
const PRIOR_STUDY: [&str; 6] = [
    "previously",
    "previous",
    "prior",
    "preceding",
    "earlier",
    "baseline",
];

/// Past verbs by which a report tells what an earlier study showed.
const PAST_VERBS: [&str; 6] = ["showed", "demonstrated", "revealed", "had", "was", "were"];

/// Words of another disease than a haematological cancer, which a response in a report's
/// sentence may be of ("Crohn's colitis in complete remission", "nephrotic syndrome in partial
/// remission", "GVHD, partial response to steroids", "complete response of the liver abscess
/// to drainage"), and any inflammation ("-itis").
fn names_other_disease(word: &str) -> bool {
    const OTHER: [&str; 22] = [
        "crohn",
        "crohns",
        "gvhd",
        "graft",
        "abscess",
        "nephrotic",
        "lupus",
        "sle",
        "sarcoidosis",
        "sarcoid",
        "sclerosis",
        "psoriasis",
        "tuberculosis",
        "infection",
        "pneumonia",
        "myasthenia",
        "asthma",
        "eczema",
        "autoimmune",
        "ulcerative",
        "cirrhosis",
        "hiv",
    ];
    OTHER.contains(&word) || (word.len() > 5 && word.ends_with("itis"))
}

/// What a report's conclusion says of a response (`DiagnosticReport.conclusion`, and the
/// words of a `conclusionCode` no code of which refract reads), read sentence by sentence: a
/// conclusion is often several ("Progressive metabolic disease. No new lesions."), and a
/// denial in one says nothing of another.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportWords {
    /// The response each sentence that reads as one reads.
    pub read: Vec<Response>,
    /// The responses a sentence names but does not read: denied, hedged, doubted, or beside
    /// another ("no progression", "?relapse", "VGPR then PD").
    pub doubted: Vec<Response>,
    /// A sentence gives the study a Deauville score of 4 or 5: no complete metabolic response
    /// is read from another.
    pub high_deauville: bool,
}

impl ReportWords {
    /// The words of `texts`, each read sentence by sentence, as `about` says: in a report
    /// about the cancer with a trend code, every phrase of the vocabulary, as in a status's
    /// own words; in one about the cancer, the phrases of [`REPORT_PHRASES_ALONE`] anywhere and
    /// the others in a sentence that names the cancer; in any other report, every phrase only
    /// in a sentence that names the cancer.
    pub fn of<'t>(texts: impl IntoIterator<Item = &'t str>, about: ReportAbout) -> Self {
        let vocabulary = match about {
            ReportAbout::CodedStatus => Vocabulary::Status,
            ReportAbout::Cancer => Vocabulary::Report,
            ReportAbout::Other => Vocabulary::Elsewhere,
        };
        let mut out = ReportWords::default();
        for sentence in texts.into_iter().flat_map(report_sentences) {
            let words = read_words(sentence, vocabulary);
            out.high_deauville |= words.high_deauville;
            match words.read {
                Some(response) => out.read.push(response),
                None => out.doubted.extend(words.named),
            }
        }
        out
    }

    /// The one response the words say: the sentences that read one all read it, or read a
    /// progression beside stable disease (a progression, OC-7: "Progressive metabolic disease
    /// in the liver. Nodal disease stable."), and none doubts it. Two sentences reading two
    /// responses otherwise read none (unknown, never a guess).
    pub fn response(&self) -> Option<Response> {
        let settled = settle(&self.read)?;
        self.agree_with(settled).then_some(settled)
    }

    /// Whether the words leave `coded` standing: no sentence reads another response (stable
    /// disease beside a progression is none other, OC-7), and none denies or doubts it.
    pub fn agree_with(&self, coded: Response) -> bool {
        self.read.iter().all(|read| {
            *read == coded || (coded == Response::Progression && *read == Response::Stable)
        }) && !self.doubted.contains(&coded)
            && !(self.high_deauville && coded == Response::Complete)
    }
}

/// The sentences of a report's conclusion: ended by a full stop before a space or the end, a
/// semicolon, an exclamation mark or a line break ("SUVmax 12.5" stays whole). A question
/// mark ends none: it asks about the category beside it ("PD?").
fn report_sentences(text: &str) -> Vec<&str> {
    let mut sentences = Vec::new();
    let mut from = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let ends = match c {
            ';' | '!' | '\n' | '\r' => true,
            '.' => chars.peek().is_none_or(|(_, next)| next.is_whitespace()),
            _ => false,
        };
        if ends {
            sentences.push(&text[from..at]);
            from = at + c.len_utf8();
        }
    }
    sentences.push(&text[from..]);
    sentences.retain(|sentence| !sentence.trim().is_empty());
    sentences
}

/// One word of a disease status as the phrases below spell it, or `None` for a word that only
/// qualifies the remission it stands in ("complete haematological remission" is a complete
/// remission): British spellings as the American ones, and a remission's ordinal ("CR1", "CR2":
/// first, second complete remission) as "cr".
fn canonical_word(word: &str) -> Option<&str> {
    match word {
        "hematologic" | "hematological" | "haematologic" | "haematological" => None,
        "morphological" => Some("morphologic"),
        "leukaemia" => Some("leukemia"),
        _ => match word.strip_prefix("cr") {
            Some(ordinal) if !ordinal.is_empty() && ordinal.chars().all(|c| c.is_ascii_digit()) => {
                Some("cr")
            }
            _ => Some(word),
        },
    }
}

/// How many words at the start of `words` state measurable residual disease (ELN 2017's
/// CR_MRD−, "CR MRD negative", "without minimal residual disease", "MRD-positive"), with the
/// denial or assertion that goes with it; `None` when they do not. Whether MRD is there or
/// not, the remission beside it stands, so these words are passed over rather than read as a
/// denial of the response.
fn residual_disease_qualifier(words: &[&str]) -> Option<usize> {
    const BEFORE: [&[&str]; 8] = [
        &["negative", "for"],
        &["positive", "for"],
        &["without"],
        &["with"],
        &["no"],
        &["negative"],
        &["positive"],
        &["undetectable"],
    ];
    const NAMES: [&[&str]; 3] = [
        &["mrd"],
        &["minimal", "residual", "disease"],
        &["measurable", "residual", "disease"],
    ];
    const AFTER: [&[&str]; 11] = [
        &["not", "detected"],
        &["negative"],
        &["neg"],
        &["negativity"],
        &["positive"],
        &["pos"],
        &["positivity"],
        &["undetectable"],
        &["detectable"],
        &["detected"],
        &["status"],
    ];
    let before = BEFORE
        .iter()
        .find(|prefix| words.starts_with(prefix))
        .map_or(0, |prefix| prefix.len());
    let name = NAMES
        .iter()
        .find(|name| words[before..].starts_with(name))?
        .len();
    let after = AFTER
        .iter()
        .find(|suffix| words[before + name..].starts_with(suffix))
        .map_or(0, |suffix| suffix.len());
    Some(before + name + after)
}

/// A Deauville score at the start of `words` ("deauville 2", "deauville score 3", "deauville
/// 5ps 4", "deauville score | 2", "deauville 2 5" written "2/5"): how many words it takes and
/// the score. A range ("deauville 3 4") is read by its worse end.
fn deauville_score(words: &[&str]) -> Option<(usize, f64)> {
    if words.first() != Some(&"deauville") {
        return None;
    }
    let score = |word: &str| {
        word.parse::<u8>()
            .ok()
            .filter(|n| (1..=5).contains(n))
            .map(f64::from)
    };
    let mut at = 1;
    while at < words.len()
        && at <= 4
        && matches!(
            words[at],
            "score" | "scale" | "5ps" | "5" | "point" | "five" | "ds" | "of" | "|"
        )
        // "5" is the scale's name only before "point" ("5-point scale"), else it is the score.
        && (words[at] != "5" || matches!(words.get(at + 1), Some(&("point" | "ps"))))
    {
        at += 1;
    }
    let first = score(words.get(at)?)?;
    at += 1;
    match words.get(at).and_then(|w| score(w)) {
        // "2/5": out of five.
        Some(5.0) if first < 5.0 => Some((at + 1, first)),
        Some(second) => Some((at + 1, first.max(second))),
        None => Some((at, first)),
    }
}

/// The prefix of refract's own coded values of a disease status read from words
/// ("refract:response:VGPR"): responses the mCODE trend codes cannot say.
pub const RESPONSE_CODE_PREFIX: &str = "refract:response:";

/// Denials that govern what follows them in their clause, and a list they open ("no
/// progression", "no evidence of progression", "no lymphadenopathy, splenomegaly or PD"), not
/// another finding after a comma ("Progressive metabolic disease, no marrow involvement",
/// "PMD with non-avid splenic lesion"). The stop-reason reader scopes its denials the same
/// way (to the phrase they govern); where the reach is unsure, the status is left unread.
const FORWARD_DENIALS: [&str; 5] = ["no", "non", "without", "never", "absence"];

/// Denials that may follow what they deny, so govern their whole clause ("PD excluded",
/// "progression-free", "progression not seen", "not PD"); "…, bone marrow negative" denies
/// only its own clause.
const CLAUSE_DENIALS: [&str; 5] = ["not", "absent", "negative", "free", "excluded"];

/// A clause's end other than a sentence's: a comma or a bracket.
const CLAUSE_END: &str = ",";

/// Words that open a clause of their own ("…, no marrow involvement but progressive disease").
const CLAUSE_OPENERS: [&str; 4] = ["but", "however", "although", "whereas"];

/// Words that hedge a disease status anywhere in its sentence ("possible relapse", "PD,
/// indeterminate", "progression, possibly pseudoprogression").
const HEDGES: [&str; 11] = [
    "unlikely",
    "possible",
    "possibly",
    "probable",
    "probably",
    "suspected",
    "suspicion",
    "query",
    "equivocal",
    "indeterminate",
    "pseudoprogression",
];

/// Words that, among the few just before a category, make it a question, a past finding or a
/// likelihood rather than a status now: "Rule out progression", "?progression", "History of
/// progression", "likely relapse" (the first review's cases). Only there: anywhere in the text
/// they speak of something else ("Progressive disease after prior R-CHOP", "…, likely
/// transformation", "Relapse; history of DLBCL": the second review's cases).
/// ("prior", "previous" name an earlier study's finding, which is not read at all: see
/// [`PRIOR_STUDY`].)
const QUALIFIERS_BEFORE: [&str; 10] = [
    "?",
    "ruleout",
    "rule",
    "ruled",
    "history",
    "hx",
    "likely",
    "concern",
    "concerning",
    "questionable",
];

/// How many words before a category [`QUALIFIERS_BEFORE`] reach ("history of progression",
/// "rule out disease progression").
const QUALIFIER_REACH: usize = 3;

/// The word a sentence's end is read as (see [`Response::from_words`]).
const SENTENCE_END: &str = "|";

/// Words that, anywhere after a category in its sentence, doubt or deny it: "Progression ruled
/// out on PET", "PD questionable", "Progression - concerning", "Progression (unconfirmed)"
/// (the third review's cases were read as progressions).
const DOUBTS_AFTER: [&str; 6] = [
    "ruled",
    "questionable",
    "concerning",
    "unconfirmed",
    "uncertain",
    "?",
];

/// Whether the words after a category in its sentence doubt it (see [`DOUBTS_AFTER`]): also a
/// likelihood that ends the sentence ("Progression likely", not "…, likely transformation"),
/// "pending" or "awaiting" right after it or beside a confirmation ("PD, confirmation
/// pending", not "…, biopsy pending"), and "to be confirmed" or "to be determined".
fn doubted_after(after: &[&str]) -> bool {
    let confirmation = |word: &&str| word.starts_with("confirm") || *word == "determined";
    after.iter().any(|word| DOUBTS_AFTER.contains(word))
        || after
            .last()
            .is_some_and(|word| matches!(*word, "likely" | "probable"))
        || after
            .first()
            .is_some_and(|word| matches!(*word, "pending" | "awaiting"))
        || (after
            .iter()
            .any(|word| matches!(*word, "pending" | "awaiting" | "tbc" | "tbd"))
            && after.iter().any(confirmation))
        || after
            .windows(3)
            .any(|three| three[0] == "to" && three[1] == "be" && confirmation(&three[2]))
        // "PD, not confirmed", "progression, not yet confirmed", "no confirmation".
        || after.iter().enumerate().any(|(at, word)| {
            matches!(*word, "not" | "no")
                && after[at + 1..].iter().take(2).any(confirmation)
        })
        // "PMD, not excluded", "cannot be excluded", "can't be ruled out", "could not be ruled
        // out": the possibility is kept open, the response is not stated.
        || after.iter().enumerate().any(|(at, word)| {
            matches!(*word, "excluded" | "ruled")
                && after[at.saturating_sub(3)..at]
                    .iter()
                    .any(|before| matches!(*before, "not" | "cannot" | "t" | "unable"))
        })
}

/// Response words and abbreviations, longest first within a category so that "very good
/// partial response" is read before "partial response". IMWG 2016 (sCR, CR, VGPR, PR, MR, SD,
/// PD, relapse), Lugano 2014 (CMR, PMR, NMR, PMD, and their CT words), ELN 2017 (CRi, CRh,
/// MLFS), and the mCODE trend displays ("worsened", "improved").
const RESPONSE_PHRASES: [(&str, Response); 54] = [
    ("stringent complete response", Response::StringentComplete),
    ("stringent complete remission", Response::StringentComplete),
    ("stringent cr", Response::StringentComplete),
    ("scr", Response::StringentComplete),
    // The long forms of CRi and CRh before "cr": "CR with partial hematologic recovery" is a
    // CRh (ELN 2022), which the rule files count as remission only where they list it, not a CR.
    // "hematologic" is passed over (`canonical_word`), so "CR with partial recovery" reads the same.
    (
        "complete remission with incomplete",
        Response::CompleteIncompleteRecovery,
    ),
    (
        "complete response with incomplete",
        Response::CompleteIncompleteRecovery,
    ),
    ("cr with incomplete", Response::CompleteIncompleteRecovery),
    ("cri", Response::CompleteIncompleteRecovery),
    (
        "complete remission with partial",
        Response::CompletePartialRecovery,
    ),
    (
        "complete response with partial",
        Response::CompletePartialRecovery,
    ),
    ("cr with partial", Response::CompletePartialRecovery),
    ("crh", Response::CompletePartialRecovery),
    // "free" is the state's name here, no denial; British spellings are read as these
    // (`canonical_word`).
    (
        "morphologic leukemia free state",
        Response::MorphologicLeukemiaFree,
    ),
    ("leukemia free state", Response::MorphologicLeukemiaFree),
    ("mlfs", Response::MorphologicLeukemiaFree),
    ("complete metabolic response", Response::Complete),
    ("complete response", Response::Complete),
    ("complete remission", Response::Complete),
    ("cmr", Response::Complete),
    ("cr", Response::Complete),
    ("very good partial response", Response::VeryGoodPartial),
    ("very good partial remission", Response::VeryGoodPartial),
    ("vgpr", Response::VeryGoodPartial),
    ("partial metabolic response", Response::Partial),
    ("partial response", Response::Partial),
    ("partial remission", Response::Partial),
    ("pmr", Response::Partial),
    ("pr", Response::Partial),
    ("improved", Response::Partial),
    ("minimal response", Response::Minimal),
    ("minor response", Response::Minimal),
    ("mr", Response::Minimal),
    ("no metabolic response", Response::Stable),
    ("stable disease", Response::Stable),
    ("nmr", Response::Stable),
    ("sd", Response::Stable),
    ("stable", Response::Stable),
    ("progressive metabolic disease", Response::Progression),
    ("progressive disease", Response::Progression),
    ("disease progression", Response::Progression),
    ("progression of disease", Response::Progression),
    ("progression", Response::Progression),
    ("progressing", Response::Progression),
    ("progressed", Response::Progression),
    ("progressive", Response::Progression),
    ("pmd", Response::Progression),
    ("pd", Response::Progression),
    ("relapsed disease", Response::Progression),
    ("clinical relapse", Response::Progression),
    ("relapse", Response::Progression),
    ("relapsed", Response::Progression),
    ("relapsing", Response::Progression),
    ("worsened", Response::Progression),
    ("worsening", Response::Progression),
];

/// The phrases that, in a report's conclusion, name a response wherever they stand: the
/// Lugano PET categories spelled out, and the IMWG and ELN categories in words that name
/// nothing else. Every other phrase of [`RESPONSE_PHRASES`] speaks of other things too in a
/// radiology or pathology report ("stable appearance", "worsening effusion", "progression of
/// degenerative change", "relapsing-remitting multiple sclerosis", "MR brain", "CMR"
/// cardiac MR, "PD" Parkinson's disease on a DaTscan, "PR" progesterone receptor, "SCr"
/// serum creatinine, "CRI" chronic renal insufficiency, "stable disease" of an MS plaque
/// burden), and is read only in a sentence of [`REPORT_CONTEXT`]. A choice: a false
/// progression or stable disease flags a patient, a response missed leaves it unknown.
/// "Complete remission" and "partial response" stand alone (a bone marrow's "Complete
/// remission."); of another disease (Crohn's in remission) they would read as a response.
const REPORT_PHRASES_ALONE: [&str; 23] = [
    "stringent complete response",
    "stringent complete remission",
    "stringent cr",
    "complete remission with incomplete",
    "complete response with incomplete",
    "cr with incomplete",
    "complete remission with partial",
    "complete response with partial",
    "cr with partial",
    "morphologic leukemia free state",
    "leukemia free state",
    "mlfs",
    "complete metabolic response",
    "complete response",
    "complete remission",
    "very good partial response",
    "very good partial remission",
    "vgpr",
    "partial metabolic response",
    "partial response",
    "partial remission",
    "no metabolic response",
    "progressive metabolic disease",
];

/// Whether a report's code or category (`words`: their texts and displays) says it is about
/// a haematological cancer's response: a PET or PET-CT, a bone marrow, a lymphoma's,
/// myeloma's or leukaemia's pathology, or the response criteria themselves. Only such a report
/// states the cancer's status by a trend `conclusionCode` ("Patient's condition stable" on a
/// CT chest is the nodule's) and by a response phrase alone; any other reads a response only in
/// a sentence that names the cancer.
/// A PET's name glued to its partner ("PETCT", "PET/CT", "FDG-PET") or written as LOINC
/// writes it ("PT+CT Whole body", LOINC's "PT" being PET) is a PET too.
pub fn report_names_cancer(words: &str) -> bool {
    const SUBJECTS: [&str; 10] = [
        "pet", "positron", "fdg", "marrow", "trephine", "petct", "petmr", "petmri", "ptct",
        "fdgpet",
    ];
    let lower = words.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter_map(canonical_word)
        .filter(|word| !word.is_empty())
        .collect();
    words
        .iter()
        .any(|word| SUBJECTS.contains(word) || REPORT_CONTEXT.contains(word))
        || words.windows(2).any(|two| {
            (two[0] == "pt" && matches!(two[1], "ct" | "mr" | "mri"))
                    // "BM aspirate", "BM trephine biopsy": a bone marrow.
                    || (two[0] == "bm"
                        && matches!(two[1], "aspirate" | "aspiration" | "biopsy" | "bx"))
        })
}

/// LOINC codes of a PET or PET-CT study (LOINC, Regenstrief; the radiology playbook's
/// "PT" modality): a report coded by one alone, with no text or display, is about the cancer
/// as [`report_names_cancer`] reads its words. Codes as data: add a code here with its LOINC
/// display once confirmed.
pub const PET_REPORT_LOINC: [(&str, &str); 1] =
    [("81555-5", "PT+CT Whole body Tum loc W 18F-FDG IV")];

/// Whether a report's coding (`system`, `code`) is a PET study's LOINC code
/// ([`PET_REPORT_LOINC`]).
pub fn report_code_is_pet(system: Option<&str>, code: &str) -> bool {
    system.is_none_or(|system| canonical_system(system) == "http://loinc.org")
        && PET_REPORT_LOINC
            .iter()
            .any(|(loinc, _)| *loinc == code.trim())
}

/// Words that, in a sentence of a report's conclusion, say it speaks of a haematological
/// cancer or of its response criteria, so that every phrase of [`RESPONSE_PHRASES`] is read
/// there ("Lugano: PMD", "Relapsed AML", "Myeloma: progression", "PD, Deauville 5").
/// "Metabolic", "FDG-avid" and "disease" are not among them: a worsening metabolic acidosis,
/// an FDG-avid infection or a progressing lung disease are no cancer's response.
const REPORT_CONTEXT: [&str; 15] = [
    "lugano",
    "deauville",
    "imwg",
    "eln",
    "lymphoma",
    "lymphomas",
    "lymphomatous",
    "dlbcl",
    "lbcl",
    "hodgkin",
    "myeloma",
    "leukemia",
    "aml",
    "blasts",
    "paraprotein",
];

/// Treatment intent of a line (mCODE intents plus the phases oncology uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Intent {
    Curative,
    Palliative,
    Induction,
    Consolidation,
    Maintenance,
    Salvage,
    Bridging,
    Symptomatic,
}
machine_names!(Intent {
    Curative => "curative",
    Palliative => "palliative",
    Induction => "induction",
    Consolidation => "consolidation",
    Maintenance => "maintenance",
    Salvage => "salvage",
    Bridging => "bridging",
    Symptomatic => "symptomatic",
});

/// How much of a drug record's period the record states. A record that says less is kept with
/// what it says, never with a guessed duration: the criteria then treat its duration as
/// unknown (a trial it could decide is undecided), never as zero days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DatesKnown {
    /// The start, and the end or that it is ongoing, as recorded.
    #[default]
    Stated,
    /// The start is known; the end is the last day the drug is known to have been given (a
    /// record stopped or completed with no end date): it may have gone on longer.
    EndUnknown,
    /// The end (or that it is ongoing) is known; the start is a month or a year only
    /// ("2018"), or not recorded at all (a period with an end alone): `start` is the latest day
    /// it can have been (the period's last day, or the end if sooner), and the drug may have
    /// been given since earlier.
    StartUnknown,
    /// Neither: the start and end are the one day the record carries (when it was asserted or
    /// written down), or none at all.
    Unknown,
    /// Known from pharmacy fills (FHIR `MedicationDispense`): from the day the first fill was
    /// handed over to the end of the last fill's days supply. What the patient had in hand, the
    /// measure pharmacy-refill studies and OMOP drug eras take for exposure: read as a stated
    /// period. A last fill whose supply is not known leaves the end unknown (`EndUnknown`).
    Dispensed,
}
machine_names!(DatesKnown {
    Stated => "stated",
    EndUnknown => "end_unknown",
    StartUnknown => "start_unknown",
    Unknown => "unknown",
    Dispensed => "dispensed",
});

/// Where a drug's dose a day came from when refract worked it out rather than read it from the
/// record's own dosage (review R9-7): a clinician weighs a dose derived so, which the evidence
/// and `show` say. `None` on an exposure is a dose its record states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DoseFrom {
    /// A pharmacy fill with no dosage of its own, given its `authorizingPrescription`'s.
    Order,
    /// A fill's quantity × the product's strength ÷ its days supply.
    QuantitySupply,
    /// The day's total of a ward's doses given one at a time (MedicationAdministration).
    WardDayTotal,
}
machine_names!(DoseFrom {
    Order => "order",
    QuantitySupply => "quantity_supply",
    WardDayTotal => "ward_day_total",
});

impl DoseFrom {
    /// How the evidence says the dose was derived ("dose from the order").
    pub const fn words(self) -> &'static str {
        match self {
            DoseFrom::Order => "dose from the order",
            DoseFrom::QuantitySupply => "dose from quantity/supply",
            DoseFrom::WardDayTotal => "day's total of ward doses",
        }
    }
}

impl DatesKnown {
    /// Whether the recorded period may be shorter than the real one.
    pub const fn is_uncertain(self) -> bool {
        !matches!(self, DatesKnown::Stated | DatesKnown::Dispensed)
    }
}

/// The role a drug plays where the code alone cannot tell (midazolam as a first-line bolus or as
/// an anaesthetic infusion in status epilepticus; methotrexate as csDMARD or antineoplastic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DrugRole {
    FirstLineBenzodiazepine,
    SecondLineAntiseizure,
    AnaestheticInfusion,
    Maintenance,
    Augmentation,
    /// Taken only when needed (a rescue benzodiazepine for a cluster of seizures): no schedule,
    /// so never a line, a failed schedule or a trial.
    AsNeeded,
}
machine_names!(DrugRole {
    FirstLineBenzodiazepine => "first_line_bzd",
    SecondLineAntiseizure => "second_line_asm",
    AnaestheticInfusion => "anesthetic_infusion",
    Maintenance => "maintenance",
    Augmentation => "augmentation",
    AsNeeded => "as_needed",
});

/// How a measured value is to be understood when it is not exact (FHIR `Quantity.comparator`):
/// a marrow blast count reported as "< 5 %" is some value below 5, not 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Comparator {
    Below,
    AtMost,
    AtLeast,
    Above,
}
machine_names!(Comparator {
    Below => "<",
    AtMost => "<=",
    AtLeast => ">=",
    Above => ">",
});

impl Comparator {
    /// Whether every value this bound allows is on one side of a cut-off: `Some(true)` when all
    /// are beyond it (`comparison` of "above", "at_least", "below", "at_most"), `Some(false)`
    /// when none are, `None` when some are and some are not ("≥ 10" against "above 10").
    pub fn decides(self, bound: f64, comparison: &str, cut: f64) -> Option<bool> {
        use Comparator::{Above, AtLeast, AtMost, Below};
        // As the criteria read a comparison: anything else is "at most".
        let comparison = match comparison {
            "above" | "at_least" | "below" => comparison,
            _ => "at_most",
        };
        // The values the bound allows reach down (Below, AtMost) or up (AtLeast, Above) without
        // end, so they are never all on the far side of a cut-off in that direction: only "all
        // beyond it" or "none beyond it", the other way, can be said, from where the bound is.
        let (all, none) = match (self, comparison) {
            (Below, "below" | "at_most") | (AtMost, "at_most") => (bound <= cut, false),
            (AtMost, "below") => (bound < cut, false),
            // "above" or "at_least" below the bound: none beyond when the bound is low enough
            // (`Below`'s only values past the cut-off are unreached).
            (Below, _) | (AtMost, "above") => (false, bound <= cut),
            (AtMost, _) => (false, bound < cut),
            (AtLeast, "above") => (bound > cut, false),
            (AtLeast, "at_least") | (Above, "above" | "at_least") => (bound >= cut, false),
            (AtLeast, "below") | (Above, _) => (false, bound >= cut),
            (AtLeast, _) => (false, bound > cut),
        };
        if all {
            Some(true)
        } else if none {
            Some(false)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod comparator_tests {
    use super::Comparator;

    /// Against every value the bound allows (sampled around the cut-off), the answer given is
    /// right, and an answer is given whenever all of them agree.
    #[test]
    fn a_bound_decides_a_cut_off_exactly_when_every_value_it_allows_does() {
        let cut = 5.0;
        // Finer than the distances between the bounds and the cut-off, so that each gap holds
        // a sample, as the real numbers would.
        let samples: Vec<f64> = (-80..=160).map(|n| f64::from(n) * 0.125).collect();
        for comparator in Comparator::ALL.iter().copied() {
            for bound in [3.0, 4.75, 5.0, 5.25, 7.0] {
                let allowed: Vec<f64> = samples
                    .iter()
                    .copied()
                    .filter(|v| match comparator {
                        Comparator::Below => *v < bound,
                        Comparator::AtMost => *v <= bound,
                        Comparator::AtLeast => *v >= bound,
                        Comparator::Above => *v > bound,
                    })
                    .collect();
                for comparison in ["above", "at_least", "below", "at_most"] {
                    let beyond = |v: f64| match comparison {
                        "above" => v > cut,
                        "at_least" => v >= cut,
                        "below" => v < cut,
                        _ => v <= cut,
                    };
                    let expected = if allowed.iter().all(|v| beyond(*v)) {
                        Some(true)
                    } else if allowed.iter().all(|v| !beyond(*v)) {
                        Some(false)
                    } else {
                        None
                    };
                    assert_eq!(
                        comparator.decides(bound, comparison, cut),
                        expected,
                        "{comparator} {bound} {comparison} {cut}"
                    );
                }
            }
        }
    }
}

/// Where a blood pressure was measured; out-of-office readings exclude a white-coat effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BpSetting {
    Office,
    Home,
    Ambulatory24h,
    AmbulatoryAwake,
    AmbulatoryNight,
    /// Not a blood pressure at all as far as the criteria go: a result whose name reads as
    /// one, from a FHIR Observation whose `category` is not vital signs (an echo's or a
    /// catheterisation's "Systolic", "PAS"). Kept on the result under its own code, so that
    /// reading its name again (as results stored before names were read are) does not make
    /// it an office reading.
    NotVitalSigns,
    /// Taken in hospital: during an inpatient stay, an emergency visit, an observation or short
    /// stay, or a pre-admission visit (its Encounter's class, or its words). Acute illness,
    /// pain and missed doses raise it: no office reading, and no out-of-office one either, so
    /// the criteria read neither (AHA 2018). Kept and shown under its own code.
    Hospital,
}
machine_names!(BpSetting {
    Office => "office",
    Home => "home",
    Ambulatory24h => "abpm_24h",
    AmbulatoryAwake => "abpm_awake",
    AmbulatoryNight => "abpm_night",
    NotVitalSigns => "not_vital_signs",
    Hospital => "hospital",
});

impl BpSetting {
    /// An ambulatory or home reading: one that can confirm (or refute) the office level.
    pub const fn is_out_of_office(self) -> bool {
        matches!(
            self,
            BpSetting::Home
                | BpSetting::Ambulatory24h
                | BpSetting::AmbulatoryAwake
                | BpSetting::AmbulatoryNight
        )
    }

    /// A mean of ambulatory monitoring (24-hour, awake or asleep).
    pub const fn is_ambulatory(self) -> bool {
        matches!(
            self,
            BpSetting::Ambulatory24h | BpSetting::AmbulatoryAwake | BpSetting::AmbulatoryNight
        )
    }

    /// Whether the criteria read the reading at all: an office, home or ambulatory one.
    pub const fn is_read_by_the_criteria(self) -> bool {
        matches!(self, BpSetting::Office) || self.is_out_of_office()
    }
}

/// The code system of a condition code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConditionCodeSystem {
    Icd10,
    Snomed,
    Other,
}
machine_names!(ConditionCodeSystem { Icd10 => "icd10", Snomed => "snomed", Other => "other" });

/// The FHIR URI of a code system written as its HL7 OID (`urn:oid:2.16.840.1.113883.6.96` is
/// SNOMED CT), as records converted from CDA documents write them; any other system as given.
/// (FHIR R4 terminologies list each system's OID beside its URI.)
pub fn canonical_system(system: &str) -> &str {
    const BY_OID: [(&str, &str); 9] = [
        ("2.16.840.1.113883.6.96", "http://snomed.info/sct"),
        (
            "2.16.840.1.113883.6.90",
            "http://hl7.org/fhir/sid/icd-10-cm",
        ),
        ("2.16.840.1.113883.6.3", "http://hl7.org/fhir/sid/icd-10"),
        ("2.16.840.1.113883.6.1", "http://loinc.org"),
        (
            "2.16.840.1.113883.6.88",
            "http://www.nlm.nih.gov/research/umls/rxnorm",
        ),
        ("2.16.840.1.113883.6.73", "http://www.whocc.no/atc"),
        // Procedures (HL7 terminology: CPT-4, ICD-10-PCS, HCPCS).
        ("2.16.840.1.113883.6.12", "http://www.ama-assn.org/go/cpt"),
        (
            "2.16.840.1.113883.6.4",
            "http://www.cms.gov/Medicare/Coding/ICD10",
        ),
        (
            "2.16.840.1.113883.6.285",
            "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
        ),
    ];
    let trimmed = system.trim();
    let oid = trimmed
        .get(..8)
        .filter(|prefix| prefix.eq_ignore_ascii_case("urn:oid:"))
        .map_or(trimmed, |_| &trimmed[8..]);
    BY_OID
        .iter()
        .find(|(known, _)| *known == oid)
        .map_or(system, |(_, uri)| uri)
}

impl ConditionCodeSystem {
    /// Recognises the FHIR system URIs of ICD-10 (WHO and CM) and SNOMED CT, also as OIDs.
    pub fn from_uri(uri: &str) -> Self {
        // Read for every coding of every diagnosis each rule set is matched against: compared
        // in place rather than lower-cased into a copy.
        let uri = canonical_system(uri).as_bytes();
        let contains = |word: &str| {
            uri.windows(word.len())
                .any(|part| part.eq_ignore_ascii_case(word.as_bytes()))
        };
        if contains("snomed") {
            ConditionCodeSystem::Snomed
        } else if contains("icd-10") || contains("icd10") {
            ConditionCodeSystem::Icd10
        } else {
            ConditionCodeSystem::Other
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OC-7: progression at any site is the response whatever is stable elsewhere (Lugano 2014,
    /// IMWG 2016); a site's stable answer to a category looked for is no finding of it; two
    /// responses of another kind still read none.
    #[test]
    fn a_progression_beside_stable_disease_is_a_progression_and_a_stable_answer_no_finding() {
        for words in [
            "Evaluation for progression: new lesions, bones stable",
            "Restaging for progression: new liver lesions, bones stable",
            "Progression in the liver; nodes stable",
            "Stable nodal disease, progressive disease in the marrow",
            "Lymph nodes stable. New hepatic lesions, progressive metabolic disease.",
        ] {
            assert_eq!(
                Response::from_words(words),
                Some(Response::Progression),
                "{words}"
            );
        }
        for (words, expected) in [
            (
                "Restaging for progression: bones stable",
                Some(Response::Stable),
            ),
            (
                "Evaluation for progression: nodes stable",
                Some(Response::Stable),
            ),
            ("Stable disease; no progression", None),
            ("Stable disease; ?progression in the liver", None),
            ("Possible progression, bones stable", None),
            ("Complete response in nodes, progression in the liver", None),
            ("Partial response; stable disease", None),
            (
                "Stable disease; previously progressive disease",
                Some(Response::Stable),
            ),
        ] {
            assert_eq!(Response::from_words(words), expected, "{words}");
        }
    }

    /// OC-7: a report's sentences read as one text's clauses are: a progression in one
    /// beside stable disease in another is a progression, also beside a worsened trend code.
    #[test]
    fn a_report_reading_progression_beside_stable_disease_reads_a_progression() {
        let words = ReportWords::of(
            ["Progressive metabolic disease in the liver. Nodal disease stable."],
            ReportAbout::CodedStatus,
        );
        assert_eq!(words.response(), Some(Response::Progression), "{words:?}");
        assert!(words.agree_with(Response::Progression), "{words:?}");
        assert!(!words.agree_with(Response::Stable), "{words:?}");
        let words = ReportWords::of(
            ["Complete metabolic response. Progressive disease."],
            ReportAbout::CodedStatus,
        );
        assert_eq!(words.response(), None, "{words:?}");
        let words = ReportWords::of(
            ["Nodal disease stable. ?Progression in the liver."],
            ReportAbout::CodedStatus,
        );
        assert_eq!(words.response(), Some(Response::Stable), "{words:?}");
    }

    /// OC-6: the trend codes of mCODE STU3's ConditionStatusTrendVS (hl7.org/fhir/us/mcode/STU3,
    /// ValueSet-mcode-condition-status-trend-vs) beside STU2's and STU4's.
    #[test]
    fn every_published_mcode_trend_code_reads_its_response() {
        for (code, expected) in [
            ("268910001", Some(Response::Partial)),
            ("359746009", Some(Response::Stable)),
            ("271299001", Some(Response::Progression)),
            ("709137006", None),
            ("550991000124107", Some(Response::Complete)),
            ("551001000124108", Some(Response::Partial)),
            ("103338009", Some(Response::Complete)),
            ("103337004", Some(Response::Partial)),
            ("399409002", None),
        ] {
            assert_eq!(Response::from_disease_status(code), expected, "{code}");
        }
    }

    #[test]
    fn a_deauville_score_of_1_to_3_alone_is_a_complete_metabolic_response_and_4_or_5_alone_nothing()
    {
        for (words, expected) in [
            ("Deauville score 2", Some(Response::Complete)),
            ("Deauville 3", Some(Response::Complete)),
            ("Deauville score: 1", Some(Response::Complete)),
            ("Deauville 5-point scale 2", Some(Response::Complete)),
            ("Deauville 2/5", Some(Response::Complete)),
            ("Deauville score 4", None),
            ("Deauville 5", None),
            ("Deauville 3-4", None),
            (
                "Progressive metabolic disease, Deauville 5",
                Some(Response::Progression),
            ),
            (
                "Partial metabolic response (Deauville 4)",
                Some(Response::Partial),
            ),
            (
                "Complete metabolic response (Deauville 2)",
                Some(Response::Complete),
            ),
            ("Progressive disease, Deauville 2", None),
        ] {
            assert_eq!(Response::from_words(words), expected, "{words}");
        }
    }

    #[test]
    fn a_response_is_read_from_its_words_unless_denied_or_hedged() {
        for (words, expected) in [
            ("Progressive disease", Response::Progression),
            ("PD", Response::Progression),
            ("Disease progression", Response::Progression),
            ("relapsed", Response::Progression),
            (
                "Very good partial response (VGPR)",
                Response::VeryGoodPartial,
            ),
            ("Partial response", Response::Partial),
            ("sCR", Response::StringentComplete),
            ("Minimal response", Response::Minimal),
            ("No metabolic response", Response::Stable),
            ("Deauville 5, PMD", Response::Progression),
            ("CMR", Response::Complete),
            ("CRi", Response::CompleteIncompleteRecovery),
        ] {
            assert_eq!(Response::from_words(words), Some(expected), "{words}");
        }
        for words in [
            "No progression",
            "not PD",
            "possible relapse",
            "progression-free",
            "VGPR then PD",
            "pseudoprogression",
            "awaiting restaging",
            // A question or a past finding (the review's cases).
            "Rule out progression",
            "r/o PD",
            "?progression",
            "PD?",
            "History of progression",
            "likely progression",
            "progression pending confirmation",
            // Doubts said after the category (the third review's cases).
            "Progression ruled out",
            "PD ruled out on PET",
            "Progression likely",
            "PD questionable",
            "Progression - concerning",
            "PD, confirmation pending",
            "PD to be confirmed",
            "progression to be determined",
            "Progression (unconfirmed)",
            "Progression - uncertain",
        ] {
            assert_eq!(Response::from_words(words), None, "{words}");
        }
        // Those words elsewhere speak of something else (the second review's cases).
        for words in [
            "Progressive disease after prior R-CHOP",
            "Progressive disease, biopsy pending",
            "Progressive disease (new liver lesions; ?bone)",
            "Progressive disease - evaluate for CAR-T",
            "Progressive disease, likely transformation",
            "Relapse; history of DLBCL",
            // A qualifier in another sentence qualifies something else (the third review's).
            "After prior R-CHOP: progressive disease",
            "Hx DLBCL; relapsed",
            "New liver lesions; ?bone. Progressive disease",
        ] {
            assert_eq!(
                Response::from_words(words),
                Some(Response::Progression),
                "{words}"
            );
        }
        for response in Response::ALL {
            let code = response.disease_status_code();
            assert_eq!(
                Response::from_disease_status(&code),
                Some(*response),
                "{code}"
            );
        }
    }

    /// CR-11: a category looked for and not found is no status: a negative result after it,
    /// or none where the words say it was looked for; a positive one states it.
    #[test]
    fn a_status_looked_for_and_not_found_is_unread() {
        for words in [
            "Screening for relapse: negative",
            "Relapse screen negative",
            "Relapse screening: negative",
            "Assessed for recurrence — none",
            "Evaluated for progression: no evidence",
            "Relapse: none found",
            "Progression: nil",
            "Progressive disease: negative on PET",
            "Surveillance for relapse",
            "Restaging for progression",
            "Relapse surveillance",
        ] {
            assert_eq!(Response::from_words(words), None, "{words}");
        }
        for words in [
            "Screening for relapse: positive",
            "Relapse, no high-risk features",
            "Progressive disease: new liver lesions",
            "Progressive disease, no marrow involvement",
            "Relapse: no evidence of CNS disease",
            // RV-1: a finding after the category looked for answers it.
            "Restaging for progression: new liver lesions, Deauville 5",
            "Restaging for progression: Deauville 5 with new lesions",
            "Assessed for progression: new lesions, Deauville 5",
            "Evaluation for relapse: new FDG-avid nodes, Deauville 5",
            "Evaluation for relapse: marrow 35 % blasts",
            "Relapse screen: new lytic lesions",
        ] {
            assert_eq!(
                Response::from_words(words),
                Some(Response::Progression),
                "{words}"
            );
        }
        // RV-1: a question or a pending study is no answer.
        for words in [
            "Restaging for progression: pending",
            "Restaging for progression: PET-CT pending",
            "Screening for relapse: ?",
            "Evaluation for relapse: marrow biopsy scheduled",
        ] {
            assert_eq!(Response::from_words(words), None, "{words}");
        }
        // Another response named in the answer is the status; a category denied beside
        // another response leaves that one read.
        for words in [
            "Restaging for progression: complete metabolic response",
            "Restaging for progression: Deauville 2",
            "Complete metabolic response; relapse screen: negative",
            "Complete metabolic response, screening for relapse negative",
        ] {
            assert_eq!(
                Response::from_words(words),
                Some(Response::Complete),
                "{words}"
            );
        }
        // The same category stated and denied says nothing.
        assert_eq!(
            Response::from_words("Progressive disease; relapse screen: negative"),
            None
        );
    }

    #[test]
    fn non_hodgkin_in_a_status_names_the_disease_and_denies_nothing() {
        assert_eq!(
            Response::from_words("Relapsed non-Hodgkin lymphoma"),
            Some(Response::Progression)
        );
        assert_eq!(
            Response::from_words("Non-Hodgkin lymphoma, no progression"),
            None
        );
    }

    #[test]
    fn a_reports_conclusion_is_read_sentence_by_sentence() {
        let read = |text: &str| ReportWords::of([text], ReportAbout::Cancer).response();
        for (text, expected) in [
            (
                "No new lesions. Progressive metabolic disease.",
                Response::Progression,
            ),
            (
                "Progressive metabolic disease (Lugano), Deauville 5 with new FDG-avid nodes.",
                Response::Progression,
            ),
            (
                "No residual disease; complete metabolic response",
                Response::Complete,
            ),
            ("Complete remission.", Response::Complete),
            ("Deauville 2.", Response::Complete),
            ("Lugano: PMD", Response::Progression),
            ("Relapsed AML, 35% blasts.", Response::Progression),
            ("Relapsed non-Hodgkin lymphoma.", Response::Progression),
            (
                "Myeloma: stable disease. Stable renal cyst.",
                Response::Stable,
            ),
            ("Very good partial response", Response::VeryGoodPartial),
            (
                "SUVmax 12.5. Partial metabolic response.",
                Response::Partial,
            ),
        ] {
            assert_eq!(read(text), Some(expected), "{text}");
        }
        for text in [
            // Two responses in two sentences, or a response and a doubt of it.
            "Partial metabolic response in the neck. Progressive metabolic disease in the abdomen.",
            "Progressive metabolic disease. Lymphoma progression not confirmed.",
            // Within a sentence a denial still denies (its reach is not read).
            "No lymphadenopathy, splenomegaly or progressive metabolic disease.",
            // Words of something else than the cancer's response.
            "Stable appearance of the right renal cyst.",
            "No evidence of disease.",
            "NED.",
            "Worsening right pleural effusion.",
            "MR brain: no acute abnormality",
            "Stable disease burden of multiple sclerosis",
            "DaTscan: findings consistent with PD.",
            "Relapsing-remitting multiple sclerosis.",
            "Progressive degenerative change of the lumbar spine.",
            "Interstitial lung disease progression.",
            "Progression of disease in the left lung (interstitial).",
            "CMR: normal function",
            "ER positive, PR positive.",
            "SCr 1.4, stable.",
            "Known CRI.",
            "Improved aeration.",
            "Worsening metabolic acidosis.",
            "Minor response to diuretics.",
            "Deauville 4.",
        ] {
            assert_eq!(read(text), None, "{text}");
        }
        // Beside a code that reads as a status, the words are a status's.
        let coded = ReportWords::of(["Worsening."], ReportAbout::CodedStatus);
        assert!(coded.agree_with(Response::Progression));
        assert!(!coded.agree_with(Response::Stable));
        let doubting = ReportWords::of(["Progression not confirmed."], ReportAbout::CodedStatus);
        assert!(!doubting.agree_with(Response::Progression));
        let silent = ReportWords::of(["New FDG-avid nodes."], ReportAbout::CodedStatus);
        assert!(silent.agree_with(Response::Progression));
    }

    #[test]
    fn a_response_of_an_earlier_study_is_not_todays() {
        let read = |text: &str| ReportWords::of([text], ReportAbout::Cancer).response();
        for text in [
            "New FDG-avid hepatic and osseous lesions, Deauville 5 (previously Deauville 2).",
            "Compared with the interim PET-CT, which showed complete metabolic response, there \
             are new FDG-avid lesions in the liver and spleen.",
            "Interim PET-CT showed complete metabolic response; new hepatic lesions.",
            "New lesions since the prior complete metabolic response.",
            "Baseline Deauville 3.",
            // A Deauville 4-5 of this study is no complete metabolic response.
            "Complete metabolic response, Deauville 4.",
            "Complete metabolic response. Deauville 5.",
        ] {
            assert_eq!(read(text), None, "{text}");
        }
        for (text, expected) in [
            (
                "Progressive metabolic disease (previously complete metabolic response).",
                Response::Progression,
            ),
            (
                "Compared with the prior PET-CT, progressive metabolic disease.",
                Response::Progression,
            ),
            (
                "Deauville 2 (previously Deauville 5). Complete metabolic response.",
                Response::Complete,
            ),
        ] {
            assert_eq!(read(text), Some(expected), "{text}");
        }
    }

    #[test]
    fn a_denial_reaches_only_what_it_governs() {
        let read = |text: &str| ReportWords::of([text], ReportAbout::Cancer).response();
        for (text, expected) in [
            (
                "Progressive metabolic disease, Deauville 5, no marrow involvement.",
                Response::Progression,
            ),
            (
                "Progressive metabolic disease with non-avid splenic lesion.",
                Response::Progression,
            ),
            (
                "Progressive metabolic disease, Deauville 5, no new extranodal sites.",
                Response::Progression,
            ),
            (
                "Complete metabolic response, bone marrow negative.",
                Response::Complete,
            ),
            (
                "No marrow involvement but progressive metabolic disease.",
                Response::Progression,
            ),
        ] {
            assert_eq!(read(text), Some(expected), "{text}");
        }
        for text in [
            "No lymphadenopathy, splenomegaly or progressive metabolic disease.",
            "No progressive metabolic disease.",
            "Progressive metabolic disease excluded.",
            "Progressive metabolic disease, not confirmed.",
            "Progressive metabolic disease, possibly pseudoprogression.",
            "Lymphoma progression-free.",
        ] {
            assert_eq!(read(text), None, "{text}");
        }
        assert_eq!(
            Response::from_words("No progression, stable disease"),
            None,
            "a denied response beside another leaves the status unread"
        );
    }

    #[test]
    fn another_diseases_response_is_not_the_cancers() {
        for about in [ReportAbout::Cancer, ReportAbout::Other] {
            for text in [
                "Crohn's colitis in complete remission.",
                "Nephrotic syndrome in partial remission.",
                "GVHD, partial response to steroids.",
                "Complete response of the liver abscess to drainage.",
            ] {
                assert_eq!(ReportWords::of([text], about).response(), None, "{text}");
            }
            // A sentence naming the cancer is the cancer's, whatever else it names.
            for text in [
                "Relapsed nodular sclerosis classical Hodgkin lymphoma: progressive disease.",
                "HIV-associated DLBCL: progressive metabolic disease, Deauville 5.",
                "Progression of lymphoma, Deauville 5, with right lower lobe pneumonia.",
            ] {
                assert_eq!(
                    ReportWords::of([text], about).response(),
                    Some(Response::Progression),
                    "{text}"
                );
            }
        }
        // In a report not about the cancer, a response phrase needs the cancer beside it.
        let other = |text: &str| ReportWords::of([text], ReportAbout::Other).response();
        assert_eq!(other("Complete remission."), None);
        assert_eq!(other("Stable 4 mm pulmonary nodule."), None);
        assert_eq!(
            other("Lymphoma in complete remission."),
            Some(Response::Complete)
        );
        assert!(report_names_cancer("PET+CT Whole body"));
        assert!(report_names_cancer("Bone marrow aspirate and trephine"));
        assert!(report_names_cancer("Lymph node biopsy: lymphoma pathology"));
        assert!(!report_names_cancer("CT chest without contrast"));
        assert!(!report_names_cancer("Colon biopsy, surgical pathology"));
        assert!(report_names_cancer("PETCT SKULL BASE-THIGH"));
        assert!(report_names_cancer("PT+CT Whole body Tum loc W 18F-FDG IV"));
        assert!(report_names_cancer("BM aspirate"));
        assert!(!report_names_cancer("PT evaluation"));
        assert!(report_code_is_pet(Some("http://loinc.org"), "81555-5"));
        assert!(!report_code_is_pet(
            Some("http://snomed.info/sct"),
            "81555-5"
        ));
    }

    #[test]
    fn machine_names_round_trip() {
        for reason in StopReason::ALL {
            assert_eq!(StopReason::parse(reason.as_str()), Ok(*reason));
        }
        for response in Response::ALL {
            assert_eq!(Response::parse_any(response.as_str()), Some(*response));
        }
        assert!(Sex::parse("F").is_err());
    }

    #[test]
    fn a_code_system_written_as_its_oid_is_that_system() {
        assert_eq!(
            ConditionCodeSystem::from_uri("urn:oid:2.16.840.1.113883.6.90"),
            ConditionCodeSystem::Icd10
        );
        assert_eq!(
            ConditionCodeSystem::from_uri("URN:OID:2.16.840.1.113883.6.96"),
            ConditionCodeSystem::Snomed
        );
        assert_eq!(
            ConditionCodeSystem::from_uri("urn:oid:2.16.840.1.113883.6.900"),
            ConditionCodeSystem::Other
        );
        assert_eq!(
            canonical_system("urn:oid:2.16.840.1.113883.6.88"),
            "http://www.nlm.nih.gov/research/umls/rxnorm"
        );
        assert_eq!(canonical_system("http://loinc.org"), "http://loinc.org");
    }

    #[test]
    fn termination_reasons_map_from_snomed() {
        assert_eq!(
            StopReason::from_snomed("266721009"),
            Some(StopReason::LackOfEfficacy)
        );
        assert_eq!(
            StopReason::from_snomed("407563006"),
            Some(StopReason::Intolerance)
        );
        assert_eq!(
            StopReason::from_snomed("7058009"),
            Some(StopReason::Noncompliance)
        );
        // Each reason is exported with a code read back as that reason.
        for reason in StopReason::ALL {
            assert_eq!(StopReason::from_snomed(reason.snomed().0), Some(*reason));
        }
        assert!(!StopReason::Noncompliance.is_efficacy_failure());
        assert!(StopReason::Progression.is_efficacy_failure());
    }

    #[test]
    fn pet_categories_map_to_ct() {
        assert_eq!(Response::parse_any("PMD"), Some(Response::Progression));
        assert_eq!(Response::parse_any("CMR"), Some(Response::Complete));
        assert!(Response::Minimal.depth() > Response::Stable.depth());
    }
}
