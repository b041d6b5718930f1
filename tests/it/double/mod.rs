//! The embedded ION double over HTTP, as an integration in any language sees it: the token
//! endpoint, ION's 401s, request errors, connections, introspection, etags and isolation.
//! The suites in `suites/` cover reads and writes case by case; this file covers what a
//! suite cannot express (headers, raw bodies, two doubles at once) and the seed diagnostics;
//! `double/coverage.rs` measures and exercises what the double serves of ION's full schema.

mod built_in;
mod coverage;
mod graphql_errors;
mod limits;
mod operations;
mod rust_api;

use crate::common;

use std::path::Path;
use std::sync::Arc;

use ion_contract::auth::Realm;
use ion_contract::double::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DoubleData, EnvironmentSpec, IonDouble,
};
use serde_json::{Value, json};

const TOKEN_PATH: &str = "/realms/api-keys/protocol/openid-connect/token";

fn data() -> Arc<DoubleData> {
    common::double_data()
}

async fn token_response(double: &IonDouble, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}{path}", double.auth_url()))
        .form(form)
        .send()
        .await
        .expect("the double answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn token(double: &IonDouble) -> String {
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", DEMO_CLIENT_ID),
        ("client_secret", DEMO_CLIENT_SECRET),
    ];
    let (status, body) = token_response(double, TOKEN_PATH, &form).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().expect("a token").to_owned()
}

/// POSTs a raw body to `/graphql` with the given `Authorization` header.
async fn post(double: &IonDouble, authorization: Option<&str>, body: String) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}/graphql", double.api_url()))
        .header("content-type", "application/json")
        .body(body);
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let response = request.send().await.expect("the double answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn graphql(double: &IonDouble, token: &str, query: &str, variables: Value) -> Value {
    let body = json!({ "query": query, "variables": variables }).to_string();
    let (status, response) = post(double, Some(&format!("Bearer {token}")), body).await;
    assert_eq!(status, 200, "{response}");
    response
}

#[tokio::test]
async fn the_token_endpoint_grants_the_demo_client_only() {
    let double = IonDouble::start(data()).await;
    let (status, body) = token_response(
        &double,
        TOKEN_PATH,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
            ("audience", "ignored"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 300);
    assert_eq!(
        body["access_token"].as_str().map(|t| t.split('.').count()),
        Some(3),
        "a JWT"
    );

    let legacy = format!("/auth{TOKEN_PATH}");
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", DEMO_CLIENT_ID),
        ("client_secret", DEMO_CLIENT_SECRET),
    ];
    assert_eq!(
        token_response(&double, &legacy, &form).await.0,
        200,
        "the legacy path works too"
    );

    let wrong = [
        ("grant_type", "client_credentials"),
        ("client_id", DEMO_CLIENT_ID),
        ("client_secret", "nope"),
    ];
    let (status, body) = token_response(&double, TOKEN_PATH, &wrong).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );

    let (status, body) = token_response(&double, TOKEN_PATH, &[("grant_type", "password")]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
}

