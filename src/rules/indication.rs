//! Whether a drug was given for a rule set's condition, by the indication its records state
//! (R4 `reasonCode`, or the Condition a `reasonReference` names): a drug given for another
//! condition is no trial, class or line of this one's criteria, unless the rule set says
//! otherwise (`[indication]` in its file); a procedure done for another condition, or an
//! observation about another (R4 `focus`), is none of its findings.
//!
//! A record tied to no condition, of a patient with another condition a rule set reads it for
//! (a lymphoma treated in 2019, a myeloma diagnosed in 2025: both rule sets read R-CHOP's
//! drugs), is attributed between them ([`attribute_untied`]): its words when they name the
//! other disease alone, else its dates; where neither tells, it still counts and the
//! assessment says it may be the other condition's.

use chrono::NaiveDate;

use super::diagnosis_names::{indication_selected_by, mentions, selected_by};
use super::drugs::{Drug, DrugBook};
use super::model::{AppliesTo, IndicationParameters, Neighbour, RuleSet};
use crate::domain::{
    Condition, ConditionCodeSystem, DrugExposure, Indication, Observation, PatientRecord, Procedure,
};

/// The indication that sets `exposure` aside for `set`: every indication its records state is
/// a diagnosis refract can tell (a SNOMED CT or ICD-10 code) and none of them is this
/// condition's. `None` (the drug counts, as a drug that states none does) when one names this
/// condition, when one cannot be told (words alone, codes of a system refract does not read,
/// an encounter for treatment rather than a condition), or when the rule set counts drugs given
/// for other conditions.
pub fn given_for_another<'e>(exposure: &'e DrugExposure, set: &RuleSet) -> Option<&'e Indication> {
    if set.indication.count_drugs_given_for_other_conditions {
        return None;
    }
    another_condition(&exposure.indications, set)
}

/// The condition that sets a procedure or an observation aside for `set`: the conditions its
/// record ties it to (a procedure's stated reasons, an observation's `focus`) are all ones
/// refract can tell and none is this one (as [`given_for_another`] reads a drug's). A
/// transplant done for the myeloma, or a disease status of the myeloma, is no transplant or
/// progression of the lymphoma. `[indication] count_drugs_given_for_other_conditions` is about
/// drugs alone: a procedure or a finding of another condition is never this one's.
pub fn tied_to_another<'i>(tied_to: &'i [Indication], set: &RuleSet) -> Option<&'i Indication> {
    another_condition(tied_to, set)
}

fn another_condition<'i>(tied_to: &'i [Indication], set: &RuleSet) -> Option<&'i Indication> {
    let mut other = None;
    for indication in tied_to {
        if names_this_condition(indication, set) || !is_told(indication) {
            return None;
        }
        other = other.or(Some(indication));
    }
    other
}

/// `record` without the procedures and observations its records tie to another condition
/// (see [`tied_to_another`]), nor the untied records [`attribute_untied`] reads as another
/// condition's, as `set`'s criteria and lines read it; `None` when there are none.
pub fn own_record(record: &PatientRecord, set: &RuleSet, book: &DrugBook) -> Option<PatientRecord> {
    let (procedures, observations) = of_other_conditions(record, set);
    let untied = attribute_untied(record, set, book);
    let elsewhere = |id: i64, kind: UntiedKind| {
        untied
            .iter()
            .any(|item| item.kind == kind && item.id == id && item.is_elsewhere())
    };
    if procedures.is_empty() && observations.is_empty() && !untied.iter().any(Untied::is_elsewhere)
    {
        return None;
    }
    let mut own = record.clone();
    own.procedures.retain(|procedure| {
        tied_to_another(&procedure.indications, set).is_none()
            && !elsewhere(procedure.id, UntiedKind::Procedure)
    });
    own.observations.retain(|observation| {
        tied_to_another(&observation.focus, set).is_none()
            && !elsewhere(observation.id, UntiedKind::Observation)
    });
    own.exposures
        .retain(|exposure| !elsewhere(exposure.id, UntiedKind::Exposure));
    Some(own)
}

/// Which kind of record an [`Untied`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UntiedKind {
    Exposure,
    Procedure,
    Observation,
}

