//! The timeline: one lane per treatment line on a shared date axis, bars coloured and labelled
//! by best response, markers for how each line ended, procedures and disease-status changes,
//! and the condition's key measurement as a track on the same axis.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::super::theme::Theme;
use super::super::track::MeasureTrack;
use crate::domain::observation_codes::display;
use crate::domain::{
    Observation, PatientRecord, Response, START_BY_MARK, ShownZone, StopReason, TreatmentLine,
    at_latest, observation_codes as codes,
};
use crate::rules::model::MeasureScale;

/// What the timeline draws; built per frame from the model.
pub struct Timeline<'a> {
    pub record: &'a PatientRecord,
    /// The condition whose lines are drawn (all lines when `None`).
    pub ruleset: Option<&'a str>,
    pub today: NaiveDate,
    /// The calendar times are shown on (the stored instants are UTC).
    pub zone: ShownZone,
    pub zoom: u8,
    pub pan: i32,
    pub theme: Theme,
    /// The measure charted under the lanes, read when the record loaded
    /// ([`MeasureTrack::read`]): a frame draws it, never reads the record for it again.
    pub track: Option<&'a MeasureTrack>,
}

/// Events an episode shows at most (the latest when there are more).
const MAX_EPISODE_ROWS: usize = 14;

/// The longest record counted in hours from its first event. A longer one with no treatment
/// line to draw (drugs over years for a condition no rule set assesses) is listed by day: hours
/// since a record of years ago ("+78960.0 h") and days without their year say nothing.
const MAX_EPISODE_HOURS: i64 = 7 * 24;

/// Rows the measurement track grows to when the terminal has room: eight give 64 levels,
/// enough to read a PHQ-9 or a blood pressure off the chart; more would only stretch it.
const MAX_TRACK_ROWS: u16 = 8;

/// The marker at the end of a line.
pub fn end_marker(line: &TreatmentLine, today: NaiveDate) -> &'static str {
    if line.ongoing(today) {
        return "▶";
    }
    match line.stop_reason {
        Some(StopReason::LackOfEfficacy | StopReason::Progression) => "✗",
        Some(StopReason::Intolerance) => "⊘",
        Some(StopReason::Noncompliance) => "⚠",
        Some(StopReason::Completed) => "✓",
        Some(_) => "·",
        None => "│",
    }
}

struct Axis {
    start: NaiveDate,
    end: NaiveDate,
    left: u16,
    width: u16,
}

impl Axis {
    fn column(&self, day: NaiveDate) -> Option<u16> {
        if day < self.start || day > self.end || self.width == 0 {
            return None;
        }
        let span = (self.end - self.start).num_days().max(1) as f64;
        let offset =
            (day - self.start).num_days() as f64 / span * f64::from(self.width.saturating_sub(1));
        Some(self.left + offset.round() as u16)
    }

    /// Like `column`, but clamped to the visible range (for bars that start or end outside it).
    fn clamp_column(&self, day: NaiveDate) -> u16 {
        let day = day.clamp(self.start, self.end);
        self.column(day).unwrap_or(self.left)
    }
}

