//! The way forward as the team works through it: the stored steps, checklist, referrals,
//! options and goals of one patient and condition, completed with what the rule set and the
//! options catalogue suggest (open confounders, standard checks, specialties, next lines with
//! what was already tried), and the one entry point that checks and saves a change.
//!
//! It joins the store and the rules, like [`crate::assess`]; the screens and the CLI call it.

use chrono::NaiveDate;

use crate::assess;
use crate::domain::way_forward::{
    StepProblem, WayForward, check_step, merge_checklist, trial_registry,
};
use crate::domain::{
    Assessment, CareOption, ChecklistItem, Edit, Observation, PatientId, PatientRecord, Referral,
    TrialStatus, WayForwardStep, WellbeingGoal, adds_team_item,
};
use crate::rules::Rules;
use crate::rules::options::{
    CatalogueOption, class_given, given_for_other_conditions, reactions, tried,
};
use crate::store::{Store, StoreError};

/// Words in an observation's name that make it a distress or quality-of-life score (step 4).
const WELLBEING_SCORE_WORDS: [&str; 8] = [
    "distress",
    "quality of life",
    "qol",
    "eq-5d",
    "who-5",
    "well-being",
    "wellbeing",
    "promis",
];

/// One line of the step-3 options board: a catalogue entry, what the team recorded on it, or
/// both; and whether the treatment lines show it was already tried.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardEntry {
    pub catalogue: Option<CatalogueOption>,
    pub recorded: Option<CareOption>,
    /// Why it counts as already tried ("lacosamide 2021-03-02 to 2022-01-10").
    pub tried: Option<String>,
    /// Its drugs the record holds but given for another condition, so not tried for this one
    /// ("metoprolol given for atrial fibrillation since 2025-06-01").
    pub given_for_other: Option<String>,
    /// The serious reactions the record shows to a drug it gives ("clozapine stopped
    /// 2024-04-20, not tolerated: agranulocytosis"): the option is marked ⚠, never offered
    /// plainly, and the team decides on a rechallenge.
    pub reactions: Option<String>,
    /// A product of its class given before, when the option itself was not ("CAR T-cell
    /// therapy (3L …)"): another CD19 CAR T after one is not standard re-treatment.
    pub class_given: Option<String>,
    /// The patient's place in a study, as an imported ResearchSubject states it: on a trial
    /// option the team entered with the same registry id, or an entry of its own.
    pub enrolled: Option<Enrolment>,
}

/// A place in a study the record holds (an imported R4 ResearchSubject).
#[derive(Debug, Clone, PartialEq)]
pub struct Enrolment {
    /// "Trial NCT01234567 Title: on study since 2024-02-01".
    pub words: String,
    /// The registry id its study names, if any.
    pub registry_id: Option<String>,
    /// Its R4 status as the way-forward's trial status (see [`trial_status_of`]).
    pub status: Option<TrialStatus>,
}

impl BoardEntry {
    pub fn name(&self) -> &str {
        self.recorded
            .as_ref()
            .map(|o| o.name.as_str())
            .or(self.catalogue.as_ref().map(|c| c.name.as_str()))
            .or(self.enrolled.as_ref().map(|e| e.words.as_str()))
            .unwrap_or_default()
    }
}

/// The trial status an R4 `ResearchSubject.status` is. A choice: `potential-candidate` is a
/// candidate; `pending-on-study` is still screening; `follow-up` (after the intervention, still
/// in the study) is on study; `ineligible` and `not-registered` are not eligible; `off-study`
/// is withdrawn, the way-forward having no "finished" status.
pub fn trial_status_of(r4: &str) -> Option<TrialStatus> {
    Some(match r4 {
        "candidate" | "potential-candidate" => TrialStatus::Candidate,
        "screening" | "pending-on-study" => TrialStatus::Screening,
        "eligible" => TrialStatus::Eligible,
        "on-study" | "on-study-intervention" | "on-study-observation" | "follow-up" => {
            TrialStatus::OnStudy
        }
        "ineligible" | "not-registered" => TrialStatus::NotEligible,
        "off-study" | "withdrawn" => TrialStatus::Withdrawn,
        _ => return None,
    })
}

/// The record's study places, as the options board shows them.
fn enrolments(record: &PatientRecord) -> Vec<Enrolment> {
    record
        .procedures
        .iter()
        .filter_map(|place| {
            let status = place.study_status()?;
            let since = if place.date_unknown {
                String::new()
            } else {
                format!(" since {}", place.performed_day())
            };
            let until = place
                .end_day()
                .map(|end| format!(" until {end}"))
                .unwrap_or_default();
            Some(Enrolment {
                words: format!("{}{since}{until}", place.display),
                registry_id: place
                    .display
                    .split(|c: char| c.is_whitespace() || c == ':')
                    .find(|word| trial_registry(word).is_some())
                    .map(str::to_owned),
                status: trial_status_of(status),
            })
        })
        .collect()
}

