//! What refract's FHIR export says beyond what FHIR R4 and mCODE have elements for, so that a
//! file made from the export reads back as the same record; and how the import reads it. Each
//! choice keeps what another FHIR reader sees true, and puts what only refract keeps in
//! refract's own extensions (`https://refract.dev/fhir/…`), which other readers may ignore:
//!
//! - A drug known to have been given at least until a day, its end not recorded
//!   (`DatesKnown::EndUnknown`: a stopped order with no end date, monthly renewals of which
//!   the last is stopped): `effectivePeriod.start` with no end, and a status of `completed` or
//!   `stopped`, which says "no longer taken, since when not recorded"; the day goes in
//!   `given-at-least-until` (`valueDateTime`). Not `effectivePeriod.end`: a reader would take
//!   it for the day the drug stopped and count a course of that length, which the source never
//!   said. Not `dateAsserted` either: that is when the statement was made.
//! - A drug known from pharmacy fills (`DatesKnown::Dispensed`: a MedicationDispense, or fills
//!   of one drug joined): `effectivePeriod` over the supply, which another reader rightly
//!   reads as the time the drug was taken, and `dates-known` (`valueCode` `dispensed`) so that
//!   refract reads it back as known from fills. Not rewritten as MedicationDispenses: the
//!   exposure is the joined fills, and one made-up dispense of its length would be a fill no
//!   pharmacy made.
//! - The role a drug played (first-line bolus, anaesthetic infusion, maintenance, as needed):
//!   `drug-role` (`valueCode`, refract's machine names); FHIR has no element for it (a drug
//!   taken as needed also says so in `dosage.asNeededBoolean`).
//! - Where a dose a day refract worked out came from (a fill's from its order, quantity ×
//!   strength ÷ days supply, a ward's day total): `dose-from` (`valueCode`, refract's machine
//!   names), so that the evidence read back still says the dose was derived (review R9-7).
//! - Cycles given: `cycles` (`valueInteger`). `dosage.timing.repeat.count` would need the
//!   cycle's length, which refract does not keep, and reads as cycles planned. Doses given one
//!   at a time are kept as one exposure a cycle, not dose by dose: each is one
//!   MedicationStatement over its cycle (with its route, `dosage.route`), never made-up
//!   MedicationAdministrations.
//! - A drug record that ended with no word that the drug stopped (`DrugExposure::said_stopped`
//!   false): status `completed` says that course ended, and `given-as` says it is no statement
//!   that the drug stopped ("no longer being taken" is what R4 makes of a statement
//!   `completed`), so that refract reads it back as it read the source, which never cut another
//!   record of the drug (ward doses of a drug taken at home, or the five-day ward order they
//!   were given on, read back as statements `completed` stopped the home drug). Its code says
//!   what the record was: `doses` for doses given or handed over (a cycle of doses given one at
//!   a time, a completed order's cycles, pharmacy fills), `course` for any other course that
//!   ended (a request `completed`, a statement with an end date, a dose period ended by the
//!   next dose); both are read back alike. A record whose source said the drug stopped goes out
//!   with no `given-as`, and reads back as the stop it was.
//! - A stop reason: `statusReason` (and the mCODE termination reason) with refract's own code
//!   first, then the SNOMED CT code `assets/stop_reasons.toml` reads back as the same reason;
//!   words nothing understood are written as they are, as text alone.
//! - A treatment line the team entered or corrected (FHIR has no line of therapy): a CarePlan
//!   of category `line-of-therapy` (refract's codes) over the line's period, titled with its
//!   regimen, which the line's drug statements are `basedOn`; every field of the line is in
//!   its `line-of-therapy` extension (number, regimen, intent, cycles, best response and its
//!   date, progression date, stop reason, and each drug with its statement). The best
//!   response is there only: it is the best of the line's assessments, not an assessment made
//!   on a day (mCODE has no best-response profile; written as a dated disease-status
//!   Observation it was read back as a new assessment, after the progression it then
//!   refuted). A progression date is also written as an mCODE disease-status Observation
//!   ("worsened") on that day for other readers, tagged `line-outcome`: refract reads it with
//!   its line, never as an assessment of its own. Lines refract derived are not written: the
//!   import derives them again from the drugs, as refract did.
//!
//! - Where a record came from (review OC-6): `origin` on each Condition, Procedure,
//!   Observation and AllergyIntolerance read from one resource of a source, with its parts
//!   `source` (the source's name or server, absent for the unnamed local source), `id` (the
//!   resource's id there) and `subject` (the Patient id it was filed under there); and on the
//!   Patient, one `origin` per Patient id a source knows them by (`source`, `id`). The import
//!   keeps such a record under that source and id, and knows the patient by those Patient ids,
//!   so that the source's own next export updates the record instead of adding a copy.
//!   A record read from a resource of another type (a report's or a form's readings, a device
//!   in use, a Device affixed to the patient, or a study place written as a Procedure) says that type in `type` (`valueCode`);
//!   one of several rows a resource gave (a blood-pressure panel's two readings, a report's
//!   procedure and reading, a form's scores) says which in `part` (`valueInteger`, from 1):
//!   each part is kept under the resource's id, `#` and its part, which no FHIR id holds, and
//!   the source's own next version of the resource, or its removal, takes the parts out as it
//!   takes their place (review OC-11). The team shown goes out as a CareTeam with the origin
//!   of the CareTeam that named it, so that the source's withdrawal of it is met (review
//!   OC-13). A drug's course (a MedicationStatement) carries the origin of its first record:
//!   a course joined from several orders is kept under the first, whose own next version takes
//!   its place, the renewals joining it again as they did at the source; unless a line the
//!   team entered names its statement, which that line finds by the statement's id.
//!
//! A line read back is `LineOrigin::Imported`: no one in the file that imports it entered it,
//! and it is replaced, not added again, when a newer export is imported.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::datetime::parse_datetime;
use super::model::{self, Extension};
use crate::domain::{
    DatesKnown, Dose, DoseFrom, DrugRole, Intent, LineDrug, LineOrigin, Response, StopReason,
    TreatmentLine,
};

