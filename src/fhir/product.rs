//! What a Medication says of the drug it is: its code, its active ingredients and their
//! strengths (R4 `Medication.code`, `form` and `ingredient`).
//!
//! An ingredient is an `itemCodeableConcept`, or an `itemReference` to a Substance or a
//! Medication: one contained in the same resource (`#a`) is read at once; one elsewhere
//! (`Substance/a`, a bundle's `urn:uuid`) is kept as a reference and found among the imported
//! resources when a record of the drug is finished ([`Product::drug`]), since it may come in
//! another file; a reference found nowhere names the ingredient by its `display`, and is
//! reported, never dropped silently.
//!
//! A product becomes the drug a record names: one concept whose words name each active
//! ingredient (the criteria recognise a combination's ingredients by name), and, for a single
//! active ingredient, its strength, which turns a dose counted in tablets or millilitres into
//! milligrams. A combination keeps its dose counted; when every active ingredient has a strength
//! per tablet (or capsule, or unit), the words give each its milligrams as RxNorm's names do
//! ("amlodipine 10 MG / valsartan 320 MG"), which the criteria read per ingredient.

use serde::{Deserialize, Serialize};

use super::model::{self, CodeableConcept};
use crate::domain::{strength, units};

/// A Medication as refract keeps it (stored as JSON: a product with no ingredients and no
/// form is stored as its code alone, as every Medication was before ingredients were kept, so
/// that both read back the same).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Product {
    /// `Medication.code` (empty when the Medication names only its ingredients).
    #[serde(flatten)]
    pub code: CodeableConcept,
    /// The active ingredients (an excipient, `isActive: false`, is left out).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ingredients: Vec<ProductIngredient>,
    /// The unit a count of the product is in, from `Medication.form` ("tablet", "capsule").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<String>,
    /// Millilitres in one unit of the product as handed over (R4 `Medication.amount`: 100 mL
    /// in one bag), which turns a dose counted in bags or vials into millilitres of a strength
    /// per millilitre.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_ml: Option<f64>,
}

/// One active ingredient.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProductIngredient {
    /// What it is: its `itemCodeableConcept`, or the code of the contained resource it refers
    /// to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concept: Option<CodeableConcept>,
    /// A reference to a resource outside the Medication: as written when mapped, then the
    /// importer's key of the resource it names (`Substance/a`, `Medication/b`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refers: Option<String>,
    /// The reference's `display`: the ingredient's name when nothing else gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strength: Option<Strength>,
}

/// A strength in milligrams: `mg` in `per` `unit` of the product (50 mg in 1 TAB, 250 mg in 5
/// mL).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Strength {
    pub mg: f64,
    pub per: f64,
    pub unit: String,
}

/// The drug a record names, once its product's ingredients are found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Drug {
    pub concept: CodeableConcept,
    /// The strength of a product of one active ingredient.
    pub strength: Option<Strength>,
    pub form: Option<String>,
    /// Millilitres in one unit of the product (see [`Product::package_ml`]).
    pub package_ml: Option<f64>,
    /// The ingredient references found nowhere (each named by its display, if it has one).
    pub missing: Vec<String>,
}

/// How a resource a Medication's ingredient refers to is found among the imported ones, by
/// the importer's key (`Substance/a`).
pub type Find<'p> = dyn Fn(&str) -> Option<&'p Product> + 'p;

/// The words a drug is named by: its concept's (the text, else the first display), unless
/// they name nothing `knows` knows and a coding's display does. R4 reads a CodeableConcept's
/// text and codings as one concept, so a text the drug book does not know (a brand, "LYBALVI
/// 20-10 MG PO TABS") must not hide the coding it does (RxNorm's "olanzapine 20 MG /
/// samidorphan 10 MG Oral Tablet"). The display then names the drug alone, as it does where
/// the text is absent: the text beside it would add strengths written another way to the
/// words the dose is read from.
pub fn known_words<'c>(
    concept: &'c CodeableConcept,
    knows: &dyn Fn(&str) -> bool,
) -> Option<&'c str> {
    let words = concept.words()?;
    if knows(words) {
        return Some(words);
    }
    concept
        .coding
        .iter()
        .filter_map(|coding| coding.display.as_deref())
        .filter(|display| !display.trim().is_empty() && *display != words)
        .find(|display| knows(display))
        .or(Some(words))
}

