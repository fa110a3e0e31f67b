//! The drug knowledge base (`assets/drugs.toml`): ingredients with their brands, RxNorm and ATC
//! codes, classes and mechanisms, and the dose tables some criteria need; and the recognition of
//! a recorded drug ("Hydrochlorothiazide 25 MG Oral Tablet", "Carbamazepine[Tegretol]", an ATC or
//! RxNorm code, a regimen acronym such as "R-CHOP") as one or more ingredients.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use serde::Deserialize;

use super::RulesError;
use super::ranges;
use super::toml_file::{parse_toml, toml_error};

/// The embedded default knowledge base.
pub const DEFAULT_DRUGS: &str = include_str!("../../assets/drugs.toml");

/// A depot's interval at given strengths (see [`Drug::strength_intervals`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StrengthInterval {
    /// Names the record's text must contain (any of them); empty: any depot of the drug, when
    /// no other product of it comes at these strengths.
    #[serde(default)]
    pub names: Vec<String>,
    /// One dose's mg, as recorded (the ester's mass, or the drug's where a label states it).
    pub mg: Vec<f64>,
    pub days: i64,
}

/// A name and the form words that, anywhere in the same text, make it a drug of the book.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedWithForm {
    pub name: String,
    pub forms: Vec<String>,
}

/// One ingredient.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Drug {
    pub ingredient: String,
    #[serde(default)]
    pub synonyms: Vec<String>,
    /// A drug named by another's name with a form word anywhere in the text (selegiline with
    /// "transdermal", "patch" or "24HR" is the antidepressant patch, as RxNorm's generic
    /// product names spell it: "selegiline 6 MG/24HR Transdermal System"), never by that name
    /// alone (oral selegiline is another drug).
    #[serde(default)]
    pub named_with_form: Option<NamedWithForm>,
    #[serde(default)]
    pub brands: Vec<String>,
    pub rxnorm: Option<String>,
    #[serde(default)]
    pub atc: Vec<String>,
    #[serde(default)]
    pub atc_legacy: Vec<String>,
    pub classes: Vec<String>,
    pub mechanism: Option<String>,
    /// WHO defined daily dose, mg (for chlorpromazine equivalents by the DDD method).
    pub ddd_mg: Option<f64>,
    /// WHO defined daily dose of the long-acting injectable (depot) form, mg.
    #[serde(default)]
    pub depot_ddd_mg: Option<f64>,
    /// Names that identify the long-acting injectable form in a drug's text (esters, brands).
    #[serde(default)]
    pub depot_names: Vec<String>,
    /// Depot products whose stated amount is of an ester, with the mg of the drug in 1 mg of
    /// it ("aripiprazole lauroxil" = 0.68: 441 mg is 300 mg of aripiprazole). Written either
    /// as that factor or as the label's pair `[ester mg, drug mg]` (`[156, 100]`), kept exact
    /// so that a label dose is not lost to a rounded factor.
    #[serde(default, deserialize_with = "ester_factors")]
    pub depot_ester: std::collections::BTreeMap<String, f64>,
    /// Depot brands with the mg of the drug in 1 mg of the amount their label states, written
    /// like `depot_ester`. The factor belongs to the product as labelled, not to its ester:
    /// US Invega Sustenna states the palmitate's mass (`[156, 100]`), EU Xeplion the
    /// paliperidone's (`1`), though both are paliperidone palmitate. A brand named in the
    /// record's text decides before an ester's name (see [`Drug::depot_label_factor`]).
    #[serde(default, deserialize_with = "ester_factors")]
    pub depot_brand_ester: std::collections::BTreeMap<String, f64>,
    /// Brands of `depot_brand_ester` sold elsewhere under the same name with a label in the
    /// drug's mass (Invega Sustenna in Canada and Australia: 25 to 150 mg of paliperidone), with
    /// those strengths, mg: a dose of the brand at one of them is the drug's amount. The
    /// ester-labelled strengths (US: 39 to 234 mg of the palmitate) never coincide with them.
    #[serde(default)]
    pub depot_brand_drug_strengths_mg: std::collections::BTreeMap<String, Vec<f64>>,
    /// Depot products' highest labelled maintenance dose, by a name found in the record's
    /// text: `[mg of the drug, days]` (Risperdal Consta `[50, 14]`: 50 mg every two weeks), the
    /// drug's mass after any ester's label ratio. Where a rule lets it
    /// (`depot_label_maximum`), a depot at it is an adequate dose though its chlorpromazine
    /// equivalent by the depot DDD is below the rule's minimum: no dose the label allows
    /// reaches that minimum (see [`Drug::depot_label_max`]).
    #[serde(default)]
    pub depot_label_max: std::collections::BTreeMap<String, [f64; 2]>,
    /// Minimum effective daily dose for an adequate trial (antidepressants, antiseizure
    /// medications), mg.
    pub min_effective_mg_day: Option<f64>,
    /// Minimum effective amount per administration, mg, for a drug whose effective dose is
    /// defined per treatment session rather than per day (esketamine: 56 mg a session, given
    /// twice a week, weekly or every two weeks). Compared with the amount given each time,
    /// never with a daily average.
    #[serde(default)]
    pub min_effective_mg_per_dose: Option<f64>,
    /// The weekly amount of a weekly form that the label makes the equivalent of
    /// `min_effective_mg_day` (fluoxetine 90 mg once weekly for 20 mg daily), mg: a dose
    /// given a week or more apart is judged by it, never as a daily average.
    #[serde(default)]
    pub min_effective_mg_per_week: Option<f64>,
    /// Whether the drug has a licensed weekly form whose weekly equivalent of
    /// `min_effective_mg_day` the drug book does not give: a weekly dose that could reach the
    /// minimum is then not judged (a confounder), never averaged. A drug with
    /// `min_effective_mg_per_week` has a weekly form; one with neither has none, and a weekly
    /// dose of it is judged by its daily average (see the rules' `for_daily_minimum`).
    #[serde(default)]
    pub weekly_form: bool,
    /// For a drug given as single doses at intervals (a depot, a biologic injection): the
    /// usual days between maintenance doses. Doses recorded one by one are then one exposure
    /// while each comes within this interval and its grace (see the FHIR import), not cycles.
    #[serde(default)]
    pub dose_interval_days: Option<i64>,
    /// Products of the drug given at another interval than `dose_interval_days`, by a name
    /// found in the record's text ("Invega Trinza" = 91: every three months).
    #[serde(default)]
    pub product_intervals: std::collections::BTreeMap<String, i64>,
    /// Strengths of the drug's depot given at another interval than the product's (Uzedy 150-250
    /// mg every 2 months, 50-125 mg monthly): where a label's interval depends on the dose, the
    /// dose decides, before `product_intervals`.
    #[serde(default)]
    pub strength_intervals: Vec<StrengthInterval>,
    /// With `dose_interval_days`: a single dose above this many mg is not that schedule but a
    /// cycle of chemotherapy (high-dose methotrexate), kept as a cycle.
    #[serde(default)]
    pub interval_dose_max_mg: Option<f64>,
    /// Usual maximum daily dose, mg (for "maximal or maximally tolerated doses").
    pub max_mg_day: Option<f64>,
    /// The usual maximum, mg/day, of a salt (or a product sold only as one), a product or a
    /// release form whose dose differs from the ingredient's, by a name found in the record's
    /// text: perindopril arginine 10 mg/d (8 mg of the erbumine is 10 mg of the arginine;
    /// `max_mg_day` is the erbumine's 16); indapamide "modified-release" 1.5 mg/d, one tablet a
    /// day being its full dose. The longest name found wins; none found, `max_mg_day`.
    #[serde(default)]
    pub salt_max_mg_day: std::collections::BTreeMap<String, f64>,
    /// The unit strengths, mg, that only one salt of the drug comes in, by that salt's name in
    /// `salt_max_mg_day`: a record that names the ingredient or a brand but no salt, given in
    /// one of them, is judged by that salt's maximum (perindopril 2.5, 5 and 10 mg are the
    /// arginine's and the tosilate's tablets; the erbumine's are 2, 4 and 8 mg).
    #[serde(default)]
    pub salt_strengths_mg: std::collections::BTreeMap<String, Vec<f64>>,
    /// mg of prednisone equivalent to 1 mg of this glucocorticoid.
    pub prednisone_equivalent: Option<f64>,
    /// A drug given in courses (rituximab in RA): one course acts for this many days, so a
    /// course recorded as a few days of infusions is a trial of this length (or until the
    /// next drug of its kind starts).
    #[serde(default)]
    pub course_days: Option<i64>,
    /// With `course_days`: the fewest days between the starts of two courses the label allows
    /// (rituximab in RA: "not sooner than every 16 weeks"), so that a record of the drug begun
    /// sooner after a course's first infusion is that course (its second infusion), whatever
    /// stop reason the first carries.
    #[serde(default)]
    pub retreatment_min_days: Option<i64>,
    /// A drug given in cycles of a length its label fixes, with doses inside a cycle (the
    /// bispecifics weekly on days 1, 8, 15 and 22 of 28-day cycles): the cycle's days, so that
    /// its doses are counted as the cycles they fall in, not one per pause between doses (see
    /// the FHIR import). Only where every use of the drug keeps that length: a drug given in
    /// regimens of other lengths (rituximab in R-CHOP-21 and R-CHOP-14) has none.
    #[serde(default)]
    pub cycle_days: Option<i64>,
    /// The ingredient whose active drug this one is, where the two are the same drug to the
    /// body (fosphenytoin, a prodrug converted to phenytoin): a criterion asking for a
    /// *different* drug does not count one after the other.
    #[serde(default)]
    pub active_moiety: Option<String>,
    /// The day of cycle 1 its label gives the drug's first dose on, when not day 1 (glofitamab
    /// on cycle 1 day 8, after obinutuzumab on day 1): its cycles are counted from cycle 1 day 1,
    /// that many days less one before its first dose, so that cycle 2 day 1 (two weeks after the
    /// first dose) is cycle 2, not part of cycle 1.
    #[serde(default)]
    pub first_dose_cycle_day: Option<i64>,
    /// The `adverse_effect` keys the drug is a known cause of: a diagnosis of one that names
    /// no drug is linked to it (see `rules::options::reactions`).
    #[serde(default)]
    pub causes: Vec<String>,
}

