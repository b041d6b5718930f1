//! The failure message of a step: where, what, the request that failed, the response.

use std::fmt::Write as _;

use super::{CaseOutcome, CaseRun, FailureKind, StepFailure};
use crate::client::RawResponse;
use crate::outcome::FailureClass;
use crate::redact;
use crate::suite::OperationKind;

/// The body for a failure message: redacted JSON, or text, scrubbed of secrets and cut at
/// 2,000 characters.
pub(super) fn show_body(response: &RawResponse) -> String {
    let text = match response.json() {
        Some(json) => serde_json::to_string_pretty(&redact::redact(&json))
            .unwrap_or_else(|_| json.to_string()),
        None => response.text(),
    };
    // Scrubbed before it is cut: a cut secret no longer looks like itself.
    let text = crate::scrub::text(&text);
    if text.chars().count() > 2000 {
        let cut: String = text.chars().take(2000).collect();
        format!("{cut}\n... (cut at 2000 characters)")
    } else {
        text
    }
}

/// How a case ended, as a trial's failure class and message, or `None` when it passed.
///
/// The case's own failure keeps its class, and each failing `cleanup:` step is described
/// after it. A case that passed but whose cleanup failed fails with the class of the first
/// cleanup failure, saying it was the cleanup.
pub fn describe_outcome(
    run: &CaseRun<'_>,
    outcome: &CaseOutcome,
) -> Option<(FailureClass, String)> {
    let cleanup = outcome.cleanup_failures.iter();
    let (class, mut text) = match &outcome.failure {
        Some(failure) => (failure.class(), describe_failure(run, failure)),
        None => {
            let first = outcome.cleanup_failures.first()?;
            let head = "the case's steps passed, but its cleanup failed (the rows it wrote may \
                        be left behind)\n";
            (first.class(), head.to_owned())
        }
    };
    for failure in cleanup {
        text.push_str(&describe_failure(run, failure));
    }
    Some((class, text))
}

/// The failure message of a trial: where (suite::case::step and file:line:col), what, and
/// the response that came back.
pub fn describe_failure(run: &CaseRun<'_>, failure: &StepFailure) -> String {
    let last = run.case.steps.len().saturating_sub(1);
    let step = (run.case.step_at(failure.step)).unwrap_or(&run.case.steps[last.min(failure.step)]);
    let place = if run.case.is_cleanup(failure.step) {
        "in cleanup step"
    } else {
        "at step"
    };
    let mut text = format!(
        "{}::{}::{} failed {place} `{}` ({}:{}:{})\n",
        run.suite.id,
        run.case.name,
        run.target,
        step.name,
        run.suite.file.display(),
        step.at.line,
        step.at.col
    );
    let class = failure.class();
    let attempts = failure.delivery.attempts;
    if attempts > 0 || matches!(failure.kind, FailureKind::Transport(..)) {
        let kind = match step.operation.kind {
            OperationKind::Mutation => "mutation",
            OperationKind::Query => "query",
        };
        let name = step
            .operation
            .operation_name
            .as_deref()
            .map(|n| format!("{n} "))
            .unwrap_or_default();
        let _ = writeln!(
            text,
            "  {class}: {kind} {name}({}) to {}, attempt {}",
            step.operation.root_fields.join(", "),
            run.target,
            attempts.max(1),
            class = class.name(),
        );
    }
    match &failure.kind {
        FailureKind::Template(e) => {
            let _ = writeln!(text, "  cannot fill in the variables: {e}");
        }
        FailureKind::ReadOnly(e)
        | FailureKind::Transport(_, e)
        | FailureKind::NotGraphql(e)
        | FailureKind::NoToken(e)
        | FailureKind::Harness(e) => {
            let _ = writeln!(text, "  {e}");
        }
        FailureKind::Mismatches(list) | FailureKind::Webhook(list) => {
            for m in list {
                let _ = writeln!(
                    text,
                    "  {}:{}:{}: {}\n      expected: {}\n      actual:   {}",
                    run.suite.file.display(),
                    m.at.line,
                    m.at.col,
                    m.subject,
                    m.expected,
                    m.actual
                );
            }
        }
    }
    if let Some(help) = help(class, step.operation.kind) {
        let _ = writeln!(text, "  help: {help}");
    }
    if let FailureKind::Webhook(_) = &failure.kind {
        let _ = writeln!(
            text,
            "  help: the events are those webhookEvents lists for the case's own subscription; \
             deliveries are what reached the harness's sink. Check the step's change, or \
             `within`, `events`, `deliveries` and `sink_answers` (docs/src/webhooks.md)"
        );
    }
    let delivery = failure.delivery;
    if let Some(wait) = delivery.refused_wait {
        let _ = writeln!(
            text,
            "  throttled: ION asked to retry after {}, longer than the client waits for one \
             retry; the 429 was kept rather than sent early",
            humantime::format_duration(wait)
        );
    } else if delivery.throttled > 0 {
        let _ = writeln!(
            text,
            "  throttled: {} of {} attempt(s) answered 429; waited {} in all",
            delivery.throttled,
            delivery.attempts,
            humantime::format_duration(round_ms(delivery.waited))
        );
    }
    if let Some(class) = failure.auth {
        let fix = match &step.profile {
            Some(profile) => format!(
                "the step runs `as: {}`; if ION should refuse it, say so with \
                 `expect: {{auth: {class}}}`",
                profile.name()
            ),
            None => class.fix(run.target, run.credential_variables),
        };
        let _ = writeln!(
            text,
            "  ION refused the request: {class}: {}\n  help: {fix}",
            class.meaning()
        );
    }
    if let Some(body) = &failure.response {
        let _ = writeln!(text, "  response body:");
        for line in body.lines() {
            let _ = writeln!(text, "    {line}");
        }
    }
    text
}

/// What to do about a failure of `class`, when there is something general to say.
fn help(class: FailureClass, kind: OperationKind) -> Option<&'static str> {
    let mutation = kind == OperationKind::Mutation;
    Some(match class {
        FailureClass::Timeout => {
            "no answer in time: raise the step's `timeout:` or the target's `request_timeout` / \
             `step_timeout`, or page the query (ION's gateway gives up on long unpaginated \
             queries after 30 s)"
        }
        FailureClass::Connect => {
            "nothing answered at the target's address: is it up, and are its URL and network \
             right?"
        }
        FailureClass::Reset if mutation => {
            "the connection broke before the answer was whole; a mutation is never sent again, \
             and it may have been applied: look before you retry it"
        }
        FailureClass::Reset => "the connection broke before the answer was whole, on every attempt",
        FailureClass::InvalidJson => {
            "something other than ION's GraphQL answered (a proxy, a maintenance page), or the \
             body was cut short"
        }
        _ => return None,
    })
}

/// A duration cut to whole milliseconds, for messages.
pub fn round_ms(duration: std::time::Duration) -> std::time::Duration {
    std::time::Duration::from_millis(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX))
}
