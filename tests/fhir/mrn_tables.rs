//! The `patients` and `flags` text tables print every MRN whole: a script or a clinician
//! copying one from the table must get the patient's, not a cut one that another patient's
//! could share (review R10-7). The column is as wide as the longest MRN, the other columns
//! keep their order.

use serde_json::Value;

use super::{Env, ICD10, bundle, condition, patient, refract};

/// The terminal column `pattern` starts at in `line` (the status column has a "·").
fn column(line: &str, pattern: &str) -> Option<usize> {
    line.find(pattern).map(|at| line[..at].chars().count())
}

fn cli_out(env: &Env, args: &[&str]) -> String {
    let output = refract()
        .arg("--db")
        .arg(env.db())
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn a_long_mrn_is_printed_whole_in_the_patients_and_flags_tables() {
    let mut env = Env::new();
    // Two 24-character MRNs that share their first ten characters, and a short one.
    let long_a = "HOSP-2026-000000000123-A";
    let long_b = "HOSP-2026-000000000123-B";
    assert_eq!(long_a.len(), 24);
    let file = env.write_json(
        "a.json",
        &bundle(
            "collection",
            &[
                patient("pa", long_a, "Ode", "Ada"),
                condition(
                    "ca",
                    "urn:uuid:pa",
                    ICD10,
                    "F20.0",
                    "Paranoid schizophrenia",
                ),
                patient("pb", long_b, "Ode", "Bea"),
                condition(
                    "cb",
                    "urn:uuid:pb",
                    ICD10,
                    "F20.0",
                    "Paranoid schizophrenia",
                ),
                patient("pc", "S1", "Ode", "Cy"),
                condition(
                    "cc",
                    "urn:uuid:pc",
                    ICD10,
                    "F20.0",
                    "Paranoid schizophrenia",
                ),
            ],
        ),
    );
    env.import_ok(&file);

    let table = cli_out(&env, &["patients"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 4, "{table}");
    let mrns: Vec<&str> = lines[1..]
        .iter()
        .map(|line| line.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(mrns, [long_a, long_b, "S1"], "{table}");
    // The columns after the MRN start where the header's do.
    let name_at = column(lines[0], "name").unwrap();
    for line in &lines[1..] {
        assert_eq!(column(line, "Ode,"), Some(name_at), "{table}");
    }

    let table = cli_out(&env, &["flags"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 4, "{table}");
    let mrn_at = column(lines[0], "MRN").unwrap();
    let name_at = column(lines[0], "name").unwrap();
    let mut mrns: Vec<String> = lines[1..]
        .iter()
        .map(|line| {
            let rest: String = line.chars().skip(mrn_at).collect();
            rest.split_whitespace().next().unwrap().to_owned()
        })
        .collect();
    mrns.sort_unstable();
    assert_eq!(mrns, ["HOSP-2026-000000000123-A", long_b, "S1"], "{table}");
    for line in &lines[1..] {
        assert_eq!(column(line, "Ode,"), Some(name_at), "{table}");
    }
    // The JSON has them whole as it had.
    let json: Vec<Value> = serde_json::from_str(&cli_out(&env, &["flags", "--json"])).unwrap();
    assert!(json.iter().any(|flag| flag["mrn"] == long_a));
}