#[tokio::test]
async fn the_token_endpoint_accepts_http_basic_client_auth() {
    let double = IonDouble::start(data()).await;
    let response = reqwest::Client::new()
        .post(format!("{}{TOKEN_PATH}", double.auth_url()))
        .basic_auth(DEMO_CLIENT_ID, Some(DEMO_CLIENT_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("the double answers");
    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn graphql_accepts_bare_bearer_and_token_forms_and_rejects_the_rest_as_ion_does() {
    let double = IonDouble::start(data()).await;
    // Another environment: its own signing key, so its tokens' `kid` is unknown here.
    let other = IonDouble::start_with(data(), EnvironmentSpec::demo_in(Realm::Production)).await;
    let token = token(&double).await;
    let foreign = self::token(&other).await;
    let me = json!({ "query": "{ me { id } }" }).to_string();
    for form in [
        token.clone(),
        format!("Bearer {token}"),
        format!("Token {token}"),
    ] {
        let (status, body) = post(&double, Some(&form), me.clone()).await;
        assert_eq!(
            (status, &body["data"]["me"]["id"]),
            (200, &json!(1)),
            "{form:.12}..."
        );
    }
    let cases = [
        (None, "Please provide proper credentials"),
        (
            Some("Bearer not-a-jwt".to_owned()),
            "Unable to parse authentication token",
        ),
        (
            Some(format!("Bearer {foreign}")),
            "Unable to find appropriate RSA key",
        ),
    ];
    for (authorization, message) in cases {
        let (status, body) = post(&double, authorization.as_deref(), me.clone()).await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(body, json!({ "errors": [{ "message": message }] }));
    }
}

#[tokio::test]
async fn malformed_requests_get_400_and_invalid_graphql_gets_located_errors() {
    let double = IonDouble::start(data()).await;
    let auth = format!("Bearer {}", token(&double).await);
    let (status, body) = post(&double, Some(&auth), "{not json".into()).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("JSON"))
    );

    let (status, body) = post(&double, Some(&auth), json!({"variables": {}}).to_string()).await;
    assert_eq!(
        (status, &body["errors"][0]["message"]),
        (400, &json!("Must provide query string."))
    );

    let body = graphql(
        &double,
        auth.trim_start_matches("Bearer "),
        "{\n  parts { nope }\n}",
        json!({}),
    )
    .await;
    assert_eq!(
        body["errors"],
        json!([{
            "message": "Cannot query field 'nope' on type 'PartsConnection'.",
            "locations": [{"line": 2, "column": 11}]
        }])
    );
    assert!(body.get("data").is_none_or(Value::is_null));
}

#[tokio::test]
async fn a_json_array_of_requests_gets_an_array_of_responses() {
    let double = IonDouble::start(data()).await;
    let auth = format!("Bearer {}", token(&double).await);
    let batch = json!([{ "query": "{ me { id } }" }, { "query": "{ part(id: 3) { revision } }" }]);
    let (status, body) = post(&double, Some(&auth), batch.to_string()).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!([{ "data": { "me": { "id": 1 } } }, { "data": { "part": { "revision": "C" } } }])
    );
}

#[tokio::test]
async fn connections_page_backwards_and_past_the_end() {
    let double = IonDouble::start(data()).await;
    let token = token(&double).await;
    let query = "query($last: Int, $before: String, $after: String, $first: Int) {
      parts(last: $last, before: $before, after: $after, first: $first) {
        pageInfo { hasNextPage hasPreviousPage count totalCount startCursor endCursor }
        edges { node { id } }
      } }";
    let tail = graphql(&double, &token, query, json!({"last": 2})).await;
    assert_eq!(
        tail["data"]["parts"]["edges"],
        json!([{"node": {"id": 11}}, {"node": {"id": 12}}])
    );
    assert_eq!(tail["data"]["parts"]["pageInfo"]["hasPreviousPage"], true);
    let start = tail["data"]["parts"]["pageInfo"]["startCursor"].clone();
    let before = graphql(&double, &token, query, json!({"last": 1, "before": start})).await;
    assert_eq!(
        before["data"]["parts"]["edges"],
        json!([{"node": {"id": 10}}])
    );
    let end = tail["data"]["parts"]["pageInfo"]["endCursor"].clone();
    let past = graphql(&double, &token, query, json!({"first": 5, "after": end})).await;
    let info = &past["data"]["parts"]["pageInfo"];
    assert_eq!(
        (&info["count"], &info["totalCount"], &info["endCursor"]),
        (&json!(0), &json!(12), &Value::Null)
    );
    let negative = graphql(&double, &token, query, json!({"first": -1})).await;
    assert_eq!(
        negative["errors"][0]["message"],
        "Argument 'first' must be a non-negative integer."
    );
}

