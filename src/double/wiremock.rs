//! The double on a wiremock `MockServer` (feature `wiremock`): [`DoubleResponder`] answers
//! every request as the double's own server does, through the same transport-independent
//! handling, so a test overrides one operation with an ordinary wiremock `Mock` of higher
//! priority while the double answers everything else.
//!
//! [`IonDoubleBuilder::mount`] mounts a double at [`DOUBLE_PRIORITY`], the lowest: any
//! `Mock` of the test (default priority 5) is tried first. The double's store changes from
//! request to request as usual; its request log and expectations
//! ([`IonDouble::received_requests`], [`IonDouble::expect`]) see what it answers, not what
//! an overriding `Mock` answers (`MockServer::received_requests` sees both).
//!
//! wiremock calls a responder synchronously, on its server's own thread, one request at a
//! time: a request the double takes long over holds up that `MockServer`'s other requests
//! (never the test's runtime), within the double's time limit ([`super::Limits`]).
//! wiremock cannot break a connection from a responder, so a connection-reset fault
//! ([`super::FaultKind`]) is answered with its reply whole; a slow-answer fault is a
//! wiremock delay, which does not hold the server.

use std::sync::Arc;

use ::wiremock::matchers::any;
use ::wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::environment::Environment;
use super::limits::Cancel;
use super::reply::Reply;
use super::{DoubleError, IonDouble, IonDoubleBuilder};

/// The priority [`IonDoubleBuilder::mount`] mounts the double at: wiremock's lowest, so
/// every other `Mock` on the server is tried first.
pub const DOUBLE_PRIORITY: u8 = u8::MAX;

/// A `wiremock::Respond` answering as the double does: the token endpoint, JWKS, discovery,
/// `/graphql` and the admin endpoints. Clones answer from the same store.
#[derive(Clone)]
pub struct DoubleResponder {
    environment: Arc<Environment>,
}

impl std::fmt::Debug for DoubleResponder {
    /// The environment's name only: its store can be large.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DoubleResponder")
            .field("environment", &self.environment.spec().name)
            .finish_non_exhaustive()
    }
}

impl Respond for DoubleResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        // wiremock's URL has no host of the client's: the `Host` header says where it went.
        let origin = super::http::origin_of("http", &request.headers, None);
        let reply = self.environment.handle(
            request.method.as_str(),
            &origin,
            request.url.path(),
            &request.headers,
            &request.body,
            &Cancel::default(),
        );
        template(reply)
    }
}

/// The double's reply as a wiremock response (a connection cut cannot be: see the module).
fn template(reply: Reply) -> ResponseTemplate {
    let mut template =
        ResponseTemplate::new(reply.status).set_body_raw(reply.body, reply.content_type);
    for (name, value) in reply.headers {
        template = template.insert_header(name, value.as_str());
    }
    if !reply.wire.delay.is_zero() {
        template = template.set_delay(reply.wire.delay);
    }
    template
}

impl IonDouble {
    /// A responder answering as this double does, from its store, logging in its log: to
    /// mount on a wiremock `MockServer` yourself, e.g. `Mock::given(any())
    /// .respond_with(double.responder()).with_priority(DOUBLE_PRIORITY)`.
    pub fn responder(&self) -> DoubleResponder {
        DoubleResponder {
            environment: Arc::clone(&self.environment),
        }
    }
}

impl IonDoubleBuilder {
    /// Loads the double's files (errors as [`IonDoubleBuilder::start`]) and mounts the
    /// double on `server` at [`DOUBLE_PRIORITY`], matching every request. The double has no
    /// server of its own: its URLs ([`IonDouble::graphql_url`], [`IonDouble::token_url`])
    /// are `server`'s.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use ion_contract::double::{IonDouble, Role};
    /// use serde_json::json;
    /// use wiremock::matchers::{body_partial_json, method, path};
    /// use wiremock::{Mock, MockServer, ResponseTemplate};
    ///
    /// let server = MockServer::start().await;
    /// let double = IonDouble::builder().mount(&server).await.expect("the built-in files load");
    /// // An ordinary wiremock mock overrides one operation; the double answers the rest.
    /// Mock::given(method("POST"))
    ///     .and(path("/graphql"))
    ///     .and(body_partial_json(json!({"operationName": "Me"})))
    ///     .respond_with(ResponseTemplate::new(503))
    ///     .mount(&server)
    ///     .await;
    /// let token = double.token(Role::Reader);
    /// let ask = |operation: &str| {
    ///     reqwest::Client::new()
    ///         .post(double.graphql_url())
    ///         .bearer_auth(token.expose())
    ///         .json(&json!({"query": format!("query {operation} {{ me {{ id }} }}"),
    ///                       "operationName": operation}))
    ///         .send()
    /// };
    /// assert_eq!(ask("Me").await.expect("answered").status(), 503);
    /// assert_eq!(ask("WhoAmI").await.expect("answered").status(), 200);
    /// assert_eq!(double.received_requests().len(), 1, "the override's request is not the double's");
    /// # }
    /// ```
    pub async fn mount(self, server: &MockServer) -> Result<IonDouble, DoubleError> {
        let data = self.load()?;
        let double = IonDouble::without_server(data, self.spec().clone(), server.uri());
        Mock::given(any())
            .respond_with(double.responder())
            .with_priority(DOUBLE_PRIORITY)
            .named("the ION double")
            .mount(server)
            .await;
        Ok(double)
    }
}
