//! The bad-input corpus (`tests/bad_input/`), run through the real binary: every broken FHIR
//! file, rules folder and database ends with exit code 1 and exactly one line on stderr (no
//! panic, no backtrace, no control character from the file, no megabytes of quoted value), and
//! changes nothing: a bad import leaves every table's row count as it was, a bad database file
//! keeps its bytes.
//!
//! Small cases are committed files; big, deep and random ones (5 MB strings, 10,000-deep
//! nesting, random bytes, broken databases) are made here in a temporary folder, from a fixed
//! seed. Keymap files go through `--keymap` and `$REFRACT_KEYMAP`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use refract::store::SCHEMA_VERSION;
use refract::tui::keymap::Keymap;
use tempfile::TempDir;

fn corpus(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/bad_input")
        .join(kind)
}

/// The binary, with nothing from the environment that changes what it does or prints.
fn refract() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_refract"));
    command
        .env_remove("REFRACT_DB")
        .env_remove("REFRACT_KEYMAP")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .env("USER", "dr.bad-input");
    command
}

fn run(args: &[&std::ffi::OsStr]) -> Output {
    refract().args(args).output().unwrap()
}

/// Exit code 1 and one short, clean line on stderr; returns that line.
#[track_caller]
fn assert_one_line_failure(output: &Output, case: &str) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let shown: String = stderr.chars().take(2000).collect();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{case}: exit code (a signal shows as None); stderr: {shown}"
    );
    for forbidden in ["panicked", "RUST_BACKTRACE", "backtrace", "Backtrace"] {
        assert!(!stderr.contains(forbidden), "{case}: {forbidden}: {shown}");
    }
    assert!(stderr.ends_with('\n'), "{case}: {shown:?}");
    let line = &stderr[..stderr.len() - 1];
    assert!(
        !line.trim().is_empty() && !line.contains('\n'),
        "{case}: not exactly one non-empty line: {shown:?}"
    );
    assert!(line.starts_with("refract: "), "{case}: {shown:?}");
    assert!(
        !line.chars().any(char::is_control),
        "{case}: a control character reached the terminal: {shown:?}"
    );
    assert!(
        line.chars().count() <= 1000,
        "{case}: a {}-character line",
        line.chars().count()
    );
    line.to_owned()
}

/// A small demo database, the same every time.
fn demo(dir: &Path) -> PathBuf {
    let db = dir.join("demo.db");
    let output = refract()
        .arg("--db")
        .arg(&db)
        .args([
            "demo",
            "--no-open",
            "--patients",
            "20",
            "--today",
            "2026-11-27",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    db
}

/// Every table's row count: what a bad import must leave as it was.
fn counts(db: &Path) -> BTreeMap<String, i64> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    tables
        .into_iter()
        .map(|table| {
            let n = conn
                .query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |row| {
                    row.get(0)
                })
                .unwrap();
            (table, n)
        })
        .collect()
}

/// A deterministic byte stream (splitmix64): the random cases are the same on every run.
struct Bytes(u64);

impl Bytes {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn take(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next().to_le_bytes()[0]).collect()
    }
}

// ---- FHIR ----

/// Committed FHIR files and a piece of the error each must give (so that each case fails for
/// the reason it is there for).
const FHIR_FILES: &[(&str, &str)] = &[
    ("empty.json", "empty"),
    ("invalid_utf8.json", "invalid UTF-8"),
    ("ndjson_truncated_line.ndjson", "line 2"),
    ("not_an_object.json", "does not start with '{'"),
    ("truncated.json", "truncated"),
    ("unknown_resource_type.json", "Patinet"),
    ("wrong_type_entry.json", "invalid type"),
    ("wrong_type_id.json", "invalid type"),
    ("wrong_type_resource_type.json", "invalid type"),
];

/// Committed FHIR files whose JSON is sound but one resource is unusable (an impossible date, a
/// control character in a date, a number too large for its element), with a piece of the
/// warning each must give. The resource is left out, or kept without the unusable part; the
/// file is imported.
const FHIR_RESOURCE_FILES: &[(&str, &str)] = &[
    ("control_characters.json", "impossible date"),
    ("huge_integer.json", "Observation/o1"),
    ("huge_number.json", "Observation/o1"),
    ("impossible_date.json", "impossible date '1970-02-30'"),
    ("year_out_of_range.json", "impossible date '99999-01-01'"),
];

