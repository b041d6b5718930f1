//! Checks a response against a step's expectations and extracts captures.
//!
//! Pure functions over JSON: no I/O, no printing. Every failed check becomes a [`Mismatch`]
//! that says what was expected, what came back and where the expectation is written, so the
//! runner can report all of a step's problems at once instead of only the first.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::auth::AuthClass;
use crate::suite::{
    Capture, DataAssertion, DataPath, ErrorMatcher, ErrorsExpectation, Expect, JsonType, Location,
    Predicate, RetryAfterExpectation,
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
        check_assertion(assertion, observed.data, resolve, &mut mismatches);
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

/// What a [`DataPath`] selected: for a singular path the one value (or nothing), for a
/// non-singular path the array of every selected value.
fn select(path: &DataPath, data: &Value) -> Option<Value> {
    let nodes = path.path.query(data).all();
    if path.singular {
        nodes.first().map(|v| (*v).clone())
    } else {
        Some(Value::Array(nodes.into_iter().cloned().collect()))
    }
}

fn check_assertion(
    assertion: &DataAssertion,
    data: &Value,
    resolve: &dyn Fn(&Value) -> Result<Value, String>,
    out: &mut Vec<Mismatch>,
) {
    let selected = select(&assertion.path, data);
    for predicate in &assertion.predicates {
        let expected = match expected_value(predicate, resolve) {
            Ok(v) => v,
            Err(e) => {
                out.push(mismatch(assertion, predicate, "a resolvable template", &e));
                continue;
            }
        };
        if let Err(actual) = holds(predicate, expected.as_ref(), &assertion.path, &selected) {
            let want = describe_predicate(predicate, expected.as_ref());
            out.push(mismatch(assertion, predicate, &want, &actual));
        }
    }
}

fn mismatch(a: &DataAssertion, p: &Predicate, expected: &str, actual: &str) -> Mismatch {
    Mismatch {
        at: a.at,
        checked: Checked::Data,
        subject: format!("{} {}", a.path.raw, predicate_name(p)),
        expected: expected.to_string(),
        actual: actual.to_string(),
    }
}

/// The template-resolved operand of predicates that compare with suite-given JSON.
fn expected_value(
    predicate: &Predicate,
    resolve: &dyn Fn(&Value) -> Result<Value, String>,
) -> Result<Option<Value>, String> {
    match predicate {
        Predicate::Equals(v) | Predicate::Contains(v) => resolve(v).map(Some),
        Predicate::OneOf(vs) => resolve(&Value::Array(vs.clone())).map(Some),
        _ => Ok(None),
    }
}

fn predicate_name(p: &Predicate) -> &'static str {
    match p {
        Predicate::Equals(_) => "equals",
        Predicate::Exists(_) => "exists",
        Predicate::Absent(_) => "absent",
        Predicate::Type(_) => "type",
        Predicate::Matches(_) => "matches",
        Predicate::Length(_) => "length",
        Predicate::Min(_) => "min",
        Predicate::Max(_) => "max",
        Predicate::Contains(_) => "contains",
        Predicate::OneOf(_) => "one_of",
    }
}

fn describe_predicate(p: &Predicate, operand: Option<&Value>) -> String {
    let operand = operand.map(Value::to_string).unwrap_or_default();
    match p {
        Predicate::Equals(_) => operand,
        Predicate::Exists(true) | Predicate::Absent(false) => "a value".into(),
        Predicate::Exists(false) | Predicate::Absent(true) => "nothing".into(),
        Predicate::Type(t) => format!("a value of type {}", type_name(*t)),
        Predicate::Matches(re) => format!("a string matching /{re}/"),
        Predicate::Length(n) => format!("length {n}"),
        Predicate::Min(n) => format!("a number >= {n}"),
        Predicate::Max(n) => format!("a number <= {n}"),
        Predicate::Contains(_) => format!("something containing {operand}"),
        Predicate::OneOf(_) => format!("one of {operand}"),
    }
}

/// `Ok(())` when the predicate holds, else `Err(description of the actual value)`.
fn holds(
    p: &Predicate,
    operand: Option<&Value>,
    path: &DataPath,
    selected: &Option<Value>,
) -> Result<(), String> {
    let present = match selected {
        Some(Value::Array(items)) if !path.singular => !items.is_empty(),
        Some(_) => true,
        None => false,
    };
    let wants_presence = match p {
        Predicate::Exists(b) => Some(*b),
        Predicate::Absent(b) => Some(!*b),
        _ => None,
    };
    if let Some(wanted) = wants_presence {
        return if present == wanted {
            Ok(())
        } else {
            Err(describe_actual(selected))
        };
    }
    let Some(value) = selected else {
        return Err("nothing: the path selects no value".into());
    };
    let ok = match (p, operand) {
        (Predicate::Equals(_), Some(expected)) => json_eq(value, expected),
        (Predicate::Type(t), _) => type_of_matches(*t, value),
        (Predicate::Matches(re), _) => value.as_str().is_some_and(|s| re.is_match(s)),
        (Predicate::Length(n), _) => length(value) == Some(*n),
        (Predicate::Min(n), _) => value.as_f64().is_some_and(|v| v >= *n),
        (Predicate::Max(n), _) => value.as_f64().is_some_and(|v| v <= *n),
        (Predicate::Contains(_), Some(needle)) => contains(value, needle),
        (Predicate::OneOf(_), Some(Value::Array(options))) => {
            options.iter().any(|o| json_eq(value, o))
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else if let Predicate::Length(_) = p {
        Err(match length(value) {
            Some(n) => format!("length {n}: {}", abbreviate(value)),
            None => format!("{} (has no length)", abbreviate(value)),
        })
    } else {
        Err(abbreviate(value))
    }
}

fn describe_actual(selected: &Option<Value>) -> String {
    match selected {
        None => "nothing".into(),
        Some(v) => abbreviate(v),
    }
}

/// JSON equality where numbers compare by value (`1` equals `1.0`).
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

fn type_of_matches(t: JsonType, v: &Value) -> bool {
    match t {
        JsonType::String => v.is_string(),
        JsonType::Number => v.is_number(),
        JsonType::Integer => v.is_i64() || v.is_u64(),
        JsonType::Boolean => v.is_boolean(),
        JsonType::Object => v.is_object(),
        JsonType::Array => v.is_array(),
        JsonType::Null => v.is_null(),
    }
}

fn type_name(t: JsonType) -> &'static str {
    match t {
        JsonType::String => "string",
        JsonType::Number => "number",
        JsonType::Integer => "integer",
        JsonType::Boolean => "boolean",
        JsonType::Object => "object",
        JsonType::Array => "array",
        JsonType::Null => "null",
    }
}

fn length(v: &Value) -> Option<u64> {
    let n = match v {
        Value::String(s) => s.chars().count(),
        Value::Array(a) => a.len(),
        Value::Object(o) => o.len(),
        _ => return None,
    };
    u64::try_from(n).ok()
}

fn contains(haystack: &Value, needle: &Value) -> bool {
    match (haystack, needle) {
        (Value::Array(items), _) => items.iter().any(|i| json_eq(i, needle)),
        (Value::Object(map), Value::String(key)) => map.contains_key(key),
        (Value::String(s), Value::String(sub)) => s.contains(sub.as_str()),
        _ => false,
    }
}

/// A compact rendering of a value for messages, cut at about 200 characters.
pub fn abbreviate(v: &Value) -> String {
    let text = v.to_string();
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
