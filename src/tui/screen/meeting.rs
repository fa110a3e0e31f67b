//! The meeting screens' state and how keys change it: the list of meetings with the team's open
//! tasks, one meeting's agenda and attendees, and the presentation of one case at a time on a
//! shared screen (identity masked, a timer against the case's time box, the decision and the
//! follow-up tasks recorded while the case is on screen). Every change is one request to the
//! worker, saved at once: closing the terminal loses nothing typed.

use chrono::NaiveDateTime;

use super::Ctx;
use crate::domain::{
    Attendee, Edit, MeetingCase, Outcome, OutcomeCategory, PatientId, PlanFollowed, Task,
    TaskStatus, can_present,
};
use crate::meeting::{MeetingChange, MeetingView};
use crate::tui::action::Action;
use crate::tui::effect::{Effect, Opening};
use crate::tui::model::{ChoiceFor, Input, Opened, Popup};
use crate::tui::purpose::{
    DUE, InputPurpose, MeetingPurpose, NAME, SPECIALTY, TASK_OWNER, TASK_WHAT, TITLE, WHEN,
};
use crate::tui::state::Screen;
use crate::tui::state::meeting::{
    AgendaPane, FLUSH_SECONDS, MeetingChoice, MeetingScreen, MeetingsPane, MeetingsScreen,
    PendingOutcome, Presentation,
};
use crate::tui::state::patient::Tab;
use crate::tui::worker::{Request, Save};

/// Writes the time of the case on screen (leaving it, or the meeting).
pub fn leave_presentation(meeting: Option<&mut MeetingScreen>) -> Vec<Effect> {
    let Some(screen) = meeting else {
        return Vec::new();
    };
    let Some(presentation) = screen.presenting.as_mut() else {
        return Vec::new();
    };
    let unsaved = std::mem::take(&mut presentation.unsaved);
    let case = screen.selected_case().map(|c| c.case.id);
    match case {
        Some(case) if unsaved > 0 => save(MeetingChange::Presented {
            case,
            seconds: unsaved,
        }),
        _ => Vec::new(),
    }
}

/// A second passed while a case is presented.
pub fn tick(screen: &mut MeetingScreen) -> Vec<Effect> {
    let case = screen.selected_case().map(|c| c.case.id);
    let Some(presentation) = screen.presenting.as_mut() else {
        return Vec::new();
    };
    presentation.unsaved += 1;
    match case {
        Some(case) if presentation.unsaved >= FLUSH_SECONDS => {
            let seconds = std::mem::take(&mut presentation.unsaved);
            save(MeetingChange::Presented { case, seconds })
        }
        _ => Vec::new(),
    }
}

fn ask(purpose: MeetingPurpose, text: String) -> Vec<Effect> {
    vec![Effect::Ask(Input::new(
        InputPurpose::Meeting(purpose),
        text,
    ))]
}

/// Asks for text that changes `case`, as it is now (what the save is checked against).
fn ask_about(purpose: MeetingPurpose, text: String, case: MeetingCase) -> Vec<Effect> {
    vec![Effect::Ask(
        Input::new(InputPurpose::Meeting(purpose), text).about(Opened::Case(case)),
    )]
}

fn save(change: MeetingChange) -> Vec<Effect> {
    vec![Effect::save(Save::Meeting(change))]
}

fn say(words: impl Into<String>) -> Vec<Effect> {
    vec![Effect::say(words)]
}

fn choose(
    title: &str,
    options: Vec<String>,
    selected: usize,
    choice: MeetingChoice,
) -> Vec<Effect> {
    vec![Effect::Choose(Popup::Choose {
        title: title.to_owned(),
        options,
        selected,
        choice: ChoiceFor::Meeting(choice),
    })]
}

/// Why Space does nothing on the open tasks after the task selected left them.
const NO_TASK_SELECTED: &str =
    "no task selected (the one selected is no longer open): j/k selects one";

