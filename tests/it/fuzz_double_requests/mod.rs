//! Fuzzing the double's request handling: arbitrary methods, paths, headers and bodies sent
//! to `POST /graphql` and the token paths of a double served in process (the hyper server
//! of `ion-contract serve`, on loopback ports of its own). Whatever arrives, the double
//! answers, in time, a well-formed HTTP response with a JSON body of the right shape for
//! its path (a GraphQL response or ION's `errors`, a token or Keycloak's OAuth error), and
//! never a 5xx or a dropped connection (which is what a panic in a handler looks like).
//!
//! Inputs (see `requests.rs`) are built from the operations in
//! `suites/documents/` and `tests/fuzz/corpus/double_requests/`, mutated, with random
//! variables; valid tokens with garbage bodies; batches; deeply nested JSON and GraphQL;
//! huge bodies; token forms; random and invalid UTF-8 bytes. The seed is fixed, so every
//! run tries the same inputs; the store is reset every 500 requests. `ION_FUZZ_CASES`
//! raises the default 1,000 cases (see docs/dev/fuzzing.md for the long runs).

mod requests;

use crate::common::fuzz::{self, Watchdog, preview};
use crate::common::{double_data, manifest_dir};

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use ion_contract::double::serve::{ServeOptions, Server};
use ion_contract::double::{EnvironmentSpec, Role, key_for};
use proptest::test_runner::{TestCaseError, TestError};
use reqwest::header::{HeaderName, HeaderValue};
use serde_json::Value;

use requests::{Authorization, Path, Request};

const TOKEN_PATH: &str = "/realms/api-keys/protocol/openid-connect/token";
const LEGACY_TOKEN_PATH: &str = "/auth/realms/api-keys/protocol/openid-connect/token";

/// The double under test and a client for it.
struct Target {
    url: String,
    credentials: (String, String),
    http: reqwest::Client,
    token: Mutex<(String, Instant)>,
    sent: AtomicU64,
    /// How many answers of each status each path got: what the inputs reached.
    outcomes: Mutex<BTreeMap<(&'static str, u16), u64>>,
}

impl Target {
    async fn start() -> (Server, Target) {
        let server = Server::bind(double_data(), &ServeOptions::default())
            .await
            .expect("the double binds loopback ports");
        let environment = &server.environments()[0];
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("a client");
        let target = Target {
            url: environment.url.clone(),
            credentials: key_for(&environment.spec, Role::Admin),
            http,
            token: Mutex::new((String::new(), Instant::now())),
            sent: AtomicU64::new(0),
            outcomes: Mutex::default(),
        };
        let token = target.fresh_token().await;
        *target.token.lock().expect("token") = (token, Instant::now());
        (server, target)
    }

    async fn fresh_token(&self) -> String {
        let (id, secret) = &self.credentials;
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
        ];
        let response = self
            .http
            .post(format!("{}{TOKEN_PATH}", self.url))
            .form(&form)
            .send()
            .await;
        let body: Value = response
            .expect("a token")
            .json()
            .await
            .expect("a token body");
        body["access_token"]
            .as_str()
            .expect("an access token")
            .to_owned()
    }

    /// A valid token, renewed every minute (they last longer), and a fresh store every
    /// 500 requests so that creates do not pile up.
    async fn before_each(&self) -> String {
        if self.sent.fetch_add(1, Ordering::Relaxed) % 500 == 499 {
            let reset = self
                .http
                .post(format!("{}/__double/reset", self.url))
                .body("{}")
                .send()
                .await;
            assert_eq!(reset.expect("reset answers").status(), 200);
        }
        let stale = self.token.lock().expect("token").1.elapsed() > Duration::from_secs(60);
        if stale {
            let token = self.fresh_token().await;
            *self.token.lock().expect("token") = (token, Instant::now());
        }
        self.token.lock().expect("token").0.clone()
    }

