//! The runner's set-up, in three stages: **load** (options, the targets file, the target, the
//! double's files, the suites), **connect** (the runtime, the HTTP client, and a live target
//! reached through its preflight), and what every trial then **shares** (fixtures, `as:`
//! profiles, webhook receivers). A problem at any stage stops every trial and becomes the
//! run's one failing trial ([`SetupProblem`]).

use std::path::PathBuf;
use std::sync::Arc;

use tokio::runtime::Runtime;

use super::RunOptions;
use super::finished::{Planned, Recorder};
use super::fixture;
use super::plan::absolute;
use crate::client::{GraphqlClient, Pacer, http_client, http_client_without_reuse};
use crate::double::{DoubleData, EnvironmentSpec, IonDouble};
use crate::lock;
use crate::preflight::Passed;
use crate::profile::Profiles;
use crate::progress::Progress;
use crate::reach::{self, Connected, ReachError};
use crate::report::{FailureClass, TrialKind};
use crate::suite::{self, LoadContext, Suite};
use crate::targets::{MissingCredentials, Target, Targets, Unavailable};
use crate::webhook::{TargetPlace, WebhookSetup};

/// A problem that stops every trial: it becomes the run's one (failing) trial.
pub(super) struct SetupProblem {
    pub(super) name: &'static str,
    pub(super) message: String,
}

impl SetupProblem {
    pub(super) fn planned(self, recorder: &Recorder, target: &str) -> Planned {
        Planned::failing(
            recorder,
            self.name,
            TrialKind::Setup,
            target,
            FailureClass::Invalid,
            self.message,
        )
    }
}

/// What every trial shares: parsed once per process.
pub(super) struct Shared {
    pub(super) runtime: Arc<Runtime>,
    pub(super) http: reqwest::Client,
    pub(super) double: Arc<DoubleData>,
    pub(super) target: Target,
    pub(super) connection: Connection,
    pub(super) snapshots_dir: PathBuf,
    pub(super) suites: Vec<Result<Suite, suite::LoadFailure>>,
    pub(super) profiles: Profiles,
    /// Where suite locks are taken (see [`crate::lock`]).
    pub(super) lock_dir: PathBuf,
    /// The progress line (hidden unless the command asked for it).
    pub(super) progress: Arc<Progress>,
    /// The target's pace, shared by every trial.
    pub(super) pacer: Option<Arc<Pacer>>,
    /// A live target's API when it is local (a `serve`), where a suite's `double:` applies.
    pub(super) local_api: Option<String>,
    /// The seeding chain, for suites with `fixture: chain`.
    pub(super) fixtures: fixture::Fixtures,
    /// How `expect_webhook:` steps see deliveries on this target, and the run id.
    pub(super) webhooks: WebhookSetup,
}

/// How this run reaches its target (a live one through [`crate::reach`]).
pub(super) enum Connection {
    /// A fresh embedded double per trial.
    Double,
    /// A live target whose preflight passed: one client, and so one token, for every trial.
    Live {
        client: GraphqlClient,
        passed: Passed,
    },
    /// A live target whose preflight failed (the diagnosis): every case fails unsent.
    Refused(String),
    /// A live target, only listed: nothing is sent.
    Listing,
    /// A live target whose credentials are not set: its trials are ignored.
    Missing(MissingCredentials),
    /// A live target whose credentials are required but not set (the message, with its
    /// help): the trial `target::credentials` fails with it, and every case fails unsent.
    /// Its cases are not ignored, so that a runner of one trial per process (nextest) fails
    /// too.
    Required(String),
}

fn fail(name: &'static str, message: String) -> SetupProblem {
    SetupProblem { name, message }
}

/// What the files say: the target, the targets file, the double's data and the suites.
struct Loaded {
    targets: Targets,
    target: Target,
    double: DoubleData,
    suites: Vec<Result<Suite, suite::LoadFailure>>,
}

impl Loaded {
    /// Loads the targets, the double's data and the suites; when the run will start
    /// doubles (the embedded double, not `listing`), they are made ready meanwhile.
    fn load(options: &RunOptions, listing: bool) -> Result<Loaded, SetupProblem> {
        if !options.invalid_env.is_empty() {
            return Err(fail("options::env", options.invalid_env.join("\n")));
        }
        crate::snapshot::check_dir(&options.snapshots_dir)
            .map_err(|e| fail("snapshots::dir", e.to_string()))?;
        let targets =
            Targets::load(&options.suites_dir).map_err(|e| fail("targets::load", e.to_string()))?;
        let target = targets
            .get(&options.target)
            .map_err(|e| fail("target::select", e.to_string()))?
            .clone();
        if target.is_double() && !listing {
            IonDouble::prepare_for_trials(&EnvironmentSpec::demo_in(target.imitates));
        }
        let double = options
            .double_data(Some(&target))
            .map_err(|e| fail("ion-double::load", e.to_string()))?;
        let target_names = targets.names();
        let context = LoadContext::new(double.schema(), &target_names);
        let mut suites = suite::load_dir(&options.suites_dir, &context)
            .map_err(|e| fail("suites::load", e.to_string()))?;
        suites.retain(|loaded| match loaded {
            Ok(suite) => options.selects(&suite.tags),
            Err(_) => true,
        });
        Ok(Loaded {
            targets,
            target,
            double,
            suites,
        })
    }
}

