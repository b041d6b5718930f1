//! A recorded step's `expect:`: what was observed, in the terms that hold on any data.

use serde_json::{Map, Value, json};

use super::chain::{Chain, member_path};
use super::values::Written;

/// The most `expect.data` assertions one step gets; the snapshot covers the rest.
pub(crate) const MAX_DATA_ASSERTIONS: usize = 40;

/// The expectation of step `step`, which sent `variables` and got `status` and `response`;
/// empty when the defaults (200, no errors) are all there is.
pub(crate) fn expectation(
    step: usize,
    variables: &Map<String, Value>,
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
        let mut sent = Vec::new();
        texts(&Value::Object(variables.clone()), &mut sent);
        let matchers: Option<Vec<Value>> = errors.iter().map(|e| error_matcher(e, &sent)).collect();
        let errors = matchers.map_or_else(|| "any".into(), Value::Array);
        expect.insert("errors".into(), errors);
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

/// The shortest message part worth matching on its own.
const MIN_MESSAGE_PART: usize = 8;

/// An error as observed: its `code` when ION gave one; else its message, or the part of it
/// before the first value the step sent (`contains:`), since those values differ on every
/// replay and may be private; `None` when too little of the message is left.
fn error_matcher(error: &Value, sent: &[String]) -> Option<Value> {
    let code = error
        .get("extensions")
        .and_then(|e| e.get("code"))
        .and_then(Value::as_str);
    if let Some(code) = code {
        return Some(json!({ "code": code }));
    }
    let message = error.get("message").and_then(Value::as_str)?;
    let first_value = sent
        .iter()
        .filter_map(|text| message.find(text.as_str()))
        .min();
    match first_value {
        None => Some(json!({ "message": message })),
        Some(at) => {
            let before = message[..at].trim_end();
            (before.chars().count() >= MIN_MESSAGE_PART).then(|| json!({ "contains": before }))
        }
    }
}

/// The text of every string (two characters or more) and number in `value`.
fn texts(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(text) if text.chars().count() >= 2 => out.push(text.clone()),
        Value::Number(n) => out.push(n.to_string()),
        Value::Array(items) => items.iter().for_each(|v| texts(v, out)),
        Value::Object(map) => map.values().for_each(|v| texts(v, out)),
        _ => {}
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_message_is_matched_up_to_the_first_value_the_step_sent() {
        let sent = vec!["PN-RECORDED-7".to_owned(), "12".to_owned()];
        let error = |message: &str| json!({ "message": message });
        assert_eq!(
            error_matcher(&error("Part PN-RECORDED-7 already exists"), &sent),
            None,
            "too little is left before the value"
        );
        assert_eq!(
            error_matcher(
                &error("A part numbered PN-RECORDED-7 already exists"),
                &sent
            ),
            Some(json!({ "contains": "A part numbered" }))
        );
        assert_eq!(
            error_matcher(&error("Not allowed"), &sent),
            Some(json!({ "message": "Not allowed" }))
        );
        let coded = json!({ "message": "x 12", "extensions": { "code": "NOT_FOUND" } });
        assert_eq!(
            error_matcher(&coded, &sent),
            Some(json!({ "code": "NOT_FOUND" }))
        );

        let variables =
            serde_json::from_value(json!({"input": {"partNumber": "PN-RECORDED-7"}})).unwrap();
        let response =
            json!({ "errors": [error("Part PN-RECORDED-7 already exists")], "data": null });
        let expect = expectation(
            0,
            &variables,
            200,
            &response,
            &Chain::default(),
            &Written::default(),
        );
        assert_eq!(expect["errors"], "any", "{expect:?}");
    }
}
