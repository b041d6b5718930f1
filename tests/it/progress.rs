//! The progress line of `seed`, `drift` and `smoke`, seen from outside: silent on a pipe and
//! in CI, drawn on stderr when forced with `ION_PROGRESS=1`, cleared before anything else is
//! written, and never a byte of stdout.

use crate::common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{Scratch, ion_contract, manifest_dir, output, stderr, stdout};

const CLEAR: &str = "\r\x1b[2K";
const DRAW_END: &str = "\x1b[?7h";

/// `ion-contract seed` on the double with the starter chain, schema and seed, and an empty
/// suites directory inside `scratch`, where the seeding manifest is written.
fn seed(scratch: &Scratch) -> Command {
    let suites = scratch.0.join("suites");
    std::fs::create_dir_all(&suites).expect("scratch is writable");
    let path = |p: &Path| p.to_string_lossy().into_owned();
    let root = manifest_dir().join("suites");
    let args = [
        "seed".into(),
        "--target".into(),
        "mock".into(),
        "--suites".into(),
        path(&suites),
        "--chain".into(),
        path(&root.join("seed/chain.yaml")),
        "--schema".into(),
        path(&root.join("schema/ion.graphql")),
        "--seed".into(),
        path(&root.join("seed/demo.yaml")),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ion_contract(&args)
}

/// Every line drawn is cleared before anything else is written: each draw is followed by
/// the next draw or a clear, and the stream does not end on a drawn line.
fn assert_cleared_before_anything_else(text: &str) {
    for (n, after) in text.split(DRAW_END).enumerate().skip(1) {
        assert!(
            after.starts_with(CLEAR),
            "draw {n} is followed by {:?}:\n{text:?}",
            after.chars().take(40).collect::<String>()
        );
    }
}

#[test]
fn seed_on_a_pipe_draws_nothing_even_outside_ci() {
    let scratch = Scratch::new("progress-pipe");
    let out = output(seed(&scratch).env_remove("CI"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "", "stderr is not a terminal");
    assert!(!stdout(&out).contains('\x1b'), "{}", stdout(&out));
}

#[test]
fn forced_on_seed_draws_on_stderr_clears_it_and_leaves_stdout_as_it_was() {
    let scratch = Scratch::new("progress-forced");
    let plain = output(&mut seed(&scratch));
    let forced = output(seed(&scratch).env("ION_PROGRESS", "1"));
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    let drawn = stderr(&forced);
    assert!(
        drawn.starts_with(&format!("{CLEAR}\x1b[?7lseed [0/10]{DRAW_END}")),
        "{drawn:?}"
    );
    assert!(
        drawn.contains("seed [10/10] installation (ABomItem)"),
        "{drawn:?}"
    );
    assert!(drawn.ends_with(CLEAR), "{drawn:?}");
    assert_cleared_before_anything_else(&drawn);
    assert_eq!(stdout(&forced), stdout(&plain));
    assert!(
        stdout(&plain).ends_with("seeded: 10 entities of prefix ICT- (10 created)\n"),
        "{}",
        stdout(&plain)
    );
}

/// `smoke` with stdout and stderr in one file, as a terminal shows them.
fn smoke_interleaved(scratch: &Scratch, snapshots: &str) -> (Output, String) {
    let file = scratch.0.join("smoke.out");
    let sink = std::fs::File::create(&file).expect("scratch is writable");
    let out = ion_contract(&["smoke", "--target", "mock", "--snapshots", snapshots])
        .env("ION_PROGRESS", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .stdout(sink.try_clone().expect("the file handle clones"))
        .stderr(sink)
        .stdin(Stdio::null())
        .output()
        .expect("the program starts");
    let text = std::fs::read_to_string(&file).expect("the output is UTF-8");
    (out, text)
}

#[test]
fn smoke_shows_its_stages_and_clears_the_line_before_the_suites_and_the_summary() {
    let scratch = Scratch::new("progress-smoke");
    let snapshots = scratch.0.join("snapshots");
    std::fs::create_dir_all(&snapshots).expect("scratch is writable");
    for entry in std::fs::read_dir(manifest_dir().join("snapshots"))
        .unwrap()
        .flatten()
    {
        std::fs::copy(entry.path(), snapshots.join(entry.file_name())).unwrap();
    }
    let snapshots = snapshots.to_string_lossy().into_owned();
    let record = output(&mut ion_contract(&[
        "drift",
        "--record",
        "--target",
        "mock",
        "--snapshots",
        &snapshots,
    ]));
    assert_eq!(record.status.code(), Some(0), "{}", stderr(&record));

    let (out, text) = smoke_interleaved(&scratch, &snapshots);
    assert_eq!(out.status.code(), Some(0), "{text}");
    for expected in [
        "smoke [0/5]",
        "smoke [3/5] seed › seed [0/10]",
        "smoke [4/5] drift › read [0/10]",
        "smoke [4/5] drift › count [0/",
    ] {
        assert!(text.contains(expected), "{expected}:\n{text:?}");
    }
    assert_cleared_before_anything_else(&text);
    let report = text.rfind("\nrunning ").expect("the suites' report");
    assert!(
        !text[report..].contains(DRAW_END),
        "nothing drawn once the suites run: {text:?}"
    );
    assert!(text[report..].contains("test result: ok."), "{text}");
    assert!(
        text.contains("**ion-contract smoke, target mock: passed**"),
        "{text}"
    );
}

#[test]
fn run_draws_each_trial_when_its_report_goes_to_a_pipe_and_nothing_by_default() {
    let scratch = Scratch::new("progress-run");
    let case = |name: &str| {
        format!("  - name: {name}\n    steps:\n      - query: \"{{ me {{ id }} }}\"\n")
    };
    scratch.write(
        "who.yaml",
        &format!("name: Who\ncases:\n{}{}", case("a"), case("b")),
    );
    // One thread in both runs, so libtest reports the trials in the same order.
    let quiet = output(&mut scratch.command(&["run", "--test-threads", "1"]));
    assert_eq!(quiet.status.code(), Some(0), "{}", stderr(&quiet));
    assert!(
        !stderr(&quiet).contains('\x1b'),
        "in CI: {:?}",
        stderr(&quiet)
    );
    let forced = output(
        scratch
            .command(&["run", "--test-threads", "1"])
            .env("ION_PROGRESS", "1"),
    );
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    let drawn = stderr(&forced);
    assert!(drawn.contains("run [0/2]"), "{drawn:?}");
    assert!(drawn.contains("run [2/2] who::b::mock"), "{drawn:?}");
    assert!(drawn.ends_with(CLEAR), "{drawn:?}");
    assert_cleared_before_anything_else(&drawn);
    let untimed = |out: &Output| stdout(out).split("; finished in").next().map(str::to_owned);
    assert_eq!(untimed(&forced), untimed(&quiet), "the report is the same");
}
