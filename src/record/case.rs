//! One session's exchanges become one case: its steps, in the order sent.

use apollo_compiler::ExecutableDocument;
use apollo_compiler::Schema;
use apollo_compiler::executable::OperationType;
use apollo_compiler::validation::Valid;
use serde_json::{Map, Value};

use super::chain::Chain;
use super::expect::expectation;
use super::sent::Sent;
use super::values::{self, Templating, Written};
use crate::init::from::kebab;

/// A session's case so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Built {
    /// The operation names of its steps, in order (the case's name comes from them).
    pub(crate) operations: Vec<String>,
    /// Its steps, each a suite step as JSON.
    pub(crate) steps: Vec<Value>,
    /// Requests left out: their document does not validate against the schema, or is a
    /// subscription.
    pub(crate) invalid: usize,
    /// Whether a step is a mutation (the case then never runs on production).
    pub(crate) writes: bool,
}

/// The case of the requests `sent`, its steps run `as: profile` when there is one;
/// `document(text, stem)` gives the `.graphql` file (a path relative to the suite) that
/// holds a document.
pub(crate) fn build(
    sent: &[Sent],
    schema: &Valid<Schema>,
    keep_values: bool,
    profile: Option<&str>,
    document: &mut dyn FnMut(&str, &str) -> String,
) -> Built {
    let mut built = Built::default();
    let mut chain = Chain::default();
    let mut written = Written::default();
    let mut drafts: Vec<Map<String, Value>> = Vec::new();
    for request in sent {
        let Ok(parsed) =
            ExecutableDocument::parse_and_validate(schema, &request.document, "recorded.graphql")
        else {
            built.invalid += 1;
            continue;
        };
        let Ok(operation) = parsed.operations.get(request.operation.as_deref()) else {
            built.invalid += 1;
            continue;
        };
        if operation.operation_type == OperationType::Subscription {
            built.invalid += 1;
            continue;
        }
        built.writes |= operation.operation_type == OperationType::Mutation;
        let step = drafts.len();
        let variables = Templating {
            schema,
            keep_values,
            chain: &mut chain,
            written: &mut written,
        }
        .variables(operation, &request.variables);
        let expect = expectation(
            step,
            &request.variables,
            request.status,
            &request.response,
            &chain,
            &written,
        );
        if let Some(data) = request.response.get("data") {
            chain.observe(step, data);
        }
        let operation_name = operation.name.as_ref().map(|n| n.to_string());
        // An anonymous operation is named after its first root field (`{ me { id } }`: `me`).
        let label = operation_name.clone().unwrap_or_else(|| {
            operation
                .root_fields(&parsed)
                .next()
                .map_or_else(|| "operation".to_owned(), |f| f.name.to_string())
        });
        let stem = kebab(&label);
        let mut draft = Map::new();
        draft.insert("name".into(), unique(&stem, &drafts).into());
        if let Some(profile) = profile {
            draft.insert("as".into(), profile.into());
        }
        draft.insert(
            "document".into(),
            document(&format!("{}\n", request.document), &stem).into(),
        );
        if let Some(name) = &operation_name {
            draft.insert("operation".into(), name.clone().into());
        }
        if !variables.is_empty() {
            draft.insert("variables".into(), Value::Object(variables));
        }
        if !expect.is_empty() {
            draft.insert("expect".into(), Value::Object(expect));
        }
        built.operations.push(label);
        drafts.push(draft);
    }
    for capture in chain.captures() {
        let step = &mut drafts[capture.step];
        let captures = step
            .entry("capture")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(captures) = captures {
            captures.insert(capture.name.clone(), capture.path.clone().into());
        }
    }
    built.steps = drafts
        .into_iter()
        .map(|mut draft| {
            draft.insert("snapshot".into(), true.into());
            Value::Object(draft)
        })
        .collect();
    values::stamp(&mut built.steps);
    built
}

/// `stem`, or `stem-2`, `stem-3`, ... when an earlier step has that name.
fn unique(stem: &str, earlier: &[Map<String, Value>]) -> String {
    let taken = |name: &str| earlier.iter().any(|s| s.get("name") == Some(&name.into()));
    let mut name = stem.to_owned();
    let mut n = 1;
    while taken(&name) {
        n += 1;
        name = format!("{stem}-{n}");
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sent(document: &str, response: Value) -> Sent {
        Sent {
            document: document.to_owned(),
            operation: None,
            variables: Map::new(),
            status: 200,
            response,
        }
    }

    #[test]
    fn an_anonymous_operation_is_named_after_its_root_field_and_invalid_ones_are_counted() {
        let schema = Schema::parse_and_validate(
            "type Query { me: User } type User { id: ID name: String }",
            "s.graphql",
        )
        .unwrap();
        let requests = [
            sent(
                "{ me { id name } }",
                json!({"data": {"me": {"id": 1, "name": null}}}),
            ),
            sent(
                "{ nope }",
                json!({"errors": [{"message": "no field nope"}]}),
            ),
        ];
        let built = build(&requests, &schema, false, None, &mut |_, stem| {
            format!("documents/{stem}.graphql")
        });
        assert_eq!(built.invalid, 1);
        assert!(!built.writes);
        assert_eq!(
            built.steps,
            vec![json!({
                "name": "me",
                "document": "documents/me.graphql",
                "expect": {"data": [
                    {"path": "$.me.id", "exists": true},
                    {"path": "$.me.name", "exists": true},
                ]},
                "snapshot": true,
            })]
        );
    }
}
