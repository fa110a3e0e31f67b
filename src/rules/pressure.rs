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
use super::describe::{confounder, courses_evidence, observation_evidence, span};
use super::given::Given;
use super::model::{BloodPressure, ConcurrentClasses};
use super::numbers::trim_number;
use super::outcome::{Outcome, Question, Verdict};
use super::selectors::names_test;
use super::words::fold_accents;
use crate::domain::{BpSetting, DoseFrom, Observation, observation_codes};

/// The counted drugs given on the reference day, and the day the regimen took that shape.
pub struct Regimen<'c> {
    pub drugs: Vec<&'c Given<'c>>,
    pub on: NaiveDate,
    pub since: NaiveDate,
    /// Its drugs whose start is not recorded (a statement `active` dated only by when it was
    /// asserted, a year alone), in words: "amlodipine: taken by 2026-09-20, since a day not
    /// recorded" (review R9-6).
    pub start_unknown: Vec<String>,
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
    // A drug whose start is not recorded (review R9-6: a statement `active` dated only by when
    // it was asserted) is given now as its status says, as every criterion reads an ongoing
    // record, and since a day nobody gave: its bound is no day the regimen changed, so neither
    // it nor a line it begins moves the day readings count from (readings before that bound are
    // read as on it, possibly so); the reasons say its start is not known, never a time on it.
    let known = |g: &&&Given<'_>| !g.exposure.start_is_approximate();
    let last_start = drugs
        .iter()
        .filter(known)
        .map(|g| g.start())
        .max()
        .or_else(|| drugs.iter().map(|g| g.start()).max())?;
    let since = ctx
        .lines
        .iter()
        .filter(|line| line.start <= on && !ctx.record.line_start_is_approximate(line))
        .map(|line| line.start)
        .max()
        .unwrap_or(last_start);
    let mut start_unknown: Vec<String> = Vec::new();
    for given in drugs.iter().filter(|g| g.exposure.start_is_approximate()) {
        let name = if given.drugs.is_empty() {
            given.exposure.text.clone()
        } else {
            given
                .drugs
                .iter()
                .map(|drug| drug.ingredient.as_str())
                .collect::<Vec<_>>()
                .join(" + ")
        };
        let words = format!(
            "{name}: taken by {}, since a day not recorded",
            given.start()
        );
        if !start_unknown.contains(&words) {
            start_unknown.push(words);
        }
    }
    Some(Regimen {
        drugs,
        on,
        since,
        start_unknown,
    })
}

