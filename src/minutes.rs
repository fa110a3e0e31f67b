//! The minutes of an MDT meeting from its record, for `refract minutes` and for the meeting
//! screen alike. They are built from the meeting as the screens show it
//! ([`crate::meeting::load`]), once as plain text fields, and then rendered as Markdown or as
//! one self-contained, printable HTML page, so both formats always say the same thing.
//! Patients are shown masked (initials, age at the meeting, sex) unless asked for identified.

use std::fmt::Write as _;
use std::path::Path;

use chrono::NaiveDateTime;

use crate::domain::history::Masking;
use crate::domain::{OutcomeCategory, PlanFollowed, TaskStatus};
use crate::meeting::{self, MeetingView};
use crate::out_file::{self, OutFileError};
use crate::rules::Rules;
use crate::store::{AuditHead, CaseDetail, Store, StoreError};

/// Why minutes were not made or written.
#[derive(Debug, thiserror::Error)]
pub enum MinutesError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    File(#[from] OutFileError),
    #[error("cannot write the minutes: {0}")]
    Write(#[from] std::io::Error),
}

/// The minutes of meeting `id` as Markdown, or as HTML.
pub fn render(
    store: &Store,
    rules: &Rules,
    id: i64,
    html: bool,
    identified: bool,
) -> Result<String, StoreError> {
    let view = meeting::load(store, rules, id)?;
    // Meetings are entered in local wall-clock time.
    let now = chrono::Local::now().naive_local();
    let head = store.audit_head()?;
    let minutes = Minutes::build(&view, rules, identified, now, head.as_ref());
    Ok(if html {
        minutes.html()
    } else {
        minutes.markdown()
    })
}

/// Writes the minutes of meeting `id` to `path` (a new file, never one that exists; HTML when
/// its name ends in `.html` or `.htm`, else Markdown).
pub fn write_file(
    store: &Store,
    rules: &Rules,
    id: i64,
    path: &Path,
    identified: bool,
) -> Result<(), MinutesError> {
    let html = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"));
    let text = render(store, rules, id, html, identified)?;
    out_file::write_private(path, false, |file| -> Result<(), MinutesError> {
        Ok(file.write_all(text.as_bytes())?)
    })
}

/// A meeting's time as the minutes and the meetings list write it.
pub fn when(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

/// The minutes as text fields, before any format's escaping.
struct Minutes {
    title: String,
    when: String,
    team: Option<String>,
    present: Vec<String>,
    apologies: Vec<String>,
    /// A meeting still to come lists who is expected, not who was there.
    upcoming: bool,
    identity_note: &'static str,
    /// The audit log's last row when the minutes were made, for the team to keep beside them: a
    /// log rewritten later has another head.
    audit_head: String,
    discussed: usize,
    cases: Vec<CaseMinutes>,
}

struct CaseMinutes {
    number: u32,
    patient: String,
    condition: String,
    question: Option<String>,
    /// `None` when the case was not discussed.
    outcome: Option<OutcomeMinutes>,
    absent_specialties: Vec<String>,
    tasks: Vec<String>,
    plan_followed: Option<String>,
}

struct OutcomeMinutes {
    category: Option<String>,
    text: String,
    chosen_option: Option<String>,
    comes_back: bool,
}

impl Minutes {
    /// "Present" and "Apologies" once the meeting has begun; before, who is expected.
    fn attendance_labels(&self) -> (&'static str, &'static str) {
        if self.upcoming {
            ("Expected", "Not expected")
        } else {
            ("Present", "Apologies")
        }
    }

    fn build(
        view: &MeetingView,
        rules: &Rules,
        identified: bool,
        now: NaiveDateTime,
        audit_head: Option<&AuditHead>,
    ) -> Self {
        let detail = &view.detail;
        let meeting = &detail.meeting;
        let person = |name: &str, specialty: &str| format!("{name} ({specialty})");
        let present = detail
            .attendees
            .iter()
            .filter(|a| a.present)
            .map(|a| person(&a.name, &a.specialty))
            .collect();
        let apologies = detail
            .attendees
            .iter()
            .filter(|a| !a.present)
            .map(|a| person(&a.name, &a.specialty))
            .collect();
        // Ages as they were at the meeting: minutes are a record of that day.
        let day = meeting.starts_at.date();
        // Every text of the meeting (its title too: "Tetteh and two others") is masked against
        // every patient on the agenda.
        let masking = Masking::when(!identified, detail.cases.iter().map(CaseDetail::identity));
        let cases = detail
            .cases
            .iter()
            .zip(&view.missing)
            .map(|(case, missing)| CaseMinutes::build(case, missing, rules, &masking, day))
            .collect();
        let title = masking.text(&meeting.title).into_string();
        Minutes {
            title,
            when: when(meeting.starts_at),
            team: meeting.team.clone(),
            present,
            apologies,
            // Begun once a case was presented or decided, whatever time it was entered with.
            upcoming: meeting.starts_at > now && !detail.cases.iter().any(CaseDetail::started),
            identity_note: if identified {
                "Patients are identified by name and MRN: handle these minutes as health records."
            } else {
                "Patient identities are masked (initials, age at the meeting, sex)."
            },
            discussed: detail.cases.iter().filter(|c| c.discussed()).count(),
            cases,
            audit_head: audit_head.map_or_else(
                || String::from("Audit log: empty when these minutes were made."),
                |head| format!("Audit log head when these minutes were made: {head}."),
            ),
        }
    }

    fn markdown(&self) -> String {
        let mut out = String::new();
        let md = |text: &str| escape_markdown(text);
        let list = |items: &[String]| {
            if items.is_empty() {
                String::from("none recorded")
            } else {
                items.iter().map(|i| md(i)).collect::<Vec<_>>().join("; ")
            }
        };
        let _ = writeln!(out, "# Minutes: {}\n", md(&self.title));
        let _ = writeln!(out, "- **Date:** {}", self.when);
        if let Some(team) = &self.team {
            let _ = writeln!(out, "- **Team:** {}", md(team));
        }
        let (present, absent) = self.attendance_labels();
        let _ = writeln!(out, "- **{present}:** {}", list(&self.present));
        if !self.apologies.is_empty() {
            let _ = writeln!(out, "- **{absent}:** {}", list(&self.apologies));
        }
        let _ = writeln!(
            out,
            "- **Cases:** {} on the agenda, {} discussed",
            self.cases.len(),
            self.discussed
        );
        let _ = writeln!(out, "\n{}", self.identity_note);
        for case in &self.cases {
            let _ = writeln!(
                out,
                "\n## {}. {}: {}\n",
                case.number,
                md(&case.patient),
                md(&case.condition)
            );
            let _ = writeln!(
                out,
                "- **Question:** {}",
                case.question
                    .as_deref()
                    .map_or_else(|| String::from("none recorded"), md)
            );
            match &case.outcome {
                None => {
                    let _ = writeln!(out, "- **Outcome:** not discussed");
                }
                Some(outcome) => {
                    let _ = writeln!(
                        out,
                        "- **Outcome:** {}",
                        outcome
                            .category
                            .as_deref()
                            .map_or_else(|| String::from("not categorised"), md)
                    );
                    if !outcome.text.is_empty() {
                        let _ = writeln!(out, "- **Recommendation:** {}", md(&outcome.text));
                    }
                    if let Some(option) = &outcome.chosen_option {
                        let _ = writeln!(out, "- **Chosen option:** {}", md(option));
                    }
                    let _ = writeln!(
                        out,
                        "- **Comes back:** {}",
                        if outcome.comes_back { "yes" } else { "no" }
                    );
                }
            }
            if let Some(plan) = &case.plan_followed {
                let _ = writeln!(out, "- **Plan followed:** {}", md(plan));
            }
            if !case.absent_specialties.is_empty() {
                let _ = writeln!(
                    out,
                    "- **Needed specialties absent:** {}",
                    list(&case.absent_specialties)
                );
            }
            if case.tasks.is_empty() {
                let _ = writeln!(out, "- **Tasks:** none");
            } else {
                let _ = writeln!(out, "- **Tasks:**");
                for task in &case.tasks {
                    let _ = writeln!(out, "  - {}", md(task));
                }
            }
        }
        let _ = writeln!(out, "\n---\n\n{}", md(&self.audit_head));
        out
    }

    fn html(&self) -> String {
        let h = |text: &str| escape_html(text);
        let list = |items: &[String]| {
            if items.is_empty() {
                String::from("none recorded")
            } else {
                items.iter().map(|i| h(i)).collect::<Vec<_>>().join("; ")
            }
        };
        let mut out = String::new();
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>Minutes: {title}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<main>\n\
             <h1>Minutes: {title}</h1>\n<dl class=\"meta\">\n",
            title = h(&self.title)
        );
        let field = |out: &mut String, name: &str, value: &str| {
            let _ = writeln!(out, "<dt>{name}</dt><dd>{value}</dd>");
        };
        field(&mut out, "Date", &h(&self.when));
        if let Some(team) = &self.team {
            field(&mut out, "Team", &h(team));
        }
        let (present, absent) = self.attendance_labels();
        field(&mut out, present, &list(&self.present));
        if !self.apologies.is_empty() {
            field(&mut out, absent, &list(&self.apologies));
        }
        field(
            &mut out,
            "Cases",
            &format!(
                "{} on the agenda, {} discussed",
                self.cases.len(),
                self.discussed
            ),
        );
        let _ = writeln!(
            out,
            "</dl>\n<p class=\"note\">{}</p>",
            h(self.identity_note)
        );
        for case in &self.cases {
            let _ = writeln!(
                out,
                "<section class=\"case\">\n<h2><span class=\"number\">{}.</span> {} <span class=\"condition\">{}</span></h2>\n<dl>",
                case.number,
                h(&case.patient),
                h(&case.condition)
            );
            field(
                &mut out,
                "Question",
                &case
                    .question
                    .as_deref()
                    .map_or_else(|| String::from("<em>none recorded</em>"), h),
            );
            match &case.outcome {
                None => field(&mut out, "Outcome", "<em>not discussed</em>"),
                Some(outcome) => {
                    field(
                        &mut out,
                        "Outcome",
                        &outcome
                            .category
                            .as_deref()
                            .map_or_else(|| String::from("not categorised"), h),
                    );
                    if !outcome.text.is_empty() {
                        field(&mut out, "Recommendation", &h(&outcome.text));
                    }
                    if let Some(option) = &outcome.chosen_option {
                        field(&mut out, "Chosen option", &h(option));
                    }
                    field(
                        &mut out,
                        "Comes back",
                        if outcome.comes_back { "yes" } else { "no" },
                    );
                }
            }
            if let Some(plan) = &case.plan_followed {
                field(&mut out, "Plan followed", &h(plan));
            }
            if !case.absent_specialties.is_empty() {
                field(
                    &mut out,
                    "Needed specialties absent",
                    &list(&case.absent_specialties),
                );
            }
            if case.tasks.is_empty() {
                field(&mut out, "Tasks", "none");
            } else {
                let items = case.tasks.iter().fold(String::new(), |mut items, task| {
                    let _ = write!(items, "<li>{}</li>", h(task));
                    items
                });
                field(&mut out, "Tasks", &format!("<ul>{items}</ul>"));
            }
            let _ = writeln!(out, "</dl>\n</section>");
        }
        let _ = writeln!(
            out,
            "<footer class=\"audit\">{}</footer>",
            h(&self.audit_head)
        );
        out.push_str("</main>\n</body>\n</html>\n");
        out
    }
}

impl CaseMinutes {
    fn build(
        case: &CaseDetail,
        absent_specialties: &[String],
        rules: &Rules,
        masking: &Masking<'_>,
        day: chrono::NaiveDate,
    ) -> Self {
        let identified = !masking.is_on();
        let shown = |detail: &CaseDetail| {
            if identified {
                format!("{} (MRN {})", detail.display_name(), detail.mrn)
            } else {
                detail.masked_identity(day)
            }
        };
        // The patient as discussed (see `CaseDetail::discussed_as`), and as the record shows
        // them today when that differs, so that the team can still find them.
        let mut patient = shown(&case.discussed_as());
        let now = shown(case);
        if now != patient {
            let _ = write!(patient, " — now {now}");
        }
        if identified && let Some(death) = case.death_words(false) {
            let _ = write!(patient, ", {death}");
        }
        let condition = match rules.get(&case.ruleset) {
            Some(set) => set.name.clone(),
            None if case.ruleset.is_empty() => String::from("condition not set"),
            None => case.ruleset.clone(),
        };
        // Masked minutes are handed out: what the team typed about the case loses the name, MRN
        // and birth date of every patient on the agenda (a relative discussed at the same
        // meeting), as the masked screen cuts them.
        let typed = |text: &str| masking.text(text).into_string();
        let question = Some(case.case.question.trim())
            .filter(|q| !q.is_empty())
            .map(&typed);
        let outcome = case.discussed().then(|| OutcomeMinutes {
            category: case
                .case
                .outcome_category
                .as_deref()
                .map(OutcomeCategory::label_of),
            text: typed(case.case.outcome_text.trim()),
            chosen_option: case.chosen_option.as_deref().map(&typed),
            comes_back: case.case.comes_back,
        });
        let tasks = case
            .tasks
            .iter()
            .map(|task| {
                let mut line = typed(&task.what);
                if let Some(owner) = &task.owner {
                    let _ = write!(line, ", owner {owner}");
                }
                if let Some(due) = task.due {
                    let _ = write!(line, ", due {due}");
                }
                let status = match task.status {
                    TaskStatus::Open => "open",
                    TaskStatus::Done => "done",
                    TaskStatus::Cancelled => "cancelled",
                };
                let _ = write!(line, " ({status})");
                line
            })
            .collect();
        let plan_followed = case.case.plan_followed.map(|followed| {
            let word = match followed {
                PlanFollowed::Yes => "yes",
                PlanFollowed::Partly => "partly",
                PlanFollowed::No => "no",
            };
            match &case.case.plan_followed_reason {
                Some(reason) => format!("{word} (reason: {})", typed(reason)),
                None => word.to_owned(),
            }
        });
        CaseMinutes {
            number: case.case.position,
            patient,
            condition,
            question,
            outcome,
            absent_specialties: absent_specialties.to_vec(),
            tasks,
            plan_followed,
        }
    }
}

/// Inline and print styles: the page must need nothing from the network.
const STYLE: &str = "body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; color: #111; background: #fff; margin: 0; }
main { max-width: 52rem; margin: 0 auto; padding: 2rem 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 1rem; }
h2 { font-size: 1.15rem; margin: 0 0 .5rem; }
.number { color: #555; }
.condition { font-weight: normal; color: #444; }
.condition::before { content: '· '; }
dl { display: grid; grid-template-columns: 12rem 1fr; gap: .25rem 1rem; margin: 0; }
dt { font-weight: 600; }
dd { margin: 0; }
ul { margin: 0; padding-left: 1.2rem; }
.meta { margin-bottom: 1rem; }
.audit { margin-top: 2rem; font-size: .8rem; color: #444; overflow-wrap: anywhere; }
.note { font-style: italic; color: #444; border-left: 3px solid #999; padding-left: .6rem; }
.case { border-top: 1px solid #ccc; padding: 1rem 0; }
@media print {
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  .case { break-inside: avoid; page-break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
";

/// Text as HTML: every character that could open markup is an entity; line breaks are kept.
fn escape_html(text: &str) -> String {
    let text = crate::text::sanitise(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push_str("<br>"),
            '\r' => {}
            _ => out.push(c),
        }
    }
    out
}

/// Text as one line of Markdown: characters that would start markup (or raw HTML, which
/// Markdown renderers pass through) are backslash-escaped, and line breaks become spaces so a
/// multi-line recommendation stays inside its list item. Sanitised first: minutes end up
/// printed in terminals (`cat`, a pager) as well as rendered.
fn escape_markdown(text: &str) -> String {
    let text = crate::text::sanitise_line(text);
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in word.chars() {
            if matches!(
                c,
                '\\' | '`' | '*' | '_' | '<' | '>' | '[' | ']' | '#' | '|'
            ) {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escaping_leaves_no_markup() {
        assert_eq!(
            escape_html("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
    }

    #[test]
    fn markdown_escaping_keeps_text_on_one_line() {
        assert_eq!(
            escape_markdown("a <b>\n*c* [d]"),
            "a \\<b\\> \\*c\\* \\[d\\]"
        );
        assert_eq!(escape_markdown("A\u{1b}]0;t\u{7}\u{202e}B"), "A\\]0;tB");
        assert_eq!(escape_html("A\u{1b}[2J\u{200b}B"), "A[2JB");
    }
}
