//! The dashboard's model: the screen shown and the screens' states ([`super::state`]), the
//! popup or form open, a refused save, the status line, and the messages `update` takes.
//! Plain data, changed only by [`super::app::update`]; rendering only reads it.

use chrono::NaiveDate;
use crossterm::event::KeyEvent;

use super::action::Action;
use super::field::{FormField, TextField};
use super::keymap::Context;
use super::purpose::InputPurpose;
use super::state::Screen;
use super::state::list::{PatientList, page_size};
use super::state::meeting::{MeetingChoice, MeetingScreen, MeetingsScreen};
use super::state::overview::OverviewScreen;
use super::state::patient::PatientScreen;
use super::state::way_forward::{self, Choice, WayForwardScreen};
use super::worker::{Placement, Reply, Request, Save};
use crate::domain::typed_date::parse_due;
use crate::domain::{CareOption, ChecklistItem, MeetingCase, WayForwardStep};
use crate::store::{Anchor, ReviewSeen};

/// A patient as a save's answer names them: "RF-0000119 (K. Georgiou)", or the initials on
/// a masked screen (decided when the answer is shown, by the screen's masking then).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub mrn: String,
    pub name: String,
    pub initials: String,
    pub family_name: String,
    pub given_name: String,
    pub birth_date: Option<chrono::NaiveDate>,
}

impl Named {
    /// Who they are, as masking cuts them out of the answer's other words (a meeting's title
    /// naming them: "added T. R. to the agenda of Case conference: Thomas Reid").
    pub fn identity(&self) -> crate::domain::history::Identity<'_> {
        crate::domain::history::Identity {
            mrn: &self.mrn,
            family_name: &self.family_name,
            given_name: &self.given_name,
            birth_date: self.birth_date,
            others: None,
        }
    }

    pub fn label(&self, masked: bool) -> String {
        if masked {
            self.initials.clone()
        } else {
            format!("{} ({})", self.mrn, self.name)
        }
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
    /// Whether anything was typed, pasted or picked since it opened: text shown as it was
    /// saved (a step's notes opened and left alone) is nothing to keep when refract ends.
    pub edited: bool,
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
            edited: false,
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

    /// The due date typed into the field labelled `label` (the prompt line's only field when
    /// empty): refused at the field when it is not a date, and asked about once when it is in
    /// the past (typed again unchanged, it is meant).
    pub fn due_date(
        &mut self,
        label: &str,
        today: NaiveDate,
    ) -> Result<Option<NaiveDate>, Refused> {
        let typed = if label.is_empty() {
            self.text()
        } else {
            self.value(label)
        };
        let refuse = |input: &mut Input, why: String| {
            if label.is_empty() {
                if let Some(field) = input.fields.first_mut() {
                    field.error = Some(why);
                }
            } else {
                input.refuse(label, why);
            }
        };
        match parse_due(&typed, today) {
            Err(why) => {
                refuse(self, why);
                Err(Refused)
            }
            Ok(Some(date)) if date < today && self.past_date_accepted != Some(date) => {
                self.past_date_accepted = Some(date);
                refuse(
                    self,
                    format!("{date} is in the past: ⏎ again to keep it, or change it"),
                );
                Err(Refused)
            }
            Ok(due) => Ok(due),
        }
    }
}

/// A typed value was not taken; the field says why.
#[derive(Debug)]
pub struct Refused;

