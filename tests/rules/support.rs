//! Test support for the rule tests: a fluent builder that writes a patient record as a clinical
//! vignette (dates counted back from a fixed `today`), and a table runner that evaluates a list of
//! cases against one rule set and reports every case that does not match at once.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::fmt::Write as _;
use std::sync::OnceLock;

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use refract::domain::{
    Assessment, AssessmentStatus, BpSetting, Coding, Comparator, Condition, ConditionCodeSystem,
    DatesKnown, Dose, DrugExposure, DrugRole, EvidenceKind, Intent, LineDrug, LineOrigin,
    Observation, Patient, PatientId, PatientRecord, Procedure, Response, Sex, StopReason,
    TreatmentLine, observation_codes,
};
use refract::rules::Rules;

/// The fixed reference day of every vignette.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
}

/// The day `days` days before `today`.
pub fn ago(days: i64) -> NaiveDate {
    today() - Duration::days(days)
}

/// How many days before `today` the day `y-m-d` is.
pub fn days_to(y: i32, m: u32, d: u32) -> i64 {
    (today() - NaiveDate::from_ymd_opt(y, m, d).unwrap()).num_days()
}

/// `record` with each observation on the first day of month `(y, m)` dated by that month alone
/// (FHIR "2026-03": every day of it).
pub fn dated_by_month(mut record: PatientRecord, (y, m): (i32, u32)) -> PatientRecord {
    let first = NaiveDate::from_ymd_opt(y, m, 1).unwrap();
    for o in &mut record.observations {
        if o.local_day() == first {
            o.effective = first.and_time(NaiveTime::MIN);
            o.effective_precision = refract::domain::DatePrecision::Month;
        }
    }
    record
}

/// Midnight of the day `days` days before `today`.
pub fn day_ago(days: i64) -> NaiveDateTime {
    ago(days).and_time(NaiveTime::MIN)
}

/// `hh:mm` on the day `days` days before `today`.
pub fn time_ago(days: i64, hour: u32, minute: u32) -> NaiveDateTime {
    ago(days).and_time(NaiveTime::from_hms_opt(hour, minute, 0).unwrap())
}

/// The embedded rules, loaded once.
pub fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| Rules::embedded().unwrap())
}

/// A drug given: "Levetiracetam 1500 mg/d" (the dose is read from the last two words of the
/// text when they are a number and a unit), from a start to an end, with a stop reason.
#[derive(Debug, Clone)]
pub struct Rx {
    text: String,
    start: NaiveDateTime,
    end: Option<NaiveDateTime>,
    dose: Option<Dose>,
    stop: Option<StopReason>,
    role: Option<DrugRole>,
    dates: DatesKnown,
    route: Option<String>,
    stop_text: Option<String>,
}

/// A drug recorded with `text`, started today and ongoing until told otherwise.
pub fn rx(text: &str) -> Rx {
    let words: Vec<&str> = text.split_whitespace().collect();
    let dose = match words.as_slice() {
        [.., value, unit] if words.len() >= 3 => value.parse::<f64>().ok().map(|value| Dose {
            value,
            unit: (*unit).to_owned(),
        }),
        _ => None,
    };
    Rx {
        text: text.to_owned(),
        start: day_ago(0),
        end: None,
        dose,
        stop: None,
        role: None,
        dates: DatesKnown::Stated,
        route: None,
        stop_text: None,
    }
}

impl Rx {
    /// Started `days` days ago.
    pub fn from(mut self, days: i64) -> Self {
        self.start = day_ago(days);
        self
    }

    /// Stopped `days` days ago.
    pub fn until(mut self, days: i64) -> Self {
        self.end = Some(day_ago(days));
        self
    }

    /// Given for `days` days from its start.
    pub fn for_days(mut self, days: i64) -> Self {
        self.end = Some(self.start + Duration::days(days));
        self
    }

    /// Started at an exact time (status epilepticus).
    pub fn at(mut self, start: NaiveDateTime) -> Self {
        self.start = start;
        self
    }

    /// Ended at an exact time.
    pub fn ended_at(mut self, end: NaiveDateTime) -> Self {
        self.end = Some(end);
        self
    }

    pub fn stopped(mut self, reason: StopReason) -> Self {
        self.stop = Some(reason);
        self
    }

    /// Stopped for a reason written in words nothing understood.
    pub fn stopped_as_written(mut self, words: &str) -> Self {
        self.stop_text = Some(words.to_owned());
        self
    }

    pub fn no_dose(mut self) -> Self {
        self.dose = None;
        self
    }

    pub fn role(mut self, role: DrugRole) -> Self {
        self.role = Some(role);
        self
    }

