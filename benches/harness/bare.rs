//! The bare client: the generated cases' GraphQL requests sent by plain reqwest, with no
//! harness around them, to one embedded double, `concurrency` at a time.
//!
//! This is the floor the harness is compared with: one token for the whole loop, no suite
//! loading, no assertions, no snapshots, no double per case.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use ion_contract::auth::client_credentials_token;
use ion_contract::client::demo_credentials;
use ion_contract::double::{DoubleData, IonDouble};
use serde_json::Value;

/// Sends every request of `requests` to a fresh embedded double from `concurrency` tasks on a
/// runtime of `workers` threads; returns the requests per second. Every answer must be 200
/// without `errors`.
pub fn requests_per_s(
    data: &Arc<DoubleData>,
    requests: &Arc<Vec<Value>>,
    concurrency: usize,
    workers: usize,
) -> f64 {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("a tokio runtime for the bare client");
    runtime.block_on(async {
        let double = IonDouble::start(Arc::clone(data)).await;
        let http = reqwest::Client::new();
        let token = client_credentials_token(&http, &double.auth_url(), &demo_credentials())
            .await
            .expect("the double grants the demo key a token")
            .access_token;
        let bearer = Arc::new(format!("Bearer {}", token.expose()));
        let endpoint = Arc::new(format!("{}/graphql", double.api_url()));
        let next = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let tasks: Vec<_> = (0..concurrency)
            .map(|_| {
                let (http, bearer, endpoint, next, requests) = (
                    http.clone(),
                    Arc::clone(&bearer),
                    Arc::clone(&endpoint),
                    Arc::clone(&next),
                    Arc::clone(requests),
                );
                tokio::spawn(async move {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(body) = requests.get(i) else { break };
                        let response = http
                            .post(endpoint.as_str())
                            .header("authorization", bearer.as_str())
                            .json(body)
                            .send()
                            .await
                            .expect("the double answers");
                        assert_eq!(response.status(), 200, "request {i}: {body}");
                        let answer: Value = response.json().await.expect("a JSON answer");
                        assert!(answer.get("errors").is_none(), "request {i}: {answer}");
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("a bare client task finishes");
        }
        requests.len() as f64 / started.elapsed().as_secs_f64()
    })
}
