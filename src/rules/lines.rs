//! Treatment lines derived from drug exposures (docs/architecture.md, treatment lines), for records
//! that carry none (FHIR has no line-of-therapy field).
//!
//! OMOP/IMWG-style rules with the rule set's parameters: drugs of the counted classes started
//! within the regimen window of a line's first drug form its regimen; a drug not yet in the regimen
//! started after the window starts a new line (with the drugs still given); so does a gap longer
//! than the gap limit with no drug given. Renewals of a drug already in the regimen are not new
//! lines. Supportive drugs and drugs for other conditions never make lines. For step-care
//! conditions (hypertension) a line is a change in the set of classes given together.
//!
//! Where the rule set asks for it (`planned_sequence`, myeloma), the IMWG 2015 line definition: "a
//! planned sequence (induction, transplant, consolidation, maintenance) is one line"; a new line
//! starts when the disease progressed and another regimen starts, when a drug is added or
//! substituted unplanned, or with a transplant that is not part of a planned tandem. Without a
//! progression in between, conditioning given around a transplant, and what starts within a window
//! after it (consolidation, maintenance, at any dose) or in a maintenance role, continue the line.
//! So do the other parts of a transplant or a cell therapy the rule set names (CAR-T trial
//! conventions, IMWG 2015): stem-cell mobilisation before a transplant; bridging and
//! lymphodepletion before a CAR T-cell infusion (lymphodepletion never joins the line before
//! it). A regimen restarted after a relapse off therapy (progression more than
//! `relapse_off_therapy_days` after the line's last dose) is a new line, its drugs the same or
//! not. Cytoreduction given just before a regimen (hydroxyurea before induction) is no line.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::dates::shift;
use super::given::Given;
use super::model::RuleSet;
use crate::domain::{
    DrugRole, LineDrug, LineOrigin, PatientRecord, Response, StopReason, TreatmentLine,
    observation_codes,
};

/// What a planned sequence needs to know of the record: its transplants and every sign of
/// progression (a worsened disease status, a drug stopped for progression, a rise of the
/// monoclonal protein), by date.
struct Plan {
    /// Each transplant's first and last possible day: one dated by a month or a year alone (or
    /// an age) is every day of it, never its first day.
    transplants: Vec<(NaiveDate, NaiveDate)>,
    /// Infusions of a cell therapy (`cell_therapy_classes`: CAR T cells).
    infusions: Vec<NaiveDate>,
    /// Each progression's first and last possible day: a status or a value dated by a month
    /// or a year alone is every day of it (up to today), never its first day.
    progressions: Vec<(NaiveDate, NaiveDate)>,
}

/// Whether the disease progressed (or a transplant was done) between two days, as far as the
/// record tells.
enum Between {
    No,
    Surely,
    /// Only on some of the days a progression (a transplant) dated by a month or a year alone
    /// may have been: its days, first and last.
    Maybe(NaiveDate, NaiveDate),
}

impl Between {
    fn may_have(&self) -> bool {
        !matches!(self, Between::No)
    }

    /// For a line cut where a progression may have come between `from` and `to`: the words
    /// saying its day is not known; empty otherwise.
    fn untold(&self, from: NaiveDate, to: NaiveDate) -> String {
        match self {
            Between::Maybe(first, last) => format!(
                " (a progression dated {} alone may have come between {from} and {to}: its day \
                 cannot be told)",
                super::dates::dated(*first, *last)
            ),
            _ => String::new(),
        }
    }
}

/// A relapse off therapy (see [`Plan::relapse_off_therapy`]): its days, and whether it is one
/// whatever its day.
struct Relapse {
    first: NaiveDate,
    last: NaiveDate,
    surely: bool,
}