/// Everything the way-forward screen shows for one patient and condition.
#[derive(Debug, Clone, PartialEq)]
pub struct WayForwardView {
    pub plan: WayForward,
    /// The condition's current assessment, if evaluated.
    pub assessment: Option<Assessment>,
    /// Specialties the rule set suggests for step 1.
    pub specialties: Vec<String>,
    /// Step 3: catalogue options, then trials and options the team added.
    pub board: Vec<BoardEntry>,
    /// Step 4 suggestions from the catalogue (support, psychotherapy, lifestyle, palliative care).
    pub support: Vec<CatalogueOption>,
    /// Distress or quality-of-life scores recorded, newest first.
    pub scores: Vec<Observation>,
}

/// Why a change was not saved.
#[derive(Debug, thiserror::Error)]
pub enum WayForwardError {
    #[error("{0}")]
    Step(#[from] StepProblem),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One change the team makes: a record as the person opened it and as they save it.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Step(Edit<WayForwardStep>),
    Checklist(Edit<ChecklistItem>),
    Referral(Edit<Referral>),
    Option(Edit<CareOption>),
    Goal(Edit<WellbeingGoal>),
}

impl Change {
    /// The step whose work this change records (a referral seen, a check ticked, an option
    /// recommended, a goal set); none for a change of a step itself.
    pub fn work_of_step(&self) -> Option<u8> {
        match self {
            Change::Step(_) => None,
            Change::Checklist(_) => Some(2),
            Change::Referral(r) => Some(r.new.step),
            Change::Option(_) => Some(3),
            Change::Goal(_) => Some(4),
        }
    }

    pub fn patient(&self) -> PatientId {
        match self {
            Change::Step(s) => s.new.patient_id,
            Change::Checklist(c) => c.new.patient_id,
            Change::Referral(r) => r.new.patient_id,
            Change::Option(o) => o.new.patient_id,
            Change::Goal(g) => g.new.patient_id,
        }
    }

    pub fn ruleset(&self) -> &str {
        match self {
            Change::Step(s) => &s.new.ruleset,
            Change::Checklist(c) => &c.new.ruleset,
            Change::Referral(r) => &r.new.ruleset,
            Change::Option(o) => &o.new.ruleset,
            Change::Goal(g) => &g.new.ruleset,
        }
    }

    /// The same change, saved over the colleague's change the person was shown (the record
    /// at version `theirs`).
    #[must_use]
    pub fn overwriting(self, theirs: i64) -> Self {
        match self {
            Change::Step(edit) => Change::Step(edit.overwriting(theirs)),
            Change::Checklist(edit) => Change::Checklist(edit.overwriting(theirs)),
            Change::Referral(edit) => Change::Referral(edit.overwriting(theirs)),
            Change::Option(edit) => Change::Option(edit.overwriting(theirs)),
            Change::Goal(edit) => Change::Goal(edit.overwriting(theirs)),
        }
    }
    /// The change that takes this one back ([`Edit::reversed`]); `None` for a record added,
    /// including one opened as a suggestion and stored as it was (a catalogue option put on
    /// the table): going back to what was opened would change nothing.
    pub fn reversed(&self) -> Option<Self> {
        fn changed<T: PartialEq>(edit: &Edit<T>) -> Option<&Edit<T>> {
            (edit.base.as_ref()? != &edit.new).then_some(edit)
        }
        Some(match self {
            Change::Step(edit) => Change::Step(changed(edit)?.reversed()?),
            Change::Checklist(edit) => Change::Checklist(changed(edit)?.reversed()?),
            Change::Referral(edit) => Change::Referral(changed(edit)?.reversed()?),
            Change::Option(edit) => Change::Option(changed(edit)?.reversed()?),
            Change::Goal(edit) => Change::Goal(changed(edit)?.reversed()?),
        })
    }