impl Product {
    /// A product of a concept alone (a record's `medicationCodeableConcept`).
    pub fn of_concept(concept: CodeableConcept) -> Self {
        Product {
            code: concept,
            ..Product::default()
        }
    }

    /// Whether it names a drug, or may once its references are found.
    pub fn names_something(&self) -> bool {
        self.code.names_something()
            || self.ingredients.iter().any(|ingredient| {
                ingredient
                    .concept
                    .as_ref()
                    .is_some_and(CodeableConcept::names_something)
                    || ingredient.refers.is_some()
                    || ingredient.display.as_deref().is_some_and(|d| said(&d))
            })
    }

    /// Every text kept, by what it is, for the size check of what a file may store.
    pub fn texts(&self) -> Vec<(&'static str, Option<&str>)> {
        let mut texts = concept_texts(&self.code);
        for ingredient in &self.ingredients {
            if let Some(concept) = &ingredient.concept {
                texts.extend(concept_texts(concept));
            }
            texts.push(("ingredient reference", ingredient.refers.as_deref()));
            texts.push(("ingredient display", ingredient.display.as_deref()));
        }
        texts
    }

    /// The drug, its ingredients outside the resource looked up with `find`.
    ///
    /// Its codes are the product's own; an ingredient's codes are added when the product is
    /// that one ingredient, or when the product has no code of its own (a Medication that names
    /// only its ingredients is them). A combination with a code of its own is never given its
    /// first ingredient's code: the drug would then be that ingredient alone (and a later order
    /// of that ingredient a renewal of the combination).
    ///
    /// Its words are the product's, followed by each ingredient's that the product's do not
    /// already say ("Triple pill (amlodipine / valsartan / hydrochlorothiazide)").
    pub fn drug(&self, find: &Find<'_>) -> Drug {
        let mut missing = Vec::new();
        let mut named: Vec<(Option<CodeableConcept>, Option<&Strength>)> = Vec::new();
        for ingredient in &self.ingredients {
            let concept = ingredient
                .concept
                .clone()
                .or_else(|| {
                    let key = ingredient.refers.as_deref()?;
                    let found = find(key);
                    if found.is_none() {
                        missing.push(key.to_owned());
                    }
                    // A Medication named as an ingredient is named by its own code and
                    // ingredients; its references are not followed further (no cycle can
                    // then loop).
                    found.map(|product| product.drug(&|_| None).concept)
                })
                .filter(CodeableConcept::names_something)
                .or_else(|| {
                    let display = ingredient.display.as_deref().filter(said)?;
                    Some(CodeableConcept {
                        coding: Vec::new(),
                        text: Some(display.to_owned()),
                    })
                });
            named.push((concept, ingredient.strength.as_ref()));
        }
        let single = named.len() == 1;
        let strength = if single {
            named.first().and_then(|(_, strength)| strength.cloned())
        } else {
            None
        };
        let own = self.code.words();
        let mut coding = self.code.coding.clone();
        if single || !self.code.names_something() {
            coding.extend(
                named
                    .iter()
                    .filter_map(|(concept, _)| concept.as_ref())
                    .flat_map(|concept| concept.coding.iter().cloned()),
            );
        }
        // A combination's strengths are written only when each ingredient has one per unit
        // counted: a dose in tablets gives each ingredient its milligrams only so.
        let per_unit: Vec<Option<f64>> = named
            .iter()
            .map(|(_, strength)| strength.and_then(Strength::mg_per_counted_unit))
            .collect();
        let with_strengths = named.len() > 1
            && per_unit.iter().all(Option::is_some)
            && named
                .iter()
                .all(|(concept, _)| concept.as_ref().and_then(CodeableConcept::words).is_some());
        let parts: Vec<String> = named
            .iter()
            .zip(&per_unit)
            .filter_map(|((concept, _), mg)| {
                let words = concept.as_ref()?.words()?.trim();
                let strength = mg.filter(|_| with_strengths);
                // Already said by the product's words (with its strength, where one is to be
                // said): not said twice.
                if let Some(own) = own
                    && has_words(own, words)
                    && (strength.is_none() || strength::ingredient_mg(own, &[words]).is_some())
                {
                    return None;
                }
                Some(match strength {
                    Some(mg) => format!("{words} {} MG", trim_number(mg)),
                    None => words.to_owned(),
                })
            })
            .collect();
        let text = match (own, parts.is_empty()) {
            (_, true) => self.code.text.clone(),
            (Some(own), false) => Some(format!("{own} ({})", parts.join(" / "))),
            (None, false) => Some(parts.join(" / ")),
        };
        Drug {
            concept: CodeableConcept { coding, text },
            strength,
            form: self.form.clone(),
            package_ml: self.package_ml,
            missing,
        }
    }
}