/// How the run reaches its target, and what reaching it decided.
struct Reached {
    connection: Connection,
    /// The target's pace (a live target's may come from its preflight).
    pacer: Option<Arc<Pacer>>,
    /// A live target's API when it is local (a `serve`).
    local_api: Option<String>,
}

/// Reaches the target: nothing to do on the embedded double; a live one through
/// [`crate::reach`], its preflight run unless only `listing`.
fn connect(
    loaded: &Loaded,
    options: &RunOptions,
    listing: bool,
    runtime: &Runtime,
    http: &reqwest::Client,
) -> Result<Reached, SetupProblem> {
    let Loaded {
        targets, target, ..
    } = loaded;
    let mut reached = Reached {
        connection: Connection::Double,
        pacer: target.max_rps.map(|rate| Arc::new(Pacer::new(rate))),
        local_api: None,
    };
    if target.is_double() {
        return Ok(reached);
    }
    let env = |name: &str| std::env::var(name).ok();
    reached.connection = match reach::open(target, &env, http, options.allow_high_rate) {
        Ok(opened) => {
            reached.pacer = opened.pacer().cloned();
            if opened.is_local() {
                reached.local_api = Some(opened.api_url().to_owned());
            }
            if listing {
                Connection::Listing
            } else {
                match runtime.block_on(opened.preflight(target, targets, &env)) {
                    Ok(Connected { client, passed }) => Connection::Live { client, passed },
                    Err(ReachError::Preflight { source, .. }) => {
                        Connection::Refused(source.to_string())
                    }
                    Err(other) => return Err(fail("target::select", other.to_string())),
                }
            }
        }
        Err(ReachError::Unavailable(Unavailable::Missing(missing))) => {
            match options.credentials_required(target) {
                Some(why) => Connection::Required(format!(
                    "{missing}\nhelp: {why}: set them (e.g. as CI secrets), or select \
                     another target"
                )),
                None => Connection::Missing(missing),
            }
        }
        Err(other) => return Err(fail("target::select", other.to_string())),
    };
    Ok(reached)
}

impl Shared {
    /// Loads everything, and runs a live target's preflight unless only `listing`; a problem
    /// that stops every trial comes back as one failing trial.
    pub(super) fn new(options: &RunOptions, listing: bool) -> Result<Shared, SetupProblem> {
        let loaded = Loaded::load(options, listing)?;
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
        // On the double, each trial sends through its thread's own client (see
        // `trial_io`); what they reach of this one must not share idle connections.
        let http = match loaded.target.is_double() {
            true => http_client_without_reuse(),
            false => http_client(),
        }
        .map_err(|e| fail("client::build", e.to_string()))?;
        let reached = connect(&loaded, options, listing, &runtime, &http)?;
        let Loaded {
            targets,
            target,
            double,
            suites,
        } = loaded;
        let env = |name: &str| std::env::var(name).ok();
        let admitted_suites: Vec<&Suite> = suites
            .iter()
            .flatten()
            .filter(|suite| target.admits(suite.targets.as_deref()))
            .collect();
        let fixtures = fixture::Fixtures::load(&options.chain, &admitted_suites, double.schema());
        let admitted = admitted_suites.iter().flat_map(|suite| &suite.cases);
        let profiles = Profiles::resolve(&target, &targets, admitted, &env, &http);
        let place = match target.is_double() || reached.local_api.is_some() {
            true => TargetPlace::ThisMachine,
            false => TargetPlace::Elsewhere,
        };
        let webhooks = WebhookSetup::new(target.webhook_uri.as_deref(), place);
        Ok(Shared {
            webhooks,
            fixtures,
            pacer: reached.pacer,
            local_api: reached.local_api,
            profiles,
            lock_dir: lock::lock_dir(&env),
            progress: Arc::clone(&options.progress),
            runtime: Arc::new(runtime),
            http,
            double: Arc::new(double),
            target,
            connection: reached.connection,
            snapshots_dir: absolute(&options.snapshots_dir),
            suites,
        })
    }

    /// Whether the target is an ion-contract double (embedded, or a local `serve`).
    pub(super) fn reaches_a_double(&self) -> bool {
        self.target.is_double() || self.local_api.is_some()
    }
}
