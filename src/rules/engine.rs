//! Evaluation: which rule sets apply to a patient, each criterion's verdict, the tiers they
//! reach, and the assessment that comes out — status, label, reasons, evidence, what is
//! missing, what must still be ruled out, the citation and a fingerprint for reviews.
//!
//! Tiers are tried from the top: the first whose criteria are all met gives the status; a
//! higher tier left undecided adds what would decide it to `missing`. With no tier met, any
//! undecided tier makes the status `insufficient_data`, else `not_met`. Open confounders never
//! change the status (docs/architecture.md, statuses); they are listed beside it.

use std::rc::Rc;

use chrono::NaiveDate;

use super::context::Context;
use super::describe::confounder;
use super::diagnosis_names::{
    Entries, condition_matches, icd10_starts_with, listed_entries, mentions, selected_by,
};
use super::drugs::DrugBook;
use super::model::{AppliesTo, Kind, RuleSet};
use super::outcome::{Outcome, Question, Verdict};
use super::words::contains_words;
use super::{oncology, pressure, status_epilepticus, trials};
use crate::domain::{
    Assessment, AssessmentStatus, Condition, ConditionCodeSystem, Confounder, DatePrecision, Death,
    Evidence, EvidenceKind, Patient, PatientId, PatientRecord,
};

/// Outcomes of the criteria evaluated so far for one assessment (a handful: a list is faster
/// than hashing).
/// Outcomes are shared, not copied: a criterion's reasons and evidence are read by every tier,
/// composite and label that consults it.
#[derive(Default)]
struct Cache<'s>(Vec<(&'s str, Rc<Outcome>)>);

impl<'s> Cache<'s> {
    fn get(&self, id: &str) -> Option<&Rc<Outcome>> {
        self.0
            .iter()
            .find(|(key, _)| *key == id)
            .map(|(_, outcome)| outcome)
    }

    fn insert(&mut self, id: &'s str, outcome: Rc<Outcome>) {
        self.0.push((id, outcome));
    }
}

/// The conditions of `record` that `set` applies to: current diagnoses only (not refuted, not
/// entered in error, not resolved or inactive, nor a record with no status of a diagnosis that
/// another record of it says is over: see [`Condition::is_current_among`]). Every record the
/// set applies to is a record of its diagnosis (a problem-list ICD-10 code and an encounter's
/// SNOMED CT code of one epilepsy).
pub fn matching_conditions<'r>(set: &RuleSet, record: &'r PatientRecord) -> Vec<&'r Condition> {
    let records: Vec<&Condition> = record
        .conditions
        .iter()
        .filter(|condition| selected_by(condition, &set.applies_to))
        .collect();
    records
        .iter()
        .copied()
        .filter(|condition| condition.is_current_among(records.iter().copied()))
        .collect()
}

/// Evaluates one rule set on one patient; `None` when it does not apply (no matching
/// condition). A deceased patient gets no new flag (see [`after_death`]).
pub fn evaluate(
    record: &PatientRecord,
    set: &RuleSet,
    book: &DrugBook,
    today: NaiveDate,
) -> Option<Assessment> {
    match as_of_death(record, today) {
        Some((closed, last_day)) => {
            let death = record.patient.as_ref().and_then(Patient::death)?;
            let inner = evaluate_living(&closed, set, book, last_day)?;
            Some(after_death(inner, death, today))
        }
        None => evaluate_living(record, set, book, today),
    }
}

/// A deceased patient's record as the criteria read it, and the day to read it on: nothing
/// given after death, judged on the day of death (or, when that day is not recorded, on the
/// record's last day). `None` for a patient not known to be dead.
pub fn as_of_death(record: &PatientRecord, today: NaiveDate) -> Option<(PatientRecord, NaiveDate)> {
    let day = record.death_day().or_else(|| {
        record
            .patient
            .as_ref()
            .is_some_and(Patient::is_deceased)
            .then_some(today)
    })?;
    let mut closed = record.clone();
    closed.end_at_death();
    Some((closed, day.min(today)))
}

/// The assessment of a deceased patient: no new suspected-refractory flag (a flag asks the team
/// to act for the patient; `insufficient_data`, as refract does not decide for the
/// dead), with why, and what the criteria read up to death as context and evidence. The team's
/// earlier reviews stay in the record as they were.
fn after_death(inner: Assessment, death: Death, today: NaiveDate) -> Assessment {
    let when = match death.date {
        Some(day) => format!("deceased on {day}"),
        None => String::from("deceased (the day is not recorded)"),
    };
    let mut reasons = vec![
        format!("{when}: no new flag"),
        format!("up to death, the criteria read: {}", inner.label),
    ];
    reasons.extend(inner.reasons.iter().map(|reason| format!("  {reason}")));
    let mut assessment = Assessment {
        status: AssessmentStatus::InsufficientData,
        label: String::from(DECEASED_LABEL),
        reasons,
        missing: Vec::new(),
        confounders: Vec::new(),
        evaluated_on: today,
        fingerprint: String::new(),
        ..inner
    };
    assessment.fingerprint = fingerprint(&assessment);
    assessment
}

/// The label of a deceased patient's assessment.
pub const DECEASED_LABEL: &str = "deceased: no new flag";

fn evaluate_living(
    record: &PatientRecord,
    set: &RuleSet,
    book: &DrugBook,
    today: NaiveDate,
) -> Option<Assessment> {
    let conditions = matching_conditions(set, record);
    if conditions.is_empty() {
        return None;
    }
    // A transplant done for another condition, or a disease status of another, is none of
    // this one's findings (see `rules::indication`): left out before anything reads them.
    let set_aside_findings = findings_of_other_conditions(record, set);
    let untied = untied_evidence(record, set, book);
    let own = super::indication::own_record(record, set, book);
    let record = own.as_ref().unwrap_or(record);
    let with_therapies = super::procedure_therapies::with_therapies(record, set, book);
    let record = with_therapies.as_ref().unwrap_or(record);
    let patient_id = record.patient.as_ref().map_or(PatientId(0), |p| p.id);
    let read: Vec<Recognised<'_, '_>> = conditions
        .iter()
        .map(|condition| (*condition, recognising_lists(set, condition)))
        .collect();
    let everyone: Vec<&Recognised<'_, '_>> = read.iter().collect();
    let diagnoses = diagnosis_grounds(&everyone);
    let coded_diagnoses = coded_diagnosis_grounds(&conditions);
    let read_diagnoses = engine_31_diagnosis_grounds(&everyone);
    let earlier_diagnoses = earlier_diagnosis_grounds(&read, &diagnoses);
    let finish =
        |status, label, reasons, evidence, missing, confounders, rule_outs: Vec<String>| {
            let rule_outs: Vec<String> = rule_outs
                .into_iter()
                .map(|ground| format!("rule_out:{ground}"))
                .collect();
            let mut grounds = diagnoses.clone();
            grounds.extend(rule_outs.iter().cloned());
            let mut coded_grounds = coded_diagnoses.clone();
            coded_grounds.extend(rule_outs.iter().cloned());
            let mut reading_grounds = read_diagnoses.clone();
            reading_grounds.extend(rule_outs.iter().cloned());
            let earlier_grounds = earlier_diagnoses
                .iter()
                .map(|diagnoses| {
                    let mut grounds = diagnoses.clone();
                    grounds.extend(rule_outs.iter().cloned());
                    grounds
                })
                .collect();
            let mut assessment = Assessment {
                patient_id,
                ruleset: set.id.clone(),
                ruleset_version: set.version.clone(),
                status,
                label,
                reasons,
                evidence,
                missing,
                confounders,
                citation: set.citation.short(),
                evaluated_on: today,
                fingerprint: String::new(),
                criteria_met_since: None,
                grounds,
                coded_grounds,
                reading_grounds,
                earlier_grounds,
            };
            assessment.fingerprint = fingerprint(&assessment);
            assessment
        };

    // Exclusions (bipolar depression for TRD) put the patient outside the criterion; one
    // recorded only as possible leaves the question open instead.
    let doubtful = match exclusion(set, record) {
        Some(Excluded::Confirmed(reason, evidence)) => {
            return Some(finish(
                AssessmentStatus::NotMet,
                set.labels.not_met.clone(),
                vec![reason],
                vec![evidence],
                Vec::new(),
                Vec::new(),
                Vec::new(),
            ));
        }
        Some(Excluded::Doubtful(doubts)) => doubts,
        None => Vec::new(),
    };

    let unconfirmed = unconfirmed_diagnosis(&conditions);
    let ctx = Context::new(record, set, book, today, conditions);
    let mut cache = Cache::default();
    let tiers = decide_tier(&ctx, set, &mut cache);
    let status = tiers.status;
    let mut found = Findings::explain(set, &tiers, &cache);
    let set_aside = set_aside_evidence(record, set, book);
    // Said among the reasons too, where the team reads the criteria: a drug they know of that
    // is missing from "3 classes given together" is explained beside it, not only in the list
    // of evidence.
    if !set_aside.is_empty() {
        // Each drug once: an order and the fills that carry it out are two records, one drug.
        let mut drugs: Vec<&str> = Vec::new();
        for item in &set_aside {
            if !drugs.contains(&item.text.as_str()) {
                drugs.push(&item.text);
            }
        }
        found.reasons.push(format!(
            "drugs given for other conditions, not counted (the records say so): {}",
            drugs.join("; ")
        ));
    }
    // Records in the same words are one item citing each (`also`), as counted items are: a
    // drug given for another condition is not listed once per order, fill and renewal.
    add_evidence(&mut found.evidence, &set_aside);
    if !set_aside_findings.is_empty() {
        let mut said: Vec<&str> = Vec::new();
        for item in &set_aside_findings {
            if !said.contains(&item.text.as_str()) {
                said.push(&item.text);
            }
        }
        found.reasons.push(format!(
            "procedures and findings of other conditions, not counted (the records say so): {}",
            said.join("; ")
        ));
    }
    add_evidence(&mut found.evidence, &set_aside_findings);
    if !untied.elsewhere.is_empty() {
        found.reasons.push(format!(
            "records tied to no condition, read as another condition's and not counted: {}",
            untied.elsewhere.join("; ")
        ));
    }
    if !untied.here.is_empty() {
        found.reasons.push(format!(
            "records tied to no condition, read by their drugs as this condition's and counted: {}",
            untied.here.join("; ")
        ));
    }
    found.evidence.extend(untied.evidence);
    if !untied.undecided.is_empty() {
        found.confounders.push(confounder(
            UNTIED_RECORDS,
            format!(
                "records tied to no condition that may be another condition's, counted here: {}; tie them to the condition they were for (a reason or a focus), or rule this out",
                untied.undecided.join("; ")
            ),
        ));
    }
    found
        .confounders
        .extend(names_in_disagreement(record, set, book));
    refine_label(&ctx, set, status, &mut cache, &mut found);
    // The deciding criteria all rest on a progression the record shows confirmed.
    let progression_shown_confirmed = !tiers.deciding.is_empty()
        && tiers.deciding.iter().all(|id| {
            cache
                .get(id)
                .is_some_and(|outcome| outcome.progression_shown_confirmed)
        });
    let met = |id: &str| {
        cache
            .get(id)
            .is_some_and(|outcome| outcome.verdict == Verdict::Met)
    };
    rule_confounders(
        &ctx,
        set,
        status,
        progression_shown_confirmed,
        &met,
        &mut found.confounders,
    );
    found.confounders.extend(lymphodepletion_alone(&ctx));
    if let Some(words) = unconfirmed {
        found
            .confounders
            .insert(0, confounder("diagnosis_unconfirmed", words));
    }
    // Criteria are judged against the run day; an old record says why it may fall short.
    if (ctx.today - ctx.as_of).num_days() > 180 {
        found.confounders.push(confounder(
            STALE_DATA,
            format!(
                "the latest recorded data are from {}: treatment and measurements since then may be missing from this record",
                ctx.as_of_text
            ),
        ));
    }
    // What must be ruled out, as the record says it: the team's resolutions below take items
    // off the list, never off what a review was made on (their own ticks reopen nothing).
    let mut rule_outs: Vec<String> = found
        .confounders
        .iter()
        .filter(|c| c.key != STALE_DATA)
        .map(|c| c.ground().to_owned())
        .collect();
    found.confounders.retain(|c| {
        !record
            .resolved_confounders
            .iter()
            .any(|(ruleset, key)| *ruleset == set.id && *key == c.key)
    });
    let mut status = status;
    let mut missing = tiers.missing;
    for item in std::mem::take(&mut found.missing) {
        if !missing.contains(&item) {
            missing.push(item);
        }
    }
    if !doubtful.is_empty() {
        // An exclusion only considered (differential, provisional, unconfirmed) is the
        // reference's "status unknown" (refractory-criteria.md section 3: bipolar status
        // unknown, insufficient data): a flag would assert it ruled out, and "not met" would
        // assert it confirmed. A record that falls short anyway stays not met, the doubt said.
        if !matches!(
            status,
            AssessmentStatus::NotMet | AssessmentStatus::InsufficientData
        ) {
            found.reasons.insert(
                0,
                format!(
                    "the criteria of '{}' are met, but an exclusion is recorded as possible: it must be confirmed or ruled out first",
                    found.label
                ),
            );
            status = AssessmentStatus::InsufficientData;
            found.label.clone_from(&set.labels.insufficient_data);
        }
        for (words, evidence) in doubtful {
            if status == AssessmentStatus::InsufficientData {
                missing.insert(0, words.clone());
            }
            rule_outs.push(String::from("exclusion_unconfirmed"));
            found
                .confounders
                .insert(0, confounder("exclusion_unconfirmed", words));
            found.evidence.push(evidence);
        }
    }
    if let Some(unidentified) = unidentified_drugs(record, set) {
        rule_outs.push(String::from(DRUGS_UNIDENTIFIED));
        let resolved = record
            .resolved_confounders
            .iter()
            .any(|(ruleset, key)| *ruleset == set.id && key == DRUGS_UNIDENTIFIED);
        if !resolved {
            // A drug no one can name could be the one the criteria lack: "not met" would say
            // the record shows none (DESIGN.md section 2, pending outcomes).
            if status == AssessmentStatus::NotMet {
                status = AssessmentStatus::InsufficientData;
                found.label.clone_from(&set.labels.insufficient_data);
                missing.insert(
                    0,
                    format!("which drugs the records named only by {unidentified} are"),
                );
            }
            found.confounders.push(confounder(
                DRUGS_UNIDENTIFIED,
                format!(
                    "drug records named only by {unidentified}, codes refract does not know, \
                     with no words: none is counted; say which drugs they are"
                ),
            ));
        }
    }
    Some(finish(
        status,
        found.label,
        found.reasons,
        found.evidence,
        missing,
        found.confounders,
        rule_outs,
    ))
}

