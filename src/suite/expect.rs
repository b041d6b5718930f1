//! A step's `expect:`: status, `auth`, `errors` matchers and `data` assertions.
//!
//! Predicates are read from a struct of optional fields (see [`super::format`]); here they
//! become [`Predicate`]s in a fixed order, and each one is checked on its own: regexes
//! compile, `type` names a JSON type, `length` is a non-negative integer, `min`/`max` are
//! numbers, `one_of` is not empty, and pairs that can never hold together are refused.
//!
//! `auth:` names an [`AuthClass`]. It changes the defaults: without it, a step expects HTTP
//! 200 and no errors; with it, status and errors are checked only when written, and a
//! written status the class can never have (`auth: expired` with `status: 403`) is refused.

use regex::Regex;
use serde_json::Value;

use crate::auth::AuthClass;
use crate::outcome::FailureClass;
use crate::suite::captures::TemplateScope;
use crate::suite::format::{
    AssertionSpec, ErrorMatcherSpec, ErrorsSpec, ExpectSpec, Node, NodeValue, Spanned,
};
use crate::suite::model::{
    DataAssertion, ErrorMatcher, ErrorsExpectation, Expect, JsonType, Predicate,
};
use crate::suite::validate::Validator;
use crate::yaml::{source::Pos, suggest};

const PREDICATES: &str =
    "equals, exists, absent, type, matches, length, min, max, contains, one_of";

/// The names `type:` takes.
pub(crate) const TYPES: [(&str, JsonType); 7] = [
    ("string", JsonType::String),
    ("number", JsonType::Number),
    ("integer", JsonType::Integer),
    ("boolean", JsonType::Boolean),
    ("object", JsonType::Object),
    ("array", JsonType::Array),
    ("null", JsonType::Null),
];

/// The statuses `status:` takes (`min`, `max`, inclusive).
pub(crate) const STATUS_CODES: (u16, u16) = (100, 599);

/// Builds a step's expectations (the defaults when there is no `expect:`).
pub(crate) fn build(
    v: &mut Validator<'_>,
    spec: Option<&Spanned<ExpectSpec>>,
    scope: &TemplateScope<'_>,
) -> Option<Expect> {
    let Some(spec) = spec else {
        return Some(Expect {
            status: Some(200),
            auth: None,
            errors: ErrorsExpectation::None,
            retry_after: None,
            data: Vec::new(),
            failure: None,
        });
    };
    let spec = &spec.value;
    let before = v.diags.len();
    let auth = spec.auth.as_ref().and_then(|a| auth_class(v, a));
    // With `auth:`, the status and errors of a refusal are whatever ION sends: not checked
    // unless written.
    let refusal = spec.auth.is_some();
    let status = match &spec.status {
        Some(node) => {
            let code = status(v, node);
            if let (Some(class), Some(code)) = (auth, code) {
                impossible_status(v, class, code, node);
            }
            code
        }
        None if refusal => None,
        None => Some(200),
    };
    let errors = match &spec.errors {
        Some(e) => errors(v, e),
        None if refusal => ErrorsExpectation::Unchecked,
        None => ErrorsExpectation::None,
    };
    let data = spec
        .data
        .iter()
        .flat_map(|d| d.value.iter())
        .filter_map(|a| assertion(v, a, scope))
        .collect();
    let retry_after = spec
        .retry_after
        .as_ref()
        .and_then(|r| super::throttle::retry_after(v, r));
    let failure = spec.failure.as_ref().and_then(|f| failure_class(v, f));
    (v.diags.len() == before).then_some(Expect {
        status,
        auth,
        errors,
        retry_after,
        data,
        failure,
    })
}

/// `failure:`: one of the step failure classes.
fn failure_class(v: &mut Validator<'_>, spec: &Spanned<String>) -> Option<FailureClass> {
    let names = FailureClass::STEP.map(FailureClass::name);
    let class = FailureClass::step_class(spec.value.trim());
    named(
        v,
        spec,
        class,
        &names,
        "step failure class",
        "not a failure class",
        "failure",
    )
}

