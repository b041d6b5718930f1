//! Reaching a target to read its schema, as the runner reaches it for trials.
//!
//! - **The double** (`mock`, or any `environment: mock` target): an embedded double is
//!   started with the double's schema and seed and the demo key, imitating the target's
//!   realm, and introspected.
//! - **A live target**: its URLs and credentials from the environment, its pace
//!   (`max_rps`); first the preflight ([`crate::preflight`]): every URL and credential must be
//!   the target's environment's and ION must accept the token, before the introspection
//!   query is sent with the same client and token. When only the preflight's `me` query
//!   fails (answered, without a user), the schema is read all the same: the drift looked for
//!   may be what broke that query (a `User` field it selects removed).

use std::sync::Arc;

use apollo_compiler::Schema;
use apollo_compiler::validation::Valid;

use super::introspect::{IntrospectError, introspect, shown_endpoint};
use crate::client::Pacer;
use crate::double::{DoubleData, EnvironmentSpec, IonDouble};
use crate::preflight::{self, PreflightError};
use crate::target::{Target, Targets, Unavailable};

/// A schema read from a target.
#[derive(Debug)]
pub struct Fetched {
    /// The schema.
    pub schema: Valid<Schema>,
    /// The GraphQL endpoint it was read from (without credentials or query).
    pub endpoint: String,
    /// The preflight's one-line summary (tenant and environment), for a live target.
    pub preflight: Option<String>,
}

/// Why a target's schema could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The target cannot be reached as configured (credentials not set, a bad URL, a
    /// `max_rps` that needs an opt-in).
    #[error("{0}")]
    Setup(String),
    /// The preflight found an environment mismatch or refused credentials.
    #[error("target {target} failed its preflight; its schema was not read\n{source}")]
    Preflight {
        /// The target.
        target: String,
        /// The diagnosis.
        source: PreflightError,
    },
    /// The introspection query failed.
    #[error(transparent)]
    Introspect(#[from] IntrospectError),
}

/// Starts an embedded double of `data` imitating `target`'s realm and reads its schema.
pub async fn from_double(
    data: Arc<DoubleData>,
    target: &Target,
    http: &reqwest::Client,
) -> Result<Fetched, FetchError> {
    let double = IonDouble::start_with(data, EnvironmentSpec::demo_in(target.imitates)).await;
    let mut client = double.demo_client(http);
    if let Some(rate) = target.max_rps {
        client = client.with_pacer(Arc::new(Pacer::new(rate)));
    }
    let schema = introspect(&client).await?;
    Ok(Fetched {
        schema,
        endpoint: shown_endpoint(client.endpoint()),
        preflight: None,
    })
}

/// Runs `target`'s preflight, then reads its schema with the same client.
/// `allow_high_rate` allows a `max_rps` above the ceiling (as `--allow-high-rate` does for
/// `run`).
pub async fn from_live(
    target: &Target,
    targets: &Targets,
    env: &dyn Fn(&str) -> Option<String>,
    http: &reqwest::Client,
    allow_high_rate: bool,
) -> Result<Fetched, FetchError> {
    let live = target.live(env).map_err(|unavailable| match unavailable {
        Unavailable::Missing(missing) => FetchError::Setup(format!(
            "{missing}\nhelp: export them (see suites/targets.yaml and the README's \"Run against \
             a live sandbox\"), or compare against a schema file with `schema diff --live FILE`"
        )),
        bad @ Unavailable::BadUrl { .. } => FetchError::Setup(bad.to_string()),
    })?;
    let rate = live
        .max_rps(target, allow_high_rate)
        .map_err(FetchError::Setup)?;
    let mut client = live.client(http);
    if let Some(rate) = rate {
        client = client.with_pacer(Arc::new(Pacer::new(rate)));
    }
    let preflight = match preflight::run(target, targets, &live, env, &client).await {
        Ok(passed) => passed.summary(),
        Err(source) => {
            return Err(FetchError::Preflight {
                target: target.name.clone(),
                source,
            });
        }
    };
    let schema = introspect(&client).await?;
    Ok(Fetched {
        schema,
        endpoint: shown_endpoint(client.endpoint()),
        preflight: Some(preflight),
    })
}
