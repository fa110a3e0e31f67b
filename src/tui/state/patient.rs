//! A patient's record on screen: which tab, which assessment, the timeline's zoom and pan,
//! the scroll, and where Esc goes back to.

use super::Screen;
use crate::domain::PatientId;
use crate::tui::worker::PatientDetail;

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
    /// Which assessment the panel shows (a patient can have several conditions), by its row
    /// as loaded.
    pub assessment: usize,
    /// The rule set of that assessment: a reload that orders the conditions otherwise (an
    /// import changed a status) leaves the panel on the same condition.
    pub assessment_ruleset: Option<String>,
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
    /// The selected task on the Tasks tab (Space marks it done), by its row as loaded.
    pub task: usize,
    /// That task itself: a colleague's new or completed task moves the rows, never the
    /// selection to another task.
    pub task_id: Option<i64>,
}

impl PatientScreen {
    /// The record of patient `id` on `tab`, before it has loaded; Esc goes back to `back_to`.
    pub fn new(id: PatientId, back_to: Screen, tab: Tab) -> Self {
        PatientScreen {
            id,
            detail: None,
            tab,
            assessment: 0,
            assessment_ruleset: None,
            scroll: 0,
            zoom: 0,
            pan: 0,
            back_to,
            raw_history: false,
            task: 0,
            task_id: None,
        }
    }

    /// Selects the assessment at `index` as loaded.
    pub fn select_assessment(&mut self, index: usize) {
        self.assessment = index;
        self.assessment_ruleset = self
            .detail
            .as_ref()
            .and_then(|d| d.summary.assessments.get(index))
            .map(|a| a.assessment.ruleset.clone());
    }

    /// Selects the task at `index` as loaded.
    pub fn select_task(&mut self, index: usize) {
        self.task = index;
        self.task_id = self
            .detail
            .as_ref()
            .and_then(|d| d.summary.tasks.get(index))
            .map(|t| t.id);
    }

    /// The record again from the worker: the assessment and the task selected stay the same
    /// ones where they still are, else the rows keep their place.
    pub fn loaded(&mut self, detail: Box<PatientDetail>) {
        let summary = &detail.summary;
        let assessment = self
            .assessment_ruleset
            .as_ref()
            .and_then(|r| {
                summary
                    .assessments
                    .iter()
                    .position(|a| a.assessment.ruleset == *r)
            })
            .unwrap_or(self.assessment)
            .min(summary.assessments.len().saturating_sub(1));
        let task = self
            .task_id
            .and_then(|id| summary.tasks.iter().position(|t| t.id == id))
            .unwrap_or(self.task)
            .min(summary.tasks.len().saturating_sub(1));
        self.detail = Some(detail);
        self.select_assessment(assessment);
        self.select_task(task);
    }
}
