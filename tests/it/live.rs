//! The live-target path end to end: `ion-contract serve` runs as a separate process on free
//! loopback ports, and `ion-contract run` reaches it through the real OAuth flow with the
//! variables serve prints, as a user's shell would: the command of docs/src/serve.md three
//! times on one serve shared with another team's parts, each run leaving nothing of its own
//! behind.

use crate::common;

use std::collections::HashMap;

use common::serve::Serve;
use common::{Scratch, ion_contract, output, stderr, stdout};

/// What the runs could leave on the sandbox: every part number, and how many inventories,
/// aBOM items, run steps and runs not archived there are.
fn sandbox_rows(serve: &Serve) -> (Vec<String>, [u64; 4]) {
    let body = serve.sandbox_query(
        "{ partInventories { pageInfo { totalCount } } abomItems { pageInfo { totalCount } } \
           runSteps { pageInfo { totalCount } } \
           runs(filters: {archived: {eq: false}}) { pageInfo { totalCount } } }",
    );
    let data = &body["data"];
    let count = |list: &str| {
        data[list]["pageInfo"]["totalCount"]
            .as_u64()
            .expect("a count")
    };
    let counts = [
        count("partInventories"),
        count("abomItems"),
        count("runSteps"),
        count("runs"),
    ];
    (serve.sandbox_part_numbers("{}"), counts)
}

#[test]
fn the_readme_command_passes_again_and_again_on_one_serve_with_foreign_parts() {
    let serve = Serve::start();
    for n in 1..=3 {
        serve.create_foreign_part(&format!("THEIRS-{n}"));
    }
    let (parts_before, counts_before) = sandbox_rows(&serve);
    let tokens_before = serve.admin("ION_SANDBOX_API_URL", "GET", "requests")["paths"]
        ["/realms/api-keys/protocol/openid-connect/token"]
        .as_u64()
        .unwrap_or(0);

    // `ION_TARGET=sandbox ion-contract run` with what serve printed sourced, as the guide
    // (docs/src/serve.md) says: twice one case at a time (a live target's default), then two
    // at once; no reset.
    for (round, threads) in [None, None, Some("2")].into_iter().enumerate() {
        let mut args = vec!["run"];
        args.extend(threads.map(|n| ["--test-threads", n]).into_iter().flatten());
        let out = output(
            ion_contract(&args)
                .env("ION_TARGET", "sandbox")
                .envs(&serve.vars),
        );
        let (report, errors) = (stdout(&out), stderr(&out));
        assert_eq!(
            out.status.code(),
            Some(0),
            "run {}: {report}{errors}",
            round + 1
        );
        assert!(
            report.contains(" 0 failed; 1 ignored"),
            "run {}: {report}",
            round + 1
        );
        assert!(
            errors.contains("cases that run `as: expired` are ignored")
                && errors.contains("needs ION_SANDBOX_EXPIRED_TOKEN"),
            "the one case that needs a variable serve does not print is ignored, saying \
             which: {errors}"
        );
        let passed = |trial: &str| {
            report
                .lines()
                .any(|l| l.starts_with(&format!("test {trial} ")) && l.ends_with("... ok"))
        };
        for trial in [
            "part-lifecycle::create-update-conflict-delete::sandbox",
            "faults/transport::a-mutation-is-not-retried-after-a-reset::sandbox",
            "smoke/chain::the-component-is-installed::sandbox",
        ] {
            assert!(passed(trial), "run {}: {trial}: {report}", round + 1);
        }
        if round == 0 {
            let tokens = serve.admin("ION_SANDBOX_API_URL", "GET", "requests")["paths"]
                ["/realms/api-keys/protocol/openid-connect/token"]
                .as_u64()
                .unwrap_or(0);
            assert_eq!(
                tokens - tokens_before,
                3,
                "one token per key for the whole run (the target's own, `as: reader`, \
                 `as: editor`)"
            );
        }
    }

    // Every case deleted what it created (and archived its runs): what is left beyond the
    // foreign parts and the seed is the chain the smoke suite seeds once (two parts, two
    // units, the component's installation under the assembly's as-built root, one run).
    let (parts_after, counts_after) = sandbox_rows(&serve);
    let mut expected = parts_before.clone();
    expected.extend(["ICT-ASSY-1".to_owned(), "ICT-COMP-1".to_owned()]);
    expected.sort();
    assert!(
        parts_after.iter().all(|n| !n.contains("ion-contract-")),
        "parts of a run were left: {parts_after:?}"
    );
    assert_eq!(parts_after, expected);
    let [inventories, abom_items, run_steps, open_runs] = counts_before;
    assert_eq!(
        counts_after,
        [inventories + 2, abom_items + 2, run_steps, open_runs + 1],
        "inventories, aBOM items, run steps, runs not archived"
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