/// The key of the rule-out that says the record's latest data are old: the run day moving on
/// raises it, not the patient's record, so it is none of what a review was made on.
const STALE_DATA: &str = "stale_data";

/// The diagnoses an assessment rests on, for its fingerprint, as the rule set reads them
/// (reviews R8-6, F5): the records are grouped by what the rule file's own lists recognise each
/// as ([`recognising_lists`]: a recurrent form, an exclusion, a secondary cause, a past history), and
/// each group is keyed, list by list, by the entries of the list that recognise its records
/// ([`listed_entries`]): the ICD-10 prefixes their ICD-10 codes fall under, else the SNOMED CT
/// concepts, else the names their words say. So a second source's record of the diagnosis in
/// SNOMED CT beside the hospital's ICD-10 one, the same record sent again with a SNOMED CT
/// coding added, another source's copy of the same code, or a more or less detailed ICD-10
/// code the lists read alike (the GP's G40.9 beside the hospital's G40.909, both under
/// epilepsy.toml's `G40`) adds nothing, while what the rules read differently (renovascular for
/// essential hypertension, in either code system; a secondary cause; a recurrent depressive
/// disorder, F33, for a single episode, F32; another entry of the list, I11 for I10) or a
/// retracted record that leaves a group on other entries asks for a new review. ICD-10 keys a
/// list, where any of the group's records gives it, because both sources share the
/// classification: SNOMED CT concepts say the diagnosis in finer words the rule set does not
/// read.
fn diagnosis_grounds(recognised: &[&Recognised<'_, '_>]) -> Vec<String> {
    let mut groups: Vec<(String, Vec<&Recognised<'_, '_>>)> = Vec::new();
    for record in recognised {
        let reading = reading_of(&record.1);
        match groups.iter_mut().find(|(read, _)| *read == reading) {
            Some((_, records)) => records.push(record),
            None => groups.push((reading, vec![record])),
        }
    }
    let mut grounds = Vec::new();
    for (reading, records) in &groups {
        let mut labels: Vec<&str> = Vec::new();
        for (label, _) in records.iter().flat_map(|(_, lists)| lists.iter()) {
            if !labels.contains(&label.as_str()) {
                labels.push(label);
            }
        }
        for label in labels {
            let entries = || {
                records
                    .iter()
                    .flat_map(|(_, lists)| lists.iter())
                    .filter(move |(listed, _)| listed == label)
                    .map(|(_, entries)| entries)
            };
            let mut keys: Vec<String> = entries()
                .flat_map(|entries| entries.icd10.iter())
                .map(|prefix| format!("icd10 {}", prefix.trim().replace('.', "").to_uppercase()))
                .collect();
            if keys.is_empty() {
                keys = entries()
                    .flat_map(|entries| entries.snomed.iter())
                    .map(|concept| format!("snomed {}", concept.trim()))
                    .collect();
            }
            if keys.is_empty() {
                keys = entries()
                    .flat_map(|entries| entries.names.iter())
                    .map(|name| format!("name {}", words_of(name)))
                    .collect();
            }
            if keys.is_empty() {
                keys = records
                    .iter()
                    .map(|(condition, _)| words_of(&condition.display))
                    .collect();
            }
            keys.sort_unstable();
            keys.dedup();
            grounds.extend(
                keys.into_iter()
                    .map(|key| format!("diagnosis:[{reading}] {label}: {key}")),
            );
        }
    }
    grounds
}

/// A diagnosis record with the rule set's lists that recognise it ([`recognising_lists`]).
type Recognised<'c, 's> = (&'c Condition, Vec<(String, Entries<'s>)>);

/// The most diagnosis records of one assessment whose groups are searched for
/// [`earlier_diagnosis_grounds`]: every group of them is tried, so a long list of records (a
/// problem list sending each visit's copy) is compared whole rather than in 2^n groups.
const EARLIER_GROUNDS_MAX_RECORDS: usize = 8;

/// The diagnoses as the digests of an earlier refract keyed them (ENGINE 31's groups by their
/// records' codes, ENGINE 30's records by their codes), made of each smaller group of the
/// records that the rule set reads as it reads them all (`now`, [`diagnosis_grounds`]): the
/// records the team reviewed before another source's copy of the diagnosis came (the GP's
/// G40.9 beside the hospital's G40.909, a SNOMED CT record of it). A review made on an earlier
/// digest holds when the first run after the upgrade is the import that brings the copy, as it
/// would have had the copy come a run later (review R8-6's leftover, H6); the digests of all the
/// records are [`Assessment::reading_fingerprint`] and [`Assessment::coded_fingerprint`].
fn earlier_diagnosis_grounds(
    recognised: &[Recognised<'_, '_>],
    now: &[String],
) -> Vec<Vec<String>> {
    let count = recognised.len();
    if !(2..=EARLIER_GROUNDS_MAX_RECORDS).contains(&count) {
        return Vec::new();
    }
    let mut now = now.to_vec();
    now.sort_unstable();
    now.dedup();
    let mut earlier: Vec<Vec<String>> = Vec::new();
    for members in 1..(1_usize << count) - 1 {
        let group: Vec<&Recognised<'_, '_>> = recognised
            .iter()
            .enumerate()
            .filter(|(at, _)| members & (1 << at) != 0)
            .map(|(_, record)| record)
            .collect();
        let mut read = diagnosis_grounds(&group);
        read.sort_unstable();
        read.dedup();
        if read != now {
            continue;
        }
        let conditions: Vec<&Condition> = group.iter().map(|(condition, _)| *condition).collect();
        for grounds in [
            engine_31_diagnosis_grounds(&group),
            coded_diagnosis_grounds(&conditions),
        ] {
            if !earlier.contains(&grounds) {
                earlier.push(grounds);
            }
        }
    }
    earlier
}

/// The diagnosis records as [`diagnosis_grounds`] keyed them from review R8-6 to ENGINE 32
/// (ENGINE 31): grouped as now, each group by its records' ICD-10 codes (without the dot), else
/// SNOMED CT codes, else words. Kept to tell that a review made on that digest still holds
/// ([`Assessment::reading_fingerprint`]); never change it.
fn engine_31_diagnosis_grounds(recognised: &[&Recognised<'_, '_>]) -> Vec<String> {
    let mut groups: Vec<(String, Vec<&Condition>)> = Vec::new();
    for (condition, lists) in recognised {
        let reading = reading_of(lists);
        match groups.iter_mut().find(|(read, _)| *read == reading) {
            Some((_, records)) => records.push(condition),
            None => groups.push((reading, vec![condition])),
        }
    }
    let mut grounds = Vec::new();
    for (reading, records) in groups {
        let codes_in = |wanted: ConditionCodeSystem| -> Vec<String> {
            records
                .iter()
                .flat_map(|condition| condition.codes())
                .filter(|(system, code)| *system == wanted && !code.trim().is_empty())
                .map(|(system, code)| match system {
                    ConditionCodeSystem::Icd10 => {
                        format!("icd10 {}", code.trim().replace('.', "").to_uppercase())
                    }
                    _ => format!("snomed {}", code.trim()),
                })
                .collect()
        };
        let mut keys = codes_in(ConditionCodeSystem::Icd10);
        if keys.is_empty() {
            keys = codes_in(ConditionCodeSystem::Snomed);
        }
        if keys.is_empty() {
            keys = records
                .iter()
                .map(|condition| words_of(&condition.display))
                .collect();
        }
        grounds.extend(
            keys.into_iter()
                .map(|key| format!("diagnosis:[{reading}] {key}")),
        );
    }
    grounds
}

/// The lists' names, each once, in the file's order.
fn reading_of(lists: &[(String, Entries<'_>)]) -> String {
    let mut reading: Vec<&str> = lists.iter().map(|(label, _)| label.as_str()).collect();
    reading.dedup();
    reading.join(", ")
}

/// The rule set's lists that recognise one of its diagnosis records, each named ("applies_to",
/// "exclusion 1", "secondary_causes: sleep apnoea") with the entries that recognise it: the
/// diagnosis `applies_to` selects, a recurrent form (`applies_to.recurrent`), an exclusion, a
/// secondary cause a confounder names (by its codes alone, as `recorded_diagnoses` reads the
/// assessed diagnosis's own records: "hypertensive chronic kidney disease" is the hypertension,
/// not a CKD), a past or family history.
fn recognising_lists<'s>(set: &'s RuleSet, condition: &Condition) -> Vec<(String, Entries<'s>)> {
    let selected = |list: &'s AppliesTo| {
        listed_entries(
            condition,
            &list.icd10,
            &list.snomed,
            &list.names,
            &list.not_names,
            &list.abbreviations,
        )
    };
    let mut lists = vec![(String::from("applies_to"), selected(&set.applies_to))];
    if let Some(recurrent) = set
        .applies_to
        .recurrent
        .as_deref()
        .filter(|recurrent| selected_by(condition, recurrent))
    {
        lists.push((String::from("recurrent"), selected(recurrent)));
    }
    for (number, exclusion) in set.exclusions.iter().enumerate() {
        if condition_matches(
            condition,
            &exclusion.icd10,
            &exclusion.snomed,
            &exclusion.names,
        ) {
            lists.push((
                format!("exclusion {}", number + 1),
                listed_entries(
                    condition,
                    &exclusion.icd10,
                    &exclusion.snomed,
                    &exclusion.names,
                    &[],
                    &[],
                ),
            ));
        }
    }
    for rule in &set.confounders {
        if let Some(not) = rule
            .not_recorded
            .as_ref()
            .filter(|not| condition_matches(condition, &not.icd10, &not.snomed, &not.names))
        {
            lists.push((
                format!("{}: history", rule.key),
                listed_entries(condition, &not.icd10, &not.snomed, &not.names, &[], &[]),
            ));
        }
        for cause in &rule.recorded {
            if condition_matches(condition, &cause.icd10, &cause.snomed, &[]) {
                lists.push((
                    format!("{}: {}", rule.key, cause.name),
                    listed_entries(condition, &cause.icd10, &cause.snomed, &[], &[], &[]),
                ));
            }
        }
    }
    lists
}

