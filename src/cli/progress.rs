//! One look for every long command's progress on stderr (`import`, `flags`, `pull`): a
//! spinner and a message, with a bar when the total is known. Shown only when stderr is a
//! terminal, so that scripts and logs get the results alone.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// What a bar counts.
#[derive(Debug, Clone, Copy)]
pub enum Counting {
    /// Bytes read, with the rate (an import).
    Bytes,
    /// Items done out of a total (patients evaluated).
    Items,
}

/// A bar on stderr, or none when stderr is not a terminal.
pub fn bar(counting: Counting) -> Option<ProgressBar> {
    let template = match counting {
        Counting::Bytes => {
            "{spinner} {msg} [{bar:30}] {bytes}/{total_bytes} ({binary_bytes_per_sec})"
        }
        Counting::Items => "{spinner} {msg} [{bar:30}] {human_pos}/{human_len}",
    };
    std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(template)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar
    })
}

/// A spinner with a message on stderr (a wait of unknown length), or none when stderr is not
/// a terminal.
pub fn spinner() -> Option<ProgressBar> {
    std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    })
}