impl Strength {
    /// The strength of a `Medication.ingredient.strength`, when its numerator is a mass and its
    /// denominator an amount of the product.
    pub fn of_ratio(ratio: &model::Ratio) -> Option<Strength> {
        let numerator = ratio.numerator.as_ref()?;
        let denominator = ratio.denominator.as_ref()?;
        // A SNOMED CT unit's code (dm+d: 258684004 |milligram|) names its unit; otherwise the
        // code, then the words, in any spelling (see [`units`]).
        let factor = [
            numerator.snomed_unit(),
            numerator.code.as_deref(),
            numerator.unit.as_deref(),
        ]
        .into_iter()
        .flatten()
        .find_map(mass_in_mg)?;
        let mg = numerator.value? * factor;
        let per = denominator.value?;
        // The code (UCUM's `mL`, v3-orderableDrugForm's `TAB`), else the unit as written
        // ("tablet"); none at all is UCUM's unity, one of the product's units.
        let written: Vec<&str> = [
            denominator.snomed_unit(),
            denominator.code.as_deref(),
            denominator.unit.as_deref(),
        ]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|unit| !unit.is_empty())
        .collect();
        let unit = if written.is_empty() {
            "1"
        } else {
            written
                .into_iter()
                .find(|unit| count_unit(&unit.to_lowercase()).is_some() || is_ml(unit))?
        };
        (mg.is_finite() && mg > 0.0 && per.is_finite() && per > 0.0).then(|| Strength {
            mg,
            per,
            unit: unit.to_owned(),
        })
    }

    /// Milligrams in one tablet, capsule or unit of the product, when the strength is per such
    /// a count.
    fn mg_per_counted_unit(&self) -> Option<f64> {
        count_unit(&self.unit.to_lowercase()).map(|_| self.mg / self.per)
    }
}

impl Drug {
    /// Milligrams in `value` `unit` of a product of one active ingredient: the dose counted in
    /// the unit of its strength's denominator (tablets of a strength per tablet, millilitres of
    /// one per millilitre). A count of the product's units ("1", `{dose}`) is of its tablets or
    /// capsules, whichever the strength or the form says; tablets of a strength per capsule,
    /// or a count of a strength per millilitre, are no milligrams.
    pub fn milligrams(&self, value: f64, unit: &str) -> Option<f64> {
        let strength = self.strength.as_ref()?;
        let dose = unit.trim().to_lowercase();
        let per = strength.unit.trim().to_lowercase();
        // A bag of a strength per millilitre: its volume, where the Medication gives it.
        if is_ml(&per)
            && count_unit(&dose) == Some("dose")
            && let Some(ml) = self.package_ml
        {
            let mg = value * ml / strength.per * strength.mg;
            return mg.is_finite().then_some(mg);
        }
        let same = if is_ml(&dose) || is_ml(&per) {
            is_ml(&dose) && is_ml(&per)
        } else {
            let counted = count_unit(&dose);
            let of_product = count_unit(&per).map(|kind| match kind {
                "dose" => self.form.as_deref().unwrap_or(kind),
                _ => kind,
            });
            match (counted, of_product) {
                (Some(a), Some(b)) => a == b || a == "dose" || (b == "dose" && self.form.is_none()),
                _ => false,
            }
        };
        let mg = value / strength.per * strength.mg;
        (same && mg.is_finite()).then_some(mg)
    }
}