#[tokio::test]
async fn introspection_describes_the_schema_subset() {
    let double = IonDouble::start(data()).await;
    let token = token(&double).await;
    let body = graphql(
        &double,
        &token,
        "{ __type(name: \"IonPageInfo\") { fields { name } } }",
        json!({}),
    )
    .await;
    let names: Vec<&str> = body["data"]["__type"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert!(
        names.contains(&"totalCount") && names.contains(&"endCursor"),
        "{names:?}"
    );
}

#[tokio::test]
async fn every_write_changes_the_etag_and_doubles_do_not_share_writes() {
    let (first, second) = (
        IonDouble::start(data()).await,
        IonDouble::start(data()).await,
    );
    let (t1, t2) = (token(&first).await, token(&second).await);
    let read = "{ part(id: 5) { description _etag } }";
    let before = graphql(&first, &t1, read, json!({})).await["data"]["part"]["_etag"].clone();
    let update =
        "mutation($input: UpdatePartInput!) { updatePart(input: $input) { part { _etag } } }";
    let input = json!({"input": {"id": 5, "etag": before, "description": "changed"}});
    let after =
        graphql(&first, &t1, update, input).await["data"]["updatePart"]["part"]["_etag"].clone();
    assert!(after.is_string() && after != before, "{before} -> {after}");
    let untouched = graphql(&second, &t2, read, json!({})).await;
    assert_eq!(
        untouched["data"]["part"]["description"],
        "Heat sink bracket, machined aluminium"
    );
    assert_eq!(
        untouched["data"]["part"]["_etag"], before,
        "etags are reproducible across doubles"
    );
}

#[tokio::test]
async fn creates_need_required_columns_and_existing_foreign_keys() {
    let double = IonDouble::start(data()).await;
    let token = token(&double).await;
    let create = "mutation($input: CreatePartInventoryInput!) {
      createPartInventory(input: $input) { partInventory { id status quantity part { partNumber } } } }";
    let made = graphql(
        &double,
        &token,
        create,
        json!({"input": {"partId": 6, "quantity": 10}}),
    )
    .await;
    assert_eq!(
        made["data"]["createPartInventory"]["partInventory"],
        json!({"id": 19, "status": "AVAILABLE", "quantity": 10.0, "part": {"partNumber": "PN-1004"}})
    );
    let orphan = graphql(&double, &token, create, json!({"input": {"partId": 404}})).await;
    assert_eq!(
        orphan["errors"][0]["message"],
        "partId: there is no Part with id 404"
    );
}

