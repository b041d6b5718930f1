//! The client's pacing and retries, against small scripted servers and the double: what is
//! retried, what never is, each Retry-After mode and the cap on waits, and that one target's
//! pace holds across every client sharing it.

mod common;

use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ion_contract::client::{GraphqlClient, GraphqlRequest, Pacer, RetryPolicy};
use ion_contract::double::IonDouble;
use serde_json::Map;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Answers every request with `status` after `delay`, and notes when each arrived.
struct Scripted {
    status: u16,
    delay: Duration,
    arrivals: Arc<Mutex<Vec<Instant>>>,
}

impl Respond for Scripted {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        self.arrivals.lock().unwrap().push(Instant::now());
        ResponseTemplate::new(self.status)
            .set_body_raw(r#"{"data": {"me": {"id": 1}}}"#, "application/json")
            .set_delay(self.delay)
    }
}

async fn server(status: u16, delay: Duration) -> (MockServer, Arc<Mutex<Vec<Instant>>>) {
    let server = MockServer::start().await;
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    Mock::given(any())
        .respond_with(Scripted {
            status,
            delay,
            arrivals: Arc::clone(&arrivals),
        })
        .mount(&server)
        .await;
    (server, arrivals)
}

fn client(server: &MockServer, timeout: Duration) -> GraphqlClient {
    let http = reqwest::Client::builder().timeout(timeout).build().unwrap();
    GraphqlClient::new(http, format!("{}/graphql", server.uri()), None).with_retry(RetryPolicy {
        base: Duration::from_millis(5),
        ..RetryPolicy::default()
    })
}

fn request(variables: &Map<String, serde_json::Value>, idempotent: bool) -> GraphqlRequest<'_> {
    GraphqlRequest {
        query: "{ me { id } }",
        operation_name: None,
        variables,
        idempotent,
        retry: true,
    }
}

#[tokio::test]
async fn a_mutation_is_sent_once_whatever_a_timeout_or_a_5xx_says() {
    let variables = Map::new();
    let (slow, arrivals) = server(200, Duration::from_secs(5)).await;
    let sent = client(&slow, Duration::from_millis(100))
        .send(request(&variables, false))
        .await;
    assert!(sent.is_err(), "the request timed out: {sent:?}");
    assert_eq!(
        arrivals.lock().unwrap().len(),
        1,
        "a timed-out mutation is not sent again"
    );

    let (failing, arrivals) = server(503, Duration::ZERO).await;
    let response = client(&failing, Duration::from_secs(5))
        .send(request(&variables, false))
        .await
        .unwrap();
    assert_eq!((response.status, response.delivery.attempts), (503, 1));
    assert_eq!(arrivals.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_query_is_retried_on_5xx_up_to_the_attempt_limit() {
    let variables = Map::new();
    let (failing, arrivals) = server(503, Duration::ZERO).await;
    let response = client(&failing, Duration::from_secs(5))
        .send(request(&variables, true))
        .await
        .unwrap();
    assert_eq!((response.status, response.delivery.attempts), (503, 4));
    assert_eq!(arrivals.lock().unwrap().len(), 4);

    let mut off = request(&variables, true);
    off.retry = false;
    let response = client(&failing, Duration::from_secs(5))
        .send(off)
        .await
        .unwrap();
    assert_eq!(response.delivery.attempts, 1, "retry: false sends once");
}

#[tokio::test]
async fn one_pace_is_shared_by_every_client_of_a_target_and_never_exceeded() {
    const RATE: u32 = 20;
    const REQUESTS: usize = 24;
    let (ok, arrivals) = server(200, Duration::ZERO).await;
    let pacer = Arc::new(Pacer::new(NonZeroU32::new(RATE).unwrap()));
    let base = client(&ok, Duration::from_secs(5)).with_pacer(pacer);
    // Three clients (as three credential profiles would be), eight requests each, at once.
    let clients: Vec<GraphqlClient> = (0..3).map(|_| base.with_tokens(None)).collect();
    let mut tasks = Vec::new();
    for client in clients {
        tasks.push(tokio::spawn(async move {
            let variables = Map::new();
            for _ in 0..REQUESTS / 3 {
                client.send(request(&variables, true)).await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let mut arrivals = arrivals.lock().unwrap().clone();
    arrivals.sort();
    assert_eq!(arrivals.len(), REQUESTS);
    // The pacer lets one request leave every 1/RATE s, so the run cannot be shorter than
    // (n - 1) / RATE; a small allowance covers requests delayed in transit.
    let span = arrivals[REQUESTS - 1] - arrivals[0];
    let floor = Duration::from_secs_f64((REQUESTS - 1) as f64 / f64::from(RATE));
    assert!(
        span + Duration::from_millis(20) >= floor,
        "{REQUESTS} requests arrived within {span:?}, faster than {RATE} per second"
    );
    for window in arrivals.windows(RATE as usize + 1) {
        assert!(
            window[RATE as usize] - window[0] + Duration::from_millis(20) >= Duration::from_secs(1),
            "more than {RATE} requests within one second"
        );
    }
}

/// A double whose next request gets 429 in `mode`, and a client with its demo key.
async fn stormy(mode: &str, storm: serde_json::Value) -> (IonDouble, GraphqlClient) {
    let double = IonDouble::start(common::double_data()).await;
    let settings = serde_json::json!({"per_second": 100, "retry_after": mode, "storm": storm});
    let answer = reqwest::Client::new()
        .post(format!("{}/__double/throttle", double.api_url()))
        .json(&settings)
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success());
    let client = double.demo_client(&reqwest::Client::new());
    (double, client)
}

async fn early(double: &IonDouble) -> u64 {
    let url = format!("{}/__double/requests", double.api_url());
    let counts: serde_json::Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    counts["early"].as_u64().unwrap()
}

#[tokio::test]
async fn each_retry_after_mode_of_the_double_is_honoured() {
    let variables = Map::new();
    for (mode, at_least, at_most) in [
        (
            "seconds",
            Duration::from_millis(900),
            Duration::from_secs(2),
        ),
        (
            "http-date",
            Duration::from_millis(900),
            Duration::from_secs(3),
        ),
        ("absent", Duration::ZERO, Duration::from_millis(501)),
    ] {
        let (double, client) = stormy(mode, serde_json::json!({"next": 1})).await;
        let response = client.send(request(&variables, false)).await.unwrap();
        let delivery = response.delivery;
        assert_eq!(
            (response.status, delivery.attempts, delivery.throttled),
            (200, 2, 1),
            "{mode}"
        );
        assert!(
            delivery.waited >= at_least && delivery.waited <= at_most,
            "{mode}: waited {:?}",
            delivery.waited
        );
        assert_eq!(early(&double).await, 0, "{mode}");
    }
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_is_kept_not_cut_short() {
    let variables = Map::new();
    let (double, client) = stormy("seconds", serde_json::json!({"for_ms": 45_000})).await;
    let response = client.send(request(&variables, true)).await.unwrap();
    assert_eq!(response.status, 429);
    assert_eq!(response.delivery.attempts, 1);
    assert!(
        response.delivery.refused_wait >= Some(Duration::from_secs(44)),
        "{:?}",
        response.delivery
    );
    assert_eq!(early(&double).await, 0);
}
