//! Checks a response against a step's expectations and extracts captures.
//!
//! Pure functions over JSON: no I/O, no printing. Every failed check becomes a [`Mismatch`]
//! that says what was expected, what came back and where the expectation is written, so the
//! runner can report all of a step's problems at once instead of only the first.

use std::time::Duration;

use serde_json::{Map, Value};

mod data;

use crate::auth::AuthClass;
use crate::suite::{
    Capture, ErrorMatcher, ErrorsExpectation, Expect, Location, RetryAfterExpectation,
};

/// One expectation that did not hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// Where the expectation is written in the suite file.
    pub at: Location,
    /// Which kind of expectation it is, for the failure's class.
    pub checked: Checked,
    /// What was checked, e.g. `status`, `errors`, `$.parts.pageInfo.count equals`.
    pub subject: String,
    /// What the suite expected.
    pub expected: String,
    /// What the response had.
    pub actual: String,
}

/// The kinds of expectation a [`Mismatch`] can be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    /// `expect.auth`.
    Auth,
    /// `expect.status`.
    Status,
    /// `expect.errors` (or the default: no errors).
    Errors,
    /// `expect.errors`, on a response whose `data` also holds values: partial data.
    ErrorsWithData,
    /// `expect.retry_after`.
    RetryAfter,
    /// An `expect.data` assertion.
    Data,
    /// A `capture:`.
    Capture,
    /// A throttle check or ramp.
    Load,
    /// `expect_webhook:`.
    Webhook,
    /// `expect.failure`: the step was to fail, as a given class.
    Failure,
}

/// The parts of a GraphQL-over-HTTP response the checks look at.
#[derive(Debug, Clone, Copy)]
pub struct Observed<'a> {
    /// HTTP status.
    pub status: u16,
    /// The response's authorisation failure class ([`crate::auth::classify`]); `None` when
    /// ION did not refuse the request.
    pub auth: Option<AuthClass>,
    /// The `data` member (`Value::Null` when absent).
    pub data: &'a Value,
    /// The `errors` member as a slice (empty when absent).
    pub errors: &'a [Value],
    /// The `Retry-After` header: `None` when absent, `Some(None)` when it cannot be read,
    /// else the wait it asks for.
    pub retry_after: Option<Option<Duration>>,
}

/// Checks every expectation of a step. `resolve` turns `${...}` templates in expected values
/// into concrete values (captures, environment); a template that cannot be resolved is
/// reported as a mismatch. The authorisation class is checked when the step gives `auth:`,
/// the status when it is set (the default 200 is set unless the step gives `auth:`), the
/// errors unless they are [`ErrorsExpectation::Unchecked`].
pub fn check(
    expect: &Expect,
    step_at: Location,
    observed: Observed<'_>,
    resolve: &dyn Fn(&Value) -> Result<Value, String>,
) -> Vec<Mismatch> {
    let mut mismatches = Vec::new();
    if let Some(class) = expect.auth
        && observed.auth != Some(class)
    {
        mismatches.push(Mismatch {
            at: step_at,
            checked: Checked::Auth,
            subject: "auth".into(),
            expected: format!("{class} (ION refuses the request: {})", class.meaning()),
            actual: match observed.auth {
                Some(other) => format!("{other} (HTTP {})", observed.status),
                None => format!("not refused (HTTP {})", observed.status),
            },
        });
    }
    if let Some(status) = expect.status
        && observed.status != status
    {
        mismatches.push(Mismatch {
            at: step_at,
            checked: Checked::Status,
            subject: "HTTP status".into(),
            expected: status.to_string(),
            actual: observed.status.to_string(),
        });
    }
    let before = mismatches.len();
    check_errors(&expect.errors, step_at, observed.errors, &mut mismatches);
    let partial = !observed.errors.is_empty()
        && observed
            .data
            .as_object()
            .is_some_and(|fields| fields.values().any(|v| !v.is_null()));
    if partial {
        for mismatch in &mut mismatches[before..] {
            mismatch.checked = Checked::ErrorsWithData;
        }
    }
    if let Some(expected) = expect.retry_after {
        check_retry_after(expected, step_at, observed.retry_after, &mut mismatches);
    }
    for assertion in &expect.data {
        data::check_assertion(assertion, observed.data, resolve, &mut mismatches);
    }
    mismatches
}

