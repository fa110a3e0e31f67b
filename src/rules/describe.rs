//! Records in words for reasons and evidence ("levetiracetam 1500 mg/d, 2019-03 → 2020-05
//! (14 months)"), and the evidence and confounders an assessment shows built from them.

use std::fmt::Write as _;

use chrono::NaiveDate;

use super::given::Given;
use super::numbers::push_number;
use crate::domain::{
    Confounder, DrugExposure, Evidence, EvidenceKind, Observation, PatientRecord, Procedure,
    START_BY_MARK, TreatmentLine,
};

/// "2019-03".
pub fn month(date: NaiveDate) -> String {
    use chrono::Datelike;
    // By hand: chrono's `format` parses its pattern on every call, and reasons name many months.
    format!("{:04}-{:02}", date.year(), date.month())
}

// How long, in words: with the dates, so that a window's length and its ends are said alike.
pub use super::dates::span;

/// A record's dose in words, as every description says it: "50 mg/d", "150 mg/4wk"; a dose a
/// day given on one day alone is that day's amount, "1000 mg on one day" (see
/// [`crate::domain::DrugExposure::one_day_amount`]: an infusion is no daily dose).
pub fn dose_words(exposure: &DrugExposure) -> Option<String> {
    doses_on_days(exposure, 1)
}

/// As [`dose_words`], for `days` records of one course at `exposure`'s dose: given on one day
/// each, "1000 mg on each of 2 days" (rituximab's two infusions); else the dose as recorded.
pub fn doses_on_days(exposure: &DrugExposure, days: usize) -> Option<String> {
    let mut out = String::new();
    if let Some((amount, unit)) = exposure.one_day_amount() {
        push_number(&mut out, amount);
        let _ = match days {
            0 | 1 => write!(out, " {unit} on one day"),
            _ => write!(out, " {unit} on each of {days} days"),
        };
        return Some(out);
    }
    let dose = exposure.dose.as_ref()?;
    push_number(&mut out, dose.value);
    out.push(' ');
    out.push_str(&dose.unit);
    push_dose_from(&mut out, exposure);
    Some(out)
}

/// Says where a dose refract worked out came from, after its words: " (dose from the order)"
/// (review R9-7: a clinician weighs a derived dose); nothing for a dose its record states.
pub fn push_dose_from(out: &mut String, exposure: &DrugExposure) {
    if let Some(from) = exposure.dose_from {
        let _ = write!(out, " ({})", from.words());
    }
}

/// "levetiracetam 1500 mg/d, 2019-03 → 2020-05 (14 months), stopped: no response".
pub fn describe_exposure(given: &Given<'_>, today: NaiveDate) -> String {
    describe_exposure_dosed(given, today, dose_words(given.exposure))
}

/// [`describe_exposure`] with the dose in `dose`'s words.
fn describe_exposure_dosed(given: &Given<'_>, today: NaiveDate, dose: Option<String>) -> String {
    use chrono::Datelike;
    // Built in one buffer: every criterion that cites a drug calls this.
    let exposure = given.exposure;
    let mut out = String::with_capacity(exposure.text.len() + 48);
    if given.drugs.is_empty() {
        out.push_str(&exposure.text);
    }
    for (index, drug) in given.drugs.iter().enumerate() {
        if index > 0 {
            out.push_str(" + ");
        }
        out.push_str(&drug.ingredient);
    }
    if let Some(dose) = dose {
        out.push(' ');
        out.push_str(&dose);
    }
    let start = exposure.start_day();
    // A start known only as the latest day it can have been (a period with an end alone, a
    // year) is said as that bound, and the length of a record that may have run longer (either
    // end not recorded) as at least what the records show: never a start nor a length nobody
    // gave ("0 weeks" for a statement with only its end).
    let start_unknown = exposure.start_is_approximate();
    let by = if start_unknown { START_BY_MARK } else { "" };
    let _ = write!(out, ", {by}{:04}-{:02} → ", start.year(), start.month());
    match exposure.end_day() {
        Some(end) => {
            let _ = write!(out, "{:04}-{:02}", end.year(), end.month());
            // The length is given for finished exposures only: text that changed every day
            // would make every stored assessment change every day.
            let length = length_words(exposure.days_on(today), exposure.dates.is_uncertain());
            let _ = write!(out, " ({length})");
        }
        None => out.push_str("ongoing"),
    }
    if let Some(reason) = exposure.stop_reason {
        out.push_str(", stopped: ");
        out.push_str(reason.words());
    }
    // What the patient had in hand, not what anyone saw taken: the team weighs adherence by it.
    if exposure.dates == crate::domain::DatesKnown::Dispensed {
        out.push_str(", from pharmacy fills");
    }
    out
}

