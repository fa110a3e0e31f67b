//! Refractory criteria as data, and their evaluation.
//!
//! Rule sets (`assets/rules/<id>.toml`) and the drug knowledge base (`assets/drugs.toml`) are
//! embedded in the binary and can be replaced with `--rules DIR`. Evaluation is a pure function
//! of (patient record, rule set, today): it never reads the database or the clock.

pub mod drugs;
mod load;

pub use drugs::{Combination, Drug, DrugBook};

/// Errors of loading rule files or the drug knowledge base; each renders as one line naming the
/// file and, where known, the line.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("{origin}:{line}: {message}")]
    Parse {
        origin: String,
        line: usize,
        message: String,
    },
    #[error("{origin}: {message}")]
    Invalid { origin: String, message: String },
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}
