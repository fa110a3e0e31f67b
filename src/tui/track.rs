//! The measure a timeline charts under its lanes, read from a patient's record once, when the
//! record loads (on the worker, with the rest of it): recognising every observation with the
//! rules' selectors costs a pass over the whole record, which a frame must never pay.

use crate::domain::{Observation, PatientRecord, at_latest, observation_codes};
use crate::rules::model::{MeasureScale, RuleSet};

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
        for measure in measures {
            let points: Vec<Observation> = record
                .observations
                .iter()
                .filter_map(|o| {
                    let value = measure.value_of(o)?;
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
        let mut tracks = Vec::new();
        if let Some(track) = MeasureTrack::read(record, &[], &tracked_codes(None)) {
            tracks.push((None, track));
        }
        for set in sets {
            let tracked = tracked_codes(Some(&set.measures));
            if let Some(track) = MeasureTrack::read(record, &set.measures, &tracked) {
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