/// An adverse effect a diagnosis may record without naming the drug that caused it
/// (`[[adverse_effect]]` in drugs.toml).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdverseEffect {
    pub key: String,
    /// How a reason names it ("agranulocytosis").
    pub words: String,
    /// ICD-10 codes that say the effect was drug-induced.
    #[serde(default)]
    pub icd10: Vec<String>,
    /// SNOMED CT concept ids that say the same.
    #[serde(default)]
    pub snomed: Vec<String>,
    /// Words in a diagnosis's text that say the same, matched without case.
    #[serde(default)]
    pub names: Vec<String>,
    /// Days after the drug's last day within which an onset is still read as the drug's.
    pub window_days: i64,
}

impl Drug {
    /// The usual days between doses its label gives for the product `text` names, when the
    /// drug is given at intervals (`dose_interval_days`): a strength given at its own interval
    /// decides (Uzedy 250 mg every 2 months, 100 mg monthly), else the product named (the
    /// longest name found: "Invega Trinza" before "Invega"), else the drug's usual interval.
    /// `amount_mg`: the amount given at one dose, when known.
    pub fn label_interval_days(&self, text: &str, amount_mg: Option<f64>) -> Option<i64> {
        let usual = self.dose_interval_days.filter(|days| *days > 0)?;
        let by_strength = amount_mg.and_then(|given| {
            self.strength_intervals
                .iter()
                .filter(|interval| interval.days > 0)
                .filter(|interval| {
                    interval.names.is_empty()
                        || interval
                            .names
                            .iter()
                            .any(|name| super::words::contains_words(text, name))
                })
                .find(|interval| {
                    interval
                        .mg
                        .iter()
                        .any(|mg| (given - mg).abs() <= mg * STRENGTH_TOLERANCE)
                })
                .map(|interval| interval.days)
        });
        Some(by_strength.unwrap_or_else(|| {
            self.product_intervals
                .iter()
                .filter(|(name, days)| **days > 0 && super::words::contains_words(text, name))
                .max_by_key(|(name, _)| name.len())
                .map_or(usual, |(_, days)| *days)
        }))
    }
}

/// How near a recorded dose must be to a label strength to be it (a thousandth: 720 and 724 mg
/// are different products' strengths).
const STRENGTH_TOLERANCE: f64 = 0.001;

impl Drug {
    /// The active drug this ingredient is given as (see [`Drug::active_moiety`]): its own
    /// ingredient unless the book names another.
    pub fn moiety(&self) -> &str {
        self.active_moiety.as_deref().unwrap_or(&self.ingredient)
    }
}

/// Reads `depot_ester` values: a factor, or a label's pair `[ester mg, drug mg]`.
fn ester_factors<'de, D>(
    deserializer: D,
) -> Result<std::collections::BTreeMap<String, f64>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Factor {
        Ratio(f64),
        LabelPair([f64; 2]),
    }
    let written = std::collections::BTreeMap::<String, Factor>::deserialize(deserializer)?;
    written
        .into_iter()
        .map(|(name, factor)| {
            let value = match factor {
                Factor::Ratio(value) => value,
                Factor::LabelPair([ester, drug]) if ester > 0.0 => drug / ester,
                Factor::LabelPair(_) => {
                    return Err(serde::de::Error::custom(format!(
                        "depot_ester \"{name}\": the ester amount must be above 0"
                    )));
                }
            };
            Ok((name, value))
        })
        .collect()
}

impl Drug {
    pub fn has_class(&self, class: &str) -> bool {
        self.classes.iter().any(|c| c == class)
    }

    /// The mg of the drug in 1 mg of the amount a depot record states, read from its text: the
    /// brand's label when a brand of `depot_brand_ester` is named (a pharmacy or claims record
    /// often names the product only: "INVEGA SUSTENNA 156 MG/ML SYRINGE"), else the ester's
    /// when its name is there, else 1 (the amount is the drug's). The brand goes first because
    /// a label's basis is the product's, whatever ester the text also names ("Xeplion 150 mg
    /// (paliperidone palmitate)" is 150 mg of paliperidone). Among names of one kind the
    /// longest found wins, so a brand's longer product name can carry its own factor. A dose
    /// (`per_dose_mg`) at one of the brand's `depot_brand_drug_strengths_mg` is the drug's: the
    /// same brand labelled in the drug's mass elsewhere.
    pub fn depot_label_factor(&self, text: &str, per_dose_mg: Option<f64>) -> f64 {
        if let Some((brand, factor)) = longest_named(&self.depot_brand_ester, text) {
            let at_a_drug_strength = per_dose_mg.is_some_and(|dose| {
                self.depot_brand_drug_strengths_mg
                    .get(brand)
                    .is_some_and(|strengths| {
                        strengths
                            .iter()
                            .any(|strength| (dose - strength).abs() <= strength * 1e-6)
                    })
            });
            return if at_a_drug_strength { 1.0 } else { *factor };
        }
        longest_named(&self.depot_ester, text).map_or(1.0, |(_, factor)| *factor)
    }
}

/// A depot product's highest labelled maintenance dose (`depot_label_max`) as the drug book
/// gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelMax {
    /// The product named in the record's text; `None` when it names none and the lowest of
    /// the drug's products' maxima is taken.
    pub product: Option<String>,
    /// mg of the drug in one dose.
    pub mg: f64,
    /// Days between doses.
    pub days: f64,
}

impl LabelMax {
    /// The maximum as a daily amount, mg/day.
    pub fn mg_per_day(&self) -> f64 {
        self.mg / self.days
    }
}

impl Drug {
    /// The highest labelled maintenance dose of the depot product `text` names (the longest
    /// name found), or, when it names none of them, the lowest of the drug's products' maxima
    /// as daily amounts: a dose at the maximum of whichever product it was is then adequate,
    /// and a dose below all of them never is. `None` when the book lists no product maximum.
    pub fn depot_label_max(&self, text: &str) -> Option<LabelMax> {
        let valid = |[mg, days]: [f64; 2]| mg > 0.0 && days > 0.0;
        if let Some((name, [mg, days])) = self
            .depot_label_max
            .iter()
            .filter(|(name, max)| valid(**max) && super::words::contains_words(text, name))
            .max_by_key(|(name, _)| name.len())
        {
            return Some(LabelMax {
                product: Some(name.clone()),
                mg: *mg,
                days: *days,
            });
        }
        self.depot_label_max
            .values()
            .filter(|max| valid(**max))
            .min_by(|a, b| (a[0] / a[1]).total_cmp(&(b[0] / b[1])))
            .map(|[mg, days]| LabelMax {
                product: None,
                mg: *mg,
                days: *days,
            })
    }
}

/// The entry of `factors` whose name `text` contains, the longest when several are.
fn longest_named<'f>(
    factors: &'f std::collections::BTreeMap<String, f64>,
    text: &str,
) -> Option<(&'f String, &'f f64)> {
    factors
        .iter()
        .filter(|(name, _)| super::words::contains_words(text, name))
        .max_by_key(|(name, _)| name.len())
}

