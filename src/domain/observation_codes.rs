//! Observation codes refract writes and reads: LOINC where the references name a code, and
//! `refract:` local codes for measurements whose LOINC code we could not verify (rule files match
//! those by display name as well, so imported data with other codes is still recognised).

pub const SYSTOLIC_BP: &str = "8480-6";
pub const DIASTOLIC_BP: &str = "8462-4";
/// Other codes of a systolic reading, read as [`SYSTOLIC_BP`]: LOINC 8459-0 (sitting, how an
/// office blood pressure is taken) and SNOMED CT 271649006 |Systolic blood pressure|. Real
/// panels code their components so (the binding is an example only). Standing and supine
/// readings (8460-8, 8461-6) are kept under their own codes: taken with a seated one at the
/// same visit (an orthostatic test), they are not the blood pressure a goal is judged by, and
/// a reading of one position must never be paired with another's.
///
/// Means are read as readings too, each one reading: LOINC 96608-5 |Systolic blood pressure
/// mean| (the component of the 96607-7 panel the Vital Signs IG and CardX write for an average
/// of self-measured readings over a period) and 8490-5 |Systolic blood pressure--24 hour mean|
/// (the component of the 97844-5 ambulatory panel). Where such a mean was measured comes from
/// [`bp_setting_of_code`] or the record's other words and codes.
///
/// LOINC 76534-7 |Systolic blood pressure by Noninvasive| is a cuff reading, how an office
/// blood pressure is taken (review R7-6): a member of FHIR R4's vital-signs value set
/// `http://hl7.org/fhir/ValueSet/observation-vitalsign-systolicbp` (the binding of a blood
/// pressure panel's `component.code`), and the code monitors and hospital flowsheets send their
/// NIBP under. The value set's other members stay other tests: a position other than seated
/// ([`OTHER_POSITION_BP`]), an invasive (arterial line) pressure, a reading by palpation.
pub const SYSTOLIC_BP_ALSO: [&str; 5] = ["8459-0", "271649006", "96608-5", "8490-5", "76534-7"];
/// The same for a diastolic reading: LOINC 8453-3 (sitting), SNOMED CT 271650006 |Diastolic
/// blood pressure|, 96609-3 |Diastolic blood pressure mean|, 8472-3 |Diastolic blood
/// pressure--24 hour mean|, 76535-4 |Diastolic blood pressure by Noninvasive| (a member of
/// `http://hl7.org/fhir/ValueSet/observation-vitalsign-diastolicbp`, see [`SYSTOLIC_BP_ALSO`]).
pub const DIASTOLIC_BP_ALSO: [&str; 5] = ["8453-3", "271650006", "96609-3", "8472-3", "76535-4"];

/// LOINC's systolic and diastolic readings standing (8460-8, 8454-1) and supine (8461-6,
/// 8455-8): kept under their own codes (see [`SYSTOLIC_BP_ALSO`]) whatever name a record gives
/// them, so a name never makes one of them the reading a goal is judged by.
pub const OTHER_POSITION_BP: [&str; 4] = ["8460-8", "8454-1", "8461-6", "8455-8"];

/// Whether a code says by itself which test a result is, so that its name never makes it a
/// blood pressure: a LOINC code (its system says so, or, with no system, it has LOINC's shape
/// of digits, a hyphen and a check digit), refract's own codes, and the readings of another
/// position. LOINC codes every blood pressure it means by a code of its own (a position, an
/// invasive or a pulmonary pressure, a percentile), so a LOINC code refract does not read as
/// blood pressure is another test whatever its display says. A local code, or a code of a
/// system that names findings rather than tests (SNOMED CT's "On examination - systolic BP
/// reading"), is read by its name.
pub fn names_its_own_test(system: &str, code: &str) -> bool {
    let code = code.trim();
    let loinc = if system.trim().is_empty() {
        loinc_shaped(code)
    } else {
        system.to_ascii_lowercase().contains("loinc")
    };
    loinc
        || code.starts_with("refract:")
        || OTHER_POSITION_BP.contains(&code)
        || canonical(code) != code
}

/// Digits, a hyphen and one check digit ("8480-6").
fn loinc_shaped(code: &str) -> bool {
    code.split_once('-').is_some_and(|(number, check)| {
        !number.is_empty()
            && number.len() <= 7
            && number.bytes().all(|b| b.is_ascii_digit())
            && check.len() == 1
            && check.bytes().all(|b| b.is_ascii_digit())
    })
}

/// The codes that say a blood pressure is a 24-hour ambulatory mean by themselves: the LOINC
/// 24-hour means and their panel 97844-5 |Blood pressure panel 24 hour mean|. Daytime and
/// night-time means are read from their names (their LOINC codes are not listed here: not
/// verified).
pub const AMBULATORY_24H_CODES: [&str; 3] = ["8490-5", "8472-3", "97844-5"];

