//! The strengths written in a drug product's name: "Hydrochlorothiazide 25 MG Oral Tablet",
//! "amLODIPine 5 MG / valsartan 160 MG Oral Tablet" (RxNorm's clinical drug names),
//! "amlodipine/valsartan/hydrochlorothiazide 10-320-25 mg tablet" (a combination written with
//! its ingredients and strengths in the same order), "0.75 ML paliperidone palmitate 156 MG/ML
//! Prefilled Syringe" (a concentration and the volume of one unit).
//!
//! A dose counted in tablets, capsules or syringes becomes milligrams only through these
//! strengths, so a strength is read only when the text leaves no doubt about which ingredient it
//! belongs to: an unnamed list of strengths ("Exforge HCT 10-320-25 mg") is kept unnamed and
//! gives no ingredient its dose here; only the drug book knows a brand's label order
//! ([`unnamed_strengths`], read by `rules::given`).

/// One strength in a product's name.
#[derive(Debug, Clone, PartialEq)]
pub struct Strength {
    /// The ingredient's words as written before the strength, lower-case ("valsartan"); `None`
    /// when the name does not say which ingredient it is.
    pub ingredient: Option<String>,
    /// Milligrams in one unit (a tablet, a capsule, a syringe, a millilitre when `per_ml`).
    pub mg: f64,
    /// The strength is a concentration (mg/mL).
    pub per_ml: bool,
}

/// Milligrams a day one unit of a transdermal product delivers, as its name says: "0.3
/// MG/24HR" (RxNorm), "0.1 mg/day", "25 MCG/HR" (per hour: 24 times that a day), "5 mg/24
/// hours", "4.6 mg per 24 hours", "0.1mg/24hr", also after the patch's content and inside a
/// bracket ("2.5 mg patch (releases 0.1 mg/24 hours)": the rate, never the content). An amount
/// in a unit of mass over a number of hours or days is the rate; a mass with no time after it
/// (the content) is none.
pub fn delivery_mg_per_day(text: &str) -> Option<f64> {
    let words = rate_words(text);
    let word = |at: usize| words.get(at).map(String::as_str);
    (0..words.len()).find_map(|index| {
        let amount: f64 = words[index].parse().ok()?;
        let mg = amount * super::units::mass_mg(word(index + 1)?)?;
        let mut at = index + 2;
        if !matches!(word(at)?, "/" | "per" | "every" | "each" | "a") {
            return None;
        }
        at += 1;
        let over = match word(at).and_then(|w| w.parse::<f64>().ok()) {
            Some(over) => {
                at += 1;
                over
            }
            None => 1.0,
        };
        let days = match word(at)? {
            "h" | "hr" | "hrs" | "hour" | "hours" => over / 24.0,
            "d" | "day" | "days" => over,
            _ => return None,
        };
        let per_day = mg / days;
        (per_day.is_finite() && per_day > 0.0).then_some(per_day)
    })
}

/// A product name's words for [`delivery_mg_per_day`], lower case: numbers, words and "/" each
/// a word of their own ("0.1mg/24hr" is "0.1", "mg", "/", "24", "hr"), brackets and other
/// marks dropped.
fn rate_words(text: &str) -> Vec<String> {
    #[derive(PartialEq, Clone, Copy)]
    enum Kind {
        Number,
        Letters,
    }
    let mut words: Vec<String> = Vec::new();
    let mut kind: Option<Kind> = None;
    for c in text.to_lowercase().chars() {
        let this = if c.is_ascii_digit() || (c == '.' && kind == Some(Kind::Number)) {
            Some(Kind::Number)
        } else if c.is_alphabetic() {
            Some(Kind::Letters)
        } else {
            None
        };
        match this {
            Some(this) if kind == Some(this) => {
                if let Some(last) = words.last_mut() {
                    last.push(c);
                }
            }
            Some(_) => words.push(c.to_string()),
            None if c == '/' => words.push(String::from("/")),
            None => {}
        }
        kind = this;
    }
    words
}

