//! Routes of administration that change what a drug record means to the criteria: a drug given
//! into the cerebrospinal fluid (intrathecally, into a cerebral ventricle or the cisterna magna)
//! is CNS-directed therapy, such as the CNS prophylaxis given beside R-CHOP, not a systemic
//! treatment of the disease; a drug put where it acts (a cream on the skin, drops into the eye)
//! is no systemic course of it either (see [`given_locally`]).
//!
//! Where this lives: here, in the domain, not in `assets/drugs.toml`. What a route means is the
//! same for every drug (methotrexate, cytarabine, hydrocortisone, rituximab given intrathecally),
//! so it is no per-ingredient knowledge; and both the FHIR import (which keeps such doses apart
//! from the systemic course of the same drug) and the rules (which read no line, regimen or trial
//! from them) need the one same reading.

use super::canonical_system;

const SNOMED: &str = "http://snomed.info/sct";
const EDQM: [&str; 2] = [
    "http://standardterms.edqm.eu",
    "urn:oid:0.4.0.127.0.16.1.1.2.1",
];
const HL7_V3_ROUTE: [&str; 2] = [
    "http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration",
    "urn:oid:2.16.840.1.113883.5.112",
];

/// The words of a CNS-directed route coded without words, for the codes that say so:
/// SNOMED CT 72607000 "Intrathecal route", 420719007 "Intracerebroventricular route" and
/// 418892005 "Intracisternal route"; EDQM Standard Terms 20042000 "Intrathecal use" and
/// 20080000 "Intracerebroventricular use"; HL7 v3 RouteOfAdministration `IT` and `ITINJ`
/// (intrathecal infusion and injection) and `IVENTCERE` (intracerebroventricular).
///
/// EDQM 20045000 is "Intravenous use", not intrathecal (an earlier table had it so, which would
/// have taken every intravenous dose coded by EDQM alone for CNS-directed); SNOMED CT 418091004
/// is "Intratympanic route" and 420287000 "Intraventricular route - cardiac": none of them is
/// read here.
pub fn coded_cns_route(system: &str, code: &str) -> Option<&'static str> {
    let system = canonical_system(system).trim().trim_end_matches('/');
    let code = code.trim();
    if system == SNOMED {
        return match code {
            "72607000" => Some("Intrathecal route"),
            "420719007" => Some("Intracerebroventricular route"),
            "418892005" => Some("Intracisternal route"),
            _ => None,
        };
    }
    if EDQM.contains(&system) {
        return match code {
            "20042000" => Some("Intrathecal use"),
            "20080000" => Some("Intracerebroventricular use"),
            _ => None,
        };
    }
    if HL7_V3_ROUTE.contains(&system) {
        return match code {
            "IT" | "ITINJ" => Some("Intrathecal use"),
            "IVENTCERE" => Some("Intracerebroventricular use"),
            _ => None,
        };
    }
    None
}

/// Whether a drug record given by `route` (as recorded, if at all) with this `text` (its
/// product's name) went into the spinal fluid. A route that says so, or says another way of
/// giving ("Subcutaneous use", "IV"), decides; a route that names none ("Injection") or no
/// route leaves it to the text, which says so only when it names a CNS route and no other:
/// "Methotrexate 12 mg intrathecal" was given so, while a product's name listing intrathecal
/// among its uses ("injection (IV, IM, SC or intrathecal)", the review's case: a weekly
/// subcutaneous methotrexate for RA was read as CNS-directed and its trial lost) says what it
/// may be given by, not how it was.
pub fn given_cns_directed(route: Option<&str>, text: &str) -> bool {
    match route {
        Some(route) if is_cns_directed(route) => true,
        Some(route) if names_systemic_route(route) => false,
        _ => is_cns_directed(text) && !names_systemic_route(text),
    }
}

