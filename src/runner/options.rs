//! Where a run finds its files (the project's, or the built-in ones: [`crate::builtin`]), and
//! which target it runs against.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::shard::{SHARD_ENV, Shard};
use crate::builtin::{self, Source};
use crate::double::{DataShape, DoubleData, DoubleError, SNAPSHOT_SEED};
use crate::progress::Progress;
use crate::project::Project;
use crate::report::ReportPaths;
use crate::targets::{DEFAULT_TARGET, TARGET_ENV, Target};

/// Where the suites, the double's files and the snapshots are, and which target to use.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The suites directory (`suites/`).
    pub suites_dir: PathBuf,
    /// The double's schema (default `<suites>/schema/ion.graphql`, else the built-in one).
    pub schema: Source,
    /// The double's seed data (default `<suites>/seed/demo.yaml`, else the built-in one).
    pub seed: Source,
    /// The double's data shape (`--data`, `data =`); unset: the target's `data:`, else
    /// `demo`.
    pub data: Option<DataShape>,
    /// The seeding chain, for `fixture: chain`, `seed`, `drift` and `smoke` (default
    /// `<suites>/seed/chain.yaml`, else the built-in one).
    pub chain: Source,
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
    /// A live target without credentials fails the run (exit 2) instead of listing its
    /// trials as ignored (`--require-credentials`, `ION_REQUIRE_CREDENTIALS=1`; a target's
    /// `require_credentials: true` does the same for that target).
    pub require_credentials: bool,
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
/// The variable that makes a live target without credentials fail the run.
pub const REQUIRE_CREDENTIALS_ENV: &str = "ION_REQUIRE_CREDENTIALS";

/// A yes/no variable's value, as clap's boolish parser reads it (blank is no).
fn flag(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "y" | "on" => Some(true),
        "" | "0" | "false" | "no" | "n" | "off" => Some(false),
        _ => None,
    }
}

impl RunOptions {
    /// The layout of a project: the double's files inside `suites_dir`, `snapshots/` beside
    /// it, the default target.
    pub fn new(suites_dir: impl Into<PathBuf>) -> Self {
        let suites_dir = suites_dir.into();
        RunOptions {
            schema: Source::project(&suites_dir, &builtin::SCHEMA),
            seed: Source::project(&suites_dir, &builtin::SEED),
            chain: Source::project(&suites_dir, &builtin::CHAIN),
            data: None,
            snapshots_dir: suites_dir
                .parent()
                .map_or_else(|| PathBuf::from("snapshots"), |p| p.join("snapshots")),
            suites_dir,
            target: DEFAULT_TARGET.into(),
            tags: Vec::new(),
            skip_tags: Vec::new(),
            allow_high_rate: std::env::var(ALLOW_HIGH_RATE_ENV).is_ok_and(|v| v.trim() == "1"),
            require_credentials: false,
            shard: None,
            reports: ReportPaths::default(),
            invalid_env: Vec::new(),
            progress: Arc::new(Progress::hidden()),
        }
    }

    /// The layout `project` says: its suites and snapshots folders, its schema, seed and
    /// chain, its default target and whether it requires credentials ([`crate::project`]).
    pub fn in_project(project: &Project) -> Self {
        let mut options = RunOptions::new(project.suites_dir());
        if let Some(dir) = project.snapshots_dir() {
            options.snapshots_dir = dir;
        }
        if let Some(file) = project.schema() {
            options.schema = Source::File(file);
        }
        if let Some(file) = project.seed() {
            options.seed = Source::File(file);
        }
        if let Some(file) = project.chain() {
            options.chain = Source::File(file);
        }
        options.data = project.config.data;
        if let Some(target) = &project.config.target {
            options.target.clone_from(target);
        }
        options.require_credentials = project.config.require_credentials == Some(true);
        options
    }

    /// The seed file the double reads for `shape`: the one named, else for the `snapshot`
    /// shape `<suites>/seed/snapshot.yaml` (what `data pull` writes), else the project's
    /// demo seed.
    pub fn double_seed(&self, shape: DataShape) -> Source {
        match (&self.seed, shape) {
            (Source::Project(..), DataShape::Snapshot) => {
                Source::File(self.suites_dir.join(SNAPSHOT_SEED))
            }
            (seed, _) => seed.clone(),
        }
    }

    /// The double's schema and data, shaped as [`RunOptions::data`] says, else as the
    /// `target`'s `data:` does, else `demo`.
    pub fn double_data(&self, target: Option<&Target>) -> Result<DoubleData, DoubleError> {
        let shape = self
            .data
            .or(target.and_then(|t| t.data))
            .unwrap_or_default();
        DoubleData::load_shaped(&self.schema, &self.double_seed(shape), shape)
    }

    /// The project's `suites/` (found from the current folder), the target from `ION_TARGET`, the tags from
    /// `ION_TAGS` / `ION_SKIP_TAGS` (comma-separated), the shard from `ION_SHARD`, the
    /// reports from `ION_REPORT_JUNIT`, `ION_REPORT_JSON`, `ION_REPORT_SUMMARY`, and whether
    /// credentials are required from `ION_REQUIRE_CREDENTIALS` (`1`/`true` or `0`/`false`).
    ///
    /// The project is found from the current folder ([`crate::project`]): its
    /// `ion-contract.toml` sets the folders, files, target and `require_credentials`, which
    /// these variables override.
    pub fn from_env() -> Self {
        let mut options = match Project::discover(Path::new(".")) {
            Ok(project) => RunOptions::in_project(&project),
            Err(error) => {
                let mut options = RunOptions::new(crate::project::SUITES_DIR);
                options.invalid_env.push(error.to_string());
                options
            }
        };
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
        match std::env::var(REQUIRE_CREDENTIALS_ENV).map(|v| flag(&v)) {
            Ok(Some(required)) => options.require_credentials = required,
            Ok(None) => options.invalid_env.push(format!(
                "{REQUIRE_CREDENTIALS_ENV} must be 1 or 0 (true or false)\nhelp: set \
                 {REQUIRE_CREDENTIALS_ENV}=1 to fail the run when a live target's credentials \
                 are not set, or unset it"
            )),
            Err(_) => {}
        }
        options
    }

    /// Why `target`'s missing credentials fail the run, when this run or the target
    /// requires them.
    pub fn credentials_required(&self, target: &Target) -> Option<String> {
        if self.require_credentials {
            Some(format!(
                "credentials are required (--require-credentials, {REQUIRE_CREDENTIALS_ENV}=1 or \
                 require_credentials in ion-contract.toml)"
            ))
        } else if target.require_credentials {
            Some(format!(
                "target `{}` requires credentials (`require_credentials: true` in targets.yaml)",
                target.name
            ))
        } else {
            None
        }
    }

    /// Whether a suite with `tags` is selected.
    pub fn selects(&self, tags: &[String]) -> bool {
        (self.tags.is_empty() || tags.iter().any(|t| self.tags.contains(t)))
            && !tags.iter().any(|t| self.skip_tags.contains(t))
    }
}
