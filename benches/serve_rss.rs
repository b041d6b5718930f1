//! The memory of a long-running `ion-contract serve`: does it stay flat under traffic?
//!
//! Starts the release binary's `serve --port 0` as its own process, drives its sandbox with
//! several concurrent keep-alive clients (`{ me { id } }` with a valid token, and one token
//! request in every 50), and prints the server's resident memory (`VmRSS` from
//! `/proc/<pid>/status`, Linux only) when idle, after 10^4 and 10^5 requests, after every
//! 10^6 and at the end, with the rate. Every response is checked, so a run that measured errors fails.
//!
//! First, a hostile burst (the limits of `ion_contract::double::limits`): a 14-deep nested-list
//! query must be refused (502, `max_depth`) in under a second; four wide queries past the
//! value limit and two abandoned heavy ones run at once while a client times `{ me { id } }`
//! (target: every one under 50 ms). It prints the figures (the peak memory after the refusal,
//! target under 100 MB; the burst's peak, and the memory once it is over) and fails when a
//! refusal is not the documented one.
//!
//! With `SERVE_RSS_SCHEMA=<sdl>` the server runs on that schema (`serve --schema`, e.g.
//! ION's full schema, whose every entity type the double fills with generated rows) and the
//! requests are a mix ([`MIXED`]: `me`, lists, by-id lookups, a relation followed), each
//! answer checked for HTTP 200 and no `errors`.
//!
//! ```sh
//! cargo bench --bench serve_rss                           # 10^6 requests
//! SERVE_RSS_REQUESTS=20000 cargo bench --bench serve_rss  # a quick run
//! SERVE_RSS_CLIENTS=16 cargo bench --bench serve_rss      # concurrent clients (default 8)
//! SERVE_RSS_REQUESTS=10000 SERVE_RSS_SCHEMA=../shared/reference/ion-schema/ion-schema.graphql \
//!   cargo bench --bench serve_rss                         # ION's full schema, mixed requests
//! ```

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ion_contract::auth::{ClientCredentials, client_credentials_token};
use ion_contract::secret::Secret;

/// One request in this many is a token request.
const TOKEN_EVERY: u64 = 50;

/// The request bodies of the mixed traffic (`SERVE_RSS_SCHEMA`), sent in turn: valid in the
/// built-in schema and in ION's full one.
const MIXED: [&str; 5] = [
    r#"{"query":"{ me { id name email } }"}"#,
    r#"{"query":"{ parts(first: 10, sort: [ID_ASC]) { pageInfo { hasNextPage } edges { node { id partNumber revision description } } } }"}"#,
    r#"{"query":"query P($id: ID!) { part(id: $id) { id partNumber _etag } }","variables":{"id":1}}"#,
    r#"{"query":"{ locations(first: 5) { edges { node { id name } } } }"}"#,
    r#"{"query":"{ partInventories(first: 5) { edges { node { id quantity part { partNumber } } } } }"}"#,
];

/// The serve process; killed on drop.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[derive(Clone)]
struct Sandbox {
    url: String,
    client_id: String,
    client_secret: String,
}

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; a filter argument that is not ours means "not me".
    if std::env::args()
        .skip(1)
        .any(|a| !a.starts_with('-') && a != "serve_rss")
    {
        return ExitCode::SUCCESS;
    }
    let total = env_number("SERVE_RSS_REQUESTS", 1_000_000);
    let clients = env_number("SERVE_RSS_CLIENTS", 8).max(1);
    let schema = std::env::var("SERVE_RSS_SCHEMA").ok();
    match run(total, clients, schema.as_deref()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("serve_rss: {message}");
            ExitCode::FAILURE
        }
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn run(total: u64, clients: u64, schema: Option<&str>) -> Result<(), String> {
    let (process, sandbox) = start(schema)?;
    let mixed = schema.is_some();
    let pid = process.0.id();
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(hostile_burst(pid, &sandbox))?;
    // 10^4, 10^5, then every 10^6, and the total.
    let millions = (1..=total / 1_000_000).map(|m| m * 1_000_000);
    let mut checkpoints: Vec<u64> = [10_000, 100_000]
        .into_iter()
        .chain(millions)
        .chain([total])
        .filter(|&n| n <= total)
        .collect();
    checkpoints.dedup();
    let traffic = match schema {
        Some(path) => format!(
            "the {} queries of MIXED in turn, on the schema {path}",
            MIXED.len()
        ),
        None => "`{ me { id } }`".to_owned(),
    };
    println!(
        "serve_rss: {total} requests from {clients} keep-alive clients: 1 in {TOKEN_EVERY} a token \
         request, the rest {traffic} with a valid token"
    );
    println!(
        "{:>10}  {:>12}  {:>12}  {:>10}  {:>12}",
        "requests", "VmRSS", "VmHWM", "seconds", "requests/s"
    );
    report(pid, 0, None);
    let sandbox = Arc::new(sandbox);
    let issued = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let (mut done, mut failures) = (0, 0);
    runtime.block_on(async {
        let workers: Vec<reqwest::Client> = (0..clients)
            .map(|_| reqwest::Client::builder().pool_max_idle_per_host(1).build())
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        let mut tokens = Vec::new();
        for http in &workers {
            tokens.push(token(http, &sandbox).await?);
        }
        for checkpoint in checkpoints {
            let phase = Instant::now();
            let tasks: Vec<_> = workers
                .iter()
                .zip(&mut tokens)
                .map(|(http, token)| {
                    let (http, sandbox, issued) =
                        (http.clone(), Arc::clone(&sandbox), Arc::clone(&issued));
                    let mut own = token.clone();
                    tokio::spawn(async move {
                        let failures =
                            drive(&http, &sandbox, &issued, checkpoint, &mut own, mixed).await;
                        (failures, own)
                    })
                })
                .collect();
            for (task, token) in tasks.into_iter().zip(&mut tokens) {
                let (failed, newest) = task.await.map_err(|e| e.to_string())?;
                failures += failed;
                *token = newest;
            }
            let rate = (checkpoint - done) as f64 / phase.elapsed().as_secs_f64();
            done = checkpoint;
            report(pid, done, Some((started.elapsed(), rate)));
        }
        Ok::<(), String>(())
    })?;
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "total: {done} requests in {elapsed:.1} s, {:.0} requests/s",
        done as f64 / elapsed
    );
    stop(process)?;
    if failures > 0 {
        return Err(format!(
            "{failures} requests did not get the expected answer"
        ));
    }
    Ok(())
}

