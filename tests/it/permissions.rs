//! API-key permissions in the double: a reader key may only read, an editor may not delete,
//! a token keeps the role its key had when it was issued, and ION's permission error is
//! classified `forbidden`.

use crate::common;

use ion_contract::auth::{AuthClass, TokenKnowledge, classify};
use ion_contract::double::{EnvironmentSpec, IonDouble, Role, key_for};
use serde_json::{Value, json};

const TOKEN_PATH: &str = "/realms/api-keys/protocol/openid-connect/token";

async fn start() -> IonDouble {
    IonDouble::start(common::double_data()).await
}

/// A token of the demo environment's key of `role`.
async fn token(double: &IonDouble, role: Role) -> String {
    let (id, secret) = key_for(&EnvironmentSpec::demo(), role);
    let response = reqwest::Client::new()
        .post(format!("{}{TOKEN_PATH}", double.auth_url()))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
        ])
        .send()
        .await
        .expect("the double answers");
    assert_eq!(response.status().as_u16(), 200, "{role}'s key is known");
    let body: Value = response.json().await.expect("JSON");
    body["access_token"].as_str().expect("a token").to_owned()
}

/// Sends `query` with `token`; the HTTP status and the body.
async fn graphql(double: &IonDouble, token: &str, query: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", double.api_url()))
        .bearer_auth(token)
        .json(&json!({ "query": query }))
        .send()
        .await
        .expect("the double answers");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

const CREATE: &str = r#"mutation { createPart(input: {partNumber: "PN-PERM", description: "perm"}) { part { id _etag } } }"#;

fn delete(id: &Value, etag: &Value) -> String {
    format!(r#"mutation {{ deletePart(id: {id}, etag: {etag}) {{ id }} }}"#)
}

/// The class the harness gives an answer.
fn class(status: u16, body: &Value) -> Option<AuthClass> {
    classify(status, body, &body.to_string(), TokenKnowledge::default())
}

#[tokio::test]
async fn a_reader_key_reads_and_its_mutations_are_forbidden() {
    let double = start().await;
    let reader = token(&double, Role::Reader).await;
    let (status, body) = graphql(&double, &reader, "{ me { id } }").await;
    assert_eq!(
        (status, &body["data"]["me"]["id"]),
        (200, &json!(1)),
        "{body}"
    );
    let (status, body) = graphql(&double, &reader, CREATE).await;
    assert_eq!(status, 200, "ION answers permission errors with HTTP 200");
    assert_eq!(body["data"]["createPart"], Value::Null, "{body}");
    assert_eq!(
        body["errors"][0]["message"],
        "User does not have permission to create this resource."
    );
    assert_eq!(class(status, &body), Some(AuthClass::Forbidden));
    let admin = token(&double, Role::Admin).await;
    let (_, parts) = graphql(
        &double,
        &admin,
        r#"{ parts(filters: {partNumber: {eq: "PN-PERM"}}) { pageInfo { count } } }"#,
    )
    .await;
    assert_eq!(
        parts["data"]["parts"]["pageInfo"]["count"], 0,
        "nothing was written: {parts}"
    );
}

#[tokio::test]
async fn an_editor_creates_but_may_not_delete_and_an_admin_may() {
    let double = start().await;
    let editor = token(&double, Role::Editor).await;
    let (_, created) = graphql(&double, &editor, CREATE).await;
    let part = &created["data"]["createPart"]["part"];
    assert!(part["id"].is_number(), "{created}");
    let removal = delete(&part["id"], &part["_etag"]);
    let (status, body) = graphql(&double, &editor, &removal).await;
    assert_eq!(
        body["errors"][0]["message"],
        "User does not have permission to delete this resource."
    );
    assert_eq!(class(status, &body), Some(AuthClass::Forbidden));
    let admin = token(&double, Role::Admin).await;
    let (status, body) = graphql(&double, &admin, &removal).await;
    assert_eq!(body["data"]["deletePart"]["id"], part["id"], "{body}");
    assert_eq!(class(status, &body), None);
}

#[tokio::test]
async fn a_token_keeps_the_role_its_key_had_when_it_was_issued() {
    let double = start().await;
    let before = token(&double, Role::Reader).await;
    let (reader, _) = key_for(&EnvironmentSpec::demo(), Role::Reader);
    let admin = |method: reqwest::Method, body: Option<Value>| {
        let mut request =
            reqwest::Client::new().request(method, format!("{}/__double/keys", double.api_url()));
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move {
            let response = request.send().await.expect("the double answers");
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.expect("JSON"))
        }
    };
    let (status, keys) = admin(
        reqwest::Method::POST,
        Some(json!({"client_id": reader, "role": "editor"})),
    )
    .await;
    assert_eq!(
        (status, &keys["keys"][&reader]),
        (200, &json!("editor")),
        "{keys}"
    );
    let (_, body) = graphql(&double, &before, CREATE).await;
    assert_eq!(
        class(200, &body),
        Some(AuthClass::Forbidden),
        "issued as a reader: {body}"
    );
    let after = token(&double, Role::Reader).await;
    let (_, body) = graphql(&double, &after, CREATE).await;
    assert!(
        body["data"]["createPart"]["part"]["id"].is_number(),
        "{body}"
    );

    let (status, body) = admin(
        reqwest::Method::POST,
        Some(json!({"client_id": reader, "role": "root"})),
    )
    .await;
    assert_eq!(status, 400);
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("unknown role 'root'"), "{message}");
    let (status, _) = admin(
        reqwest::Method::POST,
        Some(json!({"client_id": "nobody", "role": "admin"})),
    )
    .await;
    assert_eq!(status, 400);

    reqwest::Client::new()
        .post(format!("{}/__double/reset", double.api_url()))
        .send()
        .await
        .expect("reset");
    let (_, keys) = admin(reqwest::Method::GET, None).await;
    assert_eq!(
        keys["keys"][&reader], "reader",
        "a reset gives keys their first roles"
    );
}

#[test]
fn the_permissions_suite_passes_against_serve_as_a_sandbox() {
    let serve = common::serve::Serve::start();
    let out = serve.run_as_sandbox(&["permissions/"]);
    let report = common::stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{report}{}",
        common::stderr(&out)
    );
    assert!(
        report.contains("test result: ok. 3 passed; 0 failed; 0 ignored"),
        "the three cases, none ignored: {report}"
    );
    // Without the reader and editor variables those cases are ignored, saying why.
    let without: Vec<(&str, &str)> = serve
        .env("ION_SANDBOX_")
        .into_iter()
        .filter(|(name, _)| !name.contains("READER") && !name.contains("EDITOR"))
        .collect();
    let out = common::output(
        common::ion_contract(&["run", "--target", "sandbox", "permissions/"]).envs(without),
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(
        common::stdout(&out).contains("3 ignored"),
        "{}",
        common::stdout(&out)
    );
    assert!(
        common::stderr(&out).contains("`as: reader` on target `sandbox` needs ION_SANDBOX_READER_CLIENT_ID and ION_SANDBOX_READER_CLIENT_SECRET"),
        "{}",
        common::stderr(&out)
    );
}