/// `found`, or a located diagnostic: `spec` names no `what` of `names` (the key's values).
fn named<T>(
    v: &mut Validator<'_>,
    spec: &Spanned<String>,
    found: Option<T>,
    names: &[&str],
    what: &str,
    label: &str,
    key: &str,
) -> Option<T> {
    if found.is_none() {
        let name = spec.value.trim();
        v.diags.push(
            v.src
                .diag(
                    Pos::from(spec.referenced),
                    format!(
                        "unknown {what} '{name}'{}",
                        suggest::suffix(name, names.iter().copied())
                    ),
                )
                .with_label(label)
                .with_help(format!("`{key}:` is one of {}", names.join(", "))),
        );
    }
    found
}

/// The HTTP statuses a response of `class` can have.
fn statuses(class: AuthClass) -> &'static [u16] {
    match class {
        AuthClass::Forbidden => &[403, 200],
        _ => &[401],
    }
}

fn auth_class(v: &mut Validator<'_>, spec: &Spanned<String>) -> Option<AuthClass> {
    let names = AuthClass::ALL.map(AuthClass::name);
    let class = AuthClass::named(spec.value.as_str());
    let what = "authorisation failure class";
    named(v, spec, class, &names, what, "not an `auth` class", "auth")
}

/// Refuses a written `status` that a response of `class` can never have.
fn impossible_status(v: &mut Validator<'_>, class: AuthClass, code: u16, node: &Node) {
    let possible = statuses(class);
    if possible.contains(&code) {
        return;
    }
    let (is, fix) = match possible {
        [only] => (
            format!("always HTTP {only}"),
            format!("write `status: {only}`"),
        ),
        _ => (
            "HTTP 403, or HTTP 200 with a permission error".to_owned(),
            "write `status: 403` or `status: 200`".to_owned(),
        ),
    };
    v.diags.push(
        v.src
            .diag(
                node.at,
                format!(
                    "`status: {code}` and `auth: {class}` can never both hold: `{class}` is {is}"
                ),
            )
            .with_label("impossible with this `auth`")
            .with_help(format!(
                "remove `status:` (with `auth:` the status is not checked unless written), or {fix}"
            )),
    );
}

fn status(v: &mut Validator<'_>, node: &Node) -> Option<u16> {
    let code = match &node.value {
        NodeValue::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
        _ => None,
    };
    match code {
        Some(code) if (STATUS_CODES.0..=STATUS_CODES.1).contains(&code) => Some(code),
        _ => {
            v.diags.push(
                v.src
                    .diag(node.at, format!("`status` must be an HTTP status code from 100 to 599, found {}", node.to_json()))
                    .with_label("not a status code")
                    .with_help("write the expected HTTP status as a number, e.g. `status: 200` (the default) or `status: 429`"),
            );
            None
        }
    }
}

fn errors(v: &mut Validator<'_>, spec: &Spanned<ErrorsSpec>) -> ErrorsExpectation {
    let at = Pos::from(spec.referenced);
    match &spec.value {
        ErrorsSpec::Keyword(k) if k == "none" => ErrorsExpectation::None,
        ErrorsSpec::Keyword(k) if k == "any" => ErrorsExpectation::Any,
        ErrorsSpec::Keyword(k) => {
            v.diags.push(
                v.src
                    .diag(at, format!("unknown `errors` value '{k}'{}", suggest::suffix(k, ["none", "any"])))
                    .with_label("expected `none`, `any` or a list")
                    .with_help("`errors: none` (no GraphQL errors, the default), `errors: any` (at least one), or a list of matchers such as `- code: CONCURRENCY_CONFLICT`"),
            );
            ErrorsExpectation::None
        }
        ErrorsSpec::Matchers(items) if items.is_empty() => {
            v.diags.push(
                v.src
                    .diag(at, "`errors: []` does not say what to expect")
                    .with_help("write `errors: none` for no errors, `errors: any` for at least one, or list matchers (`- code: ...`)"),
            );
            ErrorsExpectation::None
        }
        ErrorsSpec::Matchers(items) => {
            ErrorsExpectation::Match(items.iter().filter_map(|m| matcher(v, m)).collect())
        }
    }
}

