//! A case's `cleanup:` steps: they run after the case's steps whatever happened (a failed
//! expectation, a timeout, a refusal, a template error), with the captures set so far.
//!
//! - A cleanup step whose variables name a capture that was never set (the step that sets
//!   it failed or did not run) is skipped, and a note says so; it does not fail the case.
//! - Every cleanup step runs, even after one of them failed; each failure is kept in
//!   [`CaseOutcome::cleanup_failures`], beside the case's own failure.
//! - Their requests are recorded with the case's, marked [`StepOutcome::cleanup`].
//! - On a read-only target a case whose cleanup has a mutation is refused whole, before any
//!   step runs ([`CaseRun::run`]), so no cleanup ever writes there.

use serde_json::{Map, Value};

use super::failure::{expected_failure, failure_of};
use super::{CaseOutcome, CaseRun, StepOutcome};
use crate::suite::template::{self, TemplateError};

impl CaseRun<'_> {
    /// Runs every cleanup step of the case, adding what they did to `outcome`.
    pub(super) async fn cleanup(&self, captures: &Map<String, Value>, outcome: &mut CaseOutcome) {
        let mut captures = captures.clone();
        let first = self.case.steps.len();
        for (j, step) in self.case.cleanup.iter().enumerate() {
            let index = first + j;
            if let Some(missing) = missing_capture(step, &captures, self.env) {
                outcome.notes.push(format!(
                    "{}::{}::{}: cleanup step `{}` skipped: {missing} (the step that sets \
                     it failed or did not run)",
                    self.suite.id, self.case.name, self.target, step.name
                ));
                continue;
            }
            let mut ran = CaseOutcome::default();
            let result = self.run_step(step, &mut captures, &mut ran, None).await;
            let failure = result
                .err()
                .map(|failed| failure_of(0, failed.kind, failed.response, &ran));
            let failure = match step.expect.failure {
                Some(expected) => expected_failure(0, step, expected, failure),
                None => failure,
            };
            if let Some(mut failure) = failure {
                failure.step = index;
                outcome.cleanup_failures.push(failure);
            }
            outcome
                .steps
                .extend(ran.steps.into_iter().map(|step| StepOutcome {
                    cleanup: true,
                    ..step
                }));
            outcome.recorded.extend(ran.recorded);
            outcome.owned.extend(ran.owned);
            outcome.notes.extend(ran.notes);
        }
    }
}

/// The template error of a step whose variables name a capture that is not set.
fn missing_capture(
    step: &crate::suite::Step,
    captures: &Map<String, Value>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<String> {
    match template::resolve(&Value::Object(step.variables.clone()), captures, env) {
        Err(e @ TemplateError::MissingCapture { .. }) => Some(e.to_string()),
        _ => None,
    }
}
