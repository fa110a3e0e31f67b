//! Step-care criteria of hypertension: `concurrent_classes` (how many antihypertensive classes
//! are given together, and which) and `blood_pressure` (above or at goal on that regimen, in and
//! out of the office).
//!
//! The current regimen is the set of counted drugs given on the reference day (today, or the
//! last day any was given). Blood pressure counts once the regimen has been unchanged for
//! `stable_days`. Office readings decide unless out-of-office readings (ambulatory or home) say
//! otherwise: high in the office and at goal outside is the white-coat effect; the reverse is
//! masked uncontrolled hypertension.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};

use super::context::Context;
use super::dates::shift;
use super::describe::{confounder, exposure_evidence, observation_evidence, span};
use super::given::Given;
use super::model::{BloodPressure, ConcurrentClasses};
use super::numbers::trim_number;
use super::outcome::{Outcome, Verdict};
use super::selectors::names_test;
use crate::domain::{BpSetting, Observation, observation_codes};

/// The counted drugs given on the reference day, and the day the regimen took that shape.
pub struct Regimen<'c> {
    pub drugs: Vec<&'c Given<'c>>,
    pub on: NaiveDate,
    pub since: NaiveDate,
}

pub fn current_regimen<'c>(ctx: &'c Context<'c>, classes: &[String]) -> Option<Regimen<'c>> {
    let counted: Vec<&Given<'_>> = ctx.given_of(classes).collect();
    if counted.is_empty() {
        return None;
    }
    let on = if counted.iter().any(|g| g.exposure.active_on(ctx.today)) {
        ctx.today
    } else {
        counted
            .iter()
            .filter_map(|g| g.end())
            .max()
            .unwrap_or(ctx.today)
    };
    let drugs: Vec<&Given<'_>> = counted
        .into_iter()
        .filter(|g| g.exposure.active_on(on))
        .collect();
    // The regimen took its shape when the set of classes last changed: the start of the
    // current step-care line. Renewing a prescription, or stopping one product of a class
    // still given (an injection after tablets), does not change it.
    let last_start = drugs.iter().map(|g| g.start()).max()?;
    let since = ctx
        .lines
        .iter()
        .filter(|line| line.start <= on)
        .map(|line| line.start)
        .max()
        .unwrap_or(last_start);
    Some(Regimen { drugs, on, since })
}