    /// Given by `route`, in its words ("Intrathecal route").
    pub fn route(mut self, route: &str) -> Self {
        self.route = Some(route.to_owned());
        self
    }

    /// Its end is the last day it is known to have been given (a record stopped with no end
    /// date): it may have gone on longer.
    pub fn end_unknown(mut self) -> Self {
        self.dates = DatesKnown::EndUnknown;
        self
    }
}

/// A treatment line as a clinician enters it.
#[derive(Debug, Clone)]
pub struct LineSpec {
    regimen: String,
    drugs: Vec<(String, Option<Dose>)>,
    start: NaiveDate,
    end: Option<NaiveDate>,
    response: Option<Response>,
    cycles: Option<u32>,
    progression: Option<NaiveDate>,
    stop: Option<StopReason>,
    intent: Option<Intent>,
}

/// A line of `regimen` with the ingredients `drugs`, started today until told otherwise.
pub fn line(regimen: &str, drugs: &[&str]) -> LineSpec {
    LineSpec {
        regimen: regimen.to_owned(),
        drugs: drugs.iter().map(|d| ((*d).to_owned(), None)).collect(),
        start: today(),
        end: None,
        response: None,
        cycles: None,
        progression: None,
        stop: None,
        intent: None,
    }
}

impl LineSpec {
    pub fn from(mut self, days: i64) -> Self {
        self.start = ago(days);
        self
    }

    pub fn until(mut self, days: i64) -> Self {
        self.end = Some(ago(days));
        self
    }

    pub fn response(mut self, response: Response) -> Self {
        self.response = Some(response);
        self
    }

    pub fn cycles(mut self, cycles: u32) -> Self {
        self.cycles = Some(cycles);
        self
    }

    /// Progression recorded `days` days ago.
    pub fn progressed(mut self, days: i64) -> Self {
        self.progression = Some(ago(days));
        self
    }

    pub fn stopped(mut self, reason: StopReason) -> Self {
        self.stop = Some(reason);
        self
    }

    pub fn intent(mut self, intent: Intent) -> Self {
        self.intent = Some(intent);
        self
    }

    /// The dose of one of the line's drugs (e.g. high-dose cytarabine 3000 mg/m2).
    pub fn dose(mut self, ingredient: &str, value: f64, unit: &str) -> Self {
        for (name, dose) in &mut self.drugs {
            if name == ingredient {
                *dose = Some(Dose {
                    value,
                    unit: unit.to_owned(),
                });
            }
        }
        self
    }
}

/// One patient's record, written as a vignette.
#[derive(Debug, Clone)]
pub struct Vignette {
    record: PatientRecord,
    next_id: i64,
}

impl Vignette {
    pub fn new() -> Self {
        Vignette {
            record: PatientRecord {
                patient: Some(Patient {
                    id: PatientId(7),
                    mrn: "RF-TEST-7".into(),
                    mrn_system: String::new(),
                    family_name: "Lind".into(),
                    given_name: "Mara".into(),
                    birth_date: NaiveDate::from_ymd_opt(1971, 4, 2),
                    birth_precision: refract::domain::DatePrecision::Day,
                    sex: Sex::Female,
                    deceased: false,
                    deceased_date: None,
                    deceased_in: None,
                    care_team: None,
                }),
                ..PatientRecord::default()
            },
            next_id: 1,
        }
    }

    fn id(&mut self) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// An active, confirmed ICD-10 diagnosis with no recorded onset.
    pub fn condition(self, icd10: &str, display: &str) -> Self {
        self.condition_with_onset(icd10, display, None)
    }

    /// An active, confirmed ICD-10 diagnosis with its onset `days` days ago.
    pub fn condition_since(self, icd10: &str, display: &str, days: i64) -> Self {
        self.condition_with_onset(icd10, display, Some(ago(days)))
    }

    /// An active, confirmed diagnosis coded in `system` (with no display when `display` is
    /// empty), as a problem list or a claims feed sends it.
    pub fn coded_condition(
        mut self,
        system: ConditionCodeSystem,
        code: &str,
        display: &str,
    ) -> Self {
        let id = self.id();
        self.record.conditions.push(Condition {
            id,
            system,
            code: code.to_owned(),
            display: display.to_owned(),
            onset: None,
            abatement: None,
            onset_precision: refract::domain::DatePrecision::Day,
            abatement_precision: refract::domain::DatePrecision::Day,
            recorded_precision: refract::domain::DatePrecision::Day,
            abated_on_unknown_day: false,
            recorded: None,
            clinical_status: Some("active".into()),
            verification_status: Some("confirmed".into()),
            codings: Vec::new(),
        });
        self
    }

