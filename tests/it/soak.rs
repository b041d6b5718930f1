//! The serve soak: a million small GraphQL requests through `ion-contract serve`, and its
//! resident memory must stay within ±10% between the 10,000th and the 1,000,000th.
//!
//! Ignored by default (it takes minutes); run it by hand or in a nightly job:
//!
//! ```sh
//! cargo test --release --test it soak:: -- --ignored --nocapture
//! ION_SOAK_REQUESTS=200000 cargo test --release --test it soak:: -- --ignored --nocapture
//! ```
//!
//! Eight keep-alive connections send `{ me { id } }` with one token; the RSS of the serve
//! process is read from `/proc/<pid>/status` (Linux) after the warm-up and at the end.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use common::serve::Serve;

const WARM_UP: u64 = 10_000;
const CONNECTIONS: u64 = 8;

/// The resident set of process `pid`, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .expect("the soak reads /proc (Linux only)");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("VmRSS in /proc/<pid>/status")
}

/// Sends requests until `sent` reaches `until`, over `CONNECTIONS` keep-alive connections.
async fn drive(url: &str, token: &str, sent: &Arc<AtomicU64>, until: u64) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONNECTIONS as usize)
        .build()
        .expect("a client");
    let mut workers = Vec::new();
    for _ in 0..CONNECTIONS {
        let (client, url, token, sent) = (
            client.clone(),
            url.to_owned(),
            token.to_owned(),
            Arc::clone(sent),
        );
        workers.push(tokio::spawn(async move {
            while sent.fetch_add(1, Ordering::Relaxed) < until {
                let response = client
                    .post(&url)
                    .bearer_auth(&token)
                    .body(r#"{"query": "{ me { id } }"}"#)
                    .header("content-type", "application/json")
                    .send()
                    .await
                    .expect("serve answers");
                assert_eq!(response.status(), 200);
                response.bytes().await.expect("a whole body");
            }
        }));
    }
    for worker in workers {
        worker.await.expect("a worker");
    }
    sent.store(until, Ordering::Relaxed);
}

#[test]
#[ignore = "a soak of minutes: cargo test --release --test it soak:: -- --ignored"]
fn serve_memory_stays_flat_over_a_million_requests() {
    let total: u64 = std::env::var("ION_SOAK_REQUESTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    assert!(
        total > WARM_UP * 2,
        "ION_SOAK_REQUESTS must be above {}",
        WARM_UP * 2
    );
    let serve = Serve::start();
    let token = serve.token("ION_SANDBOX_");
    let url = format!("{}/graphql", serve.vars["ION_SANDBOX_API_URL"]);
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let sent = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    runtime.block_on(drive(&url, &token, &sent, WARM_UP));
    let warm = rss_kib(serve.pid());
    runtime.block_on(drive(&url, &token, &sent, total));
    let end = rss_kib(serve.pid());
    let took = started.elapsed();
    let change = (end as f64 - warm as f64) / warm as f64;
    println!(
        "soak: {total} requests in {:.1} s ({:.0} req/s); serve RSS {warm} KiB after {WARM_UP}, \
         {end} KiB after {total} ({:+.1}%)",
        took.as_secs_f64(),
        total as f64 / took.as_secs_f64(),
        change * 100.0
    );
    let counted = serve.admin("ION_SANDBOX_API_URL", "GET", "requests");
    assert_eq!(counted["paths"]["/graphql"], total, "{counted}");
    assert!(
        change.abs() <= 0.10,
        "serve's RSS moved {:+.1}% between {WARM_UP} and {total} requests ({warm} -> {end} KiB)",
        change * 100.0
    );
}
