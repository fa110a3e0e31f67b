//! Whether a unit as refract stores it is one UCUM writes (the export then gives UCUM's system
//! and code beside it): a unit of the records refract reads, not all of UCUM.

/// UCUM's code system (FHIR R4 Quantity.system).
pub const SYSTEM: &str = "http://unitsofmeasure.org";

/// Base units and special units UCUM writes as they are (case-sensitive, as UCUM's c/s codes).
const ATOMS: [&str; 31] = [
    "g", "L", "l", "mol", "eq", "Eq", "U", "[IU]", "[iU]", "m", "s", "min", "h", "d", "wk", "mo",
    "a", "Pa", "mm[Hg]", "%", "[pH]", "Cel", "[degF]", "kat", "osm", "cal", "[in_i]", "[lb_av]",
    "[ft_i]", "[oz_av]", "[drp]",
];

/// Prefixes UCUM puts before a metric unit.
const PREFIXES: [&str; 9] = ["k", "h", "d", "c", "m", "u", "n", "p", "f"];

/// Whether `unit` is a UCUM expression of terms joined by `/` and `.`: each a number ("1",
/// "10*9"), an annotation ("{score}"), or an atom with an optional prefix and exponent, an
/// annotation allowed after it ("{seizures}/mo", "mg/dL", "10*9/L", "/min"). Words ("per week",
/// "mg per day") and spaces are not.
pub fn is_unit(unit: &str) -> bool {
    let unit = unit.trim();
    if unit.is_empty() || unit.chars().any(char::is_whitespace) {
        return false;
    }
    let body = unit.strip_prefix('/').unwrap_or(unit);
    !body.is_empty() && terms(body).iter().all(|term| is_term(term))
}

/// The terms of an expression, split at `/` and `.` outside annotations.
fn terms(body: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut from = 0;
    for (at, c) in body.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            '/' | '.' if depth == 0 => {
                out.push(&body[from..at]);
                from = at + 1;
            }
            _ => {}
        }
    }
    out.push(&body[from..]);
    out
}

fn is_term(term: &str) -> bool {
    // An annotation after a term ("mg{total}") is words about it.
    let term = match term.find('{') {
        Some(0) => return term.ends_with('}') && !term[1..term.len() - 1].contains(['{', '}']),
        Some(at) if term.ends_with('}') => &term[..at],
        Some(_) => return false,
        None => term,
    };
    if term.is_empty() {
        return false;
    }
    if term.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    if let Some(power) = term
        .strip_prefix("10*")
        .or_else(|| term.strip_prefix("10^"))
    {
        return !power.is_empty()
            && power
                .trim_start_matches('-')
                .bytes()
                .all(|b| b.is_ascii_digit());
    }
    // An exponent after the atom ("m2", "s-1").
    let atom = term.trim_end_matches(|c: char| c.is_ascii_digit());
    let atom = atom.strip_suffix('-').unwrap_or(atom);
    ATOMS.contains(&atom)
        || PREFIXES.iter().any(|prefix| {
            atom.strip_prefix(prefix)
                .is_some_and(|rest| METRIC.contains(&rest))
        })
}

/// The atoms a prefix may stand before.
const METRIC: [&str; 10] = ["g", "L", "l", "mol", "eq", "Eq", "U", "m", "s", "Pa"];

#[cfg(test)]
mod tests {
    use super::is_unit;

    #[test]
    fn ucum_units_are_told_from_words() {
        for unit in [
            "/wk",
            "/mo",
            "/d",
            "{seizures}/mo",
            "mg/dL",
            "10*9/L",
            "mm[Hg]",
            "%",
            "/min",
            "{score}",
            "mmol/L",
            "kg/m2",
            "ug/L",
            "mL/min/{1.73_m2}",
            "g/L",
        ] {
            assert!(is_unit(unit), "{unit}");
        }
        for unit in [
            "per week",
            "per month",
            "mg per day",
            "",
            "times",
            "/fortnight",
            "mcg",
        ] {
            assert!(!is_unit(unit), "{unit}");
        }
    }
}