/// Where a blood pressure was measured, when its own code or its panel's code says it.
pub fn bp_setting_of_code(code: &str) -> Option<super::BpSetting> {
    AMBULATORY_24H_CODES
        .contains(&code)
        .then_some(super::BpSetting::Ambulatory24h)
}

/// The code refract stores a reading under: a blood pressure coded another way is stored as
/// the systolic or diastolic reading the criteria read; any other code as it is.
pub fn canonical(code: &str) -> &str {
    if SYSTOLIC_BP_ALSO.contains(&code) {
        SYSTOLIC_BP
    } else if DIASTOLIC_BP_ALSO.contains(&code) {
        DIASTOLIC_BP
    } else if DISEASE_STATUS_ALSO.contains(&code) {
        DISEASE_STATUS
    } else {
        code
    }
}

/// SNOMED CT methods of an out-of-office blood pressure (`Observation.method`): 164783007
/// |Ambulatory blood pressure recording| (read as the 24-hour mean, as the words
/// "ambulatory blood pressure monitoring" are) and 413153004 |Blood pressure recorded by patient
/// at home|.
pub const AMBULATORY_BP_METHODS: [&str; 1] = ["164783007"];
pub const HOME_BP_METHODS: [&str; 1] = ["413153004"];
/// Codes of the measurement-setting extension (Vital Signs IG / CardX `MeasurementSettingExt`)
/// that say a reading was taken out of the office: SNOMED CT 264362003 |Home (environment)|, and
/// CardX's own `non-clinical-environment` (its first drafts: `non-clinical`).
pub const HOME_SETTINGS: [&str; 3] = ["264362003", "non-clinical-environment", "non-clinical"];

/// Where a blood pressure was measured, when a code of its method or of its measurement
/// setting says it.
pub fn bp_setting_of_method_or_setting(code: &str) -> Option<super::BpSetting> {
    if AMBULATORY_BP_METHODS.contains(&code) {
        Some(super::BpSetting::Ambulatory24h)
    } else if HOME_BP_METHODS.contains(&code) || HOME_SETTINGS.contains(&code) {
        Some(super::BpSetting::Home)
    } else {
        None
    }
}

/// Blood pressure panels whose components are the systolic and diastolic readings: LOINC
/// 85354-9, 55284-4, 96607-7 |Blood pressure panel mean systolic and mean diastolic|, 97844-5
/// |Blood pressure panel 24 hour mean|.
pub const BP_PANELS: [&str; 4] = ["85354-9", "55284-4", "96607-7", "97844-5"];

/// The systolic and diastolic codes of a panel of [`BP_PANELS`] (its components' codes in
/// LOINC: a mean panel's are means), read where a panel's reading is written as one text
/// ("150/95 mmHg") instead of components.
pub fn bp_panel_members(panel: &str) -> Option<(&'static str, &'static str)> {
    match panel.trim() {
        "85354-9" | "55284-4" => Some((SYSTOLIC_BP, DIASTOLIC_BP)),
        "96607-7" => Some(("96608-5", "96609-3")),
        "97844-5" => Some(("8490-5", "8472-3")),
        _ => None,
    }
}
pub const PHQ9_TOTAL: &str = "44261-6";
pub const ECOG: &str = "89247-1";
/// mCODE CancerDiseaseStatus; the value is a SNOMED CT ConditionStatusTrend code.
pub const DISEASE_STATUS: &str = "97509-4";
/// Other codes every published mCODE version gave its CancerDiseaseStatus, read as
/// [`DISEASE_STATUS`]: LOINC 88040-1 |Response to cancer treatment| is the code of mCODE STU1
/// (1.0.0, 2020: the profile's fixed `code` and its published example); STU2 (2.0.0, 2022)
/// onward fix 97509-4 |Cancer disease progression| (hl7.org/fhir/us/mcode, the
/// CancerDiseaseStatus profile of each version). Servers and archives of STU1 still export it.
pub const DISEASE_STATUS_ALSO: [&str; 1] = ["88040-1"];
pub const CDAI_TOTAL: &str = "75847-4";

pub const SEIZURES_PER_MONTH: &str = "refract:seizures-per-month";
pub const PANSS_TOTAL: &str = "refract:panss-total";
pub const M_PROTEIN: &str = "refract:m-protein";
pub const MARROW_BLASTS: &str = "refract:marrow-blasts";
pub const CLOZAPINE_LEVEL: &str = "refract:clozapine-level";
/// Seizure activity seen (1) or not (0), clinically or on EEG, at a time (status epilepticus).
pub const SEIZURE_ACTIVITY: &str = "refract:seizure-activity";
pub const DAS28_ESR: &str = "refract:das28-esr";

