//! The nightly smoke run after a sandbox reset, as one command: preflight, schema, seed,
//! drift, then the suites tagged `smoke`, stopping at the first stage that fails.
//!
//! | stage | passes when | exit code when it fails |
//! | --- | --- | --- |
//! | `preflight` | every URL and credential is the target's environment's and `me` answers | 3 |
//! | `schema` | the live schema has no change that breaks an operation of the suites | 4 |
//! | `seed` | the chain exists (created where missing) | 1 |
//! | `drift` | the chain's own entities match the baseline (`clean`); with no baseline yet, one is recorded | 5 (drift), 6 (reset) |
//! | `suites` | every case of the suites tagged `smoke` passes | 101 |
//!
//! The preflight stage is how the target is reached, as every command reaches one
//! ([`crate::reach`]): the later stages use its client and token, and on a failed preflight
//! nothing but the preflight's own requests was sent.
//!
//! The drift stage compares only what the chain owns ([`crate::drift::data`]): rows others
//! add, change or remove on a shared sandbox are a note on its line, never a failure. The
//! first run, with no baseline (`snapshots/drift@<target>.snap`), records one from the chain
//! the seed stage just made and passes, saying so, so a new nightly job is green from its
//! first night.
//!
//! The summary is a few lines of markdown, for a chat message or `$GITHUB_STEP_SUMMARY`.

mod report;

pub use report::{exit_code, summary};

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::client::http_client;
use crate::double::DoubleData;
use crate::drift::data::Verdict;
use crate::drift::introspect::introspect;
use crate::drift::{ProjectOperation, SchemaDrift};
use crate::exit;
use crate::progress::Progress;
use crate::reach::{ReachError, Reached, reach};
use crate::report::{ReportPaths, RunReport};
use crate::runner::{self, RunOptions};
use crate::seeding::{Chain, Seeder};
use crate::snapshot;
use crate::suite::{self, LoadContext, Suite};
use crate::targets::{Target, Targets};

/// What a smoke run needs: the run's options (suites, schema, seed, chain, snapshots,
/// target) and the chain's prefix.
#[derive(Debug, Clone)]
pub struct SmokeOptions {
    /// Where everything is, and the target.
    pub run: RunOptions,
    /// Overrides the chain's prefix.
    pub prefix: Option<String>,
}

/// How a smoke run went: each stage that ran, and the suites stage's report when it ran.
#[derive(Debug)]
pub struct Smoked {
    /// The stages that ran, in order; the last one failed when any did.
    pub outcomes: Vec<StageOutcome>,
    /// The report of the suites tagged `smoke`, when that stage ran.
    pub suites: Option<RunReport>,
    /// How long the whole run took.
    pub duration: Duration,
}

/// Runs the stages in order until one fails; prints the suites' libtest report on stdout.
/// `progress` shows the stage, and the entity the seed and drift stages are at, until the
/// suites run.
pub fn run(options: &SmokeOptions, progress: &Progress) -> Smoked {
    let started = Instant::now();
    let mut suites = None;
    let outcomes = stages(options, progress, &mut suites);
    Smoked {
        outcomes,
        suites,
        duration: started.elapsed(),
    }
}

fn stages(
    options: &SmokeOptions,
    progress: &Progress,
    suites: &mut Option<RunReport>,
) -> Vec<StageOutcome> {
    let stages = progress.start(Stage::ALL.len(), "smoke");
    let stage = |stage: Stage| stages.advance(stage.name());
    let mut outcomes = Vec::new();
    let mut go = |outcome: StageOutcome| {
        let failed = outcome.failed.is_some();
        outcomes.push(outcome);
        !failed
    };
    stage(Stage::Preflight);
    let setup = match Setup::new(options, progress) {
        Ok(setup) => setup,
        Err(why) => {
            go(StageOutcome::failed(
                Stage::Preflight,
                exit::INVALID,
                "the target cannot be set up",
                why,
            ));
            return outcomes;
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            go(StageOutcome::failed(
                Stage::Preflight,
                exit::INVALID,
                "no async runtime",
                e.to_string(),
            ));
            return outcomes;
        }
    };
    // The preflight stage reaches the target (see `crate::reach`): one connection, and one
    // token, for the schema, seed and drift stages after it. On the double, the chain the seed
    // stage creates is the one the drift stage looks at.
    let reached = match runtime.block_on(setup.reach()) {
        Ok(reached) => reached,
        Err(failed) => {
            go(failed);
            return outcomes;
        }
    };
    let line = reached.preflight.as_ref().map_or_else(
        || "the embedded double: nothing to check".to_owned(),
        |passed| passed.summary(),
    );
    go(StageOutcome::passed(Stage::Preflight, line));
    stage(Stage::Schema);
    let ready = go(runtime.block_on(setup.schema(options, &reached)))
        && {
            stage(Stage::Seed);
            go(runtime.block_on(setup.seed(&reached)))
        }
        && {
            stage(Stage::Drift);
            go(runtime.block_on(setup.drift(options, &reached)))
        };
    // The suites' libtest report is the progress from here on: the line goes first.
    stages.finish();
    if ready {
        go(setup.suites(options, suites));
    }
    outcomes
}