    /// Whether it is saved over a colleague's change.
    pub fn overwrites(&self) -> bool {
        match self {
            Change::Step(edit) => edit.overwrite.is_some(),
            Change::Checklist(edit) => edit.overwrite.is_some(),
            Change::Referral(edit) => edit.overwrite.is_some(),
            Change::Option(edit) => edit.overwrite.is_some(),
            Change::Goal(edit) => edit.overwrite.is_some(),
        }
    }
}

/// The conditions a way forward is offered for: every flagged assessment (refractory, resistant,
/// relapsed), and any condition the team already started one for.
pub fn conditions(store: &Store, patient: PatientId) -> Result<Vec<String>, StoreError> {
    let mut rulesets: Vec<String> = store
        .assessments(patient)?
        .into_iter()
        .filter(|a| a.assessment.status.asks_for_review())
        .map(|a| a.assessment.ruleset)
        .collect();
    for ruleset in store.way_forward_rulesets(patient)? {
        if !rulesets.contains(&ruleset) {
            rulesets.push(ruleset);
        }
    }
    Ok(rulesets)
}

/// The way forward of one patient for one condition, as the screen shows it.
pub fn load(
    store: &Store,
    rules: &Rules,
    patient: PatientId,
    ruleset: &str,
) -> Result<WayForwardView, StoreError> {
    let (plan, assessment) = plan(store, rules, patient, ruleset)?;
    let set = rules.get(ruleset);
    let record = store.record(patient)?;
    let catalogue = rules.options(ruleset);
    let mut board: Vec<BoardEntry> = catalogue
        .iter()
        .filter(|c| c.step == 3)
        .map(|c| BoardEntry {
            catalogue: Some(c.clone()),
            recorded: plan
                .options
                .iter()
                .find(|o| o.catalogue_key.as_deref() == Some(c.key.as_str()))
                .cloned(),
            tried: set.and_then(|set| tried(c, &record, &rules.book, set)),
            given_for_other: set
                .and_then(|set| given_for_other_conditions(c, &record, &rules.book, set)),
            reactions: reactions(c, &record, &rules.book),
            class_given: set.and_then(|set| {
                tried(c, &record, &rules.book, set)
                    .is_none()
                    .then(|| class_given(c, &record, &rules.book, set))
                    .flatten()
            }),
            enrolled: None,
        })
        .collect();
    let mut places = enrolments(&record);
    for option in &plan.options {
        let listed = option
            .catalogue_key
            .as_deref()
            .is_some_and(|key| catalogue.iter().any(|c| c.step == 3 && c.key == key));
        if !listed {
            // The study place of the trial the team entered, by its registry id.
            let enrolled = option.registry_id.as_deref().and_then(|id| {
                let at = places.iter().position(|place| {
                    place
                        .registry_id
                        .as_deref()
                        .is_some_and(|place_id| place_id.eq_ignore_ascii_case(id.trim()))
                })?;
                Some(places.remove(at))
            });
            board.push(BoardEntry {
                catalogue: None,
                recorded: Some(option.clone()),
                tried: None,
                given_for_other: None,
                reactions: None,
                class_given: None,
                enrolled,
            });
        }
    }
    // A study place no trial option names: an entry of its own, which the team can put on the
    // table as a trial option (see `tui::screen::way_forward`).
    board.extend(places.into_iter().map(|place| BoardEntry {
        catalogue: None,
        recorded: None,
        tried: None,
        given_for_other: None,
        reactions: None,
        class_given: None,
        enrolled: Some(place),
    }));
    let mut scores: Vec<Observation> = record
        .observations
        .iter()
        .filter(|o| {
            let name = o.display.to_lowercase();
            WELLBEING_SCORE_WORDS.iter().any(|w| name.contains(w))
        })
        .cloned()
        .collect();
    scores.sort_by_key(|o| std::cmp::Reverse(o.effective));
    Ok(WayForwardView {
        plan,
        assessment,
        specialties: set.map(|s| s.specialties.clone()).unwrap_or_default(),
        board,
        support: catalogue.iter().filter(|c| c.step == 4).cloned().collect(),
        scores,
    })
}

/// What is recorded, with the checklist completed from the open confounders and the standard
/// checks, and the condition's current assessment: all the step machine needs.
fn plan(
    store: &Store,
    rules: &Rules,
    patient: PatientId,
    ruleset: &str,
) -> Result<(WayForward, Option<Assessment>), StoreError> {
    let stored = store.stored_way_forward(patient, ruleset)?;
    let assessment = store
        .assessments(patient)?
        .into_iter()
        .map(|a| a.assessment)
        .find(|a| a.ruleset == ruleset);
    let standard: Vec<(String, String)> = rules
        .get(ruleset)
        .map(|set| {
            set.checklist
                .iter()
                .map(|item| (item.key.clone(), item.text.clone()))
                .collect()
        })
        .unwrap_or_default();
    let confounders = assessment
        .as_ref()
        .map(|a| a.confounders.as_slice())
        .unwrap_or_default();
    let mut plan = WayForward::new(patient, ruleset).with_steps(stored.steps);
    plan.checklist = merge_checklist(patient, ruleset, stored.checklist, confounders, &standard);
    if let Some(set) = rules.get(ruleset) {
        // The day the assessment was made, as its confounders were: the record as of then.
        let today = assessment
            .as_ref()
            .map_or_else(|| chrono::Local::now().date_naive(), |a| a.evaluated_on);
        let record = store.record(patient)?;
        complete_from_record(&mut plan.checklist, set, &record, &rules.book, today);
    }
    plan.referrals = stored.referrals;
    plan.goals = stored.goals;
    plan.options = stored.options;
    Ok((plan, assessment))
}

/// Ticks the suggested items (not written by the team) the record answers (a brain MRI for
/// the MRI item, drug levels in range for adherence), and names the evidence of those it does
/// not answer. An item the team saved keeps what the team wrote; an open confounder's item
/// whose words already name the evidence is not told it twice.
fn complete_from_record(
    checklist: &mut [ChecklistItem],
    set: &crate::rules::model::RuleSet,
    record: &crate::domain::PatientRecord,
    book: &crate::rules::drugs::DrugBook,
    today: NaiveDate,
) {
    for item in checklist.iter_mut().filter(|item| item.id == 0) {
        let Some(template) = set.checklist.iter().find(|t| t.key == item.key) else {
            continue;
        };
        let Some(found) = crate::rules::checklist::from_record(template, set, record, book, today)
        else {
            continue;
        };
        if item.text.contains(&found.detail) && !found.done {
            continue;
        }
        item.done = found.done;
        item.detail = Some(if found.done {
            format!("from the record: {}", found.detail)
        } else {
            found.detail
        });
    }
}

/// What a saved option change did, in words: the field that changed, not always the stance
/// (a preference or a trial's status said as the team's stance would report the wrong thing).
/// Which field is said comes from the person's edit; its value from the option as `saved`.
fn option_message(
    edit: &crate::domain::Edit<crate::domain::CareOption>,
    saved: &crate::domain::CareOption,
) -> String {
    let sent = &edit.new;
    let new = saved;
    let words = |machine: &str| machine.replace('_', " ");
    let Some(base) = edit.base.as_ref() else {
        return format!("{}: {}", new.name, words(&new.stance.to_string()));
    };
    if base.preference != sent.preference {
        return format!(
            "{}: the patient's preference is {}",
            new.name,
            words(&new.preference.to_string())
        );
    }
    if base.trial_status != sent.trial_status
        && let Some(status) = new.trial_status
    {
        return format!("{}: trial {}", new.name, words(&status.to_string()));
    }
    if base.notes != sent.notes && base.stance == sent.stance {
        return format!("{}: notes", new.name);
    }
    format!("{}: {}", new.name, words(&new.stance.to_string()))
}

/// Checks a change against the step machine and saves it (audited, and refused when a
/// colleague changed the same fields since it was opened); returns what was done, in words. A
/// checklist tick re-evaluates the patient at once, so a resolved confounder leaves the
/// assessment now rather than at the next pass.
pub fn apply(
    store: &mut Store,
    rules: &Rules,
    change: &Change,
    today: NaiveDate,
) -> Result<String, WayForwardError> {
    let message = match change {
        Change::Step(edit) => {
            let step = &edit.new;
            let (plan, _) = plan(store, rules, step.patient_id, &step.ruleset)?;
            check_step(&plan, step)?;
            // Said from the step as saved: a colleague's status kept beside this person's notes
            // is the status the step now has.
            let saved = store.save_step(edit, today)?;
            format!("step {} ({})", saved.step, saved.status.words())
        }
        Change::Checklist(edit) => {
            let item = &edit.new;
            store.save_checklist_item(edit, today)?;
            // The tick is saved: an evaluation that cannot run now (the file busy) is left to
            // the background pass, which finds the patient stale, rather than failing the save.
            let _ = assess::evaluate_chunk(store, rules, today, &[item.patient_id]);
            let done = if adds_team_item(edit) {
                "added to the checklist:"
            } else if item.done {
                "ticked:"
            } else {
                "unticked:"
            };
            format!("{done} {}", item.text)
        }
        Change::Referral(edit) => {
            let id = store.save_referral(edit, today)?;
            // As stored: fields a colleague changed meanwhile were kept beside these.
            let saved = store
                .referrals(edit.new.patient_id)?
                .into_iter()
                .find(|referral| referral.id == id)
                .unwrap_or_else(|| edit.new.clone());
            format!("referral: {} {}", saved.specialty, saved.status)
        }
        Change::Option(edit) => {
            let id = store.save_option(edit, today)?;
            let saved = store
                .care_options(edit.new.patient_id)?
                .into_iter()
                .find(|option| option.id == id)
                .unwrap_or_else(|| edit.new.clone());
            option_message(edit, &saved)
        }
        Change::Goal(edit) => {
            let id = store.save_goal(edit, today)?;
            let saved = store
                .wellbeing_goals(edit.new.patient_id)?
                .into_iter()
                .find(|goal| goal.id == id)
                .map_or_else(|| edit.new.description.clone(), |goal| goal.description);
            format!("goal: {saved}")
        }
    };
    Ok(message)
}
