//! The layering the code promises, checked on the source: only `src/store/` speaks SQL, and
//! the layers below the terminal never import it.
//!
//! A test rather than a review habit: a `rusqlite` call slipped into a screen or a command
//! compiles and works, and only this makes it fail.

use std::fs;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, sorted.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).expect("read the source folder") {
            let path = entry.expect("read a folder entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Files (relative to `src/`) outside the allowed places that mention any of `words`.
fn offenders(allowed: impl Fn(&str) -> bool, words: &[&str]) -> Vec<String> {
    let root = src();
    let mut found = Vec::new();
    for path in sources(&root) {
        let relative = path
            .strip_prefix(&root)
            .expect("under src")
            .to_string_lossy()
            .replace('\\', "/");
        if allowed(&relative) {
            continue;
        }
        let text = fs::read_to_string(&path).expect("read a source file");
        for (number, line) in text.lines().enumerate() {
            if words.iter().any(|word| line.contains(word)) {
                found.push(format!("src/{relative}:{}: {}", number + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn only_the_store_uses_rusqlite() {
    let found = offenders(
        |file| file == "store.rs" || file.starts_with("store/"),
        &["rusqlite"],
    );
    assert!(
        found.is_empty(),
        "SQL belongs in src/store/ (add a typed method there):\n{}",
        found.join("\n")
    );
}

#[test]
fn domain_rules_store_and_fhir_never_touch_the_terminal() {
    let lower = ["domain", "rules", "store", "fhir"];
    let found = offenders(
        |file| {
            !lower.iter().any(|layer| {
                file == format!("{layer}.rs") || file.starts_with(&format!("{layer}/"))
            })
        },
        &["ratatui", "crossterm"],
    );
    assert!(
        found.is_empty(),
        "domain, rules, store and fhir must not import the terminal:\n{}",
        found.join("\n")
    );
}

#[test]
fn a_screen_changes_only_its_own_state() {
    // A screen's keys take the screen's state and return effects; the whole model, the router
    // and the other screens' states are the router's to change.
    let found = offenders(
        |file| !file.starts_with("tui/screen/"),
        &["Model", "model.", "app::", "apply::"],
    );
    assert!(
        found.is_empty(),
        "a screen takes its own state and returns effects (tui/effect.rs):\n{}",
        found.join("\n")
    );
}

#[test]
fn every_module_says_what_it_is_for() {
    let root = src();
    let missing: Vec<String> = sources(&root)
        .into_iter()
        .filter(|path| {
            let text = fs::read_to_string(path).expect("read a source file");
            !text.trim_start().starts_with("//!")
        })
        .map(|path| {
            path.strip_prefix(&root)
                .unwrap_or(&path)
                .display()
                .to_string()
        })
        .collect();
    assert!(
        missing.is_empty(),
        "every module starts with a `//!` doc:\n{}",
        missing.join("\n")
    );
}