/// Nested `depth` times: `open` repeated, then `inner`, then `close` repeated.
fn nested(depth: usize, open: &str, inner: &str, close: &str) -> String {
    let mut out = String::with_capacity(depth * (open.len() + close.len()) + inner.len());
    for _ in 0..depth {
        out.push_str(open);
    }
    out.push_str(inner);
    for _ in 0..depth {
        out.push_str(close);
    }
    out
}

/// The bytes of JSON, for random text that the tokenizer gets further into.
const JSONISH: &[u8] = b"{}[]\":,0123456789aeflnrstu \n";

/// The big, deep and random FHIR cases, written into `dir`, with a piece of each error.
fn generated_fhir(dir: &Path) -> Vec<(PathBuf, Vec<u8>, &'static str)> {
    let mut random = Bytes(0x00C0_FFEE);
    // Printable ASCII after a brace: past the UTF-8 check, into the tokenizer.
    let mut brace_random: Vec<u8> = random
        .take(8 * 1024)
        .into_iter()
        .map(|b| b' ' + b % 95)
        .collect();
    brace_random[0] = b'{';
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("random_bytes.json", random.take(4096), "not a JSON text file"),
        ("random_after_brace.json", brace_random, ""),
        (
            "random_ascii.json",
            random
                .take(4096)
                .into_iter()
                .map(|b| JSONISH[usize::from(b) % JSONISH.len()])
                .collect(),
            "",
        ),
        (
            "deep_arrays_at_top.json",
            nested(10_000, "[", "", "]").into_bytes(),
            "does not start with '{'",
        ),
        (
            "deep_objects_at_top.json",
            nested(10_000, "{\"a\":", "1", "}").into_bytes(),
            "no resourceType",
        ),
        (
            "deep_in_bundle_entry.json",
            format!(
                "{{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[{{\"resource\":{}}}]}}",
                nested(10_000, "{\"resource\":", "{}", "}")
            )
            .into_bytes(),
            "entry[0]",
        ),
    ];
    cases
        .into_iter()
        .map(|(name, bytes, words)| {
            let path = dir.join(name);
            std::fs::write(&path, &bytes).unwrap();
            (path, bytes, words)
        })
        .collect()
}

/// The big resource-level cases, written into `dir`, with a piece of each warning.
fn generated_fhir_resources(dir: &Path) -> Vec<(PathBuf, &'static str)> {
    let five_mb = "x".repeat(5 * 1024 * 1024);
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "deep_in_patient_name.json",
            format!(
                "{{\"resourceType\":\"Patient\",\"id\":\"p1\",\"name\":{}}}",
                nested(10_000, "[", "", "]")
            ),
            "not a valid Patient",
        ),
        (
            "five_mb_number.json",
            format!(
                "{{\"resourceType\":\"Patient\",\"id\":\"p1\",\"birthDate\":1{}}}",
                "0".repeat(5 * 1024 * 1024)
            ),
            "not a valid Patient",
        ),
        (
            "five_mb_date.json",
            format!("{{\"resourceType\":\"Patient\",\"id\":\"p1\",\"birthDate\":\"{five_mb}\"}}"),
            "impossible date 'xxxx",
        ),
        (
            "five_mb_reference.json",
            format!(
                "{{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[{{\"resource\":\
                 {{\"resourceType\":\"Condition\",\"id\":\"c1\",\"subject\":{{\"reference\":\
                 \"Patient/{five_mb}\"}},\"code\":{{\"text\":\"epilepsy\"}}}}}}]}}"
            ),
            "Condition/c1",
        ),
        (
            "five_mb_family_name.json",
            format!(
                "{{\"resourceType\":\"Patient\",\"id\":\"p1\",\"name\":[{{\"family\":\"{five_mb}\"}}]}}"
            ),
            "family name is 5242880 bytes long",
        ),
        (
            "five_mb_mrn.json",
            format!(
                "{{\"resourceType\":\"Patient\",\"id\":\"p1\",\"identifier\":[{{\"value\":\"{five_mb}\"}}]}}"
            ),
            "identifier (MRN) is 5242880 bytes long",
        ),
        (
            "five_mb_condition_display.json",
            format!(
                "{{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[\
                 {{\"resource\":{{\"resourceType\":\"Patient\",\"id\":\"p1\"}}}},\
                 {{\"resource\":{{\"resourceType\":\"Condition\",\"id\":\"c1\",\
                 \"subject\":{{\"reference\":\"Patient/p1\"}},\"code\":{{\"text\":\"{five_mb}\"}}}}}}]}}"
            ),
            "display is 5242880 bytes long",
        ),
    ];
    cases
        .into_iter()
        .map(|(name, text, words)| {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            (path, words)
        })
        .collect()
}