/// A fixed-dose combination or a named regimen: each ingredient counts.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Combination {
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub atc: Vec<String>,
    pub ingredients: Vec<String>,
    /// An ingredient's usual maximum in this product where it differs from the ingredient's
    /// own (valsartan in sacubitril/valsartan: 103 mg twice daily, more bioavailable than
    /// valsartan alone, whose maximum is 320 mg/d).
    #[serde(default)]
    pub max_mg_day: std::collections::BTreeMap<String, f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DrugsFile {
    atc_version: String,
    #[serde(rename = "drug")]
    drugs: Vec<Drug>,
    #[serde(rename = "combination", default)]
    combinations: Vec<Combination>,
    #[serde(default)]
    depot_form_words: Vec<String>,
    #[serde(default)]
    emergency_bolus_classes: Vec<String>,
    #[serde(default)]
    name_suffixes: std::collections::BTreeMap<String, NameSuffix>,
    #[serde(default)]
    combination_markers: Vec<String>,
    #[serde(default)]
    other_products: Vec<String>,
    #[serde(default)]
    level_words: Vec<String>,
    #[serde(rename = "level_range", default)]
    level_ranges: Vec<LevelRange>,
    #[serde(default)]
    lab_judged_levels: LabJudgedLevels,
    #[serde(rename = "adverse_effect", default)]
    adverse_effects: Vec<AdverseEffect>,
}

/// The blood level range of a drug monitored by level (the book's `[[level_range]]`): what a
/// measured level is read against as adherence evidence (see `rules::drug_levels`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelRange {
    /// The book's ingredient it is the level of.
    pub ingredient: String,
    /// LOINC codes of the level.
    #[serde(default)]
    pub codes: Vec<String>,
    /// Words that name the drug in a level's name.
    pub names: Vec<String>,
    /// Words that make a result another test (a metabolite, a free fraction).
    #[serde(default)]
    pub not_names: Vec<String>,
    pub low: f64,
    pub high: f64,
    /// The range's unit, a mass or an amount of substance per volume ("mg/L", "mmol/L").
    pub unit: String,
    /// For converting a level given in moles per volume, or in mass when the range is in moles.
    pub molar_mass_g_per_mol: f64,
    /// The charge of the ion measured, for a level given in equivalents per volume ("mEq/L"):
    /// an equivalent is a mole over the charge (lithium, Li+: 1 mEq/L = 1 mmol/L). `None` for a
    /// drug that is no ion, whose level in equivalents is not read.
    #[serde(default)]
    pub charge: Option<u8>,
    /// Days after its last dose a level still tells of a course: about five half-lives, the
    /// time a drug takes to leave the blood (the book gives each drug's half-life beside it).
    pub days_after_stop: u32,
}

/// How a level of a drug the book does not monitor (no `[[level_range]]`) is read where the
/// lab judges it, by its range or its flag (the book's `[lab_judged_levels]`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabJudgedLevels {
    /// Days after its last dose a level still tells of a course (the book knows no
    /// half-life of the drug: one figure for all).
    pub days_after_stop: u32,
    /// Words that make a result another test than the drug's level (a metabolite, a free
    /// fraction, another specimen).
    #[serde(default)]
    pub not_names: Vec<String>,
}

impl Default for LabJudgedLevels {
    /// No lab-judged level is read after the last dose; nothing excluded by name.
    fn default() -> Self {
        Self {
            days_after_stop: 0,
            not_names: Vec::new(),
        }
    }
}

/// A word that names an ingredient only right after the name of certain drugs ("HCT" after an
/// antihypertensive's brand).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NameSuffix {
    /// The ingredient it names.
    ingredient: String,
    /// The classes of the drugs it may follow; a drug the book combines with `ingredient` in a
    /// listed combination may be followed by it too.
    after_classes: Vec<String>,
}

/// The loaded knowledge base with its lookup indexes.
#[derive(Debug, Clone)]
pub struct DrugBook {
    pub atc_version: String,
    /// Dose-form words that name a long-acting injectable of any drug that has one ("depot",
    /// "Extended Release Injectable Suspension"), beside each drug's own `depot_names`.
    depot_form_words: Vec<String>,
    /// Classes of drugs given as an emergency's bolus (benzodiazepines): an injected dose of one
    /// is its own on import, never grouped with the doses days before or after it.
    emergency_bolus_classes: Vec<String>,
    drugs: Vec<Drug>,
    combinations: Vec<Combination>,
    adverse_effects: Vec<AdverseEffect>,
    by_ingredient: HashMap<String, usize>,
    by_code: HashMap<String, Vec<usize>>,
    /// Normalised names (ingredients, synonyms, brands, combination names and aliases) with what
    /// they mean; see [`normalise`].
    by_name: HashMap<String, Meaning>,
    /// The most words any name has, bounding the n-grams tried.
    longest_name: usize,
    /// Words that name an ingredient only right after another drug's name (a brand's "HCT"),
    /// normalised, with the drug they name and the drugs whose name they may follow.
    name_suffixes: HashMap<String, (usize, std::collections::HashSet<usize>)>,
    /// Words that say a product holds more than the drug named before them ("Comp", "Plus"),
    /// normalised.
    combination_markers: Vec<String>,
    /// Recognitions already made, by codes and text: records repeat the same few drug texts,
    /// and every evaluation recognises every exposure.
    memo: Arc<RwLock<HashMap<String, Vec<usize>>>>,
    /// Normalised names of products that are no drug any rule set counts (vitamins,
    /// supplements, remedies), so never a possible trial the book lacks.
    other_products: Vec<String>,
    /// Words that make a result naming a drug its level ("level", "[Mass/volume]").
    level_words: Vec<String>,
    level_ranges: Vec<LevelRange>,
    lab_judged_levels: LabJudgedLevels,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Meaning {
    Drug(usize),
    Combination(usize),
}

impl DrugBook {
    /// The embedded knowledge base.
    pub fn embedded() -> Result<Self, RulesError> {
        Self::parse("assets/drugs.toml", DEFAULT_DRUGS)
    }

    /// Parses a drugs file; `origin` names it in errors.
    pub fn parse(origin: &str, text: &str) -> Result<Self, RulesError> {
        let file: DrugsFile = parse_toml(origin, text)?;
        let mut book = DrugBook {
            atc_version: file.atc_version,
            depot_form_words: file.depot_form_words,
            emergency_bolus_classes: file.emergency_bolus_classes,
            drugs: file.drugs,
            combinations: file.combinations,
            adverse_effects: file.adverse_effects,
            by_ingredient: HashMap::new(),
            by_code: HashMap::new(),
            by_name: HashMap::new(),
            longest_name: 1,
            name_suffixes: HashMap::new(),
            combination_markers: file
                .combination_markers
                .iter()
                .map(|m| normalise(m))
                .collect(),
            memo: Arc::default(),
            other_products: file.other_products.iter().map(|n| normalise(n)).collect(),
            level_words: file.level_words,
            level_ranges: file.level_ranges,
            lab_judged_levels: file.lab_judged_levels,
        };
        let mut names: Vec<(String, Meaning)> = Vec::new();
        for (index, drug) in book.drugs.iter().enumerate() {
            check_drug(origin, text, drug)?;
            let key = drug.ingredient.to_lowercase();
            if book.by_ingredient.insert(key.clone(), index).is_some() {
                return Err(toml_error(
                    origin,
                    text,
                    &format!("ingredient '{key}' appears twice"),
                    &key,
                ));
            }
            for code in drug.rxnorm.iter().chain(&drug.atc).chain(&drug.atc_legacy) {
                book.by_code
                    .entry(code.to_ascii_uppercase())
                    .or_default()
                    .push(index);
            }
            for name in std::iter::once(&drug.ingredient)
                .chain(&drug.synonyms)
                .chain(&drug.brands)
            {
                names.push((normalise(name), Meaning::Drug(index)));
            }
        }
        for drug in &book.drugs {
            for cause in &drug.causes {
                if !book
                    .adverse_effects
                    .iter()
                    .any(|effect| effect.key == *cause)
                {
                    let message = format!(
                        "drug '{}' causes unknown adverse_effect '{cause}'",
                        drug.ingredient
                    );
                    return Err(toml_error(origin, text, &message, cause));
                }
            }
        }
        for (index, combination) in book.combinations.iter().enumerate() {
            for ingredient in &combination.ingredients {
                if !book.by_ingredient.contains_key(&ingredient.to_lowercase()) {
                    let message = format!(
                        "combination '{}' names unknown ingredient '{ingredient}'",
                        combination.name
                    );
                    return Err(toml_error(origin, text, &message, &combination.name));
                }
            }
            for name in std::iter::once(&combination.name).chain(&combination.aliases) {
                for spelling in co_name_spellings(&normalise(name)) {
                    names.push((spelling, Meaning::Combination(index)));
                }
            }
        }
        for (suffix, named) in &file.name_suffixes {
            let ingredient = &named.ingredient;
            let Some(&index) = book.by_ingredient.get(&ingredient.to_lowercase()) else {
                let message =
                    format!("name suffix '{suffix}' names unknown ingredient '{ingredient}'");
                return Err(toml_error(origin, text, &message, suffix));
            };
            // After a drug of the listed classes, or one the book combines with the ingredient
            // ("Moduretic": amiloride with hydrochlorothiazide); never after any drug ("Tacrolimus
            // (HCT protocol)": a haematopoietic cell transplant).
            let mut after: std::collections::HashSet<usize> = book
                .drugs
                .iter()
                .enumerate()
                .filter(|(_, drug)| named.after_classes.iter().any(|c| drug.has_class(c)))
                .map(|(at, _)| at)
                .collect();
            for combination in &book.combinations {
                if combination
                    .ingredients
                    .iter()
                    .any(|i| i.eq_ignore_ascii_case(ingredient))
                {
                    after.extend(
                        combination
                            .ingredients
                            .iter()
                            .filter_map(|i| book.by_ingredient.get(&i.to_lowercase()).copied())
                            .filter(|&at| at != index),
                    );
                }
            }
            book.name_suffixes.insert(normalise(suffix), (index, after));
        }
        for range in &book.level_ranges {
            if !book
                .by_ingredient
                .contains_key(&range.ingredient.to_lowercase())
            {
                let message = format!(
                    "level range names unknown ingredient '{}'",
                    range.ingredient
                );
                return Err(toml_error(origin, text, &message, &range.ingredient));
            }
            if !(range.low >= 0.0
                && range.low < range.high
                && range.molar_mass_g_per_mol > 0.0
                && range.charge != Some(0))
            {
                let message = format!(
                    "level range of '{}': low must be at least 0 and below high, the molar mass and the charge above 0",
                    range.ingredient
                );
                return Err(toml_error(origin, text, &message, &range.ingredient));
            }
        }
        if book.lab_judged_levels.days_after_stop > 3650 {
            let message = "lab_judged_levels: days_after_stop must be at most 3650";
            return Err(toml_error(origin, text, message, "lab_judged_levels"));
        }
        for (name, meaning) in names {
            if name.is_empty() {
                continue;
            }
            book.longest_name = book.longest_name.max(name.split(' ').count());
            // An ingredient name wins over a brand or alias that happens to spell the same.
            book.by_name.entry(name).or_insert(meaning);
        }
        Ok(book)
    }

