//! The double's errors worded as ION's graphql-core 3.2 words them: every case recorded from
//! graphql-core in `tests/fixtures/graphql-core/errors.json` (by `record.py` there) gets
//! exactly the recorded messages and locations, one error per problem; a duplicate part
//! number gets ION's `not unique` error. (A malformed id: `limits.rs`.)

use ion_contract::double::IonDouble;
use serde_json::{Value, json};

use super::{data, graphql, post, token};

/// The recorded graphql-core answers: `{cases: [{name, document, operationName?, errors}]}`.
fn recorded() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/graphql-core/errors.json"
    );
    let text = std::fs::read_to_string(path).expect("the recorded graphql-core errors");
    serde_json::from_str(&text).expect("errors.json is JSON")
}

#[tokio::test]
async fn invalid_documents_get_graphql_core_s_messages_and_locations() {
    let double = IonDouble::start(data()).await;
    let auth = format!("Bearer {}", token(&double).await);
    let recorded = recorded();
    let cases = recorded["cases"].as_array().expect("cases");
    assert!(cases.len() >= 10, "the ten commonest errors are recorded");
    let mut mismatches = Vec::new();
    for case in cases {
        let mut request = json!({ "query": case["document"] });
        if let Some(name) = case.get("operationName") {
            request["operationName"] = name.clone();
        }
        let (status, body) = post(&double, Some(&auth), request.to_string()).await;
        let mut expected: Vec<Value> = case["errors"].as_array().expect("errors").clone();
        for error in &mut expected {
            if error["locations"] == json!([]) {
                error.as_object_mut().expect("an error").remove("locations");
            }
        }
        let answered = body["errors"].clone();
        if status != 200
            || answered != Value::Array(expected.clone())
            || !body.get("data").is_none_or(Value::is_null)
        {
            mismatches.push(format!(
                "{}: {}\n  graphql-core: {}\n  double ({status}): {body}",
                case["name"],
                case["document"],
                Value::Array(expected)
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[tokio::test]
async fn an_unknown_field_is_one_error_without_follow_ons() {
    let double = IonDouble::start(data()).await;
    let token = token(&double).await;
    let query = "query Find($id: ID!) {\n  part(id: $id) { partNumbr }\n}";
    let body = graphql(&double, &token, query, json!({"id": 1})).await;
    assert_eq!(
        body["errors"],
        json!([{
            "message": "Cannot query field 'partNumbr' on type 'Part'. Did you mean 'partNumber'?",
            "locations": [{"line": 2, "column": 19}]
        }])
    );
}

#[tokio::test]
async fn a_part_number_is_unique_per_revision() {
    let double = IonDouble::start(data()).await;
    let token = token(&double).await;
    let create = "mutation($input: CreatePartInput!) {
      createPart(input: $input) { part { partNumber revision } } }";
    // The seed has PN-1001 in revisions A, B and C, and PN-1002 in A, the default revision.
    for input in [
        json!({"partNumber": "PN-1001", "revision": "B"}),
        json!({"partNumber": "PN-1002"}),
    ] {
        let refused = graphql(&double, &token, create, json!({ "input": input })).await;
        let message = refused["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("not unique")
                && message.contains("partNumber")
                && message.contains("revision"),
            "{refused}"
        );
        assert_eq!(refused["data"]["createPart"], Value::Null, "{refused}");
    }
    let made = graphql(
        &double,
        &token,
        create,
        json!({"input": {"partNumber": "PN-1001", "revision": "D"}}),
    )
    .await;
    assert_eq!(
        made["data"]["createPart"]["part"],
        json!({"partNumber": "PN-1001", "revision": "D"}),
        "a new revision of an existing part number is created"
    );
}
