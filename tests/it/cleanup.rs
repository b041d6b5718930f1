//! Per-run values and cleanup that always runs, from outside: `${run.id}` the same in every
//! step and in the `X-Test-Run` header, different in the next process; a case's `cleanup:`
//! steps after a failed expectation and after a template error, a cleanup step skipped
//! when its capture was never set, a failing cleanup reported beside the case's own
//! failure, a write suite run twice in a row against one `serve`, and a snapshot recorded
//! on the double that passes on a sandbox where the case's part got another id.

use crate::common;

use common::serve::Serve;
use common::{Scratch, assert_exit, output, stderr, stdout};
use serde_json::Value;

/// A case that creates `PN-${run.id}` and captures its id and etag.
const CREATE: &str = r#"      - name: create
        query: |
          mutation Create($input: CreatePartInput!) { createPart(input: $input) { part { id partNumber _etag } } }
        variables:
          input: { partNumber: "PN-${run.id}", description: "cleanup check" }
        capture: { id: $.createPart.part.id, etag: $.createPart.part._etag }
"#;

/// Cleanup steps that delete the part, then prove it is gone.
const DELETE: &str = r#"    cleanup:
      - name: delete
        query: |
          mutation Delete($id: ID!, $etag: String!) { deletePart(id: $id, etag: $etag) { id } }
        variables: { id: "${id}", etag: "${etag}" }
        expect:
          data:
            - path: $.deletePart.id
              equals: "${id}"
      - name: gone
        query: "query Gone($id: ID!) { part(id: $id) { id } }"
        variables: { id: "${id}" }
        expect:
          data:
            - path: $.part
              equals: null
"#;

/// A cleanup step that always fails: its variable names an unset environment variable.
const UNDO_FAILS: &str = "    cleanup:\n      - name: undo\n        query: \"query U($x: ID!) { part(id: $x) { id } }\"\n        variables: { x: \"${env:ION_CONTRACT_TEST_NEVER_SET}\" }\n";

fn suite(case: &str, steps: &str, cleanup: &str) -> String {
    format!("name: Cleanup\ncases:\n  - name: {case}\n    steps:\n{steps}{cleanup}")
}

/// Runs the suites of `scratch` on the embedded double; returns the output and the JSON
/// report's one trial.
fn run_on_mock(scratch: &Scratch) -> (std::process::Output, Value) {
    let path = scratch.0.join("report.json");
    let out = output(&mut scratch.command(&["run", "--json", &path.to_string_lossy()]));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!("a report: {}{}", stdout(&out), stderr(&out));
    });
    let report: Value = serde_json::from_str(&text).expect("JSON");
    (out, report["trials"][0].clone())
}

fn step_names(trial: &Value, cleanup: bool) -> Vec<String> {
    let steps = trial["steps"].as_array().expect("steps");
    steps
        .iter()
        .filter(|s| s["cleanup"] == cleanup)
        .map(|s| s["name"].as_str().expect("a name").to_owned())
        .collect()
}

#[test]
fn a_failed_expectation_still_runs_the_cleanup_that_deletes_the_part() {
    let scratch = Scratch::new("cleanup-after-failure");
    let failing = "      - name: wrong\n        query: \"query W($id: ID!) { part(id: $id) { description } }\"\n        variables: { id: \"${id}\" }\n        expect:\n          data:\n            - path: $.part.description\n              equals: something else\n";
    let steps = format!("{CREATE}{failing}");
    scratch.write("c.yaml", &suite("fails", &steps, DELETE));
    let (out, trial) = run_on_mock(&scratch);
    assert_eq!(out.status.code(), Some(101), "{}", stderr(&out));
    assert_eq!(trial["failure"]["class"], "assertion", "{trial}");
    let message = trial["failure"]["message"].as_str().expect("a message");
    assert!(message.contains("failed at step `wrong`"), "{message}");
    assert!(
        !message.contains("cleanup step"),
        "the cleanup passed: {message}"
    );
    assert_eq!(step_names(&trial, true), ["delete", "gone"], "{trial}");
    assert_eq!(step_names(&trial, false), ["create", "wrong"], "{trial}");
}

#[test]
fn a_template_error_still_runs_the_cleanup_and_a_cleanup_without_its_capture_is_skipped() {
    let scratch = Scratch::new("cleanup-after-template");
    let broken = "      - name: broken\n        query: \"query B($id: ID!) { part(id: $id) { id } }\"\n        variables: { id: \"${env:ION_CONTRACT_TEST_NEVER_SET}\" }\n        capture: { later: $.part.id }\n";
    let skipped = "      - name: needs-later\n        query: \"query L($id: ID!) { part(id: $id) { id } }\"\n        variables: { id: \"${later}\" }\n";
    let steps = format!("{CREATE}{broken}");
    let cleanup = format!("{DELETE}{skipped}");
    scratch.write("c.yaml", &suite("template", &steps, &cleanup));
    let (out, trial) = run_on_mock(&scratch);
    assert_eq!(out.status.code(), Some(101), "{}", stderr(&out));
    assert_eq!(trial["failure"]["class"], "template", "{trial}");
    assert_eq!(step_names(&trial, true), ["delete", "gone"], "{trial}");
    let notes = trial["notes"].to_string();
    assert!(
        notes.contains("cleanup step `needs-later` skipped: template `${later}`: no capture named 'later' has been set"),
        "{notes}"
    );
}