/// What `set` makes of a record tied to no condition that another of the patient's conditions
/// may claim.
#[derive(Debug, Clone)]
pub enum Reading<'r> {
    /// Its words (an observation's name or value, a drug's or a procedure's reason in words
    /// alone) name the other condition and not this one: the other's, not counted.
    Named(&'r Condition),
    /// It ended more than `[indication] untied_margin_days` before this condition's earliest
    /// onset, while the other had begun: the other's, not counted. With this condition's
    /// onset as the record gave it.
    Before(&'r Condition, String),
    /// It began more than `[indication] untied_begun_margin_days` before this condition's
    /// earliest onset and the other was there while it was given (weekly methotrexate for a
    /// rheumatoid arthritis since 2012, a lymphoma diagnosed in 2025): the other's, not
    /// counted, however long it went on. With this condition's onset as the record gave it.
    BegunBefore(&'r Condition, String),
    /// Neither its words nor its dates tell, and its drug is one only the other condition's
    /// rule file lists as its disease's own (`[indication] treatment_classes`,
    /// `treatment_ingredients`), or it was started with such drugs (`regimen_companion_days`)
    /// and its own drugs tell neither: the other's, not counted.
    DrugOfOther(DrugTold),
    /// As [`Reading::DrugOfOther`], but the drug is one only this condition's file lists:
    /// counted, and said (no rule-out).
    DrugOfThis(DrugTold),
    /// Neither its words, its dates nor its drugs tell (the two conditions overlap, or one's
    /// onset is not recorded; a drug both files list): counted, and said.
    Undecided(&'r Condition),
}

/// What told a drug's disease by the rule files' lists of their diseases' own drugs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrugTold {
    /// The drugs that told it ("bortezomib + lenalidomide").
    pub drugs: String,
    /// The rule set whose list holds them ("Multiple myeloma").
    pub disease: String,
    /// The rule set whose list does not ("Large B-cell lymphoma").
    pub not_disease: String,
    /// Told by the drugs started with it (its own tell neither: cyclophosphamide).
    pub by_companions: bool,
    /// Told by its dose (`[indication] dose_tells`): the dose as said ("15 mg a week") and the
    /// bound it is within ("at most 30 mg a week").
    pub by_dose: Option<(String, String)>,
}

/// A record tied to no condition that another of the patient's conditions may claim.
#[derive(Debug, Clone)]
pub struct Untied<'r> {
    pub kind: UntiedKind,
    pub id: i64,
    pub reading: Reading<'r>,
}

impl Untied<'_> {
    /// Whether it is read as the other condition's (not counted here).
    pub fn is_elsewhere(&self) -> bool {
        matches!(
            self.reading,
            Reading::Named(_)
                | Reading::Before(..)
                | Reading::BegunBefore(..)
                | Reading::DrugOfOther(..)
        )
    }
}

/// Another of the patient's conditions as `set` sees it: a rule set's diagnoses the patient has
/// (had: one resolved still claims what was given while it lasted) that are not `set`'s own
/// condition nor one `set` reads as it (`[indication.also]`: status epilepticus for epilepsy).
struct OtherCondition<'r, 's> {
    neighbour: &'s Neighbour,
    conditions: Vec<&'r Condition>,
}

fn other_conditions<'r, 's>(
    record: &'r PatientRecord,
    set: &'s RuleSet,
) -> Vec<OtherCondition<'r, 's>> {
    if !set.indication.attribute_untied_records {
        return Vec::new();
    }
    set.neighbours
        .iter()
        .filter_map(|neighbour| {
            let conditions: Vec<&Condition> = record
                .conditions
                .iter()
                .filter(|condition| condition.is_diagnosis())
                .filter(|condition| selected_by(condition, &neighbour.applies_to))
                .filter(|condition| !is_this_condition(condition, set))
                .collect();
            (!conditions.is_empty()).then_some(OtherCondition {
                neighbour,
                conditions,
            })
        })
        .collect()
}

/// Whether `condition` is `set`'s own, or one it reads as its own (`[indication.also]`).
fn is_this_condition(condition: &Condition, set: &RuleSet) -> bool {
    [&set.applies_to, &set.indication.also]
        .iter()
        .any(|list| selected_by(condition, list))
}

