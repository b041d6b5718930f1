//! GraphQL over HTTP: sends one operation and returns the raw response.
//!
//! The client never asserts: it returns status, headers and body as they came, so checks can
//! look at 401s, 429s and GraphQL errors alike. Around each request it
//!
//! - **paces**: waits for the target's [`Pacer`] (at most `max_rps` requests per second,
//!   shared by every trial of the process), when it has one, and for its [`Gate`]: after a
//!   429 with `Retry-After`, no request to the target leaves before the advertised time;
//! - **retries** as [`RetryPolicy`] says: a 429 after `Retry-After` or a jittered backoff, a
//!   5xx only for queries; never a mutation that may have been applied;
//! - **renews** the token once when a 401 says it expired.
//!
//! Redirects: a token request never follows one out of its origin (nor from `https` to
//! `http`), so a client secret reaches only the configured auth server; GraphQL requests
//! follow up to [`MAX_REDIRECTS`], without `Authorization` across origins (`redirect.rs`).
//!
//! The response tells how it went: attempts, throttled answers, time waited.

mod double;
mod pacing;
pub mod pages;
mod redirect;
mod retry;

use std::sync::Arc;
use std::time::{Duration, Instant};

pub use crate::transport::{EXTRA_ROOTS_ENV, TransportKind};
pub use double::{DoubleClients, demo_credentials};
pub use pacing::{DEFAULT_MAX_RPS, Gate, MAX_RPS_CEILING, Pacer};
pub use redirect::MAX_REDIRECTS;
pub use reqwest::header::RETRY_AFTER;
pub use retry::{RetryPolicy, Verdict, retry_after};

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap};
use serde_json::{Map, Value, json};

use crate::auth::{AuthClass, AuthError, TokenKnowledge, TokenSource};
use crate::secret::Secret;
use crate::transport::TransportError;
use crate::user_file::{self, Limit};

/// Why a request produced no HTTP response at all.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The HTTP client could not be built (TLS set-up).
    #[error("could not build the HTTP client: {0}")]
    Build(#[source] reqwest::Error),
    /// `SSL_CERT_FILE` names a file that holds no usable PEM certificates.
    #[error(
        "cannot use the certificates in {file} (from SSL_CERT_FILE): {reason}\nhelp: point SSL_CERT_FILE at a PEM file (e.g. the one `ion-contract serve --tls` prints), or unset it"
    )]
    Roots {
        /// The file.
        file: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Connecting, sending or reading failed; the message names the URL (never a credential).
    #[error("request to {url} failed: {reason}")]
    Transport {
        /// The endpoint.
        url: String,
        /// What went wrong (timeout, connection refused, ...).
        reason: String,
        /// Which of the transport failures it was.
        kind: TransportKind,
        /// Attempts sent, the failing one included (queries are retried after a transport
        /// failure, mutations never).
        attempts: u32,
    },
    /// No token could be had for the request.
    #[error("no access token: {0}")]
    Auth(Arc<AuthError>),
}

impl From<TransportError> for ClientError {
    /// A transport failure of one attempt.
    fn from(error: TransportError) -> Self {
        ClientError::Transport {
            url: error.url,
            reason: error.reason,
            kind: error.kind,
            attempts: 1,
        }
    }
}

/// One GraphQL request body.
#[derive(Debug, Clone, Copy)]
pub struct GraphqlRequest<'a> {
    /// The document (`query`).
    pub query: &'a str,
    /// `operationName`, when the document names the operation to run.
    pub operation_name: Option<&'a str>,
    /// `variables`.
    pub variables: &'a Map<String, Value>,
    /// A query, safe to send again after a 5xx; `false` for a mutation.
    pub idempotent: bool,
    /// Whether to retry at all (`retry: false` on a step observes raw 429s).
    pub retry: bool,
}

/// A response exactly as received.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// HTTP status code.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// Body bytes.
    pub body: Vec<u8>,
    /// Time from sending the last attempt to the end of its body.
    pub elapsed: Duration,
    /// How the request went: attempts, throttling, waits.
    pub delivery: Delivery,
}

/// How a request was delivered: what the pacing and retries did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Attempts sent (1 when the first answer was kept).
    pub attempts: u32,
    /// Answers that were 429.
    pub throttled: u32,
    /// Time spent waiting before retries.
    pub waited: Duration,
    /// Time spent waiting for the target's pace.
    pub paced: Duration,
    /// A wait the server asked for that was longer than the cap, so the 429 was kept.
    pub refused_wait: Option<Duration>,
}

