//! Faults the double injects into `POST /graphql`, as a shared sandbox's gateway and
//! network produce them: a slow answer, a 5xx, a connection reset before or after the
//! headers, a body cut short, a body that is not JSON, JSON without `data` or `errors`, and
//! partial data with errors.
//!
//! A fault rule, as JSON (the admin endpoint `POST /__double/faults`, `serve --fault`, a
//! suite step's `fault:`):
//!
//! | field | meaning |
//! | --- | --- |
//! | `"kind"` | `delay`, `status`, `reset-before-headers`, `reset-after-headers`, `truncated-body`, `not-json`, `no-data-or-errors` or `partial-data` |
//! | `"status"` | with `status`: 500, 502, 503 or 504 (default 502) |
//! | `"delay_ms"` | wait this long before answering (the whole fault for `delay`; default 0, at most 10 minutes) |
//! | `"operation"` | only requests whose `operationName`, or one of whose root fields, is this; default every request |
//! | `"times"` | only the next this many matching requests; default every one |
//!
//! What the request did: `delay` answers normally after the wait; `status` and
//! `reset-before-headers` answer *instead of* running the request (a gateway that gave up, so
//! nothing is written); `reset-after-headers`, `truncated-body`, `not-json`,
//! `no-data-or-errors` and `partial-data` run it first (a mutation is applied) and break the
//! answer on the way back, which is the case a client must not retry blindly.
//!
//! The first rule that matches a request applies and counts one of its `times`; a rule
//! whose `times` are used up is dropped. A reset of the environment drops every rule.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use super::mutex::lock;
use super::reply::{CONTENT_TYPE, Cut, Reply};
use serde_json::{Value, json};

mod rule;

pub use rule::{FaultKind, FaultRule, FaultRuleError, KINDS, MAX_DELAY, STATUSES};

impl FaultRule {
    fn matches(&self, operation: &OperationNames) -> bool {
        self.operation
            .as_ref()
            .is_none_or(|wanted| operation.contains(wanted))
    }
}

/// The names a request answers to: its `operationName` and its root fields.
#[derive(Debug, Default)]
pub(crate) struct OperationNames(pub(crate) Vec<String>);

impl OperationNames {
    fn contains(&self, name: &str) -> bool {
        self.0.iter().any(|n| n == name)
    }
}

/// An environment's fault rules, in the order they were added.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    rules: Vec<FaultRule>,
}

impl Faults {
    /// The rules an environment starts (and restarts after a reset) with.
    pub(crate) fn new(rules: Vec<FaultRule>) -> Faults {
        Faults { rules }
    }

    /// Whether any rule asks for the request's names (so they are worth reading).
    pub(crate) fn filters_by_operation(&self) -> bool {
        self.rules.iter().any(|r| r.operation.is_some())
    }

    /// Whether there is no rule at all.
    pub(crate) fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The fault for a request with these names, if a rule matches; counts it.
    pub(crate) fn take(&mut self, names: &OperationNames) -> Option<FaultRule> {
        let index = self.rules.iter().position(|r| r.matches(names))?;
        let rule = self.rules[index].clone();
        match &mut self.rules[index].times {
            Some(1) => {
                self.rules.remove(index);
            }
            Some(n) => *n -= 1,
            None => {}
        }
        Some(rule)
    }

    /// Adds rules from a body: one rule, or a list of them; nothing is added when any is
    /// invalid.
    pub(crate) fn add(&mut self, body: &[u8]) -> Result<Value, String> {
        let value: Value = serde_json::from_slice(body).map_err(|e| {
            format!("the body is not JSON ({e}); send a fault object or a list of them")
        })?;
        let list = match value {
            Value::Array(list) => list,
            one => vec![one],
        };
        let rules = list
            .iter()
            .enumerate()
            .map(|(i, v)| FaultRule::from_json(v).map_err(|e| format!("fault {}: {e}", i + 1)))
            .collect::<Result<Vec<_>, _>>()?;
        self.rules.extend(rules);
        Ok(self.to_json())
    }

    /// Adds one rule.
    pub(crate) fn push(&mut self, rule: FaultRule) {
        self.rules.push(rule);
    }

    /// Drops every rule.
    pub(crate) fn clear(&mut self) {
        self.rules.clear();
    }

    /// `{"faults": [...]}`.
    pub(crate) fn to_json(&self) -> Value {
        json!({ "faults": self.rules.iter().map(FaultRule::to_json).collect::<Vec<_>>() })
    }
}

/// An environment's fault rules behind a lock, and whether there are any, so that a request
/// to an environment without rules (the usual case) takes no lock for them.
#[derive(Debug)]
pub(crate) struct FaultSwitch {
    rules: Mutex<Faults>,
    armed: AtomicBool,
}

impl FaultSwitch {
    /// A switch holding `faults`.
    pub(crate) fn new(faults: Faults) -> Self {
        let armed = AtomicBool::new(!faults.is_empty());
        FaultSwitch {
            rules: Mutex::new(faults),
            armed,
        }
    }

