//! A case run end to end against the embedded double: a refused request (ION's 401 with
//! `{"errors": [...]}`) reaches the checks, classified, so `expect.auth` can hold or fail.

use std::path::Path;
use std::sync::Arc;

use ion_contract::client::{GraphqlClient, http_client};
use ion_contract::double::{DoubleData, IonDouble};
use ion_contract::execute::{CaseRun, FailureKind, describe_failure};
use ion_contract::suite::{self, LoadContext, Suite};
use ion_contract::webhook::{TargetPlace, WebhookSetup};

const SUITE: &str = r#"name: Refusals
cases:
  - name: missing-is-expected
    steps:
      - query: "query Me { me { id } }"
        expect: {auth: missing}
  - name: another-class-is-expected
    steps:
      - query: "query Me { me { id } }"
        expect: {auth: wrong-environment}
  - name: no-refusal-is-expected
    steps:
      - query: "query Me { me { id } }"
"#;

fn load() -> (Arc<DoubleData>, Suite) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let data = DoubleData::load(
        &root.join("suites/schema/ion.graphql"),
        &root.join("suites/seed/demo.yaml"),
    )
    .unwrap_or_else(|e| panic!("the starter schema and seed load: {e}"));
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("execute-auth");
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let file = dir.join("refusals.yaml");
    std::fs::write(&file, SUITE).expect("write suite");
    let targets = ["mock".to_owned()];
    let context = LoadContext::new(data.schema(), &targets);
    let suite = suite::load_suite(&dir, &file, &context).unwrap_or_else(|f| panic!("{f}"));
    (Arc::new(data), suite)
}

#[tokio::test]
async fn a_401_reaches_the_checks_classified() {
    let (data, suite) = load();
    let double = IonDouble::start(data).await;
    let http = http_client().expect("http client");
    // No token source: requests carry no Authorization header, and ION answers
    // 401 `Please provide proper credentials`.
    let client = GraphqlClient::new(http, format!("{}/graphql", double.api_url()), None);
    let env = |_: &str| None;
    let mut failures = Vec::new();
    for case in &suite.cases {
        let run = CaseRun {
            suite: &suite,
            case,
            target: "mock",
            credential_variables: "the double's built-in demo key",
            read_only: false,
            client: &client,
            profiles: &Default::default(),
            env: &env,
            webhooks: &WebhookSetup::new(None, TargetPlace::ThisMachine),
            step_timeout: std::time::Duration::from_secs(30),
            double_control: None,
        };
        let outcome = run.run().await;
        assert_eq!(outcome.steps[0].status, Some(401), "{}", case.name);
        failures.push(outcome.failure.map(|f| {
            assert!(
                matches!(f.kind, FailureKind::Mismatches(_)),
                "{}: {:?}",
                case.name,
                f.kind
            );
            describe_failure(&run, &f)
        }));
    }
    assert!(failures[0].is_none(), "{:?}", failures[0]);
    let wrong = failures[1].as_deref().unwrap_or_default();
    assert!(
        wrong.contains("auth\n      expected: wrong-environment (ION refuses the request: ")
            && wrong.contains("actual:   missing (HTTP 401)")
            && wrong.contains("Please provide proper credentials"),
        "{wrong}"
    );
    assert!(!wrong.contains("HTTP status"), "{wrong}");
    let plain = failures[2].as_deref().unwrap_or_default();
    assert!(
        plain.contains("HTTP status\n      expected: 200\n      actual:   401")
            && plain.contains("GraphQL errors")
            && plain.contains("ION refused the request: missing: ")
            && plain.contains("help: set the double's built-in demo key"),
        "{plain}"
    );
}
