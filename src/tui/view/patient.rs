//! The patient screen: who (masked on request), the drugs they reacted to, the tabs, and under the timeline the assessment
//! panel — status, the criterion and its evidence in words, what is missing, what must still be
//! ruled out, the source — always worded as a suspicion for clinician review.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, Wrap};

use super::super::model::Model;
use super::super::state::patient::{PatientScreen, Tab};
use super::super::theme::Theme;
use super::super::worker::PatientDetail;
use super::parts::wrap_hanging;
use super::timeline::{Timeline, end_marker};
use crate::domain::EvidenceKind;
use crate::domain::history;
use crate::domain::{
    APPROXIMATE_DATES_LEGEND, Condition, DrugExposure, PatientRecord, ReviewState,
    observation_codes,
};
use crate::rules::{DECEASED_LABEL, INDICATION_CRITERION};

pub fn render(model: &Model, theme: Theme, frame: &mut Frame<'_>, area: Rect) {
    let Some(screen) = &model.patient else { return };
    let Some(detail) = &screen.detail else {
        frame.render_widget(Span::styled(" loading…", theme.muted()), area);
        return;
    };
    if area.height < 4 {
        return;
    }
    let [header, tabs, content] = Layout::vertical([
        Constraint::Length(header_height(detail)),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(area);
    render_header(model, detail, theme, frame, header);
    render_tabs(screen, theme, frame, tabs);
    match screen.tab {
        Tab::Timeline => render_timeline_tab(model, screen, detail, theme, frame, content),
        Tab::Lines => render_lines(model, screen, detail, theme, frame, content),
        Tab::Observations => render_observations(model, screen, detail, theme, frame, content),
        Tab::Notes => render_notes(screen, detail, model.masked, theme, frame, content),
        Tab::Tasks => render_tasks(model, screen, detail, theme, frame, content),
        Tab::History => render_history(screen, detail, model.masked, theme, frame, content),
    }
}

pub(super) fn render_header(
    model: &Model,
    detail: &PatientDetail,
    theme: Theme,
    frame: &mut Frame<'_>,
    area: Rect,
) {
    let record = &detail.summary.record;
    let Some(patient) = &record.patient else {
        return;
    };
    let age = patient
        .age_on(model.today)
        .map_or_else(|| String::from("?"), |a| a.to_string());
    let mut first = if model.masked {
        vec![
            Span::styled(format!(" {}", patient.initials()), theme.title()),
            Span::raw(format!(" · {} {age}", patient.sex.letter())),
            Span::styled("  (identity masked: M shows it)", theme.muted()),
        ]
    } else {
        let born = patient
            .birth_date_text()
            .map(|born| format!(", born {born}"))
            .unwrap_or_default();
        vec![
            Span::styled(format!(" {}", patient.display_name()), theme.title()),
            Span::raw(format!(
                " · {} · {} {age}{born}",
                patient.mrn,
                patient.sex.letter()
            )),
        ]
    };
    if let Some(death) = patient.death() {
        // Masked, the year alone: the day of death could identify, as a birth date could.
        first.push(Span::styled(
            format!(" · {}", death.words(patient.birth_date, model.masked)),
            theme.title(),
        ));
    }
    if let Some(team) = &patient.care_team {
        first.push(Span::styled(format!(" · {team}"), theme.muted()));
    }
    if let Some(ecog) = record
        .observations
        .iter()
        .filter(|o| o.code == observation_codes::ECOG)
        .max_by_key(|o| o.effective)
        && let Some(value) = ecog.value
    {
        first.push(Span::raw(format!(" · ECOG {value:.0}")));
    }
    let width = usize::from(area.width).saturating_sub(1);
    let mut lines = vec![
        Line::from(first),
        Line::from(Span::styled(
            format!(" {}", diagnoses_line(&record.conditions, width)),
            theme.muted(),
        )),
    ];
    if let Some(reactions) = reactions_line(detail, model.masked, width) {
        lines.push(Line::from(Span::styled(
            format!(" {reactions}"),
            theme.warning(),
        )));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// The rows [`render_header`] takes: who, the diagnoses, and the drug reactions when any.
pub(super) fn header_height(detail: &PatientDetail) -> u16 {
    if detail.summary.record.reactions.is_empty() {
        2
    } else {
        3
    }
}

/// The drugs the patient reacted to in `width` columns, as many as fit, then how many more
/// `refract show` lists: "⚠ clozapine: agranulocytosis (high criticality, 2019-03)". Their
/// words came from a record, so a masked screen cuts the patient out of them as it does a note.
pub(super) fn reactions_line(detail: &PatientDetail, masked: bool, width: usize) -> Option<String> {
    let reactions = &detail.summary.record.reactions;
    if reactions.is_empty() {
        return None;
    }
    let said: Vec<String> = reactions
        .iter()
        .map(|reaction| {
            let what = if reaction.reaction.is_empty() {
                reaction.kind.as_deref().unwrap_or("reaction")
            } else {
                reaction.reaction.as_str()
            };
            let mut about: Vec<String> = Vec::new();
            if let Some(criticality) = &reaction.criticality {
                about.push(format!("{} criticality", criticality.replace('-', " ")));
            }
            if let Some(onset) = reaction.onset {
                about.push(onset.format("%Y-%m").to_string());
            }
            if reaction.clinical_status.as_deref() == Some("inactive") {
                about.push(String::from("inactive"));
            }
            let about = if about.is_empty() {
                String::new()
            } else {
                format!(" ({})", about.join(", "))
            };
            let text = format!("⚠ {}: {what}{about}", reaction.substance);
            crate::text::sanitise_line(&typed_text(masked, detail, &text)).into_owned()
        })
        .collect();
    let line = |shown: usize| {
        let mut parts: Vec<String> = said[..shown].to_vec();
        let hidden = said.len() - shown;
        if hidden > 0 {
            parts.push(format!("+{hidden} more: refract show"));
        }
        parts.join(" · ")
    };
    (1..=said.len())
        .rev()
        .map(line)
        .find(|text| Span::raw(text.as_str()).width() <= width)
        .or_else(|| Some(line(1)))
}

/// The header's diagnoses in `width` columns: the current ones by name, as many as fit, then how
/// many more the Lines tab lists (current ones that did not fit, and those resolved, inactive,
/// refuted or entered in error).
fn diagnoses_line(conditions: &[Condition], width: usize) -> String {
    let current: Vec<String> = conditions
        .iter()
        .filter(|c| c.is_current_in(conditions))
        .map(|c| {
            let words: Vec<String> = c
                .status_words()
                .into_iter()
                .chain(
                    c.onset
                        .map(|onset| format!("since {}", month_of(onset, c.onset_precision))),
                )
                .collect();
            if words.is_empty() {
                c.name().to_owned()
            } else {
                format!("{} ({})", c.name(), words.join(", "))
            }
        })
        .collect();
    let others = conditions.len() - current.len();
    if current.is_empty() {
        return if others == 0 {
            String::from("no diagnosis recorded")
        } else {
            format!("no current diagnosis · {others} past or ruled out: Lines tab")
        };
    }
    let line = |shown: usize| {
        let mut parts: Vec<String> = current[..shown].to_vec();
        let hidden = current.len() - shown + others;
        if hidden > 0 {
            parts.push(format!("+{hidden} more: Lines tab"));
        }
        parts.join(" · ")
    };
    (1..=current.len())
        .rev()
        .map(line)
        .find(|text| Span::raw(text.as_str()).width() <= width)
        .unwrap_or_else(|| line(1))
}

/// Every recorded diagnosis, current ones first, each with its status: the rest of what the
/// header lists.
fn render_diagnoses(detail: &PatientDetail, theme: Theme, frame: &mut Frame<'_>, area: Rect) {
    let conditions = &detail.summary.record.conditions;
    let mut lines = vec![Line::from(Span::styled(
        "Diagnoses (current first)",
        theme.header(),
    ))];
    if conditions.is_empty() {
        lines.push(Line::from(Span::styled(" none recorded", theme.muted())));
    }
    let current = conditions.iter().filter(|c| c.is_current_in(conditions));
    let past = conditions.iter().filter(|c| !c.is_current_in(conditions));
    for (condition, is_current) in current.map(|c| (c, true)).chain(past.map(|c| (c, false))) {
        let onset = condition
            .onset
            .map(|onset| month_of(onset, condition.onset_precision));
        let abatement = condition
            .abatement
            .map(|end| month_of(end, condition.abatement_precision));
        let when = match (onset, abatement) {
            (Some(onset), Some(end)) => format!("{onset} → {end}"),
            (None, Some(end)) => format!("until {end}"),
            (Some(onset), None) if condition.abated_on_unknown_day => {
                format!("{onset} → abated (date not recorded)")
            }
            (None, None) if condition.abated_on_unknown_day => {
                String::from("abated (date not recorded)")
            }
            (Some(onset), None) => format!("since {onset}"),
            (None, None) => String::new(),
        };
        let mut detail_words: Vec<String> = Vec::new();
        if !when.is_empty() {
            detail_words.push(when);
        }
        if let Some(words) = condition.status_words() {
            detail_words.push(words);
        }
        if !condition.code.is_empty() {
            detail_words.push(format!("{} {}", condition.system, condition.code));
        }
        let (mark, style) = if is_current {
            ("●", Style::new())
        } else {
            ("○", theme.muted())
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {mark} {}", condition.name()), style),
            Span::styled(format!("  {}", detail_words.join(" · ")), theme.muted()),
        ]));
        // Words no rule set read would otherwise leave the patient "not assessed" unexplained
        // (review r3 C-8).
        if detail.unrecognised.contains(&condition.id) {
            // One row (the pane's height counts one per such diagnosis), within 80 columns.
            lines.push(Line::from(Span::styled(
                "   ? no rule set recognises these words: not assessed (code the diagnosis)",
                theme.muted(),
            )));
        }
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn render_tabs(screen: &PatientScreen, theme: Theme, frame: &mut Frame<'_>, area: Rect) {
    let mut spans = vec![Span::raw(" ")];
    for tab in Tab::ALL {
        let style = if tab == screen.tab {
            theme.selected()
        } else {
            theme.muted()
        };
        spans.push(Span::styled(format!(" {} ", tab.title()), style));
        spans.push(Span::raw(" "));
    }
    frame.render_widget(Line::from(spans), area);
}

fn render_timeline_tab(
    model: &Model,
    screen: &PatientScreen,
    detail: &PatientDetail,
    theme: Theme,
    frame: &mut Frame<'_>,
    area: Rect,
) {
    let assessment = detail.summary.assessments.get(screen.assessment);
    let ruleset = assessment.map(|a| a.assessment.ruleset.as_str());
    let timeline = Timeline {
        record: &detail.summary.record,
        ruleset,
        today: model.today,
        zone: model.zone,
        zoom: screen.zoom,
        pan: screen.pan,
        theme,
        track: detail.tracks.of(ruleset),
    };
    let timeline_height = timeline_height(
        &timeline,
        detail,
        (screen.assessment, model.masked),
        area,
        theme,
    );
    let [top, bottom] =
        Layout::vertical([Constraint::Length(timeline_height), Constraint::Min(0)]).areas(area);
    // "+/− zoom", then how far in it is ("now ×4"): never "zoom zoom ×4".
    let zoom_note = if screen.zoom > 0 {
        format!(" · now ×{}", 1u32 << screen.zoom)
    } else {
        String::new()
    };
    let block = Block::bordered()
        .title(Span::styled(" Timeline ", theme.title()))
        .title_bottom(Line::from(Span::styled(
            format!(" ←→ pan · +/− zoom{zoom_note} "),
            theme.muted(),
        )))
        .border_style(theme.border());
    let inner = block.inner(top);
    frame.render_widget(block, top);
    frame.render_widget(&timeline, inner);
    let pane = AssessmentPane {
        index: screen.assessment,
        scroll: screen.scroll,
        reviewable: true,
        masked: model.masked,
    };
    render_assessment(pane, detail, theme, frame, bottom);
}

/// The timeline's rows (with its border) above the assessment in `area`: what it needs, up to
/// three fifths of the area, and its measurement track taller in the rows the assessment
/// leaves free (never at the assessment's expense).
pub(super) fn timeline_height(
    timeline: &Timeline<'_>,
    detail: &PatientDetail,
    (assessment, masked): (usize, bool),
    area: Rect,
    theme: Theme,
) -> u16 {
    let needed = (timeline.wanted_height() + 2)
        .clamp(6, (area.height * 3 / 5).max(6))
        .min(area.height);
    let assessment_rows = assessment_body(
        assessment,
        masked,
        detail,
        area.width.saturating_sub(2),
        theme,
    )
    .len()
        + 2;
    let free = area
        .height
        .saturating_sub(u16::try_from(assessment_rows).unwrap_or(u16::MAX));
    let grown = (timeline.height_within(free.saturating_sub(2)) + 2).min(free);
    needed.max(grown).min(area.height)
}

/// Which assessment the pane shows and how.
#[derive(Debug, Clone, Copy)]
pub(super) struct AssessmentPane {
    pub index: usize,
    pub scroll: usize,
    /// `c`, `x` and `a` act on it (the patient screen, not the meeting's shared display), so
    /// the keys are named only where they work.
    pub reviewable: bool,
    /// Identity masked: the patient is cut out of its text (a review's rationale quoting them).
    pub masked: bool,
}

/// The assessment on screen.
pub(super) fn render_assessment(
    pane: AssessmentPane,
    detail: &PatientDetail,
    theme: Theme,
    frame: &mut Frame<'_>,
    area: Rect,
) {
    if area.height < 3 {
        return;
    }
    let AssessmentPane {
        index,
        scroll,
        reviewable,
        masked,
    } = pane;
    let count = detail.summary.assessments.len();
    let Some(item) = detail.summary.assessments.get(index) else {
        let block = Block::bordered()
            .title(" Assessment ")
            .border_style(theme.border());
        let text = Paragraph::new(Span::styled(
            " No rule set applies to this patient's diagnoses (or not evaluated yet).",
            theme.muted(),
        ))
        .block(block);
        frame.render_widget(text, area);
        return;
    };
    let assessment = &item.assessment;
    let status = assessment.status;
    let review = match item.review {
        ReviewState::Unreviewed => Span::styled("unreviewed ", theme.warning()),
        ReviewState::Confirmed => Span::styled("confirmed ", theme.good()),
        ReviewState::Dismissed => Span::styled("dismissed ", theme.muted()),
    };
    // The whole caution where it fits; never less than "suspected". The review follows it
    // after a separator, and the label gives way (cut with "…") before either does, so that
    // the title never reads as "suspected confirmed". A deceased patient's assessment suspects
    // nothing: its reasons say why.
    let caution = if assessment.label == DECEASED_LABEL {
        " · no flag for a deceased patient · "
    } else if area.width >= 100 {
        " · suspected, for clinician review · "
    } else {
        " · suspected · "
    };
    let room = usize::from(area.width.saturating_sub(4));
    let label_room = room
        .saturating_sub(1 + crate::text::width(caution) + review.width())
        .saturating_sub(crate::text::width(status.symbol()) + 1);
    let title = Line::from(vec![
        Span::raw(" "),
        Span::styled(
            format!(
                "{} {}",
                status.symbol(),
                super::parts::fit(&assessment.label, label_room)
            ),
            theme.status(Some(status)),
        ),
        Span::styled(caution, theme.muted()),
        review,
    ]);
    let which = if count > 1 {
        format!(" a: next of {count} ")
    } else {
        String::new()
    };
    let bottom = if reviewable {
        Line::from(vec![
            Span::styled(" c", theme.key()),
            Span::raw(" confirm  "),
            Span::styled("x", theme.key()),
            Span::raw(" dismiss (with a reason) "),
            Span::styled(which, theme.muted()),
        ])
    } else {
        Line::from("")
    };
    let block = Block::bordered()
        .title(title)
        .title_bottom(bottom)
        .border_style(theme.border());
    let lines = assessment_body(index, masked, detail, area.width.saturating_sub(2), theme);
    let shown = usize::from(area.height.saturating_sub(2));
    let block = super::parts::scroll_marks(block, lines.len(), shown, scroll, reviewable, theme);
    let lines: Vec<Line<'_>> = lines.into_iter().skip(scroll).collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The assessment's text, wrapped to `width`: its reasons, what would decide it, what is open
/// before confirming, the last review and the source.
fn assessment_body(
    index: usize,
    masked: bool,
    detail: &PatientDetail,
    width: u16,
    theme: Theme,
) -> Vec<Line<'static>> {
    let Some(item) = detail.summary.assessments.get(index) else {
        return Vec::new();
    };
    // Masked, every line loses the patient: a rationale typed by a colleague may quote them,
    // and a reason may carry a record's own words.
    let identity = identity_of(detail);
    let shown = |text: &str| {
        if masked {
            identity.masked_text(text)
        } else {
            text.to_owned()
        }
    };
    let assessment = &item.assessment;
    let width = usize::from(width);
    let mut lines: Vec<Line<'static>> = Vec::new();
    for reason in &assessment.reasons {
        let depth = reason.len() - reason.trim_start().len();
        let style = if depth == 0 {
            theme.header()
        } else {
            Style::new()
        };
        lines.extend(wrap_hanging(&shown(reason), width, style));
    }
    if !assessment.missing.is_empty() {
        lines.push(Line::from(Span::styled(
            "What would decide it:",
            theme.warning(),
        )));
        for missing in &assessment.missing {
            lines.extend(wrap_hanging(
                &format!("  · {}", shown(missing)),
                width,
                Style::new(),
            ));
        }
    }
    if !assessment.confounders.is_empty() {
        lines.push(Line::from(Span::styled(
            "Open before confirming (pseudo-resistance):",
            theme.warning(),
        )));
        for confounder in &assessment.confounders {
            lines.extend(wrap_hanging(
                &format!("  · {}", shown(&confounder.text)),
                width,
                Style::new(),
            ));
        }
    }
    if let Some(latest) = &item.latest_review {
        let applies = if item.review == ReviewState::Unreviewed {
            " (made on earlier evidence)"
        } else {
            ""
        };
        let text = format!(
            "Last review: {} by {} on {}: {}{applies}",
            latest.decision,
            latest.by,
            latest.at.format("%Y-%m-%d"),
            shown(&latest.rationale)
        );
        lines.extend(wrap_hanging(&text, width, theme.muted()));
    }
    let source = format!(
        "Source: {} (rules: {} v{})",
        assessment.citation, assessment.ruleset, assessment.ruleset_version
    );
    lines.extend(wrap_hanging(&source, width, theme.muted()));
    lines
}

fn render_lines(
    model: &Model,
    screen: &PatientScreen,
    detail: &PatientDetail,
    theme: Theme,
    frame: &mut Frame<'_>,
    area: Rect,
) {
    let header = Row::new([
        "line",
        "condition",
        "regimen",
        "start",
        "end",
        "response",
        "ended",
        "origin",
    ])
    .style(theme.header());
    let record = &detail.summary.record;
    let rows: Vec<Row<'_>> = record
        .lines
        .iter()
        .skip(screen.scroll)
        .map(|line| {
            Row::new(vec![
                Cell::from(line.label()),
                Cell::from(model.ruleset_short(&line.ruleset)),
                // With the cycles given, where the record counts them (SCHOLAR-1 judges
                // stable disease by them).
                Cell::from(match line.cycles_words() {
                    Some(cycles) => format!("{} · {cycles}", line.regimen),
                    None => line.regimen.clone(),
                }),
                // A start only as known as the latest day its first drug can have begun is
                // marked (`≤`).
                Cell::from(record.line_start_shown(line, model.zone)),
                // An end only as known as a drug's last day given is marked (`≥`).
                Cell::from(
                    record
                        .line_end_shown(line, model.zone)
                        .unwrap_or_else(|| String::from("ongoing")),
                ),
                Cell::from(
                    line.best_response
                        .map_or_else(|| String::from("–"), |r| r.as_str().to_owned()),
                )
                .style(theme.response(line.best_response)),
                Cell::from(format!(
                    "{} {}",
                    end_marker(line, model.today),
                    line.stop_reason.map_or("", |r| r.words())
                )),
                Cell::from(format!(
                    "{}{}",
                    line.origin,
                    line.cut_reason
                        .as_ref()
                        .map(|c| format!(": {c}"))
                        .unwrap_or_default()
                ))
                .style(theme.muted()),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(4),
        Constraint::Length(14),
        Constraint::Min(18),
        // Dates are never cut: a narrow terminal takes its room from the words around them.
        Constraint::Min(10),
        Constraint::Min(11),
        Constraint::Length(8),
        Constraint::Length(16),
        Constraint::Min(10),
    ];
    // The lines (or drugs) first, the diagnoses under them: all of them when they fit, else at
    // least a third of the tab.
    let in_no_line = drugs_in_no_line(record);
    // The note, the legend when a date is marked, the header, the drugs.
    let drugs_rows = |drugs: &[&DrugExposure]| {
        drugs.len().max(1) + 2 + usize::from(drugs.iter().any(|d| d.has_approximate_dates()))
    };
    let treatment = if record.lines.is_empty() {
        drugs_rows(&in_no_line)
    } else if in_no_line.is_empty() {
        record.lines.len().saturating_sub(screen.scroll) + 1
    } else {
        // The lines, a blank row, the drugs no line holds.
        record.lines.len().saturating_sub(screen.scroll) + 2 + drugs_rows(&in_no_line)
    };
    let diagnoses = record.conditions.len().max(1) + 1 + detail.unrecognised.len();
    let height = usize::from(area.height);
    let (treatment, diagnoses) = if treatment + 1 + diagnoses <= height {
        (Constraint::Length(treatment as u16), diagnoses)
    } else {
        (Constraint::Min(0), diagnoses.min((height / 3).max(2)))
    };
    let [top, _, bottom, _] = Layout::vertical([
        treatment,
        Constraint::Length(1),
        Constraint::Length(diagnoses as u16),
        Constraint::Min(0),
    ])
    .areas(area);
    render_diagnoses(detail, theme, frame, bottom);
    let set_aside = set_aside_for(detail);
    let list_drugs =
        |drugs: &[&DrugExposure], note: &str, scroll: usize, frame: &mut Frame<'_>, area: Rect| {
            let listed = Drugs {
                drugs,
                set_aside: &set_aside,
            };
            render_drugs(model, &listed, note, scroll, theme, frame, area);
        };
    if record.lines.is_empty() {
        let note = " No treatment lines for this condition: the drugs as recorded.";
        list_drugs(&in_no_line, note, screen.scroll, frame, top);
        return;
    }
    // Drugs no line holds (CNS-directed doses, premedication, drugs no rule set orders) are
    // listed under the lines: a clinician sees every drug given, and why it is in no line.
    let lines_height = record.lines.len().saturating_sub(screen.scroll) + 1;
    let [lines_area, _, drugs_area] = if in_no_line.is_empty() {
        [top, Rect::default(), Rect::default()]
    } else {
        Layout::vertical([
            Constraint::Max(lines_height as u16),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(top)
    };
    let lines_area = super::parts::mark_more_below(
        frame,
        lines_area,
        record.lines.len() + 1,
        screen.scroll,
        theme,
    );
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        lines_area,
    );
    if !in_no_line.is_empty() && drugs_area.height > 0 {
        let scroll = screen.scroll.saturating_sub(record.lines.len());
        let note = " Drugs in no line: given beside the lines, not counted as a line's drugs.";
        list_drugs(&in_no_line, note, scroll, frame, drugs_area);
    }
}

/// The drugs of the record that no treatment line holds, in the order they were started: all
/// of them when the record has no line.
fn drugs_in_no_line(record: &PatientRecord) -> Vec<&DrugExposure> {
    let mut drugs: Vec<&DrugExposure> = record
        .exposures
        .iter()
        .filter(|exposure| record.line_of_exposure(exposure).is_none())
        .collect();
    drugs.sort_by_key(|exposure| exposure.start);
    drugs
}

/// The drugs an assessment left out of its criteria because their records say they were given
/// for another condition (its evidence under [`INDICATION_CRITERION`]), by exposure id.
fn set_aside_for(detail: &PatientDetail) -> std::collections::BTreeSet<i64> {
    detail
        .summary
        .assessments
        .iter()
        .flat_map(|assessment| &assessment.assessment.evidence)
        .filter(|evidence| {
            evidence.criterion == INDICATION_CRITERION && evidence.kind == EvidenceKind::Exposure
        })
        .map(|evidence| evidence.id)
        .collect()
}

/// The drugs a table lists, with those the assessments left out for their indication (see
/// [`set_aside_for`]).
struct Drugs<'a> {
    drugs: &'a [&'a DrugExposure],
    set_aside: &'a std::collections::BTreeSet<i64>,
}

/// The width from which the drugs' table gives times of day: every column at its width.
const WIDTH_FOR_TIMES: u16 = 101;

/// `drugs` as they were recorded, under `note`: all the drugs when there are no treatment lines
/// (an acute episode, or drugs no rule set orders into lines), else those no line holds. A drug
/// the criteria do not read as a treatment says why in words (as needed, CNS-directed, given
/// for another condition: "not counted: metoprolol … · for: Atrial fibrillation"), not by a
/// colour alone; what a drug's records say it was given for follows its name ("· for: …").
fn render_drugs(
    model: &Model,
    listed: &Drugs<'_>,
    note: &str,
    scroll: usize,
    theme: Theme,
    frame: &mut Frame<'_>,
    area: Rect,
) {
    let drugs = listed.drugs;
    if drugs.is_empty() {
        frame.render_widget(Span::styled(" No treatment recorded.", theme.muted()), area);
        return;
    }
    let approximate = drugs.iter().any(|d| d.has_approximate_dates());
    let [note_area, legend, table] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(u16::from(approximate)),
        Constraint::Min(0),
    ])
    .areas(area);
    frame.render_widget(Span::styled(note.to_owned(), theme.muted()), note_area);
    if approximate {
        frame.render_widget(
            Span::styled(format!(" {APPROXIMATE_DATES_LEGEND}"), theme.muted()),
            legend,
        );
    }
    let header =
        Row::new(["drug", "dose", "route", "start", "end", "stopped"]).style(theme.header());
    // Times of day where the table has room for them; else the days, whole (a marked day is
    // one character wider), never a time cut in two.
    let (time_format, time_width) = if area.width >= WIDTH_FOR_TIMES {
        ("%Y-%m-%d %H:%M", Constraint::Length(16))
    } else {
        ("%Y-%m-%d", Constraint::Min(11))
    };
    let rows: Vec<Row<'_>> = drugs
        .iter()
        .skip(scroll)
        .map(|exposure| {
            // A dose a day given on one day alone (an infusion) is that day's amount, as the
            // reasons say it: no daily dose that went on.
            let dose = match exposure.one_day_amount() {
                Some((amount, unit)) => format!("{amount} {unit} on one day"),
                None => exposure
                    .dose
                    .as_ref()
                    .map(|d| format!("{} {}", d.value, d.unit))
                    .unwrap_or_default(),
            };
            let end = match exposure.end_shown(time_format, model.zone) {
                Some(end) => end,
                None if exposure.active_on(model.today) => String::from("ongoing"),
                None => String::from("–"),
            };
            // The word first: a narrow terminal cuts the drug's name, never why it is here.
            let given_for = exposure.indication_words();
            // A drug set aside for its indication: the mark, the drug, then what it was given
            // for (a narrow terminal keeps which drug is not counted; the assessment's reasons
            // say why in full).
            let (drug, style) = if listed.set_aside.contains(&exposure.id) {
                (
                    format!("not counted: {}", exposure.text),
                    theme.not_read_as_treatment(),
                )
            } else if exposure.is_cns_directed() {
                (
                    format!("CNS-directed: {}", exposure.text),
                    theme.not_read_as_treatment(),
                )
            } else if exposure.is_as_needed() {
                (
                    format!("{} (as needed)", exposure.text),
                    theme.not_read_as_treatment(),
                )
            } else {
                (exposure.text.clone(), Style::new())
            };
            let drug = match given_for {
                Some(words) => format!("{drug} · for: {words}"),
                None => drug,
            };
            Row::new(vec![
                Cell::from(drug).style(style),
                Cell::from(dose),
                Cell::from(exposure.route.clone().unwrap_or_default()),
                Cell::from(exposure.start_shown(time_format, model.zone)),
                Cell::from(end),
                // A reason the vocabulary read, else the record's words: a hold says "on hold".
                Cell::from(exposure.stop_words().unwrap_or_default()),
            ])
        })
        .collect();
    let widths = [
        Constraint::Min(24),
        Constraint::Length(12),
        Constraint::Length(12),
        time_width,
        time_width,
        Constraint::Length(16),
    ];
    let table = super::parts::mark_more_below(frame, table, drugs.len() + 1, scroll, theme);
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        table,
    );
}

fn render_observations(
    model: &Model,
    screen: &PatientScreen,
    detail: &PatientDetail,
    theme: Theme,
    frame: &mut Frame<'_>,
    area: Rect,
) {
    let header = Row::new(["date", "measurement", "value", "where"]).style(theme.header());
    let mut observations: Vec<_> = detail.summary.record.observations.iter().collect();
    observations.sort_by_key(|o| std::cmp::Reverse(o.effective));
    let rows: Vec<Row<'_>> = observations
        .into_iter()
        .skip(screen.scroll)
        .map(|o| {
            let value = o.value_text();
            Row::new(vec![
                // A month or a year alone is written as such, never as its first day.
                Cell::from(if o.effective_precision.is_day() {
                    model
                        .zone
                        .day_of_kept(o.effective, o.utc_offset_minutes)
                        .to_string()
                } else {
                    o.day_text()
                }),
                Cell::from(o.display.clone()),
                Cell::from(value),
                Cell::from(o.setting.map_or("", |s| s.as_str()).to_owned()).style(theme.muted()),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(10),
        Constraint::Min(24),
        // "never smoked tobacco", "0.31 g/dL", "152 mmHg".
        Constraint::Length(22),
        Constraint::Length(12),
    ];
    let area = super::parts::mark_more_below(
        frame,
        area,
        detail.summary.record.observations.len() + 1,
        screen.scroll,
        theme,
    );
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        area,
    );
}

fn render_notes(
    screen: &PatientScreen,
    detail: &PatientDetail,
    masked: bool,
    theme: Theme,
    frame: &mut Frame<'_>,
    area: Rect,
) {
    let mut lines: Vec<Line<'_>> = Vec::new();
    if detail.notes.is_empty() {
        lines.push(Line::from(Span::styled(
            " No notes yet: n adds one.",
            theme.muted(),
        )));
    }
    for note in &detail.notes {
        lines.push(Line::from(Span::styled(
            format!(" {} · {}", note.at.format("%Y-%m-%d %H:%M"), note.author),
            theme.muted(),
        )));
        // Each line of the note, wrapped under its own start (not at column 0).
        // A note that quotes the patient's name, MRN or birth date does not show them on a
        // shared screen.
        let text = if masked {
            identity_of(detail).masked_text(&note.text)
        } else {
            note.text.clone()
        };
        for paragraph in text.split('\n') {
            lines.extend(wrap_hanging(
                &format!("   {paragraph}"),
                usize::from(area.width),
                Style::new(),
            ));
        }
    }
    let area = super::parts::mark_more_below(frame, area, lines.len(), screen.scroll, theme);
    let lines: Vec<Line<'_>> = lines.into_iter().skip(screen.scroll).collect();
    frame.render_widget(Paragraph::new(lines), area);
}

fn render_tasks(
    model: &Model,
    screen: &PatientScreen,
    detail: &PatientDetail,
    theme: Theme,
    frame: &mut Frame<'_>,
    area: Rect,
) {
    let mut lines: Vec<Line<'_>> = Vec::new();
    if detail.summary.tasks.is_empty() {
        lines.push(Line::from(Span::styled(
            " No tasks: they come from meeting outcomes (m, then present a case, t).",
            theme.muted(),
        )));
    }
    for (index, task) in detail.summary.tasks.iter().enumerate() {
        let overdue = task.overdue_on(model.today);
        let selected = index == screen.task;
        let state = match (task.status, overdue) {
            (crate::domain::TaskStatus::Open, true) => "⚠ overdue",
            (crate::domain::TaskStatus::Open, false) => "○ open",
            (crate::domain::TaskStatus::Done, _) => "● done",
            (crate::domain::TaskStatus::Cancelled, _) => "– cancelled",
        };
        let style = if overdue {
            theme.warning()
        } else if task.status == crate::domain::TaskStatus::Open {
            theme.accent()
        } else {
            theme.muted()
        };
        let line = Line::from(vec![
            Span::raw(if selected { "▶" } else { " " }),
            Span::styled(format!("{state:<11}"), style),
            Span::raw(format!(
                " {}{}{}",
                typed_text(model.masked, detail, &task.what),
                task.owner
                    .as_deref()
                    .map(|o| format!(" — {o}"))
                    .unwrap_or_default(),
                task.due.map(|d| format!(" · due {d}")).unwrap_or_default()
            )),
        ]);
        lines.push(if selected {
            line.style(theme.selected())
        } else {
            line
        });
    }
    let lines: Vec<Line<'_>> = lines.into_iter().skip(screen.scroll).collect();
    let rows = super::parts::wrapped_rows(&lines, area.width);
    let area = super::parts::mark_more_below(frame, area, rows, 0, theme);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

/// Text the team typed about the patient (a task, a reason, a note), as the screen may show
/// it: on a masked screen without the patient's name, MRN or birth date.
pub(super) fn typed_text(masked: bool, detail: &PatientDetail, text: &str) -> String {
    if masked {
        identity_of(detail).masked_text(text)
    } else {
        text.to_owned()
    }
}

/// The patient's identity, as a masked screen cuts it out of stored text.
pub(super) fn identity_of(detail: &PatientDetail) -> history::Identity<'_> {
    detail.identity()
}

fn render_history(
    screen: &PatientScreen,
    detail: &PatientDetail,
    masked: bool,
    theme: Theme,
    frame: &mut Frame<'_>,
    area: Rect,
) {
    // On a shared screen the stored rows (an import's patient update, a resource body) and
    // the sentences (a rationale quoting the MRN) lose every identity field and the patient's
    // name, MRN and birth date, whatever the action.
    let identity = identity_of(detail);
    let masking = history::Masking::when(masked, [identity]);
    if !screen.raw_history && !detail.history.is_empty() {
        // Sentences, wrapped under their start; the stored rows are one key (i) away.
        const DATE: usize = 18;
        let width = usize::from(area.width).max(DATE + 20);
        let mut lines: Vec<Line<'_>> = Vec::new();
        for entry in detail.history.iter().skip(screen.scroll) {
            let sentence = history::sentence(entry, &masking);
            let wrapped = wrap_hanging(
                &format!("{}{sentence}", " ".repeat(DATE)),
                width,
                Style::new(),
            );
            for (index, line) in wrapped.into_iter().enumerate() {
                if index == 0 {
                    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
                    lines.push(Line::from(vec![
                        Span::styled(
                            format!(" {:<16} ", entry.at.format("%Y-%m-%d %H:%M")),
                            theme.muted(),
                        ),
                        Span::raw(text.trim_start().to_owned()),
                    ]));
                } else {
                    lines.push(line);
                }
            }
        }
        lines.push(Line::from(Span::styled(
            " Times in UTC · i shows the stored audit rows",
            theme.muted(),
        )));
        let area = super::parts::mark_more_below(frame, area, lines.len(), 0, theme);
        frame.render_widget(Paragraph::new(lines), area);
        return;
    }
    let header = Row::new(["when (UTC)", "who", "what", "change"]).style(theme.header());
    let rows: Vec<Row<'_>> = detail
        .history
        .iter()
        .skip(screen.scroll)
        .map(|entry| {
            let after = entry.after.as_ref().map(|stored| {
                let shown;
                let a = if masked {
                    shown = history::masked_json(stored, &identity);
                    &shown
                } else {
                    stored
                };
                a.get("rationale")
                    .or_else(|| a.get("text"))
                    .and_then(|v| v.as_str())
                    .map_or_else(|| a.to_string(), str::to_owned)
            });
            Row::new(vec![
                Cell::from(entry.at.format("%Y-%m-%d %H:%M").to_string()),
                Cell::from(entry.who_text()),
                Cell::from(entry.action.clone()),
                Cell::from(after.unwrap_or_default()).style(theme.muted()),
            ])
        })
        .collect();
    // As wide as the longest action shown (up to a point), so that an `….overwrite` shows.
    let what = detail
        .history
        .iter()
        .skip(screen.scroll)
        .map(|entry| crate::text::width(&entry.action))
        .max()
        .unwrap_or(0)
        .clamp(16, 28);
    let widths = [
        Constraint::Length(16),
        Constraint::Length(24),
        Constraint::Length(u16::try_from(what).unwrap_or(16)),
        Constraint::Min(20),
    ];
    if detail.history.is_empty() {
        frame.render_widget(
            Span::styled(" No change recorded yet.", theme.muted()),
            area,
        );
        return;
    }
    let area =
        super::parts::mark_more_below(frame, area, detail.history.len() + 1, screen.scroll, theme);
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        area,
    );
}

/// A diagnosis's date to its month, or to its year when the record gave no more ("2019", never
/// "2019-01").
fn month_of(date: chrono::NaiveDate, precision: crate::domain::DatePrecision) -> String {
    match precision {
        crate::domain::DatePrecision::Year => crate::domain::DatePrecision::Year.format(date),
        _ => date.format("%Y-%m").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::diagnoses_line;
    use crate::domain::{Condition, ConditionCodeSystem};

    fn condition(display: &str, clinical: Option<&str>, verification: Option<&str>) -> Condition {
        Condition {
            id: 1,
            system: ConditionCodeSystem::Snomed,
            code: String::from("84757009"),
            display: display.to_owned(),
            onset: NaiveDate::from_ymd_opt(1946, 7, 15),
            abatement: None,
            onset_precision: crate::domain::DatePrecision::Day,
            abatement_precision: crate::domain::DatePrecision::Day,
            recorded_precision: crate::domain::DatePrecision::Day,
            abated_on_unknown_day: false,
            recorded: None,
            clinical_status: clinical.map(str::to_owned),
            verification_status: verification.map(str::to_owned),
            codings: Vec::new(),
        }
    }

    #[test]
    fn the_header_names_current_diagnoses_and_counts_the_rest() {
        let conditions = [
            condition("Acute bronchitis (disorder)", Some("resolved"), None),
            condition("Epilepsy", Some("active"), Some("confirmed")),
            condition("Bipolar disorder (disorder)", None, Some("refuted")),
            condition("Multiple myeloma", Some("remission"), None),
        ];
        assert_eq!(
            diagnoses_line(&conditions, 200),
            "Epilepsy (since 1946-07) · Multiple myeloma (in remission, since 1946-07) · \
             +2 more: Lines tab"
        );
        // What does not fit is counted with the rest.
        assert_eq!(
            diagnoses_line(&conditions, 50),
            "Epilepsy (since 1946-07) · +3 more: Lines tab"
        );
        assert_eq!(
            diagnoses_line(&conditions[..1], 80),
            "no current diagnosis · 1 past or ruled out: Lines tab"
        );
        assert_eq!(diagnoses_line(&[], 80), "no diagnosis recorded");
    }
}