pub fn concurrent(ctx: &Context<'_>, id: &str, spec: &ConcurrentClasses) -> Outcome {
    let mut outcome = Outcome::new();
    let all_classes: Vec<String> = spec.groups.values().flatten().cloned().collect();
    let Some(regimen) = current_regimen(ctx, &all_classes) else {
        outcome.verdict = Verdict::NotMet;
        outcome
            .reasons
            .push(String::from("no antihypertensive drug recorded"));
        return outcome;
    };

    let mut groups: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut classes_given: Vec<&str> = Vec::new();
    for given in &regimen.drugs {
        for drug in &given.drugs {
            for class in &drug.classes {
                classes_given.push(class);
            }
            if let Some((group, _)) = spec
                .groups
                .iter()
                .find(|(_, classes)| classes.iter().any(|c| drug.has_class(c)))
            {
                let names = groups.entry(group.as_str()).or_default();
                if !names.contains(&drug.ingredient) {
                    names.push(drug.ingredient.clone());
                }
            }
        }
        outcome
            .evidence
            .push(exposure_evidence(id, given, ctx.today));
    }
    let count = groups.len() as u32;
    let listing = groups
        .iter()
        .map(|(group, names)| format!("{} ({})", group.replace('_', " "), names.join(", ")))
        .collect::<Vec<_>>()
        .join(", ");
    let when = if regimen.on == ctx.today {
        String::from("now")
    } else {
        format!("on {}", regimen.on)
    };
    outcome
        .reasons
        .push(format!("{count} classes given together {when}: {listing}"));

    let missing_required: Vec<&String> = spec
        .require_classes
        .iter()
        .filter(|class| !classes_given.contains(&class.as_str()))
        .collect();
    let has_any = spec.require_any_class.is_empty()
        || spec
            .require_any_class
            .iter()
            .any(|class| classes_given.contains(&class.as_str()));

    if spec.check_max_dose {
        // One line per drug: a renewal running beside the earlier prescription of the same
        // drug is the same drug, at the highest dose recorded for it.
        let mut doses: Vec<(&super::drugs::Drug, Option<f64>)> = Vec::new();
        for given in &regimen.drugs {
            for drug in &given.drugs {
                let daily = given.daily_of(drug).map(|d| d.mg_per_day);
                match doses
                    .iter_mut()
                    .find(|(d, _)| d.ingredient == drug.ingredient)
                {
                    Some((_, known)) => {
                        *known = match (*known, daily) {
                            (Some(a), Some(b)) => Some(a.max(b)),
                            (a, b) => a.or(b),
                        };
                    }
                    None => doses.push((drug, daily)),
                }
            }
        }
        for (drug, daily) in doses {
            let Some(maximum) = drug.max_mg_day else {
                continue;
            };
            match daily {
                Some(daily) if daily + 1e-9 < maximum => outcome.confounders.push(confounder(
                    "max_dose",
                    format!(
                        "{} {} mg/d is below its usual maximum ({} mg/d): maximal or maximally tolerated dose to confirm",
                        drug.ingredient,
                        trim_number(daily),
                        trim_number(maximum)
                    ),
                )),
                Some(_) => {}
                None => outcome.confounders.push(confounder(
                    "max_dose",
                    format!(
                        "dose of {} not recorded: maximal or maximally tolerated dose to confirm",
                        drug.ingredient
                    ),
                )),
            }
        }
    }

    if count < spec.min_groups {
        outcome.verdict = Verdict::NotMet;
        outcome
            .reasons
            .push(format!("needs {} classes", spec.min_groups));
    } else if !missing_required.is_empty() {
        outcome.verdict = Verdict::NotMet;
        outcome.reasons.push(format!(
            "{} classes, but without {} (required)",
            count,
            missing_required
                .iter()
                .map(|c| c.replace('_', "-"))
                .collect::<Vec<_>>()
                .join(" and ")
        ));
    } else if !has_any {
        outcome.verdict = Verdict::NotMet;
        outcome.reasons.push(format!(
            "{count} classes, but none is {}",
            spec.require_any_class
                .iter()
                .map(|c| c.replace('_', " "))
                .collect::<Vec<_>>()
                .join(" or ")
        ));
    } else {
        outcome.verdict = Verdict::Met;
    }
    outcome
}

/// A blood pressure reading: systolic and diastolic taken together, or a systolic alone (a
/// panel whose diastolic has a `dataAbsentReason`, a systolic recorded on its own).
#[derive(Debug, Clone)]
struct Reading<'a> {
    on: NaiveDate,
    systolic: f64,
    diastolic: Option<f64>,
    setting: BpSetting,
    source: &'a Observation,
}

/// When and where a blood pressure was taken.
type Moment = (NaiveDateTime, BpSetting);

/// The systolics (with their values) and diastolic values taken at one moment.
type MomentReadings<'a> = (Moment, Vec<(&'a Observation, f64)>, Vec<f64>);