/// Every strength written in `text`, in the order written.
pub fn strengths(text: &str) -> Vec<Strength> {
    let words = words_of(text);
    let mut found = Vec::new();
    // Strengths joined by "/" with no words between them ("Exforge HCT 10 mg / 320 mg / 25
    // mg"): where the run starts in `found` and the words before its first strength.
    let mut run: Option<(usize, Vec<String>)> = None;
    // The word index just after the last strength's unit.
    let mut last_end: Option<usize> = None;
    let mut segment_start = 0;
    let mut index = 0;
    while index < words.len() {
        let word = words[index].as_str();
        if word == "/" || word == "+" {
            segment_start = index + 1;
            index += 1;
            continue;
        }
        let Some(amounts) = amounts_of(word) else {
            index += 1;
            continue;
        };
        let Some((factor, per_ml, unit_words)) = unit_at(&words, index + 1) else {
            index += 1;
            continue;
        };
        let before: Vec<&str> = words[segment_start..index]
            .iter()
            .map(String::as_str)
            .filter(|w| !is_volume_word(w))
            .collect();
        let continues = before.is_empty()
            && amounts.len() == 1
            && last_end.is_some_and(|end| end + 1 == index && words[end] == "/");
        if !continues {
            name_run(&mut found, run.take());
            run = (amounts.len() == 1).then(|| {
                (
                    found.len(),
                    before.iter().map(|w| (*w).to_owned()).collect(),
                )
            });
        }
        let names = names_before(&before, amounts.len());
        for (position, amount) in amounts.iter().enumerate() {
            found.push(Strength {
                ingredient: names.as_ref().map(|names| names[position].clone()),
                mg: amount * factor,
                per_ml,
            });
        }
        index += 1 + unit_words;
        segment_start = index;
        last_end = Some(index);
    }
    name_run(&mut found, run);
    found
}

/// Names a run of strengths joined by "/" (see [`strengths`]) of which only the first has words
/// before it: those words name the product, not the first ingredient ("Exforge HCT 10 mg / 320
/// mg / 25 mg", the slashed form of "10-320-25 mg"), so the strengths are whose the words list
/// in order ("amlodipine/valsartan 10 mg/320 mg"), else unnamed, as a brand's hyphenated list is.
fn name_run(found: &mut [Strength], run: Option<(usize, Vec<String>)>) {
    let Some((start, before)) = run else { return };
    let Some(strengths) = found.get_mut(start..) else {
        return;
    };
    if strengths.len() < 2 || strengths.iter().any(|s| s.per_ml) {
        return;
    }
    let before: Vec<&str> = before.iter().map(String::as_str).collect();
    let names = names_before(&before, strengths.len());
    for (position, strength) in strengths.iter_mut().enumerate() {
        strength.ingredient = names.as_ref().map(|names| names[position].clone());
    }
}

/// The strengths of a product whose name lists several and says of none whose it is ("EXFORGE
/// HCT 10-320-25 MG", "Tritace Comp 5-25 mg"), in the order written: a brand's, whose label
/// order only the drug book knows. `None` when any is named, a concentration, or there is only
/// one.
pub fn unnamed_strengths(text: &str) -> Option<Vec<f64>> {
    let all = strengths(text);
    (all.len() >= 2 && all.iter().all(|s| s.ingredient.is_none() && !s.per_ml))
        .then(|| all.iter().map(|s| s.mg).collect())
}

/// Milligrams in one unit of a product with one strength ("Lasix 40mg"): a concentration times
/// the unit's volume when the name gives it ("0.75 ML … 156 MG/ML"). `None` for a combination
/// or a concentration with no volume.
pub fn single_unit_mg(text: &str) -> Option<f64> {
    match strengths(text).as_slice() {
        [one] if !one.per_ml => Some(one.mg),
        [one] => unit_volume_ml(text).map(|ml| ml * one.mg),
        _ => None,
    }
}

/// The concentration in mg/mL of a product with one strength, written so ("10 MG/ML").
pub fn concentration_mg_per_ml(text: &str) -> Option<f64> {
    match strengths(text).as_slice() {
        [one] if one.per_ml => Some(one.mg),
        _ => None,
    }
}

/// Milligrams of the ingredient known by any of `names` in one unit of a combination product
/// whose name says which strength is whose.
pub fn ingredient_mg(text: &str, names: &[&str]) -> Option<f64> {
    let all = strengths(text);
    let mut matching = all.iter().filter(|strength| {
        !strength.per_ml
            && strength.ingredient.as_deref().is_some_and(|written| {
                names.iter().any(|name| {
                    let name = name.to_lowercase();
                    !name.is_empty() && (written == name || has_word_run(written, &name))
                })
            })
    });
    let first = matching.next()?;
    matching.next().is_none().then_some(first.mg)
}