    /// Sends `request` and checks the answer.
    async fn check(&self, request: &Request, body: Vec<u8>) -> Result<(), TestCaseError> {
        let token = self.before_each().await;
        let path = match &request.path {
            Path::Graphql => "/graphql",
            Path::Token => TOKEN_PATH,
            Path::LegacyToken => LEGACY_TOKEN_PATH,
            Path::Other(path) => path,
        };
        let method = reqwest::Method::from_bytes(request.method.as_bytes()).expect("a method");
        let mut builder = self
            .http
            .request(method, format!("{}{path}", self.url))
            .body(body);
        let authorization = match &request.authorization {
            Authorization::None => None,
            Authorization::Valid => Some(format!("Bearer {token}").into_bytes()),
            Authorization::ValidWith { scheme, suffix } => {
                Some([scheme.as_bytes(), token.as_bytes(), suffix].concat())
            }
            Authorization::BasicValid => {
                let (id, secret) = &self.credentials;
                let encoded =
                    base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
                Some(format!("Basic {encoded}").into_bytes())
            }
            Authorization::Raw(bytes) => Some(bytes.clone()),
        };
        let headers = request.headers.iter().map(|(n, v)| (*n, v.clone()));
        for (name, value) in authorization
            .map(|a| ("authorization", a))
            .into_iter()
            .chain(headers)
        {
            builder = builder.header(HeaderName::from_static(name), header_value(&value));
        }
        let response = builder.send().await.map_err(|e| {
            TestCaseError::fail(format!("no answer (a panic drops the connection): {e}"))
        })?;
        let status = response.status().as_u16();
        let kind = match request.path {
            Path::Graphql => "graphql",
            Path::Token | Path::LegacyToken => "token",
            Path::Other(_) => "other",
        };
        *self
            .outcomes
            .lock()
            .expect("outcomes")
            .entry((kind, status))
            .or_default() += 1;
        let content_type = response.headers().get("content-type").cloned();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| TestCaseError::fail(format!("a broken body: {e}")))?;
        let body: Value = serde_json::from_slice(&bytes).map_err(|e| {
            TestCaseError::fail(format!(
                "status {status}, a body that is not JSON ({e}): {}",
                preview(&bytes)
            ))
        })?;
        if status >= 500 {
            return Err(TestCaseError::fail(format!("status {status}: {body}")));
        }
        if content_type.as_ref().and_then(|v| v.to_str().ok()) != Some("application/json") {
            return Err(TestCaseError::fail(format!(
                "content type {content_type:?}"
            )));
        }
        let known_path = !matches!(request.path, Path::Other(_));
        let allowed = request.method == "POST";
        match (&request.path, status) {
            (_, 404 | 405 | 413) if !known_path || !allowed || status == 413 => Ok(()),
            (Path::Graphql, 200) => graphql_response(&body),
            (Path::Graphql, 400 | 401) => errors(&body),
            (Path::Token | Path::LegacyToken, 200) => match body["access_token"].as_str() {
                Some(token) if token.split('.').count() == 3 => Ok(()),
                _ => Err(TestCaseError::fail(format!(
                    "a 200 without a token: {body}"
                ))),
            },
            (Path::Token | Path::LegacyToken, 400 | 401) if body["error"].is_string() => Ok(()),
            _ => Err(TestCaseError::fail(format!(
                "{} {path}: unexpected {status} {body}",
                request.method
            ))),
        }
    }
}

/// A header value of the bytes HTTP allows (control characters become `?`).
fn header_value(bytes: &[u8]) -> HeaderValue {
    let clean: Vec<u8> = bytes
        .iter()
        .map(|&b| {
            if (b < 0x20 && b != b'\t') || b == 0x7f {
                b'?'
            } else {
                b
            }
        })
        .collect();
    HeaderValue::from_bytes(&clean).expect("a valid header value")
}

/// A GraphQL response (or a batch of them): `data` and/or a list of `errors` with messages.
fn graphql_response(body: &Value) -> Result<(), TestCaseError> {
    match body {
        Value::Array(batch) => batch.iter().try_for_each(graphql_response),
        Value::Object(map) if map.contains_key("data") || map.contains_key("errors") => {
            if map.contains_key("errors") {
                errors(body)?;
            }
            Ok(())
        }
        _ => Err(TestCaseError::fail(format!(
            "not a GraphQL response: {body}"
        ))),
    }
}

/// ION's error shape: a non-empty `errors` list, each with a message.
fn errors(body: &Value) -> Result<(), TestCaseError> {
    let list = body["errors"].as_array().filter(|l| !l.is_empty());
    let list = list.ok_or_else(|| TestCaseError::fail(format!("no errors list: {body}")))?;
    if list.iter().all(|e| e["message"].is_string()) {
        Ok(())
    } else {
        Err(TestCaseError::fail(format!(
            "an error without a message: {body}"
        )))
    }
}

#[test]
fn the_double_answers_every_request_with_well_formed_json() {
    let cases = fuzz::cases(1000);
    let keep = |p: &std::path::Path| p.extension().is_some_and(|e| e == "graphql");
    let mut operations = fuzz::files_under(&manifest_dir().join("suites/documents"), &keep);
    operations.extend(fuzz::files_under(
        &manifest_dir().join("tests/fuzz/corpus/double_requests"),
        &keep,
    ));
    let bodies = fuzz::files_under(
        &manifest_dir().join("tests/fuzz/corpus/double_requests"),
        &|p| !keep(p),
    );
    let (id, secret) = key_for(&EnvironmentSpec::sandbox(), Role::Admin);
    let valid_form = format!("grant_type=client_credentials&client_id={id}&client_secret={secret}");
    let strategy = requests::request(Arc::new(operations), Arc::new(bodies), valid_form);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let (_server, target) = runtime.block_on(Target::start());
    let watchdog = Watchdog::start("fuzz_double_requests", Duration::from_secs(60));
    let result = fuzz::runner(cases, 0xD0B1_E5EE).run(&strategy, |request| {
        let body = request.body.render();
        watchdog.watch(&body, || {
            runtime.block_on(target.check(&request, body.clone()))
        })
    });
    eprintln!(
        "fuzz_double_requests: {} executions ({cases} cases); answers by path and status: {:?}",
        watchdog.executions(),
        target.outcomes.lock().expect("outcomes")
    );
    if let Err(TestError::Fail(reason, request)) = result {
        let body = request.body.render();
        let saved = fuzz::save_failure("fuzz_double_requests", &body);
        panic!(
            "{reason}\nthe smallest failing request: {} {:?} {:?} {:?}\nits body (saved in {}):\n{}",
            request.method,
            request.path,
            request.authorization,
            request.headers,
            saved.display(),
            preview(&body)
        );
    }
}