/// A record as it was when a person began changing it.
#[derive(Debug, Clone, PartialEq)]
pub enum Opened {
    Step(WayForwardStep),
    Checklist(ChecklistItem),
    Option(CareOption),
    Case(MeetingCase),
    /// A way forward a record is being added to: its patient and condition.
    Plan {
        patient: crate::domain::PatientId,
        ruleset: String,
    },
    /// The assessment being confirmed or dismissed: its patient and rule set, and what the
    /// person read.
    Review {
        patient: crate::domain::PatientId,
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
    /// What the status line says first: "not saved, text kept", "not undone: …".
    pub lead: String,
    /// Who changed what and when, in the status line's short words ("dr.bob changed the
    /// notes at 14:02 UTC"); the keys go between the lead and these, from the keymap.
    pub changed: String,
    /// What the colleague saved, field by field, in words.
    pub theirs: Vec<(String, String)>,
    /// The version of the record `theirs` is (for a review, their review's id): "keep mine"
    /// saves over that version only, and a later one refuses it again.
    pub theirs_version: i64,
    /// The refused save, when nothing was typed for it (a tick, a menu choice): what
    /// "overwrite" sends again. Typed text is saved again from the input instead.
    pub retry: Option<Save>,
    /// When the refused save was an undo: what it was to take back (an overwrite sends it
    /// again as that undo).
    pub undoing: Option<String>,
    /// Whether the colleague's version is on screen.
    pub showing_theirs: bool,
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
    /// The last messages the status line showed, newest last, as the screen showed them
    /// (masked when it was): the help lists them whole, since the status line cuts one wider
    /// than the terminal (a save's or an import's error, what was kept aside).
    pub messages: std::collections::VecDeque<String>,
    /// The last save refused because of a colleague's change, until the person acts on it.
    pub refusal: Option<Refusal>,
    /// The number of the last save sent.
    pub last_ticket: u64,
    /// Saves made in the background (the presentation's time on a case), not by a person's
    /// key: their answer never replaces a message a person's action left on the status line.
    pub background_tickets: Vec<u64>,
    /// Saves whose answer names the patient they were about, by ticket.
    pub named_saves: Vec<(u64, Named)>,
    /// The changes saved in this session, for `u`.
    pub undo: super::undo::UndoHistory,
    pub evaluating: Option<(usize, usize)>,
    pub care_teams: Vec<String>,
    /// The last Bulk Data pull in a few words (the header shows it).
    pub last_pull: Option<String>,
    /// The rule sets loaded, for the condition column and filter.
    pub rulesets: Vec<RulesetName>,
    pub today: NaiveDate,
    /// The zone whose calendar clinical times are shown on (the machine's; tests pin one).
    pub zone: crate::domain::ShownZone,
    /// List rows the terminal shows (set from its size).
    pub viewport: usize,
    /// Keys (and clicks, pastes) that came while the screen waited for the answer that will
    /// change what they act on (a search, a jump, a page, a record being opened): applied in
    /// order once it came ([`crate::tui::release_held`]), translated then, against the screen
    /// as it is then. Queued rather than refused: a key typed ahead (a search's `⏎` then
    /// `A`) is what the person meant, and refusing it would make them type it again.
    pub held: std::collections::VecDeque<crossterm::event::Event>,
    /// The last screen's loading failed (the worker said why): keys are not held for an answer
    /// that will not come, until another screen is opened or the list is reloaded.
    pub load_failed: bool,
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
            })
            .collect()
    }
}

impl Model {
    /// The full name of a rule set, or its id when it is not loaded.
    pub fn ruleset_name(&self, id: &str) -> String {
        self.rulesets
            .iter()
            .find(|r| r.id == id)
            .map_or_else(|| id.to_owned(), |r| r.name.clone())
    }

    /// The short name of a rule set, or its id when it is not loaded.
    pub fn ruleset_short(&self, id: &str) -> String {
        self.rulesets
            .iter()
            .find(|r| r.id == id)
            .map_or_else(|| id.to_owned(), |r| r.short.clone())
    }
}