/// Sends requests until `issued` reaches `until`; returns how many failed.
async fn drive(
    http: &reqwest::Client,
    sandbox: &Sandbox,
    issued: &AtomicU64,
    until: u64,
    token: &mut String,
    mixed: bool,
) -> u64 {
    let graphql = format!("{}/graphql", sandbox.url);
    let me = r#"{"query":"{ me { id } }"}"#;
    let mut failures = 0;
    loop {
        let n = issued.fetch_add(1, Ordering::Relaxed);
        if n >= until {
            issued.fetch_sub(1, Ordering::Relaxed);
            return failures;
        }
        if n.is_multiple_of(TOKEN_EVERY) {
            match self::token(http, sandbox).await {
                Ok(fresh) => *token = fresh,
                Err(_) => failures += 1,
            }
            continue;
        }
        let body = if mixed {
            MIXED[usize::try_from(n).unwrap_or(0) % MIXED.len()]
        } else {
            me
        };
        let answer = http
            .post(&graphql)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await;
        let ok = match answer {
            Ok(response) if response.status() == 200 => {
                response.bytes().await.is_ok_and(|b| match mixed {
                    true => !b.windows(9).any(|w| w == br#""errors":"#),
                    false => b.as_ref() == br#"{"data":{"me":{"id":1}}}"#,
                })
            }
            _ => false,
        };
        failures += u64::from(!ok);
    }
}

/// `{ me { organization { users { ... id } } } }` with `pairs` organization/users levels (each
/// multiplies the result by the organization's users), under `aliases` aliases of `me`.
fn nested(pairs: usize, aliases: usize) -> String {
    let one = format!(
        "me {{ {}id {}}}",
        "organization { users { ".repeat(pairs),
        "} } ".repeat(pairs)
    );
    let all: Vec<String> = (0..aliases).map(|i| format!("m{i}: {one}")).collect();
    serde_json::json!({ "query": format!("{{ {} }}", all.join(" ")) }).to_string()
}

/// POSTs `body` to /graphql; the status and the `extensions.limit` of the first error.
async fn post(
    http: &reqwest::Client,
    sandbox: &Sandbox,
    token: &str,
    body: String,
) -> (u16, String) {
    let answer = http
        .post(format!("{}/graphql", sandbox.url))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await;
    let Ok(response) = answer else {
        return (0, String::new());
    };
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    let limit = body["errors"][0]["extensions"]["limit"]
        .as_str()
        .unwrap_or("");
    (status, limit.to_owned())
}

/// The hostile burst of the module docs.
async fn hostile_burst(pid: u32, sandbox: &Sandbox) -> Result<(), String> {
    let http = reqwest::Client::new();
    let token = token(&http, sandbox).await?;
    println!("hostile burst: VmRSS before {}", proc_field(pid, "VmRSS:"));
    let started = Instant::now();
    let (status, limit) = post(&http, sandbox, &token, nested(14, 1)).await;
    let refusal = started.elapsed();
    println!(
        "  14-deep nested-list query: {status} {limit} in {refusal:.2?} (target: under 1 s); \
         peak VmHWM {} (target: under 100 MB)",
        proc_field(pid, "VmHWM:")
    );
    if (status, limit.as_str()) != (502, "max_depth") {
        return Err(format!(
            "the 14-deep query got {status} {limit}, not 502 max_depth"
        ));
    }
    let mut heavy = Vec::new();
    for _ in 0..4 {
        let (http, token, body) = (http.clone(), token.clone(), nested(9, 4));
        let sandbox = sandbox.clone();
        heavy.push(tokio::spawn(async move {
            post(&http, &sandbox, &token, body).await
        }));
    }
    for _ in 0..2 {
        let abandoning = reqwest::Client::builder()
            .timeout(Duration::from_millis(100))
            .build()
            .map_err(|e| e.to_string())?;
        let request = abandoning
            .post(format!("{}/graphql", sandbox.url))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(nested(9, 4));
        tokio::spawn(request.send());
    }
    let mut latencies = Vec::new();
    for _ in 0..50 {
        let one = Instant::now();
        let (status, _) = post(
            &http,
            sandbox,
            &token,
            r#"{"query":"{ me { id } }"}"#.to_owned(),
        )
        .await;
        latencies.push(one.elapsed());
        if status != 200 {
            return Err(format!("{{ me {{ id }} }} got {status} during the burst"));
        }
    }
    for task in heavy {
        let (status, limit) = task.await.map_err(|e| e.to_string())?;
        if (status, limit.as_str()) != (502, "max_result_values") {
            return Err(format!(
                "a wide query got {status} {limit}, not 502 max_result_values"
            ));
        }
    }
    latencies.sort();
    println!(
        "  `{{ me {{ id }} }}` x50 beside 4 wide queries past the value limit and 2 abandoned: \
         median {:.1?}, max {:.1?} (target: under 50 ms)",
        latencies[latencies.len() / 2],
        latencies[latencies.len() - 1]
    );
    let peak = proc_field(pid, "VmHWM:");
    // Serve's request threads end after a second idle, and their memory goes with them.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    println!(
        "  peak VmHWM of the burst {peak}; VmRSS 2.5 s later {}",
        proc_field(pid, "VmRSS:")
    );
    Ok(())
}

