//! The command line's limits, seen from outside: thread counts, a closed stdout, and bad
//! paths or oversized files never hang, spin or panic; each is refused with exit 2 and a
//! `help:` line, or ends quietly.

use std::process::{Command, Output, Stdio};

use crate::common::{Scratch, in_clean_env, ion_contract, output, stderr, stdout, suites_binary};

/// Exit 2, a `help:` line, no panic; returns stderr and stdout (where `run` reports a
/// setup problem, as a failed trial).
fn refused(out: &Output, what: &str) -> String {
    let err = stderr(out) + &stdout(out);
    assert_eq!(out.status.code(), Some(2), "{what}: {err}");
    assert!(err.contains("help:"), "{what}: {err}");
    assert!(!err.contains("panicked"), "{what}: {err}");
    err
}

#[test]
fn zero_or_absurd_test_threads_are_refused_with_exit_2() {
    for args in [
        &["list", "--test-threads", "0"][..],
        &["run", "--test-threads", "0", "--exact", "no::such::trial"],
        &[
            "run",
            "--test-threads",
            "99999999",
            "--exact",
            "no::such::trial",
        ],
    ] {
        let err = refused(&output(&mut ion_contract(args)), &args.join(" "));
        assert!(err.contains("from 1 to 1024"), "{err}");
    }
    let suites = suites_binary();
    let out = output(&mut in_clean_env(
        &suites,
        &["--list", "--test-threads", "0"],
    ));
    refused(&out, "suites --test-threads 0");
    let out = output(in_clean_env(&suites, &["--list"]).env("RUST_TEST_THREADS", "0"));
    let err = refused(&out, "RUST_TEST_THREADS=0");
    assert!(err.contains("RUST_TEST_THREADS=\"0\""), "{err}");
}

/// Runs `command` with a stdout whose reading end is already closed, as `| head -1` leaves it.
fn with_closed_stdout(command: &mut Command) -> Output {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    command
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("the program starts")
}

#[test]
fn a_closed_stdout_ends_listing_and_checking_quietly_with_exit_0() {
    for args in [
        &["list"][..],
        &["check"],
        &["run", "--list"],
        &["schema", "diff"],
    ] {
        let out = with_closed_stdout(&mut ion_contract(args));
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{args:?}");
    }
    let out = with_closed_stdout(&mut in_clean_env(&suites_binary(), &["--list"]));
    assert_eq!(
        out.status.code(),
        Some(0),
        "suites --list: {}",
        stderr(&out)
    );
}

#[test]
fn a_run_whose_report_is_cut_short_is_not_a_success() {
    let out = with_closed_stdout(&mut ion_contract(&["run", "parts::"]));
    assert_eq!(out.status.code(), Some(141), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
}

#[test]
fn bad_paths_are_refused_with_a_hint_and_no_panic() {
    let scratch = Scratch::new("bad-paths");
    scratch.write("file", "not a directory\n");
    let file = scratch.0.join("file").to_string_lossy().into_owned();
    let dir = scratch.0.to_string_lossy().into_owned();
    let err = refused(
        &output(&mut ion_contract(&["run", "--snapshots", &file])),
        "--snapshots FILE",
    );
    assert!(err.contains("is not a directory"), "{err}");
    let err = refused(
        &output(&mut ion_contract(&["check", "--schema", &dir])),
        "--schema DIR",
    );
    assert!(
        err.contains("it is a directory, not a regular file"),
        "{err}"
    );
    let err = refused(
        &output(&mut ion_contract(&["check", "--suites", &file])),
        "--suites FILE",
    );
    assert!(
        err.contains(&file) && err.contains("Not a directory"),
        "{err}"
    );
    #[cfg(unix)]
    {
        let err = refused(
            &output(&mut ion_contract(&["check", "--seed", "/dev/zero"])),
            "--seed /dev/zero",
        );
        assert!(err.contains("a character device"), "{err}");
    }
}

#[test]
fn file_size_and_yaml_node_limits_name_their_variable() {
    let scratch = Scratch::new("limits");
    let case = "  - name: whoami\n    steps:\n      - query: \"{ me { id } }\"\n";
    scratch.write("small.yaml", &format!("name: Small\ncases:\n{case}"));
    let out = output(scratch.command(&["check"]).env("ION_MAX_YAML_NODES", "5"));
    let err = refused(&out, "ION_MAX_YAML_NODES=5");
    assert!(err.contains("more than 5 YAML nodes"), "{err}");
    assert!(err.contains("ION_MAX_YAML_NODES=10"), "{err}");
    let out = output(scratch.command(&["check"]).env("ION_MAX_YAML_NODES", "50"));
    assert!(out.status.success(), "{}", stderr(&out));

    let padding = "# padding\n".repeat(110_000); // just over 1 MiB
    scratch.write(
        "small.yaml",
        &format!("{padding}name: Small\ncases:\n{case}"),
    );
    let out = output(scratch.command(&["check"]).env("ION_MAX_FILE_MB", "1"));
    let err = refused(&out, "ION_MAX_FILE_MB=1");
    assert!(err.contains("small.yaml:1:1"), "{err}");
    assert!(err.contains("larger than 1 MiB"), "{err}");
    assert!(err.contains("ION_MAX_FILE_MB=4"), "{err}");
    let out = output(scratch.command(&["check"]).env("ION_MAX_FILE_MB", "2"));
    assert!(out.status.success(), "{}", stderr(&out));
    let out = output(scratch.command(&["check"]).env("ION_MAX_FILE_MB", "lots"));
    let err = refused(&out, "ION_MAX_FILE_MB=lots");
    assert!(
        err.contains("ION_MAX_FILE_MB=\"lots\" is not a number"),
        "{err}"
    );
}
