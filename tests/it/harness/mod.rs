//! The harness seen from outside: the `suites` test binary and the `ion-contract` CLI run
//! as a user (or cargo-nextest) runs them.

use crate::common;
mod limits;

use std::process::Output;

use common::{
    Scratch, in_clean_env, ion_contract, manifest_dir, output, run_suites, stderr, stdout,
    suites_binary,
};

#[test]
fn list_prints_only_sorted_trial_names_in_the_suite_case_target_form() {
    let out = run_suites(&["--list", "--format", "terse"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let names: Vec<&str> = text
        .lines()
        .map(|l| {
            l.strip_suffix(": test")
                .unwrap_or_else(|| panic!("not a trial line: {l:?}"))
        })
        .collect();
    assert!(
        names.len() >= 15,
        "expected the starter suites' cases, got {names:?}"
    );
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "trials are listed sorted by name");
    for name in &names {
        let parts: Vec<&str> = name.split("::").collect();
        assert_eq!(parts.len(), 3, "{name} is <suite>::<case>::<target>");
        assert_eq!(parts[2], "mock", "{name} runs on the default target");
        assert!(
            manifest_dir()
                .join("suites")
                .join(format!("{}.yaml", parts[0]))
                .is_file(),
            "{name}: the suite part names a file in suites/"
        );
    }
    for expected in EXPECTED_TRIALS {
        assert!(names.contains(expected), "{expected} is listed");
    }
}

/// Trials the starter suites promise; renaming one is a breaking change for users' filters.
const EXPECTED_TRIALS: &[&str] = &[
    "me::me-reports-the-bot-user::mock",
    "parts::list-paginates::mock",
    "part-lifecycle::create-update-conflict-delete::mock",
    "inventory::at-location-not-installed::mock",
    "runs::run-with-run-steps::mock",
    "abom::as-built-tree::mock",
];

#[test]
fn list_of_ignored_trials_is_empty_on_the_double() {
    let out = run_suites(&["--list", "--ignored"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "", "nothing is ignored on the mock target");
}

#[test]
fn check_accepts_the_starter_suites() {
    let out = output(&mut ion_contract(&["check"]));
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert!(stdout(&out).starts_with("ok: "), "{}", stdout(&out));
}

#[test]
fn check_rejects_every_broken_fixture_with_a_located_message() {
    let fixtures = manifest_dir().join("tests/fixtures/broken");
    let out = output(&mut ion_contract(&[
        "check",
        "--suites",
        "tests/fixtures/broken",
        "--schema",
        "suites/schema/ion.graphql",
        "--seed",
        "suites/seed/demo.yaml",
    ]));
    assert_eq!(out.status.code(), Some(2), "invalid suites exit 2");
    let errors = stderr(&out);
    let mut fixtures_seen = 0;
    for entry in std::fs::read_dir(&fixtures).expect("fixtures exist") {
        let path = entry.expect("readable").path();
        if path.extension().is_some_and(|e| e == "yaml") {
            fixtures_seen += 1;
            let shown = format!(
                "tests/fixtures/broken/{}:",
                path.file_name().unwrap().to_string_lossy()
            );
            let located = errors.lines().any(|line| {
                line.find(&shown).is_some_and(|at| {
                    let rest = &line[at + shown.len()..];
                    let mut numbers = rest.splitn(3, ':');
                    numbers.next().is_some_and(|l| l.parse::<u32>().is_ok())
                        && numbers
                            .next()
                            .is_some_and(|c| c.chars().take_while(char::is_ascii_digit).count() > 0)
                })
            });
            assert!(located, "no file:line:col for {shown} in:\n{errors}");
        }
    }
    assert!(
        fixtures_seen >= 12,
        "at least 12 broken fixtures, found {fixtures_seen}"
    );
    assert!(
        stdout(&out).starts_with(&format!("invalid: {fixtures_seen} of")),
        "{}",
        stdout(&out)
    );
}

/// A scratch suites directory holding one suite whose single case expects `me.id` to be
/// `expected_id`.
fn whoami_suite(label: &str, expected_id: i64) -> Scratch {
    let scratch = Scratch::new(label);
    scratch.write(
        "scratch.yaml",
        &format!(
            "name: Scratch\ncases:\n  - name: whoami\n    steps:\n      - query: \"{{ me {{ id }} }}\"\n        expect:\n          data:\n            - path: $.me.id\n              equals: {expected_id}\n"
        ),
    );
    scratch
}

#[test]
fn run_exits_0_and_reports_ok_when_every_case_passes() {
    let out = output(&mut whoami_suite("pass", 1).command(&["run"]));
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(text.contains("test scratch::whoami::mock ... ok"), "{text}");
    assert!(
        text.contains("test result: ok. 1 passed; 0 failed"),
        "{text}"
    );
}

#[test]
fn run_exits_101_and_locates_the_failure_when_a_case_fails() {
    let out = output(&mut whoami_suite("fail", 999).command(&["run"]));
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(101), "{text}{}", stderr(&out));
    assert!(
        text.contains("test scratch::whoami::mock ... FAILED"),
        "{text}"
    );
    assert!(
        text.contains("scratch.yaml:5:"),
        "the failing step's place: {text}"
    );
    assert!(
        text.contains("test result: FAILED. 0 passed; 1 failed"),
        "{text}"
    );
}

#[test]
fn tags_select_and_leave_out_suites_on_the_command_line_and_under_cargo_test() {
    let names = |out: &Output| -> Vec<String> {
        stdout(out)
            .lines()
            .filter_map(|l| l.strip_suffix(": test"))
            .map(str::to_owned)
            .collect()
    };
    let smoke = names(&output(&mut ion_contract(&["list", "--tag", "smoke"])));
    assert_eq!(
        smoke,
        [
            "me::me-belongs-to-the-organization::mock",
            "me::me-reports-the-bot-user::mock",
            "smoke/chain::the-assembly-and-its-run::mock",
            "smoke/chain::the-component-is-installed::mock",
        ]
    );
    let all = names(&output(&mut ion_contract(&["list"])));
    let without = names(&output(&mut ion_contract(&[
        "list",
        "--skip-tag",
        "throttle",
    ])));
    assert!(all.iter().any(|n| n.starts_with("throttle/")));
    assert!(!without.iter().any(|n| n.starts_with("throttle/")));
    assert_eq!(all.len() - without.len(), 10);
    // cargo test --test suites reads the same selection from the environment.
    let listed = run_suites(&["--list"]);
    let under_cargo = names(&output(
        in_clean_env(&suites_binary(), &["--list"]).env("ION_TAGS", "smoke"),
    ));
    assert_eq!(under_cargo, smoke);
    assert_eq!(names(&listed), all);
}

#[test]
fn cargo_test_reads_ion_require_credentials() {
    let run = |value: &str| {
        output(
            in_clean_env(&suites_binary(), &[])
                .env("ION_TARGET", "sandbox")
                .env("ION_REQUIRE_CREDENTIALS", value),
        )
    };
    let required = run("1");
    let report = stdout(&required);
    assert_eq!(required.status.code(), Some(2), "{report}");
    let credentials = report
        .lines()
        .find(|l| l.starts_with("test target::credentials "));
    assert!(
        credentials.is_some_and(|l| l.ends_with("... FAILED")),
        "{report}"
    );
    assert!(report.contains("set ION_SANDBOX_CLIENT_ID and"), "{report}");

    let misspelled = run("yes please");
    let report = stdout(&misspelled);
    assert_eq!(misspelled.status.code(), Some(2), "{report}");
    assert!(report.contains("test options::env ... FAILED"), "{report}");
    assert!(
        report.contains("ION_REQUIRE_CREDENTIALS must be 1 or 0"),
        "{report}"
    );
}
