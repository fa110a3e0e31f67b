//! The measure a timeline charts under its lanes, read from a patient's record once, when the
//! record loads (on the worker, with the rest of it): recognising every observation with the
//! rules' selectors costs a pass over the whole record, which a frame must never pay.

use std::collections::HashMap;

use crate::domain::{Observation, PatientRecord, at_latest, observation_codes};
use crate::rules::model::{MeasureScale, RuleSet};
use crate::rules::recognition_key;

/// The readings of one measure, as the chart draws them.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureTrack {
    /// The measure on its clinical scale; none: observations followed by their codes alone
    /// (performance status for the whole record), drawn on their own range.
    pub scale: Option<MeasureScale>,
    /// Every reading, in the record's order, its value in the measure's unit.
    pub points: Vec<Observation>,
    /// The readings of the paired code taken at the latest reading's moment (the diastolics
    /// with the latest systolic), in the order of their values.
    pub paired_latest: Vec<f64>,
}

impl MeasureTrack {
    /// What the chart draws of `record`: the first of `measures` the record holds values of,
    /// each value where the criteria read it as the measure ([`MeasureScale::value_of`]: an
    /// imported M-protein by its LOINC code or its name, in g/L drawn in g/dL), never by a code
    /// list of the chart's own (review R7-4); else the readings of the codes `tracked`.
    pub fn read(
        record: &PatientRecord,
        measures: &[MeasureScale],
        tracked: &[&str],
    ) -> Option<MeasureTrack> {
        Self::read_kinds(record, &Kinds::of(record), measures, tracked)
    }

    /// [`read`](Self::read), each kind of the record's observations (`kinds`) recognised once
    /// per measure.
    fn read_kinds(
        record: &PatientRecord,
        kinds: &Kinds<'_>,
        measures: &[MeasureScale],
        tracked: &[&str],
    ) -> Option<MeasureTrack> {
        for measure in measures {
            let recognised = kinds.recognised_by(|o| measure.recognises(o));
            let points: Vec<Observation> = record
                .observations
                .iter()
                .zip(&kinds.kind)
                .filter(|(_, kind)| recognised[**kind])
                .filter_map(|(o, _)| {
                    let value = measure.value_in_unit(o)?;
                    let mut point = o.clone();
                    point.value = Some(value);
                    Some(point)
                })
                .collect();
            if !points.is_empty() {
                let paired_latest = measure
                    .paired_code
                    .as_deref()
                    .map(|code| paired_at_latest(record, &points, code))
                    .unwrap_or_default();
                return Some(MeasureTrack {
                    scale: Some(measure.clone()),
                    points,
                    paired_latest,
                });
            }
        }
        let points: Vec<Observation> = record
            .observations
            .iter()
            .filter(|o| tracked.contains(&o.code.as_str()) && o.value.is_some())
            .cloned()
            .collect();
        (!points.is_empty()).then_some(MeasureTrack {
            scale: None,
            points,
            paired_latest: Vec::new(),
        })
    }
}

/// A record's observations by kind: alike in all that recognising a measure reads of them
/// ([`recognition_key`]). A long record repeats a few tests hundreds of times, and every rule
/// set's measures are looked for in it when it opens: recognised once per kind, not once per
/// observation and measure (review TL-1: a myeloma record of 5,000 results took seconds).
struct Kinds<'r> {
    /// The kind of each observation, in the record's order.
    kind: Vec<usize>,
    /// One observation of each kind, by its number.
    first: Vec<&'r Observation>,
}

