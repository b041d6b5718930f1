//! ion-contract: contract tests for integrations built on First Resonance's ION GraphQL API.
//!
//! A team describes the GraphQL operations its integration relies on as YAML suites in
//! `suites/`; ion-contract checks them against ION's schema, runs each case as a trial
//! against an embedded double of ION (the default), a live sandbox or production read-only,
//! and records the responses as snapshots. Most teams use the binary (`ion-contract run`,
//! `serve`, `preflight`, `smoke`, ...): its manual is the user's guide in the repository's
//! `docs/` folder (an mdBook: `docs/src/SUMMARY.md`), and the README is the short tour.
//!
//! This page is for Rust teams, who use the crate in two ways. Everything they need is
//! re-exported here; the modules behind it are the binary's and carry no stability promise
//! (they are hidden from these docs; their own docs are the maintainers' reference, with a
//! map in `docs/dev/architecture.md`).
//!
//! # Your suites as `cargo test` trials
//!
//! A test target with `harness = false` runs every suite of the project's `suites/` folder
//! as libtest trials named `<suite>::<case>::<target>`, with libtest's filters and flags
//! (`cargo test --test suites -- parts::`), exactly as `ion-contract run` does:
//!
//! ```toml
//! [[test]]
//! name = "suites"
//! harness = false
//! ```
//!
//! ```no_run
//! // tests/suites.rs
//! fn main() -> std::process::ExitCode {
//!     ion_contract::run_suites()
//! }
//! ```
//!
//! # The ION double in your own tests
//!
//! [`IonDouble::builder`] starts a double with the built-in schema and demo seed (or your
//! own: [`IonDoubleBuilder::schema_file`], [`IonDoubleBuilder::seed_file`],
//! [`IonDoubleBuilder::data`], [`IonDoubleBuilder::environment`]); a bad file is a located
//! [`DoubleError`], never a panic. The double hands your client what it needs:
//! [`IonDouble::graphql_url`], [`IonDouble::token_url`], [`IonDouble::credentials`] for the
//! API key of a [`Role`], or a ready [`IonDouble::token`]. Afterwards,
//! [`IonDouble::received_requests`] lists what it received (method, path, status,
//! operation name, query and variables; never a header or a token; the last
//! [`MAX_RECEIVED`]), and [`IonDouble::expect`] sets expectations such as
//! `Operation::named("CreatePart").times(1)`, checked by [`IonDouble::verify`] and, as
//! wiremock does, when the double is dropped (an unmet one panics, naming it, its count
//! and the operations received).
//!
//! With the cargo feature `wiremock`, `IonDoubleBuilder::mount` mounts the double on a
//! `wiremock::MockServer` at the lowest priority (`DoubleResponder`), so a plain wiremock
//! `Mock` overrides one operation (a 429, a 503) while the double answers the rest from
//! its store. A test of an integration, start to end:
//!
//! ```
//! # #[cfg(feature = "wiremock")]
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use ion_contract::{IonDouble, Operation, Role};
//! use serde_json::{Value, json};
//! use wiremock::matchers::{body_partial_json, method, path};
//! use wiremock::{Mock, MockServer, ResponseTemplate};
//!
//! /// The integration under test: fetches a token, then talks GraphQL to ION.
//! struct PartSync { http: reqwest::Client, graphql: String, token: String }
//!
//! impl PartSync {
//!     async fn connect(token_url: &str, graphql: &str, id: &str, secret: &str) -> PartSync {
//!         let http = reqwest::Client::new();
//!         let form = [("grant_type", "client_credentials"), ("client_id", id), ("client_secret", secret)];
//!         let token: Value = http.post(token_url).form(&form).send().await.unwrap().json().await.unwrap();
//!         let token = token["access_token"].as_str().expect("a token").to_owned();
//!         PartSync { http, graphql: graphql.to_owned(), token }
//!     }
//!
//!     /// Sends one operation; returns the HTTP status and the body.
//!     async fn send(&self, operation: &str, query: &str, variables: Value) -> (u16, Value) {
//!         let body = json!({"operationName": operation, "query": query, "variables": variables});
//!         let response = self.http.post(&self.graphql).bearer_auth(&self.token)
//!             .json(&body).send().await.expect("ION answers");
//!         (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
//!     }
//! }
//!
//! const CREATE: &str = "mutation CreatePart($input: CreatePartInput!) {
//!     createPart(input: $input) { part { id partNumber } } }";
//! const LIST: &str = "query ListParts($n: String!) {
//!     parts(filters: {partNumber: {eq: $n}}) { edges { node { id } } } }";
//! const PURGE: &str = "mutation DeleteOld($etag: String!) { deletePart(etag: $etag, id: 1) { id } }";
//!
//! let server = MockServer::start().await;
//! let double = IonDouble::builder().mount(&server).await.expect("the built-in files load");
//! // ION throttles one operation: an ordinary wiremock mock, tried before the double.
//! Mock::given(method("POST"))
//!     .and(path("/graphql"))
//!     .and(body_partial_json(json!({"operationName": "DeleteOld"})))
//!     .respond_with(ResponseTemplate::new(429).set_body_json(json!({"errors": [{"message": "Too Many Requests"}]})))
//!     .expect(1)
//!     .mount(&server)
//!     .await;
//! double.expect(Operation::named("CreatePart").times(1));
//! double.expect(Operation::named("ListParts").times(1..));
//!
//! let key = double.credentials(Role::Editor);
//! let sync = PartSync::connect(&double.token_url(), &double.graphql_url(),
//!                              &key.client_id, key.client_secret.expose()).await;
//! let (status, created) = sync.send("CreatePart", CREATE, json!({"input": {"partNumber": "PN-NEW-1"}})).await;
//! let id = &created["data"]["createPart"]["part"]["id"];
//! assert!(status == 200 && id.is_number(), "{created}");
//! let (_, listed) = sync.send("ListParts", LIST, json!({"n": "PN-NEW-1"})).await;
//! assert_eq!(&listed["data"]["parts"]["edges"][0]["node"]["id"], id, "the double's store kept the part");
//! assert_eq!(sync.send("DeleteOld", PURGE, json!({"etag": "x"})).await.0, 429);
//!
//! let log = double.received_requests();
//! let operations: Vec<_> = log.iter().map(|r| (r.path.as_str(), r.operation_name(), r.status)).collect();
//! assert_eq!(operations, [
//!     ("/realms/api-keys/protocol/openid-connect/token", None, 200),
//!     ("/graphql", Some("CreatePart"), 200),
//!     ("/graphql", Some("ListParts"), 200),
//! ]);
//! double.verify().expect("CreatePart once, ListParts at least once");
//! # }
//! # #[cfg(not(feature = "wiremock"))] fn main() {}
//! ```
//!
//!
//! # Secrets
//!
//! No output (terminal, snapshot, report, pulled SDL, error message, a [`Secret`]'s `Debug`)
//! carries a secret: tokens, client secrets and `Authorization` headers are redacted
//! wherever a request or response is shown, and every text that leaves the process goes
//! through one scrubbing path that finds them raw, URL-encoded, JSON-escaped or in base64.

