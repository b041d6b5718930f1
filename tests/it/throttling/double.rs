//! The double throttling as ION might: a token bucket per API key on `/graphql`, 429s in
//! ION's error shape with each `Retry-After` mode, scripted storms, and the admin endpoint
//! that sets it all at run time. (`serve`'s flags are tested in the `serve` module.)
//!
//! Deterministic by construction: buckets refill at 1 request per second, and each test sends
//! at most burst + 1 requests back to back after fetching its token, which takes a few
//! milliseconds; storms give exact counts. No test sleeps.

use crate::common;

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ion_contract::double::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DoubleData, EnvironmentSpec, IonDouble, RetryAfter,
    TOO_MANY_REQUESTS, ThrottleSpec,
};
use serde_json::{Value, json};

const TOKEN_PATH: &str = "/realms/api-keys/protocol/openid-connect/token";
const ME: &str = r#"{"query": "{ me { id } }"}"#;

fn data() -> Arc<DoubleData> {
    common::double_data()
}

fn n(value: u32) -> NonZeroU32 {
    NonZeroU32::new(value).expect("not zero")
}

/// A double whose bucket refills at 1 request per second and holds `burst`.
async fn throttled(burst: u32, retry_after: RetryAfter) -> IonDouble {
    let spec = EnvironmentSpec {
        throttle: Some(ThrottleSpec {
            per_second: n(1),
            burst: n(burst),
            retry_after,
        }),
        ..EnvironmentSpec::demo()
    };
    IonDouble::start_with(data(), spec).await
}

/// A double's answer: status, `Retry-After` (if any) and JSON body.
#[derive(Debug)]
struct Answer {
    status: u16,
    retry_after: Option<String>,
    body: Value,
}

async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("the double answers");
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().expect("ASCII").to_owned());
    let body = response.json().await.unwrap_or(Value::Null);
    Answer {
        status,
        retry_after,
        body,
    }
}

async fn token_of(double: &IonDouble, client_id: &str, secret: &str) -> String {
    let answer = send(
        reqwest::Client::new()
            .post(format!("{}{TOKEN_PATH}", double.auth_url()))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", client_id),
                ("client_secret", secret),
            ]),
    )
    .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    answer.body["access_token"]
        .as_str()
        .expect("a token")
        .to_owned()
}

async fn token(double: &IonDouble) -> String {
    token_of(double, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET).await
}

async fn me(double: &IonDouble, token: &str) -> Answer {
    send(
        reqwest::Client::new()
            .post(format!("{}/graphql", double.api_url()))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(ME),
    )
    .await
}

/// `count` requests back to back; their statuses.
async fn statuses(double: &IonDouble, token: &str, count: usize) -> Vec<u16> {
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        out.push(me(double, token).await.status);
    }
    out
}

async fn admin(double: &IonDouble, method: reqwest::Method, path: &str, body: &str) -> Answer {
    send(
        reqwest::Client::new()
            .request(method, format!("{}/__double/{path}", double.api_url()))
            .body(body.to_owned()),
    )
    .await
}

async fn configure(double: &IonDouble, body: &str) -> Value {
    let answer = admin(double, reqwest::Method::POST, "throttle", body).await;
    assert_eq!(answer.status, 200, "{body}: {answer:?}");
    answer.body
}

async fn throttled_count(double: &IonDouble) -> Value {
    admin(double, reqwest::Method::GET, "requests", "")
        .await
        .body["throttled"]
        .clone()
}

fn is_429(answer: &Answer) -> bool {
    answer.status == 429 && answer.body == json!({"errors": [{"message": TOO_MANY_REQUESTS}]})
}

#[tokio::test]
async fn each_environment_has_a_bucket_per_api_key_and_only_graphql_is_throttled() {
    let demo = throttled(2, RetryAfter::Seconds).await;
    let sandbox = IonDouble::start_with(
        data(),
        EnvironmentSpec {
            throttle: demo_throttle(),
            ..EnvironmentSpec::sandbox()
        },
    )
    .await;
    let demo_token = token(&demo).await;
    let sandbox_token = token_of(
        &sandbox,
        "ion-contract-sandbox",
        "ion-contract-sandbox-secret",
    )
    .await;

    assert_eq!(statuses(&demo, &demo_token, 3).await, [200, 200, 429]);
    assert_eq!(
        statuses(&sandbox, &sandbox_token, 3).await,
        [200, 200, 429],
        "another environment's key has its own bucket"
    );

    assert_eq!(me(&demo, "garbled").await.status, 401, "401 before 429");
    token(&demo).await; // the token endpoint is never throttled
    let settings = admin(&demo, reqwest::Method::GET, "throttle", "").await;
    assert_eq!(
        (settings.status, settings.body),
        (
            200,
            json!({"per_second": 1, "burst": 2, "retry_after": "seconds", "storm": null})
        ),
        "nor the admin endpoints"
    );
    let counts = admin(&demo, reqwest::Method::GET, "requests", "")
        .await
        .body;
    assert_eq!(
        counts,
        json!({"total": 6, "paths": {"/graphql": 4, TOKEN_PATH: 2}, "throttled": 1, "stopped": {}, "early": 0})
    );
}