/// The first and the last day a condition may have begun on: its onset (of a month or a year,
/// every day of it), else the day it was recorded (it began by then).
fn began(condition: &Condition) -> Option<(NaiveDate, NaiveDate)> {
    condition
        .onset
        .map(|day| (day, condition.onset_precision.last_day(day)))
        .or_else(|| {
            condition
                .recorded
                .map(|day| (day, condition.recorded_precision.last_day(day)))
        })
}

/// Whether the other condition was there while a record of `first`..=`last` was: it had begun
/// by `last` and was not over before `first`. `None` when none of its records gives a day.
fn present(other: &OtherCondition<'_, '_>, first: NaiveDate, last: NaiveDate) -> Option<bool> {
    let mut unknown = false;
    for condition in &other.conditions {
        let Some((earliest, _)) = began(condition) else {
            unknown = true;
            continue;
        };
        let over_before = condition
            .abatement
            .is_some_and(|end| condition.abatement_precision.last_day(end) < first);
        if earliest <= last && !over_before {
            return Some(true);
        }
    }
    (!unknown).then_some(false)
}

/// Whether a record begun on `first` began more than the other condition's
/// `untied_begun_margin_days` before its earliest onset (every record of it giving a day), so
/// that it is none of that condition's treatment.
fn begun_before_other(other: &OtherCondition<'_, '_>, first: NaiveDate) -> bool {
    let Some(margin) = other.neighbour.indication.untied_begun_margin_days else {
        return false;
    };
    let mut earliest = None;
    for condition in &other.conditions {
        let Some((began, _)) = began(condition) else {
            return false;
        };
        earliest = Some(earliest.map_or(began, |day: NaiveDate| day.min(began)));
    }
    earliest.is_some_and(|earliest| (earliest - first).num_days() > margin)
}

/// The earliest day `set`'s condition may have begun on (every record of it, current or not),
/// with its words as the record gave them; `None` when no record of it gives a day.
fn this_began(record: &PatientRecord, set: &RuleSet) -> Option<(NaiveDate, String)> {
    record
        .conditions
        .iter()
        .filter(|condition| condition.is_diagnosis())
        .filter(|condition| selected_by(condition, &set.applies_to))
        .filter_map(|condition| {
            let (first, _) = began(condition)?;
            let text = condition
                .onset_text()
                .or_else(|| condition.recorded_text())
                .unwrap_or_else(|| first.to_string());
            Some((first, text))
        })
        .min_by_key(|(first, _)| *first)
}

/// Whether `words` name `list`'s condition: one of its names, or of the names it reads as it.
fn words_name(words: &str, lists: [&AppliesTo; 2]) -> bool {
    lists
        .iter()
        .flat_map(|list| &list.names)
        .any(|name| mentions(words, name))
}

/// Whether a record's stated reasons (a drug's or a procedure's, an observation's `focus`) tie
/// it to no condition refract can tell: none, or only ones it cannot (words alone, an
/// encounter code), none of them this condition.
fn is_untied(tied_to: &[Indication], set: &RuleSet) -> bool {
    tied_to
        .iter()
        .all(|indication| !names_this_condition(indication, set) && !is_told(indication))
}