    pub fn drugs(&self) -> &[Drug] {
        &self.drugs
    }

    /// The drugs monitored by level, with their ranges.
    pub fn level_ranges(&self) -> &[LevelRange] {
        &self.level_ranges
    }

    /// How a level of a drug the book does not monitor is read where the lab judges it.
    pub fn lab_judged_levels(&self) -> &LabJudgedLevels {
        &self.lab_judged_levels
    }

    /// Words that make a result naming a drug its level.
    pub fn level_words(&self) -> &[String] {
        &self.level_words
    }

    /// The adverse effects a diagnosis may record without naming the drug.
    pub fn adverse_effects(&self) -> &[AdverseEffect] {
        &self.adverse_effects
    }

    pub fn combinations(&self) -> &[Combination] {
        &self.combinations
    }

    /// The usual maximum of `ingredient` given in a product of exactly `ingredients`, the record
    /// reading `text`, `unit_mg` of it a unit (the strength written, else the amount given each
    /// time): the combination's own where the book gives one, else that of the salt the text
    /// names where its dose differs (perindopril arginine), else, where the text names no salt
    /// (no synonym of the ingredient), that of the salt only whose strengths `unit_mg` is one
    /// of (`salt_strengths_mg`), else the ingredient's.
    pub fn max_mg_day_in(
        &self,
        ingredients: &[&Drug],
        ingredient: &Drug,
        text: &str,
        unit_mg: Option<f64>,
    ) -> Option<f64> {
        self.combinations
            .iter()
            .filter(|combination| {
                combination.ingredients.len() == ingredients.len()
                    && ingredients.iter().all(|drug| {
                        combination
                            .ingredients
                            .iter()
                            .any(|name| name.eq_ignore_ascii_case(&drug.ingredient))
                    })
            })
            .find_map(|combination| combination.max_mg_day.get(&ingredient.ingredient).copied())
            .or_else(|| {
                ingredient
                    .salt_max_mg_day
                    .iter()
                    .filter(|(name, _)| super::words::contains_words(text, name))
                    .max_by_key(|(name, _)| name.len())
                    .map(|(_, mg)| *mg)
            })
            .or_else(|| {
                let unit_mg = unit_mg?;
                if ingredient
                    .synonyms
                    .iter()
                    .any(|name| super::words::contains_words(text, name))
                {
                    return None;
                }
                ingredient
                    .salt_strengths_mg
                    .iter()
                    .find(|(_, strengths)| strengths.iter().any(|mg| (mg - unit_mg).abs() < 1e-6))
                    .and_then(|(salt, _)| ingredient.salt_max_mg_day.get(salt).copied())
            })
            .or(ingredient.max_mg_day)
    }

    /// Whether `text` names the long-acting injectable form of `drug` (one of its `depot_names`:
    /// an ester, an LAI brand; or one of the book's `depot_form_words`). Only a drug that has a
    /// depot form (a depot DDD) can be given as one.
    pub fn names_depot_form(&self, drug: &Drug, text: &str) -> bool {
        drug.depot_ddd_mg.is_some()
            && drug
                .depot_names
                .iter()
                .chain(&self.depot_form_words)
                .any(|name| super::words::contains_words(text, name))
    }

    /// The cycle length of a recorded drug (see [`Drug::cycle_days`]): the one every drug it is
    /// recognised as has, so that a regimen's record (R-CHOP, whose order repeats once per
    /// cycle) keeps its own timing, and a drug with none keeps the reading by pauses.
    pub fn cycle_days(&self, codes: &[&str], text: &str) -> Option<i64> {
        let drugs = self.recognise(codes, text);
        let first = drugs.first()?.cycle_days?;
        drugs
            .iter()
            .all(|drug| drug.cycle_days == Some(first))
            .then_some(first)
    }

    /// Whether a recorded drug is one given as an emergency's bolus: every drug it is recognised
    /// as is of one of the book's `emergency_bolus_classes` (and it is recognised).
    pub fn given_as_emergency_bolus(&self, codes: &[&str], text: &str) -> bool {
        let drugs = self.recognise(codes, text);
        !drugs.is_empty()
            && drugs.iter().all(|drug| {
                drug.cycle_days.is_none()
                    && drug
                        .classes
                        .iter()
                        .any(|class| self.emergency_bolus_classes.contains(class))
            })
    }

    /// Days from cycle 1 day 1 to the first dose of a recorded drug given in cycles (see
    /// [`Drug::first_dose_cycle_day`]): 0 unless every drug it is recognised as has the same
    /// later first day.
    pub fn cycle_lead_days(&self, codes: &[&str], text: &str) -> i64 {
        let drugs = self.recognise(codes, text);
        let Some(first) = drugs.first().and_then(|drug| drug.first_dose_cycle_day) else {
            return 0;
        };
        if drugs
            .iter()
            .all(|drug| drug.first_dose_cycle_day == Some(first))
        {
            (first - 1).max(0)
        } else {
            0
        }
    }

    /// The drug with this ingredient name (case-insensitive).
    pub fn get(&self, ingredient: &str) -> Option<&Drug> {
        self.by_ingredient
            .get(&ingredient.to_lowercase())
            .map(|&index| &self.drugs[index])
    }