/// Whether words name a way of giving a drug into the body at large: into a vein, a muscle or
/// under the skin, or by mouth.
fn names_systemic_route(words: &str) -> bool {
    let lower = words.to_lowercase();
    lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|token| !token.is_empty())
        .any(|token| {
            matches!(token, "iv" | "im" | "sc" | "sq" | "po" | "oral" | "orally")
                || ["intraven", "intramusc", "subcut"]
                    .iter()
                    .any(|stem| token.starts_with(stem))
        })
}

/// Whether words (a route's) name a way of giving no infusion runs by: into a muscle or under
/// the skin, by mouth, nose, cheek, tongue or rectum, on the skin, inhaled ("Intramuscular
/// route", "IM", "PO", "buccal", "intranasal"). A drug given so over a period is a dose, or
/// doses, charted with a start and an end, never an infusion.
pub fn is_no_infusion_route(words: &str) -> bool {
    let lower = words.trim().to_lowercase();
    let letters: String = lower.chars().filter(|c| c.is_alphanumeric()).collect();
    if matches!(
        letters.as_str(),
        "im" | "po" | "sc" | "sq" | "sl" | "pr" | "in" | "subcut" | "inh"
    ) {
        return true;
    }
    [
        "intramuscular",
        "subcutaneous",
        "oral",
        "by mouth",
        "nasal",
        "buccal",
        "sublingual",
        "oromucosal",
        "rectal",
        "transdermal",
        "topical",
        "cutaneous",
        "inhal",
        "gastric",
    ]
    .iter()
    .any(|route| lower.contains(route))
}

/// Whether words (a route's, or a drug record's text) say the drug is worn on the skin and
/// delivered through it: "Transdermal route", "clonidine 0.3 MG/24HR Weekly Transdermal
/// System", "nicotine patch". Such a product releases an amount a day (its rate per 24 hours)
/// for as long as it is worn: its dose is that amount a day, never an infusion's rate.
pub fn is_transdermal(words: &str) -> bool {
    let lower = words.to_lowercase();
    lower.contains("transdermal")
        || lower
            .split(|c: char| !c.is_alphanumeric())
            .any(|word| matches!(word, "patch" | "patches"))
}

/// Whether words (a route's, or a drug record's text) say the drug went into the spinal fluid
/// or the brain's ventricles: "Intrathecal route", "intrathekal", "i.t.", "IT", "ICV",
/// "intraventricular (Ommaya reservoir)", "intracisternal", "subarachnoid".
///
/// Abbreviations count only as the whole of the words ("IT", "I.T.", "ICV"): inside a longer
/// text they are too often something else. "Intraventricular" alone is read as cerebral (what a
/// drug is given into a ventricle for, in the records refract reads), unless the words also say
/// the heart ("Intraventricular route - cardiac").
pub fn is_cns_directed(words: &str) -> bool {
    let lower = words.trim().to_lowercase();
    let letters: String = lower.chars().filter(|c| c.is_alphanumeric()).collect();
    if matches!(letters.as_str(), "it" | "icv" | "ith" | "itinj") {
        return true;
    }
    let tokens: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|token| !token.is_empty())
        .collect();
    let cardiac = tokens
        .iter()
        .any(|token| token.starts_with("cardi") || *token == "heart");
    tokens.iter().any(|token| {
        [
            "intrathec",
            "intrathéc",
            "intrathek",
            "intratec",
            "intracerebroventric",
            "intracisternal",
        ]
        .iter()
        .any(|stem| token.starts_with(stem))
            || matches!(*token, "subarachnoid" | "ommaya")
            || (token.starts_with("intraventric") && !cardiac)
    })
}

/// The words of a route coded without words that puts a drug where it acts, not into the body
/// at large: SNOMED CT 6064005 "Topical route", 54485002 "Ophthalmic route", 10547007 "Otic
/// route".
pub fn coded_local_route(system: &str, code: &str) -> Option<&'static str> {
    if canonical_system(system).trim().trim_end_matches('/') != SNOMED {
        return None;
    }
    match code.trim() {
        "6064005" => Some("Topical route"),
        "54485002" => Some("Ophthalmic route"),
        "10547007" => Some("Otic route"),
        _ => None,
    }
}

