//! The current episode of an episodic condition (depression): where a treatment begun on a day
//! stands against it, for criteria counted "within the current episode" (`current_episode_only`).
//!
//! The episode is bounded by what the diagnoses say, never guessed (docs/architecture.md,
//! evidence policy):
//! - it begins on the latest onset of the current diagnoses (a treatment begun up to
//!   [`ONSET_GRACE_DAYS`] before it is the episode's: an onset is often dated by the visit that
//!   recorded it);
//! - it begins no earlier than the end (R4 `abatement[x]`) of an earlier episode of the same
//!   condition, when that end is before the current episode began: a treatment begun before
//!   that day belongs to the episode that ended, however the current one is dated. A diagnosis
//!   of the condition closed on or after the current episode's onset (an encounter diagnosis
//!   resolved at discharge, a duplicate problem-list entry closed) was closed during the
//!   current episode: the same episode, no bound. Unless the current diagnosis says the
//!   condition is recurrent (the rule set's `[applies_to.recurrent]`, ICD-10 F33): its onset
//!   is the disorder's first onset, not the episode's (chosen: a problem list keeps F33 from the
//!   first episode on), so an earlier episode closed after it is still an earlier episode and
//!   its end bounds. Two onsets of current diagnoses, recurrent or not, are one episode unless
//!   a recovery can lie between them ([`joined_onsets`]): a recurrent code names the disorder,
//!   and a second record of it dated later (a hospital's F33 dated on admission) says no
//!   episode ended between;
//! - a diagnosis sent with R4's clinical status `recurrence` (resolved, and come back) dates
//!   the disorder's first episode by its onset and recordedDate: that episode is an earlier one
//!   over on no day, and the current episode's onset is unknown;
//! - a current diagnosis with no onset began at the latest on the day it was recorded (R4
//!   `recordedDate`): a treatment begun on or after that day is the current episode's, unless
//!   a newer earlier episode is on file.
//!
//! Chosen, with no onset: the latest evidence of the current episode's start wins. The
//! evidence is the day the current diagnosis was recorded (an episode was on by then), each
//! earlier episode's recorded end (over by then) and each start of an earlier episode recorded
//! over on no day. An earlier episode that began after the current diagnosis was recorded makes
//! that recordedDate stale (a problem-list entry outlives its episode): it no longer dates the
//! current episode. An earlier episode's recorded end bounds whatever the recordedDate (it is
//! the later evidence: with no onset nothing shows the current episode had begun before that
//! end, as an onset would). A treatment begun
//! before an earlier episode's end, or before an earlier episode began, is not the current
//! episode's; one begun on or after the latest evidence, when that is the recordedDate or an
//! end, is; anything between (an earlier episode over on no day) is unknown, and what would
//! decide it (the current episode's onset) is said, never counted as the current episode's.
//! With no earlier episode on file every treatment is the current episode's (nothing says there
//! was another episode), unless the current diagnosis says the condition is recurrent (ICD-10
//! F33, a SNOMED CT "recurrent" concept: the rule set's `[applies_to.recurrent]`): earlier
//! episodes exist, so a treatment begun before the diagnosis was recorded (or any, with no
//! recordedDate) is unknown.
//!
//! The scores bound it too, where the rule set sets `[episode] recovery_days` (depression):
//! relapse vs recurrence (MacArthur/Frank 1991, reference section 3) turns on a recovery, so a
//! record whose diagnoses never split its episodes (a recurrent code dated from the disorder's
//! first onset, a single-episode code never closed) still has the episodes its scores show.
//! A recovery is a run of scores in remission (below their scale's `remission_below`, on any
//! scale of the rule set's criteria) with no score that is not in remission between, from its
//! first to its last at least `recovery_days` apart. Chosen, for sparse scores: the run spans
//! from its first remission score to its last, whatever the gap between them (nothing recorded
//! says the patient was unwell between), and needs at least two scores (one score is a moment,
//! never a sustained state); a day with any score not in remission (or a bound that does not
//! say which side of the cut it is), a day a treatment of the criterion began or was stopped
//! for no response (an acute trial is not begun, nor found ineffective, in a sustained
//! remission), or a day a session of an acute procedure course (ECT) was given (see
//! [`Treatment`]), breaks the run. A shorter run followed by a rise is a
//! relapse of the same episode: it bounds nothing. A treatment begun on or before the latest
//! recovery's last score belongs to an earlier episode (begun before or during that recovery);
//! one begun after it is left to the diagnoses' bounds above. Scores only ever move the start
//! later: they never make the current episode's what the diagnoses place before it. A score
//! dated by a month or a year alone is every day of it: the runs are read with it on its first
//! day and on its last, and a treatment the two place differently is undecided, as for an
//! onset of a month ([`Episode::place`]).

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::context::Context;
use super::dates::shift;
use super::describe::month;
use super::diagnosis_names::selected_by;
use super::model::WindowAcrossBound;
use super::numbers::trim_number;
use super::selectors::scale_of;
use crate::domain::{Condition, DatePrecision, Observation};

