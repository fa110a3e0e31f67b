//! Assessments (what the rules say), reviews (what the team decided about them) and the audit
//! trail of every change a person makes.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::{PatientId, machine_names};

/// The status of an assessment. The machine names are a contract (docs/architecture.md, statuses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AssessmentStatus {
    NotMet,
    InsufficientData,
    Relapsed,
    Resistant,
    Refractory,
}
machine_names!(AssessmentStatus {
    NotMet => "not_met",
    InsufficientData => "insufficient_data",
    Relapsed => "relapsed",
    Resistant => "resistant",
    Refractory => "refractory",
});

impl AssessmentStatus {
    /// Every status, the most severe first: the order the list's counts and its filter show.
    pub const MOST_SEVERE_FIRST: [AssessmentStatus; 5] = [
        AssessmentStatus::Refractory,
        AssessmentStatus::Resistant,
        AssessmentStatus::Relapsed,
        AssessmentStatus::InsufficientData,
        AssessmentStatus::NotMet,
    ];

    /// Severity rank for sorting and for picking a patient's headline condition: refractory is
    /// highest. Stored in the patient list so that sorting by status is an index walk.
    pub const fn rank(self) -> i64 {
        match self {
            AssessmentStatus::NotMet => 1,
            AssessmentStatus::InsufficientData => 2,
            AssessmentStatus::Relapsed => 3,
            AssessmentStatus::Resistant => 4,
            AssessmentStatus::Refractory => 5,
        }
    }

    pub fn from_rank(rank: i64) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|status| status.rank() == rank)
    }

    /// Whether the status is a flag the team is asked to confirm or dismiss.
    pub const fn asks_for_review(self) -> bool {
        matches!(
            self,
            AssessmentStatus::Refractory | AssessmentStatus::Resistant | AssessmentStatus::Relapsed
        )
    }

    /// The symbol that carries the status without colour.
    pub const fn symbol(self) -> &'static str {
        match self {
            AssessmentStatus::Refractory => "▲",
            AssessmentStatus::Resistant => "△",
            AssessmentStatus::Relapsed => "↺",
            AssessmentStatus::NotMet => "·",
            AssessmentStatus::InsufficientData => "?",
        }
    }

    /// The short word shown beside the symbol.
    pub const fn word(self) -> &'static str {
        match self {
            AssessmentStatus::Refractory => "refractory",
            AssessmentStatus::Resistant => "resistant",
            AssessmentStatus::Relapsed => "relapsed",
            AssessmentStatus::NotMet => "not refractory",
            AssessmentStatus::InsufficientData => "insufficient",
        }
    }
}

/// What kind of record an evidence row points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EvidenceKind {
    Exposure,
    Line,
    Observation,
    Procedure,
    Condition,
}
machine_names!(EvidenceKind {
    Exposure => "exposure",
    Line => "line",
    Observation => "observation",
    Procedure => "procedure",
    Condition => "condition",
});

/// One record that satisfied (or decided) a criterion, so the screen can show why.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Evidence {
    /// The criterion it supports (its id in the rule file).
    pub criterion: String,
    pub kind: EvidenceKind,
    pub id: i64,
    /// The record in words ("2L lamotrigine 400 mg/d, 2021-03 → 2022-04, stopped: no response").
    pub text: String,
    /// Other records (of the same kind) the item stands for: the same course recorded again,
    /// by another source or beside its renewal, is one item citing each record. Left out of
    /// the stored JSON when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<i64>,
    /// What the item is to the criteria, for a review's fingerprint: a counted drug's
    /// ingredients and the reason it stopped, a line's number, regimen, response and stop
    /// reason, a procedure's name; never its dates, lengths or doses, which another source's
    /// copy of the same course words otherwise (review39 F7). Empty where the words are what
    /// counts (a diagnosis). Neither stored nor printed: the fingerprint is.
    #[serde(skip)]
    pub content: String,
}