    /// A diagnosis coded several ways, as `(system URI, code, display)`, with `clinical` as its
    /// status: shown by the first coding, as the FHIR import keeps the coding its rules knew.
    pub fn condition_coded(mut self, codings: &[(&str, &str, &str)], clinical: &str) -> Self {
        let id = self.id();
        let (system, code, display) = codings.first().copied().unwrap_or_default();
        self.record.conditions.push(Condition {
            id,
            system: ConditionCodeSystem::from_uri(system),
            code: code.to_owned(),
            display: display.to_owned(),
            onset: None,
            abatement: None,
            onset_precision: refract::domain::DatePrecision::Day,
            abatement_precision: refract::domain::DatePrecision::Day,
            recorded_precision: refract::domain::DatePrecision::Day,
            abated_on_unknown_day: false,
            recorded: None,
            clinical_status: Some(clinical.to_owned()),
            verification_status: Some("confirmed".into()),
            codings: codings
                .iter()
                .map(|(system, code, display)| Coding {
                    system: (*system).to_owned(),
                    code: (*code).to_owned(),
                    display: (*display).to_owned(),
                })
                .collect(),
        });
        self
    }

    /// An ICD-10 diagnosis with the given FHIR clinical and verification statuses (`None`: not
    /// recorded).
    pub fn condition_status(
        mut self,
        icd10: &str,
        display: &str,
        clinical: Option<&str>,
        verification: Option<&str>,
    ) -> Self {
        let id = self.id();
        self.record.conditions.push(Condition {
            id,
            system: ConditionCodeSystem::Icd10,
            code: icd10.to_owned(),
            display: display.to_owned(),
            onset: None,
            abatement: None,
            onset_precision: refract::domain::DatePrecision::Day,
            abatement_precision: refract::domain::DatePrecision::Day,
            recorded_precision: refract::domain::DatePrecision::Day,
            abated_on_unknown_day: false,
            recorded: None,
            clinical_status: clinical.map(str::to_owned),
            verification_status: verification.map(str::to_owned),
            codings: Vec::new(),
        });
        self
    }

    /// An ICD-10 diagnosis of one episode, confirmed, with `clinical` as its status and, in days
    /// ago, its onset, its abatement and the day it was recorded (`None`: not recorded).
    pub fn episode(
        mut self,
        (icd10, display): (&str, &str),
        clinical: &str,
        onset: Option<i64>,
        abated: Option<i64>,
        recorded: Option<i64>,
    ) -> Self {
        let id = self.id();
        self.record.conditions.push(Condition {
            id,
            system: ConditionCodeSystem::Icd10,
            code: icd10.to_owned(),
            display: display.to_owned(),
            onset: onset.map(ago),
            abatement: abated.map(ago),
            onset_precision: refract::domain::DatePrecision::Day,
            abatement_precision: refract::domain::DatePrecision::Day,
            recorded_precision: refract::domain::DatePrecision::Day,
            abated_on_unknown_day: false,
            recorded: recorded.map(ago),
            clinical_status: Some(clinical.to_owned()),
            verification_status: Some("confirmed".into()),
            codings: Vec::new(),
        });
        self
    }

    fn condition_with_onset(
        mut self,
        icd10: &str,
        display: &str,
        onset: Option<NaiveDate>,
    ) -> Self {
        let id = self.id();
        self.record.conditions.push(Condition {
            id,
            system: ConditionCodeSystem::Icd10,
            code: icd10.to_owned(),
            display: display.to_owned(),
            onset,
            abatement: None,
            onset_precision: refract::domain::DatePrecision::Day,
            abatement_precision: refract::domain::DatePrecision::Day,
            recorded_precision: refract::domain::DatePrecision::Day,
            abated_on_unknown_day: false,
            recorded: None,
            clinical_status: Some("active".into()),
            verification_status: Some("confirmed".into()),
            codings: Vec::new(),
        });
        self
    }

    pub fn give(mut self, rx: Rx) -> Self {
        let id = self.id();
        self.record.exposures.push(DrugExposure {
            id,
            text: rx.text,
            rxnorm: None,
            atc: None,
            start: rx.start,
            end: rx.end,
            dose: rx.dose,
            route: rx.route,
            role: rx.role,
            stop_reason: rx.stop,
            cycles: None,
            dates: rx.dates,
            stop_text: rx.stop_text.clone(),
            utc_offset_minutes: None,
            end_utc_offset_minutes: None,
            indications: Vec::new(),
            said_stopped: false,
            dose_from: None,
        });
        self
    }