/// R4's Condition.clinicalStatus of a condition that had resolved and has come back.
const RECURRENCE: &str = "recurrence";

/// A treatment begun this many days before the recorded onset of the current episode is still
/// the episode's: an onset is often the day of the visit that diagnosed it, after the first
/// prescription.
pub const ONSET_GRACE_DAYS: i64 = 30;

/// Which day of a date the record gave as a month or a year alone ("2025-06", as R4's
/// `dateTime` allows) the bounds are read at: it is every day of it, so the episode is read at
/// both ends, and a treatment the two readings place differently cannot be placed (see
/// [`Episode::place`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reading {
    First,
    Last,
}

impl Reading {
    fn day(self, date: Option<NaiveDate>, precision: DatePrecision) -> Option<NaiveDate> {
        date.map(|date| match self {
            Reading::First => date,
            Reading::Last => precision.last_day(date),
        })
    }

    fn onset(self, c: &Condition) -> Option<NaiveDate> {
        self.day(c.onset, c.onset_precision)
    }

    fn abatement(self, c: &Condition) -> Option<NaiveDate> {
        self.day(c.abatement, c.abatement_precision)
    }

    fn recorded(self, c: &Condition) -> Option<NaiveDate> {
        self.day(c.recorded, c.recorded_precision)
    }
}

/// A treatment of the criterion as the episode reads it: signs the patient was unwell. A drug
/// trial, or a session of an acute procedure course (ECT): a course given for an ongoing
/// episode shows the illness on each session's days (fix-left L2: an acute ECT course between
/// two diagnoses had left the months it was given with no sign of the illness, room for a
/// recovery), as a trial stopped for no response shows it through its days.
pub struct Treatment {
    /// The day it began: an acute trial is not begun, nor an acute course's session given, in
    /// a sustained remission.
    pub start: NaiveDate,
    /// The last day it shows the patient unwell, when after its start:
    /// - a trial stopped for no response (its stop reason one of the criterion's failures): the
    ///   depression was on from its start to that stop (review39 F6: eight months of a drug
    ///   stopped "no response" had been read as eight months with no sign of the illness, room
    ///   for a recovery). Adequate or not: a trial too short or too low to count as a failure
    ///   still says the patient was unwell while it lasted. A trial with no such stop shows its
    ///   start alone: a drug kept on may keep a remission;
    /// - a session recorded over a period (a course written as one procedure): its end.
    pub unwell_until: Option<NaiveDate>,
}

impl Treatment {
    /// The days it shows the patient unwell: its start, through to [`Treatment::unwell_until`].
    fn unwell_span(&self) -> (NaiveDate, NaiveDate) {
        (
            self.start,
            self.unwell_until.unwrap_or(self.start).max(self.start),
        )
    }
}

/// Where a treatment begun on a day stands against the current episode.
pub enum Placement {
    /// In the current episode.
    Current,
    /// Before it, with why ("before the current episode, 2025-02").
    Before(String),
    /// Not known: what would decide it.
    Unknown(String),
}

/// What surely lies before the current episode: a treatment begun before this day is not its.
#[derive(Clone, Copy)]
enum Floor {
    /// An earlier episode ended on this day.
    Ended(NaiveDate),
    /// An earlier episode, over on no day, began on this day.
    Began(NaiveDate),
}

impl Floor {
    fn day(self) -> NaiveDate {
        match self {
            Floor::Ended(day) | Floor::Began(day) => day,
        }
    }
}

/// From when a treatment is surely the current episode's, once past the floor.
#[derive(Clone, Copy)]
enum Ceiling {
    /// Always.
    Always,
    /// From this day on.
    From(NaiveDate),
    /// Never surely: an earlier episode is over on no day after the latest evidence.
    Never,
}

