//! The demo's stories of status epilepticus: seizures through benzodiazepines, a second-line drug and anaesthetic infusions.

use chrono::Duration;

use super::super::builder::{Builder, give};
use super::{Ages, MeetingLines, Story};
use crate::domain::observation_codes::{self as obs};
use crate::domain::{AssessmentStatus as S, DrugRole};

/// The demo's status epilepticus patients.
pub(super) const STORY: Story = Story {
    id: "status_epilepticus",
    weight: 3,
    care_team: "Neuro ICU",
    ages: Ages {
        min: 20,
        max: 80,
        female_share: 0.45,
    },
    meeting: MeetingLines {
        question: "Seizures continue after two anaesthetic agents: which next step?",
        next_line: "Start the ketogenic diet alongside the midazolam infusion; daily EEG review.",
        procedure: "Neurosurgical opinion on resection of the lesional focus.",
    },
    tell: status_epilepticus,
};

fn status_epilepticus(b: &mut Builder<'_>) -> S {
    let episode_ago = b.rng.range(5, 700);
    b.condition("G41.0", "Grand mal status epilepticus", episode_ago);
    let onset = b.at(episode_ago);
    let minutes = |m: i64| onset + Duration::minutes(m);
    let iv = Some(DrugRole::FirstLineBenzodiazepine);
    let story = b.rng.weighted(&[30, 30, 25, 15]);
    let bzd = b.rng.pick(&[
        give("lorazepam", 4.0, "mg"),
        give("diazepam", 10.0, "mg"),
        give("midazolam", 10.0, "mg"),
    ]);
    b.exposure(bzd, minutes(8), Some(minutes(9)), None, iv);
    if bzd.ingredient == "lorazepam" && b.rng.chance(0.5) {
        b.exposure(bzd, minutes(15), Some(minutes(16)), None, iv);
    }
    let second = b.rng.pick(&[
        give("levetiracetam", 4500.0, "mg"),
        give("fosphenytoin", 1500.0, "mg"),
        give("valproate", 3000.0, "mg"),
    ]);
    b.exposure(
        second,
        minutes(30),
        Some(minutes(45)),
        None,
        Some(DrugRole::SecondLineAntiseizure),
    );
    let activity = |b: &mut Builder<'_>, at, seen: bool| {
        b.observe_at(
            obs::SEIZURE_ACTIVITY,
            "Seizure activity (clinical or EEG)",
            if seen { 1.0 } else { 0.0 },
            "",
            at,
        );
    };
    match story {
        // Seizures continue after both: refractory; anaesthesia ≥ 24 h and they recur.
        0 => {
            activity(b, minutes(70), true);
            let anaesthetic = b.rng.pick(&[
                give("midazolam", 0.4, "mg/kg/h"),
                give("propofol", 4.0, "mg/kg/h"),
            ]);
            b.exposure(
                anaesthetic,
                minutes(80),
                Some(minutes(80 + 60 * 60)),
                None,
                Some(DrugRole::AnaestheticInfusion),
            );
            activity(b, minutes(80 + 30 * 60), true);
            activity(b, minutes(80 + 72 * 60), false);
            b.procedure("54550000", "Continuous EEG monitoring", episode_ago);
            S::Refractory
        }
        // Refractory, controlled within a day of anaesthesia.
        1 => {
            activity(b, minutes(65), true);
            b.exposure(
                give("propofol", 3.0, "mg/kg/h"),
                minutes(75),
                Some(minutes(75 + 20 * 60)),
                None,
                Some(DrugRole::AnaestheticInfusion),
            );
            activity(b, minutes(75 + 6 * 60), false);
            S::Refractory
        }
        // Stopped after the second-line drug: not refractory.
        2 => {
            activity(b, minutes(60), false);
            S::NotMet
        }
        // Nothing recorded after the second-line drug: cannot tell.
        _ => S::InsufficientData,
    }
}
