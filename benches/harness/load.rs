//! The double under load: `{ me { id } }` with a valid token from several concurrent
//! keep-alive connections for a fixed time, against the embedded double (in this process, on
//! a thread of its own) or against `ion-contract serve` (its own process). Every answer is
//! checked, so a run that measured errors fails. Beside it, on `serve`, the issue's pair:
//! `query Me { me { id name email } }` against a `GET /__double/requests` (an answer that does
//! no GraphQL work), whose ratio says what GraphQL costs per request.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ion_contract::auth::{ClientCredentials, client_credentials_token};
use ion_contract::client::demo_credentials;
use ion_contract::double::{DoubleData, IonDouble};
use ion_contract::secret::Secret;

/// The query every request sends, and the answer it must get.
const QUERY: &str = r#"{"query":"{ me { id } }"}"#;
const ANSWER: &[u8] = br#"{"data":{"me":{"id":1}}}"#;

/// What each request of a load run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// `{ me { id } }`, its answer checked byte for byte.
    MeId,
    /// `query Me { me { id name email } }`, its answer checked to hold `me`'s email.
    MeNamed,
    /// `GET /__double/requests`, no GraphQL work: the ceiling of the server.
    AdminCounters,
}

impl Request {
    /// Sends one request of this kind and checks its answer.
    async fn send(self, http: &reqwest::Client, base: &str, bearer: &str) {
        let response = match self {
            Request::AdminCounters => http.get(format!("{base}/__double/requests")),
            Request::MeId | Request::MeNamed => http
                .post(format!("{base}/graphql"))
                .header("authorization", bearer)
                .header("content-type", "application/json")
                .body(match self {
                    Request::MeNamed => r#"{"query":"query Me { me { id name email } }"}"#,
                    _ => QUERY,
                }),
        }
        .send()
        .await
        .expect("the double answers");
        assert_eq!(response.status(), 200);
        let body = response.bytes().await.expect("a body");
        match self {
            Request::MeId => assert_eq!(body.as_ref(), ANSWER, "an unexpected answer"),
            Request::MeNamed => {
                let answer: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
                assert!(answer["data"]["me"]["email"].is_string(), "{answer}");
            }
            Request::AdminCounters => {
                let answer: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
                assert!(answer["total"].is_number(), "{answer}");
            }
        }
    }
}

/// What one load run measured.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    /// Answered requests per second.
    pub req_per_s: f64,
    /// Median latency, milliseconds.
    pub p50_ms: f64,
    /// 99th-percentile latency, milliseconds.
    pub p99_ms: f64,
}

/// Where the load goes: a base URL (API and auth) and the API key to get a token with.
pub struct Endpoint {
    /// The API's (and auth server's) base URL.
    pub url: String,
    /// The API key.
    pub credentials: ClientCredentials,
}

/// Drives `endpoint` with `request`s from `connections` keep-alive connections for
/// `duration`.
pub fn drive(
    runtime: &tokio::runtime::Runtime,
    endpoint: &Endpoint,
    request: Request,
    connections: usize,
    duration: Duration,
) -> Load {
    runtime.block_on(async {
        let http = reqwest::Client::new();
        let token = client_credentials_token(&http, &endpoint.url, &endpoint.credentials)
            .await
            .expect("the double grants a token")
            .access_token;
        let bearer = Arc::new(format!("Bearer {}", token.expose()));
        let base = Arc::new(endpoint.url.clone());
        let deadline = Instant::now() + duration;
        let started = Instant::now();
        let tasks: Vec<_> = (0..connections)
            .map(|_| {
                let http = reqwest::Client::builder()
                    .pool_max_idle_per_host(1)
                    .build()
                    .expect("a reqwest client");
                let (bearer, base) = (Arc::clone(&bearer), Arc::clone(&base));
                tokio::spawn(async move {
                    let mut latencies_us = Vec::with_capacity(64 * 1024);
                    while Instant::now() < deadline {
                        let sent = Instant::now();
                        request.send(&http, &base, &bearer).await;
                        latencies_us.push(sent.elapsed().as_micros() as u64);
                    }
                    latencies_us
                })
            })
            .collect();
        let mut latencies = Vec::new();
        for task in tasks {
            latencies.extend(task.await.expect("a load task finishes"));
        }
        let elapsed = started.elapsed().as_secs_f64();
        latencies.sort_unstable();
        let at = |q: f64| {
            let i = ((latencies.len() as f64 * q).ceil() as usize).clamp(1, latencies.len());
            latencies[i - 1] as f64 / 1000.0
        };
        Load {
            req_per_s: latencies.len() as f64 / elapsed,
            p50_ms: at(0.50),
            p99_ms: at(0.99),
        }
    })
}

/// An embedded double (on its own thread), started on `runtime`.
pub fn embedded(
    runtime: &tokio::runtime::Runtime,
    data: &Arc<DoubleData>,
) -> (IonDouble, Endpoint) {
    let double = runtime.block_on(IonDouble::start(Arc::clone(data)));
    let endpoint = Endpoint {
        url: double.api_url(),
        credentials: demo_credentials(),
    };
    (double, endpoint)
}

/// A running `ion-contract serve`; killed on drop.
pub struct Serve {
    child: Child,
    /// The `ION_SANDBOX_...` variables it printed (URLs and the sandbox's API keys).
    pub sandbox_env: Vec<(String, String)>,
}

impl Serve {
    /// The serve process's id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `ion-contract serve --port 0` and returns its sandbox.
pub fn serve() -> (Serve, Endpoint) {
    let child = Command::new(env!("CARGO_BIN_EXE_ion-contract"))
        .args(["serve", "--port", "0"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("ion-contract serve starts");
    let mut serve = Serve {
        child,
        sandbox_env: Vec::new(),
    };
    let stdout = serve.child.stdout.take().expect("serve's stdout is piped");
    let mut vars = std::collections::HashMap::new();
    // Read the whole banner (up to its last line) before dropping the pipe.
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("serve prints text");
        if line.starts_with("# Stop") {
            break;
        }
        for pair in line
            .strip_prefix("export ")
            .unwrap_or("")
            .split_whitespace()
        {
            if let Some((name, value)) = pair.split_once('=') {
                vars.insert(name.to_owned(), value.to_owned());
            }
        }
    }
    let var = |name: &str| {
        vars.get(&format!("ION_SANDBOX_{name}"))
            .cloned()
            .unwrap_or_else(|| panic!("serve's banner names ION_SANDBOX_{name}"))
    };
    let endpoint = Endpoint {
        url: var("API_URL"),
        credentials: ClientCredentials {
            client_id: var("CLIENT_ID"),
            client_secret: Secret::new(var("CLIENT_SECRET")),
        },
    };
    serve.sandbox_env = vars
        .into_iter()
        .filter(|(name, _)| name.starts_with("ION_SANDBOX_"))
        .collect();
    (serve, endpoint)
}