    /// Recognises the ingredients of a recorded drug from its codes and its text.
    ///
    /// Codes are tried first (an ATC or RxNorm ingredient code identifies one drug, a
    /// combination ATC code its ingredients); then the text is scanned for ingredient, synonym,
    /// brand and regimen names on word boundaries, case-insensitively, longest name first, so
    /// that every ingredient of a combination product counts. The result is deduplicated, in
    /// order of appearance.
    ///
    /// Codes and words that name drugs with no ingredient in common do not describe one
    /// product: the union would make one tablet a two-drug regimen. The words are read (R4's
    /// `CodeableConcept.text` is the concept "as seen/selected/uttered by the user", the
    /// intended meaning, and it is what refract shows), and [`DrugBook::disagreement`] lets
    /// the import and the assessment say so.
    pub fn recognise<'a>(&'a self, codes: &[&str], text: &str) -> Vec<&'a Drug> {
        let mut key = String::with_capacity(text.len() + 24);
        for code in codes {
            key.push_str(code);
            key.push('\u{1f}');
        }
        key.push_str(text);
        if let Ok(memo) = self.memo.read()
            && let Some(found) = memo.get(&key)
        {
            return found.iter().map(|&index| &self.drugs[index]).collect();
        }
        let found = self.recognise_uncached(codes, text);
        if let Ok(mut memo) = self.memo.write() {
            // Bounded: a pathological import of unique texts must not grow it forever.
            if memo.len() > 50_000 {
                memo.clear();
            }
            memo.insert(key, found.clone());
        }
        found.into_iter().map(|index| &self.drugs[index]).collect()
    }

    fn recognise_uncached(&self, codes: &[&str], text: &str) -> Vec<usize> {
        let by_code = self.recognise_codes(codes);
        let by_words = self.recognise_words(text);
        let ingredients = |indexes: &[usize]| -> Vec<&str> {
            indexes
                .iter()
                .map(|&index| self.drugs[index].ingredient.as_str())
                .collect()
        };
        if Self::apart(&ingredients(&by_code), &ingredients(&by_words)) {
            return by_words;
        }
        let mut found = by_code;
        for index in by_words {
            if !found.contains(&index) {
                found.push(index);
            }
        }
        found
    }

    /// Whether a record's codes and words name different drugs: each names an ingredient the
    /// other does not (a lisinopril code under "amlodipine 5 mg tablet"; a combination's
    /// codes, lisinopril and hydrochlorothiazide, under "amlodipine / hydrochlorothiazide").
    /// Words that name fewer drugs than the code (a combination's code under one of its
    /// ingredients' names), or more, are a shorter or longer name of one product, not apart.
    fn apart(by_code: &[&str], by_words: &[&str]) -> bool {
        !by_code.is_empty()
            && !by_words.is_empty()
            && by_code
                .iter()
                .any(|ingredient| !by_words.contains(ingredient))
            && by_words
                .iter()
                .any(|ingredient| !by_code.contains(ingredient))
    }

    /// When a record's codes and words name different drugs (see [`DrugBook::apart`]): the
    /// drugs only its codes name and those only its words name. The record is read as its
    /// words (see [`DrugBook::recognise`]), and whoever reads it must be told which drug its
    /// code names.
    pub fn disagreement<'a>(
        &'a self,
        codes: &[&str],
        text: &str,
    ) -> Option<(Vec<&'a Drug>, Vec<&'a Drug>)> {
        fn ingredients<'d>(drugs: &[&'d Drug]) -> Vec<&'d str> {
            drugs.iter().map(|drug| drug.ingredient.as_str()).collect()
        }
        if codes.is_empty() || text.trim().is_empty() {
            return None;
        }
        let by_code = self.recognise(codes, "");
        let by_words = self.recognise(&[], text);
        let (code_names, word_names) = (ingredients(&by_code), ingredients(&by_words));
        if !Self::apart(&code_names, &word_names) {
            return None;
        }
        let only_code = by_code
            .iter()
            .filter(|drug| !word_names.contains(&drug.ingredient.as_str()))
            .copied()
            .collect();
        let only_words = by_words
            .iter()
            .filter(|drug| !code_names.contains(&drug.ingredient.as_str()))
            .copied()
            .collect();
        Some((only_code, only_words))
    }

    /// The drugs an ATC or RxNorm code names (a combination's ATC code, its ingredients).
    fn recognise_codes(&self, codes: &[&str]) -> Vec<usize> {
        let mut found: Vec<usize> = Vec::new();
        let push = |index: usize, found: &mut Vec<usize>| {
            if !found.contains(&index) {
                found.push(index);
            }
        };
        for code in codes {
            let code = code.trim().to_ascii_uppercase();
            if let Some(indexes) = self.by_code.get(&code) {
                for &index in indexes {
                    push(index, &mut found);
                }
            }
            for combination in &self.combinations {
                if combination
                    .atc
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(&code))
                {
                    for ingredient in &combination.ingredients {
                        if let Some(&index) = self.by_ingredient.get(&ingredient.to_lowercase()) {
                            push(index, &mut found);
                        }
                    }
                }
            }
        }
        found
    }

    /// The drugs `text` names: ingredient, synonym, brand, combination and regimen names, and
    /// a name that needs its form beside it.
    fn recognise_words(&self, text: &str) -> Vec<usize> {
        let mut found: Vec<usize> = Vec::new();
        let push = |index: usize, found: &mut Vec<usize>| {
            if !found.contains(&index) {
                found.push(index);
            }
        };
        self.scan(text, &mut found);
        let words = format!(" {} ", normalise(text));
        let has = |phrase: &str| words.contains(&format!(" {} ", normalise(phrase)));
        for (index, drug) in self.drugs.iter().enumerate() {
            if let Some(form) = &drug.named_with_form
                && has(&form.name)
                && form.forms.iter().any(|f| has(f))
            {
                push(index, &mut found);
            }
        }
        found
    }

    /// Whether a name the book knows begins at word `at` of `words`.
    fn name_begins_at(&self, words: &[&str], at: usize) -> bool {
        (1..=self.longest_name.min(words.len().saturating_sub(at))).any(|length| {
            self.by_name
                .contains_key(words[at..at + length].join(" ").as_str())
        })
    }

    /// Whether `key`, a name the book knows as `meaning`, is a brand (or a brand's alias), not
    /// an ingredient's name or synonym, nor a combination's generic name: a generic name names
    /// every ingredient of its product; a brand may hold more than the book knows of it.
    fn is_brand(&self, key: &str, meaning: Meaning) -> bool {
        match meaning {
            Meaning::Drug(index) => {
                let drug = &self.drugs[index];
                std::iter::once(&drug.ingredient)
                    .chain(&drug.synonyms)
                    .all(|name| normalise(name) != key)
            }
            Meaning::Combination(index) => normalise(&self.combinations[index].name) != key,
        }
    }

    /// Scans `text` for names on word boundaries, longest first, pushing the drugs they name to
    /// `found`; a name suffix right after a name ("Lotensin HCT") names its drug too. Returns
    /// the first combination marker found right after a name ("Tritace Comp"), with that name,
    /// and whether any name read is a brand's.
    fn scan(&self, text: &str, found: &mut Vec<usize>) -> Scanned {
        let push = |index: usize, found: &mut Vec<usize>| {
            if !found.contains(&index) {
                found.push(index);
            }
        };
        let normalised = normalise(text);
        let words: Vec<&str> = normalised.split(' ').filter(|w| !w.is_empty()).collect();
        let mut marker = None;
        let mut brand = false;
        let mut start = 0;
        let mut key = String::new();
        while start < words.len() {
            let mut matched = 0;
            for length in (1..=self.longest_name.min(words.len() - start)).rev() {
                key.clear();
                for (i, word) in words[start..start + length].iter().enumerate() {
                    if i > 0 {
                        key.push(' ');
                    }
                    key.push_str(word);
                }
                if let Some(meaning) = self.by_name.get(key.as_str()) {
                    match *meaning {
                        Meaning::Drug(index) => push(index, found),
                        Meaning::Combination(index) => {
                            for ingredient in &self.combinations[index].ingredients {
                                if let Some(&drug) =
                                    self.by_ingredient.get(&ingredient.to_lowercase())
                                {
                                    push(drug, found);
                                }
                            }
                        }
                    }
                    matched = length;
                    break;
                }
            }
            let named = (matched > 0)
                .then(|| self.by_name.get(key.as_str()).copied())
                .flatten();
            if let Some(named) = named {
                brand |= self.is_brand(&key, named);
            }
            if let Some(named) = named
                && let Some(next) = words.get(start + matched)
            {
                let may_follow = |after: &std::collections::HashSet<usize>| match named {
                    Meaning::Drug(index) => after.contains(&index),
                    Meaning::Combination(index) => {
                        self.combinations[index].ingredients.iter().any(|i| {
                            self.by_ingredient
                                .get(&i.to_lowercase())
                                .is_some_and(|at| after.contains(at))
                        })
                    }
                };
                if let Some((suffix, _)) = self
                    .name_suffixes
                    .get(*next)
                    .filter(|(_, after)| may_follow(after))
                {
                    push(*suffix, found);
                    brand = true;
                    matched += 1;
                } else if marker.is_none()
                    && self.combination_markers.iter().any(|m| m == next)
                    // "Lisinopril plus hydrochlorothiazide": a conjunction between two names
                    // read, no unnamed ingredient.
                    && !self.name_begins_at(&words, start + matched + 1)
                {
                    marker = Some((key.clone(), (*next).to_owned()));
                }
            }
            start += matched.max(1);
        }
        Scanned { marker, brand }
    }

    /// Whether `text` names a product the book knows is no drug any rule set counts (a vitamin,
    /// a supplement), on word boundaries.
    pub fn names_other_product(&self, text: &str) -> bool {
        let words = format!(" {} ", normalise(text));
        self.other_products
            .iter()
            .any(|name| !name.is_empty() && words.contains(&format!(" {name} ")))
    }

    /// The ATC groups (third level, "N06A") of the book's drugs of `class`.
    pub fn atc_groups_of(&self, class: &str) -> Vec<String> {
        let mut groups: Vec<String> = self
            .drugs
            .iter()
            .filter(|d| d.has_class(class))
            .flat_map(|d| d.atc.iter().chain(&d.atc_legacy))
            .filter_map(|code| code.get(..4).map(str::to_ascii_uppercase))
            .collect();
        groups.sort();
        groups.dedup();
        groups
    }

    /// Why a product whose name holds more than the `known` ingredients recognised in it is read
    /// only in part: more strengths, none said to be whose ("20-25 MG" beside one drug), than
    /// ingredients; or a combination marker right after a drug's name ("Tritace Comp") that its
    /// codes did not complete. `None` when nothing in the name is left unread, or nothing in it
    /// is recognised (then it is no drug the criteria count).
    pub fn unread_part(&self, text: &str, known: usize) -> Option<String> {
        let mut found = Vec::new();
        let Scanned { marker, brand } = self.scan(text, &mut found);
        if found.is_empty() && known == 0 {
            return None;
        }
        // More strengths than ingredients hide one only behind a brand ("LOTENSIN 20-25 MG"):
        // a product named by its ingredients' names names them all, so its extra strengths are
        // a dose range or the tablets at hand ("Amlodipine 5-10 MG"), never an unnamed
        // ingredient (a choice: a wrong "read in part" sends the patient to the worklist for
        // data nobody can supply). A product recognised by its codes alone keeps the check.
        if let Some(strengths) = crate::domain::strength::unnamed_strengths(text)
            && strengths.len() > known
            && (brand || found.is_empty())
        {
            return Some(format!(
                "{} strengths for {} ingredient(s) recognised",
                strengths.len(),
                known
            ));
        }
        marker
            .filter(|_| known <= found.len())
            .map(|(name, marker)| format!("\"{marker}\" after {name} names another ingredient"))
    }
}

