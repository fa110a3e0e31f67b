//! Seizure observations as the days seizures happened: a count on a day is that many seizures
//! that day; a rate (a count over a time unit, "2 per month", or a coded frequency "Weekly") is
//! seizures throughout the period it covers, one every unit / count, the last at its end (see
//! [`super::model::EventRule::rate_reach_days`] for the period a rate at a visit covers).

use chrono::NaiveDate;

use crate::domain::Observation;
use crate::domain::observation_codes::seizure_frequency::{self, Answer, Rate};

use super::dates::shift;
use super::selectors::{Finding, finding};

/// The rate an observation states, when it is one: a number above zero in a unit of count over
/// time, or a coded frequency answer that names one. A count, a bound ("> 2") and "less than
/// monthly" are not rates.
pub(super) fn rate_of(observation: &Observation) -> Option<Rate> {
    if let Some(value) = observation.exact_value() {
        let period_days =
            seizure_frequency::period_days_of_unit(observation.unit.as_deref().unwrap_or(""))?;
        return (value > 0.0 && value.is_finite()).then_some(Rate {
            count: value,
            period_days,
        });
    }
    match seizure_frequency::of_code(observation.value_code.as_deref()?)? {
        Answer::Rate(rate) => Some(rate),
        Answer::Free | Answer::Occurring => None,
    }
}

/// The first day of the period a rate covers: its own period's start; else the day of the
/// previous report of the measure (`reports`, any value), at most `reach_days` back; else one
/// unit of its time back.
fn covered_from(
    observation: &Observation,
    rate: Rate,
    reports: &[&Observation],
    reach_days: i64,
) -> NaiveDate {
    let end = observation.local_day();
    if let Some(since) = observation.since_day() {
        return since;
    }
    let previous = reports
        .iter()
        .map(|o| o.local_day())
        .filter(|day| *day < end)
        .max();
    match previous {
        Some(day) => day.max(shift(end, -reach_days.max(1))),
        None => shift(end, -(rate.period_days.round() as i64).max(1)),
    }
}

/// The period a rate's seizures surely fell in (first and last day), when the observation is
/// a rate of seizures above zero. Where in its period they fell an average does not say: over
/// a period that spans a change of drug, or the days before a drug could work, they may all
/// predate it. A rate over a period of its own (an effectivePeriod) is of that whole period. A
/// rate written at a visit with none is the frequency as of the visit: its seizures surely fell
/// in the last `current_units` units of its time before it ("2 per month": the month before),
/// never before the previous report; earlier in the time since the previous report they are
/// spread only to measure intervals (see [`days_of`]).
pub(super) fn surely_within(
    observation: &Observation,
    reports: &[&Observation],
    reach_days: i64,
    current_units: f64,
) -> Option<(NaiveDate, NaiveDate)> {
    if finding(observation) != Finding::Present {
        return None;
    }
    let rate = rate_of(observation)?;
    let end = observation.local_day();
    let from = covered_from(observation, rate, reports, reach_days);
    // Reported in a month or a year alone: its period ends on a day of it, the last at latest.
    let last = observation.last_local_day();
    if observation.since.is_some() {
        return Some((from, last));
    }
    let current = (rate.period_days * current_units).round() as i64;
    Some((from.max(shift(end, -current.max(0))), last))
}

/// The days an observation places seizures on (none when it records none or says nothing):
/// a rate's spread through the period it covers, a count's or a coded seizure's on its day (of
/// a month or a year alone, its last day).
pub(super) fn days_of(
    observation: &Observation,
    reports: &[&Observation],
    reach_days: i64,
) -> Vec<NaiveDate> {
    if finding(observation) != Finding::Present {
        return Vec::new();
    }
    let end = observation.local_day();
    let Some(rate) = rate_of(observation) else {
        // A count of a month or a year alone: on its last day, the latest it may have been, so
        // that a freedom is never counted from before it (as "Last seizure: March 2021").
        return vec![observation.last_local_day()];
    };
    let from = covered_from(observation, rate, reports, reach_days);
    // More than one a day is a seizure every day: the interval is at most a day.
    let step = (rate.period_days / rate.count).max(1.0);
    let mut days = Vec::new();
    let mut back = 0.0_f64;
    loop {
        let day = shift(end, -(back.round() as i64));
        if day < from && !days.is_empty() {
            break;
        }
        days.push(day);
        back += step;
    }
    days.reverse();
    days.dedup();
    days
}