    /// An entered line of `ruleset`; each of its drugs is linked to the exposure of that
    /// ingredient given during the line, when there is one.
    pub fn line(mut self, ruleset: &str, spec: LineSpec) -> Self {
        let id = self.id();
        let number = self
            .record
            .lines
            .iter()
            .filter(|l| l.ruleset == ruleset)
            .count() as u32
            + 1;
        let book = &rules().book;
        let window_end = spec.end.unwrap_or_else(today);
        let drugs = spec
            .drugs
            .iter()
            .map(|(ingredient, dose)| {
                let exposure = self.record.exposures.iter().find(|e| {
                    let day = e.start.date();
                    day >= spec.start - Duration::days(7)
                        && day <= window_end
                        && book
                            .recognise(&[], &e.text)
                            .iter()
                            .any(|d| d.ingredient.eq_ignore_ascii_case(ingredient))
                });
                LineDrug {
                    ingredient: ingredient.clone(),
                    dose: dose
                        .clone()
                        .or_else(|| exposure.and_then(|e| e.dose.clone())),
                    exposure_id: exposure.map(|e| e.id),
                }
            })
            .collect();
        self.record.lines.push(TreatmentLine {
            id,
            ruleset: ruleset.to_owned(),
            number,
            regimen: spec.regimen,
            start: spec.start,
            end: spec.end,
            intent: spec.intent,
            best_response: spec.response,
            best_response_date: spec.response.map(|_| window_end),
            progression_date: spec.progression,
            stop_reason: spec.stop,
            cycles: spec.cycles,
            origin: LineOrigin::Entered,
            cut_reason: None,
            drugs,
        });
        self
    }

    /// A numeric observation at an exact time.
    pub fn observe_at(
        mut self,
        code: &str,
        display: &str,
        value: f64,
        unit: &str,
        effective: NaiveDateTime,
    ) -> Self {
        let id = self.id();
        self.record.observations.push(Observation {
            focus: Vec::new(),
            value_words: String::new(),
            reference_ranges: Vec::new(),
            interpretation: None,
            named_conditions: Vec::new(),
            id,
            code: code.to_owned(),
            system: String::new(),
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
            since_precision: refract::domain::DatePrecision::Day,
            effective_precision: refract::domain::DatePrecision::Day,
        });
        self
    }

    /// A numeric observation at 09:00 `days` days ago.
    pub fn observe(self, code: &str, display: &str, value: f64, unit: &str, days: i64) -> Self {
        self.observe_at(code, display, value, unit, time_ago(days, 9, 0))
    }

    /// A numeric observation at 09:00 `days` days ago under a code of `system` (as an import
    /// stores it: empty for none).
    pub fn observe_in(
        mut self,
        code: &str,
        system: &str,
        display: &str,
        value: f64,
        unit: &str,
        days: i64,
    ) -> Self {
        self = self.observe(code, display, value, unit, days);
        if let Some(last) = self.record.observations.last_mut() {
            system.clone_into(&mut last.system);
        }
        self
    }

    /// Seizures per month counted over the month ending `days` days ago.
    pub fn seizures(self, count: f64, days: i64) -> Self {
        self.observe(
            observation_codes::SEIZURES_PER_MONTH,
            "Seizure frequency",
            count,
            "/mo",
            days,
        )
    }

    /// `count` seizures on the day `days` days ago (a count, not a rate: no time unit).
    pub fn seizures_on(self, count: f64, days: i64) -> Self {
        self.observe(
            observation_codes::SEIZURES_PER_MONTH,
            "Seizure count",
            count,
            "{seizures}",
            days,
        )
    }

    /// `count` seizures counted in a month or a year the record gives alone (`first`: its first
    /// day; `precision`: `Month` or `Year`), as an import keeps "2026-03".
    pub fn seizures_in(
        mut self,
        count: f64,
        first: NaiveDate,
        precision: refract::domain::DatePrecision,
    ) -> Self {
        self = self.observe_at(
            observation_codes::SEIZURES_PER_MONTH,
            "Seizure count",
            count,
            "{seizures}",
            first.and_time(NaiveTime::MIN),
        );
        if let Some(last) = self.record.observations.last_mut() {
            last.effective_precision = precision;
        }
        self
    }

    /// A seizure frequency coded as an answer (refract's code of it, as an import stores
    /// "Weekly" or "Seizure free"), `days` days ago.
    pub fn seizure_answer(self, key: &str, days: i64) -> Self {
        self.coded_at(
            observation_codes::SEIZURES_PER_MONTH,
            "Seizure frequency",
            &format!("{}{key}", observation_codes::seizure_frequency::PREFIX),
            time_ago(days, 9, 0),
        )
    }

