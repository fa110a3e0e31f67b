//! The `refract` binary: parses the command line and hands over to the library; a user's
//! mistake ends as one line on stderr and exit code 1, never a backtrace.

use std::process::ExitCode;

use clap::Parser;

// glibc's allocator serialises frees across threads and spends much of a bulk generation or
// import consolidating chunks; mimalloc keeps per-thread heaps.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // color-eyre first: ratatui's panic hook (installed when the TUI starts) chains to it, so a
    // panic restores the terminal before the report is printed.
    if let Err(err) = color_eyre::install() {
        eprintln!("refract: {err}");
    }
    let cli = match refract::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // A usage error quotes what was typed (a --user value with an escape sequence or a
            // bidi override): printed through the sanitiser when it holds any, else as clap
            // prints it (with colour on a terminal).
            let plain = err.render().to_string();
            let clean = refract::text::sanitise(&plain);
            if clean == plain {
                err.exit();
            }
            eprint!("{clean}");
            return ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2));
        }
    };
    refract::store::on_schema_upgrade(|path| {
        eprintln!(
            "refract: bringing {} up to this version of refract (once; up to a minute at a \
             million patients)…",
            refract::text::one_line(&path.display().to_string())
        );
    });
    match refract::cli::run(cli) {
        Ok(code) => code,
        Err(err) if err.is_broken_pipe() => ExitCode::SUCCESS,
        Err(err) => {
            // A message can quote a file or a record: one line, nothing a terminal acts on.
            eprintln!("refract: {}", refract::text::one_line(&err.to_string()));
            ExitCode::from(1)
        }
    }
}