    /// The fault for a `/graphql` request with this body, if a rule matches (it counts).
    pub(crate) fn take(&self, body: &[u8]) -> Option<FaultRule> {
        if !self.armed.load(Ordering::Acquire) {
            return None;
        }
        self.change(|faults| {
            let request = match faults.filters_by_operation() {
                true => names(body),
                false => OperationNames::default(),
            };
            faults.take(&request)
        })
    }

    /// Reads or changes the rules.
    pub(crate) fn change<R>(&self, change: impl FnOnce(&mut Faults) -> R) -> R {
        let mut faults = lock(&self.rules);
        let result = change(&mut faults);
        self.armed.store(!faults.is_empty(), Ordering::Release);
        result
    }
}

/// The names of a `/graphql` body: its `operationName` and the root fields of its
/// operations (of every one in a batch). A body that does not parse has none.
pub(crate) fn names(body: &[u8]) -> OperationNames {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return OperationNames::default();
    };
    let requests = match &value {
        Value::Array(batch) => batch.iter().collect(),
        one => vec![one],
    };
    let mut names = Vec::new();
    for request in requests {
        if let Some(name) = request.get("operationName").and_then(Value::as_str) {
            names.push(name.to_owned());
        }
        let Some(query) = request.get("query").and_then(Value::as_str) else {
            continue;
        };
        let Ok(document) = apollo_compiler::ast::Document::parse(query, "request.graphql") else {
            continue;
        };
        for definition in &document.definitions {
            if let apollo_compiler::ast::Definition::OperationDefinition(operation) = definition {
                names.extend(operation.name.iter().map(|n| n.to_string()));
                for selection in &operation.selection_set {
                    if let apollo_compiler::ast::Selection::Field(field) = selection {
                        names.push(field.name.to_string());
                    }
                }
            }
        }
    }
    OperationNames(names)
}

/// The answer to a request under `rule`; `run` runs the request, for the faults that do.
pub(crate) fn apply(rule: &FaultRule, run: impl FnOnce() -> Reply) -> Reply {
    let mut reply = match rule.kind {
        FaultKind::Status(status) => Reply {
            status,
            body: gateway_page(status),
            content_type: HTML,
            ..Reply::json(status, &Value::Null)
        },
        FaultKind::ResetBeforeHeaders => {
            let mut reply = Reply::json(200, &Value::Null);
            reply.wire.cut = Some(Cut::BeforeHeaders);
            reply
        }
        _ => run(),
    };
    match rule.kind {
        FaultKind::ResetAfterHeaders => reply.wire.cut = Some(Cut::AfterHeaders),
        FaultKind::TruncatedBody => reply.body.truncate(reply.body.len() / 2),
        FaultKind::NotJson => {
            reply.body =
                b"<html><body><h1>Welcome</h1><p>The service is being updated.</p></body></html>\n"
                    .to_vec();
            reply.content_type = HTML;
        }
        FaultKind::NoDataOrErrors => {
            reply.body = br#"{"status":"ok"}"#.to_vec();
            reply.content_type = CONTENT_TYPE;
        }
        FaultKind::PartialData => {
            if let Ok(response) = serde_json::from_slice::<Value>(&reply.body) {
                reply.body = partial(&response).to_string().into_bytes();
            }
        }
        FaultKind::Delay | FaultKind::Status(_) | FaultKind::ResetBeforeHeaders => {}
    }
    reply.wire.delay = rule.delay;
    reply
}

const HTML: &str = "text/html";

/// A gateway's HTML error page for `status`, as a load balancer in front of ION sends it.
pub(crate) fn gateway_page(status: u16) -> Vec<u8> {
    let reason = match status {
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Temporarily Unavailable",
        _ => "Gateway Timeout",
    };
    format!(
        "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} \
         {reason}</h1></center>\r\n</body>\r\n</html>\r\n"
    )
    .into_bytes()
}

/// `response` with one field `null` and an error at its path: partial data. The field is the
/// last one inside the first root field's object, so the rest still resolves; when the root
/// value is not an object, the root field itself.
pub(crate) fn partial(response: &Value) -> Value {
    let mut broken = response.clone();
    let Some(data) = broken.get_mut("data").and_then(Value::as_object_mut) else {
        return broken;
    };
    let Some((root, value)) = data.iter_mut().next() else {
        return broken;
    };
    let path = match value.as_object_mut() {
        Some(fields) if !fields.is_empty() => {
            let last = fields.keys().next_back().cloned().unwrap_or_default();
            fields.insert(last.clone(), Value::Null);
            json!([root, last])
        }
        _ => {
            *value = Value::Null;
            json!([root])
        }
    };
    let error = json!({
        "message": "Internal server error: the resolver failed (injected by the ION double)",
        "path": path,
    });
    match broken.get_mut("errors").and_then(Value::as_array_mut) {
        Some(errors) => errors.push(error),
        None => broken["errors"] = json!([error]),
    }
    broken
}

#[cfg(test)]
mod tests;