/// The volume of one unit, written before the ingredient ("0.75 ML paliperidone …").
fn unit_volume_ml(text: &str) -> Option<f64> {
    let words = words_of(text);
    let position = words.iter().position(|w| w == "ml")?;
    let amount = position
        .checked_sub(1)
        .and_then(|i| words[i].parse::<f64>().ok())?;
    // The volume is the first amount, before any concentration.
    let concentration = words.iter().position(|w| w == "mg/ml" || w == "mg");
    (concentration.is_none_or(|c| position < c) && amount > 0.0).then_some(amount)
}

/// Lower-case words, numbers glued to their unit split off ("25mg" → "25", "mg"), a slash
/// between spaces kept as its own word (it separates ingredients).
fn words_of(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    for raw in text.split_whitespace() {
        let word = raw.trim_matches([',', ';', '(', ')']).to_lowercase();
        if word.is_empty() {
            continue;
        }
        push_split(&mut words, &word);
    }
    words
}

/// `word` as [`words_of`] splits it: a number glued to its unit ("25mg"), and a unit joined by
/// a slash to the next strength ("10 mg/320 mg/25 mg", "10mg/320mg/25mg") split into the unit,
/// "/" and that strength; a unit per volume or time ("mg/ml", "mg/5ml", "mg/24hr") is kept whole.
fn push_split(words: &mut Vec<String>, word: &str) {
    let split = word
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '/'))
        .filter(|&at| at > 0 && word[..at].starts_with(|c: char| c.is_ascii_digit()));
    if let Some(at) = split {
        words.push(word[..at].trim_end_matches(['-', '/']).to_owned());
        push_split(words, &word[at..]);
        return;
    }
    if let Some((unit, rest)) = word.split_once('/')
        && super::units::mass_mg(unit).is_some()
        && next_is_strength(rest)
    {
        words.push(unit.to_owned());
        words.push(String::from("/"));
        push_split(words, rest);
        return;
    }
    words.push(word.to_owned());
}

/// Whether `rest`, after a unit's slash, is a further strength: a number alone ("320", its
/// unit the next word) or glued to a mass ("320mg", "320mg/25mg"), not a volume or a time.
fn next_is_strength(rest: &str) -> bool {
    if !rest.starts_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    let tail = rest.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    let unit = tail.split('/').next().unwrap_or_default();
    tail.is_empty() || super::units::mass_mg(unit).is_some()
}

/// The amounts of a strength word: "25", "10-320-25", "100/25".
fn amounts_of(word: &str) -> Option<Vec<f64>> {
    if !word.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let amounts: Option<Vec<f64>> = word
        .split(['-', '/'])
        .map(|part| {
            part.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v > 0.0)
        })
        .collect();
    amounts.filter(|a| !a.is_empty())
}

/// The mass unit starting at `index`: (milligrams per unit, whether per mL, words used).
fn unit_at(words: &[String], index: usize) -> Option<(f64, bool, usize)> {
    let word = words.get(index)?.as_str();
    let (mass, per) = match word.split_once('/') {
        Some((mass, per)) => (mass, Some(per)),
        None => (word, None),
    };
    let factor = super::units::mass_mg(mass)?;
    // "250 mg / 5 ml", "50 mg in 5 mL", "50mg/5ml": a concentration per so many millilitres,
    // never a strength per unit (a spoon's volume is not the product's unit).
    let millilitres = |word: &str| -> Option<f64> {
        word.strip_suffix("ml")?
            .parse::<f64>()
            .ok()
            .filter(|ml| ml.is_finite() && *ml > 0.0)
    };
    let joined = words
        .get(index + 1)
        .filter(|joint| matches!(joint.as_str(), "/" | "in" | "per"));
    if per.is_none() && joined.is_some() {
        if let Some(ml) = words.get(index + 2).and_then(|word| millilitres(word)) {
            return Some((factor / ml, true, 3));
        }
        let volume = words
            .get(index + 2)
            .and_then(|word| word.parse::<f64>().ok());
        if let Some(ml) = volume.filter(|ml| ml.is_finite() && *ml > 0.0)
            && words.get(index + 3).is_some_and(|word| word == "ml")
        {
            return Some((factor / ml, true, 4));
        }
    }
    match per {
        Some("ml") => Some((factor, true, 1)),
        Some(per) => millilitres(per).map(|ml| (factor / ml, true, 1)),
        // "25 MG / ML" is a concentration too; "5 MG / valsartan" is not.
        None if words.get(index + 1).is_some_and(|w| w == "/")
            && words.get(index + 2).is_some_and(|w| w == "ml") =>
        {
            Some((factor, true, 3))
        }
        None => Some((factor, false, 1)),
    }
}