/// The product a Medication describes (or a Medication contained in a record: `code`, `form`
/// and `ingredients` are its own). `contained` holds the resources its ingredients may name as
/// `#id`: the Medication's own, or for one contained in a record, the record's (a contained
/// resource contains nothing). What cannot be read of an ingredient is said in `warnings`.
pub fn product_of(
    code: Option<&CodeableConcept>,
    form: Option<&CodeableConcept>,
    amount: Option<&model::Ratio>,
    ingredients: &[model::Ingredient],
    contained: &[model::Contained],
    warnings: &mut Vec<String>,
) -> Product {
    let mut kept = Vec::new();
    for ingredient in ingredients {
        // An excipient says nothing of the drug; an ingredient not said to be one is taken as
        // active (most sources leave `isActive` out).
        if ingredient.is_active == Some(false) {
            continue;
        }
        let mut concept = ingredient
            .item_codeable_concept
            .clone()
            .filter(CodeableConcept::names_something);
        let mut refers = None;
        let reference = ingredient.item_reference.as_ref();
        let display = reference
            .and_then(|r| r.display.as_deref())
            .filter(said)
            .map(str::to_owned);
        let target = reference
            .and_then(|r| r.reference.as_deref())
            .map(str::trim)
            .filter(|target| !target.is_empty());
        if concept.is_none()
            && let Some(target) = target
        {
            match target.strip_prefix('#') {
                Some(local) => {
                    concept = contained
                        .iter()
                        .find(|c| c.id.as_deref() == Some(local))
                        .and_then(contained_concept);
                    if concept.is_none() {
                        warnings.push(format!(
                            "its ingredient '{target}' names no contained Medication or \
                             Substance with a code: {}",
                            named_by(display.as_deref())
                        ));
                    }
                }
                None => refers = Some(target.to_owned()),
            }
        }
        kept.push(ProductIngredient {
            concept,
            refers,
            display,
            strength: ingredient.strength.as_ref().and_then(Strength::of_ratio),
        });
    }
    // The form matters only to a strength's unit: kept only beside one, so that a Medication
    // that gives none is stored as it was before forms were read.
    let form = form
        .and_then(form_unit)
        .filter(|_| kept.iter().any(|ingredient| ingredient.strength.is_some()));
    let package_ml = amount
        .and_then(package_ml)
        .filter(|_| kept.iter().any(|ingredient| ingredient.strength.is_some()));
    Product {
        code: code.cloned().unwrap_or_default(),
        ingredients: kept,
        form,
        package_ml,
    }
}

/// Millilitres in one unit of a package (R4 `Medication.amount`): a volume over one bag, vial
/// or other unit of the product, or over nothing (UCUM's unity). A volume over several units
/// is divided among them; any other amount (tablets in a box) says nothing of a dose's volume.
fn package_ml(amount: &model::Ratio) -> Option<f64> {
    let numerator = amount.numerator.as_ref()?;
    let factor = [numerator.code.as_deref(), numerator.unit.as_deref()]
        .into_iter()
        .flatten()
        .find_map(units::volume_ml)?;
    let ml = numerator.value? * factor;
    let units = match amount.denominator.as_ref() {
        None => 1.0,
        Some(denominator) => {
            let unit = [denominator.code.as_deref(), denominator.unit.as_deref()]
                .into_iter()
                .flatten()
                .map(|unit| unit.trim().to_lowercase())
                .find(|unit| !unit.is_empty())
                .unwrap_or_default();
            if count_unit(&unit) != Some("dose") {
                return None;
            }
            denominator.value.unwrap_or(1.0)
        }
    };
    let per_unit = ml / units;
    (per_unit.is_finite() && per_unit > 0.0).then_some(per_unit)
}

