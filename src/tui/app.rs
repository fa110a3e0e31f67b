//! The screen's state and how it changes: `update(model, message) → requests`.
//!
//! Everything here is plain data and pure functions, testable without a terminal: a key
//! becomes an action (through the keymap), an action changes the model and may ask the worker
//! for data, and the worker's replies change the model again. Rendering only reads the model.

use chrono::NaiveDate;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;
use super::field::{FormField, TextField};
use super::keymap::Context;
use super::meeting::{self, MeetingChoice, MeetingScreen, MeetingsScreen};
use super::way_forward::{self, Choice, WayForwardScreen};
use super::worker::{NotSaved, OverviewData, PatientDetail, Placement, Reply, Request, Save};
use crate::domain::{
    AssessmentStatus, CareOption, ChecklistItem, MeetingCase, PatientId, ReviewDecision,
    WayForwardStep,
};
use crate::store::{
    Anchor, Cohort, ListFilter, ListQuery, PatientRow, ReviewSeen, SortKey, StatusCounts,
};

/// The screens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Patients,
    Overview,
    Patient,
    WayForward,
    Meetings,
    Meeting,
    Presenting,
}

impl Screen {
    pub fn context(self) -> Context {
        match self {
            Screen::Patients => Context::Patients,
            Screen::Overview => Context::Overview,
            Screen::Patient => Context::Patient,
            Screen::WayForward => Context::WayForward,
            Screen::Meetings => Context::Meetings,
            Screen::Meeting => Context::Meeting,
            Screen::Presenting => Context::Presentation,
        }
    }
}

/// The patient list: a window of rows paged from the database around the selection.
#[derive(Debug, Clone, Default)]
pub struct PatientList {
    pub query: ListQuery,
    pub rows: Vec<PatientRow>,
    /// The absolute row number of `rows[0]` in the whole list (`None` until known, after a
    /// jump to the end before the count arrived).
    pub first_position: Option<u64>,
    pub selected: usize,
    /// Index in `rows` of the first row on screen.
    pub top: usize,
    /// Per-status counts under the filter without its status part.
    pub counts: Option<StatusCounts>,
    pub generation: u64,
    pub loading: bool,
    pub at_start: bool,
    pub at_end: bool,
}

impl PatientList {
    /// Rows matching the whole filter, once counted.
    /// Rows matching the whole filter, once counted exactly (a broad search stops counting).
    pub fn total(&self) -> Option<u64> {
        let counts = self.counts.as_ref().filter(|c| !c.capped)?;
        Some(match self.query.filter.status {
            Some(status) => counts.of(status),
            None => counts.total,
        })
    }

    /// The total in words: "1,000,000", or "10,000+" when a search matched more than is counted.
    pub fn total_text(&self) -> Option<String> {
        let counts = self.counts.as_ref()?;
        if counts.capped {
            return Some(format!(
                "{}+",
                crate::tui::view::thousands(crate::store::SEARCH_COUNT_CAP)
            ));
        }
        self.total().map(crate::tui::view::thousands)
    }

    /// The absolute row number of the selection.
    pub fn position(&self) -> Option<u64> {
        self.first_position
            .map(|first| first + self.selected as u64)
    }

    pub fn selected_row(&self) -> Option<&PatientRow> {
        self.rows.get(self.selected)
    }
}

/// A small menu over the list (filter or sort).
#[derive(Debug, Clone, PartialEq)]
pub enum Popup {
    /// Every key and symbol of the screen; `scroll` lines hidden above (a small terminal).
    Help {
        scroll: usize,
    },
    Filter {
        selected: usize,
    },
    Sort {
        selected: usize,
    },
    /// A short menu of choices (a step's status, whom to refer to, a meeting's outcome).
    Choose {
        title: String,
        options: Vec<String>,
        selected: usize,
        choice: ChoiceFor,
    },
}

/// What a choice menu chooses, and for which screen.
#[derive(Debug, Clone, PartialEq)]
pub enum ChoiceFor {
    WayForward(Choice),
    Meeting(MeetingChoice),
    /// Confirming a flag whose pseudo-resistance checks are still open: go on to the
    /// rationale, or not yet. Holds the review as it was opened.
    ConfirmDespiteConfounders(Box<Opened>),
}

/// What typed text is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputPurpose {
    Search,
    Rationale(ReviewDecision),
    Note,
    StepOwner,
    StepDue,
    StepNotes,
    NaReason,
    ChecklistItem,
    ChecklistDetail,
    OptionNotes,
    RejectReason,
    Trial,
    ReferralSpecialty,
    ReferralTo,
    Goal,
    NewMeeting,
    Question,
    Timebox,
    Attendee,
    OutcomeText,
    Task,
    PlanNotFollowed,
    /// The file a meeting's minutes are written to.
    MinutesFile,
}

impl InputPurpose {
    /// Several lines: Enter starts a new line and Ctrl-S saves.
    pub fn is_multiline(self) -> bool {
        matches!(self, InputPurpose::StepNotes | InputPurpose::Note)
    }

    /// The labelled fields of a form, with what each takes; none for one field typed on the
    /// prompt line.
    pub fn form(self) -> &'static [(&'static str, &'static str)] {
        match self {
            InputPurpose::Task => &[
                (TASK_WHAT, "what is to be done"),
                (TASK_OWNER, "↑↓ picks an attendee, or type a name"),
                (DUE, DUE_HINT),
            ],
            InputPurpose::Goal => &[(GOAL, "what the patient wants to achieve"), (DUE, DUE_HINT)],
            InputPurpose::Attendee => {
                &[(NAME, "e.g. Dr C. Reyes"), (SPECIALTY, "e.g. neurosurgery")]
            }
            InputPurpose::Trial => &[
                (
                    REGISTRY_ID,
                    "NCT01234567, EudraCT 2021-001234-56, ISRCTN12345678",
                ),
                (TITLE, "optional"),
            ],
            InputPurpose::NewMeeting => &[
                (WHEN, "YYYY-MM-DD HH:MM"),
                (TITLE, "e.g. Epilepsy surgery MDT"),
            ],
            _ => &[],
        }
    }
}

/// The labels of the forms' fields: what a screen reads a value by.
pub const TASK_WHAT: &str = "What";
pub const TASK_OWNER: &str = "Owner";
pub const DUE: &str = "Due";
pub const GOAL: &str = "Goal";
pub const NAME: &str = "Name";
pub const SPECIALTY: &str = "Specialty";
pub const REGISTRY_ID: &str = "Registry id";
pub const TITLE: &str = "Title";
pub const WHEN: &str = "When";
const DUE_HINT: &str = "YYYY-MM-DD, +7d, +2w, next mon; empty: none";

/// Text being typed: one field on the prompt line, or a form of labelled fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    pub purpose: InputPurpose,
    /// What has been typed, field by field (one unlabelled field on the prompt line).
    pub fields: Vec<FormField>,
    /// The field being typed into.
    pub focus: usize,
    /// The record the text changes, as it was when typing began: the save is checked against
    /// it, so that a colleague's change made meanwhile is never overwritten silently (a screen
    /// refreshed under the typing does not count as having seen it).
    pub opened: Option<Opened>,
    /// The ticket of the save in flight: the text stays, unchangeable, until the answer; it is
    /// closed when saved and editable again when not.
    pub saving: Option<u64>,
    /// A date in the past that the person was asked about and typed again: it is meant.
    pub past_date_accepted: Option<NaiveDate>,
}

impl Input {
    pub fn new(purpose: InputPurpose, text: String) -> Self {
        let form = purpose.form();
        let fields = if form.is_empty() {
            let field = if purpose.is_multiline() {
                TextField::lines(&text)
            } else {
                TextField::line(text)
            };
            vec![FormField {
                field,
                ..FormField::new("", "")
            }]
        } else {
            form.iter()
                .map(|(label, hint)| FormField::new(label, hint))
                .collect()
        };
        Input {
            purpose,
            fields,
            focus: 0,
            opened: None,
            saving: None,
            past_date_accepted: None,
        }
    }

    /// Whether the input is a form of labelled fields (drawn in a box over the screen).
    pub fn is_form(&self) -> bool {
        self.fields.len() > 1
    }

    /// Whether the input takes the prompt line (one field of one line).
    pub fn on_prompt_line(&self) -> bool {
        !self.is_form() && !self.purpose.is_multiline()
    }