/// What [`DrugBook::scan`] saw besides the drugs: the first combination marker right after a
/// name, with that name, and whether a brand's name was read.
struct Scanned {
    marker: Option<(String, String)>,
    brand: bool,
}

/// Lower-cases and turns every run of characters that are not letters or digits into one
/// space, so that names match on word boundaries whatever the punctuation ("R-CHOP" and
/// "r chop", "Carbamazepine[Tegretol]").
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

/// A normalised combination name and, for a British "co-" name (co-amilofruse, co-tenidone)
/// or a brand built the same way (CoAprovel, Co-Diovan), its other spelling: records write
/// them hyphenated, spaced or joined ("Co-amilofruse", "co amilofruse", "COAMILOFRUSE"), and
/// normalising turns only the first two into one.
fn co_name_spellings(normalised: &str) -> Vec<String> {
    let mut spellings = vec![normalised.to_owned()];
    if let Some(rest) = normalised.strip_prefix("co ") {
        if !rest.is_empty() && !rest.contains(' ') {
            spellings.push(format!("co{rest}"));
        }
    } else if let Some(rest) = normalised.strip_prefix("co")
        // Long enough to be a name after the prefix, and one word: "co" + "aprovel".
        && rest.len() >= 4
        && !rest.contains(' ')
    {
        spellings.push(format!("co {rest}"));
    }
    spellings
}

