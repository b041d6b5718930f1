//! `ion-contract serve` as a client in another language sees it: the built binary in its own
//! process, its `export` lines parsed, and every check over real HTTP(S). Each test starts
//! its own server on free loopback ports (`--port 0`) and kills it when done, even when the
//! test fails.

use crate::common;
mod data;
mod keycloak;
mod rate_limit;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const TOKEN_PATH: &str = "/realms/api-keys/protocol/openid-connect/token";

/// One environment's variables, from its `export` line.
#[derive(Debug, Clone)]
struct Env {
    api_url: String,
    auth_url: String,
    client_id: String,
    client_secret: String,
}

/// A child process, killed on drop so that a failing test never leaks one.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A running `serve`.
struct Served {
    process: Process,
    sandbox: Env,
    production: Env,
    comments: Vec<String>,
}

fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ion-contract"));
    command
        .arg("serve")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

impl Served {
    /// Starts `serve --port 0 ARGS` and reads its output up to the last comment line.
    fn start(args: &[&str]) -> Served {
        let child = command(&["--port", "0"])
            .args(args)
            .spawn()
            .expect("the binary starts");
        let mut served = Served {
            process: Process(child),
            sandbox: Env::empty(),
            production: Env::empty(),
            comments: Vec::new(),
        };
        let stdout = served.process.0.stdout.take().expect("piped stdout");
        let mut exports = BTreeMap::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("stdout is UTF-8");
            if let Some(pairs) = line.strip_prefix("export ") {
                for pair in pairs.split_whitespace() {
                    let (name, value) = pair.split_once('=').expect("NAME=value");
                    exports.insert(name.to_owned(), value.to_owned());
                }
                continue;
            }
            assert!(line.starts_with('#'), "not a comment: {line:?}");
            let last = line.starts_with("# Stop");
            served.comments.push(line);
            if last {
                served.sandbox = Env::from_exports(&exports, "SANDBOX");
                served.production = Env::from_exports(&exports, "PROD");
                return served;
            }
        }
        let _ = served.process.0.kill();
        let mut stderr = String::new();
        if let Some(mut pipe) = served.process.0.stderr.take() {
            let _ = pipe.read_to_string(&mut stderr);
        }
        panic!("serve ended before printing its banner:\n{stderr}");
    }

    /// The value of the comment line `# <label>: <value>`.
    fn comment(&self, label: &str) -> &str {
        let prefix = format!("# {label}: ");
        self.comments
            .iter()
            .find_map(|line| line.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` line in {:#?}", self.comments))
    }
}

impl Env {
    fn empty() -> Env {
        Env {
            api_url: String::new(),
            auth_url: String::new(),
            client_id: String::new(),
            client_secret: String::new(),
        }
    }

    fn from_exports(exports: &BTreeMap<String, String>, prefix: &str) -> Env {
        let get = |name: &str| {
            exports
                .get(&format!("ION_{prefix}_{name}"))
                .unwrap_or_else(|| panic!("ION_{prefix}_{name} missing from {exports:?}"))
                .clone()
        };
        Env {
            api_url: get("API_URL"),
            auth_url: get("AUTH_URL"),
            client_id: get("CLIENT_ID"),
            client_secret: get("CLIENT_SECRET"),
        }
    }
}

/// Waits for the child to exit, or fails after `limit`.
fn wait(child: &mut Child, limit: Duration) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("the child can be waited on") {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "the process did not exit within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

async fn token_with(http: &reqwest::Client, env: &Env, id: &str, secret: &str) -> (u16, Value) {
    let response = http
        .post(format!("{}{TOKEN_PATH}", env.auth_url))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
        ])
        .send()
        .await
        .expect("serve answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn token(http: &reqwest::Client, env: &Env) -> String {
    let (status, body) = token_with(http, env, &env.client_id, &env.client_secret).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().expect("a token").to_owned()
}

async fn graphql(
    http: &reqwest::Client,
    env: &Env,
    token: &str,
    query: &str,
    variables: Value,
) -> (u16, Value) {
    let response = http
        .post(format!("{}/graphql", env.api_url))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("serve answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn admin(http: &reqwest::Client, env: &Env, method: reqwest::Method, path: &str) -> Value {
    let response = http
        .request(method, format!("{}/__double/{path}", env.api_url))
        .send()
        .await
        .expect("serve answers");
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.expect("JSON")
}

const ME: &str = "{ me { id } }";
const READ_PART: &str = "{ part(id: 5) { description _etag } }";
const UPDATE_PART: &str =
    "mutation($input: UpdatePartInput!) { updatePart(input: $input) { part { description } } }";

#[tokio::test]
async fn each_environment_grants_its_own_client_and_refuses_the_other_s_tokens() {
    let served = Served::start(&[]);
    let (sandbox, production) = (&served.sandbox, &served.production);
    assert_eq!(
        (sandbox.client_id.as_str(), production.client_id.as_str()),
        ("ion-contract-sandbox", "ion-contract-production")
    );
    assert_eq!(sandbox.api_url, sandbox.auth_url);
    assert_ne!(sandbox.api_url, production.api_url);
    assert!(sandbox.api_url.starts_with("http://127.0.0.1:"));
    let http = reqwest::Client::new();
    let sandbox_token = token(&http, sandbox).await;
    let production_token = token(&http, production).await;

    for (env, own, foreign) in [
        (sandbox, &sandbox_token, &production_token),
        (production, &production_token, &sandbox_token),
    ] {
        let (status, body) = graphql(&http, env, own, ME, json!({})).await;
        assert_eq!((status, &body["data"]["me"]["id"]), (200, &json!(1)));
        let (status, body) = graphql(&http, env, foreign, ME, json!({})).await;
        assert_eq!(
            (status, body),
            (
                401,
                json!({"errors": [{"message": "Unable to find appropriate RSA key"}]})
            )
        );
    }
    let (status, body) = token_with(
        &http,
        production,
        &sandbox.client_id,
        &sandbox.client_secret,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client")),
        "sandbox credentials do not work in production"
    );
}

#[tokio::test]
async fn environments_have_separate_stores_and_reset_restores_the_seed() {
    let served = Served::start(&[]);
    let (sandbox, production) = (&served.sandbox, &served.production);
    let http = reqwest::Client::new();
    let (t_sandbox, t_production) = (token(&http, sandbox).await, token(&http, production).await);
    let (_, seeded) = graphql(&http, sandbox, &t_sandbox, READ_PART, json!({})).await;
    let seeded = seeded["data"]["part"].clone();

    let input = json!({"input": {"id": 5, "etag": seeded["_etag"], "description": "sandbox only"}});
    let (status, body) = graphql(&http, sandbox, &t_sandbox, UPDATE_PART, input).await;
    assert_eq!(status, 200);
    assert_eq!(
        body["data"]["updatePart"]["part"]["description"],
        "sandbox only"
    );
    let (_, in_production) = graphql(&http, production, &t_production, READ_PART, json!({})).await;
    assert_eq!(
        in_production["data"]["part"], seeded,
        "production does not see it"
    );

    assert_eq!(
        admin(&http, sandbox, reqwest::Method::POST, "reset").await,
        json!({"reset": true})
    );
    let (status, after) = graphql(&http, sandbox, &t_sandbox, READ_PART, json!({})).await;
    assert_eq!(status, 200, "tokens survive a reset");
    assert_eq!(after["data"]["part"], seeded);
}

#[tokio::test]
async fn requests_are_counted_by_path_and_admin_requests_are_not() {
    let served = Served::start(&[]);
    let sandbox = &served.sandbox;
    let http = reqwest::Client::new();
    let token = token(&http, sandbox).await;
    graphql(&http, sandbox, &token, ME, json!({})).await;
    graphql(&http, sandbox, "garbled", ME, json!({})).await;
    let stray = http
        .get(format!("{}/v1/parts", sandbox.api_url))
        .send()
        .await
        .expect("serve answers");
    assert_eq!(stray.status().as_u16(), 404);
    admin(&http, sandbox, reqwest::Method::GET, "requests").await;

    let counts = admin(&http, sandbox, reqwest::Method::GET, "requests").await;
    assert_eq!(
        counts,
        json!({"total": 4, "paths": {"/graphql": 2, TOKEN_PATH: 1, "/v1/parts": 1}, "throttled": 0, "stopped": {}, "early": 0})
    );
    let other = admin(&http, &served.production, reqwest::Method::GET, "requests").await;
    assert_eq!(
        other,
        json!({"total": 0, "paths": {}, "throttled": 0, "stopped": {}, "early": 0})
    );
}

#[tokio::test]
async fn expire_tokens_expires_earlier_tokens_and_a_fresh_one_works() {
    let served = Served::start(&[]);
    let production = &served.production;
    let http = reqwest::Client::new();
    let old = token(&http, production).await;
    assert_eq!(
        admin(&http, production, reqwest::Method::POST, "expire-tokens").await,
        json!({"expired": 1})
    );
    let (status, body) = graphql(&http, production, &old, ME, json!({})).await;
    assert_eq!(
        (status, body),
        (401, json!({"errors": [{"message": "Token is expired."}]}))
    );
    let fresh = token(&http, production).await;
    let (status, body) = graphql(&http, production, &fresh, ME, json!({})).await;
    assert_eq!((status, &body["data"]["me"]["id"]), (200, &json!(1)));
}

fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("ion-contract-test-{}-{name}", std::process::id()))
}

#[tokio::test]
async fn tls_serves_a_certificate_a_client_can_trust_from_the_printed_file() {
    let cert = scratch("tls").join("cert.pem");
    let served = Served::start(&["--tls", "--tls-cert", cert.to_str().expect("UTF-8 path")]);
    assert_eq!(Path::new(served.comment("TLS certificate")), cert);
    let trust = format!(
        "export SSL_CERT_FILE={0} REQUESTS_CA_BUNDLE={0} NODE_EXTRA_CA_CERTS={0}",
        cert.display()
    );
    assert!(
        served.comments.iter().any(|l| l == &format!("# {trust}")),
        "{:#?}",
        served.comments
    );
    assert!(served.sandbox.api_url.starts_with("https://127.0.0.1:"));

    let pem = std::fs::read(&cert).expect("the certificate was written");
    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("a PEM certificate"))
        .build()
        .expect("a client");
    for env in [&served.sandbox, &served.production] {
        let token = token(&http, env).await;
        let (status, body) = graphql(&http, env, &token, ME, json!({})).await;
        assert_eq!((status, &body["data"]["me"]["id"]), (200, &json!(1)));
    }
    // The discovery document's URLs are the ones the client reached: https.
    let discovery: Value = http
        .get(format!(
            "{}/realms/api-keys/.well-known/openid-configuration",
            served.sandbox.auth_url
        ))
        .send()
        .await
        .expect("serve answers")
        .json()
        .await
        .expect("a JSON body");
    let jwks_uri = discovery["jwks_uri"].as_str().expect("a jwks_uri");
    assert_eq!(
        jwks_uri,
        format!(
            "{}/realms/api-keys/protocol/openid-connect/certs",
            served.sandbox.auth_url
        )
    );
    let response = http.get(jwks_uri).send().await.expect("serve answers");
    assert_eq!(response.status().as_u16(), 200);
    let by_name = served.sandbox.api_url.replace("127.0.0.1", "localhost");
    let response = http
        .get(format!("{by_name}/__double/requests"))
        .send()
        .await
        .expect("the certificate covers localhost too");
    assert_eq!(response.status().as_u16(), 200);
    drop(served);
    let _ = std::fs::remove_dir_all(cert.parent().expect("a directory"));
}

#[tokio::test]
async fn sigterm_stops_it_with_exit_0_even_with_a_connection_open() {
    let mut served = Served::start(&[]);
    let http = reqwest::Client::new();
    token(&http, &served.sandbox).await; // leaves a keep-alive connection in `http`'s pool
    let pid = served.process.0.id().to_string();
    let kill = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let status = wait(&mut served.process.0, Duration::from_secs(10));
    assert_eq!(status.code(), Some(0), "{status}");
    let mut stderr = String::new();
    if let Some(mut pipe) = served.process.0.stderr.take() {
        pipe.read_to_string(&mut stderr).expect("stderr");
    }
    assert!(stderr.contains("SIGTERM received"), "{stderr}");
}

/// `serve <args>` that must stop at once with exit 2 (invalid options); its stderr.
fn refused_at_start(args: &[&str]) -> String {
    let mut process = Process(command(args).spawn().expect("the binary starts"));
    let status = wait(&mut process.0, Duration::from_secs(30));
    let mut stderr = String::new();
    if let Some(mut pipe) = process.0.stderr.take() {
        pipe.read_to_string(&mut stderr).expect("stderr");
    }
    assert_eq!(status.code(), Some(2), "{stderr}");
    stderr
}

#[test]
fn a_port_in_use_exits_2_naming_the_port_and_the_fix() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = taken.local_addr().expect("an address").port().to_string();
    let stderr = refused_at_start(&["--port", &port]);
    assert!(
        stderr.contains(&format!("127.0.0.1:{port}")) && stderr.contains("--port"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