fn demo_throttle() -> Option<ThrottleSpec> {
    Some(ThrottleSpec {
        per_second: n(1),
        burst: n(2),
        retry_after: RetryAfter::Seconds,
    })
}

#[tokio::test]
async fn a_429_has_ion_s_error_shape_and_retry_after_as_configured() {
    // Seconds: a whole number of at least 1; the bucket refills in at most 1 s.
    let double = throttled(1, RetryAfter::Seconds).await;
    let token = token(&double).await;
    assert_eq!(me(&double, &token).await.status, 200);
    let answer = me(&double, &token).await;
    assert!(is_429(&answer), "{answer:?}");
    assert_eq!(answer.retry_after.as_deref(), Some("1"));

    // An HTTP-date: not in the past, and no later than now + the wait (≤ 1 s) + 1 s.
    let double = throttled(1, RetryAfter::HttpDate).await;
    let token = self::token(&double).await;
    assert_eq!(me(&double, &token).await.status, 200);
    let before = SystemTime::now();
    let answer = me(&double, &token).await;
    let after = SystemTime::now();
    assert!(is_429(&answer), "{answer:?}");
    let date = answer.retry_after.as_deref().expect("a Retry-After header");
    let at = httpdate::parse_http_date(date).expect("an HTTP-date");
    assert!(
        at >= before && at <= after + Duration::from_secs(2),
        "{date}"
    );

    // Absent: no header at all, as ION documents none.
    let double = throttled(1, RetryAfter::Absent).await;
    let token = self::token(&double).await;
    assert_eq!(me(&double, &token).await.status, 200);
    let answer = me(&double, &token).await;
    assert!(is_429(&answer), "{answer:?}");
    assert_eq!(answer.retry_after, None);
}