/// The current episode's bounds, as the diagnoses give them.
pub struct Episode {
    /// The onset of the current episode as the current diagnoses date it: the latest, or an
    /// earlier one of a diagnosis still current that no recovery can lie after (see
    /// [`joined_onsets`]).
    onset: Option<NaiveDate>,
    /// An earlier onset of a diagnosis still current that may be this episode's or an earlier
    /// one's (a recovery could lie between it and `onset`, and nothing recorded says): a
    /// treatment begun between the two is unknown, never set aside.
    onset_unsure: Option<UnsureOnset>,
    floor: Option<Floor>,
    ceiling: Ceiling,
    /// Why a treatment between the floor and the ceiling is unknown.
    unknown_why: String,
    /// The current diagnosis's name, for the words of what is missing.
    name: String,
    /// The latest recovery the scores show: a treatment begun before its end is not the
    /// current episode's.
    recovery: Option<Recovery>,
    /// The bounds read at the last day of each date given as a month or a year alone (this
    /// episode's are read at the first), with those dates in words ("Major depressive
    /// disorder began in 2025-06"); none when every date is a day.
    at_last_day: Option<(Box<Episode>, String)>,
    /// How a treatment the two readings place differently is read (the rule set's
    /// `[episode] window_across_bound`).
    window_across_bound: WindowAcrossBound,
}

/// An earlier onset of a current diagnosis the current episode may or may not go back to.
struct UnsureOnset {
    day: NaiveDate,
    /// Why it is not known, in words.
    why: String,
}

/// A run of scores in remission at least `recovery_days` long.
struct Recovery {
    first: NaiveDate,
    last: NaiveDate,
    /// The scales and their cuts, in words ("PHQ-9 below 5").
    scales: String,
}

impl Recovery {
    /// "before a recovery 2017-03 to 2019-06 (PHQ-9 below 5)", or "during" for a treatment
    /// begun within it (a continuation, not an acute trial of a later episode).
    fn why(&self, start: NaiveDate) -> String {
        let when = if start < self.first {
            "before"
        } else {
            "during"
        };
        format!(
            "{when} a recovery {} to {} ({})",
            month(self.first),
            month(self.last),
            self.scales
        )
    }
}

/// An earlier record of the condition that is over: its start (onset, else the day it was
/// recorded) and its end.
struct Earlier {
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
}

impl Episode {
    /// The current episode of `ctx`'s condition: its current diagnoses are the context's, its
    /// earlier episodes every other record of the rule set's condition that is over.
    ///
    /// `treatments` are the criterion's treatments: a treatment begun between two scores in
    /// remission says the patient was unwell then (an acute trial is not begun in a sustained
    /// remission), so it breaks a recovery as a score above remission would (review 29: two
    /// remission scores months apart around a trial stopped as ineffective had been read as a
    /// recovery, and the trial set aside); one stopped for no response says so from its start
    /// to that stop, and each session of an acute course (ECT) on its days (see [`Treatment`]).
    pub fn of(ctx: &Context<'_>, treatments: &[Treatment]) -> Self {
        let (days, scores_of_a_month) = score_days(ctx, treatments, Reading::First);
        let recovery_days = ctx.set.episode.as_ref().map(|spec| spec.recovery_days);
        let mut episode = Self::of_diagnoses(ctx, &days, treatments, recovery_days, Reading::First);
        episode.recovery = recovery_days.and_then(|days_long| latest_recovery(&days, days_long));
        let windows: Vec<String> = windows_in_words(ctx)
            .into_iter()
            .chain(scores_of_a_month)
            .collect();
        if !windows.is_empty() {
            // Scores of a month are read at their last days too: a recovery run, and the
            // quiet between two onsets, may turn on their days.
            let (days_at_last, _) = score_days(ctx, treatments, Reading::Last);
            let mut at_last_day =
                Self::of_diagnoses(ctx, &days_at_last, treatments, recovery_days, Reading::Last);
            at_last_day.recovery =
                recovery_days.and_then(|days_long| latest_recovery(&days_at_last, days_long));
            episode.at_last_day = Some((Box::new(at_last_day), windows.join("; ")));
        }
        episode.window_across_bound = ctx
            .set
            .episode
            .as_ref()
            .map_or_else(WindowAcrossBound::default, |spec| spec.window_across_bound);
        episode
    }

    /// The last day of the latest recovery the scores show, if any: a treatment continued
    /// past it is judged, in the current episode, by what was given after it.
    pub fn recovered_until(&self) -> Option<NaiveDate> {
        self.recovery.as_ref().map(|recovery| recovery.last)
    }