/// A diagnosis's words as a key: lower case, one space between words.
fn words_of(display: &str) -> String {
    display
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The diagnosis records as [`diagnosis_grounds`] keyed them from review r5 R5-9 to review
/// R8-6 (ENGINE 30): each by the code it is shown by (ICD-10 without its dot, SNOMED CT), else
/// by its words. Kept to tell that a review made on that digest still holds
/// ([`Assessment::coded_fingerprint`]); never change it.
fn coded_diagnosis_grounds(conditions: &[&Condition]) -> Vec<String> {
    conditions
        .iter()
        .map(|condition| match condition.system {
            ConditionCodeSystem::Icd10 if !condition.code.trim().is_empty() => format!(
                "diagnosis:icd10 {}",
                condition.code.trim().replace('.', "").to_uppercase()
            ),
            ConditionCodeSystem::Snomed if !condition.code.trim().is_empty() => {
                format!("diagnosis:snomed {}", condition.code.trim())
            }
            _ => format!("diagnosis:{}", words_of(&condition.display)),
        })
        .collect()
}

/// The key of the rule-out for drug records refract cannot identify (see
/// [`unidentified_drugs`]): resolved by the team once they know the drugs were none of the
/// condition's.
pub const DRUGS_UNIDENTIFIED: &str = "drugs_unidentified";

/// What names the condition's drug records that name no drug refract knows and have no words
/// ("RxNorm 308135, RxNorm 316151"; see `DrugExposure::is_unidentified`), when there are any:
/// records given for another condition, or only when needed, are not among them.
fn unidentified_drugs(record: &PatientRecord, set: &RuleSet) -> Option<String> {
    let mut named: Vec<&str> = Vec::new();
    for exposure in record
        .exposures
        .iter()
        .filter(|exposure| exposure.is_unidentified() && exposure.is_read_as_treatment())
        .filter(|exposure| super::indication::given_for_another(exposure, set).is_none())
    {
        let what = exposure
            .text
            .split_once('(')
            .and_then(|(_, inside)| inside.strip_suffix(')'))
            .unwrap_or("no code");
        if !named.contains(&what) {
            named.push(what);
        }
    }
    (!named.is_empty()).then(|| named.join(", "))
}

/// The drugs of the condition's classes its criteria and lines left out because their records
/// say they were given for another condition (see `rules::indication`), each said as such
/// ("metoprolol: given for atrial fibrillation, not counted"): the team sees why a drug they
/// know of is not among the trials.
fn set_aside_evidence(record: &PatientRecord, set: &RuleSet, book: &DrugBook) -> Vec<Evidence> {
    super::given::set_aside(record, book, set)
        .into_iter()
        .map(|(exposure, indication)| {
            let drugs = book.recognise(&exposure.codes(), &exposure.text);
            let named = if drugs.is_empty() {
                exposure.text.clone()
            } else {
                drugs
                    .iter()
                    .map(|drug| drug.ingredient.as_str())
                    .collect::<Vec<_>>()
                    .join(" + ")
            };
            Evidence {
                criterion: String::from(INDICATION_CRITERION),
                kind: EvidenceKind::Exposure,
                id: exposure.id,
                text: format!(
                    "{named}: given for {}, not counted",
                    in_sentence(indication.words())
                ),
                also: Vec::new(),
                content: String::new(),
            }
        })
        .collect()
}

/// The procedures and observations left out of the condition's criteria because their records
/// tie them to another condition (a transplant's `reasonReference`, a disease status's
/// `focus`), each said as such ("Autologous stem cell transplant on 2026-01-10: done for
/// multiple myeloma, not counted"), as a drug given for another condition is.
fn findings_of_other_conditions(record: &PatientRecord, set: &RuleSet) -> Vec<Evidence> {
    let (procedures, observations) = super::indication::of_other_conditions(record, set);
    let procedures = procedures.into_iter().map(|(procedure, other)| {
        let day = if procedure.date_unknown {
            String::from("date unknown")
        } else {
            procedure.performed_day().to_string()
        };
        Evidence {
            criterion: String::from(INDICATION_CRITERION),
            kind: EvidenceKind::Procedure,
            id: procedure.id,
            text: format!(
                "{} ({day}): done for {}, not counted",
                procedure.name(),
                in_sentence(other.words())
            ),
            also: Vec::new(),
            content: String::new(),
        }
    });
    let observations = observations
        .into_iter()
        .map(|(observation, other)| Evidence {
            criterion: String::from(INDICATION_CRITERION),
            kind: EvidenceKind::Observation,
            id: observation.id,
            text: format!(
                "{} {} ({}): about {}, not counted",
                observation.display,
                observation.value_text(),
                observation.day_text(),
                in_sentence(other.words())
            ),
            also: Vec::new(),
            content: String::new(),
        });
    procedures.chain(observations).collect()
}

/// The key of the rule-out for records tied to no condition that may be another of the
/// patient's conditions' (see `rules::indication::attribute_untied`).
pub const UNTIED_RECORDS: &str = "untied_records";

/// What an assessment says of the records tied to no condition that another of the patient's
/// conditions may claim (see `rules::indication::attribute_untied`).
#[derive(Default)]
struct UntiedSaid {
    /// Read as the other's, not counted: one item per drug (its records' first and last days),
    /// procedure or observation.
    elsewhere: Vec<String>,
    /// Counted, as they may be either's.
    undecided: Vec<String>,
    /// Counted, told this condition's by their drugs (one only its rule file lists).
    here: Vec<String>,
    /// The records read as the other's, each as evidence.
    evidence: Vec<Evidence>,
}

/// What `set`'s assessment says of `record`'s untied records another condition may claim: the
/// items of a drug's records (R-CHOP's six cycles) said once, from the first day to the last.
fn untied_evidence(record: &PatientRecord, set: &RuleSet, book: &DrugBook) -> UntiedSaid {
    use super::indication::{Reading, UntiedKind};
    let mut said = UntiedSaid::default();
    // (what, why, is elsewhere or counted here by its drugs, first day, last day): a drug's
    // records grouped.
    #[allow(clippy::type_complexity)]
    let mut drugs: Vec<(String, String, (bool, bool), NaiveDate, Option<NaiveDate>)> = Vec::new();
    let this = in_sentence(&set.name);
    for untied in super::indication::attribute_untied(record, set, book) {
        let why = match &untied.reading {
            Reading::Named(other) => format!("its words name {}", in_sentence(other.name())),
            Reading::Before(other, onset) => format!(
                "ended before the {this}'s onset ({onset}), when the patient had {}",
                in_sentence(other.name())
            ),
            Reading::BegunBefore(other, onset) => format!(
                "begun before the {this}'s onset ({onset}), while the patient had {}",
                in_sentence(other.name())
            ),
            Reading::Undecided(other) => {
                format!("may have been for {}", in_sentence(other.name()))
            }
            Reading::DrugOfThis(told) | Reading::DrugOfOther(told) => drug_told_why(told, None),
        };
        let elsewhere = untied.is_elsewhere();
        let counted_here = matches!(untied.reading, Reading::DrugOfThis(..));
        let (kind, text) = match untied.kind {
            UntiedKind::Exposure => {
                let Some(exposure) = record.exposures.iter().find(|e| e.id == untied.id) else {
                    continue;
                };
                let recognised = book.recognise(&exposure.codes(), &exposure.text);
                let named = if recognised.is_empty() {
                    exposure.text.clone()
                } else {
                    recognised
                        .iter()
                        .map(|drug| drug.ingredient.as_str())
                        .collect::<Vec<_>>()
                        .join(" + ")
                };
                // A drug told by itself is said once: "lenalidomide (…): a drug of …".
                let why = match &untied.reading {
                    Reading::DrugOfThis(told) | Reading::DrugOfOther(told) => {
                        drug_told_why(told, Some(&named))
                    }
                    _ => why,
                };
                let (first, last) = (exposure.start_day(), exposure.end_day());
                match drugs
                    .iter_mut()
                    .find(|(what, said_why, _, _, _)| *what == named && *said_why == why)
                {
                    Some(group) => {
                        group.3 = group.3.min(first);
                        group.4 = match (group.4, last) {
                            (Some(a), Some(b)) => Some(a.max(b)),
                            _ => None,
                        };
                    }
                    None => drugs.push((
                        named.clone(),
                        why.clone(),
                        (elsewhere, counted_here),
                        first,
                        last,
                    )),
                }
                let days = match last {
                    Some(last) if last != first => format!("{first} to {last}"),
                    Some(_) => first.to_string(),
                    None => format!("{first}, ongoing"),
                };
                (EvidenceKind::Exposure, format!("{named} ({days}): {why}"))
            }
            UntiedKind::Procedure => {
                let Some(procedure) = record.procedures.iter().find(|p| p.id == untied.id) else {
                    continue;
                };
                let day = if procedure.date_unknown {
                    String::from("date unknown")
                } else {
                    procedure.performed_day().to_string()
                };
                let text = format!("{} ({day}): {why}", procedure.name());
                if elsewhere {
                    said.elsewhere.push(text.clone());
                } else {
                    said.undecided.push(text.clone());
                }
                (EvidenceKind::Procedure, text)
            }
            UntiedKind::Observation => {
                let Some(observation) = record.observations.iter().find(|o| o.id == untied.id)
                else {
                    continue;
                };
                let text = format!(
                    "{} {} ({}): {why}",
                    observation.display,
                    observation.value_text(),
                    observation.day_text()
                );
                if elsewhere {
                    said.elsewhere.push(text.clone());
                } else {
                    said.undecided.push(text.clone());
                }
                (EvidenceKind::Observation, text)
            }
        };
        if elsewhere || counted_here {
            said.evidence.push(Evidence {
                criterion: String::from(INDICATION_CRITERION),
                kind,
                id: untied.id,
                text: if elsewhere {
                    format!("{text}, not counted")
                } else {
                    format!("{text}, counted")
                },
                also: Vec::new(),
                content: String::new(),
            });
        }
    }
    for (what, why, (elsewhere, counted_here), first, last) in drugs {
        let days = match last {
            Some(last) if last != first => format!("{first} to {last}"),
            Some(_) => first.to_string(),
            None => format!("{first}, ongoing"),
        };
        let text = format!("{what} ({days}): {why}");
        if elsewhere {
            said.elsewhere.push(text);
        } else if counted_here {
            said.here.push(text);
        } else {
            said.undecided.push(text);
        }
    }
    said
}

/// Why a drug record is read as one condition's by the rule files' lists of their diseases'
/// own drugs: "a drug of multiple myeloma, not of large B-cell lymphoma" (of the record's own
/// drug, `named`), "rituximab + vincristine: drugs of …" (some of a regimen's), "given with
/// rituximab (a drug of …)" (told by the drugs started with it).
fn drug_told_why(told: &super::indication::DrugTold, named: Option<&str>) -> String {
    let several = told.drugs.contains(" + ");
    let what = format!(
        "{} of {}, not of {}",
        if several { "drugs" } else { "a drug" },
        in_sentence(&told.disease),
        in_sentence(&told.not_disease)
    );
    if let Some((dose, bound)) = &told.by_dose {
        // Told by its dose: the dose and the bound said, so the team sees what decided.
        format!(
            "{dose}: a dose of {} ({bound}), not of {}",
            in_sentence(&told.disease),
            in_sentence(&told.not_disease)
        )
    } else if told.by_companions {
        format!("given with {} ({what})", told.drugs)
    } else if named == Some(told.drugs.as_str()) {
        what
    } else {
        format!("{}: {what}", told.drugs)
    }
}

/// The condition's drug records whose code names another drug than their words do (a
/// lisinopril code under "amlodipine 5 mg tablet"): each is read as its words (see
/// [`DrugBook::recognise`]), and which drug was given is for the team to check, since a trial
/// or a class may rest on it. Only records of the rule set's line classes on either side (every
/// recognised drug when it names none), one item per record's words.
fn names_in_disagreement(
    record: &PatientRecord,
    set: &RuleSet,
    book: &DrugBook,
) -> Vec<Confounder> {
    let of_classes = |drugs: &[&super::drugs::Drug]| {
        drugs.iter().any(|drug| {
            set.lines.classes.is_empty()
                || set.lines.classes.iter().any(|class| drug.has_class(class))
        })
    };
    let mut said: Vec<Confounder> = Vec::new();
    for exposure in record
        .exposures
        .iter()
        .filter(|exposure| exposure.is_read_as_treatment())
        .filter(|exposure| super::indication::given_for_another(exposure, set).is_none())
    {
        let Some((by_code, by_words)) = book.disagreement(&exposure.codes(), &exposure.text) else {
            continue;
        };
        if !of_classes(&by_code) && !of_classes(&by_words) {
            continue;
        }
        let ingredients = |drugs: &[&super::drugs::Drug]| {
            drugs
                .iter()
                .map(|drug| drug.ingredient.as_str())
                .collect::<Vec<_>>()
                .join(" + ")
        };
        let read_as = book.recognise(&exposure.codes(), &exposure.text);
        let text = format!(
            "'{}': its code names {}, its words {}: read as {}; check which drug was given",
            exposure.text,
            ingredients(&by_code),
            ingredients(&by_words),
            ingredients(&read_as),
        );
        if !said.iter().any(|item| item.text == text) {
            said.push(confounder(DRUG_NAMES_DISAGREE, text));
        }
    }
    said
}

/// The key of the rule-out [`names_in_disagreement`] lists: resolved by the team as any other.
pub const DRUG_NAMES_DISAGREE: &str = "drug_names_disagree";

/// A diagnosis's name inside a sentence: "Atrial fibrillation" as "atrial fibrillation", an
/// abbreviation ("AF", "CHF") as written.
pub(super) fn in_sentence(words: &str) -> String {
    let mut chars = words.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && !second.is_uppercase() => {
            first.to_lowercase().chain(words.chars().skip(1)).collect()
        }
        _ => words.to_owned(),
    }
}

