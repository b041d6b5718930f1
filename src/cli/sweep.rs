//! The options of `sweep`.

use std::path::PathBuf;

use clap::Args;

use super::Files;

/// Options of `sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The target to sweep.
    #[arg(long, env = "ION_TARGET", default_value = "mock")]
    pub target: String,
    /// Delete what is found (without it, only list it).
    #[arg(long)]
    pub yes: bool,
    /// The run ids to look for start with this [default: ion-contract-, the generated
    /// ids'; with another prefix, what follows it up to a space is the id].
    #[arg(long, value_name = "P")]
    pub prefix: Option<String>,
    /// Spare leftovers of runs that started less than this long ago (`30m`, `2h`, `1d`;
    /// `0` sweeps all); run ids without a start time count as old.
    #[arg(long, value_name = "DURATION", default_value = crate::sweep::DEFAULT_OLDER_THAN, value_parser = humantime::parse_duration)]
    pub older_than: std::time::Duration,
    /// `text`: one line per row; `json`: one object (leftovers, spared, unreadable,
    /// truncated, deleted, failed), for scripts.
    #[arg(long, value_enum, default_value = "text")]
    pub format: SweepFormat,
    /// The seeding chain, never swept [default: SUITES/seed/chain.yaml, else the built-in
    /// demo chain].
    #[arg(long, value_name = "FILE")]
    pub chain: Option<PathBuf>,
    /// Where the suites (targets.yaml) and the schema are.
    #[command(flatten)]
    pub files: Files,
}

impl SweepArgs {
    /// Whether the report is JSON (`--format json`).
    pub fn json(&self) -> bool {
        matches!(self.format, SweepFormat::Json)
    }
}

/// How `sweep` reports.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum SweepFormat {
    /// One line per row, for people.
    Text,
    /// One JSON object, for scripts.
    Json,
}
