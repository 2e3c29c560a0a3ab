//! The `pantau` binary: parse arguments, run the command, print errors as
//! `pantau: <cause chain>` with a `saran:` (what to do) line, and exit 0 (ok), 1 (a check
//! failed or a user error) or 2 (bad usage).

use std::process::ExitCode;

fn main() -> ExitCode {
    pantau::cli::main()
}
