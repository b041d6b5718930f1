//! One trial's record: what it was, how it ended, and what each of its requests met.

use std::time::Duration;

use serde::Serialize;

use super::millis;
use crate::auth::AuthClass;
use crate::check::Checked;
use crate::client::TransportKind;
use crate::execute::{FailureKind, StepFailure, StepOutcome, round_ms};

/// What a trial stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrialKind {
    /// A case of a suite: `<suite>::<case>::<target>`.
    Case,
    /// A suite file that did not load: `<suite>::load`.
    SuiteLoad,
    /// A live target's preflight: `preflight::<target>`.
    Preflight,
    /// A problem that stops every trial: the targets file, the target's name or URLs, the
    /// double's schema or seed (`targets::load`, `target::select`, `ion-double::load`, ...).
    Setup,
    /// A stage of `smoke`: `smoke::<stage>::<target>`.
    Stage,
}

/// How a trial ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// It passed.
    Passed,
    /// It failed.
    Failed,
    /// It was not run (see [`TrialRecord::ignored_because`]).
    Ignored,
}

/// Why a trial failed, in one word: the JUnit failure `type` and the JSON `failure.class`.
///
/// A failed step is exactly one of a closed set ([`FailureClass::STEP`]): a transport
/// failure (`timeout`, `connect`, `reset`), an answer that is not a GraphQL response
/// (`http-status` when it was not a 2xx, else `invalid-json`), a refusal (`auth`), still
/// throttled (`throttled-out`), or an expectation that did not hold (`http-status`,
/// `partial-data`, `graphql-errors`, `assertion`, `webhook`, in that order of precedence).
/// A step can also fail before anything is sent (`template`, `read-only`), and a case on its
/// snapshot. The other classes are trials that are not cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailureClass {
    /// No answer in time (the request's or the step's limit).
    Timeout,
    /// No connection: refused, unreachable, TLS, or the HTTP client could not be built.
    Connect,
    /// The connection closed or broke before the answer was whole.
    Reset,
    /// An HTTP status other than the expected one, or a non-2xx answer that is not GraphQL.
    HttpStatus,
    /// A 2xx answer that is not a GraphQL JSON response (not JSON, or without `data` and
    /// `errors`).
    InvalidJson,
    /// GraphQL errors the step did not expect (or none where it expected some).
    GraphqlErrors,
    /// Unexpected GraphQL errors alongside data: some fields resolved, some did not.
    PartialData,
    /// A data assertion, capture, `Retry-After` expectation or load check did not hold.
    Assertion,
    /// ION refused the request for its credentials (401/403, or no token could be had) and
    /// the step did not expect it (see [`TrialRecord::mismatch_classes`]).
    Auth,
    /// Still throttled (429) when the retries ran out or the wait was too long.
    ThrottledOut,
    /// An `expect_webhook:` did not hold: events missing or extra, a delivery unsigned or
    /// not accepted.
    Webhook,
    /// The response no longer matches the recorded snapshot.
    Snapshot,
    /// A template named a capture or variable without a value.
    Template,
    /// A mutation on a read-only target, refused before sending.
    ReadOnly,
    /// Not run because the target's preflight failed.
    NotRun,
    /// The target's preflight failed: an environment mismatch or refused credentials.
    Preflight,
    /// A suite, the targets file or the double's files are invalid, or the target's
    /// credentials are required but not set.
    Invalid,
    /// The live schema changed in a way that breaks an operation of this project.
    SchemaDrift,
    /// ION refused an operation of the seeding chain.
    SeedRefused,
    /// The seeded data drifted from its baseline.
    DataDrift,
    /// The seeded chain is not there at all: the sandbox was reset.
    SandboxReset,
    /// The harness itself could not run the case (a lock, a fixture, the double).
    Harness,
}

impl FailureClass {
    /// The classes a sent step can fail with, which `expect: {failure: ...}` names.
    pub const STEP: [FailureClass; 11] = [
        FailureClass::Timeout,
        FailureClass::Connect,
        FailureClass::Reset,
        FailureClass::HttpStatus,
        FailureClass::InvalidJson,
        FailureClass::GraphqlErrors,
        FailureClass::PartialData,
        FailureClass::Assertion,
        FailureClass::Auth,
        FailureClass::ThrottledOut,
        FailureClass::Webhook,
    ];