/// The criterion evidence of a drug left out for its indication is filed under: no criterion of
/// a rule file, the rule that reads every criterion's drugs.
pub const INDICATION_CRITERION: &str = "indication";

/// An exclusion the record meets.
enum Excluded {
    /// A diagnosis held as confirmed (or with no verification status): the reason in words and
    /// the diagnosis as evidence.
    Confirmed(String, Evidence),
    /// Diagnoses recorded only as possible (provisional, differential, unconfirmed), none
    /// confirmed: for each, the question in words and the diagnosis as evidence.
    Doubtful(Vec<(String, Evidence)>),
}

/// The exclusions the record meets: the first confirmed one, else every one recorded only as
/// possible (R4 verificationStatus provisional, differential or unconfirmed: "not yet
/// sufficiently established"), which asks rather than excludes.
fn exclusion(set: &RuleSet, record: &PatientRecord) -> Option<Excluded> {
    // A past diagnosis counts (a resolved bipolar episode is a history of bipolar disorder); a
    // refuted one, or one entered in error, is no diagnosis.
    let mut doubtful = Vec::new();
    for exclusion in &set.exclusions {
        for found in record.conditions.iter().filter(|c| {
            c.is_diagnosis()
                && condition_matches(c, &exclusion.icd10, &exclusion.snomed, &exclusion.names)
                && !ruled_out_later(c, record)
        }) {
            // The coding that excludes, with its own words: the one the diagnosis is shown by may
            // be another (the review's case cited the depression's own code as the bipolar
            // evidence).
            let (code, display) =
                excluding_coding(found, &exclusion.icd10, &exclusion.snomed, &exclusion.names);
            let evidence = Evidence {
                criterion: String::from("exclusion"),
                kind: EvidenceKind::Condition,
                id: found.id,
                text: format!("{code} {display}"),
                also: Vec::new(),
                content: String::new(),
            };
            match found.verification_status.as_deref() {
                Some(status @ ("provisional" | "differential" | "unconfirmed")) => doubtful.push((
                    format!(
                        "{} ({code} {display}, recorded as {status})",
                        exclusion
                            .unconfirmed
                            .as_deref()
                            .unwrap_or(&exclusion.reason)
                    ),
                    evidence,
                )),
                _ => {
                    return Some(Excluded::Confirmed(
                        format!("{} ({code} {display})", exclusion.reason),
                        evidence,
                    ));
                }
            }
        }
    }
    (!doubtful.is_empty()).then_some(Excluded::Doubtful(doubtful))
}

/// Whether a later record of the same diagnosis refutes `condition` (R4 verificationStatus
/// `refuted`): the latest verification wins, so a bipolar disorder held as a differential and
/// then ruled out is settled, no longer asked about, and one confirmed then refuted excludes
/// nothing. Chosen order: by the day each was recorded (`recordedDate`, else its onset); when
/// either is undated or both are of one day, the later record in the file (the order they were
/// read) is the later verification. A refutation before the diagnosis was recorded settles
/// nothing: the diagnosis was made again after it. A day given as a month or a year alone is
/// every day of it: two records whose days may fall on one day (a refutation on 20 March, a
/// diagnosis recorded in "2026-03") are ordered by the file, as two of one day are, never by
/// the first day of the month.
fn ruled_out_later(condition: &Condition, record: &PatientRecord) -> bool {
    let days = |c: &Condition| match c.recorded {
        Some(recorded) => Some((recorded, c.recorded_precision.last_day(recorded))),
        None => c
            .onset
            .map(|onset| (onset, c.onset_precision.last_day(onset))),
    };
    record.conditions.iter().any(|other| {
        other.id != condition.id
            && other.verification_status.as_deref() == Some("refuted")
            && other.same_diagnosis(condition)
            && match (days(other), days(condition)) {
                (Some((_, refuted_last)), Some((made_first, _))) if refuted_last < made_first => {
                    false
                }
                (Some((refuted_first, _)), Some((_, made_last))) if refuted_first > made_last => {
                    true
                }
                _ => other.id > condition.id,
            }
    })
}

/// The code and words of the coding of `condition` a list names: the first whose code it
/// holds, else the first whose words mention one of `names`; a coding without words is said
/// with the diagnosis's own.
fn excluding_coding<'c>(
    condition: &'c Condition,
    icd10: &[String],
    snomed: &[String],
    names: &[String],
) -> (&'c str, &'c str) {
    let codings = std::iter::once((
        condition.system,
        condition.code.as_str(),
        condition.display.as_str(),
    ))
    .chain(condition.codings.iter().map(|coding| {
        (
            ConditionCodeSystem::from_uri(&coding.system),
            coding.code.as_str(),
            coding.display.as_str(),
        )
    }));
    let listed = |(system, code, _): &(ConditionCodeSystem, &str, &str)| match system {
        ConditionCodeSystem::Icd10 => icd10
            .iter()
            .any(|prefix| icd10_starts_with(code.trim(), prefix)),
        ConditionCodeSystem::Snomed => snomed.iter().any(|listed| listed == code.trim()),
        ConditionCodeSystem::Other => false,
    };
    let worded = |(_, _, display): &(ConditionCodeSystem, &str, &str)| {
        names.iter().any(|name| mentions(display, name))
    };
    let found = codings
        .clone()
        .find(listed)
        .or_else(|| codings.clone().find(worded));
    match found {
        Some((_, code, display)) if !display.is_empty() => (code, display),
        Some((_, code, _)) => (code, condition.display.as_str()),
        None => (condition.code.as_str(), condition.display.as_str()),
    }
}

/// Which tier the criteria reach, and what was consulted on the way.
struct Tiers<'s> {
    status: AssessmentStatus,
    /// The criteria of the tier reached (none when no tier is met).
    deciding: Vec<&'s str>,
    /// A lower tier met while a tier above it, which it excludes, is undecided: the tier and
    /// its criteria, said in the reasons beside the `insufficient_data` they lead to.
    held_back: Option<(AssessmentStatus, Vec<&'s str>)>,
    /// The highest tier left undecided on what the record may already hold but does not say
    /// (not only on outcomes still to come), if any.
    unsettled_above: Option<AssessmentStatus>,
    /// What would decide a higher tier left undecided.
    missing: Vec<String>,
    /// Every criterion consulted, in order.
    consulted: Vec<&'s str>,
}

/// Tries the tiers from the top: the first whose criteria are all met gives the status; a
/// tier left undecided (none of its criteria not met) adds what would decide it to `missing`.
///
/// A met tier below an undecided one gives its status when the rule set names it among
/// `[tiers] lower_bounds` (resistant hypertension is a lower bound of refractory: the
/// refractory question stays listed as missing). Any other lower tier says the higher one is
/// not met ("relapsed": responded, then came back, *not refractory*, DESIGN.md §2). That holds
/// when the higher tier waits only on outcomes still to come (a salvage line under way with no
/// response yet: as of the run day the patient is relapsed and not refractory, and the
/// response awaited is listed as missing). When the record may already meet the higher tier
/// but does not say (a transplant dated only by its month or the patient's age, an undated
/// one, a response not recorded, a progression awaiting confirmation), asserting the lower
/// tier would answer the open question: the status is `insufficient_data`, with what would
/// decide the higher tier as missing and the lower tier's criteria said met in the reasons.
/// With no tier met, any undecided tier makes the status `insufficient_data`, else `not_met`.
fn decide_tier<'s>(ctx: &Context<'s>, set: &'s RuleSet, cache: &mut Cache<'s>) -> Tiers<'s> {
    let tiers: [(AssessmentStatus, &Vec<String>); 3] = [
        (AssessmentStatus::Refractory, &set.tiers.refractory),
        (AssessmentStatus::Resistant, &set.tiers.resistant),
        (AssessmentStatus::Relapsed, &set.tiers.relapsed),
    ];
    let mut status = None;
    let mut deciding: Vec<&str> = Vec::new();
    let mut held_back = None;
    let mut missing: Vec<String> = Vec::new();
    let mut any_undecided = false;
    let mut unsettled_above = None;
    let mut consulted: Vec<&str> = Vec::new();
    for (tier, criteria) in tiers {
        if criteria.is_empty() {
            continue;
        }
        let verdicts: Vec<Verdict> = criteria
            .iter()
            .map(|id| evaluate_criterion(ctx, id, cache).verdict)
            .collect();
        for id in criteria {
            if !consulted.contains(&id.as_str()) {
                consulted.push(id);
            }
        }
        if verdicts.iter().all(|v| *v == Verdict::Met) {
            let met: Vec<&str> = criteria.iter().map(String::as_str).collect();
            // Met whatever a reading still to take will show: the reading is still asked for
            // (a flag on no current blood pressure has its pseudo-resistance to exclude).
            for id in &met {
                if let Some(outcome) = cache.get(id).filter(|o| o.settled_whatever) {
                    for item in &outcome.missing {
                        if !missing.contains(item) {
                            missing.push(item.clone());
                        }
                    }
                }
            }
            if unsettled_above.is_some() && !set.tiers.is_lower_bound(tier.as_str()) {
                held_back = Some((tier, met));
            } else {
                status = Some(tier);
                deciding = met;
            }
            break;
        }
        if !verdicts.contains(&Verdict::NotMet) {
            any_undecided = true;
            let pending = criteria.iter().all(|id| {
                cache
                    .get(id.as_str())
                    .is_none_or(|outcome| outcome.verdict != Verdict::Undecided || outcome.pending)
            });
            if !pending {
                unsettled_above.get_or_insert(tier);
            }
            for id in criteria {
                if let Some(outcome) = cache.get(id.as_str()) {
                    for item in &outcome.missing {
                        if !missing.contains(item) {
                            missing.push(item.clone());
                        }
                    }
                }
            }
        }
    }
    let status = status.unwrap_or(if any_undecided {
        AssessmentStatus::InsufficientData
    } else {
        AssessmentStatus::NotMet
    });
    Tiers {
        status,
        deciding,
        held_back,
        unsettled_above,
        missing,
        consulted,
    }
}