    /// What has been typed (into the first field, the only one outside a form).
    pub fn text(&self) -> String {
        self.fields
            .first()
            .map(|f| f.field.text())
            .unwrap_or_default()
    }

    /// The field being typed into.
    pub fn focused(&self) -> Option<&FormField> {
        self.fields.get(self.focus)
    }

    pub fn focused_mut(&mut self) -> Option<&mut FormField> {
        self.fields.get_mut(self.focus)
    }

    /// The trimmed value of the field labelled `label`.
    pub fn value(&self, label: &str) -> String {
        self.fields
            .iter()
            .find(|f| f.label == label)
            .map(FormField::value)
            .unwrap_or_default()
    }

    /// Marks the field labelled `label` with why its value was not taken, and moves there.
    pub fn refuse(&mut self, label: &str, why: impl Into<String>) {
        if let Some(at) = self.fields.iter().position(|f| f.label == label) {
            self.focus = at;
            self.fields[at].error = Some(why.into());
        }
    }

    /// Whether a field holds a refusal.
    pub fn refused(&self) -> bool {
        self.fields.iter().any(|f| f.error.is_some())
    }

    /// The choices that ↑ and ↓ pick into the field labelled `label`.
    #[must_use]
    pub fn with_choices(mut self, label: &str, choices: Vec<String>) -> Self {
        if let Some(field) = self.fields.iter_mut().find(|f| f.label == label) {
            field.choices = choices;
        }
        self
    }

    /// The same input, about `record` as it is now.
    #[must_use]
    pub fn about(mut self, record: Opened) -> Self {
        self.opened = Some(record);
        self
    }
}

/// A record as it was when a person began changing it.
#[derive(Debug, Clone, PartialEq)]
pub enum Opened {
    Step(WayForwardStep),
    Checklist(ChecklistItem),
    Option(CareOption),
    Case(MeetingCase),
    /// The assessment being confirmed or dismissed: its rule set, and what the person read.
    Review {
        ruleset: String,
        seen: ReviewSeen,
    },
}

/// A save refused because a colleague changed the same thing since it was opened: what the
/// person is told, and what they can do about it (see it, or save theirs over it).
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// Who changed what, and when.
    pub notice: String,
    /// What the colleague saved, field by field, in words.
    pub theirs: Vec<(String, String)>,
    /// The refused save, when nothing was typed for it (a tick, a menu choice): what
    /// "overwrite" sends again. Typed text is saved again from the input instead.
    pub retry: Option<Save>,
    /// Whether the colleague's version is on screen.
    pub showing_theirs: bool,
}

/// The patient screen's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Timeline,
    Lines,
    Observations,
    Notes,
    Tasks,
    History,
}

impl Tab {
    pub const ALL: [Tab; 6] = [
        Tab::Timeline,
        Tab::Lines,
        Tab::Observations,
        Tab::Notes,
        Tab::Tasks,
        Tab::History,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Timeline => "Timeline",
            Tab::Lines => "Lines",
            Tab::Observations => "Observations",
            Tab::Notes => "Notes",
            Tab::Tasks => "Tasks",
            Tab::History => "History",
        }
    }
}

#[derive(Debug, Clone)]
pub struct PatientScreen {
    pub id: PatientId,
    pub detail: Option<Box<PatientDetail>>,
    pub tab: Tab,
    /// Which assessment the panel shows (a patient can have several conditions).
    pub assessment: usize,
    /// Scroll of the tab's table.
    pub scroll: usize,
    /// Timeline zoom: 0 shows the whole history; each step halves the span.
    pub zoom: u8,
    /// Timeline pan, in tenths of the visible span from the right end (0 = ends today).
    pub pan: i32,
    /// Where Esc goes back to.
    pub back_to: Screen,
    /// The History tab shows the audit rows as they are stored (action, JSON) instead of
    /// sentences.
    pub raw_history: bool,
    /// The selected task on the Tasks tab (Space marks it done).
    pub task: usize,
}

#[derive(Debug, Clone)]
pub struct OverviewScreen {
    pub data: Option<OverviewData>,
    pub row: usize,
    pub column: usize,
    pub team: Option<String>,
    /// Months after which a flag without a specialist referral counts as waiting
    /// (`--waiting-months`, `$REFRACT_WAITING_MONTHS`).
    pub waiting_months: u32,
}

impl Default for OverviewScreen {
    fn default() -> Self {
        OverviewScreen {
            data: None,
            row: 0,
            column: 0,
            team: None,
            waiting_months: crate::store::DEFAULT_WAITING_MONTHS,
        }
    }
}