    /// The bounds the diagnoses give, their onsets joined where the scores and treatments
    /// (`days`, and the treatments stopped for no response) leave no room for a recovery
    /// between them (see [`joined_onsets`]).
    fn of_diagnoses(
        ctx: &Context<'_>,
        days: &ScoreDays,
        treatments: &[Treatment],
        recovery_days: Option<i64>,
        reading: Reading,
    ) -> Self {
        let applies = &ctx.set.applies_to;
        // R4's clinical status `recurrence`: a condition that had resolved has come back. Its
        // onset and recordedDate date the disorder's first episode (a problem-list entry kept
        // and updated in place), never this one: that episode began on its onset and is over on
        // no day, and the current one's onset is not recorded (review r5 R5-8). A `relapse` is
        // a return within the episode (Frank 1991), read as `active`.
        let (recurred, current): (Vec<&Condition>, Vec<&Condition>) = ctx
            .conditions
            .iter()
            .copied()
            .partition(|c| c.clinical_status.as_deref() == Some(RECURRENCE));
        let mut earlier: Vec<Earlier> = ctx
            .record
            .conditions
            .iter()
            .filter(|c| {
                c.is_diagnosis()
                    && !current.iter().any(|now| now.id == c.id)
                    && !c.is_active()
                    && selected_by(c, applies)
            })
            .map(|c| Earlier {
                start: reading.onset(c).or_else(|| reading.recorded(c)),
                end: reading.abatement(c),
            })
            .collect();
        earlier.extend(recurred.iter().map(|c| Earlier {
            start: reading.onset(c).or_else(|| reading.recorded(c)),
            end: None,
        }));
        let is_recurrent = |c: &Condition| {
            applies
                .recurrent
                .as_deref()
                .is_some_and(|r| selected_by(c, r))
        };
        let recurrent = current.iter().any(|c| is_recurrent(c));
        // Every current diagnosis's onset, with its name: a recurrent one's too. A recurrent
        // code names the disorder, not one episode, so a later record of it (a hospital's F33
        // dated on admission) no more begins a new episode than a later F32 does: a new
        // episode needs a recovery or a recorded end between (review39 F4: the F33 onsets had
        // been left unjoined, and the trials before the admission set aside).
        let onsets: Vec<(NaiveDate, &str)> = current
            .iter()
            .filter_map(|c| Some((reading.onset(c)?, c.name())))
            .collect();
        let latest = onsets
            .iter()
            .copied()
            .reduce(|kept, next| if next.0 > kept.0 { next } else { kept });
        if let Some(latest) = latest {
            let single: Vec<NaiveDate> = current
                .iter()
                .filter(|c| !is_recurrent(c))
                .filter_map(|c| reading.onset(c))
                .collect();
            let unwell: Vec<(NaiveDate, NaiveDate)> = days
                .iter()
                .filter(|(_, scores)| !scores.iter().all(|(remitted, _)| *remitted))
                .map(|(day, _)| (*day, *day))
                .chain(treatments.iter().map(Treatment::unwell_span))
                .collect();
            let (onset, onset_unsure) = joined_onsets(latest, &onsets, &unwell, recovery_days);
            // The diagnosis the current episode is dated by: the words of what is missing
            // name it (review39 F6: they had named the first diagnosis on file).
            let name = onsets
                .iter()
                .find(|(day, _)| *day == onset)
                .map_or(latest.1, |(_, name)| *name)
                .to_owned();
            // A single-episode diagnosis's onset is the episode's: an end on or after it
            // closed a record of this same episode. A recurrent diagnosis's onset is the
            // disorder's first: every earlier episode's end bounds, after that onset too.
            let episode_onset = single.iter().copied().max().map(|day| day.min(onset));
            let floor = earlier
                .iter()
                .filter_map(|e| e.end)
                .filter(|end| episode_onset.is_none_or(|o| *end < o))
                .max()
                .map(Floor::Ended);
            return Episode {
                onset: Some(onset),
                onset_unsure,
                floor,
                ceiling: Ceiling::Always,
                unknown_why: String::new(),
                name,
                recovery: None,
                at_last_day: None,
                window_across_bound: WindowAcrossBound::default(),
            };
        }
        let mut episode = Self::undated(&current, &earlier, recurrent, reading);
        if let Some(first) = recurred.first() {
            if current.is_empty() {
                first.name().clone_into(&mut episode.name);
            }
            episode.unknown_why = format!(
                "the diagnosis is sent as a recurrence (R4 clinical status 'recurrence'): {}",
                episode.unknown_why
            );
        }
        episode
    }