/// "2L R-ICE, 2021-03 → 2021-05, best response PD".
/// A line whose start is only the latest day it can have been (see
/// [`PatientRecord::line_start_is_approximate`]) says so (`≤2025-06`): never a start, and so a
/// length, that nobody gave.
pub fn describe_line(record: &PatientRecord, line: &TreatmentLine) -> String {
    let end = line.end.map_or_else(|| String::from("ongoing"), month);
    let by = if record.line_start_is_approximate(line) {
        START_BY_MARK
    } else {
        ""
    };
    let mut out = format!(
        "{} {}, {by}{} → {end}",
        line.label(),
        line.regimen,
        month(line.start)
    );
    if let Some(cycles) = line.cycles_words() {
        let _ = write!(out, ", {cycles}");
    }
    if let Some(response) = line.best_response {
        let _ = write!(out, ", best response {response}");
    }
    if let Some(reason) = line.stop_reason {
        let _ = write!(out, ", stopped: {}", reason.words());
    }
    out
}

/// An observation in words, as the screens show it: the value to its precision, the unit
/// without UCUM's annotations (`{score}`), a coded value by its words. Observation evidence
/// is not part of an assessment's fingerprint, so the wording never reopens a review.
pub fn describe_observation(observation: &Observation) -> String {
    let value = match (observation.value, &observation.value_code) {
        (None, None) => String::from("recorded"),
        _ => observation.value_text(),
    };
    // Of a month or a year alone, as given ("2026-03"), never its first day made up.
    format!(
        "{} {} on {}",
        observation.display,
        value.trim_end(),
        observation.day_text()
    )
}

pub fn exposure_evidence(criterion: &str, given: &Given<'_>, today: NaiveDate) -> Evidence {
    Evidence {
        criterion: criterion.to_owned(),
        kind: EvidenceKind::Exposure,
        id: given.exposure.id,
        text: describe_exposure(given, today),
        also: Vec::new(),
        content: exposure_content(given, given.exposure.stop_reason),
    }
}

/// What a drug item is to the criteria, for a review's fingerprint
/// ([`crate::domain::Assessment::content_fingerprint`]): its ingredients, and the reason the
/// course stopped (`stop`, the course's, which may be another record's than `given`'s). Never
/// its dates, length or dose: another source's copy of the course, begun some days or a month
/// before or with its own planned end, is the same drug and outcome, and the team's review of
/// it stands (review39 F7); a drug whose records name none of its ingredients is its words.
pub fn exposure_content(given: &Given<'_>, stop: Option<crate::domain::StopReason>) -> String {
    let mut drugs: Vec<&str> = given.drugs.iter().map(|d| d.ingredient.as_str()).collect();
    drugs.sort_unstable();
    drugs.dedup();
    let mut out = if drugs.is_empty() {
        given.exposure.text.to_lowercase()
    } else {
        drugs.join(" + ")
    };
    if let Some(reason) = stop {
        out.push_str(", stopped: ");
        out.push_str(reason.words());
    }
    out
}