fn matcher(v: &mut Validator<'_>, spec: &Spanned<ErrorMatcherSpec>) -> Option<ErrorMatcher> {
    let at = Pos::from(spec.referenced);
    let m = &spec.value;
    if m.message.is_none() && m.contains.is_none() && m.code.is_none() && m.path.is_none() {
        v.diags.push(
            v.src
                .diag(at, "an `errors` matcher needs at least one of `message`, `contains`, `code`, `path`")
                .with_help("e.g. `- code: CONCURRENCY_CONFLICT` or `- contains: not found`; use `errors: any` to accept any error"),
        );
        return None;
    }
    let mut path = None;
    if let Some(p) = &m.path {
        let mut items = Vec::new();
        for item in &p.value {
            match &item.value {
                NodeValue::String(s) => items.push(Value::String(s.clone())),
                NodeValue::Number(n) if n.as_u64().is_some() => {
                    items.push(Value::Number(n.clone()))
                }
                _ => v.diags.push(
                    v.src
                        .diag(
                            item.at,
                            format!(
                                "an error path holds field names and list indices, found {}",
                                item.kind()
                            ),
                        )
                        .with_help("e.g. `path: [updatePart]` or `path: [parts, edges, 0, node]`"),
                ),
            }
        }
        path = Some(items);
    }
    Some(ErrorMatcher {
        message: m.message.as_ref().map(|s| s.value.clone()),
        contains: m.contains.as_ref().map(|s| s.value.clone()),
        code: m.code.as_ref().map(|s| s.value.clone()),
        path,
        at: at.location(),
    })
}

