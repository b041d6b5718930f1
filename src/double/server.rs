//! A running double for one trial or test: an [`Environment`] served over plain HTTP on a
//! loopback port leased from a pool of servers ([`super::pool`]).
//!
//! Requests go through [`super::http`], as `serve`'s do, so every fault of [`super::fault`]
//! (a connection reset included) happens on the embedded double as well. Dropping the
//! double gives its server back; webhook deliveries already under way finish.

use std::sync::Arc;

use super::environment::Environment;
use super::fault::FaultRule;
use super::pool;
use super::spec::EnvironmentSpec;
use super::{DoubleData, SchemaRejected, WebhookRetry};
use crate::secret::Secret;

/// A running double: an HTTP server on loopback with its own copy of the seed data, until
/// dropped.
pub struct IonDouble {
    environment: Arc<Environment>,
    server: pool::Lease,
}

impl IonDouble {
    /// Starts a double on a loopback port, its store a fresh copy of the seed, its API
    /// key the demo one ([`EnvironmentSpec::demo`]).
    pub async fn start(data: Arc<DoubleData>) -> Self {
        Self::start_with(data, EnvironmentSpec::demo()).await
    }

    /// Starts a double imitating the environment `spec` (its API key, its token lifetime),
    /// on a loopback port, its store a fresh copy of the seed.
    ///
    /// # Panics
    ///
    /// When no loopback port can be had, or the servers' runtime cannot start (the machine
    /// is out of ports or threads).
    pub async fn start_with(data: Arc<DoubleData>, spec: EnvironmentSpec) -> Self {
        let environment = Arc::new(Environment::new(data, spec));
        let server = pool::lease(Arc::clone(&environment));
        IonDouble {
            environment,
            server,
        }
    }

    /// A token of this double's own API key, issued in process (no token request is sent).
    pub(crate) fn own_token(&self) -> Secret {
        Secret::new(self.environment.own_token())
    }

    /// The environment this double imitates.
    pub(crate) fn spec(&self) -> &EnvironmentSpec {
        self.environment.spec()
    }

    /// Changes or removes a row behind the API's back: the body of `POST /__double/drift`.
    pub fn drift(&self, change: &serde_json::Value) -> Result<serde_json::Value, String> {
        self.environment.drift(change)
    }

    /// A token of this double's API key that has already expired (ION answers it 401
    /// `Token is expired.`), as a token kept from an earlier run would be.
    pub fn expired_token(&self) -> Secret {
        Secret::new(self.environment.expired_token())
    }

    /// Serves the schema `sdl` from now on, as `POST /__double/schema` does: requests are
    /// validated and executed against it and introspection shows it; the store stays as it
    /// is. An invalid schema is refused, located, and changes nothing.
    pub fn set_schema(&self, sdl: &str) -> Result<(), SchemaRejected> {
        self.environment.set_schema(sdl).map(|_| ())
    }

    /// Sets how webhook deliveries are retried from now on (default:
    /// [`WebhookRetry::default`]); tests shorten the waits.
    pub fn set_webhook_retry(&self, retry: WebhookRetry) {
        self.environment.set_webhook_retry(retry);
    }

    /// Serves the double's own schema again (as `DELETE /__double/schema`).
    pub fn restore_schema(&self) {
        self.environment.restore_schema();
    }

    /// Injects these faults into `POST /graphql` from now on, replacing any (see
    /// [`super::fault`]; the admin endpoint `POST /__double/faults` adds to them).
    pub fn set_faults(&self, rules: Vec<FaultRule>) {
        self.environment.set_faults(rules);
    }

    /// The API base URL (`<api url>/graphql` is the endpoint).
    pub fn api_url(&self) -> String {
        self.server.url().to_owned()
    }

    /// The auth server's base URL (the token endpoint is under `/realms/api-keys/...`).
    pub fn auth_url(&self) -> String {
        self.server.url().to_owned()
    }
}