/// Coded answers that say a finding (seizure activity on an EEG, for instance) was present or
/// absent. An observation with one of these as its coded value and no number is a yes or a no;
/// any other code leaves the finding unknown, never zero.
pub mod finding {
    /// SNOMED CT 52101004 "Present", LOINC answer LA9633-4 "Present".
    pub const PRESENT: [&str; 2] = ["52101004", "LA9633-4"];
    /// SNOMED CT 2667000 "Absent", LOINC answer LA9634-2 "Absent".
    pub const ABSENT: [&str; 2] = ["2667000", "LA9634-2"];

    /// Other answers that mean yes (SNOMED CT Positive, Detected, Yes; LOINC LA33-6 Yes,
    /// LA6576-8 Positive, LA11882-0 Detected): an import writes them as [`PRESENT`]`[0]`.
    pub const YES: [&str; 6] = [
        "10828004",
        "260373001",
        "373066001",
        "LA33-6",
        "LA6576-8",
        "LA11882-0",
    ];
    /// Other answers that mean no (SNOMED CT Negative, Not detected, No; LOINC LA32-8 No,
    /// LA6577-6 Negative, LA11883-8 Not detected): an import writes them as [`ABSENT`]`[0]`.
    pub const NO: [&str; 6] = [
        "260385009",
        "260415000",
        "373067005",
        "LA32-8",
        "LA6577-6",
        "LA11883-8",
    ];

    /// Yes or no from a code, if it is an answer that says so.
    pub fn of_code(code: &str) -> Option<bool> {
        if PRESENT.contains(&code) || YES.contains(&code) {
            Some(true)
        } else if ABSENT.contains(&code) || NO.contains(&code) {
            Some(false)
        } else {
            None
        }
    }

    /// Yes or no from words ("Present", "negative", "not detected"), if they say so.
    pub fn of_words(words: &str) -> Option<bool> {
        let words = words.trim().trim_end_matches('.').to_lowercase();
        match words.as_str() {
            "present" | "positive" | "yes" | "detected" | "seen" | "true" | "pos" | "+" => {
                Some(true)
            }
            "absent" | "negative" | "no" | "not detected" | "not seen" | "none" | "false"
            | "neg" | "-" => Some(false),
            _ => None,
        }
    }
}

/// A seizure frequency as records write it: a count over a time unit ("2 per month", UCUM
/// `/mo`, `{seizures}/wk`), or a coded answer to a seizure-frequency question ("Weekly",
/// "Seizure free", "Less than monthly"). A rate is seizures happening throughout the period
/// it covers, never a count of seizures on the day it was written down.
pub mod seizure_frequency {
    /// The prefix of refract's own coded values of a seizure frequency read from an answer's
    /// words ("refract:seizure-frequency:weekly"): the answer's meaning, and its words on the
    /// screen, survive an import whose local answer code ("3") says nothing by itself.
    pub const PREFIX: &str = "refract:seizure-frequency:";

    /// Days in UCUM's units of time: `mo` is the mean Julian month, `a` the Julian year.
    const DAY: f64 = 1.0;
    const WEEK: f64 = 7.0;
    const MONTH: f64 = 30.4375;
    const YEAR: f64 = 365.25;

