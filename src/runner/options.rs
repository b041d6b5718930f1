//! Where a run finds its files, and which target it runs against.

use std::path::PathBuf;
use std::sync::Arc;

use super::shard::{SHARD_ENV, Shard};
use crate::progress::Progress;
use crate::report::ReportPaths;
use crate::target::{DEFAULT_TARGET, TARGET_ENV};

/// Where the suites, the double's files and the snapshots are, and which target to use.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The suites directory (`suites/`).
    pub suites_dir: PathBuf,
    /// The double's schema (default `<suites>/schema/ion.graphql`).
    pub schema_path: PathBuf,
    /// The double's seed data (default `<suites>/seed/demo.yaml`).
    pub seed_path: PathBuf,
    /// The snapshots directory (`snapshots/`).
    pub snapshots_dir: PathBuf,
    /// The target's name (`ION_TARGET`, default `mock`).
    pub target: String,
    /// Only suites with one of these tags (all suites when empty; `--tag`, `ION_TAGS`).
    pub tags: Vec<String>,
    /// No suite with one of these tags (`--skip-tag`, `ION_SKIP_TAGS`).
    pub skip_tags: Vec<String>,
    /// Allow a `max_rps` above [`crate::client::MAX_RPS_CEILING`] against ION's hosts
    /// (`--allow-high-rate`, `ION_ALLOW_HIGH_RATE=1`).
    pub allow_high_rate: bool,
    /// Only this share of the cases (`--shard i/n`, `ION_SHARD`).
    pub shard: Option<Shard>,
    /// The reports to write after the run (`--junit`, `--json`, `--summary`, and the
    /// `ION_REPORT_*` variables).
    pub reports: ReportPaths,
    /// Problems with the variables [`RunOptions::from_env`] read: each fails the run as
    /// invalid, as one trial `options::env`.
    pub invalid_env: Vec<String>,
    /// The progress line the run draws (see [`crate::progress`]); hidden unless a command
    /// passes one.
    pub progress: Arc<Progress>,
}

/// The variable naming the tags whose suites alone run, comma-separated.
pub const TAGS_ENV: &str = "ION_TAGS";
/// The variable naming the tags whose suites are left out, comma-separated.
pub const SKIP_TAGS_ENV: &str = "ION_SKIP_TAGS";
/// The variable that allows a `max_rps` above the ceiling.
pub const ALLOW_HIGH_RATE_ENV: &str = "ION_ALLOW_HIGH_RATE";

impl RunOptions {
    /// The layout of a project: the double's files inside `suites_dir`, `snapshots/` beside
    /// it, the default target.
    pub fn new(suites_dir: impl Into<PathBuf>) -> Self {
        let suites_dir = suites_dir.into();
        RunOptions {
            schema_path: suites_dir.join("schema").join("ion.graphql"),
            seed_path: suites_dir.join("seed").join("demo.yaml"),
            snapshots_dir: suites_dir
                .parent()
                .map_or_else(|| PathBuf::from("snapshots"), |p| p.join("snapshots")),
            suites_dir,
            target: DEFAULT_TARGET.into(),
            tags: Vec::new(),
            skip_tags: Vec::new(),
            allow_high_rate: std::env::var(ALLOW_HIGH_RATE_ENV).is_ok_and(|v| v.trim() == "1"),
            shard: None,
            reports: ReportPaths::default(),
            invalid_env: Vec::new(),
            progress: Arc::new(Progress::hidden()),
        }
    }

    /// `suites/` in the current directory, the target from `ION_TARGET`, the tags from
    /// `ION_TAGS` / `ION_SKIP_TAGS` (comma-separated), the shard from `ION_SHARD` and the
    /// reports from `ION_REPORT_JUNIT`, `ION_REPORT_JSON`, `ION_REPORT_SUMMARY`.
    pub fn from_env() -> Self {
        let mut options = RunOptions::new("suites");
        if let Ok(target) = std::env::var(TARGET_ENV) {
            options.target = target;
        }
        let list = |name: &str| {
            std::env::var(name)
                .map(|v| {
                    v.split(',')
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        options.tags = list(TAGS_ENV);
        options.skip_tags = list(SKIP_TAGS_ENV);
        if let Some(text) = std::env::var(SHARD_ENV)
            .ok()
            .filter(|v| !v.trim().is_empty())
        {
            match text.parse() {
                Ok(shard) => options.shard = Some(shard),
                Err(e) => options.invalid_env.push(format!("{SHARD_ENV}: {e}")),
            }
        }
        options.reports = ReportPaths::from_env(&|name| std::env::var(name).ok());
        options
    }

    /// Whether a suite with `tags` is selected.
    pub fn selects(&self, tags: &[String]) -> bool {
        (self.tags.is_empty() || tags.iter().any(|t| self.tags.contains(t)))
            && !tags.iter().any(|t| self.skip_tags.contains(t))
    }
}