/// A key on the meetings list.
pub fn list_action(screen: &mut MeetingsScreen, action: Action) -> Vec<Effect> {
    match action {
        Action::NextTab | Action::PrevTab => {
            screen.pane = match screen.pane {
                MeetingsPane::Meetings => MeetingsPane::Tasks,
                MeetingsPane::Tasks => MeetingsPane::Meetings,
            };
        }
        Action::MoveDown | Action::MoveUp | Action::First | Action::Last => {
            let (index, len) = match screen.pane {
                MeetingsPane::Meetings => (screen.selected, screen.list.len()),
                MeetingsPane::Tasks => (screen.task, screen.tasks.len()),
            };
            match screen.pane {
                MeetingsPane::Meetings => screen.select_meeting(moved(index, len, action)),
                // Nothing selected (the task selected left the list): the first key selects
                // the row under the cursor, so the person sees it before Space acts on it.
                MeetingsPane::Tasks if screen.task_gone => {
                    screen.select_task(index.min(len.saturating_sub(1)));
                }
                MeetingsPane::Tasks => screen.select_task(moved(index, len, action)),
            }
        }
        Action::AddItem => {
            return ask(MeetingPurpose::NewMeeting, String::new());
        }
        Action::ToggleItem if screen.pane == MeetingsPane::Tasks => {
            if screen.task_gone {
                return say(NO_TASK_SELECTED);
            }
            if let Some(row) = screen.selected_task() {
                let done = Task {
                    status: TaskStatus::Done,
                    ..row.task.clone()
                };
                let edit = Edit::of(row.task.clone(), done);
                // Done here, the task leaves the list as meant: the cursor stays on its row,
                // where the next task comes (one done after another).
                screen.task_id = None;
                return save(MeetingChange::Task(edit));
            }
        }
        Action::Open => match screen.pane {
            MeetingsPane::Meetings => {
                if let Some(meeting) = screen.list.get(screen.selected) {
                    return vec![Effect::Open(Opening::Meeting(meeting.id))];
                }
            }
            MeetingsPane::Tasks => {
                // A task opens its patient.
                if screen.task_gone {
                    return say(NO_TASK_SELECTED);
                }
                if let Some(row) = screen.selected_task() {
                    return vec![Effect::Open(Opening::Patient {
                        id: row.task.patient_id,
                        back_to: Screen::Meetings,
                        tab: Tab::Tasks,
                    })];
                }
            }
        },
        _ => {}
    }
    Vec::new()
}

/// The cursor at `index` of `len` rows, after a move key.
fn moved(index: usize, len: usize, action: Action) -> usize {
    match action {
        Action::MoveDown => (index + 1).min(len.saturating_sub(1)),
        Action::MoveUp => index.saturating_sub(1),
        Action::First => 0,
        _ => len.saturating_sub(1),
    }
}

/// A meeting arrived from the worker; `presenting` when its case is on the shared screen.
///
/// The selection is the case itself, not its place: a colleague's `J`, `K` or `X` on another
/// terminal moves the rows, and the presenter stays on the patient they are discussing.
pub fn loaded(screen: &mut MeetingScreen, view: Box<MeetingView>, presenting: bool) -> Vec<Effect> {
    if screen.id != view.detail.meeting.id {
        return Vec::new();
    }
    let was = (screen.case_id, screen.case);
    let found = screen
        .case_id
        .and_then(|id| view.detail.cases.iter().position(|c| c.case.id == id));
    let attendee = screen
        .attendee_id
        .and_then(|id| view.detail.attendees.iter().position(|a| a.id == id))
        .unwrap_or(screen.attendee)
        .min(view.detail.attendees.len().saturating_sub(1));
    let cases = view.detail.cases.len();
    // The presented case's one clock: seconds this terminal has not written yet that another
    // terminal counted meanwhile are in the stored time already, and are neither shown twice
    // on the timer nor written again.
    let counted_elsewhere = found.and_then(|at| view.counted_elsewhere.get(at).copied().flatten());
    if let (Some(presentation), Some(since), true) =
        (screen.presenting.as_mut(), counted_elsewhere, presenting)
    {
        presentation.unsaved = presentation.unsaved.min(since);
    }
    screen.view = Some(view);
    screen.select_case(found.unwrap_or(screen.case).min(cases.saturating_sub(1)));
    screen.select_attendee(attendee);
    if !presenting {
        // The selection moved to another case because its own left: said, so that the next
        // key (X, e, ⏎) is not meant for the case that went.
        return match (was, screen.selected_case()) {
            ((Some(_), old), Some(now)) if found.is_none() => vec![Effect::say(format!(
                "case {} was removed from the agenda on another terminal: case {} ({}) is \
                 selected now",
                old + 1,
                screen.case + 1,
                now.ruleset
            ))],
            _ => Vec::new(),
        };
    }
    match was {
        (Some(_), old) if found.is_none() => case_removed(screen, old),
        // The patient follows the case (reloaded only if it is another one).
        _ => vec![Effect::Open(Opening::Presentation)],
    }
}