    /// Seizures over a period: `count` of them every `period_days`.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct Rate {
        pub count: f64,
        pub period_days: f64,
    }

    /// What an answer says: no seizures, seizures at a rate, or seizures at a rate it bounds
    /// only from above ("less than monthly": seizures occur, their interval is not known).
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub enum Answer {
        Free,
        Rate(Rate),
        Occurring,
    }

    /// The coded answers refract reads, by key (stored after [`PREFIX`]), with their words and
    /// meaning. "At least" forms ("several a day", "more than weekly") are read as once per
    /// unit: a higher rate only shortens the interval, which the rule of three reads as at
    /// most a unit.
    const ANSWERS: [(&str, &str, Answer); 10] = [
        ("free", "seizure free", Answer::Free),
        // Seizures counted over a window the words name ("2 seizures last week"): seizures,
        // at no rate; the window is kept as the observation's period.
        ("seizures", "seizures", Answer::Occurring),
        ("daily", "daily", rate(DAY)),
        ("weekly", "weekly", rate(WEEK)),
        ("monthly", "monthly", rate(MONTH)),
        ("yearly", "yearly", rate(YEAR)),
        ("less-than-daily", "less than daily", Answer::Occurring),
        ("less-than-weekly", "less than weekly", Answer::Occurring),
        ("less-than-monthly", "less than monthly", Answer::Occurring),
        ("less-than-yearly", "less than yearly", Answer::Occurring),
    ];

    const fn rate(period_days: f64) -> Answer {
        Answer::Rate(Rate {
            count: 1.0,
            period_days,
        })
    }

    /// The days of one unit of time, as UCUM codes it or as people write it after "per" or a
    /// slash ("mo", "month", "wk", "week", "d", "day", "a", "yr", "year", "h").
    fn unit_days(word: &str) -> Option<f64> {
        Some(match word {
            "d" | "day" | "days" | "24h" => DAY,
            "wk" | "w" | "week" | "weeks" => WEEK,
            "mo" | "month" | "months" | "mon" | "mth" => MONTH,
            "a" | "yr" | "y" | "year" | "years" | "annum" => YEAR,
            "h" | "hr" | "hour" | "hours" => DAY / 24.0,
            _ => return None,
        })
    }

    /// The days a rate's unit counts over ("/mo", "{seizures}/month", "1/wk", "per week",
    /// "/2.wk" is not read), or `None` when the unit is no count over time (a count, "{#}").
    pub fn period_days_of_unit(unit: &str) -> Option<f64> {
        // UCUM annotations ("{seizures}") name what is counted, not the time.
        let mut plain = String::with_capacity(unit.len());
        let mut depth = 0usize;
        for c in unit.trim().to_lowercase().chars() {
            match c {
                '{' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                _ if depth == 0 => plain.push(c),
                _ => {}
            }
        }
        let after = match plain.rsplit_once('/') {
            Some((_, after)) => after.trim().to_owned(),
            None => plain.split_once("per ")?.1.trim().to_owned(),
        };
        unit_days(after.split_whitespace().next()?)
    }

    /// The answer words say, if they name one: freedom ("Seizure free", "No seizures",
    /// "None"), a stated frequency ("Weekly", "2 per month", "Several a day", "Less than
    /// monthly"), or seizures counted over a recent window ("2 seizures last week"). See
    /// [`read_words`].
    pub fn key_of_words(words: &str) -> Option<&'static str> {
        read_words(words).map(|read| read.key)
    }

    /// An answer read from words: its key (stored after [`PREFIX`]), and for seizures counted
    /// over a recent window ("2 seizures in the past month") the days that window reaches back
    /// from the answer's date (the period the seizures fall in, read as a count over a period).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct WordsRead {
        pub key: &'static str,
        pub window_days: Option<i64>,
    }

    /// Words that deny what follows or precedes them ("never been seizure free", "no longer",
    /// "isn't").
    fn denies(word: &str) -> bool {
        matches!(
            word,
            "not"
                | "never"
                | "longer"
                | "without"
                | "nor"
                | "cannot"
                | "isn"
                | "wasn"
                | "hasn"
                | "hadn"
                | "haven"
                | "aren"
                | "weren"
                | "doesn"
                | "didn"
                | "don"
        )
    }

    /// Words that end or qualify a freedom the text names ("free for 6 months, then 2
    /// seizures", "free except one in March", "free but auras"): what follows is seizures.
    /// Auras are focal aware seizures, and the ILAE's freedom is from seizures of any type.
    fn qualifies_freedom(word: &str) -> bool {
        matches!(
            word,
            "then"
                | "until"
                | "till"
                | "but"
                | "except"
                | "apart"
                | "however"
                | "although"
                | "though"
                | "breakthrough"
                | "recurred"
                | "recurrence"
                | "relapse"
                | "relapsed"
                | "lost"
                | "aura"
                | "auras"
                | "occasional"
        )
    }

    /// A word that says how many: a number above zero, or "several", "a few", "once".
    fn counts(word: &str) -> bool {
        word.parse::<f64>().is_ok_and(|n| n > 0.0)
            || matches!(
                word,
                "one"
                    | "two"
                    | "three"
                    | "four"
                    | "five"
                    | "six"
                    | "seven"
                    | "eight"
                    | "nine"
                    | "ten"
                    | "several"
                    | "few"
                    | "couple"
                    | "multiple"
                    | "many"
                    | "once"
                    | "twice"
                    | "thrice"
                    | "times"
                    | "x"
            )
    }

    /// A word naming seizures ("seizures", "fits", "episodes").
    fn names_seizures(word: &str) -> bool {
        matches!(
            word,
            "seizure"
                | "seizures"
                | "sz"
                | "szs"
                | "fit"
                | "fits"
                | "episode"
                | "episodes"
                | "event"
                | "events"
                | "attack"
                | "attacks"
                | "convulsion"
                | "convulsions"
        )
    }

    /// The key of a unit of time written as a word ("month", "wk"), or after a slash as UCUM
    /// codes it ("d", "wk", "mo", "a").
    fn unit_key(word: &str, after_slash: bool) -> Option<&'static str> {
        Some(match word {
            "day" | "days" | "night" | "nights" => "daily",
            "week" | "weeks" | "wk" | "wks" => "weekly",
            "month" | "months" | "mo" | "mth" | "mths" => "monthly",
            "year" | "years" | "yr" | "yrs" | "annum" => "yearly",
            "d" if after_slash => "daily",
            "a" if after_slash => "yearly",
            _ => return None,
        })
    }

    /// The days of a unit key.
    fn key_days(key: &str) -> f64 {
        match key {
            "daily" => DAY,
            "weekly" => WEEK,
            "monthly" => MONTH,
            _ => YEAR,
        }
    }

    /// The frequency the words state, and where its word is: an adverb ("weekly", "daily",
    /// not "bi-weekly"), or a unit of time after "per", "every", "each", a slash, or after
    /// "a"/"an" that follows a count ("several a month", "twice a week"). A unit of time alone
    /// ("4 years ago", "for 6 months", "last week") states no frequency.
    fn stated_frequency(words: &[&str]) -> Option<(usize, &'static str)> {
        words.iter().enumerate().find_map(|(at, word)| {
            let before = at.checked_sub(1).map(|i| words[i]);
            let adverb = match *word {
                "daily" | "nightly" => Some("daily"),
                "weekly" => Some("weekly"),
                "monthly" => Some("monthly"),
                "yearly" | "annually" => Some("yearly"),
                _ => None,
            };
            if let Some(key) = adverb {
                // "bi-weekly", "semi-monthly": neither once a week nor once a month.
                return (!matches!(before, Some("bi" | "semi"))).then_some((at, key));
            }
            let key = unit_key(word, before == Some("/"))?;
            let states = match before? {
                "per" | "every" | "each" | "/" => true,
                "a" | "an" => at
                    .checked_sub(2)
                    .is_some_and(|i| counts(words[i]) || names_seizures(words[i])),
                _ => false,
            };
            states.then_some((at, key))
        })
    }

    /// Seizures counted over a recent window ("2 seizures last week", "several fits in the
    /// past 3 months"): the days the window reaches back. Without a number of units, "this" or
    /// "past" is one unit and "last" or "previous" two (the calendar week or month before the
    /// one of the answer may end up to two units back).
    fn recent_window(words: &[&str]) -> Option<i64> {
        let counted = words
            .windows(2)
            .any(|pair| counts(pair[0]) && names_seizures(pair[1]))
            || words
                .windows(3)
                .any(|w| counts(w[0]) && names_seizures(w[2]));
        if !counted {
            return None;
        }
        words.windows(3).find_map(|w| {
            let (units, unit) = match (w[1].parse::<f64>().ok(), unit_key(w[2], false)) {
                (Some(n), Some(unit)) if n > 0.0 => (n, unit),
                _ => (
                    match w[1] {
                        "this" | "past" => 1.0,
                        "last" | "previous" => 2.0,
                        _ => return None,
                    },
                    unit_key(w[2], false)?,
                ),
            };
            let leads = if w[1].parse::<f64>().is_ok() {
                matches!(w[0], "last" | "past" | "previous")
            } else {
                true
            };
            leads.then(|| (units * key_days(unit)).ceil() as i64)
        })
    }

    /// What words say about seizures, if they say it plainly. Read:
    ///
    /// - freedom, only where nothing in the words denies it ("never been seizure free", "not
    ///   seizure free", "no longer") or qualifies it with seizures ("free for 6 months, then 2
    ///   seizures last week", "free except auras"), and no frequency is stated beside it;
    /// - a stated frequency ("weekly", "2 per month", "less than monthly"), not one denied
    ///   ("not weekly");
    /// - seizures counted over a recent window ("2 seizures last week"): seizures, over that
    ///   window.
    ///
    /// Not read: doubt ("?weekly", "unknown"); a date or a time since the last seizure
    /// ("Last seizure 4 years ago", "last seizure in March"): it dates one seizure and states
    /// no frequency, so it is never made a rate or a seizure on the answer's day (the import
    /// reads it as the last seizure's date: `fhir::last_seizure`); a unit of time alone.
    pub fn read_words(words: &str) -> Option<WordsRead> {
        let lower = words.to_lowercase();
        if lower.contains('?') {
            return None;
        }
        let text: String = lower
            .chars()
            .map(|c| match c {
                '/' => " / ".to_owned(),
                c if c.is_alphanumeric() || c == '.' => c.to_string(),
                _ => String::from(" "),
            })
            .collect();
        let words: Vec<&str> = text
            .split_whitespace()
            .map(|w| w.trim_matches('.'))
            .filter(|w| !w.is_empty())
            .collect();
        if words.is_empty()
            || words
                .iter()
                .any(|w| matches!(*w, "unknown" | "unsure" | "unclear" | "ago"))
            || words
                .windows(2)
                .any(|pair| matches!(pair, ["last" | "latest" | "most", "seizure" | "sz" | "fit"]))
        {
            return None;
        }
        let names_freedom = words.contains(&"free")
            || words.contains(&"freedom")
            || matches!(words.as_slice(), ["none" | "nil" | "zero" | "0"])
            || matches!(
                words.as_slice(),
                ["no" | "nil" | "zero" | "0", second, ..] if names_seizures(second)
            );
        let denied = words.iter().any(|w| denies(w))
            || words.windows(2).any(|pair| pair == ["no", "longer"]);
        let frequency = stated_frequency(&words);
        let window = recent_window(&words);
        if names_freedom {
            let qualified = words.iter().any(|w| qualifies_freedom(w));
            if !denied && !qualified && frequency.is_none() && window.is_none() {
                return Some(WordsRead {
                    key: "free",
                    window_days: None,
                });
            }
        } else if denied {
            // A frequency or a count denied ("not weekly", "no longer monthly"): not read.
            return None;
        }
        if let Some((at, unit)) = frequency {
            // A denial just before the frequency denies it ("free, not weekly any more").
            if words[at.saturating_sub(3)..at].iter().any(|w| denies(w)) {
                return None;
            }
            let fewer = words.windows(2).any(|pair| {
                matches!(pair, ["less" | "fewer", "than" | "often"])
                    || matches!(pair, ["at", "most"])
            }) || words.contains(&"rarely");
            return Some(WordsRead {
                key: match (fewer, unit) {
                    (false, unit) => unit,
                    (true, "daily") => "less-than-daily",
                    (true, "weekly") => "less-than-weekly",
                    (true, "monthly") => "less-than-monthly",
                    (true, _) => "less-than-yearly",
                },
                window_days: None,
            });
        }
        window.map(|days| WordsRead {
            key: "seizures",
            window_days: Some(days),
        })
    }

    /// The stored code of an answer written in words, if they name one.
    pub fn code_of_words(words: &str) -> Option<String> {
        key_of_words(words).map(|key| format!("{PREFIX}{key}"))
    }

    /// The stored code of an answer written in words and the days the seizures it counts
    /// reach back, if the words name one (see [`read_words`]).
    pub fn code_and_window_of_words(words: &str) -> Option<(String, Option<i64>)> {
        read_words(words).map(|read| (format!("{PREFIX}{}", read.key), read.window_days))
    }

    /// What a stored code says, if it is one of refract's seizure-frequency codes.
    pub fn of_code(code: &str) -> Option<Answer> {
        let key = code.trim().strip_prefix(PREFIX)?;
        ANSWERS
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, _, answer)| *answer)
    }

    /// The words of a stored code, for the screen.
    pub fn words(code: &str) -> Option<&'static str> {
        let key = code.trim().strip_prefix(PREFIX)?;
        ANSWERS
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, words, _)| *words)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn counts_over_a_time_unit_are_rates_and_counts_are_not() {
            assert_eq!(period_days_of_unit("/mo"), Some(MONTH));
            assert_eq!(period_days_of_unit("{seizures}/month"), Some(MONTH));
            assert_eq!(period_days_of_unit("per week"), Some(WEEK));
            assert_eq!(period_days_of_unit("1/d"), Some(DAY));
            assert_eq!(period_days_of_unit("/a"), Some(YEAR));
            assert_eq!(period_days_of_unit("{seizures}"), None);
            assert_eq!(period_days_of_unit(""), None);
            assert_eq!(period_days_of_unit("mg/dL"), None);
        }

        #[test]
        fn coded_frequency_answers_are_read_by_their_words() {
            assert_eq!(key_of_words("Seizure free"), Some("free"));
            assert_eq!(key_of_words("Seizure-free since last visit"), Some("free"));
            assert_eq!(key_of_words("No seizures"), Some("free"));
            assert_eq!(key_of_words("Weekly"), Some("weekly"));
            assert_eq!(key_of_words("Several per day"), Some("daily"));
            assert_eq!(key_of_words("Less than monthly"), Some("less-than-monthly"));
            assert_eq!(key_of_words("Not seizure free"), None);
            assert_eq!(key_of_words("Focal aware"), None);
            assert_eq!(
                of_code("refract:seizure-frequency:free"),
                Some(Answer::Free)
            );
            assert_eq!(words("refract:seizure-frequency:weekly"), Some("weekly"));
        }

        #[test]
        fn only_words_that_state_a_frequency_are_a_rate() {
            assert_eq!(key_of_words("2 per month"), Some("monthly"));
            assert_eq!(key_of_words("2/mo"), Some("monthly"));
            assert_eq!(key_of_words("Twice a week"), Some("weekly"));
            assert_eq!(key_of_words("Several a day"), Some("daily"));
            assert_eq!(key_of_words("Every month"), Some("monthly"));
            // A date or a time since the last seizure states no frequency.
            assert_eq!(key_of_words("Last seizure 4 years ago"), None);
            assert_eq!(key_of_words("Last seizure in March 2021"), None);
            assert_eq!(key_of_words("Seizure 2 weeks ago"), None);
            assert_eq!(key_of_words("Over the years"), None);
            assert_eq!(key_of_words("Bi-weekly"), None);
            assert_eq!(key_of_words("Not weekly"), None);
            assert_eq!(key_of_words("?weekly"), None);
        }

        /// CR-14: a negative screen or an interval report of none is never seizures.
        #[test]
        fn negative_screens_and_interval_reports_are_no_seizures() {
            for words in [
                "Screening for seizures: negative",
                "Seizure screen negative",
                "Denies seizures since last visit",
                "Assessed for seizures: none",
            ] {
                assert!(
                    matches!(key_of_words(words), None | Some("free")),
                    "{words}: {:?}",
                    key_of_words(words)
                );
            }
            for words in [
                "No seizures since last visit",
                "Seizure-free for 12 months",
                "No seizures in the last 12 months",
                "Nil seizures since last clinic",
                "0 seizures in the past month",
                "No fits since last review",
            ] {
                assert_eq!(key_of_words(words), Some("free"), "{words}");
            }
        }

        #[test]
        fn freedom_denied_or_followed_by_seizures_is_not_freedom() {
            assert_eq!(key_of_words("Seizure free since 2020"), Some("free"));
            assert_eq!(key_of_words("Seizure free for 6 months"), Some("free"));
            assert_eq!(key_of_words("Seizure free for a month"), Some("free"));
            assert_eq!(
                read_words("Seizure free for 6 months, then 2 seizures last week"),
                Some(WordsRead {
                    key: "seizures",
                    window_days: Some(14)
                })
            );
            assert_eq!(
                key_of_words("Never been seizure free, several a month"),
                Some("monthly")
            );
            assert_eq!(key_of_words("No longer seizure free"), None);
            assert_eq!(key_of_words("Isn't seizure free"), None);
            assert_eq!(key_of_words("Seizure free except one in March"), None);
            assert_eq!(key_of_words("Seizure free but ongoing auras"), None);
            assert_eq!(key_of_words("Seizure free, not weekly any more"), None);
            assert_eq!(
                read_words("3 seizures in the past 2 weeks"),
                Some(WordsRead {
                    key: "seizures",
                    window_days: Some(14)
                })
            );
        }
    }
}