/// Messages the help lists: enough to read back what the last few keys said.
pub const MESSAGES_KEPT: usize = 5;

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
    /// A key, click or paste that waits for the answer the screen is waiting for
    /// ([`Model::held`]).
    Hold(crossterm::event::Event),
    /// A second passed (the presentation timer).
    Tick,
    /// The terminal's clock passed midnight: the day the screen reads typed dates and marks
    /// overdue against.
    Day(NaiveDate),
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
            messages: std::collections::VecDeque::new(),
            refusal: None,
            last_ticket: 0,
            background_tickets: Vec::new(),
            named_saves: Vec::new(),
            undo: super::undo::UndoHistory::default(),
            evaluating: None,
            care_teams: Vec::new(),
            last_pull: None,
            rulesets,
            today,
            zone: crate::domain::ShownZone::Local,
            viewport: viewport.max(1),
            held: std::collections::VecDeque::new(),
            load_failed: false,
            empty_database: false,
            quit: false,
        }
    }

    /// Text from the file (a colleague's saved text, a stored value in a menu or a message) as
    /// this screen may show it: on a masked screen, without the name, MRN or birth date of any
    /// patient whose record is in view (the patient on screen, every case on the agenda, every
    /// open task's patient, and that of a task that left the list here), cut by the same masking as the panels
    /// ([`crate::domain::history::Identity::masked_text`]). Cutting another patient's name
    /// from a text about this one hides a word at worst; a name shown identifies.
    pub fn shown(&self, text: &str) -> String {
        crate::domain::history::Masking::when(self.masked, self.identities_in_view())
            .text(text)
            .into_string()
    }

    /// Keeps the message the status line shows now (when it is a new one) for the help, as
    /// this screen may show it: masked against the records in view now, when masking is on.
    pub fn remember_message(&mut self, before: Option<&str>) {
        let Some(message) = self.message.as_deref().filter(|m| Some(*m) != before) else {
            return;
        };
        let shown = self.shown(message);
        if self.messages.back() == Some(&shown) {
            return;
        }
        if self.messages.len() == MESSAGES_KEPT {
            self.messages.pop_front();
        }
        self.messages.push_back(shown);
    }

    /// Whether a masked screen would show `text` otherwise than it is: it names a patient in
    /// view.
    pub fn names_a_patient(&self, text: &str) -> bool {
        self.masked && self.shown(text) != text
    }

    /// Every patient whose record the screens hold now, as masking cuts them out of text.
    fn identities_in_view(&self) -> Vec<crate::domain::history::Identity<'_>> {
        let mut identities = Vec::new();
        if let Some(detail) = self.patient.as_ref().and_then(|p| p.detail.as_deref()) {
            identities.push(detail.identity());
        }
        if let Some(view) = self.meeting.as_ref().and_then(|m| m.view.as_deref()) {
            identities.extend(
                view.detail
                    .cases
                    .iter()
                    .map(crate::store::CaseDetail::identity),
            );
        }
        identities.extend(
            self.meetings
                .tasks
                .iter()
                .chain(&self.meetings.left)
                .map(crate::store::TaskRow::identity),
        );
        identities
    }

    /// Masks or shows identity; a search in progress is run again, by MRN only when masked.
    pub fn set_masked(&mut self, masked: bool) -> Vec<Request> {
        let changed = self.masked != masked;
        self.masked = masked;
        if masked {
            // Kept unmasked, or masked against records no longer in view: not for a masked
            // screen's help.
            self.messages.clear();
        }
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

    /// Whether the screen shown waits for an answer that will change what its selection is:
    /// a list page after a search, filter, sort, jump or page move, a record being opened.
    pub fn awaiting(&self) -> bool {
        if self.load_failed {
            return false;
        }
        match self.screen {
            Screen::Patients => self.list.loading,
            Screen::Patient => self.patient.as_ref().is_some_and(|p| p.detail.is_none()),
            Screen::Overview => self.overview.data.is_none(),
            Screen::WayForward => self.way_forward.as_ref().is_some_and(|w| !w.loaded),
            Screen::Meetings => !self.meetings.loaded,
            Screen::Meeting | Screen::Presenting => {
                self.meeting.as_ref().is_some_and(|m| m.view.is_none())
            }
        }
    }

    /// Whether a key, click or paste that comes now waits ([`Model::held`]): while one
    /// already waits (order is kept), or while the screen awaits an answer and no text is
    /// being typed (typing goes to its field at once: a search typed runs as it is typed).
    pub fn holds_input(&self) -> bool {
        !self.held.is_empty() || (self.input.is_none() && self.awaiting())
    }

    /// The keymap screen that applies now.
    pub fn context(&self) -> Context {
        self.screen.context()
    }

    pub(super) fn page_size(&self) -> usize {
        page_size(self.viewport)
    }

    /// Starts the list again from its first row (after a change of search, filter or sort).
    pub(super) fn reload_list(&mut self) -> Vec<Request> {
        self.load_failed = false;
        // Identity masked: a search matches MRNs only (a surname typed on a shared screen
        // would otherwise pick its patient out of the masked rows).
        self.list.query.filter.mrn_only = self.masked && self.list.query.filter.search.is_some();
        self.list.generation += 1;
        self.list.loading = true;
        self.list.counts = None;
        // Another list: no row of the old one to stay on.
        self.list.follow = None;
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
    pub(super) fn refresh_in_place(&mut self) -> Vec<Request> {
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
            Screen::WayForward => requests.extend(self.reload_way_forward()),
            Screen::Meetings | Screen::Meeting => requests.extend(self.reload_meetings()),
            Screen::Presenting => {
                requests.extend(self.reload_meetings());
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
        self.list.follow = self
            .list
            .selected_row()
            .map(|row| (row.id, row.ruleset.clone()));
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

    /// Numbers the saves not numbered yet; returns the last save's number.
    pub fn stamp(&mut self, requests: &mut [Request]) -> Option<u64> {
        let mut last = None;
        for request in requests {
            if let Request::Save { ticket, save } = request {
                if *ticket == 0 {
                    self.last_ticket += 1;
                    *ticket = self.last_ticket;
                    if save.is_background() {
                        self.background_tickets.push(*ticket);
                    } else {
                        self.undo.sending(*ticket);
                    }
                    if let Save::WayForward(change) = save.as_ref() {
                        way_forward::sent(self.way_forward.as_mut(), *ticket, change);
                    }
                }
                last = Some(*ticket);
            }
        }
        last
    }

    /// The requests that reload what the meeting screens show.
    fn reload_meetings(&self) -> Vec<Request> {
        match self.screen {
            Screen::Meetings => vec![Request::Meetings {
                selected_task: self.meetings.task_id,
            }],
            Screen::Meeting | Screen::Presenting => self
                .meeting
                .as_ref()
                .map(|m| vec![Request::Meeting { id: m.id }])
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// Reloads what the screen shows (after a save or another process's change).
    fn reload_way_forward(&self) -> Option<Request> {
        let screen = self.way_forward.as_ref()?;
        Some(Request::WayForward {
            patient: screen.patient,
            ruleset: screen.view.as_ref().map(|v| v.plan.ruleset.clone()),
        })
    }
}
