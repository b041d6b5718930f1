//! The double's data shapes and `data pull`, against `serve`: a pulled seed is served back
//! by `serve --data snapshot` with ids and foreign keys kept and sensitive values faked;
//! a failed preflight and production stop the pull before any GraphQL request;
//! `serve --data blank` and `data = "blank"` serve a fresh tenant.

use common::serve::Serve;
use common::{Scratch, ion_contract, output, stderr, stdout};

use super::*;

const SANDBOX_API: &str = "ION_SANDBOX_API_URL";

/// `data pull --target sandbox <args>` against `serve`'s sandbox.
fn pull(serve: &Serve, args: &[&str]) -> std::process::Output {
    let mut all = vec!["data", "pull", "--target", "sandbox"];
    all.extend(args);
    output(ion_contract(&all).envs(serve.env("ION_SANDBOX_")))
}

#[test]
fn a_pulled_seed_is_served_back_with_ids_and_keys_kept_and_sensitive_values_faked() {
    // Arrange: a part with an email in its description, stocked; a receiver with a secret.
    let serve = Serve::start();
    let created = serve.sandbox_query(
        "mutation { createPart(input: {partNumber: \"PN-PULL-1\", description: \
         \"ask jane.doe@acme.example\"}) { part { id } } }",
    );
    let part = created["data"]["createPart"]["part"]["id"].clone();
    let stock = serve.sandbox_query(&format!(
        "mutation {{ createPartInventory(input: {{partId: {part}, locationId: 2, quantity: 3}}) \
         {{ partInventory {{ id }} }} }}"
    ));
    let stock = stock["data"]["createPartInventory"]["partInventory"]["id"].clone();
    assert!(stock.is_number(), "stocked: {stock}");
    let receiver = serve.sandbox_query(
        "mutation { createWebhookReceiver(input: {name: \"erp\", webhookUri: \
         \"https://hooks.example/T0/hook-token-zq81\", sharedSecret: \"whsec-pull-zq81\"}) \
         { webhookReceiver { id } } }",
    );
    assert!(receiver["errors"].is_null(), "{receiver}");
    let dir = Scratch::new("data-pull");
    let file = dir.0.join("snapshot.yaml");
    let file_arg = file.to_string_lossy().into_owned();

    // Act
    let out = pull(
        &serve,
        &[
            "--types",
            "PartInventory,WebhookReceiver",
            "--out",
            &file_arg,
        ],
    );

    // Assert: the file holds the rows, without the secret, the token or the email.
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("values faked"), "{}", stdout(&out));
    let text = std::fs::read_to_string(&file).expect("the seed file");
    assert!(text.contains("PN-PULL-1"), "{text}");
    for never in [
        "jane.doe",
        "whsec-pull-zq81",
        "hook-token-zq81",
        "sharedSecret",
    ] {
        assert!(!text.contains(never), "{never} in {text}");
    }
    let served = Serve::start_with(&["--data", "snapshot", "--seed", &file_arg]);
    let read = served.sandbox_query(&format!(
        "{{ partInventory(id: {stock}) {{ partId quantity part {{ id partNumber description }} }} \
         me {{ email }} procedures {{ edges {{ node {{ id }} }} }} }}"
    ));
    let inventory = &read["data"]["partInventory"];
    assert_eq!(inventory["partId"], part, "{read}");
    assert_eq!(inventory["part"]["partNumber"], "PN-PULL-1", "{read}");
    assert_eq!(
        inventory["part"]["description"],
        Value::from(format!("text {part}")),
        "{read}"
    );
    assert_eq!(read["data"]["me"]["email"], "user1@example.com", "{read}");
    assert_eq!(
        read["data"]["procedures"]["edges"],
        json!([]),
        "a snapshot has no generated rows: {read}"
    );
}

#[test]
fn a_failed_preflight_stops_the_pull_before_any_graphql_request() {
    let dir = Scratch::new("data-pull-preflight");
    let out = dir.0.join("never.yaml").to_string_lossy().into_owned();
    Serve::start().assert_preflight_stops(&["data", "pull", "--target", "sandbox", "--out", &out]);
    assert!(!dir.0.join("never.yaml").exists());
}

#[test]
fn production_is_pulled_only_with_allow_production() {
    let serve = Serve::start();
    let dir = Scratch::new("data-pull-production");
    let file = dir.0.join("production.yaml").to_string_lossy().into_owned();
    let args = [
        "data",
        "pull",
        "--target",
        "production",
        "--types",
        "Part",
        "--out",
        &file,
    ];
    let refused = output(ion_contract(&args).envs(serve.env("ION_PROD_")));
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("\nhelp: "),
        "{}",
        stderr(&refused)
    );
    let counts = serve.admin("ION_PROD_API_URL", "GET", "requests");
    assert_eq!(counts["total"], 0, "nothing reached production: {counts}");

    let mut allowed = args.to_vec();
    allowed.push("--allow-production");
    let out = output(ion_contract(&allowed).envs(serve.env("ION_PROD_")));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&file).expect("the seed file");
    assert!(text.contains("PN-1001"), "{text}");
    let sandbox = serve.admin(SANDBOX_API, "GET", "requests");
    assert_eq!(sandbox["total"], 0, "the sandbox was not read: {sandbox}");
}

/// The parts and `me` a serve's sandbox answers.
fn parts_and_me(serve: &Serve) -> Value {
    serve.sandbox_query(
        "{ parts { edges { node { id } } } me { id organization { id } } \
         locations { edges { node { id } } } }",
    )
}

#[test]
fn blank_data_is_a_fresh_tenant_by_flag_and_by_configuration() {
    let flag = parts_and_me(&Serve::start_with(&["--data", "blank"]));
    let project = Scratch::new("data-blank-toml");
    project.write("ion-contract.toml", "data = \"blank\"\n");
    let configured = parts_and_me(&Serve::start_in(&project.0, &[]));
    for read in [flag, configured] {
        let data = &read["data"];
        assert_eq!(data["parts"]["edges"], json!([]), "{read}");
        assert_eq!(data["locations"]["edges"], json!([]), "{read}");
        assert_eq!(data["me"]["id"], 1, "{read}");
        assert_eq!(data["me"]["organization"]["id"], 1, "{read}");
    }
}
