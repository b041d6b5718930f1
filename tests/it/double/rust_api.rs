//! The double as a Rust test uses it: `IonDouble::builder()`, its URLs, credentials and
//! tokens, the in-process request log, expectations checked on drop, and the double
//! mounted on a wiremock `MockServer` under an overriding `Mock`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use ion_contract::double::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DataShape, IonDouble, Operation, Role,
};
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ME: &str = "query Me { me { id } }";
const CREATE: &str = "mutation CreatePart($input: CreatePartInput!) { createPart(input: $input) { part { id partNumber } } }";

/// POSTs one GraphQL request with `token`; the status and the body.
async fn send(url: &str, token: &str, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("the double answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A token from the double's token endpoint for its key of `role`.
async fn fetch_token(double: &IonDouble, role: Role) -> String {
    let key = double.credentials(role);
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", key.client_id.as_str()),
        ("client_secret", key.client_secret.expose()),
    ];
    let answer: Value = reqwest::Client::new()
        .post(double.token_url())
        .form(&form)
        .send()
        .await
        .expect("the double answers")
        .json()
        .await
        .expect("a JSON token response");
    answer["access_token"].as_str().expect("a token").to_owned()
}

/// A scratch file of this test, removed by the caller.
fn scratch_file(label: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ion-contract-rust-api-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(label);
    std::fs::write(&path, text).expect("scratch file written");
    path
}

/// The message a caught panic carries.
fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .unwrap_or_default(),
    }
}

#[tokio::test]
async fn the_builder_defaults_to_the_built_in_data_and_the_demo_key() {
    let double = IonDouble::builder()
        .start()
        .await
        .expect("the built-in files load");
    let admin = double.credentials(Role::Admin);
    assert_eq!(admin.client_id, DEMO_CLIENT_ID);
    assert_eq!(admin.client_secret.expose(), DEMO_CLIENT_SECRET);
    assert_eq!(
        double.credentials(Role::Reader).client_id,
        format!("{DEMO_CLIENT_ID}-reader")
    );
    assert_eq!(
        double.graphql_url(),
        format!("{}/graphql", double.api_url())
    );
    assert!(
        double
            .token_url()
            .ends_with("/realms/api-keys/protocol/openid-connect/token"),
        "{}",
        double.token_url()
    );

    // A token fetched from the endpoint and one issued in process both work.
    let fetched = fetch_token(&double, Role::Admin).await;
    let (status, me) = send(&double.graphql_url(), &fetched, json!({"query": ME})).await;
    assert_eq!((status, &me["data"]["me"]["id"]), (200, &json!(1)), "{me}");
    let part = json!({"query": "{ part(id: 3) { revision } }"});
    let (_, seeded) = send(&double.graphql_url(), &fetched, part).await;
    assert_eq!(
        seeded["data"]["part"]["revision"], "C",
        "the demo seed: {seeded}"
    );

    // The in-process token carries its key's role: a reader may not create.
    let reader = double.token(Role::Reader);
    assert_eq!(format!("{reader:?}"), "[redacted]");
    let create = json!({"query": CREATE, "variables": {"input": {"partNumber": "PN-R"}}});
    let (status, refused) = send(&double.graphql_url(), reader.expose(), create).await;
    assert_eq!(status, 200);
    assert_eq!(
        refused["errors"][0]["message"], "User does not have permission to create this resource.",
        "{refused}"
    );
}

#[tokio::test]
async fn the_builder_takes_a_data_shape() {
    let double = IonDouble::builder()
        .data(DataShape::Blank)
        .start()
        .await
        .expect("the built-in files load");
    let token = double.token(Role::Admin);
    let parts = json!({"query": "{ parts { pageInfo { totalCount } } }"});
    let (_, blank) = send(&double.graphql_url(), token.expose(), parts).await;
    assert_eq!(
        blank["data"]["parts"]["pageInfo"]["totalCount"], 0,
        "{blank}"
    );
}

