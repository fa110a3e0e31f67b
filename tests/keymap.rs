//! Property tests of the keymap parser: the shipped keymap with a few lines deleted, duplicated,
//! swapped, inserted or given another value, or cut short, is refused with a one-line error or
//! accepted; an accepted keymap answers every question the dashboard asks of it (the action of
//! each of its keys on each screen, the footer, the help) without panicking. The keymap is
//! built in (no option loads another file), so this is the parser the built-in one goes through.
//! `PROPTEST_CASES` changes how many keymaps are tried.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

use crate::mutations;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use refract::tui::keymap::Keymap;

use mutations::{apply, change};

const KEYMAP: &str = include_str!("../assets/keymap.toml");

/// Lines worth inserting: a binding's keys, key names good and bad, actions and screens known
/// and unknown.
const LINES: &[&str] = &[
    "[[binding]]",
    "keys = [\"j\"]",
    "keys = []",
    "keys = [\"\"]",
    "keys = [\"ctrl-\"]",
    "keys = [\"f0\", \"f255\", \"f256\", \"f99999999999\"]",
    "keys = [\"ctrl-ctrl-x\", \"hyper-x\", \"é\", \"日\"]",
    "action = \"quit\"",
    "action = \"fly\"",
    "context = \"global\"",
    "context = \"nowhere\"",
    "help = \"\"",
    "help = \": (\"",
    "footer = true",
    "footer = \"yes\"",
];

#[test]
fn a_damaged_keymap_is_refused_in_one_line_or_works() {
    assert!(Keymap::parse(KEYMAP).is_ok());
    let config = Config {
        failure_persistence: None,
        ..Config::default()
    };
    let config = Config {
        cases: config.cases.max(512),
        ..config
    };
    TestRunner::new(config)
        .run(&prop::collection::vec(change(LINES), 1..5), |changes| {
            let text = apply(KEYMAP, &changes);
            match Keymap::parse(&text) {
                Err(err) => {
                    let message = err.to_string();
                    prop_assert!(!message.trim().is_empty());
                    prop_assert!(!message.contains('\n'), "one line: {:?}", message);
                }
                Ok(keymap) => {
                    for binding in &keymap.bindings {
                        let _ = keymap.footer(binding.context);
                        let _ = keymap.help(binding.context);
                        for key in &binding.keys {
                            let _ = keymap.action(binding.context, *key);
                            let _ = key.label();
                        }
                    }
                }
            }
            Ok(())
        })
        .unwrap();
}
