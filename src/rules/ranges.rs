//! The allowed range of every numeric parameter of a rule file and of the drug book, checked
//! when the file is loaded. The types let through values no criterion can mean (a window of
//! minus five days, a trial of two billion days, a NaN threshold); refusing them at load time,
//! in one line naming the file, the key and the range, keeps them from reaching the engine.
//!
//! The ranges are wide on purpose: they bound what a rule could sensibly say, not what the
//! shipped rules say. Days are at most ten years, hours at most one year.

use super::RulesError;
use super::model::{Criterion, MProtein, RuleSet};
use super::numbers::trim_number;

/// The longest window or duration a rule may set, in days (ten years).
const MAX_DAYS: f64 = 3650.0;
/// The longest window in hours (a year): status epilepticus counts hours.
const MAX_HOURS: f64 = 8760.0;
/// Counts of trials, classes, visits, courses, cycles, drugs.
const MAX_COUNT: f64 = 100.0;
/// A blood count threshold (x 10^9/L) no count reaches.
const MAX_COUNT_PER_L: f64 = 10_000.0;
/// A daily dose in mg no drug reaches.
pub(super) const MAX_MG: f64 = 1_000_000.0;

/// Where a key lives in the file, for the line of the error.
#[derive(Clone, Copy)]
pub(super) enum Block<'a> {
    /// `[lines]` and other top-level tables, by their header.
    Table(&'a str),
    /// The `[[criterion]]` with this id.
    Criterion(&'a str),
    /// The `[[drug]]` with this ingredient.
    Drug(&'a str),
}

pub(super) struct Checker<'a> {
    pub(super) origin: &'a str,
    pub(super) text: &'a str,
}

impl Checker<'_> {
    /// Fails unless `low <= value <= high` (NaN is never in range).
    fn check(
        &self,
        block: Block<'_>,
        key: &str,
        value: f64,
        (low, high): (f64, f64),
        unit: &str,
    ) -> Result<(), RulesError> {
        if (low..=high).contains(&value) {
            return Ok(());
        }
        self.refuse(
            block,
            key,
            value,
            &format!("{} to {}", trim_number(low), trim_number(high)),
            unit,
        )
    }

    /// Fails unless `0 < value <= high`: a divisor or a factor.
    pub(super) fn positive(
        &self,
        block: Block<'_>,
        key: &str,
        value: f64,
        high: f64,
        unit: &str,
    ) -> Result<(), RulesError> {
        if value > 0.0 && value <= high {
            return Ok(());
        }
        self.refuse(
            block,
            key,
            value,
            &format!("more than 0 up to {}", trim_number(high)),
            unit,
        )
    }

    fn refuse(
        &self,
        block: Block<'_>,
        key: &str,
        value: f64,
        range: &str,
        unit: &str,
    ) -> Result<(), RulesError> {
        let place = match block {
            Block::Table(header) => format!("in {header}"),
            Block::Criterion(id) => format!("in criterion '{id}'"),
            Block::Drug(ingredient) => format!("for drug '{ingredient}'"),
        };
        let unit = if unit.is_empty() {
            String::new()
        } else {
            format!(" {unit}")
        };
        let message = format!(
            "{key} = {} {place} is out of range: allowed {range}{unit}",
            trim_number(value)
        );
        Err(RulesError::Parse {
            origin: self.origin.to_owned(),
            line: self.line_of(block, key),
            message,
        })
    }

    pub(super) fn days(
        &self,
        block: Block<'_>,
        key: &str,
        value: i64,
        low: i64,
    ) -> Result<(), RulesError> {
        self.check(block, key, value as f64, (low as f64, MAX_DAYS), "days")
    }

    fn count(&self, block: Block<'_>, key: &str, value: u32, low: u32) -> Result<(), RulesError> {
        self.check(
            block,
            key,
            f64::from(value),
            (f64::from(low), MAX_COUNT),
            "",
        )
    }

    /// The line of `key` inside `block`: the first line starting with the key after the
    /// block's header (or its id), else the header's line.
    fn line_of(&self, block: Block<'_>, key: &str) -> usize {
        let anchor = match block {
            Block::Table(header) => self.text.find(header),
            Block::Criterion(id) => find_quoted(self.text, "id", id),
            Block::Drug(ingredient) => find_quoted(self.text, "ingredient", ingredient),
        }
        .unwrap_or(0);
        let after = &self.text[anchor..];
        let mut offset = anchor;
        let mut found = None;
        for line in after.split_inclusive('\n') {
            let trimmed = line.trim_start();
            if let Some(rest) = trimmed.strip_prefix(key)
                && rest.trim_start().starts_with('=')
            {
                found = Some(offset);
                break;
            }
            // Stop at the next block of the same kind: the key was left at its default.
            if offset > anchor
                && matches!(block, Block::Criterion(_) | Block::Drug(_))
                && (trimmed.starts_with("[[criterion]]") || trimmed.starts_with("[[drug]]"))
            {
                break;
            }
            offset += line.len();
        }
        let at = found.unwrap_or(anchor);
        self.text
            .get(..at)
            .map_or(1, |before| before.matches('\n').count() + 1)
    }
}

