//! The live-target path end to end: `ion-contract serve` runs as a separate process on free
//! loopback ports, and `ion-contract run` reaches it through the real OAuth flow with the
//! variables serve prints, as a user's shell would.

mod common;

use std::collections::HashMap;

use common::serve::Serve;
use common::{Scratch, ion_contract, output, stderr, stdout};

#[test]
fn the_suites_pass_on_serves_sandbox_through_oauth() {
    let serve = Serve::start();
    // The mismatch suite also runs `as: production` and `as: expired`. The smoke suite seeds
    // the chain into this one shared store, which would shift the ids that later cases
    // snapshot; tests/seeding.rs runs it. The fault suites write too (a mutation whose answer
    // is broken); tests/faults.rs runs them against serve.
    let expired = serve.expired_token("ION_SANDBOX_");
    serve.admin("ION_SANDBOX_API_URL", "POST", "reset");
    let out = output(
        ion_contract(&[
            "run", "--target", "sandbox", "--skip", "smoke/", "--skip", "faults/",
        ])
        .envs(serve.env("ION_SANDBOX_"))
        .envs(serve.env("ION_PROD_"))
        .env("ION_SANDBOX_EXPIRED_TOKEN", &expired),
    );
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{report}{}", stderr(&out));
    let passed = |trial: &str| {
        report
            .lines()
            .any(|l| l.starts_with(&format!("test {trial} ")) && l.ends_with("... ok"))
    };
    assert!(passed("me::me-reports-the-bot-user::sandbox"), "{report}");
    assert!(
        passed("part-lifecycle::create-update-conflict-delete::sandbox"),
        "{report}"
    );
    assert!(report.contains(" 0 failed; 0 ignored"), "{report}");
    let counts = serve.admin("ION_SANDBOX_API_URL", "GET", "requests");
    assert_eq!(
        counts["paths"]["/realms/api-keys/protocol/openid-connect/token"], 3,
        "one token per key for the whole run (the target's own, `as: reader`, `as: editor`): \
         {counts}"
    );
    assert!(
        counts["paths"]["/graphql"].as_u64().unwrap() > 20,
        "{counts}"
    );
}

#[test]
fn production_runs_reads_only_and_refuses_a_forced_mutation_without_a_request() {
    let serve = Serve::start();
    let production = serve.env("ION_PROD_");
    let out = output(ion_contract(&["run", "--target", "production"]).envs(production.clone()));
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{report}{}", stderr(&out));
    assert!(
        !report.contains("part-lifecycle::"),
        "writing suites are not planned: {report}"
    );
    assert!(!report.contains("run-execution::"), "{report}");

    serve.admin("ION_PROD_API_URL", "POST", "reset");
    let scratch = Scratch::new("forced-mutation");
    scratch.write(
        "writer.yaml",
        "name: Writer\ncases:\n  - name: create\n    steps:\n      - query: |\n          mutation { createPart(input: {partNumber: \"PN-X\", description: \"x\"}) { part { id } } }\n",
    );
    let out = output(
        scratch
            .command(&["run", "--target", "production"])
            .envs(production),
    );
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(101), "{report}");
    assert!(
        report.contains(
            "mutation createPart refused: target production is read-only; no request was sent"
        ),
        "{report}"
    );
    // Only the preflight reached production: one token, the JWKS its `kid` is checked
    // against, and its `me`; not the mutation.
    let counts = serve.admin("ION_PROD_API_URL", "GET", "requests");
    assert_eq!(counts["paths"]["/graphql"], 1, "{counts}");
    assert_eq!(
        counts["paths"]["/realms/api-keys/protocol/openid-connect/certs"], 1,
        "{counts}"
    );
    assert_eq!(counts["total"], 3, "{counts}");
}

#[test]
fn a_production_key_sent_to_the_sandbox_is_refused_by_its_token_endpoint() {
    let serve = Serve::start();
    let mut env: HashMap<&str, &str> = serve.env("ION_SANDBOX_").into_iter().collect();
    env.insert("ION_SANDBOX_CLIENT_ID", &serve.vars["ION_PROD_CLIENT_ID"]);
    env.insert(
        "ION_SANDBOX_CLIENT_SECRET",
        &serve.vars["ION_PROD_CLIENT_SECRET"],
    );
    let out = output(ion_contract(&["run", "--target", "sandbox", "me::"]).envs(env));
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(3), "a failed preflight: {report}");
    assert!(report.contains("invalid_client"), "{report}");
    assert!(
        !report.contains(&serve.vars["ION_PROD_CLIENT_SECRET"]),
        "{report}"
    );
    let counts = serve.admin("ION_SANDBOX_API_URL", "GET", "requests");
    assert_eq!(
        counts["paths"]["/realms/api-keys/protocol/openid-connect/token"], 1,
        "a refused key is asked once, not once per trial: {counts}"
    );
}

#[test]
fn over_tls_the_run_trusts_serves_certificate_through_ssl_cert_file() {
    let scratch = Scratch::new("tls");
    let cert = scratch.0.join("cert.pem");
    let cert = cert.to_str().expect("a UTF-8 temp path");
    let serve = Serve::start_with(&["--tls", "--tls-cert", cert]);
    assert!(serve.vars["ION_SANDBOX_API_URL"].starts_with("https://127.0.0.1:"));
    let env = serve.env("ION_SANDBOX_");
    let out = output(
        ion_contract(&["run", "--target", "sandbox", "me::"])
            .envs(env.clone())
            .env("SSL_CERT_FILE", cert),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    let untrusted = output(
        ion_contract(&["run", "--target", "sandbox", "me::"])
            .envs(env)
            .env_remove("SSL_CERT_FILE"),
    );
    let report = stdout(&untrusted);
    assert_eq!(
        untrusted.status.code(),
        Some(3),
        "a failed preflight: {report}"
    );
    assert!(
        report.contains("trust its certificate with SSL_CERT_FILE"),
        "{report}"
    );
}
