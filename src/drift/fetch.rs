//! Reaching a target to read its schema, as the runner reaches it for trials.
//!
//! - **The double** (`mock`, or any `environment: mock` target): an embedded double is
//!   started with the double's schema and seed and the demo key, imitating the target's
//!   realm, and introspected.
//! - **A live target**: connected as every command connects ([`crate::reach`]): its URLs,
//!   credentials and pace (`max_rps`), then the preflight ([`crate::preflight`]): every URL
//!   and credential must be the target's environment's and ION must accept the token, before
//!   the introspection query is sent with the same client and token. When only the
//!   preflight's tenant query fails (`me { id }` still answers), the schema is read all the
//!   same: the drift looked for may be what broke that query (a `User` field it selects
//!   removed).

use std::sync::Arc;

use apollo_compiler::Schema;
use apollo_compiler::validation::Valid;

use super::introspect::{IntrospectError, introspect, shown_endpoint};
use crate::double::DoubleData;
use crate::preflight::PreflightError;
use crate::reach::{self, ReachError};
use crate::targets::{Target, Targets, Unavailable};

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
    let reached = reach::double(target, data, http).await;
    let schema = introspect(&reached.client).await?;
    Ok(Fetched {
        schema,
        endpoint: shown_endpoint(reached.client.endpoint()),
        preflight: None,
    })
}

/// Connects to `target` (its preflight first, see [`crate::reach`]), then reads its schema
/// with the same client and token. `allow_high_rate` allows a `max_rps` above the ceiling (as
/// `--allow-high-rate` does for `run`).
pub async fn from_live(
    target: &Target,
    targets: &Targets,
    env: &dyn Fn(&str) -> Option<String>,
    http: &reqwest::Client,
    allow_high_rate: bool,
) -> Result<Fetched, FetchError> {
    let connected = reach::connect(target, targets, env, http, allow_high_rate)
        .await
        .map_err(|error| match error {
            ReachError::Unavailable(Unavailable::Missing(missing)) => FetchError::Setup(format!(
                "{missing}\nhelp: export them (see suites/targets.yaml and the guide's chapter \
                 docs/src/targets.md), or compare against a schema file with `schema diff \
                 --live FILE`"
            )),
            ReachError::Preflight { target, source } => FetchError::Preflight {
                target,
                source: *source,
            },
            other => FetchError::Setup(other.to_string()),
        })?;
    let schema = introspect(&connected.client).await?;
    Ok(Fetched {
        schema,
        endpoint: shown_endpoint(connected.client.endpoint()),
        preflight: Some(connected.passed.summary()),
    })
}