/// Items are equal by what they cite and say: their `content` is not stored (the fingerprint
/// made of it is), so an item read back from the file equals the one evaluated.
impl PartialEq for Evidence {
    fn eq(&self, other: &Self) -> bool {
        (&self.criterion, self.kind, self.id, &self.text, &self.also)
            == (
                &other.criterion,
                other.kind,
                other.id,
                &other.text,
                &other.also,
            )
    }
}

impl Evidence {
    /// Whether the item cites record `id` (as its own or as another record of it).
    pub fn cites(&self, id: i64) -> bool {
        self.id == id || self.also.contains(&id)
    }

    /// Adds `other`'s records to this item's (the same item found again).
    pub fn absorb(&mut self, other: &Evidence) {
        for id in std::iter::once(other.id).chain(other.also.iter().copied()) {
            if !self.cites(id) {
                self.also.push(id);
            }
        }
    }
}

/// A pseudo-resistance check not yet resolved (adherence, dose adequacy, diagnosis…). Open
/// confounders never hide a flag; they become checklist items of way-forward step 2.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Confounder {
    /// Stable key, unique within the rule set ("adherence", "white_coat").
    pub key: String,
    pub text: String,
    /// What the rule-out is to a review's fingerprint where its key alone does not say it: the
    /// secondary causes a record names ("secondary_causes: renal artery stenosis"), never the
    /// dates and values its words carry. Empty where the key says it. Neither stored nor
    /// printed, as [`Evidence::content`].
    #[serde(skip)]
    pub content: String,
}

/// Rule-outs are equal by what they say: their `content` is not stored.
impl PartialEq for Confounder {
    fn eq(&self, other: &Self) -> bool {
        (&self.key, &self.text) == (&other.key, &other.text)
    }
}

impl Eq for Confounder {}

impl Confounder {
    /// What the rule-out is to a review's fingerprint (see [`Confounder::content`]).
    pub fn ground(&self) -> &str {
        if self.content.is_empty() {
            &self.key
        } else {
            &self.content
        }
    }
}

/// The result of evaluating one rule set on one patient.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Assessment {
    pub patient_id: PatientId,
    pub ruleset: String,
    pub ruleset_version: String,
    pub status: AssessmentStatus,
    /// The status in the field's own words ("drug-resistant epilepsy").
    pub label: String,
    pub reasons: Vec<String>,
    pub evidence: Vec<Evidence>,
    pub missing: Vec<String>,
    pub confounders: Vec<Confounder>,
    pub citation: String,
    pub evaluated_on: NaiveDate,
    /// A digest of what the status rests on; a review holds while it is unchanged.
    pub fingerprint: String,
    /// For a flag (refractory, resistant, relapsed): the day from which the criteria, read on
    /// the record as it stood each day, have been met (`rules::since`). Not part of the
    /// fingerprint: a review judges the evidence, not how long it has stood.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criteria_met_since: Option<NaiveDate>,
    /// What the status rests on beside its evidence, for the fingerprint: the diagnoses it
    /// assesses, each as what the rule set reads it as ("diagnosis:[applies_to] applies_to:
    /// icd10 I10", the list and its entry that recognise it,
    /// see `rules::engine`), and what it says must be ruled out, read before the team's
    /// resolutions ("rule_out:adherence"), so that a changed diagnosis or a new rule-out asks
    /// for a new review (review r5 R5-9) while the team ticking a check off, or another source
    /// sending the same diagnosis in another code system, does not (review R8-6).
    /// Neither stored nor printed: the fingerprint is.
    #[serde(skip)]
    pub grounds: Vec<String>,
    /// The same grounds with each diagnosis record keyed by its code ("diagnosis:icd10 I10"), as
    /// refract keyed them from review r5 R5-9 to review R8-6: read only to keep a review made on
    /// that digest holding ([`Self::coded_fingerprint`]). Neither stored nor printed.
    #[serde(skip)]
    pub coded_grounds: Vec<String>,
    /// The same grounds with each diagnosis group keyed by its records' codes
    /// ("diagnosis:[applies_to] icd10 G40909"), as refract keyed them from review R8-6 to review
    /// F5: read only to keep a review made on that digest holding
    /// ([`Self::reading_fingerprint`]). Neither stored nor printed.
    #[serde(skip)]
    pub reading_grounds: Vec<String>,
    /// The grounds as the earlier digests keyed them (as `reading_grounds`, as `coded_grounds`)
    /// for each smaller group of the diagnosis records that the rule set reads as it reads them
    /// all: what a review made before another source's copy of the diagnosis came was made on,
    /// when the first run after an upgrade brings the copy (review R8-6's leftover, H6; see
    /// [`Self::earlier_fingerprints`]). Neither stored nor printed.
    #[serde(skip)]
    pub earlier_grounds: Vec<Vec<String>>,
}