impl Timeline<'_> {
    /// Rows the whole timeline wants: the axis, one per line, the rows under the lanes.
    pub fn wanted_height(&self) -> u16 {
        if self.is_episode() {
            return 1 + self.episode_events().len().min(MAX_EPISODE_ROWS) as u16;
        }
        1 + self.lines().len() as u16 + self.rows_under_lanes()
    }

    /// Rows the timeline uses when up to `room` are free: what it wants, and the measurement
    /// track taller (up to [`MAX_TRACK_ROWS`]) so that a big terminal shows the measure on a
    /// readable scale instead of blank rows.
    pub fn height_within(&self, room: u16) -> u16 {
        let wanted = self.wanted_height();
        if self.is_episode() || self.track_points().is_empty() {
            return wanted;
        }
        wanted + room.saturating_sub(wanted).min(MAX_TRACK_ROWS - 1)
    }

    /// The label column's width: what the labels need, within two fifths of the width (the
    /// axis keeps the rest) and never under 10.
    fn label_width(&self, lines: &[&TreatmentLine], width: u16) -> u16 {
        let mut needed = lines
            .iter()
            .map(|line| crate::text::width(&lane_label(line)))
            .max()
            .unwrap_or(0);
        if !self.disease_statuses().is_empty() {
            needed = needed.max(crate::text::width("disease status"));
        }
        if !self.record.procedures.is_empty() {
            needed = needed.max(crate::text::width("procedures"));
        }
        let widest = (width * 2 / 5).max(10);
        if let Some(track) = self.track {
            let points: Vec<&Observation> = track.points.iter().collect();
            // The track's label is picked from longer and shorter forms: the longest that fits.
            let (low, high) = track_range(track.scale.as_ref(), &points);
            let fitted = self.track_label(track, low, high, usize::from(widest));
            needed = needed.max(crate::text::width(&fitted));
        }
        u16::try_from(needed).unwrap_or(u16::MAX).clamp(10, widest)
    }

    /// A condition treated in hours, not lines (status epilepticus): the record reads as a
    /// timed list of what was given and what was seen, not as bars on a calendar.
    fn is_episode(&self) -> bool {
        self.lines().is_empty() && !self.record.exposures.is_empty()
    }

    /// What happened, in time order: drugs started and stopped, procedures, the key measure.
    fn episode_events(&self) -> Vec<(NaiveDateTime, String)> {
        let mut events = Vec::new();
        for exposure in &self.record.exposures {
            // Recorded texts often carry the dose already ("Lorazepam 4 mg").
            let dose = exposure
                .dose
                .as_ref()
                .map(|d| format!(" {} {}", trim(d.value), d.unit))
                .filter(|dose| !exposure.text.contains(dose.trim()))
                .unwrap_or_default();
            let route = exposure
                .route
                .as_ref()
                .map(|r| format!(" {r}"))
                .unwrap_or_default();
            // A start known only roughly, or an end that is only the last day the drug is known
            // to have been given, says so: the list is read as what happened when.
            let started = if exposure.start_is_approximate() {
                "started by"
            } else {
                "started"
            };
            events.push((
                exposure.start,
                exposure.utc_offset_minutes,
                format!("{started} {}{dose}{route}", exposure.text),
            ));
            if let Some(end) = exposure.end {
                let event = match exposure.stop_words() {
                    // A hold's words say it ("on hold", "on hold: surgery").
                    // Its day is not recorded: the event stands at the last day known given.
                    Some(words) if exposure.is_on_hold() => {
                        format!("{} {words} (from when, not recorded)", exposure.text)
                    }
                    why => {
                        let stopped = if exposure.end_is_approximate() {
                            "last recorded"
                        } else {
                            "stopped"
                        };
                        let why = why.map(|words| format!(": {words}")).unwrap_or_default();
                        format!("{stopped} {}{why}", exposure.text)
                    }
                };
                events.push((end, exposure.end_utc_offset_minutes, event));
            }
        }
        for procedure in self.record.procedures.iter().filter(|p| !p.date_unknown) {
            events.push((
                procedure.performed,
                procedure.utc_offset_minutes,
                format!("◆ {}", procedure.name()),
            ));
        }
        for point in self.track_points() {
            if let Some(value) = point.value {
                let text = if point.code == codes::SEIZURE_ACTIVITY {
                    format!(
                        "{}: {}",
                        point.display,
                        if value > 0.0 { "present" } else { "none" }
                    )
                } else {
                    format!("{} {}", point.display, trim(value))
                };
                events.push((point.effective, point.utc_offset_minutes, text));
            }
        }
        events.sort_by_key(|(at, _, _)| *at);
        // Ordered and spaced by the stored instants, shown on the clinician's wall-clock (a
        // time whose offset was kept never read as a date).
        events
            .into_iter()
            .map(|(at, offset, text)| (self.zone.wall_clock_of(at, offset), text))
            .collect()
    }

    fn render_episode(&self, area: Rect, buf: &mut Buffer) {
        let events = self.episode_events();
        let first = events.first().map(|(at, _)| *at);
        let in_hours = match (first, events.last()) {
            (Some(first), Some((last, _))) => (*last - first).num_hours() <= MAX_EPISODE_HOURS,
            _ => true,
        };
        let heading = match first {
            Some(at) if in_hours => format!(
                "episode from {} (hours from the first record)",
                at.format("%Y-%m-%d %H:%M")
            ),
            Some(at) => format!(
                "no treatment line to draw: what was given and done, by day, from {}",
                at.format("%Y-%m-%d")
            ),
            None => String::from("episode"),
        };
        buf.set_stringn(
            area.x,
            area.y,
            &heading,
            usize::from(area.width),
            self.theme.muted(),
        );
        let room = usize::from(area.height.saturating_sub(1));
        // The latest events matter most when they do not all fit.
        let skip = events.len().saturating_sub(room);
        for (row, (at, text)) in events.iter().skip(skip).enumerate() {
            let y = area.y + 1 + row as u16;
            let line = if in_hours {
                let hours = first.map_or(0.0, |first| (*at - first).num_minutes() as f64 / 60.0);
                format!("{} {:>+6.1} h  {text}", at.format("%m-%d %H:%M"), hours)
            } else {
                format!("{}  {text}", at.format("%Y-%m-%d"))
            };
            buf.set_stringn(area.x, y, &line, usize::from(area.width), Style::new());
        }
    }

    /// Procedures, disease status and the measurement track when the record has them, and the
    /// legend.
    fn rows_under_lanes(&self) -> u16 {
        u16::from(!self.record.procedures.is_empty())
            + u16::from(!self.disease_statuses().is_empty())
            + u16::from(!self.track_points().is_empty())
            + 1
    }

    fn disease_statuses(&self) -> Vec<&Observation> {
        self.record
            .observations
            .iter()
            .filter(|o| o.code == codes::DISEASE_STATUS)
            .collect()
    }

    /// The readings drawn under the lanes (none when the record has no measure to chart).
    fn track_points(&self) -> &[Observation] {
        self.track.map_or(&[], |track| track.points.as_slice())
    }

    fn lines(&self) -> Vec<&TreatmentLine> {
        let mut lines: Vec<&TreatmentLine> = self
            .record
            .lines
            .iter()
            .filter(|l| self.ruleset.is_none_or(|r| l.ruleset == r))
            .collect();
        lines.sort_by_key(|l| (l.start, l.number));
        lines
    }

    /// The day of death, for a deceased patient (the record's last day when the day of death
    /// is not recorded).
    fn death_day(&self) -> Option<NaiveDate> {
        self.record.death_day().map(|day| day.min(self.today))
    }

    /// Where the axis ends: today, or the day of death; nothing happens to the patient after it.
    fn last_day(&self) -> NaiveDate {
        self.death_day().unwrap_or(self.today)
    }

    fn span(&self) -> (NaiveDate, NaiveDate) {
        let mut first = self.last_day();
        for line in &self.record.lines {
            first = first.min(line.start);
        }
        for exposure in &self.record.exposures {
            first = first.min(
                self.zone
                    .day_of_kept(exposure.start, exposure.utc_offset_minutes),
            );
        }
        for procedure in self.record.procedures.iter().filter(|p| !p.date_unknown) {
            first = first.min(
                self.zone
                    .day_of_kept(procedure.performed, procedure.utc_offset_minutes),
            );
        }
        let full_start = first - Duration::days(30);
        let full_end = self.last_day() + Duration::days(15);
        let days = (full_end - full_start).num_days().max(60);
        let visible = (days >> self.zoom.min(10)).max(30);
        let shift = i64::from(self.pan) * visible / 10;
        let end = (full_end - Duration::days(shift)).max(full_start + Duration::days(visible));
        (end - Duration::days(visible), end)
    }
}

