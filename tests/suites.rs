//! Runs every suite in `suites/` as `cargo test` trials against the embedded ION double.
//!
//! `cargo test --test suites -- FILTER` runs a subset; `ION_TARGET` selects the target.
//! See the crate docs for everything else.

use std::process::ExitCode;

fn main() -> ExitCode {
    ion_contract::run_suites()
}