/// Assessments are equal by what they say: their `grounds` are not stored (the fingerprint made
/// of them is), so an assessment read back from the file equals the one evaluated.
impl PartialEq for Assessment {
    fn eq(&self, other: &Self) -> bool {
        self.patient_id == other.patient_id
            && self.ruleset == other.ruleset
            && self.ruleset_version == other.ruleset_version
            && self.status == other.status
            && self.label == other.label
            && self.reasons == other.reasons
            && self.evidence == other.evidence
            && self.missing == other.missing
            && self.confounders == other.confounders
            && self.citation == other.citation
            && self.evaluated_on == other.evaluated_on
            && self.fingerprint == other.fingerprint
            && self.criteria_met_since == other.criteria_met_since
    }
}

impl Assessment {
    /// A digest of what the status rests on, which a review holds on: the status, the label,
    /// what each item of evidence but a measurement is to the criteria (its `content`: a
    /// counted drug and why it stopped, a line, a procedure, a diagnosis), not its words, and
    /// its [`grounds`](Assessment::grounds): the diagnosis records it assesses and what must be
    /// ruled out. So another source's copy of a course, begun a few days or months before, with
    /// its planned end or its own length, leaves it as it was, and so do new measurements; a new
    /// drug, line or outcome, another status or label (review39 F7), another diagnosis or a new
    /// rule-out (review r5 R5-9) changes it.
    pub fn content_fingerprint(&self) -> String {
        digest_of(self, content_key, &self.grounds)
    }

    /// The digest reviews were made on between review R8-6 and ENGINE 32: each group of
    /// diagnosis records the rule set reads alike keyed by the records' codes
    /// ([`Self::reading_grounds`]), so that the GP's G40.9 beside the hospital's G40.909
    /// changed it. A review stored with it still holds while the stored row it held on says
    /// nothing changed since (`store::assessments`).
    pub fn reading_fingerprint(&self) -> String {
        digest_of(self, content_key, &self.reading_grounds)
    }

    /// The digests an earlier refract made (ENGINE 30's [`Self::coded_fingerprint`], ENGINE
    /// 31's [`Self::reading_fingerprint`]) of the assessment as it is now, and of it without the
    /// diagnosis records that add nothing to what the rule set reads ([`Self::earlier_grounds`]):
    /// a review made on any of them, before such a record came, was made on what the team sees
    /// now.
    pub fn earlier_fingerprints(&self) -> Vec<String> {
        [self.reading_fingerprint(), self.coded_fingerprint()]
            .into_iter()
            .chain(
                self.earlier_grounds
                    .iter()
                    .map(|grounds| digest_of(self, content_key, grounds)),
            )
            .collect()
    }

    /// The digest reviews were made on between review r5 R5-9 and review R8-6: the diagnosis
    /// records by their codes ([`Self::coded_grounds`]), so that a second source's record of the
    /// same diagnosis in SNOMED CT changed it. A review stored with it still holds while the
    /// stored row it held on says nothing changed since (`store::assessments`).
    pub fn coded_fingerprint(&self) -> String {
        digest_of(self, content_key, &self.coded_grounds)
    }