    /// Seizure activity seen (clinically or on EEG) or not, at a time.
    pub fn seizure_activity(self, seen: bool, at: NaiveDateTime) -> Self {
        self.observe_at(
            observation_codes::SEIZURE_ACTIVITY,
            "Seizure activity",
            if seen { 1.0 } else { 0.0 },
            "",
            at,
        )
    }

    /// A coded finding (no number): `code` is its coded value, e.g. SNOMED CT 52101004
    /// "Present" or LOINC LA9634-2 "Absent".
    pub fn coded_at(
        mut self,
        code: &str,
        display: &str,
        value_code: &str,
        effective: NaiveDateTime,
    ) -> Self {
        let id = self.id();
        self.record.observations.push(Observation {
            focus: Vec::new(),
            value_words: String::new(),
            reference_ranges: Vec::new(),
            interpretation: None,
            named_conditions: Vec::new(),
            id,
            code: code.to_owned(),
            system: String::new(),
            display: display.to_owned(),
            value: None,
            value_code: Some(value_code.to_owned()),
            unit: None,
            effective,
            since: None,
            setting: None,
            comparator: None,
            utc_offset_minutes: None,
            since_utc_offset_minutes: None,
            since_precision: refract::domain::DatePrecision::Day,
            effective_precision: refract::domain::DatePrecision::Day,
        });
        self
    }

    /// Seizure activity on an EEG, coded (no number) with `value_code`.
    pub fn eeg_finding(self, value_code: &str, at: NaiveDateTime) -> Self {
        self.coded_at(
            observation_codes::SEIZURE_ACTIVITY,
            "EEG seizure activity",
            value_code,
            at,
        )
    }

    pub fn phq9(self, score: f64, days: i64) -> Self {
        self.observe(
            observation_codes::PHQ9_TOTAL,
            "PHQ-9 total score",
            score,
            "{score}",
            days,
        )
    }

    pub fn panss(self, score: f64, days: i64) -> Self {
        self.observe(
            observation_codes::PANSS_TOTAL,
            "PANSS total score",
            score,
            "{score}",
            days,
        )
    }

    pub fn cdai(self, score: f64, days: i64) -> Self {
        self.observe(
            observation_codes::CDAI_TOTAL,
            "CDAI total",
            score,
            "{score}",
            days,
        )
    }

    pub fn das28(self, score: f64, days: i64) -> Self {
        self.observe(
            observation_codes::DAS28_ESR,
            "DAS28-ESR",
            score,
            "{score}",
            days,
        )
    }

    /// The last observation added reported as a bound ("< 5 %"), FHIR `Quantity.comparator`.
    /// The last observation counted over a period that began `days` days ago (an
    /// effectivePeriod's start), at 09:00.
    pub fn over(mut self, days: i64) -> Self {
        if let Some(last) = self.record.observations.last_mut() {
            last.since = Some(time_ago(days, 9, 0));
        }
        self
    }

    pub fn bounded(mut self, comparator: Comparator) -> Self {
        if let Some(last) = self.record.observations.last_mut() {
            last.comparator = Some(comparator);
        }
        self
    }

    pub fn marrow_blasts(self, percent: f64, days: i64) -> Self {
        self.observe(
            observation_codes::MARROW_BLASTS,
            "Marrow blasts",
            percent,
            "%",
            days,
        )
    }

    /// A blood pressure reading (systolic and diastolic together) at 10:00 `days` days ago.
    pub fn bp(self, systolic: f64, diastolic: f64, days: i64, setting: BpSetting) -> Self {
        self.bp_at(systolic, diastolic, time_ago(days, 10, 0), setting)
    }

