//! Throttling end to end against `ion-contract serve`, measured by the server: the throttle
//! suites pass, nothing is sent before an advertised Retry-After, `max_rps` holds, and a 429
//! storm loses no request and duplicates no mutation.

use crate::common;

use std::time::{Duration, Instant};

use common::serve::Serve;
use common::{Scratch, output, stderr, stdout};
use serde_json::{Value, json};

const SANDBOX_API: &str = "ION_SANDBOX_API_URL";

fn post(url: &str, body: &Value, token: Option<&str>) -> (u16, Value) {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let mut request = reqwest::Client::new().post(url).json(body);
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json().await.unwrap_or(Value::Null))
        })
}

#[test]
fn the_throttle_suites_pass_on_serve_and_nothing_is_sent_before_retry_after() {
    let serve = Serve::start();
    let out = output(
        common::ion_contract(&["run", "--target", "sandbox", "throttle/"])
            .envs(serve.env("ION_SANDBOX_")),
    );
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{report}{}", stderr(&out));
    assert!(
        report.contains("10 passed; 0 failed; 0 ignored"),
        "{report}"
    );
    let counts = serve.admin(SANDBOX_API, "GET", "requests");
    assert!(counts["throttled"].as_u64().unwrap() >= 10, "{counts}");
    assert_eq!(
        counts["early"], 0,
        "no request before its Retry-After: {counts}"
    );
    let settings = serve.admin(SANDBOX_API, "GET", "throttle");
    assert_eq!(
        settings,
        json!({"throttle": null}),
        "the case's settings are put back"
    );
}

#[test]
fn the_early_counter_sees_a_client_that_ignores_retry_after() {
    // The control for the test above: a client that comes back at once is counted.
    let serve = Serve::start();
    let api = &serve.vars[SANDBOX_API];
    let token = serve.token("ION_SANDBOX_");
    post(
        &format!("{api}/__double/throttle"),
        &json!({"storm": {"next": 1}}),
        None,
    );
    let me = json!({"query": "{ me { id } }"});
    let (status, _) = post(&format!("{api}/graphql"), &me, Some(&token));
    assert_eq!(status, 429);
    // Past the allowance for a request already in flight, well before the 1 s advertised.
    std::thread::sleep(Duration::from_millis(150));
    let (status, _) = post(&format!("{api}/graphql"), &me, Some(&token));
    assert_eq!(status, 200);
    assert_eq!(serve.admin(SANDBOX_API, "GET", "requests")["early"], 1);
}

#[test]
fn a_storm_loses_no_request_and_duplicates_no_mutation_and_max_rps_holds() {
    const REQUESTS: u32 = 12;
    const MAX_RPS: u32 = 8;
    let serve = Serve::start();
    let api = serve.vars[SANDBOX_API].clone();
    let scratch = Scratch::new("storm");
    scratch.write(
        "targets.yaml",
        &format!("targets:\n  sandbox:\n    max_rps: {MAX_RPS}\n"),
    );
    // Twelve creates at 50 a second, paced to 8 a second, through a storm of 429s (of
    // locations: a part number is unique per revision, a location's name need not be).
    scratch.write(
        "storm.yaml",
        &format!(
            "name: Storm\ndouble:\n  throttle: {{per_second: 100, retry_after: seconds}}\n  storm: {{next: 5}}\ncases:\n  - name: creates\n    throttle: {{requests: {REQUESTS}, rate: 50}}\n    steps:\n      - query: |\n          mutation {{ createLocation(input: {{name: \"STORM\", description: \"storm\"}}) {{ location {{ id }} }} }}\n"
        ),
    );
    let started = Instant::now();
    let out = output(
        scratch
            .command(&["run", "--target", "sandbox"])
            .envs(serve.env("ION_SANDBOX_")),
    );
    let took = started.elapsed();
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{report}{}", stderr(&out));

    let counts = serve.admin(SANDBOX_API, "GET", "requests");
    assert_eq!(counts["throttled"], 5, "{counts}");
    assert_eq!(counts["early"], 0, "{counts}");
    // Every create arrived once after its 429s: nothing lost, nothing doubled.
    let token = serve.token("ION_SANDBOX_");
    let count = json!({"query": "{ locations(filters: {name: {eq: \"STORM\"}}) { pageInfo { totalCount } } }"});
    let (_, body) = post(&format!("{api}/graphql"), &count, Some(&token));
    assert_eq!(
        body["data"]["locations"]["pageInfo"]["totalCount"], REQUESTS,
        "{body}"
    );
    // Paced to MAX_RPS: 12 creates + 5 retries + the preflight's `me` leave at least 1/8 s
    // apart, and the storm's Retry-After adds a second.
    let floor = Duration::from_secs_f64(f64::from(REQUESTS + 5) / f64::from(MAX_RPS));
    assert!(
        took >= floor,
        "{REQUESTS} requests took {took:?}, under {floor:?}"
    );
}
