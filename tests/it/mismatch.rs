//! Environment mismatch end to end, against `ion-contract serve` as a user's shell reaches
//! it: every refusal class produced by a real request and classified, and the preflight
//! stopping a sandbox target fed production credentials before any GraphQL request.

use crate::common;

use common::serve::Serve;
use common::{Scratch, ion_contract, output, stderr, stdout};

const SANDBOX_API: &str = "ION_SANDBOX_API_URL";

/// The lines of a libtest report that passed, failed or were ignored.
fn verdicts(report: &str, verdict: &str) -> Vec<String> {
    report
        .lines()
        .filter(|l| l.starts_with("test ") && l.ends_with(&format!("... {verdict}")))
        .map(|l| l.split_whitespace().nth(1).unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn each_refusal_class_comes_from_serve_and_is_classified_on_both_environments() {
    let serve = Serve::start();
    let sandbox_expired = serve.expired_token("ION_SANDBOX_");
    let production_expired = serve.expired_token("ION_PROD_");
    for (target, expired_variable, expired) in [
        ("sandbox", "ION_SANDBOX_EXPIRED_TOKEN", &sandbox_expired),
        ("production", "ION_PROD_EXPIRED_TOKEN", &production_expired),
    ] {
        let out = output(
            ion_contract(&["run", "--target", target, "mismatch/"])
                .envs(serve.env("ION_SANDBOX_"))
                .envs(serve.env("ION_PROD_"))
                .env(expired_variable, expired),
        );
        let report = stdout(&out);
        assert_eq!(out.status.code(), Some(0), "{report}{}", stderr(&out));
        // Each `expect: {auth: <class>}` held: a wrong class fails the case (the `check` tests).
        let passed = verdicts(&report, "ok");
        let expected: &[&str] = if target == "sandbox" {
            &[
                "production-token-is-wrong-environment",
                "expired-token-is-expired",
                "missing-header-is-missing",
                "malformed-token-is-malformed",
                "unknown-issuer-is-wrong-environment",
                "own-token-is-accepted",
            ]
        } else {
            &[
                "sandbox-token-is-wrong-environment",
                "expired-token-is-expired",
                "unknown-issuer-is-wrong-environment",
                "own-token-is-accepted",
            ]
        };
        for case in expected {
            assert!(
                passed
                    .iter()
                    .any(|t| t.contains(&format!("::{case}::{target}"))),
                "{case} on {target}: {report}"
            );
        }
        assert!(verdicts(&report, "ignored").is_empty(), "{report}");
    }
}

#[test]
fn the_double_imitating_production_refuses_a_sandbox_token() {
    let out = output(&mut ion_contract(&[
        "run",
        "--target",
        "mock-production",
        "mismatch/",
    ]));
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{report}{}", stderr(&out));
    assert!(
        verdicts(&report, "ok").contains(
            &"mismatch/production-api::sandbox-token-is-wrong-environment::mock-production"
                .to_owned()
        ),
        "{report}"
    );
}

#[test]
fn the_preflight_stops_a_sandbox_target_fed_a_production_token_before_any_graphql_request() {
    let serve = Serve::start();
    let production_token = serve.token("ION_PROD_");
    let mut sandbox: Vec<(&str, &str)> = serve
        .env("ION_SANDBOX_")
        .into_iter()
        .filter(|(name, _)| !name.contains("CLIENT_"))
        .collect();
    sandbox.push(("ION_SANDBOX_TOKEN", &production_token));

    let out = output(ion_contract(&["run", "--target", "sandbox"]).envs(sandbox.clone()));
    let (report, errors) = (stdout(&out), stderr(&out));
    assert_eq!(
        out.status.code(),
        Some(3),
        "a failed preflight: {report}{errors}"
    );
    let diagnosis = "environment mismatch: target sandbox, but the token was issued by \
         production (iss https://auth-production-pub.buildwithion.com/realms/api-keys). \
         Production credentials do not work in a sandbox; register an API key in the sandbox \
         tenant and set ION_SANDBOX_CLIENT_ID/ION_SANDBOX_CLIENT_SECRET.";
    assert!(errors.contains(diagnosis), "{errors}");
    assert!(
        verdicts(&report, "FAILED").contains(&"preflight::sandbox".to_owned()),
        "{report}"
    );
    assert!(
        report.contains("not run: target sandbox failed its preflight (see preflight::sandbox)"),
        "{report}"
    );
    assert!(verdicts(&report, "ok").is_empty(), "{report}");
    let counts = serve.admin(SANDBOX_API, "GET", "requests");
    assert_eq!(counts["total"], 0, "nothing reached the sandbox: {counts}");

    let out = output(ion_contract(&["preflight", "--target", "sandbox"]).envs(sandbox));
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    let errors = stderr(&out);
    assert!(errors.contains(diagnosis), "{errors}");
    assert!(
        errors.contains("token       iss https://auth-production-pub.buildwithion.com/realms/api-keys (from ION_SANDBOX_TOKEN): production  <- mismatch"),
        "{errors}"
    );
    assert!(!errors.contains(&production_token), "{errors}");
    let counts = serve.admin(SANDBOX_API, "GET", "requests");
    assert_eq!(counts["total"], 0, "{counts}");
}

#[test]
fn a_production_auth_server_or_a_shared_secret_is_refused_before_a_graphql_request() {
    let serve = Serve::start();
    // The sandbox's API, but the production auth server and key: the token comes from
    // production, and the preflight stops at its issuer.
    let mut crossed: Vec<(&str, &str)> = vec![(SANDBOX_API, &serve.vars[SANDBOX_API])];
    for (sandbox, production) in [
        ("ION_SANDBOX_AUTH_URL", "ION_PROD_AUTH_URL"),
        ("ION_SANDBOX_CLIENT_ID", "ION_PROD_CLIENT_ID"),
        ("ION_SANDBOX_CLIENT_SECRET", "ION_PROD_CLIENT_SECRET"),
    ] {
        crossed.push((sandbox, &serve.vars[production]));
    }
    let out = output(ion_contract(&["preflight", "--target", "sandbox"]).envs(crossed));
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    let errors = stderr(&out);
    assert!(
        errors.contains("but the token was issued by production"),
        "{errors}"
    );
    assert!(
        !errors.contains("ion-contract-production-secret"),
        "{errors}"
    );

    // One secret in both environments' variables: refused before anything is sent.
    let out = output(
        ion_contract(&["preflight", "--target", "sandbox"])
            .envs(serve.env("ION_SANDBOX_"))
            .env("ION_PROD_CLIENT_ID", "another-client")
            .env(
                "ION_PROD_CLIENT_SECRET",
                &serve.vars["ION_SANDBOX_CLIENT_SECRET"],
            ),
    );
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    let errors = stderr(&out);
    assert!(
        errors.contains("ION_SANDBOX_CLIENT_SECRET holds the same value as ION_PROD_CLIENT_SECRET"),
        "{errors}"
    );
    assert!(!errors.contains("ion-contract-sandbox-secret"), "{errors}");
    let counts = serve.admin(SANDBOX_API, "GET", "requests");
    assert_eq!(counts["paths"].get("/graphql"), None, "{counts}");
}

#[test]
fn a_passing_preflight_names_the_tenant() {
    let serve = Serve::start();
    let out =
        output(ion_contract(&["preflight", "--target", "sandbox"]).envs(serve.env("ION_SANDBOX_")));
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{report}{}", stderr(&out));
    assert!(
        report.starts_with("preflight of target sandbox: passed\n"),
        "{report}"
    );
    assert!(
        report.contains("tenant      Halcyon Aerodynamics (halcyon-aero.example.test, organization 1), as erp-sync-bot@halcyon-aero.example.test"),
        "{report}"
    );
    assert!(
        report.contains("iss https://auth-staging-pub.buildwithion.com/realms/api-keys"),
        "{report}"
    );
}

#[test]
fn every_command_that_reaches_a_live_ion_stops_at_the_preflight_before_any_graphql_request() {
    let serve = Serve::start();
    // Production's URL and key under the sandbox's names (and no production variable set):
    // only the token's issuer tells, so the token request is all production may see.
    let crossed: Vec<(String, &str)> = serve
        .env("ION_PROD_")
        .into_iter()
        .map(|(name, value)| (name.replacen("ION_PROD_", "ION_SANDBOX_", 1), value))
        .collect();
    let scratch = Scratch::new("preflight-every-command");
    // A baseline, so `drift` goes as far as reaching the target.
    scratch.write(
        "drift@sandbox.snap",
        "---\nsource: ion-contract drift --record\n---\n{}\n",
    );
    let dir = scratch.0.to_string_lossy().into_owned();
    let pulled = scratch.0.join("pulled.graphql");
    let pulled_arg = pulled.to_string_lossy().into_owned();
    let commands: [&[&str]; 9] = [
        &["seed"],
        &["seed", "--clean"],
        &["drift", "--snapshots", &dir],
        &["drift", "--record", "--snapshots", &dir],
        &["schema", "pull", "--out", &pulled_arg],
        &["schema", "diff"],
        &["smoke", "--snapshots", &dir],
        &["run"],
        &["preflight"],
    ];
    let diagnosis = "environment mismatch: target sandbox, but the token was issued by production";
    for command in commands {
        let mut args = command.to_vec();
        args.extend(["--target", "sandbox"]);
        let out = output(
            ion_contract(&args)
                .envs(crossed.iter().map(|(name, value)| (name, value)))
                .env_remove("GITHUB_STEP_SUMMARY"),
        );
        let text = format!("{}{}", stdout(&out), stderr(&out));
        assert_eq!(out.status.code(), Some(3), "{command:?}: {text}");
        assert!(text.contains(diagnosis), "{command:?}: {text}");
        assert!(
            !text.contains(&serve.vars["ION_PROD_CLIENT_SECRET"]),
            "{command:?}: {text}"
        );
    }
    assert!(!pulled.exists(), "no schema was written");
    let counts = serve.admin("ION_PROD_API_URL", "GET", "requests");
    assert_eq!(
        counts["paths"].get("/graphql"),
        None,
        "no GraphQL request (so no write) reached production: {counts}"
    );
    assert_eq!(
        counts["paths"]["/realms/api-keys/protocol/openid-connect/token"],
        commands.len(),
        "each command stopped at its preflight's token: {counts}"
    );
}

#[test]
fn the_preflight_names_a_token_signed_by_a_key_the_sandbox_does_not_publish() {
    let serve = Serve::start();
    // Another `serve`: a sandbox with the same issuer but keys of its own, as a token from
    // another cluster, or one signed before a key rotation, would be.
    let elsewhere = Serve::start();
    let foreign = elsewhere.token("ION_SANDBOX_");
    let auth = &serve.vars["ION_SANDBOX_AUTH_URL"];
    let with_token = |token: &str| {
        let mut vars: Vec<(String, String)> = serve
            .env("ION_SANDBOX_")
            .into_iter()
            .filter(|(name, _)| !name.contains("CLIENT_"))
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect();
        vars.push(("ION_SANDBOX_TOKEN".to_owned(), token.to_owned()));
        output(ion_contract(&["preflight", "--target", "sandbox"]).envs(vars))
    };
    let certs = |counts: &serde_json::Value| {
        counts["paths"]["/realms/api-keys/protocol/openid-connect/certs"].clone()
    };

    let out = with_token(&foreign);
    let errors = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{}{errors}", stdout(&out));
    assert!(
        errors.contains("preflight of target sandbox: the token's signing key (kid sandbox-"),
        "{errors}"
    );
    assert!(
        errors.contains(&format!(
            "is not among the keys the target's auth server publishes at \
             {auth}/realms/api-keys/protocol/openid-connect/certs (sandbox-"
        )),
        "{errors}"
    );
    assert!(
        errors.contains("ION's API would refuse it with 401 `Unable to find appropriate RSA key`"),
        "{errors}"
    );
    assert!(
        errors.contains(&format!(
            "help: set ION_SANDBOX_TOKEN to a token the sandbox auth server {auth} issued"
        )),
        "{errors}"
    );
    assert!(!errors.contains(&foreign), "{errors}");
    let counts = serve.admin(SANDBOX_API, "GET", "requests");
    assert_eq!(counts["paths"].get("/graphql"), None, "{counts}");
    assert_eq!(certs(&counts), 1, "{counts}");

    // The sandbox's own token passes the same check.
    let out = with_token(&serve.token("ION_SANDBOX_"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(certs(&serve.admin(SANDBOX_API, "GET", "requests")), 2);
}