#[tokio::test]
async fn bad_files_given_to_the_builder_are_located_errors_with_a_fix() {
    let missing = std::env::temp_dir().join("ion-contract-no-such-dir/ion.graphql");
    let error = IonDouble::builder()
        .schema_file(&missing)
        .start()
        .await
        .err()
        .expect("a missing schema file is an error")
        .to_string();
    let shown = missing.to_string_lossy().replace('\\', "/");
    assert!(error.contains(&shown), "{error}");
    assert!(
        error.contains("help: pass IonDoubleBuilder::schema_file/seed_file an existing file"),
        "{error}"
    );

    let invalid = IonDouble::builder()
        .schema_sdl("type Query {\n  me: Nope\n}\n")
        .start()
        .await
        .err()
        .expect("an invalid schema is an error")
        .to_string();
    assert!(
        invalid.contains("<IonDoubleBuilder::schema_sdl>"),
        "{invalid}"
    );
    assert!(invalid.contains("Nope"), "{invalid}");

    let seed = scratch_file("seed.yaml", "me: 1\nPart:\n  - {id: 1, partNumbr: PN-1}\n");
    let wrong_seed = IonDouble::builder().seed_file(&seed).start().await.err();
    let _ = std::fs::remove_file(&seed);
    let wrong_seed = wrong_seed.expect("a broken seed is an error").to_string();
    let shown = seed.to_string_lossy().replace('\\', "/");
    assert!(wrong_seed.contains(&format!("{shown}:3:")), "{wrong_seed}");
    assert!(
        wrong_seed.contains("did you mean 'partNumber'?"),
        "{wrong_seed}"
    );
}

#[tokio::test]
async fn the_request_log_lists_what_was_received_without_secrets() {
    let double = IonDouble::builder()
        .start()
        .await
        .expect("the built-in files load");
    let token = fetch_token(&double, Role::Admin).await;
    let hook = json!({
        "query": "mutation Hook($input: CreateWebhookReceiverInput!) { createWebhookReceiver(input: $input) { webhookReceiver { id } } }",
        "variables": {"input": {"name": "hook", "webhookUri": "http://127.0.0.1:9/h", "sharedSecret": "hook-secret-value"}}
    });
    send(&double.graphql_url(), &token, hook).await;
    let batch = json!([{"query": ME}, {"query": "{ me { id } }"}]);
    send(&double.graphql_url(), &token, batch).await;
    let client = reqwest::Client::new();
    let stray = client
        .get(format!("{}/nowhere", double.api_url()))
        .send()
        .await;
    assert_eq!(stray.expect("answered").status().as_u16(), 404);
    let admin = client
        .get(format!("{}/__double/requests", double.api_url()))
        .send()
        .await;
    assert_eq!(admin.expect("answered").status().as_u16(), 200);

    let log = double.received_requests();
    let summary: Vec<(&str, &str, u16, Vec<Option<&str>>)> = log
        .iter()
        .map(|r| {
            let names = r
                .graphql
                .iter()
                .map(|c| c.operation_name.as_deref())
                .collect();
            (r.method.as_str(), r.path.as_str(), r.status, names)
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "POST",
                "/realms/api-keys/protocol/openid-connect/token",
                200,
                vec![]
            ),
            ("POST", "/graphql", 200, vec![Some("Hook")]),
            ("POST", "/graphql", 200, vec![Some("Me"), None]),
            ("GET", "/nowhere", 404, vec![]),
        ],
        "the admin request is not logged"
    );
    assert_eq!(
        log[1].graphql[0].variables["input"]["webhookUri"],
        "http://127.0.0.1:9/h"
    );
    assert!(log[1].graphql[0].query.starts_with("mutation Hook"));
    let shown = format!("{log:?}");
    for secret in [DEMO_CLIENT_SECRET, "hook-secret-value", token.as_str()] {
        assert!(!shown.contains(secret), "{secret:.12} shown in {shown}");
    }

    let reset = client
        .post(format!("{}/__double/reset", double.api_url()))
        .send()
        .await;
    assert_eq!(reset.expect("answered").status().as_u16(), 200);
    assert_eq!(double.received_requests(), [], "a reset empties the log");
}

#[tokio::test]
async fn verify_counts_matching_operations_from_when_they_are_expected() {
    let double = IonDouble::builder()
        .start()
        .await
        .expect("the built-in files load");
    let token = double.token(Role::Admin);
    let me = json!({"query": ME});
    send(&double.graphql_url(), token.expose(), me.clone()).await;
    double.expect(Operation::named("Me").times(2));
    double.expect(Operation::named("CreatePart").times(..=1));
    send(&double.graphql_url(), token.expose(), me.clone()).await;
    let early = double
        .verify()
        .expect_err("one Me since the expectation, not two");
    assert_eq!(early.unmet.len(), 1, "{early}");
    assert!(
        early
            .to_string()
            .contains("operation `Me`: expected exactly 2, received 1"),
        "{early}"
    );

    // Unauthenticated requests count as well: the expectation is about what was sent.
    send(&double.graphql_url(), "not-a-token", me).await;
    double.verify().expect("Me twice, CreatePart at most once");
}