#[test]
fn every_unusable_resource_is_a_short_warning_and_costs_nothing_else() {
    let dir = TempDir::new().unwrap();
    let mut cases: Vec<(PathBuf, &str)> = FHIR_RESOURCE_FILES
        .iter()
        .map(|(name, words)| (corpus("fhir-resources").join(name), *words))
        .collect();
    for entry in std::fs::read_dir(corpus("fhir-resources")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            FHIR_RESOURCE_FILES
                .iter()
                .any(|(listed, _)| *listed == name),
            "{name} in the corpus is not listed in FHIR_RESOURCE_FILES"
        );
    }
    cases.extend(generated_fhir_resources(dir.path()));
    for (index, (path, words)) in cases.iter().enumerate() {
        let case = path.file_name().unwrap().to_string_lossy().into_owned();
        // A fresh database per case: what the file adds is only its usable part.
        let db = dir.path().join(format!("case-{index}.db"));
        let output = run(&[
            "--db".as_ref(),
            db.as_os_str(),
            "import".as_ref(),
            "--json".as_ref(),
            path.as_os_str(),
        ]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{case}: {stderr}");
        assert!(stderr.is_empty(), "{case}: {stderr}");
        let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(summary["imported"], 1, "{case}: {summary}");
        let warnings = summary["files"][0]["warnings"].as_array().unwrap();
        let shown: Vec<String> = warnings
            .iter()
            .map(|w| format!("{} {} {}", w["at"], w["resource"], w["message"]))
            .collect();
        assert!(
            shown.iter().any(|w| w.contains(words)),
            "{case}: {words:?} not in {shown:#?}"
        );
        for warning in warnings {
            let message = warning["message"].as_str().unwrap();
            assert!(
                !message.chars().any(char::is_control) && message.chars().count() <= 400,
                "{case}: {message:?}"
            );
        }
    }
}