/// The case on the shared screen was removed from the agenda elsewhere: the presenter is told
/// and moved to its neighbour, on which nothing is done.
fn case_removed(screen: &mut MeetingScreen, old: usize) -> Vec<Effect> {
    // Seconds on a case that no longer exists have nowhere to be written.
    screen.presenting = Some(Presentation { unsaved: 0 });
    let Some(now) = screen.selected_case() else {
        screen.presenting = None;
        return vec![
            Effect::say(format!(
                "case {} was removed from the agenda on another terminal: the agenda is empty",
                old + 1
            )),
            Effect::Open(Opening::Meeting(screen.id)),
        ];
    };
    let words = format!(
        "case {} was removed from the agenda on another terminal: case {} ({}) is on screen, nothing recorded on it",
        old + 1,
        screen.case + 1,
        now.ruleset
    );
    vec![Effect::Open(Opening::Presentation), Effect::say(words)]
}

/// Why text typed about a case that left the agenda is not saved.
fn gone() -> Vec<Effect> {
    say("not saved, text kept: the case was removed from the agenda on another terminal")
}

/// A key on a meeting's agenda.
pub fn agenda_action(screen: &mut MeetingScreen, action: Action) -> Vec<Effect> {
    let Some(view) = screen.view.as_deref() else {
        return Vec::new();
    };
    let cases = view.detail.cases.len();
    let attendees = view.detail.attendees.len();
    let case = view.detail.cases.get(screen.case).map(|c| c.case.clone());
    match action {
        Action::NextTab | Action::PrevTab => {
            screen.pane = match screen.pane {
                AgendaPane::Agenda => AgendaPane::Attendees,
                AgendaPane::Attendees => AgendaPane::Agenda,
            };
        }
        Action::MoveDown | Action::MoveUp | Action::First | Action::Last => match screen.pane {
            AgendaPane::Agenda => screen.select_case(moved(screen.case, cases, action)),
            AgendaPane::Attendees => {
                screen.select_attendee(moved(screen.attendee, attendees, action));
            }
        },
        Action::MoveCaseUp | Action::MoveCaseDown => {
            let Some(case) = case else { return Vec::new() };
            let up = action == Action::MoveCaseUp;
            // The selection is the case: the reload after the save shows it at its new place.
            return save(MeetingChange::MoveCase { case: case.id, up });
        }
        Action::RemoveCase => {
            let Some(case) = case else { return Vec::new() };
            // Removed here, the case leaves as meant: the reload selects its neighbour
            // without telling the person what they just did.
            screen.case_id = None;
            // As shown: its undo (u) puts back what the person saw go.
            return save(MeetingChange::RemoveCase { case });
        }
        Action::EditQuestion => {
            let Some(case) = case else { return Vec::new() };
            return ask_about(MeetingPurpose::Question, case.question.clone(), case);
        }
        Action::SetTimebox => {
            let Some(case) = case else { return Vec::new() };
            return ask_about(
                MeetingPurpose::Timebox,
                case.timebox_minutes.to_string(),
                case,
            );
        }
        Action::AddItem => return ask(MeetingPurpose::Attendee, String::new()),
        Action::WriteMinutes => {
            let name = minutes_file_name(&view.detail.meeting);
            return ask(MeetingPurpose::MinutesFile, name);
        }
        Action::ToggleItem => {
            if let Some(attendee) = view.detail.attendees.get(screen.attendee) {
                screen.pane = AgendaPane::Attendees;
                let toggled = Attendee {
                    present: !attendee.present,
                    ..attendee.clone()
                };
                return save(MeetingChange::Attendee(Edit::of(attendee.clone(), toggled)));
            }
        }
        Action::Open => {
            let Some(case) = case else {
                return say("the agenda is empty: add patients from the list with A");
            };
            if let Err(problem) = can_present(&case) {
                return say(format!("case {}: {problem}", screen.case + 1));
            }
            screen.presenting = Some(Presentation { unsaved: 0 });
            return vec![Effect::Open(Opening::Presentation)];
        }
        _ => {}
    }
    Vec::new()
}

