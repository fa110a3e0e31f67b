//! Recorded doses read as milligrams per day, whatever interval they are given at: a daily dose
//! ("1500 mg/d"), a weekly one ("20 mg/wk"), or a long-acting injectable given every two or four
//! weeks or every month ("150 mg/4wk", "400 mg/month").
//!
//! Accepted units, case and spaces ignored: an amount in `mg`, `g`, `mcg`/`ug`/`µg`, then `/`
//! and an interval: `d`, `day`, `24h`, `{daily}`; `wk`, `week`; `mo`, `month`; each with an
//! optional count before it (`2wk`, `4 weeks`, `28d`, `3mo`), which may be written `(4.wk)` or
//! `{4wk}` as UCUM annotations are. A month is 30 days, not UCUM's mean month (30.4375 d): a
//! dosing interval of "a month" is the label's monthly schedule, and the FHIR importer reads a
//! monthly timing so too; a mean month would make a monthly depot's label dose (paliperidone
//! palmitate 234 mg a month: 600 mg/d chlorpromazine equivalent) read about 1.5 % short of the
//! adequate dose it is. Per-hour rates (infusions), per-m² and per-kg doses, and amounts
//! with no interval are not daily doses: `None`.
//!
//! A schedule whose doses are not a whole number of days apart (three times a week: every
//! 2⅓ days) is written as a count of doses per whole period, `mg 3x/wk` (100 mg three times a
//! week), never as a fractional interval (`mg/2.33d`): the period stays one UCUM and FHIR
//! `Timing` can carry (frequency 3, period 1 wk), and the daily amount stays exact (300 mg a
//! week, not 100 mg every 2.33 days). Fractional intervals stored by earlier versions are still
//! read.

use crate::domain::Dose;

/// A recorded dose as milligrams per day, and the interval it was given at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Daily {
    pub mg_per_day: f64,
    /// Days between doses as recorded (1 for a daily dose, 28 for "mg/4wk").
    pub interval_days: f64,
}

/// Reads `dose` as a daily amount in milligrams; `None` when its unit is not one of the forms
/// above.
pub fn daily(dose: &Dose) -> Option<Daily> {
    if !dose.value.is_finite() || dose.value < 0.0 {
        return None;
    }
    let unit: String = dose
        .unit
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    let (amount, per) = match unit.split_once('/') {
        Some((amount, per)) => (amount, per),
        None => match unit.strip_suffix("{daily}") {
            Some(amount) => (amount, "d"),
            None => return None,
        },
    };
    let (amount, times) = times_per_period(amount)?;
    let factor = milligrams_in(amount)?;
    let interval_days = interval(per)? / times;
    Some(Daily {
        mg_per_day: dose.value * factor / interval_days,
        interval_days,
    })
}

/// A dose counted in the product's units ("2 tablet/d", "1 dose/mo": a combination product, or
/// a product whose strength the importer could not read), as (units per dose interval, days in
/// the interval).
pub fn counted(dose: &Dose) -> Option<(f64, f64)> {
    if !dose.value.is_finite() || dose.value <= 0.0 {
        return None;
    }
    let unit = dose.unit.trim().to_lowercase();
    let (amount, per) = unit.split_once('/')?;
    let (amount, times) = times_per_period(amount.trim())?;
    if !COUNT_UNITS.contains(&amount.trim()) {
        return None;
    }
    Some((dose.value, interval(per.trim())? / times))
}

/// An amount's unit and how many times it is given per period: `mg 3x` (or `mg3x`, `mg ×3`
/// once spaces are gone) is `mg` three times; a unit with no count is given once.
fn times_per_period(amount: &str) -> Option<(&str, f64)> {
    let Some(counted) = amount
        .strip_suffix(['x', '×'])
        .filter(|rest| rest.ends_with(|c: char| c.is_ascii_digit()))
    else {
        return Some((amount, 1.0));
    };
    let digits = counted.trim_end_matches(|c: char| c.is_ascii_digit());
    let times: f64 = counted[digits.len()..].parse().ok()?;
    (times >= 1.0).then_some((digits.trim_end(), times))
}

/// A dose schedule in whole numbers: `times` doses every `period_days` days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WholeSchedule {
    pub times: u32,
    pub period_days: u32,
}