    /// The bounds of a current episode with no onset: the latest evidence of its start wins.
    fn undated(
        current: &[&Condition],
        earlier: &[Earlier],
        recurrent: bool,
        reading: Reading,
    ) -> Self {
        // The recordedDates no earlier episode began after: the others are stale.
        let recorded = current
            .iter()
            .filter(|c| {
                reading
                    .recorded(c)
                    .is_some_and(|r| !earlier.iter().any(|e| e.start.is_some_and(|s| s > r)))
            })
            .min_by_key(|c| reading.recorded(c));
        // The diagnosis the current episode is dated by: the one whose recordedDate dates it.
        let name = recorded
            .or(current.first())
            .map_or_else(|| String::from("the diagnosis"), |c| c.name().to_owned());
        // Said as the record gave it ("2026-06"), whichever day of it is read.
        let recorded_text = recorded.and_then(|c| c.recorded_text());
        let recorded = recorded.and_then(|c| reading.recorded(c));
        let ended = earlier.iter().filter_map(|e| e.end).max();
        let open: Vec<Option<NaiveDate>> = earlier
            .iter()
            .filter(|e| e.end.is_none())
            .map(|e| e.start)
            .collect();
        let began = open.iter().flatten().max().copied();
        let floor = match (ended, began) {
            (Some(end), Some(began)) if began > end => Some(Floor::Began(began)),
            (Some(end), _) => Some(Floor::Ended(end)),
            (None, Some(began)) => Some(Floor::Began(began)),
            (None, None) => None,
        };
        let recorded_words = recorded_text.as_ref().map_or_else(String::new, |r| {
            format!(", and the current one recorded on {r}")
        });
        if earlier.is_empty() {
            return if recurrent {
                let ceiling = recorded.map_or(Ceiling::Never, Ceiling::From);
                let on = recorded_text
                    .as_ref()
                    .map_or_else(|| String::from(", on no day"), |r| format!(" on {r}"));
                Episode {
                    onset: None,
                    onset_unsure: None,
                    floor: None,
                    ceiling,
                    unknown_why: format!(
                        "the diagnosis says the depression is recurrent (recorded{on}) and no earlier episode is dated"
                    ),
                    name,
                    recovery: None,
                    at_last_day: None,
                    window_across_bound: WindowAcrossBound::default(),
                }
            } else {
                Episode {
                    onset: None,
                    onset_unsure: None,
                    floor: None,
                    ceiling: Ceiling::Always,
                    unknown_why: String::new(),
                    name,
                    recovery: None,
                    at_last_day: None,
                    window_across_bound: WindowAcrossBound::default(),
                }
            };
        }
        // Past the floor, the latest evidence decides: a recordedDate (never stale here: no
        // earlier episode began after it) or, with none, an end after every open episode began.
        let ceiling = if open.is_empty() {
            ended.map_or(Ceiling::Always, Ceiling::From)
        } else if let Some(r) = recorded {
            Ceiling::From(r)
        } else {
            match (ended, began) {
                (Some(e), Some(b)) if e >= b && open.iter().all(Option::is_some) => {
                    Ceiling::From(e)
                }
                _ => Ceiling::Never,
            }
        };
        let unknown_why = match began {
            Some(began) => format!(
                "an earlier episode (begun {}) is recorded over, on no day{recorded_words}",
                month(began)
            ),
            None if !open.is_empty() => {
                format!("an earlier episode is recorded over, on no day{recorded_words}")
            }
            None => format!("an earlier episode is recorded{recorded_words}"),
        };
        Episode {
            onset: None,
            onset_unsure: None,
            floor,
            ceiling,
            unknown_why,
            name,
            recovery: None,
            at_last_day: None,
            window_across_bound: WindowAcrossBound::default(),
        }
    }

    /// Where a treatment begun on `start` stands: the diagnoses' placement, moved before the
    /// current episode by a recovery it was begun before the end of.
    ///
    /// A bound given as a month or a year alone is every day of it: where reading it at its first
    /// day and at its last place the treatment differently (begun in the month an earlier
    /// episode is recorded over, or within the onset's grace of some of its days only), the
    /// order cannot be told. Chosen (`window_across_bound`, default `undecided`): the treatment
    /// is then unknown, and the dates of a month that would decide are said; `current` counts
    /// it as the current episode's, `before` sets it aside.
    pub fn place(&self, start: NaiveDate) -> Placement {
        let placed = self.place_in_one_reading(start);
        match &self.at_last_day {
            Some((at_last_day, windows)) => {
                let other = at_last_day.place_in_one_reading(start);
                if std::mem::discriminant(&placed) == std::mem::discriminant(&other) {
                    placed
                } else {
                    self.across_a_window(start, placed, other, windows)
                }
            }
            None => placed,
        }
    }