impl Widget for &Timeline<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width < 20 || area.height < 3 {
            return;
        }
        if self.is_episode() {
            self.render_episode(area, buf);
            return;
        }
        let theme = self.theme;
        let lines = self.lines();
        let label_width = self.label_width(&lines, area.width);
        let (start, end) = self.span();
        let axis = Axis {
            start,
            end,
            left: area.x + label_width + 1,
            width: area.width.saturating_sub(label_width + 2),
        };
        let mut y = area.y;
        let bottom = area.y + area.height;

        // The axis: years, or months when zoomed in to less than two years.
        let months_view = (end - start).num_days() < 730;
        let mut tick =
            NaiveDate::from_ymd_opt(start.year(), if months_view { start.month() } else { 1 }, 1)
                .unwrap_or(start);
        let mut last_label_end = 0u16;
        let today_column = axis.column(self.today);
        while tick <= end {
            let label = if months_view {
                tick.format("%b %y").to_string()
            } else {
                tick.year().to_string()
            };
            let label_end = axis
                .column(tick)
                .map(|column| column + crate::text::width(&label) as u16);
            // A label the today marker would cut in two ("┊2╎26") is left out: the marker and
            // the neighbouring labels say where the year is.
            let hides_today = matches!(
                (axis.column(tick), label_end, today_column),
                (Some(from), Some(to), Some(today)) if today > from && today <= to + 1
            );
            if let Some(column) = axis.column(tick)
                && column >= last_label_end
                && !hides_today
            {
                buf.set_string(column, y, format!("┊{label}"), theme.muted());
                last_label_end = column + crate::text::width(&label) as u16 + 2;
            }
            tick = if months_view {
                tick.checked_add_months(chrono::Months::new(if (end - start).num_days() > 365 {
                    3
                } else {
                    1
                }))
                .unwrap_or(end + Duration::days(1))
            } else {
                NaiveDate::from_ymd_opt(tick.year() + 1, 1, 1).unwrap_or(end + Duration::days(1))
            };
        }
        match self.death_day() {
            Some(death) => {
                if let Some(column) = axis.column(death) {
                    buf.set_string(column, y, "†", theme.accent());
                }
            }
            None => {
                if let Some(column) = axis.column(self.today) {
                    buf.set_string(column, y, "╎", theme.accent());
                }
            }
        }
        y += 1;

        // The rows under the lanes are kept; the oldest lines give way (one row says so).
        let lanes_room = bottom
            .saturating_sub(y)
            .saturating_sub(self.rows_under_lanes());
        let shown = if lines.len() <= usize::from(lanes_room) {
            lines.len()
        } else {
            usize::from(lanes_room.saturating_sub(1).max(1)).min(lines.len())
        };
        let skipped = lines.len() - shown;
        for line in lines.iter().skip(skipped) {
            if y >= bottom {
                return;
            }
            let response = line.best_response;
            let style = theme.response(response);
            let label = lane_label(line);
            buf.set_string(
                area.x,
                y,
                super::parts::fit(&label, usize::from(label_width)),
                Style::new(),
            );
            let line_start = self.record.line_start_day(line, self.zone);
            let line_end = self.record.line_end_day(line, self.zone);
            let from = axis.clamp_column(line_start);
            let to = axis.clamp_column(line_end.unwrap_or(self.today).min(end));
            let visible = line_start <= end && line_end.unwrap_or(self.today) >= start;
            if visible {
                for column in from..=to {
                    buf.set_string(column, y, "█", style);
                }
                // A start only as known as the latest day it can have been: the bar may reach
                // further back, which its first cell says rather than draw a start nobody gave.
                if line_start >= start && self.record.line_start_is_approximate(line) {
                    buf.set_string(
                        from,
                        y,
                        START_BY_MARK,
                        style.add_modifier(Modifier::REVERSED),
                    );
                }
                // The dose on the bar, where the bar is long enough to hold it whole.
                if let Some(doses) = bar_doses(line) {
                    let room = usize::from(to.saturating_sub(from));
                    if crate::text::width(&doses) + 2 <= room {
                        buf.set_string(from + 1, y, &doses, style.add_modifier(Modifier::REVERSED));
                    }
                }
                let marker = end_marker(line, self.today);
                let marker_column = (to + 1).min(area.x + area.width - 1);
                buf.set_string(marker_column, y, marker, style);
                if let Some(response) = response {
                    let text = response.as_str();
                    let at = marker_column + 2;
                    if at + text.len() as u16 <= area.x + area.width {
                        buf.set_string(at, y, text, style);
                    }
                }
                // Progression at (or just before) the end of the bar is already its end marker;
                // one well before it (on therapy) or after it (off therapy, a relapse) is drawn
                // where it happened.
                if let Some(day) = line.progression_date
                    && let Some(column) = axis.column(day)
                    && (column + 2 < to || column > marker_column)
                {
                    buf.set_string(
                        column,
                        y,
                        "✗",
                        theme.status(Some(crate::domain::AssessmentStatus::Refractory)),
                    );
                }
            }
            y += 1;
        }
        if skipped > 0 && y < bottom {
            buf.set_string(
                area.x,
                y,
                format!("({skipped} earlier: see Lines)"),
                theme.muted(),
            );
            y += 1;
        }

        // Procedures.
        if y < bottom && !self.record.procedures.is_empty() {
            buf.set_stringn(
                area.x,
                y,
                "procedures",
                usize::from(label_width),
                theme.muted(),
            );
            let mut placed: Vec<(u16, std::borrow::Cow<'_, str>)> = self
                .record
                .procedures
                .iter()
                .filter(|p| !p.date_unknown)
                .filter_map(|p| {
                    let day = self.zone.day_of_kept(p.performed, p.utc_offset_minutes);
                    Some((axis.column(day)?, p.name()))
                })
                .collect();
            placed.sort_by_key(|(column, _)| *column);
            let right = area.x + area.width;
            for (index, (column, name)) in placed.iter().enumerate() {
                buf.set_string(*column, y, "◆", theme.accent());
                // Named where the room before the next marker allows, cut with "…".
                let next = placed
                    .get(index + 1)
                    .map_or(right, |(next, _)| *next)
                    .min(right);
                let room = usize::from(next.saturating_sub(column + 3));
                let name = procedure_name(name);
                if room > 0 && room >= crate::text::width(name).min(5) {
                    buf.set_string(column + 2, y, super::parts::fit(name, room), theme.muted());
                }
            }
            y += 1;
        }

        // Disease status (oncology).
        let statuses = self.disease_statuses();
        if y < bottom && !statuses.is_empty() {
            buf.set_stringn(
                area.x,
                y,
                "disease status",
                usize::from(label_width),
                theme.muted(),
            );
            for observation in statuses {
                let response = observation
                    .value_code
                    .as_deref()
                    .and_then(Response::from_disease_status);
                let symbol = match response.map(Response::depth) {
                    Some(5..) => "●",
                    Some(2..=4) => "◐",
                    Some(1) => "○",
                    Some(0) => "✗",
                    _ => "?",
                };
                if let Some(column) = axis.column(
                    self.zone
                        .day_of_kept(observation.effective, observation.utc_offset_minutes),
                ) {
                    buf.set_string(column, y, symbol, theme.response(response));
                }
            }
            y += 1;
        }

        // The measurement track: a sparkline of the condition's measure per column, on the
        // measure's clinical scale when the rule set gives one, with its latest value and unit.
        if y < bottom
            && let Some(track) = self.track
        {
            let scale = track.scale.as_ref();
            let points: Vec<&Observation> = track.points.iter().collect();
            let (low, high) = track_range(scale, &points);
            let label = self.track_label(track, low, high, usize::from(label_width));
            buf.set_stringn(area.x, y, &label, usize::from(label_width), theme.muted());
            // The track takes the rows left above the legend, up to MAX_TRACK_ROWS.
            let rows = bottom.saturating_sub(y + 1).clamp(1, MAX_TRACK_ROWS);
            let base = y + rows - 1;
            let levels = f64::from(rows * 8);
            let bars = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
            let mut buckets: Vec<(f64, u32)> = vec![(0.0, 0); usize::from(axis.width)];
            for point in &points {
                if let (Some(column), Some(value)) = (
                    axis.column(
                        self.zone
                            .day_of_kept(point.effective, point.utc_offset_minutes),
                    ),
                    point.value,
                ) {
                    let last = buckets.len().saturating_sub(1);
                    let slot = &mut buckets[usize::from(column - axis.left).min(last)];
                    slot.0 += value;
                    slot.1 += 1;
                }
            }
            let goal = scale.and_then(|s| s.goal);
            let fraction = |value: f64| {
                if high > low {
                    (value.clamp(low, high) - low) / (high - low)
                } else {
                    0.5
                }
            };
            // With three rows or more, the goal is a dotted line across the chart.
            if let Some(goal) = goal
                && rows >= 3
            {
                let goal_row =
                    base - ((fraction(goal) * f64::from(rows)).floor() as u16).min(rows - 1);
                for offset in 0..axis.width {
                    buf.set_string(axis.left + offset, goal_row, "┄", theme.muted());
                }
            }
            for (offset, (sum, count)) in buckets.iter().enumerate() {
                if *count == 0 {
                    continue;
                }
                let value = sum / f64::from(*count);
                // Eighths of a row from the bottom: at least one, so every reading shows.
                let eighths = (fraction(value) * (levels - 1.0)).round() as u16 + 1;
                // Above the goal reads as a warning, at or under it as good; the label says
                // the goal in words.
                let style = match goal {
                    Some(goal) if value > goal => theme.warning(),
                    Some(_) => theme.good(),
                    None => theme.accent(),
                };
                for row in 0..rows {
                    let fill = eighths.saturating_sub(row * 8).min(8);
                    if fill > 0 {
                        buf.set_string(
                            axis.left + offset as u16,
                            base - row,
                            bars[usize::from(fill - 1)].to_string(),
                            style,
                        );
                    }
                }
            }
            y += rows;
        }

        if y < bottom {
            let legend = self.legend(&lines);
            buf.set_line(
                area.x,
                bottom - 1,
                &Line::from(Span::styled(legend, theme.muted())),
                area.width,
            );
        }
    }
}

