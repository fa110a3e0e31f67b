//! `refract patients [--json] [--search TEXT] [--living]`: every patient (the living only with
//! `--living`, as the dashboard's list), in name order, paged from the database so that a
//! million rows stream in constant memory. A headless listing is of the whole file: a script
//! that counts patients counts them all, the deceased marked.

use std::io::Write;
use std::process::ExitCode;

use serde_json::json;

use super::output::{fit, mrn_width, status_text, today, whole};
use super::{CliError, finish, result_stdout};
use crate::store::{Anchor, ListFilter, ListQuery, PatientRow, SortKey, Store};

const PAGE: usize = 1_000;

pub fn run(
    store: &Store,
    json: bool,
    search: Option<&str>,
    deceased: bool,
) -> Result<ExitCode, CliError> {
    let query = ListQuery {
        filter: ListFilter {
            search: search.map(str::to_owned),
            show_deceased: deceased,
            ..ListFilter::default()
        },
        sort: SortKey::Name,
        descending: false,
    };
    let today = today();
    let mut out = result_stdout(json);
    let mrn_width = if json { 0 } else { mrn_width(store)? };
    if json {
        out.write_all(b"[")?;
    } else {
        writeln!(
            out,
            "{} {} {} {} {} {} regimen",
            fit("MRN", mrn_width),
            fit("name", 26),
            fit("age/sex", 7),
            fit("status", 18),
            fit("condition", 20),
            fit("line", 4),
        )?;
    }
    let mut anchor = Anchor::First;
    let mut first = true;
    loop {
        let page = store.list_page(&query, &anchor, PAGE)?;
        for row in &page {
            let age = row.age_on(today);
            if json {
                if !first {
                    out.write_all(b",")?;
                }
                serde_json::to_writer(&mut out, &row_json(row, age))
                    .map_err(std::io::Error::from)?;
            } else {
                let age_sex = format!(
                    "{} {}",
                    age.map_or_else(|| "?".to_owned(), |a| a.to_string()),
                    row.sex.letter()
                );
                let line = if row.line > 0 {
                    format!("{}L", row.line)
                } else {
                    "–".into()
                };
                // No flag is raised for the dead (as in the TUI list).
                let status = if row.death().is_some() {
                    String::from("† deceased")
                } else {
                    status_text(row.status)
                };
                // The last column has room for the death, before the regimen it ended.
                let regimen = crate::text::sanitise_line(&row.regimen);
                let last = match row.death() {
                    Some(death) if regimen.is_empty() => death.words(row.birth_date, false),
                    Some(death) => format!("{} · {regimen}", death.words(row.birth_date, false)),
                    None => regimen.into_owned(),
                };
                writeln!(
                    out,
                    "{} {} {} {} {} {} {}",
                    whole(&row.mrn, mrn_width),
                    fit(&format!("{}, {}", row.family_name, row.given_name), 26),
                    fit(&age_sex, 7),
                    fit(&status, 18),
                    fit(&condition_text(row), 20),
                    fit(&line, 4),
                    last
                )?;
            }
            first = false;
        }
        match page.last().and_then(|row| row.cursor.clone()) {
            Some(cursor) if page.len() == PAGE => anchor = Anchor::After(cursor),
            _ => break,
        }
    }
    if json {
        out.write_all(b"]\n")?;
    }
    if !deceased {
        // Said on stderr, as every message is: stdout stays the list a script reads.
        let hidden = store.deceased_count(&query.filter)?;
        if hidden > 0 {
            eprintln!(
                "{hidden} deceased patient{} not listed (without --living they are)",
                if hidden == 1 { "" } else { "s" }
            );
        }
    }
    finish(out)
}

/// The condition column: the rule set, or, for a patient no rule set assessed, the words of a
/// current diagnosis in words alone, marked "?" (as the dashboard's list shows it), rather than
/// nothing (review r3 C-8).
fn condition_text(row: &PatientRow) -> String {
    match row.unrecognised.trim() {
        "" => row.ruleset.clone(),
        words => format!("? {words}"),
    }
}

fn row_json(row: &PatientRow, age: Option<u32>) -> serde_json::Value {
    json!({
        "mrn": row.mrn,
        "name": format!("{}, {}", row.family_name, row.given_name),
        "family_name": row.family_name,
        "given_name": row.given_name,
        "birth_date": row.birth_date_text(),
        "age": age,
        "sex": row.sex,
        "deceased": row.death().is_some(),
        "deceased_date": row.deceased_date,
        "deceased_in": row.deceased_in,
        "status": row.status,
        "condition": (!row.ruleset.is_empty()).then_some(&row.ruleset),
        "unrecognised_condition": (!row.unrecognised.trim().is_empty()).then_some(&row.unrecognised),
        "line": (row.line > 0).then_some(row.line),
        "regimen": (!row.regimen.is_empty()).then_some(&row.regimen),
        "way_forward_closed_steps": row.way_forward,
        "review": row.review,
        "care_team": (!row.care_team.is_empty()).then_some(&row.care_team),
    })
}
