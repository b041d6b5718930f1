//! The test runner: turns every case into a libtest-mimic trial. The only module that knows
//! libtest-mimic.
//!
//! `cargo test --test suites` (tests/suites.rs) and `ion-contract run` both end up in
//! [`run`], so they list and run the same trials with the same output:
//!
//! - suites selected by their tags (`--tag`, `--skip-tag`, `ION_TAGS`, `ION_SKIP_TAGS`);
//! - one trial per case the target admits, named `<suite id>::<case name>::<target>`: sorted
//!   by name on the double; on a live target in verification order (cases asking only `me`,
//!   then reads, then writes), one at a time unless `--test-threads` says otherwise;
//! - `--test-threads` (or `RUST_TEST_THREADS`) outside 1..=1024 is refused with exit 2
//!   before anything runs (see `threads.rs`);
//! - a live target without credentials: every trial ignored, and one stderr line naming the
//!   variables to set; or, when credentials are required ([`RunOptions::require_credentials`]
//!   or the target's `require_credentials: true`), the trial `target::credentials` fails
//!   with that line and a `help:`, and every case fails unsent (all as `invalid`: exit 2),
//!   so a runner of one trial per process fails too; listing is never refused;
//! - a live target with credentials: first the trial `preflight::<target>` (see
//!   [`crate::preflight`]), run when the process starts (the target is reached as every
//!   command reaches it, [`crate::reach`]); when it fails, every case fails
//!   without sending anything, naming it, and the diagnosis is printed once on stderr; when
//!   it passes, one stderr line names the tenant;
//! - a case that runs `as:` a profile whose credentials are not set: ignored, with one
//!   stderr line per profile (see [`crate::profile`]);
//! - `--shard i/n` (`ION_SHARD`) keeps one share of the cases (see [`Shard`]);
//! - a suite with `lock: <name>` holds that lock (see [`crate::lock`]) while each of its
//!   cases runs on a live target;
//! - every trial's failure message is scrubbed of secrets before libtest or a report sees it,
//!   and so is every line the runner prints (see [`crate::scrub`]);
//! - every trial's outcome is recorded as it ends (see [`crate::report`]); after the run, on
//!   stderr: one line per case that passed only after throttling and per load check (what it
//!   measured), and, when most requests were refused (401/403) without a step expecting it,
//!   one line saying the credentials look wrong for the target; then the reports the options
//!   ask for are written;
//! - the exit code is 0, 2 when a suite, the targets, the double's files, an option or a
//!   report was invalid, 3 when the target's preflight failed, else libtest's 101 (see
//!   [`crate::exit`]);
//! - each trial's requests are paced by the target's `max_rps` (one pacer for the process)
//!   and a suite's `double:` is applied to the trial's double, or to a local `serve` (and
//!   put back after the case); on ION those suites' cases are ignored;
//! - a suite file that fails to load becomes one failing trial `<suite id>::load` whose
//!   message holds every located diagnostic; the other suites still run;
//! - `targets.yaml`, the target's name or URLs, or the double's schema or seed failing to
//!   load becomes one failing trial (`targets::load`, `target::select`, `ion-double::load`).
//!   The double's schema and seed are the project's files or the built-in ones
//!   ([`crate::builtin`]).
//!
//! Everything is parsed once, before any trial runs: targets, suites, the double's schema and
//! seed. On the double each trial starts its own double (a fresh store) and gets a token from
//! it with the demo client; on a live target every trial shares one client and one token
//! source. Steps run on one shared multi-thread tokio runtime, built here in plain
//! code (never `#[tokio::main]`: with `--test-threads 1` trials run on the main thread,
//! where a nested runtime would panic). Nothing is printed inside trials and nothing is
//! written to stdout before the libtest report, so `--list` stays machine-readable for
//! cargo-nextest.

mod case;
mod finished;
mod fixture;
mod options;
mod outcome;
mod plan;
mod setup;
mod shard;
mod threads;
mod trial_io;