    /// A blood pressure reading at an exact time.
    pub fn bp_at(
        mut self,
        systolic: f64,
        diastolic: f64,
        effective: NaiveDateTime,
        setting: BpSetting,
    ) -> Self {
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
            self.record.observations.push(Observation {
                focus: Vec::new(),
                value_words: String::new(),
                reference_ranges: Vec::new(),
                interpretation: None,
                named_conditions: Vec::new(),
                id,
                code: code.to_owned(),
                system: String::new(),
                display: display.to_owned(),
                value: Some(value),
                value_code: None,
                unit: Some("mm[Hg]".into()),
                effective,
                since: None,
                setting: Some(setting),
                comparator: None,
                utc_offset_minutes: None,
                since_utc_offset_minutes: None,
                since_precision: refract::domain::DatePrecision::Day,
                effective_precision: refract::domain::DatePrecision::Day,
            });
        }
        self
    }

    /// The last reading as a mean the record gives (LOINC 96608-5 and 96609-3 are named so):
    /// "Systolic blood pressure mean", "Diastolic blood pressure mean".
    pub fn named_as_mean(mut self) -> Self {
        let len = self.record.observations.len();
        for observation in &mut self.record.observations[len.saturating_sub(2)..] {
            observation.display.push_str(" mean");
        }
        self
    }

    /// An office reading at the UTC instant `effective`, written in a local time `offset_minutes`
    /// from UTC ("+11:00" is 660).
    pub fn office_bp_written_at(
        mut self,
        systolic: f64,
        diastolic: f64,
        effective: NaiveDateTime,
        offset_minutes: i32,
    ) -> Self {
        let from = self.record.observations.len();
        self = self.bp_at(systolic, diastolic, effective, BpSetting::Office);
        for observation in &mut self.record.observations[from..] {
            observation.utc_offset_minutes = Some(offset_minutes);
        }
        self
    }

    /// A systolic reading with no diastolic (a panel whose diastolic has a `dataAbsentReason`, a
    /// systolic recorded alone) at 10:00 `days` days ago.
    pub fn systolic_only(mut self, systolic: f64, days: i64, setting: BpSetting) -> Self {
        let id = self.id();
        self.record.observations.push(Observation {
            focus: Vec::new(),
            value_words: String::new(),
            reference_ranges: Vec::new(),
            interpretation: None,
            named_conditions: Vec::new(),
            id,
            code: observation_codes::SYSTOLIC_BP.to_owned(),
            system: String::new(),
            display: String::from("Systolic blood pressure"),
            value: Some(systolic),
            value_code: None,
            unit: Some("mm[Hg]".into()),
            effective: time_ago(days, 10, 0),
            since: None,
            setting: Some(setting),
            comparator: None,
            utc_offset_minutes: None,
            since_utc_offset_minutes: None,
            since_precision: refract::domain::DatePrecision::Day,
            effective_precision: refract::domain::DatePrecision::Day,
        });
        self
    }

    /// An office blood pressure reading.
    pub fn office_bp(self, systolic: f64, diastolic: f64, days: i64) -> Self {
        self.bp(systolic, diastolic, days, BpSetting::Office)
    }

    /// An mCODE disease-status observation (a SNOMED CT trend code), at 09:00.
    pub fn disease_status(self, code: &str, days: i64) -> Self {
        self.disease_status_at(code, time_ago(days, 9, 0))
    }

    /// An mCODE disease-status observation at an exact time (midnight: a date only).
    pub fn disease_status_at(mut self, code: &str, at: NaiveDateTime) -> Self {
        let id = self.id();
        self.record.observations.push(Observation {
            focus: Vec::new(),
            value_words: String::new(),
            reference_ranges: Vec::new(),
            interpretation: None,
            named_conditions: Vec::new(),
            id,
            code: observation_codes::DISEASE_STATUS.to_owned(),
            system: String::new(),
            display: "Cancer disease status".into(),
            value: None,
            value_code: Some(code.to_owned()),
            unit: None,
            effective: at,
            since: None,
            setting: None,
            comparator: None,
            utc_offset_minutes: None,
            since_utc_offset_minutes: None,
            since_precision: refract::domain::DatePrecision::Day,
            effective_precision: refract::domain::DatePrecision::Day,
        });
        self
    }

    pub fn procedure(mut self, code: &str, display: &str, days: i64) -> Self {
        let id = self.id();
        self.record.procedures.push(Procedure {
            indications: Vec::new(),
            named_conditions: Vec::new(),
            named_devices: Vec::new(),
            id,
            code: code.to_owned(),
            system: String::new(),
            display: display.to_owned(),
            performed: time_ago(days, 8, 0),
            end: None,
            codings: Vec::new(),
            performed_by: None,
            date_unknown: false,
            at_ages: None,
            utc_offset_minutes: None,
            end_utc_offset_minutes: None,
        });
        self
    }

    /// A procedure `days` ago coded several ways, as `(system, code, display)`: shown by the
    /// first coding, as the FHIR import keeps a record with no SNOMED CT coding.
    pub fn procedure_coded(mut self, codings: &[(&str, &str, &str)], days: i64) -> Self {
        let id = self.id();
        let (system, code, display) = codings.first().copied().unwrap_or_default();
        self.record.procedures.push(Procedure {
            indications: Vec::new(),
            named_conditions: Vec::new(),
            named_devices: Vec::new(),
            id,
            code: code.to_owned(),
            system: system.to_owned(),
            display: display.to_owned(),
            performed: time_ago(days, 8, 0),
            end: None,
            codings: codings
                .iter()
                .map(|(system, code, display)| Coding {
                    system: (*system).to_owned(),
                    code: (*code).to_owned(),
                    display: (*display).to_owned(),
                })
                .collect(),
            performed_by: None,
            date_unknown: false,
            at_ages: None,
            utc_offset_minutes: None,
            end_utc_offset_minutes: None,
        });
        self
    }

    /// A procedure the record dates by a window (an age, a month): done some day from `from`
    /// to `until` days ago.
    pub fn procedure_within(
        mut self,
        code: &str,
        display: &str,
        (from, until): (i64, i64),
    ) -> Self {
        self = self.procedure(code, display, from);
        if let Some(procedure) = self.record.procedures.last_mut() {
            procedure.performed_by = Some(ago(until));
        }
        self
    }

    /// A procedure the record gives no readable date for.
    pub fn procedure_undated(mut self, code: &str, display: &str) -> Self {
        self = self.procedure(code, display, 0);
        if let Some(procedure) = self.record.procedures.last_mut() {
            procedure.date_unknown = true;
        }
        self
    }

    pub fn record(self) -> PatientRecord {
        self.record
    }
}

