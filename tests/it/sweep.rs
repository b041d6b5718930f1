//! `sweep` from outside, against `serve` as the sandbox: a run killed in the middle of a
//! write case leaves a part and a webhook receiver that `sweep --yes` removes (foreign rows
//! and the seeded demo rows untouched); leftovers of a run that started just now are spared
//! unless `--older-than 0`; a list that cannot be read is a warning; a delete ION refuses
//! once is tried again, one it keeps refusing exits 1; production, a failed preflight, a
//! prefix the seeding chain holds and missing credentials stop it before any GraphQL request.

use crate::common;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::serve::Serve;
use common::{Scratch, ion_contract, output, stderr, stdout};
use serde_json::Value;

const SANDBOX_API: &str = "ION_SANDBOX_API_URL";

/// A write case: a receiver (for `expect_webhook`), a part `PN-${run.id}`, then a step the
/// double answers only after five minutes ([`HANG`]); its cleanup would delete the part.
const KILLED_SUITE: &str = r#"name: Killed
targets: [sandbox]
cases:
  - name: writes-then-hangs
    steps:
      - name: create
        query: |
          mutation C($input: CreatePartInput!) { createPart(input: $input) { part { id _etag } } }
        variables:
          input: { partNumber: "PN-${run.id}", description: "killed mid-case" }
        capture: { id: $.createPart.part.id, etag: $.createPart.part._etag }
        expect_webhook: { resource: PARTS, action: CREATE, id: "${id}", within: 5s }
      - name: hangs
        query: "query HangsHere { me { id } }"
    cleanup:
      - name: delete
        query: |
          mutation D($id: ID!, $etag: String!) { deletePart(id: $id, etag: $etag) { id } }
        variables: { id: "${id}", etag: "${etag}" }
"#;

/// The fault that holds the case's `HangsHere` step for five minutes. Set on the serve
/// rather than with the step's `fault:`, which delays the next request whatever it is: a run
/// killed between adding that rule and sending the step would leave it for the sweep.
const HANG: &str = r#"{"kind": "delay", "delay_ms": 300000, "operation": "HangsHere"}"#;

/// Every part's `partNumber`, by id.
fn parts(serve: &Serve) -> Vec<(Value, String)> {
    let body = serve.sandbox_query("{ parts(first: 1000) { edges { node { id partNumber } } } }");
    body["data"]["parts"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("parts: {body}"))
        .iter()
        .map(|edge| {
            let node = &edge["node"];
            let number = node["partNumber"].as_str().unwrap_or_default().to_owned();
            (node["id"].clone(), number)
        })
        .collect()
}

fn count(serve: &Serve, list: &str) -> usize {
    let body = serve.sandbox_query(&format!("{{ {list} {{ edges {{ node {{ id }} }} }} }}"));
    body["data"][list]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{list}: {body}"))
        .len()
}

/// `ion-contract sweep --target sandbox <args>` against `serve`'s sandbox.
fn sweep(serve: &Serve, args: &[&str]) -> std::process::Output {
    let mut all = vec!["sweep", "--target", "sandbox"];
    all.extend(args);
    output(ion_contract(&all).envs(serve.env("ION_SANDBOX_")))
}

