//! Reports and exit codes, seen as CI sees them: `ion-contract run` with `--junit`, `--json`
//! and `--summary` on scratch suites, and the same reports from `cargo test --test suites`
//! through the `ION_REPORT_*` variables.

use crate::common;

use std::path::Path;

use common::{Scratch, in_clean_env, manifest_dir, output, stderr, stdout, suites_binary};
use quick_junit::{NonSuccessKind, Report, TestCaseStatus};
use serde_json::Value;

/// A suite with a passing case, a failing one and one whose snapshot was never recorded.
fn mixed_suite(label: &str) -> Scratch {
    let scratch = Scratch::new(label);
    scratch.write(
        "mixed.yaml",
        "name: Mixed\ncases:\n\
         \x20 - name: passes\n    steps:\n      - query: \"{ me { id } }\"\n\
         \x20 - name: fails\n    steps:\n      - name: whoami\n        query: \"{ me { id } }\"\n        expect:\n          data:\n            - path: $.me.id\n              equals: 999\n\
         \x20 - name: unrecorded\n    steps:\n      - query: \"{ me { id } }\"\n        snapshot: true\n",
    );
    scratch
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{} was written: {e}", path.display()))
}

fn junit(path: &Path) -> Report {
    Report::deserialize_from_str(&read(path)).unwrap_or_else(|e| panic!("JUnit parses: {e}"))
}

/// Every testcase of a JUnit report, by name.
fn cases(report: &Report) -> Vec<(&str, &TestCaseStatus)> {
    report
        .test_suites
        .iter()
        .flat_map(|suite| &suite.test_cases)
        .map(|case| (case.name.as_str(), &case.status))
        .collect()
}

#[test]
fn a_failing_case_is_exactly_one_failing_junit_testcase_with_its_message() {
    let scratch = mixed_suite("report-junit");
    let junit_path = scratch.0.join("out/junit.xml");
    let out = output(&mut scratch.command(&["run", "--junit", &junit_path.to_string_lossy()]));
    assert_eq!(out.status.code(), Some(101), "{}", stderr(&out));
    let report = junit(&junit_path);
    let all = cases(&report);
    assert_eq!(all.len(), 3, "{all:?}");
    let failing: Vec<_> = all
        .iter()
        .filter(|(_, status)| matches!(status, TestCaseStatus::NonSuccess { .. }))
        .collect();
    assert_eq!(
        failing.len(),
        2,
        "the failing case and the unrecorded snapshot"
    );
    let status = |name: &str| {
        all.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| *s)
            .unwrap_or_else(|| panic!("{name} is a testcase"))
    };
    assert!(matches!(
        status("mixed::passes::mock"),
        TestCaseStatus::Success { .. }
    ));
    let TestCaseStatus::NonSuccess {
        kind,
        message,
        ty,
        description,
        ..
    } = status("mixed::fails::mock")
    else {
        panic!("mixed::fails::mock failed");
    };
    assert_eq!(*kind, NonSuccessKind::Failure);
    let message = message.as_ref().map(|m| m.as_str()).unwrap_or_default();
    assert!(message.contains("failed at step `whoami`"), "{message}");
    assert_eq!(ty.as_ref().map(|t| t.as_str()), Some("assertion"));
    let description = description.as_ref().map(|d| d.as_str()).unwrap_or_default();
    assert!(
        description.contains("mixed.yaml:12:15: $.me.id equals"),
        "located: {description}"
    );
    assert!(description.contains("expected: 999"), "{description}");
    assert!(
        description.contains("requests: 1, answered 429: 0"),
        "{description}"
    );
    let TestCaseStatus::NonSuccess { ty, .. } = status("mixed::unrecorded::mock") else {
        panic!("a missing snapshot fails under CI");
    };
    assert_eq!(ty.as_ref().map(|t| t.as_str()), Some("snapshot"));
    let suite = &report.test_suites[0];
    assert_eq!((suite.tests, suite.failures), (3, 2));
}

#[test]
fn the_json_report_holds_one_object_per_case_with_its_steps() {
    let scratch = mixed_suite("report-json");
    let path = scratch.0.join("report.json");
    let out = output(&mut scratch.command(&["run", "--json", &path.to_string_lossy()]));
    assert_eq!(out.status.code(), Some(101), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&read(&path)).expect("the report is JSON");
    assert_eq!(report["format"], 1);
    assert_eq!(report["target"], "mock");
    assert_eq!(
        report["totals"],
        serde_json::json!({"passed": 1, "failed": 2, "ignored": 0})
    );
    let trials = report["trials"].as_array().expect("trials");
    let fails = trials
        .iter()
        .find(|t| t["name"] == "mixed::fails::mock")
        .expect("the failing case");
    assert_eq!(fails["kind"], "case");
    assert_eq!(
        (&fails["suite"], &fails["case"]),
        (&"mixed".into(), &"fails".into())
    );
    assert_eq!(fails["outcome"], "failed");
    assert_eq!(fails["failure"]["class"], "assertion");
    assert_eq!(fails["requests"], 1);
    assert_eq!(fails["throttled"], 0);
    assert_eq!(fails["steps"][0]["name"], "whoami");
    assert_eq!(fails["steps"][0]["status"], 200);
    assert!(fails["duration_ms"].is_u64());
}