/// What a case expects of its assessment beyond the status.
#[derive(Debug, Clone)]
enum Check {
    Label(String),
    LabelContains(String),
    Missing(String),
    NoMissing,
    Confounder(String),
    ConfounderText(String),
    /// Exactly one confounder's text mentions these words.
    ConfounderMentionsOnce(String),
    NoConfounder(String),
    NoConfounderText(String),
    Reason(String),
    NoReason(String),
    Evidence(EvidenceKind, usize),
    EvidenceText(String),
}

/// One row of a table: a vignette and what its assessment must say.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: &'static str,
    pub record: PatientRecord,
    pub status: AssessmentStatus,
    checks: Vec<Check>,
}

pub fn case(name: &'static str, vignette: Vignette, status: AssessmentStatus) -> Case {
    Case {
        name,
        record: vignette.record(),
        status,
        checks: Vec::new(),
    }
}

impl Case {
    /// The label is exactly this.
    pub fn label(mut self, label: &str) -> Self {
        self.checks.push(Check::Label(label.to_owned()));
        self
    }

    pub fn label_contains(mut self, words: &str) -> Self {
        self.checks.push(Check::LabelContains(words.to_owned()));
        self
    }

    /// Some `missing` item contains these words.
    pub fn missing(mut self, words: &str) -> Self {
        self.checks.push(Check::Missing(words.to_owned()));
        self
    }

    pub fn no_missing(mut self) -> Self {
        self.checks.push(Check::NoMissing);
        self
    }

    /// A confounder with this key is listed.
    pub fn confounder(mut self, key: &str) -> Self {
        self.checks.push(Check::Confounder(key.to_owned()));
        self
    }

    /// Some confounder's text contains these words.
    pub fn confounder_text(mut self, words: &str) -> Self {
        self.checks.push(Check::ConfounderText(words.to_owned()));
        self
    }

    /// Exactly one confounder's text contains these words (a drug is not listed twice).
    pub fn confounder_mentions_once(mut self, words: &str) -> Self {
        self.checks
            .push(Check::ConfounderMentionsOnce(words.to_owned()));
        self
    }

    pub fn no_confounder(mut self, key: &str) -> Self {
        self.checks.push(Check::NoConfounder(key.to_owned()));
        self
    }

    /// No confounder's text contains these words.
    pub fn no_confounder_text(mut self, words: &str) -> Self {
        self.checks.push(Check::NoConfounderText(words.to_owned()));
        self
    }

    /// Some reason contains these words.
    pub fn reason(mut self, words: &str) -> Self {
        self.checks.push(Check::Reason(words.to_owned()));
        self
    }

    /// No reason contains these words (what a reason must not claim).
    pub fn no_reason(mut self, words: &str) -> Self {
        self.checks.push(Check::NoReason(words.to_owned()));
        self
    }

    /// Some evidence row's text contains these words.
    pub fn evidence_text(mut self, words: &str) -> Self {
        self.checks.push(Check::EvidenceText(words.to_owned()));
        self
    }

    /// Exactly `count` evidence rows of this kind.
    pub fn evidence(mut self, kind: EvidenceKind, count: usize) -> Self {
        self.checks.push(Check::Evidence(kind, count));
        self
    }
}

/// The assessment of `ruleset` for `record` on `today`; panics when the rule set does not apply.
pub fn assess(ruleset: &str, record: &PatientRecord) -> Assessment {
    let rules = rules();
    let set = rules
        .get(ruleset)
        .unwrap_or_else(|| panic!("rule set {ruleset} is not loaded"));
    rules
        .evaluate_one(record, set, today())
        .unwrap_or_else(|| panic!("rule set {ruleset} does not apply to the record"))
}

