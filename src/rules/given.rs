//! A drug exposure as the rules see it: the record with the ingredients the drug book
//! recognises in it, and its dose as an amount a day.

use chrono::NaiveDate;

use super::dose;
use super::drugs::{Drug, DrugBook};
use super::indication;
use super::model::RuleSet;
use crate::domain::routes::given_by_mouth;
use crate::domain::strength;
use crate::domain::{DrugExposure, DrugRole, Indication, PatientRecord};

/// The records of `record` the criteria read as treatments given, with the ingredients `book`
/// recognises in each: a drug taken only when needed is no schedule, and one given into the
/// spinal fluid or the ventricles is CNS-directed therapy, no systemic treatment (see
/// [`DrugExposure::is_read_as_treatment`]). Lines, trials and every criterion read these alone;
/// the others stay in the record, shown as they are. A drug whose records say it was given for
/// another condition than `set`'s is none of this condition's treatments (see
/// [`set_aside`]).
pub fn treatments<'a>(
    record: &'a PatientRecord,
    book: &'a DrugBook,
    set: &RuleSet,
) -> Vec<Given<'a>> {
    record
        .exposures
        .iter()
        .filter(|exposure| exposure.is_read_as_treatment())
        .filter(|exposure| indication::given_for_another(exposure, set).is_none())
        .map(|exposure| {
            let codes = exposure.codes();
            Given {
                exposure,
                drugs: book.recognise(&codes, &exposure.text),
                named_order: book.recognise(&[], &exposure.text),
            }
        })
        .filter(|given| !given.is_one_off(set.lines.one_off_max_hours))
        .collect()
}

/// The treatments [`treatments`] leaves out of `set`'s because their records say they were
/// given for another condition, each with that indication, for the evidence to say so: only
/// drugs of the rule set's line classes (every recognised drug when it names none), so that an
/// anticoagulant given for atrial fibrillation is not listed under hypertension.
pub fn set_aside<'a>(
    record: &'a PatientRecord,
    book: &DrugBook,
    set: &RuleSet,
) -> Vec<(&'a DrugExposure, &'a Indication)> {
    record
        .exposures
        .iter()
        .filter(|exposure| exposure.is_read_as_treatment())
        .filter_map(|exposure| {
            let indication = indication::given_for_another(exposure, set)?;
            let drugs = book.recognise(&exposure.codes(), &exposure.text);
            let of_classes = drugs.iter().any(|drug| {
                set.lines.classes.is_empty()
                    || set.lines.classes.iter().any(|class| drug.has_class(class))
            });
            of_classes.then_some((exposure, indication))
        })
        .collect()
}

/// An exposure with the ingredients recognised in it.
#[derive(Debug, Clone)]
pub struct Given<'a> {
    pub exposure: &'a DrugExposure,
    pub drugs: Vec<&'a Drug>,
    /// The ingredients its name alone gives, in the order the name gives them: a combination's
    /// as the drug book lists it (the order of its label's strengths).
    pub named_order: Vec<&'a Drug>,
}