/// A key on the presentation; `assessment` is the fingerprint of the assessment shown of the
/// case's patient and condition (`None`: none shown), which a decision is typed against.
pub fn presentation_action(
    screen: &mut MeetingScreen,
    action: Action,
    assessment: Option<String>,
) -> Vec<Effect> {
    let Some(view) = screen.view.as_deref() else {
        return Vec::new();
    };
    let cases = view.detail.cases.len();
    let Some(detail) = view.detail.cases.get(screen.case).cloned() else {
        return Vec::new();
    };
    match action {
        Action::WriteMinutes => {
            let name = minutes_file_name(&view.detail.meeting);
            return ask(MeetingPurpose::MinutesFile, name);
        }
        Action::NextCase | Action::PrevCase => {
            let next = if action == Action::NextCase {
                (screen.case + 1).min(cases.saturating_sub(1))
            } else {
                screen.case.saturating_sub(1)
            };
            if next == screen.case {
                return say(if action == Action::NextCase {
                    "this is the last case"
                } else {
                    "this is the first case"
                });
            }
            let mut effects = leave_presentation(Some(screen));
            screen.select_case(next);
            screen.presenting = Some(Presentation { unsaved: 0 });
            effects.push(Effect::Open(Opening::Presentation));
            return effects;
        }
        Action::EditQuestion => {
            return ask_about(
                MeetingPurpose::Question,
                detail.case.question.clone(),
                detail.case,
            );
        }
        Action::RecordOutcome => {
            if let Err(problem) = can_present(&detail.case) {
                return say(problem.to_string());
            }
            let current = detail
                .case
                .outcome_category
                .as_deref()
                .and_then(|c| OutcomeCategory::parse(c).ok());
            // The case as it is now: the decision saved at the end is checked against it, so a
            // colleague's "comes back" meanwhile is kept.
            screen.pending = Some(PendingOutcome {
                outcome: Outcome {
                    category: current,
                    chosen_option_id: detail.case.chosen_option_id,
                    text: detail.case.outcome_text.clone(),
                    comes_back: detail.case.comes_back,
                },
                base: detail.case.clone(),
                seen: (detail.ruleset.clone(), assessment),
            });
            return choose(
                "Outcome: the recommendation",
                OutcomeCategory::ALL
                    .iter()
                    .map(|c| c.label().to_owned())
                    .collect(),
                current
                    .and_then(|c| OutcomeCategory::ALL.iter().position(|x| *x == c))
                    .unwrap_or(0),
                MeetingChoice::Category,
            );
        }
        Action::ComesBack => {
            if let Err(problem) = can_present(&detail.case) {
                return say(problem.to_string());
            }
            // "Comes back" alone: a decision being typed elsewhere meanwhile keeps it.
            let toggled = MeetingCase {
                comes_back: !detail.case.comes_back,
                ..detail.case.clone()
            };
            return save(MeetingChange::Case(Edit::of(detail.case, toggled)));
        }
        Action::AddTask => {
            // The owner is usually someone in the room: ↑↓ picks them, a name can be typed.
            let attendees = view
                .detail
                .attendees
                .iter()
                .map(|a| a.name.clone())
                .collect();
            // The task is for this case and its patient, whatever the agenda does meanwhile.
            return vec![Effect::Ask(
                Input::new(InputPurpose::Meeting(MeetingPurpose::Task), String::new())
                    .with_choices(TASK_OWNER, attendees)
                    .about(Opened::Case(detail.case)),
            )];
        }
        Action::PlanFollowed => {
            let Some(previous) = view.previous.get(screen.case).and_then(Option::as_ref) else {
                return say("no earlier discussion of this patient to follow up");
            };
            let previous = Box::new(previous.case.clone());
            return choose(
                "Was the last plan followed?",
                vec![
                    String::from("yes"),
                    String::from("partly"),
                    String::from("no (with a reason)"),
                ],
                0,
                MeetingChoice::PlanFollowed(previous),
            );
        }
        _ => {}
    }
    Vec::new()
}

