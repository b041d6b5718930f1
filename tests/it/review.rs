//! `ion-contract review` and snapshot failures, in a folder with no Cargo.toml above it (a
//! team's own repository): no insta internals in any output, the suite's file:line:col, and
//! accepting or rejecting pending snapshots without cargo.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{Scratch, output, stderr, stdout};

/// A case that snapshots `{ me { id } }`, in `name`.yaml.
fn suite(name: &str) -> String {
    format!(
        "name: {name}\ncases:\n  - name: me\n    steps:\n      - name: whoami\n        \
         query: \"{{ me {{ id }} }}\"\n        snapshot: true\n"
    )
}

/// Two suites with one snapshotted case each, in a temp dir (no Cargo.toml above it).
fn project(label: &str) -> Scratch {
    let scratch = Scratch::new(label);
    assert!(
        !scratch
            .0
            .ancestors()
            .any(|dir| dir.join("Cargo.toml").exists()),
        "the scratch folder is outside any cargo project"
    );
    scratch.write("alpha.yaml", &suite("alpha"));
    scratch.write("beta.yaml", &suite("beta"));
    scratch
}

/// `ion-contract <args>` on the scratch folder, run from inside it, with `CI` as given and
/// none of insta's variables.
fn ion(scratch: &Scratch, args: &[&str], ci: bool) -> Output {
    let mut command: Command = scratch.command(args);
    command
        .current_dir(&scratch.0)
        .env_remove("CI")
        .env_remove("TF_BUILD")
        .env_remove("INSTA_UPDATE")
        .env("RUST_BACKTRACE", "1");
    if ci {
        command.env("CI", "true");
    }
    output(&mut command)
}

fn snap(scratch: &Scratch, suite: &str) -> PathBuf {
    scratch.0.join(format!("snapshots/{suite}__me@mock.snap"))
}

fn pending(scratch: &Scratch, suite: &str) -> PathBuf {
    scratch
        .0
        .join(format!("snapshots/{suite}__me@mock.snap.new"))
}

fn both(out: &Output) -> String {
    format!("{}{}", stdout(out), stderr(out))
}

/// No trace of insta's own output, panics or cargo advice.
fn assert_no_insta_internals(text: &str) {
    for internal in [
        "panicked",
        "insta-1.",
        "cargo insta",
        "RUST_BACKTRACE",
        "backtrace",
    ] {
        assert!(!text.contains(internal), "`{internal}` shown:\n{text}");
    }
}

fn exists(path: &Path) -> bool {
    path.exists()
}

#[test]
fn new_snapshots_fail_run_then_review_accepts_and_rejects_them_by_filter() {
    let scratch = project("review-flow");
    let out = ion(&scratch, &["run"], false);
    let text = both(&out);
    assert_eq!(out.status.code(), Some(101), "{text}");
    assert_no_insta_internals(&text);
    assert!(
        text.contains("alpha.yaml:3:5: alpha::me::mock: no snapshot recorded yet"),
        "{text}"
    );
    assert!(text.contains("run `ion-contract review`"), "{text}");
    assert!(exists(&pending(&scratch, "alpha")) && exists(&pending(&scratch, "beta")));

    let out = ion(&scratch, &["review", "--list"], false);
    assert!(out.status.success(), "{}", both(&out));
    assert!(
        stdout(&out).starts_with("alpha::me::mock  "),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("\nbeta::me::mock  "),
        "{}",
        stdout(&out)
    );

    let out = ion(&scratch, &["review", "--accept", "alpha::"], false);
    assert!(out.status.success(), "{}", both(&out));
    assert_eq!(stdout(&out), "accepted alpha::me::mock\n");
    assert!(exists(&snap(&scratch, "alpha")) && !exists(&pending(&scratch, "alpha")));
    assert!(
        exists(&pending(&scratch, "beta")),
        "the filter leaves beta pending"
    );

    let out = ion(&scratch, &["review", "--reject", "beta"], false);
    assert!(out.status.success(), "{}", both(&out));
    assert_eq!(stdout(&out), "rejected beta::me::mock\n");
    assert!(!exists(&pending(&scratch, "beta")) && !exists(&snap(&scratch, "beta")));

    let out = ion(&scratch, &["run", "alpha::"], false);
    assert!(
        out.status.success(),
        "the accepted snapshot matches: {}",
        both(&out)
    );
}

#[test]
fn a_changed_snapshot_shows_its_difference_once_and_ci_writes_nothing() {
    let scratch = project("review-changed");
    let out = ion(&scratch, &["run", "alpha::"], false);
    assert_eq!(out.status.code(), Some(101), "{}", both(&out));
    let out = ion(&scratch, &["review", "--accept"], false);
    assert!(out.status.success(), "{}", both(&out));
    let stored = std::fs::read_to_string(snap(&scratch, "alpha")).expect("accepted");
    std::fs::write(
        snap(&scratch, "alpha"),
        stored.replace("\"status\": 200", "\"status\": 201"),
    )
    .expect("snapshot is writable");

    let out = ion(&scratch, &["run", "alpha::"], true);
    let text = both(&out);
    assert_eq!(out.status.code(), Some(101), "{text}");
    assert_no_insta_internals(&text);
    assert!(
        text.contains("alpha.yaml:3:5: alpha::me::mock: the response does not match"),
        "{text}"
    );
    assert_eq!(text.matches("-    \"status\": 201").count(), 1, "{text}");
    assert_eq!(text.matches("+    \"status\": 200").count(), 1, "{text}");
    assert!(text.contains("nothing was written (CI is set"), "{text}");
    assert!(!exists(&pending(&scratch, "alpha")), "CI writes nothing");

    let out = ion(&scratch, &["run", "alpha::"], false);
    assert!(both(&out).contains("ion-contract review"), "{}", both(&out));
    assert!(exists(&pending(&scratch, "alpha")));
    // Not on a terminal, `review` lists and says how to accept; nothing changes.
    let out = ion(&scratch, &["review"], false);
    assert!(out.status.success(), "{}", both(&out));
    assert!(
        stdout(&out).starts_with("alpha::me::mock  "),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("help: accept them with `ion-contract review --accept`"),
        "{}",
        stderr(&out)
    );
    assert!(exists(&pending(&scratch, "alpha")));
}

#[test]
fn cargo_insta_is_offered_only_inside_a_cargo_project() {
    let scratch = project("review-cargo");
    scratch.write("Cargo.toml", "[package]\nname = \"x\"\n");
    let out = ion(&scratch, &["run", "alpha::"], false);
    let text = both(&out);
    assert_eq!(out.status.code(), Some(101), "{text}");
    assert!(
        text.contains("`ion-contract review` (or `cargo insta review`)"),
        "{text}"
    );
    assert!(!text.contains("panicked"), "{text}");
}
