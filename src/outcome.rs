//! The outcome vocabulary every layer shares: what a trial stands for ([`TrialKind`]), how it
//! ended ([`Outcome`]) and, when it failed, why in one word ([`FailureClass`]).
//!
//! Suites name a class (`expect: {failure: timeout}`), execution decides a failed step's class
//! (`crate::execute::StepFailure::class`), and reports print it, so the words live here, below
//! all three.

use serde::Serialize;

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
    /// It was not run (a report says why).
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
    /// the step did not expect it.
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
