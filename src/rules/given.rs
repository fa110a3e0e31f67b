//! A drug exposure as the rules see it: the record with the ingredients the drug book
//! recognises in it, and its dose as an amount a day.

use chrono::NaiveDate;

use super::dose;
use super::drugs::{Drug, DrugBook};
use crate::domain::strength;
use crate::domain::{DrugExposure, PatientRecord};

/// The records of `record` the criteria read as treatments given, with the ingredients `book`
/// recognises in each: a drug taken only when needed is no schedule, and one given into the
/// spinal fluid or the ventricles is CNS-directed therapy, no systemic treatment (see
/// [`DrugExposure::is_read_as_treatment`]). Lines, trials and every criterion read these alone;
/// the others stay in the record, shown as they are.
pub fn treatments<'a>(record: &'a PatientRecord, book: &'a DrugBook) -> Vec<Given<'a>> {
    record
        .exposures
        .iter()
        .filter(|exposure| exposure.is_read_as_treatment())
        .map(|exposure| {
            let codes = exposure.codes();
            Given {
                exposure,
                drugs: book.recognise(&codes, &exposure.text),
            }
        })
        .collect()
}

/// An exposure with the ingredients recognised in it.
#[derive(Debug, Clone)]
pub struct Given<'a> {
    pub exposure: &'a DrugExposure,
    pub drugs: Vec<&'a Drug>,
}

impl Given<'_> {
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
        self.exposure.start.date()
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
            return Some(daily);
        }
        let (count, interval_days) = dose::counted(recorded)?;
        let text = &self.exposure.text;
        let names: Vec<&str> = std::iter::once(drug.ingredient.as_str())
            .chain(drug.synonyms.iter().map(String::as_str))
            .collect();
        let unit_mg = if self.drugs.len() == 1 {
            strength::single_unit_mg(text)
        } else {
            strength::ingredient_mg(text, &names)
        }?;
        Some(dose::Daily {
            mg_per_day: count * unit_mg / interval_days,
            interval_days,
        })
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
        self.exposure.end.map(|end| end.date())
    }
}
