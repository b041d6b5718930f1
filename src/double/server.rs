//! The double on a wiremock server: one catch-all responder that hands every request to an
//! [`Environment`]. The only module that knows wiremock.
//!
//! wiremock keeps a copy of every request a mock matched, which is right for a double that
//! lives as long as one trial; `serve` ([`super::serve`]) runs the same [`Environment`] on
//! a plain hyper server so that a long-running double keeps no per-request state.

use std::sync::Arc;

use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::environment::{CONTENT_TYPE, Environment};
use super::keys::{Role, key_for};
use super::spec::EnvironmentSpec;
use super::{DoubleData, SchemaRejected, WebhookRetry};
use crate::auth::TokenSource;
use crate::client::GraphqlClient;
use crate::secret::Secret;

/// A running double: one HTTP server on loopback with its own copy of the seed data.
/// Stops when dropped.
pub struct IonDouble {
    server: MockServer,
    environment: Arc<Environment>,
}

impl IonDouble {
    /// Starts a double on a free loopback port, its store a fresh copy of the seed, its API
    /// key the demo one ([`EnvironmentSpec::demo`]).
    pub async fn start(data: Arc<DoubleData>) -> Self {
        Self::start_with(data, EnvironmentSpec::demo()).await
    }

    /// Starts a double imitating the environment `spec` (its API key, its token lifetime),
    /// on a free loopback port, its store a fresh copy of the seed.
    pub async fn start_with(data: Arc<DoubleData>, spec: EnvironmentSpec) -> Self {
        let server = MockServer::start().await;
        let environment = Arc::new(Environment::new(data, spec));
        Mock::given(any())
            .respond_with(Responder(Arc::clone(&environment)))
            .named("the ION double")
            .mount(&server)
            .await;
        IonDouble {
            server,
            environment,
        }
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

    /// The API base URL (`<api url>/graphql` is the endpoint).
    pub fn api_url(&self) -> String {
        self.server.uri()
    }

    /// The auth server's base URL (the token endpoint is under `/realms/api-keys/...`).
    pub fn auth_url(&self) -> String {
        self.server.uri()
    }
}

struct Responder(Arc<Environment>);

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let reply = self.0.handle(
            request.method.as_str(),
            request.url.path(),
            &request.headers,
            &request.body,
        );
        let mut response =
            ResponseTemplate::new(reply.status).set_body_raw(reply.body, CONTENT_TYPE);
        for (name, value) in reply.headers {
            response = response.insert_header(name, value);
        }
        response
    }
}
