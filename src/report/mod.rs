//! Reports of a run, for CI: what every trial did, collected while the run goes and rendered
//! after it as JUnit XML ([`junit`]), a JSON document ([`json`]) and a markdown summary for
//! `$GITHUB_STEP_SUMMARY` ([`markdown`]).
//!
//! `ion-contract run --junit PATH --json PATH --summary PATH` writes them; so does
//! `cargo test --test suites` when `ION_REPORT_JUNIT`, `ION_REPORT_JSON` or
//! `ION_REPORT_SUMMARY` name a file. Every trial is one record: each case
//! (`<suite>::<case>::<target>`), and the trials that stand for a problem before any case
//! (`<suite>::load`, `preflight::<target>`, `targets::load`, ...). Trials a filter or a shard
//! leaves out are not in the report; ignored trials are, with why.
//!
//! Under cargo-nextest every trial runs in its own process, so one process cannot see the
//! run: use nextest's own JUnit (`cargo nextest run --profile ci` writes
//! `target/nextest/ci/junit.xml`, see `.config/nextest.toml`); the report variables are then
//! ignored, with one line saying so.
//!
//! Messages are scrubbed of secrets before they are recorded, and every report file is
//! scrubbed again as it is written, in its own escaping (see [`crate::scrub`]).

pub mod json;
pub mod junit;
pub mod markdown;
mod trial;
mod write;

pub use crate::outcome::{FailureClass, Outcome, TrialKind};
pub use trial::{StepRecord, TrialRecord};
pub use write::{
    JSON_ENV, JUNIT_ENV, ReportError, ReportPaths, SUMMARY_ENV, under_nextest, write_reports,
    write_summary,
};

use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;

/// Everything a run did: every trial's record, in the order the trials were listed.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// The report's format version (see [`json`]).
    pub format: u32,
    /// The tool and its version, e.g. `ion-contract 0.1.0`.
    pub tool: String,
    /// The target the run was against.
    pub target: String,
    /// How long the run took, in milliseconds.
    pub duration_ms: u64,
    /// How many trials passed, failed and were ignored.
    pub totals: Totals,
    /// One record per trial that ran or was ignored.
    pub trials: Vec<TrialRecord>,
    /// What load checks measured and which cases passed only after throttling: the lines
    /// the run also prints on stderr.
    pub highlights: Vec<String>,
}

/// Trials by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Trials that passed.
    pub passed: usize,
    /// Trials that failed.
    pub failed: usize,
    /// Trials ignored (not run).
    pub ignored: usize,
}

impl RunReport {
    /// A report of `trials` (in any order: they are sorted by name).
    pub fn new(target: &str, duration: Duration, mut trials: Vec<TrialRecord>) -> Self {
        trials.sort_by(|a, b| a.name.cmp(&b.name));
        let count = |outcome: Outcome| trials.iter().filter(|t| t.outcome == outcome).count();
        let totals = Totals {
            passed: count(Outcome::Passed),
            failed: count(Outcome::Failed),
            ignored: count(Outcome::Ignored),
        };
        let highlights = trials.iter().flat_map(TrialRecord::highlights).collect();
        RunReport {
            format: 1,
            tool: format!("ion-contract {}", env!("CARGO_PKG_VERSION")),
            target: target.to_owned(),
            duration_ms: millis(duration),
            totals,
            trials,
            highlights,
        }
    }

    /// The failed trials.
    pub fn failures(&self) -> impl Iterator<Item = &TrialRecord> {
        self.trials.iter().filter(|t| t.outcome == Outcome::Failed)
    }

    /// The line for after the run when most requests were refused (401/403) without a step
    /// expecting it: the credentials look wrong for the target.
    pub fn refusal_verdict(&self) -> Option<String> {
        let steps = || self.trials.iter().flat_map(|t| &t.steps);
        let sent = steps().filter(|s| s.status.is_some()).count();
        let refused = steps()
            .filter(|s| s.status.is_some() && s.auth.is_some() && !s.auth_expected)
            .count();
        (refused > 0 && refused * 2 > sent).then(|| {
            format!(
                "{refused} of {sent} requests to target {target} were refused (401/403): \
                 credentials look wrong for this target; the failures above name each \
                 refusal's class, and `ion-contract preflight --target {target}` checks the \
                 environment of every URL and credential",
                target = self.target
            )
        })
    }
}

/// Collects the records of trials as they finish, from any thread.
#[derive(Debug, Default)]
pub struct Collector {
    records: Mutex<Vec<TrialRecord>>,
}

impl Collector {
    /// Keeps one trial's record.
    pub fn push(&self, record: TrialRecord) {
        self.records
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(record);
    }

    /// Every record kept so far.
    pub fn take(&self) -> Vec<TrialRecord> {
        std::mem::take(
            &mut *self
                .records
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }
}

/// A duration in whole milliseconds.
pub(crate) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
