//! The `expect.data` assertions: a JSONPath selects from `data`, and each predicate
//! (`equals`, `exists`, `matches`, `length`, ...) holds of what it selected, or becomes a
//! [`Mismatch`].

use serde_json::Value;

use super::{Checked, Mismatch, abbreviate};
use crate::suite::{DataAssertion, DataPath, JsonType, Predicate};

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

pub(super) fn check_assertion(
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