#![forbid(unsafe_code)]

use std::process::ExitCode;

pub use double::{
    Credentials, DataShape, DoubleError, EnvironmentSpec, FaultKind, FaultRule, GraphqlCall,
    IonDouble, IonDoubleBuilder, MAX_RECEIVED, Operation, ReceivedRequest, RetryAfter, Role,
    SchemaRejected, ThrottleSpec, Times, VerificationFailed, WebhookRetry,
};
#[cfg(feature = "wiremock")]
pub use double::{DOUBLE_PRIORITY, DoubleResponder};
pub use secret::Secret;

/// Runs the project's suites as libtest trials: the body of a `harness = false` test target
/// (see the crate docs). Reads libtest's arguments from the command line and the options
/// from the environment (`ION_TARGET`, `ION_TEST_THREADS`, ...) as `ion-contract run` does,
/// and returns libtest's exit code (0 when every trial passed, 101 otherwise; 2 for invalid
/// options).
pub fn run_suites() -> ExitCode {
    runner::main_from_env()
}

#[doc(hidden)]
pub mod auth;
#[doc(hidden)]
pub mod builtin;
#[doc(hidden)]
pub mod check;
#[doc(hidden)]
pub mod cli;
#[doc(hidden)]
pub mod client;
#[doc(hidden)]
pub mod closed_stdout;
#[doc(hidden)]
pub mod data_pull;
#[doc(hidden)]
pub mod diagnostic;
#[doc(hidden)]
pub mod double;
#[doc(hidden)]
pub mod drift;
#[doc(hidden)]
pub mod execute;
#[doc(hidden)]
pub mod exit;
#[doc(hidden)]
pub mod init;
#[doc(hidden)]
pub mod ion;
mod load_check;
#[doc(hidden)]
pub mod lock;
#[doc(hidden)]
pub mod outcome;
#[doc(hidden)]
pub mod phase_time;
#[doc(hidden)]
pub mod preflight;
#[doc(hidden)]
pub mod profile;
#[doc(hidden)]
pub mod progress;
#[doc(hidden)]
pub mod project;
#[doc(hidden)]
pub mod reach;
#[doc(hidden)]
pub mod record;
#[doc(hidden)]
pub mod redact;
#[doc(hidden)]
pub mod report;
#[doc(hidden)]
pub mod run_id;
#[doc(hidden)]
pub mod runner;
#[doc(hidden)]
pub mod scrub;
#[doc(hidden)]
pub mod secret;
#[doc(hidden)]
pub mod seeding;
#[doc(hidden)]
pub mod smoke;
#[doc(hidden)]
pub mod snapshot;
#[doc(hidden)]
pub mod suite;
#[doc(hidden)]
pub mod sweep;
#[doc(hidden)]
pub mod targets;
#[cfg(test)]
mod testing;
mod text_cache;
#[doc(hidden)]
pub mod transport;
#[doc(hidden)]
pub mod user_file;
#[doc(hidden)]
pub mod webhook;
mod yaml;
