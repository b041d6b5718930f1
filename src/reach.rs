//! Reaching a target: the one way every command gets a client for it.
//!
//! - **The double** (`mock`, any `environment: mock` target): a fresh embedded double
//!   imitating the target's realm, and its demo client.
//! - **A live target**: [`open`] reads its URLs and credentials from the environment and its
//!   pace, and sends nothing; [`Opened::preflight`] runs the target's preflight
//!   ([`crate::preflight`]) and only then hands out the client, as [`Connected`]. There is
//!   no other way to a live target's client, so no command (`run`, `preflight`, `seed`,
//!   `seed --clean`, `drift`, `drift --record`, `schema pull`, `schema diff`, `smoke`,
//!   `sweep`) sends a GraphQL request to a target whose URLs or credentials belong to another
//!   ION environment: an environment mismatch stops it after at most the token request, and the
//!   binary exits 3 ([`crate::exit::PREFLIGHT_FAILED`]).
//!
//! The token the preflight fetches is the one the command goes on with: one token request
//! per process.

use std::sync::Arc;

use crate::client::DoubleClients;
use crate::client::{GraphqlClient, Pacer};
use crate::double::{DoubleData, EnvironmentSpec, IonDouble};
use crate::preflight::{self, Passed, PreflightError};
use crate::targets::{Live, Target, Targets, Unavailable};

/// A target, reachable.
pub struct Reached {
    /// Sends to the target with its own credentials.
    pub client: GraphqlClient,
    /// The embedded double, when the target is one (it lives as long as this).
    pub double: Option<IonDouble>,
    /// The preflight that passed, on a live target.
    pub preflight: Option<Passed>,
}

/// Why a target cannot be reached.
#[derive(Debug, thiserror::Error)]
pub enum ReachError {
    /// Its credentials are not set, or a URL override is not a URL.
    #[error("{0}{help}", help = unavailable_help(.0))]
    Unavailable(#[from] Unavailable),
    /// Its `max_rps` is above the ceiling without the opt-in.
    #[error("{0}")]
    Pace(String),
    /// Its preflight failed: an environment mismatch, refused or expired credentials.
    #[error("target {target} failed its preflight; nothing else was sent to it\n{source}")]
    Preflight {
        /// The target.
        target: String,
        /// The diagnosis.
        source: Box<PreflightError>,
    },
}

/// The fix for missing credentials (a bad URL's message has its own).
fn unavailable_help(unavailable: &Unavailable) -> &'static str {
    match unavailable {
        Unavailable::Missing(_) => {
            "\nhelp: export them in this shell, or pass them from the CI job's secrets; for a \
             local ION, `ion-contract serve` prints a sandbox's variables"
        }
        _ => "",
    }
}

/// A live target whose preflight has not run yet: nothing has been sent, and its client is
/// not handed out.
pub struct Opened {
    live: Live,
    client: GraphqlClient,
    pacer: Option<Arc<Pacer>>,
}

/// A live target whose preflight passed.
pub struct Connected {
    /// Sends to the target with the token the preflight checked.
    pub client: GraphqlClient,
    /// What the preflight found.
    pub passed: Passed,
}

/// Reads `target`'s URLs and credentials through `env` and sets up its client: its
/// `request_timeout` and its pace (`max_rps`; above the ceiling only with
/// `allow_high_rate`). Sends nothing.
pub fn open(
    target: &Target,
    env: &dyn Fn(&str) -> Option<String>,
    http: &reqwest::Client,
    allow_high_rate: bool,
) -> Result<Opened, ReachError> {
    let live = target.live(env)?;
    let rate = live
        .max_rps(target, allow_high_rate)
        .map_err(ReachError::Pace)?;
    let pacer = rate.map(|rate| Arc::new(Pacer::new(rate)));
    let mut client = live
        .client(http)
        .with_request_timeout(target.request_timeout);
    if let Some(pacer) = &pacer {
        client = client.with_pacer(Arc::clone(pacer));
    }
    Ok(Opened {
        live,
        client,
        pacer,
    })
}

impl Opened {
    /// Whether the API is on a loopback host (a local `ion-contract serve`).
    pub fn is_local(&self) -> bool {
        self.live.is_local()
    }

    /// The API base URL.
    pub fn api_url(&self) -> &str {
        &self.live.api_url
    }

    /// The target's pace, shared with every other client of the target.
    pub fn pacer(&self) -> Option<&Arc<Pacer>> {
        self.pacer.as_ref()
    }

    /// Runs `target`'s preflight (`targets` and `env` tell which other environments'
    /// credentials it must not share a value with); the client, once it passed.
    pub async fn preflight(
        self,
        target: &Target,
        targets: &Targets,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Connected, ReachError> {
        match preflight::run(target, targets, &self.live, env, &self.client).await {
            Ok(passed) => Ok(Connected {
                client: self.client,
                passed,
            }),
            Err(source) => Err(ReachError::Preflight {
                target: target.name.clone(),
                source: Box::new(source),
            }),
        }
    }
}

/// Opens a live target and runs its preflight: [`open`], then [`Opened::preflight`].
pub async fn connect(
    target: &Target,
    targets: &Targets,
    env: &dyn Fn(&str) -> Option<String>,
    http: &reqwest::Client,
    allow_high_rate: bool,
) -> Result<Connected, ReachError> {
    open(target, env, http, allow_high_rate)?
        .preflight(target, targets, env)
        .await
}

/// Starts a fresh embedded double of `data` imitating `target`'s realm, and its demo client
/// (paced when the target says `max_rps`).
pub async fn double(target: &Target, data: Arc<DoubleData>, http: &reqwest::Client) -> Reached {
    let double = IonDouble::start_for_trial(data, EnvironmentSpec::demo_in(target.imitates));
    let mut client = double.demo_client(http);
    if let Some(rate) = target.max_rps {
        client = client.with_pacer(Arc::new(Pacer::new(rate)));
    }
    Reached {
        client,
        double: Some(double),
        preflight: None,
    }
}

/// Reaches `target`: starts a double for `mock` targets ([`double`]), else [`connect`]s.
pub async fn reach(
    target: &Target,
    targets: &Targets,
    data: Arc<DoubleData>,
    env: &dyn Fn(&str) -> Option<String>,
    http: &reqwest::Client,
    allow_high_rate: bool,
) -> Result<Reached, ReachError> {
    if target.is_double() {
        return Ok(double(target, data, http).await);
    }
    let connected = connect(target, targets, env, http, allow_high_rate).await?;
    Ok(Reached {
        client: connected.client,
        double: None,
        preflight: Some(connected.passed),
    })
}