impl Timeline<'_> {
    /// The measure's lane label: its name, the latest value with its unit (systolic/diastolic
    /// together) and its day, the goal and the scale, as much as fits in `room`. Values
    /// recorded at that one moment that differ are all given ("123/75 and 150/95"), never one
    /// of them by the order they were stored in; the day says how current they are.
    fn track_label(&self, track: &MeasureTrack, low: f64, high: f64, room: usize) -> String {
        let scale = track.scale.as_ref();
        let mut latest = at_latest(track.points.iter());
        // In the order of their values, not of storage.
        latest.sort_by(|a, b| {
            a.value
                .unwrap_or_default()
                .total_cmp(&b.value.unwrap_or_default())
        });
        let Some(first) = latest.first().copied() else {
            return String::new();
        };
        let on = format!(
            " on {}",
            self.zone
                .day_of_kept(first.effective, first.utc_offset_minutes)
        );
        let Some(scale) = scale else {
            // No scale in the rule set: the measure's own range, and its latest value.
            let unit = first
                .unit
                .as_deref()
                .and_then(display::unit)
                .map(|u| format!(" {u}"))
                .unwrap_or_default();
            let range = if high > low {
                format!(" ({}–{})", display::number(low), display::number(high))
            } else {
                String::new()
            };
            let values = distinct_values(latest.iter().filter_map(|o| o.value), &display::number)
                .join(" and ");
            let name = &first.display;
            let candidates = [
                format!("{name} {values}{unit}{on}{range}"),
                format!("{name} {values}{unit}{on}"),
                format!("{name} {values}{unit}{range}"),
                format!("{name} {values}{unit}"),
                format!("{values}{unit}{on}"),
                format!("{values}{unit}"),
            ];
            return pick(&candidates, room);
        };
        let shown = |v: f64| format!("{v:.prec$}", prec = usize::from(scale.precision));
        // With the readings paired with them (diastolics with systolics): one of each reads
        // "123/75"; more, which nothing pairs one to one, are listed on each side of the
        // slash ("123, 150 / 75, 95"), never paired by a guess.
        let firsts = distinct_values(latest.iter().filter_map(|o| o.value), &shown);
        let seconds = if scale.paired_code.is_some() {
            distinct_values(track.paired_latest.iter().copied(), &shown)
        } else {
            Vec::new()
        };
        let values = match (firsts.as_slice(), seconds.as_slice()) {
            ([one], [second]) => format!("{one}/{second}"),
            (_, []) => firsts.join(" and "),
            _ => format!("{} / {}", firsts.join(", "), seconds.join(", ")),
        };
        let unit = if scale.unit.is_empty() {
            String::new()
        } else if scale.unit.starts_with('/') {
            scale.unit.clone()
        } else {
            format!(" {}", scale.unit)
        };
        let goal = scale.goal.map(
            |goal| match (scale.paired_code.as_ref(), scale.paired_goal) {
                (Some(_), Some(second)) => format!(" goal <{}/{}", shown(goal), shown(second)),
                _ => format!(" goal ≤{}", shown(goal)),
            },
        );
        let range = format!(
            " ({}–{})",
            display::number(scale.min),
            display::number(scale.max)
        );
        let name = &scale.name;
        let goal = goal.unwrap_or_default();
        let candidates = [
            format!("{name} {values}{unit}{on}{goal}{range}"),
            format!("{name} {values}{unit}{on}{goal}"),
            format!("{name} {values}{unit}{on}"),
            format!("{name} {values}{unit}{goal}{range}"),
            format!("{name} {values}{unit}{goal}"),
            format!("{name} {values}{unit}"),
            format!("{values}{unit}{on}"),
            format!("{values}{unit}"),
        ];
        pick(&candidates, room)
    }

    /// The markers this timeline uses, in words.
    fn legend(&self, lines: &[&TreatmentLine]) -> String {
        const MEANINGS: [(&str, &str); 7] = [
            ("✗", "failed"),
            ("⊘", "intolerance"),
            ("⚠", "nonadherence"),
            ("✓", "completed"),
            ("·", "stopped (other)"),
            ("│", "ended, no reason given"),
            ("▶", "ongoing"),
        ];
        let used: Vec<&str> = lines
            .iter()
            .map(|line| end_marker(line, self.today))
            .collect();
        let mut parts: Vec<String> = MEANINGS
            .iter()
            .filter(|(marker, _)| {
                used.contains(marker)
                    || (*marker == "✗" && lines.iter().any(|l| l.progression_date.is_some()))
            })
            .map(|(marker, meaning)| format!("{marker} {meaning}"))
            .collect();
        if lines
            .iter()
            .any(|line| self.record.line_start_is_approximate(line))
        {
            parts.push(format!("{START_BY_MARK} started by"));
        }
        if !self.record.procedures.is_empty() {
            parts.push(String::from("◆ procedure"));
        }
        if !self.disease_statuses().is_empty() {
            parts.push(String::from("disease: ● CR ◐ PR/MR ○ SD ✗ PD"));
        }
        // The marker, not the day: the header says when (or, masked, the year alone).
        parts.push(String::from(if self.death_day().is_some() {
            "† death"
        } else {
            "╎ today"
        }));
        parts.join("  ")
    }
}