/// What every extension and code system of refract's starts with: a resource carrying it was
/// written by refract.
pub const REFRACT_FHIR_BASE: &str = "https://refract.dev/fhir/";

/// Where a record came from: its source, its id there, and the Patient id it was filed under
/// there (see the module's notes).
pub const ORIGIN_URL: &str = "https://refract.dev/fhir/StructureDefinition/origin";

/// A resource's place in the source it was first imported from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The source's name or server; empty for the unnamed local source.
    pub source: String,
    pub id: String,
    /// The Patient id it was filed under there (none on a Patient's own origin).
    pub subject: Option<String>,
    /// The resource's type there, when it is not the type it is written as (review OC-11).
    pub resource_type: Option<String>,
    /// Which of the rows its resource gave it is, when it gave several (review OC-11).
    pub part: Option<u32>,
}

#[derive(Deserialize)]
struct Extended {
    #[serde(default)]
    extension: Vec<Extension>,
}

/// The origins a resource's JSON carries (see [`ORIGIN_URL`]); none when it carries none, or
/// one without an id. Only the resource's own top-level extensions are read.
pub fn origins_of(json: &str) -> Vec<Origin> {
    if !json.contains(ORIGIN_URL) {
        return Vec::new();
    }
    let Ok(extended) = serde_json::from_str::<Extended>(json) else {
        return Vec::new();
    };
    extended
        .extension
        .iter()
        .filter(|extension| extension.url.as_deref() == Some(ORIGIN_URL))
        .filter_map(|extension| {
            let part = |name: &str| {
                extension
                    .extension
                    .iter()
                    .find(|part| part.url.as_deref() == Some(name))
                    .and_then(|part| part.value_string.as_deref())
                    .map(str::trim)
                    .filter(|value| !value.is_empty())
                    .map(str::to_owned)
            };
            let whole = |name: &str| {
                extension
                    .extension
                    .iter()
                    .find(|part| part.url.as_deref() == Some(name))
            };
            Some(Origin {
                source: part("source").unwrap_or_default(),
                id: part("id")?,
                subject: part("subject"),
                resource_type: whole("type")
                    .and_then(|part| part.value_code.as_deref())
                    .map(str::trim)
                    .filter(|kind| !kind.is_empty())
                    .map(str::to_owned),
                part: whole("part")
                    .and_then(|part| part.value_integer)
                    .and_then(|n| u32::try_from(n).ok())
                    .filter(|n| *n > 0),
            })
        })
        .collect()
}

/// A treatment line (on its CarePlan and on each of its drug statements).
pub const LINE_URL: &str = "https://refract.dev/fhir/StructureDefinition/line-of-therapy";
/// The last day a drug whose end is not recorded is known to have been given.
pub const GIVEN_UNTIL_URL: &str =
    "https://refract.dev/fhir/StructureDefinition/given-at-least-until";
