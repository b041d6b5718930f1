//! A running double for one trial or test: an [`Environment`] served over plain HTTP on a
//! loopback port leased from a pool of servers ([`super::pool`]).
//!
//! Requests go through [`super::http`], as `serve`'s do, so every fault of [`super::fault`]
//! (a connection reset included) happens on the embedded double as well. Dropping the
//! double gives its server back; webhook deliveries already under way finish. A double
//! mounted on a wiremock `MockServer` (`IonDoubleBuilder::mount`) has no server of
//! its own: its URLs are the `MockServer`'s.

use std::sync::Arc;

use super::api_keys::{Credentials, Role, key_for};
use super::environment::Environment;
use super::fault::FaultRule;
use super::journal::Journal;
use super::pool;
use super::spec::EnvironmentSpec;
use super::{DoubleData, SchemaRejected, WebhookRetry};
use crate::secret::Secret;

/// A running double: an HTTP server on loopback with its own copy of the seed data, until
/// dropped. Dropping it checks its expectations ([`IonDouble::expect`]).
pub struct IonDouble {
    pub(super) environment: Arc<Environment>,
    /// The requests it received ([`super::journal`]).
    pub(super) journal: Arc<Journal>,
    /// Its base URL: its pooled server's, or the wiremock `MockServer`'s it is mounted on.
    url: String,
    /// Its pooled server, given back on drop; `None` when mounted on wiremock.
    _server: Option<pool::Lease>,
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
        Self::without_server(data, spec, String::new()).served()
    }

    /// A double for one of the harness's own trials: as [`IonDouble::start_with`], but it
    /// keeps no journal, since the harness reads none (a journal copies every request).
    pub(crate) fn start_for_trial(data: Arc<DoubleData>, spec: EnvironmentSpec) -> Self {
        IonDouble {
            environment: Arc::new(Environment::new(data, spec)),
            journal: Arc::default(),
            url: String::new(),
            _server: None,
        }
        .served()
    }

    /// Gets ready, on a thread of its own, what the first trial double of `spec`'s
    /// environment would otherwise wait for (its signing key and the crypto library's
    /// random seed, see [`super::signing`]); returns at once. The runner calls it before
    /// it loads the suites.
    pub(crate) fn prepare_for_trials(spec: &EnvironmentSpec) {
        super::signing::SigningKey::prepare(&spec.name);
    }

    /// This double on a pooled server of its own.
    fn served(mut self) -> Self {
        let server = pool::lease(Arc::clone(&self.environment));
        server.url().clone_into(&mut self.url);
        self._server = Some(server);
        self
    }

    /// A double with no server of its own yet, answered by whoever serves `url` (a
    /// wiremock `MockServer`).
    pub(super) fn without_server(
        data: Arc<DoubleData>,
        spec: EnvironmentSpec,
        url: String,
    ) -> Self {
        let journal = Arc::new(Journal::default());
        let environment = Environment::new(data, spec).journaled(Arc::clone(&journal));
        IonDouble {
            environment: Arc::new(environment),
            journal,
            url,
            _server: None,
        }
    }

    /// A token of this double's own API key, issued in process (no token request is sent).
    pub(crate) fn own_token(&self) -> Secret {
        Secret::new(self.environment.own_token())
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
        self.url.clone()
    }

    /// The auth server's base URL (the token endpoint is under `/realms/api-keys/...`).
    pub fn auth_url(&self) -> String {
        self.url.clone()
    }

    /// The GraphQL endpoint: `http://127.0.0.1:<port>/graphql`.
    pub fn graphql_url(&self) -> String {
        format!("{}/graphql", self.url)
    }

    /// The token endpoint (client credentials, form or HTTP Basic):
    /// `http://127.0.0.1:<port>/realms/api-keys/protocol/openid-connect/token`.
    pub fn token_url(&self) -> String {
        format!("{}{}", self.url, Environment::token_path())
    }

    /// The client id and secret of this double's API key of `role` ([`super::api_keys`]): what
    /// a client sends to [`IonDouble::token_url`]. They are public constants of the double.
    pub fn credentials(&self, role: Role) -> Credentials {
        let (client_id, secret) = key_for(self.environment.spec(), role);
        Credentials {
            client_id,
            client_secret: Secret::new(secret),
        }
    }

    /// A valid bearer token of this double's API key of `role`, issued in process (no
    /// request is sent, none is logged); it lives as long as the environment's tokens do.
    pub fn token(&self, role: Role) -> Secret {
        Secret::new(self.environment.token_of(role))
    }
}