/// Checks the dose table entries of one drug of the drug book.
fn check_drug(origin: &str, text: &str, drug: &Drug) -> Result<(), RulesError> {
    let c = ranges::Checker { origin, text };
    let at = ranges::Block::Drug(&drug.ingredient);
    for (key, value) in [
        ("ddd_mg", drug.ddd_mg),
        ("depot_ddd_mg", drug.depot_ddd_mg),
        ("min_effective_mg_day", drug.min_effective_mg_day),
        ("min_effective_mg_per_dose", drug.min_effective_mg_per_dose),
        ("min_effective_mg_per_week", drug.min_effective_mg_per_week),
        ("interval_dose_max_mg", drug.interval_dose_max_mg),
        ("max_mg_day", drug.max_mg_day),
    ] {
        if let Some(value) = value {
            c.positive(at, key, value, ranges::MAX_MG, "mg")?;
        }
    }
    for value in drug.salt_max_mg_day.values() {
        c.positive(at, "salt_max_mg_day", *value, ranges::MAX_MG, "mg")?;
    }
    for (salt, strengths) in &drug.salt_strengths_mg {
        if !drug.salt_max_mg_day.contains_key(salt) {
            let message = format!(
                "salt_strengths_mg of '{}' names '{salt}', which salt_max_mg_day does not list",
                drug.ingredient
            );
            return Err(toml_error(origin, text, &message, salt));
        }
        for value in strengths {
            c.positive(at, "salt_strengths_mg", *value, ranges::MAX_MG, "mg")?;
        }
    }
    for factor in drug.depot_ester.values() {
        c.positive(at, "depot_ester", *factor, 1.0, "")?;
    }
    for factor in drug.depot_brand_ester.values() {
        c.positive(at, "depot_brand_ester", *factor, 1.0, "")?;
    }
    if let Some(days) = drug.course_days {
        c.days(at, "course_days", days, 1)?;
    }
    if let Some(days) = drug.retreatment_min_days {
        c.days(at, "retreatment_min_days", days, 1)?;
    }
    if let Some(days) = drug.cycle_days {
        c.days(at, "cycle_days", days, 1)?;
    }
    if let Some(day) = drug.first_dose_cycle_day {
        c.days(at, "first_dose_cycle_day", day, 1)?;
    }
    if let Some(days) = drug.dose_interval_days {
        c.days(at, "dose_interval_days", days, 1)?;
    }
    for days in drug.product_intervals.values() {
        c.days(at, "product_intervals", *days, 1)?;
    }
    for [mg, days] in drug.depot_label_max.values() {
        c.positive(at, "depot_label_max", *mg, ranges::MAX_MG, "mg")?;
        c.positive(at, "depot_label_max", *days, 366.0, "days")?;
    }
    for interval in &drug.strength_intervals {
        c.days(at, "strength_intervals", interval.days, 1)?;
        for mg in &interval.mg {
            c.positive(at, "strength_intervals", *mg, 100_000.0, "")?;
        }
    }
    if let Some(value) = drug.prednisone_equivalent {
        c.positive(at, "prednisone_equivalent", value, 100.0, "")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book() -> DrugBook {
        DrugBook::embedded().expect("embedded drugs.toml parses")
    }

    #[test]
    fn a_level_range_of_a_drug_the_book_lacks_or_upside_down_is_refused() {
        let ranges = book().level_ranges().len();
        assert!(ranges >= 6, "{ranges}");
        let text = DEFAULT_DRUGS.replacen(
            "[[level_range]]\ningredient = \"lamotrigine\"",
            "[[level_range]]\ningredient = \"lamotrigin\"",
            1,
        );
        let error = DrugBook::parse("drugs.toml", &text)
            .err()
            .map(|e| e.to_string());
        assert!(
            error
                .as_deref()
                .is_some_and(|e| e.contains("level range names unknown ingredient 'lamotrigin'")),
            "{error:?}"
        );
        let text = DEFAULT_DRUGS.replacen("low = 2.5\nhigh = 15.0", "low = 15.0\nhigh = 2.5", 1);
        let error = DrugBook::parse("drugs.toml", &text)
            .err()
            .map(|e| e.to_string());
        assert!(
            error.as_deref().is_some_and(|e| e.contains("below high")),
            "{error:?}"
        );
    }

    fn names(drugs: &[&Drug]) -> Vec<String> {
        drugs.iter().map(|d| d.ingredient.clone()).collect()
    }

    /// "HCT" is hydrochlorothiazide after an antihypertensive (a brand of a RAS blocker, or a
    /// drug the book combines with it), never after any drug.
    #[test]
    fn hct_is_hydrochlorothiazide_only_after_an_antihypertensive() {
        let book = book();
        for text in [
            "Tacrolimus (HCT protocol) 1 MG capsule",
            "cyclophosphamide HCT conditioning",
            "epoetin alfa HCT 30",
        ] {
            assert!(
                !names(&book.recognise(&[], text)).contains(&String::from("hydrochlorothiazide")),
                "{text}"
            );
        }
        for text in [
            "Altace HCT 10-25 mg",
            "Amiloride HCT 5 mg",
            "Bisoprolol HCT 5 mg",
        ] {
            assert!(
                names(&book.recognise(&[], text)).contains(&String::from("hydrochlorothiazide")),
                "{text}"
            );
        }
    }

    /// A dose range in one drug's generic name, or "plus" between two names read, leaves
    /// nothing unread; a brand with more strengths than ingredients, or "Comp", still does.
    #[test]
    fn a_dose_range_or_plus_between_names_is_no_partly_read_combination() {
        let book = book();
        assert_eq!(book.unread_part("Amlodipine 5-10 MG tablet", 1), None);
        assert_eq!(
            book.unread_part("Lisinopril plus hydrochlorothiazide 20/12.5 mg tablet", 2),
            None
        );
        assert!(book.unread_part("LOTENSIN 20-25 MG tablet", 1).is_some());
        assert!(book.unread_part("Tritace Comp 5 mg", 1).is_some());
        assert!(book.unread_part("Lotensin Plus 20 mg", 1).is_some());
    }

    /// Co-zidocapt's label writes hydrochlorothiazide first ("Co-zidocapt 12.5mg/25mg").
    #[test]
    fn co_zidocapt_is_read_in_its_labels_order() {
        let book = book();
        assert_eq!(
            names(&book.recognise(&[], "Co-zidocapt 25mg/50mg tablets")),
            ["hydrochlorothiazide", "captopril"]
        );
        assert_eq!(
            names(&book.recognise(&[], "Capozide 25/15")),
            ["captopril", "hydrochlorothiazide"]
        );
    }

    #[test]
    fn an_esters_label_pair_is_kept_exact() {
        let book = book();
        let paliperidone = book.get("paliperidone").expect("paliperidone");
        let factor = paliperidone.depot_ester["paliperidone palmitate"];
        // The label's 234 mg of palmitate is 150 mg of paliperidone, not 149.994.
        assert!((234.0 * factor - 150.0).abs() < 1e-9, "{factor}");
        let esketamine = book.get("esketamine").expect("esketamine");
        let not_a_depot = esketamine.depot_label_factor("Spravato 28 mg", None);
        assert!((not_a_depot - 1.0).abs() < f64::EPSILON, "{not_a_depot}");
        assert_eq!(esketamine.min_effective_mg_per_dose, Some(56.0));
        assert_eq!(esketamine.min_effective_mg_day, None);
    }

    #[test]
    fn a_depot_brand_is_read_as_its_label_states_it() {
        let book = book();
        let close = |got: f64, want: f64| (got - want).abs() < 1e-9;
        let paliperidone = book.get("paliperidone").expect("paliperidone");
        let drug_mg = |text: &str, mg: f64| mg * paliperidone.depot_label_factor(text, Some(mg));
        for (text, stated, drug) in [
            // US labels: the palmitate's mass.
            ("INVEGA SUSTENNA 156 MG/ML SYRINGE", 156.0, 100.0),
            ("Invega Trinza 819 MG/2.625ML", 819.0, 525.0),
            ("invega hafyera 1560 mg", 1560.0, 1000.0),
            // EU labels: the paliperidone's, even beside the ester's name.
            ("Xeplion 150 mg (paliperidone palmitate)", 150.0, 150.0),
            ("TREVICTA 525 mg", 525.0, 525.0),
            ("Byannli 1000 mg", 1000.0, 1000.0),
            // The same US names labelled in paliperidone (Canada, Australia): their strengths.
            ("INVEGA SUSTENNA 100 mg", 100.0, 100.0),
            ("Invega Trinza 525 mg", 525.0, 525.0),
            ("Invega Hafyera 700 mg", 700.0, 700.0),
            // The ester named alone keeps its ratio; the drug named alone is the drug.
            ("paliperidone palmitate 234 MG", 234.0, 150.0),
            ("paliperidone 150 mg depot", 150.0, 150.0),
        ] {
            assert!(close(drug_mg(text, stated), drug), "{text}");
        }
        // A daily equivalent of a US brand is of the ester.
        let daily = paliperidone.depot_label_factor("Invega Sustenna", Some(5.2));
        assert!(close(daily, 100.0 / 156.0), "{daily}");
        let aripiprazole = book.get("aripiprazole").expect("aripiprazole");
        let factor = aripiprazole.depot_label_factor("ARISTADA 882 MG/3.2ML", Some(882.0));
        assert!((882.0 * factor - 600.0).abs() < 0.5, "{factor}");
        let initio = aripiprazole.depot_label_factor("Aristada Initio 675 mg", Some(675.0));
        assert!(close(initio, factor), "{initio}");
        let maintena = aripiprazole.depot_label_factor("Abilify Maintena 400 mg", Some(400.0));
        assert!(close(maintena, 1.0), "{maintena}");
        let haloperidol = book.get("haloperidol").expect("haloperidol");
        let decanoate = haloperidol.depot_label_factor("Haldol Decanoate 100 mg/mL", Some(100.0));
        assert!(close(decanoate, 1.0), "{decanoate}");
    }

    #[test]
    fn recognises_ingredient_inside_display_text() {
        let book = book();
        assert_eq!(
            names(&book.recognise(&[], "Hydrochlorothiazide 25 MG Oral Tablet")),
            ["hydrochlorothiazide"]
        );
        assert_eq!(
            names(&book.recognise(&[], "Carbamazepine[Tegretol]")),
            ["carbamazepine"]
        );
        assert_eq!(
            names(&book.recognise(&[], "TEGRETOL XR 200 mg")),
            ["carbamazepine"]
        );
    }

    #[test]
    fn combination_products_count_each_ingredient() {
        let book = book();
        let found = names(&book.recognise(
            &[],
            "lisinopril 20 MG / hydrochlorothiazide 12.5 MG Oral Tablet",
        ));
        assert_eq!(found, ["lisinopril", "hydrochlorothiazide"]);
        let found = names(&book.recognise(&[], "R-CHOP x6"));
        assert!(
            found.contains(&"rituximab".to_string()) && found.contains(&"doxorubicin".to_string())
        );
    }

    #[test]
    fn codes_identify_drugs() {
        let book = book();
        assert_eq!(names(&book.recognise(&["N03AX14"], "")), ["levetiracetam"]);
        assert_eq!(names(&book.recognise(&["114477"], "")), ["levetiracetam"]);
        // A legacy ATC code still resolves.
        assert_eq!(names(&book.recognise(&["L01XC02"], "")), ["rituximab"]);
    }

    #[test]
    fn a_code_and_words_naming_other_drugs_are_read_as_the_words_and_said_apart() {
        let book = book();
        // One tablet: never a two-drug regimen.
        assert_eq!(
            names(&book.recognise(&["C09AA03"], "amlodipine 5 mg tablet")),
            ["amlodipine"]
        );
        let (by_code, by_words) = book
            .disagreement(&["C09AA03"], "amlodipine 5 mg tablet")
            .expect("a lisinopril code under amlodipine's name disagrees");
        assert_eq!(names(&by_code), ["lisinopril"]);
        assert_eq!(names(&by_words), ["amlodipine"]);
        // A code naming one ingredient of the combination the words name: one product.
        assert_eq!(
            names(&book.recognise(&["C09AA03"], "lisinopril/hydrochlorothiazide 20/12.5")),
            ["lisinopril", "hydrochlorothiazide"]
        );
        assert!(
            book.disagreement(&["C09AA03"], "lisinopril/hydrochlorothiazide 20/12.5")
                .is_none()
        );
        // A combination whose codes name lisinopril and hydrochlorothiazide under words naming
        // amlodipine and hydrochlorothiazide: the words' two drugs, and the one each side
        // alone names said apart.
        let (codes, words) = (["C09AA03", "5487"], "amlodipine / hydrochlorothiazide");
        assert_eq!(
            names(&book.recognise(&codes, words)),
            ["amlodipine", "hydrochlorothiazide"]
        );
        let (by_code, by_words) = book
            .disagreement(&codes, words)
            .expect("one ingredient named apart disagrees");
        assert_eq!(names(&by_code), ["lisinopril"]);
        assert_eq!(names(&by_words), ["amlodipine"]);
        // A combination's code under one of its ingredients' names: a shorter name of it.
        assert_eq!(
            names(&book.recognise(&["C09DB01"], "amlodipine 5 mg")).len(),
            2,
            "{:?}",
            names(&book.recognise(&["C09DB01"], "amlodipine 5 mg"))
        );
        assert!(book.disagreement(&["C09DB01"], "amlodipine 5 mg").is_none());
        // Words that name no drug the book knows leave the code to say it.
        assert_eq!(
            names(&book.recognise(&["C09AA03"], "Tablet 10 MG (local formulary item 4471)")),
            ["lisinopril"]
        );
        assert!(
            book.disagreement(&["C09AA03"], "Tablet 10 MG (local formulary item 4471)")
                .is_none()
        );
    }

    #[test]
    fn british_co_names_count_each_ingredient_however_spelt() {
        let book = book();
        for (text, expected) in [
            (
                "Co-amilofruse 5mg/40mg tablets",
                ["amiloride", "furosemide"],
            ),
            ("co amilofruse 2.5mg/20mg", ["amiloride", "furosemide"]),
            ("COAMILOFRUSE 10/80", ["amiloride", "furosemide"]),
            (
                "Co-Flumactone 25mg/25mg tablets",
                ["spironolactone", "hydroflumethiazide"],
            ),
            (
                "Co-triamterzide 50mg/25mg tablets",
                ["triamterene", "hydrochlorothiazide"],
            ),
            (
                "Co-zidocapt 25mg/50mg tablets",
                ["captopril", "hydrochlorothiazide"],
            ),
            ("Co-prenozide tablets", ["oxprenolol", "cyclopenthiazide"]),
            (
                "Co-amilozide 5mg/50mg tablets",
                ["amiloride", "hydrochlorothiazide"],
            ),
            ("Cotenidone 50/12.5", ["atenolol", "chlorthalidone"]),
            ("Co-Aprovel 150/12.5", ["irbesartan", "hydrochlorothiazide"]),
        ] {
            let mut found = names(&book.recognise(&[], text));
            found.sort();
            let mut expected = expected.map(String::from).to_vec();
            expected.sort();
            assert_eq!(found, expected, "{text}");
        }
    }

    /// US and EU fixed-dose antihypertensive combinations by brand name each give every
    /// ingredient (a brand whose stem is a single drug's brand, "Lotensin HCT", never reads as
    /// that drug alone).
    #[test]
    fn antihypertensive_combination_brands_give_every_ingredient() {
        let book = book();
        for (text, expected) in [
            (
                "LOTENSIN HCT 20-25 MG PO TABS",
                &["benazepril", "hydrochlorothiazide"][..],
            ),
            (
                "ACCURETIC 20-25 MG TABLET",
                &["quinapril", "hydrochlorothiazide"],
            ),
            ("Vaseretic 10-25", &["enalapril", "hydrochlorothiazide"]),
            ("Zestoretic 20-12.5", &["lisinopril", "hydrochlorothiazide"]),
            ("Prinzide 20-25", &["lisinopril", "hydrochlorothiazide"]),
            ("Hyzaar 100-25", &["losartan", "hydrochlorothiazide"]),
            ("Diovan HCT 320-25", &["valsartan", "hydrochlorothiazide"]),
            ("Benicar HCT 40-25", &["olmesartan", "hydrochlorothiazide"]),
            (
                "Micardis HCT 80-25",
                &["telmisartan", "hydrochlorothiazide"],
            ),
            ("Avalide 300-25", &["irbesartan", "hydrochlorothiazide"]),
            ("Atacand HCT 32-25", &["candesartan", "hydrochlorothiazide"]),
            ("Teveten HCT 600-25", &["eprosartan", "hydrochlorothiazide"]),
            ("Tekturna HCT 300-25", &["aliskiren", "hydrochlorothiazide"]),
            ("Lotrel 10-40", &["amlodipine", "benazepril"]),
            ("Azor 10-40", &["amlodipine", "olmesartan"]),
            ("Twynsta 80-10", &["telmisartan", "amlodipine"]),
            ("Exforge 10-320", &["amlodipine", "valsartan"]),
            (
                "Exforge HCT 10-320-25",
                &["amlodipine", "valsartan", "hydrochlorothiazide"],
            ),
            (
                "Tribenzor 40-10-25",
                &["olmesartan", "amlodipine", "hydrochlorothiazide"],
            ),
            ("Tarka 4-240", &["trandolapril", "verapamil"]),
            ("Tenoretic 100-25", &["atenolol", "chlorthalidone"]),
            ("Ziac 10-6.25", &["bisoprolol", "hydrochlorothiazide"]),
            (
                "Lopressor HCT 100-50",
                &["metoprolol", "hydrochlorothiazide"],
            ),
            ("Dutoprol 100-12.5", &["metoprolol", "hydrochlorothiazide"]),
            ("Edarbyclor 40-25", &["azilsartan", "chlorthalidone"]),
            (
                "Aldactazide 50-50",
                &["spironolactone", "hydrochlorothiazide"],
            ),
            ("Dyazide 37.5-25", &["triamterene", "hydrochlorothiazide"]),
            ("Maxzide 75-50", &["triamterene", "hydrochlorothiazide"]),
            ("Clorpres 0.2-15", &["clonidine", "chlorthalidone"]),
            ("Caduet 10-20", &["amlodipine", "atorvastatin"]),
            ("Prestalia 14-10", &["perindopril", "amlodipine"]),
            ("Byvalson 5-80", &["nebivolol", "valsartan"]),
            ("Uniretic 15-25", &["moexipril", "hydrochlorothiazide"]),
            ("Lexxel 5-5", &["enalapril", "felodipine"]),
            ("Tekamlo 300-10", &["aliskiren", "amlodipine"]),
            (
                "Amturnide 300-10-25",
                &["aliskiren", "amlodipine", "hydrochlorothiazide"],
            ),
            ("Inderide 80-25", &["propranolol", "hydrochlorothiazide"]),
            ("Corzide 80-5", &["nadolol", "bendroflumethiazide"]),
            ("Aldoril 250-25", &["methyldopa", "hydrochlorothiazide"]),
            (
                "Copalia HCT 10/320/25",
                &["amlodipine", "valsartan", "hydrochlorothiazide"],
            ),
            ("Dafiro 10/160", &["amlodipine", "valsartan"]),
            ("Kinzalkomb 80/25", &["telmisartan", "hydrochlorothiazide"]),
            ("Karvezide 300/25", &["irbesartan", "hydrochlorothiazide"]),
            ("Zanipress 20/10", &["enalapril", "lercanidipine"]),
            ("Rasilamlo 300/10", &["aliskiren", "amlodipine"]),
            // A brand's "HCT" suffix names hydrochlorothiazide beside a known ingredient.
            (
                "ALTACE HCT 10-25 MG TABLET",
                &["ramipril", "hydrochlorothiazide"],
            ),
        ] {
            assert_eq!(names(&book.recognise(&[], text)), expected, "{text}");
        }
        // "HCT" alone is no drug (haematocrit, a cell transplant).
        assert!(book.recognise(&[], "HCT").is_empty());
        assert!(book.recognise(&[], "allogeneic HCT").is_empty());
    }

    /// A product whose name holds more ingredients than the book recognises (two strengths, one
    /// ingredient; a combination marker after a single drug's name) is read only in part.
    #[test]
    fn a_combination_read_in_part_is_told() {
        let book = book();
        let unread = |text: &str| book.unread_part(text, book.recognise(&[], text).len());
        assert!(unread("TRITACE COMP 5-25 MG TABLET").is_some());
        assert!(unread("LOTENSIN 20-25 MG PO TABS").is_some());
        assert!(unread("Lotensin Plus 20 mg").is_some());
        assert!(unread("FOOPRIL-BARIDE 20-25 MG TABLET").is_none());
        // Its codes completed what its name did not say.
        assert!(book.unread_part("ACCUPRO COMP 20-12.5 MG", 2).is_none());
        for whole in [
            "LOTENSIN HCT 20-25 MG PO TABS",
            "Exforge HCT 10-320-25 mg",
            "amlodipine 5 MG / valsartan 160 MG Oral Tablet",
            "Lisinopril 20 mg tablet",
            "Coversyl Plus 5/1.25",
            "Lotensin 20 mg",
        ] {
            assert_eq!(unread(whole), None, "{whole}");
        }
    }

    #[test]
    fn biosimilar_brands_are_their_molecule() {
        let book = book();
        for (brand, ingredient) in [
            ("Abrilada 40 mg/0.8 mL pen", "adalimumab"),
            ("Amsparity", "adalimumab"),
            ("Hukyndra", "adalimumab"),
            ("IXIFI 100 mg vial", "infliximab"),
            ("Zessly", "infliximab"),
            ("Avtozma 162 mg/0.9 mL", "tocilizumab"),
            ("Lifmior", "etanercept"),
            ("Riximyo", "rituximab"),
            ("tocilizumab-anoh", "tocilizumab"),
        ] {
            assert_eq!(names(&book.recognise(&[], brand)), [ingredient], "{brand}");
        }
    }

    #[test]
    fn word_boundaries_are_respected() {
        let book = book();
        assert!(
            book.recognise(&[], "Prednisolone acetate eye drops")
                .iter()
                .all(|d| d.ingredient != "prednisone")
        );
        assert!(book.recognise(&[], "unknown remedy").is_empty());
    }
}
