//! A birth date given as a year or a month (R4 `date`: "1980", "1980-05"): kept as given, so
//! that no one reads, and no export writes, a day the record never said.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::{cli_import, epilepsy_bundle, refract, with};

/// `epilepsy_bundle`'s patient (MRN E1) born `born`.
fn born(born: &str) -> Value {
    let mut document = epilepsy_bundle("e1", "E1", ("266721009", "No response to treatment"));
    let entry = &mut document["entry"][0]["resource"];
    assert_eq!(entry["resourceType"], "Patient");
    *entry = with(entry.clone(), &json!({"birthDate": born}));
    document
}

fn run(db: &Path, args: &[&str]) -> String {
    let output = refract().arg("--db").arg(db).args(args).output().unwrap();
    assert!(output.status.success(), "{args:?}: {output:?}");
    String::from_utf8(output.stdout).unwrap()
}

fn import(db: &Path, path: PathBuf) {
    let (code, summary, stderr) = cli_import(db, &[path]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(summary["failed"], 0, "{summary:#}");
}

fn exported_birth_date(db: &Path) -> Value {
    let bundle: Value = serde_json::from_str(&run(db, &["export", "--format", "fhir"])).unwrap();
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| &entry["resource"])
        .find(|resource| resource["resourceType"] == "Patient")
        .unwrap()["birthDate"]
        .clone()
}

#[test]
fn a_birth_year_or_month_is_shown_and_exported_as_given() {
    for given in ["1980", "1980-05", "1980-05-17"] {
        let dir = tempfile::TempDir::new().unwrap();
        let db = dir.path().join("refract.db");
        import(
            &db,
            super::write_json(&dir.path().join("p.json"), &born(given)),
        );
        let shown = run(&db, &["show", "E1"]);
        assert!(shown.contains(&format!("(born {given})")), "{shown}");
        assert_eq!(exported_birth_date(&db), json!(given));
        let listed: Value = serde_json::from_str(&run(&db, &["patients", "--json"])).unwrap();
        assert_eq!(listed[0]["birth_date"], json!(given));

        // refract's own document carries it, and a FHIR export read back keeps it.
        for format in ["json", "fhir"] {
            let out = dir.path().join(format!("out.{format}"));
            run(
                &db,
                &["export", "--format", format, "--out", out.to_str().unwrap()],
            );
            let copy = dir.path().join(format!("copy-{format}.db"));
            let output = refract()
                .arg("--db")
                .arg(&copy)
                .arg("import")
                .arg(&out)
                .output()
                .unwrap();
            assert!(output.status.success(), "{output:?}");
            assert_eq!(exported_birth_date(&copy), json!(given), "{format}");
        }
    }
}

/// The source says more later: the whole date replaces the year, audited as a change.
#[test]
fn a_birth_year_made_precise_later_is_a_change() {
    let dir = tempfile::TempDir::new().unwrap();
    let db = dir.path().join("refract.db");
    import(
        &db,
        super::write_json(&dir.path().join("a.json"), &born("1980")),
    );
    import(
        &db,
        super::write_json(&dir.path().join("b.json"), &born("1980-01-01")),
    );
    assert!(run(&db, &["show", "E1"]).contains("(born 1980-01-01)"));
    assert_eq!(exported_birth_date(&db), json!("1980-01-01"));
}
