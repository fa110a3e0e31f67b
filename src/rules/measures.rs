//! Which observations are a rule set's measure on the timeline, and their values in the
//! measure's unit: the same recognition the criteria read the measure by (their selector, the
//! myeloma serum M-protein series), never a list of codes of its own (review R7-4).

use crate::domain::Observation;
use crate::domain::observation_codes::seizure_frequency;

use super::m_protein_series::{Series, in_serum_series};
use super::model::{MProtein, MeasureScale, ObservationSelector};
use super::selectors::selects;

/// Days of UCUM's mean month (`mo`), what "/month" counts over.
const MONTH_DAYS: f64 = 30.4375;

/// Gives each measure of a rule set the recognition its criteria use: the serum M-protein
/// series where `m_protein` reads one of its codes, else the first selector of the rule file
/// (`tree`) whose codes hold one of the measure's (a scale's with its selector's part words).
pub(super) fn attach(
    measures: &mut [MeasureScale],
    m_protein: Option<&MProtein>,
    tree: &toml::Value,
) {
    for measure in measures {
        let shares = |codes: &[String]| codes.iter().any(|code| measure.codes.contains(code));
        if let Some(spec) = m_protein.filter(|spec| shares(&spec.serum.codes)) {
            measure.reading.m_protein = Some(Box::new(spec.clone()));
            continue;
        }
        measure.reading.selector = selector_sharing(tree, &measure.codes);
    }
}

/// The first table of a rule file that selects observations (only codes, names and the words
/// that leave parts out) with one of `codes`; a scale's with its selector's part words.
fn selector_sharing(value: &toml::Value, codes: &[String]) -> Option<ObservationSelector> {
    let strings = |table: &toml::map::Map<String, toml::Value>, key: &str| -> Vec<String> {
        table
            .get(key)
            .and_then(toml::Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    match value {
        toml::Value::Table(table) => {
            if let Some(scales) = table.get("scale").and_then(toml::Value::as_array) {
                for scale in scales.iter().filter_map(toml::Value::as_table) {
                    if strings(scale, "codes").iter().any(|c| codes.contains(c)) {
                        let mut not_names = strings(scale, "not_names");
                        not_names.extend(strings(table, "not_names"));
                        let mut short_forms = strings(scale, "short_forms");
                        short_forms.extend(strings(table, "short_forms"));
                        return Some(ObservationSelector {
                            codes: strings(scale, "codes"),
                            names: strings(scale, "names"),
                            not_names,
                            short_forms,
                            scale: Vec::new(),
                        });
                    }
                }
            }
            let selector = table.contains_key("codes")
                && table.keys().all(|key| {
                    matches!(
                        key.as_str(),
                        "codes" | "names" | "not_names" | "short_forms" | "name"
                    )
                });
            if selector && strings(table, "codes").iter().any(|c| codes.contains(c)) {
                return Some(ObservationSelector {
                    codes: strings(table, "codes"),
                    names: strings(table, "names"),
                    not_names: strings(table, "not_names"),
                    short_forms: strings(table, "short_forms"),
                    scale: Vec::new(),
                });
            }
            table
                .values()
                .find_map(|child| selector_sharing(child, codes))
        }
        toml::Value::Array(items) => items
            .iter()
            .find_map(|child| selector_sharing(child, codes)),
        _ => None,
    }
}

/// What [`MeasureScale::recognises`] reads of an observation: its code, its name and its unit
/// (the selectors and the serum M-protein series read nothing else). Observations alike in
/// these are recognised alike, so that a record's can be recognised once per kind rather than
/// once each (the timeline reads every rule set's measure when a record opens).
pub fn recognition_key(observation: &Observation) -> (&str, &str, Option<&str>) {
    (
        &observation.code,
        &observation.display,
        observation.unit.as_deref(),
    )
}

impl MeasureScale {
    /// Whether the criteria read `observation` as this measure: one of its codes, or what
    /// their selector (the serum M-protein series) recognises. It reads only the
    /// observation's [`recognition_key`].
    pub fn recognises(&self, observation: &Observation) -> bool {
        if self.codes.contains(&observation.code) {
            return true;
        }
        if let Some(spec) = &self.reading.m_protein {
            return in_serum_series(spec, observation);
        }
        self.reading
            .selector
            .as_ref()
            .is_some_and(|selector| selects(selector, observation))
    }

    /// The value of `observation` in the measure's unit, when it is this measure and its unit
    /// converts: an M-protein in g/L or mg/dL as g/dL, a seizure rate per week or per day per
    /// month, a percentage as it is. A value whose unit does not convert is not drawn (the
    /// chart never shows a number on the wrong scale); a score is drawn as it is.
    pub fn value_of(&self, observation: &Observation) -> Option<f64> {
        if !self.recognises(observation) {
            return None;
        }
        self.value_in_unit(observation)
    }

    /// The value of `observation`, one this measure [recognises](Self::recognises), in the
    /// measure's unit (see [`value_of`](Self::value_of)): for a reader that recognised it
    /// already, by its [`recognition_key`].
    pub fn value_in_unit(&self, observation: &Observation) -> Option<f64> {
        let value = observation.exact_value().or(observation.value)?;
        let unit = observation.unit.as_deref().unwrap_or("").trim();
        if self.reading.m_protein.is_some() {
            return if unit.is_empty() && observation.code == self.codes[0] {
                Some(value)
            } else {
                Series::Serum.factor(unit).map(|factor| value * factor)
            };
        }
        let own_code = self.codes.contains(&observation.code);
        match self.unit.as_str() {
            "/month" => {
                if let Some(days) = seizure_frequency::period_days_of_unit(unit) {
                    return Some(value * MONTH_DAYS / days);
                }
                // A count over a period of its own, per month of it.
                let days = observation
                    .since_day()
                    .map(|since| (observation.local_day() - since).num_days() + 1)
                    .filter(|days| *days > 0);
                match days {
                    Some(days) => Some(value * MONTH_DAYS / days as f64),
                    None => (own_code && unit.is_empty()).then_some(value),
                }
            }
            "%" => matches!(unit.to_lowercase().as_str(), "%" | "percent" | "").then_some(value),
            _ => Some(value),
        }
    }
}