/// The records of `record` tied to no condition (see [`is_untied`]) that another of the
/// patient's conditions may claim, as `set` reads each: a drug both rule sets read (their line
/// classes), a procedure both read (their procedure terms), an observation whose words name a
/// disease. Empty for a patient with no other such condition (one disease: nothing changes), and
/// when the rule set counts every drug whatever it was given for
/// (`count_drugs_given_for_other_conditions`: the status epilepticus rules) or does not
/// attribute untied records (`attribute_untied_records`).
///
/// The other condition's, not counted: words naming it and not this one; else a record that
/// ended more than `untied_margin_days` before this condition's earliest onset (R4 `onset[x]`,
/// else `recordedDate`, every day of a month or a year given alone) while the other had
/// begun, or, where the rule file sets `untied_begun_margin_days` (a cancer's treatment does
/// not start before it is diagnosed), a course begun more than that before the onset while
/// the other was there, ongoing or not. Undecided, counted and said: one both were there for,
/// or when either's onset is not recorded. A record that ended before both began is neither's
/// by its dates: counted, as before.
pub fn attribute_untied<'r>(
    record: &'r PatientRecord,
    set: &RuleSet,
    book: &DrugBook,
) -> Vec<Untied<'r>> {
    if set.indication.count_drugs_given_for_other_conditions {
        return Vec::new();
    }
    let others = other_conditions(record, set);
    if others.is_empty() {
        return Vec::new();
    }
    let this = this_began(record, set);
    let this_lists = [&set.applies_to, &set.indication.also];
    let margin = set.indication.untied_margin_days;
    let begun_margin = set.indication.untied_begun_margin_days;
    // The reading of a record of `first`..=`last` that `claims` says the other condition reads.
    let by_dates = |first: NaiveDate, last: NaiveDate, claims: &dyn Fn(&Neighbour) -> bool| {
        // An other whose file sets `untied_begun_margin_days` (a cancer) cannot claim a course
        // begun more than that before its own earliest onset: the mirror of the reading below
        // (weekly methotrexate begun for a rheumatoid arthritis years before a lymphoma asks
        // the arthritis's assessment nothing).
        let claiming = others
            .iter()
            .filter(|other| claims(other.neighbour))
            .filter(|other| !begun_before_other(other, first));
        let mut undecided = None;
        for other in claiming {
            let ended_before_this = this
                .as_ref()
                .is_some_and(|(began, _)| (*began - last).num_days() > margin);
            let begun_before_this = this.as_ref().is_some_and(|(began, _)| {
                begun_margin.is_some_and(|margin| (*began - first).num_days() > margin)
            });
            let condition = other.conditions[0];
            match present(other, first, last) {
                Some(true) if ended_before_this || begun_before_this => {
                    let onset = this
                        .as_ref()
                        .map(|(_, text)| text.clone())
                        .unwrap_or_default();
                    let condition = other
                        .conditions
                        .iter()
                        .copied()
                        .find(|c| began(c).is_some_and(|(earliest, _)| earliest <= last))
                        .unwrap_or(condition);
                    return Some(if ended_before_this {
                        Reading::Before(condition, onset)
                    } else {
                        Reading::BegunBefore(condition, onset)
                    });
                }
                Some(false) => {}
                Some(true) | None => {
                    undecided = undecided.or(Some(Reading::Undecided(condition)));
                }
            }
        }
        undecided
    };
    // Words that name one other condition and not this one.
    let named = |words: &[&str]| {
        if words.iter().any(|w| words_name(w, this_lists)) {
            return None;
        }
        others
            .iter()
            .find(|other| {
                words
                    .iter()
                    .any(|w| words_name(w, [&other.neighbour.applies_to, &other.neighbour.also]))
            })
            .map(|other| Reading::Named(other.conditions[0]))
    };
    let mut found = Vec::new();
    // The untied drug records a regimen's companions are read from: every recognised drug,
    // whichever rule set reads it (R-CHOP's vincristine tells a rheumatoid arthritis's
    // assessment that the rituximab begun with it is the lymphoma's, though no DMARD).
    let companions: Vec<(&DrugExposure, Vec<&super::drugs::Drug>)> = record
        .exposures
        .iter()
        .filter(|exposure| exposure.is_read_as_treatment())
        .filter(|exposure| is_untied(&exposure.indications, set))
        .map(|exposure| (exposure, book.recognise(&exposure.codes(), &exposure.text)))
        .filter(|(_, drugs)| !drugs.is_empty())
        .collect();
    // Of them, the ones this rule set reads (every recognised drug when it names no class).
    let candidates: Vec<&(&DrugExposure, Vec<&super::drugs::Drug>)> = companions
        .iter()
        .filter(|(_, drugs)| set.lines.classes.is_empty() || of_classes(drugs, &set.lines.classes))
        .collect();
    for (exposure, drugs) in &candidates {
        let reasons: Vec<&str> = exposure.indications.iter().map(Indication::words).collect();
        let first = exposure.start_day();
        let last = exposure.end_day().unwrap_or(NaiveDate::MAX).max(first);
        let reading = named(&reasons)
            .or_else(|| {
                by_dates(first, last, &|other: &Neighbour| {
                    of_classes(drugs, &other.classes)
                })
            })
            .map(|reading| match reading {
                Reading::Undecided(other) => by_dose(exposure, drugs, set, &others, other)
                    .or_else(|| by_drugs(exposure, drugs, &companions, set, &others, other))
                    .unwrap_or(Reading::Undecided(other)),
                reading => reading,
            });
        if let Some(reading) = reading {
            found.push(Untied {
                kind: UntiedKind::Exposure,
                id: exposure.id,
                reading,
            });
        }
    }
    let reads_procedure = |lists: &[Vec<String>], procedure: &Procedure| {
        lists
            .iter()
            .any(|terms| super::procedure_terms::is_one_of(procedure, terms))
    };
    for procedure in record
        .procedures
        .iter()
        .filter(|procedure| is_untied(&procedure.indications, set))
        .filter(|procedure| reads_procedure(&set.procedure_terms, procedure))
    {
        let reasons: Vec<&str> = procedure
            .indications
            .iter()
            .map(Indication::words)
            .collect();
        let reading = named(&reasons).or_else(|| {
            let (first, last) = procedure.window()?;
            by_dates(first, last, &|other: &Neighbour| {
                reads_procedure(&other.procedures, procedure)
            })
        });
        if let Some(reading) = reading {
            found.push(Untied {
                kind: UntiedKind::Procedure,
                id: procedure.id,
                reading,
            });
        }
    }
    for observation in record
        .observations
        .iter()
        .filter(|observation| is_untied(&observation.focus, set))
    {
        let value = observation.value_text();
        let words = [
            observation.display.as_str(),
            value.as_str(),
            observation.value_words.as_str(),
        ];
        if let Some(reading) = named(&words) {
            found.push(Untied {
                kind: UntiedKind::Observation,
                id: observation.id,
                reading,
            });
        }
    }
    found
}

