//! Faults and their classes from outside: nothing listening is `connect` (which no double can
//! produce from inside a suite), the double's faults configured per environment, per
//! operation and at run time (`/__double/faults`, `serve --fault`), and the suites of
//! `suites/faults/` against `serve` as a sandbox.

use crate::common;

use std::path::Path;
use std::time::Duration;

use common::serve::Serve;
use common::{output, stderr, stdout};
use ion_contract::client::{DoubleClients, GraphqlClient, GraphqlRequest, http_client};
use ion_contract::double::{EnvironmentSpec, FaultKind, FaultRule, IonDouble};
use ion_contract::execute::{CaseRun, describe_failure};
use ion_contract::report::FailureClass;
use ion_contract::suite::{self, LoadContext};
use ion_contract::webhook::{TargetPlace, WebhookSetup};
use serde_json::{Map, Value, json};

/// A loopback port with nothing behind it: bound, read, and released.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

#[tokio::test]
async fn nothing_listening_is_a_connect_failure_naming_the_request() {
    let data = common::double_data();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("faults-connect");
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let file = dir.join("connect.yaml");
    std::fs::write(
        &file,
        "name: Connect\ncases:\n  - name: nobody-home\n    steps:\n      - query: \"query Me { me { id } }\"\n        retry: false\n",
    )
    .expect("write suite");
    let targets = ["mock".to_owned()];
    let context = LoadContext::new(data.schema(), &targets);
    let suite = suite::load_suite(&dir, &file, &context).unwrap_or_else(|f| panic!("{f}"));
    let endpoint = format!("http://127.0.0.1:{}/graphql", closed_port());
    let client = GraphqlClient::new(http_client().expect("http client"), endpoint, None);
    let env = |_: &str| None;
    let run = CaseRun {
        suite: &suite,
        case: &suite.cases[0],
        target: "mock",
        credential_variables: "none",
        read_only: false,
        client: &client,
        profiles: &Default::default(),
        env: &env,
        webhooks: &WebhookSetup::new(None, TargetPlace::ThisMachine),
        step_timeout: Duration::from_secs(10),
        double_control: None,
    };
    let failure = run.run().await.failure.expect("nothing answers");
    assert_eq!(failure.class(), FailureClass::Connect);
    let message = describe_failure(&run, &failure);
    assert!(
        message.contains("connect: query Me (me) to mock, attempt 1"),
        "{message}"
    );
    assert!(message.contains("could not connect"), "{message}");
    assert!(message.contains("help: nothing answered"), "{message}");
}

async fn me(client: &GraphqlClient, name: &str) -> (u16, Option<Value>) {
    let variables = Map::new();
    let query = format!("query {name} {{ me {{ id }} }}");
    let response = client
        .send(GraphqlRequest {
            query: &query,
            operation_name: Some(name),
            variables: &variables,
            idempotent: false,
            retry: false,
        })
        .await
        .expect("an answer");
    (response.status, response.json())
}

#[tokio::test]
async fn an_environments_faults_apply_per_operation_run_out_and_come_back_after_a_reset() {
    let mut spec = EnvironmentSpec::demo();
    spec.faults = vec![FaultRule {
        kind: FaultKind::Status(503),
        delay: Duration::ZERO,
        operation: Some("Hurt".into()),
        times: Some(1),
    }];
    let double = IonDouble::start_with(common::double_data(), spec).await;
    let client = double.demo_client(&reqwest::Client::new());
    assert_eq!(me(&client, "Fine").await.0, 200, "another operation");
    assert_eq!(me(&client, "Hurt").await.0, 503, "the operation named");
    assert_eq!(me(&client, "Hurt").await.0, 200, "its one time is used");
    let http = reqwest::Client::new();
    let admin = |path: &str| format!("{}/__double/{path}", double.api_url());
    let listed: Value = http
        .get(admin("faults"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed, json!({"faults": []}));
    http.post(admin("reset")).send().await.unwrap();
    assert_eq!(
        me(&client, "Hurt").await.0,
        503,
        "a reset restores the configured faults"
    );

    let added = http
        .post(admin("faults"))
        .json(&json!({"kind": "no-data-or-errors", "times": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 200);
    let (status, body) = me(&client, "Any").await;
    assert_eq!((status, body), (200, Some(json!({"status": "ok"}))));
    let refused = http
        .post(admin("faults"))
        .json(&json!({"kind": "explode"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let message: Value = refused.json().await.unwrap();
    assert!(
        message["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("unknown fault kind `explode`")),
        "{message}"
    );
    http.delete(admin("faults")).send().await.unwrap();
    assert_eq!(me(&client, "Any").await.0, 200, "deleted: no fault left");
    double.set_faults(vec![FaultRule {
        kind: FaultKind::NotJson,
        delay: Duration::ZERO,
        operation: None,
        times: None,
    }]);
    let (status, body) = me(&client, "Any").await;
    assert_eq!((status, body), (200, None), "an HTML page is not JSON");
}

#[test]
fn serve_injects_the_faults_it_is_given_and_says_so() {
    let fault = r#"{"kind": "status", "status": 502, "operation": "me", "times": 1}"#;
    let serve = Serve::start_with(&["--fault", fault]);
    let token = serve.token("ION_SANDBOX_");
    let url = format!("{}/graphql", serve.vars["ION_SANDBOX_API_URL"]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let send = || {
        runtime.block_on(async {
            reqwest::Client::new()
                .post(&url)
                .bearer_auth(&token)
                .json(&json!({"query": "{ me { id } }"}))
                .send()
                .await
                .map_or(0, |r| r.status().as_u16())
        })
    };
    let first = send();
    let second = send();
    assert_eq!((first, second), (502, 200));
    let bad = output(&mut common::ion_contract(&[
        "serve",
        "--port",
        "0",
        "--fault",
        "{\"kind\": 1}",
    ]));
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(
        stderr(&bad).contains("a fault needs `kind`"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn the_fault_suites_pass_against_serve_as_a_sandbox() {
    let serve = Serve::start();
    let out = serve.run_as_sandbox(&["faults/"]);
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{report}{}", stderr(&out));
    assert!(
        report.contains("test result: ok. 15 passed; 0 failed; 0 ignored"),
        "every fault case ran against serve: {report}"
    );
}
