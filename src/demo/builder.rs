//! A small builder that writes one demo patient's record in clinical terms ("levetiracetam
//! 1500 mg/d from 40 months ago for 14 months, stopped for no response"), with dates counted back
//! from the demo's reference day.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};

use super::rng::Rng;
use crate::domain::{
    BpSetting, Condition, ConditionCodeSystem, Dose, DrugExposure, DrugRole, Intent, LineDrug,
    LineOrigin, Observation, Procedure, Response, StopReason, TreatmentLine, observation_codes,
};
use crate::rules::DrugBook;

/// Days in an average month, for stories told in months.
pub const MONTH: i64 = 30;

pub struct Builder<'a> {
    pub rng: Rng,
    pub today: NaiveDate,
    book: &'a DrugBook,
    pub conditions: Vec<Condition>,
    pub exposures: Vec<DrugExposure>,
    pub lines: Vec<TreatmentLine>,
    pub observations: Vec<Observation>,
    pub procedures: Vec<Procedure>,
    next_id: i64,
}

/// A drug to give: ingredient, the product text, the daily dose.
#[derive(Debug, Clone, Copy)]
pub struct Give<'s> {
    pub ingredient: &'s str,
    pub dose: f64,
    pub unit: &'s str,
}

/// A treatment line being described, in clinical terms: `b.line("epilepsy", "levetiracetam",
/// &[e1]).from(40 * MONTH).until(26 * MONTH).stopped(StopReason::LackOfEfficacy).add()`.
#[must_use = "a line is recorded by `add`"]
pub struct LineDraft<'b, 'a> {
    builder: &'b mut Builder<'a>,
    ruleset: String,
    regimen: String,
    exposures: Vec<i64>,
    start_ago: i64,
    end_ago: Option<i64>,
    response: Option<Response>,
    stop: Option<StopReason>,
    intent: Option<Intent>,
}

/// A finished [`LineDraft`], without its builder.
struct LineSpec {
    ruleset: String,
    regimen: String,
    exposures: Vec<i64>,
    start_ago: i64,
    end_ago: Option<i64>,
    response: Option<Response>,
    stop: Option<StopReason>,
    intent: Option<Intent>,
}

impl LineDraft<'_, '_> {
    /// Started `days_ago` days before the reference day.
    pub fn from(mut self, days_ago: i64) -> Self {
        self.start_ago = days_ago;
        self
    }

    /// Ended `days_ago` days before the reference day.
    pub fn until(self, days_ago: i64) -> Self {
        self.until_opt(Some(days_ago))
    }

    /// Ended then, or ongoing (`None`).
    pub fn until_opt(mut self, days_ago: Option<i64>) -> Self {
        self.end_ago = days_ago;
        self
    }

    /// The best response, recorded at the end of the line (or today), if any.
    pub fn response_opt(mut self, response: Option<Response>) -> Self {
        self.response = response;
        self
    }

    pub fn stopped(self, reason: StopReason) -> Self {
        self.stopped_opt(Some(reason))
    }

    pub fn stopped_opt(mut self, reason: Option<StopReason>) -> Self {
        self.stop = reason;
        self
    }

    pub fn intent_opt(mut self, intent: Option<Intent>) -> Self {
        self.intent = intent;
        self
    }

    /// Records the line; returns its index in [`Builder::lines`].
    pub fn add(self) -> usize {
        let LineDraft {
            builder,
            ruleset,
            regimen,
            exposures,
            start_ago,
            end_ago,
            response,
            stop,
            intent,
        } = self;
        builder.add_line(LineSpec {
            ruleset,
            regimen,
            exposures,
            start_ago,
            end_ago,
            response,
            stop,
            intent,
        })
    }
}

pub const fn give<'s>(ingredient: &'s str, dose: f64, unit: &'s str) -> Give<'s> {
    Give {
        ingredient,
        dose,
        unit,
    }
}