/// Whether one of `drugs` is of one of `classes`.
fn of_classes(drugs: &[&super::drugs::Drug], classes: &[String]) -> bool {
    drugs
        .iter()
        .any(|drug| classes.iter().any(|class| drug.has_class(class)))
}

/// Whose disease's own drug `drug` is, by the rule files' lists (`[indication]
/// treatment_classes`, `treatment_ingredients`): this condition's when its file lists it and no
/// other condition's that reads it does; the other's when that one alone lists it. `None` when
/// both or neither list it, when this file or one reading it lists none (it cannot tell), and
/// for a drug no other condition reads (nothing to tell apart).
fn drug_side(
    drug: &super::drugs::Drug,
    set: &RuleSet,
    others: &[OtherCondition<'_, '_>],
) -> Option<Side> {
    if !set.lines.classes.is_empty() && !of_classes(&[drug], &set.lines.classes) {
        return None;
    }
    let claiming: Vec<usize> = (0..others.len())
        .filter(|&index| of_classes(&[drug], &others[index].neighbour.classes))
        .collect();
    if claiming.is_empty()
        || !set.indication.states_treatment()
        || claiming
            .iter()
            .any(|&index| !others[index].neighbour.indication.states_treatment())
    {
        return None;
    }
    let listing: Vec<usize> = claiming
        .into_iter()
        .filter(|&index| treats_with(&others[index].neighbour.indication, drug))
        .collect();
    match (treats_with(&set.indication, drug), listing.as_slice()) {
        (true, []) => Some(Side::This),
        (false, [one]) => Some(Side::Other(*one)),
        _ => None,
    }
}

