//! Webhooks in the embedded double, end to end: an integration registers a receiver (a
//! wiremock sink started here) and a subscription through GraphQL with the demo client,
//! changes data, and the sink receives signed events; `webhookEvents` is the audit trail.
//! One test does the same through `ion-contract serve`, whose runtime is hyper's.
//!
//! Nothing here sleeps for a fixed time: each test waits (with a timeout) until the event's
//! status in `webhookEvents` is final, then looks at what the sink received.

use crate::common;
mod support;

use std::sync::Arc;

use ion_contract::auth::{ClientCredentials, TokenSource};
use ion_contract::client::GraphqlClient;
use ion_contract::secret::Secret;
use serde_json::{Value, json};
use support::{
    FAST, add_header, assert_signed, create_part, receiver, run, settled_events, start, subscribe,
    subscription,
};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn a_created_part_sends_exactly_one_signed_event() {
    let sink = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks/ion"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&sink)
        .await;
    let (_double, client) = start().await;
    let subscription = subscribe(&client, &sink, "PARTS", "CREATE").await;

    let part = create_part(&client, "PN-HOOK-1").await;
    let events = settled_events(&client).await;

    assert_eq!(events.len(), 1, "{events:?}");
    let event = &events[0];
    assert_eq!(event["status"], "SUCCEEDED");
    assert_eq!(event["numberOfRetries"], 0);
    assert_eq!(event["responseStatusCode"], 200);
    assert_eq!(event["subscriptionId"], subscription);
    assert!(event["responseReceivedAt"].is_string());
    let received = sink.received_requests().await.unwrap_or_default();
    assert_eq!(received.len(), 1, "exactly one delivery");
    assert_signed(&received[0]);
    let body: Value = serde_json::from_slice(&received[0].body).expect("a JSON event");
    assert_eq!(body["event_id"], event["id"]);
    assert_eq!(body["subscription_id"], subscription);
    assert_eq!(body["resource"], "PARTS");
    assert_eq!(body["action"], "CREATE");
    assert_eq!(body["id"], part);
    assert_eq!(body["old"], Value::Null);
    assert_eq!(body["new"]["partNumber"], "PN-HOOK-1");
    assert_eq!(body["new"]["id"], part);
    assert_eq!(
        event["requestData"].as_str().map(str::as_bytes),
        Some(received[0].body.as_slice()),
        "requestData is the exact body sent"
    );
    let data = run(
        &client,
        "query($id: ID!) { webhookSubscription(id: $id) { events { id status } \
         receiver { subscriptions { id } } } \
         webhookReceivers(filters: {subscriptions: {events: {status: {eq: SUCCEEDED}}}}) \
         { pageInfo { totalCount } } }",
        json!({"id": subscription.to_string()}),
    )
    .await;
    let subscription_view = &data["webhookSubscription"];
    assert_eq!(
        subscription_view["events"],
        json!([{"id": event["id"], "status": "SUCCEEDED"}])
    );
    assert_eq!(
        subscription_view["receiver"]["subscriptions"],
        json!([{"id": subscription}])
    );
    assert_eq!(data["webhookReceivers"]["pageInfo"]["totalCount"], 1);
}

#[tokio::test]
async fn a_500_is_redelivered_until_the_expected_code() {
    let sink = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_string("try later"))
        .up_to_n_times(1)
        .mount(&sink)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&sink)
        .await;
    let (_double, client) = start().await;
    subscribe(&client, &sink, "PARTS", "CREATE").await;

    create_part(&client, "PN-HOOK-2").await;
    let events = settled_events(&client).await;

    assert_eq!(events.len(), 1, "one event, delivered twice: {events:?}");
    assert_eq!(events[0]["status"], "SUCCEEDED");
    assert_eq!(events[0]["numberOfRetries"], 1);
    assert_eq!(events[0]["responseStatusCode"], 200);
    let received = sink.received_requests().await.unwrap_or_default();
    assert_eq!(received.len(), 2, "at-least-once: the 500 is redelivered");
    assert_eq!(
        received[0].body, received[1].body,
        "the same event, same event_id"
    );
    for request in &received {
        assert_signed(request);
    }
}