/// What a contained resource an ingredient refers to is: its code, else (a Medication naming
/// only its own ingredients) theirs.
fn contained_concept(contained: &model::Contained) -> Option<CodeableConcept> {
    if let Some(code) = contained
        .code
        .as_ref()
        .filter(|code| code.names_something())
    {
        return Some(code.clone());
    }
    let mut ignored = Vec::new();
    let product = product_of(None, None, None, &contained.ingredient, &[], &mut ignored);
    Some(product.drug(&|_| None).concept).filter(CodeableConcept::names_something)
}

/// How an ingredient whose reference leads nowhere is named, for a warning.
pub fn named_by(display: Option<&str>) -> String {
    match display {
        Some(display) => format!("named by its display '{display}'"),
        None => String::from("left unnamed"),
    }
}

/// The unit a count of a product with this `Medication.form` is in.
pub fn form_unit(form: &CodeableConcept) -> Option<String> {
    let words = form
        .text
        .iter()
        .chain(form.coding.iter().filter_map(|c| c.display.as_ref()))
        .map(|words| words.to_lowercase());
    let codes = form
        .coding
        .iter()
        .filter_map(|c| c.code.as_deref())
        .map(str::to_lowercase);
    words
        .chain(codes)
        .find_map(|word| {
            count_unit(word.trim())
                .filter(|kind| *kind != "dose")
                .or_else(|| {
                    if word.contains("tablet") {
                        Some("tablet")
                    } else if word.contains("capsule") {
                        Some("capsule")
                    } else {
                        None
                    }
                })
        })
        .map(str::to_owned)
}

/// Milligrams in one of `unit`, when it is a mass (any spelling: see [`units`]).
fn mass_in_mg(unit: &str) -> Option<f64> {
    units::mass_mg(unit)
}

/// Whether `unit` is a millilitre, in any spelling. A litre is no unit a strength or a dose of
/// one is compared in: it is left out, as before.
fn is_ml(unit: &str) -> bool {
    units::volume_ml(unit).is_some_and(|ml| (ml - 1.0).abs() < f64::EPSILON)
}

fn said(text: &&str) -> bool {
    !text.trim().is_empty()
}

fn concept_texts(concept: &CodeableConcept) -> Vec<(&'static str, Option<&str>)> {
    let mut texts = vec![("medication text", concept.text.as_deref())];
    for coding in &concept.coding {
        texts.push(("medication code", coding.code.as_deref()));
        texts.push(("medication display", coding.display.as_deref()));
        texts.push(("code system", coding.system.as_deref()));
    }
    texts
}