impl Plan {
    fn of(record: &PatientRecord, given: &[Given<'_>], set: &RuleSet, today: NaiveDate) -> Self {
        let mut transplants: Vec<(NaiveDate, NaiveDate)> = record
            .procedures
            .iter()
            .filter(|p| super::procedure_terms::is_one_of(p, &set.lines.transplant))
            .filter_map(crate::domain::Procedure::window)
            .collect();
        transplants.sort_unstable();
        transplants.dedup();
        let worsened = disease_statuses(record, today)
            .filter(|status| status.response == Response::Progression)
            .map(|status| (status.first, status.last));
        let stopped = given
            .iter()
            .filter(|g| g.exposure.stop_reason == Some(StopReason::Progression))
            .filter_map(Given::end)
            .map(|end| (end, end));
        // A rise of the monoclonal protein series (myeloma) is a progression too.
        let series = set.m_protein.as_ref().map_or_else(Vec::new, |spec| {
            super::m_protein_series::rise_days(&record.observations, spec, &set.progression)
        });
        let series = series
            .into_iter()
            .map(|(first, last)| (first, last.min(today).max(first)));
        // A relapse sent only as a diagnosis (myeloma "in relapse", C90.02: review H3, ON-1)
        // is a progression on its day, as a worsened status is. Only one coded or named so: a
        // status of relapse alone has no day (review K3-2, ON-5: [`relapse_diagnosis_days`]
        // gives it none), and a diagnosis begun anew (`new_onset`) is one only after a
        // remission, which the plan does not weigh: it would cut the planned sequence on a day
        // no relapse is known.
        let diagnosed = relapse_diagnosis_days(record, set, today)
            .into_iter()
            .filter(|relapse| relapse.how == RelapseBy::Name)
            .map(|relapse| (relapse.first, relapse.last));
        let mut progressions: Vec<(NaiveDate, NaiveDate)> = worsened
            .chain(stopped)
            .chain(series)
            .chain(diagnosed)
            .collect();
        progressions.sort_unstable();
        let cell_therapy = &set.lines.cell_therapy_classes;
        let mut infusions: Vec<NaiveDate> = given
            .iter()
            .filter(|g| !cell_therapy.is_empty() && g.has_any_class(cell_therapy))
            .map(Given::start)
            .collect();
        infusions.sort_unstable();
        infusions.dedup();
        Plan {
            transplants,
            infusions,
            progressions,
        }
    }

    /// The first progression more than `days` after `last_dose` and on or before `start`: a
    /// relapse off therapy before a regimen restarted on `start`. One whose every day is so
    /// first; else one dated by a month or a year alone only some of whose days are.
    fn relapse_off_therapy(
        &self,
        last_dose: NaiveDate,
        start: NaiveDate,
        days: i64,
    ) -> Option<Relapse> {
        let off = shift(last_dose, days);
        let relapse = |&(first, last): &(NaiveDate, NaiveDate), surely: bool| Relapse {
            first,
            last,
            surely,
        };
        self.progressions
            .iter()
            .find(|(first, last)| *first > off && *last <= start)
            .map(|span| relapse(span, true))
            .or_else(|| {
                self.progressions
                    .iter()
                    .find(|(first, last)| *last > off && *first <= start)
                    .map(|span| relapse(span, false))
            })
    }

    /// The first cell-therapy infusion from `from` to `to`, inclusive.
    fn infusion(&self, from: NaiveDate, to: NaiveDate) -> Option<NaiveDate> {
        self.infusions
            .iter()
            .copied()
            .find(|day| *day >= from && *day <= to)
    }

    /// Whether the disease progressed after `from` and on or before `to`: surely when every
    /// day of a progression is so, maybe when only some are.
    fn progressed(&self, from: NaiveDate, to: NaiveDate) -> Between {
        if self
            .progressions
            .iter()
            .any(|(first, last)| *first > from && *last <= to)
        {
            return Between::Surely;
        }
        self.progressions
            .iter()
            .find(|(first, last)| *last > from && *first <= to)
            .map_or(Between::No, |(first, last)| Between::Maybe(*first, *last))
    }

    /// The transplants some day of which is from `from` to `to`, inclusive, as their first and
    /// last possible days.
    fn transplants(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Iterator<Item = (NaiveDate, NaiveDate)> + '_ {
        self.transplants
            .iter()
            .copied()
            .filter(move |(first, last)| *last >= from && *first <= to)
    }

    /// Whether a transplant falls from `from` to `to`: surely when every day of one does, maybe
    /// (its days) when only some days of one dated by a month or a year alone do.
    fn transplant_between(&self, from: NaiveDate, to: NaiveDate) -> Between {
        let mut maybe = None;
        for (first, last) in self.transplants(from, to) {
            if first >= from && last <= to {
                return Between::Surely;
            }
            maybe.get_or_insert(Between::Maybe(first, last));
        }
        maybe.unwrap_or(Between::No)
    }
}

/// Derives the lines of `set`'s condition from the recognised exposures of `record`.
pub fn derive(
    given: &[Given<'_>],
    set: &RuleSet,
    record: &PatientRecord,
    today: NaiveDate,
) -> Vec<TreatmentLine> {
    let params = &set.lines;
    let mut counted: Vec<&Given<'_>> = given
        .iter()
        .filter(|g| params.classes.is_empty() || g.has_any_class(&params.classes))
        .filter(|g| !g.drugs.is_empty())
        .collect();
    counted.sort_by_key(|g| (g.exposure.start, g.exposure.id));
    drop_cytoreduction(&mut counted, set);
    if counted.is_empty() {
        return Vec::new();
    }
    if !params.episode_stages.is_empty() {
        derive_episode_stages(&counted, set, record, today)
    } else if params.step_care {
        derive_step_care(&counted, set, record, today)
    } else {
        let plan = params
            .planned_sequence
            .then(|| Plan::of(record, given, set, today));
        derive_regimens(&counted, set, record, plan.as_ref(), today)
    }
}

/// Where a course begun on a day stands against a remission of the line it may continue
/// (`[lines] remission_continues`).
enum Remission {
    /// No remission of the line before the course.
    None,
    /// In remission: the course continues the line. With the words saying how the remission was
    /// read when no response was recorded (from the marrow and the blood counts), for the
    /// line's reason.
    Continues(Option<String>),
    /// A remission, then a relapse before the course (or one whose day may be before it): the
    /// relapse in words, for the cut of the line the course starts.
    Relapsed(String),
}

/// Where a course begun on `start` stands against a remission of the line begun on
/// `line_start` (`[lines] remission_continues`). The remission is a disease status of one of
/// those responses after the line began and before `start`; with no response recorded for the
/// line's induction, one read from the marrow and the blood counts of its recovery as
/// `induction_failure` reads them (review G3-2: blasts below the cut-off with the counts of a CR
/// or CRi, ELN 2017). A relapse after it is a worsened disease status, a drug stopped for
/// progression, a marrow with blasts at the induction criterion's remission threshold or above,
/// or a diagnosis that records one (`[lines] relapse_diagnoses`, review G3-1), from the
/// remission to `start`. A status dated by a month or a year alone is read on the days every
/// reading of it allows: a remission only when all of its days are before `start`, a relapse
/// whenever any of its days may be after the remission.
fn in_remission(
    record: &PatientRecord,
    set: &RuleSet,
    line_start: NaiveDate,
    start: NaiveDate,
    today: NaiveDate,
) -> Remission {
    if set.lines.remission_continues.is_empty() {
        return Remission::None;
    }
    let recorded = recorded_remissions(record, set, today)
        .into_iter()
        .filter(|remission| remission.first > line_start && remission.last < start)
        .min_by_key(|remission| remission.first);
    let (remission, derived) = match recorded {
        Some(remission) => (remission.first, remission.words),
        None => match derived_remission(record, set, line_start, start, today) {
            Some((day, words)) => (day, Some(words)),
            None => return Remission::None,
        },
    };
    match relapse_after(record, set, remission, start, today) {
        Some(words) => Remission::Relapsed(words),
        None => Remission::Continues(derived),
    }
}

/// The first relapse the record shows after the remission of `remission` and on or before
/// `start` (see [`in_remission`]), in words; none when there is none.
fn relapse_after(
    record: &PatientRecord,
    set: &RuleSet,
    remission: NaiveDate,
    start: NaiveDate,
    today: NaiveDate,
) -> Option<String> {
    let after = format!("after the remission of {remission}");
    let worsened = disease_statuses(record, today)
        .filter(|status| status.response == Response::Progression)
        .filter(|status| status.last > remission && status.first <= start)
        .map(|status| status.observation)
        .min_by_key(|o| o.effective);
    if let Some(o) = worsened {
        return Some(format!(
            "relapse: worsened disease status {} {after}",
            on_day(&o.day_text(), o.effective_precision.is_day())
        ));
    }
    let stopped = record
        .exposures
        .iter()
        .filter(|e| e.stop_reason == Some(StopReason::Progression))
        .filter_map(|e| e.end_day().map(|end| (end, e)))
        .filter(|(end, _)| *end > remission && *end <= start)
        .min_by_key(|(end, _)| *end);
    if let Some((end, exposure)) = stopped {
        return Some(format!(
            "relapse: {} stopped for progression on {end} {after}",
            exposure.text
        ));
    }
    // A relapse shown by the marrow alone: blasts at or above the remission threshold of the
    // rule set's induction criterion (ELN: >= 5 % after CR), as a percent.
    for spec in set
        .criteria
        .iter()
        .filter_map(|c| c.induction_failure.as_ref())
    {
        let marrow = record
            .observations
            .iter()
            .filter(|o| super::selectors::selects(&spec.blasts, o))
            .filter(|o| o.last_local_day().min(today).max(o.local_day()) > remission)
            .filter(|o| o.local_day() <= start)
            .filter(|o| o.value.is_some_and(|v| v >= spec.blasts_remission_below))
            .min_by_key(|o| o.effective);
        if let Some(o) = marrow {
            return Some(format!(
                "relapse: marrow blasts {} {} {after}",
                super::recovery::blasts_text(o),
                on_day(&o.day_text(), o.effective_precision.is_day())
            ));
        }
    }
    relapse_diagnosis(record, set, remission, start, today)
}

/// "on 2026-03-05", or "dated 2026-03 alone".
fn on_day(text: &str, is_day: bool) -> String {
    if is_day {
        format!("on {text}")
    } else {
        format!("dated {text} alone")
    }
}

/// A diagnosis that records a relapse after the remission of `remission` and on or before
/// `start` (`[lines] relapse_diagnoses`, review G3-1), in words. A relapse sent only as a
/// diagnosis (ICD-10-CM C92.02 "acute myeloid leukemia, in relapse", a new diagnosis of the
/// leukaemia after the remission) ends the remission as a worsened disease status does, on its
/// day (see [`relapse_diagnosis_days`]). A status of relapse alone says no day (see
/// [`undated_relapses`]): the relapse came after the latest remission the record holds (the
/// status is the condition's now), so a course begun after that remission may follow it, which
/// cannot be told, and is cut, said (as a progression of a month alone cuts a planned sequence).
fn relapse_diagnosis(
    record: &PatientRecord,
    set: &RuleSet,
    remission: NaiveDate,
    start: NaiveDate,
    today: NaiveDate,
) -> Option<String> {
    let dated = relapse_diagnosis_days(record, set, today)
        .into_iter()
        .filter(|relapse| relapse.last > remission && relapse.first <= start)
        .min_by_key(|relapse| relapse.first);
    if let Some(relapse) = dated {
        return Some(format!(
            "{}, after the remission of {remission}",
            relapse.words
        ));
    }
    let what = undated_relapses(record, set).next().map(status_words)?;
    // The relapse of an undated status came after the latest remission recorded.
    let latest = recorded_remissions(record, set, today)
        .into_iter()
        .map(|remission| remission.last)
        .max()
        .map_or(remission, |day| day.max(remission));
    (start > latest).then(|| {
        format!(
            "relapse recorded as a diagnosis with no day: {what}; it came after the latest \
             remission ({latest}), and whether before this course cannot be told"
        )
    })
}

/// The diagnoses whose clinicalStatus alone says a relapse (`[lines.relapse_diagnoses]
/// statuses`: not coded or named as one, nor begun anew after a remission where `new_onset`
/// reads that), in words. Such a status tells no day of the relapse (review K3-2, ON-5): it is
/// the condition's now, and the record's onset and recording are the first diagnosis's (a
/// problem-list entry brought up to date), so the relapse came on a day not recorded. The
/// lines read it as after the latest remission, the criteria read no timing from it. One also
/// begun anew (`new_onset`) is that as well, on its onset (see [`relapse_diagnosis_days`]).
pub(super) fn undated_relapses<'r>(
    record: &'r PatientRecord,
    set: &'r RuleSet,
) -> impl Iterator<Item = &'r crate::domain::Condition> + 'r {
    let spec = set.lines.relapse_diagnoses.as_ref();
    standing_diagnoses(record, set).filter(move |c| {
        spec.is_some_and(|spec| {
            c.clinical_status
                .as_deref()
                .is_some_and(|status| spec.statuses.iter().any(|s| s == status))
                && !relapse_by_name(c, spec)
        })
    })
}

/// A diagnosis and its clinical status, in words: "Multiple myeloma (C90.00, clinical status
/// relapse)".
pub(super) fn status_words(condition: &crate::domain::Condition) -> String {
    format!(
        "{} ({}, clinical status {})",
        condition.display,
        condition.code,
        condition.clinical_status.as_deref().unwrap_or_default()
    )
}

/// The diagnoses of the rule set's condition (its `applies_to`) a relapse or a remission is read
/// from: refuted, differential and provisional records are none.
fn standing_diagnoses<'r>(
    record: &'r PatientRecord,
    set: &'r RuleSet,
) -> impl Iterator<Item = &'r crate::domain::Condition> + 'r {
    record.conditions.iter().filter(|c| {
        c.is_diagnosis()
            && matches!(c.verification_status.as_deref(), None | Some("confirmed"))
            && super::diagnosis_names::selected_by(c, &set.applies_to)
    })
}

/// A day of a diagnosis (its onset, its recording) as its first and last possible day: one of
/// a month or a year alone is every day of it, up to today.
fn diagnosis_days(
    day: Option<NaiveDate>,
    precision: crate::domain::DatePrecision,
    today: NaiveDate,
) -> Option<(NaiveDate, NaiveDate)> {
    day.map(|first| (first, precision.last_day(first).min(today).max(first)))
}

/// "since 2026-03-05", or "dated 2026-03 alone".
fn since_words(first: NaiveDate, last: NaiveDate) -> String {
    if first == last {
        format!("since {first}")
    } else {
        format!("dated {} alone", super::dates::dated(first, last))
    }
}