impl<'a> Builder<'a> {
    pub fn new(rng: Rng, today: NaiveDate, book: &'a DrugBook) -> Self {
        Builder {
            rng,
            today,
            book,
            conditions: Vec::new(),
            exposures: Vec::new(),
            lines: Vec::new(),
            observations: Vec::new(),
            procedures: Vec::new(),
            next_id: 1,
        }
    }

    fn id(&mut self) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    pub fn day(&self, days_ago: i64) -> NaiveDate {
        self.today - Duration::days(days_ago)
    }

    /// A clinic-hours time on the day `days_ago`.
    pub fn at(&mut self, days_ago: i64) -> NaiveDateTime {
        let minutes = self.rng.range(8 * 60, 16 * 60);
        self.day(days_ago).and_time(NaiveTime::MIN) + Duration::minutes(minutes)
    }

    pub fn condition(&mut self, icd10: &str, display: &str, onset_days_ago: i64) {
        let id = self.id();
        let onset = self.day(onset_days_ago);
        self.conditions.push(Condition {
            id,
            system: ConditionCodeSystem::Icd10,
            code: icd10.to_owned(),
            display: display.to_owned(),
            onset: Some(onset),
            abatement: None,
            onset_precision: crate::domain::DatePrecision::Day,
            abatement_precision: crate::domain::DatePrecision::Day,
            recorded_precision: crate::domain::DatePrecision::Day,
            abated_on_unknown_day: false,
            recorded: None,
            clinical_status: Some("active".into()),
            verification_status: Some("confirmed".into()),
            codings: Vec::new(),
        });
    }

    /// Gives a drug from `start_ago` for `days` (ongoing when `None`), returning its local id.
    pub fn drug(
        &mut self,
        drug: Give<'_>,
        start_ago: i64,
        days: Option<i64>,
        stop: Option<StopReason>,
    ) -> i64 {
        let start = self.at(start_ago);
        let end = days.map(|days| start + Duration::days(days.max(1)));
        self.exposure(drug, start, end, stop, None)
    }

    /// Gives a drug at an exact time (status epilepticus), with its role.
    pub fn exposure(
        &mut self,
        drug: Give<'_>,
        start: NaiveDateTime,
        end: Option<NaiveDateTime>,
        stop: Option<StopReason>,
        role: Option<DrugRole>,
    ) -> i64 {
        let id = self.id();
        let known = self.book.get(drug.ingredient);
        let rxnorm = known.and_then(|d| d.rxnorm.clone());
        let atc = known.and_then(|d| d.atc.first().cloned());
        let text = product_text(drug);
        let route = if role.is_some() {
            Some("intravenous".to_owned())
        } else {
            None
        };
        self.exposures.push(DrugExposure {
            id,
            text,
            rxnorm,
            atc,
            start,
            end,
            dose: Some(Dose {
                value: drug.dose,
                unit: drug.unit.to_owned(),
            }),
            route,
            role,
            // A course stopped for a reason said the drug stopped; one that only ended (a
            // ward course, a course run to its length) said no more than that it ended.
            said_stopped: stop.is_some(),
            dose_from: None,
            stop_reason: stop,
            cycles: None,
            dates: crate::domain::DatesKnown::Stated,
            stop_text: None,
            utc_offset_minutes: None,
            end_utc_offset_minutes: None,
            indications: Vec::new(),
        });
        id
    }