#[tokio::test]
async fn a_storm_of_n_answers_exactly_n_429s_then_the_bucket_decides() {
    let double = IonDouble::start(data()).await;
    let token = token(&double).await;
    assert_eq!(
        configure(&double, r#"{"storm": {"next": 3}}"#).await,
        json!({"per_second": null, "burst": null, "retry_after": "seconds", "storm": {"next": 3}})
    );
    assert_eq!(
        me(&double, "garbled").await.status,
        401,
        "an unauthenticated request takes nothing from the storm"
    );
    for _ in 0..3 {
        let answer = me(&double, &token).await;
        assert!(is_429(&answer), "{answer:?}");
        assert_eq!(answer.retry_after.as_deref(), Some("1"));
    }
    assert_eq!(statuses(&double, &token, 5).await, [200; 5]);
    assert_eq!(throttled_count(&double).await, 3);
    assert_eq!(
        admin(&double, reqwest::Method::GET, "throttle", "")
            .await
            .body,
        json!({"throttle": null})
    );

    // In the configured mode: an HTTP-date one second ahead (rounded up).
    configure(
        &double,
        r#"{"retry_after": "http-date", "storm": {"next": 1}}"#,
    )
    .await;
    let before = SystemTime::now();
    let answer = me(&double, &token).await;
    let date = answer.retry_after.as_deref().expect("a Retry-After header");
    let at = httpdate::parse_http_date(date).expect("an HTTP-date");
    assert!(
        at >= before + Duration::from_secs(1) && at <= SystemTime::now() + Duration::from_secs(2),
        "{date}"
    );
    assert_eq!(me(&double, &token).await.status, 200, "the bucket has room");
}

#[tokio::test]
async fn a_timed_storm_answers_429_with_the_time_left_until_it_is_ended() {
    let double = IonDouble::start(data()).await;
    let token = token(&double).await;
    let settings = configure(&double, r#"{"storm": {"for_ms": 1500}}"#).await;
    let left = settings["storm"]["for_ms"].as_u64().expect("time left");
    assert!((1..=1500).contains(&left), "{settings}");
    let answer = me(&double, &token).await;
    assert!(is_429(&answer), "{answer:?}");
    let seconds: u64 = answer
        .retry_after
        .as_deref()
        .and_then(|s| s.parse().ok())
        .expect("delta-seconds");
    assert!((1..=2).contains(&seconds), "{seconds}");

    configure(&double, r#"{"storm": {"for_ms": 60000}}"#).await;
    let answer = me(&double, &token).await;
    assert!(is_429(&answer), "{answer:?}");
    let seconds: u64 = answer
        .retry_after
        .as_deref()
        .and_then(|s| s.parse().ok())
        .expect("delta-seconds");
    assert!((59..=60).contains(&seconds), "{seconds}");

    assert_eq!(
        configure(&double, r#"{"storm": null}"#).await,
        json!({"throttle": null})
    );
    assert_eq!(me(&double, &token).await.status, 200);
}

#[tokio::test]
async fn settings_change_at_run_time_and_off_removes_the_limit_and_the_storm() {
    let double = IonDouble::start(data()).await;
    let token = token(&double).await;
    assert_eq!(
        configure(&double, r#"{"per_second": 1, "burst": 2}"#).await,
        json!({"per_second": 1, "burst": 2, "retry_after": "seconds", "storm": null})
    );
    assert_eq!(statuses(&double, &token, 3).await, [200, 200, 429]);
    assert_eq!(
        configure(&double, r#"{"retry_after": "absent"}"#).await,
        json!({"per_second": 1, "burst": 2, "retry_after": "absent", "storm": null}),
        "unset fields keep their value"
    );
    let answer = me(&double, &token).await;
    assert!(is_429(&answer), "the bucket is still empty: {answer:?}");
    assert_eq!(answer.retry_after, None);

    configure(&double, r#"{"storm": {"next": 50}}"#).await;
    assert_eq!(
        configure(&double, r#"{"off": true}"#).await,
        json!({"throttle": null})
    );
    assert_eq!(statuses(&double, &token, 10).await, [200; 10]);
    assert_eq!(throttled_count(&double).await, 2);
}

#[tokio::test]
async fn reset_keeps_the_settings_but_fills_the_buckets_and_ends_a_storm() {
    let double = throttled(1, RetryAfter::HttpDate).await;
    let token = token(&double).await;
    assert_eq!(statuses(&double, &token, 2).await, [200, 429]);
    configure(&double, r#"{"storm": {"next": 5}}"#).await;
    assert_eq!(
        admin(&double, reqwest::Method::POST, "reset", "")
            .await
            .body,
        json!({"reset": true})
    );
    assert_eq!(throttled_count(&double).await, 0);
    assert_eq!(
        admin(&double, reqwest::Method::GET, "throttle", "")
            .await
            .body,
        json!({"per_second": 1, "burst": 1, "retry_after": "http-date", "storm": null})
    );
    assert_eq!(statuses(&double, &token, 2).await, [200, 429]);
    assert_eq!(throttled_count(&double).await, 1);
}

#[tokio::test]
async fn bad_settings_get_400_naming_the_field_and_change_nothing() {
    let double = throttled(2, RetryAfter::Seconds).await;
    for (body, names) in [
        ("{not json", "not JSON"),
        ("\u{0}\u{fffd}", "not JSON"),
        ("[]", "per_second, burst, retry_after, off and storm"),
        (r#"{"rate_limit": 3}"#, "`rate_limit`"),
        (
            r#"{"per_second": 0}"#,
            "`per_second` must be a whole number from 1",
        ),
        (r#"{"burst": "2"}"#, "`burst` must be a whole number from 1"),
        (
            r#"{"retry_after": "Seconds"}"#,
            r#""seconds" (delta-seconds), "http-date" (an HTTP-date) or "absent""#,
        ),
        (r#"{"off": 1}"#, "`off` must be true"),
        (r#"{"off": true, "storm": null}"#, "send it alone"),
        (r#"{"storm": {"next": -1}}"#, r#"{"next": N}"#),
        (r#"{"storm": {"for_ms": 0.5}}"#, r#"{"for_ms": T}"#),
    ] {
        let answer = admin(&double, reqwest::Method::POST, "throttle", body).await;
        let message = answer.body["errors"][0]["message"].as_str().unwrap_or("");
        assert_eq!(answer.status, 400, "{body}: {answer:?}");
        assert!(message.contains(names), "{body}: {message}");
    }
    assert_eq!(
        configure(&double, "").await,
        json!({"per_second": 1, "burst": 2, "retry_after": "seconds", "storm": null}),
        "nothing changed; an empty body shows the settings"
    );
    let put = admin(&double, reqwest::Method::PUT, "throttle", "{}").await;
    assert_eq!(put.status, 405);
}