/// What makes a diagnosis a relapse on a day (see [`relapse_diagnosis_days`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RelapseBy {
    /// Coded or named as a relapse.
    Name,
    /// A diagnosis of the condition begun anew (`new_onset`).
    NewOnset,
}

/// A diagnosis that records a relapse: its first and last possible day, its words, and what
/// makes it one.
pub(super) struct DiagnosedRelapse {
    /// The diagnosis's id.
    pub(super) condition: i64,
    pub(super) first: NaiveDate,
    pub(super) last: NaiveDate,
    pub(super) words: String,
    pub(super) how: RelapseBy,
}

/// The diagnoses that record a relapse on a day (`[lines] relapse_diagnoses`, review G3-1): the
/// one reading of them the lines and the criteria's progressions share, each with its first and
/// last possible day (an onset of a month or a year alone is every day of it) and its words.
/// One coded or named as a relapse is dated by its onset, else the day it was recorded; a
/// diagnosis begun anew (`new_onset`) by its onset, its status relapse or not. A status of
/// relapse alone is none: it has no day of its own (see [`undated_relapses`]).
pub(super) fn relapse_diagnosis_days(
    record: &PatientRecord,
    set: &RuleSet,
    today: NaiveDate,
) -> Vec<DiagnosedRelapse> {
    let Some(spec) = set.lines.relapse_diagnoses.as_ref() else {
        return Vec::new();
    };
    standing_diagnoses(record, set)
        .filter_map(|condition| {
            let onset = diagnosis_days(condition.onset, condition.onset_precision, today);
            let recorded = diagnosis_days(condition.recorded, condition.recorded_precision, today);
            let named = relapse_by_name(condition, spec);
            let remitted = in_remission_by_name(condition, spec)
                || matches!(
                    condition.clinical_status.as_deref(),
                    Some("remission" | "resolved" | "inactive")
                );
            let ((first, last), how) = if named {
                (onset.or(recorded)?, RelapseBy::Name)
            } else if spec.new_onset && !remitted && !relapse_denied(condition, spec) {
                (onset?, RelapseBy::NewOnset)
            } else {
                return None;
            };
            Some(DiagnosedRelapse {
                condition: condition.id,
                first,
                last,
                words: format!(
                    "relapse recorded as a diagnosis: {} ({}) {}",
                    condition.display,
                    condition.code,
                    since_words(first, last)
                ),
                how,
            })
        })
        .collect()
}

/// A disease status that says a response (see [`disease_statuses`]).
struct Status<'r> {
    response: Response,
    /// Its first and last possible day: one dated by a month or a year alone is every day of
    /// it, up to today.
    first: NaiveDate,
    last: NaiveDate,
    observation: &'r crate::domain::Observation,
}

/// The disease statuses of the record that say a response: the one reading of them that the
/// lines weigh a remission and a relapse by.
fn disease_statuses(record: &PatientRecord, today: NaiveDate) -> impl Iterator<Item = Status<'_>> {
    record
        .observations
        .iter()
        .filter(|o| o.code == observation_codes::DISEASE_STATUS)
        .filter_map(move |o| {
            Some(Status {
                response: Response::from_disease_status(o.value_code.as_deref()?)?,
                first: o.local_day(),
                last: o.last_local_day().min(today).max(o.local_day()),
                observation: o,
            })
        })
}

/// A remission the record states: a disease status of one of `remission_continues`, or a
/// diagnosis in remission read as one (`[lines.relapse_diagnoses] remission_response`).
struct RecordedRemission {
    first: NaiveDate,
    last: NaiveDate,
    /// For a diagnosis, the words saying the remission was read from it (for the line's
    /// reason); none for a disease status.
    words: Option<String>,
}

/// The remissions the record states (see [`RecordedRemission`]), in no order.
fn recorded_remissions(
    record: &PatientRecord,
    set: &RuleSet,
    today: NaiveDate,
) -> Vec<RecordedRemission> {
    let wanted = |response: Response| {
        set.lines
            .remission_continues
            .iter()
            .any(|name| Response::parse_any(name) == Some(response))
    };
    let statuses = disease_statuses(record, today)
        .filter(|status| wanted(status.response))
        .map(|status| RecordedRemission {
            first: status.first,
            last: status.last,
            words: None,
        });
    let diagnosed = remission_diagnosis_days(record, set, today)
        .into_iter()
        .filter(|remission| wanted(remission.response))
        .map(|remission| RecordedRemission {
            first: remission.first,
            last: remission.last,
            words: Some(format!("in remission: {}", remission.words)),
        });
    statuses.chain(diagnosed).collect()
}

/// Whether a diagnosis is coded or named as in remission (`remission_icd10`, `remission_snomed`,
/// `remission_names`).
fn in_remission_by_name(
    condition: &crate::domain::Condition,
    spec: &super::model::RelapseDiagnoses,
) -> bool {
    super::diagnosis_names::condition_matches(
        condition,
        &spec.remission_icd10,
        &spec.remission_snomed,
        &[],
    ) || condition.displays().any(|words| {
        spec.remission_names
            .iter()
            .any(|name| super::diagnosis_names::mentions(words, name))
            && !spec
                .remission_denied_by
                .iter()
                .any(|denial| super::words::contains_words(words, denial))
    })
}

/// Whether a diagnosis is coded or named as a relapse (`icd10`, `snomed`, `names`).
fn relapse_by_name(
    condition: &crate::domain::Condition,
    spec: &super::model::RelapseDiagnoses,
) -> bool {
    super::diagnosis_names::condition_matches(condition, &spec.icd10, &spec.snomed, &spec.names)
}

/// Whether a diagnosis's words name a relapse only to deny it ("Acute myeloid leukaemia, no
/// evidence of relapse", CR-5): no relapse by its name, nor a disease begun anew by its onset,
/// since it says the disease has not come back.
fn relapse_denied(
    condition: &crate::domain::Condition,
    spec: &super::model::RelapseDiagnoses,
) -> bool {
    condition.displays().any(|words| {
        spec.names.iter().any(|name| {
            super::words::contains_words(words, name)
                && !super::diagnosis_names::mentions(words, name)
        })
    })
}

/// A diagnosis in remission read as a response (see [`remission_diagnosis_days`]).
pub(super) struct DiagnosedRemission {
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub response: Response,
    /// The diagnosis, its day and what it was read as, in words.
    pub words: String,
}

/// The diagnoses of the rule set's condition coded or named as in remission (ICD-10-CM C92.01,
/// C90.01: review H3, ON-2), each read as `remission_response` on its onset, else the day it was
/// recorded (an onset of a month or a year alone is every day of it). A code says remission
/// at its date, not its depth (CR or PR, CR or CRi): the response is the least the rule set's
/// remission can be, and the words say it was read from the code. A diagnosis also coded or
/// named as a relapse, refuted, differential or provisional, is none. None when the rule set
/// reads no remission from a diagnosis.
pub(super) fn remission_diagnosis_days(
    record: &PatientRecord,
    set: &RuleSet,
    today: NaiveDate,
) -> Vec<DiagnosedRemission> {
    let Some(spec) = set.lines.relapse_diagnoses.as_ref() else {
        return Vec::new();
    };
    let Some(response) = spec
        .remission_response
        .as_deref()
        .and_then(Response::parse_any)
    else {
        return Vec::new();
    };
    standing_diagnoses(record, set)
        .filter(|c| in_remission_by_name(c, spec) && !relapse_by_name(c, spec))
        .filter_map(|condition| {
            let (first, last) = diagnosis_days(condition.onset, condition.onset_precision, today)
                .or_else(|| {
                diagnosis_days(condition.recorded, condition.recorded_precision, today)
            })?;
            Some(DiagnosedRemission {
                first,
                last,
                response,
                words: format!(
                    "{response} read from the diagnosis {} ({}) {} (a diagnosis in remission \
                     says remission, not its depth)",
                    condition.display,
                    condition.code,
                    since_words(first, last)
                ),
            })
        })
        .collect()
}