/// SNOMED CT ConditionStatusTrend values of a disease-status observation.
pub mod disease_status {
    pub const IMPROVED: &str = "268910001";
    pub const STABLE: &str = "359746009";
    pub const WORSENED: &str = "271299001";
    pub const UNDETERMINED: &str = "709137006";
    pub const FULL_REMISSION: &str = "550991000124107";
    pub const PARTIAL_REMISSION: &str = "551001000124108";
}

/// Observation values as people read them: numbers to a sensible precision, units without
/// UCUM's machine parts, coded answers by their words.
pub mod display {
    /// The words of a coded answer refract knows (findings, disease status, smoking status,
    /// ECOG), else `None`.
    pub fn coded(code: &str) -> Option<&'static str> {
        Some(match code {
            "52101004" | "LA9633-4" => "present",
            "2667000" | "LA9634-2" => "absent",
            "10828004" | "LA6576-8" => "positive",
            "260385009" | "LA6577-6" => "negative",
            "260373001" | "LA11882-0" => "detected",
            "260415000" | "LA11883-8" => "not detected",
            "373066001" | "LA33-6" => "yes",
            "373067005" | "LA32-8" => "no",
            super::disease_status::IMPROVED => "improved",
            super::disease_status::STABLE => "stable",
            super::disease_status::WORSENED => "worsened",
            super::disease_status::UNDETERMINED => "undetermined",
            super::disease_status::FULL_REMISSION => "full remission",
            super::disease_status::PARTIAL_REMISSION => "partial remission",
            // Smoking status (LOINC 72166-2 answers, SNOMED CT).
            "266919005" => "never smoked tobacco",
            "8517006" => "ex-smoker",
            "77176002" => "smoker",
            "449868002" => "smokes tobacco daily",
            "428041000124106" => "occasional tobacco smoker",
            "428061000124105" => "light tobacco smoker",
            "428071000124103" => "heavy tobacco smoker",
            "266927001" => "tobacco smoking consumption unknown",
            // A seizure frequency read from an answer's words.
            other if other.starts_with(super::seizure_frequency::PREFIX) => {
                return super::seizure_frequency::words(other);
            }
            // A disease status read from words (`Response::disease_status_code`).
            other => {
                return other
                    .strip_prefix(super::super::RESPONSE_CODE_PREFIX)
                    .and_then(|name| super::super::Response::parse(name).ok())
                    .map(super::super::Response::words);
            }
        })
    }

    /// A coded value in words; a code refract does not know stays a code, and says so.
    pub fn coded_text(code: &str) -> String {
        coded(code).map_or_else(|| format!("code {code}"), str::to_owned)
    }

    /// A unit as people write it: UCUM annotations (`{score}`, `{beats}/min`) dropped, the
    /// dimensionless `1` dropped, `mm[Hg]` as mmHg, `10*9/L` as ×10⁹/L. `None` when nothing is
    /// left to show.
    pub fn unit(unit: &str) -> Option<String> {
        let mut out = String::with_capacity(unit.len());
        let mut depth = 0usize;
        // An annotation that is a whole divisor ("mL/min/{1.73_m2}", eGFR's unit) is what the
        // value is per: dropped, it would leave "mL/min/". It is written out instead.
        let mut divisor = false;
        for c in unit.chars() {
            match c {
                '{' => {
                    divisor = depth == 0 && out.ends_with('/');
                    depth += 1;
                }
                '}' => depth = depth.saturating_sub(1),
                _ if depth == 0 => out.push(c),
                '_' if divisor => out.push(' '),
                _ if divisor => out.push(c),
                _ => {}
            }
        }
        let out = out.replace(" m2", " m²");
        let out = out
            .replace("mm[Hg]", "mmHg")
            .replace("10*12", "×10¹²")
            .replace("10*9", "×10⁹")
            .replace("10*6", "×10⁶")
            .replace("10*3", "×10³");
        let out = out.trim();
        let out = out.strip_prefix('/').map_or(out.to_owned(), |rest| {
            // "{beats}/min" was "per minute": keep the slash's meaning.
            format!("/{rest}")
        });
        (!out.is_empty() && out != "1").then_some(out)
    }

    /// A measured number to the precision it is worth: whole numbers stay whole; otherwise three
    /// significant digits, at most two decimals (37.64182263074444 → 37.6, 0.3149 → 0.31,
    /// 1234.5 → 1235), trailing zeros dropped.
    pub fn number(value: f64) -> String {
        if !value.is_finite() {
            return String::from("?");
        }
        if value.fract() == 0.0 && value.abs() < 1e15 {
            return format!("{value:.0}");
        }
        let magnitude = value.abs();
        let decimals = if magnitude >= 100.0 {
            0
        } else if magnitude >= 10.0 {
            1
        } else {
            2
        };
        let text = format!("{value:.decimals$}");
        let text = if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            text
        };
        if text == "-0" {
            String::from("0")
        } else {
            text
        }
    }

    /// An observation's value with its unit, in words: "37.6 U/L", "22" (a score),
    /// "never smoked tobacco", "–" when it has none.
    pub fn value(value: Option<f64>, code: Option<&str>, unit_text: Option<&str>) -> String {
        match (value, code) {
            (Some(v), _) => match unit_text.and_then(unit) {
                Some(u) if u.starts_with('/') => format!("{}{u}", number(v)),
                Some(u) => format!("{} {u}", number(v)),
                None => number(v),
            },
            (None, Some(code)) => coded_text(code),
            (None, None) => String::from("–"),
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn values_read_as_people_write_them() {
            assert_eq!(
                value(Some(37.641_822_630_744_44), None, Some("U/L")),
                "37.6 U/L"
            );
            assert_eq!(value(Some(22.0), None, Some("{score}")), "22");
            assert_eq!(value(Some(0.314_9), None, Some("g/dL")), "0.31 g/dL");
            assert_eq!(value(Some(152.0), None, Some("mm[Hg]")), "152 mmHg");
            assert_eq!(value(Some(72.0), None, Some("{beats}/min")), "72/min");
            assert_eq!(
                value(Some(58.0), None, Some("mL/min/{1.73_m2}")),
                "58 mL/min/1.73 m²"
            );
            assert_eq!(value(Some(1.0), None, Some("1")), "1");
            assert_eq!(value(Some(3.2), None, Some("10*9/L")), "3.2 ×10⁹/L");
            assert_eq!(value(None, Some("266919005"), None), "never smoked tobacco");
            assert_eq!(value(None, Some("123456"), None), "code 123456");
            assert_eq!(number(1234.6), "1235");
            assert_eq!(number(-0.001), "0");
        }
    }
}