/// Where a drug's period is known from (`DatesKnown`'s machine names; only `dispensed` is
/// written).
pub const DATES_URL: &str = "https://refract.dev/fhir/StructureDefinition/dates-known";
/// The role a drug played (`DrugRole`'s machine names).
pub const ROLE_URL: &str = "https://refract.dev/fhir/StructureDefinition/drug-role";
/// Where a dose a day refract worked out came from (`DoseFrom`'s machine names): the dose
/// written beside it reads as stated otherwise, and the evidence would no longer say it was
/// derived.
pub const DOSE_FROM_URL: &str = "https://refract.dev/fhir/StructureDefinition/dose-from";
/// Cycles of a drug given.
pub const CYCLES_URL: &str = "https://refract.dev/fhir/StructureDefinition/cycles";
/// A drug record that ended with no word that the drug stopped: doses given or handed over
/// ([`GIVEN_AS_DOSES`]), or another course that ended ([`GIVEN_AS_COURSE`]).
pub const GIVEN_AS_URL: &str = "https://refract.dev/fhir/StructureDefinition/given-as";
pub const GIVEN_AS_DOSES: &str = "doses";
pub const GIVEN_AS_COURSE: &str = "course";
/// refract's stop reasons (`StopReason`'s machine names).
pub const STOP_REASON_CODES: &str = "https://refract.dev/fhir/CodeSystem/stop-reason";
/// The category of a line's CarePlan, and the tag of what the export restates of a line.
pub const LINE_CODES: &str = "https://refract.dev/fhir/CodeSystem/line-of-therapy";
pub const LINE_CATEGORY: &str = "line-of-therapy";
pub const LINE_OUTCOME_TAG: &str = "line-outcome";

/// A line read from its CarePlan: the line (its drugs not yet linked to exposures) and, for
/// each drug, the id of the statement it was given by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportedLine {
    pub line: TreatmentLine,
    pub exposures: Vec<Option<String>>,
}

fn find<'e>(extensions: &'e [Extension], url: &str) -> Option<&'e Extension> {
    extensions.iter().find(|e| e.url.as_deref() == Some(url))
}

fn parts<'e>(extension: &'e Extension, name: &'e str) -> impl Iterator<Item = &'e Extension> {
    extension
        .extension
        .iter()
        .filter(move |part| part.url.as_deref() == Some(name))
}

fn part<'e>(extension: &'e Extension, name: &'e str) -> Option<&'e Extension> {
    parts(extension, name).next()
}

fn day(text: Option<&String>) -> Option<NaiveDate> {
    text.and_then(|text| parse_datetime(text).ok())
        .map(|at| at.date())
}

/// The last day a drug whose end is not recorded is known to have been given, if refract
/// wrote it.
pub fn given_at_least_until(extensions: &[Extension]) -> Option<NaiveDateTime> {
    find(extensions, GIVEN_UNTIL_URL)
        .and_then(|e| e.value_date_time.as_deref())
        .and_then(|text| parse_datetime(text).ok())
}

/// Where refract wrote that a drug's period is known from.
pub fn dates_known(extensions: &[Extension]) -> Option<DatesKnown> {
    find(extensions, DATES_URL)
        .and_then(|e| e.value_code.as_deref())
        .and_then(|code| DatesKnown::parse(code).ok())
}

/// The role refract wrote for a drug.
pub fn role(extensions: &[Extension]) -> Option<DrugRole> {
    find(extensions, ROLE_URL)
        .and_then(|e| e.value_code.as_deref())
        .and_then(|code| DrugRole::parse(code).ok())
}

/// Where refract wrote that a drug's dose a day came from.
pub fn dose_from(extensions: &[Extension]) -> Option<DoseFrom> {
    find(extensions, DOSE_FROM_URL)
        .and_then(|e| e.value_code.as_deref())
        .and_then(|code| DoseFrom::parse(code).ok())
}

/// The cycles refract wrote for a drug.
pub fn cycles(extensions: &[Extension]) -> Option<u32> {
    find(extensions, CYCLES_URL)
        .and_then(|e| e.value_integer)
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| *n > 0)
}

/// Whether refract wrote a drug record as a course that ended with no word that the drug
/// stopped, doses or any other (see [`GIVEN_AS_URL`]).
pub fn ends_without_a_stop(extensions: &[Extension]) -> bool {
    matches!(
        find(extensions, GIVEN_AS_URL).and_then(|e| e.value_code.as_deref()),
        Some(GIVEN_AS_DOSES | GIVEN_AS_COURSE)
    )
}