/// Values as shown, each once, in their order.
fn distinct_values(
    values: impl Iterator<Item = f64>,
    shown: &impl Fn(f64) -> String,
) -> Vec<String> {
    let mut listed: Vec<String> = Vec::new();
    for value in values.map(shown) {
        if !listed.contains(&value) {
            listed.push(value);
        }
    }
    listed
}

/// A lane's label: its number and regimen.
fn lane_label(line: &TreatmentLine) -> String {
    format!("{} {}", line.label(), line.regimen)
}

/// The doses written on a line's bar: the dose alone for one drug, each drug's for more.
fn bar_doses(line: &TreatmentLine) -> Option<String> {
    let dosed: Vec<(&str, String)> = line
        .drugs
        .iter()
        .filter_map(|drug| {
            // "1 dose" counts administrations and says nothing of the strength.
            let dose = drug.dose.as_ref().filter(|dose| {
                !matches!(
                    dose.unit.trim().to_ascii_lowercase().as_str(),
                    "dose" | "doses" | "{dose}" | "1" | ""
                )
            })?;
            let unit = display::unit(&dose.unit).unwrap_or_else(|| dose.unit.clone());
            Some((
                drug.ingredient.as_str(),
                format!("{} {unit}", display::number(dose.value)),
            ))
        })
        .collect();
    match dosed.as_slice() {
        [] => None,
        [(_, dose)] if line.drugs.len() == 1 => Some(dose.clone()),
        _ => Some(
            dosed
                .iter()
                .map(|(ingredient, dose)| format!("{ingredient} {dose}"))
                .collect::<Vec<_>>()
                .join(" · "),
        ),
    }
}