#[test]
fn every_bad_fhir_file_is_one_line_exit_1_and_imports_nothing() {
    let dir = TempDir::new().unwrap();
    let db = demo(dir.path());
    let before = counts(&db);
    assert!(before["patients"] > 0);

    let mut cases: Vec<(PathBuf, &str)> = FHIR_FILES
        .iter()
        .map(|(name, words)| (corpus("fhir").join(name), *words))
        .collect();
    let committed: Vec<String> = std::fs::read_dir(corpus("fhir"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for name in &committed {
        assert!(
            FHIR_FILES.iter().any(|(listed, _)| listed == name),
            "{name} in the corpus is not listed in FHIR_FILES"
        );
    }
    let generated = generated_fhir(dir.path());
    cases.extend(
        generated
            .iter()
            .map(|(path, _, words)| (path.clone(), *words)),
    );

    for (path, words) in &cases {
        let case = path.file_name().unwrap().to_string_lossy().into_owned();
        let output = run(&[
            "--db".as_ref(),
            db.as_os_str(),
            "import".as_ref(),
            path.as_os_str(),
        ]);
        let line = assert_one_line_failure(&output, &case);
        eprintln!("{line}");
        assert!(line.contains(&case), "{case}: the file is named: {line}");
        assert!(line.contains(words), "{case}: {words:?} not in {line}");
        assert_eq!(counts(&db), before, "{case} changed the database");
    }
    // The corpus cannot be a file refract skips for being already imported.
    for (path, bytes, _) in &generated {
        assert_eq!(&std::fs::read(path).unwrap(), bytes);
    }
}

#[test]
fn deep_nesting_where_refract_does_not_look_is_no_crash() {
    // An element refract ignores may nest as deep as it likes: accepted or refused, the process
    // ends normally (a stack overflow would end it by a signal).
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("empty.db");
    for (name, depth) in [("ext_10k.json", 10_000), ("ext_1m.json", 1_000_000)] {
        let path = dir.path().join(name);
        let text = format!(
            "{{\"resourceType\":\"Patient\",\"id\":\"{name}\",\"extension\":{}}}",
            nested(depth, "[", "", "]")
        );
        std::fs::write(&path, text).unwrap();
        let output = run(&[
            "--db".as_ref(),
            db.as_os_str(),
            "import".as_ref(),
            path.as_os_str(),
        ]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "{name}: {:?} {stderr}",
            output.status
        );
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        assert!(stderr.lines().count() <= 1, "{name}: {stderr}");
    }
}

// ---- Rules ----

/// Committed rules folders and a piece of the error each must give.
const RULES_DIRS: &[(&str, &str)] = &[
    ("bad_drugs", "drugs.toml:2: unknown field `name`"),
    ("control_chars", "unknown response"),
    ("duplicate_key", "tiny.toml:4: duplicate key"),
    ("empty", "missing field `id`"),
    ("huge_number", "tiny.toml:25:"),
    ("invalid_toml", "tiny.toml:12:"),
    ("invalid_utf8", "valid UTF-8"),
    ("misspelled_key", "tiny.toml:3: unknown field `versoin`"),
    ("negative", "tiny.toml:10:"),
    ("unknown_criterion", "unknown criterion 'relapse'"),
    ("unknown_value", "unknown response 'complete-ish'"),
    ("wrong_type", "tiny.toml:10: invalid type"),
];

#[test]
fn the_valid_rules_folder_of_the_corpus_loads() {
    // Each bad folder is this one with one thing broken: this one must be accepted, or the
    // others would prove nothing.
    let dir = TempDir::new().unwrap();
    let db = demo(dir.path());
    let output = run(&[
        "--db".as_ref(),
        db.as_os_str(),
        "--rules".as_ref(),
        corpus("rules/valid").as_os_str(),
        "check".as_ref(),
    ]);
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("tiny v1"));
}

#[test]
fn every_bad_rules_folder_is_one_line_exit_1_and_changes_nothing() {
    let dir = TempDir::new().unwrap();
    let db = demo(dir.path());
    let listed: Vec<String> = std::fs::read_dir(corpus("rules"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "valid")
        .collect();
    for name in &listed {
        assert!(
            RULES_DIRS.iter().any(|(case, _)| case == name),
            "rules/{name} is not listed in RULES_DIRS"
        );
    }
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fhir/small-bundle.json");
    for (name, words) in RULES_DIRS {
        let rules = corpus("rules").join(name);
        // On a database: `check` reads the rules and refuses them.
        let before = std::fs::read(&db).unwrap();
        let output = run(&[
            "--db".as_ref(),
            db.as_os_str(),
            "--rules".as_ref(),
            rules.as_os_str(),
            "check".as_ref(),
        ]);
        let line = assert_one_line_failure(&output, name);
        assert!(line.contains(words), "{name}: {words:?} not in {line}");
        assert!(
            std::fs::read(&db).unwrap() == before,
            "{name}: the database changed"
        );

        // Before a database: an import with bad rules creates no file.
        let fresh = dir.path().join(format!("{name}.db"));
        for command in [
            &["import".as_ref(), fixture.as_os_str()][..],
            &["flags".as_ref()],
        ] {
            let mut args = vec![
                "--db".as_ref(),
                fresh.as_os_str(),
                "--rules".as_ref(),
                rules.as_os_str(),
            ];
            args.extend_from_slice(command);
            let output = run(&args);
            assert_one_line_failure(&output, name);
            assert!(!fresh.exists(), "{name}: a database was created");
        }
    }
}

// ---- Databases ----

/// Commands that open the database, each with what it needs.
fn commands(fixture: &Path) -> Vec<Vec<std::ffi::OsString>> {
    let words = |list: &[&str]| list.iter().map(Into::into).collect::<Vec<_>>();
    let mut import = words(&["import"]);
    import.push(fixture.into());
    vec![
        words(&["patients"]),
        words(&["patients", "--json"]),
        words(&["show", "MRN-1"]),
        words(&["flags", "--json"]),
        words(&["export", "--format", "json"]),
        words(&["check"]),
        words(&[
            "review",
            "MRN-1",
            "--condition",
            "epilepsy",
            "--confirm",
            "--rationale",
            "seen",
        ]),
        import,
    ]
}

/// Runs every command on `db`; each must fail in one line and leave the file's bytes (and its
/// folder's list of files) as they were. Returns the first error line.
fn refused_untouched(case: &str, db: &Path, commands: &[Vec<std::ffi::OsString>]) -> String {
    let listing = |dir: &Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let folder = db.parent().unwrap();
    let files_before = listing(folder);
    let bytes_before = if db.is_file() {
        Some(std::fs::read(db).unwrap())
    } else {
        None
    };
    let mut first = None;
    for command in commands {
        let mut args: Vec<&std::ffi::OsStr> = vec!["--db".as_ref(), db.as_os_str()];
        args.extend(command.iter().map(std::ffi::OsString::as_os_str));
        let what = format!("{case}: refract {}", command[0].to_string_lossy());
        let line = assert_one_line_failure(&run(&args), &what);
        assert!(
            line.contains(&db.file_name().unwrap().to_string_lossy().into_owned()),
            "{what}: the file is named: {line}"
        );
        first.get_or_insert(line);
        if let Some(before) = &bytes_before {
            assert!(
                std::fs::read(db).unwrap() == *before,
                "{what}: the file's bytes changed"
            );
        } else {
            assert!(db.is_dir());
            assert!(listing(db).is_empty(), "{what}: wrote into the directory");
        }
        assert_eq!(listing(folder), files_before, "{what}: left files behind");
    }
    first.unwrap()
}

#[test]
fn every_bad_database_is_one_line_exit_1_and_left_untouched() {
    let dir = TempDir::new().unwrap();
    let good = demo(dir.path());
    let good_bytes = std::fs::read(&good).unwrap();
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fhir/small-bundle.json");
    let all = commands(&fixture);
    let mut random = Bytes(0x000B_ADDB);

    let mut cases: Vec<(String, Vec<u8>, &str)> = Vec::new();
    for cut in [
        100,
        4096,
        8192,
        good_bytes.len() / 4,
        good_bytes.len() / 2,
        good_bytes.len() - 4096,
    ] {
        cases.push((
            format!("truncated_at_{cut}.db"),
            good_bytes[..cut].to_vec(),
            "malformed",
        ));
    }
    cases.push((
        "random_bytes.db".into(),
        random.take(64 * 1024),
        "not an SQLite database",
    ));
    let mut header_then_noise = b"SQLite format 3\0".to_vec();
    header_then_noise.extend(random.take(64 * 1024));
    cases.push(("header_then_noise.db".into(), header_then_noise, ""));
    let mut first_page_then_noise = good_bytes[..4096].to_vec();
    first_page_then_noise.extend(random.take(64 * 1024));
    cases.push(("first_page_then_noise.db".into(), first_page_then_noise, ""));
    cases.push((
        "text.db".into(),
        b"MRN,name\n1,Ada\n".to_vec(),
        "not an SQLite database",
    ));

    for (name, bytes, words) in &cases {
        let folder = TempDir::new().unwrap();
        let db = folder.path().join(name);
        std::fs::write(&db, bytes).unwrap();
        let line = refused_untouched(name, &db, &all);
        assert!(line.contains(words), "{name}: {words:?} not in {line}");
    }

    // Written by a newer refract: a sound file, its schema version one ahead.
    let folder = TempDir::new().unwrap();
    let newer = folder.path().join("newer.db");
    std::fs::copy(&good, &newer).unwrap();
    {
        let conn = rusqlite::Connection::open(&newer).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
    }
    let line = refused_untouched("newer.db", &newer, &all);
    assert!(line.contains("newer refract"), "{line}");

    // Another program's SQLite file.
    let other = folder.path().join("other.db");
    {
        let conn = rusqlite::Connection::open(&other).unwrap();
        conn.execute_batch("CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('mine');")
            .unwrap();
    }
    let line = refused_untouched("other.db", &other, &all);
    assert!(line.contains("another program"), "{line}");

    // A directory.
    let directory = folder.path().join("folder.db");
    std::fs::create_dir(&directory).unwrap();
    let line = refused_untouched("folder.db", &directory, &all);
    assert!(line.contains("is a directory"), "{line}");
}

#[test]
fn an_empty_file_is_refused_by_commands_that_only_read() {
    // SQLite would take a zero-length file for an empty database and write a schema into it;
    // a command that reads refuses it as it refuses a missing file. (`import`, `demo` and the
    // dashboard create a database and may start from an empty file.)
    let folder = TempDir::new().unwrap();
    let db = folder.path().join("zero.db");
    std::fs::write(&db, b"").unwrap();
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fhir/small-bundle.json");
    let reading: Vec<_> = commands(&fixture)
        .into_iter()
        .filter(|command| command[0] != "import")
        .collect();
    let line = refused_untouched("zero.db", &db, &reading);
    assert!(line.contains("is empty"), "{line}");
    assert_eq!(std::fs::metadata(&db).unwrap().len(), 0);
}

// ---- Keymap ----

#[test]
fn every_bad_keymap_is_refused_in_one_line_before_anything_is_opened() {
    let dir = TempDir::new().unwrap();
    // Not valid UTF-8: made here rather than committed.
    let latin1 = dir.path().join("latin1.toml");
    std::fs::write(
        &latin1,
        b"[[binding]]\nkeys = [\"\xe9\"]\naction = \"quit\"\ncontext = \"global\"\nhelp = \"x\"\n",
    )
    .unwrap();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(corpus("keymap"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.file_name().unwrap() != "valid.toml")
        .collect();
    cases.push(latin1);
    cases.push(dir.path().join("absent.toml"));
    let db = dir.path().join("never-made.db");
    for path in &cases {
        let case = path.display().to_string();
        // The dashboard reads its keymap before the database: nothing is created.
        let output = run(&[
            "--db".as_ref(),
            db.as_os_str(),
            "--keymap".as_ref(),
            path.as_os_str(),
        ]);
        let line = assert_one_line_failure(&output, &case);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(line.contains(&name), "{case}: the file is named: {line}");
        assert!(!db.exists(), "{case}: a database was created");
        // The same through the environment.
        let output = refract()
            .env("REFRACT_KEYMAP", path)
            .args([
                "--db".as_ref(),
                db.as_os_str(),
                "demo".as_ref(),
                "--patients".as_ref(),
                "5".as_ref(),
            ])
            .output()
            .unwrap();
        let line = assert_one_line_failure(&output, &case);
        assert!(line.contains(&name), "{case}: the file is named: {line}");
        assert!(
            !db.exists(),
            "{case}: a demo was built for a keymap it cannot use"
        );
    }
    assert!(
        cases.len() >= 14,
        "the keymap corpus is there ({})",
        cases.len()
    );
    let says = |case: &str| {
        let output = run(&[
            "--db".as_ref(),
            db.as_os_str(),
            "--keymap".as_ref(),
            corpus("keymap").join(case).as_os_str(),
        ]);
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    assert!(says("key_bound_twice.toml").contains("key 'j' does two things"));
    assert!(says("no_keys.toml").contains("line 2"));
    assert!(says("misspelled_key.toml").contains("line 3"));
}

#[test]
fn a_valid_keymap_file_is_reported_by_check() {
    let dir = TempDir::new().unwrap();
    let db = demo(dir.path());
    let keymap = corpus("keymap").join("valid.toml");
    let output = run(&[
        "--db".as_ref(),
        db.as_os_str(),
        "--keymap".as_ref(),
        keymap.as_os_str(),
        "check".as_ref(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("keymap: "), "{stdout}");
    assert!(stdout.contains("valid.toml"), "{stdout}");
    // A bad one makes `check` fail, naming it.
    let bad = corpus("keymap").join("key_bound_twice.toml");
    let output = run(&[
        "--db".as_ref(),
        db.as_os_str(),
        "--keymap".as_ref(),
        bad.as_os_str(),
        "check".as_ref(),
    ]);
    assert_one_line_failure(&output, "check with a bad keymap");
}

#[test]
fn a_whole_keymap_without_words_is_refused_by_the_parser() {
    // The built-in file's format: every binding has its help words (no built-in to inherit
    // them from).
    let text =
        std::fs::read_to_string(corpus("keymap").join("new_binding_without_help.toml")).unwrap();
    let error = Keymap::parse(&text).unwrap_err().to_string();
    assert!(
        error.contains("help") && error.contains("line 2"),
        "{error}"
    );
}