/// Words that say which reading a blood pressure is.
const SYSTOLIC_WORDS: [&str; 4] = ["systolic", "sys", "syst", "SBP"];
const DIASTOLIC_WORDS: [&str; 5] = ["diastolic", "dia", "dias", "diast", "DBP"];
/// Words that say a systolic or diastolic is a pressure of the blood ("BP sys", "Systolic
/// arterial pressure"); "SBP" and "DBP" say it alone.
const PRESSURE_WORDS: [&str; 6] = ["blood pressure", "BP", "B/P", "NIBP", "NBP", "pressure"];
const PRESSURE_ABBREVIATIONS: [&str; 2] = ["SBP", "DBP"];
/// Words of a systolic or diastolic that is not the reading a goal is judged by: a goal or an
/// alert or alarm limit, another position (an orthostatic test is read by its seated reading),
/// another limb or a difference between limbs, another vessel or chamber (pulmonary artery,
/// right ventricle, an arterial line, the central aortic pressure), a derived number (a
/// percentile, a change, a maximum or the lowest, variability), a reading under exercise, in
/// theatre, on dialysis, in labour or pregnancy, one not done or from long ago, and heart
/// measurements that say systolic without a pressure. A choice: such a result is left out
/// rather than read as an office reading, which would decide a flag on a number that is not
/// one. (An allow-list of a reading's words, tried, refused half of real flowsheet names:
/// "Systolic BP #2", "Repeat systolic BP", "Lt arm", "24h mean".)
const NOT_BLOOD_PRESSURE: [&str; 99] = [
    "target",
    "goal",
    "aim",
    "desired",
    "threshold",
    "limit",
    "alert",
    "alarm",
    "alarms",
    "orthostatic",
    "postural",
    "standing",
    "stand",
    "supine",
    "lying",
    "tilt",
    "ankle",
    "toe",
    "leg",
    "thigh",
    "calf",
    "difference",
    "differential",
    "inter-arm",
    "interarm",
    "index",
    "ABI",
    "pulmonary",
    "PA",
    "PAP",
    "PASP",
    "ventricular",
    "ventricle",
    "RV",
    "LV",
    "RVSP",
    "atrial",
    "atrium",
    "aortic",
    "aorta",
    "central",
    "invasive",
    "intra-arterial",
    "intraarterial",
    "intravascular",
    "arterial line",
    "art line",
    "a-line",
    "central venous",
    "CVP",
    "intracranial",
    "intraocular",
    "ocular",
    "wedge",
    "percentile",
    "centile",
    "z-score",
    "change",
    "delta",
    "drop",
    "variability",
    "variation",
    "trend",
    "predicted",
    "exercise",
    "peak",
    "maximum",
    "max",
    "minimum",
    "lowest",
    "highest",
    "function",
    "murmur",
    "volume",
    "intraoperative",
    "intra-operative",
    "intraop",
    "perioperative",
    "pre-op",
    "post-op",
    "preoperative",
    "postoperative",
    "anaesthesia",
    "anesthesia",
    "dialysis",
    "haemodialysis",
    "hemodialysis",
    "intradialytic",
    "labour",
    "labor",
    "intrapartum",
    "pregnancy",
    "antenatal",
    "ago",
    "not done",
    "not measured",
    "not recorded",
    "declined",
    "unable",
];

/// The blood pressure reading a test's name says it is ([`observation_codes::SYSTOLIC_BP`] or
/// [`observation_codes::DIASTOLIC_BP`]), for results under a code that does not say so (a
/// hospital's local code named as LOINC names the reading: "Systolic blood pressure", "BP
/// sys", "Diastolic BP"). Words are matched whole (`names_test`), with the care the other
/// tests' names take: a name that says both readings, or neither, is none, and a name with a
/// word of [`NOT_BLOOD_PRESSURE`] ("Target systolic", "Pulmonary artery systolic pressure",
/// "Systolic blood pressure standing", "SBP variability") is none. Where the reading was taken is its name's to
/// say too (see [`bp_setting_of_words`]).
pub fn blood_pressure_named(name: &str) -> Option<&'static str> {
    let has = |words: &[&str]| words.iter().any(|word| names_test(name, word));
    let systolic = has(&SYSTOLIC_WORDS);
    let diastolic = has(&DIASTOLIC_WORDS);
    if systolic == diastolic {
        return None;
    }
    let a_pressure = has(&PRESSURE_WORDS) || has(&PRESSURE_ABBREVIATIONS);
    // "Non-invasive" is the cuff's reading, not the invasive (arterial line) one.
    let cuff = name
        .to_lowercase()
        .replace("non-invasive", "nibp")
        .replace("non invasive", "nibp")
        .replace("noninvasive", "nibp");
    if !a_pressure
        || NOT_BLOOD_PRESSURE
            .iter()
            .any(|word| names_test(&cuff, &word.to_lowercase()))
    {
        return None;
    }
    Some(if systolic {
        observation_codes::SYSTOLIC_BP
    } else {
        observation_codes::DIASTOLIC_BP
    })
}