/// A choice made in one of the meeting menus.
pub fn chosen(screen: &mut MeetingScreen, choice: &MeetingChoice, index: usize) -> Vec<Effect> {
    let Some(view) = screen.view.as_deref() else {
        return Vec::new();
    };
    match choice {
        MeetingChoice::Category => {
            let Some(pending) = screen.pending.as_mut() else {
                return Vec::new();
            };
            // The options of the case the decision was begun on, wherever it stands now.
            let Some(at) = view
                .detail
                .cases
                .iter()
                .position(|c| c.case.id == pending.base.id)
            else {
                return say(
                    "nothing recorded: the case was removed from the agenda on another terminal",
                );
            };
            let options = view.options.get(at).cloned().unwrap_or_default();
            let pending = &mut pending.outcome;
            pending.category = OutcomeCategory::ALL.get(index).copied();
            if options.is_empty() {
                let text = pending.text.clone();
                return ask(MeetingPurpose::OutcomeText, text);
            }
            let mut names: Vec<String> = vec![String::from("No option of the board")];
            names.extend(options.iter().map(|o| format!("{} ({})", o.name, o.stance)));
            let selected = pending
                .chosen_option_id
                .and_then(|id| options.iter().position(|o| o.id == id))
                .map_or(0, |i| i + 1);
            choose(
                "The option chosen from the way-forward board",
                names,
                selected,
                MeetingChoice::ChosenOption(options.iter().map(|o| o.id).collect()),
            )
        }
        MeetingChoice::ChosenOption(offered) => {
            let Some(pending) = screen.pending.as_mut() else {
                return Vec::new();
            };
            let pending = &mut pending.outcome;
            // The option of the menu as it was drawn: the board may have reloaded since.
            pending.chosen_option_id = index.checked_sub(1).and_then(|i| offered.get(i)).copied();
            let text = pending.text.clone();
            ask(MeetingPurpose::OutcomeText, text)
        }
        MeetingChoice::PlanFollowed(previous) => {
            let base = previous.as_ref().clone();
            let followed = |followed| MeetingCase {
                plan_followed: Some(followed),
                plan_followed_reason: None,
                ..base.clone()
            };
            match index {
                0 => save(MeetingChange::Case(Edit::of(
                    base.clone(),
                    followed(PlanFollowed::Yes),
                ))),
                1 => save(MeetingChange::Case(Edit::of(
                    base.clone(),
                    followed(PlanFollowed::Partly),
                ))),
                _ => ask_about(MeetingPurpose::PlanNotFollowed, String::new(), base),
            }
        }
    }
}