#[test]
fn the_summary_renders_totals_and_the_head_of_each_failure() {
    let scratch = mixed_suite("report-summary");
    let path = scratch.0.join("summary.md");
    std::fs::write(&path, "stale text from an earlier run\n").expect("writable");
    let out = output(&mut scratch.command(&["run", "--summary", &path.to_string_lossy()]));
    assert_eq!(out.status.code(), Some(101), "{}", stderr(&out));
    let text = read(&path);
    assert!(!text.contains("stale"), "a named file is replaced: {text}");
    assert!(
        text.starts_with("## ion-contract on `mock`: 2 of 3 failed\n"),
        "{text}"
    );
    assert!(
        text.contains("| 1 | 2 | 0 | 3 | 0 |"),
        "the totals row: {text}"
    );
    assert!(
        text.contains("**`mixed::fails::mock`** (assertion)"),
        "{text}"
    );
    assert!(text.contains("failed at step `whoami`"), "{text}");
    assert!(
        text.contains("### Responses that no longer match their snapshot"),
        "{text}"
    );
    assert!(
        text.contains("Review with `ion-contract review`") && !text.contains("cargo insta"),
        "{text}"
    );
    // The same file as $GITHUB_STEP_SUMMARY is appended to, as GitHub expects.
    let out = output(
        scratch
            .command(&["run", "--summary", &path.to_string_lossy()])
            .env("GITHUB_STEP_SUMMARY", &path),
    );
    assert_eq!(out.status.code(), Some(101));
    assert_eq!(read(&path).matches("## ion-contract on `mock`").count(), 2);
}

#[test]
fn cargo_test_writes_the_reports_the_variables_name() {
    let scratch = Scratch::new("report-env");
    let junit_path = scratch.0.join("junit.xml");
    let json_path = scratch.0.join("report.json");
    let out = output(
        in_clean_env(
            &suites_binary(),
            &["--exact", "me::me-reports-the-bot-user::mock"],
        )
        .env("ION_REPORT_JUNIT", &junit_path)
        .env("ION_REPORT_JSON", &json_path),
    );
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let names: Vec<String> = cases(&junit(&junit_path))
        .iter()
        .map(|(name, _)| (*name).to_owned())
        .collect();
    assert_eq!(
        names,
        ["me::me-reports-the-bot-user::mock"],
        "filtered trials are left out"
    );
    assert!(json_path.is_file());
    // Under cargo-nextest (one trial per process) the variables are left alone, with a line.
    let nextest_path = scratch.0.join("nextest.xml");
    let out = output(
        in_clean_env(
            &suites_binary(),
            &["--exact", "me::me-reports-the-bot-user::mock"],
        )
        .env("ION_REPORT_JUNIT", &nextest_path)
        .env("NEXTEST", "1"),
    );
    assert!(out.status.success());
    assert!(!nextest_path.exists());
    assert!(
        stderr(&out).contains("use nextest's JUnit"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_invalid_suite_exits_2_and_is_one_failing_testcase() {
    let scratch = Scratch::new("report-invalid");
    scratch.write("broken.yaml", "name: Broken\ncases: []\n");
    let junit_path = scratch.0.join("junit.xml");
    let out = output(&mut scratch.command(&["run", "--junit", &junit_path.to_string_lossy()]));
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let report = junit(&junit_path);
    let all = cases(&report);
    assert_eq!(all.len(), 1);
    let (
        name,
        TestCaseStatus::NonSuccess {
            ty,
            message,
            description,
            ..
        },
    ) = all[0]
    else {
        panic!("the load trial fails: {all:?}");
    };
    assert_eq!(name, "broken::load");
    assert_eq!(ty.as_ref().map(|t| t.as_str()), Some("invalid"));
    assert_eq!(
        message.as_ref().map(|m| m.as_str()),
        Some("error: `cases` is empty")
    );
    assert!(
        description
            .as_ref()
            .is_some_and(|d| d.contains("broken.yaml:2:8")),
        "{description:?}"
    );
}

#[test]
fn an_unwritable_report_fails_the_run_as_invalid() {
    let scratch = mixed_suite("report-unwritable");
    scratch.write("file", "not a directory\n");
    let inside_a_file = scratch.0.join("file/junit.xml");
    let out = output(&mut scratch.command(&[
        "run",
        "--exact",
        "mixed::passes::mock",
        "--junit",
        &inside_a_file.to_string_lossy(),
    ]));
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("cannot write the JUnit report to"), "{err}");
}

#[test]
fn the_readme_and_the_guide_list_every_exit_code_and_no_other() {
    for file in ["README.md", "docs/src/exit-codes.md"] {
        let text = read(&manifest_dir().join(file));
        let table: Vec<u8> = text
            .split("Exit codes, one meaning each across the commands:")
            .nth(1)
            .unwrap_or_else(|| panic!("{file} has its exit code table"))
            .lines()
            .skip_while(|l| !l.starts_with('|'))
            .take_while(|l| l.starts_with('|'))
            .filter_map(|l| l.trim_matches('|').split('|').next()?.trim().parse().ok())
            .collect();
        assert_eq!(table, ion_contract::exit::ALL, "{file}");
    }
}
