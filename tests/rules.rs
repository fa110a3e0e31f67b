//! Rules engine integration tests: table-driven clinical vignettes at the boundaries of every
//! criterion of the nine rule sets (`tests/rules/<id>.rs`), properties over the demo patients
//! (`tests/rules/properties.rs`), the loading of rule files (`tests/rules/files.rs`) and damaged
//! rule files, refused in one line or evaluated without a panic (`tests/rules/mutations.rs`),
//! `flags --json` explaining the reasoning end to end (`tests/rules/flags_json.rs`), and the
//! day a flag's criteria were first met (`tests/rules/since.rs`).
//! Every vignette is dated back from a fixed today, 2026-11-27.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

#[path = "rules/support.rs"]
mod support;

#[path = "rules/aml.rs"]
mod aml;
#[path = "rules/attribution.rs"]
mod attribution;
#[path = "rules/concurrent_doses.rs"]
mod concurrent_doses;
#[path = "rules/depression.rs"]
mod depression;
#[path = "rules/epilepsy.rs"]
mod epilepsy;
#[path = "rules/hypertension.rs"]
mod hypertension;
#[path = "rules/lbcl.rs"]
mod lbcl;
#[path = "rules/myeloma.rs"]
mod myeloma;
#[path = "rules/rheumatoid_arthritis.rs"]
mod rheumatoid_arthritis;
#[path = "rules/schizophrenia.rs"]
mod schizophrenia;
#[path = "rules/selection.rs"]
mod selection;
#[path = "rules/status_epilepticus.rs"]
mod status_epilepticus;

#[path = "rules/files.rs"]
mod files;
#[path = "rules/flags_json.rs"]
mod flags_json;
#[path = "rules/mutations.rs"]
mod mutations;
use crate::mutations as mutations_text;
#[path = "rules/properties.rs"]
mod properties;
#[path = "rules/since.rs"]
mod since;