/// Typed text submitted on a meeting screen; `opened` is the case the text changes, as it was
/// when the person began typing.
pub fn submit(
    screen: Option<&mut MeetingScreen>,
    ctx: &Ctx,
    purpose: MeetingPurpose,
    input: &mut Input,
) -> Vec<Effect> {
    let typed = input.text();
    let text = typed.trim();
    let opened = input.opened.clone();
    let opened = opened.as_ref();
    if purpose == MeetingPurpose::NewMeeting {
        return new_meeting(ctx, input);
    }
    let Some(screen) = screen else {
        return Vec::new();
    };
    let Some(view) = screen.view.as_deref() else {
        return Vec::new();
    };
    let meeting = view.detail.meeting.id;
    if purpose == MeetingPurpose::MinutesFile {
        if text.is_empty() {
            return Vec::new();
        }
        // Masked minutes while the screen is masked: what is on the shared display is what
        // goes in the file.
        return vec![Effect::Request(Request::Minutes {
            meeting,
            path: std::path::PathBuf::from(text),
            identified: !ctx.masked,
        })];
    }
    // The case typed about, as it was when the input opened: never the one selected now,
    // which a reordered agenda may have put in its place.
    let case = match opened {
        Some(Opened::Case(case)) => Some(case.clone()),
        _ => None,
    };
    let on_agenda = |id: i64| view.detail.cases.iter().any(|c| c.case.id == id);
    match purpose {
        MeetingPurpose::Question => {
            let Some(case) = case else { return Vec::new() };
            if !on_agenda(case.id) {
                return gone();
            }
            let new = MeetingCase {
                question: text.to_owned(),
                ..case.clone()
            };
            save(MeetingChange::Case(Edit::of(case, new)))
        }
        MeetingPurpose::Timebox => {
            let Some(case) = case else { return Vec::new() };
            if !on_agenda(case.id) {
                return gone();
            }
            match text.parse::<u32>() {
                Ok(minutes) if (1..=240).contains(&minutes) => {
                    let new = MeetingCase {
                        timebox_minutes: minutes,
                        ..case.clone()
                    };
                    save(MeetingChange::Case(Edit::of(case, new)))
                }
                _ => say(format!(
                    "'{text}' is not a number of minutes from 1 to 240: nothing saved"
                )),
            }
        }
        MeetingPurpose::Attendee => {
            let (name, specialty) = (input.value(NAME), input.value(SPECIALTY));
            if name.is_empty() {
                input.refuse(NAME, "whose name?");
                return Vec::new();
            }
            if specialty.is_empty() {
                // The minutes count the specialties present: an attendee without one is a gap.
                input.refuse(SPECIALTY, "the attendee's specialty or role");
                return Vec::new();
            }
            save(MeetingChange::AddAttendee {
                meeting,
                name,
                specialty,
            })
        }
        MeetingPurpose::OutcomeText => {
            // Kept until the next decision begins: a save refused or failed is tried again
            // from the same choices.
            let Some(mut pending) = screen.pending.clone() else {
                return Vec::new();
            };
            if !on_agenda(pending.base.id) {
                return gone();
            }
            if text.is_empty() {
                // The minutes carry the decision in words: a category alone says too little.
                input.refuse("", "a decision needs its recommendation in words");
                return Vec::new();
            }
            text.clone_into(&mut pending.outcome.text);
            let edit = Edit::of(pending.base.clone(), pending.case());
            let (ruleset, seen) = pending.seen;
            save(MeetingChange::Decision {
                edit,
                ruleset,
                seen,
            })
        }
        MeetingPurpose::Task => {
            let Some(case) = case else { return Vec::new() };
            if !on_agenda(case.id) {
                return gone();
            }
            // Owner and due date are optional; a field refused keeps everything typed.
            let what = input.value(TASK_WHAT);
            if what.is_empty() {
                input.refuse(TASK_WHAT, "what is to be done?");
                return Vec::new();
            }
            let owner = Some(input.value(TASK_OWNER)).filter(|o| !o.is_empty());
            let Ok(due) = input.due_date(DUE, ctx.today) else {
                return Vec::new();
            };
            save(MeetingChange::AddTask {
                patient: case.patient_id,
                case: Some(case.id),
                what,
                owner,
                due,
            })
        }
        MeetingPurpose::PlanNotFollowed => {
            // The earlier case asked about when `f` was pressed (not on this agenda).
            let Some(base) = case else {
                return Vec::new();
            };
            if text.is_empty() {
                return say("'not followed' needs a reason: nothing saved");
            }
            let new = MeetingCase {
                plan_followed: Some(PlanFollowed::No),
                plan_followed_reason: Some(text.to_owned()),
                ..base.clone()
            };
            save(MeetingChange::Case(Edit::of(base, new)))
        }
        // Answered above, before the meeting was needed.
        MeetingPurpose::NewMeeting | MeetingPurpose::MinutesFile => Vec::new(),
    }
}

/// The file name offered for a meeting's minutes: its date and number, in the current folder.
fn minutes_file_name(meeting: &crate::domain::Meeting) -> String {
    format!(
        "minutes-{}-{}.md",
        meeting.starts_at.format("%Y-%m-%d"),
        meeting.id
    )
}

fn new_meeting(ctx: &Ctx, input: &mut Input) -> Vec<Effect> {
    let when = input.value(WHEN);
    let title = input.value(TITLE);
    let Ok(starts_at) = NaiveDateTime::parse_from_str(&when, "%Y-%m-%d %H:%M") else {
        input.refuse(
            WHEN,
            format!("'{when}' is not a date and time: type it as 2026-12-03 14:00"),
        );
        return Vec::new();
    };
    if title.is_empty() {
        input.refuse(TITLE, "a meeting needs a title");
        return Vec::new();
    }
    // A meeting in the past is usually a slip of the year or month: asked once.
    let day = starts_at.date();
    if day < ctx.today && input.past_date_accepted != Some(day) {
        input.past_date_accepted = Some(day);
        input.refuse(
            WHEN,
            format!("{day} is in the past: ⏎ again to keep it, or change it"),
        );
        return Vec::new();
    }
    save(MeetingChange::Create {
        starts_at,
        title,
        team: ctx.care_team.clone(),
    })
}

/// `A` on the patient list or a patient: `patient` (with the condition on screen) joins the
/// agenda of the meeting last opened, else of the next meeting.
pub fn add_to_agenda(
    patient: Option<(PatientId, Option<String>)>,
    agenda_target: Option<i64>,
) -> Vec<Effect> {
    let Some((patient, ruleset)) = patient else {
        return Vec::new();
    };
    save(MeetingChange::AddCase {
        meeting: agenda_target,
        patient,
        ruleset: ruleset.filter(|r| !r.is_empty()),
    })
}