/// The blood pressure reading a stored result is: by its code (any code of the reading, see
/// [`observation_codes::canonical`]), else by its name when its code says no other test (see
/// [`observation_codes::names_its_own_test`]); results stored before their names were read
/// are read so too.
pub fn blood_pressure_of(observation: &Observation) -> Option<&'static str> {
    match observation_codes::canonical(&observation.code) {
        observation_codes::SYSTOLIC_BP => Some(observation_codes::SYSTOLIC_BP),
        observation_codes::DIASTOLIC_BP => Some(observation_codes::DIASTOLIC_BP),
        _ if observation_codes::names_its_own_test(&observation.system, &observation.code) => None,
        _ => blood_pressure_named(&observation.display),
    }
}

/// Where a blood pressure was measured, from the words of its panel's code, its method (text
/// and codings' displays) and its own code. The period (24 hours, awake, asleep) decides
/// first; then ambulatory monitoring named without a period ("Ambulatory blood pressure
/// monitoring", "ABPM") is read as its 24-hour mean, the summary an ABPM report leads with
/// and the stricter of the two ambulatory thresholds, so a white-coat effect is never
/// concluded on a laxer goal than the reading's; then home and other self-measured readings.
pub fn bp_setting_of_words(words: &str) -> BpSetting {
    let words = words.to_ascii_lowercase();
    let has = |phrases: &[&str]| phrases.iter().any(|phrase| names_test(&words, phrase));
    if has(&["24 hour", "24-hour", "24h", "24 h", "24-h", "24hr", "24 hr"]) {
        BpSetting::Ambulatory24h
    } else if has(&["awake", "daytime", "day-time", "day time", "diurnal"]) {
        BpSetting::AmbulatoryAwake
    } else if has(&[
        "night",
        "nighttime",
        "night-time",
        "nocturnal",
        "sleep",
        "asleep",
    ]) {
        BpSetting::AmbulatoryNight
    } else if has(&[
        "ambulatory blood pressure monitoring",
        "ambulatory BP monitoring",
        "ambulatory monitoring",
        "ambulatory blood pressure",
        "ambulatory systolic",
        "ambulatory diastolic",
        "ambulatory mean",
        "ABPM",
        "holter",
    ]) {
        // Not "ambulatory" alone: in US records an ambulatory encounter or setting is an
        // outpatient visit, whose reading is an office one (the review's point).
        BpSetting::Ambulatory24h
    } else if has(&[
        "home",
        "HBPM",
        "self",
        "self-measured",
        "self measured",
        "self-monitored",
        "self-monitoring",
        "SMBP",
        "out-of-office",
        "out of office",
    ]) {
        BpSetting::Home
    } else {
        BpSetting::Office
    }
}