/// Waits (polling, up to a minute) until `done` holds; false if it never did.
fn eventually(mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// The run, killed (SIGKILL) once its part exists: it is then waiting in the case.
fn run_and_kill(serve: &Serve, scratch: &Scratch) -> String {
    let (status, body) = serve.admin_text(SANDBOX_API, reqwest::Method::POST, "faults", HANG);
    assert_eq!(status, 200, "{body}");
    let mut command = scratch.command(&["run", "--target", "sandbox"]);
    command
        .envs(serve.env("ION_SANDBOX_"))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child: Child = command.spawn().expect("the run starts");
    let mut number = None;
    let created = eventually(|| {
        number = parts(serve)
            .into_iter()
            .map(|(_, n)| n)
            .find(|n| n.starts_with("PN-ion-contract-"));
        number.is_some()
    });
    let still_running = child.try_wait().expect("the run's status").is_none();
    child.kill().expect("the run is killed");
    child.wait().expect("the run ends");
    assert!(created, "the run created its part within a minute");
    assert!(
        still_running,
        "the run was still in its case when it was killed"
    );
    number.expect("a part number")
}

#[test]
fn a_run_killed_in_the_middle_of_a_write_case_leaves_rows_that_sweep_yes_removes() {
    let serve = Serve::start();
    serve.create_foreign_part("FOREIGN-1");
    // Seeded from a copy of the suites, so the seeding manifest is this test's own.
    let seeding = Scratch::new("sweep-seed");
    let suites = seeding.suites_copy();
    let seeded = output(
        ion_contract(&["seed", "--target", "sandbox", "--suites", &suites])
            .envs(serve.env("ION_SANDBOX_")),
    );
    assert_eq!(seeded.status.code(), Some(0), "{}", stderr(&seeded));
    let before = parts(&serve);
    assert!(
        before.iter().any(|(_, n)| n == "ICT-ASSY-1"),
        "the chain is seeded"
    );
    let scratch = Scratch::new("sweep-killed");
    scratch.write("killed.yaml", KILLED_SUITE);
    let number = run_and_kill(&serve, &scratch);
    let run_id = number.trim_start_matches("PN-");
    assert_eq!(count(&serve, "webhookReceivers"), 1, "the receiver is left");
    assert_eq!(parts(&serve).len(), before.len() + 1, "the part is left");

    let spared = sweep(&serve, &[]);
    let text = stdout(&spared);
    assert_eq!(spared.status.code(), Some(0), "{text}{}", stderr(&spared));
    assert!(
        text.contains("spared: 4 row(s) of runs that started less than 1h ago"),
        "{text}"
    );
    assert!(
        text.contains("no leftovers of earlier runs to sweep"),
        "{text}"
    );

    let listed = sweep(&serve, &["--older-than", "0"]);
    let text = stdout(&listed);
    assert_eq!(listed.status.code(), Some(0), "{text}{}", stderr(&listed));
    assert!(
        text.contains(&format!("partNumber \"{number}\"  run {run_id} (started")),
        "{text}"
    );
    for kind in [
        "Part ",
        "WebhookHeader ",
        "WebhookReceiver ",
        "WebhookSubscription ",
    ] {
        assert_eq!(
            text.matches(&format!("  {kind}")).count(),
            1,
            "one {kind}: {text}"
        );
    }
    assert!(!text.contains("FOREIGN-1"), "{text}");
    assert!(
        text.ends_with(
            "found 4 leftover(s) of earlier runs; run again with --yes to delete them\n"
        ),
        "{text}"
    );
    assert_eq!(
        count(&serve, "webhookReceivers"),
        1,
        "listing deletes nothing"
    );

    let swept = sweep(&serve, &["--older-than", "0", "--yes"]);
    let text = stdout(&swept);
    assert_eq!(swept.status.code(), Some(0), "{text}{}", stderr(&swept));
    assert!(
        text.contains("swept: 4 deleted, 0 could not be deleted"),
        "{text}"
    );
    assert_eq!(
        parts(&serve),
        before,
        "foreign, demo and chain parts untouched"
    );
    for list in ["webhookReceivers", "webhookSubscriptions", "webhookHeaders"] {
        assert_eq!(count(&serve, list), 0, "{list} swept");
    }

    let again = sweep(&serve, &["--older-than", "0"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert!(
        stdout(&again).contains("no leftovers of earlier runs to sweep"),
        "{}",
        stdout(&again)
    );
}

#[test]
fn only_runs_older_than_the_limit_are_swept_unless_it_is_zero() {
    let serve = Serve::start();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let young = format!("PN-ion-contract-{now}-17-aaaa");
    let old = format!("PN-ion-contract-{}-17-bbbb", now - 7200);
    serve.create_foreign_part(&young);
    serve.create_foreign_part(&old);
    let numbers =
        |serve: &Serve| -> Vec<String> { parts(serve).into_iter().map(|(_, n)| n).collect() };

    let swept = sweep(&serve, &["--yes"]);
    let text = stdout(&swept);
    assert_eq!(swept.status.code(), Some(0), "{text}{}", stderr(&swept));
    assert!(text.contains("swept: 1 deleted"), "{text}");
    assert!(text.contains("spared: 1 row(s)"), "{text}");
    assert!(
        !numbers(&serve).contains(&old),
        "the old run's part is swept"
    );
    assert!(
        numbers(&serve).contains(&young),
        "the young run's part is spared"
    );

    let all = sweep(&serve, &["--yes", "--older-than", "0", "--format", "json"]);
    assert_eq!(all.status.code(), Some(0), "{}", stderr(&all));
    let report: Value = serde_json::from_str(&stdout(&all)).expect("one JSON object");
    assert_eq!(report["target"], "sandbox", "{report}");
    assert_eq!(report["older_than_secs"], 0, "{report}");
    assert_eq!(
        report["deleted"].as_array().map(Vec::len),
        Some(1),
        "{report}"
    );
    let row = &report["deleted"][0];
    assert_eq!(
        (&row["type"], &row["field"]),
        (&"Part".into(), &"partNumber".into()),
        "{row}"
    );
    assert_eq!(row["value"], young.as_str(), "{row}");
    assert_eq!(row["run"], young.trim_start_matches("PN-"), "{row}");
    assert_eq!(row["started"], now, "{row}");
    assert_eq!(report["failed"], serde_json::json!([]), "{report}");
    assert!(!numbers(&serve).contains(&young));
}

#[test]
fn a_custom_prefix_finds_ids_without_a_time_an_unreadable_list_warns_and_a_refused_delete_exits_1()
{
    let serve = Serve::start();
    serve.create_foreign_part("PN-nightly-812");
    let (status, body) = serve.admin_text(
        SANDBOX_API,
        reqwest::Method::POST,
        "faults",
        r#"{"kind": "status", "status": 502, "operation": "deletePart"}"#,
    );
    assert_eq!(status, 200, "{body}");
    let unreadable = r#"{"kind": "status", "status": 500, "operation": "webhookHeaders"}"#;
    let (status, body) = serve.admin_text(SANDBOX_API, reqwest::Method::POST, "faults", unreadable);
    assert_eq!(status, 200, "{body}");
    let refused = sweep(&serve, &["--prefix", "nightly-", "--yes"]);
    assert!(
        stderr(&refused)
            .contains("warning: cannot list WebhookHeader, so its rows were not looked at: ")
            && stderr(&refused)
                .contains("\nhelp: give the API key permission to read WebhookHeader"),
        "{}",
        stderr(&refused)
    );
    let text = stdout(&refused);
    assert_eq!(refused.status.code(), Some(1), "{text}{}", stderr(&refused));
    assert!(
        text.contains("could not delete  Part")
            && text.contains("run nightly-812 (no start time)")
            && text.contains("ION said:"),
        "{text}"
    );
    assert!(
        text.contains("swept: 0 deleted, 1 could not be deleted\nhelp: "),
        "{text}"
    );
    assert!(parts(&serve).iter().any(|(_, n)| n == "PN-nightly-812"));
}

#[test]
fn a_row_refused_once_is_deleted_in_a_later_pass() {
    let serve = Serve::start();
    serve.create_foreign_part("PN-nightly-1");
    serve.create_foreign_part("PN-nightly-2");
    let once = r#"{"kind": "status", "status": 502, "operation": "deletePart", "times": 1}"#;
    let (status, body) = serve.admin_text(SANDBOX_API, reqwest::Method::POST, "faults", once);
    assert_eq!(status, 200, "{body}");
    let swept = sweep(&serve, &["--prefix", "nightly-", "--yes"]);
    let text = stdout(&swept);
    assert_eq!(swept.status.code(), Some(0), "{text}{}", stderr(&swept));
    assert!(
        text.contains("swept: 2 deleted, 0 could not be deleted"),
        "{text}"
    );
    assert!(
        !parts(&serve)
            .iter()
            .any(|(_, n)| n.starts_with("PN-nightly-"))
    );
}

#[test]
fn production_and_a_prefix_the_chain_holds_are_refused_before_anything_is_sent() {
    let serve = Serve::start();
    let out = output(
        ion_contract(&["sweep", "--target", "production", "--yes"]).envs(serve.env("ION_PROD_")),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("target production is read-only"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("\nhelp: "), "{}", stderr(&out));
    let counts = serve.admin("ION_PROD_API_URL", "GET", "requests");
    assert_eq!(counts["total"], 0, "nothing reached production: {counts}");

    let chain = sweep(&serve, &["--prefix", "ICT-"]);
    assert_eq!(chain.status.code(), Some(2), "{}", stderr(&chain));
    assert!(
        stderr(&chain).contains("would sweep the seeding chain"),
        "{}",
        stderr(&chain)
    );
    let counts = serve.admin(SANDBOX_API, "GET", "requests");
    assert_eq!(counts["total"], 0, "nothing reached the sandbox: {counts}");
}

#[test]
fn a_failed_preflight_exits_3_before_any_graphql_request() {
    Serve::start().assert_preflight_stops(&["sweep", "--target", "sandbox", "--yes"]);
}

#[test]
fn missing_credentials_exit_2_naming_the_variables_and_the_double_has_nothing_to_sweep() {
    let out = output(&mut ion_contract(&["sweep", "--target", "sandbox"]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "set ION_SANDBOX_CLIENT_ID and ION_SANDBOX_CLIENT_SECRET, or ION_SANDBOX_TOKEN"
        ),
        "{}",
        stderr(&out)
    );
    let mock = output(&mut ion_contract(&["sweep", "--yes", "--format", "json"]));
    assert_eq!(mock.status.code(), Some(0), "{}", stderr(&mock));
    assert!(
        stderr(&mock).contains("target mock is the embedded double")
            && stdout(&mock).contains("\"leftovers\": []"),
        "{}{}",
        stdout(&mock),
        stderr(&mock)
    );
}