    /// Where a treatment begun on `start` stands in one reading of the dates of a month: the
    /// diagnoses' placement, moved before the current episode by the recovery its scores show.
    fn place_in_one_reading(&self, start: NaiveDate) -> Placement {
        match self.place_by_diagnoses(start) {
            Placement::Before(why) => Placement::Before(why),
            placed => match &self.recovery {
                Some(recovery) if start <= recovery.last => Placement::Before(recovery.why(start)),
                _ => placed,
            },
        }
    }

    /// A treatment the episode read at the first days of its dates of a month (`first`) and
    /// at their last days (`last`) places differently: read as the rule set says.
    fn across_a_window(
        &self,
        start: NaiveDate,
        first: Placement,
        last: Placement,
        windows: &str,
    ) -> Placement {
        let pick = |wanted: fn(&Placement) -> bool| [first, last].into_iter().find(wanted);
        let chosen = match self.window_across_bound {
            WindowAcrossBound::Undecided => None,
            WindowAcrossBound::Current => pick(|p| matches!(p, Placement::Current)),
            WindowAcrossBound::Before => pick(|p| matches!(p, Placement::Before(_))),
        };
        chosen.unwrap_or_else(|| {
            Placement::Unknown(format!(
                "begun {start}, in the current episode or an earlier one: that turns on a date \
                 given as a month or a year alone ({windows}); its day would decide"
            ))
        })
    }

    fn place_by_diagnoses(&self, start: NaiveDate) -> Placement {
        let below_floor = self.floor.filter(|floor| start < floor.day()).map(|floor| {
            Placement::Before(match floor {
                Floor::Ended(end) => format!("in an earlier episode, over on {end}"),
                Floor::Began(began) => {
                    format!("before an earlier episode, begun {}", month(began))
                }
            })
        });
        if let Some(onset) = self.onset
            && shift(start, ONSET_GRACE_DAYS) < onset
        {
            return match &self.onset_unsure {
                // An earlier episode's recorded end after the treatment began settles what the
                // onsets leave open: that episode's.
                Some(unsure) if shift(start, ONSET_GRACE_DAYS) >= unsure.day => below_floor
                    .unwrap_or_else(|| {
                        Placement::Unknown(format!(
                            "begun {start}, in the current episode or an earlier one: {}; the onset of the current episode ({}) would decide",
                            unsure.why, self.name
                        ))
                    }),
                Some(unsure) => {
                    Placement::Before(format!("before the current episode, {}", month(unsure.day)))
                }
                None => Placement::Before(format!("before the current episode, {}", month(onset))),
            };
        }
        if let Some(before) = below_floor {
            return before;
        }
        match self.ceiling {
            Ceiling::Always => Placement::Current,
            Ceiling::From(from) if start >= from => Placement::Current,
            _ => Placement::Unknown(format!(
                "begun {start}, in the current episode or an earlier one: {}; the onset of the current episode ({}) would decide",
                self.unknown_why, self.name
            )),
        }
    }
}

/// The dates of a month or a year alone that bound the episode, in words ("Major depressive
/// disorder began in 2025-06; Depressive episode is recorded over in 2025-06"): the onsets of
/// the current diagnoses, and the starts and ends of the earlier episodes (the diagnoses
/// [`Episode::of_diagnoses`] reads). Empty when every such date is a day.
fn windows_in_words(ctx: &Context<'_>) -> Vec<String> {
    let applies = &ctx.set.applies_to;
    let current = ctx.conditions.iter().copied();
    let earlier = ctx.record.conditions.iter().filter(|c| {
        c.is_diagnosis()
            && !ctx.conditions.iter().any(|now| now.id == c.id)
            && !c.is_active()
            && selected_by(c, applies)
    });
    let mut words: Vec<String> = Vec::new();
    for c in current.chain(earlier) {
        if let Some(onset) = c.onset.filter(|_| !c.onset_precision.is_day()) {
            words.push(format!(
                "{} began in {}",
                c.name(),
                c.onset_precision.format(onset)
            ));
        }
        if let Some(end) = c.abatement.filter(|_| !c.abatement_precision.is_day()) {
            words.push(format!(
                "{} is recorded over in {}",
                c.name(),
                c.abatement_precision.format(end)
            ));
        }
        // The day it was recorded bounds the episode where no onset is given.
        if let Some(recorded) = c
            .recorded
            .filter(|_| c.onset.is_none() && !c.recorded_precision.is_day())
        {
            words.push(format!(
                "{} is recorded in {}",
                c.name(),
                c.recorded_precision.format(recorded)
            ));
        }
    }
    words.dedup();
    words
}