/// The assessment in words, for failure messages.
pub fn describe(assessment: &Assessment) -> String {
    let mut out = format!(
        "    status {} / label {:?}\n",
        assessment.status, assessment.label
    );
    for reason in &assessment.reasons {
        let _ = writeln!(out, "    reason: {reason}");
    }
    for item in &assessment.missing {
        let _ = writeln!(out, "    missing: {item}");
    }
    for confounder in &assessment.confounders {
        let _ = writeln!(
            out,
            "    confounder {}: {}",
            confounder.key, confounder.text
        );
    }
    for evidence in &assessment.evidence {
        let _ = writeln!(
            out,
            "    evidence {} {} ({}): {}",
            evidence.kind, evidence.id, evidence.criterion, evidence.text
        );
    }
    out
}

/// What is wrong with `assessment` for `case`, if anything.
fn problems(case: &Case, assessment: &Assessment) -> Vec<String> {
    let mut out = Vec::new();
    if assessment.status != case.status {
        out.push(format!(
            "status {} (expected {})",
            assessment.status, case.status
        ));
    }
    for check in &case.checks {
        match check {
            Check::Label(label) if assessment.label != *label => {
                out.push(format!("label {:?} (expected {label:?})", assessment.label));
            }
            Check::LabelContains(words) if !assessment.label.contains(words.as_str()) => {
                out.push(format!(
                    "label {:?} does not contain {words:?}",
                    assessment.label
                ));
            }
            Check::Missing(words)
                if !assessment
                    .missing
                    .iter()
                    .any(|m| m.contains(words.as_str())) =>
            {
                out.push(format!("no missing item contains {words:?}"));
            }
            Check::NoMissing if !assessment.missing.is_empty() => {
                out.push(String::from("missing should be empty"));
            }
            Check::Confounder(key) if !assessment.confounders.iter().any(|c| c.key == *key) => {
                out.push(format!("confounder {key:?} not listed"));
            }
            Check::ConfounderText(words)
                if !assessment
                    .confounders
                    .iter()
                    .any(|c| c.text.contains(words.as_str())) =>
            {
                out.push(format!("no confounder text contains {words:?}"));
            }
            Check::ConfounderMentionsOnce(words) => {
                let found = assessment
                    .confounders
                    .iter()
                    .filter(|c| c.text.contains(words.as_str()))
                    .count();
                if found != 1 {
                    out.push(format!(
                        "{found} confounders mention {words:?} (expected 1)"
                    ));
                }
            }
            Check::NoConfounder(key) if assessment.confounders.iter().any(|c| c.key == *key) => {
                out.push(format!("confounder {key:?} should not be listed"));
            }
            Check::NoConfounderText(words)
                if assessment
                    .confounders
                    .iter()
                    .any(|c| c.text.contains(words.as_str())) =>
            {
                out.push(format!("a confounder's text contains {words:?}"));
            }
            Check::Reason(words)
                if !assessment
                    .reasons
                    .iter()
                    .any(|r| r.contains(words.as_str())) =>
            {
                out.push(format!("no reason contains {words:?}"));
            }
            Check::NoReason(words)
                if assessment
                    .reasons
                    .iter()
                    .any(|r| r.contains(words.as_str())) =>
            {
                out.push(format!("a reason contains {words:?}"));
            }
            Check::EvidenceText(words)
                if !assessment
                    .evidence
                    .iter()
                    .any(|e| e.text.contains(words.as_str())) =>
            {
                out.push(format!("no evidence text contains {words:?}"));
            }
            Check::Evidence(kind, count) => {
                let found = assessment
                    .evidence
                    .iter()
                    .filter(|e| e.kind == *kind)
                    .count();
                if found != *count {
                    out.push(format!("{found} {kind} evidence rows (expected {count})"));
                }
            }
            _ => {}
        }
    }
    out
}

/// Evaluates every case against `ruleset` and fails once, listing every case that is off.
pub fn run(ruleset: &str, cases: &[Case]) {
    let mut names = std::collections::BTreeSet::new();
    let mut failures = String::new();
    let mut failing = 0;
    for case in cases {
        assert!(
            names.insert(case.name),
            "case name {:?} is used twice",
            case.name
        );
        let assessment = assess(ruleset, &case.record);
        assert_eq!(assessment.ruleset, ruleset);
        let found = problems(case, &assessment);
        if !found.is_empty() {
            failing += 1;
            let _ = writeln!(
                failures,
                "\n{ruleset} / {}: {}\n{}",
                case.name,
                found.join("; "),
                describe(&assessment)
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{failing} of {} case(s) of {ruleset} do not match:{failures}",
        cases.len()
    );
}