/// A remission of the line begun on `line_start` read from its measurements, with no response
/// recorded for it (review G3-2): the response marrow of its induction as `induction_failure`
/// reads it (the last, or first, marrow within `assessment_days` of the start and before
/// `start`) with blasts below the cut-off, and the best blood counts of its recovery up to
/// `start` those of one of `remission_continues` (ELN 2017: ANC >= 1.0 and platelets >= 100 x
/// 10^9/L, CR; one of them, CRi; neither, MLFS, no remission). A disease status recorded for the
/// induction (after its start, up to the marrow's day) decides instead, as in
/// `induction_failure`: blasts below the cut-off do not overrule a recorded response short of
/// CR. The marrow's day, and the words saying what was read (the measurements, their days and
/// values).
fn derived_remission(
    record: &PatientRecord,
    set: &RuleSet,
    line_start: NaiveDate,
    start: NaiveDate,
    today: NaiveDate,
) -> Option<(NaiveDate, String)> {
    let spec = set
        .criteria
        .iter()
        .find_map(|c| c.induction_failure.as_ref())?;
    let last_day =
        |o: &crate::domain::Observation| o.last_local_day().min(today).max(o.local_day());
    let until = shift(line_start, spec.assessment_days);
    let in_window = record
        .observations
        .iter()
        .filter(|o| super::selectors::selects(&spec.blasts, o))
        .filter(|o| o.local_day() > line_start && last_day(o) <= until && last_day(o) < start);
    let marrow = if spec.response_marrow == "first" {
        in_window.min_by_key(|o| o.effective)
    } else {
        in_window.max_by_key(|o| o.effective)
    }?;
    let recorded_response = disease_statuses(record, today)
        .any(|status| status.first > line_start && status.first <= last_day(marrow));
    if recorded_response
        || super::recovery::blasts_unreadable(marrow).is_some()
        || marrow.beyond("below", spec.blasts_remission_below) != Some(true)
    {
        return None;
    }
    let blasts = format!(
        "marrow blasts {} {}",
        super::recovery::blasts_text(marrow),
        on_day(&marrow.day_text(), marrow.effective_precision.is_day())
    );
    let wanted: Vec<Response> = set
        .lines
        .remission_continues
        .iter()
        .filter_map(|name| Response::parse_any(name))
        .collect();
    let Some(recovery) = spec.recovery.as_ref() else {
        return Some((
            marrow.local_day(),
            format!("in remission from {blasts} (morphologic remission; no response recorded)"),
        ));
    };
    let reading = super::recovery::at_marrow(
        super::recovery::Records { record, today },
        recovery,
        marrow,
        line_start,
        (start, start),
        "the induction",
    );
    let super::recovery::Reading::Counts { anc, platelets } = reading else {
        return None;
    };
    let classified = super::recovery::classify(recovery, &anc, &platelets, &wanted).ok()?;
    wanted.contains(&classified.response).then(|| {
        (
            marrow.local_day(),
            format!(
                "courses after it in remission: {} read from {blasts} and {} (ELN 2017; no response recorded)",
                super::recovery::response_text(&classified, &wanted),
                super::recovery::counts_text(&anc, &platelets)
            ),
        )
    })
}

/// Whether every drug of `given` is one of `ingredients` (a role the rule set names).
fn all_of(given: &Given<'_>, ingredients: &[String]) -> bool {
    !given.drugs.is_empty()
        && given.drugs.iter().all(|drug| {
            ingredients
                .iter()
                .any(|name| name.eq_ignore_ascii_case(&drug.ingredient))
        })
}

/// Removes cytoreduction given just before a regimen (hydroxyurea days -2 to +2 of 7+3, or for
/// weeks while the genetics are awaited): it is no line and does not start the regimen's (its
/// first day would cut off a drug the protocol starts on day 8). Choice: judged by the course,
/// not by the record: the records of a cytoreduction drug at most [`CYCLE_DOSE_GAP_DAYS`] apart
/// (one record a day, or one order) are one course, and every record of a course whose last day
/// is within `cytoreduction_days` before a regimen's start (or that is still given when it
/// starts) is cytoreduction, however long ago the course began. A course followed by no other
/// drug of the lines within the window (hydroxyurea alone, for palliation) stays a line.
fn drop_cytoreduction(counted: &mut Vec<&Given<'_>>, set: &RuleSet) {
    let params = &set.lines;
    if params.cytoreduction.is_empty() {
        return;
    }
    let only = |g: &Given<'_>| all_of(g, &params.cytoreduction);
    let reach = |g: &Given<'_>| g.end().unwrap_or_else(|| g.start());
    // Courses, as (first day, last day, indexes of their records), `counted` being by start.
    let mut courses: Vec<(NaiveDate, NaiveDate, Vec<usize>)> = Vec::new();
    for (index, g) in counted.iter().enumerate().filter(|(_, g)| only(g)) {
        match courses.last_mut() {
            Some((_, last, members)) if g.start() <= shift(*last, CYCLE_DOSE_GAP_DAYS) => {
                *last = (*last).max(reach(g));
                members.push(index);
            }
            _ => courses.push((g.start(), reach(g), vec![index])),
        }
    }
    let mut dropped = vec![false; counted.len()];
    for (first, last, members) in courses {
        let before_a_regimen = counted.iter().any(|other| {
            !only(other)
                && other.start() >= first
                && other.start() <= shift(last, params.cytoreduction_days)
        });
        if before_a_regimen {
            for index in members {
                if let Some(flag) = dropped.get_mut(index) {
                    *flag = true;
                }
            }
        }
    }
    let mut flags = dropped.into_iter();
    counted.retain(|_| !flags.next().unwrap_or(false));
}

fn ingredients_of<'g>(given: &'g Given<'_>, set: &RuleSet) -> impl Iterator<Item = &'g str> + 'g {
    drugs_of(given, set).map(|d| d.ingredient.as_str())
}

/// The drugs of `given` that make lines.
fn drugs_of<'g>(
    given: &'g Given<'_>,
    set: &RuleSet,
) -> impl Iterator<Item = &'g super::drugs::Drug> + 'g {
    let classes = set.lines.classes.clone();
    given
        .drugs
        .iter()
        .copied()
        .filter(move |d| classes.is_empty() || classes.iter().any(|c| d.has_class(c)))
}

/// The active drugs of `given` that make lines (see [`super::drugs::Drug::moiety`]): what a new
/// line's drug must differ in, so that a prodrug and then its active drug (fosphenytoin, then
/// phenytoin by mouth) continue one line rather than switch to another.
fn moieties_of<'g>(given: &'g Given<'_>, set: &RuleSet) -> impl Iterator<Item = &'g str> + 'g {
    drugs_of(given, set).map(super::drugs::Drug::moiety)
}

struct Building<'g> {
    start: NaiveDate,
    /// Whether `start` is only the latest day the line's first drug can have started (a
    /// month or a year only, an end alone, a single date: see
    /// [`crate::domain::DrugExposure::start_is_approximate`]).
    start_approximate: bool,
    members: Vec<&'g Given<'g>>,
    ingredients: BTreeSet<String>,
    cut_reason: String,
}

/// Whether a drug record started within a planned sequence is a part of it (conditioning,
/// mobilisation, what follows a transplant, maintenance). It continues the current line only
/// with no progression since the line began (the caller's to read). A transplant dated by a
/// month or a year alone (or an age) makes a part only where every day of it would; where
/// only some would (`Between::Maybe`), its day decides, and the caller cuts the line saying so,
/// as for a progression of a month (never read on the month's first day).
fn planned_part(plan: &Plan, set: &RuleSet, line_start: NaiveDate, given: &Given<'_>) -> Between {
    let params = &set.lines;
    if given.exposure.role == Some(DrugRole::Maintenance) {
        return Between::Surely;
    }
    let start = given.start();
    let from = shift(line_start, -params.conditioning_days);
    let mut readings = Vec::new();
    if all_of(given, &params.conditioning) {
        let reading = plan.transplant_between(
            shift(start, -params.conditioning_days),
            shift(start, params.conditioning_days),
        );
        if params.conditioning_in_transplant_month && reading.may_have() {
            return Between::Surely;
        }
        readings.push(reading);
    }
    // Mobilisation chemotherapy is part of the transplant it collects the cells for (IMWG 2015).
    if all_of(given, &params.mobilisation) {
        readings.push(plan.transplant_between(start, shift(start, params.mobilisation_days)));
    }
    // After a transplant (from the line's start on), within `post_transplant_days` of it: a
    // transplant's every day must be on or before the start and within the days before it.
    readings
        .push(plan.transplant_between(shift(start, -params.post_transplant_days).max(from), start));
    if readings.iter().any(|r| matches!(r, Between::Surely)) {
        return Between::Surely;
    }
    readings
        .into_iter()
        .find(Between::may_have)
        .unwrap_or(Between::No)
}

/// What a drug record of a cell therapy's sequence (bridging, lymphodepletion, the infusion)
/// does to the lines.
enum CellTherapyStep {
    /// It joins the current line: the line is the cell therapy's (its bridging, its
    /// lymphodepletion).
    Continue,
    /// Lymphodepletion after another line: it starts the cell therapy's line.
    Start(String),
}