/// The columns of the overview, in order: what each number counts and the filter it opens.
pub const OVERVIEW_COLUMNS: [OverviewColumn; 12] = [
    OverviewColumn::Total,
    OverviewColumn::Status(AssessmentStatus::Refractory),
    OverviewColumn::Status(AssessmentStatus::Resistant),
    OverviewColumn::Status(AssessmentStatus::Relapsed),
    OverviewColumn::Status(AssessmentStatus::InsufficientData),
    OverviewColumn::Status(AssessmentStatus::NotMet),
    OverviewColumn::Unreviewed,
    OverviewColumn::NewFlags,
    OverviewColumn::Overdue,
    OverviewColumn::MetFor,
    OverviewColumn::Waiting,
    OverviewColumn::ToReferral,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverviewColumn {
    Total,
    Status(AssessmentStatus),
    Unreviewed,
    NewFlags,
    Overdue,
    /// How long flags have met their criteria (the median); opens those flags.
    MetFor,
    /// Flags met more than the waiting months ago without a specialist referral.
    Waiting,
    /// The median time from criteria met to a specialist referral; opens the referred.
    ToReferral,
}

/// Everything on screen.
#[derive(Debug, Clone)]
pub struct Model {
    pub screen: Screen,
    pub list: PatientList,
    pub patient: Option<PatientScreen>,
    pub overview: OverviewScreen,
    pub way_forward: Option<WayForwardScreen>,
    pub meetings: MeetingsScreen,
    pub meeting: Option<MeetingScreen>,
    /// The meeting whose agenda `A` adds patients to (the last opened; else the next one).
    pub agenda_target: Option<i64>,
    pub popup: Option<Popup>,
    pub input: Option<Input>,
    pub masked: bool,
    pub message: Option<String>,
    /// The last save refused because of a colleague's change, until the person acts on it.
    pub refusal: Option<Refusal>,
    /// The number of the last save sent.
    pub last_ticket: u64,
    /// Saves made in the background (the presentation's time on a case), not by a person's
    /// key: their answer never replaces a message a person's action left on the status line.
    pub background_tickets: Vec<u64>,
    /// The changes saved in this session, for `u`.
    pub undo: super::undo::UndoHistory,
    pub evaluating: Option<(usize, usize)>,
    pub care_teams: Vec<String>,
    /// The last Bulk Data pull in a few words (the header shows it).
    pub last_pull: Option<String>,
    /// The rule sets loaded, for the condition column and filter.
    pub rulesets: Vec<RulesetName>,
    pub today: NaiveDate,
    /// List rows the terminal shows (set from its size).
    pub viewport: usize,
    /// The database has no patient at all: the welcome screen.
    pub empty_database: bool,
    pub quit: bool,
}

/// A rule set as the screens name it.
#[derive(Debug, Clone, PartialEq)]
pub struct RulesetName {
    pub id: String,
    pub name: String,
    /// For the list's narrow column.
    pub short: String,
    /// The measures the condition is followed by, on their clinical scales (the timeline).
    pub measures: Vec<crate::rules::model::MeasureScale>,
}

impl RulesetName {
    /// The names of every loaded rule set.
    pub fn all(rules: &crate::rules::Rules) -> Vec<RulesetName> {
        rules
            .sets
            .iter()
            .map(|set| RulesetName {
                id: set.id.clone(),
                name: set.name.clone(),
                short: set.short_name.clone().unwrap_or_else(|| set.name.clone()),
                measures: set.measures.clone(),
            })
            .collect()
    }
}

impl Model {
    /// The observation codes the timeline follows: the condition's own (its rule set says),
    /// none for a rule set not loaded, and performance status (ECOG) for the whole record.
    pub fn tracked_codes(&self, ruleset: Option<&str>) -> Vec<&str> {
        match ruleset {
            Some(id) => self
                .rulesets
                .iter()
                .find(|r| r.id == id)
                .map(|r| {
                    r.measures
                        .iter()
                        .flat_map(|m| m.codes.iter().map(String::as_str))
                        .collect()
                })
                .unwrap_or_default(),
            None => vec![crate::domain::observation_codes::ECOG],
        }
    }

    /// The full name of a rule set, or its id when it is not loaded.
    pub fn ruleset_name(&self, id: &str) -> String {
        self.rulesets
            .iter()
            .find(|r| r.id == id)
            .map_or_else(|| id.to_owned(), |r| r.name.clone())
    }

    /// The measures of a rule set on their clinical scales (none when it is not loaded).
    pub fn measures(&self, id: Option<&str>) -> &[crate::rules::model::MeasureScale] {
        id.and_then(|id| self.rulesets.iter().find(|r| r.id == id))
            .map_or(&[], |r| r.measures.as_slice())
    }

    /// The short name of a rule set, or its id when it is not loaded.
    pub fn ruleset_short(&self, id: &str) -> String {
        self.rulesets
            .iter()
            .find(|r| r.id == id)
            .map_or_else(|| id.to_owned(), |r| r.short.clone())
    }
}

/// Rows kept in memory around the selection, at most.
const WINDOW: usize = 600;

/// A message to `update`.
#[derive(Debug, Clone)]
pub enum Msg {
    Action(Action),
    /// A key while text is being typed.
    Typed(KeyEvent),
    /// Text pasted while text is being typed.
    Pasted(String),
    Reply(Reply),
    /// A click on a list row (index from the top of the visible rows).
    ClickRow(usize),
    Scroll(i32),
    /// The number of list rows the terminal now shows.
    Viewport(usize),
    /// The process was asked to end (SIGTERM, SIGHUP).
    Terminate,
    /// A second passed (the presentation timer).
    Tick,
}

impl Model {
    pub fn new(today: NaiveDate, rulesets: Vec<RulesetName>, viewport: usize) -> Self {
        Model {
            screen: Screen::Patients,
            list: PatientList::default(),
            patient: None,
            overview: OverviewScreen::default(),
            way_forward: None,
            meetings: MeetingsScreen::default(),
            meeting: None,
            agenda_target: None,
            popup: None,
            input: None,
            masked: false,
            message: None,
            refusal: None,
            last_ticket: 0,
            background_tickets: Vec::new(),
            undo: super::undo::UndoHistory::default(),
            evaluating: None,
            care_teams: Vec::new(),
            last_pull: None,
            rulesets,
            today,
            viewport: viewport.max(1),
            empty_database: false,
            quit: false,
        }
    }

    /// Masks or shows identity; a search in progress is run again, by MRN only when masked.
    pub fn set_masked(&mut self, masked: bool) -> Vec<Request> {
        let changed = self.masked != masked;
        self.masked = masked;
        if changed && self.list.query.filter.search.is_some() {
            self.reload_list()
        } else {
            Vec::new()
        }
    }

    /// The requests that fill the first screen.
    pub fn start(&mut self) -> Vec<Request> {
        let mut requests = self.reload_list();
        requests.push(Request::CareTeams);
        requests.push(Request::LastPull);
        requests
    }

    /// The keymap screen that applies now.
    pub fn context(&self) -> Context {
        self.screen.context()
    }

    fn page_size(&self) -> usize {
        (self.viewport * 2).max(50)
    }

    /// Starts the list again from its first row (after a change of search, filter or sort).
    fn reload_list(&mut self) -> Vec<Request> {
        // Identity masked: a search matches MRNs only (a surname typed on a shared screen
        // would otherwise pick its patient out of the masked rows).
        self.list.query.filter.mrn_only = self.masked && self.list.query.filter.search.is_some();
        self.list.generation += 1;
        self.list.loading = true;
        self.list.counts = None;
        vec![
            Request::Page {
                generation: self.list.generation,
                query: self.list.query.clone(),
                anchor: Anchor::First,
                limit: self.page_size(),
                placement: Placement::Replace {
                    position: Some(0),
                    select_last: false,
                },
            },
            Request::Counts {
                generation: self.list.generation,
                filter: self.list.query.filter.clone(),
            },
        ]
    }

    /// Reloads what is on screen without moving (another process changed the data).
    fn refresh_in_place(&mut self) -> Vec<Request> {
        // Another process may have pulled.
        let mut requests = vec![Request::LastPull];
        match self.screen {
            Screen::Patient => {
                if let Some(patient) = &self.patient {
                    requests.push(Request::Patient { id: patient.id });
                }
            }
            Screen::Overview => requests.push(Request::Overview {
                care_team: self.overview.team.clone(),
                waiting_months: self.overview.waiting_months,
            }),
            Screen::WayForward => requests.extend(way_forward::reload(self)),
            Screen::Meetings | Screen::Meeting => requests.extend(meeting::reload(self)),
            Screen::Presenting => {
                requests.extend(meeting::reload(self));
                if let Some(patient) = &self.patient {
                    requests.push(Request::Patient { id: patient.id });
                }
            }
            Screen::Patients => {}
        }
        // The list: from the row before the first one shown, so the selection stays put.
        self.list.generation += 1;
        let generation = self.list.generation;
        let anchor = match self
            .list
            .rows
            .get(self.list.top.saturating_sub(1))
            .and_then(|r| r.cursor.clone())
        {
            Some(cursor) if self.list.top > 0 => Anchor::After(cursor),
            _ => Anchor::First,
        };
        let position = if matches!(anchor, Anchor::First) {
            Some(0)
        } else {
            self.list
                .first_position
                .map(|first| first + self.list.top as u64)
        };
        let keep = self.list.selected.saturating_sub(self.list.top);
        self.list.selected = keep;
        requests.push(Request::Page {
            generation,
            query: self.list.query.clone(),
            anchor,
            limit: self.page_size(),
            placement: Placement::Replace {
                position,
                select_last: false,
            },
        });
        requests.push(Request::Counts {
            generation,
            filter: self.list.query.filter.clone(),
        });
        requests
    }

    fn selected_patient(&self) -> Option<PatientId> {
        self.list.selected_row().map(|row| PatientId(row.id))
    }
}

/// Applies a message; returns what to ask the worker.
pub fn update(model: &mut Model, msg: Msg) -> Vec<Request> {
    let mut requests = update_inner(model, msg);
    stamp(model, &mut requests);
    requests
}

/// Numbers the saves not numbered yet; returns the last save's number.
pub(super) fn stamp(model: &mut Model, requests: &mut [Request]) -> Option<u64> {
    let mut last = None;
    for request in requests {
        if let Request::Save { ticket, save } = request {
            if *ticket == 0 {
                model.last_ticket += 1;
                *ticket = model.last_ticket;
                if save.is_background() {
                    model.background_tickets.push(*ticket);
                }
                if let Save::WayForward(change) = save.as_ref() {
                    way_forward::sent(model, *ticket, change);
                }
            }
            last = Some(*ticket);
        }
    }
    last
}

fn update_inner(model: &mut Model, msg: Msg) -> Vec<Request> {
    match msg {
        Msg::Action(action) => act(model, action),
        Msg::Typed(key) => typed(model, key),
        Msg::Pasted(text) => pasted(model, &text),
        Msg::Reply(reply) => replied(model, reply),
        Msg::Terminate => {
            model.quit = true;
            meeting::leave_presentation(model)
        }
        Msg::Tick => meeting::tick(model),
        Msg::ClickRow(row) => {
            if model.screen != Screen::Patients || model.popup.is_some() || model.input.is_some() {
                return Vec::new();
            }
            let index = model.list.top + row;
            if index >= model.list.rows.len() {
                return Vec::new();
            }
            if index == model.list.selected {
                return act(model, Action::Open);
            }
            model.list.selected = index;
            Vec::new()
        }
        Msg::Scroll(steps) => {
            let action = if steps > 0 {
                Action::MoveDown
            } else {
                Action::MoveUp
            };
            let mut requests = Vec::new();
            for _ in 0..steps.unsigned_abs() {
                requests.extend(act(model, action));
            }
            requests
        }
        Msg::Viewport(rows) => {
            model.viewport = rows.max(1);
            keep_visible(&mut model.list, model.viewport);
            Vec::new()
        }
    }
}

fn act(model: &mut Model, action: Action) -> Vec<Request> {
    if matches!(action, Action::Overwrite | Action::SeeTheirs) {
        return refusal_action(model, action);
    }
    model.message = None;
    // Moving on from a refused save (nothing typed for it) leaves it as the colleague saved it.
    model.refusal = None;
    if let Some(popup) = model.popup.clone() {
        return popup_action(model, &popup, action);
    }
    match action {
        Action::Quit => {
            model.quit = true;
            Vec::new()
        }
        Action::Help => {
            model.popup = Some(Popup::Help { scroll: 0 });
            Vec::new()
        }
        Action::ToggleMask => {
            let requests = model.set_masked(!model.masked);
            model.message = Some(String::from(if model.masked {
                "identity masked: search finds MRNs only"
            } else {
                "identity shown"
            }));
            requests
        }
        Action::Overview => {
            if model.screen == Screen::Overview {
                return Vec::new();
            }
            model.screen = Screen::Overview;
            vec![Request::Overview {
                care_team: model.overview.team.clone(),
                waiting_months: model.overview.waiting_months,
            }]
        }
        Action::Refresh => model.refresh_in_place(),
        Action::Undo => super::undo::undo(model),
        Action::Back => back(model),
        Action::Meetings => meeting::open_list(model),
        Action::AddToAgenda => meeting::add_to_agenda(model),
        _ => match model.screen {
            Screen::Patients => list_action(model, action),
            Screen::Overview => overview_action(model, action),
            Screen::Patient => patient_action(model, action),
            Screen::WayForward => way_forward::action(model, action),
            Screen::Meetings => meeting::list_action(model, action),
            Screen::Meeting => meeting::agenda_action(model, action),
            Screen::Presenting => meeting::presentation_action(model, action),
        },
    }
}

fn back(model: &mut Model) -> Vec<Request> {
    match model.screen {
        Screen::Presenting => {
            let requests = meeting::leave_presentation(model);
            if let Some(screen) = model.meeting.as_mut() {
                screen.presenting = None;
            }
            model.patient = None;
            model.screen = Screen::Meeting;
            requests
        }
        Screen::Meeting => meeting::open_list(model),
        Screen::WayForward => {
            model.way_forward = None;
            model.screen = Screen::Patient;
            // What was done there shows on the patient screen (progress, history).
            model
                .patient
                .as_ref()
                .map(|p| vec![Request::Patient { id: p.id }])
                .unwrap_or_default()
        }
        Screen::Patient => {
            let to = model
                .patient
                .as_ref()
                .map_or(Screen::Patients, |p| p.back_to);
            model.screen = to;
            model.patient = None;
            if to == Screen::Meetings {
                return vec![Request::Meetings];
            }
            Vec::new()
        }
        Screen::Overview | Screen::Meetings => {
            model.screen = Screen::Patients;
            Vec::new()
        }
        Screen::Patients => {
            // One thing at a time: the search first, then the filters.
            let filter = &mut model.list.query.filter;
            if filter.search.is_some() {
                filter.search = None;
                model.message = Some(String::from(if *filter == ListFilter::default() {
                    "search cleared"
                } else {
                    "search cleared · Esc again clears the filters"
                }));
                return model.reload_list();
            }
            if *filter != ListFilter::default() {
                *filter = ListFilter::default();
                model.message = Some(String::from("filters cleared"));
                return model.reload_list();
            }
            Vec::new()
        }
    }
}

fn keep_visible(list: &mut PatientList, viewport: usize) {
    if list.selected < list.top {
        list.top = list.selected;
    } else if list.selected >= list.top + viewport {
        list.top = list.selected + 1 - viewport;
    }
    list.top = list.top.min(list.rows.len().saturating_sub(1));
}

fn list_action(model: &mut Model, action: Action) -> Vec<Request> {
    let viewport = model.viewport;
    let page = model.page_size();
    let list = &mut model.list;
    let mut requests = Vec::new();
    let mut load_more = |list: &mut PatientList, forward: bool| {
        if list.loading {
            return;
        }
        let (anchor, placement) = if forward {
            if list.at_end {
                return;
            }
            match list.rows.last().and_then(|r| r.cursor.clone()) {
                Some(cursor) => (Anchor::After(cursor), Placement::Append),
                None => return,
            }
        } else {
            if list.at_start {
                return;
            }
            match list.rows.first().and_then(|r| r.cursor.clone()) {
                Some(cursor) => (Anchor::Before(cursor), Placement::Prepend),
                None => return,
            }
        };
        list.loading = true;
        requests.push(Request::Page {
            generation: list.generation,
            query: list.query.clone(),
            anchor,
            limit: page,
            placement,
        });
    };
    match action {
        Action::MoveDown | Action::PageDown => {
            let step = if action == Action::PageDown {
                viewport.max(1)
            } else {
                1
            };
            if !list.rows.is_empty() {
                list.selected = (list.selected + step).min(list.rows.len() - 1);
            }
            if list.selected + viewport >= list.rows.len() {
                load_more(list, true);
            }
        }
        Action::MoveUp | Action::PageUp => {
            let step = if action == Action::PageUp {
                viewport.max(1)
            } else {
                1
            };
            list.selected = list.selected.saturating_sub(step);
            if list.selected < viewport {
                load_more(list, false);
            }
        }
        Action::First => {
            list.generation += 1;
            list.loading = true;
            requests.push(Request::Page {
                generation: list.generation,
                query: list.query.clone(),
                anchor: Anchor::First,
                limit: page,
                placement: Placement::Replace {
                    position: Some(0),
                    select_last: false,
                },
            });
        }
        Action::Last => {
            list.generation += 1;
            list.loading = true;
            requests.push(Request::Page {
                generation: list.generation,
                query: list.query.clone(),
                anchor: Anchor::Last,
                limit: page,
                placement: Placement::Replace {
                    position: None,
                    select_last: true,
                },
            });
        }
        Action::Open => {
            if let Some(id) = model.selected_patient() {
                return open_patient(model, id, Screen::Patients);
            }
        }
        Action::Search => {
            let text = list.query.filter.search.clone().unwrap_or_default();
            model.input = Some(Input::new(InputPurpose::Search, text));
        }
        Action::Filter => model.popup = Some(Popup::Filter { selected: 0 }),
        Action::Sort => {
            let current = SortKey::ALL
                .iter()
                .position(|k| *k == list.query.sort)
                .unwrap_or(0);
            model.popup = Some(Popup::Sort { selected: current });
        }
        _ => {}
    }
    keep_visible(&mut model.list, viewport);
    requests
}

pub(crate) fn open_patient(model: &mut Model, id: PatientId, back_to: Screen) -> Vec<Request> {
    model.screen = Screen::Patient;
    model.patient = Some(PatientScreen {
        id,
        detail: None,
        tab: Tab::Timeline,
        assessment: 0,
        scroll: 0,
        zoom: 0,
        pan: 0,
        back_to,
        raw_history: false,
        task: 0,
    });
    vec![Request::Patient { id }]
}

/// How many lines the filter menu has (the last clears them all).
const FILTER_ITEMS: usize = 7;

/// The filter menu's lines: (label, value) for display.
pub fn filter_items(model: &Model) -> Vec<(String, String)> {
    let filter = &model.list.query.filter;
    let condition = filter
        .ruleset
        .as_ref()
        .map_or_else(|| String::from("all"), |id| model.ruleset_name(id));
    vec![
        (
            String::from("Status"),
            filter.status.map_or_else(
                || String::from("all"),
                |s| format!("{} {}", s.symbol(), s.word()),
            ),
        ),
        (String::from("Condition"), condition),
        (
            String::from("Care team"),
            filter
                .care_team
                .clone()
                .unwrap_or_else(|| String::from("all")),
        ),
        (
            String::from("Unreviewed flags only"),
            String::from(if filter.unreviewed_only { "yes" } else { "no" }),
        ),
        (
            String::from("Overdue steps or tasks only"),
            String::from(if filter.overdue_only { "yes" } else { "no" }),
        ),
        (
            String::from("Deceased patients"),
            String::from(if filter.show_deceased {
                "shown"
            } else {
                "hidden"
            }),
        ),
        (String::from("Clear all filters"), String::new()),
    ]
}

/// The next value in a cycle that includes "none" (`None`) before the first and after the last.
fn cycle<T: Clone + PartialEq>(current: Option<&T>, values: &[T]) -> Option<T> {
    match current.and_then(|c| values.iter().position(|v| v == c)) {
        None => values.first().cloned(),
        Some(index) => values.get(index + 1).cloned(),
    }
}

fn popup_action(model: &mut Model, popup: &Popup, action: Action) -> Vec<Request> {
    match (popup, action) {
        (_, Action::Quit) => {
            model.quit = true;
            Vec::new()
        }
        (_, Action::Back | Action::Help) => {
            model.popup = None;
            Vec::new()
        }
        (Popup::Help { scroll }, Action::MoveDown | Action::PageDown) => {
            let step = if action == Action::PageDown { 10 } else { 1 };
            // The view stops the scroll at the last line; a bound here keeps it finite.
            model.popup = Some(Popup::Help {
                scroll: (scroll + step).min(200),
            });
            Vec::new()
        }
        (Popup::Help { scroll }, Action::MoveUp | Action::PageUp) => {
            let step = if action == Action::PageUp { 10 } else { 1 };
            model.popup = Some(Popup::Help {
                scroll: scroll.saturating_sub(step),
            });
            Vec::new()
        }
        (Popup::Filter { selected }, Action::MoveDown) => {
            model.popup = Some(Popup::Filter {
                selected: (selected + 1).min(FILTER_ITEMS - 1),
            });
            Vec::new()
        }
        (Popup::Filter { selected }, Action::MoveUp) => {
            model.popup = Some(Popup::Filter {
                selected: selected.saturating_sub(1),
            });
            Vec::new()
        }
        (Popup::Filter { selected }, Action::Open) => {
            let filter = &mut model.list.query.filter;
            match selected {
                0 => {
                    let statuses = [
                        AssessmentStatus::Refractory,
                        AssessmentStatus::Resistant,
                        AssessmentStatus::Relapsed,
                        AssessmentStatus::InsufficientData,
                        AssessmentStatus::NotMet,
                    ];
                    filter.status = cycle(filter.status.as_ref(), &statuses);
                }
                1 => {
                    let ids: Vec<String> = model.rulesets.iter().map(|r| r.id.clone()).collect();
                    filter.ruleset = cycle(filter.ruleset.as_ref(), &ids);
                }
                2 => filter.care_team = cycle(filter.care_team.as_ref(), &model.care_teams),
                3 => filter.unreviewed_only = !filter.unreviewed_only,
                4 => filter.overdue_only = !filter.overdue_only,
                5 => filter.show_deceased = !filter.show_deceased,
                _ => {
                    *filter = ListFilter {
                        search: filter.search.take(),
                        ..ListFilter::default()
                    }
                }
            }
            model.reload_list()
        }
        (
            Popup::Choose {
                title,
                options,
                selected,
                choice,
            },
            Action::MoveDown | Action::MoveUp,
        ) => {
            let selected = if action == Action::MoveDown {
                (selected + 1).min(options.len().saturating_sub(1))
            } else {
                selected.saturating_sub(1)
            };
            model.popup = Some(Popup::Choose {
                title: title.clone(),
                options: options.clone(),
                selected,
                choice: choice.clone(),
            });
            Vec::new()
        }
        (
            Popup::Choose {
                options,
                selected,
                choice,
                ..
            },
            Action::Open,
        ) => {
            model.popup = None;
            let label = options.get(*selected).cloned().unwrap_or_default();
            match choice {
                ChoiceFor::WayForward(choice) => {
                    way_forward::chosen(model, *choice, *selected, &label)
                }
                ChoiceFor::Meeting(choice) => meeting::chosen(model, choice, *selected),
                ChoiceFor::ConfirmDespiteConfounders(opened) => {
                    if *selected == 1 {
                        model.input = Some(
                            Input::new(
                                InputPurpose::Rationale(ReviewDecision::Confirmed),
                                String::new(),
                            )
                            .about(opened.as_ref().clone()),
                        );
                    }
                    Vec::new()
                }
            }
        }
        (Popup::Sort { selected }, Action::MoveDown) => {
            model.popup = Some(Popup::Sort {
                selected: (selected + 1).min(SortKey::ALL.len() - 1),
            });
            Vec::new()
        }
        (Popup::Sort { selected }, Action::MoveUp) => {
            model.popup = Some(Popup::Sort {
                selected: selected.saturating_sub(1),
            });
            Vec::new()
        }
        (Popup::Sort { selected }, Action::Open | Action::Sort) => {
            let key = SortKey::ALL[*selected];
            let query = &mut model.list.query;
            if query.sort == key {
                query.descending = !query.descending;
            } else {
                query.sort = key;
                query.descending = key.default_descending();
            }
            model.popup = None;
            model.reload_list()
        }
        _ => Vec::new(),
    }
}

fn overview_action(model: &mut Model, action: Action) -> Vec<Request> {
    let rows = model.overview.data.as_ref().map_or(0, |d| d.rows.len());
    let overview = &mut model.overview;
    match action {
        Action::MoveDown => overview.row = (overview.row + 1).min(rows.saturating_sub(1)),
        Action::MoveUp => overview.row = overview.row.saturating_sub(1),
        Action::PanRight => overview.column = (overview.column + 1).min(OVERVIEW_COLUMNS.len() - 1),
        Action::PanLeft => overview.column = overview.column.saturating_sub(1),
        Action::First => overview.row = 0,
        Action::Last => overview.row = rows.saturating_sub(1),
        Action::CareTeam => {
            overview.team = cycle(overview.team.as_ref(), &model.care_teams);
            return vec![Request::Overview {
                care_team: overview.team.clone(),
                waiting_months: overview.waiting_months,
            }];
        }
        Action::Open => {
            let Some(data) = &overview.data else {
                return Vec::new();
            };
            let Some(row) = data.rows.get(overview.row) else {
                return Vec::new();
            };
            let mut filter = ListFilter {
                ruleset: Some(row.ruleset.clone()),
                care_team: overview.team.clone(),
                ..ListFilter::default()
            };
            match OVERVIEW_COLUMNS[overview.column] {
                OverviewColumn::Total => {}
                OverviewColumn::Status(status) => filter.status = Some(status),
                OverviewColumn::Unreviewed => filter.unreviewed_only = true,
                OverviewColumn::NewFlags => {
                    filter.unreviewed_only = true;
                }
                OverviewColumn::Overdue => filter.overdue_only = true,
                // Every flag of the condition, not only the patients it heads the row of.
                OverviewColumn::MetFor => {
                    filter.ruleset = None;
                    filter.cohort = Some(Cohort::Met {
                        ruleset: row.ruleset.clone(),
                    });
                }
                OverviewColumn::Waiting => {
                    let Some(met_before) = data.waiting_cutoff else {
                        return Vec::new();
                    };
                    filter.ruleset = None;
                    filter.cohort = Some(Cohort::Waiting {
                        ruleset: row.ruleset.clone(),
                        met_before,
                    });
                }
                OverviewColumn::ToReferral => {
                    filter.ruleset = None;
                    filter.cohort = Some(Cohort::Referred {
                        ruleset: row.ruleset.clone(),
                    });
                }
            }
            model.list.query = ListQuery {
                filter,
                sort: if matches!(
                    OVERVIEW_COLUMNS[model.overview.column],
                    OverviewColumn::NewFlags
                ) {
                    SortKey::LastChange
                } else {
                    model.list.query.sort
                },
                descending: model.list.query.descending,
            };
            if matches!(
                OVERVIEW_COLUMNS[model.overview.column],
                OverviewColumn::NewFlags
            ) {
                model.list.query.descending = true;
            }
            model.screen = Screen::Patients;
            return model.reload_list();
        }
        _ => {}
    }
    Vec::new()
}

fn patient_action(model: &mut Model, action: Action) -> Vec<Request> {
    let Some(patient) = model.patient.as_mut() else {
        return Vec::new();
    };
    let assessments = patient
        .detail
        .as_ref()
        .map_or(0, |d| d.summary.assessments.len());
    match action {
        Action::NextTab | Action::PrevTab => {
            let index = Tab::ALL.iter().position(|t| *t == patient.tab).unwrap_or(0);
            let next = if action == Action::NextTab {
                (index + 1) % Tab::ALL.len()
            } else {
                (index + Tab::ALL.len() - 1) % Tab::ALL.len()
            };
            patient.tab = Tab::ALL[next];
            patient.scroll = 0;
        }
        Action::MoveDown | Action::MoveUp if patient.tab == Tab::Tasks => {
            let tasks = patient.detail.as_ref().map_or(0, |d| d.summary.tasks.len());
            patient.task = if action == Action::MoveDown {
                (patient.task + 1).min(tasks.saturating_sub(1))
            } else {
                patient.task.saturating_sub(1)
            };
        }
        Action::ToggleItem => {
            let Some(task) = patient
                .detail
                .as_ref()
                .filter(|_| patient.tab == Tab::Tasks)
                .and_then(|d| d.summary.tasks.get(patient.task))
            else {
                model.message = Some(String::from("Space marks a task done on the Tasks tab"));
                return Vec::new();
            };
            if task.status != crate::domain::TaskStatus::Open {
                model.message = Some(String::from("that task is not open"));
                return Vec::new();
            }
            let done = crate::domain::Task {
                status: crate::domain::TaskStatus::Done,
                ..task.clone()
            };
            return vec![Request::Save {
                ticket: 0,
                save: Box::new(Save::Meeting(meeting::MeetingChange::Task(
                    crate::domain::Edit::of(task.clone(), done),
                ))),
            }];
        }
        Action::MoveDown => patient.scroll += 1,
        Action::MoveUp => patient.scroll = patient.scroll.saturating_sub(1),
        Action::PageDown => patient.scroll += 10,
        Action::PageUp => patient.scroll = patient.scroll.saturating_sub(10),
        Action::First => patient.scroll = 0,
        Action::NextAssessment if assessments > 0 => {
            patient.assessment = (patient.assessment + 1) % assessments;
        }
        Action::ZoomIn => patient.zoom = (patient.zoom + 1).min(6),
        Action::ZoomOut => {
            patient.zoom = patient.zoom.saturating_sub(1);
            if patient.zoom == 0 {
                patient.pan = 0;
            }
        }
        Action::PanLeft if patient.zoom > 0 => patient.pan += 2,
        Action::PanRight => patient.pan = (patient.pan - 2).max(0),
        Action::Confirm | Action::Dismiss => {
            // A review is of what the person reads: the assessment is on the Timeline tab.
            if patient.tab != Tab::Timeline {
                model.message = Some(String::from(
                    "the assessment is on the Timeline tab: review it there (Tab)",
                ));
                return Vec::new();
            }
            let Some(item) = patient
                .detail
                .as_ref()
                .and_then(|d| d.summary.assessments.get(patient.assessment))
            else {
                model.message = Some(String::from("no assessment to review"));
                return Vec::new();
            };
            let decision = if action == Action::Confirm {
                ReviewDecision::Confirmed
            } else {
                ReviewDecision::Dismissed
            };
            // What is on screen now: the review is refused if the evidence, or the review,
            // changes before it is saved.
            let opened = Opened::Review {
                ruleset: item.assessment.ruleset.clone(),
                seen: ReviewSeen {
                    fingerprint: Some(item.assessment.fingerprint.clone()),
                    review: Some(item.latest_review.as_ref().map(|r| r.id)),
                    overwrite: false,
                },
            };
            let open = item.assessment.confounders.len();
            if decision == ReviewDecision::Confirmed && open > 0 {
                // Pseudo-resistance not ruled out: confirming is allowed, but asked first.
                let checks = if open == 1 {
                    String::from("1 confounder is")
                } else {
                    format!("{open} confounders are")
                };
                model.popup = Some(Popup::Choose {
                    title: format!("{checks} still open: confirm anyway?"),
                    options: vec![
                        String::from("not yet"),
                        String::from("confirm anyway (asks the rationale)"),
                    ],
                    selected: 0,
                    choice: ChoiceFor::ConfirmDespiteConfounders(Box::new(opened)),
                });
                return Vec::new();
            }
            model.input =
                Some(Input::new(InputPurpose::Rationale(decision), String::new()).about(opened));
        }
        Action::AddNote => {
            model.input = Some(Input::new(InputPurpose::Note, String::new()));
        }
        Action::RawDetail => {
            patient.raw_history = !patient.raw_history;
            if patient.tab != Tab::History {
                patient.tab = Tab::History;
                patient.scroll = 0;
            }
        }
        Action::WayForward => return way_forward::open(model),
        _ => {}
    }
    Vec::new()
}

/// A key while typing: editing keys edit the text where the cursor stands, Enter saves, Esc
/// cancels.
fn typed(model: &mut Model, key: KeyEvent) -> Vec<Request> {
    if model.input.as_ref().is_some_and(|i| i.saving.is_some()) {
        // Being saved: the text stays as sent until the answer (kept if it is not saved).
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            model.quit = true;
        }
        return Vec::new();
    }
    let Some(mut input) = model.input.take() else {
        return Vec::new();
    };
    let multiline = input.purpose.is_multiline();
    let control = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Esc => {
            // Cancelled: what was typed, and a refusal it got, are let go on purpose.
            model.refusal = None;
            model.message = None;
            if input.purpose == InputPurpose::Search && !input.text().is_empty() {
                model.list.query.filter.search = None;
                return model.reload_list();
            }
            return Vec::new();
        }
        KeyCode::Enter if multiline && !key.modifiers.contains(KeyModifiers::ALT) => {
            if let Some(focused) = input.focused_mut() {
                focused.field.newline();
            }
        }
        KeyCode::Char('s') if (multiline || input.is_form()) && control => {
            return submit_input(model, input, false);
        }
        // A form: Enter goes on to the next field, and saves from the last; Tab and Shift-Tab
        // move between fields.
        KeyCode::Enter | KeyCode::Tab
            if input.is_form() && input.focus + 1 < input.fields.len() =>
        {
            input.focus += 1;
        }
        KeyCode::BackTab if input.is_form() => {
            input.focus = input.focus.checked_sub(1).unwrap_or(input.fields.len() - 1);
        }
        KeyCode::Tab if input.is_form() => input.focus = 0,
        KeyCode::Enter => return submit_input(model, input, false),
        KeyCode::Char('c') if control => {
            model.quit = true;
            return Vec::new();
        }
        KeyCode::Up | KeyCode::Down if input.focused().is_some_and(|f| !f.choices.is_empty()) => {
            if let Some(focused) = input.focused_mut() {
                focused.pick(key.code == KeyCode::Down);
            }
        }
        _ => {
            if let Some(focused) = input.focused_mut()
                && focused.field.key(key)
            {
                // Typing again is the answer to a refusal: it is no longer shown as standing.
                focused.error = None;
            }
        }
    }
    after_edit(model, input)
}