/// Whose disease's own drug a regimen's companion is (see [`by_drugs`]): as [`drug_side`]
/// reads it, and also where only one side reads it at all (vincristine, of a lymphoma's
/// regimen, beside a rheumatoid arthritis's DMARDs): this condition's when only its file lists
/// it, the other's when that one's alone does. `None` when both or neither list it, when this
/// file lists none, or when another condition that reads it lists none (it cannot tell).
fn companion_side(
    drug: &super::drugs::Drug,
    set: &RuleSet,
    others: &[OtherCondition<'_, '_>],
) -> Option<Side> {
    if !set.indication.states_treatment()
        || others.iter().any(|other| {
            of_classes(&[drug], &other.neighbour.classes)
                && !other.neighbour.indication.states_treatment()
        })
    {
        return None;
    }
    let listing: Vec<usize> = (0..others.len())
        .filter(|&index| treats_with(&others[index].neighbour.indication, drug))
        .collect();
    match (treats_with(&set.indication, drug), listing.as_slice()) {
        (true, []) => Some(Side::This),
        (false, [one]) => Some(Side::Other(*one)),
        _ => None,
    }
}

/// Whose disease's own drug told a record: this condition's, or the other's at that index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    This,
    Other(usize),
}

/// The reading of an untied drug record neither its words nor its dates tell (`undecided_for`
/// the other condition it may be for), by the rule files' lists of their diseases' own drugs:
/// its own drugs' sides (see [`drug_side`]) and those of the untied drugs started within
/// `[indication] regimen_companion_days` of it (a regimen's drugs, whichever rule set reads
/// them: see [`companion_side`]), all pointing one way; a record whose own drugs tell nothing
/// (cyclophosphamide) takes its companions'. `None` when they tell nothing or point both ways
/// (two regimens for two diseases begun together).
fn by_drugs<'r>(
    exposure: &DrugExposure,
    drugs: &[&super::drugs::Drug],
    candidates: &[(&'r DrugExposure, Vec<&super::drugs::Drug>)],
    set: &RuleSet,
    others: &[OtherCondition<'r, '_>],
    undecided_for: &'r Condition,
) -> Option<Reading<'r>> {
    let mut sides: Vec<(Side, String)> = Vec::new();
    let add = |drugs: &[&super::drugs::Drug], sides: &mut Vec<(Side, String)>| {
        for drug in drugs {
            if let Some(side) = drug_side(drug, set, others)
                && !sides.iter().any(|(_, name)| *name == drug.ingredient)
            {
                sides.push((side, drug.ingredient.clone()));
            }
        }
    };
    add(drugs, &mut sides);
    let own = sides.len();
    let window = set.indication.regimen_companion_days;
    for (companion, companion_drugs) in candidates {
        if companion.id != exposure.id
            && (companion.start_day() - exposure.start_day())
                .num_days()
                .abs()
                <= window
        {
            for drug in companion_drugs {
                if let Some(side) = companion_side(drug, set, others)
                    && !sides.iter().any(|(_, name)| *name == drug.ingredient)
                {
                    sides.push((side, drug.ingredient.clone()));
                }
            }
        }
    }
    let side = sides.first()?.0;
    if sides.iter().any(|(other, _)| *other != side) {
        return None;
    }
    // Said by the drugs that told it: its own, else its companions'.
    let by_companions = own == 0;
    let told: Vec<&str> = sides
        .iter()
        .enumerate()
        .filter(|(index, _)| by_companions || *index < own)
        .map(|(_, (_, name))| name.as_str())
        .collect();
    let drugs = told.join(" + ");
    Some(match side {
        Side::This => Reading::DrugOfThis(DrugTold {
            drugs,
            disease: set.name.clone(),
            not_disease: others
                .iter()
                .find(|other| {
                    other
                        .conditions
                        .iter()
                        .any(|condition| std::ptr::eq(*condition, undecided_for))
                })
                .map_or_else(String::new, |other| other.neighbour.name.clone()),
            by_companions,
            by_dose: None,
        }),
        Side::Other(index) => Reading::DrugOfOther(DrugTold {
            drugs,
            disease: others[index].neighbour.name.clone(),
            not_disease: set.name.clone(),
            by_companions,
            by_dose: None,
        }),
    })
}