/// The reason saying which drugs of the regimen have no recorded start: how long the regimen
/// has been given is then not known (review R9-6).
fn start_unknown_reason(regimen: &Regimen<'_>) -> Option<String> {
    (!regimen.start_unknown.is_empty()).then(|| {
        format!(
            "{}: how long the regimen has been given is not known, and readings before that \
             day are read as on it",
            regimen.start_unknown.join("; ")
        )
    })
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
    }
    outcome
        .evidence
        .extend(courses_evidence(id, &regimen.drugs, ctx.today));
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
        // Each with its usual maximum in the product it was given in (valsartan in
        // sacubitril/valsartan has its own): the one of the highest dose recorded. That dose
        // says where it came from when refract worked it out (review G1-3, as R9-7 has every
        // cited dose say it): a stated dose of the same amount is the one kept.
        struct Highest<'d> {
            drug: &'d super::drugs::Drug,
            daily: Option<f64>,
            maximum: Option<f64>,
            from: Option<DoseFrom>,
        }
        let mut doses: Vec<Highest<'_>> = Vec::new();
        for given in &regimen.drugs {
            for drug in &given.drugs {
                let daily = given.daily_of(drug).map(|d| d.mg_per_day);
                let maximum = ctx.book.max_mg_day_in(
                    &given.drugs,
                    drug,
                    &given.exposure.text,
                    given.unit_mg_of(drug),
                );
                let from = given.exposure.dose_from;
                match doses
                    .iter_mut()
                    .find(|known| known.drug.ingredient == drug.ingredient)
                {
                    Some(known) => {
                        let higher = daily.is_some_and(|daily| {
                            known.daily.is_none_or(|was| {
                                daily > was + 1e-9
                                    || (daily + 1e-9 >= was
                                        && from.is_none()
                                        && known.from.is_some())
                            })
                        });
                        if higher {
                            known.maximum = maximum;
                            known.from = from;
                        }
                        known.daily = match (known.daily, daily) {
                            (Some(a), Some(b)) => Some(a.max(b)),
                            (a, b) => a.or(b),
                        };
                    }
                    None => doses.push(Highest {
                        drug,
                        daily,
                        maximum,
                        from: daily.and(from),
                    }),
                }
            }
        }
        for Highest {
            drug,
            daily,
            maximum,
            from,
        } in doses
        {
            let Some(maximum) = maximum else {
                continue;
            };
            match daily {
                Some(daily) if daily + 1e-9 < maximum => outcome.confounders.push(confounder(
                    "max_dose",
                    format!(
                        "{} {} mg/d{} is below its usual maximum ({} mg/d): maximal or maximally tolerated dose to confirm",
                        drug.ingredient,
                        trim_number(daily),
                        from.map(|from| format!(" ({})", from.words()))
                            .unwrap_or_default(),
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

    // A product whose name holds more than the book recognised in it (a brand the book does
    // not list as a combination: "LOTENSIN 20-25 MG", "Tritace Comp") may bring a class not
    // counted: said, never silently counted short.
    let unread: Vec<String> = regimen
        .drugs
        .iter()
        .filter_map(|given| {
            let why = ctx
                .book
                .unread_part(&given.exposure.text, given.drugs.len())?;
            let read = given
                .drugs
                .iter()
                .map(|d| d.ingredient.as_str())
                .collect::<Vec<_>>()
                .join(" and ");
            Some(format!(
                "what \"{}\" holds: a combination read only as {read} ({why}); its other ingredients are not in the drug book, and the classes they add are not counted",
                given.exposure.text.trim()
            ))
        })
        .collect();

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
    if !unread.is_empty() {
        if outcome.verdict == Verdict::NotMet {
            outcome.verdict = Verdict::Undecided;
            outcome.missing.extend(unread);
        } else {
            outcome.reasons.extend(unread);
        }
    }
    outcome
}

/// A blood pressure reading: systolic and diastolic taken together, or a systolic alone (a
/// panel whose diastolic has a `dataAbsentReason`, a systolic recorded on its own).
#[derive(Debug, Clone)]
struct Reading<'a> {
    /// Its local day; of a reading dated by a month or a year alone, the first day of it.
    on: NaiveDate,
    /// The last day it may have been taken on: `on`, or the last day of its month or year
    /// (every day of it, never its first day made up).
    last: NaiveDate,
    systolic: f64,
    diastolic: Option<f64>,
    setting: BpSetting,
    source: &'a Observation,
}

/// Whether a reading's name says it is a mean of several ("Systolic blood pressure mean", LOINC
/// 96608-5's name, "Average home BP", "Mittelwert", "moyenne"): such a value stands for the
/// series it summarises, so a home series minimum is met by it alone.
fn names_a_mean(name: &str) -> bool {
    const MEAN_WORDS: [&str; 10] = [
        "mean",
        "average",
        "averaged",
        "avg",
        "mittelwert",
        "durchschnitt",
        "moyenne",
        "media",
        "promedio",
        "gemiddelde",
    ];
    fold_accents(name)
        .split(|c: char| !c.is_alphanumeric())
        .any(|word| MEAN_WORDS.contains(&word))
}

/// When and where a blood pressure was taken.
type Moment = (NaiveDateTime, BpSetting);

/// The systolics (with their values) and diastolic values taken at one moment.
type MomentReadings<'a> = (Moment, Vec<(&'a Observation, f64)>, Vec<f64>);

// The words below are written as [`fold_accents`] leaves a name (lower case, no accents), in
// English and in the languages European records export (German, Dutch, French, Spanish,
// Italian, Portuguese); they are matched as whole words (`names_test`), a plural "s" allowed.

/// Words that say a result is the systolic reading, or the diastolic one. An abbreviation
/// (`*_SHORT`) gives way to the other reading's full word: "dia" is also the Spanish and
/// Portuguese "day" ("Presión sistólica día").
const SYSTOLIC_WORDS: &[&str] = &[
    "systolic",
    "sbp",
    "systolisch",
    "systolische",
    "systolischer",
    "systolischen",
    "systolique",
    "sistolica",
    "sistolico",
    // The upper and lower pressure, as Dutch and Italian patients and records name them.
    "bovendruk",
    "bloeddruk boven",
    "pressione massima",
    "pressione arteriosa massima",
];
const SYSTOLIC_SHORT: &[&str] = &["sys", "syst", "sist"];
const DIASTOLIC_WORDS: &[&str] = &[
    "diastolic",
    "dbp",
    "diastolisch",
    "diastolische",
    "diastolischer",
    "diastolischen",
    "diastolique",
    "diastolica",
    "diastolico",
    "onderdruk",
    "bloeddruk onder",
    "pressione minima",
    "pressione arteriosa minima",
];
const DIASTOLIC_SHORT: &[&str] = &["dia", "dias", "diast"];
/// The French, Spanish and Portuguese abbreviations that say the reading and the pressure at
/// once: PAS/PAD (pression artérielle / presión arterial systolique, diastolique), TAS/TAD
/// (tension arterial). A choice: read only when a word of those languages stands beside them
/// ([`ROMANCE_WORDS`], [`ROMANCE_READING_WORDS`]: "PAS (mmHg) — pression", "TAS brazo
/// derecho") or when the Observation's category is coded FHIR's `vital-signs` (a Spanish or
/// French feed codes its cuff readings "PAS"/"PAD" as vital signs and writes nothing else),
/// never alone, not even in mmHg: in English records PAS and PAD are the pulmonary artery
/// systolic and diastolic pressures of an echo or a catheterisation (in mmHg too, and filed
/// under `imaging` or `procedure`, or under no category), PAD peripheral arterial disease as
/// well. A category given only in words ("Vitals") is not enough: a local category says too
/// little to tell an English echo's PAS from a French cuff's.
const SYSTOLIC_ABBREVIATIONS: &[&str] = &["pas", "tas"];
const DIASTOLIC_ABBREVIATIONS: &[&str] = &["pad", "tad"];
/// French, Spanish, Italian and Portuguese words a blood pressure's name has beside PAS, PAD,
/// TAS or TAD (or "PA"): the pressure, arterial, where and how it was taken. None is an
/// English word (a choice: "arterial" is both, and an English "PAS arterial" is the pulmonary
/// artery's, so it is not here).
const ROMANCE_WORDS: &[&str] = &[
    "pression",
    "tension",
    "presion",
    "pressione",
    "pressao",
    "tensao",
    "arterielle",
    "arteriosa",
    "sanguine",
    "sanguinea",
    "ta",
    "no invasiva",
    "non invasiva",
    "nao invasiva",
    "brazo",
    "bras",
    "braccio",
    "braco",
    "derecho",
    "izquierdo",
    "droit",
    "gauche",
    "destro",
    "sinistro",
    "direito",
    "esquerdo",
    "assis",
    "sentado",
    "seduto",
    "repos",
    "reposo",
    "riposo",
    "repouso",
    "consultation",
    "consulta",
    "domicile",
    "automesure",
    "domicilio",
    "automedida",
    "automisurazione",
];
/// The French "PA max"/"PA min" (and "TA max"): the upper and lower arterial pressure. A
/// choice: read only as the whole name (Romance words of where and how it was taken aside,
/// "PA max bras droit"), in a unit of pressure; with any other word beside it "max" and "min"
/// are a derived number (an echo's "PA max PG" is the pulmonary artery's peak gradient) and
/// the name is left to the rest of the reading. "PA" is also the English pulmonary artery
/// ("PA max" of an echo, in mmHg), so "PA max" is read, as PAS is, only beside a Romance word
/// or under a coded `vital-signs` category; "TA" is Romance alone (tension artérielle).
const EXTREMES_SYSTOLIC: &[&str] = &["pa max", "pa maxi", "ta max", "ta maxi"];
const EXTREMES_DIASTOLIC: &[&str] = &["pa min", "pa mini", "ta min", "ta mini"];
/// The reading words of the Romance languages, which write "PA" for the arterial pressure
/// ("PA systolique"): with one of them, "PA" is that pressure, not the pulmonary artery (which
/// they write "pulmonaire", "pulmonar", "polmonare", all on [`NOT_BLOOD_PRESSURE`]).
const ROMANCE_READING_WORDS: &[&str] = &[
    "systolique",
    "diastolique",
    "sistolica",
    "sistolico",
    "diastolica",
    "diastolico",
];
/// Words that say a systolic or diastolic is a pressure of the blood ("BP sys", "Systolic
/// arterial pressure", "RR syst.", "Pression artérielle systolique"); "SBP" and "DBP" say it
/// alone. "RR" is Riva-Rocci's, the German and Dutch name of the cuff reading.
const PRESSURE_WORDS: &[&str] = &[
    "blood pressure",
    "bp",
    "b/p",
    "nibp",
    "nbp",
    "pressure",
    "sbp",
    "dbp",
    "blutdruck",
    "druck",
    "rr",
    "bloeddruk",
    "pression",
    "tension",
    "ta",
    "presion",
    "pressione",
    "pressao",
    "tensao",
    "bovendruk",
    "onderdruk",
];
/// Words of a systolic or diastolic that is not the reading a goal is judged by: a goal or an
/// alert or alarm limit, another position (an orthostatic test is read by its seated reading),
/// another limb or a difference between limbs (a leg, an ankle, a thigh, a toe; an arm is the
/// office reading's own limb and is not here), another vessel or chamber (pulmonary artery,
/// right ventricle, an arterial line, the central aortic pressure, the skull, the eye, a
/// fetus), a derived number (a percentile, a change, a maximum or the lowest, variability, a
/// gradient or velocity), a reading under exercise, in theatre, on dialysis, in labour or
/// pregnancy, one not done or from long ago, and heart measurements that say systolic without
/// a pressure ("systolic function", "ejection"). A choice: such a result is left out rather
/// than read as an office reading, which would decide a flag on a number that is not one. (An
/// allow-list of a reading's words, tried, refused half of real flowsheet names: "Systolic BP
/// #2", "Repeat systolic BP", "Lt arm", "24h mean".) A name with no pressure word is read by
/// its unit (see [`blood_pressure_named`]), so this list is what stands between "Systolic" in
/// mmHg and a pressure of the heart or of another vessel: the monitors' labels of those are
/// here too (ABP, ART and IBP are the invasive arterial channel, NBP/NIBP the cuff's). Mean
/// arterial and pulse pressure say neither reading, so they are never one.
const NOT_BLOOD_PRESSURE: &[&str] = &[
    // A goal, a limit or an alarm.
    "target",
    "goal",
    "aim",
    "desired",
    "threshold",
    "limit",
    "alert",
    "alarm",
    "ziel",
    "zielwert",
    "zielblutdruck",
    "sollwert",
    "grenzwert",
    "grenze",
    "alarmgrenze",
    "objectif",
    "cible",
    "seuil",
    "limite",
    "alarme",
    "objetivo",
    "meta",
    "umbral",
    "alarma",
    "obiettivo",
    "soglia",
    "allarme",
    "doel",
    "streefwaarde",
    "grens",
    "alarmgrens",
    "alvo",
    "limiar",
    // Another position.
    "orthostatic",
    "postural",
    "standing",
    "stand",
    "supine",
    "lying",
    "tilt",
    "stehend",
    "stehen",
    "liegend",
    "liegen",
    "orthostatisch",
    "orthostase",
    "debout",
    "couche",
    "orthostatique",
    "de pie",
    "bipedestacion",
    "acostado",
    "decubito",
    "supino",
    "ortostatica",
    "ortostatico",
    "ortostatismo",
    "in piedi",
    "sdraiato",
    "staand",
    "staande",
    "liggend",
    "em pe",
    "deitado",
    // Another limb, or a difference between limbs.
    "ankle",
    "toe",
    "leg",
    "thigh",
    "calf",
    "femoral",
    "difference",
    "differential",
    "inter-arm",
    "interarm",
    "index",
    "abi",
    "bein",
    "knochel",
    "oberschenkel",
    "unterschenkel",
    "wade",
    "zehe",
    "differenz",
    "jambe",
    "cheville",
    "cuisse",
    "mollet",
    "orteil",
    "pierna",
    "tobillo",
    "muslo",
    "diferencia",
    "gamba",
    "caviglia",
    "coscia",
    "differenza",
    "enkel",
    "verschil",
    "perna",
    "tornozelo",
    "coxa",
    "diferenca",
    // Another vessel or chamber, an invasive line, the skull, the eye, a fetus.
    "pulmonary",
    "pulm",
    "pulmonic",
    "doppler",
    "pap",
    "pasp",
    "pcwp",
    "pawp",
    "paop",
    "ventricular",
    "ventricle",
    "rv",
    "lv",
    "rvsp",
    "lvedp",
    "rap",
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
    "aline",
    "abp",
    "ibp",
    "radial",
    "umbilical",
    "central venous",
    "cvp",
    "intracranial",
    "icp",
    "cpp",
    "intraocular",
    "ocular",
    "iop",
    "wedge",
    "fetal",
    "foetal",
    "fetus",
    "pulmonal",
    "pulmonalis",
    "pulmonalarterie",
    "lungenarterie",
    "ventrikular",
    "rechtsventrikular",
    "linksventrikular",
    "invasiv",
    "blutig",
    "zentral",
    "zentraler",
    "intrakraniell",
    "hirndruck",
    "intraokular",
    "augeninnendruck",
    "fotal",
    "pulmonaire",
    "ventriculaire",
    "invasif",
    "centrale",
    "intracranienne",
    "intraoculaire",
    "pulmonar",
    "invasiva",
    "invasivo",
    "intracraneal",
    "polmonare",
    "ventricolare",
    "intracranica",
    "pulmonaal",
    "ventriculair",
    "invasief",
    "centraal",
    // A derived number.
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
    "peak",
    "maximum",
    "max",
    "minimum",
    "lowest",
    "highest",
    "gradient",
    "velocity",
    "perzentile",
    "variabilitat",
    "variabilite",
    "percentil",
    "variabilidad",
    "variabilita",
    "variabiliteit",
    "variabilidade",
    // Heart measurements that say systolic or diastolic without a pressure.
    "function",
    "ejection",
    "filling",
    "murmur",
    "volume",
    // Under exercise, in theatre, on dialysis, in labour or pregnancy.
    "exercise",
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
    "belastung",
    "intraoperativ",
    "dialyse",
    "hamodialyse",
    "schwangerschaft",
    "geburt",
    "effort",
    "peroperatoire",
    "hemodialyse",
    "grossesse",
    "accouchement",
    "esfuerzo",
    "ejercicio",
    "intraoperatorio",
    "intraoperatoria",
    "dialisis",
    "hemodialisis",
    "embarazo",
    "parto",
    "sforzo",
    "dialisi",
    "gravidanza",
    "inspanning",
    "zwangerschap",
    "esforco",
    "dialise",
    "hemodialise",
    "gravidez",
    // In intensive care, sedated, around a procedure, of a mother in pregnancy or after birth,
    // or taken in a pharmacy or at a kiosk: not the office reading resistant hypertension is
    // judged by (its guidelines read the mean of office readings, or ambulatory or home ones).
    "icu",
    "itu",
    "ccu",
    "hdu",
    "intensive care",
    "critical care",
    "sedated",
    "sedation",
    "sedate",
    "procedure",
    "procedural",
    "periprocedural",
    "preprocedure",
    "postprocedure",
    "maternal",
    "partum",
    "postpartum",
    "peripartum",
    "prenatal",
    "postnatal",
    "puerperal",
    "obstetric",
    "obstetrical",
    "pharmacy",
    "kiosk",
    "intensivstation",
    "intensivmedizin",
    "intensiv",
    "sediert",
    "sedierung",
    "eingriff",
    "mutter",
    "mutterlich",
    "wochenbett",
    "postpartal",
    "apotheke",
    "reanimation",
    "rea",
    "soins intensifs",
    "usi",
    "intervention",
    "maternel",
    "maternelle",
    "obstetrique",
    "pharmacie",
    "uci",
    "cuidados intensivos",
    "sedado",
    "sedada",
    "sedacion",
    "procedimiento",
    "materna",
    "materno",
    "posparto",
    "puerperio",
    "obstetrica",
    "obstetrico",
    "farmacia",
    "quiosco",
    "terapia intensiva",
    "rianimazione",
    "sedato",
    "sedata",
    "sedazione",
    "procedura",
    "ostetrica",
    "ostetrico",
    "uti",
    "sedacao",
    "procedimento",
    "pos-parto",
    "ic",
    "intensive zorg",
    "intensieve zorg",
    "gesedeerd",
    "sedatie",
    "ingreep",
    "maternaal",
    "kraambed",
    "apotheek",
    "zwanger",
    // Not done, or from long ago.
    "ago",
    "not done",
    "not measured",
    "not recorded",
    "declined",
    "unable",
    "nicht gemessen",
    "nicht durchgefuhrt",
    "non mesuree",
    "non mesure",
    "non fait",
    "no medido",
    "no realizado",
    "non misurata",
    "non eseguito",
    "niet gemeten",
    "nao medido",
    "nao realizado",
];
/// Words of [`NOT_BLOOD_PRESSURE`] in English only: in a name with a Romance reading word
/// ([`ROMANCE_READING_WORDS`]) "PA" is the arterial pressure and "art." is artérielle,
/// arterial; in English they are the pulmonary artery and an arterial line.
const NOT_BLOOD_PRESSURE_IN_ENGLISH: &[&str] = &["pa", "art"];
/// "Arterial" on its own is an ICU flowsheet's or a monitor's invasive channel ("Arterial
/// Systolic", "Arterial Diastolic": the arterial line's rows beside the cuff's "NIBP
/// Systolic"). A choice: it is denied unless the name also says the blood pressure or the cuff
/// ([`ARTERIAL_READ_BESIDE`]: "Arterial blood pressure systolic", "Non-invasive arterial
/// systolic", "Arterial BP cuff") or is Romance ("Presión arterial sist."): "arterial blood
/// pressure" is the general term for the blood pressure (what the Romance "pression
/// artérielle" translates), while a line's channel is labelled "Arterial", "Art", "ABP" or
/// "IBP" without it. "Arterial pressure" alone is the monitor's label of the line, so denied.
const ARTERIAL: &str = "arterial";
const ARTERIAL_READ_BESIDE: &[&str] = &["blood pressure", "bp", "b/p", "nibp", "nbp", "cuff"];
/// The words that deny "invasive" ("non-invasive", "nicht invasiv", "no invasiva", "niet
/// invasief"): such a reading is the cuff's, not the arterial line's.
const NOT_INVASIVE: &[&str] = &["non", "nicht", "no", "niet", "nao", "not"];

/// The blood pressure reading a test's name says it is ([`observation_codes::SYSTOLIC_BP`] or
/// [`observation_codes::DIASTOLIC_BP`]), for results under a code that does not say so (a
/// hospital's local code named as LOINC or a flowsheet names the reading: "Systolic blood
/// pressure", "BP sys", "Systolic B.P.", "Diastolic BP", "Blutdruck systolisch", "Pression
/// artérielle diastolique"). The name is read with its accents and case folded
/// ([`fold_accents`]) and its dotted initials joined ("B.P." is "BP"). Words are matched whole
/// (`names_test`), with the care the other tests' names take: a name that says both readings,
/// or neither, is none, and a name with a word of [`NOT_BLOOD_PRESSURE`] ("Target systolic",
/// "Pulmonary artery systolic pressure", "Systolic blood pressure standing", "SBP
/// variability", "Zielwert RR syst.") is none. The name must say it is a pressure
/// ([`PRESSURE_WORDS`]), or the value's `unit` must be one (mmHg however written, or kPa;
/// "mmHg" in the name counts): flowsheets name the cuff's rows "Cuff systolic", "R Arm
/// Systolic", "Systolic (sitting)", even "Diastolic", and their unit is what says they are
/// pressures. A choice: a name with no pressure word and no such unit is none (a systolic
/// what? a duration, a velocity, a function). Where the reading was taken is its name's to say
/// too (see [`bp_setting_of_words`]). `in_vital_signs`: the Observation's category is coded
/// FHIR's `vital-signs`, which lets the Romance abbreviations be read alone (see
/// [`SYSTOLIC_ABBREVIATIONS`], [`EXTREMES_SYSTOLIC`]).
pub fn blood_pressure_named(
    name: &str,
    unit: Option<&str>,
    in_vital_signs: bool,
) -> Option<&'static str> {
    let folded = without_channel_numbers(&join_dotted_initials(&fold_accents(name)));
    // Read before "no invasiva" is rewritten as the cuff's English "nibp", and without the
    // abbreviations themselves ("tas" would be a plural of "ta").
    let beside_abbreviations: String = folded
        .split_inclusive(|c: char| !c.is_alphanumeric())
        .filter(|part| {
            let word = part.trim_end_matches(|c: char| !c.is_alphanumeric());
            !SYSTOLIC_ABBREVIATIONS.contains(&word) && !DIASTOLIC_ABBREVIATIONS.contains(&word)
        })
        .collect();
    let romance_context = ROMANCE_WORDS
        .iter()
        .chain(ROMANCE_READING_WORDS)
        .any(|word| names_test(&beside_abbreviations, word));
    let name = without_negated_invasive(&folded);
    let has = |words: &[&str]| words.iter().any(|word| names_test(&name, word));
    let in_mmhg = name.replace(['[', ']'], "").replace("mm hg", "mmhg");
    let pressure_unit = unit.is_some_and(is_pressure_unit)
        || names_test(&in_mmhg, "mmhg")
        || names_test(&in_mmhg, "kpa");
    if pressure_unit
        && let Some(reading) = extreme_named(&in_mmhg, romance_context || in_vital_signs)
    {
        return Some(reading);
    }
    let abbreviated = |words: &[&str]| (romance_context || in_vital_signs) && has(words);
    let (full_systolic, full_diastolic) = (
        has(SYSTOLIC_WORDS) || abbreviated(SYSTOLIC_ABBREVIATIONS),
        has(DIASTOLIC_WORDS) || abbreviated(DIASTOLIC_ABBREVIATIONS),
    );
    let systolic = full_systolic || (!full_diastolic && has(SYSTOLIC_SHORT));
    let diastolic = full_diastolic || (!full_systolic && has(DIASTOLIC_SHORT));
    if systolic == diastolic {
        return None;
    }
    // PAS and PAD are Romance too (and "pa" with a plural "s" would deny PAS).
    let romance = has(ROMANCE_READING_WORDS)
        || abbreviated(SYSTOLIC_ABBREVIATIONS)
        || abbreviated(DIASTOLIC_ABBREVIATIONS);
    let a_pressure = pressure_unit || has(PRESSURE_WORDS) || (romance && has(&["pa"]));
    let arterial_line =
        has(&[ARTERIAL]) && !romance && !romance_context && !has(ARTERIAL_READ_BESIDE);
    if !a_pressure
        || arterial_line
        || has(NOT_BLOOD_PRESSURE)
        || (!romance && has(NOT_BLOOD_PRESSURE_IN_ENGLISH))
    {
        return None;
    }
    Some(if systolic {
        observation_codes::SYSTOLIC_BP
    } else {
        observation_codes::DIASTOLIC_BP
    })
}

