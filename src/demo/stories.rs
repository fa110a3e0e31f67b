//! Clinical stories for demo patients, one [`Story`] per rule set (`stories/<id>.rs`): drugs
//! of the right classes in the order a clinician would give them, with doses, durations,
//! responses and stop reasons, the measurements that go with them and the procedures along the
//! way, and what the demo's patients, care teams and meetings look like for the condition.
//!
//! Each story is written to reach one status under the published criteria (refractory,
//! resistant, relapsed, not refractory, insufficient data) and returns it, so that tests can
//! check the generator and the rules engine against each other. [`STORIES`] lists one story
//! per shipped rule set; a test holds the two lists equal, so a rule set added without a story
//! (or a story without its rule set) fails the tests rather than borrowing another
//! condition's story.

mod aml;
mod depression;
mod epilepsy;
mod hypertension;
mod lbcl;
mod myeloma;
mod rheumatoid_arthritis;
mod schizophrenia;
mod status_epilepticus;

use super::builder::{Builder, give};
use crate::domain::observation_codes as obs;
use crate::domain::{AssessmentStatus as S, Intent, Response, StopReason};

/// Everything the demo knows about one condition.
pub struct Story {
    /// The rule-set id the story is told for.
    pub id: &'static str,
    /// The condition's share of demo patients (relative to the other weights).
    pub weight: u32,
    /// The care team that looks after the condition in the demo.
    pub care_team: &'static str,
    pub ages: Ages,
    /// What the demo meetings say about a case of the condition.
    pub meeting: MeetingLines,
    /// Writes one patient's story into the builder; returns the status it was written to reach.
    pub tell: fn(&mut Builder<'_>) -> S,
}

/// The ages (in years) and the share of women among the demo's patients with the condition.
pub struct Ages {
    pub min: i64,
    pub max: i64,
    pub female_share: f64,
}

/// A meeting case of the condition: the clinical question, a next-line recommendation, a
/// procedure or device.
pub struct MeetingLines {
    pub question: &'static str,
    pub next_line: &'static str,
    pub procedure: &'static str,
}

/// The stories, in the order the rule sets are listed.
pub const STORIES: &[Story] = &[
    epilepsy::STORY,
    status_epilepticus::STORY,
    hypertension::STORY,
    depression::STORY,
    lbcl::STORY,
    myeloma::STORY,
    rheumatoid_arthritis::STORY,
    aml::STORY,
    schizophrenia::STORY,
];

/// The story told for rule set `id`, if the demo has one.
pub fn story(id: &str) -> Option<&'static Story> {
    STORIES.iter().find(|story| story.id == id)
}

/// Gives each drug of a regimen for `days` and records the line.
#[allow(clippy::too_many_arguments)]
fn regimen_line(
    b: &mut Builder<'_>,
    ruleset: &str,
    name: &str,
    drugs: &[(&str, f64, &str)],
    start_ago: i64,
    days: i64,
    response: Option<Response>,
    stop: Option<StopReason>,
    intent: Option<Intent>,
    cycles: Option<u32>,
) -> usize {
    let ongoing = start_ago - days <= 0;
    let ids: Vec<i64> = drugs
        .iter()
        .map(|(ingredient, dose, unit)| {
            b.drug(
                give(ingredient, *dose, unit),
                start_ago,
                (!ongoing).then_some(days),
                stop,
            )
        })
        .collect();
    let end = (!ongoing).then_some(start_ago - days);
    let index = b
        .line(ruleset, name, &ids)
        .from(start_ago)
        .until_opt(end)
        .response_opt(response)
        .stopped_opt(stop)
        .intent_opt(intent)
        .add();
    b.line_detail(index, cycles, None);
    index
}

/// A planned next phase of line `index`: IMWG counts induction, transplant, consolidation and
/// maintenance given as planned as one line of therapy.
#[allow(clippy::too_many_arguments)] // the story reads as one call per phase
fn continue_line(
    b: &mut Builder<'_>,
    index: usize,
    phase: &str,
    drugs: &[(&str, f64, &str)],
    start_ago: i64,
    days: i64,
    response: Option<Response>,
    stop: Option<StopReason>,
) {
    let ongoing = start_ago - days <= 0;
    let ids: Vec<i64> = drugs
        .iter()
        .map(|(ingredient, dose, unit)| {
            b.drug(
                give(ingredient, *dose, unit),
                start_ago,
                (!ongoing).then_some(days),
                stop,
            )
        })
        .collect();
    let end = (!ongoing).then_some(start_ago - days);
    b.extend_line(index, phase, &ids, end, response, stop);
}

fn ecog(b: &mut Builder<'_>, days_ago: i64, value: i64) {
    b.observe(
        obs::ECOG,
        "ECOG performance status",
        value as f64,
        "{score}",
        days_ago,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every shipped rule set has its story and every story its rule set, in the same order.
    #[test]
    fn one_story_per_shipped_rule_set() {
        let stories: Vec<&str> = STORIES.iter().map(|story| story.id).collect();
        let rule_sets: Vec<&str> = crate::rules::EMBEDDED.iter().map(|(id, _)| *id).collect();
        assert_eq!(stories, rule_sets);
    }
}
