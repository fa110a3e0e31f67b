//! What the record already shows of a standard item of the re-evaluation checklist (step 2 of
//! the way forward): measured drug levels for an adherence item, a procedure of a class (a
//! brain MRI, a PET-CT) for an imaging item, each as the rule set's `[[checklist]]` entry
//! says. The item is then ticked from the record, or its evidence named for the team.

use chrono::NaiveDate;

use super::drugs::DrugBook;
use super::model::{ChecklistTemplate, DrugLevelUse, RuleSet};
use crate::domain::PatientRecord;

/// What the record shows of one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FromRecord {
    /// Whether it answers the item (ticked from the record).
    pub done: bool,
    /// The evidence and what is still missing, in words.
    pub detail: String,
}

/// What `record` shows of `item` of `set`, as of `today`; `None` when the item reads nothing
/// of the record or the record holds nothing it reads.
pub fn from_record(
    item: &ChecklistTemplate,
    set: &RuleSet,
    record: &PatientRecord,
    book: &DrugBook,
    today: NaiveDate,
) -> Option<FromRecord> {
    let mut found: Vec<FromRecord> = Vec::new();
    if let Some(usage) = item.drug_levels {
        let given = super::given::treatments(record, book, set);
        let reading = super::drug_levels::read(record, book, &set.lines.classes, &given, today);
        if !reading.is_empty() {
            found.push(FromRecord {
                done: usage == DrugLevelUse::Resolve && reading.shows_adherence(),
                detail: reading.words(),
            });
        }
    }
    if let Some(rule) = &item.procedure {
        let from = rule
            .since_latest_line
            .then(|| {
                record
                    .lines
                    .iter()
                    .filter(|line| line.ruleset == set.id)
                    .map(|line| line.start)
                    .max()
            })
            .flatten();
        let latest = record
            .procedures
            .iter()
            .filter(|p| super::procedure_terms::is_study_one_of(p, &rule.terms))
            .filter_map(|p| p.window().map(|(_, last)| (last, p)))
            .filter(|(last, _)| *last <= today && from.is_none_or(|from| *last >= from))
            .max_by_key(|(last, _)| *last);
        if let Some((_, procedure)) = latest {
            let mut detail = format!(
                "{}: {} on {}",
                rule.name,
                procedure.name(),
                procedure.when_words()
            );
            if let Some(still) = &rule.still_to_check {
                detail = format!("{detail}; {still}");
            }
            found.push(FromRecord {
                done: rule.ticks,
                detail,
            });
        }
    }
    if found.is_empty() {
        return None;
    }
    Some(FromRecord {
        // Every reading the item names must answer it: a level below range is not outweighed
        // by a scan.
        done: found.iter().all(|f| f.done),
        detail: found
            .iter()
            .map(|f| f.detail.as_str())
            .collect::<Vec<_>>()
            .join("; "),
    })
}