/// The step `given` is of a cell therapy's sequence, if it is one: the infusion itself, or
/// lymphodepletion within `lymphodepletion_days` before one. The current line is the cell
/// therapy's when it started within `lymphodepletion_days` before the infusion, or, being a
/// later line (not the first), within `bridging_days` before it: bridging between the
/// collection of the cells and their infusion belongs to the CAR T line (ZUMA-1, ZUMA-7,
/// TRANSCEND count prior lines without it). Choice: a regimen on which the disease progressed
/// before the lymphodepletion window (a progression recorded after its first day and more than
/// `lymphodepletion_days` before the infusion: during it or within its response window) was
/// assessed and failed before the CAR T: it is a line of its own, not bridging. A progression
/// within `lymphodepletion_days` before the infusion is the pre-lymphodepletion restaging, a
/// bridging failure: the infusion was planned and the bridging stays the CAR T line's.
fn cell_therapy_step(
    plan: &Plan,
    set: &RuleSet,
    current_start: NaiveDate,
    earlier_lines: usize,
    given: &Given<'_>,
) -> Option<CellTherapyStep> {
    let params = &set.lines;
    let start = given.start();
    let infusion_itself = !params.cell_therapy_classes.is_empty()
        && given.has_any_class(&params.cell_therapy_classes);
    let infusion = if infusion_itself {
        start
    } else if all_of(given, &params.lymphodepletion) {
        plan.infusion(start, shift(start, params.lymphodepletion_days))?
    } else {
        return None;
    };
    let its_own = current_start >= shift(infusion, -params.lymphodepletion_days);
    // A progression of a month or a year alone only some of whose days fall before the
    // lymphodepletion window makes the regimen a line of its own, said (as a planned
    // sequence's part in `derive_regimens`).
    let assessed_until = shift(infusion, -params.lymphodepletion_days - 1);
    let failed_before = plan.progressed(current_start, assessed_until);
    let bridging = params.bridging_days > 0
        && earlier_lines > 0
        && current_start >= shift(infusion, -params.bridging_days)
        && !failed_before.may_have();
    if current_start <= infusion && (its_own || bridging) {
        Some(CellTherapyStep::Continue)
    } else if infusion_itself {
        None
    } else {
        Some(CellTherapyStep::Start(format!(
            "lymphodepletion for the cell therapy on {infusion}{}",
            failed_before.untold(current_start, assessed_until)
        )))
    }
}

/// A transplant around `start` that is not part of a planned tandem with the current line's
/// first transplant, as the reason to cut a new line.
fn unplanned_transplant(
    plan: &Plan,
    set: &RuleSet,
    line_start: NaiveDate,
    start: NaiveDate,
) -> Option<String> {
    let params = &set.lines;
    let from = shift(line_start, -params.conditioning_days);
    let first = plan.transplants(from, start).next()?;
    let (near_from, near_to) = (
        shift(start, -params.conditioning_days),
        shift(start, params.conditioning_days),
    );
    // A transplant dated by a month or a year alone is a later one only where it is whatever
    // its day; where only some of its days would make it one, its day decides, said.
    let dated =
        |(day_one, day_last): (NaiveDate, NaiveDate)| super::dates::dated(day_one, day_last);
    let surely = plan.transplants(near_from, near_to).find(|later| {
        later.0 >= near_from && later.1 <= near_to && later.0 > shift(first.1, params.tandem_days)
    });
    if let Some(later) = surely {
        let (on_later, on_first) = (dated(later), dated(first));
        return Some(format!(
            "transplant on {on_later} is not part of a planned tandem with the one on {on_first}"
        ));
    }
    let maybe = plan
        .transplants(near_from, near_to)
        .find(|later| later.1 > shift(first.0, params.tandem_days))?;
    Some(format!(
        "transplant on {} (dated so alone) may or may not be part of a planned tandem with the \
         one on {} or around the start on {start}: its day cannot be told",
        dated(maybe),
        dated(first)
    ))
}

fn derive_regimens(
    counted: &[&Given<'_>],
    set: &RuleSet,
    record: &PatientRecord,
    plan: Option<&Plan>,
    today: NaiveDate,
) -> Vec<TreatmentLine> {
    let mut lines: Vec<Building<'_>> = Vec::new();
    // The records that joined a line after its regimen window only because their drug was
    // already in it (a renewal): the ones a later line's cut may claim (see `new_courses`).
    let mut renewals: BTreeSet<i64> = BTreeSet::new();
    for given in counted {
        let start = given.start();
        let names: BTreeSet<String> = ingredients_of(given, set).map(str::to_owned).collect();
        // Why a part of a planned sequence was not read as one, when only a day never given
        // could tell: said in the cut of the line it starts.
        let mut untold = String::new();
        let Some(current) = lines.last_mut() else {
            lines.push(Building {
                start,
                start_approximate: given.exposure.start_is_approximate(),
                members: vec![given],
                ingredients: names,
                cut_reason: String::from("first line"),
            });
            continue;
        };
        // A course acts past its last infusion (`Given::treats_until`): a retreatment at the
        // drug's usual interval continues the line, as a maintenance cycle does.
        let last_end = current
            .members
            .iter()
            .map(|g| g.treats_until(set, today))
            .max()
            .unwrap_or(current.start);
        // A start known only as its latest day (a year, a month, an end alone) is a range: the
        // drug is in the regimen only where it is whatever the day. The range's first day is
        // not kept, so that is known only where the two were surely given together (each
        // given on a day the other surely was); a drug stopped before the other began, as far
        // as the records say, stays apart (a combination no record states is never invented),
        // and what needs its start says it is missing.
        let within_window = start <= shift(current.start, set.lines.regimen_window_days)
            && (!(current.start_approximate || given.exposure.start_is_approximate())
                || current
                    .members
                    .iter()
                    .any(|member| surely_together(member, given, today)));
        let current_moieties: BTreeSet<&str> = current
            .members
            .iter()
            .copied()
            .flat_map(|g| moieties_of(g, set))
            .collect();
        let is_new = !moieties_of(given, set).all(|m| current_moieties.contains(m));
        if let Some(plan) = plan {
            if let Some(reason) = unplanned_transplant(plan, set, current.start, start) {
                lines.push(Building {
                    start,
                    start_approximate: given.exposure.start_is_approximate(),
                    members: vec![given],
                    ingredients: names,
                    cut_reason: reason,
                });
                continue;
            }
            let earlier_lines = lines.len() - 1;
            let Some(current) = lines.last_mut() else {
                continue;
            };
            match cell_therapy_step(plan, set, current.start, earlier_lines, given) {
                Some(CellTherapyStep::Continue) => {
                    current.ingredients.extend(names);
                    current.members.push(given);
                    continue;
                }
                Some(CellTherapyStep::Start(reason)) => {
                    lines.push(Building {
                        start,
                        start_approximate: given.exposure.start_is_approximate(),
                        members: vec![given],
                        ingredients: names,
                        cut_reason: reason,
                    });
                    continue;
                }
                None => {}
            }
            // A part of the planned sequence continues the line unless the disease progressed
            // since it began. A progression dated by a month or a year alone that only some of
            // its days put there ends the sequence too, and the line cut says so: the
            // criteria, reading it against the new line's start, leave what its day decides
            // undecided, rather than finding it on one line by a day the record never gave.
            match planned_part(plan, set, current.start, given) {
                Between::Surely => {
                    let progressed = plan.progressed(current.start, start);
                    if !progressed.may_have() {
                        current.ingredients.extend(names);
                        current.members.push(given);
                        continue;
                    }
                    untold = progressed.untold(current.start, start);
                }
                Between::Maybe(first, last) => {
                    untold = format!(
                        " (a transplant dated {} alone may or may not make this part of the \
                         planned sequence begun {}: its day cannot be told)",
                        super::dates::dated(first, last),
                        current.start
                    );
                }
                Between::No => {}
            }
            // IMWG 2015: a regimen restarted after a relapse off therapy is a new line, though
            // its drugs are the line's and the pause shorter than the gap limit.
            if let Some(days) = set.lines.relapse_off_therapy_days
                && let Some(relapse) = plan.relapse_off_therapy(last_end, start, days)
            {
                let dated = super::dates::dated(relapse.first, relapse.last);
                let reason = if !relapse.surely {
                    format!(
                        "restarted after a progression off therapy dated {dated} alone: whether more than {days} \
                         days after the last dose ({last_end}) and before the restart cannot \
                         be told"
                    )
                } else if relapse.last > relapse.first {
                    format!(
                        "restarted after a progression off therapy dated {dated} alone, more than {days} days \
                         after the last dose"
                    )
                } else {
                    format!(
                        "restarted after a progression off therapy on {}, {} days after the last dose",
                        relapse.first,
                        (relapse.first - last_end).num_days()
                    )
                };
                lines.push(Building {
                    start,
                    start_approximate: given.exposure.start_is_approximate(),
                    members: vec![given],
                    ingredients: names,
                    cut_reason: reason,
                });
                continue;
            }
        }
        let Some(current) = lines.last_mut() else {
            continue;
        };
        let relapse = match in_remission(record, set, current.start, start, today) {
            Remission::Continues(derived) => {
                // How the remission was read, when no response was recorded: said once, in the
                // line's reason.
                if let Some(words) = derived
                    && !current.cut_reason.contains(&words)
                {
                    current.cut_reason = format!("{}; {words}", current.cut_reason);
                }
                current.ingredients.extend(names);
                current.members.push(given);
                continue;
            }
            Remission::Relapsed(words) => Some(words),
            Remission::None => None,
        };
        // A recorded relapse after the line's remission ends the line (review G3-1): the
        // course after it is the next line, whatever its drugs or pause, said.
        if let Some(words) = relapse.filter(|_| !within_window) {
            let gap = (start - last_end).num_days();
            let reason = if gap > 0 {
                format!("{words}; {gap} days without treatment")
            } else {
                words
            };
            lines.push(Building {
                start,
                start_approximate: given.exposure.start_is_approximate(),
                members: vec![given],
                ingredients: names,
                cut_reason: reason,
            });
            continue;
        }
        if start > shift(last_end, set.lines.gap_days) {
            let reason = format!(
                "gap of {} days without treatment",
                (start - last_end).num_days()
            );
            lines.push(Building {
                start,
                start_approximate: given.exposure.start_is_approximate(),
                members: vec![given],
                ingredients: names,
                cut_reason: reason,
            });
        } else if within_window || !is_new {
            if !within_window {
                renewals.insert(given.exposure.id);
            }
            current.ingredients.extend(names);
            current.members.push(given);
        } else {
            // A drug of the line begun again with the new drug (rituximab of R-CHOP, then of
            // R-ICE) is the new regimen's, not a continuation of the line it ended.
            let restarted = new_courses(current, &renewals, start, set);
            current
                .members
                .retain(|m| !restarted.iter().any(|r| r.exposure.id == m.exposure.id));
            // A new drug after the window: a new line, carrying the drugs still given, except
            // those withdrawn within the cross-taper window (a switch made gradually: the old
            // drug was being tapered off, not kept beside the new one).
            let taper_until = shift(start, set.lines.cross_taper_days);
            let (carried, withdrawn): (Vec<&Given<'_>>, Vec<&Given<'_>>) = current
                .members
                .iter()
                .copied()
                .filter(|g| g.end().is_none_or(|end| end > start))
                .partition(|g| {
                    set.lines.cross_taper_days == 0
                        || g.end().is_none_or(|end| end > taper_until || end >= today)
                });
            let tapered: BTreeSet<&str> = withdrawn
                .iter()
                .flat_map(|g| ingredients_of(g, set))
                .collect();
            let mut ingredients: BTreeSet<String> = carried
                .iter()
                .flat_map(|g| ingredients_of(g, set).map(str::to_owned))
                .collect();
            let added: Vec<String> = drugs_of(given, set)
                .filter(|d| !current_moieties.contains(d.moiety()))
                .map(|d| d.ingredient.clone())
                .collect();
            let reason = if carried.is_empty() && tapered.is_empty() {
                format!("switch to {}", added.join(" + "))
            } else if carried.is_empty() {
                format!(
                    "switch to {} ({} withdrawn within the {}-day cross-taper window)",
                    added.join(" + "),
                    tapered.into_iter().collect::<Vec<_>>().join(" + "),
                    set.lines.cross_taper_days
                )
            } else {
                format!(
                    "{} added after the {}-day regimen window",
                    added.join(" + "),
                    set.lines.regimen_window_days
                )
            };
            let reason = format!("{reason}{untold}");
            ingredients.extend(names);
            ingredients.extend(
                restarted
                    .iter()
                    .flat_map(|g| ingredients_of(g, set).map(str::to_owned)),
            );
            let first = restarted
                .iter()
                .copied()
                .filter(|g| g.start() < start)
                .min_by_key(|g| (g.start(), g.exposure.id));
            let mut members = carried;
            members.extend(restarted.iter().copied());
            members.push(given);
            lines.push(Building {
                start: first.map_or(start, Given::start),
                start_approximate: first.unwrap_or(given).exposure.start_is_approximate(),
                members,
                ingredients,
                cut_reason: reason,
            });
        }
    }
    finish(lines, set, record, today)
}

/// The records of `line` that begin a new course of one of its drugs together with a new drug
/// starting on `start` (review11 R11-4): renewals (joined after the line's regimen window only
/// because their drug was in it) started within the regimen window before `start`, after a
/// pause in that drug longer than [`CYCLE_DOSE_GAP_DAYS`] (the same drug's earlier records in
/// the line all ended before it, as courses are told in `drop_cytoreduction`). They are the new
/// regimen's: the line ends where its own courses end, with their stop reasons, however the
/// records of one day are ordered. A drug given on without a pause (lenalidomide renewed each
/// cycle when daratumumab is added) is carried into the new line as before, and ends the old
/// line only where the new line starts.
fn new_courses<'g>(
    line: &Building<'g>,
    renewals: &BTreeSet<i64>,
    start: NaiveDate,
    set: &RuleSet,
) -> Vec<&'g Given<'g>> {
    let from = shift(start, -set.lines.regimen_window_days);
    line.members
        .iter()
        .copied()
        .filter(|m| renewals.contains(&m.exposure.id) && m.start() >= from && m.start() <= start)
        .filter(|m| {
            let moieties: BTreeSet<&str> = moieties_of(m, set).collect();
            line.members
                .iter()
                .filter(|earlier| {
                    earlier.exposure.id != m.exposure.id
                        && earlier.start() < m.start()
                        && moieties_of(earlier, set).any(|e| moieties.contains(e))
                })
                .all(|earlier| {
                    earlier
                        .end()
                        .is_some_and(|end| shift(end, CYCLE_DOSE_GAP_DAYS) < m.start())
                })
        })
        .collect()
}