/// The fewest doses per whole number of days that make doses `interval_days` apart: every 2⅓
/// days is 3 every 7 days, every 3.5 days 2 every 7, every 2 days 1 every 2. Intervals stored
/// rounded to two decimals (`2.33d`) are recognised. `None` when no count up to a month's
/// (31) makes a whole period.
pub fn whole_schedule(interval_days: f64) -> Option<WholeSchedule> {
    if !(interval_days.is_finite() && interval_days > 0.0) {
        return None;
    }
    (1..=31u32).find_map(|times| {
        let period = interval_days * f64::from(times);
        let whole = period.round();
        // A rounding to two decimals errs by at most 0.005 a dose.
        let near = (period - whole).abs() <= 0.006 * f64::from(times);
        // Whole, and within u32 (at most ten years): the cast loses nothing.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let period_days = whole as u32;
        (near && (1.0..=3660.0).contains(&whole)).then_some(WholeSchedule { times, period_days })
    })
}

/// A period of whole days as the importer writes it after the `/`: `wk`, `2wk`, `mo`, `3mo`,
/// `5d` (weeks and the months of depot schedules by their names, other periods in days).
pub fn period_name(days: u32) -> String {
    match days {
        7 => String::from("wk"),
        14 | 21 | 28 | 42 | 56 | 84 => format!("{}wk", days / 7),
        30 => String::from("mo"),
        90 | 180 => format!("{}mo", days / 30),
        other => format!("{other}d"),
    }
}

/// The unit of `amount_unit` given on `schedule`: `mg/2d`, `mg/wk`, and for more than one dose
/// a period `mg 3x/wk`.
pub fn schedule_unit(amount_unit: &str, schedule: WholeSchedule) -> String {
    let period = period_name(schedule.period_days);
    if schedule.times == 1 {
        format!("{amount_unit}/{period}")
    } else {
        format!("{amount_unit} {}x/{period}", schedule.times)
    }
}

/// A dose in a schedule unit the importer writes that is no UCUM unit (`mg/2d`, `mg/4wk`,
/// `mg 3x/wk`, and the fractional `mg/2.33d` of earlier versions) as a FHIR `Dosage` says it:
/// the amount of one dose (`mg`, or a count of `tablet`, `capsule`, `dose`) and its schedule.
/// `None` for a unit that is plain UCUM already (`mg/d`, `mg/wk`, `mg/mo`), for a rate, and for
/// a unit as written in a file (`mg/2 weeks`), which a reader gets back as it was.
pub fn fhir_schedule(dose: &Dose) -> Option<(f64, String, WholeSchedule)> {
    let (amount, per) = dose.unit.split_once('/')?;
    let (amount_unit, times) = times_per_period(amount.trim_end())?;
    if amount_unit != "mg" && !COUNT_UNITS[..3].contains(&amount_unit) {
        return None;
    }
    let interval_days = interval(per)? / times;
    let schedule = whole_schedule(interval_days)?;
    let canonical = schedule_unit(amount_unit, schedule);
    let fractional = times <= 1.0 && per.contains('.') && per.ends_with('d');
    let plain = schedule.times == 1 && matches!(per, "d" | "wk" | "mo");
    // Read back, the amount is rounded to the importer's three decimals.
    let exact = ((dose.value * 1000.0).round() / 1000.0).to_bits() == dose.value.to_bits();
    ((canonical == dose.unit || fractional) && !plain && exact)
        .then(|| (dose.value, amount_unit.to_owned(), schedule))
}

/// A dose as a FHIR `Dosage` says it: the amount of one dose (`mg`, `mL`, or a count of
/// `tablet`, `capsule`, `dose`) and its schedule, for every schedule of one administration per
/// interval the importer writes: a weekly or monthly amount ("90 mg/wk": the importer writes
/// doses a week or more apart as the amount of one, see [`crate::fhir`]'s `per_interval`) as
/// well as those [`fhir_schedule`] rewrites. Never a day's total ("1000 mg/d"): see
/// [`fhir_day_total`]. `None` for a rate, a unit as written in a file (`mg/2 weeks`), and an
/// amount with no interval.
pub fn fhir_dose(dose: &Dose) -> Option<(f64, String, WholeSchedule)> {
    if let Some(schedule) = fhir_schedule(dose) {
        return Some(schedule);
    }
    let (amount, per) = dose.unit.split_once('/')?;
    let period_days = match per {
        "wk" => 7,
        "mo" => 30,
        _ => return None,
    };
    let amount = amount.trim();
    exportable(dose.value, amount).then(|| {
        (
            dose.value,
            amount.to_owned(),
            WholeSchedule {
                times: 1,
                period_days,
            },
        )
    })
}