    /// The class of a failed step.
    pub fn of(failure: &StepFailure) -> Self {
        let list = match &failure.kind {
            FailureKind::Template(_) => return FailureClass::Template,
            FailureKind::ReadOnly(_) => return FailureClass::ReadOnly,
            FailureKind::NoToken(_) => return FailureClass::Auth,
            FailureKind::Harness(_) => return FailureClass::Harness,
            FailureKind::Transport(kind, _) => {
                return match kind {
                    TransportKind::Timeout => FailureClass::Timeout,
                    TransportKind::Connect => FailureClass::Connect,
                    TransportKind::Reset => FailureClass::Reset,
                };
            }
            FailureKind::NotGraphql(_) => {
                return match failure.status {
                    Some(status) if !(200..300).contains(&status) => FailureClass::HttpStatus,
                    _ => FailureClass::InvalidJson,
                };
            }
            FailureKind::Webhook(_) => return FailureClass::Webhook,
            FailureKind::Mismatches(list) => list,
        };
        let has = |checked: Checked| list.iter().any(|m| m.checked == checked);
        if failure.auth.is_some() {
            FailureClass::Auth
        } else if failure.delivery.refused_wait.is_some() || failure.status == Some(429) {
            FailureClass::ThrottledOut
        } else if has(Checked::Status) {
            FailureClass::HttpStatus
        } else if has(Checked::ErrorsWithData) {
            FailureClass::PartialData
        } else if has(Checked::Errors) {
            FailureClass::GraphqlErrors
        } else {
            FailureClass::Assertion
        }
    }

    /// The step class called `name`, if there is one.
    pub fn step_class(name: &str) -> Option<FailureClass> {
        FailureClass::STEP.into_iter().find(|c| c.name() == name)
    }

    /// The class's name (`assertion`, `timeout`, ...).
    pub fn name(self) -> &'static str {
        match self {
            FailureClass::Timeout => "timeout",
            FailureClass::Connect => "connect",
            FailureClass::Reset => "reset",
            FailureClass::HttpStatus => "http-status",
            FailureClass::InvalidJson => "invalid-json",
            FailureClass::GraphqlErrors => "graphql-errors",
            FailureClass::PartialData => "partial-data",
            FailureClass::Assertion => "assertion",
            FailureClass::Auth => "auth",
            FailureClass::ThrottledOut => "throttled-out",
            FailureClass::Webhook => "webhook",
            FailureClass::Snapshot => "snapshot",
            FailureClass::Template => "template",
            FailureClass::ReadOnly => "read-only",
            FailureClass::NotRun => "not-run",
            FailureClass::Preflight => "preflight",
            FailureClass::Invalid => "invalid",
            FailureClass::SchemaDrift => "schema-drift",
            FailureClass::SeedRefused => "seed-refused",
            FailureClass::DataDrift => "data-drift",
            FailureClass::SandboxReset => "sandbox-reset",
            FailureClass::Harness => "harness",
        }
    }
}

/// A failure: its class and the whole message the trial failed with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// Why, in one word.
    pub class: FailureClass,
    /// The trial's failure message (scrubbed of credentials).
    pub message: String,
}

/// What one request of a case met.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepRecord {
    /// The step's name (a load check's requests all carry its step's name).
    pub name: String,
    /// The HTTP status of the answer kept; none when no answer came.
    pub status: Option<u16>,
    /// How long the request took, in milliseconds (retries included).
    pub duration_ms: u64,
    /// Attempts sent (retries after 429 or 5xx included).
    pub attempts: u32,
    /// Attempts answered 429.
    pub throttled: u32,
    /// Time waited before retries, in milliseconds.
    pub waited_ms: u64,
    /// Why ION refused it (401/403), when it did.
    #[serde(serialize_with = "auth_name")]
    pub auth: Option<AuthClass>,
    /// Whether the step expected that refusal (`expect: {auth: ...}`).
    pub auth_expected: bool,
    /// Whether it is one of the case's `cleanup:` steps.
    pub cleanup: bool,
}

impl From<&StepOutcome> for StepRecord {
    fn from(step: &StepOutcome) -> Self {
        StepRecord {
            name: step.name.clone(),
            status: step.status,
            duration_ms: u64::try_from(step.elapsed_ms).unwrap_or(u64::MAX),
            attempts: step.delivery.attempts,
            throttled: step.delivery.throttled,
            waited_ms: millis(step.delivery.waited),
            auth: step.auth,
            auth_expected: step.auth_expected,
            cleanup: step.cleanup,
        }
    }
}

fn auth_name<S: serde::Serializer>(auth: &Option<AuthClass>, s: S) -> Result<S::Ok, S::Error> {
    match auth {
        Some(class) => s.serialize_str(class.name()),
        None => s.serialize_none(),
    }
}