/// What an assessment says beyond its status, as it is put together.
struct Findings {
    label: String,
    reasons: Vec<String>,
    evidence: Vec<Evidence>,
    confounders: Vec<Confounder>,
    /// What would decide a label left undecided (`label_when.missing_when_undecided`).
    missing: Vec<String>,
}

impl Findings {
    /// Reasons: the deciding criteria first, in words, then what the others found. Evidence:
    /// the deciding criteria's (everything found, when no tier is met: it still helps the
    /// reader). Confounders: every consulted criterion's.
    fn explain(set: &RuleSet, tiers: &Tiers<'_>, cache: &Cache<'_>) -> Self {
        let status = tiers.status;
        let mut found = Findings {
            label: tier_label(set, status),
            reasons: Vec::new(),
            evidence: Vec::new(),
            confounders: Vec::new(),
            missing: Vec::new(),
        };
        let deciding = &tiers.deciding;
        // A tier held back by an undecided one above it is said first: what was met, and why
        // it does not give the status.
        let held_back: &[&str] = tiers.held_back.as_ref().map_or(&[], |(_, met)| met);
        if let (Some((lower, met)), Some(higher)) = (&tiers.held_back, tiers.unsettled_above) {
            // The lower tier's own refined label ("early relapse of LBCL") when a criterion gives one.
            let lower_label = met
                .iter()
                .find_map(|id| cache.get(id).and_then(|outcome| outcome.label.clone()))
                .unwrap_or_else(|| tier_label(set, *lower));
            push_reason(
                &mut found.reasons,
                format!(
                    "{lower_label}: criteria met; {}: undecided, and {} means not {}, so the status waits on what is missing",
                    tier_label(set, higher),
                    lower.word(),
                    higher.word(),
                ),
            );
        }
        let order: Vec<&str> = deciding
            .iter()
            .chain(held_back)
            .copied()
            .chain(
                tiers
                    .consulted
                    .iter()
                    .copied()
                    .filter(|id| !deciding.contains(id) && !held_back.contains(id)),
            )
            .collect();
        for id in &order {
            let Some(outcome) = cache.get(id) else {
                continue;
            };
            let criterion = set.criteria.iter().find(|c| c.id == *id);
            let text = criterion.map_or(*id, |c| c.text.as_str());
            let mark = outcome.verdict.words();
            push_reason(&mut found.reasons, format!("{text}: {mark}"));
            for reason in &outcome.reasons {
                push_reason(&mut found.reasons, format!("  {reason}"));
            }
            if deciding.contains(id) {
                add_evidence(&mut found.evidence, &outcome.evidence);
                if let Some(own) = &outcome.label {
                    found.label.clone_from(own);
                }
            }
            for item in &outcome.confounders {
                if !found
                    .confounders
                    .iter()
                    .any(|c| c.key == item.key && c.text == item.text)
                {
                    found.confounders.push(item.clone());
                }
            }
        }
        if status == AssessmentStatus::InsufficientData || status == AssessmentStatus::NotMet {
            for id in &order {
                if let Some(outcome) = cache.get(id) {
                    add_evidence(&mut found.evidence, &outcome.evidence);
                }
            }
        }
        found
    }
}

/// The rule set's label for a status.
fn tier_label(set: &RuleSet, status: AssessmentStatus) -> String {
    match status {
        AssessmentStatus::Refractory => set.labels.refractory.clone(),
        AssessmentStatus::Resistant => set
            .labels
            .resistant
            .clone()
            .unwrap_or_else(|| set.labels.refractory.clone()),
        AssessmentStatus::Relapsed => set
            .labels
            .relapsed
            .clone()
            .unwrap_or_else(|| String::from("relapsed")),
        AssessmentStatus::NotMet => set.labels.not_met.clone(),
        AssessmentStatus::InsufficientData => set.labels.insufficient_data.clone(),
    }
}

/// Adds the items of `found` not already cited: criteria shared by tiers, composites and
/// labels cite the same drugs and lines (the same record, by kind and id). An item in the same
/// words as one cited (a drug course, a reading or a diagnosis that two sources both recorded:
/// the tester's resistant hypertension listed every drug twice) is that item: it takes the
/// other's records rather than being listed again. Lines are refract's own, one per number,
/// and are told apart by their record only.
fn add_evidence(evidence: &mut Vec<Evidence>, found: &[Evidence]) {
    for item in found {
        let same = evidence.iter_mut().find(|known| {
            known.kind == item.kind
                && (known.cites(item.id)
                    || item.cites(known.id)
                    || (item.kind != EvidenceKind::Line && known.text == item.text))
        });
        match same {
            Some(known) => known.absorb(item),
            None => evidence.push(item.clone()),
        }
    }
}

