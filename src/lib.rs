//! refract: a terminal care-team dashboard for patients whose disease does not respond to
//! standard therapy.
//!
//! The layers, and the one rule between them (`domain`, `store`, `rules` and `fhir` never
//! import the terminal crates):
//!
//! - [`account`]: the OS account at the keyboard, for the audit log.
//! - [`domain`]: plain clinical types; no I/O.
//! - [`store`]: the SQLite file: schema, migrations, typed queries, audit log.
//! - [`demo`]: the deterministic demo database generator.
//! - [`rules`]: refractory criteria as data, evaluated into suspected statuses with evidence.
//! - [`assess`]: keeps stored assessments in step with records and rules.
//! - [`fhir`]: FHIR R4 import and export.
//! - [`pull`]: `refract pull`, the FHIR Bulk Data client (HTTP and SMART Backend Services
//!   authorisation) that hands the server's files to the importer; the only layer on the
//!   network.
//! - [`way_forward`]: the four way-forward steps: stored records completed with the rules'
//!   suggestions, and the checked entry point for every change.
//! - [`meeting`]: an MDT meeting completed with what the rules and the way forward add (one
//!   view for the screens and the minutes), and the entry point for every change to it.
//! - [`minutes`]: a meeting's minutes, Markdown or HTML, for `refract minutes` and the screen.
//! - [`tui`]: the dashboard (the only layer that draws).
//! - [`cli`]: the headless commands and the command-line contract.

pub mod account;
pub mod assess;
pub mod cli;
pub mod demo;
pub mod digest;
pub mod domain;
pub mod fhir;
pub mod import;
pub mod meeting;
pub mod minutes;
pub mod out_file;
pub mod pull;
pub mod rules;
pub mod store;
pub mod text;
pub mod tui;
pub mod way_forward;
