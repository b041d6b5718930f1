//! Harness runs in a child process: the bench executable runs itself with
//! `--child DIR SNAPSHOTS THREADS`, and the child runs the generated suites in process through
//! the library ([`ion_contract::runner::run_counted`]) against the embedded double.
//!
//! A child of its own keeps libtest's report (one line per trial) off the bench's output and
//! gives each run its own peak RSS: the child reads its `VmHWM` when the run is over and
//! prints one result line, which the parent picks out of the child's output, with the time
//! the run's trials spent in each phase ([`ion_contract::phase_time`]).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use ion_contract::builtin::Source;
use ion_contract::phase_time::{self, Phase};
use ion_contract::runner::{RunOptions, run_counted};
use libtest_mimic::Arguments;

/// The first argument that makes the bench executable a child.
pub const CHILD_FLAG: &str = "--child";

/// The prefix of the child's result line.
const RESULT_PREFIX: &str = "ion-contract-bench-result ";

/// What one child run measured.
#[derive(Debug, Clone, Copy)]
pub struct Measured {
    /// Loading everything and listing the trials (`--list`), in process.
    pub list_s: f64,
    /// Loading everything and running every trial, in process.
    pub run_s: f64,
    /// Trials that passed and failed.
    pub passed: u64,
    /// Trials that failed.
    pub failed: u64,
    /// The child's peak resident memory (`VmHWM`) after the run.
    pub peak_rss_kb: u64,
    /// The run's trials' time in each phase, summed over threads, in seconds
    /// ([`ion_contract::phase_time`], in [`Phase::ALL`]'s order).
    pub phases_s: [f64; PHASES],
}

/// How many phases the child reports.
const PHASES: usize = Phase::ALL.len();

/// How a child run is set up.
pub struct ChildRun<'a> {
    /// The generated suites directory.
    pub suites: &'a Path,
    /// Its snapshots directory.
    pub snapshots: &'a Path,
    /// libtest's `--test-threads`.
    pub threads: usize,
    /// Record the snapshots (`INSTA_UPDATE=always`) instead of comparing them.
    pub record: bool,
}

impl ChildRun<'_> {
    /// Runs the child and returns what it measured.
    pub fn measure(&self) -> Measured {
        let exe = std::env::current_exe().expect("the bench knows its own executable");
        let mut command = Command::new(exe);
        command
            .arg(CHILD_FLAG)
            .arg(self.suites)
            .arg(self.snapshots)
            .arg(self.threads.to_string())
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("INSTA_UPDATE", if self.record { "always" } else { "no" })
            .env_remove("CI")
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .stdout(Stdio::piped());
        let output = command
            .output()
            .expect("the bench can run itself as a child");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let line = stdout
            .lines()
            .find_map(|l| l.strip_prefix(RESULT_PREFIX))
            .unwrap_or_else(|| {
                panic!(
                    "the child run of {} printed no result ({}); its stderr:\n{}",
                    self.suites.display(),
                    output.status,
                    String::from_utf8_lossy(&output.stderr)
                )
            });
        let numbers: Vec<f64> = line
            .split_whitespace()
            .map(|n| n.parse().expect("the child prints numbers"))
            .collect();
        let Ok::<[f64; 5 + PHASES], _>(all) = numbers.try_into() else {
            panic!("the child's result line has {} numbers: {line}", 5 + PHASES);
        };
        let [list_s, run_s, passed, failed, peak_rss_kb] = [all[0], all[1], all[2], all[3], all[4]];
        let mut phases_s = [0.0; PHASES];
        phases_s.copy_from_slice(&all[5..]);
        Measured {
            list_s,
            run_s,
            passed: passed as u64,
            failed: failed as u64,
            peak_rss_kb: peak_rss_kb as u64,
            phases_s,
        }
    }
}

/// The child's side: `args` are what follows [`CHILD_FLAG`].
pub fn child_main(args: &[String]) {
    let [suites, snapshots, threads] = args else {
        panic!("usage: {CHILD_FLAG} SUITES SNAPSHOTS THREADS");
    };
    let threads: usize = threads.parse().expect("THREADS is a number");
    let project = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("suites");
    let mut options = RunOptions::new(suites);
    options.schema = Source::File(project.join("schema").join("ion.graphql"));
    options.seed = Source::File(project.join("seed").join("demo.yaml"));
    options.snapshots_dir = PathBuf::from(snapshots);
    let args = |list: bool| Arguments {
        list,
        quiet: true,
        test_threads: Some(threads),
        ..Arguments::default()
    };
    let started = Instant::now();
    run_counted(args(true), &options);
    let list_s = started.elapsed().as_secs_f64();
    phase_time::reset();
    let started = Instant::now();
    let ran = run_counted(args(false), &options);
    let run_s = started.elapsed().as_secs_f64();
    let phases: Vec<String> = phase_time::totals()
        .iter()
        .map(|(_, spent)| spent.as_secs_f64().to_string())
        .collect();
    println!(
        "{RESULT_PREFIX}{list_s} {run_s} {} {} {} {}",
        ran.passed,
        ran.failed,
        peak_rss_kb(),
        phases.join(" ")
    );
}

/// This process's peak resident memory in kB (`VmHWM`, Linux); 0 where it cannot be read.
pub fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