/// Whether `words` appear in `text` as a run of whole words, whatever the case.
fn has_words(text: &str, words: &str) -> bool {
    let split = |text: &str| -> Vec<String> {
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let text = split(text);
    let words = split(words);
    !words.is_empty() && text.windows(words.len()).any(|run| run == words.as_slice())
}

/// A number as people write it: no trailing zeros ("10", "12.5").
fn trim_number(value: f64) -> String {
    let rounded = (value * 1000.0).round() / 1000.0;
    let text = format!("{rounded:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The count unit refract writes for a dose counted in a product's units, if `unit` (lower
/// case) is one: UCUM annotations (`{tbl}`), words, and the tablet and capsule forms of
/// v3-orderableDrugForm (`TAB`, `ERTAB24`, `FILMTAB`, `CAP`, `ENTCAP`…).
pub(super) fn count_unit(unit: &str) -> Option<&'static str> {
    match unit {
        "tablet" | "tablets" | "tab" | "tabs" | "{tbl}" | "{tablet}" | "{tablets}" | "caplet" => {
            Some("tablet")
        }
        "capsule" | "capsules" | "cap" | "caps" | "{capsule}" | "{capsules}" | "{cap}" => {
            Some("capsule")
        }
        "" | "1" | "{dose}" | "dose" | "{unit}" | "each" | "{each}" | "syringe" | "{syringe}"
        | "injection" | "{injection}" | "pen" | "{pen}" | "vial" | "{vial}" | "bag" | "{bag}"
        | "bags" | "ampoule" | "{ampoule}" | "ampule" | "{ampule}" => Some("dose"),
        form if form.is_ascii() => {
            let form = form.trim_end_matches(|c: char| c.is_ascii_digit());
            if form.len() > 3 && form.bytes().all(|b| b.is_ascii_lowercase()) {
                if form.ends_with("tab") {
                    return Some("tablet");
                }
                if form.ends_with("cap") {
                    return Some("capsule");
                }
            }
            None
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn concept(text: &str) -> CodeableConcept {
        CodeableConcept {
            coding: Vec::new(),
            text: Some(text.to_owned()),
        }
    }

    #[test]
    fn a_product_of_a_code_alone_is_stored_as_that_code() {
        let code = CodeableConcept {
            coding: vec![model::Coding {
                system: Some(String::from("http://www.nlm.nih.gov/research/umls/rxnorm")),
                code: Some(String::from("311289")),
                display: Some(String::from("levetiracetam 500 MG Oral Tablet")),
            }],
            text: None,
        };
        let product = Product::of_concept(code.clone());
        assert_eq!(
            serde_json::to_string(&product).unwrap(),
            serde_json::to_string(&code).unwrap()
        );
        let back: Product = serde_json::from_str(&serde_json::to_string(&code).unwrap()).unwrap();
        assert_eq!(back, product);
    }

    #[test]
    fn a_combination_names_its_ingredients_and_their_strengths() {
        let per_tablet = |mg: f64| Strength {
            mg,
            per: 1.0,
            unit: String::from("TAB"),
        };
        let product = Product {
            code: concept("Triple pill"),
            ingredients: [
                ("amlodipine", 10.0),
                ("valsartan", 320.0),
                ("hydrochlorothiazide", 25.0),
            ]
            .into_iter()
            .map(|(name, mg)| ProductIngredient {
                concept: Some(concept(name)),
                strength: Some(per_tablet(mg)),
                ..ProductIngredient::default()
            })
            .collect(),
            form: None,
            package_ml: None,
        };
        let drug = product.drug(&|_| None);
        assert_eq!(
            drug.concept.text.as_deref(),
            Some("Triple pill (amlodipine 10 MG / valsartan 320 MG / hydrochlorothiazide 25 MG)")
        );
        assert_eq!(drug.strength, None);
        let text = drug.concept.text.unwrap_or_default();
        assert_eq!(strength::ingredient_mg(&text, &["valsartan"]), Some(320.0));
    }

    #[test]
    fn a_single_ingredients_strength_converts_its_own_unit_only() {
        let drug = |unit: &str, form: Option<&str>| Drug {
            strength: Some(Strength {
                mg: 250.0,
                per: 5.0,
                unit: unit.to_owned(),
            }),
            form: form.map(str::to_owned),
            ..Drug::default()
        };
        assert_eq!(drug("mL", None).milligrams(10.0, "mL"), Some(500.0));
        assert_eq!(drug("mL", None).milligrams(1.0, "tablet"), None);
        assert_eq!(drug("TAB", None).milligrams(10.0, "tablet"), Some(500.0));
        assert_eq!(drug("TAB", None).milligrams(10.0, "1"), Some(500.0));
        assert_eq!(drug("TAB", None).milligrams(10.0, "capsule"), None);
        assert_eq!(
            drug("1", Some("tablet")).milligrams(5.0, "{tbl}"),
            Some(250.0)
        );
        assert_eq!(drug("1", Some("capsule")).milligrams(5.0, "tablet"), None);
        assert_eq!(drug("1", None).milligrams(5.0, "mL"), None);
    }
}