impl<'r> Kinds<'r> {
    fn of(record: &'r PatientRecord) -> Kinds<'r> {
        let mut numbers: HashMap<(&str, &str, Option<&str>), usize> = HashMap::new();
        let mut first = Vec::new();
        let kind = record
            .observations
            .iter()
            .map(|o| {
                *numbers.entry(recognition_key(o)).or_insert_with(|| {
                    first.push(o);
                    first.len() - 1
                })
            })
            .collect();
        Kinds { kind, first }
    }

    /// Whether `recognises` holds of each kind, by its number.
    fn recognised_by(&self, recognises: impl Fn(&Observation) -> bool) -> Vec<bool> {
        self.first.iter().map(|o| recognises(o)).collect()
    }
}

/// The values of `code` recorded at the moment of the latest of `points`, in order of value.
fn paired_at_latest(record: &PatientRecord, points: &[Observation], code: &str) -> Vec<f64> {
    let Some(at) = at_latest(points.iter()).first().map(|o| o.effective) else {
        return Vec::new();
    };
    let mut values: Vec<f64> = record
        .observations
        .iter()
        .filter(|o| o.code == code && o.effective == at)
        .filter_map(|o| o.value)
        .collect();
    values.sort_by(f64::total_cmp);
    values
}

/// The codes a timeline follows when none of its measures has values: the condition's own
/// (`measures`), and performance status (ECOG) when the timeline draws every condition
/// (`measures` is `None`).
pub fn tracked_codes(measures: Option<&[MeasureScale]>) -> Vec<&str> {
    match measures {
        Some(measures) => measures
            .iter()
            .flat_map(|m| m.codes.iter().map(String::as_str))
            .collect(),
        None => vec![observation_codes::ECOG],
    }
}

/// The tracks of one record, one per rule set that has one and one for the timeline of every
/// condition; what a timeline draws for a rule set not loaded (none) is not kept.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tracks(Vec<(Option<String>, MeasureTrack)>);

impl Tracks {
    /// Reads `record` for every rule set of `sets` and for the timeline of every condition.
    pub fn read(record: &PatientRecord, sets: &[RuleSet]) -> Tracks {
        let kinds = Kinds::of(record);
        let mut tracks = Vec::new();
        if let Some(track) = MeasureTrack::read_kinds(record, &kinds, &[], &tracked_codes(None)) {
            tracks.push((None, track));
        }
        for set in sets {
            let tracked = tracked_codes(Some(&set.measures));
            if let Some(track) = MeasureTrack::read_kinds(record, &kinds, &set.measures, &tracked) {
                tracks.push((Some(set.id.clone()), track));
            }
        }
        Tracks(tracks)
    }

    /// The track of the timeline drawn for `ruleset` (every condition when `None`).
    pub fn of(&self, ruleset: Option<&str>) -> Option<&MeasureTrack> {
        self.0
            .iter()
            .find(|(id, _)| id.as_deref() == ruleset)
            .map(|(_, track)| track)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(id: i64, display: &str, value: f64, unit: &str) -> Observation {
        Observation {
            id,
            code: format!("text:{display}"),
            display: display.to_owned(),
            value: Some(value),
            unit: Some(unit.to_owned()),
            effective: chrono::NaiveDate::from_ymd_opt(2026, 10, 1)
                .and_then(|d| d.and_hms_opt(9, 0, 0))
                .unwrap_or_default()
                + chrono::Duration::days(id),
            ..Observation::default()
        }
    }

    /// Results of one test recognised once per kind (review TL-1) are still told apart by
    /// all that recognition reads: an "M-spike" in g/dL is the serum M-protein, the same name
    /// in mg/24 h the urine's, never drawn on the serum's chart; the record's order is kept.
    #[test]
    fn tracks_read_once_per_kind_keep_what_the_unit_tells_apart() {
        let rules = crate::rules::Rules::embedded().expect("the embedded rules");
        let record = PatientRecord {
            observations: vec![
                result(1, "M-spike", 350.0, "mg/24 h"),
                result(2, "M-spike", 1.2, "g/dL"),
                result(3, "M-spike", 410.0, "mg/24 h"),
                result(4, "M-spike", 1.4, "g/dL"),
            ],
            ..PatientRecord::default()
        };
        let tracks = Tracks::read(&record, &rules.sets);
        let myeloma = tracks.of(Some("myeloma")).expect("the M-protein chart");
        let drawn: Vec<(i64, Option<f64>)> =
            myeloma.points.iter().map(|o| (o.id, o.value)).collect();
        assert_eq!(drawn, vec![(2, Some(1.2)), (4, Some(1.4))]);
        let myeloma_set = rules
            .sets
            .iter()
            .find(|s| s.id == "myeloma")
            .expect("the myeloma rules");
        let one_by_one: Vec<i64> = record
            .observations
            .iter()
            .filter(|o| myeloma_set.measures[0].value_of(o).is_some())
            .map(|o| o.id)
            .collect();
        assert_eq!(one_by_one, vec![2, 4]);
    }
}
