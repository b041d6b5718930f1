//! The test runner: turns every case into a libtest-mimic trial. The only module that knows
//! libtest-mimic.
//!
//! `cargo test --test suites` (tests/suites.rs) and `ion-contract run` both end up in
//! [`run`], so they list and run the same trials with the same output:
//!
//! - one trial per case and target, named `<suite id>::<case name>::<target>`, sorted;
//! - a suite file that fails to load becomes one failing trial `<suite id>::load` whose
//!   message holds every located diagnostic; the other suites still run;
//! - a schema or seed file of the double that fails to load becomes one failing trial
//!   `ion-double::load`.
//!
//! Everything is parsed once, before any trial runs: suites, the double's schema and seed.
//! Each trial starts its own double (a fresh store), gets a token from it with the demo
//! client and runs its steps on one shared multi-thread tokio runtime, built here in plain
//! code (never `#[tokio::main]`: with `--test-threads 1` trials run on the main thread,
//! where a nested runtime would panic). Nothing is printed inside trials and nothing is
//! written to stdout before the libtest report, so `--list` stays machine-readable for
//! cargo-nextest.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::{Map, Value};
use tokio::runtime::Runtime;

use crate::auth::{ClientCredentials, client_credentials_token};
use crate::client::{GraphqlClient, http_client};
use crate::double::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DoubleData, IonDouble};
use crate::execute::{CaseRun, describe_failure};
use crate::secret::Secret;
use crate::snapshot;
use crate::suite::{self, Case, Suite};
use crate::target::{DEFAULT_TARGET, TARGET_ENV, Target};

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
}

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
        }
    }

    /// `suites/` in the current directory, and the target from `ION_TARGET`.
    pub fn from_env() -> Self {
        let mut options = RunOptions::new("suites");
        if let Ok(target) = std::env::var(TARGET_ENV) {
            options.target = target;
        }
        options
    }
}

/// The entry point of `tests/suites.rs`: libtest arguments from the command line,
/// `RUST_TEST_THREADS` honoured, options from the environment.
pub fn main_from_env() -> ExitCode {
    run(Arguments::from_args(), &RunOptions::from_env())
}

/// Lists or runs the trials as `args` asks and returns libtest's exit code (0, or 101 when a
/// trial failed).
pub fn run(mut args: Arguments, options: &RunOptions) -> ExitCode {
    if args.test_threads.is_none() {
        args.test_threads = std::env::var("RUST_TEST_THREADS")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .filter(|n| *n > 0);
    }
    let trials = match Shared::new(options) {
        Ok(shared) => shared.trials(),
        Err(trial) => vec![*trial],
    };
    libtest_mimic::run(&args, trials).exit_code()
}

/// What every trial shares: parsed once per process.
struct Shared {
    runtime: Arc<Runtime>,
    http: reqwest::Client,
    double: Arc<DoubleData>,
    target: Target,
    snapshots_dir: PathBuf,
    suites: Vec<Result<Suite, suite::LoadFailure>>,
}

impl Shared {
    /// Loads everything; a problem that stops every trial comes back as one failing trial.
    fn new(options: &RunOptions) -> Result<Shared, Box<Trial>> {
        let fail = |name: &str, message: String| {
            Box::new(Trial::test(name.to_string(), move || {
                Err(Failed::from(message))
            }))
        };
        let target =
            Target::named(&options.target).map_err(|e| fail("target::select", e.to_string()))?;
        let double = DoubleData::load(&options.schema_path, &options.seed_path)
            .map_err(|e| fail("ion-double::load", e.to_string()))?;
        let suites = suite::load_dir(&options.suites_dir, double.schema())
            .map_err(|e| fail("suites::load", e.to_string()))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| {
                fail(
                    "runtime::start",
                    format!("cannot start the async runtime: {e}"),
                )
            })?;
        let http = http_client().map_err(|e| fail("client::build", e.to_string()))?;
        let snapshots_dir = absolute(&options.snapshots_dir);
        Ok(Shared {
            runtime: Arc::new(runtime),
            http,
            double: Arc::new(double),
            target,
            snapshots_dir,
            suites,
        })
    }

    fn trials(self) -> Vec<Trial> {
        let shared = Arc::new(self);
        let mut trials = Vec::new();
        for (suite_index, loaded) in shared.suites.iter().enumerate() {
            match loaded {
                Err(failure) => {
                    let message = failure.to_string();
                    trials.push(Trial::test(
                        format!("{}::load", failure.suite_id),
                        move || Err(Failed::from(message)),
                    ));
                }
                Ok(suite) if shared.target.admits(suite.targets.as_deref()) => {
                    for (case_index, case) in suite.cases.iter().enumerate() {
                        let name = format!("{}::{}::{}", suite.id, case.name, shared.target.name);
                        let shared = Arc::clone(&shared);
                        trials.push(Trial::test(name, move || {
                            shared.run_case(suite_index, case_index)
                        }));
                    }
                }
                Ok(_) => {}
            }
        }
        trials.sort_by(|a, b| a.name().cmp(b.name()));
        trials
    }

    /// Runs one case on a fresh double, then compares its snapshot on the trial's thread.
    fn run_case(&self, suite_index: usize, case_index: usize) -> Result<(), Failed> {
        let Some(Ok(suite)) = self.suites.get(suite_index) else {
            return Err("internal error: the suite of this trial is missing".into());
        };
        let case = &suite.cases[case_index];
        let recorded = self.runtime.block_on(self.run_on_double(suite, case))?;
        if !recorded.is_empty() {
            let recorded = serde_json::Value::Object(recorded);
            snapshot::assert_case_snapshot(
                &self.snapshots_dir,
                suite,
                case,
                &self.target.name,
                &recorded,
            );
        }
        Ok(())
    }

    /// Starts a double, gets a token with the demo client and runs the case's steps;
    /// returns the recorded responses, or the failure message.
    async fn run_on_double(
        &self,
        suite: &Suite,
        case: &Case,
    ) -> Result<Map<String, Value>, String> {
        let double = IonDouble::start(Arc::clone(&self.double)).await;
        let credentials = ClientCredentials {
            client_id: DEMO_CLIENT_ID.into(),
            client_secret: Secret::new(DEMO_CLIENT_SECRET),
        };
        let token = client_credentials_token(&self.http, &double.auth_url(), &credentials)
            .await
            .map_err(|e| format!("cannot get a token from the ION double: {e}"))?;
        let endpoint = format!("{}/graphql", double.api_url());
        let client = GraphqlClient::new(self.http.clone(), endpoint, Some(token));
        let env = |name: &str| std::env::var(name).ok();
        let run = CaseRun {
            suite,
            case,
            target: &self.target.name,
            read_only: self.target.read_only,
            client: &client,
            env: &env,
        };
        let outcome = run.run().await;
        match &outcome.failure {
            Some(failure) => Err(describe_failure(&run, failure)),
            None => Ok(outcome.recorded),
        }
    }
}

fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        return path.to_path_buf();
    }
    std::env::current_dir()
        .map(|cwd| cwd.join(path))
        .unwrap_or_else(|_| path.to_path_buf())
}
