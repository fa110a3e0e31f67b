//! What a criterion sees of a patient: the record, with every drug exposure recognised against
//! the drug book, and the treatment lines of the rule set's condition. Selecting observations
//! is `selectors.rs`; saying records in words is `describe.rs`.

use std::borrow::Cow;

use chrono::NaiveDate;

use super::drugs::DrugBook;
use super::given::Given;
use super::model::{ObservationSelector, RuleSet};
use super::selectors::selects;
use crate::domain::{Condition, Observation, PatientRecord, Procedure, TreatmentLine};

/// The evaluation context of one rule set on one patient.
pub struct Context<'a> {
    pub record: &'a PatientRecord,
    pub set: &'a RuleSet,
    pub book: &'a DrugBook,
    pub today: NaiveDate,
    /// The record's latest recorded date (never after `today`). Windows such as "the last 6 months"
    /// end on `today`, not here (docs/architecture.md, evidence policy: recency): this only lets an
    /// assessment say that the record has gone quiet. A date of a month or a year alone counts
    /// as its last day (the record may speak of any day of it), up to `today`.
    pub as_of: NaiveDate,
    /// `as_of` as the record gave it ("2026-03" for a measurement of a month).
    pub as_of_text: String,
    pub given: Vec<Given<'a>>,
    /// The lines of this rule set's condition, by start (stored ones; derived when none are).
    pub lines: Vec<Cow<'a, TreatmentLine>>,
    /// The patient's conditions this rule set applies to.
    pub conditions: Vec<&'a Condition>,
    /// The monoclonal protein series as the rule set reads it, worked out once on first use:
    /// every line criterion asks for it, most of them once per line.
    pub m_protein: std::cell::OnceCell<super::m_protein_series::Reading>,
}

impl<'a> Context<'a> {
    pub fn new(
        record: &'a PatientRecord,
        set: &'a RuleSet,
        book: &'a DrugBook,
        today: NaiveDate,
        conditions: Vec<&'a Condition>,
    ) -> Self {
        let given = super::given::treatments(record, book, set);
        let mut lines: Vec<Cow<'a, TreatmentLine>> = record
            .lines
            .iter()
            .filter(|line| line.ruleset == set.id)
            .map(Cow::Borrowed)
            .collect();
        if lines.is_empty() {
            lines = super::lines::derive(&given, set, record, today)
                .into_iter()
                .map(Cow::Owned)
                .collect();
        }
        lines.sort_by_key(|line| (line.start, line.number));
        let (as_of, as_of_text) = match latest_record_date(record, &given, &set.lines.classes) {
            Some((latest, text)) if latest <= today => (latest, text),
            _ => (today, today.to_string()),
        };
        Context {
            record,
            set,
            book,
            today,
            as_of,
            as_of_text,
            given,
            lines,
            conditions,
            m_protein: std::cell::OnceCell::new(),
        }
    }

    /// Exposures with a drug of one of `classes`.
    pub fn given_of<'s, 'k>(
        &'s self,
        classes: &'k [String],
    ) -> impl Iterator<Item = &'s Given<'a>> + use<'s, 'k, 'a> {
        self.given
            .iter()
            .filter(move |given| given.has_any_class(classes))
    }

    /// Observations the selector matches, oldest first.
    pub fn observations<'s>(
        &'s self,
        selector: &'s ObservationSelector,
    ) -> impl Iterator<Item = &'a Observation> + 's {
        self.record
            .observations
            .iter()
            .filter(move |observation| selects(selector, observation))
    }

    /// Procedures whose code is one of `terms` or whose display contains one of them.
    pub fn procedures<'s>(
        &'s self,
        terms: &'s [String],
    ) -> impl Iterator<Item = &'a Procedure> + 's {
        self.record
            .procedures
            .iter()
            .filter(move |procedure| super::procedure_terms::is_one_of(procedure, terms))
    }
}

/// The latest date the record speaks of for this condition: its drugs' starts and ends,
/// measurements, procedures, diagnoses. Drugs of other classes do not count: a supportive or
/// unrelated prescription must not change an assessment.
///
/// A measurement or an onset dated by a month or a year alone ("2026-03") may be of any day of
/// it: it counts as its last day, so that a record is said to have gone quiet only when it
/// has whatever that day was, and it is said as written. Returns the day and its words.
fn latest_record_date(
    record: &PatientRecord,
    given: &[Given<'_>],
    classes: &[String],
) -> Option<(NaiveDate, String)> {
    let as_a_day = |day: NaiveDate| (day, day.to_string());
    let exposures = given
        .iter()
        .filter(|g| classes.is_empty() || g.has_any_class(classes))
        .flat_map(|g| std::iter::once(g.start()).chain(g.end()))
        .map(as_a_day);
    let observations = record
        .observations
        .iter()
        .map(|o| (o.last_local_day(), o.day_text()));
    let procedures = record
        .procedures
        .iter()
        .filter_map(|p| p.window().map(|(_, last)| last))
        .map(as_a_day);
    let conditions = record
        .conditions
        .iter()
        .filter(|c| c.is_diagnosis())
        .filter_map(|c| {
            let onset = c.onset?;
            Some((c.onset_precision.last_day(onset), c.onset_text()?))
        });
    let lines = record
        .lines
        .iter()
        .flat_map(|l| std::iter::once(l.start).chain(l.end))
        .map(as_a_day);
    exposures
        .chain(observations)
        .chain(procedures)
        .chain(conditions)
        .chain(lines)
        .max_by_key(|(day, _)| *day)
}