#[tokio::test]
async fn a_receiver_that_never_accepts_ends_failed_after_the_last_attempt() {
    let sink = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&sink)
        .await;
    let (_double, client) = start().await;
    subscribe(&client, &sink, "PARTS", "CREATE").await;

    create_part(&client, "PN-HOOK-3").await;
    let events = settled_events(&client).await;

    assert_eq!(events[0]["status"], "FAILED");
    assert_eq!(events[0]["numberOfRetries"], FAST.attempts - 1);
    assert_eq!(events[0]["responseStatusCode"], 503);
    let received = sink.received_requests().await.unwrap_or_default();
    assert_eq!(received.len(), FAST.attempts as usize);
}

#[tokio::test]
async fn static_headers_are_sent_but_never_replace_the_signature() {
    let sink = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("authorization", "Bearer sink-token"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&sink)
        .await;
    let (_double, client) = start().await;
    let (receiver_id, mut etag) = receiver(&client, &sink).await;
    for (key, value) in [
        ("authorization", "Bearer sink-token"),
        ("x-ion-signature", "forged"),
    ] {
        etag = add_header(&client, &receiver_id, &etag, key, value).await;
    }
    let data = run(
        &client,
        "query($id: ID!) { webhookReceiver(id: $id) { headers { key value } } }",
        json!({"id": receiver_id.to_string()}),
    )
    .await;
    assert_eq!(
        data["webhookReceiver"]["headers"][0],
        json!({"key": "authorization", "value": "Bearer sink-token"})
    );
    subscription(&client, &receiver_id, "PARTS", "CREATE").await;

    create_part(&client, "PN-HOOK-4").await;
    let events = settled_events(&client).await;

    assert_eq!(events[0]["status"], "SUCCEEDED", "{events:?}");
    let received = sink.received_requests().await.unwrap_or_default();
    assert_eq!(received.len(), 1);
    assert_signed(&received[0]);
}