/// Text pasted while typing (the terminal's bracketed paste): it lands at the cursor whole,
/// never read as keys.
fn pasted(model: &mut Model, text: &str) -> Vec<Request> {
    let Some(mut input) = model.input.take() else {
        return Vec::new();
    };
    if input.saving.is_none()
        && let Some(focused) = input.focused_mut()
    {
        focused.field.paste(text);
        focused.error = None;
    }
    after_edit(model, input)
}

/// The input back in place after an edit; a search is run again as typed.
fn after_edit(model: &mut Model, input: Input) -> Vec<Request> {
    let search = (input.purpose == InputPurpose::Search).then(|| input.text());
    model.input = Some(input);
    match search {
        Some(text) => {
            model.list.query.filter.search = Some(text).filter(|t| !t.trim().is_empty());
            model.reload_list()
        }
        None => Vec::new(),
    }
}

/// Submits typed text. While it is saved the input stays, with the text as sent; typed text
/// refused before it was sent (a date that is not one) stays too, to be corrected.
fn submit_input(model: &mut Model, mut input: Input, overwrite: bool) -> Vec<Request> {
    model.refusal = None;
    for field in &mut input.fields {
        field.error = None;
    }
    let mut requests = submit(model, &mut input);
    if overwrite {
        for request in &mut requests {
            if let Request::Save { save, .. } = request {
                **save = save.as_ref().clone().overwriting();
            }
        }
    }
    let ticket = stamp(model, &mut requests);
    if model.input.is_none() {
        if let Some(ticket) = ticket {
            model.input = Some(Input {
                saving: Some(ticket),
                ..input
            });
            model.message = Some(String::from("saving…"));
        } else if requests.is_empty() && (model.message.is_some() || input.refused()) {
            model.input = Some(input);
        }
    }
    requests
}