/// The reading of an untied record of one drug neither its words nor its dates tell
/// (`undecided_for` the other condition it may be for), by its dose (review R8-5): a dose
/// within this file's `[indication] dose_tells` for the drug is this condition's, one within
/// exactly one other condition's is that one's. `None` with no dose recorded, a dose none or
/// both tell, or a record of several drugs.
fn by_dose<'r>(
    exposure: &DrugExposure,
    drugs: &[&super::drugs::Drug],
    set: &RuleSet,
    others: &[OtherCondition<'r, '_>],
    undecided_for: &'r Condition,
) -> Option<Reading<'r>> {
    let dose = exposure.dose.as_ref()?;
    let [drug] = drugs else {
        return None;
    };
    let told = |parameters: &IndicationParameters| {
        parameters
            .dose_tells
            .iter()
            .filter(|tells| tells.ingredient.eq_ignore_ascii_case(&drug.ingredient))
            .find_map(|tells| dose_within(tells, dose))
    };
    let this = told(&set.indication);
    let other: Vec<(usize, (String, String))> = others
        .iter()
        .enumerate()
        .filter_map(|(index, other)| told(&other.neighbour.indication).map(|words| (index, words)))
        .collect();
    match (this, other.as_slice()) {
        (Some(words), []) => Some(Reading::DrugOfThis(DrugTold {
            drugs: drug.ingredient.clone(),
            disease: set.name.clone(),
            not_disease: others
                .iter()
                .find(|other| {
                    other
                        .conditions
                        .iter()
                        .any(|condition| std::ptr::eq(*condition, undecided_for))
                })
                .map_or_else(String::new, |other| other.neighbour.name.clone()),
            by_companions: false,
            by_dose: Some(words),
        })),
        (None, [(index, words)]) => Some(Reading::DrugOfOther(DrugTold {
            drugs: drug.ingredient.clone(),
            disease: others[*index].neighbour.name.clone(),
            not_disease: set.name.clone(),
            by_companions: false,
            by_dose: Some(words.clone()),
        })),
        _ => None,
    }
}

/// The dose as said and the bound of `tells` it is within, or `None`: a weekly amount at most
/// `max_mg_per_week` (a dose per day or per interval, made weekly), one dose per m² at least
/// `min_mg_per_m2`, or one dose at least `min_mg`. A dose with no interval is no weekly amount.
fn dose_within(
    tells: &super::model::DoseTells,
    dose: &crate::domain::Dose,
) -> Option<(String, String)> {
    use super::numbers::trim_number;
    if let Some(max) = tells.max_mg_per_week
        && let Some(daily) = super::dose::daily(dose)
    {
        let weekly = daily.mg_per_day * 7.0;
        // A residue of the conversion (mg/d to a week) is no dose above the bound.
        if weekly > 0.0 && weekly <= max * (1.0 + 1e-9) {
            return Some((
                format!(
                    "{} mg a week",
                    trim_number((weekly * 1000.0).round() / 1000.0)
                ),
                format!("at most {} mg a week", trim_number(max)),
            ));
        }
    }
    let as_recorded = || format!("{} {}", trim_number(dose.value), dose.unit.trim());
    let bound = || {
        let mut bounds = Vec::new();
        if let Some(min) = tells.min_mg_per_m2 {
            bounds.push(format!("{} mg/m2", trim_number(min)));
        }
        if let Some(min) = tells.min_mg {
            bounds.push(format!("{} mg", trim_number(min)));
        }
        format!("at least {}", bounds.join(" or "))
    };
    if let Some(min) = tells.min_mg_per_m2
        && super::dose::per_m2_mg(dose).is_some_and(|mg| mg >= min)
    {
        return Some((as_recorded(), bound()));
    }
    if let Some(min) = tells.min_mg
        && super::dose::per_dose_mg(dose).is_some_and(|mg| mg >= min)
    {
        return Some((as_recorded(), bound()));
    }
    None
}

/// The procedures and observations of `record` its records tie to another condition than
/// `set`'s, each with that condition.
#[allow(clippy::type_complexity)]
pub fn of_other_conditions<'r>(
    record: &'r PatientRecord,
    set: &RuleSet,
) -> (
    Vec<(&'r Procedure, &'r Indication)>,
    Vec<(&'r Observation, &'r Indication)>,
) {
    let procedures = record
        .procedures
        .iter()
        .filter_map(|procedure| {
            tied_to_another(&procedure.indications, set).map(|other| (procedure, other))
        })
        .collect();
    let observations = record
        .observations
        .iter()
        .filter_map(|observation| {
            tied_to_another(&observation.focus, set).map(|other| (observation, other))
        })
        .collect();
    (procedures, observations)
}