    /// The digest reviews were made on between review39 F7 and review r5 R5-9: what the items
    /// are, without the diagnosis and the rule-outs. A review stored with it still holds while
    /// the stored row it held on says nothing changed since (`store::assessments`).
    pub fn items_fingerprint(&self) -> String {
        digest_of(self, content_key, &[])
    }

    /// The digest reviews were made on before review39 F7: the items in words, with their dates
    /// and lengths. A review stored with it still holds as [`Self::items_fingerprint`] does.
    pub fn words_fingerprint(&self) -> String {
        digest_of(self, |e| &e.text, &[])
    }
}

/// What an item is to a review's fingerprint: its `content`, else its words.
fn content_key(evidence: &Evidence) -> &str {
    if evidence.content.is_empty() {
        &evidence.text
    } else {
        &evidence.content
    }
}

/// Status, label and the items' keys, hashed as "kind:key" sorted and deduplicated (the
/// layout every stored fingerprint was made with), then the grounds, each as "ground:" and its
/// words, in the same order. No kind's name is a prefix of another's, so ordering (kind, key)
/// pairs orders the joined keys the same way without building them. With no grounds the digest
/// is the one reviews were stored with before they were read.
fn digest_of<'a>(
    assessment: &'a Assessment,
    key: impl Fn(&'a Evidence) -> &'a str,
    grounds: &'a [String],
) -> String {
    use sha2::{Digest, Sha256};
    let mut keys: Vec<(&str, &str)> = assessment
        .evidence
        .iter()
        .filter(|e| e.kind != EvidenceKind::Observation)
        .map(|e| (e.kind.as_str(), key(e)))
        .chain(grounds.iter().map(|ground| ("ground", ground.as_str())))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let mut hasher = Sha256::new();
    hasher.update(assessment.status.as_str());
    hasher.update([0]);
    hasher.update(&assessment.label);
    for (kind, key) in keys {
        hasher.update([0]);
        hasher.update(kind);
        hasher.update(b":");
        hasher.update(key);
    }
    crate::digest::short_hex(&hasher.finalize())
}

/// The team's decision on an assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewDecision {
    Confirmed,
    Dismissed,
}
machine_names!(ReviewDecision { Confirmed => "confirmed", Dismissed => "dismissed" });

/// Where an assessment stands with the team. Machine names are a contract (`flags --json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewState {
    Unreviewed,
    Confirmed,
    Dismissed,
}
machine_names!(ReviewState {
    Unreviewed => "unreviewed",
    Confirmed => "confirmed",
    Dismissed => "dismissed",
});

impl ReviewState {
    /// The state a review gives an assessment: its `decision` while the assessment's
    /// `fingerprint` is the one it was made on (`reviewed`); new evidence asks for a new review.
    pub fn of(decision: ReviewDecision, reviewed: &str, fingerprint: &str) -> Self {
        if reviewed == fingerprint {
            decision.into()
        } else {
            ReviewState::Unreviewed
        }
    }
}

impl From<ReviewDecision> for ReviewState {
    fn from(decision: ReviewDecision) -> Self {
        match decision {
            ReviewDecision::Confirmed => ReviewState::Confirmed,
            ReviewDecision::Dismissed => ReviewState::Dismissed,
        }
    }
}

/// A confirm or dismiss, with its rationale. It applies while the assessment's fingerprint is
/// the one it was made on: new evidence asks for a new review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    pub id: i64,
    pub patient_id: PatientId,
    pub ruleset: String,
    pub decision: ReviewDecision,
    pub rationale: String,
    pub by: String,
    pub at: NaiveDateTime,
    pub fingerprint: String,
    /// The status that was reviewed.
    pub status: AssessmentStatus,
}

impl Review {
    /// The state this review gives an assessment with `fingerprint`.
    pub fn state_for(&self, fingerprint: &str) -> ReviewState {
        ReviewState::of(self.decision, &self.fingerprint, fingerprint)
    }
}

