//! Identifier systems (the namespace of a patient's number): the spellings FHIR's identifier
//! registry declares to be one namespace, and what a patient's identifier says of itself (its
//! `use` and `type`), so that matching, naming and exporting read a number alike whichever
//! source wrote it.
//!
//! The registry is FHIR R4's (<http://hl7.org/fhir/R4/identifier-registry.html>, the
//! NamingSystem resources of `namingsystem-registry.json`): each namespace listed there with
//! both a URI and an OID `uniqueId` is one system, and a record converted from a CDA document
//! writes the OID (`urn:oid:2.16.840.1.113883.4.1`) where a FHIR server writes the URI
//! (`http://hl7.org/fhir/sid/us-ssn`). Left out on purpose: the Australian healthcare
//! identifiers (IHI, HPI-I and HPI-O share the OID 1.2.36.1.2001.1003.0, which therefore names
//! none of them alone), and the registry's patterns (`passport-[XXX]`), which name no one
//! system.

use serde::{Deserialize, Serialize};

/// (URI, OID) of each namespace of FHIR R4's identifier registry that has both.
const REGISTRY: [(&str, &str); 11] = [
    // United States: Social Security Number, Medicare number (HICN), Medicare Beneficiary
    // Identifier, National Provider Identifier.
    ("http://hl7.org/fhir/sid/us-ssn", "2.16.840.1.113883.4.1"),
    (
        "http://hl7.org/fhir/sid/us-medicare",
        "2.16.840.1.113883.4.572",
    ),
    ("http://hl7.org/fhir/sid/us-mbi", "2.16.840.1.113883.4.927"),
    ("http://hl7.org/fhir/sid/us-npi", "2.16.840.1.113883.4.6"),
    // England and Wales: NHS number.
    (
        "https://fhir.nhs.uk/Id/nhs-number",
        "2.16.840.1.113883.2.1.4.1",
    ),
    // The Netherlands: citizen service number (BSN), UZI numbers of a professional and of an
    // organisation, AGB code.
    (
        "http://fhir.nl/fhir/NamingSystem/bsn",
        "2.16.840.1.113883.2.4.6.3",
    ),
    (
        "http://fhir.nl/fhir/NamingSystem/uzi-nr-pers",
        "2.16.528.1.1007.3.1",
    ),
    (
        "http://fhir.nl/fhir/NamingSystem/uzi-nr-org",
        "2.16.528.1.1007.3.3",
    ),
    (
        "http://fhir.nl/fhir/NamingSystem/agb-z",
        "2.16.840.1.113883.2.4.6.1",
    ),
    // Australia: Medicare card number.
    (
        "http://ns.electronichealth.net.au/id/medicare-number",
        "1.2.36.1.5001.1.0.7.1",
    ),
    // GS1 Global Trade Item Number.
    ("https://www.gs1.org/gtin", "1.3.160"),
];

const OID_PREFIX: &str = "urn:oid:";

/// The OID a system names, when it is written as one (`urn:oid:` in any case, as URNs are
/// compared; or a bare dotted OID, which some converters write).
fn oid_of(system: &str) -> Option<&str> {
    let trimmed = system.trim();
    let oid = trimmed
        .get(..OID_PREFIX.len())
        .filter(|prefix| prefix.eq_ignore_ascii_case(OID_PREFIX))
        .map_or(trimmed, |_| &trimmed[OID_PREFIX.len()..]);
    (oid.contains('.') && oid.bytes().all(|b| b.is_ascii_digit() || b == b'.')).then_some(oid)
}

/// The one spelling refract keeps an identifier system in: the registry's URI for a namespace
/// written as its OID, `urn:oid:` in lower case for any other OID, any other system as given
/// (trimmed).
pub fn canonical(system: &str) -> String {
    let Some(oid) = oid_of(system) else {
        return system.trim().to_owned();
    };
    REGISTRY
        .iter()
        .find(|(_, known)| *known == oid)
        .map_or_else(
            || format!("{OID_PREFIX}{oid}"),
            |(uri, _)| (*uri).to_owned(),
        )
}