fn readings<'a>(ctx: &Context<'a>) -> Vec<Reading<'a>> {
    let mut systolic: Vec<&Observation> = Vec::new();
    let mut diastolic: Vec<&Observation> = Vec::new();
    for observation in &ctx.record.observations {
        // Readings stored under another code of theirs (imported before refract knew it), or
        // under a local code with the reading's name, too.
        match blood_pressure_of(observation) {
            Some(observation_codes::SYSTOLIC_BP) => systolic.push(observation),
            Some(_) => diastolic.push(observation),
            None => {}
        }
    }
    // The readings of one moment and setting: a diastolic belongs to one systolic only. Two
    // readings taken at one moment come as two systolics and two diastolics that nothing here
    // pairs, so they are paired in the order of their values (the means come out the same
    // whichever way; storage order must decide nothing); one diastolic value goes with every
    // systolic of its moment.
    let mut out = Vec::new();
    // Rows stored before a mean's code was known as blood pressure have no setting: their
    // code says it.
    // A reading stored with no setting (read by its name) says where it was taken by its name.
    let setting_of = |o: &Observation| {
        o.setting
            .or_else(|| observation_codes::bp_setting_of_code(&o.code))
            .unwrap_or_else(|| bp_setting_of_words(&o.display))
    };
    // Grouped by moment in one pass each (a record of years of home readings holds tens of
    // thousands), in the order each moment's first systolic comes.
    let mut moments: Vec<MomentReadings<'_>> = Vec::new();
    let mut index: std::collections::HashMap<Moment, usize> = std::collections::HashMap::new();
    for reading in &systolic {
        let moment = (reading.effective, setting_of(reading));
        let at = *index.entry(moment).or_insert_with(|| {
            moments.push((moment, Vec::new(), Vec::new()));
            moments.len() - 1
        });
        if let Some(value) = reading.exact_value() {
            moments[at].1.push((reading, value));
        }
    }
    for reading in &diastolic {
        if let Some(&at) = index.get(&(reading.effective, setting_of(reading)))
            && let Some(value) = reading.exact_value()
        {
            moments[at].2.push(value);
        }
    }
    for ((effective, setting), mut systolics, mut diastolics) in moments {
        systolics.sort_by(|a, b| a.1.total_cmp(&b.1));
        diastolics.sort_by(f64::total_cmp);
        let one_value = diastolics
            .windows(2)
            .all(|pair| pair[0].total_cmp(&pair[1]).is_eq());
        // A systolic with no diastolic of its moment is still a reading: the goal is a systolic
        // *or* a diastolic above it (ACC/AHA 2017), so a systolic above goal says enough alone.
        let paired: Vec<Option<f64>> = match diastolics.first() {
            Some(only) if one_value => vec![Some(*only); systolics.len()],
            _ => diastolics.into_iter().map(Some).collect(),
        };
        let paired = paired.into_iter().chain(std::iter::repeat(None));
        for ((source, systolic_value), diastolic_value) in systolics.into_iter().zip(paired) {
            out.push(Reading {
                on: effective.date(),
                systolic: systolic_value,
                diastolic: diastolic_value,
                setting,
                source,
            });
        }
    }
    out.sort_by_key(|r| r.on);
    out
}

/// "150/95", or "150/–" for a systolic with no diastolic.
fn pressure_text(systolic: f64, diastolic: Option<f64>) -> String {
    format!(
        "{}/{}",
        trim_number(systolic),
        diastolic.map_or_else(|| String::from("–"), trim_number)
    )
}

/// "1 reading", "3 readings".
fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        format!("1 {word}")
    } else {
        format!("{count} {word}s")
    }
}

/// "2 readings on 1 occasion".
fn readings_on_occasions(readings: usize, occasions: usize) -> String {
    format!(
        "{} on {}",
        plural(readings, "reading"),
        plural(occasions, "occasion")
    )
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, count) = values.fold((0.0, 0u32), |(sum, count), value| (sum + value, count + 1));
    (count > 0).then(|| sum / f64::from(count))
}

