//! What evaluating one criterion finds: a [`Verdict`] and the reasons, evidence, gaps and
//! confounders behind it ([`Outcome`]).
//!
//! The criterion kinds (`trials`, `pressure`, `oncology`, `observations`, `status_epilepticus`)
//! produce outcomes and the engine combines them; both sides depend on this module and on
//! nothing of each other's, so the kinds never import the engine.

use crate::domain::{Confounder, Evidence};

/// Whether a criterion is met, not met, or cannot be decided from the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Met,
    NotMet,
    Undecided,
}

impl Verdict {
    /// The verdict in a reason line ("… : not met").
    pub fn words(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::NotMet => "not met",
            Verdict::Undecided => "undecided",
        }
    }
}

/// What one criterion found.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub verdict: Verdict,
    pub reasons: Vec<String>,
    pub evidence: Vec<Evidence>,
    pub missing: Vec<String>,
    pub confounders: Vec<Confounder>,
    /// A label this criterion gives the tier (e.g. an early relapse).
    pub label: Option<String>,
    /// Undecided only for want of outcomes still to come (the response of a line under way):
    /// nothing recorded so far would meet the criterion, so as of the run day it is not met
    /// yet. False for an undecided criterion that the record may already meet but does not say
    /// (a transplant dated only by a window, a response not recorded, a progression awaiting
    /// confirmation); a lower tier that excludes this one stands only on a pending outcome.
    pub pending: bool,
    /// Met on a progression the record shows confirmed by consecutive assessments (see
    /// `Progression::shown_confirmed`): a rule-out asking for that confirmation is settled.
    pub progression_shown_confirmed: bool,
    /// What was tried and fell short of the criterion, with why ("clozapine for 89 days: needs
    /// 90"): said where a label this criterion would give is not reached, so that a team sees
    /// why not, not only that.
    pub short_of: Vec<String>,
    /// A combination decided although parts of it are undecided: every answer the record may
    /// still give them leads to this verdict (see [`Question`]). Its parts' gaps stay what is
    /// missing, for the team, though the status stands.
    pub settled_whatever: bool,
}

/// What an undecided criterion waits to learn from the record, when the answer is one of a few
/// that exclude each other (the blood pressure on a regimen is above goal or at it): criteria
/// asking the same question with other answers in mind are decided together by the answer,
/// and a combination of them that every answer decides the same way is decided now (three
/// valued logic alone cannot see that "above goal" and "at goal" cover every case).
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    /// The question, the same for every criterion that asks it (their parameters but the answer
    /// they want).
    pub key: String,
    /// The answer that meets this criterion; any other answer makes it not met.
    pub answer: &'static str,
    /// Every answer the record can give once it is known: exactly one of them holds.
    pub answers: &'static [&'static str],
    /// The question in words ("the blood pressure on this regimen").
    pub words: &'static str,
    /// Each answer in words, in the order of `answers` ("above goal").
    pub answer_words: &'static [&'static str],
    /// What a decision taken before the answer leaves to rule out (key, words), if anything.
    pub left_open: Option<(&'static str, &'static str)>,
}

impl Outcome {
    pub fn new() -> Self {
        Outcome {
            verdict: Verdict::NotMet,
            reasons: Vec::new(),
            evidence: Vec::new(),
            missing: Vec::new(),
            confounders: Vec::new(),
            label: None,
            pending: false,
            progression_shown_confirmed: false,
            short_of: Vec::new(),
            settled_whatever: false,
        }
    }
}