/// Whether two drug records were surely given on a common day: the days each surely covers
/// (from the latest it can have started to the last it is known given, or `today` while
/// ongoing) meet.
fn surely_together(one: &Given<'_>, other: &Given<'_>, today: NaiveDate) -> bool {
    let until = |g: &Given<'_>| g.end().unwrap_or(today);
    one.start() <= until(other) && other.start() <= until(one)
}

/// The lines of an emergency treated in stages (status epilepticus): per episode, one line per
/// stage given (first line, second line, anaesthesia), as a neurologist reads the episode. An
/// episode begins with a drug of the first stage given as an emergency dose (a bolus: not by
/// mouth, not on a schedule, not as needed or as maintenance, not a course given past the
/// episode's hours) and lasts `episode_hours`, or to
/// the end of an anaesthetic infusion begun in it (a breakthrough dose while it is weaned is
/// still of the episode). A drug in a maintenance role, on a schedule or as needed, and one
/// started after the episode (levetiracetam or clobazam continued on the ward days later) is no
/// line of it: the dashboard lists it among the drugs in no line. A drug of several stages
/// (midazolam: a benzodiazepine and an anaesthetic) is of the later stage when infused, else of
/// the earlier.
fn derive_episode_stages(
    counted: &[&Given<'_>],
    set: &RuleSet,
    record: &PatientRecord,
    today: NaiveDate,
) -> Vec<TreatmentLine> {
    let stages = &set.lines.episode_stages;
    let stage_of = |given: &Given<'_>| -> Option<usize> {
        let matching: Vec<usize> = stages
            .iter()
            .enumerate()
            .filter(|(_, classes)| given.has_any_class(classes))
            .map(|(index, _)| index)
            .collect();
        if given.is_infusion() {
            matching.last().copied()
        } else {
            matching.first().copied()
        }
    };
    let acute = |given: &Given<'_>| !given.is_maintenance();
    let mut lines: Vec<Building<'_>> = Vec::new();
    let mut episode: Vec<(usize, Building<'_>)> = Vec::new();
    let mut episode_end: Option<chrono::NaiveDateTime> = None;
    for given in counted.iter().copied().filter(|g| acute(g)) {
        let Some(stage) = stage_of(given) else {
            continue;
        };
        let start = given.exposure.start;
        if episode_end.is_none_or(|end| start > end) {
            let reach = start + chrono::Duration::hours(set.lines.episode_hours);
            // A course still given past the episode's hours (clobazam from a day on, with no
            // end) is maintenance, whatever its record says of its route or schedule.
            let a_course = given.exposure.end.is_none_or(|end| end > reach);
            if stage != 0 || a_course || !given.is_first_line_bolus() {
                continue;
            }
            close(&mut episode, &mut lines);
            episode_end = Some(reach);
        }
        if stage + 1 == stages.len()
            && given.is_infusion()
            && let Some(end) = given.exposure.end
        {
            episode_end = episode_end.map(|episode_end| episode_end.max(end));
        }
        let names = ingredients_of(given, set).map(str::to_owned);
        match episode.iter_mut().find(|(s, _)| *s == stage) {
            Some((_, building)) => {
                building.ingredients.extend(names);
                building.members.push(given);
            }
            None => episode.push((
                stage,
                Building {
                    start: given.start(),
                    start_approximate: given.exposure.start_is_approximate(),
                    members: vec![given],
                    ingredients: names.collect(),
                    cut_reason: stage_words(stage, stages.len()),
                },
            )),
        }
    }
    close(&mut episode, &mut lines);
    finish(lines, set, record, today)
}

/// Ends an episode: its stages become lines, in the order of the stages.
fn close<'g>(episode: &mut Vec<(usize, Building<'g>)>, lines: &mut Vec<Building<'g>>) {
    episode.sort_by_key(|(stage, building)| (*stage, building.start));
    lines.extend(episode.drain(..).map(|(_, building)| building));
}

/// Why a stage's line was cut: the stage it is.
fn stage_words(stage: usize, stages: usize) -> String {
    match stage {
        0 => String::from("first line of the episode"),
        1 if stages > 2 => String::from("second line of the episode"),
        _ if stage + 1 == stages => String::from("anaesthesia: the episode's last stage"),
        _ => format!("stage {} of the episode", stage + 1),
    }
}

