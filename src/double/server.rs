//! A running double for one trial or test: an [`Environment`] served over plain HTTP on a
//! free loopback port, by a thread of its own.
//!
//! The servers of all doubles run on one runtime of their own (threads started on first
//! use), so a double answers whatever its caller does meanwhile (a blocking call included),
//! and its webhook deliveries run there too. Requests go through [`super::http`], as `serve`'s do, so every fault of
//! [`super::fault`] (a connection reset included) happens on the embedded double as well.
//! Dropping the double stops its server and closes its connections; webhook deliveries
//! already under way finish.

use std::sync::{Arc, OnceLock};

use super::environment::Environment;
use super::fault::FaultRule;
use super::keys::{Role, key_for};
use super::spec::EnvironmentSpec;
use super::{DoubleData, SchemaRejected, WebhookRetry};
use crate::auth::TokenSource;
use crate::client::GraphqlClient;
use crate::secret::Secret;

/// A running double: one HTTP server on loopback with its own copy of the seed data.
/// Stops when dropped.
pub struct IonDouble {
    url: String,
    environment: Arc<Environment>,
    server: tokio::task::JoinHandle<()>,
}

impl IonDouble {
    /// Starts a double on a free loopback port, its store a fresh copy of the seed, its API
    /// key the demo one ([`EnvironmentSpec::demo`]).
    pub async fn start(data: Arc<DoubleData>) -> Self {
        Self::start_with(data, EnvironmentSpec::demo()).await
    }

    /// Starts a double imitating the environment `spec` (its API key, its token lifetime),
    /// on a free loopback port, its store a fresh copy of the seed.
    ///
    /// # Panics
    ///
    /// When no loopback port can be had, or the servers' runtime cannot start (the machine
    /// is out of ports or threads).
    pub async fn start_with(data: Arc<DoubleData>, spec: EnvironmentSpec) -> Self {
        let environment = Arc::new(Environment::new(data, spec));
        let listener = std::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .unwrap_or_else(|e| panic!("the ION double cannot listen on a loopback port: {e}"));
        let url = match listener.local_addr() {
            Ok(address) => format!("http://{address}"),
            Err(e) => panic!("the ION double cannot read its own address: {e}"),
        };
        let served = Arc::clone(&environment);
        let server = pool().spawn(accept_loop(listener, served));
        IonDouble {
            url,
            environment,
            server,
        }
    }

    /// A client for this double's `/graphql` with a token of its own API key issued in
    /// process: no token request is sent (one round trip less per trial), and the token is
    /// verified like any other. It does not renew: for tests of expiry, use
    /// [`IonDouble::demo_client`].
    pub fn trial_client(&self, http: &reqwest::Client) -> GraphqlClient {
        let token = Secret::new(self.environment.own_token());
        let tokens = TokenSource::fixed(token);
        let endpoint = format!("{}/graphql", self.api_url());
        GraphqlClient::new(http.clone(), endpoint, Some(Arc::new(tokens)))
    }

    /// A client for this double's `/graphql`, with tokens for the demo key
    /// ([`super::demo_credentials`]).
    pub fn demo_client(&self, http: &reqwest::Client) -> GraphqlClient {
        self.client_with(http, super::demo_credentials())
    }

    /// A client for this double's `/graphql`, with tokens for its API key of `role` (see
    /// [`super::Role`]).
    pub fn key_client(&self, role: Role, http: &reqwest::Client) -> GraphqlClient {
        let (client_id, secret) = key_for(self.environment.spec(), role);
        let credentials = crate::auth::ClientCredentials {
            client_id,
            client_secret: Secret::new(secret),
        };
        self.client_with(http, credentials)
    }

    fn client_with(
        &self,
        http: &reqwest::Client,
        credentials: crate::auth::ClientCredentials,
    ) -> GraphqlClient {
        let tokens = TokenSource::client_credentials(http.clone(), self.auth_url(), credentials);
        let endpoint = format!("{}/graphql", self.api_url());
        GraphqlClient::new(http.clone(), endpoint, Some(Arc::new(tokens)))
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
}

impl Drop for IonDouble {
    fn drop(&mut self) {
        // The accept loop owns its connections: aborting it closes them all.
        self.server.abort();
    }
}

/// The runtime every per-trial double's server runs on: started on first use, on threads of
/// its own, and kept for the process (as a thread per double would cost a thread and a
/// runtime per trial).
fn pool() -> &'static tokio::runtime::Handle {
    static POOL: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    POOL.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(std::thread::available_parallelism().map_or(2, |n| n.get()))
            .thread_name("ion-double")
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("the ION double cannot start its runtime: {e}"))
    })
    .handle()
}

/// Accepts connections until aborted; aborting it drops them all.
async fn accept_loop(listener: std::net::TcpListener, environment: Arc<Environment>) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    let mut connections = tokio::task::JoinSet::new();
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                connections.spawn(super::http::serve_plain(stream, Arc::clone(&environment)));
            }
            // Out of descriptors, or a connection reset before accept: not fatal.
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
        }
        while connections.try_join_next().is_some() {}
    }
}