/// Whether a resource is what refract's export restates of a line (read with the line).
pub fn is_line_outcome(meta: Option<&model::Meta>) -> bool {
    meta.is_some_and(|meta| {
        meta.tag.iter().any(|tag| {
            tag.system.as_deref() == Some(LINE_CODES)
                && tag.code.as_deref() == Some(LINE_OUTCOME_TAG)
        })
    })
}

/// The id a reference names: the last part of a `urn:uuid:` or of a `Type/id`.
fn referenced_id(reference: &str) -> Option<String> {
    reference
        .trim()
        .rsplit(['/', ':'])
        .next()
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
}

/// The line a CarePlan is, when refract exported it as one (`None` for any other CarePlan);
/// `Err` is why a line's CarePlan cannot be read.
pub fn line_of(plan: &model::CarePlan) -> Result<Option<ImportedLine>, String> {
    let is_line = plan.category.iter().any(|category| {
        category.coding.iter().any(|coding| {
            coding.system.as_deref() == Some(LINE_CODES)
                && coding.code.as_deref() == Some(LINE_CATEGORY)
        })
    });
    let Some(line) = find(&plan.extension, LINE_URL).filter(|_| is_line) else {
        return Ok(None);
    };
    let code = |name| part(line, name).and_then(|p| p.value_code.as_deref());
    let text = |name| part(line, name).and_then(|p| p.value_string.clone());
    let date = |name| part(line, name).and_then(|p| day(p.value_date.as_ref()));
    let ruleset = code("condition")
        .map(str::to_owned)
        .ok_or("a treatment line with no condition")?;
    let number = part(line, "number")
        .and_then(|p| p.value_integer)
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| *n > 0)
        .ok_or("a treatment line with no number")?;
    let period = plan.period.as_ref();
    let start = day(period.and_then(|p| p.start.as_ref()))
        .ok_or("a treatment line with no start (period.start)")?;
    let mut drugs = Vec::new();
    let mut exposures = Vec::new();
    for drug in parts(line, "drug") {
        let Some(ingredient) = part(drug, "ingredient").and_then(|p| p.value_string.clone()) else {
            continue;
        };
        let dose = part(drug, "dose")
            .and_then(|p| p.value_quantity.as_ref())
            .and_then(|q| {
                Some(Dose {
                    value: q.value?,
                    unit: q.unit_text().unwrap_or("").to_owned(),
                })
            });
        drugs.push(LineDrug {
            ingredient,
            dose,
            exposure_id: None,
        });
        exposures.push(
            part(drug, "exposure")
                .and_then(|p| p.value_reference.as_ref())
                .and_then(|r| r.reference.as_deref())
                .and_then(referenced_id),
        );
    }
    Ok(Some(ImportedLine {
        line: TreatmentLine {
            id: 0,
            ruleset,
            number,
            regimen: text("regimen").unwrap_or_default(),
            start,
            end: day(period.and_then(|p| p.end.as_ref())),
            intent: code("intent").and_then(|c| Intent::parse(c).ok()),
            best_response: code("bestResponse").and_then(|c| Response::parse(c).ok()),
            best_response_date: date("bestResponseDate"),
            progression_date: date("progressionDate"),
            stop_reason: code("stopReason").and_then(|c| StopReason::parse(c).ok()),
            cycles: part(line, "cycles")
                .and_then(|p| p.value_integer)
                .and_then(|n| u32::try_from(n).ok()),
            origin: LineOrigin::Imported,
            cut_reason: text("cutReason"),
            drugs,
        },
        exposures,
    }))
}

/// The lines of a record, each drug pointing at the exposure its statement became
/// (`statements`: the resource id of each exposure, in the record's order, whose local ids are
/// their positions from 1), in the order the database lists lines.
pub fn linked_lines(
    mut imported: Vec<(String, ImportedLine)>,
    statements: &[String],
) -> Vec<TreatmentLine> {
    // By resource id first, so that the same resources give the same lines in any file order.
    imported.sort_by(|a, b| a.0.cmp(&b.0));
    let mut lines: Vec<TreatmentLine> = imported
        .into_iter()
        .map(|(_, imported)| {
            let mut line = imported.line;
            for (drug, statement) in line.drugs.iter_mut().zip(imported.exposures) {
                drug.exposure_id = statement.and_then(|id| {
                    statements
                        .iter()
                        .position(|source| *source == id)
                        .map(|index| index as i64 + 1)
                });
            }
            line
        })
        .collect();
    lines.sort_by(|a, b| {
        (a.ruleset.as_str(), a.number, a.start).cmp(&(b.ruleset.as_str(), b.number, b.start))
    });
    for (index, line) in lines.iter_mut().enumerate() {
        line.id = index as i64 + 1;
    }
    lines
}