fn submit(model: &mut Model, input: &mut Input) -> Vec<Request> {
    let text = input.text().trim().to_owned();
    match input.purpose {
        InputPurpose::Search => Vec::new(),
        InputPurpose::Rationale(decision) => {
            let Some(patient) = &model.patient else {
                return Vec::new();
            };
            let Some(Opened::Review { ruleset, seen }) = &input.opened else {
                return Vec::new();
            };
            if text.is_empty() {
                model.message = Some(String::from("a rationale is required: nothing saved"));
                return Vec::new();
            }
            vec![Request::Save {
                ticket: 0,
                save: Box::new(Save::Review {
                    patient: patient.id,
                    ruleset: ruleset.clone(),
                    decision,
                    rationale: text,
                    seen: seen.clone(),
                }),
            }]
        }
        InputPurpose::Note => {
            let Some(patient) = &model.patient else {
                return Vec::new();
            };
            if text.is_empty() {
                return Vec::new();
            }
            vec![Request::Save {
                ticket: 0,
                save: Box::new(Save::Note {
                    patient: patient.id,
                    text,
                }),
            }]
        }
        InputPurpose::NewMeeting
        | InputPurpose::Question
        | InputPurpose::Timebox
        | InputPurpose::Attendee
        | InputPurpose::OutcomeText
        | InputPurpose::Task
        | InputPurpose::PlanNotFollowed
        | InputPurpose::MinutesFile => meeting::submit(model, input),
        _ => way_forward::submit(model, input),
    }
}