fn derive_step_care(
    counted: &[&Given<'_>],
    set: &RuleSet,
    record: &PatientRecord,
    today: NaiveDate,
) -> Vec<TreatmentLine> {
    // Every start and end is a moment the class set may change.
    let mut moments: BTreeSet<NaiveDate> = BTreeSet::new();
    for given in counted {
        moments.insert(given.start());
        if let Some(end) = given.end()
            && end < today
        {
            moments.insert(shift(end, 1));
        }
    }
    let classes_on = |day: NaiveDate| -> (BTreeSet<String>, Vec<&Given<'_>>) {
        let active: Vec<&Given<'_>> = counted
            .iter()
            .copied()
            .filter(|g| g.exposure.active_on(day))
            .collect();
        (class_groups(&active, set), active)
    };
    let mut lines: Vec<Building<'_>> = Vec::new();
    let mut previous: BTreeSet<String> = BTreeSet::new();
    for day in moments {
        let (classes, active) = classes_on(day);
        if classes.is_empty() || classes == previous {
            if !classes.is_empty()
                && let Some(current) = lines.last_mut()
            {
                for given in active {
                    if !current
                        .members
                        .iter()
                        .any(|m| m.exposure.id == given.exposure.id)
                    {
                        current.members.push(given);
                    }
                }
            }
            previous = classes;
            continue;
        }
        let reason = if lines.is_empty() {
            String::from("first line")
        } else {
            let added: Vec<&String> = classes.difference(&previous).collect();
            let removed: Vec<&String> = previous.difference(&classes).collect();
            let mut parts = Vec::new();
            if !added.is_empty() {
                parts.push(format!("added {}", join_classes(&added)));
            }
            if !removed.is_empty() {
                parts.push(format!("stopped {}", join_classes(&removed)));
            }
            format!("class change: {}", parts.join(", "))
        };
        let ingredients = active
            .iter()
            .flat_map(|g| ingredients_of(g, set).map(str::to_owned))
            .collect();
        lines.push(Building {
            start: day,
            start_approximate: false,
            members: active,
            ingredients,
            cut_reason: reason,
        });
        previous = classes;
    }
    finish(lines, set, record, today)
}

/// The class groups (step care) the drugs of `given` belong to, as the criteria count them.
fn class_groups(given: &[&Given<'_>], set: &RuleSet) -> BTreeSet<String> {
    given
        .iter()
        .flat_map(|g| g.drugs.iter())
        .flat_map(|d| d.classes.iter())
        .filter(|c| set.lines.classes.is_empty() || set.lines.classes.contains(c))
        .filter(|c| c.as_str() != "antihypertensive")
        .map(|c| set.lines.group_of(c).to_owned())
        .collect()
}

fn join_classes(classes: &[&String]) -> String {
    classes
        .iter()
        .map(|c| c.replace('_', " "))
        .collect::<Vec<_>>()
        .join(", ")
}

fn finish(
    lines: Vec<Building<'_>>,
    set: &RuleSet,
    record: &PatientRecord,
    today: NaiveDate,
) -> Vec<TreatmentLine> {
    let count = lines.len();
    let mut out = Vec::with_capacity(count);
    let starts: Vec<NaiveDate> = lines.iter().map(|l| l.start).collect();
    for (index, line) in lines.into_iter().enumerate() {
        let next_start = starts.get(index + 1).copied();
        // A depot injection read as a course (`[lines] depot_grace_share`) treats until its
        // label interval has passed: a line of 6-monthly injections ends six months after the
        // last, not on its day.
        let reach = |g: &Given<'_>| {
            let end = g.end();
            match g.depot_course_days(set) {
                Some(days) => end.map(|end| end.max(shift(g.start(), days))),
                None => end,
            }
        };
        let ongoing = line
            .members
            .iter()
            .any(|g| reach(g).is_none_or(|end| end >= today));
        // A line ends when its last drug stops, or when the next line takes over while some of
        // its drugs still run (an add-on, a switch without a pause).
        let last_stop = if ongoing {
            None
        } else {
            line.members.iter().filter_map(|g| reach(g)).max()
        };
        let end = match (last_stop, next_start) {
            (Some(stop), Some(next)) => Some(stop.min(next)),
            (Some(stop), None) => Some(stop),
            (None, Some(next)) => Some(next),
            (None, None) => None,
        };
        // The stop reason of the drugs that stopped where the line ended: within the regimen
        // window of its end, either side. A drug tapered off after the next line began (a
        // cross-taper, see `derive_regimens`) stops up to the cross-taper window after it; a
        // drug stopped earlier while the others went on is a partial stop, which does not end
        // a line (IMWG), so the wider window never reaches back before the end.
        let window = set.lines.regimen_window_days;
        let tapered_until = match (end, next_start) {
            (Some(end), Some(next)) if end == next => window.max(set.lines.cross_taper_days),
            _ => window,
        };
        let stopping: Vec<StopReason> = line
            .members
            .iter()
            .filter(|g| {
                reach(g).is_some_and(|e| {
                    end.is_some_and(|end| {
                        let after = (e - end).num_days();
                        // `-after` (a day count) cannot overflow; `-window` could.
                        -after <= window && after <= tapered_until
                    })
                })
            })
            .filter_map(|g| g.exposure.stop_reason)
            .collect();
        let stop_reason = stopping
            .first()
            .copied()
            .filter(|first| stopping.iter().all(|r| r == first));
        // A stage of an emergency episode is given in hours, not in cycles: its doses (a load,
        // a repeat bolus) are no cycles to count; nor are a drug's given where no regimen is
        // given in cycles (see `counts_cycles`).
        let cycles = if set.lines.counts_cycles && set.lines.episode_stages.is_empty() {
            let (members, from) = cell_therapy_part(&line.members, set, line.start);
            cycles_given(record, set, &members, from, end)
        } else {
            None
        };
        let drugs: Vec<LineDrug> = line
            .members
            .iter()
            .flat_map(|g| {
                ingredients_of(g, set).map(move |ingredient| LineDrug {
                    ingredient: ingredient.to_owned(),
                    dose: g.exposure.dose.clone(),
                    exposure_id: Some(g.exposure.id),
                })
            })
            .fold(Vec::new(), |mut acc: Vec<LineDrug>, drug| {
                if !acc.iter().any(|d| d.ingredient == drug.ingredient) {
                    acc.push(drug);
                }
                acc
            });
        let regimen = if set.lines.step_care {
            let classes = class_groups(&line.members, set);
            if line.ingredients.len() == 1 {
                line.ingredients.iter().next().cloned().unwrap_or_default()
            } else {
                format!("{} classes", classes.len())
            }
        } else {
            // A prodrug and its active drug are one drug of the regimen: "fosphenytoin/phenytoin".
            let moiety_of: std::collections::BTreeMap<&str, &str> = line
                .members
                .iter()
                .copied()
                .flat_map(|g| drugs_of(g, set))
                .map(|d| (d.ingredient.as_str(), d.moiety()))
                .collect();
            let mut by_moiety: std::collections::BTreeMap<&str, Vec<&str>> =
                std::collections::BTreeMap::new();
            for name in &line.ingredients {
                by_moiety
                    .entry(moiety_of.get(name.as_str()).copied().unwrap_or(name))
                    .or_default()
                    .push(name);
            }
            by_moiety
                .values()
                .map(|names| names.join("/"))
                .collect::<Vec<_>>()
                .join(" + ")
        };
        out.push(TreatmentLine {
            id: -(index as i64 + 1),
            ruleset: set.id.clone(),
            number: index as u32 + 1,
            regimen,
            start: line.start,
            end,
            intent: None,
            best_response: None,
            best_response_date: None,
            progression_date: None,
            stop_reason,
            cycles,
            origin: LineOrigin::Derived,
            cut_reason: Some(line.cut_reason),
            drugs,
        });
    }
    out
}

/// The records of a line whose cycles are the line's, and the day they begin: all of them, or
/// for a cell therapy's line only the cell therapy's (its infusion, the lymphodepletion within
/// `lymphodepletion_days` before it, what is given from the infusion on). Choice: the bridging's
/// cycles are no cycles of the CAR T (given while the cells were made; the trials count no
/// line for it), so one CAR T is read alike with bridging or without.
fn cell_therapy_part<'g>(
    members: &[&'g Given<'g>],
    set: &RuleSet,
    start: NaiveDate,
) -> (Vec<&'g Given<'g>>, NaiveDate) {
    let params = &set.lines;
    let infusion = members
        .iter()
        .filter(|g| {
            !params.cell_therapy_classes.is_empty() && g.has_any_class(&params.cell_therapy_classes)
        })
        .map(|g| g.start())
        .filter(|day| *day > start)
        .min();
    let Some(infusion) = infusion else {
        return (members.to_vec(), start);
    };
    let lymphodepletion_from = shift(infusion, -params.lymphodepletion_days);
    let part: Vec<&'g Given<'g>> = members
        .iter()
        .copied()
        .filter(|g| {
            g.start() >= infusion
                || (g.start() >= lymphodepletion_from && all_of(g, &params.lymphodepletion))
        })
        .collect();
    let from = part.iter().map(|g| g.start()).min().unwrap_or(infusion);
    (part, from)
}

/// Doses of one drug at most this many days apart are one cycle (as doses given one at a time
/// are grouped when read: daily induction days 1-7, bortezomib days 1, 4, 8 and 11,
/// gemcitabine days 1 and 8); a longer pause starts the next cycle.
const CYCLE_DOSE_GAP_DAYS: i64 = 7;