/// Drugs given together, one item per course: the records of the same drugs at the same dose
/// a day (a course the GP's statement and the hospital's order both record, an order beside
/// the statement of it) are one item saying the course as all its records do (see
/// [`course_words`]), citing each record: never one record's words, which a copy from another
/// source begun a few days earlier (a hospital's order with its planned end, pharmacy fills)
/// replaced, rewording the same course and reopening the team's review (review39 F7). Records at different doses stay items of their own: they disagree, and
/// the team reads both; a dose counted in tablets is the same dose only at the same strengths
/// (see [`strengths_of`]).
pub fn courses_evidence(criterion: &str, given: &[&Given<'_>], today: NaiveDate) -> Vec<Evidence> {
    let course = |g: &Given<'_>| {
        let mut drugs: Vec<&str> = g.drugs.iter().map(|d| d.ingredient.as_str()).collect();
        drugs.sort_unstable();
        let name = if drugs.is_empty() {
            g.exposure.text.to_lowercase()
        } else {
            drugs.join("+")
        };
        let dose = g
            .exposure
            .dose
            .as_ref()
            .map(|dose| (dose.value.to_bits(), dose.unit.clone()));
        (name, dose, strengths_of(g))
    };
    let mut groups: Vec<(_, Vec<&Given<'_>>)> = Vec::new();
    for g in given {
        let key = course(g);
        match groups.iter_mut().find(|(known, _)| *known == key) {
            Some((_, members)) => members.push(g),
            None => groups.push((key, vec![g])),
        }
    }
    groups
        .into_iter()
        .filter_map(|(_, mut members)| {
            members.sort_by_key(|g| (g.start(), g.exposure.id));
            let (first, rest) = members.split_first()?;
            let mut item = exposure_evidence(criterion, first, today);
            if !rest.is_empty() {
                item.text = course_words(&members, today);
                item.content = exposure_content(first, course_stop(&members));
            }
            item.also = rest.iter().map(|g| g.exposure.id).collect();
            Some(item)
        })
        .collect()
}

/// A finished course's length in words, "14 months"; when it may have run longer (an end not
/// recorded: its start, or its end, only a bound), the least it lasted, "at least 14 months",
/// or "length not recorded" when the records show only one day of it.
pub fn length_words(days: i64, uncertain: bool) -> String {
    match (uncertain, days) {
        (false, days) => span(days),
        (true, ..=0) => String::from("length not recorded"),
        (true, days) => format!("at least {}", span(days)),
    }
}

/// One course recorded by several records (`members`, in any order), in the words of
/// [`describe_exposure`]: from the month the first began; ongoing while any of them is (an
/// order's planned end, a fill's supply, is no end of a course another record says is still
/// given), else to the last end, with that record's stop reason; from pharmacy fills only when
/// every record is a fill. The drug's and dose's words are the first record's, which every
/// member shares. So a copy from another source that begins in the same month or later, with
/// its own planned end, stop or fills, leaves the words of a course still given as they were;
/// what changes them changes what the team read of the course: begun in an earlier month, given
/// still when every record before had ended, no longer known from fills alone.
pub fn course_words(members: &[&Given<'_>], today: NaiveDate) -> String {
    let mut members = members.to_vec();
    members.sort_by_key(|g| (g.start(), g.exposure.id));
    let Some(first) = members.first() else {
        return String::new();
    };
    let mut course = first.exposure.clone();
    // A dose another member states is stated: said as derived only when every record derived it.
    if members.iter().any(|g| g.exposure.dose_from.is_none()) {
        course.dose_from = None;
    }
    if let Some(last) = last_to_end(&members) {
        course.end = last.exposure.end;
        course.end_utc_offset_minutes = last.exposure.end_utc_offset_minutes;
        course.stop_reason = last.exposure.stop_reason;
    } else {
        course.end = None;
        course.stop_reason = None;
    }
    let all_fills = members
        .iter()
        .all(|g| g.exposure.dates == crate::domain::DatesKnown::Dispensed);
    // The course begins where its first record does: a first record whose start is only a
    // bound leaves the course's start a bound too.
    let start_unknown = members
        .iter()
        .any(|g| g.start() == first.start() && g.exposure.start_is_approximate());
    // So does a last record known given only until its end.
    let end_unknown = last_to_end(&members).is_some_and(|last| last.exposure.end_is_approximate());
    course.dates = match (all_fills, start_unknown, end_unknown) {
        (true, ..) => crate::domain::DatesKnown::Dispensed,
        (false, true, true) => crate::domain::DatesKnown::Unknown,
        (false, true, false) => crate::domain::DatesKnown::StartUnknown,
        (false, false, true) => crate::domain::DatesKnown::EndUnknown,
        (false, false, false) => crate::domain::DatesKnown::Stated,
    };
    let given = Given {
        exposure: &course,
        drugs: first.drugs.clone(),
        named_order: first.named_order.clone(),
    };
    // Infusions of one day each are said as such ("1000 mg on each of 2 days"), never as the
    // daily dose of the months the course spans.
    let one_day_each = members
        .iter()
        .all(|g| g.exposure.one_day_amount().is_some());
    let dose = if one_day_each {
        let mut days: Vec<NaiveDate> = members.iter().map(|g| g.start()).collect();
        days.dedup();
        doses_on_days(first.exposure, days.len())
    } else {
        dose_words(&course)
    };
    describe_exposure_dosed(&given, today, dose)
}

/// The record that ended a course of several: the last to end, when every one has ended;
/// none while any is still given.
fn last_to_end<'m, 'g>(members: &[&'m Given<'g>]) -> Option<&'m Given<'g>> {
    if members.iter().any(|g| g.exposure.end.is_none()) {
        return None;
    }
    members
        .iter()
        .copied()
        // Of records ending the same day (fills, or a completed order, beside the statement that
        // says why the drug stopped), one giving a stop reason: the course ended for it, and
        // which copy was stored last never hides it (review R9-8).
        .max_by_key(|g| {
            (
                g.exposure.end_day(),
                g.exposure.stop_reason.is_some(),
                g.exposure.id,
            )
        })
}

/// Why a course of several records stopped, as [`course_words`] says it.
fn course_stop(members: &[&Given<'_>]) -> Option<crate::domain::StopReason> {
    last_to_end(members).and_then(|last| last.exposure.stop_reason)
}

/// What a dose counted in units (tablets, capsules) gives of each drug, for telling courses
/// apart: amlodipine/valsartan 5/160 and 10/160, one tablet a day each, are two doses. Each
/// ingredient's amount a day (by its strength in the product's name, see [`Given::daily_of`]);
/// where that is not known, the strengths the name writes; nothing for a dose in a unit of
/// mass, which says the amount itself.
fn strengths_of(given: &Given<'_>) -> Vec<Option<u64>> {
    let Some(dose) = given.exposure.dose.as_ref() else {
        return Vec::new();
    };
    if super::dose::daily(dose).is_some() {
        return Vec::new();
    }
    let mut drugs = given.drugs.clone();
    drugs.sort_by(|a, b| a.ingredient.cmp(&b.ingredient));
    let daily: Vec<Option<u64>> = drugs
        .iter()
        .map(|drug| given.daily_of(drug).map(|daily| daily.mg_per_day.to_bits()))
        .collect();
    if !daily.is_empty() && daily.iter().all(Option::is_some) {
        return daily;
    }
    let text = &given.exposure.text;
    crate::domain::strength::unnamed_strengths(text)
        .unwrap_or_default()
        .into_iter()
        .chain(
            crate::domain::strength::strengths(text)
                .into_iter()
                .map(|strength| strength.mg),
        )
        .map(|mg| Some(mg.to_bits()))
        .collect()
}

pub fn line_evidence(criterion: &str, record: &PatientRecord, line: &TreatmentLine) -> Evidence {
    Evidence {
        criterion: criterion.to_owned(),
        kind: EvidenceKind::Line,
        id: line.id,
        text: describe_line(record, line),
        also: Vec::new(),
        content: line_content(line),
    }
}

/// What a line is to the criteria, for a review's fingerprint: its number, regimen, best
/// response and stop reason, never its months (another source's copy of a drug of it, begun
/// before, moves them and is the same line).
fn line_content(line: &TreatmentLine) -> String {
    let mut out = format!("{} {}", line.label(), line.regimen);
    if let Some(response) = line.best_response {
        let _ = write!(out, ", best response {response}");
    }
    if let Some(reason) = line.stop_reason {
        let _ = write!(out, ", stopped: {}", reason.words());
    }
    out
}

pub fn observation_evidence(criterion: &str, observation: &Observation) -> Evidence {
    Evidence {
        criterion: criterion.to_owned(),
        kind: EvidenceKind::Observation,
        id: observation.id,
        text: describe_observation(observation),
        also: Vec::new(),
        content: String::new(),
    }
}

pub fn procedure_evidence(criterion: &str, procedure: &Procedure) -> Evidence {
    Evidence {
        criterion: criterion.to_owned(),
        kind: EvidenceKind::Procedure,
        id: procedure.id,
        text: format!("{} on {}", procedure.name(), procedure.when_words()),
        also: Vec::new(),
        // The procedure, not its day: another source's record of it a day apart is the same.
        content: procedure.display.clone(),
    }
}

pub fn confounder(key: &str, text: impl Into<String>) -> Confounder {
    Confounder {
        key: key.to_owned(),
        text: text.into(),
        content: String::new(),
    }
}

/// Days between two dates (b − a).
pub fn days_between(a: NaiveDate, b: NaiveDate) -> i64 {
    (b - a).num_days()
}