/// A day's total ("1000 mg/d", "2 tablet/d", "40 mg/kg/d") as its amount and unit: the importer sums the
/// doses of a day (500 mg twice a day is 1000 mg/d) and keeps no split, so it is no amount of
/// one administration. `None` for any other unit.
pub fn fhir_day_total(dose: &Dose) -> Option<(f64, String)> {
    let amount = dose.unit.strip_suffix("/d")?.trim();
    exportable(dose.value, amount).then(|| (dose.value, amount.to_owned()))
}

/// Whether an amount in `unit` is one refract writes with a UCUM unit and reads back exactly.
fn exportable(value: f64, unit: &str) -> bool {
    let known = unit == "mg" || unit == "mg/kg" || unit == "mL" || COUNT_UNITS[..3].contains(&unit);
    // Read back, the amount is rounded to the importer's three decimals.
    let exact = ((value * 1000.0).round() / 1000.0).to_bits() == value.to_bits();
    known && exact && value.is_finite() && value > 0.0
}

/// The units a dose can be counted in (the importer writes `tablet`, `capsule` or `dose`).
const COUNT_UNITS: [&str; 7] = [
    "tablet",
    "capsule",
    "dose",
    "{tbl}",
    "{tablet}",
    "{capsule}",
    "{dose}",
];

/// An amount with no interval ("56 mg", "0.5 g"), in milligrams: one administration.
pub fn amount_mg(dose: &Dose) -> Option<f64> {
    if !dose.value.is_finite() || dose.value < 0.0 {
        return None;
    }
    Some(dose.value * milligrams_in(dose.unit.trim().to_lowercase().as_str())?)
}

/// Milligrams in one of an amount's unit: `mg`, `g`, `mcg`/`ug`/`µg`, in any spelling (see
/// [`crate::domain::units`]).
fn milligrams_in(unit: &str) -> Option<f64> {
    crate::domain::units::mass_mg(unit)
}

/// The amount given each time, in milligrams: a dose per interval is the amount of one
/// administration, a daily dose the amount of a day, an amount with no interval the amount.
pub fn per_dose_mg(dose: &Dose) -> Option<f64> {
    daily(dose)
        .map(|d| d.mg_per_day * d.interval_days)
        .or_else(|| amount_mg(dose))
}

/// One dose per m² of body surface, in mg/m² (`mg/m2`, `g/m²`, `mcg/m2`, with or without a
/// `/d` or `/dose` after it); `None` for any other unit.
pub fn per_m2_mg(dose: &Dose) -> Option<f64> {
    if !dose.value.is_finite() || dose.value < 0.0 {
        return None;
    }
    let unit: String = dose
        .unit
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '²' => '2',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect();
    let unit = unit.replace('^', "");
    let unit = ["/d", "/day", "/dose"]
        .iter()
        .find_map(|suffix| unit.strip_suffix(suffix))
        .unwrap_or(&unit);
    let amount = unit.strip_suffix("/m2")?;
    Some(dose.value * milligrams_in(amount)?)
}

/// Milligrams per day, for criteria that only compare daily amounts.
pub fn mg_per_day(dose: &Dose) -> Option<f64> {
    daily(dose).map(|d| d.mg_per_day)
}