#[test]
fn a_failing_cleanup_is_reported_beside_the_cases_own_failure_whose_class_stays() {
    let scratch = Scratch::new("cleanup-fails-too");
    let failing = "      - name: wrong\n        query: \"query { me { id } }\"\n        expect:\n          data:\n            - path: $.me.id\n              equals: nobody\n";
    scratch.write("c.yaml", &suite("both", failing, UNDO_FAILS));
    let (out, trial) = run_on_mock(&scratch);
    assert_eq!(out.status.code(), Some(101), "{}", stderr(&out));
    assert_eq!(trial["failure"]["class"], "assertion", "{trial}");
    let message = trial["failure"]["message"].as_str().expect("a message");
    let own = message.find("failed at step `wrong`").expect(message);
    let undo = message
        .find("failed in cleanup step `undo`")
        .expect(message);
    assert!(own < undo, "the case's own failure first: {message}");
    assert!(
        message.contains("ION_CONTRACT_TEST_NEVER_SET is not set"),
        "{message}"
    );
}

#[test]
fn a_case_that_passed_fails_when_its_cleanup_fails_saying_so() {
    let scratch = Scratch::new("cleanup-fails-alone");
    let fine = "      - name: fine\n        query: \"query { me { id } }\"\n";
    scratch.write("c.yaml", &suite("cleanup-only", fine, UNDO_FAILS));
    let (out, trial) = run_on_mock(&scratch);
    assert_eq!(out.status.code(), Some(101), "{}", stderr(&out));
    assert_eq!(trial["failure"]["class"], "template", "{trial}");
    let message = trial["failure"]["message"].as_str().expect("a message");
    assert!(
        message.starts_with("the case's steps passed, but its cleanup failed"),
        "{message}"
    );
    assert!(
        message.contains("failed in cleanup step `undo` (") && message.contains("c.yaml:"),
        "{message}"
    );
}

#[test]
fn run_id_is_one_value_per_process_in_every_step_and_the_header_and_another_in_the_next() {
    // On the embedded double: the receiver's X-Test-Run header (registered before the
    // first step) is the value the steps expand.
    let scratch = Scratch::new("run-id-header");
    let steps = r#"      - name: create
        query: |
          mutation C($input: CreatePartInput!) { createPart(input: $input) { part { partNumber } } }
        variables:
          input: { partNumber: "PN-${run.id}", description: "run id" }
        expect:
          data:
            - path: $.createPart.part.partNumber
              equals: "PN-${run.id}"
        expect_webhook: { resource: PARTS, action: CREATE, within: 2s }
      - name: header
        query: "{ webhookHeaders { edges { node { key value } } } }"
        expect:
          data:
            - path: $.webhookHeaders.edges[*].node.key
              equals: [X-Test-Run]
            - path: $.webhookHeaders.edges[0].node.value
              equals: "${run.id}"
            - path: $.webhookHeaders.edges[0].node.value
              matches: "^ion-contract-[0-9]+-[0-9]+-[0-9a-f]{4}$"
"#;
    scratch.write("c.yaml", &suite("same", steps, ""));
    let (out, trial) = run_on_mock(&scratch);
    assert_eq!(out.status.code(), Some(0), "{trial}{}", stderr(&out));

    // Two processes against one serve: two parts, two different ids, each 8-character
    // short form of its own.
    let serve = Serve::start();
    let scratch = Scratch::new("run-id-processes");
    let steps = r#"      - query: |
          mutation C($input: CreatePartInput!) { createPart(input: $input) { part { id } } }
        variables:
          input: { partNumber: "RUN-${run.id}", description: "${run.short}" }
      - query: "query D($d: String!) { parts(filters: {description: {eq: $d}}) { edges { node { partNumber } } } }"
        variables: { d: "${run.short}" }
        expect:
          data:
            - path: $.parts.edges[*].node.partNumber
              equals: ["RUN-${run.id}"]
            - path: $.parts.edges[0].node.partNumber
              matches: "^RUN-ion-contract-"
"#;
    scratch.write("c.yaml", &suite("each-run", steps, ""));
    for _ in 0..2 {
        let mut command = scratch.command(&["run", "--target", "sandbox"]);
        let out = output(command.envs(serve.env("ION_SANDBOX_")));
        assert_exit(&out, 0, "");
    }
    let parts = serve.sandbox_part_numbers(r#"{partNumber: {ilike: "RUN-%"}}"#);
    assert_eq!(parts.len(), 2, "{parts:?}");
    assert_ne!(parts[0], parts[1], "each process has its own run id");
}

#[test]
fn a_write_suite_with_cleanup_passes_twice_in_a_row_against_one_serve() {
    let serve = Serve::start();
    let scratch = Scratch::new("cleanup-twice");
    let unique = r#"      - name: only-one
        query: "{ parts(filters: {description: {eq: \"cleanup check\"}}) { edges { node { partNumber } } } }"
        expect:
          data:
            - path: $.parts.edges[*].node.partNumber
              equals: ["PN-${run.id}"]
"#;
    let steps = format!("{CREATE}{unique}");
    scratch.write("c.yaml", &suite("create-and-clean", &steps, DELETE));
    for run in 1..=2 {
        let mut command = scratch.command(&["run", "--target", "sandbox"]);
        let out = output(command.envs(serve.env("ION_SANDBOX_")));
        assert_exit(&out, 0, &format!("run {run}: "));
    }
}

#[test]
fn check_locates_an_unknown_run_value_and_a_webhook_expected_in_cleanup() {
    let scratch = Scratch::new("cleanup-check");
    let steps = "      - query: \"query Q($n: String!) { parts(filters: {partNumber: {eq: $n}}) { edges { node { id } } } }\"\n        variables: { n: \"PN-${run.name}\" }\n";
    let cleanup = "    cleanup:\n      - query: \"query { me { id } }\"\n        expect_webhook: { resource: PARTS, action: DELETE }\n";
    scratch.write("c.yaml", &suite("bad", steps, cleanup));
    let out = output(&mut scratch.command(&["check"]));
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("unknown run value `${run.name}`"), "{text}");
    assert!(text.contains("c.yaml:6:"), "{text}");
    assert!(
        text.contains("help: the run's values are `${run.id}` or `${run.short}`"),
        "{text}"
    );
    assert!(
        text.contains("a `cleanup:` step cannot expect a webhook"),
        "{text}"
    );
}