/// After a save refused because of a colleague's change: see what they saved, or save over it.
fn refusal_action(model: &mut Model, action: Action) -> Vec<Request> {
    let Some(refusal) = model.refusal.as_mut() else {
        return Vec::new();
    };
    if action == Action::SeeTheirs {
        refusal.showing_theirs = !refusal.showing_theirs;
        return Vec::new();
    }
    let retry = refusal.retry.clone();
    if let Some(input) = model.input.take() {
        // The text as it is now (it may have been edited after the refusal).
        return submit_input(model, input, true);
    }
    model.refusal = None;
    match retry {
        Some(save) => {
            model.message = Some(String::from("saving over their change…"));
            vec![Request::Save {
                ticket: 0,
                save: Box::new(save.overwriting()),
            }]
        }
        None => Vec::new(),
    }
}

fn replied(model: &mut Model, reply: Reply) -> Vec<Request> {
    match reply {
        Reply::Page {
            generation,
            placement,
            rows,
        } => {
            if generation != model.list.generation {
                return Vec::new();
            }
            placed(model, placement, rows);
            Vec::new()
        }
        Reply::Counts { generation, counts } => {
            if generation == model.list.generation {
                model.empty_database =
                    counts.total == 0 && model.list.query.filter == ListFilter::default();
                model.list.counts = Some(counts);
                if model.list.first_position.is_none()
                    && let Some(total) = model.list.total()
                {
                    model.list.first_position =
                        Some(total.saturating_sub(model.list.rows.len() as u64));
                }
            }
            Vec::new()
        }
        Reply::CareTeams(teams) => {
            model.care_teams = teams;
            Vec::new()
        }
        Reply::LastPull(words) => {
            model.last_pull = words;
            Vec::new()
        }
        Reply::Patient(detail) => {
            if let Some(patient) = model.patient.as_mut()
                && patient.id
                    == detail
                        .summary
                        .record
                        .patient
                        .as_ref()
                        .map_or(PatientId(0), |p| p.id)
            {
                let count = detail.summary.assessments.len();
                patient.assessment = patient.assessment.min(count.saturating_sub(1));
                patient.detail = Some(detail);
            }
            Vec::new()
        }
        Reply::Saved {
            ticket,
            message,
            patient,
            undo,
        } => {
            if model.input.as_ref().and_then(|i| i.saving) == Some(ticket) {
                model.input = None;
            }
            if let Some(index) = model.background_tickets.iter().position(|t| *t == ticket) {
                model.background_tickets.swap_remove(index);
            } else if let Some(words) = model.undo.saved(ticket, &message, undo) {
                model.message = Some(words);
            } else if let Some(words) = way_forward::saved(model, ticket) {
                model.message = Some(words);
            } else {
                model.message = Some(format!("saved: {message}"));
            }
            let Some(patient) = patient else {
                return model.refresh_in_place();
            };
            let mut requests = vec![Request::Patient { id: patient }];
            requests.extend(
                model
                    .refresh_in_place()
                    .into_iter()
                    .filter(|r| !matches!(r, Request::Patient { .. })),
            );
            requests
        }
        Reply::Waiting { ticket } => {
            if model.input.as_ref().and_then(|i| i.saving) == Some(ticket) {
                model.message = Some(String::from(
                    "saving… the file is busy (another program is writing to it): waiting",
                ));
            }
            Vec::new()
        }
        Reply::NotSaved { ticket, why, save } => not_saved(model, ticket, why, save),
        Reply::Overview(data) => {
            model.overview.row = model.overview.row.min(data.rows.len().saturating_sub(1));
            model.overview.data = Some(*data);
            Vec::new()
        }
        Reply::WayForward {
            patient,
            conditions,
            view,
        } => way_forward::loaded(model, patient, conditions, view),
        Reply::Meetings { list, tasks } => {
            let screen = &mut model.meetings;
            screen.selected = screen.selected.min(list.len().saturating_sub(1));
            screen.task = screen.task.min(tasks.len().saturating_sub(1));
            screen.list = list;
            screen.tasks = tasks;
            screen.loaded = true;
            Vec::new()
        }
        Reply::Meeting(view) => meeting::loaded(model, view),
        Reply::DataChanged => model.refresh_in_place(),
        Reply::Evaluating { done, total } => {
            model.evaluating = (done < total).then_some((done, total));
            Vec::new()
        }
        Reply::Notice(message) => {
            model.message = Some(message);
            Vec::new()
        }
        Reply::Error(message) => {
            model.message = Some(format!("error: {message}"));
            model.list.loading = false;
            Vec::new()
        }
    }
}