#[tokio::test]
async fn updates_and_deletes_carry_old_and_new_and_inactive_subscriptions_stay_quiet() {
    let sink = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&sink)
        .await;
    let (_double, client) = start().await;
    let create = subscribe(&client, &sink, "PARTS", "CREATE").await;
    let update = subscribe(&client, &sink, "PARTS", "UPDATE").await;
    let delete = subscribe(&client, &sink, "PARTS", "DELETE").await;
    subscribe(&client, &sink, "LOCATIONS", "UPDATE").await;
    let data = run(
        &client,
        "query($id: ID!) { webhookSubscription(id: $id) { _etag } }",
        json!({"id": create.to_string()}),
    )
    .await;
    run(
        &client,
        "mutation($input: UpdateWebhookSubscriptionInput!) { updateWebhookSubscription(input: \
         $input) { webhookSubscription { active } } }",
        json!({"input": {"id": create.to_string(), "etag": data["webhookSubscription"]["_etag"],
                         "active": false}}),
    )
    .await;

    let part = create_part(&client, "PN-HOOK-5").await;
    let data = run(
        &client,
        "query($id: ID!) { part(id: $id) { _etag } }",
        json!({"id": part.to_string()}),
    )
    .await;
    let data = run(
        &client,
        "mutation($input: UpdatePartInput!) { updatePart(input: $input) { part { _etag } } }",
        json!({"input": {"id": part.to_string(), "etag": data["part"]["_etag"],
                         "description": "Renamed probe"}}),
    )
    .await;
    run(
        &client,
        "mutation($etag: String!, $id: ID!) { deletePart(etag: $etag, id: $id) { id } }",
        json!({"etag": data["updatePart"]["part"]["_etag"], "id": part.to_string()}),
    )
    .await;
    let events = settled_events(&client).await;

    let subscriptions: Vec<_> = events.iter().map(|e| e["subscriptionId"].clone()).collect();
    assert_eq!(subscriptions, [json!(update), json!(delete)], "{events:?}");
    let mut bodies: Vec<Value> = sink
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).expect("a JSON event"))
        .collect();
    bodies.sort_by_key(|b| b["event_id"].as_i64());
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0]["action"], "UPDATE");
    assert_eq!(bodies[0]["old"]["description"], "Webhook probe");
    assert_eq!(bodies[0]["new"]["description"], "Renamed probe");
    assert_eq!(bodies[1]["action"], "DELETE");
    assert_eq!(bodies[1]["old"]["id"], part);
    assert_eq!(bodies[1]["new"], Value::Null);
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let sink = MockServer::start().await;
    Mock::given(path("/hooks/ion"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", "/elsewhere"))
        .mount(&sink)
        .await;
    Mock::given(path("/elsewhere"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&sink)
        .await;
    let (_double, client) = start().await;
    subscribe(&client, &sink, "PARTS", "CREATE").await;

    create_part(&client, "PN-HOOK-6").await;
    let events = settled_events(&client).await;

    assert_eq!(events[0]["status"], "FAILED");
    assert_eq!(events[0]["responseStatusCode"], 307);
    sink.verify().await;
}

#[tokio::test]
async fn serve_delivers_webhooks_as_the_embedded_double_does() {
    let sink = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&sink)
        .await;
    let serve = common::serve::Serve::start();
    let var = |name: &str| {
        serve
            .vars
            .get(name)
            .cloned()
            .unwrap_or_else(|| panic!("serve exports {name}"))
    };
    let http = reqwest::Client::new();
    let credentials = ClientCredentials {
        client_id: var("ION_SANDBOX_CLIENT_ID"),
        client_secret: Secret::new(var("ION_SANDBOX_CLIENT_SECRET")),
    };
    let tokens =
        TokenSource::client_credentials(http.clone(), var("ION_SANDBOX_AUTH_URL"), credentials);
    let endpoint = format!("{}/graphql", var("ION_SANDBOX_API_URL"));
    let client = GraphqlClient::new(http, endpoint, Some(Arc::new(tokens)));
    subscribe(&client, &sink, "PARTS", "CREATE").await;

    let part = create_part(&client, "PN-HOOK-7").await;
    let events = settled_events(&client).await;

    assert_eq!(events[0]["status"], "SUCCEEDED", "{events:?}");
    let received = sink.received_requests().await.unwrap_or_default();
    assert_eq!(received.len(), 1);
    assert_signed(&received[0]);
    let body: Value = serde_json::from_slice(&received[0].body).expect("a JSON event");
    assert_eq!(body["id"], part);
}

#[tokio::test]
async fn a_static_header_that_is_not_valid_http_fails_the_delivery_without_showing_its_value() {
    let sink = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&sink)
        .await;
    let (_double, client) = start().await;
    let (receiver_id, etag) = receiver(&client, &sink).await;
    add_header(
        &client,
        &receiver_id,
        &etag,
        "x-token",
        "line\nbreak-secret",
    )
    .await;
    subscription(&client, &receiver_id, "PARTS", "CREATE").await;

    create_part(&client, "PN-HOOK-8").await;
    let events = settled_events(&client).await;
    let data = run(
        &client,
        "{ webhookEvents { edges { node { responseData } } } }",
        json!({}),
    )
    .await;

    assert_eq!(events[0]["status"], "FAILED");
    let response_data = data["webhookEvents"]["edges"][0]["node"]["responseData"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(response_data.contains("\"x-token\""), "{response_data}");
    assert!(!response_data.contains("secret"), "{response_data}");
    sink.verify().await;
}

#[tokio::test]
async fn a_drift_fires_webhooks_as_any_committed_change_does_in_ion() {
    let sink = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&sink)
        .await;
    let (double, client) = start().await;
    subscribe(&client, &sink, "PARTS", "UPDATE").await;

    double
        .drift(&json!({"set": {"type": "Part", "id": 3, "fields": {"description": "Drifted"}}}))
        .expect("the drift applies");
    let events = settled_events(&client).await;

    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["status"], "SUCCEEDED");
    let received = sink.received_requests().await.unwrap_or_default();
    let body: Value = serde_json::from_slice(&received[0].body).expect("a JSON event");
    assert_eq!(body["action"], "UPDATE");
    assert_eq!(body["id"], 3);
    assert_eq!(body["new"]["description"], "Drifted");
}