/// The days a report of the measure documents (any value, a count of none too): its own
/// period (an effectivePeriod); a count or an answer dated by a month or a year alone, that
/// month or year; a rate (a count over a time unit, "0 per month"), one unit of its time up to
/// its day, never more: a month's rate is that month; anything else (a count on a day, an answer
/// at a visit), its day alone; an answer of freedom ("Seizure free") at a visit, the time since
/// the previous report of the measure, at most `reach_days` back (what it was asked about),
/// its day alone when none came before. Seizure freedom is documented only over these days:
/// months without a diary are not months without seizures (review R7-7).
pub(super) fn documented(
    observation: &Observation,
    reports: &[&Observation],
    reach_days: i64,
) -> (NaiveDate, NaiveDate) {
    let day = observation.local_day();
    let last = observation.last_local_day().max(day);
    if let Some(since) = observation.since_day() {
        return (since.min(day), last);
    }
    let free_answer = observation.value.is_none()
        && observation
            .value_code
            .as_deref()
            .and_then(seizure_frequency::of_code)
            == Some(Answer::Free);
    if free_answer {
        let previous = reports
            .iter()
            .map(|o| o.local_day())
            .filter(|earlier| *earlier < day)
            .max();
        let from = previous.map_or(day, |earlier| earlier.max(shift(day, -reach_days.max(1))));
        return (from, last);
    }
    let unit = observation.unit.as_deref().unwrap_or("");
    let period_days = seizure_frequency::period_days_of_unit(unit)
        .filter(|_| observation.value.is_some())
        .or_else(|| rate_of(observation).map(|rate| rate.period_days));
    match period_days {
        // The unit's days ending on the report's day, the report's day one of them.
        Some(days) => (shift(day, 1 - (days.ceil() as i64).max(1)), last),
        None => (day, last),
    }
}

/// The first day of the unbroken run of documented days (see [`documented`]) that reaches
/// `through`: reports whose periods meet or overlap, back from `through`. `through` itself when
/// no report documents the day before it.
pub(super) fn documented_since(
    reports: &[&Observation],
    reach_days: i64,
    through: NaiveDate,
) -> NaiveDate {
    let periods: Vec<(NaiveDate, NaiveDate)> = reports
        .iter()
        .map(|o| documented(o, reports, reach_days))
        .collect();
    let mut from = through;
    loop {
        let reaches = shift(from, -1);
        let earlier = periods
            .iter()
            .filter(|(first, last)| *first < from && *last >= reaches)
            .map(|(first, _)| *first)
            .min();
        match earlier {
            Some(first) => from = first,
            None => return from,
        }
    }
}

/// Every day the observations place a seizure on, in order, once each.
pub(super) fn all_days(reports: &[&Observation], reach_days: i64) -> Vec<NaiveDate> {
    let mut days: Vec<NaiveDate> = reports
        .iter()
        .flat_map(|o| days_of(o, reports, reach_days))
        .collect();
    days.sort_unstable();
    days.dedup();
    days
}

/// The earliest day the last seizure of the observations may have been on: as [`all_days`]'s
/// last, but a count of a month or a year alone on its first day rather than its last (the
/// latest day it may be, which `all_days` keeps so that freedom is never counted from before
/// it). Where the two differ, the seizure's day decides how long the freedom since it is.
pub(super) fn earliest_last_day(reports: &[&Observation], reach_days: i64) -> Option<NaiveDate> {
    reports
        .iter()
        .filter_map(|o| {
            if finding(o) == Finding::Present
                && rate_of(o).is_none()
                && !o.effective_precision.is_day()
            {
                Some(o.local_day())
            } else {
                days_of(o, reports, reach_days).last().copied()
            }
        })
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDateTime;

    fn at(day: &str) -> NaiveDateTime {
        NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
    }

    fn report(value: f64, unit: &str, day: &str) -> Observation {
        Observation {
            code: String::from("refract:seizures-per-month"),
            display: String::from("Seizure frequency"),
            value: Some(value),
            unit: Some(unit.to_owned()),
            effective: at(day),
            ..Observation::default()
        }
    }

    #[test]
    fn a_rate_at_a_visit_is_seizures_through_the_time_since_the_previous_report() {
        let first = report(2.0, "/mo", "2020-06-15");
        let second = report(2.0, "/mo", "2020-12-14");
        let reports = [&first, &second];
        let days = all_days(&reports, 365);
        let longest = days
            .windows(2)
            .map(|w| (w[1] - w[0]).num_days())
            .max()
            .unwrap();
        assert!(longest <= 16, "longest interval {longest} days: {days:?}");
        assert_eq!(days.last(), Some(&at("2020-12-14").date()));
        assert!(days.first().unwrap() < &at("2020-06-15").date());
    }

    #[test]
    fn a_count_of_a_month_alone_is_on_its_last_day_never_its_first() {
        let mut month = report(3.0, "{seizures}", "2026-03-01");
        month.effective_precision = crate::domain::DatePrecision::Month;
        let mut year = report(1.0, "{seizures}", "2025-01-01");
        year.effective_precision = crate::domain::DatePrecision::Year;
        let reports = [&year, &month];
        assert_eq!(
            all_days(&reports, 365),
            vec![at("2025-12-31").date(), at("2026-03-31").date()]
        );
    }

    #[test]
    fn a_count_is_seizures_on_its_day_and_a_rate_of_zero_none() {
        let count = report(3.0, "{seizures}", "2021-01-10");
        let zero = report(0.0, "/mo", "2021-02-10");
        let reports = [&count, &zero];
        assert_eq!(all_days(&reports, 365), vec![at("2021-01-10").date()]);
    }
}
