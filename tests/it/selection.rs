//! Splitting a run: `--shard i/n` (and `ION_SHARD` under cargo test) and `lock:`.

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::{Output, Stdio};

use common::serve::Serve;
use common::{Scratch, in_clean_env, ion_contract, output, stderr, stdout, suites_binary};
use ion_contract::lock::SuiteLock;
use serde_json::Value;

fn names(out: &Output) -> Vec<String> {
    assert!(out.status.success(), "{}{}", stdout(out), stderr(out));
    stdout(out)
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn two_shards_together_list_every_trial_exactly_once() {
    let all = names(&output(&mut ion_contract(&["list"])));
    let first = names(&output(&mut ion_contract(&["list", "--shard", "1/2"])));
    let second = names(&output(&mut ion_contract(&["list", "--shard", "2/2"])));
    assert!(!first.is_empty() && !second.is_empty());
    assert!(first.len().abs_diff(second.len()) <= 1, "even shares");
    let mut both = first.clone();
    both.extend(second.iter().cloned());
    both.sort();
    assert_eq!(both, all, "every trial once, none twice");
    // cargo test --test suites takes the shard from ION_SHARD.
    let under_cargo = names(&output(
        in_clean_env(&suites_binary(), &["--list"]).env("ION_SHARD", "2/2"),
    ));
    assert_eq!(under_cargo, second);
}

/// Suites where `first` and `second` share a lock, and `free` has none.
fn locked_suites(label: &str) -> Scratch {
    let scratch = Scratch::new(label);
    let case = |name: &str| {
        format!("  - name: {name}\n    steps:\n      - query: \"{{ me {{ id }} }}\"\n")
    };
    scratch
        .write(
            "first.yaml",
            &format!(
                "name: First\nlock: parts\ncases:\n{}{}",
                case("a"),
                case("b")
            ),
        )
        .write(
            "second.yaml",
            &format!("name: Second\nlock: parts\ncases:\n{}", case("c")),
        )
        .write(
            "free.yaml",
            &format!(
                "name: Free\ncases:\n{}{}{}",
                case("d"),
                case("e"),
                case("f")
            ),
        );
    scratch
}

#[test]
fn shards_run_every_case_once_and_keep_a_lock_in_one_shard() {
    let scratch = locked_suites("shard-run");
    let all = names(&output(&mut scratch.command(&["list"])));
    assert_eq!(all.len(), 6);
    let mut ran = Vec::new();
    for shard in ["1/3", "2/3", "3/3"] {
        let report = scratch.0.join(format!("report-{}.json", &shard[..1]));
        let out = output(&mut scratch.command(&[
            "run",
            "--shard",
            shard,
            "--json",
            &report.to_string_lossy(),
        ]));
        assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
        let report: Value =
            serde_json::from_str(&std::fs::read_to_string(&report).expect("written"))
                .expect("JSON");
        let passed: Vec<String> = report["trials"]
            .as_array()
            .expect("trials")
            .iter()
            .filter(|t| t["outcome"] == "passed")
            .map(|t| t["name"].as_str().expect("a name").to_owned())
            .collect();
        let locked = passed
            .iter()
            .filter(|n| n.starts_with("first::") || n.starts_with("second::"))
            .count();
        assert!(
            locked == 0 || locked == 3,
            "the cases of lock `parts` stay together: shard {shard} ran {passed:?}"
        );
        ran.extend(passed);
    }
    ran.sort();
    assert_eq!(ran, all, "every case ran exactly once");
}

#[test]
fn a_shard_that_is_not_i_of_n_is_refused_with_the_form_to_use() {
    for bad in ["0/2", "3/2", "two"] {
        let out = output(&mut ion_contract(&["run", "--shard", bad]));
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(
            stderr(&out).contains(&format!("'{bad}' is not a shard")),
            "{}",
            stderr(&out)
        );
    }
    let out = output(in_clean_env(&suites_binary(), &[]).env("ION_SHARD", "5/4"));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stdout(&out).contains("ION_SHARD: '5/4' is not a shard"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_case_waits_while_another_holds_its_suites_lock() {
    let serve = Serve::start();
    let scratch = locked_suites("lock-wait");
    let locks = scratch.0.join("locks");
    let endpoint = format!("{}/graphql", serve.vars["ION_SANDBOX_API_URL"]);
    let held = SuiteLock::try_acquire(&locks, &endpoint, "parts")
        .expect("the lock directory is writable")
        .expect("nobody else holds it");
    let mut child = scratch
        .command(&[
            "run",
            "--target",
            "sandbox",
            "--exact",
            "second::c::sandbox",
        ])
        .envs(serve.env("ION_SANDBOX_"))
        .env("ION_LOCK_DIR", &locks)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run starts");
    let mut lines = BufReader::new(child.stderr.take().expect("piped stderr")).lines();
    let waiting = lines
        .by_ref()
        .map(|line| line.expect("stderr is text"))
        .find(|line| line.contains("waits for the suite lock 'parts'"))
        .expect("the case says it waits for the lock");
    assert!(
        waiting.starts_with("ion-contract: second::c::sandbox"),
        "{waiting}"
    );
    let before = serve.admin("ION_SANDBOX_API_URL", "GET", "requests")["total"].clone();
    assert!(child.try_wait().expect("waitable").is_none(), "it waits");
    drop(held);
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().expect("run ends");
    assert!(status.success(), "{rest:?}");
    let after = serve.admin("ION_SANDBOX_API_URL", "GET", "requests")["total"].clone();
    assert_eq!(
        after.as_u64(),
        before.as_u64().map(|n| n + 1),
        "the case's one request went out after the lock was released"
    );
    assert!(
        SuiteLock::try_acquire(&locks, &endpoint, "parts")
            .expect("lockable")
            .is_some(),
        "the run released the lock when it ended"
    );
}