/// A unit's volume ("0.75 ML") is not part of an ingredient's name.
fn is_volume_word(word: &str) -> bool {
    word == "ml" || word.parse::<f64>().is_ok()
}

/// The ingredient names for `count` strengths, from the words before them: the words as one
/// name for one strength; for several, a word listing as many names joined by "/" or "-".
fn names_before(before: &[&str], count: usize) -> Option<Vec<String>> {
    if before.is_empty() {
        return None;
    }
    if count == 1 {
        return Some(vec![before.join(" ")]);
    }
    before.iter().rev().find_map(|word| {
        // A British "co-" name (co-amilofruse) is one name, not a list.
        if word.starts_with("co-") {
            return None;
        }
        let names: Vec<String> = word
            .split(['/', '-'])
            .filter(|part| !part.is_empty())
            .map(str::to_owned)
            .collect();
        (names.len() == count).then_some(names)
    })
}

/// Whether `name`'s words appear as a run in `written` ("paliperidone" in "paliperidone
/// palmitate").
fn has_word_run(written: &str, name: &str) -> bool {
    let written: Vec<&str> = written.split_whitespace().collect();
    let name: Vec<&str> = name.split_whitespace().collect();
    !name.is_empty()
        && written
            .windows(name.len())
            .any(|run| run == name.as_slice())
}

#[cfg(test)]
mod tests {
    use super::{
        concentration_mg_per_ml, delivery_mg_per_day, ingredient_mg, single_unit_mg, strengths,
        unnamed_strengths,
    };

    /// A patch's rate, however its name writes it, never its content.
    #[test]
    fn a_patchs_rate_is_read_never_its_content() {
        let close = |text: &str, want: Option<f64>| {
            let got = delivery_mg_per_day(text);
            assert!(
                match (got, want) {
                    (Some(got), Some(want)) => (got - want).abs() < 1e-9,
                    (got, want) => got == want,
                },
                "{text}: {got:?}"
            );
        };
        close("clonidine 0.3 MG/24HR Weekly Transdermal System", Some(0.3));
        close("fentanyl 25 MCG/HR Transdermal System", Some(0.6));
        close(
            "Clonidine 2.5 mg transdermal patch (releases 0.1 mg/24 hours)",
            Some(0.1),
        );
        close("Clonidine 0.1mg/24hr patch", Some(0.1));
        close("Rivastigmine 4.6 mg per 24 hours patch", Some(4.6));
        close(
            "Buprenorphine 5 micrograms/hour transdermal patch",
            Some(0.12),
        );
        close("Estradiol 0.05 mg/day patch", Some(0.05));
        close("Nicotine 21 mg/24 hr patch", Some(21.0));
        close("Clonidine 2.5 mg transdermal patch", None);
        close("Drug 5 mg/ml solution", None);
    }

    #[test]
    fn one_strength_per_tablet() {
        assert_eq!(
            single_unit_mg("Hydrochlorothiazide 25 MG Oral Tablet"),
            Some(25.0)
        );
        assert_eq!(single_unit_mg("Lasix 40mg"), Some(40.0));
        assert_eq!(
            single_unit_mg("Levothyroxine 50 MCG Oral Tablet"),
            Some(0.05)
        );
        assert_eq!(single_unit_mg("Metformin 1 G tablet"), Some(1000.0));
        assert_eq!(single_unit_mg("Lithium carbonate tablet"), None);
    }

    #[test]
    fn a_concentration_is_milligrams_only_with_the_units_volume() {
        assert_eq!(single_unit_mg("Furosemide 10 MG/ML Injection"), None);
        assert_eq!(
            concentration_mg_per_ml("Furosemide 10 MG/ML Injection"),
            Some(10.0)
        );
        assert_eq!(
            single_unit_mg("0.75 ML paliperidone palmitate 156 MG/ML Prefilled Syringe"),
            Some(117.0)
        );
        assert_eq!(
            concentration_mg_per_ml("haloperidol decanoate 50 MG / ML injection"),
            Some(50.0)
        );
    }

    #[test]
    fn rxnorm_combinations_name_each_strength() {
        let text = "amLODIPine 5 MG / valsartan 160 MG Oral Tablet";
        assert_eq!(single_unit_mg(text), None);
        assert_eq!(ingredient_mg(text, &["amlodipine"]), Some(5.0));
        assert_eq!(ingredient_mg(text, &["valsartan"]), Some(160.0));
        assert_eq!(ingredient_mg(text, &["hydrochlorothiazide"]), None);
        let levodopa = "Carbidopa 25 MG / Levodopa 100 MG Oral Tablet";
        assert_eq!(ingredient_mg(levodopa, &["levodopa"]), Some(100.0));
    }