#[tokio::test]
async fn an_unmet_expectation_panics_on_drop_naming_it_and_what_was_received() {
    let double = IonDouble::builder()
        .start()
        .await
        .expect("the built-in files load");
    double.expect(Operation::named("CreatePart").times(1));
    double.expect(Operation::named("Me"));
    let token = double.token(Role::Admin);
    send(&double.graphql_url(), token.expose(), json!({"query": ME})).await;
    let url = double.graphql_url();
    let payload = catch_unwind(AssertUnwindSafe(move || drop(double)))
        .expect_err("dropping a double with an unmet expectation panics");
    let message = panic_message(payload);
    assert!(message.starts_with("Verifications failed"), "{message}");
    assert!(
        message.contains("- operation `CreatePart`: expected exactly 1, received 0"),
        "{message}"
    );
    assert!(!message.contains("operation `Me`"), "Me was met: {message}");
    assert!(
        message.contains(&format!("operations received at {url}: Me x1")),
        "{message}"
    );
    assert!(message.contains("help: "), "{message}");
}

#[tokio::test]
#[should_panic(expected = "the test's own failure")]
async fn a_double_dropped_while_panicking_does_not_panic_again() {
    let double = IonDouble::builder()
        .start()
        .await
        .expect("the built-in files load");
    double.expect(Operation::named("CreatePart"));
    // A second panic during the unwind would abort the process, not fail as expected here.
    panic!("the test's own failure");
}

#[tokio::test]
async fn a_wiremock_mock_overrides_one_operation_and_the_double_answers_the_rest() {
    let server = MockServer::start().await;
    let double = IonDouble::builder()
        .mount(&server)
        .await
        .expect("the built-in files load");
    assert_eq!(double.graphql_url(), format!("{}/graphql", server.uri()));
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(body_partial_json(json!({"operationName": "CreatePart"})))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(json!({"errors": [{"message": "Too Many Requests"}]})),
        )
        .expect(1)
        .named("CreatePart throttled")
        .mount(&server)
        .await;
    double.expect(Operation::named("AddPart").times(1));
    double.expect(Operation::named("CreatePart").times(0));

    let token = fetch_token(&double, Role::Editor).await;
    let input = json!({"input": {"partNumber": "PN-WIRE-1"}});
    let throttled = json!({"query": CREATE, "operationName": "CreatePart", "variables": input});
    let (status, body) = send(&double.graphql_url(), &token, throttled).await;
    assert_eq!(
        (status, &body["errors"][0]["message"]),
        (429, &json!("Too Many Requests"))
    );

    let add = CREATE.replace("CreatePart(", "AddPart(");
    let added = json!({"query": add, "operationName": "AddPart", "variables": input});
    let (status, created) = send(&double.graphql_url(), &token, added).await;
    assert_eq!(status, 200, "{created}");
    let id = created["data"]["createPart"]["part"]["id"].clone();
    assert!(id.is_number(), "{created}");
    let read = json!({"query": "query Read($id: ID!) { part(id: $id) { partNumber } }", "variables": {"id": id}});
    let (_, read) = send(&double.graphql_url(), &token, read).await;
    assert_eq!(
        read["data"]["part"]["partNumber"], "PN-WIRE-1",
        "the store kept it: {read}"
    );

    // The discovery document points at the MockServer, as ION's points at itself.
    let discovery: Value = reqwest::get(format!(
        "{}/realms/api-keys/.well-known/openid-configuration",
        server.uri()
    ))
    .await
    .expect("answered")
    .json()
    .await
    .expect("JSON");
    assert_eq!(discovery["token_endpoint"], double.token_url());

    let names: Vec<Option<String>> = double
        .received_requests()
        .iter()
        .map(|r| r.operation_name().map(str::to_owned))
        .collect();
    assert_eq!(
        names,
        [None, Some("AddPart".into()), Some("Read".into()), None]
    );
    assert_eq!(server.received_requests().await.map(|r| r.len()), Some(5));
    double
        .verify()
        .expect("AddPart once; CreatePart never reached the double");
    server.verify().await;
}

#[tokio::test]
async fn a_started_double_answers_through_its_responder_from_the_same_store() {
    let double = IonDouble::builder()
        .start()
        .await
        .expect("the built-in files load");
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(double.responder())
        .mount(&server)
        .await;
    let token = double.token(Role::Admin);
    let create = json!({"query": CREATE, "variables": {"input": {"partNumber": "PN-BOTH"}}});
    let (status, _) = send(&format!("{}/graphql", server.uri()), token.expose(), create).await;
    assert_eq!(status, 200);
    let count = json!({"query": "{ parts(filters: {partNumber: {eq: \"PN-BOTH\"}}) { pageInfo { totalCount } } }"});
    let (_, direct) = send(&double.graphql_url(), token.expose(), count).await;
    assert_eq!(
        direct["data"]["parts"]["pageInfo"]["totalCount"], 1,
        "{direct}"
    );
    assert_eq!(double.received_requests().len(), 2, "both ways are logged");
}
