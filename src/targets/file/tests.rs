//! Tests of the targets file reader.

use super::*;
use crate::auth::Realm;

fn parse_text(text: &str) -> Result<Targets, TargetsError> {
    parse(Path::new("suites/targets.yaml"), text)
}

fn problems(text: &str) -> Vec<String> {
    match parse_text(text) {
        Err(TargetsError::Invalid(list)) => list
            .iter()
            .map(|d| format!("{}: {}", d.location(), d.message))
            .collect(),
        other => panic!("expected problems, got {other:?}"),
    }
}

#[test]
fn adjusts_builtins_and_adds_targets() {
    let targets = parse_text(
        "targets:\n  sandbox:\n    api_url: http://127.0.0.1:4010\n  gov-sandbox:\n    environment: gov-sandbox\n    variables:\n      token: ION_GOV_TOKEN\n  mock-ro:\n    environment: mock\n    read_only: true\n    imitates: production\n",
    )
    .unwrap();
    assert_eq!(
        targets.names(),
        ["mock", "sandbox", "production", "gov-sandbox", "mock-ro"]
    );
    let sandbox = targets.get("sandbox").unwrap();
    assert_eq!(sandbox.api_url, "http://127.0.0.1:4010");
    assert_eq!(sandbox.auth_url, "https://staging-auth.buildwithion.com");
    assert_eq!(
        sandbox.variables.client_id.as_deref(),
        Some("ION_SANDBOX_CLIENT_ID")
    );
    let gov = targets.get("gov-sandbox").unwrap();
    assert_eq!(gov.api_url, "https://api-staging-gov.buildwithion.com");
    assert_eq!(gov.variables.to_string(), "ION_GOV_TOKEN");
    let ro = targets.get("mock-ro").unwrap();
    assert!(ro.is_double() && ro.read_only);
    assert_eq!(ro.realm(), Realm::Production);
    assert_eq!(targets.get("mock").unwrap().realm(), Realm::Sandbox);
    assert_eq!(
        sandbox.variables.expired_token.as_deref(),
        Some("ION_SANDBOX_EXPIRED_TOKEN")
    );
    assert_eq!(parse_text("# nothing yet\n").unwrap(), Targets::default());
}

#[test]
fn every_problem_is_located() {
    let got = problems(concat!(
        "targets:\n",
        "  mock: {}\n",
        "  Prod: {environment: production}\n",
        "  staging2:\n",
        "    environment: stagin\n",
        "  production:\n",
        "    read_only: false\n",
        "    api_url: http://api.buildwithion.com\n",
        "  gov:\n",
        "    environment: gov-sandbox\n",
        "    varaibles: {}\n",
        "  expired: {environment: sandbox}\n",
        "  mock-prod:\n",
        "    environment: mock\n",
        "    imitates: prodution\n",
        "  aus:\n",
        "    environment: aus-staging\n",
        "    variables: {client_secret: 'hunter2 value', token: ION_AUS_TOKEN}\n",
        "retries: 3\n",
    ));
    assert_eq!(
        got,
        [
            "suites/targets.yaml:2:3: `mock` is the built-in embedded double and cannot be redefined",
            "suites/targets.yaml:3:3: target name `Prod` has `P` at position 1",
            "suites/targets.yaml:5:18: unknown environment `stagin`; did you mean 'staging'?",
            "suites/targets.yaml:7:16: target `production` is a production environment, which is always read-only",
            "suites/targets.yaml:8:14: `api_url` is not a usable URL: plain http is accepted only for loopback hosts (127.0.0.1, localhost); use https",
            "suites/targets.yaml:11:5: unknown key `varaibles` in target `gov`; did you mean 'variables'?",
            "suites/targets.yaml:9:3: target `gov` names no credential variables",
            "suites/targets.yaml:12:3: `expired` is a reserved credential profile, not a target name",
            "suites/targets.yaml:15:15: unknown environment `prodution` for `imitates`; did you mean 'production'?",
            "suites/targets.yaml:18:32: `variables.client_secret` must name an environment variable",
            "suites/targets.yaml:19:1: unknown key `retries` at the top of the targets file",
        ]
    );
}

#[test]
fn a_value_pasted_as_a_variable_name_is_never_echoed() {
    let Err(error) = parse_text(
        "targets:\n  sandbox:\n    variables:\n      client_secret: 'xK9-secret-value'\n",
    ) else {
        panic!("expected an error");
    };
    let text = error.to_string();
    assert!(text.contains("targets.yaml:4:22"), "{text}");
    assert!(!text.contains("xK9-secret-value"), "{text}");
}

#[test]
fn a_webhook_uri_is_an_https_or_loopback_url() {
    let targets =
        parse_text("targets:\n  sandbox:\n    webhook_uri: https://hooks.example.com/ion/\n")
            .unwrap();
    assert_eq!(
        targets.get("sandbox").unwrap().webhook_uri.as_deref(),
        Some("https://hooks.example.com/ion")
    );
    assert_eq!(targets.get("mock").unwrap().webhook_uri, None);
    let got = problems(
        "targets:\n  sandbox:\n    webhook_uri: http://hooks.example.com/ion\n  local:\n    environment: mock\n    webhook_uri: [1]\n",
    );
    assert_eq!(
        got,
        [
            "suites/targets.yaml:3:18: `webhook_uri` is not a usable URL: plain http is accepted only for loopback hosts (127.0.0.1, localhost); use https",
            "suites/targets.yaml:6:18: `webhook_uri` is not a usable URL: it is a list, not a URL",
        ]
    );
}

#[test]
fn require_credentials_is_a_live_targets_yes_or_no() {
    let targets = parse_text("targets:\n  sandbox:\n    require_credentials: true\n").unwrap();
    assert!(targets.get("sandbox").unwrap().require_credentials);
    assert!(!targets.get("production").unwrap().require_credentials);
    let got = problems(
        "targets:\n  sandbox:\n    require_credentials: 'yes'\n  local:\n    environment: mock\n    require_credentials: true\n",
    );
    assert_eq!(
        got,
        [
            "suites/targets.yaml:3:26: `require_credentials` must be true or false, found a string",
            "suites/targets.yaml:6:26: `require_credentials` means nothing for the embedded double, which needs none",
        ]
    );
}

#[test]
fn a_double_takes_a_data_shape_and_a_live_target_does_not() {
    let targets =
        parse_text("targets:\n  mock-blank:\n    environment: mock\n    data: blank\n").unwrap();
    let blank = targets.get("mock-blank").unwrap();
    assert_eq!(blank.data, Some(crate::double::DataShape::Blank));
    assert_eq!(targets.get("mock").unwrap().data, None);
    let got = problems(
        "targets:\n  m2:\n    environment: mock\n    data: blnk\n  sandbox:\n    data: demo\n",
    );
    assert_eq!(
        got,
        [
            "suites/targets.yaml:4:11: unknown data shape \"blnk\" for `data`; did you mean 'blank'?",
            "suites/targets.yaml:6:11: `data` is for the embedded double (`environment: mock`)",
        ]
    );
}
