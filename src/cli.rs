//! The command line: definitions only (clap derive). `main.rs` acts on them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use ion_contract::runner::RunOptions;

/// Contract-and-mismatch tests for integrations built on ION's GraphQL API.
#[derive(Debug, Parser)]
#[command(name = "ion-contract", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the suites as tests: the same trials and report as `cargo test --test suites`.
    ///
    /// Accepts libtest's flags too: FILTER, --exact, --skip, --list, --ignored,
    /// --include-ignored, --test-threads, --format, -q. Exits 0, or 101 when a case fails.
    Run(RunArgs),
    /// List the trials `run` would run, one per line (`NAME: test`).
    List(RunArgs),
    /// Load every suite and validate its operations against the double's schema; no network.
    ///
    /// Exits 0 when every suite is valid, 2 with located diagnostics otherwise.
    Check(Place),
}

/// Where the suites and snapshots are.
#[derive(Debug, Clone, Args)]
pub struct Place {
    /// The suites directory (suite files, schema/ion.graphql, seed/demo.yaml).
    #[arg(long, value_name = "DIR", default_value = "suites")]
    pub suites: PathBuf,
    /// The snapshots directory [default: snapshots beside the suites directory].
    #[arg(long, value_name = "DIR")]
    pub snapshots: Option<PathBuf>,
    /// The double's schema [default: SUITES/schema/ion.graphql].
    #[arg(long, value_name = "FILE")]
    pub schema: Option<PathBuf>,
    /// The double's seed data [default: SUITES/seed/demo.yaml].
    #[arg(long, value_name = "FILE")]
    pub seed: Option<PathBuf>,
}

impl Place {
    /// Run options for this place and target.
    pub fn options(&self, target: &str) -> RunOptions {
        let mut options = RunOptions::new(&self.suites);
        options.target = target.to_string();
        if let Some(dir) = &self.snapshots {
            options.snapshots_dir = dir.clone();
        }
        if let Some(file) = &self.schema {
            options.schema_path = file.clone();
        }
        if let Some(file) = &self.seed {
            options.seed_path = file.clone();
        }
        options
    }
}

/// Options of `run` and `list`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The target to run against.
    #[arg(long, env = "ION_TARGET", default_value = "mock")]
    pub target: String,
    /// Where the suites and snapshots are.
    #[command(flatten)]
    pub place: Place,
    /// libtest's own flags.
    #[command(flatten)]
    pub libtest: libtest_mimic::Arguments,
}
