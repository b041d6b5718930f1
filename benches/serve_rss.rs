//! The memory of a long-running `ion-contract serve`: does it stay flat under traffic?
//!
//! Starts the release binary's `serve --port 0` as its own process, drives its sandbox with
//! several concurrent keep-alive clients (`{ me { id } }` with a valid token, and one token
//! request in every 50), and prints the server's resident memory (`VmRSS` from
//! `/proc/<pid>/status`, Linux only) when idle, after 10^4 and 10^5 requests, after every
//! 10^6 and at the end, with the rate. Every response is checked, so a run that measured errors fails.
//!
//! ```sh
//! cargo bench --bench serve_rss                           # 10^6 requests
//! SERVE_RSS_REQUESTS=20000 cargo bench --bench serve_rss  # a quick run
//! SERVE_RSS_CLIENTS=16 cargo bench --bench serve_rss      # concurrent clients (default 8)
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

/// The serve process; killed on drop.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

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
    match run(total, clients) {
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

fn run(total: u64, clients: u64) -> Result<(), String> {
    let (process, sandbox) = start()?;
    let pid = process.0.id();
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    // 10^4, 10^5, then every 10^6, and the total.
    let millions = (1..=total / 1_000_000).map(|m| m * 1_000_000);
    let mut checkpoints: Vec<u64> = [10_000, 100_000]
        .into_iter()
        .chain(millions)
        .chain([total])
        .filter(|&n| n <= total)
        .collect();
    checkpoints.dedup();
    println!(
        "serve_rss: {total} requests from {clients} keep-alive clients: 1 in {TOKEN_EVERY} a token \
         request, the rest `{{ me {{ id }} }}` with a valid token"
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
                        let failures = drive(&http, &sandbox, &issued, checkpoint, &mut own).await;
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
) -> u64 {
    let graphql = format!("{}/graphql", sandbox.url);
    let body = r#"{"query":"{ me { id } }"}"#;
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
        let answer = http
            .post(&graphql)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await;
        let ok = match answer {
            Ok(response) if response.status() == 200 => response
                .bytes()
                .await
                .is_ok_and(|b| b.as_ref() == br#"{"data":{"me":{"id":1}}}"#),
            _ => false,
        };
        failures += u64::from(!ok);
    }
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
fn start() -> Result<(Process, Sandbox), String> {
    let child = Command::new(env!("CARGO_BIN_EXE_ion-contract"))
        .args(["serve", "--port", "0"])
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
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map_or("n/a".to_owned(), |v| v.trim().to_owned())
    };
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