impl RawResponse {
    /// The body as JSON, or `None` when it is not JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The response's `data`, or why there is none to use: not HTTP 200, or GraphQL errors
    /// (`HTTP 200: <their messages>`).
    pub fn data(&self) -> Result<Value, String> {
        let body = self.json().unwrap_or(Value::Null);
        let messages: Vec<&str> = body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|e| e["message"].as_str())
                    .collect()
            })
            .unwrap_or_default();
        if self.status != 200 || !messages.is_empty() {
            let why = match messages.is_empty() {
                true => "no GraphQL errors".to_owned(),
                false => messages.join("; "),
            };
            return Err(format!("HTTP {}: {why}", self.status));
        }
        Ok(body.get("data").cloned().unwrap_or(Value::Null))
    }

    /// The body as text (lossy), for messages.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Why ION refused the request, when it did (see [`crate::auth::classify`]).
    pub fn auth_class(&self, token: TokenKnowledge) -> Option<AuthClass> {
        self.auth_class_of(self.json().as_ref(), token)
    }

    /// [`RawResponse::auth_class`], given the body already parsed (`None`: not JSON).
    pub fn auth_class_of(&self, body: Option<&Value>, token: TokenKnowledge) -> Option<AuthClass> {
        // Only a 401 without GraphQL messages is judged by its text.
        let text = match self.status {
            401 => self.text(),
            _ => String::new(),
        };
        crate::auth::classify(self.status, body.unwrap_or(&Value::Null), &text, token)
    }
}

/// Builds the shared HTTP client: one per process, shared by every trial. It trusts the
/// system's roots plus the certificates in `SSL_CERT_FILE`, when set, and follows redirects
/// as the module docs say: never a token request's out of its origin.
pub fn http_client() -> Result<reqwest::Client, ClientError> {
    http_client_builder()?.build().map_err(ClientError::Build)
}

/// [`http_client`], keeping no idle connection to reuse: safe to share between async
/// runtimes (a connection lives on the runtime that opened it, and a pooled one could have
/// its next user wait on a runtime that nobody drives). For a run on the embedded double,
/// whose trials each drive a runtime of their own thread.
pub fn http_client_without_reuse() -> Result<reqwest::Client, ClientError> {
    http_client_builder()?
        .pool_max_idle_per_host(0)
        .build()
        .map_err(ClientError::Build)
}

fn http_client_builder() -> Result<reqwest::ClientBuilder, ClientError> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .redirect(redirect::policy())
        .user_agent(concat!("ion-contract/", env!("CARGO_PKG_VERSION")));
    if let Some(file) = std::env::var_os(EXTRA_ROOTS_ENV).filter(|f| !f.is_empty()) {
        let unusable = |reason: String| ClientError::Roots {
            file: file.to_string_lossy().into_owned(),
            reason,
        };
        let pem = user_file::read_bytes(std::path::Path::new(&file), Limit::File)
            .map_err(|e| unusable(format!("{e} ({})", e.help())))?;
        let roots =
            reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| unusable(e.to_string()))?;
        builder = builder.tls_certs_merge(roots);
    }
    Ok(builder)
}

/// Sends GraphQL operations to one endpoint, authorised by one token source.
#[derive(Debug, Clone)]
pub struct GraphqlClient {
    http: reqwest::Client,
    endpoint: String,
    tokens: Option<Arc<TokenSource>>,
    pacer: Option<Arc<Pacer>>,
    gate: Arc<Gate>,
    retry: RetryPolicy,
    /// How long one attempt may take; `None`: the HTTP client's own limit.
    request_timeout: Option<Duration>,
}

impl GraphqlClient {
    /// A client for `endpoint` (the full `/graphql` URL), sending `Authorization: Bearer
    /// <token>` with tokens from `tokens` (none when it is `None`).
    pub fn new(
        http: reqwest::Client,
        endpoint: impl Into<String>,
        tokens: Option<Arc<TokenSource>>,
    ) -> Self {
        Self {
            http,
            endpoint: endpoint.into(),
            tokens,
            pacer: None,
            gate: Arc::default(),
            retry: RetryPolicy::default(),
            request_timeout: None,
        }
    }

    /// The same client, giving each attempt at most `timeout` (connecting included).
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// The same client, paced by `pacer` (shared with every other client of the target).
    pub fn with_pacer(mut self, pacer: Arc<Pacer>) -> Self {
        self.pacer = Some(pacer);
        self
    }

    /// The same client, retrying as `policy` says.
    pub fn with_retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// A client for the same endpoint whose requests carry `tokens` (none when `None`).
    pub fn with_tokens(&self, tokens: Option<Arc<TokenSource>>) -> Self {
        Self {
            tokens,
            ..self.clone()
        }
    }