/// Whether the indication is this rule set's condition: a diagnosis its `applies_to` selects,
/// or one its `[indication.also]` reads as it.
fn names_this_condition(indication: &Indication, set: &RuleSet) -> bool {
    let lists = [&set.applies_to, &set.indication.also];
    lists
        .iter()
        .any(|list| indication_selected_by(indication, list))
}

/// Whether the indication names a diagnosis refract can tell from this one: a code of SNOMED CT
/// or ICD-10 that is no encounter or status (ICD-10 chapter Z: "encounter for antineoplastic
/// chemotherapy" says what was done, not which condition) and no procedure, regimen or
/// situation (SNOMED CT's semantic tags on its display). Words alone are read only to find this
/// condition: free text refract cannot match is a reason it cannot tell.
///
/// A SNOMED CT code with no words beside it is not told: SNOMED CT's kinds of a condition are
/// many more than a rule file lists (a subtype of hypertension it does not name), and only its
/// words would show it is this condition; set aside on its code alone, a drug given for the
/// condition itself could be lost. ICD-10's codes are read by their prefixes, so they tell alone.
fn is_told(indication: &Indication) -> bool {
    let worded = !indication.text.trim().is_empty()
        || indication
            .codings
            .iter()
            .any(|coding| !coding.display.trim().is_empty());
    indication.codings.iter().any(|coding| {
        let code = coding.code.trim();
        let display = coding.display.to_ascii_lowercase();
        let not_a_condition = ["(procedure)", "(regime/therapy)", "(situation)"]
            .iter()
            .any(|tag| display.ends_with(tag));
        !code.is_empty()
            && !not_a_condition
            && match ConditionCodeSystem::from_uri(&coding.system) {
                ConditionCodeSystem::Snomed => worded,
                ConditionCodeSystem::Icd10 => !code.starts_with(['Z', 'z']),
                ConditionCodeSystem::Other => false,
            }
    })
}

/// Whether `drug` is one of the drugs a rule file lists as its disease's own
/// (`treatment_classes`, `treatment_ingredients`).
fn treats_with(listed: &IndicationParameters, drug: &Drug) -> bool {
    listed
        .treatment_classes
        .iter()
        .any(|class| drug.has_class(class))
        || listed
            .treatment_ingredients
            .iter()
            .any(|ingredient| ingredient.eq_ignore_ascii_case(&drug.ingredient))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Coding;
    use crate::rules::Rules;

    fn icd10(code: &str, display: &str) -> Indication {
        Indication {
            codings: vec![Coding {
                system: String::from("http://hl7.org/fhir/sid/icd-10"),
                code: code.to_owned(),
                display: display.to_owned(),
            }],
            text: String::new(),
        }
    }

    /// The `[indication.also]` lists: conditions whose drugs treat the rule set's own (a
    /// hypertensive crisis, dysthymia), beside ones whose drugs do not (anxiety).
    #[test]
    fn a_crisis_of_the_condition_or_its_chronic_form_is_the_condition() {
        let rules = Rules::embedded().unwrap();
        let set = |id: &str| rules.sets.iter().find(|set| set.id == id).unwrap();
        let hypertension = set("hypertension");
        let depression = set("depression");
        for (indication, set, expected) in [
            (icd10("I16.0", "Hypertensive urgency"), hypertension, true),
            (icd10("I16.1", "Hypertensive emergency"), hypertension, true),
            (icd10("O13", "Gestational hypertension"), hypertension, true),
            (icd10("O14.1", "Severe pre-eclampsia"), hypertension, true),
            (
                icd10("O12.1", "Gestational proteinuria"),
                hypertension,
                false,
            ),
            (icd10("I48.91", "Atrial fibrillation"), hypertension, false),
            (icd10("F34.1", "Dysthymic disorder"), depression, true),
            (
                icd10("F41.1", "Generalized anxiety disorder"),
                depression,
                false,
            ),
        ] {
            assert_eq!(
                names_this_condition(&indication, set),
                expected,
                "{}",
                indication.words()
            );
        }
    }
}
