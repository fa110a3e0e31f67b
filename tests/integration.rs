//! The library's integration tests, one module per former test crate, in one binary: each
//! crate linked the whole library on its own, which took most of CI's test build (issue 18).
//! Run one group with `cargo test --test integration store::` (or `rules::`, `fhir::`, …).
//! The tests that drive several processes, a pseudo-terminal or a server (colleagues,
//! concurrency, crash, terminal, pull) and the dashboard's (tui) keep a binary each.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failed unwrap is a failed test

// Helpers shared by several of the modules below, loaded once.
#[path = "shared/mutations.rs"]
mod mutations;
#[path = "shared/sql.rs"]
mod sql;

#[path = "architecture.rs"]
mod architecture;
#[path = "assess.rs"]
mod assess;
#[path = "bad_input.rs"]
mod bad_input;
#[path = "cli.rs"]
mod cli;
#[path = "fhir.rs"]
mod fhir;
#[path = "keymap.rs"]
mod keymap;
#[path = "meetings.rs"]
mod meetings;
#[path = "native_move.rs"]
mod native_move;
#[path = "options.rs"]
mod options;
#[path = "roundtrip.rs"]
mod roundtrip;
#[path = "rules.rs"]
mod rules;
#[path = "security.rs"]
mod security;
#[path = "store.rs"]
mod store;
#[path = "waiting.rs"]
mod waiting;
#[path = "way_forward.rs"]
mod way_forward;