    #[test]
    fn dashed_strengths_follow_the_order_of_the_names() {
        let text = "amlodipine/valsartan/hydrochlorothiazide 10-320-25 mg tablet";
        assert_eq!(ingredient_mg(text, &["amlodipine"]), Some(10.0));
        assert_eq!(ingredient_mg(text, &["valsartan"]), Some(320.0));
        assert_eq!(
            ingredient_mg(text, &["HCTZ", "hydrochlorothiazide"]),
            Some(25.0)
        );
        let slashed = "losartan-hydrochlorothiazide 100/25mg tab";
        assert_eq!(ingredient_mg(slashed, &["losartan"]), Some(100.0));
        assert_eq!(ingredient_mg(slashed, &["hydrochlorothiazide"]), Some(25.0));
    }

    #[test]
    fn a_brands_unnamed_strengths_are_listed_in_the_order_written() {
        assert_eq!(
            unnamed_strengths("EXFORGE HCT 10-320-25 MG PO TABS"),
            Some(vec![10.0, 320.0, 25.0])
        );
        assert_eq!(
            unnamed_strengths("Tritace Comp 5-12.5 mg tablet"),
            Some(vec![5.0, 12.5])
        );
        // Named strengths are read by name; one strength is no list.
        assert_eq!(
            unnamed_strengths("amlodipine/valsartan 10-320 mg tablet"),
            None
        );
        assert_eq!(unnamed_strengths("Lasix 40mg"), None);
        // Strengths joined by slashes after a brand: the brand's words name no ingredient.
        assert_eq!(
            unnamed_strengths("Sinemet 100 MG / 25 MG"),
            Some(vec![100.0, 25.0])
        );
    }

    /// A brand's strengths written with slashes are its list, as the hyphenated form is: "A
    /// mg/B mg/C mg", "A mg / B mg / C mg", "AmgBmg" glued, "A/B/C mg" (review C-5).
    #[test]
    fn a_brands_strengths_joined_by_slashes_are_its_unnamed_list() {
        for text in [
            "Exforge HCT 10 mg/320 mg/25 mg oral tablet",
            "Exforge HCT 10 mg / 320 mg / 25 mg oral tablet",
            "Exforge HCT 10mg/320mg/25mg tablet",
            "EXFORGE HCT 10/320/25 MG tablet",
            "EXFORGE HCT 10-320-25 MG PO TABS",
        ] {
            assert_eq!(
                unnamed_strengths(text),
                Some(vec![10.0, 320.0, 25.0]),
                "{text}: {:?}",
                strengths(text)
            );
            assert_eq!(ingredient_mg(text, &["valsartan"]), None, "{text}");
        }
        assert_eq!(
            unnamed_strengths("Co-amilofruse 5mg/40mg tablets"),
            Some(vec![5.0, 40.0])
        );
        // Names listed before a slashed run are its ingredients, in order.
        let named = "amlodipine/valsartan 10 mg/320 mg tablet";
        assert_eq!(ingredient_mg(named, &["amlodipine"]), Some(10.0));
        assert_eq!(ingredient_mg(named, &["valsartan"]), Some(320.0));
        // RxNorm's wording names each strength; a unit per volume or time stays whole.
        let rxnorm = "amlodipine 10 MG / hydrochlorothiazide 25 MG / valsartan 320 MG Oral Tablet";
        assert_eq!(ingredient_mg(rxnorm, &["valsartan"]), Some(320.0));
        assert_eq!(unnamed_strengths(rxnorm), None);
        assert_eq!(
            concentration_mg_per_ml("Amoxicillin 250 mg/5 ml suspension"),
            Some(50.0)
        );
        assert_eq!(
            concentration_mg_per_ml("Amoxicillin 250 mg/5ml suspension"),
            Some(50.0)
        );
    }

    #[test]
    fn unnamed_combination_strengths_give_no_ingredient_a_dose() {
        let text = "Exforge HCT 10-320-25 mg";
        assert_eq!(strengths(text).len(), 3);
        assert!(strengths(text).iter().all(|s| s.ingredient.is_none()));
        assert_eq!(ingredient_mg(text, &["valsartan"]), None);
        assert_eq!(single_unit_mg("Sinemet 100 MG / 25 MG"), None);
        assert_eq!(ingredient_mg("Sinemet 100 MG / 25 MG", &["levodopa"]), None);
    }
}