/// The reading a whole name "PA max" or "PA min" (and "TA", "maxi", "mini") says, its unit
/// and Romance words of where it was taken aside ("PA max (mmHg)", "PA max bras droit");
/// "PA" only where `pa_is_arterial` (see [`EXTREMES_SYSTOLIC`]).
fn extreme_named(name: &str, pa_is_arterial: bool) -> Option<&'static str> {
    let words: Vec<&str> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| {
            !word.is_empty()
                && !matches!(*word, "mmhg" | "kpa")
                && (*word == "ta" || !ROMANCE_WORDS.contains(word))
        })
        .collect();
    if words.first() == Some(&"pa") && !pa_is_arterial {
        return None;
    }
    let whole = words.join(" ");
    if EXTREMES_SYSTOLIC.contains(&whole.as_str()) {
        Some(observation_codes::SYSTOLIC_BP)
    } else if EXTREMES_DIASTOLIC.contains(&whole.as_str()) {
        Some(observation_codes::DIASTOLIC_BP)
    } else {
        None
    }
}

/// Whether a unit, as a record writes it, is one blood pressure is given in: mmHg ("mm[Hg]",
/// "mmHg", "mm Hg", "millimeter of mercury") or kPa (read in mmHg at import).
fn is_pressure_unit(unit: &str) -> bool {
    mmhg_per(unit).is_some()
}