/// Days in an interval written `4wk`, `(4.wk)`, `{28d}`, `month`, `24h`…
fn interval(per: &str) -> Option<f64> {
    let per = per
        .trim_start_matches(['(', '{'])
        .trim_end_matches([')', '}']);
    let split = per
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(per.len());
    let (count, unit) = per.split_at(split);
    let count = count.trim_end_matches('.');
    let count: f64 = if count.is_empty() {
        1.0
    } else {
        count.parse().ok()?
    };
    let days = match unit.trim_start_matches('.') {
        "d" | "day" | "days" | "daily" | "24h" | "24hr" | "24hours" => 1.0,
        "h" | "hr" | "hour" | "hours" if (count - 24.0).abs() < f64::EPSILON => {
            return Some(1.0);
        }
        "wk" | "w" | "week" | "weeks" => 7.0,
        "mo" | "mon" | "month" | "months" => 30.0,
        _ => return None,
    };
    let total = count * days;
    (total.is_finite() && total > 0.0).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::{counted, daily, mg_per_day};
    use crate::domain::Dose;

    fn dose(value: f64, unit: &str) -> Dose {
        Dose {
            value,
            unit: unit.to_owned(),
        }
    }

    #[test]
    fn daily_and_interval_units_become_mg_per_day() {
        assert_eq!(mg_per_day(&dose(1500.0, "mg/d")), Some(1500.0));
        assert_eq!(mg_per_day(&dose(1.5, "g/day")), Some(1500.0));
        assert_eq!(mg_per_day(&dose(300.0, "MG/24H")), Some(300.0));
        assert_eq!(mg_per_day(&dose(300.0, "mg{daily}")), Some(300.0));
        assert_eq!(mg_per_day(&dose(70.0, "mg/wk")), Some(10.0));
        assert_eq!(mg_per_day(&dose(140.0, "mg/2wk")), Some(10.0));
        assert_eq!(mg_per_day(&dose(280.0, "mg/4 weeks")), Some(10.0));
        assert_eq!(mg_per_day(&dose(280.0, "mg/(4.wk)")), Some(10.0));
        assert_eq!(mg_per_day(&dose(280.0, "mg/{28d}")), Some(10.0));
        assert_eq!(mg_per_day(&dose(300.0, "mg/month")), Some(10.0));
        assert_eq!(mg_per_day(&dose(900.0, "mg/3mo")), Some(10.0));
        let monthly = daily(&dose(150.0, "mg/4wk")).unwrap();
        assert_eq!(counted(&dose(2.0, "tablet/d")), Some((2.0, 1.0)));
        assert_eq!(counted(&dose(1.0, "dose/mo")), Some((1.0, 30.0)));
        assert_eq!(counted(&dose(1.0, "mg/d")), None);
        assert!((monthly.interval_days - 28.0).abs() < 1e-9);
    }

    #[test]
    fn the_amount_of_one_administration_is_kept() {
        use super::per_dose_mg;
        assert_eq!(per_dose_mg(&dose(56.0, "mg/3.5d")), Some(56.0));
        assert_eq!(per_dose_mg(&dose(56.0, "mg/2wk")), Some(56.0));
        assert_eq!(per_dose_mg(&dose(56.0, "mg")), Some(56.0));
        assert_eq!(per_dose_mg(&dose(0.5, "g")), Some(500.0));
        assert_eq!(per_dose_mg(&dose(16.0, "mg/d")), Some(16.0));
        assert_eq!(per_dose_mg(&dose(5.0, "mg/h")), None);
    }

    #[test]
    fn doses_a_fraction_of_days_apart_are_counted_per_whole_period() {
        use super::{WholeSchedule, fhir_schedule, per_dose_mg, whole_schedule};
        let three_a_week = daily(&dose(100.0, "mg 3x/wk")).unwrap();
        assert!((three_a_week.mg_per_day - 300.0 / 7.0).abs() < 1e-9);
        assert!((three_a_week.interval_days - 7.0 / 3.0).abs() < 1e-9);
        assert_eq!(per_dose_mg(&dose(100.0, "mg 3x/wk")), Some(100.0));
        assert!((mg_per_day(&dose(56.0, "mg 2x/wk")).unwrap() - 16.0).abs() < 1e-9);
        assert_eq!(
            counted(&dose(1.0, "tablet 3x/2wk")),
            Some((1.0, 14.0 / 3.0))
        );
        let every = |times, period_days| WholeSchedule { times, period_days };
        assert_eq!(whole_schedule(7.0 / 3.0), Some(every(3, 7)));
        assert_eq!(whole_schedule(2.33), Some(every(3, 7)));
        assert_eq!(whole_schedule(3.5), Some(every(2, 7)));
        assert_eq!(whole_schedule(2.0), Some(every(1, 2)));
        assert_eq!(whole_schedule(f64::NAN), None);
        // In FHIR, one dose and its schedule; plain UCUM units and units as written stay.
        assert_eq!(
            fhir_schedule(&dose(100.0, "mg 3x/wk")),
            Some((100.0, String::from("mg"), every(3, 7)))
        );
        assert_eq!(
            fhir_schedule(&dose(100.0, "mg/2.33d")),
            Some((100.0, String::from("mg"), every(3, 7)))
        );
        assert_eq!(
            fhir_schedule(&dose(150.0, "mg/4wk")),
            Some((150.0, String::from("mg"), every(1, 28)))
        );
        for unit in [
            "mg/d",
            "mg/wk",
            "mg/mo",
            "mg/2 weeks",
            "mg/week",
            "mg/h",
            "mg/m2",
        ] {
            assert_eq!(fhir_schedule(&dose(100.0, unit)), None, "{unit}");
        }
    }

    #[test]
    fn rates_and_body_size_doses_are_not_daily_doses() {
        for unit in [
            "mg/h", "mg/kg/h", "mg/m2", "mg/kg", "mg", "mL/d", "mg/0wk", "mg/x",
        ] {
            assert_eq!(mg_per_day(&dose(10.0, unit)), None, "{unit}");
        }
        assert_eq!(mg_per_day(&dose(f64::NAN, "mg/d")), None);
    }
}