/// The values a track spans: the measure's clinical scale, else its own readings' range.
fn track_range(scale: Option<&MeasureScale>, points: &[&Observation]) -> (f64, f64) {
    match scale {
        Some(scale) => (scale.min, scale.max),
        None => points
            .iter()
            .filter_map(|o| o.value)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), v| {
                (low.min(v), high.max(v))
            }),
    }
}

/// A procedure's name without SNOMED CT's semantic tag ("Vagus nerve stimulation
/// (procedure)"): the tag says nothing on a lane labelled "procedures".
fn procedure_name(display: &str) -> &str {
    ["(procedure)", "(regime/therapy)"]
        .iter()
        .find_map(|tag| display.strip_suffix(tag))
        .map_or(display, str::trim_end)
}

/// The first text that fits in `room` columns (else the last, to be cut).
fn pick(candidates: &[String], room: usize) -> String {
    candidates
        .iter()
        .find(|c| crate::text::width(c) <= room)
        .or_else(|| candidates.last())
        .cloned()
        .unwrap_or_default()
}

fn trim(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{DatesKnown, DrugExposure};

    fn reading(code: &str, value: f64, at: &str) -> Observation {
        Observation {
            focus: Vec::new(),
            value_words: String::new(),
            reference_ranges: Vec::new(),
            interpretation: None,
            named_conditions: Vec::new(),
            id: 0,
            code: code.to_owned(),
            system: String::new(),
            display: String::from("Blood pressure"),
            value: Some(value),
            value_code: None,
            unit: Some(String::from("mm[Hg]")),
            effective: NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M").expect("a time"),
            since: None,
            setting: None,
            comparator: None,
            utc_offset_minutes: None,
            since_utc_offset_minutes: None,
            since_precision: crate::domain::DatePrecision::Day,
            effective_precision: crate::domain::DatePrecision::Day,
        }
    }

    fn blood_pressure() -> MeasureScale {
        MeasureScale {
            codes: vec![String::from("8480-6")],
            name: String::from("BP"),
            unit: String::from("mmHg"),
            min: 60.0,
            max: 220.0,
            goal: Some(130.0),
            precision: 0,
            paired_code: Some(String::from("8462-4")),
            paired_goal: Some(80.0),
            reading: crate::rules::MeasureReading::default(),
        }
    }

    /// An imported observation: `code` (a LOINC code, or `text:` and its name when it had
    /// none), its words, value and unit, on 2026-11-02.
    fn imported(code: &str, display: &str, value: f64, unit: &str) -> Observation {
        Observation {
            code: code.to_owned(),
            display: display.to_owned(),
            value: Some(value),
            unit: Some(unit.to_owned()),
            effective: NaiveDate::from_ymd_opt(2026, 11, 2)
                .and_then(|d| d.and_hms_opt(9, 0, 0))
                .unwrap_or_default(),
            ..Observation::default()
        }
    }

    /// The key measure's chart is drawn for what the criteria read as the measure, imported
    /// under real codes and names, in the measure's unit (review R7-4): M-protein by LOINC
    /// 33358-3 in g/L and by the name "M-Spike", marrow blasts by 11150-0, a seizure frequency
    /// by its name alone and per week; a urine M-protein is not the serum's chart.
    #[test]
    fn the_chart_draws_what_the_rules_read_as_the_measure() {
        let rules = crate::rules::Rules::embedded().expect("the embedded rules");
        let drawn = |ruleset: &str, observation: Observation| -> Option<(String, f64)> {
            let set = rules.sets.iter().find(|s| s.id == ruleset)?;
            let record = PatientRecord {
                observations: vec![observation],
                ..PatientRecord::default()
            };
            let track = MeasureTrack::read(&record, &set.measures, &[])?;
            Some((track.scale?.name.clone(), track.points.first()?.value?))
        };
        let near = |found: Option<(String, f64)>, name: &str, value: f64| {
            found.is_some_and(|(n, v)| n == name && (v - value).abs() < 0.01)
        };
        assert!(near(
            drawn(
                "myeloma",
                imported("33358-3", "Protein.monoclonal", 16.0, "g/L")
            ),
            "M-protein",
            1.6
        ));
        assert!(near(
            drawn("myeloma", imported("text:M-Spike", "M-Spike", 1.9, "g/dL")),
            "M-protein",
            1.9
        ));
        assert!(
            drawn(
                "myeloma",
                imported("text:Urine M-protein", "Urine M-protein", 1.9, "g/dL")
            )
            .is_none()
        );
        assert!(near(
            drawn(
                "aml",
                imported("11150-0", "Blasts/100 cells in Bone marrow", 30.0, "%")
            ),
            "Marrow blasts",
            30.0
        ));
        assert!(near(
            drawn(
                "epilepsy",
                imported("text:Seizure frequency", "Seizure frequency", 2.0, "/wk")
            ),
            "Seizures",
            2.0 * 30.4375 / 7.0
        ));
        assert!(near(
            drawn(
                "rheumatoid_arthritis",
                imported("text:DAS 28", "DAS 28", 5.1, "")
            ),
            "DAS28-ESR",
            5.1
        ));
    }

    /// The label of the blood-pressure track for `observations`, with room for all of it.
    fn label(observations: Vec<Observation>) -> String {
        let record = PatientRecord {
            observations,
            ..PatientRecord::default()
        };
        let track = MeasureTrack::read(&record, &[blood_pressure()], &[]).expect("a track");
        timeline_of(&record, Some(&track)).track_label(&track, 60.0, 220.0, 200)
    }

    /// The timeline of `record` as the tests draw it: all lines, 2026-12-04, UTC, no zoom or
    /// pan, no colour.
    fn timeline_of<'a>(record: &'a PatientRecord, track: Option<&'a MeasureTrack>) -> Timeline<'a> {
        Timeline {
            record,
            ruleset: None,
            today: NaiveDate::from_ymd_opt(2026, 12, 4).expect("a day"),
            zone: ShownZone::utc(),
            zoom: 0,
            pan: 0,
            theme: Theme { color: false },
            track,
        }
    }

    fn given(text: &str, start: &str, end: Option<&str>, dates: DatesKnown) -> DrugExposure {
        let at = |t: &str| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M").expect("a time");
        DrugExposure {
            id: 0,
            text: text.to_owned(),
            rxnorm: None,
            atc: None,
            start: at(start),
            end: end.map(at),
            dose: None,
            route: None,
            role: None,
            stop_reason: None,
            cycles: None,
            dates,
            stop_text: None,
            utc_offset_minutes: None,
            end_utc_offset_minutes: None,
            indications: Vec::new(),
            said_stopped: false,
            dose_from: None,
        }
    }

    /// An episode's list says what the record knows: a start given only roughly is "started
    /// by", an end that is only the last day known given is "last recorded", and a hold says
    /// so with its day not known; a stop with a reason is a stop.
    #[test]
    fn the_episode_list_says_how_much_of_each_date_is_known() {
        let mut held = given(
            "Levetiracetam",
            "2026-11-01 10:20",
            Some("2026-11-01 10:20"),
            DatesKnown::EndUnknown,
        );
        held.stop_text = Some(String::from("on hold"));
        let mut stopped = given(
            "Phenytoin",
            "2026-11-01 11:00",
            Some("2026-11-02 08:00"),
            DatesKnown::Stated,
        );
        stopped.stop_reason = Some(StopReason::Intolerance);
        let record = PatientRecord {
            exposures: vec![
                given(
                    "Lorazepam",
                    "2026-11-01 10:00",
                    Some("2026-11-01 10:05"),
                    DatesKnown::EndUnknown,
                ),
                given(
                    "Clobazam",
                    "2026-10-31 00:00",
                    None,
                    DatesKnown::StartUnknown,
                ),
                held,
                stopped,
            ],
            ..PatientRecord::default()
        };
        let timeline = timeline_of(&record, None);
        let events: Vec<String> = timeline
            .episode_events()
            .into_iter()
            .map(|(_, text)| text)
            .collect();
        for expected in [
            "started by Clobazam",
            "started Lorazepam",
            "last recorded Lorazepam",
            "Levetiracetam on hold (from when, not recorded)",
            "stopped Phenytoin: not tolerated",
        ] {
            assert!(
                events.iter().any(|event| event == expected),
                "{expected:?} in {events:?}"
            );
        }
    }

    fn episode_screen(exposures: Vec<DrugExposure>) -> Vec<String> {
        let record = PatientRecord {
            exposures,
            ..PatientRecord::default()
        };
        let timeline = timeline_of(&record, None);
        let area = Rect::new(0, 0, 78, 8);
        let mut buf = Buffer::empty(area);
        (&timeline).render(area, &mut buf);
        (0..area.height)
            .map(|y| {
                (0..area.width)
                    .map(|x| buf[(x, y)].symbol())
                    .collect::<String>()
                    .trim_end()
                    .to_owned()
            })
            .collect()
    }

    /// A record with no treatment line whose drugs span years (Synthea's contraceptives of a
    /// patient no rule set assesses) is listed by day with its year, never as hours since its
    /// first record; an episode of hours keeps its hours.
    #[test]
    fn a_record_of_years_with_no_line_is_listed_by_day_not_in_hours() {
        let years = episode_screen(vec![
            given(
                "Etonogestrel 68 MG Drug Implant",
                "2013-05-14 10:07",
                Some("2016-05-14 10:07"),
                DatesKnown::Stated,
            ),
            given(
                "Yaz 28 Day Pack",
                "2019-05-03 10:07",
                None,
                DatesKnown::Stated,
            ),
        ]);
        assert!(
            years.iter().all(|row| !row.contains(" h  ")),
            "no hours: {years:#?}"
        );
        for expected in [
            "2013-05-14  started Etonogestrel 68 MG Drug Implant",
            "2016-05-14  stopped Etonogestrel 68 MG Drug Implant",
            "2019-05-03  started Yaz 28 Day Pack",
        ] {
            assert!(
                years.iter().any(|row| row == expected),
                "{expected:?} in {years:#?}"
            );
        }

        let hours = episode_screen(vec![
            given(
                "Lorazepam",
                "2026-11-01 10:00",
                Some("2026-11-01 10:05"),
                DatesKnown::Stated,
            ),
            given(
                "Levetiracetam",
                "2026-11-01 10:30",
                Some("2026-11-02 10:30"),
                DatesKnown::Stated,
            ),
        ]);
        assert!(
            hours
                .iter()
                .any(|row| row == "11-02 10:30  +24.5 h  stopped Levetiracetam"),
            "{hours:#?}"
        );
    }

    /// A line begun by a drug whose start is only a bound (a period with an end alone) draws
    /// `≤` at its bar's first cell and says so in the legend; a line with a stated start does
    /// not (review r4 R4-9).
    #[test]
    fn a_line_whose_start_is_a_bound_is_marked_on_its_bar() {
        let line = |id: i64, number: u32, drug: &str, start: &str, end: &str| TreatmentLine {
            id,
            ruleset: String::from("epilepsy"),
            number,
            regimen: drug.to_owned(),
            start: NaiveDate::parse_from_str(start, "%Y-%m-%d").expect("a day"),
            end: Some(NaiveDate::parse_from_str(end, "%Y-%m-%d").expect("a day")),
            intent: None,
            best_response: None,
            best_response_date: None,
            progression_date: None,
            stop_reason: None,
            cycles: None,
            origin: crate::domain::LineOrigin::Derived,
            cut_reason: None,
            drugs: vec![crate::domain::LineDrug {
                ingredient: drug.to_owned(),
                dose: None,
                exposure_id: Some(id),
            }],
        };
        let mut until_june = given(
            "Carbamazepine",
            "2026-06-01 00:00",
            Some("2026-06-01 00:00"),
            DatesKnown::StartUnknown,
        );
        until_june.id = 1;
        let mut stated = given(
            "Levetiracetam",
            "2026-06-02 00:00",
            Some("2026-11-30 00:00"),
            DatesKnown::Stated,
        );
        stated.id = 2;
        let mut record = PatientRecord {
            exposures: vec![until_june, stated],
            lines: vec![
                line(1, 1, "carbamazepine", "2026-06-01", "2026-06-01"),
                line(2, 2, "levetiracetam", "2026-06-02", "2026-11-30"),
            ],
            ..PatientRecord::default()
        };
        let draw = |record: &PatientRecord| {
            let timeline = timeline_of(record, None);
            let area = Rect::new(0, 0, 100, 12);
            let mut buf = Buffer::empty(area);
            (&timeline).render(area, &mut buf);
            let rows: Vec<String> = (0..area.height)
                .map(|y| (0..area.width).map(|x| buf[(x, y)].symbol()).collect())
                .collect();
            (rows, timeline.legend(&timeline.lines()))
        };
        let (rows, legend) = draw(&record);
        let lane = |rows: &[String], regimen: &str| {
            rows.iter()
                .find(|row| row.contains(regimen))
                .cloned()
                .unwrap_or_default()
        };
        assert!(
            lane(&rows, "carbamazepine").contains(START_BY_MARK),
            "{rows:#?}"
        );
        assert!(
            !lane(&rows, "levetiracetam").contains(START_BY_MARK),
            "{rows:#?}"
        );
        assert!(legend.contains("≤ started by"), "{legend}");

        record.exposures[0].dates = DatesKnown::Stated;
        let (rows, legend) = draw(&record);
        assert!(
            !lane(&rows, "carbamazepine").contains(START_BY_MARK),
            "{rows:#?}"
        );
        assert!(!legend.contains("started by"), "{legend}");
    }

    #[test]
    fn the_track_label_gives_the_latest_reading_with_its_day() {
        let text = label(vec![
            reading("8480-6", 150.0, "2024-01-10 09:00"),
            reading("8462-4", 95.0, "2024-01-10 09:00"),
            reading("8480-6", 123.0, "2025-03-02 10:30"),
            reading("8462-4", 75.0, "2025-03-02 10:30"),
        ]);
        assert_eq!(text, "BP 123/75 mmHg on 2025-03-02 goal <130/80 (60–220)");
    }

    /// Readings at one moment that differ: all are given, in the order of their values
    /// whatever the order of storage, and never paired by a guess.
    #[test]
    fn readings_at_one_moment_are_all_given_never_one_by_storage_order() {
        let at = "2025-03-02 10:30";
        let one_diastolic = vec![
            reading("8480-6", 150.0, at),
            reading("8480-6", 123.0, at),
            reading("8462-4", 75.0, at),
        ];
        assert_eq!(
            label(one_diastolic),
            "BP 123, 150 / 75 mmHg on 2025-03-02 goal <130/80 (60–220)"
        );
        let two_diastolics = vec![
            reading("8462-4", 95.0, at),
            reading("8480-6", 123.0, at),
            reading("8480-6", 150.0, at),
            reading("8462-4", 75.0, at),
        ];
        assert_eq!(
            label(two_diastolics),
            "BP 123, 150 / 75, 95 mmHg on 2025-03-02 goal <130/80 (60–220)"
        );
        // One systolic, two diastolics: the systolic once, both diastolics.
        let same_systolic = vec![
            reading("8480-6", 150.0, at),
            reading("8462-4", 95.0, at),
            reading("8480-6", 150.0, at),
            reading("8462-4", 75.0, at),
        ];
        assert_eq!(
            label(same_systolic),
            "BP 150 / 75, 95 mmHg on 2025-03-02 goal <130/80 (60–220)"
        );
    }
}
