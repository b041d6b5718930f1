//! The client's pacing and retries, against small scripted servers and the double: what is
//! retried, what never is, each Retry-After mode and the cap on waits, and that one target's
//! pace holds across every client sharing it; which redirects a token request and a GraphQL
//! request follow, and what they carry there.

use crate::common;

use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ion_contract::auth::{ClientCredentials, TOKEN_PATH, TokenSource, client_credentials_token};
use ion_contract::client::DoubleClients;
use ion_contract::client::{GraphqlClient, GraphqlRequest, Pacer, RetryPolicy, http_client};
use ion_contract::double::IonDouble;
use ion_contract::secret::Secret;
use serde_json::{Map, json};
use wiremock::matchers::{any, body_string_contains, path};
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

// Redirects (see `ion_contract::client`): a token request stays in its origin; a GraphQL
// request may leave it, but without its Authorization header.

const SECRET: &str = "redirect-test-client-secret";

fn key() -> ClientCredentials {
    ClientCredentials {
        client_id: "redirect-test-client".to_owned(),
        client_secret: Secret::new(SECRET),
    }
}

/// A server that would issue a token to anyone: where a redirect must not lead.
async fn token_issuer() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": "issued-token", "expires_in": 300})),
        )
        .mount(&server)
        .await;
    server
}

/// A server whose `from` answers `status` with `Location: location`.
async fn redirecting(from: &str, status: u16, location: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path(from))
        .respond_with(ResponseTemplate::new(status).insert_header("location", location))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_token_request_is_not_redirected_to_another_origin_and_the_error_names_both_urls() {
    for status in [307, 302, 308, 301] {
        let elsewhere = token_issuer().await;
        let location = format!("{}{TOKEN_PATH}", elsewhere.uri());
        let configured = redirecting(TOKEN_PATH, status, &location).await;
        let http = http_client().unwrap();
        let error = client_credentials_token(&http, &configured.uri(), &key())
            .await
            .expect_err("a redirect to another origin fails the token request")
            .to_string();
        let endpoint = format!("{}{TOKEN_PATH}", configured.uri());
        assert!(
            error.starts_with(&format!(
                "the token endpoint {endpoint} answered HTTP {status} redirecting to {location}: \
                 another origin; the client secret was not sent there\nhelp: "
            )),
            "{error}"
        );
        assert!(!error.contains(SECRET), "{error}");
        let seen = elsewhere.received_requests().await.unwrap();
        assert!(seen.is_empty(), "HTTP {status}: {} request(s)", seen.len());
    }
}

#[tokio::test]
async fn a_token_request_follows_a_307_within_its_origin_but_not_a_302() {
    let moved = "/moved/protocol/openid-connect/token";
    let server = redirecting(TOKEN_PATH, 307, moved).await;
    Mock::given(path(moved))
        .and(body_string_contains(SECRET))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"access_token": "t"})))
        .mount(&server)
        .await;
    let http = http_client().unwrap();
    let issued = client_credentials_token(&http, &server.uri(), &key()).await;
    assert!(issued.is_ok(), "the form went along: {:?}", issued.err());

    // A 302 would turn the POST into a GET without the form: not followed, and said so.
    let server = redirecting(TOKEN_PATH, 302, moved).await;
    let error = client_credentials_token(&http, &server.uri(), &key())
        .await
        .expect_err("a 302 is not followed")
        .to_string();
    assert!(
        error.contains(&format!(
            "HTTP 302 redirecting to {}{moved}: a redirect that would resend the token request \
             as a GET without its form",
            server.uri()
        )),
        "{error}"
    );
    let followed = server.received_requests().await.unwrap();
    assert_eq!(followed.len(), 1, "only the token endpoint was asked");
}

#[tokio::test]
async fn a_graphql_request_redirected_to_another_origin_loses_its_authorization() {
    let token = "graphql-redirect-test-token";
    let second = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"me": {"id": 1}}})))
        .mount(&second)
        .await;
    let first = redirecting("/graphql", 307, &format!("{}/graphql", second.uri())).await;
    let tokens = Arc::new(TokenSource::fixed(Secret::new(token)));
    let client = GraphqlClient::new(
        http_client().unwrap(),
        format!("{}/graphql", first.uri()),
        Some(tokens),
    );
    let variables = Map::new();
    let response = client.send(request(&variables, true)).await.unwrap();
    assert_eq!(response.status, 200, "the redirect was followed");
    let authorization = |r: &Request| r.headers.get("authorization").cloned();
    let sent = first.received_requests().await.unwrap();
    assert_eq!(
        sent.iter().map(authorization).collect::<Vec<_>>(),
        [Some(format!("Bearer {token}").parse().unwrap())],
        "the configured origin got the token"
    );
    let redirected = second.received_requests().await.unwrap();
    assert_eq!(redirected.len(), 1);
    assert_eq!(
        authorization(&redirected[0]),
        None,
        "the other origin did not"
    );
}

/// An https server with a certificate for 127.0.0.1 (its PEM in `cert`) whose every answer
/// is a 307 to `location`.
async fn tls_redirecting(cert: &std::path::Path, location: String) -> String {
    use http_body_util::Full;
    use hyper::body::Bytes;
    use tokio_rustls::TlsAcceptor;
    use tokio_rustls::rustls::ServerConfig;
    use tokio_rustls::rustls::crypto::aws_lc_rs;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    std::fs::write(cert, certified.cert.pem()).unwrap();
    let chain = vec![CertificateDer::from(certified.cert.der().to_vec())];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let config = ServerConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, location) = (acceptor.clone(), location.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let answer = hyper::service::service_fn(move |_| {
                    let response = hyper::Response::builder()
                        .status(307)
                        .header("location", location.as_str())
                        .body(Full::new(Bytes::new()));
                    async move { response }
                });
                let io = hyper_util::rt::TokioIo::new(tls);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, answer)
                    .await;
            });
        }
    });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_request_is_never_downgraded_from_https_to_plain_http() {
    let plain = token_issuer().await;
    let location = format!("{}{TOKEN_PATH}", plain.uri());
    let scratch = common::Scratch::new("redirect-downgrade");
    let cert = scratch.0.join("cert.pem");
    let auth_url = tls_redirecting(&cert, location.clone()).await;
    let mut preflight = common::ion_contract(&["preflight", "--target", "sandbox"]);
    preflight
        .env("SSL_CERT_FILE", &cert)
        .env("ION_SANDBOX_API_URL", plain.uri())
        .env("ION_SANDBOX_AUTH_URL", &auth_url)
        .env("ION_SANDBOX_CLIENT_ID", "redirect-test-client")
        .env("ION_SANDBOX_CLIENT_SECRET", SECRET);
    let out = tokio::task::spawn_blocking(move || common::output(&mut preflight))
        .await
        .unwrap();
    let errors = common::stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{errors}");
    assert!(
        errors.contains(&format!(
            "the token endpoint {auth_url}{TOKEN_PATH} answered HTTP 307 redirecting to \
             {location}: a downgrade from https to plain http; the client secret was not sent \
             there\nhelp: "
        )),
        "{errors}"
    );
    assert!(!errors.contains(SECRET), "{errors}");
    let seen = plain.received_requests().await.unwrap();
    assert!(
        seen.is_empty(),
        "{} request(s) reached plain http",
        seen.len()
    );
}
