//! The double's limits per request (`ion_contract::double::limits`): a request beyond them
//! is stopped and answered 502 naming the limit, a client that goes away stops its request,
//! a slow body gets 408, and a heavy request does not hold up a light one.

use std::io::{Read as _, Write as _};
use std::time::Duration;

use ion_contract::double::{EnvironmentSpec, IonDouble, Limits};
use serde_json::{Value, json};

use super::{admin, data, post, token};

/// `{ me { organization { users { ... id } } } }` with `pairs` organization/users levels:
/// each level multiplies the result by the users of the organization.
fn nested(pairs: usize) -> String {
    format!(
        "{{ me {{ {}id {}}} }}",
        "organization { users { ".repeat(pairs),
        "} } ".repeat(pairs)
    )
}

async fn double_with(limits: Limits) -> IonDouble {
    let spec = EnvironmentSpec {
        limits,
        ..EnvironmentSpec::demo()
    };
    IonDouble::start_with(data(), spec).await
}

async fn ask(double: &IonDouble, query: &str) -> (u16, Value) {
    let token = token(double).await;
    let body = json!({ "query": query }).to_string();
    post(double, Some(&format!("Bearer {token}")), body).await
}

fn limit_of(body: &Value) -> &str {
    body["errors"][0]["extensions"]["limit"]
        .as_str()
        .unwrap_or_else(|| panic!("no DOUBLE_LIMIT error in {body}"))
}

async fn stopped(double: &IonDouble) -> Value {
    let (_, counts) = admin(double, reqwest::Method::GET, "requests").await;
    counts["stopped"].clone()
}

#[tokio::test]
async fn a_query_nested_past_the_depth_limit_is_refused_before_it_runs() {
    let double = IonDouble::start(data()).await;
    let (status, body) = ask(&double, &nested(14)).await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(limit_of(&body), "max_depth");
    assert_eq!(body["errors"][0]["extensions"]["code"], "DOUBLE_LIMIT");
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("--max-depth"), "{message}");
    assert_eq!(stopped(&double).await, json!({"max_depth": 1}));

    let (status, body) = ask(&double, &nested(2)).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["data"]["me"]["organization"]["users"].is_array(),
        "{body}"
    );
}

#[tokio::test]
async fn a_result_past_the_value_limit_is_stopped_and_a_smaller_one_is_not() {
    let query = "{ parts { edges { node { id partNumber description } } } }";
    let small = double_with(Limits {
        max_result_values: 20,
        ..Limits::default()
    })
    .await;
    let (status, body) = ask(&small, query).await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(limit_of(&body), "max_result_values");
    assert_eq!(body["errors"][0]["extensions"]["value"], 20);
    assert_eq!(stopped(&small).await, json!({"max_result_values": 1}));

    let (status, body) = ask(&IonDouble::start(data()).await, query).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["data"]["parts"]["edges"]
            .as_array()
            .is_some_and(|e| e.len() > 3)
    );
}

#[tokio::test]
async fn a_request_past_the_time_limit_gets_the_gateway_s_502() {
    let double = double_with(Limits {
        time_limit: Duration::ZERO,
        ..Limits::default()
    })
    .await;
    let (status, body) = ask(&double, "{ me { id } }").await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(limit_of(&body), "time_limit");
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("--time-limit"), "{message}");
}

/// Limits no test request reaches: only the client's going away stops it.
fn unbounded() -> Limits {
    Limits {
        max_depth: 1_000,
        max_result_values: u64::MAX,
        time_limit: Duration::from_secs(600),
        ..Limits::default()
    }
}

#[tokio::test]
async fn a_request_whose_client_went_away_stops_executing() {
    let double = double_with(unbounded()).await;
    let token = token(&double).await;
    let abandoned = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .expect("client")
        .post(format!("{}/graphql", double.api_url()))
        .bearer_auth(&token)
        .json(&json!({ "query": nested(40) }))
        .send()
        .await;
    assert!(
        abandoned.is_err(),
        "a 40-deep query cannot finish in 300 ms"
    );
    // The double notices the closed connection and stops at its next field; poll its counter
    // (each poll is a request it answers while the abandoned one is, or was, running).
    let mut counted = Value::Null;
    for _ in 0..200 {
        counted = stopped(&double).await;
        if counted == json!({"cancelled": 1}) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the abandoned request was not stopped within 5 s: stopped = {counted}");
}

#[tokio::test]
async fn a_light_query_is_answered_while_a_heavy_one_runs() {
    let double = double_with(unbounded()).await;
    let token = token(&double).await;
    let client = reqwest::Client::new();
    let heavy = client
        .post(format!("{}/graphql", double.api_url()))
        .bearer_auth(&token)
        .json(&json!({ "query": nested(40) }))
        .send();
    let heavy = tokio::spawn(heavy);
    // The heavy request has reached the double once it counts it.
    let mut reached = false;
    for _ in 0..200 {
        let (_, counts) = admin(&double, reqwest::Method::GET, "requests").await;
        if counts["paths"]["/graphql"] == 1 {
            reached = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(reached, "the heavy query never reached the double");
    let (status, body) = ask(&double, "{ me { id } }").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["me"]["id"], 1, "{body}");
    assert!(
        !heavy.is_finished(),
        "the heavy query (billions of values) finished first"
    );
    heavy.abort();
}

#[test]
fn a_body_sent_slower_than_the_body_time_limit_gets_408() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let double = runtime.block_on(double_with(Limits {
        body_time_limit: Duration::from_millis(200),
        ..Limits::default()
    }));
    let address = double.api_url().trim_start_matches("http://").to_owned();
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("read timeout");
    let head = "POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
                content-length: 100\r\n\r\n{";
    stream.write_all(head.as_bytes()).expect("write");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("--body-time-limit"), "{answer}");
}

#[tokio::test]
async fn a_lookup_by_an_id_that_is_not_a_number_says_so() {
    let double = IonDouble::start(data()).await;
    let (status, body) = ask(&double, r#"{ part(id: "abc") { id } }"#).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["part"], Value::Null, "{body}");
    // graphql-core's wording for a value ION's integer ids cannot take.
    assert_eq!(
        body["errors"][0]["message"], r#"Int cannot represent non-integer value: "abc""#,
        "{body}"
    );
}