fn check_retry_after(
    expected: RetryAfterExpectation,
    at: Location,
    seen: Option<Option<Duration>>,
    out: &mut Vec<Mismatch>,
) {
    let holds = match (expected, seen) {
        (RetryAfterExpectation::Absent, seen) => seen.is_none(),
        (RetryAfterExpectation::Present, seen) => matches!(seen, Some(Some(_))),
        (RetryAfterExpectation::AtMost(limit), Some(Some(wait))) => wait <= limit,
        (RetryAfterExpectation::AtMost(_), _) => false,
    };
    if holds {
        return;
    }
    let expected = match expected {
        RetryAfterExpectation::Absent => "no Retry-After header".to_owned(),
        RetryAfterExpectation::Present => "a Retry-After header (seconds or an HTTP-date)".into(),
        RetryAfterExpectation::AtMost(limit) => format!(
            "a Retry-After of at most {}",
            humantime::format_duration(limit)
        ),
    };
    let actual = match seen {
        None => "no Retry-After header".to_owned(),
        Some(None) => "a Retry-After header that is neither seconds nor an HTTP-date".to_owned(),
        Some(Some(wait)) => format!(
            "Retry-After asking for {}",
            humantime::format_duration(wait)
        ),
    };
    out.push(Mismatch {
        at,
        checked: Checked::RetryAfter,
        subject: "Retry-After".into(),
        expected,
        actual,
    });
}

fn check_errors(
    expected: &ErrorsExpectation,
    at: Location,
    errors: &[Value],
    out: &mut Vec<Mismatch>,
) {
    match expected {
        ErrorsExpectation::None if !errors.is_empty() => out.push(Mismatch {
            at,
            checked: Checked::Errors,
            subject: "GraphQL errors".into(),
            expected: "no errors (add `expect: {errors: any}` if errors are expected)".into(),
            actual: messages(errors),
        }),
        ErrorsExpectation::Any | ErrorsExpectation::Match(_) if errors.is_empty() => {
            out.push(Mismatch {
                at,
                checked: Checked::Errors,
                subject: "GraphQL errors".into(),
                expected: "at least one error".into(),
                actual: "no errors".into(),
            })
        }
        ErrorsExpectation::Match(matchers) => {
            let mut used = vec![false; errors.len()];
            for matcher in matchers {
                let found = errors
                    .iter()
                    .enumerate()
                    .find(|(i, e)| !used[*i] && error_matches(matcher, e));
                match found {
                    Some((i, _)) => used[i] = true,
                    None => out.push(Mismatch {
                        at: matcher.at,
                        checked: Checked::Errors,
                        subject: "GraphQL error".into(),
                        expected: describe_matcher(matcher),
                        actual: messages(errors),
                    }),
                }
            }
        }
        ErrorsExpectation::None | ErrorsExpectation::Any | ErrorsExpectation::Unchecked => {}
    }
}

fn error_matches(matcher: &ErrorMatcher, error: &Value) -> bool {
    let message = error.get("message").and_then(Value::as_str).unwrap_or("");
    matcher.message.as_deref().is_none_or(|m| m == message)
        && matcher
            .contains
            .as_deref()
            .is_none_or(|c| message.contains(c))
        && matcher.code.as_deref().is_none_or(|code| {
            error.pointer("/extensions/code").and_then(Value::as_str) == Some(code)
        })
        && matcher
            .path
            .as_ref()
            .is_none_or(|path| error.get("path").and_then(Value::as_array) == Some(path))
}

fn describe_matcher(m: &ErrorMatcher) -> String {
    let mut parts = Vec::new();
    if let Some(message) = &m.message {
        parts.push(format!("message = {message:?}"));
    }
    if let Some(contains) = &m.contains {
        parts.push(format!("message containing {contains:?}"));
    }
    if let Some(code) = &m.code {
        parts.push(format!("extensions.code = {code:?}"));
    }
    if let Some(path) = &m.path {
        parts.push(format!("path = {}", Value::Array(path.clone())));
    }
    format!("an error with {}", parts.join(", "))
}

fn messages(errors: &[Value]) -> String {
    let list: Vec<String> = errors
        .iter()
        .map(|e| match e.get("message").and_then(Value::as_str) {
            Some(m) => format!("{m:?}"),
            None => e.to_string(),
        })
        .collect();
    format!("{} error(s): {}", errors.len(), list.join("; "))
}

/// A compact rendering of a value for messages, scrubbed of secrets (before the cut: a cut
/// secret no longer looks like itself) and cut at about 200 characters.
pub fn abbreviate(v: &Value) -> String {
    let text = crate::scrub::text(&v.to_string());
    if text.chars().count() <= 200 {
        return text;
    }
    let cut: String = text.chars().take(200).collect();
    format!("{cut}... ({} chars)", text.chars().count())
}

/// Evaluates a step's captures against `data`. Each capture must select exactly one value;
/// otherwise the error says how many it selected.
pub fn capture(captures: &[Capture], data: &Value) -> Result<Map<String, Value>, Vec<Mismatch>> {
    let mut values = Map::new();
    let mut problems = Vec::new();
    for c in captures {
        let nodes = c.path.path.query(data).all();
        match nodes.as_slice() {
            [one] => {
                values.insert(c.name.clone(), (*one).clone());
            }
            _ => problems.push(Mismatch {
                at: c.at,
                checked: Checked::Capture,
                subject: format!("capture `{}` = {}", c.name, c.path.raw),
                expected: "exactly one value".into(),
                actual: format!("{} value(s)", nodes.len()),
            }),
        }
    }
    if problems.is_empty() {
        Ok(values)
    } else {
        Err(problems)
    }
}
