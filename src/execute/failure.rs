//! How a step fails: the kinds of failure, and the failure a step ends with, also when it
//! was to fail (`expect: {failure: <class>}`).

use super::CaseOutcome;
use crate::auth::AuthClass;
use crate::check::{self, Mismatch};
use crate::client::{Delivery, TransportKind};
use crate::outcome::FailureClass;
use crate::suite::Step;

/// Why a step failed.
#[derive(Debug, Clone)]
pub struct StepFailure {
    /// Index of the step in the case.
    pub step: usize,
    /// What went wrong.
    pub kind: FailureKind,
    /// The response body, redacted and abbreviated, when there was one.
    pub response: Option<String>,
    /// Why ION refused the request, when it did and the step did not expect it.
    pub auth: Option<AuthClass>,
    /// How the failing request was delivered (throttling, waits).
    pub delivery: Delivery,
    /// The HTTP status of the failing response, when one came.
    pub status: Option<u16>,
}

impl FailureKind {
    /// What went wrong, on one line: the message, or each unmet expectation.
    pub fn summary(&self) -> String {
        match self {
            FailureKind::Template(e)
            | FailureKind::ReadOnly(e)
            | FailureKind::Transport(_, e)
            | FailureKind::NoToken(e)
            | FailureKind::Harness(e)
            | FailureKind::NotGraphql(e) => e.clone(),
            FailureKind::Mismatches(list) | FailureKind::Webhook(list) => list
                .iter()
                .map(|m| {
                    format!(
                        "{}: expected {}, actual {}",
                        m.subject, m.expected, m.actual
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}

impl StepFailure {
    /// The class this failure is reported as (see [`FailureClass`] for the precedence).
    pub fn class(&self) -> FailureClass {
        let failure = self;
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
        let has = |checked: check::Checked| list.iter().any(|m| m.checked == checked);
        if failure.auth.is_some() {
            FailureClass::Auth
        } else if failure.delivery.refused_wait.is_some() || failure.status == Some(429) {
            FailureClass::ThrottledOut
        } else if has(check::Checked::Status) {
            FailureClass::HttpStatus
        } else if has(check::Checked::ErrorsWithData) {
            FailureClass::PartialData
        } else if has(check::Checked::Errors) {
            FailureClass::GraphqlErrors
        } else {
            FailureClass::Assertion
        }
    }

    /// A failure of step `step` before any response: nothing delivered, no status.
    pub fn before_sending(step: usize, kind: FailureKind) -> StepFailure {
        StepFailure {
            step,
            kind,
            response: None,
            auth: None,
            delivery: Delivery::default(),
            status: None,
        }
    }
}

/// The ways a step fails.
#[derive(Debug, Clone)]
pub enum FailureKind {
    /// A template named a capture or environment variable that has no value.
    Template(String),
    /// A mutation on a read-only target: refused before sending.
    ReadOnly(String),
    /// No HTTP response, or one broken part-way: a timeout, no connection, or a reset.
    Transport(TransportKind, String),
    /// No token could be had for the request (the auth server refused or was unreachable).
    NoToken(String),
    /// The harness could not do what the step asks (inject its fault).
    Harness(String),
    /// The body was not a GraphQL JSON response.
    NotGraphql(String),
    /// Expectations or captures that did not hold.
    Mismatches(Vec<Mismatch>),
    /// The step's `expect_webhook:` did not hold, or its receiver could not be used.
    Webhook(Vec<Mismatch>),
}

/// The failure of step `index` with what it ran (its status, refusal and delivery).
pub(super) fn failure_of(
    index: usize,
    kind: FailureKind,
    response: Option<String>,
    outcome: &CaseOutcome,
) -> StepFailure {
    let ran = outcome.steps.get(index);
    StepFailure {
        auth: ran
            .filter(|ran| !ran.auth_expected)
            .and_then(|ran| ran.auth),
        delivery: ran.map(|ran| ran.delivery).unwrap_or_default(),
        status: ran.and_then(|ran| ran.status),
        step: index,
        kind,
        response,
    }
}

/// `expect: {failure: <class>}`: the step must fail, with that class; then it passes.
pub(super) fn expected_failure(
    index: usize,
    step: &Step,
    expected: FailureClass,
    failure: Option<StepFailure>,
) -> Option<StepFailure> {
    let ran_attempts = failure.as_ref().map_or(0, |f| f.delivery.attempts);
    let actual = match &failure {
        Some(failure) if failure.class() == expected => return None,
        Some(failure) => {
            let what = failure.kind.summary();
            format!("it failed as {} ({what})", failure.class().name())
        }
        None => "it succeeded".to_owned(),
    };
    let mismatch = Mismatch {
        at: step.at,
        checked: check::Checked::Failure,
        subject: "failure".into(),
        expected: format!("the step fails as {}", expected.name()),
        actual,
    };
    // The expectation did not hold: an assertion failure, whatever the step met.
    let mut failure = StepFailure::before_sending(index, FailureKind::Mismatches(vec![mismatch]));
    failure.delivery.attempts = ran_attempts;
    Some(failure)
}