/// The offset of `key = "value"` (any spacing) in `text`.
fn find_quoted(text: &str, key: &str, value: &str) -> Option<usize> {
    let quoted = format!("\"{value}\"");
    let mut from = 0;
    while let Some(position) = text[from..].find(&quoted) {
        let at = from + position;
        let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
        let before = text[line_start..at].trim();
        if before
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim() == "=")
        {
            return Some(line_start);
        }
        from = at + quoted.len();
    }
    None
}

/// Checks every numeric parameter of `set` (from `origin`, whose text is `text`).
pub(super) fn check_rule_set(origin: &str, text: &str, set: &RuleSet) -> Result<(), RulesError> {
    let c = Checker { origin, text };
    let lines = Block::Table("[lines]");
    c.days(
        lines,
        "regimen_window_days",
        set.lines.regimen_window_days,
        0,
    )?;
    c.days(lines, "gap_days", set.lines.gap_days, 0)?;
    let tells = Block::Table("[[indication.dose_tells]]");
    for dose in &set.indication.dose_tells {
        for (key, value) in [
            ("max_mg_per_week", dose.max_mg_per_week),
            ("min_mg_per_m2", dose.min_mg_per_m2),
            ("min_mg", dose.min_mg),
        ] {
            if let Some(value) = value {
                c.positive(tells, key, value, MAX_MG, "mg")?;
            }
        }
    }
    c.days(lines, "cross_taper_days", set.lines.cross_taper_days, 0)?;
    if let Some(share) = set.lines.depot_grace_share {
        c.check(lines, "depot_grace_share", share, (0.0, 10.0), "")?;
    }
    c.check(
        lines,
        "one_off_max_hours",
        set.lines.one_off_max_hours as f64,
        (0.0, MAX_HOURS),
        "hours",
    )?;
    c.days(lines, "response_days", set.lines.response_days, 0)?;
    for days in set.lines.response_days_by_class.values() {
        c.days(lines, "response_days_by_class", *days, 0)?;
    }
    c.days(lines, "conditioning_days", set.lines.conditioning_days, 0)?;
    c.days(lines, "tandem_days", set.lines.tandem_days, 0)?;
    c.days(lines, "mobilisation_days", set.lines.mobilisation_days, 0)?;
    c.days(
        lines,
        "lymphodepletion_days",
        set.lines.lymphodepletion_days,
        0,
    )?;
    c.days(lines, "bridging_days", set.lines.bridging_days, 0)?;
    c.days(lines, "cytoreduction_days", set.lines.cytoreduction_days, 0)?;
    c.days(
        lines,
        "cycle_per_record_days",
        set.lines.cycle_per_record_days,
        0,
    )?;
    if let Some(days) = set.lines.relapse_off_therapy_days {
        c.days(lines, "relapse_off_therapy_days", days, 0)?;
    }
    c.days(
        lines,
        "post_transplant_days",
        set.lines.post_transplant_days,
        0,
    )?;
    c.count(
        Block::Table("[progression]"),
        "consecutive_assessments",
        set.progression.consecutive_assessments,
        1,
    )?;
    c.days(
        Block::Table("[progression]"),
        "new_line_confirms_days",
        set.progression.new_line_confirms_days,
        0,
    )?;
    if let Some(spec) = &set.m_protein {
        check_m_protein(&c, spec)?;
    }
    if let Some(episode) = &set.episode {
        // A recovery of one day would make every remission one: at least a week.
        c.days(
            Block::Table("[episode]"),
            "recovery_days",
            episode.recovery_days,
            7,
        )?;
    }
    for criterion in &set.criteria {
        check_criterion(&c, criterion)?;
    }
    Ok(())
}

