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

/// The digit a superscript digit writes, for exponents written as such ("10⁹").
fn superscript_digit(c: char) -> Option<char> {
    let digit = match c {
        '⁰' => '0',
        '¹' => '1',
        '²' => '2',
        '³' => '3',
        '⁴' => '4',
        '⁵' => '5',
        '⁶' => '6',
        '⁷' => '7',
        '⁸' => '8',
        '⁹' => '9',
        _ => return None,
    };
    Some(digit)
}

/// A count's unit as refract compares it (see [`crate::rules::recovery`]'s `per_unit`): without
/// case, spaces or UCUM annotations, µ as u, ^ as *, a leading "x" dropped, and the spellings
/// laboratories print (superscript or bracketed exponents, mcL, cmm, K, Thous, x1000) as UCUM
/// writes them: "x10(3)/mcL" is "10*3/ul".
pub fn count_unit(unit: &str) -> String {
    let mut out = String::with_capacity(unit.len());
    let mut depth = 0usize;
    let mut chars = unit.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            // An exponent after a space ("X10 3/uL", as some laboratory systems print 10^3):
            // read as one, not as the number 103.
            _ if depth == 0
                && c.is_whitespace()
                && out.ends_with("10")
                && chars.peek().is_some_and(char::is_ascii_digit) =>
            {
                out.push('*');
            }
            _ if depth > 0 || c.is_whitespace() => {}
            'µ' | 'μ' => out.push('u'),
            '^' => out.push('*'),
            _ => match superscript_digit(c) {
                // An exponent: "10⁹" is "10*9", "mm³" is "mm3".
                Some(digit) => {
                    if out.ends_with("10") {
                        out.push('*');
                    }
                    out.push(digit);
                }
                None => out.extend(c.to_lowercase()),
            },
        }
    }
    // Longer spellings first: "microliter" before "mcl", "cumm" (cubic millimetre) whole.
    for (spelling, symbol) in [
        ("microliters", "ul"),
        ("microliter", "ul"),
        ("microlitres", "ul"),
        ("microlitre", "ul"),
        ("mcl", "ul"),
        ("cumm", "mm3"),
        ("cmm", "mm3"),
        ("giga", "g"),
        ("thousands", "thou"),
        ("thousand", "thou"),
        ("thous", "thou"),
    ] {
        out = out.replace(spelling, symbol);
    }
    // An exponent in brackets ("x10(3)/mcL", Cerner's) or after an E ("10E9/L").
    for digit in ['3', '6', '9'] {
        out = out
            .replace(&format!("10({digit})"), &format!("10*{digit}"))
            .replace(&format!("10e{digit}"), &format!("10*{digit}"));
    }
    let out = match out.strip_prefix(['x', '×']) {
        Some(rest) if rest.starts_with("10") => rest.to_owned(),
        _ => out,
    };
    // A thousand per volume, however written ("K/mm3", "thou/uL", "x1000/uL"), is 10^3 of it.
    for thousand in ["k/", "thou/", "1000/"] {
        if let Some(per) = out.strip_prefix(thousand) {
            return format!("10*3/{per}");
        }
    }
    out
}

/// Whether a count in `unit` is of whole cells per microlitre (per µL, per mm³, "{cells}/uL",
/// per 10⁶/L), with no power of ten or thousand before it: such a count is a whole number of
/// cells, never written to three decimals, so "1.800/µl" (as German and other European
/// laboratories write 1 800) can only be 1 800 cells, where "1.800 x10^9/L" could be either.
pub fn counts_whole_cells(unit: &str) -> bool {
    let unit = count_unit(unit);
    let per = unit.strip_prefix("cells").unwrap_or(&unit);
    matches!(per, "/ul" | "/mm3" | "10*6/l")
}

#[cfg(test)]
mod tests {
    use super::{count_unit, counts_whole_cells, mass_mg, measured, snomed_unit, volume_ml};

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

    #[test]
    fn units_are_compared_as_written_and_as_ucum_codes_them() {
        assert_eq!(count_unit("x10^9/L"), "10*9/l");
        assert_eq!(count_unit("10*9/L"), "10*9/l");
        assert_eq!(count_unit("× 10^3/µL"), "10*3/ul");
        assert_eq!(count_unit("{cells}/uL"), "/ul");
        assert_eq!(count_unit("/mm3"), "/mm3");
        assert_eq!(count_unit("mmol/L"), "mmol/l");
        assert_eq!(count_unit("x10(3)/mcL"), "10*3/ul");
        assert_eq!(count_unit("X10 3/uL"), "10*3/ul");
        assert_eq!(count_unit("Thous/uL"), "10*3/ul");
        assert_eq!(count_unit("x1000/uL"), "10*3/ul");
        assert_eq!(count_unit("K/mm3"), "10*3/mm3");
        assert_eq!(count_unit("/cmm"), "/mm3");
        assert_eq!(count_unit("10E9/L"), "10*9/l");
    }

    #[test]
    fn only_a_count_of_cells_per_microlitre_counts_whole_cells() {
        for unit in [
            "/µl",
            "/uL",
            "/mcL",
            "/mm3",
            "/cmm",
            "{cells}/uL",
            "cells/µL",
            "x10^6/L",
        ] {
            assert!(counts_whole_cells(unit), "{unit}");
        }
        for unit in [
            "x10^9/L", "10^3/µL", "K/uL", "Thous/uL", "G/L", "/nL", "%", "mg/dL", "",
        ] {
            assert!(!counts_whole_cells(unit), "{unit}");
        }
    }
}
