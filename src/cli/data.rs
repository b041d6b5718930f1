//! The options of `data pull`.

use std::path::PathBuf;

use clap::builder::TypedValueParser as _;
use clap::{Args, Subcommand};

use super::Files;

/// `data` subcommands.
#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Read a live tenant's rows of the types the suites use into a seed file for the
    /// double (`serve --data snapshot`, `run --data snapshot`).
    ///
    /// Reads each type's list page by page (at most --max-rows rows each), its scalar and
    /// enum fields and `*Id` foreign keys, plus the API key's own user (`me`) and every
    /// type a foreign key points at. Emails, names and free text are replaced by fakes
    /// (`user<N>@example.com`, `Name <N>`, `text <N>`, N the row's id); secret fields are
    /// never read. A live target's preflight runs first; production is refused unless
    /// --allow-production. Writes SUITES/seed/snapshot.yaml unless --out says otherwise.
    /// Exits 0; 2 when the options, suites or target are unusable or the file cannot be
    /// written; 3 when the preflight fails.
    Pull(DataPullArgs),
}

/// Options of `data pull`.
#[derive(Debug, Args)]
pub struct DataPullArgs {
    /// The target to read from.
    #[arg(long, env = "ION_TARGET", default_value = "mock")]
    pub target: String,
    /// Where to write the seed file [default: SUITES/seed/snapshot.yaml].
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Read these entity types instead of those the suites use (comma-separated:
    /// Part,Location).
    #[arg(long, value_name = "TYPES", value_delimiter = ',')]
    pub types: Vec<String>,
    /// Rows read of each type at most.
    #[arg(long, value_name = "N", default_value_t = crate::data_pull::DEFAULT_MAX_ROWS,
        value_parser = clap::value_parser!(u32).range(1..=100_000).map(|n| n as usize))]
    pub max_rows: usize,
    /// Read a production target too (its data goes into a file: keep it out of shared
    /// repositories).
    #[arg(long)]
    pub allow_production: bool,
    /// Allow the target's max_rps above 20 requests per second against ION's hosts.
    #[arg(long, env = "ION_ALLOW_HIGH_RATE", value_parser = clap::builder::BoolishValueParser::new())]
    pub allow_high_rate: bool,
    /// Where the suites (their operations, targets.yaml) and the double's schema are.
    #[command(flatten)]
    pub files: Files,
}
