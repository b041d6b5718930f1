//! The requests a double received, kept in process for the test that started it
//! ([`super::IonDouble::received_requests`]), and the counts its expectations are checked
//! against ([`super::IonDouble::expect`]).
//!
//! Every request on ION's paths is logged, answered through the double's own server or
//! through wiremock (`IonDouble::responder`, feature `wiremock`), unknown paths included; the admin
//! endpoints (`/__double/...`) are not, as they are not counted either. What is kept of a
//! request is its method, its path, the status of the answer and, for `POST /graphql`
//! only, its body (the GraphQL `query`, `operationName` and `variables`). Headers are
//! never kept, so no `Authorization` header or token is; nor is the body of any other
//! path (the token endpoint's holds a client secret).
//!
//! The log is bounded: the last [`MAX_RECEIVED`] requests, and at most
//! [`MAX_RECEIVED_BODY_BYTES`] of their bodies; older ones are dropped first. A reset
//! (`POST /__double/reset`) empties it. Expectations count every matching request from the
//! moment they are set, whatever the log has dropped, and a reset does not change them.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Mutex;

use serde_json::Value;

use super::mutex::lock;
use super::operation::Operation;

/// How many requests the log keeps: the most recent ones.
pub const MAX_RECEIVED: usize = 10_000;

/// How many bytes of `/graphql` bodies the log keeps at most (the oldest go first).
pub const MAX_RECEIVED_BODY_BYTES: usize = 64 * 1024 * 1024;

/// One request the double received, as [`super::IonDouble::received_requests`] lists it.
///
/// Its `Debug` shows the variables as snapshots do ([`crate::redact`]): secret-looking
/// values (keys such as `sharedSecret`, JWTs) as `[redacted]`, etags and timestamps as
/// placeholders. The request's headers are never kept.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ReceivedRequest {
    /// The HTTP method (`POST`).
    pub method: String,
    /// The URL path, without the query string (`/graphql`).
    pub path: String,
    /// The HTTP status the double answered with.
    pub status: u16,
    /// For `POST /graphql`, the GraphQL request of the body, or each request of a JSON
    /// array; empty for other paths, or a body that is not a GraphQL request.
    pub graphql: Vec<GraphqlCall>,
}

impl ReceivedRequest {
    /// The operation name of the (first) GraphQL request, if it has one: see
    /// [`GraphqlCall::operation_name`].
    pub fn operation_name(&self) -> Option<&str> {
        self.graphql.first()?.operation_name.as_deref()
    }
}

/// One GraphQL request of a received body.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct GraphqlCall {
    /// The body's `operationName`, or else the name of the document's only operation
    /// (`CreatePart` in `mutation CreatePart(...) {...}`); `None` for an anonymous one.
    pub operation_name: Option<String>,
    /// The `query` text (empty when the body has none).
    pub query: String,
    /// The `variables` (`null` when the body has none).
    pub variables: Value,
}

impl fmt::Debug for GraphqlCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphqlCall")
            .field("operation_name", &self.operation_name)
            .field("query", &self.query)
            .field("variables", &crate::redact::redact(&self.variables))
            .finish()
    }
}

/// The log and the expectations' counts of one environment.
#[derive(Debug, Default)]
pub(crate) struct Journal {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    entries: VecDeque<Entry>,
    /// The bytes of the bodies in `entries`.
    body_bytes: usize,
    /// Each expectation and how many requests matched it so far.
    expectations: Vec<(Operation, u64)>,
}

/// A request as logged: the body is parsed only when the log is read.
#[derive(Debug)]
struct Entry {
    method: String,
    path: String,
    status: u16,
    /// The body of a `POST /graphql`.
    body: Option<Vec<u8>>,
}

/// Whether a request is a GraphQL request, whose body is kept and counted.
fn is_graphql(method: &str, path: &str) -> bool {
    method == "POST" && path == "/graphql"
}

impl Journal {
    /// Logs one answered request and counts it for the expectations it matches.
    pub(crate) fn record(&self, method: &str, path: &str, body: &[u8], status: u16) {
        let graphql = is_graphql(method, path);
        let mut inner = lock(&self.inner);
        if graphql && !inner.expectations.is_empty() {
            let names: Vec<Option<String>> = calls(body)
                .into_iter()
                .map(|call| call.operation_name)
                .collect();
            for (operation, seen) in &mut inner.expectations {
                *seen += names
                    .iter()
                    .filter(|n| operation.matches(n.as_deref()))
                    .count() as u64;
            }
        }
        let body = graphql.then(|| body.to_vec());
        inner.body_bytes += body.as_ref().map_or(0, Vec::len);
        inner.entries.push_back(Entry {
            method: method.to_owned(),
            path: path.to_owned(),
            status,
            body,
        });
        while inner.entries.len() > MAX_RECEIVED
            || (inner.body_bytes > MAX_RECEIVED_BODY_BYTES && inner.entries.len() > 1)
        {
            if let Some(oldest) = inner.entries.pop_front() {
                inner.body_bytes -= oldest.body.map_or(0, |b| b.len());
            }
        }
    }

