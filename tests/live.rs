//! The live-target path end to end: `ion-contract serve` runs as a separate process on free
//! loopback ports, and `ion-contract run` reaches it through the real OAuth flow with the
//! variables serve prints, as a user's shell would.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

use common::{Scratch, ion_contract, output, stderr, stdout};

/// A running `ion-contract serve`, killed when dropped.
struct Serve {
    child: Child,
    /// The `export` variables it printed.
    vars: HashMap<String, String>,
}

impl Serve {
    fn start() -> Serve {
        Serve::start_with(&[])
    }

    /// `serve --port 0` with more arguments.
    fn start_with(more: &[&str]) -> Serve {
        let mut args = vec!["serve", "--port", "0"];
        args.extend(more);
        let mut child = ion_contract(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("serve starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut serve = Serve {
            child,
            vars: HashMap::new(),
        };
        let mut lines = BufReader::new(stdout).lines();
        while !(serve.vars.contains_key("ION_SANDBOX_API_URL")
            && serve.vars.contains_key("ION_PROD_API_URL"))
        {
            let line = lines
                .next()
                .expect("serve prints its export lines before it exits")
                .expect("serve's stdout is text");
            if let Some(assignments) = line.strip_prefix("export ") {
                for assignment in assignments.split_whitespace() {
                    let (name, value) = assignment.split_once('=').expect("NAME=value");
                    serve.vars.insert(name.to_owned(), value.to_owned());
                }
            }
        }
        serve
    }

    /// The variables of one environment (`ION_SANDBOX_` or `ION_PROD_`).
    fn env(&self, prefix: &str) -> Vec<(&str, &str)> {
        self.vars
            .iter()
            .filter(|(name, _)| name.starts_with(prefix))
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect()
    }

    /// `POST` (or `GET`) an admin endpoint of the environment whose API URL is in `variable`.
    fn admin(&self, variable: &str, method: &str, path: &str) -> serde_json::Value {
        let url = format!("{}/__double/{path}", self.vars[variable]);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let client = reqwest::Client::new();
            let request = match method {
                "POST" => client.post(url),
                _ => client.get(url),
            };
            request.send().await.unwrap().json().await.unwrap()
        })
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_suites_pass_on_serves_sandbox_through_oauth() {
    let serve = Serve::start();
    let out = output(ion_contract(&["run", "--target", "sandbox"]).envs(serve.env("ION_SANDBOX_")));
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
        counts["paths"]["/realms/api-keys/protocol/openid-connect/token"], 1,
        "one token for the whole run: {counts}"
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
    let counts = serve.admin("ION_PROD_API_URL", "GET", "requests");
    assert_eq!(counts["total"], 0, "nothing reached production: {counts}");
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
    assert_eq!(out.status.code(), Some(101), "{report}");
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
    assert_eq!(untrusted.status.code(), Some(101), "{report}");
    assert!(
        report.contains("trust its certificate with SSL_CERT_FILE"),
        "{report}"
    );
}