/// One append-only row of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: NaiveDateTime,
    /// The name given with `--user`, else the OS account.
    pub who: String,
    /// The OS account that wrote the row (`None` for rows written before it was recorded).
    #[serde(default)]
    pub os_user: Option<String>,
    /// What was done ("review.confirm", "checklist.tick").
    pub action: String,
    /// The table and row it changed.
    pub entity: String,
    pub entity_id: Option<i64>,
    pub patient_id: Option<PatientId>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl AuditEntry {
    /// Who, in words: "dr.mensah as unix user mensah", or the account alone when no other
    /// name was given.
    pub fn who_text(&self) -> String {
        match &self.os_user {
            Some(account) if *account != self.who => {
                format!("{} as unix user {account}", self.who)
            }
            _ => self.who.clone(),
        }
    }
}

/// What `flags --json`, `show` and `show --json` print as an assessment's `fingerprint`, and
/// `review --fingerprint` takes back: the assessment's fingerprint, then `.r` and the id of its
/// latest review, `.r0` when it has none. A review is thereby checked against both things the
/// person read: the evidence (an import in between) and the team's decision on it (a
/// colleague's review in between). Printed beside the assessment's digest rather than as a new
/// field so that a script that passes on what it read is covered without change.
pub fn read_fingerprint(assessment: &str, latest_review: Option<i64>) -> String {
    format!(
        "{assessment}{REVIEW_MARK}{}",
        latest_review.unwrap_or(NO_REVIEW)
    )
}

/// [`read_fingerprint`] taken apart: the assessment's fingerprint and what the person saw of
/// its reviews: `Some(None)` none (`.r0`), `Some(Some(id))` that review, and `None` for a bare
/// digest (one printed before the suffix, or kept by a script), whose reviews are not checked
/// as they were not then: it cannot say which review its reader saw, and refusing it would
/// claim a review came "after you read it" that may be weeks older. A suffix that is not a
/// review id is left in the fingerprint, which then matches no assessment and is refused as
/// changed.
pub fn parse_read_fingerprint(read: &str) -> (&str, Option<Option<i64>>) {
    match read.rsplit_once(REVIEW_MARK) {
        Some((assessment, review)) => match review.parse::<i64>() {
            Ok(NO_REVIEW) => (assessment, Some(None)),
            Ok(review) => (assessment, Some(Some(review))),
            Err(_) => (read, None),
        },
        None => (read, None),
    }
}

/// The review id [`read_fingerprint`] prints for "no review": SQLite row ids start at 1.
const NO_REVIEW: i64 = 0;

/// Between the assessment's digest (hex) and the review id in [`read_fingerprint`].
const REVIEW_MARK: &str = ".r";

#[cfg(test)]
mod tests {
    use super::{AssessmentStatus, parse_read_fingerprint, read_fingerprint};

    #[test]
    fn a_read_fingerprint_says_which_review_was_seen_and_a_bare_digest_checks_none() {
        assert_eq!(read_fingerprint("ab12", None), "ab12.r0");
        assert_eq!(read_fingerprint("ab12", Some(7)), "ab12.r7");
        assert_eq!(parse_read_fingerprint("ab12.r0"), ("ab12", Some(None)));
        assert_eq!(parse_read_fingerprint("ab12.r7"), ("ab12", Some(Some(7))));
        assert_eq!(parse_read_fingerprint("ab12"), ("ab12", None));
        assert_eq!(parse_read_fingerprint("ab12.rx"), ("ab12.rx", None));
    }

    #[test]
    fn most_severe_first_is_every_status_by_falling_rank() {
        let mut by_rank = AssessmentStatus::ALL.to_vec();
        by_rank.sort_by_key(|status| std::cmp::Reverse(status.rank()));
        assert_eq!(AssessmentStatus::MOST_SEVERE_FIRST.to_vec(), by_rank);
    }
}