    /// The logged requests, oldest first.
    pub(crate) fn requests(&self) -> Vec<ReceivedRequest> {
        lock(&self.inner)
            .entries
            .iter()
            .map(|entry| ReceivedRequest {
                method: entry.method.clone(),
                path: entry.path.clone(),
                status: entry.status,
                graphql: entry.body.as_deref().map(calls).unwrap_or_default(),
            })
            .collect()
    }

    /// Empties the log (a reset); the expectations keep their counts.
    pub(crate) fn clear(&self) {
        let mut inner = lock(&self.inner);
        inner.entries.clear();
        inner.body_bytes = 0;
    }

    /// Counts the requests matching `operation` from now on.
    pub(crate) fn expect(&self, operation: Operation) {
        lock(&self.inner).expectations.push((operation, 0));
    }

    /// Every expectation with its count so far.
    pub(crate) fn expectations(&self) -> Vec<(Operation, u64)> {
        lock(&self.inner).expectations.clone()
    }
}

/// The GraphQL requests of a body: one for an object, one per item of an array, none when
/// the body is not JSON.
fn calls(body: &[u8]) -> Vec<GraphqlCall> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Array(items)) => items.iter().map(call).collect(),
        Ok(one @ Value::Object(_)) => vec![call(&one)],
        _ => Vec::new(),
    }
}

fn call(request: &Value) -> GraphqlCall {
    let query = request
        .get("query")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let operation_name = request
        .get("operationName")
        .and_then(Value::as_str)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .or_else(|| only_operation_name(query));
    GraphqlCall {
        operation_name,
        query: query.to_owned(),
        variables: request.get("variables").cloned().unwrap_or(Value::Null),
    }
}

/// The name of the only operation of `query`, if it has exactly one and that one is named.
fn only_operation_name(query: &str) -> Option<String> {
    use apollo_compiler::ast::{Definition, Document};
    let document = Document::parse(query, "request.graphql").unwrap_or_else(|e| e.partial);
    let mut operations = document.definitions.iter().filter_map(|d| match d {
        Definition::OperationDefinition(operation) => Some(operation),
        _ => None,
    });
    match (operations.next(), operations.next()) {
        (Some(only), None) => only.name.as_ref().map(|name| name.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn graphql(body: Value) -> Vec<u8> {
        body.to_string().into_bytes()
    }

    #[test]
    fn operation_names_come_from_the_body_or_the_only_named_operation() {
        let named = graphql(json!({"query": "{ me { id } }", "operationName": "Me"}));
        let from_query = graphql(json!({"query": "mutation CreatePart { x }"}));
        let two = graphql(json!({"query": "query A { x } query B { y }"}));
        let anonymous = graphql(json!({"query": "{ x }"}));
        let names = |body: &[u8]| -> Vec<Option<String>> {
            calls(body).into_iter().map(|c| c.operation_name).collect()
        };
        assert_eq!(names(&named), [Some("Me".to_owned())]);
        assert_eq!(names(&from_query), [Some("CreatePart".to_owned())]);
        assert_eq!(names(&two), [None]);
        assert_eq!(names(&anonymous), [None]);
        assert_eq!(names(b"not json"), Vec::<Option<String>>::new());
        let batch = graphql(json!([{"query": "query A { x }"}, {"query": "query B { x }"}]));
        assert_eq!(names(&batch), [Some("A".to_owned()), Some("B".to_owned())]);
    }

    #[test]
    fn the_log_keeps_the_most_recent_requests_and_no_other_bodies() {
        let journal = Journal::default();
        journal.record("POST", "/token", b"client_secret=hunter2", 200);
        for _ in 0..MAX_RECEIVED {
            journal.record("POST", "/graphql", b"{\"query\": \"{ x }\"}", 200);
        }
        let requests = journal.requests();
        assert_eq!(requests.len(), MAX_RECEIVED);
        assert!(
            requests.iter().all(|r| r.path == "/graphql"),
            "the oldest went first"
        );
        journal.clear();
        journal.record("POST", "/token", b"client_secret=hunter2", 401);
        let token = &journal.requests()[0];
        assert_eq!((token.status, token.graphql.len()), (401, 0));
        assert!(!format!("{token:?}").contains("hunter2"));
    }

    #[test]
    fn debug_hides_secret_variables_and_tokens() {
        let call = call(&json!({
            "query": "mutation M { x }",
            "variables": {"input": {"sharedSecret": "s3cr3t-value", "name": "hook"},
                          "token": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"}
        }));
        let shown = format!("{call:?}");
        assert!(
            !shown.contains("s3cr3t-value") && !shown.contains("eyJhbGci"),
            "{shown}"
        );
        assert!(
            shown.contains("hook") && shown.contains("[redacted]"),
            "{shown}"
        );
    }
}