fn assertion(
    v: &mut Validator<'_>,
    spec: &Spanned<AssertionSpec>,
    scope: &TemplateScope<'_>,
) -> Option<DataAssertion> {
    let at = Pos::from(spec.referenced);
    let a = &spec.value;
    let path = v.path(&a.path);
    let mut predicates = Vec::new();
    for node in [&a.equals, &a.contains].into_iter().flatten() {
        v.templates(node, scope);
    }
    if let Some(node) = &a.equals {
        predicates.push(Predicate::Equals(node.to_json()));
    }
    if let Some(b) = &a.exists {
        predicates.push(Predicate::Exists(b.value));
    }
    if let Some(b) = &a.absent {
        predicates.push(Predicate::Absent(b.value));
    }
    if let (Some(exists), Some(absent)) = (&a.exists, &a.absent)
        && exists.value == absent.value
    {
        v.diags.push(
            v.src
                .diag(
                    Pos::from(absent.referenced),
                    format!(
                        "`exists: {}` and `absent: {}` can never both hold",
                        exists.value, absent.value
                    ),
                )
                .with_help("keep one of them: `absent: true` means the same as `exists: false`"),
        );
    }
    if let Some(t) = &a.type_ {
        match TYPES.iter().find(|(name, _)| *name == t.value) {
            Some((_, ty)) => predicates.push(Predicate::Type(*ty)),
            None => v.diags.push(
                v.src
                    .diag(
                        Pos::from(t.referenced),
                        format!(
                            "unknown type '{}'{}",
                            t.value,
                            suggest::suffix(&t.value, TYPES.iter().map(|(n, _)| *n))
                        ),
                    )
                    .with_label("not a JSON type")
                    .with_help(format!(
                        "`type:` is one of {}",
                        TYPES.map(|(n, _)| n).join(", ")
                    )),
            ),
        }
    }
    if let Some(pattern) = &a.matches {
        match Regex::new(&pattern.value) {
            Ok(re) => predicates.push(Predicate::Matches(re)),
            Err(e) => {
                let (reason, offset) = regex_problem(&e, &pattern.value);
                let d = v
                    .in_string(Pos::from(pattern.referenced), &pattern.value, offset, 1, format!("invalid regex in `matches`: {reason}"))
                    .with_label(reason)
                    .with_help("`matches` takes a Rust regex (https://docs.rs/regex); escape special characters such as `(`, `[` or `.` with a backslash, and quote the YAML value with single quotes");
                v.diags.push(d);
            }
        }
    }
    if let Some(node) = &a.length {
        match &node.value {
            NodeValue::Number(n) if n.as_u64().is_some() => {
                predicates.push(Predicate::Length(n.as_u64().unwrap_or_default()))
            }
            _ => v.diags.push(
                v.src
                    .diag(
                        node.at,
                        format!(
                            "`length` must be a non-negative integer, found {}",
                            node.to_json()
                        ),
                    )
                    .with_help(
                        "e.g. `length: 2` for a list of two items or a string of two characters",
                    ),
            ),
        }
    }
    let mut bounds = [None, None];
    for (slot, (node, name)) in [(&a.min, "min"), (&a.max, "max")].into_iter().enumerate() {
        let Some(node) = node else { continue };
        match &node.value {
            NodeValue::Number(n) => {
                let value = n.as_f64().unwrap_or_default();
                if let Some(b) = bounds.get_mut(slot) {
                    *b = Some(value);
                }
                predicates.push(if name == "min" {
                    Predicate::Min(value)
                } else {
                    Predicate::Max(value)
                });
            }
            _ => v.diags.push(
                v.src
                    .diag(
                        node.at,
                        format!("`{name}` must be a number, found {}", node.kind()),
                    )
                    .with_help(format!("e.g. `{name}: 1`; the bound is inclusive")),
            ),
        }
    }
    if let ([Some(min), Some(max)], Some(node)) = (bounds, &a.max)
        && min > max
    {
        v.diags.push(
            v.src
                .diag(
                    node.at,
                    format!("`min` ({min}) is greater than `max` ({max}), so nothing can match"),
                )
                .with_help("swap the bounds"),
        );
    }
    if let Some(node) = &a.contains {
        predicates.push(Predicate::Contains(node.to_json()));
    }
    if let Some(list) = &a.one_of {
        if list.value.is_empty() {
            v.diags.push(
                v.src
                    .diag(
                        Pos::from(list.referenced),
                        "`one_of` is empty, so nothing can match",
                    )
                    .with_help("list the allowed values, e.g. `one_of: [PART, TOOL]`"),
            );
        }
        for node in &list.value {
            v.templates(node, scope);
        }
        predicates.push(Predicate::OneOf(
            list.value.iter().map(Node::to_json).collect(),
        ));
    }
    let given = [
        a.exists.is_some(),
        a.absent.is_some(),
        a.type_.is_some(),
        a.matches.is_some(),
        a.length.is_some(),
    ]
    .into_iter()
    .chain([
        a.min.is_some(),
        a.max.is_some(),
        a.equals.is_some(),
        a.contains.is_some(),
        a.one_of.is_some(),
    ])
    .any(|b| b);
    if !given {
        v.diags.push(
            v.src
                .diag(
                    at,
                    format!("the assertion on `{}` has no predicate", a.path.value),
                )
                .with_label("nothing to check")
                .with_help(format!(
                    "add at least one of: {PREDICATES}; e.g. `exists: true`"
                )),
        );
    }
    Some(DataAssertion {
        path: path?,
        predicates,
        at: at.location(),
    })
}

/// The reason and character offset of a regex syntax error, read from the regex crate's
/// multi-line message (pattern, caret line, `error: ...`).
fn regex_problem(e: &regex::Error, pattern: &str) -> (String, usize) {
    let text = e.to_string();
    let reason = text
        .lines()
        .find_map(|l| l.strip_prefix("error: "))
        .unwrap_or("the pattern does not compile")
        .to_owned();
    let offset = if pattern.contains('\n') {
        0
    } else {
        text.lines()
            .skip_while(|l| l.trim_start() != pattern.trim_start() || l.is_empty())
            .nth(1)
            .and_then(|caret| caret.chars().position(|c| c == '^'))
            .map_or(0, |col| col.saturating_sub(4))
    };
    (reason, offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::invalid_regex)] // the point of the test
    fn regex_errors_give_reason_and_position() {
        let e = Regex::new("^PN-(\\d+$").unwrap_err();
        let (reason, offset) = regex_problem(&e, "^PN-(\\d+$");
        assert_eq!(reason, "unclosed group");
        assert_eq!(offset, 4);
    }
}