async fn admin(double: &IonDouble, method: reqwest::Method, path: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .request(method, format!("{}/__double/{path}", double.api_url()))
        .send()
        .await
        .expect("the double answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn admin_endpoints_count_requests_and_reset_the_store() {
    let double = IonDouble::start(data()).await;
    let token = token(&double).await;
    let rename = "mutation($input: UpdatePartInput!) { updatePart(input: $input) { part { id } } }";
    let read = "{ part(id: 5) { description _etag } }";
    let seeded = graphql(&double, &token, read, json!({})).await["data"]["part"].clone();
    let input = json!({"input": {"id": 5, "etag": seeded["_etag"], "description": "changed"}});
    graphql(&double, &token, rename, input).await;
    let (status, _) = post(&double, None, String::new()).await;
    assert_eq!(status, 401);
    let stray = reqwest::get(format!("{}/nowhere", double.api_url()))
        .await
        .expect("the double answers");
    assert_eq!(stray.status().as_u16(), 404);
    let wrong_method = reqwest::get(format!("{}/graphql", double.api_url()))
        .await
        .expect("the double answers");
    assert_eq!(
        (
            wrong_method.status().as_u16(),
            wrong_method
                .headers()
                .get("allow")
                .and_then(|v| v.to_str().ok())
        ),
        (405, Some("POST"))
    );

    let (status, counts) = admin(&double, reqwest::Method::GET, "requests").await;
    assert_eq!(status, 200);
    assert_eq!(
        counts,
        json!({"total": 6, "paths": {"/graphql": 4, TOKEN_PATH: 1, "/nowhere": 1}, "throttled": 0, "stopped": {}, "early": 0})
    );

    assert_eq!(
        admin(&double, reqwest::Method::POST, "reset").await,
        (200, json!({"reset": true}))
    );
    let after = graphql(&double, &token, read, json!({})).await;
    assert_eq!(
        after["data"]["part"], seeded,
        "the seed is back; the token still works"
    );
    let (_, counts) = admin(&double, reqwest::Method::GET, "requests").await;
    assert_eq!(
        counts,
        json!({"total": 1, "paths": {"/graphql": 1}, "throttled": 0, "stopped": {}, "early": 0})
    );
    assert_eq!(admin(&double, reqwest::Method::GET, "reset").await.0, 405);
    assert_eq!(admin(&double, reqwest::Method::GET, "nothing").await.0, 404);
}

#[tokio::test]
async fn expire_tokens_expires_every_token_issued_so_far() {
    let double = IonDouble::start(data()).await;
    let old = token(&double).await;
    let me = json!({ "query": "{ me { id } }" }).to_string();
    // Used once first, so the double has already verified (and kept) its signature.
    let (status, _) = post(&double, Some(&format!("Bearer {old}")), me.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(
        admin(&double, reqwest::Method::POST, "expire-tokens").await,
        (200, json!({"expired": 1}))
    );
    let (status, body) = post(&double, Some(&format!("Bearer {old}")), me.clone()).await;
    assert_eq!(
        (status, body),
        (401, json!({"errors": [{"message": "Token is expired."}]}))
    );
    let fresh = token(&double).await;
    let (status, body) = post(&double, Some(&format!("Bearer {fresh}")), me).await;
    assert_eq!((status, &body["data"]["me"]["id"]), (200, &json!(1)));
}

#[tokio::test]
async fn a_double_started_with_a_spec_grants_that_spec_s_client_only() {
    let spec = EnvironmentSpec {
        token_lifetime_secs: 42,
        ..EnvironmentSpec::sandbox()
    };
    let double = IonDouble::start_with(data(), spec.clone()).await;
    let form = |id: &'static str, secret: &'static str| {
        [
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
        ]
    };
    let (status, body) = token_response(
        &double,
        TOKEN_PATH,
        &form("ion-contract-sandbox", "ion-contract-sandbox-secret"),
    )
    .await;
    assert_eq!((status, &body["expires_in"]), (200, &json!(42)));
    let (status, _) = token_response(
        &double,
        TOKEN_PATH,
        &form(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
    )
    .await;
    assert_eq!(status, 401, "the demo key belongs to another environment");
}

#[test]
fn a_broken_seed_is_reported_at_file_line_col_with_a_fix() {
    let dir = std::env::temp_dir().join(format!("ion-contract-seed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let seed = dir.join("seed.yaml");
    let text = "me: 1\nUser:\n  - {id: 1, name: Bot, ionBot: true, deactivated: false, organizationId: 1}\nPart:\n  - {id: 1, partNumbr: PN-1}\nPartInventory:\n  - {id: 1, partId: 7, quantity: 1.0}\nWidget: []\n";
    std::fs::write(&seed, text).expect("seed written");
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("suites/schema/ion.graphql");
    let error = DoubleData::load(&schema, &seed)
        .expect_err("the seed is broken")
        .to_string();
    let _ = std::fs::remove_dir_all(&dir);
    let shown = seed.to_string_lossy().replace('\\', "/");
    for expected in [
        format!("{shown}:5:13"),
        "Part has no field `partNumbr`; did you mean 'partNumber'?".to_owned(),
        format!("{shown}:7:21"),
        "PartInventory.partId points at Part 7, which is not in the seed".to_owned(),
        format!("{shown}:8:1"),
        "`Widget` is not an object type".to_owned(),
        "problem(s)".to_owned(),
    ] {
        assert!(
            error.contains(&expected),
            "{expected:?} missing from:\n{error}"
        );
    }
}