/// Millimetres of mercury in one of `unit`, when it is a unit of pressure a blood pressure is
/// written in (the import's conversion and the criteria's check read this one list): mmHg
/// however written (1), cm[Hg] (10: a French chart's "14/9"), inches of mercury (UCUM's
/// [in_i'Hg] and [in_us'Hg], 25.4) and kPa. Any other unit (`%`, `/min`) is `None`: such a
/// value is never read as mmHg (review R7-1).
pub fn mmhg_per(unit: &str) -> Option<f64> {
    let compact: String = fold_accents(unit)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    Some(match compact.as_str() {
        "mmhg"
        | "millimeterofmercury"
        | "millimetreofmercury"
        | "millimetersofmercury"
        | "millimetresofmercury"
        | "torr" => 1.0,
        "cmhg"
        | "centimeterofmercury"
        | "centimetreofmercury"
        | "centimetersofmercury"
        | "centimetresofmercury" => 10.0,
        "inihg" | "inushg" | "inhg" | "inchofmercury" | "inchesofmercury" => 25.4,
        // 1 mmHg = 133.322 Pa.
        "kpa" | "kilopascal" | "kilopascals" => 1000.0 / 133.322_387_415,
        _ => return None,
    })
}

/// `text` with initials written with dots joined: "b.p." and "s.b.p" read as "bp" and "sbp".
fn join_dotted_initials(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while at < chars.len() {
        let starts_word = at == 0 || !chars[at - 1].is_alphanumeric();
        let mut letters = String::new();
        let mut end = at;
        // Single letters, each but the last followed by a dot.
        while starts_word
            && chars.get(end).is_some_and(|c| c.is_alphabetic())
            && chars.get(end + 1).is_none_or(|c| !c.is_alphanumeric())
        {
            letters.push(chars[end]);
            if chars.get(end + 1) == Some(&'.') {
                end += 2;
            } else {
                end += 1;
                break;
            }
        }
        if letters.chars().count() >= 2 {
            out.push_str(&letters);
            at = end;
        } else {
            out.push(chars[at]);
            at += 1;
        }
    }
    out
}

/// `text` with a monitor's channel number parted from its label ("ibp1 sys" is "ibp 1 sys",
/// "art2" is "art 2"), so that the label is read as the word it is; a word of one letter and
/// digits ("p1") is left whole.
fn without_channel_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    let mut letters_before = 0;
    for c in text.chars() {
        if c.is_ascii_digit() && letters_before >= 2 {
            out.push(' ');
            letters_before = 0;
        } else if c.is_alphabetic() {
            letters_before += 1;
        } else if !c.is_ascii_digit() {
            letters_before = 0;
        }
        out.push(c);
    }
    out
}

/// `text` with every denied "invasive" ("non-invasive", "noninvasive", "nicht invasiv", "no
/// invasiva") written "nibp", the cuff's reading, so that only an invasive reading is one.
fn without_negated_invasive(text: &str) -> String {
    let mut out = text.to_owned();
    let mut from = 0;
    while let Some(offset) = out[from..].find("invasi") {
        let start = from + offset;
        let word_end = out[start..]
            .find(|c: char| !c.is_alphanumeric())
            .map_or(out.len(), |end| start + end);
        // "noninvasive", "nichtinvasiv": the denial and the word written as one.
        let joined = NOT_INVASIVE
            .iter()
            .find(|word| ends_with_word(&out[..start], word))
            .map(|word| start - word.len());
        let spaced = out[..start].strip_suffix(['-', ' ']).and_then(|before| {
            NOT_INVASIVE
                .iter()
                .find(|word| ends_with_word(before, word))
                .map(|word| before.len() - word.len())
        });
        match joined.or(spaced) {
            Some(negation) => {
                out.replace_range(negation..word_end, "nibp");
                from = negation + "nibp".len();
            }
            None => from = word_end,
        }
    }
    out
}