/// The current episode's onset from the onsets of its current diagnoses (`onsets`, each with
/// its diagnosis's name): the latest (`latest`), or an earlier onset of a diagnosis still
/// current when no recovery can lie between them. MacArthur/Frank (reference section 3): a new
/// episode is a recurrence AFTER a recovery, so a diagnosis of the same disorder recorded again
/// with a later onset and no end of the earlier one (a hospital's encounter diagnosis dated on
/// admission, a re-coding F32.1 to F32.2, a second F33 record) is the same episode worsened or
/// re-coded, not a new one: the trials failed before it still count (the tester's case: both
/// failures set aside as "before the current episode", and a TRD read not
/// treatment-resistant). A recurrent diagnosis (F33) is joined as a single-episode one is: its
/// code says earlier episodes exist, never that one ended between two of its records (review39
/// F4).
///
/// Chosen: a recovery lasts `recovery_days` (the rule set's `[episode]`), so it can lie between
/// two onsets only where some stretch between them longer than that has no sign the patient was
/// unwell (`unwell`, spans of days: a score not in remission, a treatment begun, a treatment
/// from its start to its stop for no response, a session of an acute course, and the onsets
/// themselves). Where none does,
/// the onsets are joined. Where one does and nothing recorded says (no recovery is recorded:
/// that is [`latest_recovery`]'s), the earlier onset is unsure: a treatment begun between the
/// two is in the current episode or an earlier one, undecided (reference: "episode boundaries
/// unknown" is insufficient data), never set aside. A rule set with no `[episode]` joins none,
/// and leaves each earlier onset unsure. Returns the onset and the earlier one left unsure.
fn joined_onsets(
    latest: (NaiveDate, &str),
    onsets: &[(NaiveDate, &str)],
    unwell: &[(NaiveDate, NaiveDate)],
    recovery_days: Option<i64>,
) -> (NaiveDate, Option<UnsureOnset>) {
    let mut earlier: Vec<(NaiveDate, &str)> = onsets
        .iter()
        .copied()
        .filter(|(day, _)| *day < latest.0)
        .collect();
    // Latest last; of two diagnoses dated the same day, the first on file is said.
    earlier.sort_by_key(|(day, _)| std::cmp::Reverse(*day));
    earlier.dedup_by_key(|(day, _)| *day);
    earlier.reverse();
    let mut onset = latest;
    while let Some(before) = earlier.pop() {
        let quiet = longest_quiet(before.0, onset.0, unwell);
        if recovery_days.is_some_and(|days| quiet <= days) {
            onset = before;
            continue;
        }
        let diagnoses = if before.1 == onset.1 {
            format!(
                "{} is recorded with an onset on {} and again on {}",
                before.1, before.0, onset.0
            )
        } else {
            format!(
                "{} is recorded with an onset on {}, and {} with an onset on {}",
                before.1, before.0, onset.1, onset.0
            )
        };
        let why = format!(
            "{diagnoses}, with no end between; {quiet} days between them show no sign the \
             depression was still on, time enough for a recovery no record shows"
        );
        return (onset.0, Some(UnsureOnset { day: before.0, why }));
    }
    (onset.0, None)
}

/// The longest stretch of days from `from` to `to` that no span of `unwell` covers.
fn longest_quiet(from: NaiveDate, to: NaiveDate, unwell: &[(NaiveDate, NaiveDate)]) -> i64 {
    let mut spans: Vec<(NaiveDate, NaiveDate)> = unwell
        .iter()
        .filter(|(first, last)| *last > from && *first < to)
        .map(|(first, last)| ((*first).max(from), (*last).min(to)))
        .collect();
    spans.sort_unstable();
    let mut quiet = 0;
    let mut covered_to = from;
    for (first, last) in spans {
        quiet = quiet.max((first - covered_to).num_days());
        covered_to = covered_to.max(last);
    }
    quiet.max((to - covered_to).num_days())
}