    /// The HTTP client it sends with (shared by every client of the process).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The token source its requests are authorised by, if any.
    pub fn tokens(&self) -> Option<&Arc<TokenSource>> {
        self.tokens.as_ref()
    }

    /// The endpoint this client posts to.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Sends one anonymous operation of the harness's own (seeding, sweeping, paging,
    /// registering receivers), retried as usual; its `data`, or ION's messages
    /// ([`RawResponse::data`]) or the transport's failure.
    pub async fn data(
        &self,
        query: &str,
        variables: &Map<String, Value>,
        idempotent: bool,
    ) -> Result<Value, String> {
        let request = GraphqlRequest {
            query,
            operation_name: None,
            variables,
            idempotent,
            retry: true,
        };
        let response = self.send(request).await.map_err(|e| e.to_string())?;
        response.data()
    }

    /// POSTs the operation as JSON, paced and retried (see the module docs), and returns the
    /// last response as it came, with how it was delivered.
    pub async fn send(&self, request: GraphqlRequest<'_>) -> Result<RawResponse, ClientError> {
        let policy = if request.retry {
            self.retry
        } else {
            RetryPolicy::OFF
        };
        let mut delivery = Delivery::default();
        loop {
            delivery.waited += self.gate.open().await;
            if let Some(pacer) = &self.pacer {
                delivery.paced += pacer.ready().await;
            }
            delivery.attempts += 1;
            let mut response = match self.send_once(request).await {
                Ok(response) => response,
                Err(ClientError::Transport {
                    url, reason, kind, ..
                }) => {
                    let verdict =
                        policy.after_transport_failure(delivery.attempts, request.idempotent);
                    if let Verdict::Backoff(wait) = verdict {
                        tokio::time::sleep(wait).await;
                        delivery.waited += wait;
                        continue;
                    }
                    return Err(ClientError::Transport {
                        url,
                        reason,
                        kind,
                        attempts: delivery.attempts,
                    });
                }
                Err(other) => return Err(other),
            };
            if response.status == 429 {
                delivery.throttled += 1;
            }
            let verdict = policy.verdict(
                delivery.attempts,
                response.status,
                &response.headers,
                request.idempotent,
            );
            match verdict {
                // The gate does the waiting, for every request to the target.
                Verdict::Advertised(wait) => self.gate.hold_until(Instant::now() + wait),
                Verdict::Backoff(wait) => {
                    tokio::time::sleep(wait).await;
                    delivery.waited += wait;
                }
                Verdict::Done | Verdict::TooLong(_) => {
                    if let Verdict::TooLong(wait) = verdict {
                        delivery.refused_wait = Some(wait);
                    }
                    response.delivery = delivery;
                    return Ok(response);
                }
            }
        }
    }

    /// One attempt: a 401 saying the token expired is sent once more with a renewed token.
    async fn send_once(&self, request: GraphqlRequest<'_>) -> Result<RawResponse, ClientError> {
        let Some(tokens) = &self.tokens else {
            return self.post(request, None).await;
        };
        let token = tokens.token().await.map_err(ClientError::Auth)?;
        let response = self.post(request, Some(&token)).await?;
        if response.auth_class(TokenKnowledge::default()) != Some(AuthClass::Expired) {
            return Ok(response);
        }
        match tokens.renew(&token).await {
            None => Ok(response),
            Some(renewed) => {
                let renewed = renewed.map_err(ClientError::Auth)?;
                self.post(request, Some(&renewed)).await
            }
        }
    }

    async fn post(
        &self,
        request: GraphqlRequest<'_>,
        token: Option<&Secret>,
    ) -> Result<RawResponse, ClientError> {
        let mut body = json!({ "query": request.query, "variables": request.variables });
        if let Some(name) = request.operation_name {
            body["operationName"] = Value::String(name.to_string());
        }
        let mut builder = self
            .http
            .post(&self.endpoint)
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string());
        if let Some(token) = token {
            builder = builder.header(AUTHORIZATION, format!("Bearer {}", token.expose()));
        }
        if let Some(timeout) = self.request_timeout {
            builder = builder.timeout(timeout);
        }
        let started = Instant::now();
        let response = builder.send().await.map_err(|e| self.transport(e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(|e| self.transport(e))?;
        Ok(RawResponse {
            status,
            headers,
            body: body.to_vec(),
            elapsed: started.elapsed(),
            delivery: Delivery::default(),
        })
    }

    fn transport(&self, error: reqwest::Error) -> ClientError {
        ClientError::from(crate::transport::transport_error(&self.endpoint, error))
    }
}
