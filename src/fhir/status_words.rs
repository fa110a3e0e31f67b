//! A resource's `status` as feeds write it (ST-7): read by its code whatever its case, spaces or
//! underscores, and said when it was not written as FHIR's code or is no status of its
//! resource at all.
//!
//! FHIR's status codes are case-sensitive lowercase words joined by hyphens, yet real feeds
//! send "Active", "COMPLETED", " stopped ", "Entered in error". Read only as written, such a
//! status matched nothing: an order "Entered-In-Error" or "Cancelled" became a drug given, a
//! statement "Not-Taken" an exposure, "Stopped" no stop. Every status the value sets hold is
//! one word of lowercase letters and hyphens, so a status trimmed, lowercased and with its spaces
//! and underscores made hyphens names one code or none: read as that code, with a warning
//! naming what was written. A status that is no code of its resource in R4 (nor in the older
//! versions refract reads) is read as no status, with a warning: never silently a fact, never
//! silently dropped.

use std::borrow::Cow;

use serde::Deserialize;

/// `written` as a status code: trimmed, lowercase, spaces and underscores made hyphens.
pub fn code_of(written: &str) -> Cow<'_, str> {
    let trimmed = written.trim();
    if trimmed
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b == b'-' || b.is_ascii_digit())
    {
        return Cow::Borrowed(trimmed);
    }
    Cow::Owned(
        trimmed
            .split(|c: char| c.is_whitespace() || c == '_' || c == '-')
            .filter(|part| !part.is_empty())
            .map(str::to_ascii_lowercase)
            .collect::<Vec<_>>()
            .join("-"),
    )
}

/// Deserializes a `status` as its code (see [`code_of`]).
pub fn status_word<'de, D>(deserializer: D) -> Result<Option<String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Ok(Option::<String>::deserialize(deserializer)?.map(|written| code_of(&written).into_owned()))
}

/// The status codes of a resource type that refract reads a status of: R4's value set, with
/// the codes of STU3 and DSTU2 read as such (STU3 Procedure `suspended`, `aborted`). `None` for
/// a type whose status refract does not read.
fn codes_of(resource_type: &str) -> Option<&'static [&'static str]> {
    Some(match resource_type {
        "MedicationRequest" => &[
            "active",
            "on-hold",
            "cancelled",
            "completed",
            "entered-in-error",
            "stopped",
            "draft",
            "unknown",
        ],
        "MedicationStatement" => &[
            "active",
            "completed",
            "entered-in-error",
            "intended",
            "stopped",
            "on-hold",
            "unknown",
            "not-taken",
        ],
        "MedicationAdministration" => &[
            "in-progress",
            "not-done",
            "on-hold",
            "completed",
            "entered-in-error",
            "stopped",
            "unknown",
        ],
        "MedicationDispense" => &[
            "preparation",
            "in-progress",
            "cancelled",
            "on-hold",
            "completed",
            "entered-in-error",
            "stopped",
            "declined",
            "unknown",
        ],
        "Medication" | "Device" => &["active", "inactive", "entered-in-error", "unknown"],
        "Observation" => &[
            "registered",
            "preliminary",
            "final",
            "amended",
            "corrected",
            "cancelled",
            "entered-in-error",
            "unknown",
        ],
        "DiagnosticReport" => &[
            "registered",
            "partial",
            "preliminary",
            "final",
            "amended",
            "corrected",
            "appended",
            "cancelled",
            "entered-in-error",
            "unknown",
        ],
        "Procedure" => &[
            "preparation",
            "in-progress",
            "not-done",
            "on-hold",
            "stopped",
            "completed",
            "entered-in-error",
            "unknown",
            "suspended",
            "aborted",
        ],
        "Encounter" => &[
            "planned",
            "arrived",
            "triaged",
            "in-progress",
            "onleave",
            "finished",
            "cancelled",
            "entered-in-error",
            "unknown",
        ],
        "QuestionnaireResponse" => &[
            "in-progress",
            "completed",
            "amended",
            "entered-in-error",
            "stopped",
        ],
        "DeviceUseStatement" => &[
            "active",
            "completed",
            "entered-in-error",
            "intended",
            "stopped",
            "on-hold",
        ],
        "ImagingStudy" => &[
            "registered",
            "available",
            "cancelled",
            "entered-in-error",
            "unknown",
        ],
        "CarePlan" => &[
            "draft",
            "active",
            "on-hold",
            "revoked",
            "completed",
            "entered-in-error",
            "unknown",
        ],
        "CareTeam" => &[
            "proposed",
            "active",
            "suspended",
            "inactive",
            "entered-in-error",
        ],
        "ResearchSubject" => &[
            "candidate",
            "eligible",
            "follow-up",
            "ineligible",
            "not-registered",
            "off-study",
            "on-study",
            "on-study-intervention",
            "on-study-observation",
            "pending-on-study",
            "potential-candidate",
            "screening",
            "withdrawn",
        ],
        _ => return None,
    })
}

/// The warning a resource's status needs: written otherwise than its code ("COMPLETED": read
/// as `completed`), or no status of its resource type. `None` when it is a code as written, or
/// there is none, or refract reads no status of the type.
///
/// Most resources write their status as a code: the JSON is scanned for the values of its
/// `status` keys first, and parsed for its own (top-level) status only when one of them is not
/// a code of the type as written (a nested `status`, an Encounter's location's, may be).
pub fn warning(resource_type: &str, json: &str) -> Option<String> {
    let codes = codes_of(resource_type)?;
    if scanned_statuses(json).all(|value| value.is_some_and(|v| codes.contains(&v))) {
        return None;
    }
    let top: Top = serde_json::from_str(json).ok()?;
    let written = top.status?;
    let Some(written) = written.as_str() else {
        return Some(format!(
            "its status is not a code ({written}): read as a record of no status"
        ));
    };
    let code = code_of(written);
    if codes.contains(&code.as_ref()) {
        return (code != written).then(|| {
            format!(
                "its status '{written}' is not written as FHIR's code (codes are \
                 case-sensitive): read as '{code}'"
            )
        });
    }
    Some(format!(
        "its status '{written}' is no {resource_type} status of FHIR: not understood, the record \
         is read as if it had no status (ask the source what it means)"
    ))
}

/// A resource's own status, whatever shape it was written in.
#[derive(Deserialize)]
struct Top {
    status: Option<serde_json::Value>,
}

/// The values of every `"status": "…"` in `json` (nested ones too), each `None` when it is no
/// plain string (escaped, or not a string).
fn scanned_statuses(json: &str) -> impl Iterator<Item = Option<&str>> {
    json.match_indices("\"status\"").map(move |(at, key)| {
        let rest = json[at + key.len()..].trim_start();
        let rest = rest.strip_prefix(':')?.trim_start();
        let rest = rest.strip_prefix('"')?;
        let end = rest.find('"')?;
        let value = &rest[..end];
        (!value.contains('\\')).then_some(value)
    })
}

#[cfg(test)]
mod tests {
    use super::code_of;

    #[test]
    fn a_status_is_read_by_its_code_whatever_its_case_spaces_or_underscores() {
        for (written, code) in [
            ("active", "active"),
            ("Active", "active"),
            ("COMPLETED", "completed"),
            (" stopped ", "stopped"),
            ("Entered-In-Error", "entered-in-error"),
            ("entered in error", "entered-in-error"),
            ("ON_HOLD", "on-hold"),
            ("Not Taken", "not-taken"),
            ("on-study-intervention", "on-study-intervention"),
            ("discontinued", "discontinued"),
        ] {
            assert_eq!(code_of(written), code, "{written:?}");
        }
    }
}