/// One trial, as the reports show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrialRecord {
    /// The trial's name, as libtest lists it (`parts::list::mock`).
    pub name: String,
    /// What the trial stands for.
    pub kind: TrialKind,
    /// The suite's id (`parts`), or the trial's first part for other kinds (`preflight`).
    pub suite: String,
    /// The case's name, for a case.
    pub case: Option<String>,
    /// The target's name.
    pub target: String,
    /// How it ended.
    pub outcome: Outcome,
    /// How long it took, in milliseconds (0 when ignored).
    pub duration_ms: u64,
    /// Why it failed, when it did.
    pub failure: Option<Failure>,
    /// Why it was not run, when ignored.
    pub ignored_because: Option<String>,
    /// Every request the case sent, in order.
    pub steps: Vec<StepRecord>,
    /// Requests sent, retries included.
    pub requests: u32,
    /// Attempts answered 429.
    pub throttled: u32,
    /// Classes of the refusals (401/403) no step expected, each once, in order met.
    #[serde(serialize_with = "auth_names")]
    pub mismatch_classes: Vec<AuthClass>,
    /// What a load check measured, or what a smoke stage that passed found.
    pub notes: Vec<String>,
}

fn auth_names<S: serde::Serializer>(classes: &[AuthClass], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(classes.iter().map(|c| c.name()))
}

impl TrialRecord {
    /// A record of a trial named `name`, of `kind`, on `target`; passed, with no steps, until
    /// told otherwise.
    pub fn new(name: &str, kind: TrialKind, target: &str) -> Self {
        let mut parts = name.split("::");
        let suite = parts.next().unwrap_or_default().to_owned();
        let case = (kind == TrialKind::Case)
            .then(|| parts.next().map(str::to_owned))
            .flatten();
        TrialRecord {
            name: name.to_owned(),
            kind,
            suite,
            case,
            target: target.to_owned(),
            outcome: Outcome::Passed,
            duration_ms: 0,
            failure: None,
            ignored_because: None,
            steps: Vec::new(),
            requests: 0,
            throttled: 0,
            mismatch_classes: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Marks it ignored, with why.
    #[must_use]
    pub fn ignored(mut self, because: Option<String>) -> Self {
        self.outcome = Outcome::Ignored;
        self.ignored_because = because;
        self
    }

    /// Marks it failed.
    #[must_use]
    pub fn failed(mut self, class: FailureClass, message: String) -> Self {
        self.outcome = Outcome::Failed;
        self.failure = Some(Failure { class, message });
        self
    }

    /// Sets how long it took.
    #[must_use]
    pub fn took(mut self, duration: Duration) -> Self {
        self.duration_ms = millis(duration);
        self
    }

    /// Adds the requests the case sent, and what its load check measured.
    #[must_use]
    pub fn with_steps(mut self, steps: &[StepOutcome], notes: Vec<String>) -> Self {
        self.steps = steps.iter().map(StepRecord::from).collect();
        self.requests = self.steps.iter().map(|s| s.attempts).sum();
        self.throttled = self.steps.iter().map(|s| s.throttled).sum();
        for step in &self.steps {
            if let Some(class) = step.auth.filter(|_| !step.auth_expected)
                && !self.mismatch_classes.contains(&class)
            {
                self.mismatch_classes.push(class);
            }
        }
        self.notes = notes;
        self
    }

    /// Its highlights for after the run: what a load check measured, and, for a case that
    /// passed only after throttling, how many 429s it met and how long it waited.
    pub fn highlights(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .notes
            .iter()
            .map(|note| format!("{}: {note}", self.name))
            .collect();
        if self.outcome == Outcome::Passed && self.notes.is_empty() {
            // A step that asked to see the 429 does not count.
            let through = || self.steps.iter().filter(|s| s.status != Some(429));
            let throttled: u32 = through().map(|s| s.throttled).sum();
            if throttled > 0 {
                let waited = Duration::from_millis(through().map(|s| s.waited_ms).sum());
                lines.push(format!(
                    "{}: passed after {throttled} throttled attempt(s), waited {}",
                    self.name,
                    humantime::format_duration(round_ms(waited))
                ));
            }
        }
        lines
    }

    /// The first `n` lines of the failure message.
    pub fn message_head(&self, n: usize) -> Option<String> {
        let failure = self.failure.as_ref()?;
        let mut lines: Vec<&str> = failure.message.lines().take(n).collect();
        if failure.message.lines().count() > n {
            lines.push("...");
        }
        Some(lines.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_name_splits_into_suite_and_case() {
        let record = TrialRecord::new("inventory/by-location::list::mock", TrialKind::Case, "mock");
        assert_eq!(record.suite, "inventory/by-location");
        assert_eq!(record.case.as_deref(), Some("list"));
        let load = TrialRecord::new("parts::load", TrialKind::SuiteLoad, "mock");
        assert_eq!((load.suite.as_str(), load.case), ("parts", None));
    }

    #[test]
    fn the_message_head_is_cut_with_an_ellipsis() {
        let record = TrialRecord::new("a::b::mock", TrialKind::Case, "mock")
            .failed(FailureClass::Assertion, "one\ntwo\nthree".into());
        assert_eq!(record.message_head(2).as_deref(), Some("one\ntwo\n..."));
        assert_eq!(record.message_head(3).as_deref(), Some("one\ntwo\nthree"));
    }
}
