//! A recorded step's `expect:`: what was observed, in the terms that hold on any data.

use serde_json::{Map, Value, json};

use super::chain::{Chain, member_path};
use super::values::Written;

/// The most `expect.data` assertions one step gets; the snapshot covers the rest.
pub(crate) const MAX_DATA_ASSERTIONS: usize = 40;

/// The expectation of step `step`, which answered `status` and `response`; empty when the
/// defaults (200, no errors) are all there is.
pub(crate) fn expectation(
    step: usize,
    status: u16,
    response: &Value,
    chain: &Chain,
    written: &Written,
) -> Map<String, Value> {
    let mut expect = Map::new();
    if status != 200 {
        expect.insert("status".into(), status.into());
    }
    if let Some(errors) = response.get("errors").and_then(Value::as_array)
        && !errors.is_empty()
    {
        let matchers: Vec<Value> = errors.iter().map(error_matcher).collect();
        expect.insert("errors".into(), Value::Array(matchers));
    }
    let mut data = Vec::new();
    if let Some(Value::Object(fields)) = response.get("data") {
        for (field, value) in fields {
            shape(
                value,
                &member_path("$", field),
                step,
                chain,
                written,
                &mut data,
            );
        }
    }
    data.truncate(MAX_DATA_ASSERTIONS);
    if !data.is_empty() {
        expect.insert("data".into(), Value::Array(data));
    }
    expect
}

/// An error as observed: its `code` when ION gave one (the message may hold values that
/// vary), else its message.
fn error_matcher(error: &Value) -> Value {
    let code = error
        .get("extensions")
        .and_then(|e| e.get("code"))
        .and_then(Value::as_str);
    match (code, error.get("message").and_then(Value::as_str)) {
        (Some(code), _) => json!({ "code": code }),
        (None, Some(message)) => json!({ "message": message }),
        (None, None) => json!({ "message": error.to_string() }),
    }
}

/// The assertions on the selected value at `path`: its JSON type, `exists` for a null or
/// an id,
/// `equals` where it reads back what the case wrote or captured. Lists are asserted to be
/// lists only: their items depend on the data.
fn shape(
    value: &Value,
    path: &str,
    step: usize,
    chain: &Chain,
    written: &Written,
    out: &mut Vec<Value>,
) {
    if out.len() >= MAX_DATA_ASSERTIONS {
        return;
    }
    let assertion = match value {
        Value::Object(fields) if !fields.is_empty() => {
            for (field, inner) in fields {
                shape(inner, &member_path(path, field), step, chain, written, out);
            }
            return;
        }
        Value::Null => json!({ "path": path, "exists": true }),
        _ if id_like(path) && chain.captured_before(step, last_key(path), value).is_none() => {
            json!({ "path": path, "exists": true })
        }
        Value::String(text) if written.template_of(text).is_some() => {
            json!({ "path": path, "equals": written.template_of(text) })
        }
        _ => match chain.captured_before(step, last_key(path), value) {
            Some(name) => json!({ "path": path, "equals": format!("${{{name}}}") }),
            None => json!({ "path": path, "type": json_type(value) }),
        },
    };
    out.push(assertion);
}

/// Whether the path ends in an id (`.id`, `.partId`): ION's `ID`s are strings or numbers
/// depending on the server, so only their presence is asserted.
fn id_like(path: &str) -> bool {
    let last = last_key(path);
    last == "id" || last.ends_with("Id")
}

/// The key a path ends in (`$.part.id`: `id`).
fn last_key(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