pub fn blood_pressure(ctx: &Context<'_>, id: &str, spec: &BloodPressure) -> Outcome {
    let mut outcome = Outcome::new();
    let Some(regimen) = current_regimen(ctx, &spec.classes) else {
        outcome.verdict = Verdict::NotMet;
        outcome
            .reasons
            .push(String::from("no antihypertensive regimen"));
        return outcome;
    };
    // Windows end on the run day, not on the record's last date: blood pressure from long ago
    // says nothing about control now (docs/architecture.md, evidence policy: recency).
    let stable_from = shift(regimen.since, spec.stable_days);
    let from = stable_from.max(shift(ctx.today, -spec.window_days.max(0)));
    let recent_days = spec.recent_days.unwrap_or(spec.window_days);
    let recent_from = shift(ctx.today, -recent_days.max(0));
    let all = readings(ctx);
    let in_window: Vec<&Reading<'_>> = all
        .iter()
        .filter(|r| r.on >= from && r.on <= ctx.today)
        .collect();
    if !in_window.iter().any(|r| r.on >= recent_from) {
        let on_regimen_before = all
            .iter()
            .filter(|r| r.on >= stable_from && r.on < recent_from)
            .max_by_key(|r| r.on);
        let recent_but_unstable = all
            .iter()
            .any(|r| r.on >= recent_from && r.on < stable_from && r.on <= ctx.today);
        outcome.verdict = Verdict::Undecided;
        if recent_but_unstable && on_regimen_before.is_none() {
            outcome.missing.push(format!(
                "a blood pressure reading taken after {stable_from} (the regimen has been unchanged since {}; readings count after {} on it)",
                regimen.since,
                span(spec.stable_days)
            ));
        } else {
            let latest = on_regimen_before.map_or(String::new(), |r| {
                format!(
                    " (the latest on this regimen: {} mmHg on {})",
                    pressure_text(r.systolic, r.diastolic),
                    r.on
                )
            });
            outcome.missing.push(format!(
                "no blood pressure in the last {}{latest}",
                span(recent_days)
            ));
        }
        outcome.reasons.push(String::from(
            "no current blood pressure on the current regimen",
        ));
        return outcome;
    }
    let office: Vec<&&Reading<'_>> = in_window
        .iter()
        .filter(|r| r.setting == BpSetting::Office)
        .collect();
    let goal = (spec.office_goal_systolic, spec.office_goal_diastolic);
    // Above goal is a systolic *or* a diastolic at or above it: a systolic above goal says so
    // alone; a systolic below goal with no diastolic does not say the pressure is at goal
    // (`None`: not known).
    let above = |s: f64, d: Option<f64>, (gs, gd): (f64, f64)| {
        if s >= gs {
            Some(true)
        } else {
            d.map(|d| d >= gd)
        }
    };

    // The diastolic mean is of the readings that have one.
    let office_mean = mean(office.iter().map(|r| r.systolic))
        .map(|s| (s, mean(office.iter().filter_map(|r| r.diastolic))));
    let office_high = office_mean.map(|(s, d)| above(s, d, goal));
    let occasions = office
        .iter()
        .map(|r| r.on)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    // AHA 2018 / ACC/AHA 2017: "use an average of >= 2 readings obtained on >= 2 occasions".
    let enough_office =
        office.len() >= spec.min_readings as usize && occasions >= spec.min_occasions as usize;
    if let Some((s, d)) = office_mean {
        outcome.reasons.push(format!(
            "office blood pressure on this regimen: mean {} mmHg over {} reading(s) since {} (goal < {}/{})",
            pressure_text(s.round(), d.map(f64::round)),
            office.len(),
            office.first().map_or(from, |r| r.on),
            trim_number(goal.0),
            trim_number(goal.1)
        ));
        if let Some(last) = office.last() {
            outcome.evidence.push(observation_evidence(id, last.source));
        }
    }

    // Out of office: the latest of each kind in the window.
    let mut out_of_office: Option<(bool, String, &Observation)> = None;
    let mut out_of_office_unknown: Vec<String> = Vec::new();
    for (setting, threshold, words) in [
        (
            BpSetting::AmbulatoryAwake,
            spec.awake_goal,
            "awake ambulatory",
        ),
        (
            BpSetting::Ambulatory24h,
            spec.day24_goal,
            "24-hour ambulatory",
        ),
        (BpSetting::Home, spec.home_goal, "home"),
    ] {
        if let Some(reading) = in_window
            .iter()
            .filter(|r| r.setting == setting)
            .max_by_key(|r| r.on)
        {
            let high = above(
                reading.systolic,
                reading.diastolic,
                (threshold[0], threshold[1]),
            );
            let text = format!(
                "{words} {} mmHg on {} (threshold {}/{})",
                pressure_text(reading.systolic, reading.diastolic),
                reading.on,
                trim_number(threshold[0]),
                trim_number(threshold[1])
            );
            let Some(high) = high else {
                // A systolic below the threshold with no diastolic: neither at goal nor above.
                out_of_office_unknown.push(text);
                continue;
            };
            // Any out-of-office measure above its threshold confirms uncontrolled blood pressure.
            match &out_of_office {
                Some((true, _, _)) => {}
                _ => out_of_office = Some((high, text, reading.source)),
            }
        }
    }

    for text in &out_of_office_unknown {
        outcome.reasons.push(format!(
            "out of office: {text}: a systolic below the threshold with no diastolic does not say whether it is at goal"
        ));
    }
    let uncontrolled = match (&out_of_office, office_high) {
        (Some((high, text, source)), office) => {
            outcome.reasons.push(format!("out of office: {text}"));
            outcome.evidence.push(observation_evidence(id, source));
            if office == Some(Some(true)) && !high {
                outcome.reasons.push(String::from(
                    "white-coat effect: high in the office, at goal outside it",
                ));
            } else if office == Some(Some(false)) && *high {
                outcome.reasons.push(String::from(
                    "masked uncontrolled hypertension: at goal in the office, high outside it",
                ));
            }
            *high
        }
        (None, Some(_)) if !enough_office => {
            outcome.verdict = Verdict::Undecided;
            outcome.reasons.push(format!(
                "too few office readings to estimate the blood pressure: {} (the level is the mean of at least {} on {} or more occasions, AHA 2018)",
                readings_on_occasions(office.len(), occasions),
                plural(spec.min_readings as usize, "reading"),
                spec.min_occasions
            ));
            outcome.missing.push(format!(
                "office blood pressure from at least {} on {} or more occasions, or an ambulatory or home measurement (so far {})",
                plural(spec.min_readings as usize, "reading"),
                spec.min_occasions,
                readings_on_occasions(office.len(), occasions)
            ));
            return outcome;
        }
        (None, Some(None)) => {
            outcome.verdict = Verdict::Undecided;
            outcome.reasons.push(String::from(
                "office systolic below goal with no diastolic recorded: whether the blood pressure is at goal is not known",
            ));
            outcome.missing.push(String::from(
                "a diastolic blood pressure (the office systolic alone is below goal), or an ambulatory or home measurement",
            ));
            return outcome;
        }
        (None, Some(Some(high))) => {
            if high {
                outcome.confounders.push(confounder(
                    "white_coat",
                    "white-coat effect not excluded: no ambulatory or home blood pressure on this regimen",
                ));
            }
            high
        }
        (None, None) => false,
    };

    let wanted_uncontrolled = spec.state == "uncontrolled";
    if uncontrolled != wanted_uncontrolled {
        outcome.verdict = Verdict::NotMet;
        return outcome;
    }
    if wanted_uncontrolled && spec.min_visits > 1 {
        let high_visits: Vec<NaiveDate> = office
            .iter()
            .filter(|r| above(r.systolic, r.diastolic, goal) == Some(true))
            .map(|r| r.on)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let spread = match (high_visits.first(), high_visits.last()) {
            (Some(first), Some(last)) => (*last - *first).num_days(),
            _ => 0,
        };
        if (high_visits.len() as u32) < spec.min_visits || spread < spec.min_span_days {
            outcome.verdict = Verdict::Undecided;
            outcome.missing.push(format!(
                "uncontrolled at {} or more office visits over at least {} on this regimen (so far {} visit(s) over {})",
                spec.min_visits,
                span(spec.min_span_days),
                high_visits.len(),
                span(spread)
            ));
            return outcome;
        }
        outcome.reasons.push(format!(
            "above goal at {} office visits over {}",
            high_visits.len(),
            span(spread)
        ));
    }
    outcome.verdict = Verdict::Met;
    outcome
}