/// Everything the stages share.
struct Setup<'p> {
    targets: Targets,
    target: Target,
    data: Arc<DoubleData>,
    chain: Chain,
    http: reqwest::Client,
    progress: &'p Progress,
}

impl<'p> Setup<'p> {
    fn new(options: &SmokeOptions, progress: &'p Progress) -> Result<Setup<'p>, String> {
        let run = &options.run;
        let targets = Targets::load(&run.suites_dir).map_err(|e| e.to_string())?;
        let target = targets.get(&run.target).map_err(|e| e.to_string())?.clone();
        let data = DoubleData::load_from(&run.schema, &run.seed).map_err(|e| e.to_string())?;
        let chain = Chain::load(&run.chain, data.schema(), options.prefix.as_deref())
            .map_err(|e| e.to_string())?;
        let http = http_client().map_err(|e| e.to_string())?;
        Ok(Setup {
            targets,
            target,
            data: Arc::new(data),
            chain,
            http,
            progress,
        })
    }

    fn seeder<'a>(&'a self, reached: &'a Reached) -> Seeder<'a> {
        Seeder::new(&self.chain, self.data.schema(), &reached.client).with_progress(self.progress)
    }

    fn env(name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    /// Reaches the target as every command does: a live one only after its preflight passed.
    async fn reach(&self) -> Result<Reached, StageOutcome> {
        let target = &self.target;
        let data = Arc::clone(&self.data);
        let reached = reach(target, &self.targets, data, &Self::env, &self.http, false).await;
        reached.map_err(|error| match error {
            ReachError::Preflight { source, .. } => {
                let text = source.to_string();
                let line = text.lines().next().unwrap_or_default().to_owned();
                StageOutcome::failed(Stage::Preflight, exit::PREFLIGHT_FAILED, line, text)
            }
            other => StageOutcome::failed(
                Stage::Preflight,
                exit::INVALID,
                "the target cannot be reached",
                other.to_string(),
            ),
        })
    }

    /// The live schema against the committed one, for the operations of every suite.
    async fn schema(&self, options: &SmokeOptions, reached: &Reached) -> StageOutcome {
        let live = match introspect(&reached.client).await {
            Ok(schema) => schema,
            Err(e) => {
                return StageOutcome::failed(
                    Stage::Schema,
                    exit::INVALID,
                    "the live schema cannot be read",
                    e.to_string(),
                );
            }
        };
        let committed = self.data.schema();
        let target_names = self.targets.names();
        let context = LoadContext::new(committed, &target_names);
        let suites: Vec<Suite> = match suite::load_dir(&options.run.suites_dir, &context) {
            Ok(loaded) => loaded.into_iter().flatten().collect(),
            Err(e) => {
                return StageOutcome::failed(
                    Stage::Schema,
                    exit::INVALID,
                    "the suites cannot be read",
                    e.to_string(),
                );
            }
        };
        let operations = ProjectOperation::from_suites(&suites);
        let drift = SchemaDrift::compare(committed, &live, &operations);
        let report = drift.render(
            &format!("target {}", self.target.name),
            "the committed schema",
            false,
        );
        let headline = report.lines().nth(1).unwrap_or_default().to_owned();
        if drift.breaks_this_project() {
            StageOutcome::failed(Stage::Schema, exit::SCHEMA_DRIFT, headline, report)
        } else {
            StageOutcome::passed(Stage::Schema, headline)
        }
    }

    async fn seed(&self, reached: &Reached) -> StageOutcome {
        if self.target.read_only {
            return StageOutcome::failed(
                Stage::Seed,
                exit::INVALID,
                format!(
                    "target {} is read-only: it is never seeded",
                    self.target.name
                ),
                "smoke seeds the chain, so it runs on a sandbox or the double",
            );
        }
        match self.seeder(reached).seed().await {
            Ok(found) => {
                let created = found.iter().filter(|f| f.created).count();
                StageOutcome::passed(
                    Stage::Seed,
                    format!(
                        "{} entities of prefix {} ({created} created)",
                        found.len(),
                        self.chain.prefix
                    ),
                )
            }
            Err(e) => StageOutcome::failed(
                Stage::Seed,
                exit::SEED_REFUSED,
                "ION refused an operation of the chain",
                e.to_string(),
            ),
        }
    }

    /// The chain against its baseline; with none yet (the first night), records one from the
    /// chain the seed stage just made, and says so.
    async fn drift(&self, options: &SmokeOptions, reached: &Reached) -> StageOutcome {
        let path = snapshot::baseline_path(&options.run.snapshots_dir, &self.target.name);
        let baseline = match snapshot::read_baseline(&path) {
            Ok(baseline) => baseline,
            Err(e) => {
                return StageOutcome::failed(
                    Stage::Drift,
                    exit::INVALID,
                    "unreadable baseline",
                    e.to_string(),
                );
            }
        };
        let seeder = self.seeder(reached);
        let observed = match (seeder.find().await, seeder.counts().await) {
            (Ok(found), Ok(counts)) => crate::drift::data::observe(&found, &counts),
            (Err(e), _) | (_, Err(e)) => {
                return StageOutcome::failed(
                    Stage::Drift,
                    exit::SEED_REFUSED,
                    "ION refused a lookup",
                    e.to_string(),
                );
            }
        };
        let Some(baseline) = baseline else {
            return match snapshot::write_baseline(&path, &self.target.name, &observed) {
                Ok(()) => StageOutcome::passed(
                    Stage::Drift,
                    format!(
                        "recorded: no data baseline yet, so the chain just seeded is the baseline \
                         now, in {} (later runs compare with it)",
                        crate::diagnostic::display_path(&path)
                    ),
                ),
                Err(e) => StageOutcome::failed(
                    Stage::Drift,
                    exit::INVALID,
                    "no data baseline, and none can be recorded",
                    format!(
                        "{e}\nhelp: make the snapshots directory writable (or pass --snapshots \
                         DIR), or record one with `ion-contract drift --record --target {}`",
                        self.target.name
                    ),
                ),
            };
        };
        let compared = crate::drift::data::compare(&baseline, &observed);
        let information = compared.others_line();
        let detail: Vec<String> = compared.chain.iter().map(ToString::to_string).collect();
        match compared.verdict {
            Verdict::Clean => StageOutcome::passed(
                Stage::Drift,
                information.map_or_else(
                    || "clean: the chain matches the baseline".to_owned(),
                    |line| format!("clean: the chain matches the baseline; {line}"),
                ),
            ),
            Verdict::Drift => StageOutcome::failed(
                Stage::Drift,
                exit::DATA_DRIFT,
                format!(
                    "drift: {} difference(s) of the chain's own entities from the baseline; the \
                     sandbox changed, not the API",
                    compared.chain.len()
                ),
                format!(
                    "{}\nhelp: if the change is expected, record the baseline again with \
                     `ion-contract drift --record --target {}`{}",
                    detail.join("\n"),
                    self.target.name,
                    information.map_or_else(String::new, |line| format!("\n{line}"))
                ),
            ),
            Verdict::Reset => StageOutcome::failed(
                Stage::Drift,
                exit::RESET,
                "reset: the chain is not there",
                format!(
                    "{}\nhelp: the sandbox was reset: run `ion-contract seed --target {}`",
                    detail.join("\n"),
                    self.target.name
                ),
            ),
        }
    }

    fn suites(&self, options: &SmokeOptions, report: &mut Option<RunReport>) -> StageOutcome {
        let mut run = options.run.clone();
        run.tags = vec!["smoke".to_owned()];
        run.reports = ReportPaths::default();
        let ran = runner::run_all(&run);
        let line = format!(
            "{} passed, {} failed, {} ignored (suites tagged smoke)",
            ran.passed, ran.failed, ran.ignored
        );
        let detail = ran.report.as_ref().map_or_else(String::new, |ran| {
            let heads: Vec<String> = ran
                .failures()
                .filter_map(|trial| trial.message_head(3))
                .collect();
            heads.join("\n")
        });
        *report = ran.report;
        if ran.failed == 0 {
            StageOutcome::passed(Stage::Suites, line)
        } else {
            StageOutcome::failed(Stage::Suites, exit::CASE_FAILED, line, detail)
        }
    }
}

/// A stage of the smoke run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Environment and tenant.
    Preflight,
    /// The live schema against the committed one.
    Schema,
    /// The seeding chain.
    Seed,
    /// The chain against its baseline.
    Drift,
    /// The suites tagged `smoke`.
    Suites,
}

impl Stage {
    /// Every stage, in order.
    pub const ALL: [Stage; 5] = [
        Stage::Preflight,
        Stage::Schema,
        Stage::Seed,
        Stage::Drift,
        Stage::Suites,
    ];

    /// The stage's name.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Preflight => "preflight",
            Stage::Schema => "schema",
            Stage::Seed => "seed",
            Stage::Drift => "drift",
            Stage::Suites => "suites",
        }
    }
}

/// How one stage went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageOutcome {
    /// The stage.
    pub stage: Stage,
    /// `None` when it passed, else the exit code the run ends with.
    pub failed: Option<u8>,
    /// One line: what it found.
    pub line: String,
    /// Why it failed, in full (diagnosis, differences), when it did.
    pub detail: String,
}

impl StageOutcome {
    /// A stage that passed.
    pub fn passed(stage: Stage, line: impl Into<String>) -> Self {
        StageOutcome {
            stage,
            failed: None,
            line: line.into(),
            detail: String::new(),
        }
    }

    /// A stage that failed with `code`.
    pub fn failed(
        stage: Stage,
        code: u8,
        line: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        StageOutcome {
            stage,
            failed: Some(code),
            line: line.into(),
            detail: detail.into(),
        }
    }
}
