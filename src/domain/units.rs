//! The units a dose or a strength is written in, read by meaning: every spelling and code of a
//! mass (milligrams, micrograms, grams) or a volume (millilitres, litres) that records use, put
//! in milligrams or millilitres. One place, so that a dose, a Medication's strength, a dosage's
//! text and the criteria read "250 microgram" (UK Core, dm+d), "250 μg" (a Greek mu), "250 µg"
//! (the micro sign) and UCUM's "ug" alike: a unit spelt out is no unknown unit.
//!
//! SNOMED CT writes units of measure as concepts (UK Core binds a dose's `Quantity.code` to
//! them, with `system` `http://snomed.info/sct`): the codes below are those of the units read
//! here (SNOMED CT "258684004 |milligram|", "258685003 |microgram|", "258682000 |gram|",
//! "258773002 |millilitre|", "258770004 |litre|"), and the dm+d units of presentation a count is
//! written in ("428673006 |tablet|", "428641000 |capsule|").

/// The system URI of SNOMED CT as a FHIR `Quantity.system`.
pub const SNOMED_CT: &str = "http://snomed.info/sct";

/// A unit written in any of its spellings, case, spaces and a closing full stop aside ("mg.",
/// "Milligrams"), with both micro signs (U+00B5 and the Greek mu U+03BC) read as one.
fn normalised(unit: &str) -> String {
    unit.trim()
        .trim_end_matches('.')
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| {
            if c == '\u{3bc}' || c == '\u{39c}' {
                'µ'
            } else {
                c
            }
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Milligrams in one of `unit`, when it is a mass: mg, g, mcg/µg/ug and their words.
pub fn mass_mg(unit: &str) -> Option<f64> {
    Some(match normalised(unit).as_str() {
        "mg" | "mgs" | "milligram" | "milligrams" | "milligramme" | "milligrammes" => 1.0,
        "g" | "gm" | "gms" | "gram" | "grams" | "gramme" | "grammes" => 1000.0,
        "mcg" | "mcgs" | "ug" | "µg" | "microgram" | "micrograms" | "microgramme"
        | "microgrammes" => 0.001,
        _ => return None,
    })
}

/// Millilitres in one of `unit`, when it is a volume: mL, L and their words.
pub fn volume_ml(unit: &str) -> Option<f64> {
    Some(match normalised(unit).as_str() {
        "ml" | "mls" | "millilitre" | "millilitres" | "milliliter" | "milliliters" | "cc" => 1.0,
        "l" | "litre" | "litres" | "liter" | "liters" => 1000.0,
        _ => return None,
    })
}

/// A unit of mass or volume in milligrams or millilitres: (`"mg"` or `"ml"`, the factor).
pub fn measured(unit: &str) -> Option<(&'static str, f64)> {
    mass_mg(unit)
        .map(|factor| ("mg", factor))
        .or_else(|| volume_ml(unit).map(|factor| ("ml", factor)))
}

/// The unit a SNOMED CT unit-of-measure concept names, as refract spells it (`mg`, `mcg`, `g`,
/// `mL`, `L`, and the counts `tablet`, `capsule`); `None` for a concept not listed here.
pub fn snomed_unit(code: &str) -> Option<&'static str> {
    Some(match code.trim() {
        "258684004" => "mg",
        "258685003" => "mcg",
        "258682000" => "g",
        "258773002" => "mL",
        "258770004" => "L",
        "428673006" => "tablet",
        "428641000" => "capsule",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::{mass_mg, measured, snomed_unit, volume_ml};

    #[test]
    fn every_spelling_of_a_mass_is_read_by_its_meaning() {
        for (unit, factor) in [
            ("mg", 1.0),
            ("MG", 1.0),
            ("milligram", 1.0),
            ("Milligrams", 1.0),
            ("g", 1000.0),
            ("gram", 1000.0),
            ("mcg", 0.001),
            ("ug", 0.001),
            ("\u{b5}g", 0.001),
            ("\u{3bc}g", 0.001),
            ("microgram", 0.001),
            ("micrograms", 0.001),
        ] {
            assert_eq!(mass_mg(unit), Some(factor), "{unit}");
        }
        for unit in ["millilitre", "milliliter", "mL", "ML"] {
            assert_eq!(volume_ml(unit), Some(1.0), "{unit}");
            assert_eq!(mass_mg(unit), None, "{unit}");
        }
        assert_eq!(measured("litre"), Some(("ml", 1000.0)));
        assert_eq!(measured("tablet"), None);
        assert_eq!(mass_mg("mg/d"), None);
    }

    #[test]
    fn snomed_ct_unit_codes_name_their_units() {
        assert_eq!(snomed_unit("258684004"), Some("mg"));
        assert_eq!(snomed_unit("258685003").and_then(mass_mg), Some(0.001));
        assert_eq!(snomed_unit("258682000").and_then(mass_mg), Some(1000.0));
        assert_eq!(snomed_unit("258773002").and_then(volume_ml), Some(1.0));
        assert_eq!(snomed_unit("123"), None);
    }
}