/// Whether `text` ends with `word` begun on a word boundary.
fn ends_with_word(text: &str, word: &str) -> bool {
    text.strip_suffix(word).is_some_and(|before| {
        !before
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
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
        // The import read its category: an echo's or a procedure's pressure, whatever its name.
        _ if observation.setting == Some(BpSetting::NotVitalSigns) => None,
        // Its category is not stored: the abbreviations a vital-signs category lets be read
        // were read at import, stored under the reading's own code.
        _ => blood_pressure_named(&observation.display, observation.unit.as_deref(), false),
    }
}

/// Where a blood pressure was measured, from the words of its panel's code, its method (text
/// and codings' displays) and its own code. The period (24 hours, awake, asleep) decides
/// first; then ambulatory monitoring named without a period ("Ambulatory blood pressure
/// monitoring", "ABPM") is read as its 24-hour mean, the summary an ABPM report leads with
/// and the stricter of the two ambulatory thresholds, so a white-coat effect is never
/// concluded on a laxer goal than the reading's; then home and other self-measured readings;
/// then readings taken in hospital (an inpatient or emergency flowsheet's words).
/// The words are English and, for the readings named in other languages (see
/// [`blood_pressure_named`]), German, Dutch, French, Spanish, Italian and Portuguese, accents
/// folded; "día" (day) is not among them, being the abbreviation of diastolic too.
pub fn bp_setting_of_words(words: &str) -> BpSetting {
    let words = fold_accents(words);
    let has = |phrases: &[&str]| phrases.iter().any(|phrase| names_test(&words, phrase));
    if has(&[
        "24 hour",
        "24-hour",
        "24h",
        "24 h",
        "24-h",
        "24hr",
        "24 hr",
        "24 std",
        "24-std",
        "24 stunden",
        "24-stunden",
        "24 heures",
        "24 horas",
        "24 ore",
        "24 uur",
    ]) {
        BpSetting::Ambulatory24h
    } else if has(&[
        "awake", "daytime", "day-time", "day time", "diurnal", "tagsuber", "diurne", "eveil",
        "diurno", "diurna", "veglia", "overdag",
    ]) {
        BpSetting::AmbulatoryAwake
    } else if has(&[
        "night",
        "nighttime",
        "night-time",
        "nocturnal",
        "sleep",
        "asleep",
        "nacht",
        "nachts",
        "nachtlich",
        "nuit",
        "nocturne",
        "sommeil",
        "noche",
        "nocturna",
        "nocturno",
        "notte",
        "notturna",
        "notturno",
        "noite",
        "noturna",
        "noturno",
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
        "langzeit-rr",
        "langzeit rr",
        "langzeitblutdruck",
        "abdm",
        "mapa",
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
        "zu hause",
        "hausliche",
        "hauslicher",
        "selbstmessung",
        "heimmessung",
        "domicile",
        "automesure",
        "domicilio",
        "automedida",
        "ampa",
        "thuis",
        "thuismeting",
        "zelfmeting",
        "domiciliare",
        "automisurazione",
    ]) {
        BpSetting::Home
    } else if has(&[
        "hospital",
        "in hospital",
        "hospitalised",
        "hospitalized",
        "inpatient",
        "in-patient",
        "emergency department",
        "emergency room",
    ]) {
        // Acute care: the words of refract's own export ("hospital", see `BpSetting::Hospital`)
        // and a flowsheet's. Not "emergency" alone ("emergency contact").
        BpSetting::Hospital
    } else {
        BpSetting::Office
    }
}

/// Two copies of one reading closer than this (mmHg) are one reading: 0.1 kPa, the last digit
/// a kPa reading is written to, so that 18.7 kPa (140.3 mmHg) and the 140 mmHg another system
/// sent are one; whole-mmHg readings 1 apart stay two (review R7-3).
const COPY_TOLERANCE_MMHG: f64 = 0.75;

/// How a reading with no unit is read: as mmHg (`no_unit_is_mmhg`) when it is at least
/// `min` (see `no_unit_min_mmhg`).
#[derive(Debug, Clone, Copy)]
struct NoUnit {
    is_mmhg: bool,
    min: f64,
}

/// Whether a stored reading's unit is mmHg (however written; the import put kPa, cm[Hg] and
/// inches of mercury in mmHg), or none, read as mmHg as `no_unit` says.
fn in_mmhg(observation: &Observation, no_unit: NoUnit) -> bool {
    match observation.unit.as_deref().map(str::trim) {
        None | Some("") => {
            no_unit.is_mmhg && observation.value.is_some_and(|value| value >= no_unit.min)
        }
        Some(unit) => mmhg_per(unit).is_some_and(|factor| (factor - 1.0).abs() < f64::EPSILON),
    }
}

/// The blood pressure readings of the record, in mmHg, and those set aside: in a unit that is
/// not mmHg (see [`in_mmhg`]), never read as mmHg.
fn readings<'a>(ctx: &Context<'a>, no_unit: NoUnit) -> (Vec<Reading<'a>>, Vec<&'a Observation>) {
    let mut systolic: Vec<&Observation> = Vec::new();
    let mut diastolic: Vec<&Observation> = Vec::new();
    let mut not_in_mmhg: Vec<&Observation> = Vec::new();
    for observation in &ctx.record.observations {
        // Readings stored under another code of theirs (imported before refract knew it), or
        // under a local code with the reading's name, too.
        let kind = blood_pressure_of(observation);
        if kind.is_some() && observation.value.is_some() && !in_mmhg(observation, no_unit) {
            not_in_mmhg.push(observation);
            continue;
        }
        match kind {
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
            .all(|pair| (pair[1] - pair[0]).abs() < COPY_TOLERANCE_MMHG);
        // A systolic with no diastolic of its moment is still a reading: the goal is a systolic
        // *or* a diastolic above it (ACC/AHA 2017), so a systolic above goal says enough alone.
        let paired: Vec<Option<f64>> = match diastolics.first() {
            Some(only) if one_value => vec![Some(*only); systolics.len()],
            _ => diastolics.into_iter().map(Some).collect(),
        };
        let paired = paired.into_iter().chain(std::iter::repeat(None));
        let mut moment_readings: Vec<(&Observation, f64, Option<f64>)> = systolics
            .into_iter()
            .zip(paired)
            .map(|((source, systolic_value), diastolic_value)| {
                (source, systolic_value, diastolic_value)
            })
            .collect();
        // The same values at the same moment and setting are one reading sent twice (a panel
        // with its components beside the same values as separate Observations, as flowsheet
        // feeds write them, or two sources' copies), never two: counted twice, it would weigh
        // double in a mean and make one reading the two a level needs. Chosen: two readings
        // taken at one second with values equal to the mmHg are far rarer than one sent twice.
        // Sorted by value above, so copies are neighbours. Compared in mmHg, after the
        // import's conversion, within the rounding of a kPa value (`COPY_TOLERANCE_MMHG`).
        let same = |a: f64, b: f64| (a - b).abs() < COPY_TOLERANCE_MMHG;
        moment_readings.dedup_by(|later, earlier| {
            same(later.1, earlier.1)
                && match (later.2, earlier.2) {
                    (Some(a), Some(b)) => same(a, b),
                    (None, None) => true,
                    _ => false,
                }
        });
        for (source, systolic_value, diastolic_value) in moment_readings {
            // A visit is a day in the record's own local time (the offset its time was written
            // in), not a UTC day: a Sydney clinic's 10:58 and 11:04 are one visit, though UTC
            // midnight falls between them; a time with no offset stays the day written.
            let local = source
                .utc_offset_minutes
                .and_then(|minutes| {
                    effective.checked_add_signed(chrono::Duration::minutes(i64::from(minutes)))
                })
                .unwrap_or(effective);
            out.push(Reading {
                on: local.date(),
                last: source.effective_precision.last_day(local.date()),
                systolic: systolic_value,
                diastolic: diastolic_value,
                setting,
                source,
            });
        }
    }
    out.sort_by_key(|r| r.on);
    (out, not_in_mmhg)
}

/// Whether which of `office` readings' visits are the latest `k` turns on a day the record
/// never gave, and the level they show (`level`, of the chosen readings) with it: the months
/// of the readings that would decide ("2026-10"), or `None` when every choice gives one level.
///
/// A visit dated by a month or a year alone is every day of it: a visit is surely among the
/// latest `k` when fewer than `k` others may be later (their last day after its first), surely
/// not when `k` others are surely later (their first day after its last); the others may be
/// either. Every choice of them that fills the `k` is read (at most 2^12: beyond, undecided).
fn latest_visits_turn_on(
    office: &[&Reading<'_>],
    k: usize,
    level: impl Fn(&[&Reading<'_>]) -> Option<Option<bool>>,
) -> Option<String> {
    let mut visits: BTreeMap<(NaiveDate, NaiveDate), Vec<&Reading<'_>>> = BTreeMap::new();
    for reading in office {
        visits
            .entry((reading.on, reading.last))
            .or_default()
            .push(reading);
    }
    let windows: Vec<(NaiveDate, NaiveDate)> = visits.keys().copied().collect();
    let (mut surely_in, mut unsure) = (Vec::new(), Vec::new());
    for &(first, last) in &windows {
        let others = windows.iter().filter(|other| **other != (first, last));
        let may_be_later = others.clone().filter(|(_, other_last)| *other_last > first);
        let surely_later = others.filter(|(other_first, _)| *other_first > last);
        if may_be_later.count() < k {
            surely_in.push((first, last));
        } else if surely_later.count() < k {
            unsure.push((first, last));
        }
    }
    if unsure.is_empty() {
        return None;
    }
    let months = || {
        let mut months: Vec<String> = unsure
            .iter()
            .chain(&surely_in)
            .filter(|(first, last)| first != last)
            .flat_map(|window| visits[window].iter().map(|r| r.source.day_text()))
            .collect();
        months.dedup();
        months.join(", ")
    };
    let wanted = k.saturating_sub(surely_in.len()).min(unsure.len());
    if unsure.len() > 12 {
        return Some(months());
    }
    let mut levels = (0u32..1 << unsure.len())
        .filter(|chosen| chosen.count_ones() as usize == wanted)
        .map(|chosen| {
            let readings: Vec<&Reading<'_>> = surely_in
                .iter()
                .chain(
                    unsure
                        .iter()
                        .enumerate()
                        .filter(|(at, _)| chosen & (1 << at) != 0)
                        .map(|(_, window)| window),
                )
                .flat_map(|window| visits[window].iter().copied())
                .collect();
            level(&readings)
        });
    let first = levels.next();
    if levels.all(|other| Some(other) == first) {
        None
    } else {
        Some(months())
    }
}

/// The visits of `readings`, each by its days (first, last): the readings of one day, or of
/// one month or year alone. A visit dated by a month or a year alone is every day of it: its
/// own visit, unless a visit on a day of it may be the same one (then it is left to that
/// visit, never counted twice); so these are the visits surely distinct.
fn own_visits<'r, 'a>(
    readings: &[&'r Reading<'a>],
) -> BTreeMap<(NaiveDate, NaiveDate), Vec<&'r Reading<'a>>> {
    let mut visits: BTreeMap<(NaiveDate, NaiveDate), Vec<&Reading<'_>>> = BTreeMap::new();
    for reading in readings {
        visits
            .entry((reading.on, reading.last))
            .or_default()
            .push(reading);
    }
    let days: Vec<NaiveDate> = visits
        .keys()
        .filter(|(first, last)| first == last)
        .map(|(first, _)| *first)
        .collect();
    visits.retain(|(first, last), _| {
        first == last || !days.iter().any(|day| day >= first && day <= last)
    });
    visits
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

/// The question a blood pressure criterion waits on while undecided: the level on the current
/// regimen, above goal or at goal. Two criteria that differ only in the state they want are
/// undecided, and decided, on the same readings, and once decided exactly one of them is met
/// (see [`blood_pressure`]: every undecided outcome comes before the state is read). A count of
/// uncontrolled visits (`min_visits` above one) is no such answer: it may be neither. Nor is
/// the level on a regimen no longer given on the run day (the record's last drugs, stopped):
/// what its blood pressure was is no question a reading now can answer.
pub fn question(ctx: &Context<'_>, spec: &BloodPressure) -> Option<Question> {
    const ANSWERS: &[&str] = &["uncontrolled", "controlled"];
    if spec.min_visits > 1 {
        return None;
    }
    if current_regimen(ctx, &spec.classes).is_none_or(|regimen| regimen.on != ctx.today) {
        return None;
    }
    let answer = ANSWERS
        .iter()
        .copied()
        .find(|answer| *answer == spec.state)?;
    let asked = BloodPressure {
        state: String::new(),
        ..spec.clone()
    };
    Some(Question {
        key: format!("{asked:?}"),
        answer,
        answers: ANSWERS,
        words: "the blood pressure on this regimen",
        answer_words: &["above goal", "at goal"],
        // Above goal, the flag rests on office readings still to take; a white-coat effect
        // (pseudo-resistance, AHA 2018) is then still to exclude.
        left_open: Some((
            "white_coat",
            "white-coat effect not excluded: no current blood pressure on this regimen (the \
             flag holds whether it is above goal or at goal; office readings, and ambulatory or \
             home monitoring, would tell which and exclude it)",
        )),
    })
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
    outcome.reasons.extend(start_unknown_reason(&regimen));
    // Windows end on the run day, not on the record's last date: blood pressure from long ago
    // says nothing about control now (docs/architecture.md, evidence policy: recency).
    let stable_from = shift(regimen.since, spec.stable_days);
    let from = stable_from.max(shift(ctx.today, -spec.window_days.max(0)));
    let recent_days = spec.recent_days.unwrap_or(spec.window_days);
    let recent_from = shift(ctx.today, -recent_days.max(0));
    // A reading taken in hospital or the emergency department is neither an office reading nor
    // an out-of-office one (AHA 2018): named, never read, and no current reading either.
    let (read, not_in_mmhg) = readings(
        ctx,
        NoUnit {
            is_mmhg: spec.no_unit_is_mmhg,
            min: spec.no_unit_min_mmhg,
        },
    );
    let not_in_mmhg: Vec<&Observation> = not_in_mmhg
        .into_iter()
        .filter(|o| o.last_local_day() >= from && o.local_day() <= ctx.today)
        .collect();
    if !not_in_mmhg.is_empty() {
        // By unit, each with its days and its first value: a feed in one wrong unit is one
        // line, however many readings it sent.
        let mut by_unit: BTreeMap<&str, Vec<&Observation>> = BTreeMap::new();
        for observation in &not_in_mmhg {
            let unit = observation
                .unit
                .as_deref()
                .map(str::trim)
                .filter(|unit| !unit.is_empty())
                .unwrap_or("no unit");
            by_unit.entry(unit).or_default().push(observation);
        }
        let named: Vec<String> = by_unit
            .iter()
            .map(|(unit, values)| {
                let first = values.iter().min_by_key(|o| o.effective);
                let last = values.iter().max_by_key(|o| o.effective);
                let days = match (first, last) {
                    (Some(first), Some(last)) if first.local_day() != last.local_day() => {
                        format!("{} to {}", first.day_text(), last.day_text())
                    }
                    (Some(first), _) => first.day_text(),
                    _ => String::new(),
                };
                let example = first.map_or(String::new(), |o| {
                    format!("; the first: {} {}", o.display, o.value_text())
                });
                format!("{} in {unit} ({days}{example})", values.len())
            })
            .collect();
        outcome.reasons.push(format!(
            "{} not read: {} (a blood pressure is read in mmHg, kPa, cm[Hg] or [in_i'Hg]{})",
            plural(not_in_mmhg.len(), "blood pressure value"),
            named.join("; "),
            if spec.no_unit_is_mmhg {
                format!(
                    "; one with no unit below {} is no mmHg",
                    trim_number(spec.no_unit_min_mmhg)
                )
            } else {
                String::from("; one with no unit is not read")
            }
        ));
    }
    let (all, apart): (Vec<Reading<'_>>, Vec<Reading<'_>>) = read
        .into_iter()
        .partition(|r| r.setting.is_read_by_the_criteria());
    let apart: Vec<&Reading<'_>> = apart
        .iter()
        .filter(|r| r.setting == BpSetting::Hospital && r.on >= from && r.on <= ctx.today)
        .collect();
    if let (Some(first), Some(last)) = (apart.first(), apart.last()) {
        outcome.reasons.push(format!(
            "{} taken in hospital or the emergency department ({}{}) not read: no office reading (AHA 2018)",
            plural(apart.len(), "blood pressure reading"),
            first.on,
            if last.on == first.on {
                String::new()
            } else {
                format!(" to {}", last.on)
            }
        ));
    }
    // A reading dated by a month or a year alone is in the window only when every day of it is:
    // one whose month holds the day readings count from (the regimen unchanged long enough, or
    // the window's start) may be from before it, and is said, never counted (its first day is
    // no day the record gave).
    let in_window: Vec<&Reading<'_>> = all
        .iter()
        .filter(|r| r.on >= from && r.on <= ctx.today)
        .collect();
    let across_from: Vec<&Reading<'_>> = all
        .iter()
        .filter(|r| r.on < from && r.last >= from && r.on <= ctx.today)
        .collect();
    if !across_from.is_empty() {
        let mut months: Vec<String> = across_from.iter().map(|r| r.source.day_text()).collect();
        months.dedup();
        let bound = if from == stable_from {
            format!("the day readings on this regimen count from ({from})")
        } else {
            format!("the first day of the window read ({from})")
        };
        outcome.reasons.push(format!(
            "{} dated {} alone not counted: that holds {bound}, and whether it was taken after \
             it cannot be told",
            plural(across_from.len(), "blood pressure reading"),
            months.join(", ")
        ));
    }
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
            let unread = if not_in_mmhg.is_empty() {
                String::new()
            } else {
                format!(
                    "; {} in a unit refract does not read as a pressure",
                    plural(not_in_mmhg.len(), "value")
                )
            };
            outcome.missing.push(format!(
                "no blood pressure in the last {}{latest}{unread}",
                span(recent_days)
            ));
        }
        outcome.reasons.push(String::from(
            "no current blood pressure on the current regimen",
        ));
        return outcome;
    }
    // Every office reading of the window (the visits the refractory criterion counts), and
    // those of its latest occasions: the level now (ACC/AHA 2017, "an average of >= 2 readings
    // obtained on >= 2 occasions"), not a year's mean, which a change under the same regimen
    // would hide.
    let office_all: Vec<&Reading<'_>> = in_window
        .iter()
        .copied()
        .filter(|r| r.setting == BpSetting::Office)
        .collect();
    let office_dates: Vec<NaiveDate> = office_all
        .iter()
        .map(|r| r.on)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let latest_from = spec
        .office_occasions
        .and_then(|k| {
            let k = usize::try_from(k).ok()?;
            office_dates.len().checked_sub(k).map(|at| office_dates[at])
        })
        .or_else(|| office_dates.first().copied());
    let office: Vec<&Reading<'_>> = office_all
        .iter()
        .copied()
        .filter(|r| latest_from.is_none_or(|from| r.on >= from))
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
    // Which visits are the latest may turn on the day of a reading dated by a month alone: the
    // level now is then known only if every choice of the latest visits its days allow gives
    // it alike; otherwise what would decide it is said.
    let latest_turns_on = spec.office_occasions.and_then(|k| {
        let k = usize::try_from(k).ok()?;
        latest_visits_turn_on(&office_all, k, |chosen| {
            mean(chosen.iter().map(|r| r.systolic))
                .map(|s| above(s, mean(chosen.iter().filter_map(|r| r.diastolic)), goal))
        })
    });
    // The occasions surely distinct: a reading dated by a month or a year alone with a visit
    // on a day of it may be that visit (see `own_visits`), never a second occasion by its
    // first day.
    let occasions = own_visits(&office).len();
    // AHA 2018 / ACC/AHA 2017: "use an average of >= 2 readings obtained on >= 2 occasions".
    let enough_office =
        office.len() >= spec.min_readings as usize && occasions >= spec.min_occasions as usize;
    // Occasions enough only if such a reading was of another day than the visit within its
    // month: the readings whose day would decide, as the record gave them.
    let occasions_untold = {
        let windows: std::collections::BTreeSet<(NaiveDate, NaiveDate)> =
            office.iter().map(|r| (r.on, r.last)).collect();
        let kept = own_visits(&office);
        let mut months: Vec<String> = office
            .iter()
            .filter(|r| !kept.contains_key(&(r.on, r.last)))
            .map(|r| r.source.day_text())
            .collect();
        months.dedup();
        (!enough_office
            && office.len() >= spec.min_readings as usize
            && windows.len() >= spec.min_occasions as usize
            && !months.is_empty())
        .then(|| months.join(", "))
    };
    if let Some((s, d)) = office_mean {
        let latest = if office.len() < office_all.len() {
            format!(
                ", the latest {occasions} of {} visits (the level now)",
                office_dates.len()
            )
        } else {
            String::new()
        };
        // A reading with its systolic alone (the diastolic absent): the two means are of
        // different readings, said so.
        let with_diastolic = office.iter().filter(|r| r.diastolic.is_some()).count();
        let counted = if d.is_some() && with_diastolic < office.len() {
            format!(
                "{} reading(s), {with_diastolic} with a diastolic,",
                office.len()
            )
        } else {
            format!("{} reading(s)", office.len())
        };
        outcome.reasons.push(format!(
            "office blood pressure on this regimen: mean {} mmHg over {counted} since {}{latest} (goal < {}/{})",
            pressure_text(s.round(), d.map(f64::round)),
            office.first().map_or(from, |r| r.on),
            trim_number(goal.0),
            trim_number(goal.1)
        ));
        if let Some(last) = office.last() {
            outcome.evidence.push(observation_evidence(id, last.source));
        }
    }

    // Out of office: the latest measurement of each kind in the window. Home monitoring is a
    // series, judged on the mean of its latest period (the home readings within
    // home_period_days up to the latest one: ACC/AHA 2017 and ESH average a week's morning and
    // evening readings), never on its last reading; an ambulatory mean is one reading, and
    // several of one kind on its day (a summary sent twice, the readings of one recording) are
    // averaged, so that no storage order picks one.
    let mut out_of_office: Option<(bool, String, &Observation)> = None;
    let mut out_of_office_unknown: Vec<String> = Vec::new();
    // A home series counts only from a minimum (`home_min_days`, `home_min_readings`: ESH 2023
    // and AHA 2017, readings on at least 3 days, ideally 7, morning and evening): fewer are no
    // home measurement and decide nothing, neither the level nor a white-coat or masked effect.
    // The series read is the latest period that reaches it; later readings too few to make one
    // are named and set aside.
    for (setting, threshold, words, period_days, min_readings, min_days) in [
        (
            BpSetting::AmbulatoryAwake,
            spec.awake_goal,
            "awake ambulatory",
            1,
            1,
            1,
        ),
        (
            BpSetting::Ambulatory24h,
            spec.day24_goal,
            "24-hour ambulatory",
            1,
            1,
            1,
        ),
        (
            BpSetting::Home,
            spec.home_goal,
            "home",
            spec.home_period_days,
            spec.home_min_readings as usize,
            spec.home_min_days as usize,
        ),
    ] {
        let of_kind: Vec<&Reading<'_>> = in_window
            .iter()
            .copied()
            .filter(|r| r.setting == setting)
            .collect();
        // A reading dated by a month or a year alone is every day of it: it is of a period
        // only when all of its month is (a mean the record gives for a month is a series of
        // that month, ending on its last day); one whose month runs across the period read
        // may or may not be of it, never placed by its first day.
        // An ambulatory measurement (a period of one day) is a mean of its recording too.
        let of_a_month = |r: &Reading<'_>| r.on != r.last;
        let own_series = |r: &Reading<'_>| period_days <= 1 || names_a_mean(&r.source.display);
        let end_of = |r: &Reading<'_>| if own_series(r) { r.last } else { r.on };
        let days: Vec<NaiveDate> = of_kind
            .iter()
            .filter(|r| !of_a_month(r) || own_series(r))
            .map(|r| end_of(r))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let Some(&latest_day) = days.last() else {
            continue;
        };
        let period_of = |end: NaiveDate| -> Vec<&Reading<'_>> {
            let from = shift(end, 1 - period_days.max(1));
            of_kind
                .iter()
                .copied()
                .filter(|r| (r.on >= from && r.last <= end) || (own_series(r) && r.last == end))
                .collect()
        };
        // The readings of a month that may or may not be of the period ending on `end`.
        let across_period = |end: NaiveDate, period: &[&Reading<'_>]| -> Vec<&Reading<'_>> {
            let from = shift(end, 1 - period_days.max(1));
            of_kind
                .iter()
                .copied()
                .filter(|r| {
                    of_a_month(r)
                        && r.on <= end
                        && r.last >= from
                        && !period.iter().any(|p| std::ptr::eq(*p, *r))
                })
                .collect()
        };
        let enough_readings = |period: &[&Reading<'_>]| {
            let days = period
                .iter()
                .map(|r| r.on)
                .collect::<std::collections::BTreeSet<_>>()
                .len();
            period.len() >= min_readings && days >= min_days
        };
        // A mean the record gives (the 96607-7 panel's "mean systolic", "average home BP") is
        // a series already summarised: the readings it averages are not sent.
        let series_of = |period: &[&Reading<'_>]| {
            period.iter().any(|r| names_a_mean(&r.source.display)) || enough_readings(period)
        };
        let found = days.iter().rev().find_map(|&end| {
            let period = period_of(end);
            series_of(&period).then_some((end, period))
        });
        let set_aside: Vec<&Reading<'_>> = match &found {
            Some((end, _)) => of_kind.iter().copied().filter(|r| r.on > *end).collect(),
            None => period_of(latest_day),
        };
        let across: Vec<&Reading<'_>> = match &found {
            Some((end, period)) => across_period(*end, period),
            None => Vec::new(),
        };
        if let (Some(first), Some(last)) = (set_aside.first(), set_aside.last()) {
            let count = set_aside
                .iter()
                .map(|r| r.on)
                .collect::<std::collections::BTreeSet<_>>()
                .len();
            let dates = if first.on == last.on {
                format!("on {}", first.on)
            } else {
                format!("from {} to {}", first.on, last.on)
            };
            let minimum = format!(
                "at least {} on {} days within {}",
                plural(min_readings, "reading"),
                min_days,
                span(period_days)
            );
            outcome.reasons.push(format!(
                "{words} blood pressure {dates} not read: {} on {} is no {words} series ({minimum}, ESH 2023, AHA 2017)",
                plural(set_aside.len(), "reading"),
                plural(count, "day")
            ));
            if found.is_none() {
                outcome.missing.push(format!(
                    "a {words} blood pressure series of {minimum}, morning and evening (so far {} on {})",
                    plural(set_aside.len(), "reading"),
                    plural(count, "day")
                ));
            }
        }
        let Some((latest, period)) = found else {
            continue;
        };
        // A given mean beside readings too few to be a series of their own is read alone: one
        // reading averaged with a week's mean as an equal would outweigh the week.
        let (means, single): (Vec<&Reading<'_>>, Vec<&Reading<'_>>) = period
            .iter()
            .copied()
            .partition(|r| names_a_mean(&r.source.display));
        let latest_mean_day = means.iter().map(|r| r.on).max();
        let (latest, period) = match latest_mean_day {
            Some(day) if !enough_readings(&single) => (
                day,
                means
                    .into_iter()
                    .filter(|r| r.on == day)
                    .collect::<Vec<_>>(),
            ),
            Some(_) => (latest, single),
            None => (latest, period),
        };
        let Some(systolic) = mean(period.iter().map(|r| r.systolic)) else {
            continue;
        };
        let diastolic = mean(period.iter().filter_map(|r| r.diastolic));
        if !across.is_empty() {
            let mut months: Vec<String> = across.iter().map(|r| r.source.day_text()).collect();
            months.dedup();
            let months = months.join(", ");
            let with_them: Vec<&Reading<'_>> = period.iter().chain(&across).copied().collect();
            let high_with_them = mean(with_them.iter().map(|r| r.systolic)).and_then(|s| {
                above(
                    s,
                    mean(with_them.iter().filter_map(|r| r.diastolic)),
                    (threshold[0], threshold[1]),
                )
            });
            let first = period.first().map_or(latest, |r| r.on);
            if high_with_them != above(systolic, diastolic, (threshold[0], threshold[1])) {
                outcome.verdict = Verdict::Undecided;
                outcome.reasons.push(format!(
                    "{words} blood pressure dated {months} alone may be of the series read \
                     ({first} to {latest}) or not, and the mean is above the threshold one way \
                     and not the other: its day would decide"
                ));
                outcome.missing.push(format!(
                    "the day of the {words} blood pressure dated {months} (whether it is of the \
                     series from {first} to {latest} decides the mean)"
                ));
                return outcome;
            }
            outcome.reasons.push(format!(
                "{words} blood pressure dated {months} alone not read: whether it is of the \
                 series read ({first} to {latest}) cannot be told, and the mean is on the same \
                 side of the threshold either way"
            ));
        }
        let Some(reading) = period.last() else {
            continue;
        };
        {
            let high = above(systolic, diastolic, (threshold[0], threshold[1]));
            let text = if period.len() == 1 {
                format!(
                    "{words} {} mmHg on {} (threshold {}/{})",
                    pressure_text(systolic, diastolic),
                    reading.source.day_text(),
                    trim_number(threshold[0]),
                    trim_number(threshold[1])
                )
            } else {
                let first = period.first().map_or(latest, |r| r.on);
                let dates = if first == latest {
                    format!("on {latest}")
                } else {
                    format!("from {first} to {latest}")
                };
                format!(
                    "{words} mean {} mmHg over {} readings {dates} (threshold {}/{})",
                    pressure_text(systolic.round(), diastolic.map(f64::round)),
                    period.len(),
                    trim_number(threshold[0]),
                    trim_number(threshold[1])
                )
            };
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
            // An office level that turns on a day the record never gave says no effect.
            let office = if latest_turns_on.is_some() {
                None
            } else {
                office
            };
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
            if let Some(months) = &occasions_untold {
                outcome.missing.push(format!(
                    "the day of the office blood pressure dated {months} alone: whether another \
                     occasion than the visit on a day of its month cannot be told, and its day \
                     would decide whether the readings are of {} or more occasions",
                    spec.min_occasions
                ));
            }
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
        (None, Some(_)) if latest_turns_on.is_some() => {
            let months = latest_turns_on.unwrap_or_default();
            outcome.verdict = Verdict::Undecided;
            outcome.reasons.push(format!(
                "the office blood pressure now is the mean of the latest {} visits, and which \
                 they are turns on a reading dated {months} alone: its day would decide",
                spec.office_occasions.unwrap_or_default()
            ));
            outcome.missing.push(format!(
                "the day of the office blood pressure dated {months} (which visits are the latest \
                 turns on it), or an ambulatory or home measurement"
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
        // A visit is uncontrolled by its blood pressure, the mean of its readings (ACC/AHA
        // 2017 averages the readings of an occasion, as the level now does), never by one of
        // them: a first reading above goal and a repeat at goal is a visit at goal. A systolic
        // above goal with no diastolic still says so alone, as for the level.
        // A visit dated by a month or a year alone is every day of it (its first and last
        // day): its own visit, unless a visit on a day of it may be the same one (then it is
        // left to that visit, never counted twice). The visits span what surely lay between
        // them: from the earliest last day to the latest first day.
        let high_visits: Vec<(NaiveDate, NaiveDate)> = own_visits(&office_all)
            .iter()
            .filter(|(_, readings)| {
                mean(readings.iter().map(|r| r.systolic)).is_some_and(|s| {
                    above(s, mean(readings.iter().filter_map(|r| r.diastolic)), goal) == Some(true)
                })
            })
            .map(|(window, _)| *window)
            .collect();
        let bounds = high_visits
            .iter()
            .map(|(_, last)| *last)
            .min()
            .zip(high_visits.iter().map(|(first, _)| *first).max());
        let spread = bounds.map_or(0, |(first, last)| (last - first).num_days().max(0));
        // The span asked for, in calendar months where the source says months: 180 days fall
        // short of six months from most days. The span so far is said in days, never rounded
        // into the months it lacks.
        let needed = super::dates::Length::of(Some(spec.min_span_days), spec.min_span_months);
        let spans_enough = bounds.is_some_and(|(first, last)| last >= needed.after(first))
            || needed == super::dates::Length::Days(0);
        if (high_visits.len() as u32) < spec.min_visits || !spans_enough {
            outcome.verdict = Verdict::Undecided;
            outcome.missing.push(format!(
                "uncontrolled at {} or more office visits over at least {} on this regimen (so far {} visit(s) over {spread} days{})",
                spec.min_visits,
                needed.words(),
                high_visits.len(),
                bounds.map_or(String::new(), |(first, last)| format!(
                    ", {first} to {last}; {} from {first} is {}",
                    needed.words(),
                    needed.after(first)
                ))
            ));
            return outcome;
        }
        outcome.reasons.push(format!(
            "above goal at {} office visits over {spread} days ({} or more)",
            high_visits.len(),
            needed.words()
        ));
    }
    outcome.verdict = Verdict::Met;
    outcome
}

#[cfg(test)]
mod tests {
    use super::{
        DIASTOLIC_ABBREVIATIONS, DIASTOLIC_SHORT, DIASTOLIC_WORDS, NOT_BLOOD_PRESSURE,
        NOT_BLOOD_PRESSURE_IN_ENGLISH, PRESSURE_WORDS, ROMANCE_READING_WORDS, ROMANCE_WORDS,
        SYSTOLIC_ABBREVIATIONS, SYSTOLIC_SHORT, SYSTOLIC_WORDS, blood_pressure_named,
        blood_pressure_of, bp_setting_of_words, fold_accents,
    };
    use crate::domain::{BpSetting, Observation, observation_codes};

    /// Names are folded before they are read, so a word with a capital or an accent would
    /// never match.
    #[test]
    fn every_word_is_written_folded() {
        for list in [
            SYSTOLIC_WORDS,
            SYSTOLIC_SHORT,
            DIASTOLIC_WORDS,
            DIASTOLIC_SHORT,
            SYSTOLIC_ABBREVIATIONS,
            DIASTOLIC_ABBREVIATIONS,
            ROMANCE_READING_WORDS,
            ROMANCE_WORDS,
            PRESSURE_WORDS,
            NOT_BLOOD_PRESSURE,
            NOT_BLOOD_PRESSURE_IN_ENGLISH,
        ] {
            for word in list {
                assert_eq!(fold_accents(word), *word);
            }
        }
    }

    #[test]
    fn a_name_is_read_with_its_unit() {
        let systolic = Some(observation_codes::SYSTOLIC_BP);
        let diastolic = Some(observation_codes::DIASTOLIC_BP);
        assert_eq!(
            blood_pressure_named("Diastolic", Some("mm[Hg]"), false),
            diastolic
        );
        assert_eq!(blood_pressure_named("Diastolic", None, false), None);
        assert_eq!(
            blood_pressure_named("Systolic (mmHg)", None, false),
            systolic
        );
        assert_eq!(
            blood_pressure_named("Presión sistólica día", Some("mmHg"), false),
            systolic
        );
        assert_eq!(blood_pressure_named("Sys/Dia", Some("mmHg"), false), None);
        assert_eq!(
            blood_pressure_named("Systolic time", Some("ms"), false),
            None
        );
        assert_eq!(blood_pressure_named("PAS", Some("mmHg"), false), None);
        assert_eq!(blood_pressure_named("PAS", None, false), None);
        assert_eq!(blood_pressure_named("PAS pression", None, false), systolic);
        assert_eq!(blood_pressure_named("PA min (mmHg)", None, false), None);
        assert_eq!(blood_pressure_named("PA min (mmHg)", None, true), diastolic);
        assert_eq!(blood_pressure_named("PAS", Some("mmHg"), true), systolic);
        assert_eq!(blood_pressure_named("IBP1 Sys", Some("mmHg"), true), None);
        assert_eq!(blood_pressure_named("PA max", None, false), None);
        assert_eq!(
            blood_pressure_named("PA systolic", Some("mmHg"), false),
            None
        );
        assert_eq!(
            blood_pressure_named("Noninvasive systolic", Some("mmHg"), false),
            systolic
        );
        assert_eq!(
            blood_pressure_named("No invasiva PAS", Some("mmHg"), false),
            systolic
        );
        assert_eq!(
            blood_pressure_named("PAS invasiva", Some("mmHg"), false),
            None
        );
        assert_eq!(
            blood_pressure_named("Systolic (kPa)", None, false),
            systolic
        );
    }

    /// The import marks a result kept out of blood pressure by its category: its name is not
    /// read again.
    #[test]
    fn a_result_marked_outside_vital_signs_is_not_read_by_its_name() {
        let mut observation = Observation {
            focus: Vec::new(),
            value_words: String::new(),
            reference_ranges: Vec::new(),
            interpretation: None,
            named_conditions: Vec::new(),
            id: 1,
            code: String::from("L1"),
            system: String::from("urn:oid:1.2.3"),
            display: String::from("Systolic"),
            value: Some(160.0),
            value_code: None,
            unit: Some(String::from("mm[Hg]")),
            effective: chrono::NaiveDate::MIN.and_time(chrono::NaiveTime::MIN),
            since: None,
            setting: None,
            comparator: None,
            utc_offset_minutes: None,
            since_utc_offset_minutes: None,
            since_precision: crate::domain::DatePrecision::Day,
            effective_precision: crate::domain::DatePrecision::Day,
        };
        assert_eq!(
            blood_pressure_of(&observation),
            Some(observation_codes::SYSTOLIC_BP)
        );
        observation.setting = Some(BpSetting::NotVitalSigns);
        assert_eq!(blood_pressure_of(&observation), None);
    }

    #[test]
    fn where_a_reading_was_taken_is_read_in_other_languages() {
        assert_eq!(
            bp_setting_of_words("Blutdruck systolisch zu Hause"),
            BpSetting::Home
        );
        assert_eq!(
            bp_setting_of_words("PAS automesure à domicile"),
            BpSetting::Home
        );
        assert_eq!(
            bp_setting_of_words("Presión arterial sistólica nocturna"),
            BpSetting::AmbulatoryNight
        );
        assert_eq!(
            bp_setting_of_words("MAPA 24 horas, PAS"),
            BpSetting::Ambulatory24h
        );
        assert_eq!(bp_setting_of_words("Dia BP"), BpSetting::Office);
    }

    /// refract's export writes `hospital` as the method of a reading taken in hospital; a
    /// flowsheet's words say it too, and "emergency" alone does not.
    #[test]
    fn a_reading_taken_in_hospital_is_known_by_its_words() {
        for words in [
            "hospital",
            "Inpatient systolic blood pressure",
            "Systolic BP (emergency department)",
        ] {
            assert_eq!(bp_setting_of_words(words), BpSetting::Hospital, "{words}");
        }
        assert_eq!(
            bp_setting_of_words("Systolic, emergency contact"),
            BpSetting::Office
        );
        assert!(!BpSetting::Hospital.is_read_by_the_criteria());
        assert!(!BpSetting::Hospital.is_out_of_office());
    }
}