/// A save that was not made: the typed text stays in its input, editable again, with why.
fn not_saved(model: &mut Model, ticket: u64, why: NotSaved, save: Box<Save>) -> Vec<Request> {
    // A background save that failed is said (the time on a case was not written).
    model.background_tickets.retain(|t| *t != ticket);
    let typed = match model.input.as_mut() {
        Some(input) if input.saving == Some(ticket) => {
            input.saving = None;
            true
        }
        _ => false,
    };
    // What matters first, for a narrow status line: not saved, and what was typed kept; for an
    // undo, that the change stays as it was saved.
    let lead = match (model.undo.refused(ticket), typed) {
        (Some(what), _) => format!("not undone: {what}"),
        (None, true) => String::from("not saved, your text is kept"),
        (None, false) => String::from("not saved"),
    };
    match why {
        NotSaved::Refused(reason) => {
            model.message = Some(format!("{lead}: {reason}"));
            Vec::new()
        }
        NotSaved::Busy(reason) => {
            // Text of several lines is saved with Ctrl-S (Enter is a new line there).
            let again = if model
                .input
                .as_ref()
                .is_some_and(|i| i.purpose.is_multiline())
            {
                "Ctrl-S"
            } else {
                "⏎"
            };
            model.message = Some(if typed {
                format!("{lead}: {reason} · {again} tries again")
            } else {
                format!("{lead}: {reason}")
            });
            Vec::new()
        }
        NotSaved::Conflict(conflict) => {
            let by = match &conflict.by {
                Some(by) if by.at.date() == model.today => {
                    format!(
                        "{} changed {} at {} UTC",
                        by.who,
                        conflict.what(),
                        by.at.format("%H:%M")
                    )
                }
                Some(by) => format!(
                    "{} changed {} on {} UTC",
                    by.who,
                    conflict.what(),
                    by.at.format("%Y-%m-%d %H:%M")
                ),
                None => format!("someone else changed {}", conflict.what()),
            };
            model.message = Some(format!("{lead}: {by}, after you opened it"));
            model.refusal = Some(Refusal {
                notice: conflict.to_string(),
                theirs: conflict.theirs_in_words(),
                retry: (!typed).then_some(*save),
                showing_theirs: false,
            });
            // What they saved shows on screen (typed text is checked against what was opened,
            // not against what is shown).
            model.refresh_in_place()
        }
        NotSaved::AssessmentChanged {
            notice,
            fingerprint,
        } => {
            // The new assessment shows on screen; the rationale now goes with it, once read.
            if let Some(Input {
                opened: Some(Opened::Review { seen, .. }),
                ..
            }) = model.input.as_mut()
            {
                seen.fingerprint = Some(fingerprint);
            }
            model.message = Some(format!(
                "{lead}: {notice}; read it again: ⏎ records your rationale against it"
            ));
            model.refresh_in_place()
        }
    }
}