/// The monoclonal protein series: fractions of a fall or a rise, amounts in each series' unit
/// (g/dL, mg/24 h, mg/dL; bounded by what a patient can have), windows in days.
fn check_m_protein(c: &Checker<'_>, spec: &MProtein) -> Result<(), RulesError> {
    /// More than any serum M-protein (g/dL), urine M-protein (mg/24 h) or free light chain
    /// difference (mg/dL) a patient has.
    const SERUM_MAX: f64 = 30.0;
    const OTHER_MAX: f64 = 100_000.0;
    let table = Block::Table("[m_protein]");
    c.check(
        table,
        "measurable_serum",
        spec.measurable_serum,
        (0.0, SERUM_MAX),
        "g/dL",
    )?;
    c.check(
        table,
        "measurable_urine",
        spec.measurable_urine,
        (0.0, OTHER_MAX),
        "mg/24 h",
    )?;
    let rises = [
        ("[m_protein.serum_rise]", Some(&spec.serum_rise), SERUM_MAX),
        (
            "[m_protein.urine_rise]",
            spec.urine_rise.as_ref(),
            OTHER_MAX,
        ),
        ("[m_protein.flc_rise]", spec.flc_rise.as_ref(), OTHER_MAX),
    ];
    for (header, rise, high) in rises {
        let Some(rise) = rise else { continue };
        let at = Block::Table(header);
        c.check(at, "relative", rise.relative, (0.0, 10.0), "")?;
        c.check(at, "absolute", rise.absolute, (0.0, high), "")?;
        if let Some(value) = rise.high_nadir {
            c.check(at, "high_nadir", value, (0.0, high), "")?;
        }
        if let Some(value) = rise.high_nadir_absolute {
            c.check(at, "high_nadir_absolute", value, (0.0, high), "")?;
        }
    }
    let at = Block::Table("[m_protein.response]");
    c.days(at, "baseline_days", spec.response.baseline_days, 0)?;
    c.days(at, "after_end_days", spec.response.after_end_days, 0)?;
    for days in spec.response.after_end_days_by_class.values() {
        c.days(at, "after_end_days_by_class", *days, 0)?;
    }
    for (key, value) in [
        ("minimal", spec.response.minimal),
        ("partial", spec.response.partial),
        ("very_good_partial", spec.response.very_good_partial),
    ] {
        c.check(at, key, value, (0.0, 1.0), "")?;
    }
    c.count(at, "consecutive", spec.response.consecutive, 1)
}