/// Each day with its scores: whether each is in remission, and its scale's cut in words.
type ScoreDays = BTreeMap<NaiveDate, Vec<(bool, String)>>;

/// Every day with a score of the rule set's scales that have a remission cut, each score with
/// whether it is in remission and the words of its scale's cut; and each day a treatment of the
/// criterion began, each day one was stopped for no response and each session of an acute
/// course (`treatments`), as a day not in
/// remission (an acute trial is not begun in a sustained remission, nor stopped as ineffective
/// in one). Scores after the run day are not read.
///
/// A score dated by a month or a year alone ("2017-07") is every day of it, never its first
/// day: it is put on the first or the last day of it as `reading` says (a recovery run, or the
/// quiet between two onsets, may turn on its day: [`Episode::place`] reads both), and said in
/// the second list ("PHQ-9 scored in 2017-07").
fn score_days(
    ctx: &Context<'_>,
    treatments: &[Treatment],
    reading: Reading,
) -> (ScoreDays, Vec<String>) {
    let mut of_a_month: Vec<String> = Vec::new();
    // Every score of a scale with a remission cut, once (criteria share their scales), with
    // whether it is in remission and the words of its scale's cut.
    let mut seen: Vec<&Observation> = Vec::new();
    let mut days: ScoreDays = BTreeMap::new();
    let scores = ctx
        .set
        .criteria
        .iter()
        .filter_map(|criterion| criterion.failed_trials.as_ref()?.score.as_ref())
        .map(|score| &score.observation);
    for selector in scores {
        for observation in ctx.observations(selector) {
            let first_day = observation.local_day();
            let day = match reading {
                Reading::First => first_day,
                Reading::Last => observation.last_local_day().min(ctx.today),
            };
            if observation.value.is_none()
                || first_day > ctx.today
                || seen.iter().any(|o| std::ptr::eq(*o, observation))
            {
                continue;
            }
            let Some(scale) = scale_of(selector, observation).and_then(|i| selector.scale.get(i))
            else {
                continue;
            };
            let Some(cut) = scale.remission_below else {
                continue;
            };
            seen.push(observation);
            if !observation.effective_precision.is_day() {
                let words = format!("{} scored in {}", scale.name, observation.day_text());
                if !of_a_month.contains(&words) {
                    of_a_month.push(words);
                }
            }
            let remitted = observation.beyond("below", cut) == Some(true);
            days.entry(day).or_default().push((
                remitted,
                format!("{} below {}", scale.name, trim_number(cut)),
            ));
        }
    }
    // A treatment begun, a session given, or a trial stopped for no response is a day not in
    // remission: the run breaks there.
    for treatment in treatments {
        let begun = std::iter::once((treatment.start, "a treatment begun or a session given"));
        let stopped = treatment
            .unwell_until
            .map(|day| (day, "a treatment's last day showing the illness"));
        for (day, what) in begun.chain(stopped).filter(|(day, _)| *day <= ctx.today) {
            days.entry(day)
                .or_default()
                .push((false, String::from(what)));
        }
    }
    (days, of_a_month)
}

/// The latest recovery the scores show (see the module's head): the run of days (of
/// [`score_days`]) with every score in remission, at least two scores and `recovery_days` from
/// its first to its last, that ends last.
fn latest_recovery(days: &ScoreDays, recovery_days: i64) -> Option<Recovery> {
    // (first, last, scores, scales) of the run going on.
    let mut run: Option<(NaiveDate, NaiveDate, usize, Vec<String>)> = None;
    let mut latest: Option<Recovery> = None;
    let mut close = |run: &mut Option<(NaiveDate, NaiveDate, usize, Vec<String>)>| {
        if let Some((first, last, count, scales)) = run.take()
            && count >= 2
            && (last - first).num_days() >= recovery_days
        {
            latest = Some(Recovery {
                first,
                last,
                scales: scales.join(", "),
            });
        }
    };
    for (day, scores) in days {
        if scores.iter().all(|(remitted, _)| *remitted) {
            let (_, last, count, scales) = run.get_or_insert_with(|| (*day, *day, 0, Vec::new()));
            *last = *day;
            *count += scores.len();
            for (_, words) in scores {
                if !scales.contains(words) {
                    scales.push(words.clone());
                }
            }
        } else {
            close(&mut run);
        }
    }
    close(&mut run);
    latest
}
