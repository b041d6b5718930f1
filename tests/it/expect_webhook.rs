//! `expect_webhook:` from outside: the webhook suite against `serve` (through the harness's
//! sink, and through `webhookEvents` where a target's `webhook_uri` points elsewhere), the
//! `X-Test-Run` header seen by a receiver of the test's own, receivers removed after each
//! case, a failing expectation reported as a `webhook` failure, and the harness's own
//! operations valid against the double's schema (itself checked against ION's).

use crate::common;

use std::time::Duration;

use apollo_compiler::{ExecutableDocument, Schema};
use common::serve::Serve;
use common::{Scratch, output, stderr, stdout};
use serde_json::Value;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const SUITE: &str = "suites/webhooks/parts.yaml";

fn count(body: &Value, field: &str) -> usize {
    body["data"][field]["edges"]
        .as_array()
        .map_or(usize::MAX, Vec::len)
}

#[test]
fn the_webhook_suite_passes_against_serve_and_leaves_no_receiver_behind() {
    let serve = Serve::start();
    let out = serve.run_as_sandbox(&["webhooks/"]);
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{report}{}", stderr(&out));
    assert!(
        report.contains("test result: ok. 4 passed; 0 failed; 0 ignored"),
        "every case ran, through the sink: {report}"
    );
    assert!(
        !stderr(&out).contains("checked through webhookEvents"),
        "serve reaches the sink: {}",
        stderr(&out)
    );
    let left = serve.sandbox_query("{ webhookReceivers { edges { node { id } } } webhookSubscriptions { edges { node { id } } } webhookHeaders { edges { node { id } } } }",
    );
    assert_eq!(count(&left, "webhookReceivers"), 0, "{left}");
    assert_eq!(count(&left, "webhookSubscriptions"), 0, "{left}");
    assert_eq!(count(&left, "webhookHeaders"), 0, "{left}");
    let events = serve.sandbox_query("{ webhookEvents { edges { node { id status } } } }");
    assert_eq!(
        count(&events, "webhookEvents"),
        4,
        "one event per expectation that fires: {events}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_with_a_webhook_uri_is_checked_through_webhook_events_and_tagged_with_the_run_id()
{
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let serve = Serve::start();
    let scratch = Scratch::new("webhook-uri");
    let suite = std::fs::read_to_string(common::manifest_dir().join(SUITE)).expect("the suite");
    scratch.write("parts.yaml", &suite).write(
        "targets.yaml",
        &format!(
            "targets:\n  sandbox:\n    webhook_uri: {}/integration/hooks\n",
            receiver.uri()
        ),
    );
    let mut command = scratch.command(&["run", "--target", "sandbox"]);
    command
        .envs(serve.env("ION_SANDBOX_"))
        .env("ION_TEST_RUN", "ci-run-42");
    let out = tokio::task::spawn_blocking(move || output(&mut command))
        .await
        .expect("the run ends");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stderr(&out).contains(
            "1 event(s) checked through webhookEvents; this target cannot reach the harness's sink"
        ),
        "{}",
        stderr(&out)
    );
    // Create, create, update, delete: four events, each delivered once (the receiver
    // accepts every one). Deliveries run after the mutations' answers: wait for them.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let requests = loop {
        let requests = receiver.received_requests().await.unwrap_or_default();
        if requests.len() >= 4 || tokio::time::Instant::now() >= deadline {
            break requests;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(requests.len(), 4, "{requests:?}");
    for request in &requests {
        assert_eq!(request.url.path(), "/integration/hooks");
        assert_eq!(request.headers["x-test-run"], "ci-run-42");
        assert_eq!(request.headers["x-ion-signature"].len(), 64);
    }
}

#[test]
fn a_webhook_expectation_that_does_not_hold_is_a_located_webhook_failure() {
    let scratch = Scratch::new("webhook-fails");
    scratch.write(
        "hooks.yaml",
        "name: Hooks\ncases:\n  - name: two-expected\n    steps:\n      - query: |\n          mutation { createPart(input: {partNumber: \"ICT-X\", description: \"x\"}) { part { id } } }\n        expect_webhook: {resource: PARTS, action: CREATE, events: 2, within: 200ms}\n",
    );
    let path = scratch.0.join("report.json");
    let out = output(&mut scratch.command(&["run", "--json", &path.to_string_lossy()]));
    assert_eq!(out.status.code(), Some(101), "{}", stderr(&out));
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("the report")).expect("JSON");
    let failure = &report["trials"][0]["failure"];
    assert_eq!(failure["class"], "webhook", "{report}");
    let message = failure["message"].as_str().expect("a message");
    assert!(
        message.contains("hooks.yaml:7:25: webhook events of PARTS CREATE"),
        "{message}"
    );
    assert!(
        message.contains("expected: exactly 2 within 200ms"),
        "{message}"
    );
    assert!(message.contains("actual:   1 on subscription"), "{message}");
    assert!(message.contains("help: "), "{message}");
}

#[test]
fn the_harness_webhook_operations_validate_against_the_schema() {
    let path = common::manifest_dir().join("suites/schema/ion.graphql");
    let sdl = std::fs::read_to_string(&path).expect("the double's schema");
    let schema = Schema::parse_and_validate(sdl, &path).expect("a valid schema");
    for operation in ion_contract::webhook::OPERATIONS {
        if let Err(invalid) = ExecutableDocument::parse_and_validate(&schema, operation, "op") {
            panic!("{operation}\n{}", invalid.errors);
        }
    }
}