fn placed(model: &mut Model, placement: Placement, rows: Vec<PatientRow>) {
    let viewport = model.viewport;
    let page = model.page_size();
    let list = &mut model.list;
    list.loading = false;
    match placement {
        Placement::Replace {
            position,
            select_last,
        } => {
            let count = rows.len();
            list.rows = rows;
            list.at_start = position == Some(0);
            list.at_end = count < page || select_last;
            list.first_position =
                position.or_else(|| list.total().map(|total| total.saturating_sub(count as u64)));
            if select_last {
                list.selected = count.saturating_sub(1);
                list.top = count.saturating_sub(viewport);
            } else {
                list.selected = list.selected.min(count.saturating_sub(1));
                if position == Some(0) && list.top > 0 {
                    list.selected = 0;
                }
                list.top = 0;
            }
        }
        Placement::Append => {
            if rows.len() < page {
                list.at_end = true;
            }
            list.rows.extend(rows);
            if list.rows.len() > WINDOW {
                let drop = list.rows.len() - WINDOW;
                let drop = drop.min(list.top);
                list.rows.drain(..drop);
                list.selected -= drop;
                list.top -= drop;
                list.first_position = list.first_position.map(|p| p + drop as u64);
                list.at_start = false;
            }
        }
        Placement::Prepend => {
            let count = rows.len();
            if count < page {
                list.at_start = true;
            }
            let mut rows = rows;
            rows.append(&mut list.rows);
            list.rows = rows;
            list.selected += count;
            list.top += count;
            list.first_position = list.first_position.map(|p| p.saturating_sub(count as u64));
            if list.rows.len() > WINDOW {
                let keep = (list.top + viewport + page).max(WINDOW);
                if list.rows.len() > keep {
                    list.rows.truncate(keep);
                    list.at_end = false;
                }
            }
        }
    }
    keep_visible(list, viewport);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Sex;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    fn row(id: i64) -> PatientRow {
        PatientRow {
            id,
            mrn: format!("RF-{id:07}"),
            family_name: format!("Family{id}"),
            given_name: String::from("Given"),
            birth_date: None,
            sex: Sex::Female,
            status: Some(AssessmentStatus::Refractory),
            ruleset: String::from("epilepsy"),
            line: 2,
            regimen: String::from("lamotrigine"),
            way_forward: None,
            overdue: false,
            review: None,
            care_team: String::new(),
            updated_at: String::new(),
            deceased: false,
            deceased_date: None,
            cursor: Some(crate::store::Cursor::by_id(id)),
        }
    }

    fn model_with_rows(count: i64) -> Model {
        let mut model = Model::new(
            today(),
            vec![RulesetName {
                id: String::from("epilepsy"),
                name: String::from("Epilepsy"),
                short: String::from("Epilepsy"),
                measures: Vec::new(),
            }],
            10,
        );
        let requests = model.start();
        assert!(matches!(requests[0], Request::Page { .. }));
        let generation = model.list.generation;
        update(
            &mut model,
            Msg::Reply(Reply::Page {
                generation,
                placement: Placement::Replace {
                    position: Some(0),
                    select_last: false,
                },
                rows: (1..=count).map(row).collect(),
            }),
        );
        model
    }

    #[test]
    fn moving_down_near_the_end_of_the_window_asks_for_more() {
        let mut model = model_with_rows(50);
        // More is asked for once the selection is within one screen (10 rows) of the end.
        for _ in 0..39 {
            assert!(update(&mut model, Msg::Action(Action::MoveDown)).is_empty());
        }
        assert_eq!(model.list.selected, 39);
        let requests = update(&mut model, Msg::Action(Action::MoveDown));
        assert!(
            requests.iter().any(|r| matches!(
                r,
                Request::Page {
                    placement: Placement::Append,
                    anchor: Anchor::After(_),
                    ..
                }
            )),
            "{requests:?}"
        );
        assert!(model.list.selected >= model.list.top && model.list.selected < model.list.top + 10);
        // A second move while loading does not ask again.
        assert!(update(&mut model, Msg::Action(Action::MoveDown)).is_empty());
    }

    #[test]
    fn stale_pages_are_ignored() {
        let mut model = model_with_rows(50);
        let old = model.list.generation;
        update(&mut model, Msg::Action(Action::Search));
        update(&mut model, Msg::Typed(KeyEvent::from(KeyCode::Char('x'))));
        assert_eq!(model.list.query.filter.search.as_deref(), Some("x"));
        update(
            &mut model,
            Msg::Reply(Reply::Page {
                generation: old,
                placement: Placement::Append,
                rows: (100..110).map(row).collect(),
            }),
        );
        assert!(model.list.rows.iter().all(|r| r.id < 100));
    }

    #[test]
    fn jump_to_end_counts_positions_from_the_total() {
        let mut model = model_with_rows(50);
        update(&mut model, Msg::Action(Action::Last));
        let generation = model.list.generation;
        update(
            &mut model,
            Msg::Reply(Reply::Page {
                generation,
                placement: Placement::Replace {
                    position: None,
                    select_last: true,
                },
                rows: (951..=1000).map(row).collect(),
            }),
        );
        assert_eq!(model.list.first_position, None);
        let mut counts = StatusCounts {
            total: 1000,
            ..StatusCounts::default()
        };
        counts.by_rank[5] = 1000;
        update(&mut model, Msg::Reply(Reply::Counts { generation, counts }));
        assert_eq!(model.list.position(), Some(999));
        assert_eq!(model.list.selected_row().unwrap().id, 1000);
    }

    #[test]
    fn a_review_needs_a_rationale() {
        let mut model = model_with_rows(5);
        update(&mut model, Msg::Action(Action::Open));
        assert_eq!(model.screen, Screen::Patient);
        model.patient.as_mut().unwrap().detail = Some(Box::new(PatientDetail {
            summary: crate::store::PatientSummary {
                record: crate::domain::PatientRecord::default(),
                assessments: vec![],
                way_forward: vec![],
                checklist: vec![],
                referrals: vec![],
                options: vec![],
                goals: vec![],
                tasks: vec![],
            },
            notes: vec![],
            history: vec![],
        }));
        update(&mut model, Msg::Action(Action::Confirm));
        assert!(
            model.input.is_none(),
            "nothing to confirm without an assessment"
        );
        assert_eq!(model.message.as_deref(), Some("no assessment to review"));
    }

    #[test]
    fn filter_menu_cycles_status_and_reloads() {
        let mut model = model_with_rows(5);
        update(&mut model, Msg::Action(Action::Filter));
        let requests = update(&mut model, Msg::Action(Action::Open));
        assert_eq!(
            model.list.query.filter.status,
            Some(AssessmentStatus::Refractory)
        );
        assert!(requests.iter().any(|r| matches!(r, Request::Counts { .. })));
        update(&mut model, Msg::Action(Action::Back));
        assert!(model.popup.is_none());
        // Esc on the list clears the filter.
        update(&mut model, Msg::Action(Action::Back));
        assert_eq!(model.list.query.filter, ListFilter::default());
    }

    #[test]
    fn q_quits_only_from_the_list() {
        // `q` goes through the keymap of the screen it is pressed on, as the dashboard does:
        // on a patient it is not Quit (Ctrl-C quits from anywhere).
        let keymap = super::super::keymap::Keymap::embedded().unwrap();
        let q = super::super::keymap::Key {
            code: KeyCode::Char('q'),
            ctrl: false,
        };
        let press_q = |model: &mut Model| {
            if let Some(action) = keymap.action(model.screen.context(), q) {
                update(model, Msg::Action(action));
            }
        };
        let mut model = model_with_rows(3);
        update(&mut model, Msg::Action(Action::Open));
        assert_eq!(model.screen, Screen::Patient);
        press_q(&mut model);
        assert!(!model.quit, "q on a patient must not quit");
        update(&mut model, Msg::Action(Action::Back));
        assert_eq!(model.screen, Screen::Patients);
        press_q(&mut model);
        assert!(model.quit, "q on the list quits");
    }
}