/// Whether a drug record given by `route` (as recorded, if at all) with this `text` (its
/// product's name) was put where it acts (on the skin, into the eye or the ear), not into the
/// body at large: diltiazem cream for a fissure, timolol eye drops. It is no systemic course of
/// the drug: no class given (diltiazem cream is no calcium channel blocker given for blood
/// pressure), and its stop is no stop of the drug by mouth.
///
/// A route that says so ("Topical", "Cutaneous use", "Ophthalmic", "Otic", "eye", "ear")
/// decides, unless it or the name says through the skin ("Transdermal", a patch: it delivers
/// the drug to the body); a route naming another way (by mouth, into a vein, rectal, nasal, inhaled) decides it
/// is not, except where the product's name names a cream or an ointment (diltiazem 2% ointment
/// put into the rectum acts there). With no route, the name decides: a cream, an ointment, a
/// lotion, eye or ear drops, an eye ointment. A choice: a gel is not read as local by its name
/// (diazepam rectal gel, testosterone gel are given for the body), nor a patch.
pub fn given_locally(route: Option<&str>, text: &str) -> bool {
    let local_form = names_local_form(text);
    match route {
        Some(route) if is_transdermal(route) || is_transdermal(text) => false,
        Some(route) if names_local_route(route) => true,
        Some(route) if !route.trim().is_empty() => {
            local_form && !names_systemic_route(route) && !given_by_mouth(Some(route), "")
        }
        _ => local_form,
    }
}

/// Whether route words name the skin, the eye or the ear.
fn names_local_route(words: &str) -> bool {
    let lower = words.to_lowercase();
    lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|token| !token.is_empty())
        .any(|token| {
            matches!(
                token,
                "topical" | "topically" | "cutaneous" | "skin" | "eye" | "eyes" | "ear" | "ears"
            ) || [
                "ophthalm",
                "ocular",
                "otic",
                "auricular",
                "conjunctiv",
                "dermal",
                "epicutan",
            ]
            .iter()
            .any(|stem| token.starts_with(stem))
        })
        && !is_transdermal(words)
}

/// Whether a product's name names a form put where it acts: "cream", "ointment", "lotion",
/// "eye drops", "ear drops", "ophthalmic", "otic".
fn names_local_form(text: &str) -> bool {
    let lower = text.to_lowercase();
    let tokens: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|token| !token.is_empty())
        .collect();
    tokens.iter().enumerate().any(|(at, token)| {
        matches!(
            *token,
            "cream"
                | "creams"
                | "ointment"
                | "ointments"
                | "lotion"
                | "ophthalmic"
                | "otic"
                | "topical"
                | "cutaneous"
        ) || (matches!(*token, "eye" | "ear")
            && tokens
                .get(at + 1)
                .is_some_and(|next| next.starts_with("drop") || next.starts_with("ointment")))
    }) && !is_transdermal(text)
}