/// Every spelling of `system`'s namespace an older file may hold it under: itself, its
/// canonical spelling and, for a registered namespace, its OID written as a URN.
pub fn spellings(system: &str) -> Vec<String> {
    let canonical = canonical(system);
    let mut all = vec![system.to_owned(), canonical.clone()];
    if let Some((_, oid)) = REGISTRY.iter().find(|(uri, _)| *uri == canonical) {
        all.push(format!("{OID_PREFIX}{oid}"));
    }
    all.sort();
    all.dedup();
    all
}

/// The v2-0203 code of a medical record number.
const RECORD_NUMBER: &str = "MR";

/// The v2-0203 identifier types (<http://terminology.hl7.org/CodeSystem/v2-0203>) whose
/// numbers a family or a visit shares, so that two people may carry one: an insurance member
/// number (`MB`) and a subscriber number (`SN`), which a policy's dependants carry (a parent's
/// and a child's member numbers are one value on many plans), an account number (`AN`: a
/// guarantor's account covers a household) and a visit number (`VN`). An identifier of one of
/// these types is never matched on, and an export writes its type as stored, so that a file
/// made from it is not matched on it either. Left out on purpose: the social-security and
/// national numbers (`SS`, `NI`, `NH`), which name one person (a placeholder one two people
/// carry is found as it is met, see `store::imports`).
pub const SHARED_TYPES: [&str; 4] = ["MB", "SN", "AN", "VN"];

/// The extension an export writes on a Patient's identifier that refract matches no one on
/// (code `never`): a value two people were found to carry, or one whose source's type or
/// `use` says it names no one person (an insurance member number, an old number). Read back,
/// it is no key of the patient, so that a file made from the export keeps two such people
/// two.
pub const MATCH_URL: &str = "https://refract.dev/fhir/StructureDefinition/identifier-match";

/// The code of [`MATCH_URL`] that says an identifier names no one person.
pub const NEVER_MATCHED: &str = "never";

/// One identifier a patient is known by, as its source wrote it (R4 `Identifier`): what an
/// export writes back, so that a file made from it is matched by the sources' next feeds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientIdentifier {
    pub system: String,
    pub value: String,
    /// R4 `Identifier.use` (`usual`, `official`…), when written.
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub usage: Option<String>,
    /// R4 `Identifier.type`, when written.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<IdentifierType>,
}

/// R4 `Identifier.type`: a CodeableConcept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentifierType {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<TypeCoding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeCoding {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

impl IdentifierType {
    /// A medical record number (v2-0203 `MR`; the code is read under any system, as the
    /// import has always read it).
    pub fn is_record_number(&self) -> bool {
        self.coding
            .iter()
            .any(|coding| coding.code.as_deref() == Some(RECORD_NUMBER))
    }

    /// A number a family or a visit shares (see [`SHARED_TYPES`]).
    pub fn is_shared_kind(&self) -> bool {
        self.coding.iter().any(|coding| {
            coding
                .code
                .as_deref()
                .is_some_and(|code| SHARED_TYPES.contains(&code))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registered_oid_reads_as_its_uri_and_any_other_oid_keeps_one_spelling() {
        assert_eq!(
            canonical("urn:oid:2.16.840.1.113883.4.1"),
            "http://hl7.org/fhir/sid/us-ssn"
        );
        assert_eq!(
            canonical("URN:OID:2.16.840.1.113883.2.1.4.1"),
            "https://fhir.nhs.uk/Id/nhs-number"
        );
        assert_eq!(
            canonical("2.16.840.1.113883.4.6"),
            "http://hl7.org/fhir/sid/us-npi"
        );
        assert_eq!(canonical("URN:OID:1.2.3"), "urn:oid:1.2.3");
        assert_eq!(
            canonical("https://north.example/mrn"),
            "https://north.example/mrn"
        );
        assert_eq!(
            spellings("http://hl7.org/fhir/sid/us-ssn"),
            [
                "http://hl7.org/fhir/sid/us-ssn",
                "urn:oid:2.16.840.1.113883.4.1"
            ]
        );
    }
}