/// A field of `/proc/<pid>/status` (Linux), or `n/a`.
fn proc_field(pid: u32, name: &str) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(name))
        .map_or("n/a".to_owned(), |v| v.trim().to_owned())
}

/// A sandbox token, through the library's own client-credentials exchange.
async fn token(http: &reqwest::Client, sandbox: &Sandbox) -> Result<String, String> {
    let key = ClientCredentials {
        client_id: sandbox.client_id.clone(),
        client_secret: Secret::new(sandbox.client_secret.clone()),
    };
    let issued = client_credentials_token(http, &sandbox.url, &key)
        .await
        .map_err(|e| format!("token request: {e}"))?;
    Ok(issued.access_token.expose().to_owned())
}

/// Starts `serve --port 0` and reads the sandbox's variables from its output.
fn start(schema: Option<&str>) -> Result<(Process, Sandbox), String> {
    let mut args = vec!["serve", "--port", "0"];
    args.extend(schema.map(|path| ["--schema", path]).into_iter().flatten());
    let child = Command::new(env!("CARGO_BIN_EXE_ion-contract"))
        .args(&args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start ion-contract serve: {e}"))?;
    let mut process = Process(child);
    let stdout = process.0.stdout.take().ok_or("no stdout")?;
    let mut vars = std::collections::BTreeMap::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| e.to_string())?;
        if let Some(pairs) = line.strip_prefix("export ION_SANDBOX_") {
            for pair in format!("ION_SANDBOX_{pairs}").split_whitespace() {
                if let Some((name, value)) = pair.split_once('=') {
                    vars.insert(name.to_owned(), value.to_owned());
                }
            }
        }
        if line.starts_with("# Stop") {
            let get = |name: &str| vars.get(name).cloned().ok_or(format!("no {name}"));
            let sandbox = Sandbox {
                url: get("ION_SANDBOX_API_URL")?,
                client_id: get("ION_SANDBOX_CLIENT_ID")?,
                client_secret: get("ION_SANDBOX_CLIENT_SECRET")?,
            };
            return Ok((process, sandbox));
        }
    }
    Err("serve ended before printing its banner".into())
}

/// Stops the server with SIGTERM and checks it exits 0.
fn stop(mut process: Process) -> Result<(), String> {
    let pid = process.0.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = process.0.try_wait() {
            return match status.code() {
                Some(0) => Ok(()),
                _ => Err(format!("serve exited with {status} on SIGTERM")),
            };
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Err("serve did not stop within 10 s of SIGTERM".into())
}

fn report(pid: u32, requests: u64, timing: Option<(Duration, f64)>) {
    let field = |name: &str| proc_field(pid, name);
    let (seconds, rate) = timing.map_or(("-".to_owned(), "-".to_owned()), |(t, r)| {
        (format!("{:.1}", t.as_secs_f64()), format!("{r:.0}"))
    });
    let label = if requests == 0 {
        "idle".to_owned()
    } else {
        requests.to_string()
    };
    println!(
        "{label:>10}  {:>12}  {:>12}  {seconds:>10}  {rate:>12}",
        field("VmRSS:"),
        field("VmHWM:")
    );
}