pub use options::{
    ALLOW_HIGH_RATE_ENV, REQUIRE_CREDENTIALS_ENV, RunOptions, SKIP_TAGS_ENV, TAGS_ENV,
};
pub use shard::{SHARD_ENV, Shard};
pub use threads::{MAX_TEST_THREADS, TEST_THREADS_ENV};

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use libtest_mimic::Arguments;

use crate::exit;
use crate::report::{Collector, FailureClass, RunReport, TrialKind, TrialRecord};
use finished::{Planned, Recorder, recorded};
use outcome::{exit_code, ran, write_reports};
use plan::{preflight_trial, verification_rank};
use setup::{Connection, Shared};

/// The entry point of `tests/suites.rs`: libtest arguments from the command line,
/// `RUST_TEST_THREADS` honoured, options from the environment.
pub fn main_from_env() -> ExitCode {
    let args = Arguments::from_args();
    crate::closed_stdout::end_quietly_when_closed(closed_stdout_code(&args));
    run(args, &RunOptions::from_env())
}

/// How a run ends when its stdout is closed: a listing cut short is fine (0), a report cut
/// short leaves the outcome unknown ([`crate::exit::STDOUT_CLOSED`]).
pub fn closed_stdout_code(args: &Arguments) -> u8 {
    if args.list {
        crate::exit::SUCCESS
    } else {
        crate::exit::STDOUT_CLOSED
    }
}

/// Lists or runs the trials as `args` asks, writes the reports `options` asks for, and
/// returns the exit code (see [`Ran::exit`]).
pub fn run(args: Arguments, options: &RunOptions) -> ExitCode {
    run_counted(args, options).exit
}

/// How a run ended.
#[derive(Debug)]
pub struct Ran {
    /// Trials that passed.
    pub passed: u64,
    /// Trials that failed.
    pub failed: u64,
    /// Trials ignored.
    pub ignored: u64,
    /// The exit code: 0 when every trial passed; 2 when a suite, the targets, the double's
    /// files, the options or a report were invalid; 3 when the target's preflight failed;
    /// else libtest's (101 when a case failed). See [`crate::exit`].
    pub exit: ExitCode,
    /// What every trial did (`None` when only listing).
    pub report: Option<RunReport>,
}

/// Runs every trial (libtest's defaults, quiet) and returns the counts: for `smoke`.
pub fn run_all(options: &RunOptions) -> Ran {
    let args = Arguments {
        quiet: true,
        ..Arguments::default()
    };
    run_counted(args, options)
}

/// [`run`], with the counts and the report.
pub fn run_counted(mut args: Arguments, options: &RunOptions) -> Ran {
    if let Err(bad) = threads::resolve(&mut args) {
        crate::scrubbed_eprintln!("error: {bad}");
        return Ran {
            passed: 0,
            failed: 0,
            ignored: 0,
            exit: ExitCode::from(exit::INVALID),
            report: None,
        };
    }
    let started = Instant::now();
    let recorder = Recorder {
        collector: Arc::new(Collector::default()),
        progress: Arc::clone(&options.progress),
    };
    let collector = &recorder.collector;
    let planned = match Shared::new(options, args.list) {
        Ok(shared) => {
            // A live target is shared and rate-limited: one trial at a time, in
            // verification order, unless asked otherwise.
            if !shared.target.is_double() && args.test_threads.is_none() {
                args.test_threads = Some(1);
            }
            shared.plan(&recorder)
        }
        Err(problem) => vec![problem.planned(&recorder, &options.target)],
    };
    let keeps = options
        .shard
        .map(|shard| shard.keeps(planned.iter().map(|p| p.unit.as_deref())));
    let mut trials = Vec::new();
    for (i, planned) in planned.into_iter().enumerate() {
        if keeps.as_ref().is_some_and(|keeps| !keeps[i]) {
            continue;
        }
        if !args.list && !args.is_filtered_out(&planned.trial) && args.is_ignored(&planned.trial) {
            collector.push(planned.ignored_record());
        }
        trials.push(planned.trial);
    }
    let to_run = trials
        .iter()
        .filter(|t| !args.is_filtered_out(t) && !args.is_ignored(t))
        .count();
    let phase = (!args.list).then(|| recorder.progress.start(to_run, "run"));
    let conclusion = libtest_mimic::run(&args, trials);
    drop(phase);
    if args.list {
        return ran(&conclusion, conclusion.exit_code(), None);
    }
    let report = RunReport::new(&options.target, started.elapsed(), collector.take());
    for line in &report.highlights {
        crate::scrubbed_eprintln!("ion-contract: {line}");
    }
    if let Some(verdict) = report.refusal_verdict() {
        crate::scrubbed_eprintln!("ion-contract: {verdict}");
    }
    let mut exit = exit_code(&report, &conclusion);
    if let Err(e) = write_reports(&report, options) {
        crate::scrubbed_eprintln!("error: {e}");
        exit = ExitCode::from(exit::INVALID);
    }
    ran(&conclusion, exit, Some(report))
}