/// Refined labels: the first rule for the status whose criterion is met wins, with its
/// reasons and evidence.
fn refine_label<'s>(
    ctx: &Context<'s>,
    set: &'s RuleSet,
    status: AssessmentStatus,
    cache: &mut Cache<'s>,
    found: &mut Findings,
) {
    let tier_name = status.as_str();
    let mut labelled = false;
    // Labels above the one given (or any, when none is) that were not reached, with what fell
    // short of them.
    let mut not_reached: Vec<(&str, Vec<String>)> = Vec::new();
    for rule in &set.label_rules {
        if rule.tier != tier_name {
            continue;
        }
        let outcome = evaluate_criterion(ctx, &rule.criterion, cache);
        if outcome.verdict == Verdict::NotMet && !outcome.short_of.is_empty() {
            not_reached.push((rule.label.as_str(), outcome.short_of.clone()));
        }
        if outcome.verdict == Verdict::Undecided && rule.missing_when_undecided {
            for item in &outcome.missing {
                let item = format!("{}: {item}", rule.label);
                if !found.missing.contains(&item) {
                    found.missing.push(item);
                }
            }
        }
        if outcome.verdict == Verdict::Met {
            found.label.clone_from(&rule.label);
            for reason in &outcome.reasons {
                found.reasons.push(format!("{}: {reason}", rule.label));
            }
            add_evidence(&mut found.evidence, &outcome.evidence);
            labelled = true;
            break;
        }
        // A label withheld because a drug level showed a trial inadequate (a clozapine level
        // below TRRIP's) says so: the level is what the team would check.
        for item in outcome.confounders.iter().filter(|c| c.key == DRUG_LEVEL) {
            found.confounders.push(confounder(
                DRUG_LEVEL,
                format!("{} withheld: {}", rule.label, item.text),
            ));
        }
    }
    // Why a higher label is not given, where something was tried toward it: each item once,
    // with the nearest label it fell short of (the lowest listed: its criterion is the one
    // the item was short of first), unless the reasons say it already.
    for (label, items) in not_reached.iter().rev() {
        let unsaid: Vec<&String> = items
            .iter()
            .filter(|item| {
                !found
                    .reasons
                    .iter()
                    .any(|reason| reason.contains(item.as_str()))
            })
            .collect();
        if !unsaid.is_empty() {
            found.reasons.push(format!(
                "not {label}: {}",
                unsaid
                    .iter()
                    .map(|item| item.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
    }
    if labelled {
        return;
    }
    // What the history shows beside a status another line decided (a penta-refractory
    // patient now responding to the next line): said, never the label.
    for rule in set
        .label_rules
        .iter()
        .filter(|rule| rule.history && rule.tier != tier_name)
    {
        let outcome = evaluate_criterion(ctx, &rule.criterion, cache);
        if outcome.verdict == Verdict::Met {
            for reason in &outcome.reasons {
                found.reasons.push(format!(
                    "{} along the history (not the status, which the latest line with an outcome decides): {reason}",
                    rule.label
                ));
            }
            add_evidence(&mut found.evidence, &outcome.evidence);
            break;
        }
    }
}

/// A course of lymphodepletion drugs alone this short is what a CAR T-cell infusion's
/// lymphodepletion looks like: fludarabine and cyclophosphamide on days -5 to -3 (ZUMA-1,
/// Neelapu SS et al., N Engl J Med 2017;377:2531-2544; TRANSCEND, KarMMa alike), bendamustine
/// on days -5 and -4: three days, a week with any delay.
const LYMPHODEPLETION_COURSE_DAYS: i64 = 7;

/// Lines made of the rule set's lymphodepletion drugs alone, over a few days, with no cell
/// therapy: most likely the lymphodepletion of a CAR T-cell infusion the record does not show
/// (a code refract does not know, a product given elsewhere), which would make them the CAR T
/// line, not a salvage line of their own. Said, for the team to check, never decided (review
/// r4 R4-2: "3L cyclophosphamide" stood for a CAR T line whose infusion was not read).
fn lymphodepletion_alone(ctx: &Context<'_>) -> Vec<Confounder> {
    let lines = &ctx.set.lines;
    if lines.lymphodepletion.is_empty() || lines.cell_therapy_classes.is_empty() {
        return Vec::new();
    }
    ctx.lines
        .iter()
        .filter(|line| {
            !line.drugs.is_empty()
                && line.drugs.iter().all(|drug| {
                    lines
                        .lymphodepletion
                        .iter()
                        .any(|ld| ld.eq_ignore_ascii_case(&drug.ingredient))
                })
                && line
                    .end
                    .is_some_and(|end| (end - line.start).num_days() < LYMPHODEPLETION_COURSE_DAYS)
        })
        .map(|line| {
            confounder(
                "lymphodepletion_alone",
                format!(
                    "{} {} ({} → {}) is lymphodepletion drugs alone over a few days: the \
                     lymphodepletion of a CAR T-cell infusion this record does not show? (it \
                     would then be the CAR T line, not a line of its own)",
                    line.label(),
                    line.regimen,
                    line.start,
                    line.end.unwrap_or(line.start)
                ),
            )
        })
        .collect()
}

/// The confounder key of a trial a drug level showed inadequate.
const DRUG_LEVEL: &str = "drug_level";

/// The rule set's own pseudo-resistance checks, unless resolved by the team or by data.
fn rule_confounders(
    ctx: &Context<'_>,
    set: &RuleSet,
    status: AssessmentStatus,
    progression_shown_confirmed: bool,
    met: &dyn Fn(&str) -> bool,
    confounders: &mut Vec<Confounder>,
) {
    let tier_name = status.as_str();
    for rule in &set.confounders {
        if rule.unless_progression_confirmed && progression_shown_confirmed {
            continue;
        }
        if !rule.when_met.iter().all(|id| met(id)) {
            continue;
        }
        let applies = if rule.when.is_empty() {
            matches!(
                status,
                AssessmentStatus::Refractory
                    | AssessmentStatus::Resistant
                    | AssessmentStatus::InsufficientData
            )
        } else {
            rule.when.iter().any(|w| w == tier_name)
        };
        if !applies {
            continue;
        }
        if !rule.unless_given.is_empty()
            && rule
                .unless_given
                .iter()
                .all(|class| ctx.given_of(std::slice::from_ref(class)).next().is_some())
        {
            continue;
        }
        let mut text = rule.text.clone();
        // What the rule-out names, for a review's fingerprint: the drugs and the causes it
        // finds, never the dates its words give them.
        let mut named: Vec<String> = Vec::new();
        if !rule.when_given.is_empty() {
            let mut names: Vec<String> = Vec::new();
            for given in ctx
                .given_of(&rule.when_given)
                .filter(|g| g.exposure.active_on(ctx.today))
            {
                // A drug prescribed twice (a renewal beside the first prescription) is named once.
                for drug in given.drugs_of(&rule.when_given) {
                    if !names.contains(&drug.ingredient) {
                        names.push(drug.ingredient.clone());
                    }
                }
            }
            if names.is_empty() {
                continue;
            }
            text = format!("{text}: {}", names.join(", "));
            named.push(format!("given {}", names.join(", ")));
        }
        let recorded = recorded_diagnoses(ctx, rule);
        let causes = |causes: &[(String, String)]| {
            causes
                .iter()
                .map(|(name, _)| name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !recorded.found.is_empty() {
            named.push(format!("recorded {}", causes(&recorded.found)));
        }
        if !recorded.past.is_empty() {
            named.push(format!("resolved {}", causes(&recorded.past)));
        }
        if !recorded.doubtful.is_empty() {
            named.push(format!("doubtful {}", causes(&recorded.doubtful)));
        }
        let screened = screened_by_tests(ctx, rule, &recorded);
        if !screened.is_empty() {
            named.push(format!("screened {}", causes(&screened)));
        }
        if !recorded.found.is_empty() || !recorded.past.is_empty() || !screened.is_empty() {
            let words = |causes: &[(String, String)]| {
                causes
                    .iter()
                    .map(|(_, text)| text.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut parts: Vec<String> = Vec::new();
            if !recorded.found.is_empty() {
                parts.push(format!(
                    "{}: {}",
                    rule.recorded_text.as_deref().unwrap_or(&rule.text),
                    words(&recorded.found)
                ));
            }
            // A cause treated and resolved (an adrenalectomy for primary aldosteronism) was
            // screened for: it is named as past, and never asked for again.
            if !recorded.past.is_empty() {
                parts.push(format!("recorded as resolved: {}", words(&recorded.past)));
            }
            // A screening test in the record screened for its cause: named with its result,
            // which the team judges (no cut-off is read).
            if !screened.is_empty() {
                parts.push(format!(
                    "screened, result for the team to judge: {}",
                    words(&screened)
                ));
            }
            text = parts.join("; ");
            if let Some(first) = text.get(..1) {
                text = format!("{}{}", first.to_uppercase(), &text[1..]);
            }
            // A cause found names itself beside what is still to screen, never in its place.
            let named = |name: &String| {
                recorded
                    .found
                    .iter()
                    .chain(&recorded.past)
                    .chain(&screened)
                    .any(|(found, _)| found == name)
            };
            let still: Vec<&str> = rule
                .screen
                .iter()
                .filter(|name| !named(name))
                .map(String::as_str)
                .collect();
            if !still.is_empty() {
                text = format!("{text}; not yet screened: {}", still.join(", "));
            }
        }
        if !recorded.doubtful.is_empty() {
            text = format!(
                "{text}; under investigation, not confirmed: {}",
                recorded
                    .doubtful
                    .iter()
                    .map(|(_, words)| words.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        // The patient's own reports that they do not take a drug of this condition (review
        // R9-5): named in the rule-out, so that the team rules out non-adherence rather than
        // reads a failed trial.
        let reports = if rule.names_not_taken {
            not_taken_reports(ctx, set)
        } else {
            Vec::new()
        };
        let reported = reports
            .iter()
            .map(|(_, words)| words.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        if !reports.is_empty() {
            text = format!("{text}: {reported}");
            named.push(format!(
                "not taken {}",
                reports
                    .iter()
                    .map(|(name, _)| name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        // Measured drug levels: named in the check, and answering it where the rule says
        // levels may (one reading with the checklist's adherence item, `checklist.rs`).
        let levels = rule.drug_levels.map(|_| {
            super::drug_levels::read(
                ctx.record,
                ctx.book,
                &set.lines.classes,
                &ctx.given,
                ctx.today,
            )
        });
        if let Some(reading) = levels.as_ref().filter(|reading| !reading.is_empty()) {
            text = format!("{text}; {}", reading.words());
        }
        let resolved_by_levels = rule.drug_levels == Some(super::model::DrugLevelUse::Resolve)
            && levels
                .as_ref()
                .is_some_and(super::drug_levels::Reading::shows_adherence);
        let resolved_from = rule
            .resolved_days_before_progression
            .and_then(|days| about_progression_from(ctx, days));
        let episode = rule
            .resolved_days_before_episode
            .map(|days| about_episode(ctx, set, days));
        let resolved_by_data = ctx
            .procedures(&rule.resolved_by_procedure)
            .any(|procedure| {
                resolved_from
                    .is_none_or(|from| procedure.window().is_some_and(|(_, last)| last >= from))
                    && episode.is_none_or(|days| days.is_some_and(|days| around(procedure, days)))
            })
            || ctx.record.observations.iter().any(|o| {
                rule.resolved_by_observation
                    .iter()
                    .any(|term| o.code == *term || contains_words(&o.display, term))
            });
        if resolved_by_data || resolved_by_levels {
            continue;
        }
        // A criterion already listed it (a trial stopped for noncompliance): the reports join
        // what it says.
        if let Some(listed) = confounders.iter_mut().find(|c| c.key == rule.key) {
            if !reports.is_empty() {
                listed.text = format!("{}; {reported}", listed.text);
                listed.content = format!("{}: {}", rule.key, named.join("; "));
            }
            continue;
        }
        let mut rule_out = confounder(&rule.key, text);
        if !named.is_empty() {
            rule_out.content = format!("{}: {}", rule.key, named.join("; "));
        }
        confounders.push(rule_out);
    }
}

/// The drugs of `set`'s classes (any drug the book knows, where it names none) the patient
/// reported not taking (see [`crate::domain::DrugExposure::reported_not_taken`]), each as
/// (its name, "patient reported not taking DRUG since DATE (reason)"), once each.
fn not_taken_reports(ctx: &Context<'_>, set: &RuleSet) -> Vec<(String, String)> {
    let mut reports: Vec<(String, String)> = Vec::new();
    for given in &ctx.given {
        let Some((from, why)) = given.exposure.reported_not_taken() else {
            continue;
        };
        let of_classes = given.drugs.iter().any(|drug| {
            set.lines.classes.is_empty() || set.lines.classes.iter().any(|c| drug.has_class(c))
        });
        if !of_classes {
            continue;
        }
        let name = given
            .drugs
            .iter()
            .map(|drug| drug.ingredient.as_str())
            .collect::<Vec<_>>()
            .join(" + ");
        let why = why.map_or(String::new(), |why| format!(" ({why})"));
        let words = format!("patient reported not taking {name} since {from}{why}");
        if !reports.iter().any(|(_, said)| *said == words) {
            reports.push((name, words));
        }
    }
    reports
}

/// The `screen` causes not recorded that a test in the record screened for (its
/// `screened_by`: an aldosterone/renin ratio, or an aldosterone and a renin), each with the
/// latest results in words ("primary aldosteronism (Aldosterone/Renin ratio 8 on 2026-10-01)").
fn screened_by_tests(
    ctx: &Context<'_>,
    rule: &super::model::ConfounderRule,
    recorded: &Recorded,
) -> Vec<(String, String)> {
    let latest = |name: &str| {
        ctx.record
            .observations
            .iter()
            .filter(|o| o.value.is_some() || o.value_code.is_some())
            .filter(|o| super::selectors::names_test(&o.display, name))
            .max_by_key(|o| o.effective)
    };
    rule.recorded
        .iter()
        .filter(|cause| rule.screen.contains(&cause.name))
        .filter(|cause| {
            !recorded
                .found
                .iter()
                .chain(&recorded.past)
                .any(|(found, _)| *found == cause.name)
        })
        .filter_map(|cause| {
            cause.screened_by.iter().find_map(|tests| {
                let results: Option<Vec<&crate::domain::Observation>> =
                    tests.iter().map(|name| latest(name)).collect();
                let mut results = results.filter(|found| !found.is_empty())?;
                results.dedup_by(|a, b| std::ptr::eq(*a, *b));
                let said: Vec<String> = results
                    .iter()
                    .map(|o| super::describe::describe_observation(o))
                    .collect();
                Some((
                    cause.name.clone(),
                    format!("{} ({})", cause.name, said.join(", ")),
                ))
            })
        })
        .collect()
}

/// The first day a procedure about the record's latest progression or relapse may be on:
/// `days_before` it, else (no progression recorded) the first line's start, else none (any
/// day). A biopsy at diagnosis, 15 months before the relapse, says nothing of what relapsed
/// (review r4 R4-5).
fn about_progression_from(ctx: &Context<'_>, days_before: i64) -> Option<NaiveDate> {
    oncology::progressions(ctx)
        .events
        .iter()
        .map(|progression| progression.date)
        .max()
        .map(|latest| super::dates::shift(latest, -days_before))
        .or_else(|| ctx.lines.iter().map(|line| line.start).min())
}

/// The days a procedure about the status epilepticus episode the rule set's escalation
/// assesses may be on: from `days_before` its first bolus to its end (see
/// [`status_epilepticus::assessed_episode`]); `None` when no episode is found (nothing is about
/// it).
fn about_episode(
    ctx: &Context<'_>,
    set: &RuleSet,
    days_before: i64,
) -> Option<(NaiveDate, NaiveDate)> {
    let spec = set.criteria.iter().find_map(|c| c.escalation.as_ref())?;
    let (start, end) = status_epilepticus::assessed_episode(ctx, spec)?;
    Some((super::dates::shift(start.date(), -days_before), end.date()))
}

/// Whether a procedure was surely done within `days` (first and last, inclusive): a recording
/// over a period (continuous EEG) that ran across any of them, or one done once whose every
/// possible day (a month, an age) is among them. One of a day not recorded is not.
fn around(procedure: &crate::domain::Procedure, (from, to): (NaiveDate, NaiveDate)) -> bool {
    match (procedure.window(), procedure.end_day()) {
        (Some((first, _)), Some(end)) => first <= to && end >= from,
        (Some((first, last)), None) => first >= from && last <= to,
        (None, _) => false,
    }
}

/// The diagnoses of a confounder's `recorded` list the record holds: `found`, each with its
/// words ("sleep apnoea (recorded, onset 2024-06)"), are current and confirmed (or with no
/// verification stated): clinicalStatus active, recurrence or relapse (or none, with no
/// abatement); `doubtful` ones are current but provisional, differential or unconfirmed, a
/// work-up under way ("primary aldosteronism, provisional since 2026-11"), never a cause found.
/// A resolved, inactive or remitted one (confirmed) is `past`: screened for and treated, named
/// as resolved and never asked for again; a record the rule's `not_recorded` names (a family
/// history, "history of") is none of the patient's and is not named. A record of the rule set's own condition is matched by code only: "hypertensive
/// chronic kidney disease" is the hypertension itself, named as a cause only when its code is
/// listed as one.
fn recorded_diagnoses(ctx: &Context<'_>, rule: &super::model::ConfounderRule) -> Recorded {
    let mut recorded = Recorded::default();
    let current = |condition: &Condition| {
        !condition.has_abated()
            && matches!(
                condition.clinical_status.as_deref(),
                None | Some("active" | "recurrence" | "relapse")
            )
    };
    let history = |condition: &Condition| {
        rule.not_recorded
            .as_ref()
            .is_some_and(|not| condition_matches(condition, &not.icd10, &not.snomed, &not.names))
    };
    for cause in &rule.recorded {
        // Onsets as (first day, how much of it the record gave): a year alone is said as a
        // year, never as its January.
        let mut confirmed: Vec<Option<(NaiveDate, DatePrecision)>> = Vec::new();
        let mut doubtful: Vec<(Option<(NaiveDate, DatePrecision)>, &str)> = Vec::new();
        let mut resolved = false;
        for condition in ctx
            .record
            .conditions
            .iter()
            .filter(|c| c.is_diagnosis() && !history(c))
        {
            let own = ctx.conditions.iter().any(|c| c.id == condition.id);
            let words: &[String] = if own { &[] } else { &cause.names };
            if !condition_matches(condition, &cause.icd10, &cause.snomed, words) {
                continue;
            }
            match condition.verification_status.as_deref() {
                None | Some("confirmed") if current(condition) => {
                    confirmed.push(onset_of(condition));
                }
                None | Some("confirmed") => resolved = true,
                Some(status) if current(condition) => {
                    doubtful.push((onset_of(condition), status));
                }
                Some(_) => {}
            }
        }
        if !confirmed.is_empty() {
            let onset = confirmed.iter().flatten().min_by_key(|(day, _)| *day);
            let note = onset.map_or_else(
                || String::from("recorded"),
                |onset| format!("recorded, onset {}", onset_month(*onset)),
            );
            recorded
                .found
                .push((cause.name.clone(), format!("{} ({note})", cause.name)));
        } else if let Some((onset, status)) = doubtful
            .iter()
            .min_by_key(|(onset, _)| onset.map(|(day, _)| day))
        {
            recorded.doubtful.push((
                cause.name.clone(),
                match onset {
                    Some(onset) => {
                        format!("{}, {status} since {}", cause.name, onset_month(*onset))
                    }
                    None => format!("{}, {status}", cause.name),
                },
            ));
        } else if resolved {
            recorded.past.push((cause.name.clone(), cause.name.clone()));
        }
    }
    recorded
}

/// A diagnosis's onset with how much of it the record gave.
fn onset_of(condition: &Condition) -> Option<(NaiveDate, DatePrecision)> {
    condition
        .onset
        .map(|onset| (onset, condition.onset_precision))
}

/// An onset said by its month ("2019-05"), or by its year when the record gave a year alone
/// ("2019", never "2019-01").
fn onset_month((onset, precision): (NaiveDate, DatePrecision)) -> String {
    match precision {
        DatePrecision::Year => precision.format(onset),
        DatePrecision::Day | DatePrecision::Month => super::describe::month(onset),
    }
}

/// What [`recorded_diagnoses`] found: (name, words) of each cause found, and the words of each
/// still under investigation.
#[derive(Default)]
struct Recorded {
    found: Vec<(String, String)>,
    doubtful: Vec<(String, String)>,
    /// Confirmed once and now resolved, inactive or in remission (treated): screened for.
    past: Vec<(String, String)>,
}

/// What must be confirmed first when the record holds the condition only as a possibility: every
/// diagnosis that selects the rule set provisional, differential or unconfirmed (FHIR
/// verificationStatus). The flag still stands, as suspected; the doubt is said beside it.
fn unconfirmed_diagnosis(conditions: &[&Condition]) -> Option<String> {
    let doubtful = |condition: &&Condition| {
        matches!(
            condition.verification_status.as_deref(),
            Some("provisional" | "differential" | "unconfirmed")
        )
    };
    if conditions.is_empty() || !conditions.iter().all(doubtful) {
        return None;
    }
    let named: Vec<String> = conditions
        .iter()
        .map(|condition| {
            format!(
                "{} ({})",
                condition.name(),
                condition.verification_status.as_deref().unwrap_or_default()
            )
        })
        .collect();
    Some(format!(
        "Diagnosis recorded as not confirmed: {}; confirm it before acting on this flag",
        named.join(", ")
    ))
}

/// Evaluates a criterion once per assessment (criteria are shared between tiers and labels).
fn evaluate_criterion<'s>(ctx: &Context<'s>, id: &'s str, cache: &mut Cache<'s>) -> Rc<Outcome> {
    if let Some(outcome) = cache.get(id) {
        return Rc::clone(outcome);
    }
    let Some(criterion) = ctx.set.criteria.iter().find(|c| c.id == id) else {
        let mut outcome = Outcome::new();
        outcome.verdict = Verdict::Undecided;
        outcome
            .missing
            .push(format!("criterion '{id}' is not defined"));
        return Rc::new(outcome);
    };
    let kind = criterion.kinds().first().copied();
    let mut outcome = match kind {
        Some(Kind::FailedTrials(spec)) => trials::evaluate(ctx, id, spec),
        Some(Kind::ConcurrentClasses(spec)) => pressure::concurrent(ctx, id, spec),
        Some(Kind::BloodPressure(spec)) => pressure::blood_pressure(ctx, id, spec),
        Some(Kind::ObservationThreshold(spec)) => super::observations::threshold(ctx, id, spec),
        Some(Kind::OngoingDose(spec)) => super::observations::ongoing_dose(ctx, id, spec),
        Some(Kind::LineRefractory(spec)) => oncology::line_refractory(ctx, id, spec),
        Some(Kind::Relapse(spec)) => oncology::relapse(ctx, id, spec),
        Some(Kind::RelapseAfterProcedure(spec)) => oncology::relapse_after_procedure(ctx, id, spec),
        Some(Kind::ClassRefractory(spec)) => oncology::class_refractory(ctx, id, spec),
        Some(Kind::InductionFailure(spec)) => oncology::induction_failure(ctx, id, spec),
        Some(Kind::Escalation(spec)) => status_epilepticus::evaluate(ctx, id, spec),
        Some(Kind::RecentEvidence(spec)) => super::observations::recent_evidence(ctx, id, spec),
        Some(Kind::AnyOf(spec)) => composite(ctx, &spec.criteria, cache, true),
        Some(Kind::AllOf(spec)) => composite(ctx, &spec.criteria, cache, false),
        None => Outcome::new(),
    };
    // The line criteria a tier reads also say what the monoclonal protein series found
    // (myeloma): once there, not again under every label that reads the same lines.
    let in_tier = [
        &ctx.set.tiers.refractory,
        &ctx.set.tiers.resistant,
        &ctx.set.tiers.relapsed,
    ]
    .iter()
    .any(|tier| tier.iter().any(|criterion| criterion == id));
    if in_tier
        && matches!(
            kind,
            Some(
                Kind::LineRefractory(_)
                    | Kind::Relapse(_)
                    | Kind::RelapseAfterProcedure(_)
                    | Kind::ClassRefractory(_)
            )
        )
    {
        oncology::explain_series(ctx, id, &mut outcome);
    }
    let outcome = Rc::new(outcome);
    cache.insert(id, Rc::clone(&outcome));
    outcome
}

fn composite<'s>(
    ctx: &Context<'s>,
    ids: &'s [String],
    cache: &mut Cache<'s>,
    any: bool,
) -> Outcome {
    let mut outcome = Outcome::new();
    let parts: Vec<(&str, Rc<Outcome>)> = ids
        .iter()
        .map(|id| (id.as_str(), evaluate_criterion(ctx, id, cache)))
        .collect();
    outcome.verdict = combined(any, parts.iter().map(|(_, o)| o.verdict));
    let mut settled = None;
    if outcome.verdict == Verdict::Undecided
        && let Some((verdict, said)) = settled_whatever(ctx, ids, cache, any)
    {
        outcome.verdict = verdict;
        outcome.settled_whatever = true;
        settled = Some(said);
    }
    // Undecided only on outcomes to come when every undecided part is.
    outcome.pending = outcome.verdict == Verdict::Undecided
        && parts
            .iter()
            .all(|(_, part)| part.verdict != Verdict::Undecided || part.pending);
    let mut met_parts = Vec::new();
    let mut rests_on_settled = false;
    for (id, part) in parts {
        let text = ctx
            .set
            .criteria
            .iter()
            .find(|c| c.id == id)
            .map_or(id, |c| c.text.as_str());
        // Settled whatever the undecided parts find: each of them is one way it is met.
        let relevant = match outcome.verdict {
            Verdict::Met => part.verdict == Verdict::Met || outcome.settled_whatever,
            _ => true,
        };
        if !relevant && any {
            continue;
        }
        let mark = part.verdict.words();
        push_reason(&mut outcome.reasons, format!("{text}: {mark}"));
        for reason in &part.reasons {
            push_reason(&mut outcome.reasons, format!("  {reason}"));
        }
        if part.verdict == Verdict::Met
            || outcome.verdict != Verdict::Met
            || outcome.settled_whatever
        {
            outcome.evidence.extend(part.evidence.iter().cloned());
        }
        if part.verdict == Verdict::Undecided || part.settled_whatever {
            outcome.missing.extend(part.missing.iter().cloned());
        }
        // Resting on a part decided before what it waits on is known: so is this.
        rests_on_settled |= part.settled_whatever && part.verdict == outcome.verdict;
        if part.verdict != Verdict::Met {
            for item in &part.short_of {
                if !outcome.short_of.contains(item) {
                    outcome.short_of.push(item.clone());
                }
            }
        }
        outcome.confounders.extend(part.confounders.iter().cloned());
        if outcome.label.is_none() && part.verdict == Verdict::Met {
            outcome.label.clone_from(&part.label);
        }
        if part.verdict == Verdict::Met {
            met_parts.push(part.progression_shown_confirmed);
        }
    }
    outcome.progression_shown_confirmed = outcome.verdict == Verdict::Met
        && !met_parts.is_empty()
        && met_parts.iter().all(|shown| *shown);
    outcome.settled_whatever |= rests_on_settled;
    if let Some(said) = settled {
        outcome.reasons.insert(0, said.line);
        if outcome.verdict == Verdict::Met {
            for (key, words) in said.left_open {
                if !outcome.confounders.iter().any(|c| c.key == key) {
                    outcome.confounders.push(confounder(key, words));
                }
            }
        }
    }
    outcome
}

/// Three-valued `any_of` (met if any part is, else undecided if any part is) or `all_of`
/// (not met if any part is not, else undecided if any part is).
fn combined(any: bool, verdicts: impl Iterator<Item = Verdict>) -> Verdict {
    let verdicts: Vec<Verdict> = verdicts.collect();
    let (deciding, other) = if any {
        (Verdict::Met, Verdict::NotMet)
    } else {
        (Verdict::NotMet, Verdict::Met)
    };
    if verdicts.contains(&deciding) {
        deciding
    } else if verdicts.contains(&Verdict::Undecided) {
        Verdict::Undecided
    } else {
        other
    }
}

/// How a combination was decided whatever its undecided parts find: the reason line, and what
/// deciding it before the answer leaves to rule out.
struct Settled {
    line: String,
    left_open: Vec<(&'static str, &'static str)>,
}

/// The most questions a combination is decided across (each answer of each: a handful of
/// cases).
const MOST_QUESTIONS: usize = 3;

/// The verdict of an undecided combination when every answer the record may still give its
/// undecided criteria decides it the same way (see [`Question`]): "uncontrolled on three
/// classes with a diuretic, or controlled on four" is met on four classes with a diuretic
/// whatever the blood pressure is. `None` when an undecided criterion waits on no question
/// with known answers, or the answers decide it differently.
fn settled_whatever<'s>(
    ctx: &Context<'s>,
    ids: &'s [String],
    cache: &mut Cache<'s>,
    any: bool,
) -> Option<(Verdict, Settled)> {
    let mut questions: Vec<Question> = Vec::new();
    for id in ids {
        if !open_questions(ctx, id, cache, &mut questions) {
            return None;
        }
    }
    if questions.is_empty() || questions.len() > MOST_QUESTIONS {
        return None;
    }
    // Every combination of one answer per question.
    let mut worlds: Vec<Vec<(&str, &str)>> = vec![Vec::new()];
    for question in &questions {
        worlds = worlds
            .into_iter()
            .flat_map(|world| {
                question.answers.iter().map(move |answer| {
                    let mut world = world.clone();
                    world.push((question.key.as_str(), *answer));
                    world
                })
            })
            .collect();
    }
    let mut verdict = None;
    let mut ways: Vec<String> = Vec::new();
    for world in &worlds {
        let parts: Vec<Verdict> = ids
            .iter()
            .map(|id| verdict_in(ctx, id, cache, world))
            .collect();
        let found = combined(any, parts.iter().copied());
        if found == Verdict::Undecided || verdict.is_some_and(|v| v != found) {
            return None;
        }
        verdict = Some(found);
        if let (Some(question), [(_, answer)]) = (questions.first(), world.as_slice()) {
            let answer_words = question
                .answers
                .iter()
                .position(|a| a == answer)
                .and_then(|at| question.answer_words.get(at))
                .copied()
                .unwrap_or(answer);
            let by = ids
                .iter()
                .zip(&parts)
                .find(|(_, part)| **part == found)
                .map(|(id, _)| criterion_text(ctx, id));
            ways.push(match by {
                Some(text) => format!("{answer_words}, \"{text}\" is {}", found.words()),
                None => answer_words.to_owned(),
            });
        }
    }
    let verdict = verdict?;
    let asked: Vec<&str> = questions.iter().map(|q| q.words).collect();
    let line = if ways.is_empty() {
        format!(
            "{} whatever {} turns out to be: each answer gives the same",
            verdict.words(),
            asked.join(" and ")
        )
    } else {
        format!(
            "{} whatever {} turns out to be, though it is not known yet: {}",
            verdict.words(),
            asked.join(" and "),
            ways.join("; ")
        )
    };
    let mut left_open = Vec::new();
    for question in &questions {
        if let Some(open) = question.left_open
            && !left_open.contains(&open)
        {
            left_open.push(open);
        }
    }
    Some((verdict, Settled { line, left_open }))
}

/// A criterion's words, or its id when it has none.
fn criterion_text<'s>(ctx: &Context<'s>, id: &'s str) -> &'s str {
    ctx.set
        .criteria
        .iter()
        .find(|c| c.id == id)
        .map_or(id, |c| c.text.as_str())
}

/// The question a criterion's kind waits on while undecided, if its answers are known.
fn question_of(ctx: &Context<'_>, kind: Kind<'_>) -> Option<Question> {
    match kind {
        Kind::BloodPressure(spec) => pressure::question(ctx, spec),
        _ => None,
    }
}

/// Adds the questions the undecided criteria under `id` wait on (each once); false when one of
/// them waits on something else.
fn open_questions<'s>(
    ctx: &Context<'s>,
    id: &'s str,
    cache: &mut Cache<'s>,
    questions: &mut Vec<Question>,
) -> bool {
    let Some(criterion) = ctx.set.criteria.iter().find(|c| c.id == id) else {
        return false;
    };
    match criterion.kinds().first().copied() {
        Some(Kind::AnyOf(spec) | Kind::AllOf(spec)) => spec
            .criteria
            .iter()
            .all(|part| open_questions(ctx, part, cache, questions)),
        Some(kind) => {
            if evaluate_criterion(ctx, id, cache).verdict != Verdict::Undecided {
                return true;
            }
            let Some(question) = question_of(ctx, kind) else {
                return false;
            };
            if !questions.iter().any(|known| known.key == question.key) {
                questions.push(question);
            }
            true
        }
        None => false,
    }
}

/// The verdict of `id` where each question has the answer `world` gives it: an undecided
/// criterion is met by its answer and not met by any other; a decided one is as it was.
fn verdict_in<'s>(
    ctx: &Context<'s>,
    id: &'s str,
    cache: &mut Cache<'s>,
    world: &[(&str, &str)],
) -> Verdict {
    let Some(criterion) = ctx.set.criteria.iter().find(|c| c.id == id) else {
        return Verdict::Undecided;
    };
    match criterion.kinds().first().copied() {
        Some(Kind::AnyOf(spec)) => combined(
            true,
            spec.criteria
                .iter()
                .map(|part| verdict_in(ctx, part, cache, world))
                .collect::<Vec<_>>()
                .into_iter(),
        ),
        Some(Kind::AllOf(spec)) => combined(
            false,
            spec.criteria
                .iter()
                .map(|part| verdict_in(ctx, part, cache, world))
                .collect::<Vec<_>>()
                .into_iter(),
        ),
        Some(kind) => {
            let found = evaluate_criterion(ctx, id, cache).verdict;
            if found != Verdict::Undecided {
                return found;
            }
            let Some(question) = question_of(ctx, kind) else {
                return Verdict::Undecided;
            };
            match world.iter().find(|(key, _)| *key == question.key) {
                Some((_, answer)) if *answer == question.answer => Verdict::Met,
                Some(_) => Verdict::NotMet,
                None => Verdict::Undecided,
            }
        }
        None => Verdict::Undecided,
    }
}

/// Adds a line of reasons unless the same words (whatever the indent) are already there:
/// criteria shared by several tiers would otherwise repeat their findings.
fn push_reason(reasons: &mut Vec<String>, line: String) {
    if !reasons
        .iter()
        .any(|existing| existing.trim_start() == line.trim_start())
    {
        reasons.push(line);
    }
}

/// A digest of what the status rests on, which a review holds on: see
/// [`Assessment::content_fingerprint`] (what each cited item is to the criteria, by content
/// rather than row id or words, so that it survives an export and re-import and another
/// source's copy of a course). New measurements alone do not change it, so a review holds
/// until the treatment history or the conclusion changes.
pub fn fingerprint(assessment: &Assessment) -> String {
    assessment.content_fingerprint()
}

#[cfg(test)]
mod tests {
    use super::{fingerprint, icd10_starts_with, mentions};
    use crate::domain::{Assessment, AssessmentStatus, Evidence, EvidenceKind, PatientId};
    use sha2::{Digest, Sha256};

    /// The digest as first written (joined "kind:text" keys, sorted): stored reviews hold
    /// these, so the faster hashing must give the same bytes.
    fn fingerprint_as_first_written(assessment: &Assessment) -> String {
        let mut keys: Vec<String> = assessment
            .evidence
            .iter()
            .filter(|e| e.kind != EvidenceKind::Observation)
            .map(|e| format!("{}:{}", e.kind, e.text))
            .collect();
        keys.sort();
        keys.dedup();
        let mut hasher = Sha256::new();
        hasher.update(assessment.status.as_str());
        hasher.update([0]);
        hasher.update(&assessment.label);
        for key in keys {
            hasher.update([0]);
            hasher.update(key);
        }
        // Encoded here rather than by `digest::short_hex`: the oracle stays independent of
        // the code it checks.
        hasher
            .finalize()
            .iter()
            .take(8)
            .fold(String::new(), |mut out, byte| {
                use std::fmt::Write as _;
                let _ = write!(out, "{byte:02x}");
                out
            })
    }

    #[test]
    fn fingerprints_are_the_digests_reviews_were_stored_with() {
        let evidence = |kind, id, text: &str| Evidence {
            criterion: String::from("c"),
            kind,
            id,
            text: text.to_owned(),
            also: Vec::new(),
            content: String::new(),
        };
        let mut assessment = Assessment {
            patient_id: PatientId(1),
            ruleset: String::from("epilepsy"),
            ruleset_version: String::from("2"),
            status: AssessmentStatus::Refractory,
            label: String::from("drug-resistant epilepsy"),
            reasons: Vec::new(),
            evidence: vec![
                evidence(EvidenceKind::Line, 3, "2L lamotrigine, 2021-03 → 2022-04"),
                evidence(
                    EvidenceKind::Exposure,
                    9,
                    "levetiracetam 1500 mg/d, 2019-03 → ongoing",
                ),
                evidence(
                    EvidenceKind::Observation,
                    4,
                    "seizure count 6 /month on 2024-01-02",
                ),
                evidence(EvidenceKind::Line, 2, "1L levetiracetam, 2019-03 → 2021-03"),
                evidence(EvidenceKind::Condition, 1, "G40.919 Epilepsy, intractable"),
                evidence(
                    EvidenceKind::Procedure,
                    5,
                    "Video-EEG monitoring on 2023-05-01",
                ),
                evidence(EvidenceKind::Line, 7, "2L lamotrigine, 2021-03 → 2022-04"),
            ],
            missing: Vec::new(),
            confounders: Vec::new(),
            citation: String::new(),
            evaluated_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
            fingerprint: String::new(),
            criteria_met_since: None,
            grounds: Vec::new(),
            coded_grounds: Vec::new(),
            reading_grounds: Vec::new(),
            earlier_grounds: Vec::new(),
        };
        assert_eq!(
            assessment.words_fingerprint(),
            fingerprint_as_first_written(&assessment)
        );
        assessment.evidence.reverse();
        assert_eq!(
            assessment.words_fingerprint(),
            fingerprint_as_first_written(&assessment)
        );
        // Items with no content of their own are keyed by their words, as before.
        assert_eq!(
            fingerprint(&assessment),
            fingerprint_as_first_written(&assessment)
        );
        // The diagnosis and the rule-outs are read into it beside the items (review r5 R5-9),
        // never into the digests earlier reviews were made on.
        let items = fingerprint(&assessment);
        assessment.grounds = vec![String::from("diagnosis:icd10 G40919")];
        assert_ne!(fingerprint(&assessment), items);
        assert_eq!(assessment.items_fingerprint(), items);
        // ENGINE 30 keyed the diagnosis by its code: its digest is made of the grounds keyed so,
        // whatever the grounds are now (review R8-6).
        let engine_30 = fingerprint(&assessment);
        assessment.coded_grounds = assessment.grounds.clone();
        assessment.grounds = vec![String::from("diagnosis:[applies_to] icd10 G40919")];
        assert_eq!(assessment.coded_fingerprint(), engine_30);
        assert_ne!(fingerprint(&assessment), engine_30);
        // ENGINE 31 keyed each group by its records' codes: its digest is made of the grounds
        // keyed so (ENGINE 32).
        let engine_31 = fingerprint(&assessment);
        assessment.reading_grounds = assessment.grounds.clone();
        assessment.grounds = vec![String::from("diagnosis:[applies_to] applies_to: icd10 G40")];
        assert_eq!(assessment.reading_fingerprint(), engine_31);
        assert_eq!(assessment.coded_fingerprint(), engine_30);
        assert_ne!(fingerprint(&assessment), engine_31);
        assessment.reading_grounds.clear();
        assessment.coded_grounds.clear();
        assessment.grounds.clear();
        assessment.evidence.clear();
        assert_eq!(
            assessment.words_fingerprint(),
            fingerprint_as_first_written(&assessment)
        );
    }

    #[test]
    fn a_negated_name_does_not_select_a_rule_set() {
        let g40_909 = "Epilepsy, unspecified, not intractable, without status epilepticus";
        assert!(!mentions(g40_909, "status epilepticus"));
        assert!(mentions(g40_909, "epilepsy"));
        assert!(mentions(
            "Convulsive status epilepticus",
            "status epilepticus"
        ));
        assert!(mentions(
            "Status epilepticus after epilepsy without status epilepticus before",
            "status epilepticus"
        ));
        assert!(!mentions("No hypertension", "hypertension"));
        assert!(!mentions("Hypertensive disorder", "hypertension"));
    }

    #[test]
    fn icd10_codes_compare_with_or_without_the_dot() {
        assert!(icd10_starts_with("C8330", "C83.3"));
        assert!(icd10_starts_with("C83.30", "C833"));
        assert!(icd10_starts_with("c90.00", "C90.0"));
        assert!(icd10_starts_with("G40909", "G40"));
        assert!(!icd10_starts_with("C8340", "C83.3"));
        assert!(!icd10_starts_with("C83", "C83.3"));
        assert!(!icd10_starts_with("F310", "F32"));
    }
}
