//! Targets seen from outside: how `ion-contract` lists and runs trials for live targets
//! without credentials, refuses mutations on a read-only target before sending anything, and
//! reports a broken `targets.yaml` or an unknown target.

use crate::common;

use common::{Scratch, ion_contract, output, stderr, stdout};

/// Trial names from `list` output.
fn listed(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .collect()
}

#[test]
fn a_live_target_without_credentials_lists_its_trials_as_ignored() {
    let out = output(&mut ion_contract(&[
        "list",
        "--target",
        "sandbox",
        "--ignored",
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let names = listed(&text);
    assert!(
        names.contains(&"me::me-reports-the-bot-user::sandbox"),
        "{names:?}"
    );
    assert!(names.contains(&"part-lifecycle::create-update-conflict-delete::sandbox"));
    let lines: Vec<String> = stderr(&out).lines().map(str::to_owned).collect();
    assert_eq!(
        lines,
        [format!(
            "ion-contract: target `sandbox` has no credentials: set ION_SANDBOX_CLIENT_ID and \
             ION_SANDBOX_CLIENT_SECRET, or ION_SANDBOX_TOKEN; its {} trial(s) are ignored",
            names.len()
        )]
    );

    let run = output(&mut ion_contract(&["run", "--target", "sandbox"]));
    let report = stdout(&run);
    assert_eq!(run.status.code(), Some(0), "{report}");
    assert!(
        report.contains(&format!("0 passed; 0 failed; {} ignored", names.len())),
        "{report}"
    );
}

#[test]
fn production_lists_no_suite_restricted_to_writable_targets_and_reads_me_first() {
    let out = output(&mut ion_contract(&["list", "--target", "production"]));
    let text = stdout(&out);
    let names = listed(&text);
    assert!(!names.is_empty());
    assert!(
        names.iter().all(|n| n.ends_with("::production")),
        "{names:?}"
    );
    for writer in [
        "part-lifecycle::",
        "abom-edits::",
        "inventory-adjust::",
        "run-execution::",
    ] {
        assert!(
            !names.iter().any(|n| n.starts_with(writer)),
            "{writer} is listed: {names:?}"
        );
    }
    assert!(
        names[0].starts_with("me::") && names[1].starts_with("me::"),
        "{names:?}"
    );
    assert!(
        !names[2..].iter().any(|n| n.starts_with("me::")),
        "{names:?}"
    );
}

const WRITER: &str = "name: Writer\ncases:\n  - name: create\n    steps:\n      - query: |\n          mutation { createPart(input: {partNumber: \"PN-X\", description: \"x\"}) { part { id } } }\n";

#[test]
fn a_read_only_target_refuses_a_mutation_before_sending_anything() {
    let scratch = Scratch::new("read-only");
    scratch
        .write(
            "targets.yaml",
            "targets:\n  mock-read-only:\n    environment: mock\n    read_only: true\n",
        )
        .write("writer.yaml", WRITER);
    let out = output(&mut scratch.command(&["run", "--target", "mock-read-only"]));
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(101), "{text}{}", stderr(&out));
    assert!(
        text.contains("test writer::create::mock-read-only ... FAILED"),
        "{text}"
    );
    assert!(
        text.contains(
            "mutation createPart refused: target mock-read-only is read-only; no request was sent"
        ),
        "{text}"
    );
    assert!(
        text.contains("writer.yaml:5:9"),
        "the refused step is located: {text}"
    );
}

#[test]
fn check_reports_an_unknown_suite_target_and_a_broken_targets_file() {
    let scratch = Scratch::new("unknown-target");
    scratch.write(
        "writer.yaml",
        &WRITER.replace("cases:", "targets: [mock, sanbox]\ncases:"),
    );
    let out = output(&mut scratch.command(&["check"]));
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let errors = stderr(&out);
    assert!(
        errors.contains("unknown target 'sanbox'; did you mean 'sandbox'?"),
        "{errors}"
    );
    assert!(errors.contains("writer.yaml:2:17"), "{errors}");

    scratch.write(
        "targets.yaml",
        "targets:\n  sandbox:\n    enviroment: sandbox\n",
    );
    let out = output(&mut scratch.command(&["check"]));
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let errors = stderr(&out);
    assert!(errors.contains("targets.yaml:3:5"), "{errors}");
    assert!(errors.contains("did you mean 'environment'?"), "{errors}");

    let run = output(&mut scratch.command(&["run"]));
    assert_eq!(run.status.code(), Some(2), "an invalid targets file");
    assert!(stdout(&run).contains("targets::load"), "{}", stdout(&run));
}

#[test]
fn a_targets_file_that_is_not_utf8_is_refused_at_its_first_bad_byte() {
    let scratch = Scratch::new("targets-binary");
    std::fs::write(scratch.0.join("targets.yaml"), b"targets:\n  x: \xff\xfe\n").expect("write");
    let out = output(&mut scratch.command(&["check"]));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("targets.yaml:2:6"), "{err}");
    assert!(err.contains("not UTF-8") && err.contains("help:"), "{err}");
}

/// The line that names the sandbox's credential variables, ignored or required.
const SANDBOX_UNSET: &str = "target `sandbox` has no credentials: set ION_SANDBOX_CLIENT_ID and \
                             ION_SANDBOX_CLIENT_SECRET, or ION_SANDBOX_TOKEN";

/// Whether libtest's report says trial `name` failed (names are padded to one width).
fn failed(report: &str, name: &str) -> bool {
    report
        .lines()
        .any(|l| l.starts_with(&format!("test {name} ")) && l.ends_with("... FAILED"))
}

/// Asserts that `out` failed the run with exit 2: `target::credentials` naming the variables,
/// its help line saying what required them, and the case `case` failed, not ignored.
fn assert_credentials_required(out: &std::process::Output, required_by: &str, case: &str) {
    let report = stdout(out);
    assert_eq!(out.status.code(), Some(2), "{report}\n{}", stderr(out));
    assert!(failed(&report, "target::credentials"), "{report}");
    assert!(report.contains(SANDBOX_UNSET), "{report}");
    assert!(report.contains(&format!("help: {required_by}")), "{report}");
    assert!(failed(&report, case), "{report}");
    assert!(
        report.contains("not run: target sandbox has no credentials, and they are required"),
        "{report}"
    );
    assert!(report.contains(" 0 passed;"), "{report}");
}

#[test]
fn required_credentials_that_are_not_set_fail_the_run_naming_the_variables() {
    let flag = output(&mut ion_contract(&[
        "run",
        "--target",
        "sandbox",
        "--require-credentials",
    ]));
    let me = "me::me-reports-the-bot-user::sandbox";
    assert_credentials_required(&flag, "credentials are required (--require-credentials", me);

    let variable =
        output(ion_contract(&["run", "--target", "sandbox"]).env("ION_REQUIRE_CREDENTIALS", "1"));
    assert_credentials_required(
        &variable,
        "credentials are required (--require-credentials",
        me,
    );

    // Listing sends nothing and needs no credentials: it is never refused; and no trial is
    // ignored, so a runner of one trial per process (nextest) runs, and fails, each.
    let list = |more: &[&str]| {
        let mut args = vec!["list", "--target", "sandbox", "--require-credentials"];
        args.extend(more);
        output(&mut ion_contract(&args))
    };
    let listed = list(&[]);
    assert_eq!(listed.status.code(), Some(0), "{}", stderr(&listed));
    assert!(stdout(&listed).contains("me::me-reports-the-bot-user::sandbox: test"));
    assert!(!stdout(&list(&["--ignored"])).contains(me));
    let one = output(&mut ion_contract(&[
        "run",
        "--target",
        "sandbox",
        "--require-credentials",
        "--exact",
        me,
    ]));
    assert_eq!(one.status.code(), Some(2), "{}", stdout(&one));
    assert!(
        stdout(&one).contains("0 passed; 1 failed;"),
        "{}",
        stdout(&one)
    );

    // Switched off, the trials are ignored as without the setting.
    let off =
        output(ion_contract(&["run", "--target", "sandbox"]).env("ION_REQUIRE_CREDENTIALS", "0"));
    assert_eq!(off.status.code(), Some(0), "{}", stdout(&off));
    assert!(
        stdout(&off).contains("0 passed; 0 failed;"),
        "{}",
        stdout(&off)
    );
}

#[test]
fn a_target_that_requires_credentials_fails_the_run_without_them() {
    let scratch = Scratch::new("require-credentials");
    scratch.write("writer.yaml", WRITER);
    scratch.write(
        "targets.yaml",
        "targets:\n  sandbox:\n    require_credentials: true\n",
    );
    let out = output(&mut scratch.command(&["run", "--target", "sandbox"]));
    assert_credentials_required(
        &out,
        "target `sandbox` requires credentials (`require_credentials: true` in targets.yaml)",
        "writer::create::sandbox",
    );
    // Another live target without the setting still ignores its trials.
    let production = output(&mut scratch.command(&["run", "--target", "production"]));
    assert_eq!(production.status.code(), Some(0), "{}", stdout(&production));
}

/// A case that expects the double's parts list to be empty: a blank tenant's.
const BLANK_PARTS: &str = "name: Blank\ncases:\n  - name: no-parts\n    steps:\n      - name: list\n        query: \"{ parts { pageInfo { totalCount } } me { id } }\"\n        expect:\n          data:\n            - path: $.parts.pageInfo.totalCount\n              equals: 0\n            - path: $.me.id\n              equals: 1\n";

#[test]
fn a_double_target_serves_its_data_shape_unless_data_says_otherwise() {
    let scratch = Scratch::new("target-data");
    scratch
        .write(
            "targets.yaml",
            "targets:\n  mock-blank:\n    environment: mock\n    data: blank\n",
        )
        .write("blank.yaml", BLANK_PARTS);
    let blank = output(&mut scratch.command(&["run", "--target", "mock-blank"]));
    assert_eq!(blank.status.code(), Some(0), "{}", stdout(&blank));
    let demo = output(&mut scratch.command(&["run", "--target", "mock-blank", "--data", "demo"]));
    assert_eq!(
        demo.status.code(),
        Some(101),
        "--data wins: {}",
        stdout(&demo)
    );
}