fn check_criterion(c: &Checker<'_>, criterion: &Criterion) -> Result<(), RulesError> {
    let at = Block::Criterion(&criterion.id);
    if let Some(spec) = &criterion.failed_trials {
        c.count(at, "min_count", spec.min_count, 1)?;
        c.days(at, "min_days", spec.min_days, 0)?;
        if let Some(score) = &spec.score {
            c.check(at, "min_improvement", score.min_improvement, (0.0, 1.0), "")?;
            c.days(at, "baseline_days", score.baseline_days, 0)?;
        }
        for rule in &spec.response {
            let limit = if rule.change == "relative" {
                1.0
            } else {
                MAX_MG
            };
            for (key, value) in [
                ("no_response_at_most", rule.no_response_at_most),
                ("no_response_below", rule.no_response_below),
                ("high_no_response_at_most", rule.high_no_response_at_most),
            ] {
                if let Some(value) = value {
                    c.check(at, key, value, (0.0, limit), "")?;
                }
            }
            if let Some(high) = rule.high_above {
                c.check(at, "high_above", high, (-MAX_MG, MAX_MG), "")?;
            }
            c.days(at, "baseline_days", rule.baseline_days, 0)?;
        }
        if let Some(events) = &spec.events {
            c.days(at, "freedom_days", events.freedom_days, 1)?;
            c.check(
                at,
                "interval_multiplier",
                events.interval_multiplier,
                (1.0, 10.0),
                "",
            )?;
            c.days(
                at,
                "interval_lookback_days",
                events.interval_lookback_days,
                1,
            )?;
            c.days(at, "rate_reach_days", events.rate_reach_days, 1)?;
            c.check(
                at,
                "rate_current_units",
                events.rate_current_units,
                (0.0, 24.0),
                "",
            )?;
        }
        if let Some(dose) = &spec.dose
            && let Some(minimum) = dose.min_mg_day
        {
            c.check(at, "min_mg_day", minimum, (0.0, MAX_MG), "mg/day")?;
        }
        if let Some(dose) = &spec.dose
            && let Some(days) = dose.depot_optimum_days
        {
            c.days(at, "depot_optimum_days", days, 1)?;
        }
    }
    if let Some(spec) = &criterion.concurrent_classes {
        c.count(at, "min_groups", spec.min_groups, 1)?;
    }
    if let Some(spec) = &criterion.blood_pressure {
        let mmhg = (40.0, 300.0);
        c.check(
            at,
            "office_goal_systolic",
            spec.office_goal_systolic,
            mmhg,
            "mmHg",
        )?;
        c.check(
            at,
            "office_goal_diastolic",
            spec.office_goal_diastolic,
            mmhg,
            "mmHg",
        )?;
        for (key, goal) in [
            ("awake_goal", spec.awake_goal),
            ("day24_goal", spec.day24_goal),
            ("home_goal", spec.home_goal),
        ] {
            for value in goal {
                c.check(at, key, value, mmhg, "mmHg")?;
            }
        }
        c.days(at, "stable_days", spec.stable_days, 0)?;
        c.days(at, "window_days", spec.window_days, 1)?;
        if let Some(recent) = spec.recent_days {
            c.days(at, "recent_days", recent, 1)?;
        }
        c.count(at, "min_readings", spec.min_readings, 1)?;
        c.count(at, "min_occasions", spec.min_occasions, 1)?;
        c.count(at, "min_visits", spec.min_visits, 1)?;
        c.days(at, "min_span_days", spec.min_span_days, 0)?;
        if let Some(months) = spec.min_span_months {
            c.count(at, "min_span_months", months, 1)?;
        }
        if let Some(occasions) = spec.office_occasions {
            c.count(at, "office_occasions", occasions, 1)?;
        }
        c.days(at, "home_period_days", spec.home_period_days, 1)?;
        c.count(at, "home_min_readings", spec.home_min_readings, 1)?;
        // A series needs its days within its period.
        c.check(
            at,
            "home_min_days",
            f64::from(spec.home_min_days),
            (
                1.0,
                f64::from(i32::try_from(spec.home_period_days).unwrap_or(i32::MAX)),
            ),
            "",
        )?;
    }
    if let Some(spec) = &criterion.observation_threshold {
        for cut in &spec.scores {
            c.check(at, "value", cut.value, (-MAX_MG, MAX_MG), "")?;
        }
        c.days(at, "max_age_days", spec.max_age_days, 1)?;
    }
    if let Some(spec) = &criterion.ongoing_dose {
        c.check(at, "min_mg_day", spec.min_mg_day, (0.0, MAX_MG), "mg/day")?;
        c.days(at, "min_days", spec.min_days, 0)?;
    }
    if let Some(spec) = &criterion.line_refractory {
        if let Some(cycles) = spec.min_cycles_first_line {
            c.count(at, "min_cycles_first_line", cycles, 0)?;
        }
        if let Some(cycles) = spec.min_cycles_later_lines {
            c.count(at, "min_cycles_later_lines", cycles, 0)?;
        }
        if let Some(window) = spec.progression_window_days {
            c.days(at, "progression_window_days", window, 0)?;
        }
        c.days(at, "min_days", spec.min_days, 0)?;
    }
    if let Some(spec) = &criterion.relapse {
        c.days(at, "refractory_window_days", spec.refractory_window_days, 0)?;
        if let Some(early) = spec.early_days {
            c.days(at, "early_days", early, 0)?;
        }
        if let Some(early) = spec.early_months {
            c.count(at, "early_months", early, 1)?;
        }
        if let Some(lines) = spec.later_lines {
            c.count(at, "later_lines", lines, 1)?;
        }
    }
    if let Some(spec) = &criterion.relapse_after_procedure {
        if let Some(days) = spec.window_days {
            c.days(at, "window_days", days, 1)?;
        }
        if let Some(months) = spec.window_months {
            c.count(at, "window_months", months, 1)?;
        }
    }
    if let Some(spec) = &criterion.class_refractory {
        c.days(at, "min_days_on_drug", spec.min_days_on_drug, 0)?;
        c.days(
            at,
            "progression_window_days",
            spec.progression_window_days,
            0,
        )?;
    }
    if let Some(spec) = &criterion.induction_failure {
        c.count(at, "min_courses", spec.min_courses, 1)?;
        if let Some(minimum) = spec.high_dose_min {
            c.check(at, "high_dose_min", minimum, (0.0, MAX_MG), "")?;
        }
        c.check(
            at,
            "blasts_remission_below",
            spec.blasts_remission_below,
            (0.0, 100.0),
            "%",
        )?;
        c.days(at, "assessment_days", spec.assessment_days, 1)?;
        if let Some(recovery) = &spec.recovery {
            c.days(at, "window_days", recovery.window_days, 0)?;
            c.days(at, "days_after_marrow", recovery.days_after_marrow, 0)?;
            for (key, value) in [
                ("neutrophils_at_least", recovery.neutrophils_at_least),
                ("platelets_at_least", recovery.platelets_at_least),
                (
                    "crh_neutrophils_at_least",
                    recovery.crh_neutrophils_at_least,
                ),
                ("crh_platelets_at_least", recovery.crh_platelets_at_least),
            ] {
                c.positive(at, key, value, MAX_COUNT_PER_L, "x 10^9/L")?;
            }
            // A unit's size scales the thresholds to it: zero would read every count in that
            // unit as recovered.
            for (unit, size) in &recovery.units {
                c.positive(at, &format!("\"{unit}\""), *size, 1e12, "")?;
            }
        }
    }
    if let Some(spec) = &criterion.recent_evidence {
        c.days(at, "window_days", spec.window_days, 1)?;
    }
    if let Some(spec) = &criterion.escalation {
        c.count(at, "second_line_count", spec.second_line_count, 1)?;
        c.check(at, "hours", spec.hours as f64, (0.0, MAX_HOURS), "hours")?;
        c.check(
            at,
            "episode_hours",
            spec.episode_hours as f64,
            (1.0, MAX_HOURS),
            "hours",
        )?;
        c.check(
            at,
            "seizure_free_hours",
            spec.seizure_free_hours as f64,
            (1.0, MAX_HOURS),
            "hours",
        )?;
        c.check(
            at,
            "withdrawal_hours",
            spec.withdrawal_hours as f64,
            (0.0, MAX_HOURS),
            "hours",
        )?;
    }
    Ok(())
}