impl Given<'_> {
    /// Whether an anaesthetic agent's record is an infusion: its role says so (decided on import
    /// from a rate in any form, or a period of an hour or more), or its dose is a rate per hour.
    pub fn is_infusion(&self) -> bool {
        self.exposure.role == Some(DrugRole::AnaestheticInfusion)
            || self
                .exposure
                .dose
                .as_ref()
                .is_some_and(|dose| dose.unit.contains("/h"))
    }

    /// Whether a benzodiazepine's record can be a first-line bolus. Not one in a maintenance role:
    /// a dose per interval (clobazam 10 mg twice a day, "20 mg/d"), a dose taken by mouth (an oral tablet is too slow to stop
    /// status epilepticus: a premedication, a maintenance dose), one taken as needed, or an
    /// infusion (the anaesthetic).
    pub fn is_first_line_bolus(&self) -> bool {
        let exposure = self.exposure;
        let maintenance_role = matches!(
            exposure.role,
            Some(DrugRole::AsNeeded | DrugRole::Maintenance | DrugRole::AnaestheticInfusion)
        );
        // How long the record lasted decides nothing: the repeated doses of an episode are merged
        // into one record that may span days (a breakthrough dose while the anaesthetic is weaned).
        !maintenance_role && !self.is_infusion() && !self.is_scheduled() && !self.is_oral()
    }

    /// Whether a record is of a drug in a maintenance role, no emergency dose: recorded as
    /// maintenance or as needed, or a course by mouth on a schedule (an amount per interval:
    /// lacosamide 100 mg by mouth twice a day from the morning after). A schedule into a vein is
    /// no maintenance by itself: a second-line drug is often charted as its order (levetiracetam
    /// 1000 mg IV every 12 hours begun during the episode), the load its first dose. One reading
    /// for the criteria (no escalation) and the episode's lines (no line of it).
    pub fn is_maintenance(&self) -> bool {
        matches!(
            self.exposure.role,
            Some(DrugRole::Maintenance | DrugRole::AsNeeded)
        ) || (self.is_scheduled() && self.is_oral())
    }

    /// Whether the record is a drug given once, no schedule: given over no more than
    /// `max_hours` (its recorded start to its recorded end: a 20-minute load, a bolus, an
    /// infusion of a day) and in no maintenance role ([`Given::is_maintenance`]). A record with
    /// no end is still being given, and one whose end is only the last day it is known to have
    /// been given (an order written with no duration: `DatesKnown` other than stated) may have
    /// gone on for months: no one-off either. `max_hours` 0: none is.
    pub fn is_one_off(&self, max_hours: i64) -> bool {
        if max_hours <= 0
            || self.is_maintenance()
            || self.exposure.dates != crate::domain::DatesKnown::Stated
        {
            return false;
        }
        self.exposure
            .end
            .is_some_and(|end| (end - self.exposure.start).num_minutes() <= max_hours * 60)
    }

    /// Whether the dose is an amount per interval of time ("20 mg/d", "1 mg/wk"), a schedule's; an
    /// amount by body weight ("0.1 mg/kg") is one dose.
    pub fn is_scheduled(&self) -> bool {
        self.exposure.dose.as_ref().is_some_and(|dose| {
            dose.unit.rsplit_once('/').is_some_and(|(_, per)| {
                matches!(
                    per.trim().to_ascii_lowercase().as_str(),
                    "d" | "day" | "wk" | "week" | "mo" | "month" | "a"
                )
            })
        })
    }

    /// Whether the drug was taken by mouth: its route says so, else (no route recorded) its name
    /// names an oral form. Sublingual, buccal and oromucosal forms are not swallowed and count as
    /// rescue routes.
    pub fn is_oral(&self) -> bool {
        given_by_mouth(self.exposure.route.as_deref(), &self.exposure.text)
    }

    /// Whether any recognised ingredient has one of `classes`.
    pub fn has_any_class(&self, classes: &[String]) -> bool {
        self.drugs
            .iter()
            .any(|drug| classes.iter().any(|class| drug.has_class(class)))
    }

    /// The recognised ingredients that have one of `classes`.
    pub fn drugs_of<'s>(&'s self, classes: &'s [String]) -> impl Iterator<Item = &'s Drug> + 's {
        self.drugs
            .iter()
            .copied()
            .filter(move |drug| classes.iter().any(|class| drug.has_class(class)))
    }

    pub fn start(&self) -> NaiveDate {
        self.exposure.start_day()
    }

    /// The dose of `drug` in this record as an amount a day: the recorded milligrams, or for a
    /// dose counted in tablets (a combination product, "1 tablet/d" of "amlodipine 10 MG /
    /// valsartan 160 MG Oral Tablet"), the count times the strength the product's name gives
    /// this ingredient. A product of one recognised ingredient must name one strength: "50 mg
    /// and 100 mg tablets" says which tablets were at hand, not which were taken, and a wrong
    /// dose is worse than an unknown one (listed as such for review).
    pub fn daily_of(&self, drug: &Drug) -> Option<dose::Daily> {
        let recorded = self.exposure.dose.as_ref()?;
        if let Some(daily) = dose::daily(recorded) {
            if self.drugs.len() == 1 {
                return Some(daily);
            }
            return self.share_of(drug, daily);
        }
        let (count, interval_days) = dose::counted(recorded)?;
        let unit_mg = self.written_strength_of(drug)?;
        Some(dose::Daily {
            mg_per_day: count * unit_mg / interval_days,
            interval_days,
        })
    }

    /// The dose of `drug` in a product of several ingredients recorded in milligrams (CR-17):
    /// the milligrams are one ingredient's, never every ingredient's ("perindopril 5 mg /
    /// indapamide 1.25 mg", 5 mg a day, is 1.25 mg of indapamide, not 5). They are read as a
    /// whole number of units of a strength the name writes, the fewest that fit (5 mg of a 5
    /// mg/1.25 mg tablet is one tablet, not four: a dose written in milligrams names the
    /// ingredient whose strength it is, a [U] choice), and each ingredient's dose is that count
    /// times its own strength; where no strength fits, or the name writes none, the dose is not
    /// known, never a guess.
    fn share_of(&self, drug: &Drug, daily: dose::Daily) -> Option<dose::Daily> {
        let amount = daily.mg_per_day * daily.interval_days;
        let counts: Vec<f64> = self
            .drugs
            .iter()
            .filter_map(|ingredient| self.written_strength_of(ingredient))
            .filter(|strength| *strength > 0.0)
            .map(|strength| amount / strength)
            .filter(|count| *count >= 1.0 - 1e-9 && (count - count.round()).abs() < 1e-6)
            .map(f64::round)
            .collect();
        let count = counts.into_iter().reduce(f64::min)?;
        let strength = self.written_strength_of(drug)?;
        Some(dose::Daily {
            mg_per_day: count * strength / daily.interval_days,
            interval_days: daily.interval_days,
        })
    }

    /// Milligrams of `drug` in one unit as the product's name writes it ("Perindopril 10 mg
    /// tablet", "amlodipine 10 MG / valsartan 160 MG"), when it writes one.
    fn written_strength_of(&self, drug: &Drug) -> Option<f64> {
        let text = &self.exposure.text;
        let names: Vec<&str> = std::iter::once(drug.ingredient.as_str())
            .chain(drug.synonyms.iter().map(String::as_str))
            .collect();
        if self.drugs.len() == 1 {
            strength::single_unit_mg(text)
        } else {
            strength::ingredient_mg(text, &names).or_else(|| self.label_order_mg(drug))
        }
    }

    /// Milligrams of `drug` in one unit, for telling its salt by its strength: the strength the
    /// product's name writes, else the amount given each time.
    pub fn unit_mg_of(&self, drug: &Drug) -> Option<f64> {
        self.written_strength_of(drug)
            .or_else(|| self.per_dose_of(drug))
    }

    /// Milligrams of `drug` in one unit of a brand whose name lists its strengths unnamed
    /// ("EXFORGE HCT 10-320-25 MG"): the strengths are its ingredients' in the order the drug
    /// book lists the combination (its label's order), when the name gives as many strengths as
    /// ingredients. A choice, guarded: at least one ingredient has a usual maximum and no
    /// strength is above its ingredient's (a strength above it says the label writes another
    /// order, and a wrong dose is worse than an unknown one).
    fn label_order_mg(&self, drug: &Drug) -> Option<f64> {
        let strengths = strength::unnamed_strengths(&self.exposure.text)?;
        if strengths.len() != self.named_order.len()
            || !self.drugs.iter().all(|d| {
                self.named_order
                    .iter()
                    .any(|n| n.ingredient == d.ingredient)
            })
        {
            return None;
        }
        let mut checked = false;
        for (ingredient, mg) in self.named_order.iter().zip(&strengths) {
            if let Some(maximum) = ingredient.max_mg_day {
                if *mg > maximum + 1e-9 {
                    return None;
                }
                checked = true;
            }
        }
        let position = self
            .named_order
            .iter()
            .position(|d| d.ingredient == drug.ingredient)?;
        checked.then(|| strengths[position])
    }

    /// The amount of `drug` given each time, mg: a dose per interval is the amount of one
    /// administration ("56 mg/3.5d" is 56 mg a session), a daily dose the amount of a day, an
    /// amount with no interval ("56 mg") the amount given.
    pub fn per_dose_of(&self, drug: &Drug) -> Option<f64> {
        self.daily_of(drug)
            .map(|daily| daily.mg_per_day * daily.interval_days)
            .or_else(|| dose::amount_mg(self.exposure.dose.as_ref()?))
    }

    pub fn end(&self) -> Option<NaiveDate> {
        self.exposure.end_day()
    }

    /// The last day the record treats, as the lines' gap counts it: its end (`today` while it
    /// is given), or for a course (see [`Self::course_drug`]) the end of the course's action,
    /// [`Self::course_days`] after the infusion (the injection) began, when that is later: the
    /// months between two courses of rituximab, or two injections of a 6-monthly depot, are no
    /// pause of its treatment.
    pub fn treats_until(&self, set: &RuleSet, today: NaiveDate) -> NaiveDate {
        let end = self.end().unwrap_or(today);
        self.course_days(set)
            .map_or(end, |days| end.max(super::dates::shift(self.start(), days)))
    }

    /// How long one course of a drug read in courses acts: the drug book's `course_days`
    /// (rituximab in RA), or for a depot injection recorded alone its label interval.
    pub fn course_days(&self, set: &RuleSet) -> Option<i64> {
        let drug = self.course_drug(set)?;
        drug.course_days
            .filter(|_| set.lines.drug_courses)
            .or_else(|| self.depot_interval(set, drug))
    }

    /// How late after a course's action ends the next course may begin and continue it: the
    /// lines' gap for a drug given in courses (rituximab), and for a depot injection `[lines]
    /// depot_grace_share` of its interval (the import's grace for injections recorded one by
    /// one: a dose less than half an interval late resumes the schedule).
    pub fn course_grace_days(&self, set: &RuleSet) -> i64 {
        match (self.depot_course_days(set), set.lines.depot_grace_share) {
            (Some(days), Some(share)) => (days as f64 * share).round() as i64,
            _ => set.lines.gap_days,
        }
    }

    /// The label interval of one depot injection read as a course (see [`Self::course_days`]);
    /// `None` for every other record, a course of rituximab included.
    pub fn depot_course_days(&self, set: &RuleSet) -> Option<i64> {
        let drug = self.course_drug(set)?;
        if set.lines.drug_courses && drug.course_days.is_some() {
            return None;
        }
        self.depot_interval(set, drug)
    }

    /// For a rule set that reads depot injections as courses (`[lines] depot_grace_share`): the
    /// label interval of this record of `drug`'s long-acting injectable (its depot form named:
    /// an ester, an LAI brand) when the record is one injection, shorter than the interval
    /// (injections joined into one exposure on import, or a statement over months, are read as
    /// given).
    fn depot_interval(&self, set: &RuleSet, drug: &Drug) -> Option<i64> {
        set.lines.depot_grace_share?;
        let text = &self.exposure.text;
        let named = drug
            .depot_names
            .iter()
            .any(|name| super::words::contains_words(text, name));
        if drug.depot_ddd_mg.is_none() || !named {
            return None;
        }
        let amount = self.exposure.dose.as_ref().and_then(super::dose::amount_mg);
        let days = drug.label_interval_days(text, amount)?;
        let recorded = (self.end().unwrap_or_else(|| self.start()) - self.start()).num_days();
        (recorded < days).then_some(days)
    }
}

impl<'a> Given<'a> {
    /// The drug given in courses this record is of: where `set` reads courses (`[lines]
    /// drug_courses`), its one recognised ingredient when the drug book gives it `course_days`
    /// (rituximab in RA); where `set` reads depot injections as courses (`[lines]
    /// depot_grace_share`), the drug of one injection of a long-acting injectable (see
    /// [`Self::course_days`]). A record of several ingredients is a regimen's, read as given.
    pub fn course_drug(&self, set: &RuleSet) -> Option<&'a Drug> {
        let [drug] = self.drugs.as_slice() else {
            return None;
        };
        if set.lines.drug_courses && drug.course_days.is_some() {
            return Some(drug);
        }
        self.depot_interval(set, drug).map(|_| *drug)
    }
}