    /// Starts a treatment line over the given exposures (started today until told
    /// otherwise); [`LineDraft::add`] records it.
    pub fn line<'b>(
        &'b mut self,
        ruleset: &str,
        regimen: &str,
        exposures: &[i64],
    ) -> LineDraft<'b, 'a> {
        LineDraft {
            builder: self,
            ruleset: ruleset.to_owned(),
            regimen: regimen.to_owned(),
            exposures: exposures.to_vec(),
            start_ago: 0,
            end_ago: None,
            response: None,
            stop: None,
            intent: None,
        }
    }

    fn add_line(&mut self, draft: LineSpec) -> usize {
        let LineSpec {
            ruleset,
            regimen,
            exposures,
            start_ago,
            end_ago,
            response,
            stop,
            intent,
        } = draft;
        let (ruleset, regimen) = (ruleset.as_str(), regimen.as_str());
        let id = self.id();
        let number = self.lines.iter().filter(|l| l.ruleset == ruleset).count() as u32 + 1;
        let drugs = exposures
            .iter()
            .filter_map(|exposure_id| self.exposures.iter().find(|e| e.id == *exposure_id))
            .map(|exposure| LineDrug {
                ingredient: self
                    .book
                    .recognise(&[], &exposure.text)
                    .first()
                    .map_or_else(|| exposure.text.clone(), |d| d.ingredient.clone()),
                dose: exposure.dose.clone(),
                exposure_id: Some(exposure.id),
            })
            .collect();
        let start = self.day(start_ago);
        let end = end_ago.map(|ago| self.day(ago));
        let response_date = response.map(|_| end.unwrap_or(self.today).min(self.today));
        self.lines.push(TreatmentLine {
            id,
            ruleset: ruleset.to_owned(),
            number,
            regimen: regimen.to_owned(),
            start,
            end,
            intent,
            best_response: response,
            best_response_date: response_date,
            progression_date: None,
            stop_reason: stop,
            cycles: None,
            origin: LineOrigin::Entered,
            cut_reason: None,
            drugs,
        });
        self.lines.len() - 1
    }

    pub fn observe(&mut self, code: &str, display: &str, value: f64, unit: &str, days_ago: i64) {
        let effective = self.at(days_ago);
        self.observe_at(code, display, value, unit, effective);
    }

    pub fn observe_at(
        &mut self,
        code: &str,
        display: &str,
        value: f64,
        unit: &str,
        effective: NaiveDateTime,
    ) {
        let id = self.id();
        self.observations.push(Observation {
            focus: Vec::new(),
            value_words: String::new(),
            reference_ranges: Vec::new(),
            interpretation: None,
            named_conditions: Vec::new(),
            id,
            code: code.to_owned(),
            system: system_of(code),
            display: display.to_owned(),
            value: Some(value),
            value_code: None,
            unit: Some(unit.to_owned()).filter(|u| !u.is_empty()),
            effective,
            since: None,
            setting: None,
            comparator: None,
            utc_offset_minutes: None,
            since_utc_offset_minutes: None,
            since_precision: crate::domain::DatePrecision::Day,
            effective_precision: crate::domain::DatePrecision::Day,
        });
    }

    /// A blood pressure reading: systolic and diastolic observations at the same time.
    pub fn blood_pressure(
        &mut self,
        systolic: i64,
        diastolic: i64,
        days_ago: i64,
        setting: BpSetting,
    ) {
        let effective = self.at(days_ago);
        for (code, display, value) in [
            (
                observation_codes::SYSTOLIC_BP,
                "Systolic blood pressure",
                systolic,
            ),
            (
                observation_codes::DIASTOLIC_BP,
                "Diastolic blood pressure",
                diastolic,
            ),
        ] {
            let id = self.id();
            self.observations.push(Observation {
                focus: Vec::new(),
                value_words: String::new(),
                reference_ranges: Vec::new(),
                interpretation: None,
                named_conditions: Vec::new(),
                id,
                code: code.to_owned(),
                system: system_of(code),
                display: display.to_owned(),
                value: Some(value as f64),
                value_code: None,
                unit: Some("mm[Hg]".to_owned()),
                effective,
                since: None,
                setting: Some(setting),
                comparator: None,
                utc_offset_minutes: None,
                since_utc_offset_minutes: None,
                since_precision: crate::domain::DatePrecision::Day,
                effective_precision: crate::domain::DatePrecision::Day,
            });
        }
    }

    /// An mCODE disease-status observation.
    pub fn disease_status(&mut self, status_code: &str, words: &str, days_ago: i64) {
        let id = self.id();
        let effective = self.at(days_ago);
        self.observations.push(Observation {
            focus: Vec::new(),
            value_words: String::new(),
            reference_ranges: Vec::new(),
            interpretation: None,
            named_conditions: Vec::new(),
            id,
            code: observation_codes::DISEASE_STATUS.to_owned(),
            system: system_of(observation_codes::DISEASE_STATUS),
            display: format!("Cancer disease status: {words}"),
            value: None,
            value_code: Some(status_code.to_owned()),
            unit: None,
            effective,
            since: None,
            setting: None,
            comparator: None,
            utc_offset_minutes: None,
            since_utc_offset_minutes: None,
            since_precision: crate::domain::DatePrecision::Day,
            effective_precision: crate::domain::DatePrecision::Day,
        });
    }

    pub fn procedure(&mut self, code: &str, display: &str, days_ago: i64) {
        let id = self.id();
        let performed = self.at(days_ago);
        self.procedures.push(Procedure {
            indications: Vec::new(),
            named_conditions: Vec::new(),
            named_devices: Vec::new(),
            id,
            code: code.to_owned(),
            system: if code.starts_with("refract:") {
                String::new()
            } else {
                String::from("http://snomed.info/sct")
            },
            display: display.to_owned(),
            performed,
            end: None,
            codings: Vec::new(),
            performed_by: None,
            date_unknown: false,
            at_ages: None,
            utc_offset_minutes: None,
            end_utc_offset_minutes: None,
        });
    }

    /// Sets the cycles and progression date of the line at `index`.
    /// Adds a planned next phase (maintenance after induction and transplant) to line `index`:
    /// its drugs join the line, which now ends when the phase ends and for its reason.
    pub fn extend_line(
        &mut self,
        index: usize,
        phase: &str,
        exposures: &[i64],
        end_ago: Option<i64>,
        response: Option<Response>,
        stop: Option<StopReason>,
    ) {
        let drugs: Vec<LineDrug> = exposures
            .iter()
            .filter_map(|exposure_id| self.exposures.iter().find(|e| e.id == *exposure_id))
            .map(|exposure| LineDrug {
                ingredient: self
                    .book
                    .recognise(&[], &exposure.text)
                    .first()
                    .map_or_else(|| exposure.text.clone(), |d| d.ingredient.clone()),
                dose: exposure.dose.clone(),
                exposure_id: Some(exposure.id),
            })
            .collect();
        let end = end_ago.map(|ago| self.day(ago));
        let today = self.today;
        let Some(line) = self.lines.get_mut(index) else {
            return;
        };
        line.regimen = format!("{} + {phase}", line.regimen);
        line.drugs.extend(drugs);
        line.end = end;
        line.stop_reason = stop;
        if let Some(response) = response
            && line
                .best_response
                .is_none_or(|best| response.depth() > best.depth())
        {
            line.best_response = Some(response);
            line.best_response_date = Some(end.unwrap_or(today).min(today));
        }
    }

    pub fn line_detail(&mut self, index: usize, cycles: Option<u32>, progression_ago: Option<i64>) {
        let progression = progression_ago.map(|ago| self.day(ago));
        if let Some(line) = self.lines.get_mut(index) {
            line.cycles = cycles;
            line.progression_date = progression;
        }
        if let (Some(line), Some(cycles)) = (self.lines.get(index), cycles) {
            let exposure_ids: Vec<i64> = line.drugs.iter().filter_map(|d| d.exposure_id).collect();
            for exposure in &mut self.exposures {
                if exposure_ids.contains(&exposure.id) {
                    exposure.cycles = Some(cycles);
                }
            }
        }
    }
}

/// "Levetiracetam 1500 mg/d" style product text, as a prescribing system would display it.
fn product_text(drug: Give<'_>) -> String {
    let mut name = drug.ingredient.to_owned();
    if let Some(first) = name.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    let dose = if drug.dose.fract() == 0.0 {
        format!("{}", drug.dose as i64)
    } else {
        format!("{}", drug.dose)
    };
    format!("{name} {dose} {}", drug.unit)
}

/// The system of a demo measurement's code: LOINC, but for refract's own codes (which have no
/// system but their prefix).
fn system_of(code: &str) -> String {
    if code.starts_with("refract:") {
        String::new()
    } else {
        String::from("http://loinc.org")
    }
}