impl Shared {
    /// One trial per admitted case (plus the preflight's and one per suite that did not
    /// load). On the double they are sorted by name; on a live target they follow the
    /// verification order: `me`, then reads, then writes.
    fn plan(self, recorder: &Recorder) -> Vec<Planned> {
        let shared = Arc::new(self);
        let target = shared.target.name.as_str();
        let missing = match &shared.connection {
            Connection::Missing(missing) => Some(missing.to_string()),
            _ => None,
        };
        let mut planned = Vec::new();
        let preflight = match &shared.connection {
            Connection::Live { passed, .. } => Some(Ok(passed.clone())),
            Connection::Refused(diagnosis) => Some(Err(diagnosis.clone())),
            Connection::Listing
            | Connection::Double
            | Connection::Missing(_)
            | Connection::Required(_) => None,
        };
        match &shared.connection {
            Connection::Double | Connection::Missing(_) => {}
            Connection::Required(message) => planned.push(Planned::failing(
                recorder,
                "target::credentials",
                TrialKind::Setup,
                target,
                FailureClass::Invalid,
                message.clone(),
            )),
            _ => planned.push(preflight_trial(recorder, target, preflight)),
        }
        for (suite_index, loaded) in shared.suites.iter().enumerate() {
            match loaded {
                Err(failure) => planned.push(Planned::failing(
                    recorder,
                    &format!("{}::load", failure.suite_id),
                    TrialKind::SuiteLoad,
                    target,
                    FailureClass::Invalid,
                    failure.to_string(),
                )),
                Ok(suite) if shared.target.admits(suite.targets.as_deref()) => {
                    for (case_index, case) in suite.cases.iter().enumerate() {
                        let name = format!("{}::{}::{target}", suite.id, case.name);
                        let ignored_because = missing
                            .clone()
                            .or_else(|| shared.profiles.unavailable(case))
                            .or_else(|| {
                                (suite.double.is_some() && !shared.reaches_a_double()).then(|| {
                                    format!(
                                        "the suite sets the double's throttle (`double:`) and \
                                         target {target} is not an ion-contract double"
                                    )
                                })
                            })
                            .or_else(|| {
                                let faults = case.steps.iter().any(|s| s.fault.is_some());
                                (faults && !shared.reaches_a_double()).then(|| {
                                    format!(
                                        "a step injects a fault (`fault:`) and target {target} \
                                         is not an ion-contract double"
                                    )
                                })
                            });
                        let record = TrialRecord::new(&name, TrialKind::Case, target);
                        let runs = Arc::clone(&shared);
                        let trial = recorded(recorder, record.clone(), move || {
                            runs.run_case(suite_index, case_index)
                        });
                        planned.push(Planned {
                            trial: trial.with_ignored_flag(ignored_because.is_some()),
                            rank: 1 + verification_rank(case),
                            record,
                            ignored_because,
                            unit: Some(match &suite.lock {
                                Some(lock) => format!("lock:{lock}"),
                                None => name,
                            }),
                        });
                    }
                }
                Ok(_) => {}
            }
        }
        let live = !shared.target.is_double();
        planned.sort_by(|a, b| {
            let by_name = a.trial.name().cmp(b.trial.name());
            if live {
                a.rank.cmp(&b.rank).then(by_name)
            } else {
                by_name
            }
        });
        plan::announce(&shared, planned.len(), missing.is_some());
        planned
    }
}