/// A cycle of a drug of fixed cycle length brought forward by up to this many days is still
/// the next cycle (as doses given one at a time are read).
const CYCLE_EARLY_DAYS: i64 = 3;

/// One drug's records as [`regimen_rhythm`] reads them.
struct Rhythm<'g> {
    drug: &'g str,
    /// The first days of its groups split by pauses of more than [`CYCLE_DOSE_GAP_DAYS`].
    groups: Vec<NaiveDate>,
    last_end: NaiveDate,
    /// The first days of its groups split by more than [`CYCLE_DOSE_GAP_DAYS`] between one
    /// record's start and the next's alone (orders per cycle that follow on: see
    /// [`regimen_rhythm`]).
    by_start: Vec<NaiveDate>,
    last_start: NaiveDate,
}

/// The regimen's cycle length as its drugs' records show it (`[lines] cycle_rhythm_max_days`):
/// per drug with no cycle length of its own, its records of one cycle (doses grouped on import,
/// or a dated record of a cycle or less) grouped as doses are (at most [`CYCLE_DOSE_GAP_DAYS`] apart), the median days between the starts of
/// its groups; the longest of the drugs' up to the limit. `None` where the rule set reads no
/// rhythm or no drug shows one (fewer than two groups).
fn regimen_rhythm(sorted: &[&Given<'_>], set: &RuleSet) -> Option<i64> {
    let limit = set.lines.cycle_rhythm_max_days;
    if limit <= 0 {
        return None;
    }
    let mut starts: Vec<Rhythm<'_>> = Vec::new();
    for given in sorted {
        let Some(drug) = given.drugs.first() else {
            continue;
        };
        let Some(end) = given.end() else { continue };
        // A cycle of doses grouped on import, or a dated record of a cycle or less; not an
        // order of several cycles.
        let one_cycle = match given.exposure.cycles {
            Some(cycles) => cycles == 1,
            None => (end - given.start()).num_days() < set.lines.cycle_per_record_days,
        };
        if drug.cycle_days.is_some() || !one_cycle {
            continue;
        }
        let name = drug.ingredient.as_str();
        match starts.iter_mut().find(|rhythm| rhythm.drug == name) {
            Some(rhythm) => {
                if given.start() > shift(rhythm.last_end, CYCLE_DOSE_GAP_DAYS) {
                    rhythm.groups.push(given.start());
                }
                if given.start() > shift(rhythm.last_start, CYCLE_DOSE_GAP_DAYS) {
                    rhythm.by_start.push(given.start());
                }
                rhythm.last_end = rhythm.last_end.max(end);
                rhythm.last_start = given.start();
            }
            None => starts.push(Rhythm {
                drug: name,
                groups: vec![given.start()],
                last_end: end,
                by_start: vec![given.start()],
                last_start: given.start(),
            }),
        }
    }
    starts
        .iter()
        .filter_map(
            |Rhythm {
                 groups, by_start, ..
             }| {
                // Orders of one cycle each whose periods cover the whole cycle (day 1 to day 21,
                // the next from day 22: review G3-3) leave no pause between cycles: with no two
                // groups by their pauses, the days between the orders' starts are the rhythm. Only
                // then: a drug's dose changed mid-cycle (lenalidomide days 1-9, then 10-21) is one
                // cycle by its pauses, never two by its starts.
                let groups = if groups.len() < 2 { by_start } else { groups };
                let mut gaps: Vec<i64> = groups
                    .windows(2)
                    .map(|pair| (pair[1] - pair[0]).num_days())
                    .collect();
                gaps.sort_unstable();
                gaps.get(gaps.len() / 2).copied()
            },
        )
        .filter(|days| *days <= limit)
        .max()
}

/// Cycles of one drug of a line, as its records count them.
#[derive(Default)]
struct DrugCycles {
    /// Cycles its records count (doses given one at a time, a completed order's count).
    counted: Option<u32>,
    /// Its dated records that count none, grouped into cycles where `cycle_per_record_days`
    /// allows.
    records: u32,
    last_end: Option<NaiveDate>,
    /// The first day of the cycle its records are in (cycle 1 day 1 for a drug whose label
    /// gives its first dose later in cycle 1).
    cycle_start: Option<NaiveDate>,
}

/// Cycles a line gave: per drug, the cycles its records count (one per cycle of doses given
/// one at a time, or a completed order's planned count), else, where the rule set says so, its
/// dated records grouped into cycles as doses given one at a time are (a completed order per
/// dose or per cycle: by the drug book's `cycle_days` where the label fixes it, else doses at
/// most [`CYCLE_DOSE_GAP_DAYS`] apart are one cycle); the most of any drug, so that a
/// drug stopped early (bortezomib after cycle 3 of VRd) does not stand for the line. Else the
/// rule set's cycle procedures performed during the line (one per cycle).
fn cycles_given(
    record: &PatientRecord,
    set: &RuleSet,
    members: &[&Given<'_>],
    start: NaiveDate,
    end: Option<NaiveDate>,
) -> Option<u32> {
    let mut sorted: Vec<&Given<'_>> = members.to_vec();
    sorted.sort_by_key(|g| (g.exposure.start, g.exposure.id));
    let rhythm = regimen_rhythm(&sorted, set);
    let mut per_drug: Vec<(&str, DrugCycles)> = Vec::new();
    for given in sorted {
        let drug = given
            .drugs
            .first()
            .map_or(given.exposure.text.as_str(), |d| d.ingredient.as_str());
        let index = per_drug
            .iter()
            .position(|(known, _)| *known == drug)
            .unwrap_or_else(|| {
                per_drug.push((drug, DrugCycles::default()));
                per_drug.len() - 1
            });
        let Some((_, counts)) = per_drug.get_mut(index) else {
            continue;
        };
        if let Some(cycles) = given.exposure.cycles {
            // One cycle of doses grouped on import by their pauses is the regimen's cycle
            // only from a cycle length after the one before it (`regimen_rhythm`): a drug given
            // every 2 weeks in 28-day cycles counts no more cycles than the regimen gave. A
            // drug with a cycle length of its own was grouped by it on import (from cycle 1 day
            // 1, glofitamab's first dose on day 8), its cycles as they are.
            let own_length = given.drugs.first().is_some_and(|d| d.cycle_days.is_some());
            let length = rhythm.filter(|_| !own_length);
            let same_cycle = cycles == 1
                && length.is_some_and(|length| {
                    counts.cycle_start.is_some_and(|day_one| {
                        given.start() < shift(day_one, (length - CYCLE_EARLY_DAYS).max(1))
                    })
                });
            if !same_cycle {
                counts.counted = Some(counts.counted.unwrap_or(0) + cycles);
                if cycles == 1 {
                    counts.cycle_start = Some(given.start());
                }
            }
            continue;
        }
        // A record with no end (ongoing, or its end unknown) says no cycle. Records are grouped
        // into cycles as doses given one at a time are (epcoritamab ordered weekly in a 28-day
        // cycle is one cycle, R-GDP's gemcitabine days 1 and 8 one): never one cycle per record.
        let Some(record_end) = given.end() else {
            continue;
        };
        let one_cycle = (record_end - given.start()).num_days() < set.lines.cycle_per_record_days;
        let cycle_days = given.drugs.first().and_then(|d| d.cycle_days).or(rhythm);
        let next_cycle = match (counts.cycle_start, counts.last_end, cycle_days) {
            (Some(day_one), _, Some(length)) => {
                given.start() >= shift(day_one, (length - CYCLE_EARLY_DAYS).max(1))
            }
            (_, Some(last), None) => given.start() > shift(last, CYCLE_DOSE_GAP_DAYS),
            _ => true,
        };
        if next_cycle {
            let lead = given
                .drugs
                .first()
                .and_then(|d| d.first_dose_cycle_day)
                .filter(|_| counts.cycle_start.is_none())
                .map_or(0, |day| day - 1);
            counts.cycle_start = Some(shift(given.start(), -lead));
        }
        if one_cycle && next_cycle {
            counts.records += 1;
        }
        counts.last_end = Some(counts.last_end.map_or(record_end, |l| l.max(record_end)));
    }
    // A drug whose records count its cycles is read by them: its orders beside them are the
    // same cycles written twice.
    let most = per_drug
        .iter()
        .map(|(_, counts)| counts.counted.unwrap_or(counts.records))
        .max()
        .unwrap_or(0);
    if per_drug.iter().any(|(_, counts)| counts.counted.is_some()) {
        return Some(most).filter(|most| *most > 0);
    }
    // Records alone may be one order over several cycles: the cycle procedures, where more,
    // count them.
    let terms = &set.lines.cycle_procedures;
    if terms.is_empty() {
        return Some(most).filter(|most| *most > 0);
    }
    let counted = record
        .procedures
        .iter()
        .filter(|p| !p.date_unknown)
        .filter(|p| {
            let day = p.performed_day();
            start <= day && end.is_none_or(|end| day <= end)
        })
        .filter(|p| super::procedure_terms::is_one_of(p, terms))
        .map(crate::domain::Procedure::performed_day)
        .collect::<BTreeSet<_>>()
        .len();
    let procedures = u32::try_from(counted).unwrap_or(u32::MAX);
    Some(most.max(procedures)).filter(|n| *n > 0)
}