/// Whether a drug was taken by mouth: its route says so, else (no route recorded) its name
/// names an oral form. Sublingual, buccal and oromucosal forms are not swallowed.
pub fn given_by_mouth(route: Option<&str>, text: &str) -> bool {
    let words = |text: &str| -> Vec<String> {
        text.to_ascii_lowercase()
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|word| !word.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let absorbed_in_mouth = |words: &[String]| {
        words.iter().any(|word| {
            matches!(
                word.as_str(),
                "sublingual" | "buccal" | "oromucosal" | "orodispersible" | "sl"
            )
        })
    };
    if let Some(route) = route {
        let route = words(route);
        return !absorbed_in_mouth(&route)
            && route.iter().any(|word| {
                matches!(
                    word.as_str(),
                    "oral" | "po" | "mouth" | "enteral" | "nasogastric" | "gastrostomy"
                )
            });
    }
    let name = words(text);
    !absorbed_in_mouth(&name)
        && name.iter().any(|word| {
            matches!(
                word.as_str(),
                "oral" | "tablet" | "tablets" | "tab" | "capsule" | "capsules"
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cream_or_drops_where_they_act_are_local_and_a_patch_or_a_gel_for_the_body_is_not() {
        assert!(given_locally(Some("Topical route"), "Diltiazem 2% cream"));
        assert!(given_locally(None, "Diltiazem 2% cream"));
        assert!(given_locally(Some("Rectal"), "Diltiazem 2% ointment"));
        assert!(given_locally(None, "Timolol 0.5% eye drops"));
        assert!(given_locally(Some("Ophthalmic"), "timolol 5 MG/ML"));
        assert!(!given_locally(Some("Transdermal"), "Clonidine patch"));
        assert!(!given_locally(
            Some("Topical"),
            "clonidine 0.1 MG/24HR Transdermal System"
        ));
        assert!(!given_locally(Some("Rectal"), "Diazepam rectal gel"));
        assert!(!given_locally(None, "Testosterone gel"));
        assert!(!given_locally(Some("Oral"), "Diltiazem 120 mg capsule"));
        assert!(!given_locally(Some("Oral"), "cream of tartar"));
        assert!(!given_locally(None, "Diltiazem 120 mg capsule"));
    }

    /// A route that names one decides; a product's name listing intrathecal among its uses is
    /// no intrathecal dose (the review's case: weekly subcutaneous methotrexate for RA).
    #[test]
    fn a_route_decides_and_a_name_listing_uses_is_no_route() {
        let listing =
            "Methotrexate 25 mg/mL injection, preservative-free (IV, IM, SC or intrathecal)";
        assert!(!given_cns_directed(None, listing));
        assert!(!given_cns_directed(Some("Subcutaneous use"), listing));
        assert!(!given_cns_directed(Some("Injection"), listing));
        assert!(!given_cns_directed(
            Some("Intravenous"),
            "Methotrexate intrathecal"
        ));
        assert!(given_cns_directed(Some("Intrathecal route"), listing));
        assert!(given_cns_directed(None, "Methotrexate 12 mg intrathecal"));
        assert!(given_cns_directed(
            Some("Injection"),
            "Methotrexate intrathecal"
        ));
        assert!(given_cns_directed(Some("IT"), "Cytarabine 50 mg"));
    }

    #[test]
    fn route_words_of_the_spinal_fluid_and_the_ventricles_are_cns_directed() {
        for words in [
            "Intrathecal route",
            "intrathecal use",
            "Intrathecally",
            "intrathekal",
            "Voie intrathécale",
            "IT",
            "I.T.",
            "ICV",
            "Intracerebroventricular route (qualifier value)",
            "intraventricular via Ommaya reservoir",
            "Intracisternal route",
            "methotrexate 12 mg intrathecal",
        ] {
            assert!(is_cns_directed(words), "{words}");
        }
        for words in [
            "Intravenous route",
            "oral",
            "IV",
            "Intraventricular route - cardiac",
            "Intratympanic route",
            "Methotrexate 2.5 MG Oral Tablet",
            "Injection, intramuscular",
            "",
        ] {
            assert!(!is_cns_directed(words), "{words}");
        }
    }

    #[test]
    fn cns_route_codes_are_read_and_intravenous_ones_are_not() {
        assert_eq!(
            coded_cns_route(SNOMED, "72607000"),
            Some("Intrathecal route")
        );
        assert!(coded_cns_route(SNOMED, "420719007").is_some());
        assert!(coded_cns_route("http://standardterms.edqm.eu", "20042000").is_some());
        assert!(coded_cns_route("urn:oid:0.4.0.127.0.16.1.1.2.1", "20080000").is_some());
        assert!(coded_cns_route(HL7_V3_ROUTE[0], "ITINJ").is_some());
        assert_eq!(
            coded_cns_route("http://standardterms.edqm.eu", "20045000"),
            None
        );
        assert_eq!(coded_cns_route(SNOMED, "418091004"), None);
        assert_eq!(coded_cns_route(SNOMED, "47625008"), None);
    }
}
