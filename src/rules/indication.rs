//! Whether a drug was given for a rule set's condition, by the indication its records state
//! (R4 `reasonCode`, or the Condition a `reasonReference` names): a drug given for another
//! condition is no trial, class or line of this one's criteria, unless the rule set says
//! otherwise (`[indication]` in its file); a procedure done for another condition, or an
//! observation about another (R4 `focus`), is none of its findings.

use super::diagnosis_names::indication_selected_by;
use super::model::RuleSet;
use crate::domain::{
    ConditionCodeSystem, DrugExposure, Indication, Observation, PatientRecord, Procedure,
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
/// (see [`tied_to_another`]), as `set`'s criteria and lines read it; `None` when there are none.
pub fn own_record(record: &PatientRecord, set: &RuleSet) -> Option<PatientRecord> {
    let (procedures, observations) = of_other_conditions(record, set);
    if procedures.is_empty() && observations.is_empty() {
        return None;
    }
    let mut own = record.clone();
    own.procedures
        .retain(|procedure| tied_to_another(&procedure.indications, set).is_none());
    own.observations
        .retain(|observation| tied_to_another(&observation.focus, set).is_none());
    Some(own)
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