#[test]
fn a_cleanup_with_a_mutation_refuses_the_whole_case_on_a_read_only_target() {
    let serve = Serve::start();
    let scratch = Scratch::new("cleanup-read-only");
    let steps = "      - query: \"query { me { id } }\"\n";
    let cleanup = "    cleanup:\n      - name: undo\n        query: \"mutation { deletePart(id: 1, etag: \\\"x\\\") { id } }\"\n";
    scratch.write("c.yaml", &suite("reads", steps, cleanup));
    let path = scratch.0.join("report.json");
    let json = path.to_string_lossy();
    let mut command = scratch.command(&["run", "--target", "production", "--json", &json]);
    let out = output(command.envs(serve.env("ION_PROD_")));
    assert_exit(&out, 101, "");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("the report")).expect("JSON");
    let trial = report["trials"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["kind"] == "case"))
        .expect("the case's trial");
    assert_eq!(trial["failure"]["class"], "read-only", "{trial}");
    let message = trial["failure"]["message"].as_str().expect("a message");
    assert!(
        message.contains("failed in cleanup step `undo`"),
        "{message}"
    );
    assert_eq!(
        trial["steps"],
        serde_json::json!([]),
        "nothing was sent: {trial}"
    );
}

#[test]
fn a_snapshot_recorded_on_the_double_passes_on_a_sandbox_with_other_ids_and_another_run() {
    let scratch = Scratch::new("shared-snapshot");
    let read = r#"      - name: read
        query: "query Read($id: ID!) { part(id: $id) { id partNumber description _etag } }"
        variables: { id: "${id}" }
        snapshot: true
"#;
    let steps = format!("{CREATE}{read}");
    let case = "shared\n    shared_snapshot: true";
    scratch.write("c.yaml", &suite(case, &steps, DELETE));
    let mut record = scratch.command(&["run"]);
    let out = output(record.env("INSTA_UPDATE", "always"));
    assert_exit(&out, 0, "");
    let snapshots = scratch.0.join("snapshots");
    let names: Vec<String> = std::fs::read_dir(&snapshots)
        .expect("snapshots written")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        names,
        ["c__shared@any.snap"],
        "one snapshot for every target"
    );
    let path = snapshots.join("c__shared@any.snap");
    let recorded = std::fs::read_to_string(&path).expect("the snapshot");
    for placeholder in [
        r#""id": "${id}""#,
        r#""partNumber": "PN-${run.id}""#,
        "[etag]",
    ] {
        assert!(recorded.contains(placeholder), "{placeholder}: {recorded}");
    }
    assert!(
        !recorded.contains("PN-ion-contract-"),
        "no run id: {recorded}"
    );

    // Another tenant: a sandbox where other rows came first, so the part gets another id;
    // each run has its own run id. CI is set: a difference fails and nothing is written.
    let serve = Serve::start();
    for n in 1..=3 {
        serve.create_foreign_part(&format!("FOREIGN-{n}"));
    }
    for run in 1..=2 {
        let mut command = scratch.command(&["run", "--target", "sandbox"]);
        let out = output(command.envs(serve.env("ION_SANDBOX_")).env("CI", "true"));
        assert_exit(&out, 0, &format!("run {run}: "));
    }
    assert_eq!(std::fs::read_to_string(&path).expect("kept"), recorded);

    // The check can fail: a changed response is still a difference.
    std::fs::write(&path, recorded.replace("cleanup check", "something else")).expect("writable");
    let out = output(scratch.command(&["run"]).env("CI", "true"));
    assert_eq!(out.status.code(), Some(101), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("does not match its snapshot"),
        "{}",
        stdout(&out)
    );
}
